#!/usr/bin/python3
"""Hand-made DHCPv4 exchanges with scapy, for use inside a client namespace:

    ip netns exec NS /usr/bin/python3 dhcpkit.py ACTION [options]

It sends on one interface, sniffs the reply for a bounded time and prints
one JSON object on stdout.  Actions:

    discover   DHCPDISCOVER; prints the offer (or null); --giaddr,
               --link-selection and --src make it look relayed
    dora       DISCOVER, OFFER, REQUEST (selecting), ACK/NAK
    request    a REQUEST built from --requested/--server-id/--ciaddr
               (INIT-REBOOT, SELECTING, RENEWING: RFC 2131 table 4)
    decline    DHCPDECLINE for --requested to --server-id; no reply expected
    release    DHCPRELEASE of --ciaddr to --server-id; no reply expected
    inform     DHCPINFORM from --ciaddr; prints the ACK
    malformed  a fixed set of broken packets plus --count seeded random
               ones; no reply is waited for
    doras      --count DORAs, each from its own chaddr (--mac, default
               02:00:00:00:30:00, plus 1, 2, ...); --until-no-ack stops
               after the first one that gets no ACK
    naks       --count INIT-REBOOT REQUESTs for --requested, each from its
               own chaddr, sent at once; no reply is waited for
    sniff      records the DHCP packets seen on the interface (both ways)
               for --timeout seconds or until --count server replies;
               prints "sniffing" on stderr once it listens

Addresses in packets are whatever the caller passes; the harness only ever
passes 198.18.0.0/15 ones.
"""

import argparse
import json
import random
import socket
import struct
import sys
import threading
import time

from scapy.config import conf
from scapy.layers.dhcp import BOOTP, DHCP, DHCPTypes
from scapy.layers.inet import IP, UDP
from scapy.layers.l2 import Ether
from scapy.sendrecv import AsyncSniffer, sendp
from scapy.arch import get_if_hwaddr

conf.verb = 0

MSG = {v: k for k, v in DHCPTypes.items()}	# "discover" -> 1
BCAST_MAC = "ff:ff:ff:ff:ff:ff"
MAGIC = b"\x63\x82\x53\x63"


def mac_bytes(mac):
    return bytes(int(x, 16) for x in mac.replace("-", ":").split(":"))


def opts_to_json(options):
    """scapy's DHCP option list as a dict; bytes become text or hex."""
    out = {}
    for o in options:
        if not isinstance(o, tuple) or not o:
            continue
        name, vals = o[0], list(o[1:])
        conv = []
        for v in vals:
            if isinstance(v, bytes):
                try:
                    v = v.decode("ascii") if all(32 <= c < 127 for c in v) else v.hex()
                except UnicodeDecodeError:
                    v = v.hex()
            conv.append(v)
        if name == "message-type" and conv and isinstance(conv[0], int):
            conv = [DHCPTypes.get(conv[0], conv[0])]
        out[str(name)] = conv[0] if len(conv) == 1 else conv
    return out


def pkt_to_json(p):
    if p is None:
        return None
    b = p[BOOTP]
    d = opts_to_json(p[DHCP].options) if DHCP in p else {}
    return {
        "type": d.get("message-type"),
        "op": b.op, "xid": b.xid, "flags": int(b.flags),
        "ciaddr": b.ciaddr, "yiaddr": b.yiaddr, "siaddr": b.siaddr,
        "giaddr": b.giaddr, "chaddr": b.chaddr[:6].hex(":"),
        "sname": b.sname.rstrip(b"\0").decode("latin-1"),
        "file": b.file.rstrip(b"\0").decode("latin-1"),
        "eth_src": p[Ether].src if Ether in p else None,
        "eth_dst": p[Ether].dst if Ether in p else None,
        "ip_src": p[IP].src if IP in p else None,
        "ip_dst": p[IP].dst if IP in p else None,
        "udp_dport": p[UDP].dport if UDP in p else None,
        "options": d,
        # the options field as sent, for exact bytes (RFC 3396 pieces apart)
        "options_hex": bytes(b)[240:].hex() if bytes(b)[236:240] == b"\x63\x82\x53\x63"
        else None,
    }


class Kit:
    def __init__(self, args):
        self.iface = args.iface
        self.ifmac = get_if_hwaddr(self.iface)
        self.mac = args.mac or self.ifmac
        self.timeout = args.timeout
        self.broadcast = args.broadcast
        self.hostname = args.hostname
        self.client_id = args.client_id
        self.lease_time = getattr(args, "lease_time", None)
        self.vendor_class = args.vendor_class
        self.arch = args.arch
        self.prl_extra = [int(c) for c in args.prl_extra.split(",") if c] if args.prl_extra else []
        self.extra_options = [(int(c), bytes.fromhex(h)) for c, h in
                              (o.split(":", 1) for o in getattr(args, "option", None) or [])]
        self.rng = random.Random(args.seed)
        # discover as a relay would send it (or a host pretending to be one)
        self.giaddr = args.giaddr
        self.link_selection = args.link_selection
        self.src = args.src
        self.last_rtt = None	# seconds from send to the last reply seen

    def bootp(self, xid, ciaddr="0.0.0.0", giaddr="0.0.0.0"):
        return BOOTP(op=1, htype=1, hlen=6, xid=xid,
                     flags=0x8000 if self.broadcast else 0,
                     ciaddr=ciaddr, giaddr=giaddr,
                     chaddr=mac_bytes(self.mac) + b"\0" * 10)

    def common_opts(self):
        o = []
        if self.client_id:
            o.append(("client_id", b"\x01" + mac_bytes(self.client_id)))
        if self.hostname:
            o.append(("hostname", self.hostname.encode()))
        if self.lease_time:
            o.append(("lease_time", self.lease_time))
        if self.vendor_class:
            o.append((60, self.vendor_class.encode()))
        if self.arch is not None:
            o.append((93, struct.pack("!H", self.arch)))	# RFC 4578 section 2.1
        o.extend(self.extra_options)
        o.append(("param_req_list", [1, 3, 6, 12, 15, 28, 51, 54, 58, 59] + self.prl_extra))
        return o

    def frame(self, payload, src="0.0.0.0", dst="255.255.255.255", dst_mac=BCAST_MAC):
        return (Ether(src=self.ifmac, dst=dst_mac) / IP(src=src, dst=dst) /
                UDP(sport=68, dport=67) / payload)

    def exchange(self, frame, xid, want=None, timeout=None):
        """Sends frame and returns the first server reply with this xid (of a
        type in want, when given), or None after timeout seconds."""
        timeout = self.timeout if timeout is None else timeout
        started = threading.Event()

        def match(p):
            return (BOOTP in p and p[BOOTP].op == 2 and p[BOOTP].xid == xid and
                    (want is None or (DHCP in p and self._type(p) in want)))
        sn = AsyncSniffer(iface=self.iface, lfilter=match, count=1, store=True,
                          timeout=timeout, started_callback=started.set)
        sn.start()
        started.wait(3)
        time.sleep(0.05)
        t_sent = time.time()
        sendp(frame, iface=self.iface)
        sn.join(timeout + 2)
        if sn.running:
            sn.stop()
        res = sn.results or []
        self.last_rtt = float(res[0].time) - t_sent if res else None
        return res[0] if res else None

    @staticmethod
    def _type(p):
        for o in p[DHCP].options:
            if isinstance(o, tuple) and o[0] == "message-type":
                return o[1]
        return None

    def new_xid(self):
        return self.rng.randrange(1, 2**32)

    # -- actions --

    def discover(self, requested=None, dst="255.255.255.255", ciaddr="0.0.0.0"):
        xid = self.new_xid()
        opts = [("message-type", "discover")]
        if requested:
            opts.append(("requested_addr", requested))
        opts += self.common_opts()
        if self.link_selection:	# RFC 3527 sub-option 5 in option 82
            opts.append(("relay_agent_information",
                         b"\x05\x04" + socket.inet_aton(self.link_selection)))
        opts.append("end")
        return self.exchange(self.frame(self.bootp(xid, ciaddr=ciaddr, giaddr=self.giaddr) /
                                        DHCP(options=opts), src=self.src, dst=dst),
                             xid, want={MSG["offer"]})

    def request(self, requested=None, server_id=None, ciaddr="0.0.0.0",
                dst="255.255.255.255", src="0.0.0.0", xid=None):
        xid = xid or self.new_xid()
        opts = [("message-type", "request")]
        if requested:
            opts.append(("requested_addr", requested))
        if server_id:
            opts.append(("server_id", server_id))
        opts += self.common_opts() + ["end"]
        return self.exchange(self.frame(self.bootp(xid, ciaddr=ciaddr) /
                                        DHCP(options=opts), src=src, dst=dst), xid,
                             want={MSG["ack"], MSG["nak"]})

    def dora(self, requested=None):
        offer = self.discover(requested=requested)
        if offer is None:
            return {"offer": None, "ack": None}
        o = pkt_to_json(offer)
        offer_rtt = self.last_rtt
        sid = o["options"].get("server_id")
        ack = self.request(requested=o["yiaddr"], server_id=sid, xid=offer[BOOTP].xid)
        return {"offer": o, "ack": pkt_to_json(ack), "offer_rtt": offer_rtt,
                "ack_rtt": self.last_rtt}

    def send_only(self, mtype, requested=None, server_id=None, ciaddr="0.0.0.0",
                  src="0.0.0.0", dst="255.255.255.255", listen=1.0):
        xid = self.new_xid()
        opts = [("message-type", mtype)]
        if requested:
            opts.append(("requested_addr", requested))
        if server_id:
            opts.append(("server_id", server_id))
        if self.client_id:
            opts.append(("client_id", b"\x01" + mac_bytes(self.client_id)))
        opts.append("end")
        # Listen a little anyway: a reply to DECLINE or RELEASE is a bug.
        return self.exchange(self.frame(self.bootp(xid, ciaddr=ciaddr) /
                                        DHCP(options=opts), src=src, dst=dst),
                             xid, timeout=listen)

    def inform(self, ciaddr, dst="255.255.255.255"):
        xid = self.new_xid()
        opts = [("message-type", "inform")] + self.common_opts() + ["end"]
        return self.exchange(self.frame(self.bootp(xid, ciaddr=ciaddr) /
                                        DHCP(options=opts), src=ciaddr, dst=dst),
                             xid, want={MSG["ack"]})

    def doras(self, count, until_no_ack=False):
        """count DORAs with chaddr = base MAC + 1, + 2, ... (the last two
        bytes count up)."""
        base = int.from_bytes(mac_bytes(self.mac if self.mac != self.ifmac
                                        else "02:00:00:00:30:00"), "big")
        out = []
        for i in range(1, count + 1):
            m = (base + i).to_bytes(6, "big")
            self.mac = ":".join("%02x" % b for b in m)
            r = self.dora()
            out.append({"mac": self.mac, "offer": r["offer"], "ack": r["ack"]})
            if until_no_ack and (r["ack"] is None or r["ack"]["type"] != "ack"):
                break
        return {"results": out}

    def sniff(self, count):
        """DHCP packets in both directions until count server replies or
        the timeout; each with its direction (op) and time."""
        got = []
        replies = [0]

        def keep(p):
            if BOOTP not in p:
                return
            j = pkt_to_json(p)
            j["time"] = float(p.time)
            got.append(j)
            if p[BOOTP].op == 2:
                replies[0] += 1

        def done(_p):
            return count > 0 and replies[0] >= count
        started = threading.Event()
        sn = AsyncSniffer(iface=self.iface, prn=keep, store=False,
                          lfilter=lambda p: UDP in p and p[UDP].dport in (67, 68),
                          stop_filter=done, timeout=self.timeout,
                          started_callback=started.set)
        sn.start()
        if started.wait(5):
            sys.stderr.write("sniffing\n")
            sys.stderr.flush()
        sn.join(self.timeout + 2)
        if sn.running:
            sn.stop()
        return {"packets": got}

    # -- malformed input --

    def _raw(self, payload):
        return self.frame(payload)

    def malformed_set(self):
        """Named broken packets: each one hits a parser edge."""
        xid = 0x0bad0000
        chaddr = mac_bytes(self.mac) + b"\0" * 10

        def hdr(op=1, htype=1, hlen=6, hops=0, x=None, flags=0x8000):
            return struct.pack("!BBBBIHH4s4s4s4s16s64s128s", op, htype, hlen, hops,
                               x if x is not None else xid, 0, flags,
                               b"\0" * 4, b"\0" * 4, b"\0" * 4, b"\0" * 4,
                               chaddr, b"\0" * 64, b"\0" * 128)
        d = MAGIC + b"\x35\x01\x01"	# message type DISCOVER
        cases = {
            "empty": b"",
            "one-byte": b"\x01",
            "short-header": hdr()[:100],
            "header-no-magic": hdr(),
            "bad-magic": hdr() + b"\x63\x82\x53\x64" + b"\x35\x01\x01\xff",
            "no-end": hdr() + d,
            "opt-len-overrun": hdr() + d + b"\x0c\xff" + b"A" * 10,
            "opt-len-at-end": hdr() + d + b"\x0c",
            "msgtype-zero-len": hdr() + MAGIC + b"\x35\x00\xff",
            "msgtype-bogus": hdr() + MAGIC + b"\x35\x01\xee\xff",
            "msgtype-twice": hdr() + MAGIC + b"\x35\x01\x01\x35\x01\x03\xff",
            "hlen-255": hdr(hlen=255) + d + b"\xff",
            "hlen-0": hdr(hlen=0) + d + b"\xff",
            "htype-weird": hdr(htype=200, hlen=16) + d + b"\xff",
            "op-reply": hdr(op=2) + d + b"\xff",
            "op-bogus": hdr(op=7) + d + b"\xff",
            "hops-max": hdr(hops=255) + d + b"\xff",
            "overload-3-empty": hdr() + d + b"\x34\x01\x03\xff",
            "overload-bogus": hdr() + d + b"\x34\x01\x09\xff",
            "overload-zero-len": hdr() + d + b"\x34\x00\xff",
            # sname/file full of option 52 again: must be followed once only.
            "overload-recursive": (hdr()[:44] + (b"\x34\x01\x03" * 21 + b"\0") +
                                   (b"\x34\x01\x03" * 42 + b"\0\0") + d +
                                   b"\x34\x01\x03\xff"),
            "clientid-zero-len": hdr() + d + b"\x3d\x00\xff",
            "clientid-255": hdr() + d + b"\x3d\xff" + b"\x01" * 255 + b"\xff",
            "hostname-nul": hdr() + d + b"\x0c\x05a\0b\0c\xff",
            "prl-255": hdr() + d + b"\x37\xff" + bytes(range(255)) + b"\xff",
            "reqaddr-short": hdr() + MAGIC + b"\x35\x01\x03\x32\x02\xc6\x12\xff",
            "serverid-short": hdr() + MAGIC + b"\x35\x01\x03\x36\x01\xc6\xff",
            "leasetime-short": hdr() + d + b"\x33\x01\x00\xff",
            "relay82-bad": hdr() + d + b"\x52\x04\x01\x09\x00\x00\xff",
            "relay82-empty": hdr() + d + b"\x52\x00\xff",
            "pad-only": hdr() + MAGIC + b"\0" * 300,
            "huge": hdr() + d + (b"\x2b\xff" + b"\x41" * 255) * 4 + b"\xff",
            "request-no-addr": hdr() + MAGIC + b"\x35\x01\x03\xff",
            "decline-no-addr": hdr() + MAGIC + b"\x35\x01\x04\xff",
            "release-no-ciaddr": hdr() + MAGIC + b"\x35\x01\x07\xff",
            "inform-no-ciaddr": hdr() + MAGIC + b"\x35\x01\x08\xff",
            "leasequery": hdr() + MAGIC + b"\x35\x01\x0a\xff",
        }
        return cases

    # The cases duodhcpd counts as malformed: too short, no magic cookie,
    # an option running past its field, option 53 not one byte naming
    # DISCOVER..INFORM (a LEASEQUERY too: not served), hlen over 16, op not
    # BOOTREQUEST.  The others parse (leniently) and are answered or
    # ignored on their merits.
    UNPARSABLE = ("empty", "one-byte", "short-header", "header-no-magic", "bad-magic",
                  "opt-len-overrun", "opt-len-at-end", "msgtype-zero-len", "msgtype-bogus",
                  "msgtype-twice", "hlen-255", "op-reply", "op-bogus", "leasequery")

    def naks(self, count, requested):
        """count INIT-REBOOT REQUESTs for `requested` (an address the
        server must NAK), each from its own chaddr, sent in one go without
        waiting for the replies."""
        frames = []
        for i in range(count):
            mac = "02:00:00:%02x:%02x:%02x" % (0x60 + (i >> 16), (i >> 8) & 255, i & 255)
            b = BOOTP(op=1, htype=1, hlen=6, xid=0x4e000000 + i, flags=0x8000,
                      chaddr=mac_bytes(mac) + b"\0" * 10)
            opts = [("message-type", "request"), ("requested_addr", requested), "end"]
            frames.append(self.frame(b / DHCP(options=opts)))
        sendp(frames, iface=self.iface, verbose=False)
        return {"sent": count}

    def malformed(self, count):
        sent = []
        for name, payload in self.malformed_set().items():
            sendp(self._raw(payload), iface=self.iface)
            sent.append(name)
        for i in range(count):
            n = self.rng.randrange(0, 600)
            base = bytes(self.malformed_set()["no-end"])
            if self.rng.random() < 0.5:
                # A mutated valid DISCOVER: flip bytes in header and options.
                b = bytearray(base + b"\x37\x03\x01\x03\x06\xff" + b"\0" * 40)
                for _ in range(self.rng.randrange(1, 16)):
                    b[self.rng.randrange(len(b))] = self.rng.randrange(256)
                payload = bytes(b[:self.rng.randrange(1, len(b) + 1)])
            else:
                payload = bytes(self.rng.randrange(256) for _ in range(n))
            sendp(self._raw(payload), iface=self.iface)
            sent.append("random-%d" % i)
            if i % 50 == 49:
                time.sleep(0.05)	# no flood: the test is about content
        return {"sent": sent, "count": len(sent), "unparsable": list(self.UNPARSABLE)}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("action", choices=["discover", "dora", "request", "decline",
                                       "release", "inform", "malformed", "doras",
                                       "sniff", "naks"])
    ap.add_argument("--iface", default="eth0")
    ap.add_argument("--mac", help="chaddr (default: the interface's MAC)")
    ap.add_argument("--client-id", help="send option 61 = 01+this MAC")
    ap.add_argument("--hostname")
    ap.add_argument("--vendor-class", help="option 60, e.g. PXEClient:Arch:00007:UNDI:003016")
    ap.add_argument("--arch", type=int, help="option 93, the client system architecture "
                    "(RFC 4578: 0 BIOS, 7 x64 UEFI)")
    ap.add_argument("--prl-extra", help="codes added to the parameter request list, "
                    "comma separated")
    ap.add_argument("--option", action="append", metavar="CODE:HEX",
                    help="an option to send as it is, e.g. 125:0000118b00 (repeatable)")
    ap.add_argument("--requested", help="option 50")
    ap.add_argument("--lease-time", type=int, help="option 51: the lease time asked for")
    ap.add_argument("--server-id", help="option 54")
    ap.add_argument("--ciaddr", default="0.0.0.0")
    ap.add_argument("--dst", default="255.255.255.255", help="IP destination")
    ap.add_argument("--giaddr", default="0.0.0.0", help="discover: giaddr")
    ap.add_argument("--link-selection", help="discover: option 82 sub-option 5")
    ap.add_argument("--src", default="0.0.0.0", help="discover: IP source")
    ap.add_argument("--timeout", type=float, default=4.0,
                    help="seconds to wait for a reply (capped at 30)")
    ap.add_argument("--no-broadcast", dest="broadcast", action="store_false",
                    help="leave the BROADCAST flag clear")
    ap.add_argument("--count", type=int, default=200,
                    help="random packets for malformed (capped at 5000); "
                    "DORAs for doras (capped at 200); server replies to wait "
                    "for in sniff (0: until the timeout)")
    ap.add_argument("--until-no-ack", action="store_true",
                    help="doras: stop after the first DORA without an ACK")
    ap.add_argument("--seed", type=int, default=None,
                    help="seeds xids and random packets (default: random)")
    a = ap.parse_args(argv)
    a.timeout = min(max(a.timeout, 0.1), 30.0)
    a.count = min(max(a.count, 0), 5000)
    kit = Kit(a)

    if a.action == "discover":
        out = {"reply": pkt_to_json(kit.discover(requested=a.requested, dst=a.dst,
                                                 ciaddr=a.ciaddr)),
               "rtt": kit.last_rtt}
    elif a.action == "doras":
        out = kit.doras(min(a.count, 200), until_no_ack=a.until_no_ack)
    elif a.action == "sniff":
        out = kit.sniff(a.count)
    elif a.action == "dora":
        out = kit.dora(requested=a.requested)
    elif a.action == "request":
        src = a.ciaddr if a.ciaddr != "0.0.0.0" else "0.0.0.0"
        out = {"reply": pkt_to_json(kit.request(a.requested, a.server_id, a.ciaddr,
                                                dst=a.dst, src=src))}
    elif a.action == "decline":
        out = {"reply": pkt_to_json(kit.send_only("decline", a.requested, a.server_id,
                                                  listen=min(a.timeout, 1.5)))}
    elif a.action == "release":
        out = {"reply": pkt_to_json(kit.send_only("release", None, a.server_id,
                                                  ciaddr=a.ciaddr, src=a.ciaddr,
                                                  dst=a.dst, listen=min(a.timeout, 1.5)))}
    elif a.action == "naks":
        out = kit.naks(a.count, a.requested)
    elif a.action == "inform":
        out = {"reply": pkt_to_json(kit.inform(a.ciaddr, dst=a.dst))}
    else:
        out = kit.malformed(a.count)
    json.dump(out, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
