/* Unit tests for the link-layer dissectors (eth.c with LLC, vlan.c, mpls.c, pppoe.c,
 * sll.c, null.c, arp.c) and for the link-type half of the dispatcher (dissect.c).
 * Frames end in an IPv4 header with protocol 253 (RFC 3692 experimentation) so that
 * nothing beyond this engineer's dissectors runs. Each frame is also cut at every length,
 * from a heap copy of exactly that many bytes so AddressSanitizer sees any over-read. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "dissectors/dissect.h"

/* One header of a test frame: where it starts, how long it is when whole, the layer it
 * gives and the reason marked when the frame ends inside it. */
struct hdr {
    size_t off, len;
    uint8_t proto;
    uint16_t reason;
    int lazy;           /* found by looking at its first byte: absent when none is there */
};

static uint8_t *copy_of(const uint8_t *frame, size_t n)
{
    uint8_t *buf = malloc(n > 0 ? n : 1);
    assert_non_null(buf);
    if (n > 0)
        memcpy(buf, frame, n);
    return buf;
}

/* Dissects every prefix of frame and checks: the first header the cut reaches is the
 * one refused, with its reason and hdr_len 0; the headers before it are whole, at their
 * offsets; no layer lies beyond the cut. A whole prefix of all headers gives OK. */
static void cut_everywhere(const uint8_t *frame, size_t flen, uint32_t linktype,
                           const struct hdr *h, size_t nh)
{
    struct ns_pkt pkt;
    for (size_t n = 0; n < flen; n++) {
        uint8_t *buf = copy_of(frame, n);
        enum ns_status st = ns_dissect_frame(buf, n, linktype, &pkt);
        size_t cut = 0;
        while (cut < nh && h[cut].off + h[cut].len <= n)
            cut++;
        if (cut < nh && h[cut].lazy && h[cut].off == n) {
            assert_int_equal(st, NS_STATUS_OK);
            assert_int_equal(pkt.malformed, NS_MALFORMED_NONE);
            assert_int_equal(pkt.nlayers, cut);
        } else if (cut < nh) {
            assert_int_equal(st, NS_STATUS_MALFORMED);
            assert_int_equal(pkt.malformed, h[cut].reason);
            assert_int_equal(pkt.nlayers, cut + 1);
            assert_int_equal(pkt.layer[cut].hdr_len, 0);
        } else {
            assert_int_equal(st, NS_STATUS_OK);
            assert_int_equal(pkt.malformed, NS_MALFORMED_NONE);
            assert_int_equal(pkt.nlayers, nh);
        }
        for (size_t i = 0; i < pkt.nlayers; i++) {
            assert_int_equal(pkt.layer[i].proto, h[i].proto);
            assert_ptr_equal(pkt.layer[i].hdr, buf + h[i].off);
            if (i < cut)
                assert_int_equal(pkt.layer[i].hdr_len, h[i].len);
        }
        free(buf);
    }
}

static enum ns_status frame(const uint8_t *f, size_t n, uint32_t linktype, struct ns_pkt *pkt)
{
    return ns_dissect_frame(f, n, linktype, pkt);
}

/* ---- Ethernet II ---------------------------------------------------------------- */

/* Ethernet 00:11:22:33:44:55 <- 66:77:88:99:aa:bb, type IPv4; IPv4 192.168.1.1 ->
 * 10.0.0.1, total length 24, protocol 253, 4 bytes of data; 6 bytes of padding. */
static const uint8_t eth_ip[] = {
    0x00, 0x11, 0x22, 0x33, 0x44, 0x55,             /* destination */
    0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb,             /* source */
    0x08, 0x00,                                     /* type IPv4 */
    0x45, 0x00, 0x00, 0x18, 0x12, 0x34, 0x40, 0x00, /* v4 IHL 5, total 24, id, DF */
    0x40, 0xfd, 0xbe, 0xef,                         /* TTL 64, proto 253, checksum */
    0xc0, 0xa8, 0x01, 0x01, 0x0a, 0x00, 0x00, 0x01, /* 192.168.1.1 -> 10.0.0.1 */
    0xde, 0xad, 0xbe, 0xef,                         /* data */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00,             /* Ethernet padding */
};

static void eth_fields(void **state)
{
    (void)state;
    struct ns_pkt pkt;
    ns_pkt_reset(&pkt);
    struct ns_cur c = ns_cur_make(eth_ip, sizeof eth_ip);
    assert_int_equal(ns_eth_dissect(&c, &pkt), NS_STATUS_OK);
    assert_int_equal(pkt.nlayers, 1);
    const struct ns_layer *l = &pkt.layer[0];
    assert_int_equal(l->proto, NS_PROTO_ETH);
    assert_int_equal(l->flags, 0);
    assert_int_equal(l->hdr_len, 14);
    assert_ptr_equal(l->hdr, eth_ip);
    assert_memory_equal(l->u.eth.dst, eth_ip, 6);
    assert_memory_equal(l->u.eth.src, eth_ip + 6, 6);
    assert_int_equal(l->u.eth.type, 0x0800);
    assert_int_equal(pkt.next.kind, NS_NEXT_ETHERTYPE);
    assert_int_equal(pkt.next.val, 0x0800);
    assert_ptr_equal(c.p, eth_ip + 14);
    assert_int_equal(c.len, sizeof eth_ip - 14);
}

static void eth_frame_trims_padding(void **state)
{
    (void)state;
    struct ns_pkt pkt;
    assert_int_equal(frame(eth_ip, sizeof eth_ip, NS_LINKTYPE_ETHERNET, &pkt), NS_STATUS_OK);
    assert_int_equal(pkt.nlayers, 2);
    assert_int_equal(pkt.layer[1].proto, NS_PROTO_IPV4);
    assert_int_equal(pkt.layer[1].flags, 0);       /* padding is not a cut */
    assert_int_equal(pkt.layer[1].u.ipv4.total_len, 24);
    assert_int_equal(pkt.flags, 0);
}

static void eth_truncated_anywhere(void **state)
{
    (void)state;
    const struct hdr h[] = {
        { 0, 14, NS_PROTO_ETH, NS_MALFORMED_ETH_SHORT },
        { 14, 20, NS_PROTO_IPV4, NS_MALFORMED_IPV4_SHORT },
    };
    cut_everywhere(eth_ip, sizeof eth_ip, NS_LINKTYPE_ETHERNET, h, 2);
}

/* 802.3: length 7 (3 bytes LLC, U-format UI, + 4 of data), 6 bytes of padding. */
static const uint8_t eth_llc[] = {
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01,
    0x00, 0x07,                                     /* 802.3 length 7 */
    0x42, 0x43, 0x03,                               /* DSAP 0x42, SSAP 0x43, UI */
    0x01, 0x02, 0x03, 0x04,                         /* data */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00,             /* padding */
};

static void eth_8023_llc(void **state)
{
    (void)state;
    struct ns_pkt pkt;
    assert_int_equal(frame(eth_llc, sizeof eth_llc, NS_LINKTYPE_ETHERNET, &pkt), NS_STATUS_OK);
    assert_int_equal(pkt.nlayers, 2);
    assert_int_equal(pkt.layer[0].u.eth.type, 7);
    assert_int_equal(pkt.layer[0].flags, 0);
    const struct ns_layer *l = &pkt.layer[1];
    assert_int_equal(l->proto, NS_PROTO_LLC);
    assert_int_equal(l->hdr_len, 3);
    assert_int_equal(l->u.llc.dsap, 0x42);
    assert_int_equal(l->u.llc.ssap, 0x43);
    assert_int_equal(l->u.llc.ctrl, 0x03);
    assert_int_equal(pkt.next.kind, NS_NEXT_NONE);

    /* The 802.3 length bounds the LLC PDU: a cursor is left at the 4 data bytes. */
    ns_pkt_reset(&pkt);
    struct ns_cur c = ns_cur_make(eth_llc, sizeof eth_llc);
    assert_int_equal(ns_eth_dissect(&c, &pkt), NS_STATUS_OK);
    assert_int_equal(c.len, 7);
    assert_int_equal(ns_llc_dissect(&c, &pkt), NS_STATUS_OK);
    assert_int_equal(c.len, 4);
    assert_ptr_equal(c.p, eth_llc + 17);

    const struct hdr h[] = {
        { 0, 14, NS_PROTO_ETH, NS_MALFORMED_ETH_SHORT },
        { 14, 3, NS_PROTO_LLC, NS_MALFORMED_LLC_SHORT },
    };
    cut_everywhere(eth_llc, sizeof eth_llc, NS_LINKTYPE_ETHERNET, h, 2);
}

/* An 802.3 length above what was captured is clamped and flags the layer; an LLC
 * I-format PDU has a 2-byte control field, which the length here cuts. */
static void eth_8023_cut_and_iframe(void **state)
{
    (void)state;
    static const uint8_t f[] = {
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01,
        0x00, 0x03,                                 /* length 3 */
        0xaa, 0xaa, 0x00, 0x00,                     /* I-format: control is 2 bytes */
    };
    struct ns_pkt pkt;
    assert_int_equal(frame(f, sizeof f, NS_LINKTYPE_ETHERNET, &pkt), NS_STATUS_MALFORMED);
    assert_int_equal(pkt.malformed, NS_MALFORMED_LLC_SHORT);
    assert_int_equal(pkt.nlayers, 2);
    assert_int_equal(pkt.layer[1].hdr_len, 0);

    static const uint8_t g[] = {
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01,
        0x05, 0xdc,                                 /* length 1500, 4 bytes captured */
        0xaa, 0xaa, 0x00, 0x00,                     /* I-format, 2-byte control */
    };
    assert_int_equal(frame(g, sizeof g, NS_LINKTYPE_ETHERNET, &pkt), NS_STATUS_OK);
    assert_int_equal(pkt.layer[0].flags, NS_LAYER_CUT);
    assert_int_equal(pkt.layer[1].hdr_len, 4);
    assert_int_equal(pkt.layer[1].u.llc.ctrl, 0x00);
}

/* Type 0x05f0 (1520) is neither a length nor an ethertype: Ethernet only, not malformed. */
static void eth_invalid_type_stops(void **state)
{
    (void)state;
    uint8_t f[sizeof eth_ip];
    memcpy(f, eth_ip, sizeof f);
    f[12] = 0x05;
    f[13] = 0xf0;
    struct ns_pkt pkt;
    assert_int_equal(frame(f, sizeof f, NS_LINKTYPE_ETHERNET, &pkt), NS_STATUS_OK);
    assert_int_equal(pkt.nlayers, 1);
    assert_int_equal(pkt.layer[0].u.eth.type, 0x05f0);
    assert_int_equal(pkt.malformed, NS_MALFORMED_NONE);
    ns_pkt_reset(&pkt);
    struct ns_cur c = ns_cur_make(f, sizeof f);
    assert_int_equal(ns_eth_dissect(&c, &pkt), NS_STATUS_OK);
    assert_int_equal(pkt.next.kind, NS_NEXT_NONE);
    f[12] = 0x88;                                   /* 0x88cc LLDP: not followed */
    f[13] = 0xcc;
    assert_int_equal(frame(f, sizeof f, NS_LINKTYPE_ETHERNET, &pkt), NS_STATUS_OK);
    assert_int_equal(pkt.nlayers, 1);
}

/* ---- VLAN ----------------------------------------------------------------------- */

/* 802.1ad S-tag (PCP 5, DEI 1, VID 0x123) then C-tag (PCP 0, VID 7) then IPv4. */
static const uint8_t qinq_ip[] = {
    0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb,
    0x88, 0xa8,                                     /* TPID 802.1ad */
    0xb1, 0x23, 0x81, 0x00,                         /* PCP 5 DEI 1 VID 0x123; 802.1Q */
    0x00, 0x07, 0x08, 0x00,                         /* VID 7; IPv4 */
    0x45, 0x00, 0x00, 0x14, 0x00, 0x01, 0x00, 0x00, 0x40, 0xfd, 0x00, 0x00,
    0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, /* 1.2.3.4 -> 5.6.7.8, no data */
};

static void vlan_qinq(void **state)
{
    (void)state;
    struct ns_pkt pkt;
    assert_int_equal(frame(qinq_ip, sizeof qinq_ip, NS_LINKTYPE_ETHERNET, &pkt), NS_STATUS_OK);
    assert_int_equal(pkt.nlayers, 4);
    const struct ns_layer *s = &pkt.layer[1], *q = &pkt.layer[2];
    assert_int_equal(s->proto, NS_PROTO_VLAN);
    assert_int_equal(s->hdr_len, 4);
    assert_int_equal(s->u.vlan.tpid, 0x88a8);
    assert_int_equal(s->u.vlan.pcp, 5);
    assert_int_equal(s->u.vlan.dei, 1);
    assert_int_equal(s->u.vlan.id, 0x123);
    assert_int_equal(s->u.vlan.etype, 0x8100);
    assert_int_equal(q->u.vlan.tpid, 0x8100);
    assert_int_equal(q->u.vlan.pcp, 0);
    assert_int_equal(q->u.vlan.dei, 0);
    assert_int_equal(q->u.vlan.id, 7);
    assert_int_equal(q->u.vlan.etype, 0x0800);
    assert_int_equal(pkt.layer[3].proto, NS_PROTO_IPV4);

    const struct hdr h[] = {
        { 0, 14, NS_PROTO_ETH, NS_MALFORMED_ETH_SHORT },
        { 14, 4, NS_PROTO_VLAN, NS_MALFORMED_VLAN_SHORT },
        { 18, 4, NS_PROTO_VLAN, NS_MALFORMED_VLAN_SHORT },
        { 22, 20, NS_PROTO_IPV4, NS_MALFORMED_IPV4_SHORT },
    };
    cut_everywhere(qinq_ip, sizeof qinq_ip, NS_LINKTYPE_ETHERNET, h, 4);
}

/* Builds Ethernet + ntags 0x8100 tags (VID = index) + IPv4; returns the length. */
static size_t vlan_stack(uint8_t *f, unsigned ntags)
{
    size_t n = 0;
    memcpy(f, eth_ip, 12);
    n = 12;
    for (unsigned i = 0; i < ntags; i++) {
        f[n++] = 0x81;
        f[n++] = 0x00;
        f[n++] = 0x00;
        f[n++] = (uint8_t)i;
    }
    memcpy(f + n, eth_ip + 12, sizeof eth_ip - 12);
    return n + sizeof eth_ip - 12;
}

static void vlan_depth_cap(void **state)
{
    (void)state;
    uint8_t f[256];
    struct ns_pkt pkt;
    size_t n = vlan_stack(f, NS_VLAN_MAX_TAGS);
    assert_int_equal(frame(f, n, NS_LINKTYPE_ETHERNET, &pkt), NS_STATUS_OK);
    assert_int_equal(pkt.nlayers, 1 + NS_VLAN_MAX_TAGS + 1);
    assert_int_equal(pkt.layer[NS_VLAN_MAX_TAGS].u.vlan.id, NS_VLAN_MAX_TAGS - 1);

    n = vlan_stack(f, NS_VLAN_MAX_TAGS + 1);
    assert_int_equal(frame(f, n, NS_LINKTYPE_ETHERNET, &pkt), NS_STATUS_MALFORMED);
    assert_int_equal(pkt.malformed, NS_MALFORMED_VLAN_DEPTH);
    assert_int_equal(pkt.nlayers, 1 + NS_VLAN_MAX_TAGS);    /* the extra tag adds nothing */
}

/* A VLAN tag whose type is an 802.3 length: the payload is clamped to it, LLC follows. */
static void vlan_8023_length(void **state)
{
    (void)state;
    static const uint8_t f[] = {
        0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb,
        0x81, 0x00, 0x00, 0x05, 0x00, 0x04,         /* VID 5, length 4 */
        0x42, 0x42, 0x03, 0x99,                     /* LLC, 1 data byte */
        0x00, 0x00,                                 /* padding */
    };
    struct ns_pkt pkt;
    ns_pkt_reset(&pkt);
    struct ns_cur c = ns_cur_make(f + 14, sizeof f - 14);
    assert_int_equal(ns_vlan_dissect(&c, &pkt, 0x8100), NS_STATUS_OK);
    assert_int_equal(c.len, 4);
    assert_int_equal(pkt.next.kind, NS_NEXT_ETHERTYPE);
    assert_int_equal(pkt.next.val, 4);

    assert_int_equal(frame(f, sizeof f, NS_LINKTYPE_ETHERNET, &pkt), NS_STATUS_OK);
    assert_int_equal(pkt.nlayers, 3);
    assert_int_equal(pkt.layer[2].proto, NS_PROTO_LLC);
    assert_int_equal(pkt.layer[2].u.llc.dsap, 0x42);
}

/* ---- MPLS ----------------------------------------------------------------------- */

/* Two labels (16, TC 5, TTL 255; 0xfffff, BoS, TTL 1) then IPv4. */
static const uint8_t mpls_ip[] = {
    0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb,
    0x88, 0x47,
    0x00, 0x01, 0x0a, 0xff,                         /* label 16, TC 5, S 0, TTL 255 */
    0xff, 0xff, 0xf1, 0x01,                         /* label 0xfffff, TC 0, S 1, TTL 1 */
    0x45, 0x00, 0x00, 0x14, 0x00, 0x01, 0x00, 0x00, 0x40, 0xfd, 0x00, 0x00,
    0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
};

static void mpls_stack(void **state)
{
    (void)state;
    struct ns_pkt pkt;
    assert_int_equal(frame(mpls_ip, sizeof mpls_ip, NS_LINKTYPE_ETHERNET, &pkt), NS_STATUS_OK);
    assert_int_equal(pkt.nlayers, 4);
    const struct ns_layer *a = &pkt.layer[1], *b = &pkt.layer[2];
    assert_int_equal(a->proto, NS_PROTO_MPLS);
    assert_int_equal(a->hdr_len, 4);
    assert_int_equal(a->u.mpls.label, 16);
    assert_int_equal(a->u.mpls.tc, 5);
    assert_int_equal(a->u.mpls.bos, 0);
    assert_int_equal(a->u.mpls.ttl, 255);
    assert_int_equal(b->u.mpls.label, 0xfffff);
    assert_int_equal(b->u.mpls.tc, 0);
    assert_int_equal(b->u.mpls.bos, 1);
    assert_int_equal(b->u.mpls.ttl, 1);
    assert_int_equal(pkt.layer[3].proto, NS_PROTO_IPV4);

    /* Cut right after the bottom entry there is no nibble to look at: no IP layer, OK. */
    const struct hdr h[] = {
        { 0, 14, NS_PROTO_ETH, NS_MALFORMED_ETH_SHORT, 0 },
        { 14, 4, NS_PROTO_MPLS, NS_MALFORMED_MPLS_SHORT, 0 },
        { 18, 4, NS_PROTO_MPLS, NS_MALFORMED_MPLS_SHORT, 0 },
        { 22, 20, NS_PROTO_IPV4, NS_MALFORMED_IPV4_SHORT, 1 },
    };
    cut_everywhere(mpls_ip, sizeof mpls_ip, NS_LINKTYPE_ETHERNET, h, 4);
}

/* Below the bottom of the stack, a first nibble other than 4 or 6 (here a pseudowire
 * control word, 0) is not followed; IPv6 (6) is. */
static void mpls_payload_nibble(void **state)
{
    (void)state;
    uint8_t f[sizeof mpls_ip];
    memcpy(f, mpls_ip, sizeof f);
    struct ns_pkt pkt;
    f[22] = 0x00;
    assert_int_equal(frame(f, sizeof f, NS_LINKTYPE_ETHERNET, &pkt), NS_STATUS_OK);
    assert_int_equal(pkt.nlayers, 3);
    assert_int_equal(pkt.malformed, NS_MALFORMED_NONE);
    f[22] = 0x60;                               /* IPv6, but only 20 bytes: cut */
    assert_int_equal(frame(f, sizeof f, NS_LINKTYPE_ETHERNET, &pkt), NS_STATUS_MALFORMED);
    assert_int_equal(pkt.malformed, NS_MALFORMED_IPV6_SHORT);
    assert_int_equal(pkt.layer[3].proto, NS_PROTO_IPV6);
}

static void mpls_depth_cap(void **state)
{
    (void)state;
    uint8_t f[128];
    struct ns_pkt pkt;
    for (unsigned depth = NS_MPLS_MAX_LABELS; depth <= NS_MPLS_MAX_LABELS + 1; depth++) {
        size_t n = 0;
        memcpy(f, mpls_ip, 14);
        n = 14;
        for (unsigned i = 0; i < depth; i++) {
            f[n++] = 0x00;
            f[n++] = 0x00;
            f[n++] = (uint8_t)(0x10 | (i + 1 == depth ? 1 : 0));   /* label 1, BoS last */
            f[n++] = 0x40;
        }
        memcpy(f + n, mpls_ip + 22, 20);
        n += 20;
        enum ns_status st = frame(f, n, NS_LINKTYPE_ETHERNET, &pkt);
        if (depth == NS_MPLS_MAX_LABELS) {
            assert_int_equal(st, NS_STATUS_OK);
            assert_int_equal(pkt.nlayers, 1 + depth + 1);
        } else {
            assert_int_equal(st, NS_STATUS_MALFORMED);
            assert_int_equal(pkt.malformed, NS_MALFORMED_MPLS_DEPTH);
            assert_int_equal(pkt.nlayers, 1 + NS_MPLS_MAX_LABELS);
        }
    }
}

/* ---- PPPoE ---------------------------------------------------------------------- */

/* PPPoE session 0x1234, length 22 (PPP protocol 0x0021 + 20-byte IPv4), 4 padding bytes. */
static const uint8_t pppoe_ip[] = {
    0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb,
    0x88, 0x64,
    0x11, 0x00, 0x12, 0x34, 0x00, 0x16,             /* ver 1 type 1, code 0, session, len 22 */
    0x00, 0x21,                                     /* PPP: IPv4 */
    0x45, 0x00, 0x00, 0x14, 0x00, 0x01, 0x00, 0x00, 0x40, 0xfd, 0x00, 0x00,
    0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
    0xee, 0xee, 0xee, 0xee,                         /* padding */
};

static void pppoe_session(void **state)
{
    (void)state;
    struct ns_pkt pkt;
    ns_pkt_reset(&pkt);
    struct ns_cur c = ns_cur_make(pppoe_ip + 14, sizeof pppoe_ip - 14);
    assert_int_equal(ns_pppoe_dissect(&c, &pkt), NS_STATUS_OK);
    const struct ns_layer *l = &pkt.layer[0];
    assert_int_equal(l->proto, NS_PROTO_PPPOE);
    assert_int_equal(l->flags, 0);
    assert_int_equal(l->hdr_len, 8);
    assert_int_equal(l->u.pppoe.session, 0x1234);
    assert_int_equal(l->u.pppoe.len, 22);
    assert_int_equal(l->u.pppoe.ppp_proto, 0x0021);
    assert_int_equal(pkt.next.kind, NS_NEXT_PPP);
    assert_int_equal(pkt.next.val, 0x0021);
    assert_ptr_equal(c.p, pppoe_ip + 22);
    assert_int_equal(c.len, 20);                    /* padding is not payload */

    assert_int_equal(frame(pppoe_ip, sizeof pppoe_ip, NS_LINKTYPE_ETHERNET, &pkt), NS_STATUS_OK);
    assert_int_equal(pkt.nlayers, 3);
    assert_int_equal(pkt.layer[2].proto, NS_PROTO_IPV4);

    const struct hdr h[] = {
        { 0, 14, NS_PROTO_ETH, NS_MALFORMED_ETH_SHORT },
        { 14, 8, NS_PROTO_PPPOE, NS_MALFORMED_PPPOE_SHORT },
        { 22, 20, NS_PROTO_IPV4, NS_MALFORMED_IPV4_SHORT },
    };
    cut_everywhere(pppoe_ip, sizeof pppoe_ip, NS_LINKTYPE_ETHERNET, h, 3);
}

static void pppoe_bad(void **state)
{
    (void)state;
    uint8_t f[sizeof pppoe_ip];
    struct ns_pkt pkt;

    memcpy(f, pppoe_ip, sizeof f);
    f[14] = 0x21;                                   /* version 2 */
    assert_int_equal(frame(f, sizeof f, NS_LINKTYPE_ETHERNET, &pkt), NS_STATUS_MALFORMED);
    assert_int_equal(pkt.malformed, NS_MALFORMED_PPPOE_VERSION);
    assert_int_equal(pkt.nlayers, 2);
    assert_int_equal(pkt.layer[1].u.pppoe.session, 0x1234);

    memcpy(f, pppoe_ip, sizeof f);
    f[19] = 0x01;                                   /* length 1: no room for the protocol */
    assert_int_equal(frame(f, sizeof f, NS_LINKTYPE_ETHERNET, &pkt), NS_STATUS_MALFORMED);
    assert_int_equal(pkt.malformed, NS_MALFORMED_PPPOE_SHORT);

    memcpy(f, pppoe_ip, sizeof f);
    f[18] = 0x01;                                   /* length 278: more than captured */
    assert_int_equal(frame(f, sizeof f, NS_LINKTYPE_ETHERNET, &pkt), NS_STATUS_OK);
    assert_int_equal(pkt.layer[1].flags, NS_LAYER_CUT);
    assert_int_equal(pkt.layer[2].proto, NS_PROTO_IPV4);

    memcpy(f, pppoe_ip, sizeof f);
    f[20] = 0x00;                                   /* PPP protocol 0x0057 IPv6 over IPv4 bytes */
    f[21] = 0x57;
    assert_int_equal(frame(f, sizeof f, NS_LINKTYPE_ETHERNET, &pkt), NS_STATUS_MALFORMED);
    assert_int_equal(pkt.malformed, NS_MALFORMED_IPV6_VERSION);

    memcpy(f, pppoe_ip, sizeof f);
    f[21] = 0x23;                                   /* 0x0023: not followed */
    assert_int_equal(frame(f, sizeof f, NS_LINKTYPE_ETHERNET, &pkt), NS_STATUS_OK);
    assert_int_equal(pkt.nlayers, 2);
}

/* RFC 1661 section 6.5: a compressed (1-byte, odd) protocol field. */
static void pppoe_compressed_protocol(void **state)
{
    (void)state;
    static const uint8_t f[] = {
        0x11, 0x00, 0x00, 0x01, 0x00, 0x15,         /* length 21 */
        0x21,                                       /* IPv4, compressed */
        0x45, 0x00, 0x00, 0x14, 0x00, 0x01, 0x00, 0x00, 0x40, 0xfd, 0x00, 0x00,
        0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
    };
    struct ns_pkt pkt;
    ns_pkt_reset(&pkt);
    struct ns_cur c = ns_cur_make(f, sizeof f);
    assert_int_equal(ns_pppoe_dissect(&c, &pkt), NS_STATUS_OK);
    assert_int_equal(pkt.layer[0].u.pppoe.ppp_proto, 0x21);
    assert_int_equal(pkt.layer[0].hdr_len, 7);
    assert_int_equal(c.len, 20);
}

/* ---- Linux cooked (SLL, SLL2) ----------------------------------------------------- */

/* SLL: outgoing (4), ARPHRD_ETHER (1), 6-byte address, protocol IPv4. */
static const uint8_t sll_ip[] = {
    0x00, 0x04, 0x00, 0x01, 0x00, 0x06,             /* pkttype, hatype, halen */
    0x02, 0x42, 0xac, 0x11, 0x00, 0x02, 0x00, 0x00, /* address, 8 bytes */
    0x08, 0x00,                                     /* protocol */
    0x45, 0x00, 0x00, 0x14, 0x00, 0x01, 0x00, 0x00, 0x40, 0xfd, 0x00, 0x00,
    0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
};

static void sll_fields(void **state)
{
    (void)state;
    struct ns_pkt pkt;
    assert_int_equal(frame(sll_ip, sizeof sll_ip, NS_LINKTYPE_LINUX_SLL, &pkt), NS_STATUS_OK);
    assert_int_equal(pkt.nlayers, 2);
    const struct ns_layer *l = &pkt.layer[0];
    assert_int_equal(l->proto, NS_PROTO_SLL);
    assert_int_equal(l->hdr_len, 16);
    assert_int_equal(l->u.sll.pkttype, 4);
    assert_int_equal(l->u.sll.hatype, 1);
    assert_int_equal(l->u.sll.halen, 6);
    assert_memory_equal(l->u.sll.addr, sll_ip + 6, 8);
    assert_int_equal(l->u.sll.proto, 0x0800);
    assert_int_equal(l->u.sll.ifindex, 0);
    assert_int_equal(pkt.layer[1].proto, NS_PROTO_IPV4);

    const struct hdr h[] = {
        { 0, 16, NS_PROTO_SLL, NS_MALFORMED_SLL_SHORT },
        { 16, 20, NS_PROTO_IPV4, NS_MALFORMED_IPV4_SHORT },
    };
    cut_everywhere(sll_ip, sizeof sll_ip, NS_LINKTYPE_LINUX_SLL, h, 2);
}

/* The protocol field by ARPHRD type (LINKTYPE_LINUX_SLL spec). */
static void sll_protocol_kinds(void **state)
{
    (void)state;
    uint8_t f[64];
    struct ns_pkt pkt;
    static const struct {
        uint16_t hatype, proto;
        uint8_t kind;
        uint16_t val;
    } cases[] = {
        { 1, 0x86dd, NS_NEXT_ETHERTYPE, 0x86dd },
        { 778, 0x0800, NS_NEXT_ETHERTYPE, 0x0800 },   /* ARPHRD_IPGRE: a GRE type */
        { 778, 0x0003, NS_NEXT_ETHERTYPE, 0x0003 },   /* ... even a small one */
        { 824, 0x0800, NS_NEXT_NONE, 0 },             /* ARPHRD_NETLINK: a family */
        { 1, 0x0003, NS_NEXT_ETHERTYPE, 0x6558 },     /* an Ethernet header follows */
        { 1, 0x0004, NS_NEXT_ETHERTYPE, 0x0004 },     /* 802.2 LLC follows */
        { 1, 0x0001, NS_NEXT_NONE, 0 },               /* Novell 802.3 */
        { 280, 0x000c, NS_NEXT_NONE, 0 },             /* CAN */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        memcpy(f, sll_ip, 16);
        f[2] = (uint8_t)(cases[i].hatype >> 8);
        f[3] = (uint8_t)cases[i].hatype;
        f[14] = (uint8_t)(cases[i].proto >> 8);
        f[15] = (uint8_t)cases[i].proto;
        ns_pkt_reset(&pkt);
        struct ns_cur c = ns_cur_make(f, 16);
        assert_int_equal(ns_sll_dissect(&c, &pkt), NS_STATUS_OK);
        assert_int_equal(pkt.next.kind, cases[i].kind);
        if (cases[i].kind != NS_NEXT_NONE)
            assert_int_equal(pkt.next.val, cases[i].val);
    }
}

/* SLL2: protocol IPv6, ifindex 3, ARPHRD_ETHER, pkttype 0 (to us), halen 6. */
static const uint8_t sll2_frame[] = {
    0x86, 0xdd, 0x00, 0x00,                         /* protocol, reserved */
    0x00, 0x00, 0x00, 0x03,                         /* interface index */
    0x00, 0x01, 0x00, 0x06,                         /* hatype, pkttype, halen */
    0x52, 0x54, 0x00, 0x12, 0x34, 0x56, 0x00, 0x00, /* address */
};

static void sll2_fields(void **state)
{
    (void)state;
    struct ns_pkt pkt;
    ns_pkt_reset(&pkt);
    struct ns_cur c = ns_cur_make(sll2_frame, sizeof sll2_frame);
    assert_int_equal(ns_sll2_dissect(&c, &pkt), NS_STATUS_OK);
    const struct ns_layer *l = &pkt.layer[0];
    assert_int_equal(l->proto, NS_PROTO_SLL2);
    assert_int_equal(l->hdr_len, 20);
    assert_int_equal(l->u.sll.proto, 0x86dd);
    assert_int_equal(l->u.sll.ifindex, 3);
    assert_int_equal(l->u.sll.hatype, 1);
    assert_int_equal(l->u.sll.pkttype, 0);
    assert_int_equal(l->u.sll.halen, 6);
    assert_memory_equal(l->u.sll.addr, sll2_frame + 12, 8);
    assert_int_equal(pkt.next.kind, NS_NEXT_ETHERTYPE);
    assert_int_equal(pkt.next.val, 0x86dd);
    assert_int_equal(c.len, 0);

    const struct hdr h[] = { { 0, 20, NS_PROTO_SLL2, NS_MALFORMED_SLL2_SHORT } };
    cut_everywhere(sll2_frame, sizeof sll2_frame, NS_LINKTYPE_LINUX_SLL2, h, 1);
}

/* ---- BSD NULL and LOOP ------------------------------------------------------------ */

/* Each 4-byte header and what the NULL dissector makes of it. */
static void null_families(void **state)
{
    (void)state;
    static const struct {
        uint8_t h[4];
        uint32_t family;
        uint8_t kind;
        uint16_t val;
    } cases[] = {
        { { 0x02, 0x00, 0x00, 0x00 }, 2, NS_NEXT_IP, 0 },                 /* AF_INET, LE */
        { { 0x00, 0x00, 0x00, 0x02 }, 2, NS_NEXT_IP, 0 },                 /* AF_INET, BE */
        { { 0x00, 0x02, 0x00, 0x00 }, 2, NS_NEXT_IP, 0 },                 /* IRIX, 16-bit BE */
        { { 0x18, 0x00, 0x00, 0x00 }, 24, NS_NEXT_ETHERTYPE, 0x86dd },    /* BSD AF_INET6 */
        { { 0x00, 0x00, 0x00, 0x1c }, 28, NS_NEXT_ETHERTYPE, 0x86dd },    /* FreeBSD, BE */
        { { 0x1e, 0x00, 0x00, 0x00 }, 30, NS_NEXT_ETHERTYPE, 0x86dd },    /* Darwin */
        { { 0x0a, 0x00, 0x00, 0x00 }, 10, NS_NEXT_ETHERTYPE, 0x86dd },    /* Linux */
        { { 0x00, 0x00, 0x08, 0x00 }, 0x0800, NS_NEXT_ETHERTYPE, 0x0800 },/* old Linux */
        { { 0x0f, 0x00, 0x08, 0x00 }, 0x0800, NS_NEXT_ETHERTYPE, 0x0800 },/* pcpp odd one */
        { { 0x00, 0x00, 0x86, 0xdd }, 0x86dd, NS_NEXT_ETHERTYPE, 0x86dd },
        { { 0x07, 0x00, 0x00, 0x00 }, 7, NS_NEXT_NONE, 0 },               /* AF_ISO */
        { { 0x00, 0x05, 0x00, 0x00 }, 5, NS_NEXT_NONE, 0 },               /* IRIX, unknown */
        { { 0x00, 0x01, 0x00, 0x02 }, 0x00010002, NS_NEXT_NONE, 0 },      /* above 1500, but
                                                              its low 16 bits are no type */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct ns_pkt pkt;
        ns_pkt_reset(&pkt);
        struct ns_cur c = ns_cur_make(cases[i].h, 4);
        assert_int_equal(ns_null_dissect(&c, &pkt, 0), NS_STATUS_OK);
        assert_int_equal(pkt.layer[0].proto, NS_PROTO_NULL);
        assert_int_equal(pkt.layer[0].hdr_len, 4);
        assert_int_equal(pkt.layer[0].u.null.family, cases[i].family);
        assert_int_equal(pkt.next.kind, cases[i].kind);
        assert_int_equal(pkt.next.val, cases[i].val);
    }
}

/* FF 03: PPP in HDLC-like framing, the protocol in bytes 2..3. */
static void null_ppp_hdlc(void **state)
{
    (void)state;
    static const uint8_t h[] = { 0xff, 0x03, 0x00, 0x21 };
    struct ns_pkt pkt;
    ns_pkt_reset(&pkt);
    struct ns_cur c = ns_cur_make(h, sizeof h);
    assert_int_equal(ns_null_dissect(&c, &pkt, 0), NS_STATUS_OK);
    assert_int_equal(pkt.layer[0].u.null.family, 0xff030021u);
    assert_int_equal(pkt.next.kind, NS_NEXT_PPP);
    assert_int_equal(pkt.next.val, 0x0021);
}

/* NULL header 02 00 00 00, IPv4 1.2.3.4 -> 5.6.7.8 */
static const uint8_t null_ip[] = {
    0x02, 0x00, 0x00, 0x00,
    0x45, 0x00, 0x00, 0x14, 0x00, 0x01, 0x00, 0x00, 0x40, 0xfd, 0x00, 0x00,
    0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
};

static void null_frame_and_cuts(void **state)
{
    (void)state;
    struct ns_pkt pkt;
    assert_int_equal(frame(null_ip, sizeof null_ip, NS_LINKTYPE_NULL, &pkt), NS_STATUS_OK);
    assert_int_equal(pkt.nlayers, 2);
    assert_int_equal(pkt.layer[1].proto, NS_PROTO_IPV4);
    const struct hdr h[] = {
        { 0, 4, NS_PROTO_NULL, NS_MALFORMED_NULL_SHORT },
        { 4, 20, NS_PROTO_IPV4, NS_MALFORMED_IPV4_SHORT },
    };
    cut_everywhere(null_ip, sizeof null_ip, NS_LINKTYPE_NULL, h, 2);
}

/* LOOP: big-endian, family list only (no ethertype rule, no byte-order guessing). */
static void loop_families(void **state)
{
    (void)state;
    uint8_t f[sizeof null_ip];
    memcpy(f, null_ip, sizeof f);
    struct ns_pkt pkt;
    static const uint8_t be2[] = { 0x00, 0x00, 0x00, 0x02 };
    memcpy(f, be2, 4);
    assert_int_equal(frame(f, sizeof f, NS_LINKTYPE_LOOP, &pkt), NS_STATUS_OK);
    assert_int_equal(pkt.nlayers, 2);
    assert_int_equal(pkt.layer[0].u.null.family, 2);
    static const uint8_t le2[] = { 0x02, 0x00, 0x00, 0x00 };
    memcpy(f, le2, 4);
    assert_int_equal(frame(f, sizeof f, NS_LINKTYPE_LOOP, &pkt), NS_STATUS_OK);
    assert_int_equal(pkt.nlayers, 1);
    assert_int_equal(pkt.layer[0].u.null.family, 0x02000000u);
    static const uint8_t et[] = { 0x00, 0x00, 0x08, 0x00 };
    memcpy(f, et, 4);
    assert_int_equal(frame(f, sizeof f, NS_LINKTYPE_LOOP, &pkt), NS_STATUS_OK);
    assert_int_equal(pkt.nlayers, 1);
    assert_int_equal(frame(f, 3, NS_LINKTYPE_LOOP, &pkt), NS_STATUS_MALFORMED);
    assert_int_equal(pkt.malformed, NS_MALFORMED_NULL_SHORT);
}

/* ---- ARP ------------------------------------------------------------------------ */

/* ARP request over Ethernet, 18 bytes of padding. */
static const uint8_t eth_arp[] = {
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55,
    0x08, 0x06,
    0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01, /* Ethernet, IPv4, 6, 4, request */
    0x00, 0x11, 0x22, 0x33, 0x44, 0x55,             /* sender MAC */
    0xc0, 0xa8, 0x00, 0x01,                         /* sender 192.168.0.1 */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00,             /* target MAC */
    0xc0, 0xa8, 0x00, 0x02,                         /* target 192.168.0.2 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
};

static void arp_fields(void **state)
{
    (void)state;
    struct ns_pkt pkt;
    assert_int_equal(frame(eth_arp, sizeof eth_arp, NS_LINKTYPE_ETHERNET, &pkt), NS_STATUS_OK);
    assert_int_equal(pkt.nlayers, 2);
    const struct ns_layer *l = &pkt.layer[1];
    assert_int_equal(l->proto, NS_PROTO_ARP);
    assert_int_equal(l->hdr_len, 28);
    assert_int_equal(l->u.arp.htype, 1);
    assert_int_equal(l->u.arp.ptype, 0x0800);
    assert_int_equal(l->u.arp.hlen, 6);
    assert_int_equal(l->u.arp.plen, 4);
    assert_int_equal(l->u.arp.op, 1);
    assert_ptr_equal(l->u.arp.sha, eth_arp + 22);
    assert_ptr_equal(l->u.arp.spa, eth_arp + 28);
    assert_ptr_equal(l->u.arp.tha, eth_arp + 32);
    assert_ptr_equal(l->u.arp.tpa, eth_arp + 38);
    assert_int_equal(pkt.next.kind, NS_NEXT_NONE);

    const struct hdr h[] = {
        { 0, 14, NS_PROTO_ETH, NS_MALFORMED_ETH_SHORT },
        { 14, 28, NS_PROTO_ARP, NS_MALFORMED_ARP_SHORT },
    };
    cut_everywhere(eth_arp, sizeof eth_arp, NS_LINKTYPE_ETHERNET, h, 2);
}

/* tcpdump-arp-too-long-tha.pcap: under an 802.1ad tag, hardware type 0x3030, hardware
 * size 14. RFC 826 allows any size; the addresses are within the capture, so the layer
 * is whole and nothing is marked (tshark shows it the same way). */
static const uint8_t arp_long_hlen[] = {
    0x30, 0x30, 0x30, 0x30, 0x30, 0x30, 0x30, 0x30, 0x30, 0x30, 0x30, 0x30,
    0x88, 0xa8, 0x30, 0x30, 0x08, 0x06,             /* S-tag VID 48, ARP */
    0x30, 0x30, 0x08, 0x00, 0x0e, 0x04, 0x00, 0x01, /* htype 0x3030, IPv4, 14, 4, request */
    0x30, 0x30, 0x30, 0x30, 0x30, 0x30, 0x30, 0x30, 0x30, 0x30, 0x30, 0x30, 0x30, 0x30,
    0x30, 0x30, 0x30, 0x30,
    0x30, 0x30, 0x30, 0x30, 0x30, 0x30, 0x30, 0x30, 0x30, 0x30, 0x30, 0x30, 0x30, 0x30,
    0x30, 0x30, 0x30, 0x30,
    0x30, 0x30,                                     /* trailer */
};

static void arp_long_hardware_size(void **state)
{
    (void)state;
    struct ns_pkt pkt;
    assert_int_equal(frame(arp_long_hlen, sizeof arp_long_hlen, NS_LINKTYPE_ETHERNET, &pkt),
                     NS_STATUS_OK);
    assert_int_equal(pkt.malformed, NS_MALFORMED_NONE);
    assert_int_equal(pkt.nlayers, 3);
    const struct ns_layer *l = &pkt.layer[2];
    assert_int_equal(l->u.arp.htype, 0x3030);
    assert_int_equal(l->u.arp.hlen, 14);
    assert_int_equal(l->hdr_len, 8 + 2 * (14 + 4));
    assert_ptr_equal(l->u.arp.tpa, arp_long_hlen + 18 + 8 + 14 + 4 + 14);
    /* One byte short of the last address: refused, addresses not trusted. */
    assert_int_equal(frame(arp_long_hlen, 61, NS_LINKTYPE_ETHERNET, &pkt), NS_STATUS_MALFORMED);
    assert_int_equal(pkt.malformed, NS_MALFORMED_ARP_SHORT);
    assert_null(pkt.layer[2].u.arp.tpa);
}

/* ---- Link types and the layer cap ------------------------------------------------- */

static void unknown_linktype(void **state)
{
    (void)state;
    struct ns_pkt pkt;
    pkt.nlayers = 3;                                /* stale values: reset must clear them */
    pkt.malformed = NS_MALFORMED_TCP_DOFF;
    assert_int_equal(frame(eth_ip, sizeof eth_ip, 105 /* IEEE 802.11 */, &pkt), NS_STATUS_OK);
    assert_int_equal(pkt.nlayers, 0);
    assert_int_equal(pkt.malformed, NS_MALFORMED_NONE);
    assert_int_equal(pkt.next.kind, NS_NEXT_NONE);
}

/* Raw IP link types pick IPv4 or IPv6 by the version nibble; 229 is IPv6 only. */
static void raw_linktypes(void **state)
{
    (void)state;
    const uint8_t *ip = eth_ip + 14;
    size_t n = 24;
    static const uint32_t raw[] = { NS_LINKTYPE_RAW, NS_LINKTYPE_RAW_12, NS_LINKTYPE_RAW_14,
                                    NS_LINKTYPE_IPV4 };
    struct ns_pkt pkt;
    for (size_t i = 0; i < sizeof raw / sizeof raw[0]; i++) {
        assert_int_equal(frame(ip, n, raw[i], &pkt), NS_STATUS_OK);
        assert_int_equal(pkt.nlayers, 1);
        assert_int_equal(pkt.layer[0].proto, NS_PROTO_IPV4);
        assert_int_equal(pkt.layer[0].u.ipv4.src[0], 192);
    }
    assert_int_equal(frame(ip, n, NS_LINKTYPE_IPV6, &pkt), NS_STATUS_MALFORMED);
    assert_int_equal(pkt.malformed, NS_MALFORMED_IPV6_VERSION);
    assert_int_equal(frame(ip, 0, NS_LINKTYPE_RAW, &pkt), NS_STATUS_MALFORMED);
    assert_int_equal(pkt.malformed, NS_MALFORMED_IPV4_SHORT);
    assert_int_equal(pkt.nlayers, 1);
}

/* 1 + 8 VLAN + 8 MPLS + IPv4 + GRE + Ethernet + 8 VLAN would be 28 layers: the 25th is
 * refused with LAYERS_FULL and the 24 before it are kept. */
static void layers_full(void **state)
{
    (void)state;
    uint8_t f[512];
    size_t n = 0;
    memcpy(f, eth_ip, 12);
    n = 12;
    for (int i = 0; i < 8; i++) {
        static const uint8_t tag[] = { 0x81, 0x00, 0x00, 0x01 };
        memcpy(f + n, tag, 4);
        n += 4;
    }
    f[n++] = 0x88;                                  /* MPLS */
    f[n++] = 0x47;
    for (int i = 0; i < 8; i++) {
        f[n++] = 0x00;
        f[n++] = 0x00;
        f[n++] = (uint8_t)(0x10 | (i == 7));
        f[n++] = 0x40;
    }
    static const uint8_t ip_gre[] = {
        0x45, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x40, 0x2f, 0x00, 0x00,
        0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, /* total 0 (TSO), GRE */
        0x00, 0x00, 0x65, 0x58,                         /* GRE: Ethernet */
    };
    memcpy(f + n, ip_gre, sizeof ip_gre);
    n += sizeof ip_gre;
    memcpy(f + n, eth_ip, 12);
    n += 12;
    for (int i = 0; i < 8; i++) {
        static const uint8_t tag[] = { 0x81, 0x00, 0x00, 0x02 };
        memcpy(f + n, tag, 4);
        n += 4;
    }
    memcpy(f + n, eth_ip + 12, sizeof eth_ip - 12);
    n += sizeof eth_ip - 12;

    struct ns_pkt pkt;
    assert_int_equal(frame(f, n, NS_LINKTYPE_ETHERNET, &pkt), NS_STATUS_MALFORMED);
    assert_int_equal(pkt.malformed, NS_MALFORMED_LAYERS_FULL);
    assert_int_equal(pkt.nlayers, NS_PKT_MAX_LAYERS);
    assert_int_equal(pkt.layer[NS_PKT_MAX_LAYERS - 1].proto, NS_PROTO_VLAN);
    assert_int_equal(pkt.layer[19].proto, NS_PROTO_ETH);
    assert_int_equal(pkt.flags, NS_PKT_IPV4_TSO);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(eth_fields),
        cmocka_unit_test(eth_frame_trims_padding),
        cmocka_unit_test(eth_truncated_anywhere),
        cmocka_unit_test(eth_8023_llc),
        cmocka_unit_test(eth_8023_cut_and_iframe),
        cmocka_unit_test(eth_invalid_type_stops),
        cmocka_unit_test(vlan_qinq),
        cmocka_unit_test(vlan_depth_cap),
        cmocka_unit_test(vlan_8023_length),
        cmocka_unit_test(mpls_stack),
        cmocka_unit_test(mpls_payload_nibble),
        cmocka_unit_test(mpls_depth_cap),
        cmocka_unit_test(pppoe_session),
        cmocka_unit_test(pppoe_bad),
        cmocka_unit_test(pppoe_compressed_protocol),
        cmocka_unit_test(sll_fields),
        cmocka_unit_test(sll_protocol_kinds),
        cmocka_unit_test(sll2_fields),
        cmocka_unit_test(null_families),
        cmocka_unit_test(null_ppp_hdlc),
        cmocka_unit_test(null_frame_and_cuts),
        cmocka_unit_test(loop_families),
        cmocka_unit_test(arp_fields),
        cmocka_unit_test(arp_long_hardware_size),
        cmocka_unit_test(unknown_linktype),
        cmocka_unit_test(raw_linktypes),
        cmocka_unit_test(layers_full),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
