"""Options at the pool level (issue 13) with the real daemon and scapy
clients: examples/pool-options.ini as it is (only the journal moved).  A
client given an address of pool 2 gets pool 2's TFTP server (option 66),
router and boot file; a client of pool 1 gets the subnet's; a phone
(vendor class) in pool 2 gets its class's option 66 over the pool's, the
pool's router, and the class's lease time."""

import os
import subprocess

import pytest

import daemon as daemonmod

HERE = os.path.dirname(os.path.abspath(__file__))
EXAMPLE = os.path.join(HERE, "..", "..", "examples", "pool-options.ini")


def example(journal):
    return daemonmod.example_config(EXAMPLE, journal)


in_range = daemonmod.in_range


def test_example_checks():
    """duodhcpd -t takes the example and prints the pool's settings back."""
    res = subprocess.run([daemonmod.binary(), "-t", "-c", EXAMPLE], capture_output=True,
                         text=True, timeout=30)
    assert res.returncode == 0, res.stderr
    assert "POOL_2.OPTION_66=string:tftp.voice" in res.stdout, res.stdout


@pytest.mark.netns
def test_pool_option_reaches_the_client(make_topo, duod, kit, tmp_path):
    topo = make_topo(clients=(1,))
    duod(topo, config_text=example(str(tmp_path / "leases.journal")))
    ns = topo.clients[1]

    plain = kit(ns, "dora", "--mac", "02:00:00:00:d1:01", "--prl-extra", "66")["ack"]
    assert plain and plain["type"] == "ack", plain
    assert in_range(plain["yiaddr"], "198.18.0.10", "198.18.0.99"), plain
    assert plain["options"].get("tftp_server_name") == "tftp.lan", plain
    assert plain["options"].get("router") == "198.18.0.1", plain
    assert plain["file"] == "", plain

    voice = kit(ns, "dora", "--mac", "02:00:00:00:d1:02", "--requested", "198.18.0.150",
                "--prl-extra", "66")["ack"]
    assert voice and voice["type"] == "ack", voice
    assert voice["yiaddr"] == "198.18.0.150", voice
    assert voice["options"].get("tftp_server_name") == "tftp.voice", voice
    assert voice["options"].get("router") == "198.18.0.254", voice
    assert voice["file"] == "voice.cfg", voice
    assert voice["options"].get("lease_time") == 3600, voice

    phone = kit(ns, "dora", "--mac", "02:00:00:00:d1:03", "--requested", "198.18.0.151",
                "--vendor-class", "ACME IP Phone 7960", "--prl-extra", "66")["ack"]
    assert phone and phone["type"] == "ack", phone
    assert phone["yiaddr"] == "198.18.0.151", phone
    assert phone["options"].get("tftp_server_name") == "provisioning.phones", phone
    assert phone["options"].get("router") == "198.18.0.254", phone
    assert phone["options"].get("lease_time") == 600, phone
