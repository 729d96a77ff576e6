/* core/flownames.h: the DNS query names and TLS server name seen in each flow.
 * In:     per frame, the frame's flow (its table entry index and id) and its DNS question
 *         names and TLS SNI, as the dissectors give them (tshark's printable form).
 * Out:    per flow, up to NS_FLOWNAMES_MAX_DNS distinct DNS names in order of first sight
 *         and the first SNI, until the flow is released.
 * Owns:   one pointer per flow-table entry (grown with the table) and, only for flows that
 *         carry names, a record and its buffers, allocated on the first name and grown (at
 *         most a few times) while names are added; freed when the flow ends. Flows without
 *         names cost the pointer only.
 * Never:  prints, reads a global, knows Wireshark or libpcap. */
#ifndef NS_FLOWNAMES_H
#define NS_FLOWNAMES_H

#include <stddef.h>
#include <stdint.h>

#define NS_FLOWNAMES_MAX_DNS 8
#define NS_FLOWNAMES_MAX_LEN 255   /* longer names are cut (a DNS name has at most 253) */

/* The names of one flow; allocated on its first name. */
struct ns_flownames_rec {
    uint64_t flow_id;
    char *dns;                  /* "a,b,c": distinct names, ',' between them */
    char *sni;
    uint16_t dns_len, dns_cap;
    uint8_t ndns;
};

struct ns_flownames {
    struct ns_flownames_rec **slot;   /* one pointer per flow-table entry: 8 bytes a flow */
    uint32_t cap;
    uint64_t dropped;           /* names not kept: limit reached or no memory */
};

void ns_flownames_init(struct ns_flownames *t);
void ns_flownames_fini(struct ns_flownames *t);

/* Records a DNS name (dns != 0) or an SNI for flow flow_id held in table entry `entry`. */
void ns_flownames_add(struct ns_flownames *t, uint32_t entry, uint64_t flow_id, int dns,
                      const char *name, size_t len);

/* The names of the flow in `entry` if it is flow_id: *dns and *sni are NUL-terminated
 * strings or NULL. */
void ns_flownames_get(const struct ns_flownames *t, uint32_t entry, uint64_t flow_id,
                      const char **dns, const char **sni);

/* Forgets the flow in `entry` (when it ends). */
void ns_flownames_release(struct ns_flownames *t, uint32_t entry, uint64_t flow_id);

#endif
