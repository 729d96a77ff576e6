/* plugin/ws_plugin.h: what the plugin's files share. The plugin is glue: Wireshark hands it
 * each frame's bytes, the netscope core (the same engine the CLI runs) analyses them, and the
 * plugin turns the registry's netscope.* fields into Wireshark fields, expert infos and
 * statistics. Nothing here analyses a packet.
 * State:  one engine per open capture file, created by the init routine and ended by the
 *         cleanup routine (Wireshark runs both around every (re)dissection of a file); the
 *         per-frame results live in file scope. */
#ifndef NS_WS_PLUGIN_H
#define NS_WS_PLUGIN_H

#include <epan/packet.h>

#include "../core/engine.h"

/* The registered ids (packet-netscope.c). */
extern int ns_ws_proto;

/* The engine of the capture being read, or NULL between files (or if it failed to start). */
extern struct ns_engine *ns_ws_engine;

/* ws_fields.c: the hf table generated from the registry, per-frame storage and display. */
void ns_ws_fields_register(int proto);

/* Called by the init routine (file scope just entered) and the cleanup routine. */
void ns_ws_fields_init(void);
void ns_ws_fields_cleanup(void);

/* Stores the values of every netscope.* field of frame f as frame num's (first pass). */
void ns_ws_fields_store(guint32 num, const struct ns_frame *f);
/* Whether frame num's values are stored. */
gboolean ns_ws_fields_stored(guint32 num);

/* Adds frame num's stored values to tree (NULL: none is built) as generated items, with
 * their expert infos (raised even without a tree, so that -z expert sees them). */
void ns_ws_fields_show(guint32 num, tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree);

/* ws_stats.c: -z netscope,flows[,N] and -z netscope,alerts, and the same tables in the
 * GUI's Statistics menu. */
extern int ns_ws_tap;           /* "netscope": each frame is queued while it has listeners */
void ns_ws_stats_register(void);
void ns_ws_stats_reset(void);
/* Every flow the engine ends, with its TCP analysis. */
void ns_ws_stats_flow_end(const struct ns_flow *f, const struct ns_tcpa_conn *tcp);
/* Every frame the engine analysed (first pass): its alerts join -z netscope,alerts. */
void ns_ws_stats_frame(const struct ns_frame *f);
/* The first frame's time, kept when the engine ends (relative start times of the table). */
extern int64_t ns_ws_first_ts_ns;

#endif
