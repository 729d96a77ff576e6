/* plugin/ws_fields.c: the registry's netscope.* fields as Wireshark fields.
 * Registration: one hf per netscope.* field of core/fields.h (NS_FIELDS), generated here in a
 *         loop, never written by hand; one expert info per netscope.tcp.<flag> field, with the
 *         group and severity Wireshark 4.0 gives tcp.analysis.<flag>; one for netscope.alert
 *         when the registry has it.
 * Storage: on the first pass the values of every field are encoded into one small file-scope
 *         blob per frame: [2-byte length][1 byte: 1 if an expert info is due] then per value
 *         [field][value], unsigned values as
 *         LEB128, signed (times, I32) zigzag-encoded, strings as an index into a file-scope
 *         table of interned strings (Community IDs, states and histories repeat per flow),
 *         addresses as their bytes. About 40-60 bytes for a TCP frame.
 * Display: every pass decodes the blob into generated items; flags (FT_NONE, FT_BOOLEAN) are
 *         stored only when set, so a filter on their name matches only where they are. */
#include "ws_plugin.h"

#include <string.h>

#include <epan/expert.h>
#include <epan/proto.h>
#include <wsutil/wslog.h>

#define NS_WS_PREFIX "netscope."
#define NS_WS_MAX_VALS 16       /* occurrences of one field kept per frame (tunnels) */
#define NS_WS_BLOB_MAX 8192     /* encoded values of one frame; more is cut (never seen) */
#define NS_WS_CID_CACHE 4096    /* Community IDs remembered by flow id (direct-mapped) */
#define NS_WS_HDR 3             /* blob header: length (2 bytes), expert flag */

/* Local index k (0..nfields-1) -> registry field, Wireshark id, expert info. */
static unsigned nfields;
static enum ns_field_id field_of[NS_FIELD_COUNT];
static int hf_of[NS_FIELD_COUNT];
static expert_field *ei_of[NS_FIELD_COUNT];
static hf_register_info hf[NS_FIELD_COUNT];
static int ett_netscope = -1;

/* Wireshark 4.0's packet-tcp.c ei table: the same group, severity and words for the same
 * finding, so netscope's experts sort next to Wireshark's in the Expert Information dialog. */
static const struct {
    const char *flag;           /* ns_tcpa_flag_name() */
    int group, severity;
    const char *summary;
} tcp_experts[] = {
    { "retransmission", PI_SEQUENCE, PI_NOTE, "This frame is a (suspected) retransmission" },
    { "fast_retransmission", PI_SEQUENCE, PI_NOTE, "This frame is a (suspected) fast retransmission" },
    { "spurious_retransmission", PI_SEQUENCE, PI_NOTE, "This frame is a (suspected) spurious retransmission" },
    { "out_of_order", PI_SEQUENCE, PI_WARN, "This frame is a (suspected) out-of-order segment" },
    { "lost_segment", PI_SEQUENCE, PI_WARN, "Previous segment(s) not captured (common at capture start)" },
    { "ack_lost_segment", PI_SEQUENCE, PI_WARN, "ACKed segment that wasn't captured (common at capture start)" },
    { "duplicate_ack", PI_SEQUENCE, PI_NOTE, "Duplicate ACK" },
    { "zero_window", PI_SEQUENCE, PI_WARN, "TCP Zero Window segment" },
    { "zero_window_probe", PI_SEQUENCE, PI_NOTE, "TCP Zero Window Probe" },
    { "zero_window_probe_ack", PI_SEQUENCE, PI_NOTE, "ACK to a TCP Zero Window Probe" },
    { "window_full", PI_SEQUENCE, PI_WARN, "TCP window specified by the receiver is now completely full" },
    { "window_update", PI_SEQUENCE, PI_CHAT, "TCP window update" },
    { "keep_alive", PI_SEQUENCE, PI_NOTE, "TCP keep-alive segment" },
    { "keep_alive_ack", PI_SEQUENCE, PI_NOTE, "ACK to a TCP keep-alive segment" },
    { "reused_ports", PI_SEQUENCE, PI_NOTE, "A new tcp session is started with the same ports as an earlier session in this trace" },
};
#define NS_WS_NEXPERTS (G_N_ELEMENTS(tcp_experts) + 1)
static expert_field ei_fields[NS_WS_NEXPERTS];
static ei_register_info ei[NS_WS_NEXPERTS];
static expert_field *ei_alert;  /* netscope.alert's, when the registry has the field */

/* File scope: interned strings and the Community ID cache. */
static wmem_map_t *str_index;   /* string -> index + 1 */
static wmem_array_t *strs;      /* index -> const char * */
static struct cid_slot { guint64 flow; guint32 ix; } *cid_cache;
/* The last string interned per field: a flow's state and history repeat frame after frame. */
static struct last_str { guint32 ix; guint8 len; gboolean valid; char s[48]; } last_str[NS_FIELD_COUNT];

static enum ftenum ws_ftype(enum ns_ftype t)
{
    switch (t) {
    case NS_FT_BOOL: return FT_BOOLEAN;
    case NS_FT_U8: return FT_UINT8;
    case NS_FT_U16: return FT_UINT16;
    case NS_FT_U32: return FT_UINT32;
    case NS_FT_U64: return FT_UINT64;
    case NS_FT_IPV4: return FT_IPv4;
    case NS_FT_IPV6: return FT_IPv6;
    case NS_FT_ETHER: return FT_ETHER;
    case NS_FT_STRING: return FT_STRING;
    /* Wireshark 4.0's own frame.time_epoch is an FT_RELATIVE_TIME from the epoch: it
     * prints as seconds with nine decimals, as netscope does */
    case NS_FT_ABS_TIME: return FT_RELATIVE_TIME;
    case NS_FT_REL_TIME: return FT_RELATIVE_TIME;
    case NS_FT_I32: return FT_INT32;
    case NS_FT_NONE: return FT_NONE;
    }
    return FT_NONE;
}

static int ws_display(const struct ns_field *f)
{
    switch (f->type) {
    case NS_FT_U8: case NS_FT_U16: case NS_FT_U32: case NS_FT_U64: case NS_FT_I32:
        return f->disp == NS_FD_HEX ? BASE_HEX : BASE_DEC;
    default:
        return BASE_NONE;
    }
}

void ns_ws_fields_register(int proto)
{
    static int *ett[] = { &ett_netscope };
    nfields = 0;
    for (unsigned i = 0; i < NS_FIELD_COUNT; i++) {
        const struct ns_field *f = &ns_fields[i];
        if (strncmp(f->abbrev, NS_WS_PREFIX, strlen(NS_WS_PREFIX)) != 0)
            continue;
        unsigned k = nfields++;
        field_of[k] = (enum ns_field_id)i;
        hf_of[k] = -1;
        hf[k] = (hf_register_info){ &hf_of[k], { f->title, f->abbrev, ws_ftype(f->type), ws_display(f),
                                                  NULL, 0, f->blurb, HFILL } };
    }
    /* the blob stores the local index in one byte */
    DISSECTOR_ASSERT(nfields <= 255);
    proto_register_field_array(proto, hf, (int)nfields);
    proto_register_subtree_array(ett, 1);

    unsigned ne = 0;
    for (unsigned k = 0; k < nfields; k++) {
        const struct ns_field *f = &ns_fields[field_of[k]];
        const char *name = NULL;
        int group = 0, severity = 0;
        const char *summary = NULL;
        if (strncmp(f->abbrev, NS_WS_PREFIX "tcp.", strlen(NS_WS_PREFIX "tcp.")) == 0 && f->type == NS_FT_NONE) {
            const char *flag = f->abbrev + strlen(NS_WS_PREFIX "tcp.");
            for (unsigned j = 0; j < G_N_ELEMENTS(tcp_experts); j++)
                if (strcmp(flag, tcp_experts[j].flag) == 0) {
                    name = flag;
                    group = tcp_experts[j].group;
                    severity = tcp_experts[j].severity;
                    summary = tcp_experts[j].summary;
                }
        } else if (strcmp(f->abbrev, NS_WS_PREFIX "alert") == 0 && f->type == NS_FT_STRING) {
            name = "alert";
            group = PI_SECURITY;
            severity = PI_WARN;
            summary = "netscope alert";
        }
        if (name == NULL || ne == NS_WS_NEXPERTS)
            continue;
        ei_fields[ne] = (expert_field)EI_INIT;
        ei[ne] = (ei_register_info){ &ei_fields[ne], { g_strdup_printf(NS_WS_PREFIX "expert.%s", name), group,
                                                       severity, summary, EXPFILL } };
        ei_of[k] = &ei_fields[ne];
        if (strcmp(name, "alert") == 0)
            ei_alert = &ei_fields[ne];
        ne++;
    }
    expert_module_t *em = expert_register_protocol(proto);
    expert_register_field_array(em, ei, (int)ne);
}

void ns_ws_fields_init(void)
{
    str_index = wmem_map_new(wmem_file_scope(), g_str_hash, g_str_equal);
    strs = wmem_array_new(wmem_file_scope(), sizeof(const char *));
    cid_cache = wmem_alloc0(wmem_file_scope(), NS_WS_CID_CACHE * sizeof *cid_cache);
    memset(last_str, 0, sizeof last_str);
}

void ns_ws_fields_cleanup(void)
{
    /* the memory is file scope: epan frees it */
    str_index = NULL;
    strs = NULL;
    cid_cache = NULL;
}

static guint32 intern_new(const char *s, size_t len)
{
    char tmp[256];
    char *key = tmp;
    if (len >= sizeof tmp)
        key = wmem_strndup(wmem_file_scope(), s, len);
    else {
        memcpy(tmp, s, len);
        tmp[len] = '\0';
    }
    gpointer v = wmem_map_lookup(str_index, key);
    if (v != NULL)
        return GPOINTER_TO_UINT(v) - 1;
    if (key == tmp)
        key = wmem_strndup(wmem_file_scope(), s, len);
    guint32 ix = wmem_array_get_count(strs);
    const char *stored = key;
    wmem_array_append_one(strs, stored);
    wmem_map_insert(str_index, key, GUINT_TO_POINTER(ix + 1));
    return ix;
}

static guint32 intern(unsigned k, const char *s, size_t len)
{
    struct last_str *c = &last_str[k];
    if (c->valid && c->len == len && memcmp(c->s, s, len) == 0)
        return c->ix;
    guint32 ix = intern_new(s, len);
    if (len < sizeof c->s) {
        c->valid = TRUE;
        c->len = (guint8)len;
        memcpy(c->s, s, len);
        c->ix = ix;
    }
    return ix;
}

struct blob {
    guint8 b[NS_WS_BLOB_MAX];
    size_t n;
    guint8 expert;              /* a value with an expert info was stored */
};

static void put_byte(struct blob *o, guint8 v)
{
    if (o->n < sizeof o->b)
        o->b[o->n++] = v;
}

static void put_varint(struct blob *o, guint64 v)
{
    do {
        put_byte(o, (guint8)((v & 0x7f) | (v > 0x7f ? 0x80 : 0)));
        v >>= 7;
    } while (v != 0);
}

static void put_signed(struct blob *o, gint64 v)
{
    put_varint(o, ((guint64)v << 1) ^ (guint64)(v >> 63));
}

/* Room for one more value of the widest kind (tag + 16 address bytes, or a 10-byte varint). */
static gboolean room(const struct blob *o)
{
    return o->n + 1 + 16 <= sizeof o->b;
}

static void put_value(struct blob *o, unsigned k, enum ns_ftype t, const struct ns_val *v)
{
    if (!room(o))
        return;
    if (ei_of[k] != NULL && !(t == NS_FT_BOOL && v->v.u == 0))
        o->expert = 1;
    switch (t) {
    case NS_FT_BOOL:
        if (v->v.u == 0)
            return;         /* flags only when set */
        put_byte(o, (guint8)k);
        return;
    case NS_FT_NONE:
        put_byte(o, (guint8)k);
        return;
    case NS_FT_U8: case NS_FT_U16: case NS_FT_U32: case NS_FT_U64:
        put_byte(o, (guint8)k);
        put_varint(o, v->v.u);
        return;
    case NS_FT_I32: case NS_FT_REL_TIME: case NS_FT_ABS_TIME:
        put_byte(o, (guint8)k);
        put_signed(o, v->v.i);
        return;
    case NS_FT_STRING:
        put_byte(o, (guint8)k);
        put_varint(o, intern(k, v->s, v->len));
        return;
    case NS_FT_IPV4: case NS_FT_IPV6: case NS_FT_ETHER: {
        size_t n = t == NS_FT_IPV4 ? 4 : t == NS_FT_IPV6 ? 16 : 6;
        put_byte(o, (guint8)k);
        for (size_t i = 0; i < n; i++)
            put_byte(o, v->v.addr[i]);
        return;
    }
    }
}

void *ns_ws_fields_collect(const struct ns_frame *f)
{
    static struct blob o;       /* one frame at a time: dissection is single-threaded */
    struct ns_val vals[NS_WS_MAX_VALS];
    o.n = NS_WS_HDR;
    o.expert = 0;
    for (unsigned k = 0; k < nfields; k++) {
        enum ns_field_id id = field_of[k];
        enum ns_ftype t = ns_fields[id].type;
        /* A Community ID is a SHA-1 of the flow key: compute it once per flow, not per frame. */
        if (id == NS_FIELD_NS_FLOW_COMMUNITY_ID && f->track != NULL && f->track->flow_id != 0) {
            struct cid_slot *c = &cid_cache[f->track->flow_id % NS_WS_CID_CACHE];
            if (c->flow != f->track->flow_id) {
                if (ns_field_values(id, f, vals, 1) != 1)
                    continue;
                c->flow = f->track->flow_id;
                c->ix = intern_new(vals[0].s, vals[0].len);
            }
            if (room(&o)) {
                put_byte(&o, (guint8)k);
                put_varint(&o, c->ix);
            }
            continue;
        }
        size_t n = ns_field_values(id, f, vals, NS_WS_MAX_VALS);
        if (n > NS_WS_MAX_VALS)
            n = NS_WS_MAX_VALS;
        for (size_t j = 0; j < n; j++)
            put_value(&o, k, t, &vals[j]);
    }
    size_t len = o.n - NS_WS_HDR;
    o.b[0] = (guint8)(len & 0xff);
    o.b[1] = (guint8)(len >> 8);
    o.b[2] = o.expert;
    return wmem_memdup(wmem_file_scope(), o.b, o.n);
}

static guint64 get_varint(const guint8 **p, const guint8 *end)
{
    guint64 v = 0;
    for (unsigned shift = 0; *p < end && shift < 64; shift += 7) {
        guint8 b = *(*p)++;
        v |= (guint64)(b & 0x7f) << shift;
        if (!(b & 0x80))
            break;
    }
    return v;
}

static gint64 get_signed(const guint8 **p, const guint8 *end)
{
    guint64 z = get_varint(p, end);
    return (gint64)(z >> 1) ^ -(gint64)(z & 1);
}

static nstime_t to_nstime(gint64 ns)
{
    /* seconds and nanoseconds carry the same sign, as Wireshark's nstime_t expects */
    nstime_t t = { (time_t)(ns / 1000000000), (int)(ns % 1000000000) };
    return t;
}

void ns_ws_fields_show(const void *stored, tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree)
{
    const guint8 *p = stored;
    size_t len = (size_t)p[0] | (size_t)p[1] << 8;
    if (tree == NULL && !p[2])
        return;             /* nothing to show, no expert info to raise */
    p += NS_WS_HDR;
    const guint8 *end = p + len;
    proto_tree *sub = NULL;
    if (tree != NULL) {
        proto_item *ti = proto_tree_add_item(tree, ns_ws_proto, tvb, 0, 0, ENC_NA);
        proto_item_set_generated(ti);
        sub = proto_item_add_subtree(ti, ett_netscope);
    }
    while (p < end) {
        unsigned k = *p++;
        if (k >= nfields)
            break;
        int hfi = hf_of[k];
        proto_item *it = NULL;
        const char *str = NULL;
        switch (ns_fields[field_of[k]].type) {
        case NS_FT_BOOL:
            it = proto_tree_add_boolean(sub, hfi, tvb, 0, 0, 1);
            break;
        case NS_FT_NONE:
            it = proto_tree_add_item(sub, hfi, tvb, 0, 0, ENC_NA);
            break;
        case NS_FT_U8: case NS_FT_U16: case NS_FT_U32:
            it = proto_tree_add_uint(sub, hfi, tvb, 0, 0, (guint32)get_varint(&p, end));
            break;
        case NS_FT_U64:
            it = proto_tree_add_uint64(sub, hfi, tvb, 0, 0, get_varint(&p, end));
            break;
        case NS_FT_I32:
            it = proto_tree_add_int(sub, hfi, tvb, 0, 0, (gint32)get_signed(&p, end));
            break;
        case NS_FT_REL_TIME: case NS_FT_ABS_TIME: {
            nstime_t t = to_nstime(get_signed(&p, end));
            it = proto_tree_add_time(sub, hfi, tvb, 0, 0, &t);
            break;
        }
        case NS_FT_STRING: {
            guint64 ix = get_varint(&p, end);
            str = ix < wmem_array_get_count(strs) ? *(const char **)wmem_array_index(strs, (guint)ix) : "";
            it = proto_tree_add_string(sub, hfi, tvb, 0, 0, str);
            break;
        }
        case NS_FT_IPV4: {
            ws_in4_addr a;
            if (end - p < 4)
                return;
            memcpy(&a, p, 4);
            p += 4;
            it = proto_tree_add_ipv4(sub, hfi, tvb, 0, 0, a);
            break;
        }
        case NS_FT_IPV6: {
            ws_in6_addr a;
            if (end - p < 16)
                return;
            memcpy(a.bytes, p, 16);
            p += 16;
            it = proto_tree_add_ipv6(sub, hfi, tvb, 0, 0, &a);
            break;
        }
        case NS_FT_ETHER:
            if (end - p < 6)
                return;
            it = proto_tree_add_ether(sub, hfi, tvb, 0, 0, p);
            p += 6;
            break;
        }
        proto_item_set_generated(it);
        if (ei_of[k] == ei_alert && ei_alert != NULL && str != NULL)
            expert_add_info_format(pinfo, it, ei_alert, "netscope alert: %s", str);
        else if (ei_of[k] != NULL)
            expert_add_info(pinfo, it, ei_of[k]);
    }
}
