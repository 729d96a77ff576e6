/* dissectors/tls.c: TLS records and the ClientHello (RFC 8446 sections 4.1.2, 5.1;
 * RFC 5246 sections 6.2.1, 7.4.1.2; SNI RFC 6066 section 3; ALPN RFC 7301 section 3.1).
 * In:     a cursor over one TCP segment's payload, starting at a record header
 *         (ns_tls_looks_like() said so).
 * Out:    walks the records of the segment; for each Handshake record whose first message
 *         is a ClientHello it pushes one TLS layer: content_type 22, hs_type 1, the record
 *         version, the hello's legacy_version, sni/sni_len (the first host_name entry of
 *         the first server_name extension) and alpn/alpn_len (the raw protocol_name_list of
 *         the first ALPN extension). Both point into the segment (zero copy); NULL when
 *         absent. Other records and handshake messages push nothing. *c is left after the
 *         last record header walked.
 * Cut:    a record or a ClientHello that runs past the segment (or a ClientHello longer
 *         than its record: handshake fragmentation) is not a fault: TCP carries it on in
 *         the next segment. netscope parses what is there, so the SNI is found when its
 *         extension is whole, and flags the layer NS_LAYER_CUT. tshark instead reassembles
 *         and shows the hello in the frame that completes it; the core will do that later.
 * Faults: a length inside the ClientHello that runs past the length enclosing it (the
 *         handshake message, an extension block, an extension, a list) is malformed
 *         whatever the capture holds: TLS_SHORT for the hello's own fields (session id,
 *         cipher suites, compression methods, the extensions block), TLS_EXT inside the
 *         extensions. The SNI/ALPN found before the fault stay (tshark shows them too). An
 *         SNI or ALPN list that overruns its extension is not kept (tshark neither shows
 *         it); ALPN is kept only when every entry is 1..255 bytes and they tile the list.
 * Stops:  at a record header that is not TLS (content type not 20..24, major not 3, minor
 *         above 4, length above 2^14 + 2048, RFC 5246 section 6.2.3) without a mark: it is
 *         a later part of a record this segment does not start.
 * Marks:  TLS_SHORT, TLS_EXT.
 * Never:  allocates, prints, reads past the cursor. */
#include "dissect.h"

#define TLS_RECORD_HDR     5
#define TLS_HS_HDR         4
#define TLS_MAX_RECORD     (16384 + 2048)
#define TLS_CT_CCS         20
#define TLS_CT_HEARTBEAT   24
#define TLS_CT_HANDSHAKE   22
#define TLS_HS_CLIENT_HELLO 1
#define TLS_RANDOM_LEN     32
#define TLS_EXT_SERVER_NAME 0
#define TLS_EXT_ALPN       16
#define TLS_SNI_HOST_NAME  0

/* A length-delimited part: c holds the captured bytes; missing counts the bytes the length
 * promises that the segment does not hold. */
struct tls_part {
    struct ns_cur c;
    size_t missing;
};

enum tls_res { TLS_RES_OK, TLS_RES_CUT, TLS_RES_BAD };

static enum tls_res tls_need(const struct tls_part *p, size_t n)
{
    if (p->c.len >= n)
        return TLS_RES_OK;
    return p->c.len + p->missing >= n ? TLS_RES_CUT : TLS_RES_BAD;
}

/* The next n bytes of p as a part of their own; p moves past them. */
static enum tls_res tls_sub(struct tls_part *p, size_t n, struct tls_part *out)
{
    if (n > p->c.len + p->missing)
        return TLS_RES_BAD;
    out->c = ns_cur_sub(&p->c, n);
    out->missing = n - out->c.len;
    p->missing -= out->missing;
    return out->missing > 0 ? TLS_RES_CUT : TLS_RES_OK;
}

static size_t tls_left(const struct tls_part *p)
{
    return p->c.len + p->missing;
}

/* server_name extension body (RFC 6066 section 3): ServerNameList <1..2^16-1> of
 * { NameType, opaque HostName<1..2^16-1> }. */
static enum tls_res tls_sni(struct tls_part *e, struct ns_layer *l)
{
    struct tls_part list, name;
    if (tls_need(e, 2) != TLS_RES_OK)
        return TLS_RES_BAD;
    size_t list_len = ns_cur_be16(&e->c);
    if (tls_sub(e, list_len, &list) != TLS_RES_OK)
        return TLS_RES_BAD;
    while (tls_left(&list) > 0) {
        if (tls_need(&list, 3) != TLS_RES_OK)
            return TLS_RES_BAD;
        uint8_t type = ns_cur_u8(&list.c);
        size_t len = ns_cur_be16(&list.c);
        if (tls_sub(&list, len, &name) != TLS_RES_OK)
            return TLS_RES_BAD;
        if (type == TLS_SNI_HOST_NAME && l->u.tls.sni == NULL) {
            l->u.tls.sni = ns_cur_take(&name.c, len);
            l->u.tls.sni_len = (uint16_t)len;
        }
    }
    return TLS_RES_OK;
}

/* ALPN extension body (RFC 7301 section 3.1): ProtocolNameList <2..2^16-1> of
 * opaque ProtocolName<1..2^8-1>. */
static enum tls_res tls_alpn(struct tls_part *e, struct ns_layer *l)
{
    struct tls_part list;
    if (tls_need(e, 2) != TLS_RES_OK)
        return TLS_RES_BAD;
    size_t list_len = ns_cur_be16(&e->c);
    if (tls_sub(e, list_len, &list) != TLS_RES_OK)
        return TLS_RES_BAD;
    struct ns_cur walk = list.c;
    while (walk.len > 0) {
        uint8_t n = ns_cur_u8(&walk);
        if (n == 0 || n > walk.len)
            return TLS_RES_BAD;
        ns_cur_skip(&walk, n);
    }
    l->u.tls.alpn = ns_cur_take(&list.c, list_len);
    l->u.tls.alpn_len = (uint16_t)list_len;
    return TLS_RES_OK;
}

/* Skips a vector whose length takes lenlen bytes (RFC 8446 section 3.4). */
static enum tls_res tls_skip_vector(struct tls_part *b, size_t lenlen)
{
    struct tls_part v;
    enum tls_res r = tls_need(b, lenlen);
    if (r != TLS_RES_OK)
        return r;
    size_t n = lenlen == 1 ? ns_cur_u8(&b->c) : ns_cur_be16(&b->c);
    return tls_sub(b, n, &v);
}

/* ClientHello body (RFC 8446 section 4.1.2). On TLS_RES_BAD, *why says which reason. */
static enum tls_res tls_client_hello(struct tls_part *b, struct ns_layer *l,
                                     enum ns_malformed *why)
{
    *why = NS_MALFORMED_TLS_SHORT;
    enum tls_res r = tls_need(b, 2 + TLS_RANDOM_LEN);
    if (r != TLS_RES_OK)
        return r;
    l->u.tls.hello_version = ns_cur_be16(&b->c);
    ns_cur_skip(&b->c, TLS_RANDOM_LEN);
    if ((r = tls_skip_vector(b, 1)) != TLS_RES_OK)     /* legacy_session_id <0..32> */
        return r;
    if ((r = tls_skip_vector(b, 2)) != TLS_RES_OK)     /* cipher_suites <2..2^16-2> */
        return r;
    if ((r = tls_skip_vector(b, 1)) != TLS_RES_OK)     /* compression_methods <1..2^8-1> */
        return r;
    if (tls_left(b) == 0)
        return TLS_RES_OK;              /* no extensions: allowed before TLS 1.3 */

    struct tls_part exts, e;
    if ((r = tls_need(b, 2)) != TLS_RES_OK)
        return r;
    size_t ext_total = ns_cur_be16(&b->c);
    enum tls_res cut = tls_sub(b, ext_total, &exts);
    if (cut == TLS_RES_BAD)
        return cut;
    *why = NS_MALFORMED_TLS_EXT;
    while (tls_left(&exts) > 0) {
        if ((r = tls_need(&exts, 4)) != TLS_RES_OK)
            return r;
        uint16_t type = ns_cur_be16(&exts.c);
        size_t len = ns_cur_be16(&exts.c);
        if ((r = tls_sub(&exts, len, &e)) != TLS_RES_OK)
            return r;                   /* a cut extension is not read: SNI only when whole */
        if (type == TLS_EXT_SERVER_NAME && l->u.tls.sni == NULL)
            r = tls_sni(&e, l);
        else if (type == TLS_EXT_ALPN && l->u.tls.alpn == NULL)
            r = tls_alpn(&e, l);
        if (r != TLS_RES_OK)
            return r;
    }
    return cut;
}

/* A Handshake record: rec holds its captured bytes; hdr is the record header. */
static enum ns_status tls_handshake(struct ns_cur *rec, uint16_t version, const uint8_t *hdr,
                                    struct ns_pkt *pkt)
{
    if (rec->len < TLS_HS_HDR)
        return NS_STATUS_OK;            /* the message header continues elsewhere */
    uint8_t hs_type = ns_cur_u8(rec);
    uint32_t hs_len = (uint32_t)ns_cur_u8(rec) << 16;
    hs_len |= ns_cur_be16(rec);
    if (hs_type != TLS_HS_CLIENT_HELLO)
        return NS_STATUS_OK;

    struct ns_layer *l = ns_pkt_push(pkt, NS_PROTO_TLS, hdr);
    if (l == NULL)
        return NS_STATUS_MALFORMED;
    l->hdr_len = TLS_RECORD_HDR + TLS_HS_HDR;
    l->u.tls.content_type = TLS_CT_HANDSHAKE;
    l->u.tls.hs_type = hs_type;
    l->u.tls.record_version = version;

    /* The message may go on past the record (fragmentation) or the segment: both cut. */
    struct tls_part body;
    body.c = ns_cur_sub(rec, hs_len);
    body.missing = hs_len - body.c.len;
    enum ns_malformed why;
    enum tls_res r = tls_client_hello(&body, l, &why);
    if (r == TLS_RES_BAD)
        return ns_pkt_mark(pkt, why);
    if (r == TLS_RES_CUT)
        l->flags |= NS_LAYER_CUT;
    return NS_STATUS_OK;
}

static int tls_record_ok(const struct ns_cur *c)
{
    if (c->len < TLS_RECORD_HDR)
        return 0;
    uint8_t type = ns_cur_peek(c, 0);
    size_t len = (size_t)ns_cur_peek(c, 3) << 8 | ns_cur_peek(c, 4);
    return type >= TLS_CT_CCS && type <= TLS_CT_HEARTBEAT && ns_cur_peek(c, 1) == 3 &&
           ns_cur_peek(c, 2) <= 4 && len <= TLS_MAX_RECORD;
}

int ns_tls_looks_like(const struct ns_cur *c)
{
    return tls_record_ok(c) && ns_cur_peek(c, 0) == TLS_CT_HANDSHAKE &&
           (ns_cur_peek(c, 3) | ns_cur_peek(c, 4)) != 0;
}

enum ns_status ns_tls_dissect(struct ns_cur *c, struct ns_pkt *pkt)
{
    while (tls_record_ok(c)) {
        const uint8_t *hdr = c->p;
        uint8_t type = ns_cur_u8(c);
        uint16_t version = ns_cur_be16(c);
        size_t len = ns_cur_be16(c);
        struct ns_cur rec = ns_cur_sub(c, len);
        if (type != TLS_CT_HANDSHAKE)
            continue;
        enum ns_status st = tls_handshake(&rec, version, hdr, pkt);
        if (st != NS_STATUS_OK)
            return st;
    }
    return NS_STATUS_OK;
}
