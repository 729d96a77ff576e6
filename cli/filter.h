/* cli/filter.h: -Y display filters, a subset of tshark 4.0's language over the field
 * registry (docs/filter.md has the grammar and the semantics).
 * In:     the filter text, once; then frames from the engine.
 * Out:    ns_filter_compile() gives a compiled filter, or NULL and a one-line message
 *         "column N: what is wrong" in err (N counts bytes from 1). ns_filter_match()
 *         says whether a frame passes.
 * Owns:   one allocation made by compile (nodes, literals, string bytes), freed by
 *         ns_filter_free(); ns_filter_match() allocates nothing and keeps no state, so one
 *         compiled filter may be shared by threads.
 * Why cli/: only the command filters frames (the plugin has Wireshark's own engine), and
 *         compiling allocates; core/ stays free of the parser and its messages.
 * Never:  prints, reads a global. */
#ifndef NS_CLI_FILTER_H
#define NS_CLI_FILTER_H

#include <stdbool.h>

#include "../core/fields.h"
#include "../core/status.h"

/* Nesting of parentheses and 'not' allowed, so evaluation recursion stays bounded. */
#define NS_FILTER_MAX_DEPTH 64
/* Occurrences of one field a comparison looks at (the rest are ignored). */
#define NS_FILTER_MAX_OCC 256

struct ns_filter;

/* An empty (or blank) text compiles to a filter that passes every frame, as tshark -Y "". */
struct ns_filter *ns_filter_compile(const char *text, struct ns_err *err);
bool ns_filter_match(const struct ns_filter *flt, const struct ns_frame *f);
void ns_filter_free(struct ns_filter *flt);

#endif
