/* dissectors/pppoe.c: PPPoE session stage header (RFC 2516, section 4) and the PPP
 * protocol field behind it (RFC 1661, section 2).
 * In:     a cursor at the VER/TYPE byte of an ethertype 0x8864 payload.
 * Out:    one PPPOE layer (session, len, ppp_proto); *c at the PPP information field,
 *         clamped to the PPPoE length (which counts the PPP protocol field), so Ethernet
 *         padding is not payload; a length above what was captured is clamped and the
 *         layer flagged NS_LAYER_CUT. pkt->next = {PPP, ppp_proto}.
 * Marks:  PPPOE_SHORT (header or PPP protocol field not there, or a length too small
 *         to hold the protocol field), PPPOE_VERSION (VER/TYPE not 1/1, RFC 2516 section 4:
 *         "MUST be set to 0x1").
 * Never:  allocates, prints, reads past the cursor. */
#include "dissect.h"

#define PPPOE_HDR_LEN 6

enum ns_status ns_pppoe_dissect(struct ns_cur *c, struct ns_pkt *pkt)
{
    struct ns_layer *l = ns_pkt_push(pkt, NS_PROTO_PPPOE, c->p);
    if (l == NULL)
        return NS_STATUS_MALFORMED;

    uint8_t ver_type = ns_cur_u8(c);
    (void)ns_cur_u8(c);                 /* code: 0x00 in the session stage */
    l->u.pppoe.session = ns_cur_be16(c);
    l->u.pppoe.len = ns_cur_be16(c);
    if (c->short_read)
        return ns_pkt_mark(pkt, NS_MALFORMED_PPPOE_SHORT);
    if (ver_type != 0x11)
        return ns_pkt_mark(pkt, NS_MALFORMED_PPPOE_VERSION);

    struct ns_cur pay = ns_cur_sub(c, l->u.pppoe.len);
    if (pay.len < l->u.pppoe.len)
        l->flags |= NS_LAYER_CUT;

    /* RFC 1661 section 6.5: with Protocol-Field-Compression the field is one byte; a
     * protocol number's first byte is always even, so an odd first byte is a whole
     * compressed field. */
    uint16_t proto;
    size_t plen = (ns_cur_peek(&pay, 0) & 1) && pay.len > 0 ? 1 : 2;
    if (l->u.pppoe.len < plen)
        return ns_pkt_mark(pkt, NS_MALFORMED_PPPOE_SHORT);
    proto = plen == 1 ? ns_cur_u8(&pay) : ns_cur_be16(&pay);
    if (pay.short_read)
        return ns_pkt_mark(pkt, NS_MALFORMED_PPPOE_SHORT);
    l->u.pppoe.ppp_proto = proto;
    l->hdr_len = (uint16_t)(PPPOE_HDR_LEN + plen);

    *c = pay;
    pkt->next.kind = NS_NEXT_PPP;
    pkt->next.val = proto;
    return NS_STATUS_OK;
}
