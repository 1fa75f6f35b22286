"""Option definitions (issue 13) on the wire: a custom record option (224)
and an array option (225) by OPTIONDEF_nn, option 43 built from VENDOR43_n
for a vendor class, and option 125 from VIVSO_n, long enough to be split
as RFC 3396 says.  A scapy client asks for them and checks the exact bytes.
When ISC dhcpd 4.4 is installed, the equivalent dhcpd.conf is run on the
same link and must give the same bytes for 43, 224 and 225."""

import os
import shutil
import subprocess

import pytest

import daemon as daemonmod
import folib

LONG = "x" * 250		# enterprise 9's sub-option: option 125 passes 255 bytes

INI = """[Settings]
IPBIND_1=198.18.0.1
IPPOOL_1=198.18.0.10-50

[GENERAL]
LEASETIME=600
SUBNETMASK=255.255.255.0
OPTIONDEF_224=record ip, u16, string
OPTIONDEF_225=array ip
OPTION_224=198.18.0.5, 1500, pxe, stage 2
OPTION_225=198.18.0.2, 198.18.0.3
VIVSO_1=4491 2 ip:198.18.0.3
VIVSO_2=3561 1 string:OUI123
VIVSO_3=4491 3 string:cm.cfg

[CLASS:acme]
Match_1=vendor-class prefix "ACME"
VENDOR43_1=1 ip:198.18.0.9
VENDOR43_2=2 string:provisioning

[CLASS:long]
Match_1=vendor-class = "LONG"
VIVSO_1=9 1 string:%s

[DUODHCP]
Journal=%%s
""" % LONG

# The same options for ISC dhcpd 4.4: "option space" for 43, spaces
# encapsulated into its enterprise-keyed "vendor" space for 125.
ISC_CONF = """authoritative;
default-lease-time 600;
max-lease-time 600;
ddns-update-style none;
option foo code 224 = { ip-address, unsigned integer 16, text };
option bar code 225 = array of ip-address;
option space acme code width 1 length width 1;
option acme.server code 1 = ip-address;
option acme.url code 2 = text;
option space docsis code width 1 length width 1;
option docsis.tftp code 2 = ip-address;
option docsis.cfg code 3 = text;
option vendor.docsis code 4491 = encapsulate docsis;
option space bbf code width 1 length width 1;
option bbf.oui code 1 = text;
option vendor.bbf code 3561 = encapsulate bbf;
option space e9 code width 1 length width 1;
option e9.long code 1 = text;
option vendor.e9 code 9 = encapsulate e9;
class "acme" {
  match if substring(option vendor-class-identifier, 0, 4) = "ACME";
  vendor-option-space acme;
  option acme.server 198.18.0.9;
  option acme.url "provisioning";
}
class "long" {
  match if option vendor-class-identifier = "LONG";
  option e9.long "%s";
}
subnet 198.18.0.0 netmask 255.255.255.0 {
  range 198.18.0.10 198.18.0.50;
  option foo 198.18.0.5 1500 "pxe, stage 2";
  option bar 198.18.0.2, 198.18.0.3;
  option docsis.tftp 198.18.0.3;
  option docsis.cfg "cm.cfg";
  option bbf.oui "OUI123";
}
""" % LONG

OPT224 = bytes([198, 18, 0, 5, 0x05, 0xdc]) + b"pxe, stage 2"
OPT225 = bytes([198, 18, 0, 2, 198, 18, 0, 3])
OPT43 = bytes([1, 4, 198, 18, 0, 9, 2, 12]) + b"provisioning"
OPT125 = (bytes([0, 0, 0x11, 0x8b, 14, 2, 4, 198, 18, 0, 3, 3, 6]) + b"cm.cfg" +
          bytes([0, 0, 0x0d, 0xe9, 8, 1, 6]) + b"OUI123")
OPT125_LONG = bytes([0, 0, 0, 9, 252, 1, 250]) + LONG.encode()


def options(reply):
    """{code: value} from the options field as sent, the pieces of a split
    option joined (RFC 3396 section 5), and how many pieces each had."""
    raw = bytes.fromhex(reply["options_hex"])
    out, pieces, i = {}, {}, 0
    while i < len(raw) and raw[i] != 255:
        if raw[i] == 0:
            i += 1
            continue
        code, n = raw[i], raw[i + 1]
        out[code] = out.get(code, b"") + raw[i + 2:i + 2 + n]
        pieces[code] = pieces.get(code, 0) + 1
        i += 2 + n
    return out, pieces


def ack(kit, ns, mac, *args):
    r = kit(ns, "dora", "--mac", mac, *args)["ack"]
    assert r and r["type"] == "ack", r
    assert r["options_hex"], r
    return r


def check_replies(kit, ns, vivso=True):
    acme = ack(kit, ns, "02:00:00:00:d0:01", "--vendor-class", "ACME phone 1",
               "--prl-extra", "43,224,225")
    o, _ = options(acme)
    assert o.get(224) == OPT224, o
    assert o.get(225) == OPT225, o
    assert o.get(43) == OPT43, o
    assert 125 not in o, o		# not asked for

    if not vivso:
        return
    # RFC 3925 section 4: the client names its vendors in its own option 125
    other = ack(kit, ns, "02:00:00:00:d0:02", "--prl-extra", "43,125",
                "--option", "125:0000118b00" "00000de900")
    o, _ = options(other)
    assert 43 not in o, o		# only the class has it
    assert o.get(125) == OPT125, o

    long = ack(kit, ns, "02:00:00:00:d0:03", "--vendor-class", "LONG", "--prl-extra", "125",
               "--option", "125:0000000900")
    o, pieces = options(long)
    assert 52 not in o, o
    assert o.get(125) == OPT125_LONG, o
    assert pieces[125] == 2, pieces	# 257 bytes: split as RFC 3396 says


def test_config_round_trips(tmp_path):
    """-t takes the file and prints it back in a form it takes again."""
    src = tmp_path / "a.ini"
    src.write_text(INI % (tmp_path / "j"))
    res = subprocess.run([daemonmod.binary(), "-t", "-c", str(src)], capture_output=True,
                         text=True, timeout=30)
    assert res.returncode == 0, res.stderr
    assert "OPTIONDEF_224=record ip, u16, string" in res.stdout, res.stdout
    assert "OPTION_224=198.18.0.5, 1500, pxe, stage 2" in res.stdout, res.stdout
    assert "VENDOR43_2=2 string:provisioning" in res.stdout, res.stdout
    again = tmp_path / "b.ini"
    again.write_text(res.stdout)
    res2 = subprocess.run([daemonmod.binary(), "-t", "-c", str(again)], capture_output=True,
                          text=True, timeout=30)
    assert res2.returncode == 0, res2.stderr
    assert res2.stdout.splitlines()[1:] == res.stdout.splitlines()[1:]


@pytest.mark.netns
def test_defined_options_on_the_wire(make_topo, duod, kit, tmp_path):
    topo = make_topo(clients=(1,))
    d = duod(topo, config_text=INI % (tmp_path / "leases.journal"))
    check_replies(kit, topo.clients[1])
    if not os.path.exists(folib.ISC_DHCPD):
        return
    d.stop()	# the same link, now ISC dhcpd with the same options
    isc = folib.IscDhcpd(topo.server, tmp_path / "isc", ISC_CONF)
    rc, out = isc.check()
    assert rc == 0, out
    isc.start()
    try:
        # ISC 4.4.3 sent no option 125 from these "vendor" spaces in our
        # tries (with the client's own 125 too), so 125 is ours alone here.
        check_replies(kit, topo.clients[1], vivso=False)
    finally:
        isc.stop()
