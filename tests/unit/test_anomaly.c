/* Unit tests for core/anomaly.c: each rule at and just below its threshold, the windows,
 * cooldowns, answers (SYN/ACK, RST, ICMP), benign traffic, time disorder, the caps, and a
 * flood of a million spoofed sources in fixed memory. Every expected value is worked out
 * in the comment above its assertion. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "core/anomaly.h"

#define MS 1000000ll
#define SEC 1000000000ll

#define F_SYN 0x02
#define F_RST 0x04
#define F_ACK 0x10

/* Addresses: 10.0.0.1 is the server, 192.0.2.x the clients/scanners, 198.51.100.x hosts. */
static const uint8_t SERVER[4] = { 10, 0, 0, 1 };
static const uint8_t SCANNER[4] = { 192, 0, 2, 66 };
static const uint8_t ROUTER[4] = { 203, 0, 113, 1 };

static void v4(uint8_t out[4], uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
    out[0] = a;
    out[1] = b;
    out[2] = c;
    out[3] = d;
}

static unsigned tcp(struct ns_anomaly *a, int64_t ts, uint8_t af, const uint8_t *src,
                    uint16_t sport, const uint8_t *dst, uint16_t dport, uint8_t flags,
                    struct ns_alert *out)
{
    struct ns_anomaly_pkt p = { .ts_ns = ts, .af = af, .proto = 6, .tcp_flags = flags,
                                .src = src, .dst = dst, .sport = sport, .dport = dport };
    return ns_anomaly_feed(a, &p, out);
}

static unsigned syn4(struct ns_anomaly *a, int64_t ts, const uint8_t *src, uint16_t sport,
                     const uint8_t *dst, uint16_t dport, struct ns_alert *out)
{
    return tcp(a, ts, 4, src, sport, dst, dport, F_SYN, out);
}

/* An ICMP (af 4) or ICMPv6 (af 6) error from `from` to the probe's sender, quoting it. */
static unsigned unreach(struct ns_anomaly *a, int64_t ts, uint8_t af, const uint8_t *from,
                        uint8_t type, uint8_t code, uint8_t qproto, const uint8_t *qsrc,
                        uint16_t qsport, const uint8_t *qdst, uint16_t qdport,
                        struct ns_alert *out)
{
    struct ns_anomaly_quote q = { .af = af, .proto = qproto, .src = qsrc, .dst = qdst,
                                  .sport = qsport, .dport = qdport };
    struct ns_anomaly_pkt p = { .ts_ns = ts, .af = af, .proto = af == 6 ? 58 : 1,
                                .icmp_type = type, .icmp_code = code, .src = from,
                                .dst = qsrc, .quoted = &q };
    return ns_anomaly_feed(a, &p, out);
}

static uint32_t flood_count(const struct ns_anomaly *a, const uint8_t *dst, uint16_t port,
                            uint32_t *distinct)
{
    uint32_t count, d;
    assert_true(ns_anomaly_flood_state(a, 4, dst, port, &count, &d));
    if (distinct != NULL)
        *distinct = d;
    return count;
}

static void init_default(struct ns_anomaly *a)
{
    struct ns_anomaly_cfg cfg = {0};
    struct ns_err err;
    assert_int_equal(ns_anomaly_init(a, &cfg, &err), NS_STATUS_OK);
}

/* ---- SYN flood ---- */

static void flood_at_threshold(void **state)
{
    (void)state;
    struct ns_anomaly a;
    struct ns_alert al[NS_ANOMALY_MAX_PER_PKT];
    init_default(&a);
    /* SYN i at i ms from 192.0.2.(i % 50), port 1000 + i, to 10.0.0.1:80: the 200th SYN
     * (i = 199) is the first with 200 uncompleted SYNs from 50 sources. */
    for (int i = 0; i < 199; i++) {
        uint8_t src[4];
        v4(src, 192, 0, 2, (uint8_t)(i % 50));
        assert_int_equal(syn4(&a, i * MS, src, (uint16_t)(1000 + i), SERVER, 80, al), 0);
    }
    uint8_t src[4];
    v4(src, 192, 0, 2, 199 % 50);
    assert_int_equal(syn4(&a, 199 * MS, src, 1199, SERVER, 80, al), 1);
    assert_int_equal(al[0].kind, NS_ALERT_SYN_FLOOD);
    assert_string_equal(ns_alert_kind_name(al[0].kind), "syn_flood");
    assert_int_equal(al[0].ts_ns, 199 * MS);
    assert_int_equal(al[0].window_start_ns, 0);
    assert_int_equal(al[0].af, 4);
    assert_int_equal(al[0].port, 80);
    assert_memory_equal(al[0].dst, SERVER, 4);
    assert_int_equal(al[0].count, 200);
    assert_int_equal(al[0].distinct, 50);
    assert_int_equal(al[0].threshold, 200);
    /* every source sent 4 SYNs; the tie goes to the first tracked: 192.0.2.0 */
    assert_int_equal(al[0].src[3], 0);
    /* the 201st SYN is within the 5 s cooldown */
    assert_int_equal(syn4(&a, 200 * MS, src, 1200, SERVER, 80, al), 0);
    assert_int_equal(a.stats.suppressed, 1);
    assert_int_equal(a.stats.alerts[NS_ALERT_SYN_FLOOD], 1);
    ns_anomaly_fini(&a);
}

static void flood_needs_distinct_sources(void **state)
{
    (void)state;
    struct ns_anomaly a;
    struct ns_alert al[NS_ANOMALY_MAX_PER_PKT];
    init_default(&a);
    /* 300 SYNs from one source (a scanner or a retrying client): one source, no flood */
    for (int i = 0; i < 300; i++)
        assert_int_equal(syn4(&a, i * MS, SCANNER, (uint16_t)(1000 + i), SERVER, 80, al), 0);
    ns_anomaly_fini(&a);

    init_default(&a);
    /* 245 SYNs from 49 sources: count is over 200 but sources are 49 */
    for (int i = 0; i < 245; i++) {
        uint8_t src[4];
        v4(src, 192, 0, 2, (uint8_t)(i % 49));
        assert_int_equal(syn4(&a, i * MS, src, (uint16_t)(1000 + i), SERVER, 80, al), 0);
    }
    /* the 50th source makes it: 246 SYNs, 50 sources */
    uint8_t src[4];
    v4(src, 192, 0, 2, 100);
    assert_int_equal(syn4(&a, 245 * MS, src, 5000, SERVER, 80, al), 1);
    assert_int_equal(al[0].count, 246);
    assert_int_equal(al[0].distinct, 50);
    /* 49 sources sent 5 SYNs each, 192.0.2.0 first */
    assert_int_equal(al[0].src[3], 0);
    ns_anomaly_fini(&a);
}

static void flood_window_slides(void **state)
{
    (void)state;
    struct ns_anomaly a;
    struct ns_alert al[NS_ANOMALY_MAX_PER_PKT];
    init_default(&a);
    /* SYN 0 at t = 0, SYNs 1..199 at t = 5 s: at 5 s the first one is exactly one window
     * old, so it has left (the window is (t - 5 s, t]) and 199 remain */
    uint8_t src[4];
    v4(src, 192, 0, 2, 0);
    assert_int_equal(syn4(&a, 0, src, 1000, SERVER, 80, al), 0);
    for (int i = 1; i < 200; i++) {
        v4(src, 192, 0, 2, (uint8_t)(i % 50));
        assert_int_equal(syn4(&a, 5 * SEC, src, (uint16_t)(1000 + i), SERVER, 80, al), 0);
    }
    assert_int_equal(a.stats.expired_half_open, 1);
    /* one more, 1 ns later: 200 in the window */
    v4(src, 192, 0, 2, 77);
    assert_int_equal(syn4(&a, 5 * SEC + 1, src, 2000, SERVER, 80, al), 1);
    assert_int_equal(al[0].count, 200);
    /* the count fell to 0 at 5 s, so the first SYN counted now is one of those at 5 s */
    assert_int_equal(al[0].window_start_ns, 5 * SEC);
    ns_anomaly_fini(&a);

    /* A steady 26 ms spacing never has 200 SYNs in 5 s: the most in (t - 5 s, t] is
     * 1 + floor(4999 / 26) = 193. */
    init_default(&a);
    for (int i = 0; i < 1000; i++) {
        v4(src, 192, 0, 2, (uint8_t)(i % 50));
        assert_int_equal(syn4(&a, i * 26 * MS, src, (uint16_t)(1000 + i), SERVER, 80, al), 0);
    }
    /* at t = 999 * 26 ms the SYNs at 0 .. 25974 - 5000 = 20974 ms, i.e. i = 0..806, left */
    assert_int_equal(a.stats.expired_half_open, 807);
    assert_int_equal(flood_count(&a, SERVER, 80, NULL), 193);
    ns_anomaly_fini(&a);
}

static void flood_cooldown(void **state)
{
    (void)state;
    struct ns_anomaly a;
    struct ns_alert al[NS_ANOMALY_MAX_PER_PKT];
    init_default(&a);
    /* SYN i at i ms from 50 rotating sources: the first alert at i = 199 (t = 199 ms),
     * the next when the clock reaches 199 ms + 5 s, i = 5199, with the SYNs of
     * (199 ms, 5199 ms], i = 200..5199: 5000 of them. */
    int first = -1, second = -1, alerts = 0;
    uint32_t count2 = 0;
    for (int i = 0; i < 8000; i++) {
        uint8_t src[4];
        v4(src, 192, 0, 2, (uint8_t)(i % 50));
        unsigned n = syn4(&a, i * MS, src, (uint16_t)(1000 + i), SERVER, 80, al);
        if (n == 1) {
            alerts++;
            if (first < 0) {
                first = i;
            } else if (second < 0) {
                second = i;
                count2 = al[0].count;
            }
        }
    }
    assert_int_equal(first, 199);
    assert_int_equal(second, 5199);
    assert_int_equal(count2, 5000);
    assert_int_equal(alerts, 2);
    ns_anomaly_fini(&a);
}

static void flood_completed_handshakes_not_counted(void **state)
{
    (void)state;
    struct ns_anomaly a;
    struct ns_alert al[NS_ANOMALY_MAX_PER_PKT];
    init_default(&a);
    /* 300 clients each complete a handshake: the server's SYN/ACK alone does not
     * complete, the client's ACK does */
    for (int i = 0; i < 300; i++) {
        uint8_t c[4];
        v4(c, 192, 0, (uint8_t)(i / 200), (uint8_t)(i % 200));
        int64_t t = i * MS;
        assert_int_equal(syn4(&a, t, c, 40000, SERVER, 443, al), 0);
        assert_int_equal(tcp(&a, t + 100000, 4, SERVER, 443, c, 40000, F_SYN | F_ACK, al), 0);
        assert_int_equal(tcp(&a, t + 200000, 4, c, 40000, SERVER, 443, F_ACK, al), 0);
    }
    assert_int_equal(a.stats.completed, 300);
    assert_int_equal(a.half.live, 0);
    ns_anomaly_fini(&a);

    /* 250 SYNs from 50 sources answered by SYN/ACK; 60 completed by the client's ACK:
     * 190 uncompleted, no flood; 10 more SYNs make 200 */
    init_default(&a);
    uint8_t c[4];
    for (int i = 0; i < 250; i++) {
        v4(c, 192, 0, 2, (uint8_t)(i % 50));
        assert_int_equal(syn4(&a, i * MS, c, (uint16_t)(1000 + i), SERVER, 80, al), 0);
        assert_int_equal(tcp(&a, i * MS + 1, 4, SERVER, 80, c, (uint16_t)(1000 + i),
                             F_SYN | F_ACK, al), 0);
        if (i < 60)
            assert_int_equal(tcp(&a, i * MS + 2, 4, c, (uint16_t)(1000 + i), SERVER, 80,
                                 F_ACK, al), 0);
    }
    for (int i = 250; i < 259; i++) {
        v4(c, 192, 0, 2, (uint8_t)(i % 50));
        assert_int_equal(syn4(&a, i * MS, c, (uint16_t)(1000 + i), SERVER, 80, al), 0);
    }
    assert_int_equal(syn4(&a, 259 * MS, c, 1259, SERVER, 80, al), 1);
    assert_int_equal(al[0].count, 200);
    ns_anomaly_fini(&a);

    /* Sources whose SYNs all completed are not flood sources: 100 completed handshakes
     * from 100 clients, then 200 uncompleted SYNs from 49 other sources, is no flood; a
     * SYN from a 50th uncompleting source is (201 SYNs, 50 sources). */
    init_default(&a);
    for (int i = 0; i < 100; i++) {
        v4(c, 198, 18, 0, (uint8_t)i);
        assert_int_equal(syn4(&a, i, c, 3000, SERVER, 80, al), 0);
        assert_int_equal(tcp(&a, i, 4, c, 3000, SERVER, 80, F_ACK, al), 0);
    }
    for (int i = 0; i < 200; i++) {
        v4(c, 192, 0, 2, (uint8_t)(i % 49));
        assert_int_equal(syn4(&a, MS + i * MS, c, (uint16_t)(1000 + i), SERVER, 80, al), 0);
    }
    v4(c, 192, 0, 2, 200);
    assert_int_equal(syn4(&a, 300 * MS, c, 4000, SERVER, 80, al), 1);
    assert_int_equal(al[0].count, 201);
    assert_int_equal(al[0].distinct, 50);
    ns_anomaly_fini(&a);
}

static void flood_retransmitted_syn_counts_once(void **state)
{
    (void)state;
    struct ns_anomaly a;
    struct ns_alert al[NS_ANOMALY_MAX_PER_PKT];
    init_default(&a);
    /* 50 sources each retransmit one SYN 5 times: 50 attempts, 250 packets, no flood */
    for (int r = 0; r < 5; r++) {
        for (int i = 0; i < 50; i++) {
            uint8_t c[4];
            v4(c, 192, 0, 2, (uint8_t)i);
            assert_int_equal(syn4(&a, r * 500 * MS + i, c, 1000, SERVER, 80, al), 0);
        }
    }
    assert_int_equal(a.stats.syns, 250);
    assert_int_equal(a.stats.syn_dups, 200);
    assert_int_equal(flood_count(&a, SERVER, 80, NULL), 50);
    ns_anomaly_fini(&a);
}

/* ---- port scans ---- */

static void scan_vertical_refused_by_rst(void **state)
{
    (void)state;
    struct ns_anomaly a;
    struct ns_alert al[NS_ANOMALY_MAX_PER_PKT];
    init_default(&a);
    /* ports 1..24 on 10.0.0.1 probed and refused: 24 < 25, no alert */
    for (int k = 1; k <= 24; k++) {
        assert_int_equal(syn4(&a, k * MS, SCANNER, 50000, SERVER, (uint16_t)k, al), 0);
        assert_int_equal(tcp(&a, k * MS + 100, 4, SERVER, (uint16_t)k, SCANNER, 50000,
                             F_RST | F_ACK, al), 0);
    }
    /* the 25th refusal raises the alert, on the RST */
    assert_int_equal(syn4(&a, 25 * MS, SCANNER, 50000, SERVER, 25, al), 0);
    assert_int_equal(tcp(&a, 25 * MS + 100, 4, SERVER, 25, SCANNER, 50000, F_RST | F_ACK, al),
                     1);
    assert_int_equal(al[0].kind, NS_ALERT_PORT_SCAN_VERTICAL);
    assert_string_equal(ns_alert_kind_name(al[0].kind), "port_scan_vertical");
    assert_int_equal(al[0].ts_ns, 25 * MS + 100);
    assert_int_equal(al[0].window_start_ns, 1 * MS);
    assert_memory_equal(al[0].src, SCANNER, 4);
    assert_memory_equal(al[0].dst, SERVER, 4);
    assert_int_equal(al[0].port, 0);
    assert_int_equal(al[0].count, 25);
    assert_int_equal(al[0].distinct, 25);
    assert_int_equal(al[0].threshold, 25);
    assert_int_equal(al[0].rst, 25);
    assert_int_equal(al[0].icmp, 0);
    assert_int_equal(a.stats.refused_rst, 25);
    /* a RST that answers no probe is ordinary traffic */
    uint8_t other[4];
    v4(other, 192, 0, 2, 7);
    assert_int_equal(tcp(&a, 30 * MS, 4, SERVER, 443, other, 1234, F_RST, al), 0);
    assert_int_equal(a.stats.refused_rst, 25);
    ns_anomaly_fini(&a);
}

static void scan_vertical_unanswered_after_grace(void **state)
{
    (void)state;
    struct ns_anomaly a;
    struct ns_alert al[NS_ANOMALY_MAX_PER_PKT];
    init_default(&a);
    /* Probe k to port 1000 + k at k * 100 ms, never answered (filtered). At probe n the
     * probes sent at least 1 s earlier count: k = 0 .. n - 10, i.e. n - 9 of them. The
     * 25th counts at n = 34, t = 3.4 s. */
    for (int k = 0; k < 34; k++)
        assert_int_equal(syn4(&a, k * 100 * MS, SCANNER, 50000, SERVER, (uint16_t)(1000 + k),
                              al), 0);
    assert_int_equal(syn4(&a, 3400 * MS, SCANNER, 50000, SERVER, 1034, al), 1);
    assert_int_equal(al[0].kind, NS_ALERT_PORT_SCAN_VERTICAL);
    assert_int_equal(al[0].distinct, 25);
    assert_int_equal(al[0].count, 25);
    assert_int_equal(al[0].rst + al[0].icmp, 0);
    assert_int_equal(al[0].window_start_ns, 0);
    ns_anomaly_fini(&a);
}

/* A scan faster than the answer grace: 1 SYN per ms to ports 1.., never answered. The
 * vertical set holds 2 * 25 = 50 probes, all pending (younger than 1 s) when the 51st
 * arrives, so each new probe pushes out an unanswered one, which then counts: the 25th
 * spill, at the 75th SYN (t = 74 ms), fires the alert with 25 distinct unanswered ports. */
static void scan_vertical_faster_than_grace(void **state)
{
    (void)state;
    struct ns_anomaly a;
    struct ns_alert al[NS_ANOMALY_MAX_PER_PKT];
    init_default(&a);
    for (int i = 0; i < 74; i++)
        assert_int_equal(syn4(&a, i * MS, SCANNER, 40000, SERVER, (uint16_t)(1 + i), al), 0);
    assert_int_equal(syn4(&a, 74 * MS, SCANNER, 40000, SERVER, 75, al), 1);
    assert_int_equal(al[0].kind, NS_ALERT_PORT_SCAN_VERTICAL);
    assert_int_equal(al[0].distinct, 25);
    assert_int_equal(al[0].rst, 0);
    /* a burst of 20 accepted connections is not a scan, however fast */
    struct ns_anomaly b;
    init_default(&b);
    for (int i = 0; i < 20; i++)
        assert_int_equal(syn4(&b, i * MS, SCANNER, (uint16_t)(50000 + i), SERVER, (uint16_t)(8000 + i), al), 0);
    for (int i = 0; i < 20; i++)
        assert_int_equal(tcp(&b, 30 * MS + i * MS, 4, SERVER, (uint16_t)(8000 + i), SCANNER,
                             (uint16_t)(50000 + i), F_SYN | F_ACK, al), 0);
    assert_int_equal(syn4(&b, 2 * SEC, SCANNER, 50100, SERVER, 9000, al), 0);
    ns_anomaly_fini(&a);
    ns_anomaly_fini(&b);
}

static void scan_vertical_cooldown(void **state)
{
    (void)state;
    struct ns_anomaly a;
    struct ns_alert al[NS_ANOMALY_MAX_PER_PKT];
    init_default(&a);
    /* 100 closed ports probed at k * 10 ms, each refused 0.5 ms later: the alert at the
     * 25th RST (t = 240.5 ms); each of the next 75 SYNs and 75 RSTs meets the rule in the
     * cooldown (until 10.2405 s): 150 suppressed. The set holds 2 * 25 = 50 probes, so
     * ports 51..100 each replace the oldest. */
    int alerts = 0;
    for (int k = 0; k < 100; k++) {
        int64_t t = k * 10 * MS;
        alerts += (int)syn4(&a, t, SCANNER, 50000, SERVER, (uint16_t)(k + 1), al);
        alerts += (int)tcp(&a, t + MS / 2, 4, SERVER, (uint16_t)(k + 1), SCANNER, 50000,
                           F_RST | F_ACK, al);
    }
    assert_int_equal(alerts, 1);
    assert_int_equal(a.stats.suppressed, 150);
    assert_int_equal(a.stats.replaced_probes, 50);
    /* A second burst at 11 s: the first burst (0 .. 990.5 ms) left the window (1 s, 11 s],
     * so 25 new refusals are needed again, and the cooldown is over. */
    for (int k = 0; k < 25; k++) {
        int64_t t = 11 * SEC + k * MS;
        assert_int_equal(syn4(&a, t, SCANNER, 50001, SERVER, (uint16_t)(2000 + k), al), 0);
        unsigned n = tcp(&a, t + 1, 4, SERVER, (uint16_t)(2000 + k), SCANNER, 50001,
                         F_RST | F_ACK, al);
        assert_int_equal(n, k == 24 ? 1 : 0);
    }
    assert_int_equal(al[0].distinct, 25);
    assert_int_equal(al[0].window_start_ns, 11 * SEC);
    /* the new probes took slots of expired ones: nothing counted was replaced */
    assert_int_equal(a.stats.replaced_probes, 50);
    ns_anomaly_fini(&a);
}

static void scan_horizontal_icmp_evidence(void **state)
{
    (void)state;
    struct ns_anomaly a;
    struct ns_alert al[NS_ANOMALY_MAX_PER_PKT];
    init_default(&a);
    /* hosts 198.51.100.1..10 probed on 22; a router answers each with host unreachable
     * (type 3 code 1) quoting the probe: the 10th answer raises the alert */
    for (int h = 1; h <= 10; h++) {
        uint8_t host[4];
        v4(host, 198, 51, 100, (uint8_t)h);
        int64_t t = h * MS;
        assert_int_equal(syn4(&a, t, SCANNER, 40000, host, 22, al), 0);
        unsigned n = unreach(&a, t + 500, 4, ROUTER, 3, 1, 6, SCANNER, 40000, host, 22, al);
        assert_int_equal(n, h == 10 ? 1 : 0);
    }
    assert_int_equal(al[0].kind, NS_ALERT_PORT_SCAN_HORIZONTAL);
    assert_string_equal(ns_alert_kind_name(al[0].kind), "port_scan_horizontal");
    assert_memory_equal(al[0].src, SCANNER, 4);
    const uint8_t zero[16] = {0};
    assert_memory_equal(al[0].dst, zero, 16);
    assert_int_equal(al[0].port, 22);
    assert_int_equal(al[0].proto, 6);
    assert_int_equal(al[0].distinct, 10);
    assert_int_equal(al[0].count, 10);
    assert_int_equal(al[0].icmp, 10);
    assert_int_equal(al[0].rst, 0);
    assert_int_equal(al[0].threshold, 10);
    /* time exceeded (type 11) is no refusal: 10 of them quoting probes to port 23 of 10
     * hosts add nothing */
    for (int h = 1; h <= 10; h++) {
        uint8_t host[4];
        v4(host, 198, 51, 100, (uint8_t)h);
        assert_int_equal(unreach(&a, 20 * MS + h, 4, ROUTER, 11, 0, 6, SCANNER, 40000, host, 23,
                                 al), 0);
    }
    assert_int_equal(a.stats.refused_icmp, 10);
    ns_anomaly_fini(&a);
}

static void scan_mixed_evidence(void **state)
{
    (void)state;
    struct ns_anomaly a;
    struct ns_alert al[NS_ANOMALY_MAX_PER_PKT];
    init_default(&a);
    /* ports 1..25: odd ones refused by RST (13), even ones by ICMP admin prohibited
     * (type 3 code 13) from the host (12) */
    unsigned n = 0;
    for (int k = 1; k <= 25; k++) {
        int64_t t = k * MS;
        n = syn4(&a, t, SCANNER, 50000, SERVER, (uint16_t)k, al);
        assert_int_equal(n, 0);
        if (k % 2)
            n = tcp(&a, t + 1, 4, SERVER, (uint16_t)k, SCANNER, 50000, F_RST | F_ACK, al);
        else
            n = unreach(&a, t + 1, 4, SERVER, 3, 13, 6, SCANNER, 50000, SERVER, (uint16_t)k,
                        al);
    }
    assert_int_equal(n, 1);
    assert_int_equal(al[0].rst, 13);
    assert_int_equal(al[0].icmp, 12);
    assert_int_equal(a.stats.refused_rst, 13);
    assert_int_equal(a.stats.refused_icmp, 12);
    ns_anomaly_fini(&a);
}

static void benign_browser_is_not_a_scan(void **state)
{
    (void)state;
    struct ns_anomaly a;
    struct ns_alert al[NS_ANOMALY_MAX_PER_PKT];
    init_default(&a);
    uint8_t client[4], srv[4];
    v4(client, 192, 168, 1, 10);
    /* page load: 20 SYNs to 20 servers on 443 in 20 ms, before any answer; the SYN/ACKs
     * come 80 ms later, then the ACKs */
    for (int s = 0; s < 20; s++) {
        v4(srv, 198, 51, 100, (uint8_t)(s + 1));
        assert_int_equal(syn4(&a, s * MS, client, (uint16_t)(50000 + s), srv, 443, al), 0);
    }
    for (int s = 0; s < 20; s++) {
        v4(srv, 198, 51, 100, (uint8_t)(s + 1));
        int64_t t = 80 * MS + s * MS;
        assert_int_equal(tcp(&a, t, 4, srv, 443, client, (uint16_t)(50000 + s),
                             F_SYN | F_ACK, al), 0);
        assert_int_equal(tcp(&a, t + 1, 4, client, (uint16_t)(50000 + s), srv, 443, F_ACK,
                             al), 0);
    }
    assert_int_equal(a.stats.accepted, 20);
    /* the servers reset those connections later: a RST after a SYN/ACK refuses nothing */
    for (int s = 0; s < 20; s++) {
        v4(srv, 198, 51, 100, (uint8_t)(s + 1));
        assert_int_equal(tcp(&a, 1500 * MS + s, 4, srv, 443, client, (uint16_t)(50000 + s),
                             F_RST | F_ACK, al), 0);
    }
    assert_int_equal(a.stats.refused_rst, 0);
    /* Then 40 connections to 40 other servers over the next 8 s, each accepted: still
     * nothing, well past the 1 s answer grace (accepted probes give way to new ones). */
    for (int s = 0; s < 40; s++) {
        v4(srv, 198, 51, 101 + s / 20, (uint8_t)(s % 20 + 1));
        int64_t t = 2 * SEC + s * 200 * MS;
        assert_int_equal(syn4(&a, t, client, (uint16_t)(51000 + s), srv, 443, al), 0);
        assert_int_equal(tcp(&a, t + 30 * MS, 4, srv, 443, client, (uint16_t)(51000 + s),
                             F_SYN | F_ACK, al), 0);
    }
    /* one host with 30 open ports (a client of many services) is no vertical scan */
    for (int k = 0; k < 30; k++) {
        int64_t t = 11 * SEC + k * 10 * MS;
        assert_int_equal(syn4(&a, t, client, 52000, SERVER, (uint16_t)(8000 + k), al), 0);
        assert_int_equal(tcp(&a, t + MS, 4, SERVER, (uint16_t)(8000 + k), client, 52000,
                             F_SYN | F_ACK, al), 0);
    }
    assert_int_equal(syn4(&a, 13 * SEC, client, 52001, SERVER, 9999, al), 0);
    assert_int_equal(a.stats.alerts[NS_ALERT_PORT_SCAN_HORIZONTAL], 0);
    assert_int_equal(a.stats.alerts[NS_ALERT_PORT_SCAN_VERTICAL], 0);
    ns_anomaly_fini(&a);
}

static void udp_scan_needs_port_unreachable(void **state)
{
    (void)state;
    struct ns_anomaly a;
    struct ns_alert al[NS_ANOMALY_MAX_PER_PKT];
    init_default(&a);
    /* 40 UDP datagrams to 40 ports, no answers: not probes */
    for (int k = 0; k < 40; k++) {
        struct ns_anomaly_pkt p = { .ts_ns = k * MS, .af = 4, .proto = 17, .src = SCANNER,
                                    .dst = SERVER, .sport = 40000, .dport = (uint16_t)k };
        assert_int_equal(ns_anomaly_feed(&a, &p, al), 0);
    }
    /* a DNS client asking 20 resolvers, each answering: not probes either */
    for (int r = 0; r < 20; r++) {
        uint8_t res[4];
        v4(res, 198, 51, 100, (uint8_t)(r + 1));
        struct ns_anomaly_pkt q = { .ts_ns = 100 * MS + r, .af = 4, .proto = 17,
                                    .src = SCANNER, .dst = res, .sport = 40001, .dport = 53 };
        struct ns_anomaly_pkt ans = { .ts_ns = 110 * MS + r, .af = 4, .proto = 17, .src = res,
                                      .dst = SCANNER, .sport = 53, .dport = 40001 };
        assert_int_equal(ns_anomaly_feed(&a, &q, al), 0);
        assert_int_equal(ns_anomaly_feed(&a, &ans, al), 0);
    }
    /* host unreachable (code 1) quoting UDP is not a port answer: ignored */
    for (int k = 0; k < 30; k++)
        assert_int_equal(unreach(&a, 200 * MS + k, 4, ROUTER, 3, 1, 17, SCANNER, 40000, SERVER,
                                 (uint16_t)k, al), 0);
    assert_int_equal(a.stats.udp_probes, 0);
    /* port unreachable (code 3) from the host for ports 0..24: the 25th raises it */
    for (int k = 0; k < 25; k++) {
        unsigned n = unreach(&a, 300 * MS + k, 4, SERVER, 3, 3, 17, SCANNER, 40000, SERVER,
                             (uint16_t)k, al);
        assert_int_equal(n, k == 24 ? 1 : 0);
    }
    assert_int_equal(al[0].kind, NS_ALERT_PORT_SCAN_VERTICAL);
    assert_int_equal(al[0].icmp, 25);
    assert_int_equal(al[0].distinct, 25);
    assert_int_equal(a.stats.udp_probes, 25);
    ns_anomaly_fini(&a);
}

static void ipv6_scan_and_flood(void **state)
{
    (void)state;
    struct ns_anomaly a;
    struct ns_alert al[NS_ANOMALY_MAX_PER_PKT];
    init_default(&a);
    const uint8_t scanner[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x66 };
    const uint8_t host[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 0x01 };
    /* UDP vertical scan answered by ICMPv6 port unreachable (type 1 code 4) */
    for (int k = 0; k < 25; k++) {
        unsigned n = unreach(&a, k * MS, 6, host, 1, 4, 17, scanner, 40000, host,
                             (uint16_t)(100 + k), al);
        assert_int_equal(n, k == 24 ? 1 : 0);
    }
    assert_int_equal(al[0].af, 6);
    assert_memory_equal(al[0].src, scanner, 16);
    assert_memory_equal(al[0].dst, host, 16);
    assert_int_equal(al[0].icmp, 25);
    /* ICMPv6 address unreachable (code 3) quoting UDP: not a port answer */
    assert_int_equal(unreach(&a, 30 * MS, 6, host, 1, 3, 17, scanner, 40000, host, 9, al), 0);

    /* a v6 flood: 200 SYNs from 50 sources 2001:db8:ff::(i % 50) */
    unsigned total = 0;
    for (int i = 0; i < 200; i++) {
        uint8_t src[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0xff, [15] = (uint8_t)(i % 50) };
        total += tcp(&a, SEC + i * MS, 6, src, (uint16_t)(1000 + i), host, 443, F_SYN, al);
    }
    assert_int_equal(total, 1);
    assert_int_equal(al[0].kind, NS_ALERT_SYN_FLOOD);
    assert_int_equal(al[0].af, 6);
    assert_memory_equal(al[0].dst, host, 16);
    assert_int_equal(al[0].src[5], 0xff);
    assert_int_equal(al[0].port, 443);
    ns_anomaly_fini(&a);
}

static void out_of_order_time(void **state)
{
    (void)state;
    struct ns_anomaly a;
    struct ns_alert al[NS_ANOMALY_MAX_PER_PKT];
    init_default(&a);
    /* 200 SYNs whose times are swapped in pairs (1, 0, 3, 2, ...) ms, as two interfaces
     * interleave: the flood still fires at the 200th packet */
    for (int i = 0; i < 200; i++) {
        uint8_t src[4];
        v4(src, 192, 0, 2, (uint8_t)(i % 50));
        int64_t t = (i ^ 1) * MS;
        assert_int_equal(syn4(&a, t, src, (uint16_t)(1000 + i), SERVER, 80, al),
                         i == 199 ? 1 : 0);
    }
    assert_int_equal(al[0].ts_ns, 198 * MS);
    assert_int_equal(a.clock_ns, 199 * MS);
    assert_int_equal(a.stats.late, 0);
    /* SYNs 6 s and 7 s older than the clock: outside the 5 s SYN window (ignored there,
     * counted late), inside the 10 s scan window (probes with their own times) */
    assert_int_equal(syn4(&a, 199 * MS - 6 * SEC, SCANNER, 1, SERVER, 81, al), 0);
    assert_int_equal(syn4(&a, 199 * MS - 7 * SEC, SCANNER, 2, SERVER, 82, al), 0);
    assert_int_equal(a.stats.late, 2);
    assert_int_equal(a.clock_ns, 199 * MS);
    assert_int_equal(a.targets.live, 1);   /* no flood target for 81 or 82 */
    ns_anomaly_fini(&a);

    /* extreme times: no overflow in windows, grace or cooldowns (UBSan checks) */
    init_default(&a);
    for (int i = 0; i < 300; i++) {
        uint8_t src[4];
        v4(src, 192, 0, 2, (uint8_t)(i % 60));
        int64_t t = i % 2 ? INT64_MAX - i : INT64_MIN + i;
        (void)syn4(&a, t, src, (uint16_t)i, SERVER, (uint16_t)(i % 30), al);
        (void)tcp(&a, t, 4, SERVER, (uint16_t)(i % 30), src, (uint16_t)i, F_RST, al);
    }
    assert_int_equal(a.clock_ns, INT64_MAX - 1);
    ns_anomaly_fini(&a);
}

static void caps_and_evictions(void **state)
{
    (void)state;
    struct ns_anomaly a;
    struct ns_alert al[NS_ANOMALY_MAX_PER_PKT];
    struct ns_anomaly_cfg cfg = { .max_targets = 4, .max_half_open = 8, .max_vertical = 2,
                                  .max_horizontal = 3, .syn_count = 5, .syn_sources = 1 };
    assert_int_equal(ns_anomaly_init(&a, &cfg, NULL), NS_STATUS_OK);
    /* 10 scanners, each one SYN to its own host:80: 10 targets (cap 4: 6 evicted),
     * 10 half-open (cap 8: 2 evicted), 10 (scanner, host) pairs (cap 2: 8 evicted),
     * 10 (scanner, 6, 80) pairs (cap 3: 7 evicted) */
    for (int i = 0; i < 10; i++) {
        uint8_t s[4], h[4];
        v4(s, 192, 0, 2, (uint8_t)i);
        v4(h, 198, 51, 100, (uint8_t)i);
        assert_int_equal(syn4(&a, i * MS, s, 1000, h, 80, al), 0);
    }
    assert_int_equal(a.stats.evicted_targets, 6);
    assert_int_equal(a.stats.evicted_half_open, 2);
    assert_int_equal(a.stats.evicted_vertical, 8);
    assert_int_equal(a.stats.evicted_horizontal, 7);
    assert_int_equal(a.targets.live, 4);
    assert_int_equal(a.half.live, 8);
    assert_int_equal(a.vert.live, 2);
    assert_int_equal(a.horiz.live, 3);
    ns_anomaly_fini(&a);

    /* A half-open table of 5 under a flood from one source (syn_count 5, syn_sources 1):
     * 8 SYNs; the 5th fills the table and fires; 6..8 each evict the oldest, the count
     * stays 5 (cooldown: no second alert). */
    assert_int_equal(ns_anomaly_init(&a, &(struct ns_anomaly_cfg){ .max_half_open = 5,
                     .syn_count = 5, .syn_sources = 1 }, NULL), NS_STATUS_OK);
    unsigned total = 0;
    for (int i = 0; i < 8; i++)
        total += syn4(&a, i * MS, SCANNER, (uint16_t)(1000 + i), SERVER, 80, al);
    assert_int_equal(total, 1);
    assert_int_equal(a.stats.evicted_half_open, 3);
    uint32_t distinct;
    assert_int_equal(flood_count(&a, SERVER, 80, &distinct), 5);
    assert_int_equal(distinct, 1);
    ns_anomaly_fini(&a);

    /* An evicted target starts from zero: targets cap 1, SYNs alternate between two */
    assert_int_equal(ns_anomaly_init(&a, &(struct ns_anomaly_cfg){ .max_targets = 1 }, NULL),
                     NS_STATUS_OK);
    for (int i = 0; i < 400; i++) {
        uint8_t s[4];
        v4(s, 192, 0, 2, (uint8_t)(i % 100));
        assert_int_equal(syn4(&a, i * MS, s, (uint16_t)(1000 + i), SERVER, (uint16_t)(80 + i % 2),
                              al), 0);
    }
    assert_int_equal(a.stats.evicted_targets, 399);
    /* port 80 was evicted by 81's last SYN; 81 holds only that SYN */
    uint32_t c81, d81;
    assert_false(ns_anomaly_flood_state(&a, 4, SERVER, 80, &c81, &d81));
    assert_int_equal(flood_count(&a, SERVER, 81, NULL), 1);
    /* completing SYNs counted by evicted incarnations of 81 (i = 1, 3) leaves the
     * live one alone */
    uint8_t s1[4], s3[4];
    v4(s1, 192, 0, 2, 1);
    v4(s3, 192, 0, 2, 3);
    assert_int_equal(tcp(&a, 400 * MS, 4, s1, 1001, SERVER, 81, F_ACK, al), 0);
    assert_int_equal(tcp(&a, 400 * MS, 4, s3, 1003, SERVER, 81, F_ACK, al), 0);
    assert_int_equal(a.stats.completed, 2);
    assert_int_equal(flood_count(&a, SERVER, 81, NULL), 1);
    ns_anomaly_fini(&a);
}

/* ---- the ACK filter (anomaly.h, Cost) ---- */

/* The filter's invariant: its buckets add up to the half-open SYNs in the table (each
 * raised once on entry, lowered once on leaving), so a missed raise or lowering shows. */
static void assert_filter_exact(const struct ns_anomaly *a)
{
    uint64_t sum = 0;
    for (uint32_t b = 0; b < a->half.nslot; b++)
        sum += a->pend[b];
    assert_int_equal(sum, a->half.live);
}

/* The one nonzero bucket when the table holds one SYN. */
static uint32_t only_bucket(const struct ns_anomaly *a)
{
    uint32_t found = UINT32_MAX;
    for (uint32_t b = 0; b < a->half.nslot; b++) {
        if (a->pend[b] != 0) {
            assert_int_equal(found, UINT32_MAX);
            found = b;
        }
    }
    assert_int_not_equal(found, UINT32_MAX);
    return found;
}

static void ack_completes_after_other_traffic(void **state)
{
    (void)state;
    struct ns_anomaly a;
    struct ns_alert al[NS_ANOMALY_MAX_PER_PKT];
    init_default(&a);
    uint8_t c[4];
    v4(c, 192, 0, 2, 7);
    /* the SYN, then 5000 ACKs of other connections (the caller's flow table may have
     * dropped this one meanwhile: the detector keeps no per-flow state), then its ACK */
    assert_int_equal(syn4(&a, 0, c, 40000, SERVER, 80, al), 0);
    assert_filter_exact(&a);
    for (int i = 0; i < 5000; i++) {
        uint8_t o[4];
        v4(o, 198, 18, (uint8_t)(i >> 8), (uint8_t)i);
        assert_int_equal(tcp(&a, i * 1000, 4, o, (uint16_t)(1024 + i), SERVER, 80, F_ACK, al), 0);
    }
    assert_int_equal(a.stats.completed, 0);
    assert_int_equal(flood_count(&a, SERVER, 80, NULL), 1);
    /* the server's ACK (other direction) and a RST with ACK complete nothing */
    assert_int_equal(tcp(&a, 6 * MS, 4, SERVER, 80, c, 40000, F_ACK, al), 0);
    assert_int_equal(tcp(&a, 6 * MS, 4, c, 40000, SERVER, 80, F_ACK | F_RST, al), 0);
    assert_int_equal(a.stats.completed, 0);
    /* an ACK carrying data (PSH) completes it, once */
    assert_int_equal(tcp(&a, 7 * MS, 4, c, 40000, SERVER, 80, F_ACK | 0x08, al), 0);
    assert_int_equal(a.stats.completed, 1);
    assert_int_equal(flood_count(&a, SERVER, 80, NULL), 0);
    assert_filter_exact(&a);
    assert_int_equal(tcp(&a, 8 * MS, 4, c, 40000, SERVER, 80, F_ACK, al), 0);
    assert_int_equal(a.stats.completed, 1);

    /* The 4-tuple reused (a new connection on the same ports, as after the caller's flow
     * restarted): its SYN is half-open again and its first ACK completes it again. */
    assert_int_equal(syn4(&a, 9 * MS, c, 40000, SERVER, 80, al), 0);
    assert_int_equal(flood_count(&a, SERVER, 80, NULL), 1);
    assert_filter_exact(&a);
    assert_int_equal(tcp(&a, 10 * MS, 4, c, 40000, SERVER, 80, F_ACK | 0x01, al), 0);  /* FIN */
    assert_int_equal(a.stats.completed, 2);
    assert_int_equal(a.half.live, 0);
    assert_filter_exact(&a);

    /* a retransmitted SYN is in the table once: one ACK empties it */
    assert_int_equal(syn4(&a, 11 * MS, c, 40001, SERVER, 80, al), 0);
    assert_int_equal(syn4(&a, 12 * MS, c, 40001, SERVER, 80, al), 0);
    assert_filter_exact(&a);
    assert_int_equal(tcp(&a, 13 * MS, 4, c, 40001, SERVER, 80, F_ACK, al), 0);
    assert_int_equal(a.stats.completed, 3);
    assert_int_equal(a.half.live, 0);
    assert_filter_exact(&a);
    ns_anomaly_fini(&a);
}

static void ack_late_early_expired_evicted(void **state)
{
    (void)state;
    struct ns_anomaly a;
    struct ns_alert al[NS_ANOMALY_MAX_PER_PKT];
    init_default(&a);
    uint8_t c[4];
    v4(c, 192, 0, 2, 8);
    /* an ACK behind the clock (two interfaces interleaved) still completes its SYN */
    assert_int_equal(syn4(&a, 1 * SEC, c, 5000, SERVER, 22, al), 0);
    assert_int_equal(syn4(&a, 3 * SEC, SCANNER, 5001, SERVER, 23, al), 0);
    assert_int_equal(tcp(&a, 2 * SEC, 4, c, 5000, SERVER, 22, F_ACK, al), 0);
    assert_int_equal(a.stats.completed, 1);
    assert_int_equal(a.clock_ns, 3 * SEC);
    /* an ACK seen before its SYN completes nothing: the SYN stays half-open */
    assert_int_equal(tcp(&a, 3 * SEC, 4, c, 5002, SERVER, 22, F_ACK, al), 0);
    assert_int_equal(syn4(&a, 3 * SEC, c, 5002, SERVER, 22, al), 0);
    assert_int_equal(a.stats.completed, 1);
    assert_int_equal(flood_count(&a, SERVER, 22, NULL), 1);
    assert_filter_exact(&a);
    /* one window later both SYNs still open have expired: the ACK of one (which arrives
     * with the packet that moves the clock) finds nothing, the filter is empty again */
    assert_int_equal(tcp(&a, 8 * SEC, 4, c, 5002, SERVER, 22, F_ACK, al), 0);
    assert_int_equal(a.stats.completed, 1);
    assert_int_equal(a.stats.expired_half_open, 2);
    assert_int_equal(a.half.live, 0);
    assert_filter_exact(&a);
    /* expiry runs on every packet, even an ACK the filter turns away: a SYN one window
     * old has left the flood count when the next packet of any kind is fed */
    assert_int_equal(syn4(&a, 9 * SEC, c, 5003, SERVER, 22, al), 0);
    assert_int_equal(tcp(&a, 14 * SEC, 4, SCANNER, 1, SERVER, 9, F_ACK, al), 0);
    assert_int_equal(a.stats.expired_half_open, 3);
    assert_int_equal(flood_count(&a, SERVER, 22, NULL), 0);
    assert_int_equal(syn4(&a, 15 * SEC, c, 5004, SERVER, 22, al), 0);
    assert_int_equal(tcp(&a, 20 * SEC, 4, SCANNER, 1, SERVER, 9, 0x08, al), 0);  /* no ACK */
    assert_int_equal(flood_count(&a, SERVER, 22, NULL), 0);
    assert_int_equal(syn4(&a, 21 * SEC, c, 5005, SERVER, 22, al), 0);
    struct ns_anomaly_pkt udp = { .ts_ns = 26 * SEC, .af = 4, .proto = 17, .src = c,
                                  .dst = SERVER, .sport = 53, .dport = 53 };
    assert_int_equal(ns_anomaly_feed(&a, &udp, al), 0);
    assert_int_equal(flood_count(&a, SERVER, 22, NULL), 0);
    assert_int_equal(a.stats.expired_half_open, 5);
    assert_filter_exact(&a);
    ns_anomaly_fini(&a);

    /* A half-open table of 2: the third SYN evicts the first, whose ACK then completes
     * nothing; the second's still does. */
    assert_int_equal(ns_anomaly_init(&a, &(struct ns_anomaly_cfg){ .max_half_open = 2,
                     .syn_count = 2 }, NULL), NS_STATUS_OK);
    for (int i = 0; i < 3; i++)
        assert_int_equal(syn4(&a, i * MS, c, (uint16_t)(6000 + i), SERVER, 80, al), 0);
    assert_int_equal(a.stats.evicted_half_open, 1);
    assert_filter_exact(&a);
    assert_int_equal(tcp(&a, 3 * MS, 4, c, 6000, SERVER, 80, F_ACK, al), 0);
    assert_int_equal(a.stats.completed, 0);
    assert_int_equal(tcp(&a, 4 * MS, 4, c, 6001, SERVER, 80, F_ACK, al), 0);
    assert_int_equal(a.stats.completed, 1);
    assert_int_equal(flood_count(&a, SERVER, 80, NULL), 1);
    assert_filter_exact(&a);
    ns_anomaly_fini(&a);
}

static void ack_filter_shared_buckets(void **state)
{
    (void)state;
    struct ns_anomaly a;
    struct ns_alert al[NS_ANOMALY_MAX_PER_PKT];
    /* max_half_open 8: 16 buckets, so of 17 client ports two share one */
    assert_int_equal(ns_anomaly_init(&a, &(struct ns_anomaly_cfg){ .max_half_open = 8,
                     .syn_count = 8 }, NULL), NS_STATUS_OK);
    assert_int_equal(a.half.nslot, 16);
    uint8_t c[4];
    v4(c, 192, 0, 2, 9);
    uint32_t bucket[17];
    int x = -1, y = -1;
    for (int i = 0; i < 17; i++) {
        assert_int_equal(syn4(&a, i, c, (uint16_t)(7000 + i), SERVER, 443, al), 0);
        bucket[i] = only_bucket(&a);
        assert_int_equal(tcp(&a, i, 4, c, (uint16_t)(7000 + i), SERVER, 443, F_ACK, al), 0);
        for (int j = 0; j < i && x < 0; j++)
            if (bucket[j] == bucket[i]) {
                x = j;
                y = i;
            }
    }
    assert_true(x >= 0);
    assert_int_equal(a.stats.completed, 17);
    /* both SYNs half-open in one bucket: completing one leaves the other completable,
     * and an ACK of neither completes nothing */
    assert_int_equal(syn4(&a, 100, c, (uint16_t)(7000 + x), SERVER, 443, al), 0);
    assert_int_equal(syn4(&a, 101, c, (uint16_t)(7000 + y), SERVER, 443, al), 0);
    assert_int_equal(a.pend[bucket[x]], 2);
    assert_int_equal(tcp(&a, 102, 4, c, 7100, SERVER, 443, F_ACK, al), 0);
    assert_int_equal(a.stats.completed, 17);
    assert_int_equal(tcp(&a, 103, 4, c, (uint16_t)(7000 + x), SERVER, 443, F_ACK, al), 0);
    assert_int_equal(a.stats.completed, 18);
    assert_int_equal(a.pend[bucket[x]], 1);
    assert_int_equal(tcp(&a, 104, 4, c, (uint16_t)(7000 + x), SERVER, 443, F_ACK, al), 0);
    assert_int_equal(a.stats.completed, 18);
    assert_int_equal(tcp(&a, 105, 4, c, (uint16_t)(7000 + y), SERVER, 443, F_ACK, al), 0);
    assert_int_equal(a.stats.completed, 19);
    assert_int_equal(a.half.live, 0);
    assert_filter_exact(&a);
    ns_anomaly_fini(&a);
}

/* The filter's hash takes the whole 4-tuple and the address family: ACKs that differ
 * from the SYN in any one of them complete nothing, and any seed gives the same answers. */
static void ack_filter_whole_tuple(void **state)
{
    (void)state;
    for (uint32_t seed = 0; seed < 3; seed++) {
        struct ns_anomaly a;
        struct ns_alert al[NS_ANOMALY_MAX_PER_PKT];
        assert_int_equal(ns_anomaly_init(&a, &(struct ns_anomaly_cfg){ .hash_seed = seed * 0x9e3779b9u },
                                         NULL), NS_STATUS_OK);
        const uint8_t c6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 2, [15] = 7 };
        const uint8_t s6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 1 };
        /* the v6 addresses differ from the v4 ones only past their first four bytes */
        const uint8_t c4[4] = { 0x20, 0x01, 0x0d, 0xb8 }, s4[4] = { 0x20, 0x01, 0x0d, 0xb8 };
        const uint8_t c6b[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 3, [15] = 7 };
        assert_int_equal(tcp(&a, 0, 6, c6, 1111, s6, 443, F_SYN, al), 0);
        assert_int_equal(tcp(&a, 1, 4, c4, 1111, s4, 443, F_ACK, al), 0);
        assert_int_equal(tcp(&a, 2, 6, c6b, 1111, s6, 443, F_ACK, al), 0);
        assert_int_equal(tcp(&a, 3, 6, c6, 1112, s6, 443, F_ACK, al), 0);
        assert_int_equal(tcp(&a, 4, 6, c6, 1111, s6, 444, F_ACK, al), 0);
        assert_int_equal(tcp(&a, 5, 6, s6, 443, c6, 1111, F_ACK, al), 0);
        assert_int_equal(a.stats.completed, 0);
        assert_int_equal(tcp(&a, 6, 6, c6, 1111, s6, 443, F_ACK, al), 0);
        assert_int_equal(a.stats.completed, 1);
        assert_filter_exact(&a);
        ns_anomaly_fini(&a);
    }
}

/* The source-slot search stops once it has passed every used slot: a source whose slot
 * lies after a freed one must still find its own, not take the free one. */
static void flood_source_after_free_slot(void **state)
{
    (void)state;
    struct ns_anomaly a;
    struct ns_alert al[NS_ANOMALY_MAX_PER_PKT];
    assert_int_equal(ns_anomaly_init(&a, &(struct ns_anomaly_cfg){ .syn_sources = 3,
                     .syn_count = 5 }, NULL), NS_STATUS_OK);
    uint8_t s[4][4];
    for (int i = 0; i < 4; i++)
        v4(s[i], 192, 0, 2, (uint8_t)(10 + i));
    /* sources 0, 1, 2 take slots 0, 1, 2; source 0's SYN completes: slot 0 is free */
    for (int i = 0; i < 3; i++)
        assert_int_equal(syn4(&a, i * MS, s[i], 8000, SERVER, 25, al), 0);
    assert_int_equal(tcp(&a, 3 * MS, 4, s[0], 8000, SERVER, 25, F_ACK, al), 0);
    uint32_t distinct;
    assert_int_equal(flood_count(&a, SERVER, 25, &distinct), 2);
    assert_int_equal(distinct, 2);
    /* source 2 again: its slot 2, not the free slot 0 (still 2 sources) */
    assert_int_equal(syn4(&a, 4 * MS, s[2], 8001, SERVER, 25, al), 0);
    assert_int_equal(flood_count(&a, SERVER, 25, &distinct), 3);
    assert_int_equal(distinct, 2);
    /* a new source takes the free slot 0: 3 sources, 4 SYNs; the 5th SYN (source 1)
     * meets syn_count 5 with all 3 slots used, and fires */
    assert_int_equal(syn4(&a, 5 * MS, s[3], 8000, SERVER, 25, al), 0);
    assert_int_equal(flood_count(&a, SERVER, 25, &distinct), 4);
    assert_int_equal(distinct, 3);
    assert_int_equal(syn4(&a, 6 * MS, s[1], 8001, SERVER, 25, al), 1);
    assert_int_equal(al[0].count, 5);
    assert_int_equal(al[0].distinct, 3);
    /* sources 1 and 2 have two SYNs each; 1 holds the lower slot of the two */
    assert_int_equal(al[0].src[3], 11);
    assert_int_equal(a.stats.untracked_sources, 0);
    ns_anomaly_fini(&a);
}

/* Counts what the detector asks for: init's one block, then nothing. */
struct counting {
    unsigned allocs, frees;
    size_t bytes;
};

static void *count_alloc(size_t n, void *arg)
{
    struct counting *c = arg;
    c->allocs++;
    c->bytes += n;
    return test_calloc(1, n);
}

static void count_free(void *p, size_t n, void *arg)
{
    struct counting *c = arg;
    c->frees++;
    c->bytes -= n;
    test_free(p);
}

static void million_spoofed_sources_fixed_memory(void **state)
{
    (void)state;
    struct counting c = {0};
    struct ns_anomaly_cfg cfg = { .alloc = count_alloc, .free = count_free, .alloc_arg = &c };
    struct ns_anomaly a;
    struct ns_alert al[NS_ANOMALY_MAX_PER_PKT];
    assert_int_equal(ns_anomaly_init(&a, &cfg, NULL), NS_STATUS_OK);
    assert_int_equal(c.allocs, 1);
    size_t bytes = ns_anomaly_bytes(&a);
    assert_int_equal(c.bytes, bytes);
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
    struct mallinfo2 before = mallinfo2();
#endif
    /* SYN i at i * 10 us (10 s in all) from 11.0.0.0 + i * 2654435761 mod 2^32, a
     * bijection, so one million distinct sources. The first alert at i = 199 (1.99 ms);
     * the cooldown ends at 5.00199 s, i = 500199; the next would need 10.00199 s, past
     * the last SYN (9.99999 s): 2 alerts. At the second, the window holds 500000 SYNs
     * but the half-open table only the latest 65536, all this target's: count 65536.
     * Each SYN is a new (scanner, host) and (scanner, 6, 80) pair: 4096 stay, the rest
     * are evicted. No SYN is 5 s old while still in the 65536-entry table (0.65 s), so
     * every one that left was evicted, none expired. */
    const uint8_t target[4] = { 10, 9, 9, 9 };
    int alerts = 0, first = -1, second = -1;
    uint32_t count2 = 0;
    for (uint32_t i = 0; i < 1000000; i++) {
        uint32_t x = 0x0b000000u + i * 2654435761u;
        uint8_t src[4] = { (uint8_t)(x >> 24), (uint8_t)(x >> 16), (uint8_t)(x >> 8),
                           (uint8_t)x };
        unsigned n = syn4(&a, (int64_t)i * 10000, src, (uint16_t)(1024 + i % 60000), target,
                          80, al);
        for (unsigned j = 0; j < n; j++) {
            assert_int_equal(al[j].kind, NS_ALERT_SYN_FLOOD);
            alerts++;
            if (first < 0) {
                first = (int)i;
            } else {
                second = (int)i;
                count2 = al[j].count;
            }
        }
    }
    assert_int_equal(alerts, 2);
    assert_int_equal(first, 199);
    assert_int_equal(second, 500199);
    assert_int_equal(count2, 65536);
    assert_int_equal(a.stats.evicted_half_open, 1000000 - 65536);
    assert_int_equal(a.stats.expired_half_open, 0);
    assert_int_equal(a.stats.evicted_vertical, 1000000 - 4096);
    assert_int_equal(a.stats.evicted_horizontal, 1000000 - 4096);
    assert_int_equal(a.stats.evicted_targets, 0);
    assert_true(a.stats.untracked_sources > 0);
    assert_int_equal(a.half.live, 65536);
    /* nothing was asked for after init, and the heap did not grow */
    assert_int_equal(c.allocs, 1);
    assert_int_equal(ns_anomaly_bytes(&a), bytes);
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
    struct mallinfo2 after = mallinfo2();
    assert_int_equal(after.uordblks, before.uordblks);
#endif
    ns_anomaly_fini(&a);
    assert_int_equal(c.frees, 1);
    assert_int_equal(c.bytes, 0);
}

static void init_checks_and_defaults(void **state)
{
    (void)state;
    struct ns_anomaly a;
    struct ns_err err;
    init_default(&a);
    assert_int_equal(a.cfg.syn_count, 200);
    assert_int_equal(a.cfg.syn_sources, 50);
    assert_int_equal(a.cfg.syn_window_ns, 5 * SEC);
    assert_int_equal(a.cfg.syn_cooldown_ns, 5 * SEC);
    assert_int_equal(a.cfg.scan_ports, 25);
    assert_int_equal(a.cfg.scan_hosts, 10);
    assert_int_equal(a.cfg.scan_window_ns, 10 * SEC);
    assert_int_equal(a.cfg.scan_cooldown_ns, 10 * SEC);
    assert_int_equal(a.cfg.scan_answer_ns, 1 * SEC);
    assert_int_equal(a.vset_n, 50);
    assert_int_equal(a.hset_n, 20);
    ns_anomaly_fini(&a);
    /* a window given without a cooldown lends it its length */
    assert_int_equal(ns_anomaly_init(&a, &(struct ns_anomaly_cfg){ .syn_window_ns = 2 * SEC },
                                     &err), NS_STATUS_OK);
    assert_int_equal(a.cfg.syn_cooldown_ns, 2 * SEC);
    ns_anomaly_fini(&a);

    assert_int_equal(ns_anomaly_init(&a, &(struct ns_anomaly_cfg){ .scan_window_ns = -1 },
                                     &err), NS_STATUS_USAGE);
    assert_int_equal(ns_anomaly_init(&a, &(struct ns_anomaly_cfg){ .syn_count = 100,
                                     .max_half_open = 99 }, &err), NS_STATUS_USAGE);
    assert_non_null(strstr(err.msg, "max_half_open"));
    assert_int_equal(ns_anomaly_init(&a, &(struct ns_anomaly_cfg){ .scan_ports = 5000 },
                                     &err), NS_STATUS_USAGE);
    assert_int_equal(ns_anomaly_init(&a, &(struct ns_anomaly_cfg){ .max_vertical = 1u << 25 },
                                     &err), NS_STATUS_USAGE);
    assert_int_equal(ns_anomaly_init(&a, &(struct ns_anomaly_cfg){ .alloc = count_alloc },
                                     &err), NS_STATUS_USAGE);
    assert_string_equal(ns_alert_kind_name((enum ns_alert_kind)0), "unknown");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(flood_at_threshold),
        cmocka_unit_test(flood_needs_distinct_sources),
        cmocka_unit_test(flood_window_slides),
        cmocka_unit_test(flood_cooldown),
        cmocka_unit_test(flood_completed_handshakes_not_counted),
        cmocka_unit_test(flood_retransmitted_syn_counts_once),
        cmocka_unit_test(scan_vertical_refused_by_rst),
        cmocka_unit_test(scan_vertical_unanswered_after_grace),
        cmocka_unit_test(scan_vertical_faster_than_grace),
        cmocka_unit_test(scan_vertical_cooldown),
        cmocka_unit_test(scan_horizontal_icmp_evidence),
        cmocka_unit_test(scan_mixed_evidence),
        cmocka_unit_test(benign_browser_is_not_a_scan),
        cmocka_unit_test(udp_scan_needs_port_unreachable),
        cmocka_unit_test(ipv6_scan_and_flood),
        cmocka_unit_test(out_of_order_time),
        cmocka_unit_test(caps_and_evictions),
        cmocka_unit_test(ack_completes_after_other_traffic),
        cmocka_unit_test(ack_late_early_expired_evicted),
        cmocka_unit_test(ack_filter_shared_buckets),
        cmocka_unit_test(ack_filter_whole_tuple),
        cmocka_unit_test(flood_source_after_free_slot),
        cmocka_unit_test(million_spoofed_sources_fixed_memory),
        cmocka_unit_test(init_checks_and_defaults),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
