/* cli/output.h: per-frame writers for -T fields, json, ek and text.
 * Each writer formats into stdio's buffer of `out`; nothing is allocated per frame.
 * ns_output_begin/end write what goes before the first and after the last frame. */
#ifndef NS_CLI_OUTPUT_H
#define NS_CLI_OUTPUT_H

#include <stdio.h>

#include "../core/fields.h"
#include "args.h"

struct ns_output {
    FILE *out;
    const struct ns_args *args;
    unsigned long long frames;   /* frames written so far */
};

void ns_output_begin(struct ns_output *o, FILE *out, const struct ns_args *args);
void ns_output_frame(struct ns_output *o, const struct ns_frame *f);
void ns_output_end(struct ns_output *o);

/* -G fields: one line per field, tshark's layout (F, title, abbrev, type, proto, display). */
void ns_output_field_list(FILE *out);

/* s as a JSON string: quotes and backslashes escaped, control characters as \u00XX. */
void ns_json_string(FILE *out, const char *s);

#endif
