"""Split scope, the DHCP Server for Windows way (issue 4): two duodhcpd with
the seed's SyncServer pair on one /23, real clients on both ranges, no NAK
wars, and failover when one server dies.  See splitlib.py for the topology.
"""

import re
import time

import pytest

import nslib
import splitlib as S


def _nak_free(pair, n):
    """Server n sent no NAK: its metrics and its log agree."""
    m = pair.metrics(n)
    assert S.metric(m, "duodhcp_replies_sent_total", type="nak") == 0, \
        "srv%d sent NAKs" % n
    naks = [l for l in pair.d[n].log().splitlines() if re.search(r": NAK ", l)]
    assert not naks, "srv%d logged NAKs:\n%s" % (n, "\n".join(naks))


def _replies(packets, xid):
    return [p for p in packets if p["op"] == 2 and p["xid"] == xid]


def _init_reboot_seen_by_both(pair, kit, ns, mac, addr, owner, client_id=False):
    """A scapy INIT-REBOOT (option 50, no server id, no ciaddr, broadcast)
    for addr, from the client that holds it: the owner ACKs, the partner
    stays silent (no NAK), as the sniffer on the link sees it."""
    other = 3 - owner
    before = {n: pair.metrics(n) for n in (1, 2)}
    sniff = S.Sniffer(ns, 5)
    try:
        args = ["--mac", mac, "--requested", addr]
        if client_id:
            args += ["--client-id", mac]
        r = kit(ns, "request", *args, timeout=3)["reply"]
        packets = sniff.result()
    finally:
        sniff.stop()
    assert r is not None, "the owner srv%d did not answer the INIT-REBOOT for %s" % (
        owner, addr)
    assert r["type"] == "ack" and r["yiaddr"] == addr, r
    assert r["options"].get("server_id") == S.SRV[owner], r
    replies = _replies(packets, r["xid"])
    assert [(p["type"], p["ip_src"]) for p in replies] == [("ack", S.SRV[owner])], \
        "replies on the link to the INIT-REBOOT for %s: %s" % (addr, replies)
    after = {n: pair.metrics(n) for n in (1, 2)}

    def delta(n, name, **labels):
        return (S.metric(after[n], name, **labels) -
                S.metric(before[n], name, **labels))
    assert delta(other, "duodhcp_replies_sent_total", type="nak") == 0
    assert delta(other, "duodhcp_replies_sent_total", type="ack") == 0
    assert delta(other, "duodhcp_dropped_total", reason="not_ours") == 1, \
        "srv%d did not count its silence as not_ours" % other
    assert delta(owner, "duodhcp_replies_sent_total", type="ack") == 1


@pytest.mark.netns
def test_split_scope_both_ranges_no_nak_war(make_topo, duod, client, kit, tmp_path):
    """Both servers of the seed's SyncServer pair run on one link.  Real
    clients get addresses from either range (two pinned, one free to take
    the first offer); rebooting clients (INIT-REBOOT, broadcast, so both
    servers see it) are ACKed by the owner and ignored by the partner; no
    server ever sends a NAK."""
    pair = S.split_pair(make_topo, duod, tmp_path, clients=(1, 2, 3, 4, 9))
    topo = pair.topo
    for n in (1, 2):
        pair.wait_sync_ok(n)

    c1 = client("dhclient", topo, 1, hostname="alpha")
    S.pin(c1, avoid=2)
    c2 = client("dhcpcd", topo, 2, hostname="bravo")
    S.pin(c2, avoid=1)
    c3 = client("udhcpc", topo, 3, hostname="charlie")
    c4 = client("dhclient", topo, 4, hostname="delta")
    S.pin(c4, avoid=1)

    got = {}
    for c, start in ((c1, c1.obtain), (c2, c2.start), (c3, c3.start), (c4, c4.obtain)):
        ev = start()
        got[c.index] = (S.event_addr(ev), S.event_server(ev))
        assert c.address() == got[c.index][0], (c.name, ev)
    assert S.in_pool(got[1][0], 1) and got[1][1] == S.SRV[1], got
    assert S.in_pool(got[2][0], 2) and got[2][1] == S.SRV[2], got
    assert S.in_pool(got[4][0], 2) and got[4][1] == S.SRV[2], got
    owner3 = S.owner(got[3][0])
    assert owner3 and got[3][1] == S.SRV[owner3], got

    # Each lease is the owner's own and, within a bounded wait, the
    # partner's copy.
    for i, (addr, _sid) in got.items():
        n = S.owner(addr)
        own = pair.leases(n, "origin=own&addr=" + addr)
        assert [l["state"] for l in own] == ["active"], own
        assert own[0]["mac"] == nslib.client_mac(i)
        pair.wait_partner_lease(3 - n, addr)

    # Real clients reboot: dhclient restarted with its lease file sends an
    # INIT-REBOOT by broadcast.  The owner ACKs the same address; the
    # partner, which holds the lease as the partner's, stays silent.
    for c, owner in ((c1, 1), (c4, 2)):
        other = 3 - owner
        before = pair.metrics(other)
        ev = c.renew()
        assert ev["reason"] == "REBOOT", (c.index, ev)
        assert S.event_addr(ev) == got[c.index][0], ev
        assert S.event_server(ev) == S.SRV[owner], ev
        after = pair.metrics(other)
        for t in ("nak", "ack"):
            assert S.metric(after, "duodhcp_replies_sent_total", type=t) == S.metric(
                before, "duodhcp_replies_sent_total", type=t), \
                "srv%d answered c%d's INIT-REBOOT for srv%d's address with %s" % (
                    other, c.index, owner, t.upper())
        assert S.metric(after, "duodhcp_dropped_total", reason="not_ours") > S.metric(
            before, "duodhcp_dropped_total", reason="not_ours"), \
            "srv%d did not see c%d's INIT-REBOOT" % (other, c.index)
        silent = re.compile(r"hw=%s .*silent to %s: no record of %s\b" % (
            re.escape(nslib.client_mac(c.index)), re.escape(nslib.client_mac(c.index)),
            re.escape(got[c.index][0])))
        assert silent.search(pair.d[other].log()), \
            "srv%d's log does not show it staying silent for c%d" % (other, c.index)
    c2.renew()		# dhcpcd -n: its way of asking again
    c3.renew()		# udhcpc SIGUSR1
    assert S.event_addr(c2.events()[-1]) == got[2][0]
    assert c3.address() == got[3][0]

    # Hand-made INIT-REBOOTs in both directions, watched on the link.
    ns9 = topo.clients[9]
    _init_reboot_seen_by_both(pair, kit, ns9, nslib.client_mac(1), got[1][0], owner=1)
    _init_reboot_seen_by_both(pair, kit, ns9, nslib.client_mac(2), got[2][0], owner=2,
                              client_id=True)

    for n in (1, 2):
        _nak_free(pair, n)
    # A wrong-network address is still NAKed (RFC 2131 4.3.2), by both.
    r = kit(ns9, "request", "--mac", "02:00:00:00:40:09", "--requested", "198.18.9.9")
    assert r["reply"] is not None and r["reply"]["type"] == "nak", r


@pytest.mark.netns
def test_failover_and_sync_resumes(make_topo, duod, client, kit, tmp_path):
    """Short leases (LEASETIME=20).  srv1 serves four clients alone, then
    srv2 starts and syncs.  srv1 is SIGKILLed: a rebooting client (scapy
    INIT-REBOOT for its srv1 address) meets silence from srv2, then DISCOVER
    gets srv2's OFFER; a restarted dhclient moves to srv2 the same way;
    running udhcpc and dhcpcd move at rebinding/expiry.  srv2's DNS follows
    them.  srv1 restarts: srv2's sync is "ok" again and holds srv1's leases,
    and a new srv1 lease reaches srv2."""
    lease = 20
    pair = S.split_pair(make_topo, duod, tmp_path, clients=(1, 2, 3, 5, 9),
                        start=(1,), lease_time=lease)
    topo = pair.topo
    ns9, mac9 = topo.clients[9], "02:00:00:00:40:01"

    c1 = client("udhcpc", topo, 1, hostname="uno")
    c2 = client("dhcpcd", topo, 2, hostname="dos")
    c3 = client("dhclient", topo, 3, hostname="tres")
    first = {1: S.event_addr(c1.start()), 2: S.event_addr(c2.start()),
             3: S.event_addr(c3.obtain())}
    r = kit(ns9, "dora", "--mac", mac9)
    assert r["ack"] and r["ack"]["type"] == "ack", r
    first[9] = r["ack"]["yiaddr"]
    assert all(S.in_pool(a, 1) for a in first.values()), first

    pair.start(2, lease_time=lease)
    for addr in first.values():
        pair.wait_partner_lease(2, addr, timeout=10)
    pair.wait_sync_ok(1, timeout=35)	# srv1 backed off while srv2 was not there

    pair.d[1].kill()
    killed = time.monotonic()

    # The rebooting client: INIT-REBOOT for its srv1 address gets silence
    # from srv2 (it holds that lease only as the partner's), then DISCOVER
    # gets an OFFER from srv2's own range.
    before = S.metric(pair.metrics(2), "duodhcp_dropped_total", reason="not_ours")
    r = kit(ns9, "request", "--mac", mac9, "--requested", first[9], timeout=3)
    assert r["reply"] is None, "srv2 answered an INIT-REBOOT for srv1's %s: %s" % (
        first[9], r["reply"])
    after = S.metric(pair.metrics(2), "duodhcp_dropped_total", reason="not_ours")
    assert after == before + 1, (before, after)
    r = kit(ns9, "discover", "--mac", mac9)["reply"]
    assert r is not None and r["type"] == "offer", r
    assert S.in_pool(r["yiaddr"], 2) and r["options"].get("server_id") == S.SRV[2], r

    # A real client reboots while srv1 is down: dhclient restarted with its
    # srv1 lease tries INIT-REBOOT, gets silence, DISCOVERs, binds to srv2.
    ev = c3.renew(timeout=40)
    assert ev["reason"] == "BOUND", ev
    assert S.in_pool(S.event_addr(ev), 2) and S.event_server(ev) == S.SRV[2], ev
    assert re.search(r"hw=02:00:00:00:00:03 .*silent to 02:00:00:00:00:03: no record "
                     r"of %s\b" % re.escape(first[3]), pair.d[2].log()), \
        "srv2's log shows no silent INIT-REBOOT from dhclient c3 for %s" % first[3]

    # Running clients move at rebinding or expiry (at most a lease time
    # after their last renewal with srv1, plus a DISCOVER).
    def moved(c):
        return (lambda: S.in_pool(c.address(), 2) and c.address())
    now = {3: S.event_addr(ev)}
    for c in (c1, c2):
        now[c.index] = nslib.wait_until(moved(c), lease + 25, interval=0.5,
                                        what="%s c%d on srv2's range" % (c.name, c.index))
        print("%s c%d: %s -> %s after %.1f s; events %s" % (
            c.name, c.index, first[c.index], now[c.index], time.monotonic() - killed,
            c.reasons()))
    # The survivor's DNS names the moved clients at their new addresses,
    # with a TTL no longer than the lease.
    for i, name in ((1, "uno"), (2, "dos"), (3, "tres")):
        a, p = S.wait_resolves(topo.clients[3], S.SRV[2], "%s.%s" % (name, S.DOMAIN),
                               now[i])
        assert all(0 < r[1] <= lease for r in a["answer"] + p["answer"]), a["text"]
    st = pair.api(2, "/api/v1/status")["sync"]
    assert st["state"] == "error" and st["last_error"], st
    assert S.metric(pair.metrics(2), "duodhcp_sync_up") == 0

    # srv1 comes back: srv2 resyncs (srv1's epoch is new) within its
    # backoff (at most 30 s), and srv1 pulls srv2's leases.
    resyncs = pair.api(2, "/api/v1/status")["sync"]["full_resyncs"]
    pair.restart(1)
    restarted = time.monotonic()
    pair.wait_sync_ok(1, timeout=10)
    pair.wait_sync_ok(2, timeout=40)
    print("srv2's sync ok %.1f s after srv1's restart" % (time.monotonic() - restarted))
    s1 = pair.api(1, "/api/v1/status")
    st = pair.api(2, "/api/v1/status")["sync"]
    assert st["partner_epoch"] == s1["epoch"], (st, s1["epoch"])
    assert st["full_resyncs"] > resyncs, st
    own1 = {l["addr"]: l["state"] for l in pair.leases(1, "origin=own")
            if l["seq"] > 0}
    part2 = {l["addr"]: l["state"] for l in pair.leases(2, "origin=partner")}
    assert {a: own1[a] for a in first.values()} == {a: part2.get(a) for a in first.values()}
    for i in (1, 2, 3):
        pair.wait_partner_lease(1, now[i], timeout=5)
        S.wait_resolves(topo.clients[3], S.SRV[1], "%s.%s" % (
            {1: "uno", 2: "dos", 3: "tres"}[i], S.DOMAIN), now[i])

    # A new lease on the restarted srv1 reaches srv2 (the incremental feed).
    c5 = client("dhclient", topo, 5, hostname="cinco")
    S.pin(c5, avoid=2)
    a5 = S.event_addr(c5.obtain())
    assert S.in_pool(a5, 1), a5
    pair.wait_partner_lease(2, a5, timeout=5)
    S.wait_resolves(topo.clients[3], S.SRV[2], "cinco." + S.DOMAIN, a5)
    for n in (1, 2):
        _nak_free(pair, n)
