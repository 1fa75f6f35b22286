"""SyncServer and the built-in DNS (issue 4): `dig` against either server of
the seed's split-scope pair resolves every client of both, forward and
reverse, over UDP and TCP; unknown names get NXDOMAIN, other names REFUSED
(or the FORWARD resolver's answer); and nobody outside the served networks
gets an answer.  See splitlib.py for the topology.
"""

import signal
import subprocess
import sys
import time

import pytest

import nslib
import splitlib as S


def _pair_and_outside_host(make_topo, duod, tmp_path):
    """The split pair (not started) and a host "out" on 198.19.0.0/24,
    outside the served networks, routed to srv1 through a second link of
    srv1's namespace."""
    pair = S.split_pair(make_topo, duod, tmp_path, clients=(1,), start=())
    topo = pair.topo
    out = topo.add_host("out", "198.19.0.2/24", bridge="br1", mac="02:00:00:00:03:01")
    topo.add_server_iface("eth1", "br1", "198.19.0.1/24", ns=pair.ns[1])
    topo.ip(out, "route", "add", "198.18.0.0/23", "via", "198.19.0.1")
    topo.wait_links()
    return pair, out


def _names(reply, rtype):
    return [r[3] for r in reply["answer"] if r[2] == rtype]


@pytest.mark.netns
def test_dns_both_servers_resolve_every_client(make_topo, duod, client, tmp_path):
    """Four real clients, on both ranges, sending hostnames (one that needs
    cleaning: Bravo_PC is bravo-pc).  Each name resolves on both servers,
    A and PTR, UDP and TCP, within a bounded wait after its lease (the
    partner learns it through the change feed); TTLs are bounded; a
    released lease drops out of both servers' answers."""
    pair = S.split_pair(make_topo, duod, tmp_path, clients=(1, 2, 3, 4))
    topo = pair.topo
    for n in (1, 2):
        pair.wait_sync_ok(n)
    c1 = client("dhclient", topo, 1, hostname="alpha")
    S.pin(c1, avoid=2)
    c2 = client("dhcpcd", topo, 2, hostname="Bravo_PC")
    S.pin(c2, avoid=1)
    c3 = client("udhcpc", topo, 3, hostname="charlie")
    c4 = client("dhclient", topo, 4, hostname="delta")
    S.pin(c4, avoid=1)

    ns = topo.clients[1]	# dig runs on a client of the served network
    clients = {}
    delays = {}
    for c, start, fqdn in ((c1, c1.obtain, "alpha.lan"), (c2, c2.start, "bravo-pc.lan"),
                           (c3, c3.start, "charlie.lan"), (c4, c4.obtain, "delta.lan")):
        addr = S.event_addr(start())
        t0 = time.monotonic()
        owner = S.owner(addr)
        assert owner, addr
        clients[fqdn] = (addr, owner, c)
        # The owner and the partner: the partner within a bounded poll.
        for n in (owner, 3 - owner):
            a, p = S.wait_resolves(ns, S.SRV[n], fqdn, addr, timeout=5)
            for r in (a, p):
                assert "aa" in r["flags"], r["text"]
                ttls = [x[1] for x in r["answer"]]
                assert ttls and all(0 < t <= 300 for t in ttls), r["text"]
            delays[(fqdn, n)] = round(time.monotonic() - t0, 2)
    print("seconds from BOUND to the name on each server:", delays)
    assert {o for _a, o, _c in clients.values()} == {1, 2}, clients

    # Every client on both servers, over TCP too; names are case-insensitive.
    for fqdn, (addr, _owner, _c) in clients.items():
        for n in (1, 2):
            a = S.dig(ns, S.SRV[n], fqdn, "A", tcp=True)
            assert a["status"] == "NOERROR" and _names(a, "A") == [addr], a["text"]
            p = S.dig(ns, S.SRV[n], addr, "PTR", tcp=True)
            assert p["status"] == "NOERROR" and _names(p, "PTR") == [fqdn], p["text"]
            u = S.dig(ns, S.SRV[n], fqdn.upper(), "A")
            assert u["status"] == "NOERROR" and _names(u, "A") == [addr], u["text"]

    for n in (1, 2):
        for tcp in (False, True):
            # Unknown names in the zone: NXDOMAIN with the zone's SOA.
            r = S.dig(ns, S.SRV[n], "nosuchhost.lan", tcp=tcp)
            assert r["status"] == "NXDOMAIN" and "aa" in r["flags"], r["text"]
            assert [x[2] for x in r["authority"]] == ["SOA"], r["text"]
            # An address of the subnet with no lease: NXDOMAIN for its PTR.
            r = S.dig(ns, S.SRV[n], "198.18.1.250", "PTR", tcp=tcp)
            assert r["status"] == "NXDOMAIN", r["text"]
            # Other names, no FORWARD: REFUSED, not an answer.
            r = S.dig(ns, S.SRV[n], "example.com", tcp=tcp)
            assert r["status"] == "REFUSED" and not r["answer"], r["text"]

    # A release is a lease change the partner pulls too: delta's name
    # leaves both servers.
    addr4, owner4, _c = clients["delta.lan"]
    c4.release()

    def gone():
        return all(S.dig(ns, S.SRV[n], "delta.lan")["status"] == "NXDOMAIN" and
                   S.dig(ns, S.SRV[n], addr4, "PTR")["status"] == "NXDOMAIN"
                   for n in (1, 2))
    nslib.wait_until(gone, 5, interval=0.2, what="delta.lan gone from both servers")
    part = pair.leases(3 - owner4, "addr=" + addr4)
    assert [l["state"] for l in part] == ["released"], part


@pytest.mark.netns
def test_dns_not_an_open_resolver(make_topo, duod, client, tmp_path):
    """A host on 198.19.0.0/24, routed to srv1 through a second link of
    srv1's namespace, reaches srv1 (its HTTP API answers) but gets no DNS
    answer, over UDP or TCP, for a known name, an unknown one or another
    domain.  The same queries from a client of the served /23 and from
    the server's own address are answered."""
    pair, out = _pair_and_outside_host(make_topo, duod, tmp_path)
    topo = pair.topo
    pair.start(1)
    c1 = client("dhclient", topo, 1, hostname="alpha")
    addr = S.event_addr(c1.obtain())
    assert S.in_pool(addr, 1), addr
    S.wait_resolves(topo.clients[1], S.SRV[1], "alpha.lan", addr)
    mine = S.dig(pair.ns[1], S.SRV[1], "alpha.lan")
    assert mine["status"] == "NOERROR" and _names(mine, "A") == [addr], mine["text"]

    r = S.http(out, pair.url(1, "/api/v1/status"))
    assert r["status"] == 200, "the outside host cannot reach srv1 at all: %s" % r
    for name, qtype in (("alpha.lan", "A"), (addr, "PTR"), ("nosuchhost.lan", "A"),
                        ("example.com", "A")):
        for tcp in (False, True):
            r = S.dig(out, S.SRV[1], name, qtype, tcp=tcp)
            assert r["status"] is None and not r["answer"], \
                "srv1 answered %s %s from outside (tcp=%s):\n%s" % (name, qtype, tcp,
                                                                   r["text"])
            assert r["rc"] != 0, r["text"]
    # Still answering its own network afterwards.
    S.wait_resolves(topo.clients[1], S.SRV[1], "alpha.lan", addr, timeout=2)


@pytest.mark.netns
def test_dns_forward(make_topo, duod, client, tmp_path):
    """FORWARD: srv2 (Domain lan) forwards names outside its zone to srv1,
    whose Domain is corp; srv1 forwards to an upstream that does not exist.
    Answers are relayed (NOERROR with the address, NXDOMAIN, and SERVFAIL
    once the upstream's 2 s are up); srv2's own zone is still its own."""
    pair = S.split_pair(make_topo, duod, tmp_path, clients=(1, 2), start=())
    pair.start(1, domain="corp", forward="198.18.1.250")	# nobody there
    pair.start(2, forward=S.SRV[1])
    topo = pair.topo
    c1 = client("dhclient", topo, 1, hostname="alpha")
    S.pin(c1, avoid=2)
    addr = S.event_addr(c1.obtain())
    assert S.in_pool(addr, 1), addr
    ns = topo.clients[1]
    S.wait_resolves(ns, S.SRV[1], "alpha.corp", addr)
    S.wait_resolves(ns, S.SRV[2], "alpha.lan", addr)	# synced, srv2's zone

    for tcp in (False, True):
        r = S.dig(ns, S.SRV[2], "alpha.corp", tcp=tcp)	# srv2 -> srv1
        assert r["status"] == "NOERROR" and _names(r, "A") == [addr], r["text"]
        r = S.dig(ns, S.SRV[2], "nosuchhost.corp", tcp=tcp)
        assert r["status"] == "NXDOMAIN", r["text"]
        r = S.dig(ns, S.SRV[2], "nosuchhost.lan", tcp=tcp)	# srv2's own zone
        assert r["status"] == "NXDOMAIN" and "aa" in r["flags"], r["text"]
    t0 = time.monotonic()
    r = S.dig(ns, S.SRV[1], "example.com", timeout=6)
    took = time.monotonic() - t0
    assert r["status"] == "SERVFAIL", r["text"]
    assert 1.0 <= took <= 5.5, "SERVFAIL after %.1f s, not after the 2 s upstream " \
        "timeout" % took


@pytest.mark.netns
def test_dns_reload_applies_networks_and_refuses_restart_keys(make_topo, duod, client,
                                                               tmp_path):
    """A SIGHUP applies the networks the DNS answers: a subnet added to the
    file is answered at once, and no more once removed again.  A change
    that takes a restart (EnableDNS here) is refused with the key named,
    and the old configuration stays in force."""
    pair, out = _pair_and_outside_host(make_topo, duod, tmp_path)
    topo = pair.topo
    d = pair.start(1)
    c1 = client("dhclient", topo, 1, hostname="alpha")
    addr = S.event_addr(c1.obtain())
    S.wait_resolves(topo.clients[1], S.SRV[1], "alpha.lan", addr)
    with open(d.config) as f:
        base = f.read()

    def reload(text):
        n = d.log().count("configuration reloaded") + d.log().count("new configuration refused")
        with open(d.config, "w") as f:
            f.write(text)
        d.signal(signal.SIGHUP)
        nslib.wait_until(lambda: d.log().count("configuration reloaded") +
                         d.log().count("new configuration refused") > n, 10,
                         what="the reload done")

    def answered_outside():
        r = S.dig(out, S.SRV[1], "alpha.lan")
        return r["status"] == "NOERROR" and _names(r, "A") == [addr]

    assert not answered_outside()
    reload(base + "\n[SUBNET:198.19.0.0/24]\nIPPOOL_1=198.19.0.100-198.19.0.200\n")
    assert "configuration reloaded" in d.log()
    assert answered_outside(), "the added network is not answered"
    reload(base)
    assert not answered_outside(), "the removed network is still answered"

    reload(base.replace("EnableDNS=1", "EnableDNS=0"))
    assert "[DNS-Settings] EnableDNS changed; that takes a restart" in d.log(), d.log()[-2000:]
    S.wait_resolves(topo.clients[1], S.SRV[1], "alpha.lan", addr, timeout=2)


# An upstream resolver that answers every A query with 150 addresses
# (2,400 bytes in one UDP datagram, more than any client's limit).  Runs in
# its own namespace on the servers' link; stopped by PID.
BIG_UPSTREAM = r"""
import socket, struct, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", 53))
s.settimeout(1.0)
end = time.monotonic() + 120
while time.monotonic() < end:
    try:
        q, peer = s.recvfrom(4096)
    except socket.timeout:
        continue
    i = 12
    while i < len(q) and q[i]:
        i += 1 + q[i]
    question = q[12:i + 5]
    rr = b"".join(b"\xc0\x0c" + struct.pack(">HHIH", 1, 1, 60, 4) +
                  bytes([198, 18, 9, i & 255]) for i in range(150))
    s.sendto(q[:2] + struct.pack(">HHHHH", 0x8180, 1, 150, 0, 0) + question + rr, peer)
"""


@pytest.mark.netns
def test_dns_forwarded_answer_too_big_for_udp(make_topo, duod, tmp_path):
    """An upstream answer of 2,400 bytes: read whole, and sent to a UDP
    client (512 bytes without EDNS, 1,232 with) cut to its question with
    TC set, so that dig asks again over TCP and gets all 150 records."""
    pair = S.split_pair(make_topo, duod, tmp_path, clients=(1,), start=())
    topo = pair.topo
    up = topo.add_host("up", "198.18.1.250/23", mac="02:00:00:00:03:02")
    topo.wait_links()
    proc = subprocess.Popen(nslib.nsexec(up) + [sys.executable, "-c", BIG_UPSTREAM],
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        nslib.wait_until(lambda: topo.udp_listening(up, 53), 10, what="the upstream on udp/53")
        pair.start(1, forward="198.18.1.250")
        ns = pair.ns[1]			# the server's own address asks
        for extra in (("+ignore", "+noedns"), ("+ignore", "+bufsize=4096")):
            r = S.dig(ns, S.SRV[1], "big.example", extra=extra)
            assert r["status"] == "NOERROR" and "tc" in r["flags"], r["text"]
            assert r["answer"] == [], r["text"]
        r = S.dig(ns, S.SRV[1], "big.example")		# TC: dig retries over TCP
        assert r["status"] == "NOERROR" and len(_names(r, "A")) == 150, r["text"]
        r = S.dig(ns, S.SRV[1], "big.example", tcp=True)
        assert r["status"] == "NOERROR" and len(_names(r, "A")) == 150, r["text"]
    finally:
        nslib.stop_pid(proc.pid, term_timeout=3, proc=proc)
