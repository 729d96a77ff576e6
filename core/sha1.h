/* core/sha1.h: SHA-1 (FIPS 180-4, section 6.1), streaming and one-shot.
 * In:     bytes in any number of ns_sha1_update() calls, of any length.
 * Out:    the 20-byte digest from ns_sha1_final(); the context is then spent
 *         (call ns_sha1_init() again to reuse it).
 * Owns:   nothing: the context lives in the caller's memory; no allocation.
 * Limits: messages up to 2^61 - 1 bytes (the 64-bit bit count of section 5.1.1).
 * Never:  prints, reads a global, allocates.
 * SHA-1 is here for Community ID v1, which fixes the hash; it is not for security. */
#ifndef NS_SHA1_H
#define NS_SHA1_H

#include <stddef.h>
#include <stdint.h>

#define NS_SHA1_LEN 20          /* digest bytes */
#define NS_SHA1_BLOCK 64        /* message block bytes */

struct ns_sha1 {
    uint32_t h[5];              /* intermediate hash value H0..H4 */
    uint64_t total;             /* message bytes so far */
    uint8_t buf[NS_SHA1_BLOCK]; /* partial block */
    size_t nbuf;                /* bytes in buf, always < NS_SHA1_BLOCK */
};

void ns_sha1_init(struct ns_sha1 *s);
void ns_sha1_update(struct ns_sha1 *s, const void *data, size_t len);
void ns_sha1_final(struct ns_sha1 *s, uint8_t out[NS_SHA1_LEN]);

/* One call for a message held in one buffer. */
void ns_sha1(const void *data, size_t len, uint8_t out[NS_SHA1_LEN]);

#endif
