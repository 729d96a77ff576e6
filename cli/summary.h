/* cli/summary.h: the one-line-per-frame text tshark prints by default
 * (No., Time, Source, Destination, Protocol, Length, Info). The Info column is netscope's
 * own short description, not tshark's (docs/design.md). */
#ifndef NS_CLI_SUMMARY_H
#define NS_CLI_SUMMARY_H

#include <stdio.h>

#include "../core/fields.h"

void ns_summary_line(FILE *out, const struct ns_frame *f);

#endif
