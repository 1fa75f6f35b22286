#!/usr/bin/env python3
"""Writes the named seed packets of the packet and engine fuzzers, and the
failover fuzzer's seeds from tests/vectors/failover/."""
import glob
import os
import struct
import sys

MAGIC = b"\x63\x82\x53\x63"


def pkt(mtype, mac=1, ciaddr=0, giaddr=0, opts=b"", flags=0, file=b"", sname=b""):
    hdr = struct.pack("!BBBBIHHIIII", 1, 1, 6, 0, 0x1000 + mac, 0, flags, ciaddr, 0, 0, giaddr)
    chaddr = bytes([2, 0, 0, 0, 0, mac]) + bytes(10)
    body = hdr + chaddr + sname.ljust(64, b"\0") + file.ljust(128, b"\0") + MAGIC
    if mtype:
        body += bytes([53, 1, mtype])
    body += opts + b"\xff"
    return body.ljust(300, b"\0")


def opt(code, value):
    return bytes([code, len(value)]) + value


def ip(a):
    return bytes(int(x) for x in a.split("."))


PACKETS = {
    "discover-new": pkt(1, opts=opt(55, bytes([1, 3, 6, 12, 15, 28, 42])) + opt(12, b"pc1")),
    "discover-broadcast": pkt(1, flags=0x8000),
    "discover-clientid": pkt(1, opts=opt(61, b"\x01\x02\x00\x00\x00\x00\x01") + opt(57, b"\x05\xdc")),
    "request-selecting": pkt(3, opts=opt(54, ip("198.18.0.1")) + opt(50, ip("198.18.0.10"))),
    "request-reboot": pkt(3, opts=opt(50, ip("198.18.0.10"))),
    "request-reboot-wrong-net": pkt(3, opts=opt(50, ip("198.18.9.9"))),
    "request-renew": pkt(3, ciaddr=0xC612000A),
    "decline": pkt(4, opts=opt(50, ip("198.18.0.10")) + opt(54, ip("198.18.0.1"))),
    "release": pkt(7, ciaddr=0xC612000A, opts=opt(54, ip("198.18.0.1"))),
    "inform": pkt(8, ciaddr=0xC6120063, opts=opt(55, bytes([3, 6]))),
    "relayed-discover": pkt(1, giaddr=0xC6120401, opts=opt(82, b"\x01\x02e0\x05\x04" + ip("198.18.4.0"))),
    "overload-both": pkt(0, opts=opt(52, b"\x03"), file=b"\x35\x01\x01\xff", sname=b"\x0c\x02hi\xff"),
    "overload-loop": pkt(1, opts=opt(52, b"\x01"), file=b"\x34\x01\x03\xff"),
    "split-hostname": pkt(1, opts=opt(12, b"abc") + opt(12, b"def")),
    "overflow-1": pkt(1)[:-60] + b"\x0c\xff" + b"x" * 10,
    "reservation": pkt(1, mac=5),
}


def main(root):
    for name in ("packet", "engine"):
        os.makedirs(os.path.join(root, name), exist_ok=True)
    for name, data in PACKETS.items():
        with open(os.path.join(root, "packet", name), "wb") as f:
            f.write(data)
        with open(os.path.join(root, "engine", name), "wb") as f:
            f.write(struct.pack("!H", len(data)) + data)
    # Conversations for the engine: DORA, then renew, release, decline.
    dora = [PACKETS["discover-new"], PACKETS["request-selecting"], PACKETS["request-renew"],
            PACKETS["release"], PACKETS["discover-new"], PACKETS["decline"]]
    with open(os.path.join(root, "engine", "conversation-dora"), "wb") as f:
        for p in dora:
            f.write(struct.pack("!H", len(p)) + p)

    failover_seeds(os.path.join(root, "failover"))


def failover_seeds(out):
    """One seed per message layout of the ISC captures, named after its type
    and options, and one conversation (every message of one capture's
    vectors back to back, as the TCP stream carries them)."""
    vecdir = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "vectors", "failover")
    os.makedirs(out, exist_ok=True)
    names = {1: "poolreq", 2: "poolresp", 3: "bndupd", 4: "bndack", 5: "connect", 6: "connectack",
             7: "updreqall", 8: "upddone", 9: "updreq", 10: "state", 11: "contact", 12: "disconnect"}
    seen, stream = set(), b""
    for path in sorted(glob.glob(os.path.join(vecdir, "*.vec"))):
        for line in open(path, encoding="ascii"):
            if not line.startswith("msg "):
                continue
            raw = bytes.fromhex(line.split()[2])
            if path.endswith("isc-connect-normal.vec"):
                stream += raw
            codes, off = [], 12
            while off + 4 <= len(raw):
                code, olen = struct.unpack_from("!HH", raw, off)
                codes.append(str(code))
                off += 4 + olen
            name = "-".join([names.get(raw[2], "type%d" % raw[2])] + codes)
            if name not in seen:
                seen.add(name)
                with open(os.path.join(out, name), "wb") as f:
                    f.write(raw)
    with open(os.path.join(out, "conversation-connect-normal"), "wb") as f:
        f.write(stream)
    # Paths the captures do not reach.
    for name, data in FAILOVER_EXTRA.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)


def fo_msg(mtype, opts=b"", payoff=12, pad=b""):
    body = pad + opts
    return struct.pack("!HBBII", 12 + len(body), mtype, payoff, 1795424855, 7) + body


def fo_opt(code, value):
    return struct.pack("!HH", code, len(value)) + value


FAILOVER_EXTRA = {
    "x-disconnect-reason": fo_msg(12, fo_opt(21, b"\x07") + fo_opt(16, b"duplicate connection")),
    "x-poolresp": fo_msg(2, fo_opt(1, b"\x00\x00\x01\x00")),
    "x-poolreq": fo_msg(1),
    "x-updreq": fo_msg(9),
    "x-state-payoff-16": fo_msg(10, fo_opt(24, b"\x02"), payoff=16, pad=b"\0\0\0\0"),
    "x-bndupd-flags-options": fo_msg(3, fo_opt(2, bytes(4)) + fo_opt(12, b"\x00\x03")
                                     + fo_opt(8, b"\x37\x01\x03") + fo_opt(7, b"\x33\x04\0\0\x0e\x10")),
    "x-bndupd-ddns": fo_msg(3, fo_opt(9, b"\x00\x03www")),
    "x-state-skipped": fo_msg(10, fo_opt(15, bytes(4)) + fo_opt(17, b"d") + fo_opt(300, b"") + fo_opt(24, b"\x06")),
    "x-connect-repeated": fo_msg(5, fo_opt(15, bytes(4)) + fo_opt(15, bytes(4))),
    "x-overrun": fo_msg(10, b"\x00\x18\x00\x09\x06"),
}


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "corpus"))
