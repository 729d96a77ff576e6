#define _POSIX_C_SOURCE 200809L
#include "args.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../core/fields.h"

/* Grouped as tshark's --help, so a tshark user finds each option where tshark keeps it.
 * One option per line, its argument, then the description from column 28 (continued
 * lines indented to it): tests/e2e/test_docs_cli.py reads the options from this text
 * and checks that the parser, the man page (docs/netscope.1) and the bash completion
 * (completion/netscope) have the same ones. */
void ns_args_usage(FILE *out)
{
    fputs("Usage: netscope [options] -r FILE\n"
          "       netscope [options] -i IFACE [-i IFACE ...] [capture filter]\n"
          "Finds the flows, the TCP health and the attacks in packet captures.\n"
          "\n"
          "Capture interface:\n"
          "  -i IFACE                 capture live on IFACE, a name or a -D number (repeatable:\n"
          "                           frames interleaved, frame.interface_id = the -i index)\n"
          "  -f FILTER                BPF capture filter, live and on files (docs/live.md)\n"
          "  -s SNAPLEN               bytes kept per packet (default 262144)\n"
          "  -B MiB                   kernel capture buffer size\n"
          "  -p                       no promiscuous mode\n"
          "  -D                       list the interfaces and exit\n"
          "\n"
          "Capture stop conditions:\n"
          "  -c N                     stop after N frames\n"
          "  -a duration:S|filesize:KB|packets:N|files:N\n"
          "                           stop after S s of packet time, KB kB or N packets written,\n"
          "                           or N files (docs/writing.md)\n"
          "\n"
          "Capture output:\n"
          "  -b filesize:KB|duration:S|packets:N|files:N\n"
          "                           ring buffer: a new file after KB kB, S s of packet time or\n"
          "                           N packets; keep the last N files (docs/writing.md)\n"
          "\n"
          "Input file:\n"
          "  -r FILE                  read packets from a pcap or pcapng file; repeated, a\n"
          "                           directory or a quoted glob: merged in time order as\n"
          "                           mergecap does (docs/inputs.md)\n"
          "  --per-file               each -r file analysed on its own, then a combined summary\n"
          "  --jobs N                 --per-file: files analysed at once (default: the CPUs)\n"
          "\n"
          "Processing:\n"
          "  -Y FILTER                print and write only the frames that match this display\n"
          "                           filter (tshark's syntax, a subset: docs/filter.md); flows,\n"
          "                           statistics and alerts still see every frame\n"
          "  -n                       no name resolution (netscope never resolves names)\n"
          "  --vlan-in-key            VLAN ids are part of flow keys (tshark: not)\n"
          "  --idle-timeout S         a flow idle for S seconds ends (default: never on files,\n"
          "                           as tshark; live: TCP 300, the rest 60)\n"
          "  --active-timeout S       a flow that lasted S seconds ends at its next packet, which\n"
          "                           starts a new flow (NetFlow's active timeout; default never)\n"
          "  --max-flows N            flows held at once; at the cap the least recently seen ends\n"
          "  --scale                  no TCP analysis: less memory per flow (tcp.analysis.* empty)\n"
          "  --threads N              N worker threads on a file (default 1; the same output,\n"
          "                           docs/threads.md)\n"
          "\n"
          "Anomaly detection:\n"
          "  --no-alerts              no anomaly detection\n"
          "  --syn-flood-count N      SYN flood: uncompleted SYNs to one host:port (default 200)\n"
          "  --syn-flood-sources N    ... from at least N sources (default 50)\n"
          "  --syn-flood-window S     ... within S seconds (default 5)\n"
          "  --scan-ports N           vertical scan: ports of one host (default 25)\n"
          "  --scan-hosts N           horizontal scan: hosts on one port (default 10)\n"
          "  --scan-window S          ... within S seconds (default 10)\n"
          "\n"
          "Output:\n"
          "  -T fields|json|ek|text   output format (default: text, one summary line per frame)\n"
          "  -e FIELD                 field to print with -T fields/json/ek (repeatable)\n"
          "  -E header=y|n            print the field names first (fields)\n"
          "  -E separator=/t|/s|C     field separator (fields; default tab)\n"
          "  -E occurrence=f|l|a      first, last or all occurrences (default a)\n"
          "  -E aggregator=,|/s|C     joins several occurrences (default ,)\n"
          "  -E quote=d|s|n           quote values with \" or ' or not at all (default n)\n"
          "  -q                       no per-frame output\n"
          "  -w FILE                  write the packets to FILE (pcapng; - is stdout); no per-frame\n"
          "                           output then unless -P; SIGHUP starts a new file\n"
          "  -F pcapng|pcap           the -w format (default pcapng)\n"
          "  -P                       print per-frame output even with -w\n"
          "  -z conv,tcp|conv,udp|conv,ip|conv,ipv6\n"
          "                           conversation table, as tshark's, with exact byte counts\n"
          "  -z netscope,flows[,N]    the N flows with the most bytes (default 10)\n"
          "  -z netscope,top[,N]      the N hosts with the most bytes, constant memory\n"
          "  -z netscope,alerts       the alerts of the run (SYN floods, port scans)\n"
          "  -z netscope,stats        every counter: flows created, evicted, timed out; drops\n"
          "  --flows FILE             one record per flow at the end: CSV, JSON or JSON Lines\n"
          "                           by FILE's extension (docs/flows.md)\n"
          "  --flows-format csv|json|jsonl\n"
          "                           the --flows format whatever the extension\n"
          "  --expired-flows FILE     a JSON Lines record as each flow ends, flushed per record\n"
          "  --alerts FILE            a JSON Lines record per alert, flushed (docs/anomaly.md)\n"
          "\n"
          "CI mode:\n"
          "  --fail-on 'NAME OP N'    exit 3 when a summary counter compares true, e.g.\n"
          "                           'tcp.retransmission.rate > 0.01', 'alerts > 0' (docs/ci.md)\n"
          "  --junit FILE             a JUnit XML report of the --fail-on expressions\n"
          "\n"
          "Monitoring:\n"
          "  --stats-interval S       a JSON Lines record of the run's counters every S seconds\n"
          "                           (packet time on files, wall clock live; docs/metrics.md)\n"
          "  --stats-file FILE        where those records go (default stderr, - stdout)\n"
          "  --metrics-listen [ADDR:]PORT\n"
          "                           serve Prometheus /metrics (ADDR default 127.0.0.1)\n"
          "  --no-progress            no progress bar (shown for files when stderr is a terminal)\n"
          "\n"
          "Miscellaneous:\n"
          "  -C FILE                  configuration file (default: $XDG_CONFIG_HOME/netscope/\n"
          "                           netscope.conf, then /etc/netscope/netscope.conf)\n"
          "  --print-config           print the effective configuration and exit\n"
          "  -G fields                list every field netscope knows and exit\n"
          "  -h, --help               this help and exit\n"
          "  -v, --version            the version and exit\n"
          "\n"
          "Field names follow Wireshark: a tshark -T fields pipeline works by changing only\n"
          "the command name. Exit status: 0 done, 1 usage error, 2 input or output error,\n"
          "3 a --fail-on expression held. See netscope(1) and docs/cli.md.\n",
          out);
}

/* tshark's spelling of separator characters: /t tab, /s space, else the character. */
static int sep_value(const char *v, char *dst, size_t cap)
{
    if (strcmp(v, "/t") == 0)
        v = "\t";
    else if (strcmp(v, "/s") == 0)
        v = " ";
    if (strlen(v) == 0 || strlen(v) >= cap)
        return -1;
    strcpy(dst, v);
    return 0;
}

static int parse_E(struct ns_args *a, const char *opt, struct ns_err *err)
{
    const char *eq = strchr(opt, '=');
    if (eq == NULL)
        return ns_err_set(err, NS_STATUS_USAGE, "-E %s: expected name=value", opt), -1;
    size_t klen = (size_t)(eq - opt);
    const char *v = eq + 1;
    if (klen == 6 && strncmp(opt, "header", 6) == 0 && (strcmp(v, "y") == 0 || strcmp(v, "n") == 0)) {
        a->header = v[0] == 'y';
    } else if (klen == 9 && strncmp(opt, "separator", 9) == 0) {
        if (sep_value(v, a->separator, sizeof a->separator) != 0)
            return ns_err_set(err, NS_STATUS_USAGE, "-E separator=%s: invalid separator", v), -1;
    } else if (klen == 10 && strncmp(opt, "aggregator", 10) == 0) {
        if (sep_value(v, a->aggregator, sizeof a->aggregator) != 0)
            return ns_err_set(err, NS_STATUS_USAGE, "-E aggregator=%s: invalid aggregator", v), -1;
    } else if (klen == 10 && strncmp(opt, "occurrence", 10) == 0 &&
               (strcmp(v, "f") == 0 || strcmp(v, "l") == 0 || strcmp(v, "a") == 0)) {
        a->occurrence = v[0];
    } else if (klen == 5 && strncmp(opt, "quote", 5) == 0 && strlen(v) == 1 && strchr("dsn", v[0])) {
        a->quote = v[0] == 'd' ? '"' : v[0] == 's' ? '\'' : 0;
    } else {
        return ns_err_set(err, NS_STATUS_USAGE, "-E %s: unknown option or value", opt), -1;
    }
    return 0;
}

void ns_args_defaults(struct ns_args *a)
{
    *a = (struct ns_args){0};
    strcpy(a->separator, "\t");
    strcpy(a->aggregator, ",");
    a->occurrence = 'a';
}

int ns_args_parse(struct ns_args *a, int argc, char **argv, struct ns_err *err)
{
    char bad[512] = "";

    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        int mon = ns_monitor_option(&a->monitor, argc, argv, &i, err);
        if (mon != 0) {
            if (mon < 0)
                return -1;
            continue;
        }
        if (strcmp(arg, "--flows") == 0 || strcmp(arg, "--flows-format") == 0) {
            if (i + 1 >= argc)
                return ns_err_set(err, NS_STATUS_USAGE, "option %s requires an argument", arg), -1;
            if (arg[7] == '\0')
                a->flows_path = argv[++i];
            else
                a->flows_format = argv[++i];
            continue;
        }
        if (strcmp(arg, "--expired-flows") == 0) {
            if (i + 1 >= argc)
                return ns_err_set(err, NS_STATUS_USAGE, "option %s requires an argument", arg), -1;
            a->expired_path = argv[++i];
            continue;
        }
        if (strcmp(arg, "--fail-on") == 0 || strcmp(arg, "--junit") == 0) {
            if (i + 1 >= argc)
                return ns_err_set(err, NS_STATUS_USAGE, "option %s requires an argument", arg), -1;
            if (arg[2] == 'j') {
                a->junit_path = argv[++i];
            } else {
                if (a->nfail_on >= sizeof a->fail_on / sizeof a->fail_on[0])
                    return ns_err_set(err, NS_STATUS_USAGE, "too many --fail-on expressions"), -1;
                a->fail_on[a->nfail_on++] = argv[++i];
            }
            continue;
        }
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "--version") == 0) {
            *(arg[2] == 'h' ? &a->help : &a->version) = true;
            continue;
        }
        if (strcmp(arg, "--per-file") == 0) {
            a->per_file = true;
            continue;
        }
        if (strcmp(arg, "--print-config") == 0) {
            a->print_config = true;
            continue;
        }
        if (strcmp(arg, "--alerts") == 0) {
            if (i + 1 >= argc)
                return ns_err_set(err, NS_STATUS_USAGE, "option %s requires an argument", arg), -1;
            a->alerts_path = argv[++i];
            continue;
        }
        if (strcmp(arg, "--no-alerts") == 0 || strcmp(arg, "--scale") == 0) {
            *(arg[2] == 'n' ? &a->no_alerts : &a->scale) = true;
            continue;
        }
        /* the options that take a count: 1..max */
        const struct { const char *name; unsigned *dst; unsigned long max; } counts[] = {
            { "--syn-flood-count", &a->syn_flood_count, 4096 },
            { "--syn-flood-sources", &a->syn_flood_sources, 4096 },
            { "--scan-ports", &a->scan_ports, 4096 },
            { "--scan-hosts", &a->scan_hosts, 4096 },
            { "--threads", &a->threads, 64 },
            { "--jobs", &a->jobs, 1024 },
            { "--max-flows", &a->max_flows, 1ul << 30 },
        };
        size_t ci = 0;
        while (ci < sizeof counts / sizeof counts[0] && strcmp(arg, counts[ci].name) != 0)
            ci++;
        if (ci < sizeof counts / sizeof counts[0]) {
            char *end;
            if (i + 1 >= argc)
                return ns_err_set(err, NS_STATUS_USAGE, "option %s requires an argument", arg), -1;
            const char *v = argv[++i];
            unsigned long n = strtoul(v, &end, 10);
            if (*end != '\0' || v[0] == '\0' || v[0] == '-' || n == 0 || n > counts[ci].max)
                return ns_err_set(err, NS_STATUS_USAGE, "%s %s: expected a number 1..%lu", arg, v,
                                  counts[ci].max), -1;
            *counts[ci].dst = (unsigned)n;
            continue;
        }
        double *window = strcmp(arg, "--syn-flood-window") == 0 ? &a->syn_flood_window
                       : strcmp(arg, "--scan-window") == 0 ? &a->scan_window : NULL;
        if (window != NULL) {
            char *end;
            if (i + 1 >= argc)
                return ns_err_set(err, NS_STATUS_USAGE, "option %s requires an argument", arg), -1;
            const char *v = argv[++i];
            double d = strtod(v, &end);
            if (*end != '\0' || !(d > 0) || d > 1e6)
                return ns_err_set(err, NS_STATUS_USAGE, "%s %s: expected seconds > 0", arg, v), -1;
            *window = d;
            continue;
        }
        if (strcmp(arg, "--vlan-in-key") == 0) {
            a->vlan_in_key = true;
            continue;
        }
        double *timeout = strcmp(arg, "--active-timeout") == 0 ? &a->active_timeout
                        : strcmp(arg, "--idle-timeout") == 0 ? &a->idle_timeout : NULL;
        if (timeout != NULL) {
            char *end;
            if (i + 1 >= argc)
                return ns_err_set(err, NS_STATUS_USAGE, "option %s requires an argument", arg), -1;
            const char *v = argv[++i];
            double d = strtod(v, &end);
            if (*end != '\0' || !(d >= 0) || d > 1e9)
                return ns_err_set(err, NS_STATUS_USAGE, "%s %s: expected seconds >= 0", arg, v), -1;
            *timeout = d;
            if (timeout == &a->idle_timeout)
                a->idle_timeout_set = true;     /* live capture keeps it instead of its defaults */
            continue;
        }
        if (arg[0] == '-' && arg[1] == '-')
            return ns_err_set(err, NS_STATUS_USAGE, "unknown option '%s'", arg), -1;
        if (arg[0] != '-' || arg[1] == '\0') {
            /* tshark: the remaining arguments, joined by spaces, are the capture filter */
            static char joined[4096];
            if (a->cfg_filter)
                a->capture_filter = NULL, a->cfg_filter = false;
            if (a->capture_filter != NULL && a->capture_filter != joined)
                return ns_err_set(err, NS_STATUS_USAGE, "capture filters were given both with -f and "
                                  "as arguments ('%s')", arg), -1;
            size_t n = a->capture_filter == joined ? strlen(joined) : 0;
            if (n + strlen(arg) + 2 > sizeof joined)
                return ns_err_set(err, NS_STATUS_USAGE, "capture filter too long"), -1;
            snprintf(joined + n, sizeof joined - n, "%s%s", n ? " " : "", arg);
            a->capture_filter = joined;
            continue;
        }
        char opt = arg[1];
        const char *val = NULL;
        if (strchr("rcTeEGzCifsBwFbaY", opt) != NULL) {
            if (arg[2] != '\0')
                val = arg + 2;
            else if (i + 1 < argc)
                val = argv[++i];
            else
                return ns_err_set(err, NS_STATUS_USAGE, "option -%c requires an argument", opt), -1;
        } else if (arg[2] != '\0') {
            return ns_err_set(err, NS_STATUS_USAGE, "unknown option '%s'", arg), -1;
        }
        switch (opt) {
        case 'r':
            if (a->nfiles >= NS_ARGS_MAX_FILES)
                return ns_err_set(err, NS_STATUS_USAGE, "too many -r files"), -1;
            a->files[a->nfiles++] = val;
            break;
        case 'c': {
            char *end;
            errno = 0;
            unsigned long long n = strtoull(val, &end, 10);
            if (errno != 0 || *end != '\0' || n == 0 || val[0] == '-')
                return ns_err_set(err, NS_STATUS_USAGE, "-c %s: expected a positive integer", val), -1;
            a->count = n;
            break;
        }
        case 'T':
            if (strcmp(val, "fields") == 0) a->mode = NS_OUT_FIELDS;
            else if (strcmp(val, "json") == 0) a->mode = NS_OUT_JSON;
            else if (strcmp(val, "ek") == 0) a->mode = NS_OUT_EK;
            else if (strcmp(val, "text") == 0) a->mode = NS_OUT_TEXT;
            else return ns_err_set(err, NS_STATUS_USAGE, "-T %s: expected fields, json, ek or text", val), -1;
            break;
        case 'e': {
            int id = ns_field_lookup(val);
            if (id < 0) {
                size_t n = strlen(bad);
                if (n + strlen(val) + 2 < sizeof bad)
                    snprintf(bad + n, sizeof bad - n, "%s%s", n ? " " : "", val);
                break;
            }
            if (a->nfields >= NS_ARGS_MAX_FIELDS)
                return ns_err_set(err, NS_STATUS_USAGE, "too many -e fields (at most %d)", NS_ARGS_MAX_FIELDS), -1;
            a->fields[a->nfields++] = id;
            break;
        }
        case 'E':
            if (parse_E(a, val, err) != 0)
                return -1;
            break;
        case 'G':
            if (strcmp(val, "fields") != 0)
                return ns_err_set(err, NS_STATUS_USAGE, "-G %s: only -G fields is supported", val), -1;
            a->list_fields = true;
            break;
        case 'z':
            if (a->nstats >= sizeof a->stats / sizeof a->stats[0])
                return ns_err_set(err, NS_STATUS_USAGE, "too many -z options"), -1;
            a->stats[a->nstats++] = val;
            break;
        case 'i':
            if (a->cfg_ifaces)
                a->nifaces = 0, a->cfg_ifaces = false;
            if (a->nifaces >= NS_ARGS_MAX_IFACES)
                return ns_err_set(err, NS_STATUS_USAGE, "too many -i interfaces (at most %d)",
                                  NS_ARGS_MAX_IFACES), -1;
            a->ifaces[a->nifaces++] = val;
            break;
        case 'f':
            if (a->cfg_filter)
                a->capture_filter = NULL, a->cfg_filter = false;
            if (a->capture_filter != NULL)
                return ns_err_set(err, NS_STATUS_USAGE, "capture filters were given both with -f and "
                                  "as arguments, or -f twice"), -1;
            a->capture_filter = val;
            break;
        case 's':
        case 'B': {
            char *end;
            unsigned long n = strtoul(val, &end, 10);
            unsigned long max = opt == 's' ? 262144 : 1u << 20;
            if (*end != '\0' || val[0] == '\0' || val[0] == '-' || n > max || (opt == 'B' && n == 0))
                return ns_err_set(err, NS_STATUS_USAGE, "-%c %s: expected a number %s..%lu", opt, val,
                                  opt == 's' ? "0" : "1", max), -1;
            *(opt == 's' ? &a->snaplen : &a->buffer_mib) = (unsigned)n;
            break;
        }
        case 'D': a->list_ifaces = true; break;
        case 'p': a->no_promisc = true; break;
        case 'Y': {
            struct ns_err ferr = {{0}};
            ns_filter_free(a->filter);      /* the last -Y wins, as in tshark */
            a->filter = ns_filter_compile(val, &ferr);
            a->filter_text = val;
            if (a->filter == NULL)
                return ns_err_set(err, NS_STATUS_USAGE, "-Y: %s", ferr.msg), -1;
            break;
        }
        case 'C': break;        /* read before parsing: ns_config_path_arg() */
        case 'w': case 'F': case 'b': case 'a':
            if (opt == 'b' && a->cfg_ring) {
                a->write.ring_bytes = a->write.ring_packets = 0;
                a->write.ring_ns = 0;
                a->write.ring_files = 0;
                a->cfg_ring = false;
            }
            if (opt == 'a' && a->cfg_stop) {
                a->write.stop_bytes = a->write.stop_packets = 0;
                a->write.stop_ns = 0;
                a->write.stop_files = 0;
                a->cfg_stop = false;
            }
            if (ns_writer_option(&a->write, opt, val, err) != 0)
                return -1;
            break;
        case 'P': a->print_packets = true; break;
        case 'n': break;
        case 'q': a->quiet = true; break;
        case 'h': a->help = true; break;
        case 'v': a->version = true; break;
        default:
            return ns_err_set(err, NS_STATUS_USAGE, "unknown option '%s'", arg), -1;
        }
    }
    if (bad[0] != '\0')
        return ns_err_set(err, NS_STATUS_USAGE, "some fields aren't valid: %s", bad), -1;
    if (a->help || a->version || a->list_fields || a->print_config || a->list_ifaces)
        return 0;
    if (a->mode == NS_OUT_FIELDS && a->nfields == 0)
        return ns_err_set(err, NS_STATUS_USAGE, "-T fields was given, but no fields with -e"), -1;
    if (a->nfiles > 0 && a->cfg_ifaces)
        a->nifaces = 0;         /* -r on the command line beats the file's interface */
    if (a->nfiles > 0 && a->nifaces > 0)
        return ns_err_set(err, NS_STATUS_USAGE, "-r and -i cannot be used together"), -1;
    if (a->nfiles == 0 && a->nifaces == 0)
        return ns_err_set(err, NS_STATUS_USAGE, "no input: give a capture file with -r or an "
                          "interface with -i (see -h)"), -1;
    if (ns_writer_check(&a->write, err) != 0)
        return -1;
    if (a->per_file && a->nifaces > 0)
        return ns_err_set(err, NS_STATUS_USAGE, "--per-file reads files (-r), not interfaces"), -1;
    if (a->per_file && a->write.path != NULL)
        return ns_err_set(err, NS_STATUS_USAGE, "-w with --per-file: drop --per-file to write the "
                          "files merged into one capture (docs/inputs.md)"), -1;
    if (a->per_file && a->junit_path != NULL)
        return ns_err_set(err, NS_STATUS_USAGE, "--junit with --per-file is not supported: one "
                          "report per run (docs/inputs.md)"), -1;
    if (a->write.path != NULL && !a->print_packets)
        a->quiet = true;        /* tshark: -w prints no frames unless -P */
    return 0;
}
