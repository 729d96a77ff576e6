/* Unit tests for -Y display filters (cli/filter.c): errors with their column, each operator,
 * precedence, sets, CIDR, string escapes and tshark 4.0's multi-occurrence semantics, on
 * frames built by hand so each test shows what the frame holds. */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/filter.h"

static struct ns_pkt pkt;
static struct ns_rec rec;
static struct ns_frame frame;

static struct ns_layer *push(enum ns_proto proto, uint8_t flags)
{
    struct ns_layer *l = &pkt.layer[pkt.nlayers++];
    *l = (struct ns_layer){ .proto = proto, .flags = flags, .hdr_len = 20 };
    return l;
}

static void add_ipv4(const char *src, const char *dst, uint8_t flags)
{
    struct ns_layer *l = push(NS_PROTO_IPV4, flags);
    unsigned a[4], b[4];
    sscanf(src, "%u.%u.%u.%u", &a[0], &a[1], &a[2], &a[3]);
    sscanf(dst, "%u.%u.%u.%u", &b[0], &b[1], &b[2], &b[3]);
    for (int i = 0; i < 4; i++) {
        l->u.ipv4.src[i] = (uint8_t)a[i];
        l->u.ipv4.dst[i] = (uint8_t)b[i];
    }
    l->u.ipv4.ttl = 64;
}

static void add_name(struct ns_layer *dns, const char *name)
{
    size_t n = strlen(name);
    pkt.name[pkt.nnames].off = pkt.name_used;
    pkt.name[pkt.nnames].len = (uint16_t)n;
    memcpy(pkt.name_buf + pkt.name_used, name, n);
    pkt.name_used = (uint16_t)(pkt.name_used + n);
    pkt.nnames++;
    dns->u.dns.nnames++;
}

/* Frame 7, 1200 bytes, 2.5 s into the capture:
 * Ethernet 02:00:00:00:00:01 -> ff:ff:ff:ff:ff:ff / IPv4 10.1.2.3 -> 192.168.1.10 / UDP 5353 -> 53 /
 * DNS query for www.example.com and a"b\c.test. */
static void udp_dns_frame(void)
{
    memset(&pkt, 0, sizeof pkt);
    rec = (struct ns_rec){ .kind = NS_REC_PACKET, .has_ts = true, .linktype = 1, .interface_id = -1,
                           .caplen = 1200, .wirelen = 1200, .ts_ns = 1000000000000000000ll, .number = 7 };
    frame = (struct ns_frame){ .rec = &rec, .pkt = &pkt, .rel_ns = 2500000000ll };
    struct ns_layer *eth = push(NS_PROTO_ETH, 0);
    memcpy(eth->u.eth.src, "\x02\x00\x00\x00\x00\x01", 6);
    memcpy(eth->u.eth.dst, "\xff\xff\xff\xff\xff\xff", 6);
    eth->u.eth.type = 0x0800;
    add_ipv4("10.1.2.3", "192.168.1.10", 0);
    struct ns_layer *udp = push(NS_PROTO_UDP, 0);
    udp->u.udp.sport = 5353;
    udp->u.udp.dport = 53;
    udp->u.udp.len = 1166;
    struct ns_layer *dns = push(NS_PROTO_DNS, 0);
    dns->u.dns.kind = NS_DNS_KIND_DNS;
    dns->u.dns.qdcount = 2;
    dns->u.dns.id = 0xbeef;
    add_name(dns, "www.example.com");
    add_name(dns, "a\"b\\c.test");
}

/* Frame 7: IPv4 192.0.2.1 -> 198.51.100.2 / ICMP error quoting IPv4 198.51.100.2 -> 192.0.2.1 /
 * TCP 40201 -> 443, SYN+ACK. ip.src has two occurrences, 192.0.2.1 and 198.51.100.2. */
static void icmp_quote_frame(void)
{
    memset(&pkt, 0, sizeof pkt);
    rec = (struct ns_rec){ .kind = NS_REC_PACKET, .has_ts = true, .linktype = 101, .interface_id = -1,
                           .caplen = 70, .wirelen = 70, .number = 7 };
    frame = (struct ns_frame){ .rec = &rec, .pkt = &pkt };
    add_ipv4("192.0.2.1", "198.51.100.2", 0);
    struct ns_layer *icmp = push(NS_PROTO_ICMP, 0);
    icmp->u.icmp.type = 3;
    icmp->hdr_len = 8;
    add_ipv4("198.51.100.2", "192.0.2.1", NS_LAYER_QUOTED);
    struct ns_layer *tcp = push(NS_PROTO_TCP, NS_LAYER_QUOTED);
    tcp->u.tcp.sport = 40201;
    tcp->u.tcp.dport = 443;
    tcp->u.tcp.flags = 0x012;
}

static bool match(const char *text)
{
    struct ns_err err = {{0}};
    struct ns_filter *flt = ns_filter_compile(text, &err);
    if (flt == NULL)
        fail_msg("%s: %s", text, err.msg);
    bool r = ns_filter_match(flt, &frame);
    ns_filter_free(flt);
    return r;
}

#define MATCH(text) assert_true(match(text))
#define NO_MATCH(text) assert_false(match(text))

static void compile_error(const char *text, const char *want)
{
    struct ns_err err = {{0}};
    struct ns_filter *flt = ns_filter_compile(text, &err);
    if (flt != NULL)
        fail_msg("%s: compiled, expected: %s", text, want);
    assert_string_equal(err.msg, want);
}

static void errors_name_the_column(void **state)
{
    (void)state;
    compile_error("ip.src ==", "column 10: expected a value after '=='");
    compile_error("ip.src == ", "column 11: expected a value after '=='");
    compile_error("nosuch.field", "column 1: 'nosuch.field' is neither a field nor a protocol "
                  "netscope knows (netscope -G fields lists the fields)");
    compile_error("udp and nosuch", "column 9: 'nosuch' is neither a field nor a protocol "
                  "netscope knows (netscope -G fields lists the fields)");
    compile_error("(udp or tcp", "column 12: expected ')' to close the '(' at column 1");
    compile_error("udp or tcp)", "column 11: ')' without a matching '('");
    compile_error("udp or", "column 7: expected a test after 'or'");
    compile_error("not", "column 4: expected a field or a protocol, got the end of the filter");
    compile_error("== 3", "column 1: expected a field or a protocol, got '=='");
    compile_error("80 == tcp.srcport", "column 1: expected a field or a protocol before the value '80'");
    compile_error("udp.srcport == 65536", "column 16: '65536' is too big for udp.srcport (at most 65535)");
    compile_error("ip.ttl > 256", "column 10: '256' is too big for ip.ttl (at most 255)");
    compile_error("udp.srcport == 53x", "column 16: '53x' is not valid for udp.srcport: expected an "
                  "integer (decimal, or hex with 0x)");
    compile_error("ip.src == 10.0.0.256", "column 11: '10.0.0.256' is not valid for ip.src: expected "
                  "an IPv4 address or subnet, like 10.0.0.0/8");
    compile_error("ipv6.src == 2001:db8::/129", "column 13: '2001:db8::/129' is not valid for ipv6.src: "
                  "expected an IPv6 address or subnet, like 2001:db8::/32");
    compile_error("eth.src == 02:00:00:00:00", "column 12: '02:00:00:00:00' is not valid for eth.src: "
                  "expected an Ethernet address, like 00:11:22:33:44:55");
    compile_error("eth.src == 02:00:00-00:00:01", "column 12: '02:00:00-00:00:01' is not valid for "
                  "eth.src: expected an Ethernet address, like 00:11:22:33:44:55");
    compile_error("udp.srcport contains 5", "column 13: 'contains' needs a string field; udp.srcport "
                  "is an unsigned integer");
    compile_error("dns.qry.name & 1", "column 14: '&' needs an unsigned integer field; dns.qry.name "
                  "is a string");
    compile_error("tcp.analysis.retransmission != 0", "column 29: tcp.analysis.retransmission has no "
                  "value (it is a label): it can only be tested for presence");
    compile_error("udp == 1", "column 5: 'udp' is a protocol: it can only be tested for presence");
    compile_error("frame > 1", "column 7: 'frame' is a protocol: it can only be tested for presence");
    compile_error("dns.qry.name == \"a\\qb\"", "column 19: '\\q' is not a valid escape (use \\\\, \\\", "
                  "\\xHH, \\ooo, \\n, \\t, ...)");
    compile_error("dns.qry.name == \"\\777\"", "column 18: '\\777' is not a byte (at most \\377)");
    compile_error("dns.qry.name == \"abc", "column 17: unterminated string");
    compile_error("ip.src == \"10.0.0.1\"", "column 11: ip.src is an IPv4 address: write the value "
                  "without quotes");
    compile_error("udp.srcport in {}", "column 17: expected a value, got '}'");
    compile_error("udp.srcport in {53,}", "column 20: expected a value after ','");
    compile_error("udp.srcport in {53", "column 19: expected '}' to close the '{' at column 16");
    compile_error("udp.srcport in {53..}", "column 21: expected a value after '..'");
    compile_error("dns.qry.name in {\"a\"..\"b\"}", "column 21: a range needs numbers, times or single "
                  "addresses");
    compile_error("ip.src in {10.0.0.0/8..11.0.0.0}", "column 22: a range needs numbers, times or "
                  "single addresses");
    compile_error("udp.srcport not == 53", "column 13: expected 'in' after 'not' here (write 'not' "
                  "before the field)");
    compile_error("udp.srcport == udp.dstport", "column 16: comparing two fields ('udp.dstport') is not "
                  "supported");
    compile_error("(udp) == 1", "column 7: only a field can be compared, not a parenthesised test");
    compile_error("udp.srcport == 53 == 53", "column 19: unexpected '==': only a field can be compared");
    compile_error("udp xor tcp", "column 5: unexpected 'xor': expected 'and', 'or' or the end");
    compile_error("udp ^^ tcp", "column 5: arithmetic and bit operators other than '&' are not supported");
    compile_error("udp.srcport + 1 == 54", "column 13: arithmetic and bit operators other than '&' are "
                  "not supported");
    compile_error("dns.qry.name ~ \"x\"", "column 14: 'matches' and '~' (regular expressions) are not "
                  "supported");
    compile_error("upper(dns.qry.name) == \"X\"", "column 1: functions ('upper()') are not supported");
    compile_error("frame.time_relative > 1e3", "column 23: '1e3' is not valid for frame.time_relative: "
                  "expected seconds, like 0.25");
    compile_error("frame.time_relative > \"Jan 1, 2020\"", "column 23: frame.time_relative is a relative "
                  "time: write the value without quotes");
    compile_error("ip.flags.mf == true", "column 16: 'true' is not valid for ip.flags.mf: expected 1, 0, "
                  "True or False");
    compile_error("udp.srcport == -1", "column 16: '-1' is not valid for udp.srcport: expected an integer "
                  "(decimal, or hex with 0x)");
    compile_error("udp \x01", "column 5: unexpected '\x01': expected 'and', 'or' or the end");
}

static void nesting_is_capped(void **state)
{
    (void)state;
    char text[400] = "";
    for (int i = 0; i < NS_FILTER_MAX_DEPTH; i++)
        strcat(text, "(");
    strcat(text, "udp");
    for (int i = 0; i < NS_FILTER_MAX_DEPTH; i++)
        strcat(text, ")");
    udp_dns_frame();
    MATCH(text);
    char deeper[400] = "(";
    strcat(deeper, text);
    strcat(deeper, ")");
    compile_error(deeper, "column 65: nested too deeply (at most 64 levels of '(' and 'not')");
    char nots[400] = "";
    for (int i = 0; i <= NS_FILTER_MAX_DEPTH; i++)
        strcat(nots, "!");
    strcat(nots, "udp");
    compile_error(nots, "column 65: nested too deeply (at most 64 levels of '(' and 'not')");
}

/* A chain of and/or is a loop, not a recursion: 6000 terms (48 KB of text) are fine. */
static void long_chains(void **state)
{
    (void)state;
    udp_dns_frame();
    size_t terms = 6000;
    char *text = malloc(terms * 12 + 1);
    assert_non_null(text);
    text[0] = '\0';
    size_t n = 0;
    for (size_t i = 0; i < terms; i++)
        n += (size_t)sprintf(text + n, "%sudp", i ? " and " : "");
    MATCH(text);
    n = 0;
    for (size_t i = 0; i < terms; i++)
        n += (size_t)sprintf(text + n, "%s%s", i ? " || " : "", i + 1 == terms ? "dns" : "tcp");
    MATCH(text);
    free(text);
}

static void empty_and_null_pass_everything(void **state)
{
    (void)state;
    udp_dns_frame();
    MATCH("");
    MATCH("   \t");
    assert_true(ns_filter_match(NULL, &frame));
}

static void presence(void **state)
{
    (void)state;
    udp_dns_frame();
    MATCH("frame");
    MATCH("eth");
    MATCH("ip");
    MATCH("udp");
    MATCH("dns");
    NO_MATCH("mdns");
    NO_MATCH("llmnr");
    NO_MATCH("tcp");
    NO_MATCH("ipv6");
    NO_MATCH("icmp");
    NO_MATCH("arp");
    NO_MATCH("tls");
    NO_MATCH("vlan");
    MATCH("udp.srcport");
    MATCH("dns.qry.name");
    NO_MATCH("tcp.srcport");
    NO_MATCH("tcp.analysis.retransmission");
    NO_MATCH("tls.handshake.extensions_server_name");
    NO_MATCH("netscope.flow.community_id");     /* no tracking in this frame */
    pkt.layer[3].u.dns.kind = NS_DNS_KIND_MDNS;
    NO_MATCH("dns");
    MATCH("mdns");
}

static void each_operator(void **state)
{
    (void)state;
    udp_dns_frame();
    MATCH("udp.srcport == 5353");
    MATCH("udp.srcport eq 5353");
    MATCH("udp.srcport any_eq 5353");
    MATCH("udp.srcport == 0x14e9");
    MATCH("udp.srcport == 012351");         /* octal, as tshark (strtoul base 0) */
    NO_MATCH("udp.srcport == 5354");
    MATCH("udp.srcport != 5354");
    MATCH("udp.srcport ne 5354");
    NO_MATCH("udp.srcport != 5353");
    MATCH("udp.srcport < 5354");
    MATCH("udp.srcport lt 5354");
    NO_MATCH("udp.srcport < 5353");
    MATCH("udp.srcport <= 5353");
    MATCH("udp.srcport le 5353");
    MATCH("udp.srcport > 5352");
    MATCH("udp.srcport gt 5352");
    NO_MATCH("udp.srcport > 5353");
    MATCH("udp.srcport >= 5353");
    MATCH("udp.srcport ge 5353");
    MATCH("udp.srcport & 0x0001");
    NO_MATCH("udp.srcport & 0x0002");
    MATCH("udp.srcport bitwise_and 8");
    MATCH("frame.len > 1000");
    MATCH("frame.number == 7");
    MATCH("frame.time_relative == 2.5");
    MATCH("frame.time_relative > 2.499999999");
    NO_MATCH("frame.time_relative > 2.5");
    MATCH("frame.time_relative >= 2.500000000");
    MATCH("frame.time_relative < 3");
    MATCH("frame.time_relative > -1");
    MATCH("frame.time_epoch == 1000000000");
    MATCH("frame.time_epoch > 999999999.999999999");
    MATCH("dns.id == 0xbeef");
    MATCH("eth.src == 02:00:00:00:00:01");
    MATCH("eth.src == 02-00-00-00-00-01");
    MATCH("eth.src == 0200.0000.0001");
    MATCH("eth.src == 020000000001");
    MATCH("eth.dst == FF:FF:FF:FF:FF:FF");
    MATCH("eth.src < ff:00:00:00:00:00");
}

static void strings(void **state)
{
    (void)state;
    udp_dns_frame();
    MATCH("dns.qry.name == \"www.example.com\"");
    MATCH("dns.qry.name == www.example.com");   /* tshark 4.0 takes unquoted words too */
    MATCH("dns.qry.name contains \"example\"");
    MATCH("dns.qry.name contains example");
    NO_MATCH("dns.qry.name contains \"EXAMPLE\"");  /* case matters, as in tshark */
    MATCH("dns.qry.name contains \"\"");
    MATCH("dns.qry.name == \"a\\\"b\\\\c.test\"");   /* \" and \\ */
    MATCH("dns.qry.name contains \"\\x77ww\"");      /* \xHH */
    MATCH("dns.qry.name contains \"\\167ww\"");      /* \ooo */
    NO_MATCH("dns.qry.name contains \"\\n\"");
    MATCH("dns.qry.name > \"a\"");
    MATCH("dns.qry.name < \"b\"");
    MATCH("dns.qry.name >= \"www.example.com\"");
    NO_MATCH("dns.qry.name > \"www.example.com\"");
    NO_MATCH("dns.qry.name == \"www.example.co\"");   /* a prefix is not equal */
    MATCH("dns.qry.name in {\"x\", \"a\\\"b\\\\c.test\"}");
}

static void addresses_and_cidr(void **state)
{
    (void)state;
    udp_dns_frame();
    MATCH("ip.src == 10.1.2.3");
    MATCH("ip.src == 10.0.0.0/8");
    MATCH("ip.src == 10.1.2.3/32");
    MATCH("ip.src == 0.0.0.0/0");
    NO_MATCH("ip.src == 11.0.0.0/8");
    MATCH("ip.src != 11.0.0.0/8");
    MATCH("ip.dst == 192.168.0.0/16 and not ip.dst == 192.168.2.0/24");
    MATCH("ip.src < 10.1.2.4");
    MATCH("ip.src > 9.255.255.255");
    MATCH("ip.src in {172.16.0.0/12, 10.0.0.0/8}");
    MATCH("ip.src in {10.1.2.0..10.1.2.5}");
    NO_MATCH("ip.src in {10.1.2.4..10.1.2.5}");
    /* compared under the mask, as tshark: 10.1.2.3 & /8 == 10.0.0.0 */
    NO_MATCH("ip.src > 10.200.0.0/8");
    MATCH("ip.src >= 10.200.0.0/8");

    memset(&pkt, 0, sizeof pkt);
    struct ns_layer *l = push(NS_PROTO_IPV6, 0);
    static const uint8_t a6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
    memcpy(l->u.ipv6.src, a6, 16);
    MATCH("ipv6");
    NO_MATCH("ip");
    MATCH("ipv6.src == 2001:db8::1");
    MATCH("ipv6.src == 2001:DB8:0:0::1");
    MATCH("ipv6.src == 2001:db8::/32");
    MATCH("ipv6.src == 2001:db8::/127");
    NO_MATCH("ipv6.src == 2001:db9::/32");
    MATCH("ipv6.src in {::1, 2001:db8::/48}");
    MATCH("ipv6.src > ::");
}

static void precedence_and_parentheses(void **state)
{
    (void)state;
    udp_dns_frame();
    /* and binds tighter than or: a or (b and c) */
    MATCH("udp or tcp and icmp");
    MATCH("udp || tcp && icmp");
    NO_MATCH("(udp or tcp) and icmp");
    MATCH("tcp and icmp or udp");
    NO_MATCH("tcp and (icmp or udp)");
    /* not binds tighter than and */
    MATCH("not tcp and udp");
    NO_MATCH("not (tcp or udp)");
    MATCH("!tcp && !icmp");
    MATCH("not not udp");
    MATCH("!!udp");
    NO_MATCH("!(udp)");
    MATCH("((udp))");
    MATCH("(udp)and(dns)");
    MATCH("udp.srcport==5353&&udp.dstport==53");
    MATCH("not udp.srcport == 1");
}

static void sets(void **state)
{
    (void)state;
    udp_dns_frame();
    MATCH("udp.dstport in {53 80 443}");        /* spaces, as the brief */
    MATCH("udp.dstport in {53, 80, 443}");      /* commas, as tshark 4.0 */
    MATCH("udp.dstport in {80,53}");
    MATCH("udp.dstport in {1..100}");
    MATCH("udp.dstport in {1 .. 53}");
    MATCH("udp.dstport in {53..53}");
    NO_MATCH("udp.dstport in {54..100}");
    MATCH("udp.dstport in {0x10..0x40, 8080}");
    NO_MATCH("udp.dstport in {80 443}");
    MATCH("udp.dstport not in {80 443}");
    NO_MATCH("udp.dstport not in {53}");
    MATCH("tcp.dstport not in {53}");           /* exactly !(x in S): absent passes */
    MATCH("frame.time_relative in {1..3}");
    MATCH("frame.time_relative in {2.5}");
    MATCH("eth.src in {02:00:00:00:00:00..02:00:00:00:00:ff}");
}

/* tshark 4.0: ==, <, contains, in: some occurrence; != (ne, all_ne): present and every
 * occurrence differs; ~= (!==, any_ne): some occurrence differs; === (all_eq): present and
 * every occurrence equal. */
static void multi_occurrence(void **state)
{
    (void)state;
    icmp_quote_frame();
    MATCH("ip.src == 192.0.2.1");
    MATCH("ip.src == 198.51.100.2");
    NO_MATCH("ip.src != 192.0.2.1");
    NO_MATCH("ip.src ne 198.51.100.2");
    MATCH("ip.src != 203.0.113.1");
    MATCH("ip.src ~= 192.0.2.1");
    MATCH("ip.src !== 192.0.2.1");
    MATCH("ip.src any_ne 192.0.2.1");
    NO_MATCH("ip.src all_eq 192.0.2.1");
    NO_MATCH("ip.src === 192.0.2.1");
    MATCH("ip.src === 0.0.0.0/0");
    MATCH("ip.src all_ne 203.0.113.1");
    MATCH("ip.src > 198.51.100.1");
    MATCH("ip.src < 192.0.2.2");
    MATCH("ip.src in {198.51.100.2}");
    NO_MATCH("ip.src not in {198.51.100.2}");
    /* a quoted header counts, as in tshark */
    MATCH("tcp");
    MATCH("tcp.flags == 0x012");
    MATCH("tcp.flags & 0x02");
    NO_MATCH("tcp.flags & 0x04");
    /* absent field: every comparison is false, != included; not (==) is true */
    NO_MATCH("udp.srcport == 1");
    NO_MATCH("udp.srcport != 1");
    NO_MATCH("udp.srcport ~= 1");
    NO_MATCH("udp.srcport === 1");
    NO_MATCH("udp.srcport in {1..65535}");
    MATCH("not udp.srcport == 1");
}

static void booleans(void **state)
{
    (void)state;
    icmp_quote_frame();
    pkt.layer[0].u.ipv4.mf = 1;
    MATCH("ip.flags.mf");
    MATCH("ip.flags.mf == 1");
    MATCH("ip.flags.mf == True");
    MATCH("ip.flags.mf == False");      /* the quoted header has MF 0 */
    NO_MATCH("ip.flags.mf === True");
    NO_MATCH("ip.flags.mf == 2");       /* tshark: accepted, never true */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(errors_name_the_column),
        cmocka_unit_test(nesting_is_capped),
        cmocka_unit_test(long_chains),
        cmocka_unit_test(empty_and_null_pass_everything),
        cmocka_unit_test(presence),
        cmocka_unit_test(each_operator),
        cmocka_unit_test(strings),
        cmocka_unit_test(addresses_and_cidr),
        cmocka_unit_test(precedence_and_parentheses),
        cmocka_unit_test(sets),
        cmocka_unit_test(multi_occurrence),
        cmocka_unit_test(booleans),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
