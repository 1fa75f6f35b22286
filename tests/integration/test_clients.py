"""Real DHCP clients get, renew and release a lease from duodhcpd."""

import time

import pytest

from daemon import end_value
from nslib import wait_until

POOL = ["198.18.0.%d" % i for i in range(10, 51)]


def _hw(index):
    return "02:00:00:00:00:%02x" % index


def _check_active(d, addr, index):
    lease = d.wait_lease(lambda l: l["addr"] == addr and l["state"] == "active",
                         what="active lease for %s in -L" % addr)
    assert lease["hw"] == _hw(index), lease["line"]
    return lease


def _check_renewed(d, addr, before):
    """The lease is still active for the same client and did not get shorter
    (a server may answer a young lease's renewal with the same end time)."""
    b = end_value(before["end"])
    lease = d.wait_lease(lambda l: l["addr"] == addr and l["state"] == "active",
                         what="lease %s still active after renewal" % addr)
    assert lease["hw"] == before["hw"], lease["line"]
    a = end_value(lease["end"])
    if a is not None and b is not None:
        assert a >= b, "lease end went back: %s -> %s" % (before["end"], lease["end"])
    return lease


def _check_released(d, addr):
    d.wait_lease(lambda l: l["addr"] == addr and l["state"] != "active",
                 what="lease %s no longer active after release" % addr)


@pytest.mark.netns
def test_dhclient_obtain_renew_release(make_topo, duod, client):
    topo = make_topo(clients=(1,))
    d = duod(topo)
    c = client("dhclient", topo, 1)
    ev = c.obtain()
    addr = ev["env"]["new_ip_address"]
    assert addr in POOL
    assert ev["env"].get("new_subnet_mask") == "255.255.255.0"
    assert ev["env"].get("new_routers") == "198.18.0.1"
    assert ev["env"].get("new_domain_name_servers") == "198.18.0.1"
    assert ev["env"].get("new_dhcp_server_identifier") == "198.18.0.1"
    assert c.address() == addr
    before = _check_active(d, addr, 1)

    time.sleep(1.1)		# so that a renewed lease ends later
    ev = c.renew()
    assert ev["env"]["new_ip_address"] == addr
    assert c.address() == addr
    _check_renewed(d, addr, before)

    c.release()
    assert c.address() is None
    _check_released(d, addr)


@pytest.mark.netns
def test_udhcpc_obtain_renew_release(make_topo, duod, client):
    topo = make_topo(clients=(2,))
    d = duod(topo)
    c = client("udhcpc", topo, 2)
    ev = c.start()
    addr = ev["env"]["ip"]
    assert addr in POOL
    assert ev["env"].get("serverid") == "198.18.0.1"
    assert ev["env"].get("router") == "198.18.0.1"
    assert ev["env"].get("mask") == "24"
    assert c.address() == addr
    before = _check_active(d, addr, 2)

    time.sleep(1.1)
    ev = c.renew()		# SIGUSR1: a unicast RENEWING request
    assert ev["reason"] == "renew", c.reasons()
    assert ev["env"]["ip"] == addr
    _check_renewed(d, addr, before)

    c.release()		# SIGUSR2: DHCPRELEASE, then deconfig
    assert c.address() is None
    _check_released(d, addr)
    c.stop()


@pytest.mark.netns
def test_udhcpc_oneshot(make_topo, duod, client):
    """udhcpc -n -q, the way scripts use it: one lease, then exit."""
    topo = make_topo(clients=(6,))
    d = duod(topo)
    c = client("udhcpc", topo, 6)
    ev = c.obtain_once()
    assert ev["env"]["ip"] in POOL
    _check_active(d, ev["env"]["ip"], 6)


@pytest.mark.netns
def test_dhcpcd_obtain_renew_release(make_topo, duod, client):
    topo = make_topo(clients=(3,))
    d = duod(topo)
    c = client("dhcpcd", topo, 3)
    ev = c.start()
    addr = ev["env"]["new_ip_address"]
    assert addr in POOL
    assert ev["env"].get("new_routers") == "198.18.0.1"
    assert ev["env"].get("new_dhcp_server_identifier") == "198.18.0.1"
    wait_until(lambda: c.address() == addr, 10, what="dhcpcd address on eth0")
    before = _check_active(d, addr, 3)

    time.sleep(1.1)
    ev = c.renew()		# dhcpcd -n
    assert ev["env"]["new_ip_address"] == addr
    _check_renewed(d, addr, before)

    c.release()		# dhcpcd -k
    wait_until(lambda: c.address() is None, 10, what="dhcpcd removed the address")
    _check_released(d, addr)
    c.stop()


@pytest.mark.netns
def test_three_clients_distinct_addresses(make_topo, duod, client):
    topo = make_topo(clients=(1, 2, 3))
    d = duod(topo)
    a = client("dhclient", topo, 1).obtain()["env"]["new_ip_address"]
    b = client("udhcpc", topo, 2).start()["env"]["ip"]
    c = client("dhcpcd", topo, 3).start()["env"]["new_ip_address"]
    assert len({a, b, c}) == 3, (a, b, c)
    active = {l["addr"]: l["hw"] for l in d.leases() if l["state"] == "active"}
    assert active.get(a) == _hw(1) and active.get(b) == _hw(2) and \
        active.get(c) == _hw(3), active
