#include "engine.h"

#include <stdlib.h>
#include <string.h>

#include "../dissectors/dissect.h"
#include "hash.h"
#include "peek.h"

/* The TCP state of flow f's table entry, when it belongs to f (has_tcpa is set only on
 * entries of the transport table, and cleared when the entry takes a new flow). */
static struct ns_tcpa_conn *conn_of(const struct ns_engine *e, const struct ns_flow *f)
{
    if (!e->tcp_analysis || f->key.proto != 6 || !f->has_tcpa)
        return NULL;
    return &e->conn[f - e->track.flows.ent];
}

const struct ns_tcpa_conn *ns_engine_tcp(const struct ns_engine *e, const struct ns_flow *f)
{
    return conn_of(e, f);
}

static uint32_t entry_of(const struct ns_engine *e, const struct ns_flow *f)
{
    return (uint32_t)(f - e->track.flows.ent);
}

void ns_engine_flow_names(const struct ns_engine *e, const struct ns_flow *f, const char **dns,
                          const char **sni)
{
    *dns = *sni = NULL;
    if (f->key.proto == 6 || f->key.proto == 17)
        ns_flownames_get(&e->names, entry_of(e, f), f->id, dns, sni);
}

void ns_engine_each_flow(const struct ns_engine *e,
                         void (*fn)(const struct ns_flow *f, const struct ns_tcpa_conn *tcp, void *arg),
                         void *arg)
{
    const struct ns_flow_table *t = &e->track.flows;
    for (uint32_t i = 1; i <= t->used; i++)
        if (t->ent[i].id != 0)      /* id 0: a free entry */
            fn(&t->ent[i], conn_of(e, &t->ent[i]), arg);
}

const struct ns_zeek *ns_engine_zeek(const struct ns_engine *e, const struct ns_flow *f)
{
    return ns_track_zeek(&e->track, f);
}

bool ns_engine_prefetch_key(const struct ns_engine *e, const struct ns_rec *rec,
                            struct ns_engine_ahead *a)
{
    struct ns_flow_key k;
    a->ok = ns_peek_flow_key(rec, e->track.vlan_in_key, &k);
    if (!a->ok)
        return false;
    a->hash = ns_flow_key_hash(&k);
    a->tcp = k.proto == 6;
    ns_flow_table_prefetch_slot(&e->track.flows, a->hash);
    return true;
}

void ns_engine_prefetch_flow(const struct ns_engine *e, const struct ns_engine_ahead *a)
{
    if (!a->ok)
        return;
    uint32_t i = ns_track_prefetch_flow(&e->track, a->hash);
    if (i != 0 && a->tcp && e->tcp_analysis && i < e->conn_cap) {
        const char *c = (const char *)&e->conn[i];
        ns_prefetch(c);
        ns_prefetch(c + 64);
        ns_prefetch(c + sizeof(struct ns_tcpa_conn) - 1);
    }
}

/* NS_ENGINE_LOOKAHEAD_FLOWS: each flow holds about 400 bytes the packet path touches
 * (entry 136, TCP 152, Zeek 96, index 8), so 65536 flows are about 26 MB, past any L2 and
 * a core's usual share of L3. Measured (docs/performance.md, "Lookahead"): forced on, it
 * costs 10-12 % more CPU with 11,790 flows (S), is even within the noise with 50,000,
 * and gains 1-11 % with 200,000 and 3-10 % with 1,000,000; so it starts between the last
 * two that do not gain and the first that does. */
bool ns_engine_lookahead_useful(const struct ns_engine *e, uint32_t min_flows)
{
    return e->track.flows.stats.active >= (min_flows ? min_flows : NS_ENGINE_LOOKAHEAD_FLOWS);
}

static void flow_end(const struct ns_flow *f, enum ns_flow_end why, void *arg)
{
    struct ns_engine *e = arg;
    struct ns_tcpa_conn *c = f->key.proto == 6 ? conn_of(e, f) : NULL;
    if (c != NULL)
        ns_tcpa_conn_finish(c, f->last_ns);
    if (e->user_on_end != NULL)
        e->user_on_end(f, why, e->user_arg);
    if (c != NULL)
        ns_tcpa_conn_release(&e->tcpa, c);
    if (f->key.proto == 6 || f->key.proto == 17)
        ns_flownames_release(&e->names, entry_of(e, f), f->id);
}

enum ns_status ns_engine_init(struct ns_engine *e, const struct ns_engine_cfg *cfg, struct ns_err *err)
{
    e->have_first = false;
    e->first_ts_ns = 0;
    e->stats = (struct ns_engine_stats){0};
    e->frame = (struct ns_frame){0};
    ns_pkt_reset(&e->pkt);
    e->user_on_end = cfg->on_flow_end;
    e->user_arg = cfg->arg;
    e->tcp_analysis = !cfg->no_tcp_analysis;
    e->conn = NULL;
    e->conn_cap = 0;
    e->tcpa_frame.n = 0;
    ns_flownames_init(&e->names);
    struct ns_track_cfg tc = {
        .max_flows = cfg->max_flows ? cfg->max_flows : NS_ENGINE_DEFAULT_MAX_FLOWS,
        .idle_ns = cfg->idle_ns,
        .idle_tcp_ns = cfg->idle_tcp_ns,
        .active_ns = cfg->active_ns,
        .vlan_in_key = cfg->vlan_in_key,
        .ip_pairs = cfg->ip_pairs,
        .zeek = !cfg->no_zeek,
        .on_end = flow_end,
        .arg = e,
    };
    /* tshark reassembles datagrams of any length IP allows with fragment offsets
     * (NS_REASM_MAX_LEN), not only 65535: use its limit for parity. */
    struct ns_reasm_cfg rc = {
        .max_datagrams = cfg->reasm_datagrams ? cfg->reasm_datagrams : 4096,
        .max_bytes = cfg->reasm_bytes ? cfg->reasm_bytes : 64u << 20,
        .max_datagram_len = NS_REASM_MAX_LEN,
        .timeout_ns = cfg->reasm_timeout_ns,
    };
    enum ns_status s = ns_tcpa_init(&e->tcpa, cfg->tcp_max_segments, err);
    if (s != NS_STATUS_OK)
        return s;
    e->detect = !cfg->no_anomaly;
    if (e->detect && (s = ns_anomaly_init(&e->anomaly, &cfg->anomaly, err)) != NS_STATUS_OK) {
        ns_tcpa_fini(&e->tcpa);
        return s;
    }
    s = ns_reasm_init(&e->reasm, &rc, err);
    if (s == NS_STATUS_OK) {
        s = ns_track_init(&e->track, &tc, err);
        if (s == NS_STATUS_OK)
            return s;
        ns_reasm_fini(&e->reasm);
    }
    if (e->detect)
        ns_anomaly_fini(&e->anomaly);
    ns_tcpa_fini(&e->tcpa);
    return s;
}

void ns_engine_fini(struct ns_engine *e)
{
    ns_track_fini(&e->track);
    ns_reasm_fini(&e->reasm);
    ns_tcpa_fini(&e->tcpa);
    ns_flownames_fini(&e->names);
    if (e->detect)
        ns_anomaly_fini(&e->anomaly);
    free(e->conn);
    e->conn = NULL;
    e->conn_cap = 0;
}

void ns_engine_expire(struct ns_engine *e, int64_t ts_ns)
{
    ns_flow_table_expire(&e->track.flows, ts_ns);
    if (e->track.ip_pairs)
        ns_flow_table_expire(&e->track.pairs, ts_ns);
}

/* The TCP state slot of flow f, grown with the flow table (entry indices are stable),
 * started afresh when f first needs it: the flow that held the entry before released its
 * state as it ended (flow_end), so the slot holds nothing, and the grown part of the array
 * needs no clearing (untouched slots cost no memory). NULL only when memory ran out. */
static struct ns_tcpa_conn *conn_for(struct ns_engine *e, struct ns_flow *f)
{
    size_t i = (size_t)(f - e->track.flows.ent);
    if (i >= e->conn_cap) {
        size_t ncap = (size_t)e->track.flows.cap + 1;
        if (ncap <= i)
            return NULL;
        struct ns_tcpa_conn *nc = realloc(e->conn, ncap * sizeof *nc);
        if (nc == NULL)
            return NULL;
        e->conn = nc;
        e->conn_cap = (uint32_t)ncap;
    }
    struct ns_tcpa_conn *c = &e->conn[i];
    if (!f->has_tcpa) {
        ns_tcpa_conn_init(c);
        f->has_tcpa = 1;
    }
    return c;
}

static void analyse_tcp(struct ns_engine *e, const struct ns_rec *rec)
{
    struct ns_tcpa_frame *tf = &e->tcpa_frame;
    tf->n = 0;
    for (unsigned k = 0; k < e->track_out.ntcp && tf->n < NS_TCPA_MAX_LAYERS; k++) {
        const struct ns_track_tcp *tt = &e->track_out.tcp[k];
        struct ns_tcpa_conn *c = conn_for(e, tt->flow);
        if (c == NULL)
            continue;
        const struct ns_layer *l = &e->pkt.layer[tt->layer];
        struct ns_tcpa_in in = {
            .frame = rec->number, .ts_ns = rec->ts_ns, .seq = l->u.tcp.seq, .ack = l->u.tcp.ack,
            .seglen = l->u.tcp.payload_len, .flags = l->u.tcp.flags, .window = l->u.tcp.window,
            .wscale = l->u.tcp.has_wscale ? (int16_t)l->u.tcp.wscale : -1, .reused = tt->reused != 0,
        };
        in.nsack = l->u.tcp.nsack < 4 ? l->u.tcp.nsack : 4;
        for (unsigned j = 0; j < in.nsack; j++) {
            in.sack[j].left = l->u.tcp.sack[j].left;
            in.sack[j].right = l->u.tcp.sack[j].right;
        }
        tf->layer[tf->n] = tt->layer;
        ns_tcpa_segment(&e->tcpa, c, tt->dir, &in, &tf->out[tf->n]);
        tf->n++;
    }
}

/* The fragment frame's IP layer: the last unquoted IPv4/IPv6 header. */
static const struct ns_layer *fragment_layer(const struct ns_pkt *pkt)
{
    for (int i = (int)pkt->nlayers - 1; i >= 0; i--) {
        const struct ns_layer *l = &pkt->layer[i];
        if ((l->proto == NS_PROTO_IPV4 || l->proto == NS_PROTO_IPV6) && !(l->flags & NS_LAYER_QUOTED))
            return l;
    }
    return NULL;
}

/* tshark's pinfo->vlan_id: the first nonzero 802.1Q (not 802.1ad) tag, outermost first. */
static uint16_t first_vlan(const struct ns_pkt *pkt)
{
    for (unsigned i = 0; i < pkt->nlayers; i++)
        if (pkt->layer[i].proto == NS_PROTO_VLAN && pkt->layer[i].u.vlan.tpid == 0x8100 &&
            pkt->layer[i].u.vlan.id != 0)
            return pkt->layer[i].u.vlan.id;
    return 0;
}

/* Feeds a whole fragment to reassembly; when it completes its datagram, the transport
 * header and what follows are dissected from the datagram, in this frame, as tshark does. */
static void reassemble(struct ns_engine *e, const struct ns_rec *rec)
{
    struct ns_pkt *pkt = &e->pkt;
    const struct ns_layer *l = fragment_layer(pkt);
    if (l == NULL || (l->flags & NS_LAYER_CUT) || l->hdr_len == 0)
        return;
    const uint8_t *end = rec->data + rec->caplen;
    const uint8_t *data = l->hdr + l->hdr_len;
    if (data > end)
        return;
    struct ns_frag fr = { .ts_ns = rec->ts_ns, .data = data, .vlan = first_vlan(pkt) };
    uint8_t proto;
    if (l->proto == NS_PROTO_IPV4) {
        if (l->u.ipv4.total_len < l->hdr_len)
            return;
        fr.af = 4;
        fr.src = l->u.ipv4.src;
        fr.dst = l->u.ipv4.dst;
        fr.id = l->u.ipv4.id;
        fr.proto = proto = l->u.ipv4.proto;
        fr.offset = l->u.ipv4.frag_off;
        fr.more = l->u.ipv4.mf;
        fr.frag_len = (uint32_t)(l->u.ipv4.total_len - l->hdr_len);
    } else {
        if ((uint32_t)l->u.ipv6.plen + 40 < l->hdr_len)
            return;
        fr.af = 6;
        fr.src = l->u.ipv6.src;
        fr.dst = l->u.ipv6.dst;
        fr.id = l->u.ipv6.frag_id;
        fr.proto = proto = l->u.ipv6.proto;
        fr.offset = l->u.ipv6.frag_off;
        fr.more = l->u.ipv6.frag_m;
        fr.frag_len = (uint32_t)l->u.ipv6.plen + 40 - l->hdr_len;
    }
    size_t have = (size_t)(end - data);
    fr.len = have < fr.frag_len ? have : fr.frag_len;
    struct ns_reasm_out out;
    if (ns_reasm_add(&e->reasm, &fr, &out) != NS_REASM_DONE || out.data == NULL)
        return;
    pkt->flags |= NS_PKT_REASSEMBLED;
    pkt->next.kind = NS_NEXT_IPPROTO;
    pkt->next.val = proto;
    struct ns_cur c = ns_cur_make(out.data, out.len);
    (void)ns_dissect_next(&c, pkt);
}

/* The DNS question names and TLS SNI of the frame, kept with its flow. */
static void note_names(struct ns_engine *e)
{
    const struct ns_flow *f = e->track_out.flow;
    if (f == NULL || (f->key.proto != 6 && f->key.proto != 17))
        return;
    const struct ns_pkt *pkt = &e->pkt;
    uint32_t entry = entry_of(e, f);
    /* DNS and TLS layers end a frame (nothing is dissected after them): find where that
     * run starts, from the back, so a frame without them costs one comparison */
    unsigned first = pkt->nlayers;
    while (first > 0 && (pkt->layer[first - 1].proto == NS_PROTO_DNS ||
                         pkt->layer[first - 1].proto == NS_PROTO_TLS))
        first--;
    for (unsigned i = first; i < pkt->nlayers; i++) {
        const struct ns_layer *l = &pkt->layer[i];
        if (l->flags & NS_LAYER_QUOTED)
            continue;
        if (l->proto == NS_PROTO_DNS) {
            for (unsigned k = l->u.dns.first_name;
                 k < (unsigned)l->u.dns.first_name + l->u.dns.nnames && k < pkt->nnames; k++)
                ns_flownames_add(&e->names, entry, f->id, 1, pkt->name_buf + pkt->name[k].off,
                                 pkt->name[k].len);
        } else if (l->proto == NS_PROTO_TLS && l->u.tls.sni != NULL) {
            ns_flownames_add(&e->names, entry, f->id, 0, (const char *)l->u.tls.sni, l->u.tls.sni_len);
        }
    }
}

/* Ports of a TCP/UDP layer, when it has them. */
static bool ports_of(const struct ns_layer *l, uint16_t *sport, uint16_t *dport)
{
    if (l->proto == NS_PROTO_TCP && l->hdr_len >= 4) {
        *sport = l->u.tcp.sport;
        *dport = l->u.tcp.dport;
        return true;
    }
    if (l->proto == NS_PROTO_UDP && l->hdr_len >= 4) {
        *sport = l->u.udp.sport;
        *dport = l->u.udp.dport;
        return true;
    }
    return false;
}

static void ip_of(const struct ns_layer *l, uint8_t *af, const uint8_t **src, const uint8_t **dst)
{
    if (l->proto == NS_PROTO_IPV4) {
        *af = 4;
        *src = l->u.ipv4.src;
        *dst = l->u.ipv4.dst;
    } else {
        *af = 6;
        *src = l->u.ipv6.src;
        *dst = l->u.ipv6.dst;
    }
}

/* An IP header the detector may take as the packet's: one not quoted in an ICMP error. */
static bool unquoted_ip(const struct ns_layer *l)
{
    return (l->proto == NS_PROTO_IPV4 || l->proto == NS_PROTO_IPV6) && !(l->flags & NS_LAYER_QUOTED);
}

/* The packet as the detector sees it: its innermost unquoted IP header and what follows
 * (TCP flags, UDP ports, ICMP type and code with the header an error quotes). Every packet
 * comes here, so the common one (a TCP segment) costs a short walk and a few stores. */
static void detect(struct ns_engine *e, const struct ns_rec *rec)
{
    const struct ns_pkt *pkt = &e->pkt;
    const struct ns_layer *end = pkt->layer + pkt->nlayers, *net = end;
    /* the last such header, found from the back: the transport header after it is
     * usually the last layer or the one before */
    do {
        if (net == pkt->layer)
            return;
        net--;
    } while (!unquoted_ip(net));
    const struct ns_layer *l = net + 1;
    if (l == end)
        return;
    struct ns_anomaly_pkt p;
    struct ns_anomaly_quote q;
    if (l->proto == NS_PROTO_TCP) {
        if (l->hdr_len < 20)
            return;
        p = (struct ns_anomaly_pkt){ .proto = 6, .tcp_flags = (uint8_t)l->u.tcp.flags,
                                     .sport = l->u.tcp.sport, .dport = l->u.tcp.dport };
    } else if (l->proto == NS_PROTO_UDP) {
        if (l->hdr_len < 4)
            return;
        p = (struct ns_anomaly_pkt){ .proto = 17, .sport = l->u.udp.sport,
                                     .dport = l->u.udp.dport };
    } else if (l->proto == NS_PROTO_ICMP || l->proto == NS_PROTO_ICMPV6) {
        if (l->hdr_len < 4)
            return;
        p = (struct ns_anomaly_pkt){ .proto = l->proto == NS_PROTO_ICMP ? 1 : 58,
                                     .icmp_type = l->u.icmp.type, .icmp_code = l->u.icmp.code };
        for (const struct ns_layer *qi = l + 1; qi + 1 < end; qi++) {
            const struct ns_layer *qt = qi + 1;
            if (!(qi->flags & NS_LAYER_QUOTED) || (qi->proto != NS_PROTO_IPV4 && qi->proto != NS_PROTO_IPV6))
                continue;
            if (ports_of(qt, &q.sport, &q.dport)) {
                ip_of(qi, &q.af, &q.src, &q.dst);
                q.proto = qt->proto == NS_PROTO_TCP ? 6 : 17;
                p.quoted = &q;
            }
            break;
        }
    } else {
        return;
    }
    p.ts_ns = rec->ts_ns;
    ip_of(net, &p.af, &p.src, &p.dst);
    e->frame.nalerts = ns_anomaly_feed(&e->anomaly, &p, e->alerts);
    e->frame.alerts = e->alerts;
}

const struct ns_frame *ns_engine_feed(struct ns_engine *e, const struct ns_rec *rec)
{
    /* tshark measures frame.time_relative from the first frame, whatever its time (it
     * may be later than the frames after it); a first frame with no time at all (a pcapng
     * custom or simple block) makes the reference 0, so later times print as absolute. */
    if (!e->have_first) {
        e->have_first = true;
        e->first_ts_ns = rec->has_ts ? rec->ts_ns : 0;
    }
    e->stats.frames++;
    e->frame.rec = rec;
    e->frame.rel_ns = rec->ts_ns - e->first_ts_ns;
    e->frame.pkt = &e->pkt;
    e->frame.track = NULL;
    e->frame.tcpa = NULL;
    e->frame.flow_tcp = NULL;
    e->frame.alerts = NULL;
    e->frame.nalerts = 0;
    if (rec->kind != NS_REC_PACKET) {
        ns_pkt_reset(&e->pkt);
        return &e->frame;
    }
    e->stats.packets++;
    e->stats.bytes += rec->wirelen;
    (void)ns_dissect_frame(rec->data, rec->caplen, rec->linktype, &e->pkt);
    if (e->pkt.flags & NS_PKT_FRAGMENT)
        reassemble(e, rec);
    if (e->pkt.malformed != NS_MALFORMED_NONE) {
        e->stats.malformed_frames++;
        e->stats.malformed[e->pkt.malformed]++;
    }
    ns_track_frame(&e->track, rec, &e->pkt, &e->track_out);
    if (e->track_out.resent_layer >= 0) {
        /* the application layers of a resent segment are not shown, as in tshark */
        unsigned keep = (unsigned)e->track_out.resent_layer + 1;
        while (e->pkt.nlayers > keep && (e->pkt.layer[e->pkt.nlayers - 1].proto == NS_PROTO_TLS ||
                                         e->pkt.layer[e->pkt.nlayers - 1].proto == NS_PROTO_DNS))
            e->pkt.nlayers--;
    }
    e->frame.track = &e->track_out;
    if (e->tcp_analysis)
        for (unsigned k = 0; k < e->track_out.ntcp; k++)
            if (e->track_out.tcp[k].flow->has_tcpa) {
                /* its TCP state is read after note_names: start the misses now */
                const char *c = (const char *)conn_of(e, e->track_out.tcp[k].flow);
                ns_prefetch(c);
                ns_prefetch(c + 64);
                ns_prefetch(c + sizeof(struct ns_tcpa_conn) - 1);
            }
    note_names(e);
    if (e->tcp_analysis) {
        analyse_tcp(e, rec);
        e->frame.tcpa = &e->tcpa_frame;
        if (e->track_out.flow != NULL)
            e->frame.flow_tcp = conn_of(e, e->track_out.flow);
    }
    if (e->detect && !(e->pkt.flags & NS_PKT_FRAGMENT && !(e->pkt.flags & NS_PKT_REASSEMBLED)))
        detect(e, rec);
    return &e->frame;
}
