/* core/peek.h: the transport flow key of a record, read straight from its bytes.
 * In:     one record (not yet fed to the engine) and the engine's vlan_in_key choice.
 * Out:    true with the canonical key (ns_flow_key_make) that core/track.c will look up
 *         for the record's TCP or UDP header; false when the record is anything else.
 * Claims: only Ethernet, then 0..NS_VLAN_MAX_TAGS 802.1Q/802.1ad tags, then IPv4 (no
 *         fragment) or IPv6 (no extension header), then a TCP header of 20 bytes or a UDP
 *         header of 8 bytes, all captured within what IP's length fields allow: the plain
 *         frames of a large capture. Whatever could make the dissectors read the frame
 *         another way (LLC, MPLS, PPPoE, tunnels, IPv6 extension chains, fragments, a
 *         version nibble that disagrees with the ethertype, cut headers) is refused, so a
 *         claimed key is the key the engine uses for the frame's first transport header.
 * Why:    a caller that knows upcoming records (the CLI's file loop) hashes their keys
 *         early and prefetches the flow state they will touch (ns_engine_prefetch_*):
 *         at a million flows each packet's state is a handful of DRAM misses.
 * Never:  allocates, prints, changes anything, reads past rec->caplen bytes. */
#ifndef NS_PEEK_H
#define NS_PEEK_H

#include <stdbool.h>

#include "flow.h"
#include "reader.h"

bool ns_peek_flow_key(const struct ns_rec *rec, bool vlan_in_key, struct ns_flow_key *k);

#endif
