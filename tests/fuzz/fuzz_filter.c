/* fuzz_filter: the -Y display filter compiler (cli/filter.c) on arbitrary text, and each
 * filter that compiles run against a frame of the bundled TCP capture's first record. A
 * filter is user input, not capture bytes, but a crash on any of it is still a crash. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli/filter.h"
#include "core/engine.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Ethernet / IPv4 / TCP SYN with an MSS option: enough layers for every kind of test. */
static const uint8_t frame_bytes[] = {
    0x02, 0, 0, 0, 0, 0x0b, 0x02, 0, 0, 0, 0, 0x0a, 0x08, 0x00,
    0x45, 0, 0, 44, 0x12, 0x34, 0x40, 0, 64, 6, 0, 0, 192, 0, 2, 1, 198, 51, 100, 2,
    0x9c, 0x40, 0, 80, 0, 0, 0x03, 0xe8, 0, 0, 0, 0, 0x60, 0x02, 0xfa, 0xf0, 0, 0, 0, 0,
    2, 4, 5, 0xb4,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct ns_engine eng;
    static const struct ns_frame *f;
    if (f == NULL) {
        struct ns_engine_cfg cfg = { .max_flows = 16 };
        struct ns_err err;
        if (ns_engine_init(&eng, &cfg, &err) != NS_STATUS_OK)
            abort();
        static struct ns_rec rec;
        rec = (struct ns_rec){ .kind = NS_REC_PACKET, .number = 1, .data = frame_bytes,
                               .caplen = sizeof frame_bytes, .wirelen = sizeof frame_bytes,
                               .linktype = 1, .has_ts = true, .interface_id = -1 };
        f = ns_engine_feed(&eng, &rec);
    }
    char *text = malloc(size + 1);
    if (text == NULL)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    struct ns_err err;
    struct ns_filter *flt = ns_filter_compile(text, &err);
    if (flt != NULL) {
        (void)ns_filter_match(flt, f);
        ns_filter_free(flt);
    }
    free(text);
    return 0;
}
