/* core/zeek.h: Zeek-compatible conn.log conn_state and history for one flow.
 * Rules from zeek/zeek: scripts/base/protocols/conn/main.zeek (conn_state(), and the
 * history letter table in Conn::Info), src/packet_analysis/protocol/tcp/
 * TCPSessionAdapter.cc (Process(): update_history, update_window, update_last_seq,
 * UpdateStateMachine and its Update*State helpers), src/analyzer/protocol/tcp/
 * TCP_Endpoint.cc (SetState, CheckHistory, DidRxmit, ZeroWindow), src/Conn.h/.cc
 * (CheckHistory, ScaledHistoryEntry, FlipRoles), src/packet_analysis/protocol/udp/
 * UDP.cc and UDPSessionAdapter.cc. Written from reading, not copied.
 * In:     every packet of one flow, in capture order: direction, TCP flag bits, sequence
 *         number, payload length and raw window field.
 * Out:    the conn_state string and the history string Zeek would log if the flow
 *         ended now.
 * Owns:   nothing outside the struct; no allocation, no globals. The struct lives where
 *         the caller puts it (core/track.c: an array beside the flow table).
 * Full:   history holds NS_ZEEK_HIST_CAP letters; later letters are dropped and
 *         ns_zeek_history() reports the loss (Zeek's own string is unbounded).
 * Never:  prints, allocates, reads a global.
 *
 * Not done (differences from Zeek, by design or for lack of input):
 *  - 'c'/'C' bad checksum and 'g'/'G' content gap: netscope neither verifies checksums
 *    nor reassembles here. Callers should not pass packets they know to be corrupt.
 *  - 'x' (analysis partial) and Zeek's connection reuse (a new SYN after close starting
 *    a new connection): that is the flow table's decision.
 *  - the port-based orientation of a new connection (WantConnection /
 *    likely_server_ports): the caller picks the originator; if it flips roles after the
 *    first packet it calls ns_zeek_flip(), which does what Connection::FlipRoles does.
 *  - sequence numbers are 32-bit: Zeek's 64-bit relative numbering (wrap counting) and
 *    the ack-based part of an endpoint's size (TCP_Endpoint::Size) are not kept, so the
 *    REJ "both sizes are 0" test uses the highest sequence sent only.
 *  - ICMP and other protocols: conn_state "OTH" and an empty history, as Zeek. */
#ifndef NS_ZEEK_H
#define NS_ZEEK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* TCP flag bits as they sit in the header's low 12 bits (RFC 9293 section 3.1). */
#define NS_ZEEK_FIN 0x001u
#define NS_ZEEK_SYN 0x002u
#define NS_ZEEK_RST 0x004u
#define NS_ZEEK_PSH 0x008u
#define NS_ZEEK_ACK 0x010u

/* Letters kept per flow. A normal connection needs 8 ("ShADadFf"); the distinct
 * once-per-direction letters are 14, plus repeats. Sized so the struct is 96 bytes. */
#define NS_ZEEK_HIST_CAP 27

/* Longest conn_state string ("RSTOS0") plus NUL. */
#define NS_ZEEK_STATE_LEN 7

/* One endpoint, as Zeek's TCP_Endpoint keeps it (only what the two columns need). */
struct ns_zeek_ep {
    uint32_t start_seq;         /* StartSeq: ISN, or seq - 1 when joined midstream */
    uint32_t last_seq;          /* LastSeq: one past the highest segment end */
    uint32_t last_syn, last_fin, last_rst;  /* hist_last_*: relative seq of last flag */
    uint32_t rxmt_cnt, win0_cnt;            /* counters for the scaled 't' and 'w' */
    uint8_t state;              /* low nibble: state; high nibble: prev_state */
    uint8_t thresh;             /* low nibble: rxmt threshold step; high: win0 */
    uint8_t bits;               /* NS_ZEEK_EP_* */
};

struct ns_zeek {
    struct ns_zeek_ep ep[2];    /* [0] originator, [1] responder (Zeek's roles) */
    uint16_t seen;              /* Connection::hist_seen: bits 0-7 orig, 8-15 resp */
    uint8_t proto;              /* IP protocol given to init */
    uint8_t flags;              /* NS_ZEEK_F_* */
    uint8_t hist_len;
    char hist[NS_ZEEK_HIST_CAP];
};

/* Starts a flow of IP protocol proto (6 TCP, 17 UDP, anything else "OTH"). */
void ns_zeek_init(struct ns_zeek *z, uint8_t proto);

/* One packet. from_orig: sent by the side the caller calls originator. flags: the 12 TCP
 * flag bits (ignored unless TCP); seq: TCP sequence number; payload: segment or datagram
 * payload length; window: raw TCP window field.
 * Returns true when Zeek would flip originator and responder on this packet (a SYN from
 * the responder answering an originator's SYN-ACK, TCPSessionAdapter::
 * UpdateInactiveState); the module then keeps taking from_orig in the caller's
 * orientation, and the caller decides whether to swap its own endpoints for output. */
bool ns_zeek_update(struct ns_zeek *z, bool from_orig, uint16_t flags, uint32_t seq,
                    uint32_t payload, uint16_t window);

/* Swaps originator and responder and records '^' (Connection::FlipRoles). Call it when
 * the caller's flow table changes its mind about who originated. from_orig in later
 * calls stays in the caller's original orientation. */
void ns_zeek_flip(struct ns_zeek *z);

/* conn_state as conn.log would give it for the flow so far ("S0", "SF", ..., "OTH").
 * Static string. */
const char *ns_zeek_conn_state(const struct ns_zeek *z);

/* Writes the history, NUL-terminated and cut to cap - 1 letters, into out (cap >= 1).
 * Returns false if letters were lost, here or because the flow passed
 * NS_ZEEK_HIST_CAP. */
bool ns_zeek_history(const struct ns_zeek *z, char *out, size_t cap);

#endif
