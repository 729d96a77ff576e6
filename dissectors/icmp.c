/* dissectors/icmp.c: ICMP for IPv4 (RFC 792).
 * In:     a cursor at the type byte, clamped by the IP layer to the ICMP message.
 * Out:    one ICMP layer: type, code, checksum (not verified, as tshark by default), and
 *         id/seq for the query messages that carry them (echo 0/8, timestamp 13/14,
 *         information 15/16, RFC 950 address mask 17/18); hdr_len = 8 for those and for
 *         errors, 4 otherwise. *c is left after the header.
 * Errors: destination unreachable (3), source quench (4), redirect (5), time exceeded
 *         (11) and parameter problem (12) carry 4 more bytes (unused, next-hop MTU,
 *         gateway, pointer) and then "the internet header + 64 bits of data" of the
 *         datagram that caused them (RFC 792). netscope sets pkt->quoted = 1 and
 *         pkt->next = {IP}: the dispatcher dissects the quoted IP and transport headers
 *         with NS_LAYER_QUOTED, as tshark shows them (ip.src lists both headers, udp.srcport
 *         the quoted one). An error with nothing after its 8 bytes, or an error already
 *         inside a quote, ends the chain (tshark does not follow a quote in a quote).
 *         The RFC 4884 length field (byte 5) and extension structures after the quote are
 *         not interpreted: the quote runs to the end of the message.
 * Marks:  ICMP_SHORT (fewer than 4 bytes, or an echo/timestamp/... or error header of fewer
 *         than 8). Inside a quote a cut header is not a fault: it keeps what was read,
 *         gets NS_LAYER_CUT and returns OK (tshark marks nothing there).
 * Never:  allocates, prints, reads past the cursor. */
#include "dissect.h"

static bool icmp_has_id(uint8_t type)
{
    return type == 0 || type == 8 || (type >= 13 && type <= 18);
}

static bool icmp_is_error(uint8_t type)
{
    return type == 3 || type == 4 || type == 5 || type == 11 || type == 12;
}

static enum ns_status icmp_cut(struct ns_layer *l, struct ns_pkt *pkt, size_t have, uint8_t mark)
{
    l->hdr_len = (uint16_t)have;
    l->flags |= NS_LAYER_CUT;
    if (l->flags & NS_LAYER_QUOTED)
        return NS_STATUS_OK;
    return ns_pkt_mark(pkt, (enum ns_malformed)mark);
}

enum ns_status ns_icmp_common(struct ns_cur *c, struct ns_pkt *pkt, const struct ns_icmp_kind *k)
{
    size_t avail = c->len;
    struct ns_layer *l = ns_pkt_push(pkt, k->proto, c->p);
    if (l == NULL)
        return NS_STATUS_MALFORMED;

    l->u.icmp.type = ns_cur_u8(c);
    l->u.icmp.code = ns_cur_u8(c);
    l->u.icmp.checksum = ns_cur_be16(c);
    if (c->short_read)
        return icmp_cut(l, pkt, avail, k->short_mark);
    l->hdr_len = 4;

    uint8_t type = l->u.icmp.type;
    if (k->has_id(type)) {
        l->u.icmp.id = ns_cur_be16(c);
        l->u.icmp.seq = ns_cur_be16(c);
        if (c->short_read)
            return icmp_cut(l, pkt, avail, k->short_mark);
        l->hdr_len = 8;
        return NS_STATUS_OK;
    }
    if (k->is_error(type)) {
        ns_cur_skip(c, 4);
        if (c->short_read)
            return icmp_cut(l, pkt, avail, k->short_mark);
        l->hdr_len = 8;
        if (pkt->quoted || c->len == 0)
            return NS_STATUS_OK;
        pkt->quoted = 1;
        pkt->next.kind = NS_NEXT_IP;
        pkt->next.val = 0;
    }
    return NS_STATUS_OK;
}

enum ns_status ns_icmp_dissect(struct ns_cur *c, struct ns_pkt *pkt)
{
    static const struct ns_icmp_kind icmp = { NS_PROTO_ICMP, NS_MALFORMED_ICMP_SHORT,
                                              icmp_has_id, icmp_is_error };
    return ns_icmp_common(c, pkt, &icmp);
}
