#include "shard.h"

#include "../dissectors/dissect.h"

void ns_shard_init(struct ns_shard *sh, unsigned n, double share0)
{
    sh->n = n < 1 ? 1 : n;
    if (sh->n == 1) {
        sh->cut0 = UINT32_MAX;
        sh->mul = 0;
        return;
    }
    /* at most half: the rest's range stays >= 2^31, so the product below fits 64 bits */
    double c = share0 * 4294967296.0;
    sh->cut0 = c < 1 ? 1 : c > 2147483648.0 ? 2147483648u : (uint32_t)c;
    /* 48-bit fixed point, rounded down: (h - cut0) * mul >> 48 stays below n - 1 */
    sh->mul = ((uint64_t)(sh->n - 1) << 48) / ((1ull << 32) - sh->cut0);
}


/* The common frame without a full dissection: Ethernet, up to two VLAN tags, then an IPv4
 * or IPv6 header whose payload is TCP or UDP (nothing the dissectors would open further:
 * they know no tunnel over TCP or UDP). Anything else (tunnels, ICMP, extension headers,
 * other link types, odd headers) returns false and takes the full dissection, whose answer
 * for these frames is the same addresses. */
static bool fast_pair(const struct ns_rec *rec, uint8_t *af, const uint8_t **src, const uint8_t **dst)
{
    if (rec->linktype != 1 || rec->caplen < 14)
        return false;
    const uint8_t *p = rec->data, *end = rec->data + rec->caplen;
    size_t off = 12;
    uint16_t type = (uint16_t)(p[off] << 8 | p[off + 1]);
    for (int tags = 0; (type == 0x8100 || type == 0x88a8 || type == 0x9100) && tags < 2; tags++) {
        off += 4;
        if (off + 2 > rec->caplen)
            return false;
        type = (uint16_t)(p[off] << 8 | p[off + 1]);
    }
    const uint8_t *ip = p + off + 2;
    if (type == 0x0800) {
        if (end - ip < 20 || (ip[0] >> 4) != 4 || (ip[0] & 15) < 5 || (ip[9] != 6 && ip[9] != 17))
            return false;
        *af = 4;
        *src = ip + 12;
        *dst = ip + 16;
        return true;
    }
    if (type == 0x86dd) {
        if (end - ip < 40 || (ip[0] >> 4) != 6 || (ip[6] != 6 && ip[6] != 17))
            return false;
        *af = 6;
        *src = ip + 8;
        *dst = ip + 24;
        return true;
    }
    return false;
}

static bool is_ip(const struct ns_layer *l)
{
    return l->proto == NS_PROTO_IPV4 || l->proto == NS_PROTO_IPV6;
}

unsigned ns_shard_of(const struct ns_shard *sh, const struct ns_rec *rec, struct ns_pkt *pkt)
{
    if (sh->n <= 1 || rec->kind != NS_REC_PACKET)
        return 0;
    uint8_t af;
    const uint8_t *src, *dst;
    if (fast_pair(rec, &af, &src, &dst))
        return ns_shard_pair(sh, af, src, dst);
    ns_pkt_reset(pkt);
    (void)ns_dissect_frame(rec->data, rec->caplen, rec->linktype, pkt);
    const struct ns_layer *ip = NULL;
    for (unsigned i = 0; i < pkt->nlayers; i++) {
        const struct ns_layer *l = &pkt->layer[i];
        if (!is_ip(l))
            continue;
        if (l->flags & NS_LAYER_QUOTED) {
            /* the conversation reported on, when its transport header was quoted: flow
             * tracking looks that one up; a quoted header cut shorter keys nothing */
            const struct ns_layer *t = l + 1;
            if (i + 1 < pkt->nlayers && (t->proto == NS_PROTO_TCP || t->proto == NS_PROTO_UDP) &&
                l->hdr_len != 0)
                ip = l;
            break;
        }
        ip = l;
    }
    if (ip == NULL)
        return 0;
    if (ip->proto == NS_PROTO_IPV4)
        return ns_shard_pair(sh, 4, ip->u.ipv4.src, ip->u.ipv4.dst);
    return ns_shard_pair(sh, 6, ip->u.ipv6.src, ip->u.ipv6.dst);
}
