#include "alerts.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

bool ns_alerts_want(struct ns_alerts *a, const char *spec)
{
    if (strcmp(spec, "netscope,alerts") != 0)
        return false;
    a->want_table = true;
    return true;
}

int ns_alerts_open(struct ns_alerts *a, const char *path, struct ns_err *err)
{
    snprintf(a->path, sizeof a->path, "%s", path);
    a->f = fopen(path, "w");
    if (a->f == NULL) {
        ns_err_set(err, NS_STATUS_FORMAT, "%s: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

static void fmt_addr(uint8_t af, const uint8_t *addr, char *buf, size_t cap)
{
    struct ns_val v = { .v.addr = addr };
    ns_field_format(af == 4 ? NS_FIELD_IP_SRC : NS_FIELD_IPV6_SRC, &v, buf, cap);
}

static void fmt_secs(int64_t ns, char *buf, size_t cap)
{
    struct ns_val v = { .v.i = ns };
    ns_field_format(NS_FIELD_FRAME_TIME_REL, &v, buf, cap);
}

static bool has_dst(const struct ns_alert *al)
{
    return al->kind != NS_ALERT_PORT_SCAN_HORIZONTAL;
}

static bool has_port(const struct ns_alert *al)
{
    return al->kind != NS_ALERT_PORT_SCAN_VERTICAL;
}

/* The source is the scanner, or for a flood the source with the most uncompleted SYNs. */
static void write_json(FILE *f, const struct ns_alert *al, uint64_t frame)
{
    char ts[40], ws[40], src[64], dst[64];
    fmt_secs(al->ts_ns, ts, sizeof ts);
    fmt_secs(al->window_start_ns, ws, sizeof ws);
    fmt_addr(al->af, al->src, src, sizeof src);
    fprintf(f, "{\"ts\":%s,\"frame\":%llu,\"kind\":\"%s\",\"src\":\"%s\"", ts,
            (unsigned long long)frame, ns_alert_kind_name(al->kind), src);
    if (has_dst(al)) {
        fmt_addr(al->af, al->dst, dst, sizeof dst);
        fprintf(f, ",\"dst\":\"%s\"", dst);
    }
    if (has_port(al))
        fprintf(f, ",\"proto\":\"%s\",\"port\":%u", al->proto == 17 ? "udp" : "tcp", al->port);
    fprintf(f, ",\"count\":%u,\"distinct\":%u,\"threshold\":%u,\"window_start\":%s,"
               "\"rst\":%u,\"icmp\":%u,\"accepted\":%u}\n",
            al->count, al->distinct, al->threshold, ws, al->rst, al->icmp, al->accepted);
}

static void keep_row(struct ns_alerts *a, const struct ns_alert *al, uint64_t frame)
{
    if (a->n == a->cap) {
        if (a->cap >= NS_ALERTS_TABLE_MAX) {
            a->left_out++;
            return;
        }
        size_t ncap = a->cap ? a->cap * 2 : 64;
        struct ns_alert *nr = realloc(a->rows, ncap * sizeof *nr);
        if (nr != NULL)
            a->rows = nr;
        uint64_t *nf = realloc(a->frames, ncap * sizeof *nf);
        if (nf != NULL)
            a->frames = nf;
        if (nr == NULL || nf == NULL) {
            a->left_out++;
            return;
        }
        a->cap = ncap;
    }
    a->rows[a->n] = *al;
    a->frames[a->n] = frame;
    a->n++;
}

void ns_alerts_frame(struct ns_alerts *a, const struct ns_frame *f)
{
    for (unsigned k = 0; k < f->nalerts; k++) {
        const struct ns_alert *al = &f->alerts[k];
        a->total++;
        if (a->f != NULL) {
            write_json(a->f, al, f->rec->number);
            /* one whole record at a time reaches the file */
            if (fflush(a->f) != 0 || ferror(a->f))
                a->failed = true;
        }
        if (a->want_table)
            keep_row(a, al, f->rec->number);
    }
}

void ns_alerts_print(const struct ns_alerts *a, FILE *out, int64_t first_ts_ns)
{
    if (!a->want_table)
        return;
    fputs("================================================================================\n", out);
    fprintf(out, "netscope alerts: %llu\n", (unsigned long long)a->total);
    fprintf(out, "%8s %14s %-21s %-39s %-39s %9s %7s %8s %9s %5s %5s\n", "Frame", "Rel time", "Kind",
            "Source", "Target", "Port", "Count", "Distinct", "Threshold", "RST", "ICMP");
    for (size_t i = 0; i < a->n; i++) {
        const struct ns_alert *al = &a->rows[i];
        char t[40], src[64], dst[64] = "*", port[16] = "*";
        fmt_secs(al->ts_ns - first_ts_ns, t, sizeof t);
        fmt_addr(al->af, al->src, src, sizeof src);
        if (has_dst(al))
            fmt_addr(al->af, al->dst, dst, sizeof dst);
        if (has_port(al))
            snprintf(port, sizeof port, "%s/%u", al->proto == 17 ? "udp" : "tcp", al->port);
        fprintf(out, "%8llu %14s %-21s %-39s %-39s %9s %7u %8u %9u %5u %5u\n",
                (unsigned long long)a->frames[i], t, ns_alert_kind_name(al->kind), src, dst, port,
                al->count, al->distinct, al->threshold, al->rst, al->icmp);
    }
    if (a->left_out > 0)
        fprintf(out, "(%llu more not listed)\n", (unsigned long long)a->left_out);
    fputs("================================================================================\n", out);
}

void ns_alerts_free(struct ns_alerts *a)
{
    free(a->rows);
    free(a->frames);
    a->rows = NULL;
    a->frames = NULL;
    a->n = a->cap = 0;
}

int ns_alerts_close(struct ns_alerts *a, struct ns_err *err)
{
    if (a->f == NULL)
        return 0;
    bool bad = a->failed || ferror(a->f);
    int e = errno;
    if (fclose(a->f) != 0 && !bad) {
        bad = true;
        e = errno;
    }
    a->f = NULL;
    if (bad) {
        ns_err_set(err, NS_STATUS_FORMAT, "%s: write failed: %s", a->path, strerror(e));
        return -1;
    }
    return 0;
}
