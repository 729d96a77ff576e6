/* bench/gen_attack.c: the three attacks, each one pseudo-flow in the scheduler.
 *   SYN flood        1500 SYNs to 172.16.0.10:80 in about 1.5 s (< 2 s), every one from a
 *                    different spoofed 100.64.0.0/10 address, none answered.
 *   vertical scan    198.51.100.66:61337 sends SYNs to 250 ports of 192.168.1.20 in about
 *                    3 s (< 5 s), one fixed source port as nmap uses; each gets RST/ACK.
 *   horizontal scan  198.51.100.77 probes port 22 on 40 hosts of 192.168.2.0/24; every
 *                    fourth answers SYN/ACK and the scanner resets, the rest RST/ACK.
 * Every probe is its own 4-tuple, so each is one TCP conversation for tshark. */
#include "gen_flow.h"

#include <string.h>

#define SCAN_SPORT 61337

uint32_t ns_gen_attack_packets(enum ns_gen_kind k)
{
    switch (k) {
    case NS_GEN_SYN_FLOOD:
        return NS_GEN_FLOOD_SYNS;
    case NS_GEN_PORT_SCAN:
        return 2 * NS_GEN_SCAN_PORTS;
    default:
        return 2 * NS_GEN_HSCAN_HOSTS + NS_GEN_HSCAN_HOSTS / 4;
    }
}

static void tcp_v4(struct ns_gen_pkt *p, uint32_t src, uint16_t sport, uint32_t dst,
                   uint16_t dport, uint8_t flags, bool from_client)
{
    memset(p, 0, sizeof *p);
    p->l4 = NS_GEN_L4_TCP;
    p->from_client = from_client;
    ns_gen_put_v4(p->src, src);
    ns_gen_put_v4(p->dst, dst);
    p->sport = sport;
    p->dport = dport;
    p->flags = flags;
    if (flags & NS_TCP_SYN) {
        p->syn_opts = true;
        p->win = 64240;
    }
}

/* i -> i * odd constant mod 2^22 is a bijection, so the sources never repeat. */
static uint32_t flood_source(uint32_t i)
{
    return NS_GEN_SPOOF_NET + ((i * 2654435761u + 12345u) & 0x3fffffu);
}

static uint32_t flood_step(struct ns_gen *g, uint32_t idx)
{
    struct ns_gen_flow *f = &g->flows[idx];
    struct ns_gen_pkt p;
    uint16_t sport = (uint16_t)ns_gen_rng_range(&f->rng, 1024, 65535);
    tcp_v4(&p, flood_source(f->count), sport, NS_GEN_FLOOD_TARGET, NS_GEN_FLOOD_PORT,
           NS_TCP_SYN, true);
    p.seq = (uint32_t)ns_gen_rng_next(&f->rng);
    ns_gen_emit(g, idx, &p);
    f->count++;
    return ns_gen_rng_range(&f->rng, 500, 1500);
}

/* 389 is odd, so i -> 389 i + 7 mod 1024 visits 250 distinct ports in a scrambled order. */
static uint16_t scan_port(uint32_t i)
{
    return (uint16_t)(1 + (i * 389u + 7u) % 1024u);
}

static uint32_t port_scan_step(struct ns_gen *g, uint32_t idx)
{
    struct ns_gen_flow *f = &g->flows[idx];
    uint16_t port = scan_port(f->count / 2);
    struct ns_gen_pkt p;
    if (f->count % 2 == 0) {
        f->r_seq0 = (uint32_t)ns_gen_rng_next(&f->rng);
        tcp_v4(&p, NS_GEN_SCANNER, SCAN_SPORT, NS_GEN_SCAN_TARGET, port, NS_TCP_SYN, true);
        p.win = 1024;
        p.seq = f->r_seq0;
    } else {
        tcp_v4(&p, NS_GEN_SCAN_TARGET, port, NS_GEN_SCANNER, SCAN_SPORT,
               NS_TCP_RST | NS_TCP_ACK, false);
        p.ack = f->r_seq0 + 1;
    }
    ns_gen_emit(g, idx, &p);
    f->count++;
    return f->count % 2 ? ns_gen_rng_range(&f->rng, 100, 300)
                        : ns_gen_rng_range(&f->rng, 8000, 16000);
}

/* r_step walks one host's exchange: 0 SYN, 1 reply, 2 the scanner's reset if open. */
static uint32_t host_scan_step(struct ns_gen *g, uint32_t idx)
{
    struct ns_gen_flow *f = &g->flows[idx];
    uint32_t host = NS_GEN_HSCAN_NET + 1 + f->count;
    bool open = f->count % 4 == 0;
    struct ns_gen_pkt p;
    if (f->r_step == 0) {
        f->r_seq0 = (uint32_t)ns_gen_rng_next(&f->rng);
        tcp_v4(&p, NS_GEN_HSCANNER, SCAN_SPORT, host, 22, NS_TCP_SYN, true);
        p.win = 1024;
        p.seq = f->r_seq0;
    } else if (f->r_step == 1 && open) {
        f->nxt[1] = (uint32_t)ns_gen_rng_next(&f->rng);
        tcp_v4(&p, host, 22, NS_GEN_HSCANNER, SCAN_SPORT, NS_TCP_SYN | NS_TCP_ACK, false);
        p.seq = f->nxt[1];
        p.ack = f->r_seq0 + 1;
    } else if (f->r_step == 1) {
        tcp_v4(&p, host, 22, NS_GEN_HSCANNER, SCAN_SPORT, NS_TCP_RST | NS_TCP_ACK, false);
        p.ack = f->r_seq0 + 1;
    } else {
        tcp_v4(&p, NS_GEN_HSCANNER, SCAN_SPORT, host, 22, NS_TCP_RST, true);
        p.seq = f->r_seq0 + 1;
    }
    ns_gen_emit(g, idx, &p);
    bool done = f->r_step == 2 || (f->r_step == 1 && !open);
    f->r_step = done ? 0 : (uint8_t)(f->r_step + 1);
    if (!done)
        return ns_gen_rng_range(&f->rng, 100, 400);
    f->count++;
    return ns_gen_rng_range(&f->rng, 20000, 60000);
}

uint32_t ns_gen_attack_step(struct ns_gen *g, uint32_t idx)
{
    switch (g->flows[idx].kind) {
    case NS_GEN_SYN_FLOOD:
        return flood_step(g, idx);
    case NS_GEN_PORT_SCAN:
        return port_scan_step(g, idx);
    default:
        return host_scan_step(g, idx);
    }
}
