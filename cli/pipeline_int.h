/* cli/pipeline_int.h: what the two halves of --threads share (cli/pipeline.c, the reader
 * and merger; cli/pipeline_worker.c, the workers): ring layouts, message formats and the
 * run's state. Private to those two files; the contract is cli/pipeline.h. */
#ifndef NS_CLI_PIPELINE_INT_H
#define NS_CLI_PIPELINE_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#include "input.h"
#include "pipeline.h"
#include "shard.h"

#define REC_RING    (1u << 14)          /* records queued per worker (1 MiB): milliseconds of work */
#define BYTE_RING   (8u << 20)          /* results per worker: frames (80 bytes each with -q), flow ends */
#define TEXT_MAX    (1u << 20)          /* one frame's formatted output */
#define ORDER_RING  (1u << 16)          /* frames dispatched, not yet merged (5 MiB) */
#define MAX_WORKERS 64
#define PREFETCH    6                   /* records ahead (worker_main) */

/* ---- waiting: spin a little, then sleep, so that idle threads leave the cores to busy ones */

static inline void backoff(unsigned *spins)
{
    if (++*spins < 16)
        return;
    /* no sched_yield: on a loaded machine it hands the rest of the slice to another
     * process, and the whole pipeline waits for this thread's next turn. The rings hold
     * milliseconds of work, so a long nap costs no throughput and spares the cores. */
    struct timespec ts = { 0, *spins < 64 ? 20000 : 200000 };
    nanosleep(&ts, NULL);
}

/* ---- one producer, one consumer: records to a worker */

/* Both rings publish their head in batches (PUBLISH entries, and whenever the producer is
 * about to wait): a head stored per entry moves its cache line between the cores once
 * per frame whenever the consumer is polling it. */
#define PUBLISH 16

struct rec_ring {
    _Alignas(64) atomic_size_t head;    /* written by the producer */
    size_t head_local;                  /* the producer's: written, maybe not published */
    size_t tail_seen;                   /* the producer's last look at tail: the shared
                                           line is read only when the ring looks full */
    _Alignas(64) atomic_size_t tail;    /* written by the consumer */
    _Alignas(64) struct ns_rec *slot;   /* REC_RING */
};

/* A worker whose ring is empty: the reader is the slower side, so the ring fills again
 * at its pace; a nap of a millisecond (the ring holds several) costs no throughput and saves
 * the thousands of sleeps and wake-ups, each a context switch, that short naps cost. */
static inline void nap(unsigned *spins)
{
    if (++*spins < 16)
        return;
    struct timespec ts = { 0, 1000000 };
    nanosleep(&ts, NULL);
}

/* ---- one producer, one consumer: variable-size messages from a worker, 8-byte aligned,
 * never split at the end of the buffer (a PAD message fills the rest) */

struct msg_hdr {
    uint32_t len;               /* the whole message, header included, multiple of 8 */
    uint32_t type;
};

/* A frame's messages: MSG_NEW and MSG_END while it is analysed (flows its engine ends),
 * then one MSG_FRAME. A worker reports the flows it created (MSG_NEW) before any flow
 * ends, so the merger can hand ends to the sinks before the frame message is written:
 * one frame can end more flows (an idle sweep) than the ring holds. */
enum { MSG_PAD = 1, MSG_FRAME, MSG_END, MSG_NEW, MSG_DONE };

/* Flows, address pairs, TCP and UDP streams a worker created since its last report. */
struct new_counts {
    uint32_t flows, pairs, streams[2];
};

struct byte_ring {
    _Alignas(64) atomic_size_t head;
    size_t head_local;                  /* the producer's: written, maybe not published */
    unsigned unpublished;               /* messages since the last publication */
    size_t tail_seen;                   /* the producer's last look at tail */
    _Alignas(64) atomic_size_t tail;
    size_t head_seen;                   /* the consumer's last look at head */
    _Alignas(64) uint8_t *buf;          /* BYTE_RING */
};

/* What a worker tells about one frame. Written field by field, never cleared whole: the
 * merger reads the addresses only when has_anom, has_quote or host_af say so, so a common
 * frame's message is its first 72 bytes. */
struct frame_msg {
    struct new_counts created;  /* while it was analysed, after the last MSG_NEW */
    uint32_t active;            /* the worker's live flows after it */
    uint32_t text_len;
    uint16_t npatch;
    uint8_t match;              /* passes -Y */
    uint8_t printed;            /* the output counted it as a printed frame */
    uint8_t has_anom, has_quote, host_af;
    uint8_t anom_af, anom_proto, tcp_flags, icmp_type, icmp_code;
    uint16_t sport, dport;
    uint8_t src[16], dst[16];
    /* has_quote */
    uint8_t q_af, q_proto;
    uint16_t q_sport, q_dport;
    uint8_t q_src[16], q_dst[16];
    /* host_af */
    uint8_t host_src[16], host_dst[16];
    /* then npatch struct ns_output_patch, then text_len bytes */
};

/* A flow that ended in a worker, with what the sinks read. */
struct end_msg {
    struct ns_flow f;
    uint8_t why, has_tcp, has_hs, has_fc, has_zeek, is_pair;
    uint16_t dns_len, sni_len;  /* with a NUL after each, after the struct; 0xffff: none */
    struct ns_tcpa_conn tcp;
    struct ns_tcpa_hs hs;
    struct ns_tcpa_fc fc;
    struct ns_zeek zeek;
};

struct worker {
    struct pipeline *pl;
    unsigned idx;
    pthread_t th;
    bool started;
    /* its frames are analysed on the calling thread, between reads and merges (until the
     * end of the input: its thread then ends its flows): when its message ring is full,
     * the calling thread must make room itself, by merging */
    bool on_caller;
    struct rec_ring in;
    struct byte_ring out;
    struct ns_engine eng;
    FILE *text;                 /* fmemopen over textbuf */
    char *textbuf;
    struct ns_output o;
    struct ns_output_patches patches;
    uint64_t seen_flows, seen_pairs;
    uint32_t seen_streams[2];
    struct ns_reasm_stats reasm;    /* before fini clears them */
    bool failed;                /* a frame's output did not fit: the run stops */
    /* copied at start: main's engine and sinks share cache lines with what the merger
     * writes every frame, and reading them there would cost a miss per frame */
    bool detect, hosts;
    const struct ns_args *args;
    /* merger side: local number -> the run's (a cache line of its own: the merger
     * writes here every frame) */
    _Alignas(64) uint64_t *gflow;
    uint64_t *gpair;
    uint32_t *gstream[2];
    size_t nflow, npair, nstream[2], capflow, cappair, capstream[2];
    uint32_t active;
};

struct order_ent {
    struct ns_rec rec;
    unsigned w;
    /* the reader's section when it read the record: it has read on since, and the
     * writer copies interfaces and byte order from the record's own section */
    uint32_t section_first_if;
    bool swapped;
};

struct pipeline {
    struct ns_pipeline_io *io;
    const struct ns_args *a;
    unsigned n;
    struct ns_shard shard;      /* worker 0, on this thread, takes a smaller share */
    struct worker *w;
    int64_t first_ts;           /* written before the first record is queued */
    struct order_ent *order;
    size_t ohead, otail;
    /* the merger's numbering over the run */
    uint64_t next_flow, next_pair;
    uint32_t next_stream[2];
    uint64_t active, peak;
    struct ns_input *in;
    bool stop;                  /* a write error: read no more */
    bool oom;
    /* the map's pages faulted in ahead of the reader by idle workers (touch_ahead), away
     * from the fields the merger writes every frame */
    _Alignas(64) atomic_size_t read_off;
    atomic_size_t touch_off;
    uint64_t pairs_merged;      /* one pair counted by two workers (a tunnel's outer pair) */
};

/* Publishes what the producer wrote into worker w's message ring. */
static inline void ns_pipeline_out_flush(struct worker *w)
{
    if (w->out.unpublished != 0) {
        w->out.unpublished = 0;
        atomic_store_explicit(&w->out.head, w->out.head_local, memory_order_release);
    }
}

/* The worker engines' on_flow_end (arg: the struct worker). */
void ns_pipeline_flow_end(const struct ns_flow *f, enum ns_flow_end why, void *arg);
/* A worker thread (arg: the struct worker): its ring's records, then its flows' ends. */
void *ns_pipeline_worker(void *arg);
/* One record through worker w's engine, its messages into w's ring (the worker's thread,
 * or the calling thread for the worker that runs there). */
void ns_pipeline_worker_frame(struct worker *w, const struct ns_rec *rec);
/* The flows, pairs and streams w's engine created since its last report, taken; false
 * when none. */
bool ns_pipeline_take_new(struct worker *w, struct new_counts *c);
/* The calling thread's worker found its message ring full: merge, or hand the flow ends
 * of the frame it is analysing to the sinks now (cli/pipeline.c). */
void ns_pipeline_make_room(struct pipeline *pl, unsigned *spins);

#endif
