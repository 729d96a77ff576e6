/* bench/gen_flow.c: plans the flows (kind, address family, packet budget, start time),
 * interleaves them in time with a min-heap, and generates the UDP and ICMP ones.
 * TCP lives in gen_tcp.c, attacks in gen_attack.c. */
#include "gen_flow.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The capture span is set by whichever needs more time: the mean packet rate (high
 * enough that many flows overlap, low enough that timestamps rarely need the 1 us nudge)
 * or the rate at which new flows start. Holding the flow start rate (and the flows'
 * durations, MAX_DUR_US) the same for every size makes a bigger capture a longer one of
 * the same traffic: as many flows live at once, so memory with idle timeouts can be
 * compared between S and L (docs/performance.md). S is at both rates exactly. */
#define PKT_RATE 25000u
#define FLOW_RATE 250u
#define MAX_DUR_US 10e6
#define MIN_SPAN_US 20000000u
#define START_US 1700000000000000ull        /* 2023-11-14, any fixed date will do */

void ns_gen_put_v4(uint8_t *a, uint32_t v)
{
    a[0] = (uint8_t)(v >> 24);
    a[1] = (uint8_t)(v >> 16);
    a[2] = (uint8_t)(v >> 8);
    a[3] = (uint8_t)v;
}

static void put_v6(uint8_t *a, uint16_t net, uint32_t host)
{
    static const uint8_t pfx[4] = { 0x20, 0x01, 0x0d, 0xb8 };     /* 2001:db8::/32 */
    memset(a, 0, 16);
    memcpy(a, pfx, 4);
    a[4] = (uint8_t)(net >> 8);
    a[5] = (uint8_t)net;
    ns_gen_put_v4(a + 12, host);
}

/* Clients are one address per flow (10.0.0.0/8, 2001:db8:c::/48), so no two flows share a
 * 5-tuple and tshark's conversation count equals ours. Servers are a pool of 4096. */
void ns_gen_flow_addrs(const struct ns_gen *g, uint32_t idx, uint8_t *cli, uint8_t *srv)
{
    const struct ns_gen_flow *f = &g->flows[idx];
    uint32_t server = (uint32_t)((idx * 2654435761u) >> 20) + 1;   /* 1..4096 */
    bool dns = f->kind == NS_GEN_DNS;
    if (f->v6) {
        put_v6(cli, 0x000c, idx + 1);
        put_v6(srv, dns ? 0x0053 : 0x0005, dns ? 0x53 : server);
    } else {
        ns_gen_put_v4(cli, 0x0a000000u + idx + 1);
        ns_gen_put_v4(srv, dns ? 0xac1f0035u : 0xac100000u + server);
    }
}

struct ns_gen_event *ns_gen_event_new(struct ns_gen *g, uint32_t idx, enum ns_gen_ev_kind k)
{
    if (g->nev == g->evcap) {
        size_t cap = g->evcap ? g->evcap * 2 : 1024;
        struct ns_gen_event *ev = realloc(g->ev, cap * sizeof *ev);
        if (!ev) {
            fprintf(stderr, "ns-bench-gen: out of memory for the event list\n");
            exit(2);
        }
        g->ev = ev;
        g->evcap = cap;
    }
    struct ns_gen_event *e = &g->ev[g->nev++];
    memset(e, 0, sizeof *e);
    e->kind = (uint8_t)k;
    e->flow = idx;
    return e;
}

uint32_t ns_gen_emit(struct ns_gen *g, uint32_t idx, struct ns_gen_pkt *p)
{
    struct ns_gen_flow *f = &g->flows[idx];
    p->ipid = f->ipid[!p->from_client]++;
    uint32_t frame = (uint32_t)ns_gen_out_packet(&g->out, p, &f->next_us);
    if (!f->first_frame) {
        f->first_frame = frame;
        f->first_us = f->next_us;
    }
    f->last_frame = frame;
    f->last_us = f->next_us;
    return frame;
}

/* ---- UDP (DNS and other) and ICMP echo ---- */

static void fill_l3(const struct ns_gen *g, uint32_t idx, struct ns_gen_pkt *p, bool from_client)
{
    const struct ns_gen_flow *f = &g->flows[idx];
    uint8_t cli[16], srv[16];
    ns_gen_flow_addrs(g, idx, cli, srv);
    p->v6 = f->v6;
    p->from_client = from_client;
    memcpy(p->src, from_client ? cli : srv, 16);
    memcpy(p->dst, from_client ? srv : cli, 16);
    p->sport = from_client ? f->sport : f->dport;
    p->dport = from_client ? f->dport : f->sport;
}

/* Queries and responses alternate; each query has its own id, the response echoes it. */
static uint32_t dns_step(struct ns_gen *g, uint32_t idx)
{
    struct ns_gen_flow *f = &g->flows[idx];
    bool query = f->count % 2 == 0;
    uint64_t s = f->rng + f->count / 2;             /* same id and type for the pair */
    uint16_t id = (uint16_t)ns_gen_rng_next(&s);
    uint16_t qtype = (id & 3) == 0 ? 28 : 1;        /* a quarter AAAA, the rest A */
    uint8_t answer[16], app[NS_GEN_APP_MAX];
    char name[64];
    ns_gen_flow_name(name, sizeof name, idx, false);
    for (size_t i = 0; i < sizeof answer; i++)
        answer[i] = (uint8_t)ns_gen_rng_next(&s);
    answer[0] = 93;                                 /* keep A answers out of 0/8 and 10/8 */
    struct ns_gen_pkt p = { .l4 = NS_GEN_L4_UDP };
    fill_l3(g, idx, &p, query);
    p.head = app;
    p.head_len = (uint16_t)(query ? ns_gen_dns_query(app, id, name, qtype)
                                  : ns_gen_dns_response(app, id, name, qtype, answer));
    ns_gen_emit(g, idx, &p);
    f->count++;
    return query ? f->rtt_us : f->gap_us;
}

/* Plain UDP is NTP (port 123: client request, server reply, 48 bytes) or syslog (port
 * 514: client to server only, text). Random bytes to a random port would be taken by
 * whatever dissector tshark has registered there and often reported malformed; a low,
 * well-known server port is tried before the ephemeral one, so these stay clean. */
static const char syslog_text[] =
    "<134>1 2023-11-14T22:13:20.000000Z web01 nginx 4242 - - 10.0.0.7 - - \"GET /index.html "
    "HTTP/1.1\" 200 5120 \"-\" \"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, "
    "like Gecko) Chrome/119.0 Safari/537.36\" rt=0.004 uct=0.000 uht=0.004 urt=0.004 "
    "upstream=172.16.0.21:8080 request_id=6f0c2a7e9b1d4c3a8e5f7a9b0c1d2e3f tls=TLSv1.3 "
    "cipher=TLS_AES_128_GCM_SHA256 sni=www.example.com cache=MISS bytes_in=412 bytes_out=5391";

static uint32_t udp_step(struct ns_gen *g, uint32_t idx)
{
    struct ns_gen_flow *f = &g->flows[idx];
    bool ntp = f->dport == 123;
    bool from_client = !ntp || f->count % 2 == 0;
    uint8_t mode = from_client ? 0x23 : 0x24;    /* NTPv4, mode 3 client / 4 server */
    struct ns_gen_pkt p = { .l4 = NS_GEN_L4_UDP };
    fill_l3(g, idx, &p, from_client);
    if (ntp) {
        p.head = &mode;
        p.head_len = 1;
        p.body_len = 47;
    } else {
        p.head = (const uint8_t *)syslog_text;
        p.head_len = (uint16_t)ns_gen_rng_range(&f->rng, 120, sizeof syslog_text - 1);
    }
    ns_gen_emit(g, idx, &p);
    f->count++;
    if (ntp && from_client)
        return f->rtt_us;
    return f->gap_us / 2 + ns_gen_rng_below(&f->rng, f->gap_us + 1);
}

/* Echo request then reply, 56 bytes of data as ping sends; the sequence counts pairs. */
static uint32_t icmp_step(struct ns_gen *g, uint32_t idx)
{
    struct ns_gen_flow *f = &g->flows[idx];
    bool request = f->count % 2 == 0;
    struct ns_gen_pkt p = { .l4 = NS_GEN_L4_ICMP };
    fill_l3(g, idx, &p, request);
    p.icmp_type = f->v6 ? (request ? 128 : 129) : (request ? 8 : 0);
    p.sport = f->sport;                             /* identifier */
    p.dport = (uint16_t)(f->count / 2 + 1);         /* sequence */
    p.body_len = 56;
    ns_gen_emit(g, idx, &p);
    f->count++;
    return request ? f->rtt_us : f->gap_us;
}

static uint32_t flow_step(struct ns_gen *g, uint32_t idx)
{
    switch (g->flows[idx].kind) {
    case NS_GEN_TCP:
        return ns_gen_tcp_step(g, idx);
    case NS_GEN_DNS:
        return dns_step(g, idx);
    case NS_GEN_UDP:
        return udp_step(g, idx);
    case NS_GEN_ICMP:
        return icmp_step(g, idx);
    default:
        return ns_gen_attack_step(g, idx);
    }
}

/* ---- planning ---- */

static uint32_t min_packets(const struct ns_gen_flow *f)
{
    switch (f->kind) {
    case NS_GEN_TCP:
        return ns_gen_tcp_min_packets(f);
    case NS_GEN_UDP:
        return 1;
    default:
        return 2;                   /* DNS and ICMP come in pairs */
    }
}

/* Heavy-tailed share of the spare packets: a few big flows, many small ones, as in
 * real traffic. Pairs-only kinds get little so most of them stay a single exchange. */
static double flow_weight(struct ns_gen_flow *f)
{
    double u = 1.0 - ns_gen_rng_unit(&f->rng);
    double pareto = fmin(pow(u, -1.0 / 1.2), 1000.0);
    switch (f->kind) {
    case NS_GEN_TCP:
        return pareto;
    case NS_GEN_UDP:
        return 0.5 * pareto;
    default:
        return 0.03 * pareto;
    }
}

static void shuffle_kinds(struct ns_gen *g, uint64_t *rng)
{
    uint32_t n = g->nbenign;
    uint32_t ntcp = (uint32_t)((uint64_t)n * 80 / 100);
    uint32_t nudp = (uint32_t)((uint64_t)n * 15 / 100);
    uint32_t ndns = nudp * 6 / 10;
    uint32_t nv6 = (uint32_t)((uint64_t)n * 20 / 100);
    for (uint32_t i = 0; i < n; i++) {
        struct ns_gen_flow *f = &g->flows[i];
        f->kind = i < ntcp ? NS_GEN_TCP : i < ntcp + ndns ? NS_GEN_DNS
                : i < ntcp + nudp ? NS_GEN_UDP : NS_GEN_ICMP;
        f->v6 = 0;
    }
    /* Exact proportions, random placement: Fisher-Yates over kinds, then over families. */
    for (uint32_t i = n; i > 1; i--) {
        uint32_t j = ns_gen_rng_below(rng, i);
        uint8_t k = g->flows[i - 1].kind;
        g->flows[i - 1].kind = g->flows[j].kind;
        g->flows[j].kind = k;
    }
    for (uint32_t i = 0; i < nv6; i++)
        g->flows[i].v6 = 1;
    for (uint32_t i = n; i > 1; i--) {
        uint32_t j = ns_gen_rng_below(rng, i);
        uint8_t v = g->flows[i - 1].v6;
        g->flows[i - 1].v6 = g->flows[j].v6;
        g->flows[j].v6 = v;
    }
}

static const uint16_t tcp_ports[] = { 443, 443, 443, 443, 443, 443, 443, 443, 443, 443,
                                      80, 80, 80, 80, 80, 22, 22, 8080, 8000, 993 };

static void setup_flow(struct ns_gen_flow *f)
{
    f->sport = (uint16_t)ns_gen_rng_range(&f->rng, 32768, 60999);   /* Linux ephemeral */
    f->ipid[0] = (uint16_t)ns_gen_rng_next(&f->rng);
    f->ipid[1] = (uint16_t)ns_gen_rng_next(&f->rng);
    /* Round-trip time log-uniform in 2..100 ms. Events rely on the floor: an
     * out-of-order pair 1 ms apart stays below Wireshark's threshold (the handshake RTT). */
    f->rtt_us = (uint32_t)(2000.0 * pow(50.0, ns_gen_rng_unit(&f->rng)));
    switch (f->kind) {
    case NS_GEN_TCP:
        f->dport = tcp_ports[ns_gen_rng_below(&f->rng, sizeof tcp_ports / sizeof tcp_ports[0])];
        ns_gen_tcp_setup(f);
        break;
    case NS_GEN_DNS:
        f->dport = 53;
        break;
    case NS_GEN_UDP:
        f->dport = ns_gen_rng_below(&f->rng, 2) ? 123 : 514;
        break;
    default:
        f->sport = (uint16_t)ns_gen_rng_next(&f->rng);              /* echo identifier */
        break;
    }
}

static void count_flow(struct ns_gen_counts *c, const struct ns_gen_flow *f)
{
    c->tcp += f->kind == NS_GEN_TCP;
    c->tls += f->kind == NS_GEN_TCP && f->dport == 443;
    c->udp += f->kind == NS_GEN_DNS || f->kind == NS_GEN_UDP;
    c->dns += f->kind == NS_GEN_DNS;
    c->udp_other += f->kind == NS_GEN_UDP;
    c->icmp += f->kind == NS_GEN_ICMP;
    c->v4 += !f->v6;
    c->v6 += f->v6;
}

/* Spare packets go out in proportion to weight; pairs-only kinds get even shares; what
 * rounding leaves goes one by one to flows that take any count (TCP, plain UDP). */
static int share_budget(struct ns_gen *g, uint64_t spare, double *w, double wsum)
{
    uint64_t given = 0;
    for (uint32_t i = 0; i < g->nbenign; i++) {
        struct ns_gen_flow *f = &g->flows[i];
        uint64_t e = (uint64_t)((double)spare * w[i] / wsum);
        if (f->kind == NS_GEN_DNS || f->kind == NS_GEN_ICMP)
            e &= ~1ull;
        f->budget += (uint32_t)e;
        given += e;
    }
    uint64_t left = spare - given;
    for (uint32_t i = 0; left && i < 2 * g->nbenign; i++) {
        struct ns_gen_flow *f = &g->flows[i % g->nbenign];
        if (f->kind == NS_GEN_TCP || f->kind == NS_GEN_UDP) {
            f->budget++;
            left--;
        } else if (left >= 2) {
            f->budget += 2;
            left -= 2;
        }
    }
    return left ? -1 : 0;
}

/* Start times are sorted by index (one slot each across 80 % of the span), so the
 * scheduler can start flows in order without putting them all in the heap. */
static void plan_times(struct ns_gen *g)
{
    double slot = 0.8 * (double)g->span_us / g->nbenign;
    double dmax = fmin(MAX_DUR_US, (double)g->span_us / 4);     /* long enough to overlap */
    for (uint32_t i = 0; i < g->nbenign; i++) {
        struct ns_gen_flow *f = &g->flows[i];
        f->next_us = g->start_us + (uint64_t)(slot * (i + ns_gen_rng_unit(&f->rng)));
        double dur = 50e3 * pow(dmax / 50e3, ns_gen_rng_unit(&f->rng));
        f->gap_us = (uint32_t)fmax(20.0, dur / f->budget);
        f->packets = f->budget;
    }
}

static int plan_attacks(struct ns_gen *g, uint32_t base, char *err, size_t errlen)
{
    static const uint8_t kinds[3] = { NS_GEN_SYN_FLOOD, NS_GEN_PORT_SCAN, NS_GEN_HOST_SCAN };
    for (uint32_t a = 0; a < g->nflows - base; a++) {
        struct ns_gen_flow *f = &g->flows[base + a];
        f->kind = kinds[a];
        f->budget = f->packets = ns_gen_attack_packets(f->kind);
        /* At a quarter, half and three quarters of the span: inside busy traffic. */
        f->next_us = g->start_us + g->span_us * (a + 1) / 4;
        g->counts.attack_packets += f->budget;
    }
    g->counts.attack_tcp_convs = g->nflows > base
        ? NS_GEN_FLOOD_SYNS + NS_GEN_SCAN_PORTS + NS_GEN_HSCAN_HOSTS : 0;
    if (g->counts.attack_packets >= g->cfg.packets) {
        snprintf(err, errlen, "--packets %llu leaves no room next to the %llu attack packets "
                 "(use --no-attacks)", (unsigned long long)g->cfg.packets,
                 (unsigned long long)g->counts.attack_packets);
        return -1;
    }
    return 0;
}

static int plan_budgets(struct ns_gen *g, char *err, size_t errlen)
{
    uint64_t benign = g->cfg.packets - g->counts.attack_packets, mins = 0;
    double *w = malloc(g->nbenign * sizeof *w), wsum = 0;
    if (!w)
        return snprintf(err, errlen, "out of memory"), -1;
    for (uint32_t i = 0; i < g->nbenign; i++) {
        struct ns_gen_flow *f = &g->flows[i];
        f->budget = min_packets(f);
        mins += f->budget;
        w[i] = flow_weight(f);
        wsum += w[i];
    }
    int rc = -1;
    if (mins > benign)
        snprintf(err, errlen, "%u flows need at least %llu packets, only %llu left",
                 g->nbenign, (unsigned long long)mins, (unsigned long long)benign);
    else if (share_budget(g, benign - mins, w, wsum) != 0)
        snprintf(err, errlen, "cannot split %llu packets over these flows",
                 (unsigned long long)benign);
    else
        rc = 0;
    free(w);
    return rc;
}

int ns_gen_init(struct ns_gen *g, const struct ns_gen_cfg *cfg, char *err, size_t errlen)
{
    memset(g, 0, sizeof *g);
    g->cfg = *cfg;
    g->nbenign = cfg->flows;
    g->nflows = cfg->flows + (cfg->attacks ? 3 : 0);
    g->start_us = START_US;
    g->span_us = cfg->packets / PKT_RATE * 1000000u;
    if ((uint64_t)cfg->flows / FLOW_RATE * 1000000u > g->span_us)
        g->span_us = (uint64_t)cfg->flows / FLOW_RATE * 1000000u;
    if (g->span_us < MIN_SPAN_US)
        g->span_us = MIN_SPAN_US;
    g->flows = calloc(g->nflows, sizeof *g->flows);
    g->heap = malloc(g->nflows * sizeof *g->heap);
    if (!g->flows || !g->heap)
        return snprintf(err, errlen, "out of memory for %u flows", g->nflows), -1;
    uint64_t rng = cfg->seed;
    for (uint32_t i = 0; i < g->nflows; i++)
        g->flows[i].rng = cfg->seed ^ ((uint64_t)(i + 1) * 0xd1342543de82ef95ULL);
    shuffle_kinds(g, &rng);
    for (uint32_t i = 0; i < g->nbenign; i++) {
        setup_flow(&g->flows[i]);
        count_flow(&g->counts, &g->flows[i]);
    }
    if (plan_attacks(g, g->nbenign, err, errlen) != 0 || plan_budgets(g, err, errlen) != 0)
        return -1;
    plan_times(g);
    if (ns_gen_out_open(&g->out, cfg->out_path, cfg->format, cfg->seed) != 0)
        return snprintf(err, errlen, "%s: cannot open for writing", cfg->out_path), -1;
    return 0;
}

void ns_gen_fini(struct ns_gen *g)
{
    free(g->flows);
    free(g->heap);
    free(g->ev);
    memset(g, 0, sizeof *g);
}

/* ---- scheduler: binary min-heap of flow indices keyed by next_us ---- */

static bool heap_less(const struct ns_gen *g, uint32_t a, uint32_t b)
{
    uint64_t ta = g->flows[a].next_us, tb = g->flows[b].next_us;
    return ta < tb || (ta == tb && a < b);          /* ties by index: deterministic */
}

static void heap_push(struct ns_gen *g, uint32_t idx)
{
    uint32_t i = g->heap_len++;
    while (i > 0) {
        uint32_t parent = (i - 1) / 2;
        if (!heap_less(g, idx, g->heap[parent]))
            break;
        g->heap[i] = g->heap[parent];
        i = parent;
    }
    g->heap[i] = idx;
}

static uint32_t heap_pop(struct ns_gen *g)
{
    uint32_t top = g->heap[0];
    uint32_t last = g->heap[--g->heap_len];
    uint32_t i = 0;
    for (;;) {
        uint32_t c = 2 * i + 1;
        if (c >= g->heap_len)
            break;
        if (c + 1 < g->heap_len && heap_less(g, g->heap[c + 1], g->heap[c]))
            c++;
        if (!heap_less(g, g->heap[c], last))
            break;
        g->heap[i] = g->heap[c];
        i = c;
    }
    g->heap[i] = last;
    return top;
}

int ns_gen_run(struct ns_gen *g)
{
    uint32_t next_start = 0;
    for (uint32_t i = g->nbenign; i < g->nflows; i++)
        heap_push(g, i);
    while (g->heap_len || next_start < g->nbenign) {
        uint32_t idx;
        if (next_start < g->nbenign &&
            (!g->heap_len || !heap_less(g, g->heap[0], next_start)))
            idx = next_start++;
        else
            idx = heap_pop(g);
        struct ns_gen_flow *f = &g->flows[idx];
        uint32_t gap = flow_step(g, idx);
        f->next_us += gap;
        if (--f->budget)
            heap_push(g, idx);
    }
    return ns_gen_out_close(&g->out);
}
