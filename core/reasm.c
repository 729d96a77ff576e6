/* core/reasm.c: IPv4/IPv6 fragment reassembly; the contract and tshark's rules are in reasm.h.
 *
 * Layout: each datagram keeps its fragments ("pieces") in a list sorted by offset, ties in
 * arrival order, which is the order tshark assembles them in. A piece's bytes live in a
 * chain of fixed-size chunks from one pool, so freeing never fragments memory and adding
 * costs O(length). A piece whose every byte is already covered by pieces sorting before it
 * can never contribute (nothing that arrives later sorts between them), so it is counted as
 * a duplicate and not stored: the output is the same as tshark's, which keeps it. */
#include "reasm.h"

#include <stdlib.h>
#include <string.h>

#define NONE UINT32_MAX

struct ns_reasm_piece {
    uint32_t off, len;          /* len >= 1, clipped to cfg.max_datagram_len */
    uint32_t chunk;             /* first chunk of its data */
    uint32_t next;              /* next piece of the datagram, or the free list */
};

struct ns_reasm_dgram {
    uint8_t src[16], dst[16];   /* IPv4 uses the first 4 bytes, the rest stays zero */
    uint32_t id;                /* IPv4: tshark's mix (see key_id); IPv6: fragment id */
    uint32_t hash;
    uint8_t af;                 /* 0 = free slot */
    bool len_set;               /* a last fragment was seen: len is the datagram's length */
    uint32_t len;
    uint32_t contig;            /* bytes held from offset 0 without a gap */
    uint32_t max_end;           /* largest end of any piece */
    uint32_t head, tail;        /* pieces */
    uint32_t nchunks;           /* chunks its pieces hold */
    uint32_t hnext;             /* hash chain, or the free list */
    uint32_t older, newer;      /* order of first fragment */
    int64_t first_ns;
};

/* tshark mixes protocol and, for non-public addresses, the VLAN into the 32-bit id it keys
 * on (packet-ip.c, dissect_ip_v4). The mix loses information; keeping it keeps parity. */
static bool v4_not_public(const uint8_t *a)
{
    return a[0] == 10 || (a[0] == 172 && (a[1] & 0xf0) == 16) || (a[0] == 192 && a[1] == 168) ||
           (a[0] == 169 && a[1] == 254);
}

static uint32_t key_id(const struct ns_frag *f)
{
    if (f->af == 6)
        return f->id;
    uint32_t id = f->id ^ f->proto;
    if (v4_not_public(f->src) || v4_not_public(f->dst))
        id ^= f->vlan;
    return id;
}

/* FNV-1a over af, id and the addresses, then an avalanche so the low bits index well. */
static uint32_t key_hash(uint8_t af, uint32_t id, const uint8_t *src, const uint8_t *dst)
{
    size_t alen = af == 6 ? 16 : 4;
    uint64_t h = 1469598103934665603ull;
    h = (h ^ af) * 1099511628211ull;
    for (int s = 0; s < 32; s += 8)
        h = (h ^ ((id >> s) & 0xff)) * 1099511628211ull;
    for (size_t i = 0; i < alen; i++)
        h = (h ^ src[i]) * 1099511628211ull;
    for (size_t i = 0; i < alen; i++)
        h = (h ^ dst[i]) * 1099511628211ull;
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    return (uint32_t)h;
}

static uint32_t lookup(const struct ns_reasm *r, uint8_t af, uint32_t id, uint32_t h,
                       const uint8_t *src, const uint8_t *dst)
{
    size_t alen = af == 6 ? 16 : 4;
    for (uint32_t i = r->bucket[h & r->bucket_mask]; i != NONE; i = r->dg[i].hnext) {
        const struct ns_reasm_dgram *d = &r->dg[i];
        if (d->hash == h && d->id == id && d->af == af && memcmp(d->src, src, alen) == 0 &&
            memcmp(d->dst, dst, alen) == 0)
            return i;
    }
    return NONE;
}

/* Frees datagram i: its pieces, chunks, index entry and slot. Counting is the caller's. */
static void dgram_free(struct ns_reasm *r, uint32_t i)
{
    struct ns_reasm_dgram *d = &r->dg[i];
    for (uint32_t p = d->head; p != NONE;) {
        struct ns_reasm_piece *pc = &r->piece[p];
        uint32_t next = pc->next;
        uint32_t c = pc->chunk, n = (pc->len + NS_REASM_CHUNK - 1) / NS_REASM_CHUNK;
        for (uint32_t k = 0; k < n; k++) {
            uint32_t cn = r->chunk_next[c];
            r->chunk_next[c] = r->chunk_free_head;
            r->chunk_free_head = c;
            c = cn;
        }
        r->chunk_free += n;
        pc->next = r->piece_free_head;
        r->piece_free_head = p;
        p = next;
    }
    r->stats.bytes_held -= (uint64_t)d->nchunks * NS_REASM_CHUNK;

    uint32_t *link = &r->bucket[d->hash & r->bucket_mask];
    while (*link != i)
        link = &r->dg[*link].hnext;
    *link = d->hnext;

    if (d->older != NONE) r->dg[d->older].newer = d->newer; else r->oldest = d->newer;
    if (d->newer != NONE) r->dg[d->newer].older = d->older; else r->newest = d->older;

    d->af = 0;
    d->hnext = r->dg_free_head;
    r->dg_free_head = i;
    r->stats.in_progress--;
}

static void expire(struct ns_reasm *r, int64_t now)
{
    if (r->cfg.timeout_ns <= 0)
        return;
    while (r->oldest != NONE) {
        int64_t first = r->dg[r->oldest].first_ns;
        /* unsigned difference: no overflow whatever the timestamps */
        if (now <= first || (uint64_t)now - (uint64_t)first <= (uint64_t)r->cfg.timeout_ns)
            return;
        dgram_free(r, r->oldest);
        r->stats.dropped_timeout++;
    }
}

/* Slots, pieces and chunks come from their free list, else from the part of their array
 * never used yet (index *_fresh on): the free lists are not built at init, so memory no
 * fragment ever needed is never touched. */
static uint32_t dgram_take(struct ns_reasm *r)
{
    uint32_t i = r->dg_free_head;
    if (i == NONE)
        return r->dg_fresh++;
    r->dg_free_head = r->dg[i].hnext;
    return i;
}

static uint32_t piece_take(struct ns_reasm *r)
{
    uint32_t p = r->piece_free_head;
    if (p == NONE)
        return r->piece_fresh++;
    r->piece_free_head = r->piece[p].next;
    return p;
}

static uint32_t chunk_take(struct ns_reasm *r)
{
    uint32_t c = r->chunk_free_head;
    if (c == NONE)
        return r->chunk_fresh++;
    r->chunk_free_head = r->chunk_next[c];
    return c;
}

static uint32_t dgram_new(struct ns_reasm *r, const struct ns_frag *f, uint32_t id, uint32_t h)
{
    if (r->dg_free_head == NONE && r->dg_fresh == r->cfg.max_datagrams) {
        dgram_free(r, r->oldest);   /* max_datagrams >= 1, so a full table has an oldest */
        r->stats.dropped_full++;
    }
    uint32_t i = dgram_take(r);
    struct ns_reasm_dgram *d = &r->dg[i];
    size_t alen = f->af == 6 ? 16 : 4;
    memset(d, 0, sizeof *d);
    memcpy(d->src, f->src, alen);
    memcpy(d->dst, f->dst, alen);
    d->af = f->af;
    d->id = id;
    d->hash = h;
    d->head = d->tail = NONE;
    d->first_ns = f->ts_ns;
    d->hnext = r->bucket[h & r->bucket_mask];
    r->bucket[h & r->bucket_mask] = i;
    d->newer = NONE;
    d->older = r->newest;
    if (r->newest != NONE) r->dg[r->newest].newer = i; else r->oldest = i;
    r->newest = i;
    r->stats.in_progress++;
    return i;
}

/* Chunk holding byte `skip` of piece p, and the offset inside it. */
static uint32_t chunk_at(const struct ns_reasm *r, const struct ns_reasm_piece *p, uint32_t skip,
                         uint32_t *in)
{
    uint32_t c = p->chunk;
    for (uint32_t k = skip / NS_REASM_CHUNK; k > 0; k--)
        c = r->chunk_next[c];
    *in = skip % NS_REASM_CHUNK;
    return c;
}

static bool piece_differs(const struct ns_reasm *r, const struct ns_reasm_piece *p, uint32_t skip,
                          const uint8_t *buf, uint32_t n)
{
    uint32_t in, c = chunk_at(r, p, skip, &in);
    while (n > 0) {
        uint32_t take = NS_REASM_CHUNK - in < n ? NS_REASM_CHUNK - in : n;
        if (memcmp(r->chunk + (size_t)c * NS_REASM_CHUNK + in, buf, take) != 0)
            return true;
        buf += take;
        n -= take;
        in = 0;
        c = r->chunk_next[c];
    }
    return false;
}

static void piece_read(const struct ns_reasm *r, const struct ns_reasm_piece *p, uint32_t skip,
                       uint8_t *dst, uint32_t n)
{
    uint32_t in, c = chunk_at(r, p, skip, &in);
    while (n > 0) {
        uint32_t take = NS_REASM_CHUNK - in < n ? NS_REASM_CHUNK - in : n;
        memcpy(dst, r->chunk + (size_t)c * NS_REASM_CHUNK + in, take);
        dst += take;
        n -= take;
        in = 0;
        c = r->chunk_next[c];
    }
}

/* Stores bytes [off, off + n) of datagram i (n >= 1). Returns false when the datagram alone
 * cannot fit in max_bytes: the caller drops it. */
static bool place(struct ns_reasm *r, uint32_t i, uint32_t off, const uint8_t *data, uint32_t n)
{
    struct ns_reasm_dgram *d = &r->dg[i];
    uint32_t end = off + n;
    uint32_t prev = NONE, max_before = 0;
    bool overlap = false, conflict = false;

    if (d->head == NONE || d->max_end <= off) {
        prev = d->tail;         /* in order: nothing held reaches off, append */
        max_before = d->max_end;
    } else {
        for (uint32_t p = d->head; p != NONE; p = r->piece[p].next) {
            const struct ns_reasm_piece *pc = &r->piece[p];
            if (pc->off >= end)
                break;          /* sorted: nothing further overlaps or sorts before */
            uint32_t pend = pc->off + pc->len;
            if (pend > off) {
                overlap = true;
                uint32_t lo = off > pc->off ? off : pc->off, hi = end < pend ? end : pend;
                if (!conflict && piece_differs(r, pc, lo - pc->off, data + (lo - off), hi - lo))
                    conflict = true;
            }
            if (pc->off <= off) {
                prev = p;       /* equal offsets: the new piece goes after, as it came later */
                if (pend > max_before)
                    max_before = pend;
            }
        }
    }
    if (overlap) {
        r->stats.overlaps++;
        if (conflict)
            r->stats.overlap_conflicts++;
    }
    /* Everything before it in order starts at or before off, so together they cover
     * [off, max_before): if that reaches end, no byte of this piece will ever be used. */
    if (max_before >= end) {
        r->stats.duplicates++;
        return true;
    }

    uint32_t need = (n + NS_REASM_CHUNK - 1) / NS_REASM_CHUNK;
    if (need > r->nchunk - d->nchunks)
        return false;
    while (r->chunk_free < need) {
        /* others hold at least need - chunk_free chunks, so a victim exists */
        uint32_t v = r->oldest == i ? d->newer : r->oldest;
        dgram_free(r, v);
        r->stats.dropped_bytes++;
    }

    /* pieces <= chunks in use, so one is free */
    uint32_t p = piece_take(r);
    struct ns_reasm_piece *pc = &r->piece[p];
    pc->off = off;
    pc->len = n;
    /* The piece's chain: `need` free chunks linked in order; pieces are walked by length,
     * so what the last one links to is unused. */
    for (uint32_t k = 0, done = 0, last = NONE; k < need; k++) {
        uint32_t c = chunk_take(r);
        if (last == NONE)
            pc->chunk = c;
        else
            r->chunk_next[last] = c;
        last = c;
        uint32_t len = n - done < NS_REASM_CHUNK ? n - done : NS_REASM_CHUNK;
        memcpy(r->chunk + (size_t)c * NS_REASM_CHUNK, data + done, len);
        done += len;
    }
    r->chunk_free -= need;
    d->nchunks += need;
    r->stats.bytes_held += (uint64_t)need * NS_REASM_CHUNK;

    if (prev == NONE) {
        pc->next = d->head;
        d->head = p;
    } else {
        pc->next = r->piece[prev].next;
        r->piece[prev].next = p;
    }
    if (pc->next == NONE)
        d->tail = p;
    if (end > d->max_end)
        d->max_end = end;

    if (off <= d->contig && end > d->contig) {
        d->contig = end;
        for (uint32_t q = pc->next; q != NONE && r->piece[q].off <= d->contig; q = r->piece[q].next)
            if (r->piece[q].off + r->piece[q].len > d->contig)
                d->contig = r->piece[q].off + r->piece[q].len;
    }
    return true;
}

/* Writes datagram i's [0, len) into r->out, each byte from the first piece in order that
 * covers it (fragment_add_work's defragment loop). contig >= len guarantees no gap. */
static void assemble(struct ns_reasm *r, const struct ns_reasm_dgram *d)
{
    uint32_t pos = 0;
    for (uint32_t p = d->head; p != NONE && pos < d->len; p = r->piece[p].next) {
        const struct ns_reasm_piece *pc = &r->piece[p];
        if (pc->off > pos)
            break;
        uint32_t end = pc->off + pc->len < d->len ? pc->off + pc->len : d->len;
        if (end > pos) {
            piece_read(r, pc, pos - pc->off, r->out + pos, end - pos);
            pos = end;
        }
    }
}

static enum ns_reasm_result refuse(struct ns_reasm_out *out, enum ns_reasm_result res,
                                   enum ns_reasm_why why, uint64_t *counter)
{
    (*counter)++;
    out->why = why;
    return res;
}

enum ns_reasm_result ns_reasm_add(struct ns_reasm *r, const struct ns_frag *f,
                                  struct ns_reasm_out *out)
{
    out->data = NULL;
    out->len = 0;
    out->why = NS_REASM_WHY_NONE;
    r->stats.fragments++;

    if ((f->af != 4 && f->af != 6) || f->src == NULL || f->dst == NULL ||
        (f->len > 0 && f->data == NULL))
        return refuse(out, NS_REASM_SKIPPED, NS_REASM_WHY_INVALID, &r->stats.invalid);
    if (f->offset == 0 && !f->more) {
        /* RFC 6946: dissected as is, without touching reassembly (packet-ipv6.c) */
        out->data = f->data;
        out->len = f->len < f->frag_len ? f->len : f->frag_len;
        return refuse(out, NS_REASM_DONE, NS_REASM_WHY_ATOMIC, &r->stats.atomic);
    }
    /* packet-ip.c adds a fragment only if ip_len > hlen and tvb_bytes_exist() for all of
     * it; packet-ipv6.c checks the same (an empty fragment throws) */
    if (f->frag_len == 0)
        return refuse(out, NS_REASM_SKIPPED, NS_REASM_WHY_EMPTY, &r->stats.skipped_empty);
    if (f->len < f->frag_len)
        return refuse(out, NS_REASM_SKIPPED, NS_REASM_WHY_TRUNCATED, &r->stats.skipped_truncated);

    expire(r, f->ts_ns);

    uint32_t id = key_id(f), h = key_hash(f->af, id, f->src, f->dst);
    uint32_t i = lookup(r, f->af, id, h, f->src, f->dst);
    uint64_t end = (uint64_t)f->offset + f->frag_len;
    uint32_t cap = r->cfg.max_datagram_len;

    if (!f->more && (i == NONE || !r->dg[i].len_set) && end > cap) {
        if (i != NONE)
            dgram_free(r, i);
        return refuse(out, NS_REASM_DROPPED, NS_REASM_WHY_TOO_BIG, &r->stats.dropped_too_big);
    }
    if (i == NONE)
        i = dgram_new(r, f, id, h);
    struct ns_reasm_dgram *d = &r->dg[i];
    if (!f->more) {
        if (!d->len_set) {
            d->len_set = true;
            d->len = (uint32_t)end;
        } else if (d->len != end) {
            r->stats.multiple_tails++;
        }
    }
    /* Bytes at or past cap can only matter to a datagram longer than cap, which is dropped
     * when its last fragment comes: keep the rest. */
    if (f->offset < cap) {
        uint32_t n = (uint32_t)((end < cap ? end : cap) - f->offset);
        if (!place(r, i, f->offset, f->data, n)) {
            dgram_free(r, i);
            return refuse(out, NS_REASM_DROPPED, NS_REASM_WHY_BYTES, &r->stats.dropped_bytes);
        }
    }
    if (d->len_set && d->contig >= d->len) {
        assemble(r, d);
        out->data = r->out;
        out->len = d->len;
        dgram_free(r, i);
        r->stats.completed++;
        return NS_REASM_DONE;
    }
    return NS_REASM_HELD;
}

enum ns_status ns_reasm_init(struct ns_reasm *r, const struct ns_reasm_cfg *cfg, struct ns_err *err)
{
    memset(r, 0, sizeof *r);
    if (cfg->max_datagrams == 0 || cfg->max_datagrams > NS_REASM_MAX_DATAGRAMS)
        return ns_err_set(err, NS_STATUS_USAGE, "reassembly: max_datagrams must be 1..%u, not %u",
                          NS_REASM_MAX_DATAGRAMS, cfg->max_datagrams);
    if (cfg->max_bytes < NS_REASM_CHUNK)
        return ns_err_set(err, NS_STATUS_USAGE, "reassembly: max_bytes must be at least %u, not %u",
                          NS_REASM_CHUNK, cfg->max_bytes);
    if (cfg->max_datagram_len == 0 || cfg->max_datagram_len > NS_REASM_MAX_LEN)
        return ns_err_set(err, NS_STATUS_USAGE,
                          "reassembly: max_datagram_len must be 1..%u, not %u",
                          NS_REASM_MAX_LEN, cfg->max_datagram_len);
    if (cfg->timeout_ns < 0)
        return ns_err_set(err, NS_STATUS_USAGE, "reassembly: timeout_ns must not be negative");

    r->cfg = *cfg;
    r->nchunk = cfg->max_bytes / NS_REASM_CHUNK;
    uint32_t nbucket = 16;
    while (nbucket < cfg->max_datagrams)
        nbucket *= 2;
    r->bucket_mask = nbucket - 1;
    r->dg = calloc(cfg->max_datagrams, sizeof *r->dg);
    r->bucket = malloc((size_t)nbucket * sizeof *r->bucket);
    r->piece = calloc(r->nchunk, sizeof *r->piece);
    r->chunk_next = malloc((size_t)r->nchunk * sizeof *r->chunk_next);
    r->chunk = malloc((size_t)r->nchunk * NS_REASM_CHUNK);
    r->out = malloc(cfg->max_datagram_len);
    if (r->dg == NULL || r->bucket == NULL || r->piece == NULL || r->chunk_next == NULL ||
        r->chunk == NULL || r->out == NULL) {
        ns_reasm_fini(r);
        return ns_err_set(err, NS_STATUS_CAP, "reassembly: cannot allocate %u datagrams and "
                          "%u bytes", cfg->max_datagrams, cfg->max_bytes);
    }
    for (uint32_t b = 0; b < nbucket; b++)
        r->bucket[b] = NONE;
    /* free lists start empty and the arrays untouched: take() hands out fresh entries */
    r->dg_free_head = r->chunk_free_head = r->piece_free_head = NONE;
    r->dg_fresh = r->chunk_fresh = r->piece_fresh = 0;
    r->chunk_free = r->nchunk;
    r->oldest = r->newest = NONE;
    return NS_STATUS_OK;
}

void ns_reasm_fini(struct ns_reasm *r)
{
    free(r->dg);
    free(r->bucket);
    free(r->piece);
    free(r->chunk_next);
    free(r->chunk);
    free(r->out);
    memset(r, 0, sizeof *r);
}
