#define _POSIX_C_SOURCE 200809L
#include "topflows.h"

#include <stdlib.h>
#include <string.h>

#include "../core/fields.h"
#include "../core/track.h"

static void write_file(const char *line, size_t len, void *arg)
{
    fwrite(line, 1, len, (FILE *)arg);
}

void ns_topflows_print(struct ns_topflows *t, FILE *out, int64_t first_ts_ns)
{
    ns_topflows_write(t, first_ts_ns, write_file, out);
}

bool ns_tophosts_want(struct ns_tophosts *t, const char *spec, bool *bad)
{
    unsigned long n;
    if (!ns_stat_spec_n(spec, "netscope,top", &n, bad))
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
const struct ns_layer *ns_tophosts_net(const struct ns_pkt *pkt)
{
    const struct ns_layer *net = NULL;
    for (unsigned i = 0; i < pkt->nlayers; i++) {
        const struct ns_layer *l = &pkt->layer[i];
        if ((l->proto == NS_PROTO_IPV4 || l->proto == NS_PROTO_IPV6) && !(l->flags & NS_LAYER_QUOTED) &&
            l->hdr_len != 0)
            net = l;
    }
    return net;
}

void ns_tophosts_frame(struct ns_tophosts *t, const struct ns_frame *f)
{
    if (!t->want || f->pkt == NULL)
        return;
    const struct ns_layer *net = ns_tophosts_net(f->pkt);
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
