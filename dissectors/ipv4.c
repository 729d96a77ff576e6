/* dissectors/ipv4.c: IPv4 header (RFC 791, section 3.1).
 * In:     a cursor at the version/IHL byte.
 * Out:    one IPV4 layer: src, dst, ihl (in 32-bit words, as on the wire), tos, ttl,
 *         proto, total_len, id, df, mf, frag_off (in bytes), checksum; hdr_len = ihl * 4.
 *         *c is left at the payload, clamped to total_len - ihl * 4 (this trims Ethernet
 *         padding) and to what was captured. pkt->next = {IPPROTO, proto}.
 * Lengths:
 *   - total_len 0: TCP segmentation offload (the capture was taken before the NIC split
 *     the segment). The captured length is used instead, stored in total_len, and the
 *     packet gets NS_PKT_IPV4_TSO (tshark's ip.tso_support, on by default).
 *   - total_len above what was captured (a snaplen, or a frame shorter than the header
 *     says): not malformed. tshark reports an expert error but dissects what is there
 *     (tcpdump-ipv4_invalid_total_length.pcap: UDP and DNS are shown), so the payload is
 *     clamped and the layer flagged NS_LAYER_CUT. In an ICMP error (pkt->quoted) this is
 *     the normal case: the quote holds the header and the first bytes of the datagram.
 * Fragments (MF set or offset above 0), RFC 791 section 2.3, as tshark with reassembly
 *   on (checked on hand-made captures):
 *   - data all captured: the packet gets NS_PKT_FRAGMENT and dissection stops (pkt->next
 *     NONE); the core reassembles and calls ns_dissect_next() with the datagram. The
 *     fragment's data is the clamped *c, from hdr + hdr_len;
 *   - data cut (the layer has NS_LAYER_CUT): it can never be reassembled, so a first
 *     fragment (offset 0) is dissected as far as it goes, as an unfragmented datagram,
 *     and a later one stops with NS_PKT_FRAGMENT (the core must not reassemble a layer
 *     flagged NS_LAYER_CUT);
 *   - in an ICMP error (pkt->quoted) the same, but never NS_PKT_FRAGMENT: a quote is
 *     not traffic. The usual quote (header + 8 bytes) is cut, so a quoted first fragment
 *     shows its ports; a quoted fragment that is whole is not followed, as in tshark
 *     (which even feeds it to reassembly).
 * Marks, in the order checked: IPV4_VERSION (version nibble not 4), IPV4_SHORT (fixed
 *   header cut), IPV4_IHL (IHL below 5), IPV4_SHORT (options cut), IPV4_TOTLEN (total
 *   length below the header length, and not 0): each returns MALFORMED. So a header cut
 *   anywhere is IPV4_SHORT whatever its fields say. hdr_len stays 0 until the header is
 *   accepted: a layer with hdr_len 0 holds only what was read before the fault, and
 *   tshark shows no addresses for it either (its version/IHL/length checks come first).
 *   IPV4_OPT (an option length below 2 or past the header) is a soft mark: recorded in
 *   pkt->malformed if nothing was, status OK, dissection goes on, as tshark only warns
 *   and dissects the payload (which IHL locates, not the options).
 * Never:  allocates, prints, reads past the cursor. */
#include "dissect.h"

#define IPV4_MIN_HDR 20

#define IPOPT_EOL 0
#define IPOPT_NOP 1

/* RFC 791 section 3.1, "Options": an option is a single octet (EOL, NOP) or type, length
 * (counting type and length, so at least 2), data. EOL ends the list; what follows it up
 * to the header length is padding. */
static int ipv4_options_ok(struct ns_cur opts)
{
    while (opts.len > 0) {
        uint8_t type = ns_cur_u8(&opts);
        if (type == IPOPT_EOL)
            return 1;
        if (type == IPOPT_NOP)
            continue;
        if (opts.len < 1)
            return 0;
        uint8_t len = ns_cur_u8(&opts);
        if (len < 2 || (size_t)len - 2 > opts.len)
            return 0;
        ns_cur_skip(&opts, (size_t)len - 2);
    }
    return 1;
}

enum ns_status ns_ipv4_dissect(struct ns_cur *c, struct ns_pkt *pkt)
{
    size_t avail = c->len;              /* captured bytes from the header on */
    struct ns_layer *l = ns_pkt_push(pkt, NS_PROTO_IPV4, c->p);
    if (l == NULL)
        return NS_STATUS_MALFORMED;

    uint8_t vihl;
    uint16_t frag;
    const uint8_t *h = c->len >= IPV4_MIN_HDR ? ns_cur_take(c, IPV4_MIN_HDR) : NULL;
    if (h != NULL) {
        /* the usual case, the fixed header whole: one length check, not eleven */
        vihl = ns_at_u8(h, 0);
        l->u.ipv4.tos = ns_at_u8(h, 1);
        l->u.ipv4.total_len = ns_at_be16(h, 2);
        l->u.ipv4.id = ns_at_be16(h, 4);
        frag = ns_at_be16(h, 6);
        l->u.ipv4.ttl = ns_at_u8(h, 8);
        l->u.ipv4.proto = ns_at_u8(h, 9);
        l->u.ipv4.checksum = ns_at_be16(h, 10);
        ns_at_copy(h, 12, l->u.ipv4.src, 4);
        ns_at_copy(h, 16, l->u.ipv4.dst, 4);
    } else {
        vihl = ns_cur_u8(c);
        l->u.ipv4.tos = ns_cur_u8(c);
        l->u.ipv4.total_len = ns_cur_be16(c);
        l->u.ipv4.id = ns_cur_be16(c);
        frag = ns_cur_be16(c);
        l->u.ipv4.ttl = ns_cur_u8(c);
        l->u.ipv4.proto = ns_cur_u8(c);
        l->u.ipv4.checksum = ns_cur_be16(c);
        ns_cur_copy(c, l->u.ipv4.src, 4);
        ns_cur_copy(c, l->u.ipv4.dst, 4);
    }
    l->u.ipv4.ihl = vihl & 0x0f;
    l->u.ipv4.df = (uint8_t)(frag >> 14 & 1);
    l->u.ipv4.mf = (uint8_t)(frag >> 13 & 1);
    l->u.ipv4.frag_off = (uint16_t)((frag & 0x1fff) * 8);

    if (avail > 0 && vihl >> 4 != 4)
        return ns_pkt_mark(pkt, NS_MALFORMED_IPV4_VERSION);
    if (c->short_read)
        return ns_pkt_mark(pkt, NS_MALFORMED_IPV4_SHORT);
    if (l->u.ipv4.ihl < 5)
        return ns_pkt_mark(pkt, NS_MALFORMED_IPV4_IHL);

    size_t hlen = (size_t)l->u.ipv4.ihl * 4;
    struct ns_cur opts = ns_cur_sub(c, hlen - IPV4_MIN_HDR);
    if (opts.len < hlen - IPV4_MIN_HDR)
        return ns_pkt_mark(pkt, NS_MALFORMED_IPV4_SHORT);

    if (l->u.ipv4.total_len == 0) {
        l->u.ipv4.total_len = avail > 0xffff ? 0xffff : (uint16_t)avail;
        pkt->flags |= NS_PKT_IPV4_TSO;
    }
    if (l->u.ipv4.total_len < hlen)
        return ns_pkt_mark(pkt, NS_MALFORMED_IPV4_TOTLEN);
    l->hdr_len = (uint16_t)hlen;
    /* The payload starts where IHL says, whatever the options hold, so a bad option
     * is recorded (a soft mark) and dissection goes on, as tshark does. */
    if (!ipv4_options_ok(opts) && pkt->malformed == NS_MALFORMED_NONE)
        pkt->malformed = NS_MALFORMED_IPV4_OPT;

    size_t want = (size_t)l->u.ipv4.total_len - hlen;
    *c = ns_cur_sub(c, want);
    if (c->len < want)
        l->flags |= NS_LAYER_CUT;

    /* A fragment whose data was all captured goes to reassembly; only a first fragment
     * cut short is dissected as far as it goes (it can never be reassembled). */
    if ((l->u.ipv4.mf || l->u.ipv4.frag_off > 0) &&
        (c->len == want || l->u.ipv4.frag_off > 0)) {
        if (!pkt->quoted)
            pkt->flags |= NS_PKT_FRAGMENT;
        pkt->next.kind = NS_NEXT_NONE;
        return NS_STATUS_OK;
    }
    pkt->next.kind = NS_NEXT_IPPROTO;
    pkt->next.val = l->u.ipv4.proto;
    return NS_STATUS_OK;
}
