/* Unit tests for core/track.c: tshark's stream numbering, the reused-ports rule, quoted
 * headers, address pairs and what counts as conversation traffic. Packets are built as
 * layer arrays, as the dissectors would leave them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "core/track.h"

static const uint8_t A[4] = { 192, 0, 2, 1 }, B[4] = { 198, 51, 100, 7 }, C[4] = { 203, 0, 113, 9 };

static struct ns_layer *ip4(struct ns_pkt *p, const uint8_t *s, const uint8_t *d, uint8_t flags)
{
    struct ns_layer *l = &p->layer[p->nlayers++];
    memset(l, 0, sizeof *l);
    l->proto = NS_PROTO_IPV4;
    l->flags = flags;
    l->hdr_len = 20;
    memcpy(l->u.ipv4.src, s, 4);
    memcpy(l->u.ipv4.dst, d, 4);
    l->u.ipv4.proto = 6;
    return l;
}

static struct ns_layer *tcp(struct ns_pkt *p, uint16_t sp, uint16_t dp, uint16_t flags, uint32_t seq,
                            uint32_t len, uint8_t lflags)
{
    struct ns_layer *l = &p->layer[p->nlayers++];
    memset(l, 0, sizeof *l);
    l->proto = NS_PROTO_TCP;
    l->flags = lflags;
    l->hdr_len = 20;
    l->u.tcp.sport = sp;
    l->u.tcp.dport = dp;
    l->u.tcp.flags = flags;
    l->u.tcp.seq = seq;
    l->u.tcp.payload_len = len;
    return l;
}

struct rows {
    struct { uint8_t proto, af; uint32_t stream; uint64_t frames; } r[16];
    unsigned n;
};

static void on_end(const struct ns_flow *f, enum ns_flow_end why, void *arg)
{
    (void)why;
    struct rows *rs = arg;
    if (rs->n < 16) {
        rs->r[rs->n].proto = f->key.proto;
        rs->r[rs->n].af = f->key.af;
        rs->r[rs->n].stream = f->stream;
        rs->r[rs->n].frames = f->frames[0] + f->frames[1];
    }
    rs->n++;
}

static struct ns_track t;
static struct ns_pkt pkt;
static struct ns_track_out out;
static struct rows rows;

static void feed(int64_t ts)
{
    struct ns_rec rec = { .wirelen = 60, .ts_ns = ts };
    ns_track_frame(&t, &rec, &pkt, &out);
    ns_pkt_reset(&pkt);
}

static void start_with(bool ip_pairs)
{
    memset(&rows, 0, sizeof rows);
    struct ns_track_cfg cfg = { .max_flows = 64, .on_end = on_end, .arg = &rows, .ip_pairs = ip_pairs };
    assert_int_equal(ns_track_init(&t, &cfg, NULL), NS_STATUS_OK);
    ns_pkt_reset(&pkt);
}

static void start(void)
{
    start_with(true);
}

static void streams_in_order_of_appearance(void **state)
{
    (void)state;
    start();
    ip4(&pkt, A, B, 0); tcp(&pkt, 1000, 80, 0x02, 1, 0, 0); feed(1);
    assert_int_equal(out.stream[1], 0);
    ip4(&pkt, A, C, 0); tcp(&pkt, 1001, 80, 0x02, 1, 0, 0); feed(2);
    assert_int_equal(out.stream[1], 1);
    ip4(&pkt, B, A, 0); tcp(&pkt, 80, 1000, 0x12, 9, 0, 0); feed(3);   /* the reply: stream 0 */
    assert_int_equal(out.stream[1], 0);
    assert_int_equal(out.flow_dir, 1);
    assert_int_equal(out.flow_frames, 2);
    ns_track_fini(&t);
}

static void syn_with_new_isn_starts_new_stream(void **state)
{
    (void)state;
    start();
    ip4(&pkt, A, B, 0); tcp(&pkt, 1000, 80, 0x02, 100, 0, 0); feed(1);
    ip4(&pkt, A, B, 0); tcp(&pkt, 1000, 80, 0x02, 100, 0, 0); feed(2);   /* same ISN: a retransmission */
    assert_int_equal(out.stream[1], 0);
    ip4(&pkt, A, B, 0); tcp(&pkt, 1000, 80, 0x02, 777, 0, 0); feed(3);   /* new ISN: reused ports */
    assert_int_equal(out.stream[1], 1);
    ip4(&pkt, B, A, 0); tcp(&pkt, 80, 1000, 0x12, 5, 0, 0); feed(4);
    assert_int_equal(out.stream[1], 1);
    ns_track_fini(&t);
    /* the first stream ended when the ports were reused, with its two SYNs */
    assert_int_equal(rows.r[0].proto, 6);
    assert_int_equal(rows.r[0].stream, 0);
    assert_int_equal(rows.r[0].frames, 2);
}

/* Midstream: B sends ACKs (ack 387) before A sent anything, which fixes A's base at 386
 * as Wireshark does; A's first packet, a SYN with another number, then opens a new stream;
 * a SYN numbered 386 (the base) stays in the stream. */
static void ack_fixes_peer_base_for_reuse(void **state)
{
    (void)state;
    start();
    ip4(&pkt, B, A, 0);
    struct ns_layer *l = tcp(&pkt, 80, 1000, 0x10, 5000, 100, 0);
    l->u.tcp.ack = 387;
    feed(1);
    assert_int_equal(out.stream[1], 0);
    ip4(&pkt, A, B, 0); tcp(&pkt, 1000, 80, 0x02, 99999, 0, 0); feed(2);
    assert_int_equal(out.stream[1], 1);
    assert_true(out.ntcp == 1 && out.tcp[0].reused);
    ns_track_fini(&t);
    start();
    ip4(&pkt, B, A, 0);
    l = tcp(&pkt, 80, 1000, 0x10, 5000, 100, 0);
    l->u.tcp.ack = 387;
    feed(1);
    ip4(&pkt, A, B, 0); tcp(&pkt, 1000, 80, 0x02, 386, 0, 0); feed(2);
    assert_int_equal(out.stream[1], 0);
    ns_track_fini(&t);
}

static void quoted_header_gets_stream_but_no_traffic(void **state)
{
    (void)state;
    start();
    ip4(&pkt, A, B, 0); tcp(&pkt, 1000, 80, 0x02, 1, 0, 0); feed(1);
    /* ICMP error from C quoting A -> B: the outer pair C<->A counts, the quote does not */
    ip4(&pkt, C, A, 0)->u.ipv4.proto = 1;
    pkt.layer[pkt.nlayers++] = (struct ns_layer){ .proto = NS_PROTO_ICMP, .hdr_len = 8 };
    ip4(&pkt, A, B, NS_LAYER_QUOTED);
    tcp(&pkt, 1000, 80, 0x02, 1, 0, NS_LAYER_QUOTED);
    feed(2);
    assert_int_equal(out.stream[3], 0);
    ns_track_fini(&t);
    unsigned tcp_rows = 0, pairs = 0;
    for (unsigned i = 0; i < rows.n; i++) {
        if (rows.r[i].proto == 6) {
            tcp_rows++;
            assert_int_equal(rows.r[i].frames, 1);      /* the quote was not counted */
        }
        if (rows.r[i].proto == 0)
            pairs++;
    }
    assert_int_equal(tcp_rows, 1);
    assert_int_equal(pairs, 2);                          /* A<->B and C<->A, not the quote */
}

static void broken_header_not_counted(void **state)
{
    (void)state;
    start();
    ip4(&pkt, A, B, 0); tcp(&pkt, 1000, 80, 0x18, 1, 10, 0);
    pkt.malformed = NS_MALFORMED_TCP_DOFF; feed(1);
    assert_int_equal(out.stream[1], 0);                  /* the stream exists ... */
    assert_int_equal(out.flow_id, 0);                    /* ... but the frame is not its traffic */
    ns_track_fini(&t);
}

static void resent_data_is_flagged(void **state)
{
    (void)state;
    start();
    ip4(&pkt, A, B, 0); tcp(&pkt, 1000, 80, 0x18, 100, 50, 0); feed(1);
    assert_int_equal(out.resent_layer, -1);
    ip4(&pkt, A, B, 0); tcp(&pkt, 1000, 80, 0x14, 5000000, 0, 0); feed(2); /* RST: no sequence space */
    ip4(&pkt, A, B, 0); tcp(&pkt, 1000, 80, 0x18, 150, 20, 0); feed(3);
    assert_int_equal(out.resent_layer, -1);
    ip4(&pkt, A, B, 0); tcp(&pkt, 1000, 80, 0x18, 100, 70, 0); feed(4);
    assert_int_equal(out.resent_layer, 1);
    ns_track_fini(&t);
}

/* Without ip_pairs no address pair is kept: only the transport flow ends. */
static void pairs_only_on_demand(void **state)
{
    (void)state;
    start_with(false);
    ip4(&pkt, A, B, 0); tcp(&pkt, 1000, 80, 0x02, 1, 0, 0); feed(1);
    ip4(&pkt, C, A, 0)->u.ipv4.proto = 1;
    pkt.layer[pkt.nlayers++] = (struct ns_layer){ .proto = NS_PROTO_ICMP, .hdr_len = 8 };
    feed(2);
    ns_track_fini(&t);
    assert_int_equal(rows.n, 2);                         /* TCP A<->B, ICMP C<->A */
    for (unsigned i = 0; i < rows.n; i++)
        assert_int_not_equal(rows.r[i].proto, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(streams_in_order_of_appearance),
        cmocka_unit_test(syn_with_new_isn_starts_new_stream),
        cmocka_unit_test(ack_fixes_peer_base_for_reuse),
        cmocka_unit_test(quoted_header_gets_stream_but_no_traffic),
        cmocka_unit_test(broken_header_not_counted),
        cmocka_unit_test(resent_data_is_flagged),
        cmocka_unit_test(pairs_only_on_demand),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
