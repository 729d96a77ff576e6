/* plugin/packet-netscope.c: the `netscope` post-dissector for Wireshark 4.0.
 * In:     every frame Wireshark dissects: its bytes from the link-layer header on, its
 *         encapsulation (mapped to LINKTYPE_ values), wire length, time and number.
 * Does:   on the first pass over a file (frames in order, !PINFO_FD_VISITED), feeds the frame
 *         to the netscope engine (core/engine.h, the same code as the CLI) and stores the
 *         values of every netscope.* field of the frame (ws_fields.c: a fixed record per
 *         frame number, freed with the file); on every pass, with or without a tree,
 *         shows the stored values. So the GUI's clicks, two-pass tshark, filters and columns
 *         all see the values of the first, in-order pass.
 * Owns:   one engine per file: created by the init routine (file opened, reloaded, or
 *         preferences changed), ended by the cleanup routine. It never moves after init.
 * Never:  analyses a packet itself. */
#include "ws_plugin.h"

#include <string.h>

#include <epan/prefs.h>
#include <epan/tap.h>
#include <wiretap/pcap-encap.h>
#include <wiretap/wtap.h>
#include <wsutil/wslog.h>
#include <ws_symbol_export.h>
#include <ws_version.h>

#include "../dissectors/dissect.h"

#ifndef PLUGIN_VERSION
#define PLUGIN_VERSION "0.0.0"
#endif

WS_DLL_PUBLIC_DEF const gchar plugin_version[] = PLUGIN_VERSION;
WS_DLL_PUBLIC_DEF const int plugin_want_major = WIRESHARK_VERSION_MAJOR;
WS_DLL_PUBLIC_DEF const int plugin_want_minor = WIRESHARK_VERSION_MINOR;
WS_DLL_PUBLIC void plugin_register(void);

int ns_ws_proto = -1;
struct ns_engine *ns_ws_engine;
static dissector_handle_t ns_ws_handle;

/* Preferences: netscope.<name>, the CLI's option names without the dashes.
 * X(name, default, title, description): one unsigned preference per line. */
#define NS_WS_UINT_PREFS(X) \
    X(idle_timeout, 0, "Idle timeout (seconds)", \
      "A flow idle this long ends, and the next packet with its key starts a new flow " \
      "(netscope --idle-timeout). 0: never, as Wireshark's conversations.") \
    X(active_timeout, 0, "Active timeout (seconds)", \
      "A flow that lasted this long ends at its next packet, which starts a new flow " \
      "(netscope --active-timeout). 0: never.") \
    X(max_flows, NS_ENGINE_DEFAULT_MAX_FLOWS, "Maximum flows", \
      "Flows tracked at once; at the cap the least recently seen flow ends.") \
    X(syn_flood_count, 200, "SYN flood: uncompleted SYNs", \
      "Uncompleted SYNs to one host:port within the window that make a SYN flood (--syn-flood-count)") \
    X(syn_flood_sources, 50, "SYN flood: sources", \
      "... from at least this many sources (--syn-flood-sources)") \
    X(syn_flood_window, 5, "SYN flood: window (seconds)", "(--syn-flood-window)") \
    X(scan_ports, 25, "Port scan: ports of one host", \
      "Distinct refused or unanswered ports of one host probed by one source (--scan-ports)") \
    X(scan_hosts, 10, "Port scan: hosts on one port", \
      "Distinct hosts probed on one port by one source (--scan-hosts)") \
    X(scan_window, 10, "Port scan: window (seconds)", "(--scan-window)")

static struct {
#define NS_X(name, def, title, desc) guint name;
    NS_WS_UINT_PREFS(NS_X)
#undef NS_X
    gboolean vlan_in_key;
    gboolean tcp_analysis;
    gboolean alerts;
} ns_prefs = {
#define NS_X(name, def, title, desc) def,
    NS_WS_UINT_PREFS(NS_X)
#undef NS_X
    FALSE, TRUE, TRUE,
};

/* Wireshark's encapsulation of the frame, as the LINKTYPE_ value netscope's dissectors take.
 * Wiretap maps LINKTYPE_ 12, 14 and 101 all to WTAP_ENCAP_RAW_IP: the plugin sees 101. */
static guint32 linktype_of(int encap)
{
    switch (encap) {
    case WTAP_ENCAP_NULL: return NS_LINKTYPE_NULL;
    case WTAP_ENCAP_ETHERNET: return NS_LINKTYPE_ETHERNET;
    case WTAP_ENCAP_RAW_IP: return NS_LINKTYPE_RAW;
    case WTAP_ENCAP_LOOP: return NS_LINKTYPE_LOOP;
    case WTAP_ENCAP_SLL: return NS_LINKTYPE_LINUX_SLL;
    case WTAP_ENCAP_RAW_IP4: return NS_LINKTYPE_IPV4;
    case WTAP_ENCAP_RAW_IP6: return NS_LINKTYPE_IPV6;
    case WTAP_ENCAP_SLL2: return NS_LINKTYPE_LINUX_SLL2;
    default: break;
    }
    /* Any other encapsulation: its pcap LINKTYPE_ value, found by asking wiretap for the
     * reverse mapping (netscope dissects none of them; netscope.linktype still names it). */
    for (int lt = 0; lt < 300; lt++)
        if (wtap_pcap_encap_to_wtap_encap(lt) == encap)
            return (guint32)lt;
    return G_MAXUINT32;
}

static void flow_end(const struct ns_flow *f, enum ns_flow_end why, void *arg)
{
    (void)why;
    struct ns_engine *e = arg;
    ns_ws_stats_flow_end(f, ns_engine_tcp(e, f));
}

static void ns_ws_init(void)
{
    ns_ws_fields_init();
    ns_ws_stats_reset();
    ns_ws_first_ts_ns = 0;
    if (!proto_is_protocol_enabled(find_protocol_by_id(ns_ws_proto)))
        return;
    struct ns_engine *e = g_new0(struct ns_engine, 1);
    struct ns_engine_cfg cfg = {
        .max_flows = ns_prefs.max_flows,
        .idle_ns = (int64_t)ns_prefs.idle_timeout * 1000000000,
        .active_ns = (int64_t)ns_prefs.active_timeout * 1000000000,
        .vlan_in_key = ns_prefs.vlan_in_key,
        .no_tcp_analysis = !ns_prefs.tcp_analysis,
        .no_anomaly = !ns_prefs.alerts,
        .anomaly = {
            .syn_count = ns_prefs.syn_flood_count,
            .syn_sources = ns_prefs.syn_flood_sources,
            .syn_window_ns = (int64_t)ns_prefs.syn_flood_window * 1000000000,
            .scan_ports = ns_prefs.scan_ports,
            .scan_hosts = ns_prefs.scan_hosts,
            .scan_window_ns = (int64_t)ns_prefs.scan_window * 1000000000,
        },
        .on_flow_end = flow_end,
        .arg = e,
    };
    struct ns_err err = {{0}};
    if (ns_engine_init(e, &cfg, &err) != NS_STATUS_OK) {
        ws_warning("netscope: the engine did not start: %s", err.msg);
        g_free(e);
        return;
    }
    ns_ws_engine = e;
}

static void ns_ws_cleanup(void)
{
    if (ns_ws_engine != NULL) {
        ns_ws_first_ts_ns = ns_ws_engine->first_ts_ns;
        ns_engine_fini(ns_ws_engine);     /* ends every flow: the statistics get them */
        g_free(ns_ws_engine);
        ns_ws_engine = NULL;
    }
    ns_ws_fields_cleanup();
}

/* The frame as the reader would have returned it from the file. */
static void make_rec(struct ns_rec *rec, tvbuff_t *tvb, packet_info *pinfo)
{
    const wtap_rec *wr = pinfo->rec;
    memset(rec, 0, sizeof *rec);
    rec->number = pinfo->num;
    rec->interface_id = -1;
    rec->has_ts = (wr->presence_flags & WTAP_HAS_TS) != 0;
    if (rec->has_ts)
        rec->ts_ns = (int64_t)pinfo->abs_ts.secs * 1000000000 + pinfo->abs_ts.nsecs;
    rec->caplen = tvb_captured_length(tvb);
    rec->wirelen = pinfo->fd->pkt_len;
    rec->data = rec->caplen > 0 ? tvb_get_ptr(tvb, 0, (gint)rec->caplen) : NULL;
    if (wr->rec_type != REC_TYPE_PACKET) {
        rec->kind = NS_REC_CUSTOM;    /* a record that is not a packet: counted, not dissected */
        return;
    }
    rec->kind = NS_REC_PACKET;
    rec->linktype = linktype_of(wr->rec_header.packet_header.pkt_encap);
    if (wr->presence_flags & WTAP_HAS_INTERFACE_ID)
        rec->interface_id = (int32_t)wr->rec_header.packet_header.interface_id;
}

static int dissect_netscope(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data)
{
    (void)data;
    if (!PINFO_FD_VISITED(pinfo) && ns_ws_engine != NULL && !ns_ws_fields_stored(pinfo->num)) {
        struct ns_rec rec;
        make_rec(&rec, tvb, pinfo);
        const struct ns_frame *f = ns_engine_feed(ns_ws_engine, &rec);
        ns_ws_stats_frame(f);
        ns_ws_fields_store(pinfo->num, f);
    }
    ns_ws_fields_show(pinfo->num, tvb, pinfo, tree);
    if (have_tap_listener(ns_ws_tap))
        tap_queue_packet(ns_ws_tap, pinfo, NULL);
    return tvb_captured_length(tvb);
}

static void proto_register_netscope(void)
{
    ns_ws_proto = proto_register_protocol("netscope flow and TCP analysis", "netscope", "netscope");
    ns_ws_fields_register(ns_ws_proto);

    module_t *m = prefs_register_protocol(ns_ws_proto, NULL);
    prefs_register_bool_preference(m, "vlan_in_key", "VLAN ids in flow keys",
        "The outer two VLAN ids are part of every flow key, so overlapping address spaces on "
        "different VLANs stay apart (netscope --vlan-in-key; Wireshark merges them)",
        &ns_prefs.vlan_in_key);
    prefs_register_bool_preference(m, "tcp_analysis", "TCP analysis",
        "netscope.tcp.* and the flows' retransmission and RTT figures; off: scale mode, "
        "flows only, no per-flow TCP state", &ns_prefs.tcp_analysis);
    prefs_register_bool_preference(m, "alerts", "Anomaly detection",
        "SYN floods and port scans: netscope.alert, its expert info and -z netscope,alerts "
        "(netscope --no-alerts turns it off)", &ns_prefs.alerts);
#define NS_X(name, def, title, desc) prefs_register_uint_preference(m, #name, title, desc, 10, &ns_prefs.name);
    NS_WS_UINT_PREFS(NS_X)
#undef NS_X

    ns_ws_handle = register_dissector("netscope", dissect_netscope, ns_ws_proto);
    register_init_routine(ns_ws_init);
    register_cleanup_routine(ns_ws_cleanup);
    register_postdissector(ns_ws_handle);
    ns_ws_stats_register();
}

void plugin_register(void)
{
    static proto_plugin plug;
    plug.register_protoinfo = proto_register_netscope;
    plug.register_handoff = NULL;
    proto_register_plugin(&plug);
}
