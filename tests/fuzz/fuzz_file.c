/* Whole-file target: the bytes are a pcap or pcapng file, run through the reader and the
 * engine exactly as `netscope -r` does, and every field of every frame is formatted. */
#include <stddef.h>
#include <stdint.h>

#include "core/engine.h"
#include "core/reader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct ns_reader r;
    static struct ns_engine eng;   /* large: not on the stack; re-initialised every input */
    struct ns_err err;
    struct ns_rec rec;

    ns_reader_init(&r, data, size);
    if (ns_reader_open(&r, &err) != NS_STATUS_OK)
        return 0;
    /* small tables: cheap to set up per input, and eviction is exercised */
    struct ns_engine_cfg cfg = { .max_flows = 64, .reasm_datagrams = 16, .reasm_bytes = 1u << 20,
                                 .ip_pairs = true };
    if (ns_engine_init(&eng, &cfg, &err) != NS_STATUS_OK)
        return 0;
    while (ns_reader_next(&r, &rec, &err) == NS_STATUS_OK) {
        const struct ns_frame *f = ns_engine_feed(&eng, &rec);
        for (int id = 0; id < NS_FIELD_COUNT; id++) {
            struct ns_val v[64];
            char buf[256];
            size_t n = ns_field_values((enum ns_field_id)id, f, v, 64);
            for (size_t i = 0; i < n && i < 64; i++)
                ns_field_format((enum ns_field_id)id, &v[i], buf, sizeof buf);
        }
    }
    ns_engine_fini(&eng);
    return 0;
}
