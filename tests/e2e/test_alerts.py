#!/usr/bin/env python3
"""End-to-end tests of anomaly detection (--alerts, -z netscope,alerts, netscope.alert).

Each capture is built here with struct, so which packet must raise which alert follows from
the construction and the documented rules (docs/anomaly.md), never from netscope's output."""
import argparse
import ipaddress
import json
import os
import random
import shutil
import struct
import subprocess
import sys
import tempfile

ap = argparse.ArgumentParser()
ap.add_argument("--netscope", required=True)
NS = ap.parse_args().netscope
TMP = tempfile.mkdtemp(prefix="ns-alerts-")
JQ = shutil.which("jq")

SYN, SYNACK, ACK, RSTACK = 0x02, 0x12, 0x10, 0x14
BASE_US = 1_700_000_000 * 1_000_000


def eth(ethertype, payload):
    return bytes.fromhex("020000000002020000000001") + struct.pack("!H", ethertype) + payload


def ip4(src, dst, proto, payload):
    return struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 1, 0, 64, proto, 0,
                       ipaddress.ip_address(src).packed, ipaddress.ip_address(dst).packed) + payload


def tcp(sport, dport, seq, flags, ack=0):
    return struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 0x50, flags, 65535, 0, 0)


def udp(sport, dport, payload=b""):
    return struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload


def icmp_unreach(code, quoted_ip):
    """ICMP destination unreachable quoting the first 28 bytes (IP header + 8) of a datagram."""
    return struct.pack("!BBHI", 3, code, 0, 0) + quoted_ip[:28]


def pkt(src, dst, proto, l4):
    return eth(0x0800, ip4(src, dst, proto, l4))


from nstest import pcap_bytes as pcap  # noqa: E402,F401


def write(name, records):
    path = os.path.join(TMP, name)
    with open(path, "wb") as f:
        f.write(pcap(records))
    return path


def run(*args):
    p = subprocess.run([NS, *args], capture_output=True, timeout=120)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


def alerts_of(path, *opts):
    """(frame, kind) per alert from --alerts, checked line by line as JSON."""
    out = os.path.join(TMP, "alerts.jsonl")
    rc, _, err = run("-r", path, "-q", "--alerts", out, *opts)
    assert (rc, err) == (0, ""), (rc, err)
    recs = [json.loads(line) for line in open(out, encoding="utf-8").read().splitlines()]
    if JQ:
        p = subprocess.run([JQ, "-c", ".kind"], stdin=open(out, "rb"), capture_output=True)
        assert p.returncode == 0 and len(p.stdout.splitlines()) == len(recs), "jq reads every line"
    return recs


def flood():
    # 1000 SYNs, 2 ms apart, each from another source, to 10.0.0.1:80, never answered: the
    # 200th (frame 200, t = 398 ms) is the first with 200 uncompleted SYNs from >= 50
    # sources within 5 s; the cooldown (5 s) keeps the next 800 quiet.
    rnd = random.Random(7)
    recs = []
    for i in range(1000):
        src = str(ipaddress.IPv4Address(rnd.randrange(0x0B000000, 0xDF000000)))
        recs.append((BASE_US + 2000 * i, pkt(src, "10.0.0.1", 6, tcp(1024 + i % 60000, 80, i, SYN))))
    return write("flood.pcap", recs)


def vertical(nports=100):
    # One scanner SYNs ports 1..nports of 10.0.0.2, 2 ms apart; each answered by RST/ACK 1 ms
    # later. A refused probe counts: the 25th RST (frame 50) fires the alert.
    recs = []
    for i in range(nports):
        t = BASE_US + 2000 * i
        recs.append((t, pkt("192.0.2.66", "10.0.0.2", 6, tcp(40000, 1 + i, 7, SYN))))
        recs.append((t + 1000, pkt("10.0.0.2", "192.0.2.66", 6, tcp(1 + i, 40000, 0, RSTACK, ack=8))))
    return write("vertical.pcap", recs)


def horizontal():
    # One scanner SYNs port 22 of 30 hosts, each answered by an ICMP host unreachable from a
    # router quoting the probe: the 10th answer (frame 20) fires.
    recs = []
    for i in range(30):
        t = BASE_US + 5000 * i
        host = f"198.51.100.{1 + i}"
        probe = ip4("192.0.2.77", host, 6, tcp(41000, 22, 9, SYN))
        recs.append((t, eth(0x0800, probe)))
        recs.append((t + 1000, pkt("203.0.113.1", "192.0.2.77", 1, icmp_unreach(1, probe))))
    return write("horizontal.pcap", recs)


def benign():
    # A client opening 40 accepted connections to 40 servers on 443 within 200 ms (each
    # with its handshake), and 50 DNS queries with answers: no rule may fire.
    recs = []
    for i in range(40):
        t = BASE_US + 5000 * i
        srv = f"198.51.100.{1 + i}"
        recs.append((t, pkt("192.0.2.10", srv, 6, tcp(50000 + i, 443, 100, SYN))))
        recs.append((t + 2000, pkt(srv, "192.0.2.10", 6, tcp(443, 50000 + i, 900, SYNACK, ack=101))))
        recs.append((t + 2100, pkt("192.0.2.10", srv, 6, tcp(50000 + i, 443, 101, ACK, ack=901))))
    for i in range(50):
        t = BASE_US + 300000 + 1000 * i
        recs.append((t, pkt("192.0.2.10", "192.0.2.53", 17, udp(30000 + i, 53, b"q" * 20))))
        recs.append((t + 500, pkt("192.0.2.53", "192.0.2.10", 17, udp(53, 30000 + i, b"a" * 40))))
    recs.sort(key=lambda r: r[0])
    return write("benign.pcap", recs)


CASES = []


def case(fn):
    CASES.append(fn)
    return fn


@case
def syn_flood_from_random_sources():
    recs = alerts_of(flood())
    assert [(r["frame"], r["kind"]) for r in recs] == [(200, "syn_flood")], recs
    r = recs[0]
    assert (r["dst"], r["port"], r["proto"], r["count"], r["threshold"]) == ("10.0.0.1", 80, "tcp", 200, 200), r
    assert r["distinct"] >= 50, r


@case
def vertical_scan_refused_by_rst():
    recs = alerts_of(vertical())
    assert [(r["frame"], r["kind"]) for r in recs] == [(50, "port_scan_vertical")], recs
    r = recs[0]
    assert (r["src"], r["dst"], r["distinct"], r["rst"], r["icmp"]) == ("192.0.2.66", "10.0.0.2", 25, 25, 0), r
    # a lower threshold fires earlier: the 10th RST is frame 20
    recs = alerts_of(vertical(), "--scan-ports", "10")
    assert [(r["frame"], r["kind"]) for r in recs] == [(20, "port_scan_vertical")], recs


@case
def horizontal_scan_with_icmp_evidence():
    recs = alerts_of(horizontal())
    assert [(r["frame"], r["kind"]) for r in recs] == [(20, "port_scan_horizontal")], recs
    r = recs[0]
    assert (r["src"], r["port"], r["proto"], r["distinct"], r["icmp"]) == ("192.0.2.77", 22, "tcp", 10, 10), r
    assert "dst" not in r, r


@case
def benign_traffic_raises_nothing():
    assert alerts_of(benign()) == []


@case
def no_alerts_switch_and_table_and_field():
    path = vertical()
    assert alerts_of(path, "--no-alerts") == []
    rc, out, err = run("-r", path, "-q", "-z", "netscope,alerts")
    assert (rc, err) == (0, ""), (rc, err)
    rows = [line for line in out.splitlines() if "port_scan_vertical" in line]
    assert len(rows) == 1 and rows[0].split()[0] == "50" and "192.0.2.66" in rows[0], out
    assert "netscope alerts: 1" in out, out
    rc, out, _ = run("-r", path, "-T", "fields", "-e", "frame.number", "-e", "netscope.alert")
    marked = [line.split("\t") for line in out.splitlines() if line.split("\t")[1]]
    assert marked == [["50", "port_scan_vertical"]], marked


@case
def bad_threshold_values_are_usage_errors():
    for opt, val in (("--scan-ports", "0"), ("--syn-flood-count", "x"), ("--scan-window", "-1"),
                     ("--syn-flood-sources", "5000")):
        rc, _, err = run("-r", vertical(), "-q", opt, val)
        assert rc == 1 and len(err.strip().splitlines()) == 1, (opt, val, rc, err)
    rc, _, err = run("-r", vertical(), "-q", "--alerts", os.path.join(TMP, "no", "such", "dir.jsonl"))
    assert rc == 2 and len(err.strip().splitlines()) == 1, (rc, err)


failed = 0
for fn in CASES:
    try:
        fn()
        print(f"ok    {fn.__name__}")
    except AssertionError as e:
        failed += 1
        print(f"FAIL  {fn.__name__}: {e}")
shutil.rmtree(TMP, ignore_errors=True)
print(f"{len(CASES) - failed} passed, {failed} failed")
sys.exit(1 if failed else 0)
