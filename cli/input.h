/* cli/input.h: a capture file mapped into memory for the reader.
 * The file is mmap'd read-only (pages come from the page cache, not the heap); an empty
 * file or one that cannot be mapped is read into nothing and left to the reader to judge.
 * The descriptor is closed once the file is mapped (fd is then -1): many inputs can be open. */
#ifndef NS_CLI_INPUT_H
#define NS_CLI_INPUT_H

#include <stddef.h>
#include <stdint.h>

#include "../core/reader.h"
#include "../core/status.h"

struct ns_input {
    const char *path;
    const uint8_t *map;
    size_t len;
    int fd;
    struct ns_reader reader;
};

/* Opens, maps and reads the file header. On failure err holds "what is wrong" (without the
 * file name) and the input is closed. */
enum ns_status ns_input_open(struct ns_input *in, const char *path, struct ns_err *err);
void ns_input_close(struct ns_input *in);

#endif
