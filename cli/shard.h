/* cli/shard.h: which worker of --threads N gets a record (docs/threads.md).
 * In:     one record; a scratch struct ns_pkt the caller owns (the reader thread's).
 * Out:    a worker index 0..n-1, the same for both directions of a conversation; worker 0
 *         gets a share of the hash space chosen at init (it runs on the reader's thread,
 *         which also merges: docs/threads.md), the others equal shares of the rest.
 * Key:    the IP address pair (lower address first, so symmetric) of the frame's
 *         innermost unquoted IPv4/IPv6 header, as the dissectors find it (any link type,
 *         VLAN, MPLS, PPPoE, GRE and IP-in-IP tunnels, IPv6 extension headers); for an
 *         ICMP/ICMPv6 error that quotes a TCP/UDP header, the pair of the quoted IP header,
 *         so the error lands where the conversation it reports on lives. Ports are left out on purpose: the
 *         fragments of a datagram and the address-pair table (-z conv,ip) stay on one
 *         worker. Frames without IP go to worker 0.
 * Never:  allocates, keeps state, or reads past the record's captured bytes. */
#ifndef NS_CLI_SHARD_H
#define NS_CLI_SHARD_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "../core/hash.h"
#include "../core/reader.h"
#include "../dissectors/packet.h"

/* How the hash space is cut: worker 0 takes the share cut0 / 2^32, the others equal parts
 * of the rest (a multiply and a shift: no division per frame). */
struct ns_shard {
    unsigned n;
    uint32_t cut0;
    uint64_t mul;
};

/* share0: worker 0's fraction of the hash space (at most 1/2); any n >= 1. */
void ns_shard_init(struct ns_shard *sh, unsigned n, double share0);

unsigned ns_shard_of(const struct ns_shard *sh, const struct ns_rec *rec, struct ns_pkt *scratch);

/* SplitMix64's finaliser: every input bit moves every output bit. */
static inline uint64_t ns_shard_mix64(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

/* The shard of an address pair (af 4 or 6; 4 or 16 bytes each): ns_shard_of's hash, inline
 * for the reading thread's per-record path; tests and the SYN-flood check use it too. */
static inline unsigned ns_shard_pair(const struct ns_shard *sh, uint8_t af, const uint8_t *a, const uint8_t *b)
{
    uint32_t h;
    if (af == 4) {
        /* big-endian words, lower first: the same pair from either side */
        uint32_t x = (uint32_t)a[0] << 24 | (uint32_t)a[1] << 16 | (uint32_t)a[2] << 8 | a[3];
        uint32_t y = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
        uint64_t k = x < y ? (uint64_t)x << 32 | y : (uint64_t)y << 32 | x;
        h = (uint32_t)(ns_shard_mix64(k ^ 0x6e73u) >> 32);
    } else {
        uint8_t key[32];
        bool swap = memcmp(a, b, 16) > 0;
        memcpy(key, swap ? b : a, 16);
        memcpy(key + 16, swap ? a : b, 16);
        h = ns_hash_bytes(key, sizeof key, 0x6e73u);
    }
    if (h < sh->cut0)
        return 0;
    return 1 + (unsigned)(((uint64_t)(h - sh->cut0) * sh->mul) >> 48);
}

#endif
