/* bench/gen_tcp.c: TCP flows, and the TCP events injected into them.
 *
 * A flow is a handshake (SYN with MSS and window scale, SYN/ACK, ACK), then rounds, then
 * FIN/FIN/ACK (or one RST). A round is a burst of 1 to 4 segments from one side and,
 * usually, a pure ACK from the other. The shapes are chosen so that Wireshark's TCP
 * analysis (epan/dissectors/packet-tcp.c, tcp_analyze_sequence_number) flags nothing in
 * a plain round:
 *   - a pure ACK always acknowledges new data, so it is never a duplicate ACK;
 *   - each side advertises one window for the whole flow, and the SYN's unscaled window
 *     equals the later window times 128, so no ACK reads as a window update;
 *   - at most four segments are in flight, far below the 64 KB window ("window full").
 * An event round changes one thing and records the frames in the event list:
 *   retransmission       last segment sent again after 200 ms + 2 RTT, then ACKed
 *   fast retransmission  4 segments, 3 duplicate ACKs for the first, resend within 2 ms
 *   out of order         the last two segments swapped, the second under 1 ms later
 *   zero window          the ACK advertises window 0; 50-300 ms later a window update
 *   keep-alive           after 0.5-2 s idle, seq = next - 1 with no data, then its ACK */
#include "gen_flow.h"

#include <string.h>

enum tcp_state { ST_SYN, ST_SYNACK, ST_HSACK, ST_DATA, ST_CLOSE1, ST_CLOSE2, ST_CLOSE3 };

/* What a round's op is; the frame tag says which event field its frame number fills. */
enum op_what { OP_SEG, OP_ACK, OP_DUPACK, OP_ZWIN, OP_WUPD, OP_KA, OP_KA_ACK };
enum op_tag { TAG_NONE, TAG_ORIG, TAG_MAIN, TAG_REL };

struct tcp_op {
    enum op_what what;
    enum op_tag tag;
    uint8_t seg;                /* OP_SEG: which segment of the burst */
};

#define WIN_CLIENT 502u         /* x 128 = 64256 */
#define WIN_SERVER 509u         /* x 128 = 65152 */
#define SIZE_HELLO 3

static const uint16_t event_cost_extra[NS_GEN_EV_COUNT] = { 0, 2, 0, 1, 2, 3 };

void ns_gen_tcp_setup(struct ns_gen_flow *f)
{
    f->nxt[0] = (uint32_t)ns_gen_rng_next(&f->rng);
    f->nxt[1] = (uint32_t)ns_gen_rng_next(&f->rng);
    f->rst_close = ns_gen_rng_below(&f->rng, 10) == 0;     /* 10 % end with a reset */
    f->closer = ns_gen_rng_below(&f->rng, 10) >= 7;        /* the server closes 30 % */
}

static uint32_t teardown_cost(const struct ns_gen_flow *f)
{
    return f->rst_close ? 1 : 3;
}

uint32_t ns_gen_tcp_min_packets(const struct ns_gen_flow *f)
{
    return 3 + 2 + teardown_cost(f);
}

static uint16_t win_of(unsigned dir)
{
    return (uint16_t)(dir ? WIN_SERVER : WIN_CLIENT);
}

/* ---- segment sizes ---- */

static uint8_t size_class(const struct ns_gen_flow *f, uint8_t i)
{
    return (f->r_sizes >> (2 * i)) & 3;
}

/* The hello bytes depend only on the seed, the flow and the side, so they can be rebuilt
 * whenever needed instead of being stored per flow. */
static size_t build_hello(const struct ns_gen *g, uint32_t idx, unsigned dir, uint8_t *out)
{
    uint64_t s = g->cfg.seed ^ (idx * 0x9e3779b97f4a7c15ULL) ^ dir;
    char sni[64];
    if (dir)
        return ns_gen_tls_server_hello(out, &s);
    ns_gen_flow_name(sni, sizeof sni, idx, true);
    return ns_gen_tls_client_hello(out, sni, &s);
}

static uint32_t seg_len(const struct ns_gen *g, uint32_t idx, uint8_t i)
{
    const struct ns_gen_flow *f = &g->flows[idx];
    uint8_t buf[NS_GEN_APP_MAX];
    switch (size_class(f, i)) {
    case 0:
        return 64;
    case 1:
        return 512;
    case 2:
        return f->v6 ? 1440 : 1460;                         /* the MSS we advertised */
    default:
        return (uint32_t)build_hello(g, idx, f->r_dir, buf);
    }
}

static uint32_t seg_off(const struct ns_gen *g, uint32_t idx, uint8_t i)
{
    uint32_t off = 0;
    for (uint8_t j = 0; j < i; j++)
        off += seg_len(g, idx, j);
    return off;
}

/* ---- rounds ---- */

static uint32_t round_ops(const struct ns_gen_flow *f)
{
    if (f->r_event == NS_GEN_EV_FAST_RETRANS)
        return 9;
    if (f->r_event == NS_GEN_EV_NONE)
        return f->r_k + f->r_ack;
    return f->r_k + event_cost_extra[f->r_event];
}

static enum ns_gen_ev_kind pick_event(struct ns_gen_flow *f, unsigned dir, uint32_t data_left)
{
    if (f->rounds < 2)
        return NS_GEN_EV_NONE;      /* both sides have sent their data window by now */
    /* Per eligible round, in 1/1000: the rates the README documents. */
    static const uint16_t cumul[] = { 10, 15, 20, 23, 26 };
    uint32_t u = ns_gen_rng_below(&f->rng, 1000);
    enum ns_gen_ev_kind k = NS_GEN_EV_NONE;
    for (unsigned i = 0; i < 5 && k == NS_GEN_EV_NONE; i++)
        if (u < cumul[i])
            k = (enum ns_gen_ev_kind)(i + 1);
    uint32_t need = k == NS_GEN_EV_FAST_RETRANS ? 9 : 4 + event_cost_extra[k];
    /* A duplicate ACK repeats the receiver's last ACK: if that one left data of ours
     * unacknowledged, the first "duplicate" would acknowledge new data instead. */
    if (k == NS_GEN_EV_FAST_RETRANS && (f->unacked & (1u << dir)))
        return NS_GEN_EV_NONE;
    return need <= data_left ? k : NS_GEN_EV_NONE;
}

static uint8_t draw_size(struct ns_gen_flow *f, unsigned dir)
{
    /* Requests are mostly small, responses mostly full-sized. */
    uint32_t u = ns_gen_rng_below(&f->rng, 100);
    if (dir == 0)
        return u < 60 ? 0 : u < 90 ? 1 : 2;
    return u < 15 ? 0 : u < 40 ? 1 : 2;
}

static void plan_round(struct ns_gen *g, uint32_t idx, uint32_t data_left)
{
    struct ns_gen_flow *f = &g->flows[idx];
    unsigned dir = f->rounds == 0 ? 0 : ns_gen_rng_below(&f->rng, 10) < 6;
    bool tls_hello = f->dport == 443 && !(f->hello_sent & (1u << dir));
    f->r_dir = (uint8_t)dir;
    f->r_event = tls_hello ? NS_GEN_EV_NONE : (uint8_t)pick_event(f, dir, data_left);
    f->r_k = (uint8_t)(1 + ns_gen_rng_below(&f->rng, dir ? 4 : 2));
    if (f->r_event == NS_GEN_EV_FAST_RETRANS)
        f->r_k = 4;
    else if (f->r_event == NS_GEN_EV_OOO && f->r_k < 2)
        f->r_k = 2;
    else if (f->r_event == NS_GEN_EV_NONE && f->r_k > data_left)
        f->r_k = (uint8_t)data_left;
    f->r_sizes = 0;
    for (uint8_t i = 0; i < f->r_k; i++)
        f->r_sizes |= (uint8_t)(draw_size(f, dir) << (2 * i));
    if (tls_hello) {
        f->r_k = 1;
        f->r_sizes = SIZE_HELLO;
        f->hello_sent |= (uint8_t)(1u << dir);
    }
    f->r_ack = data_left > f->r_k && ns_gen_rng_below(&f->rng, 10) < 7;
    f->r_step = 0;
    /* Our segments acknowledge the other side; an ACK ends every round but plain ones
     * without r_ack. */
    f->unacked &= (uint8_t)~(1u << !dir);
    if (f->r_ack || f->r_event != NS_GEN_EV_NONE)
        f->unacked &= (uint8_t)~(1u << dir);
    else
        f->unacked |= (uint8_t)(1u << dir);
    f->r_seq0 = f->nxt[dir];
    f->nxt[dir] += seg_off(g, idx, f->r_k);
    f->rounds += f->rounds < 255;
    if (f->r_event != NS_GEN_EV_NONE)
        f->r_ev = (uint32_t)(ns_gen_event_new(g, idx, (enum ns_gen_ev_kind)f->r_event) - g->ev);
}

/* The op at this step of the round; pure, so the emitter and the planner agree. */
static struct tcp_op round_op(const struct ns_gen_flow *f, uint8_t step)
{
    uint8_t k = f->r_k;
    struct tcp_op seg = { OP_SEG, TAG_NONE, step };
    switch (f->r_event) {
    case NS_GEN_EV_RETRANS:
        if (step == k - 1)
            return (struct tcp_op){ OP_SEG, TAG_ORIG, step };
        if (step == k)
            return (struct tcp_op){ OP_SEG, TAG_MAIN, (uint8_t)(k - 1) };
        return step < k ? seg : (struct tcp_op){ OP_ACK, TAG_NONE, 0 };
    case NS_GEN_EV_FAST_RETRANS:
        if (step == 0)
            return (struct tcp_op){ OP_SEG, TAG_ORIG, 0 };
        if (step >= 4 && step <= 6)
            return (struct tcp_op){ OP_DUPACK, TAG_REL, 0 };
        if (step == 7)
            return (struct tcp_op){ OP_SEG, TAG_MAIN, 0 };
        return step < 4 ? seg : (struct tcp_op){ OP_ACK, TAG_NONE, 0 };
    case NS_GEN_EV_OOO:
        if (step == k - 2)          /* the later segment first: "previous not captured" */
            return (struct tcp_op){ OP_SEG, TAG_REL, (uint8_t)(k - 1) };
        if (step == k - 1)
            return (struct tcp_op){ OP_SEG, TAG_MAIN, (uint8_t)(k - 2) };
        return step < k ? seg : (struct tcp_op){ OP_ACK, TAG_NONE, 0 };
    case NS_GEN_EV_ZERO_WINDOW:
        if (step == k)
            return (struct tcp_op){ OP_ZWIN, TAG_MAIN, 0 };
        return step < k ? seg : (struct tcp_op){ OP_WUPD, TAG_REL, 0 };
    case NS_GEN_EV_KEEP_ALIVE:
        if (step == k + 1)
            return (struct tcp_op){ OP_KA, TAG_MAIN, 0 };
        if (step == k + 2)
            return (struct tcp_op){ OP_KA_ACK, TAG_REL, 0 };
        return step < k ? seg : (struct tcp_op){ OP_ACK, TAG_NONE, 0 };
    default:
        return step < k ? seg : (struct tcp_op){ OP_ACK, TAG_NONE, 0 };
    }
}

/* Microseconds before the op at this step. The bounds here are what make Wireshark call
 * each event by our name: > 200 ms for a retransmission, < 20 ms after the last duplicate
 * ACK for a fast one, < the handshake RTT (>= 2 ms) for out of order. */
static uint32_t round_gap(struct ns_gen_flow *f, uint8_t step)
{
    struct tcp_op op = round_op(f, step);
    uint64_t *r = &f->rng;
    uint32_t g = f->gap_us;
    if (op.tag == TAG_MAIN || op.tag == TAG_REL) {
        switch (f->r_event) {
        case NS_GEN_EV_RETRANS:
            return 200000 + 2 * f->rtt_us + ns_gen_rng_below(r, 100000);
        case NS_GEN_EV_FAST_RETRANS:
            return op.what == OP_SEG ? ns_gen_rng_range(r, 100, 2000) : ns_gen_rng_range(r, 10, 200);
        case NS_GEN_EV_OOO:
            return op.tag == TAG_MAIN ? ns_gen_rng_range(r, 50, 900) : ns_gen_rng_range(r, 5, 50);
        case NS_GEN_EV_ZERO_WINDOW:
            return op.what == OP_WUPD ? ns_gen_rng_range(r, 50000, 300000) : g;
        case NS_GEN_EV_KEEP_ALIVE:
            return op.what == OP_KA ? ns_gen_rng_range(r, 500000, 2000000) : f->rtt_us;
        }
    }
    if (op.what == OP_SEG && step > 0)
        return ns_gen_rng_range(r, 5, 50);                /* back to back in a burst */
    return g / 2 + ns_gen_rng_below(r, g + 1);
}

/* ---- packets ---- */

static void fill_tcp(const struct ns_gen *g, uint32_t idx, struct ns_gen_pkt *p, unsigned dir,
                     uint8_t flags, uint32_t seq, uint32_t ack)
{
    const struct ns_gen_flow *f = &g->flows[idx];
    uint8_t cli[16], srv[16];
    ns_gen_flow_addrs(g, idx, cli, srv);
    memset(p, 0, sizeof *p);
    p->l4 = NS_GEN_L4_TCP;
    p->v6 = f->v6;
    p->from_client = dir == 0;
    memcpy(p->src, dir ? srv : cli, 16);
    memcpy(p->dst, dir ? cli : srv, 16);
    p->sport = dir ? f->dport : f->sport;
    p->dport = dir ? f->sport : f->dport;
    p->flags = flags;
    p->seq = seq;
    p->ack = ack;
    p->win = win_of(dir);
}

static void record(struct ns_gen *g, const struct ns_gen_flow *f, enum op_tag tag, uint32_t frame)
{
    if (tag == TAG_NONE)
        return;
    struct ns_gen_event *e = &g->ev[f->r_ev];
    if (tag == TAG_ORIG)
        e->orig = frame;
    else if (tag == TAG_MAIN)
        e->frame = frame;
    else if (e->nrel < 3)
        e->rel[e->nrel++] = frame;
}

/* Payload of segment i: a hello, a TLS application-data record on 443, pattern bytes
 * elsewhere. */
static void seg_payload(const struct ns_gen *g, uint32_t idx, uint8_t i, struct ns_gen_pkt *p,
                        uint8_t *buf)
{
    const struct ns_gen_flow *f = &g->flows[idx];
    uint32_t len = seg_len(g, idx, i);
    if (size_class(f, i) == SIZE_HELLO) {
        p->head_len = (uint16_t)build_hello(g, idx, f->r_dir, buf);
        p->head = buf;
        return;
    }
    if (f->dport == 443) {
        buf[0] = 23;
        buf[1] = 3;
        buf[2] = 3;
        buf[3] = (uint8_t)((len - 5) >> 8);
        buf[4] = (uint8_t)(len - 5);
        p->head = buf;
        p->head_len = 5;
        len -= 5;
    }
    p->body_len = (uint16_t)len;
}

static void emit_round_op(struct ns_gen *g, uint32_t idx)
{
    struct ns_gen_flow *f = &g->flows[idx];
    struct tcp_op op = round_op(f, f->r_step);
    unsigned d = f->r_dir, o = !d;
    uint32_t end = f->nxt[d];
    struct ns_gen_pkt p;
    uint8_t buf[NS_GEN_APP_MAX];
    switch (op.what) {
    case OP_SEG: {
        bool last = op.seg == f->r_k - 1;
        fill_tcp(g, idx, &p, d, NS_TCP_ACK | (last ? NS_TCP_PSH : 0),
                 f->r_seq0 + seg_off(g, idx, op.seg), f->nxt[o]);
        seg_payload(g, idx, op.seg, &p, buf);
        break;
    }
    case OP_DUPACK:
        fill_tcp(g, idx, &p, o, NS_TCP_ACK, f->nxt[o], f->r_seq0);
        break;
    case OP_KA:
        fill_tcp(g, idx, &p, d, NS_TCP_ACK, end - 1, f->nxt[o]);
        break;
    default:                        /* ACK, zero-window ACK, window update, keep-alive ACK */
        fill_tcp(g, idx, &p, o, NS_TCP_ACK, f->nxt[o], end);
        if (op.what == OP_ZWIN)
            p.win = 0;
        break;
    }
    record(g, f, op.tag, ns_gen_emit(g, idx, &p));
}

static uint32_t data_step(struct ns_gen *g, uint32_t idx)
{
    struct ns_gen_flow *f = &g->flows[idx];
    emit_round_op(g, idx);
    f->r_step++;
    if (f->r_step < round_ops(f))
        return round_gap(f, f->r_step);
    uint32_t left = f->budget - 1 - teardown_cost(f);
    if (left == 0) {
        f->state = ST_CLOSE1;
        return f->gap_us / 2 + ns_gen_rng_below(&f->rng, f->gap_us + 1);
    }
    plan_round(g, idx, left);
    return round_gap(f, 0);
}

static uint32_t close_step(struct ns_gen *g, uint32_t idx)
{
    struct ns_gen_flow *f = &g->flows[idx];
    unsigned c = f->closer, o = !c;
    struct ns_gen_pkt p;
    if (f->state == ST_CLOSE1) {
        uint8_t fl = f->rst_close ? NS_TCP_RST | NS_TCP_ACK : NS_TCP_FIN | NS_TCP_ACK;
        fill_tcp(g, idx, &p, c, fl, f->nxt[c], f->nxt[o]);
        f->nxt[c] += !f->rst_close;
        ns_gen_emit(g, idx, &p);
        f->state = ST_CLOSE2;
        return f->rtt_us / 2 + 1;
    }
    if (f->state == ST_CLOSE2) {
        fill_tcp(g, idx, &p, o, NS_TCP_FIN | NS_TCP_ACK, f->nxt[o], f->nxt[c]);
        f->nxt[o]++;
        ns_gen_emit(g, idx, &p);
        f->state = ST_CLOSE3;
        return ns_gen_rng_range(&f->rng, 20, 100);
    }
    fill_tcp(g, idx, &p, c, NS_TCP_ACK, f->nxt[c], f->nxt[o]);
    ns_gen_emit(g, idx, &p);
    return 0;
}

static uint32_t handshake_step(struct ns_gen *g, uint32_t idx)
{
    struct ns_gen_flow *f = &g->flows[idx];
    struct ns_gen_pkt p;
    if (f->state == ST_SYN) {
        fill_tcp(g, idx, &p, 0, NS_TCP_SYN, f->nxt[0]++, 0);
        p.win = (uint16_t)(WIN_CLIENT << 7);
        p.syn_opts = true;
        ns_gen_emit(g, idx, &p);
        f->state = ST_SYNACK;
        return f->rtt_us;
    }
    if (f->state == ST_SYNACK) {
        fill_tcp(g, idx, &p, 1, NS_TCP_SYN | NS_TCP_ACK, f->nxt[1]++, f->nxt[0]);
        p.win = (uint16_t)(WIN_SERVER << 7);
        p.syn_opts = true;
        ns_gen_emit(g, idx, &p);
        f->state = ST_HSACK;
        return ns_gen_rng_range(&f->rng, 20, 100);
    }
    fill_tcp(g, idx, &p, 0, NS_TCP_ACK, f->nxt[0], f->nxt[1]);
    ns_gen_emit(g, idx, &p);
    f->state = ST_DATA;
    plan_round(g, idx, f->budget - 1 - teardown_cost(f));
    return round_gap(f, 0);
}

uint32_t ns_gen_tcp_step(struct ns_gen *g, uint32_t idx)
{
    uint8_t st = g->flows[idx].state;
    if (st <= ST_HSACK)
        return handshake_step(g, idx);
    if (st == ST_DATA)
        return data_step(g, idx);
    return close_step(g, idx);
}
