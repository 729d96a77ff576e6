/* dissectors/null.c: BSD loopback headers, NULL (link type 0) and LOOP (link type 108).
 * In:     a cursor at the 4-byte header; loop = 0 for NULL, 1 for LOOP.
 * Out:    one NULL layer (family); *c right after the 4 bytes; pkt->next:
 *           family 2 (AF_INET)            -> {IP}: tshark's "ip" picks v4/v6 by the nibble
 *           24, 28, 30 (BSD, FreeBSD,
 *           Darwin AF_INET6) and 10 (Linux
 *           AF_INET6, which tshark lacks)  -> {ETHERTYPE, 0x86dd}
 *           NULL only: above 1500          -> {ETHERTYPE, low 16 bits}, kept as family
 *           anything else (OSI, IPX ...)   -> stop, not malformed.
 * NULL:   the family is in the byte order of the host that captured (LINKTYPE_NULL). Like
 *         Wireshark's packet-null.c, the 4 bytes are read as a number the way tshark reads
 *         them on a little-endian host, then normalised:
 *           - first bytes FF 03: PPP in HDLC framing, the PPP protocol in bytes 2..3
 *             (the layer keeps the 4 bytes big-endian as family);
 *           - upper 16 bits set: either a 16-bit AF_ value in the upper half (IRIX and
 *             UNICOS/mp snoop: top byte 0, next byte below 6), shifted down, or a value
 *             in the other byte order, byte-swapped;
 *           - upper 16 bits clear, low byte 0 and next byte below 6: the same IRIX header
 *             the other way round, byte-swapped as 16 bits.
 *         A result above 1500 (the 802.3 maximum length) is not an AF_ value: it is an
 *         ethertype, and only its low 16 bits count. Old Linux libpcap wrote loopback
 *         frames that way (2 zero bytes + a big-endian ethertype), and it is the rule that
 *         makes tshark read the odd header 0f 00 08 00 as IPv4: read 0x0008000f, swapped
 *         to 0x0f000800, above 1500, ethertype 0x0800.
 *         (tshark on a big-endian host would read such odd headers differently; netscope
 *         fixes the little-endian reading so results do not depend on the host.)
 * LOOP:   the family is big-endian (OpenBSD) and only looked up in the family list, as
 *         tshark's dissect_loop does.
 * Marks:  NULL_SHORT (fewer than 4 bytes).
 * Never:  allocates, prints, reads past the cursor. */
#include "dissect.h"

#define NULL_HDR_LEN 4
#define IEEE_802_3_MAX_LEN 1500

static uint32_t bswap32(uint32_t v)
{
    return v >> 24 | (v >> 8 & 0xff00) | (v << 8 & 0xff0000) | v << 24;
}

static uint32_t null_normalise(uint32_t h)
{
    if ((h & 0xffff0000u) != 0) {
        if ((h & 0xff000000u) == 0 && (h & 0x00ff0000u) < 0x00060000u)
            return h >> 16;
        return bswap32(h);
    }
    if ((h & 0xffu) == 0 && (h & 0xff00u) < 0x0600u)
        return (h >> 8) & 0xffu;    /* the 16-bit swap of 0x0000AA00 */
    return h;
}

static void null_next(struct ns_pkt *pkt, uint32_t family, int ethertypes)
{
    pkt->next.kind = NS_NEXT_NONE;
    switch (family) {
    case 2:                 /* AF_INET, the same on every BSD and Linux */
        pkt->next.kind = NS_NEXT_IP;
        return;
    case 10:                /* Linux AF_INET6 */
    case 24:                /* NetBSD, OpenBSD, BSD/OS AF_INET6 */
    case 28:                /* FreeBSD, DragonFly AF_INET6 */
    case 30:                /* Darwin AF_INET6 */
        pkt->next.kind = NS_NEXT_ETHERTYPE;
        pkt->next.val = 0x86dd;
        return;
    default:
        /* Only the low 16 bits are an ethertype; at most 1500 they are none. */
        if (ethertypes && family > IEEE_802_3_MAX_LEN && (family & 0xffff) > IEEE_802_3_MAX_LEN) {
            pkt->next.kind = NS_NEXT_ETHERTYPE;
            pkt->next.val = (uint16_t)family;
        }
        return;
    }
}

enum ns_status ns_null_dissect(struct ns_cur *c, struct ns_pkt *pkt, int loop)
{
    struct ns_layer *l = ns_pkt_push(pkt, NS_PROTO_NULL, c->p);
    if (l == NULL)
        return NS_STATUS_MALFORMED;

    uint8_t b0 = ns_cur_peek(c, 0), b1 = ns_cur_peek(c, 1);
    uint32_t be = ns_cur_be32(c);
    if (c->short_read)
        return ns_pkt_mark(pkt, NS_MALFORMED_NULL_SHORT);
    l->hdr_len = NULL_HDR_LEN;

    if (loop) {
        l->u.null.family = be;
        null_next(pkt, be, 0);
        return NS_STATUS_OK;
    }
    if (b0 == 0xff && b1 == 0x03) {
        l->u.null.family = be;
        pkt->next.kind = NS_NEXT_PPP;
        pkt->next.val = (uint16_t)(be & 0xffff);
        return NS_STATUS_OK;
    }
    uint32_t family = null_normalise(bswap32(be));     /* the little-endian reading */
    l->u.null.family = family;
    if (family > IEEE_802_3_MAX_LEN && (family & 0xffff) > IEEE_802_3_MAX_LEN)
        l->u.null.family = family & 0xffff;     /* what tshark shows as null.type */
    null_next(pkt, family, 1);
    return NS_STATUS_OK;
}
