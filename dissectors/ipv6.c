/* dissectors/ipv6.c: IPv6 header (RFC 8200, section 3) and its extension header chain.
 * In:     a cursor at the version nibble.
 * Out:    one IPV6 layer: src, dst, tclass, flow, plen, hlim, nxt (the header's own next
 *         header), proto (the upper-layer protocol after the chain), ext (NS_IPV6_EXT_*
 *         bits of the headers walked), frag_off/frag_m/frag_id (last fragment header),
 *         jumbo_len; hdr_len = 40 + the extension headers walked. *c is left at the
 *         upper-layer header, clamped to the payload length and to what was captured;
 *         pkt->next = {IPPROTO, proto} (none for 59, No Next Header).
 * Chain:  hop-by-hop (0), routing (43), fragment (44), destination options (60): RFC 8200
 *         section 4, length (n + 1) * 8 (fragment: 8); AH (51): RFC 4302 section 2.2,
 *         length (n + 2) * 4. At most NS_IPV6_MAX_EXT headers; one more marks IPV6_EXT_DEPTH.
 *         The walk keeps nothing per header, so the cap only refuses absurd chains; it is
 *         high enough for the 100-header test chain tshark dissects in full.
 *         Options inside hop-by-hop are read only to find a jumbo option; scanning stops,
 *         without a mark, at an option that runs past its header (tshark only warns).
 * Payload length:
 *   - above what was captured: clamped, layer flagged NS_LAYER_CUT, not malformed (normal
 *     in an ICMPv6 error quote, a snaplen otherwise; tshark dissects what is there);
 *   - 0 with a hop-by-hop header: a jumbogram (RFC 2675 section 2); the jumbo option's
 *     length (IPv6 header excluded) bounds the payload;
 *   - 0 otherwise: an empty payload (tshark's ipv6.tso_support is off by default), so the
 *     next header is cut short and the upper dissector marks it.
 * Fragments (RFC 8200 section 4.5): a fragment header with offset > 0 or M set stops
 *   the chain (pkt->next NONE) and gives NS_PKT_FRAGMENT; *c holds the fragment's data
 *   and proto is the fragment header's next header. Unlike IPv4, tshark follows no
 *   IPv6 fragment, even a first one cut by the snaplen or quoted in an ICMPv6 error;
 *   netscope does the same (a quote never sets NS_PKT_FRAGMENT, and the core must not
 *   reassemble a layer flagged NS_LAYER_CUT). An atomic fragment (offset 0, M 0,
 *   RFC 6946 section 4) is a whole datagram: the chain goes on.
 * ns_ipv6_ext_dissect continues a chain over a reassembled datagram whose first header is
 *   an extension header (it follows the fragment header): it updates the last IP layer
 *   when that is IPv6 (proto, ext, frag fields) and pushes nothing.
 * Marks:  IPV6_VERSION (nibble not 6), IPV6_SHORT (fewer than 40 bytes), IPV6_EXT_SHORT
 *         (an extension header cut by the capture or by the payload length),
 *         IPV6_EXT_DEPTH, IPV6_JUMBO (RFC 2675 section 3: a jumbo option with a non-zero
 *         payload length, an option length other than 4, a jumbo length below 65536, a
 *         jumbo option in a hop-by-hop header that is not right after the IPv6 header, a
 *         jumbogram with a fragment header, or a payload length of 0 with hop-by-hop
 *         options but no jumbo option).
 * Never:  allocates, prints, reads past the cursor. */
#include "dissect.h"

#include <string.h>

#define IPV6_HDR_LEN 40

#define IPPROTO_HOPOPTS  0
#define IPPROTO_ROUTING  43
#define IPPROTO_FRAGMENT 44
#define IPPROTO_AH       51
#define IPPROTO_NONE     59
#define IPPROTO_DSTOPTS  60

#define IP6OPT_PAD1  0x00
#define IP6OPT_JUMBO 0xc2
#define IPV6_MAXPACKET 65535

struct ipv6_walk {
    struct ns_layer *l;
    int jumbo_ok;               /* a jumbo option may appear (first hop-by-hop, plen 0) */
    int jumbo_seen;
    size_t walked;              /* extension header bytes so far */
};

/* RFC 8200 section 4.2: options are Pad1 (one byte) or type, length, data. Returns 0 when
 * a jumbo option breaks a rule of RFC 2675 section 3. */
static int ipv6_hop_options(struct ns_cur opts, struct ipv6_walk *w)
{
    while (opts.len > 0) {
        uint8_t type = ns_cur_u8(&opts);
        if (type == IP6OPT_PAD1)
            continue;
        uint8_t len = ns_cur_u8(&opts);
        struct ns_cur data = ns_cur_sub(&opts, len);
        if (opts.short_read || data.len < len)
            return 1;           /* runs past the header: stop looking */
        if (type != IP6OPT_JUMBO)
            continue;
        if (!w->jumbo_ok || len != 4)
            return 0;
        w->l->u.ipv6.jumbo_len = ns_cur_be32(&data);
        w->jumbo_seen = 1;
    }
    return 1;
}

static size_t ipv6_ext_len(uint8_t nxt, const struct ns_cur *c)
{
    if (nxt == IPPROTO_FRAGMENT)
        return 8;
    if (nxt == IPPROTO_AH)
        return ((size_t)ns_cur_peek(c, 1) + 2) * 4;
    return ((size_t)ns_cur_peek(c, 1) + 1) * 8;
}

/* Walks the chain from nxt over *c, which ends where the payload length says. */
static enum ns_status ipv6_chain(struct ns_cur *c, struct ns_pkt *pkt, struct ipv6_walk *w,
                                 uint8_t nxt)
{
    struct ns_layer *l = w->l;
    for (unsigned n = 0;; n++) {
        if (nxt != IPPROTO_HOPOPTS && nxt != IPPROTO_ROUTING && nxt != IPPROTO_FRAGMENT &&
            nxt != IPPROTO_DSTOPTS && nxt != IPPROTO_AH)
            break;
        if (n >= NS_IPV6_MAX_EXT)
            return ns_pkt_mark(pkt, NS_MALFORMED_IPV6_EXT_DEPTH);

        size_t len = ipv6_ext_len(nxt, c);
        struct ns_cur h = ns_cur_sub(c, len);
        if (h.len < len)
            return ns_pkt_mark(pkt, NS_MALFORMED_IPV6_EXT_SHORT);
        uint8_t next = ns_cur_u8(&h);
        (void)ns_cur_u8(&h);
        w->walked += len;

        switch (nxt) {
        case IPPROTO_HOPOPTS:
            l->u.ipv6.ext |= NS_IPV6_EXT_HOP;
            if (!ipv6_hop_options(h, w))
                return ns_pkt_mark(pkt, NS_MALFORMED_IPV6_JUMBO);
            if (w->jumbo_ok) {
                /* RFC 2675 section 2: the jumbo length counts everything after the IPv6
                 * header, this hop-by-hop header included. */
                uint32_t jl = l->u.ipv6.jumbo_len;
                if (!w->jumbo_seen || jl <= IPV6_MAXPACKET)
                    return ns_pkt_mark(pkt, NS_MALFORMED_IPV6_JUMBO);
                struct ns_cur rest = ns_cur_sub(c, jl - len);
                if (rest.len < jl - len)
                    l->flags |= NS_LAYER_CUT;
                *c = rest;
            }
            break;
        case IPPROTO_ROUTING: {
            l->u.ipv6.ext |= NS_IPV6_EXT_ROUTE;
            /* The packet is on its way to the routing header's last address, and the
             * transport pseudo-header uses it (RFC 8200 section 8.1): Wireshark keys the
             * TCP/UDP conversation on it. Type 0 (RFC 2460) lists the addresses in order,
             * type 4 (SRH, RFC 8754) in reverse; type 2 (RFC 6275) holds the home address. */
            uint8_t type = ns_cur_u8(&h), left = ns_cur_u8(&h);
            ns_cur_skip(&h, 4);
            size_t naddr = h.len / 16;
            const uint8_t *a = NULL;
            if ((type == 0 || type == 2) && left > 0 && naddr > 0)
                a = h.p + (naddr - 1) * 16;
            else if (type == 4 && left > 0 && naddr > 0)
                a = h.p;
            if (a != NULL && !h.short_read) {
                memcpy(l->u.ipv6.final_dst, a, 16);
                l->u.ipv6.has_final_dst = 1;
            }
            break;
        }
        case IPPROTO_DSTOPTS:
            l->u.ipv6.ext |= NS_IPV6_EXT_DST;
            break;
        case IPPROTO_AH:
            l->u.ipv6.ext |= NS_IPV6_EXT_AH;
            break;
        case IPPROTO_FRAGMENT: {
            uint16_t offm = ns_cur_be16(&h);
            l->u.ipv6.ext |= NS_IPV6_EXT_FRAG;
            l->u.ipv6.frag_off = offm & 0xfff8;     /* 13 bits of 8-octet units */
            l->u.ipv6.frag_m = offm & 1;
            l->u.ipv6.frag_id = ns_cur_be32(&h);
            if (w->jumbo_seen)
                return ns_pkt_mark(pkt, NS_MALFORMED_IPV6_JUMBO);
            if (l->u.ipv6.frag_off > 0 || l->u.ipv6.frag_m) {
                l->u.ipv6.proto = next;
                if (!pkt->quoted)
                    pkt->flags |= NS_PKT_FRAGMENT;
                pkt->next.kind = NS_NEXT_NONE;
                return NS_STATUS_OK;
            }
            break;
        }
        }
        w->jumbo_ok = 0;
        nxt = next;
    }
    l->u.ipv6.proto = nxt;
    if (nxt == IPPROTO_NONE) {
        pkt->next.kind = NS_NEXT_NONE;
    } else {
        pkt->next.kind = NS_NEXT_IPPROTO;
        pkt->next.val = nxt;
    }
    return NS_STATUS_OK;
}

enum ns_status ns_ipv6_dissect(struct ns_cur *c, struct ns_pkt *pkt)
{
    size_t avail = c->len;
    struct ns_layer *l = ns_pkt_push(pkt, NS_PROTO_IPV6, c->p);
    if (l == NULL)
        return NS_STATUS_MALFORMED;

    uint8_t version = (uint8_t)(ns_cur_peek(c, 0) >> 4);
    uint32_t vtf = ns_cur_be32(c);
    l->u.ipv6.tclass = (uint8_t)(vtf >> 20);
    l->u.ipv6.flow = vtf & 0xfffff;
    l->u.ipv6.plen = ns_cur_be16(c);
    l->u.ipv6.nxt = ns_cur_u8(c);
    l->u.ipv6.hlim = ns_cur_u8(c);
    ns_cur_copy(c, l->u.ipv6.src, 16);
    ns_cur_copy(c, l->u.ipv6.dst, 16);

    if (avail > 0 && version != 6)
        return ns_pkt_mark(pkt, NS_MALFORMED_IPV6_VERSION);
    if (c->short_read)
        return ns_pkt_mark(pkt, NS_MALFORMED_IPV6_SHORT);
    l->hdr_len = IPV6_HDR_LEN;

    struct ipv6_walk w = { l, 0, 0, 0 };
    struct ns_cur pay;
    if (l->u.ipv6.plen == 0 && l->u.ipv6.nxt == IPPROTO_HOPOPTS) {
        pay = ns_cur_sub(c, c->len);    /* bounded by the jumbo option, once read */
        w.jumbo_ok = 1;
    } else {
        pay = ns_cur_sub(c, l->u.ipv6.plen);
        if (pay.len < l->u.ipv6.plen)
            l->flags |= NS_LAYER_CUT;
    }

    enum ns_status st = ipv6_chain(&pay, pkt, &w, l->u.ipv6.nxt);
    size_t hlen = IPV6_HDR_LEN + w.walked;  /* above 65535 only in a jumbogram */
    l->hdr_len = hlen > 0xffff ? 0xffff : (uint16_t)hlen;
    *c = pay;
    return st;
}

enum ns_status ns_ipv6_ext_dissect(struct ns_cur *c, struct ns_pkt *pkt, uint8_t nxt)
{
    struct ns_layer *l = NULL;
    for (unsigned i = pkt->nlayers; i > 0; i--) {
        uint8_t p = pkt->layer[i - 1].proto;
        if (p == NS_PROTO_IPV4 || p == NS_PROTO_IPV6) {
            if (p == NS_PROTO_IPV6)
                l = &pkt->layer[i - 1];
            break;
        }
    }
    pkt->next.kind = NS_NEXT_NONE;
    if (l == NULL)
        return NS_STATUS_OK;    /* not after IPv6: nothing netscope follows */
    struct ipv6_walk w = { l, 0, 0, 0 };
    return ipv6_chain(c, pkt, &w, nxt);
}
