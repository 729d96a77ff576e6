/* plugin/ws_fields.c: the registry's netscope.* fields as Wireshark fields.
 * Registration: one hf per netscope.* field of core/fields.h (NS_FIELDS), generated here in a
 *         loop, never written by hand; one expert info per netscope.tcp.<flag> field, with the
 *         group and severity Wireshark 4.0 gives tcp.analysis.<flag>; one for netscope.alert
 *         when the registry has it.
 * Storage: on the first pass, one fixed record per frame (chunks by frame number, freed
 *         with the file): the frame's own values read from the engine's output, the flow's
 *         counters, and a pointer to the flow's strings (state, history: interned, shared
 *         by the flow's frames until they change; the Community ID made on first display).
 *         Allocation only for a new chunk or when a flow's strings change. Frames the record
 *         cannot describe (alerts, malformed, tunnels with several analysed TCP headers)
 *         keep a generic blob of every field's values from ns_field_values():
 *         [2-byte length][1 byte: 1 if an expert info is due] then per value
 *         [field][value], unsigned values as LEB128, signed (times, I32) zigzag-encoded,
 *         strings as an index into a file-scope table of interned strings, addresses as
 *         their bytes.
 * Display: every pass turns the record (or blob) into generated items, only those a tree
 *         wants (proto_field_is_referenced) and those that raise expert infos; flags (FT_NONE, FT_BOOLEAN) are
 *         stored only when set, so a filter on their name matches only where they are. */
#include "ws_plugin.h"

#include "../core/community_id.h"
#include "../core/tcpa.h"
#include "../core/track.h"
#include "../core/zeek.h"

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

/* ---- Per-frame storage ------------------------------------------------------------------
 * Most frames take the fast path: a fixed record of the frame's own values (flow id,
 * direction, frames and bytes so far, TCP analysis flags, ACK RTT, link type) read from the
 * engine's output, and a pointer to an encoded snapshot of the flow's values (Community
 * ID, state, history, retransmissions, RTTs) that is shared by every frame that saw the
 * flow unchanged. The snapshot is made with ns_field_values() when the flow's fingerprint
 * (state, history, RTT samples, retransmissions) differs from its last one, so strings
 * are neither formatted nor interned per frame. Frames the record cannot describe (alerts,
 * malformed, several analysed TCP headers, no flow id but flow values, a registry field this
 * file does not know) keep the generic encoding of every field through ns_field_values(). */
enum { K_OTHER, K_FRAME, K_FLOW, K_ABSENT };
static guint8 kind_of[NS_FIELD_COUNT];   /* by local index k */
static gboolean fast_ok;                 /* every field has a kind other than K_OTHER */
static unsigned k_state, k_hist;         /* local indices of netscope.flow.state, .history */

static guint8 classify(enum ns_field_id id)
{
    if (id >= NS_FIELD_NS_TCP_RETRANSMISSION && id < NS_FIELD_NS_TCP_RETRANSMISSION + NS_TCPA_NFLAGS)
        return K_FRAME;
    switch (id) {
    case NS_FIELD_NS_TCP_ACK_RTT: case NS_FIELD_NS_FLOW_ID: case NS_FIELD_NS_FLOW_DIR:
    case NS_FIELD_NS_FLOW_FRAMES: case NS_FIELD_NS_FLOW_BYTES: case NS_FIELD_NS_LINKTYPE:
        return K_FRAME;
    case NS_FIELD_NS_FLOW_COMMUNITY_ID: case NS_FIELD_NS_FLOW_STATE: case NS_FIELD_NS_FLOW_HISTORY:
    case NS_FIELD_NS_FLOW_RETRANS: case NS_FIELD_NS_FLOW_RTT_SAMPLES: case NS_FIELD_NS_FLOW_SRTT:
    case NS_FIELD_NS_FLOW_RTT_MIN: case NS_FIELD_NS_FLOW_RTT_MAX:
        return K_FLOW;
    case NS_FIELD_NS_ALERT: case NS_FIELD_NS_MALFORMED: case NS_FIELD_NS_MALFORMED_REASON:
        return K_ABSENT;        /* the fast path takes only frames without them */
    default:
        return K_OTHER;
    }
}

static void classify_all(void)
{
    fast_ok = TRUE;
    for (unsigned k = 0; k < nfields; k++) {
        kind_of[k] = classify(field_of[k]);
        if (field_of[k] == NS_FIELD_NS_FLOW_STATE)
            k_state = k;
        if (field_of[k] == NS_FIELD_NS_FLOW_HISTORY)
            k_hist = k;
        if (kind_of[k] == K_OTHER)
            fast_ok = FALSE;
    }
}

/* A flow as the fast path remembers it: a copy of the engine's flow (the engine reuses
 * its slots; the copy is what Community ID needs), its Community ID made on first display. */
struct flowinfo {
    struct ns_flow flow;
    gboolean has_flow;
    guint32 cid_ix;             /* G_MAXUINT32: not made yet */
};

/* The flow's strings, shared by its frames until they change. */
struct fsnap {
    struct flowinfo *fi;
    guint32 state_ix, hist_ix;
    gboolean has_zeek;
};

enum { R_NONE, R_FAST, R_BLOB };
struct frec {
    union {
        struct { guint64 flow_id, frames, bytes; } f;   /* R_FAST; flow_id 0: no flow */
        const guint8 *blob;                              /* R_BLOB: [len 2][expert 1][values] */
    } u;
    gint64 ack_rtt_ns;          /* 0: none (Wireshark shows no zero RTT) */
    const struct fsnap *snap;   /* NULL: no flow */
    gint64 srtt_ns, rtt_min_ns, rtt_max_ns;
    guint32 retrans, rtt_samples;
    guint32 linktype;
    guint16 flags;              /* NS_TCPA_F() bits of the frame's analysed TCP header */
    guint8 kind, dir;
    guint8 has_tcp;             /* the flow has TCP analysis: retrans, RTT samples (and RTTs) */
};

#define NS_WS_CHUNK 8192        /* records per chunk: no frame moves when the table grows */
static struct frec **chunks;
static guint32 nchunks;

/* The last strings of each flow, by flow id (direct-mapped: a collision only costs a new
 * snapshot, never a wrong value). */
#define NS_WS_FLOW_CACHE 65536
struct flow_slot {
    guint64 flow;
    struct fsnap *snap;
    const char *state;
    guint8 hist_len;
    char hist[32];
};
static struct flow_slot *flow_cache;

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
    classify_all();
}

void ns_ws_fields_init(void)
{
    str_index = wmem_map_new(wmem_file_scope(), g_str_hash, g_str_equal);
    strs = wmem_array_new(wmem_file_scope(), sizeof(const char *));
    cid_cache = wmem_alloc0(wmem_file_scope(), NS_WS_CID_CACHE * sizeof *cid_cache);
    flow_cache = wmem_alloc0(wmem_file_scope(), NS_WS_FLOW_CACHE * sizeof *flow_cache);
    memset(last_str, 0, sizeof last_str);
}

void ns_ws_fields_cleanup(void)
{
    /* the memory is file scope: epan frees it */
    str_index = NULL;
    strs = NULL;
    cid_cache = NULL;
    flow_cache = NULL;
    for (guint32 c = 0; c < nchunks; c++)
        g_free(chunks[c]);
    g_free(chunks);
    chunks = NULL;
    nchunks = 0;
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


static struct frec *frec_of(guint32 num, gboolean create)
{
    guint32 c = num / NS_WS_CHUNK;
    if (c >= nchunks) {
        if (!create)
            return NULL;
        guint32 n = nchunks ? nchunks : 64;
        while (n <= c)
            n *= 2;
        chunks = g_realloc(chunks, n * sizeof *chunks);
        memset(chunks + nchunks, 0, (n - nchunks) * sizeof *chunks);
        nchunks = n;
    }
    if (chunks[c] == NULL) {
        if (!create)
            return NULL;
        chunks[c] = g_new0(struct frec, NS_WS_CHUNK);
    }
    return &chunks[c][num % NS_WS_CHUNK];
}

gboolean ns_ws_fields_stored(guint32 num)
{
    const struct frec *r = frec_of(num, FALSE);
    return r != NULL && r->kind != R_NONE;
}

/* Every value of field k of frame f, generic encoding. */
static void put_field(struct blob *o, unsigned k, const struct ns_frame *f)
{
    struct ns_val vals[NS_WS_MAX_VALS];
    enum ns_field_id id = field_of[k];
    /* A Community ID is a SHA-1 of the flow key: compute it once per flow, not per frame. */
    if (id == NS_FIELD_NS_FLOW_COMMUNITY_ID && f->track != NULL && f->track->flow_id != 0) {
        struct cid_slot *c = &cid_cache[f->track->flow_id % NS_WS_CID_CACHE];
        if (c->flow != f->track->flow_id) {
            if (ns_field_values(id, f, vals, 1) != 1)
                return;
            c->flow = f->track->flow_id;
            c->ix = intern_new(vals[0].s, vals[0].len);
        }
        if (room(o)) {
            put_byte(o, (guint8)k);
            put_varint(o, c->ix);
        }
        return;
    }
    size_t n = ns_field_values(id, f, vals, NS_WS_MAX_VALS);
    if (n > NS_WS_MAX_VALS)
        n = NS_WS_MAX_VALS;
    for (size_t j = 0; j < n; j++)
        put_value(o, k, ns_fields[id].type, &vals[j]);
}

static const guint8 *blob_of(const struct ns_frame *f)
{
    static struct blob o;       /* one frame at a time: dissection is single-threaded */
    o.n = NS_WS_HDR;
    o.expert = 0;
    for (unsigned k = 0; k < nfields; k++)
        put_field(&o, k, f);
    size_t len = o.n - NS_WS_HDR;
    o.b[0] = (guint8)(len & 0xff);
    o.b[1] = (guint8)(len >> 8);
    o.b[2] = o.expert;
    return wmem_memdup(wmem_file_scope(), o.b, o.n);
}

/* The flow's strings: the last snapshot when they are unchanged, else a new one, made
 * from the same core calls ns_field_values() makes for these fields (fields.c). */
static const struct fsnap *snap_of(const struct ns_frame *f)
{
    const struct ns_track_out *t = f->track;
    const char *state = NULL;
    char hist[32] = "";
    size_t hist_len = 0;
    if (t->zeek != NULL) {
        state = ns_zeek_conn_state(t->zeek);
        ns_zeek_history(t->zeek, hist, sizeof hist);
        hist_len = strlen(hist);
    }
    struct flow_slot *s = &flow_cache[t->flow_id % NS_WS_FLOW_CACHE];
    gboolean same_flow = s->snap != NULL && s->flow == t->flow_id && s->snap->fi->has_flow == (t->flow != NULL);
    if (same_flow && s->snap->has_zeek == (t->zeek != NULL) && s->state == state && s->hist_len == hist_len &&
        memcmp(s->hist, hist, hist_len) == 0)
        return s->snap;
    struct fsnap *n = wmem_new(wmem_file_scope(), struct fsnap);
    if (same_flow)
        n->fi = s->snap->fi;
    else {
        n->fi = wmem_new(wmem_file_scope(), struct flowinfo);
        n->fi->has_flow = t->flow != NULL;
        if (t->flow != NULL)
            n->fi->flow = *t->flow;
        n->fi->cid_ix = G_MAXUINT32;
    }
    n->has_zeek = t->zeek != NULL;
    n->state_ix = n->hist_ix = 0;
    if (n->has_zeek) {
        n->state_ix = intern(k_state, state, strlen(state));
        n->hist_ix = intern(k_hist, hist, hist_len);
    }
    s->flow = t->flow_id;
    s->snap = n;
    s->state = state;
    s->hist_len = (guint8)hist_len;
    memcpy(s->hist, hist, hist_len);
    return n;
}

void ns_ws_fields_store(guint32 num, const struct ns_frame *f)
{
    struct frec *r = frec_of(num, TRUE);
    const struct ns_rec *rec = f->rec;
    const struct ns_pkt *pkt = f->pkt;
    const struct ns_track_out *t = f->track;
    const struct ns_tcpa_frame *a = f->tcpa;
    gboolean fast = fast_ok && rec->kind == NS_REC_PACKET && pkt != NULL &&
                    pkt->malformed == NS_MALFORMED_NONE && f->nalerts == 0 && t != NULL;
    const struct ns_tcpa_out *out = NULL;
    if (fast && a != NULL && a->n > 0) {
        const struct ns_layer *l = &pkt->layer[a->layer[0]];
        /* one whole TCP header: its values are the header's analysis (fields.c's shown()) */
        if (a->n == 1 && l->proto == NS_PROTO_TCP && !(l->flags & NS_LAYER_CUT))
            out = &a->out[0];
        else
            fast = FALSE;
    }
    /* flow values without a flow id have no key to share them by */
    if (fast && t->flow_id == 0 && (t->flow != NULL || t->zeek != NULL || f->flow_tcp != NULL))
        fast = FALSE;
    if (!fast) {
        r->u.blob = blob_of(f);
        r->kind = R_BLOB;
        return;
    }
    r->kind = R_FAST;
    r->u.f.flow_id = t->flow_id;
    r->u.f.frames = t->flow_frames;
    r->u.f.bytes = t->flow_bytes;
    r->dir = t->flow_dir;
    r->linktype = rec->linktype;
    r->flags = out != NULL ? (guint16)out->flags : 0;
    r->ack_rtt_ns = out != NULL && out->acks_frame != 0 ? out->ack_rtt_ns : 0;
    r->snap = t->flow_id != 0 ? snap_of(f) : NULL;
    r->has_tcp = f->flow_tcp != NULL;
    r->retrans = r->rtt_samples = 0;
    if (r->has_tcp) {
        struct ns_tcpa_metrics m;
        ns_tcpa_conn_metrics(f->flow_tcp, &m);
        for (int d = 0; d < 2; d++)
            r->retrans += m.count[d][NS_TCPA_BIT_RETRANSMISSION] + m.count[d][NS_TCPA_BIT_FAST_RETRANSMISSION] +
                          m.count[d][NS_TCPA_BIT_SPURIOUS_RETRANSMISSION];
        r->rtt_samples = m.rtt_samples;
        r->srtt_ns = m.srtt_ns;
        r->rtt_min_ns = m.rtt_min_ns;
        r->rtt_max_ns = m.rtt_max_ns;
    }
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

/* The Community ID of a flow, interned on its first display (a SHA-1 per flow that only
 * a shown or filtered Community ID pays for). */
static guint32 cid_ix_of(struct flowinfo *fi)
{
    if (fi->cid_ix == G_MAXUINT32) {
        char cid[NS_CID_LEN + 1];
        ns_track_community_id(&fi->flow, cid);
        cid[NS_CID_LEN] = '\0';
        fi->cid_ix = intern_new(cid, strlen(cid));
    }
    return fi->cid_ix;
}

/* The fast record as the generic encoding, in field order. With a tree, only the fields
 * it wants (proto_field_is_referenced: a visible tree wants all); without one, only those
 * that raise expert infos. */
static size_t expand(const struct frec *r, proto_tree *tree, struct blob *o)
{
    o->n = 0;
    for (unsigned k = 0; k < nfields; k++) {
        if (kind_of[k] == K_ABSENT)
            continue;
        if (ei_of[k] == NULL && (tree == NULL || !proto_field_is_referenced(tree, hf_of[k])))
            continue;
        enum ns_field_id id = field_of[k];
        if (id >= NS_FIELD_NS_TCP_RETRANSMISSION && id < NS_FIELD_NS_TCP_RETRANSMISSION + NS_TCPA_NFLAGS) {
            unsigned bit = id - NS_FIELD_NS_TCP_RETRANSMISSION;
            guint32 set = r->flags;
            /* as tcp.analysis.retransmission, on fast and spurious retransmissions too */
            if (set & (NS_TCPA_F(FAST_RETRANSMISSION) | NS_TCPA_F(SPURIOUS_RETRANSMISSION)))
                set |= NS_TCPA_F(RETRANSMISSION);
            if (set & (1u << bit))
                put_byte(o, (guint8)k);
            continue;
        }
        const struct fsnap *sn = r->snap;
        switch (id) {
        case NS_FIELD_NS_TCP_ACK_RTT:
            if (r->ack_rtt_ns != 0) {
                put_byte(o, (guint8)k);
                put_signed(o, r->ack_rtt_ns);
            }
            break;
        case NS_FIELD_NS_FLOW_ID: case NS_FIELD_NS_FLOW_DIR: case NS_FIELD_NS_FLOW_FRAMES:
        case NS_FIELD_NS_FLOW_BYTES:
            if (r->u.f.flow_id != 0) {
                put_byte(o, (guint8)k);
                put_varint(o, id == NS_FIELD_NS_FLOW_ID ? r->u.f.flow_id : id == NS_FIELD_NS_FLOW_DIR ? r->dir :
                              id == NS_FIELD_NS_FLOW_FRAMES ? r->u.f.frames : r->u.f.bytes);
            }
            break;
        case NS_FIELD_NS_LINKTYPE:
            put_byte(o, (guint8)k);
            put_varint(o, r->linktype);
            break;
        case NS_FIELD_NS_FLOW_COMMUNITY_ID:
            if (sn != NULL && sn->fi->has_flow) {
                put_byte(o, (guint8)k);
                put_varint(o, cid_ix_of(sn->fi));
            }
            break;
        case NS_FIELD_NS_FLOW_STATE: case NS_FIELD_NS_FLOW_HISTORY:
            if (sn != NULL && sn->has_zeek) {
                put_byte(o, (guint8)k);
                put_varint(o, id == NS_FIELD_NS_FLOW_STATE ? sn->state_ix : sn->hist_ix);
            }
            break;
        case NS_FIELD_NS_FLOW_RETRANS: case NS_FIELD_NS_FLOW_RTT_SAMPLES:
            if (r->has_tcp) {
                put_byte(o, (guint8)k);
                put_varint(o, id == NS_FIELD_NS_FLOW_RETRANS ? r->retrans : r->rtt_samples);
            }
            break;
        case NS_FIELD_NS_FLOW_SRTT: case NS_FIELD_NS_FLOW_RTT_MIN: case NS_FIELD_NS_FLOW_RTT_MAX:
            if (r->has_tcp && r->rtt_samples > 0) {
                put_byte(o, (guint8)k);
                put_signed(o, id == NS_FIELD_NS_FLOW_SRTT ? r->srtt_ns :
                              id == NS_FIELD_NS_FLOW_RTT_MIN ? r->rtt_min_ns : r->rtt_max_ns);
            }
            break;
        default:
            break;
        }
    }
    return o->n;
}

static void show_values(const guint8 *p, const guint8 *end, tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree)
{
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

void ns_ws_fields_show(guint32 num, tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree)
{
    const struct frec *r = frec_of(num, FALSE);
    if (r == NULL || r->kind == R_NONE)
        return;
    if (r->kind == R_BLOB) {
        const guint8 *p = r->u.blob;
        size_t len = (size_t)p[0] | (size_t)p[1] << 8;
        if (tree == NULL && !p[2])
            return;             /* nothing to show, no expert info to raise */
        show_values(p + NS_WS_HDR, p + NS_WS_HDR + len, tvb, pinfo, tree);
        return;
    }
    /* without a tree only expert infos matter, and only TCP flags raise them here */
    if (tree == NULL && r->flags == 0)
        return;
    static struct blob o;       /* one frame at a time: dissection is single-threaded */
    size_t n = expand(r, tree, &o);
    show_values(o.b, o.b + n, tvb, pinfo, tree);
}
