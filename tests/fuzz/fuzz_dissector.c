/* One libFuzzer target per dissector entry point: NS_FUZZ_ENTRY (set by meson) picks which.
 * The input is the bytes at the start of that protocol's header. The frame target takes a
 * link type from the first byte so every link layer is reached. */
#include <stddef.h>
#include <stdint.h>

#include "dissectors/dissect.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum {
    E_FRAME, E_ETH, E_VLAN, E_MPLS, E_PPPOE, E_SLL, E_SLL2, E_NULL, E_LOOP, E_IPV4, E_IPV6, E_GRE,
    E_ARP, E_TCP, E_UDP, E_ICMP, E_ICMPV6, E_DNS, E_DNS_TCP, E_TLS,
};

static const uint32_t linktypes[] = { 0, 1, 12, 14, 101, 108, 113, 228, 229, 276 };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct ns_pkt pkt;
    ns_pkt_reset(&pkt);
    struct ns_cur c = ns_cur_make(data, size);
    switch (NS_FUZZ_ENTRY) {
    case E_FRAME:
        if (size < 1)
            return 0;
        (void)ns_dissect_frame(data + 1, size - 1, linktypes[data[0] % 10], &pkt);
        return 0;
    case E_ETH: (void)ns_eth_dissect(&c, &pkt); break;
    case E_VLAN: (void)ns_vlan_dissect(&c, &pkt, 0x8100); break;
    case E_MPLS: (void)ns_mpls_dissect(&c, &pkt); break;
    case E_PPPOE: (void)ns_pppoe_dissect(&c, &pkt); break;
    case E_SLL: (void)ns_sll_dissect(&c, &pkt); break;
    case E_SLL2: (void)ns_sll2_dissect(&c, &pkt); break;
    case E_NULL: (void)ns_null_dissect(&c, &pkt, 0); break;
    case E_LOOP: (void)ns_null_dissect(&c, &pkt, 1); break;
    case E_IPV4: (void)ns_ipv4_dissect(&c, &pkt); break;
    case E_IPV6: (void)ns_ipv6_dissect(&c, &pkt); break;
    case E_GRE: (void)ns_gre_dissect(&c, &pkt); break;
    case E_ARP: (void)ns_arp_dissect(&c, &pkt); break;
    case E_TCP: (void)ns_tcp_dissect(&c, &pkt); break;
    case E_UDP: (void)ns_udp_dissect(&c, &pkt); break;
    case E_ICMP: (void)ns_icmp_dissect(&c, &pkt); break;
    case E_ICMPV6: (void)ns_icmpv6_dissect(&c, &pkt); break;
    case E_DNS: (void)ns_dns_dissect(&c, &pkt, NS_DNS_KIND_DNS); return 0;
    case E_DNS_TCP: (void)ns_dns_tcp_dissect(&c, &pkt); return 0;
    case E_TLS: (void)ns_tls_dissect(&c, &pkt); return 0;
    default: return 0;
    }
    /* Whatever follows the entry header is dissected too, as in a real frame. */
    if (pkt.malformed == NS_MALFORMED_NONE)
        (void)ns_dissect_next(&c, &pkt);
    return 0;
}
