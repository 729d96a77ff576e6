#include "topflows.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fields.h"
#include "track.h"

bool ns_stat_spec_n(const char *spec, const char *prefix, unsigned long *n, bool *bad)
{
    size_t len = strlen(prefix);
    *bad = false;
    if (strncmp(spec, prefix, len) != 0 || (spec[len] != '\0' && spec[len] != ','))
        return false;
    *n = NS_TOPFLOWS_DEFAULT;
    if (spec[len] == ',') {
        char *end;
        *n = strtoul(spec + len + 1, &end, 10);
        *bad = *end != '\0' || spec[len + 1] == '\0' || *n == 0 || *n > NS_TOPFLOWS_MAX;
    }
    return true;
}

bool ns_topflows_want(struct ns_topflows *t, const char *spec, bool *bad)
{
    unsigned long n;
    if (!ns_stat_spec_n(spec, "netscope,flows", &n, bad))
        return false;
    if (!*bad) {
        t->want = true;
        t->max = n;
    }
    return true;
}

static uint64_t total(const struct ns_topflow_row *r)
{
    return r->f.bytes[0] + r->f.bytes[1];
}

/* Ties go to the older flow, so the result does not depend on the heap's shape. */
static bool less(const struct ns_topflow_row *a, const struct ns_topflow_row *b)
{
    return total(a) != total(b) ? total(a) < total(b) : a->f.id > b->f.id;
}

static void sift_down(struct ns_topflow_row *h, size_t n, size_t i)
{
    for (;;) {
        size_t m = i, l = 2 * i + 1, r = l + 1;
        if (l < n && less(&h[l], &h[m])) m = l;
        if (r < n && less(&h[r], &h[m])) m = r;
        if (m == i)
            return;
        struct ns_topflow_row tmp = h[i];
        h[i] = h[m];
        h[m] = tmp;
        i = m;
    }
}

static void offer(struct ns_topflows *t, const struct ns_topflow_row *row)
{
    if (t->heap == NULL) {
        t->heap = calloc(t->max, sizeof *t->heap);
        if (t->heap == NULL) {
            t->oom = true;
            t->want = false;
            return;
        }
    }
    if (t->n < t->max) {
        size_t i = t->n++;
        t->heap[i] = *row;
        while (i > 0 && less(&t->heap[i], &t->heap[(i - 1) / 2])) {
            struct ns_topflow_row tmp = t->heap[i];
            t->heap[i] = t->heap[(i - 1) / 2];
            t->heap[(i - 1) / 2] = tmp;
            i = (i - 1) / 2;
        }
    } else if (less(&t->heap[0], row)) {
        t->heap[0] = *row;
        sift_down(t->heap, t->n, 0);
    }
}

void ns_topflows_on_end(const struct ns_flow *f, const struct ns_tcpa_conn *tcp, struct ns_topflows *t)
{
    if (!t->want || f->key.proto == 0 || f->frames[0] + f->frames[1] == 0)
        return;
    struct ns_topflow_row row = { .f = *f, .tcp = tcp != NULL };
    if (tcp != NULL) {
        struct ns_tcpa_metrics m;
        ns_tcpa_conn_metrics(tcp, &m);
        for (int d = 0; d < 2; d++)
            row.retrans += m.count[d][NS_TCPA_BIT_RETRANSMISSION] +
                           m.count[d][NS_TCPA_BIT_FAST_RETRANSMISSION] +
                           m.count[d][NS_TCPA_BIT_SPURIOUS_RETRANSMISSION];
        row.rtt_samples = m.rtt_samples;
        row.srtt_ns = m.srtt_ns;
    }
    offer(t, &row);
}

void ns_topflows_merge(struct ns_topflows *dst, const struct ns_topflows *src)
{
    for (size_t i = 0; i < src->n && dst->want; i++)
        offer(dst, &src->heap[i]);
}

static int by_bytes_desc(const void *x, const void *y)
{
    const struct ns_topflow_row *a = x, *b = y;
    return less(a, b) ? 1 : less(b, a) ? -1 : 0;
}

/* One formatted line to the caller; a line never exceeds the buffer (the widest row,
 * two IPv6 endpoints, is under 300 bytes). */
#define NS_TOPFLOWS_LINE 640

static void emit(void (*write)(const char *, size_t, void *), void *arg, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void emit(void (*write)(const char *, size_t, void *), void *arg, const char *fmt, ...)
{
    char line[NS_TOPFLOWS_LINE];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    write(line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1, arg);
}

void ns_topflows_write(struct ns_topflows *t, int64_t first_ts_ns,
                       void (*write)(const char *line, size_t len, void *arg), void *arg)
{
    if (!t->want && !t->oom)
        return;
    if (t->n > 0)
        qsort(t->heap, t->n, sizeof *t->heap, by_bytes_desc);
    static const char rule[] =
        "================================================================================\n";
    write(rule, sizeof rule - 1, arg);
    emit(write, arg, "netscope flows: the %zu largest by bytes\n", t->max);
    emit(write, arg, "%8s %-6s %-47s %8s %12s %8s %12s %16s %12s %7s %12s %s\n", "Flow", "Proto", "A <-> B",
         "A->B fr", "A->B bytes", "B->A fr", "B->A bytes", "Rel start", "Duration", "Retrans",
         "SRTT", "Community ID");
    for (size_t i = 0; i < t->n; i++) {
        const struct ns_topflow_row *row = &t->heap[i];
        const struct ns_flow *f = &row->f;
        int a = f->a_is_1 ? 1 : 0;
        char ah[64], bh[64], ends[160], start[40], dur[40], cid[32];
        struct ns_val v = { .v.addr = f->key.addr[a] };
        enum ns_field_id af = f->key.af == 4 ? NS_FIELD_IP_SRC : NS_FIELD_IPV6_SRC;
        ns_field_format(af, &v, ah, sizeof ah);
        v.v.addr = f->key.addr[1 - a];
        ns_field_format(af, &v, bh, sizeof bh);
        /* IPv6 as [address]:port (RFC 5952 section 6): "2001:db8::1:1" alone could be an
         * address or an address and a port */
        const char *lb = f->key.af == 6 ? "[" : "", *rb = f->key.af == 6 ? "]" : "";
        snprintf(ends, sizeof ends, "%s%s%s:%u <-> %s%s%s:%u", lb, ah, rb, f->key.port[a], lb, bh, rb,
                 f->key.port[1 - a]);
        struct ns_val tv = { .v.i = f->first_ns - first_ts_ns };
        ns_field_format(NS_FIELD_FRAME_TIME_REL, &tv, start, sizeof start);
        tv.v.i = f->last_ns - f->first_ns;
        ns_field_format(NS_FIELD_FRAME_TIME_REL, &tv, dur, sizeof dur);
        ns_track_community_id(f, cid);
        char retr[16] = "-", srtt[40] = "-", pn[8];
        if (row->tcp) {
            snprintf(retr, sizeof retr, "%u", row->retrans);
            if (row->rtt_samples > 0) {
                tv.v.i = row->srtt_ns;
                ns_field_format(NS_FIELD_FRAME_TIME_REL, &tv, srtt, sizeof srtt);
            }
        }
        const char *proto = f->key.proto == 6 ? "tcp" : f->key.proto == 17 ? "udp" :
                            f->key.proto == 1 ? "icmp" : f->key.proto == 58 ? "icmpv6" : NULL;
        if (proto == NULL) {
            snprintf(pn, sizeof pn, "%u", f->key.proto);
            proto = pn;
        }
        emit(write, arg, "%8llu %-6s %-47s %8llu %12llu %8llu %12llu %16s %12s %7s %12s %s\n",
             (unsigned long long)f->id, proto, ends, (unsigned long long)f->frames[0],
             (unsigned long long)f->bytes[0], (unsigned long long)f->frames[1],
             (unsigned long long)f->bytes[1], start, dur, retr, srtt, cid);
    }
    write(rule, sizeof rule - 1, arg);
}

void ns_topflows_free(struct ns_topflows *t)
{
    free(t->heap);
    memset(t, 0, sizeof *t);
}
