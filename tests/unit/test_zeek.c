/* tests/unit/test_zeek.c: Zeek conn_state and history (core/zeek.c).
 * Expected values come from Zeek: the tm1t.pcap walk-through in zeek-docs
 * log-formats.rst (packets from its tcpdump listing, results from its conn.log), the
 * conn_state() function and the history table in scripts/base/protocols/conn/main.zeek,
 * and the state machine in src/packet_analysis/protocol/tcp/TCPSessionAdapter.cc. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/zeek.h"

#define O true                  /* from the originator */
#define R false                 /* from the responder */
#define SYN NS_ZEEK_SYN
#define ACK NS_ZEEK_ACK
#define FIN NS_ZEEK_FIN
#define RST NS_ZEEK_RST
#define PSH NS_ZEEK_PSH

/* Orig and resp ISNs of the tm1t.pcap HTTP connection. */
#define OISN 3723031366u
#define RISN 2993782376u

static void pkt(struct ns_zeek *z, bool from_orig, uint16_t flags, uint32_t seq,
                uint32_t len)
{
    (void)ns_zeek_update(z, from_orig, flags, seq, len, 1024);
}

static void expect(const struct ns_zeek *z, const char *state, const char *hist)
{
    char buf[NS_ZEEK_HIST_CAP + 1];

    assert_true(ns_zeek_history(z, buf, sizeof buf));
    assert_string_equal(buf, hist);
    assert_string_equal(ns_zeek_conn_state(z), state);
}

/* The three-way handshake of tm1t.pcap. */
static void handshake(struct ns_zeek *z)
{
    ns_zeek_init(z, 6);
    pkt(z, O, SYN, OISN, 0);
    pkt(z, R, SYN | ACK, RISN, 0);
    pkt(z, O, ACK, OISN + 1, 0);
}

/* log-formats.rst, tm1t.pcap: 192.168.4.76:46378 -> 31.3.245.133:80, all 10 packets;
 * its conn.log line says SF and ShADadFf. */
static void tm1t_http_is_sf(void **state)
{
    (void)state;
    struct ns_zeek z;

    handshake(&z);
    pkt(&z, O, PSH | ACK, OISN + 1, 77);            /* GET / HTTP/1.1 */
    pkt(&z, R, ACK, RISN + 1, 0);
    pkt(&z, R, PSH | ACK, RISN + 1, 295);           /* HTTP/1.1 200 OK */
    pkt(&z, O, ACK, OISN + 78, 0);
    pkt(&z, O, FIN | ACK, OISN + 78, 0);
    pkt(&z, R, FIN | ACK, RISN + 296, 0);
    pkt(&z, O, ACK, OISN + 79, 0);
    expect(&z, "SF", "ShADadFf");
}

/* log-formats.rst, tm1t.pcap: the DNS flow, two queries and two answers: SF, Dd. */
static void tm1t_dns_is_sf(void **state)
{
    (void)state;
    struct ns_zeek z;

    ns_zeek_init(&z, 17);
    pkt(&z, O, 0, 0, 31);
    pkt(&z, O, 0, 0, 31);
    pkt(&z, R, 0, 0, 94);
    pkt(&z, R, 0, 0, 47);
    expect(&z, "SF", "Dd");
}

/* main.zeek conn_state(), UDP branch: only the originator active -> S0; only the
 * responder -> SHR; UDP.cc records D for every datagram, even an empty one. */
static void udp_one_way(void **state)
{
    (void)state;
    struct ns_zeek z;

    ns_zeek_init(&z, 17);
    expect(&z, "OTH", "");
    pkt(&z, O, 0, 0, 0);
    expect(&z, "S0", "D");

    ns_zeek_init(&z, 17);
    pkt(&z, R, 0, 0, 12);
    expect(&z, "SHR", "d");
}

/* main.zeek: anything but TCP and UDP is OTH; the ICMP analyzer adds no history. */
static void icmp_is_oth(void **state)
{
    (void)state;
    struct ns_zeek z;

    ns_zeek_init(&z, 1);
    pkt(&z, O, 0, 0, 56);
    pkt(&z, R, 0, 0, 56);
    expect(&z, "OTH", "");
}

/* S0 "Connection attempt seen, no reply": orig SYN_SENT, resp INACTIVE. */
static void syn_only_is_s0(void **state)
{
    (void)state;
    struct ns_zeek z;

    ns_zeek_init(&z, 6);
    pkt(&z, O, SYN, 100, 0);
    expect(&z, "S0", "S");
    /* A retransmitted SYN is not a new letter (same relative seq). */
    pkt(&z, O, SYN, 100, 0);
    expect(&z, "S0", "S");
}

/* REJ: resp RESET while orig is SYN_SENT. */
static void syn_rst_is_rej(void **state)
{
    (void)state;
    struct ns_zeek z;

    ns_zeek_init(&z, 6);
    pkt(&z, O, SYN, 100, 0);
    pkt(&z, R, RST | ACK, 0, 0);
    expect(&z, "REJ", "Sr");
}

/* RSTOS0: orig RESET, resp inactive, history matches ^?S[^HAFGIQ]*R.* */
static void syn_then_orig_rst_is_rstos0(void **state)
{
    (void)state;
    struct ns_zeek z;

    ns_zeek_init(&z, 6);
    pkt(&z, O, SYN, 100, 0);
    pkt(&z, O, RST, 101, 0);
    expect(&z, "RSTOS0", "SR");

    /* Without the leading S the same states give OTH. */
    ns_zeek_init(&z, 6);
    pkt(&z, O, RST, 101, 0);
    expect(&z, "OTH", "R");
}

static void established_states(void **state)
{
    (void)state;
    struct ns_zeek z;

    handshake(&z);
    expect(&z, "S1", "ShA");            /* both ESTABLISHED */

    handshake(&z);
    pkt(&z, O, FIN | ACK, OISN + 1, 0);
    expect(&z, "S2", "ShAF");           /* orig CLOSED, resp active */

    handshake(&z);
    pkt(&z, R, FIN | ACK, RISN + 1, 0);
    expect(&z, "S3", "ShAf");           /* resp CLOSED, orig active */

    handshake(&z);
    pkt(&z, O, RST | ACK, OISN + 1, 0);
    expect(&z, "RSTO", "ShAR");         /* orig RESET, resp active */

    handshake(&z);
    pkt(&z, R, RST | ACK, RISN + 1, 0);
    expect(&z, "RSTR", "ShAr");         /* resp RESET, orig not inactive */
}

/* SH: orig SYN then FIN, no SYN-ACK. */
static void syn_fin_is_sh(void **state)
{
    (void)state;
    struct ns_zeek z;

    ns_zeek_init(&z, 6);
    pkt(&z, O, SYN, 100, 0);
    pkt(&z, O, FIN, 101, 0);
    expect(&z, "SH", "SF");
}

/* SHR and RSTRH: the responder's SYN-ACK, then its FIN or RST, the SYN never seen. */
static void synack_only_shr_rstrh(void **state)
{
    (void)state;
    struct ns_zeek z;

    ns_zeek_init(&z, 6);
    pkt(&z, R, SYN | ACK, RISN, 0);
    pkt(&z, R, FIN | ACK, RISN + 1, 0);
    expect(&z, "SHR", "hf");

    ns_zeek_init(&z, 6);
    pkt(&z, R, SYN | ACK, RISN, 0);
    pkt(&z, R, RST, RISN + 1, 0);
    expect(&z, "RSTRH", "hr");
}

/* OTH: midstream traffic; both endpoints PARTIAL. */
static void midstream_is_oth(void **state)
{
    (void)state;
    struct ns_zeek z;

    ns_zeek_init(&z, 6);
    pkt(&z, O, PSH | ACK, 5000, 100);
    pkt(&z, R, ACK, 9000, 0);
    pkt(&z, R, PSH | ACK, 9000, 40);
    expect(&z, "OTH", "Dad");
    /* Closing it both ways is still SF: the states do not ask for a SYN. */
    pkt(&z, O, FIN | ACK, 5100, 0);
    pkt(&z, R, FIN | ACK, 9040, 0);
    expect(&z, "SF", "DadFf");
}

/* 't': payload at or below LastSeq (update_last_seq); scaled 1, 10, 100 (main.zeek:
 * "the second instance represents that the event was seen (at least) 10 times"). */
static void retransmissions_scale(void **state)
{
    (void)state;
    struct ns_zeek z;

    handshake(&z);
    pkt(&z, O, PSH | ACK, OISN + 1, 77);
    pkt(&z, O, PSH | ACK, OISN + 1, 77);
    expect(&z, "S1", "ShADT");
    for (int i = 2; i < 10; i++)
        pkt(&z, O, PSH | ACK, OISN + 1, 77);
    expect(&z, "S1", "ShADT");
    pkt(&z, O, PSH | ACK, OISN + 1, 77);    /* the 10th */
    expect(&z, "S1", "ShADTT");
    for (int i = 11; i < 100; i++)
        pkt(&z, O, PSH | ACK, OISN + 1, 77);
    expect(&z, "S1", "ShADTT");
    pkt(&z, O, PSH | ACK, OISN + 1, 77);    /* the 100th */
    expect(&z, "S1", "ShADTTT");
    /* New data is no retransmission; a pure ACK at an old seq has no payload. */
    pkt(&z, O, PSH | ACK, OISN + 78, 10);
    pkt(&z, O, ACK, OISN + 1, 0);
    expect(&z, "S1", "ShADTTT");
}

/* 'w': zero window, but not on a RST nor after the peer's FIN (update_window). */
static void zero_window(void **state)
{
    (void)state;
    struct ns_zeek z;

    handshake(&z);
    (void)ns_zeek_update(&z, R, ACK, RISN + 1, 0, 0);
    expect(&z, "S1", "ShAaw");
    (void)ns_zeek_update(&z, R, ACK, RISN + 1, 0, 0);
    expect(&z, "S1", "ShAaw");              /* the 2nd of 10 */

    handshake(&z);
    (void)ns_zeek_update(&z, R, RST, RISN + 1, 0, 0);
    expect(&z, "RSTR", "ShAr");

    handshake(&z);
    pkt(&z, O, FIN | ACK, OISN + 1, 0);
    (void)ns_zeek_update(&z, R, ACK, RISN + 1, 0, 0);
    expect(&z, "S2", "ShAFa");
}

/* 'q' SYN with FIN or RST, 'i' FIN with RST; each once per direction. */
static void multi_flag_letters(void **state)
{
    (void)state;
    struct ns_zeek z;

    ns_zeek_init(&z, 6);
    pkt(&z, O, SYN | FIN, 100, 0);
    pkt(&z, O, SYN | RST, 100, 0);
    pkt(&z, R, FIN | RST | ACK, 900, 0);
    pkt(&z, R, FIN | RST | ACK, 900, 0);
    char buf[16];
    assert_true(ns_zeek_history(&z, buf, sizeof buf));
    assert_string_equal(buf, "Qi");
}

/* 'f', 'h', 'r', 's' repeat when the sequence number differs from the last one of the
 * same flag (main.zeek; update_history compares with hist_last_*). */
static void flag_letters_repeat_on_new_seq(void **state)
{
    (void)state;
    struct ns_zeek z;

    handshake(&z);
    pkt(&z, O, FIN | ACK, OISN + 1, 0);
    pkt(&z, O, FIN | ACK, OISN + 1, 0);     /* same FIN again: no letter */
    expect(&z, "S2", "ShAF");

    handshake(&z);
    pkt(&z, R, RST, RISN + 1, 0);
    pkt(&z, R, RST, RISN + 1, 0);
    pkt(&z, R, RST, RISN + 500, 0);
    expect(&z, "RSTR", "ShArr");
}

/* Connection::FlipRoles appends '^' and swaps the endpoints. */
static void flip_roles(void **state)
{
    (void)state;
    struct ns_zeek z;

    /* The caller first took the SYN-ACK's sender as originator, then flipped. */
    ns_zeek_init(&z, 6);
    pkt(&z, O, SYN | ACK, RISN, 0);
    ns_zeek_flip(&z);
    pkt(&z, O, RST, RISN + 1, 0);           /* still the caller's orientation */
    expect(&z, "RSTRH", "H^r");

    /* UpdateInactiveState: a SYN from the responder answering the originator's
     * SYN-ACK flips the roles inside Zeek and establishes both sides. */
    ns_zeek_init(&z, 6);
    assert_false(ns_zeek_update(&z, O, SYN | ACK, RISN, 0, 1024));
    assert_true(ns_zeek_update(&z, R, SYN, OISN, 0, 1024));
    expect(&z, "S1", "Hs^");
    pkt(&z, R, ACK, OISN + 1, 0);           /* now the originator in Zeek's view */
    expect(&z, "S1", "Hs^A");
}

/* The history holds NS_ZEEK_HIST_CAP letters; beyond that it reports the loss. */
static void history_cap(void **state)
{
    (void)state;
    struct ns_zeek z;
    char buf[NS_ZEEK_HIST_CAP + 1];
    char small[3];

    handshake(&z);
    for (uint32_t i = 0; i < NS_ZEEK_HIST_CAP; i++)
        pkt(&z, R, RST, RISN + 10 * i, 0);
    assert_false(ns_zeek_history(&z, buf, sizeof buf));
    assert_int_equal(strlen(buf), NS_ZEEK_HIST_CAP);
    assert_memory_equal(buf, "ShArrrr", 7);

    handshake(&z);
    assert_false(ns_zeek_history(&z, small, sizeof small));
    assert_string_equal(small, "Sh");
    assert_false(ns_zeek_history(&z, small, 0));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(tm1t_http_is_sf),
        cmocka_unit_test(tm1t_dns_is_sf),
        cmocka_unit_test(udp_one_way),
        cmocka_unit_test(icmp_is_oth),
        cmocka_unit_test(syn_only_is_s0),
        cmocka_unit_test(syn_rst_is_rej),
        cmocka_unit_test(syn_then_orig_rst_is_rstos0),
        cmocka_unit_test(established_states),
        cmocka_unit_test(syn_fin_is_sh),
        cmocka_unit_test(synack_only_shr_rstrh),
        cmocka_unit_test(midstream_is_oth),
        cmocka_unit_test(retransmissions_scale),
        cmocka_unit_test(zero_window),
        cmocka_unit_test(multi_flag_letters),
        cmocka_unit_test(flag_letters_repeat_on_new_seq),
        cmocka_unit_test(flip_roles),
        cmocka_unit_test(history_cap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
