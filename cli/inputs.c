/* cli/inputs.c: expansion of -r arguments and the time-ordered merge (contract in inputs.h). */
#define _POSIX_C_SOURCE 200809L
#include "inputs.h"

#include <dirent.h>
#include <errno.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Room for element n of *arr (capacity *cap, elements of size elem), doubling from first:
 * 0, or -1 with *arr unchanged when memory ran out. */
static int make_room(void **arr, size_t *cap, size_t n, size_t elem, size_t first)
{
    if (n < *cap)
        return 0;
    size_t ncap = *cap ? *cap * 2 : first;
    void *p = realloc(*arr, ncap * elem);
    if (p == NULL)
        return -1;
    *arr = p;
    *cap = ncap;
    return 0;
}

/* ---- expansion ---- */

static int add_file(struct ns_inputs_list *l, const char *path, const char *why)
{
    void *files = l->files;
    int grown = make_room(&files, &l->cap, l->n, sizeof *l->files, 16);
    l->files = files;
    if (grown != 0)
        return -1;
    struct ns_inputs_file *f = &l->files[l->n];
    f->path = strdup(path);
    if (f->path == NULL)
        return -1;
    snprintf(f->err, sizeof f->err, "%s", why != NULL ? why : "");
    l->n++;
    return 0;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool capture_name(const char *name)
{
    const char *dot = strrchr(name, '.');
    return name[0] != '.' && dot != NULL &&
           (strcmp(dot, ".pcap") == 0 || strcmp(dot, ".pcapng") == 0 || strcmp(dot, ".cap") == 0);
}

/* A directory: its capture files by name. Subdirectories are not entered. */
static int add_dir(struct ns_inputs_list *l, const char *dir)
{
    DIR *d = opendir(dir);
    if (d == NULL) {
        char why[200];
        snprintf(why, sizeof why, "cannot list the directory: %s", strerror(errno));
        return add_file(l, dir, why);
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    int rc = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (!capture_name(e->d_name))
            continue;
        size_t len = strlen(dir) + strlen(e->d_name) + 2;
        char *p = malloc(len);
        if (p == NULL || (n == cap && (cap = cap ? cap * 2 : 64,
                                       names = realloc(names, cap * sizeof *names)) == NULL)) {
            free(p);
            rc = -1;
            break;
        }
        snprintf(p, len, "%s%s%s", dir, dir[strlen(dir) - 1] == '/' ? "" : "/", e->d_name);
        struct stat st;
        if (stat(p, &st) != 0 || S_ISDIR(st.st_mode)) {
            free(p);
            continue;
        }
        names[n++] = p;
    }
    closedir(d);
    if (rc == 0 && n == 0)
        rc = add_file(l, dir, "no capture files (*.pcap, *.pcapng, *.cap) in this directory");
    if (n > 0)                  /* names is NULL then, which qsort may not be given */
        qsort(names, n, sizeof *names, by_name);
    for (size_t i = 0; i < n; i++) {
        if (rc == 0)
            rc = add_file(l, names[i], NULL);
        free(names[i]);
    }
    free(names);
    return rc;
}

int ns_inputs_expand(const char *const *args, size_t nargs, struct ns_inputs_list *out,
                     struct ns_err *err)
{
    *out = (struct ns_inputs_list){0};
    for (size_t i = 0; i < nargs; i++) {
        const char *a = args[i];
        struct stat st;
        int rc;
        if (stat(a, &st) == 0) {
            rc = S_ISDIR(st.st_mode) ? add_dir(out, a) : add_file(out, a, NULL);
        } else if (strpbrk(a, "*?[") == NULL) {
            rc = add_file(out, a, NULL);        /* opening it says what is wrong */
        } else {
            glob_t g;
            int gr = glob(a, GLOB_NOSORT, NULL, &g);
            if (gr == GLOB_NOSPACE) {
                rc = -1;
            } else if (gr != 0 || g.gl_pathc == 0) {
                rc = add_file(out, a, "no file matches this pattern");
            } else {
                /* strcmp, not the locale's collation: the same order everywhere */
                qsort(g.gl_pathv, g.gl_pathc, sizeof g.gl_pathv[0], by_name);
                rc = 0;
                for (size_t k = 0; k < g.gl_pathc && rc == 0; k++)
                    rc = stat(g.gl_pathv[k], &st) == 0 && S_ISDIR(st.st_mode)
                             ? add_dir(out, g.gl_pathv[k]) : add_file(out, g.gl_pathv[k], NULL);
            }
            if (gr == 0 || gr == GLOB_NOMATCH)
                globfree(&g);
        }
        if (rc != 0) {
            ns_inputs_list_free(out);
            return ns_err_set(err, NS_STATUS_CAP, "out of memory listing the input files"), -1;
        }
    }
    return 0;
}

void ns_inputs_list_free(struct ns_inputs_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->files[i].path);
    free(l->files);
    *l = (struct ns_inputs_list){0};
}

/* ---- interfaces ---- */

struct if_desc {
    uint32_t linktype, snaplen;
    uint8_t tsres, tsres_pow2;
    int64_t tsoffset_s;
    uint8_t opts[512];          /* the compared options, code and length little-endian */
    size_t nopts;
};

/* What mergecap compares of two interfaces (is_duplicate_idb): a pcap file's one interface
 * has its header's link type and snaplen, micro- or nanoseconds, and no options. */
static void describe(const struct ns_reader *r, uint32_t g, struct if_desc *d)
{
    memset(d, 0, sizeof *d);
    if (r->format != NS_FORMAT_PCAPNG) {
        d->linktype = r->linktype;
        d->snaplen = r->snaplen;
        d->tsres = r->nsec ? 9 : 6;
        return;
    }
    const struct ns_reader_if *i = &r->ifs[g];
    d->linktype = i->linktype;
    d->snaplen = i->snaplen;
    d->tsres = i->tsres;
    d->tsres_pow2 = i->tsres_pow2;
    d->tsoffset_s = i->tsoffset_s;
    struct ns_reader_opts it;
    struct ns_reader_opt opt;
    ns_reader_if_opts(r, g, &it);
    while (ns_reader_opt_next(&it, &opt)) {
        /* comment 1, name 2, description 3, speed 8, os 12, fcslen 13 */
        uint16_t code = opt.code;
        bool kept = code == 1 || code == 2 || code == 3 || code == 8 || code == 12 || code == 13;
        if (kept && d->nopts + 4 + opt.len <= sizeof d->opts) {
            uint8_t *o = d->opts + d->nopts;
            o[0] = (uint8_t)code, o[1] = (uint8_t)(code >> 8);
            o[2] = (uint8_t)opt.len, o[3] = (uint8_t)(opt.len >> 8);
            memcpy(o + 4, opt.val, opt.len);
            d->nopts += 4 + opt.len;
        }
    }
}

static bool same_if(const struct ns_reader *ra, uint32_t ga, const struct ns_reader *rb, uint32_t gb)
{
    static struct if_desc a, b;     /* 1 KiB: off the stack; the merge runs in one thread */
    describe(ra, ga, &a);
    describe(rb, gb, &b);
    return a.linktype == b.linktype && a.snaplen == b.snaplen && a.tsres == b.tsres &&
           a.tsres_pow2 == b.tsres_pow2 && a.tsoffset_s == b.tsoffset_s && a.nopts == b.nopts &&
           memcmp(a.opts, b.opts, a.nopts) == 0;
}

static uint32_t nif_of(const struct ns_reader *r)
{
    return r->format == NS_FORMAT_PCAPNG ? r->nif : 1;
}

/* Output id for s's interface key g, described by its interface desc (over all sections). */
static int add_iface(struct ns_merge *m, struct ns_merge_src *s, uint32_t g, uint32_t desc)
{
    void *ifs = m->ifs;
    int grown = make_room(&ifs, &m->cap_ifs, m->nifs, sizeof *m->ifs, 64);
    m->ifs = ifs;
    if (grown != 0)
        return -1;
    m->ifs[m->nifs] = (struct ns_writer_iface){ &s->in->reader, desc };
    s->out[g] = m->nifs++;
    return 0;
}

const struct ns_writer_iface *ns_merge_iface(void *merge, uint32_t id)
{
    const struct ns_merge *m = merge;
    return id < m->nifs ? &m->ifs[id] : NULL;
}

/* ---- the merge ---- */

/* Reads the next record of s into its head; the status of the read. */
static enum ns_status advance(struct ns_merge_src *s, struct ns_err *err)
{
    enum ns_status st = ns_reader_next(&s->in->reader, &s->head, err);
    s->live = st == NS_STATUS_OK;
    if (s->live) {
        /* mergecap 4.0 maps a record by its id within its section, whatever the section */
        const struct ns_reader *r = &s->in->reader;
        s->head_g = s->head.interface_id >= 0 ? (uint32_t)s->head.interface_id : 0;
        s->head_desc = r->format == NS_FORMAT_PCAPNG ? r->section_first_if + s->head_g : 0;
    }
    return st;
}

/* mergecap's order: a record without a time stamp first (the lowest file), then the
 * earliest time stamp, and of equal ones the highest file. */
static bool before(const struct ns_merge *m, size_t a, size_t b)
{
    const struct ns_rec *ra = &m->src[a].head, *rb = &m->src[b].head;
    if (!ra->has_ts || !rb->has_ts)
        return !ra->has_ts && (rb->has_ts || a < b);
    if (ra->ts_ns != rb->ts_ns)
        return ra->ts_ns < rb->ts_ns;
    return a > b;
}

static void sift_down(struct ns_merge *m, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, best = i;
        if (l < m->nheap && before(m, m->heap[l], m->heap[best]))
            best = l;
        if (r < m->nheap && before(m, m->heap[r], m->heap[best]))
            best = r;
        if (best == i)
            return;
        size_t t = m->heap[i];
        m->heap[i] = m->heap[best];
        m->heap[best] = t;
        i = best;
    }
}

enum ns_status ns_merge_open(struct ns_merge *m, const struct ns_inputs_list *l, struct ns_err *err)
{
    *m = (struct ns_merge){0};
    m->src = calloc(l->n ? l->n : 1, sizeof *m->src);
    m->heap = calloc(l->n ? l->n : 1, sizeof *m->heap);
    if (m->src == NULL || m->heap == NULL)
        goto oom;
    m->n = l->n;
    size_t readable = 0;
    for (size_t i = 0; i < l->n; i++) {
        struct ns_merge_src *s = &m->src[i];
        s->path = l->files[i].path;
        if (l->files[i].err[0] != '\0') {
            s->failed = true;
            ns_err_set(&s->err, NS_STATUS_FORMAT, "%s", l->files[i].err);
            continue;
        }
        s->in = malloc(sizeof *s->in);     /* the reader's interface table: ~160 KiB */
        if (s->in == NULL)
            goto oom;
        if (ns_input_open(s->in, s->path, &s->err) != NS_STATUS_OK) {
            s->failed = true;
            free(s->in);
            s->in = NULL;
            continue;
        }
        /* the first record: pcapng interfaces are known once the blocks before it are read */
        enum ns_status st = advance(s, &s->err);
        if (st < 0) {
            s->failed = true;
            ns_input_close(s->in);
            free(s->in);
            s->in = NULL;
            continue;
        }
        s->nif0 = nif_of(&s->in->reader);
        s->out = malloc(NS_READER_MAX_IF * sizeof *s->out);
        if (s->out == NULL)
            goto oom;
        memset(s->out, 0xFF, NS_READER_MAX_IF * sizeof *s->out);
        readable++;
    }
    m->single = readable == 1 && l->n == 1;
    /* mergecap -I all: one set of interfaces if every file has the same ones */
    const struct ns_merge_src *first = NULL;
    bool same = true;
    for (size_t i = 0; i < m->n && same; i++) {
        const struct ns_merge_src *s = &m->src[i];
        if (s->failed)
            continue;
        if (first == NULL) {
            first = s;
            continue;
        }
        same = s->nif0 == first->nif0;
        for (uint32_t g = 0; same && g < s->nif0; g++)
            same = same_if(&first->in->reader, g, &s->in->reader, g);
    }
    for (size_t i = 0; i < m->n; i++) {
        struct ns_merge_src *s = &m->src[i];
        if (s->failed)
            continue;
        for (uint32_t g = 0; g < s->nif0; g++) {
            if (same && s != first)
                s->out[g] = g;
            else if (add_iface(m, s, g, g) != 0)
                goto oom;
        }
        if (s->live)
            m->heap[m->nheap++] = i;
    }
    for (size_t i = m->nheap; i-- > 0;)
        sift_down(m, i);
    return NS_STATUS_OK;
oom:
    ns_merge_close(m);
    return ns_err_set(err, NS_STATUS_CAP, "out of memory opening the input files");
}

enum ns_status ns_merge_next(struct ns_merge *m, struct ns_rec *rec, const struct ns_reader **from,
                             size_t *file, struct ns_err *err)
{
    /* The file of the record returned last reads its next one only now: until then its
     * reader describes that record (the writer reads the current pcapng section from it). */
    if (m->advance) {
        m->advance = false;
        struct ns_merge_src *s = &m->src[m->heap[0]];
        enum ns_status st = advance(s, err);
        if (!s->live)
            m->heap[0] = m->heap[--m->nheap];
        if (m->nheap > 1)       /* one input (the usual run) has no order to restore */
            sift_down(m, 0);
        if (st < 0) {
            s->damaged = true;
            s->err = *err;
            *file = (size_t)(s - m->src);
            return st;
        }
    }
    if (m->nheap == 0)
        return NS_STATUS_END;
    size_t i = m->heap[0];
    struct ns_merge_src *s = &m->src[i];
    *rec = s->head;
    *from = &s->in->reader;
    *file = i;
    m->advance = true;
    s->frames++;
    if (!m->single) {
        rec->number = ++m->number;
        /* an interface first seen after the first record gets the next output id; a custom
         * block belongs to no interface */
        uint32_t g = s->head_g;
        if (rec->kind == NS_REC_PACKET) {
            if (g < NS_READER_MAX_IF && s->out[g] == UINT32_MAX && add_iface(m, s, g, s->head_desc) != 0)
                return ns_err_set(err, NS_STATUS_CAP, "out of memory for the interface table");
            rec->interface_id = g < NS_READER_MAX_IF ? (int32_t)s->out[g] : 0;
        }
    }
    return NS_STATUS_OK;
}

void ns_merge_close(struct ns_merge *m)
{
    for (size_t i = 0; m->src != NULL && i < m->n; i++) {
        if (m->src[i].in != NULL) {
            ns_input_close(m->src[i].in);
            free(m->src[i].in);
        }
        free(m->src[i].out);
    }
    free(m->src);
    free(m->heap);
    free(m->ifs);
    *m = (struct ns_merge){0};
}

void ns_merge_progress(const struct ns_merge *m, uint64_t *done, uint64_t *total)
{
    *done = *total = 0;
    for (size_t i = 0; i < m->n; i++) {
        const struct ns_input *in = m->src[i].in;
        if (m->src[i].failed || in == NULL)
            continue;
        *done += in->reader.off;
        *total += in->reader.len;
    }
}
