/* bench/micro.c: ns-bench-micro, nanoseconds per call of the hot-path operations (issue 8).
 * A benchmark, not a test: bench/run runs it and compares the figures with the targets.
 *
 * usage: ns-bench-micro [--runs N] [--scale F]     (5 runs; F multiplies the iterations)
 *
 * Each figure is the median over the runs of (wall time of a loop of n calls) / n, with
 * CLOCK_MONOTONIC read only around the loop. Output: one line per operation,
 *   name <TAB> median ns <TAB> min ns <TAB> max ns <TAB> calls per run <TAB> what
 * then '#' lines with checks (shard balance).
 *
 * The shard figures are --threads's own code (cli/shard.c): the hash of an address pair,
 * and the whole per-record decision the reading thread makes; flow.c's key hash
 * (core/hash.h) is measured beside them as "flow_key_hash". */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/flow.h"
#include "core/hash.h"
#include "core/tcpa.h"
#include "cli/shard.h"
#include "dissectors/dissect.h"

#define MAX_RUNS 51

static volatile uint64_t sink;     /* keeps results alive */

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void report(const char *name, double *v, int runs, uint64_t n, const char *what)
{
    qsort(v, (size_t)runs, sizeof *v, cmp_double);
    printf("%s\t%.2f\t%.2f\t%.2f\t%llu\t%s\n", name, v[runs / 2], v[0], v[runs - 1],
           (unsigned long long)n, what);
    fflush(stdout);
}

/* splitmix64: deterministic keys, no rand() */
static uint64_t mix(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* ---- parse ------------------------------------------------------------------------- */

/* Ethernet / IPv4 / TCP 443 -> 51000, ACK|PSH, 20-byte header, 512 bytes of payload that
 * start with a TLS application-data record header: the commonest frame of the generated
 * captures (server data on a TLS flow). Checksums are not verified by the dissectors. */
static size_t make_frame(uint8_t *b, int v6)
{
    static const uint8_t eth[14] = { 0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01, 0x08, 0x00 };
    size_t n = 0, pay = 512;
    memcpy(b, eth, sizeof eth);
    n = sizeof eth;
    if (!v6) {
        static const uint8_t ip[20] = { 0x45, 0, 0x02, 0x28, 0x12, 0x34, 0x40, 0, 64, 6, 0, 0,
                                        172, 16, 2, 140, 10, 0, 0, 32 };
        memcpy(b + n, ip, sizeof ip);
        n += sizeof ip;
    } else {
        b[12] = 0x86;
        b[13] = 0xdd;
        uint8_t ip[40] = { 0x60, 0, 0, 0, 0x02, 0x14, 6, 64 };
        ip[8] = 0x20, ip[9] = 0x01, ip[10] = 0x0d, ip[11] = 0xb8, ip[23] = 5;
        ip[24] = 0x20, ip[25] = 0x01, ip[26] = 0x0d, ip[27] = 0xb8, ip[39] = 0x93;
        memcpy(b + n, ip, sizeof ip);
        n += sizeof ip;
    }
    static const uint8_t tcp[20] = { 0x01, 0xbb, 0xc7, 0x38, 0x11, 0x22, 0x33, 0x44,
                                     0x55, 0x66, 0x77, 0x88, 0x50, 0x18, 0x01, 0xf5, 0, 0, 0, 0 };
    memcpy(b + n, tcp, sizeof tcp);
    n += sizeof tcp;
    b[n] = 0x17, b[n + 1] = 0x03, b[n + 2] = 0x03, b[n + 3] = 0x01, b[n + 4] = 0xfb;
    for (size_t i = 5; i < pay; i++)
        b[n + i] = (uint8_t)(i * 7);
    return n + pay;
}

static void bench_parse(int runs, uint64_t n, int v6)
{
    static uint8_t frame[1600];
    static struct ns_pkt pkt;
    size_t len = make_frame(frame, v6);
    (void)ns_dissect_frame(frame, len, NS_LINKTYPE_ETHERNET, &pkt);
    if (pkt.nlayers < 3 || pkt.malformed != NS_MALFORMED_NONE) {
        fprintf(stderr, "ns-bench-micro: the test frame does not dissect (%u layers)\n",
                pkt.nlayers);
        exit(2);
    }
    double v[MAX_RUNS];
    for (int r = 0; r < runs; r++) {
        uint64_t acc = 0;
        double t0 = now_ns();
        for (uint64_t i = 0; i < n; i++) {
            (void)ns_dissect_frame(frame, len, NS_LINKTYPE_ETHERNET, &pkt);
            acc += pkt.nlayers;
        }
        v[r] = (now_ns() - t0) / (double)n;
        sink += acc;
    }
    report(v6 ? "parse_eth_ipv6_tcp" : "parse_eth_ipv4_tcp", v, runs, n,
           v6 ? "ns_dissect_frame, Ethernet/IPv6/TCP, 512 B payload (TLS record)"
              : "ns_dissect_frame, Ethernet/IPv4/TCP, 512 B payload (TLS record)");
}

/* ---- flow keys and hashes ----------------------------------------------------------- */

static void make_key(struct ns_flow_key *k, uint64_t *s, int v6)
{
    uint8_t src[16] = {0}, dst[16] = {0};
    uint64_t r = mix(s);
    if (v6) {
        uint64_t r2 = mix(s);
        memcpy(src, (const uint8_t[]){ 0x20, 0x01, 0x0d, 0xb8, 0, 0x0c }, 6);
        memcpy(src + 8, &r2, 8);
        memcpy(dst, (const uint8_t[]){ 0x20, 0x01, 0x0d, 0xb8, 0, 0x05 }, 6);
        dst[15] = (uint8_t)(r >> 40);
        dst[14] = (uint8_t)(r >> 48 & 0x0f);
    } else {
        src[0] = 10, src[1] = (uint8_t)(r >> 8), src[2] = (uint8_t)(r >> 16), src[3] = (uint8_t)(r >> 24);
        dst[0] = 172, dst[1] = 16, dst[2] = (uint8_t)(r >> 32 & 0x0f), dst[3] = (uint8_t)(r >> 40);
    }
    uint16_t sport = (uint16_t)(32768 + (r >> 48) % 28000);
    static const uint16_t ports[] = { 443, 80, 22, 8080, 443, 993 };
    bool swapped;
    ns_flow_key_make(k, v6 ? 6 : 4, 6, src, sport, dst, ports[(r >> 4) % 6], &swapped);
}

/* 100k-flow sets: 20 % IPv6, as in the generated captures */
static struct ns_flow_key *make_keys(uint32_t n, uint64_t seed)
{
    struct ns_flow_key *k = malloc((size_t)n * sizeof *k);
    if (k == NULL) {
        fprintf(stderr, "ns-bench-micro: out of memory\n");
        exit(2);
    }
    uint64_t s = seed;
    for (uint32_t i = 0; i < n; i++)
        make_key(&k[i], &s, i % 5 == 4);
    return k;
}

/* core/flow.c's key hash (core/hash.h over the whole key): what a lookup spends hashing. */
static inline uint32_t flow_key_hash(const struct ns_flow_key *k)
{
    return ns_hash_bytes(k, sizeof *k, 0);
}

static void bench_hashes(int runs, uint64_t n, const struct ns_flow_key *keys, uint32_t nkeys)
{
    double v[MAX_RUNS];
    struct ns_shard sh;
    ns_shard_init(&sh, 8, 1.0 / 8);         /* eight equal shares */
    for (int r = 0; r < runs; r++) {
        uint64_t acc = 0;
        double t0 = now_ns();
        for (uint64_t i = 0; i < n; i++) {
            const struct ns_flow_key *k = &keys[i & (nkeys - 1)];
            acc += ns_shard_pair(&sh, k->af, k->addr[0], k->addr[1]);
        }
        v[r] = (now_ns() - t0) / (double)n;
        sink += acc;
    }
    report("shard_hash", v, runs, n, "cli/shard.c ns_shard_pair: the worker of an address pair (cached keys, 1 in 5 IPv6)");

    static uint8_t frame[1600];
    static struct ns_pkt scratch;
    size_t len = make_frame(frame, 0);
    struct ns_rec rec = { .kind = NS_REC_PACKET, .has_ts = true, .linktype = NS_LINKTYPE_ETHERNET,
                          .interface_id = -1, .caplen = (uint32_t)len, .wirelen = (uint32_t)len,
                          .data = frame };
    for (int r = 0; r < runs; r++) {
        uint64_t acc = 0;
        double t0 = now_ns();
        for (uint64_t i = 0; i < n; i++) {
            frame[29] = (uint8_t)i;         /* another source address each time */
            acc += ns_shard_of(&sh, &rec, &scratch);
        }
        v[r] = (now_ns() - t0) / (double)n;
        sink += acc;
    }
    report("shard_of_record", v, runs, n, "cli/shard.c ns_shard_of: a record's worker, Ethernet/IPv4/TCP read in place");

    for (int r = 0; r < runs; r++) {
        uint64_t acc = 0;
        double t0 = now_ns();
        for (uint64_t i = 0; i < n; i++)
            acc += flow_key_hash(&keys[i & (nkeys - 1)]);
        v[r] = (now_ns() - t0) / (double)n;
        sink += acc;
    }
    report("flow_key_hash", v, runs, n, "core/hash.h ns_hash_bytes over the 42-byte key (flow.c's hash)");

    /* both directions give one shard, and the shards are even */
    uint32_t cnt[8] = {0};
    for (uint32_t i = 0; i < nkeys; i++) {
        const struct ns_flow_key *k = &keys[i];
        unsigned a = ns_shard_pair(&sh, k->af, k->addr[0], k->addr[1]);
        if (a != ns_shard_pair(&sh, k->af, k->addr[1], k->addr[0])) {
            fprintf(stderr, "ns-bench-micro: the shard of a pair depends on its direction\n");
            exit(2);
        }
        cnt[a]++;
    }
    uint32_t lo = UINT32_MAX, hi = 0;
    for (int i = 0; i < 8; i++) {
        lo = cnt[i] < lo ? cnt[i] : lo;
        hi = cnt[i] > hi ? cnt[i] : hi;
    }
    printf("# shard_hash balance over 8 shards, %u flows: smallest %u, largest %u (ideal %u)\n",
           nkeys, lo, hi, nkeys / 8);
}

/* ---- flow table --------------------------------------------------------------------- */

static void table_init(struct ns_flow_table *t, uint32_t max, uint32_t initial)
{
    struct ns_flow_cfg cfg = { .max_flows = max, .initial = initial };
    struct ns_err err;
    if (ns_flow_table_init(t, &cfg, &err) != NS_STATUS_OK) {
        fprintf(stderr, "ns-bench-micro: %s\n", err.msg);
        exit(2);
    }
}

#define NFLOWS 100000u

/* runs passes of n lookups of existing flows in the given order: ns per lookup in v[] */
static void lookup_runs(struct ns_flow_table *t, const struct ns_flow_key *keys, const uint32_t *order,
                        uint64_t n, int runs, int64_t *ts, double *v)
{
    bool created;
    for (int r = 0; r < runs; r++) {
        uint64_t acc = 0;
        double t0 = now_ns();
        for (uint64_t i = 0; i < n; i++) {
            struct ns_flow *f = ns_flow_table_get(t, &keys[order[i]], false, (*ts)++, &created);
            acc += f->id + created;
        }
        v[r] = (now_ns() - t0) / (double)n;
        sink += acc;
    }
}

static void bench_lookup(int runs, uint64_t n)
{
    struct ns_flow_key *keys = make_keys(NFLOWS, 1);
    static struct ns_flow_table t;
    table_init(&t, 1u << 20, 0);
    bool created;
    for (uint32_t i = 0; i < NFLOWS; i++)
        (void)ns_flow_table_get(&t, &keys[i], false, i, &created);
    /* a random visiting order over all 100k (no locality: the table is ~20 MB) */
    uint32_t *order = malloc(n * sizeof *order);
    if (order == NULL)
        exit(2);
    uint64_t s = 7;
    for (uint64_t i = 0; i < n; i++)
        order[i] = (uint32_t)(mix(&s) % NFLOWS);
    double v[MAX_RUNS];
    int64_t ts = NFLOWS;
    lookup_runs(&t, keys, order, n, runs, &ts, v);
    report("flow_lookup_random", v, runs, n,
           "ns_flow_table_get, existing flow, 100k flows, uniform random order");
    /* 310 flows active at a time (S's average overlap): the working set stays in cache */
    for (uint64_t i = 0; i < n; i++)
        order[i] = (uint32_t)((i / 4096 * 311 + mix(&s) % 310) % NFLOWS);
    lookup_runs(&t, keys, order, n, runs, &ts, v);
    report("flow_lookup_hot", v, runs, n,
           "ns_flow_table_get, existing flow, 100k flows, 310 active at a time");
    if (t.stats.created != NFLOWS) {
        fprintf(stderr, "ns-bench-micro: lookups created flows\n");
        exit(2);
    }
    ns_flow_table_fini(&t);
    free(order);
    free(keys);
}

static void bench_insert(int runs, uint32_t n)
{
    struct ns_flow_key *keys = make_keys(n, 2);
    double v[MAX_RUNS], g[MAX_RUNS];
    static struct ns_flow_table t;
    for (int pass = 0; pass < 2; pass++) {
        for (int r = 0; r < runs; r++) {
            /* pass 0: sized for n at init; pass 1: starts at 1024 and doubles */
            table_init(&t, n, pass == 0 ? n : 0);
            bool created;
            uint64_t acc = 0;
            double t0 = now_ns();
            for (uint32_t i = 0; i < n; i++)
                acc += ns_flow_table_get(&t, &keys[i], false, i, &created)->id;
            (pass == 0 ? v : g)[r] = (now_ns() - t0) / (double)n;
            sink += acc;
            ns_flow_table_fini(&t);
        }
    }
    report("flow_insert", v, runs, n, "ns_flow_table_get, new flow, table sized at init");
    report("flow_insert_growing", g, runs, n,
           "ns_flow_table_get, new flow, table grows from 1024 (amortised doublings)");
    free(keys);
}

/* ---- TCP analysis ------------------------------------------------------------------- */

static void bench_tcpa(int runs, uint64_t n)
{
    static struct ns_tcpa t;
    struct ns_err err;
    if (ns_tcpa_init(&t, 0, &err) != NS_STATUS_OK) {
        fprintf(stderr, "ns-bench-micro: %s\n", err.msg);
        exit(2);
    }
    double v[MAX_RUNS], p[MAX_RUNS];
    for (int r = 0; r < runs; r++) {
        struct ns_tcpa_conn c;
        struct ns_tcpa_out out;
        ns_tcpa_conn_init(&c);
        uint64_t frame = 1;
        int64_t ts = 1000000;
        uint32_t a = 1000, b = 5000;
        /* handshake, window scale 7 both ways */
        struct ns_tcpa_in syn = { .frame = frame++, .ts_ns = ts, .seq = a, .flags = 0x002,
                                  .window = 64240, .wscale = 7 };
        ns_tcpa_segment(&t, &c, 0, &syn, &out);
        struct ns_tcpa_in sa = { .frame = frame++, .ts_ns = ts += 20000, .seq = b, .ack = a + 1,
                                 .flags = 0x012, .window = 65160, .wscale = 7 };
        ns_tcpa_segment(&t, &c, 1, &sa, &out);
        a++, b++;
        struct ns_tcpa_in ack = { .frame = frame++, .ts_ns = ts += 20000, .seq = a, .ack = b,
                                  .flags = 0x010, .window = 502, .wscale = -1 };
        ns_tcpa_segment(&t, &c, 0, &ack, &out);
        uint64_t acc = 0;
        double data_ns = 0;
        double t0 = now_ns();
        for (uint64_t i = 0; i < n; i++) {
            /* server sends 1448 bytes in order; the client ACKs it */
            struct ns_tcpa_in d = { .frame = frame++, .ts_ns = ts += 1000, .seq = b, .ack = a,
                                    .seglen = 1448, .flags = 0x018, .window = 509, .wscale = -1 };
            ns_tcpa_segment(&t, &c, 1, &d, &out);
            acc += out.flags;
            b += 1448;
            struct ns_tcpa_in k = { .frame = frame++, .ts_ns = ts += 1000, .seq = a, .ack = b,
                                    .flags = 0x010, .window = 502, .wscale = -1 };
            ns_tcpa_segment(&t, &c, 0, &k, &out);
            acc += out.flags;
        }
        p[r] = (now_ns() - t0) / (double)n;
        /* data segments alone: 4 in a row (timed), then the ACK of all four (not timed) */
        uint64_t m = n / 4;
        for (uint64_t i = 0; i < m; i++) {
            double t1 = now_ns();
            for (int j = 0; j < 4; j++) {
                struct ns_tcpa_in d = { .frame = frame++, .ts_ns = ts += 1000, .seq = b, .ack = a,
                                        .seglen = 1448, .flags = 0x018, .window = 509,
                                        .wscale = -1 };
                ns_tcpa_segment(&t, &c, 1, &d, &out);
                acc += out.flags;
                b += 1448;
            }
            data_ns += now_ns() - t1;
            struct ns_tcpa_in k = { .frame = frame++, .ts_ns = ts += 1000, .seq = a, .ack = b,
                                    .flags = 0x010, .window = 502, .wscale = -1 };
            ns_tcpa_segment(&t, &c, 0, &k, &out);
        }
        v[r] = data_ns / (double)(m * 4);
        sink += acc;
        if (acc != 0) {
            fprintf(stderr, "ns-bench-micro: in-order segments got analysis flags\n");
            exit(2);
        }
        ns_tcpa_conn_release(&t, &c);
    }
    report("tcpa_data_segment", v, runs, n / 4 * 4,
           "ns_tcpa_segment, in-order 1448 B data segment (4 in flight; clock read per 4)");
    report("tcpa_data_and_ack", p, runs, n,
           "ns_tcpa_segment x2: in-order data segment plus the ACK of it");
    ns_tcpa_fini(&t);
}

int main(int argc, char **argv)
{
    int runs = 5;
    double scale = 1.0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc) {
            runs = atoi(argv[++i]);
        } else if (strcmp(argv[i], "--scale") == 0 && i + 1 < argc) {
            scale = atof(argv[++i]);
        } else {
            fprintf(stderr, "usage: ns-bench-micro [--runs N] [--scale F]\n");
            return 1;
        }
    }
    if (runs < 1 || runs > MAX_RUNS || !(scale > 0)) {
        fprintf(stderr, "ns-bench-micro: --runs 1..%d, --scale > 0\n", MAX_RUNS);
        return 1;
    }
    uint64_t n = (uint64_t)(4e6 * scale);
    if (n < 1024)
        n = 1024;
    printf("# ns-bench-micro: median of %d runs; name, median ns, min, max, calls, what\n", runs);
    bench_parse(runs, 4 * n, 0);
    bench_parse(runs, 4 * n, 1);
    struct ns_flow_key *keys = make_keys(1u << 17, 3);
    bench_hashes(runs, 4 * n, keys, 1u << 17);
    free(keys);
    bench_lookup(runs, n);
    bench_insert(runs, (uint32_t)(n / 4 > NFLOWS ? n / 4 : NFLOWS));
    bench_tcpa(runs, n);
    return 0;
}
