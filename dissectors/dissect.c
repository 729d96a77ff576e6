/* dissectors/dissect.c: the frame entry point and the dispatcher between dissectors.
 * In:     a frame (bytes, captured length, pcap link type), or a cursor and pkt->next for
 *         ns_dissect_next (the core calls it after reassembling a datagram).
 * Out:    pkt->layer[] outermost first; the status of the last dissector run.
 * Rules:  each dissector says what follows in pkt->next and leaves the cursor at it; the
 *         dispatcher clears pkt->next before each call, so a dissector that sets nothing
 *         ends the chain. What follows what:
 *   link type   NULL 0, LOOP 108, ETHERNET 1, LINUX_SLL 113, LINUX_SLL2 276: their header;
 *               RAW 12/14/101 and IPV4 228: IP by the version nibble; IPV6 229: IPv6;
 *               anything else: no layer, status OK, no mark (not a fault of the bytes).
 *   ETHERTYPE   0x0800 IP by the nibble (tshark's "ip" dissector does the same), 0x86dd
 *               IPv6, 0x0806/0x8035 ARP/RARP, 0x8100/0x88a8/0x9100 VLAN, 0x8847/0x8848
 *               MPLS, 0x8864 PPPoE session, 0x6558 Ethernet (GRE transparent bridging);
 *               at most 1500: an 802.3 length, 802.2 LLC follows.
 *   IPPROTO     4 IP (by nibble) and 41 IPv6 (tunnels), 47 GRE (tunnel), 6 TCP, 17 UDP,
 *               1 ICMP, 58 ICMPv6; 0/43/44/51/60: an IPv6 extension header chain that
 *               starts a reassembled datagram.
 *   IP          by the version nibble: 6 IPv6, anything else IPv4 (which checks it).
 *   PPP         0x0021 IP (by nibble), 0x0057 IPv6 (RFC 1332, RFC 5072).
 *   TCP_DATA    port 53 on either side: DNS over TCP; else a TLS handshake record.
 *   UDP_DATA    port 53 DNS, 5353 mDNS, 5355 LLMNR, on either side, the lower port tried
 *               first (as tshark's UDP dissector does).
 *   An empty TCP or UDP payload is not handed on.
 * Layers: (this engineer's dissectors) hdr_len stays 0 until a header is accepted, so a
 *         layer with hdr_len 0 was refused and holds only the fields read before the fault
 *         (tshark shows no addresses for a bogus IPv4/IPv6 header either). IPv6 is the one
 *         exception: a fault in its extension chain keeps hdr_len = 40 + the whole
 *         extension headers, as the fixed header was accepted.
 *         Soft marks (IPV4_OPT here, others in the transport dissectors) set
 *         pkt->malformed but return OK and go on, where tshark only warns.
 * Reassembly: NS_PKT_FRAGMENT with the IP layer not flagged NS_LAYER_CUT means the
 *         fragment's data (from hdr + hdr_len, IP length clamped) is whole; the core sets
 *         pkt->next = {IPPROTO, ipv4.proto or ipv6.proto} and calls ns_dissect_next over
 *         the datagram's payload.
 * Caps:   NS_DISSECT_MAX_TUNNELS tunnels (IPPROTO 4, 41, 47) per frame, then TUNNEL_DEPTH;
 *         the loop itself ends after NS_PKT_MAX_LAYERS + 8 steps (LAYERS_FULL), which a
 *         chain of dissectors that each push a layer never reaches first.
 * Never:  allocates, prints, keeps state between frames. */
#include "dissect.h"

#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_ARP  0x0806
#define ETHERTYPE_TEB  0x6558
#define ETHERTYPE_RARP 0x8035
#define ETHERTYPE_VLAN 0x8100
#define ETHERTYPE_IPV6 0x86dd
#define ETHERTYPE_MPLS 0x8847
#define ETHERTYPE_MPLS_MC 0x8848
#define ETHERTYPE_PPPOES 0x8864
#define ETHERTYPE_QINQ 0x88a8
#define ETHERTYPE_QINQ_OLD 0x9100

#define PPP_IPV4 0x0021
#define PPP_IPV6 0x0057

#define PORT_DNS   53
#define PORT_MDNS  5353
#define PORT_LLMNR 5355

static enum ns_status dissect_ip(struct ns_cur *c, struct ns_pkt *pkt)
{
    if (ns_cur_peek(c, 0) >> 4 == 6)
        return ns_ipv6_dissect(c, pkt);
    return ns_ipv4_dissect(c, pkt);
}

static enum ns_status dispatch_ethertype(struct ns_cur *c, struct ns_pkt *pkt, uint16_t type)
{
    if (type <= 1500)
        return ns_llc_dissect(c, pkt);
    switch (type) {
    case ETHERTYPE_IPV4:
        return dissect_ip(c, pkt);
    case ETHERTYPE_IPV6:
        return ns_ipv6_dissect(c, pkt);
    case ETHERTYPE_ARP:
    case ETHERTYPE_RARP:
        return ns_arp_dissect(c, pkt);
    case ETHERTYPE_VLAN:
    case ETHERTYPE_QINQ:
    case ETHERTYPE_QINQ_OLD:
        return ns_vlan_dissect(c, pkt, type);
    case ETHERTYPE_MPLS:
    case ETHERTYPE_MPLS_MC:
        return ns_mpls_dissect(c, pkt);
    case ETHERTYPE_PPPOES:
        return ns_pppoe_dissect(c, pkt);
    case ETHERTYPE_TEB:
        return ns_eth_dissect(c, pkt);
    default:
        return NS_STATUS_OK;
    }
}

static enum ns_status dispatch_ipproto(struct ns_cur *c, struct ns_pkt *pkt, uint16_t proto)
{
    switch (proto) {
    case 4:     /* IPv4 in IP, RFC 2003 */
    case 41:    /* IPv6 in IP, RFC 4213 / RFC 2473 */
    case 47:    /* GRE, RFC 2784 */
        if (pkt->tunnels >= NS_DISSECT_MAX_TUNNELS)
            return ns_pkt_mark(pkt, NS_MALFORMED_TUNNEL_DEPTH);
        pkt->tunnels++;
        if (proto == 4)
            return dissect_ip(c, pkt);
        if (proto == 41)
            return ns_ipv6_dissect(c, pkt);
        return ns_gre_dissect(c, pkt);
    case 6:
        return ns_tcp_dissect(c, pkt);
    case 17:
        return ns_udp_dissect(c, pkt);
    case 1:
        return ns_icmp_dissect(c, pkt);
    case 58:
        return ns_icmpv6_dissect(c, pkt);
    case 0:
    case 43:
    case 44:
    case 51:
    case 60:
        return ns_ipv6_ext_dissect(c, pkt, (uint8_t)proto);
    default:
        return NS_STATUS_OK;
    }
}

static enum ns_status dispatch_tcp_data(struct ns_cur *c, struct ns_pkt *pkt)
{
    const struct ns_layer *t = ns_pkt_last(pkt, NS_PROTO_TCP);
    if (t == NULL || c->len == 0)
        return NS_STATUS_OK;
    if (t->u.tcp.sport == PORT_DNS || t->u.tcp.dport == PORT_DNS)
        return ns_dns_tcp_dissect(c, pkt);
    if (ns_tls_looks_like(c))
        return ns_tls_dissect(c, pkt);
    return NS_STATUS_OK;
}

static int udp_port_kind(uint16_t port)
{
    switch (port) {
    case PORT_DNS:
        return NS_DNS_KIND_DNS;
    case PORT_MDNS:
        return NS_DNS_KIND_MDNS;
    case PORT_LLMNR:
        return NS_DNS_KIND_LLMNR;
    default:
        return -1;
    }
}

static enum ns_status dispatch_udp_data(struct ns_cur *c, struct ns_pkt *pkt)
{
    const struct ns_layer *u = ns_pkt_last(pkt, NS_PROTO_UDP);
    if (u == NULL || c->len == 0)
        return NS_STATUS_OK;
    uint16_t lo = u->u.udp.sport, hi = u->u.udp.dport;
    if (lo > hi) {
        uint16_t t = lo;
        lo = hi;
        hi = t;
    }
    int kind = udp_port_kind(lo);
    if (kind < 0)
        kind = udp_port_kind(hi);
    if (kind < 0)
        return NS_STATUS_OK;
    return ns_dns_dissect(c, pkt, (uint8_t)kind);
}

enum ns_status ns_dissect_next(struct ns_cur *c, struct ns_pkt *pkt)
{
    enum ns_status st = NS_STATUS_OK;
    for (unsigned steps = 0; pkt->next.kind != NS_NEXT_NONE; steps++) {
        if (steps >= NS_PKT_MAX_LAYERS + 8)
            return ns_pkt_mark(pkt, NS_MALFORMED_LAYERS_FULL);
        uint8_t kind = pkt->next.kind;
        uint16_t val = pkt->next.val;
        pkt->next.kind = NS_NEXT_NONE;
        pkt->next.val = 0;
        switch (kind) {
        case NS_NEXT_ETHERTYPE:
            st = dispatch_ethertype(c, pkt, val);
            break;
        case NS_NEXT_IPPROTO:
            st = dispatch_ipproto(c, pkt, val);
            break;
        case NS_NEXT_IP:
            st = dissect_ip(c, pkt);
            break;
        case NS_NEXT_PPP:
            if (val == PPP_IPV4)
                st = dissect_ip(c, pkt);
            else if (val == PPP_IPV6)
                st = ns_ipv6_dissect(c, pkt);
            break;
        case NS_NEXT_TCP_DATA:
            st = dispatch_tcp_data(c, pkt);
            break;
        case NS_NEXT_UDP_DATA:
            st = dispatch_udp_data(c, pkt);
            break;
        default:
            break;
        }
        if (st != NS_STATUS_OK)
            return st;
    }
    return st;
}

enum ns_status ns_dissect_frame(const uint8_t *data, size_t caplen, uint32_t linktype,
                                struct ns_pkt *pkt)
{
    ns_pkt_reset(pkt);
    struct ns_cur c = ns_cur_make(data, caplen);
    enum ns_status st = NS_STATUS_OK;

    switch (linktype) {
    case NS_LINKTYPE_NULL:
        st = ns_null_dissect(&c, pkt, 0);
        break;
    case NS_LINKTYPE_LOOP:
        st = ns_null_dissect(&c, pkt, 1);
        break;
    case NS_LINKTYPE_ETHERNET:
        st = ns_eth_dissect(&c, pkt);
        break;
    case NS_LINKTYPE_LINUX_SLL:
        st = ns_sll_dissect(&c, pkt);
        break;
    case NS_LINKTYPE_LINUX_SLL2:
        st = ns_sll2_dissect(&c, pkt);
        break;
    case NS_LINKTYPE_RAW_12:
    case NS_LINKTYPE_RAW_14:
    case NS_LINKTYPE_RAW:
        pkt->next.kind = NS_NEXT_IP;
        break;
    case NS_LINKTYPE_IPV4:
        pkt->next.kind = NS_NEXT_ETHERTYPE;
        pkt->next.val = ETHERTYPE_IPV4;
        break;
    case NS_LINKTYPE_IPV6:
        pkt->next.kind = NS_NEXT_ETHERTYPE;
        pkt->next.val = ETHERTYPE_IPV6;
        break;
    default:
        return NS_STATUS_OK;
    }
    if (st != NS_STATUS_OK)
        return st;
    return ns_dissect_next(&c, pkt);
}
