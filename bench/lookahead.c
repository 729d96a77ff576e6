/* bench/lookahead.c: ns-bench-lookahead FILE [AHEAD FLOW [BLOCK]]: the file loop's
 * lookahead (cli/main.c) measured against itself in one process. The records go through
 * one engine (the CLI's -q configuration, without its flow-end sinks) in blocks of BLOCK
 * records (default 50,000), alternately with the lookahead on (stage 1 AHEAD records
 * ahead, stage 2 FLOW records ahead; default 16 and 8, as the CLI) and off, whatever the
 * table's size, and the thread's CPU time is summed per mode. Both
 * modes meet the same table sizes and the same neighbours on a shared machine, a block
 * apart, which separate runs under a changing load do not. Not a test: it prints ns per
 * packet per mode. */
#define _POSIX_C_SOURCE 200809L
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../core/engine.h"

#define RING 64

static int64_t cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: ns-bench-lookahead FILE [AHEAD FLOW [BLOCK]]\n");
        return 1;
    }
    size_t ahead = argc > 2 ? (size_t)atoi(argv[2]) : 16, flow = argc > 3 ? (size_t)atoi(argv[3]) : 8;
    uint64_t block = argc > 4 ? (uint64_t)atoll(argv[4]) : 50000;
    if (ahead < 1 || ahead > RING || flow >= ahead || block == 0) {
        fprintf(stderr, "ns-bench-lookahead: need 1 <= AHEAD <= %d, FLOW < AHEAD, BLOCK > 0\n", RING);
        return 1;
    }
    int fd = open(argv[1], O_RDONLY);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        perror(argv[1]);
        return 1;
    }
    const uint8_t *buf = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (buf == MAP_FAILED) {
        perror("mmap");
        return 1;
    }
    static struct ns_reader r;
    struct ns_err err;
    ns_reader_init(&r, buf, (size_t)st.st_size);
    static struct ns_engine e;
    struct ns_engine_cfg cfg = {0};
    if (ns_reader_open(&r, &err) != NS_STATUS_OK || ns_engine_init(&e, &cfg, &err) != NS_STATUS_OK) {
        fprintf(stderr, "ns-bench-lookahead: %s\n", err.msg);
        return 1;
    }
    static struct ns_rec ring[RING];
    static struct ns_engine_ahead pf[RING];
    size_t head = 0, tail = 0;
    bool end = false;
    int64_t spent[2] = { 0, 0 };
    uint64_t fed[2] = { 0, 0 };
    uint64_t sink = 0;
    while (!end || head != tail) {
        int on = (int)((fed[0] + fed[1]) / block % 2);
        int64_t t0 = cpu_ns();
        for (uint64_t k = 0; k < block; k++) {
            while (!end && tail - head < (on ? ahead : 1)) {
                if (ns_reader_next(&r, &ring[tail % RING], &err) != NS_STATUS_OK) {
                    end = true;
                    break;
                }
                pf[tail % RING].ok = false;
                if (on)
                    (void)ns_engine_prefetch_key(&e, &ring[tail % RING], &pf[tail % RING]);
                tail++;
            }
            if (head == tail)
                break;
            if (on && tail - head > flow)
                ns_engine_prefetch_flow(&e, &pf[(head + flow) % RING]);
            const struct ns_frame *f = ns_engine_feed(&e, &ring[head % RING]);
            sink += f->pkt->nlayers;
            head++;
            fed[on]++;
        }
        spent[on] += cpu_ns() - t0;
    }
    printf("%s: %llu records; lookahead %zu/%zu: %.1f ns/record CPU over %llu; off: %.1f ns/record "
           "over %llu (blocks of %llu, alternating); on/off %.3f\n",
           argv[1], (unsigned long long)(fed[0] + fed[1]), ahead, flow,
           (double)spent[1] / (double)(fed[1] ? fed[1] : 1), (unsigned long long)fed[1],
           (double)spent[0] / (double)(fed[0] ? fed[0] : 1), (unsigned long long)fed[0],
           (unsigned long long)block,
           ((double)spent[1] / (double)(fed[1] ? fed[1] : 1)) / ((double)spent[0] / (double)(fed[0] ? fed[0] : 1)));
    ns_engine_fini(&e);
    return sink == 0;
}
