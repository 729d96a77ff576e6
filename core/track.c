#include "track.h"

#include <stdlib.h>
#include <string.h>

#include "community_id.h"
#include "hash.h"

#define TH_FIN 0x001
#define TH_SYN 0x002
#define TH_RST 0x004
#define TH_ACK 0x010

enum ns_status ns_track_init(struct ns_track *t, const struct ns_track_cfg *cfg, struct ns_err *err)
{
    memset(t, 0, sizeof *t);
    struct ns_flow_cfg fc = { .max_flows = cfg->max_flows, .on_end = cfg->on_end, .arg = cfg->arg,
                              .idle_ns = cfg->idle_ns, .idle_tcp_ns = cfg->idle_tcp_ns,
                              .active_ns = cfg->active_ns };
    enum ns_status s = ns_flow_table_init(&t->flows, &fc, err);
    if (s != NS_STATUS_OK)
        return s;
    t->vlan_in_key = cfg->vlan_in_key;
    t->want_zeek = cfg->zeek;
    t->ip_pairs = cfg->ip_pairs;
    if (!t->ip_pairs)
        return NS_STATUS_OK;
    fc.idle_tcp_ns = 0;         /* an address pair is no TCP flow: one timeout */
    fc.active_ns = 0;           /* IP conversation tables are never cut in pieces */
    s = ns_flow_table_init(&t->pairs, &fc, err);
    if (s != NS_STATUS_OK)
        ns_flow_table_fini(&t->flows);
    return s;
}

void ns_track_fini(struct ns_track *t)
{
    ns_flow_table_end_all(&t->flows);
    if (t->ip_pairs)
        ns_flow_table_end_all(&t->pairs);
    ns_flow_table_fini(&t->flows);
    if (t->ip_pairs)
        ns_flow_table_fini(&t->pairs);
    free(t->zeek);
    t->zeek = NULL;
    t->zeek_cap = 0;
}

const struct ns_zeek *ns_track_zeek(const struct ns_track *t, const struct ns_flow *f)
{
    /* has_zeek is set only on entries of t->flows, so the subtraction is within one array */
    if (!f->has_zeek)
        return NULL;
    return &t->zeek[f - t->flows.ent];
}

/* Gives a new flow its Zeek state: the slot of its entry, grown with the table (entry
 * indices are stable), started afresh since the entry may have held another flow. */
static void zeek_start(struct ns_track *t, struct ns_flow *f)
{
    if (!t->want_zeek)
        return;
    size_t i = (size_t)(f - t->flows.ent);
    if (i >= t->zeek_cap) {
        size_t ncap = (size_t)t->flows.cap + 1;
        struct ns_zeek *nz = ncap > i ? realloc(t->zeek, ncap * sizeof *nz) : NULL;
        if (nz == NULL)
            return;     /* the flow goes without conn_state and history */
        t->zeek = nz;
        t->zeek_cap = (uint32_t)ncap;
    }
    ns_zeek_init(&t->zeek[i], f->key.proto);
    f->has_zeek = 1;
}

/* Counts one frame as traffic of f from the side `from_a` (true: A→B). The first counted
 * frame decides who A is, as in tshark's conversation table. */
static void count(struct ns_flow *f, bool src_is_1, const struct ns_rec *rec)
{
    if (f->frames[0] + f->frames[1] == 0) {
        f->a_is_1 = src_is_1;
        f->first_ns = f->last_ns = rec->ts_ns;
    }
    int d = src_is_1 == (bool)f->a_is_1 ? 0 : 1;
    f->frames[d]++;
    f->bytes[d] += rec->wirelen;
    if (rec->ts_ns < f->first_ns)
        f->first_ns = rec->ts_ns;
    if (rec->ts_ns > f->last_ns)
        f->last_ns = rec->ts_ns;
}

/* Zeek's view of the packet, in tshark's orientation (A = originator); when Zeek would
 * swap the roles, the history records '^' and A stays as tshark has it. */
static void zeek_update(struct ns_track *t, const struct ns_flow *f, bool src_is_1,
                        const struct ns_layer *l, uint32_t payload)
{
    if (!f->has_zeek)
        return;
    struct ns_zeek *z = &t->zeek[f - t->flows.ent];
    bool from_a = src_is_1 == (bool)f->a_is_1;
    bool tcp = l != NULL && l->proto == NS_PROTO_TCP;
    if (ns_zeek_update(z, from_a, tcp ? l->u.tcp.flags : 0, tcp ? l->u.tcp.seq : 0, payload,
                       tcp ? l->u.tcp.window : 0))
        ns_zeek_flip(z);
}

static bool ipv6_unfinished_fragment(const struct ns_pkt *pkt, const struct ns_layer *l)
{
    return (l->u.ipv6.ext & NS_IPV6_EXT_FRAG) && (l->u.ipv6.frag_off != 0 || l->u.ipv6.frag_m) &&
           !(pkt->flags & NS_PKT_REASSEMBLED);
}

/* With vlan_in_key, the frame's outer two VLAN ids join the key. */
static void key_vlans(const struct ns_track *t, const struct ns_pkt *pkt, struct ns_flow_key *k)
{
    if (!t->vlan_in_key)
        return;
    unsigned n = 0;
    for (unsigned i = 0; i < pkt->nlayers && n < 2; i++)
        if (pkt->layer[i].proto == NS_PROTO_VLAN && !(pkt->layer[i].flags & NS_LAYER_QUOTED))
            k->vlan[n++] = pkt->layer[i].u.vlan.id;
}

static void count_pair(struct ns_track *t, const struct ns_rec *rec, const struct ns_pkt *pkt,
                       const struct ns_layer *l)
{
    struct ns_flow_key k;
    bool sw;
    if (l->proto == NS_PROTO_IPV4)
        ns_flow_key_make(&k, 4, 0, l->u.ipv4.src, 0, l->u.ipv4.dst, 0, &sw);
    else
        ns_flow_key_make(&k, 6, 0, l->u.ipv6.src, 0, l->u.ipv6.dst, 0, &sw);
    key_vlans(t, pkt, &k);
    bool created;
    struct ns_flow *f = ns_flow_table_get(&t->pairs, &k, sw, rec->ts_ns, &created);
    if (f != NULL)
        count(f, sw, rec);
}

/* A transport header whose own bytes were refused: tshark's dissector throws before its
 * conversation tap runs, so the frame is not conversation traffic. */
static bool header_broken(const struct ns_pkt *pkt, unsigned i)
{
    if (i + 1 != pkt->nlayers)
        return false;
    switch (pkt->malformed) {
    case NS_MALFORMED_TCP_SHORT:
    case NS_MALFORMED_TCP_DOFF:
    case NS_MALFORMED_UDP_SHORT:
        return true;
    default:
        return false;
    }
}

void ns_track_community_id(const struct ns_flow *f, char *out)
{
    int a = f->a_is_1 ? 1 : 0;
    struct ns_cid_tuple t = {
        .af = f->key.af, .proto = f->key.proto, .src = f->key.addr[a], .dst = f->key.addr[1 - a],
        .sport = f->key.port[a], .dport = f->key.port[1 - a],
        .has_ports = f->key.proto == 6 || f->key.proto == 17 || f->key.proto == 132,
    };
    if (f->key.proto == 1 || f->key.proto == 58) {
        t.sport = f->icmp_type;
        t.dport = f->icmp_code;
        t.has_ports = true;
    }
    ns_community_id(&t, 0, out);
}

void ns_track_frame(struct ns_track *t, const struct ns_rec *rec, const struct ns_pkt *pkt,
                    struct ns_track_out *out)
{
    const struct ns_layer *ip = NULL, *net = NULL;   /* net: innermost unquoted IP */
    bool transport_after_net = false;
    struct ns_flow *last = NULL;
    bool last_sw = false;
    out->flow_id = 0;
    out->flow_dir = 0;
    out->flow = NULL;
    out->zeek = NULL;
    out->resent_layer = -1;
    out->ntcp = 0;
    for (unsigned i = 0; i < pkt->nlayers; i++) {
        const struct ns_layer *l = &pkt->layer[i];
        bool quoted = (l->flags & NS_LAYER_QUOTED) != 0;
        out->stream[i] = NS_TRACK_NONE;
        if (l->proto == NS_PROTO_IPV4 || l->proto == NS_PROTO_IPV6) {
            ip = l;
            if (t->ip_pairs && !quoted && !(l->proto == NS_PROTO_IPV6 && ipv6_unfinished_fragment(pkt, l)))
                count_pair(t, rec, pkt, l);
            if (!quoted) {
                net = l;
                transport_after_net = false;
            }
            continue;
        }
        if (ip == NULL || (l->proto != NS_PROTO_TCP && l->proto != NS_PROTO_UDP))
            continue;
        if (!quoted)
            transport_after_net = true;
        bool tcp = l->proto == NS_PROTO_TCP;
        uint16_t sport = tcp ? l->u.tcp.sport : l->u.udp.sport;
        uint16_t dport = tcp ? l->u.tcp.dport : l->u.udp.dport;
        struct ns_flow_key k;
        bool sw, created;
        if (ip->proto == NS_PROTO_IPV4)
            ns_flow_key_make(&k, 4, tcp ? 6 : 17, ip->u.ipv4.src, sport, ip->u.ipv4.dst, dport, &sw);
        else
            ns_flow_key_make(&k, 6, tcp ? 6 : 17, ip->u.ipv6.src, sport,
                             ip->u.ipv6.has_final_dst ? ip->u.ipv6.final_dst : ip->u.ipv6.dst, dport, &sw);
        key_vlans(t, pkt, &k);
        struct ns_flow *f = ns_flow_table_get(&t->flows, &k, sw, rec->ts_ns, &created);
        if (f == NULL)
            continue;
        if (f->has_zeek && !quoted) {
            /* its Zeek state is read below: start the misses while the flow is updated */
            const char *z = (const char *)&t->zeek[f - t->flows.ent];
            ns_prefetch(z);
            ns_prefetch(z + sizeof(struct ns_zeek) - 1);
        }
        bool reused = false;
        if (!created && tcp && !quoted) {
            /* Wireshark: a SYN (no ACK) whose sequence number differs from the base
             * sequence of its direction opens a new conversation on the same ports. */
            int d = sw == (bool)f->a_is_1 ? 0 : 1;
            if ((l->u.tcp.flags & (TH_SYN | TH_ACK)) == TH_SYN && (f->tcp_base_set & (1u << d)) &&
                l->u.tcp.seq != f->tcp_base_seq[d]) {
                f = ns_flow_table_restart(&t->flows, f, sw, rec->ts_ns);
                if (f == NULL)
                    continue;
                created = true;
                reused = true;
            }
        }
        if (created) {
            f->stream = t->next_stream[tcp ? 0 : 1]++;
            zeek_start(t, f);
        }
        out->stream[i] = f->stream;
        if (quoted)
            continue;
        if (tcp) {
            int d = sw == (bool)f->a_is_1 ? 0 : 1;
            if (f->frames[0] + f->frames[1] == 0)
                d = 0;      /* this frame will make its source A */
            if (!(f->tcp_base_set & (1u << d))) {
                /* a SYN's own number; otherwise one below, as Wireshark sets it midstream */
                f->tcp_base_seq[d] = (l->u.tcp.flags & TH_SYN) ? l->u.tcp.seq : l->u.tcp.seq - 1;
                f->tcp_base_set |= (uint8_t)(1u << d);
            }
            /* as Wireshark, the first ACK also fixes the other direction's base (ACK - 1)
             * when that side has sent nothing yet: a later SYN from it with another
             * number then opens a new stream */
            if ((l->u.tcp.flags & TH_ACK) && !(f->tcp_base_set & (1u << (1 - d)))) {
                f->tcp_base_seq[1 - d] = l->u.tcp.ack - 1;
                f->tcp_base_set |= (uint8_t)(1u << (1 - d));
            }
            f->tcp_flags |= l->u.tcp.flags;
            /* A segment whose data starts below what this direction already sent is a
             * retransmission or out of order for Wireshark; its TCP reassembly hands such
             * bytes to no application dissector a second time. */
            uint32_t seq = l->u.tcp.seq, len = l->u.tcp.payload_len;
            uint32_t end = seq + len + ((l->u.tcp.flags & (TH_SYN | TH_FIN)) ? 1u : 0u);
            if (f->tcp_seq_set & (1u << d)) {
                if (len > 0 && (int32_t)(seq - f->tcp_next_seq[d]) < 0)
                    out->resent_layer = (int16_t)i;
                /* only data, SYN and FIN occupy sequence space: a RST's number (often
                 * arbitrary) does not move it */
                if (end != seq && (int32_t)(end - f->tcp_next_seq[d]) > 0)
                    f->tcp_next_seq[d] = end;
            } else {
                f->tcp_next_seq[d] = end;
                f->tcp_seq_set |= (uint8_t)(1u << d);
            }
        }
        if (header_broken(pkt, i))
            continue;
        count(f, sw, rec);
        zeek_update(t, f, sw, l, tcp ? l->u.tcp.payload_len : (l->u.udp.len >= 8 ? l->u.udp.len - 8u : 0));
        if (tcp && out->ntcp < NS_TRACK_MAX_TCP && !(l->flags & NS_LAYER_CUT && l->hdr_len < 20))
            out->tcp[out->ntcp++] = (struct ns_track_tcp){
                .flow = f, .layer = (uint8_t)i, .dir = sw == (bool)f->a_is_1 ? 0 : 1, .reused = reused };
        last = f;
        last_sw = sw;
    }
    if (last == NULL && net != NULL && !transport_after_net && !(pkt->flags & NS_PKT_FRAGMENT)) {
        /* Any other IP protocol (ICMP, GRE endpoints, ...) is a flow of its address pair
         * and protocol, so every IP packet belongs to a flow. */
        struct ns_flow_key k;
        bool sw, created;
        if (net->proto == NS_PROTO_IPV4)
            ns_flow_key_make(&k, 4, net->u.ipv4.proto, net->u.ipv4.src, 0, net->u.ipv4.dst, 0, &sw);
        else
            ns_flow_key_make(&k, 6, net->u.ipv6.proto, net->u.ipv6.src, 0, net->u.ipv6.dst, 0, &sw);
        key_vlans(t, pkt, &k);
        if (k.proto != 0 && net->hdr_len != 0) {
            struct ns_flow *f = ns_flow_table_get(&t->flows, &k, sw, rec->ts_ns, &created);
            if (f != NULL) {
                const struct ns_layer *next = net + 1;
                if (created)
                    zeek_start(t, f);
                if (created && next < pkt->layer + pkt->nlayers &&
                    (next->proto == NS_PROTO_ICMP || next->proto == NS_PROTO_ICMPV6)) {
                    f->icmp_type = next->u.icmp.type;
                    f->icmp_code = next->u.icmp.code;
                }
                count(f, sw, rec);
                zeek_update(t, f, sw, NULL, 0);
                last = f;
                last_sw = sw;
            }
        }
    }
    if (last != NULL) {
        out->flow = last;
        out->zeek = ns_track_zeek(t, last);
        out->flow_id = last->id;
        out->flow_dir = last_sw == (bool)last->a_is_1 ? 0 : 1;
        out->flow_frames = last->frames[0] + last->frames[1];
        out->flow_bytes = last->bytes[0] + last->bytes[1];
    }
}

uint32_t ns_track_prefetch_flow(const struct ns_track *t, uint32_t h)
{
    uint32_t i = ns_flow_table_prefetch_entry(&t->flows, h);
    if (i != 0 && i < t->zeek_cap) {
        const char *z = (const char *)&t->zeek[i];
        ns_prefetch(z);
        ns_prefetch(z + sizeof(struct ns_zeek) - 1);
    }
    return i;
}
