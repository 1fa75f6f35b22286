"""Restart and reload: leases survive a restart, SIGHUP applies a new config."""

import os
import signal
import time

import pytest

from daemon import make_config
from nslib import wait_until

POOL = ["198.18.0.%d" % i for i in range(10, 51)]


@pytest.mark.netns
def test_restart_keeps_leases(make_topo, duod, client):
    topo = make_topo(clients=(1, 2, 3))
    d = duod(topo)
    c1 = client("dhclient", topo, 1)
    c2 = client("udhcpc", topo, 2)
    c3 = client("dhcpcd", topo, 3)
    a1 = c1.obtain()["env"]["new_ip_address"]
    a2 = c2.start()["env"]["ip"]
    a3 = c3.start()["env"]["new_ip_address"]
    assert len({a1, a2, a3}) == 3

    rc = d.restart()
    assert rc == 0, "duodhcpd exit status %s on SIGTERM" % rc
    active = {l["addr"]: l["hw"] for l in d.leases() if l["state"] == "active"}
    for addr, i in ((a1, 1), (a2, 2), (a3, 3)):
        assert active.get(addr) == "02:00:00:00:00:%02x" % i, active

    assert c1.renew()["env"]["new_ip_address"] == a1
    ev = c2.renew()
    assert ev["reason"] == "renew" and ev["env"]["ip"] == a2, c2.reasons()
    assert c3.renew()["env"]["new_ip_address"] == a3


@pytest.mark.netns
def test_restart_new_client_avoids_old_leases(make_topo, duod, kit):
    topo = make_topo(clients=(1, 2))
    d = duod(topo)
    r1 = kit(topo.clients[1], "dora")
    a1 = r1["ack"]["yiaddr"]
    d.restart()
    r2 = kit(topo.clients[2], "dora")
    assert r2["ack"] and r2["ack"]["type"] == "ack", r2
    assert r2["ack"]["yiaddr"] != a1


@pytest.mark.netns
def test_sighup_reload_adds_reservation(make_topo, duod, client, tmp_path):
    topo = make_topo(clients=(5,))
    d = duod(topo)
    d.write_config(make_config(
        journal=str(tmp_path / "server0" / "leases.journal"),
        reservations=[("02:00:00:00:00:05", "198.18.0.201", "after-hup")]))
    d.signal(signal.SIGHUP)
    time.sleep(1.0)
    assert d.alive()
    ev = client("dhclient", topo, 5).obtain()
    assert ev["env"]["new_ip_address"] == "198.18.0.201", ev["env"]
    assert ev["env"].get("new_host_name") == "after-hup"


@pytest.mark.netns
def test_sighup_with_broken_config_keeps_serving(make_topo, duod, kit):
    topo = make_topo(clients=(1,))
    d = duod(topo)
    d.write_config("[Settings]\nIPPOOL_1=not-a-range\n")
    d.signal(signal.SIGHUP)
    time.sleep(1.0)
    assert d.alive(), "a bad config on SIGHUP killed the daemon"
    r = kit(topo.clients[1], "dora")
    assert r["ack"] and r["ack"]["type"] == "ack" and r["ack"]["yiaddr"] in POOL, r


@pytest.mark.netns
def test_sigkill_keeps_acked_leases(make_topo, duod, kit):
    """An ACK goes out only after the lease is on stable storage (RFC 2131
    section 4.3.1), so a crash right after it loses nothing."""
    topo = make_topo(clients=(1, 2))
    d = duod(topo)
    acked = []
    for i, mac in enumerate(["02:00:00:00:10:01", "02:00:00:00:10:02",
                             "02:00:00:00:10:03"]):
        r = kit(topo.clients[1], "dora", "--mac", mac)
        assert r["ack"] and r["ack"]["type"] == "ack", r
        acked.append((r["ack"]["yiaddr"], mac))
    d.kill()
    d.start()
    active = {l["addr"]: l["hw"] for l in d.leases() if l["state"] == "active"}
    for addr, mac in acked:
        assert active.get(addr) == mac, "lost %s of %s after SIGKILL: %s" % (
            addr, mac, active)
    r = kit(topo.clients[2], "dora")
    assert r["ack"] and r["ack"]["yiaddr"] not in [a for a, _ in acked], r


@pytest.mark.netns
def test_commit_delay_holds_acks_not_offers(make_topo, duod, kit):
    """CommitDelayMs: an ACK waits up to the delay for others to share its
    fdatasync (an idle server waits it out), the OFFER does not wait, and
    the lease is on disk when the ACK arrives; SIGKILL right after loses
    nothing."""
    topo = make_topo(clients=(1,))
    d = duod(topo, extra_duodhcp="CommitDelayMs=1000")
    r = kit(topo.clients[1], "dora", timeout=6)
    assert r["ack"] and r["ack"]["type"] == "ack", r
    assert r["offer_rtt"] is not None and r["offer_rtt"] < 0.5, \
        "OFFER after %.3f s: held back with the ACKs" % r["offer_rtt"]
    assert r["ack_rtt"] is not None and r["ack_rtt"] >= 0.8, \
        "ACK after %.3f s, before the 1000 ms commit delay" % r["ack_rtt"]
    d.kill()
    lease = d.lease(r["ack"]["yiaddr"])
    assert lease and lease["state"] == "active", lease
    d.start()


@pytest.mark.netns
def test_pidfile_and_listing_while_running(make_topo, duod, kit):
    topo = make_topo(clients=(1,))
    d = duod(topo)
    wait_until(lambda: os.path.exists(d.pidfile), 5, what="pid file")
    with open(d.pidfile) as f:
        assert int(f.read().split()[0]) == d.proc.pid
    a = kit(topo.clients[1], "dora", "--mac", "02:00:00:00:11:01")["ack"]
    assert any(l["addr"] == a["yiaddr"] for l in d.leases())
    # -L did not disturb it: it still serves and still journals.
    b = kit(topo.clients[1], "dora", "--mac", "02:00:00:00:11:02")["ack"]
    assert b and b["type"] == "ack" and b["yiaddr"] != a["yiaddr"], b
    d.wait_lease(lambda l: l["addr"] == b["yiaddr"] and l["state"] == "active",
                 what="second lease in -L")
