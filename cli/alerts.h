/* cli/alerts.h: alerts out of the engine: --alerts FILE.jsonl (one JSON object per alert,
 * flushed per record, written as the run goes) and -z netscope,alerts (the table of
 * core/alertlog.h, which the Wireshark plugin prints too). */
#ifndef NS_CLI_ALERTS_H
#define NS_CLI_ALERTS_H

#include <stdbool.h>
#include <stdio.h>

#include "../core/alertlog.h"
#include "../core/fields.h"
#include "../core/status.h"

struct ns_alerts {
    FILE *f;                    /* --alerts, or NULL */
    char path[4096];
    bool failed;
    bool want_table;            /* -z netscope,alerts */
    struct ns_alertlog log;
};

/* True when spec is "netscope,alerts". */
bool ns_alerts_want(struct ns_alerts *a, const char *spec);
int ns_alerts_open(struct ns_alerts *a, const char *path, struct ns_err *err);
/* SIGHUP: --alerts FILE is closed complete, renamed aside and opened afresh (cli/rotate.h
 * gives the naming). 0, or -1 with err (no more records are written then). */
int ns_alerts_rotate(struct ns_alerts *a, struct ns_err *err);
/* Every alert frame f raised. */
void ns_alerts_frame(struct ns_alerts *a, const struct ns_frame *f);
void ns_alerts_print(const struct ns_alerts *a, FILE *out, int64_t first_ts_ns);
/* Closes the file; -1 with err when a write failed. */
int ns_alerts_close(struct ns_alerts *a, struct ns_err *err);
void ns_alerts_free(struct ns_alerts *a);

#endif
