/* Unit tests for core/reasm.h: IPv4/IPv6 reassembly with tshark 4.0's rules, and its caps.
 * The expected bytes of the overlap cases are what tshark 4.0.17 printed (data.data) for
 * captures built from the same fragments. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/reasm.h"

static const uint8_t a4[4] = { 8, 8, 8, 8 }, b4[4] = { 9, 9, 9, 9 };
static const uint8_t q4[4] = { 10, 0, 0, 2 };
/* 2001:db8::1 -> 2001:db8::2 */
static const uint8_t a6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };
static const uint8_t b6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2 };

/* 48-byte UDP datagram: 40000 -> 40001, length 48, checksum 0, then 0x40 .. 0x67 */
static const uint8_t U[48] = {
    0x9c, 0x40, 0x9c, 0x41, 0x00, 0x30, 0x00, 0x00,
    0x40, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49, 0x4a, 0x4b, 0x4c, 0x4d, 0x4e, 0x4f,
    0x50, 0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5a, 0x5b, 0x5c, 0x5d, 0x5e, 0x5f,
    0x60, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67,
};
/* 16 bytes of 0xee: a fragment whose data conflicts with U */
static const uint8_t EE[16] = {
    0xee, 0xee, 0xee, 0xee, 0xee, 0xee, 0xee, 0xee, 0xee, 0xee, 0xee, 0xee, 0xee, 0xee, 0xee, 0xee,
};

static struct ns_frag v4(uint32_t id, uint32_t off, bool more, const uint8_t *data, uint32_t n)
{
    return (struct ns_frag){ .af = 4, .src = a4, .dst = b4, .id = id, .proto = 17, .offset = off,
                             .more = more, .frag_len = n, .data = data, .len = n };
}

static struct ns_frag v6(uint32_t id, uint32_t off, bool more, const uint8_t *data, uint32_t n)
{
    return (struct ns_frag){ .af = 6, .src = a6, .dst = b6, .id = id, .proto = 17, .offset = off,
                             .more = more, .frag_len = n, .data = data, .len = n };
}

/* Fragment [off, off + n) of U, IPv4 id 0x100 */
static struct ns_frag u4(uint32_t off, uint32_t n, bool more)
{
    return v4(0x100, off, more, U + off, n);
}

static struct ns_reasm_cfg roomy(void)
{
    return (struct ns_reasm_cfg){ .max_datagrams = 16, .max_bytes = 1u << 20,
                                  .max_datagram_len = NS_REASM_MAX_LEN, .timeout_ns = 0 };
}

static void start(struct ns_reasm *r, struct ns_reasm_cfg cfg)
{
    struct ns_err err;
    assert_int_equal(ns_reasm_init(r, &cfg, &err), NS_STATUS_OK);
}

static enum ns_reasm_result add(struct ns_reasm *r, struct ns_frag f, struct ns_reasm_out *o)
{
    return ns_reasm_add(r, &f, o);
}

static void expect_done(struct ns_reasm *r, struct ns_frag f, const uint8_t *want, size_t n)
{
    struct ns_reasm_out o;
    assert_int_equal(add(r, f, &o), NS_REASM_DONE);
    assert_int_equal(o.len, n);
    assert_memory_equal(o.data, want, n);
}

static void expect_held(struct ns_reasm *r, struct ns_frag f)
{
    struct ns_reasm_out o;
    assert_int_equal(add(r, f, &o), NS_REASM_HELD);
    assert_null(o.data);
}

static void init_refuses_bad_caps(void **state)
{
    (void)state;
    struct ns_reasm r;
    struct ns_err err;
    struct ns_reasm_cfg bad[] = {
        { .max_datagrams = 0, .max_bytes = 4096, .max_datagram_len = 65535 },
        { .max_datagrams = NS_REASM_MAX_DATAGRAMS + 1, .max_bytes = 4096, .max_datagram_len = 65535 },
        { .max_datagrams = 4, .max_bytes = 0, .max_datagram_len = 65535 },
        { .max_datagrams = 4, .max_bytes = NS_REASM_CHUNK - 1, .max_datagram_len = 65535 },
        { .max_datagrams = 4, .max_bytes = 4096, .max_datagram_len = 0 },
        { .max_datagrams = 4, .max_bytes = 4096, .max_datagram_len = NS_REASM_MAX_LEN + 1 },
        { .max_datagrams = 4, .max_bytes = 4096, .max_datagram_len = 65535, .timeout_ns = -1 },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err.msg[0] = '\0';
        assert_int_equal(ns_reasm_init(&r, &bad[i], &err), NS_STATUS_USAGE);
        assert_true(strlen(err.msg) > 0);
        assert_null(r.dg);
        ns_reasm_fini(&r);      /* safe after a refused init */
    }
    struct ns_reasm_cfg ok = { .max_datagrams = 1, .max_bytes = NS_REASM_CHUNK, .max_datagram_len = 1 };
    assert_int_equal(ns_reasm_init(&r, &ok, &err), NS_STATUS_OK);
    ns_reasm_fini(&r);
    ns_reasm_fini(&r);          /* twice is harmless */
}

static void in_order(void **state)
{
    (void)state;
    struct ns_reasm r;
    start(&r, roomy());
    expect_held(&r, u4(0, 16, true));
    expect_held(&r, u4(16, 16, true));
    assert_int_equal(r.stats.in_progress, 1);
    assert_int_equal(r.stats.bytes_held, 2 * NS_REASM_CHUNK);
    expect_done(&r, u4(32, 16, false), U, sizeof U);
    assert_int_equal(r.stats.fragments, 3);
    assert_int_equal(r.stats.completed, 1);
    assert_int_equal(r.stats.in_progress, 0);
    assert_int_equal(r.stats.bytes_held, 0);
    assert_int_equal(r.stats.overlaps, 0);
    ns_reasm_fini(&r);
}

static void out_of_order(void **state)
{
    (void)state;
    struct ns_reasm r;
    start(&r, roomy());
    expect_held(&r, u4(16, 16, true));
    expect_held(&r, u4(32, 16, false));
    expect_done(&r, u4(0, 16, true), U, sizeof U);
    assert_int_equal(r.stats.completed, 1);
    ns_reasm_fini(&r);
}

/* tshark: the tail first, then the middle, then the head completes (frame 3) */
static void last_fragment_first(void **state)
{
    (void)state;
    struct ns_reasm r;
    start(&r, roomy());
    expect_held(&r, u4(32, 16, false));
    expect_held(&r, u4(16, 16, true));
    expect_done(&r, u4(0, 16, true), U, sizeof U);
    ns_reasm_fini(&r);
}

/* tshark: the duplicate head changes nothing; the tail completes; the duplicate tail after
 * completion starts a new datagram that stays incomplete */
static void duplicate(void **state)
{
    (void)state;
    struct ns_reasm r;
    start(&r, roomy());
    expect_held(&r, u4(0, 16, true));
    expect_held(&r, u4(0, 16, true));
    assert_int_equal(r.stats.bytes_held, NS_REASM_CHUNK);   /* not stored twice */
    expect_held(&r, u4(16, 16, true));
    expect_done(&r, u4(32, 16, false), U, sizeof U);
    assert_int_equal(r.stats.duplicates, 1);
    assert_int_equal(r.stats.overlaps, 1);
    assert_int_equal(r.stats.overlap_conflicts, 0);
    expect_held(&r, u4(32, 16, false));
    assert_int_equal(r.stats.in_progress, 1);
    assert_int_equal(r.stats.completed, 1);
    ns_reasm_fini(&r);
}

static void overlap_same_bytes(void **state)
{
    (void)state;
    struct ns_reasm r;
    start(&r, roomy());
    expect_held(&r, u4(0, 16, true));
    expect_held(&r, u4(8, 24, true));       /* [8,32): half old, half new */
    expect_done(&r, u4(24, 24, false), U, sizeof U);
    assert_int_equal(r.stats.overlaps, 2);
    assert_int_equal(r.stats.overlap_conflicts, 0);
    assert_int_equal(r.stats.duplicates, 0);
    ns_reasm_fini(&r);
}

/* tshark (ovl_conf_first / ovl_conf_later): 0xee at [8,24) and U's [0,16), [16,32), [32,48)
 * in either order give U with [16,24) = 0xee: the lower offset wins each byte. */
static void overlap_lower_offset_wins(void **state)
{
    (void)state;
    uint8_t want[48];
    memcpy(want, U, sizeof U);
    memset(want + 16, 0xee, 8);
    for (int later = 0; later < 2; later++) {
        struct ns_reasm r;
        start(&r, roomy());
        if (!later)
            expect_held(&r, v4(0x100, 8, true, EE, 16));
        expect_held(&r, u4(0, 16, true));
        expect_held(&r, u4(16, 16, true));
        if (later)
            expect_held(&r, v4(0x100, 8, true, EE, 16));
        expect_done(&r, u4(32, 16, false), want, sizeof want);
        assert_int_equal(r.stats.overlap_conflicts, 1 + !later);
        ns_reasm_fini(&r);
    }
}

/* tshark (same_off_conf): at the same offset the first to arrive wins, even with another
 * fragment of the same offset arriving before completion */
static void same_offset_first_arrival_wins(void **state)
{
    (void)state;
    uint8_t want[48];
    memcpy(want, U, sizeof U);
    memset(want + 16, 0xee, 16);
    struct ns_reasm r;
    start(&r, roomy());
    expect_held(&r, u4(0, 16, true));
    expect_held(&r, v4(0x100, 16, true, EE, 16));
    expect_held(&r, u4(16, 16, true));
    expect_done(&r, u4(32, 16, false), want, sizeof want);
    assert_int_equal(r.stats.overlaps, 1);
    assert_int_equal(r.stats.overlap_conflicts, 1);
    assert_int_equal(r.stats.duplicates, 1);
    ns_reasm_fini(&r);
}

/* tshark (after_done): after completion, the same three fragments again complete again */
static void fragment_after_completion(void **state)
{
    (void)state;
    struct ns_reasm r;
    start(&r, roomy());
    expect_held(&r, u4(0, 16, true));
    expect_held(&r, u4(16, 16, true));
    expect_done(&r, u4(32, 16, false), U, sizeof U);
    expect_held(&r, u4(32, 16, false));
    expect_held(&r, u4(16, 16, true));
    expect_done(&r, u4(0, 16, true), U, sizeof U);
    assert_int_equal(r.stats.completed, 2);
    assert_int_equal(r.stats.overlaps, 0);
    ns_reasm_fini(&r);
}

/* tshark (multitail): the first tail sets the length (32) and completes; the longer tail
 * after it starts a new datagram */
static void first_tail_sets_length(void **state)
{
    (void)state;
    struct ns_reasm r;
    start(&r, roomy());
    expect_held(&r, u4(16, 16, true));
    expect_held(&r, u4(32, 16, false));         /* length 48 */
    expect_held(&r, u4(16, 8, false));          /* says 24: counted, ignored */
    assert_int_equal(r.stats.multiple_tails, 1);
    expect_done(&r, u4(0, 16, true), U, sizeof U);

    expect_held(&r, u4(0, 16, true));
    expect_done(&r, u4(16, 16, false), U, 32);  /* first tail wins: 32 bytes */
    expect_held(&r, u4(16, 32, false));
    ns_reasm_fini(&r);
}

/* tshark (toolong): a middle fragment running past the tail's end completes the datagram;
 * its extra bytes are ignored */
static void fragment_past_the_end(void **state)
{
    (void)state;
    uint8_t longer[48];
    memcpy(longer, U + 16, 32);
    memset(longer + 32, 0xaa, 16);
    struct ns_reasm r;
    start(&r, roomy());
    expect_held(&r, u4(0, 16, true));
    expect_held(&r, u4(32, 16, false));
    expect_done(&r, v4(0x100, 16, true, longer, 48), U, sizeof U);
    ns_reasm_fini(&r);
}

static void ipv4_and_ipv6_apart(void **state)
{
    (void)state;
    struct ns_reasm r;
    start(&r, roomy());
    /* same id, and IPv6 addresses whose first 4 bytes are never compared to IPv4's */
    expect_held(&r, v4(7, 0, true, U, 24));
    expect_held(&r, v6(7, 24, false, U + 24, 24));
    assert_int_equal(r.stats.in_progress, 2);
    expect_done(&r, v6(7, 0, true, U, 24), U, sizeof U);
    expect_done(&r, v4(7, 24, false, U + 24, 24), U, sizeof U);
    ns_reasm_fini(&r);
}

static void ids_and_addresses_apart(void **state)
{
    (void)state;
    struct ns_reasm r;
    start(&r, roomy());
    struct ns_frag other_dst = v4(1, 24, false, U + 24, 24);
    other_dst.dst = q4;
    struct ns_frag swapped = v4(1, 24, false, U + 24, 24);
    swapped.src = b4;
    swapped.dst = a4;
    expect_held(&r, v4(1, 0, true, U, 24));
    expect_held(&r, v4(2, 24, false, U + 24, 24));
    expect_held(&r, other_dst);
    expect_held(&r, swapped);
    expect_held(&r, v6(1, 24, false, U + 24, 24));
    assert_int_equal(r.stats.in_progress, 5);
    expect_done(&r, v4(1, 24, false, U + 24, 24), U, sizeof U);
    expect_done(&r, v4(2, 0, true, U, 24), U, sizeof U);
    ns_reasm_fini(&r);
}

/* tshark (proto_xor): the key uses id ^ protocol, so (17, id 1) and (16, id 0) merge */
static void ipv4_id_protocol_mix(void **state)
{
    (void)state;
    struct ns_reasm r;
    start(&r, roomy());
    struct ns_frag tail = v4(0, 16, false, U + 16, 32);
    tail.proto = 16;
    expect_held(&r, v4(1, 0, true, U, 16));
    expect_done(&r, tail, U, sizeof U);
    /* while the same id with another protocol stays apart */
    tail.id = 1;
    expect_held(&r, v4(1, 0, true, U, 16));
    expect_held(&r, tail);
    assert_int_equal(r.stats.in_progress, 2);
    ns_reasm_fini(&r);
}

/* tshark (vlan_pub, vlan_priv, vl_*, v6_vlan*): the VLAN splits IPv4 datagrams only when an
 * address is private or link-local; IPv6 never */
static void vlan_in_key(void **state)
{
    (void)state;
    static const uint8_t addr[][4] = {
        { 10, 1, 1, 1 }, { 172, 16, 0, 1 }, { 172, 31, 255, 1 }, { 192, 168, 1, 1 },
        { 169, 254, 1, 1 }, { 172, 32, 0, 1 }, { 100, 64, 0, 1 }, { 127, 0, 0, 1 },
        { 224, 0, 0, 1 }, { 8, 8, 8, 8 },
    };
    static const bool apart[] = { true, true, true, true, true, false, false, false, false, false };
    for (size_t i = 0; i < sizeof addr / sizeof addr[0]; i++) {
        for (int as_dst = 0; as_dst < 2; as_dst++) {
            struct ns_reasm r;
            start(&r, roomy());
            struct ns_frag h = v4(0x100, 0, true, U, 24), t = v4(0x100, 24, false, U + 24, 24);
            if (as_dst)
                h.dst = t.dst = addr[i];
            else
                h.src = t.src = addr[i];
            h.vlan = 10;
            t.vlan = 20;
            struct ns_reasm_out o;
            expect_held(&r, h);
            assert_int_equal(add(&r, t, &o), apart[i] ? NS_REASM_HELD : NS_REASM_DONE);
            ns_reasm_fini(&r);
        }
    }
    struct ns_reasm r;
    start(&r, roomy());
    struct ns_frag h = v6(5, 0, true, U, 24), t = v6(5, 24, false, U + 24, 24);
    h.vlan = 10;
    t.vlan = 20;
    t.proto = 6;    /* next header is not part of the IPv6 key either (v6_nxt2) */
    expect_held(&r, h);
    expect_done(&r, t, U, sizeof U);
    ns_reasm_fini(&r);
}

/* tshark (v6_atomic_mid): an atomic fragment between two halves is dissected alone and
 * the halves still complete */
static void atomic_fragment(void **state)
{
    (void)state;
    struct ns_reasm r;
    start(&r, roomy());
    struct ns_reasm_out o;
    expect_held(&r, v6(0x1234, 0, true, U, 24));
    assert_int_equal(add(&r, v6(0x1234, 0, false, U, 48), &o), NS_REASM_DONE);
    assert_int_equal(o.why, NS_REASM_WHY_ATOMIC);
    assert_ptr_equal(o.data, U);
    assert_int_equal(o.len, 48);
    assert_int_equal(r.stats.atomic, 1);
    assert_int_equal(r.stats.in_progress, 1);
    expect_done(&r, v6(0x1234, 24, false, U + 24, 24), U, sizeof U);
    assert_int_equal(r.stats.completed, 1);
    ns_reasm_fini(&r);
}

/* tshark (trunc_first, v6_trunc_first, zerotail, v6_zerotail2): a fragment not all captured,
 * or empty, is not added, so the datagram never completes */
static void truncated_and_empty_not_added(void **state)
{
    (void)state;
    for (int af = 4; af <= 6; af += 2) {
        struct ns_reasm r;
        start(&r, roomy());
        struct ns_reasm_out o;
        struct ns_frag head = af == 4 ? v4(9, 0, true, U, 24) : v6(9, 0, true, U, 24);
        struct ns_frag tail = af == 4 ? v4(9, 24, false, U + 24, 24) : v6(9, 24, false, U + 24, 24);
        struct ns_frag cut = head;
        cut.len = 12;               /* snaplen cut: 12 of 24 bytes */
        assert_int_equal(add(&r, cut, &o), NS_REASM_SKIPPED);
        assert_int_equal(o.why, NS_REASM_WHY_TRUNCATED);
        assert_int_equal(r.stats.in_progress, 0);
        expect_held(&r, tail);

        struct ns_frag empty = af == 4 ? v4(9, 48, false, NULL, 0) : v6(9, 48, false, NULL, 0);
        assert_int_equal(add(&r, empty, &o), NS_REASM_SKIPPED);
        assert_int_equal(o.why, NS_REASM_WHY_EMPTY);
        expect_done(&r, head, U, sizeof U);        /* the empty tail did not set 48... */
        assert_int_equal(r.stats.multiple_tails, 0);  /* ...nor counted as a second tail */

        struct ns_frag padded = head;   /* more captured than claimed (padding): fine */
        padded.len = 30;
        expect_held(&r, padded);
        expect_done(&r, tail, U, sizeof U);
        assert_int_equal(r.stats.skipped_truncated, 1);
        assert_int_equal(r.stats.skipped_empty, 1);
        ns_reasm_fini(&r);
    }
}

static void invalid_input_skipped(void **state)
{
    (void)state;
    struct ns_reasm r;
    start(&r, roomy());
    struct ns_reasm_out o;
    struct ns_frag f = u4(0, 16, true);
    f.af = 5;
    assert_int_equal(add(&r, f, &o), NS_REASM_SKIPPED);
    assert_int_equal(o.why, NS_REASM_WHY_INVALID);
    f = u4(0, 16, true);
    f.src = NULL;
    assert_int_equal(add(&r, f, &o), NS_REASM_SKIPPED);
    f = u4(0, 16, true);
    f.data = NULL;
    assert_int_equal(add(&r, f, &o), NS_REASM_SKIPPED);
    assert_int_equal(r.stats.invalid, 3);
    assert_int_equal(r.stats.in_progress, 0);
    ns_reasm_fini(&r);
}

/* max_datagrams = 2: a third datagram evicts the oldest, whose tail then starts afresh */
static void cap_max_datagrams(void **state)
{
    (void)state;
    struct ns_reasm_cfg cfg = roomy();
    cfg.max_datagrams = 2;
    struct ns_reasm r;
    start(&r, cfg);
    expect_held(&r, v4(1, 0, true, U, 24));
    expect_held(&r, v4(2, 0, true, U, 24));
    assert_int_equal(r.stats.dropped_full, 0);
    expect_held(&r, v4(3, 0, true, U, 24));
    assert_int_equal(r.stats.dropped_full, 1);
    assert_int_equal(r.stats.in_progress, 2);
    expect_done(&r, v4(2, 24, false, U + 24, 24), U, sizeof U);
    expect_done(&r, v4(3, 24, false, U + 24, 24), U, sizeof U);
    expect_held(&r, v4(1, 24, false, U + 24, 24));     /* id 1 was evicted */
    assert_int_equal(r.stats.dropped_full, 1);
    ns_reasm_fini(&r);
}

/* max_bytes = 4 chunks: a fragment that does not fit evicts the oldest other datagram; one
 * that cannot fit even alone drops its own datagram */
static void cap_max_bytes(void **state)
{
    (void)state;
    uint8_t big[5 * NS_REASM_CHUNK];
    for (size_t i = 0; i < sizeof big; i++)
        big[i] = (uint8_t)(i * 7 + 3);
    struct ns_reasm_cfg cfg = roomy();
    cfg.max_bytes = 4 * NS_REASM_CHUNK + NS_REASM_CHUNK / 2;   /* rounded down to 4 chunks */
    struct ns_reasm r;
    start(&r, cfg);
    struct ns_reasm_out o;
    expect_held(&r, v4(1, 0, true, big, 2 * NS_REASM_CHUNK));          /* 2 chunks */
    expect_held(&r, v4(2, 0, true, big, NS_REASM_CHUNK));              /* 1 chunk */
    assert_int_equal(r.stats.bytes_held, 3 * NS_REASM_CHUNK);
    /* id 2 needs 2 more: only 1 free, so id 1 (the oldest) goes */
    expect_held(&r, v4(2, NS_REASM_CHUNK, true, big + NS_REASM_CHUNK, 2 * NS_REASM_CHUNK));
    assert_int_equal(r.stats.dropped_bytes, 1);
    assert_int_equal(r.stats.in_progress, 1);
    assert_int_equal(r.stats.bytes_held, 3 * NS_REASM_CHUNK);
    /* id 2 itself is the oldest now: never its own victim while others exist */
    expect_held(&r, v4(3, 0, true, big, 8));
    expect_done(&r, v4(2, 3 * NS_REASM_CHUNK, false, big + 3 * NS_REASM_CHUNK, 8),
                big, 3 * NS_REASM_CHUNK + 8);  /* needed 1 chunk: id 3 evicted for it */
    assert_int_equal(r.stats.dropped_bytes, 2);
    assert_int_equal(r.stats.bytes_held, 0);
    /* a datagram that outgrows the whole pool is dropped, the others stay */
    expect_held(&r, v4(4, 0, true, big, 8));
    expect_held(&r, v4(5, 0, true, big, 3 * NS_REASM_CHUNK));
    assert_int_equal(add(&r, v4(5, 3 * NS_REASM_CHUNK, true, big, 2 * NS_REASM_CHUNK), &o),
                     NS_REASM_DROPPED);
    assert_int_equal(o.why, NS_REASM_WHY_BYTES);
    assert_int_equal(r.stats.dropped_bytes, 3);
    assert_int_equal(r.stats.in_progress, 1);
    assert_int_equal(r.stats.bytes_held, NS_REASM_CHUNK);
    expect_done(&r, v4(4, 8, false, big + 8, 8), big, 16);
    ns_reasm_fini(&r);
}

/* max_datagram_len = 48: exactly 48 completes; a tail saying 56 drops the datagram; a middle
 * fragment running past 48 is kept up to 48 */
static void cap_too_big(void **state)
{
    (void)state;
    struct ns_reasm_cfg cfg = roomy();
    cfg.max_datagram_len = 48;
    struct ns_reasm r;
    start(&r, cfg);
    struct ns_reasm_out o;
    expect_held(&r, u4(0, 24, true));
    expect_done(&r, u4(24, 24, false), U, sizeof U);

    uint8_t longer[40];
    memcpy(longer, U + 8, 40);
    expect_held(&r, v4(2, 0, true, U, 8));
    assert_int_equal(add(&r, v4(2, 8, false, longer, 48), &o), NS_REASM_DROPPED);
    assert_int_equal(o.why, NS_REASM_WHY_TOO_BIG);
    assert_int_equal(r.stats.dropped_too_big, 1);
    assert_int_equal(r.stats.in_progress, 0);
    assert_int_equal(add(&r, v4(3, 48, false, U, 8), &o), NS_REASM_DROPPED);   /* no state */
    assert_int_equal(r.stats.in_progress, 0);

    uint8_t past[48];
    memcpy(past, U + 8, 40);
    memset(past + 40, 0xaa, 8);
    expect_held(&r, v4(4, 0, true, U, 8));
    expect_held(&r, v4(4, 40, false, U + 40, 8));
    expect_held(&r, v4(4, 56, true, U, 8));                 /* wholly past 48: not held */
    assert_int_equal(r.stats.bytes_held, 2 * NS_REASM_CHUNK);
    expect_done(&r, v4(4, 8, true, past, 48), U, sizeof U); /* [8,56) kept as [8,48) */
    assert_int_equal(r.stats.dropped_too_big, 2);
    ns_reasm_fini(&r);
}

/* tshark reassembles up to 65528 + 65527 bytes over IPv6 (v6_max) */
static void largest_datagram(void **state)
{
    (void)state;
    uint8_t *big = malloc(NS_REASM_MAX_LEN);
    assert_non_null(big);
    for (uint32_t i = 0; i < NS_REASM_MAX_LEN; i++)
        big[i] = (uint8_t)(i ^ (i >> 8));
    struct ns_reasm_cfg cfg = roomy();
    cfg.max_bytes = 2 * NS_REASM_MAX_LEN;
    struct ns_reasm r;
    start(&r, cfg);
    expect_held(&r, v6(1, 0, true, big, 64000));
    expect_held(&r, v6(1, 64000, true, big + 64000, 65528 - 64000));
    expect_done(&r, v6(1, 65528, false, big + 65528, NS_REASM_MAX_LEN - 65528), big,
                NS_REASM_MAX_LEN);
    free(big);
    ns_reasm_fini(&r);
}

/* timeout 1 s: a datagram exactly 1 s old survives, one older is dropped; with 0, never */
static void cap_timeout(void **state)
{
    (void)state;
    const int64_t s = 1000000000;
    struct ns_reasm_cfg cfg = roomy();
    cfg.timeout_ns = s;
    struct ns_reasm r;
    start(&r, cfg);
    struct ns_frag f = u4(0, 24, true);
    f.ts_ns = 10 * s;
    expect_held(&r, f);
    f = u4(24, 24, false);
    f.ts_ns = 11 * s;
    expect_done(&r, f, U, sizeof U);

    f = u4(0, 24, true);
    f.ts_ns = 20 * s;
    expect_held(&r, f);
    f = v4(77, 0, true, U, 8);      /* any fragment's time expires old datagrams */
    f.ts_ns = 21 * s + 1;
    expect_held(&r, f);
    assert_int_equal(r.stats.dropped_timeout, 1);
    assert_int_equal(r.stats.in_progress, 1);
    f = u4(24, 24, false);
    f.ts_ns = 21 * s + 1;
    expect_held(&r, f);             /* its head is gone */
    f.ts_ns = 5 * s;                /* time going back expires nothing */
    expect_held(&r, v4(78, 0, true, U, 8));
    assert_int_equal(r.stats.dropped_timeout, 1);
    ns_reasm_fini(&r);

    cfg.timeout_ns = 0;
    start(&r, cfg);
    f = u4(0, 24, true);
    f.ts_ns = 0;
    expect_held(&r, f);
    f = u4(24, 24, false);
    f.ts_ns = INT64_MAX;
    expect_done(&r, f, U, sizeof U);
    ns_reasm_fini(&r);
}

/* ---- random streams against a direct model of tshark's fragment_add_check() ---- */

#define M_FRAGS 400
#define M_DATA 64

struct m_frag {
    int key;
    uint32_t off, len, seq;
    bool live;
    uint8_t data[M_DATA];
};

struct model {
    struct m_frag f[M_FRAGS];
    uint32_t n;
    bool len_set[4];
    uint32_t len[4];
    uint8_t out[512];
};

static int m_cmp(const void *a, const void *b)
{
    const struct m_frag *x = *(const struct m_frag *const *)a, *y = *(const struct m_frag *const *)b;
    if (x->off != y->off)
        return x->off < y->off ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Returns the completed length, or -1 while incomplete. Every fragment is stored, as
 * tshark does; the datagram ends on completion. */
static int m_add(struct model *m, int key, uint32_t off, uint32_t len, bool more, const uint8_t *d)
{
    struct m_frag *nf = &m->f[m->n];
    *nf = (struct m_frag){ .key = key, .off = off, .len = len, .seq = m->n, .live = true };
    memcpy(nf->data, d, len);
    m->n++;
    if (!more && !m->len_set[key]) {
        m->len_set[key] = true;
        m->len[key] = off + len;
    }
    if (!m->len_set[key])
        return -1;
    struct m_frag *list[M_FRAGS];
    uint32_t k = 0;
    for (uint32_t i = 0; i < m->n; i++)
        if (m->f[i].live && m->f[i].key == key)
            list[k++] = &m->f[i];
    qsort(list, k, sizeof list[0], m_cmp);
    uint32_t max = 0, L = m->len[key];
    for (uint32_t i = 0; i < k; i++)
        if (list[i]->off <= max && list[i]->off + list[i]->len > max)
            max = list[i]->off + list[i]->len;
    if (max < L)
        return -1;
    uint32_t pos = 0;
    for (uint32_t i = 0; i < k; i++) {
        if (list[i]->off >= L)
            continue;
        uint32_t fl = list[i]->len < L - list[i]->off ? list[i]->len : L - list[i]->off;
        if (list[i]->off + fl > pos) {
            memcpy(m->out + pos, list[i]->data + (pos - list[i]->off), list[i]->off + fl - pos);
            pos = list[i]->off + fl;
        }
        list[i]->live = false;
    }
    for (uint32_t i = 0; i < m->n; i++)
        if (m->f[i].key == key)
            m->f[i].live = false;
    m->len_set[key] = false;
    return (int)L;
}

static uint32_t rnd(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return (uint32_t)(*s >> 11);
}

static void matches_model_on_random_streams(void **state)
{
    (void)state;
    struct model *m = malloc(sizeof *m);
    assert_non_null(m);
    uint64_t seed = 0x9e3779b97f4a7c15ull;
    uint64_t done = 0, conflicts = 0, dups = 0, tails = 0;
    for (int run = 0; run < 300; run++) {
        memset(m, 0, sizeof *m);
        struct ns_reasm r;
        start(&r, roomy());
        for (uint32_t step = 0; step < M_FRAGS; step++) {
            int key = (int)(rnd(&seed) % 4);        /* IPv4/IPv6 x id 1/2 */
            uint32_t off = 8 * (rnd(&seed) % 24), len = 1 + rnd(&seed) % M_DATA;
            bool more = rnd(&seed) % 4 != 0;
            if (off == 0 && !more)
                more = true;                        /* atomic: not reassembly */
            if (more)
                len = (len + 7) / 8 * 8 > M_DATA ? M_DATA : (len + 7) / 8 * 8;
            uint8_t d[M_DATA];
            bool alt = rnd(&seed) % 5 == 0;         /* conflicting bytes now and then */
            for (uint32_t i = 0; i < len; i++)
                d[i] = (uint8_t)((off + i) * 7 + key + (alt ? 0x55 : 0));
            struct ns_frag f = key < 2 ? v4(1 + (uint32_t)key, off, more, d, len)
                                       : v6(1 + (uint32_t)key % 2, off, more, d, len);
            int want = m_add(m, key, off, len, more, d);
            struct ns_reasm_out o;
            enum ns_reasm_result got = ns_reasm_add(&r, &f, &o);
            if (want < 0) {
                assert_int_equal(got, NS_REASM_HELD);
            } else {
                assert_int_equal(got, NS_REASM_DONE);
                assert_int_equal(o.len, (size_t)want);
                assert_memory_equal(o.data, m->out, (size_t)want);
            }
        }
        assert_int_equal(r.stats.bytes_held <= (uint64_t)r.nchunk * NS_REASM_CHUNK, 1);
        done += r.stats.completed;
        conflicts += r.stats.overlap_conflicts;
        dups += r.stats.duplicates;
        tails += r.stats.multiple_tails;
        ns_reasm_fini(&r);
    }
    /* the streams did exercise completion, conflicts, duplicates and stray tails */
    assert_true(done > 2000 && conflicts > 1000 && dups > 1000 && tails > 1000);
    free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(init_refuses_bad_caps),
        cmocka_unit_test(in_order),
        cmocka_unit_test(out_of_order),
        cmocka_unit_test(last_fragment_first),
        cmocka_unit_test(duplicate),
        cmocka_unit_test(overlap_same_bytes),
        cmocka_unit_test(overlap_lower_offset_wins),
        cmocka_unit_test(same_offset_first_arrival_wins),
        cmocka_unit_test(fragment_after_completion),
        cmocka_unit_test(first_tail_sets_length),
        cmocka_unit_test(fragment_past_the_end),
        cmocka_unit_test(ipv4_and_ipv6_apart),
        cmocka_unit_test(ids_and_addresses_apart),
        cmocka_unit_test(ipv4_id_protocol_mix),
        cmocka_unit_test(vlan_in_key),
        cmocka_unit_test(atomic_fragment),
        cmocka_unit_test(truncated_and_empty_not_added),
        cmocka_unit_test(invalid_input_skipped),
        cmocka_unit_test(cap_max_datagrams),
        cmocka_unit_test(cap_max_bytes),
        cmocka_unit_test(cap_too_big),
        cmocka_unit_test(largest_datagram),
        cmocka_unit_test(cap_timeout),
        cmocka_unit_test(matches_model_on_random_streams),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
