/* bench/gen_out.c: frames to bytes. Builds Ethernet/IP/TCP|UDP|ICMP packets with correct
 * checksums straight into a write buffer and frames them as pcap (microseconds) or
 * pcapng (one interface, default microsecond resolution, Enhanced Packet Blocks).
 * One buffer, allocated at open; the per-packet path only writes into it. */
#include "gen.h"

#include <stdlib.h>
#include <string.h>

#define OUT_BUF_CAP (4u << 20)
#define OUT_FRAME_MAX 2048          /* record header + largest frame, with room to spare */
#define SNAPLEN 65535

static const uint8_t mac_host[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 };
static const uint8_t mac_gw[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0xfe };

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* Both file formats are written little-endian, as most captures are. */
static void le16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void le32(uint8_t *p, uint32_t v)
{
    le16(p, (uint16_t)v);
    le16(p + 2, (uint16_t)(v >> 16));
}

/* RFC 1071 sum of big-endian 16-bit words; an odd last byte is padded with zero. */
static uint64_t csum_add(uint64_t acc, const uint8_t *p, size_t n)
{
    size_t i = 0;
    for (; i + 1 < n; i += 2)
        acc += (uint32_t)(p[i] << 8 | p[i + 1]);
    if (i < n)
        acc += (uint32_t)(p[i] << 8);
    return acc;
}

static uint16_t csum_fold(uint64_t acc)
{
    while (acc >> 16)
        acc = (acc & 0xffff) + (acc >> 16);
    return (uint16_t)~acc;
}

static int out_flush(struct ns_gen_out *o)
{
    if (o->len && fwrite(o->buf, 1, o->len, o->f) != o->len)
        o->failed = true;
    o->len = 0;
    return o->failed ? -1 : 0;
}

static void out_bytes(struct ns_gen_out *o, const void *p, size_t n)
{
    memcpy(o->buf + o->len, p, n);
    o->len += n;
}

static void write_pcap_header(struct ns_gen_out *o)
{
    uint8_t h[24];
    le32(h, 0xa1b2c3d4);                /* microsecond timestamps */
    le16(h + 4, 2);
    le16(h + 6, 4);
    le32(h + 8, 0);
    le32(h + 12, 0);
    le32(h + 16, SNAPLEN);
    le32(h + 20, 1);                    /* LINKTYPE_ETHERNET */
    out_bytes(o, h, sizeof h);
}

static void write_pcapng_header(struct ns_gen_out *o)
{
    uint8_t shb[28], idb[20];
    le32(shb, 0x0a0d0d0a);
    le32(shb + 4, sizeof shb);
    le32(shb + 8, 0x1a2b3c4d);
    le16(shb + 12, 1);
    le16(shb + 14, 0);
    le32(shb + 16, 0xffffffff);         /* section length unknown */
    le32(shb + 20, 0xffffffff);
    le32(shb + 24, sizeof shb);
    out_bytes(o, shb, sizeof shb);
    /* No if_tsresol option: the default, 10^-6, is what pcap has too. */
    le32(idb, 1);
    le32(idb + 4, sizeof idb);
    le16(idb + 8, 1);
    le16(idb + 10, 0);
    le32(idb + 12, SNAPLEN);
    le32(idb + 16, sizeof idb);
    out_bytes(o, idb, sizeof idb);
}

int ns_gen_out_open(struct ns_gen_out *o, const char *path, enum ns_gen_format fmt,
                    uint64_t seed)
{
    memset(o, 0, sizeof *o);
    o->format = fmt;
    o->cap = OUT_BUF_CAP;
    o->buf = malloc(o->cap);
    o->f = fopen(path, "wb");
    if (!o->buf || !o->f) {
        free(o->buf);
        if (o->f)
            fclose(o->f);
        return -1;
    }
    for (size_t i = 0; i < sizeof o->pattern; i++)
        o->pattern[i] = (uint8_t)ns_gen_rng_next(&seed);
    if (fmt == NS_GEN_PCAP)
        write_pcap_header(o);
    else
        write_pcapng_header(o);
    return 0;
}

int ns_gen_out_close(struct ns_gen_out *o)
{
    out_flush(o);
    if (fclose(o->f) != 0)
        o->failed = true;
    free(o->buf);
    o->buf = NULL;
    return o->failed ? -1 : 0;
}

static size_t put_eth(uint8_t *p, const struct ns_gen_pkt *k)
{
    memcpy(p, k->from_client ? mac_gw : mac_host, 6);
    memcpy(p + 6, k->from_client ? mac_host : mac_gw, 6);
    put16(p + 12, k->v6 ? 0x86dd : 0x0800);
    return 14;
}

static uint8_t ip_proto(const struct ns_gen_pkt *k)
{
    if (k->l4 == NS_GEN_L4_ICMP && k->v6)
        return 58;
    return (uint8_t)k->l4;
}

/* Writes the IP header for an L4 segment of l4len bytes; returns the header length and
 * the pseudo-header sum the L4 checksum starts from. */
static size_t put_ip(uint8_t *p, const struct ns_gen_pkt *k, size_t l4len, uint64_t *pseudo)
{
    uint8_t ttl = k->from_client ? 64 : 53;
    uint8_t proto = ip_proto(k);
    if (k->v6) {
        put32(p, 0x60000000);
        put16(p + 4, (uint16_t)l4len);
        p[6] = proto;
        p[7] = ttl;
        memcpy(p + 8, k->src, 16);
        memcpy(p + 24, k->dst, 16);
        *pseudo = csum_add(0, p + 8, 32) + l4len + proto;
        return 40;
    }
    p[0] = 0x45;
    p[1] = 0;
    put16(p + 2, (uint16_t)(20 + l4len));
    put16(p + 4, k->ipid);
    put16(p + 6, k->l4 == NS_GEN_L4_TCP ? 0x4000 : 0);     /* DF, as stacks set for TCP */
    p[8] = ttl;
    p[9] = proto;
    put16(p + 10, 0);
    memcpy(p + 12, k->src, 4);
    memcpy(p + 16, k->dst, 4);
    put16(p + 10, csum_fold(csum_add(0, p, 20)));
    /* The IPv4 pseudo-header carries the protocol and L4 length as 16-bit words. */
    *pseudo = csum_add(0, p + 12, 8) + proto + l4len;
    return 20;
}

static size_t l4_header_len(const struct ns_gen_pkt *k)
{
    if (k->l4 == NS_GEN_L4_TCP)
        return k->syn_opts ? 32 : 20;
    return 8;                       /* UDP header, or ICMP type/code/sum/id/seq */
}

/* MSS, NOP, window scale 7, NOP, NOP, SACK permitted: what Linux sends, minus timestamps. */
static void put_syn_opts(uint8_t *p, bool v6)
{
    static const uint8_t tail[8] = { 0x01, 0x03, 0x03, 0x07, 0x01, 0x01, 0x04, 0x02 };
    p[0] = 2;
    p[1] = 4;
    put16(p + 2, v6 ? 1440 : 1460);
    memcpy(p + 4, tail, sizeof tail);
}

static void put_l4_header(uint8_t *p, const struct ns_gen_pkt *k, size_t l4len)
{
    if (k->l4 == NS_GEN_L4_TCP) {
        size_t hl = l4_header_len(k);
        put16(p, k->sport);
        put16(p + 2, k->dport);
        put32(p + 4, k->seq);
        put32(p + 8, k->ack);
        p[12] = (uint8_t)((hl / 4) << 4);
        p[13] = k->flags;
        put16(p + 14, k->win);
        put32(p + 16, 0);           /* checksum and urgent pointer */
        if (k->syn_opts)
            put_syn_opts(p + 20, k->v6);
    } else if (k->l4 == NS_GEN_L4_UDP) {
        put16(p, k->sport);
        put16(p + 2, k->dport);
        put16(p + 4, (uint16_t)l4len);
        put16(p + 6, 0);
    } else {
        p[0] = k->icmp_type;
        p[1] = 0;
        put16(p + 2, 0);
        put16(p + 4, k->sport);
        put16(p + 6, k->dport);
    }
}

static void put_l4_checksum(uint8_t *p, const struct ns_gen_pkt *k, size_t l4len,
                            uint64_t pseudo)
{
    /* ICMPv4 has no pseudo-header; ICMPv6, UDP and TCP do. */
    uint64_t acc = (k->l4 == NS_GEN_L4_ICMP && !k->v6) ? 0 : pseudo;
    uint16_t sum = csum_fold(csum_add(acc, p, l4len));
    if (k->l4 == NS_GEN_L4_UDP && sum == 0)
        sum = 0xffff;               /* RFC 768: zero means "no checksum" */
    put16(p + (k->l4 == NS_GEN_L4_TCP ? 16 : k->l4 == NS_GEN_L4_UDP ? 6 : 2), sum);
}

/* Builds the frame at p; returns its length. */
static size_t build_frame(uint8_t *p, const struct ns_gen_pkt *k, const uint8_t *pattern)
{
    size_t hl = l4_header_len(k);
    size_t l4len = hl + k->head_len + k->body_len;
    uint64_t pseudo;
    size_t off = put_eth(p, k);
    off += put_ip(p + off, k, l4len, &pseudo);
    uint8_t *l4 = p + off;
    put_l4_header(l4, k, l4len);
    if (k->head_len)                /* head may be NULL, and memcpy's pointers must not be */
        memcpy(l4 + hl, k->head, k->head_len);
    memcpy(l4 + hl + k->head_len, pattern, k->body_len);
    put_l4_checksum(l4, k, l4len, pseudo);
    return off + l4len;
}

static void frame_record(struct ns_gen_out *o, uint8_t *rec, size_t flen, uint64_t ts_us)
{
    if (o->format == NS_GEN_PCAP) {
        le32(rec, (uint32_t)(ts_us / 1000000));
        le32(rec + 4, (uint32_t)(ts_us % 1000000));
        le32(rec + 8, (uint32_t)flen);
        le32(rec + 12, (uint32_t)flen);
        o->len += 16 + flen;
        return;
    }
    size_t pad = (4 - flen % 4) % 4;
    uint32_t total = (uint32_t)(28 + flen + pad + 4);
    le32(rec, 6);
    le32(rec + 4, total);
    le32(rec + 8, 0);
    le32(rec + 12, (uint32_t)(ts_us >> 32));
    le32(rec + 16, (uint32_t)ts_us);
    le32(rec + 20, (uint32_t)flen);
    le32(rec + 24, (uint32_t)flen);
    memset(rec + 28 + flen, 0, pad);
    le32(rec + 28 + flen + pad, total);
    o->len += total;
}

uint64_t ns_gen_out_packet(struct ns_gen_out *o, const struct ns_gen_pkt *p, uint64_t *ts_us)
{
    if (o->len + OUT_FRAME_MAX > o->cap)
        out_flush(o);
    if (o->frames && *ts_us <= o->last_us)
        *ts_us = o->last_us + 1;    /* strictly increasing, whatever the flows planned */
    size_t rec_hdr = o->format == NS_GEN_PCAP ? 16 : 28;
    uint8_t *rec = o->buf + o->len;
    size_t flen = build_frame(rec + rec_hdr, p, o->pattern);
    frame_record(o, rec, flen, *ts_us);
    o->last_us = *ts_us;
    o->bytes += flen;
    return ++o->frames;
}
