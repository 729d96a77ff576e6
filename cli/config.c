#include "config.h"

#include "../core/engine.h"

#include <glib.h>
#include <stdlib.h>
#include <string.h>

#define GROUP "netscope"

enum kind { K_BOOL, K_UINT, K_SECS, K_PATH, K_NOTBOOL,
            K_IFACES,       /* comma-separated interfaces: -i each */
            K_FORMAT,       /* pcapng or pcap: -F */
            K_RING,         /* comma-separated -b conditions */
            K_STOP };       /* comma-separated -a conditions */

/* Every key: the plugin's preference name and where it lands in struct ns_args. K_NOTBOOL is
 * a boolean stored inverted (tcp_analysis = !scale, alerts = !no_alerts). */
struct key {
    const char *name;
    enum kind kind;
    size_t off;
    unsigned max;               /* K_UINT: largest value */
    const char *help;
    double dflt;                /* the value 0 stands for (printed instead of 0) */
};

#define OFF(f) offsetof(struct ns_args, f)
static const struct key keys[] = {
    { "vlan_in_key", K_BOOL, OFF(vlan_in_key), 0, "VLAN ids are part of flow keys" },
    { "idle_timeout", K_SECS, OFF(idle_timeout), 0, "seconds a flow may be idle; 0 = never" },
    { "active_timeout", K_SECS, OFF(active_timeout), 0, "seconds after which a flow is cut; 0 = never" },
    { "max_flows", K_UINT, OFF(max_flows), 1u << 30, "flows held at once", NS_ENGINE_DEFAULT_MAX_FLOWS },
    { "tcp_analysis", K_NOTBOOL, OFF(scale), 0, "TCP analysis (false: scale mode)" },
    { "alerts", K_NOTBOOL, OFF(no_alerts), 0, "anomaly detection" },
    { "syn_flood_count", K_UINT, OFF(syn_flood_count), 4096, "SYN flood: uncompleted SYNs to one host:port", 200 },
    { "syn_flood_sources", K_UINT, OFF(syn_flood_sources), 4096, "... from at least this many sources", 50 },
    { "syn_flood_window", K_SECS, OFF(syn_flood_window), 0, "... within this many seconds", 5 },
    { "scan_ports", K_UINT, OFF(scan_ports), 4096, "vertical scan: ports of one host", 25 },
    { "scan_hosts", K_UINT, OFF(scan_hosts), 4096, "horizontal scan: hosts on one port", 10 },
    { "scan_window", K_SECS, OFF(scan_window), 0, "scans: within this many seconds", 10 },
    { "threads", K_UINT, OFF(threads), 64, "--threads N: worker threads on a file (docs/threads.md)", 1 },
    { "per_file", K_BOOL, OFF(per_file), 0, "--per-file: each -r file on its own" },
    { "jobs", K_UINT, OFF(jobs), 1024, "--jobs N: files at once with per_file (0: the CPUs)" },
    { "flows", K_PATH, OFF(flows_path), 0, "--flows FILE" },
    { "flows_format", K_PATH, OFF(flows_format), 0, "csv, json or jsonl" },
    { "expired_flows", K_PATH, OFF(expired_path), 0, "--expired-flows FILE" },
    { "alerts_file", K_PATH, OFF(alerts_path), 0, "--alerts FILE" },
    { "interface", K_IFACES, OFF(ifaces), 0, "-i: interfaces to capture on, comma-separated (none: read -r)" },
    { "capture_filter", K_PATH, OFF(capture_filter), 0, "-f: BPF capture filter" },
    { "snaplen", K_UINT, OFF(snaplen), 262144, "-s: bytes kept per packet", 262144 },
    { "buffer", K_UINT, OFF(buffer_mib), 1u << 20, "-B: kernel capture buffer, MiB (0: libpcap's default)" },
    { "promiscuous", K_NOTBOOL, OFF(no_promisc), 0, "promiscuous mode (false: -p)" },
    { "write_file", K_PATH, OFF(write.path), 0, "-w FILE" },
    { "write_format", K_FORMAT, OFF(write.format), 0, "-F: pcapng or pcap" },
    { "ring_buffer", K_RING, OFF(write), 0, "-b: filesize:KB,duration:S,packets:N,files:N (any of them)" },
    { "autostop", K_STOP, OFF(write), 0, "-a: duration:S,filesize:KB,packets:N,files:N (any of them)" },
    { "stats_interval", K_SECS, OFF(monitor.stats_interval), 0, "--stats-interval S; 0 = none" },
    { "stats_file", K_PATH, OFF(monitor.stats_file), 0, "--stats-file FILE (empty: stderr)" },
    { "metrics_listen", K_PATH, OFF(monitor.metrics_listen), 0, "--metrics-listen [ADDR:]PORT" },
    { "progress", K_NOTBOOL, OFF(monitor.no_progress), 0, "progress bar on a terminal (false: --no-progress)" },
};
#define NKEYS (sizeof keys / sizeof keys[0])

const char *ns_config_path_arg(int argc, char **argv, int *print)
{
    const char *path = NULL;
    *print = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--print-config") == 0)
            *print = 1;
        else if (strcmp(argv[i], "-C") == 0 && i + 1 < argc)
            path = argv[++i];
        else if (strncmp(argv[i], "-C", 2) == 0 && argv[i][2] != '\0')
            path = argv[i] + 2;
    }
    return path;
}

/* The line of the file where key is set ("key =") or, for a group, where "[key]" starts:
 * GKeyFile does not keep line numbers. 0 when not found. */
static unsigned line_where(const char *text, const char *key, bool group)
{
    unsigned line = 1;
    size_t klen = strlen(key);
    for (const char *p = text; *p; line++) {
        const char *q = p;
        while (*q == ' ' || *q == '\t')
            q++;
        if (group) {
            if (*q == '[' && strncmp(q + 1, key, klen) == 0 && q[1 + klen] == ']')
                return line;
        } else if (strncmp(q, key, klen) == 0) {
            const char *r = q + klen;
            while (*r == ' ' || *r == '\t')
                r++;
            if (*r == '=')
                return line;
        }
        p = strchr(p, '\n');
        if (p == NULL)
            break;
        p++;
    }
    return 0;
}

static const struct key *find(const char *name)
{
    for (size_t i = 0; i < NKEYS; i++)
        if (strcmp(keys[i].name, name) == 0)
            return &keys[i];
    return NULL;
}

/* Paths from the file outlive the key file: they are kept in a static arena. */
static const char *keep(const char *s)
{
    static char arena[32][4096];
    static unsigned used;
    if (used == 32 || strlen(s) >= sizeof arena[0])
        return NULL;
    strcpy(arena[used], s);
    return arena[used++];
}

static int set_value(struct ns_args *a, const struct key *k, const char *v)
{
    char *end;
    void *dst = (char *)a + k->off;
    switch (k->kind) {
    case K_BOOL:
    case K_NOTBOOL: {
        bool b;
        if (g_ascii_strcasecmp(v, "true") == 0 || strcmp(v, "1") == 0)
            b = true;
        else if (g_ascii_strcasecmp(v, "false") == 0 || strcmp(v, "0") == 0)
            b = false;
        else
            return -1;
        *(bool *)dst = k->kind == K_BOOL ? b : !b;
        return 0;
    }
    case K_UINT: {
        unsigned long n = strtoul(v, &end, 10);
        if (*end != '\0' || v[0] == '\0' || v[0] == '-' || n > k->max)
            return -1;
        *(unsigned *)dst = (unsigned)n;
        return 0;
    }
    case K_SECS: {
        double d = strtod(v, &end);
        if (*end != '\0' || v[0] == '\0' || !(d >= 0) || d > 1e9)
            return -1;
        *(double *)dst = d;
        return 0;
    }
    case K_IFACES: {
        char *list = g_strdup(v);
        a->nifaces = 0;
        int rc = 0;
        for (char *save = NULL, *t = strtok_r(list, ",", &save); t != NULL && rc == 0;
             t = strtok_r(NULL, ",", &save)) {
            const char *name = keep(g_strstrip(t));
            if (name == NULL || name[0] == '\0' || a->nifaces >= NS_ARGS_MAX_IFACES)
                rc = -1;
            else
                a->ifaces[a->nifaces++] = name;
        }
        g_free(list);
        a->cfg_ifaces = a->nifaces > 0;
        return rc;
    }
    case K_FORMAT:
    case K_RING:
    case K_STOP: {
        struct ns_err e;
        char opt = k->kind == K_FORMAT ? 'F' : k->kind == K_RING ? 'b' : 'a';
        char *list = g_strdup(v);
        int rc = 0;
        for (char *save = NULL, *t = strtok_r(list, ",", &save); t != NULL && rc == 0;
             t = strtok_r(NULL, ",", &save))
            rc = ns_writer_option(&a->write, opt, g_strstrip(t), &e);
        g_free(list);
        *(opt == 'b' ? &a->cfg_ring : &a->cfg_stop) = true;
        return rc;
    }
    case K_PATH: {
        if (v[0] == '\0') {            /* empty: unset, as --print-config writes it */
            *(const char **)dst = NULL;
            return 0;
        }
        const char *s = keep(v);
        if (s == NULL)
            return -1;
        *(const char **)dst = s;
        return 0;
    }
    }
    return -1;
}

static int load_file(struct ns_args *a, const char *path, struct ns_err *err)
{
    gchar *text = NULL;
    gsize len = 0;
    GError *ge = NULL;
    if (!g_file_get_contents(path, &text, &len, &ge)) {
        ns_err_set(err, NS_STATUS_USAGE, "%s: %s", path, ge->message);
        g_error_free(ge);
        return -1;
    }
    GKeyFile *kf = g_key_file_new();
    int rc = 0;
    if (!g_key_file_load_from_data(kf, text, len, G_KEY_FILE_NONE, &ge)) {
        ns_err_set(err, NS_STATUS_USAGE, "%s: %s", path, ge->message);
        g_error_free(ge);
        rc = -1;
        goto out;
    }
    gsize ngroups = 0;
    gchar **groups = g_key_file_get_groups(kf, &ngroups);
    for (gsize g = 0; g < ngroups && rc == 0; g++)
        if (strcmp(groups[g], GROUP) != 0) {
            ns_err_set(err, NS_STATUS_USAGE, "%s:%u: unknown group [%s] (only [" GROUP "])", path,
                       line_where(text, groups[g], true), groups[g]);
            rc = -1;
        }
    g_strfreev(groups);
    if (rc != 0 || !g_key_file_has_group(kf, GROUP))
        goto out;
    gsize nkeys = 0;
    gchar **names = g_key_file_get_keys(kf, GROUP, &nkeys, NULL);
    for (gsize i = 0; i < nkeys && rc == 0; i++) {
        const struct key *k = find(names[i]);
        if (k == NULL) {
            ns_err_set(err, NS_STATUS_USAGE, "%s:%u: unknown key '%s'", path, line_where(text, names[i], false), names[i]);
            rc = -1;
            break;
        }
        gchar *v = g_key_file_get_string(kf, GROUP, names[i], NULL);
        if (k->off == OFF(idle_timeout))
            a->idle_timeout_set = true;     /* live capture keeps it instead of its defaults */
        if (k->off == OFF(capture_filter))
            a->cfg_filter = true;           /* -f replaces it rather than clashing with it */
        if (v == NULL || set_value(a, k, g_strstrip(v)) != 0) {
            ns_err_set(err, NS_STATUS_USAGE, "%s:%u: bad value '%s' for %s (%s)", path,
                       line_where(text, names[i], false), v ? v : "", names[i], k->help);
            rc = -1;
        }
        g_free(v);
    }
    g_strfreev(names);
out:
    g_key_file_free(kf);
    g_free(text);
    return rc;
}

int ns_config_load(struct ns_args *a, const char *path, const char **used, struct ns_err *err)
{
    *used = NULL;
    if (path != NULL) {
        *used = path;
        return load_file(a, path, err);
    }
    static char xdg[4096];
    const char *base = g_get_user_config_dir();     /* $XDG_CONFIG_HOME, else ~/.config */
    snprintf(xdg, sizeof xdg, "%s/netscope/netscope.conf", base);
    const char *cands[] = { xdg, "/etc/netscope/netscope.conf" };
    for (size_t i = 0; i < 2; i++)
        if (g_file_test(cands[i], G_FILE_TEST_EXISTS)) {
            *used = cands[i];
            return load_file(a, cands[i], err);
        }
    return 0;
}

void ns_config_print(const struct ns_args *a, const char *used, FILE *out)
{
    fprintf(out, "# effective configuration (file: %s; command-line options applied)\n",
            used != NULL ? used : "none");
    fputs("[" GROUP "]\n", out);
    for (size_t i = 0; i < NKEYS; i++) {
        const struct key *k = &keys[i];
        const void *src = (const char *)a + k->off;
        fprintf(out, "# %s\n%s=", k->help, k->name);
        switch (k->kind) {
        case K_BOOL: fputs(*(const bool *)src ? "true" : "false", out); break;
        case K_NOTBOOL: fputs(*(const bool *)src ? "false" : "true", out); break;
        case K_UINT: {
            unsigned v = *(const unsigned *)src;
            fprintf(out, "%u", v != 0 ? v : (unsigned)k->dflt);
            break;
        }
        case K_SECS: {
            double v = *(const double *)src;
            fprintf(out, "%g", v != 0 ? v : k->dflt);
            break;
        }
        case K_PATH: {
            const char *p = *(const char *const *)src;
            fputs(p != NULL ? p : "", out);
            break;
        }
        case K_IFACES:
            for (size_t n = 0; n < a->nifaces; n++)
                fprintf(out, "%s%s", n ? "," : "", a->ifaces[n]);
            break;
        case K_FORMAT:
            fputs(a->write.format == NS_WRITER_PCAP ? "pcap" : "pcapng", out);
            break;
        case K_RING:
        case K_STOP: {
            const struct ns_writer_cfg *w = &a->write;
            bool ring = k->kind == K_RING;
            uint64_t bytes = ring ? w->ring_bytes : w->stop_bytes;
            uint64_t pk = ring ? w->ring_packets : w->stop_packets;
            int64_t ns = ring ? w->ring_ns : w->stop_ns;
            uint32_t files = ring ? w->ring_files : w->stop_files;
            const char *sep = "";
            if (bytes != 0)
                fprintf(out, "%sfilesize:%llu", sep, (unsigned long long)(bytes / 1000)), sep = ",";
            if (ns != 0)
                fprintf(out, "%sduration:%g", sep, (double)ns / 1e9), sep = ",";
            if (pk != 0)
                fprintf(out, "%spackets:%llu", sep, (unsigned long long)pk), sep = ",";
            if (files != 0)
                fprintf(out, "%sfiles:%u", sep, files);
            break;
        }
        }
        putc('\n', out);
    }
}
