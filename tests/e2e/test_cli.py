#!/usr/bin/env python3
"""End-to-end tests of the netscope command line: options, output formats and the error
contract (one line on stderr, `netscope: FILE: what is wrong`, exit 2; what was read before
the damage is still printed). The captures are built here, byte by byte, so each test says
exactly what it feeds in."""
import argparse
import json
import os
import struct
import subprocess
import sys
import tempfile

ap = argparse.ArgumentParser()
ap.add_argument("--netscope", required=True)
NS = ap.parse_args().netscope
TMP = tempfile.mkdtemp(prefix="ns-cli-")


def pcap(records, magic=0xA1B2C3D4, linktype=1, snaplen=65535, major=2, endian="<"):
    out = struct.pack(endian + "IHHiIII", magic, major, 4, 0, 0, snaplen, linktype)
    for ts, data, wire in records:
        out += struct.pack(endian + "IIII", int(ts), int(round((ts % 1) * 1e6)), len(data), wire or len(data))
        out += data
    return out


def udp4(src, dst, sport, dport, payload=b""):
    """Ethernet + IPv4 + UDP, checksums zero (tshark does not check them by default)."""
    ulen = 8 + len(payload)
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + ulen, 1, 0, 64, 17, 0, bytes(src), bytes(dst))
    udp = struct.pack("!HHHH", sport, dport, ulen, 0) + payload
    eth = bytes.fromhex("020000000002" "020000000001" "0800")
    return eth + ip + udp


def dns_query(qid, names):
    msg = struct.pack("!HHHHHH", qid, 0x0100, len(names), 0, 0, 0)
    for n in names:
        for label in n.split("."):
            msg += bytes([len(label)]) + label.encode()
        msg += b"\0" + struct.pack("!HH", 1, 1)
    return msg


def tcp4(src, dst, sport, dport, seq, flags, payload=b"", ack=0):
    """Ethernet + IPv4 + TCP (data offset 5), checksums zero."""
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 0x50, flags, 65535, 0, 0) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 1, 0, 64, 6, 0, bytes(src), bytes(dst))
    return bytes.fromhex("020000000002" "020000000001" "0800") + ip + tcp


def write(name, data):
    path = os.path.join(TMP, name)
    with open(path, "wb") as f:
        f.write(data)
    return path


def run(*args):
    p = subprocess.run([NS, *args], capture_output=True, timeout=60)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


A, B = [192, 0, 2, 1], [198, 51, 100, 7]
GOOD = write("good.pcap", pcap([
    (1000.5, udp4(A, B, 40000, 53, dns_query(0x1234, ["example.com", "a.b.example.org"])), None),
    (1001.25, udp4(B, A, 53, 40000), None),
    (1001.0, udp4(A, B, 1, 2), None),          # time goes backwards: relative time is negative
]))

from nstest import RESULTS as results, quiet_case as case  # noqa: E402,F401


def eq(got, want, what=""):
    assert got == want, f"{what}: expected {want!r}, got {got!r}"


@case
def fields_basic():
    rc, out, err = run("-n", "-r", GOOD, "-T", "fields", "-e", "frame.number", "-e", "ip.src",
                       "-e", "udp.dstport", "-e", "frame.time_relative", "-e", "dns.qry.name")
    eq(rc, 0, "exit")
    eq(out.splitlines(), [
        "1\t192.0.2.1\t53\t0.000000000\texample.com,a.b.example.org",
        "2\t198.51.100.7\t40000\t0.750000000\t",
        "3\t192.0.2.1\t2\t0.500000000\t",
    ], "lines")
    eq(err, "", "stderr")


@case
def fields_options():
    rc, out, _ = run("-r", GOOD, "-T", "fields", "-E", "header=y", "-E", "separator=,",
                     "-E", "quote=d", "-E", "occurrence=f", "-e", "frame.number", "-e", "dns.qry.name",
                     "-c", "1")
    eq(rc, 0, "exit")
    eq(out, 'frame.number,dns.qry.name\n"1","example.com"\n', "output")
    rc, out, _ = run("-r", GOOD, "-T", "fields", "-E", "occurrence=l", "-E", "separator=/s",
                     "-e", "frame.number", "-e", "dns.qry.name", "-c", "1")
    eq(out, "1 a.b.example.org\n", "occurrence=l")
    rc, out, _ = run("-r", GOOD, "-T", "fields", "-E", "aggregator=/s", "-e", "dns.qry.name", "-c", "1")
    eq(out, "example.com a.b.example.org\n", "aggregator=/s")


@case
def json_parses():
    rc, out, _ = run("-r", GOOD, "-T", "json", "-e", "frame.number", "-e", "ip.dst")
    eq(rc, 0, "exit")
    doc = json.loads(out)
    eq(len(doc), 3, "records")
    eq(doc[0]["_source"]["layers"]["ip.dst"], ["198.51.100.7"], "ip.dst")
    rc, out, _ = run("-r", GOOD, "-T", "json", "-c", "1")
    layers = json.loads(out)[0]["_source"]["layers"]
    eq(layers["dns.qry.name"], ["example.com", "a.b.example.org"], "all fields without -e")


@case
def ek_parses():
    rc, out, _ = run("-r", GOOD, "-T", "ek", "-e", "udp.srcport")
    eq(rc, 0, "exit")
    lines = [json.loads(l) for l in out.splitlines()]
    eq(len(lines), 6, "two lines per frame")
    eq(lines[1]["layers"]["udp_srcport"], ["40000"], "udp_srcport")
    eq(lines[1]["timestamp"], "1000500", "timestamp in ms")


@case
def text_summary():
    rc, out, _ = run("-r", GOOD)
    eq(rc, 0, "exit")
    lines = out.splitlines()
    eq(len(lines), 3, "lines")
    assert "192.0.2.1 \u2192 198.51.100.7" in lines[0], lines[0]
    assert " DNS " in lines[0] and "example.com" in lines[0], lines[0]
    rc, out, _ = run("-r", GOOD, "-q")
    eq((rc, out), (0, ""), "-q prints nothing")


@case
def list_fields():
    rc, out, _ = run("-G", "fields")
    eq(rc, 0, "exit")
    names = {l.split("\t")[2] for l in out.splitlines()}
    for f in ("frame.number", "ip.src", "ipv6.dst", "tcp.srcport", "dns.qry.name",
              "tls.handshake.extensions_server_name", "netscope.malformed"):
        assert f in names, f


@case
def usage_errors_exit_1():
    for args, needle in [(["-r", GOOD, "-T", "fields"], "no fields"),
                         (["-r", GOOD, "-T", "fields", "-e", "nosuch.field"], "nosuch.field"),
                         (["-T", "xml", "-r", GOOD], "-T xml"),
                         (["-r"], "requires an argument"),
                         (["-c", "0", "-r", GOOD], "-c 0"),
                         ([], "no input")]:
        rc, out, err = run(*args)
        eq(rc, 1, f"exit for {args}")
        eq(len(err.splitlines()), 1, f"one stderr line for {args}")
        assert err.startswith("netscope: ") and needle in err, err


def one_error_line(err, path):
    lines = err.splitlines()
    eq(len(lines), 1, "stderr lines")
    assert lines[0].startswith(f"netscope: {path}: "), lines[0]


@case
def missing_file():
    path = os.path.join(TMP, "nope.pcap")
    rc, out, err = run("-r", path)
    eq(rc, 2, "exit")
    one_error_line(err, path)


@case
def not_a_capture():
    path = write("text.pcap", b"this is not a capture file at all\n")
    rc, out, err = run("-r", path, "-T", "fields", "-e", "frame.number")
    eq((rc, out), (2, ""), "exit and output")
    one_error_line(err, path)
    assert "not a pcap or pcapng" in err, err


@case
def empty_file():
    path = write("empty.pcap", b"")
    rc, out, err = run("-r", path)
    eq(rc, 2, "exit")
    one_error_line(err, path)


@case
def header_only_is_valid():
    path = write("hdr.pcap", pcap([]))
    rc, out, err = run("-r", path, "-T", "fields", "-e", "frame.number")
    eq((rc, out, err), (0, "", ""), "empty capture")


@case
def cut_short_reports_what_was_read():
    data = open(GOOD, "rb").read()
    path = write("cut.pcap", data[:-10])
    rc, out, err = run("-r", path, "-T", "fields", "-e", "frame.number")
    eq(rc, 2, "exit")
    eq(out, "1\n2\n", "frames before the damage")
    one_error_line(err, path)
    assert "frame 3" in err, err


@case
def unsupported_version():
    path = write("v1.pcap", pcap([], major=1))
    rc, out, err = run("-r", path)
    eq(rc, 2, "exit")
    one_error_line(err, path)


@case
def oversized_record():
    rec = udp4(A, B, 1, 2)
    data = pcap([(1.0, rec, None)])
    # claim a 300 KiB captured length: above the 256 KiB cap, refused before any read
    bad = data[:24 + 8] + struct.pack("<I", 300 * 1024) + data[24 + 12:]
    path = write("huge.pcap", bad)
    rc, out, err = run("-r", path, "-T", "fields", "-e", "frame.number")
    eq((rc, out), (2, ""), "exit and output")
    one_error_line(err, path)


@case
def community_id_field_and_flows():
    # Independent computation per the Community ID v1 spec: SHA-1 over seed (2 bytes),
    # the smaller endpoint's address, the other address, protocol, a zero byte, and the
    # ports in the same order, base64-encoded behind "1:".
    import base64
    import hashlib
    src, dst, sp, dp = bytes(A), bytes(B), 40000, 53
    if (src, sp) > (dst, dp):
        src, dst, sp, dp = dst, src, dp, sp
    h = hashlib.sha1(struct.pack("!H", 0) + src + dst + bytes([17, 0]) + struct.pack("!HH", sp, dp))
    want = "1:" + base64.b64encode(h.digest()).decode()
    rc, out, _ = run("-r", GOOD, "-T", "fields", "-e", "netscope.flow.community_id", "-c", "2")
    eq(out.splitlines(), [want, want], "both directions of the flow")
    path = os.path.join(TMP, "cid.jsonl")
    run("-r", GOOD, "-q", "--flows", path)
    eq(json.loads(open(path).readline())["community_id"], want, "flow record")


@case
def vlan_in_key_and_idle_timeout():
    # The same UDP 4-tuple untagged and in VLAN 7: one conversation for tshark (the VLAN is
    # not part of its key), two with --vlan-in-key. A 100 s gap splits it with --idle-timeout.
    plain = udp4(A, B, 5000, 6000)
    tagged = plain[:12] + bytes.fromhex("8100 0007") + plain[12:]
    path = write("vlan.pcap", pcap([(10.0, plain, None), (11.0, tagged, None), (111.5, plain, None)]))
    def rows(*extra):
        rc, out, _ = run("-r", path, "-q", "-z", "conv,udp", *extra)
        eq(rc, 0, "exit")
        return [l.split() for l in out.splitlines() if " <-> " in l]
    eq([r[7] for r in rows()], ["3"], "tshark parity: one conversation")
    eq(sorted(r[7] for r in rows("--vlan-in-key")), ["1", "2"], "--vlan-in-key")
    eq(sorted(r[7] for r in rows("--idle-timeout", "60")), ["1", "2"], "--idle-timeout 60")


@case
def top_flows():
    rc, out, _ = run("-r", GOOD, "-q", "-z", "netscope,flows,1")
    eq(rc, 0, "exit")
    rows = [l.split() for l in out.splitlines() if " <-> " in l and l.split()[0].isdigit()]
    eq(len(rows), 1, "N rows")
    eq(rows[0][2:5], ["192.0.2.1:40000", "<->", "198.51.100.7:53"], "the flow with most bytes")
    eq(rows[0][5:9], ["1", str(len(udp4(A, B, 40000, 53, dns_query(0x1234, ["example.com", "a.b.example.org"])))),
                      "1", str(len(udp4(B, A, 53, 40000)))], "frames and bytes per direction")
    rc, _, err = run("-r", GOOD, "-q", "-z", "netscope,flows,0")
    eq(rc, 1, "N = 0 is a usage error")


@case
def expired_flows_stream():
    # With a 60 s idle timeout the first flow of vlan.pcap ends at 111.5 s ("idle"); the
    # one the last packet started ends with the run ("end"). One JSON object per line.
    plain = udp4(A, B, 5000, 6000)
    path = write("exp.pcap", pcap([(10.0, plain, None), (11.0, plain, None), (111.5, plain, None)]))
    out = os.path.join(TMP, "expired.jsonl")
    rc, _, err = run("-r", path, "-q", "--idle-timeout", "60", "--expired-flows", out)
    eq((rc, err), (0, ""), "exit")
    recs = [json.loads(l) for l in open(out)]
    eq([(r["end_reason"], r["orig_pkts"]) for r in recs], [("idle", 2), ("end", 1)], "records")


@case
def top_talkers():
    # every frame of good.pcap is between 192.0.2.1 and 198.51.100.7: both hosts count all
    # bytes, exactly (the sketch has room: error 0)
    total = sum(len(d) for d in (udp4(A, B, 40000, 53, dns_query(0x1234, ["example.com", "a.b.example.org"])),
                                 udp4(B, A, 53, 40000), udp4(A, B, 1, 2)))
    rc, out, _ = run("-r", GOOD, "-q", "-z", "netscope,top,5")
    eq(rc, 0, "exit")
    rows = sorted(l.split() for l in out.splitlines() if l[:1].isdigit())
    eq(rows, [["192.0.2.1", str(total), "0", "3", "0"], ["198.51.100.7", str(total), "0", "3", "0"]], "hosts")


@case
def resent_segment_not_dissected_again():
    # DNS over TCP sent twice with the same sequence number: the copy is a retransmission,
    # and tshark (checked with tshark 4.0.17 on this file) shows the query only once.
    q = dns_query(0x4242, ["example.com"])
    msg = struct.pack("!H", len(q)) + q
    path = write("retrans.pcap", pcap([
        (1.0, tcp4(A, B, 40000, 53, 1000, 0x02), None),
        (1.1, tcp4(B, A, 53, 40000, 5000, 0x12, ack=1001), None),
        (1.2, tcp4(A, B, 40000, 53, 1001, 0x18, msg, ack=5001), None),
        (1.5, tcp4(A, B, 40000, 53, 1001, 0x18, msg, ack=5001), None),
    ]))
    rc, out, _ = run("-r", path, "-T", "fields", "-e", "frame.number", "-e", "dns.qry.name")
    eq(out.splitlines(), ["1\t", "2\t", "3\texample.com", "4\t"], "names")


def no_leftovers(prefix):
    left = [f for f in os.listdir(TMP) if f.startswith(prefix + ".")]
    eq(left, [], "temporary files left")


@case
def flows_csv_json_jsonl():
    import csv
    base = os.path.join(TMP, "flows")
    for ext in ("csv", "json", "jsonl"):
        path = f"{base}.{ext}"
        rc, out, err = run("-r", GOOD, "-q", "--flows", path)
        eq((rc, out, err), (0, "", ""), f"run for .{ext}")
        text = open(path, encoding="utf-8").read()
        if ext == "csv":
            rows = list(csv.DictReader(text.splitlines()))
        elif ext == "json":
            rows = json.loads(text)
        else:
            rows = [json.loads(l) for l in text.splitlines()]
        eq(len(rows), 2, f"flows in .{ext}")      # 192.0.2.1:40000<->:53, and :1<->:2
        r = rows[0]
        eq((r["id.orig_h"], str(r["id.orig_p"]), r["id.resp_h"], str(r["id.resp_p"]), r["proto"]),
           ("192.0.2.1", "40000", "198.51.100.7", "53", "udp"), f"first flow in .{ext}")
        eq((str(r["orig_pkts"]), str(r["resp_pkts"])), ("1", "1"), f"packets in .{ext}")
        eq(float(r["duration"]), 0.75, f"duration in .{ext}")
        # a UDP exchange answered both ways: Zeek's conn.log says SF, history Dd
        eq((r["conn_state"], r["history"]), ("SF", "Dd"), f"Zeek state in .{ext}")
        eq((rows[1]["conn_state"], rows[1]["history"]), ("S0", "D"), f"one-way UDP in .{ext}")
        no_leftovers("flows." + ext)


@case
def flows_format_option_and_errors():
    path = os.path.join(TMP, "flows.out")
    rc, _, err = run("-r", GOOD, "-q", "--flows", path)
    eq(rc, 1, "unknown extension is a usage error")
    assert "--flows-format" in err, err
    rc, _, _ = run("-r", GOOD, "-q", "--flows", path, "--flows-format", "jsonl")
    eq(rc, 0, "--flows-format")
    eq(len(open(path).read().splitlines()), 2, "jsonl lines")
    missing = os.path.join(TMP, "missing.csv")
    rc, _, _ = run("-r", os.path.join(TMP, "nope.pcap"), "--flows", missing)
    eq(rc, 2, "unreadable input")
    assert not os.path.exists(missing), "no flow file for an input that could not be read"
    no_leftovers("missing.csv")


def run_env(env, *args):
    p = subprocess.run([NS, *args], capture_output=True, timeout=60, env={**os.environ, **env})
    return p.returncode, p.stdout.decode(), p.stderr.decode()


@case
def config_file():
    # A value from the file, the same key overridden on the command line, a file found through
    # $XDG_CONFIG_HOME, errors naming the file and line, and --print-config read back.
    conf = os.path.join(TMP, "ns.conf")
    with open(conf, "w") as f:
        f.write("# netscope\n[netscope]\nscan_ports = 7\nvlan_in_key=true\n")
    rc, out, err = run("-C", conf, "--print-config")
    eq((rc, err), (0, ""), "print-config")
    got = dict(line.split("=", 1) for line in out.splitlines() if "=" in line and not line.startswith("#"))
    eq((got["scan_ports"], got["vlan_in_key"], got["scan_hosts"], got["tcp_analysis"]), ("7", "true", "10", "true"), "values")
    rc, out, _ = run("-C", conf, "--scan-ports", "9", "--print-config")
    assert "scan_ports=9" in out.splitlines(), out
    back = os.path.join(TMP, "back.conf")
    with open(back, "w") as f:
        f.write(run("-C", conf, "--print-config")[1])
    eq(run("-C", back, "--print-config")[1].splitlines()[1:], run("-C", conf, "--print-config")[1].splitlines()[1:],
       "--print-config output is a config file giving the same configuration")
    xdg = os.path.join(TMP, "xdg")
    os.makedirs(os.path.join(xdg, "netscope"))
    with open(os.path.join(xdg, "netscope", "netscope.conf"), "w") as f:
        f.write("[netscope]\ntcp_analysis = false\n")
    rc, out, _ = run_env({"XDG_CONFIG_HOME": xdg}, "--print-config")
    assert "tcp_analysis=false" in out.splitlines() and os.path.join(xdg, "netscope", "netscope.conf") in out, out
    for text, want in (("[netscope]\n\nbogus = 1\n", ":3: unknown key 'bogus'"),
                       ("[netscope]\nscan_ports = ten\n", ":2: bad value 'ten' for scan_ports"),
                       ("[other]\nx=1\n", ":1: unknown group [other]")):
        with open(conf, "w") as f:
            f.write(text)
        rc, _, err = run("-C", conf, "-r", GOOD)
        eq(rc, 1, "config error exit")
        assert len(err.strip().splitlines()) == 1 and conf + want in err, err
    rc, _, err = run("-C", os.path.join(TMP, "none.conf"), "-r", GOOD)
    eq(rc, 1, "a missing -C file is an error")


@case
def config_threads_and_per_file():
    # threads, per_file and jobs from the file take effect as their options do: per_file
    # gives the combined summary of --per-file, and threads=2 on two files says that several
    # files are read on one thread (cli/main.c); the command line's --threads still wins.
    conf = os.path.join(TMP, "par.conf")
    with open(conf, "w") as f:
        f.write("[netscope]\nthreads = 2\n")
    two = ["-r", "captures/attack.pcap", "-r", "captures/dns_udp.pcap"]
    rc, out, err = run("-C", conf, *two, "-q", "-z", "conv,tcp")
    eq(rc, 0, "exit")
    assert "--threads 2: one thread: several files" in err, err
    rc, _, err = run("-C", conf, *two, "-q", "--threads", "1")
    assert "one thread" not in err, err
    with open(conf, "w") as f:
        f.write("[netscope]\nper_file = true\njobs = 2\n")
    rc, out, err = run("-C", conf, *two, "-q")
    eq(rc, 0, "exit")
    rows = [l.split() for l in out.splitlines() if l.strip().endswith((".pcap", ".pcapng"))]
    eq([(r[0], r[-1]) for r in rows], [("386", "captures/attack.pcap"), ("8", "captures/dns_udp.pcap")],
       "per-file summary: frames per file")


@case
def filter_selects_written_frames():
    # -Y with -w: only the matching frames are written (GOOD holds 2 frames to port 53 or from
    # it and 1 to port 2); the written file read back has exactly the matching ones.
    out = os.path.join(TMP, "sel.pcapng")
    rc, _, err = run("-r", GOOD, "-Y", "udp.srcport == 53 or udp.dstport == 53", "-w", out)
    eq((rc, err), (0, ""), "exit")
    rc, txt, _ = run("-r", out, "-T", "fields", "-e", "udp.dstport")
    eq(txt.split(), ["53", "40000"], "written frames")


@case
def ci_mode_fail_on_and_junit():
    # captures/attack.pcap raises 3 alerts and has 40 refused scan probes (Zeek REJ flows):
    # "alerts > 0" and "flows.conn_state.REJ > 10" hold, "alerts > 5" does not.
    import xml.etree.ElementTree as ET
    cap = "captures/attack.pcap"
    junit = os.path.join(TMP, "report.xml")
    rc, _, err = run("-r", cap, "-q", "--fail-on", "alerts > 0", "--fail-on", "alerts > 5",
                     "--fail-on", "flows.conn_state.REJ > 10", "--junit", junit)
    eq(rc, 3, "an expression holds: exit 3")
    assert "2 --fail-on expressions held" in err, err
    suite = ET.parse(junit).getroot().find("testsuite")
    eq((suite.get("tests"), suite.get("failures")), ("3", "2"), "JUnit counts")
    eq([c.find("failure") is not None for c in suite.findall("testcase")], [True, False, True], "failures")
    rc, _, _ = run("-r", cap, "-q", "--fail-on", "alerts > 5", "--fail-on", "tcp.retransmission.rate >= 0.5")
    eq(rc, 0, "nothing holds: exit 0")
    for bad in ("alerts >", "nonsense > 1", "alerts ~ 1"):
        rc, _, err = run("-r", cap, "-q", "--fail-on", bad)
        eq(rc, 1, f"bad expression {bad!r}")
        assert len(err.strip().splitlines()) == 1, err


failed = [r for r in results if r[1]]
for name, msg in results:
    print(f"{'ok  ' if not msg else 'FAIL'} {name}{': ' + msg if msg else ''}")
print(f"{len(results) - len(failed)} passed, {len(failed)} failed")
import shutil
shutil.rmtree(TMP, ignore_errors=True)
sys.exit(1 if failed else 0)
