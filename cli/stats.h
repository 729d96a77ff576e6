/* cli/stats.h: -z netscope,stats: the run's counters (frames, flows and their evictions
 * and timeouts, reassembly drops, TCP analysis and anomaly-detection caps). */
#ifndef NS_CLI_STATS_H
#define NS_CLI_STATS_H

#include <stdbool.h>
#include <stdio.h>

#include "../core/engine.h"
#include "live.h"

/* True (and *want set) when spec is "netscope,stats". */
bool ns_stats_want(bool *want, const char *spec);
/* Prints after the run; the engine's tables may be finished (their counters stay).
 * live: the capture's counters per interface (a "Capture" section), or NULL for files. */
void ns_stats_print(const struct ns_engine *e, const struct ns_live_stats *live, FILE *out);

#endif
