/* Unit tests for dissectors/tcp.c, udp.c, icmp.c, icmpv6.c: every field of valid headers,
 * every prefix of each sample, every malformed reason, and the ICMP quote path through the
 * dispatcher. TCP and UDP take the IP payload length from the layer before them, so most
 * tests push a fake IPv4/IPv6 layer first (fake_ipv4 / fake_ipv6). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "dissectors/dissect.h"

static struct ns_pkt pkt;       /* large: kept off the stack */

static void fresh(void)
{
    memset(&pkt, 0xa5, sizeof pkt);     /* dissectors must not rely on a zeroed struct */
    ns_pkt_reset(&pkt);
}

/* An IPv4 layer whose total length claims payload bytes after a 20-byte header. */
static void fake_ipv4(size_t payload)
{
    struct ns_layer *l = ns_pkt_push(&pkt, NS_PROTO_IPV4, NULL);
    assert_non_null(l);
    l->hdr_len = 20;
    l->u.ipv4.ihl = 5;
    l->u.ipv4.total_len = (uint16_t)(20 + payload);
}

/* An IPv6 layer with ext bytes of extension headers and a payload length of plen. */
static void fake_ipv6(uint16_t plen, uint16_t ext)
{
    struct ns_layer *l = ns_pkt_push(&pkt, NS_PROTO_IPV6, NULL);
    assert_non_null(l);
    l->hdr_len = (uint16_t)(40 + ext);
    l->u.ipv6.plen = plen;
}

/* ---------------------------------------------------------------- TCP */

/* TCP 49152 -> 443, 44 bytes: seq 0x01020304, ack 0x0a0b0c0d, data offset 10 (40 bytes),
 * flags SYN (0x002), window 65535, checksum 0x1234, urgent 0x0007, 20 option bytes, "abcd" */
static const uint8_t tcp_syn[] = {
    0xc0, 0x00, 0x01, 0xbb,                         /* ports */
    0x01, 0x02, 0x03, 0x04,                         /* seq */
    0x0a, 0x0b, 0x0c, 0x0d,                         /* ack */
    0xa0, 0x02, 0xff, 0xff,                         /* offset 10, SYN; window */
    0x12, 0x34, 0x00, 0x07,                         /* checksum, urgent */
    0x02, 0x04, 0x05, 0xb4,                         /* MSS 1460 */
    0x04, 0x02,                                     /* SACK permitted */
    0x08, 0x0a, 0x11, 0x22, 0x33, 0x44,             /* timestamps: val 0x11223344 */
    0x55, 0x66, 0x77, 0x88,                         /*             ecr 0x55667788 */
    0x01,                                           /* NOP */
    0x03, 0x03, 0x07,                               /* window scale 7 */
    'a', 'b', 'c', 'd',                             /* payload */
};

/* TCP 80 -> 1025, data offset 14 (56 bytes), ACK, NOP NOP and 4 SACK blocks, no payload */
static const uint8_t tcp_sack[] = {
    0x00, 0x50, 0x04, 0x01, 0, 0, 0, 1, 0, 0, 0, 2,
    0xe0, 0x10, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x01, 0x01,                                     /* NOP NOP */
    0x05, 0x22,                                     /* SACK, 34 bytes: 4 blocks */
    0, 0, 0, 10, 0, 0, 0, 20,
    0, 0, 0, 30, 0, 0, 0, 40,
    0, 0, 0, 50, 0, 0, 0, 60,
    0, 0, 0, 70, 0, 0, 0, 80,
};

static void tcp_valid_syn(void **state)
{
    (void)state;
    fresh();
    fake_ipv4(sizeof tcp_syn);
    struct ns_cur c = ns_cur_make(tcp_syn, sizeof tcp_syn);
    assert_int_equal(ns_tcp_dissect(&c, &pkt), NS_STATUS_OK);
    assert_int_equal(pkt.malformed, NS_MALFORMED_NONE);
    assert_int_equal(pkt.nlayers, 2);
    const struct ns_layer *l = &pkt.layer[1];
    assert_int_equal(l->proto, NS_PROTO_TCP);
    assert_ptr_equal(l->hdr, tcp_syn);
    assert_int_equal(l->hdr_len, 40);
    assert_int_equal(l->flags, 0);
    assert_int_equal(l->u.tcp.sport, 49152);
    assert_int_equal(l->u.tcp.dport, 443);
    assert_int_equal(l->u.tcp.seq, 0x01020304u);
    assert_int_equal(l->u.tcp.ack, 0x0a0b0c0du);
    assert_int_equal(l->u.tcp.flags, 0x002);
    assert_int_equal(l->u.tcp.window, 65535);
    assert_int_equal(l->u.tcp.urg, 7);
    assert_int_equal(l->u.tcp.payload_len, 4);
    assert_int_equal(l->u.tcp.has_mss, 1);
    assert_int_equal(l->u.tcp.mss, 1460);
    assert_int_equal(l->u.tcp.has_wscale, 1);
    assert_int_equal(l->u.tcp.wscale, 7);
    assert_int_equal(l->u.tcp.sack_perm, 1);
    assert_int_equal(l->u.tcp.has_ts, 1);
    assert_int_equal(l->u.tcp.ts_val, 0x11223344u);
    assert_int_equal(l->u.tcp.ts_ecr, 0x55667788u);
    assert_int_equal(l->u.tcp.nsack, 0);
    assert_int_equal(pkt.next.kind, NS_NEXT_TCP_DATA);
    assert_int_equal(c.len, 4);
    assert_memory_equal(c.p, "abcd", 4);
}

static void tcp_valid_sack_and_all_flags(void **state)
{
    (void)state;
    fresh();
    fake_ipv4(sizeof tcp_sack);
    struct ns_cur c = ns_cur_make(tcp_sack, sizeof tcp_sack);
    assert_int_equal(ns_tcp_dissect(&c, &pkt), NS_STATUS_OK);
    const struct ns_layer *l = &pkt.layer[1];
    assert_int_equal(l->hdr_len, 56);
    assert_int_equal(l->u.tcp.flags, 0x010);
    assert_int_equal(l->u.tcp.window, 256);
    assert_int_equal(l->u.tcp.nsack, 4);
    for (unsigned i = 0; i < 4; i++) {
        assert_int_equal(l->u.tcp.sack[i].left, 10 + 20 * i);
        assert_int_equal(l->u.tcp.sack[i].right, 20 + 20 * i);
    }
    assert_int_equal(l->u.tcp.has_mss, 0);
    assert_int_equal(l->u.tcp.payload_len, 0);
    assert_int_equal(c.len, 0);

    /* all 12 bits (3 reserved, NS, CWR, ECE, URG, ACK, PSH, RST, SYN, FIN) */
    uint8_t all[20] = { 0, 1, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0x5f, 0xff };
    fresh();
    c = ns_cur_make(all, sizeof all);
    assert_int_equal(ns_tcp_dissect(&c, &pkt), NS_STATUS_OK);
    assert_int_equal(pkt.layer[0].u.tcp.flags, 0xfff);
}

/* tcp.len follows the IP header: a snaplen that cut the payload keeps tcp.len */
static void tcp_len_from_ip(void **state)
{
    (void)state;
    fresh();
    fake_ipv4(1000);
    struct ns_cur c = ns_cur_make(tcp_syn, sizeof tcp_syn);
    assert_int_equal(ns_tcp_dissect(&c, &pkt), NS_STATUS_OK);
    assert_int_equal(pkt.layer[1].u.tcp.payload_len, 960);
    assert_true(pkt.layer[1].flags & NS_LAYER_CUT);
    assert_int_equal(c.len, 4);

    /* IPv6 with 8 bytes of extension headers: payload length counts them */
    fresh();
    fake_ipv6((uint16_t)(8 + sizeof tcp_syn), 8);
    c = ns_cur_make(tcp_syn, sizeof tcp_syn);
    assert_int_equal(ns_tcp_dissect(&c, &pkt), NS_STATUS_OK);
    assert_int_equal(pkt.layer[1].u.tcp.payload_len, 4);
    assert_int_equal(pkt.layer[1].flags, 0);

    /* no IP layer: the cursor is the segment */
    fresh();
    c = ns_cur_make(tcp_syn, sizeof tcp_syn);
    assert_int_equal(ns_tcp_dissect(&c, &pkt), NS_STATUS_OK);
    assert_int_equal(pkt.layer[0].u.tcp.payload_len, 4);

    /* a cursor longer than the IP header claims (reassembled datagram): the cursor wins */
    fresh();
    fake_ipv4(40);
    c = ns_cur_make(tcp_syn, sizeof tcp_syn);
    assert_int_equal(ns_tcp_dissect(&c, &pkt), NS_STATUS_OK);
    assert_int_equal(pkt.layer[1].u.tcp.payload_len, 4);
}

static void tcp_truncated_anywhere(void **state)
{
    (void)state;
    for (size_t n = 0; n <= sizeof tcp_syn; n++) {
        /* the IP header says 44 bytes: whatever is missing was cut by the capture */
        fresh();
        fake_ipv4(sizeof tcp_syn);
        struct ns_cur c = ns_cur_make(tcp_syn, n);
        enum ns_status st = ns_tcp_dissect(&c, &pkt);
        const struct ns_layer *l = &pkt.layer[1];
        if (n < 40) {
            assert_int_equal(st, NS_STATUS_MALFORMED);
            assert_int_equal(pkt.malformed, NS_MALFORMED_TCP_SHORT);
            assert_int_equal(pkt.next.kind, NS_NEXT_NONE);
            assert_true(l->flags & NS_LAYER_CUT);
            if (n >= 4)
                assert_int_equal(l->u.tcp.dport, 443);
        } else {
            assert_int_equal(st, NS_STATUS_OK);
            assert_int_equal(pkt.malformed, NS_MALFORMED_NONE);
            assert_int_equal(l->u.tcp.payload_len, 4);
            assert_int_equal(c.len, n - 40);
            assert_int_equal((l->flags & NS_LAYER_CUT) != 0, n < sizeof tcp_syn);
        }
        /* options read before the cut are kept, and a cut option is not TCP_OPT */
        if (n >= 24)
            assert_int_equal(l->u.tcp.mss, 1460);
        assert_int_equal(l->u.tcp.has_ts, n >= 36);

        /* no IP layer: a header longer than the bytes given is a bad data offset */
        fresh();
        c = ns_cur_make(tcp_syn, n);
        st = ns_tcp_dissect(&c, &pkt);
        if (n < 20) {
            assert_int_equal(st, NS_STATUS_MALFORMED);
            assert_int_equal(pkt.malformed, NS_MALFORMED_TCP_SHORT);
        } else if (n < 40) {
            assert_int_equal(st, NS_STATUS_MALFORMED);
            assert_int_equal(pkt.malformed, NS_MALFORMED_TCP_DOFF);
        } else {
            assert_int_equal(st, NS_STATUS_OK);
            assert_int_equal(pkt.layer[0].u.tcp.payload_len, n - 40);
        }
    }
}

static void tcp_bad_data_offset(void **state)
{
    (void)state;
    uint8_t b[sizeof tcp_syn];
    memcpy(b, tcp_syn, sizeof b);
    b[12] = 0x40;                   /* 16 bytes: below the 20-byte minimum */
    fresh();
    fake_ipv4(sizeof b);
    struct ns_cur c = ns_cur_make(b, sizeof b);
    assert_int_equal(ns_tcp_dissect(&c, &pkt), NS_STATUS_MALFORMED);
    assert_int_equal(pkt.malformed, NS_MALFORMED_TCP_DOFF);
    assert_int_equal(pkt.next.kind, NS_NEXT_NONE);
    assert_int_equal(pkt.layer[1].u.tcp.sport, 49152);
    assert_int_equal(pkt.layer[1].u.tcp.payload_len, 44 - 16);   /* as tshark's tcp.len */

    b[12] = 0xf0;                   /* 60 bytes: past the 44-byte segment */
    fresh();
    fake_ipv4(sizeof b);
    c = ns_cur_make(b, sizeof b);
    assert_int_equal(ns_tcp_dissect(&c, &pkt), NS_STATUS_MALFORMED);
    assert_int_equal(pkt.malformed, NS_MALFORMED_TCP_DOFF);
    assert_int_equal(pkt.layer[1].hdr_len, 60);
}

/* Runs tcp_syn with option byte i (0 = first option byte) replaced by v. */
static enum ns_status tcp_with_opt_byte(size_t i, uint8_t v)
{
    uint8_t b[sizeof tcp_syn];
    memcpy(b, tcp_syn, sizeof b);
    b[20 + i] = v;
    fresh();
    fake_ipv4(sizeof b);
    struct ns_cur c = ns_cur_make(b, sizeof b);
    enum ns_status st = ns_tcp_dissect(&c, &pkt);
    /* a bad option never unframes the segment: the payload is still handed on */
    assert_int_equal(pkt.next.kind, NS_NEXT_TCP_DATA);
    assert_int_equal(c.len, 4);
    return st;
}

static void tcp_bad_options(void **state)
{
    (void)state;
    const struct ns_layer *l = &pkt.layer[1];

    /* SACK-permitted length 1: the walk stops, MSS before it kept */
    assert_int_equal(tcp_with_opt_byte(5, 1), NS_STATUS_OK);
    assert_int_equal(pkt.malformed, NS_MALFORMED_TCP_OPT);
    assert_int_equal(l->u.tcp.mss, 1460);
    assert_int_equal(l->u.tcp.sack_perm, 0);
    assert_int_equal(l->u.tcp.has_ts, 0);

    /* MSS length 0x30: past the header */
    assert_int_equal(tcp_with_opt_byte(1, 0x30), NS_STATUS_OK);
    assert_int_equal(pkt.malformed, NS_MALFORMED_TCP_OPT);
    assert_int_equal(l->u.tcp.has_mss, 0);

    /* timestamps length 9: skipped by its length (the walk desynchronises on the next
     * byte, 0x88, an unknown kind whose "length" 0x01 is below 2), MSS/SACK-perm kept */
    assert_int_equal(tcp_with_opt_byte(7, 9), NS_STATUS_OK);
    assert_int_equal(pkt.malformed, NS_MALFORMED_TCP_OPT);
    assert_int_equal(l->u.tcp.has_ts, 0);
    assert_int_equal(l->u.tcp.sack_perm, 1);

    /* window scale with length 4 instead of 3: one byte past the header */
    assert_int_equal(tcp_with_opt_byte(18, 4), NS_STATUS_OK);
    assert_int_equal(pkt.malformed, NS_MALFORMED_TCP_OPT);
    assert_int_equal(l->u.tcp.has_wscale, 0);
    assert_int_equal(l->u.tcp.has_ts, 1);

    /* the last option byte is a kind with no room for its length: NOP NOP 0x1e */
    uint8_t e[sizeof tcp_syn];
    memcpy(e, tcp_syn, sizeof e);
    e[37] = 1;
    e[38] = 1;
    e[39] = 0x1e;
    fresh();
    fake_ipv4(sizeof e);
    struct ns_cur ce = ns_cur_make(e, sizeof e);
    assert_int_equal(ns_tcp_dissect(&ce, &pkt), NS_STATUS_OK);
    assert_int_equal(pkt.malformed, NS_MALFORMED_TCP_OPT);
    assert_int_equal(l->u.tcp.has_ts, 1);

    /* EOL first: nothing after it is read, no fault */
    assert_int_equal(tcp_with_opt_byte(0, 0), NS_STATUS_OK);
    assert_int_equal(pkt.malformed, NS_MALFORMED_NONE);
    assert_int_equal(l->u.tcp.has_mss, 0);

    /* an unknown kind is skipped by its length: MSS -> kind 0x42, length 4 */
    assert_int_equal(tcp_with_opt_byte(0, 0x42), NS_STATUS_OK);
    assert_int_equal(pkt.malformed, NS_MALFORMED_NONE);
    assert_int_equal(l->u.tcp.has_mss, 0);
    assert_int_equal(l->u.tcp.has_wscale, 1);

    /* SACK of 12 bytes (not 2 + 8n) */
    uint8_t b[sizeof tcp_sack];
    memcpy(b, tcp_sack, sizeof b);
    b[23] = 12;
    fresh();
    fake_ipv4(sizeof b);
    struct ns_cur c = ns_cur_make(b, sizeof b);
    assert_int_equal(ns_tcp_dissect(&c, &pkt), NS_STATUS_OK);
    assert_int_equal(pkt.malformed, NS_MALFORMED_TCP_OPT);
    assert_int_equal(l->u.tcp.nsack, 0);
}

/* An ICMP error quotes 8 bytes of TCP: ports and sequence, no fault (tshark marks none). */
static void tcp_quoted_cut(void **state)
{
    (void)state;
    for (size_t n = 0; n <= sizeof tcp_syn; n++) {
        fresh();
        pkt.quoted = 1;
        fake_ipv4(sizeof tcp_syn);
        struct ns_cur c = ns_cur_make(tcp_syn, n);
        assert_int_equal(ns_tcp_dissect(&c, &pkt), NS_STATUS_OK);
        assert_int_equal(pkt.malformed, NS_MALFORMED_NONE);
        const struct ns_layer *l = &pkt.layer[1];
        assert_true(l->flags & NS_LAYER_QUOTED);
        if (n >= 8) {
            assert_int_equal(l->u.tcp.sport, 49152);
            assert_int_equal(l->u.tcp.seq, 0x01020304u);
        }
        if (n < 40) {
            assert_true(l->flags & NS_LAYER_CUT);
            assert_int_equal(l->hdr_len, n);
            assert_int_equal(pkt.next.kind, NS_NEXT_NONE);
        } else {
            assert_int_equal(l->hdr_len, 40);
            assert_int_equal(pkt.next.kind, NS_NEXT_TCP_DATA);
        }
    }
}

static void tcp_layers_full(void **state)
{
    (void)state;
    fresh();
    for (int i = 0; i < NS_PKT_MAX_LAYERS; i++)
        assert_non_null(ns_pkt_push(&pkt, NS_PROTO_VLAN, NULL));
    struct ns_cur c = ns_cur_make(tcp_syn, sizeof tcp_syn);
    assert_int_equal(ns_tcp_dissect(&c, &pkt), NS_STATUS_MALFORMED);
    assert_int_equal(pkt.malformed, NS_MALFORMED_LAYERS_FULL);
    c = ns_cur_make(tcp_syn, sizeof tcp_syn);
    assert_int_equal(ns_udp_dissect(&c, &pkt), NS_STATUS_MALFORMED);
    assert_int_equal(ns_icmp_dissect(&c, &pkt), NS_STATUS_MALFORMED);
    assert_int_equal(ns_icmpv6_dissect(&c, &pkt), NS_STATUS_MALFORMED);
}

/* ---------------------------------------------------------------- UDP */

/* UDP 5353 -> 53, length 12, checksum 0xabcd, payload "wxyz" */
static const uint8_t udp_12[] = {
    0x14, 0xe9, 0x00, 0x35, 0x00, 0x0c, 0xab, 0xcd, 'w', 'x', 'y', 'z',
};

static void udp_valid(void **state)
{
    (void)state;
    fresh();
    fake_ipv4(sizeof udp_12);
    struct ns_cur c = ns_cur_make(udp_12, sizeof udp_12);
    assert_int_equal(ns_udp_dissect(&c, &pkt), NS_STATUS_OK);
    assert_int_equal(pkt.malformed, NS_MALFORMED_NONE);
    const struct ns_layer *l = &pkt.layer[1];
    assert_int_equal(l->proto, NS_PROTO_UDP);
    assert_ptr_equal(l->hdr, udp_12);
    assert_int_equal(l->hdr_len, 8);
    assert_int_equal(l->flags, 0);
    assert_int_equal(l->u.udp.sport, 5353);
    assert_int_equal(l->u.udp.dport, 53);
    assert_int_equal(l->u.udp.len, 12);
    assert_int_equal(l->u.udp.checksum, 0xabcd);
    assert_int_equal(pkt.next.kind, NS_NEXT_UDP_DATA);
    assert_int_equal(c.len, 4);
    assert_memory_equal(c.p, "wxyz", 4);

    /* trailing bytes after the UDP length (inside the IP payload) are not payload */
    fresh();
    fake_ipv4(sizeof udp_12);
    uint8_t b[sizeof udp_12];
    memcpy(b, udp_12, sizeof b);
    b[5] = 10;
    c = ns_cur_make(b, sizeof b);
    assert_int_equal(ns_udp_dissect(&c, &pkt), NS_STATUS_OK);
    assert_int_equal(c.len, 2);
}

static void udp_truncated_anywhere(void **state)
{
    (void)state;
    for (size_t n = 0; n <= sizeof udp_12; n++) {
        fresh();
        fake_ipv4(sizeof udp_12);
        struct ns_cur c = ns_cur_make(udp_12, n);
        enum ns_status st = ns_udp_dissect(&c, &pkt);
        if (n < 8) {
            assert_int_equal(st, NS_STATUS_MALFORMED);
            assert_int_equal(pkt.malformed, NS_MALFORMED_UDP_SHORT);
            assert_int_equal(pkt.next.kind, NS_NEXT_NONE);
        } else {
            /* a snaplen below the UDP length is not a fault */
            assert_int_equal(st, NS_STATUS_OK);
            assert_int_equal(pkt.malformed, NS_MALFORMED_NONE);
            assert_int_equal(c.len, n - 8);
            assert_int_equal((pkt.layer[1].flags & NS_LAYER_CUT) != 0, n < sizeof udp_12);
        }
        /* the same bytes quoted in an ICMP error: never a fault */
        fresh();
        pkt.quoted = 1;
        fake_ipv4(100);
        c = ns_cur_make(udp_12, n);
        assert_int_equal(ns_udp_dissect(&c, &pkt), NS_STATUS_OK);
        assert_int_equal(pkt.malformed, NS_MALFORMED_NONE);
        assert_int_equal(pkt.next.kind, n < 8 ? NS_NEXT_NONE : NS_NEXT_UDP_DATA);
        if (n >= 4)
            assert_int_equal(pkt.layer[1].u.udp.dport, 53);
    }
}

static void udp_bad_lengths(void **state)
{
    (void)state;
    uint8_t b[sizeof udp_12];
    memcpy(b, udp_12, sizeof b);

    /* below 8: tshark stops there */
    b[5] = 7;
    fresh();
    fake_ipv4(sizeof b);
    struct ns_cur c = ns_cur_make(b, sizeof b);
    assert_int_equal(ns_udp_dissect(&c, &pkt), NS_STATUS_MALFORMED);
    assert_int_equal(pkt.malformed, NS_MALFORMED_UDP_LEN);
    assert_int_equal(pkt.next.kind, NS_NEXT_NONE);
    assert_int_equal(pkt.layer[1].u.udp.len, 7);

    /* past the IP payload: marked, but the payload that is there is handed on */
    b[5] = 100;
    fresh();
    fake_ipv4(sizeof b);
    c = ns_cur_make(b, sizeof b);
    assert_int_equal(ns_udp_dissect(&c, &pkt), NS_STATUS_OK);
    assert_int_equal(pkt.malformed, NS_MALFORMED_UDP_LEN);
    assert_int_equal(pkt.next.kind, NS_NEXT_UDP_DATA);
    assert_int_equal(c.len, 4);
    assert_int_equal(pkt.layer[1].u.udp.len, 100);

    /* 0 over IPv6: the IP payload length (RFC 2675 section 4); not a jumbogram: marked */
    b[5] = 0;
    fresh();
    fake_ipv6(sizeof b, 0);
    c = ns_cur_make(b, sizeof b);
    assert_int_equal(ns_udp_dissect(&c, &pkt), NS_STATUS_OK);
    assert_int_equal(pkt.malformed, NS_MALFORMED_UDP_LEN);
    assert_int_equal(c.len, 4);

    /* 0 over IPv4 is below 8 */
    fresh();
    fake_ipv4(sizeof b);
    c = ns_cur_make(b, sizeof b);
    assert_int_equal(ns_udp_dissect(&c, &pkt), NS_STATUS_MALFORMED);
    assert_int_equal(pkt.malformed, NS_MALFORMED_UDP_LEN);
}

/* ---------------------------------------------------------------- ICMP */

/* ICMP echo request, checksum 0xf7ff, id 0x1234, seq 7, then 2 data bytes */
static const uint8_t icmp_echo[] = { 0x08, 0x00, 0xf7, 0xff, 0x12, 0x34, 0x00, 0x07, 'h', 'i' };

/* ICMP port unreachable quoting IPv4 (total length 207, UDP) and 8 bytes of UDP 53 ->
 * 63377 length 187 (ndpi-iphone.pcap frame 193, from the ICMP header on) */
static const uint8_t icmp_unreach[] = {
    0x03, 0x03, 0x04, 0x7b, 0x00, 0x00, 0x00, 0x00,
    0x45, 0x00, 0x00, 0xcf, 0xc8, 0x43, 0x00, 0x00, 0x40, 0x11, 0x2c, 0x78,
    0xc0, 0xa8, 0x02, 0x01, 0xc0, 0xa8, 0x02, 0x11,
    0x00, 0x35, 0xf7, 0x91, 0x00, 0xbb, 0x00, 0x00,
};

static void icmp_valid_echo(void **state)
{
    (void)state;
    fresh();
    struct ns_cur c = ns_cur_make(icmp_echo, sizeof icmp_echo);
    assert_int_equal(ns_icmp_dissect(&c, &pkt), NS_STATUS_OK);
    const struct ns_layer *l = &pkt.layer[0];
    assert_int_equal(l->proto, NS_PROTO_ICMP);
    assert_int_equal(l->hdr_len, 8);
    assert_int_equal(l->u.icmp.type, 8);
    assert_int_equal(l->u.icmp.code, 0);
    assert_int_equal(l->u.icmp.checksum, 0xf7ff);
    assert_int_equal(l->u.icmp.id, 0x1234);
    assert_int_equal(l->u.icmp.seq, 7);
    assert_int_equal(pkt.next.kind, NS_NEXT_NONE);
    assert_int_equal(pkt.quoted, 0);
    assert_int_equal(c.len, 2);

    /* router advertisement (9): only the first 4 bytes are the common header */
    uint8_t ra[] = { 0x09, 0x00, 0x00, 0x00, 0x01, 0x02 };
    fresh();
    c = ns_cur_make(ra, sizeof ra);
    assert_int_equal(ns_icmp_dissect(&c, &pkt), NS_STATUS_OK);
    assert_int_equal(pkt.layer[0].hdr_len, 4);
    assert_int_equal(pkt.layer[0].u.icmp.id, 0);
    assert_int_equal(c.len, 2);
}

static void icmp_error_quotes(void **state)
{
    (void)state;
    fresh();
    struct ns_cur c = ns_cur_make(icmp_unreach, sizeof icmp_unreach);
    assert_int_equal(ns_icmp_dissect(&c, &pkt), NS_STATUS_OK);
    assert_int_equal(pkt.layer[0].u.icmp.type, 3);
    assert_int_equal(pkt.layer[0].u.icmp.code, 3);
    assert_int_equal(pkt.layer[0].hdr_len, 8);
    assert_int_equal(pkt.quoted, 1);
    assert_int_equal(pkt.next.kind, NS_NEXT_IP);
    assert_ptr_equal(c.p, icmp_unreach + 8);

    /* an error inside a quote is not followed */
    fresh();
    pkt.quoted = 1;
    c = ns_cur_make(icmp_unreach, sizeof icmp_unreach);
    assert_int_equal(ns_icmp_dissect(&c, &pkt), NS_STATUS_OK);
    assert_int_equal(pkt.next.kind, NS_NEXT_NONE);

    /* every error type quotes; other types do not */
    for (unsigned t = 0; t < 256; t++) {
        uint8_t b[sizeof icmp_unreach];
        memcpy(b, icmp_unreach, sizeof b);
        b[0] = (uint8_t)t;
        fresh();
        c = ns_cur_make(b, sizeof b);
        assert_int_equal(ns_icmp_dissect(&c, &pkt), NS_STATUS_OK);
        int err = t == 3 || t == 4 || t == 5 || t == 11 || t == 12;
        assert_int_equal(pkt.next.kind, err ? NS_NEXT_IP : NS_NEXT_NONE);
        assert_int_equal(pkt.quoted, err);
    }
}

static void icmp_truncated_anywhere(void **state)
{
    (void)state;
    const uint8_t *samples[] = { icmp_echo, icmp_unreach };
    for (size_t s = 0; s < 2; s++) {
        for (size_t n = 0; n < 8; n++) {
            fresh();
            struct ns_cur c = ns_cur_make(samples[s], n);
            assert_int_equal(ns_icmp_dissect(&c, &pkt), NS_STATUS_MALFORMED);
            assert_int_equal(pkt.malformed, NS_MALFORMED_ICMP_SHORT);
            assert_int_equal(pkt.next.kind, NS_NEXT_NONE);
            assert_int_equal(pkt.quoted, 0);
            if (n >= 4)
                assert_int_equal(pkt.layer[0].u.icmp.type, samples[s][0]);
            if (s == 0 && n >= 6)
                assert_int_equal(pkt.layer[0].u.icmp.id, 0x1234);  /* tshark shows it too */

            /* quoted: kept, cut, no fault */
            fresh();
            pkt.quoted = 1;
            c = ns_cur_make(samples[s], n);
            assert_int_equal(ns_icmp_dissect(&c, &pkt), NS_STATUS_OK);
            assert_int_equal(pkt.malformed, NS_MALFORMED_NONE);
            assert_true(pkt.layer[0].flags & NS_LAYER_CUT);
        }
    }
    /* an error with nothing quoted: fine, nothing follows */
    fresh();
    struct ns_cur c = ns_cur_make(icmp_unreach, 8);
    assert_int_equal(ns_icmp_dissect(&c, &pkt), NS_STATUS_OK);
    assert_int_equal(pkt.next.kind, NS_NEXT_NONE);
    assert_int_equal(pkt.quoted, 0);
}

/* ---------------------------------------------------------------- ICMPv6 */

/* ICMPv6 echo reply, checksum 0x1111, id 0xbeef, seq 0x0102 */
static const uint8_t icmp6_echo[] = { 0x81, 0x00, 0x11, 0x11, 0xbe, 0xef, 0x01, 0x02 };

/* ICMPv6 packet too big (MTU 1280) quoting an IPv6 header (UDP, payload 100) */
static const uint8_t icmp6_ptb[] = {
    0x02, 0x00, 0x22, 0x22, 0x00, 0x00, 0x05, 0x00,
    0x60, 0x00, 0x00, 0x00, 0x00, 0x64, 0x11, 0x40,
    0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
    0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2,
};

static void icmpv6_valid(void **state)
{
    (void)state;
    fresh();
    struct ns_cur c = ns_cur_make(icmp6_echo, sizeof icmp6_echo);
    assert_int_equal(ns_icmpv6_dissect(&c, &pkt), NS_STATUS_OK);
    const struct ns_layer *l = &pkt.layer[0];
    assert_int_equal(l->proto, NS_PROTO_ICMPV6);
    assert_int_equal(l->hdr_len, 8);
    assert_int_equal(l->u.icmp.type, 129);
    assert_int_equal(l->u.icmp.checksum, 0x1111);
    assert_int_equal(l->u.icmp.id, 0xbeef);
    assert_int_equal(l->u.icmp.seq, 0x0102);
    assert_int_equal(pkt.next.kind, NS_NEXT_NONE);

    fresh();
    c = ns_cur_make(icmp6_ptb, sizeof icmp6_ptb);
    assert_int_equal(ns_icmpv6_dissect(&c, &pkt), NS_STATUS_OK);
    assert_int_equal(pkt.layer[0].u.icmp.type, 2);
    assert_int_equal(pkt.quoted, 1);
    assert_int_equal(pkt.next.kind, NS_NEXT_IP);
    assert_ptr_equal(c.p, icmp6_ptb + 8);

    /* neighbour solicitation (135): 4-byte common header, nothing follows */
    uint8_t ns_[] = { 135, 0, 0, 0, 0, 0, 0, 0 };
    fresh();
    c = ns_cur_make(ns_, sizeof ns_);
    assert_int_equal(ns_icmpv6_dissect(&c, &pkt), NS_STATUS_OK);
    assert_int_equal(pkt.layer[0].hdr_len, 4);
    assert_int_equal(pkt.next.kind, NS_NEXT_NONE);

    for (unsigned t = 0; t < 256; t++) {
        uint8_t b[sizeof icmp6_ptb];
        memcpy(b, icmp6_ptb, sizeof b);
        b[0] = (uint8_t)t;
        fresh();
        c = ns_cur_make(b, sizeof b);
        assert_int_equal(ns_icmpv6_dissect(&c, &pkt), NS_STATUS_OK);
        assert_int_equal(pkt.quoted, t >= 1 && t <= 4);
    }
}

static void icmpv6_truncated_anywhere(void **state)
{
    (void)state;
    const uint8_t *samples[] = { icmp6_echo, icmp6_ptb };
    for (size_t s = 0; s < 2; s++) {
        for (size_t n = 0; n < 8; n++) {
            fresh();
            struct ns_cur c = ns_cur_make(samples[s], n);
            assert_int_equal(ns_icmpv6_dissect(&c, &pkt), NS_STATUS_MALFORMED);
            assert_int_equal(pkt.malformed, NS_MALFORMED_ICMPV6_SHORT);
            assert_int_equal(pkt.quoted, 0);

            fresh();
            pkt.quoted = 1;
            c = ns_cur_make(samples[s], n);
            assert_int_equal(ns_icmpv6_dissect(&c, &pkt), NS_STATUS_OK);
            assert_int_equal(pkt.malformed, NS_MALFORMED_NONE);
        }
    }
}

/* ---------------------------------------------------------------- through the dispatcher */

/* ndpi-iphone.pcap frame 193: Ethernet, IPv4 192.168.2.17 -> 192.168.2.1 ICMP, port
 * unreachable quoting IPv4 192.168.2.1 -> 192.168.2.17 and 8 bytes of UDP 53 -> 63377 */
static const uint8_t frame193[] = {
    0xc6, 0x2c, 0x03, 0x60, 0x6a, 0x64, 0xc4, 0x61, 0x8b, 0x35, 0x82, 0xa9, 0x08, 0x00,
    0x45, 0x00, 0x00, 0x38, 0xe3, 0x7e, 0x00, 0x00, 0x40, 0x01, 0x11, 0xe4,
    0xc0, 0xa8, 0x02, 0x11, 0xc0, 0xa8, 0x02, 0x01,
    0x03, 0x03, 0x04, 0x7b, 0x00, 0x00, 0x00, 0x00,
    0x45, 0x00, 0x00, 0xcf, 0xc8, 0x43, 0x00, 0x00, 0x40, 0x11, 0x2c, 0x78,
    0xc0, 0xa8, 0x02, 0x01, 0xc0, 0xa8, 0x02, 0x11,
    0x00, 0x35, 0xf7, 0x91, 0x00, 0xbb, 0x00, 0x00,
};

static void icmp_quote_through_dispatcher(void **state)
{
    (void)state;
    fresh();
    assert_int_equal(ns_dissect_frame(frame193, sizeof frame193, NS_LINKTYPE_ETHERNET, &pkt),
                     NS_STATUS_OK);
    assert_int_equal(pkt.malformed, NS_MALFORMED_NONE);
    assert_int_equal(pkt.nlayers, 5);
    assert_int_equal(pkt.layer[2].proto, NS_PROTO_ICMP);
    assert_int_equal(pkt.layer[2].flags & NS_LAYER_QUOTED, 0);
    assert_int_equal(pkt.layer[3].proto, NS_PROTO_IPV4);
    assert_true(pkt.layer[3].flags & NS_LAYER_QUOTED);
    const struct ns_layer *u = &pkt.layer[4];
    assert_int_equal(u->proto, NS_PROTO_UDP);
    assert_true(u->flags & NS_LAYER_QUOTED);
    assert_int_equal(u->u.udp.sport, 53);
    assert_int_equal(u->u.udp.dport, 63377);
    assert_int_equal(u->u.udp.len, 187);
    assert_true(u->flags & NS_LAYER_CUT);   /* 8 of 187 bytes quoted */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(tcp_valid_syn),
        cmocka_unit_test(tcp_valid_sack_and_all_flags),
        cmocka_unit_test(tcp_len_from_ip),
        cmocka_unit_test(tcp_truncated_anywhere),
        cmocka_unit_test(tcp_bad_data_offset),
        cmocka_unit_test(tcp_bad_options),
        cmocka_unit_test(tcp_quoted_cut),
        cmocka_unit_test(tcp_layers_full),
        cmocka_unit_test(udp_valid),
        cmocka_unit_test(udp_truncated_anywhere),
        cmocka_unit_test(udp_bad_lengths),
        cmocka_unit_test(icmp_valid_echo),
        cmocka_unit_test(icmp_error_quotes),
        cmocka_unit_test(icmp_truncated_anywhere),
        cmocka_unit_test(icmpv6_valid),
        cmocka_unit_test(icmpv6_truncated_anywhere),
        cmocka_unit_test(icmp_quote_through_dispatcher),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
