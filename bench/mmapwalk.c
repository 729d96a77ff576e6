/* bench/mmapwalk.c: ns-bench-mmap, the floor without libpcap. Maps a pcap file and walks
 * its record headers, touching each packet's first byte: no copy, no per-record call.
 * This is how netscope's own reader sees a file (cli/ maps, core/ walks a buffer).
 * pcap only; pcapng is refused, since its block walk is what netscope's reader adds. */
#define _DEFAULT_SOURCE

#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint32_t rd32(const uint8_t *p, bool swap)
{
    uint32_t v;
    memcpy(&v, p, 4);               /* records are not aligned in general */
    return swap ? __builtin_bswap32(v) : v;
}

/* The four pcap magics: host or swapped order, microsecond or nanosecond stamps. */
static int pcap_order(const uint8_t *m, bool *swap)
{
    uint32_t v;
    memcpy(&v, m, 4);
    if (v == 0xa1b2c3d4 || v == 0xa1b23c4d)
        *swap = false;
    else if (v == 0xd4c3b2a1 || v == 0x4d3cb2a1)
        *swap = true;
    else
        return -1;
    return 0;
}

static int walk(const char *path, const uint8_t *m, size_t len)
{
    bool swap;
    if (len < 24 || pcap_order(m, &swap) != 0) {
        bool ng = len >= 4 && !memcmp(m, "\x0a\x0d\x0d\x0a", 4);
        fprintf(stderr, "ns-bench-mmap: %s: %s\n", path, ng
                ? "pcapng is not supported here; use ns-bench-floor, or convert with "
                  "editcap -F pcap"
                : "not a pcap file");
        return 2;
    }
    double t0 = now_s();
    uint64_t packets = 0, bytes = 0, touch = 0;
    size_t off = 24;
    while (off + 16 <= len) {
        uint32_t caplen = rd32(m + off + 8, swap);
        if (caplen > len - off - 16) {
            fprintf(stderr, "ns-bench-mmap: %s: record at offset %zu runs past the end\n",
                    path, off);
            return 2;
        }
        if (caplen)
            touch += m[off + 16];
        packets++;
        bytes += caplen;
        off += 16 + (size_t)caplen;
    }
    double secs = now_s() - t0;
    printf("%llu packets, %llu bytes, %.3f s (%.2f Mpkt/s, %.0f MB/s) [first-byte sum %llu]\n",
           (unsigned long long)packets, (unsigned long long)bytes, secs, packets / secs / 1e6,
           bytes / secs / 1e6, (unsigned long long)touch);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: ns-bench-mmap FILE.pcap\n");
        return 1;
    }
    int fd = open(argv[1], O_RDONLY);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        perror(argv[1]);
        return 2;
    }
    size_t len = (size_t)st.st_size;
    void *m = len ? mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0) : MAP_FAILED;
    close(fd);
    if (m == MAP_FAILED) {
        fprintf(stderr, "ns-bench-mmap: %s: cannot map (empty file?)\n", argv[1]);
        return 2;
    }
    madvise(m, len, MADV_SEQUENTIAL);   /* one pass, front to back: let readahead run */
    int rc = walk(argv[1], m, len);
    munmap(m, len);
    return rc;
}
