/* cli/flows_out.h: --flows FILE: one record per flow, as CSV (RFC 4180, with a header),
 * JSON (one array) or JSON Lines. Columns are documented in docs/flows.md; names follow
 * Zeek's conn.log where the meaning is the same.
 * Records are written as flows end (evicted, reused ports, end of run) into a temporary
 * file beside FILE, which is renamed onto FILE only when the run ends well: an error or an
 * interruption never leaves a half-written FILE. */
#ifndef NS_CLI_FLOWS_OUT_H
#define NS_CLI_FLOWS_OUT_H

#include <stdbool.h>
#include <stdio.h>

#include "../core/flow.h"
#include "../core/tcpa.h"
#include "../core/zeek.h"

enum ns_flows_format { NS_FLOWS_CSV, NS_FLOWS_JSON, NS_FLOWS_JSONL };

struct ns_flows_out {
    FILE *f;
    char path[4096], tmp[4112];
    enum ns_flows_format fmt;
    unsigned long long n;
    bool failed;
    bool streaming;             /* --expired-flows: written in place, flushed per record */
};

/* The format named by fmt ("csv", "json", "jsonl"), or by path's extension when fmt is
 * NULL. Returns -1 (err filled) when neither says. */
int ns_flows_format_of(const char *path, const char *fmt, enum ns_flows_format *out, struct ns_err *err);

int ns_flows_open(struct ns_flows_out *o, const char *path, enum ns_flows_format fmt, struct ns_err *err);
/* --expired-flows: JSON Lines written to path itself as each flow ends, flushed per record,
 * so a long or live run shows flows before its end (no temporary file: a reader may follow
 * the file while it grows; every line on disk is a whole record). */
int ns_flows_open_stream(struct ns_flows_out *o, const char *path, struct ns_err *err);
/* SIGHUP: the --expired-flows file is closed complete, renamed aside and opened afresh
 * (cli/rotate.h gives the naming). 0, or -1 with err (no more records are written then). */
int ns_flows_rotate(struct ns_flows_out *o, struct ns_err *err);
/* One record; tcp: the flow's TCP analysis (NULL: not TCP, or analysis off); zeek: its
 * conn_state and history (NULL in scale mode: both columns empty); dns, sni: the names seen
 * in the flow (NULL: none). */
void ns_flows_write(struct ns_flows_out *o, const struct ns_flow *f, const struct ns_tcpa_conn *tcp,
                    const struct ns_zeek *zeek, const char *dns, const char *sni,
                    enum ns_flow_end why);
/* Finishes and renames into place (ok) or removes the temporary file (!ok). Returns -1 with
 * err filled when writing failed. */
int ns_flows_close(struct ns_flows_out *o, bool ok, struct ns_err *err);

#endif
