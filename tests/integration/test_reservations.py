"""Reservations by client identifier and AlwaysSend/NeverSend (issue 13)
with the real daemon and scapy clients: a [CLIENTID:...] section gives its
client the address (outside the pool), host name and boot fields it names,
ahead of the MAC section of the same NIC; a MAC section still serves a
request without option 61 and one inside the pool; AlwaysSend adds an option
the client did not ask for, NeverSend keeps out one it asked for, and a
client section turns both round for its client."""

import subprocess

import pytest

import daemon as daemonmod

CID_MAC = "02:00:00:00:c1:01"

RESERVATIONS = """
[CLIENTID:01-02-00-00-00-c1-01]
IPADDR=198.18.0.200
Hostname=by-client-id
NEXTSERVER=198.18.0.9
SNAME=boot-by-id
BOOTFILE=efi/by-id.efi

[02-00-00-00-C1-01]
IPADDR=198.18.0.201
Hostname=by-mac

[02-00-00-00-C1-02]
IPADDR=198.18.0.30
Hostname=mac-in-pool
"""

SENDS = """
[02-00-00-00-C2-02]
AlwaysSend=15
NeverSend=66
"""


def config(journal, extra_general="", sections=""):
    return daemonmod.make_config(journal=journal, extra_general=extra_general) + sections


def test_config_prints_client_id_sections(tmp_path):
    """duodhcpd -t takes the sections and prints them back canonically."""
    path = tmp_path / "dhcpsrv.ini"
    path.write_text(config(str(tmp_path / "j"), "AlwaysSend=66\nNeverSend=15",
                           RESERVATIONS + SENDS))
    res = subprocess.run([daemonmod.binary(), "-t", "-c", str(path)], capture_output=True,
                         text=True, timeout=30)
    assert res.returncode == 0, res.stderr
    assert "[CLIENTID:01:02:00:00:00:c1:01]\nIPADDR=198.18.0.200\n" in res.stdout, res.stdout
    assert "AlwaysSend=66\nNeverSend=15\n" in res.stdout, res.stdout


def test_duplicate_client_id_is_refused(tmp_path):
    path = tmp_path / "dhcpsrv.ini"
    path.write_text(config(str(tmp_path / "j"), "", RESERVATIONS +
                           "[CLIENTID:0102000000c101]\nIPADDR=198.18.0.202\n"))
    res = subprocess.run([daemonmod.binary(), "-t", "-c", str(path)], capture_output=True,
                         text=True, timeout=30)
    assert res.returncode != 0
    assert "same client identifier as [CLIENTID:01-02-00-00-00-c1-01]" in res.stderr, \
        res.stderr


@pytest.mark.netns
def test_client_id_then_mac_reservations(make_topo, duod, kit, tmp_path):
    topo = make_topo(clients=(1,))
    duod(topo, config_text=config(str(tmp_path / "leases.journal"), "", RESERVATIONS))
    ns = topo.clients[1]

    by_id = kit(ns, "dora", "--mac", CID_MAC, "--client-id", CID_MAC)["ack"]
    assert by_id and by_id["type"] == "ack", by_id
    assert by_id["yiaddr"] == "198.18.0.200", by_id		# outside the pool
    assert by_id["options"].get("hostname") == "by-client-id", by_id
    assert by_id["file"] == "efi/by-id.efi", by_id
    assert by_id["siaddr"] == "198.18.0.9" and by_id["sname"] == "boot-by-id", by_id

    # The same NIC without option 61: its MAC section.
    by_mac = kit(ns, "dora", "--mac", CID_MAC)["ack"]
    assert by_mac and by_mac["yiaddr"] == "198.18.0.201", by_mac
    assert by_mac["options"].get("hostname") == "by-mac", by_mac
    assert by_mac["file"] == "" and by_mac["sname"] == "", by_mac

    # A MAC reservation inside the pool.
    in_pool = kit(ns, "dora", "--mac", "02:00:00:00:c1:02")["ack"]
    assert in_pool and in_pool["yiaddr"] == "198.18.0.30", in_pool
    assert in_pool["options"].get("hostname") == "mac-in-pool", in_pool

    # The identifier is the client, whatever chaddr carries it.
    moved = kit(ns, "dora", "--mac", "02:00:00:00:c1:03", "--client-id", CID_MAC)["ack"]
    assert moved and moved["yiaddr"] == "198.18.0.200", moved

    # Anyone else: the pool, never a reserved address.
    other = kit(ns, "dora", "--mac", "02:00:00:00:c1:04", "--client-id",
                "02:00:00:00:c1:04")["ack"]
    assert other and other["type"] == "ack", other
    assert other["yiaddr"] not in ("198.18.0.200", "198.18.0.201", "198.18.0.30"), other


@pytest.mark.netns
def test_always_send_and_never_send(make_topo, duod, kit, tmp_path):
    """dhcpkit asks for 1, 3, 6, 12, 15, 28, 51, 54, 58, 59: not for 66."""
    topo = make_topo(clients=(1,))
    general = "OPTION_66=string:tftp.example\nDOMAINNAME=example.lan\n" \
              "AlwaysSend=66\nNeverSend=15"
    duod(topo, config_text=config(str(tmp_path / "leases.journal"), general, SENDS))
    ns = topo.clients[1]

    plain = kit(ns, "dora", "--mac", "02:00:00:00:c2:01")["ack"]
    assert plain and plain["type"] == "ack", plain
    opts = plain["options"]
    assert opts.get("tftp_server_name") == "tftp.example", opts	# not asked for
    assert "domain" not in opts, opts				# asked for
    assert opts.get("router") == "198.18.0.1", opts

    # Asking for 66 changes nothing; the client section turns both round.
    asked = kit(ns, "dora", "--mac", "02:00:00:00:c2:03", "--prl-extra", "66")["ack"]
    assert asked["options"].get("tftp_server_name") == "tftp.example", asked
    turned = kit(ns, "dora", "--mac", "02:00:00:00:c2:02", "--prl-extra", "66")["ack"]
    assert turned and turned["type"] == "ack", turned
    assert "tftp_server_name" not in turned["options"], turned
    assert turned["options"].get("domain") == "example.lan", turned
