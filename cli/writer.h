/* cli/writer.h: -w FILE, -F pcap|pcapng, the -b ring buffer and the -a stop conditions.
 * In:     the frames main.c decided to write (those that pass -Y), with the reader they came
 *         from (interfaces, snaplens, time stamp resolutions, sections); several merged inputs
 *         (cli/inputs.h) instead give a map of output interface ids to (reader, interface):
 *         one section then holds every input's interfaces, under the ids mergecap gives.
 * Out:    pcapng (default): one SHB per input section, the input's interfaces under the same
 *         ids (link type, snaplen, if_name/if_description/if_os/if_hardware copied), EPBs
 *         with the original caplen, wirelen and time stamps (if_tsresol 9, or microseconds
 *         for interfaces that were microseconds), SPBs stay SPBs. pcap (-F pcap): one link
 *         type per file, else an error. pcapng custom blocks are not packets: not written,
 *         counted (ns_writer_close() reports how many).
 * Files:  a regular file is written under a temporary name beside it and renamed into place
 *         when it is complete (ring rotation, SIGHUP, end of the run): a crash never leaves
 *         half a file under a final name. "-" is stdout; devices and FIFOs are written
 *         in place. Ring files are named as dumpcap names them: out_00001_YYYYmmddHHMMSS.pcapng
 *         (local time of the file's first packet).
 * Owns:   one FILE at a time, and cfg.ring_files slots (16 bytes each) for files:N.
 * Errors: the first write error is kept; ns_writer_frame() then returns NS_WRITER_ERROR and
 *         ns_writer_close() reports it (one line) and removes the unfinished file.
 * Never:  needs libpcap; allocates per frame. */
#ifndef NS_CLI_WRITER_H
#define NS_CLI_WRITER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "../core/fields.h"
#include "../core/reader.h"
#include "../core/status.h"

enum ns_writer_format { NS_WRITER_PCAPNG = 0, NS_WRITER_PCAP };

#define NS_WRITER_MAX_RING_FILES 100000u    /* dumpcap's cap on -b files:N */

struct ns_writer_cfg {
    const char *path;           /* -w; NULL: no file (only the -a conditions apply) */
    enum ns_writer_format format;   /* -F */
    /* -b, 0 = unset: a new file after this many bytes (kB = 1000, as dumpcap), seconds of
     * packet time since the file's first packet, or packets; keep the last ring_files */
    uint64_t ring_bytes;
    int64_t ring_ns;
    uint64_t ring_packets;
    uint32_t ring_files;
    /* -a, 0 = unset: stop at a frame this far (packet time) from the run's first frame,
     * after this many bytes or packets written, after this many files */
    int64_t stop_ns;
    uint64_t stop_bytes;
    uint64_t stop_packets;
    uint32_t stop_files;
};

/* Several inputs merged into one stream (cli/inputs.h): output interface id k is interface
 * g of reader r, g counted over all of r's sections (a pcap file has one, 0). */
struct ns_writer_iface {
    const struct ns_reader *r;
    uint32_t g;
};
typedef const struct ns_writer_iface *(*ns_writer_iface_fn)(void *arg, uint32_t id);

/* What main.c does after handing a frame over. */
enum ns_writer_step {
    NS_WRITER_OK = 0,           /* written (or not a packet): go on */
    NS_WRITER_LAST,             /* written, and a stop condition is reached: stop after it */
    NS_WRITER_STOP,             /* not written: -a duration or files ended the run before it */
    NS_WRITER_ERROR,            /* writing failed: stop; ns_writer_close() says why */
};

struct ns_writer_ring {         /* a finished ring file, enough to rebuild its name */
    uint64_t number;
    int64_t ts_s;
};

struct ns_writer {
    struct ns_writer_cfg cfg;
    FILE *f;                    /* the file being written, NULL between files */
    int stdout_fd;              /* -w -: the real stdout (the text goes to stderr) */
    bool in_place;              /* "-", a device or a FIFO: no temporary file, no rotation */
    bool rotates;               /* -b given, or SIGHUP seen: names are numbered */
    bool failed;
    struct ns_err err;          /* the first error */
    char tmp[4200];             /* the temporary name of the file being written */
    char stem[4096], ext[64];   /* path split at its extension, for numbered names */
    uint64_t file_no;           /* 1-based number of the file being written (or last) */
    /* the file being written */
    uint64_t file_bytes, file_packets;
    int64_t file_first_ns;
    bool file_has_ts;
    bool file_pcap_hdr;         /* pcap header written */
    uint32_t file_linktype;     /* pcap: the file's link type */
    bool pcap_usec;             /* pcap: the file's time stamps are microseconds */
    int64_t section;            /* pcapng: the input section the output section mirrors; -2 none */
    uint32_t section_nif;       /* pcapng: IDBs written in the current output section */
    /* the whole run */
    uint64_t bytes, packets, files_done, skipped;
    int64_t last_flush_ns;
    struct ns_writer_ring *ring;    /* cfg.ring_files slots, oldest first */
    uint32_t nring;
    ns_writer_iface_fn iface_of;    /* merged inputs: one section, interfaces by this map */
    void *iface_arg;
};

/* -w, -F, -b and -a: opt is the letter, val its argument. 0, or -1 with err filled. */
int ns_writer_option(struct ns_writer_cfg *cfg, char opt, const char *val, struct ns_err *err);
/* After parsing: refuses combinations that cannot work (-b without -w, -b with -w -, ...). */
int ns_writer_check(const struct ns_writer_cfg *cfg, struct ns_err *err);

/* Creates the first (temporary) file so an unwritable place fails before reading. With
 * "-w -", moves stdout aside for the capture and points fd 1 at stderr: call before anything
 * is printed. 0, or -1 with err filled. */
int ns_writer_open(struct ns_writer *w, const struct ns_writer_cfg *cfg, struct ns_err *err);
/* Merged inputs: from now on a record's interface_id is an output interface id that
 * iface_of(arg, id) describes; the file has one section holding every interface. */
void ns_writer_use_ifaces(struct ns_writer *w, ns_writer_iface_fn iface_of, void *arg);
/* One frame that passed the filters; r is the reader it came from. */
enum ns_writer_step ns_writer_frame(struct ns_writer *w, const struct ns_reader *r,
                                    const struct ns_frame *f);
/* Completes the file being written (renamed into place), or removes it after an error or
 * when !ok.
 * Returns -1 with err filled when writing failed at any point; a note about pcapng custom
 * blocks that were not written goes to note (empty if none). */
int ns_writer_close(struct ns_writer *w, bool ok, struct ns_err *err, char *note, size_t note_cap);

/* SIGHUP handler: the next frame starts a new file (see docs/writing.md). */
void ns_writer_on_sighup(int sig);

#endif
