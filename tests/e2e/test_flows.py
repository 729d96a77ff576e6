#!/usr/bin/env python3
"""End-to-end tests of the flow engine (--flows, --expired-flows, -z conv,*, -z netscope,*).

Every capture is built here with struct, so the truth is known by construction: which flows
exist, who originates each, how many frames and bytes go each way, when each starts and ends.
The expected values are computed from that construction and from the documented rules
(docs/flows.md, docs/design.md, Zeek's conn.log definitions), never copied from netscope.

A case marked `xfail(reason)` pins a known bug in core/ (which this suite does not fix): its
failure is reported as XFAIL with the reason and keeps the suite green; if it starts passing
it is reported as XPASS so the mark can be removed.

pandas and jq are optional: when absent, the checks that need them print a notice and are
skipped; everything else still runs."""
import argparse
import base64
import csv
import hashlib
import ipaddress
import json
import os
import random
import shutil
import struct
import subprocess
import sys
import tempfile
import time

ap = argparse.ArgumentParser()
ap.add_argument("--netscope", required=True)
NS = ap.parse_args().netscope
TMP = tempfile.mkdtemp(prefix="ns-flows-")
T_START = time.monotonic()

try:
    import pandas as pd
except ImportError:
    pd = None
    # meson may run a python3 (pyenv, venv) that does not see Debian's python3-pandas: run
    # the whole script under the system interpreter when that one has pandas
    SYS_PY = "/usr/bin/python3"
    if (os.path.realpath(sys.executable) != os.path.realpath(SYS_PY) and os.access(SYS_PY, os.X_OK)
            and subprocess.run([SYS_PY, "-c", "import pandas"], capture_output=True).returncode == 0):
        print(f"notice: {sys.executable} has no pandas; running under {SYS_PY}, which has it", flush=True)
        shutil.rmtree(TMP, ignore_errors=True)
        os.execv(SYS_PY, [SYS_PY, *sys.argv])
    print("notice: pandas is not installed: the pandas checks are skipped")
JQ = shutil.which("jq")
if JQ is None:
    print("notice: jq is not installed: the jq checks are skipped")

# ---------------------------------------------------------------------------------------
# Packet building. Checksums are zero (netscope, like tshark by default, does not check them).

MAC = bytes.fromhex("020000000002" "020000000001")


def addr(s):
    return ipaddress.ip_address(s).packed


def eth(ethertype, payload, vlans=()):
    hdr = MAC
    for v in vlans:
        hdr += struct.pack("!HH", 0x8100, v)
    return hdr + struct.pack("!H", ethertype) + payload


def ip4(src, dst, proto, payload, ident=1, frag_off=0, mf=False):
    ff = (0x2000 if mf else 0) | (frag_off // 8)
    return struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident, ff, 64, proto, 0,
                       addr(src), addr(dst)) + payload


def ip6(src, dst, nh, payload):
    return struct.pack("!IHBB16s16s", 0x60000000, len(payload), nh, 64, addr(src), addr(dst)) + payload


def tcp(sport, dport, seq, flags, payload=b"", ack=0):
    return struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 0x50, flags, 65535, 0, 0) + payload


def udp(sport, dport, payload=b""):
    return struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload


def icmp(typ, code, ident, seq, payload=b""):
    return struct.pack("!BBHHH", typ, code, 0, ident, seq) + payload


PROTO = {"tcp": 6, "udp": 17, "icmp": 1, "icmpv6": 58}


def frame(src, dst, proto, l4, vlans=()):
    """Ethernet (+ VLAN tags) + IPv4 or IPv6 (by the address family) + the given L4 bytes."""
    if ipaddress.ip_address(src).version == 4:
        return eth(0x0800, ip4(src, dst, PROTO[proto], l4), vlans)
    return eth(0x86DD, ip6(src, dst, PROTO[proto], l4), vlans)


from nstest import pcap_bytes as pcap  # noqa: E402,F401


def write(name, records):
    path = os.path.join(TMP, name)
    with open(path, "wb") as f:
        f.write(pcap(records) if isinstance(records, list) else records)
    return path


def run(*args, timeout=60):
    p = subprocess.run([NS, *args], capture_output=True, timeout=timeout)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


def secs9(us):
    """Microseconds as netscope's nine-decimal seconds (exact: the capture has µs times)."""
    sign = "-" if us < 0 else ""
    us = abs(us)
    return f"{sign}{us // 1000000}.{us % 1000000:06d}000"


def community_id(proto, src, sport, dst, dport):
    """Community ID v1, seed 0, from the Corelight spec: SHA-1 over seed, the ordered
    addresses, protocol, a zero byte and the ordered ports; for ICMP echo the 'ports' are
    the type and the counterpart type (two-way), so both directions hash alike."""
    s, d = addr(src), addr(dst)
    if proto in ("icmp", "icmpv6"):
        pair = {8: 0, 0: 8} if proto == "icmp" else {128: 129, 129: 128}
        sport, dport = sport, pair[sport]      # sport carries the first packet's type
    if not (s < d or (s == d and sport < dport)):
        s, d, sport, dport = d, s, dport, sport
    h = hashlib.sha1(struct.pack("!H", 0) + s + d + bytes([PROTO[proto], 0]) + struct.pack("!HH", sport, dport))
    return "1:" + base64.b64encode(h.digest()).decode()


# ---------------------------------------------------------------------------------------
# Reading netscope's outputs

INT_COLS = ("flow_id", "id.orig_p", "id.resp_p", "orig_pkts", "resp_pkts", "orig_frame_bytes",
            "resp_frame_bytes", "tcp_flags")


def read_flows(path):
    """Records of a --flows/--expired-flows file as dicts of strings (CSV) or JSON values,
    normalised to: ints for INT_COLS and stream, strings for the rest (ts/duration kept as
    text in CSV, floats in JSON)."""
    text = open(path, encoding="utf-8").read()
    if path.endswith(".csv"):
        rows = list(csv.DictReader(text.splitlines()))
        for r in rows:
            for c in INT_COLS:
                r[c] = int(r[c])
            r["stream"] = int(r["stream"]) if r["stream"] != "" else None
        return rows
    if path.endswith(".json"):
        rows = json.loads(text)
    else:
        rows = [json.loads(line) for line in text.splitlines()]
    for r in rows:
        r.setdefault("stream", None)
        r.setdefault("history", "")
    return rows


def conv_rows(out):
    """Rows of -z conv,* tables: [A, '<->', B, B->A fr, B->A bytes, A->B fr, A->B bytes,
    total fr, total bytes, rel start, duration]."""
    return [l.split() for l in out.splitlines() if " <-> " in l]


def jq(*args):
    p = subprocess.run([JQ, *args], capture_output=True, timeout=30)
    assert p.returncode == 0, f"jq {args}: {p.stderr.decode()}"
    return p.stdout.decode()


# ---------------------------------------------------------------------------------------
# The harness

results = []


class XFail:
    def __init__(self, reason):
        self.reason = reason


def case(fn=None, xfail=None):
    def deco(f):
        t0 = time.monotonic()
        try:
            f()
            status, msg = ("XPASS", f"expected to fail ({xfail}) but passed: remove the mark") if xfail else ("ok", None)
        except AssertionError as e:
            status, msg = ("XFAIL", f"{xfail} [{e or 'assertion failed'}]") if xfail else ("FAIL", str(e) or "assertion failed")
        except Exception as e:      # a crash of the test itself is a failure, never hidden
            status, msg = "FAIL", f"{type(e).__name__}: {e}"
        results.append((f.__name__, status, msg, time.monotonic() - t0))
        return f
    return deco(fn) if fn is not None else deco


def eq(got, want, what=""):
    assert got == want, f"{what}: expected {want!r}, got {got!r}"


def one_error_line(err, what):
    lines = err.splitlines()
    eq(len(lines), 1, f"stderr lines ({what})")
    assert lines[0].startswith("netscope: "), lines[0]


def no_leftovers(directory, prefix):
    left = [f for f in os.listdir(directory) if f.startswith(prefix + ".")]
    eq(left, [], "temporary files left beside " + prefix)


# ---------------------------------------------------------------------------------------
# 1. Flow counts over IPv4 and IPv6, interleaved, in CSV, JSON and JSON Lines.

BASE_US = 1_700_000_000 * 1000000     # a realistic epoch: ts must survive in nine decimals


class Flow:
    """One flow by construction: its packets as (time µs, from_orig, frame)."""
    def __init__(self, proto, orig, oport, resp, rport):
        self.proto, self.orig, self.oport, self.resp, self.rport = proto, orig, oport, resp, rport
        self.pkts = []

    def add(self, ts, from_orig, l4):
        src, dst = (self.orig, self.resp) if from_orig else (self.resp, self.orig)
        self.pkts.append((ts, from_orig, frame(src, dst, self.proto, l4)))

    def expected(self):
        o = [p for p in self.pkts if p[1]]
        r = [p for p in self.pkts if not p[1]]
        t = [p[0] for p in self.pkts]
        ports = self.proto in ("tcp", "udp")
        return {
            "proto": self.proto, "id.orig_h": self.orig, "id.resp_h": self.resp,
            "id.orig_p": self.oport if ports else 0, "id.resp_p": self.rport if ports else 0,
            "orig_pkts": len(o), "resp_pkts": len(r),
            "orig_frame_bytes": sum(len(p[2]) for p in o), "resp_frame_bytes": sum(len(p[2]) for p in r),
            "ts": secs9(min(t)), "duration": secs9(max(t) - min(t)),
        }


def build_mixed():
    """N TCP + M UDP + K ICMP flows, half over IPv6, packets interleaved in time. The first
    packet of some flows comes from the higher address, so the originator is not simply
    the canonical lower endpoint."""
    rnd = random.Random(1234)
    N, M, K = 7, 9, 5
    flows = []
    v6 = lambda i: f"2001:db8::{i:x}"
    v4 = lambda i: f"10.{i // 250}.{i % 250}.{1 + i % 3}"
    hosts = iter(range(10, 1000))
    for i in range(N + M + K):
        proto = "tcp" if i < N else "udp" if i < N + M else "icmp"
        six = i % 2 == 1
        a, b = next(hosts), next(hosts)
        if rnd.random() < 0.5:
            a, b = b, a         # originator is sometimes the higher address
        A, B = (v6(a), v6(b)) if six else (v4(a), v4(b))
        if proto == "icmp" and six:
            proto = "icmpv6"
        f = Flow(proto, A, 20000 + i, B, [80, 443, 53, 8080, 5353][i % 5])
        t = BASE_US + 1000 * i + rnd.randrange(0, 500)   # distinct starts: creation order known
        step = lambda: rnd.randrange(1000, 200000)
        if proto == "tcp":
            isn_a, isn_b = rnd.randrange(1 << 32), rnd.randrange(1 << 32)
            f.add(t, True, tcp(f.oport, f.rport, isn_a, 0x02)); t += step()
            f.add(t, False, tcp(f.rport, f.oport, isn_b, 0x12, ack=isn_a + 1)); t += step()
            f.add(t, True, tcp(f.oport, f.rport, isn_a + 1, 0x10, ack=isn_b + 1)); t += step()
            sa, sb = isn_a + 1, isn_b + 1
            for _ in range(rnd.randrange(1, 5)):
                d = bytes(rnd.randrange(1, 300))
                f.add(t, True, tcp(f.oport, f.rport, sa, 0x18, d, ack=sb)); sa += len(d); t += step()
                d = bytes(rnd.randrange(1, 1400))
                f.add(t, False, tcp(f.rport, f.oport, sb, 0x18, d, ack=sa)); sb += len(d); t += step()
            f.add(t, True, tcp(f.oport, f.rport, sa, 0x11, ack=sb)); t += step()
            f.add(t, False, tcp(f.rport, f.oport, sb, 0x11, ack=sa + 1)); t += step()
            f.add(t, True, tcp(f.oport, f.rport, sa + 1, 0x10, ack=sb + 1))
        elif proto == "udp":
            for k in range(rnd.randrange(1, 7)):
                fo = k == 0 or rnd.random() < 0.5
                d = bytes(rnd.randrange(0, 500))
                f.add(t, fo, udp(f.oport, f.rport, d) if fo else udp(f.rport, f.oport, d))
                t += step()
        else:
            req, rep = (8, 0) if proto == "icmp" else (128, 129)
            for k in range(rnd.randrange(1, 4)):
                f.add(t, True, icmp(req, 0, 0x100 + i, k, bytes(56))); t += step()
                if rnd.random() < 0.7:
                    f.add(t, False, icmp(rep, 0, 0x100 + i, k, bytes(56))); t += step()
        flows.append(f)
    recs = sorted((p[0], p[2]) for f in flows for p in f.pkts)
    assert len({r[0] for r in recs}) == len(recs), "times must be distinct for a known order"
    flows.sort(key=lambda f: f.pkts[0][0])      # creation order = order of first packets
    return flows, N, M, K, recs


MIXED, N_TCP, M_UDP, K_ICMP, MIXED_RECS = build_mixed()
MIXED_PCAP = write("mixed.pcap", MIXED_RECS)


def check_flow_rows(rows, flows, fmt):
    eq(len(rows), len(flows), f"flow records in {fmt}")
    # all flows end with the run: oldest first, so in order of first packet; ids 1..n
    stream = {"tcp": 0, "udp": 0}
    for i, (r, f) in enumerate(zip(rows, flows)):
        want = f.expected()
        got = {k: r.get(k) for k in want}
        if not isinstance(r["ts"], str):     # JSON: numbers, compared as doubles
            got["ts"], got["duration"] = r["ts"], r["duration"]
            assert abs(float(want["ts"]) - r["ts"]) < 1e-6, f"{fmt} flow {i + 1} ts: {r['ts']} vs {want['ts']}"
            assert abs(float(want["duration"]) - r["duration"]) < 1e-9, f"{fmt} flow {i + 1} duration"
            want = dict(want, ts=r["ts"], duration=r["duration"])
        eq(got, want, f"{fmt} flow {i + 1}")
        eq(r["flow_id"], i + 1, f"{fmt} flow_id")
        eq(r["end_reason"], "end", f"{fmt} end_reason")
        if f.proto in stream:
            eq(r["stream"], stream[f.proto], f"{fmt} {f.proto}.stream of flow {i + 1}")
            stream[f.proto] += 1
        else:
            eq(r["stream"], None, f"{fmt} no stream for {f.proto}")
        first_type = f.pkts[0][2][-64] if f.proto in ("icmp", "icmpv6") else None
        cid = community_id(f.proto, f.orig, first_type if first_type is not None else f.oport, f.resp, f.rport)
        eq(r["community_id"], cid, f"{fmt} community_id of flow {i + 1}")
        if f.proto == "tcp":
            # SYN, SYN-ACK, ACK, PSH-ACK data both ways (no pure ACK from the responder, so
            # no 'a'), FIN-ACK both ways, last ACK: Zeek's SF with history ShADdFf (each
            # letter once per direction: the last A repeats the originator's A).
            eq((r["conn_state"], r["history"], r["tcp_flags"]), ("SF", "ShADdFf", 0x1B), f"tcp flow {i + 1}")
        elif f.proto == "udp":
            both = want["resp_pkts"] > 0
            eq(r["conn_state"], "SF" if both else "S0", f"udp flow {i + 1} conn_state")
        else:
            eq((r["conn_state"], r["history"] or ""), ("OTH", ""), f"icmp flow {i + 1}")


@case
def mixed_flows_csv_json_jsonl():
    kinds = {"tcp": 0, "udp": 0, "icmp": 0}
    for f in MIXED:
        kinds["icmp" if f.proto.startswith("icmp") else f.proto] += 1
    eq(kinds, {"tcp": N_TCP, "udp": M_UDP, "icmp": K_ICMP}, "construction")
    for ext in ("csv", "json", "jsonl"):
        path = os.path.join(TMP, f"mixed.{ext}")
        rc, out, err = run("-r", MIXED_PCAP, "-q", "--flows", path)
        eq((rc, out, err), (0, "", ""), f"run for .{ext}")
        check_flow_rows(read_flows(path), MIXED, ext)
        no_leftovers(TMP, f"mixed.{ext}")
    # --flows-format overrides the extension
    for fmt in ("csv", "json", "jsonl"):
        path = os.path.join(TMP, f"mixed-{fmt}.dat")
        rc, _, err = run("-r", MIXED_PCAP, "-q", "--flows", path, "--flows-format", fmt)
        eq((rc, err), (0, ""), f"--flows-format {fmt}")
        shutil.copy(path, path + "." + fmt)
        check_flow_rows(read_flows(path + "." + fmt), MIXED, f"--flows-format {fmt}")


@case
def mixed_flows_pandas():
    if pd is None:
        print("notice: mixed_flows_pandas: pandas absent, skipped")
        return
    path = os.path.join(TMP, "mixed.csv")
    rc, _, _ = run("-r", MIXED_PCAP, "-q", "--flows", path)
    eq(rc, 0, "exit")
    df = pd.read_csv(path)
    eq(len(df), N_TCP + M_UDP + K_ICMP, "pandas rows")
    from pandas.api.types import is_integer_dtype, is_float_dtype, is_numeric_dtype
    for c in INT_COLS:
        assert is_integer_dtype(df[c]), f"{c} parses as integers, not {df[c].dtype}"
        assert df[c].notna().all(), f"{c} has NaN"
    for c in ("ts", "duration"):
        assert is_float_dtype(df[c]) and df[c].notna().all(), f"{c}: {df[c].dtype}"
    assert is_numeric_dtype(df["stream"]), f"stream: {df['stream'].dtype}"
    ported = df["proto"].isin(["tcp", "udp"])
    assert df.loc[ported, "stream"].notna().all(), "stream missing on a TCP/UDP flow"
    assert df.loc[~ported, "stream"].isna().all(), "stream present on an ICMP flow"
    for c in ("community_id", "id.orig_h", "id.resp_h", "proto", "conn_state", "end_reason"):
        assert df[c].notna().all(), f"{c} has an empty value"
    eq(int(df["orig_pkts"].sum() + df["resp_pkts"].sum()), len(MIXED_RECS), "all packets counted")
    eq(int(df["orig_frame_bytes"].sum() + df["resp_frame_bytes"].sum()),
       sum(len(r[1]) for r in MIXED_RECS), "all bytes counted")
    eq(df.groupby("proto").size().to_dict(),
       {p: sum(1 for f in MIXED if f.proto == p) for p in {f.proto for f in MIXED}}, "flows per proto")


@case
def mixed_flows_jq():
    if JQ is None:
        print("notice: mixed_flows_jq: jq absent, skipped")
        return
    n = N_TCP + M_UDP + K_ICMP
    js, jl = os.path.join(TMP, "mixed.json"), os.path.join(TMP, "mixed.jsonl")
    for p in (js, jl):
        eq(run("-r", MIXED_PCAP, "-q", "--flows", p)[0], 0, "exit")
    eq(jq("length", js).strip(), str(n), "jq length")
    lines = jq("-c", ".[]", js).splitlines()
    eq(len(lines), n, "jq -c .[] lines")
    eq([json.loads(l)["flow_id"] for l in lines], list(range(1, n + 1)), "flow ids via jq")
    eq(jq("[.[] | select(.proto == \"tcp\")] | length", js).strip(), str(N_TCP), "tcp via jq")
    # JSON Lines: jq reads each line as its own document
    per_line = jq("-c", ".", jl).splitlines()
    eq(len(per_line), n, "jsonl documents")
    eq(jq("-s", "length", jl).strip(), str(n), "jq -s length of jsonl")
    eq(jq("-s", "map(.orig_pkts + .resp_pkts) | add", jl).strip(), str(len(MIXED_RECS)), "packets via jq")


@case
def mixed_conv_tables():
    # -z conv,tcp / conv,udp: one row per TCP/UDP flow with the same counts (columns B->A
    # first, as tshark prints them); conv,ip / conv,ipv6: one row per address pair.
    rc, out, _ = run("-r", MIXED_PCAP, "-q", "-z", "conv,tcp", "-z", "conv,udp", "-z", "conv,ip", "-z", "conv,ipv6")
    eq(rc, 0, "exit")
    tables = out.split("Conversations")
    got = {}
    for title, body in zip(("TCP", "UDP", "IPv4", "IPv6"), tables[1:]):
        got[title] = sorted((r[0], r[2], int(r[5]), int(r[6]), int(r[3]), int(r[4])) for r in conv_rows(body))
    def ep(h, p, ports):
        return (f"[{h}]:{p}" if ":" in h else f"{h}:{p}") if ports else h
    want = {"TCP": [], "UDP": [], "IPv4": [], "IPv6": []}
    for f in MIXED:
        e = f.expected()
        row = (e["orig_pkts"], e["orig_frame_bytes"], e["resp_pkts"], e["resp_frame_bytes"])
        if f.proto in ("tcp", "udp"):
            want[f.proto.upper()].append((ep(f.orig, f.oport, True), ep(f.resp, f.rport, True)) + row)
        want["IPv6" if ":" in f.orig else "IPv4"].append((f.orig, f.resp) + row)
    # IPv6 endpoints with ports: accept netscope's own bracket-less form too (tshark prints
    # "addr:port"); compare the numbers and the address sets
    def norm(rows):
        return sorted((a.strip("[]").replace("]:", ":"), b.strip("[]").replace("]:", ":")) + tuple(x) for a, b, *x in rows)
    for k in want:
        eq(norm(got[k]), norm(want[k]), f"conv {k}")


# ---------------------------------------------------------------------------------------
# 2. Zeek conn_state and history for hand-built TCP exchanges.
#
# Zeek's conn_state() (scripts/base/protocols/conn/main.zeek) maps the two endpoint states;
# the history letters are upper case from the originator, lower case from the responder:
# S syn, H syn-ack, A pure ack, D data, F fin, R rst, each recorded once per direction.

O, R = "192.0.2.10", "198.51.100.20"


def exchange(t0, oport, steps):
    """steps: (from_orig, flags, payload_len). Sequence/ack numbers are kept consistent."""
    seq = {True: 1000, False: 900000}
    out, t = [], t0
    for from_orig, flags, n in steps:
        s, d = (O, R) if from_orig else (R, O)
        sp, dp = (oport, 8080) if from_orig else (8080, oport)
        ack = seq[not from_orig] if flags & 0x10 else 0
        out.append((t, frame(s, d, "tcp", tcp(sp, dp, seq[from_orig], flags, bytes(n), ack=ack))))
        seq[from_orig] += n + (1 if flags & 0x03 else 0)
        t += 10000
    return out


SYN, SYNACK, ACK, PA, FA, RST, RA = 0x02, 0x12, 0x10, 0x18, 0x11, 0x04, 0x14
ZEEK_CASES = [
    # S0: "Connection attempt seen, no reply": a lone SYN; orig SYN_SENT, resp INACTIVE.
    ("S0", "S", [(True, SYN, 0)]),
    # REJ: "Connection attempt rejected": SYN answered by RST-ACK; resp RESET while the
    # orig is still SYN_SENT. RST+ACK sets one of SYN/FIN/RST, so the letter is r.
    ("REJ", "Sr", [(True, SYN, 0), (False, RA, 0)]),
    # S1: "Connection established, not terminated": the three-way handshake only.
    ("S1", "ShA", [(True, SYN, 0), (False, SYNACK, 0), (True, ACK, 0)]),
    # SF: "Normal establishment and termination": handshake, data both ways, FIN both ways;
    # the responder's pure ACK of the request is its 'a' (data packets with ACK set give
    # only D/d: the A letter is for packets with ACK and no payload).
    ("SF", "ShADadFf", [(True, SYN, 0), (False, SYNACK, 0), (True, ACK, 0), (True, PA, 100),
                        (False, ACK, 0), (False, PA, 200), (True, FA, 0), (False, FA, 0),
                        (True, ACK, 0)]),
    # RSTO: "Connection established, originator aborted (sent a RST)": orig RESET, resp
    # ESTABLISHED (not inactive).
    ("RSTO", "ShADdR", [(True, SYN, 0), (False, SYNACK, 0), (True, ACK, 0), (True, PA, 10),
                        (False, PA, 20), (True, RST, 0)]),
    # RSTR: "Responder sent a RST": resp RESET after the handshake, orig ESTABLISHED.
    ("RSTR", "ShAr", [(True, SYN, 0), (False, SYNACK, 0), (True, ACK, 0), (False, RST, 0)]),
    # RSTOS0: "Originator sent a SYN followed by a RST, we never saw a SYN-ACK": orig RESET,
    # resp inactive, history matches ^?S[^HAFGIQ]*R.*
    ("RSTOS0", "SR", [(True, SYN, 0), (True, RST, 0)]),
    # SH: "Originator sent a SYN followed by a FIN, we never saw a SYN ACK": orig CLOSED,
    # resp inactive.
    ("SH", "SF", [(True, SYN, 0), (True, FA, 0)]),
    # S2: "Connection established and close attempt by originator seen (but no reply from
    # responder)": orig CLOSED, resp ESTABLISHED.
    ("S2", "ShAF", [(True, SYN, 0), (False, SYNACK, 0), (True, ACK, 0), (True, FA, 0)]),
    # S3: "Connection established and close attempt by responder seen (but no reply from
    # originator)": resp CLOSED, orig ESTABLISHED.
    ("S3", "ShAf", [(True, SYN, 0), (False, SYNACK, 0), (True, ACK, 0), (False, FA, 0)]),
    # OTH: "No SYN seen, just midstream traffic": both sides PARTIAL. Data from the
    # originator (D), a pure ack back (a). Ports are not likely server ports on the
    # originator's side, so Zeek keeps the roles.
    ("OTH", "Da", [(True, PA, 50), (False, ACK, 0)]),
]


@case
def zeek_conn_state_history():
    recs = []
    for i, (_, _, steps) in enumerate(ZEEK_CASES):
        recs += exchange(BASE_US + i * 1000000, 41000 + i, steps)
    path = write("zeek.pcap", recs)
    out = os.path.join(TMP, "zeek.json")
    rc, _, err = run("-r", path, "-q", "--flows", out)
    eq((rc, err), (0, ""), "exit")
    rows = {r["id.orig_p"]: r for r in read_flows(out)}
    eq(len(rows), len(ZEEK_CASES), "one flow per exchange")
    bad = []
    for i, (state, hist, _) in enumerate(ZEEK_CASES):
        r = rows[41000 + i]
        if (r["conn_state"], r.get("history", "")) != (state, hist):
            bad.append(f"{state}/{hist}: got {r['conn_state']}/{r.get('history', '')}")
    eq(bad, [], "conn_state/history")


@case
def scale_mode_keeps_no_zeek_state():
    # --scale keeps no Zeek state per flow (docs/flows.md, scale mode): conn_state and
    # history are empty, in the flow records and in the per-frame fields; everything else
    # in the record is what the full run gives.
    recs = []
    for i, (_, _, steps) in enumerate(ZEEK_CASES):
        recs += exchange(BASE_US + i * 1000000, 41000 + i, steps)
    path = write("zeek-scale.pcap", recs)
    full, scale = os.path.join(TMP, "zeek-full.csv"), os.path.join(TMP, "zeek-scale.csv")
    rc, _, err = run("-r", path, "-q", "--flows", full)
    eq((rc, err), (0, ""), "exit")
    rc, _, err = run("-r", path, "-q", "--scale", "--flows", scale)
    eq((rc, err), (0, ""), "exit --scale")
    fr, sr = read_flows(full), read_flows(scale)
    eq(len(sr), len(ZEEK_CASES), "one flow per exchange")
    eq([(r["conn_state"], r["history"]) for r in sr], [("", "")] * len(sr), "conn_state/history in scale mode")
    base = ("ts", "community_id", "id.orig_h", "id.resp_h", "proto", "stream", "duration", "end_reason", *INT_COLS)
    strip = lambda r: {k: r[k] for k in base}
    eq([strip(r) for r in sr], [strip(r) for r in fr], "the other columns")
    rc, out, err = run("-r", path, "--scale", "-T", "fields", "-e", "netscope.flow.id",
                       "-e", "netscope.flow.state", "-e", "netscope.flow.history")
    eq((rc, err), (0, ""), "exit -T fields")
    eq({tuple(l.split("\t")[1:]) for l in out.splitlines()}, {("", "")}, "netscope.flow.state/history")


# ---------------------------------------------------------------------------------------
# 3. Port reuse: the same 4-tuple, a second SYN with another ISN after the first closed.

@case
def tcp_metrics_in_flow_records():
    # A handshake (SYN at 0, SYN/ACK at 20 ms, ACK at 30 ms), 100 bytes at 40 ms resent at
    # 290 ms (250 ms later, beyond the 30 ms iRTT: a plain retransmission), one ACK of both
    # at 300 ms. Wireshark's ack RTTs: SYN/ACK 20 ms (acks the SYN), ACK 10 ms (acks the
    # SYN/ACK), the last ACK 260 ms (from the first transmission: the last match in its list
    # of unacked segments wins). Mean 290/3 ms (integer ns), EWMA with alpha 1/8:
    # 20, 20 + (10 - 20)/8 = 18.75, 18.75 + (260 - 18.75)/8 = 48.90625 ms.
    ms = lambda t: BASE_US + t * 1000
    c, s = ("10.9.0.1", 40000), ("10.9.0.2", 80)
    def seg(t, src, dst, seq, flags, n=0, ack=0):
        return (ms(t), frame(src[0], dst[0], "tcp", tcp(src[1], dst[1], seq, flags, bytes(n), ack=ack)))
    recs = [seg(0, c, s, 1000, SYN), seg(20, s, c, 900000, SYNACK, ack=1001),
            seg(30, c, s, 1001, ACK, ack=900001), seg(40, c, s, 1001, PA, 100, ack=900001),
            seg(290, c, s, 1001, PA, 100, ack=900001), seg(300, s, c, 900001, ACK, ack=1101)]
    path = write("metrics.pcap", recs)
    out = os.path.join(TMP, "metrics.csv")
    rc, _, err = run("-r", path, "-q", "--flows", out)
    eq((rc, err), (0, ""), "exit")
    r = list(csv.DictReader(open(out, encoding="utf-8").read().splitlines()))
    eq(len(r), 1, "one flow")
    r = r[0]
    got = {k: r[k] for k in ("rtt_samples", "rtt_min", "rtt_mean", "rtt_max", "srtt", "irtt",
                             "rtt_syn_synack", "rtt_synack_ack", "orig_retrans_bytes",
                             "orig_retransmission", "resp_retransmission", "orig_out_of_order")}
    eq(got, {"rtt_samples": "3", "rtt_min": "0.010000000", "rtt_mean": "0.096666666",
             "rtt_max": "0.260000000", "srtt": "0.048906250", "irtt": "0.030000000",
             "rtt_syn_synack": "0.020000000", "rtt_synack_ack": "0.010000000",
             "orig_retrans_bytes": "100", "orig_retransmission": "1", "resp_retransmission": "0",
             "orig_out_of_order": "0"}, "TCP metrics")
    rc, txt, _ = run("-n", "-r", path, "-T", "fields", "-e", "frame.number", "-e", "tcp.analysis.ack_rtt",
                     "-e", "tcp.analysis.acks_frame", "-e", "tcp.analysis.retransmission")
    eq(txt.splitlines(), ["1\t\t\t", "2\t0.020000000\t1\t", "3\t0.010000000\t2\t", "4\t\t\t",
                          "5\t\t\t1", "6\t0.260000000\t4\t"], "per-packet analysis")
    rc, txt, _ = run("-n", "-r", path, "-T", "fields", "-e", "netscope.flow.retrans", "-e",
                     "netscope.flow.rtt_samples", "-e", "netscope.flow.srtt", "-e", "netscope.flow.rtt_max")
    eq(txt.splitlines()[4:], ["1\t2\t0.018750000\t0.020000000", "1\t3\t0.048906250\t0.260000000"],
       "per-flow metrics so far, per packet")


def dns_query(ident, *names):
    """A DNS query (RFC 1035 section 4.1) with one question per name."""
    out = struct.pack("!HHHHHH", ident, 0x0100, len(names), 0, 0, 0)
    for n in names:
        out += b"".join(bytes([len(x)]) + x.encode() for x in n.split(".")) + b"\0" + struct.pack("!HH", 1, 1)
    return out


@case
def dns_names_per_flow():
    # Flow 1 asks a.example and b.example, then a.example again (kept once, in order of first
    # sight); flow 2 asks c.example; flow 3 carries no DNS. Flows are told apart by port.
    c, s = "10.8.0.1", "10.8.0.53"
    recs = [(BASE_US + 1000, frame(c, s, "udp", udp(5001, 53, dns_query(1, "a.example", "b.example")))),
            (BASE_US + 2000, frame(c, s, "udp", udp(5002, 53, dns_query(2, "c.example")))),
            (BASE_US + 3000, frame(c, s, "udp", udp(5001, 53, dns_query(3, "a.example")))),
            (BASE_US + 4000, frame(c, s, "udp", udp(5003, 9999, b"no dns here")))]
    path = write("names.pcap", recs)
    out = os.path.join(TMP, "names.csv")
    rc, _, err = run("-r", path, "-q", "--flows", out)
    eq((rc, err), (0, ""), "exit")
    rows = {int(r["id.orig_p"]): r for r in csv.DictReader(open(out, encoding="utf-8").read().splitlines())}
    eq({p: (rows[p]["dns_names"], rows[p]["sni"]) for p in rows},
       {5001: ("a.example,b.example", ""), 5002: ("c.example", ""), 5003: ("", "")}, "names per flow")
    jl = os.path.join(TMP, "names.jsonl")
    run("-r", path, "-q", "--flows", jl)
    got = [(r["id.orig_p"], r.get("dns_names")) for r in (json.loads(x) for x in open(jl).read().splitlines())]
    eq(sorted(got), [(5001, "a.example,b.example"), (5002, "c.example"), (5003, None)], "JSON: absent when none")
    if pd is not None:
        df = pd.read_csv(out)
        eq(df.loc[df["id.orig_p"] == 5001, "dns_names"].item(), "a.example,b.example", "pandas reads the quoted field")


@case
def stats_count_evictions_and_timeouts():
    # Three UDP flows at 0, 1, 2 s and the first again at 3 s, with --max-flows 2: the third
    # flow evicts the least recently seen (the first), whose return at 3 s evicts the second:
    # 4 flows created, 2 evicted. With --idle-timeout 0.5 instead, each packet after 0.5 s of
    # silence ends the flow seen before it: 3 idle endings, none evicted.
    recs = [(BASE_US + 1_000_000 * i, frame("10.7.0.1", "10.7.0.2", "udp", udp(p, 53, b"q")))
            for i, p in enumerate((1001, 1002, 1003, 1001))]
    path = write("stats.pcap", recs)
    def stats(*opts):
        rc, out, err = run("-r", path, "-q", "-z", "netscope,stats", *opts)
        eq((rc, err), (0, ""), "exit")
        sec, got = None, {}
        for line in out.splitlines():
            if not line.startswith("  "):
                sec = line
                continue
            name, val = line.strip().rsplit(None, 1)
            got[(sec, name)] = int(val)
        return got
    g = stats("--max-flows", "2")
    F = "Flows (TCP/UDP and other IP protocols)"
    eq((g[(F, "created")], g[(F, "evicted (table full)")], g[(F, "ended by idle timeout")]), (4, 2, 0), "cap")
    g = stats("--idle-timeout", "0.5")
    eq((g[(F, "created")], g[(F, "evicted (table full)")], g[(F, "ended by idle timeout")]), (4, 0, 3), "idle")
    eq(g[("Frames", "packets")], 4, "packets")


@case
def active_timeout_cuts_a_long_flow():
    # One UDP flow with packets at 0, 1, 2 and 3 s and --active-timeout 1.5: the packet at 2 s
    # finds the flow 2 s old, ends it ("active") and starts a new one, which the packet at 3 s
    # (1 s old) continues: two records, 2 + 2 packets; stats count one active ending.
    recs = [(BASE_US + 1_000_000 * i, frame("10.6.0.1", "10.6.0.2", "udp", udp(7000, 53, b"q"))) for i in range(4)]
    path = write("active.pcap", recs)
    exp = os.path.join(TMP, "active.jsonl")
    rc, out, err = run("-r", path, "-q", "--active-timeout", "1.5", "--expired-flows", exp, "-z", "netscope,stats")
    eq((rc, err), (0, ""), "exit")
    got = [(r["end_reason"], r["orig_pkts"], r["duration"]) for r in map(json.loads, open(exp).read().splitlines())]
    eq(got, [("active", 2, 1.0), ("end", 2, 1.0)], "records")
    assert any(line.split()[-1] == "1" and "active timeout" in line for line in out.splitlines()), out


@case
def tcp_port_reuse():
    s, d, sp, dp = "10.1.1.1", "10.1.1.2", 33333, 80
    def p(t, fwd, seq, fl, ack=0):
        return (BASE_US + t * 1000, frame(s, d, "tcp", tcp(sp, dp, seq, fl, ack=ack)) if fwd
                else frame(d, s, "tcp", tcp(dp, sp, seq, fl, ack=ack)))
    recs = [p(0, True, 100, SYN), p(1, False, 5000, SYNACK, 101), p(2, True, 101, ACK, 5001),
            p(3, True, 101, FA, 5001), p(4, False, 5001, FA, 102), p(5, True, 102, ACK, 5002),
            # the same ports again: a new ISN (7777) from the same side
            p(10, True, 7777, SYN), p(11, False, 9000, SYNACK, 7778), p(12, True, 7778, ACK, 9001)]
    path = write("reuse.pcap", recs)
    rc, out, _ = run("-r", path, "-T", "fields", "-e", "tcp.stream")
    eq(rc, 0, "exit")
    eq(out.split(), ["0"] * 6 + ["1"] * 3, "tcp.stream per frame")
    rc, out, _ = run("-r", path, "-q", "-z", "conv,tcp")
    rows = conv_rows(out)
    eq(len(rows), 2, "conv,tcp rows")
    size = len(recs[0][1])      # every frame here is a bare 54-byte TCP header frame
    eq(sorted((int(r[7]), int(r[8])) for r in rows), [(3, 3 * size), (6, 6 * size)], "frames/bytes per row")
    fl = os.path.join(TMP, "reuse.jsonl")
    eq(run("-r", path, "-q", "--flows", fl)[0], 0, "exit")
    rows = read_flows(fl)
    # the first flow ends when the new SYN reuses its ports ("reused"), the second with the run
    eq([(r["stream"], r["end_reason"], r["orig_pkts"], r["resp_pkts"], r["conn_state"], r["history"])
        for r in rows],
       [(0, "reused", 4, 2, "SF", "ShAFf"), (1, "end", 2, 1, "S1", "ShA")], "flows")
    eq([r["ts"] for r in rows], [BASE_US / 1e6, (BASE_US + 10000) / 1e6], "start times")


@case
def tcp_syn_retransmission_is_not_reuse():
    # A SYN sent again with the same ISN is a retransmission, not a new connection: one
    # flow, tcp.stream 0 for both frames (Wireshark's rule needs another sequence number).
    # Zeek: the second S has the same relative seq as the last SYN, so no second letter:
    # history "S", conn_state S0, orig_pkts 2 (the usual scanner/retry line in conn.log).
    recs = [(BASE_US + k * 1000000, frame("10.1.2.1", "10.1.2.2", "tcp", tcp(44444, 22, 31337, SYN)))
            for k in range(2)]
    path = write("synrx.pcap", recs)
    rc, out, _ = run("-r", path, "-T", "fields", "-e", "tcp.stream")
    eq((rc, out.split()), (0, ["0", "0"]), "tcp.stream")
    fl = os.path.join(TMP, "synrx.json")
    eq(run("-r", path, "-q", "--flows", fl)[0], 0, "exit")
    eq([(r["orig_pkts"], r["resp_pkts"], r["conn_state"], r["history"], r["duration"], r["end_reason"])
        for r in read_flows(fl)], [(2, 0, "S0", "S", 1.0, "end")], "flows")


# ---------------------------------------------------------------------------------------
# 4. IPv4 fragments and tunnels.

@case
def ipv4_fragments():
    # Datagram 1 (id 0x101): UDP 5000->6000 with 1200 bytes of payload, in 3 fragments
    # (offsets 0, 408, 816). Datagram 2 (id 0x102): UDP 5001->6001, 3 fragments, the middle
    # one lost. Rules (docs/design.md): the UDP header counts in the frame that completes
    # its datagram, so flow 1 has 1 packet of that frame's length; datagram 2 never
    # completes: no UDP layer, so no flow. Every IPv4 header counts in its address pair:
    # conv,ip has 5 frames.
    s, d = "172.16.0.1", "172.16.0.2"
    def frags(ident, sport, dport, lose=None):
        dgram = udp(sport, dport, bytes(range(256)) * 4 + bytes(176))     # 8 + 1200 bytes
        out = []
        for k, off in enumerate((0, 408, 816)):
            chunk = dgram[off:off + 408]
            if k != lose:
                out.append(eth(0x0800, ip4(s, d, 17, chunk, ident=ident, frag_off=off, mf=off + 408 < len(dgram))))
        return out
    f1, f2 = frags(0x101, 5000, 6000), frags(0x102, 5001, 6001, lose=1)
    recs = [(BASE_US + i * 1000, fr) for i, fr in enumerate([f1[0], f2[0], f1[1], f2[1], f1[2]])]
    path = write("frag.pcap", recs)
    fl = os.path.join(TMP, "frag.csv")
    rc, out, _ = run("-r", path, "-q", "--flows", fl, "-z", "conv,ip", "-z", "conv,udp")
    eq(rc, 0, "exit")
    rows = read_flows(fl)
    eq([(r["proto"], r["id.orig_p"], r["id.resp_p"], r["orig_pkts"], r["orig_frame_bytes"]) for r in rows],
       [("udp", 5000, 6000, 1, len(f1[2]))], "flows")
    tables = out.split("Conversations")
    ip_rows = conv_rows(tables[1])
    eq([(r[0], r[2], int(r[5]), int(r[6]), int(r[3])) for r in ip_rows],
       [(s, d, 5, sum(len(x) for x in f1 + f2), 0)], "conv,ip")
    udp_rows = conv_rows(tables[2])
    eq([(r[0], r[2], int(r[7])) for r in udp_rows], [(f"{s}:5000", f"{d}:6000", 1)], "conv,udp")


@case
def tunnels_ipip_and_gre():
    # IP-in-IP (protocol 4) and GRE (47, protocol type 0x0800) carrying UDP. Rules: the
    # innermost transport header keys the flow (one UDP flow per inner 5-tuple, no flow
    # for the outer protocol); every unquoted IP header counts in its pair, so conv,ip has
    # the outer pair and the inner pair, each with every frame.
    o1, o2, i1, i2 = "203.0.113.1", "203.0.113.2", "192.168.5.1", "192.168.5.2"
    g1, g2, j1, j2 = "203.0.113.3", "203.0.113.4", "192.168.6.1", "192.168.6.2"
    def ipip(fwd, n):
        inner = ip4(i1, i2, 17, udp(7000, 7001, bytes(n))) if fwd else ip4(i2, i1, 17, udp(7001, 7000, bytes(n)))
        return eth(0x0800, ip4(o1, o2, 4, inner) if fwd else ip4(o2, o1, 4, inner))
    def gre(fwd, n):
        inner = ip4(j1, j2, 17, udp(7100, 7101, bytes(n))) if fwd else ip4(j2, j1, 17, udp(7101, 7100, bytes(n)))
        g = struct.pack("!HH", 0, 0x0800) + inner
        return eth(0x0800, ip4(g1, g2, 47, g) if fwd else ip4(g2, g1, 47, g))
    frames = [ipip(True, 10), gre(True, 20), ipip(False, 30), gre(False, 40), ipip(True, 50)]
    path = write("tunnel.pcap", [(BASE_US + i * 1000, f) for i, f in enumerate(frames)])
    fl = os.path.join(TMP, "tunnel.json")
    rc, out, _ = run("-r", path, "-q", "--flows", fl, "-z", "conv,ip")
    eq(rc, 0, "exit")
    L = [len(f) for f in frames]
    eq([(r["proto"], r["id.orig_h"], r["id.orig_p"], r["id.resp_h"], r["orig_pkts"], r["resp_pkts"],
         r["orig_frame_bytes"], r["resp_frame_bytes"]) for r in read_flows(fl)],
       [("udp", i1, 7000, i2, 2, 1, L[0] + L[4], L[2]), ("udp", j1, 7100, j2, 1, 1, L[1], L[3])], "flows")
    got = sorted((r[0], r[2], int(r[5]), int(r[6]), int(r[3]), int(r[4])) for r in conv_rows(out))
    want = sorted([(o1, o2, 2, L[0] + L[4], 1, L[2]), (i1, i2, 2, L[0] + L[4], 1, L[2]),
                   (g1, g2, 1, L[1], 1, L[3]), (j1, j2, 1, L[1], 1, L[3])])
    eq(got, want, "conv,ip: outer and inner pairs")


@case
def ipv6_fragments():
    # A UDP datagram over IPv6 in two fragments (fragment header, next header 44). Rules
    # (docs/design.md): the UDP header counts in the frame that completes the datagram, and
    # an IPv6 fragment counts in its address pair only when it completes its datagram: the
    # UDP flow and the conv,ipv6 row both have 1 frame, the second one's length.
    s, d = "2001:db8:f::1", "2001:db8:f::2"
    dgram = udp(8000, 9000, bytes(range(200)))          # 208 bytes: fragments of 104
    def frag(off, more):
        fh = struct.pack("!BBHI", 17, 0, off | (1 if more else 0), 0xABCD)
        return eth(0x86DD, ip6(s, d, 44, fh + dgram[off:off + 104]))
    frames = [frag(0, True), frag(104, False)]
    path = write("frag6.pcap", [(BASE_US + i * 1000, f) for i, f in enumerate(frames)])
    fl = os.path.join(TMP, "frag6.jsonl")
    rc, out, _ = run("-r", path, "-q", "--flows", fl, "-z", "conv,ipv6")
    eq(rc, 0, "exit")
    eq([(r["proto"], r["id.orig_h"], r["id.orig_p"], r["id.resp_p"], r["orig_pkts"], r["orig_frame_bytes"])
        for r in read_flows(fl)], [("udp", s, 8000, 9000, 1, len(frames[1]))], "flows")
    eq([(r[0], r[2], int(r[5]), int(r[6]), int(r[7])) for r in conv_rows(out)],
       [(s, d, 1, len(frames[1]), 1)], "conv,ipv6")


@case
def icmp_errors_quote_no_traffic():
    # docs/flows.md: headers quoted inside ICMP errors never count as a flow's traffic.
    # Frame 1: UDP 10.3.0.1:3000 -> 10.3.0.2:4000. Frame 2: 10.3.0.2 answers port
    # unreachable (3/3) quoting it. Frame 3: 10.3.0.9 sends port unreachable about a
    # datagram 10.3.0.1:3001 -> 10.3.0.9:4001 that the capture never saw.
    # Expected: the UDP flow has 1 packet (from 10.3.0.1); each ICMP error is its own
    # flow (address pair + protocol, OTH, originated by the error's sender); the unseen
    # datagram is no flow and no conv,udp row. Every quoted UDP header still gets the
    # udp.stream of its 4-tuple (tshark): 0 for frame 2, a new stream 1 for frame 3.
    a, b, c = "10.3.0.1", "10.3.0.2", "10.3.0.9"
    orig = ip4(a, b, 17, udp(3000, 4000, b"hello"))
    unseen = ip4(a, c, 17, udp(3001, 4001, b"hi"))
    frames = [eth(0x0800, orig), frame(b, a, "icmp", icmp(3, 3, 0, 0, orig)),
              frame(c, a, "icmp", icmp(3, 3, 0, 0, unseen))]
    path = write("icmperr.pcap", [(BASE_US + i * 1000, f) for i, f in enumerate(frames)])
    rc, out, _ = run("-r", path, "-T", "fields", "-e", "udp.stream")
    eq((rc, out.split("\n")[:3]), (0, ["0", "0", "1"]), "udp.stream per frame")
    fl = os.path.join(TMP, "icmperr.csv")
    rc, out, _ = run("-r", path, "-q", "--flows", fl, "-z", "conv,udp", "-z", "conv,ip")
    eq(rc, 0, "exit")
    eq([(r["proto"], r["id.orig_h"], r["id.orig_p"], r["id.resp_h"], r["id.resp_p"], r["orig_pkts"],
         r["resp_pkts"], r["orig_frame_bytes"], r["conn_state"]) for r in read_flows(fl)],
       [("udp", a, 3000, b, 4000, 1, 0, len(frames[0]), "S0"),
        ("icmp", b, 0, a, 0, 1, 0, len(frames[1]), "OTH"),
        ("icmp", c, 0, a, 0, 1, 0, len(frames[2]), "OTH")], "flows")
    tables = out.split("Conversations")
    eq([(r[0], r[2], int(r[7])) for r in conv_rows(tables[1])], [(f"{a}:3000", f"{b}:4000", 1)], "conv,udp")
    eq(sorted((r[0], r[2], int(r[7])) for r in conv_rows(tables[2])), [(a, b, 2), (c, a, 1)], "conv,ip")


# ---------------------------------------------------------------------------------------
# 5. VLAN collisions

@case
def vlan_collisions():
    # The same UDP 5-tuple (and the same TCP one) on VLAN 10 and VLAN 20: tshark's key has
    # no VLAN, so one flow each by default; --vlan-in-key keeps the VLANs apart: two each.
    a, b = "10.9.9.1", "10.9.9.2"
    recs = []
    for i, v in enumerate((10, 20, 10, 20)):
        recs.append((BASE_US + 2 * i * 1000, frame(a, b, "udp", udp(4000, 53, bytes(i + 1)), vlans=(v,))))
        recs.append((BASE_US + (2 * i + 1) * 1000, frame(a, b, "tcp", tcp(4001, 80, 1 + i, ACK), vlans=(v,))))
    path = write("vlan.pcap", recs)
    for extra, nflows in (((), 2), (("--vlan-in-key",), 4)):
        fl = os.path.join(TMP, "vlan.csv")
        rc, out, _ = run("-r", path, "-q", "--flows", fl, "-z", "conv,ip", *extra)
        eq(rc, 0, f"exit {extra}")
        rows = read_flows(fl)
        eq(len(rows), nflows, f"flows {extra}")
        eq(sum(r["orig_pkts"] for r in rows), 8, f"packets {extra}")
        eq(sorted(r["orig_pkts"] for r in rows), [4, 4] if not extra else [2, 2, 2, 2], f"split {extra}")
        eq(len(conv_rows(out)), 1 if not extra else 2, f"conv,ip rows {extra}")


# ---------------------------------------------------------------------------------------
# 6. --expired-flows with --idle-timeout

@case
def expired_flows_idle():
    # UDP flow X at 0 s and 1 s, then again at 50 s and 55 s; flow Y every 10 s from 0.5 s
    # to 100.5 s (never idle 30 s). With --idle-timeout 30, X's first flow ends "idle" once
    # packet time passes 31 s (Y's packet at 40.5 s), X's second flow once it passes 85 s
    # (Y's packet at 90.5 s); Y ends "end" at the end of the run.
    x = lambda t: (BASE_US + int(t * 1e6), frame("10.5.0.1", "10.5.0.2", "udp", udp(1111, 2222, b"x")))
    y = lambda t: (BASE_US + int(t * 1e6), frame("10.5.0.3", "10.5.0.4", "udp", udp(3333, 4444, b"yy")))
    recs = sorted([x(0), x(1), x(50), x(55)] + [y(0.5 + 10 * k) for k in range(11)])
    path = write("idle.pcap", recs)
    exp, fl = os.path.join(TMP, "idle-exp.jsonl"), os.path.join(TMP, "idle-flows.jsonl")
    rc, _, err = run("-r", path, "-q", "--idle-timeout", "30", "--expired-flows", exp, "--flows", fl)
    eq((rc, err), (0, ""), "exit")
    lines = open(exp, encoding="utf-8").read().splitlines()
    recs_e = []
    for i, line in enumerate(lines):
        try:
            recs_e.append(json.loads(line))      # every line is a JSON document by itself
        except ValueError as e:
            raise AssertionError(f"line {i + 1} is not JSON: {e}: {line!r}")
    got = [(r["id.orig_p"], r["end_reason"], r["orig_pkts"], r["ts"], r["duration"]) for r in recs_e]
    eq(got, [(1111, "idle", 2, BASE_US / 1e6, 1.0), (1111, "idle", 2, BASE_US / 1e6 + 50, 5.0),
             (3333, "end", 11, BASE_US / 1e6 + 0.5, 100.0)], "expired records, in end order")
    eq([r["flow_id"] for r in recs_e], [1, 3, 2], "flow ids: X1, X2, Y (ids in creation order)")
    eq(read_flows(fl), recs_e, "--flows has the same records in the same order")
    # without the option, the 49 s gap does not split X
    rc, _, _ = run("-r", path, "-q", "--expired-flows", exp)
    eq(sorted((r["id.orig_p"], r["orig_pkts"], r["end_reason"]) for r in map(json.loads, open(exp))),
       [(1111, 4, "end"), (3333, 11, "end")], "no idle timeout: one flow per key")


@case
def expired_flows_idle_never_seen_again():
    # Z has one packet at 2 s and is never seen again; Y keeps the capture going to 100.5 s.
    # With --idle-timeout 30, Z has been idle 98.5 s when the run ends: per docs/flows.md it
    # ends by the idle timeout ("idle", at 32 s), so it is written while the run goes on,
    # before Y (which ends with the run).
    z = (BASE_US + 2000000, frame("10.6.0.1", "10.6.0.2", "udp", udp(5555, 6666, b"z")))
    y = lambda t: (BASE_US + int(t * 1e6), frame("10.6.0.3", "10.6.0.4", "udp", udp(3333, 4444, b"yy")))
    recs = sorted([z] + [y(0.5 + 10 * k) for k in range(11)])
    path = write("idle2.pcap", recs)
    exp = os.path.join(TMP, "idle2.jsonl")
    rc, _, _ = run("-r", path, "-q", "--idle-timeout", "30", "--expired-flows", exp)
    eq(rc, 0, "exit")
    got = [(r["id.orig_p"], r["end_reason"]) for r in map(json.loads, open(exp))]
    eq(got, [(5555, "idle"), (3333, "end")], "Z ends idle, first")


# ---------------------------------------------------------------------------------------
# 7. -z netscope,flows,N and -z netscope,top,N

def build_ranked():
    """Six UDP flows with known sizes; the flows ranked by total frame bytes. Flows C and D
    tie: the older (C) ranks first, as docs/flows.md says. Hosts: sums by construction."""
    spec = [  # (name, a, b, sport, dport, [(from_a, payload)])
        ("A", "10.7.0.1", "10.7.0.2", 1001, 53, [(True, 100), (False, 800)]),
        ("B", "10.7.0.1", "10.7.0.3", 1002, 53, [(True, 3000)]),
        ("C", "10.7.0.4", "10.7.0.5", 1003, 53, [(True, 500), (False, 500)]),
        ("D", "10.7.0.6", "10.7.0.5", 1004, 53, [(False, 400), (True, 600)]),
        ("E", "10.7.0.2", "10.7.0.3", 1005, 53, [(True, 10)]),
        ("F", "10.7.0.6", "10.7.0.1", 1006, 53, [(True, 2000), (False, 50), (True, 50)]),
    ]
    recs, flows, hosts, t = [], [], {}, BASE_US
    for name, a, b, sp, dp, pkts in spec:
        fb = [0, 0]; fr = [0, 0]
        for from_a, n in pkts:
            f = frame(a, b, "udp", udp(sp, dp, bytes(n))) if from_a else frame(b, a, "udp", udp(dp, sp, bytes(n)))
            recs.append((t, f)); t += 1000
            # the first packet's source is A: for D the first packet goes b -> a
            fb[0 if from_a == pkts[0][0] else 1] += len(f)
            fr[0 if from_a == pkts[0][0] else 1] += 1
            for h in (a, b):
                hosts.setdefault(h, [0, 0])
                hosts[h][0] += len(f); hosts[h][1] += 1
        orig, resp, op, rp = (a, b, sp, dp) if pkts[0][0] else (b, a, dp, sp)
        flows.append((name, len(flows) + 1, orig, op, resp, rp, fr, fb))
    return recs, flows, hosts


@case
def top_flows_and_talkers():
    recs, flows, hosts = build_ranked()
    path = write("ranked.pcap", recs)
    ranked = sorted(flows, key=lambda f: (-(f[7][0] + f[7][1]), f[1]))
    totals = [f[7][0] + f[7][1] for f in ranked]
    assert totals[2] == totals[3] and totals[1] > totals[2] > totals[4], "construction: C and D tie at 3rd/4th"
    rc, out, _ = run("-r", path, "-q", "-z", "netscope,flows,4")
    eq(rc, 0, "exit")
    rows = [l.split() for l in out.splitlines() if " <-> " in l and l.split()[0].isdigit()]
    want = [[str(f[1]), f"{f[2]}:{f[3]}", "<->", f"{f[4]}:{f[5]}", str(f[6][0]), str(f[7][0]),
             str(f[6][1]), str(f[7][1])] for f in ranked[:4]]
    eq([[r[0]] + r[2:9] for r in rows], want, "the 4 largest flows, largest first, ties to the older")
    eq([r[0] for r in rows], [str(f[1]) for f in ranked[:4]], "ranking")
    # N = 3 cuts between the tied C and D: the older, C, is kept
    rc, out, _ = run("-r", path, "-q", "-z", "netscope,flows,3")
    rows = [l.split() for l in out.splitlines() if " <-> " in l and l.split()[0].isdigit()]
    eq([r[0] for r in rows], [str(f[1]) for f in ranked[:3]], "N = 3 keeps the older of the tie")
    # top talkers: each frame counts for both its source and destination; few hosts, so
    # the sketch is exact (Error 0)
    by_host = sorted(hosts.items(), key=lambda kv: -kv[1][0])
    assert by_host[2][1][0] > by_host[3][1][0], "construction: no tie at the cut"
    rc, out, _ = run("-r", path, "-q", "-z", "netscope,top,3")
    eq(rc, 0, "exit")
    rows = [l.split() for l in out.splitlines() if l[:1].isdigit()]
    eq(rows, [[h, str(v[0]), "0", str(v[1]), "0"] for h, v in by_host[:3]], "top 3 hosts")


@case
def top_flows_ipv6_endpoints():
    # An IPv6 address followed by ":port" is ambiguous ("2001:db8::1:1" is also an
    # address); netscope's own table writes IPv6 endpoints as [address]:port (RFC 5952
    # section 6), so a reader can split them. IPv4 endpoints stay address:port.
    recs = [(BASE_US, frame("2001:db8::1", "2001:db8::2", "udp", udp(1, 2, bytes(100)))),
            (BASE_US + 1000, frame("10.0.0.1", "10.0.0.2", "udp", udp(3, 4, bytes(10))))]
    path = write("top6.pcap", recs)
    rc, out, _ = run("-r", path, "-q", "-z", "netscope,flows,2")
    eq(rc, 0, "exit")
    rows = [l.split() for l in out.splitlines() if " <-> " in l and l.split()[0].isdigit()]
    eq([r[2:5] for r in rows], [["[2001:db8::1]:1", "<->", "[2001:db8::2]:2"],
                                ["10.0.0.1:3", "<->", "10.0.0.2:4"]], "endpoints")


# ---------------------------------------------------------------------------------------
# 8. Atomic output and damaged input

@case
def flows_into_missing_directory():
    missing = os.path.join(TMP, "no-such-dir")
    path = os.path.join(missing, "out.csv")
    rc, out, err = run("-r", MIXED_PCAP, "-q", "--flows", path)
    assert rc != 0, "exit must be non-zero"
    eq(rc, 2, "exit (an output that cannot be written is a run error, not usage)")
    one_error_line(err, "missing dir")
    assert path in err, err
    assert not os.path.exists(missing) and not os.path.exists(path), "nothing created"
    # the same for the streaming --expired-flows file
    rc, out, err = run("-r", MIXED_PCAP, "-q", "--expired-flows", path)
    eq(rc, 2, "exit for --expired-flows")
    one_error_line(err, "missing dir, expired")
    assert not os.path.exists(missing), "nothing created"


@case
def truncated_capture_keeps_flows_read():
    # README: a file cut short prints everything before the damage, then one line, exit 2.
    # docs/flows.md: only an input that could not be read at all leaves no flow file; so the
    # flows of the whole records before the cut are written. The cut falls in the middle of
    # the last record (a new flow's packet), which must not count.
    recs = [(BASE_US + i * 1000, frame("10.8.0.1", f"10.8.0.{2 + i}", "udp", udp(1000 + i, 53, bytes(40))))
            for i in range(5)]
    data = pcap(recs)
    cut = len(data) - 20            # inside the fifth record's frame bytes
    path = write("cut.pcap", data[:cut])
    for ext in ("csv", "json", "jsonl"):
        fl = os.path.join(TMP, f"cut.{ext}")
        rc, out, err = run("-r", path, "-q", "--flows", fl)
        eq(rc, 2, f"exit (.{ext})")
        one_error_line(err, "cut")
        assert err.startswith(f"netscope: {path}: "), err
        assert "frame 5" in err, err
        rows = read_flows(fl)
        eq([(r["id.orig_p"], r["id.resp_h"], r["orig_pkts"]) for r in rows],
           [(1000 + i, f"10.8.0.{2 + i}", 1) for i in range(4)], f"flows before the damage (.{ext})")
        no_leftovers(TMP, f"cut.{ext}")
    # an input that cannot be read at all: no flow file, no temporary
    fl = os.path.join(TMP, "garbage.csv")
    rc, _, err = run("-r", write("garbage.pcap", b"not a capture at all, not at all\n"), "--flows", fl)
    eq(rc, 2, "exit for garbage")
    assert not os.path.exists(fl), "no flow file for an unreadable input"
    no_leftovers(TMP, "garbage.csv")


# ---------------------------------------------------------------------------------------
# 9. 200 000 distinct UDP flows

@case
def many_udp_flows():
    n = 200_000
    tmpl = frame("10.0.0.0", "172.20.0.1", "udp", udp(1, 53, bytes(4)))   # 14 + 20 + 12 bytes
    hdr = struct.pack("<IIII", 0, 0, len(tmpl), len(tmpl))
    parts = [struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)]
    pre, post = tmpl[:26], tmpl[30:34]          # up to ip.src; ip.dst
    rest = tmpl[38:]                             # after sport + dport
    for i in range(n):
        # distinct source address per flow (10.x.y.z) and a source port from i
        src = struct.pack("!I", (10 << 24) | (i + 1))
        parts.append(struct.pack("<IIII", 1_700_000_000 + i // 1000, (i % 1000) * 1000, len(tmpl), len(tmpl)))
        parts.append(pre + src + post + struct.pack("!HH", 1024 + i % 60000, 53) + rest)
    path = write("many.pcap", b"".join(parts))
    fl = os.path.join(TMP, "many.csv")
    rc, out, err = run("-r", path, "-q", "--flows", fl, "-z", "conv,udp", timeout=120)
    eq((rc, err), (0, ""), "exit")
    with open(fl, newline="") as f:
        rd = csv.reader(f)
        header = next(rd)
        rows = sum(1 for _ in rd)
    eq(rows, n, "--flows rows")
    eq(len(conv_rows(out)), n, "conv,udp rows")


@case
def million_flows_caps_and_scale():
    # 1 000 000 one-packet UDP flows (distinct sources) through a table capped at 100 000, in
    # scale mode and with full analysis: every flow is created and counted once, 900 000 are
    # evicted at the cap (the least recently seen first), the table never holds more than
    # 100 000, and the top-flows table still ranks by bytes (all equal: the oldest first).
    n = 1_000_000
    tmpl = frame("10.0.0.0", "172.20.0.1", "udp", udp(1, 53, bytes(4)))
    pre, post, rest = tmpl[:26], tmpl[30:34], tmpl[38:]
    rec = struct.Struct("<IIII")
    parts = [struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)]
    for i in range(n):
        parts.append(rec.pack(1_700_000_000 + i // 100_000, (i % 100_000) * 10, len(tmpl), len(tmpl)))
        parts.append(pre + struct.pack("!I", (10 << 24) | (i + 1)) + post + struct.pack("!HH", 1024 + i % 60000, 53) + rest)
    path = write("million.pcap", b"".join(parts))
    F = "Flows (TCP/UDP and other IP protocols)"
    for mode in (["--scale"], []):
        rc, out, err = run("-r", path, "-q", "--max-flows", "100000", "-z", "netscope,stats", *mode, timeout=300)
        eq((rc, err), (0, ""), f"exit {mode}")
        got, sec = {}, None
        for line in out.splitlines():
            if not line.startswith("  "):
                sec = line
                continue
            name, val = line.strip().rsplit(None, 1)
            got[(sec, name)] = int(val)
        eq((got[(F, "created")], got[(F, "evicted (table full)")], got[(F, "peak active")]),
           (n, n - 100_000, 100_000), f"caps {mode}")


# ---------------------------------------------------------------------------------------

print()
for name, status, msg, dt in results:
    print(f"{status:5} {name} ({dt:.1f}s){': ' + msg if msg else ''}")
failed = [r for r in results if r[1] == "FAIL"]
xf = [r for r in results if r[1] == "XFAIL"]
print(f"{len(results) - len(failed) - len(xf)} passed, {len(xf)} expected failures, {len(failed)} failed "
      f"in {time.monotonic() - T_START:.1f}s")
shutil.rmtree(TMP, ignore_errors=True)
sys.exit(1 if failed else 0)
