#!/usr/bin/env python3
"""End-to-end tests of live capture (-i, -D, -f, the capture counters, signals) and of -f
on files.

-f on files runs everywhere: on every bundled capture tcpdump can read, the frames netscope
keeps equal `tcpdump -r F --count FILTER`. The live part needs root (or CAP_NET_ADMIN and
CAP_NET_RAW), `ip` and `unshare`; without them it exits 77 (meson: skipped). It builds two
network namespaces joined by a veth pair, runs a small server in one and a sender in the
other, and captures on the server's end with netscope (and, as the oracle for frame bytes,
with tcpdump, read back by tshark). The traffic is known by construction: request i carries
1000 + i bytes, its answer half that, each UDP datagram 100 + i bytes echoed back."""
import argparse
import csv
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

ap = argparse.ArgumentParser()
ap.add_argument("--netscope", required=True)
NS = os.path.abspath(ap.parse_args().netscope)
TMP = tempfile.mkdtemp(prefix="ns-live-")
TAG = str(os.getpid() % 100000)
NSA, NSB = "nsa" + TAG, "nsb" + TAG          # namespaces: server (captured) and sender
VA, VB = "nsva" + TAG, "nsvb" + TAG          # veth ends (at most 15 characters)
A_IP, B_IP = "10.77.0.1", "10.77.0.2"


from nstest import FAILURES as failures, check, finish_checks, run  # noqa: E402,F401


# --- -f on files ------------------------------------------------------------------------

# null.pcap holds two records whose BSD loopback family is in the other byte order:
# tcpdump prints them as IP but its filter does not match them; netscope normalises the
# family first (cli/bpf.c), so it keeps them, as tshark dissects them.
PINNED = {("null.pcap", "udp"): 2, ("null.pcap", "ip6"): 1}


def file_filters():
    tcpdump = shutil.which("tcpdump")
    if tcpdump is None:
        print("skip -f on files: no tcpdump (scripts/bootstrap installs it)")
        return
    caps = sorted(os.path.join("captures", f) for f in os.listdir("captures")
                  if f.endswith((".pcap", ".pcapng")))
    compared = 0
    for cap in caps:
        for flt in ["udp", "tcp", "tcp port 80", "ip6", "icmp or arp", "vlan", "udp port 53"]:
            td = run([tcpdump, "-r", cap, "--count", flt])
            m = re.search(r"^(\d+) packets?", td.stdout, re.M)
            if td.returncode != 0 or m is None:
                continue        # link types tcpdump cannot filter, pcapng with several
            want = int(m.group(1)) + PINNED.get((os.path.basename(cap), flt), 0)
            r = run([NS, "-r", cap, "-f", flt, "-T", "fields", "-e", "frame.number"])
            got = r.stdout.split()
            ok = len(got) == want and got == [str(i) for i in range(1, len(got) + 1)]
            if not ok:
                check(False, f"-r {cap} -f '{flt}': {len(got)} frames, tcpdump {want}")
            compared += 1
    check(compared > 100, f"-f on files equals tcpdump --count on {compared} (capture, filter) pairs")
    r = run([NS, "-r", "captures/eth_ip.pcap", "-f", "tcp port"])
    check(r.returncode == 1 and r.stderr.count("\n") == 1 and "tcp port" in r.stderr
          and "invalid capture filter" in r.stderr, "a bad -f is one line naming it, exit 1")
    r = run([NS, "-r", "captures/eth_ip.pcap", "-T", "fields", "-e", "frame.number", "udp"])
    r2 = run([NS, "-r", "captures/eth_ip.pcap", "-T", "fields", "-e", "frame.number", "-f", "udp"])
    check(r.returncode == 0 and r.stdout == r2.stdout, "trailing arguments are the capture filter")


def list_interfaces():
    r = run([NS, "-D"])
    check(r.returncode == 0 and re.search(r"^\d+\. lo \(Loopback\)$", r.stdout, re.M) is not None,
          "-D lists lo")


# --- live -------------------------------------------------------------------------------

SERVER = r"""
import socket, sys, threading
def tcp_conn(c):
    n = 0
    while True:
        b = c.recv(65536)
        if not b: break
        n += len(b)
    c.sendall(b"r" * (n // 2))
    c.close()
def tcp(port):
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", port)); s.listen(64)
    while True:
        c, _ = s.accept()
        threading.Thread(target=tcp_conn, args=(c,), daemon=True).start()
def udp():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("0.0.0.0", 9999))
    while True:
        b, a = s.recvfrom(65536); s.sendto(b, a)
for p in (80, 8080):
    threading.Thread(target=tcp, args=(p,), daemon=True).start()
threading.Thread(target=udp, daemon=True).start()
print("ready", flush=True)
sys.stdin.read()
"""

SENDER = r"""
import socket, sys
host, spec, nudp = sys.argv[1], sys.argv[2], int(sys.argv[3])
i = 0
for item in spec.split(","):
    port, n = map(int, item.split("x"))
    for _ in range(n):
        c = socket.create_connection((host, port), timeout=5)
        c.sendall(b"q" * (1000 + i)); c.shutdown(socket.SHUT_WR)
        got = 0
        while True:
            b = c.recv(65536)
            if not b: break
            got += len(b)
        assert got == (1000 + i) // 2, (got, i)
        c.close(); i += 1
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.settimeout(5)
for k in range(nudp):
    u.sendto(b"u" * (100 + k), (host, 9999)); u.recvfrom(65536)
"""


def sh(*args):
    r = run(list(args))
    if r.returncode != 0:
        raise RuntimeError(f"{' '.join(args)}: {r.stderr.strip()}")
    return r.stdout


def live_prereqs():
    if os.geteuid() != 0:
        return "not root"
    for tool in ("ip", "unshare"):
        if shutil.which(tool) is None:
            return f"no {tool}"
    r = run(["ip", "netns", "add", NSA])
    if r.returncode != 0:
        return "cannot create a network namespace: " + r.stderr.strip()
    return None


def setup():
    sh("ip", "netns", "add", NSB)
    for ns in (NSA, NSB):
        # no IPv6: no router solicitations or MLD reports in the captures
        sh("ip", "netns", "exec", ns, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1")
        sh("ip", "netns", "exec", ns, "sysctl", "-qw", "net.ipv6.conf.default.disable_ipv6=1")
        sh("ip", "-n", ns, "link", "set", "lo", "up")
    sh("ip", "link", "add", VA, "netns", NSA, "type", "veth", "peer", "name", VB, "netns", NSB)
    sh("ip", "-n", NSA, "addr", "add", A_IP + "/24", "dev", VA)
    sh("ip", "-n", NSB, "addr", "add", B_IP + "/24", "dev", VB)
    sh("ip", "-n", NSA, "link", "set", VA, "up")
    sh("ip", "-n", NSB, "link", "set", VB, "up")


def teardown():
    for ns in (NSA, NSB):
        run(["ip", "netns", "del", ns])      # deletes the veth pair with it


def start_capture(args, stdout=subprocess.PIPE):
    # -B 16: at the default snaplen libpcap's 2 MiB ring has few slots, and a loaded CI box
    # (or an ASan build) falls behind a burst; the counters say so, the test needs them at 0
    p = subprocess.Popen(["ip", "netns", "exec", NSA, NS, "-B", "16"] + args, stdout=stdout,
                         stderr=subprocess.PIPE, text=True)
    line = p.stderr.readline()
    if not line.startswith("Capturing on"):
        p.kill()
        raise RuntimeError(f"netscope {' '.join(args)}: {line.strip()} {p.stderr.read().strip()}")
    p.first_line = line
    time.sleep(0.3)     # the kernel's capture ring is bound; a loaded CI box may lag behind
    return p


def stop(p, sig=signal.SIGINT):
    time.sleep(1.5)                          # the last ACKs reach the interface, even loaded
    p.send_signal(sig)
    out, err = p.communicate(timeout=30)
    return p.returncode, out, err


def send(spec, nudp, host=A_IP, ns=NSB):
    sh("ip", "netns", "exec", ns, sys.executable, "-c", SENDER, host, spec, str(nudp))


def flows_of(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def stats_rows(text):
    return {m.group(1).strip(): int(m.group(2))
            for m in re.finditer(r"^  (\S.*?)\s+(\d+)$", text, re.M)}


def tshark_bytes(pcap):
    """frame bytes and packets per (flow, direction) of a capture, by tshark."""
    r = run(["tshark", "-r", pcap, "-T", "fields", "-E", "occurrence=f", "-e", "ip.src",
             "-e", "tcp.srcport", "-e", "udp.srcport", "-e", "ip.dst", "-e", "tcp.dstport",
             "-e", "udp.dstport", "-e", "frame.len", "-e", "tcp.len", "-e", "udp.length"])
    out = {}
    for line in r.stdout.splitlines():
        src, tsp, usp, dst, tdp, udp_, flen, tlen, ulen = line.split("\t")
        if not src:
            continue
        key = (src, tsp or usp, dst, tdp or udp_, "tcp" if tsp else "udp")
        e = out.setdefault(key, [0, 0, 0])
        e[0] += int(flen)
        e[1] += 1
        e[2] += int(tlen) if tlen else (int(ulen) - 8 if ulen else 0)
    return out


def live_veth():
    flows = os.path.join(TMP, "veth.csv")
    oracle = os.path.join(TMP, "oracle.pcap")
    td = None
    if shutil.which("tcpdump") and shutil.which("tshark"):
        td = subprocess.Popen(["ip", "netns", "exec", NSA, "tcpdump", "-i", VA, "--immediate-mode", "-U", "-n", "-Z", "root",
                               "-B", "16384",  # 2 MiB holds only 8 full-snaplen slots: a loaded box drops
                               "-w", oracle], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                              text=True)
        td.stderr.readline()                 # "listening on ..."
    p = start_capture(["-i", VA, "-q", "--flows", flows, "-z", "netscope,stats"])
    send("80x20", 5)
    rc, out, err = stop(p)
    check(rc == 0, f"-i {VA}: SIGINT ends the capture with exit 0" + (f" (got {rc}: {err!r})" if rc else ""))
    rows = flows_of(flows)
    tcp = [r for r in rows if r["proto"] == "tcp"]
    udp = [r for r in rows if r["proto"] == "udp"]
    check(len(tcp) == 20 and len(udp) == 1 and len(rows) == 21,
          f"flows: 20 TCP + 1 UDP (got {len(tcp)} TCP, {len(udp)} UDP, {len(rows)} in all)")
    check(all(r["id.orig_h"] == B_IP and r["id.resp_h"] == A_IP and r["id.resp_p"] == "80"
              and r["conn_state"] == "SF" for r in tcp), "TCP flows: B -> A:80, conn_state SF")
    check(all(r["end_reason"] == "end" for r in rows), "no flow ended early (timeouts 5 min / 1 min)")
    st = stats_rows(out)
    m = re.search(r"^(\d+) packets captured$", err, re.M)
    captured = int(m.group(1)) if m else -1
    check("Capture: interface 0, " + VA in out and st.get("packets captured") == captured
          and st.get("records") == captured and captured > 20 * 8,
          f"stats: Capture section, {captured} packets captured = records")
    check(st.get("dropped by the kernel (ps_drop)") == 0 and re.search(r"^0 packets dropped$", err, re.M)
          is not None, "no drops, reported on stderr and in stats")
    pkts = sum(int(r["orig_pkts"]) + int(r["resp_pkts"]) for r in rows)
    check(pkts <= captured, "flow packets within the packets captured (the rest: ARP)")
    if td is not None:
        td.send_signal(signal.SIGINT)
        td.communicate(timeout=30)
        truth = tshark_bytes(oracle)
        ok, payload_ok = True, True
        for r in rows:
            fwd = truth.get((r["id.orig_h"], r["id.orig_p"], r["id.resp_h"], r["id.resp_p"], r["proto"]))
            rev = truth.get((r["id.resp_h"], r["id.resp_p"], r["id.orig_h"], r["id.orig_p"], r["proto"]))
            if fwd is None or rev is None:
                print(f"     flow {r['flow_id']} {r['id.orig_h']}:{r['id.orig_p']} -> "
                      f"{r['id.resp_h']}:{r['id.resp_p']}: not in the oracle capture")
                ok = payload_ok = False
                continue
            mine = [int(r["orig_frame_bytes"]), int(r["orig_pkts"]), int(r["resp_frame_bytes"]),
                    int(r["resp_pkts"])]
            if mine != fwd[:2] + rev[:2]:
                print(f"     flow {r['flow_id']}: netscope {mine}, tshark {fwd[:2] + rev[:2]}")
                ok = False
            if r["proto"] == "tcp":
                payload_ok &= fwd[2] - 1000 in range(20) and rev[2] == fwd[2] // 2
            else:
                payload_ok &= fwd[2] == rev[2] == sum(100 + k for k in range(5))
        check(ok, "frame bytes and packets per direction equal tshark's on tcpdump's capture")
        check(payload_ok, "payload per direction as sent (oracle capture is complete)")
    else:
        print("skip bytes oracle: no tcpdump or tshark")

    # -f: only port 80 reaches netscope
    flows = os.path.join(TMP, "filtered.csv")
    p = start_capture(["-i", VA, "-q", "--flows", flows, "-z", "netscope,stats", "-f", "tcp port 80"])
    send("80x5,8080x5", 3)
    rc, out, err = stop(p)
    rows = flows_of(flows)
    check(rc == 0 and len(rows) == 5 and all(r["id.resp_p"] == "80" for r in rows),
          f"-f 'tcp port 80': the 5 port-80 flows only (got {len(rows)})")
    st = stats_rows(out)
    check(st.get("records") == sum(int(r["orig_pkts"]) + int(r["resp_pkts"]) for r in rows),
          "-f: every captured frame belongs to a port-80 flow")


def live_bad_filter():
    r = run(["ip", "netns", "exec", NSA, NS, "-i", VA, "-f", "tcp port"])
    check(r.returncode == 1 and r.stderr.count("\n") == 1 and "invalid capture filter \"tcp port\"" in r.stderr,
          "live: a bad -f is one line, exit 1")
    r = run(["ip", "netns", "exec", NSA, NS, "-i", "nosuch0"])
    check(r.returncode == 2 and "nosuch0" in r.stderr, "live: an unknown interface, exit 2")


def live_loopback_and_two_interfaces():
    flows = os.path.join(TMP, "lo.csv")
    p = start_capture(["-i", "lo", "-q", "--flows", flows])
    send("80x3", 2, host="127.0.0.1", ns=NSA)
    rc, out, err = stop(p)
    rows = flows_of(flows)
    tcp = [r for r in rows if r["proto"] == "tcp"]
    check(rc == 0 and len(tcp) == 3 and len(rows) == 4 and all(r["conn_state"] == "SF" for r in tcp),
          f"-i lo: 3 TCP flows and 1 UDP flow (got {len(tcp)} TCP, {len(rows)} in all)")
    # each packet once: loopback shows both directions of one interface, not two copies
    check(all(int(r["orig_pkts"]) >= 4 and int(r["resp_pkts"]) >= 3 and int(r["orig_pkts"]) <= 8
              for r in tcp), "-i lo: each packet counted once")

    p = start_capture(["-i", VA, "-i", "lo", "-T", "fields", "-e", "frame.interface_id",
                       "-e", "ip.dst", "-e", "frame.number"])
    send("80x2", 0)
    send("80x2", 0, host="127.0.0.1", ns=NSA)
    rc, out, err = stop(p)
    lines = [line.split("\t") for line in out.splitlines() if line]
    by_if = {(i, d.startswith("10.77.") or d == "") for i, d, _ in lines}
    nums = [int(n) for _, _, n in lines]
    check(rc == 0 and p.first_line.startswith(f"Capturing on '{VA}' and 'lo'"),
          "two interfaces: 'Capturing on ... and ...'")
    check(("0", True) in by_if and ("1", False) in by_if and ("0", False) not in by_if
          and nums == list(range(1, len(nums) + 1)),
          "two interfaces: frame.interface_id is the -i index, frames numbered in one sequence")
    check(re.search(rf"^\d+ packets dropped from {VA}$", err, re.M) is not None
          and re.search(r"^\d+ packets dropped from lo$", err, re.M) is not None,
          "two interfaces: drops reported per interface")


def capinfos_count(path):
    r = run(["capinfos", "-c", "-M", path])
    m = re.search(r"Number of packets:\s+(\d+)", r.stdout)
    return int(m.group(1)) if r.returncode == 0 and m else -1


def live_write():
    """-w with -i: the file holds every packet captured, under the live interface's name."""
    if shutil.which("capinfos") is None or shutil.which("tshark") is None:
        print("skip -w with -i: no capinfos or tshark")
        return
    out = os.path.join(TMP, "live.pcapng")
    p = start_capture(["-i", VA, "-w", out, "-z", "netscope,stats"])
    send("80x5", 2)
    rc, o, err = stop(p)
    m = re.search(r"^(\d+) packets captured$", err, re.M)
    captured = int(m.group(1)) if m else -2
    names = run(["tshark", "-r", out, "-T", "fields", "-e", "frame.interface_name"]).stdout.split()
    check(rc == 0 and capinfos_count(out) == captured > 5 * 8 and set(names) == {VA}
          and len(names) == captured,
          f"-i {VA} -w: capinfos counts the {captured} packets captured, tshark names the interface")
    check([f for f in os.listdir(TMP) if f.startswith("live.pcapng.")] == [], "-w: no temporary file left")

    ring = os.path.join(TMP, "ring.pcapng")
    p = start_capture(["-i", VA, "-w", ring, "-b", "packets:10"])
    send("80x4", 0)
    rc, o, err = stop(p)
    m = re.search(r"^(\d+) packets captured$", err, re.M)
    captured = int(m.group(1)) if m else -2
    files = sorted(f for f in os.listdir(TMP) if re.fullmatch(r"ring_\d{5}_\d{14}\.pcapng", f))
    counts = [capinfos_count(os.path.join(TMP, f)) for f in files]
    check(rc == 0 and len(files) == (captured + 9) // 10 and sum(counts) == captured
          and all(c == 10 for c in counts[:-1]),
          f"-i -w -b packets:10: {len(files)} ring files of 10 packets, dumpcap's names ({counts})")

    head = os.path.join(TMP, "head.pcap")
    p = start_capture(["-i", VA, "-w", head, "-F", "pcap", "-a", "packets:7"])
    send("80x3", 0)
    try:
        p.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        p.kill()
        p.communicate()
    r = run(["capinfos", "-t", head])
    check(p.returncode == 0 and capinfos_count(head) == 7 and "pcap" in r.stdout and "pcapng" not in r.stdout,
          "-i -w -F pcap -a packets:7: the capture stops by itself after 7 packets, a pcap file")


def live_idle_flows_end_on_a_quiet_link():
    """A flow past its idle timeout ends while nothing else arrives (ns_engine_expire on
    NS_LIVE_IDLE), not only when a later packet or the end of the capture passes it."""
    exp = os.path.join(TMP, "expired.jsonl")
    p = start_capture(["-i", VA, "-q", "-f", "udp port 9999", "--idle-timeout", "1",
                       "--expired-flows", exp])
    send("80x0", 1)                          # one datagram and its echo: one UDP flow
    sent = time.monotonic()
    rows = []
    while time.monotonic() - sent < 8 and not rows:
        time.sleep(0.25)
        with open(exp) as f:
            rows = [json.loads(line) for line in f if line.strip()]
    waited = time.monotonic() - sent
    running = p.poll() is None
    stop(p)
    check(running and len(rows) == 1 and rows[0]["end_reason"] == "idle" and
          rows[0]["orig_pkts"] == 1 and rows[0]["resp_pkts"] == 1 and 1 <= waited <= 5,
          f"--idle-timeout 1 live: the quiet flow is written while the capture runs "
          f"({len(rows)} record(s) after {waited:.1f} s)")


def live_second_signal():
    flows = os.path.join(TMP, "abort.csv")
    p = start_capture(["-i", VA, "-q", "--flows", flows])
    send("80x3", 0)
    time.sleep(0.3)
    p.send_signal(signal.SIGINT)
    p.send_signal(signal.SIGTERM)            # a different signal: both are delivered
    p.communicate(timeout=30)
    left = [f for f in os.listdir(TMP) if f.startswith("abort.csv")]
    check(p.returncode in (130, 143) and left == [],
          f"a second signal exits at once ({p.returncode}) and leaves no file ({left})")
    # the same signal twice: the handler must still be there for the second one
    p = start_capture(["-i", VA, "-q", "--flows", flows])
    p.send_signal(signal.SIGINT)
    p.send_signal(signal.SIGINT)
    p.communicate(timeout=30)
    left = [f for f in os.listdir(TMP) if f.startswith("abort.csv")]
    check(p.returncode in (0, 130) and left == ([] if p.returncode == 130 else ["abort.csv"]),
          f"SIGINT twice: exit {p.returncode}, no temporary file left ({left})")


def main():
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
    file_filters()
    list_interfaces()
    why = live_prereqs()
    if why is not None:
        print(f"skip live capture: {why}")
        shutil.rmtree(TMP, ignore_errors=True)
        sys.exit(1 if failures else 77)
    try:
        setup()
        srv = subprocess.Popen(["ip", "netns", "exec", NSA, sys.executable, "-c", SERVER],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        try:
            srv.stdout.readline()            # "ready"
            live_bad_filter()
            live_veth()
            live_loopback_and_two_interfaces()
            live_write()
            live_idle_flows_end_on_a_quiet_link()
            live_second_signal()
        finally:
            srv.kill()
            srv.wait()
    finally:
        teardown()
    finish_checks(TMP)


if __name__ == "__main__":
    main()
