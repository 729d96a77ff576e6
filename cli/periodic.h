/* cli/periodic.h: --stats-interval S: one JSON Lines record per interval (docs/metrics.md):
 * packets, bytes, rates, flows, evictions, drops, alerts of the interval and the run so far,
 * and the interval's top flows by bytes.
 * Time:   files: packet time, intervals from the first packet (tshark's -z io,stat grid),
 *         so a run is reproducible; live: the wall clock from the capture's start, so a quiet
 *         link still gets its lines. A stretch of empty intervals is one record.
 * In:     before each frame, its time (ns_periodic_due/emit, counters not yet including it);
 *         after it, the frame (its flow counts toward the interval's top flows).
 * Owns:   the output FILE when a path was given; NS_PERIODIC_SLOTS flow slots, inline.
 * Never:  allocates per frame. */
#ifndef NS_CLI_PERIODIC_H
#define NS_CLI_PERIODIC_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "../core/fields.h"
#include "../core/flow.h"
#include "metrics.h"

#define NS_PERIODIC_SLOTS 32    /* flows followed per interval (SpaceSaving beyond that) */
#define NS_PERIODIC_TOP   5     /* flows listed per record */

struct ns_periodic_slot {
    uint64_t flow_id;           /* 0: free */
    struct ns_flow_key key;
    bool a_is_1;
    uint64_t bytes, packets;
};

struct ns_periodic {
    FILE *out;
    bool own;                   /* out was opened here */
    bool failed;
    char path[4096];
    int64_t iv_ns;
    bool started;
    int64_t origin_ns;          /* the grid's 0: first packet (files) or capture start (live) */
    int64_t from_ns;            /* start of the interval being counted */
    int64_t next_ns;            /* its end */
    struct ns_metrics_snap last;    /* the counters at from_ns */
    struct ns_periodic_slot slot[NS_PERIODIC_SLOTS];
    unsigned last_hit;
};

/* path: NULL is stderr, "-" stdout, else a file (truncated). */
int ns_periodic_open(struct ns_periodic *p, double interval_s, const char *path, struct ns_err *err);
/* Starts the grid at t (the first frame's time, or the capture's start). */
void ns_periodic_start(struct ns_periodic *p, int64_t t_ns);
/* Emits every interval that ends at or before now; s: the counters now. */
void ns_periodic_advance(struct ns_periodic *p, const struct ns_metrics_snap *s, int64_t now_ns);
/* The frame's flow, for the interval's top flows. */
void ns_periodic_frame(struct ns_periodic *p, const struct ns_frame *f);
/* The last, partial interval, up to end_ns; closes the file. -1 with err on a write error. */
int ns_periodic_close(struct ns_periodic *p, const struct ns_metrics_snap *s, int64_t end_ns,
                      struct ns_err *err);

#endif
