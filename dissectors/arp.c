/* dissectors/arp.c: ARP / RARP packet (RFC 826, "Packet format"; RFC 903 for RARP).
 * In:     a cursor at the hardware type (ethertype 0x0806 or 0x8035 payload).
 * Out:    one ARP layer: htype, ptype, hlen, plen, op, and sha/spa/tha/tpa pointing into
 *         the frame, hlen and plen bytes long. Nothing follows (pkt->next NONE); bytes
 *         after tpa are Ethernet padding or trailer.
 * Lengths: RFC 826 makes hlen and plen plain byte counts, so any value is well formed
 *         and is not marked: tcpdump-arp-too-long-tha.pcap has hlen 14 and tshark shows
 *         four 14- and 4-byte addresses. Nothing assumes 6 and 4: the addresses are
 *         pointers checked against the capture, and a reader must use hlen/plen.
 * Marks:  ARP_SHORT (the 8 fixed bytes or the four addresses cut).
 * Never:  allocates, prints, reads past the cursor. */
#include "dissect.h"

enum ns_status ns_arp_dissect(struct ns_cur *c, struct ns_pkt *pkt)
{
    struct ns_layer *l = ns_pkt_push(pkt, NS_PROTO_ARP, c->p);
    if (l == NULL)
        return NS_STATUS_MALFORMED;

    l->u.arp.htype = ns_cur_be16(c);
    l->u.arp.ptype = ns_cur_be16(c);
    l->u.arp.hlen = ns_cur_u8(c);
    l->u.arp.plen = ns_cur_u8(c);
    l->u.arp.op = ns_cur_be16(c);
    if (c->short_read)
        return ns_pkt_mark(pkt, NS_MALFORMED_ARP_SHORT);

    l->u.arp.sha = ns_cur_take(c, l->u.arp.hlen);
    l->u.arp.spa = ns_cur_take(c, l->u.arp.plen);
    l->u.arp.tha = ns_cur_take(c, l->u.arp.hlen);
    l->u.arp.tpa = ns_cur_take(c, l->u.arp.plen);
    if (c->short_read)
        return ns_pkt_mark(pkt, NS_MALFORMED_ARP_SHORT);
    l->hdr_len = (uint16_t)(8 + 2 * (l->u.arp.hlen + l->u.arp.plen));

    pkt->next.kind = NS_NEXT_NONE;
    return NS_STATUS_OK;
}
