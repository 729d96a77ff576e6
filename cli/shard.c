#include "shard.h"

#include <string.h>

#include "../core/hash.h"
#include "../dissectors/dissect.h"

unsigned ns_shard_pair(uint8_t af, const uint8_t *a, const uint8_t *b, unsigned n)
{
    size_t len = af == 4 ? 4 : 16;
    uint8_t key[33] = { af };
    bool swap = memcmp(a, b, len) > 0;
    memcpy(key + 1, swap ? b : a, len);
    memcpy(key + 17, swap ? a : b, len);
    uint32_t h = ns_hash_bytes(key, sizeof key, 0x6e73u);
    /* multiply-shift instead of a modulo: uniform for any n */
    return (unsigned)(((uint64_t)h * n) >> 32);
}

static bool is_ip(const struct ns_layer *l)
{
    return (l->proto == NS_PROTO_IPV4 || l->proto == NS_PROTO_IPV6) && l->hdr_len != 0;
}

unsigned ns_shard_of(const struct ns_rec *rec, struct ns_pkt *pkt, unsigned n)
{
    if (n <= 1 || rec->kind != NS_REC_PACKET)
        return 0;
    ns_pkt_reset(pkt);
    (void)ns_dissect_frame(rec->data, rec->caplen, rec->linktype, pkt);
    const struct ns_layer *ip = NULL;
    for (unsigned i = 0; i < pkt->nlayers; i++) {
        const struct ns_layer *l = &pkt->layer[i];
        if (!is_ip(l))
            continue;
        if (l->flags & NS_LAYER_QUOTED) {
            ip = l;         /* the first quoted header: the conversation reported on */
            break;
        }
        ip = l;
    }
    if (ip == NULL)
        return 0;
    if (ip->proto == NS_PROTO_IPV4)
        return ns_shard_pair(4, ip->u.ipv4.src, ip->u.ipv4.dst, n);
    return ns_shard_pair(6, ip->u.ipv6.src, ip->u.ipv6.dst, n);
}
