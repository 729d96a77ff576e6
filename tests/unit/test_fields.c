/* Unit tests for the field registry and tshark-style value formatting. IPv6 text is
 * checked against glibc's inet_ntop, which Wireshark itself calls. */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <string.h>

#include "core/fields.h"

static void registry_names_unique_and_found(void **state)
{
    (void)state;
    for (size_t i = 0; i < NS_FIELD_COUNT; i++) {
        assert_int_equal(ns_field_lookup(ns_fields[i].abbrev), (int)i);
        for (size_t j = i + 1; j < NS_FIELD_COUNT; j++)
            assert_string_not_equal(ns_fields[i].abbrev, ns_fields[j].abbrev);
    }
    assert_int_equal(ns_field_lookup("tcp.nosuchfield"), -1);
    assert_int_equal(ns_field_lookup(""), -1);
}

static void proto_of_abbrev(void **state)
{
    (void)state;
    char buf[16];
    assert_string_equal(ns_field_proto(&ns_fields[NS_FIELD_IP_SRC], buf, sizeof buf), "ip");
    assert_string_equal(ns_field_proto(&ns_fields[NS_FIELD_TLS_SNI], buf, sizeof buf), "tls");
    assert_string_equal(ns_field_proto(&ns_fields[NS_FIELD_TLS_SNI], buf, 3), "tl");
}

static const char *fmt(enum ns_field_id id, const struct ns_val *v)
{
    static char buf[128];
    ns_field_format(id, v, buf, sizeof buf);
    return buf;
}

static void ipv6_matches_inet_ntop(void **state)
{
    (void)state;
    static const char *const cases[] = {
        "::", "::1", "1::", "2001:db8::1", "2001:db8:0:0:1:0:0:1", "2001:0:0:1:0:0:0:1",
        "fe80::c42c:3ff:fe60:6a64", "ff02::fb", "::ffff:192.0.2.1", "::192.0.2.1",
        "1:0:1:0:1:0:1:0", "0:1:0:0:1:0:0:0", "2001:db8:1:2:3:4:5:6", "0:0:1::", "::1:0:0",
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint8_t a[16];
        char want[INET6_ADDRSTRLEN];
        assert_int_equal(inet_pton(AF_INET6, cases[i], a), 1);
        assert_non_null(inet_ntop(AF_INET6, a, want, sizeof want));
        struct ns_val v = { .v.addr = a };
        assert_string_equal(fmt(NS_FIELD_IPV6_SRC, &v), want);
    }
}

static void ints_hex_and_bool(void **state)
{
    (void)state;
    struct ns_val v = { .v.u = 0x12 };
    assert_string_equal(fmt(NS_FIELD_TCP_FLAGS, &v), "0x0012");   /* tshark: 0x00c2 */
    assert_string_equal(fmt(NS_FIELD_ETH_TYPE, &(struct ns_val){ .v.u = 0x800 }), "0x0800");
    assert_string_equal(fmt(NS_FIELD_TCP_SRCPORT, &(struct ns_val){ .v.u = 443 }), "443");
    assert_string_equal(fmt(NS_FIELD_DNS_RESPONSE, &(struct ns_val){ .v.u = 1 }), "1");
    assert_string_equal(fmt(NS_FIELD_IP_MF, &(struct ns_val){ .v.u = 0 }), "0");
}

static void times_nine_decimals(void **state)
{
    (void)state;
    assert_string_equal(fmt(NS_FIELD_FRAME_TIME_REL, &(struct ns_val){ .v.i = 0 }), "0.000000000");
    assert_string_equal(fmt(NS_FIELD_FRAME_TIME_REL, &(struct ns_val){ .v.i = 643188000 }), "0.643188000");
    /* non-monotonic captures give negative relative times: tshark prints -65535.999915000 */
    assert_string_equal(fmt(NS_FIELD_FRAME_TIME_REL, &(struct ns_val){ .v.i = -65535999915000LL }),
                        "-65535.999915000");
    assert_string_equal(fmt(NS_FIELD_FRAME_TIME_REL, &(struct ns_val){ .v.i = -1 }), "-0.000000001");
    assert_string_equal(fmt(NS_FIELD_FRAME_TIME_EPOCH, &(struct ns_val){ .v.i = 1582454552576659000LL }),
                        "1582454552.576659000");
}

static void addresses(void **state)
{
    (void)state;
    const uint8_t ip[4] = { 192, 0, 2, 1 };
    const uint8_t mac[6] = { 0xc6, 0x2c, 0x03, 0x60, 0x6a, 0x64 };
    assert_string_equal(fmt(NS_FIELD_IP_SRC, &(struct ns_val){ .v.addr = ip }), "192.0.2.1");
    assert_string_equal(fmt(NS_FIELD_ETH_SRC, &(struct ns_val){ .v.addr = mac }), "c6:2c:03:60:6a:64");
}

static void strings_escape_controls_only(void **state)
{
    (void)state;
    struct ns_val v = { .s = "a\tb\xe2\x80\x99" "c\n", .len = 8 };
    assert_string_equal(fmt(NS_FIELD_DNS_QRY_NAME, &v), "a\\x09b\xe2\x80\x99" "c\\x0a");
    char small[4];
    v = (struct ns_val){ .s = "abcdef", .len = 6 };
    assert_int_equal(ns_field_format(NS_FIELD_TLS_SNI, &v, small, sizeof small), 3);
    assert_string_equal(small, "abc");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(registry_names_unique_and_found),
        cmocka_unit_test(proto_of_abbrev),
        cmocka_unit_test(ipv6_matches_inet_ntop),
        cmocka_unit_test(ints_hex_and_bool),
        cmocka_unit_test(times_nine_decimals),
        cmocka_unit_test(addresses),
        cmocka_unit_test(strings_escape_controls_only),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
