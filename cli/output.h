/* cli/output.h: per-frame writers for -T fields, json, ek and text.
 * Each writer formats into stdio's buffer of `out`; nothing is allocated per frame.
 * ns_output_begin/end write what goes before the first and after the last frame. */
#ifndef NS_CLI_OUTPUT_H
#define NS_CLI_OUTPUT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "../core/fields.h"
#include "args.h"

struct ns_output_patches;

struct ns_output {
    FILE *out;
    const struct ns_args *args;
    unsigned long long frames;   /* frames written so far */
    struct ns_output_patches *patches;  /* --threads worker: NULL in a serial run */
};

/* --threads (cli/pipeline.c): a worker cannot know what is global to the run: stream and
 * flow numbers (numbered over the whole capture), alerts (one detector sees every packet)
 * and, in JSON, whether a frame or a key is the first printed. With o->patches set,
 * ns_output_frame writes everything else and records, at its offset in the frame's text,
 * a patch with the local values; the merger writes the text in frame order and each patch
 * with ns_output_patch_write, so the bytes are those of a serial run. */
enum ns_patch_kind {
    NS_PATCH_VALUES,        /* tcp.stream, udp.stream, netscope.flow.id: val[] local */
    NS_PATCH_ALERT,         /* netscope.alert (JSON/EK: with its key, when there is one) */
    NS_PATCH_JSON_FRAME,    /* ",\n" before every JSON record but the first printed */
    NS_PATCH_JSON_SEP,      /* ",\n" before every key of a record but the first */
    NS_PATCH_JSON_TAIL,     /* "\n" after the last key, when there was one */
    NS_PATCH_EK_SEP,        /* ',' between EK keys */
};

#define NS_OUTPUT_PATCH_VALS 16
#define NS_OUTPUT_MAX_PATCHES 512

struct ns_output_patch {
    uint32_t off;           /* in the frame's text */
    uint16_t field;         /* enum ns_field_id */
    uint8_t kind;           /* enum ns_patch_kind */
    uint8_t style;          /* VALUES, ALERT: 0 -T fields, 1 JSON, 2 EK */
    uint8_t n;
    uint64_t val[NS_OUTPUT_PATCH_VALS];
};

struct ns_output_patches {
    unsigned n;
    bool overflow;          /* more patches or values than fit: the run must stop */
    struct ns_output_patch p[NS_OUTPUT_MAX_PATCHES];
};

/* What the merger knows about one frame when it writes a patch. */
struct ns_patch_ctx {
    bool any;               /* a key of this record was written (JSON, EK) */
    const struct ns_alert *alerts;
    unsigned nalerts;
};

/* Writes patch p to o->out; val[]: p->val mapped to the run's numbers. */
void ns_output_patch_write(struct ns_output *o, const struct ns_output_patch *p, const uint64_t *val,
                           struct ns_patch_ctx *ctx);

void ns_output_begin(struct ns_output *o, FILE *out, const struct ns_args *args);
void ns_output_frame(struct ns_output *o, const struct ns_frame *f);
void ns_output_end(struct ns_output *o);

/* -G fields: one line per field, tshark's layout (F, title, abbrev, type, proto, display). */
void ns_output_field_list(FILE *out);

/* s as a JSON string: quotes and backslashes escaped, control characters as \u00XX. */
void ns_json_string(FILE *out, const char *s);

#endif
