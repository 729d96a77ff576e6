#!/usr/bin/env python3
"""Seed corpora for the fuzz targets, cut from the project's own captures: whole files for
fuzz_file, and for each dissector entry point the bytes where its header starts (found by a
plain walk of Ethernet/IPv4/IPv6 frames: the seeds only need to be plausible)."""
import glob
import os
import struct
import sys

out = sys.argv[1]
caps = sorted(glob.glob("captures/*.pcap") + glob.glob("captures/*.pcapng"))
LT = {0: 0, 1: 1, 12: 2, 14: 3, 101: 4, 108: 5, 113: 6, 228: 7, 229: 8, 276: 9}


def put(target, data, n=[0]):
    d = os.path.join(out, target)
    os.makedirs(d, exist_ok=True)
    n[0] += 1
    with open(os.path.join(d, "s%05d" % n[0]), "wb") as f:
        f.write(data)


def frames(path):
    b = open(path, "rb").read()
    if len(b) < 24:
        return
    magic = struct.unpack("<I", b[:4])[0]
    if magic in (0xA1B2C3D4, 0xA1B23C4D):
        e = "<"
    elif magic in (0xD4C3B2A1, 0x4D3CB2A1):
        e = ">"
    else:
        return
    lt = struct.unpack(e + "I", b[20:24])[0] & 0xFFFF
    off = 24
    while off + 16 <= len(b):
        cap = struct.unpack(e + "I", b[off + 8:off + 12])[0]
        data = b[off + 16:off + 16 + cap]
        off += 16 + cap
        yield lt, data


for cap in caps:
    put("file", open(cap, "rb").read())
    for lt, data in frames(cap):
        if lt in LT:
            put("frame", bytes([LT[lt]]) + data)
        if lt != 1 or len(data) < 14:
            continue
        put("eth", data)
        put("peek", bytes([len(data) & 1]) + data)    # first byte: VLAN ids in the key or not
        et = struct.unpack("!H", data[12:14])[0]
        p = data[14:]
        if et == 0x8100 and len(p) >= 4:
            put("vlan", p)
            et, p = struct.unpack("!H", p[2:4])[0], p[4:]
        if et == 0x0806:
            put("arp", p)
            continue
        if et == 0x0800 and len(p) >= 20:
            put("ipv4", p)
            proto, ihl = p[9], (p[0] & 15) * 4
            l4 = p[ihl:]
        elif et == 0x86DD and len(p) >= 40:
            put("ipv6", p)
            proto, l4 = p[6], p[40:]
        else:
            continue
        name = {6: "tcp", 17: "udp", 1: "icmp", 58: "icmpv6", 47: "gre"}.get(proto)
        if name:
            put(name, l4)
        if proto == 17 and len(l4) >= 8:
            sport, dport = struct.unpack("!HH", l4[:4])
            if 53 in (sport, dport) or 5353 in (sport, dport) or 5355 in (sport, dport):
                put("dns", l4[8:])
        if proto == 6 and len(l4) >= 20:
            pl = l4[(l4[12] >> 4) * 4:]
            sport, dport = struct.unpack("!HH", l4[:4])
            if 53 in (sport, dport):
                put("dns_tcp", pl)
            if pl[:1] == b"\x16":
                put("tls", pl)
