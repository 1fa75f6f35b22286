"""[DUODHCP] ConflictProbe=1: an address never handed out before is pinged
before it is offered (RFC 2131 section 2.2); one that answers is abandoned
for DeclineTime and not offered."""

import re

import pytest

import nslib
from nslib import SERVER_ADDR, client_mac

POOL = ["198.18.0.%d" % i for i in range(10, 51)]
SQUATTED = POOL[0]		# the first address the pool would hand out
PROBE_MS = 300
PROBE_CFG = "ConflictProbe=1\nProbeTimeoutMs=%d" % PROBE_MS


def add_squatter(topo):
    """A host on the LAN that holds SQUATTED statically, and answers ping."""
    ns = topo.add_host("sq", SQUATTED + "/24", mac="02:00:00:00:03:01")
    topo.wait_links()
    res = nslib.run(nslib.nsexec(topo.server) + ["ping", "-c", "1", "-W", "2", SQUATTED],
                    check=False, timeout=15)
    assert res.returncode == 0, "the squatter does not answer ping:\n" + res.stdout
    return ns


def check_conflict_recorded(d):
    log = d.log()
    assert re.search(r"conflict: %s\b" % re.escape(SQUATTED), log), \
        "no conflict for %s in the log" % SQUATTED
    d.wait_lease(lambda l: l["addr"] == SQUATTED and l["state"] == "abandoned",
                 what="%s abandoned in -L" % SQUATTED)


@pytest.mark.netns
def test_probe_conflict_real_client(make_topo, duod, client):
    """udhcpc (which retransmits DISCOVER on its own) ends up with another
    address than the squatted one."""
    topo = make_topo(clients=(1,))
    add_squatter(topo)
    d = duod(topo, extra_duodhcp=PROBE_CFG)
    ev = client("udhcpc", topo, 1).start(timeout=40)
    addr = ev["env"]["ip"]
    assert addr in POOL and addr != SQUATTED, addr
    assert ev["env"].get("serverid") == SERVER_ADDR, ev["env"]
    check_conflict_recorded(d)
    lease = d.wait_lease(lambda l: l["addr"] == addr and l["state"] == "active",
                         what="active lease %s" % addr)
    assert lease["hw"] == client_mac(1), lease["line"]
    assert d.alive()


@pytest.mark.netns
def test_probe_conflict_never_offered(make_topo, duod, kit):
    """At packet level: no OFFER ever carries the squatted address; the
    client's next DISCOVER gets another one, which it is granted."""
    topo = make_topo(clients=(1,))
    add_squatter(topo)
    d = duod(topo, extra_duodhcp=PROBE_CFG)
    ns = topo.clients[1]
    offers, ack = [], None
    for _ in range(4):		# the probed DISCOVER gets no answer at all
        r = kit(ns, "dora", timeout=3)
        if r["offer"]:
            offers.append(r["offer"]["yiaddr"])
        if r["ack"] and r["ack"]["type"] == "ack":
            ack = r["ack"]
            break
    assert SQUATTED not in offers, offers
    assert ack is not None, "no lease after 4 DORAs; offers %s" % offers
    assert ack["yiaddr"] in POOL and ack["yiaddr"] != SQUATTED, ack
    check_conflict_recorded(d)
    # Still abandoned for the next client too.
    r = kit(ns, "dora", "--mac", "02:00:00:00:21:01", timeout=3)
    assert r["offer"] is None or r["offer"]["yiaddr"] != SQUATTED, r
    assert d.alive()


@pytest.mark.netns
def test_probe_without_conflict_offers_first_address(make_topo, duod, kit):
    """Nothing answers: the first pool address is offered, after the probe
    timeout (checked loosely: at least most of ProbeTimeoutMs)."""
    topo = make_topo(clients=(1,))
    d = duod(topo, extra_duodhcp=PROBE_CFG)
    ns = topo.clients[1]
    r = kit(ns, "discover", timeout=5)
    offer = r["reply"]
    assert offer is not None and offer["type"] == "offer", r
    assert offer["yiaddr"] == SQUATTED, offer
    assert r["rtt"] is not None and r["rtt"] >= 0.8 * PROBE_MS / 1000.0, \
        "offer after %.3fs, before the %d ms probe timeout" % (r["rtt"], PROBE_MS)
    ack = kit(ns, "dora")["ack"]
    assert ack and ack["type"] == "ack" and ack["yiaddr"] == SQUATTED, ack
    assert not re.search(r"\bconflict: ", d.log()), "a conflict without a squatter"
    assert d.alive()
