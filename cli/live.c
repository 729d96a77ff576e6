#define _DEFAULT_SOURCE     /* u_int, u_char: libpcap's headers use the BSD names */
#include "live.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <pcap/pcap.h>

struct live_if {
    pcap_t *p;
    int fd;
    bool pending;               /* hdr/data hold a packet read ahead, not yet handed out */
    struct pcap_pkthdr *hdr;
    const u_char *data;
    int64_t ts_ns;
};

struct ns_live {
    unsigned n;
    struct live_if ifs[NS_LIVE_MAX_IF];
    struct pollfd pfd[NS_LIVE_MAX_IF];
    struct ns_live_stats st;
    uint64_t number;            /* frames handed out */
    bool stopping;
    uint64_t drained;           /* packets handed out since the stop */
    bool wake;
    struct ns_reader rd;        /* the interfaces for -w (ns_live_reader) */
    uint8_t opts[NS_LIVE_MAX_IF][160];  /* their pcapng options: if_name, if_description */
};

/* "3" is the third interface of -D, as tshark reads -i 3; anything else is a name. */
static enum ns_status resolve(const char *arg, char *name, size_t cap, struct ns_err *err)
{
    size_t len = strlen(arg);
    if (len == 0 || len > 4 || strspn(arg, "0123456789") != len) {
        if (len >= cap)
            return ns_err_set(err, NS_STATUS_USAGE, "interface name too long: '%s'", arg);
        memcpy(name, arg, len + 1);
        return NS_STATUS_OK;
    }
    char eb[PCAP_ERRBUF_SIZE];
    pcap_if_t *all = NULL;
    if (pcap_findalldevs(&all, eb) != 0)
        return ns_err_set(err, NS_STATUS_FORMAT, "cannot list the interfaces: %s", eb);
    long want = strtol(arg, NULL, 10), i = 1;
    enum ns_status s = ns_err_set(err, NS_STATUS_USAGE, "there is no interface with index %s "
                                  "(netscope -D lists them)", arg);
    for (pcap_if_t *d = all; d != NULL; d = d->next, i++)
        if (i == want && strlen(d->name) < cap) {
            strcpy(name, d->name);
            s = NS_STATUS_OK;
            break;
        }
    pcap_freealldevs(all);
    return s;
}

/* One pcapng option, little-endian as the synthetic reader says (swapped = false). */
static size_t put_opt(uint8_t *out, size_t cap, uint16_t code, const char *v)
{
    size_t len = strlen(v), padded = 4 + ((len + 3) & ~(size_t)3);
    if (len == 0 || padded > cap)
        return 0;
    memset(out, 0, padded);
    out[0] = (uint8_t)code;
    out[1] = (uint8_t)(code >> 8);
    out[2] = (uint8_t)len;
    out[3] = (uint8_t)(len >> 8);
    memcpy(out + 4, v, len);
    return padded;
}

/* Interface k as a pcapng IDB would give it, so cli/writer.c writes live captures with the
 * code that copies interfaces from files. */
static void describe(struct ns_live *l, unsigned k, unsigned snaplen)
{
    struct ns_reader *r = &l->rd;
    const struct ns_live_if_stats *st = &l->st.ifs[k];
    uint8_t *o = l->opts[k];
    size_t n = put_opt(o, sizeof l->opts[k], 2, st->name);
    char eb[PCAP_ERRBUF_SIZE];
    pcap_if_t *all = NULL;
    if (pcap_findalldevs(&all, eb) == 0) {
        for (pcap_if_t *d = all; d != NULL; d = d->next)
            if (strcmp(d->name, st->name) == 0 && d->description != NULL)
                n += put_opt(o + n, sizeof l->opts[k] - n, 3, d->description);
        pcap_freealldevs(all);
    }
    r->format = NS_FORMAT_PCAPNG;
    r->buf = &l->opts[0][0];
    r->len = sizeof l->opts;
    r->nif = k + 1;
    r->ifs[k] = (struct ns_reader_if){ .linktype = (uint32_t)st->linktype, .snaplen = snaplen,
                                       .tsres = st->nano ? 9 : 6,
                                       .opt_off = (uint64_t)(o - &l->opts[0][0]),
                                       .opt_len = (uint32_t)n };
}

static enum ns_status open_one(struct ns_live *l, const struct ns_live_cfg *cfg, unsigned k,
                               struct ns_err *err)
{
    struct ns_live_if_stats *st = &l->st.ifs[k];
    struct live_if *li = &l->ifs[k];
    enum ns_status s = resolve(cfg->ifaces[k], st->name, sizeof st->name, err);
    if (s != NS_STATUS_OK)
        return s;
    char eb[PCAP_ERRBUF_SIZE] = "";
    li->p = pcap_create(st->name, eb);
    if (li->p == NULL)
        return ns_err_set(err, NS_STATUS_FORMAT, "%s: %s", st->name, eb);
    pcap_set_snaplen(li->p, (int)(cfg->snaplen ? cfg->snaplen : NS_LIVE_SNAPLEN));
    pcap_set_promisc(li->p, cfg->promisc);
    /* each packet as it arrives, not when a kernel block fills: a quiet link still shows
     * its packets at once, and a stop finds nothing stranded in a half-full block */
    pcap_set_immediate_mode(li->p, 1);
    if (cfg->buffer_mib != 0)
        pcap_set_buffer_size(li->p, (int)(cfg->buffer_mib > 2047 ? 2047 : cfg->buffer_mib) << 20);
#ifdef PCAP_TSTAMP_PRECISION_NANO
    (void)pcap_set_tstamp_precision(li->p, PCAP_TSTAMP_PRECISION_NANO);
#endif
    int rc = pcap_activate(li->p);
    if (rc < 0) {
        const char *why = rc == PCAP_ERROR_NO_SUCH_DEVICE || rc == PCAP_ERROR_PERM_DENIED ||
                          rc == PCAP_ERROR ? pcap_geterr(li->p) : pcap_statustostr(rc);
        if (why == NULL || why[0] == '\0')
            why = pcap_statustostr(rc);
        return ns_err_set(err, NS_STATUS_FORMAT, "%s: cannot capture: %s%s", st->name, why,
                          rc == PCAP_ERROR_PERM_DENIED ? " (run as root or with CAP_NET_RAW)" : "");
    }
    if (rc > 0)
        fprintf(stderr, "netscope: %s: warning: %s\n", st->name, pcap_statustostr(rc));
#ifdef PCAP_TSTAMP_PRECISION_NANO
    st->nano = pcap_get_tstamp_precision(li->p) == PCAP_TSTAMP_PRECISION_NANO;
#endif
    st->linktype = pcap_datalink(li->p);
    if (cfg->filter != NULL) {
        bpf_u_int32 net = 0, mask = PCAP_NETMASK_UNKNOWN;
        if (pcap_lookupnet(st->name, &net, &mask, eb) != 0)
            mask = PCAP_NETMASK_UNKNOWN;      /* "ip broadcast" needs it; nothing else does */
        struct bpf_program prog;
        if (pcap_compile(li->p, &prog, cfg->filter, 1, mask) != 0)
            return ns_err_set(err, NS_STATUS_USAGE, "invalid capture filter \"%s\" for interface "
                              "'%s': %s", cfg->filter, st->name, pcap_geterr(li->p));
        rc = pcap_setfilter(li->p, &prog);
        pcap_freecode(&prog);
        if (rc != 0)
            return ns_err_set(err, NS_STATUS_FORMAT, "%s: cannot set the capture filter: %s",
                              st->name, pcap_geterr(li->p));
    }
    if (pcap_setnonblock(li->p, 1, eb) != 0)
        return ns_err_set(err, NS_STATUS_FORMAT, "%s: %s", st->name, eb);
    li->fd = pcap_get_selectable_fd(li->p);
    if (li->fd < 0)
        return ns_err_set(err, NS_STATUS_FORMAT, "%s: no descriptor to wait on", st->name);
    l->pfd[k] = (struct pollfd){ .fd = li->fd, .events = POLLIN };
    describe(l, k, cfg->snaplen ? cfg->snaplen : NS_LIVE_SNAPLEN);
    return NS_STATUS_OK;
}

struct ns_live *ns_live_open(const struct ns_live_cfg *cfg, enum ns_status *status,
                             struct ns_err *err)
{
    if (cfg->nifaces == 0 || cfg->nifaces > NS_LIVE_MAX_IF) {
        *status = ns_err_set(err, NS_STATUS_USAGE, "between 1 and %d interfaces", NS_LIVE_MAX_IF);
        return NULL;
    }
    struct ns_live *l = calloc(1, sizeof *l);
    if (l == NULL) {
        *status = ns_err_set(err, NS_STATUS_CAP, "out of memory");
        return NULL;
    }
    for (unsigned k = 0; k < cfg->nifaces; k++) {
        l->n = k + 1;
        *status = open_one(l, cfg, k, err);
        if (*status != NS_STATUS_OK) {
            ns_live_close(l, NULL);
            return NULL;
        }
    }
    l->st.n = l->n;
    l->wake = cfg->wake;
    *status = NS_STATUS_OK;
    return l;
}

enum ns_status ns_live_next(struct ns_live *l, struct ns_rec *rec, const volatile sig_atomic_t *stop,
                            struct ns_err *err)
{
    for (;;) {
        if (*stop)
            l->stopping = true;
        for (unsigned k = 0; k < l->n; k++) {
            struct live_if *li = &l->ifs[k];
            if (li->pending || (l->stopping && l->drained >= NS_LIVE_DRAIN))
                continue;
            int r = pcap_next_ex(li->p, &li->hdr, &li->data);
            if (r == 1) {
                li->pending = true;
                int64_t frac = (int64_t)li->hdr->ts.tv_usec;
                li->ts_ns = (int64_t)li->hdr->ts.tv_sec * 1000000000 +
                            (l->st.ifs[k].nano ? frac : frac * 1000);
            } else if (r != 0 && r != PCAP_ERROR_BREAK) {
                return ns_err_set(err, NS_STATUS_FORMAT, "%s: capture failed: %s",
                                  l->st.ifs[k].name, pcap_geterr(li->p));
            }
        }
        /* the earliest packet read ahead goes first: arrival order across interfaces */
        int best = -1;
        for (unsigned k = 0; k < l->n; k++)
            if (l->ifs[k].pending && (best < 0 || l->ifs[k].ts_ns < l->ifs[best].ts_ns))
                best = (int)k;
        if (best >= 0) {
            struct live_if *li = &l->ifs[best];
            li->pending = false;
            uint32_t caplen = li->hdr->caplen;
            if (caplen > NS_READER_MAX_CAPLEN)
                caplen = NS_READER_MAX_CAPLEN;
            *rec = (struct ns_rec){
                .kind = NS_REC_PACKET, .has_ts = true,
                .linktype = (uint32_t)l->st.ifs[best].linktype,
                .interface_id = best,
                .caplen = caplen,
                .wirelen = li->hdr->len < caplen ? caplen : li->hdr->len,
                .ts_ns = li->ts_ns,
                .data = li->data,
                .number = ++l->number,
            };
            l->st.ifs[best].captured++;
            if (l->stopping)
                l->drained++;
            return NS_STATUS_OK;
        }
        if (l->stopping)
            return NS_STATUS_END;
        /* nothing in hand: sleep until a packet arrives; a signal ends the wait early, and
         * the timeout bounds the wait should one land just before poll() */
        int r = poll(l->pfd, l->n, 250);
        if (r < 0 && errno != EINTR)
            return ns_err_set(err, NS_STATUS_FORMAT, "waiting for packets: %s", strerror(errno));
        if (r == 0 && l->wake)
            return NS_LIVE_IDLE;
    }
}

int64_t ns_live_settled_ns(const struct ns_live *l)
{
    /* Packets carry the host's real-time clock (libpcap's default time stamp type). In
     * immediate mode a packet reaches us within milliseconds; a second covers a loaded
     * machine, and an early packet would only start its flow again, not be lost. */
    (void)l;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec - 1000000000;
}

const struct ns_reader *ns_live_reader(const struct ns_live *l)
{
    return &l->rd;
}

static void read_pcap_stats(struct ns_live *l)
{
    for (unsigned k = 0; k < l->n; k++) {
        struct ns_live_if_stats *is = &l->st.ifs[k];
        struct pcap_stat ps;
        if (l->ifs[k].p != NULL && pcap_stats(l->ifs[k].p, &ps) == 0) {
            is->have_pcap = true;
            is->recv = ps.ps_recv;
            is->drop = ps.ps_drop;
            is->ifdrop = ps.ps_ifdrop;
        }
    }
}

void ns_live_counters(struct ns_live *l, struct ns_live_stats *st)
{
    read_pcap_stats(l);
    *st = l->st;
}

void ns_live_close(struct ns_live *l, struct ns_live_stats *st)
{
    if (l == NULL)
        return;
    read_pcap_stats(l);
    for (unsigned k = 0; k < l->n; k++)
        if (l->ifs[k].p != NULL)
            pcap_close(l->ifs[k].p);
    if (st != NULL)
        *st = l->st;
    free(l);
}

void ns_live_print_start(const struct ns_live *l, FILE *out)
{
    fputs("Capturing on ", out);
    for (unsigned k = 0; k < l->n; k++)
        fprintf(out, "%s'%s'", k == 0 ? "" : k + 1 == l->n ? " and " : ", ", l->st.ifs[k].name);
    putc('\n', out);
    fflush(out);
}

void ns_live_print_counts(const struct ns_live_stats *st, FILE *out)
{
    uint64_t captured = 0;
    for (unsigned k = 0; k < st->n; k++)
        captured += st->ifs[k].captured;
    fprintf(out, "%llu packet%s captured\n", (unsigned long long)captured, captured == 1 ? "" : "s");
    for (unsigned k = 0; k < st->n; k++) {
        const struct ns_live_if_stats *is = &st->ifs[k];
        uint64_t dropped = is->drop + is->ifdrop;
        fprintf(out, "%llu packet%s dropped", (unsigned long long)dropped, dropped == 1 ? "" : "s");
        if (st->n > 1)
            fprintf(out, " from %s", is->name);
        if (!is->have_pcap)
            fputs(" (the kernel's counters could not be read)", out);
        putc('\n', out);
    }
}

int ns_live_list(FILE *out, struct ns_err *err)
{
    char eb[PCAP_ERRBUF_SIZE];
    pcap_if_t *all = NULL;
    if (pcap_findalldevs(&all, eb) != 0) {
        ns_err_set(err, NS_STATUS_FORMAT, "cannot list the interfaces: %s", eb);
        return -1;
    }
    unsigned i = 1;
    for (pcap_if_t *d = all; d != NULL; d = d->next, i++) {
        fprintf(out, "%u. %s", i, d->name);
        if (d->description != NULL)
            fprintf(out, " (%s)", d->description);
        else if (d->flags & PCAP_IF_LOOPBACK)
            fputs(" (Loopback)", out);
        putc('\n', out);
    }
    pcap_freealldevs(all);
    return 0;
}
