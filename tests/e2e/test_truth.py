#!/usr/bin/env python3
"""netscope against the ground truth of ns-bench-gen (no tshark needed).

usage: test_truth.py --netscope PATH/netscope --gen PATH/ns-bench-gen

A 20 000-packet capture with a fixed seed (pcap, and the same traffic as pcapng) and its
truth JSON are generated in a temp dir. What must hold, each failure printed:
  - netscope reads every packet; its -z conv,tcp and conv,udp tables have the truth's row
    counts (what tshark counts, bench/README.md);
  - the frames netscope flags under tcp.analysis.* are exactly the injected events with the
    kind the truth gives, plus the frames that follow from them (duplicate ACKs before a
    fast retransmission, "previous segment not captured" before an out-of-order segment,
    the window update after a zero window, the ACK of a keep-alive), and nothing else;
  - the SYN flood raises a syn_flood alert on its target, within its frames; the vertical
    scan a port_scan_vertical alert naming the truth's scanner and target host; the
    horizontal scan a port_scan_horizontal alert naming the scanner and port; no other
    alert is raised;
  - the benign-only variant (--no-attacks) raises no alert at all.
"""
import argparse
import ipaddress
import json
import os
import shutil
import subprocess
import sys
import tempfile

SEED = 7
PACKETS = 20000
FLOWS = 200

# The flags read and what each injected event must carry: the rules bench/check_truth.py
# holds tshark to, so netscope is held to the same ones.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "bench"))
from check_truth import EXPECT, FLAGS, Expectations  # noqa: E402


class Checker(Expectations):
    def __init__(self, ns, name):
        super().__init__()
        self.ns = ns
        self.name = name

    def run(self, *args):
        out = subprocess.run([self.ns, "-n", *args], capture_output=True, text=True)
        if out.returncode != 0:
            self.failures.append(f"{self.name}: netscope {' '.join(args)} exited {out.returncode}")
            print(f"FAIL {self.name}: netscope {' '.join(args)}: {out.stderr.strip()}")
        return out.stdout


def conversations(c, cap, truth):
    out = c.run("-r", cap, "-q", "-z", "conv,tcp", "-z", "conv,udp")
    tcp, udp, section = 0, 0, None
    for line in out.splitlines():
        if line.startswith("TCP Conversations"):
            section = "tcp"
        elif line.startswith("UDP Conversations"):
            section = "udp"
        elif "<->" in line:
            tcp += section == "tcp"
            udp += section == "udp"
    c.expect("tcp conversations", tcp, truth["conversations"]["tcp"])
    c.expect("udp conversations", udp, truth["conversations"]["udp"])


def analysis(c, cap, truth):
    args = ["-r", cap, "-T", "fields", "-e", "frame.number"]
    for f in FLAGS:
        args += ["-e", f"tcp.analysis.{f}"]
    rows = [r.split("\t") for r in c.run(*args).splitlines()]
    c.expect("packets", len(rows), truth["packets"])
    got = {}
    for r in rows:
        flags = {FLAGS[i] for i, v in enumerate(r[1:]) if v}
        if flags:
            got[int(r[0])] = flags
    want = {}
    for ev in truth["events"]:
        main, rel = EXPECT[ev["kind"]]
        want.setdefault(ev["frame"], set()).update(main)
        if rel:
            for f in ev[rel[0]]:
                want.setdefault(f, set()).update(rel[1])
    missing = sorted(f for f in want if f not in got)
    extra = sorted(f for f in got if f not in want)
    wrong = sorted(f for f in want if f in got and got[f] != want[f])
    c.expect("events in the truth", len(truth["events"]) > 0, True)
    c.expect("flagged frames", len(got), len(want))
    c.check("every event frame and follow-on frame flagged", not missing,
            ", ".join(f"{f} wants {sorted(want[f])}" for f in missing[:10]))
    c.check("no frame flagged beyond the truth", not extra,
            ", ".join(f"{f} has {sorted(got[f])}" for f in extra[:10]))
    c.check("each flagged frame has exactly the truth's flags", not wrong,
            ", ".join(f"{f}: got {sorted(got[f])}, want {sorted(want[f])}" for f in wrong[:10]))
    kinds = {}
    for ev in truth["events"]:
        ok = want[ev["frame"]] <= got.get(ev["frame"], set())
        kinds.setdefault(ev["kind"], [0, 0])[0 if ok else 1] += 1
    for k, (ok, bad) in sorted(kinds.items()):
        c.expect(f"{k} events flagged", f"{ok}/{ok + bad}", f"{ok + bad}/{ok + bad}")


def alerts(c, cap, truth, tmp):
    path = os.path.join(tmp, os.path.basename(cap) + ".alerts.jsonl")
    c.run("-r", cap, "-q", "--alerts", path)
    with open(path) as f:
        got = [json.loads(line) for line in f if line.strip()]
    print(f"     {c.name}: {len(got)} alerts: " +
          ", ".join(f"{a['kind']} frame {a['frame']}" for a in got))
    if not truth.get("attacks"):
        c.expect("alerts on benign traffic", len(got), 0)
        return
    matched = set()
    for atk in truth["attacks"]:
        lo, hi = atk["first_frame"], atk["last_frame"]
        if atk["kind"] == "syn_flood":
            host, port = atk["target"].rsplit(":", 1)
            hits = [i for i, a in enumerate(got) if a["kind"] == "syn_flood"
                    and a.get("dst") == host and a.get("port") == int(port)
                    and a.get("proto") == "tcp"]
            net = ipaddress.ip_network(atk["sources"]["network"])
            c.check("syn_flood source is one of the spoofed ones",
                    all(ipaddress.ip_address(got[i]["src"]) in net for i in hits))
        elif atk["kind"] == "port_scan":
            hits = [i for i, a in enumerate(got) if a["kind"] == "port_scan_vertical"
                    and a.get("src") in atk["sources"] and a.get("dst") == atk["target"]]
        elif atk["kind"] == "horizontal_scan":
            port = int(atk["target"].rsplit(" port ", 1)[1])
            hits = [i for i, a in enumerate(got) if a["kind"] == "port_scan_horizontal"
                    and a.get("src") in atk["sources"] and a.get("port") == port
                    and a.get("proto") == "tcp"]
        else:
            c.check(f"known attack kind {atk['kind']}", False)
            continue
        c.check(f"{atk['kind']} ({atk['target']}) raises an alert", len(hits) > 0)
        c.check(f"{atk['kind']} alert within its frames {lo}..{hi}",
                all(lo <= got[i]["frame"] <= hi for i in hits),
                ", ".join(str(got[i]["frame"]) for i in hits))
        matched.update(hits)
    stray = [got[i] for i in range(len(got)) if i not in matched]
    c.check("no alert besides the attacks", not stray, json.dumps(stray[:3]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--netscope", required=True)
    ap.add_argument("--gen", required=True)
    a = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="ns-truth-")
    failures = []
    try:
        runs = [("pcap", "pcap", []), ("pcapng", "pcapng", []), ("benign", "pcap", ["--no-attacks"])]
        for name, fmt, extra in runs:
            cap = os.path.join(tmp, f"{name}.{fmt}")
            tj = os.path.join(tmp, f"{name}.json")
            subprocess.run([a.gen, "--out", cap, "--truth", tj, "--seed", str(SEED),
                            "--packets", str(PACKETS), "--flows", str(FLOWS), "--format", fmt,
                            *extra], check=True, capture_output=True)
            with open(tj) as f:
                truth = json.load(f)
            c = Checker(a.netscope, name)
            conversations(c, cap, truth)
            analysis(c, cap, truth)
            alerts(c, cap, truth, tmp)
            failures += c.failures
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if failures:
        print(f"\n{len(failures)} failures:\n  " + "\n  ".join(failures))
        return 1
    print("\nall checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
