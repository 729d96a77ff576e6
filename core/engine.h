/* core/engine.h: one record in, one analysed frame out.
 * In:     records from the reader (or from libpcap in live capture), in capture order.
 * Out:    a struct ns_frame valid until the next ns_engine_feed(): the dissected packet,
 *         times, flows and stream indices (and, as later modules land, TCP analysis).
 * Owns:   the per-frame packet struct, the counters, the flow tracker and one TCP analysis
 *         state per transport flow (152 bytes, in an array grown with the flow table up to
 *         cfg.max_flows); nothing is allocated per frame except when a new flow needs the
 *         table to grow or TCP analysis needs more segment records or pool blocks.
 * Moves:  never, after init: the flow tables call back into it.
 * Never:  prints, knows files, Wireshark or libpcap. */
#ifndef NS_ENGINE_H
#define NS_ENGINE_H

#include <stdbool.h>
#include <stdint.h>

#include "../dissectors/packet.h"
#include "fields.h"
#include "reasm.h"
#include "reader.h"
#include "tcpa.h"
#include "anomaly.h"
#include "flownames.h"
#include "track.h"

#define NS_ENGINE_DEFAULT_MAX_FLOWS (1u << 22)

struct ns_engine_cfg {
    uint32_t max_flows;         /* per flow table; 0 = NS_ENGINE_DEFAULT_MAX_FLOWS */
    int64_t idle_ns;            /* 0: a flow never ends on idle (offline, as tshark) */
    int64_t idle_tcp_ns;        /* TCP flows only; 0: idle_ns (live: 5 min, the rest 1 min) */
    int64_t active_ns;          /* active timeout; 0: never (offline default, as tshark) */
    bool vlan_in_key;           /* VLAN ids in flow keys; off, as tshark */
    bool ip_pairs;              /* count IP address pairs (-z conv,ip / conv,ipv6): a second
                                   flow table as large as the first, so off unless asked */
    uint32_t reasm_datagrams;   /* IP datagrams reassembled at once; 0 = 4096 */
    uint32_t reasm_bytes;       /* fragment bytes held; 0 = 64 MiB */
    int64_t reasm_timeout_ns;   /* 0: never (tshark) */
    bool no_tcp_analysis;       /* scale mode: no tcp.analysis.*, no per-flow TCP state */
    bool no_zeek;               /* scale mode: no conn_state / history, no per-flow Zeek state */
    uint32_t tcp_max_segments;  /* unacked segments remembered at once; 0 = 1 << 22 */
    bool no_anomaly;            /* no SYN flood / port scan detection */
    struct ns_anomaly_cfg anomaly;  /* thresholds and caps; zeros = defaults */
    /* every flow as it ends; ns_engine_tcp() gives its TCP analysis during the call */
    void (*on_flow_end)(const struct ns_flow *f, enum ns_flow_end why, void *arg);
    void *arg;
};

struct ns_engine_stats {
    uint64_t frames;            /* records fed */
    uint64_t packets;           /* of which packets (not pcapng custom blocks) */
    uint64_t bytes;             /* sum of wire lengths */
    uint64_t malformed_frames;
    uint64_t malformed[NS_MALFORMED_COUNT];   /* frames per first reason */
};

struct ns_engine {
    bool have_first;
    int64_t first_ts_ns;        /* frame.time_relative is measured from here */
    struct ns_engine_stats stats;
    struct ns_frame frame;
    struct ns_track track;
    struct ns_track_out track_out;
    struct ns_reasm reasm;
    bool tcp_analysis;
    struct ns_tcpa tcpa;
    struct ns_tcpa_conn *conn;  /* per entry of the transport flow table */
    uint32_t conn_cap;
    struct ns_tcpa_frame tcpa_frame;
    bool detect;
    struct ns_anomaly anomaly;
    struct ns_flownames names;  /* DNS names and SNI per transport flow */
    struct ns_alert alerts[NS_ANOMALY_MAX_PER_PKT];
    void (*user_on_end)(const struct ns_flow *f, enum ns_flow_end why, void *arg);
    void *user_arg;
    struct ns_pkt pkt;
};

enum ns_status ns_engine_init(struct ns_engine *e, const struct ns_engine_cfg *cfg, struct ns_err *err);

/* Ends every live flow (cfg.on_flow_end sees each) and frees the tables. */
void ns_engine_fini(struct ns_engine *e);

/* Ends the flows whose idle timeout has passed at time ts_ns (cfg.on_flow_end sees each),
 * as the next packet at that time would: for live capture on a quiet link. ts_ns is in
 * packet time (the kernel's capture clock), never earlier than a packet still to come. */
void ns_engine_expire(struct ns_engine *e, int64_t ts_ns);

/* The TCP analysis of transport flow f (NULL when off or f is not TCP). */
const struct ns_tcpa_conn *ns_engine_tcp(const struct ns_engine *e, const struct ns_flow *f);

/* The DNS query names ("a,b") and TLS SNI seen in transport flow f (each NULL if none);
 * valid until the next ns_engine_feed(). */
void ns_engine_flow_names(const struct ns_engine *e, const struct ns_flow *f, const char **dns,
                          const char **sni);

/* Calls fn with every live transport flow (address pairs are not visited) and its TCP
 * analysis (NULL when off or not TCP), in table order, without ending or changing it: a
 * table drawn while the engine still runs (the Wireshark plugin's statistics). */
void ns_engine_each_flow(const struct ns_engine *e,
                         void (*fn)(const struct ns_flow *f, const struct ns_tcpa_conn *tcp, void *arg),
                         void *arg);

/* The Zeek state (conn_state, history) of transport flow f (NULL when off). */
const struct ns_zeek *ns_engine_zeek(const struct ns_engine *e, const struct ns_flow *f);

/* Dissects and analyses one record. Never fails: a malformed packet is marked and counted. */
const struct ns_frame *ns_engine_feed(struct ns_engine *e, const struct ns_rec *rec);

/* Lookahead (docs/design.md, "Lookahead"): hints for a record the caller will feed a few
 * records later, in two stages so each waits for the line the previous one asked for.
 * ns_engine_prefetch_key() reads the record's transport flow key (core/peek.h), keeps its
 * hash in *a and asks for the flow table's index slot: false, and nothing asked, when
 * the record is not a plain Ethernet/IP/TCP|UDP frame. ns_engine_prefetch_flow(), some
 * records later, reads that slot and asks for the flow's entry, Zeek state and TCP
 * analysis state. Neither changes the engine: what ns_engine_feed() does is the same with
 * or without them, in any order, for records fed or never fed. */
struct ns_engine_ahead {
    uint32_t hash;
    bool ok;                    /* the record has a key: hash is its ns_flow_key_hash() */
    bool tcp;
};

bool ns_engine_prefetch_key(const struct ns_engine *e, const struct ns_rec *rec,
                            struct ns_engine_ahead *a);
void ns_engine_prefetch_flow(const struct ns_engine *e, const struct ns_engine_ahead *a);

/* Whether the lookahead pays now: at least min_flows live transport flows, whose state
 * has outgrown the caches (below that it only adds work); min_flows 0 takes the measured
 * default, NS_ENGINE_LOOKAHEAD_FLOWS. */
#define NS_ENGINE_LOOKAHEAD_FLOWS 65536u
bool ns_engine_lookahead_useful(const struct ns_engine *e, uint32_t min_flows);

#endif
