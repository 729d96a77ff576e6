#include "alerts.h"
#include "rotate.h"

#include <errno.h>
#include <string.h>

bool ns_alerts_want(struct ns_alerts *a, const char *spec)
{
    if (strcmp(spec, "netscope,alerts") != 0)
        return false;
    a->want_table = true;
    return true;
}

int ns_alerts_open(struct ns_alerts *a, const char *path, struct ns_err *err)
{
    snprintf(a->path, sizeof a->path, "%s", path);
    a->f = fopen(path, "w");
    if (a->f == NULL) {
        ns_err_set(err, NS_STATUS_FORMAT, "%s: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

int ns_alerts_rotate(struct ns_alerts *a, struct ns_err *err)
{
    if (a->f == NULL)
        return 0;
    if (ns_rotate_file(&a->f, a->path, err) != 0) {
        a->failed = true;
        return -1;
    }
    return 0;
}

void ns_alerts_frame(struct ns_alerts *a, const struct ns_frame *f)
{
    for (unsigned k = 0; k < f->nalerts; k++) {
        const struct ns_alert *al = &f->alerts[k];
        if (a->f != NULL) {
            char buf[1024];
            size_t n = ns_alert_json(al, f->rec->number, buf, sizeof buf);
            /* one whole record at a time reaches the file */
            if (n == 0 || fwrite(buf, 1, n, a->f) != n || fflush(a->f) != 0)
                a->failed = true;
        }
        if (a->want_table)
            ns_alertlog_add(&a->log, al, f->rec->number);
    }
}

static void write_file(const char *line, size_t len, void *arg)
{
    fwrite(line, 1, len, arg);
}

void ns_alerts_print(const struct ns_alerts *a, FILE *out, int64_t first_ts_ns)
{
    if (a->want_table)
        ns_alertlog_write(&a->log, first_ts_ns, write_file, out);
}

void ns_alerts_free(struct ns_alerts *a)
{
    ns_alertlog_free(&a->log);
}

int ns_alerts_close(struct ns_alerts *a, struct ns_err *err)
{
    if (a->f == NULL)
        return 0;
    bool bad = a->failed || ferror(a->f);
    int e = errno;
    if (fclose(a->f) != 0 && !bad) {
        bad = true;
        e = errno;
    }
    a->f = NULL;
    if (bad) {
        ns_err_set(err, NS_STATUS_FORMAT, "%s: write failed: %s", a->path, strerror(e));
        return -1;
    }
    return 0;
}
