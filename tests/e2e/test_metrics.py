#!/usr/bin/env python3
"""End-to-end tests of watching a run: --stats-interval (JSON Lines), --metrics-listen
(Prometheus /metrics), the progress bar, SIGHUP rotation of the JSON Lines outputs and the
capture/output keys of the configuration file (docs/metrics.md, docs/config.md).

Oracles: tshark's -z io,stat (packets and bytes per interval) and -z conv (the top flows);
python3-prometheus-client's parser and, when installed, promtool check metrics (the
exposition format); curl (the scrape); the run's own -z netscope,stats (the values).
The parts that capture on loopback need root; without it they are skipped, and the test
exits 77 when nothing else ran."""
import argparse
import json
import os
import pty
import re
import select
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

ap = argparse.ArgumentParser()
ap.add_argument("--netscope", required=True)
ap.add_argument("--gen", required=True)
opts = ap.parse_args()
NS = os.path.abspath(opts.netscope)
GEN = os.path.abspath(opts.gen)
TMP = tempfile.mkdtemp(prefix="ns-metrics-")
SYS_PY = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable


from nstest import FAILURES as failures, check, finish_checks, run  # noqa: E402,F401


def stats_rows(text):
    """-z netscope,stats rows by name; the first of a name wins (flows before address pairs)."""
    rows = {}
    for m in re.finditer(r"^  (\S.*?)\s+(\d+)$", text, re.M):
        rows.setdefault(m.group(1).strip(), int(m.group(2)))
    return rows


def records(text):
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def io_stat(cap, iv):
    """tshark's -z io,stat rows: (start, frames, bytes)."""
    r = run(["tshark", "-r", cap, "-q", "-z", f"io,stat,{iv}"])
    return [(float(m.group(1)), int(m.group(2)), int(m.group(3)))
            for m in re.finditer(r"^\|\s*([\d.]+)\s*<>\s*(?:[\d.]+|Dur)\s*\|\s*(\d+)\s*\|\s*(\d+)\s*\|",
                                 r.stdout, re.M)]


def write_pcap(path, times, size=60):
    """A microsecond pcap of Ethernet/IPv4/UDP frames at the given times (seconds)."""
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for i, t in enumerate(times):
            ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, size - 14, i, 0, 64, 17, 0,
                             bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2]))
            udp = struct.pack("!HHHH", 1000 + i % 3, 53, size - 34, 0)
            frame = b"\x00\x01\x02\x03\x04\x05" * 2 + b"\x08\x00" + ip + udp
            frame += b"\x00" * (size - len(frame))
            sec = 1700000000 + int(t)
            f.write(struct.pack("<IIII", sec, int(round((t - int(t)) * 1e6)), size, size) + frame)


# --- --stats-interval on files: packet time, tshark's io,stat grid ---------------------------

def intervals_vs_tshark():
    have_tshark = shutil.which("tshark") is not None
    for cap, iv in [("captures/attack.pcap", "0.1"), ("captures/tcp_analysis.pcap", "1"),
                    ("captures/dns_udp.pcap", "1")]:
        r = run([NS, "-r", cap, "-q", "--stats-interval", iv, "-z", "netscope,stats"])
        recs = records(r.stderr)
        st = stats_rows(r.stdout)
        check(r.returncode == 0 and recs and recs[-1].get("final") is True
              and sum(x["packets"] for x in recs) == st["packets"]
              and sum(x["bytes"] for x in recs) == st["bytes (frame lengths)"]
              and recs[-1]["packets_total"] == st["packets"] and recs[-1]["flows_total"] == st["created"]
              and all(x["alerts_total"] >= 0 for x in recs),
              f"{cap} --stats-interval {iv}: intervals add up to -z netscope,stats ({len(recs)} records)")
        if not have_tshark:
            continue
        rows = {round(s, 3): (n, b) for s, n, b in io_stat(cap, iv)}
        mine = {round(x["rel_start"], 3): (x["packets"], x["bytes"]) for x in recs if x["packets"]}
        want = {s: v for s, v in rows.items() if v[0]}
        check(mine == want, f"{cap}: packets and bytes per interval equal tshark -z io,stat,{iv}"
              + ("" if mine == want else f" (netscope {mine}, tshark {want})"))
    if not have_tshark:
        print("skip io,stat comparison: no tshark")

    # a quiet stretch is one record; the grid starts at the first packet
    gap = os.path.join(TMP, "gap.pcap")
    write_pcap(gap, [0.0, 0.5, 5.2])
    recs = records(run([NS, "-r", gap, "-q", "--stats-interval", "1"]).stderr)
    got = [(round(x["rel_start"], 3), round(x["interval"], 3), x["packets"]) for x in recs]
    check(got == [(0.0, 1.0, 2), (1.0, 4.0, 0), (5.0, 0.2, 1)],
          f"empty intervals merge into one record (got {got})")

    out = os.path.join(TMP, "iv.jsonl")
    r = run([NS, "-r", "captures/attack.pcap", "-q", "--stats-interval", "0.1", "--stats-file", out])
    with open(out) as f:
        recs = records(f.read())
    check(r.returncode == 0 and r.stderr == "" and len(recs) == 6, "--stats-file FILE takes the records")


def top_flows_vs_tshark():
    if shutil.which("tshark") is None:
        print("skip top flows: no tshark")
        return
    cap = os.path.join(TMP, "few.pcap")
    run([GEN, "--out", cap, "--seed", "5", "--packets", "3000", "--flows", "20", "--no-attacks"])
    r = run([NS, "-r", cap, "-q", "--stats-interval", "100000"])
    recs = records(r.stderr)
    top = sorted(((t["bytes"], t["packets"]) for t in recs[-1]["top"]), reverse=True) if recs else []
    # tshark's conv tables round bytes (kB): sum its frame lengths per stream instead
    tf = run(["tshark", "-r", cap, "-T", "fields", "-E", "occurrence=f", "-e", "tcp.stream",
              "-e", "udp.stream", "-e", "frame.len"]).stdout
    per = {}
    for line in tf.splitlines():
        t, u, n = line.split("\t")
        if t or u:
            e = per.setdefault(("t" + t) if t else ("u" + u), [0, 0])
            e[0] += int(n)
            e[1] += 1
    rows = [tuple(v) for v in per.values()]
    want = sorted(rows, reverse=True)[:5]
    check(len(recs) == 1 and top == want, f"top flows of the interval equal tshark's biggest conversations "
          f"({top} vs {want})")


# --- the progress bar ------------------------------------------------------------------------

def run_pty(args):
    """stderr on a pseudo-terminal, stdout to a pipe; returns (rc, what the terminal got)."""
    master, slave = pty.openpty()
    p = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=slave, stdin=subprocess.DEVNULL)
    os.close(slave)
    got = b""
    while True:
        rl, _, _ = select.select([master], [], [], 60)
        if not rl:
            break
        try:
            chunk = os.read(master, 65536)
        except OSError:
            break
        if not chunk:
            break
        got += chunk
    os.close(master)
    return p.wait(), got.decode(errors="replace")


def progress():
    # The bar appears only after its first 0.2 s redraw interval, so the file must take well over
    # that on whatever machine runs the test: size it from a timed run instead of guessing a speed.
    big = os.path.join(TMP, "big.pcap")
    packets = 200000
    while True:
        run([GEN, "--out", big, "--seed", "3", "--packets", str(packets), "--flows", "20000"])
        t0 = time.monotonic()
        run([NS, "-r", big, "-q"])
        took = time.monotonic() - t0
        if took >= 1.0 or packets >= 16000000:
            break
        packets = int(packets * min(8.0, 1.3 / max(took, 0.01)))
    rc, tty = run_pty([NS, "-r", big, "-q"])
    bars = re.findall(r"\r\[[#.]{20}\]\s+(\d+)%  \S+ \S*B of \S+ \S*B  \S+ \S*pkt/s  ETA (\S+)", tty)
    check(rc == 0 and bars and tty.endswith("\r\x1b[K"),
          f"stderr a terminal: a progress bar ({len(bars)} redraws), erased at the end")
    pcts = [int(p) for p, _ in bars]
    check(pcts == sorted(pcts) and all(0 <= p <= 100 for p in pcts), f"percent only grows ({pcts})")
    rc, tty = run_pty([NS, "-r", big, "-q", "--no-progress"])
    check(rc == 0 and tty == "", "--no-progress: nothing on the terminal")
    r = run([NS, "-r", big, "-q"])
    check(r.returncode == 0 and r.stderr == "", "stderr not a terminal: no bar")
    rc, tty = run_pty([NS, "-r", big, "-q", "-z", "netscope,stats"])
    check("\r[" in tty, "-q keeps the bar (tshark users run -q -z on big files)")
    os.unlink(big)


# --- usage and configuration -------------------------------------------------------------------

def usage_and_config():
    for args in (["--stats-interval", "0"], ["--stats-interval", "x"], ["--metrics-listen", "nohost:9"],
                 ["--metrics-listen", "127.0.0.1:99999"]):
        r = run([NS, "-r", "captures/eth_ip.pcap", "-q"] + args)
        check(r.returncode == 1 and r.stderr.count("\n") == 1, f"{' '.join(args)}: one line, exit 1")
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(1)
    port = s.getsockname()[1]
    r = run([NS, "-r", "captures/eth_ip.pcap", "-q", "--metrics-listen", str(port)])
    check(r.returncode == 2 and "Address already in use" in r.stderr and r.stderr.count("\n") == 1,
          "--metrics-listen on a port in use: one line, exit 2")
    s.close()

    conf = os.path.join(TMP, "n.conf")
    with open(conf, "w") as f:
        f.write("[netscope]\ninterface = lo, eth9\ncapture_filter = udp port 53\nsnaplen = 128\n"
                "buffer = 8\npromiscuous = false\nwrite_file = /tmp/x.pcapng\nwrite_format = pcap\n"
                "ring_buffer = filesize:1000,files:5\nautostop = packets:10\nstats_interval = 2.5\n"
                "stats_file = /tmp/s.jsonl\nmetrics_listen = 9100\nprogress = false\n")
    r = run([NS, "-C", conf, "--print-config"])
    kv = dict(line.split("=", 1) for line in r.stdout.splitlines() if "=" in line and not line.startswith("#"))
    want = {"interface": "lo,eth9", "capture_filter": "udp port 53", "snaplen": "128", "buffer": "8",
            "promiscuous": "false", "write_file": "/tmp/x.pcapng", "write_format": "pcap",
            "ring_buffer": "filesize:1000,files:5", "autostop": "packets:10", "stats_interval": "2.5",
            "stats_file": "/tmp/s.jsonl", "metrics_listen": "9100", "progress": "false"}
    check(r.returncode == 0 and all(kv.get(k) == v for k, v in want.items()),
          "config: capture and output keys shown by --print-config")
    again = os.path.join(TMP, "again.conf")
    with open(again, "w") as f:
        f.write(r.stdout)
    r2 = run([NS, "-C", again, "--print-config"])
    check(r2.stdout.split("\n", 1)[1] == r.stdout.split("\n", 1)[1], "config: --print-config output reads back the same")
    r = run([NS, "-C", conf, "-i", "eth0", "-f", "tcp", "-b", "packets:3", "--stats-interval", "1",
             "--print-config"])
    kv = dict(line.split("=", 1) for line in r.stdout.splitlines() if "=" in line and not line.startswith("#"))
    check(kv.get("interface") == "eth0" and kv.get("capture_filter") == "tcp"
          and kv.get("ring_buffer") == "packets:3" and kv.get("stats_interval") == "1",
          "config: -i, -f, -b and --stats-interval replace the file's values")
    with open(conf, "w") as f:
        f.write("[netscope]\ninterface = lo\nautostop = packets:2\n")
    r = run([NS, "-C", conf, "-r", "captures/eth_ip.pcap", "-T", "fields", "-e", "frame.number"])
    check(r.returncode == 0 and r.stdout.split() == ["1", "2"], "config: -r beats the file's interface")
    for bad, line in (("snaplen = 300000", 2), ("ring_buffer = size:3", 2), ("write_format = pcapx", 2)):
        with open(conf, "w") as f:
            f.write(f"[netscope]\n{bad}\n")
        r = run([NS, "-C", conf, "-r", "captures/eth_ip.pcap"])
        check(r.returncode == 1 and f"{conf}:{line}: bad value" in r.stderr, f"config: '{bad}' names file and line")


# --- live on loopback: /metrics and SIGHUP -------------------------------------------------------

def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def start(args):
    p = subprocess.Popen([NS] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = p.stderr.readline()
    if not line.startswith("Capturing on"):
        p.kill()
        raise RuntimeError(f"netscope {' '.join(args)}: {line.strip()} {p.stderr.read().strip()}")
    time.sleep(0.3)
    return p


def send_udp(port, n, sport=0, size=100):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", sport))
    for i in range(n):
        s.sendto(b"m" * (size + i), ("127.0.0.1", port))
        time.sleep(0.002)       # paced: loopback's capture ring is small at full snaplen
    s.close()


def scrape(url):
    r = run(["curl", "-sS", "-i", "--max-time", "10", url])
    head, _, body = r.stdout.replace("\r\n", "\n").partition("\n\n")
    return r.returncode, head, body


def samples(text):
    from prometheus_client.parser import text_string_to_metric_families  # noqa: E402
    out = {}
    for fam in text_string_to_metric_families(text):
        for s in fam.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def metrics_live():
    if shutil.which("curl") is None:
        print("skip /metrics: no curl")
        return
    mport, uport, n = free_port(), free_port(), 40
    p = start(["-i", "lo", "-q", "-f", f"udp port {uport}", "--metrics-listen", f"127.0.0.1:{mport}",
               "-z", "netscope,stats"])
    try:
        send_udp(uport, n)
        time.sleep(1.0)
        rc, head, body = scrape(f"http://127.0.0.1:{mport}/metrics")
        rc2, head2, _ = scrape(f"http://127.0.0.1:{mport}/nothing")
        time.sleep(0.5)
        _, _, body2 = scrape(f"http://127.0.0.1:{mport}/metrics")
    finally:
        p.send_signal(signal.SIGINT)
        out, err = p.communicate(timeout=30)
    check(rc == 0 and head.startswith("HTTP/1.0 200") and
          "Content-Type: text/plain; version=0.0.4" in head, "curl: 200, text/plain; version=0.0.4")
    check(rc2 == 0 and head2.startswith("HTTP/1.0 404"), "another path: 404")
    with open(os.path.join(TMP, "scrape.prom"), "w") as f:
        f.write(body)
    try:
        got = samples(body)
    except Exception as e:      # the parser's word on a bad exposition
        check(False, f"prometheus_client parses /metrics: {e}")
        return
    names = {name for name, _ in got}
    fams = re.findall(r"^# TYPE (\S+) (\S+)$", body, re.M)
    helps = set(re.findall(r"^# HELP (\S+) \S", body, re.M))
    check(all(n.startswith("netscope_") for n in names) and {f for f, _ in fams} == helps
          and all(f.endswith("_total") for f, t in fams if t == "counter")
          and all(not f.endswith("_total") for f, t in fams if t == "gauge"),
          f"{len(fams)} families, each with HELP and TYPE; counters end in _total")
    promtool = shutil.which("promtool")
    if promtool:
        r = subprocess.run([promtool, "check", "metrics"], input=body, capture_output=True, text=True)
        check(r.returncode == 0, f"promtool check metrics: {r.stdout.strip()} {r.stderr.strip()}")
    else:
        print("skip promtool: not installed (Debian package prometheus)")
    st = stats_rows(out)
    v = samples(body2)
    check(v[("netscope_packets_total", ())] == n and st.get("packets") == n,
          f"netscope_packets_total = {n} datagrams sent = -z netscope,stats packets")
    check(v[("netscope_bytes_total", ())] == st.get("bytes (frame lengths)")
          and v[("netscope_frames_total", ())] == st.get("records")
          and v[("netscope_flows_created_total", ())] == st.get("created") == 1
          and v[("netscope_flows_active", ())] == 1
          and v[("netscope_capture_packets_total", (("interface", "lo"),))] == n
          and v[("netscope_capture_kernel_dropped_total", (("interface", "lo"),))] ==
          st.get("dropped by the kernel (ps_drop)", 0),
          "bytes, frames, flows and capture counters equal the run's -z netscope,stats"
          + f" ({ {k[0]: x for k, x in v.items() if 'alerts' not in k[0]} } vs {st})")
    check(p.returncode == 0, "SIGINT ends the run with the server, exit 0")


def sighup_live():
    uport = free_port()
    exp, al = os.path.join(TMP, "exp.jsonl"), os.path.join(TMP, "al.jsonl")
    p = start(["-i", "lo", "-q", "-f", f"udp port {uport}", "--idle-timeout", "0.5",
               "--expired-flows", exp, "--alerts", al, "--stats-interval", "0.2",
               "--stats-file", os.path.join(TMP, "hup-iv.jsonl")])
    try:
        send_udp(uport, 3, sport=free_port())       # flow A
        time.sleep(1.0)
        send_udp(uport, 3, sport=free_port())       # flow B: its first packet ends A (idle)
        time.sleep(0.3)
        p.send_signal(signal.SIGHUP)
        time.sleep(0.8)                             # rotated at the next wake (quiet link)
        os.rename(exp, exp + ".1")                  # logrotate's way: move, then HUP
        send_udp(uport, 3, sport=free_port())       # flow C: ends B, into exp.jsonl.1 still
        time.sleep(0.3)
        p.send_signal(signal.SIGHUP)
        time.sleep(0.8)
        send_udp(uport, 1, sport=free_port())       # flow D: ends C into a new exp.jsonl
        time.sleep(0.3)
    finally:
        p.send_signal(signal.SIGINT)
        out, err = p.communicate(timeout=30)
    names = sorted(os.listdir(TMP))
    dated = [f for f in names if re.fullmatch(r"exp\.jsonl-\d{8}-\d{6}(-\d+)?", f)]
    dated_al = [f for f in names if re.fullmatch(r"al\.jsonl-\d{8}-\d{6}(-\d+)?", f)]

    def lines(f):
        with open(os.path.join(TMP, f)) as h:
            return [json.loads(x) for x in h.read().splitlines()]
    check(p.returncode == 0 and len(dated) == 1 and len(dated_al) == 2,
          f"SIGHUP renames the files aside as FILE-YYYYmmdd-HHMMSS ({dated} {dated_al})")
    if len(dated) == 1:
        a, b, c = lines(dated[0]), lines("exp.jsonl.1"), lines("exp.jsonl")
        check([len(a), len(b), len(c)] == [1, 1, 2] and a[0]["end_reason"] == "idle"
              and all(r["id.resp_p"] == uport for r in a + b + c),
              f"each rotated file holds whole records of its own period ({len(a)}, {len(b)}, {len(c)})")


def main():
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
    intervals_vs_tshark()
    top_flows_vs_tshark()
    progress()
    usage_and_config()
    if os.geteuid() != 0:
        print("skip live parts (/metrics, SIGHUP): not root")
    else:
        try:
            try:
                import prometheus_client  # noqa: F401
            except ImportError:     # a python3 other than Debian's (pyenv): use Debian's module
                sys.path.append("/usr/lib/python3/dist-packages")
                import prometheus_client  # noqa: F401
            metrics_live()
        except ImportError:
            print("skip /metrics: no python3-prometheus-client (scripts/bootstrap installs it)")
        sighup_live()
    finish_checks(TMP)


if __name__ == "__main__":
    main()
