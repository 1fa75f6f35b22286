"""What a SyncServer partner can and cannot do to us (issue 12).

srv1 runs the seed's SyncServer configuration (198.18.0.0/23, pool
198.18.0.2-200); its partner at 198.18.1.1 is a fake: a small HTTP server
in srv2's namespace that serves /api/v1/changes from a JSON file the test
rewrites, so it can claim whatever a hostile or confused partner would.
Our own clients are dhcpkit.py exchanges (scapy) from a client namespace.
DNS questions are asked from the fake partner's namespace (on the served
network).  Everything stays in namespaces of the test, on 198.18.0.0/15.
"""

import json
import os
import subprocess
import time

import pytest

import nslib
import splitlib as S

PARTNER = S.SRV[2]
OUR_MAC = {1: "02:00:00:00:07:01", 2: "02:00:00:00:07:02"}

FAKE = r'''
import json, sys, http.server
from urllib.parse import urlparse, parse_qs
path = sys.argv[1]

class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        u = urlparse(self.path)
        if u.path != "/api/v1/changes":
            self.send_error(404)
            return
        q = parse_qs(u.query)
        since = int(q.get("since", ["0"])[0])
        limit = int(q.get("limit", ["1000"])[0])
        with open(path) as f:
            feed = json.load(f)
        after = sorted((l for l in feed["leases"] if l["seq"] > since), key=lambda l: l["seq"])
        page = after[:limit]
        seq = max([l["seq"] for l in feed["leases"]] + [0])
        body = json.dumps({"epoch": feed["epoch"], "seq": seq,
                           "next": page[-1]["seq"] if page else since,
                           "more": len(after) > len(page), "leases": page}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *a):
        pass

http.server.ThreadingHTTPServer((sys.argv[2], 80), H).serve_forever()
'''


class FakePartner:
    """The partner's change feed, as a file its server reads per request."""

    def __init__(self, ns, tmp_path):
        self.path = str(tmp_path / "feed.json")
        self.epoch = 7
        self.seq = 0
        self.leases = {}
        self.write()
        self.proc = subprocess.Popen(nslib.nsexec(ns) + [S.PYTHON, "-c", FAKE, self.path,
                                                         PARTNER],
                                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, text=True)
        nslib.wait_until(lambda: S.tcp_listening(ns, 80), 10, what="fake partner on tcp/80")

    def claim(self, addr, hostname, start=None, state="active", octet=None):
        now = int(time.time())
        self.seq += 1
        mac = "02:00:00:00:09:%02x" % ((octet or int(addr.split(".")[-1])) & 255)
        self.leases[addr] = {
            "addr": addr, "state": state, "htype": 1, "mac": mac, "client_id": None,
            "hostname": hostname, "start": start or now, "end": now + 3600,
            "cltt": now, "tstp": now + 3600, "tsfp": 0, "origin": "own", "seq": self.seq}

    def restart_epoch(self):
        """A new epoch: the daemon reads the whole feed again."""
        self.epoch += 1
        self.write()

    def write(self):
        tmp = self.path + ".tmp"
        with open(tmp, "w") as f:
            json.dump({"epoch": self.epoch, "leases": list(self.leases.values())}, f)
        os.replace(tmp, self.path)

    def stop(self):
        if self.proc.poll() is None:
            nslib.stop_pid(self.proc.pid, term_timeout=3, proc=self.proc)


@pytest.fixture
def partner_pair(make_topo, duod, tmp_path):
    pair = S.split_pair(make_topo, duod, tmp_path, clients=(1,), start=())
    fake = FakePartner(pair.ns[2], tmp_path)
    yield pair, fake
    fake.stop()


def status(pair):
    return pair.api(1, "/api/v1/status")


def refused(pair):
    return status(pair)["sync"]["refused"]


def partner_leases(pair):
    return {l["addr"]: l for l in pair.leases(1, "origin=partner")}


def resolve(pair, fqdn):
    r = S.dig(pair.ns[2], S.SRV[1], fqdn, "A")
    return [x[3] for x in r["answer"] if x[2] == "A"], r


def dora(kit, pair, n, hostname):
    r = kit(pair.topo.clients[1], "dora", "--mac", OUR_MAC[n], "--hostname", hostname)
    assert r["ack"] and r["ack"]["type"] == "ack", r
    return r["ack"]["yiaddr"]


def renew(kit, pair, n, addr, hostname):
    """REBINDING (broadcast, ciaddr set) with a hostname.  The ACK goes to
    ciaddr, which the scapy client has not configured, so the renewal is
    seen in the server's lease instead."""
    kit(pair.topo.clients[1], "request", "--mac", OUR_MAC[n], "--ciaddr", addr,
        "--hostname", hostname, timeout=1.0)
    nslib.wait_until(lambda: [l["hostname"] for l in pair.leases(1, "addr=" + addr)] ==
                     [hostname], 5, interval=0.2, what="%s renewed as %s" % (addr, hostname))


@pytest.mark.netns
def test_partner_is_confined_and_cannot_take_names(partner_pair, kit):
    """A partner's feed claiming our IPBIND, 8.8.8.8, an address of our
    pool, the network's broadcast address: refused and counted, never in
    our table or our DNS.  A claim with an older start does not take the
    name of our client, and our client renewing with another client's
    hostname does not take it either.  A lease of the shared subnet
    outside our pool is kept, answered, and removable with DELETE."""
    pair, fake = partner_pair
    pair.start(1, lease_time=3600)
    pair.wait_sync_ok(1)

    # Our clients: bravo first, then alpha (a later binding).
    b_addr = dora(kit, pair, 2, "bravo")
    time.sleep(1.1)
    a_addr = dora(kit, pair, 1, "alpha")
    assert S.in_pool(a_addr, 1) and S.in_pool(b_addr, 1)

    old = int(time.time()) - 100000
    fake.claim(S.SRV[1], "gateway", start=old)		# our IPBIND
    fake.claim("8.8.8.8", "google", start=old)		# the internet
    fake.claim("198.18.0.150", "pooled", start=old)	# a free address of our pool
    fake.claim("198.18.1.255", "bcast", start=old)	# the /23's broadcast
    fake.claim("198.18.1.11", "alpha", start=old)	# our client's name, "older"
    fake.claim("198.18.1.10", "partnerpc")		# a real partner lease
    fake.write()
    pair.wait_partner_lease(1, "198.18.1.10")
    pair.wait_partner_lease(1, "198.18.1.11")
    held = partner_leases(pair)
    assert set(held) == {"198.18.1.10", "198.18.1.11"}, held
    for addr in (S.SRV[1], "8.8.8.8", "198.18.0.150", "198.18.1.255"):
        assert not pair.leases(1, "addr=" + addr), addr
    r = refused(pair)
    assert r["our_address"] >= 1 and r["off_link"] >= 1 and r["our_pool"] >= 1, r
    assert r["network_or_broadcast"] >= 1, r
    m = pair.metrics(1)
    assert S.metric(m, "duodhcp_sync_refused_total", reason="our_pool") >= 1

    for fqdn in ("gateway.lan", "google.lan", "pooled.lan", "bcast.lan"):
        a, rep = resolve(pair, fqdn)
        assert rep["status"] == "NXDOMAIN" and not a, rep["text"]
    assert resolve(pair, "partnerpc.lan")[0] == ["198.18.1.10"]
    # Our client keeps its name against the partner's older claim.
    assert resolve(pair, "alpha.lan")[0] == [a_addr]
    assert resolve(pair, "alpha-11.lan")[0] == ["198.18.1.11"]

    # bravo (the earlier binding) renews calling itself alpha: alpha stays.
    renew(kit, pair, 2, b_addr, "alpha")
    octet = b_addr.split(".")[-1]
    nslib.wait_until(lambda: resolve(pair, "alpha-%s.lan" % octet)[0] == [b_addr], 5,
                     interval=0.3, what="bravo renamed alpha-%s" % octet)
    assert resolve(pair, "alpha.lan")[0] == [a_addr]
    # alpha renewing keeps its name (its binding of it is still the earliest).
    renew(kit, pair, 1, a_addr, "alpha")
    time.sleep(0.5)
    assert resolve(pair, "alpha.lan")[0] == [a_addr]

    # A partner's lease is removable: DELETE frees it, no 409.
    rep = S.http(pair.ns[1], pair.url(1, "/api/v1/leases/198.18.1.10"), method="DELETE",
                 headers={"Authorization": "Bearer " + S.TOKEN})
    assert rep["status"] == 200, rep
    assert "198.18.1.10" not in partner_leases(pair)
    a, rep = resolve(pair, "partnerpc.lan")
    assert not a, rep["text"]


@pytest.mark.netns
def test_partner_bounded_in_number_rate_and_journal(partner_pair):
    """SyncMaxLeases=40 and SyncRate=10: of 60 claims 40 are kept, not at
    once but about 10 a second, and 20 are refused as over the limit; a
    full resync that re-sends them all unchanged writes no journal."""
    pair, fake = partner_pair
    pair.start(1, extra_duodhcp=("SyncMaxLeases=40", "SyncRate=10"))
    pair.wait_sync_ok(1)
    for i in range(60):
        fake.claim("198.18.1.%d" % (10 + i), "p%d" % i)
    fake.write()
    t0 = time.monotonic()
    seen = []
    deadline = t0 + 20
    while time.monotonic() < deadline:
        n = status(pair)["sync"]["leases"]
        seen.append((round(time.monotonic() - t0, 1), n))
        if n >= 40:
            break
        time.sleep(0.3)
    print("active partner leases over time:", seen)
    assert seen[-1][1] == 40, seen
    assert any(0 < n < 40 for _t, n in seen), seen	# paced, not all at once
    assert seen[-1][0] >= 2.0, seen			# 10 + 10/s: three seconds
    nslib.wait_until(lambda: refused(pair)["limit"] >= 20, 5, interval=0.3,
                     what="20 refused over SyncMaxLeases")
    time.sleep(1.5)
    assert refused(pair)["limit"] == 20
    assert status(pair)["sync"]["leases"] == 40

    before = status(pair)["journal"]["bytes"]
    resyncs = status(pair)["sync"]["full_resyncs"]
    fake.restart_epoch()
    nslib.wait_until(lambda: status(pair)["sync"]["full_resyncs"] > resyncs, 10,
                     interval=0.3, what="a full resync")
    time.sleep(3)	# the whole feed read again, at 1,024 a turn
    assert status(pair)["sync"]["leases"] == 40
    assert status(pair)["journal"]["bytes"] == before


@pytest.mark.netns
def test_restart_frees_partner_leases_we_cannot_keep(partner_pair, kit):
    """A range that moved from the partner to us: after a restart with our
    pool grown over the partner's leases, those are freed (journalled and
    logged) and handed out by us.  A restart without SyncServer frees every
    partner lease."""
    pair, fake = partner_pair
    d = pair.start(1, lease_time=3600)
    pair.wait_sync_ok(1)
    fake.claim("198.18.0.230", "moved")
    fake.claim("198.18.1.40", "kept")
    fake.write()
    pair.wait_partner_lease(1, "198.18.0.230")
    pair.wait_partner_lease(1, "198.18.1.40")

    # The range 198.18.0.201-254 moves to us; the partner has not yet
    # forgotten its lease there.
    text = open(d.config).read().replace("IPPOOL_1=198.18.0.2-200", "IPPOOL_1=198.18.0.2-254")
    assert "198.18.0.2-254" in text
    d.write_config(text)
    d.restart()
    pair.wait_ready(1)
    held = partner_leases(pair)
    assert "198.18.0.230" not in held and "198.18.1.40" in held, held
    assert "partner lease(s) freed (1 in our pools)" in d.log()
    nslib.wait_until(lambda: refused(pair)["our_pool"] >= 1, 10, interval=0.3,
                     what="the partner's claim in our pool refused")
    # The address is ours again: a client asking for it gets it.
    r = kit(pair.topo.clients[1], "dora", "--mac", OUR_MAC[1], "--requested",
            "198.18.0.230")
    assert r["ack"] and r["ack"]["yiaddr"] == "198.18.0.230", r

    # Without SyncServer nothing of the partner's is kept.
    fake.stop()
    d.write_config("\n".join(l for l in text.splitlines()
                             if not l.startswith("SyncServer=")) + "\n")
    d.restart()
    pair.wait_ready(1)
    assert partner_leases(pair) == {}
    assert "SyncServer is not configured" in d.log()
    a, rep = resolve(pair, "kept.lan")
    assert not a, rep["text"]
