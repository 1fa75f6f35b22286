#!/usr/bin/env python3
"""Writes the named seed packets of the packet and engine fuzzers, the
failover fuzzer's seeds from tests/vectors/failover/, and the event
sequences of the failover state machine fuzzer."""
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

    class_seeds(os.path.join(root, "class"))
    failover_seeds(os.path.join(root, "failover"))
    fostate_seeds(os.path.join(root, "fostate"))
    foupdates_seeds(os.path.join(root, "failover"), os.path.join(root, "foupdates"))


# Requests for the class fuzzer: PXE firmware by architecture, a phone by
# vendor class and by relay sub-options, iPXE's user class.
CLASS_PACKETS = {
    "pxe-uefi": pkt(1, opts=opt(60, b"PXEClient:Arch:00007:UNDI:003016") + opt(93, b"\0\x07")),
    "pxe-bios": pkt(1, opts=opt(60, b"PXEClient:Arch:00000:UNDI:002001") + opt(93, b"\0\0")),
    "phone-vendor": pkt(1, mac=0x70, opts=opt(60, b"ACME Phone 9") + opt(55, bytes([1, 3, 6, 66]))),
    "phone-relay": pkt(1, mac=0x71, giaddr=0xC6120001,
                       opts=opt(82, opt(1, b"port-1") + opt(2, b"\x01\x02"))),
    "ipxe-user-class": pkt(3, opts=opt(77, b"\x04iPXE") + opt(50, ip("198.18.0.20"))),
    "phone-clientid": pkt(1, mac=0x72, opts=opt(61, b"\x01\x02\x00\x00\x00\x00\x01")),
}


def class_seeds(out):
    os.makedirs(out, exist_ok=True)
    for name, data in CLASS_PACKETS.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)


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


def foupdates_seeds(fodir, out):
    """fuzz_foupdates: a control byte, then messages.  The failover seeds
    that carry updates, acks and requests, each under two control bytes
    (primary with window 1, secondary with window 8), and a conversation
    of a BNDUPD, a duplicate, a bad one, an UPDREQALL and an UPDDONE."""
    os.makedirs(out, exist_ok=True)
    keep = ("bndupd", "bndack", "updreq", "upddone", "conversation")
    for name in sorted(os.listdir(fodir)):
        if not name.startswith(keep) and not name.startswith(tuple("x-" + k for k in keep)):
            continue
        data = open(os.path.join(fodir, name), "rb").read()
        for ctl in (0x00, 0x0f):
            with open(os.path.join(out, "%s-%02x" % (name, ctl)), "wb") as f:
                f.write(bytes([ctl]) + data)
    chaddr = fo_opt(5, bytes([1, 2, 0x41, 0, 0, 0, 9]))
    upd = fo_msg(3, fo_opt(2, bytes([198, 18, 47, 250])) + fo_opt(3, b"\x02") + chaddr
                 + fo_opt(13, struct.pack("!I", 1795424930)) + fo_opt(6, struct.pack("!I", 1795424870)))
    bad = fo_msg(3, fo_opt(3, b"\x02") + chaddr)
    with open(os.path.join(out, "conversation-updates"), "wb") as f:
        f.write(b"\x12" + upd + upd + bad + fo_msg(7) + fo_msg(8))
    # The binding-state transition checks: FREE, EXPIRED and RELEASED for
    # two of the fuzzer's own ACTIVE leases (198.18.47.255 and .251), in
    # normal as primary, potential-conflict and partner-down as secondary.
    def upd_to(addr, status, with_chaddr):
        return fo_msg(3, fo_opt(2, bytes([198, 18, 47, addr])) + fo_opt(3, bytes([status]))
                      + (chaddr if with_chaddr else b"")
                      + fo_opt(13, struct.pack("!I", 1795424930)))
    moves = upd_to(255, 1, False) + upd_to(255, 3, True) + upd_to(251, 4, True)
    for ctl in (0x40, 0x81, 0xc1):
        with open(os.path.join(out, "conversation-transitions-%02x" % ctl), "wb") as f:
            f.write(bytes([ctl]) + moves)


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


# fuzz_fostate: 3 config bytes (role bit 0, MCLT, auto-partner-down), then
# 8 bytes per event (fuzz_fostate.c).  Event types as in state.h.
EV_START, EV_UP, EV_DOWN, EV_PEER, EV_UPDDONE, EV_ACKED, EV_TIMER, EV_OPER_PD, EV_STOP = range(1, 10)
ST = {"startup": 1, "normal": 2, "comm": 3, "pdown": 4, "pconf": 5, "recover": 6, "paused": 7,
      "shutdown": 8, "rdone": 9, "resint": 10, "cdone": 11, "rwait": 254}
T_STARTUP, T_MCLT, T_AUTO_PD = range(3)


def fo_ev(etype, dt=0, state=0, flags=0, stos_back=0, intact=True, amnesic=False, timer=0):
    return struct.pack("!BhBBBBB", etype, dt, state, flags, stos_back,
                       (1 if intact else 0) | (2 if amnesic else 0), timer)


FOSTATE = {
    # isc-connect-normal: empty journal, the peer recovering too.
    "both-empty": bytes([0, 60, 0]) + fo_ev(EV_START, intact=False) + fo_ev(EV_UP, 1)
    + fo_ev(EV_PEER, 0, ST["recover"], 1) + fo_ev(EV_PEER, 0, ST["recover"])
    + fo_ev(EV_ACKED, 4) + fo_ev(EV_UPDDONE) + fo_ev(EV_PEER, 0, ST["rdone"]),
    # isc-takeover-kill, the secondary: comm-interrupted, operator
    # partner-down, the MCLT timer, the primary back.
    "takeover": bytes([1, 60, 0]) + fo_ev(EV_START, 0, ST["normal"], stos_back=10)
    + fo_ev(EV_UP) + fo_ev(EV_PEER, 0, ST["normal"]) + fo_ev(EV_DOWN, 100)
    + fo_ev(EV_OPER_PD, 70) + fo_ev(EV_TIMER, 60, timer=T_MCLT) + fo_ev(EV_UP, 40)
    + fo_ev(EV_PEER, 0, ST["normal"], 1) + fo_ev(EV_PEER, 0, ST["recover"])
    + fo_ev(EV_ACKED, 5) + fo_ev(EV_PEER, 0, ST["rdone"]),
    # isc-updreqall, the secondary: recover-wait until STOS + MCLT.
    "recover-wait": bytes([1, 60, 0]) + fo_ev(EV_START, intact=False) + fo_ev(EV_UP, 1)
    + fo_ev(EV_PEER, 0, ST["comm"]) + fo_ev(EV_PEER, 0, ST["pdown"]) + fo_ev(EV_UPDDONE, 6)
    + fo_ev(EV_TIMER, 53, timer=T_MCLT) + fo_ev(EV_PEER, 0, ST["normal"]),
    # Split brain healed: potential-conflict, conflict-done, normal.
    "conflict": bytes([0, 60, 0]) + fo_ev(EV_START, 0, ST["pdown"], stos_back=200)
    + fo_ev(EV_TIMER, 15, timer=T_STARTUP) + fo_ev(EV_UP, 5) + fo_ev(EV_PEER, 0, ST["pdown"])
    + fo_ev(EV_UPDDONE, 2) + fo_ev(EV_PEER, 0, ST["normal"]),
    # auto-partner-down after 30 s, a wall clock step back, a shutdown.
    "auto-pd": bytes([0, 30, 30]) + fo_ev(EV_START, 0, ST["normal"], stos_back=1)
    + fo_ev(EV_UP) + fo_ev(EV_PEER, 0, ST["normal"]) + fo_ev(EV_DOWN, 10)
    + fo_ev(EV_TIMER, 30, timer=T_AUTO_PD) + fo_ev(EV_TIMER, -500, timer=T_MCLT)
    + fo_ev(EV_UP, 600) + fo_ev(EV_PEER, 0, ST["recover"], 1) + fo_ev(EV_STOP, 1),
    # Found by the fuzzer: STOS + MCLT past 2^32 must not open the
    # partner's addresses (the clock starts near the top when bit 1 is set).
    "u32-top": bytes([2, 200, 0]) + fo_ev(EV_START, 0, ST["normal"]) + fo_ev(EV_UP)
    + fo_ev(EV_PEER, 0, ST["normal"]) + fo_ev(EV_DOWN, 3000) + fo_ev(EV_OPER_PD, 900)
    + fo_ev(EV_TIMER, 95, timer=T_MCLT) + fo_ev(0, 10),
    # The peer says nonsense: an unknown state, a forbidden move.
    "peer-invalid": bytes([2, 1, 0]) + fo_ev(EV_START, 0, ST["cdone"]) + fo_ev(EV_UP)
    + fo_ev(EV_PEER, 0, 77) + fo_ev(EV_PEER, 0, ST["rwait"]) + fo_ev(EV_PEER, 0, ST["normal"])
    + fo_ev(EV_DOWN, 1) + fo_ev(EV_STOP, 1),
}


def fostate_seeds(out):
    os.makedirs(out, exist_ok=True)
    for name, data in FOSTATE.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "corpus"))
