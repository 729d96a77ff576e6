/* cli/topflows.h: -z netscope,flows[,N] (the table itself is core/topflows.c, shared with
 * the Wireshark plugin) and -z netscope,top[,N]. */
#ifndef NS_CLI_TOPFLOWS_H
#define NS_CLI_TOPFLOWS_H

#include <stdbool.h>
#include <stdio.h>

#include "../core/topflows.h"

/* Writes the table to out (see ns_topflows_write). */
void ns_topflows_print(struct ns_topflows *t, FILE *out, int64_t first_ts_ns);

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
/* The IP header -z netscope,top counts: the innermost unquoted one (NULL: none). */
const struct ns_layer *ns_tophosts_net(const struct ns_pkt *pkt);
void ns_tophosts_frame(struct ns_tophosts *t, const struct ns_frame *f);
void ns_tophosts_print(struct ns_tophosts *t, FILE *out);
void ns_tophosts_free(struct ns_tophosts *t);

#endif
