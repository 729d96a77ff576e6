#!/usr/bin/env python3
"""Check an ns-bench-gen capture against its truth file, with tshark as the judge.

usage: check_truth.py --gen PATH/ns-bench-gen     generate a small capture (pcap and
                                                  pcapng, fixed seed) in a temp dir, check it
       check_truth.py CAPTURE TRUTH.json          check an existing pair

What must hold (each failure is printed; exit 1 if any, 77 if tshark is missing):
  - tshark counts the truth's packets, TCP and UDP conversations (-z conv,tcp / conv,udp);
  - timestamps strictly increase; every IP/TCP/UDP/ICMP checksum verifies; nothing is
    malformed;
  - the frames tshark flags under tcp.analysis are exactly the injected events with the
    kind the truth gives, plus the frames that follow from them (duplicate ACKs before a
    fast retransmission, "previous segment not captured" before an out-of-order segment,
    the window update after a zero window, the ACK of a keep-alive) and nothing else;
  - every DNS flow has its QNAME, every TLS flow its SNI, once per flow;
  - the attacks are where the truth says, with the counts and time spans it claims.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

SKIP = 77

# tcp.analysis fields we read, in -e order.
FLAGS = ["retransmission", "fast_retransmission", "out_of_order", "spurious_retransmission",
         "zero_window", "zero_window_probe", "zero_window_probe_ack", "keep_alive",
         "keep_alive_ack", "duplicate_ack", "window_update", "window_full", "lost_segment",
         "ack_lost_segment", "reused_ports"]

# For each event kind: the flags on the event frame, and the flags on its related frames.
EXPECT = {
    "retransmission": ({"retransmission"}, None),
    # Wireshark adds the plain retransmission item to a fast retransmission as well.
    "fast_retransmission": ({"fast_retransmission", "retransmission"},
                            ("duplicate_ack_frames", {"duplicate_ack"})),
    "out_of_order": ({"out_of_order"}, ("lost_segment_frames", {"lost_segment"})),
    "zero_window": ({"zero_window"}, ("window_update_frames", {"window_update"})),
    "keep_alive": ({"keep_alive"}, ("keep_alive_ack_frames", {"keep_alive_ack"})),
}


def tshark(*args):
    out = subprocess.run(["tshark", "-n", *args], check=True, capture_output=True, text=True)
    return out.stdout


def fields(cap, filt, names, extra=()):
    cmd = ["-r", cap, *extra, "-T", "fields", "-E", "occurrence=f"]
    if filt:
        cmd += ["-Y", filt]
    for n in names:
        cmd += ["-e", n]
    rows = tshark(*cmd).splitlines()
    return [r.split("\t") for r in rows if r]


class Expectations:
    """Prints each comparison and keeps the failed ones (tests/e2e/test_truth.py uses it too,
    with a name before each line)."""
    name = ""

    def __init__(self):
        self.failures = []

    def expect(self, what, got, want):
        self.check(what, got == want, f"got {got}, want {want}")

    def check(self, what, ok, detail=""):
        label = f"{self.name}: {what}" if self.name else what
        print(f"{'ok  ' if ok else 'FAIL'} {label}{': ' + detail if detail else ''}")
        if not ok:
            self.failures.append(label)


class Checker(Expectations):
    def __init__(self, cap, truth):
        super().__init__()
        self.cap = cap
        self.truth = truth

    def conversations(self):
        out = tshark("-r", self.cap, "-q", "-z", "conv,tcp", "-z", "conv,udp")
        tcp, udp, section = 0, 0, None
        for line in out.splitlines():
            if line.startswith("TCP Conversations"):
                section = "tcp"
            elif line.startswith("UDP Conversations"):
                section = "udp"
            elif "<->" in line:
                tcp += section == "tcp"
                udp += section == "udp"
        conv = self.truth["conversations"]
        self.expect("tcp conversations", tcp, conv["tcp"])
        self.expect("udp conversations", udp, conv["udp"])

    def frames(self):
        rows = fields(self.cap, None, ["frame.time_epoch"])
        self.expect("packets", len(rows), self.truth["packets"])
        # Compare as integer microseconds: floats of 1.7e9 s lose the last digit.
        stamps = [int(r[0].replace(".", "")[:16]) for r in rows]
        bad = sum(1 for a, b in zip(stamps, stamps[1:]) if b <= a)
        self.expect("timestamps not strictly increasing", bad, 0)

    def checksums(self):
        opts = []
        for p in ("ip", "tcp", "udp"):
            opts += ["-o", f"{p}.check_checksum:TRUE"]
        bad = ("ip.checksum.status==0 || tcp.checksum.status==0 || udp.checksum.status==0"
               " || icmp.checksum.status==0 || icmpv6.checksum.status==0")
        self.expect("bad checksums", len(fields(self.cap, bad, ["frame.number"], opts)), 0)
        good = len(fields(self.cap, "tcp.checksum.status==1 || udp.checksum.status==1",
                          ["frame.number"], opts))
        l4 = len(fields(self.cap, "tcp || udp", ["frame.number"]))
        self.expect("verified TCP/UDP checksums", good, l4)
        self.expect("malformed frames", len(fields(self.cap, "_ws.malformed", ["frame.number"])), 0)

    def analysis(self):
        want = {}
        for ev in self.truth["events"]:
            main, rel = EXPECT[ev["kind"]]
            want.setdefault(ev["frame"], set()).update(main)
            if rel:
                frames = ev[rel[0]]
                for f in frames:
                    want.setdefault(f, set()).update(rel[1])
        got = {}
        names = ["frame.number"] + [f"tcp.analysis.{f}" for f in FLAGS]
        for row in fields(self.cap, "tcp.analysis.flags", names):
            got[int(row[0])] = {FLAGS[i] for i, v in enumerate(row[1:]) if v}
        missing = {f: want[f] - got.get(f, set()) for f in want if want[f] - got.get(f, set())}
        extra = {f: got[f] - want.get(f, set()) for f in got if got[f] - want.get(f, set())}
        for f in sorted(missing)[:10]:
            print(f"     frame {f}: truth says {sorted(want[f])}, tshark {sorted(got.get(f, []))}")
        for f in sorted(extra)[:10]:
            print(f"     frame {f}: tshark flags {sorted(got[f])}, truth {sorted(want.get(f, []))}")
        self.expect("injected TCP events tshark misses", len(missing), 0)
        self.expect("tcp.analysis flags the truth does not explain", len(extra), 0)
        kinds = {}
        for ev in self.truth["events"]:
            kinds[ev["kind"]] = kinds.get(ev["kind"], 0) + 1
        print(f"     events checked: {kinds}, flagged frames: {len(got)}")

    def apps(self):
        flows = self.truth["flows"]
        q = fields(self.cap, "dns.flags.response==0", ["dns.qry.name"])
        self.expect("distinct DNS query names", len({r[0] for r in q}), flows["dns"])
        s = fields(self.cap, "tls.handshake.type==1", ["tls.handshake.extensions_server_name"])
        self.expect("TLS ClientHellos with SNI", len([r for r in s if r[0]]), flows["tls"])
        self.expect("distinct SNIs", len({r[0] for r in s}), flows["tls"])

    def attacks(self):
        for a in self.truth["attacks"]:
            lo, hi = a["first_frame"], a["last_frame"]
            rng = f"frame.number>={lo} && frame.number<={hi}"
            if a["kind"] == "syn_flood":
                ip, port = a["target"].split(":")
                filt = f"{rng} && ip.dst=={ip} && tcp.dstport=={port} && tcp.flags==0x002"
                rows = fields(self.cap, filt, ["ip.src", "frame.time_epoch"])
                srcs = {r[0] for r in rows if r[0].startswith("100.")}
                self.expect("syn flood SYNs from distinct spoofed sources", len(srcs), a["count"])
                answered = fields(self.cap, f"ip.src=={ip} && tcp.srcport=={port} && "
                                  f"tcp.flags.syn==1 && tcp.flags.ack==1 && ip.dst==100.64.0.0/10",
                                  ["frame.number"])
                self.expect("syn flood SYNs answered", len(answered), 0)
            elif a["kind"] == "port_scan":
                src = a["sources"][0]
                filt = f"{rng} && ip.src=={src} && ip.dst=={a['target']} && tcp.flags==0x002"
                rows = fields(self.cap, filt, ["tcp.dstport", "frame.time_epoch"])
                self.expect("port scan distinct ports", len({r[0] for r in rows}), a["count"])
                rst = fields(self.cap, f"{rng} && ip.src=={a['target']} && tcp.flags==0x014",
                             ["frame.number"])
                self.expect("port scan RST/ACK answers", len(rst), a["count"])
            else:
                src = a["sources"][0]
                filt = f"{rng} && ip.src=={src} && tcp.dstport==22 && tcp.flags==0x002"
                rows = fields(self.cap, filt, ["ip.dst", "frame.time_epoch"])
                self.expect("horizontal scan distinct hosts", len({r[0] for r in rows}), a["count"])
            span = float(rows[-1][1]) - float(rows[0][1]) if rows else -1
            limit = {"syn_flood": 2.0, "port_scan": 5.0}.get(a["kind"], 10.0)
            self.expect(f"{a['kind']} within {limit} s", 0 <= span < limit, True)

    def run(self):
        print(f"checking {self.cap}")
        self.frames()
        self.conversations()
        self.checksums()
        self.analysis()
        self.apps()
        self.attacks()
        return not self.failures


def generate(gen, tmp, fmt):
    cap = os.path.join(tmp, f"check.{fmt}")
    truth = os.path.join(tmp, f"check-{fmt}.json")
    subprocess.run([gen, "--seed", "42", "--packets", "20000", "--flows", "200",
                    "--format", fmt, "--out", cap, "--truth", truth], check=True)
    return cap, truth


def main(argv):
    if not shutil.which("tshark"):
        print("tshark not found: skipping")
        return SKIP
    if len(argv) == 3 and argv[1] == "--gen":
        with tempfile.TemporaryDirectory() as tmp:
            ok = True
            for fmt in ("pcap", "pcapng"):
                cap, truth = generate(argv[2], tmp, fmt)
                with open(truth) as f:
                    ok &= Checker(cap, json.load(f)).run()
            return 0 if ok else 1
    if len(argv) == 3:
        with open(argv[2]) as f:
            return 0 if Checker(argv[1], json.load(f)).run() else 1
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
