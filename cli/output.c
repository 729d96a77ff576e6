#define _POSIX_C_SOURCE 200809L
#include "output.h"

#include <string.h>
#include <time.h>

#include "summary.h"

#define MAX_OCC 256     /* occurrences of one field printed per frame */

static const char *ftype_name(enum ns_ftype t)
{
    switch (t) {
    case NS_FT_BOOL: return "FT_BOOLEAN";
    case NS_FT_U8: return "FT_UINT8";
    case NS_FT_U16: return "FT_UINT16";
    case NS_FT_U32: return "FT_UINT32";
    case NS_FT_U64: return "FT_UINT64";
    case NS_FT_IPV4: return "FT_IPv4";
    case NS_FT_IPV6: return "FT_IPv6";
    case NS_FT_ETHER: return "FT_ETHER";
    case NS_FT_STRING: return "FT_STRING";
    case NS_FT_ABS_TIME: return "FT_ABSOLUTE_TIME";
    case NS_FT_REL_TIME: return "FT_RELATIVE_TIME";
    case NS_FT_I32: return "FT_INT32";
    case NS_FT_NONE: return "FT_NONE";
    }
    return "FT_NONE";
}

void ns_output_field_list(FILE *out)
{
    for (size_t i = 0; i < NS_FIELD_COUNT; i++) {
        const struct ns_field *f = &ns_fields[i];
        char proto[32];
        const char *disp = f->disp == NS_FD_DEC ? "BASE_DEC" : f->disp == NS_FD_HEX ? "BASE_HEX" : "";
        fprintf(out, "F\t%s\t%s\t%s\t%s\t%s\t0x0\t%s\n", f->title, f->abbrev, ftype_name(f->type),
                ns_field_proto(f, proto, sizeof proto), disp, f->blurb);
    }
}

/* Fields a --threads worker cannot know (see ns_output_patches). */
static bool global_values(int id)
{
    return id == NS_FIELD_TCP_STREAM || id == NS_FIELD_UDP_STREAM || id == NS_FIELD_NS_FLOW_ID;
}

/* Records a patch at the current offset; false (and overflow set) when it does not fit. */
static struct ns_output_patch *add_patch(struct ns_output *o, enum ns_patch_kind kind, int id,
                                         uint8_t style)
{
    struct ns_output_patches *ps = o->patches;
    if (ps->n >= NS_OUTPUT_MAX_PATCHES) {
        ps->overflow = true;
        return NULL;
    }
    struct ns_output_patch *p = &ps->p[ps->n++];
    long off = ftell(o->out);
    p->off = off < 0 ? 0 : (uint32_t)off;
    p->kind = (uint8_t)kind;
    p->field = (uint16_t)id;
    p->style = style;
    p->n = 0;
    return p;
}

/* A patch holding the local values vals[0..n-1] of field id. */
static void patch_values(struct ns_output *o, int id, const struct ns_val *vals, size_t n, uint8_t style)
{
    struct ns_output_patch *p = add_patch(o, NS_PATCH_VALUES, id, style);
    if (p == NULL)
        return;
    if (n > NS_OUTPUT_PATCH_VALS) {
        o->patches->overflow = true;
        n = NS_OUTPUT_PATCH_VALS;
    }
    for (size_t i = 0; i < n; i++)
        p->val[i] = vals[i].v.u;
    p->n = (uint8_t)n;
}

/* The values vals[0..n-1] of field id as -E occurrence/aggregator/quote ask: tshark quotes
 * the joined values as one, and writes nothing (not even quotes) when there is none. */
static void emit_values(struct ns_output *o, int id, const struct ns_val *vals, size_t n)
{
    const struct ns_args *a = o->args;
    if (n == 0)
        return;
    size_t first = 0, last = n;
    if (a->occurrence == 'f')
        last = 1;
    else if (a->occurrence == 'l')
        first = n - 1;
    char buf[1024];
    if (a->quote)
        putc(a->quote, o->out);
    for (size_t i = first; i < last; i++) {
        ns_field_format((enum ns_field_id)id, &vals[i], buf, sizeof buf);
        if (i > first)
            fputs(a->aggregator, o->out);
        fputs(buf, o->out);
    }
    if (a->quote)
        putc(a->quote, o->out);
}

/* Field id's values in frame f (at most MAX_OCC) into vals and *n: true when the caller
 * writes them, false when a threaded worker left them to the merger as a patch of the
 * given kind (0 -T fields, 1 JSON, 2 EK: values only the merger knows). */
static bool own_values(struct ns_output *o, int id, const struct ns_frame *f, struct ns_val *vals,
                       size_t *n, int kind)
{
    *n = ns_field_values((enum ns_field_id)id, f, vals, MAX_OCC);
    if (*n > MAX_OCC)
        *n = MAX_OCC;
    if (o->patches != NULL && global_values(id)) {
        if (*n > 0)
            patch_values(o, id, vals, *n, kind);
        return false;
    }
    return true;
}

/* Writes the values of field id in frame f (-T fields). */
static void write_values(struct ns_output *o, int id, const struct ns_frame *f)
{
    if (o->patches != NULL && id == NS_FIELD_NS_ALERT) {
        (void)add_patch(o, NS_PATCH_ALERT, id, 0);
        return;
    }
    struct ns_val vals[MAX_OCC];
    size_t n;
    if (own_values(o, id, f, vals, &n, 0))
        emit_values(o, id, vals, n);
}

void ns_json_string(FILE *out, const char *s)
{
    putc('"', out);
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\')
            fprintf(out, "\\%c", ch);
        else if (ch < 0x20)
            fprintf(out, "\\u%04x", ch);
        else
            putc(ch, out);
    }
    putc('"', out);
}

/* The field ids a JSON/EK record lists: -e's, or every field with a value. */
static size_t json_ids(const struct ns_output *o, const struct ns_frame *f, int *ids)
{
    if (o->args->nfields > 0) {
        memcpy(ids, o->args->fields, o->args->nfields * sizeof *ids);
        return o->args->nfields;
    }
    size_t n = 0;
    for (int i = 0; i < NS_FIELD_COUNT; i++) {
        struct ns_val v;
        if (ns_field_values((enum ns_field_id)i, f, &v, 1) > 0 ||
            (o->patches != NULL && i == NS_FIELD_NS_ALERT))
            ids[n++] = i;
    }
    return n;
}

static void emit_json_values(struct ns_output *o, int id, const struct ns_val *vals, size_t n,
                             const char *indent)
{
    char buf[1024];
    for (size_t i = 0; i < n; i++) {
        ns_field_format((enum ns_field_id)id, &vals[i], buf, sizeof buf);
        if (indent != NULL)
            fprintf(o->out, "%s%s", i ? ",\n" : "", indent);
        else if (i)
            putc(',', o->out);
        ns_json_string(o->out, buf);
    }
}

#define JSON_INDENT "          "

static void json_values(struct ns_output *o, int id, const struct ns_frame *f, const char *indent)
{
    struct ns_val vals[MAX_OCC];
    size_t n;
    if (own_values(o, id, f, vals, &n, indent != NULL ? 1 : 2))
        emit_json_values(o, id, vals, n, indent);
}

static void index_name(const struct ns_frame *f, char *buf, size_t cap)
{
    time_t t = (time_t)(f->rec->ts_ns / 1000000000);
    struct tm tm;
    if (gmtime_r(&t, &tm) == NULL || strftime(buf, cap, "packets-%Y-%m-%d", &tm) == 0)
        snprintf(buf, cap, "packets-1970-01-01");
}

static void write_json(struct ns_output *o, const struct ns_frame *f)
{
    int ids[NS_FIELD_COUNT > NS_ARGS_MAX_FIELDS ? NS_FIELD_COUNT : NS_ARGS_MAX_FIELDS];
    size_t n = json_ids(o, f, ids);
    char idx[40];
    index_name(f, idx, sizeof idx);
    bool patch = o->patches != NULL;
    if (patch)
        (void)add_patch(o, NS_PATCH_JSON_FRAME, 0, 0);
    fprintf(o->out, "%s  {\n    \"_index\": \"%s\",\n    \"_type\": \"doc\",\n    \"_score\": null,\n"
            "    \"_source\": {\n      \"layers\": {\n", !patch && o->frames ? ",\n" : "", idx);
    bool any = false;
    for (size_t k = 0; k < n; k++) {
        if (patch && ids[k] == NS_FIELD_NS_ALERT) {
            (void)add_patch(o, NS_PATCH_ALERT, ids[k], 1);
            continue;
        }
        struct ns_val v;
        if (ns_field_values((enum ns_field_id)ids[k], f, &v, 1) == 0)
            continue;
        if (patch)
            (void)add_patch(o, NS_PATCH_JSON_SEP, 0, 0);
        fprintf(o->out, "%s        ", !patch && any ? ",\n" : "");
        ns_json_string(o->out, ns_fields[ids[k]].abbrev);
        fputs(": [\n", o->out);
        json_values(o, ids[k], f, JSON_INDENT);
        fputs("\n        ]", o->out);
        any = true;
    }
    if (patch)
        (void)add_patch(o, NS_PATCH_JSON_TAIL, 0, 0);
    fprintf(o->out, "%s      }\n    }\n  }", !patch && any ? "\n" : "");
}

static void ek_name(int id, char *name, size_t cap)
{
    snprintf(name, cap, "%s", ns_fields[id].abbrev);
    for (char *p = name; *p; p++)
        if (*p == '.')
            *p = '_';
}

static void write_ek(struct ns_output *o, const struct ns_frame *f)
{
    int ids[NS_FIELD_COUNT > NS_ARGS_MAX_FIELDS ? NS_FIELD_COUNT : NS_ARGS_MAX_FIELDS];
    size_t n = json_ids(o, f, ids);
    char idx[40];
    index_name(f, idx, sizeof idx);
    fprintf(o->out, "{\"index\":{\"_index\":\"%s\",\"_type\":\"doc\"}}\n", idx);
    long long ms = (long long)(f->rec->ts_ns / 1000000);
    fprintf(o->out, "{\"timestamp\":\"%lld\",\"layers\":{", ms);
    bool any = false;
    bool patch = o->patches != NULL;
    for (size_t k = 0; k < n; k++) {
        if (patch && ids[k] == NS_FIELD_NS_ALERT) {
            (void)add_patch(o, NS_PATCH_ALERT, ids[k], 2);
            continue;
        }
        struct ns_val v;
        if (ns_field_values((enum ns_field_id)ids[k], f, &v, 1) == 0)
            continue;
        char name[128];
        ek_name(ids[k], name, sizeof name);
        if (patch)
            (void)add_patch(o, NS_PATCH_EK_SEP, 0, 0);
        else if (any)
            putc(',', o->out);
        ns_json_string(o->out, name);
        fputs(":[", o->out);
        json_values(o, ids[k], f, NULL);
        putc(']', o->out);
        any = true;
    }
    fputs("}}\n", o->out);
}

void ns_output_begin(struct ns_output *o, FILE *out, const struct ns_args *args)
{
    o->out = out;
    o->args = args;
    o->frames = 0;
    o->patches = NULL;
    if (args->quiet)
        return;
    if (args->mode == NS_OUT_FIELDS && args->header) {
        for (size_t i = 0; i < args->nfields; i++) {
            if (i)
                fputs(args->separator, out);
            fputs(ns_fields[args->fields[i]].abbrev, out);
        }
        putc('\n', out);
    } else if (args->mode == NS_OUT_JSON) {
        fputs("[\n", out);
    }
}

void ns_output_frame(struct ns_output *o, const struct ns_frame *f)
{
    const struct ns_args *a = o->args;
    if (a->quiet || !ns_filter_match(a->filter, f))
        return;
    switch (a->mode) {
    case NS_OUT_FIELDS: {
        for (size_t i = 0; i < a->nfields; i++) {
            if (i)
                fputs(a->separator, o->out);
            write_values(o, a->fields[i], f);
        }
        putc('\n', o->out);
        break;
    }
    case NS_OUT_JSON: write_json(o, f); break;
    case NS_OUT_EK: write_ek(o, f); break;
    case NS_OUT_TEXT: ns_summary_line(o->out, f); break;
    }
    o->frames++;
}

void ns_output_end(struct ns_output *o)
{
    if (o->args->quiet)
        return;
    if (o->args->mode == NS_OUT_JSON)
        fputs(o->frames ? "\n]\n" : "]\n", o->out);
}

void ns_output_patch_write(struct ns_output *o, const struct ns_output_patch *p, const uint64_t *val,
                           struct ns_patch_ctx *ctx)
{
    struct ns_val vals[MAX_OCC];
    size_t n = 0;
    switch ((enum ns_patch_kind)p->kind) {
    case NS_PATCH_JSON_FRAME:
        if (o->frames)
            fputs(",\n", o->out);
        return;
    case NS_PATCH_JSON_SEP:
    case NS_PATCH_EK_SEP:
        /* between a frame's printed keys: JSON puts each on its own line, EK on one */
        if (ctx->any)
            fputs(p->kind == NS_PATCH_JSON_SEP ? ",\n" : ",", o->out);
        ctx->any = true;
        return;
    case NS_PATCH_JSON_TAIL:
        if (ctx->any)
            putc('\n', o->out);
        return;
    case NS_PATCH_VALUES:
        for (unsigned i = 0; i < p->n; i++) {
            memset(&vals[n], 0, sizeof vals[n]);
            vals[n++].v.u = val[i];
        }
        break;
    case NS_PATCH_ALERT: {
        struct ns_frame fa = { .alerts = ctx->alerts, .nalerts = ctx->nalerts };
        n = ns_field_values(NS_FIELD_NS_ALERT, &fa, vals, MAX_OCC);
        if (n > MAX_OCC)
            n = MAX_OCC;
        if (n == 0 || p->style == 0)
            break;
        /* the key itself, as write_json / write_ek write every other */
        if (p->style == 1) {
            fputs(ctx->any ? ",\n        " : "        ", o->out);
            ns_json_string(o->out, ns_fields[p->field].abbrev);
            fputs(": [\n", o->out);
            emit_json_values(o, p->field, vals, n, JSON_INDENT);
            fputs("\n        ]", o->out);
        } else {
            char name[128];
            ek_name(p->field, name, sizeof name);
            if (ctx->any)
                putc(',', o->out);
            ns_json_string(o->out, name);
            fputs(":[", o->out);
            emit_json_values(o, p->field, vals, n, NULL);
            putc(']', o->out);
        }
        ctx->any = true;
        return;
    }
    }
    if (p->style == 0)
        emit_values(o, p->field, vals, n);
    else
        emit_json_values(o, p->field, vals, n, p->style == 1 ? JSON_INDENT : NULL);
}
