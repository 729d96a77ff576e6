/* Unit tests for core/reader.c: pcap and pcapng files assembled byte by byte in the test,
 * every validation path driven to its exact status and message, and every prefix of a
 * valid file read from a buffer of exactly that size (ASan sees any read past it). */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/reader.h"

#define NS_PER_S INT64_C(1000000000)
#define MAX_S    (INT64_MAX / NS_PER_S - 1)

/* ---- a growable byte builder in either byte order ------------------------------------- */

struct tb {
    uint8_t *b;
    size_t n, cap;
    bool be;
};

static struct tb tb_new(size_t cap, bool be)
{
    struct tb t = { calloc(1, cap), 0, cap, be };
    assert_non_null(t.b);
    return t;
}

static void tb_free(struct tb *t)
{
    free(t->b);
    t->b = NULL;
}

static void put8(struct tb *t, uint8_t v)
{
    assert_true(t->n < t->cap);
    t->b[t->n++] = v;
}

static void put16(struct tb *t, uint16_t v)
{
    for (int i = 0; i < 2; i++)
        put8(t, (uint8_t)(v >> (t->be ? 8 - 8 * i : 8 * i)));
}

static void put32(struct tb *t, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        put8(t, (uint8_t)(v >> (t->be ? 24 - 8 * i : 8 * i)));
}

static void put64(struct tb *t, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        put8(t, (uint8_t)(v >> (t->be ? 56 - 8 * i : 8 * i)));
}

static void putn(struct tb *t, size_t n)
{
    for (size_t i = 0; i < n; i++)
        put8(t, (uint8_t)(0xA0 + i));
}

static void patch32(struct tb *t, size_t at, uint32_t v)
{
    size_t n = t->n;
    t->n = at;
    put32(t, v);
    t->n = n;
}

/* pcap file header, version 2.4, microsecond or nanosecond magic */
static void pcap_hdr(struct tb *t, bool nsec, uint16_t major, uint32_t snaplen, uint32_t network)
{
    put32(t, nsec ? 0xA1B23C4Du : 0xA1B2C3D4u);
    put16(t, major);
    put16(t, 4);
    put32(t, 0);
    put32(t, 0);
    put32(t, snaplen);
    put32(t, network);
}

static void pcap_rec(struct tb *t, uint32_t sec, uint32_t frac, uint32_t caplen, uint32_t wirelen)
{
    put32(t, sec);
    put32(t, frac);
    put32(t, caplen);
    put32(t, wirelen);
    putn(t, caplen);
}

static size_t blk_begin(struct tb *t, uint32_t type)
{
    size_t at = t->n;
    put32(t, type);
    put32(t, 0);                            /* patched by blk_end */
    return at;
}

static void blk_end(struct tb *t, size_t at)
{
    while (t->n % 4 != 0)
        put8(t, 0);
    uint32_t len = (uint32_t)(t->n - at + 4);
    patch32(t, at + 4, len);
    put32(t, len);
}

static void shb_ver(struct tb *t, uint16_t major, uint16_t minor)
{
    size_t at = blk_begin(t, 0x0A0D0D0Au);
    put32(t, 0x1A2B3C4Du);
    put16(t, major);
    put16(t, minor);
    put64(t, UINT64_MAX);                   /* section length unknown */
    blk_end(t, at);
}

static void shb(struct tb *t)
{
    shb_ver(t, 1, 0);
}

/* IDB; tsresol < 0: no if_tsresol; off_len 0: no if_tsoffset */
static void idb_opts(struct tb *t, uint16_t linktype, uint32_t snaplen, int tsresol,
                     int off_len, int64_t tsoffset)
{
    size_t at = blk_begin(t, 1);
    put16(t, linktype);
    put16(t, 0);
    put32(t, snaplen);
    put16(t, 2);                            /* if_name "eth0": an option we skip */
    put16(t, 4);
    put32(t, 0x65746830);
    if (tsresol >= 0) {
        put16(t, 9);
        put16(t, 1);
        put8(t, (uint8_t)tsresol);
        put8(t, 0);
        put16(t, 0);
    }
    if (off_len == 8) {
        put16(t, 14);
        put16(t, 8);
        put64(t, (uint64_t)tsoffset);
    } else if (off_len != 0) {
        put16(t, 14);
        put16(t, (uint16_t)off_len);
        putn(t, (size_t)off_len);
        while (t->n % 4 != 0)
            put8(t, 0);
    }
    put32(t, 0);                            /* opt_endofopt */
    blk_end(t, at);
}

static void idb(struct tb *t, uint16_t linktype, uint32_t snaplen)
{
    idb_opts(t, linktype, snaplen, -1, 0, 0);
}

/* IDB with no options at all, not even opt_endofopt */
static void idb_bare(struct tb *t, uint16_t linktype, uint32_t snaplen)
{
    size_t at = blk_begin(t, 1);
    put16(t, linktype);
    put16(t, 0);
    put32(t, snaplen);
    blk_end(t, at);
}

static void epb(struct tb *t, uint32_t ifid, uint64_t ts, uint32_t caplen, uint32_t wirelen)
{
    size_t at = blk_begin(t, 6);
    put32(t, ifid);
    put32(t, (uint32_t)(ts >> 32));
    put32(t, (uint32_t)ts);
    put32(t, caplen);
    put32(t, wirelen);
    putn(t, caplen);
    while (t->n % 4 != 0)
        put8(t, 0);
    put16(t, 1);                            /* opt_comment "hi": options after the data */
    put16(t, 2);
    put16(t, 0x6869);
    put16(t, 0);
    put32(t, 0);
    blk_end(t, at);
}

static void pb(struct tb *t, uint16_t ifid, uint64_t ts, uint32_t caplen, uint32_t wirelen)
{
    size_t at = blk_begin(t, 2);
    put16(t, ifid);
    put16(t, 7);                            /* drops count */
    put32(t, (uint32_t)(ts >> 32));
    put32(t, (uint32_t)ts);
    put32(t, caplen);
    put32(t, wirelen);
    putn(t, caplen);
    blk_end(t, at);
}

static void spb(struct tb *t, uint32_t wirelen, size_t datalen)
{
    size_t at = blk_begin(t, 3);
    put32(t, wirelen);
    putn(t, datalen);
    blk_end(t, at);
}

static void custom(struct tb *t, uint32_t type, size_t datalen)
{
    size_t at = blk_begin(t, type);
    put32(t, 32473);                        /* PEN from RFC 5612 (documentation) */
    putn(t, datalen);
    blk_end(t, at);
}

/* a block we must skip: NRB (4), ISB (5), DSB (10), or anything unknown */
static void other(struct tb *t, uint32_t type, size_t bodylen)
{
    size_t at = blk_begin(t, type);
    for (size_t i = 0; i < bodylen; i++)
        put8(t, 0);
    blk_end(t, at);
}

/* ---- reading helpers ---------------------------------------------------------------- */

/* Messages: one line, lowercase start, no trailing period, never the program name. */
static void check_msg(const char *msg)
{
    size_t n = strlen(msg);
    assert_true(n > 0);
    assert_true(msg[0] >= 'a' && msg[0] <= 'z');
    assert_true(msg[n - 1] != '.');
    assert_null(strchr(msg, '\n'));
    assert_true(strncmp(msg, "netscope", 8) != 0);
}

static void check_has(const char *msg, const char *part)
{
    if (strstr(msg, part) == NULL)
        fail_msg("message \"%s\" lacks \"%s\"", msg, part);
    check_msg(msg);
}

static enum ns_status open_tb(struct ns_reader *r, const struct tb *t, struct ns_err *err)
{
    ns_reader_init(r, t->b, t->n);
    return ns_reader_open(r, err);
}

/* Opens t, reads records until the first non-OK status, returns that status. */
static enum ns_status read_all(struct ns_reader *r, const struct tb *t, struct ns_rec *recs,
                               size_t max, size_t *n, struct ns_err *err)
{
    enum ns_status st = open_tb(r, t, err);
    *n = 0;
    if (st != NS_STATUS_OK)
        return st;
    struct ns_rec rec;
    while ((st = ns_reader_next(r, &rec, err)) == NS_STATUS_OK) {
        if (*n < max)
            recs[*n] = rec;
        (*n)++;
    }
    return st;
}

/* Expects exactly one error after `good` records; returns nothing, checks the message. */
static void expect_error(const struct tb *t, size_t good, enum ns_status want, const char *part)
{
    struct ns_reader r;
    struct ns_err err = { "" };
    struct ns_rec recs[8];
    size_t n;
    assert_int_equal(read_all(&r, t, recs, 8, &n, &err), want);
    assert_int_equal(n, good);
    check_has(err.msg, part);
    /* An error leaves the reader where it was: asking again gives the same answer. */
    struct ns_err again = { "" };
    struct ns_rec rec;
    if (r.format != NS_FORMAT_UNKNOWN) {
        assert_int_equal(ns_reader_next(&r, &rec, &again), want);
        assert_string_equal(again.msg, err.msg);
    }
}

/* ---- opening ------------------------------------------------------------------------ */

static void open_short_or_foreign(void **state)
{
    (void)state;
    struct ns_reader r;
    struct ns_err err = { "" };
    static const uint8_t pcap_le[] = { 0xD4, 0xC3, 0xB2 };
    static const uint8_t pcapng[] = { 0x0A, 0x0D, 0x0D };
    static const uint8_t junk[] = { 0x0A, 0x0D, 0x0A };
    static const uint8_t elf[] = { 0x7F, 'E', 'L', 'F', 2, 1, 1, 0 };

    ns_reader_init(&r, NULL, 0);
    assert_int_equal(ns_reader_open(&r, &err), NS_STATUS_TRUNCATED);
    check_has(err.msg, "empty file");
    for (size_t n = 1; n < 4; n++) {
        ns_reader_init(&r, pcap_le, n);
        assert_int_equal(ns_reader_open(&r, &err), NS_STATUS_TRUNCATED);
        check_has(err.msg, "cut short");
        ns_reader_init(&r, pcapng, n);
        assert_int_equal(ns_reader_open(&r, &err), NS_STATUS_TRUNCATED);
    }
    ns_reader_init(&r, junk, sizeof junk);
    assert_int_equal(ns_reader_open(&r, &err), NS_STATUS_FORMAT);
    check_has(err.msg, "not a pcap or pcapng file (3 bytes");
    ns_reader_init(&r, elf, sizeof elf);
    assert_int_equal(ns_reader_open(&r, &err), NS_STATUS_FORMAT);
    assert_string_equal(err.msg, "not a pcap or pcapng file (magic 0x7f454c46)");
    check_msg(err.msg);
}

static void next_before_open(void **state)
{
    (void)state;
    struct ns_reader r;
    struct ns_err err = { "" };
    struct ns_rec rec;
    static const uint8_t elf[] = { 0x7F, 'E', 'L', 'F' };

    ns_reader_init(&r, elf, sizeof elf);
    assert_int_equal(ns_reader_next(&r, &rec, &err), NS_STATUS_USAGE);
    check_msg(err.msg);
    assert_int_equal(ns_reader_open(&r, &err), NS_STATUS_FORMAT);
    assert_int_equal(ns_reader_next(&r, &rec, &err), NS_STATUS_USAGE);
}

/* ---- pcap --------------------------------------------------------------------------- */

/* Both byte orders, both magics: the same two records come out. */
static void pcap_orders_and_magics(void **state)
{
    (void)state;
    for (int be = 0; be < 2; be++) {
        for (int nsec = 0; nsec < 2; nsec++) {
            struct tb t = tb_new(256, be);
            pcap_hdr(&t, nsec, 2, 65535, 1);
            pcap_rec(&t, 1000, nsec ? 123456789 : 123456, 4, 60);
            pcap_rec(&t, 4000000000u, 0, 0, 0);  /* past 2038: ts_sec is unsigned */

            struct ns_reader r;
            struct ns_err err = { "" };
            struct ns_rec rec;
            assert_int_equal(open_tb(&r, &t, &err), NS_STATUS_OK);
            assert_int_equal(r.format, NS_FORMAT_PCAP);
            assert_int_equal(r.swapped, be);
            assert_int_equal(r.nsec, nsec);
            assert_int_equal(r.snaplen, 65535);

            assert_int_equal(ns_reader_next(&r, &rec, &err), NS_STATUS_OK);
            assert_int_equal(rec.kind, NS_REC_PACKET);
            assert_true(rec.has_ts);
            assert_int_equal(rec.linktype, 1);
            assert_int_equal(rec.interface_id, -1);
            assert_int_equal(rec.caplen, 4);
            assert_int_equal(rec.wirelen, 60);
            assert_true(rec.ts_ns == 1000 * NS_PER_S + (nsec ? 123456789 : 123456000));
            assert_ptr_equal(rec.data, t.b + 40);
            assert_int_equal(rec.data[3], 0xA3);
            assert_int_equal(rec.number, 1);
            assert_int_equal(rec.offset, 24);

            assert_int_equal(ns_reader_next(&r, &rec, &err), NS_STATUS_OK);
            assert_true(rec.ts_ns == INT64_C(4000000000) * NS_PER_S);
            assert_int_equal(rec.caplen, 0);
            assert_int_equal(rec.number, 2);
            assert_int_equal(rec.offset, 44);

            assert_int_equal(ns_reader_next(&r, &rec, &err), NS_STATUS_END);
            assert_int_equal(ns_reader_next(&r, &rec, &err), NS_STATUS_END);
            tb_free(&t);
        }
    }
}

static void pcap_linktype_masked(void **state)
{
    (void)state;
    static const uint32_t net[][2] = {
        { 0x30000001u, 1 },                 /* tcpdump-tcp-auth-heapoverflow.pcap */
        { 0x04000071u, 113 },               /* FCS-present flag with SLL */
        { 0x03FF00E4u, 228 },               /* reserved bits 16-25 */
        { 0x00000114u, 276 },
    };
    for (size_t i = 0; i < sizeof net / sizeof net[0]; i++) {
        struct tb t = tb_new(64, false);
        pcap_hdr(&t, false, 2, 65535, net[i][0]);
        pcap_rec(&t, 1, 0, 1, 1);
        struct ns_reader r;
        struct ns_err err = { "" };
        struct ns_rec rec;
        assert_int_equal(open_tb(&r, &t, &err), NS_STATUS_OK);
        assert_int_equal(r.linktype, net[i][1]);
        assert_int_equal(ns_reader_next(&r, &rec, &err), NS_STATUS_OK);
        assert_int_equal(rec.linktype, net[i][1]);
        tb_free(&t);
    }
}

/* What wiretap accepts, we accept: caplen above snaplen or above the wire length, and a
 * microsecond field of a million or more (it adds, as in suri-transform-base64-7296.pcap). */
static void pcap_tshark_leniency(void **state)
{
    (void)state;
    struct tb t = tb_new(512, false);
    pcap_hdr(&t, false, 2, 64, 1);
    pcap_rec(&t, 10, 0, 100, 50);
    pcap_rec(&t, 10, 1500000, 0, 0);
    struct ns_reader r;
    struct ns_err err = { "" };
    struct ns_rec rec[2];
    size_t n;
    assert_int_equal(read_all(&r, &t, rec, 2, &n, &err), NS_STATUS_END);
    assert_int_equal(n, 2);
    assert_int_equal(rec[0].caplen, 100);
    assert_int_equal(rec[0].wirelen, 50);
    assert_true(rec[1].ts_ns == 11 * NS_PER_S + 500000000);
    tb_free(&t);
}

static void pcap_caplen_cap(void **state)
{
    (void)state;
    struct tb t = tb_new(NS_READER_MAX_CAPLEN + 512, true);
    pcap_hdr(&t, false, 2, 0, 1);
    pcap_rec(&t, 1, 0, NS_READER_MAX_CAPLEN, NS_READER_MAX_CAPLEN);
    struct ns_reader r;
    struct ns_err err = { "" };
    struct ns_rec rec[1];
    size_t n;
    assert_int_equal(read_all(&r, &t, rec, 1, &n, &err), NS_STATUS_END);
    assert_int_equal(rec[0].caplen, NS_READER_MAX_CAPLEN);

    size_t second = t.n;
    put32(&t, 2);
    put32(&t, 0);
    put32(&t, NS_READER_MAX_CAPLEN + 1);
    put32(&t, NS_READER_MAX_CAPLEN + 1);
    putn(&t, 64);
    char where[128];
    snprintf(where, sizeof where, "frame 2 at offset %zu: caplen 262145 exceeds", second);
    expect_error(&t, 1, NS_STATUS_FORMAT, where);
    tb_free(&t);
}

static void pcap_header_errors(void **state)
{
    (void)state;
    struct tb t = tb_new(64, false);
    pcap_hdr(&t, false, 2, 65535, 1);
    struct ns_reader r;
    struct ns_err err = { "" };

    ns_reader_init(&r, t.b, 23);
    assert_int_equal(ns_reader_open(&r, &err), NS_STATUS_TRUNCATED);
    assert_string_equal(err.msg, "pcap file header cut short (23 of 24 bytes)");

    for (uint16_t major = 0; major < 5; major += 2) {
        t.n = 0;
        pcap_hdr(&t, false, major == 2 ? 3 : major, 65535, 1);
        assert_int_equal(open_tb(&r, &t, &err), NS_STATUS_FORMAT);
        check_has(err.msg, "unsupported pcap version");
    }
    tb_free(&t);
}

static void pcap_record_cut(void **state)
{
    (void)state;
    struct tb t = tb_new(4096, false);
    pcap_hdr(&t, false, 2, 65535, 1);
    pcap_rec(&t, 1, 0, 3, 3);               /* frame 1: offset 24..43 */
    size_t keep = t.n;

    put32(&t, 1);                           /* frame 2 at 43: header only, 1514 promised */
    put32(&t, 0);
    put32(&t, 1514);
    put32(&t, 1514);
    putn(&t, 200);
    expect_error(&t, 1, NS_STATUS_TRUNCATED,
                 "frame 2 at offset 43: record cut short (caplen 1514, 200 bytes left)");

    t.n = keep + 10;
    expect_error(&t, 1, NS_STATUS_TRUNCATED,
                 "frame 2 at offset 43: record header cut short (10 of 16 bytes)");
    tb_free(&t);
}

/* Checks a prefix read: records whose last byte is inside the prefix come out, then END
 * at a boundary, or TRUNCATED/FORMAT naming the next frame. `ends` holds the end offset
 * of every block or record, `frame` whether it is a frame; the first entry is the header. */
static void read_prefix(const uint8_t *file, size_t n, const size_t *ends, const bool *frame,
                        size_t nends)
{
    uint8_t *copy = malloc(n ? n : 1);      /* exactly n bytes: ASan catches overreads */
    assert_non_null(copy);
    memcpy(copy, file, n);

    struct ns_reader *r = malloc(sizeof *r);
    assert_non_null(r);
    struct ns_err err = { "" };
    struct ns_rec rec;
    ns_reader_init(r, copy, n);
    enum ns_status st = ns_reader_open(r, &err);
    if (n < ends[0]) {
        assert_true(st == NS_STATUS_TRUNCATED || st == NS_STATUS_FORMAT);
        check_msg(err.msg);
        free(r);
        free(copy);
        return;
    }
    assert_int_equal(st, NS_STATUS_OK);

    size_t want = 0, boundary = 0;
    bool at_end = false;
    for (size_t i = 0; i < nends; i++) {
        if (ends[i] <= n) {
            want += frame[i];
            boundary = ends[i];
            at_end = ends[i] == n;
        }
    }
    size_t got = 0;
    while ((st = ns_reader_next(r, &rec, &err)) == NS_STATUS_OK) {
        assert_true(rec.data + rec.caplen <= copy + n);
        got++;
        assert_int_equal(rec.number, got);
    }
    assert_int_equal(got, want);
    if (at_end) {
        assert_int_equal(st, NS_STATUS_END);
    } else {
        assert_int_equal(st, NS_STATUS_TRUNCATED);
        char where[128];
        snprintf(where, sizeof where, "frame %zu at offset %zu: ", want + 1, boundary);
        check_has(err.msg, where);
    }
    free(r);
    free(copy);
}

static void pcap_every_prefix(void **state)
{
    (void)state;
    for (int be = 0; be < 2; be++) {
        struct tb t = tb_new(256, be);
        size_t ends[4];
        bool frame[4] = { false, true, true, true };
        pcap_hdr(&t, be, 2, 65535, 1);
        ends[0] = t.n;
        pcap_rec(&t, 1, 2, 5, 5);
        ends[1] = t.n;
        pcap_rec(&t, 3, 4, 0, 60);
        ends[2] = t.n;
        pcap_rec(&t, 5, 6, 7, 7);
        ends[3] = t.n;
        for (size_t n = 0; n <= t.n; n++)
            read_prefix(t.b, n, ends, frame, 4);
        tb_free(&t);
    }
}

/* ---- pcapng: valid files ------------------------------------------------------------ */

/* Two sections, the first big-endian, the second little-endian: interface ids restart at
 * 0 in each section (as tshark prints them), link types are per interface, blocks that
 * carry no frame are skipped, custom blocks are frames. */
static void pcapng_sections(void **state)
{
    (void)state;
    struct tb t = tb_new(2048, true);
    shb(&t);
    idb(&t, 1, 0);
    other(&t, 4, 4);                        /* NRB with only nrb_record_end */
    idb_opts(&t, 0, 96, 9, 0, 0);           /* NULL, nanoseconds */
    size_t off1 = t.n;
    epb(&t, 0, 1500000, 5, 60);             /* 1.5 s in microseconds */
    epb(&t, 1, 2500000001u, 3, 3);
    size_t off3 = t.n;
    custom(&t, 0x00000BADu, 24);
    other(&t, 5, 8);                        /* ISB */
    other(&t, 0x12345678u, 20);             /* unknown */
    other(&t, 0x80000001u, 0);              /* local use */
    t.be = false;
    shb_ver(&t, 1, 2);
    idb(&t, 101, 0);
    size_t off4 = t.n;
    epb(&t, 0, 7, 1, 1);
    custom(&t, 0x40000BADu, 3);             /* padded to 4: tshark's len counts the pad */

    struct ns_reader r;
    struct ns_err err = { "" };
    struct ns_rec rec[8];
    size_t n;
    assert_int_equal(read_all(&r, &t, rec, 8, &n, &err), NS_STATUS_END);
    assert_int_equal(n, 5);
    assert_int_equal(r.format, NS_FORMAT_PCAPNG);
    assert_int_equal(r.nif, 3);
    assert_int_equal(r.section_first_if, 2);

    assert_int_equal(rec[0].kind, NS_REC_PACKET);
    assert_int_equal(rec[0].linktype, 1);
    assert_int_equal(rec[0].interface_id, 0);
    assert_true(rec[0].has_ts);
    assert_true(rec[0].ts_ns == 1500000000);
    assert_int_equal(rec[0].caplen, 5);
    assert_int_equal(rec[0].wirelen, 60);
    assert_ptr_equal(rec[0].data, t.b + off1 + 28);
    assert_int_equal(rec[0].offset, off1);

    assert_int_equal(rec[1].linktype, 0);
    assert_int_equal(rec[1].interface_id, 1);
    assert_true(rec[1].ts_ns == 2500000001);
    assert_int_equal(rec[1].number, 2);

    assert_int_equal(rec[2].kind, NS_REC_CUSTOM);
    assert_false(rec[2].has_ts);
    assert_int_equal(rec[2].interface_id, -1);
    assert_int_equal(rec[2].caplen, 24);
    assert_int_equal(rec[2].wirelen, 24);
    assert_ptr_equal(rec[2].data, t.b + off3 + 12);
    assert_int_equal(rec[2].number, 3);
    assert_int_equal(rec[2].offset, off3);

    assert_int_equal(rec[3].linktype, 101);
    assert_int_equal(rec[3].interface_id, 0);
    assert_true(rec[3].ts_ns == 7000);
    assert_int_equal(rec[3].offset, off4);
    assert_int_equal(rec[3].number, 4);

    assert_int_equal(rec[4].kind, NS_REC_CUSTOM);
    assert_int_equal(rec[4].caplen, 4);
    assert_int_equal(rec[4].number, 5);

    /* Opening again starts over: numbering, interfaces and byte order. */
    struct ns_rec again;
    assert_int_equal(ns_reader_open(&r, &err), NS_STATUS_OK);
    assert_int_equal(r.nif, 0);
    assert_int_equal(ns_reader_next(&r, &again, &err), NS_STATUS_OK);
    assert_int_equal(again.number, 1);
    assert_int_equal(again.offset, off1);
    assert_true(again.ts_ns == rec[0].ts_ns);
    tb_free(&t);
}

/* if_tsresol in both bases, if_tsoffset, both byte orders: exact nanoseconds, rounded down. */
static void pcapng_time_stamps(void **state)
{
    (void)state;
    static const struct {
        int tsresol;                        /* -1: option absent (microseconds) */
        int64_t tsoffset;
        uint64_t units;
        int64_t ns;
    } c[] = {
        { -1, 0, 1500000, 1500000000 },
        { 0, 0, 5, 5 * NS_PER_S },
        { 3, 0, 1234, 1234000000 },
        { 9, 0, 1, 1 },
        { 12, 0, UINT64_C(1234567890123), 1234567890 },
        { 19, 0, UINT64_MAX, 1844674407 },
        { 0x80, 0, 7, 7 * NS_PER_S },
        { 0x8A, 0, 1024 + 513, 1500976562 },    /* 513/1024 s = 0.5009765625 */
        { 0xA0, 0, UINT64_C(3) << 32 | 0x80000000u, 3500000000 },
        { 0xA0, 0, UINT64_C(3) << 32 | 1, 3 * NS_PER_S },
        { 0xA8, 0, UINT64_C(7) << 40 | ((UINT64_C(1) << 40) - 1), 7999999999 },
        { 0xA8, 0, 0x123456789Au, 71111111 },
        { 0xBF, 0, UINT64_C(3) << 62, 1500000000 },     /* 1 + 2^62/2^63 s */
        { -1, 100, 1, 100 * NS_PER_S + 1000 },
        { -1, -2000000000, 500000, -2000000000 * NS_PER_S + 500000000 },
        { 9, -MAX_S, 0, -MAX_S * NS_PER_S },
        { 0, 0, (uint64_t)MAX_S, MAX_S * NS_PER_S },
    };
    for (int be = 0; be < 2; be++) {
        for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
            struct tb t = tb_new(256, be);
            shb(&t);
            idb_opts(&t, 1, 0, c[i].tsresol, c[i].tsoffset != 0 ? 8 : 0, c[i].tsoffset);
            epb(&t, 0, c[i].units, 0, 0);
            pb(&t, 0, c[i].units, 0, 0);
            struct ns_reader r;
            struct ns_err err = { "" };
            struct ns_rec rec[2];
            size_t n;
            assert_int_equal(read_all(&r, &t, rec, 2, &n, &err), NS_STATUS_END);
            assert_int_equal(n, 2);
            if (rec[0].ts_ns != c[i].ns || rec[1].ts_ns != c[i].ns)
                fail_msg("case %zu: %lld, want %lld", i, (long long)rec[0].ts_ns,
                         (long long)c[i].ns);
            tb_free(&t);
        }
    }
}

/* SPB: interface 0 of the section, no time stamp, caplen = min(wire length, snaplen). */
static void pcapng_simple_packets(void **state)
{
    (void)state;
    struct tb t = tb_new(1024, false);
    shb(&t);
    idb(&t, 113, 100);
    idb(&t, 1, 0);
    spb(&t, 60, 60);
    spb(&t, 300, 100);
    t.be = true;
    shb(&t);
    idb_bare(&t, 1, 0);
    spb(&t, 70, 70);

    struct ns_reader r;
    struct ns_err err = { "" };
    struct ns_rec rec[3];
    size_t n;
    assert_int_equal(read_all(&r, &t, rec, 3, &n, &err), NS_STATUS_END);
    assert_int_equal(n, 3);
    assert_false(rec[0].has_ts);
    assert_true(rec[0].ts_ns == 0);
    assert_int_equal(rec[0].interface_id, 0);
    assert_int_equal(rec[0].linktype, 113);
    assert_int_equal(rec[0].caplen, 60);
    assert_int_equal(rec[0].wirelen, 60);
    assert_int_equal(rec[0].data[0], 0xA0);
    assert_int_equal(rec[1].caplen, 100);
    assert_int_equal(rec[1].wirelen, 300);
    assert_int_equal(rec[2].linktype, 1);       /* the second section's interface 0 */
    assert_int_equal(rec[2].caplen, 70);        /* snaplen 0: no limit */
    tb_free(&t);
}

/* Obsolete Packet Block: 16-bit interface id and a drops count. */
static void pcapng_obsolete_packet_block(void **state)
{
    (void)state;
    struct tb t = tb_new(256, true);
    shb(&t);
    idb(&t, 1, 0);
    idb(&t, 12, 0);
    size_t off = t.n;
    pb(&t, 1, 2000001, 6, 1000);
    struct ns_reader r;
    struct ns_err err = { "" };
    struct ns_rec rec[1];
    size_t n;
    assert_int_equal(read_all(&r, &t, rec, 1, &n, &err), NS_STATUS_END);
    assert_int_equal(n, 1);
    assert_int_equal(rec[0].kind, NS_REC_PACKET);
    assert_int_equal(rec[0].interface_id, 1);
    assert_int_equal(rec[0].linktype, 12);
    assert_int_equal(rec[0].caplen, 6);
    assert_int_equal(rec[0].wirelen, 1000);
    assert_true(rec[0].ts_ns == 2000001000);
    assert_ptr_equal(rec[0].data, t.b + off + 28);
    tb_free(&t);
}

/* A custom block longer than the caplen cap is kept like a snapped packet. */
static void pcapng_big_custom_block(void **state)
{
    (void)state;
    struct tb t = tb_new(NS_READER_MAX_CAPLEN + 4096, false);
    shb(&t);
    custom(&t, 0x00000BADu, NS_READER_MAX_CAPLEN + 100);
    struct ns_reader r;
    struct ns_err err = { "" };
    struct ns_rec rec[1];
    size_t n;
    assert_int_equal(read_all(&r, &t, rec, 1, &n, &err), NS_STATUS_END);
    assert_int_equal(n, 1);
    assert_int_equal(rec[0].caplen, NS_READER_MAX_CAPLEN);
    assert_int_equal(rec[0].wirelen, NS_READER_MAX_CAPLEN + 100);
    tb_free(&t);
}

/* ---- pcapng: every error ------------------------------------------------------------ */

static void pcapng_first_shb_errors(void **state)
{
    (void)state;
    struct tb t = tb_new(256, true);
    struct ns_reader r;
    struct ns_err err = { "" };

    shb_ver(&t, 1, 1);
    assert_int_equal(open_tb(&r, &t, &err), NS_STATUS_FORMAT);
    assert_string_equal(err.msg, "file header at offset 0: unsupported pcapng version 1.1");

    t.n = 0;
    shb_ver(&t, 2, 0);
    assert_int_equal(open_tb(&r, &t, &err), NS_STATUS_FORMAT);
    check_has(err.msg, "unsupported pcapng version 2.0");

    t.n = 0;
    shb(&t);
    t.b[8] = 0x1B;                          /* byte-order magic 1b2b3c4d */
    assert_int_equal(open_tb(&r, &t, &err), NS_STATUS_FORMAT);
    check_has(err.msg, "unknown byte-order magic 0x1b2b3c4d");

    t.n = 0;
    shb(&t);
    patch32(&t, 4, 24);
    assert_int_equal(open_tb(&r, &t, &err), NS_STATUS_FORMAT);
    check_has(err.msg, "section header block length 24 is below its minimum 28");

    t.n = 0;
    shb(&t);
    t.n = 11;
    assert_int_equal(open_tb(&r, &t, &err), NS_STATUS_TRUNCATED);
    assert_string_equal(err.msg,
                        "file header at offset 0: "
                        "section header block cut short (11 of 12 bytes)");
    tb_free(&t);
}

static void pcapng_block_length_errors(void **state)
{
    (void)state;
    struct tb t = tb_new(512, false);
    shb(&t);
    idb(&t, 1, 0);
    epb(&t, 0, 1, 4, 4);
    size_t at = t.n;                        /* frame 2 is the block at `at` */
    char where[128];
    snprintf(where, sizeof where, "frame 2 at offset %zu: ", at);

    t.n = at;
    put32(&t, 6);                           /* a block header cut after 5 bytes */
    put8(&t, 0);
    expect_error(&t, 1, NS_STATUS_TRUNCATED, "block header cut short (5 of 8 bytes)");

    t.n = at;
    other(&t, 4, 0);
    patch32(&t, at + 4, 8);
    expect_error(&t, 1, NS_STATUS_FORMAT, "pcapng block length 8 is below its minimum 12");

    t.n = at;
    epb(&t, 0, 1, 0, 0);
    patch32(&t, at + 4, 28);
    expect_error(&t, 1, NS_STATUS_FORMAT,
                 "enhanced packet block length 28 is below its minimum 32");

    t.n = at;
    other(&t, 5, 4);
    patch32(&t, at + 4, 14);
    expect_error(&t, 1, NS_STATUS_FORMAT, "length 14 is not a multiple of 4");

    t.n = at;
    other(&t, 5, 4);
    patch32(&t, at + 4, NS_READER_MAX_BLOCK + 4);
    expect_error(&t, 1, NS_STATUS_FORMAT, "length 16777220 exceeds the limit of 16777216 bytes");

    t.n = at;
    epb(&t, 0, 1, 4, 4);
    t.n -= 1;
    snprintf(where, sizeof where, "frame 2 at offset %zu: enhanced packet block cut short "
             "(length 48, 47 bytes left)", at);
    expect_error(&t, 1, NS_STATUS_TRUNCATED, where);

    t.n = at;
    epb(&t, 0, 1, 4, 4);
    patch32(&t, t.n - 4, 44);
    expect_error(&t, 1, NS_STATUS_FORMAT, "trailer length 44 differs from its header length 48");
    snprintf(where, sizeof where, "frame 2 at offset %zu: ", at);
    expect_error(&t, 1, NS_STATUS_FORMAT, where);
    tb_free(&t);
}

/* A later SHB is checked like the first, and named by the frame that would follow it. */
static void pcapng_later_shb_errors(void **state)
{
    (void)state;
    struct tb t = tb_new(512, true);
    shb(&t);
    idb(&t, 1, 0);
    epb(&t, 0, 1, 4, 4);
    size_t at = t.n;
    char where[128];

    shb(&t);
    t.n = at + 10;
    snprintf(where, sizeof where, "frame 2 at offset %zu: section header block cut short "
             "(10 of 12 bytes)", at);
    expect_error(&t, 1, NS_STATUS_TRUNCATED, where);

    t.n = at;
    shb(&t);
    t.b[at + 11] = 0;
    expect_error(&t, 1, NS_STATUS_FORMAT, "unknown byte-order magic 0x1a2b3c00");

    t.n = at;
    shb_ver(&t, 1, 3);
    expect_error(&t, 1, NS_STATUS_FORMAT, "unsupported pcapng version 1.3");

    t.n = at;
    t.be = false;
    shb(&t);
    patch32(&t, t.n - 4, 32);
    expect_error(&t, 1, NS_STATUS_FORMAT, "section header block trailer length 32");
    tb_free(&t);
}

static void pcapng_option_errors(void **state)
{
    (void)state;
    for (int be = 0; be < 2; be++) {
        struct tb t = tb_new(512, be);
        shb(&t);
        size_t at = t.n;
        char where[128];
        snprintf(where, sizeof where, "frame 1 at offset %zu: ", at);

        idb_opts(&t, 1, 0, 0x14, 0, 0);         /* 10^-20 */
        expect_error(&t, 0, NS_STATUS_FORMAT, "if_tsresol 0x14 is finer than");
        expect_error(&t, 0, NS_STATUS_FORMAT, where);

        t.n = at;
        idb_opts(&t, 1, 0, 0xC0, 0, 0);         /* 2^-64 */
        expect_error(&t, 0, NS_STATUS_FORMAT, "if_tsresol 0xc0 is finer than");

        t.n = at;
        idb_opts(&t, 1, 0, 6, 0, 0);
        t.b[at + 16 + 8 + 2 + (be ? 1 : 0)] = 2; /* if_tsresol length 1 -> 2 */
        expect_error(&t, 0, NS_STATUS_FORMAT, "if_tsresol option length 2 is not 1");

        t.n = at;
        idb_opts(&t, 1, 0, -1, 4, 0);
        expect_error(&t, 0, NS_STATUS_FORMAT, "if_tsoffset option length 4 is not 8");

        t.n = at;
        idb_opts(&t, 1, 0, -1, 8, INT64_MAX);
        expect_error(&t, 0, NS_STATUS_FORMAT, "if_tsoffset 9223372036854775807 s is out of range");

        t.n = at;
        idb_opts(&t, 1, 0, -1, 8, INT64_MIN);
        expect_error(&t, 0, NS_STATUS_FORMAT,
                     "if_tsoffset -9223372036854775808 s is out of range");

        t.n = at;
        idb_opts(&t, 1, 0, -1, 8, -MAX_S - 1);
        expect_error(&t, 0, NS_STATUS_FORMAT, "is out of range");

        t.n = at;
        idb(&t, 1, 0);                          /* if_name "eth0" claims 20 bytes */
        t.b[at + 16 + 2 + (be ? 1 : 0)] = 20;
        expect_error(&t, 0, NS_STATUS_FORMAT,
                     "interface description block option 2 (length 20) runs past the end");
        tb_free(&t);
    }
}

static void pcapng_interface_cap(void **state)
{
    (void)state;
    struct tb t = tb_new((NS_READER_MAX_IF + 8) * 32 + 256, false);
    shb(&t);
    idb(&t, 1, 0);
    t.be = true;                            /* the cap counts interfaces over all sections */
    shb(&t);
    for (int i = 1; i < NS_READER_MAX_IF; i++)
        idb(&t, (uint16_t)(i % 300), 0);
    epb(&t, NS_READER_MAX_IF - 2, 1, 0, 0);
    size_t at = t.n;
    idb(&t, 1, 0);

    struct ns_reader *r = malloc(sizeof *r);
    assert_non_null(r);
    struct ns_err err = { "" };
    struct ns_rec rec;
    assert_int_equal(open_tb(r, &t, &err), NS_STATUS_OK);
    assert_int_equal(ns_reader_next(r, &rec, &err), NS_STATUS_OK);
    assert_int_equal(rec.interface_id, NS_READER_MAX_IF - 2);
    assert_int_equal(rec.linktype, (NS_READER_MAX_IF - 1) % 300);
    assert_int_equal(r->nif, NS_READER_MAX_IF);
    assert_int_equal(ns_reader_next(r, &rec, &err), NS_STATUS_CAP);
    char where[128];
    snprintf(where, sizeof where, "frame 2 at offset %zu: more than 4096 interfaces", at);
    check_has(err.msg, where);
    assert_int_equal(r->nif, NS_READER_MAX_IF);
    free(r);
    tb_free(&t);
}

static void pcapng_packet_errors(void **state)
{
    (void)state;
    struct tb t = tb_new(1024, false);
    shb(&t);
    idb(&t, 1, 64);
    idb(&t, 1, 0);
    epb(&t, 1, 1, 4, 4);
    size_t at = t.n;
    char where[128];

    epb(&t, 2, 1, 4, 4);
    snprintf(where, sizeof where, "frame 2 at offset %zu: enhanced packet block references "
             "interface 2, but its section defines 2", at);
    expect_error(&t, 1, NS_STATUS_FORMAT, where);

    t.n = at;
    pb(&t, 9, 1, 4, 4);
    expect_error(&t, 1, NS_STATUS_FORMAT, "packet block references interface 9");

    t.n = at;                               /* a new section forgets the old interfaces */
    shb(&t);
    epb(&t, 0, 1, 4, 4);
    expect_error(&t, 1, NS_STATUS_FORMAT, "references interface 0, but its section defines 0");
    t.n = at;
    shb(&t);
    spb(&t, 4, 4);
    expect_error(&t, 1, NS_STATUS_FORMAT,
                 "simple packet block before any interface description block in its section");

    t.n = at;
    epb(&t, 0, 1, 8, 8);
    patch32(&t, at + 20, NS_READER_MAX_CAPLEN + 1);
    expect_error(&t, 1, NS_STATUS_FORMAT, "caplen 262145 exceeds the limit of 262144 bytes");

    t.n = at;
    epb(&t, 0, 1, 0, 0);                    /* 12 bytes of options follow the fixed part */
    patch32(&t, at + 20, 13);
    expect_error(&t, 1, NS_STATUS_FORMAT,
                 "enhanced packet block of length 44 cannot hold caplen 13");

    t.n = at;
    spb(&t, 60, 40);                        /* snaplen 64: 60 bytes promised, 40 there */
    expect_error(&t, 1, NS_STATUS_FORMAT,
                 "simple packet block of length 56 cannot hold caplen 60");

    t.n = at;
    spb(&t, NS_READER_MAX_CAPLEN + 1, 0);   /* snaplen 64 clamps it before the cap applies */
    expect_error(&t, 1, NS_STATUS_FORMAT,
                 "simple packet block of length 16 cannot hold caplen 64");
    tb_free(&t);

    /* SPB on an interface without snaplen: the cap applies to the wire length itself. */
    t = tb_new(256, false);
    shb(&t);
    idb(&t, 1, 0);
    spb(&t, NS_READER_MAX_CAPLEN + 1, 0);
    expect_error(&t, 0, NS_STATUS_FORMAT, "caplen 262145 exceeds");
    tb_free(&t);
}

static void pcapng_time_stamp_range(void **state)
{
    (void)state;
    struct tb t = tb_new(512, true);
    shb(&t);
    idb_opts(&t, 1, 0, 0, 0, 0);            /* whole seconds */
    epb(&t, 0, (uint64_t)MAX_S + 1, 0, 0);
    expect_error(&t, 0, NS_STATUS_FORMAT,
                 "time stamp 9223372036 (resolution 10^-0) is out of range");

    t.n = 0;
    shb(&t);
    idb_opts(&t, 1, 0, 0x80, 8, 1);         /* 2^-0 and one second of offset */
    size_t at = t.n;
    epb(&t, 0, (uint64_t)MAX_S, 0, 0);
    char where[128];
    snprintf(where, sizeof where, "frame 1 at offset %zu: time stamp 9223372035 (resolution 2^-0)",
             at);
    expect_error(&t, 0, NS_STATUS_FORMAT, where);
    tb_free(&t);
}

/* Every prefix of a two-section file with each kind of block. */
static void pcapng_every_prefix(void **state)
{
    (void)state;
    for (int be = 0; be < 2; be++) {
        struct tb t = tb_new(2048, be);
        size_t ends[16];
        bool frame[16] = { false };
        size_t k = 0;
        shb(&t);
        ends[k++] = t.n;
        idb_opts(&t, 1, 0, 9, 8, 5);
        ends[k++] = t.n;
        epb(&t, 0, 1, 5, 5);
        frame[k] = true;
        ends[k++] = t.n;
        spb(&t, 3, 3);
        frame[k] = true;
        ends[k++] = t.n;
        other(&t, 4, 12);
        ends[k++] = t.n;
        custom(&t, 0x00000BADu, 5);
        frame[k] = true;
        ends[k++] = t.n;
        t.be = !be;
        shb(&t);
        ends[k++] = t.n;
        idb(&t, 0, 0);
        ends[k++] = t.n;
        pb(&t, 0, 9, 2, 2);
        frame[k] = true;
        ends[k++] = t.n;
        epb(&t, 0, 10, 0, 0);
        frame[k] = true;
        ends[k++] = t.n;
        for (size_t n = 0; n <= t.n; n++)
            read_prefix(t.b, n, ends, frame, k);
        tb_free(&t);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(open_short_or_foreign),
        cmocka_unit_test(next_before_open),
        cmocka_unit_test(pcap_orders_and_magics),
        cmocka_unit_test(pcap_linktype_masked),
        cmocka_unit_test(pcap_tshark_leniency),
        cmocka_unit_test(pcap_caplen_cap),
        cmocka_unit_test(pcap_header_errors),
        cmocka_unit_test(pcap_record_cut),
        cmocka_unit_test(pcap_every_prefix),
        cmocka_unit_test(pcapng_sections),
        cmocka_unit_test(pcapng_time_stamps),
        cmocka_unit_test(pcapng_simple_packets),
        cmocka_unit_test(pcapng_obsolete_packet_block),
        cmocka_unit_test(pcapng_big_custom_block),
        cmocka_unit_test(pcapng_first_shb_errors),
        cmocka_unit_test(pcapng_block_length_errors),
        cmocka_unit_test(pcapng_later_shb_errors),
        cmocka_unit_test(pcapng_option_errors),
        cmocka_unit_test(pcapng_interface_cap),
        cmocka_unit_test(pcapng_packet_errors),
        cmocka_unit_test(pcapng_time_stamp_range),
        cmocka_unit_test(pcapng_every_prefix),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
