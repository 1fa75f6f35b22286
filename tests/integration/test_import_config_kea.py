"""duodhcpctl import-config --from kea: the configuration forms of Kea's
documentation (one subnet, several behind relays, reservations, a shared
network, an HA pair in load-balancing and in hot-standby), written here in
198.18.0.0/15, are translated and each translation passes `duodhcpd -t`
(the HA pair also as a pair, --peer-config); Kea 2.2 itself takes every
input (`kea-dhcp4 -t`, when installed).  The single subnet and the
reservations are then served to dhclient in a namespace: an address of the
translated pool with the translated options and lease time, and a reserved
client its reserved address.  A file that is not JSON: FILE:LINE, exit 1."""

import os
import shutil
import subprocess

import pytest

import daemon as daemonmod

SINGLE = """// one subnet, directly attached (Kea's single-subnet example)
{ "Dhcp4": {
    "interfaces-config": { "interfaces": [ "eth0" ] },
    "lease-database": { "type": "memfile", "lfc-interval": 3600 },
    "valid-lifetime": 4000,
    "renew-timer": 1000,
    "rebind-timer": 2000,
    "option-data": [
        { "name": "domain-name-servers", "data": "198.18.0.53, 198.18.0.54" },
        { "name": "domain-name", "data": "kea.example" }
    ],
    "subnet4": [ {
        "id": 1,
        "subnet": "198.18.0.0/24",
        "interface": "eth0",
        "pools": [ { "pool": "198.18.0.10 - 198.18.0.200" } ],
        "option-data": [ { "name": "routers", "data": "198.18.0.1" } ]
    } ],
    "loggers": [ { "name": "kea-dhcp4", "output_options": [ { "output": "stdout" } ],
                   "severity": "INFO" } ]
} }
"""

SEVERAL = """{ "Dhcp4": {
    "interfaces-config": { "interfaces": [ "eth0" ] },
    "lease-database": { "type": "memfile" },
    "valid-lifetime": 4000, "renew-timer": 1000, "rebind-timer": 2000,
    "echo-client-id": false, "match-client-id": true, "authoritative": false,
    "subnet4": [
        { "id": 1, "subnet": "198.18.0.0/24", "pools": [ { "pool": "198.18.0.10 - 198.18.0.200" } ] },
        { "id": 2, "subnet": "198.18.4.0/24", "pools": [ { "pool": "198.18.4.100 - 198.18.4.200" } ],
          "relay": { "ip-addresses": [ "198.18.4.1" ] }, "match-client-id": false },
        { "id": 3, "subnet": "198.18.5.0/24", "pools": [ { "pool": "198.18.5.0/25" } ],
          "relay": { "ip-addresses": [ "198.19.1.1" ] } }
    ]
} }
"""

RESERVED_MAC = "02:00:00:00:00:02"	# the client fixture's client 2

RESERVATIONS = """{ "Dhcp4": {
    "interfaces-config": { "interfaces": [ "eth0" ] },
    "valid-lifetime": 4000,
    "host-reservation-identifiers": [ "circuit-id", "hw-address", "duid", "client-id" ],
    "subnet4": [ {
        "id": 1,
        "subnet": "198.18.0.0/24",
        "interface": "eth0",
        "pools": [ { "pool": "198.18.0.10 - 198.18.0.200" } ],
        "option-data": [ { "name": "routers", "data": "198.18.0.1" } ],
        "reservations": [
            { "hw-address": "%s", "ip-address": "198.18.0.201", "hostname": "reserved-one" },
            { "client-id": "01:11:22:33:44:55:66", "ip-address": "198.18.0.202",
              "hostname": "special-snowflake" },
            { "duid": "01:02:03:04:05", "ip-address": "198.18.0.203" },
            { "client-id": "01:0a:0b:0c:0d:0e:0f", "ip-address": "198.18.0.205",
              "next-server": "198.18.0.1", "server-hostname": "hal9000",
              "boot-file-name": "/dev/null" }
        ]
    } ]
} }
""" % RESERVED_MAC

SHARED = """{ "Dhcp4": {
    "interfaces-config": { "interfaces": [ "eth0" ] },
    "lease-database": { "type": "memfile", "lfc-interval": 3600 },
    "shared-networks": [ {
        "name": "frog",
        "interface": "eth1",
        "option-data": [ ],
        "rebind-timer": 150, "renew-timer": 100, "valid-lifetime": 200,
        "authoritative": true,
        "relay": { "ip-address": "0.0.0.0" },
        "subnet4": [
            { "id": 1, "subnet": "198.19.0.0/16", "pools": [ ], "valid-lifetime": 30,
              "renew-timer": 10, "rebind-timer": 20 },
            { "id": 2, "subnet": "198.18.2.0/24", "pools": [ { "pool": "198.18.2.10 - 198.18.2.20" } ],
              "valid-lifetime": 30, "renew-timer": 10, "rebind-timer": 20 }
        ]
    } ],
    "subnet4": [ { "id": 3, "subnet": "198.18.3.0/24", "interface": "eth0",
                   "pools": [ { "pool": "198.18.3.1 - 198.18.3.200" } ] } ]
} }
"""

HA = """{ "Dhcp4": {
    "interfaces-config": { "interfaces": [ "eth0" ] },
    "lease-database": { "type": "memfile" },
    "client-classes": [
        { "name": "phones", "test": "substring(option[60].hex,0,6) == 'Aastra'" },
        { "name": "phones_server1", "test": "member('phones') and member('HA_server1')" }
    ],
    "hooks-libraries": [
        { "library": "/usr/lib/x86_64-linux-gnu/kea/hooks/libdhcp_lease_cmds.so", "parameters": { } },
        { "library": "/usr/lib/x86_64-linux-gnu/kea/hooks/libdhcp_ha.so",
          "parameters": { "high-availability": [ {
            "this-server-name": "%(me)s",
            "mode": "%(mode)s",
            "heartbeat-delay": 10000, "max-response-delay": 60000, "max-ack-delay": 5000,
            "max-unacked-clients": 5, "sync-timeout": 60000,
            "peers": [
                { "name": "server1", "url": "http://198.18.0.2:8000/", "role": "primary" },
                { "name": "server2", "url": "http://198.18.0.3:8000/", "role": "%(role2)s" }
            ] } ] } }
    ],
    "subnet4": [ {
        "id": 1,
        "subnet": "198.18.0.0/24",
        "pools": [ { "pool": "198.18.0.100 - 198.18.0.150", "client-class": "phones" },
                   { "pool": "198.18.0.200 - 198.18.0.250" } ],
        "option-data": [ { "name": "routers", "data": "198.18.0.1" } ]
    } ]
} }
"""


def ha(me, mode):
    return HA % {"me": me, "mode": mode,
                 "role2": "secondary" if mode == "load-balancing" else "standby"}


CONFIGS = {
    "single": (SINGLE, ["198.18.0.1"]),
    "several": (SEVERAL, ["198.18.0.1"]),
    "reservations": (RESERVATIONS, ["198.18.0.1"]),
    "shared": (SHARED, ["198.18.3.1", "198.18.2.1"]),
    "ha-lb-1": (ha("server1", "load-balancing"), ["198.18.0.2"]),
    "ha-lb-2": (ha("server2", "load-balancing"), ["198.18.0.3"]),
    "ha-hs-1": (ha("server1", "hot-standby"), ["198.18.0.2"]),
    "ha-hs-2": (ha("server2", "hot-standby"), ["198.18.0.3"]),
}


def translate(tmp_path, name, text, binds):
    """Runs the command on text; (completed process, output path)."""
    src = tmp_path / ("%s.json" % name)
    src.write_text(text)
    out = tmp_path / ("%s.ini" % name)
    argv = [daemonmod.tool("duodhcpctl"), "import-config", "--from", "kea"]
    for b in binds:
        argv += ["--bind", b]
    res = subprocess.run(argv + [str(src), "-o", str(out)], capture_output=True, text=True,
                         timeout=30)
    return res, out


def with_journal(text, journal):
    """The translation with our journal set, in its [DUODHCP] if it has one."""
    if "\n[DUODHCP]\n" in text:
        return text.replace("\n[DUODHCP]\n", "\n[DUODHCP]\nJournal=%s\n" % journal, 1)
    return text + "\n[DUODHCP]\nJournal=%s\n" % journal


def check(path, *extra):
    return subprocess.run([daemonmod.binary(), "-t", "-c", str(path)] + list(extra),
                          capture_output=True, text=True, timeout=30)


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_translation_passes_check(tmp_path, name):
    text, binds = CONFIGS[name]
    if shutil.which("kea-dhcp4"):		# the input is a configuration Kea takes
        src = tmp_path / "kea.json"		# (whose interfaces this host has)
        src.write_text(text.replace('"eth0"', '"lo"').replace('"eth1"', '"lo"'))
        kea = subprocess.run(["kea-dhcp4", "-t", str(src)], capture_output=True, text=True,
                             timeout=30, cwd=str(tmp_path))
        assert kea.returncode == 0, kea.stdout + kea.stderr
    res, out = translate(tmp_path, name, text, binds)
    assert res.returncode == 0, res.stderr
    t = check(out)
    assert t.returncode == 0, t.stderr + out.read_text()
    # Every note names the file and a line of it.
    for line in res.stderr.splitlines():
        if line.startswith("%s.json" % name):
            assert line.split(":")[1].isdigit(), line


def test_what_is_translated(tmp_path):
    """Spot checks of the translations beside the -t runs."""
    res, out = translate(tmp_path, "several", SEVERAL, ["198.18.0.1"])
    text = out.read_text()
    assert "IPBIND_1=198.18.0.1\n" in text, text
    assert "[SUBNET:198.18.4.0/24]\n" in text and "IPPOOL_1=198.18.5.1-198.18.5.127\n" in text
    assert "relay 198.19.1.1 is outside the subnet" in res.stderr, res.stderr

    res, out = translate(tmp_path, "shared", SHARED, ["198.18.3.1"])
    text = out.read_text()
    assert text.count("SharedNetwork=frog\n") == 2, text
    assert "Authoritative" not in text		# only per shared network in the input
    assert "authoritative per shared network" in res.stderr, res.stderr

    res, out = translate(tmp_path, "ha-lb-1", ha("server1", "load-balancing"), ["198.18.0.2"])
    text = out.read_text()
    for key in ("Role=primary", "Address=198.18.0.2", "PeerAddress=198.18.0.3",
                "Name=server1-server2", "MCLT=3600", "Split=128", "MaxResponseDelay=60"):
        assert key + "\n" in text, text
    assert "max-unacked-clients" in res.stderr, res.stderr
    assert "member('phones') and member('HA_server1')" in res.stderr, res.stderr
    res, out = translate(tmp_path, "ha-hs-1", ha("server1", "hot-standby"), ["198.18.0.2"])
    assert "Split=256\n" in out.read_text()


@pytest.mark.parametrize("mode", ["load-balancing", "hot-standby"])
def test_ha_pair_is_a_failover_pair(tmp_path, mode):
    res1, p = translate(tmp_path, "p", ha("server1", mode), ["198.18.0.2"])
    res2, s = translate(tmp_path, "s", ha("server2", mode), ["198.18.0.3"])
    assert res1.returncode == 0 and res2.returncode == 0, res1.stderr + res2.stderr
    t = check(p, "--peer-config", str(s))
    assert t.returncode == 0, t.stderr + p.read_text() + s.read_text()


def test_json_error_names_file_and_line(tmp_path):
    bad = SINGLE.replace('"valid-lifetime": 4000,', '"valid-lifetime": 4000,,')
    line = 1 + SINGLE[:SINGLE.index('"valid-lifetime"')].count("\n")
    res, out = translate(tmp_path, "bad", bad, [])
    assert res.returncode == 1, res.stderr
    assert res.stderr.startswith("%s:%d: JSON" % (tmp_path / "bad.json", line)), res.stderr
    assert not os.path.exists(out)


@pytest.mark.netns
def test_single_subnet_serves_a_client(make_topo, duod, client, tmp_path):
    res, out = translate(tmp_path, "single", SINGLE, ["198.18.0.1"])
    assert res.returncode == 0, res.stderr
    topo = make_topo(clients=(1,))
    duod(topo, config_text=with_journal(out.read_text(), tmp_path / "leases.journal"))
    ev = client("dhclient", topo, 1).obtain()
    env = ev["env"]
    assert daemonmod.in_range(env["new_ip_address"], "198.18.0.10", "198.18.0.200"), env
    assert env.get("new_subnet_mask") == "255.255.255.0", env
    assert env.get("new_routers") == "198.18.0.1", env
    assert env.get("new_domain_name_servers") == "198.18.0.53 198.18.0.54", env
    assert env.get("new_dhcp_lease_time") == "4000", env
    assert env.get("new_dhcp_renewal_time") == "1000", env
    assert env.get("new_dhcp_rebinding_time") == "2000", env


@pytest.mark.netns
def test_reserved_client_gets_its_address(make_topo, duod, client, tmp_path):
    res, out = translate(tmp_path, "reservations", RESERVATIONS, ["198.18.0.1"])
    assert res.returncode == 0, res.stderr
    assert "a reservation by duid" in res.stderr, res.stderr
    topo = make_topo(clients=(1, 2))
    duod(topo, config_text=with_journal(out.read_text(), tmp_path / "leases.journal"))
    reserved = client("dhclient", topo, 2).obtain()["env"]
    assert reserved["new_ip_address"] == "198.18.0.201", reserved	# outside the pool
    assert reserved.get("new_host_name") == "reserved-one", reserved
    other = client("dhclient", topo, 1).obtain()["env"]
    assert daemonmod.in_range(other["new_ip_address"], "198.18.0.10", "198.18.0.200"), other
    assert other.get("new_dhcp_lease_time") == "4000", other
