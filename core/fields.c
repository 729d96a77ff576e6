/* core/fields.c: the registry table and the walk that lists a field's occurrences.
 * Occurrences follow tshark: every header of a protocol counts, outermost first, including
 * headers quoted inside ICMP errors (tshark shows them in ip.src, udp.srcport, ...). */
#include "fields.h"

#include <string.h>

#include "anomaly.h"
#include "tcpa.h"
#include "track.h"

const struct ns_field ns_fields[NS_FIELD_COUNT] = {
#define NS_X(id, abbrev, type, disp, title, blurb) \
    { abbrev, NS_FT_##type, NS_FD_##disp, title, blurb },
    NS_FIELDS(NS_X)
#undef NS_X
};

int ns_field_lookup(const char *name)
{
    for (size_t i = 0; i < NS_FIELD_COUNT; i++)
        if (strcmp(ns_fields[i].abbrev, name) == 0)
            return (int)i;
    return -1;
}

const char *ns_field_proto(const struct ns_field *f, char *buf, size_t cap)
{
    size_t n = strcspn(f->abbrev, ".");
    if (cap == 0)
        return buf;
    if (n >= cap)
        n = cap - 1;
    memcpy(buf, f->abbrev, n);
    buf[n] = '\0';
    return buf;
}

struct collector {
    struct ns_val *out;
    size_t max, n;
};

static void put_u(struct collector *c, uint64_t u)
{
    if (c->n < c->max) {
        c->out[c->n] = (struct ns_val){0};
        c->out[c->n].v.u = u;
    }
    c->n++;
}

static void put_i(struct collector *c, int64_t i)
{
    if (c->n < c->max) {
        c->out[c->n] = (struct ns_val){0};
        c->out[c->n].v.i = i;
    }
    c->n++;
}

static void put_addr(struct collector *c, const uint8_t *a)
{
    if (c->n < c->max) {
        c->out[c->n] = (struct ns_val){0};
        c->out[c->n].v.addr = a;
    }
    c->n++;
}

static void put_str(struct collector *c, const void *s, size_t len)
{
    if (c->n < c->max) {
        c->out[c->n] = (struct ns_val){0};
        c->out[c->n].s = s;
        c->out[c->n].len = len;
    }
    c->n++;
}

/* One value per layer of the field's protocol. */
/* Whether field id of layer l was really read. A refused header (hdr_len 0) shows nothing,
 * as tshark shows nothing of a header its dissector threw on; a cut TCP/UDP header shows
 * its ports when it holds them, an ICMP header cut below 8 bytes nothing; a TCP header
 * quoted in an ICMP error has no segment length (tshark computes none for it). */
static bool shown(enum ns_field_id id, const struct ns_layer *l)
{
    bool cut = (l->flags & NS_LAYER_CUT) != 0;
    switch (l->proto) {
    case NS_PROTO_TCP:
        if ((l->flags & NS_LAYER_QUOTED) && (id == NS_FIELD_TCP_LEN || id == NS_FIELD_TCP_SEQ_RAW))
            return false;
        if (cut && l->hdr_len < 20)
            return ((id == NS_FIELD_TCP_SRCPORT || id == NS_FIELD_TCP_PORT) && l->hdr_len >= 2) ||
                   (id == NS_FIELD_TCP_DSTPORT && l->hdr_len >= 4) || id == NS_FIELD_TCP_STREAM;
        return true;
    case NS_PROTO_UDP:
        if (cut && l->hdr_len < 8)
            return ((id == NS_FIELD_UDP_SRCPORT || id == NS_FIELD_UDP_PORT) && l->hdr_len >= 2) ||
                   (id == NS_FIELD_UDP_DSTPORT && l->hdr_len >= 4) || id == NS_FIELD_UDP_STREAM;
        return true;
    case NS_PROTO_ICMP:
    case NS_PROTO_ICMPV6:
        return !(cut && l->hdr_len < 8);
    default:
        return l->hdr_len != 0;
    }
}

bool ns_layer_shown(const struct ns_pkt *pkt, unsigned i)
{
    const struct ns_layer *l = &pkt->layer[i];
    switch (l->proto) {
    case NS_PROTO_TCP:
    case NS_PROTO_UDP:
    case NS_PROTO_VLAN:
        return true;
    case NS_PROTO_ICMP:
    case NS_PROTO_ICMPV6:
        return !((l->flags & NS_LAYER_CUT) && l->hdr_len < 8);
    default:
        break;
    }
    if (l->hdr_len != 0 || i + 1 != pkt->nlayers || pkt->malformed == NS_MALFORMED_NONE)
        return true;
    const char *why = ns_malformed_name((enum ns_malformed)pkt->malformed);
    size_t n = strlen(why);
    return !(n >= 6 && strcmp(why + n - 6, "_SHORT") == 0);
}

/* The analysis of TCP layer i, when it was analysed. */
static const struct ns_tcpa_out *tcpa_of(const struct ns_frame *f, unsigned i)
{
    if (f->tcpa == NULL)
        return NULL;
    for (unsigned k = 0; k < f->tcpa->n; k++)
        if (f->tcpa->layer[k] == i)
            return &f->tcpa->out[k];
    return NULL;
}

static bool is_tcpa_field(enum ns_field_id id)
{
    return (id >= NS_FIELD_TCP_SEQ && id <= NS_FIELD_NS_TCP_ACK_RTT);
}

/* The flag fields follow the flag bits' order, under both names. */
static void tcpa_value(enum ns_field_id id, const struct ns_tcpa_out *a, struct collector *c)
{
    /* Wireshark raises its "retransmission" expert info for fast and spurious
     * retransmissions too, so tcp.analysis.retransmission is present on them */
    if ((id == NS_FIELD_TCPA_RETRANSMISSION || id == NS_FIELD_NS_TCP_RETRANSMISSION) &&
        (a->flags & (NS_TCPA_F(FAST_RETRANSMISSION) | NS_TCPA_F(SPURIOUS_RETRANSMISSION)))) {
        put_u(c, 1);
        return;
    }
    if (id >= NS_FIELD_TCPA_RETRANSMISSION && id < NS_FIELD_TCPA_RETRANSMISSION + NS_TCPA_NFLAGS) {
        if (a->flags & (1u << (id - NS_FIELD_TCPA_RETRANSMISSION))) {
            put_u(c, 1);
            /* tshark adds tcp.analysis.duplicate_ack twice, as a field and as the expert
             * info of the same name, so -E occurrence=a prints it twice */
            if (id == NS_FIELD_TCPA_DUPLICATE_ACK)
                put_u(c, 1);
        }
        return;
    }
    if (id >= NS_FIELD_NS_TCP_RETRANSMISSION && id < NS_FIELD_NS_TCP_RETRANSMISSION + NS_TCPA_NFLAGS) {
        if (a->flags & (1u << (id - NS_FIELD_NS_TCP_RETRANSMISSION)))
            put_u(c, 1);
        return;
    }
    switch (id) {
    case NS_FIELD_TCP_SEQ: put_u(c, a->rel_seq); break;
    case NS_FIELD_TCP_ACK: put_u(c, a->rel_ack); break;
    case NS_FIELD_TCP_NXTSEQ: put_u(c, a->nxtseq); break;
    case NS_FIELD_TCP_WINDOW_SIZE: put_u(c, a->window); break;
    case NS_FIELD_TCP_WIN_SCALEFACTOR: if (a->scale != 0) put_i(c, a->scale); break;
    case NS_FIELD_TCPA_DUP_ACK_NUM: if (a->dupack_num) put_u(c, a->dupack_num); break;
    case NS_FIELD_TCPA_DUP_ACK_FRAME: if (a->dupack_num) put_u(c, a->dupack_frame); break;
    case NS_FIELD_TCPA_ACKS_FRAME: if (a->acks_frame) put_u(c, a->acks_frame); break;
    case NS_FIELD_TCPA_ACK_RTT:
    case NS_FIELD_NS_TCP_ACK_RTT:
        /* Wireshark shows the RTT only when it is not zero */
        if (a->acks_frame && a->ack_rtt_ns != 0) put_i(c, a->ack_rtt_ns);
        break;
    case NS_FIELD_TCPA_INITIAL_RTT: if (a->have_irtt) put_i(c, a->irtt_ns); break;
    case NS_FIELD_TCPA_BIF: if (a->have_bif) put_u(c, a->bytes_in_flight); break;
    default: break;
    }
}

static void layer_value(enum ns_field_id id, const struct ns_frame *f, unsigned i, struct collector *c)
{
    const struct ns_pkt *pkt = f->pkt;
    const struct ns_layer *l = &pkt->layer[i];
    if (!shown(id, l))
        return;
    if (is_tcpa_field(id)) {
        const struct ns_tcpa_out *a = l->proto == NS_PROTO_TCP ? tcpa_of(f, i) : NULL;
        if (a != NULL)
            tcpa_value(id, a, c);
        return;
    }
    switch (id) {
    case NS_FIELD_TCP_STREAM:
    case NS_FIELD_UDP_STREAM:
        if (l->proto == (id == NS_FIELD_TCP_STREAM ? NS_PROTO_TCP : NS_PROTO_UDP) && f->track != NULL &&
            f->track->stream[i] != NS_TRACK_NONE)
            put_u(c, f->track->stream[i]);
        break;
    case NS_FIELD_ETH_SRC: if (l->proto == NS_PROTO_ETH) put_addr(c, l->u.eth.src); break;
    case NS_FIELD_ETH_DST: if (l->proto == NS_PROTO_ETH) put_addr(c, l->u.eth.dst); break;
    case NS_FIELD_ETH_ADDR:     /* tshark adds the destination's first */
        if (l->proto == NS_PROTO_ETH) {
            put_addr(c, l->u.eth.dst);
            put_addr(c, l->u.eth.src);
        }
        break;
    case NS_FIELD_ETH_TYPE:
        /* 802.3 frames carry a length there; tshark shows it as eth.len, not eth.type */
        if (l->proto == NS_PROTO_ETH && l->u.eth.type > 1500) put_u(c, l->u.eth.type);
        break;
    case NS_FIELD_VLAN_ID:
        /* an 802.1ad S-tag (0x88a8) is tshark's ieee8021ad.id, not vlan.id */
        if (l->proto == NS_PROTO_VLAN && l->u.vlan.tpid != 0x88a8) put_u(c, l->u.vlan.id);
        break;
    case NS_FIELD_MPLS_LABEL: if (l->proto == NS_PROTO_MPLS) put_u(c, l->u.mpls.label); break;
    case NS_FIELD_IP_SRC: if (l->proto == NS_PROTO_IPV4) put_addr(c, l->u.ipv4.src); break;
    case NS_FIELD_IP_DST: if (l->proto == NS_PROTO_IPV4) put_addr(c, l->u.ipv4.dst); break;
    case NS_FIELD_IP_ADDR:
        if (l->proto == NS_PROTO_IPV4) {
            put_addr(c, l->u.ipv4.src);
            put_addr(c, l->u.ipv4.dst);
        }
        break;
    case NS_FIELD_IP_PROTO: if (l->proto == NS_PROTO_IPV4) put_u(c, l->u.ipv4.proto); break;
    case NS_FIELD_IP_TTL: if (l->proto == NS_PROTO_IPV4) put_u(c, l->u.ipv4.ttl); break;
    case NS_FIELD_IP_LEN: if (l->proto == NS_PROTO_IPV4) put_u(c, l->u.ipv4.total_len); break;
    case NS_FIELD_IP_ID: if (l->proto == NS_PROTO_IPV4) put_u(c, l->u.ipv4.id); break;
    case NS_FIELD_IP_MF: if (l->proto == NS_PROTO_IPV4) put_u(c, l->u.ipv4.mf); break;
    case NS_FIELD_IP_FRAG_OFFSET:     /* tshark prints the field as on the wire: 8-byte units */
        if (l->proto == NS_PROTO_IPV4) put_u(c, l->u.ipv4.frag_off / 8u);
        break;
    case NS_FIELD_IPV6_SRC: if (l->proto == NS_PROTO_IPV6) put_addr(c, l->u.ipv6.src); break;
    case NS_FIELD_IPV6_DST: if (l->proto == NS_PROTO_IPV6) put_addr(c, l->u.ipv6.dst); break;
    case NS_FIELD_IPV6_ADDR:
        if (l->proto == NS_PROTO_IPV6) {
            put_addr(c, l->u.ipv6.src);
            put_addr(c, l->u.ipv6.dst);
        }
        break;
    case NS_FIELD_IPV6_NXT: if (l->proto == NS_PROTO_IPV6) put_u(c, l->u.ipv6.nxt); break;
    case NS_FIELD_IPV6_HLIM: if (l->proto == NS_PROTO_IPV6) put_u(c, l->u.ipv6.hlim); break;
    case NS_FIELD_TCP_SRCPORT: if (l->proto == NS_PROTO_TCP) put_u(c, l->u.tcp.sport); break;
    case NS_FIELD_TCP_DSTPORT: if (l->proto == NS_PROTO_TCP) put_u(c, l->u.tcp.dport); break;
    case NS_FIELD_TCP_PORT:
    case NS_FIELD_UDP_PORT:
        /* a header cut after the source port shows that one only (shown() above) */
        if (l->proto == (id == NS_FIELD_TCP_PORT ? NS_PROTO_TCP : NS_PROTO_UDP)) {
            put_u(c, l->proto == NS_PROTO_TCP ? l->u.tcp.sport : l->u.udp.sport);
            if (l->hdr_len >= 4)
                put_u(c, l->proto == NS_PROTO_TCP ? l->u.tcp.dport : l->u.udp.dport);
        }
        break;
    case NS_FIELD_TCP_FLAGS: if (l->proto == NS_PROTO_TCP) put_u(c, l->u.tcp.flags); break;
    case NS_FIELD_TCP_LEN: if (l->proto == NS_PROTO_TCP) put_u(c, l->u.tcp.payload_len); break;
    case NS_FIELD_TCP_SEQ_RAW: if (l->proto == NS_PROTO_TCP) put_u(c, l->u.tcp.seq); break;
    case NS_FIELD_TCP_ACK_RAW: if (l->proto == NS_PROTO_TCP) put_u(c, l->u.tcp.ack); break;
    case NS_FIELD_TCP_WIN: if (l->proto == NS_PROTO_TCP) put_u(c, l->u.tcp.window); break;
    case NS_FIELD_TCP_MSS:
        if (l->proto == NS_PROTO_TCP && l->u.tcp.has_mss) put_u(c, l->u.tcp.mss);
        break;
    case NS_FIELD_TCP_WSCALE:
        if (l->proto == NS_PROTO_TCP && l->u.tcp.has_wscale) put_u(c, l->u.tcp.wscale);
        break;
    case NS_FIELD_UDP_SRCPORT: if (l->proto == NS_PROTO_UDP) put_u(c, l->u.udp.sport); break;
    case NS_FIELD_UDP_DSTPORT: if (l->proto == NS_PROTO_UDP) put_u(c, l->u.udp.dport); break;
    case NS_FIELD_UDP_LENGTH: if (l->proto == NS_PROTO_UDP) put_u(c, l->u.udp.len); break;
    case NS_FIELD_ICMP_TYPE: if (l->proto == NS_PROTO_ICMP) put_u(c, l->u.icmp.type); break;
    case NS_FIELD_ICMP_CODE: if (l->proto == NS_PROTO_ICMP) put_u(c, l->u.icmp.code); break;
    case NS_FIELD_ICMPV6_TYPE: if (l->proto == NS_PROTO_ICMPV6) put_u(c, l->u.icmp.type); break;
    case NS_FIELD_ICMPV6_CODE: if (l->proto == NS_PROTO_ICMPV6) put_u(c, l->u.icmp.code); break;
    case NS_FIELD_ARP_OPCODE: if (l->proto == NS_PROTO_ARP) put_u(c, l->u.arp.op); break;
    case NS_FIELD_ARP_SPA:
        if (l->proto == NS_PROTO_ARP && l->u.arp.ptype == 0x0800 && l->u.arp.plen == 4 && l->u.arp.spa)
            put_addr(c, l->u.arp.spa);
        break;
    case NS_FIELD_ARP_TPA:
        if (l->proto == NS_PROTO_ARP && l->u.arp.ptype == 0x0800 && l->u.arp.plen == 4 && l->u.arp.tpa)
            put_addr(c, l->u.arp.tpa);
        break;
    case NS_FIELD_GRE_PROTO: if (l->proto == NS_PROTO_GRE) put_u(c, l->u.gre.proto); break;
    case NS_FIELD_DNS_ID: if (l->proto == NS_PROTO_DNS) put_u(c, l->u.dns.id); break;
    case NS_FIELD_DNS_RESPONSE: if (l->proto == NS_PROTO_DNS) put_u(c, l->u.dns.response); break;
    case NS_FIELD_DNS_QDCOUNT: if (l->proto == NS_PROTO_DNS) put_u(c, l->u.dns.qdcount); break;
    case NS_FIELD_DNS_QRY_NAME:
        if (l->proto == NS_PROTO_DNS) {
            for (unsigned k = l->u.dns.first_name;
                 k < (unsigned)l->u.dns.first_name + l->u.dns.nnames && k < pkt->nnames; k++)
                put_str(c, pkt->name_buf + pkt->name[k].off, pkt->name[k].len);
        }
        break;
    case NS_FIELD_TLS_SNI:
        if (l->proto == NS_PROTO_TLS && l->u.tls.sni != NULL)
            put_str(c, l->u.tls.sni, l->u.tls.sni_len);
        break;
    case NS_FIELD_TLS_ALPN:
        if (l->proto == NS_PROTO_TLS && l->u.tls.alpn != NULL) {
            /* protocol_name_list: 1-byte length + name, repeated (RFC 7301, section 3.1) */
            const uint8_t *p = l->u.tls.alpn;
            size_t left = l->u.tls.alpn_len;
            while (left >= 1 && (size_t)p[0] + 1 <= left) {
                if (p[0] > 0)
                    put_str(c, p + 1, p[0]);
                left -= (size_t)p[0] + 1;
                p += (size_t)p[0] + 1;
            }
        }
        break;
    default:
        break;
    }
}

size_t ns_field_values(enum ns_field_id id, const struct ns_frame *f, struct ns_val *out, size_t max)
{
    struct collector c = { out, max, 0 };
    const struct ns_rec *rec = f->rec;
    const struct ns_pkt *pkt = f->pkt;

    switch (id) {
    case NS_FIELD_FRAME_NUMBER: put_u(&c, rec->number); return c.n;
    case NS_FIELD_FRAME_LEN:
        put_u(&c, rec->wirelen);     /* a custom block's: its data length, as tshark */
        return c.n;
    case NS_FIELD_FRAME_CAP_LEN:
        put_u(&c, rec->caplen);
        return c.n;
    case NS_FIELD_FRAME_TIME_EPOCH:
        if (rec->has_ts) put_i(&c, rec->ts_ns);    /* simple packet blocks have none */
        return c.n;
    case NS_FIELD_FRAME_TIME_REL:
        if (rec->has_ts) put_i(&c, f->rel_ns);
        return c.n;
    case NS_FIELD_FRAME_IFACE:
        if (rec->interface_id >= 0) put_u(&c, (uint64_t)rec->interface_id);
        return c.n;
    case NS_FIELD_NS_MALFORMED:
        if (pkt != NULL && pkt->malformed != NS_MALFORMED_NONE) put_u(&c, pkt->malformed);
        return c.n;
    case NS_FIELD_NS_MALFORMED_REASON:
        if (pkt != NULL && pkt->malformed != NS_MALFORMED_NONE) {
            const char *s = ns_malformed_name((enum ns_malformed)pkt->malformed);
            put_str(&c, s, strlen(s));
        }
        return c.n;
    case NS_FIELD_NS_FLOW_ID:
        if (f->track != NULL && f->track->flow_id != 0) put_u(&c, f->track->flow_id);
        return c.n;
    case NS_FIELD_NS_FLOW_COMMUNITY_ID:
        /* computed when asked for, not per packet: a SHA-1 is too dear for the hot path */
        if (f->track != NULL && f->track->flow != NULL && c.max > 0) {
            put_str(&c, NULL, 0);
            ns_track_community_id(f->track->flow, out[0].text);
            out[0].s = out[0].text;
            out[0].len = strlen(out[0].text);
        }
        return c.n;
    case NS_FIELD_NS_FLOW_STATE:
        if (f->track != NULL && f->track->zeek != NULL) {
            const char *st = ns_zeek_conn_state(f->track->zeek);
            put_str(&c, st, strlen(st));
        }
        return c.n;
    case NS_FIELD_NS_FLOW_HISTORY:
        if (f->track != NULL && f->track->zeek != NULL && c.max > 0) {
            put_str(&c, NULL, 0);
            ns_zeek_history(f->track->zeek, out[0].text, sizeof out[0].text);
            out[0].s = out[0].text;
            out[0].len = strlen(out[0].text);
        }
        return c.n;
    case NS_FIELD_NS_FLOW_DIR:
        if (f->track != NULL && f->track->flow_id != 0) put_u(&c, f->track->flow_dir);
        return c.n;
    case NS_FIELD_NS_FLOW_FRAMES:
        if (f->track != NULL && f->track->flow_id != 0) put_u(&c, f->track->flow_frames);
        return c.n;
    case NS_FIELD_NS_FLOW_BYTES:
        if (f->track != NULL && f->track->flow_id != 0) put_u(&c, f->track->flow_bytes);
        return c.n;
    case NS_FIELD_NS_FLOW_RETRANS:
        if (f->flow_tcp != NULL) {
            struct ns_tcpa_metrics m;
            ns_tcpa_conn_metrics(f->flow_tcp, &m);
            uint64_t n = 0;
            for (int d = 0; d < 2; d++)
                n += (uint64_t)m.count[d][NS_TCPA_BIT_RETRANSMISSION] +
                     m.count[d][NS_TCPA_BIT_FAST_RETRANSMISSION] +
                     m.count[d][NS_TCPA_BIT_SPURIOUS_RETRANSMISSION];
            put_u(&c, n);
        }
        return c.n;
    case NS_FIELD_NS_FLOW_RTT_SAMPLES:
        if (f->flow_tcp != NULL) {
            struct ns_tcpa_metrics m;
            ns_tcpa_conn_metrics(f->flow_tcp, &m);
            put_u(&c, m.rtt_samples);
        }
        return c.n;
    case NS_FIELD_NS_FLOW_SRTT:
    case NS_FIELD_NS_FLOW_RTT_MIN:
    case NS_FIELD_NS_FLOW_RTT_MAX:
        if (f->flow_tcp != NULL) {
            struct ns_tcpa_metrics m;
            ns_tcpa_conn_metrics(f->flow_tcp, &m);
            if (m.rtt_samples > 0)
                put_i(&c, id == NS_FIELD_NS_FLOW_SRTT ? m.srtt_ns :
                          id == NS_FIELD_NS_FLOW_RTT_MIN ? m.rtt_min_ns : m.rtt_max_ns);
        }
        return c.n;
    case NS_FIELD_NS_ALERT:
        for (unsigned k = 0; k < f->nalerts; k++) {
            const char *kind = ns_alert_kind_name(f->alerts[k].kind);
            put_str(&c, kind, strlen(kind));
        }
        return c.n;
    case NS_FIELD_NS_LINKTYPE:
        if (rec->kind == NS_REC_PACKET) put_u(&c, rec->linktype);
        return c.n;
    default:
        break;
    }
    if (pkt == NULL)
        return 0;
    /* TCP analysis values come only from the analysed TCP headers: a frame without one has
     * none (most frames of most fields: worth skipping the walk over the layers) */
    if (is_tcpa_field(id)) {
        if (f->tcpa == NULL || f->tcpa->n == 0)
            return 0;
        /* and a flag field is present only where a flag is set (see tcpa_value) */
        if ((id >= NS_FIELD_TCPA_RETRANSMISSION && id < NS_FIELD_TCPA_RETRANSMISSION + NS_TCPA_NFLAGS) ||
            (id >= NS_FIELD_NS_TCP_RETRANSMISSION && id < NS_FIELD_NS_TCP_RETRANSMISSION + NS_TCPA_NFLAGS)) {
            uint32_t any = 0;
            for (unsigned k = 0; k < f->tcpa->n; k++)
                any |= f->tcpa->out[k].flags;
            if (any == 0)
                return 0;
        }
    }
    for (unsigned i = 0; i < pkt->nlayers; i++)
        layer_value(id, f, i, &c);
    return c.n;
}
