#!/usr/bin/env python3
"""Writes the named seed packets of the packet and engine fuzzers."""
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


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "corpus"))
