/* core/topflows.h: -z netscope,flows[,N]: the N flows with the most bytes, as a table.
 * In:     flows as they end (or, for a table drawn while flows are live, the live ones too),
 *         each with its TCP analysis when it has one.
 * Out:    the table, one line at a time, through the caller's write callback: the CLI
 *         writes to stdout, the Wireshark plugin through its own printing. Both faces
 *         print the same bytes.
 * Owns:   a min-heap of N rows whatever the number of flows, allocated at the first row;
 *         a failed allocation sets oom and the table stops taking rows.
 * Never:  prints, opens a file, reads a global. */
#ifndef NS_TOPFLOWS_H
#define NS_TOPFLOWS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "flow.h"
#include "tcpa.h"

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

/* "PREFIX" or "PREFIX,N": true when spec names this statistic (*n set to N, or to
 * NS_TOPFLOWS_DEFAULT), with *bad set when N is not a number in 1..NS_TOPFLOWS_MAX. */
bool ns_stat_spec_n(const char *spec, const char *prefix, unsigned long *n, bool *bad);

/* Parses "netscope,flows" or "netscope,flows,N"; false when spec is not this statistic.
 * *bad is set when it is, but N is not a number in 1..NS_TOPFLOWS_MAX. */
bool ns_topflows_want(struct ns_topflows *t, const char *spec, bool *bad);

/* Offers flow f (tcp: its TCP analysis, or NULL) to the table. Address pairs and flows
 * with no frame are not rows. */
void ns_topflows_on_end(const struct ns_flow *f, const struct ns_tcpa_conn *tcp, struct ns_topflows *t);

/* Offers every row of src to dst (a table drawn from ended flows plus live ones). */
void ns_topflows_merge(struct ns_topflows *dst, const struct ns_topflows *src);

/* Writes the table (nothing when it was not wanted), largest first, one line per call of
 * write (each ends with '\n'). Sorts the rows in place: no row can be offered afterwards. */
void ns_topflows_write(struct ns_topflows *t, int64_t first_ts_ns,
                       void (*write)(const char *line, size_t len, void *arg), void *arg);

void ns_topflows_free(struct ns_topflows *t);

#endif
