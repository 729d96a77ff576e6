/* dissectors/mpls.c: one MPLS label stack entry (RFC 3032, section 2.1).
 * In:     a cursor at a 4-byte label stack entry.
 * Out:    one MPLS layer per entry (label, tc, bos, ttl). Below the bottom of the stack
 *         the payload has no type field; like tshark, netscope looks at the first nibble
 *         (RFC 3032 section 2.2 leaves the choice to the label's binding): 4 or 6 gives
 *         pkt->next = {IP}, anything else (a pseudowire control word, Ethernet over MPLS)
 *         stops dissection. Not the bottom: pkt->next = {ETHERTYPE, 0x8847} for the next
 *         entry.
 * Cap:    NS_MPLS_MAX_LABELS entries in one stack; the next one marks MPLS_DEPTH.
 * Marks:  MPLS_SHORT (fewer than 4 bytes), MPLS_DEPTH.
 * Never:  allocates, prints, reads past the cursor. */
#include "dissect.h"

#define MPLS_ENTRY_LEN 4
#define ETHERTYPE_MPLS 0x8847

static unsigned mpls_run(const struct ns_pkt *pkt)
{
    unsigned n = 0;
    for (unsigned i = pkt->nlayers; i > 0 && pkt->layer[i - 1].proto == NS_PROTO_MPLS; i--)
        n++;
    return n;
}

enum ns_status ns_mpls_dissect(struct ns_cur *c, struct ns_pkt *pkt)
{
    if (mpls_run(pkt) >= NS_MPLS_MAX_LABELS)
        return ns_pkt_mark(pkt, NS_MALFORMED_MPLS_DEPTH);

    struct ns_layer *l = ns_pkt_push(pkt, NS_PROTO_MPLS, c->p);
    if (l == NULL)
        return NS_STATUS_MALFORMED;

    /* Label (20 bits), Traffic Class (3, RFC 5462), Bottom of Stack (1), TTL (8). */
    uint32_t e = ns_cur_be32(c);
    if (c->short_read)
        return ns_pkt_mark(pkt, NS_MALFORMED_MPLS_SHORT);
    l->hdr_len = MPLS_ENTRY_LEN;
    l->u.mpls.label = e >> 12;
    l->u.mpls.tc = (uint8_t)(e >> 9 & 7);
    l->u.mpls.bos = (uint8_t)(e >> 8 & 1);
    l->u.mpls.ttl = (uint8_t)(e & 0xff);

    if (!l->u.mpls.bos) {
        pkt->next.kind = NS_NEXT_ETHERTYPE;
        pkt->next.val = ETHERTYPE_MPLS;
        return NS_STATUS_OK;
    }
    uint8_t version = (uint8_t)(ns_cur_peek(c, 0) >> 4);
    if (c->len > 0 && (version == 4 || version == 6))
        pkt->next.kind = NS_NEXT_IP;
    else
        pkt->next.kind = NS_NEXT_NONE;
    return NS_STATUS_OK;
}
