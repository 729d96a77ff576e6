/* core/fields.h: the one field registry, and the values of a field in a dissected frame.
 * Contract: NS_FIELDS is the only list of fields. It drives the CLI's -e lookup and
 *           -G fields, JSON/EK names, docs/fields.md (cli/gen_fields.c) and the plugin's hf
 *           table (plugin/ws_fields.c). A field named like a Wireshark field has that field's
 *           meaning, type and tshark's printed form; netscope's own fields are netscope.*.
 *           ns_field_values() lists every occurrence of a field in a frame, outermost
 *           first, as tshark's -E occurrence=a does; ns_field_format() prints one value
 *           exactly as tshark 4.0 -T fields prints it.
 * Never:    allocates, prints, or keeps state. */
#ifndef NS_FIELDS_H
#define NS_FIELDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../dissectors/packet.h"
#include "reader.h"

enum ns_ftype {
    NS_FT_BOOL,         /* printed 1 / 0 (present only when the header is) */
    NS_FT_U8,
    NS_FT_U16,
    NS_FT_U32,
    NS_FT_U64,
    NS_FT_IPV4,
    NS_FT_IPV6,
    NS_FT_ETHER,
    NS_FT_STRING,
    NS_FT_ABS_TIME,     /* epoch seconds, nine decimals */
    NS_FT_REL_TIME,     /* signed seconds, nine decimals */
    NS_FT_I32,          /* signed decimal */
    NS_FT_NONE,         /* a label with no value (tshark's FT_NONE): printed 1 when present */
};

enum ns_fdisp {
    NS_FD_NONE,
    NS_FD_DEC,
    NS_FD_HEX,          /* 0x + two digits per byte of the type */
};

/* X(id, abbrev, type, display, title, blurb) */
#define NS_FIELDS(X) \
    X(FRAME_NUMBER,   "frame.number",        U32,  DEC,  "Frame Number", "1-based record number in the file") \
    X(FRAME_LEN,      "frame.len",           U32,  DEC,  "Frame length on the wire", "Original length of the packet") \
    X(FRAME_CAP_LEN,  "frame.cap_len",       U32,  DEC,  "Frame length stored into the capture file", "Captured length") \
    X(FRAME_TIME_EPOCH, "frame.time_epoch",  ABS_TIME, NONE, "Epoch Time", "Seconds since 1970-01-01 UTC") \
    X(FRAME_TIME_REL, "frame.time_relative", REL_TIME, NONE, "Time since first frame", "Seconds since the first frame of the file") \
    X(FRAME_IFACE,    "frame.interface_id",  U32,  DEC,  "Interface id", "pcapng interface index over all sections (absent for pcap)") \
    X(ETH_SRC,        "eth.src",             ETHER, NONE, "Source", "Ethernet source address") \
    X(ETH_DST,        "eth.dst",             ETHER, NONE, "Destination", "Ethernet destination address") \
    X(ETH_ADDR,       "eth.addr",            ETHER, NONE, "Address", "Ethernet destination then source address (tshark's order), for filters like eth.addr == x") \
    X(ETH_TYPE,       "eth.type",            U16,  HEX,  "Type", "Ethertype of an Ethernet II frame") \
    X(VLAN_ID,        "vlan.id",             U16,  DEC,  "VLAN ID", "802.1Q VLAN identifier (0x8100, 0x9100), one per tag; 802.1ad S-tags (0x88a8) are not listed") \
    X(MPLS_LABEL,     "mpls.label",          U32,  DEC,  "MPLS Label", "One per label in the stack") \
    X(IP_SRC,         "ip.src",              IPV4, NONE, "Source Address", "IPv4 source, every header (tunnels, ICMP quotes)") \
    X(IP_DST,         "ip.dst",              IPV4, NONE, "Destination Address", "IPv4 destination, every header") \
    X(IP_ADDR,        "ip.addr",             IPV4, NONE, "Source or Destination Address", "IPv4 source then destination, every header: ip.addr == x matches either") \
    X(IP_PROTO,       "ip.proto",            U8,   DEC,  "Protocol", "IPv4 protocol number") \
    X(IP_TTL,         "ip.ttl",              U8,   DEC,  "Time to Live", "IPv4 TTL") \
    X(IP_LEN,         "ip.len",              U16,  DEC,  "Total Length", "IPv4 total length field") \
    X(IP_ID,          "ip.id",               U16,  HEX,  "Identification", "IPv4 identification") \
    X(IP_MF,          "ip.flags.mf",         BOOL, NONE, "More fragments", "IPv4 MF flag") \
    X(IP_FRAG_OFFSET, "ip.frag_offset",      U16,  DEC,  "Fragment Offset", "IPv4 fragment offset in 8-byte units, as on the wire") \
    X(IPV6_SRC,       "ipv6.src",            IPV6, NONE, "Source Address", "IPv6 source, every header") \
    X(IPV6_DST,       "ipv6.dst",            IPV6, NONE, "Destination Address", "IPv6 destination, every header") \
    X(IPV6_ADDR,      "ipv6.addr",           IPV6, NONE, "Source or Destination Address", "IPv6 source then destination, every header") \
    X(IPV6_NXT,       "ipv6.nxt",            U8,   DEC,  "Next Header", "First next-header value of the IPv6 header") \
    X(IPV6_HLIM,      "ipv6.hlim",           U8,   DEC,  "Hop Limit", "IPv6 hop limit") \
    X(TCP_SRCPORT,    "tcp.srcport",         U16,  DEC,  "Source Port", "TCP source port") \
    X(TCP_DSTPORT,    "tcp.dstport",         U16,  DEC,  "Destination Port", "TCP destination port") \
    X(TCP_PORT,       "tcp.port",            U16,  DEC,  "Source or Destination Port", "TCP source then destination port: tcp.port == 443 matches either") \
    X(TCP_FLAGS,      "tcp.flags",           U16,  HEX,  "Flags", "The 12 TCP flag bits") \
    X(TCP_LEN,        "tcp.len",             U32,  DEC,  "TCP Segment Len", "Payload length by the IP header") \
    X(TCP_SEQ_RAW,    "tcp.seq_raw",         U32,  DEC,  "Sequence Number (raw)", "Sequence number as on the wire") \
    X(TCP_ACK_RAW,    "tcp.ack_raw",         U32,  DEC,  "Acknowledgment number (raw)", "Acknowledgment number as on the wire") \
    X(TCP_WIN,        "tcp.window_size_value", U16, DEC, "Window", "Window field, unscaled") \
    X(TCP_MSS,        "tcp.options.mss_val", U16,  DEC,  "MSS Value", "MSS option") \
    X(TCP_WSCALE,     "tcp.options.wscale.shift", U8, DEC, "Shift count", "Window scale option") \
    X(UDP_SRCPORT,    "udp.srcport",         U16,  DEC,  "Source Port", "UDP source port") \
    X(UDP_DSTPORT,    "udp.dstport",         U16,  DEC,  "Destination Port", "UDP destination port") \
    X(UDP_PORT,       "udp.port",            U16,  DEC,  "Source or Destination Port", "UDP source then destination port") \
    X(UDP_LENGTH,     "udp.length",          U16,  DEC,  "Length", "UDP length field") \
    X(ICMP_TYPE,      "icmp.type",           U8,   DEC,  "Type", "ICMP type") \
    X(ICMP_CODE,      "icmp.code",           U8,   DEC,  "Code", "ICMP code") \
    X(ICMPV6_TYPE,    "icmpv6.type",         U8,   DEC,  "Type", "ICMPv6 type") \
    X(ICMPV6_CODE,    "icmpv6.code",         U8,   DEC,  "Code", "ICMPv6 code") \
    X(ARP_OPCODE,     "arp.opcode",          U16,  DEC,  "Opcode", "ARP operation") \
    X(ARP_SPA,        "arp.src.proto_ipv4",  IPV4, NONE, "Sender IP address", "ARP sender IPv4 address") \
    X(ARP_TPA,        "arp.dst.proto_ipv4",  IPV4, NONE, "Target IP address", "ARP target IPv4 address") \
    X(GRE_PROTO,      "gre.proto",           U16,  HEX,  "Protocol Type", "Protocol carried by GRE") \
    X(DNS_ID,         "dns.id",              U16,  HEX,  "Transaction ID", "DNS transaction id") \
    X(DNS_RESPONSE,   "dns.flags.response",  BOOL, NONE, "Response", "DNS QR bit (DNS, mDNS, LLMNR)") \
    X(DNS_QDCOUNT,    "dns.count.queries",   U16,  DEC,  "Questions", "DNS question count field") \
    X(DNS_QRY_NAME,   "dns.qry.name",        STRING, NONE, "Name", "Every question name") \
    X(TLS_SNI,        "tls.handshake.extensions_server_name", STRING, NONE, "Server Name", "SNI of a ClientHello") \
    X(TLS_ALPN,       "tls.handshake.extensions_alpn_str", STRING, NONE, "ALPN Next Protocol", "Each ALPN protocol of a ClientHello") \
    X(TCP_SEQ,        "tcp.seq",             U32,  DEC,  "Sequence Number", "Relative to the direction's first sequence number") \
    X(TCP_ACK,        "tcp.ack",             U32,  DEC,  "Acknowledgment Number", "Relative to the other direction's first sequence number (raw without the ACK flag)") \
    X(TCP_NXTSEQ,     "tcp.nxtseq",          U32,  DEC,  "Next Sequence Number", "tcp.seq + tcp.len, + 1 for SYN or FIN") \
    X(TCP_WINDOW_SIZE, "tcp.window_size",    U32,  DEC,  "Calculated window size", "Window scaled by the handshake's shift (SYNs unscaled)") \
    X(TCP_WIN_SCALEFACTOR, "tcp.window_size_scalefactor", I32, DEC, "Window size scaling factor", "2^shift; -1 unknown (no handshake seen), -2 no scaling") \
    X(TCPA_RETRANSMISSION, "tcp.analysis.retransmission", NONE, NONE, "Retransmission", "A segment resent: it does not advance the sequence number (and is not one of the kinds below)") \
    X(TCPA_FAST_RETRANSMISSION, "tcp.analysis.fast_retransmission", NONE, NONE, "Fast retransmission", "A resend of what at least two duplicate ACKs asked for, within 20 ms of the last") \
    X(TCPA_SPURIOUS_RETRANSMISSION, "tcp.analysis.spurious_retransmission", NONE, NONE, "Spurious retransmission", "Data the receiver had already acknowledged, sent again") \
    X(TCPA_OUT_OF_ORDER, "tcp.analysis.out_of_order", NONE, NONE, "Out-of-order", "A segment below the highest sent, within the iRTT (3 ms without one) of it") \
    X(TCPA_LOST_SEGMENT, "tcp.analysis.lost_segment", NONE, NONE, "Previous segment not captured", "A gap before this segment: a segment was not captured") \
    X(TCPA_ACK_LOST_SEGMENT, "tcp.analysis.ack_lost_segment", NONE, NONE, "ACKed unseen segment", "An ACK of data that was not captured") \
    X(TCPA_DUPLICATE_ACK, "tcp.analysis.duplicate_ack", NONE, NONE, "Duplicate ACK", "Same ACK, window and sequence number as the previous segment, no data") \
    X(TCPA_ZERO_WINDOW, "tcp.analysis.zero_window", NONE, NONE, "Zero window", "A window of 0 advertised (not in SYN, FIN or RST)") \
    X(TCPA_ZERO_WINDOW_PROBE, "tcp.analysis.zero_window_probe", NONE, NONE, "Zero window probe", "One byte sent into a zero window") \
    X(TCPA_ZERO_WINDOW_PROBE_ACK, "tcp.analysis.zero_window_probe_ack", NONE, NONE, "Zero window probe ACK", "The answer to a zero window probe") \
    X(TCPA_WINDOW_FULL, "tcp.analysis.window_full", NONE, NONE, "Window full", "Data that fills the peer's advertised window") \
    X(TCPA_WINDOW_UPDATE, "tcp.analysis.window_update", NONE, NONE, "Window update", "Only the window changed") \
    X(TCPA_KEEP_ALIVE, "tcp.analysis.keep_alive", NONE, NONE, "Keep-alive", "0 or 1 byte one below the next sequence number") \
    X(TCPA_KEEP_ALIVE_ACK, "tcp.analysis.keep_alive_ack", NONE, NONE, "Keep-alive ACK", "The answer to a keep-alive") \
    X(TCPA_REUSED_PORTS, "tcp.analysis.reused_ports", NONE, NONE, "Reused ports", "A SYN opening a new connection on the ports of an earlier one") \
    X(TCPA_DUP_ACK_NUM, "tcp.analysis.duplicate_ack_num", U32, DEC, "Duplicate ACK #", "How many duplicate ACKs in a row, this one included") \
    X(TCPA_DUP_ACK_FRAME, "tcp.analysis.duplicate_ack_frame", U32, DEC, "Duplicate to the ACK in frame", "The frame this ACK duplicates") \
    X(TCPA_ACKS_FRAME, "tcp.analysis.acks_frame", U32, DEC, "This is an ACK to the segment in frame", "The segment whose end this ACK acknowledges exactly") \
    X(TCPA_ACK_RTT,   "tcp.analysis.ack_rtt", REL_TIME, NONE, "The RTT to ACK the segment was", "Time from that segment (its first transmission) to this ACK") \
    X(TCPA_INITIAL_RTT, "tcp.analysis.initial_rtt", REL_TIME, NONE, "iRTT", "From the SYN to the first ACK without SYN; on every segment once known") \
    X(TCPA_BIF,       "tcp.analysis.bytes_in_flight", U32, DEC, "Bytes in flight", "Unacknowledged bytes of this direction after this segment") \
    X(NS_TCP_RETRANSMISSION, "netscope.tcp.retransmission", NONE, NONE, "Retransmission", "Same as tcp.analysis.retransmission") \
    X(NS_TCP_FAST_RETRANSMISSION, "netscope.tcp.fast_retransmission", NONE, NONE, "Fast retransmission", "Same as tcp.analysis.fast_retransmission") \
    X(NS_TCP_SPURIOUS_RETRANSMISSION, "netscope.tcp.spurious_retransmission", NONE, NONE, "Spurious retransmission", "Same as tcp.analysis.spurious_retransmission") \
    X(NS_TCP_OUT_OF_ORDER, "netscope.tcp.out_of_order", NONE, NONE, "Out-of-order", "Same as tcp.analysis.out_of_order") \
    X(NS_TCP_LOST_SEGMENT, "netscope.tcp.lost_segment", NONE, NONE, "Previous segment not captured", "Same as tcp.analysis.lost_segment") \
    X(NS_TCP_ACK_LOST_SEGMENT, "netscope.tcp.ack_lost_segment", NONE, NONE, "ACKed unseen segment", "Same as tcp.analysis.ack_lost_segment") \
    X(NS_TCP_DUPLICATE_ACK, "netscope.tcp.duplicate_ack", NONE, NONE, "Duplicate ACK", "Same as tcp.analysis.duplicate_ack") \
    X(NS_TCP_ZERO_WINDOW, "netscope.tcp.zero_window", NONE, NONE, "Zero window", "Same as tcp.analysis.zero_window") \
    X(NS_TCP_ZERO_WINDOW_PROBE, "netscope.tcp.zero_window_probe", NONE, NONE, "Zero window probe", "Same as tcp.analysis.zero_window_probe") \
    X(NS_TCP_ZERO_WINDOW_PROBE_ACK, "netscope.tcp.zero_window_probe_ack", NONE, NONE, "Zero window probe ACK", "Same as tcp.analysis.zero_window_probe_ack") \
    X(NS_TCP_WINDOW_FULL, "netscope.tcp.window_full", NONE, NONE, "Window full", "Same as tcp.analysis.window_full") \
    X(NS_TCP_WINDOW_UPDATE, "netscope.tcp.window_update", NONE, NONE, "Window update", "Same as tcp.analysis.window_update") \
    X(NS_TCP_KEEP_ALIVE, "netscope.tcp.keep_alive", NONE, NONE, "Keep-alive", "Same as tcp.analysis.keep_alive") \
    X(NS_TCP_KEEP_ALIVE_ACK, "netscope.tcp.keep_alive_ack", NONE, NONE, "Keep-alive ACK", "Same as tcp.analysis.keep_alive_ack") \
    X(NS_TCP_REUSED_PORTS, "netscope.tcp.reused_ports", NONE, NONE, "Reused ports", "Same as tcp.analysis.reused_ports") \
    X(NS_TCP_ACK_RTT, "netscope.tcp.ack_rtt", REL_TIME, NONE, "ACK RTT", "Same as tcp.analysis.ack_rtt") \
    X(TCP_STREAM,     "tcp.stream",          U32,  DEC,  "Stream index", "TCP conversation index, in order of first appearance") \
    X(UDP_STREAM,     "udp.stream",          U32,  DEC,  "Stream index", "UDP conversation index, in order of first appearance") \
    X(NS_FLOW_ID,     "netscope.flow.id",    U64,  DEC,  "Flow", "Flow index over the run (innermost unquoted TCP/UDP header), from 1") \
    X(NS_FLOW_COMMUNITY_ID, "netscope.flow.community_id", STRING, NONE, "Community ID", "Community ID v1 (seed 0) of the frame's flow") \
    X(NS_FLOW_STATE,  "netscope.flow.state", STRING, NONE, "Connection state", "Zeek conn_state of the flow so far (S0, S1, SF, REJ, ... OTH)") \
    X(NS_FLOW_HISTORY, "netscope.flow.history", STRING, NONE, "History", "Zeek history letters of the flow so far (uppercase: from A)") \
    X(NS_FLOW_DIR,    "netscope.flow.dir",   U8,   DEC,  "Direction", "0: from A (the flow's first source) to B; 1: from B to A") \
    X(NS_FLOW_FRAMES, "netscope.flow.frames", U64, DEC,  "Flow frames", "Frames of the flow so far, this one included") \
    X(NS_FLOW_BYTES,  "netscope.flow.bytes", U64,  DEC,  "Flow bytes", "Bytes (frame lengths) of the flow so far, this frame included") \
    X(NS_FLOW_RETRANS, "netscope.flow.retrans", U32, DEC, "Flow retransmissions", "Segments of the flow so far flagged as any kind of retransmission (TCP)") \
    X(NS_FLOW_RTT_SAMPLES, "netscope.flow.rtt_samples", U32, DEC, "Flow RTT samples", "ACK RTT samples of the flow so far (TCP)") \
    X(NS_FLOW_SRTT,   "netscope.flow.srtt",  REL_TIME, NONE, "Flow smoothed RTT", "EWMA (1/8) of the flow's ACK RTTs so far (TCP, once sampled)") \
    X(NS_FLOW_RTT_MIN, "netscope.flow.rtt_min", REL_TIME, NONE, "Flow minimum RTT", "Smallest ACK RTT of the flow so far (TCP, once sampled)") \
    X(NS_FLOW_RTT_MAX, "netscope.flow.rtt_max", REL_TIME, NONE, "Flow maximum RTT", "Largest ACK RTT of the flow so far (TCP, once sampled)") \
    X(NS_ALERT,       "netscope.alert",      STRING, NONE, "Alert", "Kind of each alert this packet raised: syn_flood, port_scan_vertical, port_scan_horizontal") \
    X(NS_MALFORMED,   "netscope.malformed",  U16,  DEC,  "Malformed", "First malformed reason (number); absent when the frame is well formed") \
    X(NS_MALFORMED_REASON, "netscope.malformed.reason", STRING, NONE, "Malformed reason", "First malformed reason (name)") \
    X(NS_LINKTYPE,    "netscope.linktype",   U32,  DEC,  "Link type", "LINKTYPE_ value of the frame's interface")

enum ns_field_id {
#define NS_X(id, abbrev, type, disp, title, blurb) NS_FIELD_##id,
    NS_FIELDS(NS_X)
#undef NS_X
    NS_FIELD_COUNT
};

struct ns_field {
    const char *abbrev;
    enum ns_ftype type;
    enum ns_fdisp disp;
    const char *title;
    const char *blurb;
};

extern const struct ns_field ns_fields[NS_FIELD_COUNT];

/* The field called name, or -1. */
int ns_field_lookup(const char *name);

/* The protocol part of an abbrev ("ip" for "ip.src"), written into buf. */
const char *ns_field_proto(const struct ns_field *f, char *buf, size_t cap);

/* Whether tshark would show the protocol of layer i of pkt (what a bare protocol name in a
 * display filter tests). tshark adds a protocol's item once its fixed header is captured,
 * then checks the values: a header refused for its values (bad version, IHL) shows, one cut
 * short (the frame's fault is a *_SHORT at this last layer) does not, nor an ICMP header
 * cut below 8 bytes; TCP, UDP and 802.1Q add their item before reading and always show. */
bool ns_layer_shown(const struct ns_pkt *pkt, unsigned i);

/* What a frame is, for field extraction. */
struct ns_track_out;
struct ns_tcpa_frame;
struct ns_tcpa_conn;
struct ns_alert;

struct ns_frame {
    const struct ns_rec *rec;
    const struct ns_pkt *pkt;
    const struct ns_track_out *track;   /* flows and streams; NULL when not tracked */
    const struct ns_tcpa_frame *tcpa;   /* TCP analysis; NULL when off */
    const struct ns_tcpa_conn *flow_tcp;  /* the TCP analysis of the frame's flow, or NULL */
    const struct ns_alert *alerts;      /* alerts this frame raised */
    unsigned nalerts;
    int64_t rel_ns;             /* time since the first frame */
};

struct ns_val {
    union {
        uint64_t u;
        int64_t i;
        const uint8_t *addr;    /* IPV4 (4), IPV6 (16), ETHER (6) bytes */
    } v;
    const char *s;              /* STRING: not NUL-terminated */
    size_t len;
    char text[32];              /* a STRING computed on request (Community ID, history) */
};

/* Fills up to max values of field id for frame f; returns how many there are (may exceed max). */
size_t ns_field_values(enum ns_field_id id, const struct ns_frame *f, struct ns_val *out, size_t max);

/* Prints one value as tshark -T fields does; returns the length written (NUL-terminated,
 * truncated to cap - 1). */
size_t ns_field_format(enum ns_field_id id, const struct ns_val *v, char *buf, size_t cap);

#endif
