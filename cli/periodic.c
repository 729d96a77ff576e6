#define _POSIX_C_SOURCE 200809L
#include "periodic.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

int ns_periodic_open(struct ns_periodic *p, double interval_s, const char *path, struct ns_err *err)
{
    memset(p, 0, sizeof *p);
    p->iv_ns = (int64_t)(interval_s * 1e9);
    if (path == NULL) {
        p->out = stderr;
    } else if (strcmp(path, "-") == 0) {
        p->out = stdout;
    } else {
        snprintf(p->path, sizeof p->path, "%s", path);
        p->out = fopen(path, "w");
        if (p->out == NULL) {
            ns_err_set(err, NS_STATUS_FORMAT, "%s: %s", path, strerror(errno));
            return -1;
        }
        p->own = true;
    }
    return 0;
}

void ns_periodic_start(struct ns_periodic *p, int64_t t_ns)
{
    p->started = true;
    p->origin_ns = p->from_ns = t_ns;
    p->next_ns = t_ns + p->iv_ns;
}

void ns_periodic_frame(struct ns_periodic *p, const struct ns_frame *f)
{
    const struct ns_track_out *t = f->track;
    if (t == NULL || t->flow_id == 0 || t->flow == NULL)
        return;
    uint64_t len = f->rec->wirelen;
    struct ns_periodic_slot *s = &p->slot[p->last_hit];
    if (s->flow_id != t->flow_id) {
        /* find the flow, else a free slot, else (SpaceSaving) the smallest one, whose bytes
         * the newcomer inherits: an over-estimate, never an under-estimate */
        unsigned k, min = 0;
        for (k = 0; k < NS_PERIODIC_SLOTS; k++) {
            if (p->slot[k].flow_id == t->flow_id || p->slot[k].flow_id == 0)
                break;
            if (p->slot[k].bytes < p->slot[min].bytes)
                min = k;
        }
        if (k == NS_PERIODIC_SLOTS)
            k = min;
        s = &p->slot[k];
        p->last_hit = k;
        if (s->flow_id != t->flow_id) {
            s->flow_id = t->flow_id;
            s->key = t->flow->key;
            s->a_is_1 = t->flow->a_is_1;
        }
    }
    s->bytes += len;
    s->packets++;
}

static void endpoint(char *out, size_t cap, const struct ns_flow_key *k, unsigned e)
{
    char a[INET6_ADDRSTRLEN] = "?";
    inet_ntop(k->af == 6 ? AF_INET6 : AF_INET, k->addr[e], a, sizeof a);
    if (k->proto == 6 || k->proto == 17 || k->proto == 132)
        snprintf(out, cap, k->af == 6 ? "[%s]:%u" : "%s:%u", a, k->port[e]);
    else
        snprintf(out, cap, "%s", a);
}

static const char *proto_name(uint8_t p)
{
    switch (p) {
    case 6: return "tcp";
    case 17: return "udp";
    case 1: return "icmp";
    case 58: return "icmpv6";
    case 132: return "sctp";
    default: return NULL;
    }
}

static void top_flows(struct ns_periodic *p)
{
    bool used[NS_PERIODIC_SLOTS] = {0};
    fputs(",\"top\":[", p->out);
    for (unsigned n = 0; n < NS_PERIODIC_TOP; n++) {
        int best = -1;
        for (unsigned k = 0; k < NS_PERIODIC_SLOTS; k++)
            if (p->slot[k].flow_id != 0 && !used[k] &&
                (best < 0 || p->slot[k].bytes > p->slot[best].bytes))
                best = (int)k;
        if (best < 0)
            break;
        used[best] = true;
        const struct ns_periodic_slot *s = &p->slot[best];
        char a[64], b[64];
        endpoint(a, sizeof a, &s->key, s->a_is_1 ? 1 : 0);
        endpoint(b, sizeof b, &s->key, s->a_is_1 ? 0 : 1);
        const char *pn = proto_name(s->key.proto);
        fprintf(p->out, "%s{\"flow_id\":%llu,\"proto\":", n ? "," : "", (unsigned long long)s->flow_id);
        if (pn != NULL)
            fprintf(p->out, "\"%s\"", pn);
        else
            fprintf(p->out, "%u", s->key.proto);
        fprintf(p->out, ",\"src\":\"%s\",\"dst\":\"%s\",\"bytes\":%llu,\"packets\":%llu}", a, b,
                (unsigned long long)s->bytes, (unsigned long long)s->packets);
    }
    fputs("]", p->out);
    memset(p->slot, 0, sizeof p->slot);
    p->last_hit = 0;
}

/* One record for [from_ns, to_ns). */
static void emit(struct ns_periodic *p, const struct ns_metrics_snap *s, int64_t to_ns, bool final)
{
    const struct ns_metrics_snap *l = &p->last;
    double secs = (double)(to_ns - p->from_ns) / 1e9;
    uint64_t pk = s->packets - l->packets, by = s->bytes - l->bytes;
    uint64_t al = ns_metrics_alerts(s), dr = ns_metrics_drops(s);
    fprintf(p->out, "{\"time\":%.6f,\"rel_start\":%.6f,\"interval\":%.6f,"
            "\"packets\":%llu,\"bytes\":%llu,\"pps\":%.1f,\"bps\":%.1f,"
            "\"flows_new\":%llu,\"flows_active\":%llu,\"flows_total\":%llu,"
            "\"evicted\":%llu,\"drops\":%llu,\"alerts\":%llu,"
            "\"packets_total\":%llu,\"bytes_total\":%llu,\"evicted_total\":%llu,"
            "\"drops_total\":%llu,\"alerts_total\":%llu",
            (double)to_ns / 1e9, (double)(p->from_ns - p->origin_ns) / 1e9, secs,
            (unsigned long long)pk, (unsigned long long)by,
            secs > 0 ? (double)pk / secs : 0.0, secs > 0 ? (double)by * 8 / secs : 0.0,
            (unsigned long long)(s->flows_created - l->flows_created),
            (unsigned long long)s->flows_active, (unsigned long long)s->flows_created,
            (unsigned long long)(s->flows_evicted - l->flows_evicted),
            (unsigned long long)(dr - ns_metrics_drops(l)), (unsigned long long)(al - ns_metrics_alerts(l)),
            (unsigned long long)s->packets, (unsigned long long)s->bytes,
            (unsigned long long)s->flows_evicted, (unsigned long long)dr, (unsigned long long)al);
    top_flows(p);
    fprintf(p->out, "%s}\n", final ? ",\"final\":true" : "");
    /* a reader following the file sees whole records as they come */
    if (fflush(p->out) != 0)
        p->failed = true;
    p->last = *s;
    p->from_ns = to_ns;
}

void ns_periodic_advance(struct ns_periodic *p, const struct ns_metrics_snap *s, int64_t now_ns)
{
    if (!p->started)
        return;
    while (now_ns >= p->next_ns) {
        int64_t end = p->next_ns;
        bool empty = s->frames == p->last.frames;
        if (empty && now_ns >= end + p->iv_ns)
            /* a quiet stretch: one record up to the last boundary before now */
            end = p->origin_ns + (now_ns - p->origin_ns) / p->iv_ns * p->iv_ns;
        emit(p, s, end, false);
        p->next_ns = end + p->iv_ns;
    }
}

int ns_periodic_close(struct ns_periodic *p, const struct ns_metrics_snap *s, int64_t end_ns,
                      struct ns_err *err)
{
    if (p->out == NULL)
        return 0;
    if (p->started) {
        ns_periodic_advance(p, s, end_ns);
        if (end_ns < p->from_ns)
            end_ns = p->from_ns;
        emit(p, s, end_ns, true);
    }
    bool bad = p->failed || ferror(p->out);
    int e = errno;
    if (p->own && fclose(p->out) != 0 && !bad) {
        bad = true;
        e = errno;
    }
    p->out = NULL;
    if (bad) {
        ns_err_set(err, NS_STATUS_FORMAT, "%s: write failed: %s",
                   p->own ? p->path : "statistics output", strerror(e));
        return -1;
    }
    return 0;
}
