"""duodhcpctl import-config --from isc on the dhcpd.conf forms ISC's own
documentation shows: the example file Debian's isc-dhcp-server ships (every
commented-out declaration turned on) and the failover pair of dhcpd.conf(5).
Their 10.x networks and host names are rewritten to 198.18.x addresses
first, as an administrator would have to for the host names (a translator
cannot look them up).  Each output must pass `duodhcpd -t`, and the example
must serve real clients: dhclient with the host declaration's MAC gets its
fixed address, udhcpc an address of the translated range with the
translated router, DNS server, domain name and lease time."""

import os
import re
import subprocess

import pytest

import daemon as daemonmod
import nslib

EXAMPLE = "/usr/share/doc/isc-dhcp-server/examples/dhcpd.conf.example"

# The example's networks and names, moved to 198.18.0.0/15.  10.5.5.0/27
# becomes the server's own link (eth0, 198.18.0.1/24 in the namespace).
NETS = {"10.152.187.": "198.18.10.", "10.254.239.": "198.18.11.", "10.5.5.": "198.18.0.",
        "10.17.224.": "198.18.12.", "10.0.29.": "198.18.13."}
NAMES = {"ns1.internal.example.org": "198.18.0.53",
         "ns1.example.org": "198.18.0.51", "ns2.example.org": "198.18.0.52",
         "rtr-239-0-1.example.org": "198.18.11.1", "rtr-239-0-2.example.org": "198.18.11.2",
         "rtr-239-32-1.example.org": "198.18.11.33", "rtr-224.example.org": "198.18.12.1",
         "rtr-29.example.org": "198.18.13.1", "fantasia.example.com": "198.18.0.20"}


def ctl(*args, ns=None):
    argv = (nslib.nsexec(ns) if ns else []) + [daemonmod.tool("duodhcpctl"), "import-config"]
    return subprocess.run(argv + list(args), capture_output=True, text=True, timeout=30)


def check_t(path, *extra):
    res = subprocess.run([daemonmod.binary(), "-t", "-c", path] + list(extra),
                         capture_output=True, text=True, timeout=30)
    assert res.returncode == 0, res.stderr
    return res.stdout


def example_text():
    """The example with its declarations turned on and moved to 198.18.x."""
    if not os.path.exists(EXAMPLE):
        pytest.fail("%s is missing: install isc-dhcp-server" % EXAMPLE)
    with open(EXAMPLE) as f:
        text = f.read()
    # "#subnet", "#  range", "#}" are commented-out statements; "# The ..."
    # (one blank, then a word) is prose.
    text = re.sub(r"(?m)^#(?! \S)", "", text)
    for old, new in list(NETS.items()) + list(NAMES.items()):
        text = text.replace(old, new)
    return text.replace("08:00:07:26:c0:a5", nslib.client_mac(1))


def with_journal(ini, journal):
    """The translated file with the journal in the test's folder."""
    line = "Journal=%s\n" % journal
    if "\n[DUODHCP]\n" in ini:
        return ini.replace("\n[DUODHCP]\n", "\n[DUODHCP]\n" + line, 1)
    return ini + "\n[DUODHCP]\n" + line


def test_example_translates_and_notes(tmp_path):
    conf = tmp_path / "dhcpd.conf"
    conf.write_text(example_text())
    out = tmp_path / "dhcpsrv.ini"
    res = ctl("--bind", "198.18.0.1", str(conf), "-o", str(out))
    assert res.returncode == 0, res.stderr
    ini = out.read_text()
    check_t(str(out))
    for want in ("IPBIND_1=198.18.0.1", "[SUBNET:198.18.0.0/27]", "IPPOOL_1=198.18.0.26-198.18.0.30",
                 "OPTION_15=string:internal.example.org", "OPTION_6=ips:198.18.0.53",
                 "OPTION_3=ips:198.18.0.1", "LEASETIME=600", "MaxLeaseTime=7200",
                 "[SUBNET:198.18.11.0/27]", "OPTION_3=ips:198.18.11.1,198.18.11.2",
                 "SharedNetwork=224-29", "[00-00-c0-5d-bd-95]",
                 'BOOTFILE="vmunix.passacaglia"', 'SNAME="toccata.example.com"',
                 "IPADDR=198.18.0.20", "Authoritative=1"):
        assert want in ini, (want, ini)
    # The statements that are not translated, each with its line.
    lines = example_text().splitlines()
    for stmt in ('class "foo"', 'allow members of "foo"', 'deny members of "foo"',
                 "ddns-update-style none", "log-facility local7"):
        n = next(i for i, l in enumerate(lines, 1) if l.strip().startswith(stmt))
        assert "%s:%d: not translated: %s" % (conf, n, stmt) in res.stderr, res.stderr
    assert "log-facility local7: duodhcpd logs" in res.stderr
    assert "(harmless)" in res.stderr


@pytest.mark.netns
def test_example_serves_clients(make_topo, duod, client, tmp_path):
    topo = make_topo(clients=(1, 2))
    conf = tmp_path / "dhcpd.conf"
    conf.write_text(example_text())
    # No --bind: inside the server's namespace the host's own addresses
    # (eth0, 198.18.0.1) pick the directly attached link, as dhcpd would.
    res = ctl(str(conf), ns=topo.server)
    assert res.returncode == 0, res.stderr
    assert "IPBIND_1=198.18.0.1\n" in res.stdout
    d = duod(topo, config_text=with_journal(res.stdout, str(tmp_path / "leases.journal")))
    env = client("dhclient", topo, 1).obtain()["env"]
    assert env["new_ip_address"] == "198.18.0.20", env
    u = client("udhcpc", topo, 2).start()["env"]
    assert daemonmod.in_range(u["ip"], "198.18.0.26", "198.18.0.30"), u
    assert u.get("router") == "198.18.0.1", u
    assert u.get("dns") == "198.18.0.53", u
    assert u.get("domain") == "internal.example.org", u
    assert u.get("lease") == "600", u
    assert u.get("mask") in ("255.255.255.224", "27"), u
    assert d.alive()


PEER = """failover peer "foo" {
  %(role)s;
  address %(me)s;
  port %(port)d;
  peer address %(peer)s;
  peer port %(peer_port)d;
  max-response-delay 60;
  max-unacked-updates 10;
%(primary)s  load balance max seconds 3;
}

subnet 198.18.0.0 netmask 255.255.255.0 {
  option routers 198.18.0.1;
  pool {
    failover peer "foo";
    deny dynamic bootp clients;
    range 198.18.0.10 198.18.0.250;
  }
}
"""


def test_failover_pair(tmp_path):
    """dhcpd.conf(5)'s failover example, both sides: each translation
    passes -t, and the two pass -t as a pair."""
    sides = {
        "primary": dict(role="primary", me="198.18.0.2", port=647, peer="198.18.0.3",
                        peer_port=847, primary="  mclt 3600;\n  split 128;\n"),
        "secondary": dict(role="secondary", me="198.18.0.3", port=847, peer="198.18.0.2",
                          peer_port=647, primary=""),
    }
    for name, v in sides.items():
        conf = tmp_path / (name + ".conf")
        conf.write_text(PEER % v)
        res = ctl("--bind", "none", str(conf), "-o", str(tmp_path / (name + ".ini")))
        assert res.returncode == 0, res.stderr
        assert "deny dynamic bootp clients" in res.stderr
    pri = (tmp_path / "primary.ini").read_text()
    for want in ("Role=primary", "MCLT=3600", "Split=128", "PeerPort=847",
                 "MaxResponseDelay=60", "MaxUnackedUpdates=10", "LoadBalanceMaxSeconds=3",
                 "Pools=198.18.0.0/24"):
        assert want in pri, (want, pri)
    check_t(str(tmp_path / "primary.ini"), "--peer-config", str(tmp_path / "secondary.ini"))


def test_syntax_error_names_file_and_line(tmp_path):
    conf = tmp_path / "broken.conf"
    conf.write_text('option domain-name "example.org";\nsubnet 198.18.0.0 netmask '
                    '255.255.255.0 {\n  range 198.18.0.10 198.18.0.20\n}\n')
    out = tmp_path / "out.ini"
    res = ctl(str(conf), "-o", str(out))
    assert res.returncode == 1, res
    assert res.stderr.startswith("%s:3: " % conf), res.stderr
    assert not out.exists()
