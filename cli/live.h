/* cli/live.h: live capture through libpcap (-i, -D, -s, -B, -p, -f).
 * In:     interface names (or -D numbers), in -i order, and the capture options.
 * Out:    one struct ns_rec per captured packet, as the file reader gives them: times in
 *         nanoseconds (libpcap's nanosecond precision when the interface has it), link type
 *         per interface, interface_id = the -i index, frame numbers 1, 2, ... over all
 *         interfaces. With several interfaces, packets are merged in arrival order: each
 *         interface holds at most one packet read ahead, and the earliest of those goes
 *         first. rec->data is valid until the next ns_live_next().
 * Owns:   one pcap handle per interface, non-blocking, immediate mode, waited on with
 *         poll(); the per-interface counters. Nothing is allocated per packet.
 * Stop:   ns_live_next() checks *stop between packets and while it waits (a signal
 *         interrupts the wait); once *stop is set it returns what the interfaces already
 *         hold (at most NS_LIVE_DRAIN packets), then NS_STATUS_END. With cfg.wake it also
 *         returns NS_LIVE_IDLE when no packet came for a moment (at most 250 ms), so the
 *         caller can keep periodic statistics and metrics current on a quiet link.
 * Writer: ns_live_reader() describes the interfaces as a pcapng reader would (link type,
 *         snaplen, if_name, if_description, time stamp resolution), for cli/writer.c.
 * Errors: a bad capture filter (NS_STATUS_USAGE: exit 1) or an interface that cannot be
 *         opened or fails while capturing (exit 2): one sentence in err naming it. */
#ifndef NS_CLI_LIVE_H
#define NS_CLI_LIVE_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "../core/reader.h"
#include "../core/status.h"

#define NS_LIVE_MAX_IF   16
#define NS_LIVE_SNAPLEN  262144     /* tshark's default; also NS_READER_MAX_CAPLEN */
#define NS_LIVE_DRAIN    65536      /* packets still read after a stop */

struct ns_live_cfg {
    const char *const *ifaces;  /* names, or numbers from ns_live_list() */
    unsigned nifaces;           /* 1..NS_LIVE_MAX_IF */
    const char *filter;         /* BPF capture filter, or NULL */
    unsigned snaplen;           /* 0: NS_LIVE_SNAPLEN */
    unsigned buffer_mib;        /* 0: libpcap's default */
    bool promisc;
    bool wake;                  /* return NS_LIVE_IDLE when idle */
};

/* ns_live_next(): no packet for a moment; not an error, call again. */
#define NS_LIVE_IDLE NS_STATUS_MALFORMED

/* What each interface saw; kept after ns_live_close() for -z netscope,stats. */
struct ns_live_if_stats {
    char name[64];
    int linktype;
    bool nano;                  /* nanosecond timestamps */
    uint64_t captured;          /* packets handed to netscope */
    bool have_pcap;             /* pcap_stats() answered */
    uint64_t recv;              /* ps_recv: packets the kernel filter passed */
    uint64_t drop;              /* ps_drop: dropped by the kernel (buffer full) */
    uint64_t ifdrop;            /* ps_ifdrop: dropped by the interface or its driver */
};

struct ns_live_stats {
    unsigned n;
    struct ns_live_if_stats ifs[NS_LIVE_MAX_IF];
};

struct ns_live;

/* Opens, configures and activates every interface and sets the filter on each. NULL on
 * failure, with err filled and *status NS_STATUS_USAGE (bad filter, unknown interface
 * number) or NS_STATUS_FORMAT (cannot capture). */
struct ns_live *ns_live_open(const struct ns_live_cfg *cfg, enum ns_status *status,
                             struct ns_err *err);

/* The next packet, NS_STATUS_END after a stop, or NS_STATUS_FORMAT when an interface fails. */
enum ns_status ns_live_next(struct ns_live *l, struct ns_rec *rec, const volatile sig_atomic_t *stop,
                            struct ns_err *err);

/* After NS_LIVE_IDLE: a packet time that every packet still to come is later than (the
 * capture clock, less a second of margin for the kernel's and libpcap's buffering), so
 * flows idle until then can end without waiting for another packet. */
int64_t ns_live_settled_ns(const struct ns_live *l);

/* The interfaces as the -w writer reads them (see cli/writer.h); valid until ns_live_close(). */
const struct ns_reader *ns_live_reader(const struct ns_live *l);

/* The counters so far, the kernel's included (pcap_stats), into st; during the capture. */
void ns_live_counters(struct ns_live *l, struct ns_live_stats *st);

/* Reads the kernel's counters (pcap_stats) into st, closes every handle and frees l. */
void ns_live_close(struct ns_live *l, struct ns_live_stats *st);

/* "Capturing on 'eth0'" and, at the end, "N packets captured" / "N packets dropped", as
 * tshark prints them on stderr. */
void ns_live_print_start(const struct ns_live *l, FILE *out);
void ns_live_print_counts(const struct ns_live_stats *st, FILE *out);

/* -D: "1. eth0", "3. lo (Loopback)", ... as tshark lists them. */
int ns_live_list(FILE *out, struct ns_err *err);

#endif
