#define _POSIX_C_SOURCE 200809L
#include "topflows.h"

#include <stdlib.h>
#include <string.h>

#include "../core/fields.h"
#include "../core/track.h"

/* "PREFIX" or "PREFIX,N": 1 when spec names this statistic (n set, or *bad when N is not
 * 1..NS_TOPFLOWS_MAX), 0 when it does not. */
static bool spec_n(const char *spec, const char *prefix, unsigned long *n, bool *bad)
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
    if (!spec_n(spec, "netscope,flows", &n, bad))
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
        t->heap[i] = row;
        while (i > 0 && less(&t->heap[i], &t->heap[(i - 1) / 2])) {
            struct ns_topflow_row tmp = t->heap[i];
            t->heap[i] = t->heap[(i - 1) / 2];
            t->heap[(i - 1) / 2] = tmp;
            i = (i - 1) / 2;
        }
    } else if (less(&t->heap[0], &row)) {
        t->heap[0] = row;
        sift_down(t->heap, t->n, 0);
    }
}

static int by_bytes_desc(const void *x, const void *y)
{
    const struct ns_topflow_row *a = x, *b = y;
    return less(a, b) ? 1 : less(b, a) ? -1 : 0;
}

void ns_topflows_print(struct ns_topflows *t, FILE *out, int64_t first_ts_ns)
{
    if (!t->want && !t->oom)
        return;
    qsort(t->heap, t->n, sizeof *t->heap, by_bytes_desc);
    fputs("================================================================================\n", out);
    fprintf(out, "netscope flows: the %zu largest by bytes\n", t->max);
    fprintf(out, "%8s %-6s %-47s %8s %12s %8s %12s %16s %12s %7s %12s %s\n", "Flow", "Proto", "A <-> B",
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
        fprintf(out, "%8llu %-6s %-47s %8llu %12llu %8llu %12llu %16s %12s %7s %12s %s\n",
                (unsigned long long)f->id, proto, ends, (unsigned long long)f->frames[0],
                (unsigned long long)f->bytes[0], (unsigned long long)f->frames[1],
                (unsigned long long)f->bytes[1], start, dur, retr, srtt, cid);
    }
    fputs("================================================================================\n", out);
}

void ns_topflows_free(struct ns_topflows *t)
{
    free(t->heap);
    memset(t, 0, sizeof *t);
}

bool ns_tophosts_want(struct ns_tophosts *t, const char *spec, bool *bad)
{
    unsigned long n;
    if (!spec_n(spec, "netscope,top", &n, bad))
        return false;
    if (!*bad) {
        t->want = true;
        t->n = (uint32_t)n;
    }
    return true;
}

int ns_tophosts_init(struct ns_tophosts *t, struct ns_err *err)
{
    if (!t->want)
        return 0;
    return ns_topn_init(&t->sketch, NS_TOPHOSTS_K(t->n), err) == NS_STATUS_OK ? 0 : -1;
}

/* Both ends of the frame's innermost unquoted IP header count the frame's length. */
void ns_tophosts_frame(struct ns_tophosts *t, const struct ns_frame *f)
{
    if (!t->want || f->pkt == NULL)
        return;
    const struct ns_layer *net = NULL;
    for (unsigned i = 0; i < f->pkt->nlayers; i++) {
        const struct ns_layer *l = &f->pkt->layer[i];
        if ((l->proto == NS_PROTO_IPV4 || l->proto == NS_PROTO_IPV6) && !(l->flags & NS_LAYER_QUOTED) &&
            l->hdr_len != 0)
            net = l;
    }
    if (net == NULL)
        return;
    bool v4 = net->proto == NS_PROTO_IPV4;
    ns_topn_add(&t->sketch, v4 ? 4 : 6, v4 ? net->u.ipv4.src : net->u.ipv6.src, f->rec->wirelen);
    ns_topn_add(&t->sketch, v4 ? 4 : 6, v4 ? net->u.ipv4.dst : net->u.ipv6.dst, f->rec->wirelen);
}

void ns_tophosts_print(struct ns_tophosts *t, FILE *out)
{
    if (!t->want)
        return;
    uint32_t n = ns_topn_finish(&t->sketch);
    if (n > t->n)
        n = t->n;
    fputs("================================================================================\n", out);
    fprintf(out, "netscope top talkers: the %u hosts with most bytes (SpaceSaving, %u counters;\n"
            "true bytes lie in [Bytes - Error, Bytes]; Error <= %llu = total / counters)\n",
            t->n, t->sketch.k, (unsigned long long)(t->sketch.total_bytes / t->sketch.k));
    fprintf(out, "%-40s %14s %14s %10s %10s\n", "Host", "Bytes", "Error", "Packets", "Error");
    for (uint32_t i = 0; i < n; i++) {
        const struct ns_topn_item *it = &t->sketch.item[i];
        char h[64];
        struct ns_val v = { .v.addr = it->addr };
        ns_field_format(it->af == 4 ? NS_FIELD_IP_SRC : NS_FIELD_IPV6_SRC, &v, h, sizeof h);
        fprintf(out, "%-40s %14llu %14llu %10llu %10llu\n", h, (unsigned long long)it->bytes,
                (unsigned long long)it->bytes_err, (unsigned long long)it->pkts,
                (unsigned long long)it->pkts_err);
    }
    fputs("================================================================================\n", out);
}

void ns_tophosts_free(struct ns_tophosts *t)
{
    if (t->want)
        ns_topn_fini(&t->sketch);
    memset(t, 0, sizeof *t);
}
