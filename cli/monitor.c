#define _POSIX_C_SOURCE 200809L
#include "monitor.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define PUBLISH_NS 100000000    /* the served snapshot is at most 0.1 s old while packets flow */
#define FILE_CLOCK_EVERY 256    /* files: read the clock every this many frames */

int ns_monitor_option(struct ns_monitor_cfg *cfg, int argc, char **argv, int *i, struct ns_err *err)
{
    const char *arg = argv[*i];
    if (strcmp(arg, "--no-progress") == 0) {
        cfg->no_progress = true;
        return 1;
    }
    bool si = strcmp(arg, "--stats-interval") == 0, sf = strcmp(arg, "--stats-file") == 0,
         ml = strcmp(arg, "--metrics-listen") == 0;
    if (!si && !sf && !ml)
        return 0;
    if (*i + 1 >= argc)
        return ns_err_set(err, NS_STATUS_USAGE, "option %s requires an argument", arg), -1;
    const char *v = argv[++*i];
    if (si) {
        char *end;
        double d = strtod(v, &end);
        if (*end != '\0' || v[0] == '\0' || !(d >= 0.001) || d > 1e7)
            return ns_err_set(err, NS_STATUS_USAGE, "%s %s: expected seconds >= 0.001", arg, v), -1;
        cfg->stats_interval = d;
    } else if (sf) {
        cfg->stats_file = v;
    } else {
        cfg->metrics_listen = v;
    }
    return 1;
}

static int64_t clock_ns(clockid_t c)
{
    struct timespec ts;
    clock_gettime(c, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int ns_monitor_open(struct ns_monitor *m, const struct ns_monitor_cfg *cfg, bool live,
                    bool frames_to_tty, enum ns_status *status, struct ns_err *err)
{
    memset(m, 0, sizeof *m);
    m->wall = live;
    ns_progress_init(&m->prog, NULL);
    if (cfg->stats_interval > 0) {
        if (ns_periodic_open(&m->per, cfg->stats_interval, cfg->stats_file, err) != 0) {
            *status = NS_STATUS_FORMAT;
            return -1;
        }
        m->periodic_on = true;
        if (live)
            ns_periodic_start(&m->per, clock_ns(CLOCK_REALTIME));
    }
    if (cfg->metrics_listen != NULL) {
        m->srv = ns_metrics_start(cfg->metrics_listen, status, err);
        if (m->srv == NULL)
            return -1;
    }
    /* the bar shares stderr with nothing that prints as the run goes: not with frames on
     * the same terminal, not with interval records on stderr */
    bool stats_on_stderr = m->periodic_on && cfg->stats_file == NULL;
    if (!live && !cfg->no_progress && !frames_to_tty && !stats_on_stderr && isatty(STDERR_FILENO))
        ns_progress_init(&m->prog, stderr);
    *status = NS_STATUS_OK;
    return 0;
}

void ns_monitor_source(struct ns_monitor *m, const struct ns_merge *files, struct ns_live *l,
                       const struct ns_writer *w)
{
    m->files = files;
    m->live = l;
    m->writer = w;
}

/* The counters now; fin: the capture's final counters once it is closed. */
static void fill_with(struct ns_monitor *m, const struct ns_engine *e, const struct ns_live_stats *fin)
{
    if (m->live != NULL) {
        ns_live_counters(m->live, &m->lst);
        fin = &m->lst;
    }
    ns_metrics_fill(&m->snap, e, fin);
    m->snap.last_ts_ns = m->last_ts_ns;
    if (m->writer != NULL && m->writer->cfg.path != NULL) {
        m->snap.written_packets = m->writer->packets;
        m->snap.written_bytes = m->writer->bytes;
        m->snap.written_files = m->writer->files_done;
    }
}

static void fill(struct ns_monitor *m, const struct ns_engine *e)
{
    fill_with(m, e, NULL);
}

void ns_monitor_rec(struct ns_monitor *m, const struct ns_engine *e, const struct ns_rec *rec)
{
    if (!m->periodic_on)
        return;
    int64_t now;
    if (m->wall) {
        now = clock_ns(CLOCK_REALTIME);
    } else {
        if (!rec->has_ts)
            return;
        now = rec->ts_ns;
        if (!m->per.started) {
            ns_periodic_start(&m->per, now);
            return;
        }
    }
    if (now >= m->per.next_ns) {
        fill(m, e);
        ns_periodic_advance(&m->per, &m->snap, now);
    }
}

static void publish(struct ns_monitor *m, const struct ns_engine *e, int64_t mono)
{
    if (m->srv != NULL && mono >= m->next_pub_ns) {
        m->next_pub_ns = mono + PUBLISH_NS;
        fill(m, e);
        ns_metrics_publish(m->srv, &m->snap);
    }
}

void ns_monitor_frame(struct ns_monitor *m, const struct ns_engine *e, const struct ns_frame *f)
{
    if (f->rec->has_ts)
        m->last_ts_ns = f->rec->ts_ns;
    if (m->periodic_on)
        ns_periodic_frame(&m->per, f);
    if (m->srv == NULL && m->prog.out == NULL)
        return;
    if (m->live == NULL && e->stats.frames % FILE_CLOCK_EVERY != 1)
        return;
    int64_t mono = clock_ns(CLOCK_MONOTONIC);
    publish(m, e, mono);
    if (m->files != NULL) {
        uint64_t done, total;
        ns_merge_progress(m->files, &done, &total);
        ns_progress_update(&m->prog, mono, done, total, e->stats.packets);
    }
}

void ns_monitor_idle(struct ns_monitor *m, const struct ns_engine *e)
{
    if (m->periodic_on && m->wall) {
        int64_t now = clock_ns(CLOCK_REALTIME);
        if (now >= m->per.next_ns) {
            fill(m, e);
            ns_periodic_advance(&m->per, &m->snap, now);
        }
    }
    publish(m, e, clock_ns(CLOCK_MONOTONIC));
}

int ns_monitor_close(struct ns_monitor *m, const struct ns_engine *e, const struct ns_live_stats *live,
                     struct ns_err *err)
{
    ns_progress_end(&m->prog);
    m->live = NULL;             /* closed by now: its last counters are in live */
    fill_with(m, e, live);
    if (m->srv != NULL) {
        ns_metrics_publish(m->srv, &m->snap);
        ns_metrics_stop(m->srv);
        m->srv = NULL;
    }
    int rc = 0;
    if (m->periodic_on) {
        int64_t end = m->wall ? clock_ns(CLOCK_REALTIME) : m->last_ts_ns;
        rc = ns_periodic_close(&m->per, &m->snap, end, err);
        m->periodic_on = false;
    }
    return rc;
}
