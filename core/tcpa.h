/* core/tcpa.h: TCP sequence analysis with Wireshark 4.0's definitions (tcp.analysis.*).
 * In:     every unquoted, whole TCP header of a connection, in capture order, with its
 *         direction (0: from A, the connection's first source; 1: from B).
 * Out:    per segment the analysis flags, ack RTT and acked frame, duplicate-ACK number,
 *         initial RTT, bytes in flight, relative sequence numbers and the scaled window,
 *         as tshark 4.0 shows them in one pass; per connection the summed metrics.
 * Rules:  packet-tcp.c's tcp_analyze_sequence_number(), rule for rule and in its order
 *         (docs/tcp-analysis.md has them with their precedence and known flaws). Like
 *         Wireshark, a sequence number of 0 in nextseq, maxseqtobeacked and lastack means
 *         "not seen yet", times are compared as unsigned nanosecond differences (a packet
 *         earlier than the reference is never "within" a threshold), and the list of
 *         unacknowledged segments per direction stops growing at 10000 entries.
 * Owns:   a pool of unacknowledged-segment records shared by all connections, grown by
 *         doubling up to a cap chosen at init; a connection's records return to the pool
 *         as they are acknowledged or when the connection is released. Two pools of
 *         blocks, grown a chunk at a time, for what only some connections need (handshake
 *         and RTT; flag counters), at most one of each per connection. Nothing else is
 *         allocated. A struct ns_tcpa_conn is caller-owned (the engine keeps one per flow).
 * Never:  prints, reads a global, knows Wireshark or libpcap. */
#ifndef NS_TCPA_H
#define NS_TCPA_H

#include <stdbool.h>
#include <stdint.h>

#include "status.h"

/* X(id, name): the flags, in Wireshark's tcp.analysis.<name> */
#define NS_TCPA_FLAGS(X) \
    X(RETRANSMISSION, "retransmission") \
    X(FAST_RETRANSMISSION, "fast_retransmission") \
    X(SPURIOUS_RETRANSMISSION, "spurious_retransmission") \
    X(OUT_OF_ORDER, "out_of_order") \
    X(LOST_SEGMENT, "lost_segment") \
    X(ACK_LOST_SEGMENT, "ack_lost_segment") \
    X(DUPLICATE_ACK, "duplicate_ack") \
    X(ZERO_WINDOW, "zero_window") \
    X(ZERO_WINDOW_PROBE, "zero_window_probe") \
    X(ZERO_WINDOW_PROBE_ACK, "zero_window_probe_ack") \
    X(WINDOW_FULL, "window_full") \
    X(WINDOW_UPDATE, "window_update") \
    X(KEEP_ALIVE, "keep_alive") \
    X(KEEP_ALIVE_ACK, "keep_alive_ack") \
    X(REUSED_PORTS, "reused_ports")

enum ns_tcpa_flag_bit {
#define NS_X(id, name) NS_TCPA_BIT_##id,
    NS_TCPA_FLAGS(NS_X)
#undef NS_X
    NS_TCPA_NFLAGS
};

#define NS_TCPA_F(id) (1u << NS_TCPA_BIT_##id)

/* "retransmission" for NS_TCPA_BIT_RETRANSMISSION */
const char *ns_tcpa_flag_name(unsigned bit);

#define NS_TCPA_MAX_UNACKED 10000   /* Wireshark's TCP_MAX_UNACKED_SEGMENTS */

/* One direction of a connection: what every segment's analysis reads. 64 bytes on LP64
 * (8-byte members first, then 4, 2 and 1, the bits in one byte); a unit test pins it. */
struct ns_tcpa_dir {
    int64_t nextseq_ns, lastack_ns;
    uint64_t lastnondupack;     /* frame of the last ACK that changed the ACK number */
    uint32_t base_seq;
    uint32_t nextseq;           /* highest seq + len seen (0: none yet) */
    uint32_t maxseqtobeacked;   /* highest contiguous nextseq */
    uint32_t lastack;           /* this direction's last ACK number */
    int32_t dupacknum;          /* -1: an unseen segment was ACKed (see tcpa.c) */
    uint32_t segs;              /* unacked segments sent this way, newest first (pool index) */
    uint32_t sack_bytes;        /* SACK blocks' summed length, subtracted from the other BiF */
    uint16_t window;            /* last raw window field, when has_window */
    uint16_t nsegs;
    uint16_t lastsegmentflags;  /* NS_TCPA_F of the last segment */
    int8_t win_scale;           /* -1 unknown, -2 not in use, else the shift */
    uint8_t nsack;              /* SACK blocks in this direction's last segment (at most 3) */
    uint8_t base_set : 1;       /* base_seq is set */
    uint8_t valid_bif : 1;
    uint8_t zw_open : 1;        /* a zero window is advertised now (metrics) */
    uint8_t has_window : 1;     /* a window was seen: before, Wireshark's window is all ones */
    uint8_t sent_syn : 1;       /* this direction sent a SYN without ACK (mru_syn_ns is set) */
};

/* A connection's summed metrics, as ns_tcpa_conn_metrics() gives them. */
struct ns_tcpa_metrics {
    uint32_t count[2][NS_TCPA_NFLAGS];   /* per direction, per flag */
    uint64_t retrans_bytes[2];  /* payload of retransmitted segments (any retransmission kind) */
    int64_t zero_window_ns[2];  /* time a zero window stood, advertised by that direction */
    uint32_t rtt_samples;
    int64_t rtt_min_ns, rtt_max_ns, srtt_ns;  /* srtt: EWMA, alpha 1/8 (RFC 6298) */
    int64_t rtt_sum_ns;
    int64_t syn_ns, synack_ns, ack_ns;  /* handshake times (first of each), -1: not seen */
    int64_t first_rtt_ns;       /* Wireshark's iRTT: latest SYN to the first ACK without SYN;
                                   0: none */
};

/* The handshake and RTT part of a connection, taken from a pool at the first SYN/ACK, a
 * second SYN, the iRTT or the first RTT sample: a lone SYN (a scan, a flood) needs none. */
struct ns_tcpa_hs {
    int64_t syn_ns, synack_ns, ack_ns;
    int64_t first_rtt_ns;
    int64_t rtt_min_ns, rtt_max_ns, srtt_ns, rtt_sum_ns;
    uint32_t rtt_samples;
};

/* Flag counters and zero-window time, taken from a pool at a segment's first flag: most
 * connections never get one. */
struct ns_tcpa_fc {
    uint32_t count[2][NS_TCPA_NFLAGS];
    uint64_t retrans_bytes[2];
    int64_t zero_window_ns[2];
    int64_t zw_since_ns[2];     /* when the open zero window (dir.zw_open) was advertised */
};

/* Caller-owned, one per connection: 152 bytes on LP64 (a unit test pins it); the rarer
 * state hangs off it, from the pools of struct ns_tcpa. */
struct ns_tcpa_conn {
    struct ns_tcpa_dir dir[2];
    int64_t mru_syn_ns;         /* the latest SYN without ACK; without hs, also the first */
    struct ns_tcpa_hs *hs;      /* NULL until needed */
    struct ns_tcpa_fc *fc;      /* NULL until a flag */
};

struct ns_tcpa_seg {
    uint32_t seq, nextseq;
    int64_t ts_ns;
    uint64_t frame;
    uint32_t next;              /* pool index, 0 ends the list */
};

struct ns_tcpa_stats {
    uint64_t segments;          /* analysed */
    uint64_t pool_full;         /* segments not remembered: the pool was at its cap */
    uint32_t pool_peak;
    uint64_t metrics_lost;      /* no memory for a connection's hs or fc: metrics incomplete */
};

/* Fixed-size blocks in chunks that never move (connections point into them), a freed
 * block chained through its first bytes. At most one block per live connection, so the
 * caller's cap on connections caps it. */
struct ns_tcpa_slab {
    unsigned char **chunk;
    uint32_t nchunk, chunk_cap, last_used;
    size_t size;
    void *free;
};

struct ns_tcpa {
    struct ns_tcpa_seg *seg;    /* index 0 unused */
    uint32_t cap, max, used, free_head;
    struct ns_tcpa_slab hs, fc;
    struct ns_tcpa_stats stats;
};

/* max_segments: cap on remembered unacked segments over all connections (0: 1 << 22). */
enum ns_status ns_tcpa_init(struct ns_tcpa *t, uint32_t max_segments, struct ns_err *err);
void ns_tcpa_fini(struct ns_tcpa *t);

/* Readies c for a new connection. */
void ns_tcpa_conn_init(struct ns_tcpa_conn *c);
/* Gives c's remembered segments and blocks back to the pools; c must be initialised again
 * to reuse. */
void ns_tcpa_conn_release(struct ns_tcpa *t, struct ns_tcpa_conn *c);

/* c's metrics so far, whole (a connection without hs or fc has zeros and -1 there). */
void ns_tcpa_conn_metrics(const struct ns_tcpa_conn *c, struct ns_tcpa_metrics *m);

struct ns_tcpa_in {
    uint64_t frame;             /* 1-based frame number */
    int64_t ts_ns;
    uint32_t seq, ack, seglen;  /* raw numbers; seglen = tcp.len */
    uint16_t flags;             /* the 12 TCP flag bits */
    uint16_t window;            /* raw window field */
    int16_t wscale;             /* this segment's window-scale option shift, -1: none */
    bool reused;                /* this SYN opened a new connection on reused ports */
    uint8_t nsack;              /* SACK blocks in this segment's options (raw numbers) */
    struct { uint32_t left, right; } sack[4];
};

struct ns_tcpa_out {
    uint32_t flags;             /* NS_TCPA_F(...) */
    uint64_t acks_frame;        /* 0: this segment is not the exact ACK of a segment */
    int64_t ack_rtt_ns;         /* shown only when acks_frame != 0 and it is not 0 */
    uint32_t dupack_num;        /* 0: none */
    uint64_t dupack_frame;
    bool tree;                  /* Wireshark made its tcp.analysis tree: a flag, an ACKed
                                   frame, BiF tracking or an ACK beyond the other side */
    bool have_irtt;
    int64_t irtt_ns;
    bool have_bif;
    uint32_t bytes_in_flight;
    uint32_t rel_seq, rel_ack, nxtseq;  /* tcp.seq, tcp.ack, tcp.nxtseq */
    uint32_t window;            /* tcp.window_size: scaled except in SYNs */
    int32_t scale;              /* tcp.window_size_scalefactor: -1 unknown, -2 none, else 2^n;
                                   0: not shown (SYN) */
};

/* The analysis of a frame's TCP headers (a tunnel may carry more than one). */
#define NS_TCPA_MAX_LAYERS 4
struct ns_tcpa_frame {
    unsigned n;
    uint8_t layer[NS_TCPA_MAX_LAYERS];   /* index in pkt->layer */
    struct ns_tcpa_out out[NS_TCPA_MAX_LAYERS];
};

/* Analyses one segment of connection c sent in direction dir (0 or 1). */
void ns_tcpa_segment(struct ns_tcpa *t, struct ns_tcpa_conn *c, int dir, const struct ns_tcpa_in *in,
                     struct ns_tcpa_out *out);

/* Closes open zero-window intervals at time ts (end of the connection) for the metrics. */
void ns_tcpa_conn_finish(struct ns_tcpa_conn *c, int64_t ts_ns);

#endif
