/* dissectors/tcp.c: TCP header and options (RFC 9293, section 3.1).
 * In:     a cursor at the source port, already clamped by the IP layer to the IP payload.
 * Out:    one TCP layer: ports, seq, ack, the 12 flag bits (NS ... FIN), window, urgent
 *         pointer, options (MSS, window scale, SACK-permitted, up to 4 SACK blocks,
 *         timestamps) and payload_len (tshark's tcp.len); hdr_len = data offset * 4.
 *         *c is left at the payload and pkt->next = {TCP_DATA}.
 * tcp.len comes from the IP header, not from the capture: when the layer before this one
 *         is IPv4 or IPv6, its length fields give the IP payload length (IPv4 total length
 *         minus its header, IPv6 payload or jumbo length minus the extension headers).
 *         With no IP layer before (unit tests, a caller with a bare segment), or when the
 *         cursor holds more than the IP header claims (the core passes a reassembled
 *         datagram after the last fragment's header), the cursor length is the IP payload
 *         length. A payload shorter than tcp.len (snaplen) flags the layer NS_LAYER_CUT.
 * Options (RFC 9293 section 3.1 "Options"; MSS 3.7.1; RFC 7323 sections 2.2, 3.2; RFC 2018
 *         sections 2, 3): EOL ends the list, NOP is one byte, every other option is kind,
 *         length (counting both, so at least 2), data. Unknown kinds are skipped by length.
 *         A known kind with the wrong length is skipped, its value not kept (tshark: "option
 *         length should be N"); a length below 2 or past the header stops the walk. These
 *         mark TCP_OPT, but the segment is still well framed by the data offset, so, like
 *         tshark, netscope still hands the payload on: status OK, pkt->next set, the fault
 *         recorded in pkt->malformed (a "soft" mark).
 * Quoted (inside an ICMP/ICMPv6 error, pkt->quoted): an error quotes only the first bytes
 *         of the datagram (8 are guaranteed by RFC 792). tshark shows the fields that are
 *         there and marks nothing (a port-only quote is normal), so a quoted header cut
 *         anywhere keeps what was read, gets NS_LAYER_CUT, hdr_len = the bytes present, and
 *         returns OK with no pkt->next. A whole quoted header is handed on like any other.
 * Marks:  TCP_SHORT (the 20-byte header or the options cut by the capture), TCP_DOFF (data
 *         offset below 5, or a header longer than the IP payload), TCP_OPT (soft, above).
 * Never:  allocates, prints, reads past the cursor. */
#include "dissect.h"

#define TCP_MIN_HDR 20

#define TCPOPT_EOL       0
#define TCPOPT_NOP       1
#define TCPOPT_MSS       2      /* RFC 9293 section 3.2 */
#define TCPOPT_WSCALE    3      /* RFC 7323 section 2.2 */
#define TCPOPT_SACK_PERM 4      /* RFC 2018 section 2 */
#define TCPOPT_SACK      5      /* RFC 2018 section 3 */
#define TCPOPT_TS        8      /* RFC 7323 section 3.2 */

/* Walks the option bytes. opts holds what was captured of them; missing is how many
 * option bytes the capture lacks (snaplen), so an option running into that gap is cut,
 * not invalid. */
static void tcp_options(struct ns_cur opts, size_t missing, struct ns_layer *l,
                        struct ns_pkt *pkt)
{
    while (opts.len > 0) {
        uint8_t kind = ns_cur_u8(&opts);
        if (kind == TCPOPT_EOL)
            return;
        if (kind == TCPOPT_NOP)
            continue;
        if (opts.len == 0) {
            if (missing == 0)
                ns_pkt_soft_mark(pkt, NS_MALFORMED_TCP_OPT);   /* no room for a length */
            return;
        }
        uint8_t len = ns_cur_u8(&opts);
        if (len < 2) {
            ns_pkt_soft_mark(pkt, NS_MALFORMED_TCP_OPT);
            return;
        }
        size_t dlen = (size_t)len - 2;
        if (dlen > opts.len) {
            if (dlen > opts.len + missing)
                ns_pkt_soft_mark(pkt, NS_MALFORMED_TCP_OPT);
            return;
        }
        struct ns_cur d = ns_cur_sub(&opts, dlen);
        int ok = 1;
        switch (kind) {
        case TCPOPT_MSS:
            if ((ok = (len == 4)) != 0) {
                l->u.tcp.mss = ns_cur_be16(&d);
                l->u.tcp.has_mss = 1;
            }
            break;
        case TCPOPT_WSCALE:
            if ((ok = (len == 3)) != 0) {
                l->u.tcp.wscale = ns_cur_u8(&d);
                l->u.tcp.has_wscale = 1;
            }
            break;
        case TCPOPT_SACK_PERM:
            if ((ok = (len == 2)) != 0)
                l->u.tcp.sack_perm = 1;
            break;
        case TCPOPT_SACK:
            /* 2 + 8n bytes; 40 option bytes leave room for at most 4 blocks */
            ok = dlen >= 8 && dlen % 8 == 0 && dlen / 8 <= NS_TCP_MAX_SACK;
            if (ok) {
                l->u.tcp.nsack = (uint8_t)(dlen / 8);
                for (unsigned i = 0; i < l->u.tcp.nsack; i++) {
                    l->u.tcp.sack[i].left = ns_cur_be32(&d);
                    l->u.tcp.sack[i].right = ns_cur_be32(&d);
                }
            }
            break;
        case TCPOPT_TS:
            if ((ok = (len == 10)) != 0) {
                l->u.tcp.ts_val = ns_cur_be32(&d);
                l->u.tcp.ts_ecr = ns_cur_be32(&d);
                l->u.tcp.has_ts = 1;
            }
            break;
        default:
            break;
        }
        if (!ok)
            ns_pkt_soft_mark(pkt, NS_MALFORMED_TCP_OPT);
    }
}

enum ns_status ns_tcp_dissect(struct ns_cur *c, struct ns_pkt *pkt)
{
    int have_ip;
    size_t claim = ns_pkt_ip_claim(pkt, &have_ip);
    size_t avail = c->len;                  /* captured bytes from the header on */
    if (!have_ip || claim < avail)
        claim = avail;

    struct ns_layer *l = ns_pkt_push(pkt, NS_PROTO_TCP, c->p);
    if (l == NULL)
        return NS_STATUS_MALFORMED;
    int quoted = (l->flags & NS_LAYER_QUOTED) != 0;

    uint16_t off_flags;
    const uint8_t *h = c->len >= TCP_MIN_HDR ? ns_cur_take(c, TCP_MIN_HDR) : NULL;
    if (h != NULL) {
        /* the usual case, the fixed header whole: one length check, not eight */
        l->u.tcp.sport = ns_at_be16(h, 0);
        l->u.tcp.dport = ns_at_be16(h, 2);
        l->u.tcp.seq = ns_at_be32(h, 4);
        l->u.tcp.ack = ns_at_be32(h, 8);
        off_flags = ns_at_be16(h, 12);
        l->u.tcp.window = ns_at_be16(h, 14);
        l->u.tcp.urg = ns_at_be16(h, 18);   /* 16: checksum, not verified (tshark default) */
    } else {
        l->u.tcp.sport = ns_cur_be16(c);
        l->u.tcp.dport = ns_cur_be16(c);
        l->u.tcp.seq = ns_cur_be32(c);
        l->u.tcp.ack = ns_cur_be32(c);
        off_flags = ns_cur_be16(c);
        l->u.tcp.window = ns_cur_be16(c);
        (void)ns_cur_be16(c);
        l->u.tcp.urg = ns_cur_be16(c);
    }
    l->u.tcp.flags = off_flags & 0x0fff;

    if (c->short_read) {
        l->hdr_len = (uint16_t)(avail < TCP_MIN_HDR ? avail : TCP_MIN_HDR);
        l->flags |= NS_LAYER_CUT;
        if (quoted)
            return NS_STATUS_OK;
        return ns_pkt_mark(pkt, NS_MALFORMED_TCP_SHORT);
    }

    size_t hlen = (size_t)(off_flags >> 12) * 4;
    if (hlen < TCP_MIN_HDR) {
        /* tshark ("Bogus TCP header length") still gives tcp.len by the bogus offset */
        l->hdr_len = TCP_MIN_HDR;
        l->u.tcp.payload_len = (uint32_t)(claim - hlen);
        return ns_pkt_mark(pkt, NS_MALFORMED_TCP_DOFF);
    }
    l->hdr_len = (uint16_t)hlen;
    if (!quoted && hlen > claim)
        return ns_pkt_mark(pkt, NS_MALFORMED_TCP_DOFF);
    /* RFC 9293 section 3.1: tcp.len is the segment length minus the header */
    l->u.tcp.payload_len = (uint32_t)(claim - hlen);

    size_t olen = hlen - TCP_MIN_HDR;
    struct ns_cur opts = ns_cur_sub(c, olen);
    tcp_options(opts, olen - opts.len, l, pkt);
    if (opts.len < olen) {
        l->flags |= NS_LAYER_CUT;
        if (quoted) {
            l->hdr_len = (uint16_t)(TCP_MIN_HDR + opts.len);
            l->u.tcp.payload_len = 0;
            return NS_STATUS_OK;
        }
        return ns_pkt_mark(pkt, NS_MALFORMED_TCP_SHORT);
    }

    if (c->len < l->u.tcp.payload_len)
        l->flags |= NS_LAYER_CUT;
    pkt->next.kind = NS_NEXT_TCP_DATA;
    pkt->next.val = 0;
    return NS_STATUS_OK;
}
