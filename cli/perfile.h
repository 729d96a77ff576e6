/* cli/perfile.h: --per-file: each input file analysed on its own, in parallel (--jobs N).
 * How:    one child process per file (fork): the child runs the normal one-file path with
 *         stdout and stderr sent to unlinked temporary files and --flows/--alerts/
 *         --expired-flows to files in a private temporary directory; the parent runs at most
 *         N children at once, prints each file's output in the order given as soon as every
 *         earlier file is printed, and so the bytes never depend on N or on timing.
 * Out:    each file's stdout then its stderr, in input order; then a combined summary
 *         (files, frames, flows, alerts, status per file): on stdout, or on stderr when the
 *         per-frame output is -T fields/json/ek (it stays machine-readable). --flows FILE,
 *         --alerts FILE and --expired-flows FILE become one file with a leading "file"
 *         column/key, written under a temporary name and renamed when complete.
 * Exit:   2 if any file could not be read (wholly or in part) or a child died; else 3 if a
 *         --fail-on expression held for some file; else 1 if a child reported a usage error;
 *         else 0.
 * Never:  mixes two files' state: each child starts from the parsed arguments only. */
#ifndef NS_CLI_PERFILE_H
#define NS_CLI_PERFILE_H

#include <stdint.h>

#include "args.h"

struct ns_run_totals {
    uint64_t frames, flows, alerts;
};

/* The one-file run main.c performs; a->files holds one file when called from here. */
typedef int (*ns_perfile_run_fn)(struct ns_args *a, struct ns_run_totals *tot);

/* Expands a->files (cli/inputs.h), runs each file through run in a child, prints; returns
 * the exit status above. */
int ns_perfile_run(struct ns_args *a, ns_perfile_run_fn run);

#endif
