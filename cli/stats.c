/* cli/stats.c: -z netscope,stats: every counter of the run, so that no eviction, timeout,
 * drop or cap that changed an answer goes unseen. */
#include "stats.h"

#include <string.h>

static void row(FILE *out, const char *name, uint64_t v)
{
    fprintf(out, "  %-38s %llu\n", name, (unsigned long long)v);
}

bool ns_stats_want(bool *want, const char *spec)
{
    if (strcmp(spec, "netscope,stats") != 0)
        return false;
    *want = true;
    return true;
}

void ns_stats_print(const struct ns_engine *e, const struct ns_live_stats *live, FILE *out)
{
    const struct ns_engine_stats *s = &e->stats;
    fputs("================================================================================\n", out);
    fputs("netscope statistics\n", out);
    for (unsigned i = 0; live != NULL && i < live->n; i++) {
        const struct ns_live_if_stats *c = &live->ifs[i];
        fprintf(out, "Capture: interface %u, %s\n", i, c->name);
        row(out, "packets captured", c->captured);
        if (!c->have_pcap)
            continue;                   /* pcap_stats() failed: no counter is better than 0 */
        row(out, "packets received (ps_recv)", c->recv);
        row(out, "dropped by the kernel (ps_drop)", c->drop);
        row(out, "dropped by the interface (ps_ifdrop)", c->ifdrop);
    }
    fputs("Frames\n", out);
    row(out, "records", s->frames);
    row(out, "packets", s->packets);
    row(out, "bytes (frame lengths)", s->bytes);
    row(out, "malformed frames", s->malformed_frames);
    for (unsigned i = 1; i < NS_MALFORMED_COUNT; i++)
        if (s->malformed[i] != 0) {
            char name[64];
            snprintf(name, sizeof name, "  malformed: %s", ns_malformed_name((enum ns_malformed)i));
            row(out, name, s->malformed[i]);
        }
    const struct ns_flow_stats *fl = &e->track.flows.stats;
    fputs("Flows (TCP/UDP and other IP protocols)\n", out);
    row(out, "created", fl->created);
    row(out, "peak active", fl->peak);
    row(out, "evicted (table full)", fl->evicted);
    row(out, "ended by idle timeout", fl->timed_out);
    row(out, "ended by active timeout", fl->active_ended);
    row(out, "table doublings", fl->grown);
    const struct ns_flow_stats *pr = &e->track.pairs.stats;
    fputs("IP address pairs\n", out);
    row(out, "created", pr->created);
    row(out, "evicted (table full)", pr->evicted);
    row(out, "ended by idle timeout", pr->timed_out);
    const struct ns_reasm_stats *r = &e->reasm.stats;
    fputs("IP reassembly\n", out);
    row(out, "fragments", r->fragments);
    row(out, "datagrams completed", r->completed);
    row(out, "overlapping fragments", r->overlaps);
    row(out, "dropped: timeout", r->dropped_timeout);
    row(out, "dropped: too many datagrams", r->dropped_full);
    row(out, "dropped: byte cap", r->dropped_bytes);
    row(out, "dropped: too big", r->dropped_too_big);
    if (e->tcp_analysis) {
        fputs("TCP analysis\n", out);
        row(out, "segments analysed", e->tcpa.stats.segments);
        row(out, "unacked records, peak", e->tcpa.stats.pool_peak);
        row(out, "segments not remembered (pool cap)", e->tcpa.stats.pool_full);
    }
    if (e->detect) {
        const struct ns_anomaly_stats *a = &e->anomaly.stats;
        fputs("Anomaly detection\n", out);
        row(out, "alerts: syn_flood", a->alerts[NS_ALERT_SYN_FLOOD]);
        row(out, "alerts: port_scan_vertical", a->alerts[NS_ALERT_PORT_SCAN_VERTICAL]);
        row(out, "alerts: port_scan_horizontal", a->alerts[NS_ALERT_PORT_SCAN_HORIZONTAL]);
        row(out, "suppressed by cooldown", a->suppressed);
        row(out, "packets too late for a window", a->late);
        row(out, "evicted: flood targets", a->evicted_targets);
        row(out, "evicted: half-open SYNs", a->evicted_half_open);
        row(out, "evicted: (scanner, host) pairs", a->evicted_vertical);
        row(out, "evicted: (scanner, port) pairs", a->evicted_horizontal);
        row(out, "SYN sources not tracked (slots full)", a->untracked_sources);
    }
    fputs("Flow names\n", out);
    row(out, "DNS names / SNI not kept", e->names.dropped);
    fputs("================================================================================\n", out);
}
