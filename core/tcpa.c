/* core/tcpa.c: the rules of Wireshark 4.0's tcp_analyze_sequence_number(), in its order.
 * The order is part of the definition: a zero-window probe, a keep-alive ACK and a
 * zero-window-probe ACK skip the duplicate-ACK test; a keep-alive is never a
 * retransmission; spurious beats fast retransmission, which beats out-of-order, which
 * beats plain retransmission. Where Wireshark compares with 0 to mean "unset", so do we. */
#include "tcpa.h"

#include <stdlib.h>
#include <string.h>

#define TH_FIN 0x01
#define TH_SYN 0x02
#define TH_RST 0x04
#define TH_ACK 0x10

#define FAST_RT_WINDOW_NS 20000000u     /* fast retransmission: within 20 ms of the dup ACK */
#define OOO_DEFAULT_NS 3000000u         /* out-of-order without an iRTT: 3 ms */

static bool lt_seq(uint32_t x, uint32_t y) { return (int32_t)(x - y) < 0; }
static bool gt_seq(uint32_t x, uint32_t y) { return lt_seq(y, x); }
static bool le_seq(uint32_t x, uint32_t y) { return (int32_t)(y - x) >= 0; }

static const char *const flag_names[NS_TCPA_NFLAGS] = {
#define NS_X(id, name) name,
    NS_TCPA_FLAGS(NS_X)
#undef NS_X
};

const char *ns_tcpa_flag_name(unsigned bit)
{
    return bit < NS_TCPA_NFLAGS ? flag_names[bit] : "";
}

/* blocks per slab chunk: a chunk is one allocation, made only when the last one is full */
#define SLAB_CHUNK 1024u

static void *slab_alloc(struct ns_tcpa_slab *s)
{
    if (s->free != NULL) {
        void *p = s->free;
        memcpy(&s->free, p, sizeof s->free);
        return p;
    }
    if (s->nchunk == 0 || s->last_used == SLAB_CHUNK) {
        if (s->nchunk == s->chunk_cap) {
            uint32_t ncap = s->chunk_cap ? 2 * s->chunk_cap : 16;
            unsigned char **nc = realloc(s->chunk, ncap * sizeof *nc);
            if (nc == NULL)
                return NULL;
            s->chunk = nc;
            s->chunk_cap = ncap;
        }
        unsigned char *ch = malloc(SLAB_CHUNK * s->size);
        if (ch == NULL)
            return NULL;
        s->chunk[s->nchunk++] = ch;
        s->last_used = 0;
    }
    return s->chunk[s->nchunk - 1] + (size_t)s->last_used++ * s->size;
}

static void slab_free(struct ns_tcpa_slab *s, void *p)
{
    memcpy(p, &s->free, sizeof s->free);
    s->free = p;
}

static void slab_fini(struct ns_tcpa_slab *s)
{
    for (uint32_t i = 0; i < s->nchunk; i++)
        free(s->chunk[i]);
    free(s->chunk);
    *s = (struct ns_tcpa_slab){ .size = s->size };
}

enum ns_status ns_tcpa_init(struct ns_tcpa *t, uint32_t max_segments, struct ns_err *err)
{
    memset(t, 0, sizeof *t);
    t->hs.size = sizeof(struct ns_tcpa_hs);
    t->fc.size = sizeof(struct ns_tcpa_fc);
    t->max = max_segments ? max_segments : 1u << 22;
    t->cap = t->max < 1024 ? t->max : 1024;
    t->seg = malloc(((size_t)t->cap + 1) * sizeof *t->seg);
    if (t->seg == NULL)
        return ns_err_set(err, NS_STATUS_CAP, "out of memory for %u TCP segment records", t->cap);
    return NS_STATUS_OK;
}

void ns_tcpa_fini(struct ns_tcpa *t)
{
    free(t->seg);
    t->seg = NULL;
    slab_fini(&t->hs);
    slab_fini(&t->fc);
}

void ns_tcpa_conn_init(struct ns_tcpa_conn *c)
{
    memset(c, 0, sizeof *c);
    for (int d = 0; d < 2; d++) {
        c->dir[d].win_scale = -1;
        c->dir[d].valid_bif = 1;
    }
}

/* Wireshark's window of a direction: all ones until it sent one (so no raw 16-bit window
 * equals it, and shifted it keeps the value Wireshark computes). */
static uint32_t dir_window(const struct ns_tcpa_dir *d)
{
    return d->has_window ? d->window : UINT32_MAX;
}

static bool have_syn(const struct ns_tcpa_conn *c)
{
    return c->dir[0].sent_syn || c->dir[1].sent_syn;
}

static int64_t first_rtt(const struct ns_tcpa_conn *c)
{
    return c->hs != NULL ? c->hs->first_rtt_ns : 0;
}

/* c's handshake block, taken from the pool on first need. Until then the first SYN's time
 * is mru_syn_ns (a second SYN takes the block first), so it starts from there. */
static struct ns_tcpa_hs *hs_of(struct ns_tcpa *t, struct ns_tcpa_conn *c)
{
    if (c->hs == NULL) {
        c->hs = slab_alloc(&t->hs);
        if (c->hs == NULL) {
            t->stats.metrics_lost++;
            return NULL;
        }
        *c->hs = (struct ns_tcpa_hs){ .syn_ns = have_syn(c) ? c->mru_syn_ns : -1, .synack_ns = -1,
                                      .ack_ns = -1 };
    }
    return c->hs;
}

static struct ns_tcpa_fc *fc_of(struct ns_tcpa *t, struct ns_tcpa_conn *c)
{
    if (c->fc == NULL) {
        c->fc = slab_alloc(&t->fc);
        if (c->fc == NULL) {
            t->stats.metrics_lost++;
            return NULL;
        }
        memset(c->fc, 0, sizeof *c->fc);
    }
    return c->fc;
}

void ns_tcpa_conn_metrics(const struct ns_tcpa_conn *c, struct ns_tcpa_metrics *m)
{
    memset(m, 0, sizeof *m);
    if (c->fc != NULL) {
        memcpy(m->count, c->fc->count, sizeof m->count);
        memcpy(m->retrans_bytes, c->fc->retrans_bytes, sizeof m->retrans_bytes);
        memcpy(m->zero_window_ns, c->fc->zero_window_ns, sizeof m->zero_window_ns);
    }
    const struct ns_tcpa_hs *h = c->hs;
    if (h == NULL) {
        m->syn_ns = have_syn(c) ? c->mru_syn_ns : -1;
        m->synack_ns = m->ack_ns = -1;
        return;
    }
    m->rtt_samples = h->rtt_samples;
    m->rtt_min_ns = h->rtt_min_ns;
    m->rtt_max_ns = h->rtt_max_ns;
    m->srtt_ns = h->srtt_ns;
    m->rtt_sum_ns = h->rtt_sum_ns;
    m->syn_ns = h->syn_ns;
    m->synack_ns = h->synack_ns;
    m->ack_ns = h->ack_ns;
    m->first_rtt_ns = h->first_rtt_ns;
}

/* A free record, or 0 when the pool is at its cap (the segment is then not remembered,
 * as Wireshark does past its own per-direction cap). */
static uint32_t seg_alloc(struct ns_tcpa *t)
{
    if (t->free_head != 0) {
        uint32_t i = t->free_head;
        t->free_head = t->seg[i].next;
        return i;
    }
    if (t->used == t->cap) {
        if (t->cap >= t->max)
            return 0;
        uint32_t ncap = t->cap > t->max / 2 ? t->max : t->cap * 2;
        struct ns_tcpa_seg *ns = realloc(t->seg, ((size_t)ncap + 1) * sizeof *ns);
        if (ns == NULL)
            return 0;
        t->seg = ns;
        t->cap = ncap;
    }
    t->used++;
    if (t->used > t->stats.pool_peak)
        t->stats.pool_peak = t->used;
    return t->used;
}

static void seg_free(struct ns_tcpa *t, uint32_t i)
{
    t->seg[i].next = t->free_head;
    t->free_head = i;
}

void ns_tcpa_conn_release(struct ns_tcpa *t, struct ns_tcpa_conn *c)
{
    for (int d = 0; d < 2; d++) {
        uint32_t i = c->dir[d].segs;
        while (i != 0) {
            uint32_t next = t->seg[i].next;
            seg_free(t, i);
            i = next;
        }
        c->dir[d].segs = 0;
        c->dir[d].nsegs = 0;
    }
    if (c->hs != NULL)
        slab_free(&t->hs, c->hs);
    if (c->fc != NULL)
        slab_free(&t->fc, c->fc);
    c->hs = NULL;
    c->fc = NULL;
}

/* The sequence-number rules; returns the segment's flags. */
static uint32_t analyse(struct ns_tcpa *t, struct ns_tcpa_conn *c, struct ns_tcpa_dir *fwd,
                        struct ns_tcpa_dir *rev, const struct ns_tcpa_in *in, struct ns_tcpa_out *out)
{
    uint32_t seq = in->seq, ack = in->ack, seglen = in->seglen, window = in->window;
    uint16_t fl = in->flags;
    uint32_t f = in->reused ? NS_TCPA_F(REUSED_PORTS) : 0;
    bool ctl = (fl & (TH_SYN | TH_FIN | TH_RST)) != 0;

    /* the first segment of a direction fixes its base; midstream, one below its number,
     * so relative numbers start at 1 */
    if (!fwd->base_set) {
        fwd->base_seq = (fl & TH_SYN) ? seq : seq - 1;
        fwd->base_set = 1;
    }
    /* a SYN's ACK field may hold anything: take the peer's base from the first ACK */
    if (!rev->base_set && (fl & TH_ACK)) {
        rev->base_seq = ack - 1;
        rev->base_set = 1;
    }
    if (fl & TH_ACK)
        rev->valid_bif = 1;

    if (seglen == 1 && seq == fwd->nextseq && dir_window(rev) == 0) {
        f |= NS_TCPA_F(ZERO_WINDOW_PROBE);
        goto finished_fwd;
    }
    if (window == 0 && !ctl)
        f |= NS_TCPA_F(ZERO_WINDOW);
    if (fwd->nextseq != 0 && gt_seq(seq, fwd->nextseq) && !(fl & TH_RST)) {
        f |= NS_TCPA_F(LOST_SEGMENT);
        fwd->valid_bif = 0;
    }
    if (seglen <= 1 && seq == fwd->nextseq - 1 && !ctl)
        f |= NS_TCPA_F(KEEP_ALIVE);
    bool same_ack = seglen == 0 && seq == fwd->nextseq && ack == fwd->lastack && !ctl;
    if (same_ack && window != 0 && window != dir_window(fwd))
        f |= NS_TCPA_F(WINDOW_UPDATE);
    if (seglen > 0 && rev->win_scale != -1 && !ctl) {
        uint32_t shift = rev->win_scale == -2 ? 0 : (uint32_t)rev->win_scale;
        if (seq + seglen == rev->lastack + (dir_window(rev) << shift))
            f |= NS_TCPA_F(WINDOW_FULL);
    }
    if (same_ack && window != 0 && window == dir_window(fwd) &&
        (rev->lastsegmentflags & NS_TCPA_F(KEEP_ALIVE))) {
        f |= NS_TCPA_F(KEEP_ALIVE_ACK);
        goto finished_fwd;
    }
    if (same_ack && window == 0 && window == dir_window(fwd) &&
        (rev->lastsegmentflags & NS_TCPA_F(ZERO_WINDOW_PROBE))) {
        f |= NS_TCPA_F(ZERO_WINDOW_PROBE_ACK);
        goto finished_fwd;
    }
    if (same_ack && window != 0 && window == dir_window(fwd)) {
        fwd->dupacknum = fwd->dupacknum == -1 ? 1 : fwd->dupacknum + 1;
        f |= NS_TCPA_F(DUPLICATE_ACK);
        out->dupack_num = (uint32_t)fwd->dupacknum;
        out->dupack_frame = fwd->lastnondupack;
    }

finished_fwd:
    if (ack != fwd->lastack) {
        fwd->lastnondupack = in->frame;
        fwd->dupacknum = 0;
    }
    /* an ACK beyond everything seen the other way: segments were missed there. The
     * boundary then jumps so that one gap is reported once. */
    if (rev->maxseqtobeacked != 0 && gt_seq(ack, rev->maxseqtobeacked) && (fl & TH_ACK)) {
        out->tree = true;       /* Wireshark makes the analysis record before deciding */
        if (rev->maxseqtobeacked != rev->nextseq) {
            f |= NS_TCPA_F(ACK_LOST_SEGMENT);
        } else {
            /* nothing new from the other side since: say it once, until that side
             * acknowledges something new (its dupacknum returns to 0) */
            if (rev->dupacknum == 0)
                f |= NS_TCPA_F(ACK_LOST_SEGMENT);
            rev->dupacknum = -1;
        }
        rev->maxseqtobeacked = rev->nextseq;
    }

    if (seglen > 0 || (fl & (TH_SYN | TH_FIN))) {
        bool not_advanced = fwd->nextseq != 0 && lt_seq(seq, fwd->nextseq);
        if (f & NS_TCPA_F(KEEP_ALIVE))
            goto finished_retrans;
        /* one byte below nextseq with new data behind it: after a zero-window probe */
        if (seglen > 1 && fwd->nextseq - 1 == seq)
            not_advanced = false;
        if (seglen > 0 && rev->lastack != 0 && le_seq(seq + seglen, rev->lastack)) {
            f |= NS_TCPA_F(SPURIOUS_RETRANSMISSION);
            goto finished_retrans;
        }
        uint64_t since_ack = (uint64_t)in->ts_ns - (uint64_t)rev->lastack_ns;
        /* Wireshark's dupacknum is unsigned: the -1 of the ACKed-unseen rule counts as
         * "at least 2 duplicate ACKs" here (tshark 4.0.17 flags such a resend as fast) */
        if (not_advanced && (uint32_t)rev->dupacknum >= 2 && rev->lastack == seq &&
            since_ack < FAST_RT_WINDOW_NS) {
            f |= NS_TCPA_F(FAST_RETRANSMISSION);
            goto finished_retrans;
        }
        uint64_t since_next = (uint64_t)in->ts_ns - (uint64_t)fwd->nextseq_ns;
        uint64_t thres = first_rtt(c) != 0 ? (uint64_t)first_rtt(c) : OOO_DEFAULT_NS;
        uint32_t end = seq + seglen + ((fl & (TH_SYN | TH_FIN)) ? 1u : 0u);
        if (not_advanced && since_next < thres && fwd->nextseq != end) {
            f |= NS_TCPA_F(OUT_OF_ORDER);
            goto finished_retrans;
        }
        if (not_advanced)
            f |= NS_TCPA_F(RETRANSMISSION);
    }

finished_retrans:;
    uint32_t nextseq = seq + seglen;
    if ((seglen > 0 || (fl & (TH_SYN | TH_FIN))) && fwd->nsegs < NS_TCPA_MAX_UNACKED) {
        /* SYN and FIN take one number; Wireshark adds it only for a remembered segment */
        if (fl & (TH_SYN | TH_FIN))
            nextseq++;
        uint32_t i = seg_alloc(t);
        if (i != 0) {
            t->seg[i] = (struct ns_tcpa_seg){ .seq = seq, .nextseq = nextseq, .ts_ns = in->ts_ns,
                                              .frame = in->frame, .next = fwd->segs };
            fwd->segs = i;
            fwd->nsegs++;
        } else {
            t->stats.pool_full++;
        }
    }
    bool zwp = (f & NS_TCPA_F(ZERO_WINDOW_PROBE)) != 0;
    /* a RST moves nextseq like any segment when its number is ahead (tshark 4.0: a
     * RST+ACK 100 ahead makes the next ACK at the real nextseq no duplicate ACK and the
     * next data out-of-order) */
    if ((gt_seq(nextseq, fwd->nextseq) || fwd->nextseq == 0) && !zwp) {
        fwd->nextseq = nextseq;
        fwd->nextseq_ns = in->ts_ns;
    } else if ((fl & (TH_SYN | TH_ACK)) == TH_SYN && fwd->maxseqtobeacked != 0) {
        /* A SYN sent again falls back to the highest contiguous number: found with tshark
         * 4.0.17, not in the source we read. SYN, data 100 ahead (or a RST or FIN ahead),
         * SYN again, data at ISN+1: nothing flagged; SYN, data 1..101, SYN again, data at
         * 50: a retransmission; SYN, data 1..101, SYN again, data at 1001: lost segment. */
        fwd->nextseq = fwd->maxseqtobeacked;
    }
    if ((seq == fwd->maxseqtobeacked || fwd->maxseqtobeacked == 0) && !zwp)
        fwd->maxseqtobeacked = fwd->nextseq;
    fwd->window = (uint16_t)window;   /* in->window is the 16-bit field */
    fwd->has_window = 1;
    fwd->lastack = ack;
    fwd->lastack_ns = in->ts_ns;
    fwd->lastsegmentflags = (uint16_t)f;

    /* drop what this ACK covers from the other direction's list; the exact ACK of a
     * segment's end gives the RTT. The list is newest first and the last match wins, so a
     * resent segment's RTT is measured from its first transmission, as Wireshark does. */
    uint32_t prev = 0, i = rev->segs;
    while (i != 0) {
        struct ns_tcpa_seg *s = &t->seg[i];
        if (ack == s->nextseq) {
            out->acks_frame = s->frame;
            out->ack_rtt_ns = in->ts_ns - s->ts_ns;
        } else if (gt_seq(ack, s->seq) && le_seq(ack, s->nextseq)) {
            s->seq = ack;       /* partly acknowledged: keep the rest */
            continue;
        } else if (gt_seq(s->nextseq, ack)) {
            prev = i;
            i = s->next;
            continue;
        }
        uint32_t next = s->next;
        if (prev == 0)
            rev->segs = next;
        else
            t->seg[prev].next = next;
        seg_free(t, i);
        rev->nsegs--;
        i = next;
    }

    /* bytes in flight: the span of this direction's unacknowledged segments, less what the
     * other side last reported in SACK blocks. Those blocks stay until the next SACK option
     * replaces them, even once the ACK has passed them; the difference may then wrap, and
     * nothing is shown, as tshark 4.0 does. */
    if (seglen != 0 && fwd->segs != 0 && fwd->valid_bif) {
        out->tree = true;       /* push_bytes_sent is tracked here, so the record exists */
        const struct ns_tcpa_seg *s = &t->seg[fwd->segs];
        uint32_t first = s->seq - fwd->base_seq, last = s->nextseq - fwd->base_seq;
        for (uint32_t j = fwd->segs; j != 0; j = t->seg[j].next) {
            s = &t->seg[j];
            if (s->nextseq - fwd->base_seq > last)
                last = s->nextseq - fwd->base_seq;
            if (s->seq - fwd->base_seq < first)
                first = s->seq - fwd->base_seq;
        }
        uint32_t in_flight = last - first;
        if (rev->nsack > 0)
            in_flight -= rev->sack_bytes;
        if (in_flight > 0 && in_flight < 2000000000u) {
            out->bytes_in_flight = in_flight - ((fl & (TH_SYN | TH_FIN)) ? 1u : 0u);
            out->have_bif = out->bytes_in_flight != 0;   /* shown only when not 0 */
        }
    }
    return f;
}

static void update_metrics(struct ns_tcpa *t, struct ns_tcpa_conn *c, int dir,
                           const struct ns_tcpa_in *in, const struct ns_tcpa_out *out)
{
    struct ns_tcpa_fc *fc = out->flags != 0 ? fc_of(t, c) : c->fc;
    if (out->flags != 0 && fc != NULL) {
        for (unsigned b = 0; b < NS_TCPA_NFLAGS; b++)
            if (out->flags & (1u << b))
                fc->count[dir][b]++;
        if (out->flags & (NS_TCPA_F(RETRANSMISSION) | NS_TCPA_F(FAST_RETRANSMISSION) |
                          NS_TCPA_F(SPURIOUS_RETRANSMISSION)))
            fc->retrans_bytes[dir] += in->seglen;
    }
    struct ns_tcpa_hs *m;
    if (out->acks_frame != 0 && out->ack_rtt_ns > 0 && (m = hs_of(t, c)) != NULL) {
        int64_t r = out->ack_rtt_ns;
        if (m->rtt_samples == 0) {
            m->rtt_min_ns = m->rtt_max_ns = m->srtt_ns = r;
        } else {
            if (r < m->rtt_min_ns)
                m->rtt_min_ns = r;
            if (r > m->rtt_max_ns)
                m->rtt_max_ns = r;
            m->srtt_ns += (r - m->srtt_ns) / 8;
        }
        m->rtt_samples++;
        m->rtt_sum_ns += r;
    }
    /* the first of each handshake time; without the block, the first SYN's time is
     * mru_syn_ns (see hs_of) */
    uint16_t fl = in->flags;
    struct ns_tcpa_hs *h = c->hs;
    if ((fl & (TH_SYN | TH_ACK)) == TH_SYN) {
        if (h != NULL && h->syn_ns < 0)
            h->syn_ns = in->ts_ns;
    } else if ((fl & (TH_SYN | TH_ACK)) == (TH_SYN | TH_ACK)) {
        bool syn_seen = h != NULL ? h->syn_ns >= 0 : have_syn(c);
        if (syn_seen && (h == NULL || h->synack_ns < 0) && (h = hs_of(t, c)) != NULL)
            h->synack_ns = in->ts_ns;
    } else if ((fl & (TH_SYN | TH_ACK)) == TH_ACK && h != NULL && h->ack_ns < 0 && h->synack_ns >= 0) {
        h->ack_ns = in->ts_ns;
    }
    /* an open zero window always has its fc block (it holds the start time) */
    struct ns_tcpa_dir *d = &c->dir[dir];
    if (!(fl & (TH_SYN | TH_FIN | TH_RST))) {
        if (in->window == 0 && !d->zw_open) {
            if ((fc = fc_of(t, c)) != NULL) {
                d->zw_open = 1;
                fc->zw_since_ns[dir] = in->ts_ns;
            }
        } else if (in->window != 0 && d->zw_open) {
            d->zw_open = 0;
            if (in->ts_ns > c->fc->zw_since_ns[dir])
                c->fc->zero_window_ns[dir] += in->ts_ns - c->fc->zw_since_ns[dir];
        }
    }
}

void ns_tcpa_conn_finish(struct ns_tcpa_conn *c, int64_t ts_ns)
{
    for (int d = 0; d < 2; d++) {
        if (c->dir[d].zw_open && ts_ns > c->fc->zw_since_ns[d])
            c->fc->zero_window_ns[d] += ts_ns - c->fc->zw_since_ns[d];
        c->dir[d].zw_open = 0;
    }
}

void ns_tcpa_segment(struct ns_tcpa *t, struct ns_tcpa_conn *c, int dir, const struct ns_tcpa_in *in,
                     struct ns_tcpa_out *out)
{
    struct ns_tcpa_dir *fwd = &c->dir[dir & 1], *rev = &c->dir[(dir & 1) ^ 1];
    uint16_t fl = in->flags;
    memset(out, 0, sizeof *out);
    t->stats.segments++;

    /* A SYN/ACK with another number than the direction's base: Wireshark keeps the
     * stream, flags the reuse and counts the direction from the new number; the rest of
     * the state (nextseq, lists) stays, so what follows may look resent or lost. */
    bool synack_reuse = (fl & (TH_SYN | TH_ACK)) == (TH_SYN | TH_ACK) &&
                        fwd->base_set && in->seq != fwd->base_seq;
    if (synack_reuse)
        fwd->base_seq = in->seq;

    out->flags = analyse(t, c, fwd, rev, in, out);
    if (synack_reuse)
        out->flags |= NS_TCPA_F(REUSED_PORTS);

    out->rel_seq = in->seq - fwd->base_seq;
    out->rel_ack = (fl & TH_ACK) ? in->ack - rev->base_seq : in->ack;
    out->nxtseq = out->rel_seq + in->seglen + ((fl & (TH_SYN | TH_FIN)) ? 1u : 0u);
    out->window = in->window;
    if (!(fl & TH_SYN)) {
        /* SYNs are never scaled; the scale in force is the one known before this segment */
        if (fwd->win_scale >= 0)
            out->window = (uint32_t)in->window << fwd->win_scale;
        out->scale = fwd->win_scale < 0 ? fwd->win_scale : (int32_t)(1u << fwd->win_scale);
    }

    if ((fl & (TH_SYN | TH_ACK)) == TH_SYN) {
        if (have_syn(c))
            (void)hs_of(t, c);  /* keeps the first SYN's time before mru_syn_ns moves on */
        c->mru_syn_ns = in->ts_ns;
        c->dir[dir & 1].sent_syn = 1;
    }
    /* Wireshark's iRTT: from the latest SYN to the first segment with ACK and no SYN,
     * either way, taken after that segment's analysis; a zero result counts as unset */
    if ((fl & (TH_SYN | TH_ACK)) == TH_ACK && have_syn(c) && first_rtt(c) == 0) {
        int64_t irtt = in->ts_ns - c->mru_syn_ns;
        struct ns_tcpa_hs *h;
        if (irtt != 0 && (h = hs_of(t, c)) != NULL)
            h->first_rtt_ns = irtt;
    }
    if (in->wscale >= 0)
        fwd->win_scale = (int8_t)(in->wscale > 14 ? 14 : in->wscale);   /* RFC 7323 2.3 */
    if (fl & TH_SYN) {
        /* a SYN without the option, or a SYN/ACK answering one without it: no scaling */
        if (fwd->win_scale == -1) {
            fwd->win_scale = -2;
            rev->win_scale = -2;
        } else if ((fl & TH_ACK) && rev->win_scale == -2) {
            fwd->win_scale = -2;
        }
    }
    /* SACK blocks are read after the analysis, for the other side's next segments; a
     * segment without them clears what the direction reported before (tshark 4.0).
     * Wireshark keeps at most 3 of a segment's blocks (its array has 4 slots, counted
     * from 1). */
    unsigned nsack = in->nsack < 3 ? in->nsack : 3;
    fwd->nsack = (uint8_t)nsack;
    fwd->sack_bytes = 0;
    for (unsigned k = 0; k < nsack; k++)
        fwd->sack_bytes += in->sack[k].right - in->sack[k].left;
    if (out->flags != 0 || out->acks_frame != 0)
        out->tree = true;
    /* the iRTT is shown inside the tcp.analysis tree, so only when there is one */
    if (first_rtt(c) != 0 && out->tree) {
        out->have_irtt = true;
        out->irtt_ns = first_rtt(c);
    }
    update_metrics(t, c, dir & 1, in, out);
}
