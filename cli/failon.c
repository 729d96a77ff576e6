#define _POSIX_C_SOURCE 200809L
#include "failon.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const ops[] = { ">=", "<=", "==", "!=", ">", "<" };
#define NOPS (sizeof ops / sizeof ops[0])

static const char *const states[] = { "S0", "S1", "SF", "REJ", "S2", "S3", "RSTO", "RSTR",
                                      "RSTOS0", "RSTRH", "SH", "SHR", "OTH" };
#define NSTATES (sizeof states / sizeof states[0])

static const char *const kinds[] = { "", "syn_flood", "port_scan_vertical", "port_scan_horizontal" };

/* The counter called name after the run; false when there is none by that name. */
static bool counter(const struct ns_failon *f, const struct ns_engine *e, const char *name, double *v)
{
    uint64_t retrans = f->tcp_flag[NS_TCPA_BIT_RETRANSMISSION] +
                       f->tcp_flag[NS_TCPA_BIT_FAST_RETRANSMISSION] +
                       f->tcp_flag[NS_TCPA_BIT_SPURIOUS_RETRANSMISSION];
    uint64_t alerts = 0;
    for (unsigned k = 1; k < 4; k++)
        alerts += e != NULL ? e->anomaly.stats.alerts[k] : 0;
    if (strcmp(name, "packets") == 0) *v = e ? (double)e->stats.packets : 0;
    else if (strcmp(name, "bytes") == 0) *v = e ? (double)e->stats.bytes : 0;
    else if (strcmp(name, "malformed") == 0) *v = e ? (double)e->stats.malformed_frames : 0;
    else if (strcmp(name, "flows") == 0) *v = (double)f->flows;
    else if (strcmp(name, "alerts") == 0) *v = (double)alerts;
    else if (strcmp(name, "tcp.segments") == 0) *v = e ? (double)e->tcpa.stats.segments : 0;
    else if (strcmp(name, "tcp.retransmission") == 0) *v = (double)retrans;
    else if (strcmp(name, "tcp.retransmission.rate") == 0)
        *v = e && e->tcpa.stats.segments ? (double)retrans / (double)e->tcpa.stats.segments : 0;
    else {
        for (unsigned k = 1; k < 4; k++)
            if (strncmp(name, "alerts.", 7) == 0 && strcmp(name + 7, kinds[k]) == 0) {
                *v = e ? (double)e->anomaly.stats.alerts[k] : 0;
                return true;
            }
        for (unsigned b = 0; b < NS_TCPA_NFLAGS; b++)
            if (strncmp(name, "tcp.", 4) == 0 && strcmp(name + 4, ns_tcpa_flag_name(b)) == 0) {
                *v = (double)f->tcp_flag[b];
                return true;
            }
        for (unsigned s = 0; s < NSTATES; s++)
            if (strncmp(name, "flows.conn_state.", 17) == 0 && strcmp(name + 17, states[s]) == 0) {
                *v = (double)f->conn_state[s];
                return true;
            }
        return false;
    }
    return true;
}

int ns_failon_add(struct ns_failon *f, const char *text, struct ns_err *err)
{
    if (f->n >= NS_FAILON_MAX)
        return ns_err_set(err, NS_STATUS_USAGE, "--fail-on: at most %d expressions", NS_FAILON_MAX), -1;
    struct ns_failon_expr *x = &f->expr[f->n];
    snprintf(x->text, sizeof x->text, "%s", text);
    const char *p = text;
    while (*p == ' ')
        p++;
    size_t n = strcspn(p, " <>=!");
    if (n == 0 || n >= sizeof x->name)
        return ns_err_set(err, NS_STATUS_USAGE, "--fail-on '%s': expected NAME OP NUMBER", text), -1;
    memcpy(x->name, p, n);
    x->name[n] = '\0';
    p += n;
    while (*p == ' ')
        p++;
    x->op = -1;
    for (unsigned i = 0; i < NOPS && x->op < 0; i++)
        if (strncmp(p, ops[i], strlen(ops[i])) == 0) {
            x->op = (int)i;
            p += strlen(ops[i]);
        }
    char *end;
    x->value = strtod(p, &end);
    while (*end == ' ')
        end++;
    if (x->op < 0 || end == p || *end != '\0')
        return ns_err_set(err, NS_STATUS_USAGE, "--fail-on '%s': expected NAME OP NUMBER "
                          "(OP: > >= < <= == !=)", text), -1;
    double dummy;
    struct ns_failon probe = {0};
    if (!counter(&probe, NULL, x->name, &dummy))
        return ns_err_set(err, NS_STATUS_USAGE, "--fail-on '%s': unknown counter '%s' (docs/ci.md "
                          "lists them)", text, x->name), -1;
    f->n++;
    return 0;
}

void ns_failon_flow(struct ns_failon *f, const struct ns_flow *fl, const struct ns_tcpa_conn *tcp,
                    const struct ns_zeek *zeek)
{
    if (f->n == 0 || fl->key.proto == 0 || fl->frames[0] + fl->frames[1] == 0)
        return;
    f->flows++;
    if (tcp != NULL) {
        struct ns_tcpa_metrics m;
        ns_tcpa_conn_metrics(tcp, &m);
        for (unsigned b = 0; b < NS_TCPA_NFLAGS; b++)
            f->tcp_flag[b] += (uint64_t)m.count[0][b] + m.count[1][b];
    }
    if (zeek != NULL) {
        const char *st = ns_zeek_conn_state(zeek);
        for (unsigned s = 0; s < NSTATES; s++)
            if (strcmp(st, states[s]) == 0)
                f->conn_state[s]++;
    }
}

static bool holds(int op, double a, double b)
{
    switch (op) {
    case 0: return a >= b;
    case 1: return a <= b;
    case 2: return a == b;
    case 3: return a != b;
    case 4: return a > b;
    default: return a < b;
    }
}

static void xml_text(FILE *out, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '<': fputs("&lt;", out); break;
        case '>': fputs("&gt;", out); break;
        case '&': fputs("&amp;", out); break;
        case '"': fputs("&quot;", out); break;
        default: putc(*s, out);
        }
    }
}

int ns_failon_finish(struct ns_failon *f, const struct ns_engine *e, struct ns_err *err)
{
    double v[NS_FAILON_MAX];
    int failed = 0;
    for (unsigned i = 0; i < f->n; i++) {
        counter(f, e, f->expr[i].name, &v[i]);
        failed += holds(f->expr[i].op, v[i], f->expr[i].value);
    }
    if (f->junit == NULL)
        return failed;
    /* written under a temporary name and renamed: a CI server never reads half a report */
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.XXXXXX", f->junit);
    int fd = mkstemp(tmp);
    FILE *out = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (fd >= 0) {
        mode_t mask = umask(0);     /* mkstemp makes 0600: give the mode fopen would */
        umask(mask);
        (void)fchmod(fd, 0666 & ~mask);
    }
    if (out == NULL) {
        if (fd >= 0)
            close(fd);
        return ns_err_set(err, NS_STATUS_FORMAT, "%s: %s", f->junit, strerror(errno)), -1;
    }
    fprintf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n"
                 "  <testsuite name=\"netscope\" tests=\"%u\" failures=\"%d\" errors=\"0\">\n", f->n, failed);
    for (unsigned i = 0; i < f->n; i++) {
        fputs("    <testcase classname=\"netscope.fail-on\" name=\"", out);
        xml_text(out, f->expr[i].text);
        fputs("\">", out);
        if (holds(f->expr[i].op, v[i], f->expr[i].value)) {
            char msg[256];
            snprintf(msg, sizeof msg, "%s = %.6g, and %s holds", f->expr[i].name, v[i], f->expr[i].text);
            fputs("\n      <failure message=\"", out);
            xml_text(out, msg);
            fputs("\"/>\n    ", out);
        }
        fputs("</testcase>\n", out);
    }
    fputs("  </testsuite>\n</testsuites>\n", out);
    bool bad = ferror(out) != 0;
    bad |= fclose(out) != 0;
    if (bad || rename(tmp, f->junit) != 0) {
        int e2 = errno;
        unlink(tmp);
        return ns_err_set(err, NS_STATUS_FORMAT, "%s: %s", f->junit, strerror(e2)), -1;
    }
    return failed;
}
