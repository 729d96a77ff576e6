/* dissectors/packet.h: what dissection produces for one frame.
 * Contract: a struct ns_pkt is owned by the caller and reused frame after frame; call
 *           ns_pkt_reset() before each frame (it touches a few counters, not the whole
 *           struct). Dissectors append one struct ns_layer per header, outermost first,
 *           in the order tshark shows them, so "every occurrence of field F" is a walk of
 *           pkt->layer[]. Pointers in a layer point into the frame (or into the buffer the
 *           caller dissected from, e.g. a reassembled datagram) and live as long as it does.
 *           The first fault is recorded in pkt->malformed; what was parsed before it stays.
 * Never:    allocates, prints, or keeps state between frames. */
#ifndef NS_PACKET_H
#define NS_PACKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/status.h"

/* Every reason a dissector refuses bytes. Value 0 is "not malformed"; the others are
 * exported as netscope.malformed (number) and netscope.malformed.reason (name).
 * Append only: the numbers are part of the output. */
#define NS_MALFORMED_LIST(X) \
    X(NONE,            "none") \
    X(LAYERS_FULL,     "more headers than netscope keeps per frame") \
    X(LINKTYPE,        "link type not supported") \
    X(ETH_SHORT,       "Ethernet header cut short") \
    X(LLC_SHORT,       "802.2 LLC header cut short") \
    X(VLAN_SHORT,      "802.1Q tag cut short") \
    X(VLAN_DEPTH,      "too many stacked VLAN tags") \
    X(MPLS_SHORT,      "MPLS label cut short") \
    X(MPLS_DEPTH,      "MPLS label stack too deep") \
    X(PPPOE_SHORT,     "PPPoE header cut short") \
    X(PPPOE_VERSION,   "PPPoE version/type not 1/1") \
    X(SLL_SHORT,       "Linux SLL header cut short") \
    X(SLL2_SHORT,      "Linux SLL2 header cut short") \
    X(NULL_SHORT,      "BSD NULL/LOOP header cut short") \
    X(IPV4_SHORT,      "IPv4 header cut short") \
    X(IPV4_VERSION,    "IPv4 version is not 4") \
    X(IPV4_IHL,        "IPv4 header length below 20") \
    X(IPV4_TOTLEN,     "IPv4 total length below header length") \
    X(IPV4_OPT,        "IPv4 option runs past the header") \
    X(IPV6_SHORT,      "IPv6 header cut short") \
    X(IPV6_VERSION,    "IPv6 version is not 6") \
    X(IPV6_EXT_SHORT,  "IPv6 extension header cut short") \
    X(IPV6_EXT_DEPTH,  "IPv6 extension header chain too long") \
    X(IPV6_JUMBO,      "IPv6 jumbogram option invalid") \
    X(TUNNEL_DEPTH,    "too many nested tunnels") \
    X(GRE_SHORT,       "GRE header cut short") \
    X(GRE_VERSION,     "GRE version not supported") \
    X(TCP_SHORT,       "TCP header cut short") \
    X(TCP_DOFF,        "TCP data offset below 5 or past the segment") \
    X(TCP_OPT,         "TCP option length invalid") \
    X(UDP_SHORT,       "UDP header cut short") \
    X(UDP_LEN,         "UDP length below 8 or past the datagram") \
    X(ICMP_SHORT,      "ICMP header cut short") \
    X(ICMPV6_SHORT,    "ICMPv6 header cut short") \
    X(ARP_SHORT,       "ARP header cut short") \
    X(DNS_SHORT,       "DNS message cut short") \
    X(DNS_NAME,        "DNS name invalid (label type or length)") \
    X(DNS_PTR_LOOP,    "DNS compression pointer loop or too many jumps") \
    X(DNS_NAME_LONG,   "DNS name longer than 255 bytes") \
    X(DNS_NAMES_FULL,  "more DNS question names than netscope keeps per frame") \
    X(TLS_SHORT,       "TLS record or handshake cut short") \
    X(TLS_EXT,         "TLS extension length invalid")

enum ns_malformed {
#define NS_X(id, text) NS_MALFORMED_##id,
    NS_MALFORMED_LIST(NS_X)
#undef NS_X
    NS_MALFORMED_COUNT
};

/* Short, stable name of a reason ("tcp_doff"), and its sentence. */
const char *ns_malformed_name(enum ns_malformed m);
const char *ns_malformed_text(enum ns_malformed m);

enum ns_proto {
    NS_PROTO_NONE = 0,
    NS_PROTO_ETH,
    NS_PROTO_LLC,       /* 802.3 length + 802.2 LLC: recognised, not followed */
    NS_PROTO_VLAN,      /* 802.1Q / 802.1ad tag (one layer per tag) */
    NS_PROTO_MPLS,      /* one layer per label */
    NS_PROTO_PPPOE,     /* PPPoE session header + PPP protocol */
    NS_PROTO_SLL,
    NS_PROTO_SLL2,
    NS_PROTO_NULL,      /* BSD NULL (0) and LOOP (108) */
    NS_PROTO_IPV4,
    NS_PROTO_IPV6,
    NS_PROTO_GRE,
    NS_PROTO_TCP,
    NS_PROTO_UDP,
    NS_PROTO_ICMP,
    NS_PROTO_ICMPV6,
    NS_PROTO_ARP,
    NS_PROTO_DNS,       /* DNS, mDNS and LLMNR: see dns.kind */
    NS_PROTO_TLS,       /* one TLS handshake message of interest (ClientHello) */
    NS_PROTO_COUNT
};

/* Layer flags */
#define NS_LAYER_QUOTED   0x01  /* inside an ICMP/ICMPv6 error: shown, never counted as traffic */
#define NS_LAYER_CUT      0x02  /* the header or its payload was cut by the snaplen */

/* Packet flags */
#define NS_PKT_IPV4_TSO   0x0001 /* an IPv4 total length of 0 was replaced by the captured length */
#define NS_PKT_FRAGMENT   0x0002 /* an IP fragment: the payload was not dissected (see ip*.frag) */
#define NS_PKT_REASSEMBLED 0x0004 /* set by the core: this fragment completed its datagram and
                                     the layers after the IP header come from the reassembly */

/* IPv6 extension headers seen (ipv6.ext bit set) */
#define NS_IPV6_EXT_HOP   0x01
#define NS_IPV6_EXT_ROUTE 0x02
#define NS_IPV6_EXT_FRAG  0x04
#define NS_IPV6_EXT_DST   0x08
#define NS_IPV6_EXT_AH    0x10

#define NS_DNS_KIND_DNS   0
#define NS_DNS_KIND_MDNS  1
#define NS_DNS_KIND_LLMNR 2

/* 40 option bytes hold at most 4 SACK blocks (RFC 2018, section 3). */
#define NS_TCP_MAX_SACK 4

struct ns_layer {
    uint8_t proto;              /* enum ns_proto */
    uint8_t flags;              /* NS_LAYER_* */
    uint16_t hdr_len;           /* bytes of this header */
    const uint8_t *hdr;         /* start of this header */
    union {
        struct { uint8_t dst[6], src[6]; uint16_t type; } eth;   /* type: ethertype or 802.3 length */
        struct { uint8_t dsap, ssap, ctrl; } llc;
        struct { uint16_t tpid, id, etype; uint8_t pcp, dei; } vlan;
        struct { uint32_t label; uint8_t tc, bos, ttl; } mpls;
        struct { uint16_t session, len, ppp_proto; } pppoe;
        struct { uint16_t pkttype, hatype, halen, proto; uint32_t ifindex; uint8_t addr[8]; } sll;
        struct { uint32_t family; } null;
        struct {
            uint8_t src[4], dst[4];
            uint8_t ihl, tos, ttl, proto;
            uint16_t total_len, id, frag_off;  /* frag_off in bytes */
            uint8_t df, mf;
            uint16_t checksum;
        } ipv4;
        struct {
            uint8_t src[16], dst[16];
            uint32_t flow;
            uint16_t plen;
            uint8_t tclass, hlim, nxt;         /* nxt: first next-header value */
            uint8_t proto;                     /* upper-layer protocol after the chain */
            uint8_t ext;                       /* NS_IPV6_EXT_* */
            uint8_t frag_m;
            uint16_t frag_off;                 /* in bytes */
            uint32_t frag_id, jumbo_len;
            uint8_t has_final_dst;             /* a routing header names the final destination */
            uint8_t final_dst[16];             /* ... which transport conversations use */
        } ipv6;
        struct { uint16_t flags_ver, proto; uint32_t key; } gre;
        struct {
            uint16_t sport, dport;
            uint32_t seq, ack;
            uint16_t flags;                    /* the 12 flag bits (NS, CWR, ECE, ... FIN) */
            uint16_t window;
            uint16_t urg;
            uint32_t payload_len;              /* tcp.len: by the IP length, not the capture */
            uint16_t mss;
            uint8_t has_mss, has_wscale, wscale, sack_perm, has_ts, nsack;
            uint32_t ts_val, ts_ecr;
            struct { uint32_t left, right; } sack[NS_TCP_MAX_SACK];
        } tcp;
        struct { uint16_t sport, dport, len, checksum; } udp;
        struct { uint8_t type, code; uint16_t checksum; uint16_t id, seq; } icmp;   /* also ICMPv6 */
        struct {
            uint16_t htype, ptype, op;
            uint8_t hlen, plen;
            const uint8_t *sha, *spa, *tha, *tpa;  /* hlen/plen bytes each */
        } arp;
        struct {
            uint16_t id, flags, qdcount, ancount, nscount, arcount;
            uint8_t kind;                      /* NS_DNS_KIND_* */
            uint8_t response;
            uint16_t first_name, nnames;       /* range in pkt->name[] */
        } dns;
        struct {
            uint8_t content_type, hs_type;
            uint16_t record_version, hello_version;
            const uint8_t *sni; uint16_t sni_len;     /* first host_name of server_name */
            const uint8_t *alpn; uint16_t alpn_len;   /* the raw ALPN protocol_name_list */
        } tls;
    } u;
};

#define NS_PKT_MAX_LAYERS 24
#define NS_PKT_MAX_NAMES  64    /* DNS question names kept per frame */
#define NS_PKT_NAME_BUF   4096  /* their text, NUL-separated */

enum ns_next_kind {
    NS_NEXT_NONE = 0,
    NS_NEXT_ETHERTYPE,  /* val: an ethertype (0x0800, 0x86dd, 0x8100, 0x6558 = Ethernet, ...) */
    NS_NEXT_IPPROTO,    /* val: an IP protocol number */
    NS_NEXT_IP,         /* IPv4 or IPv6, by the version nibble */
    NS_NEXT_PPP,        /* val: a PPP protocol number */
    NS_NEXT_TCP_DATA,   /* the cursor is TCP payload; sport/dport in the last TCP layer */
    NS_NEXT_UDP_DATA,   /* the cursor is UDP payload */
};

struct ns_pkt {
    uint16_t nlayers;
    uint16_t flags;             /* NS_PKT_* */
    uint16_t malformed;         /* enum ns_malformed: the first fault */
    uint8_t quoted;             /* set by ICMP errors: later layers get NS_LAYER_QUOTED */
    uint8_t tunnels;            /* IP-in-IP / GRE depth so far */
    struct { uint8_t kind; uint16_t val; } next;   /* what the dispatcher calls next */
    uint16_t nnames, name_used;
    struct { uint16_t off, len; } name[NS_PKT_MAX_NAMES];
    char name_buf[NS_PKT_NAME_BUF];
    struct ns_layer layer[NS_PKT_MAX_LAYERS];
};

static inline void ns_pkt_reset(struct ns_pkt *pkt)
{
    pkt->nlayers = 0;
    pkt->flags = 0;
    pkt->malformed = NS_MALFORMED_NONE;
    pkt->quoted = 0;
    pkt->tunnels = 0;
    pkt->next.kind = NS_NEXT_NONE;
    pkt->next.val = 0;
    pkt->nnames = 0;
    pkt->name_used = 0;
}

static inline enum ns_status ns_pkt_mark(struct ns_pkt *pkt, enum ns_malformed why)
{
    if (pkt->malformed == NS_MALFORMED_NONE)
        pkt->malformed = (uint16_t)why;  /* the first fault is the cause; later ones are echoes */
    pkt->next.kind = NS_NEXT_NONE;
    return NS_STATUS_MALFORMED;
}

/* Records a fault that does not stop dissection (tshark only warns): the reason is kept,
 * the caller goes on. */
static inline void ns_pkt_soft_mark(struct ns_pkt *pkt, enum ns_malformed why)
{
    if (pkt->malformed == NS_MALFORMED_NONE)
        pkt->malformed = (uint16_t)why;
}

/* The payload length the IP layer just before a transport header claims (IPv4 total
 * length less its header; IPv6 payload or jumbo length less the extension headers).
 * *ipv is 4 or 6 when there is such a layer with a usable length, else 0. */
static inline size_t ns_pkt_ip_claim(const struct ns_pkt *pkt, int *ipv)
{
    *ipv = 0;
    if (pkt->nlayers == 0)
        return 0;
    const struct ns_layer *ip = &pkt->layer[pkt->nlayers - 1];
    if (ip->proto == NS_PROTO_IPV4 && ip->u.ipv4.total_len >= ip->hdr_len) {
        *ipv = 4;
        return (size_t)ip->u.ipv4.total_len - ip->hdr_len;
    }
    if (ip->proto == NS_PROTO_IPV6 && ip->hdr_len >= 40) {
        size_t ext = (size_t)ip->hdr_len - 40;
        size_t plen = ip->u.ipv6.plen;
        if (plen == 0 && ip->u.ipv6.jumbo_len > 0)
            plen = ip->u.ipv6.jumbo_len;
        if (plen >= ext) {
            *ipv = 6;
            return plen - ext;
        }
    }
    return 0;
}

/* Appends a zeroed layer for proto starting at hdr; NULL (and the packet marked
 * LAYERS_FULL) when the frame already has NS_PKT_MAX_LAYERS. */
static inline struct ns_layer *ns_pkt_push(struct ns_pkt *pkt, enum ns_proto proto, const uint8_t *hdr)
{
    if (pkt->nlayers >= NS_PKT_MAX_LAYERS) {
        (void)ns_pkt_mark(pkt, NS_MALFORMED_LAYERS_FULL);
        return 0;
    }
    struct ns_layer *l = &pkt->layer[pkt->nlayers++];
    *l = (struct ns_layer){0};
    l->proto = (uint8_t)proto;
    l->hdr = hdr;
    if (pkt->quoted)
        l->flags |= NS_LAYER_QUOTED;
    return l;
}

/* The last layer of proto (e.g. the TCP header a payload belongs to), or NULL. */
static inline const struct ns_layer *ns_pkt_last(const struct ns_pkt *pkt, enum ns_proto proto)
{
    for (int i = (int)pkt->nlayers - 1; i >= 0; i--)
        if (pkt->layer[i].proto == proto)
            return &pkt->layer[i];
    return 0;
}

#endif
