/* bench/gen.h: ns-bench-gen, a deterministic capture generator with ground truth.
 * In:     command-line options (seed, packet and flow counts, format).
 * Out:    one pcap or pcapng file and, optionally, a JSON file describing what is in it.
 * Owns:   every table is sized from the options before the first packet is written;
 *         the packet loop allocates nothing (the event list grows by doubling).
 * Never:  calls rand(), reads the clock, or depends on anything but the options. */
#ifndef NS_BENCH_GEN_H
#define NS_BENCH_GEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define NS_GEN_VERSION "1"

/* ---- PRNG: splitmix64 (Steele, Lea, Flood 2014). One 64-bit word of state is
 * small enough to give every flow its own stream, so a flow's packets do not
 * depend on how flows interleave. */
static inline uint64_t ns_gen_rng_next(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* Uniform in [0, n) by multiply-shift: no modulo bias worth caring about at n < 2^32. */
static inline uint32_t ns_gen_rng_below(uint64_t *s, uint32_t n)
{
    return (uint32_t)(((ns_gen_rng_next(s) >> 32) * (uint64_t)n) >> 32);
}

static inline uint32_t ns_gen_rng_range(uint64_t *s, uint32_t lo, uint32_t hi)
{
    return lo + ns_gen_rng_below(s, hi - lo + 1);
}

static inline double ns_gen_rng_unit(uint64_t *s)
{
    return (double)(ns_gen_rng_next(s) >> 11) * 0x1.0p-53;
}

/* ---- output file ---- */
enum ns_gen_format { NS_GEN_PCAP, NS_GEN_PCAPNG };

struct ns_gen_out {
    FILE *f;
    enum ns_gen_format format;
    uint8_t *buf;               /* write buffer, flushed with one fwrite when nearly full */
    size_t len, cap;
    uint64_t frames;            /* frames written so far: the next frame is frames + 1 */
    uint64_t bytes;             /* sum of frame lengths */
    uint64_t last_us;           /* timestamp of the last frame, to keep them increasing */
    bool failed;
    uint8_t pattern[1500];      /* every payload body is a prefix of this */
};

/* The payload pattern is drawn from seed, so two seeds give different bytes. */
int ns_gen_out_open(struct ns_gen_out *o, const char *path, enum ns_gen_format fmt,
                    uint64_t seed);
int ns_gen_out_close(struct ns_gen_out *o);

/* ---- one packet to build ---- */
enum ns_gen_l4 { NS_GEN_L4_TCP = 6, NS_GEN_L4_UDP = 17, NS_GEN_L4_ICMP = 1 };

#define NS_TCP_FIN 0x01
#define NS_TCP_SYN 0x02
#define NS_TCP_RST 0x04
#define NS_TCP_PSH 0x08
#define NS_TCP_ACK 0x10

struct ns_gen_pkt {
    bool v6;
    enum ns_gen_l4 l4;
    uint8_t src[16], dst[16];   /* first 4 bytes used for IPv4 */
    bool from_client;           /* picks MAC addresses, TTL */
    uint16_t ipid;
    uint16_t sport, dport;      /* TCP/UDP ports; ICMP id and sequence */
    uint32_t seq, ack;
    uint8_t flags;
    uint16_t win;
    bool syn_opts;              /* MSS, SACK-permitted, window scale on SYN and SYN/ACK */
    uint8_t icmp_type;          /* 8/0 for IPv4, 128/129 for IPv6 */
    const uint8_t *head;        /* payload: head bytes, then body bytes of the pattern */
    uint16_t head_len;
    uint16_t body_len;
};

/* Appends one frame at ts_us (moved to last + 1 us if not later), returns its 1-based
 * frame number and the timestamp actually used. */
uint64_t ns_gen_out_packet(struct ns_gen_out *o, const struct ns_gen_pkt *p, uint64_t *ts_us);

/* ---- payload builders (gen_app.c) ---- */
#define NS_GEN_APP_MAX 512
size_t ns_gen_dns_query(uint8_t *out, uint16_t id, const char *qname, uint16_t qtype);
size_t ns_gen_dns_response(uint8_t *out, uint16_t id, const char *qname, uint16_t qtype,
                           const uint8_t *addr);
size_t ns_gen_tls_client_hello(uint8_t *out, const char *sni, uint64_t *rng);
size_t ns_gen_tls_server_hello(uint8_t *out, uint64_t *rng);
void ns_gen_flow_name(char *out, size_t cap, uint32_t flow, bool tls);

#endif
