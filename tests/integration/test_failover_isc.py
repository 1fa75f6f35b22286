"""duodhcpd and ISC dhcpd 4.4.3 as failover partners, both ways round, from
the configurations of examples/failover/isc-primary and isc-secondary
(only paths, MCLT, lease and response times changed for the test).

ISC primary, duodhcpd secondary: the pair reaches normal, binding updates
flow both ways, both answer by the same RFC 3074 split.  Either way round:
a kill of ISC takes duodhcpd to communications-interrupted, where it still
renews, and a restarted ISC brings both back to normal; duodhcpd restarted
with an empty journal resyncs from ISC, and ISC restarted with an empty
lease file resyncs from duodhcpd.

The example checks (`duodhcpd -t`, `dhcpd -t -cf`) need no root."""

import os
import re
import subprocess
import time

import pytest

import folib
import nslib
from daemon import binary
from folib import (ADDR, EXAMPLES, FoPair, IscDhcpd, bucket, example, ini_set, isc_set,
                   primary_bucket, state, states)

MCLT = 15		# short, so that a recover-wait is short too
LEASE = 600
PAIRS = {
    # the example directory: (duodhcpd's role number in FoPair, ISC's)
    "isc-primary": (2, 1),
    "isc-secondary": (1, 2),
}


def _have_isc():
    if not os.access(folib.ISC_DHCPD, os.X_OK):
        pytest.fail("ISC dhcpd is not installed at %s (packages.txt: "
                    "isc-dhcp-server)" % folib.ISC_DHCPD)


# ------------------------------------------------------------- the examples

def _run(argv):
    return subprocess.run(argv, capture_output=True, text=True, timeout=30,
                          stdin=subprocess.DEVNULL)


def _ini_get(text, section, key):
    cur = None
    for line in text.splitlines():
        m = re.match(r"^\s*\[([^\]]+)\]\s*$", line)
        if m:
            cur = m.group(1)
            continue
        m = re.match(r"^\s*([A-Za-z0-9_]+)\s*=\s*(.*?)\s*$", line)
        if m and cur == section and m.group(1).lower() == key.lower():
            return m.group(2)
    return None


def _isc_peer(text):
    """The failover peer block of a dhcpd.conf as a dict."""
    m = re.search(r'failover peer "([^"]+)" \{(.*?)\n\}', text, re.S)
    assert m, "no failover peer block"
    d = {"name": m.group(1)}
    for st in re.findall(r"^\s*([^;{}\n]+);", m.group(2), re.M):
        words = st.split()
        if words[0] == "peer":
            d["peer " + words[1]] = " ".join(words[2:])
        elif len(words) == 1:
            d["role"] = words[0]
        else:
            d[" ".join(words[:-1])] = words[-1]
    return d


EXAMPLE_INIS = ["primary.ini", "secondary.ini", "isc-primary/dhcpsrv.ini",
                "isc-secondary/dhcpsrv.ini"]
EXAMPLE_CONFS = ["isc-primary/dhcpd.conf", "isc-secondary/dhcpd.conf"]


@pytest.mark.parametrize("rel", EXAMPLE_INIS)
def test_example_ini_valid(rel):
    """duodhcpd -t accepts every failover example (CI fails on a broken one)."""
    exe = binary()
    assert os.access(exe, os.X_OK), "daemon binary %s is missing" % exe
    path = os.path.join(EXAMPLES, rel)
    r = _run([exe, "-t", "-c", path])
    assert r.returncode == 0, "%s: exit %d\n%s%s" % (rel, r.returncode, r.stdout, r.stderr)
    text = example(rel)
    for key in ("Address", "PeerAddress"):
        assert _ini_get(text, "FAILOVER", key).startswith("198.18."), key


def test_example_duodhcpd_pair_agrees():
    """primary.ini and secondary.ini checked as a pair (--peer-config)."""
    exe = binary()
    for a, b in (("primary.ini", "secondary.ini"), ("secondary.ini", "primary.ini")):
        r = _run([exe, "-t", "-c", os.path.join(EXAMPLES, a), "--peer-config",
                  os.path.join(EXAMPLES, b)])
        assert r.returncode == 0, "%s + %s: exit %d\n%s%s" % (a, b, r.returncode,
                                                              r.stdout, r.stderr)


@pytest.mark.parametrize("rel", EXAMPLE_CONFS)
def test_example_dhcpd_conf_valid(rel, tmp_path):
    """dhcpd -t -cf accepts the ISC halves of the examples; and a broken
    copy is refused (so the check can fail)."""
    _have_isc()
    path = os.path.join(EXAMPLES, rel)
    r = _run([folib.ISC_DHCPD, "-t", "-cf", path])
    assert r.returncode == 0, "%s: exit %d\n%s%s" % (rel, r.returncode, r.stdout, r.stderr)
    broken = tmp_path / "broken.conf"
    broken.write_text(example(rel).replace("split 128;", "split 128")
                      .replace("load balance max seconds 3;", "load balance max seconds;"))
    assert _run([folib.ISC_DHCPD, "-t", "-cf", str(broken)]).returncode != 0


@pytest.mark.parametrize("pair", sorted(PAIRS))
def test_example_halves_match(pair):
    """dhcpsrv.ini and dhcpd.conf of one example describe the same
    relationship: name, the two addresses and ports, opposite roles, the
    same pool and load-balance seconds; MCLT and split on the primary only."""
    ini = example(pair + "/dhcpsrv.ini")
    conf = example(pair + "/dhcpd.conf")
    peer = _isc_peer(conf)
    g = lambda k: _ini_get(ini, "FAILOVER", k)
    assert g("Name") == peer["name"]
    assert g("Address") == peer["peer address"] and g("PeerAddress") == peer["address"]
    assert peer["port"] == peer["peer port"] == "647"
    assert {g("Role"), peer["role"]} == {"primary", "secondary"}
    assert g("LoadBalanceMaxSeconds") == peer["load balance max seconds"]
    lo, hi = _ini_get(ini, "Settings", "IPPOOL_1").split("-")
    assert re.search(r"range %s %s;" % (re.escape(lo), re.escape(hi)), conf)
    if peer["role"] == "primary":
        assert "mclt" in peer and "split" in peer and g("MCLT") is None and g("Split") is None
    else:
        assert "mclt" not in peer and "split" not in peer and g("MCLT") and g("Split")
    assert _ini_get(ini, "Settings", "IPBIND_1") == g("Address")


# ------------------------------------------------------------- the pair

class IscPair:
    """FoPair's topology (fo1 198.18.0.2 primary, fo2 198.18.0.3 secondary,
    clients on br0) with ISC dhcpd in one role and duodhcpd in the other,
    both from examples/failover/<name>."""

    def __init__(self, name, make_topo, duod, tmp_path, clients=(1,)):
        _have_isc()
        self.name = name
        self.topo = make_topo(clients=clients, server=False)
        self.fo = FoPair(self.topo, duod, tmp_path)
        self.dn, self.isc_n = PAIRS[name]
        self.tmp = tmp_path
        self._duod = duod
        ini = example(name + "/dhcpsrv.ini")
        ini = ini_set(ini, "DUODHCP", "Journal", self.journal)
        ini = ini_set(ini, "GENERAL", "LEASETIME", LEASE)
        ini = ini_set(ini, "FAILOVER", "MaxResponseDelay", 10)
        ini = ini_set(ini, "Settings", "Trace", 1)
        if _ini_get(ini, "FAILOVER", "MCLT"):
            ini = ini_set(ini, "FAILOVER", "MCLT", MCLT)
        self.ini = ini
        conf = example(name + "/dhcpd.conf")
        for st, v in (("default-lease-time", LEASE), ("max-lease-time", LEASE),
                      ("max-response-delay", 10)):
            conf = isc_set(conf, st, v)
        if "mclt" in _isc_peer(conf):
            conf = isc_set(conf, "mclt", MCLT)
        self.isc = IscDhcpd(self.fo.ns[self.isc_n], tmp_path / "isc", conf)
        rc, out = self.isc.check()
        assert rc == 0, out
        self.d = None

    @property
    def journal(self):
        return str(self.tmp / "duodhcpd.journal")

    @property
    def our_addr(self):
        return ADDR[self.dn]

    @property
    def isc_addr(self):
        return ADDR[self.isc_n]

    def start_duod(self):
        if self.d is None:
            self.d = self._duod(self.topo, config_text=self.ini, ns=self.fo.ns[self.dn])
            self.fo.d[self.dn] = self.d
        else:
            self.d.start()
        return self.d

    def wait_normal(self, timeout=60):
        try:
            self.fo.wait_state(self.dn, "normal", timeout=timeout)
            self.isc.wait_normal(timeout=timeout)
        except TimeoutError as e:
            raise AssertionError("%s\nISC log:\n%s\nduodhcpd states: %s" % (
                e, self.isc.run_log()[-5000:], states(self.d.log())))
        st = self.fo.status(self.dn)
        assert st["state"] == "normal" and st["peer_state"] == "normal", st
        assert st["link"] == "up" and st["mclt"] == MCLT, st

    def stop(self):
        self.isc.stop()


@pytest.fixture
def isc_pair(request, make_topo, duod, tmp_path):
    made = []

    def make(name, **kw):
        p = IscPair(name, make_topo, duod, tmp_path, **kw)
        made.append(p)
        return p

    yield make
    for p in made:
        p.stop()
        rep = getattr(request.node, "rep_call", None)
        if rep is None or rep.failed:
            import sys
            sys.stderr.write("\n----- ISC dhcpd log -----\n%s\n" % p.isc.log()[-8000:])


def macs_by_side(n_each, split=128, base=0x020000400000):
    """n_each MACs of the primary's buckets and n_each of the secondary's."""
    prim, sec = [], []
    i = 0
    while (len(prim) < n_each or len(sec) < n_each) and i < 10000:
        i += 1
        m = base + i
        mac = ":".join("%02x" % b for b in m.to_bytes(6, "big"))
        (prim if primary_bucket(bucket(mac), split) else sec).append(mac)
    return prim[:n_each], sec[:n_each]


def _dora(kit, ns, mac, timeout=4):
    r = kit(ns, "dora", "--mac", mac, timeout=timeout)
    if not r.get("ack") or r["ack"]["type"] != "ack":
        return None
    return r["ack"]["yiaddr"], r["ack"]["options"].get("server_id")


def _wait_ours(pair, addr, mac, timeout=15):
    return pair.d.wait_lease(lambda l: l["addr"] == addr and l["state"] == "active" and
                             l["hw"] == mac, timeout=timeout,
                             what="%s active for %s in duodhcpd's journal" % (addr, mac))


# ------------------------------------------------------------- ISC primary

@pytest.mark.netns
def test_isc_primary_normal_updates_and_split(isc_pair, kit):
    """ISC dhcpd primary, duodhcpd secondary: both reach normal; with
    secs 0 the primary's buckets are offered by ISC only and the
    secondary's by duodhcpd only (ISC balanced half the pool to us as
    BACKUP); a lease ISC granted is in our journal, one we granted in
    ISC's dhcpd.leases."""
    pair = isc_pair("isc-primary")
    pair.isc.start()
    pair.start_duod()
    pair.wait_normal()
    assert "Both servers normal" in pair.isc.run_log()

    # ISC as primary moves half the free addresses to us as BACKUP.
    nslib.wait_until(lambda: sum(1 for l in pair.d.leases() if l["state"] == "backup") > 50,
                     30, interval=1, what="BACKUP leases from ISC's pool balancing")

    ns = pair.topo.clients[1]
    prim, sec = macs_by_side(8)
    res = folib.run_clients(ns, prim + sec, 3, mode="probe")["offers"]
    wrong = {}
    for mac in prim + sec:
        want = pair.isc_addr if mac in prim else pair.our_addr
        servers = sorted({o["server"] for o in res[mac]})
        if servers != [want]:
            wrong[mac] = (bucket(mac), servers, want)
    assert not wrong, "offers not by the bucket's owner (mac: bucket, from, want): %s" % wrong

    # A client of ISC's buckets: ACKed by ISC, in our journal.
    got = _dora(kit, ns, prim[0])
    assert got and got[1] == pair.isc_addr, got
    _wait_ours(pair, got[0], prim[0])
    # A client of ours: ACKed by us, in ISC's lease file.
    got2 = _dora(kit, ns, sec[0])
    assert got2 and got2[1] == pair.our_addr, got2
    pair.isc.wait_lease(got2[0], hw=sec[0])
    st = {}
    try:
        nslib.wait_until(lambda: st.update(pair.fo.status(pair.dn)) or (
            st["updates_received"] >= 1 and st["updates_acked"] >= 1), 10, interval=0.5,
            what="updates received from ISC and ours acked by it")
    except TimeoutError:
        raise AssertionError("failover status: %s" % st)


# ------------------------------------------------------------- either way round

def _served_lease(pair, kit, ns, mac):
    """mac gets a lease from the pair (with secs past load balance max
    seconds if the bucket's owner does not answer); both stores have it."""
    got = _dora(kit, ns, mac)
    if got is None:
        # The bucket's owner has no free address (duodhcpd as primary does
        # not balance the pool yet, so ISC as secondary has none): a client
        # whose secs grows past load balance max seconds (3) is answered by
        # the other.
        acks = [a for a in folib.run_clients(ns, [mac], 10)["acks"]
                if a["type"] == 5 and a["mac"] == mac]
        got = (acks[-1]["yiaddr"], acks[-1]["server"]) if acks else None
    assert got, "no ACK for %s" % mac
    _wait_ours(pair, got[0], mac)
    pair.isc.wait_lease(got[0], hw=mac)
    return got[0]


def _renew_full(pair, kit, ns, mac, addr):
    """A renewal (REQUEST with ciaddr, the address on the client's
    interface) until the lease runs longer than MCLT: the first lease of a
    pair is MCLT long, the renewal after the partner's BNDACK the full one."""
    if addr not in [a for a, _ in pair.topo.addresses(ns)]:
        pair.topo.ip(ns, "addr", "add", addr + "/24", "dev", "eth0")
    r = None
    for _ in range(5):
        r = kit(ns, "request", "--mac", mac, "--ciaddr", addr, timeout=3)["reply"]
        if r and r["type"] == "ack" and r["options"].get("lease_time", 0) > MCLT:
            return r
        time.sleep(1)
    raise AssertionError("no full-length renewal of %s for %s: %s" % (addr, mac, r))


@pytest.mark.netns
@pytest.mark.parametrize("name", sorted(PAIRS))
def test_isc_killed_and_restarted(isc_pair, kit, name):
    """SIGKILL of ISC dhcpd: duodhcpd goes to communications-interrupted
    and still renews (a broadcast REQUEST with ciaddr); ISC restarted with
    its lease file: both normal again, and the renewal reaches ISC."""
    pair = isc_pair(name)
    pair.isc.start()
    pair.start_duod()
    pair.wait_normal()
    ns = pair.topo.clients[1]
    prim, sec = macs_by_side(1)
    mac = prim[0] if pair.isc_n == 1 else sec[0]	# a client of ISC's buckets
    addr = _served_lease(pair, kit, ns, mac)
    before = pair.isc.leases()[addr]

    pair.isc.kill()
    pair.fo.wait_state(pair.dn, "communications-interrupted", timeout=25)
    st = pair.fo.status(pair.dn)
    assert st["state"] == "communications-interrupted" and st["link"] != "up", st
    # A renewing client has its address (the ACK is unicast to ciaddr).
    pair.topo.ip(ns, "addr", "add", addr + "/24", "dev", "eth0")
    t_renew = int(time.time())
    r = kit(ns, "request", "--mac", mac, "--ciaddr", addr, timeout=4)["reply"]
    assert r and r["type"] == "ack" and r["yiaddr"] == addr, r
    assert r["options"].get("server_id") == pair.our_addr, r
    after = pair.d.lease(addr)
    assert after["state"] == "active" and after["hw"] == mac, after
    assert states(pair.d.log())[-1] == "communications-interrupted"

    pair.isc.start()
    pair.wait_normal(timeout=60)
    # The renewal made alone reached ISC's lease file once the link was back.
    def renewed():
        l = pair.isc.leases().get(addr)
        return l and l["binding"] == "active" and l["hw"] == mac and \
            l.get("ends", 0) > before.get("ends", 0) and l.get("ends", 0) >= t_renew + MCLT
    nslib.wait_until(renewed, 15, what="%s active in ISC's lease file after the link "
                     "came back" % addr)


@pytest.mark.netns
@pytest.mark.parametrize("name", sorted(PAIRS))
def test_resync_after_lost_store(isc_pair, kit, name):
    """duodhcpd restarted with an EMPTY journal resyncs from ISC (its
    UPDREQALL is answered; the journal then holds the leases ISC knew);
    ISC restarted with an empty dhcpd.leases resyncs from us.  Both end
    in normal."""
    pair = isc_pair(name)
    pair.isc.start()
    pair.start_duod()
    pair.wait_normal()
    ns = pair.topo.clients[1]
    prim, sec = macs_by_side(2)
    leases = {}
    for mac in (prim[0], sec[0], prim[1], sec[1]):
        leases[mac] = _served_lease(pair, kit, ns, mac)
    # Full-length leases, so that none runs out during a recover-wait.
    for mac, addr in leases.items():
        _renew_full(pair, kit, ns, mac, addr)

    # Our journal lost.
    pair.d.stop()
    os.remove(pair.journal)
    pair.d.start()
    pair.wait_normal(timeout=90)
    assert "recover" in states(pair.d.log()), states(pair.d.log())
    for mac, addr in leases.items():
        _wait_ours(pair, addr, mac, timeout=20)

    # ISC's lease file lost.
    pair.isc.stop()
    pair.isc.wipe_leases()
    pair.isc.start()
    pair.wait_normal(timeout=90)
    assert any(st == "recover" for w, st in folib.isc_states(pair.isc.run_log()) if w == "I")
    for mac, addr in leases.items():
        pair.isc.wait_lease(addr, hw=mac, timeout=20)
