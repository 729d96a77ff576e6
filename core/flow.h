/* core/flow.h: bidirectional flow table.
 * In:     a canonical key per packet (ns_flow_key_make), in capture order.
 * Out:    the flow the packet belongs to, created on first sight; a struct ns_flow * stays
 *         valid until the next ns_flow_table_get() (the table may grow or evict).
 * Owns:   an entry array, an index and (with an idle timeout) a last-lookup time per entry,
 *         allocated in init (initial capacity), grown by doubling up to cfg.max_flows;
 *         never allocated per packet otherwise. Ending every flow (end_all) needs no
 *         memory when entries are in creation order, else 4 bytes per live flow.
 * Full:   at max_flows the least recently seen flow is evicted, counted in stats.evicted
 *         (with two recency lists: the older of their heads). Without an idle timeout the
 *         list is built only when the table first fills (sorting live flows by their last
 *         lookup, which costs 8 bytes per live flow once), so a lookup writes a stamp into
 *         its own entry instead of relinking two neighbours on every packet.
 * Idle:   with cfg.idle_ns > 0 a flow not seen for that long ends (counted in
 *         stats.timed_out) as soon as any later packet's time passes that mark, in the order
 *         the flows were last seen, and a packet with its key starts a new flow; 0 keeps one
 *         flow per key forever, as Wireshark does. TCP flows may have their own timeout
 *         (cfg.idle_tcp_ns: live capture ends idle TCP after 5 min, the rest after 1 min);
 *         then TCP and the others are kept in two recency lists, each swept from its own
 *         head, so a long-timeout flow never hides an expired short-timeout one. Time is
 *         packet time, never the clock.
 * Never:  prints, reads a global, knows Wireshark or libpcap. */
#ifndef NS_FLOW_H
#define NS_FLOW_H

#include <stdbool.h>
#include <stdint.h>

#include "status.h"

/* A flow key in canonical order: endpoint 0 is the lower (address, port), so both
 * directions of a conversation give the same key. proto 0 with ports 0 keys an address
 * pair (tshark's IPv4/IPv6 conversation tables). */
struct ns_flow_key {
    uint8_t af;                 /* 4 or 6 */
    uint8_t proto;
    uint16_t port[2];
    uint16_t vlan[2];           /* outer, inner VLAN id when vlan_in_key; else 0 */
    uint8_t addr[2][16];        /* IPv4 in the first 4 bytes, the rest zero */
};

/* Canonical key for a packet from (src, sport) to (dst, dport); *swapped is set when the
 * packet's source is endpoint 1 of the key. */
void ns_flow_key_make(struct ns_flow_key *k, uint8_t af, uint8_t proto, const uint8_t *src,
                      uint16_t sport, const uint8_t *dst, uint16_t dport, bool *swapped);

/* One flow, one table entry. Every table holds one per flow (up to millions), so the
 * layout is packed by hand: the 42-byte key is followed by 2- and 4-byte members so no
 * padding opens before the 8-byte ones, and the small state shares one byte (136 bytes on
 * LP64; a test pins it). Counters stay 64-bit so they are exact on any run. The time of
 * the last lookup, which only idle timeouts need, lives in the table (seen). */
struct ns_flow {
    struct ns_flow_key key;
    uint16_t tcp_flags;         /* union of TCP flags seen, both directions */
    uint32_t stream;            /* per-protocol index (tcp.stream / udp.stream); set by the caller */
    uint32_t hash;
    union {
        struct { uint32_t lru_prev, lru_next; };   /* recency list, for eviction */
        uint32_t touch;         /* instead, until the list is first needed: lookup clock */
    };
    uint32_t tcp_base_seq[2];   /* Wireshark's base_seq per direction: a SYN with another
                                   sequence number starts a new stream (reused ports) */
    uint32_t tcp_next_seq[2];   /* highest sequence number + length sent, per direction */
    uint8_t icmp_type, icmp_code;  /* ICMP/ICMPv6 flows: the first packet's, for Community ID */
    uint8_t a_is_1 : 1;         /* A (the first packet's source) is endpoint 1 of the key */
    uint8_t has_zeek : 1;       /* the owner's Zeek state slot for this entry is this flow's */
    uint8_t has_tcpa : 1;       /* the engine's TCP analysis slot for this entry is this flow's */
    uint8_t tcp_base_set : 2;   /* bit d: tcp_base_seq[d] is set (d: 0 A→B, 1 B→A) */
    uint8_t tcp_seq_set : 2;    /* bit d: tcp_next_seq[d] is set */
    uint64_t id;                /* creation order over the run: netscope.flow.id */
    int64_t first_ns, last_ns;  /* earliest and latest time of the frames counted */
    uint64_t frames[2], bytes[2];  /* [0] A→B, [1] B→A: frames counted as its traffic */
};

enum ns_flow_end {
    NS_FLOW_END_EVICTED = 1,    /* table full */
    NS_FLOW_END_IDLE,           /* idle timeout */
    NS_FLOW_END_REUSED,         /* the key started a new flow (e.g. TCP port reuse) */
    NS_FLOW_END_FINAL,          /* ns_flow_table_fini / end of the run */
    NS_FLOW_END_ACTIVE,         /* active timeout: the flow lasted cfg.active_ns; it goes on
                                   as a new flow (NetFlow/IPFIX's active timeout) */
};

struct ns_flow_cfg {
    uint32_t max_flows;         /* required: init refuses 0 */
    /* Called with every flow as it ends, before its entry is reused (may be NULL). */
    void (*on_end)(const struct ns_flow *f, enum ns_flow_end why, void *arg);
    void *arg;
    uint32_t initial;           /* initial capacity (0: min(max_flows, 1024)) */
    int64_t idle_ns;            /* 0 = never split on idle (tshark parity) */
    int64_t active_ns;          /* a flow older than this (from its first packet) ends at its
                                   next packet, which starts a new flow; 0 = never */
    int64_t idle_tcp_ns;        /* TCP flows (proto 6) only; 0 = idle_ns. With idle_ns 0 and
                                   this set, only TCP flows end on idle */
};

struct ns_flow_stats {
    uint64_t created;
    uint64_t evicted;           /* table full: least recently seen flow ended early */
    uint64_t timed_out;         /* idle timeout ended a flow */
    uint64_t active_ended;      /* active timeout ended a flow (it went on as a new one) */
    uint64_t grown;             /* capacity doublings */
    uint32_t active, peak;
};

struct ns_flow_table {
    struct ns_flow_cfg cfg;
    struct ns_flow_stats stats;
    struct ns_flow *ent;        /* cap entries; index 0 unused (0 means "none"). An entry's
                                   index is stable while its flow lives, so owners keep
                                   side arrays of per-flow state indexed by it */
    uint32_t *slot;             /* open addressing: 0, or entry index | high hash bits (the
                                   bits above imask); nslot = 2 * cap, power of 2 */
    uint32_t imask;             /* the slot bits that hold an entry index */
    int64_t *seen;              /* per entry, with an idle timeout only: the last time its key
                                   was looked up (quoted and refused headers too), which ends it */
    int64_t idle[2];            /* timeout per recency list; 0 = never */
    bool split;                 /* TCP has a timeout of its own: list 1 holds TCP flows */
    uint32_t cap, nslot, used;  /* used: entries handed out (slots 1..used) */
    uint32_t free_head;         /* freed entries, chained through lru_next */
    uint32_t lru_head[2], lru_tail[2];   /* head = least recently seen; [1] only when split */
    bool lazy;                  /* no recency list yet: each lookup stamps touch instead */
    uint32_t clock;             /* the last touch handed out, while lazy */
    uint64_t next_id;
};

enum ns_status ns_flow_table_init(struct ns_flow_table *t, const struct ns_flow_cfg *cfg,
                                  struct ns_err *err);
void ns_flow_table_fini(struct ns_flow_table *t);

/* The flow of key k at time ts, created when the key is new or its flow passed the idle
 * timeout (*created tells which). When the table cannot grow, the least recently seen flow
 * is evicted to make room; NULL only when there is nothing to evict either (the caller
 * treats the packet as flowless). */
struct ns_flow *ns_flow_table_get(struct ns_flow_table *t, const struct ns_flow_key *k,
                                  bool a_is_1, int64_t ts_ns, bool *created);

/* Ends every flow whose idle timeout has passed at time ts_ns, as a lookup at that time
 * would (nothing without an idle timeout). Live capture calls it while the link is quiet,
 * so a flow that went silent is reported without waiting for another packet. */
void ns_flow_table_expire(struct ns_flow_table *t, int64_t ts_ns);

/* Ends flow f now and starts a new one with the same key (port reuse); returns the new one. */
struct ns_flow *ns_flow_table_restart(struct ns_flow_table *t, struct ns_flow *f, bool a_is_1,
                                      int64_t ts_ns);

/* Ends every live flow (on_end with NS_FLOW_END_FINAL), oldest first by creation. */
void ns_flow_table_end_all(struct ns_flow_table *t);

/* The hash ns_flow_table_get() computes for k: callers that look ahead (below) use this one
 * definition, so a hint can never aim at another slot than the lookup will read. */
uint32_t ns_flow_key_hash(const struct ns_flow_key *k);

/* Lookahead, in two stages a few packets apart, for a caller that knows upcoming keys
 * (cli/main.c): stage 1 asks for the index slot of hash h; stage 2, once that line has
 * arrived, reads the slot and its probe run and asks for the entries whose tag matches,
 * returning the first such entry's index (0: none) so owners of side arrays can ask for
 * theirs. Hints only: they change nothing, a table that grew or changed in between only
 * makes them miss, and nothing read here is trusted beyond the array bounds. */
void ns_flow_table_prefetch_slot(const struct ns_flow_table *t, uint32_t h);
uint32_t ns_flow_table_prefetch_entry(const struct ns_flow_table *t, uint32_t h);

/* The live flow with key k, or NULL; changes nothing (no recency, no idle expiry, no
 * creation): for tests and readers that must not disturb the table. */
const struct ns_flow *ns_flow_table_find(const struct ns_flow_table *t, const struct ns_flow_key *k);

#endif
