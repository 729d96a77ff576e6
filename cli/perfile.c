/* cli/perfile.c: --per-file and --jobs (contract in perfile.h).
 * Why processes, not threads: the one-file path (main.c, the engine, the output modules)
 * keeps its state in statics and writes to stdout; a child per file runs it unchanged, so a
 * file's output is byte for byte what `netscope -r FILE` prints, whatever the job count. */
#define _POSIX_C_SOURCE 200809L
#include "perfile.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "flows_out.h"
#include "inputs.h"

struct job {
    const char *path;
    pid_t pid;
    int out_fd, err_fd, tot_fd;     /* unlinked temporary files, the totals pipe */
    bool started, done;
    int rc;
    struct ns_run_totals t;
    char msg[300];                  /* the file's last error line, for the summary */
};

/* The combined outputs: one per kind, the children's files gathered at the end. */
enum { OUT_FLOWS, OUT_EXPIRED, OUT_ALERTS, OUT_N };

static volatile sig_atomic_t stop;

static void on_stop(int sig)
{
    (void)sig;
    stop = 1;
}

static int tmp_fd(const char *dir)
{
    char name[4200];
    snprintf(name, sizeof name, "%s/std-XXXXXX", dir);
    int fd = mkstemp(name);
    if (fd >= 0)
        unlink(name);       /* nothing to clean up, whatever happens to us */
    return fd;
}

static void child_path(char *out, size_t cap, const char *dir, int kind, size_t i, const char *ext)
{
    static const char *const names[OUT_N] = { "flows", "expired", "alerts" };
    snprintf(out, cap, "%s/%s-%zu.%s", dir, names[kind], i, ext);
}

static const char *fmt_ext(enum ns_flows_format f)
{
    return f == NS_FLOWS_CSV ? "csv" : f == NS_FLOWS_JSON ? "json" : "jsonl";
}

/* Child: the one-file run with its outputs redirected; never returns. */
static void run_child(struct ns_args *a, ns_perfile_run_fn run, struct job *j, size_t i,
                      const char *dir, enum ns_flows_format ff, int tot_w)
{
    static char paths[OUT_N][4200];
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    if (dup2(j->out_fd, STDOUT_FILENO) < 0 || dup2(j->err_fd, STDERR_FILENO) < 0)
        _exit(2);
    a->files[0] = j->path;
    a->nfiles = 1;
    a->per_file = false;
    if (a->flows_path != NULL) {
        child_path(paths[OUT_FLOWS], sizeof paths[0], dir, OUT_FLOWS, i, fmt_ext(ff));
        a->flows_path = paths[OUT_FLOWS];
        a->flows_format = fmt_ext(ff);
    }
    if (a->expired_path != NULL) {
        child_path(paths[OUT_EXPIRED], sizeof paths[0], dir, OUT_EXPIRED, i, "jsonl");
        a->expired_path = paths[OUT_EXPIRED];
    }
    if (a->alerts_path != NULL) {
        child_path(paths[OUT_ALERTS], sizeof paths[0], dir, OUT_ALERTS, i, "jsonl");
        a->alerts_path = paths[OUT_ALERTS];
    }
    struct ns_run_totals t = {0};
    int rc = run(a, &t);
    fflush(stdout);
    fflush(stderr);
    if (write(tot_w, &t, sizeof t) != (ssize_t)sizeof t)
        rc = rc != 0 ? rc : 2;
    _exit(rc);
}

static int start(struct ns_args *a, ns_perfile_run_fn run, struct job *j, size_t i, const char *dir,
                 enum ns_flows_format ff)
{
    int p[2];
    j->out_fd = tmp_fd(dir);
    j->err_fd = tmp_fd(dir);
    if (j->out_fd < 0 || j->err_fd < 0 || pipe(p) != 0)
        return -1;
    /* what we printed so far must not be printed again by the child's copy of the buffer */
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) {
        close(p[0]);
        close(p[1]);
        return -1;
    }
    if (pid == 0) {
        close(p[0]);
        run_child(a, run, j, i, dir, ff, p[1]);
    }
    close(p[1]);
    j->pid = pid;
    j->tot_fd = p[0];
    j->started = true;
    return 0;
}

static void copy_fd(int fd, FILE *to, char *last, size_t last_cap)
{
    char buf[1 << 16];
    ssize_t n;
    /* the last line that starts "netscope: ", for the summary's status column */
    static char line[1024];
    size_t ll = 0;
    if (last != NULL)
        last[0] = '\0';
    lseek(fd, 0, SEEK_SET);
    while ((n = read(fd, buf, sizeof buf)) > 0) {
        fwrite(buf, 1, (size_t)n, to);
        for (ssize_t k = 0; last != NULL && k < n; k++) {
            if (buf[k] == '\n') {
                line[ll] = '\0';
                if (strncmp(line, "netscope: ", 10) == 0) {
                    size_t m = strlen(line + 10) < last_cap ? strlen(line + 10) : last_cap - 1;
                    memcpy(last, line + 10, m);
                    last[m] = '\0';
                }
                ll = 0;
            } else if (ll + 1 < sizeof line) {
                line[ll++] = buf[k];
            }
        }
    }
    close(fd);
}

/* A job's output, in its turn. */
static void print_job(struct job *j)
{
    copy_fd(j->out_fd, stdout, NULL, 0);
    fflush(stdout);
    copy_fd(j->err_fd, stderr, j->msg, sizeof j->msg);
    fflush(stderr);
    /* "PATH: what" -> "what": the file column already names it */
    size_t pl = strlen(j->path);
    if (strncmp(j->msg, j->path, pl) == 0 && strncmp(j->msg + pl, ": ", 2) == 0)
        memmove(j->msg, j->msg + pl + 2, strlen(j->msg + pl + 2) + 1);
}

static void json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c < 0x20)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

static void csv_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

/* One record of a child's file, with the file added in front. */
static void put_record(FILE *to, enum ns_flows_format fmt, const char *path, const char *rec,
                       size_t len, bool *first)
{
    if (fmt == NS_FLOWS_CSV) {
        csv_str(to, path);
        fputc(',', to);
        fwrite(rec, 1, len, to);
        fputs("\r\n", to);
        return;
    }
    if (len < 2 || rec[0] != '{')
        return;
    if (fmt == NS_FLOWS_JSON)
        fputs(*first ? "" : ",\n", to);
    fputs("{\"file\":", to);
    json_str(to, path);
    if (rec[1] != '}')
        fputc(',', to);
    fwrite(rec + 1, 1, len - 1, to);
    if (fmt == NS_FLOWS_JSONL)
        fputc('\n', to);
    *first = false;
}

/* Gathers the children's files of one kind into final (temporary name, then rename). */
static int combine(const char *final, enum ns_flows_format fmt, int kind, const struct job *jobs,
                   size_t n, const char *dir)
{
    char tmp[4200], part[4200];
    bool any = false;
    for (size_t i = 0; i < n && !any; i++) {
        child_path(part, sizeof part, dir, kind, i, fmt_ext(fmt));
        any = access(part, F_OK) == 0;
    }
    if (!any)
        return 0;       /* no file could be read: no file left behind, as with one file */
    snprintf(tmp, sizeof tmp, "%s.XXXXXX", final);
    int fd = mkstemp(tmp);
    FILE *to = fd >= 0 ? fdopen(fd, "wb") : NULL;
    if (to == NULL) {
        fprintf(stderr, "netscope: %s: %s\n", final, strerror(errno));
        if (fd >= 0) {
            close(fd);
            unlink(tmp);
        }
        return -1;
    }
    mode_t mask = umask(0);
    umask(mask);
    (void)fchmod(fd, 0666 & ~mask);
    bool header = false, first = true;
    if (fmt == NS_FLOWS_JSON)
        fputs("[\n", to);
    for (size_t i = 0; i < n; i++) {
        child_path(part, sizeof part, dir, kind, i, fmt_ext(fmt));
        FILE *in = fopen(part, "rb");
        if (in == NULL)
            continue;
        char *line = NULL;
        size_t cap = 0;
        ssize_t len;
        bool top = true;
        while ((len = getline(&line, &cap, in)) > 0) {
            /* CSV records end in CRLF, JSON records in "," before the newline */
            while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
                len--;
            if (fmt == NS_FLOWS_JSON && len > 0 && line[len - 1] == ',')
                len--;
            if (fmt == NS_FLOWS_CSV && top) {
                top = false;
                if (!header) {
                    fputs("file,", to);
                    fwrite(line, 1, (size_t)len, to);
                    fputs("\r\n", to);
                    header = true;
                }
                continue;
            }
            put_record(to, fmt, jobs[i].path, line, (size_t)len, &first);
        }
        free(line);
        fclose(in);
        unlink(part);
    }
    if (fmt == NS_FLOWS_JSON)
        fputs(first ? "]\n" : "\n]\n", to);
    bool ok = fflush(to) == 0 && !ferror(to) && fsync(fd) == 0;
    if (fclose(to) != 0)
        ok = false;
    if (!ok || rename(tmp, final) != 0) {
        fprintf(stderr, "netscope: %s: %s\n", final, strerror(errno ? errno : EIO));
        unlink(tmp);
        return -1;
    }
    return 0;
}

static void summary(FILE *f, const struct job *jobs, size_t n)
{
    struct ns_run_totals all = {0};
    size_t errors = 0;
    for (size_t i = 0; i < n; i++) {
        all.frames += jobs[i].t.frames;
        all.flows += jobs[i].t.flows;
        all.alerts += jobs[i].t.alerts;
        errors += jobs[i].rc != 0 && jobs[i].rc != 3;
    }
    fputs("================================================================================\n", f);
    fprintf(f, "Per-file summary: %zu file%s, %llu frames, %llu flows, %llu alerts, %zu error%s\n",
            n, n == 1 ? "" : "s", (unsigned long long)all.frames, (unsigned long long)all.flows,
            (unsigned long long)all.alerts, errors, errors == 1 ? "" : "s");
    fprintf(f, "%12s %10s %8s  %-8s %s\n", "Frames", "Flows", "Alerts", "Status", "File");
    for (size_t i = 0; i < n; i++) {
        const struct job *j = &jobs[i];
        const char *st = !j->done ? "not run" : j->rc == 0 ? "ok" : j->rc == 3 ? "fail-on"
                       : j->rc == 1 ? "usage" : "error";
        fprintf(f, "%12llu %10llu %8llu  %-8s %s", (unsigned long long)j->t.frames,
                (unsigned long long)j->t.flows, (unsigned long long)j->t.alerts, st, j->path);
        if (j->done && j->rc != 0 && j->rc != 3 && j->msg[0] != '\0')
            fprintf(f, ": %s", j->msg);
        fputc('\n', f);
    }
    fputs("================================================================================\n", f);
}

int ns_perfile_run(struct ns_args *a, ns_perfile_run_fn run)
{
    struct ns_err err = {{0}};
    struct ns_inputs_list list;
    if (ns_inputs_expand(a->files, a->nfiles, &list, &err) != 0) {
        fprintf(stderr, "netscope: %s\n", err.msg);
        return 2;
    }
    enum ns_flows_format ff = NS_FLOWS_CSV;
    if (a->flows_path != NULL && ns_flows_format_of(a->flows_path, a->flows_format, &ff, &err) != 0) {
        fprintf(stderr, "netscope: %s\n", err.msg);
        ns_inputs_list_free(&list);
        return 1;
    }
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    size_t jobs_max = a->jobs != 0 ? a->jobs : cpus > 0 ? (size_t)cpus : 1;
    const char *tmpdir = getenv("TMPDIR");
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/netscope-XXXXXX", tmpdir != NULL && tmpdir[0] ? tmpdir : "/tmp");
    struct job *jobs = calloc(list.n ? list.n : 1, sizeof *jobs);
    if (jobs == NULL || mkdtemp(dir) == NULL) {
        fprintf(stderr, "netscope: cannot make a temporary directory: %s\n", strerror(errno));
        free(jobs);
        ns_inputs_list_free(&list);
        return 2;
    }
    struct sigaction sa = {0};
    sa.sa_handler = on_stop;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    size_t n = list.n, next = 0, printed = 0, running = 0;
    int rc = 0;
    for (size_t i = 0; i < n; i++)
        jobs[i].path = list.files[i].path;
    while (printed < n) {
        /* a window ahead of the printing keeps the open temporary files bounded */
        while (!stop && running < jobs_max && next < n && next - printed < 256) {
            struct job *j = &jobs[next];
            if (list.files[next].err[0] != '\0') {
                /* named nothing readable: no child needed to say so */
                j->done = true;
                j->rc = 2;
                j->out_fd = tmp_fd(dir);
                j->err_fd = tmp_fd(dir);
                dprintf(j->err_fd, "netscope: %s: %s\n", j->path, list.files[next].err);
            } else if (start(a, run, j, next, dir, ff) != 0) {
                fprintf(stderr, "netscope: %s: cannot start a process: %s\n", j->path, strerror(errno));
                j->done = true;
                j->rc = 2;
                j->out_fd = j->err_fd = -1;
            } else {
                running++;
            }
            next++;
        }
        if (jobs[printed].done || printed >= next) {     /* done, or never started (stop) */
            struct job *j = &jobs[printed++];
            if (j->done && j->out_fd >= 0)
                print_job(j);
            if (j->rc == 2 || (rc != 2 && (j->rc == 3 || (rc == 0 && j->rc != 0))))
                rc = j->rc;
            continue;
        }
        int st;
        pid_t pid = waitpid(-1, &st, 0);
        if (pid < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        for (size_t i = 0; i < n; i++) {
            struct job *j = &jobs[i];
            if (!j->started || j->done || j->pid != pid)
                continue;
            j->done = true;
            running--;
            j->rc = WIFEXITED(st) ? WEXITSTATUS(st) : 2;
            if (read(j->tot_fd, &j->t, sizeof j->t) != (ssize_t)sizeof j->t)
                memset(&j->t, 0, sizeof j->t);
            close(j->tot_fd);
            if (WIFSIGNALED(st))
                dprintf(j->err_fd, "netscope: %s: the analysis died (signal %d)\n", j->path,
                        WTERMSIG(st));
        }
    }
    const char *finals[OUT_N] = { a->flows_path, a->expired_path, a->alerts_path };
    for (int k = 0; k < OUT_N; k++)
        if (finals[k] != NULL &&
            combine(finals[k], k == OUT_FLOWS ? ff : NS_FLOWS_JSONL, k, jobs, n, dir) != 0)
            rc = 2;
    rmdir(dir);
    /* machine-readable per-frame output stays machine-readable: the summary goes aside */
    bool aside = a->mode != NS_OUT_TEXT && !a->quiet;
    summary(aside ? stderr : stdout, jobs, n);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "netscope: error writing the output\n");
        rc = 2;
    }
    free(jobs);
    ns_inputs_list_free(&list);
    return rc;
}
