/* tests/e2e/alloc_check.c: the hot path allocates nothing (STYLE.md section 12, issue 8).
 * Linked with -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=free, so every call
 * the engine (libnscore) makes goes through the counters below.
 *
 * usage: alloc_check BENIGN.pcap ATTACKS.pcap     (ns-bench-gen captures: meson makes them)
 *
 * For the full analysis and for scale mode, over each capture:
 *   pass 1  every frame is fed once. A frame may allocate only when the engine had to:
 *           it created a flow, a table or pool grew (flow tables, TCP state slots, the
 *           segment pool, the name slots), or a flow got its first DNS name or SNI (the
 *           one per-flow name buffer core/flownames.h documents). Any other allocating
 *           frame fails the check, named by its number.
 *   pass 2, 3  the same frames again, times moved past the end of the pass before: every
 *           flow is known, every name seen, every table warm. BENIGN: not one
 *           malloc/calloc/realloc may happen. ATTACKS: the SYN flood's 1500 SYNs are never
 *           answered, so each replay adds them to the unacknowledged-segment lists again
 *           (as Wireshark's lists grow with resent segments, up to 10000 per direction);
 *           the segment pool may double for them (one allocation per doubling) and
 *           nothing else may allocate.
 * The check counts calls; it never times anything. */
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/engine.h"

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t m);
void *__real_realloc(void *p, size_t n);
void __real_free(void *p);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t m);
void *__wrap_realloc(void *p, size_t n);
void __wrap_free(void *p);

static uint64_t n_alloc, n_free;

#define NPASS 3

void *__wrap_malloc(size_t n)
{
    n_alloc++;
    return __real_malloc(n);
}

void *__wrap_calloc(size_t n, size_t m)
{
    n_alloc++;
    return __real_calloc(n, m);
}

void *__wrap_realloc(void *p, size_t n)
{
    n_alloc++;
    return __real_realloc(p, n);
}

void __wrap_free(void *p)
{
    if (p != NULL)
        n_free++;
    __real_free(p);
}

/* Everything whose change excuses an allocation. */
struct sizes {
    uint64_t created;           /* flows and address pairs created */
    uint64_t caps;              /* sum of table capacities: grows when any table grows */
    uint64_t pool;              /* TCP segment pool capacity */
    uint64_t named;             /* name buffers held or grown */
};

static struct sizes sizes_of(const struct ns_engine *e)
{
    struct sizes s = {0};
    s.created = e->track.flows.stats.created + e->track.pairs.stats.created;
    s.caps = (uint64_t)e->track.flows.cap + e->track.pairs.cap + e->track.flows.nslot +
             e->track.pairs.nslot + e->conn_cap + e->names.cap + e->track.zeek_cap +
             /* the TCP metric blocks come in chunks, taken as flows first need them */
             e->tcpa.hs.nchunk + e->tcpa.hs.chunk_cap + e->tcpa.fc.nchunk + e->tcpa.fc.chunk_cap;
    s.pool = e->tcpa.cap;
    for (uint32_t i = 0; i < e->names.cap; i++) {
        const struct ns_flownames_rec *r = e->names.slot[i];
        if (r != NULL)
            s.named += 1 + (r->sni != NULL) + (r->dns != NULL) + r->dns_cap;
    }
    return s;
}

struct why {
    uint64_t frames, alloc_frames, allocs;
    uint64_t by_flow, by_grow, by_pool, by_name, unexplained;
};

static int run(const char *name, const uint8_t *buf, size_t len, bool scale, bool may_grow)
{
    char mode[64];
    snprintf(mode, sizeof mode, "%s, %s", name, scale ? "scale" : "full");
    static struct ns_engine eng;
    struct ns_engine_cfg cfg = { .no_tcp_analysis = scale };
    struct ns_err err = {{0}};
    if (ns_engine_init(&eng, &cfg, &err) != NS_STATUS_OK) {
        fprintf(stderr, "alloc_check: engine: %s\n", err.msg);
        return 1;
    }
    int failures = 0;
    struct why w[NPASS] = {{0}};
    int64_t shift = 0, last_ts = 0;
    for (int pass = 0; pass < NPASS; pass++) {
        struct ns_reader r;
        ns_reader_init(&r, buf, len);
        if (ns_reader_open(&r, &err) != NS_STATUS_OK) {
            fprintf(stderr, "alloc_check: %s\n", err.msg);
            ns_engine_fini(&eng);
            return 1;
        }
        struct ns_rec rec;
        while (ns_reader_next(&r, &rec, &err) == NS_STATUS_OK) {
            struct sizes before = sizes_of(&eng);
            rec.ts_ns += shift;
            rec.number += pass * w[0].frames;
            last_ts = rec.ts_ns;
            uint64_t a0 = n_alloc;
            (void)ns_engine_feed(&eng, &rec);
            uint64_t n = n_alloc - a0;
            w[pass].frames++;
            if (n == 0)
                continue;
            struct sizes after = sizes_of(&eng);
            w[pass].alloc_frames++;
            w[pass].allocs += n;
            if (after.caps != before.caps) {
                w[pass].by_grow++;
            } else if (after.pool != before.pool) {
                w[pass].by_pool++;
            } else if (after.named != before.named) {
                w[pass].by_name++;
            } else if (after.created != before.created) {
                w[pass].by_flow++;
            } else {
                w[pass].unexplained++;
                if (w[pass].unexplained <= 10)
                    fprintf(stderr, "FAIL %s pass %d: frame %" PRIu64 " made %" PRIu64
                            " allocations without a new flow, growth or name\n",
                            mode, pass + 1, rec.number, n);
            }
        }
        shift = last_ts + 1000000000 - eng.first_ts_ns;
    }
    for (int pass = 0; pass < NPASS; pass++)
        printf("%s pass %d: %" PRIu64 " frames, %" PRIu64 " allocations on %" PRIu64
               " frames (new flow %" PRIu64 ", table growth %" PRIu64 ", segment pool growth %"
               PRIu64 ", first name %" PRIu64 ", unexplained %" PRIu64 ")\n", mode, pass + 1,
               w[pass].frames, w[pass].allocs, w[pass].alloc_frames, w[pass].by_flow,
               w[pass].by_grow, w[pass].by_pool, w[pass].by_name, w[pass].unexplained);
    printf("%s: %" PRIu32 " flows, segment pool %" PRIu32 " (peak %" PRIu32 "), flow table cap %" PRIu32 "\n",
           mode, eng.track.flows.stats.active, eng.tcpa.cap, eng.tcpa.stats.pool_peak,
           eng.track.flows.cap);
    for (int pass = 0; pass < NPASS; pass++) {
        if (w[pass].frames == 0 || w[pass].frames != w[0].frames) {
            fprintf(stderr, "FAIL %s: pass %d read %" PRIu64 " frames, pass 1 %" PRIu64 "\n",
                    mode, pass + 1, w[pass].frames, w[0].frames);
            failures++;
        }
        if (w[pass].unexplained != 0)
            failures++;
        if (pass > 0 && w[pass].by_flow + w[pass].by_name != 0) {
            fprintf(stderr, "FAIL %s: pass %d created flows or names again\n", mode, pass + 1);
            failures++;
        }
    }
    for (int pass = 1; pass < NPASS; pass++) {
        /* growth by doubling: one allocation per frame that grew, never more. The second
         * pass starts with the first pass's flows still live, so a table or block pool may
         * still reach a new peak there; the last pass is the steady state: nothing */
        bool last = pass == NPASS - 1;
        uint64_t allowed = (may_grow ? w[pass].by_pool : 0) + (last ? 0 : w[pass].by_grow);
        bool ok = w[pass].allocs == allowed;
        if (!ok) {
            fprintf(stderr, "FAIL %s: pass %d: %" PRIu64 " allocations on %" PRIu64
                    " frames of known flows after warm-up (want %s)\n", mode, pass + 1,
                    w[pass].allocs, w[pass].alloc_frames,
                    may_grow ? "only pool doublings" : "0");
            failures++;
        }
    }
    if (w[0].allocs == 0) {
        /* the engine starts small and must grow on this capture, or the check proves nothing */
        fprintf(stderr, "FAIL %s: no allocation in pass 1: is the wrapper linked?\n", mode);
        failures++;
    }
    ns_engine_fini(&eng);
    return failures;
}

/* The whole file in memory (the reader takes a buffer); NULL if it cannot be read. */
static uint8_t *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    uint8_t *buf = NULL;
    long sz = -1;
    if (fseek(f, 0, SEEK_END) == 0 && (sz = ftell(f)) > 0 && fseek(f, 0, SEEK_SET) == 0 &&
        (buf = malloc((size_t)sz)) != NULL && fread(buf, 1, (size_t)sz, f) != (size_t)sz) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    *len = sz > 0 ? (size_t)sz : 0;
    return buf;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: alloc_check BENIGN.pcap ATTACKS.pcap\n");
        return 1;
    }
    int failures = 0;
    for (int i = 1; i < 3; i++) {
        size_t len;
        uint8_t *buf = slurp(argv[i], &len);
        if (buf == NULL) {
            fprintf(stderr, "alloc_check: cannot read %s\n", argv[i]);
            return 1;
        }
        const char *name = i == 1 ? "benign" : "attacks";
        failures += run(name, buf, len, false, i == 2) + run(name, buf, len, true, i == 2);
        free(buf);
    }
    printf("%s\n", failures ? "FAILED" : "ok: no allocation on frames of known flows");
    return failures ? 1 : 0;
}
