/* dissectors/sll.c: Linux "cooked" capture headers, SLL (link type 113, 16 bytes) and
 * SLL2 (link type 276, 20 bytes), as specified at
 * https://www.tcpdump.org/linktypes/LINKTYPE_LINUX_SLL.html and LINKTYPE_LINUX_SLL2.html.
 * In:     a cursor at the first byte of the frame.
 * Out:    one SLL or SLL2 layer (pkttype, hatype, halen, addr[8], proto; ifindex for
 *         SLL2); *c right after the header. The protocol type field is read as the specs
 *         say, depending on the ARPHRD_ type:
 *           ARPHRD_NETLINK (824): a netlink family: stop;
 *           ARPHRD_IPGRE (778):   a GRE protocol type, i.e. an ethertype;
 *           otherwise 0x0004:     802.2 LLC follows ({ETHERTYPE, 4}: at most 1500 means LLC);
 *                     0x0003:     an Ethernet header follows (tshark does the same),
 *                                 dispatched as ethertype 0x6558;
 *                     < 0x0600:   anything else (Novell 802.3, CAN ...): stop;
 *                     otherwise:  an ethertype.
 *         The address is always 8 bytes on the wire; halen says how many are used.
 * Marks:  SLL_SHORT, SLL2_SHORT.
 * Never:  allocates, prints, reads past the cursor. */
#include "dissect.h"

#define SLL_HDR_LEN  16
#define SLL2_HDR_LEN 20

#define ARPHRD_IPGRE   778
#define ARPHRD_NETLINK 824

#define SLL_P_ETHERNET 0x0003
#define SLL_P_802_2    0x0004

#define ETHERTYPE_TEB  0x6558   /* transparent Ethernet bridging: an Ethernet header */

static void sll_next(struct ns_pkt *pkt, uint16_t hatype, uint16_t proto)
{
    pkt->next.kind = NS_NEXT_ETHERTYPE;
    pkt->next.val = proto;
    if (hatype == ARPHRD_NETLINK)
        pkt->next.kind = NS_NEXT_NONE;
    else if (hatype == ARPHRD_IPGRE)
        return;
    else if (proto == SLL_P_ETHERNET)
        pkt->next.val = ETHERTYPE_TEB;
    else if (proto < 0x0600 && proto != SLL_P_802_2)
        pkt->next.kind = NS_NEXT_NONE;
}

enum ns_status ns_sll_dissect(struct ns_cur *c, struct ns_pkt *pkt)
{
    struct ns_layer *l = ns_pkt_push(pkt, NS_PROTO_SLL, c->p);
    if (l == NULL)
        return NS_STATUS_MALFORMED;

    l->u.sll.pkttype = ns_cur_be16(c);
    l->u.sll.hatype = ns_cur_be16(c);
    l->u.sll.halen = ns_cur_be16(c);
    ns_cur_copy(c, l->u.sll.addr, 8);
    l->u.sll.proto = ns_cur_be16(c);
    if (c->short_read)
        return ns_pkt_mark(pkt, NS_MALFORMED_SLL_SHORT);
    l->hdr_len = SLL_HDR_LEN;
    sll_next(pkt, l->u.sll.hatype, l->u.sll.proto);
    return NS_STATUS_OK;
}

enum ns_status ns_sll2_dissect(struct ns_cur *c, struct ns_pkt *pkt)
{
    struct ns_layer *l = ns_pkt_push(pkt, NS_PROTO_SLL2, c->p);
    if (l == NULL)
        return NS_STATUS_MALFORMED;

    l->u.sll.proto = ns_cur_be16(c);
    (void)ns_cur_be16(c);               /* reserved (MBZ) */
    l->u.sll.ifindex = ns_cur_be32(c);
    l->u.sll.hatype = ns_cur_be16(c);
    l->u.sll.pkttype = ns_cur_u8(c);
    l->u.sll.halen = ns_cur_u8(c);
    ns_cur_copy(c, l->u.sll.addr, 8);
    if (c->short_read)
        return ns_pkt_mark(pkt, NS_MALFORMED_SLL2_SHORT);
    l->hdr_len = SLL2_HDR_LEN;
    sll_next(pkt, l->u.sll.hatype, l->u.sll.proto);
    return NS_STATUS_OK;
}
