#!/usr/bin/env python3
"""End-to-end tests of -w, -F, -b, -a and SIGHUP (docs/writing.md).

What netscope writes is read back two ways: by tshark and capinfos (the oracle: the same
frames, lengths, time stamps, interfaces and link types as the input), and by a small pcapng
and pcap walker below (block layout, sizes, counts), so the ring-buffer and stop-condition
checks run even without tshark. The ring captures are built here, one packet every 0.1 s of
fixed size, so every expected file count, name and size follows from the rules by arithmetic.

tshark and capinfos are optional: when absent their checks are skipped with a notice; the
exit status is 77 (skipped) only if nothing else could run, which does not happen today."""
import argparse
import concurrent.futures
import glob
import os
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time

ap = argparse.ArgumentParser()
ap.add_argument("--netscope", required=True)
ap.add_argument("--shared", default=os.path.join("..", "shared"))
ARGS = ap.parse_args()
NS = os.path.abspath(ARGS.netscope)
TMP = tempfile.mkdtemp(prefix="ns-writer-")
HAVE_TSHARK = subprocess.run(["sh", "-c", "command -v tshark && command -v capinfos"],
                             capture_output=True).returncode == 0
if not HAVE_TSHARK:
    print("notice: tshark/capinfos not installed: the comparisons with them are skipped")

from nstest import case as test, finish_cases  # noqa: E402


def run(*args, **kw):
    return subprocess.run([NS, *args], capture_output=True, **kw)


def fresh(name):
    d = os.path.join(TMP, name)
    os.makedirs(d)
    return d


# ---------------------------------------------------------------------------------------
# Readers of what netscope wrote (independent of netscope's reader)

def blocks(path):
    """pcapng blocks as (type, total length); asserts the layout is whole."""
    data = open(path, "rb").read()
    assert data[:4] == b"\x0a\x0d\x0d\x0a", f"{path}: does not start with an SHB"
    out, off = [], 0
    while off < len(data):
        assert off + 12 <= len(data), f"{path}: block header cut at {off}"
        t, n = struct.unpack_from("<II", data, off)
        assert n % 4 == 0 and n >= 12 and off + n <= len(data), f"{path}: bad block at {off}"
        assert struct.unpack_from("<I", data, off + n - 4)[0] == n, f"{path}: trailer at {off}"
        out.append((t, n))
        off += n
    return out


def packets_in(path):
    if open(path, "rb").read(4) == b"\x0a\x0d\x0d\x0a":
        return sum(1 for t, _ in blocks(path) if t in (3, 6))
    data = open(path, "rb").read()
    n, off = 0, 24
    while off < len(data):
        cap = struct.unpack_from("<I", data, off + 8)[0]
        off += 16 + cap
        n += 1
    assert off == len(data), f"{path}: pcap ends inside a record"
    return n


def records(path):
    """(caplen, wirelen, ns since the epoch or None, bytes) of every packet netscope wrote."""
    data = open(path, "rb").read()
    out = []
    if data[:4] != b"\x0a\x0d\x0d\x0a":
        usec = data[:4] == struct.pack("<I", 0xA1B2C3D4)
        off = 24
        while off < len(data):
            s, f, cap, wire = struct.unpack_from("<IIII", data, off)
            out.append((cap, wire, s * 10**9 + f * (1000 if usec else 1), data[off + 16:off + 16 + cap]))
            off += 16 + cap
        return out
    off, units = 0, []
    while off < len(data):
        t, n = struct.unpack_from("<II", data, off)
        if t == 0x0A0D0D0A:
            units = []
        elif t == 1:    # if_tsresol 9 is the only option netscope writes that matters here
            opts, ns = data[off + 16:off + n - 4], False
            while len(opts) >= 4:
                code, ln = struct.unpack_from("<HH", opts)
                if code == 0:
                    break
                ns = ns or (code == 9 and opts[4] == 9)
                opts = opts[4 + (ln + 3) // 4 * 4:]
            units.append(1 if ns else 1000)
        elif t == 6:
            ifid, hi, lo, cap, wire = struct.unpack_from("<IIIII", data, off + 8)
            out.append((cap, wire, (hi << 32 | lo) * units[ifid], data[off + 28:off + 28 + cap]))
        elif t == 3:
            wire = struct.unpack_from("<I", data, off + 8)[0]
            cap = n - 16 if wire > n - 16 else wire
            out.append((cap, wire, 0, data[off + 12:off + 12 + cap]))
        off += n
    return out


FIELDS = ["frame.number", "frame.len", "frame.cap_len", "frame.time_epoch", "frame.interface_id",
          "frame.encap_type"]


def epoch_ns(t):
    """tshark prints seconds and the nanoseconds field as stored: a pcap ts_usec of 10^6 or
    more (not normalised by the writer of that file) shows as 10 fraction digits."""
    if t == "":
        return t
    sec, frac = t.split(".")
    return str(int(sec) * 10**9 + int(frac))


def tshark_rows(path):
    p = subprocess.run(["tshark", "-r", path, "-T", "fields", *sum((["-e", f] for f in FIELDS), [])],
                       capture_output=True, text=True)
    rows = [line.split("\t") for line in p.stdout.splitlines()]
    for r in rows:
        r[3] = epoch_ns(r[3])
    return rows, p.returncode


def capinfos(path):
    p = subprocess.run(["capinfos", "-c", "-E", "-M", path], capture_output=True, text=True)
    info = {}
    for line in p.stdout.splitlines():
        if ":" in line:
            k, v = line.split(":", 1)
            info[k.strip()] = v.strip()
    return info


# ---------------------------------------------------------------------------------------
# Every capture in the repository (and the shared real ones): -w, then tshark on both

def inputs():
    files = sorted(glob.glob("captures/*.pcap") + glob.glob("captures/*.pcapng"))
    real = os.path.join(ARGS.shared, "captures", "real")
    files += sorted(glob.glob(os.path.join(real, "*.pcap")) + glob.glob(os.path.join(real, "*.pcapng")))
    return files


def expected_rows(rows, pcapng_out):
    """The input's frames as they must come back: custom blocks (no link type) are not
    written; frame numbers follow; pcap inputs get interface 0 in pcapng and none in pcap."""
    out = []
    for r in rows:
        if r[5] == "":
            continue
        out.append([r[1], r[2], r[3], (r[4] or "0") if pcapng_out else "", r[5]])
    return out


def round_trip(src, d):
    """Problems found with one capture (empty: none), and which formats were compared."""
    name = os.path.basename(src)
    bad, done = [], []
    rows, _ = tshark_rows(src)
    out = os.path.join(d, name + ".pcapng")
    p = run("-r", src, "-w", out)
    if p.returncode != 0:
        return [f"{name}: exit {p.returncode}: {p.stderr.decode().strip()}"], done
    got, rc = tshark_rows(out)
    exp = expected_rows(rows, True)
    if rc != 0 or [[r[1], r[2], r[3], r[4], r[5]] for r in got] != exp:
        bad.append(f"{name}: pcapng differs ({len(got)} vs {len(exp)} frames)")
    if [r[0] for r in got] != [str(i + 1) for i in range(len(got))]:
        bad.append(f"{name}: frame numbers")
    ci, co = capinfos(src), capinfos(out)
    if co.get("Number of packets") != str(len(exp)):
        bad.append(f"{name}: capinfos counts {co.get('Number of packets')}, expected {len(exp)}")
    if ci.get("File encapsulation") != co.get("File encapsulation"):
        bad.append(f"{name}: encapsulation {ci.get('File encapsulation')} -> {co.get('File encapsulation')}")
    done.append("pcapng")
    # -F pcap: one link type per file, else one error line, exit 2 and no file
    out = os.path.join(d, name + ".pcap")
    p = run("-r", src, "-F", "pcap", "-w", out)
    linktypes = {r[4] for r in exp}
    if len(linktypes) > 1:
        err = p.stderr.decode().splitlines()
        if p.returncode != 2 or len(err) != 1 or "link type" not in err[0] or os.listdir(d) != [name + ".pcapng"]:
            bad.append(f"{name}: -F pcap with {len(linktypes)} link types: exit {p.returncode}, {err}")
        return bad, done
    # the pcapng file passed tshark above: the pcap one must hold the same records
    if p.returncode != 0 or records(out) != records(os.path.join(d, name + ".pcapng")):
        bad.append(f"{name}: -F pcap differs (exit {p.returncode})")
    if name in PCAP_VIA_TSHARK:
        got, rc = tshark_rows(out)
        if rc != 0 or [[r[1], r[2], r[3], r[4], r[5]] for r in got] != expected_rows(rows, False):
            bad.append(f"{name}: -F pcap differs in tshark")
    done.append("pcap")
    return bad, done


# -F pcap output read by tshark too (the others are compared record by record)
PCAP_VIA_TSHARK = {"tcp.pcap", "pcap_be_nsec.pcap", "pcap_le_nsec.pcap", "sll2.pcap", "pcap_snaplen64.pcap",
                   "pcapng_custom.pcapng", "suri-transform-base64-7296.pcap", "pcpp-nanosecs_big_endian.pcap"}


@test
def every_capture_round_trips_through_tshark():
    if not HAVE_TSHARK:
        return
    d = fresh("all")
    srcs = inputs()
    dirs = [fresh(f"all/{i}") for i in range(len(srcs))]
    # tshark takes a third of a second to start: the captures are compared in parallel
    with concurrent.futures.ThreadPoolExecutor(max(2, min(8, os.cpu_count() or 2))) as ex:
        res = list(ex.map(round_trip, srcs, dirs))
    bad = sum((r[0] for r in res), [])
    npcapng = sum("pcapng" in r[1] for r in res)
    npcap = sum("pcap" in r[1] for r in res)
    print(f"     {npcapng} of {len(srcs)} captures compared as pcapng, {npcap} as pcap (the others "
          "have several link types: refused as expected)")
    assert npcapng >= 50 and not bad, "; ".join(bad[:8])


@test
def multi_interface_pcapng_keeps_sections_interfaces_and_resolutions():
    src = "captures/pcapng_multi.pcapng"
    d = fresh("multi")
    out = os.path.join(d, "m.pcapng")
    assert run("-r", src, "-w", out).returncode == 0
    types = [t for t, _ in blocks(out)]
    assert types.count(0x0A0D0D0A) == 2, f"two sections expected: {types}"
    if HAVE_TSHARK:
        p = subprocess.run(["capinfos", out], capture_output=True, text=True).stdout
        assert "Name = eth0" in p and "Name = raw0" in p, "interface names are kept"
        assert "microseconds (6)" in p and "nanoseconds (9)" in p, "resolutions kept"


@test
def pcap_microseconds_is_byte_identical():
    d = fresh("ident")
    out = os.path.join(d, "t.pcap")
    assert run("-r", "captures/tcp.pcap", "-F", "pcap", "-w", out).returncode == 0
    assert open(out, "rb").read() == open("captures/tcp.pcap", "rb").read()


@test
def custom_blocks_are_not_written_and_said_so():
    d = fresh("custom")
    out = os.path.join(d, "c.pcapng")
    p = run("-r", "captures/pcapng_custom.pcapng", "-w", out)
    assert p.returncode == 0 and packets_in(out) == 2
    assert b"custom block was not written" in p.stderr, p.stderr


# ---------------------------------------------------------------------------------------
# Ring buffer and stop conditions on a built capture: 100 Ethernet frames of 100 bytes,
# one every 0.1 s from T0, so a pcapng file is SHB 44 + IDB 20 + 132 per EPB.

T0 = 1700000000
N = 100
SHB, IDB, EPB = 44, 20, 132


def ring_capture(path, n=N, step_us=100000):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for i in range(n):
            ts = T0 * 10**6 + i * step_us
            pkt = bytes.fromhex("020000000002020000000001" "0800") + bytes([0x45]) + bytes(85)
            f.write(struct.pack("<IIII", ts // 10**6, ts % 10**6, len(pkt), len(pkt)) + pkt)


RING = os.path.join(TMP, "ring.pcap")
ring_capture(RING)


def stamp(first_index):
    return time.strftime("%Y%m%d%H%M%S", time.localtime(T0 + first_index // 10))


def ring_files(d):
    return sorted(f for f in os.listdir(d) if not f.startswith("."))


@test
def ring_packets_names_and_counts():
    d = fresh("ringp")
    assert run("-r", RING, "-w", os.path.join(d, "out.pcapng"), "-b", "packets:10").returncode == 0
    want = [f"out_{k + 1:05d}_{stamp(10 * k)}.pcapng" for k in range(10)]
    assert ring_files(d) == want, ring_files(d)
    assert all(packets_in(os.path.join(d, f)) == 10 for f in want)


@test
def ring_files_keeps_the_last_n():
    d = fresh("ringf")
    assert run("-r", RING, "-w", os.path.join(d, "out.pcapng"), "-b", "packets:10", "-b", "files:3").returncode == 0
    want = [f"out_{k + 1:05d}_{stamp(10 * k)}.pcapng" for k in (7, 8, 9)]
    assert ring_files(d) == want, ring_files(d)


@test
def ring_duration_is_packet_time():
    d = fresh("ringd")
    assert run("-r", RING, "-w", os.path.join(d, "out.pcap"), "-F", "pcap", "-b", "duration:2").returncode == 0
    want = [f"out_{k + 1:05d}_{stamp(20 * k)}.pcap" for k in range(5)]
    assert ring_files(d) == want, ring_files(d)
    assert [packets_in(os.path.join(d, f)) for f in want] == [20] * 5


@test
def ring_filesize_switches_once_reached():
    d = fresh("rings")
    assert run("-r", RING, "-w", os.path.join(d, "out.pcapng"), "-b", "filesize:2").returncode == 0
    # a file is closed by the packet that brings it to 2000 bytes: 64 + 132 * 15 = 2044
    per = 15
    nfiles = -(-N // per)
    names = ring_files(d)
    assert names == [f"out_{k + 1:05d}_{stamp(per * k)}.pcapng" for k in range(nfiles)], names
    sizes = [os.path.getsize(os.path.join(d, f)) for f in names]
    assert sizes[:-1] == [SHB + IDB + EPB * per] * (nfiles - 1), sizes
    assert sizes[-1] == SHB + IDB + EPB * (N - per * (nfiles - 1)), sizes
    assert all(s >= 2000 and s - EPB < 2000 for s in sizes[:-1])
    if HAVE_TSHARK:
        total = sum(int(capinfos(os.path.join(d, f))["Number of packets"]) for f in names)
        assert total == N, total


@test
def stop_conditions():
    d = fresh("stop")
    out = os.path.join(d, "a.pcapng")
    assert run("-r", RING, "-w", out, "-a", "packets:7").returncode == 0 and packets_in(out) == 7
    assert run("-r", RING, "-w", out, "-a", "duration:3").returncode == 0 and packets_in(out) == 30
    # stops after the packet that brings the output to 1000 bytes: 64 + 132 * 8 = 1120
    assert run("-r", RING, "-w", out, "-a", "filesize:1").returncode == 0
    assert os.path.getsize(out) == SHB + IDB + 8 * EPB
    d2 = fresh("stopfiles")
    assert run("-r", RING, "-w", os.path.join(d2, "r.pcapng"), "-b", "packets:10", "-a", "files:2").returncode == 0
    assert [packets_in(os.path.join(d2, f)) for f in ring_files(d2)] == [10, 10]
    # without -w, -a packets and duration limit what is printed
    p = run("-r", RING, "-a", "packets:5", "-T", "fields", "-e", "frame.number")
    assert p.stdout.split() == [b"1", b"2", b"3", b"4", b"5"], p.stdout
    p = run("-r", RING, "-a", "duration:1", "-T", "fields", "-e", "frame.number")
    assert len(p.stdout.split()) == 10, p.stdout


@test
def usage_errors():
    for args in (["-b", "packets:3"], ["-w", "x", "-b", "files:3"], ["-F", "pcapx", "-w", "x"],
                 ["-w", "-", "-b", "packets:3"], ["-a", "filesize:3"], ["-w", "x", "-b", "bogus:1"],
                 ["-w", "x", "-a", "packets:0"]):
        p = run("-r", RING, *args, cwd=TMP)
        assert p.returncode == 1 and len(p.stderr.splitlines()) == 1, (args, p.returncode, p.stderr)


@test
def write_error_is_one_line_and_exit_2():
    p = run("-r", RING, "-w", "/dev/full")
    err = p.stderr.decode().splitlines()
    assert p.returncode == 2 and len(err) == 1 and "No space left" in err[0], (p.returncode, err)
    p = run("-r", RING, "-w", os.path.join(TMP, "no", "such", "dir.pcapng"))
    assert p.returncode == 2 and len(p.stderr.splitlines()) == 1, p.stderr


@test
def unreadable_input_leaves_no_file():
    d = fresh("noinput")
    p = run("-r", os.path.join(d, "missing.pcap"), "-w", os.path.join(d, "o.pcapng"))
    assert p.returncode == 2 and os.listdir(d) == [], os.listdir(d)


@test
def damaged_input_keeps_the_frames_before():
    d = fresh("damaged")
    out = os.path.join(d, "o.pcapng")
    p = run("-r", "captures/damaged/cut_packet.pcap", "-w", out)
    assert p.returncode == 2 and os.path.exists(out)
    if HAVE_TSHARK:
        rows, _ = tshark_rows("captures/damaged/cut_packet.pcap")
        got, _ = tshark_rows(out)
        assert [r[1:4] for r in got] == [r[1:4] for r in rows if r[1]], (got, rows)


@test
def stdout_is_a_capture_and_text_goes_to_stderr():
    p = run("-r", RING, "-w", "-", "-P", "-T", "fields", "-e", "frame.number")
    path = os.path.join(TMP, "stdout.pcapng")
    open(path, "wb").write(p.stdout)
    assert p.returncode == 0 and packets_in(path) == N
    assert p.stderr.split()[:3] == [b"1", b"2", b"3"], p.stderr[:40]


@test
def w_is_quiet_unless_P():
    d = fresh("quiet")
    p = run("-r", RING, "-w", os.path.join(d, "o.pcapng"))
    assert p.returncode == 0 and p.stdout == b"" and p.stderr == b""
    p = run("-r", RING, "-w", os.path.join(d, "o.pcapng"), "-P", "-T", "fields", "-e", "frame.number")
    assert len(p.stdout.split()) == N


# ---------------------------------------------------------------------------------------
# Signals on a big capture: the same 1000 frames repeated (the run lasts a few seconds)

BIG = os.path.join(TMP, "big.pcap")
BIG_N = 1000 * 2000


def big_capture():
    recs = []
    for i in range(1000):
        ts = T0 * 10**6 + i * 1000
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 46, i, 0, 64, 17, 0, bytes([10, 0, i >> 8, i & 255]),
                         bytes([10, 1, 0, 1]))
        pkt = bytes.fromhex("020000000002020000000001" "0800") + ip + struct.pack("!HHHH", 1024 + i, 53, 26, 0) + bytes(18)
        recs.append(struct.pack("<IIII", ts // 10**6, ts % 10**6, len(pkt), len(pkt)) + pkt)
    chunk = b"".join(recs)
    with open(BIG, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for _ in range(BIG_N // 1000):
            f.write(chunk)


big_capture()


def start_and_wait_for_data(d, *extra):
    out = os.path.join(d, "out.pcapng")
    proc = subprocess.Popen([NS, "-r", BIG, "-w", out, *extra], stderr=subprocess.PIPE)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        tmp = [f for f in os.listdir(d) if f.startswith("out.pcapng.")]
        if tmp and os.path.getsize(os.path.join(d, tmp[0])) > (1 << 20):
            return proc, out
        time.sleep(0.005)
    proc.kill()
    raise AssertionError("no temporary file grew")


@test
def kill_9_leaves_nothing_under_the_final_name():
    d = fresh("kill")
    proc, out = start_and_wait_for_data(d)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL, "the run ended before the kill: make BIG bigger"
    assert not os.path.exists(out), "a half file under the final name"


@test
def sigint_completes_the_file():
    d = fresh("int")
    proc, out = start_and_wait_for_data(d)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate()
    assert proc.returncode == 0, (proc.returncode, err)
    n = packets_in(out)
    assert 0 < n < BIG_N, n
    assert [f for f in os.listdir(d)] == ["out.pcapng"], os.listdir(d)


@test
def sighup_rotates_to_a_numbered_file():
    d = fresh("hup")
    proc, out = start_and_wait_for_data(d)
    proc.send_signal(signal.SIGHUP)
    _, err = proc.communicate()
    assert proc.returncode == 0, (proc.returncode, err)
    names = ring_files(d)
    assert len(names) == 2 and names[0] == "out.pcapng" and names[1].startswith("out_00002_"), names
    assert sum(packets_in(os.path.join(d, f)) for f in names) == BIG_N


finish_cases(TMP)
