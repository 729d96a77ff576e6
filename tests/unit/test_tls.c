/* Unit tests for dissectors/tls.c: record recognition, a ClientHello with SNI and ALPN
 * (every field), every prefix of it, every length that can overrun its enclosure, and
 * record walking (several records, fragments, other handshake types). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "dissectors/dissect.h"

static struct ns_pkt pkt;

/* One TLS record holding a ClientHello, 90 bytes; offsets in the comments */
static const uint8_t hello[] = {
    /*  0: record: handshake (22), version 3.1, length 85 */
    0x16, 0x03, 0x01, 0x00, 0x55,
    /*  5: ClientHello (1), length 81 */
    0x01, 0x00, 0x00, 0x51,
    /*  9: legacy_version 3.3 */
    0x03, 0x03,
    /* 11: random */
    0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
    0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f,
    /* 43: legacy_session_id: empty */
    0x00,
    /* 44: cipher_suites: 2 bytes, TLS_AES_128_GCM_SHA256 */
    0x00, 0x02, 0x13, 0x01,
    /* 48: compression_methods: 1 byte, null */
    0x01, 0x00,
    /* 50: extensions: 38 bytes */
    0x00, 0x26,
    /* 52: server_name (0), 16 bytes; list of 14; host_name (0), 11 bytes */
    0x00, 0x00, 0x00, 0x10, 0x00, 0x0e, 0x00, 0x00, 0x0b,
    /* 61 */
    'e', 'x', 'a', 'm', 'p', 'l', 'e', '.', 'c', 'o', 'm',
    /* 72: ALPN (16), 14 bytes; list of 12: "h2", "http/1.1" */
    0x00, 0x10, 0x00, 0x0e, 0x00, 0x0c,
    /* 78 */
    0x02, 'h', '2', 0x08, 'h', 't', 't', 'p', '/', '1', '.', '1',
};

#define HELLO_SNI_END  72       /* the server_name extension is whole from here */
#define HELLO_ALPN_END 90

static enum ns_status tls(const uint8_t *b, size_t n)
{
    memset(&pkt, 0x3c, sizeof pkt);
    ns_pkt_reset(&pkt);
    struct ns_cur c = ns_cur_make(b, n);
    return ns_tls_dissect(&c, &pkt);
}

/* hello with byte i replaced by v, dissected */
static enum ns_status tls_patched(size_t i, uint8_t v)
{
    static uint8_t b[sizeof hello];
    memcpy(b, hello, sizeof b);
    b[i] = v;
    return tls(b, sizeof b);
}

static void looks_like(void **state)
{
    (void)state;
    assert_int_equal(sizeof hello, 90);
    struct ns_cur c = ns_cur_make(hello, sizeof hello);
    assert_true(ns_tls_looks_like(&c));
    c = ns_cur_make(hello, 5);
    assert_true(ns_tls_looks_like(&c));             /* the record header is enough */
    c = ns_cur_make(hello, 4);
    assert_false(ns_tls_looks_like(&c));

    /* type, major, minor, length: 0 and above 2^14 + 2048 are not plausible */
    static const uint8_t no[][5] = {
        { 0x17, 0x03, 0x03, 0x00, 0x10 },           /* application data */
        { 0x14, 0x03, 0x03, 0x00, 0x01 },           /* change cipher spec */
        { 0x16, 0x02, 0x00, 0x00, 0x10 },           /* SSL 2 major */
        { 0x16, 0x03, 0x05, 0x00, 0x10 },           /* minor above 4 */
        { 0x16, 0x03, 0x01, 0x00, 0x00 },           /* empty */
        { 0x16, 0x03, 0x01, 0x48, 0x01 },           /* 18433 */
        { 'G', 'E', 'T', ' ', '/' },
    };
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++) {
        c = ns_cur_make(no[i], 5);
        assert_false(ns_tls_looks_like(&c));
    }
    static const uint8_t yes[][5] = {
        { 0x16, 0x03, 0x00, 0x00, 0x01 },           /* SSL 3.0 */
        { 0x16, 0x03, 0x04, 0x48, 0x00 },           /* 18432 */
    };
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
        c = ns_cur_make(yes[i], 5);
        assert_true(ns_tls_looks_like(&c));
    }
}

static void client_hello_fields(void **state)
{
    (void)state;
    struct ns_cur c = ns_cur_make(hello, sizeof hello);
    memset(&pkt, 0x3c, sizeof pkt);
    ns_pkt_reset(&pkt);
    assert_int_equal(ns_tls_dissect(&c, &pkt), NS_STATUS_OK);
    assert_int_equal(pkt.malformed, NS_MALFORMED_NONE);
    assert_int_equal(pkt.nlayers, 1);
    const struct ns_layer *l = &pkt.layer[0];
    assert_int_equal(l->proto, NS_PROTO_TLS);
    assert_ptr_equal(l->hdr, hello);
    assert_int_equal(l->hdr_len, 9);
    assert_int_equal(l->flags, 0);
    assert_int_equal(l->u.tls.content_type, 22);
    assert_int_equal(l->u.tls.hs_type, 1);
    assert_int_equal(l->u.tls.record_version, 0x0301);
    assert_int_equal(l->u.tls.hello_version, 0x0303);
    assert_ptr_equal(l->u.tls.sni, hello + 61);     /* zero copy */
    assert_int_equal(l->u.tls.sni_len, 11);
    assert_ptr_equal(l->u.tls.alpn, hello + 78);
    assert_int_equal(l->u.tls.alpn_len, 12);
    assert_int_equal(c.len, 0);
    assert_int_equal(pkt.next.kind, NS_NEXT_NONE);
}

/* A hello cut by the segment end is not a fault: what is whole is kept. */
static void truncated_anywhere(void **state)
{
    (void)state;
    for (size_t n = 0; n <= sizeof hello; n++) {
        assert_int_equal(tls(hello, n), NS_STATUS_OK);
        assert_int_equal(pkt.malformed, NS_MALFORMED_NONE);
        if (n < 9) {
            assert_int_equal(pkt.nlayers, 0);       /* record or handshake header cut */
            continue;
        }
        assert_int_equal(pkt.nlayers, 1);
        const struct ns_layer *l = &pkt.layer[0];
        assert_int_equal((l->flags & NS_LAYER_CUT) != 0, n < sizeof hello);
        assert_int_equal(l->u.tls.hello_version, n >= 43 ? 0x0303 : 0);
        if (n >= HELLO_SNI_END) {
            assert_ptr_equal(l->u.tls.sni, hello + 61);
            assert_int_equal(l->u.tls.sni_len, 11);
        } else {
            assert_null(l->u.tls.sni);
        }
        if (n >= HELLO_ALPN_END)
            assert_non_null(l->u.tls.alpn);
        else
            assert_null(l->u.tls.alpn);
    }
}

static void length_overruns(void **state)
{
    (void)state;
    const struct ns_layer *l = &pkt.layer[0];

    /* server_name extension length 0x30: past the 38-byte extensions block */
    assert_int_equal(tls_patched(55, 0x30), NS_STATUS_MALFORMED);
    assert_int_equal(pkt.malformed, NS_MALFORMED_TLS_EXT);
    assert_null(l->u.tls.sni);

    /* ALPN extension length 0x20: past the block; the SNI before it stays */
    assert_int_equal(tls_patched(75, 0x20), NS_STATUS_MALFORMED);
    assert_int_equal(pkt.malformed, NS_MALFORMED_TLS_EXT);
    assert_int_equal(l->u.tls.sni_len, 11);
    assert_null(l->u.tls.alpn);

    /* server name list 0x20: past its extension (tshark shows no SNI either) */
    assert_int_equal(tls_patched(57, 0x20), NS_STATUS_MALFORMED);
    assert_int_equal(pkt.malformed, NS_MALFORMED_TLS_EXT);
    assert_null(l->u.tls.sni);

    /* host name 13 bytes: past the list */
    assert_int_equal(tls_patched(60, 0x0d), NS_STATUS_MALFORMED);
    assert_int_equal(pkt.malformed, NS_MALFORMED_TLS_EXT);
    assert_null(l->u.tls.sni);

    /* ALPN list 0x10: past its extension */
    assert_int_equal(tls_patched(77, 0x10), NS_STATUS_MALFORMED);
    assert_int_equal(pkt.malformed, NS_MALFORMED_TLS_EXT);
    assert_null(l->u.tls.alpn);

    /* an empty ALPN protocol name (entries 0, "2", "http/1.1" tile the list), and one
     * that runs past the list */
    static uint8_t b[sizeof hello];
    memcpy(b, hello, sizeof b);
    b[78] = 0x00;
    b[79] = 0x01;
    assert_int_equal(tls(b, sizeof b), NS_STATUS_MALFORMED);
    assert_int_equal(pkt.malformed, NS_MALFORMED_TLS_EXT);
    assert_null(l->u.tls.alpn);
    assert_int_equal(tls_patched(81, 0x09), NS_STATUS_MALFORMED);
    assert_int_equal(pkt.malformed, NS_MALFORMED_TLS_EXT);
    assert_null(l->u.tls.alpn);

    /* extensions block 0x40: past the hello */
    assert_int_equal(tls_patched(51, 0x40), NS_STATUS_MALFORMED);
    assert_int_equal(pkt.malformed, NS_MALFORMED_TLS_SHORT);

    /* session id of 96 bytes, cipher suites of 0x4002, compression of 0xff: past it */
    assert_int_equal(tls_patched(43, 0x60), NS_STATUS_MALFORMED);
    assert_int_equal(pkt.malformed, NS_MALFORMED_TLS_SHORT);
    assert_int_equal(l->u.tls.hello_version, 0x0303);
    assert_int_equal(tls_patched(44, 0x40), NS_STATUS_MALFORMED);
    assert_int_equal(pkt.malformed, NS_MALFORMED_TLS_SHORT);
    assert_int_equal(tls_patched(48, 0xff), NS_STATUS_MALFORMED);
    assert_int_equal(pkt.malformed, NS_MALFORMED_TLS_SHORT);

    /* a handshake length of 48 leaves the extensions block nowhere to fit */
    assert_int_equal(tls_patched(8, 0x30), NS_STATUS_MALFORMED);
    assert_int_equal(pkt.malformed, NS_MALFORMED_TLS_SHORT);

    /* a handshake length of 30: even the random does not fit */
    assert_int_equal(tls_patched(8, 30), NS_STATUS_MALFORMED);
    assert_int_equal(pkt.malformed, NS_MALFORMED_TLS_SHORT);
    assert_int_equal(l->u.tls.hello_version, 0);
}

static void sni_entry_choice(void **state)
{
    (void)state;
    /* a name of type 1 before the host_name: the host_name is the SNI */
    uint8_t b[sizeof hello + 4];
    memcpy(b, hello, 52);
    static const uint8_t ext[] = {
        0x00, 0x00, 0x00, 0x14, 0x00, 0x12,
        0x01, 0x00, 0x01, 'z',                      /* type 1, "z" */
        0x00, 0x00, 0x0b, 'e', 'x', 'a', 'm', 'p', 'l', 'e', '.', 'c', 'o', 'm',
    };
    memcpy(b + 52, ext, sizeof ext);
    memcpy(b + 52 + sizeof ext, hello + 72, 18);
    b[4] += 4;                                      /* record, hello, extensions lengths */
    b[8] += 4;
    b[51] += 4;
    assert_int_equal(tls(b, sizeof b), NS_STATUS_OK);
    assert_int_equal(pkt.malformed, NS_MALFORMED_NONE);
    assert_int_equal(pkt.layer[0].u.tls.sni_len, 11);
    assert_memory_equal(pkt.layer[0].u.tls.sni, "example.com", 11);
    assert_int_equal(pkt.layer[0].u.tls.alpn_len, 12);

    /* an empty host name is a name of length 0 */
    memcpy(b, hello, sizeof hello);
    static const uint8_t empty[] = { 0x00, 0x00, 0x00, 0x05, 0x00, 0x03, 0x00, 0x00, 0x00 };
    memcpy(b + 52, empty, sizeof empty);
    b[4] = (uint8_t)(85 - 11);
    b[8] = (uint8_t)(81 - 11);
    b[51] = (uint8_t)(38 - 11);
    memcpy(b + 52 + sizeof empty, hello + 72, 18);
    assert_int_equal(tls(b, sizeof hello - 11), NS_STATUS_OK);
    assert_non_null(pkt.layer[0].u.tls.sni);
    assert_int_equal(pkt.layer[0].u.tls.sni_len, 0);
}

static void no_extensions(void **state)
{
    (void)state;
    /* the hello ends after the compression methods (allowed before TLS 1.3) */
    uint8_t b[50];
    memcpy(b, hello, sizeof b);
    b[4] = 45;
    b[8] = 41;
    assert_int_equal(tls(b, sizeof b), NS_STATUS_OK);
    assert_int_equal(pkt.malformed, NS_MALFORMED_NONE);
    assert_int_equal(pkt.nlayers, 1);
    assert_int_equal(pkt.layer[0].flags, 0);
    assert_null(pkt.layer[0].u.tls.sni);
    assert_null(pkt.layer[0].u.tls.alpn);
}

static void record_walk(void **state)
{
    (void)state;
    uint8_t b[2 * sizeof hello + 16];

    /* two ClientHello records: two layers */
    memcpy(b, hello, sizeof hello);
    memcpy(b + sizeof hello, hello, sizeof hello);
    assert_int_equal(tls(b, 2 * sizeof hello), NS_STATUS_OK);
    assert_int_equal(pkt.nlayers, 2);
    assert_ptr_equal(pkt.layer[1].hdr, b + sizeof hello);
    assert_ptr_equal(pkt.layer[1].u.tls.sni, b + sizeof hello + 61);

    /* a ServerHello pushes nothing; application data before a hello is walked over */
    memcpy(b, hello, sizeof hello);
    b[5] = 2;
    assert_int_equal(tls(b, sizeof hello), NS_STATUS_OK);
    assert_int_equal(pkt.nlayers, 0);
    static const uint8_t appdata[] = { 0x17, 0x03, 0x03, 0x00, 0x02, 0xaa, 0xbb };
    memcpy(b, appdata, sizeof appdata);
    memcpy(b + sizeof appdata, hello, sizeof hello);
    assert_int_equal(tls(b, sizeof appdata + sizeof hello), NS_STATUS_OK);
    assert_int_equal(pkt.nlayers, 1);

    /* bytes that are not a record header end the walk quietly */
    memcpy(b, hello, sizeof hello);
    memcpy(b + sizeof hello, "GET / HTTP/1.1", 14);
    memcpy(b + sizeof hello + 14, hello, 2);
    assert_int_equal(tls(b, sizeof hello + 16), NS_STATUS_OK);
    assert_int_equal(pkt.nlayers, 1);
    assert_int_equal(pkt.malformed, NS_MALFORMED_NONE);

    /* a hello split over two records (handshake fragmentation): the first record's part
     * is read, cut, and the second record's bytes are not a new hello */
    static const uint8_t second_hdr[] = { 0x16, 0x03, 0x01, 0x00, 0x25 };
    memcpy(b, hello, 5 + 48);
    b[4] = 48;
    memcpy(b + 53, second_hdr, sizeof second_hdr);
    memcpy(b + 58, hello + 53, sizeof hello - 53);
    assert_int_equal(tls(b, 58 + sizeof hello - 53), NS_STATUS_OK);
    assert_int_equal(pkt.malformed, NS_MALFORMED_NONE);
    assert_int_equal(pkt.nlayers, 1);
    assert_true(pkt.layer[0].flags & NS_LAYER_CUT);
    assert_int_equal(pkt.layer[0].u.tls.hello_version, 0x0303);
    assert_null(pkt.layer[0].u.tls.sni);
}

static void layers_full(void **state)
{
    (void)state;
    memset(&pkt, 0, sizeof pkt);
    ns_pkt_reset(&pkt);
    for (int i = 0; i < NS_PKT_MAX_LAYERS; i++)
        assert_non_null(ns_pkt_push(&pkt, NS_PROTO_ETH, NULL));
    struct ns_cur c = ns_cur_make(hello, sizeof hello);
    assert_int_equal(ns_tls_dissect(&c, &pkt), NS_STATUS_MALFORMED);
    assert_int_equal(pkt.malformed, NS_MALFORMED_LAYERS_FULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(looks_like),
        cmocka_unit_test(client_hello_fields),
        cmocka_unit_test(truncated_anywhere),
        cmocka_unit_test(length_overruns),
        cmocka_unit_test(sni_entry_choice),
        cmocka_unit_test(no_extensions),
        cmocka_unit_test(record_walk),
        cmocka_unit_test(layers_full),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
