/* core/zeek.c: Zeek conn_state and history; contract and sources in zeek.h. */
#include "core/zeek.h"

#include <string.h>

/* Zeek's EndpointState order (TCP_Endpoint.h, and the TCP_* script constants). */
enum {
    EP_INACTIVE = 0,
    EP_SYN_SENT,
    EP_SYN_ACK_SENT,
    EP_PARTIAL,
    EP_ESTABLISHED,
    EP_CLOSED,
    EP_RESET,
};

/* History masks of TCP_Endpoint (HIST_*_PKT); the responder's sit 8 bits up here,
 * 16 in Zeek's 32-bit hist_seen, which only needs the low 7 of each half. */
enum {
    SEEN_SYN = 0x01,
    SEEN_FIN = 0x02,
    SEEN_RST = 0x04,
    SEEN_FIN_RST = 0x08,
    SEEN_DATA = 0x10,
    SEEN_ACK = 0x20,
    SEEN_MULTI = 0x40,
};

enum {
    NS_ZEEK_F_FLIPPED = 0x01,   /* roles are swapped relative to the caller's from_orig */
    NS_ZEEK_F_LOST = 0x02,      /* a letter did not fit */
};

enum {
    NS_ZEEK_EP_FIN = 0x01,      /* FIN_cnt > 0 */
    NS_ZEEK_EP_ACTIVE = 0x02,   /* UDP: a datagram was seen (UDP_ACTIVE) */
};

/* TCPSessionAdapter.cc: TOO_LARGE_SEQ_DELTA. */
#define TOO_LARGE_SEQ_DELTA 1048576

/* The thresholds Connection::ScaledHistoryEntry walks through with base 10 in uint32_t
 * arithmetic: 1, 10, ..., 10^9, then 10^10 mod 2^32. The next step from there wraps
 * below it, and Zeek then resets the counter and keeps the threshold. */
static const uint32_t scaled_thresh[] = {
    1u, 10u, 100u, 1000u, 10000u, 100000u, 1000000u, 10000000u, 100000000u,
    1000000000u, 1410065408u,
};

static uint8_t ep_state(const struct ns_zeek_ep *e) { return e->state & 0x0f; }
static uint8_t ep_prev(const struct ns_zeek_ep *e) { return (uint8_t)(e->state >> 4); }

/* TCP_Endpoint::SetState: prev_state changes only on a real change. */
static void ep_set(struct ns_zeek_ep *e, uint8_t s)
{
    if (s != ep_state(e))
        e->state = (uint8_t)(ep_state(e) << 4 | s);
}

static char letter(char upper, bool orig)
{
    return orig ? upper : (char)(upper - 'A' + 'a');
}

static void add_history(struct ns_zeek *z, char c)
{
    if (z->hist_len < NS_ZEEK_HIST_CAP)
        z->hist[z->hist_len++] = c;
    else
        z->flags |= NS_ZEEK_F_LOST;
}

/* Connection::CheckHistory: records the letter the first time; true if seen before. */
static bool check_history(struct ns_zeek *z, bool orig, uint16_t mask, char upper)
{
    uint16_t m = orig ? mask : (uint16_t)(mask << 8);

    if (z->seen & m)
        return true;
    z->seen |= m;
    add_history(z, letter(upper, orig));
    return false;
}

/* Connection::ScaledHistoryEntry with base 10. step is a 4-bit index into
 * scaled_thresh, kept in the nibble at shift. */
static void scaled_history(struct ns_zeek *z, bool orig, char upper, uint32_t *cnt,
                           uint8_t *steps, unsigned shift)
{
    unsigned idx = (*steps >> shift) & 0x0fu;
    uint32_t thr = scaled_thresh[idx];

    if (++*cnt != thr)
        return;
    add_history(z, letter(upper, orig));
    uint32_t next = thr * 10u;
    if (next <= thr)
        *cnt = 0;
    else
        *steps = (uint8_t)((*steps & ~(0x0fu << shift)) | (idx + 1u) << shift);
}

/* TCPSessionAdapter.cc: init_endpoint(). */
static void init_endpoint(struct ns_zeek_ep *e, bool syn, uint32_t seq, uint32_t end)
{
    switch (ep_state(e)) {
    case EP_INACTIVE:
        if (syn) {
            e->start_seq = seq;
        } else {
            /* Midstream: number as if a SYN came just before, and keep the first
             * segment from looking like a retransmission. */
            e->start_seq = seq - 1u;
            end = seq;
        }
        e->last_seq = end;
        break;
    case EP_SYN_SENT:
    case EP_SYN_ACK_SENT:
        if (syn && seq != e->start_seq) {
            e->start_seq = seq;
            e->last_seq = end;
        }
        break;
    case EP_ESTABLISHED:
    case EP_PARTIAL:
        if (syn) {
            e->start_seq = seq;
            e->last_seq = end;
        }
        break;
    case EP_RESET:
        /* A SYN after a RST that set up the numbering: the RST may have been forged. */
        if (syn && ep_prev(e) == EP_INACTIVE) {
            e->start_seq = seq;
            e->last_seq = end;
        }
        break;
    default:
        break;
    }
}

/* TCPSessionAdapter.cc: update_history(). rel is the sequence number relative to
 * StartSeq, the value Zeek compares with hist_last_*. */
static void update_history(struct ns_zeek *z, bool orig, struct ns_zeek_ep *e,
                           uint16_t flags, uint32_t rel, uint32_t len)
{
    bool syn = flags & NS_ZEEK_SYN, fin = flags & NS_ZEEK_FIN, rst = flags & NS_ZEEK_RST;
    int bits = syn + fin + rst;

    if (bits > 1) {
        if (fin && rst)
            check_history(z, orig, SEEN_FIN_RST, 'I');
        else
            check_history(z, orig, SEEN_MULTI, 'Q');
    } else if (syn) {
        char c = (flags & NS_ZEEK_ACK) ? 'H' : 'S';
        if (check_history(z, orig, SEEN_SYN, c) && rel != e->last_syn)
            add_history(z, letter(c, orig));
        e->last_syn = rel;
    } else if (fin) {
        /* A FIN's sequence number is the end of the data it carries. */
        if (check_history(z, orig, SEEN_FIN, 'F') && rel + len != e->last_fin)
            add_history(z, letter('F', orig));
        e->last_fin = rel + len;
    } else if (rst) {
        if (check_history(z, orig, SEEN_RST, 'R') && rel != e->last_rst)
            add_history(z, letter('R', orig));
        e->last_rst = rel;
    } else if (len) {
        check_history(z, orig, SEEN_DATA, 'D');
    } else if (flags & NS_ZEEK_ACK) {
        check_history(z, orig, SEEN_ACK, 'A');
    }
}

/* TCPSessionAdapter.cc: update_last_seq(), the part that marks retransmissions. */
static void update_last_seq(struct ns_zeek *z, bool orig, struct ns_zeek_ep *e,
                            uint16_t flags, uint32_t end, uint32_t len)
{
    int32_t delta = (int32_t)(end - e->last_seq);

    if ((flags & (NS_ZEEK_SYN | NS_ZEEK_RST)) &&
        (delta > TOO_LARGE_SEQ_DELTA || delta < -TOO_LARGE_SEQ_DELTA))
        return;
    if ((flags & NS_ZEEK_FIN) && e->last_seq == e->start_seq + 1u)
        e->last_seq = end;      /* only SYN then FIN seen: trust the FIN (>2 GB flows) */
    else if (ep_state(e) == EP_RESET)
        return;
    else if (delta > 0)
        e->last_seq = end;
    else if (len > 0)
        scaled_history(z, orig, 'T', &e->rxmt_cnt, &e->thresh, 0);
}

static void swap_roles(struct ns_zeek *z)
{
    struct ns_zeek_ep t = z->ep[0];

    z->ep[0] = z->ep[1];
    z->ep[1] = t;
    z->flags ^= NS_ZEEK_F_FLIPPED;
    add_history(z, '^');
}

/* TCPSessionAdapter.cc: UpdateStateMachine() and the Update*State() it calls, reduced to
 * the endpoint states (weirds, events and timers are not this module's business).
 * Returns true if the roles were flipped. */
static bool update_state(struct ns_zeek *z, bool orig, uint16_t flags, uint32_t seq,
                         uint32_t len)
{
    struct ns_zeek_ep *e = &z->ep[orig ? 0 : 1];
    struct ns_zeek_ep *p = &z->ep[orig ? 1 : 0];
    bool syn = flags & NS_ZEEK_SYN, fin = flags & NS_ZEEK_FIN, rst = flags & NS_ZEEK_RST;
    bool ack = flags & NS_ZEEK_ACK;
    bool flipped = false;

    switch (ep_state(e)) {
    case EP_INACTIVE:
        if (syn) {
            if (orig) {
                ep_set(e, ack ? EP_SYN_ACK_SENT : EP_SYN_SENT);
            } else {
                if (!ack && ep_state(p) == EP_SYN_ACK_SENT && seq == e->start_seq) {
                    /* SYN/SYN-ACK reversal: the "originator" answered; swap roles.
                     * e and p keep pointing at the same endpoints after the swap. */
                    swap_roles(z);
                    flipped = true;
                    e = &z->ep[0];
                    p = &z->ep[1];
                    ep_set(p, EP_ESTABLISHED);
                }
                if (ep_state(p) == EP_SYN_SENT)
                    ep_set(p, EP_ESTABLISHED);
                ep_set(e, EP_ESTABLISHED);
            }
        }
        if (fin)
            ep_set(e, EP_CLOSED);
        if (rst)
            ep_set(e, EP_RESET);
        if (ep_state(e) == EP_INACTIVE) {
            /* Zeek tests orig->state here, the originator whoever sent this. */
            if (!orig && len == 0 && ep_state(&z->ep[0]) == EP_SYN_SENT)
                ;   /* a bare ACK of the SYN before the SYN-ACK: not partial */
            else if (ack && ep_state(p) == EP_ESTABLISHED)
                ep_set(e, EP_ESTABLISHED);  /* SYN-ACK seen, its SYN missed */
            else
                ep_set(e, EP_PARTIAL);
        }
        break;
    case EP_SYN_SENT:
    case EP_SYN_ACK_SENT:
        if (fin)
            ep_set(e, EP_CLOSED);
        if (rst)
            ep_set(e, EP_RESET);
        break;
    case EP_ESTABLISHED:
    case EP_PARTIAL:
        if (syn && ep_state(e) == EP_PARTIAL && ep_state(p) == EP_INACTIVE && !ack)
            ep_set(e, EP_SYN_SENT);
        if (fin && !rst) {
            ep_set(e, EP_CLOSED);
            /* The peer's FIN then RST was a normal close after all. */
            if (ep_state(p) == EP_RESET && ep_prev(p) == EP_CLOSED)
                ep_set(p, EP_CLOSED);
        }
        if (rst)
            ep_set(e, EP_RESET);
        break;
    case EP_CLOSED:
        /* After a FIN exchange a RST changes nothing. */
        if (rst && ep_state(p) != EP_CLOSED)
            ep_set(e, EP_RESET);
        break;
    default:
        break;
    }
    return flipped;
}

void ns_zeek_init(struct ns_zeek *z, uint8_t proto)
{
    memset(z, 0, sizeof *z);
    z->proto = proto;
}

bool ns_zeek_update(struct ns_zeek *z, bool from_orig, uint16_t flags, uint32_t seq,
                    uint32_t payload, uint16_t window)
{
    bool orig = from_orig != ((z->flags & NS_ZEEK_F_FLIPPED) != 0);

    if (z->proto == 17) {
        /* UDP.cc: each datagram with a good checksum sets D/d once and makes its
         * sender active, whatever its length. */
        z->ep[orig ? 0 : 1].bits |= NS_ZEEK_EP_ACTIVE;
        check_history(z, orig, SEEN_DATA, 'D');
        return false;
    }
    if (z->proto != 6)
        return false;

    struct ns_zeek_ep *e = &z->ep[orig ? 0 : 1];
    struct ns_zeek_ep *p = &z->ep[orig ? 1 : 0];
    /* get_segment_len(): SYN and FIN take a sequence number; a RST's data does not
     * belong to the stream. */
    uint32_t seg = payload;
    if (flags & NS_ZEEK_SYN)
        seg++;
    if (flags & NS_ZEEK_FIN)
        seg++;
    if (flags & NS_ZEEK_RST)
        seg -= payload;

    init_endpoint(e, flags & NS_ZEEK_SYN, seq, seq + seg);
    update_history(z, orig, e, flags, seq - e->start_seq, payload);

    /* update_window(): a zero window counts unless it rides on or follows a RST, or
     * the peer has already closed. window << scale is 0 only when window is 0. */
    if (window == 0 && !(flags & NS_ZEEK_RST) && ep_state(p) != EP_CLOSED &&
        ep_state(e) != EP_RESET)
        scaled_history(z, orig, 'W', &e->win0_cnt, &e->thresh, 4);

    if (flags & NS_ZEEK_FIN)
        e->bits |= NS_ZEEK_EP_FIN;
    update_last_seq(z, orig, e, flags, seq + seg, payload);
    return update_state(z, orig, flags, seq, payload);
}

void ns_zeek_flip(struct ns_zeek *z)
{
    swap_roles(z);
}

/* TCP_Endpoint::Size() from the highest sequence sent; Zeek also counts data the peer
 * acknowledged beyond that, which is not kept here. */
static bool ep_sent_bytes(const struct ns_zeek_ep *e)
{
    uint32_t size = e->last_seq - e->start_seq;

    if (size != 0)
        size--;                 /* the SYN, real or assumed */
    if ((e->bits & NS_ZEEK_EP_FIN) && size != 0)
        size--;
    return size != 0;
}

/* main.zeek conn_state(): the pattern  ^?S[^HAFGIQ]*R.*  (Zeek regex, "^" literal
 * first) matched against the whole history. */
static bool rstos0_history(const struct ns_zeek *z)
{
    size_t i = 0, n = z->hist_len;

    if (i < n && z->hist[i] == '^')
        i++;
    if (i >= n || z->hist[i] != 'S')
        return false;
    for (i++; i < n; i++) {
        if (z->hist[i] == 'R')
            return true;
        if (strchr("HAFGIQ", z->hist[i]))
            return false;
    }
    return false;
}

const char *ns_zeek_conn_state(const struct ns_zeek *z)
{
    if (z->proto == 17) {
        bool o = z->ep[0].bits & NS_ZEEK_EP_ACTIVE, r = z->ep[1].bits & NS_ZEEK_EP_ACTIVE;
        if (o)
            return r ? "SF" : "S0";
        return r ? "SHR" : "OTH";
    }
    if (z->proto != 6)
        return "OTH";

    uint8_t os = ep_state(&z->ep[0]), rs = ep_state(&z->ep[1]);
    bool o_inactive = os == EP_INACTIVE || os == EP_PARTIAL;
    bool r_inactive = rs == EP_INACTIVE || rs == EP_PARTIAL;

    if (rs == EP_RESET) {
        if (os == EP_SYN_SENT || os == EP_SYN_ACK_SENT ||
            (os == EP_RESET && !ep_sent_bytes(&z->ep[0]) && !ep_sent_bytes(&z->ep[1])))
            return "REJ";
        return o_inactive ? "RSTRH" : "RSTR";
    }
    if (os == EP_RESET) {
        if (r_inactive)
            return rstos0_history(z) ? "RSTOS0" : "OTH";
        return "RSTO";
    }
    if (rs == EP_CLOSED && os == EP_CLOSED)
        return "SF";
    if (os == EP_CLOSED)
        return r_inactive ? "SH" : "S2";
    if (rs == EP_CLOSED)
        return o_inactive ? "SHR" : "S3";
    if (os == EP_SYN_SENT && rs == EP_INACTIVE)
        return "S0";
    if (os == EP_ESTABLISHED && rs == EP_ESTABLISHED)
        return "S1";
    return "OTH";
}

bool ns_zeek_history(const struct ns_zeek *z, char *out, size_t cap)
{
    size_t n = z->hist_len;

    if (cap == 0)
        return false;
    if (n > cap - 1)
        n = cap - 1;
    memcpy(out, z->hist, n);
    out[n] = '\0';
    return n == z->hist_len && !(z->flags & NS_ZEEK_F_LOST);
}
