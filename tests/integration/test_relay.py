"""Clients behind ISC dhcrelay get addresses of the relayed subnet; a LAN
host that writes a giaddr (and an RFC 3527 link selection) into its own
request is not taken for a relay."""

import json
import time

import pytest

import nslib
import splitlib as S


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


HTTP_PORT = 8067


def _counters(topo):
    """The server's request counters, from its API (asked from its own ns)."""
    r = S.http(topo.server, "http://%s:%d/api/v1/status" % (nslib.SERVER_ADDR, HTTP_PORT))
    assert r["status"] == 200, r
    return json.loads(r["body"])["counters"]


def _forge(kit, topo, index, src, giaddr=nslib.RELAY_DOWN_ADDR):
    """Client index, on the LAN, broadcasts a DISCOVER as if relayed from
    giaddr, with link selection naming the relayed subnet.  The server's
    answer would go to giaddr port 67, not here: the counters tell."""
    return kit(topo.clients[index], "discover", "--src", src, "--giaddr", giaddr,
               "--link-selection", nslib.RELAY_NET + ".0", timeout=1.0)


@pytest.mark.netns
def test_lan_host_with_giaddr_from_0_0_0_0(make_topo, duod, kit):
    """No relay sends from 0.0.0.0, a client's source: such a relayed
    request is a LAN host's, dropped and counted, even with no
    TrustedRelays; the host's own DISCOVER is answered as ever."""
    topo = make_topo(clients=(1,), relayed=(7,))
    duod(topo, relay=True, http_port=HTTP_PORT)
    before = _counters(topo)
    _forge(kit, topo, 1, "0.0.0.0")
    after = _counters(topo)
    assert after["tx"]["offer"] == before["tx"]["offer"], (before, after)
    assert after["dropped"].get("relay") == before["dropped"].get("relay", 0) + 1, after
    offer = kit(topo.clients[1], "discover")["reply"]
    assert offer and offer["yiaddr"].startswith(nslib.LAN_NET + "."), offer


@pytest.mark.netns
def test_trusted_relays(make_topo, duod, client, relay_agent, kit):
    """TrustedRelays names where relays send from (dhcrelay: its address
    towards the server, 198.18.0.2, not the giaddr 198.18.4.1).  A client
    behind it is served; a LAN host's relayed-looking requests are dropped
    and counted, whatever giaddr it writes, broadcast or unicast."""
    topo = make_topo(clients=(1,), relayed=(7,))
    duod(topo, relay=True, http_port=HTTP_PORT,
         extra_duodhcp="TrustedRelays=%s" % nslib.RELAY_LAN_ADDR)
    relay_agent(topo)
    before = _counters(topo)
    _forge(kit, topo, 1, nslib.LAN_NET + ".77")
    _forge(kit, topo, 1, nslib.LAN_NET + ".77", giaddr=nslib.RELAY_LAN_ADDR)
    _forge(kit, topo, 1, "0.0.0.0")
    after = _counters(topo)
    assert after["tx"]["offer"] == before["tx"]["offer"], (before, after)
    assert after["dropped"].get("relay") == before["dropped"].get("relay", 0) + 3, after
    addr = client("dhclient", topo, 7).obtain()["env"]["new_ip_address"]
    assert addr in RELAY_POOL, addr
    offer = kit(topo.clients[1], "discover")["reply"]
    assert offer and offer["yiaddr"].startswith(nslib.LAN_NET + "."), offer
