/* Unit tests for core/sha1.c and core/community_id.c. Every expected string is copied
 * from published material, cited at each table; none was produced by this code. */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "core/community_id.h"
#include "core/sha1.h"

static void hex(const uint8_t *d, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++)
        snprintf(out + 2 * i, 3, "%02x", d[i]);
}

static void assert_sha1(const void *msg, size_t len, const char *want)
{
    uint8_t d[NS_SHA1_LEN];
    char got[2 * NS_SHA1_LEN + 1];

    ns_sha1(msg, len, d);
    hex(d, sizeof d, got);
    assert_string_equal(got, want);
}

/* FIPS 180-4 examples as published by NIST (CSRC "Example Values", SHA1.pdf and
 * SHA1 long message) and FIPS 180-2 Appendix A: A.1 "abc", A.2 the 448-bit message,
 * A.3 one million 'a'. The empty message is the well-known SHA-1("") (RFC 3174
 * implementations, NIST CAVP SHA1ShortMsg Len = 0). */
static void sha1_fips_vectors(void **state)
{
    (void)state;
    assert_sha1("abc", 3, "a9993e364706816aba3e25717850c26c9cd0d89d");
    assert_sha1("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56,
                "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
    assert_sha1("", 0, "da39a3ee5e6b4b0d3255bfef95601890afd80709");
    assert_sha1(NULL, 0, "da39a3ee5e6b4b0d3255bfef95601890afd80709");
    /* FIPS 180-4 example, 896-bit message */
    assert_sha1("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn"
                "hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu", 112,
                "a49b2446a02c645bf419f995b67091253a04a259");
}

static void sha1_million_a(void **state)
{
    (void)state;
    uint8_t chunk[1000];
    uint8_t d[NS_SHA1_LEN];
    char got[2 * NS_SHA1_LEN + 1];
    struct ns_sha1 s;

    memset(chunk, 'a', sizeof chunk);
    ns_sha1_init(&s);
    for (int i = 0; i < 1000; i++)
        ns_sha1_update(&s, chunk, sizeof chunk);
    ns_sha1_final(&s, d);
    hex(d, sizeof d, got);
    assert_string_equal(got, "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
}

/* Padding crosses a block at 56 bytes and fills one at 64: split every message of
 * 0..200 bytes at every point (and byte by byte) and expect the one-shot digest. */
static void sha1_streaming_matches_one_shot(void **state)
{
    (void)state;
    uint8_t msg[200];

    for (size_t i = 0; i < sizeof msg; i++)
        msg[i] = (uint8_t)(i * 7 + 3);
    for (size_t len = 0; len <= sizeof msg; len++) {
        uint8_t want[NS_SHA1_LEN], got[NS_SHA1_LEN];
        struct ns_sha1 s;

        ns_sha1(msg, len, want);
        for (size_t cut = 0; cut <= len; cut++) {
            ns_sha1_init(&s);
            ns_sha1_update(&s, msg, cut);
            ns_sha1_update(&s, msg + cut, len - cut);
            ns_sha1_final(&s, got);
            assert_memory_equal(got, want, NS_SHA1_LEN);
        }
        ns_sha1_init(&s);
        for (size_t i = 0; i < len; i++)
            ns_sha1_update(&s, msg + i, 1);
        ns_sha1_final(&s, got);
        assert_memory_equal(got, want, NS_SHA1_LEN);
    }
}

#define NO_PORT (-1)

struct cid_vec {
    const char *src, *dst;
    uint8_t proto;
    int sport, dport;           /* NO_PORT: a port-less protocol; ICMP: type, code */
    const char *want;
};

static void check(const struct cid_vec *v, size_t n, uint16_t seed)
{
    for (size_t i = 0; i < n; i++) {
        uint8_t a[16], b[16];
        uint8_t af = strchr(v[i].src, ':') ? 6 : 4;
        int fam = af == 6 ? AF_INET6 : AF_INET;
        char out[NS_CID_LEN];

        assert_int_equal(inet_pton(fam, v[i].src, a), 1);
        assert_int_equal(inet_pton(fam, v[i].dst, b), 1);
        struct ns_cid_tuple t = {
            .af = af, .proto = v[i].proto, .src = a, .dst = b,
            .sport = (uint16_t)(v[i].sport < 0 ? 0 : v[i].sport),
            .dport = (uint16_t)(v[i].dport < 0 ? 0 : v[i].dport),
            .has_ports = v[i].sport != NO_PORT,
        };
        memset(out, 'x', sizeof out);
        ns_community_id(&t, seed, out);
        if (strcmp(out, v[i].want) != 0)
            fail_msg("vector %zu (%s -> %s proto %u, seed %u): got %s, want %s", i,
                     v[i].src, v[i].dst, v[i].proto, seed, out, v[i].want);
    }
}

#define A "fe80:0001:0203:0405:0607:0809:0A0B:0C0D"
#define B "fe80:1011:1213:1415:1617:1819:1A1B:1C1D"

/* community-id-spec baseline/README.md, "Default settings" table (ICMP rows give the
 * raw type and code). */
static const struct cid_vec spec_default[] = {
    { "1.2.3.4", "5.6.7.8", 6, 1122, 3344, "1:wCb3OG7yAFWelaUydu0D+125CLM=" },
    { "5.6.7.8", "1.2.3.4", 6, 3344, 1122, "1:wCb3OG7yAFWelaUydu0D+125CLM=" },
    { "1.2.3.4", "5.6.7.8", 17, 1122, 3344, "1:0Mu9InQx6z4ZiCZM/7HXi2WMhOg=" },
    { "5.6.7.8", "1.2.3.4", 17, 3344, 1122, "1:0Mu9InQx6z4ZiCZM/7HXi2WMhOg=" },
    { "1.2.3.4", "5.6.7.8", 132, 1122, 3344, "1:EKt4MsxuyaE6mL+hmrEkQ9csDD8=" },
    { "5.6.7.8", "1.2.3.4", 132, 3344, 1122, "1:EKt4MsxuyaE6mL+hmrEkQ9csDD8=" },
    { "1.2.3.4", "5.6.7.8", 1, 8, 0, "1:crodRHL2FEsHjbv3UkRrfbs4bZ0=" },   /* echo request */
    { "5.6.7.8", "1.2.3.4", 1, 0, 0, "1:crodRHL2FEsHjbv3UkRrfbs4bZ0=" },   /* echo reply */
    { "1.2.3.4", "5.6.7.8", 1, 11, 0, "1:f/YiSyWqczrTgfUCZlBUnvHRcPk=" },  /* time exceeded */
    { A, B, 58, 128, 0, "1:0bf7hyMJUwt3fMED7z8LIfRpBeo=" },                /* echo request */
    { B, A, 58, 129, 0, "1:0bf7hyMJUwt3fMED7z8LIfRpBeo=" },                /* echo reply */
    { A, B, 58, 146, 0, "1:fYC8+pz24E+EhANP1EZhpX0Dw10=" },                /* one-way */
    { "1.2.3.4", "5.6.7.8", 46, NO_PORT, NO_PORT, "1:ikv3kmf89luf73WPz1jOs49S768=" },
    { "5.6.7.8", "1.2.3.4", 46, NO_PORT, NO_PORT, "1:ikv3kmf89luf73WPz1jOs49S768=" },
    { A, B, 46, NO_PORT, NO_PORT, "1:wQ/2mwrnXP4lmJcHdGL5ePjR+e0=" },
    { B, A, 46, NO_PORT, NO_PORT, "1:wQ/2mwrnXP4lmJcHdGL5ePjR+e0=" },
};

/* Same README, "A custom seed=1 value" table. */
static const struct cid_vec spec_seed1[] = {
    { "1.2.3.4", "5.6.7.8", 6, 1122, 3344, "1:HhA1B+6CoLbiKPEs5nhNYN4XWfk=" },
    { "5.6.7.8", "1.2.3.4", 6, 3344, 1122, "1:HhA1B+6CoLbiKPEs5nhNYN4XWfk=" },
    { "1.2.3.4", "5.6.7.8", 17, 1122, 3344, "1:OShq+iKDAMVouh/4bMxB9Sz4amw=" },
    { "5.6.7.8", "1.2.3.4", 17, 3344, 1122, "1:OShq+iKDAMVouh/4bMxB9Sz4amw=" },
    { "1.2.3.4", "5.6.7.8", 132, 1122, 3344, "1:uitchpn5MMGAQKBJh7bIr/bAr7s=" },
    { "5.6.7.8", "1.2.3.4", 132, 3344, 1122, "1:uitchpn5MMGAQKBJh7bIr/bAr7s=" },
    { "1.2.3.4", "5.6.7.8", 1, 8, 0, "1:9pr4ZGTICiuZoIh90RRYE2RyXpU=" },
    { "5.6.7.8", "1.2.3.4", 1, 0, 0, "1:9pr4ZGTICiuZoIh90RRYE2RyXpU=" },
    { "1.2.3.4", "5.6.7.8", 1, 11, 0, "1:1DD7cWGC/Yg91YGsQeni8du3pIA=" },
    { A, B, 58, 128, 0, "1:IO27GQzPuCtNnwFvjWALMHu5tJE=" },
    { B, A, 58, 129, 0, "1:IO27GQzPuCtNnwFvjWALMHu5tJE=" },
    { A, B, 58, 146, 0, "1:Cv4IKJe56BNkF0MBW2YxQ3Nwc3s=" },
    { "1.2.3.4", "5.6.7.8", 46, NO_PORT, NO_PORT, "1:/buhqeOmaRCopOZFy9HnoJd5XW8=" },
    { "5.6.7.8", "1.2.3.4", 46, NO_PORT, NO_PORT, "1:/buhqeOmaRCopOZFy9HnoJd5XW8=" },
    { A, B, 46, NO_PORT, NO_PORT, "1:j6EyyfBzL4vWKHFXgUqb5Az3OxM=" },
    { B, A, 46, NO_PORT, NO_PORT, "1:j6EyyfBzL4vWKHFXgUqb5Az3OxM=" },
};

/* community-id-spec baseline/baseline_deflt.json (flows of pcaps/combined.pcap.gz).
 * Its ICMP ports are already mapped (e.g. 135/136), which the mapping leaves alone. */
static const struct cid_vec spec_json[] = {
    { "fe80::200:86ff:fe05:80da", "fe80::260:97ff:fe07:69ea", 58, 135, 136,
      "1:dGHyGvjMfljg6Bppwm3bg0LO8TY=" },
    { "fe80::260:97ff:fe07:69ea", "fe80::200:86ff:fe05:80da", 58, 136, 135,
      "1:dGHyGvjMfljg6Bppwm3bg0LO8TY=" },
    { "fe80::260:97ff:fe07:69ea", "fe80::200:86ff:fe05:80da", 58, 135, 136,
      "1:zavyT/cezQr1fmImYCwYnMXbgck=" },
    { "fe80::200:86ff:fe05:80da", "fe80::260:97ff:fe07:69ea", 58, 136, 135,
      "1:zavyT/cezQr1fmImYCwYnMXbgck=" },
    { "3ffe:501:1800:2345::2", "3ffe:507:0:1:200:86ff:fe05:80da", 58, 3, 0,
      "1:2ObVBgIn28oZvibYZhZMBgh7WdQ=" },
    { "3ffe:501:410:0:2c0:dfff:fe47:33e", "3ffe:507:0:1:200:86ff:fe05:80da", 58, 1, 4,
      "1:hLZd0XGWojozrvxqE0dWB1iM6R0=" },
    { "3ffe:507:0:1:200:86ff:fe05:80da", "3ffe:501:0:1001::2", 58, 128, 129,
      "1:+TW+HtLHvV1xnGhV1lv7XoJrqQg=" },
    { "3ffe:501:0:1001::2", "3ffe:507:0:1:200:86ff:fe05:80da", 58, 129, 128,
      "1:+TW+HtLHvV1xnGhV1lv7XoJrqQg=" },
    { "fe80::200:86ff:fe05:80da", "ff02::2", 58, 133, 134, "1:hO+sN4H+MG5MY/8hIrXPqc4ZQz0=" },
    { "fe80::260:97ff:fe07:69ea", "ff02::1", 58, 134, 133, "1:pkvHqCL88/tg1k4cPigmZXUtL00=" },
    { "192.168.0.89", "192.168.0.1", 1, 8, 0, "1:X0snYXpgwiv9TZtqg64sgzUn6Dk=" },
    { "192.168.0.1", "192.168.0.89", 1, 0, 8, "1:X0snYXpgwiv9TZtqg64sgzUn6Dk=" },
    { "10.0.0.1", "10.0.0.2", 1, 11, 0, "1:YHxtAirCG//0OzkcVAukqKQN9xM=" },
    { "2001:470:e5bf:dead:4957:2174:e82c:4887", "2607:f8b0:400c:c03::1a", 6, 63943, 25,
      "1:/qFaeAR+gFe1KYjMzVDsMv+wgU4=" },
    { "2607:f8b0:400c:c03::1a", "2001:470:e5bf:dead:4957:2174:e82c:4887", 6, 25, 63943,
      "1:/qFaeAR+gFe1KYjMzVDsMv+wgU4=" },
    { "192.168.170.8", "192.168.170.56", 132, 7, 7, "1:MP2EtRCAUIZvTw6MxJHLV7N7JDs=" },
    { "192.168.170.56", "192.168.170.8", 132, 7, 7, "1:MP2EtRCAUIZvTw6MxJHLV7N7JDs=" },
    { "128.232.110.120", "66.35.250.204", 6, 34855, 80, "1:LQU9qZlK+B5F3KDmev6m5PMibrg=" },
    { "66.35.250.204", "128.232.110.120", 6, 80, 34855, "1:LQU9qZlK+B5F3KDmev6m5PMibrg=" },
    { "192.168.1.52", "8.8.8.8", 17, 54585, 53, "1:d/FP5EW3wiY1vCndhwleRRKHowQ=" },
    { "8.8.8.8", "192.168.1.52", 17, 53, 54585, "1:d/FP5EW3wiY1vCndhwleRRKHowQ=" },
    { "10.1.12.1", "10.1.12.2", 46, NO_PORT, NO_PORT, "1:KHlLkgoJW7ifUTyTSgyVfkFHzKw=" },
    { "10.1.12.2", "10.1.12.1", 46, NO_PORT, NO_PORT, "1:KHlLkgoJW7ifUTyTSgyVfkFHzKw=" },
};

/* pycommunityid tests/communityid_test.py (the reference implementation the spec
 * recommends), default seed column, raw ICMP type and code. */
static const struct cid_vec py_default[] = {
    { "192.168.0.89", "192.168.0.1", 1, 8, 0, "1:X0snYXpgwiv9TZtqg64sgzUn6Dk=" },
    { "192.168.0.1", "192.168.0.89", 1, 0, 8, "1:X0snYXpgwiv9TZtqg64sgzUn6Dk=" },
    /* type 20 is not a request/reply type: the code is hashed and nothing is flipped */
    { "192.168.0.89", "192.168.0.1", 1, 20, 0, "1:3o2RFccXzUgjl7zDpqmY7yJi8rI=" },
    { "192.168.0.89", "192.168.0.1", 1, 20, 1, "1:tz/fHIDUHs19NkixVVoOZywde+I=" },
    /* echo reply ignores its code */
    { "192.168.0.1", "192.168.0.89", 1, 0, 20, "1:X0snYXpgwiv9TZtqg64sgzUn6Dk=" },
    { "fe80::200:86ff:fe05:80da", "fe80::260:97ff:fe07:69ea", 58, 135, 0,
      "1:dGHyGvjMfljg6Bppwm3bg0LO8TY=" },
    { "fe80::260:97ff:fe07:69ea", "fe80::200:86ff:fe05:80da", 58, 136, 0,
      "1:dGHyGvjMfljg6Bppwm3bg0LO8TY=" },
    /* one-way ICMPv6 (time exceeded) from the larger address: kept as seen */
    { "3ffe:507:0:1:260:97ff:fe07:69ea", "3ffe:507:0:1:200:86ff:fe05:80da", 58, 3, 0,
      "1:NdobDX8PQNJbAyfkWxhtL2Pqp5w=" },
    { "3ffe:507:0:1:200:86ff:fe05:80da", "3ffe:507:0:1:260:97ff:fe07:69ea", 58, 3, 0,
      "1:/OGBt9BN1ofenrmSPWYicpij2Vc=" },
    { "192.168.170.8", "192.168.170.56", 132, 7, 80, "1:jQgCxbku+pNGw8WPbEc/TS/uTpQ=" },
    { "192.168.170.56", "192.168.170.8", 132, 80, 7, "1:jQgCxbku+pNGw8WPbEc/TS/uTpQ=" },
    { "10.0.0.1", "10.0.0.2", 6, 10, 11569, "1:SXBGMX1lBOwhhoDrZynfROxnhnM=" },
    { "10.1.24.4", "10.1.12.1", 46, NO_PORT, NO_PORT, "1:/nQI4Rh/TtY3mf0R2gJFBkVlgS4=" },
    { "10.1.12.1", "10.1.24.4", 46, NO_PORT, NO_PORT, "1:/nQI4Rh/TtY3mf0R2gJFBkVlgS4=" },
};

/* Same file, seed=1 column. */
static const struct cid_vec py_seed1[] = {
    { "192.168.0.89", "192.168.0.1", 1, 8, 0, "1:03g6IloqVBdcZlPyX8r0hgoE7kA=" },
    { "192.168.0.1", "192.168.0.89", 1, 0, 8, "1:03g6IloqVBdcZlPyX8r0hgoE7kA=" },
    { "192.168.0.89", "192.168.0.1", 1, 20, 0, "1:lCXHHxavE1Vq3oX9NH5ladQg02o=" },
    { "192.168.0.89", "192.168.0.1", 1, 20, 1, "1:Ie3wmFyxiEyikbsbcO03d2nh+PM=" },
    { "fe80::200:86ff:fe05:80da", "fe80::260:97ff:fe07:69ea", 58, 135, 0,
      "1:kHa1FhMYIT6Ym2Vm2AOtoOARDzY=" },
    { "3ffe:507:0:1:260:97ff:fe07:69ea", "3ffe:507:0:1:200:86ff:fe05:80da", 58, 3, 0,
      "1:OlOWx9psIbBFi7lOCw/4MhlKR9M=" },
    { "3ffe:507:0:1:200:86ff:fe05:80da", "3ffe:507:0:1:260:97ff:fe07:69ea", 58, 3, 0,
      "1:Ij4ZxnC87/MXzhOjvH2vHu7LRmE=" },
    { "192.168.170.8", "192.168.170.56", 132, 7, 80, "1:Y1/0jQg6e+I3ZwZZ9LP65DNbTXU=" },
    { "128.232.110.120", "66.35.250.204", 6, 34855, 80, "1:3V71V58M3Ksw/yuFALMcW0LAHvc=" },
    { "66.35.250.204", "128.232.110.120", 6, 80, 34855, "1:3V71V58M3Ksw/yuFALMcW0LAHvc=" },
    { "10.0.0.1", "10.0.0.2", 6, 10, 11569, "1:HmBRGR+fUyXF4t8WEtal7Y0gEAo=" },
    { "192.168.1.52", "8.8.8.8", 17, 54585, 53, "1:Q9We8WO3piVF8yEQBNJF4uiSVrI=" },
    { "10.1.24.4", "10.1.12.1", 46, NO_PORT, NO_PORT, "1:BK3BVW3U2eemuwVQVN3zd/GULno=" },
};

#define COUNT(a) (sizeof (a) / sizeof (a)[0])

static void cid_spec_baseline_default(void **state)
{
    (void)state;
    check(spec_default, COUNT(spec_default), 0);
}

static void cid_spec_baseline_seed1(void **state)
{
    (void)state;
    check(spec_seed1, COUNT(spec_seed1), 1);
}

static void cid_spec_baseline_json(void **state)
{
    (void)state;
    check(spec_json, COUNT(spec_json), 0);
}

static void cid_pycommunityid_default(void **state)
{
    (void)state;
    check(py_default, COUNT(py_default), 0);
}

static void cid_pycommunityid_seed1(void **state)
{
    (void)state;
    check(py_seed1, COUNT(py_seed1), 1);
}

static void cid_icmp_tables(void **state)
{
    (void)state;
    uint16_t sp, dp;
    bool ow;

    ns_community_id_icmp(4, 8, 0, &sp, &dp, &ow);        /* echo request -> reply */
    assert_int_equal(sp, 8);
    assert_int_equal(dp, 0);
    assert_false(ow);
    ns_community_id_icmp(4, 0, 5, &sp, &dp, &ow);        /* echo reply: code ignored */
    assert_int_equal(sp, 0);
    assert_int_equal(dp, 8);
    assert_false(ow);
    ns_community_id_icmp(4, 3, 1, &sp, &dp, &ow);        /* unreachable: one-way */
    assert_int_equal(sp, 3);
    assert_int_equal(dp, 1);
    assert_true(ow);
    ns_community_id_icmp(4, 128, 0, &sp, &dp, &ow);      /* a v6 type means nothing in v4 */
    assert_true(ow);
    ns_community_id_icmp(6, 145, 0, &sp, &dp, &ow);      /* HAAD reply -> request */
    assert_int_equal(sp, 145);
    assert_int_equal(dp, 144);
    assert_false(ow);
    ns_community_id_icmp(6, 8, 0, &sp, &dp, &ow);        /* a v4 type means nothing in v6 */
    assert_int_equal(dp, 0);
    assert_true(ow);

    /* Every pair in both tables maps back, and the mapping is idempotent. */
    for (unsigned af = 4; af <= 6; af += 2) {
        for (unsigned type = 0; type < 256; type++) {
            uint16_t s2, d2;
            bool ow2;
            ns_community_id_icmp((uint8_t)af, (uint8_t)type, 7, &sp, &dp, &ow);
            ns_community_id_icmp((uint8_t)af, (uint8_t)sp, (uint8_t)dp, &s2, &d2, &ow2);
            assert_int_equal(s2, sp);
            assert_int_equal(d2, dp);
            assert_int_equal(ow2, ow);
            if (!ow) {
                ns_community_id_icmp((uint8_t)af, (uint8_t)dp, 0, &s2, &d2, &ow2);
                assert_int_equal(d2, type);
                assert_false(ow2);
            }
        }
    }
}

static void cid_refuses_what_it_cannot_hash(void **state)
{
    (void)state;
    static const uint8_t a[4] = { 1, 2, 3, 4 };
    char out[NS_CID_LEN];
    struct ns_cid_tuple t = { .af = 5, .proto = 6, .src = a, .dst = a, .has_ports = true };

    memset(out, 'x', sizeof out);
    ns_community_id(&t, 0, out);
    assert_string_equal(out, "");
    t.af = 4;
    t.dst = NULL;
    memset(out, 'x', sizeof out);
    ns_community_id(&t, 0, out);
    assert_string_equal(out, "");
}

/* Same address both ways: the ports decide (spec README, "If the IP addresses are
 * equal, the ports decide"), so both directions must agree. */
static void cid_equal_addresses_ports_decide(void **state)
{
    (void)state;
    static const uint8_t lo[4] = { 127, 0, 0, 1 };
    char fwd[NS_CID_LEN], rev[NS_CID_LEN];
    struct ns_cid_tuple t = { .af = 4, .proto = 6, .src = lo, .dst = lo,
                              .sport = 40000, .dport = 80, .has_ports = true };

    ns_community_id(&t, 0, fwd);
    t.sport = 80;
    t.dport = 40000;
    ns_community_id(&t, 0, rev);
    assert_string_equal(fwd, rev);
    assert_int_equal(strlen(fwd), NS_CID_LEN - 2);     /* "1:" + 28 base64 characters */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sha1_fips_vectors),
        cmocka_unit_test(sha1_million_a),
        cmocka_unit_test(sha1_streaming_matches_one_shot),
        cmocka_unit_test(cid_spec_baseline_default),
        cmocka_unit_test(cid_spec_baseline_seed1),
        cmocka_unit_test(cid_spec_baseline_json),
        cmocka_unit_test(cid_pycommunityid_default),
        cmocka_unit_test(cid_pycommunityid_seed1),
        cmocka_unit_test(cid_icmp_tables),
        cmocka_unit_test(cid_refuses_what_it_cannot_hash),
        cmocka_unit_test(cid_equal_addresses_ports_decide),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
