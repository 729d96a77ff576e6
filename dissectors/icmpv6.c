/* dissectors/icmpv6.c: ICMPv6 (RFC 4443).
 * In:     a cursor at the type byte, clamped by the IPv6 layer to the ICMPv6 message.
 * Out:    one ICMPV6 layer (the icmp member): type, code, checksum (not verified), and
 *         id/seq for echo request/reply (128/129, RFC 4443 section 4); hdr_len = 8 for
 *         those and for errors, 4 otherwise (NDP, MLD, RPL ... bodies are not read).
 *         *c is left after the header.
 * Errors: destination unreachable (1), packet too big (2), time exceeded (3) and parameter
 *         problem (4) carry 4 more bytes (unused, MTU, pointer) and then "as much of the
 *         invoking packet as possible" (RFC 4443 section 3). netscope sets pkt->quoted = 1
 *         and pkt->next = {IP}, so the quoted IPv6 and transport headers are dissected with
 *         NS_LAYER_QUOTED, as tshark shows them. Nothing after the 8 bytes, or an error
 *         already inside a quote, ends the chain. The RFC 4884 length is not interpreted.
 * Marks:  ICMPV6_SHORT (fewer than 4 bytes, or an echo or error header of fewer than 8).
 *         Inside a quote a cut header keeps what was read, gets NS_LAYER_CUT, returns OK.
 * Never:  allocates, prints, reads past the cursor. */
#include "dissect.h"

#define ICMPV6_ECHO_REQUEST 128
#define ICMPV6_ECHO_REPLY   129

static enum ns_status icmpv6_cut(struct ns_layer *l, struct ns_pkt *pkt, size_t have)
{
    l->hdr_len = (uint16_t)have;
    l->flags |= NS_LAYER_CUT;
    if (l->flags & NS_LAYER_QUOTED)
        return NS_STATUS_OK;
    return ns_pkt_mark(pkt, NS_MALFORMED_ICMPV6_SHORT);
}

enum ns_status ns_icmpv6_dissect(struct ns_cur *c, struct ns_pkt *pkt)
{
    size_t avail = c->len;
    struct ns_layer *l = ns_pkt_push(pkt, NS_PROTO_ICMPV6, c->p);
    if (l == NULL)
        return NS_STATUS_MALFORMED;

    l->u.icmp.type = ns_cur_u8(c);
    l->u.icmp.code = ns_cur_u8(c);
    l->u.icmp.checksum = ns_cur_be16(c);
    if (c->short_read)
        return icmpv6_cut(l, pkt, avail);
    l->hdr_len = 4;

    uint8_t type = l->u.icmp.type;
    if (type == ICMPV6_ECHO_REQUEST || type == ICMPV6_ECHO_REPLY) {
        l->u.icmp.id = ns_cur_be16(c);
        l->u.icmp.seq = ns_cur_be16(c);
        if (c->short_read)
            return icmpv6_cut(l, pkt, avail);
        l->hdr_len = 8;
        return NS_STATUS_OK;
    }
    if (type >= 1 && type <= 4) {
        ns_cur_skip(c, 4);
        if (c->short_read)
            return icmpv6_cut(l, pkt, avail);
        l->hdr_len = 8;
        if (pkt->quoted || c->len == 0)
            return NS_STATUS_OK;
        pkt->quoted = 1;
        pkt->next.kind = NS_NEXT_IP;
        pkt->next.val = 0;
    }
    return NS_STATUS_OK;
}
