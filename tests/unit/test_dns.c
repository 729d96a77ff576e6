/* Unit tests for dissectors/dns.c: header fields, question names as tshark 4.0 prints them
 * (expected texts were taken from tshark 4.0.17 on the same bytes), compression pointers
 * and their loops, name length limits, every prefix of a message, the per-frame caps, and
 * DNS over TCP framing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "dissectors/dissect.h"

static struct ns_pkt pkt;
static uint8_t big[65535];      /* messages built by the tests */

static const char loops[] = "<Name contains a pointer that loops>";

static void fresh(void)
{
    memset(&pkt, 0x5a, sizeof pkt);
    ns_pkt_reset(&pkt);
}

static const char *name(unsigned k)
{
    assert_true(k < pkt.nnames);
    const char *s = pkt.name_buf + pkt.name[k].off;
    assert_int_equal(strlen(s), pkt.name[k].len);
    return s;
}

static enum ns_status dns(const uint8_t *b, size_t n)
{
    fresh();
    struct ns_cur c = ns_cur_make(b, n);
    return ns_dns_dissect(&c, &pkt, NS_DNS_KIND_DNS);
}

/* Writes a 12-byte header with qdcount q into big; returns 12. */
static size_t big_header(uint16_t q)
{
    static const uint8_t h[12] = { 0x12, 0x34, 0x01, 0x00 };
    memcpy(big, h, sizeof h);
    big[4] = (uint8_t)(q >> 8);
    big[5] = (uint8_t)q;
    return sizeof h;
}

/* Appends QTYPE A, QCLASS IN at off; returns the new offset. */
static size_t big_qtail(size_t off)
{
    static const uint8_t t[4] = { 0x00, 0x01, 0x00, 0x01 };
    memcpy(big + off, t, 4);
    return off + 4;
}

/* Appends labels of the given lengths, each filled with byte fill, and a 0. */
static size_t big_labels(size_t off, const uint8_t *lens, size_t nlens, uint8_t fill)
{
    for (size_t i = 0; i < nlens; i++) {
        big[off++] = lens[i];
        memset(big + off, fill, lens[i]);
        off += lens[i];
    }
    big[off++] = 0;
    return off;
}

/* DNS query, id 0x1a2b, flags 0x0100 (RD), 1 question: www.example.com A IN (33 bytes) */
static const uint8_t dns_query[] = {
    0x1a, 0x2b, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x03, 'w', 'w', 'w', 0x07, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0x03, 'c', 'o', 'm', 0x00,
    0x00, 0x01, 0x00, 0x01,
};

/* DNS response, id 0xbeef, flags 0x8180, 2 questions, 1 answer, 0 authority, 1 additional */
static const uint8_t dns_resp[] = {
    0xbe, 0xef, 0x81, 0x80, 0x00, 0x02, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01,
    /* offset 12: a.example AAAA IN ("example" at offset 14) */
    0x01, 'a', 0x07, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0x00, 0x00, 0x1c, 0x00, 0x01,
    /* offset 27: b + pointer to offset 14, A IN */
    0x01, 'b', 0xc0, 0x0e, 0x00, 0x01, 0x00, 0x01,
    /* offset 35: answer, pointer to offset 12, A IN, TTL 60, 4 bytes (not read) */
    0xc0, 0x0c, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x3c, 0x00, 0x04, 1, 2, 3, 4,
};

static void query_fields(void **state)
{
    (void)state;
    fresh();
    struct ns_cur c = ns_cur_make(dns_query, sizeof dns_query);
    assert_int_equal(ns_dns_dissect(&c, &pkt, NS_DNS_KIND_DNS), NS_STATUS_OK);
    assert_int_equal(pkt.malformed, NS_MALFORMED_NONE);
    assert_int_equal(pkt.nlayers, 1);
    const struct ns_layer *l = &pkt.layer[0];
    assert_int_equal(l->proto, NS_PROTO_DNS);
    assert_ptr_equal(l->hdr, dns_query);
    assert_int_equal(l->hdr_len, 12);
    assert_int_equal(l->u.dns.id, 0x1a2b);
    assert_int_equal(l->u.dns.flags, 0x0100);
    assert_int_equal(l->u.dns.response, 0);
    assert_int_equal(l->u.dns.qdcount, 1);
    assert_int_equal(l->u.dns.ancount, 0);
    assert_int_equal(l->u.dns.nscount, 0);
    assert_int_equal(l->u.dns.arcount, 0);
    assert_int_equal(l->u.dns.kind, NS_DNS_KIND_DNS);
    assert_int_equal(l->u.dns.first_name, 0);
    assert_int_equal(l->u.dns.nnames, 1);
    assert_string_equal(name(0), "www.example.com");
    assert_int_equal(c.len, 0);             /* left after the question */
}

static void response_fields_and_compression(void **state)
{
    (void)state;
    fresh();
    struct ns_cur c = ns_cur_make(dns_resp, sizeof dns_resp);
    assert_int_equal(ns_dns_dissect(&c, &pkt, NS_DNS_KIND_MDNS), NS_STATUS_OK);
    const struct ns_layer *l = &pkt.layer[0];
    assert_int_equal(l->u.dns.id, 0xbeef);
    assert_int_equal(l->u.dns.flags, 0x8180);
    assert_int_equal(l->u.dns.response, 1);
    assert_int_equal(l->u.dns.qdcount, 2);
    assert_int_equal(l->u.dns.ancount, 1);
    assert_int_equal(l->u.dns.arcount, 1);
    assert_int_equal(l->u.dns.kind, NS_DNS_KIND_MDNS);
    assert_int_equal(l->u.dns.nnames, 2);
    assert_string_equal(name(0), "a.example");
    assert_string_equal(name(1), "b.example");
    assert_int_equal(c.len, 16);            /* the answer is not read */

    /* LLMNR; the mDNS unicast-response bit in QCLASS changes nothing */
    uint8_t b[sizeof dns_query];
    memcpy(b, dns_query, sizeof b);
    b[31] |= 0x80;
    fresh();
    c = ns_cur_make(b, sizeof b);
    assert_int_equal(ns_dns_dissect(&c, &pkt, NS_DNS_KIND_LLMNR), NS_STATUS_OK);
    assert_int_equal(pkt.layer[0].u.dns.kind, NS_DNS_KIND_LLMNR);
    assert_string_equal(name(0), "www.example.com");
}

static void truncated_anywhere(void **state)
{
    (void)state;
    for (size_t n = 0; n <= sizeof dns_resp; n++) {
        enum ns_status st = dns(dns_resp, n);
        assert_int_equal(pkt.nlayers, 1);
        if (n < 27) {
            /* header, or the first question (name or type/class) cut: no name */
            assert_int_equal(st, NS_STATUS_MALFORMED);
            assert_int_equal(pkt.malformed, NS_MALFORMED_DNS_SHORT);
            assert_int_equal(pkt.nnames, 0);
        } else if (n < 35) {
            assert_int_equal(st, NS_STATUS_MALFORMED);
            assert_int_equal(pkt.malformed, NS_MALFORMED_DNS_SHORT);
            assert_int_equal(pkt.nnames, 1);
            assert_string_equal(name(0), "a.example");
        } else {
            assert_int_equal(st, NS_STATUS_OK);
            assert_int_equal(pkt.nnames, 2);
        }
        assert_int_equal(pkt.layer[0].u.dns.nnames, pkt.nnames);
        if (n >= 4)
            assert_int_equal(pkt.layer[0].u.dns.response, 1);
    }
}

/* Each case: one question at offset 12 (unless said), the text tshark 4.0 prints. */
static void names_as_tshark_prints_them(void **state)
{
    (void)state;
    /* the root: a single 0 byte */
    static const uint8_t root[] = { 0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0x00, 0, 1, 0, 1 };
    assert_int_equal(dns(root, sizeof root), NS_STATUS_OK);
    assert_string_equal(name(0), "<Root>");

    /* a label holding one 0 byte is "\000" in place, but "<Root>" through a pointer */
    static const uint8_t nul[] = {
        0, 1, 1, 0, 0, 2, 0, 0, 0, 0, 0, 0,
        0x01, 0x00, 0x00, 0, 1, 0, 1,               /* offset 12 */
        0xc0, 0x0c, 0, 1, 0, 1,                     /* pointer to offset 12 */
    };
    assert_int_equal(dns(nul, sizeof nul), NS_STATUS_OK);
    assert_string_equal(name(0), "\\000");
    assert_string_equal(name(1), "<Root>");

    /* control bytes, DEL, space, backslash and a dot inside a label */
    static const uint8_t ctl[] = {
        0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0,
        0x0e, 'a', 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x00, 0x1f, 0x7f, ' ', '\\', '.',
        0x00, 0, 1, 0, 1,
    };
    assert_int_equal(dns(ctl, sizeof ctl), NS_STATUS_OK);
    assert_string_equal(name(0), "a\\a\\b\\t\\n\\v\\f\\r\\000\\037\\177 \\.");

    /* UTF-8: printable as is, overlong decoded, unprintable as \u / \U */
    static const uint8_t utf[] = {
        0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0,
        0x14,
        0xc3, 0xa9,                 /* U+00E9: as is */
        0xe2, 0x82, 0xac,           /* U+20AC: as is */
        0xf0, 0x9f, 0x98, 0x80,     /* U+1F600: as is */
        0xc0, 0xaf,                 /* overlong '/' */
        0xc2, 0x80,                 /* U+0080, a C1 control: \u0080 */
        0xe2, 0x80, 0x8b,           /* U+200B, a format character: \u200B */
        0xf3, 0xa0, 0x80, 0x81,     /* U+E0001, a format character: \U000E0001 */
        0x00, 0, 1, 0, 1,
    };
    assert_int_equal(dns(utf, sizeof utf), NS_STATUS_OK);
    assert_string_equal(name(0), "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80/\\u0080\\u200B\\U000E0001");

    /* broken UTF-8: each bad sequence is U+FFFD; a byte that does not continue one
     * starts the next character */
    static const uint8_t bad[] = {
        0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0,
        0x1b,
        0xed, 0xa0, 0x80,           /* surrogate */
        0xe2, 0x82, 'z',            /* cut by 'z' */
        0xff, 0x80,                 /* never valid, lone continuation */
        0xf4, 0x90, 0x80, 0x80,     /* above U+10FFFF */
        0xf8, 0x88, 0x80, 0x80, 0x80, /* old 5-byte form */
        0xc0, 0x80,                 /* overlong U+0000: \u0000 */
        0xc1, 0xbf,                 /* overlong DEL: \u007F */
        0xee, 0x80, 0x80,           /* U+E000, private use: as is */
        0xf0, 0x90, 0x80,           /* cut by the end of the name */
        0x00, 0, 1, 0, 1,
    };
    assert_int_equal(dns(bad, sizeof bad), NS_STATUS_OK);
#define R "\xef\xbf\xbd"
    assert_string_equal(name(0), R R "z" R R R R "\\u0000\\u007F\xee\x80\x80" R);

    /* a sequence split by a label boundary: the dot breaks it */
    static const uint8_t split[] = {
        0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0x01, 0xc3, 0x01, 0xa9, 0x00, 0, 1, 0, 1,
    };
    assert_int_equal(dns(split, sizeof split), NS_STATUS_OK);
    assert_string_equal(name(0), R "." R);
#undef R

    /* case is kept */
    static const uint8_t mixed[] = {
        0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0x03, 'W', 'w', 'W', 0x00, 0, 1, 0, 1,
    };
    assert_int_equal(dns(mixed, sizeof mixed), NS_STATUS_OK);
    assert_string_equal(name(0), "WwW");
}

static void pointer_loops(void **state)
{
    (void)state;
    /* a pointer to itself */
    static const uint8_t self[] = {
        0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 0x0c, 0, 1, 0, 1,
    };
    assert_int_equal(dns(self, sizeof self), NS_STATUS_OK);
    assert_int_equal(pkt.malformed, NS_MALFORMED_DNS_PTR_LOOP);
    assert_int_equal(pkt.nnames, 1);
    assert_string_equal(name(0), loops);

    /* two pointers pointing at each other (offsets 12 and 18), then a good question */
    static const uint8_t cycle[] = {
        0, 1, 1, 0, 0, 2, 0, 0, 0, 0, 0, 0,
        0xc0, 0x12, 0, 1, 0, 1,                     /* offset 12 -> 18 */
        0xc0, 0x0c, 0, 1, 0, 1,                     /* offset 18 -> 12 */
    };
    assert_int_equal(dns(cycle, sizeof cycle), NS_STATUS_OK);
    assert_int_equal(pkt.nnames, 2);
    assert_string_equal(name(0), loops);
    assert_string_equal(name(1), loops);

    /* a label then a pointer back to the name's own start */
    static const uint8_t lbl[] = {
        0, 1, 1, 0, 0, 2, 0, 0, 0, 0, 0, 0,
        0x01, 'a', 0xc0, 0x0c, 0, 1, 0, 1,
        0x01, 'z', 0x00, 0, 1, 0, 1,
    };
    assert_int_equal(dns(lbl, sizeof lbl), NS_STATUS_OK);
    assert_string_equal(name(0), loops);
    assert_string_equal(name(1), "z");      /* parsing goes on after a loop */

    /* a forward pointer is followed (tshark does too) */
    static const uint8_t fwd[] = {
        0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0,
        0xc0, 0x12, 0, 1, 0, 1,
        0x03, 'f', 'w', 'd', 0x00,
    };
    assert_int_equal(dns(fwd, sizeof fwd), NS_STATUS_OK);
    assert_int_equal(pkt.malformed, NS_MALFORMED_NONE);
    assert_string_equal(name(0), "fwd");

    /* a forward pointer into a loop */
    static const uint8_t fwdloop[] = {
        0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0,
        0xc0, 0x12, 0, 1, 0, 1,
        0x01, 'z', 0xc0, 0x0c,
    };
    assert_int_equal(dns(fwdloop, sizeof fwdloop), NS_STATUS_OK);
    assert_string_equal(name(0), loops);

    /* a pointer past the end of the message */
    static const uint8_t out[] = {
        0, 1, 1, 0, 0, 2, 0, 0, 0, 0, 0, 0,
        0x01, 'a', 0x00, 0, 1, 0, 1,
        0xc0, 0xff, 0, 1, 0, 1,
    };
    assert_int_equal(dns(out, sizeof out), NS_STATUS_MALFORMED);
    assert_int_equal(pkt.malformed, NS_MALFORMED_DNS_NAME);
    assert_int_equal(pkt.nnames, 1);
    assert_string_equal(name(0), "a");

    /* a pointer to the byte just past the message */
    uint8_t edge[sizeof out];
    memcpy(edge, out, sizeof edge);
    edge[20] = sizeof edge;
    assert_int_equal(dns(edge, sizeof edge), NS_STATUS_MALFORMED);
    assert_int_equal(pkt.malformed, NS_MALFORMED_DNS_NAME);
    edge[20] = sizeof edge - 1;                     /* the last byte: 0x01, then nothing */
    assert_int_equal(dns(edge, sizeof edge), NS_STATUS_MALFORMED);
    assert_int_equal(pkt.malformed, NS_MALFORMED_DNS_SHORT);
}

/* A chain of n pointers, each to the next, ending at the label "a": tshark follows 255. */
static void pointer_chain_limit(void **state)
{
    (void)state;
    static const size_t lens[] = { 2, 100, 255, 256, 300 };
    for (size_t k = 0; k < sizeof lens / sizeof lens[0]; k++) {
        size_t n = lens[k];
        size_t off = big_header(1);
        big[off++] = 0xc0;
        big[off++] = 18;
        off = big_qtail(off);
        for (size_t i = 1; i < n; i++) {
            size_t next = 18 + 2 * i;
            big[off++] = (uint8_t)(0xc0 | next >> 8);
            big[off++] = (uint8_t)next;
        }
        big[off++] = 0x01;
        big[off++] = 'a';
        big[off++] = 0x00;
        assert_int_equal(dns(big, off), NS_STATUS_OK);
        assert_string_equal(name(0), n <= 255 ? "a" : loops);
        assert_int_equal(pkt.malformed, n <= 255 ? NS_MALFORMED_NONE : NS_MALFORMED_DNS_PTR_LOOP);
    }
}

/* The work for a looping name is bounded by the message size, whatever its shape: a
 * 65535-byte message of 63-byte labels that loops back, asked for 64 times. */
static void long_cycle_terminates(void **state)
{
    (void)state;
    size_t off = big_header(64);
    size_t start = 12 + 64 * 6;
    for (unsigned q = 0; q < 64; q++) {
        big[off++] = (uint8_t)(0xc0 | start >> 8);
        big[off++] = (uint8_t)start;
        off = big_qtail(off);
    }
    while (off + 64 + 2 <= sizeof big) {
        big[off] = 63;
        memset(big + off + 1, 'x', 63);
        off += 64;
    }
    big[off++] = (uint8_t)(0xc0 | start >> 8);
    big[off++] = (uint8_t)start;
    assert_int_equal(dns(big, off), NS_STATUS_OK);
    assert_int_equal(pkt.nnames, 64);
    for (unsigned q = 0; q < 64; q++)
        assert_string_equal(name(q), loops);
}

static void name_length_limit(void **state)
{
    (void)state;
    /* 63 + 63 + 63 + x bytes and 3 dots: 253 is the longest tshark prints */
    for (uint8_t last = 60; last <= 63; last++) {
        const uint8_t lens[] = { 63, 63, 63, last };
        size_t off = big_labels(big_header(2), lens, 4, 'a');
        off = big_qtail(off);
        big[off++] = 0x01;                  /* a second, short question after it */
        big[off++] = 'b';
        big[off++] = 0x00;
        off = big_qtail(off);
        size_t text = 63 * 3 + last + 3;
        assert_int_equal(dns(big, off), NS_STATUS_OK);
        assert_int_equal(pkt.nnames, 2);
        if (text <= 253) {
            assert_int_equal(pkt.malformed, NS_MALFORMED_NONE);
            assert_int_equal(pkt.name[0].len, text);
        } else {
            assert_int_equal(pkt.malformed, NS_MALFORMED_DNS_NAME_LONG);
            assert_string_equal(name(0), "<Name too long>");
        }
        assert_string_equal(name(1), "b");
    }

    /* too long across a pointer: 200 + 1 + 63 */
    const uint8_t tail[] = { 63 };
    size_t off = big_header(2);
    off = big_labels(off, tail, 1, 't');            /* offset 12: 63 t's */
    off = big_qtail(off);
    const uint8_t head[] = { 63, 63, 63, 8 };
    size_t q2 = off;
    off = big_labels(off, head, 4, 'h') - 1;        /* drop the 0: a pointer follows */
    big[off++] = 0xc0;
    big[off++] = 0x0c;
    off = big_qtail(off);
    assert_true(q2 > 12);
    assert_int_equal(dns(big, off), NS_STATUS_OK);
    assert_int_equal(pkt.nnames, 2);
    assert_string_equal(name(1), "<Name too long>");
}

static void bad_label_types_and_short_questions(void **state)
{
    (void)state;
    /* 01xxxxxx (extended label, RFC 6891) and 10xxxxxx: tshark 4.0 throws */
    const uint8_t types[] = { 0x41, 0x42, 0x81, 0xbf };
    for (size_t i = 0; i < sizeof types; i++) {
        uint8_t b[] = { 0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, types[i], 0x08, 0xab, 0x00, 0, 1, 0, 1 };
        assert_int_equal(dns(b, sizeof b), NS_STATUS_MALFORMED);
        assert_int_equal(pkt.malformed, NS_MALFORMED_DNS_NAME);
        assert_int_equal(pkt.nnames, 0);
    }

    /* QDCOUNT 3, one question present: the name read stays */
    uint8_t b[sizeof dns_query];
    memcpy(b, dns_query, sizeof b);
    b[5] = 3;
    assert_int_equal(dns(b, sizeof b), NS_STATUS_MALFORMED);
    assert_int_equal(pkt.malformed, NS_MALFORMED_DNS_SHORT);
    assert_int_equal(pkt.nnames, 1);

    /* a name without its type and class is dropped (tshark shows no name either) */
    assert_int_equal(dns(dns_query, sizeof dns_query - 4), NS_STATUS_MALFORMED);
    assert_int_equal(pkt.malformed, NS_MALFORMED_DNS_SHORT);
    assert_int_equal(pkt.nnames, 0);

    /* QDCOUNT 0: no names, fine */
    b[5] = 0;
    assert_int_equal(dns(b, 12), NS_STATUS_OK);
    assert_int_equal(pkt.nnames, 0);
    assert_int_equal(pkt.layer[0].u.dns.nnames, 0);
}

static void names_full(void **state)
{
    (void)state;
    /* more questions than NS_PKT_MAX_NAMES: "x" then pointers to it */
    unsigned want = NS_PKT_MAX_NAMES + 6;
    size_t off = big_header((uint16_t)want);
    const uint8_t one[] = { 1 };
    off = big_qtail(big_labels(off, one, 1, 'x'));
    for (unsigned q = 1; q < want; q++) {
        big[off++] = 0xc0;
        big[off++] = 0x0c;
        off = big_qtail(off);
    }
    assert_int_equal(dns(big, off), NS_STATUS_MALFORMED);
    assert_int_equal(pkt.malformed, NS_MALFORMED_DNS_NAMES_FULL);
    assert_int_equal(pkt.nnames, NS_PKT_MAX_NAMES);
    assert_int_equal(pkt.layer[0].u.dns.nnames, NS_PKT_MAX_NAMES);
    assert_string_equal(name(NS_PKT_MAX_NAMES - 1), "x");

    /* more text than NS_PKT_NAME_BUF: 250 bytes of 0x01 print as 1003 characters */
    const uint8_t lens[] = { 63, 63, 63, 61 };
    off = big_qtail(big_labels(big_header(6), lens, 4, 0x01));
    for (unsigned q = 1; q < 6; q++) {
        big[off++] = 0xc0;
        big[off++] = 0x0c;
        off = big_qtail(off);
    }
    assert_int_equal(dns(big, off), NS_STATUS_MALFORMED);
    assert_int_equal(pkt.malformed, NS_MALFORMED_DNS_NAMES_FULL);
    assert_int_equal(pkt.nnames, (NS_PKT_NAME_BUF - 1) / 1004);
    for (unsigned k = 0; k < pkt.nnames; k++)
        assert_int_equal(pkt.name[k].len, 1003);
    assert_true(pkt.name_used <= NS_PKT_NAME_BUF);
}

/* ---------------------------------------------------------------- DNS over TCP */

static size_t tcp_segment(uint8_t *out)
{
    size_t off = 0;
    out[off++] = 0;
    out[off++] = sizeof dns_query;
    memcpy(out + off, dns_query, sizeof dns_query);
    off += sizeof dns_query;
    out[off++] = 0;
    out[off++] = sizeof dns_resp;
    memcpy(out + off, dns_resp, sizeof dns_resp);
    return off + sizeof dns_resp;
}

static void tcp_two_messages(void **state)
{
    (void)state;
    uint8_t seg[128];
    size_t n = tcp_segment(seg);
    fresh();
    struct ns_cur c = ns_cur_make(seg, n);
    assert_int_equal(ns_dns_tcp_dissect(&c, &pkt), NS_STATUS_OK);
    assert_int_equal(pkt.nlayers, 2);
    assert_ptr_equal(pkt.layer[0].hdr, seg + 2);
    assert_int_equal(pkt.layer[0].u.dns.first_name, 0);
    assert_int_equal(pkt.layer[0].u.dns.nnames, 1);
    assert_int_equal(pkt.layer[1].u.dns.first_name, 1);
    assert_int_equal(pkt.layer[1].u.dns.nnames, 2);
    assert_int_equal(pkt.layer[1].u.dns.response, 1);
    assert_string_equal(name(0), "www.example.com");
    assert_string_equal(name(2), "b.example");  /* pointers are relative to its message */
    assert_int_equal(c.len, 0);
}

/* A message the segment does not hold whole is left for reassembly: no layer, no fault. */
static void tcp_truncated_anywhere(void **state)
{
    (void)state;
    uint8_t seg[128];
    size_t n = tcp_segment(seg);
    for (size_t k = 0; k <= n; k++) {
        fresh();
        struct ns_cur c = ns_cur_make(seg, k);
        assert_int_equal(ns_dns_tcp_dissect(&c, &pkt), NS_STATUS_OK);
        assert_int_equal(pkt.malformed, NS_MALFORMED_NONE);
        unsigned whole = (k >= 2 + sizeof dns_query) + (k == n);
        assert_int_equal(pkt.nlayers, whole);
        assert_int_equal(pkt.nnames, whole == 0 ? 0 : whole == 1 ? 1 : 3);
    }
}

static void tcp_bad_message_then_good(void **state)
{
    (void)state;
    /* an empty message, a 3-byte one, then a whole query, then one odd byte */
    uint8_t seg[64] = { 0x00, 0x00, 0x00, 0x03, 0x12, 0x34, 0x01, 0x00, sizeof dns_query };
    memcpy(seg + 9, dns_query, sizeof dns_query);
    seg[9 + sizeof dns_query] = 0x00;
    fresh();
    struct ns_cur c = ns_cur_make(seg, 9 + sizeof dns_query + 1);
    assert_int_equal(ns_dns_tcp_dissect(&c, &pkt), NS_STATUS_MALFORMED);
    assert_int_equal(pkt.malformed, NS_MALFORMED_DNS_SHORT);
    assert_int_equal(pkt.nlayers, 3);
    assert_int_equal(pkt.layer[1].u.dns.id, 0x1234);
    assert_int_equal(pkt.layer[2].u.dns.nnames, 1);
    assert_string_equal(name(0), "www.example.com");
    assert_int_equal(c.len, 1);
}

static void tcp_many_tiny_messages_fill_layers(void **state)
{
    (void)state;
    /* length 12, then a header with no questions */
    static const uint8_t tiny[14] = { 0x00, 0x0c, 0x12, 0x34, 0x01, 0x00 };
    size_t off = 0;
    for (unsigned i = 0; i < NS_PKT_MAX_LAYERS + 5; i++) {
        memcpy(big + off, tiny, sizeof tiny);
        off += sizeof tiny;
    }
    fresh();
    struct ns_cur c = ns_cur_make(big, off);
    assert_int_equal(ns_dns_tcp_dissect(&c, &pkt), NS_STATUS_MALFORMED);
    assert_int_equal(pkt.malformed, NS_MALFORMED_LAYERS_FULL);
    assert_int_equal(pkt.nlayers, NS_PKT_MAX_LAYERS);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(query_fields),
        cmocka_unit_test(response_fields_and_compression),
        cmocka_unit_test(truncated_anywhere),
        cmocka_unit_test(names_as_tshark_prints_them),
        cmocka_unit_test(pointer_loops),
        cmocka_unit_test(pointer_chain_limit),
        cmocka_unit_test(long_cycle_terminates),
        cmocka_unit_test(name_length_limit),
        cmocka_unit_test(bad_label_types_and_short_questions),
        cmocka_unit_test(names_full),
        cmocka_unit_test(tcp_two_messages),
        cmocka_unit_test(tcp_truncated_anywhere),
        cmocka_unit_test(tcp_bad_message_then_good),
        cmocka_unit_test(tcp_many_tiny_messages_fill_layers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
