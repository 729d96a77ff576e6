/* core/topn.h: top talkers by bytes with the SpaceSaving sketch (Metwally, Agrawal,
 * El Abbadi, "Efficient Computation of Frequent and Top-k Elements in Data Streams", 2005),
 * weighted by frame length.
 * In:     (address, bytes) per packet and host, in any order.
 * Out:    the k monitored hosts with their counts and error bounds: a host's true bytes
 *         lie in [bytes - err, bytes]; any host whose true share exceeds total/k is
 *         monitored; err <= total_bytes / k.
 * Owns:   k items, k chain links and a bucket array, allocated in init; nothing after.
 * Never:  prints, allocates per packet, reads a global. */
#ifndef NS_TOPN_H
#define NS_TOPN_H

#include <stdbool.h>
#include <stdint.h>

#include "status.h"

struct ns_topn_item {
    uint8_t af;                 /* 4 or 6; 0 = unused slot */
    uint8_t addr[16];
    uint64_t bytes, pkts;       /* over-estimates */
    uint64_t bytes_err, pkts_err;  /* what they may over-estimate by */
    uint32_t heap_pos;          /* index in the min-heap */
    uint32_t next;              /* hash chain, index + 1; 0 ends it */
};

struct ns_topn {
    uint32_t k, n;
    struct ns_topn_item *item;  /* k items */
    uint32_t *heap;             /* item indices, the fewest bytes at heap[0] */
    uint32_t *bucket;           /* chain heads, item index + 1 */
    uint32_t nbucket;           /* power of two */
    uint64_t total_bytes, total_pkts;
    uint64_t replaced;          /* items handed to a new host: the sketch's evictions */
};

enum ns_status ns_topn_init(struct ns_topn *t, uint32_t k, struct ns_err *err);
void ns_topn_fini(struct ns_topn *t);

/* Counts one packet of len bytes for host (af, addr: 4 or 16 bytes). */
void ns_topn_add(struct ns_topn *t, uint8_t af, const uint8_t *addr, uint64_t len);

/* Sorts the monitored items by bytes, most first, into the item array's order and returns
 * how many there are; later adds are not allowed after it. */
uint32_t ns_topn_finish(struct ns_topn *t);

#endif
