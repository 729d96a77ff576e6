/* cli/pipeline_worker.c: a --threads worker (cli/pipeline.h, docs/threads.md): analyses the
 * records of its shard with its own engine and writes, in frame order, one message per
 * frame and one per flow that ends into its ring for the merger. */
#define _POSIX_C_SOURCE 200809L
#include "pipeline_int.h"

#include <stdio.h>
#include <string.h>

static uint8_t *msg_reserve(struct worker *w, size_t len)
{
    struct byte_ring *r = &w->out;
    len = (len + sizeof(struct msg_hdr) + 7) & ~(size_t)7;
    size_t head = r->head_local;
    size_t room_end = BYTE_RING - (head & (BYTE_RING - 1));
    size_t need = len > room_end ? len + room_end : len;
    unsigned spins = 0;
    while (head + need - r->tail_seen > BYTE_RING &&
           head + need - (r->tail_seen = atomic_load_explicit(&r->tail, memory_order_acquire)) > BYTE_RING) {
        ns_pipeline_out_flush(w);      /* the merger may be waiting for those */
        if (w->on_caller)
            ns_pipeline_make_room(w->pl, &spins);   /* no one else empties this ring */
        else
            backoff(&spins);
    }
    if (len > room_end) {
        struct msg_hdr pad = { (uint32_t)room_end, MSG_PAD };
        memcpy(r->buf + (head & (BYTE_RING - 1)), &pad, sizeof pad);
        head += room_end;
        r->head_local = head;
        r->unpublished++;
    }
    struct msg_hdr *h = (struct msg_hdr *)(void *)(r->buf + (head & (BYTE_RING - 1)));
    h->len = (uint32_t)len;
    return (uint8_t *)(h + 1);
}

static void msg_commit(struct worker *w, uint32_t type)
{
    struct byte_ring *r = &w->out;
    size_t head = r->head_local;
    struct msg_hdr *h = (struct msg_hdr *)(void *)(r->buf + (head & (BYTE_RING - 1)));
    h->type = type;
    r->head_local = head + h->len;
    /* the calling thread's worker: the merger is this thread, which reads the head */
    if (++r->unpublished >= PUBLISH || w->on_caller || type == MSG_DONE)
        ns_pipeline_out_flush(w);
}

static void put_name(uint8_t **p, const char *s, uint16_t *len)
{
    if (s == NULL) {
        *len = 0xffff;
        return;
    }
    size_t n = strlen(s);
    *len = (uint16_t)n;
    memcpy(*p, s, n + 1);
    *p += n + 1;
}

/* The worker engine's on_flow_end: the flow and what the sinks read, copied for the merger
 * (the TCP state's blocks go back to the worker's pools when this returns). */
void ns_pipeline_flow_end(const struct ns_flow *f, enum ns_flow_end why, void *arg)
{
    struct worker *w = arg;
    const struct ns_tcpa_conn *tcp = f->key.proto == 6 ? ns_engine_tcp(&w->eng, f) : NULL;
    const struct ns_zeek *zeek = ns_engine_zeek(&w->eng, f);
    const char *dns = NULL, *sni = NULL;
    const struct ns_flow_table *pt = &w->eng.track.pairs;
    bool pair = w->eng.track.ip_pairs && pt->ent != NULL && f >= pt->ent && f <= pt->ent + pt->cap;
    if (!pair)
        ns_engine_flow_names(&w->eng, f, &dns, &sni);
    size_t names = (dns ? strlen(dns) + 1 : 0) + (sni ? strlen(sni) + 1 : 0);
    struct new_counts c;
    if (ns_pipeline_take_new(w, &c)) {
        /* the flow may have been created in this frame: its number first */
        memcpy(msg_reserve(w, sizeof c), &c, sizeof c);
        msg_commit(w, MSG_NEW);
    }
    uint8_t *p = msg_reserve(w, sizeof(struct end_msg) + names);
    struct end_msg *m = (struct end_msg *)(void *)p;
    memset(m, 0, sizeof *m);
    m->f = *f;
    m->why = (uint8_t)why;
    m->is_pair = pair;
    if (tcp != NULL) {
        m->has_tcp = 1;
        m->tcp = *tcp;
        if (tcp->hs != NULL) {
            m->has_hs = 1;
            m->hs = *tcp->hs;
        }
        if (tcp->fc != NULL) {
            m->has_fc = 1;
            m->fc = *tcp->fc;
        }
    }
    if (zeek != NULL) {
        m->has_zeek = 1;
        m->zeek = *zeek;
    }
    uint8_t *q = p + sizeof *m;
    put_name(&q, dns, &m->dns_len);
    put_name(&q, sni, &m->sni_len);
    msg_commit(w, MSG_END);
}

/* The packet as core/engine.c's detect() hands it to the detector: the innermost unquoted
 * IP header and what follows it. The merger runs the one detector, in frame order. */
static void anomaly_input(const struct ns_pkt *pkt, struct frame_msg *m)
{
    int net = -1;
    for (unsigned i = 0; i < pkt->nlayers; i++) {
        const struct ns_layer *l = &pkt->layer[i];
        if ((l->proto == NS_PROTO_IPV4 || l->proto == NS_PROTO_IPV6) && !(l->flags & NS_LAYER_QUOTED))
            net = (int)i;
    }
    if (net < 0 || (unsigned)net + 1 >= pkt->nlayers)
        return;
    const struct ns_layer *ip = &pkt->layer[net], *l = ip + 1;
    m->tcp_flags = m->icmp_type = m->icmp_code = 0;    /* the message is not cleared */
    m->sport = m->dport = 0;
    m->anom_af = ip->proto == NS_PROTO_IPV4 ? 4 : 6;
    memcpy(m->src, ip->proto == NS_PROTO_IPV4 ? ip->u.ipv4.src : ip->u.ipv6.src, m->anom_af == 4 ? 4 : 16);
    memcpy(m->dst, ip->proto == NS_PROTO_IPV4 ? ip->u.ipv4.dst : ip->u.ipv6.dst, m->anom_af == 4 ? 4 : 16);
    switch (l->proto) {
    case NS_PROTO_TCP:
        if (l->hdr_len < 20)
            return;
        m->anom_proto = 6;
        m->tcp_flags = (uint8_t)l->u.tcp.flags;
        m->sport = l->u.tcp.sport;
        m->dport = l->u.tcp.dport;
        break;
    case NS_PROTO_UDP:
        if (l->hdr_len < 4)
            return;
        m->anom_proto = 17;
        m->sport = l->u.udp.sport;
        m->dport = l->u.udp.dport;
        break;
    case NS_PROTO_ICMP:
    case NS_PROTO_ICMPV6:
        if (l->hdr_len < 4)
            return;
        m->anom_proto = l->proto == NS_PROTO_ICMP ? 1 : 58;
        m->icmp_type = l->u.icmp.type;
        m->icmp_code = l->u.icmp.code;
        for (unsigned i = (unsigned)net + 2; i + 1 < pkt->nlayers; i++) {
            const struct ns_layer *qi = &pkt->layer[i], *qt = qi + 1;
            if (!(qi->flags & NS_LAYER_QUOTED) || (qi->proto != NS_PROTO_IPV4 && qi->proto != NS_PROTO_IPV6))
                continue;
            bool tcp = qt->proto == NS_PROTO_TCP, udp = qt->proto == NS_PROTO_UDP;
            if ((tcp || udp) && qt->hdr_len >= 4) {
                m->has_quote = 1;
                m->q_af = qi->proto == NS_PROTO_IPV4 ? 4 : 6;
                m->q_proto = tcp ? 6 : 17;
                m->q_sport = tcp ? qt->u.tcp.sport : qt->u.udp.sport;
                m->q_dport = tcp ? qt->u.tcp.dport : qt->u.udp.dport;
                memcpy(m->q_src, m->q_af == 4 ? qi->u.ipv4.src : qi->u.ipv6.src, m->q_af == 4 ? 4 : 16);
                memcpy(m->q_dst, m->q_af == 4 ? qi->u.ipv4.dst : qi->u.ipv6.dst, m->q_af == 4 ? 4 : 16);
            }
            break;
        }
        break;
    default:
        return;
    }
    m->has_anom = 1;
}

/* -z netscope,top: the innermost unquoted IP header's addresses (cli/topflows.c). */
static void host_input(const struct ns_pkt *pkt, struct frame_msg *m)
{
    const struct ns_layer *net = ns_tophosts_net(pkt);
    if (net == NULL)
        return;
    bool v4 = net->proto == NS_PROTO_IPV4;
    m->host_af = v4 ? 4 : 6;
    memcpy(m->host_src, v4 ? net->u.ipv4.src : net->u.ipv6.src, v4 ? 4 : 16);
    memcpy(m->host_dst, v4 ? net->u.ipv4.dst : net->u.ipv6.dst, v4 ? 4 : 16);
}

bool ns_pipeline_take_new(struct worker *w, struct new_counts *c)
{
    const struct ns_track *t = &w->eng.track;
    c->flows = (uint32_t)(t->flows.stats.created - w->seen_flows);
    c->pairs = (uint32_t)(t->pairs.stats.created - w->seen_pairs);
    c->streams[0] = t->next_stream[0] - w->seen_streams[0];
    c->streams[1] = t->next_stream[1] - w->seen_streams[1];
    w->seen_flows = t->flows.stats.created;
    w->seen_pairs = t->pairs.stats.created;
    w->seen_streams[0] = t->next_stream[0];
    w->seen_streams[1] = t->next_stream[1];
    return (c->flows | c->pairs | c->streams[0] | c->streams[1]) != 0;
}

void ns_pipeline_worker_frame(struct worker *w, const struct ns_rec *rec)
{
    const struct ns_args *a = w->args;
    if (!w->eng.have_first) {
        w->eng.have_first = true;       /* frame.time_relative: from the run's first frame */
        w->eng.first_ts_ns = w->pl->first_ts;
    }
    const struct ns_frame *f = ns_engine_feed(&w->eng, rec);
    bool match = a->filter == NULL || ns_filter_match(a->filter, f);
    size_t text_len = 0;
    bool printed = false;
    w->patches.n = 0;
    if (!a->quiet && match && !w->failed) {
        rewind(w->text);
        unsigned long long before = w->o.frames;
        ns_output_frame(&w->o, f);
        printed = w->o.frames != before;
        long end = ftell(w->text);
        if (fflush(w->text) != 0 || ferror(w->text) || end < 0 || (size_t)end >= TEXT_MAX - 1 ||
            w->patches.overflow) {
            w->failed = true;
            printed = false;
            w->patches.n = 0;
        } else {
            text_len = (size_t)end;
        }
    }
    size_t plen = w->patches.n * sizeof(struct ns_output_patch);
    uint8_t *p = msg_reserve(w, sizeof(struct frame_msg) + plen + text_len);
    struct frame_msg *m = (struct frame_msg *)(void *)p;
    (void)ns_pipeline_take_new(w, &m->created);
    m->active = w->eng.track.flows.stats.active;
    m->match = match;
    m->printed = printed;
    m->has_anom = m->has_quote = m->host_af = 0;
    const struct ns_pkt *pkt = &w->eng.pkt;
    if (rec->kind == NS_REC_PACKET) {
        if (w->detect && !(pkt->flags & NS_PKT_FRAGMENT && !(pkt->flags & NS_PKT_REASSEMBLED)))
            anomaly_input(pkt, m);
        if (w->hosts)
            host_input(pkt, m);
    }
    m->npatch = (uint16_t)w->patches.n;
    m->text_len = (uint32_t)text_len;
    memcpy(p + sizeof *m, w->patches.p, plen);
    if (text_len > 0)
        memcpy(p + sizeof *m + plen, w->textbuf, text_len);
    msg_commit(w, MSG_FRAME);
}

/* An idle worker faults in the next pages of the map ahead of the reader: the reader's
 * thread is the busiest of the pipeline, and a page fault costs it its time, while the
 * worker would only wait. */
#define TOUCH_AHEAD (16u << 20)
#define TOUCH_CHUNK (1u << 20)

static void touch_ahead(struct pipeline *pl)
{
    size_t len = pl->in->len;
    size_t r = atomic_load_explicit(&pl->read_off, memory_order_relaxed);
    size_t t = atomic_load_explicit(&pl->touch_off, memory_order_relaxed);
    size_t from = t > r ? t : r;
    if (from >= len || from >= r + TOUCH_AHEAD)
        return;
    size_t to = len - from < TOUCH_CHUNK ? len : from + TOUCH_CHUNK;
    if (!atomic_compare_exchange_strong_explicit(&pl->touch_off, &t, to, memory_order_relaxed,
                                                 memory_order_relaxed))
        return;                         /* another worker took this chunk */
    const volatile uint8_t *map = pl->in->map;
    for (size_t off = from; off < to; off += 4096)
        (void)map[off];
}

void *ns_pipeline_worker(void *arg)
{
    struct worker *w = arg;
    struct rec_ring *r = &w->in;
    size_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
    size_t head = tail;
    /* worker 0's thread analyses nothing until the end of the input (the calling thread
     * does, and owns the message ring meanwhile): it must not touch that ring before */
    bool produced = false;
    for (;;) {
        unsigned spins = 0;
        while (head == tail && (head = atomic_load_explicit(&r->head, memory_order_acquire)) == tail) {
            if (produced)
                ns_pipeline_out_flush(w);  /* nothing more comes until the reader sends more */
            touch_ahead(w->pl);
            nap(&spins);
        }
        /* this worker reads every N-th record of the file: the hardware prefetcher does
         * not follow that stride, so fetch a few records ahead by hand */
        if (head - tail > 2 * PREFETCH) {
            /* the slot itself was last written on the reader's core: fetch it first, its
             * record's bytes once the slot is here */
            __builtin_prefetch(&r->slot[(tail + 2 * PREFETCH) & (REC_RING - 1)]);
            const struct ns_rec *ahead = &r->slot[(tail + PREFETCH) & (REC_RING - 1)];
            __builtin_prefetch(ahead->data);
            if (ahead->caplen > 64)
                __builtin_prefetch(ahead->data + 64);
        }
        const struct ns_rec *rec = &r->slot[tail & (REC_RING - 1)];
        if (rec->kind == 0xff)
            break;                      /* the end of the input */
        ns_pipeline_worker_frame(w, rec);
        produced = true;
        /* the reader looks at tail only when the ring looks full: publish in batches */
        if ((++tail & 63) == 0 || tail == head)
            atomic_store_explicit(&r->tail, tail, memory_order_release);
    }
    w->reasm = w->eng.reasm.stats;
    ns_engine_fini(&w->eng);            /* every live flow ends: MSG_END, by creation */
    (void)msg_reserve(w, 0);
    msg_commit(w, MSG_DONE);
    return NULL;
}
