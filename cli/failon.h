/* cli/failon.h: CI mode. `--fail-on 'NAME OP NUMBER'` (repeatable) over the run's summary
 * counters: netscope exits 3 when one holds; `--junit FILE` writes a JUnit XML report with
 * one test case per expression (a failure when it holds), for CI servers to display.
 * Counters (docs/ci.md): packets, bytes, malformed, flows, alerts, alerts.KIND,
 * tcp.segments, tcp.retransmission (segments flagged as any kind), tcp.retransmission.rate,
 * tcp.FLAG for every tcp.analysis flag, flows.conn_state.STATE (Zeek's, at each flow's end). */
#ifndef NS_CLI_FAILON_H
#define NS_CLI_FAILON_H

#include <stdbool.h>
#include <stdint.h>

#include "../core/engine.h"

#define NS_FAILON_MAX 32

struct ns_failon_expr {
    char text[128];
    char name[64];
    int op;                     /* index into the operator table */
    double value;
};

struct ns_failon {
    struct ns_failon_expr expr[NS_FAILON_MAX];
    unsigned n;
    const char *junit;          /* --junit FILE, or NULL */
    /* counters gathered from flows as they end */
    uint64_t flows, tcp_flag[NS_TCPA_NFLAGS], conn_state[16];
};

/* Parses one expression into f; -1 with err (a usage error) when it is not NAME OP NUMBER
 * with a known NAME. */
int ns_failon_add(struct ns_failon *f, const char *text, struct ns_err *err);

/* Every flow as it ends (with its TCP analysis and Zeek state, each may be NULL). */
void ns_failon_flow(struct ns_failon *f, const struct ns_flow *fl, const struct ns_tcpa_conn *tcp,
                    const struct ns_zeek *zeek);

/* Evaluates every expression after the run; writes the JUnit file when asked. Returns the
 * number of expressions that hold, or -1 with err when the report could not be written. */
int ns_failon_finish(struct ns_failon *f, const struct ns_engine *e, struct ns_err *err);

#endif
