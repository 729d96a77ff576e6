/* cli/metrics.h: the run's counters as one snapshot, and --metrics-listen ADDR:PORT, which
 * serves that snapshot as GET /metrics in the Prometheus text exposition format 0.0.4
 * (docs/metrics.md lists every metric with its HELP text).
 * In:     snapshots the capture loop publishes (ns_metrics_publish), a few times a second.
 * Out:    HTTP/1.0 answers on a TCP socket: /metrics (text/plain; version=0.0.4), / (a link
 *         to it), 404 otherwise, 405 for a method other than GET/HEAD. One connection at a
 *         time, each closed after its answer.
 * Owns:   one listening socket and one thread, which never touches the engine: it only
 *         reads the published copy, under a mutex the publisher holds for one memcpy, so
 *         the packet path never waits on a slow client.
 * Errors: ns_metrics_start() refuses a bad ADDR:PORT (NS_STATUS_USAGE) or a socket that
 *         cannot be bound (NS_STATUS_FORMAT), with one sentence in err.
 * Never:  allocates after start; the packet path only copies counters. */
#ifndef NS_CLI_METRICS_H
#define NS_CLI_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/engine.h"
#include "../core/status.h"
#include "live.h"

/* Every counter the periodic statistics and /metrics show: plain numbers, copied as a whole. */
struct ns_metrics_snap {
    double start_s;             /* wall clock at the start of the run, seconds */
    bool live;
    uint64_t frames, packets, bytes, malformed;
    uint64_t flows_created, flows_active, flows_peak, flows_evicted, flows_idle, flows_active_to;
    uint64_t alerts[4];         /* by enum ns_alert_kind; [0] unused */
    uint64_t tcp_segments;
    uint64_t frags, reasm_dropped;
    int64_t last_ts_ns;         /* time of the latest frame; 0: none yet */
    uint64_t written_packets, written_bytes, written_files;
    unsigned nifs;              /* live: the interfaces' counters */
    struct ns_live_if_stats ifs[NS_LIVE_MAX_IF];
};

uint64_t ns_metrics_alerts(const struct ns_metrics_snap *s);
/* Kernel and interface drops over every interface. */
uint64_t ns_metrics_drops(const struct ns_metrics_snap *s);

/* Copies the engine's counters (and live's, when not NULL) into s; keeps start_s. */
void ns_metrics_fill(struct ns_metrics_snap *s, const struct ns_engine *e, const struct ns_live_stats *live);

/* The exposition text of s into buf; returns its length (cap - 1 at most: 64 KiB is ample). */
size_t ns_metrics_format(const struct ns_metrics_snap *s, char *buf, size_t cap);

struct ns_metrics;

/* Binds ADDR:PORT ("9100" alone: 127.0.0.1:9100; "[::1]:9100" for IPv6) and starts the
 * server thread. NULL with err filled and *status set on failure. */
struct ns_metrics *ns_metrics_start(const char *spec, enum ns_status *status, struct ns_err *err);
/* The port bound (useful with port 0). */
unsigned ns_metrics_port(const struct ns_metrics *m);
/* Replaces the snapshot served. */
void ns_metrics_publish(struct ns_metrics *m, const struct ns_metrics_snap *s);
/* Stops the thread, closes the socket, frees m (NULL is fine). */
void ns_metrics_stop(struct ns_metrics *m);

#endif
