/* bench/gen.c: ns-bench-gen's command line and its ground-truth JSON (schema in
 * bench/README.md). The capture itself is made in gen_flow.c, gen_tcp.c, gen_attack.c. */
#define _POSIX_C_SOURCE 200809L

#include "gen_flow.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char usage[] =
    "usage: ns-bench-gen --out FILE [--truth FILE.json] [--seed N] [--packets N] [--flows N]\n"
    "                    [--size S|L] [--format pcap|pcapng] [--no-attacks] [--truth-flows]\n"
    "  --size S   1000000 packets over 10000 flows\n"
    "  --size L   10000000 packets over 1000000 flows\n"
    "  defaults: --seed 1 --packets 20000 --flows 200 --format pcap, attacks on\n";

static const char *const ev_names[NS_GEN_EV_COUNT] = {
    "none", "retransmission", "fast_retransmission", "out_of_order", "zero_window",
    "keep_alive",
};

/* What each event's related frames are, in tshark's words (tcp.analysis.*). */
static const char *const ev_rel_names[NS_GEN_EV_COUNT] = {
    NULL, NULL, "duplicate_ack_frames", "lost_segment_frames", "window_update_frames",
    "keep_alive_ack_frames",
};

/* Per eligible round, in 1/1000; gen_tcp.c pick_event holds the same numbers. */
static const unsigned ev_rates[NS_GEN_EV_COUNT] = { 0, 10, 5, 5, 3, 3 };

const char *ns_gen_ev_name(enum ns_gen_ev_kind k)
{
    return ev_names[k];
}

static int parse_u64(const char *s, uint64_t *v)
{
    char *end;
    errno = 0;
    unsigned long long x = strtoull(s, &end, 0);
    if (errno || end == s || *end || *s == '-')
        return -1;
    *v = x;
    return 0;
}

static int usage_error(const char *msg, const char *arg)
{
    fprintf(stderr, "ns-bench-gen: %s%s%s\n%s", msg, arg ? ": " : "", arg ? arg : "", usage);
    return 1;
}

static bool takes_value(const char *opt)
{
    static const char *const opts[] = { "--out", "--truth", "--format", "--size", "--seed",
                                        "--packets", "--flows" };
    for (size_t i = 0; i < sizeof opts / sizeof opts[0]; i++)
        if (!strcmp(opt, opts[i]))
            return true;
    return false;
}

/* Returns -1 to exit 0 (help), 1 on a usage error, 0 to run. */
static int parse_args(int argc, char **argv, struct ns_gen_cfg *cfg)
{
    uint64_t packets = 0, flows = 0;
    *cfg = (struct ns_gen_cfg){ .seed = 1, .format = NS_GEN_PCAP, .attacks = true };
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        bool takes = true;
        uint64_t n;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            fputs(usage, stdout);
            return -1;
        } else if (!strcmp(a, "--no-attacks")) {
            cfg->attacks = false;
            takes = false;
        } else if (!strcmp(a, "--truth-flows")) {
            cfg->truth_flows = true;
            takes = false;
        } else if (!takes_value(a)) {
            return usage_error("unknown option", a);
        } else if (!v) {
            return usage_error("option needs a value", a);
        } else if (!strcmp(a, "--out")) {
            cfg->out_path = v;
        } else if (!strcmp(a, "--truth")) {
            cfg->truth_path = v;
        } else if (!strcmp(a, "--format")) {
            if (strcmp(v, "pcap") && strcmp(v, "pcapng"))
                return usage_error("--format is pcap or pcapng", v);
            cfg->format = strcmp(v, "pcap") ? NS_GEN_PCAPNG : NS_GEN_PCAP;
        } else if (!strcmp(a, "--size")) {
            if (strcmp(v, "S") && strcmp(v, "L"))
                return usage_error("--size is S or L", v);
            cfg->size = v;
        } else if (parse_u64(v, &n) != 0) {
            return usage_error("not a number", v);
        } else if (!strcmp(a, "--seed")) {
            cfg->seed = n;
        } else if (!strcmp(a, "--packets")) {
            packets = n;
        } else if (!strcmp(a, "--flows")) {
            flows = n;
        }
        i += takes;
    }
    /* A size preset sets both counts; --packets and --flows, in any order, win. */
    bool large = cfg->size && !strcmp(cfg->size, "L");
    cfg->packets = packets ? packets : cfg->size ? (large ? 10000000 : 1000000) : 20000;
    cfg->flows = (uint32_t)(flows ? flows : cfg->size ? (large ? 1000000 : 10000) : 200);
    if (!cfg->out_path)
        return usage_error("--out is required", NULL);
    if (cfg->flows == 0 || flows > 16000000 || cfg->packets > UINT32_MAX)
        return usage_error("--flows must be 1..16000000 and --packets below 2^32", NULL);
    return 0;
}

static void addr_str(char *out, const uint8_t *a, bool v6)
{
    inet_ntop(v6 ? AF_INET6 : AF_INET, a, out, INET6_ADDRSTRLEN);
}

static void v4_str(char *out, uint32_t v)
{
    uint8_t a[4];
    ns_gen_put_v4(a, v);
    addr_str(out, a, false);
}

static int cmp_event(const void *a, const void *b)
{
    uint32_t fa = ((const struct ns_gen_event *)a)->frame;
    uint32_t fb = ((const struct ns_gen_event *)b)->frame;
    return (fa > fb) - (fa < fb);
}

static void write_header(FILE *j, const struct ns_gen *g)
{
    const struct ns_gen_cfg *c = &g->cfg;
    const struct ns_gen_counts *n = &g->counts;
    fprintf(j, "{\n  \"generator\": {\"name\": \"ns-bench-gen\", \"version\": \"%s\"},\n",
            NS_GEN_VERSION);
    fprintf(j, "  \"args\": {\"seed\": %llu, \"packets\": %llu, \"flows\": %u, \"size\": %s%s%s, "
            "\"format\": \"%s\", \"attacks\": %s, \"truth_flows\": %s},\n",
            (unsigned long long)c->seed, (unsigned long long)c->packets, c->flows,
            c->size ? "\"" : "", c->size ? c->size : "null", c->size ? "\"" : "",
            c->format == NS_GEN_PCAP ? "pcap" : "pcapng", c->attacks ? "true" : "false",
            c->truth_flows ? "true" : "false");
    fprintf(j, "  \"link_type\": 1,\n  \"timestamp_resolution\": \"us\",\n");
    fprintf(j, "  \"packets\": %llu,\n  \"bytes\": %llu,\n",
            (unsigned long long)g->out.frames, (unsigned long long)g->out.bytes);
    fprintf(j, "  \"flows\": {\"total\": %u, \"tcp\": %u, \"udp\": %u, \"icmp\": %u, "
            "\"ipv4\": %u, \"ipv6\": %u, \"dns\": %u, \"udp_other\": %u, \"tls\": %u},\n",
            g->nbenign, n->tcp, n->udp, n->icmp, n->v4, n->v6, n->dns, n->udp_other, n->tls);
    fprintf(j, "  \"conversations\": {\"tcp\": %u, \"udp\": %u},\n",
            n->tcp + n->attack_tcp_convs, n->udp);
}

static void write_event_summary(FILE *j, const struct ns_gen *g)
{
    uint64_t count[NS_GEN_EV_COUNT] = { 0 };
    for (size_t i = 0; i < g->nev; i++)
        count[g->ev[i].kind]++;
    fputs("  \"event_rates_per_1000_rounds\": {", j);
    for (int k = 1; k < NS_GEN_EV_COUNT; k++)
        fprintf(j, "%s\"%s\": %u", k > 1 ? ", " : "", ev_names[k], ev_rates[k]);
    fputs("},\n  \"event_counts\": {", j);
    for (int k = 1; k < NS_GEN_EV_COUNT; k++)
        fprintf(j, "%s\"%s\": %llu", k > 1 ? ", " : "", ev_names[k],
                (unsigned long long)count[k]);
    fputs("},\n", j);
}

static void write_events(FILE *j, struct ns_gen *g)
{
    if (g->nev)                     /* qsort's pointer must not be NULL, even for 0 items */
        qsort(g->ev, g->nev, sizeof *g->ev, cmp_event);
    fputs("  \"events\": [", j);
    for (size_t i = 0; i < g->nev; i++) {
        const struct ns_gen_event *e = &g->ev[i];
        fprintf(j, "%s\n    {\"kind\": \"%s\", \"frame\": %u, \"flow\": %u",
                i ? "," : "", ev_names[e->kind], e->frame, e->flow);
        if (e->orig)
            fprintf(j, ", \"original_frame\": %u", e->orig);
        if (ev_rel_names[e->kind]) {
            fprintf(j, ", \"%s\": [", ev_rel_names[e->kind]);
            for (unsigned r = 0; r < e->nrel; r++)
                fprintf(j, "%s%u", r ? ", " : "", e->rel[r]);
            fputc(']', j);
        }
        fputc('}', j);
    }
    fputs(g->nev ? "\n  ],\n" : "],\n", j);
}

static void write_attack(FILE *j, const struct ns_gen_flow *f, const char *kind,
                         const char *target, const char *sources, unsigned count, bool last)
{
    fprintf(j, "    {\"kind\": \"%s\", \"target\": \"%s\", \"sources\": %s, \"count\": %u, "
            "\"packets\": %u, \"first_frame\": %u, \"last_frame\": %u, \"first_ts_us\": %llu, "
            "\"last_ts_us\": %llu}%s\n", kind, target, sources, count, f->packets,
            f->first_frame, f->last_frame, (unsigned long long)f->first_us,
            (unsigned long long)f->last_us, last ? "" : ",");
}

static void write_attacks(FILE *j, const struct ns_gen *g)
{
    char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN], t[80], s[160];
    if (g->nflows == g->nbenign) {
        fputs("  \"attacks\": [],\n", j);
        return;
    }
    const struct ns_gen_flow *f = &g->flows[g->nbenign];
    fputs("  \"attacks\": [\n", j);
    v4_str(a, NS_GEN_FLOOD_TARGET);
    snprintf(t, sizeof t, "%s:%u", a, NS_GEN_FLOOD_PORT);
    snprintf(s, sizeof s, "{\"spoofed\": true, \"distinct\": %u, \"network\": \"100.64.0.0/10\"}",
             NS_GEN_FLOOD_SYNS);
    write_attack(j, &f[0], "syn_flood", t, s, NS_GEN_FLOOD_SYNS, false);
    v4_str(a, NS_GEN_SCAN_TARGET);
    v4_str(b, NS_GEN_SCANNER);
    snprintf(s, sizeof s, "[\"%s\"]", b);
    write_attack(j, &f[1], "port_scan", a, s, NS_GEN_SCAN_PORTS, false);
    v4_str(a, NS_GEN_HSCAN_NET);
    snprintf(t, sizeof t, "%s/24 port 22", a);
    v4_str(b, NS_GEN_HSCANNER);
    snprintf(s, sizeof s, "[\"%s\"]", b);
    write_attack(j, &f[2], "horizontal_scan", t, s, NS_GEN_HSCAN_HOSTS, true);
    fputs("  ],\n", j);
}

static const char *kind_name(uint8_t k)
{
    static const char *const names[] = { "tcp", "udp", "udp", "icmp" };
    return k < 4 ? names[k] : "attack";
}

static void write_flow_list(FILE *j, const struct ns_gen *g)
{
    fputs("  \"flow_list\": [", j);
    for (uint32_t i = 0; i < g->nbenign; i++) {
        const struct ns_gen_flow *f = &g->flows[i];
        uint8_t cli[16], srv[16];
        char cs[INET6_ADDRSTRLEN], ss[INET6_ADDRSTRLEN], name[64];
        ns_gen_flow_addrs(g, i, cli, srv);
        addr_str(cs, cli, f->v6);
        addr_str(ss, srv, f->v6);
        fprintf(j, "%s\n    {\"id\": %u, \"proto\": \"%s\", \"ip\": %d, \"client\": \"%s\", "
                "\"server\": \"%s\", \"client_port\": %u, \"server_port\": %u, \"packets\": %u, "
                "\"first_frame\": %u, \"last_frame\": %u", i ? "," : "", i, kind_name(f->kind),
                f->v6 ? 6 : 4, cs, ss, f->kind == NS_GEN_ICMP ? 0 : f->sport,
                f->kind == NS_GEN_ICMP ? 0 : f->dport, f->packets, f->first_frame,
                f->last_frame);
        if (f->kind == NS_GEN_DNS || (f->kind == NS_GEN_TCP && f->dport == 443)) {
            ns_gen_flow_name(name, sizeof name, i, f->kind == NS_GEN_TCP);
            fprintf(j, ", \"%s\": \"%s\"", f->kind == NS_GEN_DNS ? "qname" : "sni", name);
        }
        if (f->kind == NS_GEN_TCP)
            fprintf(j, ", \"close\": \"%s\"", f->rst_close ? "rst" : "fin");
        fputc('}', j);
    }
    fputs(g->nbenign ? "\n  ],\n" : "],\n", j);
}

static int write_truth(struct ns_gen *g, const char *path)
{
    FILE *j = fopen(path, "w");
    if (!j)
        return -1;
    write_header(j, g);
    write_event_summary(j, g);
    write_events(j, g);
    write_attacks(j, g);
    if (g->cfg.truth_flows)
        write_flow_list(j, g);
    fprintf(j, "  \"first_ts_us\": %llu,\n  \"last_ts_us\": %llu\n}\n",
            (unsigned long long)g->start_us, (unsigned long long)g->out.last_us);
    return fclose(j) == 0 ? 0 : -1;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    struct ns_gen_cfg cfg;
    int rc = parse_args(argc, argv, &cfg);
    if (rc)
        return rc < 0 ? 0 : rc;
    struct ns_gen g;
    char err[256];
    double t0 = now_s();
    if (ns_gen_init(&g, &cfg, err, sizeof err) != 0) {
        fprintf(stderr, "ns-bench-gen: %s\n", err);
        ns_gen_fini(&g);
        return 2;
    }
    if (ns_gen_run(&g) != 0) {
        fprintf(stderr, "ns-bench-gen: %s: write failed\n", cfg.out_path);
        rc = 2;
    } else if (g.out.frames != cfg.packets) {
        fprintf(stderr, "ns-bench-gen: wrote %llu packets, planned %llu (a bug)\n",
                (unsigned long long)g.out.frames, (unsigned long long)cfg.packets);
        rc = 2;
    }
    if (!rc && cfg.truth_path && write_truth(&g, cfg.truth_path) != 0) {
        fprintf(stderr, "ns-bench-gen: %s: cannot write\n", cfg.truth_path);
        rc = 2;
    }
    if (!rc)
        fprintf(stderr, "ns-bench-gen: %llu packets, %llu bytes, %u flows, %zu events in %.2f s\n",
                (unsigned long long)g.out.frames, (unsigned long long)g.out.bytes, g.nbenign,
                g.nev, now_s() - t0);
    ns_gen_fini(&g);
    return rc;
}
