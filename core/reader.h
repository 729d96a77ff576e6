/* core/reader.h: pcap and pcapng records from a buffer the caller holds.
 * In:     the whole file's bytes (the CLI mmaps them; fuzzers and tests pass arrays).
 * Out:    one struct ns_rec per record, in file order; rec->data points into the buffer.
 * Owns:   nothing allocated: the interface table is part of struct ns_reader
 *         (NS_READER_MAX_IF entries; more interfaces is an NS_STATUS_CAP error).
 * Errors: a value and a sentence in the caller's struct ns_err naming the frame number and
 *         the file offset; every record before the bad one was already returned.
 * Never:  opens, reads or maps a file, allocates, prints, or trusts a length before it is
 *         checked against the buffer and the caps below. */
#ifndef NS_READER_H
#define NS_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "status.h"

#define NS_READER_MAX_CAPLEN  (256u * 1024u)       /* no record carries more */
#define NS_READER_MAX_BLOCK   (16u * 1024u * 1024u) /* pcapng block length cap */
#define NS_READER_MAX_IF      4096                 /* pcapng interfaces over all sections */

enum ns_file_format { NS_FORMAT_UNKNOWN = 0, NS_FORMAT_PCAP, NS_FORMAT_PCAPNG };

enum ns_rec_kind {
    NS_REC_PACKET = 0,          /* a packet: data, caplen, wirelen, linktype */
    NS_REC_CUSTOM,              /* a pcapng custom block: tshark lists it as a frame */
};

struct ns_rec {
    uint8_t kind;               /* enum ns_rec_kind */
    bool has_ts;                /* false for pcapng Simple Packet Blocks */
    uint32_t linktype;          /* per record: pcapng interfaces may differ */
    int32_t interface_id;       /* pcapng: IDB index in its section (as tshark); else -1 */
    uint32_t caplen, wirelen;
    int64_t ts_ns;              /* nanoseconds since the epoch (may be negative) */
    const uint8_t *data;        /* caplen bytes inside the caller's buffer */
    uint64_t number;            /* 1-based frame number */
    uint64_t offset;            /* file offset of the record (or block) header */
};

struct ns_reader_if {
    uint32_t linktype;
    uint32_t snaplen;
    uint8_t tsres_pow2;         /* 1: resolution is 2^-tsres; 0: 10^-tsres */
    uint8_t tsres;
    int64_t tsoffset_s;         /* if_tsoffset, seconds */
    uint64_t opt_off;           /* pcapng: the IDB's options inside the buffer (writers copy */
    uint32_t opt_len;           /* if_name and the like from there); 0 = none */
};

struct ns_reader {
    const uint8_t *buf;
    size_t len;
    size_t off;                 /* next byte to read */
    enum ns_file_format format;
    bool swapped;               /* file byte order differs from the little-endian reading */
    bool nsec;                  /* pcap: nanosecond magic */
    uint32_t snaplen;           /* pcap header snaplen */
    uint32_t linktype;          /* pcap header link type, low 16 bits */
    uint64_t frames;            /* records returned so far */
    uint32_t nif;               /* interfaces over all sections */
    uint32_t section_first_if;  /* first interface index of the current section */
    struct ns_reader_if ifs[NS_READER_MAX_IF];
};

/* The options of a pcapng interface, as they stand in the file (writers copy if_name and
 * the like from there): ns_reader_if_opts() starts at interface g (no options for pcap),
 * ns_reader_opt_next() gives each option's code, value and length, and stops at
 * opt_endofopt, at the end, or at an option that runs past the block. */
struct ns_reader_opts {
    const uint8_t *p;
    size_t left;
    bool be;
};

struct ns_reader_opt {
    uint16_t code;
    uint16_t len;               /* of the value */
    uint16_t padded;            /* the value's length padded to 32 bits, as stored */
    const uint8_t *val;
};

void ns_reader_if_opts(const struct ns_reader *r, uint32_t g, struct ns_reader_opts *it);
bool ns_reader_opt_next(struct ns_reader_opts *it, struct ns_reader_opt *o);

/* Binds the reader to buf; no I/O, cannot fail. */
void ns_reader_init(struct ns_reader *r, const uint8_t *buf, size_t len);

/* Reads the file header (pcap header, or the first pcapng Section Header Block).
 * NS_STATUS_FORMAT: not a pcap or pcapng file, or its header is damaged;
 * NS_STATUS_TRUNCATED: the file ends inside its header. */
enum ns_status ns_reader_open(struct ns_reader *r, struct ns_err *err);

/* The next record. NS_STATUS_OK with *rec filled, NS_STATUS_END at a clean end of file,
 * or an error (TRUNCATED, FORMAT, CAP) with err naming frame number and offset. */
enum ns_status ns_reader_next(struct ns_reader *r, struct ns_rec *rec, struct ns_err *err);

#endif
