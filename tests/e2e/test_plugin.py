#!/usr/bin/env python3
"""End-to-end tests of the Wireshark plugin, in the real tshark (no mocks).

The built netscope.so goes into the personal plugin folder of a temporary HOME, and tshark
runs with that HOME. Root ignores personal plugin folders (../shared/notes/wireshark-plugin.md,
section 3), so as root tshark runs as nobody through setpriv; the captures are copied into
the temporary folder so that nobody can read them.

One core, one truth: for every capture of captures/ and ../shared/captures/real, tshark with
the plugin and the netscope command print the same values for every netscope.* field, in one
pass and with -2. Then display filters, expert infos, -z netscope,flows and the preferences.

Exit 77 (skipped) when the plugin was not built or tshark is not installed."""
import argparse
import concurrent.futures
import glob
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import time

ap = argparse.ArgumentParser()
ap.add_argument("--netscope", required=True)
ap.add_argument("--plugin", default="")
ap.add_argument("--shared", default="")
args = ap.parse_args()
T_START = time.monotonic()

TSHARK = shutil.which("tshark")
if not args.plugin or not os.path.exists(args.plugin):
    print("skip: the plugin was not built (meson option plugin, libwireshark-dev)")
    sys.exit(77)
if TSHARK is None:
    print("skip: tshark is not installed")
    sys.exit(77)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TMP = tempfile.mkdtemp(prefix="ns-plugin-")
os.chmod(TMP, 0o755)
HOME = os.path.join(TMP, "home")
ver = re.search(r"\(Wireshark\) (\d+)\.(\d+)", subprocess.run([TSHARK, "--version"], capture_output=True,
                                                                 text=True).stdout)
PLUGDIR = os.path.join(HOME, ".local", "lib", "wireshark", "plugins", f"{ver[1]}.{ver[2]}", "epan")
os.makedirs(PLUGDIR)
shutil.copy(args.plugin, os.path.join(PLUGDIR, "netscope.so"))
for d, _, files in os.walk(TMP):
    os.chmod(d, 0o755)
    for f in files:
        os.chmod(os.path.join(d, f), 0o644)

PREFIX = []
if os.geteuid() == 0:
    SETPRIV = shutil.which("setpriv")
    if SETPRIV is None:
        print("skip: running as root and setpriv is missing: tshark would ignore the plugin")
        sys.exit(77)
    PREFIX = [SETPRIV, "--reuid=65534", "--regid=65534", "--clear-groups"]
ENV = dict(os.environ, HOME=HOME, XDG_CONFIG_HOME=os.path.join(HOME, ".config"))
ENV.pop("WIRESHARK_PLUGIN_DIR", None)

failures = []


def fail(msg):
    failures.append(msg)
    print("FAIL:", msg, flush=True)


def tshark(*a):
    p = subprocess.run(PREFIX + [TSHARK, *a], capture_output=True, text=True, env=ENV, cwd=TMP)
    return p.stdout


def netscope(*a):
    return subprocess.run([args.netscope, *a], capture_output=True, text=True).stdout


def local_copy(path):
    dst = os.path.join(TMP, "cap-" + os.path.basename(os.path.dirname(path)) + "-" + os.path.basename(path))
    shutil.copy(path, dst)
    os.chmod(dst, 0o644)
    return dst


# --- the plugin loads, its fields are the registry's ----------------------------------------

plugins = tshark("-G", "plugins")
if not re.search(r"^netscope\.so\s.*" + re.escape(PLUGDIR), plugins, re.M):
    fail("tshark -G plugins does not list netscope.so from " + PLUGDIR + ":\n" + plugins)
    sys.exit(1)   # nothing else can work

FIELDS = [l.split("\t")[2] for l in netscope("-G", "fields").splitlines()
          if l.startswith("F\t") and l.split("\t")[2].startswith("netscope.")]
ws_fields = {l.split("\t")[2] for l in tshark("-G", "fields").splitlines() if l.startswith("F\t")}
missing = [f for f in FIELDS if f not in ws_fields]
if not FIELDS or missing:
    fail(f"tshark -G fields lacks {missing} of netscope's {len(FIELDS)} netscope.* fields")
print(f"loaded: {len(FIELDS)} netscope.* fields registered", flush=True)

# --- one core, one truth -------------------------------------------------------------------

caps = sorted(glob.glob(os.path.join(ROOT, "captures", "*.pcap*")))
real = os.path.join(args.shared, "captures", "real") if args.shared else ""
if real and os.path.isdir(real):
    caps += sorted(glob.glob(os.path.join(real, "*.pcap*")))
else:
    print("notice: ../shared/captures/real is absent: only captures/ is compared")

EF = [x for f in FIELDS for x in ("-e", f)]
LT = FIELDS.index("netscope.linktype") + 1   # column of netscope.linktype (after frame.number)


def pinned(ns_out):
    """Wiretap maps LINKTYPE_ 12 and 14 (OpenBSD's and BSD/OS's raw IP) to WTAP_ENCAP_RAW_IP,
    so the plugin sees LINKTYPE_RAW (101) where the netscope reader sees the file's value."""
    out = []
    for line in ns_out.splitlines(keepends=True):
        cols = line.split("\t")
        if len(cols) > LT and cols[LT].rstrip("\n") in ("12", "14"):
            cols[LT] = "101" + ("\n" if cols[LT].endswith("\n") else "")
        out.append("\t".join(cols))
    return "".join(out)


def compare(path):
    local = local_copy(path)
    want = pinned(netscope("-r", path, "-T", "fields", "-e", "frame.number", *EF))
    one = tshark("-r", local, "-T", "fields", "-e", "frame.number", *EF)
    two = tshark("-2", "-r", local, "-T", "fields", "-e", "frame.number", *EF)
    return path, local, want, one, two


def first_diff(a, b):
    for i, (x, y) in enumerate(zip(a.splitlines(), b.splitlines())):
        if x != y:
            return f"line {i + 1}:\n  netscope: {x!r}\n  tshark:   {y!r}"
    return f"line counts {len(a.splitlines())} (netscope) vs {len(b.splitlines())} (tshark)"


results = {}
frames = values = 0
with concurrent.futures.ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as ex:
    for path, local, want, one, two in ex.map(compare, caps):
        name = os.path.basename(path)
        results[name] = (path, local, want)
        if one != want:
            fail(f"{name}: one pass differs from netscope, {first_diff(want, one)}")
        if two != want:
            fail(f"{name}: -2 differs from netscope, {first_diff(want, two)}")
        frames += len(want.splitlines())
        values += sum(1 for l in want.splitlines() for c in l.split("\t")[1:] if c)
print(f"one core, one truth: {len(caps)} captures, {frames} frames, {values} field values, "
      f"{len(FIELDS)} fields, one pass and -2", flush=True)


def ns_column(name, field):
    """frame numbers and values of one field, from netscope's per-frame output"""
    col = FIELDS.index(field) + 1
    return [(l.split("\t")[0], l.split("\t")[col]) for l in results[name][2].splitlines()]


# --- display filters ---------------------------------------------------------------------------

with_retrans = [n for n in results if any(v for _, v in ns_column(n, "netscope.tcp.retransmission"))]
if not with_retrans:
    fail("no capture has a netscope.tcp.retransmission: the filter test would test nothing")
for name in with_retrans[:3]:
    want = [f for f, v in ns_column(name, "netscope.tcp.retransmission") if v]
    got = tshark("-r", results[name][1], "-Y", "netscope.tcp.retransmission", "-T", "fields",
                 "-e", "frame.number").split()
    if got != want:
        fail(f"{name}: -Y netscope.tcp.retransmission selects {got[:10]}..., netscope flags {want[:10]}...")
big = max(results, key=lambda n: max([int(v) for _, v in ns_column(n, "netscope.flow.bytes") if v] or [0]))
top = max(int(v) for _, v in ns_column(big, "netscope.flow.bytes") if v)
limit = 100000 if top > 100000 else top // 2     # captures/ alone has no flow that large
want = [f for f, v in ns_column(big, "netscope.flow.bytes") if v and int(v) > limit]
got = tshark("-r", results[big][1], "-Y", f"netscope.flow.bytes > {limit}", "-T", "fields",
             "-e", "frame.number").split()
if got != want or not want:
    fail(f"{big}: -Y 'netscope.flow.bytes > {limit}' selects {len(got)} frames, netscope {len(want)}")
print(f"filters: netscope.tcp.retransmission on {with_retrans[:3]}, flow.bytes > {limit} on {big}", flush=True)

# custom column, the GUI's column preference
col = tshark("-r", results[big][1], "-c", "50", "-o",
             'gui.column.format:"No.","%m","Flow","%Cus:netscope.flow.id:0:R"')
got = [l.split() for l in col.splitlines()]
want = [(f, v) for f, v in ns_column(big, "netscope.flow.id")][:50]
if [(g[0], g[1] if len(g) > 1 else "") for g in got] != want:
    fail(f"{big}: custom column netscope.flow.id differs: {got[:3]} vs {want[:3]}")

# --- expert infos --------------------------------------------------------------------------------


def experts(text):
    """{(protocol, summary): (severity section, group, count)}"""
    out, sev = {}, None
    for line in text.splitlines():
        m = re.match(r"^(Errors|Warns|Notes|Chats|Comments) \(\d+\)", line)
        if m:
            sev = m[1]
            continue
        m = re.match(r"^\s+(\d+)\s+(\S+)\s+(\S+)\s+(.*)$", line)
        if m and sev and m[1] != "Frequency":
            out[(m[3], m[4])] = (sev, m[2], int(m[1]))
    return out


# the capture with the most kinds of TCP findings
flags = [f for f in FIELDS if f.startswith("netscope.tcp.") and f != "netscope.tcp.ack_rtt"]
name = max(with_retrans, key=lambda n: sum(1 for f in flags if any(v for _, v in ns_column(n, f))))
ex = experts(tshark("-r", results[name][1], "-q", "-z", "expert"))
ns_ex = {k: v for k, v in ex.items() if k[0] == "netscope"}
summary = "This frame is a (suspected) retransmission"
n_retrans = sum(1 for _, v in ns_column(name, "netscope.tcp.retransmission") if v)
if ns_ex.get(("netscope", summary), (0, 0, 0))[2] != n_retrans:
    fail(f"-z expert: netscope retransmissions {ns_ex.get(('netscope', summary))}, netscope flags {n_retrans}")
for (_, s), (sev, grp, _) in ns_ex.items():
    tcp = [v for (p, ts), v in ex.items() if p == "TCP" and ts.startswith(s)]
    if not tcp or any((sev, grp) != v[:2] for v in tcp):
        fail(f"-z expert: netscope's '{s}' is {sev}/{grp}, Wireshark's TCP: {tcp}")
print(f"experts: {len(ns_ex)} kinds on {name}, groups and severities as Wireshark's TCP", flush=True)

# --- statistics ------------------------------------------------------------------------------------

for name in [big] + with_retrans[:2]:
    path, local, _ = results[name]
    want = netscope("-r", path, "-q", "-z", "netscope,flows,5")
    for extra in ([], ["-2"]):
        got = tshark(*extra, "-r", local, "-q", "-z", "netscope,flows,5")
        if got != want or "netscope flows" not in want:
            fail(f"{name}: tshark {extra} -z netscope,flows,5 differs from netscope's:\n{got}\n{want}")
print(f"statistics: -z netscope,flows,5 as the CLI's on {[big] + with_retrans[:2]}", flush=True)
if "attack.pcap" in results:
    path, local, _ = results["attack.pcap"]
    for o, cli in (([], []), (["-o", "netscope.scan_ports:10", "-o", "netscope.syn_flood_count:100"],
                              ["--scan-ports", "10", "--syn-flood-count", "100"])):
        want = netscope("-r", path, "-q", "-z", "netscope,alerts", *cli)
        for extra in ([], ["-2"]):
            got = tshark(*extra, "-r", local, "-q", "-z", "netscope,alerts", *o)
            if got != want or "netscope alerts: 3" not in want:
                fail(f"attack.pcap: tshark {extra + o} -z netscope,alerts differs from netscope {cli}:\n{got}\n{want}")
    off = tshark("-r", local, "-o", "netscope.alerts:FALSE", "-T", "fields", "-e", "netscope.alert")
    if off.strip():
        fail("attack.pcap: -o netscope.alerts:FALSE still raises alerts")
    print("statistics: -z netscope,alerts as the CLI's on attack.pcap, with and without thresholds", flush=True)

# --- preferences ----------------------------------------------------------------------------------


def tcp4(src, dst, sport, dport, seq, flags, vlan=None):
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, 0, 0x50, flags, 65535, 0, 0)
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 40, 1, 0, 64, 6, 0, bytes(src), bytes(dst)) + tcp
    eth = bytes.fromhex("020000000002" "020000000001")
    if vlan is not None:
        eth += struct.pack("!HH", 0x8100, vlan)
    return eth + b"\x08\x00" + ip


# one 5-tuple, untagged then on VLAN 7, then untagged again after 100 s
recs = [(10.0, tcp4([10, 0, 0, 1], [10, 0, 0, 2], 1000, 80, 1, 0x02)),
        (11.0, tcp4([10, 0, 0, 1], [10, 0, 0, 2], 1000, 80, 1, 0x02, vlan=7)),
        (111.5, tcp4([10, 0, 0, 1], [10, 0, 0, 2], 1000, 80, 1, 0x02))]
vl = os.path.join(TMP, "vlan.pcap")
with open(vl, "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
    for ts, d in recs:
        f.write(struct.pack("<IIII", int(ts), int(round(ts % 1 * 1e6)), len(d), len(d)) + d)
os.chmod(vl, 0o644)
prefcases = [([], [], "1 1 1"),
             (["-o", "netscope.vlan_in_key:TRUE"], ["--vlan-in-key"], "1 2 1"),
             (["-o", "netscope.idle_timeout:60"], ["--idle-timeout", "60"], "1 1 2")]
for o, cli, expect in prefcases:
    got = " ".join(tshark("-r", vl, *o, "-T", "fields", "-e", "netscope.flow.id").split())
    want = " ".join(netscope("-r", vl, *cli, "-T", "fields", "-e", "netscope.flow.id").split())
    if got != want or got != expect:
        fail(f"{o}: flow ids {got!r}, netscope {cli} {want!r}, expected {expect!r}")
if "zeek-vlan-collisions.pcap" in results:
    path, local, _ = results["zeek-vlan-collisions.pcap"]
    got = tshark("-r", local, "-o", "netscope.vlan_in_key:TRUE", "-T", "fields", *EF)
    want = pinned(netscope("-r", path, "--vlan-in-key", "-T", "fields", *EF))
    plain = tshark("-r", local, "-T", "fields", *EF)
    if got != want or got == plain:
        fail(f"zeek-vlan-collisions.pcap: -o netscope.vlan_in_key:TRUE is not --vlan-in-key "
             f"(or changes nothing): {first_diff(want, got)}")
name = with_retrans[0]
off = tshark("-r", results[name][1], "-o", "netscope.tcp_analysis:FALSE", "-T", "fields",
             *[x for f in FIELDS if f.startswith("netscope.tcp.") or f.startswith("netscope.flow.r")
               for x in ("-e", f)])
if off.replace("\t", "").strip():
    fail(f"{name}: -o netscope.tcp_analysis:FALSE still gives TCP analysis values")
bad = subprocess.run(PREFIX + [TSHARK, "-r", vl, "-o", "netscope.bogus:1"], capture_output=True, text=True,
                     env=ENV, cwd=TMP)
if "unknown preference" not in bad.stderr:
    fail("an unknown netscope preference is not refused: " + bad.stderr)
print("preferences: vlan_in_key, idle_timeout, tcp_analysis as the CLI's options", flush=True)

shutil.rmtree(TMP, ignore_errors=True)
print(f"{len(failures)} failure(s), {time.monotonic() - T_START:.1f} s")
sys.exit(1 if failures else 0)
