#define _POSIX_C_SOURCE 200809L
#include "rotate.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int ns_rotate_file(FILE **f, const char *path, struct ns_err *err)
{
    struct stat mine, there;
    bool ours = false;
    if (*f != NULL) {
        int fd = fileno(*f);
        bool bad = fflush(*f) != 0 || ferror(*f);
        /* complete on disk before it gets its final name */
        if (!bad && fstat(fd, &mine) == 0 && S_ISREG(mine.st_mode)) {
            fsync(fd);
            ours = stat(path, &there) == 0 && there.st_dev == mine.st_dev && there.st_ino == mine.st_ino;
        }
        int e = errno;
        if (fclose(*f) != 0 && !bad) {
            bad = true;
            e = errno;
        }
        *f = NULL;
        if (bad) {
            ns_err_set(err, NS_STATUS_FORMAT, "%s: write failed: %s", path, strerror(e));
            return -1;
        }
    }
    if (ours) {
        char name[4200], stamp[32];
        time_t now = time(NULL);
        struct tm tm;
        localtime_r(&now, &tm);
        strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
        snprintf(name, sizeof name, "%s-%s", path, stamp);
        for (unsigned n = 1; access(name, F_OK) == 0 && n < 1000; n++)
            snprintf(name, sizeof name, "%s-%s-%u", path, stamp, n);
        if (rename(path, name) != 0) {
            ns_err_set(err, NS_STATUS_FORMAT, "%s: cannot rename to %s: %s", path, name, strerror(errno));
            return -1;
        }
    }
    *f = fopen(path, "w");
    if (*f == NULL) {
        ns_err_set(err, NS_STATUS_FORMAT, "%s: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}
