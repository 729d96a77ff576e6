/* core/reader.c: pcap and pcapng records from a caller-held buffer (contract in reader.h).
 *
 * tshark 4.0.17 (libwiretap) is the oracle; what it taught us, and why the code follows it:
 * - caplen > snaplen and caplen > wire length are not errors. wiretap only counts them as
 *   hints while guessing between pcap variants (its comment: not fatal, and a file with one
 *   such packet probably has thousands); refusing them would refuse files tshark reads in
 *   full. The 256 KiB caplen cap is wiretap's limit for most link types, so that stays.
 * - pcap ts_sec is unsigned and ts_usec is not normalised: a fraction >= 10^6 simply adds
 *   (suri-transform-base64-7296.pcap has three, and tshark's time_relative agrees).
 * - frame.interface_id is the IDB index inside its own section: in gopacket-be-test202.pcapng
 *   the last section's second interface prints as 1, not 4. Our table still spans the file,
 *   so the NS_READER_MAX_IF cap counts every IDB; only the id we report is section-local.
 * - Simple Packet Blocks and custom blocks carry no time stamp. tshark prints no time for
 *   them, but a first frame without one still becomes the time reference at 0 (test202
 *   starts with a custom block, so its later frames show absolute times as time_relative).
 * - A custom block (0xBAD, 0x40000BAD) is a frame whose len is the body after the PEN,
 *   options included: nobody but the writer can tell custom data from custom options.
 * - An SPB's captured length is min(original length, snaplen of interface 0), 0 = no limit;
 *   its body must then hold that much (newer wiretap refuses it otherwise, as we do).
 * - Each stamp is truncated to whole nanoseconds (frac * 10^9 / units, rounded down), so for
 *   2^-n resolutions the differences tshark prints match ours to the last digit.
 * - if_tsoffset: the 4.0-era wiretap skips it (a TODO in its IDB option handler), newer
 *   wiretap adds it; we add it, as the spec says. It cancels out of time_relative for the
 *   frames of one interface, so the corpus cannot tell the two apart.
 * Stricter than wiretap, as libpcap is: a block length that is not a multiple of 4 (wiretap
 * rounds it up), an if_tsresol or if_tsoffset of the wrong size, a resolution finer than
 * 2^-63 or 10^-19, or a stamp past the year 2262 (int64 nanoseconds) is a FORMAT error. */
#include "reader.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>

#include "dissectors/cursor.h"

#define NS_PCAP_HDR_LEN      24u
#define NS_PCAP_REC_LEN      16u

#define NS_PCAPNG_SHB        0x0A0D0D0Au    /* a palindrome: readable before the byte order */
#define NS_PCAPNG_IDB        0x00000001u
#define NS_PCAPNG_PB         0x00000002u    /* obsolete Packet Block */
#define NS_PCAPNG_SPB        0x00000003u
#define NS_PCAPNG_EPB        0x00000006u
#define NS_PCAPNG_CB         0x00000BADu    /* custom block, may be copied */
#define NS_PCAPNG_DCB        0x40000BADu    /* custom block, not to be copied */
#define NS_PCAPNG_BOM        0x1A2B3C4Du

/* Smallest total lengths, block header (8) and trailer (4) included. */
#define NS_PCAPNG_MIN_BLOCK  12u
#define NS_PCAPNG_MIN_SHB    28u            /* + byte-order magic, version, section length */
#define NS_PCAPNG_MIN_IDB    20u            /* + link type, reserved, snaplen */
#define NS_PCAPNG_MIN_EPB    32u            /* + interface, stamp, caplen, wire length */
#define NS_PCAPNG_MIN_PB     32u            /* + interface, drops, stamp, caplen, wire length */
#define NS_PCAPNG_MIN_SPB    16u            /* + wire length */
#define NS_PCAPNG_MIN_CB     16u            /* + private enterprise number */

#define NS_PCAPNG_OPT_END       0
#define NS_PCAPNG_OPT_TSRESOL   9
#define NS_PCAPNG_OPT_TSOFFSET  14

#define NS_PER_S             INT64_C(1000000000)
/* Largest |seconds| whose nanoseconds plus a fraction still fit an int64_t. */
#define NS_READER_MAX_S      (INT64_MAX / NS_PER_S - 1)

/* rec->linktype of a custom block: it has no link type, and 0 would read as DLT_NULL. */
#define NS_READER_NO_LINKTYPE UINT32_MAX

static const uint64_t ns_pow10[20] = {
    UINT64_C(1), UINT64_C(10), UINT64_C(100), UINT64_C(1000), UINT64_C(10000),
    UINT64_C(100000), UINT64_C(1000000), UINT64_C(10000000), UINT64_C(100000000),
    UINT64_C(1000000000), UINT64_C(10000000000), UINT64_C(100000000000),
    UINT64_C(1000000000000), UINT64_C(10000000000000), UINT64_C(100000000000000),
    UINT64_C(1000000000000000), UINT64_C(10000000000000000),
    UINT64_C(100000000000000000), UINT64_C(1000000000000000000),
    UINT64_C(10000000000000000000),
};

/* Every failure past the file header names the frame that was being read and the offset
 * of its record or block, so a person can find it with a hex editor. */
#if defined(__GNUC__)
__attribute__((format(printf, 5, 6)))
#endif
static enum ns_status fail(const struct ns_reader *r, struct ns_err *err, enum ns_status st,
                           size_t off, const char *fmt, ...)
{
    char what[200];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    if (r->format == NS_FORMAT_UNKNOWN)
        return ns_err_set(err, st, "file header at offset %zu: %s", off, what);
    return ns_err_set(err, st, "frame %" PRIu64 " at offset %zu: %s", r->frames + 1, off, what);
}

static inline uint16_t rd16(struct ns_cur *c, bool be)
{
    return be ? ns_cur_be16(c) : ns_cur_le16(c);
}

static inline uint32_t rd32(struct ns_cur *c, bool be)
{
    return be ? ns_cur_be32(c) : ns_cur_le32(c);
}

static inline uint32_t at32(const uint8_t *h, size_t off, bool be)
{
    return be ? ns_at_be32(h, off) : ns_at_le32(h, off);
}

static uint64_t rd64(struct ns_cur *c, bool be)
{
    uint64_t a = rd32(c, be);
    uint64_t b = rd32(c, be);
    return be ? a << 32 | b : b << 32 | a;
}

/* Asks for the next record's header and first headers while this record is analysed:
 * the file is read once, front to back, and each record's first touch was a cache miss.
 * Only a hint (no fault, no read), and only inside the buffer. */
static void prefetch_next(const struct ns_reader *r)
{
#if defined(__GNUC__) || defined(__clang__)
    if (r->off < r->len && r->len - r->off >= 128) {
        __builtin_prefetch(r->buf + r->off);
        __builtin_prefetch(r->buf + r->off + 64);
    }
#else
    (void)r;
#endif
}

static struct ns_cur at(const struct ns_reader *r, size_t off, size_t n)
{
    return ns_cur_make(r->buf + off, n);
}

/* ---- pcap ---------------------------------------------------------------------------- */

static enum ns_status pcap_open(struct ns_reader *r, struct ns_err *err, bool be, bool nsec)
{
    if (r->len < NS_PCAP_HDR_LEN)
        return ns_err_set(err, NS_STATUS_TRUNCATED, "pcap file header cut short (%zu of %u bytes)",
                          r->len, NS_PCAP_HDR_LEN);
    struct ns_cur c = at(r, 4, NS_PCAP_HDR_LEN - 4);
    uint16_t major = rd16(&c, be);
    uint16_t minor = rd16(&c, be);
    ns_cur_skip(&c, 8);                     /* thiszone and sigfigs: always 0 in practice */
    uint32_t snaplen = rd32(&c, be);
    uint32_t network = rd32(&c, be);
    if (major != 2)
        return ns_err_set(err, NS_STATUS_FORMAT, "unsupported pcap version %u.%u", major, minor);

    r->format = NS_FORMAT_PCAP;
    r->swapped = be;
    r->nsec = nsec;
    r->snaplen = snaplen;
    /* Bits 16-31 hold FCS and reserved flags (tcpdump-tcp-auth-heapoverflow.pcap sets
     * 0x30000000); the link type is the low 16 bits. */
    r->linktype = network & 0xFFFFu;
    r->off = NS_PCAP_HDR_LEN;
    return NS_STATUS_OK;
}

static enum ns_status pcap_next(struct ns_reader *r, struct ns_rec *rec, struct ns_err *err)
{
    size_t off = r->off;
    size_t left = r->len - off;

    if (left == 0)
        return NS_STATUS_END;
    if (left < NS_PCAP_REC_LEN)
        return fail(r, err, NS_STATUS_TRUNCATED, off, "record header cut short (%zu of %u bytes)",
                    left, NS_PCAP_REC_LEN);
    struct ns_cur c = at(r, off, left);
    /* the 16-byte record header is there whole (checked above): one take, four loads */
    const uint8_t *h = ns_cur_take(&c, NS_PCAP_REC_LEN);
    uint32_t sec = at32(h, 0, r->swapped);
    uint32_t frac = at32(h, 4, r->swapped);
    uint32_t caplen = at32(h, 8, r->swapped);
    uint32_t wirelen = at32(h, 12, r->swapped);
    if (caplen > NS_READER_MAX_CAPLEN)
        return fail(r, err, NS_STATUS_FORMAT, off, "caplen %" PRIu32
                    " exceeds the limit of %u bytes", caplen, NS_READER_MAX_CAPLEN);
    if (caplen > c.len)
        return fail(r, err, NS_STATUS_TRUNCATED, off,
                    "record cut short (caplen %" PRIu32 ", %zu bytes left)", caplen, c.len);

    *rec = (struct ns_rec){0};
    rec->kind = NS_REC_PACKET;
    rec->has_ts = true;
    rec->linktype = r->linktype;
    rec->interface_id = -1;
    rec->caplen = caplen;
    rec->wirelen = wirelen;
    /* Both terms are below 2^32 * 10^9 < 2^63: no overflow, whatever the fields hold. */
    rec->ts_ns = (int64_t)sec * NS_PER_S + (int64_t)frac * (r->nsec ? 1 : 1000);
    rec->data = ns_cur_take(&c, caplen);
    rec->number = ++r->frames;
    rec->offset = off;
    r->off = off + NS_PCAP_REC_LEN + caplen;
    prefetch_next(r);
    return NS_STATUS_OK;
}

/* ---- pcapng ---------------------------------------------------------------------------- */

static const char *block_name(uint32_t type)
{
    switch (type) {
    case NS_PCAPNG_SHB: return "section header block";
    case NS_PCAPNG_IDB: return "interface description block";
    case NS_PCAPNG_PB:  return "packet block";
    case NS_PCAPNG_SPB: return "simple packet block";
    case NS_PCAPNG_EPB: return "enhanced packet block";
    case NS_PCAPNG_CB:
    case NS_PCAPNG_DCB: return "custom block";
    default:            return "pcapng block";
    }
}

static uint32_t block_min(uint32_t type)
{
    switch (type) {
    case NS_PCAPNG_SHB: return NS_PCAPNG_MIN_SHB;
    case NS_PCAPNG_IDB: return NS_PCAPNG_MIN_IDB;
    case NS_PCAPNG_PB:  return NS_PCAPNG_MIN_PB;
    case NS_PCAPNG_SPB: return NS_PCAPNG_MIN_SPB;
    case NS_PCAPNG_EPB: return NS_PCAPNG_MIN_EPB;
    case NS_PCAPNG_CB:
    case NS_PCAPNG_DCB: return NS_PCAPNG_MIN_CB;
    default:            return NS_PCAPNG_MIN_BLOCK;
    }
}

/* The checks libpcap's read_block() makes before it trusts a block, in its order: the
 * length must be plausible before it is compared with what the buffer holds, and the
 * trailer must repeat it before any field inside is used. */
static enum ns_status block_check(const struct ns_reader *r, struct ns_err *err, size_t off,
                                  uint32_t type, uint32_t blen, bool be)
{
    size_t left = r->len - off;

    /* block_name() only on the way out: this runs once per packet */
    if (blen < block_min(type))
        return fail(r, err, NS_STATUS_FORMAT, off, "%s length %" PRIu32 " is below its minimum %"
                    PRIu32, block_name(type), blen, block_min(type));
    if (blen % 4 != 0)
        return fail(r, err, NS_STATUS_FORMAT, off, "%s length %" PRIu32 " is not a multiple of 4",
                    block_name(type), blen);
    if (blen > NS_READER_MAX_BLOCK)
        return fail(r, err, NS_STATUS_FORMAT, off, "%s length %" PRIu32
                    " exceeds the limit of %u bytes", block_name(type), blen, NS_READER_MAX_BLOCK);
    if (blen > left)
        return fail(r, err, NS_STATUS_TRUNCATED, off, "%s cut short (length %" PRIu32
                    ", %zu bytes left)", block_name(type), blen, left);
    uint32_t trailer = at32(r->buf + off + blen - 4, 0, be);     /* inside: blen <= left */
    if (trailer != blen)
        return fail(r, err, NS_STATUS_FORMAT, off, "%s trailer length %" PRIu32
                    " differs from its header length %" PRIu32, block_name(type), trailer, blen);
    return NS_STATUS_OK;
}

/* A Section Header Block, at the start of the file or later: it may change the byte order,
 * and it starts a new interface numbering. Nothing changes in r unless all of it is valid. */
static enum ns_status pcapng_shb(struct ns_reader *r, struct ns_err *err, size_t off)
{
    size_t left = r->len - off;

    if (left < 12)
        return fail(r, err, NS_STATUS_TRUNCATED, off,
                    "section header block cut short (%zu of 12 bytes)", left);
    struct ns_cur c = at(r, off + 8, 4);
    uint32_t bom = ns_cur_be32(&c);
    bool be;
    if (bom == NS_PCAPNG_BOM)
        be = true;
    else if (bom == 0x4D3C2B1Au)
        be = false;
    else
        return fail(r, err, NS_STATUS_FORMAT, off,
                    "section header block has an unknown byte-order magic 0x%08" PRIx32, bom);
    c = at(r, off + 4, 4);
    uint32_t blen = rd32(&c, be);
    enum ns_status st = block_check(r, err, off, NS_PCAPNG_SHB, blen, be);
    if (st != NS_STATUS_OK)
        return st;
    c = at(r, off + 12, 4);
    uint16_t major = rd16(&c, be);
    uint16_t minor = rd16(&c, be);
    /* 1.2 is written by tools that add block types; both libpcap and wiretap read it as 1.0. */
    if (major != 1 || (minor != 0 && minor != 2))
        return fail(r, err, NS_STATUS_FORMAT, off, "unsupported pcapng version %u.%u",
                    major, minor);

    r->swapped = be;
    r->section_first_if = r->nif;
    r->off = off + blen;
    return NS_STATUS_OK;
}

static enum ns_status pcapng_idb(struct ns_reader *r, struct ns_err *err, size_t off,
                                 struct ns_cur *body)
{
    bool be = r->swapped;
    struct ns_reader_if ifc = { 0 };

    if (r->nif >= NS_READER_MAX_IF)
        return fail(r, err, NS_STATUS_CAP, off, "more than %d interfaces in the file",
                    NS_READER_MAX_IF);
    ifc.linktype = rd16(body, be);
    ns_cur_skip(body, 2);                   /* reserved */
    ifc.snaplen = rd32(body, be);
    ifc.tsres = 6;                          /* no if_tsresol: microseconds */
    ifc.opt_off = (uint64_t)(body->p - r->buf);
    ifc.opt_len = (uint32_t)body->len;

    while (body->len >= 4) {
        uint16_t code = rd16(body, be);
        uint16_t olen = rd16(body, be);
        size_t padded = ((size_t)olen + 3) & ~(size_t)3;
        if (padded > body->len)
            return fail(r, err, NS_STATUS_FORMAT, off, "interface description block option %u "
                        "(length %u) runs past the end of the block", code, olen);
        struct ns_cur v = ns_cur_make(ns_cur_take(body, padded), olen);
        if (code == NS_PCAPNG_OPT_END)
            break;
        if (code == NS_PCAPNG_OPT_TSRESOL) {
            if (olen != 1)
                return fail(r, err, NS_STATUS_FORMAT, off, "if_tsresol option length %u is not 1",
                            olen);
            uint8_t res = ns_cur_u8(&v);
            ifc.tsres_pow2 = (res & 0x80) != 0;
            ifc.tsres = res & 0x7F;
            if (ifc.tsres > (ifc.tsres_pow2 ? 63 : 19))
                return fail(r, err, NS_STATUS_FORMAT, off, "if_tsresol 0x%02x is finer than a "
                            "64-bit time stamp can count", res);
        } else if (code == NS_PCAPNG_OPT_TSOFFSET) {
            if (olen != 8)
                return fail(r, err, NS_STATUS_FORMAT, off, "if_tsoffset option length %u is not 8",
                            olen);
            uint64_t u = rd64(&v, be);
            int64_t s = u <= INT64_MAX ? (int64_t)u : -(int64_t)(~u) - 1;
            if (s > NS_READER_MAX_S || s < -NS_READER_MAX_S)
                return fail(r, err, NS_STATUS_FORMAT, off, "if_tsoffset %" PRId64
                            " s is out of range", s);
            ifc.tsoffset_s = s;
        }
    }
    r->ifs[r->nif++] = ifc;
    return NS_STATUS_OK;
}

/* units of 10^-n or 2^-n seconds -> nanoseconds since the epoch, rounded down like wiretap.
 * False when the result does not fit an int64_t. */
static bool pcapng_ts(const struct ns_reader_if *ifc, uint64_t units, int64_t *ts_ns)
{
    unsigned n = ifc->tsres;
    uint64_t secs, frac_ns;

    if (ifc->tsres_pow2) {
        uint64_t frac = units & ((UINT64_C(1) << n) - 1);
        secs = units >> n;
        if (n <= 32) {
            frac_ns = (frac * (uint64_t)NS_PER_S) >> n;   /* frac < 2^32: product < 2^62 */
        } else {
            /* frac * 10^9 needs up to 94 bits: split it at bit 32; the low half's bits
             * below 2^32 cannot carry into the result once shifted by n > 32. */
            uint64_t hi = (frac >> 32) * (uint64_t)NS_PER_S;
            uint64_t lo = ((frac & 0xFFFFFFFFu) * (uint64_t)NS_PER_S) >> 32;
            frac_ns = (hi + lo) >> (n - 32);
        }
    } else {
        uint64_t frac = units % ns_pow10[n];
        secs = units / ns_pow10[n];
        frac_ns = n <= 9 ? frac * ns_pow10[9 - n] : frac / ns_pow10[n - 9];
    }
    if (secs > (uint64_t)NS_READER_MAX_S)
        return false;
    /* secs is in [0, MAX] and the offset in [-MAX, MAX]: the sum cannot overflow, nor go
     * below -MAX. */
    int64_t s = (int64_t)secs + ifc->tsoffset_s;
    if (s > NS_READER_MAX_S)
        return false;
    *ts_ns = s * NS_PER_S + (int64_t)frac_ns;
    return true;
}

static enum ns_status pcapng_packet(struct ns_reader *r, struct ns_rec *rec, struct ns_err *err,
                                    size_t off, uint32_t type, uint32_t blen, struct ns_cur *body)
{
    bool be = r->swapped;
    uint32_t ifid = 0, caplen = 0, wirelen;
    uint64_t units = 0;

    if (type == NS_PCAPNG_EPB) {
        /* the usual block: its 20 fixed bytes are there (block_check held it to its
         * minimum length), so one take and five loads */
        const uint8_t *h = ns_cur_take(body, 20);
        ifid = at32(h, 0, be);
        units = (uint64_t)at32(h, 4, be) << 32 | at32(h, 8, be);     /* high word first */
        caplen = at32(h, 12, be);
        wirelen = at32(h, 16, be);
    } else if (type == NS_PCAPNG_SPB) {
        wirelen = rd32(body, be);
    } else {
        ifid = rd16(body, be);              /* the obsolete Packet Block */
        ns_cur_skip(body, 2);               /* drops count */
        uint64_t hi = rd32(body, be);       /* high word first in either byte order */
        units = hi << 32 | rd32(body, be);
        caplen = rd32(body, be);
        wirelen = rd32(body, be);
    }

    uint32_t section_nif = r->nif - r->section_first_if;
    if (ifid >= section_nif) {
        if (type == NS_PCAPNG_SPB)
            return fail(r, err, NS_STATUS_FORMAT, off, "simple packet block before any interface "
                        "description block in its section");
        return fail(r, err, NS_STATUS_FORMAT, off, "%s references interface %" PRIu32
                    ", but its section defines %" PRIu32, block_name(type), ifid, section_nif);
    }
    const struct ns_reader_if *ifc = &r->ifs[r->section_first_if + ifid];
    if (type == NS_PCAPNG_SPB) {
        caplen = wirelen;
        if (ifc->snaplen != 0 && caplen > ifc->snaplen)
            caplen = ifc->snaplen;
    }
    if (caplen > NS_READER_MAX_CAPLEN)
        return fail(r, err, NS_STATUS_FORMAT, off, "caplen %" PRIu32
                    " exceeds the limit of %u bytes", caplen, NS_READER_MAX_CAPLEN);
    if (((caplen + 3u) & ~3u) > body->len)
        return fail(r, err, NS_STATUS_FORMAT, off, "%s of length %" PRIu32
                    " cannot hold caplen %" PRIu32, block_name(type), blen, caplen);
    int64_t ts_ns = 0;
    if (type != NS_PCAPNG_SPB && !pcapng_ts(ifc, units, &ts_ns))
        return fail(r, err, NS_STATUS_FORMAT, off, "time stamp %" PRIu64 " (resolution %s^-%u) "
                    "is out of range", units, ifc->tsres_pow2 ? "2" : "10", ifc->tsres);

    *rec = (struct ns_rec){0};
    rec->kind = NS_REC_PACKET;
    rec->has_ts = type != NS_PCAPNG_SPB;
    rec->linktype = ifc->linktype;
    rec->interface_id = (int32_t)ifid;      /* below NS_READER_MAX_IF */
    rec->caplen = caplen;
    rec->wirelen = wirelen;
    rec->ts_ns = ts_ns;
    rec->data = ns_cur_take(body, caplen);
    rec->number = ++r->frames;
    rec->offset = off;
    r->off = off + blen;
    return NS_STATUS_OK;
}

static enum ns_status pcapng_custom(struct ns_reader *r, struct ns_rec *rec, size_t off,
                                    uint32_t blen, struct ns_cur *body)
{
    ns_cur_skip(body, 4);                   /* private enterprise number */
    *rec = (struct ns_rec){0};
    rec->kind = NS_REC_CUSTOM;
    rec->linktype = NS_READER_NO_LINKTYPE;
    rec->interface_id = -1;
    rec->wirelen = (uint32_t)body->len;
    /* Blocks may reach NS_READER_MAX_BLOCK, records may not carry more than the caplen cap:
     * a longer custom block is kept like a snapped packet, its full length in wirelen. */
    rec->caplen = body->len < NS_READER_MAX_CAPLEN ? (uint32_t)body->len : NS_READER_MAX_CAPLEN;
    rec->data = body->p;
    rec->number = ++r->frames;
    rec->offset = off;
    r->off = off + blen;
    return NS_STATUS_OK;
}

static enum ns_status pcapng_next(struct ns_reader *r, struct ns_rec *rec, struct ns_err *err)
{
    for (;;) {
        size_t off = r->off;
        size_t left = r->len - off;
        enum ns_status st;

        if (left == 0)
            return NS_STATUS_END;
        if (left < 8)
            return fail(r, err, NS_STATUS_TRUNCATED, off,
                        "block header cut short (%zu of 8 bytes)", left);
        struct ns_cur c = at(r, off, 8);
        uint32_t type = rd32(&c, r->swapped);
        if (type == NS_PCAPNG_SHB) {
            st = pcapng_shb(r, err, off);
            if (st != NS_STATUS_OK)
                return st;
            continue;
        }
        uint32_t blen = rd32(&c, r->swapped);
        st = block_check(r, err, off, type, blen, r->swapped);
        if (st != NS_STATUS_OK)
            return st;
        struct ns_cur body = at(r, off + 8, blen - 12);
        switch (type) {
        case NS_PCAPNG_IDB:
            st = pcapng_idb(r, err, off, &body);
            if (st != NS_STATUS_OK)
                return st;
            break;
        case NS_PCAPNG_EPB:
        case NS_PCAPNG_PB:
        case NS_PCAPNG_SPB:
            return pcapng_packet(r, rec, err, off, type, blen, &body);
        case NS_PCAPNG_CB:
        case NS_PCAPNG_DCB:
            return pcapng_custom(r, rec, off, blen, &body);
        default:
            break;                          /* NRB, ISB, DSB, local and unknown blocks */
        }
        r->off = off + blen;
    }
}

/* ---- entry points ---------------------------------------------------------------------- */

void ns_reader_init(struct ns_reader *r, const uint8_t *buf, size_t len)
{
    /* The interface table is left alone: only the first nif entries are ever read. */
    r->buf = buf;
    r->len = buf != NULL ? len : 0;
    r->off = 0;
    r->format = NS_FORMAT_UNKNOWN;
    r->swapped = false;
    r->nsec = false;
    r->snaplen = 0;
    r->linktype = 0;
    r->frames = 0;
    r->nif = 0;
    r->section_first_if = 0;
}

/* Magic numbers as the file's first four bytes read big-endian; a file shorter than four
 * bytes that starts like one of them was cut short, anything else is not ours. */
static const uint32_t ns_magics[] = {
    0xA1B2C3D4u, 0xD4C3B2A1u,               /* pcap, microseconds */
    0xA1B23C4Du, 0x4D3CB2A1u,               /* pcap, nanoseconds */
    NS_PCAPNG_SHB,
};

enum ns_status ns_reader_open(struct ns_reader *r, struct ns_err *err)
{
    ns_reader_init(r, r->buf, r->len);      /* opening again starts over */
    if (r->len < 4) {
        if (r->len == 0)
            return ns_err_set(err, NS_STATUS_TRUNCATED, "empty file: no pcap or pcapng header");
        for (size_t m = 0; m < sizeof ns_magics / sizeof ns_magics[0]; m++) {
            size_t i = 0;
            while (i < r->len && r->buf[i] == (uint8_t)(ns_magics[m] >> (24 - 8 * i)))
                i++;
            if (i == r->len)
                return ns_err_set(err, NS_STATUS_TRUNCATED,
                                  "file header cut short (%zu bytes of a magic number)", r->len);
        }
        return ns_err_set(err, NS_STATUS_FORMAT, "not a pcap or pcapng file (%zu bytes, "
                          "too short for a magic number)", r->len);
    }
    struct ns_cur c = at(r, 0, 4);
    uint32_t magic = ns_cur_be32(&c);
    switch (magic) {
    case 0xA1B2C3D4u: return pcap_open(r, err, true, false);
    case 0xD4C3B2A1u: return pcap_open(r, err, false, false);
    case 0xA1B23C4Du: return pcap_open(r, err, true, true);
    case 0x4D3CB2A1u: return pcap_open(r, err, false, true);
    case NS_PCAPNG_SHB: {
        enum ns_status st = pcapng_shb(r, err, 0);
        if (st == NS_STATUS_OK)
            r->format = NS_FORMAT_PCAPNG;
        return st;
    }
    default:
        return ns_err_set(err, NS_STATUS_FORMAT,
                          "not a pcap or pcapng file (magic 0x%08" PRIx32 ")", magic);
    }
}

enum ns_status ns_reader_next(struct ns_reader *r, struct ns_rec *rec, struct ns_err *err)
{
    switch (r->format) {
    case NS_FORMAT_PCAP:   return pcap_next(r, rec, err);
    case NS_FORMAT_PCAPNG: return pcapng_next(r, rec, err);
    default:
        return ns_err_set(err, NS_STATUS_USAGE, "reader used before ns_reader_open succeeded");
    }
}

void ns_reader_if_opts(const struct ns_reader *r, uint32_t g, struct ns_reader_opts *it)
{
    it->be = r->swapped;
    it->left = 0;
    it->p = NULL;
    if (r->format == NS_FORMAT_PCAPNG && g < r->nif) {
        it->p = r->buf + r->ifs[g].opt_off;
        it->left = r->ifs[g].opt_len;
    }
}

bool ns_reader_opt_next(struct ns_reader_opts *it, struct ns_reader_opt *o)
{
    if (it->left < 4)
        return false;
    const uint8_t *p = it->p;
    o->code = it->be ? (uint16_t)(p[0] << 8 | p[1]) : (uint16_t)(p[1] << 8 | p[0]);
    o->len = it->be ? (uint16_t)(p[2] << 8 | p[3]) : (uint16_t)(p[3] << 8 | p[2]);
    o->padded = (uint16_t)((o->len + 3u) & ~3u);
    if (o->code == NS_PCAPNG_OPT_END || (size_t)4 + o->padded > it->left)
        return false;
    o->val = p + 4;
    it->p += 4 + o->padded;
    it->left -= 4 + (size_t)o->padded;
    return true;
}
