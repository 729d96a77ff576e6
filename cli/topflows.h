/* cli/topflows.h: -z netscope,flows[,N]: the N flows with the most bytes, as a table.
 * Memory is a min-heap of N rows whatever the number of flows; flows enter it as they end. */
#ifndef NS_CLI_TOPFLOWS_H
#define NS_CLI_TOPFLOWS_H

#include <stdbool.h>
#include <stdio.h>

#include "../core/flow.h"
#include "../core/tcpa.h"

#define NS_TOPFLOWS_DEFAULT 10
#define NS_TOPFLOWS_MAX 100000

/* An ended flow as the table shows it: the flow and its TCP health. */
struct ns_topflow_row {
    struct ns_flow f;
    bool tcp;                   /* TCP analysis was on for it */
    uint32_t retrans;           /* segments flagged as any kind of retransmission */
    uint32_t rtt_samples;
    int64_t srtt_ns;
};

struct ns_topflows {
    bool want;
    size_t n, max;
    struct ns_topflow_row *heap;   /* heap[0] has the fewest bytes */
    bool oom;
};

/* Parses "netscope,flows" or "netscope,flows,N"; false when spec is not this statistic.
 * *bad is set when it is, but N is not a number in 1..NS_TOPFLOWS_MAX. */
bool ns_topflows_want(struct ns_topflows *t, const char *spec, bool *bad);
void ns_topflows_on_end(const struct ns_flow *f, const struct ns_tcpa_conn *tcp, struct ns_topflows *t);
void ns_topflows_print(struct ns_topflows *t, FILE *out, int64_t first_ts_ns);
void ns_topflows_free(struct ns_topflows *t);

/* -z netscope,top[,N]: the N hosts with the most bytes (sent and received), from a
 * SpaceSaving sketch of NS_TOPHOSTS_K(N) counters: constant memory on any capture. */
#include "../core/fields.h"
#include "../core/topn.h"

#define NS_TOPHOSTS_K(n) ((n) * 10 < 1024 ? 1024 : (n) * 10)

struct ns_tophosts {
    bool want;
    uint32_t n;
    struct ns_topn sketch;
};

bool ns_tophosts_want(struct ns_tophosts *t, const char *spec, bool *bad);
int ns_tophosts_init(struct ns_tophosts *t, struct ns_err *err);
void ns_tophosts_frame(struct ns_tophosts *t, const struct ns_frame *f);
void ns_tophosts_print(struct ns_tophosts *t, FILE *out);
void ns_tophosts_free(struct ns_tophosts *t);

#endif
