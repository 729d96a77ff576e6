#define _POSIX_C_SOURCE 200809L
#include "summary.h"

#include <string.h>

#define ARROW "\xe2\x86\x92"   /* tshark separates source and destination with U+2192 */

static const char *proto_name(const struct ns_layer *l)
{
    switch (l->proto) {
    case NS_PROTO_ETH: return "Ethernet";
    case NS_PROTO_LLC: return "LLC";
    case NS_PROTO_VLAN: return "802.1Q";
    case NS_PROTO_MPLS: return "MPLS";
    case NS_PROTO_PPPOE: return "PPPoES";
    case NS_PROTO_SLL: return "SLL";
    case NS_PROTO_SLL2: return "SLL2";
    case NS_PROTO_NULL: return "NULL";
    case NS_PROTO_IPV4: return "IPv4";
    case NS_PROTO_IPV6: return "IPv6";
    case NS_PROTO_GRE: return "GRE";
    case NS_PROTO_TCP: return "TCP";
    case NS_PROTO_UDP: return "UDP";
    case NS_PROTO_ICMP: return "ICMP";
    case NS_PROTO_ICMPV6: return "ICMPv6";
    case NS_PROTO_ARP: return "ARP";
    case NS_PROTO_DNS:
        return l->u.dns.kind == NS_DNS_KIND_MDNS ? "MDNS" : l->u.dns.kind == NS_DNS_KIND_LLMNR ? "LLMNR" : "DNS";
    case NS_PROTO_TLS: return "TLS";
    }
    return "?";
}

static void tcp_flags_text(uint16_t fl, char *buf, size_t cap)
{
    static const char *const names[] = { "FIN", "SYN", "RST", "PSH", "ACK", "URG", "ECN", "CWR", "NS" };
    size_t n = 0;
    buf[0] = '\0';
    for (int i = 0; i < 9 && n + 6 < cap; i++) {
        if (fl & (1u << i))
            n += (size_t)snprintf(buf + n, cap - n, "%s%s", n ? ", " : "", names[i]);
    }
}

static void info_text(const struct ns_frame *f, const struct ns_layer *top, char *buf, size_t cap)
{
    const struct ns_pkt *pkt = f->pkt;
    char tmp[64];
    buf[0] = '\0';
    if (top == NULL)
        return;
    switch (top->proto) {
    case NS_PROTO_TCP:
        tcp_flags_text(top->u.tcp.flags, tmp, sizeof tmp);
        snprintf(buf, cap, "%u " ARROW " %u [%s] Win=%u Len=%u", top->u.tcp.sport, top->u.tcp.dport,
                 tmp, top->u.tcp.window, (unsigned)top->u.tcp.payload_len);
        break;
    case NS_PROTO_UDP:
        snprintf(buf, cap, "%u " ARROW " %u Len=%u", top->u.udp.sport, top->u.udp.dport,
                 top->u.udp.len >= 8 ? top->u.udp.len - 8u : 0u);
        break;
    case NS_PROTO_DNS: {
        size_t n = (size_t)snprintf(buf, cap, "Standard query%s 0x%04x",
                                    top->u.dns.response ? " response" : "", top->u.dns.id);
        for (unsigned k = top->u.dns.first_name; k < (unsigned)top->u.dns.first_name + top->u.dns.nnames &&
                                                 k < pkt->nnames && n + 8 < cap; k++)
            n += (size_t)snprintf(buf + n, cap - n, " %.*s", (int)pkt->name[k].len,
                                  pkt->name_buf + pkt->name[k].off);
        break;
    }
    case NS_PROTO_TLS:
        if (top->u.tls.sni != NULL)
            snprintf(buf, cap, "Client Hello (SNI=%.*s)", (int)top->u.tls.sni_len, (const char *)top->u.tls.sni);
        else
            snprintf(buf, cap, "Client Hello");
        break;
    case NS_PROTO_ICMP:
    case NS_PROTO_ICMPV6:
        snprintf(buf, cap, "type %u code %u", top->u.icmp.type, top->u.icmp.code);
        break;
    case NS_PROTO_ARP:
        if (top->u.arp.op == 1 && top->u.arp.plen == 4 && top->u.arp.tpa && top->u.arp.spa)
            snprintf(buf, cap, "Who has %u.%u.%u.%u? Tell %u.%u.%u.%u", top->u.arp.tpa[0], top->u.arp.tpa[1],
                     top->u.arp.tpa[2], top->u.arp.tpa[3], top->u.arp.spa[0], top->u.arp.spa[1],
                     top->u.arp.spa[2], top->u.arp.spa[3]);
        else
            snprintf(buf, cap, "opcode %u", top->u.arp.op);
        break;
    default:
        break;
    }
    if (pkt->malformed != NS_MALFORMED_NONE) {
        size_t n = strlen(buf);
        snprintf(buf + n, cap - n, "%s[Malformed: %s]", n ? " " : "",
                 ns_malformed_text((enum ns_malformed)pkt->malformed));
    }
}

void ns_summary_line(FILE *out, const struct ns_frame *f)
{
    const struct ns_pkt *pkt = f->pkt;
    const struct ns_layer *top = NULL, *net = NULL, *eth = NULL;
    for (unsigned i = 0; pkt != NULL && i < pkt->nlayers; i++) {
        const struct ns_layer *l = &pkt->layer[i];
        if (l->flags & NS_LAYER_QUOTED)
            continue;      /* a quoted header never names the frame */
        top = l;
        if (l->proto == NS_PROTO_IPV4 || l->proto == NS_PROTO_IPV6)
            net = l;
        if (l->proto == NS_PROTO_ETH)
            eth = l;
    }
    char src[64] = "", dst[64] = "", info[512], t[40];
    struct ns_val v;
    if (net != NULL) {
        enum ns_field_id fid = net->proto == NS_PROTO_IPV4 ? NS_FIELD_IP_SRC : NS_FIELD_IPV6_SRC;
        v.v.addr = net->proto == NS_PROTO_IPV4 ? net->u.ipv4.src : net->u.ipv6.src;
        ns_field_format(fid, &v, src, sizeof src);
        v.v.addr = net->proto == NS_PROTO_IPV4 ? net->u.ipv4.dst : net->u.ipv6.dst;
        ns_field_format(fid, &v, dst, sizeof dst);
    } else if (eth != NULL) {
        v.v.addr = eth->u.eth.src;
        ns_field_format(NS_FIELD_ETH_SRC, &v, src, sizeof src);
        v.v.addr = eth->u.eth.dst;
        ns_field_format(NS_FIELD_ETH_DST, &v, dst, sizeof dst);
    }
    int64_t us = f->rel_ns / 1000;
    snprintf(t, sizeof t, "%s%lld.%06lld", us < 0 ? "-" : "", (long long)((us < 0 ? -us : us) / 1000000),
             (long long)((us < 0 ? -us : us) % 1000000));
    info_text(f, top, info, sizeof info);
    fprintf(out, "%5llu %10s %12s " ARROW " %-12s %s %u %s\n", (unsigned long long)f->rec->number, t, src,
            dst, top ? proto_name(top) : (f->rec->kind == NS_REC_CUSTOM ? "pcapng" : "Frame"),
            (unsigned)f->rec->wirelen, info);
}
