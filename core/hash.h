/* core/hash.h: the one hash of the core's tables (flows, anomaly detection).
 * Eight bytes at a time with 64-bit multiplies and a final avalanche (the constants are
 * SplitMix64's): a 42-byte flow key costs a handful of multiplies, not 42 rounds of FNV.
 * Values depend on the machine's byte order; nothing stores them. */
#ifndef NS_HASH_H
#define NS_HASH_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* A hint that memory at p will be read soon (no fault, no effect on results). */
static inline void ns_prefetch(const void *p)
{
#if defined(__GNUC__) || defined(__clang__)
    __builtin_prefetch(p);
#else
    (void)p;
#endif
}

static inline uint32_t ns_hash_bytes(const void *key, size_t n, uint64_t seed)
{
    const uint8_t *p = key;
    uint64_t h = seed ^ ((uint64_t)n * 0x9e3779b97f4a7c15ull);
    for (; n >= 8; n -= 8, p += 8) {
        uint64_t v;
        memcpy(&v, p, 8);
        h ^= v * 0xbf58476d1ce4e5b9ull;
        h = (h << 27 | h >> 37) * 0x94d049bb133111ebull;
    }
    if (n > 0) {
        uint64_t v = 0;
        memcpy(&v, p, n);
        h ^= v * 0xbf58476d1ce4e5b9ull;
    }
    h ^= h >> 31;
    h *= 0x9e3779b97f4a7c15ull;
    h ^= h >> 29;
    return (uint32_t)(h ^ (h >> 32));
}

#endif
