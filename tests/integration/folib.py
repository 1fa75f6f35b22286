"""A duodhcpd failover pair (and ISC dhcpd as a partner) in namespaces.

Topology (fo_pair(make_topo, duod, tmp_path)):

    switch ns: br0 ─┬─ fo1 ns  eth0 198.18.0.2/24  primary
                    ├─ fo2 ns  eth0 198.18.0.3/24  secondary
                    └─ client ns c<N>

The relationship runs over TCP 647 between 198.18.0.2 and 198.18.0.3;
the shared pool is 198.18.0.10-198.18.0.250 (examples/failover without
the relayed subnet).
"""

import json
import re

import nslib

ADDR = {1: "198.18.0.2", 2: "198.18.0.3"}
MAC = {1: "02:00:00:00:01:11", 2: "02:00:00:00:01:12"}
ROLE = {1: "primary", 2: "secondary"}
NAME = "dhcp-pair"
POOL = ("198.18.0.10", "198.18.0.250")


def fo_config(n, journal, mclt=60, lease_time=600, fo_extra=()):
    """Server n's (1 primary, 2 secondary) configuration."""
    text = """[Settings]
IPBIND_1=%(me)s
IPPOOL_1=%(lo)s-%(hi)s
AssociateBindsToPools=1

[GENERAL]
LEASETIME=%(lt)d
SUBNETMASK=255.255.255.0
ROUTER_0=198.18.0.1

[HTTP-SETTINGS]
EnableHTTP=1
BindAddress=%(me)s
Port=8080

[DUODHCP]
Journal=%(journal)s

[FAILOVER]
Role=%(role)s
Address=%(me)s
PeerAddress=%(peer)s
Name=%(name)s
MaxResponseDelay=10
MaxUnackedUpdates=10
LoadBalanceMaxSeconds=3
Pools=198.18.0.0/24
""" % {"me": ADDR[n], "peer": ADDR[3 - n], "lo": POOL[0], "hi": POOL[1], "lt": lease_time,
       "journal": journal, "role": ROLE[n], "name": NAME}
    if n == 1:
        text += "MCLT=%d\nSplit=128\n" % mclt
    for line in fo_extra:
        text += line + "\n"
    return text


def states(log):
    """The failover state moves the daemon logged, in order."""
    return re.findall(r"failover: state \S+ -> (\S+)", log)


def state(log):
    s = states(log)
    return s[-1] if s else None


class FoPair:
    def __init__(self, topo, duod, tmp_path):
        self.topo = topo
        self._duod = duod
        self.tmp = tmp_path
        self.ns = {n: topo.add_host("fo%d" % n, ADDR[n] + "/24", mac=MAC[n]) for n in (1, 2)}
        topo.wait_links()
        self.d = {}

    def journal(self, n):
        return str(self.tmp / ("journal-fo%d" % n))

    def start(self, n, **kw):
        d = self._duod(self.topo, config_text=fo_config(n, self.journal(n), **kw),
                       ns=self.ns[n])
        self.d[n] = d
        return d

    def status(self, n):
        """The failover part of server n's /api/v1/status (asked inside its
        namespace)."""
        from splitlib import http
        r = http(self.ns[n], "http://%s:8080/api/v1/status" % ADDR[n])
        assert r["status"] == 200, r
        return json.loads(r["body"])["failover"]

    def wait_state(self, n, want, timeout=30):
        return nslib.wait_until(lambda: state(self.d[n].log()) == want, timeout,
                                what="fo%d in %s (log: %s)" % (n, want,
                                                               states(self.d[n].log())))


# ---------------------------------------------------------------------------
# Examples, ISC dhcpd as a partner, RFC 3074 buckets and a scapy client
# population (test_failover_isc.py, test_partition.py).

import os			# noqa: E402
import subprocess		# noqa: E402
import sys			# noqa: E402
import time			# noqa: E402

REPO_DIR = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                        "..", ".."))
EXAMPLES = os.path.join(REPO_DIR, "examples", "failover")
ISC_DHCPD = "/usr/sbin/dhcpd"
PYTHON = "/usr/bin/python3"


def example(rel):
    """The text of examples/failover/<rel>."""
    with open(os.path.join(EXAMPLES, rel), encoding="utf-8") as f:
        return f.read()


def ini_set(text, section, key, value):
    """text with KEY=value in [section]: the line replaced when the key is
    there, else added at the end of the section (the section added when it
    is missing).  value None removes the key."""
    lines = text.splitlines()
    out, cur, done, sec_end = [], None, False, None
    for line in lines:
        m = re.match(r"^\s*\[([^\]]+)\]\s*$", line)
        if m:
            if cur == section and not done:
                sec_end = len(out)
            cur = m.group(1)
        elif cur == section and re.match(r"^\s*%s\s*=" % re.escape(key), line, re.I):
            done = True
            if value is not None:
                out.append("%s=%s" % (key, value))
            continue
        out.append(line)
    if not done and value is not None:
        if cur == section:
            sec_end = len(out)
        if sec_end is None:
            out += ["", "[%s]" % section]
            sec_end = len(out)
        while sec_end > 0 and not out[sec_end - 1].strip():
            sec_end -= 1
        out.insert(sec_end, "%s=%s" % (key, value))
    return "\n".join(out) + "\n"


def isc_set(text, statement, value):
    """dhcpd.conf text with every `statement ...;` line (e.g. "mclt",
    "default-lease-time", "address") given value instead; the statement
    must be there."""
    new, n = re.subn(r"(?m)^(\s*%s)\s+[^;\n]*;" % re.escape(statement),
                     lambda m: "%s %s;" % (m.group(1), value), text)
    assert n, "no %r statement in the dhcpd.conf" % statement
    return new


def isc_states(log):
    """(who, new state) of every move ISC dhcpd logged: who is "I" or
    "peer"."""
    return re.findall(r"(I|peer) moves? from \S+ to (\S+)", log)


def isc_state(log, who="I"):
    s = [st for w, st in isc_states(log) if w == who]
    return s[-1] if s else None


def parse_isc_leases(text):
    """dhcpd.leases -> {addr: the last block's fields}: binding (state),
    hw, starts/ends (epoch, when given as `epoch N`), cltt, uid."""
    out = {}
    for m in re.finditer(r"lease (\d+\.\d+\.\d+\.\d+) \{(.*?)\n\}", text, re.S):
        body = m.group(2)
        f = {"addr": m.group(1)}
        b = re.search(r"^\s*binding state (\S+);", body, re.M)
        f["binding"] = b.group(1) if b else None
        hw = re.search(r"hardware ethernet ([0-9a-f:]+);", body)
        f["hw"] = hw.group(1).lower() if hw else ""
        for k in ("starts", "ends", "cltt", "tstp", "tsfp", "atsfp"):
            t = re.search(r"^\s*%s (\d) (\d+/\d+/\d+ \d+:\d+:\d+);" % k, body, re.M)
            if t:
                import calendar
                f[k] = calendar.timegm(time.strptime(t.group(2), "%Y/%m/%d %H:%M:%S"))
            t = re.search(r"^\s*%s epoch (\d+);" % k, body, re.M)
            if t:
                f[k] = int(t.group(1))
        out[f["addr"]] = f
    return out


class IscDhcpd:
    """ISC dhcpd 4.4.3 -f -d in namespace ns with conf (text), its lease
    file and log in workdir.  Stopped by its PID."""

    def __init__(self, ns, workdir, conf, iface="eth0", name="dhcpd"):
        self.ns = ns
        self.workdir = str(workdir)
        os.makedirs(self.workdir, exist_ok=True)
        self.conf = os.path.join(self.workdir, name + ".conf")
        self.leasefile = os.path.join(self.workdir, name + ".leases")
        self.logpath = os.path.join(self.workdir, name + ".log")
        self.pidfile = os.path.join(self.workdir, name + ".pid")
        self.iface = iface
        self.proc = None
        with open(self.conf, "w") as f:
            f.write(conf)
        if not os.path.exists(self.leasefile):
            open(self.leasefile, "w").close()

    def check(self):
        """dhcpd -t on the configuration: (exit status, output)."""
        r = subprocess.run([ISC_DHCPD, "-t", "-cf", self.conf], capture_output=True,
                           text=True, timeout=30, stdin=subprocess.DEVNULL)
        return r.returncode, r.stdout + r.stderr

    def start(self):
        with open(self.logpath, "a") as log:
            log.write("=== start %s\n" % time.strftime("%H:%M:%S"))
            log.flush()
            self.proc = subprocess.Popen(nslib.nsexec(self.ns) + [
                ISC_DHCPD, "-4", "-f", "-d", "-cf", self.conf, "-lf", self.leasefile,
                "-pf", self.pidfile, self.iface],
                stdin=subprocess.DEVNULL, stdout=log, stderr=log)
        nslib.wait_until(lambda: self.proc.poll() is not None or
                         "Sending on   Socket/fallback" in self.log() or
                         "failover peer" in self.log().rsplit("=== start", 1)[-1],
                         15, what="ISC dhcpd started")
        assert self.proc.poll() is None, "ISC dhcpd exited:\n" + self.log()[-4000:]
        return self

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def kill(self):
        """SIGKILL by PID: no goodbye to the partner."""
        import signal
        os.kill(self.proc.pid, signal.SIGKILL)
        rc = self.proc.wait(timeout=10)
        with open(self.logpath, "a") as log:
            log.write("=== killed, status %s\n" % rc)
        self.proc = None
        return rc

    def stop(self):
        if self.proc is None:
            return None
        rc = nslib.stop_pid(self.proc.pid, term_timeout=5, proc=self.proc)
        with open(self.logpath, "a") as log:
            log.write("=== stopped, status %s\n" % rc)
        self.proc = None
        return rc

    def wipe_leases(self):
        assert not self.alive()
        open(self.leasefile, "w").close()
        for extra in (self.leasefile + "~",):
            if os.path.exists(extra):
                os.remove(extra)

    def log(self):
        try:
            with open(self.logpath, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def run_log(self):
        """What this run (since the last start) logged."""
        return self.log().rsplit("=== start", 1)[-1]

    def leases(self):
        with open(self.leasefile, errors="replace") as f:
            return parse_isc_leases(f.read())

    def wait_normal(self, timeout=60):
        return nslib.wait_until(lambda: isc_state(self.run_log()) == "normal", timeout,
                                what="ISC dhcpd in normal (moves: %s)" %
                                isc_states(self.run_log())[-8:])

    def wait_lease(self, addr, hw=None, binding="active", timeout=10):
        def ok():
            l = self.leases().get(addr)
            return l if l and l["binding"] == binding and (
                hw is None or l["hw"] == hw.lower()) else None
        return nslib.wait_until(ok, timeout, interval=0.2,
                                what="%s %s in ISC's lease file" % (addr, binding))


# RFC 3074 section 6: the mixing table (src/failover/hash.c has the same).
_MIX = bytes([
    251, 175, 119, 215, 81, 14, 79, 191, 103, 49, 181, 143, 186, 157, 0, 232,
    31, 32, 55, 60, 152, 58, 17, 237, 174, 70, 160, 144, 220, 90, 57, 223,
    59, 3, 18, 140, 111, 166, 203, 196, 134, 243, 124, 95, 222, 179, 197, 65,
    180, 48, 36, 15, 107, 46, 233, 130, 165, 30, 123, 161, 209, 23, 97, 16,
    40, 91, 219, 61, 100, 10, 210, 109, 250, 127, 22, 138, 29, 108, 244, 67,
    207, 9, 178, 204, 74, 98, 126, 249, 167, 116, 34, 77, 193, 200, 121, 5,
    20, 113, 71, 35, 128, 13, 182, 94, 25, 226, 227, 199, 75, 27, 41, 245,
    230, 224, 43, 225, 177, 26, 155, 150, 212, 142, 218, 115, 241, 73, 88, 105,
    39, 114, 62, 255, 192, 201, 145, 214, 168, 158, 221, 148, 154, 122, 12, 84,
    82, 163, 44, 139, 228, 236, 205, 242, 217, 11, 187, 146, 159, 64, 86, 239,
    195, 42, 106, 198, 118, 112, 184, 172, 87, 2, 173, 117, 176, 229, 247, 253,
    137, 185, 99, 164, 102, 147, 45, 66, 231, 52, 141, 211, 194, 206, 246, 238,
    56, 110, 78, 248, 63, 240, 189, 93, 92, 51, 53, 183, 19, 171, 72, 50,
    33, 104, 101, 69, 8, 252, 83, 120, 76, 135, 85, 54, 202, 125, 188, 213,
    96, 235, 136, 208, 162, 129, 190, 132, 156, 38, 47, 1, 7, 254, 24, 4,
    216, 131, 89, 21, 28, 133, 37, 153, 149, 80, 170, 68, 6, 169, 234, 151,
])


def bucket(mac):
    """The RFC 3074 bucket of a client without option 61 (hash of its
    6-byte chaddr)."""
    key = bytes(int(x, 16) for x in mac.split(":"))
    h = len(key) & 0xff
    for b in reversed(key):
        h = _MIX[h ^ b]
    return h


def primary_bucket(b, split=128):
    """With ISC's `split N` buckets 0..N-1 are the primary's."""
    return b < split


# A scapy client population, run inside a client namespace with
#   python3 -c CLIENTS_SCRIPT JSON
# (JSON: iface, macs, start (seconds after the start for each MAC),
# seconds, mode "probe" or "churn", secs_step).  Replies are broadcast
# (flag set), so the sniffer sees every server's answer to every client.
#  probe: one DISCOVER per MAC (secs 0), every OFFER seen within `seconds`.
#  churn: each client runs DHCP as a client would (DISCOVER with secs
#   growing while unanswered, REQUEST of the first OFFER, at half the
#   lease a broadcast REQUEST in the INIT-REBOOT style (requested address,
#   no ciaddr: both servers hear it and answer by broadcast), a new
#   DISCOVER after a NAK or expiry) until `seconds` have passed, or
#   until the file `stop_file` exists when one is given.  Every ACK and
#   NAK seen on the wire is recorded; "expired" counts the leases that ran
#   out unrenewed, "renewed" the renewals ACKed, and "waits" lists each
#   ACK as [time, mac, seconds since the client began asking].
CLIENTS_SCRIPT = r'''
import json, os, random, sys, threading, time
import logging
logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
from scapy.all import (AsyncSniffer, BOOTP, DHCP, Ether, IP, UDP, conf, get_if_hwaddr)
from scapy.arch import get_if_raw_hwaddr
conf.verb = 0
a = json.loads(sys.argv[1])
iface = a["iface"]
ifmac = get_if_hwaddr(iface)
rng = random.Random(a.get("seed", 1))
sock = conf.L2socket(iface=iface)
T0 = time.time()
lock = threading.Lock()
replies = []		# (time, type, xid, chaddr, yiaddr, server_id, lease)

def opt(p, name):
    for o in p[DHCP].options:
        if isinstance(o, tuple) and o[0] == name:
            return o[1]
    return None

def on_pkt(p):
    if BOOTP not in p or DHCP not in p or p[BOOTP].op != 2:
        return
    t = opt(p, "message-type")
    mac = ":".join("%02x" % b for b in bytes(p[BOOTP].chaddr)[:6])
    with lock:
        replies.append((float(p.time), t, p[BOOTP].xid, mac, p[BOOTP].yiaddr,
                        opt(p, "server_id"), opt(p, "lease_time")))

sn = AsyncSniffer(iface=iface, prn=on_pkt, store=False,
                  lfilter=lambda p: UDP in p and p[UDP].dport == 68)
sn.start()
time.sleep(1.0)

def send(mac, xid, mtype, secs=0, ciaddr="0.0.0.0", requested=None, server_id=None):
    o = [("message-type", mtype)]
    if requested:
        o.append(("requested_addr", requested))
    if server_id:
        o.append(("server_id", server_id))
    o += [("param_req_list", [1, 3, 51, 54, 58, 59]), "end"]
    ch = bytes(int(x, 16) for x in mac.split(":")) + b"\0" * 10
    src = ciaddr if ciaddr != "0.0.0.0" else "0.0.0.0"
    sock.send(Ether(src=ifmac, dst="ff:ff:ff:ff:ff:ff") / IP(src=src, dst="255.255.255.255") /
              UDP(sport=68, dport=67) / BOOTP(op=1, htype=1, hlen=6, xid=xid, secs=secs,
              flags=0x8000, ciaddr=ciaddr, chaddr=ch) / DHCP(options=o))

out = {}
if a["mode"] == "probe":
    xids = {}
    for mac in a["macs"]:
        x = rng.randrange(1, 2**32)
        xids[x] = mac
        send(mac, x, "discover", secs=a.get("secs", 0))
        time.sleep(0.02)
    time.sleep(a["seconds"])
    res = {m: [] for m in a["macs"]}
    with lock:
        for t, ty, x, mac, yi, sid, lt in replies:
            if ty == 2 and x in xids:
                res[xids[x]].append({"server": sid, "yiaddr": yi})
    out = {"offers": res}
else:
    macs = a["macs"]
    starts = a.get("start") or [0] * len(macs)
    stop_at = T0 + a["seconds"]
    stop_file = a.get("stop_file")
    expired = renewed = 0
    waits = []
    cl = [{"mac": m, "st": "init", "xid": 0, "sent": 0.0, "first": None, "tries": 0,
           "addr": None, "lease": 0, "acked": 0.0, "begin": T0 + s, "need": None}
          for m, s in zip(macs, starts)]
    seen = 0
    sent = 0
    while time.time() < stop_at and not (stop_file and os.path.exists(stop_file)):
        now = time.time()
        with lock:
            new = replies[seen:]
            seen = len(replies)
        byx = {}
        for r in new:
            byx.setdefault(r[2], []).append(r)
        for c in cl:
            for t, ty, x, mac, yi, sid, lt in byx.get(c["xid"], []):
                if mac != c["mac"]:
                    continue
                if c["st"] == "selecting" and ty == 2:
                    c["st"] = "requesting"
                    c["offer"] = (yi, sid)
                    c["sent"] = 0.0
                elif c["st"] in ("requesting", "renewing") and ty == 5:
                    renewed += c["st"] == "renewing"
                    if c["need"] is not None:
                        waits.append([t, mac, t - c["need"]])
                    c["need"] = None
                    c["st"] = "bound"
                    c["addr"] = yi
                    c["lease"] = lt or 60
                    c["acked"] = t
                    c["first"] = None
                elif c["st"] in ("requesting", "renewing") and ty == 6:
                    c["st"] = "init"
                    c["addr"] = None
        for c in cl:
            if now < c["begin"]:
                continue
            if c["st"] == "bound":
                if now >= c["acked"] + c["lease"]:
                    c["st"] = "init"
                    expired += 1
                    c["addr"] = None
                elif now >= c["acked"] + c["lease"] / 2.0:
                    c["st"] = "renewing"
                    c["need"] = c["acked"] + c["lease"] / 2.0
                    c["sent"] = 0.0
                else:
                    continue
            if c["st"] == "init":
                c["st"] = "selecting"
                c["first"] = c["first"] or now
                c["need"] = c["need"] or now
                c["sent"] = 0.0
            if now - c["sent"] < 2.0:
                continue
            if c["st"] == "requesting" and c["sent"] > 0:
                c["st"] = "selecting"	# the ACK never came: start over
            if c["st"] == "renewing" and now >= c["acked"] + c["lease"]:
                c["st"] = "selecting"
                expired += 1
                c["addr"] = None
                c["first"] = now
            c["xid"] = rng.randrange(1, 2**32) if c["st"] != "requesting" else c["xid"]
            secs = int(now - c["first"]) if c["first"] else 0
            if c["st"] == "selecting":
                send(c["mac"], c["xid"], "discover", secs=min(secs, 65535))
            elif c["st"] == "requesting":
                send(c["mac"], c["xid"], "request", secs=min(secs, 65535),
                     requested=c["offer"][0], server_id=c["offer"][1])
            elif c["st"] == "renewing":
                # INIT-REBOOT style (requested address, no ciaddr, no
                # server id): broadcast both ways, heard by both servers.
                send(c["mac"], c["xid"], "request", requested=c["addr"])
            c["sent"] = now
            sent += 1
            time.sleep(0.005)
        time.sleep(0.05)
    time.sleep(1.0)
    with lock:
        acks = [{"t": t, "type": ty, "xid": x, "mac": mac, "yiaddr": yi,
                 "server": sid, "lease": lt} for t, ty, x, mac, yi, sid, lt in replies
                if ty in (5, 6)]
    out = {"acks": acks, "sent": sent, "expired": expired, "renewed": renewed,
           "waits": waits,
           "bound": sum(1 for c in cl if c["st"] in ("bound", "renewing"))}
sn.stop()
print(json.dumps(out))
'''


def run_clients(ns, macs, seconds, mode="churn", start=None, secs=0, seed=1):
    """CLIENTS_SCRIPT in ns; its JSON result."""
    arg = json.dumps({"iface": "eth0", "macs": list(macs), "seconds": seconds,
                      "mode": mode, "start": start, "secs": secs, "seed": seed})
    res = nslib.run(nslib.nsexec(ns) + [PYTHON, "-c", CLIENTS_SCRIPT, arg],
                    timeout=seconds + 60)
    return json.loads(res.stdout.strip().splitlines()[-1])


class Clients:
    """run_clients in the background (Popen): result() waits for its JSON."""

    def __init__(self, ns, macs, seconds, start=None, seed=1, stop_file=None):
        arg = json.dumps({"iface": "eth0", "macs": list(macs), "seconds": seconds,
                          "mode": "churn", "start": start, "seed": seed,
                          "stop_file": stop_file})
        self.seconds = seconds
        self.p = subprocess.Popen(nslib.nsexec(ns) + [PYTHON, "-c", CLIENTS_SCRIPT, arg],
                                  stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True)

    def result(self):
        try:
            out, err = self.p.communicate(timeout=self.seconds + 60)
        except subprocess.TimeoutExpired:
            nslib.stop_pid(self.p.pid, term_timeout=3, proc=self.p)
            raise
        if self.p.returncode != 0:
            raise RuntimeError("clients exit %s: %s" % (self.p.returncode, err[-3000:]))
        return json.loads(out.strip().splitlines()[-1])

    def stop(self):
        if self.p.poll() is None:
            nslib.stop_pid(self.p.pid, term_timeout=3, proc=self.p)


def overlapping_acks(acks):
    """The conflicts in a list of ACKs ({t, mac, yiaddr, lease, server}):
    pairs of ACKs of one address to two different clients whose lease
    intervals [t, t + lease) overlap.  A NAK (type 6) is not a grant."""
    by_addr = {}
    for a in acks:
        if a.get("type", 5) != 5 or not a.get("lease"):
            continue
        by_addr.setdefault(a["yiaddr"], []).append(a)
    conflicts = []
    for addr, lst in by_addr.items():
        lst.sort(key=lambda a: a["t"])
        for i, x in enumerate(lst):
            for y in lst[i + 1:]:
                if y["t"] >= x["t"] + x["lease"]:
                    break
                if y["mac"] != x["mac"]:
                    conflicts.append((addr, x, y))
    return conflicts
