/* cli/conv.h: -z conv,tcp|udp|ip|ipv6: tshark's conversation tables with exact byte counts.
 * Rows are collected from the engine's flows as they end (cfg.on_flow_end) and printed at
 * the end of the run in tshark 4.0's layout, bytes as plain integers (tshark rounds them to
 * "kB", which loses information). */
#ifndef NS_CLI_CONV_H
#define NS_CLI_CONV_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "../core/flow.h"

enum ns_conv_kind { NS_CONV_TCP, NS_CONV_UDP, NS_CONV_IPV4, NS_CONV_IPV6, NS_CONV_KINDS };

struct ns_conv_row {
    struct ns_flow_key key;
    uint8_t a_is_1;
    uint32_t stream;
    int64_t first_ns, last_ns;
    uint64_t frames[2], bytes[2];
    uint64_t order;             /* creation order, to keep ties stable */
};

struct ns_conv {
    bool want[NS_CONV_KINDS];
    uint8_t order[NS_CONV_KINDS];   /* tables in the order -z asked for them */
    unsigned nwant;
    struct ns_conv_row *row[NS_CONV_KINDS];
    size_t nrow[NS_CONV_KINDS], cap[NS_CONV_KINDS];
    bool oom;
};

/* Parses "conv,tcp" etc.; returns false when spec is not a conversation table. */
bool ns_conv_want(struct ns_conv *c, const char *spec);
/* The engine's on_flow_end callback (arg: struct ns_conv *). */
void ns_conv_on_end(const struct ns_flow *f, enum ns_flow_end why, void *arg);
void ns_conv_print(struct ns_conv *c, FILE *out, int64_t first_ts_ns);
void ns_conv_free(struct ns_conv *c);

#endif
