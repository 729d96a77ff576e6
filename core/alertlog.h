/* core/alertlog.h: the alerts of a run as -z netscope,alerts shows them, and one alert as
 * the JSON object --alerts writes.
 * In:     alerts as the engine raises them (struct ns_alert, with the frame that raised it).
 * Out:    the table, one line per call of the caller's write callback (the CLI writes to
 *         stdout, the Wireshark plugin through tshark's printing: the same bytes); an
 *         alert as one JSON line in the caller's buffer.
 * Owns:   at most NS_ALERTLOG_MAX rows, grown by doubling as alerts come; past the cap (or
 *         without memory) alerts are counted, not kept.
 * Never:  prints, opens a file, reads a global. */
#ifndef NS_ALERTLOG_H
#define NS_ALERTLOG_H

#include <stddef.h>
#include <stdint.h>

#include "anomaly.h"

#define NS_ALERTLOG_MAX 10000

struct ns_alertlog {
    struct ns_alert *rows;
    uint64_t *frames;           /* frame number of each row */
    size_t n, cap;
    uint64_t total, left_out;
};

void ns_alertlog_add(struct ns_alertlog *log, const struct ns_alert *al, uint64_t frame);
/* The table; times relative to first_ts_ns. */
void ns_alertlog_write(const struct ns_alertlog *log, int64_t first_ts_ns,
                       void (*write)(const char *line, size_t len, void *arg), void *arg);
void ns_alertlog_free(struct ns_alertlog *log);

/* al (raised by frame) as one JSON object and a newline into buf; returns the length, or 0
 * when cap is too small. */
size_t ns_alert_json(const struct ns_alert *al, uint64_t frame, char *buf, size_t cap);

#endif
