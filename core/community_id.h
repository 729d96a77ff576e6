/* core/community_id.h: Community ID v1 flow hash (Corelight community-id-spec, README
 * "Pseudo code" and "Technical details"; ICMP tables from pycommunityid icmp.py/icmp6.py,
 * which the spec names as the reference for them).
 * In:     one flow tuple in either direction, and a 16-bit seed (0 unless the operator
 *         chose another "domain").
 * Out:    "1:" + base64(SHA-1(seed . addr . addr . proto . 0 [. port . port])), NUL-
 *         terminated, identical for both directions of a bidirectional flow. An af other
 *         than 4 or 6, or a missing address, gives "" (the spec allows an empty string
 *         for a flow it cannot hash).
 * Owns:   nothing: no allocation, the output is the caller's buffer.
 * ICMP:   for proto 1 (ICMP) and 58 (ICMPv6) with has_ports, sport/dport are the message
 *         type and code; ns_community_id() maps them itself through
 *         ns_community_id_icmp(). The mapping is idempotent, so a tuple whose ports were
 *         already mapped hashes the same.
 * Never:  prints, reads a global, allocates. */
#ifndef NS_COMMUNITY_ID_H
#define NS_COMMUNITY_ID_H

#include <stdbool.h>
#include <stdint.h>

/* "1:" + 28 base64 characters + NUL = 31 */
#define NS_CID_LEN 32

struct ns_cid_tuple {
    uint8_t af;                 /* 4 or 6 */
    uint8_t proto;              /* IP protocol */
    const uint8_t *src, *dst;   /* 4 or 16 bytes, network order */
    uint16_t sport, dport;      /* host order; for ICMP/ICMPv6: type and code */
    bool has_ports;             /* false for protocols without ports (spec: omit ports) */
};

/* Writes the Community ID of t with the given seed (default 0) into out. */
void ns_community_id(const struct ns_cid_tuple *t, uint16_t seed, char out[NS_CID_LEN]);

/* Maps an ICMP (af 4) or ICMPv6 (af 6) type and code to the port pair the hash uses.
 * A request/reply type becomes (type, counterpart type) and *one_way = false, so both
 * directions meet; any other type becomes (type, code) and *one_way = true, and such a
 * tuple is hashed in the direction it was seen. Another af maps like an unknown type. */
void ns_community_id_icmp(uint8_t af, uint8_t type, uint8_t code, uint16_t *sport,
                          uint16_t *dport, bool *one_way);

#endif
