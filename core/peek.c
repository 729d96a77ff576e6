#include "peek.h"

#include "../dissectors/cursor.h"
#include "../dissectors/dissect.h"

/* The dissectors' ethertypes (dissectors/dissect.c) that this reader follows. */
#define ETHERTYPE_IPV4     0x0800
#define ETHERTYPE_IPV6     0x86dd
#define ETHERTYPE_VLAN     0x8100
#define ETHERTYPE_QINQ     0x88a8
#define ETHERTYPE_QINQ_OLD 0x9100

/* The transport header's ports, when a whole TCP (20 bytes) or UDP (8 bytes) header is
 * inside what IP carries: with less, the dissector reads poisoned ports or none. */
static bool ports(struct ns_cur *pay, uint8_t proto, uint16_t *sport, uint16_t *dport)
{
    if ((proto != 6 && proto != 17) || pay->len < (proto == 6 ? 20u : 8u))
        return false;
    *sport = ns_cur_be16(pay);
    *dport = ns_cur_be16(pay);
    return !pay->short_read;
}

bool ns_peek_flow_key(const struct ns_rec *rec, bool vlan_in_key, struct ns_flow_key *k)
{
    if (rec->kind != NS_REC_PACKET || rec->linktype != NS_LINKTYPE_ETHERNET)
        return false;
    struct ns_cur c = ns_cur_make(rec->data, rec->caplen);
    ns_cur_skip(&c, 12);
    uint16_t type = ns_cur_be16(&c);
    uint16_t vlan[2] = { 0, 0 };
    unsigned tags = 0;
    while (type == ETHERTYPE_VLAN || type == ETHERTYPE_QINQ || type == ETHERTYPE_QINQ_OLD) {
        if (tags == NS_VLAN_MAX_TAGS)
            return false;       /* the dissector marks VLAN_DEPTH and stops */
        uint16_t tci = ns_cur_be16(&c);
        if (tags < 2)
            vlan[tags] = tci & 0x0fff;
        tags++;
        type = ns_cur_be16(&c);
    }
    if (c.short_read)
        return false;
    uint8_t af, proto, src[16], dst[16];
    struct ns_cur pay;
    if (type == ETHERTYPE_IPV4) {
        size_t avail = c.len;
        const uint8_t *h = ns_cur_take(&c, 20);
        /* the nibble picks the dissector after 0x0800; IHL below 5 is refused there */
        uint8_t vihl = h != NULL ? ns_at_u8(h, 0) : 0;
        if (vihl >> 4 != 4 || (vihl & 0x0f) < 5)
            return false;
        size_t hlen = (size_t)(vihl & 0x0f) * 4;
        size_t total = ns_at_be16(h, 2);
        if (total == 0)         /* TSO: the captured length stands in, as the dissector does */
            total = avail > 0xffff ? 0xffff : avail;
        uint16_t frag = ns_at_be16(h, 6);
        if (total < hlen || (frag & 0x3fff) != 0 || avail < hlen)
            return false;       /* malformed, or a fragment: reassembly decides */
        ns_cur_skip(&c, hlen - 20);
        pay = ns_cur_sub(&c, total - hlen);
        af = 4;
        proto = ns_at_u8(h, 9);
        ns_at_copy(h, 12, src, 4);
        ns_at_copy(h, 16, dst, 4);
    } else if (type == ETHERTYPE_IPV6) {
        const uint8_t *h = ns_cur_take(&c, 40);
        /* extension headers (routing's final address, fragments, jumbograms) are left
         * to the dissector */
        if (h == NULL || ns_at_u8(h, 0) >> 4 != 6)
            return false;
        pay = ns_cur_sub(&c, ns_at_be16(h, 4));
        af = 6;
        proto = ns_at_u8(h, 6);
        ns_at_copy(h, 8, src, 16);
        ns_at_copy(h, 24, dst, 16);
    } else {
        return false;
    }
    uint16_t sport, dport;
    if (!ports(&pay, proto, &sport, &dport))
        return false;
    bool swapped;
    ns_flow_key_make(k, af, proto, src, sport, dst, dport, &swapped);
    if (vlan_in_key) {
        k->vlan[0] = vlan[0];
        k->vlan[1] = vlan[1];
    }
    return true;
}
