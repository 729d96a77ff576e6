/* cli/progress.h: the progress bar of a file run, on stderr, when stderr is a terminal:
 *   [##########..........]  48%  1.2 GB of 2.5 GB  812k pkt/s  ETA 0:14
 * percent of the file's bytes read, packets per second over the run, time left at the
 * average rate so far. Redrawn in place (carriage return) at most 5 times a second and
 * erased when the run ends, so nothing is left between the run's own lines.
 * When:   main.c decides (docs/metrics.md): a terminal on stderr, a file input, and no
 *         per-frame output to the same terminal; --no-progress turns it off.
 * Never:  allocates, or writes anything when not enabled. */
#ifndef NS_CLI_PROGRESS_H
#define NS_CLI_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct ns_progress {
    FILE *out;                  /* NULL: off */
    int64_t start_ns, next_ns;  /* monotonic clock */
    bool drawn;
};

void ns_progress_init(struct ns_progress *p, FILE *out);
/* now_ns: monotonic clock; done/total: bytes of the file; packets so far. */
void ns_progress_update(struct ns_progress *p, int64_t now_ns, uint64_t done, uint64_t total,
                        uint64_t packets);
/* Erases the bar. */
void ns_progress_end(struct ns_progress *p);

#endif
