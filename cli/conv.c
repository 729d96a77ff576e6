#define _POSIX_C_SOURCE 200809L
#include "conv.h"

#include <stdlib.h>
#include <string.h>

#include "../core/fields.h"

static const char *const titles[NS_CONV_KINDS] = {
    "TCP Conversations", "UDP Conversations", "IPv4 Conversations", "IPv6 Conversations",
};

bool ns_conv_want(struct ns_conv *c, const char *spec)
{
    static const char *const names[NS_CONV_KINDS] = { "conv,tcp", "conv,udp", "conv,ip", "conv,ipv6" };
    for (int k = 0; k < NS_CONV_KINDS; k++) {
        if (strcmp(spec, names[k]) == 0) {
            if (!c->want[k]) {
                c->want[k] = true;
                c->order[c->nwant++] = (uint8_t)k;
            }
            return true;
        }
    }
    return false;
}

void ns_conv_on_end(const struct ns_flow *f, enum ns_flow_end why, void *arg)
{
    (void)why;
    struct ns_conv *c = arg;
    int k;
    if (f->frames[0] + f->frames[1] == 0)
        return;     /* only seen quoted in ICMP errors: tshark's tables have no row for it */
    if (f->key.proto == 6) k = NS_CONV_TCP;
    else if (f->key.proto == 17) k = NS_CONV_UDP;
    else if (f->key.proto == 0) k = f->key.af == 4 ? NS_CONV_IPV4 : NS_CONV_IPV6;
    else return;
    if (!c->want[k])
        return;
    if (c->nrow[k] == c->cap[k]) {
        size_t ncap = c->cap[k] ? 2 * c->cap[k] : 256;
        struct ns_conv_row *r = realloc(c->row[k], ncap * sizeof *r);
        if (r == NULL) {
            c->oom = true;
            return;
        }
        c->row[k] = r;
        c->cap[k] = ncap;
    }
    struct ns_conv_row *r = &c->row[k][c->nrow[k]++];
    r->key = f->key;
    r->a_is_1 = f->a_is_1;
    r->stream = f->stream;
    r->first_ns = f->first_ns;
    r->last_ns = f->last_ns;
    memcpy(r->frames, f->frames, sizeof r->frames);
    memcpy(r->bytes, f->bytes, sizeof r->bytes);
    r->order = f->id;
}

/* tshark lists the busiest conversations first (total frames, descending). */
static int by_frames(const void *x, const void *y)
{
    const struct ns_conv_row *a = x, *b = y;
    uint64_t fa = a->frames[0] + a->frames[1], fb = b->frames[0] + b->frames[1];
    if (fa != fb)
        return fa > fb ? -1 : 1;
    return a->order < b->order ? -1 : a->order > b->order;
}

static void endpoint(const struct ns_conv_row *r, int side, bool ports, char *buf, size_t cap)
{
    struct ns_val v = { .v.addr = r->key.addr[side] };
    char a[64];
    ns_field_format(r->key.af == 4 ? NS_FIELD_IP_SRC : NS_FIELD_IPV6_SRC, &v, a, sizeof a);
    if (ports)
        snprintf(buf, cap, "%s:%u", a, r->key.port[side]);
    else
        snprintf(buf, cap, "%s", a);
}

static void fmt_secs(int64_t ns, int decimals, char *buf, size_t cap)
{
    /* rounded to the given decimals from the exact nanoseconds */
    int64_t unit = 1;
    for (int i = decimals; i < 9; i++)
        unit *= 10;
    bool neg = ns < 0;
    uint64_t mag = neg ? (uint64_t)(-(ns + 1)) + 1 : (uint64_t)ns;
    mag = (mag + (uint64_t)unit / 2) / (uint64_t)unit;
    uint64_t div = 1;
    for (int i = 0; i < decimals; i++)
        div *= 10;
    snprintf(buf, cap, "%s%llu.%0*llu", neg ? "-" : "", (unsigned long long)(mag / div), decimals,
             (unsigned long long)(mag % div));
}

static void print_table(struct ns_conv *c, int k, FILE *out, int64_t first_ts_ns)
{
    bool ports = k == NS_CONV_TCP || k == NS_CONV_UDP;
    const char *pad = ports ? "                                                           "
                            : "                                               ";
    fputs("================================================================================\n", out);
    fprintf(out, "%s\nFilter:<No Filter>\n", titles[k]);
    fprintf(out, "%s|       <-      | |       ->      | |     Total     |    Relative    |   Duration   |\n", pad);
    fprintf(out, "%s| Frames  Bytes | | Frames  Bytes | | Frames  Bytes |      Start     |              |\n", pad);
    if (c->nrow[k] > 1)
        qsort(c->row[k], c->nrow[k], sizeof c->row[k][0], by_frames);
    for (size_t i = 0; i < c->nrow[k]; i++) {
        const struct ns_conv_row *r = &c->row[k][i];
        char a[80], b[80], start[64], dur[64];
        endpoint(r, r->a_is_1 ? 1 : 0, ports, a, sizeof a);
        endpoint(r, r->a_is_1 ? 0 : 1, ports, b, sizeof b);
        fmt_secs(r->first_ns - first_ts_ns, 9, start, sizeof start);
        fmt_secs(r->last_ns - r->first_ns, 4, dur, sizeof dur);
        /* columns: B→A ("<-"), A→B ("->"), total, as tshark orders them */
        fprintf(out, "%-*s <-> %-*s %6llu %-12llu %6llu %-12llu %6llu %-12llu %14s %14s\n",
                ports ? 26 : 20, a, ports ? 26 : 20, b,
                (unsigned long long)r->frames[1], (unsigned long long)r->bytes[1],
                (unsigned long long)r->frames[0], (unsigned long long)r->bytes[0],
                (unsigned long long)(r->frames[0] + r->frames[1]),
                (unsigned long long)(r->bytes[0] + r->bytes[1]), start, dur);
    }
    fputs("================================================================================\n", out);
}

void ns_conv_print(struct ns_conv *c, FILE *out, int64_t first_ts_ns)
{
    for (unsigned i = 0; i < c->nwant; i++)
        print_table(c, c->order[i], out, first_ts_ns);
}

void ns_conv_free(struct ns_conv *c)
{
    for (int k = 0; k < NS_CONV_KINDS; k++)
        free(c->row[k]);
    memset(c, 0, sizeof *c);
}
