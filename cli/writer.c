/* cli/writer.c: pcap and pcapng writing for -w (contract in writer.h).
 * Formats: pcapng as in draft-ietf-opsawg-pcapng (section 4: block layout; 4.2 IDB and its
 * if_tsresol option; 4.3 EPB; 4.4 SPB), written little-endian whatever the host, so two runs
 * give the same bytes; pcap as libpcap's savefile.c writes it (magic 0xa1b2c3d4 for
 * microseconds, 0xa1b23c4d for nanoseconds, version 2.4). */
#define _POSIX_C_SOURCE 200809L
#include "writer.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define NS_W_SHB            0x0A0D0D0Au
#define NS_W_IDB            0x00000001u
#define NS_W_SPB            0x00000003u
#define NS_W_EPB            0x00000006u
#define NS_W_BOM            0x1A2B3C4Du
#define NS_W_OPT_TSRESOL    9
#define NS_W_SHB_USERAPPL   4
#define NS_W_PCAP_SNAPLEN   262144u     /* for "no limit": libpcap's MAXIMUM_SNAPLEN */
#define NS_W_FLUSH_NS       1000000000  /* flush once a second of packet time */
#define NS_W_APPL           "netscope"

static volatile sig_atomic_t hup_seen;

void ns_writer_on_sighup(int sig)
{
    (void)sig;
    hup_seen = 1;
}

/* ---- options ---- */

static int parse_u64(const char *v, uint64_t max, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long n = strtoull(v, &end, 10);
    if (errno != 0 || *end != '\0' || v[0] == '\0' || v[0] == '-' || n == 0 || n > max)
        return -1;
    *out = n;
    return 0;
}

static int parse_secs(const char *v, int64_t *out)
{
    char *end;
    double d = strtod(v, &end);
    if (*end != '\0' || v[0] == '\0' || !(d > 0) || d > 1e9)
        return -1;
    *out = (int64_t)(d * 1e9);
    return 0;
}

/* "key:value" for -b and -a; the keys each accepts are listed in the message. */
static int parse_cond(struct ns_writer_cfg *c, char opt, const char *val, struct ns_err *err)
{
    const char *colon = strchr(val, ':');
    size_t klen = colon != NULL ? (size_t)(colon - val) : 0;
    const char *v = colon != NULL ? colon + 1 : "";
    bool ring = opt == 'b';
    uint64_t n = 0;
#define KEY(k) (klen == sizeof k - 1 && strncmp(val, k, klen) == 0)
    if (KEY("duration")) {
        if (parse_secs(v, ring ? &c->ring_ns : &c->stop_ns) != 0)
            return ns_err_set(err, NS_STATUS_USAGE, "-%c %s: expected seconds > 0", opt, val), -1;
        return 0;
    }
    if (KEY("filesize")) {
        /* kB = 1000 bytes, as dumpcap since 2.x; 2 TB at most */
        if (parse_u64(v, 2000000000ull, &n) != 0)
            return ns_err_set(err, NS_STATUS_USAGE, "-%c %s: expected kB 1..2000000000", opt, val), -1;
        *(ring ? &c->ring_bytes : &c->stop_bytes) = n * 1000;
        return 0;
    }
    if (KEY("packets")) {
        if (parse_u64(v, UINT64_MAX / 2, &n) != 0)
            return ns_err_set(err, NS_STATUS_USAGE, "-%c %s: expected a positive number", opt, val), -1;
        *(ring ? &c->ring_packets : &c->stop_packets) = n;
        return 0;
    }
    if (KEY("files")) {
        if (parse_u64(v, NS_WRITER_MAX_RING_FILES, &n) != 0)
            return ns_err_set(err, NS_STATUS_USAGE, "-%c %s: expected a number 1..%u", opt, val,
                              NS_WRITER_MAX_RING_FILES), -1;
        *(ring ? &c->ring_files : &c->stop_files) = (uint32_t)n;
        return 0;
    }
#undef KEY
    return ns_err_set(err, NS_STATUS_USAGE, "-%c %s: expected duration:S, filesize:KB, packets:N "
                      "or files:N", opt, val), -1;
}

int ns_writer_option(struct ns_writer_cfg *cfg, char opt, const char *val, struct ns_err *err)
{
    switch (opt) {
    case 'w':
        if (val[0] == '\0')
            return ns_err_set(err, NS_STATUS_USAGE, "-w: empty file name"), -1;
        cfg->path = val;
        return 0;
    case 'F':
        if (strcmp(val, "pcapng") == 0)
            cfg->format = NS_WRITER_PCAPNG;
        else if (strcmp(val, "pcap") == 0)
            cfg->format = NS_WRITER_PCAP;
        else
            return ns_err_set(err, NS_STATUS_USAGE, "-F %s: expected pcapng or pcap", val), -1;
        return 0;
    case 'a':
    case 'b':
        return parse_cond(cfg, opt, val, err);
    }
    return ns_err_set(err, NS_STATUS_USAGE, "unknown option '-%c'", opt), -1;
}

static bool ring_wanted(const struct ns_writer_cfg *c)
{
    return c->ring_bytes != 0 || c->ring_ns != 0 || c->ring_packets != 0;
}

int ns_writer_check(const struct ns_writer_cfg *c, struct ns_err *err)
{
    bool ring = ring_wanted(c) || c->ring_files != 0;
    if (c->path == NULL && (ring || c->stop_bytes != 0 || c->stop_files != 0))
        return ns_err_set(err, NS_STATUS_USAGE, "-b and -a filesize/files need a file to write (-w FILE)"), -1;
    if (ring && strcmp(c->path, "-") == 0)
        return ns_err_set(err, NS_STATUS_USAGE, "a ring buffer (-b) cannot write to the standard output"), -1;
    if (c->ring_files != 0 && !ring_wanted(c))
        return ns_err_set(err, NS_STATUS_USAGE, "-b files:N needs -b filesize, duration or packets "
                          "to know when to switch files"), -1;
    return 0;
}

/* ---- bytes ---- */

static void le16(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void le32(uint8_t *p, uint32_t v)
{
    le16(p, v);
    le16(p + 2, v >> 16);
}

static void fail_errno(struct ns_writer *w, int e)
{
    if (!w->failed)
        ns_err_set(&w->err, NS_STATUS_FORMAT, "%s: write failed: %s",
                   strcmp(w->cfg.path, "-") == 0 ? "standard output" : w->cfg.path,
                   strerror(e != 0 ? e : EIO));
    w->failed = true;
}

static void put(struct ns_writer *w, const void *p, size_t n)
{
    if (w->failed || n == 0)
        return;
    if (fwrite(p, 1, n, w->f) != n) {
        fail_errno(w, errno);
        return;
    }
    w->file_bytes += n;
    w->bytes += n;
}

static void pad4(struct ns_writer *w, size_t n)
{
    static const uint8_t zero[4];
    put(w, zero, (4 - n % 4) % 4);
}

/* ---- files ---- */

/* The local time of a file's first packet (or now), as dumpcap puts it in ring file names. */
static void name_of(const struct ns_writer *w, uint64_t number, int64_t ts_s, char *out, size_t cap)
{
    time_t t = (time_t)ts_s;
    struct tm tm;
    char stamp[32] = "00000000000000";
    if (localtime_r(&t, &tm) != NULL)
        strftime(stamp, sizeof stamp, "%Y%m%d%H%M%S", &tm);
    snprintf(out, cap, "%s_%05llu_%s%s", w->stem, (unsigned long long)number, stamp, w->ext);
}

static int file_open(struct ns_writer *w)
{
    w->file_no++;
    w->file_bytes = w->file_packets = 0;
    w->file_has_ts = false;
    w->file_pcap_hdr = false;
    w->section = -2;
    w->section_nif = 0;
    snprintf(w->tmp, sizeof w->tmp, "%s.XXXXXX", w->cfg.path);
    int fd = mkstemp(w->tmp);
    if (fd < 0 || (w->f = fdopen(fd, "wb")) == NULL) {
        int e = errno;
        if (fd >= 0) {
            close(fd);
            unlink(w->tmp);
        }
        ns_err_set(&w->err, NS_STATUS_FORMAT, "%s: %s", w->cfg.path, strerror(e));
        w->failed = true;
        return -1;
    }
    /* mkstemp makes the file 0600; give it the mode a plain fopen would have */
    mode_t mask = umask(0);
    umask(mask);
    (void)fchmod(fd, 0666 & ~mask);
    setvbuf(w->f, NULL, _IOFBF, 1 << 16);
    return 0;
}

static void write_headers_if_none(struct ns_writer *w);

/* Finishes the current file: flushed, synced and renamed to its final name (keep), or
 * removed. A finished ring file beyond -b files:N removes the oldest. */
static void file_close(struct ns_writer *w, bool keep)
{
    if (w->f == NULL)
        return;
    if (keep)
        write_headers_if_none(w);
    if (fflush(w->f) != 0 || (!w->in_place && fsync(fileno(w->f)) != 0))
        fail_errno(w, errno);
    if (w->in_place) {
        if (fclose(w->f) != 0)
            fail_errno(w, errno);
        w->f = NULL;
        return;
    }
    if (fclose(w->f) != 0)
        fail_errno(w, errno);
    w->f = NULL;
    if (!keep || w->failed) {
        unlink(w->tmp);
        return;
    }
    char name[4300];
    int64_t ts_s = w->file_has_ts ? w->file_first_ns / 1000000000 : (int64_t)time(NULL);
    if (w->file_has_ts && w->file_first_ns < 0 && w->file_first_ns % 1000000000 != 0)
        ts_s--;
    if (!w->rotates || (w->file_no == 1 && !ring_wanted(&w->cfg)))
        snprintf(name, sizeof name, "%s", w->cfg.path);
    else
        name_of(w, w->file_no, ts_s, name, sizeof name);
    if (rename(w->tmp, name) != 0) {
        int e = errno;
        unlink(w->tmp);
        ns_err_set(&w->err, NS_STATUS_FORMAT, "%s: %s", name, strerror(e));
        w->failed = true;
        return;
    }
    w->files_done++;
    if (w->ring == NULL)
        return;
    if (w->nring == w->cfg.ring_files) {
        char old[4300];
        name_of(w, w->ring[0].number, w->ring[0].ts_s, old, sizeof old);
        (void)unlink(old);
        memmove(w->ring, w->ring + 1, (w->nring - 1) * sizeof w->ring[0]);
        w->nring--;
    }
    w->ring[w->nring++] = (struct ns_writer_ring){ w->file_no, ts_s };
}

int ns_writer_open(struct ns_writer *w, const struct ns_writer_cfg *cfg, struct ns_err *err)
{
    memset(w, 0, sizeof *w);
    w->cfg = *cfg;
    w->stdout_fd = -1;
    w->section = -2;
    if (cfg->path == NULL)
        return 0;
    if (strcmp(cfg->path, "-") == 0) {
        /* the capture takes the real stdout; netscope's text (-P, -z) goes to stderr */
        fflush(stdout);
        w->stdout_fd = dup(STDOUT_FILENO);
        if (w->stdout_fd < 0 || dup2(STDERR_FILENO, STDOUT_FILENO) < 0 ||
            (w->f = fdopen(w->stdout_fd, "wb")) == NULL)
            return ns_err_set(err, NS_STATUS_FORMAT, "standard output: %s", strerror(errno)), -1;
        w->in_place = true;
        w->file_no = 1;
        return 0;
    }
    struct stat st;
    if (stat(cfg->path, &st) == 0 && S_ISDIR(st.st_mode))
        return ns_err_set(err, NS_STATUS_FORMAT, "%s: is a directory", cfg->path), -1;
    if (stat(cfg->path, &st) == 0 && !S_ISREG(st.st_mode)) {
        /* a device or a FIFO cannot be renamed onto: written in place, never rotated */
        if (ring_wanted(cfg))
            return ns_err_set(err, NS_STATUS_USAGE, "%s: a ring buffer needs a regular file", cfg->path), -1;
        w->f = fopen(cfg->path, "wb");
        if (w->f == NULL)
            return ns_err_set(err, NS_STATUS_FORMAT, "%s: %s", cfg->path, strerror(errno)), -1;
        w->in_place = true;
        w->file_no = 1;
        return 0;
    }
    if (strlen(cfg->path) >= sizeof w->stem)
        return ns_err_set(err, NS_STATUS_USAGE, "%s: path too long", cfg->path), -1;
    /* out.pcapng -> out + .pcapng: numbered names go between them, as dumpcap's */
    const char *base = strrchr(cfg->path, '/');
    base = base != NULL ? base + 1 : cfg->path;
    const char *dot = strrchr(base, '.');
    if (dot == NULL || dot == base || strlen(dot) >= sizeof w->ext)
        dot = cfg->path + strlen(cfg->path);
    memcpy(w->stem, cfg->path, (size_t)(dot - cfg->path));
    w->stem[dot - cfg->path] = '\0';
    snprintf(w->ext, sizeof w->ext, "%s", dot);
    w->rotates = ring_wanted(cfg);
    if (cfg->ring_files != 0) {
        w->ring = calloc(cfg->ring_files, sizeof w->ring[0]);
        if (w->ring == NULL)
            return ns_err_set(err, NS_STATUS_CAP, "out of memory for -b files:%u", cfg->ring_files), -1;
    }
    if (file_open(w) != 0) {
        *err = w->err;
        free(w->ring);
        w->ring = NULL;
        return -1;
    }
    return 0;
}

/* ---- blocks ---- */

static void write_shb(struct ns_writer *w)
{
    /* SHB: BOM, version 1.0, section length unknown, shb_userappl, end of options */
    static const char appl[] = NS_W_APPL;
    uint32_t alen = sizeof appl - 1, total = 28 + 4 + ((alen + 3) & ~3u) + 4;
    uint8_t b[28], o[4];
    le32(b, NS_W_SHB);
    le32(b + 4, total);
    le32(b + 8, NS_W_BOM);
    le16(b + 12, 1);
    le16(b + 14, 0);
    memset(b + 16, 0xFF, 8);
    put(w, b, 24);
    le16(o, NS_W_SHB_USERAPPL);
    le16(o + 2, alen);
    put(w, o, 4);
    put(w, appl, alen);
    pad4(w, alen);
    memset(o, 0, 4);
    put(w, o, 4);
    le32(b, total);
    put(w, b, 4);
}

/* g: the interface counted over all of r's sections */
static bool if_usec(const struct ns_reader *r, uint32_t g)
{
    if (r->format != NS_FORMAT_PCAPNG)
        return !r->nsec;
    const struct ns_reader_if *i = &r->ifs[g];
    return !i->tsres_pow2 && i->tsres == 6;
}

/* The input IDB's string options worth keeping, as they are in the input (code and length
 * put in our byte order): if_name 2, if_description 3, if_os 12, if_hardware 15. */
static size_t idb_strings(const struct ns_reader *r, uint32_t g, uint8_t *out, size_t cap)
{
    struct ns_reader_opts it;
    struct ns_reader_opt o;
    size_t n = 0;
    ns_reader_if_opts(r, g, &it);
    while (ns_reader_opt_next(&it, &o))
        if ((o.code == 2 || o.code == 3 || o.code == 12 || o.code == 15) && n + 4 + o.padded <= cap) {
            le16(out + n, o.code);
            le16(out + n + 2, o.len);
            memcpy(out + n + 4, o.val, o.padded);
            n += 4 + (size_t)o.padded;
        }
    return n;
}

static void write_idb(struct ns_writer *w, const struct ns_reader *r, uint32_t g)
{
    uint32_t linktype, snaplen;
    if (r->format == NS_FORMAT_PCAPNG) {
        linktype = r->ifs[g].linktype;
        snaplen = r->ifs[g].snaplen;
    } else {
        linktype = r->linktype;
        snaplen = r->snaplen;
    }
    uint8_t strings[1024];
    size_t slen = idb_strings(r, g, strings, sizeof strings);
    bool usec = if_usec(r, g);
    uint32_t total = 20 + (uint32_t)slen + (usec ? 0 : 8) + (slen > 0 || !usec ? 4 : 0);
    uint8_t b[16];
    le32(b, NS_W_IDB);
    le32(b + 4, total);
    le16(b + 8, linktype);
    le16(b + 10, 0);
    le32(b + 12, snaplen);
    put(w, b, 16);
    put(w, strings, slen);
    if (!usec) {
        uint8_t o[8] = { 0 };
        le16(o, NS_W_OPT_TSRESOL);
        le16(o + 2, 1);
        o[4] = 9;                           /* 10^-9: nanoseconds */
        put(w, o, 8);
    }
    if (slen > 0 || !usec) {
        memset(b, 0, 4);
        put(w, b, 4);
    }
    le32(b, total);
    put(w, b, 4);
}

static void write_pcap_hdr(struct ns_writer *w, const struct ns_reader *r, uint32_t linktype,
                           uint32_t snaplen)
{
    /* microseconds only when the input was a microsecond pcap: otherwise nothing is lost */
    bool usec = r != NULL && r->format == NS_FORMAT_PCAP && !r->nsec;
    uint8_t b[24];
    le32(b, usec ? 0xA1B2C3D4u : 0xA1B23C4Du);
    le16(b + 4, 2);
    le16(b + 6, 4);
    memset(b + 8, 0, 8);                    /* thiszone, sigfigs */
    le32(b + 16, snaplen != 0 ? snaplen : NS_W_PCAP_SNAPLEN);
    le32(b + 20, linktype);
    put(w, b, 24);
    w->file_pcap_hdr = true;
    w->file_linktype = linktype;
    w->pcap_usec = usec;
}

/* A file closed before any packet still is a valid, empty capture. */
static void write_headers_if_none(struct ns_writer *w)
{
    if (w->cfg.format == NS_WRITER_PCAP && !w->file_pcap_hdr)
        write_pcap_hdr(w, NULL, 1, 0);      /* no packet told the link type: Ethernet */
    else if (w->cfg.format == NS_WRITER_PCAPNG && w->section == -2)
        write_shb(w);
}

/* The interface that output id ifid stands for: the map of merged inputs, else interface
 * ifid of the reader's current section. */
static const struct ns_reader *iface(const struct ns_writer *w, const struct ns_reader *r,
                                     uint32_t ifid, uint32_t *g)
{
    if (w->iface_of != NULL) {
        const struct ns_writer_iface *e = w->iface_of(w->iface_arg, ifid);
        if (e == NULL)
            return NULL;
        *g = e->g;
        return e->r;
    }
    *g = r->format == NS_FORMAT_PCAPNG ? r->section_first_if + ifid : 0;
    return r;
}

static void write_pcapng(struct ns_writer *w, const struct ns_reader *r, const struct ns_rec *rec)
{
    /* merged inputs: one section holds every input's interfaces */
    int64_t section = w->iface_of != NULL ? 0
                    : r->format == NS_FORMAT_PCAPNG ? (int64_t)r->section_first_if : -1;
    if (w->section != section) {
        write_shb(w);
        w->section = section;
        w->section_nif = 0;
    }
    uint32_t ifid = rec->interface_id < 0 ? 0 : (uint32_t)rec->interface_id, g = 0;
    while (w->section_nif <= ifid) {
        const struct ns_reader *ir = iface(w, r, w->section_nif, &g);
        if (ir == NULL) {
            ns_err_set(&w->err, NS_STATUS_FORMAT, "%s: frame %llu: no interface %u to describe",
                       w->cfg.path, (unsigned long long)rec->number, w->section_nif);
            w->failed = true;
            return;
        }
        write_idb(w, ir, g);
        w->section_nif++;
    }
    const struct ns_reader *rr = iface(w, r, ifid, &g);
    uint8_t b[28];
    if (!rec->has_ts) {
        /* an SPB stays an SPB: no time stamp to invent; interface 0 is written above */
        le32(b, NS_W_SPB);
        le32(b + 4, 16 + ((rec->caplen + 3) & ~3u));
        le32(b + 8, rec->wirelen);
        put(w, b, 12);
        put(w, rec->data, rec->caplen);
        pad4(w, rec->caplen);
        le32(b, 16 + ((rec->caplen + 3) & ~3u));
        put(w, b, 4);
        return;
    }
    uint64_t units = rec->ts_ns < 0 ? 0 : (uint64_t)rec->ts_ns;
    if (if_usec(rr, g))
        units /= 1000;
    uint32_t total = 32 + ((rec->caplen + 3) & ~3u);
    le32(b, NS_W_EPB);
    le32(b + 4, total);
    le32(b + 8, ifid);
    le32(b + 12, (uint32_t)(units >> 32));
    le32(b + 16, (uint32_t)units);
    le32(b + 20, rec->caplen);
    le32(b + 24, rec->wirelen);
    put(w, b, 28);
    put(w, rec->data, rec->caplen);
    pad4(w, rec->caplen);
    le32(b, total);
    put(w, b, 4);
}

static void write_pcap(struct ns_writer *w, const struct ns_reader *r, const struct ns_rec *rec)
{
    if (!w->file_pcap_hdr) {
        uint32_t g = 0;
        const struct ns_reader *ir = iface(w, r, (uint32_t)(rec->interface_id < 0 ? 0 : rec->interface_id), &g);
        if (ir == NULL)
            ir = r;
        uint32_t snaplen = ir->format == NS_FORMAT_PCAPNG ? ir->ifs[g].snaplen : ir->snaplen;
        /* merged inputs: microseconds only when every input interface is a microsecond pcap */
        bool usec = ir->format == NS_FORMAT_PCAP && !ir->nsec;
        for (uint32_t k = 0; usec && w->iface_of != NULL; k++) {
            const struct ns_writer_iface *e = w->iface_of(w->iface_arg, k);
            if (e == NULL)
                break;
            usec = e->r->format == NS_FORMAT_PCAP && !e->r->nsec;
        }
        write_pcap_hdr(w, usec ? ir : NULL, rec->linktype, snaplen);
    } else if (rec->linktype != w->file_linktype) {
        ns_err_set(&w->err, NS_STATUS_FORMAT, "%s: frame %llu has link type %u, but this pcap file "
                   "holds link type %u: a pcap file has one link type (write pcapng: no -F pcap)",
                   w->cfg.path, (unsigned long long)rec->number, rec->linktype, w->file_linktype);
        w->failed = true;
        return;
    }
    int64_t ts = rec->has_ts && rec->ts_ns > 0 ? rec->ts_ns : 0;
    uint8_t b[16];
    le32(b, (uint32_t)(ts / 1000000000));
    le32(b + 4, (uint32_t)(w->pcap_usec ? ts % 1000000000 / 1000 : ts % 1000000000));
    le32(b + 8, rec->caplen);
    le32(b + 12, rec->wirelen);
    put(w, b, 16);
    put(w, rec->data, rec->caplen);
}

/* ---- frames ---- */

static bool ring_full(const struct ns_writer *w)
{
    return (w->cfg.ring_bytes != 0 && w->file_bytes >= w->cfg.ring_bytes) ||
           (w->cfg.ring_packets != 0 && w->file_packets >= w->cfg.ring_packets);
}

enum ns_writer_step ns_writer_frame(struct ns_writer *w, const struct ns_reader *r,
                                    const struct ns_frame *f)
{
    const struct ns_rec *rec = f->rec;
    if (w->failed)
        return NS_WRITER_ERROR;
    if (w->cfg.stop_ns != 0 && f->rel_ns >= w->cfg.stop_ns)
        return NS_WRITER_STOP;
    if (rec->kind != NS_REC_PACKET) {
        w->skipped++;
        return NS_WRITER_OK;
    }
    if (w->cfg.path != NULL) {
        if (hup_seen) {
            hup_seen = 0;
            if (!w->in_place && w->f != NULL && w->file_packets > 0) {
                w->rotates = true;
                file_close(w, true);
            }
        }
        if (w->f != NULL && w->cfg.ring_ns != 0 && w->file_has_ts && rec->has_ts &&
            rec->ts_ns - w->file_first_ns >= w->cfg.ring_ns)
            file_close(w, true);
        if (w->failed)
            return NS_WRITER_ERROR;
        if (w->f == NULL) {
            if (w->cfg.stop_files != 0 && w->files_done >= w->cfg.stop_files)
                return NS_WRITER_STOP;
            if (file_open(w) != 0)
                return NS_WRITER_ERROR;
        }
        if (!w->file_has_ts && rec->has_ts) {
            w->file_has_ts = true;
            w->file_first_ns = rec->ts_ns;
        }
        if (w->cfg.format == NS_WRITER_PCAP)
            write_pcap(w, r, rec);
        else
            write_pcapng(w, r, rec);
        w->file_packets++;
        /* a second either way: a capture out of time order flushes no more often */
        if (rec->has_ts && (w->packets == 0 || rec->ts_ns - w->last_flush_ns >= NS_W_FLUSH_NS ||
                            w->last_flush_ns - rec->ts_ns >= NS_W_FLUSH_NS)) {
            if (fflush(w->f) != 0)
                fail_errno(w, errno);
            w->last_flush_ns = rec->ts_ns;
        }
        if (w->failed)
            return NS_WRITER_ERROR;
        if (!w->in_place && ring_full(w)) {
            file_close(w, true);
            if (w->failed)
                return NS_WRITER_ERROR;
            if (w->cfg.stop_files != 0 && w->files_done >= w->cfg.stop_files) {
                w->packets++;
                return NS_WRITER_LAST;
            }
        }
    }
    w->packets++;
    if ((w->cfg.stop_packets != 0 && w->packets >= w->cfg.stop_packets) ||
        (w->cfg.stop_bytes != 0 && w->bytes >= w->cfg.stop_bytes))
        return NS_WRITER_LAST;
    return NS_WRITER_OK;
}

void ns_writer_use_ifaces(struct ns_writer *w, ns_writer_iface_fn iface_of, void *arg)
{
    w->iface_of = iface_of;
    w->iface_arg = arg;
}

int ns_writer_close(struct ns_writer *w, bool ok, struct ns_err *err, char *note, size_t note_cap)
{
    if (note_cap > 0)
        note[0] = '\0';
    if (w->cfg.path != NULL)
        file_close(w, ok);
    free(w->ring);
    w->ring = NULL;
    if (w->skipped > 0 && w->cfg.path != NULL && note_cap > 0)
        snprintf(note, note_cap, "%s: %llu pcapng custom block%s not written (only packets are)",
                 strcmp(w->cfg.path, "-") == 0 ? "standard output" : w->cfg.path,
                 (unsigned long long)w->skipped, w->skipped == 1 ? " was" : "s were");
    if (w->failed) {
        *err = w->err;
        return -1;
    }
    return 0;
}
