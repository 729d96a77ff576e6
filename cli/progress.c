#include "progress.h"

#define REDRAW_NS 200000000     /* 5 times a second: smooth, and cheap on a slow terminal */
#define WIDTH 20

void ns_progress_init(struct ns_progress *p, FILE *out)
{
    *p = (struct ns_progress){ .out = out, .start_ns = -1 };
}

/* 1.2 GB, 512 kB: decimal units, as capinfos prints sizes. */
static void human(char *buf, size_t cap, double v, const char *unit)
{
    static const char pre[] = " kMGTP";
    unsigned k = 0;
    while (v >= 1000 && k + 1 < sizeof pre - 1) {
        v /= 1000;
        k++;
    }
    if (k == 0)
        snprintf(buf, cap, "%.0f %s", v, unit);
    else
        snprintf(buf, cap, "%.1f %c%s", v, pre[k], unit);
}

void ns_progress_update(struct ns_progress *p, int64_t now_ns, uint64_t done, uint64_t total,
                        uint64_t packets)
{
    if (p->out == NULL)
        return;
    if (p->start_ns < 0) {
        p->start_ns = now_ns;
        p->next_ns = now_ns + REDRAW_NS;    /* a run shorter than this shows no bar */
        return;
    }
    if (now_ns < p->next_ns || total == 0)
        return;
    p->next_ns = now_ns + REDRAW_NS;
    double frac = done >= total ? 1.0 : (double)done / (double)total;
    double secs = (double)(now_ns - p->start_ns) / 1e9;
    char bar[WIDTH + 1], d[32], t[32], rate[32], eta[32] = "?";
    unsigned fill = (unsigned)(frac * WIDTH);
    for (unsigned i = 0; i < WIDTH; i++)
        bar[i] = i < fill ? '#' : '.';
    bar[WIDTH] = '\0';
    human(d, sizeof d, (double)done, "B");
    human(t, sizeof t, (double)total, "B");
    human(rate, sizeof rate, secs > 0 ? (double)packets / secs : 0, "pkt/s");
    if (frac > 0 && secs > 0) {
        unsigned long left = (unsigned long)(secs * (1 - frac) / frac + 0.5);
        snprintf(eta, sizeof eta, "%lu:%02lu", left / 60, left % 60);
    }
    /* \033[K clears what a longer previous line left behind */
    fprintf(p->out, "\r[%s] %3u%%  %s of %s  %s  ETA %s\033[K", bar, (unsigned)(frac * 100), d, t,
            rate, eta);
    fflush(p->out);
    p->drawn = true;
}

void ns_progress_end(struct ns_progress *p)
{
    if (p->out != NULL && p->drawn) {
        fputs("\r\033[K", p->out);
        fflush(p->out);
    }
    p->drawn = false;
}
