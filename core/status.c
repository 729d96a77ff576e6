#include "status.h"

#include <stdio.h>

enum ns_status ns_err_set(struct ns_err *err, enum ns_status st, const char *fmt, ...)
{
    if (err != NULL) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
    }
    return st;
}
