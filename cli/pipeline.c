/* cli/pipeline.c: --threads N (contract in pipeline.h, design in docs/threads.md). */
#define _POSIX_C_SOURCE 200809L
#include "pipeline.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pipeline_int.h"
#include "shard.h"

/* ---------------------------------------------------------------------------------------- */

bool ns_pipeline_usable(const struct ns_args *a, const char **why)
{
    const struct ns_writer_cfg *wc = &a->write;
    if (wc->stop_ns || wc->stop_bytes || wc->stop_packets || wc->stop_files) {
        *why = "-a stops the run at a frame the workers have already passed";
        return false;
    }
    static const char *const global[] = { "tcp.stream", "udp.stream", "netscope.flow.id",
                                          "netscope.alert" };
    for (size_t i = 0; a->filter_text != NULL && i < sizeof global / sizeof global[0]; i++)
        if (strstr(a->filter_text, global[i]) != NULL) {
            *why = "-Y tests a field numbered over the whole run";
            return false;
        }
    return true;
}

static bool grow(void **p, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return true;
    size_t ncap = *cap ? *cap * 2 : 1024;
    while (ncap < need)
        ncap *= 2;
    void *np = realloc(*p, ncap * size);
    if (np == NULL)
        return false;
    *p = np;
    *cap = ncap;
    return true;
}
/* ---- the reader and merger side (the calling thread) */

static void rec_flush(struct worker *w)
{
    struct rec_ring *r = &w->in;
    if (atomic_load_explicit(&r->head, memory_order_relaxed) != r->head_local)
        atomic_store_explicit(&r->head, r->head_local, memory_order_release);
}

/* Before this thread waits: a worker may be waiting for records still unpublished. */
static void recs_flush(struct pipeline *pl)
{
    for (unsigned i = 0; i < pl->n; i++)
        rec_flush(&pl->w[i]);
}

static bool push_rec(struct worker *w, const struct ns_rec *rec)
{
    struct rec_ring *r = &w->in;
    size_t head = r->head_local;
    if (head - r->tail_seen >= REC_RING &&
        head - (r->tail_seen = atomic_load_explicit(&r->tail, memory_order_acquire)) >= REC_RING) {
        rec_flush(w);
        return false;
    }
    r->slot[head & (REC_RING - 1)] = *rec;
    r->head_local = ++head;
    if (head % PUBLISH == 0)
        atomic_store_explicit(&r->head, head, memory_order_release);
    return true;
}

/* The next message of worker w, skipping padding; NULL when none is ready yet. */
static const struct msg_hdr *peek_msg(struct worker *w)
{
    struct byte_ring *r = &w->out;
    for (;;) {
        size_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
        if (r->head_seen == tail &&
            (r->head_seen = atomic_load_explicit(&r->head, memory_order_acquire)) == tail)
            return NULL;
        const struct msg_hdr *h = (const struct msg_hdr *)(const void *)(r->buf + (tail & (BYTE_RING - 1)));
        if (h->type != MSG_PAD)
            return h;
        atomic_store_explicit(&r->tail, tail + h->len, memory_order_release);
    }
}

static const struct msg_hdr *wait_msg(struct worker *w)
{
    const struct msg_hdr *h;
    unsigned spins = 0;
    while ((h = peek_msg(w)) == NULL)
        backoff(&spins);
    return h;
}

static void pop_msg(struct worker *w, const struct msg_hdr *h)
{
    struct byte_ring *r = &w->out;
    size_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed) + h->len;
    atomic_store_explicit(&r->tail, tail, memory_order_release);
    /* a few messages ahead: they were written on the worker's core */
    __builtin_prefetch(r->buf + ((tail + 256) & (BYTE_RING - 1)));
}

/* What worker w created gets the run's next numbers: numbers are handed out in order of
 * first appearance, and the merger sees the creations in frame order. */
static void map_new(struct pipeline *pl, struct worker *w, const struct new_counts *c)
{
    if ((c->flows | c->pairs | c->streams[0] | c->streams[1]) == 0)
        return;
    if (!grow((void **)&w->gflow, &w->capflow, w->nflow + c->flows, sizeof *w->gflow) ||
        !grow((void **)&w->gpair, &w->cappair, w->npair + c->pairs, sizeof *w->gpair)) {
        pl->oom = true;
        return;
    }
    for (uint32_t i = 0; i < c->flows; i++)
        w->gflow[w->nflow++] = ++pl->next_flow;
    for (uint32_t i = 0; i < c->pairs; i++)
        w->gpair[w->npair++] = ++pl->next_pair;
    for (int k = 0; k < 2; k++) {
        if (!grow((void **)&w->gstream[k], &w->capstream[k], w->nstream[k] + c->streams[k],
                  sizeof *w->gstream[k])) {
            pl->oom = true;
            return;
        }
        for (uint32_t i = 0; i < c->streams[k]; i++)
            w->gstream[k][w->nstream[k]++] = pl->next_stream[k]++;
    }
}

/* A flow's end, renumbered as the serial run numbers it, to main's sinks. */
static void deliver_end(struct pipeline *pl, struct worker *w, const struct end_msg *m)
{
    struct ns_flow f = m->f;
    if (m->is_pair) {
        if (f.id >= 1 && f.id <= w->npair)
            f.id = w->gpair[f.id - 1];
    } else {
        if (f.id >= 1 && f.id <= w->nflow)
            f.id = w->gflow[f.id - 1];
        int k = f.key.proto == 6 ? 0 : f.key.proto == 17 ? 1 : -1;
        if (k >= 0 && f.stream < w->nstream[k])
            f.stream = w->gstream[k][f.stream];
    }
    struct ns_tcpa_conn tcp = m->tcp;
    struct ns_tcpa_hs hs = m->hs;
    struct ns_tcpa_fc fc = m->fc;
    tcp.hs = m->has_hs ? &hs : NULL;
    tcp.fc = m->has_fc ? &fc : NULL;
    const char *names = (const char *)(m + 1);
    const char *dns = NULL, *sni = NULL;
    if (m->dns_len != 0xffff) {
        dns = names;
        names += m->dns_len + 1;
    }
    if (m->sni_len != 0xffff)
        sni = names;
    pl->io->on_flow(&f, (enum ns_flow_end)m->why, m->has_tcp ? &tcp : NULL,
                    m->has_zeek ? &m->zeek : NULL, dns, sni, pl->io->flow_arg);
}

/* The frame's text with each patch written as the serial run writes that part. */
static void write_text(struct pipeline *pl, struct worker *w, const struct frame_msg *m,
                       const struct ns_alert *alerts, unsigned nalerts)
{
    struct ns_output *o = pl->io->o;
    const struct ns_output_patch *p = (const struct ns_output_patch *)(const void *)(m + 1);
    const char *text = (const char *)(p + m->npatch);
    struct ns_patch_ctx ctx = { .any = false, .alerts = alerts, .nalerts = nalerts };
    uint32_t pos = 0;
    for (unsigned i = 0; i < m->npatch; i++) {
        if (p[i].off > pos && p[i].off <= m->text_len) {
            fwrite(text + pos, 1, p[i].off - pos, o->out);
            pos = p[i].off;
        }
        uint64_t val[NS_OUTPUT_PATCH_VALS];
        for (unsigned k = 0; k < p[i].n; k++) {
            uint64_t v = p[i].val[k];
            if (p[i].field == NS_FIELD_NS_FLOW_ID)
                v = v >= 1 && v <= w->nflow ? w->gflow[v - 1] : v;
            else if (p[i].field == NS_FIELD_TCP_STREAM)
                v = v < w->nstream[0] ? w->gstream[0][v] : v;
            else if (p[i].field == NS_FIELD_UDP_STREAM)
                v = v < w->nstream[1] ? w->gstream[1][v] : v;
            val[k] = v;
        }
        ns_output_patch_write(o, &p[i], val, &ctx);
    }
    if (m->text_len > pos)
        fwrite(text + pos, 1, m->text_len - pos, o->out);
    if (m->printed)
        o->frames++;
}

/* Worker w's messages up to its next frame message, which is the oldest frame not merged:
 * every earlier frame is, so the flows w ended meanwhile end now in the serial run too.
 * NULL when w has not finished that frame. */
static const struct frame_msg *take_until_frame(struct pipeline *pl, struct worker *w)
{
    const struct msg_hdr *h;
    while ((h = peek_msg(w)) != NULL) {
        if (h->type == MSG_FRAME)
            return (const struct frame_msg *)(const void *)(h + 1);
        if (h->type == MSG_NEW)
            map_new(pl, w, (const struct new_counts *)(const void *)(h + 1));
        else if (h->type == MSG_END)
            deliver_end(pl, w, (const struct end_msg *)(const void *)(h + 1));
        pop_msg(w, h);
    }
    return NULL;
}

/* Merges the oldest dispatched frame when its worker has written it; false otherwise. */
static bool merge_one(struct pipeline *pl, bool block)
{
    if (pl->otail == pl->ohead)
        return false;
    const struct order_ent *oe = &pl->order[pl->otail & (ORDER_RING - 1)];
    struct worker *w = &pl->w[oe->w];
    const struct frame_msg *m;
    unsigned spins = 0;
    while ((m = take_until_frame(pl, w)) == NULL) {
        if (!block)
            return false;
        recs_flush(pl);
        backoff(&spins);
    }
    struct ns_pipeline_io *io = pl->io;
    map_new(pl, w, &m->created);
    pl->active += m->active;
    pl->active -= w->active;
    w->active = m->active;
    if (pl->active > pl->peak)
        pl->peak = pl->active;
    struct ns_engine *e = io->eng;
    const struct ns_rec *rec = &oe->rec;
    struct ns_alert alerts[NS_ANOMALY_MAX_PER_PKT];
    unsigned nalerts = 0;
    if (m->has_anom) {
        struct ns_anomaly_quote q = { .af = m->q_af, .proto = m->q_proto, .src = m->q_src,
                                      .dst = m->q_dst, .sport = m->q_sport, .dport = m->q_dport };
        struct ns_anomaly_pkt ap = { .ts_ns = oe->rec.ts_ns, .af = m->anom_af, .proto = m->anom_proto,
                                     .tcp_flags = m->tcp_flags, .icmp_type = m->icmp_type,
                                     .icmp_code = m->icmp_code, .src = m->src, .dst = m->dst,
                                     .sport = m->sport, .dport = m->dport,
                                     .quoted = m->has_quote ? &q : NULL };
        nalerts = ns_anomaly_feed(&e->anomaly, &ap, alerts);
    }
    struct ns_frame f = { .rec = rec, .alerts = alerts, .nalerts = nalerts,
                          .rel_ns = rec->ts_ns - pl->first_ts };
    if (m->match && io->args->write.path != NULL) {   /* -a runs serially */
        struct ns_reader *r = &pl->in->reader;
        uint32_t now_first = r->section_first_if;
        bool now_swapped = r->swapped;
        r->section_first_if = oe->section_first_if;
        r->swapped = oe->swapped;
        enum ns_writer_step ws = ns_writer_frame(io->w, r, &f);
        r->section_first_if = now_first;
        r->swapped = now_swapped;
        if (ws == NS_WRITER_ERROR)
            pl->stop = true;
    }
    if (m->text_len != 0 || m->npatch != 0 || m->printed)
        write_text(pl, w, m, alerts, nalerts);
    if (m->host_af != 0) {
        ns_topn_add(&io->hosts->sketch, m->host_af, m->host_src, rec->wirelen);
        ns_topn_add(&io->hosts->sketch, m->host_af, m->host_dst, rec->wirelen);
    }
    if (nalerts != 0)
        ns_alerts_frame(io->alerts, &f);
    pop_msg(w, (const struct msg_hdr *)(const void *)m - 1);
    pl->otail++;
    return true;
}

void ns_pipeline_make_room(struct pipeline *pl, unsigned *spins)
{
    /* the frame being analysed is in the order ring: once the frames before it are merged,
     * merge_one hands its flow ends to the sinks as they come */
    if (!merge_one(pl, false)) {
        recs_flush(pl);
        backoff(spins);
    }
}

static int by_key_then_id(const void *x, const void *y)
{
    const struct end_msg *a = x, *b = y;
    int c = memcmp(&a->f.key, &b->f.key, sizeof a->f.key);
    if (c != 0)
        return c;
    return a->f.id < b->f.id ? -1 : a->f.id > b->f.id;
}

static int by_id(const void *x, const void *y)
{
    const struct end_msg *a = x, *b = y;
    return a->f.id < b->f.id ? -1 : a->f.id > b->f.id;
}

/* Two workers' halves of one address pair (a tunnel's outer pair carries conversations that
 * live on different workers) as the one pair the serial run counts: the first created
 * keeps its number and its A side, the other's directions are turned to match. */
static void pair_merge(struct ns_flow *into, const struct ns_flow *from)
{
    int swap = into->a_is_1 != from->a_is_1;
    for (int d = 0; d < 2; d++) {
        into->frames[d] += from->frames[swap ? 1 - d : d];
        into->bytes[d] += from->bytes[swap ? 1 - d : d];
    }
    if (from->first_ns < into->first_ns)
        into->first_ns = from->first_ns;
    if (from->last_ns > into->last_ns)
        into->last_ns = from->last_ns;
}

static void deliver_pairs(struct pipeline *pl, struct end_msg *v, size_t n)
{
    if (n == 0)
        return;
    qsort(v, n, sizeof *v, by_key_then_id);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (k > 0 && memcmp(&v[k - 1].f.key, &v[i].f.key, sizeof v[i].f.key) == 0) {
            pair_merge(&v[k - 1].f, &v[i].f);
            pl->pairs_merged++;
            continue;
        }
        v[k++] = v[i];
    }
    qsort(v, k, sizeof *v, by_id);
    for (size_t i = 0; i < k; i++)
        pl->io->on_flow(&v[i].f, (enum ns_flow_end)v[i].why, NULL, NULL, NULL, NULL, pl->io->flow_arg);
}

/* After the last frame: every worker's remaining flows, transport flows then address
 * pairs, each set in creation order over the run, as ns_track_fini ends them. */
static void merge_finals(struct pipeline *pl)
{
    struct end_msg *pairs_v = NULL;
    size_t npairs = 0, cap = 0;
    for (int pairs = 0; pairs < 2; pairs++) {
        for (;;) {
            struct worker *best = NULL;
            const struct msg_hdr *bh = NULL;
            uint64_t bid = UINT64_MAX;
            for (unsigned i = 0; i < pl->n; i++) {
                struct worker *w = &pl->w[i];
                const struct msg_hdr *h = wait_msg(w);
                if (h->type != MSG_END)
                    continue;
                const struct end_msg *m = (const struct end_msg *)(const void *)(h + 1);
                if (m->is_pair != pairs)
                    continue;
                uint64_t id = m->f.id;
                if (pairs ? id >= 1 && id <= w->npair : id >= 1 && id <= w->nflow)
                    id = pairs ? w->gpair[id - 1] : w->gflow[id - 1];
                if (id < bid) {
                    bid = id;
                    best = w;
                    bh = h;
                }
            }
            if (best == NULL)
                break;
            const struct end_msg *m = (const struct end_msg *)(const void *)(bh + 1);
            if (!pairs) {
                deliver_end(pl, best, m);
            } else if (grow((void **)&pairs_v, &cap, npairs + 1, sizeof *pairs_v)) {
                pairs_v[npairs] = *m;
                pairs_v[npairs++].f.id = bid;
            } else {
                pl->oom = true;
            }
            pop_msg(best, bh);
        }
    }
    deliver_pairs(pl, pairs_v, npairs);
    free(pairs_v);
}

static int worker_start(struct pipeline *pl, struct worker *w, unsigned idx, struct ns_err *err)
{
    w->pl = pl;
    w->idx = idx;
    w->in.slot = malloc(REC_RING * sizeof *w->in.slot);
    w->out.buf = malloc(BYTE_RING);
    w->textbuf = malloc(TEXT_MAX);
    if (w->in.slot == NULL || w->out.buf == NULL || w->textbuf == NULL)
        { ns_err_set(err, NS_STATUS_CAP, "out of memory for --threads"); return -1; }
    atomic_init(&w->in.head, 0);
    atomic_init(&w->in.tail, 0);
    atomic_init(&w->out.head, 0);
    atomic_init(&w->out.tail, 0);
    w->text = fmemopen(w->textbuf, TEXT_MAX, "w");
    if (w->text == NULL)
        { ns_err_set(err, NS_STATUS_CAP, "out of memory for --threads"); return -1; }
    w->o = (struct ns_output){ .out = w->text, .args = pl->a, .patches = &w->patches };
    w->detect = pl->io->eng->detect;
    w->args = pl->a;
    w->hosts = pl->io->hosts->want;
    struct ns_engine_cfg cfg = pl->io->cfg;
    cfg.on_flow_end = ns_pipeline_flow_end;
    cfg.arg = w;
    cfg.no_anomaly = true;              /* one detector, in the merger, sees every packet */
    if (cfg.max_flows != 0)             /* the cap is shared out (docs/threads.md) */
        cfg.max_flows = (cfg.max_flows + pl->n - 1) / pl->n;
    if (ns_engine_init(&w->eng, &cfg, err) != NS_STATUS_OK)
        return -1;
    if (pthread_create(&w->th, NULL, ns_pipeline_worker, w) != 0) {
        ns_engine_fini(&w->eng);
        { ns_err_set(err, NS_STATUS_CAP, "cannot start a --threads worker"); return -1; }
    }
    w->started = true;
    return 0;
}

static void worker_free(struct worker *w)
{
    if (w->text != NULL)
        fclose(w->text);
    free(w->textbuf);
    free(w->in.slot);
    free(w->out.buf);
    free(w->gflow);
    free(w->gpair);
    free(w->gstream[0]);
    free(w->gstream[1]);
}

/* The workers' counters into main's engine, as one engine would have counted them. */
static void sum_counters(struct pipeline *pl)
{
    struct ns_engine *e = pl->io->eng;
    struct ns_flow_stats fl = {0}, pr = {0};
    struct ns_reasm_stats rs = {0};
    uint32_t tcpa_peak = 0;
    for (unsigned i = 0; i < pl->n; i++) {
        const struct ns_engine *we = &pl->w[i].eng;
        const struct ns_engine_stats *s = &we->stats;
        e->stats.frames += s->frames;
        e->stats.packets += s->packets;
        e->stats.bytes += s->bytes;
        e->stats.malformed_frames += s->malformed_frames;
        for (unsigned k = 0; k < NS_MALFORMED_COUNT; k++)
            e->stats.malformed[k] += s->malformed[k];
        const struct ns_flow_stats *a = &we->track.flows.stats, *b = &we->track.pairs.stats;
        fl.created += a->created; fl.evicted += a->evicted; fl.timed_out += a->timed_out;
        fl.active_ended += a->active_ended; fl.grown += a->grown;
        pr.created += b->created; pr.evicted += b->evicted; pr.timed_out += b->timed_out;
        pr.active_ended += b->active_ended; pr.grown += b->grown;
        const struct ns_reasm_stats *r = &pl->w[i].reasm;
        rs.fragments += r->fragments; rs.completed += r->completed; rs.atomic += r->atomic;
        rs.overlaps += r->overlaps; rs.dropped_timeout += r->dropped_timeout;
        rs.dropped_full += r->dropped_full; rs.dropped_bytes += r->dropped_bytes;
        rs.dropped_too_big += r->dropped_too_big;
        e->tcpa.stats.segments += we->tcpa.stats.segments;
        e->tcpa.stats.pool_full += we->tcpa.stats.pool_full;
        tcpa_peak += we->tcpa.stats.pool_peak;
        e->tcpa.stats.metrics_lost += we->tcpa.stats.metrics_lost;
        e->names.dropped += we->names.dropped;
    }
    fl.peak = (uint32_t)pl->peak;
    /* one table would have doubled from its initial size (core/flow.c) until it held the
     * peak of live flows, up to its cap */
    uint32_t max = pl->io->cfg.max_flows ? pl->io->cfg.max_flows : NS_ENGINE_DEFAULT_MAX_FLOWS;
    uint32_t cap = max < 1024 ? max : 1024;
    fl.grown = 0;
    while (cap < fl.peak && cap < max) {
        cap = cap * 2 > max ? max : cap * 2;
        fl.grown++;
    }
    e->track.flows.stats = fl;
    pr.created -= pl->pairs_merged;
    e->track.pairs.stats = pr;
    e->reasm.stats = rs;
    /* one pool per worker: the sum of their peaks, an upper bound (docs/threads.md) */
    e->tcpa.stats.pool_peak = tcpa_peak;
}

/* Worker 0's share of the address pairs. The calling thread reads, merges and analyses
 * worker 0's frames: with R its per-frame work besides analysis and W the analysis of a
 * frame, it is as busy as each other worker when R + s W = (1 - s) W / (n - 1), so
 * s = (1 - (n - 1) R/W) / n. R/W measured on the generated captures (bench/README.md),
 * per-thread CPU time: 0.55 with -q (reading and the detector against the analysis),
 * 0.4 when frames are printed (formatting is a worker's, writing the merger's). With many
 * workers s reaches 0 and this thread only reads and merges. */
static double share0(const struct ns_args *a, unsigned n)
{
    double r = a->quiet ? 0.55 : 0.4;
    double s = (1 - (n - 1) * r) / n;
    return s < 0 ? 0 : s;
}

int ns_pipeline_run_file(const char *path, struct ns_pipeline_io *io)
{
    static struct ns_input in;
    static struct pipeline pl;
    struct ns_err err = {{0}};
    const struct ns_args *a = io->args;
    if (ns_input_open(&in, path, &err) != NS_STATUS_OK) {
        fflush(stdout);
        fprintf(stderr, "netscope: %s: %s\n", path, err.msg);
        return 2;
    }
    pl = (struct pipeline){ .io = io, .a = a, .n = a->threads > MAX_WORKERS ? MAX_WORKERS : a->threads,
                            .in = &in };
    /* Worker 0 runs on this thread, which also reads and merges: on two cores two threads
     * are busy instead of three taking turns, and its records and messages never cross
     * cores. Its share of the frames leaves it as busy as each other worker. */
    ns_shard_init(&pl.shard, pl.n, share0(a, pl.n));
    atomic_init(&pl.read_off, 0);
    atomic_init(&pl.touch_off, 0);
    pl.w = calloc(pl.n, sizeof *pl.w);
    pl.order = malloc(ORDER_RING * sizeof *pl.order);
    int rc = 0;
    unsigned started = 0;
    if (pl.w == NULL || pl.order == NULL) {
        ns_err_set(&err, NS_STATUS_CAP, "out of memory for --threads");
        rc = -1;
    }
    for (; rc == 0 && started < pl.n; started++)
        if (worker_start(&pl, &pl.w[started], started, &err) != 0)
            rc = -1;
    if (rc == 0)
        pl.w[0].on_caller = true;
    static struct ns_pkt scratch;       /* the reader's dissection, for the shard only */
    struct ns_rec rec;
    enum ns_status s = NS_STATUS_OK;
    uint64_t fed = 0;
    if (rc == 0) {
        struct ns_engine *e = io->eng;
        while (!*io->interrupted && !pl.stop && (s = ns_reader_next(&in.reader, &rec, &err)) == NS_STATUS_OK) {
            /* the next headers' lines: each record's place is known only from the one
             * before it, so without this every header is a wait on memory */
            if (in.reader.off + 4096 < in.len) {
                __builtin_prefetch(in.map + in.reader.off + 1024);
            }
            int keep = io->keep(a, &rec);
            if (keep <= 0) {
                if (keep < 0) {
                    rc = 1;
                    break;
                }
                continue;
            }
            if (!e->have_first) {
                e->have_first = true;
                e->first_ts_ns = pl.first_ts = rec.has_ts ? rec.ts_ns : 0;
            }
            unsigned wi = ns_shard_of(&pl.shard, &rec, &scratch);
            unsigned spins = 0;
            while (pl.ohead - pl.otail >= ORDER_RING ||
                   (!pl.w[wi].on_caller && !push_rec(&pl.w[wi], &rec))) {
                if (!merge_one(&pl, false)) {
                    recs_flush(&pl);
                    backoff(&spins);
                }
            }
            pl.order[pl.ohead & (ORDER_RING - 1)] = (struct order_ent){ rec, wi, in.reader.section_first_if,
                                                                     in.reader.swapped };
            if ((++pl.ohead & 255) == 0)
                atomic_store_explicit(&pl.read_off, in.reader.off, memory_order_relaxed);
            if (pl.w[wi].on_caller)
                ns_pipeline_worker_frame(&pl.w[wi], &rec);
            while (merge_one(&pl, false))
                ;
            if (a->count != 0 && ++fed >= a->count)
                break;
        }
        while (merge_one(&pl, true))
            ;
    }
    if (s < 0) {
        fflush(stdout);
        fprintf(stderr, "netscope: %s: %s\n", path, err.msg);
        rc = 2;
    }
    /* the end of the input, then each worker's remaining flows */
    struct ns_rec end = { .kind = 0xff };
    for (unsigned i = 0; i < started; i++) {
        /* its thread ends its flows while this one merges them (published to it by the
         * release of the end record) */
        if (pl.w[i].on_caller)
            pl.w[i].on_caller = false;
        unsigned spins = 0;
        while (!push_rec(&pl.w[i], &end))
            backoff(&spins);
        rec_flush(&pl.w[i]);
    }
    if (started == pl.n && rc >= 0)
        merge_finals(&pl);
    for (unsigned i = 0; i < started; i++) {
        /* drain whatever is left (an error path), so the worker can finish */
        const struct msg_hdr *h;
        while ((h = wait_msg(&pl.w[i]))->type != MSG_DONE)
            pop_msg(&pl.w[i], h);
        pthread_join(pl.w[i].th, NULL);
        if (pl.w[i].failed && rc == 0) {
            fflush(stdout);
            fprintf(stderr, "netscope: a frame's output is larger than --threads buffers "
                            "(1 MiB, %d patches): run without --threads\n", NS_OUTPUT_MAX_PATCHES);
            rc = 2;
        }
    }
    if (rc < 0) {
        fprintf(stderr, "netscope: %s\n", err.msg);
        rc = 2;
    } else {
        sum_counters(&pl);
    }
    if (pl.oom) {
        fprintf(stderr, "netscope: out of memory for --threads numbering\n");
        rc = 2;
    }
    for (unsigned i = 0; pl.w != NULL && i < pl.n; i++)
        worker_free(&pl.w[i]);
    free(pl.w);
    free(pl.order);
    ns_input_close(&in);
    return rc;
}
