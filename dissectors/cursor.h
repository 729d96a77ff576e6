/* dissectors/cursor.h: the one bounds-checked byte cursor.
 * Contract: the only code that does arithmetic on packet pointers. A read past the end
 *           returns 0, empties the cursor and sets short_read, which stays set: a header
 *           is read in straight lines and checked once at the end.
 *           A sub-cursor is always clamped to what was captured; a length field never
 *           widens a cursor.
 * Never:    allocates, copies packet bytes, or assumes alignment. */
#ifndef NS_CURSOR_H
#define NS_CURSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct ns_cur {
    const uint8_t *p;
    size_t len;
    bool short_read;            /* sticky: the first overrun poisons later reads */
};

static inline struct ns_cur ns_cur_make(const uint8_t *p, size_t len)
{
    struct ns_cur c = { p, p != NULL ? len : 0, false };
    return c;
}

static inline bool ns_cur_need(struct ns_cur *c, size_t n)
{
    if (c->len < n) {
        c->short_read = true;
        c->len = 0;
        return false;
    }
    return true;
}

static inline uint8_t ns_cur_u8(struct ns_cur *c)
{
    if (!ns_cur_need(c, 1))
        return 0;
    uint8_t v = c->p[0];
    c->p += 1;
    c->len -= 1;
    return v;
}

static inline uint16_t ns_cur_be16(struct ns_cur *c)
{
    if (!ns_cur_need(c, 2))
        return 0;
    uint16_t v = (uint16_t)(c->p[0] << 8 | c->p[1]);
    c->p += 2;
    c->len -= 2;
    return v;
}

static inline uint16_t ns_cur_le16(struct ns_cur *c)
{
    if (!ns_cur_need(c, 2))
        return 0;
    uint16_t v = (uint16_t)(c->p[1] << 8 | c->p[0]);
    c->p += 2;
    c->len -= 2;
    return v;
}

static inline uint32_t ns_cur_be32(struct ns_cur *c)
{
    if (!ns_cur_need(c, 4))
        return 0;
    uint32_t v = (uint32_t)c->p[0] << 24 | (uint32_t)c->p[1] << 16 |
                 (uint32_t)c->p[2] << 8 | (uint32_t)c->p[3];
    c->p += 4;
    c->len -= 4;
    return v;
}

static inline uint32_t ns_cur_le32(struct ns_cur *c)
{
    if (!ns_cur_need(c, 4))
        return 0;
    uint32_t v = (uint32_t)c->p[3] << 24 | (uint32_t)c->p[2] << 16 |
                 (uint32_t)c->p[1] << 8 | (uint32_t)c->p[0];
    c->p += 4;
    c->len -= 4;
    return v;
}

/* Copies n bytes into dst (zeroes it on a short read). */
static inline void ns_cur_copy(struct ns_cur *c, void *dst, size_t n)
{
    /* memcpy, not a byte loop: with the constant n of an address it is one or two moves */
    if (!ns_cur_need(c, n)) {
        memset(dst, 0, n);
        return;
    }
    memcpy(dst, c->p, n);
    c->p += n;
    c->len -= n;
}

/* Reads at a constant offset into bytes already taken with ns_cur_take(p, n), for a
 * fixed header that was there whole: one length check for the header instead of one per
 * field. The caller keeps off + size <= n. */
static inline uint8_t ns_at_u8(const uint8_t *p, size_t off)
{
    return p[off];
}

static inline uint16_t ns_at_be16(const uint8_t *p, size_t off)
{
    return (uint16_t)(p[off] << 8 | p[off + 1]);
}

static inline uint32_t ns_at_be32(const uint8_t *p, size_t off)
{
    return (uint32_t)p[off] << 24 | (uint32_t)p[off + 1] << 16 | (uint32_t)p[off + 2] << 8 |
           (uint32_t)p[off + 3];
}

static inline uint32_t ns_at_le32(const uint8_t *p, size_t off)
{
    return (uint32_t)p[off + 3] << 24 | (uint32_t)p[off + 2] << 16 | (uint32_t)p[off + 1] << 8 |
           (uint32_t)p[off];
}

static inline void ns_at_copy(const uint8_t *p, size_t off, void *dst, size_t n)
{
    memcpy(dst, p + off, n);
}

/* Returns a pointer to the next n bytes and advances, or NULL on a short read. */
static inline const uint8_t *ns_cur_take(struct ns_cur *c, size_t n)
{
    if (!ns_cur_need(c, n))
        return NULL;
    const uint8_t *p = c->p;
    c->p += n;
    c->len -= n;
    return p;
}

static inline void ns_cur_skip(struct ns_cur *c, size_t n)
{
    (void)ns_cur_take(c, n);
}

/* The next n bytes as a cursor of their own, clamped to what is there (never an error:
 * the caller compares sub.len with n to learn the data was cut). c advances past them. */
static inline struct ns_cur ns_cur_sub(struct ns_cur *c, size_t n)
{
    size_t take = n < c->len ? n : c->len;
    struct ns_cur s = { c->p, take, false };
    c->p += take;
    c->len -= take;
    return s;
}

/* Looks at byte i ahead without advancing; 0 and no poisoning when absent. */
static inline uint8_t ns_cur_peek(const struct ns_cur *c, size_t i)
{
    return i < c->len ? c->p[i] : 0;
}

#endif
