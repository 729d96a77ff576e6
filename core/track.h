/* core/track.h: which flow and conversation each frame belongs to, with tshark's rules.
 * In:     a dissected frame (struct ns_pkt) and its record, in capture order.
 * Out:    per TCP/UDP layer of the frame, its stream index (tcp.stream / udp.stream,
 *         numbered per protocol in order of first appearance); the frame's flow id and
 *         direction; conversation counters kept in the flows themselves.
 * Rules:  (tshark 4.0, see docs/design.md) a TCP/UDP header gets the stream of its
 *         4-tuple, even when quoted in an ICMP error, but only unquoted, whole headers are
 *         counted as conversation traffic; a SYN whose sequence number differs from the
 *         stream's first one in that direction starts a new stream (reused ports); every
 *         unquoted IP header counts in its address pair (tunnels: outer and inner), an IPv6
 *         fragment only when it completes its datagram (NS_PKT_FRAGMENT frames are skipped).
 * Owns:   the transport flow table, its Zeek states (cfg.zeek) in an array beside it, and the IP address-pair table when cfg.ip_pairs asks
 *         for it (unasked, unquoted IP headers count in no pair), allocated at init.
 * Never:  prints, knows files, Wireshark or libpcap. */
#ifndef NS_TRACK_H
#define NS_TRACK_H

#include <stdbool.h>
#include <stdint.h>

#include "../dissectors/packet.h"
#include "flow.h"
#include "reader.h"
#include "zeek.h"

struct ns_track_cfg {
    uint32_t max_flows;         /* per table; required */
    int64_t idle_ns;            /* 0: never (tshark parity) */
    int64_t idle_tcp_ns;        /* TCP flows only; 0: idle_ns (address pairs: idle_ns) */
    int64_t active_ns;          /* active timeout of transport flows; 0: never */
    bool vlan_in_key;           /* VLAN ids (outer, inner) are part of flow and pair keys:
                                   keeps overlapping address spaces apart; off, as tshark */
    bool zeek;                  /* keep Zeek's conn_state and history per flow (96 bytes
                                   each, beside the table); off in scale mode */
    bool ip_pairs;              /* keep the address-pair table (tshark's IPv4/IPv6
                                   conversations): a second entry per flow, so only on demand */
    /* every flow and address pair as it ends (key.proto == 0 for an address pair) */
    void (*on_end)(const struct ns_flow *f, enum ns_flow_end why, void *arg);
    void *arg;
};

#define NS_TRACK_NONE UINT32_MAX
#define NS_TRACK_MAX_TCP 4          /* TCP headers of one frame handed to TCP analysis */

/* An unquoted, whole TCP header of the frame and the flow it belongs to. */
struct ns_track_tcp {
    struct ns_flow *flow;       /* valid until the next ns_track_frame() */
    uint8_t layer;              /* index in pkt->layer */
    uint8_t dir;                /* 0: from A, 1: from B */
    uint8_t reused;             /* this SYN started a new stream on reused ports */
};

struct ns_track_out {
    uint32_t stream[NS_PKT_MAX_LAYERS];   /* per layer: stream index, or NS_TRACK_NONE */
    uint64_t flow_id;           /* the frame's flow (innermost unquoted transport), 0 = none */
    uint8_t flow_dir;           /* 0: A→B, 1: B→A */
    uint64_t flow_frames, flow_bytes;     /* the flow so far, this frame included */
    const struct ns_flow *flow; /* valid until the next ns_track_frame() */
    const struct ns_zeek *zeek; /* that flow's Zeek state; NULL without cfg.zeek */
    int16_t resent_layer;       /* a TCP layer whose payload starts with bytes its direction
                                   already sent, or -1 (see ns_track_frame) */
    struct ns_track_tcp tcp[NS_TRACK_MAX_TCP];
    uint8_t ntcp;               /* TCP headers for analysis (not quoted, not refused) */
};

struct ns_track {
    struct ns_flow_table flows;
    struct ns_flow_table pairs; /* only with ip_pairs */
    struct ns_zeek *zeek;       /* per entry of flows (with cfg.zeek), grown with it; valid
                                   for an entry while its flow's has_zeek is set */
    uint32_t zeek_cap;
    bool want_zeek;
    uint32_t next_stream[2];    /* [0] TCP, [1] UDP */
    bool vlan_in_key;
    bool ip_pairs;
};

enum ns_status ns_track_init(struct ns_track *t, const struct ns_track_cfg *cfg, struct ns_err *err);
/* Ends every flow still live (on_end with NS_FLOW_END_FINAL), then frees the tables. */
void ns_track_fini(struct ns_track *t);

/* Community ID v1 of flow f (seed 0) into out (NS_CID_LEN bytes). ICMP flows hash the type
 * and code of their first packet, from the originator, as the spec maps them. */
void ns_track_community_id(const struct ns_flow *f, char *out);

/* The Zeek state of transport flow f, or NULL (cfg.zeek off, an address pair, or no
 * memory when f was created). Valid until the next ns_track_frame(). */
const struct ns_zeek *ns_track_zeek(const struct ns_track *t, const struct ns_flow *f);

void ns_track_frame(struct ns_track *t, const struct ns_rec *rec, const struct ns_pkt *pkt,
                    struct ns_track_out *out);

/* Lookahead stage 2 (core/flow.h) for a transport key of hash h: asks for the matching
 * entries of the flow table and the first one's Zeek state; returns that entry's index
 * (0: none) for the owner's own side arrays. A hint: changes nothing. */
uint32_t ns_track_prefetch_flow(const struct ns_track *t, uint32_t h);

#endif
