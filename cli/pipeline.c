/* cli/pipeline.c: --threads N (contract in pipeline.h, design in docs/threads.md). */
#define _POSIX_C_SOURCE 200809L
#include "pipeline.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "input.h"
#include "shard.h"

#define REC_RING    (1u << 14)          /* records queued per worker (1 MiB): milliseconds of work */
#define BYTE_RING   (8u << 20)          /* results per worker: frames (about 200 bytes each with -q), flow ends */
#define TEXT_MAX    (1u << 20)          /* one frame's formatted output */
#define ORDER_RING  (1u << 16)          /* frames dispatched, not yet merged (5 MiB) */
#define MAX_WORKERS 64
#define PREFETCH    6                   /* records ahead (worker_main) */

/* ---- waiting: spin a little, then sleep, so that idle threads leave the cores to busy ones */

static void backoff(unsigned *spins)
{
    if (++*spins < 16)
        return;
    /* no sched_yield: on a loaded machine it hands the rest of the slice to another
     * process, and the whole pipeline waits for this thread's next turn. The rings hold
     * milliseconds of work, so a long nap costs no throughput and spares the cores. */
    struct timespec ts = { 0, *spins < 64 ? 20000 : 200000 };
    nanosleep(&ts, NULL);
}

/* ---- one producer, one consumer: records to a worker */

struct rec_ring {
    _Alignas(64) atomic_size_t head;    /* written by the producer */
    size_t tail_seen;                   /* the producer's last look at tail: the shared
                                           line is read only when the ring looks full */
    _Alignas(64) atomic_size_t tail;    /* written by the consumer */
    _Alignas(64) struct ns_rec *slot;   /* REC_RING */
};

/* A worker whose ring is empty: the reader is the slower side, so the ring fills again
 * at its pace; a nap of a millisecond (the ring holds several) costs no throughput and saves
 * the thousands of sleeps and wake-ups, each a context switch, that short naps cost. */
static void nap(unsigned *spins)
{
    if (++*spins < 16)
        return;
    struct timespec ts = { 0, 1000000 };
    nanosleep(&ts, NULL);
}

/* ---- one producer, one consumer: variable-size messages from a worker, 8-byte aligned,
 * never split at the end of the buffer (a PAD message fills the rest) */

struct msg_hdr {
    uint32_t len;               /* the whole message, header included, multiple of 8 */
    uint32_t type;
};

enum { MSG_PAD = 1, MSG_FRAME, MSG_END, MSG_DONE };

struct byte_ring {
    _Alignas(64) atomic_size_t head;
    size_t tail_seen;                   /* the producer's last look at tail */
    _Alignas(64) atomic_size_t tail;
    size_t head_seen;                   /* the consumer's last look at head */
    _Alignas(64) uint8_t *buf;          /* BYTE_RING */
};

/* What a worker tells about one frame. */
struct frame_msg {
    uint64_t number;
    uint32_t new_flows, new_pairs, new_streams[2];   /* created while it was analysed */
    uint32_t active;            /* the worker's live flows after it */
    uint32_t text_len;
    uint16_t npatch;
    uint8_t match;              /* passes -Y */
    uint8_t printed;            /* the output counted it as a printed frame */
    uint8_t has_anom, has_quote, host_af;
    uint8_t anom_af, anom_proto, tcp_flags, icmp_type, icmp_code;
    uint16_t sport, dport;
    uint8_t q_af, q_proto;
    uint16_t q_sport, q_dport;
    int64_t ts_ns;
    uint8_t src[16], dst[16], q_src[16], q_dst[16];
    uint8_t host_src[16], host_dst[16];
    /* then npatch struct ns_output_patch, then text_len bytes */
};

/* A flow that ended in a worker, with what the sinks read. */
struct end_msg {
    struct ns_flow f;
    uint8_t why, has_tcp, has_hs, has_fc, has_zeek, is_pair;
    uint16_t dns_len, sni_len;  /* with a NUL after each, after the struct; 0xffff: none */
    struct ns_tcpa_conn tcp;
    struct ns_tcpa_hs hs;
    struct ns_tcpa_fc fc;
    struct ns_zeek zeek;
};

struct worker {
    struct pipeline *pl;
    unsigned idx;
    pthread_t th;
    bool started;
    struct rec_ring in;
    struct byte_ring out;
    struct ns_engine eng;
    FILE *text;                 /* fmemopen over textbuf */
    char *textbuf;
    struct ns_output o;
    struct ns_output_patches patches;
    uint64_t seen_flows, seen_pairs;
    uint32_t seen_streams[2];
    struct ns_reasm_stats reasm;    /* before fini clears them */
    bool failed;                /* a frame's output did not fit: the run stops */
    /* merger side: local number -> the run's */
    uint64_t *gflow, *gpair;
    uint32_t *gstream[2];
    size_t nflow, npair, nstream[2], capflow, cappair, capstream[2];
    uint32_t active;
};

struct order_ent {
    struct ns_rec rec;
    unsigned w;
    /* the reader's section when it read the record: it has read on since, and the
     * writer copies interfaces and byte order from the record's own section */
    uint32_t section_first_if;
    bool swapped;
};

struct pipeline {
    struct ns_pipeline_io *io;
    const struct ns_args *a;
    unsigned n;
    struct worker *w;
    int64_t first_ts;           /* written before the first record is queued */
    struct order_ent *order;
    size_t ohead, otail;
    /* the merger's numbering over the run */
    uint64_t next_flow, next_pair;
    uint32_t next_stream[2];
    uint64_t active, peak;
    struct ns_input *in;
    bool stop;                  /* a write error: read no more */
    bool oom;
    uint64_t pairs_merged;      /* one pair counted by two workers (a tunnel's outer pair) */
};

/* ---------------------------------------------------------------------------------------- */

bool ns_pipeline_usable(const struct ns_args *a, const char **why)
{
    const struct ns_writer_cfg *wc = &a->write;
    if (wc->stop_ns || wc->stop_bytes || wc->stop_packets || wc->stop_files) {
        *why = "-a stops the run at a frame the workers have already passed";
        return false;
    }
    static const char *const global[] = { "tcp.stream", "udp.stream", "netscope.flow.id",
                                          "netscope.alert" };
    for (size_t i = 0; a->filter_text != NULL && i < sizeof global / sizeof global[0]; i++)
        if (strstr(a->filter_text, global[i]) != NULL) {
            *why = "-Y tests a field numbered over the whole run";
            return false;
        }
    return true;
}

static bool grow(void **p, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return true;
    size_t ncap = *cap ? *cap * 2 : 1024;
    while (ncap < need)
        ncap *= 2;
    void *np = realloc(*p, ncap * size);
    if (np == NULL)
        return false;
    *p = np;
    *cap = ncap;
    return true;
}

/* ---- the worker side */

static uint8_t *msg_reserve(struct worker *w, size_t len)
{
    struct byte_ring *r = &w->out;
    len = (len + sizeof(struct msg_hdr) + 7) & ~(size_t)7;
    size_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
    size_t room_end = BYTE_RING - (head & (BYTE_RING - 1));
    size_t need = len > room_end ? len + room_end : len;
    unsigned spins = 0;
    while (head + need - r->tail_seen > BYTE_RING &&
           head + need - (r->tail_seen = atomic_load_explicit(&r->tail, memory_order_acquire)) > BYTE_RING)
        backoff(&spins);
    if (len > room_end) {
        struct msg_hdr pad = { (uint32_t)room_end, MSG_PAD };
        memcpy(r->buf + (head & (BYTE_RING - 1)), &pad, sizeof pad);
        head += room_end;
        atomic_store_explicit(&r->head, head, memory_order_release);
    }
    struct msg_hdr *h = (struct msg_hdr *)(void *)(r->buf + (head & (BYTE_RING - 1)));
    h->len = (uint32_t)len;
    return (uint8_t *)(h + 1);
}

static void msg_commit(struct worker *w, uint32_t type)
{
    struct byte_ring *r = &w->out;
    size_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
    struct msg_hdr *h = (struct msg_hdr *)(void *)(r->buf + (head & (BYTE_RING - 1)));
    h->type = type;
    atomic_store_explicit(&r->head, head + h->len, memory_order_release);
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
static void worker_flow_end(const struct ns_flow *f, enum ns_flow_end why, void *arg)
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
    const struct ns_layer *net = NULL;
    for (unsigned i = 0; i < pkt->nlayers; i++) {
        const struct ns_layer *l = &pkt->layer[i];
        if ((l->proto == NS_PROTO_IPV4 || l->proto == NS_PROTO_IPV6) && !(l->flags & NS_LAYER_QUOTED) &&
            l->hdr_len != 0)
            net = l;
    }
    if (net == NULL)
        return;
    bool v4 = net->proto == NS_PROTO_IPV4;
    m->host_af = v4 ? 4 : 6;
    memcpy(m->host_src, v4 ? net->u.ipv4.src : net->u.ipv6.src, v4 ? 4 : 16);
    memcpy(m->host_dst, v4 ? net->u.ipv4.dst : net->u.ipv6.dst, v4 ? 4 : 16);
}

static void worker_frame(struct worker *w, const struct ns_rec *rec)
{
    const struct pipeline *pl = w->pl;
    const struct ns_args *a = pl->a;
    if (!w->eng.have_first) {
        w->eng.have_first = true;       /* frame.time_relative: from the run's first frame */
        w->eng.first_ts_ns = pl->first_ts;
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
    memset(m, 0, sizeof *m);
    m->number = rec->number;
    const struct ns_track *t = &w->eng.track;
    m->new_flows = (uint32_t)(t->flows.stats.created - w->seen_flows);
    m->new_pairs = (uint32_t)(t->pairs.stats.created - w->seen_pairs);
    m->new_streams[0] = t->next_stream[0] - w->seen_streams[0];
    m->new_streams[1] = t->next_stream[1] - w->seen_streams[1];
    w->seen_flows = t->flows.stats.created;
    w->seen_pairs = t->pairs.stats.created;
    w->seen_streams[0] = t->next_stream[0];
    w->seen_streams[1] = t->next_stream[1];
    m->active = t->flows.stats.active;
    m->match = match;
    m->printed = printed;
    m->ts_ns = rec->ts_ns;
    const struct ns_pkt *pkt = &w->eng.pkt;
    if (rec->kind == NS_REC_PACKET) {
        if (pl->io->eng->detect && !(pkt->flags & NS_PKT_FRAGMENT && !(pkt->flags & NS_PKT_REASSEMBLED)))
            anomaly_input(pkt, m);
        if (pl->io->hosts->want)
            host_input(pkt, m);
    }
    m->npatch = (uint16_t)w->patches.n;
    m->text_len = (uint32_t)text_len;
    memcpy(p + sizeof *m, w->patches.p, plen);
    if (text_len > 0)
        memcpy(p + sizeof *m + plen, w->textbuf, text_len);
    msg_commit(w, MSG_FRAME);
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    struct rec_ring *r = &w->in;
    size_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
    size_t head = tail;
    for (;;) {
        unsigned spins = 0;
        while (head == tail && (head = atomic_load_explicit(&r->head, memory_order_acquire)) == tail)
            nap(&spins);
        /* this worker reads every N-th record of the file: the hardware prefetcher does
         * not follow that stride, so fetch a few records ahead by hand */
        if (head - tail > PREFETCH) {
            const struct ns_rec *ahead = &r->slot[(tail + PREFETCH) & (REC_RING - 1)];
            __builtin_prefetch(ahead->data);
            if (ahead->caplen > 64)
                __builtin_prefetch(ahead->data + 64);
        }
        const struct ns_rec *rec = &r->slot[tail & (REC_RING - 1)];
        if (rec->kind == 0xff)
            break;                      /* the end of the input */
        worker_frame(w, rec);
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

/* ---- the reader and merger side (the calling thread) */

static bool push_rec(struct worker *w, const struct ns_rec *rec)
{
    struct rec_ring *r = &w->in;
    size_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
    if (head - r->tail_seen >= REC_RING &&
        head - (r->tail_seen = atomic_load_explicit(&r->tail, memory_order_acquire)) >= REC_RING)
        return false;
    r->slot[head & (REC_RING - 1)] = *rec;
    atomic_store_explicit(&r->head, head + 1, memory_order_release);
    return true;
}

/* The next message of worker w, skipping padding; NULL when none is ready yet. */
static const struct msg_hdr *peek_msg(struct worker *w)
{
    struct byte_ring *r = &w->out;
    for (;;) {
        size_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
        if (r->head_seen == tail &&
            (r->head_seen = atomic_load_explicit(&r->head, memory_order_acquire)) == tail)
            return NULL;
        const struct msg_hdr *h = (const struct msg_hdr *)(const void *)(r->buf + (tail & (BYTE_RING - 1)));
        if (h->type != MSG_PAD)
            return h;
        atomic_store_explicit(&r->tail, tail + h->len, memory_order_release);
    }
}

static const struct msg_hdr *wait_msg(struct worker *w)
{
    const struct msg_hdr *h;
    unsigned spins = 0;
    while ((h = peek_msg(w)) == NULL)
        backoff(&spins);
    return h;
}

static void pop_msg(struct worker *w, const struct msg_hdr *h)
{
    struct byte_ring *r = &w->out;
    size_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
    atomic_store_explicit(&r->tail, tail + h->len, memory_order_release);
}

/* The first frame message at or after the ring's tail (flow ends come before it);
 * NULL when it is not written yet. */
static const struct frame_msg *find_frame(struct worker *w)
{
    struct byte_ring *r = &w->out;
    size_t pos = atomic_load_explicit(&r->tail, memory_order_relaxed);
    for (int look = 0; look < 2; look++) {
        while (pos != r->head_seen) {
            const struct msg_hdr *h = (const struct msg_hdr *)(const void *)(r->buf + (pos & (BYTE_RING - 1)));
            if (h->type == MSG_FRAME)
                return (const struct frame_msg *)(const void *)(h + 1);
            pos += h->len;
        }
        r->head_seen = atomic_load_explicit(&r->head, memory_order_acquire);
    }
    return NULL;
}

static bool map_new(struct pipeline *pl, struct worker *w, const struct frame_msg *m)
{
    if (!grow((void **)&w->gflow, &w->capflow, w->nflow + m->new_flows, sizeof *w->gflow) ||
        !grow((void **)&w->gpair, &w->cappair, w->npair + m->new_pairs, sizeof *w->gpair))
        return false;
    for (uint32_t i = 0; i < m->new_flows; i++)
        w->gflow[w->nflow++] = ++pl->next_flow;
    for (uint32_t i = 0; i < m->new_pairs; i++)
        w->gpair[w->npair++] = ++pl->next_pair;
    for (int k = 0; k < 2; k++) {
        if (!grow((void **)&w->gstream[k], &w->capstream[k], w->nstream[k] + m->new_streams[k],
                  sizeof *w->gstream[k]))
            return false;
        for (uint32_t i = 0; i < m->new_streams[k]; i++)
            w->gstream[k][w->nstream[k]++] = pl->next_stream[k]++;
    }
    return true;
}

/* A flow's end, renumbered as the serial run numbers it, to main's sinks. */
static void deliver_end(struct pipeline *pl, struct worker *w, const struct end_msg *m)
{
    struct ns_flow f = m->f;
    if (m->is_pair) {
        if (f.id >= 1 && f.id <= w->npair)
            f.id = w->gpair[f.id - 1];
    } else {
        if (f.id >= 1 && f.id <= w->nflow)
            f.id = w->gflow[f.id - 1];
        int k = f.key.proto == 6 ? 0 : f.key.proto == 17 ? 1 : -1;
        if (k >= 0 && f.stream < w->nstream[k])
            f.stream = w->gstream[k][f.stream];
    }
    struct ns_tcpa_conn tcp = m->tcp;
    struct ns_tcpa_hs hs = m->hs;
    struct ns_tcpa_fc fc = m->fc;
    tcp.hs = m->has_hs ? &hs : NULL;
    tcp.fc = m->has_fc ? &fc : NULL;
    const char *names = (const char *)(m + 1);
    const char *dns = NULL, *sni = NULL;
    if (m->dns_len != 0xffff) {
        dns = names;
        names += m->dns_len + 1;
    }
    if (m->sni_len != 0xffff)
        sni = names;
    pl->io->on_flow(&f, (enum ns_flow_end)m->why, m->has_tcp ? &tcp : NULL,
                    m->has_zeek ? &m->zeek : NULL, dns, sni, pl->io->flow_arg);
}

/* The frame's text with each patch written as the serial run writes that part. */
static void write_text(struct pipeline *pl, struct worker *w, const struct frame_msg *m,
                       const struct ns_alert *alerts, unsigned nalerts)
{
    struct ns_output *o = pl->io->o;
    const struct ns_output_patch *p = (const struct ns_output_patch *)(const void *)(m + 1);
    const char *text = (const char *)(p + m->npatch);
    struct ns_patch_ctx ctx = { .any = false, .alerts = alerts, .nalerts = nalerts };
    uint32_t pos = 0;
    for (unsigned i = 0; i < m->npatch; i++) {
        if (p[i].off > pos && p[i].off <= m->text_len) {
            fwrite(text + pos, 1, p[i].off - pos, o->out);
            pos = p[i].off;
        }
        uint64_t val[NS_OUTPUT_PATCH_VALS];
        for (unsigned k = 0; k < p[i].n; k++) {
            uint64_t v = p[i].val[k];
            if (p[i].field == NS_FIELD_NS_FLOW_ID)
                v = v >= 1 && v <= w->nflow ? w->gflow[v - 1] : v;
            else if (p[i].field == NS_FIELD_TCP_STREAM)
                v = v < w->nstream[0] ? w->gstream[0][v] : v;
            else if (p[i].field == NS_FIELD_UDP_STREAM)
                v = v < w->nstream[1] ? w->gstream[1][v] : v;
            val[k] = v;
        }
        ns_output_patch_write(o, &p[i], val, &ctx);
    }
    if (m->text_len > pos)
        fwrite(text + pos, 1, m->text_len - pos, o->out);
    if (m->printed)
        o->frames++;
}

/* Merges the oldest dispatched frame when its worker has written it; false otherwise. */
static bool merge_one(struct pipeline *pl, bool block)
{
    if (pl->otail == pl->ohead)
        return false;
    const struct order_ent *oe = &pl->order[pl->otail & (ORDER_RING - 1)];
    struct worker *w = &pl->w[oe->w];
    const struct frame_msg *m;
    unsigned spins = 0;
    while ((m = find_frame(w)) == NULL) {
        if (!block)
            return false;
        backoff(&spins);
    }
    struct ns_pipeline_io *io = pl->io;
    if ((m->new_flows | m->new_pairs | m->new_streams[0] | m->new_streams[1]) != 0 && !map_new(pl, w, m))
        pl->oom = true;
    /* flows that ended while the frame was analysed, as the serial run ends them */
    const struct msg_hdr *h;
    while ((h = wait_msg(w))->type == MSG_END) {
        deliver_end(pl, w, (const struct end_msg *)(const void *)(h + 1));
        pop_msg(w, h);
    }
    pl->active += m->active;
    pl->active -= w->active;
    w->active = m->active;
    if (pl->active > pl->peak)
        pl->peak = pl->active;
    struct ns_engine *e = io->eng;
    const struct ns_rec *rec = &oe->rec;
    struct ns_alert alerts[NS_ANOMALY_MAX_PER_PKT];
    unsigned nalerts = 0;
    if (m->has_anom) {
        struct ns_anomaly_quote q = { .af = m->q_af, .proto = m->q_proto, .src = m->q_src,
                                      .dst = m->q_dst, .sport = m->q_sport, .dport = m->q_dport };
        struct ns_anomaly_pkt ap = { .ts_ns = m->ts_ns, .af = m->anom_af, .proto = m->anom_proto,
                                     .tcp_flags = m->tcp_flags, .icmp_type = m->icmp_type,
                                     .icmp_code = m->icmp_code, .src = m->src, .dst = m->dst,
                                     .sport = m->sport, .dport = m->dport,
                                     .quoted = m->has_quote ? &q : NULL };
        nalerts = ns_anomaly_feed(&e->anomaly, &ap, alerts);
    }
    struct ns_frame f = { .rec = rec, .alerts = alerts, .nalerts = nalerts,
                          .rel_ns = rec->ts_ns - pl->first_ts };
    if (m->match && io->args->write.path != NULL) {   /* -a runs serially */
        struct ns_reader *r = &pl->in->reader;
        uint32_t now_first = r->section_first_if;
        bool now_swapped = r->swapped;
        r->section_first_if = oe->section_first_if;
        r->swapped = oe->swapped;
        enum ns_writer_step ws = ns_writer_frame(io->w, r, &f);
        r->section_first_if = now_first;
        r->swapped = now_swapped;
        if (ws == NS_WRITER_ERROR)
            pl->stop = true;
    }
    if (m->text_len != 0 || m->npatch != 0 || m->printed)
        write_text(pl, w, m, alerts, nalerts);
    if (m->host_af != 0) {
        ns_topn_add(&io->hosts->sketch, m->host_af, m->host_src, rec->wirelen);
        ns_topn_add(&io->hosts->sketch, m->host_af, m->host_dst, rec->wirelen);
    }
    if (nalerts != 0)
        ns_alerts_frame(io->alerts, &f);
    pop_msg(w, (const struct msg_hdr *)(const void *)m - 1);
    pl->otail++;
    return true;
}

static int by_key_then_id(const void *x, const void *y)
{
    const struct end_msg *a = x, *b = y;
    int c = memcmp(&a->f.key, &b->f.key, sizeof a->f.key);
    if (c != 0)
        return c;
    return a->f.id < b->f.id ? -1 : a->f.id > b->f.id;
}

static int by_id(const void *x, const void *y)
{
    const struct end_msg *a = x, *b = y;
    return a->f.id < b->f.id ? -1 : a->f.id > b->f.id;
}

/* Two workers' halves of one address pair (a tunnel's outer pair carries conversations that
 * live on different workers) as the one pair the serial run counts: the first created
 * keeps its number and its A side, the other's directions are turned to match. */
static void pair_merge(struct ns_flow *into, const struct ns_flow *from)
{
    int swap = into->a_is_1 != from->a_is_1;
    for (int d = 0; d < 2; d++) {
        into->frames[d] += from->frames[swap ? 1 - d : d];
        into->bytes[d] += from->bytes[swap ? 1 - d : d];
    }
    if (from->first_ns < into->first_ns)
        into->first_ns = from->first_ns;
    if (from->last_ns > into->last_ns)
        into->last_ns = from->last_ns;
}

static void deliver_pairs(struct pipeline *pl, struct end_msg *v, size_t n)
{
    if (n == 0)
        return;
    qsort(v, n, sizeof *v, by_key_then_id);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (k > 0 && memcmp(&v[k - 1].f.key, &v[i].f.key, sizeof v[i].f.key) == 0) {
            pair_merge(&v[k - 1].f, &v[i].f);
            pl->pairs_merged++;
            continue;
        }
        v[k++] = v[i];
    }
    qsort(v, k, sizeof *v, by_id);
    for (size_t i = 0; i < k; i++)
        pl->io->on_flow(&v[i].f, (enum ns_flow_end)v[i].why, NULL, NULL, NULL, NULL, pl->io->flow_arg);
}

/* After the last frame: every worker's remaining flows, transport flows then address
 * pairs, each set in creation order over the run, as ns_track_fini ends them. */
static void merge_finals(struct pipeline *pl)
{
    struct end_msg *pairs_v = NULL;
    size_t npairs = 0, cap = 0;
    for (int pairs = 0; pairs < 2; pairs++) {
        for (;;) {
            struct worker *best = NULL;
            const struct msg_hdr *bh = NULL;
            uint64_t bid = UINT64_MAX;
            for (unsigned i = 0; i < pl->n; i++) {
                struct worker *w = &pl->w[i];
                const struct msg_hdr *h = wait_msg(w);
                if (h->type != MSG_END)
                    continue;
                const struct end_msg *m = (const struct end_msg *)(const void *)(h + 1);
                if (m->is_pair != pairs)
                    continue;
                uint64_t id = m->f.id;
                if (pairs ? id >= 1 && id <= w->npair : id >= 1 && id <= w->nflow)
                    id = pairs ? w->gpair[id - 1] : w->gflow[id - 1];
                if (id < bid) {
                    bid = id;
                    best = w;
                    bh = h;
                }
            }
            if (best == NULL)
                break;
            const struct end_msg *m = (const struct end_msg *)(const void *)(bh + 1);
            if (!pairs) {
                deliver_end(pl, best, m);
            } else if (grow((void **)&pairs_v, &cap, npairs + 1, sizeof *pairs_v)) {
                pairs_v[npairs] = *m;
                pairs_v[npairs++].f.id = bid;
            } else {
                pl->oom = true;
            }
            pop_msg(best, bh);
        }
    }
    deliver_pairs(pl, pairs_v, npairs);
    free(pairs_v);
}

static int worker_start(struct pipeline *pl, struct worker *w, unsigned idx, struct ns_err *err)
{
    w->pl = pl;
    w->idx = idx;
    w->in.slot = malloc(REC_RING * sizeof *w->in.slot);
    w->out.buf = malloc(BYTE_RING);
    w->textbuf = malloc(TEXT_MAX);
    if (w->in.slot == NULL || w->out.buf == NULL || w->textbuf == NULL)
        { ns_err_set(err, NS_STATUS_CAP, "out of memory for --threads"); return -1; }
    atomic_init(&w->in.head, 0);
    atomic_init(&w->in.tail, 0);
    atomic_init(&w->out.head, 0);
    atomic_init(&w->out.tail, 0);
    w->text = fmemopen(w->textbuf, TEXT_MAX, "w");
    if (w->text == NULL)
        { ns_err_set(err, NS_STATUS_CAP, "out of memory for --threads"); return -1; }
    w->o = (struct ns_output){ .out = w->text, .args = pl->a, .patches = &w->patches };
    struct ns_engine_cfg cfg = pl->io->cfg;
    cfg.on_flow_end = worker_flow_end;
    cfg.arg = w;
    cfg.no_anomaly = true;              /* one detector, in the merger, sees every packet */
    if (cfg.max_flows != 0)             /* the cap is shared out (docs/threads.md) */
        cfg.max_flows = (cfg.max_flows + pl->n - 1) / pl->n;
    if (ns_engine_init(&w->eng, &cfg, err) != NS_STATUS_OK)
        return -1;
    if (pthread_create(&w->th, NULL, worker_main, w) != 0) {
        ns_engine_fini(&w->eng);
        { ns_err_set(err, NS_STATUS_CAP, "cannot start a --threads worker"); return -1; }
    }
    w->started = true;
    return 0;
}

static void worker_free(struct worker *w)
{
    if (w->text != NULL)
        fclose(w->text);
    free(w->textbuf);
    free(w->in.slot);
    free(w->out.buf);
    free(w->gflow);
    free(w->gpair);
    free(w->gstream[0]);
    free(w->gstream[1]);
}

/* The workers' counters into main's engine, as one engine would have counted them. */
static void sum_counters(struct pipeline *pl)
{
    struct ns_engine *e = pl->io->eng;
    struct ns_flow_stats fl = {0}, pr = {0};
    struct ns_reasm_stats rs = {0};
    uint32_t tcpa_peak = 0;
    for (unsigned i = 0; i < pl->n; i++) {
        const struct ns_engine *we = &pl->w[i].eng;
        const struct ns_engine_stats *s = &we->stats;
        e->stats.frames += s->frames;
        e->stats.packets += s->packets;
        e->stats.bytes += s->bytes;
        e->stats.malformed_frames += s->malformed_frames;
        for (unsigned k = 0; k < NS_MALFORMED_COUNT; k++)
            e->stats.malformed[k] += s->malformed[k];
        const struct ns_flow_stats *a = &we->track.flows.stats, *b = &we->track.pairs.stats;
        fl.created += a->created; fl.evicted += a->evicted; fl.timed_out += a->timed_out;
        fl.active_ended += a->active_ended; fl.grown += a->grown;
        pr.created += b->created; pr.evicted += b->evicted; pr.timed_out += b->timed_out;
        pr.active_ended += b->active_ended; pr.grown += b->grown;
        const struct ns_reasm_stats *r = &pl->w[i].reasm;
        rs.fragments += r->fragments; rs.completed += r->completed; rs.atomic += r->atomic;
        rs.overlaps += r->overlaps; rs.dropped_timeout += r->dropped_timeout;
        rs.dropped_full += r->dropped_full; rs.dropped_bytes += r->dropped_bytes;
        rs.dropped_too_big += r->dropped_too_big;
        e->tcpa.stats.segments += we->tcpa.stats.segments;
        e->tcpa.stats.pool_full += we->tcpa.stats.pool_full;
        tcpa_peak += we->tcpa.stats.pool_peak;
        e->tcpa.stats.metrics_lost += we->tcpa.stats.metrics_lost;
        e->names.dropped += we->names.dropped;
    }
    fl.peak = (uint32_t)pl->peak;
    /* one table would have doubled from its initial size (core/flow.c) until it held the
     * peak of live flows, up to its cap */
    uint32_t max = pl->io->cfg.max_flows ? pl->io->cfg.max_flows : NS_ENGINE_DEFAULT_MAX_FLOWS;
    uint32_t cap = max < 1024 ? max : 1024;
    fl.grown = 0;
    while (cap < fl.peak && cap < max) {
        cap = cap * 2 > max ? max : cap * 2;
        fl.grown++;
    }
    e->track.flows.stats = fl;
    pr.created -= pl->pairs_merged;
    e->track.pairs.stats = pr;
    e->reasm.stats = rs;
    /* one pool per worker: the sum of their peaks, an upper bound (docs/threads.md) */
    e->tcpa.stats.pool_peak = tcpa_peak;
}

int ns_pipeline_run_file(const char *path, struct ns_pipeline_io *io)
{
    static struct ns_input in;
    static struct pipeline pl;
    struct ns_err err = {{0}};
    const struct ns_args *a = io->args;
    if (ns_input_open(&in, path, &err) != NS_STATUS_OK) {
        fflush(stdout);
        fprintf(stderr, "netscope: %s: %s\n", path, err.msg);
        return 2;
    }
    pl = (struct pipeline){ .io = io, .a = a, .n = a->threads > MAX_WORKERS ? MAX_WORKERS : a->threads,
                            .in = &in };
    pl.w = calloc(pl.n, sizeof *pl.w);
    pl.order = malloc(ORDER_RING * sizeof *pl.order);
    int rc = 0;
    unsigned started = 0;
    if (pl.w == NULL || pl.order == NULL) {
        ns_err_set(&err, NS_STATUS_CAP, "out of memory for --threads");
        rc = -1;
    }
    for (; rc == 0 && started < pl.n; started++)
        if (worker_start(&pl, &pl.w[started], started, &err) != 0)
            rc = -1;
    static struct ns_pkt scratch;       /* the reader's dissection, for the shard only */
    struct ns_rec rec;
    enum ns_status s = NS_STATUS_OK;
    uint64_t fed = 0;
    if (rc == 0) {
        struct ns_engine *e = io->eng;
        while (!*io->interrupted && !pl.stop && (s = ns_reader_next(&in.reader, &rec, &err)) == NS_STATUS_OK) {
            /* the next headers' lines: each record's place is known only from the one
             * before it, so without this every header is a wait on memory */
            if (in.reader.off + 4096 < in.len) {
                __builtin_prefetch(in.map + in.reader.off + 1024);
                __builtin_prefetch(in.map + in.reader.off + 4096);
            }
            int keep = io->keep(a, &rec);
            if (keep <= 0) {
                if (keep < 0) {
                    rc = 1;
                    break;
                }
                continue;
            }
            if (!e->have_first) {
                e->have_first = true;
                e->first_ts_ns = pl.first_ts = rec.has_ts ? rec.ts_ns : 0;
            }
            unsigned wi = ns_shard_of(&rec, &scratch, pl.n);
            unsigned spins = 0;
            while (pl.ohead - pl.otail >= ORDER_RING || !push_rec(&pl.w[wi], &rec)) {
                if (!merge_one(&pl, false))
                    backoff(&spins);
            }
            pl.order[pl.ohead & (ORDER_RING - 1)] = (struct order_ent){ rec, wi, in.reader.section_first_if,
                                                                     in.reader.swapped };
            pl.ohead++;
            while (merge_one(&pl, false))
                ;
            if (a->count != 0 && ++fed >= a->count)
                break;
        }
        while (merge_one(&pl, true))
            ;
    }
    if (s < 0) {
        fflush(stdout);
        fprintf(stderr, "netscope: %s: %s\n", path, err.msg);
        rc = 2;
    }
    /* the end of the input, then each worker's remaining flows */
    struct ns_rec end = { .kind = 0xff };
    for (unsigned i = 0; i < started; i++) {
        unsigned spins = 0;
        while (!push_rec(&pl.w[i], &end))
            backoff(&spins);
    }
    if (started == pl.n && rc >= 0)
        merge_finals(&pl);
    for (unsigned i = 0; i < started; i++) {
        /* drain whatever is left (an error path), so the worker can finish */
        const struct msg_hdr *h;
        while ((h = wait_msg(&pl.w[i]))->type != MSG_DONE)
            pop_msg(&pl.w[i], h);
        pthread_join(pl.w[i].th, NULL);
        if (pl.w[i].failed && rc == 0) {
            fflush(stdout);
            fprintf(stderr, "netscope: a frame's output is larger than --threads buffers "
                            "(1 MiB, %d patches): run without --threads\n", NS_OUTPUT_MAX_PATCHES);
            rc = 2;
        }
    }
    if (rc < 0) {
        fprintf(stderr, "netscope: %s\n", err.msg);
        rc = 2;
    } else {
        sum_counters(&pl);
    }
    if (pl.oom) {
        fprintf(stderr, "netscope: out of memory for --threads numbering\n");
        rc = 2;
    }
    for (unsigned i = 0; pl.w != NULL && i < pl.n; i++)
        worker_free(&pl.w[i]);
    free(pl.w);
    free(pl.order);
    ns_input_close(&in);
    return rc;
}
