/* cli/args.h: the command line, tshark's flags where tshark has one.
 * ns_args_parse() never exits: it returns 0, or -1 with a one-line message in err
 * (usage errors exit 1 in main, as tshark's do). */
#ifndef NS_CLI_ARGS_H
#define NS_CLI_ARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "../core/status.h"
#include "writer.h"
#include "filter.h"
#include "monitor.h"

#define NS_ARGS_MAX_FIELDS 256
#define NS_ARGS_MAX_FILES  256
#define NS_ARGS_MAX_IFACES 16

enum ns_out_mode { NS_OUT_TEXT = 0, NS_OUT_FIELDS, NS_OUT_JSON, NS_OUT_EK };

struct ns_args {
    const char *files[NS_ARGS_MAX_FILES];
    size_t nfiles;
    enum ns_out_mode mode;
    int fields[NS_ARGS_MAX_FIELDS];     /* enum ns_field_id */
    size_t nfields;
    uint64_t count;                     /* -c: 0 = no limit */
    bool quiet;                         /* -q */
    bool header;                        /* -E header=y */
    char separator[8];                  /* -E separator= */
    char aggregator[8];                 /* -E aggregator= */
    char occurrence;                    /* -E occurrence=f|l|a */
    char quote;                         /* -E quote=d|s|n: the character, or 0 */
    bool list_fields;                   /* -G fields */
    const char *flows_path;             /* --flows FILE */
    const char *flows_format;           /* --flows-format csv|json|jsonl */
    const char *expired_path;           /* --expired-flows FILE.jsonl */
    bool vlan_in_key;                   /* --vlan-in-key */
    double idle_timeout;                /* --idle-timeout S: 0 = never */
    double active_timeout;              /* --active-timeout S: 0 = never */
    const char *alerts_path;            /* --alerts FILE.jsonl */
    bool no_alerts;                     /* --no-alerts: no anomaly detection */
    bool scale;                         /* --scale: no TCP analysis (large flow counts) */
    /* detection thresholds; 0 = the core's default */
    unsigned syn_flood_count, syn_flood_sources, scan_ports, scan_hosts;
    unsigned max_flows;                 /* --max-flows N: 0 = the engine's default */
    double syn_flood_window, scan_window;   /* seconds */
    const char *stats[32];              /* -z, in order */
    size_t nstats;
    bool help, version;
    bool print_config;                  /* --print-config */
    const char *fail_on[32];            /* --fail-on EXPR, in order (cli/failon.h) */
    size_t nfail_on;
    const char *junit_path;             /* --junit FILE */
    bool idle_timeout_set;              /* --idle-timeout or the file's idle_timeout given:
                                           live capture keeps it instead of its defaults */
    /* live capture (cli/live.c) and capture filters */
    const char *ifaces[NS_ARGS_MAX_IFACES];   /* -i, in order: frame.interface_id = index */
    size_t nifaces;
    const char *capture_filter;         /* -f, or tshark's trailing arguments joined */
    unsigned snaplen;                   /* -s: 0 = 262144 */
    unsigned buffer_mib;                /* -B: 0 = libpcap's default */
    bool no_promisc;                    /* -p */
    bool list_ifaces;                   /* -D */
    struct ns_writer_cfg write;         /* -w, -F, -b, -a (docs/writing.md) */
    bool print_packets;                 /* -P: per-frame output even with -w (as tshark) */
    struct ns_filter *filter;           /* -Y, compiled; NULL = every frame */
    struct ns_monitor_cfg monitor;      /* --stats-interval, --metrics-listen, ... (cli/monitor.h) */
    /* set by the configuration file: the command line's -i, -f, -b, -a replace these rather
     * than add to them, and -r replaces the file's interfaces */
    bool cfg_ifaces, cfg_filter, cfg_ring, cfg_stop;
    bool per_file;                      /* --per-file: each file on its own (cli/perfile.h) */
    unsigned jobs;                      /* --jobs N: files at once; 0 = online CPUs */
    const char *filter_text;            /* -Y as given (cli/pipeline.c checks its fields) */
    unsigned threads;                   /* --threads N: 0/1 = serial (docs/threads.md) */
};

/* tshark's defaults (tab separator, ',' aggregator, all occurrences). */
void ns_args_defaults(struct ns_args *a);
/* Applies argv over what a holds (defaults, then the configuration file). */
int ns_args_parse(struct ns_args *a, int argc, char **argv, struct ns_err *err);
void ns_args_usage(FILE *out);

#endif
