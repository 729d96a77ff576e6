/* dissectors/eth.c: Ethernet II / IEEE 802.3 header and the 802.2 LLC header after it.
 * In:     a cursor at the destination MAC (or at the LLC header for ns_llc_dissect).
 * Out:    one ETH layer (dst, src, type); *c at the payload. A type/length field of 1500
 *         or less is an 802.3 length (IEEE 802.3 clause 3.2.6): the payload is clamped to
 *         it, which drops the padding of short frames, and pkt->next asks for LLC
 *         ({ETHERTYPE, length}); above 1535 it is an ethertype and pkt->next carries it;
 *         1501..1535 is neither, so dissection stops there (not malformed: tshark shows the
 *         frame as Ethernet with an invalid type and no more).
 *         ns_llc_dissect adds one LLC layer (DSAP, SSAP, control) and stops: netscope
 *         recognises 802.2 but follows nothing behind it (SNAP, STP, CDP ...).
 * Marks:  ETH_SHORT (fewer than 14 bytes), LLC_SHORT (fewer than 3, or 4 for an I/S frame).
 * Never:  allocates, prints, reads past the cursor. */
#include "dissect.h"

#define ETH_HDR_LEN     14
#define ETH_MAX_LENGTH  1500    /* largest 802.3 length value */
#define ETH_MIN_TYPE    0x0600  /* smallest ethertype (IEEE 802.3 clause 3.2.6) */

enum ns_status ns_eth_dissect(struct ns_cur *c, struct ns_pkt *pkt)
{
    struct ns_layer *l = ns_pkt_push(pkt, NS_PROTO_ETH, c->p);
    if (l == NULL)
        return NS_STATUS_MALFORMED;

    const uint8_t *h = c->len >= ETH_HDR_LEN ? ns_cur_take(c, ETH_HDR_LEN) : NULL;
    if (h != NULL) {
        ns_at_copy(h, 0, l->u.eth.dst, 6);
        ns_at_copy(h, 6, l->u.eth.src, 6);
        l->u.eth.type = ns_at_be16(h, 12);
    } else {
        ns_cur_copy(c, l->u.eth.dst, 6);
        ns_cur_copy(c, l->u.eth.src, 6);
        l->u.eth.type = ns_cur_be16(c);
    }
    if (c->short_read)
        return ns_pkt_mark(pkt, NS_MALFORMED_ETH_SHORT);
    l->hdr_len = ETH_HDR_LEN;

    uint16_t type = l->u.eth.type;
    if (type <= ETH_MAX_LENGTH) {
        /* 802.3 length: the LLC PDU is exactly this long; anything after it is padding
         * (or an FCS) and is not part of the payload. */
        struct ns_cur pay = ns_cur_sub(c, type);
        if (pay.len < type)
            l->flags |= NS_LAYER_CUT;
        *c = pay;
        pkt->next.kind = NS_NEXT_ETHERTYPE;
        pkt->next.val = type;
        return NS_STATUS_OK;
    }
    if (type < ETH_MIN_TYPE) {
        pkt->next.kind = NS_NEXT_NONE;
        return NS_STATUS_OK;
    }
    pkt->next.kind = NS_NEXT_ETHERTYPE;
    pkt->next.val = type;
    return NS_STATUS_OK;
}

enum ns_status ns_llc_dissect(struct ns_cur *c, struct ns_pkt *pkt)
{
    struct ns_layer *l = ns_pkt_push(pkt, NS_PROTO_LLC, c->p);
    if (l == NULL)
        return NS_STATUS_MALFORMED;

    l->u.llc.dsap = ns_cur_u8(c);
    l->u.llc.ssap = ns_cur_u8(c);
    l->u.llc.ctrl = ns_cur_u8(c);
    if (c->short_read)
        return ns_pkt_mark(pkt, NS_MALFORMED_LLC_SHORT);
    /* IEEE 802.2 clause 5.2: the control field of an I- or S-format PDU (low two bits
     * other than 11) is two bytes; only U-format PDUs have a one-byte control field.
     * The layer keeps the first byte, which carries the format and the U-format type. */
    if ((l->u.llc.ctrl & 0x03) != 0x03) {
        ns_cur_skip(c, 1);
        if (c->short_read)
            return ns_pkt_mark(pkt, NS_MALFORMED_LLC_SHORT);
        l->hdr_len = 4;
    } else {
        l->hdr_len = 3;
    }
    pkt->next.kind = NS_NEXT_NONE;
    /* RFC 1042: SNAP (DSAP = SSAP = 0xAA, UI) with OUI 00-00-00 carries an ethertype, so
     * IP over 802.3 is followed as tshark follows it. Other OUIs stop here. */
    if (l->u.llc.dsap == 0xaa && l->u.llc.ssap == 0xaa && l->u.llc.ctrl == 0x03 &&
        c->len >= 5 && c->p[0] == 0 && c->p[1] == 0 && c->p[2] == 0) {
        ns_cur_skip(c, 3);
        uint16_t type = ns_cur_be16(c);
        l->hdr_len = 8;
        pkt->next.kind = NS_NEXT_ETHERTYPE;
        pkt->next.val = type;
    }
    return NS_STATUS_OK;
}
