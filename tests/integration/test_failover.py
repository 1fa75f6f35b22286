"""Failover between two duodhcpd (draft-ietf-dhc-failover-12 as ISC dhcpd
4.4.3 runs it), in network namespaces: the pair reaches normal over TCP
647, a lease granted by either is in both journals, and the secondary
carries on alone when the primary dies."""

import os
import re
import subprocess
import sys

import pytest

import folib
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

    # Client 1's RFC 3074 bucket is the secondary's, which answers from the
    # BACKUP addresses the primary gave it on entering normal (or, were
    # those not there yet, the primary once it sees the secondary has none).
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
        # Our pool balancing reached ISC: its share of the free pool is
        # in its lease file as BACKUP, as our journal has it.
        backup = nslib.wait_until(
            lambda: (lambda s: s if len(s) >= 100 else None)(set(re.findall(
                r"lease (\S+) \{[^}]*binding state backup;", leases.read_text()))),
            20, what="BACKUP leases in ISC's lease file")
        ours = {l["addr"] for l in pair.d[1].leases() if l["state"] == "backup"}
        assert backup <= ours and len(ours) == 120, (len(backup), len(ours))
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


def _backup_set(d):
    """The addresses server d's journal holds as BACKUP (the secondary's
    free stock)."""
    return {l["addr"] for l in d.leases() if l["state"] == "backup"}


def _balanced(pair, at_least=100):
    """Waits until the secondary holds its share of the 241-address pool
    as BACKUP records, in both journals; returns the secondary's set."""
    got = nslib.wait_until(lambda: (lambda s: s if len(s) >= at_least else None)(
        _backup_set(pair.d[2])), 20, what="BACKUP records on the secondary")
    assert _backup_set(pair.d[1]) == got
    return got


@pytest.mark.netns
def test_balancing_gives_the_secondary_addresses(make_topo, duod, client, tmp_path):
    """In normal the primary gives the secondary half of the free pool as
    BACKUP records (ISC's pool balancing), and a client of the secondary's
    bucket gets its lease from the secondary at once, from that set.  The
    primary balances again MinBalance after either side's stock changed:
    the secondary used a BACKUP address, a lease came back free."""
    topo = make_topo(clients=(1,), server=False)
    pair = FoPair(topo, duod, tmp_path)
    pair.start(1, fo_extra=("MinBalance=2",))
    pair.start(2)
    pair.wait_state(1, "normal")
    pair.wait_state(2, "normal")
    backup = _balanced(pair)
    # 241 free, none backup: (241 - 0) / 2 = 120 given, from the top.
    assert len(backup) == 120, len(backup)
    assert "198.18.0.250" in backup and "198.18.0.10" not in backup
    log1, log2 = pair.d[1].log(), pair.d[2].log()
    assert re.search(r"balancing 198\.18\.0\.10-198\.18\.0\.250 \(entering normal\): "
                     r"free 241 backup 0, 120 given", log1), log1
    assert "POOLREQ sent" in log2 and "POOLRESP:" in log2, log2

    # Client 1's bucket is the secondary's (see the first test): it now
    # has addresses, so it answers the first DISCOVER itself (the primary
    # would only answer once secs passed 3, and only if it had none).
    c = client("dhclient", topo, 1)
    ev = c.obtain(timeout=20)
    addr = ev["env"]["new_ip_address"]
    assert ev["env"].get("new_dhcp_server_identifier") == folib.ADDR[2], ev["env"]
    assert addr in backup, (addr, sorted(backup))
    for n in (1, 2):
        pair.d[n].wait_lease(lambda l: l["addr"] == addr and l["state"] == "active",
                             timeout=10, what="%s active on fo%d" % (addr, n))
    # The secondary used one of its addresses: MinBalance later (ISC's
    # min-balance, 2 s here) the primary tops it up: (121 - 119) / 2 = 1.
    nslib.wait_until(lambda: re.search(
        r"\(scheduled\): free 121 backup 119, 1 given",
        pair.d[1].log()), 20, what="the primary's second balancing pass")
    nslib.wait_until(lambda: len(_backup_set(pair.d[2])) == 120, 10,
                     what="120 BACKUP records on the secondary again")
    assert "198.18.0.10" not in _backup_set(pair.d[2])
    # The client lets its address go: the primary's stock grew, so it
    # looks at the pool again (a third pass) without waiting MaxBalance,
    # and gives the address back to the secondary, whose bucket the
    # client is in (the first step of ISC's balancing).
    passes = len(re.findall(r"\(scheduled\)", pair.d[1].log()))
    c.release()
    nslib.wait_until(lambda: re.search(r"\(scheduled\): free 121 backup 120, 1 given",
                                       pair.d[1].log()), 20, what="a pass after the release")
    assert len(re.findall(r"\(scheduled\)", pair.d[1].log())) == passes + 1
    nslib.wait_until(lambda: addr in _backup_set(pair.d[2]), 10,
                     what="%s back on the secondary as BACKUP" % addr)


@pytest.mark.netns
def test_secondary_alone_serves_from_backup(make_topo, duod, client, tmp_path):
    """The primary dies: the secondary in communications-interrupted gives
    a new client an address of its BACKUP set.  Then the secondary itself
    restarts while the primary is still dead: it has the MCLT and map from
    its journal, comes back to communications-interrupted, serves another
    new client from its BACKUP set and renews the first."""
    topo = make_topo(clients=(1, 2, 3), server=False)
    pair = FoPair(topo, duod, tmp_path)
    pair.start(1, mclt=30)
    pair.start(2)
    pair.wait_state(1, "normal")
    pair.wait_state(2, "normal")
    backup = _balanced(pair)

    pair.d[1].kill()
    pair.wait_state(2, "communications-interrupted", timeout=30)
    c2 = client("dhclient", topo, 2)
    ev = c2.obtain(timeout=30)
    a2 = ev["env"]["new_ip_address"]
    assert a2 in backup, (a2, sorted(backup))
    assert ev["env"].get("new_dhcp_server_identifier") == folib.ADDR[2], ev["env"]
    # A new client of the pair gets MCLT at most.
    assert int(ev["env"]["new_dhcp_lease_time"]) <= 30, ev["env"]

    # The secondary crashes and comes back alone.
    d2 = pair.d[2]
    d2.kill()
    before = len(d2.log())
    d2.start()
    nslib.wait_until(lambda: "communications-interrupted" in states(d2.log()[before:]), 40,
                     what="the restarted secondary in communications-interrupted (%s)" %
                     states(d2.log()[before:]))
    assert "failover: MCLT 30 and bucket map restored from the journal" in d2.log()[before:]
    assert pair.status(2)["mclt"] == 30
    c3 = client("dhclient", topo, 3)
    ev = c3.obtain(timeout=30)
    a3 = ev["env"]["new_ip_address"]
    assert a3 in backup and a3 != a2, (a3, a2, sorted(backup))
    ev = c2.renew(timeout=30)
    assert ev["env"]["new_ip_address"] == a2, ev
