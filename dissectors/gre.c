/* dissectors/gre.c: GRE header, version 0 (RFC 2784 section 2, RFC 2890 section 2, and
 * the routing field of RFC 1701 section 2.1).
 * In:     a cursor at the flags/version word (IP protocol 47).
 * Out:    one GRE layer (flags_ver, proto, key when K is set); hdr_len counts the optional
 *         fields; *c at the payload; pkt->next = {ETHERTYPE, proto}: 0x0800 / 0x86dd give
 *         the tunnel's inner IP layer, 0x6558 (transparent Ethernet bridging) an inner
 *         Ethernet header, other ethertypes what the dispatcher knows of them.
 * Fields: C (0x8000): checksum and reserved1 (4 bytes, RFC 2784 section 2.5);
 *         R (0x4000, RFC 1701): the same 4 bytes, then source route entries after the
 *           sequence number, each address family (2), offset (1), length (1) and length
 *           bytes, ended by one with family 0 and length 0;
 *         K (0x2000): key (4 bytes, RFC 2890 section 2.1); S (0x1000): sequence number
 *           (4 bytes, RFC 2890 section 2.2).
 *         RFC 2784 section 2.3 lets a receiver that implements RFC 1701 accept the other
 *         reserved bits; netscope ignores them.
 * Marks:  GRE_SHORT (header or an optional field cut), GRE_VERSION (version not 0: the
 *         enhanced GRE of PPTP, version 1, is not followed).
 * Never:  allocates, prints, reads past the cursor. */
#include "dissect.h"

#define GRE_C 0x8000
#define GRE_R 0x4000
#define GRE_K 0x2000
#define GRE_S 0x1000
#define GRE_VERSION_MASK 0x0007

enum ns_status ns_gre_dissect(struct ns_cur *c, struct ns_pkt *pkt)
{
    size_t avail = c->len;
    struct ns_layer *l = ns_pkt_push(pkt, NS_PROTO_GRE, c->p);
    if (l == NULL)
        return NS_STATUS_MALFORMED;

    uint16_t fv = ns_cur_be16(c);
    l->u.gre.flags_ver = fv;
    l->u.gre.proto = ns_cur_be16(c);
    if (c->short_read)
        return ns_pkt_mark(pkt, NS_MALFORMED_GRE_SHORT);
    if ((fv & GRE_VERSION_MASK) != 0)
        return ns_pkt_mark(pkt, NS_MALFORMED_GRE_VERSION);

    if (fv & (GRE_C | GRE_R))
        ns_cur_skip(c, 4);
    if (fv & GRE_K)
        l->u.gre.key = ns_cur_be32(c);
    if (fv & GRE_S)
        ns_cur_skip(c, 4);
    if (fv & GRE_R) {
        /* Each entry takes at least 4 bytes of the cursor, so the walk ends. */
        for (;;) {
            uint16_t af = ns_cur_be16(c);
            (void)ns_cur_u8(c);
            uint8_t len = ns_cur_u8(c);
            if (c->short_read || (af == 0 && len == 0))
                break;
            ns_cur_skip(c, len);
        }
    }
    if (c->short_read)
        return ns_pkt_mark(pkt, NS_MALFORMED_GRE_SHORT);
    size_t hlen = avail - c->len;
    l->hdr_len = hlen > 0xffff ? 0xffff : (uint16_t)hlen;

    pkt->next.kind = NS_NEXT_ETHERTYPE;
    pkt->next.val = l->u.gre.proto;
    return NS_STATUS_OK;
}
