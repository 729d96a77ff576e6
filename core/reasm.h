/* core/reasm.h: IPv4 and IPv6 fragment reassembly with tshark 4.0's observable behaviour.
 * In:     fragments the IPv4/IPv6 dissectors already parsed (struct ns_frag), in capture order.
 * Out:    per fragment, whether it completed its datagram; if so the whole transport payload
 *         in a buffer owned here, valid until the next ns_reasm_add() or ns_reasm_fini().
 * Owns:   cfg.max_datagrams datagram slots, a pool of cfg.max_bytes of fragment data (in
 *         NS_REASM_CHUNK-byte chunks) and a cfg.max_datagram_len output buffer, all allocated
 *         in init and freed in fini; nothing is allocated after init.
 * Full:   a new datagram when max_datagrams are in progress evicts the oldest (first fragment
 *         seen first), counted in stats.dropped_full; a fragment that does not fit in
 *         max_bytes evicts the oldest other datagrams until it fits (stats.dropped_bytes);
 *         one that cannot fit even alone drops its own datagram (NS_REASM_DROPPED).
 *         A datagram longer than max_datagram_len is dropped (stats.dropped_too_big).
 * Time:   with cfg.timeout_ns > 0 a datagram whose first fragment is older than that (packet
 *         time of the fragment being added) is dropped (stats.dropped_timeout); 0 = never,
 *         as tshark, which keeps every reassembly for the whole file.
 * Cost:   a small hash over (addresses, id) per fragment; inserting walks the datagram's
 *         fragment list unless the fragment starts at or past everything held (in order).
 * Never:  prints, reads a global, allocates after init, knows Wireshark or libpcap.
 *
 * Rules (tshark 4.0.17, default prefs; epan/reassemble.c fragment_add_check() and
 * fragment_add_work(), epan/dissectors/packet-ip.c and packet-ipv6.c; each one checked by
 * feeding crafted captures to tshark):
 *  - Key. IPv4: addresses and tshark's mixed id, id ^ protocol, also ^ VLAN id when either
 *    address is private (10/8, 172.16/12, 192.168/16) or link-local (169.254/16). The XOR is
 *    kept on purpose: (proto 17, id 1) and (proto 16, id 0) share a datagram in tshark too.
 *    IPv6: addresses and the 32-bit fragment id; neither next header nor VLAN is part of it.
 *    IPv4 and IPv6 never share a datagram; the capture interface is not part of the key.
 *  - A fragment that starts at offset 0 with no more fragments is not a fragment (IPv6
 *    "atomic fragment", RFC 6946): it is returned as is and leaves reassembly state alone.
 *  - A fragment whose payload was not all captured, or which has no payload, is not added
 *    (NS_REASM_SKIPPED). tshark then dissects an IPv4 fragment at offset 0 on its own (the
 *    transport header shows, marked fragmented) and shows data only otherwise; IPv6 shows
 *    data only (an empty IPv6 fragment is reported Malformed).
 *  - The first fragment without "more" sets the length (offset + length); a later one with
 *    another end is counted (stats.multiple_tails) and does not change it.
 *  - The datagram completes in the frame after which the bytes held cover [0, length)
 *    without a gap. Bytes held past the length are ignored (tshark's "fragment too long").
 *  - Overlaps: each byte comes from the fragment with the lowest offset that covers it; of
 *    fragments at the same offset, the one that arrived first. Later data never overwrites.
 *  - Completion ends the datagram: a fragment with the same key after it (a retransmission)
 *    starts a new one, which completes again only if its own fragments cover it.
 *  - The reassembled payload is dissected by the caller with the protocol / next header of
 *    the fragment that completed it, whatever earlier fragments said.
 *  - tshark has no size limit: it reassembles up to 65528 + 65515 bytes (IPv4) and 65528 +
 *    65527 (IPv6). NS_REASM_MAX_LEN as max_datagram_len reproduces it; 65535 enforces
 *    RFC 791 / RFC 8200 instead, and the two differ only on such oversized datagrams. */
#ifndef NS_REASM_H
#define NS_REASM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "status.h"

/* The largest payload any fragment series can describe: a 13-bit offset (65528 bytes) plus
 * the largest IPv6 fragment (65535 - 8 for the fragment header). IPv4 stops 12 bytes lower. */
#define NS_REASM_MAX_LEN 131055u
#define NS_REASM_MAX_DATAGRAMS (1u << 24)
#define NS_REASM_CHUNK 128u      /* fragment data is held in chunks of this many bytes */

struct ns_reasm_cfg {
    uint32_t max_datagrams;     /* datagrams being reassembled at once; required, 1..2^24 */
    uint32_t max_bytes;         /* fragment data held over all of them, rounded down to whole
                                   chunks; required, at least NS_REASM_CHUNK */
    uint32_t max_datagram_len;  /* longest payload reassembled; required, 1..NS_REASM_MAX_LEN */
    int64_t timeout_ns;         /* incomplete datagram older than this is dropped; 0 = never */
};

struct ns_reasm_stats {
    uint64_t fragments;         /* ns_reasm_add() calls */
    uint64_t completed;         /* datagrams returned with NS_REASM_DONE (atomic ones aside) */
    uint64_t atomic;            /* offset 0 without more fragments: returned as is */
    uint64_t skipped_truncated; /* payload not all captured: not added */
    uint64_t skipped_empty;     /* no payload: not added */
    uint64_t invalid;           /* caller error (af not 4/6, NULL pointer): not added */
    uint64_t overlaps;          /* fragments overlapping bytes already held */
    uint64_t overlap_conflicts; /* ... of which with different bytes in the overlap */
    uint64_t duplicates;        /* ... of which adding no byte: nothing stored */
    uint64_t multiple_tails;    /* a last fragment whose end disagrees with the first one's */
    uint64_t dropped_timeout;   /* incomplete datagrams dropped by cfg.timeout_ns */
    uint64_t dropped_full;      /* incomplete datagrams evicted: max_datagrams in progress */
    uint64_t dropped_bytes;     /* incomplete datagrams evicted or dropped: max_bytes held */
    uint64_t dropped_too_big;   /* datagrams longer than max_datagram_len */
    uint64_t in_progress;       /* now: datagrams held */
    uint64_t bytes_held;        /* now: chunk bytes held (multiples of NS_REASM_CHUNK) */
};

/* What the IPv4/IPv6 dissector parsed. Nothing here is kept after the call returns. */
struct ns_frag {
    uint8_t af;                 /* 4 or 6 */
    const uint8_t *src, *dst;   /* 4 or 16 bytes: the header's addresses */
    uint32_t id;                /* IPv4: 16-bit identification; IPv6: 32-bit fragment id */
    uint8_t proto;              /* IPv4 protocol (part of the key); IPv6: unused */
    uint16_t vlan;              /* tshark's pinfo->vlan_id: the first nonzero id among the
                                   802.1Q (0x8100) tags, outermost first, 0 if none; 802.1ad
                                   S-tags do not count. IPv4 only, see the key rule above */
    uint32_t offset;            /* bytes */
    bool more;                  /* MF / M flag */
    uint32_t frag_len;          /* payload length the header claims: IPv4 total length minus
                                   header length; IPv6 payload length minus the extension
                                   headers up to and including the fragment header */
    const uint8_t *data;        /* the payload as captured */
    size_t len;                 /* captured bytes of it; fewer than frag_len = truncated */
    int64_t ts_ns;              /* packet time, for timeouts */
};

enum ns_reasm_result {
    NS_REASM_HELD = 0,          /* kept; the datagram is incomplete: no transport layer */
    NS_REASM_DONE,              /* this fragment completed its datagram: out holds it */
    NS_REASM_SKIPPED,           /* not added (out.why says why): see the rules above */
    NS_REASM_DROPPED,           /* its datagram was dropped by a cap (out.why), counted */
};

enum ns_reasm_why {
    NS_REASM_WHY_NONE = 0,
    NS_REASM_WHY_ATOMIC,        /* DONE: offset 0, no more fragments; out is its own bytes */
    NS_REASM_WHY_TRUNCATED,     /* SKIPPED: len < frag_len */
    NS_REASM_WHY_EMPTY,         /* SKIPPED: frag_len == 0 */
    NS_REASM_WHY_INVALID,       /* SKIPPED: af not 4 or 6, or a NULL pointer */
    NS_REASM_WHY_TOO_BIG,       /* DROPPED: its length exceeds cfg.max_datagram_len */
    NS_REASM_WHY_BYTES,         /* DROPPED: the datagram alone exceeds cfg.max_bytes */
};

struct ns_reasm_out {
    const uint8_t *data;        /* DONE: the payload; NULL otherwise */
    size_t len;
    enum ns_reasm_why why;
};

struct ns_reasm_dgram;          /* private to reasm.c */
struct ns_reasm_piece;

/* The caller owns this struct; its members are private: use only the functions below and
 * read stats. */
struct ns_reasm {
    struct ns_reasm_cfg cfg;
    struct ns_reasm_stats stats;
    struct ns_reasm_dgram *dg;      /* cfg.max_datagrams slots */
    uint32_t *bucket;               /* hash index: first slot of each chain */
    uint32_t bucket_mask;
    struct ns_reasm_piece *piece;   /* one per chunk: every piece holds at least one */
    uint32_t *chunk_next;           /* chunk chains and the free list */
    uint8_t *chunk;                 /* nchunk * NS_REASM_CHUNK bytes */
    uint8_t *out;                   /* cfg.max_datagram_len bytes */
    uint32_t nchunk, chunk_free, chunk_free_head;
    uint32_t piece_free_head, dg_free_head;
    uint32_t chunk_fresh, piece_fresh, dg_fresh;   /* first never-used entry of each array */
    uint32_t oldest, newest;        /* datagrams in order of their first fragment */
};

/* Refuses (NS_STATUS_USAGE) a cfg field out of its range, (NS_STATUS_CAP) memory it cannot
 * get; on failure nothing stays allocated and ns_reasm_fini() is still safe. */
enum ns_status ns_reasm_init(struct ns_reasm *r, const struct ns_reasm_cfg *cfg, struct ns_err *err);

/* Frees everything; incomplete datagrams are discarded without being counted. */
void ns_reasm_fini(struct ns_reasm *r);

/* Adds one fragment; out is always written. Never allocates, never fails otherwise. */
enum ns_reasm_result ns_reasm_add(struct ns_reasm *r, const struct ns_frag *f,
                                  struct ns_reasm_out *out);

#endif
