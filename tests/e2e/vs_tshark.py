#!/usr/bin/env python3
"""Ratchet on ../shared/tools/vs-tshark: netscope against tshark's stored answers for the
real captures in ../shared/captures/real. Every figure, per capture and in total, must be at
least as good as in the committed baseline (tests/e2e/vs-tshark-baseline.json); a drop fails.
`--update` rewrites the baseline after an improvement (commit it with the change).
Skips (exit 77) when ../shared is absent, so a fresh clone still passes its own tests."""
import argparse
import json
import os
import subprocess
import sys
import tempfile

ap = argparse.ArgumentParser()
ap.add_argument("--netscope", required=True)
ap.add_argument("--shared", required=True)
ap.add_argument("--baseline", required=True)
ap.add_argument("--update", action="store_true")
a = ap.parse_args()

tool = os.path.join(a.shared, "tools", "vs-tshark")
corpus = os.path.join(a.shared, "captures", "real")
if not (os.path.isfile(tool) and os.path.isdir(corpus)):
    print(f"skipped: {tool} or {corpus} not found")
    print("0 passed, 0 failed, 1 skipped")
    sys.exit(77)

# Figures where more is better, and where less is better.
UP_TOTAL = ["readable", "damaged_ok", "frame_count_equal", "frames_equal", "conv_matched",
            "tcp_equal", "tcp_flagged_equal", "rtt_equal", "dns_equal", "sni_tcp_equal",
            "sni_other_equal"]
DOWN_TOTAL = ["hard_failures", "crashes", "timeouts", "runs_not_ok", "bad_lines", "conv_extra",
              "conv_unparsed", "conv_differs", "rtt_extra", "dns_extra", "sni_extra", "fp_total", "fn_total"]


def per_capture(r):
    """The figures of one capture that must not get worse."""
    conv = r.get("conv", {}).values()
    return {
        "up": {
            "frames_got_ok": int(r["frames_got"] == r["frames_expected"]),
            "damaged_ok": int(bool(r.get("damaged_ok")) and not r["hard_failure"]),
            "frames_equal": r.get("frames", {}).get("equal", 0),
            "conv_matched": sum(c["matched"] for c in conv),
            "tcp_equal": r.get("tcp", {}).get("equal", 0),
            "rtt_equal": r.get("tcp", {}).get("rtt_equal", 0),
            "dns_equal": r.get("dns", {}).get("equal", 0),
            "sni_tcp_equal": r.get("sni", {}).get("tcp_equal", 0),
            "sni_other_equal": r.get("sni", {}).get("other_equal", 0),
        },
        "down": {
            "hard_failure": int(bool(r["hard_failure"])),
            "dns_extra": r.get("dns", {}).get("extra", 0),
            "sni_extra": r.get("sni", {}).get("extra", 0),
            "rtt_extra": r.get("tcp", {}).get("rtt_extra", 0),
        },
    }


with tempfile.TemporaryDirectory() as tmp:
    out = os.path.join(tmp, "vs.json")
    p = subprocess.run([sys.executable, tool, "--netscope", a.netscope, "--json", out, corpus],
                       capture_output=True, text=True, timeout=550)
    if p.returncode != 0 or not os.path.exists(out):
        print(p.stdout[-2000:], p.stderr[-2000:])
        print("0 passed, 1 failed")
        sys.exit(1)
    print("\n".join(p.stdout.splitlines()[-4:]))
    res = json.load(open(out))

t = res["totals"]
t["fp_total"] = sum(t["fp"].values())
t["fn_total"] = sum(t["fn"].values())
now = {"totals": {k: t[k] for k in UP_TOTAL + DOWN_TOTAL},
       "captures": {r["capture"]: per_capture(r) for r in res["captures"]}}

if a.update:
    with open(a.baseline, "w") as f:
        json.dump(now, f, indent=1, sort_keys=True)
        f.write("\n")
    print(f"baseline written to {a.baseline}")
    print("1 passed, 0 failed")
    sys.exit(0)

base = json.load(open(a.baseline))
drops, gains = [], []
for k in UP_TOTAL:
    b, n = base["totals"].get(k, 0), now["totals"][k]
    (drops if n < b else gains if n > b else []).append(f"TOTAL {k}: {b} -> {n}")
for k in DOWN_TOTAL:
    b, n = base["totals"].get(k, 0), now["totals"][k]
    (drops if n > b else gains if n < b else []).append(f"TOTAL {k}: {b} -> {n}")
for cap, figs in base["captures"].items():
    cur = now["captures"].get(cap)
    if cur is None:
        drops.append(f"{cap}: no longer checked")
        continue
    for k, b in figs["up"].items():
        n = cur["up"].get(k, 0)
        (drops if n < b else gains if n > b else []).append(f"{cap} {k}: {b} -> {n}")
    for k, b in figs["down"].items():
        n = cur["down"].get(k, 0)
        (drops if n > b else gains if n < b else []).append(f"{cap} {k}: {b} -> {n}")

for g in gains:
    print("better:", g)
for d in drops:
    print("WORSE: ", d)
if gains and not drops:
    print("figures improved: record them with tests/e2e/vs_tshark.py --update (same arguments)")
print(f"{0 if drops else 1} passed, {1 if drops else 0} failed")
sys.exit(1 if drops else 0)
