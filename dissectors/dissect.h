/* dissectors/dissect.h: frame entry point and the per-protocol dissectors it dispatches to.
 * Contract (every ns_<proto>_dissect below):
 *   In:   a cursor at the first byte of the protocol's header, and the frame's ns_pkt.
 *   Does: reads the header through the cursor, appends one layer (ns_pkt_push), sets
 *         pkt->next to what follows, and leaves *c at the payload, clamped to what the
 *         header says the payload is (an IPv4 total length trims Ethernet padding).
 *   Returns NS_STATUS_OK, or NS_STATUS_MALFORMED after ns_pkt_mark() with the reason;
 *         the layer pushed before the fault keeps every field read so far.
 *   Never: allocates, prints, reads past the cursor, or keeps state between calls.
 * ns_dissect_frame() runs the chain from a link type to the last header it knows. */
#ifndef NS_DISSECT_H
#define NS_DISSECT_H

#include <stddef.h>
#include <stdint.h>

#include "cursor.h"
#include "packet.h"

/* Link types (LINKTYPE_* values as in pcap files) netscope dissects. */
#define NS_LINKTYPE_NULL       0
#define NS_LINKTYPE_ETHERNET   1
#define NS_LINKTYPE_RAW_12     12   /* OpenBSD's DLT_RAW value, found in pcap files */
#define NS_LINKTYPE_RAW_14     14   /* BSD/OS DLT_RAW value */
#define NS_LINKTYPE_RAW        101
#define NS_LINKTYPE_LOOP       108
#define NS_LINKTYPE_LINUX_SLL  113
#define NS_LINKTYPE_IPV4       228
#define NS_LINKTYPE_IPV6       229
#define NS_LINKTYPE_LINUX_SLL2 276

/* Caps on repeated headers in one frame; one more marks the reason named. */
#define NS_VLAN_MAX_TAGS       8    /* VLAN tags in one run (QinQ stacks): VLAN_DEPTH */
#define NS_MPLS_MAX_LABELS     8    /* MPLS label stack entries: MPLS_DEPTH */
#define NS_IPV6_MAX_EXT        128  /* IPv6 extension headers in one chain: IPV6_EXT_DEPTH
                                     * (libpcap's ipv6_ext_headers.pcap has 100; tshark
                                     * follows them all) */
#define NS_DISSECT_MAX_TUNNELS 4    /* IP-in-IP / GRE tunnels entered: TUNNEL_DEPTH */

/* Dissects one frame of the given link type: pkt is reset first. Returns OK when every
 * header it recognised was whole, MALFORMED when one was refused (pkt->malformed says why;
 * the layers before it are valid). An unknown link type is not a fault of the bytes: it
 * returns OK with no layer and no mark (a known link type always gives a layer or a
 * mark); NS_MALFORMED_LINKTYPE is left for callers that want to report it. */
enum ns_status ns_dissect_frame(const uint8_t *data, size_t caplen, uint32_t linktype,
                                struct ns_pkt *pkt);

/* Continues dissection of pkt from pkt->next over c (used by the dispatcher, and by the core
 * after it reassembled a datagram: it sets pkt->next and passes the reassembled payload). */
enum ns_status ns_dissect_next(struct ns_cur *c, struct ns_pkt *pkt);

/* Link layers (dissectors/link.c, eth.c, ...) */
enum ns_status ns_eth_dissect(struct ns_cur *c, struct ns_pkt *pkt);
/* 802.2 LLC after an 802.3 length (eth.c): recognised, nothing behind it followed */
enum ns_status ns_llc_dissect(struct ns_cur *c, struct ns_pkt *pkt);
enum ns_status ns_vlan_dissect(struct ns_cur *c, struct ns_pkt *pkt, uint16_t tpid);
enum ns_status ns_mpls_dissect(struct ns_cur *c, struct ns_pkt *pkt);
enum ns_status ns_pppoe_dissect(struct ns_cur *c, struct ns_pkt *pkt);
enum ns_status ns_sll_dissect(struct ns_cur *c, struct ns_pkt *pkt);
enum ns_status ns_sll2_dissect(struct ns_cur *c, struct ns_pkt *pkt);
/* BSD NULL (host byte order: both orders accepted) and LOOP (network order) */
enum ns_status ns_null_dissect(struct ns_cur *c, struct ns_pkt *pkt, int loop);

/* Network layers */
enum ns_status ns_ipv4_dissect(struct ns_cur *c, struct ns_pkt *pkt);
enum ns_status ns_ipv6_dissect(struct ns_cur *c, struct ns_pkt *pkt);
/* Continues an IPv6 extension header chain at nxt (a reassembled datagram whose fragment
 * header was followed by another extension header); updates the last IPv6 layer */
enum ns_status ns_ipv6_ext_dissect(struct ns_cur *c, struct ns_pkt *pkt, uint8_t nxt);
enum ns_status ns_gre_dissect(struct ns_cur *c, struct ns_pkt *pkt);
enum ns_status ns_arp_dissect(struct ns_cur *c, struct ns_pkt *pkt);

/* Transport layers */
enum ns_status ns_tcp_dissect(struct ns_cur *c, struct ns_pkt *pkt);
enum ns_status ns_udp_dissect(struct ns_cur *c, struct ns_pkt *pkt);
enum ns_status ns_icmp_dissect(struct ns_cur *c, struct ns_pkt *pkt);
enum ns_status ns_icmpv6_dissect(struct ns_cur *c, struct ns_pkt *pkt);

/* ICMP and ICMPv6 share their header's layout and rules (icmp.c): what differs is the
 * layer's protocol, its mark, and which types carry id/seq and which quote a datagram. */
struct ns_icmp_kind {
    uint8_t proto;                      /* NS_PROTO_ICMP or NS_PROTO_ICMPV6 */
    uint8_t short_mark;                 /* NS_MALFORMED_ICMP_SHORT or ..._ICMPV6_SHORT */
    bool (*has_id)(uint8_t type);
    bool (*is_error)(uint8_t type);
};
enum ns_status ns_icmp_common(struct ns_cur *c, struct ns_pkt *pkt, const struct ns_icmp_kind *k);

/* Applications: c is the whole UDP payload / the TCP segment's payload */
enum ns_status ns_dns_dissect(struct ns_cur *c, struct ns_pkt *pkt, uint8_t kind);
/* DNS over TCP: one or more messages, each behind a 2-byte length (RFC 1035 4.2.2) */
enum ns_status ns_dns_tcp_dissect(struct ns_cur *c, struct ns_pkt *pkt);
/* TLS records from the start of a segment; a ClientHello adds a TLS layer with SNI/ALPN */
enum ns_status ns_tls_dissect(struct ns_cur *c, struct ns_pkt *pkt);
/* True when the payload starts like a TLS handshake record (content type 22, version 3.x) */
int ns_tls_looks_like(const struct ns_cur *c);

#endif
