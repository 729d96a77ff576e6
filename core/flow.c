#include "flow.h"


#include <stdlib.h>
#include <string.h>

#include "hash.h"

void ns_flow_key_make(struct ns_flow_key *k, uint8_t af, uint8_t proto, const uint8_t *src,
                      uint16_t sport, const uint8_t *dst, uint16_t dport, bool *swapped)
{
    memset(k, 0, sizeof *k);
    k->af = af;
    k->proto = proto;
    int c;
    if (af == 6) {
        c = memcmp(src, dst, 16);
    } else {
        /* an IPv4 address compared as one big-endian number: memcmp's order, no call */
        uint32_t s = (uint32_t)src[0] << 24 | (uint32_t)src[1] << 16 | (uint32_t)src[2] << 8 | src[3];
        uint32_t d = (uint32_t)dst[0] << 24 | (uint32_t)dst[1] << 16 | (uint32_t)dst[2] << 8 | dst[3];
        c = (s > d) - (s < d);
    }
    bool swap = c > 0 || (c == 0 && sport > dport);
    const uint8_t *a0 = swap ? dst : src, *a1 = swap ? src : dst;
    if (af == 6) {
        memcpy(k->addr[0], a0, 16);
        memcpy(k->addr[1], a1, 16);
    } else {
        memcpy(k->addr[0], a0, 4);
        memcpy(k->addr[1], a1, 4);
    }
    k->port[0] = swap ? dport : sport;
    k->port[1] = swap ? sport : dport;
    *swapped = swap;
}

/* core/hash.h over the key's bytes (its final avalanche makes the low bits index well).
 * The key has no padding (its members are laid out on natural boundaries), and
 * ns_flow_key_make zeroes it whole, so hashing its bytes is exact. */
uint32_t ns_flow_key_hash(const struct ns_flow_key *k)
{
    return ns_hash_bytes(k, sizeof *k, 0);
}

/* Five 8-byte words and the last two bytes: libc's memcmp is a call that costs more than
 * the comparison (the key has no padding, see ns_flow_key_hash). */
static bool key_eq(const struct ns_flow_key *a, const struct ns_flow_key *b)
{
    const unsigned char *x = (const void *)a, *y = (const void *)b;
    uint64_t d = 0;
    for (size_t o = 0; o + 8 <= sizeof *a; o += 8) {
        uint64_t u, v;
        memcpy(&u, x + o, 8);
        memcpy(&v, y + o, 8);
        d |= u ^ v;
    }
    for (size_t o = sizeof *a & ~(size_t)7; o < sizeof *a; o++)
        d |= (uint64_t)(x[o] ^ y[o]);
    return d == 0;
}

/* A slot holds an entry index in its low bits (t->imask) and the hash's high bits above
 * them, so a probe passes over other keys without touching their entries. */
static uint32_t slot_entry(const struct ns_flow_table *t, uint32_t v)
{
    return v & t->imask;
}

static uint32_t slot_make(const struct ns_flow_table *t, uint32_t i, uint32_t h)
{
    return i | (h & ~t->imask);
}

/* The recency list of entry i: 1 for TCP when TCP has a timeout of its own, else 0. */
static unsigned list_of(const struct ns_flow_table *t, uint32_t i)
{
    return t->split && t->ent[i].key.proto == 6;
}

static void lru_unlink(struct ns_flow_table *t, uint32_t i)
{
    struct ns_flow *f = &t->ent[i];
    unsigned l = list_of(t, i);
    if (f->lru_prev) t->ent[f->lru_prev].lru_next = f->lru_next; else t->lru_head[l] = f->lru_next;
    if (f->lru_next) t->ent[f->lru_next].lru_prev = f->lru_prev; else t->lru_tail[l] = f->lru_prev;
    f->lru_prev = f->lru_next = 0;
}

static void lru_append(struct ns_flow_table *t, uint32_t i)
{
    struct ns_flow *f = &t->ent[i];
    unsigned l = list_of(t, i);
    f->lru_prev = t->lru_tail[l];
    f->lru_next = 0;
    if (t->lru_tail[l]) t->ent[t->lru_tail[l]].lru_next = i; else t->lru_head[l] = i;
    t->lru_tail[l] = i;
}

/* The least recently seen flow of the table. With two lists, the older of their heads by
 * last-lookup time (seen exists whenever the lists are split: a timeout is set). */
static uint32_t lru_oldest(const struct ns_flow_table *t)
{
    uint32_t a = t->lru_head[0], b = t->lru_head[1];
    if (a == 0 || b == 0)
        return a != 0 ? a : b;
    return t->seen[b] < t->seen[a] ? b : a;
}

/* The slot holding entry i (which must be in the index). */
static uint32_t slot_of(const struct ns_flow_table *t, uint32_t i)
{
    uint32_t mask = t->nslot - 1, s = t->ent[i].hash & mask;
    while (slot_entry(t, t->slot[s]) != i)
        s = (s + 1) & mask;
    return s;
}

/* Linear probing with backward-shift deletion: no tombstones, probe chains stay short. */
static void index_remove(struct ns_flow_table *t, uint32_t i)
{
    uint32_t mask = t->nslot - 1, hole = slot_of(t, i), s = hole;
    t->slot[hole] = 0;
    for (;;) {
        s = (s + 1) & mask;
        uint32_t v = t->slot[s];
        if (v == 0)
            return;
        uint32_t home = t->ent[slot_entry(t, v)].hash & mask;
        /* e may move into the hole if its home is not in (hole, s] cyclically */
        bool between = hole <= s ? (home > hole && home <= s) : (home > hole || home <= s);
        if (!between) {
            t->slot[hole] = v;
            t->slot[s] = 0;
            hole = s;
        }
    }
}

static void index_insert(struct ns_flow_table *t, uint32_t i)
{
    uint32_t mask = t->nslot - 1, s = t->ent[i].hash & mask;
    while (t->slot[s] != 0)
        s = (s + 1) & mask;
    t->slot[s] = slot_make(t, i, t->ent[i].hash);
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* Ends the lazy phase: threads every live flow into the recency list in the order of its
 * last lookup (touch), which is the order relinking on every lookup would have made, so
 * eviction stays exact. The index's slots (at least two per entry) hold the sort keys for
 * the while, and the index is rebuilt from the entries' hashes. Runs at most once. */
static void build_lru(struct ns_flow_table *t)
{
    uint64_t *v = (void *)t->slot;
    size_t n = 0;
    for (uint32_t i = 1; i <= t->used; i++)
        if (t->ent[i].id != 0)
            v[n++] = (uint64_t)t->ent[i].touch << 32 | i;
    qsort(v, n, sizeof *v, cmp_u64);
    t->lazy = false;
    for (size_t k = 0; k < n; k++)
        lru_append(t, (uint32_t)v[k]);
    memset(t->slot, 0, (size_t)t->nslot * sizeof *t->slot);
    for (uint32_t i = 1; i <= t->used; i++)
        if (t->ent[i].id != 0)
            index_insert(t, i);
}

static void end_flow(struct ns_flow_table *t, uint32_t i, enum ns_flow_end why)
{
    if (t->cfg.on_end != NULL)
        t->cfg.on_end(&t->ent[i], why, t->cfg.arg);
    index_remove(t, i);
    if (!t->lazy)
        lru_unlink(t, i);
    t->ent[i].id = 0;          /* id 0 marks a free entry */
    t->ent[i].lru_next = t->free_head;
    t->free_head = i;
    t->stats.active--;
}

static bool grow(struct ns_flow_table *t)
{
    uint32_t ncap = t->cap * 2 > t->cfg.max_flows ? t->cfg.max_flows : t->cap * 2;
    if (ncap <= t->cap)
        return false;
    /* an array that grew while another could not is only larger than cap: still consistent */
    if (t->seen != NULL) {
        int64_t *nseen = realloc(t->seen, ((size_t)ncap + 1) * sizeof *nseen);
        if (nseen == NULL)
            return false;
        t->seen = nseen;
    }
    struct ns_flow *ne = realloc(t->ent, ((size_t)ncap + 1) * sizeof *ne);
    if (ne == NULL)
        return false;
    t->ent = ne;
    uint32_t nslot = t->nslot;
    while (nslot < 2 * ncap)
        nslot *= 2;
    if (nslot != t->nslot) {
        uint32_t *ns = calloc(nslot, sizeof *ns);
        if (ns == NULL)
            return false;    /* the entries grew, the index did not: still consistent */
        free(t->slot);
        t->slot = ns;
        t->nslot = nslot;
        for (uint32_t i = 1; i <= t->used; i++)
            if (t->ent[i].id != 0)
                index_insert(t, i);
    }
    t->cap = ncap;
    t->stats.grown++;
    return true;
}

enum ns_status ns_flow_table_init(struct ns_flow_table *t, const struct ns_flow_cfg *cfg,
                                  struct ns_err *err)
{
    memset(t, 0, sizeof *t);
    if (cfg->max_flows == 0 || cfg->max_flows > (1u << 30))
        return ns_err_set(err, NS_STATUS_USAGE, "flow table: max_flows must be 1..2^30, not %u",
                          cfg->max_flows);
    t->cfg = *cfg;
    t->imask = 1;
    while (t->imask < cfg->max_flows)      /* entry indices run 1..max_flows */
        t->imask = t->imask << 1 | 1;
    t->cap = cfg->initial ? cfg->initial : (cfg->max_flows < 1024 ? cfg->max_flows : 1024);
    if (t->cap > cfg->max_flows)
        t->cap = cfg->max_flows;
    t->nslot = 16;
    while (t->nslot < 2 * t->cap)
        t->nslot *= 2;
    if (cfg->idle_ns < 0 || cfg->idle_tcp_ns < 0)
        return ns_err_set(err, NS_STATUS_USAGE, "flow table: idle timeouts must be >= 0");
    t->idle[0] = cfg->idle_ns;
    t->idle[1] = cfg->idle_tcp_ns ? cfg->idle_tcp_ns : cfg->idle_ns;
    t->split = t->idle[1] != t->idle[0];
    bool timed = t->idle[0] > 0 || t->idle[1] > 0;
    t->lazy = !timed;
    t->ent = calloc((size_t)t->cap + 1, sizeof *t->ent);
    t->slot = calloc(t->nslot, sizeof *t->slot);
    if (timed)
        t->seen = calloc((size_t)t->cap + 1, sizeof *t->seen);
    if (t->ent == NULL || t->slot == NULL || (timed && t->seen == NULL)) {
        ns_flow_table_fini(t);
        return ns_err_set(err, NS_STATUS_CAP, "flow table: cannot allocate %u entries", t->cap);
    }
    t->next_id = 1;
    return NS_STATUS_OK;
}

void ns_flow_table_fini(struct ns_flow_table *t)
{
    free(t->ent);
    free(t->slot);
    free(t->seen);
    t->ent = NULL;
    t->slot = NULL;
    t->seen = NULL;
    t->cap = t->used = 0;
}

static uint32_t new_entry(struct ns_flow_table *t)
{
    if (t->free_head != 0) {
        uint32_t i = t->free_head;
        t->free_head = t->ent[i].lru_next;
        return i;
    }
    if (t->used == t->cap && !grow(t)) {
        if (t->lazy)
            build_lru(t);
        uint32_t old = lru_oldest(t);
        if (old == 0)
            return 0;
        t->stats.evicted++;
        end_flow(t, old, NS_FLOW_END_EVICTED);
        uint32_t i = t->free_head;
        t->free_head = t->ent[i].lru_next;
        return i;
    }
    return ++t->used;
}

static struct ns_flow *create(struct ns_flow_table *t, const struct ns_flow_key *k, uint32_t h,
                              bool a_is_1, int64_t ts_ns)
{
    if (t->lazy && t->clock == UINT32_MAX)
        build_lru(t);           /* the clock would wrap: keep the order in the list */
    uint32_t i = new_entry(t);
    if (i == 0)
        return NULL;
    struct ns_flow *f = &t->ent[i];
    memset(f, 0, sizeof *f);
    f->key = *k;
    f->hash = h;
    f->id = t->next_id++;
    f->a_is_1 = a_is_1;
    f->first_ns = f->last_ns = ts_ns;
    if (t->seen != NULL)
        t->seen[i] = ts_ns;
    index_insert(t, i);
    if (t->lazy)
        f->touch = ++t->clock;
    else
        lru_append(t, i);
    t->stats.created++;
    if (++t->stats.active > t->stats.peak)
        t->stats.peak = t->stats.active;
    return f;
}

void ns_flow_table_expire(struct ns_flow_table *t, int64_t ts_ns)
{
    /* Idle flows end as packet time passes them, not only when their key comes back:
     * each recency list holds its longest-untouched flow at its head, and every flow of a
     * list has the same timeout, so a sweep stops at the first head still in time. */
    for (unsigned l = 0; l < 2; l++)
        while (t->idle[l] > 0 && t->lru_head[l] != 0 &&
               ts_ns - t->seen[t->lru_head[l]] > t->idle[l]) {
            t->stats.timed_out++;
            end_flow(t, t->lru_head[l], NS_FLOW_END_IDLE);
        }
}

/* The entry holding key k (hash h), or 0. */
static inline uint32_t probe(const struct ns_flow_table *t, const struct ns_flow_key *k, uint32_t h)
{
    uint32_t mask = t->nslot - 1, tag = h & ~t->imask;
    for (uint32_t s = h & mask;; s = (s + 1) & mask) {
        uint32_t v = t->slot[s];
        if (v == 0)
            return 0;
        if ((v & ~t->imask) != tag)
            continue;
        uint32_t i = slot_entry(t, v);
        const struct ns_flow *f = &t->ent[i];
        /* the entry spans three cache lines: ask for all of them now, so their misses
         * overlap instead of following one another as the caller reads its counters */
        ns_prefetch((const char *)f + 64);
        ns_prefetch((const char *)f + sizeof *f - 1);
        if (f->hash == h && key_eq(&f->key, k))
            return i;
    }
}

/* Whether entry i's flow goes on at ts_ns; false when its active or idle timeout ended it
 * just now (its key then starts a new flow). */
static bool goes_on(struct ns_flow_table *t, uint32_t i, int64_t ts_ns)
{
    const struct ns_flow *f = &t->ent[i];
    if (t->cfg.active_ns > 0 && ts_ns - f->first_ns > t->cfg.active_ns) {
        /* long flows are reported in pieces (NetFlow's active timeout) */
        t->stats.active_ended++;
        end_flow(t, i, NS_FLOW_END_ACTIVE);
        return false;
    }
    if (t->seen != NULL) {
        int64_t idle = t->idle[list_of(t, i)];
        if (idle > 0 && ts_ns - t->seen[i] > idle) {
            t->stats.timed_out++;
            end_flow(t, i, NS_FLOW_END_IDLE);
            return false;
        }
        if (ts_ns > t->seen[i])
            t->seen[i] = ts_ns;
    }
    return true;
}

struct ns_flow *ns_flow_table_get(struct ns_flow_table *t, const struct ns_flow_key *k,
                                  bool a_is_1, int64_t ts_ns, bool *created)
{
    uint32_t h = ns_flow_key_hash(k);
    *created = false;
    ns_flow_table_expire(t, ts_ns);
    uint32_t i = probe(t, k, h);
    if (i != 0 && goes_on(t, i, ts_ns)) {
        struct ns_flow *f = &t->ent[i];
        if (t->lazy && t->clock < UINT32_MAX) {
            f->touch = ++t->clock;
            return f;
        }
        if (t->lazy)
            build_lru(t);
        lru_unlink(t, i);
        lru_append(t, i);
        return f;
    }
    *created = true;
    return create(t, k, h, a_is_1, ts_ns);
}

struct ns_flow *ns_flow_table_restart(struct ns_flow_table *t, struct ns_flow *f, bool a_is_1,
                                      int64_t ts_ns)
{
    struct ns_flow_key k = f->key;
    uint32_t h = f->hash;
    end_flow(t, (uint32_t)(f - t->ent), NS_FLOW_END_REUSED);
    return create(t, &k, h, a_is_1, ts_ns);
}

/* Heapsort of entry indices by flow id: in place, so ending every flow costs 4 bytes per
 * live flow at the run's peak rather than a copy of the ids (qsort cannot see the table). */
static void sift(const struct ns_flow_table *t, uint32_t *v, size_t root, size_t n)
{
    for (;;) {
        size_t c = 2 * root + 1;
        if (c >= n)
            return;
        if (c + 1 < n && t->ent[v[c + 1]].id > t->ent[v[c]].id)
            c++;
        if (t->ent[v[root]].id >= t->ent[v[c]].id)
            return;
        uint32_t tmp = v[root];
        v[root] = v[c];
        v[c] = tmp;
        root = c;
    }
}

static void sort_by_id(const struct ns_flow_table *t, uint32_t *v, size_t n)
{
    for (size_t i = n / 2; i-- > 0;)
        sift(t, v, i, n);
    for (size_t end = n; end-- > 1;) {
        uint32_t tmp = v[0];
        v[0] = v[end];
        v[end] = tmp;
        sift(t, v, 0, end);
    }
}

void ns_flow_table_end_all(struct ns_flow_table *t)
{
    /* Entries are handed out in creation order until one is freed and reused: then, and
     * only then, the order has to be sorted out. */
    bool in_order = true;
    uint64_t prev = 0;
    for (uint32_t i = 1; i <= t->used && in_order; i++)
        if (t->ent[i].id != 0) {
            in_order = t->ent[i].id > prev;
            prev = t->ent[i].id;
        }
    uint32_t *v = in_order ? NULL : malloc(((size_t)t->stats.active + 1) * sizeof *v);
    if (v != NULL) {
        uint32_t n = 0;
        for (uint32_t i = 1; i <= t->used; i++)
            if (t->ent[i].id != 0)
                v[n++] = i;
        sort_by_id(t, v, n);
        for (uint32_t k = 0; k < n; k++)
            end_flow(t, v[k], NS_FLOW_END_FINAL);
        free(v);
        return;
    }
    /* in creation order already, or no memory to sort: end them in entry order */
    for (uint32_t i = 1; i <= t->used; i++)
        if (t->ent[i].id != 0)
            end_flow(t, i, NS_FLOW_END_FINAL);
}

void ns_flow_table_prefetch_slot(const struct ns_flow_table *t, uint32_t h)
{
    ns_prefetch(&t->slot[h & (t->nslot - 1)]);
}

uint32_t ns_flow_table_prefetch_entry(const struct ns_flow_table *t, uint32_t h)
{
    uint32_t mask = t->nslot - 1, tag = h & ~t->imask, first = 0;
    /* the run is short at load <= 1/2; the cap only bounds a hint's cost */
    for (uint32_t s = h & mask, n = 0; n < 8; s = (s + 1) & mask, n++) {
        uint32_t v = t->slot[s];
        if (v == 0)
            break;
        if ((v & ~t->imask) != tag)
            continue;
        uint32_t i = slot_entry(t, v);
        if (i > t->cap)
            continue;
        const char *f = (const char *)&t->ent[i];
        ns_prefetch(f);
        ns_prefetch(f + 64);
        ns_prefetch(f + sizeof(struct ns_flow) - 1);
        if (first == 0)
            first = i;
    }
    return first;
}

const struct ns_flow *ns_flow_table_find(const struct ns_flow_table *t, const struct ns_flow_key *k)
{
    uint32_t i = probe(t, k, ns_flow_key_hash(k));
    return i != 0 ? &t->ent[i] : NULL;
}
