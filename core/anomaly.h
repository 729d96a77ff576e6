/* core/anomaly.h: SYN flood and port scan detection on packet time, in bounded memory.
 * In:     one struct ns_anomaly_pkt per IP packet (TCP, UDP, ICMP, ICMPv6), in capture order;
 *         slightly out of time order is allowed (see Time).
 * Out:    0..NS_ANOMALY_MAX_PER_PKT alerts per packet, written to the caller's array.
 * Owns:   one block allocated in init (cfg.alloc or calloc), holding four tables sized by
 *         the caps in cfg: SYN-flood targets (each with syn_sources source slots),
 *         half-open SYNs (with the ACK filter, see Cost), (scanner, host) pairs and
 *         (scanner, proto, port) pairs (each with a set of twice its threshold in probes).
 *         Nothing is allocated after init; ns_anomaly_bytes() tells the size (14.1 MiB at
 *         the defaults, docs/anomaly.md).
 * Full:   every table evicts its least recently used entry, counted in stats.
 * Time:   the detector's clock is the latest packet time seen. Windows, answer grace and
 *         cooldowns are measured against that clock, never wall time, so a replay at any
 *         speed raises the same alerts. An earlier packet is counted with its own time if
 *         that time is still inside the rule's window, else ignored (stats.late); it never
 *         moves the clock back.
 * Rules:  docs/anomaly.md. In short:
 *         - SYN flood: per (host, port), SYNs (SYN without ACK) whose handshake was not
 *           completed, within syn_window, from at least syn_sources sources. Completion
 *           is the client's ACK (ACK without SYN/RST from the SYN's sender on the same
 *           4-tuple), not the server's SYN/ACK: a server under a flood answers spoofed
 *           SYNs with SYN/ACKs (SYN cookies) that are never acknowledged.
 *         - Port scan: per scanner, distinct ports on one host (vertical) or distinct hosts
 *           on one proto/port (horizontal) probed within scan_window. A TCP probe is a SYN;
 *           it counts once refused (RST from the probed host:port, or an ICMP/ICMPv6
 *           destination unreachable quoting it) or once unanswered for scan_answer_ns; a
 *           probe answered by SYN/ACK (port open, connection accepted) never counts. A UDP
 *           datagram is a probe only when an ICMP/ICMPv6 port unreachable quotes it.
 * Cost:   every packet must be fed (it moves the clock), and most need nothing else:
 *         ns_anomaly_feed is inline, and returns without a call for a TCP segment without
 *         SYN, ACK or RST, for UDP, and for an ACK that the ACK filter proves completes
 *         nothing, while the clock is below a stored bound under which the oldest
 *         half-open SYN cannot have expired. The rest goes to ns_anomaly_feed_rest, the
 *         only code that changes the half-open table, which refreshes the bound.
 *         ACK filter: only the client's ACK completes a half-open SYN, so an ACK first
 *         looks at a counter indexed by a cheap hash of its 4-tuple, one per index slot of
 *         the half-open table: the number of half-open SYNs whose 4-tuple falls there,
 *         raised as a SYN enters the table and lowered as it leaves (completed, expired or
 *         evicted). Zero proves that no half-open SYN has this 4-tuple, so the lookup is
 *         skipped; any other value costs the lookup. The counters are kept from the packets
 *         fed, not from the caller's flows, so the filter is exact whatever those do
 *         (eviction, a reused 4-tuple, idle-timeout splits, VLANs in the flow key, late
 *         packets, the threaded merger feeding one detector in frame order): an ACK for a
 *         SYN still in the table always reaches the lookup, and alerts, stats and
 *         ns_anomaly_flood_state are those of a lookup for every ACK.
 * Never:  prints, reads a global or the wall clock, allocates after init, knows Wireshark
 *         or libpcap. */
#ifndef NS_ANOMALY_H
#define NS_ANOMALY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "status.h"

/* A SYN can raise a flood and both scan alerts; nothing raises more. */
#define NS_ANOMALY_MAX_PER_PKT 3

/* Threshold ceilings: the source slots and probe sets are sized from the thresholds. */
#define NS_ANOMALY_MAX_SOURCES 4096     /* syn_sources */
#define NS_ANOMALY_MAX_SET 4096         /* scan_ports, scan_hosts */
#define NS_ANOMALY_MAX_CAP (1u << 24)   /* every table cap */

/* Zero in any field means its default (in brackets). */
struct ns_anomaly_cfg {
    uint32_t syn_count;         /* uncompleted SYNs to one (host, port) in the window [200] */
    uint32_t syn_sources;       /* ... from at least this many sources [50] */
    int64_t syn_window_ns;      /* [5 s] */
    int64_t syn_cooldown_ns;    /* no second flood alert for a target before [syn_window_ns] */
    uint32_t scan_ports;        /* vertical: distinct ports on one host [25] */
    uint32_t scan_hosts;        /* horizontal: distinct hosts on one proto/port [10] */
    int64_t scan_window_ns;     /* [10 s] */
    int64_t scan_cooldown_ns;   /* per scanner key [scan_window_ns] */
    int64_t scan_answer_ns;     /* an unanswered TCP probe counts after this long [1 s] */
    uint32_t max_targets;       /* flood (host, port) targets [1024] */
    uint32_t max_half_open;     /* SYNs awaiting their client ACK [65536] */
    uint32_t max_vertical;      /* (scanner, host) pairs [4096] */
    uint32_t max_horizontal;    /* (scanner, proto, port) pairs [4096] */
    uint32_t hash_seed;         /* table hashing; any value gives the same alerts [0] */
    /* Where init gets its memory (both NULL: calloc/free). alloc must return zeroed bytes. */
    void *(*alloc)(size_t size, void *arg);
    void (*free)(void *p, size_t size, void *arg);
    void *alloc_arg;
};

enum ns_alert_kind {
    NS_ALERT_SYN_FLOOD = 1,
    NS_ALERT_PORT_SCAN_VERTICAL,
    NS_ALERT_PORT_SCAN_HORIZONTAL,
};

struct ns_alert {
    enum ns_alert_kind kind;
    int64_t ts_ns;              /* time of the packet that raised it */
    int64_t window_start_ns;    /* the earliest counted SYN or probe (see docs/anomaly.md) */
    uint8_t af;                 /* 4 or 6 */
    uint8_t proto;              /* flood: 6; horizontal: 6 or 17; vertical: 0 (both count) */
    uint16_t port;              /* flood and horizontal: the target port; vertical: 0 */
    uint8_t src[16];            /* scanner; flood: the source with most uncompleted SYNs */
    uint8_t dst[16];            /* target host; horizontal: all zero */
    uint32_t count;             /* flood: uncompleted SYNs; scan: probe packets counted */
    uint32_t distinct;          /* flood: sources (at most the threshold); scan: ports/hosts */
    uint32_t threshold;         /* flood: syn_count; scan: scan_ports or scan_hosts */
    uint32_t rst, icmp;         /* scan: counted probes refused by RST / by ICMP */
    uint32_t accepted;          /* scan: probes in the window answered by SYN/ACK, not counted */
};

/* A quoted header inside an ICMP/ICMPv6 error: the probe it answers. */
struct ns_anomaly_quote {
    uint8_t af;                 /* 4 or 6 */
    uint8_t proto;              /* 6 or 17; others are ignored */
    const uint8_t *src, *dst;   /* 4 or 16 bytes */
    uint16_t sport, dport;
};

struct ns_anomaly_pkt {
    int64_t ts_ns;
    uint8_t af;                 /* 4 or 6; others are ignored */
    uint8_t proto;              /* 6 TCP, 17 UDP, 1 ICMP, 58 ICMPv6 */
    uint8_t tcp_flags;          /* TCP: the flags byte (FIN 0x01 SYN 0x02 RST 0x04 ACK 0x10) */
    uint8_t icmp_type, icmp_code;  /* ICMP/ICMPv6 */
    const uint8_t *src, *dst;   /* 4 or 16 bytes */
    uint16_t sport, dport;
    const struct ns_anomaly_quote *quoted;  /* ICMP/ICMPv6 error: its quoted header, or NULL */
};

struct ns_anomaly_stats {
    uint64_t packets;           /* fed */
    uint64_t late;              /* older than a rule's window against the clock: ignored */
    uint64_t syns;              /* SYN without ACK */
    uint64_t syn_dups;          /* same 4-tuple while still half-open: not counted again */
    uint64_t completed;         /* half-open SYNs completed by the client's ACK */
    uint64_t accepted;          /* scan probes answered by SYN/ACK */
    uint64_t refused_rst, refused_icmp;  /* scan probes refused (first answer only) */
    uint64_t udp_probes;        /* UDP datagrams made probes by an ICMP port unreachable */
    uint64_t alerts[4];         /* by enum ns_alert_kind */
    uint64_t suppressed;        /* rule met during a cooldown: no alert */
    uint64_t expired_half_open; /* left the SYN window uncompleted */
    uint64_t evicted_targets, evicted_half_open, evicted_vertical, evicted_horizontal;
    uint64_t untracked_sources; /* SYNs whose source found no free slot in its target */
    uint64_t replaced_probes;   /* a full probe set gave a slot to a new port/host */
};

/* One fixed-size hash index with a recency list; the payload lives in parallel arrays.
 * Internal to anomaly.c; public only so the caller can own the struct. */
struct ns_anomaly_tab {
    uint8_t *keys;              /* (cap + 1) * ksize bytes; entry 0 is "none" */
    uint32_t *hash, *prev, *next;   /* cap + 1 each; head of the list = least recent */
    uint32_t *slot;             /* nslot entry indices, 0 = empty; nslot = pow2 >= 2 * cap */
    uint32_t ksize, cap, nslot, used, live, free_head, head, tail;
};

struct ns_anomaly_target;
struct ns_anomaly_src;
struct ns_anomaly_half;
struct ns_anomaly_scan;
struct ns_anomaly_probe;

struct ns_anomaly {
    struct ns_anomaly_cfg cfg;  /* with defaults filled in */
    struct ns_anomaly_stats stats;
    int64_t clock_ns;           /* latest packet time; INT64_MIN before the first */
    size_t bytes;               /* allocated in init */
    struct ns_anomaly_tab targets, half, vert, horiz;
    struct ns_anomaly_target *target;   /* max_targets + 1 */
    struct ns_anomaly_src *tsrc;        /* (max_targets + 1) * syn_sources */
    struct ns_anomaly_half *hopen;      /* max_half_open + 1 */
    struct ns_anomaly_scan *vpair, *hpair;  /* max_vertical + 1, max_horizontal + 1 */
    struct ns_anomaly_probe *vset, *hset;   /* vset_n, hset_n probes per pair */
    uint32_t vset_n, hset_n;    /* 2 * scan_ports, 2 * scan_hosts */
    /* The ACK filter (see Cost above): pend[b] is the number of half-open SYNs whose
     * 4-tuple falls in bucket b, at most max_half_open, so it cannot wrap; half.nslot
     * buckets. */
    uint32_t *pend;
    uint32_t pend_shift;        /* 64 - log2(buckets): a bucket is a product's top bits */
    int64_t expire_at;          /* the oldest half-open SYN cannot expire before this clock;
                                   kept by ns_anomaly_feed_rest, which alone changes the
                                   half-open table */
};

enum ns_status ns_anomaly_init(struct ns_anomaly *a, const struct ns_anomaly_cfg *cfg,
                               struct ns_err *err);
void ns_anomaly_fini(struct ns_anomaly *a);

/* ns_anomaly_feed's out-of-line part: packets a rule may act on. Call ns_anomaly_feed. */
unsigned ns_anomaly_feed_rest(struct ns_anomaly *a, const struct ns_anomaly_pkt *p,
                              struct ns_alert *out);

/* IPv6 folds all four words: addresses that differ only in their prefix (one host
 * number on many subnets) still spread over the buckets. */
static inline uint32_t ns_anomaly_addr_word(uint8_t af, const uint8_t *addr)
{
    uint32_t w, x;
    memcpy(&w, addr, 4);
    if (af == 6) {
        memcpy(&x, addr + 4, 4);
        w ^= x;
        memcpy(&x, addr + 8, 4);
        w ^= x;
        memcpy(&x, addr + 12, 4);
        w ^= x;
    }
    return w;
}

/* The filter bucket of a 4-tuple. Cheaper than the half-open table's hash of the 40-byte
 * key: a bucket may be shared, so it only has to spread the tuples, the same way for a
 * SYN and its ACK. */
static inline uint32_t ns_anomaly_bucket(const struct ns_anomaly *a, uint8_t af,
                                         const uint8_t *src, uint16_t sport,
                                         const uint8_t *dst, uint16_t dport)
{
    uint32_t d = ns_anomaly_addr_word(af, dst);
    uint64_t k = (uint64_t)(ns_anomaly_addr_word(af, src) ^ (d << 16 | d >> 16)) << 32 |
                 (uint32_t)sport << 16 | dport;
    return (uint32_t)(((k ^ a->cfg.hash_seed) * 0x9e3779b97f4a7c15ull) >> a->pend_shift);
}

/* Feeds one packet; returns the number of alerts it raised (0..NS_ANOMALY_MAX_PER_PKT),
 * written to out[0..n-1]. Inline because every packet comes here and most need only the
 * clock moved: a TCP segment with no SYN, ACK or RST, an ACK whose filter bucket is empty,
 * or UDP, while no half-open SYN may have expired. */
static inline unsigned ns_anomaly_feed(struct ns_anomaly *a, const struct ns_anomaly_pkt *p,
                                       struct ns_alert *out)
{
    a->stats.packets++;
    if ((p->af != 4 && p->af != 6) || p->src == NULL || p->dst == NULL)
        return 0;
    if (p->ts_ns > a->clock_ns)
        a->clock_ns = p->ts_ns;
    if (a->clock_ns < a->expire_at) {
        if (p->proto == 6) {
            uint8_t f = p->tcp_flags & 0x16;            /* SYN, RST, ACK */
            if (f == 0 || (f == 0x10 &&
                           a->pend[ns_anomaly_bucket(a, p->af, p->src, p->sport, p->dst,
                                                     p->dport)] == 0))
                return 0;
        } else if (p->proto != 1 && p->proto != 58) {
            return 0;           /* UDP counts only when an ICMP error quotes it */
        }
    }
    return ns_anomaly_feed_rest(a, p, out);
}

/* The flood state of target (af, dst, port) as of the last packet fed: its uncompleted
 * SYNs in the window and their sources (at most syn_sources). false: not tracked. */
bool ns_anomaly_flood_state(const struct ns_anomaly *a, uint8_t af, const uint8_t *dst,
                            uint16_t port, uint32_t *count, uint32_t *distinct);

/* Bytes allocated by init: fixed for the detector's life. */
size_t ns_anomaly_bytes(const struct ns_anomaly *a);

/* "syn_flood", "port_scan_vertical", "port_scan_horizontal"; "unknown" otherwise. */
const char *ns_alert_kind_name(enum ns_alert_kind k);

#endif
