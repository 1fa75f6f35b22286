"""RFC 2131 and RFC 5107 corners an outside conformance suite found, with
hand-made packets: a DISCOVER carrying a ciaddr, a DECLINE without a server
identifier, an INFORM without ciaddr, and a relay's server identifier
override."""

import json
import os
import re
import subprocess

import pytest

import nslib
from nslib import SERVER_ADDR
from splitlib import http

HERE = os.path.dirname(os.path.abspath(__file__))
RELAYKIT = os.path.join(HERE, "relaykit.py")
PORT = 8067
GIADDR = "198.18.4.1"		# the relay's address on the relayed subnet


def _dropped(ns, reason):
    r = http(ns, "http://%s:%d/api/v1/status" % (SERVER_ADDR, PORT))
    assert r["status"] == 200, r
    return json.loads(r["body"])["counters"]["dropped"][reason]


def _relay(topo, *args):
    argv = nslib.nsexec(topo.relay) + ["/usr/bin/python3", RELAYKIT, "--giaddr", GIADDR,
                                        "--server", SERVER_ADDR] + [str(a) for a in args]
    res = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                         timeout=30)
    assert res.returncode == 0, res.stderr
    return json.loads(res.stdout.strip().splitlines()[-1])


@pytest.mark.netns
def test_discover_with_ciaddr_still_offered(make_topo, duod, kit):
    """RFC 2131 table 5: a DISCOVER's ciaddr is 0.  One carrying
    255.255.255.255 (or any address) gets its OFFER the usual way, not
    unicast to that address (which went nowhere before)."""
    topo = make_topo(clients=(1,))
    duod(topo)
    for ciaddr in ("255.255.255.255", "198.18.0.99"):
        r = kit(topo.clients[1], "discover", "--ciaddr", ciaddr)["reply"]
        assert r is not None, "no OFFER to a DISCOVER with ciaddr %s" % ciaddr
        assert r["type"] == "offer", r
        assert r["ip_dst"] == "255.255.255.255", r	# the BROADCAST flag is set


@pytest.mark.netns
def test_decline_without_server_id_ignored(make_topo, duod, kit):
    """RFC 2131 4.3.3: a DECLINE carries the server identifier.  Without
    one it is ignored and counted (as another server's); the address stays the client's."""
    topo = make_topo(clients=(1,))
    d = duod(topo, http_port=PORT)
    ns = topo.clients[1]
    ack = kit(ns, "dora")["ack"]
    assert ack and ack["type"] == "ack", ack
    addr = ack["yiaddr"]
    before = _dropped(topo.server, "not_ours")
    r = kit(ns, "decline", "--requested", addr)
    assert r["reply"] is None, r
    nslib.wait_until(lambda: _dropped(topo.server, "not_ours") > before, 5,
                     what="the DECLINE counted as not ours")
    nslib.wait_until(lambda: re.search(r"DECLINE from \S+ without a server identifier: "
                                       r"ignored", d.log()), 5, what="the DECLINE logged")
    assert any(l["addr"] == addr and l["state"] == "active" for l in d.leases()), \
        "a DECLINE without server id quarantined %s" % addr
    # With the server identifier it is honoured.
    kit(ns, "decline", "--requested", addr, "--server-id", SERVER_ADDR)
    d.wait_lease(lambda l: l["addr"] == addr and l["state"] == "abandoned",
                 what="%s quarantined" % addr)


@pytest.mark.netns
def test_inform_without_ciaddr_unanswered(make_topo, duod, kit):
    """An INFORM with ciaddr 0 gets no reply (ISC dhcpd and Kea are silent
    too; RFC 2131 4.4.3: only a client with an address informs) and is
    counted as having no link."""
    topo = make_topo(clients=(1,))
    duod(topo, http_port=PORT)
    before = _dropped(topo.server, "no_subnet")
    r = kit(topo.clients[1], "inform", "--ciaddr", "0.0.0.0", timeout=2)["reply"]
    assert r is None, r
    nslib.wait_until(lambda: _dropped(topo.server, "no_subnet") > before, 5,
                     what="the INFORM counted as having no link")


@pytest.mark.netns
def test_server_id_override_rfc5107(make_topo, duod):
    """RFC 5107: a relay that adds sub-option 11 (server identifier
    override) gets replies naming that address in option 54, and the
    client's REQUEST naming it is answered, not ignored as another
    server's."""
    topo = make_topo(clients=(), relayed=(7,))
    d = duod(topo, relay=True)
    mac = "02:00:00:00:00:31"
    rai = "0102000b" + "0b04" + "c6120401"	# circuit-id 00 0b, override 198.18.4.1
    offer = _relay(topo, "--type", "discover", "--mac", mac, "--rai", rai)
    assert offer and offer["type"] == "offer", offer
    assert offer["server_id"] == GIADDR, offer
    assert offer["options"].get("82") == rai, offer	# echoed to the relay
    ack = _relay(topo, "--type", "request", "--mac", mac, "--rai", rai,
                 "--requested", offer["yiaddr"], "--server-id", GIADDR)
    assert ack and ack["type"] == "ack", ack
    assert ack["server_id"] == GIADDR, ack
    d.wait_lease(lambda l: l["addr"] == offer["yiaddr"] and l["state"] == "active",
                 what="lease %s active" % offer["yiaddr"])
    # Without the override, a REQUEST naming that address is for another
    # server: no answer.
    other = _relay(topo, "--type", "request", "--mac", "02:00:00:00:00:32",
                   "--requested", offer["yiaddr"], "--server-id", GIADDR, "--timeout", "1.5")
    assert other is None, other


@pytest.mark.netns
def test_timers_in_seconds_and_requested_lease_time(make_topo, duod, kit, client):
    """T1/T2 in seconds go out exactly (999 stays 999, where a percentage
    gave 1000), and a client's requested lease time is granted within
    MinLeaseTime..MaxLeaseTime."""
    topo = make_topo(clients=(1, 2))
    duod(topo, lease_time=3600,
         extra_general="T1=999\nT2=2999\nMinLeaseTime=600\nMaxLeaseTime=7200")
    ack = kit(topo.clients[1], "dora")["ack"]
    assert ack and ack["type"] == "ack", ack
    o = ack["options"]
    assert (o.get("lease_time"), o.get("renewal_time"), o.get("rebinding_time")) == \
        (3600, 999, 2999), o
    for ask, got in ((100000, 7200), (60, 600), (1800, 1800)):
        ack = kit(topo.clients[1], "dora", "--lease-time", ask)["ack"]
        assert ack and ack["options"].get("lease_time") == got, (ask, ack)
    # A real client sees the same timers.
    env = client("dhclient", topo, 2).obtain()["env"]
    assert env.get("new_dhcp_renewal_time") == "999", env
    assert env.get("new_dhcp_rebinding_time") == "2999", env


@pytest.mark.netns
def test_link_without_pool_answers_inform(make_topo, duod, kit):
    """A link with no pool and no reservation is served for INFORM only
    (the configuration used to be refused with "nothing to serve")."""
    topo = make_topo(clients=(1,))
    duod(topo, pool=None)
    ns = topo.clients[1]
    ciaddr = "198.18.0.77"
    topo.ip(ns, "addr", "add", ciaddr + "/24", "dev", "eth0")
    r = kit(ns, "inform", "--ciaddr", ciaddr)["reply"]
    assert r and r["type"] == "ack", r
    assert r["options"].get("router") == "198.18.0.1", r
    assert kit(ns, "discover", timeout=2)["reply"] is None
