/* plugin/ws_stats.c: tshark's -z netscope,flows[,N] and -z netscope,alerts.
 * The alerts table is core/alertlog.c, fed with the alerts each frame raised on the first
 * pass, as the CLI's -z netscope,alerts is.
 * The flows table is core/topflows.c, the code behind the CLI's -z netscope,flows[,N], fed
 * with the same flows: those the engine ended (idle, evicted, port reuse) as they end, and at
 * drawing time those still live (tshark draws before it closes the file). The bytes printed
 * are the CLI's.
 * Each -z argument gets a tap listener on the "netscope" tap; nothing is queued to that tap
 * for them: the listener only asks tshark to dissect every frame and to call draw at the end.
 * The GUI: both tables are also stat_tap_table_ui's (Statistics > netscope Flows, netscope Alerts),
 * with the CLI's columns; their rows are the CLI's text lines split into cells, so the
 * dialog shows the same values as tshark and netscope print. The dialog listens on the
 * "netscope" tap, to which every frame is queued while it has a listener; its packet
 * function redraws the table whenever the engine has analysed more frames since the last
 * draw (during a retap, the analysis of the whole file is already done: once). tshark keeps
 * its own -z printers: they are registered first, and a -z name is taken by the first. */
#include "ws_plugin.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <epan/stat_tap_ui.h>
#include <epan/tap.h>
#include <wsutil/report_message.h>

#include "../core/alertlog.h"
#include "../core/topflows.h"

int64_t ns_ws_first_ts_ns;

static GSList *flow_tables;     /* struct ns_topflows *, one per -z netscope,flows */
/* The ended flows of the current file for the GUI's table (the N largest only: a heap). */
static struct ns_topflows gui_flows = { .want = true, .max = NS_TOPFLOWS_DEFAULT };
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
    ns_topflows_on_end(f, tcp, &gui_flows);
}

void ns_ws_stats_reset(void)
{
    ns_alertlog_free(&alert_log);
    ns_topflows_free(&gui_flows);
    gui_flows.want = true;
    gui_flows.max = NS_TOPFLOWS_DEFAULT;
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

/* ---- The GUI's tables ---------------------------------------------------------------- */

int ns_ws_tap = -1;

struct table_fill {
    stat_tap_table *table;
    unsigned ncols;
    unsigned row;
};

/* One line of the CLI's table: a data line (its first token a number) becomes a row. The
 * only cell with spaces is the flows' "A <-> B". */
static void fill_line(const char *line, size_t len, void *arg)
{
    struct table_fill *tf = arg;
    char *text = g_strndup(line, len);
    g_strchomp(text);
    gchar **tok = g_strsplit_set(g_strchug(text), " ", -1);
    GPtrArray *cells = g_ptr_array_new();
    for (gchar **t = tok; *t != NULL; t++)
        if (**t != '\0')
            g_ptr_array_add(cells, *t);
    char *ends = NULL;
    /* flows: "A <-> B" is three tokens, one cell */
    if (cells->len == tf->ncols + 2 && strcmp(cells->pdata[3], "<->") == 0) {
        ends = g_strdup_printf("%s <-> %s", (char *)cells->pdata[2], (char *)cells->pdata[4]);
        cells->pdata[2] = ends;
        g_ptr_array_remove_range(cells, 3, 2);
    }
    if (cells->len == tf->ncols && g_ascii_isdigit(((char *)cells->pdata[0])[0])) {
        stat_tap_table_item_type *items = g_new0(stat_tap_table_item_type, tf->ncols);
        for (unsigned c = 0; c < tf->ncols; c++) {
            items[c].type = TABLE_ITEM_STRING;
            items[c].value.string_value = g_strdup(cells->pdata[c]);
        }
        stat_tap_init_table_row(tf->table, tf->row++, tf->ncols, items);
        g_free(items);
    }
    g_free(ends);
    g_ptr_array_free(cells, TRUE);
    g_strfreev(tok);
    g_free(text);
}

static void table_clear(stat_tap_table *table)
{
    for (guint r = 0; r < table->num_elements; r++) {
        for (guint c = 0; c < table->num_fields; c++)
            g_free((char *)table->elements[r][c].value.string_value);
        g_free(table->elements[r]);
    }
    g_free(table->elements);
    table->elements = NULL;
    table->num_elements = 0;
}

static void table_free_item(stat_tap_table *table, guint row, guint column, stat_tap_table_item_type *field)
{
    (void)table, (void)row, (void)column;
    g_free((char *)field->value.string_value);
    field->value.string_value = NULL;
}

static stat_tap_table_item flows_cols[] = {
    { TABLE_ITEM_STRING, TAP_ALIGN_RIGHT, "Flow", "%s" },
    { TABLE_ITEM_STRING, TAP_ALIGN_LEFT, "Proto", "%s" },
    { TABLE_ITEM_STRING, TAP_ALIGN_LEFT, "A <-> B", "%s" },
    { TABLE_ITEM_STRING, TAP_ALIGN_RIGHT, "A->B fr", "%s" },
    { TABLE_ITEM_STRING, TAP_ALIGN_RIGHT, "A->B bytes", "%s" },
    { TABLE_ITEM_STRING, TAP_ALIGN_RIGHT, "B->A fr", "%s" },
    { TABLE_ITEM_STRING, TAP_ALIGN_RIGHT, "B->A bytes", "%s" },
    { TABLE_ITEM_STRING, TAP_ALIGN_RIGHT, "Rel start", "%s" },
    { TABLE_ITEM_STRING, TAP_ALIGN_RIGHT, "Duration", "%s" },
    { TABLE_ITEM_STRING, TAP_ALIGN_RIGHT, "Retrans", "%s" },
    { TABLE_ITEM_STRING, TAP_ALIGN_RIGHT, "SRTT", "%s" },
    { TABLE_ITEM_STRING, TAP_ALIGN_LEFT, "Community ID", "%s" },
};

static stat_tap_table_item alerts_cols[] = {
    { TABLE_ITEM_STRING, TAP_ALIGN_RIGHT, "Frame", "%s" },
    { TABLE_ITEM_STRING, TAP_ALIGN_RIGHT, "Rel time", "%s" },
    { TABLE_ITEM_STRING, TAP_ALIGN_LEFT, "Kind", "%s" },
    { TABLE_ITEM_STRING, TAP_ALIGN_LEFT, "Source", "%s" },
    { TABLE_ITEM_STRING, TAP_ALIGN_LEFT, "Target", "%s" },
    { TABLE_ITEM_STRING, TAP_ALIGN_RIGHT, "Port", "%s" },
    { TABLE_ITEM_STRING, TAP_ALIGN_RIGHT, "Count", "%s" },
    { TABLE_ITEM_STRING, TAP_ALIGN_RIGHT, "Distinct", "%s" },
    { TABLE_ITEM_STRING, TAP_ALIGN_RIGHT, "Threshold", "%s" },
    { TABLE_ITEM_STRING, TAP_ALIGN_RIGHT, "RST", "%s" },
    { TABLE_ITEM_STRING, TAP_ALIGN_RIGHT, "ICMP", "%s" },
};

static guint64 drawn_at = G_MAXUINT64;   /* engine frames at the last GUI draw */

static void gui_table_init(stat_tap_table_ui *ui, const char *name)
{
    stat_tap_table *table = stat_tap_find_table(ui, name);
    if (table != NULL) {
        table_clear(table);
        return;
    }
    table = stat_tap_init_table(name, (int)ui->nfields, 0, NULL);
    stat_tap_add_table(ui, table);
}

static void flows_gui_init(stat_tap_table_ui *ui)
{
    drawn_at = G_MAXUINT64;
    gui_table_init(ui, "netscope flows");
}

static void alerts_gui_init(stat_tap_table_ui *ui)
{
    drawn_at = G_MAXUINT64;
    gui_table_init(ui, "netscope alerts");
}

static void gui_reset(stat_tap_table *table)
{
    drawn_at = G_MAXUINT64;
    table_clear(table);
}

/* The CLI's text of the table, through fill_line into the dialog's table. */
static tap_packet_status gui_packet(void *tapdata, packet_info *pinfo, epan_dissect_t *edt, const void *data,
                                    tap_flags_t flags, gboolean flows)
{
    (void)pinfo, (void)edt, (void)data, (void)flags;
    stat_data_t *sd = tapdata;
    guint64 now = ns_ws_engine != NULL ? ns_ws_engine->stats.frames : 0;
    if (now == drawn_at || sd->stat_tap_data->tables == NULL || sd->stat_tap_data->tables->len == 0)
        return TAP_PACKET_DONT_REDRAW;
    drawn_at = now;
    stat_tap_table *table = g_array_index(sd->stat_tap_data->tables, stat_tap_table *, 0);
    table_clear(table);
    struct table_fill tf = { table, table->num_fields, 0 };
    if (flows) {
        struct ns_topflows all = { .want = true, .max = NS_TOPFLOWS_DEFAULT };
        ns_topflows_merge(&all, &gui_flows);
        int64_t first = ns_ws_first_ts_ns;
        if (ns_ws_engine != NULL) {
            ns_engine_each_flow(ns_ws_engine, offer_live, &all);
            first = ns_ws_engine->first_ts_ns;
        }
        ns_topflows_write(&all, first, fill_line, &tf);
        ns_topflows_free(&all);
    } else {
        int64_t first = ns_ws_engine != NULL ? ns_ws_engine->first_ts_ns : ns_ws_first_ts_ns;
        ns_alertlog_write(&alert_log, first, fill_line, &tf);
    }
    return TAP_PACKET_REDRAW;
}

static tap_packet_status flows_gui_packet(void *tapdata, packet_info *pinfo, epan_dissect_t *edt,
                                          const void *data, tap_flags_t flags)
{
    return gui_packet(tapdata, pinfo, edt, data, flags, TRUE);
}

static tap_packet_status alerts_gui_packet(void *tapdata, packet_info *pinfo, epan_dissect_t *edt,
                                           const void *data, tap_flags_t flags)
{
    return gui_packet(tapdata, pinfo, edt, data, flags, FALSE);
}

void ns_ws_stats_register(void)
{
    static stat_tap_ui flows_ui = { REGISTER_STAT_GROUP_GENERIC, "netscope flows", "netscope,flows",
                                    flows_init, 0, NULL };
    static stat_tap_ui alerts_ui = { REGISTER_STAT_GROUP_GENERIC, "netscope alerts", "netscope,alerts",
                                     alerts_init, 0, NULL };
    ns_ws_tap = register_tap("netscope");
    register_stat_tap_ui(&flows_ui, NULL);
    register_stat_tap_ui(&alerts_ui, NULL);

    static stat_tap_table_ui flows_table = {
        REGISTER_PACKET_STAT_GROUP_UNSORTED, "netscope Flows", "netscope", "netscope,flows", flows_gui_init,
        flows_gui_packet, gui_reset, table_free_item, NULL, G_N_ELEMENTS(flows_cols), flows_cols, 0, NULL, NULL, 0
    };
    static stat_tap_table_ui alerts_table = {
        REGISTER_PACKET_STAT_GROUP_UNSORTED, "netscope Alerts", "netscope", "netscope,alerts", alerts_gui_init,
        alerts_gui_packet, gui_reset, table_free_item, NULL, G_N_ELEMENTS(alerts_cols), alerts_cols, 0, NULL, NULL, 0
    };
    register_stat_tap_table_ui(&flows_table);
    register_stat_tap_table_ui(&alerts_table);
}
