"""Failover between two duodhcpd (draft-ietf-dhc-failover-12 as ISC dhcpd
4.4.3 runs it), in network namespaces: the pair reaches normal over TCP
647, a lease granted by either is in both journals, and the secondary
carries on alone when the primary dies."""

import os
import re
import subprocess
import sys

import pytest

import nslib
from folib import FoPair, states


def _in_pool(addr):
    return addr.startswith("198.18.0.") and 10 <= int(addr.rsplit(".", 1)[1]) <= 250


@pytest.mark.netns
def test_pair_reaches_normal_and_shares_leases(make_topo, duod, client, tmp_path):
    topo = make_topo(clients=(1,), server=False)
    pair = FoPair(topo, duod, tmp_path)
    pair.start(1)
    pair.start(2)
    pair.wait_state(1, "normal")
    pair.wait_state(2, "normal")
    for n in (1, 2):
        log = pair.d[n].log()
        assert "failover: link to peer dhcp-pair up" in log, log
        st = pair.status(n)
        assert st["enabled"] and st["state"] == "normal" and st["peer_state"] == "normal", st
        assert st["link"] == "up" and st["mclt"] == 60, st
        assert st["role"] == ("primary" if n == 1 else "secondary"), st

    # Client 1's RFC 3074 bucket is the secondary's, which holds no free
    # address (no pool balancing yet): the primary answers once dhclient's
    # secs passes LoadBalanceMaxSeconds (3), as ISC does.
    c = client("dhclient", topo, 1)
    ev = c.obtain(timeout=40)
    addr = ev["env"]["new_ip_address"]
    assert _in_pool(addr), ev
    # The granting server's journal has it, and the partner's through the
    # BNDUPD it acked.
    for n in (1, 2):
        l = pair.d[n].wait_lease(lambda l: l["addr"] == addr and l["state"] == "active",
                                 timeout=10, what="%s active on fo%d" % (addr, n))
        assert l is not None
    assert pair.status(1)["updates_acked"] + pair.status(2)["updates_acked"] >= 1

    # The primary dies: the secondary moves to communications-interrupted
    # and still answers the client's INIT-REBOOT request (broadcast).
    pair.d[1].kill()
    pair.wait_state(2, "communications-interrupted", timeout=30)
    ev = c.renew(timeout=40)
    assert ev["env"]["new_ip_address"] == addr, ev
    assert states(pair.d[2].log())[-1] == "communications-interrupted"


@pytest.mark.netns
def test_graceful_stop_and_restart(make_topo, duod, tmp_path):
    """SIGTERM on the primary sends state shutdown: the secondary goes to
    partner-down at once.  The primary restarted with its journal comes
    back to normal with it (no recover-wait: its journal is intact)."""
    topo = make_topo(clients=(1,), server=False)
    pair = FoPair(topo, duod, tmp_path)
    pair.start(1)
    pair.start(2)
    pair.wait_state(1, "normal")
    pair.wait_state(2, "normal")
    assert pair.d[1].stop() == 0
    log1 = pair.d[1].log()
    assert states(log1)[-1] == "shutdown", states(log1)
    pair.wait_state(2, "partner-down", timeout=10)

    pair.d[1].start()
    nslib.wait_until(lambda: "saved state shutdown" in pair.d[1].log() or
                     "saved state recover" in pair.d[1].log(), 10,
                     what="the primary's saved state read back")
    pair.wait_state(1, "normal", timeout=30)
    pair.wait_state(2, "normal", timeout=30)
    assert "recover-wait" not in states(pair.d[1].log()), states(pair.d[1].log())


ISC_DHCPD = "/usr/sbin/dhcpd"

ISC_SECONDARY = """authoritative;
ddns-update-style none;
default-lease-time 600;
max-lease-time 600;

failover peer "%(name)s" {
  secondary;
  address %(me)s;
  port 647;
  peer address %(peer)s;
  peer port 647;
  max-response-delay 10;
  max-unacked-updates 10;
  load balance max seconds 3;
}

subnet 198.18.0.0 netmask 255.255.255.0 {
  option routers 198.18.0.1;
  pool {
    failover peer "%(name)s";
    range %(lo)s %(hi)s;
  }
}
"""


@pytest.mark.netns
def test_with_isc_dhcpd_secondary(make_topo, duod, client, tmp_path):
    """duodhcpd primary, ISC dhcpd 4.4.3 secondary: both reach normal, and
    a client's lease granted by the pair is in both lease databases."""
    if not os.access(ISC_DHCPD, os.X_OK):
        pytest.skip("no ISC dhcpd")
    import folib
    topo = make_topo(clients=(1,), server=False)
    pair = FoPair(topo, duod, tmp_path)
    pair.start(1)
    conf = tmp_path / "dhcpd.conf"
    conf.write_text(ISC_SECONDARY % {"name": folib.NAME, "me": folib.ADDR[2],
                                     "peer": folib.ADDR[1], "lo": folib.POOL[0],
                                     "hi": folib.POOL[1]})
    leases = tmp_path / "dhcpd.leases"
    leases.write_text("")
    logpath = tmp_path / "dhcpd.log"
    with open(logpath, "w") as log:
        isc = subprocess.Popen(nslib.nsexec(pair.ns[2]) + [
            ISC_DHCPD, "-4", "-f", "-d", "-cf", str(conf), "-lf", str(leases),
            "-pf", str(tmp_path / "dhcpd.pid"), "eth0"],
            stdin=subprocess.DEVNULL, stdout=log, stderr=log)
    try:
        isc_log = lambda: logpath.read_text(errors="replace")
        try:
            pair.wait_state(1, "normal", timeout=40)
            nslib.wait_until(lambda: re.search(r"I move from \S+ to normal", isc_log()), 40,
                             what="ISC dhcpd in normal")
        except TimeoutError:
            raise AssertionError("ISC log:\n" + isc_log()[-6000:])
        c = client("dhclient", topo, 1)
        addr = c.obtain(timeout=40)["env"]["new_ip_address"]
        assert _in_pool(addr), addr
        pair.d[1].wait_lease(lambda l: l["addr"] == addr and l["state"] == "active",
                             timeout=10, what="%s active on duodhcpd" % addr)
        nslib.wait_until(lambda: re.search(r"lease %s \{[^}]*binding state active" %
                                           re.escape(addr), leases.read_text()), 10,
                         what="%s active in ISC's lease file" % addr)
    finally:
        nslib.stop_pid(isc.pid, term_timeout=5, proc=isc)
        sys.stderr.write("\n----- ISC dhcpd log -----\n%s\n" % logpath.read_text(
            errors="replace")[-8000:])


@pytest.mark.netns
def test_reload_keeps_the_relationship(make_topo, duod, tmp_path):
    """SIGHUP: an unchanged [FAILOVER] reloads (the pair stays normal); a
    changed one is refused, the old configuration staying in force."""
    import signal
    from folib import fo_config
    topo = make_topo(clients=(1,), server=False)
    pair = FoPair(topo, duod, tmp_path)
    pair.start(1)
    pair.start(2)
    pair.wait_state(1, "normal")
    pair.wait_state(2, "normal")
    d = pair.d[1]
    d.signal(signal.SIGHUP)
    nslib.wait_until(lambda: "configuration reloaded" in d.log(), 10, what="reload")
    d.write_config(fo_config(1, pair.journal(1), mclt=120))
    d.signal(signal.SIGHUP)
    nslib.wait_until(lambda: "that takes a restart" in d.log(), 10, what="refusal")
    assert "new configuration refused" in d.log()
    assert states(d.log())[-1] == "normal"
    assert pair.status(1)["state"] == "normal" and pair.status(1)["mclt"] == 60
