/* cli/main.c: netscope, a tshark-like command over the netscope core.
 * Exit status: 0 success; 1 usage error (as tshark); 2 the input could not be read, wholly
 * or from some record on (everything before that record was still printed). */
#define _POSIX_C_SOURCE 200809L
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "../core/engine.h"
#include "args.h"
#include "conv.h"
#include "flows_out.h"
#include "alerts.h"
#include "config.h"
#include "failon.h"
#include "stats.h"
#include "topflows.h"
#include "input.h"
#include "inputs.h"
#include "perfile.h"
#include "output.h"
#include "live.h"
#include "bpf.h"
#include "writer.h"
#include "monitor.h"
#include "pipeline.h"

#define NS_VERSION "0.1.0"

static volatile sig_atomic_t interrupted;
/* temporary files of whole-file outputs, removed (never renamed) on a second signal */
static const char *abort_tmp[8];
static volatile sig_atomic_t n_abort_tmp;

static void on_signal(int sig)
{
    if (interrupted) {
        /* the second signal: leave now. Whole-file outputs are still temporary files and
         * go with us; streamed ones hold whole records only. */
        for (sig_atomic_t i = 0; i < n_abort_tmp; i++)
            unlink(abort_tmp[i]);
        _exit(128 + sig);
    }
    interrupted = 1;
}

/* SIGHUP: -w starts a new file (cli/writer.c) and the JSON Lines outputs rotate
 * (cli/rotate.h), between two frames, where no record is half written. */
static volatile sig_atomic_t hup;
static struct ns_alerts *hup_alerts;
static struct ns_flows_out *hup_expired;
static int hup_rc;

static void on_hup(int sig)
{
    ns_writer_on_sighup(sig);
    hup = 1;
}

static void rotate_jsonl(void)
{
    struct ns_err err = {{0}};
    hup = 0;
    if ((hup_alerts != NULL && ns_alerts_rotate(hup_alerts, &err) != 0) ||
        (hup_expired != NULL && ns_flows_rotate(hup_expired, &err) != 0)) {
        fflush(stdout);
        fprintf(stderr, "netscope: %s\n", err.msg);
        hup_rc = 2;
        interrupted = 1;        /* a stream that cannot go on ends the run, completely */
    }
}

/* --stats-interval, --metrics-listen, the progress bar (cli/monitor.h) */
static struct ns_monitor monitor;

/* What the engine tells at each flow's end goes to every consumer. */
struct flow_sinks {
    struct ns_conv *conv;
    struct ns_flows_out *flows;
    struct ns_topflows *top;
    struct ns_flows_out *expired;
    const struct ns_engine *eng;
    struct ns_failon *failon;
    uint64_t nflows;
};

static void flow_to_sinks(const struct ns_flow *f, enum ns_flow_end why, const struct ns_tcpa_conn *tcp,
                          const struct ns_zeek *zeek, const char *dns, const char *sni, void *arg)
{
    struct flow_sinks *s = arg;
    ns_conv_on_end(f, why, s->conv);
    ns_topflows_on_end(f, tcp, s->top);
    if (s->flows != NULL)
        ns_flows_write(s->flows, f, tcp, zeek, dns, sni, why);
    if (s->expired != NULL)
        ns_flows_write(s->expired, f, tcp, zeek, dns, sni, why);
    ns_failon_flow(s->failon, f, tcp, zeek);
    s->nflows++;
}

static void on_flow_end(const struct ns_flow *f, enum ns_flow_end why, void *arg)
{
    struct flow_sinks *s = arg;
    const char *dns, *sni;
    ns_engine_flow_names(s->eng, f, &dns, &sni);
    flow_to_sinks(f, why, ns_engine_tcp(s->eng, f), ns_engine_zeek(s->eng, f), dns, sni, arg);
}

/* Live capture and capture filters (-i, -f; cli/live.c, cli/bpf.c). */
static struct ns_bpf file_filter;       /* -f on a file: one program per link type */
static uint64_t file_kept;
static struct ns_live_stats live_stats; /* kept for -z netscope,stats */
static bool live_ran;

/* -f on a file: a record the filter refuses is skipped as if it had never been captured,
 * and the rest are numbered 1, 2, ... as in a capture taken with the filter.
 * 1: keep, 0: skip, -1: the filter cannot be compiled for this link type (printed). */
static int file_filter_keep(const struct ns_args *a, struct ns_rec *rec)
{
    if (a->capture_filter == NULL)
        return 1;
    if (file_filter.expr == NULL)
        ns_bpf_init(&file_filter, a->capture_filter);
    struct ns_err err = {{0}};
    int m = ns_bpf_match(&file_filter, rec, &err);
    if (m < 0) {
        fflush(stdout);
        fprintf(stderr, "netscope: %s\n", err.msg);
        return -1;
    }
    if (m == 1)
        rec->number = ++file_kept;
    return m;
}

/* -i: packets from libpcap go through the engine and the per-frame sinks exactly as the
 * records of a file do. The first SIGINT/SIGTERM stops the capture; the packets already
 * captured are still analysed and every output is completed by main. */
static int run_live(const struct ns_args *a, struct ns_engine *eng, struct ns_output *o,
                    struct ns_tophosts *hosts, struct ns_alerts *alerts, struct ns_writer *w)
{
    struct ns_err err = {{0}};
    enum ns_status st;
    struct ns_live_cfg lc = { .ifaces = a->ifaces, .nifaces = (unsigned)a->nifaces,
                              .filter = a->capture_filter, .snaplen = a->snaplen,
                              .buffer_mib = a->buffer_mib, .promisc = !a->no_promisc,
                              .wake = true };   /* SIGHUP and intervals on a quiet link */
    struct ns_live *l = ns_live_open(&lc, &st, &err);
    if (l == NULL) {
        fflush(stdout);
        fprintf(stderr, "netscope: %s\n", err.msg);
        return st == NS_STATUS_USAGE ? 1 : 2;
    }
    ns_live_print_start(l, stderr);
    ns_monitor_source(&monitor, NULL, l, w);
    /* a person watching a terminal sees each frame as it comes */
    bool flush_each = !a->quiet && isatty(STDOUT_FILENO);
    struct ns_rec rec;
    enum ns_status s;
    int rc = 0;
    while ((s = ns_live_next(l, &rec, &interrupted, &err)) == NS_STATUS_OK || s == NS_LIVE_IDLE) {
        if (hup)
            rotate_jsonl();
        if (s == NS_LIVE_IDLE) {
            /* a quiet link: flows past their idle timeout end now, not at the next packet */
            ns_engine_expire(eng, ns_live_settled_ns(l));
            ns_monitor_idle(&monitor, eng);
            continue;
        }
        ns_monitor_rec(&monitor, eng, &rec);
        const struct ns_frame *f = ns_engine_feed(eng, &rec);
        ns_monitor_frame(&monitor, eng, f);
        /* -w, -b, -a as for files: the capture's interfaces stand in for a file's */
        enum ns_writer_step ws = NS_WRITER_OK;
        if (a->filter == NULL || ns_filter_match(a->filter, f))
            ws = ns_writer_frame(w, ns_live_reader(l), f);
        if (ws == NS_WRITER_STOP || ws == NS_WRITER_ERROR)
            break;
        ns_output_frame(o, f);
        ns_tophosts_frame(hosts, f);
        ns_alerts_frame(alerts, f);
        if (flush_each)
            fflush(stdout);
        if (ws == NS_WRITER_LAST || (a->count != 0 && eng->stats.frames >= a->count))
            break;
    }
    if (s < 0) {
        fflush(stdout);
        fprintf(stderr, "netscope: %s\n", err.msg);
        rc = 2;
    }
    ns_monitor_source(&monitor, NULL, NULL, w);
    ns_live_close(l, &live_stats);
    live_ran = true;
    ns_live_print_counts(&live_stats, stderr);
    return rc;
}

/* The file loop's lookahead ring: records read, not yet fed. Distances measured on 1M-flow
 * captures (docs/performance.md, "Lookahead"). */
#define AHEAD_N 16              /* records read ahead; stage 1 as each enters */
#define AHEAD_FLOW 8            /* stage 2 this many records before the record's turn */

struct ahead {
    struct ns_rec rec;
    const struct ns_reader *from;
    size_t fi;
    enum ns_status s;
    struct ns_engine_ahead pf;
};

/* Files (-r, repeated, directories, globs): one stream in time order (cli/inputs.h). A file
 * that cannot be read is reported in one line and the others still run (exit 2). */
static int run_files(const struct ns_args *a, struct ns_engine *eng, struct ns_output *o,
                     struct ns_tophosts *hosts, struct ns_alerts *alerts, struct ns_writer *w,
                     struct ns_run_totals *tot)
{
    struct ns_err err = {{0}};
    static struct ns_inputs_list list;
    static struct ns_merge m;
    if (ns_inputs_expand(a->files, a->nfiles, &list, &err) != 0 ||
        ns_merge_open(&m, &list, &err) != NS_STATUS_OK) {
        fprintf(stderr, "netscope: %s\n", err.msg);
        ns_inputs_list_free(&list);
        return 2;
    }
    int rc = 0;
    for (size_t i = 0; i < m.n; i++)
        if (m.src[i].failed) {
            fprintf(stderr, "netscope: %s: %s\n", m.src[i].path, m.src[i].err.msg);
            rc = 2;
        }
    if (!m.single)
        ns_writer_use_ifaces(w, ns_merge_iface, &m);
    ns_monitor_source(&monitor, &m, NULL, w);
    /* Lookahead (docs/design.md): once the flow state outgrows the caches, records are read
     * AHEAD_N ahead of the one fed; each gets its flow's index slot asked for as it enters
     * the ring and its flow state AHEAD_FLOW records before its turn, so those misses
     * overlap the work on the records before it. A record's status and error travel with
     * it and are handled in its turn, so what is printed, and when the run stops, is as
     * without the ring. -w reads the reader's current section and byte order as each
     * frame is written, which reading ahead would move on: no lookahead then. */
    struct ahead ring[AHEAD_N];
    struct ns_err ring_err[AHEAD_N];
    size_t head = 0, tail = 0;
    bool end = false, may_look = w->cfg.path == NULL;
    /* NETSCOPE_LOOKAHEAD=on|off|N overrides the engine's choice (N: from N live flows):
     * tests compare them on captures too small to turn it on, benchmarks measure both */
    const char *force = getenv("NETSCOPE_LOOKAHEAD");
    int forced = force == NULL ? -1 : strcmp(force, "on") == 0 ? 1 : strcmp(force, "off") == 0 ? 0 : -1;
    uint32_t min_flows = forced < 0 && force != NULL ? (uint32_t)strtoul(force, NULL, 10) : 0;
    bool look = false;
    uint32_t until_check = 0;
    while (!interrupted) {
        /* the table grows slowly: asking every 64 records is soon enough, except when a
         * test sets the threshold (NETSCOPE_LOOKAHEAD=N) to switch within a small capture */
        if (until_check-- == 0) {
            look = may_look && (forced >= 0 ? forced == 1 : ns_engine_lookahead_useful(eng, min_flows));
            until_check = force != NULL ? 0 : 63;
        }
        struct ahead *r;
        const struct ns_err *rerr;
        if (!look && head == tail) {
            /* no lookahead and nothing read ahead: one record at a time, no ring */
            r = &ring[0];
            rerr = &ring_err[0];
            r->s = ns_merge_next(&m, &r->rec, &r->from, &r->fi, &ring_err[0]);
            if (r->s == NS_STATUS_END)
                break;
        } else {
            while (!end && tail - head < (look ? AHEAD_N : 1)) {
                r = &ring[tail % AHEAD_N];
                r->s = ns_merge_next(&m, &r->rec, &r->from, &r->fi, &ring_err[tail % AHEAD_N]);
                if (r->s == NS_STATUS_END) {
                    end = true;
                    break;
                }
                r->pf.ok = false;
                if (look && r->s == NS_STATUS_OK)
                    (void)ns_engine_prefetch_key(eng, &r->rec, &r->pf);
                tail++;
            }
            if (head == tail)
                break;
            if (look && tail - head > AHEAD_FLOW)
                ns_engine_prefetch_flow(eng, &ring[(head + AHEAD_FLOW) % AHEAD_N].pf);
            r = &ring[head % AHEAD_N];
            rerr = &ring_err[head % AHEAD_N];
            head++;
        }
        struct ns_rec *rec = &r->rec;
        const struct ns_reader *from = r->from;
        if (r->s != NS_STATUS_OK) {
            fflush(stdout);
            fprintf(stderr, "netscope: %s: %s\n", m.src[r->fi].path, rerr->msg);
            rc = 2;
            continue;
        }
        if (hup)
            rotate_jsonl();
        int keep = file_filter_keep(a, rec);
        if (keep <= 0) {
            if (keep < 0) {
                rc = 1;
                break;
            }
            continue;
        }
        ns_monitor_rec(&monitor, eng, rec);
        const struct ns_frame *f = ns_engine_feed(eng, rec);
        ns_monitor_frame(&monitor, eng, f);
        tot->alerts += f->nalerts;
        /* -w and -a: a frame that is printed (it passes -Y) is also written; a write error
         * or -a ends the run */
        enum ns_writer_step ws = NS_WRITER_OK;
        if (a->filter == NULL || ns_filter_match(a->filter, f))
            ws = ns_writer_frame(w, from, f);
        if (ws == NS_WRITER_STOP || ws == NS_WRITER_ERROR)
            break;
        ns_output_frame(o, f);
        ns_tophosts_frame(hosts, f);
        ns_alerts_frame(alerts, f);
        if (ws == NS_WRITER_LAST || (a->count != 0 && eng->stats.frames >= a->count))
            break;
    }
    ns_monitor_source(&monitor, NULL, NULL, w);
    /* the writer may still describe interfaces at close: the readers stay until main ends */
    return rc;
}

/* --threads runs one regular file through cli/pipeline.c; several files, a directory or a
 * glob (cli/inputs.h), and the per-frame monitoring (--stats-interval, --metrics-listen)
 * run on one thread. When not, *why says which. */
static bool threads_usable(const struct ns_args *a, const char **why)
{
    struct stat st;
    if (a->nfiles != 1 || stat(a->files[0], &st) != 0 || !S_ISREG(st.st_mode)) {
        *why = "several files, a directory or a glob are read on one thread";
        return false;
    }
    if (a->monitor.stats_interval > 0 || a->monitor.metrics_listen != NULL) {
        *why = "--stats-interval and --metrics-listen run on one thread";
        return false;
    }
    return ns_pipeline_usable(a, why);
}

static struct ns_args args;
static int run_one(struct ns_args *a, struct ns_run_totals *tot);

int main(int argc, char **argv)
{
    struct ns_err err = {{0}};
    /* defaults, then the configuration file, then the command line */
    ns_args_defaults(&args);
    int print_config;
    const char *config_used;
    if (ns_config_load(&args, ns_config_path_arg(argc, argv, &print_config), &config_used, &err) != 0 ||
        ns_args_parse(&args, argc, argv, &err) != 0) {
        fprintf(stderr, "netscope: %s\n", err.msg);
        return 1;
    }
    if (args.print_config) {
        ns_config_print(&args, config_used, stdout);
        return fflush(stdout) == 0 ? 0 : 2;
    }
    if (args.help) {
        ns_args_usage(stdout);
        return 0;
    }
    if (args.version) {
        printf("netscope " NS_VERSION "\n");
        return 0;
    }
    if (args.list_fields) {
        ns_output_field_list(stdout);
        return fflush(stdout) == 0 ? 0 : 2;
    }
    if (args.list_ifaces) {
        if (ns_live_list(stdout, &err) != 0) {
            fprintf(stderr, "netscope: %s\n", err.msg);
            return 2;
        }
        return fflush(stdout) == 0 ? 0 : 2;
    }
    struct ns_run_totals tot = {0};
    if (args.per_file)
        return ns_perfile_run(&args, run_one);
    return run_one(&args, &tot);
}

/* One run over the inputs args names (in --per-file mode, one file, in a child process). */
static int run_one(struct ns_args *a, struct ns_run_totals *tot)
{
    (void)a;    /* the same object as args: the code below reads the file-scope name */
    struct ns_err err = {{0}};

    static struct ns_conv conv;
    static struct ns_topflows top;
    static struct ns_tophosts hosts;
    static struct ns_alerts alerts;
    static struct ns_failon failon;
    for (size_t i = 0; i < args.nfail_on; i++)
        if (ns_failon_add(&failon, args.fail_on[i], &err) != 0) {
            fprintf(stderr, "netscope: %s\n", err.msg);
            return 1;
        }
    failon.junit = args.junit_path;
    bool want_stats = false;
    for (size_t i = 0; i < args.nstats; i++) {
        bool bad = false;
        if (ns_conv_want(&conv, args.stats[i]) || ns_alerts_want(&alerts, args.stats[i]) ||
            ns_stats_want(&want_stats, args.stats[i]))
            continue;
        if (ns_topflows_want(&top, args.stats[i], &bad) && !bad)
            continue;
        if (!bad && ns_tophosts_want(&hosts, args.stats[i], &bad) && !bad)
            continue;
        fprintf(stderr, bad ? "netscope: -z %s: N must be 1..%d\n"
                            : "netscope: -z %s: unknown statistic (known: conv,tcp conv,udp conv,ip "
                              "conv,ipv6 netscope,flows[,N] netscope,top[,N] netscope,alerts "
                              "netscope,stats)\n",
                args.stats[i], NS_TOPFLOWS_MAX);
        return 1;
    }

    /* --stats-interval, --metrics-listen, the bar: before any output file exists, so a port
     * in use leaves nothing behind */
    enum ns_status mst;
    if (ns_monitor_open(&monitor, &args.monitor, args.nifaces > 0,
                        !args.quiet && isatty(STDOUT_FILENO), &mst, &err) != 0) {
        fprintf(stderr, "netscope: %s\n", err.msg);
        return mst == NS_STATUS_USAGE ? 1 : 2;
    }
    static struct ns_writer writer;     /* -w, -b, -a: before anything is printed (-w -) */
    if (ns_writer_open(&writer, &args.write, &err) != 0) {
        fprintf(stderr, "netscope: %s\n", err.msg);
        return 2;
    }
    if (args.write.path != NULL || args.alerts_path != NULL || args.expired_path != NULL) {
        /* sigaction, not signal(): under strict POSIX, glibc's signal() resets the handler
         * after one delivery, and a second SIGHUP would end the run */
        struct sigaction sa = { .sa_handler = on_hup };
        sigemptyset(&sa.sa_mask);
        sigaction(SIGHUP, &sa, NULL);
    }
    if (ns_tophosts_init(&hosts, &err) != 0) {
        fprintf(stderr, "netscope: %s\n", err.msg);
        return 2;
    }
    static struct ns_flows_out flows;
    struct flow_sinks sinks = { &conv, NULL, &top, NULL };
    static struct ns_flows_out expired;
    if (args.alerts_path != NULL && ns_alerts_open(&alerts, args.alerts_path, &err) != 0) {
        fprintf(stderr, "netscope: %s\n", err.msg);
        return 2;
    }
    hup_alerts = args.alerts_path != NULL ? &alerts : NULL;
    if (args.expired_path != NULL) {
        if (ns_flows_open_stream(&expired, args.expired_path, &err) != 0) {
            fprintf(stderr, "netscope: %s\n", err.msg);
            return 2;
        }
        sinks.expired = &expired;
        hup_expired = &expired;
    }
    if (args.flows_path != NULL) {
        enum ns_flows_format ff;
        if (ns_flows_format_of(args.flows_path, args.flows_format, &ff, &err) != 0) {
            fprintf(stderr, "netscope: %s\n", err.msg);
            return 1;
        }
        if (ns_flows_open(&flows, args.flows_path, ff, &err) != 0) {
            fprintf(stderr, "netscope: %s\n", err.msg);
            return 2;
        }
        sinks.flows = &flows;
        abort_tmp[n_abort_tmp++] = flows.tmp;
    }
    /* Ctrl-C ends the run like the end of the file: what was read is reported and every
     * output is completed, so nothing is left half written. */
    /* sigaction: glibc's signal() under strict POSIX is one-shot, and a second Ctrl-C
     * would kill netscope before on_signal() removes the temporary files */
    struct sigaction sint = { .sa_handler = on_signal };
    sigemptyset(&sint.sa_mask);
    sigaction(SIGINT, &sint, NULL);
    sigaction(SIGTERM, &sint, NULL);

    static char outbuf[1 << 16];
    setvbuf(stdout, outbuf, _IOFBF, sizeof outbuf);

    /* The engine holds the per-frame packet (a few KiB): static, not on the stack. */
    static struct ns_engine eng;
    sinks.eng = &eng;
    sinks.failon = &failon;
    struct ns_engine_cfg cfg = { .on_flow_end = on_flow_end, .arg = &sinks,
                                 .vlan_in_key = args.vlan_in_key,
                                 .ip_pairs = conv.want[NS_CONV_IPV4] || conv.want[NS_CONV_IPV6],
                                 .idle_ns = (int64_t)(args.idle_timeout * 1e9),
                                 .active_ns = (int64_t)(args.active_timeout * 1e9),
                                 .no_tcp_analysis = args.scale,
                                 .no_zeek = args.scale, .no_anomaly = args.no_alerts,
                                 .max_flows = args.max_flows };
    if (args.nifaces > 0 && !args.idle_timeout_set) {
        cfg.idle_ns = 60 * (int64_t)1000000000;         /* live: UDP and the rest, 1 min */
        cfg.idle_tcp_ns = 300 * (int64_t)1000000000;    /* TCP, 5 min (docs/flows.md) */
    }
    cfg.anomaly.syn_count = args.syn_flood_count;
    cfg.anomaly.syn_sources = args.syn_flood_sources;
    cfg.anomaly.syn_window_ns = (int64_t)(args.syn_flood_window * 1e9);
    cfg.anomaly.scan_ports = args.scan_ports;
    cfg.anomaly.scan_hosts = args.scan_hosts;
    cfg.anomaly.scan_window_ns = (int64_t)(args.scan_window * 1e9);
    if (ns_engine_init(&eng, &cfg, &err) != NS_STATUS_OK) {
        fprintf(stderr, "netscope: %s\n", err.msg);
        ns_flows_close(&flows, false, &err);
        return 2;
    }
    struct ns_output o;
    ns_output_begin(&o, stdout, &args);
    const char *serial_why = NULL;
    int rc;
    if (args.nifaces == 0 && args.threads > 1 && threads_usable(&args, &serial_why)) {
        struct ns_pipeline_io pio = { &args, cfg, &eng, flow_to_sinks, &sinks, &o, &hosts, &alerts,
                                      &writer, file_filter_keep, &interrupted };
        rc = ns_pipeline_run_file(args.files[0], &pio);     /* cli/pipeline.h */
        for (size_t k = 0; k < sizeof eng.anomaly.stats.alerts / sizeof eng.anomaly.stats.alerts[0]; k++)
            tot->alerts += eng.anomaly.stats.alerts[k];
    } else {
        if (args.threads > 1)
            fprintf(stderr, "netscope: --threads %u: one thread: %s\n", args.threads,
                    args.nifaces > 0 ? "live capture runs on one thread" : serial_why);
        rc = args.nifaces > 0 ? run_live(&args, &eng, &o, &hosts, &alerts, &writer)
                              : run_files(&args, &eng, &o, &hosts, &alerts, &writer, tot);
    }
    if (ns_monitor_close(&monitor, &eng, live_ran ? &live_stats : NULL, &err) != 0) {
        fprintf(stderr, "netscope: %s\n", err.msg);
        rc = 2;
    }
    if (hup_rc != 0)
        rc = hup_rc;
    char note[512];     /* an input that could not be read at all leaves no capture behind */
    if (ns_writer_close(&writer, eng.stats.frames > 0 || rc == 0, &err, note, sizeof note) != 0) {
        fprintf(stderr, "netscope: %s\n", err.msg);
        rc = 2;
    } else if (note[0] != '\0') {
        fprintf(stderr, "netscope: %s\n", note);
    }
    ns_output_end(&o);
    ns_engine_fini(&eng);   /* ends every flow: the conversation rows are complete */
    tot->frames = eng.stats.frames;
    tot->flows = sinks.nflows;
    /* an input that could not be read at all leaves no flow file behind */
    bool read_some = eng.stats.frames > 0 || rc == 0;
    if (sinks.expired != NULL && ns_flows_close(&expired, true, &err) != 0) {
        fprintf(stderr, "netscope: %s\n", err.msg);
        rc = 2;
    }
    if (sinks.flows != NULL && ns_flows_close(&flows, read_some, &err) != 0) {
        fprintf(stderr, "netscope: %s\n", err.msg);
        rc = 2;
    }
    if (ns_alerts_close(&alerts, &err) != 0) {
        fprintf(stderr, "netscope: %s\n", err.msg);
        rc = 2;
    }
    if (conv.oom || top.oom) {
        fprintf(stderr, "netscope: out of memory for the statistics tables\n");
        rc = 2;
    }
    ns_conv_print(&conv, stdout, eng.first_ts_ns);
    ns_topflows_print(&top, stdout, eng.first_ts_ns);
    ns_topflows_free(&top);
    ns_alerts_print(&alerts, stdout, eng.first_ts_ns);
    ns_alerts_free(&alerts);
    if (want_stats)
        ns_stats_print(&eng, live_ran ? &live_stats : NULL, stdout);
    ns_tophosts_print(&hosts, stdout);
    ns_tophosts_free(&hosts);
    ns_conv_free(&conv);
    ns_bpf_fini(&file_filter);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "netscope: error writing the output\n");
        return 2;
    }
    if (failon.n > 0 || failon.junit != NULL) {
        /* CI mode: exit 3 when an expression holds, unless the run itself failed */
        int held = ns_failon_finish(&failon, &eng, &err);
        if (held < 0) {
            fprintf(stderr, "netscope: %s\n", err.msg);
            return 2;
        }
        if (held > 0 && rc == 0) {
            fprintf(stderr, "netscope: %d --fail-on expression%s held\n", held, held > 1 ? "s" : "");
            rc = 3;
        }
    }
    return rc;
}
