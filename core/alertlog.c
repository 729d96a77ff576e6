#include "alertlog.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "fields.h"

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

/* A horizontal scan names no host, a vertical one no port. */
static int has_dst(const struct ns_alert *al)
{
    return al->kind != NS_ALERT_PORT_SCAN_HORIZONTAL;
}

static int has_port(const struct ns_alert *al)
{
    return al->kind != NS_ALERT_PORT_SCAN_VERTICAL;
}

/* snprintf that keeps counting past the end, so the caller sees the length it needed */
static size_t put(char *buf, size_t cap, size_t n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(n < cap ? buf + n : NULL, n < cap ? cap - n : 0, fmt, ap);
    va_end(ap);
    return n + (k > 0 ? (size_t)k : 0);
}

size_t ns_alert_json(const struct ns_alert *al, uint64_t frame, char *buf, size_t cap)
{
    char ts[40], ws[40], src[64], dst[64];
    fmt_secs(al->ts_ns, ts, sizeof ts);
    fmt_secs(al->window_start_ns, ws, sizeof ws);
    fmt_addr(al->af, al->src, src, sizeof src);
    size_t n = put(buf, cap, 0, "{\"ts\":%s,\"frame\":%llu,\"kind\":\"%s\",\"src\":\"%s\"", ts,
                   (unsigned long long)frame, ns_alert_kind_name(al->kind), src);
    if (has_dst(al)) {
        fmt_addr(al->af, al->dst, dst, sizeof dst);
        n = put(buf, cap, n, ",\"dst\":\"%s\"", dst);
    }
    if (has_port(al))
        n = put(buf, cap, n, ",\"proto\":\"%s\",\"port\":%u", al->proto == 17 ? "udp" : "tcp", al->port);
    n = put(buf, cap, n, ",\"count\":%u,\"distinct\":%u,\"threshold\":%u,\"window_start\":%s,"
                         "\"rst\":%u,\"icmp\":%u,\"accepted\":%u}\n",
            al->count, al->distinct, al->threshold, ws, al->rst, al->icmp, al->accepted);
    return n < cap ? n : 0;
}

void ns_alertlog_add(struct ns_alertlog *log, const struct ns_alert *al, uint64_t frame)
{
    log->total++;
    if (log->n == log->cap) {
        size_t ncap = log->cap ? log->cap * 2 : 64;
        if (ncap > NS_ALERTLOG_MAX)
            ncap = NS_ALERTLOG_MAX;
        struct ns_alert *nr = ncap > log->cap ? realloc(log->rows, ncap * sizeof *nr) : NULL;
        if (nr != NULL)
            log->rows = nr;
        uint64_t *nf = nr != NULL ? realloc(log->frames, ncap * sizeof *nf) : NULL;
        if (nf != NULL)
            log->frames = nf;
        if (nr == NULL || nf == NULL) {
            log->left_out++;
            return;
        }
        log->cap = ncap;
    }
    log->rows[log->n] = *al;
    log->frames[log->n] = frame;
    log->n++;
}

#define RULE "================================================================================\n"

static void line(void (*write)(const char *, size_t, void *), void *arg, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (k > 0)
        write(buf, (size_t)k < sizeof buf ? (size_t)k : sizeof buf - 1, arg);
}

void ns_alertlog_write(const struct ns_alertlog *log, int64_t first_ts_ns,
                       void (*write)(const char *line, size_t len, void *arg), void *arg)
{
    line(write, arg, RULE);
    line(write, arg, "netscope alerts: %llu\n", (unsigned long long)log->total);
    line(write, arg, "%8s %14s %-21s %-39s %-39s %9s %7s %8s %9s %5s %5s\n", "Frame", "Rel time",
         "Kind", "Source", "Target", "Port", "Count", "Distinct", "Threshold", "RST", "ICMP");
    for (size_t i = 0; i < log->n; i++) {
        const struct ns_alert *al = &log->rows[i];
        char t[40], src[64], dst[64] = "*", port[16] = "*";
        fmt_secs(al->ts_ns - first_ts_ns, t, sizeof t);
        fmt_addr(al->af, al->src, src, sizeof src);
        if (has_dst(al))
            fmt_addr(al->af, al->dst, dst, sizeof dst);
        if (has_port(al))
            snprintf(port, sizeof port, "%s/%u", al->proto == 17 ? "udp" : "tcp", al->port);
        line(write, arg, "%8llu %14s %-21s %-39s %-39s %9s %7u %8u %9u %5u %5u\n",
             (unsigned long long)log->frames[i], t, ns_alert_kind_name(al->kind), src, dst, port,
             al->count, al->distinct, al->threshold, al->rst, al->icmp);
    }
    if (log->left_out > 0)
        line(write, arg, "(%llu more not listed)\n", (unsigned long long)log->left_out);
    line(write, arg, RULE);
}

void ns_alertlog_free(struct ns_alertlog *log)
{
    free(log->rows);
    free(log->frames);
    *log = (struct ns_alertlog){0};
}
