"""Client classes and PXE (issue 13) with the real daemon and scapy
clients: examples/classes/dhcpsrv.ini as it is (only the journal moved),
a UEFI and a BIOS PXE client get their own boot file, boot server and
server name, a phone (vendor class) gets an address of the phones' pool
and its provisioning options, and anyone else neither."""

import os
import subprocess

import pytest

import daemon as daemonmod

HERE = os.path.dirname(os.path.abspath(__file__))
EXAMPLE = os.path.join(HERE, "..", "..", "examples", "classes", "dhcpsrv.ini")
PXE_VENDOR = "PXEClient:Arch:%05d:UNDI:003016"


def example(journal):
    return daemonmod.example_config(EXAMPLE, journal)


in_range = daemonmod.in_range


def test_example_checks():
    """duodhcpd -t takes the example (CI runs this file for it)."""
    res = subprocess.run([daemonmod.binary(), "-t", "-c", EXAMPLE], capture_output=True,
                         text=True, timeout=30)
    assert res.returncode == 0, res.stderr
    assert "[CLASS:pxe-uefi]" in res.stdout and "POOLCLASS_2=phone" in res.stdout


@pytest.mark.netns
def test_pxe_uefi_bios_and_phone(make_topo, duod, kit, tmp_path):
    topo = make_topo(clients=(1,))
    duod(topo, config_text=example(str(tmp_path / "leases.journal")))
    ns = topo.clients[1]

    uefi = kit(ns, "dora", "--mac", "02:00:00:00:c1:07", "--arch", "7",
               "--vendor-class", PXE_VENDOR % 7)["ack"]
    assert uefi and uefi["type"] == "ack", uefi
    assert uefi["file"] == "efi64/syslinux.efi", uefi
    assert uefi["siaddr"] == "198.18.0.2" and uefi["sname"] == "tftp-uefi", uefi
    assert in_range(uefi["yiaddr"], "198.18.0.10", "198.18.0.99"), uefi

    bios = kit(ns, "dora", "--mac", "02:00:00:00:c1:00", "--arch", "0",
               "--vendor-class", PXE_VENDOR % 0)["ack"]
    assert bios and bios["type"] == "ack", bios
    assert bios["file"] == "bios/pxelinux.0", bios
    assert bios["siaddr"] == "198.18.0.3" and bios["sname"] == "tftp-bios", bios

    phone = kit(ns, "dora", "--mac", "02:00:00:00:c1:50", "--vendor-class",
                "ACME IP Phone 7960", "--prl-extra", "66,150")["ack"]
    assert phone and phone["type"] == "ack", phone
    assert in_range(phone["yiaddr"], "198.18.0.150", "198.18.0.199"), phone
    opts = phone["options"]
    assert opts.get("tftp_server_name") == "provisioning.example.lan", opts
    assert phone["file"] == "" and phone["siaddr"] == "198.18.0.1", phone

    plain = kit(ns, "dora", "--mac", "02:00:00:00:c1:99", "--prl-extra", "66,150")["ack"]
    assert plain and plain["type"] == "ack", plain
    assert in_range(plain["yiaddr"], "198.18.0.10", "198.18.0.99"), plain
    assert "tftp_server_name" not in plain["options"], plain
    assert plain["file"] == "" and plain["sname"] == "", plain
