"""Clients behind ISC dhcrelay get addresses of the relayed subnet."""

import time

import pytest


RELAY_POOL = ["198.18.4.%d" % i for i in range(10, 51)]


@pytest.mark.netns
def test_dhclient_behind_relay(make_topo, duod, client, relay_agent):
    topo = make_topo(clients=(), relayed=(7,))
    d = duod(topo, relay=True)
    relay_agent(topo)
    c = client("dhclient", topo, 7)
    ev = c.obtain()
    env = ev["env"]
    addr = env["new_ip_address"]
    assert addr in RELAY_POOL, env
    assert env.get("new_routers") == "198.18.4.1", env
    assert env.get("new_subnet_mask") == "255.255.255.0", env
    assert env.get("new_dhcp_server_identifier") == "198.18.0.1", env
    lease = d.wait_lease(lambda l: l["addr"] == addr and l["state"] == "active",
                         what="active lease %s" % addr)
    assert lease["hw"] == "02:00:00:00:00:07", lease["line"]

    ev = c.renew()		# INIT-REBOOT through the relay
    assert ev["env"]["new_ip_address"] == addr
    c.release()		# unicast to the server, routed by the relay ns
    d.wait_lease(lambda l: l["addr"] == addr and l["state"] != "active",
                 what="lease %s released" % addr)


@pytest.mark.netns
def test_udhcpc_unicast_renew_behind_relay(make_topo, duod, client, relay_agent):
    """A RENEWING request goes straight to the server (RFC 2131 section
    4.4.5), not through the relay; the server must answer it to ciaddr."""
    topo = make_topo(clients=(), relayed=(8,))
    d = duod(topo, relay=True)
    relay_agent(topo)
    c = client("udhcpc", topo, 8)
    ev = c.start()
    addr = ev["env"]["ip"]
    assert addr in RELAY_POOL, ev["env"]
    assert ev["env"].get("router") == "198.18.4.1"
    time.sleep(1.1)
    ev = c.renew()
    assert ev["reason"] == "renew" and ev["env"]["ip"] == addr, c.reasons()
    c.release()
    d.wait_lease(lambda l: l["addr"] == addr and l["state"] != "active",
                 what="lease %s released" % addr)
    c.stop()


@pytest.mark.netns
def test_lan_and_relay_pools_kept_apart(make_topo, duod, client, relay_agent):
    topo = make_topo(clients=(1,), relayed=(9,))
    duod(topo, relay=True)
    relay_agent(topo)
    a = client("dhclient", topo, 1).obtain()["env"]["new_ip_address"]
    b = client("dhclient", topo, 9).obtain()["env"]["new_ip_address"]
    assert a.startswith("198.18.0.") and b in RELAY_POOL, (a, b)
