/* dissectors/icmpv6.c: ICMPv6 (RFC 4443).
 * In:     a cursor at the type byte, clamped by the IPv6 layer to the ICMPv6 message.
 * Out:    one ICMPV6 layer (the icmp member): type, code, checksum (not verified), and
 *         id/seq for echo request/reply (128/129, RFC 4443 section 4); hdr_len = 8 for
 *         those and for errors, 4 otherwise (NDP, MLD, RPL ... bodies are not read).
 *         *c is left after the header.
 * Errors: destination unreachable (1), packet too big (2), time exceeded (3) and parameter
 *         problem (4) carry 4 more bytes (unused, MTU, pointer) and then "as much of the
 *         invoking packet as possible" (RFC 4443 section 3). netscope sets pkt->quoted = 1
 *         and pkt->next = {IP}, so the quoted IPv6 and transport headers are dissected with
 *         NS_LAYER_QUOTED, as tshark shows them. Nothing after the 8 bytes, or an error
 *         already inside a quote, ends the chain. The RFC 4884 length is not interpreted.
 * Marks:  ICMPV6_SHORT (fewer than 4 bytes, or an echo or error header of fewer than 8).
 *         Inside a quote a cut header keeps what was read, gets NS_LAYER_CUT, returns OK.
 * Never:  allocates, prints, reads past the cursor. */
#include "dissect.h"

#define ICMPV6_ECHO_REQUEST 128
#define ICMPV6_ECHO_REPLY   129

static bool icmpv6_has_id(uint8_t type)
{
    return type == ICMPV6_ECHO_REQUEST || type == ICMPV6_ECHO_REPLY;
}

static bool icmpv6_is_error(uint8_t type)
{
    return type >= 1 && type <= 4;
}

/* The header's rules are ICMP's (icmp.c, ns_icmp_common). */
enum ns_status ns_icmpv6_dissect(struct ns_cur *c, struct ns_pkt *pkt)
{
    static const struct ns_icmp_kind icmpv6 = { NS_PROTO_ICMPV6, NS_MALFORMED_ICMPV6_SHORT,
                                                icmpv6_has_id, icmpv6_is_error };
    return ns_icmp_common(c, pkt, &icmpv6);
}
