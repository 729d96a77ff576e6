#define _POSIX_C_SOURCE 200809L
#include "flows_out.h"
#include "rotate.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../core/fields.h"
#include "../core/track.h"
#include "output.h"

int ns_flows_format_of(const char *path, const char *fmt, enum ns_flows_format *out, struct ns_err *err)
{
    const char *ext = fmt;
    if (ext == NULL) {
        ext = strrchr(path, '.');
        ext = ext != NULL ? ext + 1 : "";
    }
    if (strcmp(ext, "csv") == 0) *out = NS_FLOWS_CSV;
    else if (strcmp(ext, "json") == 0) *out = NS_FLOWS_JSON;
    else if (strcmp(ext, "jsonl") == 0 || strcmp(ext, "ndjson") == 0) *out = NS_FLOWS_JSONL;
    else {
        ns_err_set(err, NS_STATUS_USAGE, "%s: cannot tell the flow format (use .csv, .json, .jsonl "
                   "or --flows-format csv|json|jsonl)", fmt != NULL ? fmt : path);
        return -1;
    }
    return 0;
}

static const char *const base_columns[] = {
    "ts", "flow_id", "community_id", "id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p",
    "proto", "stream", "duration", "orig_pkts", "resp_pkts", "orig_frame_bytes",
    "resp_frame_bytes", "conn_state", "history", "tcp_flags", "end_reason", "dns_names", "sni",
};
#define NBASE (sizeof base_columns / sizeof base_columns[0])

/* TCP analysis columns (empty for other protocols and in scale mode) */
static const char *const tcp_columns[] = {
    "rtt_samples", "rtt_min", "rtt_mean", "rtt_max", "srtt", "irtt", "rtt_syn_synack",
    "rtt_synack_ack", "orig_retrans_bytes", "resp_retrans_bytes", "orig_zero_window_time",
    "resp_zero_window_time",
};
#define NTCP (sizeof tcp_columns / sizeof tcp_columns[0])
#define NCOL (NBASE + NTCP + 2 * NS_TCPA_NFLAGS)

/* Column i's name: base, TCP, then orig_<flag> and resp_<flag> for every analysis flag. */
static const char *column(size_t i, char *buf, size_t cap)
{
    if (i < NBASE)
        return base_columns[i];
    if (i < NBASE + NTCP)
        return tcp_columns[i - NBASE];
    i -= NBASE + NTCP;
    snprintf(buf, cap, "%s_%s", i % 2 ? "resp" : "orig", ns_tcpa_flag_name((unsigned)(i / 2)));
    return buf;
}

int ns_flows_open(struct ns_flows_out *o, const char *path, enum ns_flows_format fmt, struct ns_err *err)
{
    memset(o, 0, sizeof *o);
    o->fmt = fmt;
    if (strlen(path) >= sizeof o->path) {
        ns_err_set(err, NS_STATUS_USAGE, "%s: path too long", path);
        return -1;
    }
    strcpy(o->path, path);
    snprintf(o->tmp, sizeof o->tmp, "%s.XXXXXX", path);
    int fd = mkstemp(o->tmp);
    if (fd < 0 || (o->f = fdopen(fd, "w")) == NULL) {
        ns_err_set(err, NS_STATUS_FORMAT, "%s: %s", path, strerror(errno));
        if (fd >= 0) {
            close(fd);
            unlink(o->tmp);
        }
        return -1;
    }
    /* mkstemp makes the file 0600; give it the mode a plain fopen would have */
    mode_t mask = umask(0);
    umask(mask);
    (void)fchmod(fd, 0666 & ~mask);
    if (fmt == NS_FLOWS_CSV) {
        char name[48];
        for (size_t i = 0; i < NCOL; i++)
            fprintf(o->f, "%s%s", i ? "," : "", column(i, name, sizeof name));
        fputs("\r\n", o->f);      /* RFC 4180 records end in CRLF */
    } else if (fmt == NS_FLOWS_JSON) {
        fputs("[\n", o->f);
    }
    return 0;
}

int ns_flows_open_stream(struct ns_flows_out *o, const char *path, struct ns_err *err)
{
    memset(o, 0, sizeof *o);
    o->fmt = NS_FLOWS_JSONL;
    o->streaming = true;
    snprintf(o->path, sizeof o->path, "%s", path);
    o->f = fopen(path, "w");
    if (o->f == NULL) {
        ns_err_set(err, NS_STATUS_FORMAT, "%s: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

int ns_flows_rotate(struct ns_flows_out *o, struct ns_err *err)
{
    if (!o->streaming || o->f == NULL)
        return 0;
    if (ns_rotate_file(&o->f, o->path, err) != 0) {
        o->failed = true;
        return -1;
    }
    return 0;
}

static const char *proto_name(uint8_t p, char *buf, size_t cap)
{
    switch (p) {
    case 6: return "tcp";
    case 17: return "udp";
    case 1: return "icmp";
    case 58: return "icmpv6";
    default: snprintf(buf, cap, "%u", p); return buf;
    }
}

static const char *end_name(enum ns_flow_end why)
{
    switch (why) {
    case NS_FLOW_END_EVICTED: return "evicted";
    case NS_FLOW_END_IDLE: return "idle";
    case NS_FLOW_END_REUSED: return "reused";
    case NS_FLOW_END_FINAL: return "end";
    case NS_FLOW_END_ACTIVE: return "active";
    }
    return "?";
}

static void secs(int64_t ns, char *buf, size_t cap)
{
    struct ns_val v = { .v.i = ns };
    ns_field_format(NS_FIELD_FRAME_TIME_REL, &v, buf, cap);
}

/* The TCP columns' values into val[NBASE...], as text. */
static void tcp_values(const struct ns_tcpa_conn *c, char (*buf)[24], const char **val)
{
    struct ns_tcpa_metrics mm;
    ns_tcpa_conn_metrics(c, &mm);
    const struct ns_tcpa_metrics *m = &mm;
    size_t k = 0;
    snprintf(buf[k], 24, "%u", m->rtt_samples);
    val[k] = buf[k];
    k++;
    if (m->rtt_samples > 0) {
        secs(m->rtt_min_ns, buf[k], 24);
        secs(m->rtt_sum_ns / m->rtt_samples, buf[k + 1], 24);
        secs(m->rtt_max_ns, buf[k + 2], 24);
        secs(m->srtt_ns, buf[k + 3], 24);
    }
    for (size_t j = 0; j < 4; j++, k++)
        val[k] = m->rtt_samples > 0 ? buf[k] : "";
    val[k] = "";
    if (m->first_rtt_ns != 0) {
        secs(m->first_rtt_ns, buf[k], 24);
        val[k] = buf[k];
    }
    k++;
    val[k] = val[k + 1] = "";
    if (m->synack_ns >= 0) {
        secs(m->synack_ns - m->syn_ns, buf[k], 24);
        val[k] = buf[k];
    }
    if (m->ack_ns >= 0) {
        secs(m->ack_ns - m->synack_ns, buf[k + 1], 24);
        val[k + 1] = buf[k + 1];
    }
    k += 2;
    for (int d = 0; d < 2; d++, k++) {
        snprintf(buf[k], 24, "%llu", (unsigned long long)m->retrans_bytes[d]);
        val[k] = buf[k];
    }
    for (int d = 0; d < 2; d++, k++) {
        secs(m->zero_window_ns[d], buf[k], 24);
        val[k] = buf[k];
    }
    for (unsigned fl = 0; fl < NS_TCPA_NFLAGS; fl++)
        for (int d = 0; d < 2; d++, k++) {
            snprintf(buf[k], 24, "%u", m->count[d][fl]);
            val[k] = buf[k];
        }
}

/* RFC 4180: a field holding a comma, quote or line break is quoted, quotes doubled. */
static void csv_value(FILE *out, const char *v)
{
    if (strpbrk(v, ",\"\r\n") == NULL) {
        fputs(v, out);
        return;
    }
    putc('"', out);
    for (; *v; v++) {
        if (*v == '"')
            putc('"', out);
        putc(*v, out);
    }
    putc('"', out);
}

void ns_flows_write(struct ns_flows_out *o, const struct ns_flow *f, const struct ns_tcpa_conn *tcp,
                    const struct ns_zeek *zeek, const char *dns, const char *sni,
                    enum ns_flow_end why)
{
    if (o->f == NULL || f->key.proto == 0 || f->frames[0] + f->frames[1] == 0)
        return;
    int a = f->a_is_1 ? 1 : 0, b = 1 - a;
    char ah[64], bh[64], ts[40], dur[40], pb[8], stream[16] = "", cid[32];
    ns_track_community_id(f, cid);
    struct ns_val v = { .v.addr = f->key.addr[a] };
    enum ns_field_id af = f->key.af == 4 ? NS_FIELD_IP_SRC : NS_FIELD_IPV6_SRC;
    ns_field_format(af, &v, ah, sizeof ah);
    v.v.addr = f->key.addr[b];
    ns_field_format(af, &v, bh, sizeof bh);
    secs(f->first_ns, ts, sizeof ts);
    secs(f->last_ns - f->first_ns, dur, sizeof dur);
    if (f->key.proto == 6 || f->key.proto == 17)
        snprintf(stream, sizeof stream, "%u", f->stream);
    char num[6][24];
    snprintf(num[0], sizeof num[0], "%llu", (unsigned long long)f->id);
    snprintf(num[1], sizeof num[1], "%llu", (unsigned long long)f->frames[0]);
    snprintf(num[2], sizeof num[2], "%llu", (unsigned long long)f->frames[1]);
    snprintf(num[3], sizeof num[3], "%llu", (unsigned long long)f->bytes[0]);
    snprintf(num[4], sizeof num[4], "%llu", (unsigned long long)f->bytes[1]);
    snprintf(num[5], sizeof num[5], "%u", f->tcp_flags);
    char op[8], rp[8];
    snprintf(op, sizeof op, "%u", f->key.port[a]);
    snprintf(rp, sizeof rp, "%u", f->key.port[b]);
    char hist[32] = "";
    if (zeek != NULL)
        ns_zeek_history(zeek, hist, sizeof hist);
    /* values in column order; in JSON only the strings below are quoted */
    const char *val[NCOL] = { ts, num[0], cid, ah, op, bh, rp, proto_name(f->key.proto, pb, sizeof pb),
                              stream, dur, num[1], num[2], num[3], num[4],
                              zeek != NULL ? ns_zeek_conn_state(zeek) : "", hist, num[5], end_name(why),
                              dns != NULL ? dns : "", sni != NULL ? sni : "" };
    char tbuf[NCOL - NBASE][24];
    for (size_t i = NBASE; i < NCOL; i++)
        val[i] = "";
    if (tcp != NULL)
        tcp_values(tcp, tbuf, val + NBASE);
    const bool quoted[NBASE] = { false, false, true, true, false, true, false, true,
                                 false, false, false, false, false, false, true, true, false, true,
                                 true, true };
    char name[48];
    if (o->fmt == NS_FLOWS_CSV) {
        for (size_t i = 0; i < NCOL; i++) {
            if (i)
                putc(',', o->f);
            csv_value(o->f, val[i]);
        }
        fputs("\r\n", o->f);
    } else {
        if (o->fmt == NS_FLOWS_JSON && o->n > 0)
            fputs(",\n", o->f);
        putc('{', o->f);
        bool first = true;
        for (size_t i = 0; i < NCOL; i++) {
            if (val[i][0] == '\0')
                continue;       /* absent, not empty: e.g. no stream for ICMP */
            fprintf(o->f, "%s\"%s\":", first ? "" : ",", column(i, name, sizeof name));
            if (i < NBASE && quoted[i])
                ns_json_string(o->f, val[i]);
            else
                fputs(val[i], o->f);
            first = false;
        }
        putc('}', o->f);
        if (o->fmt == NS_FLOWS_JSONL)
            putc('\n', o->f);
    }
    o->n++;
    if (o->streaming)
        (void)fflush(o->f);     /* one whole line at a time reaches the file */
    if (ferror(o->f))
        o->failed = true;
}

int ns_flows_close(struct ns_flows_out *o, bool ok, struct ns_err *err)
{
    if (o->f == NULL)
        return 0;
    if (o->fmt == NS_FLOWS_JSON)
        fputs(o->n ? "\n]\n" : "]\n", o->f);
    bool bad = o->failed || ferror(o->f);
    int e = errno;
    if (fflush(o->f) != 0 || fsync(fileno(o->f)) != 0) {
        bad = true;
        e = errno;
    }
    if (fclose(o->f) != 0 && !bad) {
        bad = true;
        e = errno;
    }
    o->f = NULL;
    if (o->streaming) {
        if (bad) {
            ns_err_set(err, NS_STATUS_FORMAT, "%s: write failed: %s", o->path, strerror(e));
            return -1;
        }
        return 0;
    }
    if (!ok || bad) {
        unlink(o->tmp);
        if (bad) {
            ns_err_set(err, NS_STATUS_FORMAT, "%s: write failed: %s", o->path, strerror(e));
            return -1;
        }
        return 0;
    }
    if (rename(o->tmp, o->path) != 0) {
        e = errno;
        unlink(o->tmp);
        ns_err_set(err, NS_STATUS_FORMAT, "%s: %s", o->path, strerror(e));
        return -1;
    }
    return 0;
}
