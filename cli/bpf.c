#define _DEFAULT_SOURCE     /* u_int, u_char: libpcap's headers use the BSD names */
#include "bpf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>

struct ns_bpf_prog {
    uint32_t linktype;
    struct bpf_program code;
};

void ns_bpf_init(struct ns_bpf *b, const char *expr)
{
    *b = (struct ns_bpf){ .expr = expr };
}

/* A handle as if reading a pcap file of this link type, not pcap_open_dead(): libpcap
 * compiles differently for files. It maps the file's LINKTYPE_ value to its DLT_ (RAW is
 * 101 in files, 12 or 14 in DLT_ terms), and for the BSD loopback link types it accepts
 * every system's AF_INET6 value (24, 28, 30) where a live handle knows only this host's.
 * The header is native-endian: see null_native(). */
static pcap_t *savefile_handle(uint32_t linktype, uint8_t hdr[24])
{
    uint32_t magic = 0xa1b2c3d4, zero = 0, snap = NS_READER_MAX_CAPLEN;
    uint16_t major = 2, minor = 4;
    memcpy(hdr, &magic, 4);
    memcpy(hdr + 4, &major, 2);
    memcpy(hdr + 6, &minor, 2);
    memcpy(hdr + 8, &zero, 4);                  /* thiszone */
    memcpy(hdr + 12, &zero, 4);                 /* sigfigs */
    memcpy(hdr + 16, &snap, 4);
    memcpy(hdr + 20, &linktype, 4);
    FILE *f = fmemopen(hdr, 24, "rb");          /* hdr outlives the handle: the caller's */
    if (f == NULL)
        return NULL;
    char eb[PCAP_ERRBUF_SIZE];
    pcap_t *p = pcap_fopen_offline(f, eb);     /* reads the header now; pcap_close closes f */
    if (p == NULL)
        fclose(f);
    return p;
}

static enum ns_status compile(struct ns_bpf *b, uint32_t linktype, struct ns_bpf_prog **out,
                              struct ns_err *err)
{
    if (b->n == NS_BPF_MAX_LINKTYPES) {
        return ns_err_set(err, NS_STATUS_CAP, "capture filter: more than %d link types in one file",
                          NS_BPF_MAX_LINKTYPES);
    }
    uint8_t hdr[24];
    pcap_t *dead = savefile_handle(linktype, hdr);
    struct ns_bpf_prog *p = calloc(1, sizeof *p);
    if (dead == NULL || p == NULL) {
        if (dead != NULL)
            pcap_close(dead);
        free(p);
        return ns_err_set(err, NS_STATUS_CAP, "capture filter: cannot compile for link type %u: "
                          "out of memory", linktype);
    }
    /* no interface, so no netmask: only "ip broadcast" needs one, and says so */
    if (pcap_compile(dead, &p->code, b->expr, 1, PCAP_NETMASK_UNKNOWN) != 0) {
        enum ns_status s = ns_err_set(err, NS_STATUS_USAGE, "invalid capture filter \"%s\" for "
                                      "link type %u: %s", b->expr, linktype, pcap_geterr(dead));
        pcap_close(dead);
        free(p);
        return s;
    }
    pcap_close(dead);
    p->linktype = linktype;
    b->prog[b->n++] = p;
    *out = p;
    return NS_STATUS_OK;
}

/* LINKTYPE_NULL's 4-byte family is in the byte order of the host that captured; libpcap's
 * filter reads it in the order the file header declares, which a pcapng section or a
 * foreign file may not share with the record. Families are small numbers, so a value that
 * only fits the other order is swapped, in a copy (as tcpdump's print-null.c decides). */
static const uint8_t *null_native(const struct ns_rec *rec, uint8_t *scratch)
{
    uint32_t fam;
    if (rec->linktype != 0 || rec->caplen < 4)
        return rec->data;
    memcpy(&fam, rec->data, 4);
    if ((fam & 0xFFFF0000u) == 0)
        return rec->data;
    memcpy(scratch, rec->data, rec->caplen);
    fam = __builtin_bswap32(fam);
    memcpy(scratch, &fam, 4);
    return scratch;
}

int ns_bpf_match(struct ns_bpf *b, const struct ns_rec *rec, struct ns_err *err)
{
    if (rec->kind != NS_REC_PACKET)
        return 0;
    struct ns_bpf_prog *p = NULL;
    for (unsigned i = 0; i < b->n && p == NULL; i++)
        if (b->prog[i]->linktype == rec->linktype)
            p = b->prog[i];
    if (p == NULL) {
        enum ns_status s = compile(b, rec->linktype, &p, err);
        if (s != NS_STATUS_OK)
            return s;
    }
    const uint8_t *data = null_native(rec, b->scratch);
    struct pcap_pkthdr h = {
        .ts = { .tv_sec = (time_t)(rec->ts_ns / 1000000000), .tv_usec = 0 },
        .caplen = rec->caplen,
        .len = rec->wirelen,
    };
    return pcap_offline_filter(&p->code, &h, data) != 0;
}

void ns_bpf_fini(struct ns_bpf *b)
{
    for (unsigned i = 0; i < b->n; i++) {
        pcap_freecode(&b->prog[i]->code);
        free(b->prog[i]);
    }
    b->n = 0;
}
