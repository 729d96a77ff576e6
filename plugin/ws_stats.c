/* plugin/ws_stats.c: tshark's -z netscope,flows[,N] and -z netscope,alerts.
 * The alerts table is core/alertlog.c, fed with the alerts each frame raised on the first
 * pass, as the CLI's -z netscope,alerts is.
 * The flows table is core/topflows.c, the code behind the CLI's -z netscope,flows[,N], fed
 * with the same flows: those the engine ended (idle, evicted, port reuse) as they end, and at
 * drawing time those still live (tshark draws before it closes the file). The bytes printed
 * are the CLI's.
 * Each -z argument gets a tap listener on the "netscope" tap; nothing is queued to that tap:
 * the listener only asks tshark to dissect every frame and to call draw at the end. */
#include "ws_plugin.h"

#include <stdio.h>
#include <stdlib.h>

#include <epan/stat_tap_ui.h>
#include <epan/tap.h>
#include <wsutil/report_message.h>

#include "../core/alertlog.h"
#include "../core/topflows.h"

int64_t ns_ws_first_ts_ns;

static GSList *flow_tables;     /* struct ns_topflows *, one per -z netscope,flows */
static struct ns_alertlog alert_log;   /* the current file's alerts, for -z netscope,alerts */

void ns_ws_stats_frame(const struct ns_frame *f)
{
    for (unsigned k = 0; k < f->nalerts; k++)
        ns_alertlog_add(&alert_log, &f->alerts[k], f->rec->number);
}

static void write_stdout(const char *line, size_t len, void *arg)
{
    (void)arg;
    fwrite(line, 1, len, stdout);
}

void ns_ws_stats_flow_end(const struct ns_flow *f, const struct ns_tcpa_conn *tcp)
{
    for (GSList *l = flow_tables; l != NULL; l = l->next)
        ns_topflows_on_end(f, tcp, l->data);
}

void ns_ws_stats_reset(void)
{
    ns_alertlog_free(&alert_log);
    for (GSList *l = flow_tables; l != NULL; l = l->next) {
        struct ns_topflows *t = l->data;
        size_t max = t->max;
        ns_topflows_free(t);
        t->want = true;
        t->max = max;
    }
}

static void offer_live(const struct ns_flow *f, const struct ns_tcpa_conn *tcp, void *arg)
{
    ns_topflows_on_end(f, tcp, arg);
}

static void flows_draw(void *tapdata)
{
    const struct ns_topflows *t = tapdata;
    struct ns_topflows all = { .want = t->want, .max = t->max, .oom = t->oom };
    ns_topflows_merge(&all, t);
    int64_t first = ns_ws_first_ts_ns;
    if (ns_ws_engine != NULL) {
        ns_engine_each_flow(ns_ws_engine, offer_live, &all);
        first = ns_ws_engine->first_ts_ns;
    }
    ns_topflows_write(&all, first, write_stdout, NULL);
    if (all.oom)
        printf("netscope: out of memory for the flows table\n");
    ns_topflows_free(&all);
}

static tap_packet_status no_packet(void *tapdata, packet_info *pinfo, epan_dissect_t *edt,
                                   const void *data, tap_flags_t flags)
{
    (void)tapdata, (void)pinfo, (void)edt, (void)data, (void)flags;
    return TAP_PACKET_DONT_REDRAW;
}

static void flows_init(const char *opt, void *userdata)
{
    (void)userdata;
    struct ns_topflows *t = g_new0(struct ns_topflows, 1);
    bool bad = false;
    if (!ns_topflows_want(t, opt, &bad) || bad) {
        /* a bad -z argument ends tshark, as its own statistics do */
        report_failure("-z %s: expected netscope,flows or netscope,flows,N with N in 1..%d", opt,
                       NS_TOPFLOWS_MAX);
        exit(1);
    }
    GString *err = register_tap_listener("netscope", t, NULL, TL_REQUIRES_NOTHING, NULL, no_packet,
                                         flows_draw, NULL);
    if (err != NULL) {
        report_failure("-z %s: %s", opt, err->str);
        g_string_free(err, TRUE);
        g_free(t);
        return;
    }
    flow_tables = g_slist_append(flow_tables, t);
}

/* The same table as the CLI's -z netscope,alerts (core/alertlog.c). */
static void alerts_draw(void *tapdata)
{
    (void)tapdata;
    int64_t first = ns_ws_engine != NULL ? ns_ws_engine->first_ts_ns : ns_ws_first_ts_ns;
    ns_alertlog_write(&alert_log, first, write_stdout, NULL);
}

static void alerts_init(const char *opt, void *userdata)
{
    (void)userdata;
    static int listener;
    GString *err = register_tap_listener("netscope", &listener, NULL, TL_REQUIRES_NOTHING, NULL,
                                         no_packet, alerts_draw, NULL);
    if (err != NULL) {
        report_failure("-z %s: %s", opt, err->str);
        g_string_free(err, TRUE);
    }
}

void ns_ws_stats_register(void)
{
    static stat_tap_ui flows_ui = { REGISTER_STAT_GROUP_GENERIC, "netscope flows", "netscope,flows",
                                    flows_init, 0, NULL };
    static stat_tap_ui alerts_ui = { REGISTER_STAT_GROUP_GENERIC, "netscope alerts", "netscope,alerts",
                                     alerts_init, 0, NULL };
    register_tap("netscope");
    register_stat_tap_ui(&flows_ui, NULL);
    register_stat_tap_ui(&alerts_ui, NULL);
}
