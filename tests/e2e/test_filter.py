#!/usr/bin/env python3
"""End-to-end tests of -Y display filters (docs/filter.md).

Without tshark: errors (exit 1, one line with the column), the semantics on captures whose
answers were read from tshark 4.0.17 and written here, and what -Y does and does not change
(every -T mode prints only matching frames; flows, -z tables and alerts see every frame).
With tshark: for every capture in captures/ and ../shared/captures/real and every filter in
FILTERS, the frame numbers netscope prints must equal `tshark -Y F -T fields -e
frame.number`. Differences that are understood are pinned in PINNED with their reason; an
unpinned difference fails, and so does a pin that no longer differs. Exit 77 (skip) when
tshark is missing, after the parts that do not need it passed.

tshark's answers are stored in --cache (keyed by the capture's SHA-256 and the filter), a file
committed beside this script (tests/e2e/filter-tshark.json), as the golden tests store
tshark's output: a run compares with it and never starts tshark for a stored answer.
`--update` asks the installed tshark for every missing answer and rewrites the file (a
full refresh takes some 15 minutes on 2 cores: 3744 tshark runs)."""
import argparse
import concurrent.futures
import glob
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile

ap = argparse.ArgumentParser()
ap.add_argument("--netscope", required=True)
ap.add_argument("--shared", default=os.path.join("..", "shared"))
ap.add_argument("--cache", default=None, help="JSON file of tshark's stored answers")
ap.add_argument("--update", action="store_true", help="ask tshark for missing answers and rewrite --cache")
ap.add_argument("--verbose", action="store_true")
ARGS = ap.parse_args()
NS = ARGS.netscope

# Filters both tools understand (tshark 4.0 wants commas between set elements; netscope
# also takes spaces, checked separately below).
FILTERS = [
    "tcp", "udp", "not udp", "ip", "ipv6", "icmp || icmpv6", "arp", "dns", "eth", "vlan",
    "mdns or llmnr", "gre or mpls",
    "tcp.analysis.retransmission",
    "tcp.analysis.duplicate_ack or tcp.analysis.lost_segment",
    "tcp.analysis.ack_rtt > 0.05",
    "tcp.analysis.initial_rtt < 0.01",
    "tcp.stream == 3",
    "udp.stream eq 0",
    "ip.src == 192.168.0.0/16 and tcp.dstport in {80, 443}",
    "ip.dst == 10.0.0.0/8 or ip.dst == 172.16.0.0/12",
    "ip.src != 192.0.2.1",
    "ip.src ~= 192.0.2.1",
    "ipv6.src == fe80::/10",
    'dns.qry.name contains "google"',
    'dns.qry.name contains "example"',
    "dns.flags.response == 1 and dns.count.queries != 1",
    "frame.len > 1000",
    "frame.len <= 60 && !tcp",
    "frame.time_relative > 1.5",
    "ipv6 && tcp.flags == 0x012",
    "tcp.flags & 0x04",
    "tcp.srcport in {1..1023} and not (tcp.dstport >= 1024)",
    "tcp.len > 0 and not tcp.analysis.keep_alive",
    "tcp.options.mss_val < 1460",
    "tls.handshake.extensions_server_name",
    "eth.dst == ff:ff:ff:ff:ff:ff",
    "ip.ttl >= 128 || ipv6.hlim == 255",
    "ip.flags.mf == 1 or ip.frag_offset > 0",
    "udp.dstport in {53, 5353, 5355} || udp.srcport in {53, 5353, 5355}",
    "ip.addr == 192.168.0.0/16 and not ip.addr == 192.168.1.1",
    "ip.addr != 10.0.0.0/8 || ipv6.addr == fe80::/10",
    "tcp.port in {80, 443, 8080} or udp.port == 53",
    "eth.addr == ff:ff:ff:ff:ff:ff",
]

# (filter, capture basename): reason. Differences that are known and explained.
PINNED = {
    ('udp', 'malformed_gre.pcap'):
        'GRE version 1 (enhanced GRE, PPTP): tshark follows it into PPP/IP/UDP, netscope marks GRE_VERSION and stops',
    ('not udp', 'malformed_gre.pcap'):
        'GRE version 1 (enhanced GRE, PPTP): tshark follows it into PPP/IP/UDP, netscope marks GRE_VERSION and stops',
    ('udp.stream eq 0', 'malformed_gre.pcap'):
        'GRE version 1 (enhanced GRE, PPTP): tshark follows it into PPP/IP/UDP, netscope marks GRE_VERSION and stops',
    ('ip.src ~= 192.0.2.1', 'malformed_gre.pcap'):
        'GRE version 1 (enhanced GRE, PPTP): tshark follows it into PPP/IP/UDP, netscope marks GRE_VERSION and stops',
    ('gre or mpls', 'malformed_gre.pcap'):
        "a malformed header: tshark shows or hides a broken protocol by where its dissector threw; netscope's ns_layer_shown() approximates that per protocol (docs/filter.md)",
    ('arp', 'malformed_arp.pcap'):
        "a malformed header: tshark shows or hides a broken protocol by where its dissector threw; netscope's ns_layer_shown() approximates that per protocol (docs/filter.md)",
    ('icmp || icmpv6', 'malformed_icmp.pcap'):
        "a malformed header: tshark shows or hides a broken protocol by where its dissector threw; netscope's ns_layer_shown() approximates that per protocol (docs/filter.md)",
    ('ip', 'malformed_ipv4.pcap'):
        "a malformed header: tshark shows or hides a broken protocol by where its dissector threw; netscope's ns_layer_shown() approximates that per protocol (docs/filter.md)",
    ('ipv6', 'malformed_ipv4.pcap'):
        "a malformed header: tshark shows or hides a broken protocol by where its dissector threw; netscope's ns_layer_shown() approximates that per protocol (docs/filter.md)",
    ('ipv6', 'malformed_ipv6.pcap'):
        "a malformed header: tshark shows or hides a broken protocol by where its dissector threw; netscope's ns_layer_shown() approximates that per protocol (docs/filter.md)",
    ('ip', 'malformed_raw.pcap'):
        "a malformed header: tshark shows or hides a broken protocol by where its dissector threw; netscope's ns_layer_shown() approximates that per protocol (docs/filter.md)",
    ('ipv6', 'malformed_raw.pcap'):
        "a malformed header: tshark shows or hides a broken protocol by where its dissector threw; netscope's ns_layer_shown() approximates that per protocol (docs/filter.md)",
    ('tcp.analysis.retransmission', 'malformed_tcp.pcap'):
        'a cut TCP header: tshark analyses the segment, netscope does not (tests/e2e/pinned.tsv has the same frame)',
    ('udp.stream eq 0', 'malformed_udp.pcap'):
        'a cut UDP header: netscope gives it a stream index, tshark none (the golden tests pin udp.stream there too)',
    ('tls.handshake.extensions_server_name', 'tcpdump-quic_handshake.pcap'):
        'the ClientHello is inside QUIC CRYPTO frames: netscope does not dissect QUIC',
}

from nstest import RESULTS as results, quiet_case as case  # noqa: E402,F401
HERE = os.getcwd()


def run(*args):
    p = subprocess.run([NS, *args], capture_output=True, timeout=120)
    return p.returncode, p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")


def frames(cap, flt):
    rc, out, err = run("-r", cap, "-Y", flt, "-T", "fields", "-e", "frame.number")
    if rc == 1:
        raise AssertionError(f"netscope refused {flt!r}: {err.strip()}")
    return [int(x) for x in out.split()]


def frames_two(cap):
    rc, out, err = run("-r", cap, "-Y", "udp", "-Y", "tcp", "-T", "fields", "-e", "frame.number")
    return [int(x) for x in out.split()]


def frames_c(cap, flt, n):
    rc, out, _ = run("-r", cap, "-c", str(n), "-Y", flt, "-T", "fields", "-e", "frame.number")
    return [int(x) for x in out.split()]


def eq(got, want, what):
    if got != want:
        raise AssertionError(f"{what}: expected {want!r}, got {got!r}")


# ---- errors -------------------------------------------------------------------------

ERRORS = [
    ("ip.src ==", "column 10: expected a value after '=='"),
    ("http.host == x", "column 1: 'http.host' is neither a field nor a protocol netscope knows "
                       "(netscope -G fields lists the fields)"),
    ("(udp", "column 5: expected ')' to close the '(' at column 1"),
    ("udp)", "column 4: ')' without a matching '('"),
    ("udp &&", "column 7: expected a test after '&&'"),
    ("udp tcp", "column 5: unexpected 'tcp': expected 'and', 'or' or the end"),
    ("ip.src == 1.2.3", "column 11: '1.2.3' is not valid for ip.src: expected an IPv4 address or "
                        "subnet, like 10.0.0.0/8"),
    ("ip.src == 10.0.0.0/33", "column 11: '10.0.0.0/33' is not valid for ip.src: expected an "
                              "IPv4 address or subnet, like 10.0.0.0/8"),
    ("tcp.srcport == 70000", "column 16: '70000' is too big for tcp.srcport (at most 65535)"),
    ('tcp.srcport == "80"', "column 16: tcp.srcport is an unsigned integer: write the value "
                            "without quotes"),
    ("frame.len contains 1", "column 11: 'contains' needs a string field; frame.len is an "
                             "unsigned integer"),
    ("tcp.analysis.retransmission == 1", "column 29: tcp.analysis.retransmission has no value "
                                         "(it is a label): it can only be tested for presence"),
    ("tcp == 1", "column 5: 'tcp' is a protocol: it can only be tested for presence"),
    ('dns.qry.name == "a\\zb"', "column 19: '\\z' is not a valid escape (use \\\\, \\\", \\xHH, "
                                "\\ooo, \\n, \\t, ...)"),
    ('dns.qry.name == "abc', "column 17: unterminated string"),
    ("ip.src = 10.0.0.1", "column 8: '=' is not an operator: use '=='"),
    ('dns.qry.name matches "x"', "column 14: 'matches' and '~' (regular expressions) are not "
                                 "supported"),
    ("ip.src[0:2] == 0a:00", "column 7: slices ('field[i:n]') are not supported"),
    ("len(dns.qry.name) > 3", "column 1: functions ('len()') are not supported"),
    ("tcp.srcport in {80,}", "column 20: expected a value after ','"),
    ("tcp.srcport in 80", "column 16: expected '{' after 'in', got '80'"),
    ("tcp.srcport in {80", "column 19: expected '}' to close the '{' at column 16"),
    ("tcp.srcport == tcp.dstport", "column 16: comparing two fields ('tcp.dstport') is not "
                                   "supported"),
    ("tcp.flags & 2 == 2", "column 15: comparing the result of '&' is not supported: "
                           "'tcp.flags & M' alone tests whether a bit of M is set"),
    ("tcp.analysis.ack_rtt > 1e-3", "column 24: '1e-3' is not valid for tcp.analysis.ack_rtt: "
                                    "expected seconds, like 0.25"),
    ("(" * 70 + "udp" + ")" * 70, "column 65: nested too deeply (at most 64 levels of '(' and 'not')"),
]


@case
def errors_name_the_column():
    for flt, msg in ERRORS:
        rc, out, err = run("-r", "captures/icmp.pcap", "-Y", flt)
        eq((rc, out, err), (1, "", f"netscope: -Y: {msg}\n"), f"-Y {flt!r}")


# ---- semantics, answers read from tshark 4.0.17 ---------------------------------------

# captures/icmp.pcap: ip.src per frame: 1 192.0.2.1; 2 198.51.100.2; 3 and 4 198.51.100.2,
# 192.0.2.1 (an ICMP error quoting the packet); 5 192.0.2.254,192.0.2.1; 6 192.0.2.1.
# Frames 3 and 5 quote UDP (srcport 40200), 4 quotes TCP (40201).
SEMANTICS = [
    ("captures/icmp.pcap", "ip.src == 192.0.2.1", [1, 3, 4, 5, 6]),
    ("captures/icmp.pcap", "ip.src != 192.0.2.1", [2]),             # all occurrences differ
    ("captures/icmp.pcap", "ip.src ne 192.0.2.1", [2]),
    ("captures/icmp.pcap", "not ip.src == 192.0.2.1", [2]),
    ("captures/icmp.pcap", "ip.src ~= 192.0.2.1", [2, 3, 4, 5]),    # some occurrence differs
    ("captures/icmp.pcap", "ip.src !== 192.0.2.1", [2, 3, 4, 5]),
    ("captures/icmp.pcap", "ip.src any_ne 192.0.2.1", [2, 3, 4, 5]),
    ("captures/icmp.pcap", "ip.src === 192.0.2.1", [1, 6]),
    ("captures/icmp.pcap", "ip.src all_eq 192.0.2.1", [1, 6]),
    ("captures/icmp.pcap", "ip.src > 192.0.2.1", [2, 3, 4, 5]),
    ("captures/icmp.pcap", "ip.src >= 198.51.100.2", [2, 3, 4]),
    ("captures/icmp.pcap", "ip.src == 192.0.2.0/24", [1, 3, 4, 5, 6]),
    ("captures/icmp.pcap", "ip.src != 192.0.2.0/24", [2]),
    ("captures/icmp.pcap", "ip.src > 192.0.2.0/24", [2, 3, 4]),     # compared under the mask
    ("captures/icmp.pcap", "ip.src in {192.0.2.254, 198.51.100.2}", [2, 3, 4, 5]),
    ("captures/icmp.pcap", "ip.src in {192.0.2.254 198.51.100.2}", [2, 3, 4, 5]),  # netscope only
    ("captures/icmp.pcap", "ip.src in {192.0.2.250..192.0.2.255}", [5]),
    ("captures/icmp.pcap", "ip.src in {192.0.2.0/24}", [1, 3, 4, 5, 6]),
    ("captures/icmp.pcap", "ip.src not in {192.0.2.1}", [2]),
    ("captures/icmp.pcap", "udp.srcport in {40000..40200}", [3, 5]),
    ("captures/icmp.pcap", "udp.srcport in {40000 .. 40200}", [3, 5]),
    ("captures/icmp.pcap", "udp.srcport == 0x9d08", [3, 5]),
    ("captures/icmp.pcap", "udp", [3, 5]),
    ("captures/icmp.pcap", "tcp", [4]),
    ("captures/icmp.pcap", "frame", [1, 2, 3, 4, 5, 6]),
    ("captures/icmp.pcap", "", [1, 2, 3, 4, 5, 6]),
    ("captures/icmp.pcap", "ip.flags.mf == False", [1, 2, 3, 4, 5, 6]),
    ("captures/icmp.pcap", "ip.flags.mf == True", []),
    ("captures/icmp.pcap", "ip.flags.mf != True", [1, 2, 3, 4, 5, 6]),
    ("captures/icmp.pcap", "ip.src == 192.0.2.1 or udp and tcp", [1, 3, 4, 5, 6]),
    ("captures/icmp.pcap", "udp || ip.src == 192.0.2.254 && tcp", [3, 5]),
    ("captures/icmp.pcap", "(udp || ip.src == 192.0.2.254) && tcp", []),
    ("captures/icmp.pcap", "not udp or tcp", [1, 2, 4, 6]),
    ("captures/icmp.pcap", "!udp && tcp", [4]),
    ("captures/arp.pcap", "ip.src != 1.2.3.4", []),                 # absent: != is false
    ("captures/arp.pcap", "not ip.src == 1.2.3.4", [1, 2, 3, 4]),
    ("captures/arp.pcap", "ip.src not in {1.2.3.4}", [1, 2, 3, 4]),
    ("captures/icmpv6.pcap", "ipv6.src == 2001:db8::/32", list(range(1, 10))),
    ("captures/icmpv6.pcap", "ipv6.src == 2001:db8::1", [1, 3, 4, 5, 6, 7, 8]),
    ("captures/icmpv6.pcap", "eth.src == 02:00:00:00:00:0a", [1, 7, 8]),
    ("captures/icmpv6.pcap", "eth.src == 02-00-00-00-00-0a", [1, 7, 8]),
    ("captures/icmpv6.pcap", "eth.src == 0200.0000.000a", [1, 7, 8]),
    ("captures/icmpv6.pcap", "eth.src == 02000000000a", [1, 7, 8]),
    ("captures/icmpv6.pcap", "eth.src > 02:00:00:00:00:0a", [2, 3, 4, 5, 6, 9]),
    ("captures/dns_udp.pcap", 'dns.qry.name contains "exa"', [1, 2, 3, 4, 7, 8]),
    ("captures/dns_udp.pcap", "dns.qry.name contains exa", [1, 2, 3, 4, 7, 8]),
    ("captures/dns_udp.pcap", 'dns.qry.name contains "\\x65xa"', [1, 2, 3, 4, 7, 8]),
    ("captures/dns_udp.pcap", 'dns.qry.name contains "\\145xa"', [1, 2, 3, 4, 7, 8]),
    ("captures/dns_udp.pcap", 'dns.qry.name contains "EXA"', []),
    ("captures/dns_udp.pcap", 'dns.qry.name > "f"', [1, 2, 3, 4, 8]),
    ("captures/mdns_llmnr.pcap", "dns", []),
    ("captures/mdns_llmnr.pcap", "mdns", [1, 2, 3]),
    ("captures/mdns_llmnr.pcap", "llmnr", [4, 5, 6]),
    ("captures/tcp_analysis.pcap", "tcp.analysis.ack_rtt > 0.05", [9]),
    ("captures/tcp_analysis.pcap", "tcp.analysis.ack_rtt > -1", [2, 3, 7, 9, 15, 18, 20, 28, 29]),
    ("captures/tcp_analysis.pcap", "frame.time_relative > 1", [24, 25, 26, 27, 28, 29]),
    ("captures/tcp_analysis.pcap", "frame.time_epoch > 1000", list(range(1, 30))),
    ("captures/tcp_analysis.pcap", "tcp.flags & 0x02", [1, 2]),
    ("captures/tcp_analysis.pcap", "frame.number < 5 && frame.number > 2", [3, 4]),
    ("captures/tcp_analysis.pcap", "frame.number lt 5 || frame.number ge 28", [1, 2, 3, 4, 28, 29]),
    ("captures/tcp_analysis.pcap", "!(frame.number <= 25)", [26, 27, 28, 29]),
]


@case
def semantics_as_tshark():
    bad = []
    for cap, flt, want in SEMANTICS:
        got = frames(cap, flt)
        if got != want:
            bad.append(f"{cap} -Y {flt!r}: expected {want}, got {got}")
    if bad:
        raise AssertionError("; ".join(bad))


# ---- what -Y changes and what it does not ------------------------------------------

@case
def every_mode_prints_only_matches():
    cap, flt = "captures/icmp.pcap", "udp"
    rc, out, _ = run("-r", cap, "-Y", flt)
    eq((rc, [int(line.split()[0]) for line in out.splitlines()]), (0, [3, 5]), "text")
    rc, out, _ = run("-r", cap, "-Y", flt, "-T", "json")
    doc = json.loads(out)
    eq([d["_source"]["layers"]["frame.number"] for d in doc], [["3"], ["5"]], "json")
    rc, out, _ = run("-r", cap, "-Y", "ip.src == 203.0.113.9", "-T", "json")
    eq(json.loads(out), [], "json with no match")
    rc, out, _ = run("-r", cap, "-Y", flt, "-T", "ek", "-e", "frame.number")
    docs = [json.loads(x) for x in out.splitlines()]
    eq([d["layers"]["frame_number"] for d in docs if "layers" in d], [["3"], ["5"]], "ek")
    rc, out, _ = run("-r", cap, "-Y", flt, "-T", "fields", "-E", "header=y", "-e", "frame.number")
    eq(out, "frame.number\n3\n5\n", "fields with header")
    rc, out, _ = run("-r", cap, "-Y", flt, "-q")
    eq((rc, out), (0, ""), "-q")
    # the last -Y wins
    eq(frames_two(cap), [4], "two -Y")


@case
def statistics_flows_and_alerts_see_every_frame():
    tmp = tempfile.mkdtemp(prefix="ns-filter-")
    cap = "captures/attack.pcap"
    outs = []
    for extra in ([], ["-Y", "frame.number == 1"]):
        flows = os.path.join(tmp, f"flows{len(outs)}.csv")
        alerts = os.path.join(tmp, f"alerts{len(outs)}.jsonl")
        rc, out, err = run("-r", cap, "-q", "-z", "conv,tcp", "-z", "netscope,alerts",
                           "-z", "netscope,stats", "--flows", flows, "--alerts", alerts, *extra)
        eq(rc, 0, f"exit with {extra}")
        outs.append((out, open(flows).read(), open(alerts).read()))
    eq(outs[1], outs[0], "statistics, flows and alerts with and without -Y")
    shutil.rmtree(tmp)


@case
def count_counts_frames_read():
    # as tshark: -c stops after N frames read, matching or not
    eq(frames_c("captures/tcp_analysis.pcap", "frame.number > 10", 5), [], "-c 5")
    eq(frames_c("captures/tcp_analysis.pcap", "frame.number > 3", 5), [4, 5], "-c 5")


# ---- against tshark ------------------------------------------------------------------

def captures():
    caps = sorted(glob.glob("captures/*.pcap") + glob.glob("captures/*.pcapng"))
    real = os.path.join(ARGS.shared, "captures", "real")
    caps += sorted(p for p in glob.glob(os.path.join(real, "*")) if p.endswith((".pcap", ".pcapng")))
    return caps


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def tshark_frames(cap, flt, env):
    p = subprocess.run(["tshark", "-r", cap, "-Y", flt, "-T", "fields", "-e", "frame.number"],
                       capture_output=True, timeout=300, env=env)
    if p.returncode not in (0, 2) or b"was unexpected" in p.stderr or b"neither a field" in p.stderr:
        raise RuntimeError(f"tshark -r {cap} -Y {flt!r}: exit {p.returncode}: {p.stderr.decode().strip()}")
    return [int(x) for x in p.stdout.split()]


def vs_tshark():
    env = dict(os.environ, WIRESHARK_CONFIG_DIR=tempfile.mkdtemp(prefix="ns-ws-"))
    version = "stored answers"
    if ARGS.update:
        version = subprocess.run(["tshark", "--version"], capture_output=True, env=env).stdout.decode().splitlines()[0]
    cache = {}
    if ARGS.cache and os.path.exists(ARGS.cache):
        try:
            with open(ARGS.cache) as f:
                cache = json.load(f)
        except ValueError:
            cache = {}
    if "answers" not in cache:
        cache = {"version": version, "answers": {}}
    answers = cache["answers"]
    missing = 0
    caps = captures()
    digests = {c: sha256(c) for c in caps}
    jobs = [(c, f) for c in caps for f in FILTERS]

    def one(job):
        cap, flt = job
        key = digests[cap] + "\t" + flt
        want = answers.get(key)
        if want is None and ARGS.update:
            want = tshark_frames(cap, flt, env)
        return job, key, want, frames(cap, flt) if want is not None else None

    agree = 0
    failures = []
    seen_pins = set()
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as ex:
        for (cap, flt), key, want, got in ex.map(one, jobs):
            if want is None:
                missing += 1        # no stored answer (a capture added since): not compared
                continue
            answers[key] = want
            pin = (flt, os.path.basename(cap))
            if got == want:
                agree += 1
                if pin in PINNED:
                    failures.append(f"pinned but agreeing now: {flt!r} on {cap}")
                continue
            if pin in PINNED:
                seen_pins.add(pin)
                continue
            only_t = sorted(set(want) - set(got))
            only_n = sorted(set(got) - set(want))
            failures.append(f"{cap} -Y {flt!r}: tshark only {only_t[:10]}, netscope only {only_n[:10]}")
    names = {os.path.basename(c) for c in caps}
    for pin in PINNED:
        # a pin on a capture that is not here (../shared absent) is not checked
        if pin[1] in names and pin[0] not in FILTERS:
            failures.append(f"pin for a filter not tested: {pin}")
    if ARGS.cache and ARGS.update:
        cache["version"] = version
        with open(ARGS.cache, "w") as f:
            json.dump(cache, f, sort_keys=True, separators=(",", ":"))
    if missing:
        print(f"notice: {missing} filter x capture pairs have no stored tshark answer "
              f"(run with --update where tshark is installed)")
    print(f"vs tshark ({cache.get('version')}): {agree} of {len(jobs) - missing} filter x capture pairs agree "
          f"({len(FILTERS)} filters, {len(caps)} captures, {len(seen_pins)} pinned differences)")
    return failures


def main():
    for name, fail in results:
        print(("PASS " if fail is None else "FAIL ") + name + ("" if fail is None else ": " + fail))
    failed = [r for r in results if r[1] is not None]
    if ARGS.update and shutil.which("tshark") is None:
        print("--update needs tshark")
        return 1
    if not (ARGS.cache and os.path.exists(ARGS.cache)) and not ARGS.update:
        print("no stored tshark answers: the comparison with tshark is skipped")
        return 1 if failed else 77
    failures = vs_tshark()
    for f in failures:
        print("FAIL vs-tshark: " + f)
    return 1 if failed or failures else 0


sys.exit(main())
