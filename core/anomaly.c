#include "anomaly.h"


#include <stdlib.h>
#include <string.h>

#include "hash.h"

#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_ACK 0x10

#define NO_SLOT 0xffffu

#define SEC 1000000000ll

/* A source of a flood target; n == 0 marks a free slot. */
struct ns_anomaly_src {
    uint32_t hash;
    uint32_t n;                 /* its half-open SYNs to the target, still in the window */
    uint8_t addr[16];
};

struct ns_anomaly_target {
    int64_t since_ns;           /* earliest SYN counted since count was last 0 */
    int64_t quiet_until;        /* cooldown end */
    uint32_t count;             /* half-open SYNs in the window */
    uint32_t distinct;          /* source slots with n > 0 */
    uint32_t gen;               /* bumped on reuse, so SYNs of an evicted target are not
                                   taken off its successor's counts */
};

struct ns_anomaly_half {
    int64_t ts_ns;              /* entry 0 (none) holds INT64_MAX: an empty table's head
                                   never expires, so the per-packet check needs no branch */
    uint32_t target, gen;
    uint32_t bucket;            /* its 4-tuple's bucket in the pending filter */
    uint16_t src_slot;          /* NO_SLOT: the source was not tracked */
};

struct ns_anomaly_scan {
    int64_t quiet_until;
    uint32_t n;                 /* probe slots in use */
    uint32_t spilled;           /* unanswered probes pushed out of a full set ... */
    int64_t spilled_ns;         /* ... the latest at this time; they age out with it */
};

enum probe_state {
    PROBE_FREE = 0,
    PROBE_PENDING,              /* sent, no answer yet */
    PROBE_ACCEPTED,             /* SYN/ACK: never counted */
    PROBE_RST,
    PROBE_ICMP,
};

struct ns_anomaly_probe {
    int64_t first_ns, last_ns;  /* first probe (answer grace), latest (window) */
    uint32_t id;                /* vertical: proto << 16 | port; horizontal: host hash */
    uint8_t state;
    uint8_t pad;
    uint16_t probes;            /* packets, saturating */
};

/* Keys are hashed and compared as bytes: every member is laid out on its natural
 * boundary and the padding is named, so zeroing the struct zeroes every byte. */
struct key_target {
    uint8_t af, pad;
    uint16_t port;
    uint8_t addr[16];
};

struct key_half {
    uint8_t af, pad;
    uint16_t sport, dport, pad2;
    uint8_t src[16], dst[16];
};

struct key_vert {
    uint8_t af, pad[3];
    uint8_t src[16], dst[16];
};

struct key_horiz {
    uint8_t af, proto;
    uint16_t port;
    uint8_t src[16];
};

_Static_assert(sizeof(struct key_target) == 20, "key_target has hidden padding");
_Static_assert(sizeof(struct key_half) == 40, "key_half has hidden padding");
_Static_assert(sizeof(struct key_vert) == 36, "key_vert has hidden padding");
_Static_assert(sizeof(struct key_horiz) == 20, "key_horiz has hidden padding");

static int64_t sat_sub(int64_t a, int64_t b)
{
    return a < INT64_MIN + b ? INT64_MIN : a - b;
}

static int64_t sat_add(int64_t a, int64_t b)
{
    return a > INT64_MAX - b ? INT64_MAX : a + b;
}

static size_t alen(uint8_t af)
{
    return af == 6 ? 16 : 4;
}

/* core/hash.h: eight bytes at a time, then an avalanche so the low bits index well. */
static uint32_t hash_bytes(const void *key, size_t n, uint32_t seed)
{
    return ns_hash_bytes(key, n, seed);
}

/* Host ids inside a horizontal probe set. Unseeded, so a hash collision (two hosts taken
 * for one) does not depend on the table seed and alerts never do. */
static uint32_t host_id(uint8_t af, const uint8_t *addr)
{
    uint8_t k[17] = { af };
    memcpy(k + 1, addr, alen(af));
    return hash_bytes(k, sizeof k, 0);
}

/* ---- the fixed-size index with a recency list ---- */

static uint8_t *tab_key(const struct ns_anomaly_tab *t, uint32_t i)
{
    return t->keys + (size_t)i * t->ksize;
}

/* ksize (t->ksize) comes from the caller's sizeof: a constant once inlined, so the
 * compare, the copy and the key's hash need no library call. */
static uint32_t tab_find(const struct ns_anomaly_tab *t, const void *key, size_t ksize,
                         uint32_t h)
{
    uint32_t mask = t->nslot - 1;
    for (uint32_t s = h & mask;; s = (s + 1) & mask) {
        uint32_t e = t->slot[s];
        if (e == 0)
            return 0;
        if (t->hash[e] == h && memcmp(tab_key(t, e), key, ksize) == 0)
            return e;
    }
}

static void lru_unlink(struct ns_anomaly_tab *t, uint32_t i)
{
    if (t->prev[i]) t->next[t->prev[i]] = t->next[i]; else t->head = t->next[i];
    if (t->next[i]) t->prev[t->next[i]] = t->prev[i]; else t->tail = t->prev[i];
    t->prev[i] = t->next[i] = 0;
}

static void lru_append(struct ns_anomaly_tab *t, uint32_t i)
{
    t->prev[i] = t->tail;
    t->next[i] = 0;
    if (t->tail) t->next[t->tail] = i; else t->head = i;
    t->tail = i;
}

static void tab_touch(struct ns_anomaly_tab *t, uint32_t i)
{
    if (t->tail != i) {
        lru_unlink(t, i);
        lru_append(t, i);
    }
}

/* Linear probing with backward-shift deletion, as in core/flow.c: no tombstones, so a
 * table churned by a flood keeps short probe chains. */
static void index_remove(struct ns_anomaly_tab *t, uint32_t i)
{
    uint32_t mask = t->nslot - 1, hole = t->hash[i] & mask;
    while (t->slot[hole] != i)
        hole = (hole + 1) & mask;
    t->slot[hole] = 0;
    for (uint32_t s = (hole + 1) & mask; t->slot[s] != 0; s = (s + 1) & mask) {
        uint32_t home = t->hash[t->slot[s]] & mask;
        bool between = hole <= s ? (home > hole && home <= s) : (home > hole || home <= s);
        if (!between) {
            t->slot[hole] = t->slot[s];
            t->slot[s] = 0;
            hole = s;
        }
    }
}

/* Adds key as the most recent entry. When the table is full the least recent entry is
 * taken over: *evicted is set and its payload is still intact, for the caller to undo. */
static uint32_t tab_add(struct ns_anomaly_tab *t, const void *key, size_t ksize, uint32_t h,
                        bool *evicted)
{
    uint32_t i;
    *evicted = false;
    if (t->free_head != 0) {
        i = t->free_head;
        t->free_head = t->next[i];
        t->live++;
    } else if (t->used < t->cap) {
        i = ++t->used;
        t->live++;
    } else {
        i = t->head;
        index_remove(t, i);
        lru_unlink(t, i);
        *evicted = true;
    }
    memcpy(tab_key(t, i), key, ksize);
    t->hash[i] = h;
    uint32_t mask = t->nslot - 1, s = h & mask;
    while (t->slot[s] != 0)
        s = (s + 1) & mask;
    t->slot[s] = i;
    lru_append(t, i);
    return i;
}

static void tab_del(struct ns_anomaly_tab *t, uint32_t i)
{
    index_remove(t, i);
    lru_unlink(t, i);
    t->next[i] = t->free_head;
    t->free_head = i;
    t->live--;
}

/* ---- init ---- */

/* Places arrays in one block, 16-byte aligned; with base NULL it only measures. */
struct carve {
    uint8_t *base;
    uint64_t off;
};

static void *carve(struct carve *c, uint64_t n, uint64_t size)
{
    c->off = (c->off + 15) & ~(uint64_t)15;
    void *p = c->base != NULL ? c->base + c->off : NULL;
    c->off += n * size;
    return p;
}

static void carve_tab(struct carve *c, struct ns_anomaly_tab *t, uint32_t cap, uint32_t ksize)
{
    uint64_t n = (uint64_t)cap + 1;
    t->ksize = ksize;
    t->cap = cap;
    t->nslot = 16;
    while (t->nslot < 2 * cap)
        t->nslot *= 2;
    t->keys = carve(c, n, ksize);
    t->hash = carve(c, n, sizeof *t->hash);
    t->prev = carve(c, n, sizeof *t->prev);
    t->next = carve(c, n, sizeof *t->next);
    t->slot = carve(c, t->nslot, sizeof *t->slot);
}

static void carve_all(struct ns_anomaly *a, struct carve *c)
{
    const struct ns_anomaly_cfg *g = &a->cfg;
    carve_tab(c, &a->targets, g->max_targets, sizeof(struct key_target));
    carve_tab(c, &a->half, g->max_half_open, sizeof(struct key_half));
    carve_tab(c, &a->vert, g->max_vertical, sizeof(struct key_vert));
    carve_tab(c, &a->horiz, g->max_horizontal, sizeof(struct key_horiz));
    a->target = carve(c, (uint64_t)g->max_targets + 1, sizeof *a->target);
    a->tsrc = carve(c, ((uint64_t)g->max_targets + 1) * g->syn_sources, sizeof *a->tsrc);
    a->hopen = carve(c, (uint64_t)g->max_half_open + 1, sizeof *a->hopen);
    a->pend = carve(c, a->half.nslot, sizeof *a->pend);
    a->vpair = carve(c, (uint64_t)g->max_vertical + 1, sizeof *a->vpair);
    a->hpair = carve(c, (uint64_t)g->max_horizontal + 1, sizeof *a->hpair);
    a->vset = carve(c, ((uint64_t)g->max_vertical + 1) * a->vset_n, sizeof *a->vset);
    a->hset = carve(c, ((uint64_t)g->max_horizontal + 1) * a->hset_n, sizeof *a->hset);
}

#define DEFAULT(field, value) \
    do { if (g->field == 0) g->field = (value); } while (0)

enum ns_status ns_anomaly_init(struct ns_anomaly *a, const struct ns_anomaly_cfg *cfg,
                               struct ns_err *err)
{
    memset(a, 0, sizeof *a);
    struct ns_anomaly_cfg *g = &a->cfg;
    *g = *cfg;
    DEFAULT(syn_count, 200);
    DEFAULT(syn_sources, 50);
    DEFAULT(syn_window_ns, 5 * SEC);
    DEFAULT(syn_cooldown_ns, g->syn_window_ns);
    DEFAULT(scan_ports, 25);
    DEFAULT(scan_hosts, 10);
    DEFAULT(scan_window_ns, 10 * SEC);
    DEFAULT(scan_cooldown_ns, g->scan_window_ns);
    DEFAULT(scan_answer_ns, 1 * SEC);
    DEFAULT(max_targets, 1024);
    DEFAULT(max_half_open, 65536);
    DEFAULT(max_vertical, 4096);
    DEFAULT(max_horizontal, 4096);

    if (g->syn_window_ns < 0 || g->syn_cooldown_ns < 0 || g->scan_window_ns < 0 ||
        g->scan_cooldown_ns < 0 || g->scan_answer_ns < 0)
        return ns_err_set(err, NS_STATUS_USAGE, "anomaly: windows, cooldowns and the answer "
                          "grace must not be negative");
    if (g->syn_sources > NS_ANOMALY_MAX_SOURCES || g->scan_ports > NS_ANOMALY_MAX_SET ||
        g->scan_hosts > NS_ANOMALY_MAX_SET)
        return ns_err_set(err, NS_STATUS_USAGE, "anomaly: syn_sources must be at most %u and "
                          "scan_ports, scan_hosts at most %u", NS_ANOMALY_MAX_SOURCES,
                          NS_ANOMALY_MAX_SET);
    if (g->max_targets > NS_ANOMALY_MAX_CAP || g->max_half_open > NS_ANOMALY_MAX_CAP ||
        g->max_vertical > NS_ANOMALY_MAX_CAP || g->max_horizontal > NS_ANOMALY_MAX_CAP)
        return ns_err_set(err, NS_STATUS_USAGE, "anomaly: table caps must be at most %u",
                          NS_ANOMALY_MAX_CAP);
    /* count is the number of half-open entries of one target, so it could never reach a
     * threshold above the table's cap */
    if (g->syn_count > g->max_half_open)
        return ns_err_set(err, NS_STATUS_USAGE, "anomaly: syn_count %u exceeds max_half_open %u",
                          g->syn_count, g->max_half_open);
    if ((g->alloc == NULL) != (g->free == NULL))
        return ns_err_set(err, NS_STATUS_USAGE, "anomaly: give both alloc and free, or neither");

    /* Twice the threshold: a full set of counted probes is already an alert, so slots
     * beyond the threshold only hold accepted or expired probes while counted ones come. */
    a->vset_n = 2 * g->scan_ports;
    a->hset_n = 2 * g->scan_hosts;

    struct carve c = { NULL, 0 };
    carve_all(a, &c);
    if (c.off > SIZE_MAX)
        return ns_err_set(err, NS_STATUS_CAP, "anomaly: tables need %llu bytes",
                          (unsigned long long)c.off);
    size_t bytes = (size_t)c.off;
    void *base = g->alloc != NULL ? g->alloc(bytes, g->alloc_arg) : calloc(1, bytes);
    if (base == NULL)
        return ns_err_set(err, NS_STATUS_CAP, "anomaly: cannot allocate %zu bytes of tables",
                          bytes);
    c = (struct carve){ base, 0 };
    carve_all(a, &c);
    a->bytes = bytes;
    a->clock_ns = INT64_MIN;
    a->hopen[0].ts_ns = INT64_MAX;
    a->expire_at = INT64_MAX;
    a->pend_shift = 64;
    for (uint32_t n = a->half.nslot; n > 1; n >>= 1)
        a->pend_shift--;
    return NS_STATUS_OK;
}

void ns_anomaly_fini(struct ns_anomaly *a)
{
    if (a->targets.keys != NULL) {
        if (a->cfg.free != NULL)
            a->cfg.free(a->targets.keys, a->bytes, a->cfg.alloc_arg);
        else
            free(a->targets.keys);
    }
    struct ns_anomaly_stats keep = a->stats;   /* counters stay readable after fini */
    memset(a, 0, sizeof *a);
    a->stats = keep;
}

size_t ns_anomaly_bytes(const struct ns_anomaly *a)
{
    return a->bytes;
}

const char *ns_alert_kind_name(enum ns_alert_kind k)
{
    switch (k) {
    case NS_ALERT_SYN_FLOOD: return "syn_flood";
    case NS_ALERT_PORT_SCAN_VERTICAL: return "port_scan_vertical";
    case NS_ALERT_PORT_SCAN_HORIZONTAL: return "port_scan_horizontal";
    }
    return "unknown";
}

/* ---- SYN flood ---- */

static struct ns_anomaly_src *target_srcs(struct ns_anomaly *a, uint32_t ti)
{
    return &a->tsrc[(size_t)ti * a->cfg.syn_sources];
}

/* Takes half-open SYN i off the filter and off its target's counts (it completed, expired
 * or was evicted). */
static void half_forget(struct ns_anomaly *a, uint32_t i)
{
    const struct ns_anomaly_half *h = &a->hopen[i];
    a->pend[h->bucket]--;
    struct ns_anomaly_target *t = &a->target[h->target];
    if (t->gen != h->gen)
        return;
    t->count--;
    if (h->src_slot != NO_SLOT && --target_srcs(a, h->target)[h->src_slot].n == 0)
        t->distinct--;
}

/* Half-open SYN i leaves the table (completed or expired). */
static void half_del(struct ns_anomaly *a, uint32_t i)
{
    half_forget(a, i);
    tab_del(&a->half, i);
}

/* The caller saw the head's time at or before cut (cut = clock - window). */
static void half_expire(struct ns_anomaly *a, int64_t cut)
{
    /* The list is in arrival order; a SYN that arrived late sits behind newer ones and
     * leaves when it reaches the head (docs/anomaly.md, out of order). The sentinel's
     * INT64_MAX ends the loop: cut is below it, the window being at least 1 ns. */
    while (a->hopen[a->half.head].ts_ns <= cut) {
        half_del(a, a->half.head);
        a->stats.expired_half_open++;
    }
}

static void half_key(struct key_half *k, uint8_t af, const uint8_t *src, uint16_t sport,
                     const uint8_t *dst, uint16_t dport)
{
    memset(k, 0, sizeof *k);
    k->af = af;
    k->sport = sport;
    k->dport = dport;
    memcpy(k->src, src, alen(af));
    memcpy(k->dst, dst, alen(af));
}

static void target_key(struct key_target *k, uint8_t af, const uint8_t *dst, uint16_t port)
{
    memset(k, 0, sizeof *k);
    k->af = af;
    k->port = port;
    memcpy(k->addr, dst, alen(af));
}

bool ns_anomaly_flood_state(const struct ns_anomaly *a, uint8_t af, const uint8_t *dst,
                            uint16_t port, uint32_t *count, uint32_t *distinct)
{
    struct key_target k;
    target_key(&k, af, dst, port);
    uint32_t i = tab_find(&a->targets, &k, sizeof k, hash_bytes(&k, sizeof k, a->cfg.hash_seed));
    *count = i != 0 ? a->target[i].count : 0;
    *distinct = i != 0 ? a->target[i].distinct : 0;
    return i != 0;
}

/* An ACK whose filter bucket is not empty: its SYN may be half-open. */
static void flood_complete(struct ns_anomaly *a, const struct ns_anomaly_pkt *p)
{
    struct key_half k;
    half_key(&k, p->af, p->src, p->sport, p->dst, p->dport);
    uint32_t i = tab_find(&a->half, &k, sizeof k, hash_bytes(&k, sizeof k, a->cfg.hash_seed));
    if (i != 0) {
        half_del(a, i);
        a->stats.completed++;
    }
}

static unsigned flood_syn(struct ns_anomaly *a, const struct ns_anomaly_pkt *p,
                          struct ns_alert *out)
{
    const struct ns_anomaly_cfg *g = &a->cfg;
    struct key_half hk;
    half_key(&hk, p->af, p->src, p->sport, p->dst, p->dport);
    uint32_t hh = hash_bytes(&hk, sizeof hk, g->hash_seed);
    if (tab_find(&a->half, &hk, sizeof hk, hh) != 0) {
        /* a retransmitted SYN is the same connection attempt */
        a->stats.syn_dups++;
        return 0;
    }

    struct key_target tk;
    target_key(&tk, p->af, p->dst, p->dport);
    uint32_t th = hash_bytes(&tk, sizeof tk, g->hash_seed);
    uint32_t ti = tab_find(&a->targets, &tk, sizeof tk, th);
    bool evicted;
    if (ti != 0) {
        tab_touch(&a->targets, ti);
    } else {
        ti = tab_add(&a->targets, &tk, sizeof tk, th, &evicted);
        if (evicted)
            a->stats.evicted_targets++;
        struct ns_anomaly_target *t = &a->target[ti];
        uint32_t gen = t->gen + 1;
        *t = (struct ns_anomaly_target){ .quiet_until = INT64_MIN, .gen = gen };
        memset(target_srcs(a, ti), 0, sizeof *a->tsrc * g->syn_sources);
    }

    /* Evict before choosing the source slot: the evicted SYN may free that very slot. */
    uint32_t hi = tab_add(&a->half, &hk, sizeof hk, hh, &evicted);
    if (evicted) {
        half_forget(a, hi);
        a->stats.evicted_half_open++;
    }
    struct ns_anomaly_target *t = &a->target[ti];
    struct ns_anomaly_src *s = target_srcs(a, ti);
    uint32_t sh = host_id(p->af, p->src), slot = NO_SLOT, free_slot = NO_SLOT, used = 0;
    /* distinct slots are in use: once all were passed and a free one was seen, the rest
     * can hold neither this source nor an earlier free slot */
    for (uint32_t j = 0; j < g->syn_sources; j++) {
        if (s[j].n == 0) {
            if (free_slot == NO_SLOT)
                free_slot = j;
        } else if (s[j].hash == sh && memcmp(s[j].addr, p->src, alen(p->af)) == 0) {
            slot = j;
            break;
        } else {
            used++;
        }
        if (used == t->distinct && free_slot != NO_SLOT)
            break;
    }
    if (slot == NO_SLOT && free_slot != NO_SLOT) {
        slot = free_slot;
        s[slot].hash = sh;
        memset(s[slot].addr, 0, sizeof s[slot].addr);
        memcpy(s[slot].addr, p->src, alen(p->af));
        t->distinct++;
    }
    if (slot == NO_SLOT)
        a->stats.untracked_sources++;
    else
        s[slot].n++;
    uint32_t b = ns_anomaly_bucket(a, p->af, p->src, p->sport, p->dst, p->dport);
    a->pend[b]++;
    a->hopen[hi] = (struct ns_anomaly_half){ .ts_ns = p->ts_ns, .target = ti, .gen = t->gen,
                                             .bucket = b, .src_slot = (uint16_t)slot };
    if (t->count == 0 || p->ts_ns < t->since_ns)
        t->since_ns = p->ts_ns;
    t->count++;

    if (t->count < g->syn_count || t->distinct < g->syn_sources)
        return 0;
    if (a->clock_ns < t->quiet_until) {
        a->stats.suppressed++;
        return 0;
    }
    t->quiet_until = sat_add(a->clock_ns, g->syn_cooldown_ns);
    uint32_t top = 0;
    for (uint32_t j = 1; j < g->syn_sources; j++)
        if (s[j].n > s[top].n)
            top = j;
    int64_t cut = sat_sub(a->clock_ns, g->syn_window_ns);
    *out = (struct ns_alert){ .kind = NS_ALERT_SYN_FLOOD, .ts_ns = p->ts_ns,
                              .window_start_ns = t->since_ns > cut ? t->since_ns : cut,
                              .af = p->af, .proto = 6, .port = p->dport, .count = t->count,
                              .distinct = t->distinct, .threshold = g->syn_count };
    memcpy(out->src, s[top].addr, sizeof out->src);
    memcpy(out->dst, tk.addr, sizeof out->dst);
    a->stats.alerts[NS_ALERT_SYN_FLOOD]++;
    return 1;
}

/* ---- port scans ---- */

enum scan_ev {
    EV_SENT,                    /* TCP SYN */
    EV_ACCEPT,                  /* SYN/ACK from the probed host:port */
    EV_RST,                     /* RST from the probed host:port */
    EV_ICMP,                    /* ICMP unreachable quoting a TCP probe */
    EV_UDP,                     /* ICMP port unreachable quoting a UDP datagram */
};

/* The two scan rules differ only in their table, their probe id and their threshold. */
struct scan_rule {
    enum ns_alert_kind kind;
    struct ns_anomaly_tab *tab;
    struct ns_anomaly_scan *pair;
    struct ns_anomaly_probe *set;
    uint32_t set_n, threshold;
    uint64_t *evicted;
};

static struct scan_rule rule_of(struct ns_anomaly *a, enum ns_alert_kind kind)
{
    if (kind == NS_ALERT_PORT_SCAN_VERTICAL)
        return (struct scan_rule){ kind, &a->vert, a->vpair, a->vset, a->vset_n,
                                   a->cfg.scan_ports, &a->stats.evicted_vertical };
    return (struct scan_rule){ kind, &a->horiz, a->hpair, a->hset, a->hset_n,
                               a->cfg.scan_hosts, &a->stats.evicted_horizontal };
}

/* The pair for key, created (when create) as the most recent entry. 0: none. */
static uint32_t pair_get(struct ns_anomaly *a, const struct scan_rule *r, const void *key,
                         size_t ksize, bool create)
{
    uint32_t h = hash_bytes(key, ksize, a->cfg.hash_seed);
    uint32_t i = tab_find(r->tab, key, ksize, h);
    if (i != 0) {
        tab_touch(r->tab, i);
        return i;
    }
    if (!create)
        return 0;
    bool evicted;
    i = tab_add(r->tab, key, ksize, h, &evicted);
    if (evicted)
        (*r->evicted)++;
    r->pair[i] = (struct ns_anomaly_scan){ .quiet_until = INT64_MIN };
    return i;
}

/* A slot for a new probe: a free one, else an expired one, else the oldest accepted, else
 * the oldest (the set is then full of counted probes: the rule has already fired). */
static struct ns_anomaly_probe *set_slot(struct ns_anomaly *a, const struct scan_rule *r,
                                         uint32_t pi, int64_t cut)
{
    struct ns_anomaly_scan *pair = &r->pair[pi];
    struct ns_anomaly_probe *set = &r->set[(size_t)pi * r->set_n];
    if (pair->n < r->set_n)
        return &set[pair->n++];
    struct ns_anomaly_probe *acc = NULL, *old = &set[0];
    for (uint32_t j = 0; j < r->set_n; j++) {
        struct ns_anomaly_probe *q = &set[j];
        if (q->last_ns <= cut)
            return q;
        if (q->state == PROBE_ACCEPTED && (acc == NULL || q->last_ns < acc->last_ns))
            acc = q;
        if (q->last_ns < old->last_ns)
            old = q;
    }
    a->stats.replaced_probes++;
    if (acc != NULL)
        return acc;
    /* A scan faster than the answer grace fills the set with pending probes before any
     * of them may count. A pending probe pushed out is unanswered so far: it counts as
     * such (it cannot be answered any more), for one window after the latest spill. */
    if (old->state == PROBE_PENDING) {
        if (pair->spilled_ns <= cut)
            pair->spilled = 0;
        pair->spilled++;
        pair->spilled_ns = a->clock_ns;
    }
    return old;
}

/* Applies ev to probe id of pair pi; returns whether a count may have risen. */
static bool scan_event(struct ns_anomaly *a, const struct scan_rule *r, uint32_t pi,
                       uint32_t id, enum scan_ev ev, int64_t ts)
{
    int64_t cut = sat_sub(a->clock_ns, a->cfg.scan_window_ns);
    /* both rules see every answer: the stats count it once, on the vertical side */
    unsigned counts = r->kind == NS_ALERT_PORT_SCAN_VERTICAL;
    struct ns_anomaly_probe *set = &r->set[(size_t)pi * r->set_n], *q = NULL;
    for (uint32_t j = 0; j < r->pair[pi].n; j++) {
        if (set[j].id == id && set[j].state != PROBE_FREE) {
            q = &set[j];
            break;
        }
    }
    /* a probe that left the window is forgotten, whatever its answer was */
    if (q != NULL && q->last_ns <= cut)
        q->state = PROBE_FREE;
    bool live = q != NULL && q->state != PROBE_FREE;

    switch (ev) {
    case EV_SENT:
        if (live) {
            if (q->probes < UINT16_MAX)
                q->probes++;
            if (ts > q->last_ns)
                q->last_ns = ts;
            return true;
        }
        break;
    case EV_ACCEPT:
        if (live && q->state != PROBE_ACCEPTED) {
            q->state = PROBE_ACCEPTED;
            a->stats.accepted += counts;
        }
        return false;
    case EV_RST:
        /* only an answer to a probe we saw: RSTs end ordinary connections too */
        if (!live || q->state != PROBE_PENDING)
            return false;
        q->state = PROBE_RST;
        a->stats.refused_rst += counts;
        return true;
    case EV_ICMP:
    case EV_UDP:
        if (live) {
            if (q->state != PROBE_PENDING)
                return false;
            q->state = PROBE_ICMP;
            a->stats.refused_icmp += counts;
            return true;
        }
        break;
    }
    if (q == NULL)
        q = set_slot(a, r, pi, cut);
    *q = (struct ns_anomaly_probe){ .first_ns = ts, .last_ns = ts, .id = id, .probes = 1,
                                    .state = ev == EV_SENT ? PROBE_PENDING : PROBE_ICMP };
    if (ev != EV_SENT)
        a->stats.refused_icmp += counts;
    if (ev == EV_UDP)
        a->stats.udp_probes += counts;
    return true;
}

static unsigned scan_eval(struct ns_anomaly *a, const struct scan_rule *r, uint32_t pi,
                          int64_t ts, struct ns_alert *out)
{
    const struct ns_anomaly_cfg *g = &a->cfg;
    int64_t cut = sat_sub(a->clock_ns, g->scan_window_ns);
    /* every counted probe holds a slot or was spilled: an ordinary client's few probes
     * cannot reach the threshold, so there is nothing to count */
    if ((uint64_t)r->pair[pi].n + (r->pair[pi].spilled_ns > cut ? r->pair[pi].spilled : 0) <
        r->threshold)
        return 0;
    int64_t answered_by = sat_sub(a->clock_ns, g->scan_answer_ns);
    const struct ns_anomaly_probe *set = &r->set[(size_t)pi * r->set_n];
    struct ns_alert al = { .kind = r->kind, .ts_ns = ts, .window_start_ns = INT64_MAX,
                           .threshold = r->threshold };
    for (uint32_t j = 0; j < r->pair[pi].n; j++) {
        const struct ns_anomaly_probe *q = &set[j];
        if (q->state == PROBE_FREE || q->last_ns <= cut)
            continue;
        if (q->state == PROBE_ACCEPTED) {
            al.accepted++;
            continue;
        }
        if (q->state == PROBE_PENDING && q->first_ns > answered_by)
            continue;
        al.distinct++;
        al.count += q->probes;
        al.rst += q->state == PROBE_RST;
        al.icmp += q->state == PROBE_ICMP;
        if (q->first_ns < al.window_start_ns)
            al.window_start_ns = q->first_ns;
    }
    if (r->pair[pi].spilled_ns > cut) {
        al.distinct += r->pair[pi].spilled;
        al.count += r->pair[pi].spilled;
    }
    if (al.distinct < r->threshold)
        return 0;
    struct ns_anomaly_scan *pair = &r->pair[pi];
    if (a->clock_ns < pair->quiet_until) {
        a->stats.suppressed++;
        return 0;
    }
    pair->quiet_until = sat_add(a->clock_ns, g->scan_cooldown_ns);
    if (al.window_start_ns < cut)
        al.window_start_ns = cut;   /* a re-sent probe counts from its latest send */
    /* the key names the scanner, and the host (vertical) or proto/port (horizontal) */
    if (r->kind == NS_ALERT_PORT_SCAN_VERTICAL) {
        struct key_vert k;
        memcpy(&k, tab_key(r->tab, pi), sizeof k);
        al.af = k.af;
        memcpy(al.src, k.src, 16);
        memcpy(al.dst, k.dst, 16);
    } else {
        struct key_horiz k;
        memcpy(&k, tab_key(r->tab, pi), sizeof k);
        al.af = k.af;
        al.proto = k.proto;
        al.port = k.port;
        memcpy(al.src, k.src, 16);
    }
    *out = al;
    a->stats.alerts[r->kind]++;
    return 1;
}

/* One scan event seen from the scanner's side: scanner probed host:port over proto. */
static unsigned scan_feed(struct ns_anomaly *a, uint8_t af, uint8_t proto,
                          const uint8_t *scanner, const uint8_t *host, uint16_t port,
                          enum scan_ev ev, int64_t ts, struct ns_alert *out)
{
    bool create = ev == EV_SENT || ev == EV_ICMP || ev == EV_UDP;
    unsigned n = 0;

    struct key_vert vk;
    memset(&vk, 0, sizeof vk);
    vk.af = af;
    memcpy(vk.src, scanner, alen(af));
    memcpy(vk.dst, host, alen(af));
    struct scan_rule r = rule_of(a, NS_ALERT_PORT_SCAN_VERTICAL);
    uint32_t pi = pair_get(a, &r, &vk, sizeof vk, create);
    if (pi != 0 && scan_event(a, &r, pi, (uint32_t)proto << 16 | port, ev, ts))
        n += scan_eval(a, &r, pi, ts, out + n);

    struct key_horiz hk;
    memset(&hk, 0, sizeof hk);
    hk.af = af;
    hk.proto = proto;
    hk.port = port;
    memcpy(hk.src, scanner, alen(af));
    r = rule_of(a, NS_ALERT_PORT_SCAN_HORIZONTAL);
    pi = pair_get(a, &r, &hk, sizeof hk, create);
    if (pi != 0 && scan_event(a, &r, pi, host_id(af, host), ev, ts))
        n += scan_eval(a, &r, pi, ts, out + n);
    return n;
}

/* ---- the packet ---- */

/* A lower bound on the clock at which the oldest half-open SYN expires, for the inline
 * check in ns_anomaly_feed: for ts > INT64_MIN, ts <= clock - window (saturating) implies
 * clock >= ts + window (saturating); a SYN at INT64_MIN is always late and never enters.
 * The sentinel's INT64_MAX may send a packet here at the very end of time, where the
 * exact check turns it away. */
static int64_t expiry_bound(const struct ns_anomaly *a)
{
    return sat_add(a->hopen[a->half.head].ts_ns, a->cfg.syn_window_ns);
}

static unsigned feed_rest(struct ns_anomaly *a, const struct ns_anomaly_pkt *p,
                          struct ns_alert *out)
{
    int64_t syn_cut = sat_sub(a->clock_ns, a->cfg.syn_window_ns);
    if (a->hopen[a->half.head].ts_ns <= syn_cut)
        half_expire(a, syn_cut);
    unsigned n = 0;
    bool scan_late = p->ts_ns <= sat_sub(a->clock_ns, a->cfg.scan_window_ns);
    if (p->proto == 6) {
        uint8_t f = p->tcp_flags & (TCP_SYN | TCP_ACK | TCP_RST);
        bool syn_late = p->ts_ns <= syn_cut;
        if (f == TCP_ACK) {
            /* any ACK from the SYN's sender (with data or FIN too) completes it */
            if (a->pend[ns_anomaly_bucket(a, p->af, p->src, p->sport, p->dst, p->dport)] != 0)
                flood_complete(a, p);
        } else if (f == TCP_SYN) {
            a->stats.syns++;
            if (syn_late || scan_late)
                a->stats.late++;
            if (!syn_late)
                n += flood_syn(a, p, out + n);
            if (!scan_late)
                n += scan_feed(a, p->af, 6, p->src, p->dst, p->dport, EV_SENT, p->ts_ns,
                               out + n);
        } else if (f == (TCP_SYN | TCP_ACK)) {
            /* the answer travels host -> scanner */
            n += scan_feed(a, p->af, 6, p->dst, p->src, p->sport, EV_ACCEPT, p->ts_ns, out);
        } else if (f & TCP_RST) {
            if (scan_late)
                a->stats.late++;
            else
                n += scan_feed(a, p->af, 6, p->dst, p->src, p->sport, EV_RST, p->ts_ns, out);
        }
        return n;
    }

    /* destination unreachable: ICMP type 3, ICMPv6 type 1; port unreachable: code 3, 4 */
    bool v4 = p->proto == 1, v6 = p->proto == 58;
    bool unreach = (v4 && p->icmp_type == 3) || (v6 && p->icmp_type == 1);
    bool port = (v4 && p->icmp_code == 3) || (v6 && p->icmp_code == 4);
    const struct ns_anomaly_quote *qt = p->quoted;
    if (unreach && qt != NULL && qt->af == p->af && qt->src != NULL && qt->dst != NULL) {
        if (qt->proto != 6 && !(qt->proto == 17 && port))
            return 0;
        enum scan_ev ev = qt->proto == 6 ? EV_ICMP : EV_UDP;
        if (scan_late) {
            a->stats.late++;
            return 0;
        }
        n += scan_feed(a, qt->af, qt->proto, qt->src, qt->dst, qt->dport, ev, p->ts_ns, out);
    }
    return n;
}

unsigned ns_anomaly_feed_rest(struct ns_anomaly *a, const struct ns_anomaly_pkt *p,
                              struct ns_alert *out)
{
    unsigned n = feed_rest(a, p, out);
    a->expire_at = expiry_bound(a);     /* only this path changes the half-open table */
    return n;
}
