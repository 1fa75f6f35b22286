"""A server on two links: IPBIND_1/IPPOOL_1 on br0 (eth0, 198.18.0.1/24) and
IPBIND_2/IPPOOL_2 on br1 (eth1, 198.18.1.1/24), AssociateBindsToPools=1.
Each client gets an address of its own link's pool from that link's
server address, and the trace names the interface of every packet.

Link 1 takes its router and lease time from [GENERAL]; link 2 from a
[SUBNET:198.18.1.0/24] section, which holds IPBIND_2's address and so
describes that directly attached link: each client must get its own
link's router, never the other's."""

import re

import pytest

from nslib import client_mac

LINKS = {
    # link: (iface on the server, bridge, server address, pool)
    1: ("eth0", "br0", "198.18.0.1", ["198.18.0.%d" % i for i in range(10, 51)]),
    2: ("eth1", "br1", "198.18.1.1", ["198.18.1.%d" % i for i in range(10, 51)]),
}
ROUTER = {1: "198.18.0.254", 2: "198.18.1.254"}
LEASE = {1: 120, 2: 900}


def make_multihome(make_topo, clients):
    """clients: {index: link}."""
    topo = make_topo(clients=())
    topo.add_server_iface("eth1", "br1", "198.18.1.1/24", mac="02:00:00:00:01:02")
    for i, link in sorted(clients.items()):
        topo.add_client(i, bridge=LINKS[link][1])
    topo.wait_links()
    return topo


def start_daemon(duod, topo):
    return duod(topo, router=ROUTER[1], dns=None, lease_time=LEASE[1],
                extra_settings="IPBIND_2=198.18.1.1\nIPPOOL_2=198.18.1.10-50",
                extra_duodhcp="\n[SUBNET:198.18.1.0/24]\nROUTER_0=%s\nLEASETIME=%d"
                % (ROUTER[2], LEASE[2]))


def trace_ifaces(log, mac):
    """{message type: set of interfaces} of the trace lines for mac."""
    seen = {}
    for m in re.finditer(r"\b([A-Z]+) xid=[0-9a-f]+ hw=%s if=(\S+) " % re.escape(mac),
                         log):
        seen.setdefault(m.group(1), set()).add(m.group(2))
    return seen


@pytest.mark.netns
def test_multihome_real_clients(make_topo, duod, client):
    clients = {1: 1, 2: 2, 3: 1, 4: 2}
    topo = make_multihome(make_topo, clients)
    d = start_daemon(duod, topo)
    kinds = {1: "dhclient", 2: "dhclient", 3: "udhcpc", 4: "udhcpc"}
    got = {}
    for i, link in sorted(clients.items()):
        iface, _, server, pool = LINKS[link]
        c = client(kinds[i], topo, i)
        if kinds[i] == "dhclient":
            env = c.obtain()["env"]
            addr, sid = env["new_ip_address"], env.get("new_dhcp_server_identifier")
            mask, router = env.get("new_subnet_mask"), env.get("new_routers")
            lease = env.get("new_dhcp_lease_time")
        else:
            env = c.start()["env"]
            addr, sid = env["ip"], env.get("serverid")
            mask, router = env.get("mask"), env.get("router")
            lease = env.get("lease")
        assert addr in pool, "client %d on link %d got %s" % (i, link, addr)
        assert sid == server, "client %d on link %d: server id %s" % (i, link, sid)
        assert mask in ("255.255.255.0", "24"), env
        assert router == ROUTER[link], "client %d on link %d got router %s" % (i, link, router)
        assert lease == str(LEASE[link]), "client %d on link %d: lease %s" % (i, link, lease)
        assert c.address() == addr
        got[i] = addr
    assert len(set(got.values())) == len(got), got

    active = {l["addr"]: l["hw"] for l in d.leases() if l["state"] == "active"}
    log = d.log()
    for i, link in clients.items():
        assert active.get(got[i]) == client_mac(i), (i, active)
        seen = trace_ifaces(log, client_mac(i))
        assert "DISCOVER" in seen and "REQUEST" in seen, (i, seen)
        for t, ifaces in seen.items():
            assert ifaces == {LINKS[link][0]}, \
                "client %d on link %d: %s traced on %s" % (i, link, t, ifaces)


@pytest.mark.netns
def test_multihome_packets(make_topo, duod, kit):
    """At packet level: the reply on each link comes from that link's
    address, names it as server id, and a link-1 address asked for on link 2
    is NAKed as the wrong network."""
    topo = make_multihome(make_topo, {1: 1, 2: 2})
    d = start_daemon(duod, topo)
    for i, link in ((1, 1), (2, 2)):
        iface, _, server, pool = LINKS[link]
        ns = topo.clients[i]
        for extra in ((), ("--no-broadcast",)):
            r = kit(ns, "dora", *extra)
            ack = r["ack"]
            assert r["offer"] and ack and ack["type"] == "ack", r
            assert ack["yiaddr"] in pool, (link, ack)
            assert r["offer"]["options"].get("server_id") == server, r["offer"]
            assert ack["options"].get("server_id") == server, ack
            assert ack["ip_src"] == server, ack
            assert ack["options"].get("router") == ROUTER[link], ack["options"]
            assert ack["options"].get("lease_time") == LEASE[link], ack["options"]
            assert ack["options"].get("subnet_mask") == "255.255.255.0", ack
            if extra:
                assert ack["ip_dst"] == ack["yiaddr"], ack
            else:
                assert ack["ip_dst"] == "255.255.255.255", ack
        seen = trace_ifaces(d.log(), client_mac(i))
        assert seen and all(v == {iface} for v in seen.values()), (i, seen)

    nak = kit(topo.clients[2], "request", "--requested", "198.18.0.20")["reply"]
    assert nak is not None and nak["type"] == "nak", nak
    assert nak["options"].get("server_id") == "198.18.1.1", nak
    assert trace_ifaces(d.log(), client_mac(2))["REQUEST"] == {"eth1"}
    assert d.alive()
