#!/usr/bin/env python3
"""tcp_diff: differential test of netscope's TCP sequence analysis against tshark.

Writes seeded, deterministic pcaps of small TCP conversations (hand-made scenarios for each
rule of Wireshark's tcp_analyze_sequence_number(), plus random walks over the same events),
runs tshark and netscope on them with the same -T fields command line and compares, frame by
frame and field by field: tcp.seq tcp.ack tcp.nxtseq tcp.len tcp.window_size
tcp.window_size_scalefactor tcp.stream and every tcp.analysis.* field `netscope -G fields`
lists. The same comparison runs over /work/shared/captures/real (or --real DIR) when present.

Prints a per-field agreement table and the first mismatches (capture, frame, scenario).
Exit: 0 all agree, 1 some differ, 77 tshark is not installed (skip).
Python 3 standard library only.
"""
import argparse
import glob
import os
import random
import shutil
import struct
import subprocess
import sys
import tempfile

BASE_FIELDS = ["tcp.stream", "tcp.len", "tcp.seq", "tcp.ack", "tcp.nxtseq", "tcp.window_size",
               "tcp.window_size_scalefactor"]

# TCP flag bits
FIN, SYN, RST, PSH, ACK, URG = 0x01, 0x02, 0x04, 0x08, 0x10, 0x20
M32 = 0xFFFFFFFF


# ---------------------------------------------------------------------------------- pcap writing
def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def tcp_options(mss=None, ws=None, sack_perm=False, ts=None, sack=()):
    o = b""
    if mss is not None:
        o += struct.pack("!BBH", 2, 4, mss)
    if sack_perm:
        o += b"\x01\x01\x04\x02"
    if ts is not None:
        o += b"\x01\x01" + struct.pack("!BBII", 8, 10, ts[0] & M32, ts[1] & M32)
    if ws is not None:
        o += b"\x01" + struct.pack("!BBB", 3, 3, ws)
    if sack:
        o += b"\x01\x01" + struct.pack("!BB", 5, 2 + 8 * len(sack))
        for l, r in sack:
            o += struct.pack("!II", l & M32, r & M32)
    while len(o) % 4:
        o += b"\x00"
    return o


def packet(v6, src, dst, sport, dport, seq, ack, flags, win, payload, opts):
    hl = 20 + len(opts)
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq & M32, ack & M32, (hl // 4) << 4,
                      flags & 0xFF, win & 0xFFFF, 0, 0) + opts + payload
    if v6:
        pseudo = src + dst + struct.pack("!IxxxB", len(tcp), 6)
    else:
        pseudo = src + dst + struct.pack("!xBH", 6, len(tcp))
    c = csum(pseudo + tcp)
    tcp = tcp[:16] + struct.pack("!H", c) + tcp[18:]
    if v6:
        ip = struct.pack("!IHBB", 6 << 28, len(tcp), 6, 64) + src + dst
        etype = 0x86DD
    else:
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 0, 0x4000, 64, 6, 0, src, dst)
        ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
        etype = 0x0800
    eth = b"\x02\0\0\0\0\x02" + b"\x02\0\0\0\0\x01" + struct.pack("!H", etype)
    return eth + ip + tcp


class Capture:
    """Frames in capture order; times in microseconds."""

    def __init__(self):
        self.frames = []            # (t_us, bytes)
        self.scenario = []          # scenario name per frame

    def write(self, path):
        with open(path, "wb") as f:
            f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
            for t, b in self.frames:
                f.write(struct.pack("<IIII", t // 1000000, t % 1000000, len(b), len(b)))
                f.write(b)


class Conv:
    """One TCP connection between A (dir 0) and B (dir 1). nxt[d] is the next sequence
    number d sends, rcv[d] what d acknowledges; helpers keep them natural, scenarios bend them."""

    T = [1000000]   # shared clock, microseconds

    def __init__(self, cap, name, sport, dport, v6=False, isn=(1000, 5000), ts_opt=False):
        self.cap, self.name, self.v6 = cap, name, v6
        n = len(cap.frames) // 3 % 250 + 1
        if v6:
            self.addr = [bytes.fromhex("20010db8000000000000000000%06x" % (0x100 + n)),
                         bytes.fromhex("20010db8000000000000000000%06x" % (0x200 + n))]
        else:
            self.addr = [bytes([10, 1, (n >> 8) & 255, n]), bytes([10, 2, (n >> 8) & 255, n])]
        self.port = [sport, dport]
        self.nxt = [isn[0] & M32, isn[1] & M32]
        self.rcv = [0, 0]
        self.win = [65535, 65535]
        self.ts_opt = ts_opt
        self.tsval = [100000, 200000]
        self.hist = [[], []]        # (seq, len, flags) sent per direction

    def send(self, d, flags, seq=None, ack=None, win=None, plen=0, opts=b"", dt=1000, adv=True,
             keep_ack=False, tsback=False):
        """Emit one segment from d after dt microseconds (dt may be negative)."""
        Conv.T[0] += dt
        if seq is None:
            seq = self.nxt[d]
        if ack is None:
            ack = self.rcv[d] if (flags & ACK) else 0
        if win is None:
            win = self.win[d]
        if self.ts_opt and not opts:
            self.tsval[d] += -5 if tsback else 3
            opts = tcp_options(ts=(self.tsval[d], self.tsval[1 - d]))
        b = packet(self.v6, self.addr[d], self.addr[1 - d], self.port[d], self.port[1 - d],
                   seq, ack, flags, win, b"\x00" * plen, opts)
        self.cap.frames.append((Conv.T[0], b))
        self.cap.scenario.append(self.name)
        self.hist[d].append((seq & M32, plen, flags))
        if adv:
            end = (seq + plen + (1 if flags & (SYN | FIN) else 0)) & M32
            if ((end - self.nxt[d]) & M32) < 0x80000000:
                self.nxt[d] = end
        return seq

    # the natural steps
    def handshake(self, ws=(7, 7), mss=1460, sack=False, dt=(1000, 20000, 20000)):
        a, b = ws
        self.send(0, SYN, opts=tcp_options(mss=mss, ws=a, sack_perm=sack,
                                           ts=(1, 0) if self.ts_opt else None), dt=dt[0])
        self.rcv[1] = self.nxt[0]
        self.send(1, SYN | ACK, opts=tcp_options(mss=mss, ws=b, sack_perm=sack,
                                                 ts=(2, 1) if self.ts_opt else None), dt=dt[1])
        self.rcv[0] = self.nxt[1]
        self.send(0, ACK, dt=dt[2])

    def data(self, d, n, dt=1000, flags=ACK | PSH, **kw):
        s = self.send(d, flags, plen=n, dt=dt, **kw)
        return s

    def ack(self, d, upto=None, dt=1000, **kw):
        self.rcv[d] = self.nxt[1 - d] if upto is None else upto & M32
        return self.send(d, ACK, dt=dt, **kw)

    def skip(self, d, n):
        """A segment of n bytes that the capture misses."""
        self.nxt[d] = (self.nxt[d] + n) & M32

    def fin(self, d, dt=1000):
        self.send(d, FIN | ACK, dt=dt)

    def close(self, dt=1000):
        self.fin(0, dt)
        self.rcv[1] = self.nxt[0]
        self.fin(1, dt)
        self.rcv[0] = self.nxt[1]
        self.ack(0, dt=dt)


# --------------------------------------------------------------------------------- the scenarios
def scenarios(cap, rng):
    """Hand-made conversations, one per rule or edge (name: what it exercises)."""
    port = [30000]

    def conv(name, **kw):
        port[0] += 1
        return Conv(cap, name, port[0], 20000 + port[0] % 7000, **kw)

    # plain exchange with window scaling; partial ACKs
    c = conv("basic-ws")
    c.handshake(ws=(7, 7))
    c.data(0, 100); c.ack(1); c.data(1, 300); c.data(1, 300); c.ack(0, upto=c.nxt[1] - 300)
    c.ack(0); c.data(0, 1460); c.data(0, 1460); c.ack(1, upto=c.nxt[0] - 500); c.ack(1)
    c.close()

    c = conv("no-ws")
    c.handshake(ws=(None, None))
    c.data(0, 10); c.data(1, 10); c.ack(0); c.close()

    c = conv("syn-nows-synack-ws")
    c.handshake(ws=(None, 7))
    c.data(0, 10); c.ack(1); c.data(1, 10); c.ack(0); c.close()

    c = conv("syn-ws-synack-nows")
    c.handshake(ws=(5, None))
    c.data(0, 10); c.ack(1); c.data(1, 10); c.ack(0); c.close()

    c = conv("ws-over-14")
    c.handshake(ws=(15, 20))
    c.win = [3, 2]
    c.data(0, 10); c.ack(1); c.data(1, 10); c.ack(0); c.close()

    c = conv("ws-zero")
    c.handshake(ws=(0, 0))
    c.data(0, 10); c.ack(1); c.close()

    c = conv("ws-14")
    c.handshake(ws=(14, 1))
    c.win = [4, 1000]
    c.data(0, 10); c.ack(1); c.data(1, 10); c.ack(0); c.close()

    # midstream: first segment data, other direction ACK only
    c = conv("midstream", isn=(123456, 654321))
    c.rcv = [c.nxt[1], c.nxt[0]]
    c.data(0, 100); c.ack(1); c.data(1, 50); c.ack(0); c.data(0, 100); c.ack(1); c.close()

    c = conv("midstream-ack-first", isn=(777, 888))
    c.rcv = [c.nxt[1], c.nxt[0]]
    c.ack(1); c.data(0, 100); c.ack(1); c.data(1, 10); c.ack(0)

    # one-sided capture: only A's side
    c = conv("one-sided-a")
    c.rcv[0] = c.nxt[1]
    c.send(0, SYN, opts=tcp_options(mss=1460, ws=2))
    c.nxt[1] = (c.nxt[1] + 1) & M32
    c.rcv[0] = c.nxt[1]
    c.send(0, ACK, dt=30000)
    for i in range(6):
        c.data(0, 500)
        c.rcv[0] = (c.rcv[0] + 20) & M32
    c.data(0, 500, dt=300000)
    c.send(0, ACK | PSH, seq=c.hist[0][-1][0], plen=500, dt=200000)
    c.fin(0)

    # one-sided: only B's side (server replies, client never seen)
    c = conv("one-sided-b")
    c.rcv[1] = (c.nxt[0] + 1) & M32
    c.send(1, SYN | ACK, opts=tcp_options(mss=1460, ws=3))
    for i in range(5):
        c.data(1, 1000)
        c.rcv[1] = (c.rcv[1] + 7) & M32
    c.data(1, 1000, seq=c.hist[1][-2][0], adv=False, dt=400000)
    c.fin(1)

    # retransmissions: after long and short delays
    c = conv("retrans-long")
    c.handshake()
    c.data(0, 500); c.data(0, 500, dt=200000, seq=c.hist[0][-1][0], adv=False)
    c.ack(1); c.data(0, 500); c.data(0, 500)
    c.data(0, 500, dt=5000, seq=c.hist[0][-2][0], adv=False)
    c.ack(1); c.close()

    c = conv("retrans-short-irtt")
    c.handshake(dt=(1000, 50000, 50000))
    c.data(0, 500); c.data(0, 500)
    c.data(0, 500, dt=2000, seq=c.hist[0][-2][0], adv=False)     # within iRTT: out-of-order
    c.data(0, 500, dt=80000, seq=c.hist[0][-3][0], adv=False)    # after iRTT: retransmission
    c.ack(1); c.close()

    # fast retransmission: 2 and 3 dup ACKs, within and after 20 ms
    for ndup, gap in ((2, 5000), (3, 5000), (3, 30000), (1, 5000), (2, 19999), (2, 20001)):
        c = conv("fast-rt-%ddup-%dus" % (ndup, gap))
        c.handshake()
        c.data(0, 1000); c.skip(0, 1000); c.data(0, 1000); c.data(0, 1000)
        lost = (c.nxt[0] - 3000) & M32
        c.ack(1, upto=lost)
        for i in range(ndup):
            c.ack(1, upto=lost, opts=tcp_options(sack=[(lost + 1000, c.nxt[0])]))
        c.data(0, 1000, seq=lost, adv=False, dt=gap)
        c.ack(1); c.close()

    # spurious retransmission
    c = conv("spurious")
    c.handshake()
    c.data(0, 300); c.data(0, 300); c.ack(1)
    c.data(0, 300, seq=c.hist[0][-2][0], adv=False, dt=300000)
    c.data(0, 200, seq=c.hist[0][-3][0] + 100, adv=False)
    c.ack(1); c.close()

    # out-of-order without a handshake: the 3 ms rule
    for gap in (1000, 2999, 3001, 10000):
        c = conv("ooo-nohs-%dus" % gap)
        c.rcv = [c.nxt[1], c.nxt[0]]
        s1 = c.nxt[0]
        c.skip(0, 400)
        c.data(0, 400)
        c.data(0, 400, seq=s1, adv=False, dt=gap)
        c.ack(1); c.data(1, 100); c.ack(0)

    # lost segments and ACKs of unseen data
    c = conv("lost-and-ackunseen")
    c.handshake()
    c.data(0, 100); c.skip(0, 100); c.data(0, 100); c.ack(1)
    c.skip(1, 50); c.ack(0); c.data(1, 50); c.ack(0)
    c.ack(0); c.ack(0)                     # again: said once until the other side moves
    c.data(0, 10); c.ack(1); c.skip(1, 20); c.ack(0); c.data(1, 5); c.ack(0); c.close()

    c = conv("ack-unseen-midstream")
    c.rcv = [c.nxt[1], c.nxt[0]]
    c.data(0, 100); c.ack(1, upto=c.nxt[0] + 500); c.data(0, 100); c.ack(1); c.ack(1)

    # zero window, probes, probe ACKs, window update
    c = conv("zero-window")
    c.handshake(ws=(2, 2))
    c.data(0, 1000); c.data(0, 1000)
    c.win[1] = 0
    c.ack(1)
    c.data(0, 1, dt=200000)               # probe
    c.ack(1, upto=c.hist[0][-1][0])       # probe ack (seq not advanced by the probe)
    c.nxt[0] = c.hist[0][-1][0]
    c.data(0, 1, dt=400000)
    c.rcv[1] = c.hist[0][-1][0]
    c.send(1, ACK, dt=1000)
    c.nxt[0] = c.hist[0][-1][0]
    c.win[1] = 4000
    c.send(1, ACK, dt=100000)             # window update
    c.data(0, 1000); c.data(0, 1000); c.ack(1); c.close()

    c = conv("zero-window-probe-with-data")
    c.handshake(ws=(None, None))
    c.data(0, 500)
    c.win[1] = 0
    c.ack(1)
    c.data(0, 1, dt=50000)
    c.data(0, 500, seq=c.nxt[0] - 1, adv=False, dt=50000)  # probe byte plus new data
    c.nxt[0] = (c.nxt[0] + 499) & M32
    c.win[1] = 8000
    c.ack(1); c.close()

    # window full
    c = conv("window-full")
    c.handshake(ws=(None, None))
    c.win[1] = 3000
    c.ack(1, dt=500)
    c.data(0, 1000); c.data(0, 1000); c.data(0, 1000); c.ack(1); c.close()

    c = conv("window-full-scaled")
    c.handshake(ws=(3, 3))
    c.win[1] = 250
    c.ack(1)
    c.data(0, 1000); c.data(0, 1000); c.ack(1); c.close()

    # window updates
    c = conv("window-update")
    c.handshake()
    c.data(0, 100); c.ack(1); c.win[1] = 1000; c.ack(1); c.win[1] = 2000; c.ack(1)
    c.ack(1); c.close()

    # keep-alives (0 and 1 byte) and their ACKs
    for n in (0, 1):
        c = conv("keepalive-%d" % n)
        c.handshake()
        c.data(0, 100); c.ack(1)
        c.data(0, n, seq=c.nxt[0] - 1, adv=False, dt=60000000, flags=ACK)
        c.ack(1)
        c.data(0, n, seq=c.nxt[0] - 1, adv=False, dt=60000000, flags=ACK)
        c.ack(1)
        c.data(1, 0, seq=c.nxt[1] - 1, adv=False, dt=1000, flags=ACK)
        c.ack(0); c.close()

    # RSTs with odd sequence numbers
    for name, off, flags in (("rst-inwindow", 0, RST | ACK), ("rst-ahead", 1000, RST),
                             ("rst-behind", -500, RST | ACK), ("rst-zero", None, RST)):
        c = conv(name)
        c.handshake()
        c.data(0, 200); c.ack(1); c.data(1, 300)
        seq = 0 if off is None else (c.nxt[0] + off) & M32
        c.send(0, flags, seq=seq, ack=c.nxt[1] if flags & ACK else 0, adv=False)
        c.data(1, 300); c.ack(0)

    c = conv("rst-with-data")
    c.handshake()
    c.data(0, 100); c.send(0, RST | ACK, plen=10); c.data(0, 10); c.ack(1)

    # FIN/SYN consume one number; FIN retransmitted; data after FIN
    c = conv("fin-retrans")
    c.handshake()
    c.data(0, 100); c.ack(1)
    c.fin(0); c.send(0, FIN | ACK, seq=c.hist[0][-1][0], adv=False, dt=300000)
    c.rcv[1] = c.nxt[0]; c.ack(1); c.fin(1); c.rcv[0] = c.nxt[1]; c.ack(0)

    c = conv("syn-retrans")
    c.send(0, SYN, opts=tcp_options(mss=1460, ws=6))
    c.send(0, SYN, seq=c.hist[0][-1][0], opts=tcp_options(mss=1460, ws=6), adv=False, dt=1000000)
    c.rcv[1] = c.nxt[0]
    c.send(1, SYN | ACK, opts=tcp_options(mss=1460, ws=6))
    c.send(1, SYN | ACK, seq=c.hist[1][-1][0], opts=tcp_options(mss=1460, ws=6), adv=False,
           dt=1000000)
    c.rcv[0] = c.nxt[1]
    c.ack(0); c.data(0, 10); c.ack(1); c.close()

    c = conv("fin-with-data")
    c.handshake()
    c.data(0, 100, flags=ACK | PSH | FIN); c.ack(1); c.fin(1); c.rcv[0] = c.nxt[1]; c.ack(0)

    # sequence wraparound at 2^32
    c = conv("wrap", isn=(M32 - 1500, M32 - 10))
    c.handshake()
    for i in range(4):
        c.data(0, 600); c.data(1, 7)
        c.ack(1); c.ack(0)
    c.data(0, 600); c.data(0, 600, seq=c.hist[0][-1][0], adv=False, dt=300000); c.ack(1)
    c.close()

    c = conv("wrap-midstream", isn=(M32, 0))
    c.rcv = [c.nxt[1], c.nxt[0]]
    c.data(0, 100); c.ack(1); c.data(0, 100); c.ack(1)

    c = conv("isn-zero", isn=(0, M32))
    c.handshake()
    c.data(0, 10); c.ack(1); c.data(1, 10); c.ack(0); c.close()

    # port reuse: new SYN with a new ISN after close; SYN/ACK with a new ISN
    c = conv("reuse-after-close")
    c.handshake(); c.data(0, 100); c.ack(1); c.close()
    c.nxt = [(c.nxt[0] + 100000) & M32, (c.nxt[1] + 99999) & M32]
    c.handshake(dt=(2000000, 1000, 1000)); c.data(0, 10); c.ack(1); c.close()

    c = conv("reuse-after-rst")
    c.handshake(); c.data(0, 100); c.send(1, RST | ACK, ack=c.nxt[0])
    c.nxt = [(c.nxt[0] - 5000) & M32, (c.nxt[1] + 31) & M32]
    c.handshake(dt=(1000, 1000, 1000)); c.data(0, 10); c.ack(1); c.close()

    c = conv("reuse-synack-new-isn")
    c.handshake(); c.data(0, 100); c.ack(1)
    c.send(0, SYN, seq=c.hist[0][0][0], opts=tcp_options(mss=1460, ws=7), adv=False, dt=500000)
    c.nxt[1] = (c.nxt[1] + 77777) & M32
    c.rcv[1] = (c.hist[0][0][0] + 1) & M32
    c.send(1, SYN | ACK, opts=tcp_options(mss=1460, ws=7), dt=1000)
    c.rcv[0] = c.nxt[1]
    c.data(0, 10); c.ack(1)

    c = conv("reuse-no-fin")
    c.handshake(); c.data(0, 100); c.ack(1)
    c.nxt = [(c.nxt[0] + 400000) & M32, (c.nxt[1] + 12345) & M32]
    c.handshake(dt=(5000000, 1000, 1000)); c.data(0, 10); c.ack(1)

    # timestamps going backwards (pcap time), TCP timestamps going backwards
    c = conv("time-backwards", ts_opt=True)
    c.handshake()
    c.data(0, 100); c.data(0, 100, dt=-5000); c.ack(1, dt=-200); c.data(0, 100, dt=-3000)
    c.data(0, 100, seq=c.hist[0][-2][0], adv=False, dt=-100); c.ack(1, dt=-1); c.close()

    c = conv("tsval-backwards", ts_opt=True)
    c.handshake()
    c.data(0, 100); c.data(0, 100, tsback=True); c.ack(1, tsback=True); c.close()

    # duplicate frames (the same segment twice, 0 and some microseconds apart)
    c = conv("duplicate-frames")
    c.handshake()
    for dt in (0, 3, 50):
        c.data(0, 100)
        cap.frames.append((Conv.T[0] + dt, cap.frames[-1][1])); cap.scenario.append(c.name)
        Conv.T[0] += dt
        c.ack(1)
        cap.frames.append((Conv.T[0] + dt, cap.frames[-1][1])); cap.scenario.append(c.name)
        Conv.T[0] += dt
    c.close()

    # IPv6
    c = conv("ipv6", v6=True)
    c.handshake(ws=(8, 3))
    c.data(0, 1000); c.skip(0, 1000); c.data(0, 1000); c.ack(1, upto=c.nxt[0] - 2000)
    c.ack(1, upto=c.nxt[0] - 2000); c.ack(1, upto=c.nxt[0] - 2000)
    c.data(0, 1000, seq=c.nxt[0] - 2000, adv=False, dt=2000); c.ack(1); c.close()

    # SACK-reported ranges and bytes in flight
    c = conv("sack-bif", ts_opt=False)
    c.handshake(sack=True)
    segs = []
    for i in range(6):
        segs.append(c.data(0, 1000, dt=100))
    base = segs[0]
    c.ack(1, upto=base + 1000)
    c.ack(1, upto=base + 1000, opts=tcp_options(sack=[(base + 2000, base + 3000)]))
    c.data(0, 1000, dt=100)
    c.ack(1, upto=base + 1000, opts=tcp_options(sack=[(base + 2000, base + 4000)]))
    c.data(0, 1000, dt=100)
    c.ack(1, upto=base + 1000, opts=tcp_options(sack=[(base + 2000, base + 4000),
                                                      (base + 5000, base + 6000)]))
    c.data(0, 1000, seq=base + 1000, adv=False, dt=1000)
    c.data(0, 500, dt=100)
    c.ack(1); c.close()

    # data both ways interleaved with piggybacked ACKs and delayed ACKs
    c = conv("bidir")
    c.handshake()
    for i in range(5):
        c.rcv[0] = c.nxt[1]
        c.data(0, 200 + i)
        c.rcv[1] = c.nxt[0]
        c.data(1, 700 - i)
    c.ack(0); c.ack(1); c.close()

    # ACK that covers several segments partially; then the rest
    c = conv("partial-acks")
    c.handshake()
    for i in range(4):
        c.data(0, 1000, dt=10)
    s = c.hist[0][-4][0]
    for upto in (s + 500, s + 1500, s + 2000, s + 3999, s + 4000):
        c.ack(1, upto=upto, dt=5000)
    c.close()

    # data beyond the handshake with an ACK field while ACK flag clear
    c = conv("ack-flag-clear")
    c.handshake()
    c.send(0, PSH, plen=50, ack=12345)
    c.ack(1); c.close()

    # SYN without ACK flag but odd ACK field; SYN/ACK only (no SYN seen)
    c = conv("synack-first")
    c.rcv[1] = (c.nxt[0] + 1) & M32
    c.send(1, SYN | ACK, opts=tcp_options(ws=4))
    c.nxt[0] = (c.nxt[0] + 1) & M32
    c.rcv[0] = c.nxt[1]
    c.ack(0); c.data(0, 10); c.ack(1); c.data(1, 10); c.ack(0)

    # a FIN answered, then keep-alive-like segments after the close
    c = conv("after-close")
    c.handshake(); c.close()
    c.send(0, ACK, seq=c.nxt[0] - 1, adv=False, dt=1000)
    c.send(1, ACK, dt=1000)

    # many dup acks with a window change in the middle
    c = conv("dupack-window-change")
    c.handshake()
    c.data(0, 100); c.skip(0, 100); c.data(0, 100)
    lost = (c.nxt[0] - 200) & M32
    c.ack(1, upto=lost); c.ack(1, upto=lost); c.win[1] = 30000; c.ack(1, upto=lost)
    c.ack(1, upto=lost); c.ack(1, upto=lost)
    c.data(0, 100, seq=lost, adv=False); c.ack(1); c.close()


def random_conv(cap, rng, idx):
    """A random walk over the events the rules look at."""
    port = 40000 + idx
    isn = (rng.choice([rng.randrange(1 << 32), M32 - rng.randrange(5000), rng.randrange(3000)]),
           rng.choice([rng.randrange(1 << 32), M32 - rng.randrange(5000)]))
    c = Conv(cap, "random-%d" % idx, port, 1024 + (idx * 7) % 20000, v6=rng.random() < 0.25,
             isn=isn, ts_opt=rng.random() < 0.3)
    start = rng.random()
    if start < 0.6:
        ws = (rng.choice([None, 0, 2, 7, 14, 15]), rng.choice([None, 0, 3, 8, 14]))
        c.handshake(ws=ws, sack=rng.random() < 0.5,
                    dt=(rng.choice([1, 1000]), rng.choice([100, 3000, 60000]),
                        rng.choice([10, 3000, 60000])))
    elif start < 0.8:
        c.rcv = [c.nxt[1], c.nxt[0]]
    else:
        c.rcv = [c.nxt[1], c.nxt[0]]
        c.send(0, SYN, opts=tcp_options(mss=1460, ws=rng.choice([None, 5])))
        c.rcv[1] = c.nxt[0]
    one_sided = rng.random() < 0.1
    for step in range(rng.randrange(10, 60)):
        d = 0 if rng.random() < 0.65 else 1
        if one_sided:
            d = 0
        dt = rng.choice([0, 1, 50, 500, 1000, 2900, 3100, 15000, 25000, 100000, 400000])
        e = rng.random()
        if e < 0.30:
            n = rng.choice([1, 10, 100, 536, 1000, 1460, 1460, 1460])
            c.data(d, n, dt=dt)
        elif e < 0.45:
            if not one_sided:
                r = rng.random()
                upto = None
                if r < 0.2 and c.hist[1 - d]:
                    s, l, _ = rng.choice(c.hist[1 - d][-5:])
                    upto = (s + rng.randrange(l + 1)) & M32
                c.ack(1 - d if rng.random() < 0.2 else d, upto=upto, dt=dt)
        elif e < 0.52:
            c.skip(d, rng.choice([1, 100, 1460]))
        elif e < 0.62 and c.hist[d]:
            s, l, f = rng.choice(c.hist[d][-6:])
            if l or f & (SYN | FIN):
                c.send(d, f, seq=s, plen=l, adv=False, dt=dt,
                       opts=tcp_options(mss=1460) if f & SYN else b"")
        elif e < 0.68:
            # duplicate ACKs, maybe with SACK blocks
            k = rng.randrange(1, 5)
            for i in range(k):
                opts = b""
                if rng.random() < 0.5 and c.hist[1 - d]:
                    s, l, _ = c.hist[1 - d][-1]
                    opts = tcp_options(sack=[(s, s + l)])
                c.send(d, ACK, dt=rng.choice([1, 100, 5000]), opts=opts)
        elif e < 0.72:
            c.win[d] = rng.choice([0, 0, 1, 100, 4000, 65535])
            c.ack(d, dt=dt)
        elif e < 0.76:
            c.data(d, rng.choice([0, 1]), seq=c.nxt[d] - 1, adv=False, dt=dt, flags=ACK)
        elif e < 0.79:
            # zero-window probe or data into a small window
            c.data(d, 1, dt=dt, adv=rng.random() < 0.5)
        elif e < 0.81:
            c.send(d, RST | (ACK if rng.random() < 0.5 else 0),
                   seq=rng.choice([c.nxt[d], c.nxt[d] + 100, c.nxt[d] - 100, 0]), adv=False, dt=dt)
        elif e < 0.84:
            c.fin(d, dt=dt)
        elif e < 0.86 and cap.frames:
            t, b = cap.frames[-1]
            cap.frames.append((t + rng.choice([0, 1, 10]), b)); cap.scenario.append(c.name)
        elif e < 0.88:
            Conv.T[0] -= rng.choice([10, 1000, 100000])
        elif e < 0.90:
            # port reuse: a new SYN with a new ISN
            c.nxt = [(c.nxt[0] + rng.randrange(1, 1 << 31)) & M32, rng.randrange(1 << 32)]
            c.handshake(ws=(rng.choice([None, 7]), rng.choice([None, 7])), dt=(dt, 1000, 1000))
        elif e < 0.93:
            # reordering: send the next two segments swapped
            s = c.nxt[d]
            n1, n2 = rng.choice([100, 1460]), rng.choice([100, 1460])
            c.data(d, n2, seq=s + n1, adv=False, dt=dt)
            c.data(d, n1, seq=s, adv=False, dt=rng.choice([10, 1000, 5000]))
            c.nxt[d] = (s + n1 + n2) & M32
        else:
            c.ack(d, dt=dt)
    if rng.random() < 0.5:
        c.close()


def build(seed, nrandom):
    rng = random.Random(seed)
    Conv.T[0] = 1000000000 * 1000000 // 1000000
    cap = Capture()
    scenarios(cap, rng)
    hand = len(cap.frames)
    for i in range(nrandom):
        random_conv(cap, rng, i)
    return cap, hand


# ------------------------------------------------------------------------------- running & diffing
def tcp_fields(netscope):
    out = subprocess.run([netscope, "-G", "fields"], capture_output=True, text=True).stdout
    names = []
    for line in out.splitlines():
        p = line.split("\t")
        if len(p) > 2 and p[0] == "F" and p[2].startswith("tcp.analysis."):
            names.append(p[2])
    return BASE_FIELDS + names


def run_fields(argv, cap, fields, env=None):
    cmd = argv + ["-n", "-r", cap, "-T", "fields", "-E", "separator=/t", "-E", "occurrence=a",
                  "-E", "aggregator=,", "-e", "frame.number"]
    for f in fields:
        cmd += ["-e", f]
    p = subprocess.run(cmd, capture_output=True, text=True, env=env)
    rows = {}
    for line in p.stdout.splitlines():
        parts = line.split("\t")
        if len(parts) != len(fields) + 1 or not parts[0].isdigit():
            continue
        rows[int(parts[0])] = parts[1:]
    return rows, p.returncode, p.stderr


def compare(label, path, fields, netscope, tshark_env, stats, mismatches, scen=None):
    ts, _, _ = run_fields(["tshark"], path, fields, tshark_env)
    ns, rc, err = run_fields([netscope], path, fields)
    for num in sorted(ts):
        trow = ts[num]
        nrow = ns.get(num)
        for i, f in enumerate(fields):
            st = stats.setdefault(f, [0, 0])
            st[1] += 1
            nv = nrow[i] if nrow is not None else "<no frame>"
            if nv == trow[i]:
                st[0] += 1
            else:
                mismatches.setdefault(f, []).append(
                    (label, num, scen[num - 1] if scen and num <= len(scen) else "",
                     trow[i], nv))
    return len(ts), len(ns)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--netscope", default="build/netscope")
    ap.add_argument("--seed", type=int, default=20240601)
    ap.add_argument("--random", type=int, default=300, help="random conversations")
    ap.add_argument("--real", default="/work/shared/captures/real")
    ap.add_argument("--show", type=int, default=8, help="mismatches shown per field")
    ap.add_argument("--keep", help="write the generated pcap here")
    ap.add_argument("--no-real", action="store_true")
    ap.add_argument("--known", default=os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                    "tcp_diff_known.tsv"),
                    help="accepted differences: label TAB frame TAB field TAB reason")
    a = ap.parse_args()
    if shutil.which("tshark") is None:
        print("tcp_diff: tshark is not installed: skipped")
        return 77
    fields = tcp_fields(a.netscope)
    if len(fields) == len(BASE_FIELDS):
        print("tcp_diff: %s -G fields lists no tcp.analysis fields" % a.netscope)
        return 1
    tmp = tempfile.mkdtemp(prefix="tcpdiff")
    env = dict(os.environ, WIRESHARK_CONFIG_DIR=os.path.join(tmp, "wsconf"))
    os.mkdir(env["WIRESHARK_CONFIG_DIR"])
    try:
        cap, hand = build(a.seed, a.random)
        path = a.keep or os.path.join(tmp, "gen.pcap")
        cap.write(path)
        groups = []
        stats, mism = {}, {}
        nt, nn = compare("generated", path, fields, a.netscope, env, stats, mism, cap.scenario)
        groups.append(("generated (seed %d: %d hand-made frames, %d random conversations)"
                       % (a.seed, hand, a.random), stats, mism, nt, nn))
        if not a.no_real and os.path.isdir(a.real):
            rstats, rmism, rt, rn = {}, {}, 0, 0
            for p in sorted(glob.glob(os.path.join(a.real, "*.pcap*"))):
                t, n = compare(os.path.basename(p), p, fields, a.netscope, env, rstats, rmism)
                rt, rn = rt + t, rn + n
            groups.append(("real captures in %s" % a.real, rstats, rmism, rt, rn))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    known = {}
    if a.known and os.path.exists(a.known):
        with open(a.known) as f:
            for line in f:
                p = line.rstrip("\n").split("\t")
                if len(p) >= 4 and not line.startswith("#"):
                    known[(p[0], int(p[1]), p[2])] = p[3]
    ok = True
    for title, st, mm, nt, nn in groups:
        print("== %s: tshark %d frames, netscope %d" % (title, nt, nn))
        print("%-42s %10s %10s %8s" % ("field", "agree", "frames", "%"))
        for f in fields:
            g, n = st.get(f, [0, 0])
            print("%-42s %10d %10d %8s" % (f, g, n, "%.3f" % (100.0 * g / n) if n else "-"))
        for f in fields:
            if f in mm:
                new = [m for m in mm[f] if (m[0], m[1], f) not in known]
                ok = ok and not new
                print("-- %s: %d mismatches (%d known); first:" % (f, len(mm[f]), len(mm[f]) - len(new)))
                for lab, num, sc, tv, nv in mm[f][:a.show]:
                    why = known.get((lab, num, f))
                    print("   %s frame %d %s: tshark %r netscope %r%s" % (
                        lab, num, sc, tv, nv, " [known: %s]" % why if why else ""))
    print("tcp_diff: %s" % ("all fields agree (but the known differences)" if ok else "DIFFERENCES"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
