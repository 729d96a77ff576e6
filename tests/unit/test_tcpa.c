/* Unit tests for core/tcpa.c: ns_tcpa_segment driven directly, expectations computed by
 * hand from Wireshark 4.0's definitions (and checked against tshark 4.0.17 by tcp_diff.py). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/tcpa.h"

#define FIN 0x01
#define SYN 0x02
#define RST 0x04
#define PSH 0x08
#define ACK 0x10
#define MS 1000000LL

struct rig {
    struct ns_tcpa t;
    struct ns_tcpa_conn c;
    uint64_t frame;
    struct ns_tcpa_out o;
};

static void rig_init(struct rig *r, uint32_t max)
{
    assert_int_equal(ns_tcpa_init(&r->t, max, NULL), NS_STATUS_OK);
    ns_tcpa_conn_init(&r->c);
    r->frame = 0;
}

static void rig_fini(struct rig *r)
{
    ns_tcpa_conn_release(&r->t, &r->c);
    ns_tcpa_fini(&r->t);
}

/* one segment: direction, time in ms, flags, raw seq/ack, length, window, wscale (-1 none) */
static const struct ns_tcpa_out *seg(struct rig *r, int dir, int64_t ms, uint16_t fl, uint32_t seq,
                                     uint32_t ack, uint32_t len, uint16_t win, int ws)
{
    struct ns_tcpa_in in = { .frame = ++r->frame, .ts_ns = ms * MS, .seq = seq, .ack = ack,
                             .seglen = len, .flags = fl, .window = win, .wscale = (int16_t)ws };
    ns_tcpa_segment(&r->t, &r->c, dir, &in, &r->o);
    return &r->o;
}

#define HAS(o, id) (((o)->flags & NS_TCPA_F(id)) != 0)

static struct ns_tcpa_metrics metrics_of(const struct rig *r)
{
    struct ns_tcpa_metrics m;
    ns_tcpa_conn_metrics(&r->c, &m);
    return m;
}

static void handshake_scaling_and_wraparound(void **state)
{
    (void)state;
    struct rig r;
    rig_init(&r, 0);
    uint32_t a = 0xFFFFFFF0u, b = 1000;          /* A's numbers wrap after 16 bytes */
    const struct ns_tcpa_out *o = seg(&r, 0, 0, SYN, a, 0, 0, 100, 7);
    assert_int_equal(o->rel_seq, 0);
    assert_int_equal(o->nxtseq, 1);              /* the SYN takes one number */
    assert_int_equal(o->scale, 0);               /* not shown on SYNs */
    assert_int_equal(o->window, 100);            /* SYNs are never scaled */
    o = seg(&r, 1, 10, SYN | ACK, b, a + 1, 0, 200, 3);
    assert_int_equal(o->rel_ack, 1);
    assert_int_equal(o->acks_frame, 1);
    assert_int_equal(o->ack_rtt_ns, 10 * MS);
    o = seg(&r, 0, 20, ACK, a + 1, b + 1, 0, 100, -1);
    assert_true(o->have_irtt == false || o->irtt_ns == 20 * MS);
    assert_int_equal(o->window, 100u << 7);
    assert_int_equal(o->scale, 128);
    assert_int_equal(metrics_of(&r).first_rtt_ns, 20 * MS);
    /* 40 bytes across 2^32 */
    o = seg(&r, 0, 21, ACK | PSH, a + 1, b + 1, 40, 100, -1);
    assert_int_equal(o->rel_seq, 1);
    assert_int_equal(o->nxtseq, 41);
    assert_int_equal(o->flags, 0);
    assert_true(o->have_bif);
    assert_int_equal(o->bytes_in_flight, 40);
    assert_true(o->have_irtt);                   /* shown: the segment has an analysis tree */
    o = seg(&r, 1, 30, ACK, b + 1, a + 41, 0, 200, -1);
    assert_int_equal(o->rel_ack, 41);
    assert_int_equal(o->acks_frame, 4);
    assert_int_equal(o->window, 200u << 3);
    /* resent across the wrap: sequence numbers compare modulo 2^32 */
    o = seg(&r, 0, 500, ACK | PSH, a + 1, b + 1, 40, 100, -1);
    assert_true(HAS(o, SPURIOUS_RETRANSMISSION));
    rig_fini(&r);
}

static void window_scale_unknown_and_none(void **state)
{
    (void)state;
    struct rig r;
    rig_init(&r, 0);
    /* midstream: no handshake, scale unknown (-1), window shown raw */
    const struct ns_tcpa_out *o = seg(&r, 0, 0, ACK, 5000, 9000, 10, 50, -1);
    assert_int_equal(o->scale, -1);
    assert_int_equal(o->window, 50);
    assert_int_equal(o->rel_seq, 1);             /* base = seq - 1 */
    assert_int_equal(o->rel_ack, 1);             /* peer base = ack - 1 */
    rig_fini(&r);

    /* SYN without the option then SYN/ACK with it: no scaling either way (-2) */
    rig_init(&r, 0);
    seg(&r, 0, 0, SYN, 1, 0, 0, 100, -1);
    seg(&r, 1, 1, SYN | ACK, 7, 2, 0, 100, 5);
    o = seg(&r, 1, 2, ACK, 8, 2, 0, 100, -1);
    assert_int_equal(o->scale, -2);
    assert_int_equal(o->window, 100);
    o = seg(&r, 0, 2, ACK, 2, 8, 0, 300, -1);
    assert_int_equal(o->scale, -2);
    rig_fini(&r);

    /* a shift above 14 counts as 14 (RFC 7323) */
    rig_init(&r, 0);
    seg(&r, 0, 0, SYN, 1, 0, 0, 100, 20);
    seg(&r, 1, 1, SYN | ACK, 7, 2, 0, 100, 1);
    o = seg(&r, 0, 2, ACK, 2, 8, 0, 3, -1);
    assert_int_equal(o->scale, 1 << 14);
    assert_int_equal(o->window, 3u << 14);
    rig_fini(&r);
}

static void fin_takes_a_number_and_one_sided(void **state)
{
    (void)state;
    struct rig r;
    rig_init(&r, 0);
    /* only A's side is captured */
    seg(&r, 0, 0, ACK, 100, 500, 10, 1000, -1);
    const struct ns_tcpa_out *o = seg(&r, 0, 1, FIN | ACK, 110, 500, 0, 1000, -1);
    assert_int_equal(o->rel_seq, 11);
    assert_int_equal(o->nxtseq, 12);
    assert_int_equal(o->flags, 0);
    /* the FIN again, 200 ms later: a retransmission */
    o = seg(&r, 0, 201, FIN | ACK, 110, 500, 0, 1000, -1);
    assert_true(HAS(o, RETRANSMISSION));
    /* a gap: lost segment */
    o = seg(&r, 0, 202, ACK, 200, 500, 10, 1000, -1);
    assert_true(HAS(o, LOST_SEGMENT));
    rig_fini(&r);
}

static void dup_acks_and_fast_retransmission(void **state)
{
    (void)state;
    struct rig r;
    rig_init(&r, 0);
    seg(&r, 0, 0, ACK, 1000, 1, 100, 500, -1);                  /* 1 */
    seg(&r, 0, 0, ACK, 1200, 1, 100, 500, -1);                  /* 2: 1100 lost */
    seg(&r, 1, 1, ACK, 1, 1100, 0, 500, -1);                    /* 3 */
    const struct ns_tcpa_out *o = seg(&r, 1, 2, ACK, 1, 1100, 0, 500, -1);
    assert_true(HAS(o, DUPLICATE_ACK));
    assert_int_equal(o->dupack_num, 1);
    assert_int_equal(o->dupack_frame, 3);
    o = seg(&r, 1, 3, ACK, 1, 1100, 0, 500, -1);
    assert_int_equal(o->dupack_num, 2);
    assert_int_equal(o->dupack_frame, 3);
    /* a changed window is no duplicate: a window update */
    o = seg(&r, 1, 4, ACK, 1, 1100, 0, 600, -1);
    assert_true(HAS(o, WINDOW_UPDATE));
    assert_false(HAS(o, DUPLICATE_ACK));
    /* the missing segment within 20 ms of the last dup ACK, >= 2 dups: fast */
    o = seg(&r, 0, 10, ACK, 1100, 1, 100, 500, -1);
    assert_true(HAS(o, FAST_RETRANSMISSION));
    /* its ACK covers everything: numbering starts again */
    seg(&r, 1, 11, ACK, 1, 1300, 0, 600, -1);
    o = seg(&r, 1, 12, ACK, 1, 1300, 0, 600, -1);
    assert_int_equal(o->dupack_num, 1);
    assert_int_equal(o->dupack_frame, 8);
    rig_fini(&r);
}

static void rtt_last_match_wins(void **state)
{
    (void)state;
    struct rig r;
    rig_init(&r, 0);
    seg(&r, 0, 0, ACK, 1000, 1, 100, 500, -1);                  /* 1 */
    seg(&r, 0, 300, ACK, 1000, 1, 100, 500, -1);                /* 2: resent */
    const struct ns_tcpa_out *o = seg(&r, 1, 310, ACK, 1, 1100, 0, 500, -1);
    /* both records end at 1100; the list is newest first and the last match wins: the
     * RTT is from the first transmission */
    assert_int_equal(o->acks_frame, 1);
    assert_int_equal(o->ack_rtt_ns, 310 * MS);
    assert_int_equal(metrics_of(&r).rtt_samples, 1);
    rig_fini(&r);
}

static void partial_ack_and_out_of_order(void **state)
{
    (void)state;
    struct rig r;
    rig_init(&r, 0);
    seg(&r, 0, 0, ACK, 1000, 1, 1000, 500, -1);                 /* 1: 1000..2000 */
    const struct ns_tcpa_out *o = seg(&r, 1, 1, ACK, 1, 1500, 0, 500, -1);
    assert_int_equal(o->acks_frame, 0);                         /* not the end of a segment */
    o = seg(&r, 1, 2, ACK, 1, 2000, 0, 500, -1);
    assert_int_equal(o->acks_frame, 1);
    /* no handshake: out-of-order means within 3 ms of the highest segment */
    seg(&r, 0, 10, ACK, 2100, 1, 100, 500, -1);                 /* 4: 2000 missing */
    o = seg(&r, 0, 12, ACK, 2000, 1, 100, 500, -1);
    assert_true(HAS(o, OUT_OF_ORDER));
    seg(&r, 0, 20, ACK, 2300, 1, 100, 500, -1);                 /* 6: 2200 missing */
    o = seg(&r, 0, 24, ACK, 2200, 1, 100, 500, -1);
    assert_true(HAS(o, RETRANSMISSION));
    rig_fini(&r);
}

static void keepalive_zero_window_and_sack(void **state)
{
    (void)state;
    struct rig r;
    rig_init(&r, 0);
    seg(&r, 0, 0, ACK, 1000, 1, 100, 500, -1);
    seg(&r, 1, 1, ACK, 1, 1100, 0, 0, -1);                      /* zero window */
    assert_true(HAS(&r.o, ZERO_WINDOW));
    const struct ns_tcpa_out *o = seg(&r, 0, 100, ACK, 1100, 1, 1, 500, -1);
    assert_true(HAS(o, ZERO_WINDOW_PROBE));
    o = seg(&r, 1, 101, ACK, 1, 1100, 0, 0, -1);
    assert_true(HAS(o, ZERO_WINDOW_PROBE_ACK));
    o = seg(&r, 1, 200, ACK, 1, 1100, 0, 800, -1);
    assert_true(HAS(o, WINDOW_UPDATE));
    o = seg(&r, 0, 300, ACK, 1099, 1, 0, 500, -1);
    assert_true(HAS(o, KEEP_ALIVE));
    o = seg(&r, 1, 301, ACK, 1, 1100, 0, 800, -1);
    assert_true(HAS(o, KEEP_ALIVE_ACK));
    /* SACK: the other side's blocks of its last segment leave bytes in flight */
    seg(&r, 0, 400, ACK, 1100, 1, 100, 500, -1);
    seg(&r, 0, 400, ACK, 1200, 1, 100, 500, -1);
    struct ns_tcpa_in in = { .frame = ++r.frame, .ts_ns = 401 * MS, .seq = 1, .ack = 1100,
                             .flags = ACK, .window = 800, .wscale = -1, .nsack = 1,
                             .sack = { { 1200, 1300 } } };
    ns_tcpa_segment(&r.t, &r.c, 1, &in, &r.o);
    o = seg(&r, 0, 402, ACK, 1300, 1, 100, 500, -1);
    assert_true(o->have_bif);
    assert_int_equal(o->bytes_in_flight, 300 - 100);
    rig_fini(&r);
}

static void pool_cap_and_release(void **state)
{
    (void)state;
    struct rig r;
    rig_init(&r, 3);
    for (uint32_t i = 0; i < 5; i++)
        seg(&r, 0, i, ACK, 1000 + 10 * i, 1, 10, 500, -1);
    assert_int_equal(r.t.stats.pool_full, 2);
    assert_int_equal(r.t.stats.pool_peak, 3);
    assert_int_equal(r.c.dir[0].nsegs, 3);
    ns_tcpa_conn_release(&r.t, &r.c);
    assert_int_equal(r.c.dir[0].nsegs, 0);
    /* the records are back: a new connection can use all 3 */
    ns_tcpa_conn_init(&r.c);
    for (uint32_t i = 0; i < 3; i++)
        seg(&r, 0, i, ACK, 1000 + 10 * i, 1, 10, 500, -1);
    assert_int_equal(r.t.stats.pool_full, 2);
    assert_int_equal(r.c.dir[0].nsegs, 3);
    rig_fini(&r);
}

static void metrics(void **state)
{
    (void)state;
    struct rig r;
    rig_init(&r, 0);
    seg(&r, 0, 0, SYN, 100, 0, 0, 500, -1);
    seg(&r, 1, 8, SYN | ACK, 900, 101, 0, 500, -1);
    seg(&r, 0, 10, ACK, 101, 901, 0, 500, -1);
    seg(&r, 0, 10, ACK | PSH, 101, 901, 50, 500, -1);
    seg(&r, 1, 26, ACK, 901, 151, 0, 0, -1);                    /* RTT 16, zero window */
    seg(&r, 0, 500, ACK | PSH, 101, 901, 50, 500, -1);          /* spurious: 50 bytes */
    seg(&r, 1, 526, ACK, 901, 151, 0, 100, -1);                 /* window back after 500 ms */
    struct ns_tcpa_metrics mm = metrics_of(&r);
    const struct ns_tcpa_metrics *m = &mm;
    assert_int_equal(m->syn_ns, 0);
    assert_int_equal(m->synack_ns, 8 * MS);
    assert_int_equal(m->ack_ns, 10 * MS);
    assert_int_equal(m->first_rtt_ns, 10 * MS);
    /* samples: SYN/ACK 8 ms, ACK of the SYN/ACK 2 ms, data 16 ms, and the resent data
     * (a new record ending at 151) 26 ms */
    assert_int_equal(m->rtt_samples, 4);
    assert_int_equal(m->rtt_min_ns, 2 * MS);
    assert_int_equal(m->rtt_max_ns, 26 * MS);
    int64_t srtt = 8 * MS;
    srtt += (2 * MS - srtt) / 8;
    srtt += (16 * MS - srtt) / 8;
    srtt += (26 * MS - srtt) / 8;
    assert_int_equal(m->srtt_ns, srtt);
    assert_int_equal(m->rtt_sum_ns, 52 * MS);
    assert_int_equal(m->count[0][NS_TCPA_BIT_SPURIOUS_RETRANSMISSION], 1);
    assert_int_equal(m->count[1][NS_TCPA_BIT_ZERO_WINDOW], 1);
    assert_int_equal(m->retrans_bytes[0], 50);
    assert_int_equal(m->zero_window_ns[1], 500 * MS);
    rig_fini(&r);
}

/* A lone SYN (scan, flood) takes no block from the pools; a second SYN takes the
 * handshake block so the first SYN's time survives; a flag takes the counters. */
static void blocks_only_when_needed(void **state)
{
    (void)state;
    struct rig r;
    rig_init(&r, 0);
    seg(&r, 0, 5, SYN, 100, 0, 0, 500, -1);
    assert_null(r.c.hs);
    assert_null(r.c.fc);
    struct ns_tcpa_metrics m = metrics_of(&r);
    assert_int_equal(m.syn_ns, 5 * MS);
    assert_int_equal(m.synack_ns, -1);
    assert_int_equal(m.count[0][NS_TCPA_BIT_RETRANSMISSION], 0);
    const struct ns_tcpa_out *o = seg(&r, 0, 1005, SYN, 100, 0, 0, 500, -1);   /* resent */
    assert_true(HAS(o, RETRANSMISSION));
    assert_non_null(r.c.hs);
    assert_non_null(r.c.fc);
    m = metrics_of(&r);
    assert_int_equal(m.syn_ns, 5 * MS);                  /* the first SYN, not the latest */
    assert_int_equal(m.count[0][NS_TCPA_BIT_RETRANSMISSION], 1);
    seg(&r, 1, 1010, SYN | ACK, 900, 101, 0, 500, -1);
    seg(&r, 0, 1012, ACK, 101, 901, 0, 500, -1);
    m = metrics_of(&r);
    assert_int_equal(m.synack_ns, 1010 * MS);
    assert_int_equal(m.ack_ns, 1012 * MS);
    assert_int_equal(m.first_rtt_ns, 7 * MS);             /* from the latest SYN */
    rig_fini(&r);
    assert_int_equal(r.t.stats.metrics_lost, 0);
}

/* A zero window still open when the connection ends counts up to that time. */
static void zero_window_open_at_finish(void **state)
{
    (void)state;
    struct rig r;
    rig_init(&r, 0);
    seg(&r, 0, 0, ACK, 100, 900, 0, 0, -1);
    ns_tcpa_conn_finish(&r.c, 40 * MS);
    assert_int_equal(metrics_of(&r).zero_window_ns[0], 40 * MS);
    rig_fini(&r);
}

/* The engine keeps one struct ns_tcpa_conn per flow: its size is deliberate (tcpa.h). */
static void state_stays_packed(void **state)
{
    (void)state;
    if (sizeof(void *) == 8) {
        assert_int_equal(sizeof(struct ns_tcpa_dir), 64);
        assert_int_equal(sizeof(struct ns_tcpa_conn), 152);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(handshake_scaling_and_wraparound),
        cmocka_unit_test(window_scale_unknown_and_none),
        cmocka_unit_test(fin_takes_a_number_and_one_sided),
        cmocka_unit_test(dup_acks_and_fast_retransmission),
        cmocka_unit_test(rtt_last_match_wins),
        cmocka_unit_test(partial_ack_and_out_of_order),
        cmocka_unit_test(keepalive_zero_window_and_sack),
        cmocka_unit_test(pool_cap_and_release),
        cmocka_unit_test(metrics),
        cmocka_unit_test(blocks_only_when_needed),
        cmocka_unit_test(zero_window_open_at_finish),
        cmocka_unit_test(state_stays_packed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
