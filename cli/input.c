#define _POSIX_C_SOURCE 200809L
#include "input.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

enum ns_status ns_input_open(struct ns_input *in, const char *path, struct ns_err *err)
{
    in->path = path;
    in->map = NULL;
    in->len = 0;
    in->fd = open(path, O_RDONLY);
    if (in->fd < 0)
        return ns_err_set(err, NS_STATUS_FORMAT, "%s", strerror(errno));
    struct stat st;
    if (fstat(in->fd, &st) != 0) {
        int e = errno;
        ns_input_close(in);
        return ns_err_set(err, NS_STATUS_FORMAT, "%s", strerror(e));
    }
    if (S_ISDIR(st.st_mode)) {
        ns_input_close(in);
        return ns_err_set(err, NS_STATUS_FORMAT, "is a directory");
    }
    if (!S_ISREG(st.st_mode)) {
        ns_input_close(in);
        return ns_err_set(err, NS_STATUS_FORMAT, "not a regular file (pipes are not supported yet)");
    }
    if (st.st_size > 0) {
        void *p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, in->fd, 0);
        if (p == MAP_FAILED) {
            int e = errno;
            ns_input_close(in);
            return ns_err_set(err, NS_STATUS_FORMAT, "cannot map the file: %s", strerror(e));
        }
        (void)posix_madvise(p, (size_t)st.st_size, POSIX_MADV_SEQUENTIAL);
        in->map = p;
        in->len = (size_t)st.st_size;
    }
    /* the mapping outlives the descriptor: a merge of thousands of files holds none */
    close(in->fd);
    in->fd = -1;
    ns_reader_init(&in->reader, in->map, in->len);
    enum ns_status s = ns_reader_open(&in->reader, err);
    if (s != NS_STATUS_OK)
        ns_input_close(in);
    return s;
}

void ns_input_close(struct ns_input *in)
{
    if (in->map != NULL)
        munmap((void *)in->map, in->len);
    if (in->fd >= 0)
        close(in->fd);
    in->map = NULL;
    in->len = 0;
    in->fd = -1;
}
