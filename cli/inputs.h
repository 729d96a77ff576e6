/* cli/inputs.h: several capture files read as one stream (docs/inputs.md).
 * In:     the -r arguments: files, directories (their *.pcap, *.pcapng, *.cap files, sorted
 *         by name with strcmp, not recursive) and glob patterns netscope expands itself
 *         (matches sorted the same way; quote them so the shell does not).
 * Out:    ns_merge_next(): one record at a time, in mergecap 4.0's order: the earliest time
 *         stamp first; of equal time stamps the file given later first (mergecap keeps the
 *         last of equal candidates); a record without a time stamp (pcapng SPB) at once.
 *         Frame numbers run on across files. Interface ids are what mergecap -w writes
 *         (its default IDB mode "all"): when every file has the same interfaces (count, link
 *         type, snaplen, time resolution and offset, name, description, os, comment, speed,
 *         FCS length) the first file's ids, otherwise file i's interface j becomes the count
 *         of the earlier files' interfaces plus j. A pcap file has one interface. One
 *         readable file alone is passed through untouched (exactly -r FILE).
 * Owns:   the file list and one mapped input per file (heap), all open until ns_merge_close:
 *         a file's descriptor is closed once it is mapped, so a corpus needs no descriptors.
 * Errors: values. A file that cannot be opened, or whose first record cannot be read, is
 *         marked failed with its sentence and left out; the others are merged. A file damaged
 *         in the middle ends there: ns_merge_next returns that error once, naming the file
 *         by index, and the next call goes on with the others.
 * Never:  prints; reorders records of one file (a file out of time order stays as it is,
 *         as with mergecap). */
#ifndef NS_CLI_INPUTS_H
#define NS_CLI_INPUTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/reader.h"
#include "../core/status.h"
#include "input.h"
#include "writer.h"

/* The expanded list of files; an entry whose argument named nothing readable keeps the
 * sentence saying so (err[0] != 0) so it is reported in its turn. */
struct ns_inputs_file {
    char *path;
    char err[256];
};

struct ns_inputs_list {
    struct ns_inputs_file *files;
    size_t n, cap;
};

/* Expands args (see above). -1 with err filled only when out of memory. */
int ns_inputs_expand(const char *const *args, size_t nargs, struct ns_inputs_list *out,
                     struct ns_err *err);
void ns_inputs_list_free(struct ns_inputs_list *l);

struct ns_merge_src {
    const char *path;
    bool failed;                /* could not be opened or primed: err says why */
    bool live;                  /* head holds this file's next record */
    bool damaged;               /* ended by an error after some records: err says why */
    struct ns_err err;
    struct ns_input *in;
    struct ns_rec head;
    uint32_t head_g;            /* head's interface id within its section (mergecap's key) */
    uint32_t head_desc;         /* the same interface counted over all sections */
    uint32_t nif0;              /* interfaces known before the first record */
    uint32_t *out;              /* output id per in-section interface id; UINT32_MAX unknown */
    uint64_t frames;            /* records returned from this file */
};

struct ns_merge {
    struct ns_merge_src *src;
    size_t n;
    size_t *heap;               /* indexes of live sources, earliest head first */
    size_t nheap;
    bool single;                /* one readable file: records pass untouched */
    uint64_t number;            /* frames returned */
    bool advance;               /* src[heap[0]]'s head was returned: read its next record */
    struct ns_writer_iface *ifs;    /* output interface id -> (reader, interface) */
    uint32_t nifs;
    size_t cap_ifs;
};

/* Opens every file of l and reads its first record. Failed files are marked (src[i].failed,
 * src[i].err); the return is NS_STATUS_OK unless memory ran out. */
enum ns_status ns_merge_open(struct ns_merge *m, const struct ns_inputs_list *l, struct ns_err *err);

/* The next record of the merged stream: NS_STATUS_OK with *rec, *from (the reader it came
 * from, for the writer) and *file (its index in the list); NS_STATUS_END when every file is
 * done; an error of file *file (err without the file name), after which reading goes on. */
enum ns_status ns_merge_next(struct ns_merge *m, struct ns_rec *rec, const struct ns_reader **from,
                             size_t *file, struct ns_err *err);

/* The writer's view of the output interfaces (ns_writer_use_ifaces); NULL past the end. */
const struct ns_writer_iface *ns_merge_iface(void *merge, uint32_t id);

/* Bytes read so far and in all, over every readable file (the progress bar). */
void ns_merge_progress(const struct ns_merge *m, uint64_t *done, uint64_t *total);

void ns_merge_close(struct ns_merge *m);

#endif
