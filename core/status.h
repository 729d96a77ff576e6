/* core/status.h: the one status enum and the caller-owned error message.
 * Contract: every fallible call in dissectors/ and core/ returns enum ns_status and,
 *           where it can fail for a reason a person must read, fills a struct ns_err
 *           the caller owns. The message is written once, at the failure site.
 * Never:    prints, allocates, or reads a global. */
#ifndef NS_STATUS_H
#define NS_STATUS_H

#include <stdarg.h>
#include <stddef.h>

enum ns_status {
    NS_STATUS_OK = 0,
    NS_STATUS_END = 1,          /* no more records: not an error */
    NS_STATUS_MALFORMED = 2,    /* packet marked, dissection stopped: not an error */
    NS_STATUS_TRUNCATED = -1,   /* input ends inside a record */
    NS_STATUS_FORMAT = -2,      /* bytes violate the file format */
    NS_STATUS_CAP = -3,         /* a cap chosen at init refused the input */
    NS_STATUS_USAGE = -4,       /* the caller asked for something that does not exist */
};

struct ns_err {
    char msg[256];
};

/* Formats into err (if not NULL) and returns st, so a failure site is one statement. */
enum ns_status ns_err_set(struct ns_err *err, enum ns_status st, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

#endif
