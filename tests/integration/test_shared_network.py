"""Shared networks (SharedNetwork= in [SUBNET:...], docs/config.md): when
the first subnet of a link runs out, clients get addresses of the next
subnet of its shared network, with that subnet's mask and router, on a
directly attached link and behind ISC dhcrelay; their renewals are on the
right network."""

import pytest


LAN_SECTIONS = "\n".join([
    "[SUBNET:198.18.0.0/24]",
    "SharedNetwork=lan",
    "IPPOOL_1=198.18.0.10-11",
    "",
    "; a secondary range on the same wire; the server has no address in it",
    "[SUBNET:198.18.1.0/25]",
    "SharedNetwork=lan",
    "IPPOOL_1=198.18.1.10-20",
    "ROUTER_0=198.18.1.1",
])

RELAY_SECTIONS = "\n".join([
    "[SUBNET:198.18.4.0/24]",
    "SharedNetwork=far",
    "IPPOOL_1=198.18.4.10-11",
    "ROUTER_0=198.18.4.1",
    "",
    "[SUBNET:198.18.5.0/24]",
    "SharedNetwork=far",
    "IPPOOL_1=198.18.5.10-20",
    "ROUTER_0=198.18.5.1",
])


@pytest.mark.netns
def test_second_subnet_on_the_link(make_topo, duod, client):
    topo = make_topo(clients=(1, 2, 3))
    d = duod(topo, pool=None, extra_general=LAN_SECTIONS)
    cs = [client("dhclient", topo, i) for i in (1, 2, 3)]
    first = [c.obtain()["env"] for c in cs[:2]]
    assert sorted(e["new_ip_address"] for e in first) == ["198.18.0.10", "198.18.0.11"]
    assert all(e.get("new_routers") == "198.18.0.1" for e in first), first
    env = cs[2].obtain()["env"]
    addr = env["new_ip_address"]
    assert addr.startswith("198.18.1."), env
    assert env.get("new_routers") == "198.18.1.1", env
    assert env.get("new_subnet_mask") == "255.255.255.128", env
    assert env.get("new_dhcp_server_identifier") == "198.18.0.1", env
    d.wait_lease(lambda l: l["addr"] == addr and l["state"] == "active",
                 what="active lease %s" % addr)
    ev = cs[2].renew()		# INIT-REBOOT: the right network, ACKed
    assert ev["env"]["new_ip_address"] == addr, ev
    assert ev["env"].get("new_routers") == "198.18.1.1", ev


@pytest.mark.netns
def test_second_subnet_behind_relay(make_topo, duod, client, relay_agent):
    topo = make_topo(clients=(), relayed=(7, 8, 9))
    d = duod(topo, extra_general=RELAY_SECTIONS)
    relay_agent(topo)
    cs = [client("dhclient", topo, i) for i in (7, 8, 9)]
    first = [c.obtain()["env"] for c in cs[:2]]
    assert sorted(e["new_ip_address"] for e in first) == ["198.18.4.10", "198.18.4.11"]
    env = cs[2].obtain()["env"]
    addr = env["new_ip_address"]
    assert addr.startswith("198.18.5."), env
    assert env.get("new_routers") == "198.18.5.1", env
    assert env.get("new_subnet_mask") == "255.255.255.0", env
    d.wait_lease(lambda l: l["addr"] == addr and l["state"] == "active",
                 what="active lease %s" % addr)
    ev = cs[2].renew()		# INIT-REBOOT through the relay
    assert ev["env"]["new_ip_address"] == addr, ev
