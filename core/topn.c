#include "topn.h"

#include <stdlib.h>
#include <string.h>

enum ns_status ns_topn_init(struct ns_topn *t, uint32_t k, struct ns_err *err)
{
    memset(t, 0, sizeof *t);
    if (k == 0 || k > (1u << 24))
        return ns_err_set(err, NS_STATUS_USAGE, "top talkers: k must be 1..2^24, not %u", k);
    t->k = k;
    t->nbucket = 16;
    while (t->nbucket < 2 * k)
        t->nbucket *= 2;
    t->item = calloc(k, sizeof *t->item);
    t->heap = calloc(k, sizeof *t->heap);
    t->bucket = calloc(t->nbucket, sizeof *t->bucket);
    if (t->item == NULL || t->heap == NULL || t->bucket == NULL) {
        ns_topn_fini(t);
        return ns_err_set(err, NS_STATUS_CAP, "top talkers: cannot allocate %u items", k);
    }
    return NS_STATUS_OK;
}

void ns_topn_fini(struct ns_topn *t)
{
    free(t->item);
    free(t->heap);
    free(t->bucket);
    memset(t, 0, sizeof *t);
}

static uint32_t bucket_of(const struct ns_topn *t, uint8_t af, const uint8_t *a)
{
    uint32_t h = 2166136261u ^ af;
    for (int i = 0; i < 16; i++)
        h = (h ^ a[i]) * 16777619u;
    h ^= h >> 15;
    return h & (t->nbucket - 1);
}

static void swap(struct ns_topn *t, uint32_t i, uint32_t j)
{
    uint32_t a = t->heap[i], b = t->heap[j];
    t->heap[i] = b;
    t->heap[j] = a;
    t->item[b].heap_pos = i;
    t->item[a].heap_pos = j;
}

/* An item only grows, so it only ever moves down the min-heap. */
static void sift_down(struct ns_topn *t, uint32_t i)
{
    for (;;) {
        uint32_t m = i, l = 2 * i + 1, r = l + 1;
        if (l < t->n && t->item[t->heap[l]].bytes < t->item[t->heap[m]].bytes) m = l;
        if (r < t->n && t->item[t->heap[r]].bytes < t->item[t->heap[m]].bytes) m = r;
        if (m == i)
            return;
        swap(t, i, m);
        i = m;
    }
}

static void sift_up(struct ns_topn *t, uint32_t i)
{
    while (i > 0 && t->item[t->heap[i]].bytes < t->item[t->heap[(i - 1) / 2]].bytes) {
        swap(t, i, (i - 1) / 2);
        i = (i - 1) / 2;
    }
}

static void unchain(struct ns_topn *t, uint32_t idx)
{
    struct ns_topn_item *it = &t->item[idx];
    uint32_t *p = &t->bucket[bucket_of(t, it->af, it->addr)];
    while (*p != 0 && *p != idx + 1)
        p = &t->item[*p - 1].next;
    if (*p == idx + 1)
        *p = it->next;
}

void ns_topn_add(struct ns_topn *t, uint8_t af, const uint8_t *addr, uint64_t len)
{
    uint8_t a[16] = {0};
    memcpy(a, addr, af == 6 ? 16 : 4);
    t->total_bytes += len;
    t->total_pkts++;
    uint32_t b = bucket_of(t, af, a);
    for (uint32_t i = t->bucket[b]; i != 0; i = t->item[i - 1].next) {
        struct ns_topn_item *it = &t->item[i - 1];
        if (it->af == af && memcmp(it->addr, a, 16) == 0) {
            it->bytes += len;
            it->pkts++;
            sift_down(t, it->heap_pos);
            return;
        }
    }
    uint32_t idx;
    uint64_t base_b = 0, base_p = 0;
    if (t->n < t->k) {
        idx = t->n;
        t->heap[t->n] = idx;
        t->item[idx].heap_pos = t->n;
        t->n++;
    } else {
        /* SpaceSaving: the least counted host gives its slot, and its count becomes the
         * newcomer's error bound */
        idx = t->heap[0];
        base_b = t->item[idx].bytes;
        base_p = t->item[idx].pkts;
        unchain(t, idx);
        t->replaced++;
    }
    struct ns_topn_item *it = &t->item[idx];
    uint32_t pos = it->heap_pos;
    *it = (struct ns_topn_item){ .af = af, .bytes = base_b + len, .pkts = base_p + 1,
                                 .bytes_err = base_b, .pkts_err = base_p, .heap_pos = pos,
                                 .next = t->bucket[b] };
    memcpy(it->addr, a, 16);
    t->bucket[b] = idx + 1;
    sift_up(t, pos);
    sift_down(t, it->heap_pos);
}

static int by_bytes(const void *x, const void *y)
{
    const struct ns_topn_item *a = x, *b = y;
    if (a->bytes != b->bytes)
        return a->bytes > b->bytes ? -1 : 1;
    return memcmp(a->addr, b->addr, 16);
}

uint32_t ns_topn_finish(struct ns_topn *t)
{
    qsort(t->item, t->n, sizeof *t->item, by_bytes);
    return t->n;
}
