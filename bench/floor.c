/* bench/floor.c: ns-bench-floor, the libpcap read floor. Reads a capture with
 * pcap_open_offline and pcap_next_ex and touches each packet's first byte, which is the
 * least any libpcap-based reader can do; netscope's time minus this is its own cost. */
#define _DEFAULT_SOURCE             /* pcap.h needs u_int and u_char from sys/types.h */

#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: ns-bench-floor FILE.pcap|FILE.pcapng\n");
        return 1;
    }
    char errbuf[PCAP_ERRBUF_SIZE];
    double t0 = now_s();
    pcap_t *p = pcap_open_offline(argv[1], errbuf);
    if (!p) {
        fprintf(stderr, "ns-bench-floor: %s: %s\n", argv[1], errbuf);
        return 2;
    }
    uint64_t packets = 0, bytes = 0, touch = 0;
    struct pcap_pkthdr *h;
    const u_char *data;
    int rc;
    while ((rc = pcap_next_ex(p, &h, &data)) == 1) {
        packets++;
        bytes += h->caplen;
        if (h->caplen)
            touch += data[0];       /* printed below, so the read cannot be optimised out */
    }
    double secs = now_s() - t0;
    if (rc == PCAP_ERROR) {
        fprintf(stderr, "ns-bench-floor: %s: %s\n", argv[1], pcap_geterr(p));
        pcap_close(p);
        return 2;
    }
    pcap_close(p);
    printf("%llu packets, %llu bytes, %.3f s (%.2f Mpkt/s, %.0f MB/s) [first-byte sum %llu]\n",
           (unsigned long long)packets, (unsigned long long)bytes, secs, packets / secs / 1e6,
           bytes / secs / 1e6, (unsigned long long)touch);
    return 0;
}
