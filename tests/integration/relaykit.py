#!/usr/bin/python3
"""Plays a relay agent by hand: sends one BOOTREQUEST from giaddr:67 to the
server's port 67 and prints the server's reply as JSON (or null).

Run inside the relay's namespace (it owns giaddr):

    relaykit.py --giaddr 198.18.4.1 --server 198.18.0.1 --type discover \
        --mac 02:00:00:00:00:31 --rai 0b04c6120402

--rai is option 82's value in hex (sub-options as the relay would add
them).  Plain sockets, no scapy: the server answers a relay by unicast to
giaddr port 67.
"""

import argparse
import json
import random
import socket
import struct
import sys

TYPES = {"discover": 1, "request": 3, "decline": 4, "release": 7, "inform": 8}
NAMES = {2: "offer", 5: "ack", 6: "nak"}
MAGIC = b"\x63\x82\x53\x63"


def build(a, xid):
    mac = bytes.fromhex(a.mac.replace(":", ""))
    hdr = struct.pack("!BBBBIHH4s4s4s4s16s64s128s", 1, 1, 6, 1, xid, 0, 0,
                      socket.inet_aton(a.ciaddr), b"\0" * 4, b"\0" * 4,
                      socket.inet_aton(a.giaddr), mac + b"\0" * 10, b"", b"")
    opts = bytes([53, 1, TYPES[a.type]])
    if a.requested:
        opts += bytes([50, 4]) + socket.inet_aton(a.requested)
    if a.server_id:
        opts += bytes([54, 4]) + socket.inet_aton(a.server_id)
    if a.rai:
        rai = bytes.fromhex(a.rai)
        opts += bytes([82, len(rai)]) + rai
    return hdr + MAGIC + opts + b"\xff"


def parse(pkt):
    """The reply's type, addresses and options (code -> hex)."""
    if len(pkt) < 240 or pkt[236:240] != MAGIC:
        return {"error": "not a DHCP reply"}
    out = {"op": pkt[0], "xid": struct.unpack("!I", pkt[4:8])[0],
           "ciaddr": socket.inet_ntoa(pkt[12:16]), "yiaddr": socket.inet_ntoa(pkt[16:20]),
           "giaddr": socket.inet_ntoa(pkt[24:28]), "options": {}}
    i = 240
    while i < len(pkt) and pkt[i] != 255:
        if pkt[i] == 0:
            i += 1
            continue
        code, n = pkt[i], pkt[i + 1]
        out["options"][str(code)] = pkt[i + 2:i + 2 + n].hex()
        i += 2 + n
    t = out["options"].get("53")
    out["type"] = NAMES.get(int(t, 16), t) if t else None
    if "54" in out["options"]:
        out["server_id"] = socket.inet_ntoa(bytes.fromhex(out["options"]["54"]))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--giaddr", required=True)
    ap.add_argument("--server", required=True)
    ap.add_argument("--type", choices=sorted(TYPES), default="discover")
    ap.add_argument("--mac", required=True)
    ap.add_argument("--ciaddr", default="0.0.0.0")
    ap.add_argument("--requested")
    ap.add_argument("--server-id")
    ap.add_argument("--rai", help="option 82's value, hex")
    ap.add_argument("--timeout", type=float, default=3.0)
    a = ap.parse_args()
    xid = random.randrange(1, 2 ** 32)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((a.giaddr, 67))
    s.settimeout(min(max(a.timeout, 0.1), 30.0))
    s.sendto(build(a, xid), (a.server, 67))
    reply = None
    try:
        for _ in range(20):		# bounded: ignore anything not ours
            pkt, _src = s.recvfrom(4096)
            r = parse(pkt)
            if r.get("xid") == xid and r.get("op") == 2:
                reply = r
                break
    except socket.timeout:
        pass
    json.dump(reply, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
