/* Unit tests for the network-layer dissectors (ipv4.c, ipv6.c, gre.c), tunnels, ICMP
 * quotes and the IP-and-above half of the dispatcher (dissect.c). Payloads use IP
 * protocol 253 (RFC 3692 experimentation) so nothing past this layer runs, except in the
 * tests of the port dispatch at the end, which reach the DNS dissector on purpose.
 * Every cut is made on a heap copy of exactly that many bytes, so AddressSanitizer sees
 * any read past the end. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "dissectors/dissect.h"

static uint8_t *copy_of(const uint8_t *bytes, size_t n)
{
    uint8_t *buf = malloc(n > 0 ? n : 1);
    assert_non_null(buf);
    if (n > 0)
        memcpy(buf, bytes, n);
    return buf;
}

/* Runs one dissector over bytes with a fresh packet (quoted as asked). */
static enum ns_status run(enum ns_status (*fn)(struct ns_cur *, struct ns_pkt *),
                          const uint8_t *b, size_t n, struct ns_pkt *pkt, struct ns_cur *c,
                          int quoted)
{
    ns_pkt_reset(pkt);
    pkt->quoted = (uint8_t)quoted;
    *c = ns_cur_make(b, n);
    return fn(c, pkt);
}

/* ---- IPv4 ----------------------------------------------------------------------- */

/* IPv4 192.0.2.1 -> 198.51.100.2, IHL 6 (NOP NOP EOL pad), TOS 0x10, total 32, id 0xabcd,
 * DF, TTL 128, protocol 253, checksum 0x1234; 8 data bytes; 2 bytes of link padding. */
static const uint8_t ip4_opts[] = {
    0x46, 0x10, 0x00, 0x20, 0xab, 0xcd, 0x40, 0x00,
    0x80, 0xfd, 0x12, 0x34,
    0xc0, 0x00, 0x02, 0x01, 0xc6, 0x33, 0x64, 0x02,
    0x01, 0x01, 0x00, 0x00,                         /* NOP, NOP, EOL, padding */
    0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, /* data */
    0xee, 0xee,                                     /* not part of the datagram */
};

static void ipv4_fields(void **state)
{
    (void)state;
    struct ns_pkt pkt;
    struct ns_cur c;
    assert_int_equal(run(ns_ipv4_dissect, ip4_opts, sizeof ip4_opts, &pkt, &c, 0), NS_STATUS_OK);
    assert_int_equal(pkt.nlayers, 1);
    const struct ns_layer *l = &pkt.layer[0];
    assert_int_equal(l->proto, NS_PROTO_IPV4);
    assert_int_equal(l->flags, 0);
    assert_int_equal(l->hdr_len, 24);
    assert_ptr_equal(l->hdr, ip4_opts);
    assert_int_equal(l->u.ipv4.ihl, 6);
    assert_int_equal(l->u.ipv4.tos, 0x10);
    assert_int_equal(l->u.ipv4.total_len, 32);
    assert_int_equal(l->u.ipv4.id, 0xabcd);
    assert_int_equal(l->u.ipv4.df, 1);
    assert_int_equal(l->u.ipv4.mf, 0);
    assert_int_equal(l->u.ipv4.frag_off, 0);
    assert_int_equal(l->u.ipv4.ttl, 128);
    assert_int_equal(l->u.ipv4.proto, 253);
    assert_int_equal(l->u.ipv4.checksum, 0x1234);
    static const uint8_t src[] = { 192, 0, 2, 1 }, dst[] = { 198, 51, 100, 2 };
    assert_memory_equal(l->u.ipv4.src, src, 4);
    assert_memory_equal(l->u.ipv4.dst, dst, 4);
    assert_int_equal(pkt.next.kind, NS_NEXT_IPPROTO);
    assert_int_equal(pkt.next.val, 253);
    assert_int_equal(pkt.flags, 0);
    assert_int_equal(pkt.malformed, NS_MALFORMED_NONE);
    assert_ptr_equal(c.p, ip4_opts + 24);
    assert_int_equal(c.len, 8);                     /* the padding is trimmed */
}

static void ipv4_truncated_anywhere(void **state)
{
    (void)state;
    for (size_t n = 0; n < sizeof ip4_opts; n++) {
        uint8_t *b = copy_of(ip4_opts, n);
        struct ns_pkt pkt;
        struct ns_cur c;
        enum ns_status st = run(ns_ipv4_dissect, b, n, &pkt, &c, 0);
        assert_int_equal(pkt.nlayers, 1);
        if (n < 24) {
            assert_int_equal(st, NS_STATUS_MALFORMED);
            assert_int_equal(pkt.malformed, NS_MALFORMED_IPV4_SHORT);
            assert_int_equal(pkt.layer[0].hdr_len, 0);
            assert_int_equal(pkt.next.kind, NS_NEXT_NONE);
        } else {
            assert_int_equal(st, NS_STATUS_OK);
            assert_int_equal(pkt.malformed, NS_MALFORMED_NONE);
            assert_int_equal(pkt.layer[0].hdr_len, 24);
            assert_int_equal(c.len, n < 32 ? n - 24 : 8);
            assert_int_equal(pkt.layer[0].flags, n < 32 ? NS_LAYER_CUT : 0);
            assert_int_equal(pkt.next.kind, NS_NEXT_IPPROTO);
        }
        free(b);
    }
}

/* A copy of ip4_opts with byte i set to v. */
static void ip4_with(uint8_t *b, size_t i, uint8_t v)
{
    memcpy(b, ip4_opts, sizeof ip4_opts);
    b[i] = v;
}

static void ipv4_bad_header(void **state)
{
    (void)state;
    uint8_t b[sizeof ip4_opts];
    struct ns_pkt pkt;
    struct ns_cur c;

    ip4_with(b, 0, 0x56);                           /* version 5 */
    assert_int_equal(run(ns_ipv4_dissect, b, sizeof b, &pkt, &c, 0), NS_STATUS_MALFORMED);
    assert_int_equal(pkt.malformed, NS_MALFORMED_IPV4_VERSION);
    assert_int_equal(pkt.layer[0].hdr_len, 0);
    assert_int_equal(run(ns_ipv4_dissect, b, 1, &pkt, &c, 0), NS_STATUS_MALFORMED);
    assert_int_equal(pkt.malformed, NS_MALFORMED_IPV4_VERSION);   /* even when cut */

    ip4_with(b, 0, 0x44);                           /* IHL 4 */
    assert_int_equal(run(ns_ipv4_dissect, b, sizeof b, &pkt, &c, 0), NS_STATUS_MALFORMED);
    assert_int_equal(pkt.malformed, NS_MALFORMED_IPV4_IHL);
    assert_int_equal(pkt.layer[0].hdr_len, 0);

    ip4_with(b, 3, 23);                             /* total 23 < 24 */
    assert_int_equal(run(ns_ipv4_dissect, b, sizeof b, &pkt, &c, 0), NS_STATUS_MALFORMED);
    assert_int_equal(pkt.malformed, NS_MALFORMED_IPV4_TOTLEN);
    assert_int_equal(pkt.layer[0].hdr_len, 0);
    assert_int_equal(pkt.layer[0].u.ipv4.total_len, 23);

    ip4_with(b, 0, 0x4f);                           /* IHL 15: 60 bytes, 34 there */
    assert_int_equal(run(ns_ipv4_dissect, b, sizeof b, &pkt, &c, 0), NS_STATUS_MALFORMED);
    assert_int_equal(pkt.malformed, NS_MALFORMED_IPV4_SHORT);
}

/* An option that breaks RFC 791's length rule is a soft mark: recorded, status OK, the
 * payload (located by IHL) still handed on, as tshark does. */
static void ipv4_bad_options(void **state)
{
    (void)state;
    static const uint8_t opts[][4] = {
        { 0x94, 0x04, 0x00, 0x00 },                 /* router alert: valid */
        { 0x07, 0x01, 0x00, 0x00 },                 /* length 1 */
        { 0x07, 0x05, 0x00, 0x00 },                 /* 5 bytes in a 4-byte area */
        { 0x01, 0x01, 0x01, 0x83 },                 /* NOP x3, then a type with no length */
        { 0x07, 0x00, 0x00, 0x00 },                 /* length 0 */
    };
    for (size_t i = 0; i < sizeof opts / sizeof opts[0]; i++) {
        uint8_t b[sizeof ip4_opts];
        memcpy(b, ip4_opts, sizeof b);
        memcpy(b + 20, opts[i], 4);
        struct ns_pkt pkt;
        struct ns_cur c;
        assert_int_equal(run(ns_ipv4_dissect, b, sizeof b, &pkt, &c, 0), NS_STATUS_OK);
        assert_int_equal(pkt.malformed, i == 0 ? NS_MALFORMED_NONE : NS_MALFORMED_IPV4_OPT);
        assert_int_equal(pkt.layer[0].hdr_len, 24);
        assert_int_equal(pkt.next.kind, NS_NEXT_IPPROTO);
        assert_int_equal(c.len, 8);
    }
}

/* Total length 0: TCP segmentation offload, the captured length is used. */
static void ipv4_tso(void **state)
{
    (void)state;
    uint8_t b[sizeof ip4_opts];
    ip4_with(b, 3, 0);
    struct ns_pkt pkt;
    struct ns_cur c;
    assert_int_equal(run(ns_ipv4_dissect, b, sizeof b, &pkt, &c, 0), NS_STATUS_OK);
    assert_int_equal(pkt.flags, NS_PKT_IPV4_TSO);
    assert_int_equal(pkt.layer[0].u.ipv4.total_len, sizeof ip4_opts);
    assert_int_equal(c.len, sizeof ip4_opts - 24);
    assert_int_equal(pkt.layer[0].flags, 0);
}

/* tcpdump-ipv4_invalid_total_length.pcap: total length 85 in an 84-byte datagram. tshark
 * warns and dissects what is there; netscope clamps and flags the layer, no mark. */
static void ipv4_total_len_past_frame(void **state)
{
    (void)state;
    uint8_t b[sizeof ip4_opts];
    ip4_with(b, 3, 200);
    struct ns_pkt pkt;
    struct ns_cur c;
    assert_int_equal(run(ns_ipv4_dissect, b, sizeof b, &pkt, &c, 0), NS_STATUS_OK);
    assert_int_equal(pkt.malformed, NS_MALFORMED_NONE);
    assert_int_equal(pkt.layer[0].flags, NS_LAYER_CUT);
    assert_int_equal(c.len, sizeof ip4_opts - 24); /* the padding is all there is */
    assert_int_equal(pkt.next.kind, NS_NEXT_IPPROTO);
}

/* IPv4 (IHL 5) with the given flags/offset word and total length, 8 bytes of data
 * captured; returns 28. */
static size_t ip4_frag(uint8_t *b, uint16_t frag, uint16_t total)
{
    static const uint8_t h[] = {
        0x45, 0x00, 0x00, 0x00, 0x00, 0x07, 0x00, 0x00, 0x40, 0xfd, 0x00, 0x00,
        0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x02,
    };
    memcpy(b, h, 20);
    b[2] = (uint8_t)(total >> 8);
    b[3] = (uint8_t)total;
    b[6] = (uint8_t)(frag >> 8);
    b[7] = (uint8_t)frag;
    memset(b + 20, 0x5a, 8);
    return 28;
}

static void ipv4_fragments(void **state)
{
    (void)state;
    static const struct {
        uint16_t frag, total;
        int quoted;
        uint16_t flags;                             /* pkt.flags expected */
        uint8_t next;
        uint8_t mf;
        uint16_t off;
    } cases[] = {
        /* whole: to reassembly */
        { 0x2000, 28, 0, NS_PKT_FRAGMENT, NS_NEXT_NONE, 1, 0 },
        { 0x00b9, 28, 0, NS_PKT_FRAGMENT, NS_NEXT_NONE, 0, 1480 },
        { 0x20b9, 28, 0, NS_PKT_FRAGMENT, NS_NEXT_NONE, 1, 1480 },
        /* cut: a first fragment is dissected as it is, a later one is not */
        { 0x2000, 100, 0, 0, NS_NEXT_IPPROTO, 1, 0 },
        { 0x00b9, 100, 0, NS_PKT_FRAGMENT, NS_NEXT_NONE, 0, 1480 },
        /* quoted in an ICMP error: never NS_PKT_FRAGMENT */
        { 0x2000, 28, 1, 0, NS_NEXT_NONE, 1, 0 },
        { 0x2000, 100, 1, 0, NS_NEXT_IPPROTO, 1, 0 },
        { 0x20b9, 100, 1, 0, NS_NEXT_NONE, 1, 1480 },
        /* DF alone is no fragment */
        { 0x4000, 28, 0, 0, NS_NEXT_IPPROTO, 0, 0 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint8_t b[28];
        size_t n = ip4_frag(b, cases[i].frag, cases[i].total);
        struct ns_pkt pkt;
        struct ns_cur c;
        assert_int_equal(run(ns_ipv4_dissect, b, n, &pkt, &c, cases[i].quoted), NS_STATUS_OK);
        assert_int_equal(pkt.flags, cases[i].flags);
        assert_int_equal(pkt.next.kind, cases[i].next);
        assert_int_equal(pkt.layer[0].u.ipv4.mf, cases[i].mf);
        assert_int_equal(pkt.layer[0].u.ipv4.frag_off, cases[i].off);
        assert_int_equal(pkt.layer[0].flags & NS_LAYER_QUOTED,
                         cases[i].quoted ? NS_LAYER_QUOTED : 0);
        assert_ptr_equal(c.p, b + 20);              /* the fragment's data */
        assert_int_equal(c.len, 8);
    }
}

/* ---- IPv6 ----------------------------------------------------------------------- */

/* IPv6 2001:db8::1 -> 2001:db8::2, traffic class 0xab, flow 0x12345, payload 4,
 * next header 253, hop limit 64; 4 data bytes, 2 bytes of link padding. */
static const uint8_t ip6_plain[] = {
    0x6a, 0xb1, 0x23, 0x45, 0x00, 0x04, 0xfd, 0x40,
    0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01,
    0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02,
    0xd0, 0xd1, 0xd2, 0xd3,
    0xee, 0xee,
};

static void ipv6_fields(void **state)
{
    (void)state;
    struct ns_pkt pkt;
    struct ns_cur c;
    assert_int_equal(run(ns_ipv6_dissect, ip6_plain, sizeof ip6_plain, &pkt, &c, 0), NS_STATUS_OK);
    const struct ns_layer *l = &pkt.layer[0];
    assert_int_equal(pkt.nlayers, 1);
    assert_int_equal(l->proto, NS_PROTO_IPV6);
    assert_int_equal(l->flags, 0);
    assert_int_equal(l->hdr_len, 40);
    assert_memory_equal(l->u.ipv6.src, ip6_plain + 8, 16);
    assert_memory_equal(l->u.ipv6.dst, ip6_plain + 24, 16);
    assert_int_equal(l->u.ipv6.tclass, 0xab);
    assert_int_equal(l->u.ipv6.flow, 0x12345);
    assert_int_equal(l->u.ipv6.plen, 4);
    assert_int_equal(l->u.ipv6.nxt, 253);
    assert_int_equal(l->u.ipv6.hlim, 64);
    assert_int_equal(l->u.ipv6.proto, 253);
    assert_int_equal(l->u.ipv6.ext, 0);
    assert_int_equal(l->u.ipv6.frag_off, 0);
    assert_int_equal(l->u.ipv6.frag_m, 0);
    assert_int_equal(l->u.ipv6.frag_id, 0);
    assert_int_equal(l->u.ipv6.jumbo_len, 0);
    assert_int_equal(pkt.next.kind, NS_NEXT_IPPROTO);
    assert_int_equal(pkt.next.val, 253);
    assert_ptr_equal(c.p, ip6_plain + 40);
    assert_int_equal(c.len, 4);
}

static void ipv6_truncated_anywhere(void **state)
{
    (void)state;
    for (size_t n = 0; n < sizeof ip6_plain; n++) {
        uint8_t *b = copy_of(ip6_plain, n);
        struct ns_pkt pkt;
        struct ns_cur c;
        enum ns_status st = run(ns_ipv6_dissect, b, n, &pkt, &c, 0);
        assert_int_equal(pkt.nlayers, 1);
        if (n < 40) {
            assert_int_equal(st, NS_STATUS_MALFORMED);
            assert_int_equal(pkt.malformed, NS_MALFORMED_IPV6_SHORT);
            assert_int_equal(pkt.layer[0].hdr_len, 0);
        } else {
            assert_int_equal(st, NS_STATUS_OK);
            assert_int_equal(c.len, n < 44 ? n - 40 : 4);
            assert_int_equal(pkt.layer[0].flags, n < 44 ? NS_LAYER_CUT : 0);
        }
        free(b);
    }
}

static void ipv6_version_and_next(void **state)
{
    (void)state;
    uint8_t b[sizeof ip6_plain];
    struct ns_pkt pkt;
    struct ns_cur c;
    memcpy(b, ip6_plain, sizeof b);
    b[0] = 0x4a;
    assert_int_equal(run(ns_ipv6_dissect, b, sizeof b, &pkt, &c, 0), NS_STATUS_MALFORMED);
    assert_int_equal(pkt.malformed, NS_MALFORMED_IPV6_VERSION);
    assert_int_equal(pkt.layer[0].hdr_len, 0);

    memcpy(b, ip6_plain, sizeof b);
    b[6] = 59;                                      /* No Next Header */
    assert_int_equal(run(ns_ipv6_dissect, b, sizeof b, &pkt, &c, 0), NS_STATUS_OK);
    assert_int_equal(pkt.next.kind, NS_NEXT_NONE);
    assert_int_equal(pkt.layer[0].u.ipv6.proto, 59);

    memcpy(b, ip6_plain, sizeof b);
    b[5] = 0;                                       /* payload length 0, no hop-by-hop */
    assert_int_equal(run(ns_ipv6_dissect, b, sizeof b, &pkt, &c, 0), NS_STATUS_OK);
    assert_int_equal(c.len, 0);
    assert_int_equal(pkt.next.kind, NS_NEXT_IPPROTO);
}

/* Hop-by-hop (PadN), routing, destination options (16 bytes), AH (12 bytes), atomic
 * fragment (offset 0, M 0, id 0xdeadbeef), then 4 bytes of protocol 253. */
static const uint8_t ip6_chain[] = {
    0x60, 0x00, 0x00, 0x00, 0x00, 0x38, 0x00, 0x40, /* payload 56, next: hop-by-hop */
    0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01,
    0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02,
    43, 0, 0x01, 0x04, 0, 0, 0, 0,                  /* hop-by-hop: PadN */
    60, 0, 0x04, 0x00, 0, 0, 0, 0,                  /* routing, type 4, 8 bytes */
    51, 1, 0x01, 0x0c, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* destination options */
    44, 1, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x01, /* AH: (1+2)*4 */
    253, 0, 0x00, 0x00, 0xde, 0xad, 0xbe, 0xef,     /* fragment: offset 0, M 0 */
    0xd0, 0xd1, 0xd2, 0xd3,
};

static void ipv6_extension_chain(void **state)
{
    (void)state;
    struct ns_pkt pkt;
    struct ns_cur c;
    assert_int_equal(run(ns_ipv6_dissect, ip6_chain, sizeof ip6_chain, &pkt, &c, 0), NS_STATUS_OK);
    const struct ns_layer *l = &pkt.layer[0];
    assert_int_equal(pkt.nlayers, 1);
    assert_int_equal(l->hdr_len, 92);
    assert_int_equal(l->u.ipv6.nxt, 0);
    assert_int_equal(l->u.ipv6.proto, 253);
    assert_int_equal(l->u.ipv6.ext, NS_IPV6_EXT_HOP | NS_IPV6_EXT_ROUTE | NS_IPV6_EXT_DST |
                                    NS_IPV6_EXT_AH | NS_IPV6_EXT_FRAG);
    assert_int_equal(l->u.ipv6.frag_off, 0);
    assert_int_equal(l->u.ipv6.frag_m, 0);
    assert_int_equal(l->u.ipv6.frag_id, 0xdeadbeef);
    assert_int_equal(pkt.flags, 0);                 /* an atomic fragment is no fragment */
    assert_int_equal(pkt.next.kind, NS_NEXT_IPPROTO);
    assert_int_equal(pkt.next.val, 253);
    assert_ptr_equal(c.p, ip6_chain + 92);
    assert_int_equal(c.len, 4);
}

static void ipv6_chain_truncated_anywhere(void **state)
{
    (void)state;
    static const size_t ends[] = { 48, 56, 72, 84, 92 };   /* where each header ends */
    for (size_t n = 0; n < sizeof ip6_chain; n++) {
        uint8_t *b = copy_of(ip6_chain, n);
        struct ns_pkt pkt;
        struct ns_cur c;
        enum ns_status st = run(ns_ipv6_dissect, b, n, &pkt, &c, 0);
        assert_int_equal(pkt.nlayers, 1);
        if (n < 40) {
            assert_int_equal(st, NS_STATUS_MALFORMED);
            assert_int_equal(pkt.malformed, NS_MALFORMED_IPV6_SHORT);
        } else if (n < 92) {
            size_t whole = 40;
            for (size_t i = 0; i < 5 && ends[i] <= n; i++)
                whole = ends[i];
            assert_int_equal(st, NS_STATUS_MALFORMED);
            assert_int_equal(pkt.malformed, NS_MALFORMED_IPV6_EXT_SHORT);
            assert_int_equal(pkt.layer[0].hdr_len, whole);  /* the fixed header is valid */
            assert_int_equal(pkt.next.kind, NS_NEXT_NONE);
        } else {
            assert_int_equal(st, NS_STATUS_OK);
            assert_int_equal(c.len, n - 92);
        }
        free(b);
    }
}

/* The payload length bounds the chain: 20 bytes end inside the destination options. */
static void ipv6_ext_past_payload_length(void **state)
{
    (void)state;
    uint8_t b[sizeof ip6_chain];
    memcpy(b, ip6_chain, sizeof b);
    b[5] = 20;
    struct ns_pkt pkt;
    struct ns_cur c;
    assert_int_equal(run(ns_ipv6_dissect, b, sizeof b, &pkt, &c, 0), NS_STATUS_MALFORMED);
    assert_int_equal(pkt.malformed, NS_MALFORMED_IPV6_EXT_SHORT);
    assert_int_equal(pkt.layer[0].hdr_len, 56);
    assert_int_equal(pkt.layer[0].flags, 0);
}

/* IPv6 + n destination-options headers of 8 bytes, the last one naming 253. */
static size_t ip6_dstopts(uint8_t *b, unsigned n)
{
    memcpy(b, ip6_plain, 40);
    size_t plen = (size_t)n * 8;
    b[4] = (uint8_t)(plen >> 8);
    b[5] = (uint8_t)plen;
    b[6] = 60;
    for (unsigned i = 0; i < n; i++) {
        static const uint8_t d[] = { 60, 0, 0x01, 0x04, 0, 0, 0, 0 };
        memcpy(b + 40 + 8 * i, d, 8);
        if (i + 1 == n)
            b[40 + 8 * i] = 253;
    }
    return 40 + plen;
}

static void ipv6_ext_depth_cap(void **state)
{
    (void)state;
    static uint8_t b[40 + 8 * (NS_IPV6_MAX_EXT + 1)];
    struct ns_pkt pkt;
    struct ns_cur c;
    size_t n = ip6_dstopts(b, NS_IPV6_MAX_EXT);
    assert_int_equal(run(ns_ipv6_dissect, b, n, &pkt, &c, 0), NS_STATUS_OK);
    assert_int_equal(pkt.layer[0].hdr_len, n);
    assert_int_equal(pkt.layer[0].u.ipv6.proto, 253);
    n = ip6_dstopts(b, NS_IPV6_MAX_EXT + 1);
    assert_int_equal(run(ns_ipv6_dissect, b, n, &pkt, &c, 0), NS_STATUS_MALFORMED);
    assert_int_equal(pkt.malformed, NS_MALFORMED_IPV6_EXT_DEPTH);
    assert_int_equal(pkt.layer[0].hdr_len, 40 + 8 * NS_IPV6_MAX_EXT);
}

/* Fragment header: next UDP, offset field at bytes 2..3, id 5; 8 bytes of data. */
static size_t ip6_frag(uint8_t *b, uint16_t offm)
{
    memcpy(b, ip6_plain, 40);
    b[5] = 16;
    b[6] = 44;
    static const uint8_t f[] = { 17, 0, 0, 0, 0, 0, 0, 5 };
    memcpy(b + 40, f, 8);
    b[42] = (uint8_t)(offm >> 8);
    b[43] = (uint8_t)offm;
    memset(b + 48, 0x5a, 8);
    return 56;
}

static void ipv6_fragments(void **state)
{
    (void)state;
    static const struct {
        uint16_t offm;
        int quoted;
        uint16_t flags;
        uint16_t off;
        uint8_t m;
    } cases[] = {
        { 0x0001, 0, NS_PKT_FRAGMENT, 0, 1 },       /* first */
        { 0x05c8, 0, NS_PKT_FRAGMENT, 1480, 0 },    /* last */
        { 0x0011, 0, NS_PKT_FRAGMENT, 16, 1 },
        { 0x0001, 1, 0, 0, 1 },                     /* quoted: tshark follows none either */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint8_t b[56];
        size_t n = ip6_frag(b, cases[i].offm);
        struct ns_pkt pkt;
        struct ns_cur c;
        assert_int_equal(run(ns_ipv6_dissect, b, n, &pkt, &c, cases[i].quoted), NS_STATUS_OK);
        const struct ns_layer *l = &pkt.layer[0];
        assert_int_equal(pkt.flags, cases[i].flags);
        assert_int_equal(pkt.next.kind, NS_NEXT_NONE);
        assert_int_equal(l->u.ipv6.frag_off, cases[i].off);
        assert_int_equal(l->u.ipv6.frag_m, cases[i].m);
        assert_int_equal(l->u.ipv6.frag_id, 5);
        assert_int_equal(l->u.ipv6.proto, 17);
        assert_int_equal(l->u.ipv6.ext, NS_IPV6_EXT_FRAG);
        assert_int_equal(l->hdr_len, 48);
        assert_ptr_equal(c.p, b + 48);
        assert_int_equal(c.len, 8);
    }
}

/* Jumbogram (RFC 2675): payload length 0, hop-by-hop with a jumbo option of 70000. */
static const uint8_t ip6_jumbo[] = {
    0x60, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x40, /* payload 0, hop-by-hop */
    0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01,
    0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02,
    253, 0, 0xc2, 0x04, 0x00, 0x01, 0x11, 0x70,     /* jumbo payload length 70000 */
    0xd0, 0xd1, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7,
};

static void ipv6_jumbogram(void **state)
{
    (void)state;
    struct ns_pkt pkt;
    struct ns_cur c;
    assert_int_equal(run(ns_ipv6_dissect, ip6_jumbo, sizeof ip6_jumbo, &pkt, &c, 0), NS_STATUS_OK);
    const struct ns_layer *l = &pkt.layer[0];
    assert_int_equal(l->u.ipv6.jumbo_len, 70000);
    assert_int_equal(l->u.ipv6.plen, 0);
    assert_int_equal(l->u.ipv6.ext, NS_IPV6_EXT_HOP);
    assert_int_equal(l->hdr_len, 48);
    assert_int_equal(l->flags, NS_LAYER_CUT);       /* 70000 announced, 16 captured */
    assert_int_equal(c.len, 8);
    assert_int_equal(pkt.next.val, 253);

    uint8_t b[sizeof ip6_jumbo];
    static const struct {
        size_t i;
        uint8_t v;
    } bad[] = {
        { 5, 16 },          /* a jumbo option with a non-zero payload length */
        { 44, 0x00 },       /* jumbo length 65535, set below: not above 65535 */
        { 43, 0x05 },       /* option length 5 runs past: no jumbo option found */
        { 42, 0x01 },       /* PadN instead of jumbo: payload length 0 without jumbo */
    };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        memcpy(b, ip6_jumbo, sizeof b);
        b[bad[k].i] = bad[k].v;
        if (k == 1) {                               /* jumbo length 0x0000ffff */
            b[44] = 0x00;
            b[45] = 0x00;
            b[46] = 0xff;
            b[47] = 0xff;
        }
        assert_int_equal(run(ns_ipv6_dissect, b, sizeof b, &pkt, &c, 0), NS_STATUS_MALFORMED);
        assert_int_equal(pkt.malformed, NS_MALFORMED_IPV6_JUMBO);
    }
}

/* RFC 2675 section 3: the jumbo option must be 4 bytes; a jumbogram has no fragment
 * header. */
static void ipv6_jumbo_rules(void **state)
{
    (void)state;
    static const uint8_t len6[] = {
        0x60, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x40,
        0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01,
        0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02,
        253, 1, 0xc2, 0x06, 0x00, 0x01, 0x11, 0x70, 0, 0, 0x01, 0x02, 0, 0, 0, 0,
    };
    static const uint8_t frag[] = {
        0x60, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x40,
        0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01,
        0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02,
        44, 0, 0xc2, 0x04, 0x00, 0x01, 0x11, 0x70,
        253, 0, 0x00, 0x00, 0, 0, 0, 1,
    };
    struct ns_pkt pkt;
    struct ns_cur c;
    assert_int_equal(run(ns_ipv6_dissect, len6, sizeof len6, &pkt, &c, 0), NS_STATUS_MALFORMED);
    assert_int_equal(pkt.malformed, NS_MALFORMED_IPV6_JUMBO);
    assert_int_equal(run(ns_ipv6_dissect, frag, sizeof frag, &pkt, &c, 0), NS_STATUS_MALFORMED);
    assert_int_equal(pkt.malformed, NS_MALFORMED_IPV6_JUMBO);
    assert_int_equal(pkt.layer[0].u.ipv6.ext, NS_IPV6_EXT_HOP | NS_IPV6_EXT_FRAG);
}

/* After reassembly, a datagram that starts with an extension header (one that followed
 * the fragment header) continues the chain on the IPv6 layer. */
static void ipv6_reassembled_chain(void **state)
{
    (void)state;
    uint8_t f[56];
    size_t n = ip6_frag(f, 0x0001);
    f[40] = 60;                                     /* the fragment header says: dst opts */
    struct ns_pkt pkt;
    assert_int_equal(ns_dissect_frame(f, n, NS_LINKTYPE_IPV6, &pkt), NS_STATUS_OK);
    assert_int_equal(pkt.flags, NS_PKT_FRAGMENT);
    assert_int_equal(pkt.layer[0].u.ipv6.proto, 60);

    static const uint8_t datagram[] = { 253, 0, 0x01, 0x04, 0, 0, 0, 0, 0xaa, 0xbb };
    struct ns_cur c = ns_cur_make(datagram, sizeof datagram);
    pkt.next.kind = NS_NEXT_IPPROTO;
    pkt.next.val = pkt.layer[0].u.ipv6.proto;
    assert_int_equal(ns_dissect_next(&c, &pkt), NS_STATUS_OK);
    assert_int_equal(pkt.nlayers, 1);
    assert_int_equal(pkt.layer[0].u.ipv6.proto, 253);
    assert_int_equal(pkt.layer[0].u.ipv6.ext, NS_IPV6_EXT_FRAG | NS_IPV6_EXT_DST);
    assert_int_equal(c.len, 2);

    /* After an IPv4 layer the same protocol number is not an IPv6 header: nothing, even
     * when an IPv6 layer comes before it (IPv4 in IPv6). */
    uint8_t g[28 + 40];
    ip4_frag(g, 0, 28);
    assert_int_equal(ns_dissect_frame(g, 28, NS_LINKTYPE_RAW, &pkt), NS_STATUS_OK);
    c = ns_cur_make(datagram, sizeof datagram);
    pkt.next.kind = NS_NEXT_IPPROTO;
    pkt.next.val = 60;
    assert_int_equal(ns_dissect_next(&c, &pkt), NS_STATUS_OK);
    assert_int_equal(pkt.nlayers, 1);
    assert_int_equal(pkt.malformed, NS_MALFORMED_NONE);

    memmove(g + 40, g, 28);
    memcpy(g, ip6_plain, 40);
    g[5] = 28;
    g[6] = 4;                                       /* IPv6 carrying IPv4 */
    assert_int_equal(ns_dissect_frame(g, sizeof g, NS_LINKTYPE_RAW, &pkt), NS_STATUS_OK);
    assert_int_equal(pkt.nlayers, 2);
    c = ns_cur_make(datagram, sizeof datagram);
    pkt.next.kind = NS_NEXT_IPPROTO;
    pkt.next.val = 60;
    assert_int_equal(ns_dissect_next(&c, &pkt), NS_STATUS_OK);
    assert_int_equal(pkt.layer[0].u.ipv6.proto, 4);
    assert_int_equal(pkt.layer[0].u.ipv6.ext, 0);
}

/* ---- GRE ------------------------------------------------------------------------ */

/* Checksum, key and sequence present (RFC 2784 + RFC 2890), protocol 0x6558. */
static const uint8_t gre_cks[] = {
    0xb0, 0x00, 0x65, 0x58,                         /* C K S, version 0, TEB */
    0x12, 0x34, 0x00, 0x00,                         /* checksum, reserved1 */
    0x00, 0x00, 0x30, 0x39,                         /* key 12345 */
    0x00, 0x00, 0x00, 0x07,                         /* sequence 7 */
    0xaa, 0xbb,                                     /* payload */
};

static void gre_fields(void **state)
{
    (void)state;
    struct ns_pkt pkt;
    struct ns_cur c;
    assert_int_equal(run(ns_gre_dissect, gre_cks, sizeof gre_cks, &pkt, &c, 0), NS_STATUS_OK);
    const struct ns_layer *l = &pkt.layer[0];
    assert_int_equal(l->proto, NS_PROTO_GRE);
    assert_int_equal(l->hdr_len, 16);
    assert_int_equal(l->u.gre.flags_ver, 0xb000);
    assert_int_equal(l->u.gre.proto, 0x6558);
    assert_int_equal(l->u.gre.key, 12345);
    assert_int_equal(pkt.next.kind, NS_NEXT_ETHERTYPE);
    assert_int_equal(pkt.next.val, 0x6558);
    assert_int_equal(c.len, 2);

    static const uint8_t plain[] = { 0x00, 0x00, 0x08, 0x00 };
    assert_int_equal(run(ns_gre_dissect, plain, sizeof plain, &pkt, &c, 0), NS_STATUS_OK);
    assert_int_equal(pkt.layer[0].hdr_len, 4);
    assert_int_equal(pkt.layer[0].u.gre.key, 0);
    assert_int_equal(pkt.next.val, 0x0800);

    /* RFC 1701 routing: checksum/offset word, then source route entries up to a null one */
    static const uint8_t routed[] = {
        0x40, 0x00, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x08, 0x00, 0x00, 0x04, 0x0a, 0x00, 0x00, 0x01, /* SRE: IPv4, offset 0, length 4 */
        0x00, 0x00, 0x00, 0x00,                         /* null SRE */
        0x45,
    };
    assert_int_equal(run(ns_gre_dissect, routed, sizeof routed, &pkt, &c, 0), NS_STATUS_OK);
    assert_int_equal(pkt.layer[0].hdr_len, 20);
    assert_int_equal(c.len, 1);
    assert_int_equal(run(ns_gre_dissect, routed, 19, &pkt, &c, 0), NS_STATUS_MALFORMED);
    assert_int_equal(pkt.malformed, NS_MALFORMED_GRE_SHORT);
}

static void gre_truncated_anywhere(void **state)
{
    (void)state;
    for (size_t n = 0; n < sizeof gre_cks; n++) {
        uint8_t *b = copy_of(gre_cks, n);
        struct ns_pkt pkt;
        struct ns_cur c;
        enum ns_status st = run(ns_gre_dissect, b, n, &pkt, &c, 0);
        assert_int_equal(pkt.nlayers, 1);
        if (n < 16) {
            assert_int_equal(st, NS_STATUS_MALFORMED);
            assert_int_equal(pkt.malformed, NS_MALFORMED_GRE_SHORT);
            assert_int_equal(pkt.layer[0].hdr_len, 0);
        } else {
            assert_int_equal(st, NS_STATUS_OK);
            assert_int_equal(c.len, n - 16);
        }
        free(b);
    }
}

static void gre_version(void **state)
{
    (void)state;
    static const uint8_t pptp[] = { 0x30, 0x81, 0x88, 0x0b, 0x00, 0x00, 0x00, 0x01 };
    struct ns_pkt pkt;
    struct ns_cur c;
    assert_int_equal(run(ns_gre_dissect, pptp, sizeof pptp, &pkt, &c, 0), NS_STATUS_MALFORMED);
    assert_int_equal(pkt.malformed, NS_MALFORMED_GRE_VERSION);
    assert_int_equal(pkt.layer[0].u.gre.flags_ver, 0x3081);
    assert_int_equal(pkt.layer[0].hdr_len, 0);
}

/* ---- Tunnels -------------------------------------------------------------------- */

/* Wraps b[0..n) in an IPv4 header of the given protocol in front; returns the new n. */
static size_t wrap_ip4(uint8_t *b, size_t n, uint8_t proto, uint8_t last)
{
    memmove(b + 20, b, n);
    size_t t = n + 20;
    const uint8_t h[] = {
        0x45, 0x00, (uint8_t)(t >> 8), (uint8_t)t, 0x00, 0x01, 0x00, 0x00, 0x40, proto, 0, 0,
        0x0a, 0x00, 0x00, last, 0x0a, 0x00, 0x01, last,
    };
    memcpy(b, h, 20);
    return t;
}

static size_t wrap_ip6(uint8_t *b, size_t n, uint8_t nxt, uint8_t last)
{
    memmove(b + 40, b, n);
    memcpy(b, ip6_plain, 40);
    b[4] = (uint8_t)(n >> 8);
    b[5] = (uint8_t)n;
    b[6] = nxt;
    b[23] = last;
    return n + 40;
}

static size_t wrap_gre(uint8_t *b, size_t n, uint16_t proto)
{
    memmove(b + 4, b, n);
    b[0] = 0;
    b[1] = 0;
    b[2] = (uint8_t)(proto >> 8);
    b[3] = (uint8_t)proto;
    return n + 4;
}

/* IPv4 [4] IPv4 [41] IPv6 [47] GRE [0x86dd] IPv6 [253] data. */
static void tunnels_nested(void **state)
{
    (void)state;
    uint8_t b[512] = { 0xd0, 0xd1 };
    size_t n = 2;
    n = wrap_ip6(b, n, 253, 5);
    n = wrap_gre(b, n, 0x86dd);
    n = wrap_ip6(b, n, 47, 3);
    n = wrap_ip4(b, n, 41, 2);
    n = wrap_ip4(b, n, 4, 1);
    struct ns_pkt pkt;
    assert_int_equal(ns_dissect_frame(b, n, NS_LINKTYPE_RAW, &pkt), NS_STATUS_OK);
    assert_int_equal(pkt.nlayers, 5);
    assert_int_equal(pkt.layer[0].proto, NS_PROTO_IPV4);
    assert_int_equal(pkt.layer[0].u.ipv4.src[3], 1);
    assert_int_equal(pkt.layer[1].proto, NS_PROTO_IPV4);
    assert_int_equal(pkt.layer[1].u.ipv4.src[3], 2);
    assert_int_equal(pkt.layer[2].proto, NS_PROTO_IPV6);
    assert_int_equal(pkt.layer[2].u.ipv6.src[15], 3);
    assert_int_equal(pkt.layer[3].proto, NS_PROTO_GRE);
    assert_int_equal(pkt.layer[4].proto, NS_PROTO_IPV6);
    assert_int_equal(pkt.layer[4].u.ipv6.src[15], 5);
    assert_int_equal(pkt.tunnels, 3);
    assert_int_equal(pkt.malformed, NS_MALFORMED_NONE);
    assert_int_equal(pkt.next.kind, NS_NEXT_NONE);
}

static void tunnels_depth_cap(void **state)
{
    (void)state;
    for (unsigned depth = NS_DISSECT_MAX_TUNNELS; depth <= NS_DISSECT_MAX_TUNNELS + 1; depth++) {
        uint8_t b[512] = { 0xd0 };
        size_t n = wrap_ip4(b, 1, 253, 0);
        for (unsigned i = 0; i < depth; i++)
            n = wrap_ip4(b, n, 4, (uint8_t)(i + 1));
        struct ns_pkt pkt;
        enum ns_status st = ns_dissect_frame(b, n, NS_LINKTYPE_RAW, &pkt);
        if (depth == NS_DISSECT_MAX_TUNNELS) {
            assert_int_equal(st, NS_STATUS_OK);
            assert_int_equal(pkt.nlayers, depth + 1);
            assert_int_equal(pkt.tunnels, depth);
        } else {
            assert_int_equal(st, NS_STATUS_MALFORMED);
            assert_int_equal(pkt.malformed, NS_MALFORMED_TUNNEL_DEPTH);
            assert_int_equal(pkt.nlayers, NS_DISSECT_MAX_TUNNELS + 1);
        }
    }
}

/* Ethernet / IPv4 / GRE (transparent Ethernet bridging) / Ethernet / IPv4, and every cut. */
static void gre_bridged_ethernet(void **state)
{
    (void)state;
    static const uint8_t eth_hdr[] = {
        0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0x08, 0x00,
    };
    uint8_t b[256];
    size_t n = wrap_ip4(b, 0, 253, 9);
    memmove(b + 14, b, n);
    memcpy(b, eth_hdr, 14);
    n += 14;
    n = wrap_gre(b, n, 0x6558);
    n = wrap_ip4(b, n, 47, 1);
    memmove(b + 14, b, n);
    memcpy(b, eth_hdr, 14);
    n += 14;
    static const uint8_t protos[] = { NS_PROTO_ETH, NS_PROTO_IPV4, NS_PROTO_GRE, NS_PROTO_ETH,
                                      NS_PROTO_IPV4 };
    static const size_t offs[] = { 0, 14, 34, 38, 52, 72 };
    static const uint16_t why[] = { NS_MALFORMED_ETH_SHORT, NS_MALFORMED_IPV4_SHORT,
                                    NS_MALFORMED_GRE_SHORT, NS_MALFORMED_ETH_SHORT,
                                    NS_MALFORMED_IPV4_SHORT };
    assert_int_equal(n, 72);
    for (size_t cut = 0; cut <= n; cut++) {
        uint8_t *c = copy_of(b, cut);
        struct ns_pkt pkt;
        enum ns_status st = ns_dissect_frame(c, cut, NS_LINKTYPE_ETHERNET, &pkt);
        size_t k = 0;
        while (k < 5 && offs[k + 1] <= cut)
            k++;
        if (k < 5) {
            assert_int_equal(st, NS_STATUS_MALFORMED);
            assert_int_equal(pkt.malformed, why[k]);
            assert_int_equal(pkt.nlayers, k + 1);
        } else {
            assert_int_equal(st, NS_STATUS_OK);
            assert_int_equal(pkt.nlayers, 5);
        }
        for (size_t i = 0; i < pkt.nlayers; i++) {
            assert_int_equal(pkt.layer[i].proto, protos[i]);
            assert_ptr_equal(pkt.layer[i].hdr, c + offs[i]);
        }
        free(c);
    }
}

/* ---- ICMP quotes ---------------------------------------------------------------- */

/* What an ICMP error dissector leaves: pkt->quoted set and {IP} next. A quoted header
 * whose total length runs past the quote is normal, and every layer is QUOTED. */
static void quoted_ipv4(void **state)
{
    (void)state;
    uint8_t q[28];
    ip4_frag(q, 0, 1000);
    struct ns_pkt pkt;
    ns_pkt_reset(&pkt);
    pkt.quoted = 1;
    pkt.next.kind = NS_NEXT_IP;
    struct ns_cur c = ns_cur_make(q, sizeof q);
    assert_int_equal(ns_dissect_next(&c, &pkt), NS_STATUS_OK);
    assert_int_equal(pkt.nlayers, 1);
    assert_int_equal(pkt.layer[0].flags, NS_LAYER_QUOTED | NS_LAYER_CUT);
    assert_int_equal(pkt.malformed, NS_MALFORMED_NONE);
    assert_int_equal(c.len, 8);

    uint8_t q6[sizeof ip6_plain];
    memcpy(q6, ip6_plain, sizeof q6);
    q6[4] = 0x05;                                   /* payload length 1284 */
    ns_pkt_reset(&pkt);
    pkt.quoted = 1;
    pkt.next.kind = NS_NEXT_IP;
    c = ns_cur_make(q6, sizeof q6);
    assert_int_equal(ns_dissect_next(&c, &pkt), NS_STATUS_OK);
    assert_int_equal(pkt.layer[0].proto, NS_PROTO_IPV6);
    assert_int_equal(pkt.layer[0].flags, NS_LAYER_QUOTED | NS_LAYER_CUT);
}

/* ---- Ports to applications ------------------------------------------------------ */

/* DNS header: id 0x1234, standard query, no records. */
static const uint8_t dns_hdr[] = { 0x12, 0x34, 0x01, 0x00, 0, 0, 0, 0, 0, 0, 0, 0 };

static int udp_dispatch(uint16_t sport, uint16_t dport, size_t len, struct ns_pkt *pkt)
{
    ns_pkt_reset(pkt);
    struct ns_layer *u = ns_pkt_push(pkt, NS_PROTO_UDP, dns_hdr);
    assert_non_null(u);
    u->u.udp.sport = sport;
    u->u.udp.dport = dport;
    pkt->next.kind = NS_NEXT_UDP_DATA;
    struct ns_cur c = ns_cur_make(dns_hdr, len);
    assert_int_equal(ns_dissect_next(&c, pkt), NS_STATUS_OK);
    if (pkt->nlayers == 1)
        return -1;
    assert_int_equal(pkt->layer[1].proto, NS_PROTO_DNS);
    return pkt->layer[1].u.dns.kind;
}

static void udp_ports_to_dns(void **state)
{
    (void)state;
    struct ns_pkt pkt;
    assert_int_equal(udp_dispatch(40000, 53, sizeof dns_hdr, &pkt), NS_DNS_KIND_DNS);
    assert_int_equal(pkt.layer[1].u.dns.id, 0x1234);
    assert_int_equal(udp_dispatch(53, 40000, sizeof dns_hdr, &pkt), NS_DNS_KIND_DNS);
    assert_int_equal(udp_dispatch(5353, 5353, sizeof dns_hdr, &pkt), NS_DNS_KIND_MDNS);
    assert_int_equal(udp_dispatch(40000, 5355, sizeof dns_hdr, &pkt), NS_DNS_KIND_LLMNR);
    assert_int_equal(udp_dispatch(5353, 53, sizeof dns_hdr, &pkt), NS_DNS_KIND_DNS);  /* low first */
    assert_int_equal(udp_dispatch(40000, 40001, sizeof dns_hdr, &pkt), -1);
    assert_int_equal(udp_dispatch(40000, 53, 0, &pkt), -1);     /* empty payload */
}

static void tcp_port_53_to_dns(void **state)
{
    (void)state;
    static const uint8_t seg[] = { 0x00, 0x0c, 0x12, 0x34, 0x01, 0x00, 0, 0, 0, 0, 0, 0, 0, 0 };
    struct ns_pkt pkt;
    ns_pkt_reset(&pkt);
    struct ns_layer *t = ns_pkt_push(&pkt, NS_PROTO_TCP, seg);
    assert_non_null(t);
    t->u.tcp.sport = 53;
    t->u.tcp.dport = 40000;
    pkt.next.kind = NS_NEXT_TCP_DATA;
    struct ns_cur c = ns_cur_make(seg, sizeof seg);
    assert_int_equal(ns_dissect_next(&c, &pkt), NS_STATUS_OK);
    assert_int_equal(pkt.nlayers, 2);
    assert_int_equal(pkt.layer[1].proto, NS_PROTO_DNS);
    assert_int_equal(pkt.layer[1].u.dns.id, 0x1234);

    ns_pkt_reset(&pkt);                             /* other ports, not TLS: nothing */
    t = ns_pkt_push(&pkt, NS_PROTO_TCP, seg);
    t->u.tcp.sport = 80;
    t->u.tcp.dport = 40000;
    pkt.next.kind = NS_NEXT_TCP_DATA;
    c = ns_cur_make(seg, sizeof seg);
    assert_int_equal(ns_dissect_next(&c, &pkt), NS_STATUS_OK);
    assert_int_equal(pkt.nlayers, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ipv4_fields),
        cmocka_unit_test(ipv4_truncated_anywhere),
        cmocka_unit_test(ipv4_bad_header),
        cmocka_unit_test(ipv4_bad_options),
        cmocka_unit_test(ipv4_tso),
        cmocka_unit_test(ipv4_total_len_past_frame),
        cmocka_unit_test(ipv4_fragments),
        cmocka_unit_test(ipv6_fields),
        cmocka_unit_test(ipv6_truncated_anywhere),
        cmocka_unit_test(ipv6_version_and_next),
        cmocka_unit_test(ipv6_extension_chain),
        cmocka_unit_test(ipv6_chain_truncated_anywhere),
        cmocka_unit_test(ipv6_ext_past_payload_length),
        cmocka_unit_test(ipv6_ext_depth_cap),
        cmocka_unit_test(ipv6_fragments),
        cmocka_unit_test(ipv6_jumbogram),
        cmocka_unit_test(ipv6_jumbo_rules),
        cmocka_unit_test(ipv6_reassembled_chain),
        cmocka_unit_test(gre_fields),
        cmocka_unit_test(gre_truncated_anywhere),
        cmocka_unit_test(gre_version),
        cmocka_unit_test(tunnels_nested),
        cmocka_unit_test(tunnels_depth_cap),
        cmocka_unit_test(gre_bridged_ethernet),
        cmocka_unit_test(quoted_ipv4),
        cmocka_unit_test(udp_ports_to_dns),
        cmocka_unit_test(tcp_port_53_to_dns),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
