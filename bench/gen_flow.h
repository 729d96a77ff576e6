/* bench/gen_flow.h: flows, the scheduler that interleaves them, and what was injected.
 * In:     a configuration (seed, packet and flow counts, attacks on or off).
 * Out:    frames to a struct ns_gen_out; the lists the truth file is written from.
 * Owns:   the flow table and heap, allocated in ns_gen_init, freed in ns_gen_fini;
 *         the event list, which doubles when full (the only allocation while writing).
 * Rules:  every flow draws from its own splitmix64 stream, seeded from the global seed
 *         and its index, so the file depends on the options only. */
#ifndef NS_BENCH_GEN_FLOW_H
#define NS_BENCH_GEN_FLOW_H

#include "gen.h"

enum ns_gen_kind {
    NS_GEN_TCP, NS_GEN_DNS, NS_GEN_UDP, NS_GEN_ICMP,
    NS_GEN_SYN_FLOOD, NS_GEN_PORT_SCAN, NS_GEN_HOST_SCAN,
};

enum ns_gen_ev_kind {
    NS_GEN_EV_NONE, NS_GEN_EV_RETRANS, NS_GEN_EV_FAST_RETRANS, NS_GEN_EV_OOO,
    NS_GEN_EV_ZERO_WINDOW, NS_GEN_EV_KEEP_ALIVE, NS_GEN_EV_COUNT,
};

struct ns_gen_cfg {
    uint64_t seed;
    uint64_t packets;
    uint32_t flows;
    enum ns_gen_format format;
    bool attacks;
    bool truth_flows;
    const char *size;           /* "S", "L" or NULL */
    const char *out_path;
    const char *truth_path;
};

/* One per benign flow and one per attack. 96 bytes: L has a million of them. */
struct ns_gen_flow {
    uint64_t next_us;           /* when the next packet is due */
    uint64_t first_us, last_us; /* timestamps of the first and last frame written */
    uint64_t rng;
    uint32_t budget;            /* packets still to send */
    uint32_t packets;           /* packets planned in all */
    uint32_t first_frame, last_frame;
    uint32_t nxt[2];            /* TCP: next sequence number, [0] client, [1] server */
    uint32_t gap_us, rtt_us;
    uint32_t r_seq0;            /* TCP: sequence number at the start of this round */
    uint32_t r_ev;              /* index of this round's event in the event list */
    uint16_t sport, dport;
    uint16_t ipid[2];
    uint16_t count;             /* ICMP sequence, DNS query, attack probe number */
    uint8_t kind, v6, rst_close, closer, state;
    uint8_t r_dir, r_k, r_ack, r_event, r_step, r_sizes, rounds, hello_sent;
    uint8_t unacked;            /* TCP: bit d set while side d has data not yet ACKed */
};

struct ns_gen_event {
    uint8_t kind;
    uint8_t nrel;
    uint32_t flow;
    uint32_t frame;             /* the frame tshark should flag with this kind */
    uint32_t orig;              /* the segment resent, for retransmissions */
    uint32_t rel[3];            /* frames flagged as a direct result (see gen_main.c) */
};

struct ns_gen_counts {
    uint32_t tcp, udp, dns, udp_other, icmp, v4, v6, tls;
    uint32_t attack_tcp_convs;
    uint64_t attack_packets;
};

struct ns_gen {
    struct ns_gen_cfg cfg;
    struct ns_gen_flow *flows;
    uint32_t nbenign, nflows;   /* attacks follow the benign flows */
    uint32_t *heap;
    uint32_t heap_len;
    struct ns_gen_out out;
    struct ns_gen_event *ev;
    size_t nev, evcap;
    struct ns_gen_counts counts;
    uint64_t span_us;           /* benign flows start within the first 80 % of this */
    uint64_t start_us;          /* timestamp of the first planned packet */
};

int ns_gen_init(struct ns_gen *g, const struct ns_gen_cfg *cfg, char *err, size_t errlen);
int ns_gen_run(struct ns_gen *g);
void ns_gen_fini(struct ns_gen *g);

/* For the truth file. */
void ns_gen_flow_addrs(const struct ns_gen *g, uint32_t idx, uint8_t *cli, uint8_t *srv);
const char *ns_gen_ev_name(enum ns_gen_ev_kind k);

/* Between the scheduler and the per-kind generators (gen_tcp.c, gen_attack.c). Each
 * *_step writes the flow's current packet at f->next_us through ns_gen_emit, advances the
 * flow, and returns the gap in microseconds before its next packet. */
uint32_t ns_gen_emit(struct ns_gen *g, uint32_t idx, struct ns_gen_pkt *p);
uint32_t ns_gen_tcp_step(struct ns_gen *g, uint32_t idx);
uint32_t ns_gen_attack_step(struct ns_gen *g, uint32_t idx);
void ns_gen_tcp_setup(struct ns_gen_flow *f);
uint32_t ns_gen_tcp_min_packets(const struct ns_gen_flow *f);
struct ns_gen_event *ns_gen_event_new(struct ns_gen *g, uint32_t idx, enum ns_gen_ev_kind k);
uint32_t ns_gen_attack_packets(enum ns_gen_kind k);
void ns_gen_put_v4(uint8_t *a, uint32_t v);

/* Attack constants, shared with the truth writer. */
#define NS_GEN_FLOOD_SYNS 1500
#define NS_GEN_FLOOD_PORT 80
#define NS_GEN_SCAN_PORTS 250
#define NS_GEN_HSCAN_HOSTS 40
#define NS_GEN_FLOOD_TARGET 0xac10000au     /* 172.16.0.10, one of the benign servers */
#define NS_GEN_SCANNER 0xc6336442u          /* 198.51.100.66 */
#define NS_GEN_SCAN_TARGET 0xc0a80114u      /* 192.168.1.20 */
#define NS_GEN_HSCANNER 0xc633644du         /* 198.51.100.77 */
#define NS_GEN_HSCAN_NET 0xc0a80200u        /* 192.168.2.0/24: hosts .1 to .40 */
#define NS_GEN_SPOOF_NET 0x64400000u        /* 100.64.0.0/10 */

#endif
