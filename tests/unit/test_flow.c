/* Unit tests for core/flow.c: canonical keys, growth, the cap and its eviction order,
 * idle timeouts, port reuse and the end-of-run order. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "core/flow.h"

static const uint8_t A4[4] = { 192, 0, 2, 1 }, B4[4] = { 198, 51, 100, 7 };
static const uint8_t A6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };

struct ended {
    uint64_t id[64];
    enum ns_flow_end why[64];
    unsigned n;
};

static void on_end(const struct ns_flow *f, enum ns_flow_end why, void *arg)
{
    struct ended *e = arg;
    if (e->n < 64) {
        e->id[e->n] = f->id;
        e->why[e->n] = why;
    }
    e->n++;
}

static void key_is_canonical(void **state)
{
    (void)state;
    struct ns_flow_key k1, k2;
    bool s1, s2;
    ns_flow_key_make(&k1, 4, 6, A4, 40000, B4, 443, &s1);
    ns_flow_key_make(&k2, 4, 6, B4, 443, A4, 40000, &s2);
    assert_memory_equal(&k1, &k2, sizeof k1);
    assert_true(s1 != s2);
    assert_false(s1);                 /* 192.0.2.1 sorts first: the packet from it is not swapped */
    /* same address both sides: the ports decide */
    ns_flow_key_make(&k1, 4, 17, A4, 53, A4, 5353, &s1);
    ns_flow_key_make(&k2, 4, 17, A4, 5353, A4, 53, &s2);
    assert_memory_equal(&k1, &k2, sizeof k1);
    assert_true(s1 != s2);
    /* IPv4 and IPv6, TCP and UDP never share a key */
    ns_flow_key_make(&k1, 4, 6, A4, 1, B4, 2, &s1);
    ns_flow_key_make(&k2, 4, 17, A4, 1, B4, 2, &s2);
    assert_memory_not_equal(&k1, &k2, sizeof k1);
    ns_flow_key_make(&k2, 6, 6, A6, 1, A6, 2, &s2);
    assert_int_equal(k2.af, 6);
    assert_memory_equal(k2.addr[0], A6, 16);
}

static struct ns_flow *get(struct ns_flow_table *t, uint16_t sport, int64_t ts, bool *created)
{
    struct ns_flow_key k;
    bool sw;
    ns_flow_key_make(&k, 4, 6, A4, sport, B4, 80, &sw);
    return ns_flow_table_get(t, &k, sw, ts, created);
}

static void finds_both_directions(void **state)
{
    (void)state;
    struct ns_flow_table t;
    struct ns_flow_cfg cfg = { .max_flows = 8 };
    assert_int_equal(ns_flow_table_init(&t, &cfg, NULL), NS_STATUS_OK);
    bool c;
    struct ns_flow *f = get(&t, 1000, 1, &c);
    assert_true(c);
    assert_int_equal(f->id, 1);
    struct ns_flow_key k;
    bool sw;
    ns_flow_key_make(&k, 4, 6, B4, 80, A4, 1000, &sw);
    struct ns_flow *g = ns_flow_table_get(&t, &k, sw, 2, &c);
    assert_false(c);
    assert_int_equal(g->id, 1);
    assert_int_equal(t.stats.created, 1);
    ns_flow_table_fini(&t);
}

static void grows_by_doubling_up_to_cap(void **state)
{
    (void)state;
    struct ns_flow_table t;
    struct ns_flow_cfg cfg = { .max_flows = 100, .initial = 4 };
    assert_int_equal(ns_flow_table_init(&t, &cfg, NULL), NS_STATUS_OK);
    bool c;
    for (uint16_t p = 1; p <= 100; p++)
        assert_non_null(get(&t, p, p, &c));
    assert_int_equal(t.cap, 100);                 /* 4 8 16 32 64 100 */
    assert_int_equal(t.stats.grown, 5);
    assert_int_equal(t.stats.evicted, 0);
    assert_int_equal(t.stats.active, 100);
    for (uint16_t p = 1; p <= 100; p++) {          /* every flow still found after growth */
        struct ns_flow *f = get(&t, p, 1000, &c);
        assert_false(c);
        assert_int_equal(f->id, p);
    }
    ns_flow_table_fini(&t);
}

static void full_table_evicts_least_recent(void **state)
{
    (void)state;
    struct ended e = {0};
    struct ns_flow_table t;
    struct ns_flow_cfg cfg = { .max_flows = 3, .on_end = on_end, .arg = &e };
    assert_int_equal(ns_flow_table_init(&t, &cfg, NULL), NS_STATUS_OK);
    bool c;
    get(&t, 1, 1, &c);
    get(&t, 2, 2, &c);
    get(&t, 3, 3, &c);
    get(&t, 1, 4, &c);                /* 1 is now the most recent; 2 the least */
    struct ns_flow *f = get(&t, 4, 5, &c);
    assert_true(c);
    assert_int_equal(f->id, 4);
    assert_int_equal(e.n, 1);
    assert_int_equal(e.id[0], 2);
    assert_int_equal(e.why[0], NS_FLOW_END_EVICTED);
    assert_int_equal(t.stats.evicted, 1);
    assert_int_equal(t.stats.active, 3);
    f = get(&t, 2, 6, &c);            /* the evicted key comes back as a new flow */
    assert_true(c);
    assert_int_equal(f->id, 5);
    assert_int_equal(e.id[1], 3);
    ns_flow_table_fini(&t);
}

static void idle_timeout_starts_new_flow(void **state)
{
    (void)state;
    struct ended e = {0};
    struct ns_flow_table t;
    struct ns_flow_cfg cfg = { .max_flows = 8, .idle_ns = 100, .on_end = on_end, .arg = &e };
    assert_int_equal(ns_flow_table_init(&t, &cfg, NULL), NS_STATUS_OK);
    bool c;
    get(&t, 1, 0, &c);
    get(&t, 1, 100, &c);              /* exactly the timeout: still the same flow */
    assert_false(c);
    struct ns_flow *f = get(&t, 1, 201, &c);
    assert_true(c);
    assert_int_equal(f->id, 2);
    assert_int_equal(e.n, 1);
    assert_int_equal(e.why[0], NS_FLOW_END_IDLE);
    assert_int_equal(t.stats.timed_out, 1);
    ns_flow_table_fini(&t);
}

/* Time passing with no packet (a quiet live link): expire() ends exactly the flows a lookup
 * at that time would, oldest first, and none without an idle timeout. */
static void expire_without_a_packet(void **state)
{
    (void)state;
    struct ended e = {0};
    struct ns_flow_table t;
    struct ns_flow_cfg cfg = { .max_flows = 8, .idle_ns = 100, .on_end = on_end, .arg = &e };
    assert_int_equal(ns_flow_table_init(&t, &cfg, NULL), NS_STATUS_OK);
    bool c;
    get(&t, 1, 0, &c);
    get(&t, 2, 50, &c);
    get(&t, 3, 60, &c);
    get(&t, 1, 70, &c);               /* 1 seen last at 70: now 2 is the oldest */
    ns_flow_table_expire(&t, 150);    /* 2: 100 idle, not more: stays */
    assert_int_equal(e.n, 0);
    ns_flow_table_expire(&t, 165);    /* 2 (115) and 3 (105) end, 1 (95) stays */
    assert_int_equal(e.n, 2);
    assert_int_equal(e.id[0], 2);
    assert_int_equal(e.id[1], 3);
    assert_int_equal(e.why[1], NS_FLOW_END_IDLE);
    assert_int_equal(t.stats.active, 1);
    assert_int_equal(t.stats.timed_out, 2);
    struct ns_flow *f = get(&t, 1, 165, &c);
    assert_false(c);
    assert_int_equal(f->id, 1);
    ns_flow_table_fini(&t);

    struct ns_flow_cfg never = { .max_flows = 8, .on_end = on_end, .arg = &e };
    e.n = 0;
    assert_int_equal(ns_flow_table_init(&t, &never, NULL), NS_STATUS_OK);
    get(&t, 1, 0, &c);
    ns_flow_table_expire(&t, INT64_MAX / 2);
    assert_int_equal(e.n, 0);
    assert_int_equal(t.stats.active, 1);
    ns_flow_table_fini(&t);
}

/* Active timeout 100: a flow busy from 0 on stays one flow up to 100 (exactly the timeout),
 * and its packet at 101 ends it (reason ACTIVE) and starts flow 2, first seen at 101, which
 * in turn is cut at 202. Idle flows are unaffected: no idle timeout is set. */
static void active_timeout_cuts_long_flows(void **state)
{
    (void)state;
    struct ended e = {0};
    struct ns_flow_table t;
    struct ns_flow_cfg cfg = { .max_flows = 8, .active_ns = 100, .on_end = on_end, .arg = &e };
    assert_int_equal(ns_flow_table_init(&t, &cfg, NULL), NS_STATUS_OK);
    bool c;
    for (int64_t ts = 0; ts <= 100; ts += 10) {
        get(&t, 1, ts, &c);
        assert_true(c == (ts == 0));
    }
    struct ns_flow *f = get(&t, 1, 101, &c);
    assert_true(c);
    assert_int_equal(f->id, 2);
    assert_int_equal(f->first_ns, 101);
    assert_int_equal(e.n, 1);
    assert_int_equal(e.id[0], 1);
    assert_int_equal(e.why[0], NS_FLOW_END_ACTIVE);
    get(&t, 1, 201, &c);
    assert_false(c);
    f = get(&t, 1, 202, &c);
    assert_true(c);
    assert_int_equal(f->id, 3);
    assert_int_equal(t.stats.active_ended, 2);
    assert_int_equal(t.stats.timed_out, 0);
    ns_flow_table_fini(&t);
}

static struct ns_flow *get_proto(struct ns_flow_table *t, uint8_t proto, uint16_t sport, int64_t ts,
                                 bool *created)
{
    struct ns_flow_key k;
    bool sw;
    ns_flow_key_make(&k, 4, proto, A4, sport, B4, 80, &sw);
    return ns_flow_table_get(t, &k, sw, ts, created);
}

/* TCP 300, the rest 100: a TCP flow idle at the head of the table's recency order must not
 * shelter an older-than-its-timeout UDP flow behind it (one list would stop at the TCP). */
static void idle_timeouts_per_protocol(void **state)
{
    (void)state;
    struct ended e = {0};
    struct ns_flow_table t;
    struct ns_flow_cfg cfg = { .max_flows = 8, .idle_ns = 100, .idle_tcp_ns = 300,
                               .on_end = on_end, .arg = &e };
    assert_int_equal(ns_flow_table_init(&t, &cfg, NULL), NS_STATUS_OK);
    assert_true(t.split);
    bool c;
    get_proto(&t, 6, 1, 0, &c);                  /* TCP, id 1: least recently seen of all */
    get_proto(&t, 17, 2, 10, &c);                /* UDP, id 2 */
    get_proto(&t, 1, 3, 20, &c);                 /* ICMP, id 3: "other", 100 */
    get_proto(&t, 17, 4, 150, &c);               /* UDP, id 4: its time ends 2 and 3, not 1 */
    assert_int_equal(e.n, 2);
    assert_int_equal(e.id[0], 2);
    assert_int_equal(e.id[1], 3);
    assert_int_equal(e.why[0], NS_FLOW_END_IDLE);
    assert_int_equal(t.stats.active, 2);
    struct ns_flow *f = get_proto(&t, 6, 1, 290, &c);   /* TCP idle 290 < 300: same flow */
    assert_false(c);
    assert_int_equal(f->id, 1);
    assert_int_equal(e.n, 3);                    /* ...while UDP 4 (idle 140) ended */
    assert_int_equal(e.id[2], 4);
    f = get_proto(&t, 17, 5, 591, &c);           /* TCP idle 301: ended by the sweep */
    assert_int_equal(e.n, 4);
    assert_int_equal(e.id[3], 1);
    assert_int_equal(t.stats.timed_out, 4);
    assert_int_equal(t.stats.active, 1);
    /* a returning key past its own timeout starts a new flow, within it does not */
    f = get_proto(&t, 17, 5, 691, &c);           /* exactly 100: same flow */
    assert_false(c);
    f = get_proto(&t, 17, 5, 792, &c);
    assert_true(c);
    assert_int_equal(e.why[4], NS_FLOW_END_IDLE);
    ns_flow_table_fini(&t);
}

/* Only TCP times out (idle_ns 0): other flows live forever; with both equal there is one
 * list, as before. */
static void idle_timeout_tcp_only(void **state)
{
    (void)state;
    struct ended e = {0};
    struct ns_flow_table t;
    struct ns_flow_cfg cfg = { .max_flows = 8, .idle_tcp_ns = 50, .on_end = on_end, .arg = &e };
    assert_int_equal(ns_flow_table_init(&t, &cfg, NULL), NS_STATUS_OK);
    bool c;
    get_proto(&t, 17, 1, 0, &c);
    get_proto(&t, 6, 2, 0, &c);
    get_proto(&t, 17, 3, 1000, &c);
    assert_int_equal(e.n, 1);
    assert_int_equal(e.id[0], 2);
    struct ns_flow *f = get_proto(&t, 17, 1, 5000, &c);
    assert_false(c);
    assert_int_equal(f->id, 1);
    ns_flow_table_fini(&t);

    struct ns_flow_cfg same = { .max_flows = 8, .idle_ns = 50, .idle_tcp_ns = 50 };
    assert_int_equal(ns_flow_table_init(&t, &same, NULL), NS_STATUS_OK);
    assert_false(t.split);
    ns_flow_table_fini(&t);
    struct ns_flow_cfg neg = { .max_flows = 8, .idle_tcp_ns = -1 };
    struct ns_err err;
    assert_int_equal(ns_flow_table_init(&t, &neg, &err), NS_STATUS_USAGE);
}

/* With two lists the table is still full at its cap: the least recently seen flow of
 * either list goes first. */
static void eviction_spans_both_lists(void **state)
{
    (void)state;
    struct ended e = {0};
    struct ns_flow_table t;
    struct ns_flow_cfg cfg = { .max_flows = 3, .idle_ns = 1000, .idle_tcp_ns = 5000,
                               .on_end = on_end, .arg = &e };
    assert_int_equal(ns_flow_table_init(&t, &cfg, NULL), NS_STATUS_OK);
    bool c;
    get_proto(&t, 17, 1, 1, &c);                 /* UDP 1 */
    get_proto(&t, 6, 2, 2, &c);                  /* TCP 2 */
    get_proto(&t, 17, 3, 3, &c);                 /* UDP 3 */
    get_proto(&t, 17, 1, 4, &c);                 /* UDP 1 refreshed: TCP 2 is now the oldest */
    get_proto(&t, 17, 4, 5, &c);
    assert_int_equal(e.n, 1);
    assert_int_equal(e.id[0], 2);
    assert_int_equal(e.why[0], NS_FLOW_END_EVICTED);
    get_proto(&t, 6, 5, 6, &c);                  /* then UDP 3, from the other list */
    assert_int_equal(e.id[1], 3);
    assert_int_equal(t.stats.evicted, 2);
    ns_flow_table_fini(&t);
}

static void restart_and_end_all_in_creation_order(void **state)
{
    (void)state;
    struct ended e = {0};
    struct ns_flow_table t;
    struct ns_flow_cfg cfg = { .max_flows = 8, .on_end = on_end, .arg = &e };
    assert_int_equal(ns_flow_table_init(&t, &cfg, NULL), NS_STATUS_OK);
    bool c;
    get(&t, 5, 1, &c);
    struct ns_flow *f = get(&t, 6, 2, &c);
    get(&t, 7, 3, &c);
    f = ns_flow_table_restart(&t, f, false, 4);   /* port 6 reused: flow 2 ends, 4 begins */
    assert_int_equal(f->id, 4);
    assert_int_equal(e.n, 1);
    assert_int_equal(e.why[0], NS_FLOW_END_REUSED);
    struct ns_flow *g = get(&t, 6, 5, &c);
    assert_false(c);
    assert_int_equal(g->id, 4);
    ns_flow_table_end_all(&t);
    assert_int_equal(e.n, 4);
    assert_int_equal(e.id[1], 1);
    assert_int_equal(e.id[2], 3);
    assert_int_equal(e.id[3], 4);
    assert_int_equal(e.why[3], NS_FLOW_END_FINAL);
    assert_int_equal(t.stats.active, 0);
    ns_flow_table_fini(&t);
}

static void init_refuses_zero_cap(void **state)
{
    (void)state;
    struct ns_flow_table t;
    struct ns_err err;
    struct ns_flow_cfg cfg = { .max_flows = 0 };
    assert_int_equal(ns_flow_table_init(&t, &cfg, &err), NS_STATUS_USAGE);
    assert_non_null(strstr(err.msg, "max_flows"));
}

static void many_flows_with_churn(void **state)
{
    (void)state;
    /* fill, evict and look up across many probe chains: backward-shift deletion must
     * keep every live key findable */
    struct ns_flow_table t;
    struct ns_flow_cfg cfg = { .max_flows = 1000 };
    assert_int_equal(ns_flow_table_init(&t, &cfg, NULL), NS_STATUS_OK);
    bool c;
    for (uint32_t i = 1; i <= 5000; i++)
        get(&t, (uint16_t)i, i, &c);
    assert_int_equal(t.stats.evicted, 4000);
    for (uint32_t i = 4001; i <= 5000; i++) {
        struct ns_flow *f = get(&t, (uint16_t)i, 6000, &c);
        assert_false(c);
        assert_int_equal(f->id, i);
    }
    ns_flow_table_fini(&t);
}

struct order {
    uint64_t last, n;
    bool sorted;
};

static void on_end_order(const struct ns_flow *f, enum ns_flow_end why, void *arg)
{
    struct order *o = arg;
    if (why != NS_FLOW_END_FINAL)
        return;
    if (f->id <= o->last)
        o->sorted = false;
    o->last = f->id;
    o->n++;
}

/* Eviction reuses entries out of creation order: end_all must still end the flows oldest
 * first (its sort is its own heapsort over entry indices). */
static void end_all_sorts_reused_entries(void **state)
{
    (void)state;
    struct order o = { .sorted = true };
    struct ns_flow_table t;
    struct ns_flow_cfg cfg = { .max_flows = 997, .on_end = on_end_order, .arg = &o };
    assert_int_equal(ns_flow_table_init(&t, &cfg, NULL), NS_STATUS_OK);
    bool c;
    for (uint32_t i = 1; i <= 3000; i++) {
        get(&t, (uint16_t)i, i, &c);
        if (i % 7 == 0)
            get(&t, (uint16_t)(i - 5), i, &c);     /* refresh an older one: LRU != creation */
    }
    ns_flow_table_end_all(&t);
    assert_true(o.sorted);
    assert_int_equal(o.n, 997);
    ns_flow_table_fini(&t);
}

/* Eviction picks the flow whose last lookup is oldest, checked against a model that
 * remembers each key's last lookup step: first with the recency list built when the table
 * first fills, then with the lookup clock about to wrap (which builds it earlier). */
struct lru_model {
    uint32_t last[400];         /* per port: step of the last lookup, 0 = not live */
    uint32_t step, bad, evicted;
};

static void on_end_model(const struct ns_flow *f, enum ns_flow_end why, void *arg)
{
    struct lru_model *m = arg;
    uint16_t port = f->key.port[0] == 80 ? f->key.port[1] : f->key.port[0];
    if (why == NS_FLOW_END_EVICTED) {
        m->evicted++;
        for (unsigned p = 0; p < 400; p++)
            if (m->last[p] != 0 && m->last[p] < m->last[port])
                m->bad++;
    }
    m->last[port] = 0;
}

static void eviction_order_is_exact(uint32_t clock_start)
{
    struct lru_model m = {0};
    struct ns_flow_table t;
    struct ns_flow_cfg cfg = { .max_flows = 64, .on_end = on_end_model, .arg = &m };
    assert_int_equal(ns_flow_table_init(&t, &cfg, NULL), NS_STATUS_OK);
    t.clock = clock_start;
    uint32_t x = 12345;
    bool c;
    for (unsigned n = 0; n < 5000; n++) {
        x = x * 1103515245u + 12345u;
        /* mostly a small hot set, sometimes any of 300 ports */
        uint16_t port = (uint16_t)(1 + ((x >> 16) % 8 < 6 ? (x >> 8) % 50 : (x >> 8) % 300));
        (void)get(&t, port, n, &c);
        m.last[port] = ++m.step;
    }
    assert_true(m.evicted > 1000);
    assert_int_equal(m.bad, 0);
    ns_flow_table_fini(&t);
}

static void eviction_exact_after_lazy_phase(void **state)
{
    (void)state;
    eviction_order_is_exact(0);
    eviction_order_is_exact(UINT32_MAX - 20);
}

/* The entry is the per-flow cost of every table: its packing is deliberate (flow.h). */
static void entry_stays_packed(void **state)
{
    (void)state;
    if (sizeof(void *) == 8)
        assert_int_equal(sizeof(struct ns_flow), 136);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(key_is_canonical),
        cmocka_unit_test(finds_both_directions),
        cmocka_unit_test(grows_by_doubling_up_to_cap),
        cmocka_unit_test(full_table_evicts_least_recent),
        cmocka_unit_test(idle_timeout_starts_new_flow),
        cmocka_unit_test(active_timeout_cuts_long_flows),
        cmocka_unit_test(idle_timeouts_per_protocol),
        cmocka_unit_test(idle_timeout_tcp_only),
        cmocka_unit_test(eviction_spans_both_lists),
        cmocka_unit_test(restart_and_end_all_in_creation_order),
        cmocka_unit_test(init_refuses_zero_cap),
        cmocka_unit_test(many_flows_with_churn),
        cmocka_unit_test(end_all_sorts_reused_entries),
        cmocka_unit_test(entry_stays_packed),
        cmocka_unit_test(eviction_exact_after_lazy_phase),
        cmocka_unit_test(expire_without_a_packet),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
