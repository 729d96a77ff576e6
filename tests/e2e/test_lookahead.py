#!/usr/bin/env python3
"""The file loop's lookahead (docs/design.md, "Lookahead") is a hint only: with it forced on
(NETSCOPE_LOOKAHEAD=on) and off, every output, error message and exit status is the same
byte for byte: every capture of captures/ (damaged ones too) and ../shared/captures/real,
several files merged, -c and -a stops, a file truncated in a record, and a generated
capture on which the lookahead turns on part-way (NETSCOPE_LOOKAHEAD=N: from N live flows)."""
import argparse
import glob
import os
import subprocess
import sys
import tempfile

ap = argparse.ArgumentParser()
ap.add_argument("--netscope", required=True)
ap.add_argument("--shared", required=True)
ap.add_argument("--gen", required=True)
opts = ap.parse_args()
TMP = tempfile.mkdtemp(prefix="ns-lookahead-")

FIELDS = ["-T", "fields", "-E", "occurrence=a"]
for name in ("frame.number", "ip.src", "tcp.stream", "udp.stream", "netscope.flow.id", "netscope.flow.frames",
             "netscope.flow.history", "netscope.flow.state", "tcp.analysis.ack_rtt",
             "tcp.analysis.bytes_in_flight", "netscope.tcp.retransmission", "netscope.malformed.reason",
             "netscope.alert"):
    FIELDS += ["-e", name]

checked = 0
failed = 0


def run(mode, args):
    env = dict(os.environ)
    if mode is None:
        env.pop("NETSCOPE_LOOKAHEAD", None)
    else:
        env["NETSCOPE_LOOKAHEAD"] = mode
    p = subprocess.run([opts.netscope] + args, capture_output=True, env=env, timeout=300)
    return p.returncode, p.stdout, p.stderr


def same(args, modes=("off", "on")):
    global checked, failed
    outs = [run(m, args) for m in modes]
    checked += 1
    if outs[0][0] == 1:         # a usage error compares nothing
        failed += 1
        print(f"USAGE: {' '.join(args)}: {outs[0][2]!r}")
    if any(o != outs[0] for o in outs[1:]):
        failed += 1
        a, b = outs[0], next(o for o in outs[1:] if o != outs[0])
        print(f"DIFFERENT: {' '.join(args)}: exit {a[0]} / {b[0]}, stdout {len(a[1])} / {len(b[1])} bytes, "
              f"stderr {a[2][-200:]!r} / {b[2][-200:]!r}")
    return outs[0]


def captures(root):
    found = []
    for ext in ("pcap", "pcapng", "cap"):
        found += glob.glob(os.path.join(root, "**", "*." + ext), recursive=True)
    # ../shared/captures/real/expected/ holds a directory of tshark's output per capture,
    # named after it: not captures
    return sorted(f for f in found if os.path.isfile(f))


here = captures("captures")
real = captures(os.path.join(opts.shared, "captures", "real"))
for f in here + real:
    same(["-r", f, "-T", "json"])
    same(["-r", f] + FIELDS)
    same(["-r", f, "-q", "-z", "conv,tcp", "-z", "conv,udp", "-z", "netscope,flows", "-z", "netscope,stats"])
for f in here:
    same(["-r", f, "-c", "3", "-T", "json"])
    same(["-r", f, "-a", "duration:1"] + FIELDS)
if real:
    print(f"{len(real)} captures of {opts.shared}/captures/real")
else:
    print(f"{opts.shared}/captures/real: absent, skipped")

# several inputs merged (their damaged members report in their turn), and a filter
same([a for f in here[:12] for a in ("-r", f)] + FIELDS)
same(["-r", "captures", "-Y", "tcp"] + FIELDS)

# a file cut inside a record: everything before it printed, then the error, exit 2
gen = os.path.join(TMP, "gen.pcap")
subprocess.run([opts.gen, "--out", gen, "--packets", "240000", "--flows", "30000", "--seed", "3"],
               check=True, capture_output=True)
data = open(gen, "rb").read()
cut = os.path.join(TMP, "cut.pcap")
with open(cut, "wb") as fh:
    fh.write(data[: len(data) * 2 // 3 + 7])
rc, out, err = same(["-r", cut] + FIELDS)
assert rc == 2 and b"netscope:" in err and out, (rc, err)
same(["-r", cut, "-q", "-z", "conv,tcp"])

# 30,000 flows (31,790 live at the peak): switched on part-way through the file, at 20,000
# live flows (the automatic choice waits for NS_ENGINE_LOOKAHEAD_FLOWS, core/engine.h, more
# than a quick test's capture holds), and the automatic choice itself
alerts = os.path.join(TMP, "alerts.jsonl")
for args in (FIELDS, ["-q", "-z", "conv,tcp", "-z", "netscope,flows", "-z", "netscope,alerts"], ["-c", "50000"] + FIELDS):
    same(["-r", gen] + args, modes=("off", "20000", None, "on"))
texts = []
for mode in ("off", "20000", None, "on"):
    run(mode, ["-r", gen, "-q", "--alerts", alerts])
    texts.append(open(alerts, "rb").read())
checked += 1
if not texts[0] or any(t != texts[0] for t in texts):
    failed += 1
    print(f"DIFFERENT: --alerts: {[len(t) for t in texts]} bytes")

print(f"{checked} comparisons, {failed} different")
sys.exit(1 if failed else 0)
