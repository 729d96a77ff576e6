/* cli/pipeline.h: --threads N on a file: one reader, N workers, one merger (docs/threads.md).
 * In:     a capture file and what main set up for a serial run: its engine (initialised:
 *         its detector sees every packet here, its counters receive the workers' sums), the
 *         per-frame sinks and the flow-end sinks.
 * Out:    the same bytes as the serial run on every output: the merger consumes frames in
 *         frame order, numbers streams and flows as the serial run does, runs the anomaly
 *         detector over every packet, and hands every flow's end to the sinks in the serial
 *         order (ends during a frame with that frame; at the end, by creation).
 * Threads: the calling thread reads, dispatches (cli/shard.h) and merges; N workers each own
 *         an engine (flow tables, TCP analysis, reassembly) and format their frames' output
 *         with placeholders (cli/output.h patches). Worker 0 analyses its (smaller) share on
 *         the calling thread, between reads and merges; its own thread only ends its flows.
 *         Rings between them are allocated once at start; a frame's bytes stay in the
 *         mapped file.
 * Errors: as run_file in main.c: the return value is the exit status so far (0, 1 for a -f
 *         filter that cannot be compiled, 2 for a damaged file), the message already printed.
 * Never:  used for live capture, or when an option needs a serial run
 *         (ns_pipeline_usable says which). */
#ifndef NS_CLI_PIPELINE_H
#define NS_CLI_PIPELINE_H

#include <signal.h>
#include <stdbool.h>

#include "../core/engine.h"
#include "alerts.h"
#include "args.h"
#include "output.h"
#include "topflows.h"
#include "writer.h"

/* What main's flow-end sinks take: a flow with its TCP analysis, Zeek state and names. */
typedef void ns_pipeline_flow_fn(const struct ns_flow *f, enum ns_flow_end why,
                                 const struct ns_tcpa_conn *tcp, const struct ns_zeek *zeek,
                                 const char *dns, const char *sni, void *arg);

struct ns_pipeline_io {
    const struct ns_args *args;
    struct ns_engine_cfg cfg;           /* the serial run's; the workers' derive from it */
    struct ns_engine *eng;              /* main's, initialised */
    ns_pipeline_flow_fn *on_flow;
    void *flow_arg;
    struct ns_output *o;
    struct ns_tophosts *hosts;
    struct ns_alerts *alerts;
    struct ns_writer *w;
    /* -f on a file (main.c): 1 keep, 0 skip, -1 cannot compile (printed) */
    int (*keep)(const struct ns_args *a, struct ns_rec *rec);
    volatile sig_atomic_t *interrupted;
};

/* Whether --threads can give the serial run's answer with these options; when not, *why
 * names the option and the caller runs serially. */
bool ns_pipeline_usable(const struct ns_args *a, const char **why);

/* Runs the file through args->threads workers; returns the exit status so far. */
int ns_pipeline_run_file(const char *path, struct ns_pipeline_io *io);

#endif
