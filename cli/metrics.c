#define _POSIX_C_SOURCE 200809L
#include "metrics.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "../core/anomaly.h"

#define BODY_CAP (256 * 1024)
#define IO_TIMEOUT_MS 2000      /* a client slower than this is dropped */

uint64_t ns_metrics_alerts(const struct ns_metrics_snap *s)
{
    return s->alerts[1] + s->alerts[2] + s->alerts[3];
}

uint64_t ns_metrics_drops(const struct ns_metrics_snap *s)
{
    uint64_t d = 0;
    for (unsigned k = 0; k < s->nifs; k++)
        d += s->ifs[k].drop + s->ifs[k].ifdrop;
    return d;
}

void ns_metrics_fill(struct ns_metrics_snap *s, const struct ns_engine *e, const struct ns_live_stats *live)
{
    const struct ns_flow_stats *fl = &e->track.flows.stats;
    s->frames = e->stats.frames;
    s->packets = e->stats.packets;
    s->bytes = e->stats.bytes;
    s->malformed = e->stats.malformed_frames;
    s->flows_created = fl->created;
    s->flows_active = fl->active;
    s->flows_peak = fl->peak;
    s->flows_evicted = fl->evicted;
    s->flows_idle = fl->timed_out;
    s->flows_active_to = fl->active_ended;
    for (unsigned k = 0; k < 4; k++)
        s->alerts[k] = e->detect ? e->anomaly.stats.alerts[k] : 0;
    s->tcp_segments = e->tcp_analysis ? e->tcpa.stats.segments : 0;
    const struct ns_reasm_stats *r = &e->reasm.stats;
    s->frags = r->fragments;
    s->reasm_dropped = r->dropped_timeout + r->dropped_full + r->dropped_bytes + r->dropped_too_big;
    s->nifs = 0;
    if (live != NULL) {
        s->live = true;
        s->nifs = live->n;
        memcpy(s->ifs, live->ifs, sizeof s->ifs[0] * live->n);
    }
}

/* --- the exposition text ---------------------------------------------------------------- */

struct buf {
    char *p;
    size_t len, cap;
};

static void put(struct buf *b, const char *fmt, ...)
{
    if (b->len + 1 >= b->cap)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
    va_end(ap);
    if (n > 0)
        b->len = b->len + (size_t)n < b->cap ? b->len + (size_t)n : b->cap - 1;
}

static void head(struct buf *b, const char *name, const char *type, const char *help)
{
    put(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void metric(struct buf *b, const char *name, const char *type, const char *help, uint64_t v)
{
    head(b, name, type, help);
    put(b, "%s %llu\n", name, (unsigned long long)v);
}

/* A label value: backslash, double quote and newline escaped, as the format requires. */
static void label(struct buf *b, const char *v)
{
    for (; *v != '\0'; v++) {
        if (*v == '\\' || *v == '"')
            put(b, "\\%c", *v);
        else if (*v == '\n')
            put(b, "\\n");
        else
            put(b, "%c", *v);
    }
}

static void per_if(struct buf *b, const struct ns_metrics_snap *s, const char *name, const char *help,
                   size_t off, bool need_pcap)
{
    head(b, name, "counter", help);
    for (unsigned k = 0; k < s->nifs; k++) {
        const struct ns_live_if_stats *i = &s->ifs[k];
        if (need_pcap && !i->have_pcap)
            continue;           /* no counter is better than a false 0 */
        put(b, "%s{interface=\"", name);
        label(b, i->name);
        put(b, "\"} %llu\n", (unsigned long long)*(const uint64_t *)((const char *)i + off));
    }
}

size_t ns_metrics_format(const struct ns_metrics_snap *s, char *out, size_t cap)
{
    struct buf b = { out, 0, cap };
    if (cap == 0)
        return 0;
    out[0] = '\0';
    metric(&b, "netscope_frames_total", "counter", "Records read (packets and pcapng custom blocks).", s->frames);
    metric(&b, "netscope_packets_total", "counter", "Packets analysed.", s->packets);
    metric(&b, "netscope_bytes_total", "counter", "Bytes of the packets analysed (frame lengths on the wire).", s->bytes);
    metric(&b, "netscope_malformed_frames_total", "counter", "Frames with a malformed header.", s->malformed);
    metric(&b, "netscope_flows_created_total", "counter", "Flows created.", s->flows_created);
    metric(&b, "netscope_flows_active", "gauge", "Flows in the flow table now.", s->flows_active);
    metric(&b, "netscope_flows_peak", "gauge", "Most flows held at once during the run.", s->flows_peak);
    metric(&b, "netscope_flows_evicted_total", "counter", "Flows ended early because the flow table was full.", s->flows_evicted);
    metric(&b, "netscope_flows_idle_timeout_total", "counter", "Flows ended by the idle timeout.", s->flows_idle);
    metric(&b, "netscope_flows_active_timeout_total", "counter", "Flows cut by the active timeout.", s->flows_active_to);
    head(&b, "netscope_alerts_total", "counter", "Alerts raised by anomaly detection, by kind.");
    for (unsigned k = NS_ALERT_SYN_FLOOD; k <= NS_ALERT_PORT_SCAN_HORIZONTAL; k++)
        put(&b, "netscope_alerts_total{kind=\"%s\"} %llu\n", ns_alert_kind_name((enum ns_alert_kind)k),
            (unsigned long long)s->alerts[k]);
    metric(&b, "netscope_tcp_segments_analysed_total", "counter", "TCP segments through TCP analysis.", s->tcp_segments);
    metric(&b, "netscope_ip_fragments_total", "counter", "IP fragments seen.", s->frags);
    metric(&b, "netscope_ip_reassembly_dropped_total", "counter", "Fragments dropped by reassembly (timeout, caps).", s->reasm_dropped);
    metric(&b, "netscope_written_packets_total", "counter", "Packets written by -w.", s->written_packets);
    metric(&b, "netscope_written_bytes_total", "counter", "Bytes written by -w (file size, headers included).", s->written_bytes);
    metric(&b, "netscope_written_files_total", "counter", "Files -w finished (ring buffer, SIGHUP).", s->written_files);
    if (s->live) {
        per_if(&b, s, "netscope_capture_packets_total", "Packets the interface handed to netscope.",
               offsetof(struct ns_live_if_stats, captured), false);
        per_if(&b, s, "netscope_capture_received_total", "Packets the kernel filter passed (pcap_stats ps_recv).",
               offsetof(struct ns_live_if_stats, recv), true);
        per_if(&b, s, "netscope_capture_kernel_dropped_total", "Packets dropped by the kernel, buffer full (ps_drop).",
               offsetof(struct ns_live_if_stats, drop), true);
        per_if(&b, s, "netscope_capture_interface_dropped_total", "Packets dropped by the interface or driver (ps_ifdrop).",
               offsetof(struct ns_live_if_stats, ifdrop), true);
    }
    head(&b, "netscope_last_packet_timestamp_seconds", "gauge", "Time stamp of the latest packet (packet time).");
    put(&b, "netscope_last_packet_timestamp_seconds %.9f\n", (double)s->last_ts_ns / 1e9);
    head(&b, "netscope_start_time_seconds", "gauge", "Wall-clock time the run started, seconds since the epoch.");
    put(&b, "netscope_start_time_seconds %.3f\n", s->start_s);
    return b.len;
}

/* --- the server --------------------------------------------------------------------------- */

struct ns_metrics {
    int fd;
    int wake[2];                /* a byte on wake[1] stops the thread */
    unsigned port;
    pthread_t thread;
    pthread_mutex_t lock;
    struct ns_metrics_snap snap;    /* under lock */
    struct ns_metrics_snap copy;    /* the thread's own */
    char req[4096];
    char body[BODY_CAP];
    char head[512];
};

static enum ns_status parse_listen(const char *spec, struct sockaddr_storage *ss, socklen_t *len,
                                   struct ns_err *err)
{
    char host[256] = "127.0.0.1";
    const char *port = spec;
    const char *colon = strrchr(spec, ':');
    if (colon != NULL) {
        size_t hl = (size_t)(colon - spec);
        if (spec[0] == '[' && hl >= 2 && spec[hl - 1] == ']') {
            spec++;
            hl -= 2;
        }
        if (hl == 0 || hl >= sizeof host)
            return ns_err_set(err, NS_STATUS_USAGE, "--metrics-listen %s: expected ADDR:PORT or PORT", spec);
        memcpy(host, spec, hl);
        host[hl] = '\0';
        port = colon + 1;
    }
    char *end;
    unsigned long p = strtoul(port, &end, 10);
    if (*port == '\0' || *end != '\0' || p > 65535)
        return ns_err_set(err, NS_STATUS_USAGE, "--metrics-listen %s: bad port '%s'", spec, port);
    memset(ss, 0, sizeof *ss);
    struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
    if (inet_pton(AF_INET, host, &a4->sin_addr) == 1) {
        a4->sin_family = AF_INET;
        a4->sin_port = htons((uint16_t)p);
        *len = sizeof *a4;
    } else if (inet_pton(AF_INET6, host, &a6->sin6_addr) == 1) {
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons((uint16_t)p);
        *len = sizeof *a6;
    } else if (strcmp(host, "localhost") == 0) {
        a4->sin_family = AF_INET;
        a4->sin_port = htons((uint16_t)p);
        a4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        *len = sizeof *a4;
    } else {
        return ns_err_set(err, NS_STATUS_USAGE, "--metrics-listen %s: '%s' is not an IP address", spec, host);
    }
    return NS_STATUS_OK;
}

/* Waits for fd to be ready for ev; false on timeout, error or a stop request. */
static bool wait_fd(struct ns_metrics *m, int fd, short ev)
{
    struct pollfd p[2] = { { .fd = fd, .events = ev }, { .fd = m->wake[0], .events = POLLIN } };
    int r;
    do
        r = poll(p, 2, IO_TIMEOUT_MS);
    while (r < 0 && errno == EINTR);
    return r > 0 && p[1].revents == 0 && (p[0].revents & (ev | POLLHUP | POLLERR));
}

static void send_all(struct ns_metrics *m, int c, const char *p, size_t n)
{
    while (n > 0) {
        if (!wait_fd(m, c, POLLOUT))
            return;
        ssize_t w = send(c, p, n, MSG_NOSIGNAL);
        if (w <= 0) {
            if (w < 0 && (errno == EINTR || errno == EAGAIN))
                continue;
            return;
        }
        p += w;
        n -= (size_t)w;
    }
}

static void answer(struct ns_metrics *m, int c)
{
    size_t got = 0;
    /* the request line is all we need; headers are read so the client sees a clean close */
    while (got + 1 < sizeof m->req) {
        if (!wait_fd(m, c, POLLIN))
            return;
        ssize_t r = recv(c, m->req + got, sizeof m->req - 1 - got, 0);
        if (r <= 0) {
            if (r < 0 && (errno == EINTR || errno == EAGAIN))
                continue;
            break;
        }
        got += (size_t)r;
        m->req[got] = '\0';
        if (strstr(m->req, "\r\n\r\n") != NULL || strstr(m->req, "\n\n") != NULL)
            break;
    }
    m->req[got] = '\0';
    bool head_only = strncmp(m->req, "HEAD ", 5) == 0;
    const char *path = head_only ? m->req + 5 : strncmp(m->req, "GET ", 4) == 0 ? m->req + 4 : NULL;
    const char *status, *ctype = "text/plain; charset=utf-8";
    size_t blen;
    size_t plen = path != NULL ? strcspn(path, " ?\r\n") : 0;
    if (path == NULL) {
        status = "405 Method Not Allowed";
        blen = (size_t)snprintf(m->body, sizeof m->body, "only GET /metrics\n");
    } else if (plen == 8 && strncmp(path, "/metrics", 8) == 0) {
        status = "200 OK";
        ctype = "text/plain; version=0.0.4; charset=utf-8";
        pthread_mutex_lock(&m->lock);
        m->copy = m->snap;
        pthread_mutex_unlock(&m->lock);
        blen = ns_metrics_format(&m->copy, m->body, sizeof m->body);
    } else if (plen == 1 && path[0] == '/') {
        status = "200 OK";
        ctype = "text/html; charset=utf-8";
        blen = (size_t)snprintf(m->body, sizeof m->body, "<html><body><a href=\"/metrics\">"
                                "netscope metrics</a></body></html>\n");
    } else {
        status = "404 Not Found";
        blen = (size_t)snprintf(m->body, sizeof m->body, "not found: try /metrics\n");
    }
    int hl = snprintf(m->head, sizeof m->head, "HTTP/1.0 %s\r\nContent-Type: %s\r\n"
                      "Content-Length: %zu\r\nConnection: close\r\n\r\n", status, ctype, blen);
    send_all(m, c, m->head, (size_t)hl);
    if (!head_only)
        send_all(m, c, m->body, blen);
}

static void *serve(void *arg)
{
    struct ns_metrics *m = arg;
    for (;;) {
        struct pollfd p[2] = { { .fd = m->fd, .events = POLLIN }, { .fd = m->wake[0], .events = POLLIN } };
        if (poll(p, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        if (p[1].revents != 0)
            break;
        if (!(p[0].revents & POLLIN))
            continue;
        int c = accept(m->fd, NULL, NULL);
        if (c < 0)
            continue;
        fcntl(c, F_SETFL, O_NONBLOCK);
        answer(m, c);
        shutdown(c, SHUT_WR);
        close(c);
    }
    return NULL;
}

struct ns_metrics *ns_metrics_start(const char *spec, enum ns_status *status, struct ns_err *err)
{
    struct sockaddr_storage ss;
    socklen_t slen = 0;
    *status = parse_listen(spec, &ss, &slen, err);
    if (*status != NS_STATUS_OK)
        return NULL;
    struct ns_metrics *m = calloc(1, sizeof *m);
    if (m == NULL) {
        *status = ns_err_set(err, NS_STATUS_CAP, "out of memory");
        return NULL;
    }
    m->wake[0] = m->wake[1] = -1;
    m->fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    if (m->fd < 0 || setsockopt(m->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        bind(m->fd, (struct sockaddr *)&ss, slen) != 0 || listen(m->fd, 16) != 0 ||
        fcntl(m->fd, F_SETFL, O_NONBLOCK) != 0 || pipe(m->wake) != 0) {
        *status = ns_err_set(err, NS_STATUS_FORMAT, "--metrics-listen %s: %s", spec, strerror(errno));
        goto fail;
    }
    getsockname(m->fd, (struct sockaddr *)&ss, &slen);
    m->port = ntohs(ss.ss_family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
                                            : ((struct sockaddr_in6 *)&ss)->sin6_port);
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    m->snap.start_s = (double)now.tv_sec + now.tv_nsec / 1e9;
    pthread_mutex_init(&m->lock, NULL);
    /* the thread starts with every signal blocked: SIGINT, SIGHUP and the rest go to the
     * capture loop, whose wait they are meant to interrupt */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int e = pthread_create(&m->thread, NULL, serve, m);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (e != 0) {
        pthread_mutex_destroy(&m->lock);
        *status = ns_err_set(err, NS_STATUS_FORMAT, "--metrics-listen: cannot start a thread: %s", strerror(e));
        goto fail;
    }
    return m;
fail:
    if (m->fd >= 0)
        close(m->fd);
    if (m->wake[0] >= 0) {
        close(m->wake[0]);
        close(m->wake[1]);
    }
    free(m);
    return NULL;
}

unsigned ns_metrics_port(const struct ns_metrics *m)
{
    return m->port;
}

void ns_metrics_publish(struct ns_metrics *m, const struct ns_metrics_snap *s)
{
    pthread_mutex_lock(&m->lock);
    double start = m->snap.start_s;
    m->snap = *s;
    m->snap.start_s = start;
    pthread_mutex_unlock(&m->lock);
}

void ns_metrics_stop(struct ns_metrics *m)
{
    if (m == NULL)
        return;
    char b = 1;
    while (write(m->wake[1], &b, 1) < 0 && errno == EINTR)
        ;
    pthread_join(m->thread, NULL);
    pthread_mutex_destroy(&m->lock);
    close(m->fd);
    close(m->wake[0]);
    close(m->wake[1]);
    free(m);
}
