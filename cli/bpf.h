/* cli/bpf.h: -f on files: a BPF capture filter applied to each record, as if the capture
 * had been taken with it (libpcap's pcap_offline_filter, the same code the kernel filter
 * comes from).
 * In:     the filter text; records with their own link type (pcapng interfaces differ).
 * Owns:   one compiled program per link type met (NS_BPF_MAX_LINKTYPES at most; a file with
 *         more link types is refused), compiled on first sight and cached; a record-sized
 *         scratch buffer (BSD loopback records from a host of the other byte order).
 * Same:   as tcpdump -r FILE 'FILTER' (libpcap compiles as for a file, not a live handle).
 * Errors: a filter libpcap cannot compile for a record's link type: NS_STATUS_USAGE with
 *         one sentence naming the filter and the link type (exit 1, as tshark's). */
#ifndef NS_CLI_BPF_H
#define NS_CLI_BPF_H

#include <stdbool.h>
#include <stdint.h>

#include "../core/reader.h"
#include "../core/status.h"

#define NS_BPF_MAX_LINKTYPES 16

struct ns_bpf_prog;

struct ns_bpf {
    const char *expr;
    unsigned n;
    struct ns_bpf_prog *prog[NS_BPF_MAX_LINKTYPES];
    uint8_t scratch[NS_READER_MAX_CAPLEN];   /* a BSD loopback record in host byte order */
};

void ns_bpf_init(struct ns_bpf *b, const char *expr);
/* 1: rec passes the filter; 0: it does not (pcapng custom blocks never do); <0: the
 * status of an error, err filled. */
int ns_bpf_match(struct ns_bpf *b, const struct ns_rec *rec, struct ns_err *err);
void ns_bpf_fini(struct ns_bpf *b);

#endif
