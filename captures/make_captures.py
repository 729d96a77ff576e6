#!/usr/bin/python3
"""captures/make_captures.py: writes netscope's own small captures, deterministically.

Usage: python3 captures/make_captures.py [--list | --readme-table]

Every byte is fixed: timestamps are computed from T0, addresses come from the
documentation ranges (192.0.2.0/24, 198.51.100.0/24, 2001:db8::/32, MACs 02:00:00:..),
nothing is random. scapy (Debian's python3-scapy) builds the ordinary packets; headers
that must be wrong, and the file formats themselves (pcap and pcapng, any byte order,
several interfaces, LOOP), are written with struct. Running it twice gives the same bytes.

Each capture is declared with a description (the README table comes from
`--readme-table`). After changing this file, run captures/update-expected.sh.
"""
import os
import struct
import sys

try:
    from scapy.config import conf
except ImportError:
    # python3 on PATH may be a pyenv interpreter without Debian's scapy: use the system one.
    if os.path.exists("/usr/bin/python3") and os.path.realpath(sys.executable) != os.path.realpath("/usr/bin/python3"):
        os.execv("/usr/bin/python3", ["/usr/bin/python3"] + sys.argv)
    sys.exit("make_captures.py: scapy is missing (apt-get install python3-scapy)")

conf.verb = 0
from scapy.layers.l2 import Ether, Dot3, ARP, Dot1Q, Dot1AD, LLC, SNAP, STP  # noqa: E402
from scapy.layers.inet import IP, UDP, TCP, ICMP  # noqa: E402
from scapy.layers.inet6 import (IPv6, IPv6ExtHdrHopByHop, IPv6ExtHdrDestOpt,  # noqa: E402
                                IPv6ExtHdrSegmentRouting, RouterAlert, Jumbo, PadN,
                                ICMPv6EchoRequest, ICMPv6EchoReply, ICMPv6DestUnreach,
                                ICMPv6PacketTooBig, ICMPv6TimeExceeded, ICMPv6ParamProblem,
                                ICMPv6ND_NS, ICMPv6ND_NA, ICMPv6ND_RS, ICMPv6NDOptSrcLLAddr)
from scapy.packet import Raw  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))

T0 = 1700000000                     # 2023-11-14T22:13:20Z
MAC_A = "02:00:00:00:00:0a"
MAC_B = "02:00:00:00:00:0b"
MAC_C = "02:00:00:00:00:0c"
MAC_D = "02:00:00:00:00:0d"
BCAST = "ff:ff:ff:ff:ff:ff"
V4_A = "192.0.2.1"
V4_B = "198.51.100.2"
V4_C = "192.0.2.33"
V4_D = "198.51.100.44"
V4_R = "192.0.2.254"                # a router
V6_A = "2001:db8::1"
V6_B = "2001:db8:1::2"
V6_C = "2001:db8:2::3"
V6_D = "2001:db8:3::4"
V6_R = "2001:db8::fe"


# ---------------------------------------------------------------- records and files

class Rec:
    """One record: the captured bytes, the length on the wire, an optional timestamp."""

    def __init__(self, data, wire=None, ts_ns=None):
        self.data = bytes(data)
        self.wire = len(self.data) if wire is None else wire
        self.ts_ns = ts_ns


def rec(x):
    return x if isinstance(x, Rec) else Rec(bytes(x))


def cut(pkt, n):
    """The first n bytes of pkt captured, the whole packet on the wire (snaplen cut)."""
    b = bytes(pkt)
    return Rec(b[:n], wire=len(b))


def short(pkt, n):
    """Only n bytes on the wire and in the capture: a packet that really is short."""
    return Rec(bytes(pkt)[:n])


def default_ts(i, nsec):
    # 0.1 s apart plus a drifting microsecond part; nanosecond files get odd nanoseconds.
    t = T0 * 10**9 + i * 100_000_000 + i * 1_001_000
    if nsec:
        t += i * 7 + 1
    return t


CAPTURES = []   # (relative path, description)


def out_path(name):
    p = os.path.join(HERE, name)
    os.makedirs(os.path.dirname(p), exist_ok=True)
    return p


def pcap_bytes(linktype, recs, endian="<", nsec=False, snaplen=262144, major=2, minor=4):
    magic = 0xA1B23C4D if nsec else 0xA1B2C3D4
    out = [struct.pack(endian + "IHHiIII", magic, major, minor, 0, 0, snaplen, linktype)]
    for i, r in enumerate(recs):
        r = rec(r)
        ts = r.ts_ns if r.ts_ns is not None else default_ts(i, nsec)
        sec, frac = divmod(ts, 10**9)
        if not nsec:
            frac //= 1000
        out.append(struct.pack(endian + "IIII", sec, frac, len(r.data), r.wire) + r.data)
    return b"".join(out)


def write(name, desc, data):
    with open(out_path(name), "wb") as f:
        f.write(data)
    CAPTURES.append((name, desc))


def pcap(name, desc, linktype, recs, **kw):
    write(name, desc, pcap_bytes(linktype, recs, **kw))


# pcapng (https://www.ietf.org/archive/id/draft-ietf-opsawg-pcapng-02.html)

def pad4(b):
    return b + b"\0" * (-len(b) % 4)


def ng_opt(e, code, val):
    return struct.pack(e + "HH", code, len(val)) + pad4(val)


def ng_opts(e, opts):
    if not opts:
        return b""
    return b"".join(ng_opt(e, c, v) for c, v in opts) + struct.pack(e + "HH", 0, 0)


def ng_block(e, btype, body, total=None, trailer=None):
    body = pad4(body)
    n = 12 + len(body)
    return (struct.pack(e + "II", btype, n if total is None else total) + body
            + struct.pack(e + "I", n if trailer is None else trailer))


def ng_shb(e, opts=()):
    return ng_block(e, 0x0A0D0D0A, struct.pack(e + "IHHq", 0x1A2B3C4D, 1, 0, -1) + ng_opts(e, opts))


def ng_idb(e, linktype, snaplen=0, opts=()):
    return ng_block(e, 1, struct.pack(e + "HHI", linktype, 0, snaplen) + ng_opts(e, opts))


def ng_epb(e, ifid, ticks, data, wire=None, opts=(), **kw):
    data = bytes(data)
    wire = len(data) if wire is None else wire
    body = struct.pack(e + "IIIII", ifid, ticks >> 32, ticks & 0xFFFFFFFF, len(data), wire)
    return ng_block(e, 6, body + pad4(data) + ng_opts(e, opts), **kw)


def ng_spb(e, data, wire=None):
    data = bytes(data)
    return ng_block(e, 3, struct.pack(e + "I", len(data) if wire is None else wire) + pad4(data))


def ng_pb(e, ifid, ticks, data, drops=0):
    """The obsolete Packet Block (type 2): 16-bit interface id and drop count."""
    data = bytes(data)
    body = struct.pack(e + "HHIIII", ifid, drops, ticks >> 32, ticks & 0xFFFFFFFF, len(data), len(data))
    return ng_block(e, 2, body + pad4(data))


def ng_isb(e, ifid, ticks, opts=()):
    return ng_block(e, 5, struct.pack(e + "III", ifid, ticks >> 32, ticks & 0xFFFFFFFF) + ng_opts(e, opts))


# ---------------------------------------------------------------- packet helpers

def ck16(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ipv4_raw(src, dst, proto, payload, ihl=None, tot=None, opts=b"", ttl=64, ident=0x1234,
             flags=0, frag=0, version=4, tos=0):
    """An IPv4 header built by hand, for the values scapy would correct."""
    if ihl is None:
        ihl = (20 + len(opts)) // 4
    if tot is None:
        tot = 20 + len(opts) + len(payload)
    s = bytes(map(int, src.split(".")))
    d = bytes(map(int, dst.split(".")))
    h = struct.pack("!BBHHHBBH4s4s", version << 4 | ihl, tos, tot, ident, flags << 13 | frag,
                    ttl, proto, 0, s, d) + opts
    h = h[:10] + struct.pack("!H", ck16(h)) + h[12:]
    return h + bytes(payload)


def eth(src=MAC_A, dst=MAC_B, **kw):
    return Ether(src=src, dst=dst, **kw)


def eth_raw(ethertype, payload, src=MAC_A, dst=MAC_B):
    return bytes(Ether(src=src, dst=dst, type=ethertype)) + bytes(payload)


def mpls(labels, ttl=64):
    out = b""
    for i, lab in enumerate(labels):
        bos = 1 if i == len(labels) - 1 else 0
        out += struct.pack("!I", lab << 12 | 0 << 9 | bos << 8 | ttl)
    return out


def gre(proto, key=None, seq=None, csum=False, version=0, routing=False, payload=b""):
    flags = (0x8000 if csum else 0) | (0x4000 if routing else 0) | \
            (0x2000 if key is not None else 0) | (0x1000 if seq is not None else 0) | version
    h = struct.pack("!HH", flags, proto)
    if csum or routing:
        h += struct.pack("!HH", 0, 0)
    if key is not None:
        h += struct.pack("!I", key)
    if seq is not None:
        h += struct.pack("!I", seq)
    if csum:
        c = ck16(h + bytes(payload))
        h = h[:4] + struct.pack("!H", c) + h[6:]
    return h + bytes(payload)


def pppoe_sess(session, ppp_proto, payload, length=None):
    body = struct.pack("!H", ppp_proto) + bytes(payload)
    return struct.pack("!BBHH", 0x11, 0x00, session, len(body) if length is None else length) + body


def sll(proto, payload, pkttype=0, hatype=1, addr=bytes.fromhex("02000000000a")):
    return struct.pack("!HHH8sH", pkttype, hatype, len(addr), addr.ljust(8, b"\0"), proto) + bytes(payload)


def sll2(proto, payload, ifindex=2, pkttype=0, hatype=1, addr=bytes.fromhex("02000000000a")):
    return struct.pack("!HHIHBB8s", proto, 0, ifindex, hatype, pkttype, len(addr),
                       addr.ljust(8, b"\0")) + bytes(payload)


def null(af, payload, e="<"):
    """A BSD NULL / LOOP header: the address family as a 4-byte integer in byte order e."""
    return struct.pack(e + "I", af) + bytes(payload)


def v4udp(src=V4_A, dst=V4_B, sport=40000, dport=9, payload=b"netscope", **ip):
    return IP(src=src, dst=dst, **ip) / UDP(sport=sport, dport=dport) / Raw(payload)


def v6udp(src=V6_A, dst=V6_B, sport=40000, dport=9, payload=b"netscope", **ip):
    return IPv6(src=src, dst=dst, **ip) / UDP(sport=sport, dport=dport) / Raw(payload)


def v4tcp(src=V4_A, dst=V4_B, sport=40001, dport=9, flags="S", seq=1000, ack=0, payload=b"", **ip):
    t = TCP(sport=sport, dport=dport, flags=flags, seq=seq, ack=ack, window=64240)
    p = IP(src=src, dst=dst, **ip) / t
    return p / Raw(payload) if payload else p


def v6tcp(src=V6_A, dst=V6_B, sport=40001, dport=9, flags="S", seq=1000, ack=0, payload=b"", **ip):
    t = TCP(sport=sport, dport=dport, flags=flags, seq=seq, ack=ack, window=64240)
    p = IPv6(src=src, dst=dst, **ip) / t
    return p / Raw(payload) if payload else p


def v4icmp_echo(src=V4_A, dst=V4_B, type_=8, ident=0x4e53, seq=1):
    return IP(src=src, dst=dst) / ICMP(type=type_, id=ident, seq=seq) / Raw(b"netscope-ping-data")


def tcp_raw(sport, dport, seq=1, ack=0, doff=5, flags=0x18, win=1024, opts=b"", payload=b""):
    """A TCP header by hand (no checksum): for data offsets and options scapy would fix."""
    return struct.pack("!HHIIBBHHH", sport, dport, seq, ack, doff << 4, flags, win, 0, 0) + opts + payload


def udp_raw(sport, dport, payload=b"", length=None):
    return struct.pack("!HHHH", sport, dport, 8 + len(payload) if length is None else length, 0) + payload


# DNS, built by hand so that compression pointers land where they are meant to.

def dns_name(labels, ptr=None):
    out = b"".join(bytes([len(l)]) + l for l in labels)
    return out + (struct.pack("!H", 0xC000 | ptr) if ptr is not None else b"\0")


def dns_hdr(ident, flags, qd, an=0, ns=0, ar=0):
    return struct.pack("!HHHHHH", ident, flags, qd, an, ns, ar)


def dns_q(name, qtype=1, qclass=1):
    return name + struct.pack("!HH", qtype, qclass)


def dns_rr(name, rtype, rdata, ttl=300, rclass=1):
    return name + struct.pack("!HHIH", rtype, rclass, ttl, len(rdata)) + rdata


def ip4b(a):
    return bytes(map(int, a.split(".")))


def ip6b(a):
    import socket
    return socket.inet_pton(socket.AF_INET6, a)


# TLS, by hand: record, handshake, extensions.

def tls_ext(t, body):
    return struct.pack("!HH", t, len(body)) + body


def tls_sni(name):
    entry = b"\0" + struct.pack("!H", len(name)) + name
    return tls_ext(0, struct.pack("!H", len(entry)) + entry)


def tls_alpn(protos):
    lst = b"".join(bytes([len(p)]) + p for p in protos)
    return tls_ext(16, struct.pack("!H", len(lst)) + lst)


TLS_CIPHERS = struct.pack("!6H", 0x1301, 0x1302, 0x1303, 0xC02B, 0xC02F, 0x009C)


def tls_client_hello(exts, ext_len=None, version=0x0303):
    exts_b = b"".join(exts)
    body = (struct.pack("!H", version) + bytes(range(32)) + b"\x20" + bytes(range(0x20, 0x40))
            + struct.pack("!H", len(TLS_CIPHERS)) + TLS_CIPHERS + b"\x01\x00"
            + struct.pack("!H", len(exts_b) if ext_len is None else ext_len) + exts_b)
    hs = b"\x01" + struct.pack("!I", len(body))[1:] + body
    return b"\x16\x03\x01" + struct.pack("!H", len(hs)) + hs


def tls_server_hello(exts):
    exts_b = b"".join(exts)
    body = (b"\x03\x03" + bytes(range(0x40, 0x60)) + b"\x20" + bytes(range(0x20, 0x40))
            + b"\x13\x01" + b"\x00" + struct.pack("!H", len(exts_b)) + exts_b)
    hs = b"\x02" + struct.pack("!I", len(body))[1:] + body
    return b"\x16\x03\x03" + struct.pack("!H", len(hs)) + hs


TLS_COMMON_EXTS = [tls_ext(43, b"\x04\x03\x04\x03\x03"),          # supported_versions
                   tls_ext(10, b"\x00\x04\x00\x1d\x00\x17"),     # supported_groups
                   tls_ext(13, b"\x00\x04\x04\x03\x08\x04")]     # signature_algorithms


# ---------------------------------------------------------------- link types

def make_link():
    pcap("eth_ip.pcap", "Ethernet II: IPv4 UDP/TCP/ICMP, IPv6 UDP/TCP, a 60-byte padded frame, "
         "IP protocol 253, unknown ethertype 0x88b5", 1, [
             eth() / v4udp(),
             eth() / v4tcp(),
             eth(src=MAC_B, dst=MAC_A) / v4icmp_echo(src=V4_B, dst=V4_A),
             eth(type=0x86DD) / v6udp(),
             eth(type=0x86DD) / v6tcp(flags="SA", seq=5000, ack=1001),
             # 14 + 20 + 8 + 2 = 44 bytes: padded with zeros to the 60-byte minimum
             eth_raw(0x0800, bytes(v4udp(payload=b"hi"))) + b"\0" * 16,
             eth() / IP(src=V4_A, dst=V4_B, proto=253) / Raw(b"experimental"),
             eth_raw(0x88B5, b"local experimental ethertype payload"),
         ])

    pcap("eth_8023_llc.pcap", "IEEE 802.3 length frames with LLC: STP BPDU, SNAP carrying IPv4, "
         "SNAP carrying IPv6, an XID frame of 6 bytes padded to 60", 1, [
             Dot3(src=MAC_A, dst="01:80:c2:00:00:00") / LLC(dsap=0x42, ssap=0x42, ctrl=3)
             / STP(rootmac=MAC_A, bridgemac=MAC_A, portid=0x8001),
             Dot3(src=MAC_A, dst=MAC_B) / LLC(dsap=0xAA, ssap=0xAA, ctrl=3) / SNAP(OUI=0, code=0x0800)
             / v4udp(payload=b"snap"),
             Dot3(src=MAC_A, dst=MAC_B) / LLC(dsap=0xAA, ssap=0xAA, ctrl=3) / SNAP(OUI=0, code=0x86DD)
             / v6udp(payload=b"snap6"),
             # length 6 (LLC XID command: 3 LLC + 3 XID info bytes), padded to 60 bytes
             bytes(Ether(src=MAC_C, dst=MAC_D, type=6)) + bytes([0x00, 0x01, 0xAF, 0x81, 0x01, 0x00]) + b"\0" * 40,
         ])

    pcap("eth_vlan.pcap", "802.1Q: VLAN 100 IPv4/UDP, VLAN 200 IPv6/TCP, VLAN 4094 ARP, "
         "priority tag (VID 0) with PCP 5, a tag over an 802.3/LLC frame", 1, [
             eth(type=0x8100) / Dot1Q(vlan=100, type=0x0800) / v4udp(),
             eth(type=0x8100) / Dot1Q(vlan=200, type=0x86DD) / v6tcp(),
             eth(dst=BCAST, type=0x8100) / Dot1Q(vlan=4094, type=0x0806)
             / ARP(op=1, hwsrc=MAC_A, psrc=V4_A, hwdst="00:00:00:00:00:00", pdst=V4_B),
             eth(type=0x8100) / Dot1Q(prio=5, vlan=0, type=0x0800) / v4udp(sport=5004, dport=5004),
             eth_raw(0x8100, struct.pack("!HH", 300, 6) + bytes([0x00, 0x01, 0xAF, 0x81, 0x01, 0x00])
                     + b"\0" * 36),
         ])

    pcap("eth_qinq.pcap", "Stacked tags: 802.1ad 0x88a8 S-tag + 0x8100 C-tag, 0x9100 + 0x8100, "
         "0x8100 + 0x8100 (IPv6), a lone 0x88a8, three tags 0x88a8/0x8100/0x8100", 1, [
             eth(type=0x88A8) / Dot1AD(vlan=10, type=0x8100) / Dot1Q(vlan=20, type=0x0800) / v4udp(),
             eth(type=0x9100) / Dot1Q(vlan=30, type=0x8100) / Dot1Q(vlan=40, type=0x0800) / v4udp(),
             eth(type=0x8100) / Dot1Q(vlan=50, type=0x8100) / Dot1Q(vlan=60, type=0x86DD) / v6udp(),
             eth(type=0x88A8) / Dot1AD(vlan=70, type=0x0800) / v4tcp(),
             eth(type=0x88A8) / Dot1AD(vlan=80, type=0x8100) / Dot1Q(vlan=90, type=0x8100)
             / Dot1Q(vlan=100, type=0x0800) / v4udp(),
         ])

    pcap("eth_mpls.pcap", "MPLS: labels 16,1000 over IPv4/UDP; 17,2000 over IPv6/TCP; explicit "
         "null 0 alone; three labels; 802.1Q then MPLS; multicast ethertype 0x8848", 1, [
             eth_raw(0x8847, mpls([16, 1000]) + bytes(v4udp())),
             eth_raw(0x8847, mpls([17, 2000]) + bytes(v6tcp())),
             eth_raw(0x8847, mpls([0]) + bytes(v4icmp_echo())),
             eth_raw(0x8847, mpls([18, 19, 20]) + bytes(v4udp(sport=40002))),
             eth_raw(0x8100, struct.pack("!HH", 555, 0x8847) + mpls([21, 22]) + bytes(v4udp(sport=40003))),
             eth_raw(0x8848, mpls([23, 24]) + bytes(v4udp(sport=40004, dst="232.1.1.1")),
                     dst="01:00:5e:01:01:01"),
         ])

    padi = struct.pack("!BBHH", 0x11, 0x09, 0, 4) + struct.pack("!HH", 0x0101, 0)
    pcap("eth_pppoe.pcap", "PPPoE: discovery PADI (0x8863); session (0x8864) carrying PPP IPv4/UDP, "
         "PPP IPv6/TCP, PPP LCP echo; a session over 802.1Q", 1, [
             eth_raw(0x8863, padi, dst=BCAST),
             eth_raw(0x8864, pppoe_sess(0x1234, 0x0021, bytes(v4udp()))),
             eth_raw(0x8864, pppoe_sess(0x1234, 0x0057, bytes(v6tcp()))),
             eth_raw(0x8864, pppoe_sess(0x1234, 0xC021, bytes.fromhex("0901000812345678"))),
             eth_raw(0x8100, struct.pack("!HH", 7, 0x8864)
                     + pppoe_sess(0x0042, 0x0021, bytes(v4tcp(flags="A", seq=77, ack=88)))),
         ])

    arp_req = ARP(op=1, hwsrc=MAC_A, psrc=V4_A, hwdst="00:00:00:00:00:00", pdst=V4_B)
    pcap("sll.pcap", "Linux cooked v1 (113): outgoing IPv4/UDP, incoming IPv6/TCP, ARP, "
         "a loopback IPv4 (hatype 772, no address), an 802.1Q-tagged IPv4", 113, [
             sll(0x0800, bytes(v4udp()), pkttype=4),
             sll(0x86DD, bytes(v6tcp()), pkttype=0),
             sll(0x0806, bytes(arp_req), pkttype=1),
             sll(0x0800, bytes(v4udp(src="127.0.0.1", dst="127.0.0.1")), pkttype=0, hatype=772, addr=b""),
             sll(0x8100, struct.pack("!HH", 42, 0x0800) + bytes(v4udp(sport=40005)), pkttype=0),
         ])

    pcap("sll2.pcap", "Linux cooked v2 (276): IPv4/UDP, IPv6/TCP, ARP, two interface indexes", 276, [
             sll2(0x0800, bytes(v4udp()), ifindex=2, pkttype=4),
             sll2(0x86DD, bytes(v6tcp()), ifindex=3, pkttype=0),
             sll2(0x0806, bytes(arp_req), ifindex=2, pkttype=1),
         ])

    pcap("null.pcap", "BSD NULL (0), little-endian file: AF_INET 2, AF_INET6 24 (BSD), 28 (FreeBSD), "
         "30 (Darwin), an unknown family 99, then AF_INET and AF_INET6 (30) written big-endian", 0, [
             null(2, v4udp()), null(24, v6udp()), null(28, v6tcp()), null(30, v6udp(sport=40006)),
             null(99, b"unknown family payload"),
             # the other byte order: readers guess it (tshark swaps when the upper half is set)
             null(2, v4udp(sport=40007), ">"), null(30, v6udp(sport=40008), ">"),
         ])
    pcap("null_be.pcap", "BSD NULL (0) in a big-endian file: the family is in the writer's (big-endian) "
         "order", 0, [null(2, v4udp(), ">"), null(30, v6udp(), ">")], endian=">")

    pcap("loop.pcap", "OpenBSD LOOP (108): the family in network byte order whatever the file: "
         "2, 24, 28, 30", 108, [
             null(2, v4udp(), ">"), null(24, v6udp(), ">"), null(28, v6tcp(), ">"),
             null(30, v6udp(sport=40006), ">"),
         ])

    raw_pkts = [v4udp(), v6tcp(), v4icmp_echo()]
    pcap("raw.pcap", "RAW (101): IPv4/UDP, IPv6/TCP, IPv4/ICMP, chosen by the version nibble", 101, raw_pkts)
    pcap("raw_lt12.pcap", "RAW written as link type 12 (DLT_RAW on most BSDs)", 12, raw_pkts)
    pcap("raw_lt14.pcap", "RAW written as link type 14 (DLT_RAW on OpenBSD)", 14, raw_pkts)
    pcap("ipv4_lt228.pcap", "LINKTYPE_IPV4 (228): IPv4/UDP, IPv4/TCP", 228, [v4udp(), v4tcp()])
    pcap("ipv6_lt229.pcap", "LINKTYPE_IPV6 (229): IPv6/UDP, IPv6/TCP", 229, [v6udp(), v6tcp()])

    # The same few Ethernet frames in the other file variants.
    few = [eth() / v4udp(), eth(type=0x86DD) / v6tcp(), eth() / v4icmp_echo()]
    pcap("pcap_be_usec.pcap", "pcap variant: big-endian, microseconds", 1, few, endian=">")
    pcap("pcap_le_nsec.pcap", "pcap variant: little-endian, nanosecond magic 0xa1b23c4d", 1, few, nsec=True)
    pcap("pcap_be_nsec.pcap", "pcap variant: big-endian, nanoseconds", 1, few, endian=">", nsec=True)
    payload = bytes(range(256)) * 2
    pcap("pcap_snaplen64.pcap", "snaplen 64: TCP and UDP with data cut by the snaplen (cap_len < len; "
         "tcp.len still comes from the IP header)", 1, [
             cut(eth() / v4tcp(flags="PA", seq=1, ack=1, payload=payload), 64),
             cut(eth() / v4udp(payload=payload), 64),
             cut(eth(type=0x86DD) / v6tcp(flags="PA", seq=1, ack=1, payload=payload), 64),
             eth() / v4udp(payload=b"fits"),
         ], snaplen=64)


# ---------------------------------------------------------------- network layer

def make_ip():
    rr = bytes([7, 11, 8]) + ip4b(V4_R) + b"\0" * 4     # Record Route, 2 slots, 1 used
    ts = bytes([68, 12, 9, 0x00]) + struct.pack("!II", 123456, 0)   # Timestamp, 1 of 2 used
    ra = bytes([148, 4, 0, 0])                            # Router Alert
    pcap("ipv4_options.pcap", "IPv4 options: NOP+Record Route, Timestamp, Router Alert, "
         "Router Alert + EOL padding, TTL 1, DSCP/ECN set", 1, [
             eth_raw(0x0800, ipv4_raw(V4_A, V4_B, 17, udp_raw(40000, 9, b"rr"), opts=b"\x01" + rr)),
             eth_raw(0x0800, ipv4_raw(V4_A, V4_B, 17, udp_raw(40000, 9, b"ts"), opts=ts)),
             eth_raw(0x0800, ipv4_raw(V4_A, "224.0.0.22", 2, bytes.fromhex("2200fa0100000000"), opts=ra,
                                      ttl=1), dst="01:00:5e:00:00:16"),
             eth_raw(0x0800, ipv4_raw(V4_A, V4_B, 6, tcp_raw(40001, 9, flags=0x02), opts=ra[:2] + b"\0\0"
                                      + b"\x00\x00\x00\x00")),
             eth_raw(0x0800, ipv4_raw(V4_A, V4_B, 17, udp_raw(40000, 9, b"tos"), tos=0xB9, ttl=255)),
         ])

    dgram = bytes(UDP(sport=40010, dport=9) / Raw(bytes(range(56))))     # 64 bytes of UDP
    icmp_dg = bytes(ICMP(type=8, id=7, seq=7) / Raw(bytes(range(40))))   # 48 bytes of ICMP
    pcap("ipv4_frag.pcap", "IPv4 fragments: a UDP datagram in three fragments (tshark reassembles it "
         "in the last), an ICMP echo in two fragments sent last-first, a lone first fragment that "
         "never completes, a DF packet", 1, [
             eth_raw(0x0800, ipv4_raw(V4_A, V4_B, 17, dgram[0:24], ident=0x0101, flags=1, frag=0)),
             eth_raw(0x0800, ipv4_raw(V4_A, V4_B, 17, dgram[24:48], ident=0x0101, flags=1, frag=3)),
             eth_raw(0x0800, ipv4_raw(V4_A, V4_B, 17, dgram[48:64], ident=0x0101, flags=0, frag=6)),
             eth_raw(0x0800, ipv4_raw(V4_A, V4_B, 1, icmp_dg[24:48], ident=0x0202, flags=0, frag=3)),
             eth_raw(0x0800, ipv4_raw(V4_A, V4_B, 1, icmp_dg[0:24], ident=0x0202, flags=1, frag=0)),
             eth_raw(0x0800, ipv4_raw(V4_A, V4_B, 17, dgram[0:32], ident=0x0303, flags=1, frag=0)),
             eth_raw(0x0800, ipv4_raw(V4_A, V4_B, 17, udp_raw(40011, 9, b"df"), ident=0x0404, flags=2)),
         ])

    tcp_seg = tcp_raw(40001, 9, seq=1, ack=1, flags=0x18, payload=bytes(range(200)) * 5)
    pcap("ipv4_tso.pcap", "IPv4 total length 0 (captured before TSO/GSO split it): TCP with 1000 "
         "data bytes, UDP; then a normal packet", 1, [
             eth_raw(0x0800, ipv4_raw(V4_A, V4_B, 6, tcp_seg, tot=0)),
             eth_raw(0x0800, ipv4_raw(V4_A, V4_B, 17, udp_raw(40000, 9, b"gso"), tot=0)),
             eth_raw(0x0800, ipv4_raw(V4_A, V4_B, 17, udp_raw(40000, 9, b"normal"))),
         ])

    # scapy has no AH for IPv6 chains it checksums right; AH is written by hand.
    def ah(nh, inner):
        return struct.pack("!BBHII", nh, 4, 0, 0x1000, 1) + b"\xAA" * 12 + bytes(inner)

    tcp_b = bytes(TCP(sport=40001, dport=9, flags="S", seq=2000, window=64240))
    chain = (bytes([60, 0]) + bytes(RouterAlert()) + b"\x01\x00"          # HBH -> DstOpt
             + bytes([43, 0, 1, 4]) + b"\0\0\0\0"                      # DstOpt (PadN) -> Routing
             + bytes([51, 2, 0, 0]) + b"\0" * 4 + ip6b(V6_B)           # Routing type 0 -> AH
             + ah(60, b"")                                              # AH -> DstOpt
             + bytes([58, 0, 1, 4]) + b"\0\0\0\0"                      # DstOpt -> ICMPv6
             + bytes(ICMPv6EchoRequest(id=1, seq=1, cksum=0, data=b"chain-of-five-ext")))
    udp_b = bytes(IPv6(src=V6_A, dst=V6_B) / UDP(sport=40014, dport=9) / Raw(b"frag-chain"))[40:]
    frag_chain = (bytes([44, 0, 1, 4]) + b"\0\0\0\0"                   # HBH -> Fragment
                  + struct.pack("!BBHI", 51, 0, 0, 0xABCD00FF)          # atomic Fragment -> AH
                  + ah(60, b"")                                         # AH -> DstOpt
                  + bytes([17, 0, 1, 4]) + b"\0\0\0\0" + udp_b)        # DstOpt -> UDP
    pcap("ipv6_ext.pcap", "IPv6 extension chains: Hop-by-Hop (Router Alert) -> UDP; Routing (type 4 "
         "segment routing) -> TCP; Destination Options -> UDP; AH -> TCP; HBH, DestOpts, Routing, "
         "AH, DestOpts -> ICMPv6 echo; HBH -> No Next Header; DestOpts -> ESP; HBH, atomic "
         "Fragment, AH, DestOpts -> UDP", 1, [
             eth(type=0x86DD) / IPv6(src=V6_A, dst=V6_B) / IPv6ExtHdrHopByHop(options=[RouterAlert()])
             / UDP(sport=40000, dport=9) / Raw(b"hbh"),
             eth(type=0x86DD) / IPv6(src=V6_A, dst=V6_B)
             / IPv6ExtHdrSegmentRouting(addresses=[V6_B, V6_C], segleft=1)
             / TCP(sport=40001, dport=9, flags="S", seq=1000, window=64240),
             eth(type=0x86DD) / IPv6(src=V6_A, dst=V6_B) / IPv6ExtHdrDestOpt(options=[PadN(optdata=b"\0\0\0\0")])
             / UDP(sport=40000, dport=9) / Raw(b"dst"),
             eth_raw(0x86DD, bytes(IPv6(src=V6_A, dst=V6_B, nh=51, plen=24 + len(tcp_b))) + ah(6, tcp_b)),
             eth_raw(0x86DD, bytes(IPv6(src=V6_A, dst=V6_B, nh=0, plen=len(chain))) + chain),
             eth(type=0x86DD) / IPv6(src=V6_A, dst=V6_B) / IPv6ExtHdrHopByHop(nh=59, options=[PadN(optdata=b"\0\0\0\0")]),
             eth_raw(0x86DD, bytes(IPv6(src=V6_A, dst=V6_B, nh=60, plen=8 + 16))
                     + bytes([50, 0, 1, 4]) + b"\0\0\0\0" + struct.pack("!II", 0x2000, 1) + b"\x55" * 8),
             eth_raw(0x86DD, bytes(IPv6(src=V6_A, dst=V6_B, nh=0, plen=len(frag_chain))) + frag_chain),
         ])

    def udp6(sport, payload):   # a UDP datagram with its IPv6 checksum, without the IPv6 header
        return bytes(IPv6(src=V6_A, dst=V6_B) / UDP(sport=sport, dport=9) / Raw(payload))[40:]
    dgram6 = udp6(40012, bytes(range(56)))
    frag_nh = 44

    def v6frag(payload, off, m, ident, nh=17):
        fh = struct.pack("!BBHI", nh, 0, off << 3 | m, ident)
        return eth_raw(0x86DD, bytes(IPv6(src=V6_A, dst=V6_B, nh=frag_nh, plen=8 + len(payload))) + fh + payload)

    pcap("ipv6_frag.pcap", "IPv6 fragments: a UDP datagram in two fragments, an atomic fragment "
         "(offset 0, M=0), a lone first fragment", 1, [
             v6frag(dgram6[:32], 0, 1, 0xABCD0001),
             v6frag(dgram6[32:], 4, 0, 0xABCD0001),
             v6frag(udp6(40013, b"atomic"), 0, 0, 0xABCD0002),
             v6frag(dgram6[:32], 0, 1, 0xABCD0003),
         ])

    jl = 70000    # a Jumbo Payload length: HBH (8) + transport header + data
    tj = TCP(sport=40001, dport=9, flags="PA", seq=1, ack=1, window=64240)
    jt = (eth(type=0x86DD) / IPv6(src=V6_A, dst=V6_B, plen=0)
          / IPv6ExtHdrHopByHop(options=[Jumbo(jumboplen=jl)]) / tj / Raw(b"\x4a" * (jl - 8 - 20)))
    ju = (eth(type=0x86DD) / IPv6(src=V6_A, dst=V6_B, plen=0)
          / IPv6ExtHdrHopByHop(options=[Jumbo(jumboplen=jl)]) / UDP(sport=40000, dport=9, len=0)
          / Raw(b"\x55" * (jl - 8 - 8)))
    pcap("ipv6_jumbo.pcap", "IPv6 jumbograms (RFC 2675): payload length 0 with a Jumbo Payload option "
         "of 70000, TCP and UDP (UDP length 0), captured cut at 128 bytes", 1, [cut(jt, 128), cut(ju, 128)])

    pcap("tunnels.pcap", "IP in IP: IPv4-in-IPv4 (UDP), IPv6-in-IPv4 (6in4, TCP), IPv4-in-IPv6 "
         "(UDP), IPv6-in-IPv6 (ICMPv6 echo)", 1, [
             eth() / IP(src=V4_A, dst=V4_B) / IP(src=V4_C, dst=V4_D) / UDP(sport=40000, dport=9) / Raw(b"4in4"),
             eth() / IP(src=V4_A, dst=V4_B) / IPv6(src=V6_C, dst=V6_D)
             / TCP(sport=40001, dport=9, flags="S", seq=1000, window=64240),
             eth(type=0x86DD) / IPv6(src=V6_A, dst=V6_B) / IP(src=V4_C, dst=V4_D)
             / UDP(sport=40000, dport=9) / Raw(b"4in6"),
             eth(type=0x86DD) / IPv6(src=V6_A, dst=V6_B) / IPv6(src=V6_C, dst=V6_D)
             / ICMPv6EchoRequest(id=2, seq=2, data=b"6in6"),
         ])

    inner_eth = bytes(Ether(src=MAC_C, dst=MAC_D) / v4tcp(src=V4_C, dst=V4_D, flags="S"))
    pcap("gre.pcap", "GRE: key+sequence carrying IPv4/UDP; plain GRE carrying IPv4/ICMP; key+sequence "
         "carrying transparent Ethernet (0x6558) with IPv4/TCP inside; checksum carrying IPv6/UDP", 1, [
             eth() / IP(src=V4_A, dst=V4_B, proto=47)
             / Raw(gre(0x0800, key=0x01020304, seq=1, payload=bytes(v4udp(src=V4_C, dst=V4_D)))),
             eth() / IP(src=V4_A, dst=V4_B, proto=47)
             / Raw(gre(0x0800, payload=bytes(v4icmp_echo(src=V4_C, dst=V4_D)))),
             eth() / IP(src=V4_A, dst=V4_B, proto=47)
             / Raw(gre(0x6558, key=42, seq=7, payload=inner_eth)),
             eth() / IP(src=V4_A, dst=V4_B, proto=47)
             / Raw(gre(0x86DD, csum=True, payload=bytes(v6udp(src=V6_C, dst=V6_D)))),
         ])


# ---------------------------------------------------------------- transport layer

def make_transport():
    c, s = (V4_A, 40100), (V4_B, 9)
    C = dict(src=MAC_A, dst=MAC_B)
    S = dict(src=MAC_B, dst=MAC_A)
    iss, irs = 1000000, 2000000
    syn_opts = [("MSS", 1460), ("SAckOK", b""), ("Timestamp", (1111, 0)), ("NOP", None), ("WScale", 7)]
    sa_opts = [("MSS", 1400), ("SAckOK", b""), ("Timestamp", (2222, 1111)), ("NOP", None), ("WScale", 8)]
    ts = lambda a, b: [("NOP", None), ("NOP", None), ("Timestamp", (a, b))]  # noqa: E731

    def seg(frm, to, macs, flags, seq, ack, opts, data=b"", win=502):
        p = Ether(**macs) / IP(src=frm[0], dst=to[0]) / TCP(sport=frm[1], dport=to[1], flags=flags,
                                                             seq=seq, ack=ack, window=win, options=opts)
        return p / Raw(data) if data else p

    d1 = b"A" * 100
    d2 = b"B" * 300
    pcap("tcp.pcap", "TCP: handshake with MSS, SACK-permitted, timestamps, window scale; data both "
         "ways; a duplicate ACK carrying two SACK blocks; FIN both ways; then ECN setup (SYN with "
         "ECE+CWR), URG with urgent pointer, RST, and every flag bit incl. the 3 reserved ones", 1, [
             seg(c, s, C, "S", iss, 0, syn_opts, win=64240),
             seg(s, c, S, "SA", irs, iss + 1, sa_opts, win=65160),
             seg(c, s, C, "A", iss + 1, irs + 1, ts(1112, 2222)),
             seg(c, s, C, "PA", iss + 1, irs + 1, ts(1113, 2222), d1),
             seg(s, c, S, "A", irs + 1, iss + 101, ts(2223, 1113)),
             seg(s, c, S, "PA", irs + 1, iss + 101, ts(2224, 1113), d2),
             seg(c, s, C, "A", iss + 101, irs + 1,
                 [("NOP", None), ("NOP", None), ("Timestamp", (1114, 2224)), ("NOP", None), ("NOP", None),
                  ("SAck", (irs + 101, irs + 201, irs + 251, irs + 301))]),
             seg(c, s, C, "FA", iss + 101, irs + 301, ts(1115, 2224)),
             seg(s, c, S, "FA", irs + 301, iss + 102, ts(2225, 1115)),
             seg(c, s, C, "A", iss + 102, irs + 302, ts(1116, 2225)),
             seg((V4_A, 40101), s, C, "SEC", 5000, 0, [("MSS", 1460)], win=64240),
             Ether(**C) / IP(src=V4_A, dst=V4_B) / TCP(sport=40102, dport=9, flags="PAU", seq=1, ack=1,
                                                       urgptr=1, window=100) / Raw(b"!urgent"),
             Ether(**S) / IP(src=V4_B, dst=V4_A) / TCP(sport=9, dport=40103, flags="R", seq=77, window=0),
             eth_raw(0x0800, ipv4_raw(V4_A, V4_B, 6, struct.pack("!HHIIBBHHH", 40104, 9, 1, 1, 0x5F, 0xFF,
                                                                  1, 0, 0))),
         ])

    pcap("udp.pcap", "UDP: with payload, empty payload (length 8), zero checksum, to port 0, over IPv6", 1, [
             eth() / v4udp(),
             eth() / IP(src=V4_A, dst=V4_B) / UDP(sport=40000, dport=9),
             eth_raw(0x0800, ipv4_raw(V4_A, V4_B, 17, udp_raw(40000, 9, b"nocsum"))),
             eth() / v4udp(dport=0),
             eth(type=0x86DD) / v6udp(),
         ])

    quoted_udp = bytes(IP(src=V4_A, dst=V4_B, ttl=1) / UDP(sport=40200, dport=33434) / Raw(b"traceroute-probe"))
    quoted_tcp = bytes(IP(src=V4_A, dst=V4_B) / TCP(sport=40201, dport=9, flags="S", seq=31337, window=64240,
                                                    options=[("MSS", 1460)]))
    pcap("icmp.pcap", "ICMP: echo request/reply; port unreachable quoting IPv4+UDP (8 bytes, RFC 792); "
         "port unreachable quoting a whole IPv4+TCP SYN (RFC 1812 style); time exceeded quoting UDP "
         "with payload; timestamp request", 1, [
             eth() / v4icmp_echo(),
             eth(src=MAC_B, dst=MAC_A) / v4icmp_echo(src=V4_B, dst=V4_A, type_=0),
             eth(src=MAC_B, dst=MAC_A) / IP(src=V4_B, dst=V4_A) / ICMP(type=3, code=3) / Raw(quoted_udp[:28]),
             eth(src=MAC_B, dst=MAC_A) / IP(src=V4_B, dst=V4_A) / ICMP(type=3, code=3) / Raw(quoted_tcp),
             eth(src=MAC_B, dst=MAC_A) / IP(src=V4_R, dst=V4_A) / ICMP(type=11, code=0) / Raw(quoted_udp),
             eth() / IP(src=V4_A, dst=V4_B) / ICMP(type=13, code=0, id=3, seq=3, ts_ori=36000000, ts_rx=0, ts_tx=0),
         ])

    q6udp = bytes(IPv6(src=V6_A, dst=V6_B) / UDP(sport=40300, dport=33434) / Raw(b"probe6"))
    q6tcp = bytes(IPv6(src=V6_A, dst=V6_B) / TCP(sport=40301, dport=9, flags="PA", seq=1, ack=1)
                  / Raw(b"x" * 64))
    pcap("icmpv6.pcap", "ICMPv6: echo request/reply; destination unreachable (port) quoting UDP; "
         "packet too big quoting TCP; time exceeded; parameter problem; router solicitation; "
         "neighbour solicitation/advertisement", 1, [
             eth(type=0x86DD) / IPv6(src=V6_A, dst=V6_B) / ICMPv6EchoRequest(id=9, seq=1, data=b"ping6"),
             eth(src=MAC_B, dst=MAC_A, type=0x86DD) / IPv6(src=V6_B, dst=V6_A) / ICMPv6EchoReply(id=9, seq=1, data=b"ping6"),
             eth(src=MAC_B, dst=MAC_A, type=0x86DD) / IPv6(src=V6_B, dst=V6_A) / ICMPv6DestUnreach(code=4) / Raw(q6udp),
             eth(src=MAC_B, dst=MAC_A, type=0x86DD) / IPv6(src=V6_R, dst=V6_A) / ICMPv6PacketTooBig(mtu=1280) / Raw(q6tcp),
             eth(src=MAC_B, dst=MAC_A, type=0x86DD) / IPv6(src=V6_R, dst=V6_A) / ICMPv6TimeExceeded(code=0) / Raw(q6udp),
             eth(src=MAC_B, dst=MAC_A, type=0x86DD) / IPv6(src=V6_B, dst=V6_A) / ICMPv6ParamProblem(code=1, ptr=40) / Raw(q6udp),
             eth(dst="33:33:00:00:00:02", type=0x86DD) / IPv6(src=V6_A, dst="ff02::2", hlim=255) / ICMPv6ND_RS(),
             eth(dst="33:33:ff:00:00:02", type=0x86DD) / IPv6(src=V6_A, dst="ff02::1:ff00:2", hlim=255)
             / ICMPv6ND_NS(tgt=V6_B) / ICMPv6NDOptSrcLLAddr(lladdr=MAC_A),
             eth(src=MAC_B, dst=MAC_A, type=0x86DD) / IPv6(src=V6_B, dst=V6_A, hlim=255)
             / ICMPv6ND_NA(tgt=V6_B, R=0, S=1, O=1),
         ])

    pcap("arp.pcap", "ARP: request, reply, gratuitous ARP, RARP request (ethertype 0x8035, opcode 3)", 1, [
             eth(dst=BCAST) / ARP(op=1, hwsrc=MAC_A, psrc=V4_A, hwdst="00:00:00:00:00:00", pdst=V4_B),
             eth(src=MAC_B, dst=MAC_A) / ARP(op=2, hwsrc=MAC_B, psrc=V4_B, hwdst=MAC_A, pdst=V4_A),
             eth(src=MAC_C, dst=BCAST) / ARP(op=1, hwsrc=MAC_C, psrc=V4_C, hwdst="00:00:00:00:00:00", pdst=V4_C),
             Ether(src=MAC_D, dst=BCAST, type=0x8035) / ARP(op=3, hwsrc=MAC_D, psrc="0.0.0.0",
                                                            hwdst=MAC_D, pdst="0.0.0.0"),
         ])


# ---------------------------------------------------------------- applications

def make_app():
    # Query: two questions; the second name is "mail" + a pointer to "example.com" inside the
    # first (header 12 + "\3www" 4 = offset 16).
    q1 = dns_q(dns_name([b"www", b"example", b"com"]), 1)
    q2 = dns_q(dns_name([b"mail"], ptr=16), 28)
    query = dns_hdr(0x1234, 0x0100, 2) + q1 + q2
    q2_off = 12 + len(q1)
    ans = (dns_rr(dns_name([], ptr=12), 5, dns_name([b"web"], ptr=16))
           + dns_rr(dns_name([b"web"], ptr=16), 1, ip4b(V4_B))
           + dns_rr(dns_name([], ptr=q2_off), 28, ip6b(V6_B)))
    resp = dns_hdr(0x1234, 0x8180, 2, 3) + q1 + q2 + ans
    nx = dns_hdr(0x2222, 0x8183, 1) + dns_q(dns_name([b"nonexistent", b"example"]), 1)
    root_q = dns_hdr(0x3333, 0x0000, 1) + dns_q(dns_name([]), 2)
    odd = dns_hdr(0x4444, 0x0100, 1) + dns_q(dns_name([b"a.b", b"sp ace", b"x\x01y", b"example"]), 16)
    ptrq = dns_hdr(0x5555, 0x0100, 1) + dns_q(dns_name([b"2", b"0", b"192", b"in-addr", b"arpa"]), 12)
    srv = (eth(src=MAC_B, dst=MAC_A) / IP(src=V4_B, dst=V4_A))
    cli = eth() / IP(src=V4_A, dst=V4_B)
    pcap("dns_udp.pcap", "DNS over UDP: query with two questions (the second name uses a compression "
         "pointer), its response with CNAME/A/AAAA answers all compressed, NXDOMAIN, a query for the "
         "root name, a PTR query, a name whose labels hold '.', ' ' and a control byte, over IPv6", 1, [
             cli / UDP(sport=40400, dport=53) / Raw(query),
             srv / UDP(sport=53, dport=40400) / Raw(resp),
             cli / UDP(sport=40401, dport=53) / Raw(nx[:2] + b"\x01\x00" + nx[4:]),
             srv / UDP(sport=53, dport=40401) / Raw(nx),
             cli / UDP(sport=40402, dport=53) / Raw(root_q),
             cli / UDP(sport=40403, dport=53) / Raw(ptrq),
             cli / UDP(sport=40404, dport=53) / Raw(odd),
             eth(type=0x86DD) / IPv6(src=V6_A, dst=V6_B) / UDP(sport=40405, dport=53) / Raw(query),
         ])

    tq = dns_hdr(0x6666, 0x0100, 1) + q1
    tr = dns_hdr(0x6666, 0x8180, 1, 1) + q1 + dns_rr(dns_name([], ptr=12), 1, ip4b(V4_B))
    pcap("dns_tcp.pcap", "DNS over TCP (2-byte length prefix), each message whole in one segment: "
         "handshake, query, response, FIN", 1, [
             cli / TCP(sport=40500, dport=53, flags="S", seq=100, window=64240, options=[("MSS", 1460)]),
             srv / TCP(sport=53, dport=40500, flags="SA", seq=900, ack=101, window=65160, options=[("MSS", 1460)]),
             cli / TCP(sport=40500, dport=53, flags="A", seq=101, ack=901, window=502),
             cli / TCP(sport=40500, dport=53, flags="PA", seq=101, ack=901, window=502)
             / Raw(struct.pack("!H", len(tq)) + tq),
             srv / TCP(sport=53, dport=40500, flags="PA", seq=901, ack=101 + 2 + len(tq), window=509)
             / Raw(struct.pack("!H", len(tr)) + tr),
             cli / TCP(sport=40500, dport=53, flags="FA", seq=101 + 2 + len(tq), ack=901 + 2 + len(tr), window=502),
         ])

    mq = dns_hdr(0, 0, 2) + dns_q(dns_name([b"_http", b"_tcp", b"local"]), 12, 0x8001) \
        + dns_q(dns_name([b"printer"], ptr=12 + 6 + 5), 1, 1)
    mr = (dns_hdr(0, 0x8400, 0, 2)
          + dns_rr(dns_name([b"_http", b"_tcp", b"local"]), 12, dns_name([b"Web Server"], ptr=12), ttl=4500)
          + dns_rr(dns_name([b"printer", b"local"]), 1, ip4b(V4_C), ttl=120, rclass=0x8001))
    lq = dns_hdr(0x7777, 0x0000, 1) + dns_q(dns_name([b"fileserver"]), 1)
    lr = dns_hdr(0x7777, 0x8000, 1, 1) + dns_q(dns_name([b"fileserver"]), 1) \
        + dns_rr(dns_name([], ptr=12), 1, ip4b(V4_C), ttl=30)
    pcap("mdns_llmnr.pcap", "mDNS (UDP 5353): query with two questions (QU bit, compression), response "
         "(cache-flush), over IPv6 to ff02::fb; LLMNR (UDP 5355): query to 224.0.0.252, unicast "
         "response, query over IPv6 to ff02::1:3", 1, [
             eth(dst="01:00:5e:00:00:fb") / IP(src=V4_A, dst="224.0.0.251", ttl=255) / UDP(sport=5353, dport=5353) / Raw(mq),
             eth(src=MAC_C, dst="01:00:5e:00:00:fb") / IP(src=V4_C, dst="224.0.0.251", ttl=255) / UDP(sport=5353, dport=5353) / Raw(mr),
             eth(dst="33:33:00:00:00:fb", type=0x86DD) / IPv6(src=V6_A, dst="ff02::fb", hlim=255)
             / UDP(sport=5353, dport=5353) / Raw(mq),
             eth(dst="01:00:5e:00:00:fc") / IP(src=V4_A, dst="224.0.0.252", ttl=1) / UDP(sport=40600, dport=5355) / Raw(lq),
             eth(src=MAC_C, dst=MAC_A) / IP(src=V4_C, dst=V4_A) / UDP(sport=5355, dport=40600) / Raw(lr),
             eth(dst="33:33:00:01:00:03", type=0x86DD) / IPv6(src=V6_A, dst="ff02::1:3", hlim=1)
             / UDP(sport=40601, dport=5355) / Raw(lq),
         ])

    ch_full = tls_client_hello([tls_sni(b"www.example.com")] + TLS_COMMON_EXTS + [tls_alpn([b"h2", b"http/1.1"])])
    ch_sni = tls_client_hello([tls_sni(b"sni-only.example.net")] + TLS_COMMON_EXTS)
    ch_alpn = tls_client_hello(TLS_COMMON_EXTS + [tls_alpn([b"http/1.1"])])
    sh = tls_server_hello([tls_ext(43, b"\x03\x04"), tls_alpn([b"h2"])])

    def tls_seg(src, dst, sport, dport, payload, seq=1, ack=1, v6=False, macs=None):
        macs = macs or dict(src=MAC_A, dst=MAC_B)
        ip = IPv6(src=src, dst=dst) if v6 else IP(src=src, dst=dst)
        return (Ether(**macs) / ip
                / TCP(sport=sport, dport=dport, flags="PA", seq=seq, ack=ack, window=502) / Raw(payload))

    pcap("tls.pcap", "TLS on TCP 443, each record whole in one segment: ClientHello with SNI and ALPN "
         "(h2, http/1.1), its ServerHello with ALPN h2, a ClientHello with SNI only, one with ALPN only, "
         "one over IPv6", 1, [
             tls_seg(V4_A, V4_B, 40700, 443, ch_full),
             tls_seg(V4_B, V4_A, 443, 40700, sh, macs=dict(src=MAC_B, dst=MAC_A)),
             tls_seg(V4_A, V4_B, 40701, 443, ch_sni),
             tls_seg(V4_A, V4_B, 40702, 443, ch_alpn),
             tls_seg(V6_A, V6_B, 40703, 443, ch_full, v6=True),
         ])
    pcap("tls_port.pcap", "TLS ClientHello (SNI+ALPN) on non-standard ports: TCP 4433 and 50443, and "
         "from port 443 to 8443", 1, [
             tls_seg(V4_A, V4_B, 40800, 4433, ch_full),
             tls_seg(V4_A, V4_B, 40801, 50443, ch_full),
             tls_seg(V4_A, V4_B, 40802, 8443, ch_sni),
         ])


# ---------------------------------------------------------------- malformed

def make_malformed():
    good_udp = eth() / v4udp()
    pcap("malformed_link.pcap", "Cut or bad link headers on Ethernet: 10 bytes of Ethernet, an "
         "Ethernet header alone, an 802.1Q tag cut after 2 bytes, an MPLS stack with no bottom of "
         "stack, an MPLS label cut, a PPPoE header cut, a PPPoE length past the frame, LLC cut", 1, [
             cut(good_udp, 10),
             short(good_udp, 14),
             cut(eth(type=0x8100) / Dot1Q(vlan=100) / v4udp(), 16),
             eth_raw(0x8847, struct.pack("!II", 16 << 12 | 64, 17 << 12 | 64)),
             cut(Raw(eth_raw(0x8847, mpls([16, 17]) + bytes(v4udp()))), 16),
             cut(Raw(eth_raw(0x8864, pppoe_sess(1, 0x0021, bytes(v4udp())))), 18),
             eth_raw(0x8864, pppoe_sess(1, 0x0021, bytes(v4udp()), length=1400)),
             cut(Dot3(src=MAC_A, dst=MAC_B) / LLC(dsap=0xAA, ssap=0xAA, ctrl=3) / SNAP(OUI=0, code=0x0800)
                 / v4udp(), 17),
         ])
    pcap("malformed_sll.pcap", "Linux cooked v1 cut: 10 bytes, then header alone", 113, [
             cut(Raw(sll(0x0800, bytes(v4udp()))), 10), short(Raw(sll(0x0800, b"")), 16)])
    pcap("malformed_sll2.pcap", "Linux cooked v2 cut: 12 bytes, then header alone", 276, [
             cut(Raw(sll2(0x0800, bytes(v4udp()))), 12), short(Raw(sll2(0x0800, b"")), 20)])
    pcap("malformed_null.pcap", "BSD NULL with 2 bytes of family, and an AF_INET header with no IP", 0, [
             Rec(b"\x02\x00", wire=32), Rec(b"\x02\x00\x00\x00")])
    pcap("malformed_loop.pcap", "OpenBSD LOOP (108): family 2 written little-endian (0x02000000 in "
         "network order), family 30 little-endian, a 3-byte record", 108, [
             null(2, v4udp(), "<"), null(30, v6udp(), "<"), Rec(b"\x00\x00\x00", wire=40)])
    pcap("malformed_raw.pcap", "RAW (101): an empty record, version nibble 5, an IPv6 packet in "
         "LINKTYPE_RAW cut at 10 bytes", 101, [
             Rec(b"", wire=40), Rec(b"\x50" + bytes(v4udp())[1:]), cut(v6udp(), 10)])
    pcap("malformed_lt228.pcap", "LINKTYPE_IPV4 (228) holding an IPv6 packet", 228, [v6udp()])

    u = udp_raw(40000, 9, b"payload")
    pcap("malformed_ipv4.pcap", "IPv4: IHL 4, total length 10 (< header), option length 0, option length "
         "1, option running past the header, header cut by the capture, IHL 15 past the packet, "
         "version 6 under ethertype 0x0800, total length past the frame", 1, [
             eth_raw(0x0800, ipv4_raw(V4_A, V4_B, 17, u, ihl=4)),
             eth_raw(0x0800, ipv4_raw(V4_A, V4_B, 17, u, tot=10)),
             eth_raw(0x0800, ipv4_raw(V4_A, V4_B, 17, u, opts=bytes([7, 0, 4, 0]))),
             eth_raw(0x0800, ipv4_raw(V4_A, V4_B, 17, u, opts=bytes([68, 1, 0, 0]))),
             eth_raw(0x0800, ipv4_raw(V4_A, V4_B, 17, u, opts=bytes([1, 7, 12, 4, 0, 0, 0, 0]))),
             cut(Raw(eth_raw(0x0800, ipv4_raw(V4_A, V4_B, 17, u))), 14 + 12),
             eth_raw(0x0800, ipv4_raw(V4_A, V4_B, 17, u, ihl=15)),
             eth_raw(0x0800, ipv4_raw(V4_A, V4_B, 17, u, version=6)),
             eth_raw(0x0800, ipv4_raw(V4_A, V4_B, 17, u, tot=600)),
         ])

    def v6raw(nh, plen, body):
        h = bytearray(bytes(IPv6(src=V6_A, dst=V6_B, nh=nh, plen=plen)))
        return eth_raw(0x86DD, bytes(h) + body)

    many = b""
    n_ext = 40
    for i in range(n_ext):
        many += bytes([60 if i < n_ext - 1 else 17, 0, 1, 4]) + b"\0\0\0\0"
    many += u
    pcap("malformed_ipv6.pcap", "IPv6: header cut by the capture, Hop-by-Hop length past the payload, "
         "a chain cut inside a Destination Options header by the capture, 40 Destination Options "
         "headers (too many) before UDP, payload length past the frame, version 4 under 0x86dd", 1, [
             cut(eth(type=0x86DD) / v6udp(), 14 + 20),
             v6raw(0, 16, bytes([17, 5, 1, 4]) + b"\0" * 4 + u),
             cut(Raw(v6raw(0, 8 + 16 + len(u), bytes([60, 0, 1, 4]) + b"\0" * 4
                           + bytes([17, 1, 1, 12]) + b"\0" * 12 + u)), 14 + 40 + 8 + 6),
             v6raw(60, len(many), many),
             v6raw(17, 600, u),
             eth_raw(0x86DD, b"\x40" + bytes(v6udp())[1:]),
         ])

    def t(tcp):
        return eth_raw(0x0800, ipv4_raw(V4_A, V4_B, 6, tcp))
    pcap("malformed_tcp.pcap", "TCP: data offset 4, data offset 15 past a 24-byte segment, option "
         "length 0, option length 1, option length past the options, MSS length 3, window scale length "
         "4, SACK length 7, header cut by the capture, a 12-byte segment", 1, [
             t(tcp_raw(40001, 9, doff=4, payload=b"data")),
             t(tcp_raw(40001, 9, doff=15, payload=b"data")),
             t(tcp_raw(40001, 9, doff=6, opts=bytes([2, 0, 5, 0xB4]), payload=b"data")),
             t(tcp_raw(40001, 9, doff=6, opts=bytes([8, 1, 0, 0]), payload=b"data")),
             t(tcp_raw(40001, 9, doff=6, opts=bytes([1, 1, 8, 10]), payload=b"data")),
             t(tcp_raw(40001, 9, doff=6, flags=0x02, opts=bytes([2, 3, 5, 0]))),
             t(tcp_raw(40001, 9, doff=6, flags=0x02, opts=bytes([3, 4, 7, 0]))),
             t(tcp_raw(40001, 9, doff=7, opts=bytes([5, 7, 0, 0, 0, 1, 0, 0]), payload=b"data")),
             cut(Raw(t(tcp_raw(40001, 9, payload=b"data"))), 14 + 20 + 10),
             t(tcp_raw(40001, 9)[:12]),
         ])

    def ud(b):
        return eth_raw(0x0800, ipv4_raw(V4_A, V4_B, 17, b))
    pcap("malformed_udp.pcap", "UDP: length 4, length 0 over IPv4, length past the IP payload, a "
         "4-byte datagram, header cut by the capture", 1, [
             ud(udp_raw(40000, 9, b"payload", length=4)),
             ud(udp_raw(40000, 9, b"payload", length=0)),
             ud(udp_raw(40000, 9, b"payload", length=200)),
             ud(udp_raw(40000, 9)[:4]),
             cut(Raw(ud(udp_raw(40000, 9, b"payload"))), 14 + 20 + 5),
         ])

    quoted = bytes(IP(src=V4_A, dst=V4_B) / UDP(sport=40200, dport=33434) / Raw(b"x"))
    q6 = bytes(IPv6(src=V6_A, dst=V6_B) / UDP(sport=40300, dport=33434) / Raw(b"x"))
    pcap("malformed_icmp.pcap", "ICMP and ICMPv6: ICMP of 2 bytes, an echo of 4 bytes, port unreachable "
         "quoting 10 bytes of IPv4 header, ICMP cut by the capture; ICMPv6 of 2 bytes, destination "
         "unreachable quoting 20 bytes of IPv6 header, ICMPv6 echo cut by the capture", 1, [
             eth_raw(0x0800, ipv4_raw(V4_A, V4_B, 1, b"\x08\x00")),
             eth_raw(0x0800, ipv4_raw(V4_A, V4_B, 1, b"\x08\x00\xf7\xff")),
             eth() / IP(src=V4_B, dst=V4_A) / ICMP(type=3, code=3) / Raw(quoted[:10]),
             cut(eth() / v4icmp_echo(), 14 + 20 + 3),
             v6raw(58, 2, b"\x80\x00"),
             eth(type=0x86DD) / IPv6(src=V6_B, dst=V6_A) / ICMPv6DestUnreach(code=4) / Raw(q6[:20]),
             cut(eth(type=0x86DD) / IPv6(src=V6_A, dst=V6_B) / ICMPv6EchoRequest(id=1, seq=1), 14 + 40 + 5),
         ])

    q1 = dns_q(dns_name([b"www", b"example", b"com"]), 1)
    loop_self = dns_hdr(0x0001, 0x0100, 1) + struct.pack("!H", 0xC00C) + struct.pack("!HH", 1, 1)
    loop_two = (dns_hdr(0x0002, 0x0100, 1) + b"\x01a" + struct.pack("!H", 0xC000 | 20)
                + struct.pack("!HH", 1, 1) + b"\x01b" + struct.pack("!H", 0xC00C))
    fwd = dns_hdr(0x0003, 0x0100, 1) + b"\x03www" + struct.pack("!H", 0xC000 | 0x3FFF) + struct.pack("!HH", 1, 1)
    past = dns_hdr(0x0004, 0x0100, 1) + b"\x3fshort-label"
    qd5 = dns_hdr(0x0005, 0x0100, 5) + q1
    ext = dns_hdr(0x0006, 0x0100, 1) + b"\x41abc\x00" + struct.pack("!HH", 1, 1)
    longname = dns_hdr(0x0007, 0x0100, 1) + dns_name([b"a" * 63] * 5) + struct.pack("!HH", 1, 1)
    hdr_cut = dns_hdr(0x0008, 0x0100, 1)[:6]
    tcp_short = struct.pack("!H", 200) + dns_hdr(0x0009, 0x0100, 1) + q1

    def dq(b, sport=40900):
        return eth() / IP(src=V4_A, dst=V4_B) / UDP(sport=sport, dport=53) / Raw(b)
    pcap("malformed_dns.pcap", "DNS: a name pointing at itself, two names pointing at each other, a "
         "pointer past the message, a 63-byte label with 11 bytes left, 5 questions announced and 1 "
         "present, a reserved 0x40 label type, a 319-byte name (over 255), a 6-byte header, a TCP "
         "length prefix larger than the segment", 1, [
             dq(loop_self), dq(loop_two), dq(fwd), dq(past), dq(qd5), dq(ext), dq(longname), dq(hdr_cut),
             eth() / IP(src=V4_A, dst=V4_B) / TCP(sport=40901, dport=53, flags="PA", seq=1, ack=1)
             / Raw(tcp_short),
         ])

    def th(b, sport=41000):
        return eth() / IP(src=V4_A, dst=V4_B) / TCP(sport=sport, dport=443, flags="PA", seq=1, ack=1,
                                                     window=502) / Raw(b)
    sni_over = tls_ext(0, struct.pack("!H", 200) + b"\0" + struct.pack("!H", 15) + b"www.example.com")
    name_over = tls_ext(0, struct.pack("!H", 18) + b"\0" + struct.pack("!H", 99) + b"www.example.com")
    alpn_over = tls_ext(16, struct.pack("!H", 9) + b"\x02h2\x09http/1.1")
    ext_over = struct.pack("!HH", 0, 400) + b"\0\x0d\0\0\x0awww.ex"
    pcap("malformed_tls.pcap", "TLS ClientHello on 443: one extension's length past the extensions, "
         "the extensions length past the handshake, an SNI list length past the extension, a server "
         "name length past the list, an ALPN string past the list, then a good ClientHello", 1, [
             th(tls_client_hello([ext_over])),
             th(tls_client_hello([tls_sni(b"www.example.com")], ext_len=500), 41001),
             th(tls_client_hello([sni_over] + TLS_COMMON_EXTS), 41002),
             th(tls_client_hello([name_over]), 41003),
             th(tls_client_hello([tls_sni(b"ok.example.com"), alpn_over]), 41004),
             th(tls_client_hello([tls_sni(b"good.example.com"), tls_alpn([b"h2"])]), 41005),
         ])

    pcap("malformed_arp.pcap", "ARP: hardware length 200, protocol length 0, ARP cut at 10 bytes, "
         "IPv4 ARP with protocol length 16", 1, [
             eth_raw(0x0806, struct.pack("!HHBBH", 1, 0x0800, 200, 4, 1) + b"\x02" * 40),
             eth_raw(0x0806, struct.pack("!HHBBH", 1, 0x0800, 6, 0, 1) + b"\x02" * 12 + b"\0" * 18),
             cut(eth(dst=BCAST) / ARP(op=1, hwsrc=MAC_A, psrc=V4_A, pdst=V4_B), 14 + 10),
             eth_raw(0x0806, struct.pack("!HHBBH", 1, 0x0800, 6, 16, 1) + b"\x02" * 44 + b"\0" * 2),
         ])

    ppp = b"\xff\x03\x00\x21" + bytes(v4udp(src=V4_C, dst=V4_D))
    pptp = struct.pack("!HHHHII", 0x3081, 0x880B, len(ppp), 0x1234, 1, 0) + ppp
    pcap("malformed_gre.pcap", "GRE: version 1 (PPTP enhanced GRE, PPP payload), a 2-byte GRE, key "
         "flag set but cut before the key, the obsolete routing bit set, version 7", 1, [
             eth() / IP(src=V4_A, dst=V4_B, proto=47) / Raw(pptp),
             eth_raw(0x0800, ipv4_raw(V4_A, V4_B, 47, b"\x00\x00")),
             eth_raw(0x0800, ipv4_raw(V4_A, V4_B, 47, b"\x20\x00\x08\x00\x00\x00")),
             eth() / IP(src=V4_A, dst=V4_B, proto=47) / Raw(gre(0x0800, routing=True, payload=bytes(v4udp()))),
             eth() / IP(src=V4_A, dst=V4_B, proto=47) / Raw(struct.pack("!HH", 7, 0x0800) + bytes(v4udp())),
         ])


# ---------------------------------------------------------------- pcapng

def make_pcapng():
    e = "<"
    eth_f = bytes(eth() / v4udp())
    raw_f = bytes(v6tcp())
    null_f = struct.pack("<I", 2) + bytes(v4udp(sport=40020))
    sll_f = sll(0x86DD, bytes(v6udp(sport=40021)), pkttype=4)
    t_us = T0 * 10**6 + 250_000              # if0: 10^-6
    t_ns = T0 * 10**9 + 300_000_123          # if1: 10^-9
    t_p2 = (T0 << 20) + 1                    # if2: 2^-20, one tick past the second (953.67 ns)
    t_off = 5 * 10**6 + 500_000              # if3: 10^-6 after an if_tsoffset of T0 seconds
    sec1 = b"".join([
        ng_shb(e, [(4, b"netscope make_captures.py")]),
        ng_idb(e, 1, 65535, [(2, b"eth0"), (9, bytes([6]))]),
        ng_idb(e, 101, 65535, [(2, b"raw0"), (9, bytes([9]))]),
        ng_idb(e, 0, 65535, [(2, b"lo0"), (9, bytes([0x94]))]),
        ng_idb(e, 113, 0, [(2, b"any"), (14, struct.pack(e + "q", T0))]),
        ng_epb(e, 0, t_us, eth_f, opts=[(1, b"first packet"), (2, struct.pack(e + "I", 1))]),
        ng_epb(e, 1, t_ns, raw_f),
        ng_epb(e, 2, t_p2, null_f),
        ng_epb(e, 3, t_off, sll_f),
        ng_block(e, 0x0000DEAD, b"an unknown block type that readers skip"),
        ng_spb(e, eth_f),
        ng_pb(e, 1, t_ns + 1_000_000_000, raw_f, drops=3),
        ng_epb(e, 2, t_p2 + (3 << 20) + 3, null_f),
        ng_isb(e, 0, t_us + 2_000_000, [(4, struct.pack(e + "Q", 6)), (5, struct.pack(e + "Q", 0))]),
    ])
    b = ">"
    sec2 = b"".join([
        ng_shb(b, [(4, b"netscope, big-endian section")]),
        ng_idb(b, 1, 65535, [(2, b"eth1")]),
        ng_idb(b, 101, 65535, [(9, bytes([3]))]),
        ng_epb(b, 0, t_us + 4_000_000, bytes(eth(src=MAC_C, dst=MAC_D) / v4tcp(src=V4_C, dst=V4_D))),
        ng_epb(b, 1, (T0 + 5) * 1000 + 7, bytes(v4udp(src=V4_C, dst=V4_D))),
    ])
    write("pcapng_multi.pcapng", "pcapng: a little-endian section with 4 interfaces (Ethernet 10^-6, "
          "RAW 10^-9, NULL 2^-20, SLL with if_tsoffset), EPBs (one with comment and flags options), a "
          "Simple Packet Block, an obsolete Packet Block, an unknown block type, an ISB; then a "
          "big-endian section with Ethernet and RAW (10^-3) interfaces", sec1 + sec2)

    # A Custom Block (0x00000BAD, private enterprise number 32473 = documentation PEN).
    custom = ng_block(e, 0x00000BAD, struct.pack(e + "I", 32473) + b"custom data")
    write("pcapng_custom.pcapng", "pcapng: Ethernet EPB, a Custom Block (0x0BAD, PEN 32473), another EPB",
          ng_shb(e) + ng_idb(e, 1, 0) + ng_epb(e, 0, t_us, eth_f) + custom
          + ng_epb(e, 0, t_us + 1000, bytes(eth() / v4tcp())))


# ---------------------------------------------------------------- damaged files

HUGE_AT = 4


def make_damaged():
    few = [eth() / v4udp(), eth() / v4tcp(), eth() / v4icmp_echo()]
    whole = pcap_bytes(1, few)
    write("damaged/cut_packet.pcap", "pcap cut 10 bytes into the third packet's data", whole[:len(whole) - len(bytes(few[2])) + 10])
    write("damaged/cut_record_header.pcap", "pcap cut inside the third record header",
          whole[:len(whole) - len(bytes(few[2])) - 8])
    e = "<"
    t = T0 * 10**6
    ng = ng_shb(e) + ng_idb(e, 1, 0) + b"".join(ng_epb(e, 0, t + i * 1000, bytes(p)) for i, p in enumerate(few))
    write("damaged/cut_block.pcapng", "pcapng cut in the middle of the third Enhanced Packet Block", ng[:-40])
    bad = (ng_shb(e) + ng_idb(e, 1, 0) + ng_epb(e, 0, t, bytes(few[0]))
           + ng_epb(e, 0, t + 1000, bytes(few[1]), trailer=999) + ng_epb(e, 0, t + 2000, bytes(few[2])))
    write("damaged/trailer_mismatch.pcapng", "pcapng whose second EPB's trailing length (999) differs "
          "from its leading length", bad)
    write("damaged/not_a_capture.pcap", "text, not a capture", b"This is not a capture file, just text.\n" * 3)
    write("damaged/empty.pcap", "an empty file", b"")
    write("damaged/short_header.pcap", "a pcap magic and 6 more bytes: the file header is cut", whole[:10])
    write("damaged/header_only.pcap", "a valid pcap header and no packets: 0 frames, no error", pcap_bytes(1, []))
    write("damaged/major_version_1.pcap", "pcap header with major version 1 (unsupported)",
          pcap_bytes(1, few, major=1, minor=0))
    # wiretap reads the first records to guess among the modified-pcap variants; a bad record
    # among them makes it pick another record format, so the bad record comes later.
    five = few + [eth() / v4udp(sport=40001), eth() / v4udp(sport=40002)]
    huge = bytearray(pcap_bytes(1, five))
    bad_at = 24 + sum(16 + len(bytes(p)) for p in five[:HUGE_AT - 1])
    struct.pack_into("<II", huge, bad_at + 8, 0x7FFFFFFF, 0x7FFFFFFF)
    write("damaged/huge_caplen.pcap", "pcap whose record %d claims 2147483647 captured bytes" % HUGE_AT, bytes(huge))
    blk_bad = ng_shb(e) + ng_idb(e, 1, 0) + ng_epb(e, 0, t, bytes(few[0])) + ng_epb(e, 0, t, bytes(few[1]), total=70, trailer=70)
    write("damaged/block_len_not_mult4.pcapng", "pcapng whose second EPB says length 70 (not a multiple of 4)", blk_bad)


def make_tcp_analysis():
    """Captures whose TCP analysis (tcp.analysis.*) and alerts are known by construction."""
    c, s = (V4_A, 40200), (V4_B, 80)
    C = dict(src=MAC_A, dst=MAC_B)
    S = dict(src=MAC_B, dst=MAC_A)
    iss, irs = 3000000, 7000000
    out = []
    t = [T0 * 10**9]

    def seg(frm, to, macs, flags, seq, ack, dt_ms, data=0, win=1000, opts=()):
        t[0] += int(dt_ms * 1_000_000)
        p = Ether(**macs) / IP(src=frm[0], dst=to[0]) / TCP(sport=frm[1], dport=to[1], flags=flags,
                                                             seq=seq, ack=ack, window=win, options=list(opts))
        if data:
            p = p / Raw(b"x" * data)
        out.append(Rec(bytes(p), ts_ns=t[0]))

    # handshake (window scale 2 both ways; iRTT 10 ms), then, in order:
    seg(c, s, C, "S", iss, 0, 0, win=8192, opts=[("MSS", 1460), ("WScale", 2)])
    seg(s, c, S, "SA", irs, iss + 1, 5, win=8192, opts=[("MSS", 1460), ("WScale", 2)])
    seg(c, s, C, "A", iss + 1, irs + 1, 5)
    # data 1..300 in three segments; the ACK of the first; the third resent 300 ms later
    # (a retransmission); the ACK of all
    seg(c, s, C, "PA", iss + 1, irs + 1, 1, 100)
    seg(c, s, C, "PA", iss + 101, irs + 1, 1, 100)
    seg(c, s, C, "PA", iss + 201, irs + 1, 1, 100)
    seg(s, c, S, "A", irs + 1, iss + 101, 5)
    seg(c, s, C, "PA", iss + 201, irs + 1, 300, 100)
    seg(s, c, S, "A", irs + 1, iss + 301, 5)
    # a gap (301..400 never captured: lost segment), three duplicate ACKs, the fast
    # retransmission 2 ms after the last, then the ACK of all
    seg(c, s, C, "PA", iss + 401, irs + 1, 10, 100)
    seg(s, c, S, "A", irs + 1, iss + 301, 1)
    seg(s, c, S, "A", irs + 1, iss + 301, 1)
    seg(s, c, S, "A", irs + 1, iss + 301, 1)
    seg(c, s, C, "PA", iss + 301, irs + 1, 2, 100)
    seg(s, c, S, "A", irs + 1, iss + 501, 5)
    # two segments swapped within the iRTT: out of order
    seg(c, s, C, "PA", iss + 601, irs + 1, 10, 100)
    seg(c, s, C, "PA", iss + 501, irs + 1, 1, 100)
    seg(s, c, S, "A", irs + 1, iss + 701, 5)
    # already acknowledged data sent again: spurious retransmission
    seg(c, s, C, "PA", iss + 601, irs + 1, 50, 100)
    # the server's window closes (zero window), a 1-byte probe, its ACK, then a window update
    seg(s, c, S, "A", irs + 1, iss + 701, 10, win=0)
    seg(c, s, C, "PA", iss + 701, irs + 1, 200, 1)
    seg(s, c, S, "A", irs + 1, iss + 701, 5, win=0)
    seg(s, c, S, "A", irs + 1, iss + 701, 100, win=1000)
    # a keep-alive and its ACK after 10 s of silence
    seg(c, s, C, "A", iss + 700, irs + 1, 10000)
    seg(s, c, S, "A", irs + 1, iss + 701, 5)
    # the server ACKs data the capture never saw, then both close
    seg(s, c, S, "A", irs + 1, iss + 901, 100)
    seg(c, s, C, "FA", iss + 901, irs + 1, 5)
    seg(s, c, S, "FA", irs + 1, iss + 902, 5)
    seg(c, s, C, "A", iss + 902, irs + 2, 5)
    pcap("tcp_analysis.pcap", "TCP analysis: handshake with window scaling; retransmission after 300 ms; "
         "a lost segment, three duplicate ACKs and a fast retransmission; out-of-order; spurious "
         "retransmission; zero window, zero-window probe and its ACK, window update; keep-alive and "
         "its ACK; ACKed unseen segment; FIN both ways", 1, out)

    # attack.pcap: benign web traffic, a SYN flood from 250 spoofed sources to port 443
    # (never answered), a vertical scan of 40 ports refused by RST/ACK, a UDP scan answered by
    # ICMP port unreachable, and a connection whose port pair is reused
    out = []
    t = [T0 * 10**9]
    def add(p, dt_us):
        t[0] += dt_us * 1000
        out.append(Rec(bytes(p), ts_ns=t[0]))
    web, srv = ("192.0.2.20", 50000), ("198.51.100.80", 80)
    def conn(cport, n_data, c=100, v=900):
        """A whole HTTP exchange; c and v are the client's and the server's ISNs."""
        cs = lambda flags, seq, ack, data=b"": add(Ether(src=MAC_A, dst=MAC_B) / IP(src=web[0], dst=srv[0]) / TCP(  # noqa: E731
            sport=cport, dport=80, flags=flags, seq=seq, ack=ack) / Raw(data), 100 if flags != "S" else 500)
        sc = lambda flags, seq, ack, data=b"": add(Ether(src=MAC_B, dst=MAC_A) / IP(src=srv[0], dst=web[0]) / TCP(  # noqa: E731
            sport=80, dport=cport, flags=flags, seq=seq, ack=ack) / Raw(data), 2000)
        req = b"GET / HTTP/1.1\r\nHost: example\r\n\r\n"
        cs("S", c, 0)
        sc("SA", v, c + 1)
        cs("A", c + 1, v + 1)
        cs("PA", c + 1, v + 1, req)
        sc("PA", v + 1, c + 1 + len(req), b"y" * n_data)
        cs("FA", c + 1 + len(req), v + 1 + n_data)
        sc("FA", v + 1 + n_data, c + 2 + len(req))
        cs("A", c + 2 + len(req), v + 2 + n_data)
    for i in range(3):
        conn(web[1] + i, 400 + 100 * i)
    victim = "198.51.100.10"
    for i in range(250):     # spoofed sources 203.0.113.x and 192.0.2.100+, 2 ms apart
        src = "203.0.113.%d" % (1 + i) if i < 200 else "192.0.2.%d" % (100 + i - 200)
        add(Ether(src=MAC_C, dst=MAC_D) / IP(src=src, dst=victim) / TCP(sport=1024 + i, dport=443, flags="S", seq=7 * i), 2000)
    scanner, host = "192.0.2.66", "198.51.100.20"
    for port in range(1, 41):
        add(Ether(src=MAC_C, dst=MAC_D) / IP(src=scanner, dst=host) / TCP(sport=61000, dport=port, flags="S", seq=1), 1000)
        add(Ether(src=MAC_D, dst=MAC_C) / IP(src=host, dst=scanner) / TCP(sport=port, dport=61000, flags="RA", seq=0, ack=2), 300)
    for i in range(12):
        target = "198.51.100.%d" % (100 + i)
        probe = IP(src=scanner, dst=target) / UDP(sport=61001, dport=161) / Raw(b"probe")
        add(Ether(src=MAC_C, dst=MAC_D) / probe, 1000)
        add(Ether(src=MAC_D, dst=MAC_C) / IP(src=target, dst=scanner) / ICMP(type=3, code=3) / bytes(probe)[:28], 300)
    conn(web[1], 200, c=5000, v=9000)   # the first connection's ports again, new ISNs
    pcap("attack.pcap", "Alerts: web traffic; a SYN flood from 250 spoofed sources to port 443; a "
         "vertical TCP scan of 40 ports refused by RST; a horizontal UDP scan of 12 hosts on port "
         "161 answered by ICMP port unreachable; a reused port pair", 1, out)


def main():
    make_link()
    make_ip()
    make_transport()
    make_tcp_analysis()
    make_app()
    make_malformed()
    make_pcapng()
    make_damaged()
    if "--readme-table" in sys.argv:
        print("| file | link type | what it exercises |")
        print("| --- | --- | --- |")
        for name, desc in CAPTURES:
            print(f"| `{name}` | {linktype_of(name)} | {desc} |")
    elif "--list" in sys.argv:
        for name, _ in CAPTURES:
            print(name)
    total = sum(os.path.getsize(out_path(n)) for n, _ in CAPTURES)
    print(f"wrote {len(CAPTURES)} files, {total} bytes", file=sys.stderr)


def linktype_of(name):
    with open(out_path(name), "rb") as f:
        h = f.read(24)
    if len(h) < 24:
        return "-"
    for e in "<>":
        magic, = struct.unpack(e + "I", h[:4])
        if magic in (0xA1B2C3D4, 0xA1B23C4D):
            return str(struct.unpack(e + "I", h[20:24])[0])
    if h[:4] == b"\x0a\x0d\x0d\x0a":
        return "pcapng"
    return "-"


if __name__ == "__main__":
    main()
