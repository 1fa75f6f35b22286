"""Two duodhcpd in split scope with SyncServer, DNS and HTTP (issue 4).

The configurations are the seed document's SyncServer pair (the FAQ of
"DHCP Server for Windows", ../shared/seeds/000_5496f3fb1a969552.txt), moved
from 10.0.0.0/23 to 198.18.0.0/23 by substitution, plus our own keys: the
journal, DNS, an API token and, for failover tests, a short lease time.

Topology (split_pair(make_topo, duod, tmp_path, clients=(1, 2))):

    switch ns: br0 ─┬─ srv1 ns  eth0 198.18.0.1/23  (pool 198.18.0.2-200)
                    ├─ srv2 ns  eth0 198.18.1.1/23  (pool 198.18.1.2-200)
                    └─ client ns c<N>  eth0 02:00:00:00:00:NN

HTTP requests and DNS queries are made from inside a namespace (python's
urllib, dig), never from the root namespace.
"""

import ipaddress
import json
import os
import re
import select
import subprocess
import time

import nslib
from test_config import seed_configs

PYTHON = "/usr/bin/python3"
HERE = os.path.dirname(os.path.abspath(__file__))
KIT = os.path.join(HERE, "dhcpkit.py")

SRV = {1: "198.18.0.1", 2: "198.18.1.1"}
POOL = {1: ("198.18.0.2", "198.18.0.200"), 2: ("198.18.1.2", "198.18.1.200")}
SRV_MAC = {1: "02:00:00:00:01:01", 2: "02:00:00:00:01:02"}
TOKEN = "it4-token-5b7e0c1d"
DOMAIN = "lan"

_SEED_NET = re.compile(r"\b10\.0\.(\d{1,3})\.(\d{1,3})\b")


def translate(text):
    """The seed's 10.0.x.y addresses moved to 198.18.x.y (RFC 2544)."""
    out = _SEED_NET.sub(r"198.18.\1.\2", text)
    left = re.findall(r"\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b", out)
    bad = [a for a in left if not ipaddress.ip_address(a) in
           ipaddress.ip_network("198.18.0.0/15") and a != "255.255.254.0"]
    assert not bad, "addresses outside 198.18.0.0/15 after translation: %s" % bad
    return out


def in_pool(addr, n):
    lo, hi = (ipaddress.ip_address(a) for a in POOL[n])
    return addr is not None and lo <= ipaddress.ip_address(addr) <= hi


def owner(addr):
    """1 or 2: whose pool addr is in; None for neither."""
    for n in (1, 2):
        if in_pool(addr, n):
            return n
    return None


def sync_config(n, journal, lease_time=None, token=TOKEN, dns=True, domain=None,
                forward=None, http=(), extra_duodhcp=()):
    """Server n's (1 or 2) SyncServer configuration from the seed, translated,
    with our additions (http: more lines for its [HTTP-SETTINGS])."""
    text = translate(seed_configs()[1 + n])	# [2], [3]: the SyncServer pair
    assert "SyncServer=%s:80" % SRV[3 - n] in text, text
    if lease_time is not None:
        text, k = re.subn(r"(?m)^LEASETIME=\d+$", "LEASETIME=%d" % lease_time, text)
        assert k == 1, text
    if http:
        text, k = re.subn(r"(?m)^EnableHTTP=1$", "\n".join(("EnableHTTP=1",) + tuple(http)),
                          text)
        assert k == 1, text
    text = text.rstrip("\n") + "\n\n"
    if dns:
        text += "[DNS-Settings]\nEnableDNS=1\n"
        if domain:
            text += "Domain=%s\n" % domain
        if forward:
            text += "FORWARD=%s\n" % forward
        text += "\n"
    text += "[DUODHCP]\nJournal=%s\n" % journal
    if token:
        text += "ApiToken=%s\n" % token
    for line in extra_duodhcp:
        text += line + "\n"
    return text


class Pair:
    """The topology, the two server namespaces and their daemons."""

    def __init__(self, topo, duod, tmp_path):
        self.topo = topo
        self._duod = duod
        self.tmp = tmp_path
        self.ns = {}
        self.d = {}
        for n in (1, 2):
            self.ns[n] = topo.add_host("srv%d" % n, SRV[n] + "/23", mac=SRV_MAC[n])
        topo.wait_links()

    def journal(self, n):
        return str(self.tmp / ("journal-srv%d" % n))

    def start(self, n, **cfg):
        """Starts server n with its seed configuration (kwargs to
        sync_config); waits for DHCP, HTTP and, when enabled, DNS."""
        text = sync_config(n, self.journal(n), **cfg)
        d = self._duod(self.topo, config_text=text, ns=self.ns[n])
        self.d[n] = d
        port = [l.split("=", 1)[1] for l in cfg.get("http", ()) if l.startswith("Port=")]
        self.wait_ready(n, dns=cfg.get("dns", True), http_port=int(port[0]) if port else 80)
        return d

    def restart(self, n):
        """Starts server n again after a kill or stop (same config, same
        journal)."""
        self.d[n].start()
        self.wait_ready(n)

    def wait_ready(self, n, dns=True, http_port=80):
        nslib.wait_until(lambda: tcp_listening(self.ns[n], http_port), 10,
                         what="srv%d HTTP on tcp/%d" % (n, http_port))
        if dns:
            nslib.wait_until(lambda: self.topo.udp_listening(self.ns[n], 53) and
                             tcp_listening(self.ns[n], 53), 10,
                             what="srv%d DNS on udp+tcp/53" % n)

    def url(self, n, path):
        return "http://%s%s" % (SRV[n], path)

    def api(self, n, path, from_ns=None):
        """GET of an API path on server n, from from_ns (default: server
        n's own namespace); the parsed JSON, which must come with 200."""
        r = http(from_ns or self.ns[n], self.url(n, path))
        assert r["status"] == 200, r
        return json.loads(r["body"])

    def metrics(self, n):
        r = http(self.ns[n], self.url(n, "/metrics"))
        assert r["status"] == 200, r
        return parse_metrics(r["body"])

    def leases(self, n, query=""):
        return self.api(n, "/api/v1/leases?per_page=1000" + (
            "&" + query if query else ""))["leases"]

    def sync_state(self, n):
        return self.api(n, "/api/v1/status")["sync"]["state"]

    def wait_partner_lease(self, n, addr, timeout=5.0, state="active"):
        """Waits until server n holds addr as the partner's (in state);
        returns the lease."""
        def find():
            for l in self.leases(n, "origin=partner&addr=" + addr):
                if state is None or l["state"] == state:
                    return l
            return None
        return nslib.wait_until(find, timeout, interval=0.2,
                                what="srv%d holding %s as partner lease" % (n, addr))

    def wait_sync_ok(self, n, timeout=10.0):
        return nslib.wait_until(lambda: self.sync_state(n) == "ok", timeout,
                                interval=0.2, what="srv%d sync state ok" % n)


def split_pair(make_topo, duod, tmp_path, clients=(1,), start=(1, 2), **cfg):
    """make_topo's clients on br0 with the two servers of the seed; starts
    the servers in start (kwargs to sync_config for both)."""
    topo = make_topo(clients=clients, server=False)
    pair = Pair(topo, duod, tmp_path)
    for n in start:
        pair.start(n, **cfg)
    return pair


def tcp_listening(ns, port):
    out = nslib.run(nslib.nsexec(ns) + ["ss", "-Htln", "sport = :%d" % port],
                    check=False).stdout
    return bool(out.strip())


# ---------------------------------------------------------------- clients

def pin(client, avoid):
    """Makes a real client ignore server `avoid` (1 or 2), so it binds
    with the other: dhclient's `reject`, dhcpcd's `blacklist`."""
    if client.name == "dhclient":
        line = "reject %s;\n" % SRV[avoid]
    elif client.name == "dhcpcd":
        line = "blacklist %s\n" % SRV[avoid]
    else:
        raise ValueError("%s cannot be pinned" % client.name)
    with open(client.conf, "a") as f:
        f.write(line)


def event_addr(ev):
    env = ev.get("env", {})
    return env.get("new_ip_address") or env.get("ip")


def event_server(ev):
    env = ev.get("env", {})
    return env.get("new_dhcp_server_identifier") or env.get("serverid")


# ---------------------------------------------------------------- HTTP

_HTTP = r'''
import json, sys, urllib.request, urllib.error
a = json.loads(sys.argv[1])
req = urllib.request.Request(a["url"], method=a["method"],
                             data=a["data"].encode() if a["data"] is not None else None,
                             headers=a["headers"])
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
try:
    r = opener.open(req, timeout=a["timeout"])
    out = {"status": r.status, "headers": dict(r.headers.items()),
           "body": r.read().decode("utf-8", "replace")}
except urllib.error.HTTPError as e:
    out = {"status": e.code, "headers": dict(e.headers.items()),
           "body": e.read().decode("utf-8", "replace")}
except Exception as e:
    out = {"status": None, "error": "%s: %s" % (type(e).__name__, e), "headers": {},
           "body": ""}
print(json.dumps(out))
'''


def http(ns, url, method="GET", headers=None, data=None, timeout=5.0):
    """One HTTP request made inside ns with urllib (no proxy); returns
    {"status", "headers", "body"} (status None and "error" when it failed)."""
    arg = json.dumps({"url": url, "method": method, "headers": headers or {},
                      "data": data, "timeout": timeout})
    res = nslib.run(nslib.nsexec(ns) + [PYTHON, "-c", _HTTP, arg],
                    timeout=timeout + 20)
    return json.loads(res.stdout.strip().splitlines()[-1])


_METRIC = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([^}]*)\})? (\S+)$')


def parse_metrics(text):
    """Prometheus text: {(name, frozenset(labels.items())): value}; checks
    each sample follows a # TYPE of its family."""
    out = {}
    typed = set()
    for line in text.splitlines():
        if not line:
            continue
        if line.startswith("# TYPE "):
            typed.add(line.split()[2])
            continue
        if line.startswith("#"):
            continue
        m = _METRIC.match(line)
        assert m, "not a Prometheus sample line: %r" % line
        name = m.group(1)
        assert name in typed, "sample %s before its # TYPE" % name
        labels = frozenset(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', m.group(3) or ""))
        out[(name, labels)] = float(m.group(4))
    return out


def metric(metrics, name, **labels):
    return metrics.get((name, frozenset(labels.items())))


# ---------------------------------------------------------------- DNS

def dig(ns, server, name, qtype="A", tcp=False, timeout=2, tries=1, extra=()):
    """dig inside ns (qtype PTR: name is the address).  Returns {"rc",
    "status", "flags", "answer": [(name, ttl, type, data)], "authority",
    "text"}; status None: no reply."""
    query = ["-x", name] if qtype == "PTR" else [name, qtype]
    argv = nslib.nsexec(ns) + ["dig", "@" + server] + query + [
        "+norecurse", "+time=%d" % timeout, "+tries=%d" % tries,
        "+noall", "+comments", "+answer", "+authority"]
    if tcp:
        argv.append("+tcp")
    argv += list(extra)
    res = nslib.run(argv, check=False, timeout=timeout * tries * 3 + 10)
    out = {"rc": res.returncode, "status": None, "flags": set(), "answer": [],
           "authority": [], "text": res.stdout + res.stderr}
    m = re.search(r"status: (\w+)", res.stdout)
    if m:
        out["status"] = m.group(1)
    m = re.search(r";; flags: ([a-z ]*);", res.stdout)
    if m:
        out["flags"] = set(m.group(1).split())
    section = None
    for line in res.stdout.splitlines():
        if line.startswith(";; ANSWER SECTION"):
            section = "answer"
        elif line.startswith(";; AUTHORITY SECTION"):
            section = "authority"
        elif line.startswith(";;") or not line.strip():
            if not line.strip():
                section = None
        elif section and not line.startswith(";"):
            f = line.split(None, 4)
            if len(f) == 5:
                out[section].append((f[0].rstrip(".").lower(), int(f[1]), f[3],
                                     f[4].rstrip(".").lower()))
    return out


def ptr_name(addr):
    return ".".join(reversed(addr.split("."))) + ".in-addr.arpa"


def wait_resolves(ns, server, fqdn, addr, timeout=5.0, tcp=False):
    """Bounded poll until server answers fqdn A with exactly addr and the PTR
    of addr with fqdn; returns (A reply, PTR reply)."""
    last = {}

    def ok():
        a = dig(ns, server, fqdn, "A", tcp=tcp)
        p = dig(ns, server, addr, "PTR", tcp=tcp)
        last["a"], last["p"] = a, p
        return ((a["status"] == "NOERROR" and
                 [r[3] for r in a["answer"] if r[2] == "A"] == [addr] and
                 p["status"] == "NOERROR" and
                 [r[3] for r in p["answer"] if r[2] == "PTR"] == [fqdn]) and (a, p))
    try:
        return nslib.wait_until(ok, timeout, interval=0.2,
                                what="%s resolving %s <-> %s" % (server, fqdn, addr))
    except TimeoutError as e:
        raise AssertionError("%s; last A reply:\n%s\nlast PTR reply:\n%s" % (
            e, last.get("a", {}).get("text"), last.get("p", {}).get("text"))) from None


# ---------------------------------------------------------------- scapy

class Sniffer:
    """dhcpkit sniff in ns for `seconds`: every DHCP packet seen there."""

    def __init__(self, ns, seconds):
        self.p = subprocess.Popen(
            nslib.nsexec(ns) + [PYTHON, KIT, "sniff", "--timeout", str(seconds),
                                "--count", "0"],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True)
        self.seconds = seconds
        deadline = time.monotonic() + 15
        err = ""
        while time.monotonic() < deadline:
            r, _, _ = select.select([self.p.stderr], [], [], 0.5)
            if r:
                line = self.p.stderr.readline()
                err += line
                if "sniffing" in line or not line:
                    break
            if self.p.poll() is not None:
                break
        if "sniffing" not in err:
            self.stop()
            raise RuntimeError("dhcpkit sniff did not start: %s" % err)

    def result(self):
        try:
            out, err = self.p.communicate(timeout=self.seconds + 20)
        except subprocess.TimeoutExpired:
            self.stop()
            raise
        return json.loads(out.strip().splitlines()[-1])["packets"]

    def stop(self):
        nslib.stop_pid(self.p.pid, term_timeout=3, proc=self.p)
