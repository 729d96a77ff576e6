/* cli/rotate.h: SIGHUP for the JSON Lines outputs (--alerts, --expired-flows): the file
 * being written is closed complete and renamed FILE-YYYYmmdd-HHMMSS (local time of the
 * rotation; -N appended when that name exists), logrotate's dateext naming, and a new FILE
 * is opened. When FILE no longer is the file being written (logrotate already moved or
 * removed it: its "create" + postrotate "kill -HUP" setup), it is only closed and FILE
 * opened afresh, so both ways of rotating work.
 * Errors: values, one sentence in err. */
#ifndef NS_CLI_ROTATE_H
#define NS_CLI_ROTATE_H

#include <stdio.h>

#include "../core/status.h"

/* Closes *f (flushed, fsync'd), moves path aside as above unless someone moved it already,
 * and opens path again into *f. 0, or -1 with err (then *f may be NULL). */
int ns_rotate_file(FILE **f, const char *path, struct ns_err *err);

#endif
