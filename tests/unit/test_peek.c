/* Unit tests for core/peek.c and the engine's lookahead hints: for every packet of the
 * bundled captures (and ../shared/captures/real when it is there), a key the peek claims is
 * the key of the flow the engine then uses for the frame's first transport header, with
 * the same hash; every plain Ethernet/IP/TCP|UDP frame gets a claim; and every cut of a
 * plain frame is read without trusting a byte it does not have. Directories come as
 * arguments (tests/meson.build); an absent one is skipped. */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/engine.h"
#include "core/peek.h"
#include "dissectors/dissect.h"

/* Caps small enough that a fresh engine per file costs little (meson's MALLOC_PERTURB_
 * writes every byte allocated); the checks compare the engine with itself, so any caps do. */
#define SMALL .reasm_bytes = 1u << 20, .tcp_max_segments = 1u << 16

static const char *const *dirs;
static int ndirs;

struct tally {
    uint64_t files, packets, claimed, plain, plain_claimed;
};

/* A frame the peek must claim: Ethernet, VLAN tags, one IP header without extension
 * headers or fragmenting, one whole TCP/UDP header, then only DNS/TLS, nothing marked. */
static bool plain(const struct ns_rec *rec, const struct ns_pkt *pkt)
{
    if (rec->kind != NS_REC_PACKET || rec->linktype != NS_LINKTYPE_ETHERNET ||
        pkt->malformed != NS_MALFORMED_NONE || (pkt->flags & (NS_PKT_FRAGMENT | NS_PKT_REASSEMBLED)) ||
        pkt->nlayers < 3 || pkt->layer[0].proto != NS_PROTO_ETH)
        return false;
    unsigned i = 1;
    while (i < pkt->nlayers && pkt->layer[i].proto == NS_PROTO_VLAN)
        i++;
    if (i + 1 >= pkt->nlayers)
        return false;
    const struct ns_layer *ip = &pkt->layer[i], *t = &pkt->layer[i + 1];
    if (ip->proto == NS_PROTO_IPV6 ? ip->u.ipv6.ext != 0 : ip->proto != NS_PROTO_IPV4)
        return false;
    if (!(t->proto == NS_PROTO_TCP && t->hdr_len >= 20) && !(t->proto == NS_PROTO_UDP && t->hdr_len == 8))
        return false;
    for (unsigned k = i + 2; k < pkt->nlayers; k++)
        if (pkt->layer[k].proto != NS_PROTO_DNS && pkt->layer[k].proto != NS_PROTO_TLS)
            return false;
    return true;
}

/* Peeks at rec, feeds it, and checks the claim against what the engine did. */
static void check_record(struct ns_engine *e, const struct ns_rec *rec, struct tally *t)
{
    struct ns_flow_key k;
    bool claimed = ns_peek_flow_key(rec, e->track.vlan_in_key, &k);
    struct ns_engine_ahead a;
    assert_int_equal(ns_engine_prefetch_key(e, rec, &a), claimed);
    assert_int_equal(a.ok, claimed);
    if (claimed) {
        assert_int_equal(a.hash, ns_flow_key_hash(&k));
        assert_int_equal(a.tcp, k.proto == 6);
    }
    ns_engine_prefetch_flow(e, &a);
    const struct ns_frame *fr = ns_engine_feed(e, rec);
    t->packets += rec->kind == NS_REC_PACKET;
    bool is_plain = plain(rec, fr->pkt);
    t->plain += is_plain;
    t->plain_claimed += is_plain && claimed;
    if (is_plain && !claimed)
        fail_msg("frame %llu: a plain frame the peek did not claim", (unsigned long long)rec->number);
    if (!claimed)
        return;
    t->claimed++;
    /* the frame's first transport header is the one the key names */
    unsigned i = 0;
    while (i < fr->pkt->nlayers && fr->pkt->layer[i].proto != NS_PROTO_TCP &&
           fr->pkt->layer[i].proto != NS_PROTO_UDP)
        i++;
    assert_true(i < fr->pkt->nlayers);
    assert_int_equal(fr->pkt->layer[i].proto == NS_PROTO_TCP ? 6 : 17, k.proto);
    const struct ns_flow *f = ns_flow_table_find(&e->track.flows, &k);
    assert_non_null(f);
    assert_int_equal(f->hash, a.hash);
    assert_int_equal(f->stream, fr->track->stream[i]);
    if (is_plain)
        assert_int_equal(f->id, fr->track->flow_id);
}

static void run_file(const char *path, bool vlan_in_key, struct tally *t)
{
    FILE *fp = fopen(path, "rb");
    if (fp == NULL)
        return;
    uint8_t *buf = NULL;
    size_t len = 0, cap = 0, n;
    do {
        if (len == cap) {
            cap = cap ? cap * 2 : 1 << 16;
            buf = realloc(buf, cap);
            assert_non_null(buf);
        }
        n = fread(buf + len, 1, cap - len, fp);
        len += n;
    } while (n > 0);
    fclose(fp);
    struct ns_reader r;
    struct ns_err err;
    ns_reader_init(&r, buf, len);
    if (ns_reader_open(&r, &err) == NS_STATUS_OK) {
        static struct ns_engine e;      /* large: not on the stack */
        struct ns_engine_cfg cfg = { .vlan_in_key = vlan_in_key, SMALL };
        assert_int_equal(ns_engine_init(&e, &cfg, &err), NS_STATUS_OK);
        struct ns_rec rec;
        while (ns_reader_next(&r, &rec, &err) == NS_STATUS_OK)
            check_record(&e, &rec, t);
        ns_engine_fini(&e);
        t->files++;
    }
    free(buf);
}

static bool capture_name(const char *name)
{
    const char *dot = strrchr(name, '.');
    return dot != NULL && (strcmp(dot, ".pcap") == 0 || strcmp(dot, ".pcapng") == 0 ||
                           strcmp(dot, ".cap") == 0);
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every capture under dir (subdirectories too), in name order. */
static void run_dir(const char *dir, bool vlan_in_key, struct tally *t)
{
    DIR *d = opendir(dir);
    if (d == NULL)
        return;
    char *names[512];
    size_t n = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL && n < 512)
        if (de->d_name[0] != '.')
            names[n++] = strdup(de->d_name);
    closedir(d);
    qsort(names, n, sizeof *names, by_name);
    for (size_t i = 0; i < n; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        struct stat st;
        if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
            run_dir(path, vlan_in_key, t);
        else if (capture_name(names[i]))
            run_file(path, vlan_in_key, t);
        free(names[i]);
    }
}

static void corpus(bool vlan_in_key)
{
    for (int i = 0; i < ndirs; i++) {
        struct tally t = {0};
        run_dir(dirs[i], vlan_in_key, &t);
        if (t.files == 0) {
            print_message("%s: no captures, skipped\n", dirs[i]);
            continue;
        }
        print_message("%s%s: %llu files, %llu packets, %llu keys claimed, %llu of %llu plain "
                      "Eth/IP/TCP|UDP frames\n", dirs[i], vlan_in_key ? " (--vlan-in-key)" : "",
                      (unsigned long long)t.files, (unsigned long long)t.packets,
                      (unsigned long long)t.claimed, (unsigned long long)t.plain_claimed,
                      (unsigned long long)t.plain);
        assert_int_equal(t.plain_claimed, t.plain);
        assert_true(t.plain > 0);
    }
}

static void corpus_keys_agree(void **state)
{
    (void)state;
    corpus(false);
}

static void corpus_keys_agree_vlan_in_key(void **state)
{
    (void)state;
    corpus(true);
}

/* Ethernet, 802.1Q VLAN 100, IPv4 10.0.0.2 -> 10.0.0.1, TCP 40000 -> 80 SYN, no payload */
static const uint8_t vlan_syn[] = {
    0x02, 0, 0, 0, 0, 1, 0x02, 0, 0, 0, 0, 2, 0x81, 0x00, 0x00, 0x64, 0x08, 0x00,
    0x45, 0x00, 0x00, 0x28, 0x00, 0x01, 0x00, 0x00, 0x40, 0x06, 0x00, 0x00,
    10, 0, 0, 2, 10, 0, 0, 1,
    0x9c, 0x40, 0x00, 0x50, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x02, 0x04, 0x00, 0, 0, 0, 0,
};

/* Ethernet, IPv6 2001:db8::2 -> 2001:db8::1, UDP 5000 -> 53, length 8 */
static const uint8_t v6_udp[] = {
    0x02, 0, 0, 0, 0, 1, 0x02, 0, 0, 0, 0, 2, 0x86, 0xdd,
    0x60, 0, 0, 0, 0x00, 0x08, 17, 64,
    0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2,
    0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
    0x13, 0x88, 0x00, 0x35, 0x00, 0x08, 0x00, 0x00,
};

/* Every cut of each frame, from a heap copy of exactly that length (so a read past it is
 * one a sanitizer sees): the whole frame is claimed, a cut one never is (its transport
 * header is gone), and the key is the one the engine uses. */
static void cut_anywhere(void **state)
{
    (void)state;
    static const struct { const uint8_t *p; size_t n; uint16_t sport, dport; uint8_t proto; } f[] = {
        { vlan_syn, sizeof vlan_syn, 40000, 80, 6 },
        { v6_udp, sizeof v6_udp, 5000, 53, 17 },
    };
    for (int vk = 0; vk < 2; vk++) {
        static struct ns_engine e;
        struct ns_err err;
        struct ns_engine_cfg cfg = { .vlan_in_key = vk != 0, SMALL };
        assert_int_equal(ns_engine_init(&e, &cfg, &err), NS_STATUS_OK);
        for (size_t j = 0; j < sizeof f / sizeof f[0]; j++)
            for (size_t n = 0; n <= f[j].n; n++) {
                uint8_t *copy = malloc(n ? n : 1);
                assert_non_null(copy);
                memcpy(copy, f[j].p, n);
                struct ns_rec rec = { .kind = NS_REC_PACKET, .linktype = NS_LINKTYPE_ETHERNET,
                                      .caplen = (uint32_t)n, .wirelen = (uint32_t)f[j].n,
                                      .data = copy, .number = n + 1, .has_ts = true };
                struct ns_flow_key k;
                bool claimed = ns_peek_flow_key(&rec, vk != 0, &k);
                assert_int_equal(claimed, n == f[j].n);
                if (claimed) {
                    assert_int_equal(k.proto, f[j].proto);
                    assert_int_equal(k.port[0] == f[j].sport ? k.port[1] : k.port[0], f[j].dport);
                    assert_int_equal(k.vlan[0], vk && j == 0 ? 100 : 0);
                }
                struct tally t = {0};
                check_record(&e, &rec, &t);
                free(copy);
            }
        ns_engine_fini(&e);
    }
}

/* Hints never change the engine: a record peeked at and never fed, or a stale hash after
 * the table grew, leaves every result as it was. */
static void hints_are_inert(void **state)
{
    (void)state;
    static struct ns_engine e;
    struct ns_err err;
    struct ns_engine_cfg cfg = { .max_flows = 64, SMALL };
    assert_int_equal(ns_engine_init(&e, &cfg, &err), NS_STATUS_OK);
    struct ns_rec rec = { .kind = NS_REC_PACKET, .linktype = NS_LINKTYPE_ETHERNET,
                          .caplen = sizeof vlan_syn, .wirelen = sizeof vlan_syn,
                          .data = vlan_syn, .number = 1, .has_ts = true };
    struct ns_engine_ahead a;
    assert_true(ns_engine_prefetch_key(&e, &rec, &a));
    ns_engine_prefetch_flow(&e, &a);
    assert_int_equal(e.track.flows.stats.created, 0);
    assert_int_equal(e.stats.frames, 0);
    assert_false(ns_engine_lookahead_useful(&e, 1));
    ns_engine_feed(&e, &rec);
    ns_engine_prefetch_flow(&e, &a);
    assert_int_equal(e.track.flows.stats.created, 1);
    /* on from the given number of live flows; 0 takes the default, far above one */
    assert_true(ns_engine_lookahead_useful(&e, 1));
    assert_false(ns_engine_lookahead_useful(&e, 2));
    assert_false(ns_engine_lookahead_useful(&e, 0));
    assert_int_equal(e.stats.frames, 1);
    /* a hash whose slot holds another entry's tag: asks, finds nothing, changes nothing */
    struct ns_engine_ahead other = { .hash = a.hash ^ 0xffff0000u, .ok = true, .tcp = true };
    ns_engine_prefetch_flow(&e, &other);
    assert_int_equal(e.track.flows.stats.created, 1);
    ns_engine_fini(&e);
}

int main(int argc, char **argv)
{
    dirs = (const char *const *)argv + 1;
    ndirs = argc - 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(cut_anywhere),
        cmocka_unit_test(hints_are_inert),
        cmocka_unit_test(corpus_keys_agree),
        cmocka_unit_test(corpus_keys_agree_vlan_in_key),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
