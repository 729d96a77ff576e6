/* dissectors/udp.c: UDP header (RFC 768).
 * In:     a cursor at the source port, already clamped by the IP layer to the IP payload.
 * Out:    one UDP layer (sport, dport, len as on the wire, checksum); hdr_len = 8. *c is
 *         left at the payload, clamped to the UDP length, and pkt->next = {UDP_DATA}.
 * Lengths, as tshark 4.0 handles them (its expert info in quotes):
 *   - below 8: "Bad length value < 8". tshark stops; so does netscope: UDP_LEN, MALFORMED.
 *     Exception, RFC 2675 section 4: 0 over IPv6 means "use the IP payload length"
 *     (UDP jumbograms); tshark does so for any IPv6 datagram ("Length is zero but payload
 *     < 65536" when it is not a jumbogram), so netscope does too and, for a payload below
 *     65536, records UDP_LEN softly (below).
 *   - above the IP payload: "Bad length value > IP payload length". tshark still dissects
 *     the payload it has (a DNS query there keeps its names), so netscope records UDP_LEN
 *     in pkt->malformed but returns OK with the payload = the rest of the IP payload
 *     (a "soft" mark: the fault is counted, the fields tshark prints are still produced).
 *   - above what was captured but within the IP payload: a snaplen, not a fault; the
 *     layer is flagged NS_LAYER_CUT.
 *   The IP payload length comes from the IP layer just before (IPv4 total length minus
 *   its header; IPv6 payload or jumbo length minus the extension headers); with no IP
 *   layer before, or a cursor longer than that (a reassembled datagram), the cursor
 *   length is used.
 * Quoted (inside an ICMP/ICMPv6 error, pkt->quoted): tshark shows what the quote holds and
 *   marks nothing (ndpi-iphone.pcap frames 193..: 8 bytes of UDP quoted, length 187), so a
 *   cut quoted header keeps the fields read, gets NS_LAYER_CUT and returns OK with no
 *   pkt->next; a whole one hands on its captured payload (tshark dissects DNS in a quote).
 * Marks:  UDP_SHORT (fewer than 8 bytes), UDP_LEN (hard below 8, soft above; see above).
 * Never:  allocates, prints, reads past the cursor. */
#include "dissect.h"

#define UDP_HDR_LEN 8
#define UDP_JUMBO_MIN 65536u

enum ns_status ns_udp_dissect(struct ns_cur *c, struct ns_pkt *pkt)
{
    int ipv;
    size_t claim = ns_pkt_ip_claim(pkt, &ipv);
    size_t avail = c->len;
    if (ipv == 0 || claim < avail)
        claim = avail;

    struct ns_layer *l = ns_pkt_push(pkt, NS_PROTO_UDP, c->p);
    if (l == NULL)
        return NS_STATUS_MALFORMED;
    int quoted = (l->flags & NS_LAYER_QUOTED) != 0;

    l->u.udp.sport = ns_cur_be16(c);
    l->u.udp.dport = ns_cur_be16(c);
    l->u.udp.len = ns_cur_be16(c);
    l->u.udp.checksum = ns_cur_be16(c);
    if (c->short_read) {
        l->hdr_len = (uint16_t)avail;
        l->flags |= NS_LAYER_CUT;
        if (quoted)
            return NS_STATUS_OK;
        return ns_pkt_mark(pkt, NS_MALFORMED_UDP_SHORT);
    }
    l->hdr_len = UDP_HDR_LEN;

    size_t ulen = l->u.udp.len;
    if (ulen == 0 && ipv == 6) {
        ulen = claim;                       /* RFC 2675 section 4 */
        if (claim < UDP_JUMBO_MIN && !quoted)
            ns_pkt_soft_mark(pkt, NS_MALFORMED_UDP_LEN);
    }
    if (ulen < UDP_HDR_LEN)
        return ns_pkt_mark(pkt, NS_MALFORMED_UDP_LEN);

    size_t want = ulen - UDP_HDR_LEN;
    if (!quoted && ulen > claim) {
        ns_pkt_soft_mark(pkt, NS_MALFORMED_UDP_LEN);
        want = claim - UDP_HDR_LEN;         /* what the IP datagram holds */
    }
    *c = ns_cur_sub(c, want);
    if (c->len < want)
        l->flags |= NS_LAYER_CUT;
    pkt->next.kind = NS_NEXT_UDP_DATA;
    pkt->next.val = 0;
    return NS_STATUS_OK;
}
