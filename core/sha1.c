/* core/sha1.c: SHA-1 as FIPS 180-4 specifies it; section numbers refer to that text. */
#include "sha1.h"

#include <string.h>

static uint32_t rotl32(uint32_t x, unsigned n)
{
    return (x << n) | (x >> (32 - n));
}

static uint32_t load_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void store_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* Section 6.1.2: one 512-bit block into the intermediate hash. */
static void sha1_block(uint32_t h[5], const uint8_t *blk)
{
    uint32_t w[80];

    for (unsigned t = 0; t < 16; t++)
        w[t] = load_be32(blk + 4 * t);
    for (unsigned t = 16; t < 80; t++)
        w[t] = rotl32(w[t - 3] ^ w[t - 8] ^ w[t - 14] ^ w[t - 16], 1);

    uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];

    for (unsigned t = 0; t < 80; t++) {
        uint32_t f, k;                  /* section 4.1.1 functions, 4.2.1 constants */
        if (t < 20) {
            f = (b & c) ^ (~b & d);
            k = 0x5a827999u;
        } else if (t < 40) {
            f = b ^ c ^ d;
            k = 0x6ed9eba1u;
        } else if (t < 60) {
            f = (b & c) ^ (b & d) ^ (c & d);
            k = 0x8f1bbcdcu;
        } else {
            f = b ^ c ^ d;
            k = 0xca62c1d6u;
        }
        uint32_t tmp = rotl32(a, 5) + f + e + k + w[t];
        e = d;
        d = c;
        c = rotl32(b, 30);
        b = a;
        a = tmp;
    }

    h[0] += a;
    h[1] += b;
    h[2] += c;
    h[3] += d;
    h[4] += e;
}

void ns_sha1_init(struct ns_sha1 *s)
{
    /* Section 5.3.1 */
    s->h[0] = 0x67452301u;
    s->h[1] = 0xefcdab89u;
    s->h[2] = 0x98badcfeu;
    s->h[3] = 0x10325476u;
    s->h[4] = 0xc3d2e1f0u;
    s->total = 0;
    s->nbuf = 0;
}

void ns_sha1_update(struct ns_sha1 *s, const void *data, size_t len)
{
    const uint8_t *p = data;

    if (len == 0)
        return;                 /* data may be NULL then; memcpy must not see it */
    s->total += len;
    if (s->nbuf > 0) {
        size_t take = NS_SHA1_BLOCK - s->nbuf;
        if (take > len)
            take = len;
        memcpy(s->buf + s->nbuf, p, take);
        s->nbuf += take;
        p += take;
        len -= take;
        if (s->nbuf < NS_SHA1_BLOCK)
            return;
        sha1_block(s->h, s->buf);
        s->nbuf = 0;
    }
    while (len >= NS_SHA1_BLOCK) {
        sha1_block(s->h, p);
        p += NS_SHA1_BLOCK;
        len -= NS_SHA1_BLOCK;
    }
    if (len > 0) {
        memcpy(s->buf, p, len);
        s->nbuf = len;
    }
}

void ns_sha1_final(struct ns_sha1 *s, uint8_t out[NS_SHA1_LEN])
{
    /* Section 5.1.1: a 1 bit, zeros to 448 mod 512 bits, then the bit length in 64 bits. */
    uint64_t bits = s->total * 8;

    s->buf[s->nbuf++] = 0x80;
    if (s->nbuf > NS_SHA1_BLOCK - 8) {
        memset(s->buf + s->nbuf, 0, NS_SHA1_BLOCK - s->nbuf);
        sha1_block(s->h, s->buf);
        s->nbuf = 0;
    }
    memset(s->buf + s->nbuf, 0, NS_SHA1_BLOCK - 8 - s->nbuf);
    store_be32(s->buf + 56, (uint32_t)(bits >> 32));
    store_be32(s->buf + 60, (uint32_t)bits);
    sha1_block(s->h, s->buf);
    s->nbuf = 0;

    for (unsigned i = 0; i < 5; i++)
        store_be32(out + 4 * i, s->h[i]);
}

void ns_sha1(const void *data, size_t len, uint8_t out[NS_SHA1_LEN])
{
    struct ns_sha1 s;

    ns_sha1_init(&s);
    ns_sha1_update(&s, data, len);
    ns_sha1_final(&s, out);
}
