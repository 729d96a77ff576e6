/* cli/monitor.h: watching a run while it goes: --stats-interval (cli/periodic.c),
 * --metrics-listen (cli/metrics.c) and the progress bar (cli/progress.c), behind the few
 * calls main.c makes per frame, so the capture loop stays one screen.
 * Options: --stats-interval S, --stats-file FILE, --metrics-listen [ADDR:]PORT, --no-progress.
 * Cost:   with none of them, each hook is one test. With them, per frame: a clock read
 *         (every 256 frames for files), the frame's flow counted in a fixed slot table, and
 *         a counter snapshot copied under a mutex at most 10 times a second.
 * Errors: values with one sentence in err; the run goes on after a failed write to the
 *         statistics file and ns_monitor_close() reports it. */
#ifndef NS_CLI_MONITOR_H
#define NS_CLI_MONITOR_H

#include <stdbool.h>

#include "../core/engine.h"
#include "../core/reader.h"
#include "inputs.h"
#include "live.h"
#include "metrics.h"
#include "periodic.h"
#include "progress.h"
#include "writer.h"

struct ns_monitor_cfg {
    double stats_interval;      /* --stats-interval S: 0 = off */
    const char *stats_file;     /* --stats-file FILE: NULL = stderr, "-" = stdout */
    const char *metrics_listen; /* --metrics-listen [ADDR:]PORT, or NULL */
    bool no_progress;           /* --no-progress */
};

/* argv[*i] when it is one of the options above (its value consumed: *i moves on): 1; not
 * one: 0; a bad value: -1 with err. */
int ns_monitor_option(struct ns_monitor_cfg *cfg, int argc, char **argv, int *i, struct ns_err *err);

struct ns_monitor {
    bool periodic_on, wall;
    struct ns_periodic per;
    struct ns_metrics *srv;
    struct ns_progress prog;
    const struct ns_merge *files;   /* -r: the merged files (progress), else NULL */
    struct ns_live *live;
    const struct ns_writer *writer;
    struct ns_metrics_snap snap;
    struct ns_live_stats lst;
    int64_t next_pub_ns;
    int64_t last_ts_ns;
};

/* Starts what cfg asks for. live: the run captures (wall-clock intervals, no bar);
 * frames_to_tty: per-frame output goes to the terminal (no bar then). 0, or -1 with err
 * and *status (NS_STATUS_USAGE: exit 1). */
int ns_monitor_open(struct ns_monitor *m, const struct ns_monitor_cfg *cfg, bool live,
                    bool frames_to_tty, enum ns_status *status, struct ns_err *err);
/* Where the counters come from: the files (progress), the capture (drops), -w. */
void ns_monitor_source(struct ns_monitor *m, const struct ns_merge *files, struct ns_live *l,
                       const struct ns_writer *w);
/* Before the engine sees rec: ends the intervals rec's time closes. */
void ns_monitor_rec(struct ns_monitor *m, const struct ns_engine *e, const struct ns_rec *rec);
/* After: the frame's flow, the metrics snapshot, the bar. */
void ns_monitor_frame(struct ns_monitor *m, const struct ns_engine *e, const struct ns_frame *f);
/* Live, no packet for a while. */
void ns_monitor_idle(struct ns_monitor *m, const struct ns_engine *e);
/* After the input ends (before the engine's tables are finished): the last interval, the
 * bar erased, the server stopped. live: the capture's final counters (NULL for files).
 * -1 with err when the statistics file failed. */
int ns_monitor_close(struct ns_monitor *m, const struct ns_engine *e, const struct ns_live_stats *live,
                     struct ns_err *err);

#endif
