/* dissectors/vlan.c: one IEEE 802.1Q / 802.1ad VLAN tag (the 4 bytes after a TPID).
 * In:     a cursor at the tag control information; tpid is the ethertype that introduced
 *         the tag (0x8100 C-tag, 0x88a8 S-tag, 0x9100 old QinQ).
 * Out:    one VLAN layer per tag (tpid, pcp, dei, id, etype); pkt->next = {ETHERTYPE,
 *         etype}, so a stack of tags (QinQ) is a run of VLAN layers, outermost first.
 *         An etype of 1500 or less is an 802.3 length, as after an Ethernet header: the
 *         payload is clamped to it and LLC follows.
 * Cap:    NS_VLAN_MAX_TAGS tags in one run; the next one marks VLAN_DEPTH (no layer).
 * Marks:  VLAN_SHORT (fewer than 4 bytes), VLAN_DEPTH.
 * Never:  allocates, prints, reads past the cursor. */
#include "dissect.h"

#define VLAN_TAG_LEN 4

/* Tags already in the run that ends at the last layer. */
static unsigned vlan_run(const struct ns_pkt *pkt)
{
    unsigned n = 0;
    for (unsigned i = pkt->nlayers; i > 0 && pkt->layer[i - 1].proto == NS_PROTO_VLAN; i--)
        n++;
    return n;
}

enum ns_status ns_vlan_dissect(struct ns_cur *c, struct ns_pkt *pkt, uint16_t tpid)
{
    if (vlan_run(pkt) >= NS_VLAN_MAX_TAGS)
        return ns_pkt_mark(pkt, NS_MALFORMED_VLAN_DEPTH);

    struct ns_layer *l = ns_pkt_push(pkt, NS_PROTO_VLAN, c->p);
    if (l == NULL)
        return NS_STATUS_MALFORMED;

    /* IEEE 802.1Q-2018 clause 9.6: PCP (3 bits), DEI (1 bit), VID (12 bits). */
    uint16_t tci = ns_cur_be16(c);
    l->u.vlan.tpid = tpid;
    l->u.vlan.pcp = (uint8_t)(tci >> 13);
    l->u.vlan.dei = (uint8_t)(tci >> 12 & 1);
    l->u.vlan.id = tci & 0x0fff;
    l->u.vlan.etype = ns_cur_be16(c);
    if (c->short_read)
        return ns_pkt_mark(pkt, NS_MALFORMED_VLAN_SHORT);
    l->hdr_len = VLAN_TAG_LEN;

    uint16_t etype = l->u.vlan.etype;
    if (etype <= 1500) {
        struct ns_cur pay = ns_cur_sub(c, etype);
        if (pay.len < etype)
            l->flags |= NS_LAYER_CUT;
        *c = pay;
    } else if (etype < 0x0600) {
        pkt->next.kind = NS_NEXT_NONE;  /* neither a length nor an ethertype */
        return NS_STATUS_OK;
    }
    pkt->next.kind = NS_NEXT_ETHERTYPE;
    pkt->next.val = etype;
    return NS_STATUS_OK;
}
