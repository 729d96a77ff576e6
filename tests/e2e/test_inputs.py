#!/usr/bin/env python3
"""End-to-end tests of several input files (docs/inputs.md).

Merged reading is checked against the real tool: `mergecap -w m.pcapng A B ...` then
`netscope -r m.pcapng` must print what `netscope -r A -r B ...` prints (-T fields with frame
numbers, times, interface ids, addresses, streams and every tcp.analysis flag; -z conv;
--flows), and `netscope -r A -r B -w out` must hold the packets mergecap writes, as tshark and
capinfos read them. --per-file is checked against separate runs and capinfos' packet counts,
and --jobs 1 against --jobs 2 byte for byte.

mergecap, editcap, capinfos and tshark come from wireshark-common/tshark; the real captures
from ../shared. A check whose tool or capture is missing is skipped with a notice; the exit
status is 77 when nothing could run."""
import argparse
import os
import shutil
import struct
import subprocess
import sys
import tempfile

ap = argparse.ArgumentParser()
ap.add_argument("--netscope", required=True)
ap.add_argument("--shared", default=os.path.join("..", "shared"))
ARGS = ap.parse_args()
NS = os.path.abspath(ARGS.netscope)
HERE = os.path.dirname(os.path.abspath(__file__))
CAPS = os.path.normpath(os.path.join(HERE, "..", "..", "captures"))
REAL = os.path.join(ARGS.shared, "captures", "real")
HAVE_REAL = os.path.isdir(REAL)
TMP = tempfile.mkdtemp(prefix="ns-inputs-")


def have(tool):
    return shutil.which(tool) is not None


HAVE_WS = all(have(t) for t in ("mergecap", "capinfos", "tshark", "editcap"))
if not HAVE_WS:
    print("notice: mergecap/capinfos/tshark/editcap missing: the comparisons with them are skipped")
if not HAVE_REAL:
    print(f"notice: {REAL} missing: the checks on real captures are skipped")

from nstest import case_if, finish_cases  # noqa: E402

FIELDS = ["frame.number", "frame.time_epoch", "frame.time_relative", "frame.interface_id",
          "frame.len", "ip.src", "ip.dst", "ipv6.src", "tcp.srcport", "tcp.dstport", "tcp.seq",
          "tcp.ack", "tcp.stream", "udp.stream", "tcp.analysis.retransmission",
          "tcp.analysis.fast_retransmission", "tcp.analysis.spurious_retransmission",
          "tcp.analysis.out_of_order", "tcp.analysis.lost_segment",
          "tcp.analysis.ack_lost_segment", "tcp.analysis.duplicate_ack",
          "tcp.analysis.duplicate_ack_frame", "tcp.analysis.zero_window",
          "tcp.analysis.window_update", "tcp.analysis.window_full", "tcp.analysis.keep_alive",
          "tcp.analysis.reused_ports", "tcp.analysis.acks_frame", "tcp.analysis.ack_rtt",
          "tcp.analysis.bytes_in_flight"]


def test(needs_ws=False, needs_real=False):
    return case_if(("mergecap/capinfos/tshark/editcap missing" if needs_ws and not HAVE_WS else "") or
                   (f"{REAL} missing" if needs_real and not HAVE_REAL else ""))


def run(*args):
    return subprocess.run([NS, *args], capture_output=True)


def fresh(name):
    d = os.path.join(TMP, name)
    os.makedirs(d)
    return d


def rflags(files):
    out = []
    for f in files:
        out += ["-r", f]
    return out


def fields_args():
    out = ["-T", "fields", "-E", "header=y"]
    for f in FIELDS:
        out += ["-e", f]
    return out


def write_pcap(path, pkts, linktype=1, nsec=False):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B23C4D if nsec else 0xA1B2C3D4, 2, 4, 0, 0, 65535, linktype))
        for sec, frac, data in pkts:
            f.write(struct.pack("<IIII", sec, frac, len(data), len(data)))
            f.write(data)


def frame(n):
    """An Ethernet frame of n bytes: the length tells the files apart."""
    return b"\xff" * 6 + b"\x00\x11\x22\x33\x44\x55\x88\xb5" + bytes(n - 14)


def same_as_mergecap(name, files):
    """netscope -r A -r B ... == netscope -r $(mergecap A B ...) on every output compared."""
    d = fresh(name)
    m = os.path.join(d, "m.pcapng")
    r = subprocess.run(["mergecap", "-w", m, *files], capture_output=True)
    assert r.returncode == 0, r.stderr.decode()
    for extra in (fields_args(), ["-q", "-z", "conv,tcp", "-z", "conv,udp", "-z", "conv,ip"]):
        a = run("-r", m, *extra)
        b = run(*rflags(files), *extra)
        assert a.returncode == 0 and b.returncode == 0, (a.stderr, b.stderr)
        assert a.stdout == b.stdout, f"{name}: {extra[:2]} differs from mergecap's file"
        assert len(a.stdout) > 0
    fa, fb = os.path.join(d, "a.csv"), os.path.join(d, "b.csv")
    assert run("-r", m, "-q", "--flows", fa).returncode == 0
    assert run(*rflags(files), "-q", "--flows", fb).returncode == 0
    assert open(fa, "rb").read() == open(fb, "rb").read(), f"{name}: --flows differs"


REAL_SETS = {
    # pcap + pcapng with 11 interfaces: interface ids are concatenated (0 for the pcap, 1..11)
    "pcap_pcapng": ["ndpi-iphone.pcap", "pcpp-many_interfaces-1.pcapng"],
    # three link types: Linux SLL2, raw IP, Ethernet (big-endian file)
    "link_types": ["zeek-linux_dlt_sll2.pcap", "pcpp-raw_ip.pcap", "arkime-bigendian.pcap"],
    # nanosecond big-endian pcap with a microsecond one
    "nsec_usec": ["pcpp-nanosecs_big_endian.pcap", "ndpi-synscan.pcap"],
    # TCP-heavy: SYN flood, scan, IPv6 HTTP streams
    "tcp": ["suri-tcp-session-syn-flood.pcap", "ndpi-synscan.pcap", "pcpp-four_ipv6_http_streams.pcap"],
}


@test(needs_ws=True, needs_real=True)
def merged_real_pairs_equal_mergecap():
    for name, files in REAL_SETS.items():
        same_as_mergecap(name, [os.path.join(REAL, f) for f in files])


@test(needs_ws=True)
def merged_project_captures_equal_mergecap():
    # pcap files with a pcapng one holding custom blocks; DNS over TCP and UDP
    same_as_mergecap("project", [os.path.join(CAPS, f) for f in
                                 ("dns_tcp.pcap", "dns_udp.pcap", "pcapng_custom.pcapng")])


@test(needs_ws=True)
def overlapping_copy_spans_flows_across_files():
    # the same capture and a copy shifted by 1 ms: records interleave, every connection is in
    # both files, so streams and the TCP analysis (retransmissions) span the two files
    d = fresh("overlap")
    src = os.path.join(CAPS, "dns_tcp.pcap")
    late = os.path.join(d, "late.pcap")
    subprocess.run(["editcap", "-t", "0.001", src, late], check=True, capture_output=True)
    same_as_mergecap("overlap_cmp", [src, late])
    out = run("-r", src, "-r", late, "-T", "fields", "-e", "tcp.analysis.retransmission").stdout
    assert b"1" in out, "the shifted copy's segments should be retransmissions of the first"


@test(needs_ws=True)
def equal_time_stamps_go_in_mergecap_order():
    # mergecap 4.0 takes, of equal time stamps, the file given last first
    d = fresh("ties")
    files = []
    for k in range(3):
        p = os.path.join(d, f"{k}.pcap")
        write_pcap(p, [(100, 0, frame(60 + k)), (100, 0, frame(70 + k)), (200, 5, frame(80 + k))])
        files.append(p)
    same_as_mergecap("ties_cmp", files)
    out = run(*rflags(files), "-T", "fields", "-e", "frame.len").stdout.split()
    assert out[:3] == [b"62", b"72", b"61"], out


@test(needs_real=True)
def directory_and_glob_equal_explicit_files():
    d = fresh("dir")
    names = ["b-second.pcap", "a-first.pcapng", "c-third.pcap"]
    srcs = ["ndpi-synscan.pcap", "pcpp-many_interfaces-1.pcapng", "pcpp-raw_ip.pcap"]
    for n, s in zip(names, srcs):
        shutil.copy(os.path.join(REAL, s), os.path.join(d, n))
    open(os.path.join(d, "README.txt"), "w").write("not a capture: not taken from a directory\n")
    explicit = run(*rflags([os.path.join(d, n) for n in sorted(names)]), *fields_args())
    assert explicit.returncode == 0, explicit.stderr
    by_dir = run("-r", d, *fields_args())
    assert by_dir.returncode == 0 and by_dir.stdout == explicit.stdout, by_dir.stderr
    by_glob = run("-r", os.path.join(d, "*.pcap*"), *fields_args())
    assert by_glob.returncode == 0 and by_glob.stdout == explicit.stdout, by_glob.stderr
    nomatch = run("-r", os.path.join(d, "*.nothing"), "-q")
    assert nomatch.returncode == 2 and b"no file matches" in nomatch.stderr, nomatch.stderr
    empty = fresh("empty")
    open(os.path.join(empty, "notes.txt"), "w").write("no capture here\n")
    r = run("-r", empty, "-q")          # under UBSan this once hit qsort(NULL, 0)
    assert r.returncode == 2 and r.stderr.count(b"\n") == 1 and b"no capture files" in r.stderr, r.stderr


@test(needs_ws=True, needs_real=True)
def write_several_inputs_opens_like_mergecap():
    files = [os.path.join(REAL, f) for f in ("ndpi-iphone.pcap", "pcpp-many_interfaces-1.pcapng",
                                              "zeek-linux_dlt_sll2.pcap")]
    d = fresh("write")
    m, w = os.path.join(d, "m.pcapng"), os.path.join(d, "w.pcapng")
    subprocess.run(["mergecap", "-w", m, *files], check=True, capture_output=True)
    r = run(*rflags(files), "-w", w)
    assert r.returncode == 0, r.stderr
    count = lambda p: subprocess.run(["capinfos", "-c", "-M", "-T", p], capture_output=True,
                                     text=True).stdout.strip().splitlines()[-1].split("\t")[-1]
    nifs = lambda p: subprocess.run(["capinfos", "-I", p], capture_output=True,
                                    text=True).stdout.count("Interface #")
    assert count(w) == count(m) == "570", (count(w), count(m))
    assert nifs(w) == nifs(m) == 13, (nifs(w), nifs(m))
    tf = ["-T", "fields", "-e", "frame.number", "-e", "frame.time_epoch", "-e", "frame.interface_id",
          "-e", "frame.len", "-e", "frame.cap_len", "-e", "frame.protocols"]
    ta = subprocess.run(["tshark", "-r", m, *tf], capture_output=True).stdout
    tb = subprocess.run(["tshark", "-r", w, *tf], capture_output=True).stdout
    assert ta == tb and len(ta) > 0, "tshark reads different packets from -w and mergecap -w"


def real_corpus(name, n=None):
    d = fresh(name)
    files = sorted(f for f in os.listdir(REAL) if f.endswith((".pcap", ".pcapng")))
    for f in files[:n]:
        os.symlink(os.path.abspath(os.path.join(REAL, f)), os.path.join(d, f))
    return d, sorted(os.listdir(d))


@test(needs_real=True)
def per_file_equals_separate_runs():
    d, names = real_corpus("perfile", 12)
    fa = fields_args()
    pf = run("--per-file", "-r", d, *fa)
    assert pf.returncode == 0, pf.stderr
    sep = b"".join(run("-r", os.path.join(d, n), *fa).stdout for n in names)
    assert pf.stdout == sep, "--per-file -T fields differs from the separate runs"
    # the summary goes to stderr with -T fields; its frame counts are tshark's frame counts
    assert b"Per-file summary: 12 files" in pf.stderr, pf.stderr
    if HAVE_WS:
        for n in names:
            frames = len(subprocess.run(["tshark", "-r", os.path.join(d, n), "-T", "fields", "-e",
                                         "frame.number"], capture_output=True).stdout.splitlines())
            line = [l for l in pf.stderr.decode().splitlines() if l.endswith("/" + n)]
            assert line and int(line[0].split()[0]) == frames, (n, frames, line)
    # text mode, quiet: each file's tables in input order, then the summary on stdout
    pq = run("--per-file", "-r", d, "-q", "-z", "conv,tcp")
    sq = b"".join(run("-r", os.path.join(d, n), "-q", "-z", "conv,tcp").stdout for n in names)
    assert pq.returncode == 0 and pq.stdout.startswith(sq) and b"Per-file summary" in pq.stdout[len(sq):]


@test(needs_real=True)
def jobs_1_and_2_are_byte_identical():
    d, names = real_corpus("jobs")
    outs = []
    for j in ("1", "2"):
        flows = os.path.join(TMP, f"jobs{j}.csv")
        alerts = os.path.join(TMP, f"jobs{j}.jsonl")
        r = run("--per-file", "--jobs", j, "-r", d, "-q", "-z", "conv,tcp", "-z", "netscope,flows",
                "-z", "netscope,alerts", "--flows", flows, "--alerts", alerts)
        outs.append((r.returncode, r.stdout, r.stderr, open(flows, "rb").read(), open(alerts, "rb").read()))
    assert outs[0] == outs[1], "--jobs 1 and --jobs 2 differ"
    rc, out, _, flows, _ = outs[0]
    assert rc == 0 and out.count(b"\n") > 100
    # the combined flow file: a file column, every file's flows (its own --flows run)
    assert flows.startswith(b"file,ts,"), flows[:40]
    one = os.path.join(TMP, "one.csv")
    run("-r", os.path.join(d, names[0]), "-q", "--flows", one)
    n_one = open(one, "rb").read().count(b"\r\n") - 1
    prefix = b'"' + os.path.join(d, names[0]).encode() + b'",'
    assert sum(1 for l in flows.split(b"\r\n") if l.startswith(prefix)) == n_one


@test(needs_real=True)
def bad_files_are_reported_and_the_others_complete():
    d, names = real_corpus("bad", 3)
    src = open(os.path.join(REAL, "ndpi-synscan.pcap"), "rb").read()
    open(os.path.join(d, "cut.pcap"), "wb").write(src[:3000])       # ends inside frame 41
    open(os.path.join(d, "foreign.pcap"), "wb").write(b"hello, not a capture\n")
    pf = run("--per-file", "--jobs", "2", "-r", d, "-q")
    err = pf.stderr.decode()
    assert pf.returncode == 2, pf.returncode
    assert "cut.pcap: frame 41" in err and "foreign.pcap: not a pcap or pcapng file" in err, err
    summ = pf.stdout.decode()
    assert "5 files" in summ and "2 errors" in summ, summ
    for n in names:
        assert any(l.split()[3:4] == ["ok"] and l.endswith(n) for l in summ.splitlines()), (n, summ)
    cut = [l for l in summ.splitlines() if l.split()[-1:] and "cut.pcap" in l][0]
    assert cut.split()[0] == "40", cut          # the frames before the damage still count
    # merged: the same two lines, the readable files merged, exit 2
    mg = run("-r", d, "-T", "fields", "-e", "frame.number")
    assert mg.returncode == 2, mg.returncode
    assert b"foreign.pcap: not a pcap" in mg.stderr and b"cut.pcap: frame 41" in mg.stderr
    good = sum(int(run("-r", os.path.join(d, n), "-q", "-z", "netscope,stats").returncode == 0)
               for n in names)
    assert good == len(names)
    assert len(mg.stdout.splitlines()) == sum(len(run("-r", os.path.join(d, n), "-T", "fields", "-e",
                                                      "frame.number").stdout.splitlines())
                                              for n in names) + 40


@test()
def per_file_refuses_what_it_cannot_do():
    r = run("--per-file", "-r", os.path.join(CAPS, "dns_udp.pcap"), "-w", os.path.join(TMP, "x.pcapng"))
    assert r.returncode == 1 and b"--per-file" in r.stderr, r.stderr
    r = run("--jobs", "0", "-r", os.path.join(CAPS, "dns_udp.pcap"))
    assert r.returncode == 1, r.stderr


finish_cases(TMP)
