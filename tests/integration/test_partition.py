"""The partition check: two DHCP servers sharing a pool, clients asking
both; the link between the servers is cut while the clients go on, then
healed.  Every ACK is sniffed on the clients' side (address, client, lease
time, when), and after the heal both lease stores are read.  No address may
be ACKed to two different clients for overlapping lease times, and no
address may be active for two different clients in the two stores.

The same harness runs four pairs: duodhcpd (examples/failover/primary.ini
and secondary.ini), ISC dhcpd 4.4.3 (the dhcpd.conf halves of
examples/failover/isc-primary and isc-secondary: a primary and a
secondary), Kea 2.2 with the HA hook in load-balancing mode
(multi-threaded, HA on its own HTTP listener, pools split by the
HA_server1/HA_server2 classes as Kea's manual recommends), and ISC dhcpd
primary with duodhcpd secondary (examples/failover/isc-primary).

    switch ns: br0 ─┬─ fo1 ns eth0 198.18.0.2/24 (DHCP)   eth1 198.19.0.1/24 ─┐
                    ├─ fo2 ns eth0 198.18.0.3/24 (DHCP)   eth1 198.19.0.2/24 ─┤ br1
                    └─ c1 ns: the clients (scapy, one chaddr each)            │
               br1: the servers' own link (failover TCP 647, Kea HA HTTP 8000)

The cut takes fo1's br1 port off the bridge (silence, as a failed switch:
no RST, no carrier loss); the heal puts it back."""

import csv
import json
import os
import sys
import time

import pytest

import folib
import nslib
from folib import (Clients, IscDhcpd, example, ini_set, isc_set, isc_state, isc_states,
                   overlapping_acks, state, states)

DHCP_ADDR = {1: "198.18.0.2", 2: "198.18.0.3"}
LINK_ADDR = {1: "198.19.0.1", 2: "198.19.0.2"}
MAC = {1: "02:00:00:00:01:11", 2: "02:00:00:00:01:12"}
LEASE = 60
MCLT = 20
MAX_DELAY = 5		# failover max-response-delay: the cut is noticed in ~5 s
CUT_AT, HEAL_AT, RUN = 8, 26, 36	# seconds into the clients' run
N_EARLY, N_LATE = 40, 30		# clients from the start, and arriving during the cut
KEA = "/usr/sbin/kea-dhcp4"
KEA_HOOKS = "/usr/lib/x86_64-linux-gnu/kea/hooks"
KEA_PORT = 8000


def _topology(make_topo):
    topo = make_topo(clients=(1,), server=False)
    ns = {}
    for n in (1, 2):
        ns[n] = topo.add_host("fo%d" % n, DHCP_ADDR[n] + "/24", mac=MAC[n])
        topo.add_server_iface("eth1", "br1", LINK_ADDR[n] + "/24", ns=ns[n])
    topo.wait_links()
    return topo, ns


def _port(n):
    return "p-fo%d-eth1" % n


def cut(topo):
    topo.ip(topo.switch, "link", "set", _port(1), "nomaster")


def heal(topo):
    topo.ip(topo.switch, "link", "set", _port(1), "master", "br1")


# ------------------------------------------------------------- the pairs

class DuoPair:
    label = "duodhcpd"

    def __init__(self, topo, ns, duod, tmp_path):
        self.d = {}
        for n, rel in ((1, "primary.ini"), (2, "secondary.ini")):
            ini = example(rel)
            ini = ini_set(ini, "DUODHCP", "Journal", str(tmp_path / ("journal%d" % n)))
            ini = ini_set(ini, "GENERAL", "LEASETIME", LEASE)
            ini = ini_set(ini, "FAILOVER", "Address", LINK_ADDR[n])
            ini = ini_set(ini, "FAILOVER", "PeerAddress", LINK_ADDR[3 - n])
            ini = ini_set(ini, "FAILOVER", "MaxResponseDelay", MAX_DELAY)
            if n == 1:
                ini = ini_set(ini, "FAILOVER", "MCLT", MCLT)
            self.d[n] = duod(topo, config_text=ini, ns=ns[n])

    def state(self, n):
        return state(self.d[n].log())

    def wait_ready(self, timeout=40):
        for n in (1, 2):
            nslib.wait_until(lambda: self.state(n) == "normal", timeout,
                             what="duodhcpd %d normal (%s)" % (n, states(self.d[n].log())))

    def lost_partner(self, n):
        return "communications-interrupted" in states(self.d[n].log())

    def store(self, n):
        now = time.time()
        out = {}
        for l in self.d[n].leases():
            end = folib_end(l["end"])
            if l["state"] == "active" and end and end > now:
                out[l["addr"]] = (l["hw"], end)
        return out

    def logs(self):
        return {n: self.d[n].log() for n in (1, 2)}

    def stop(self):
        pass		# the duod fixture stops them


def folib_end(end):
    from daemon import end_value
    return end_value(end)


class IscPair:
    label = "ISC dhcpd 4.4.3"

    def __init__(self, topo, ns, duod, tmp_path):
        if not os.access(folib.ISC_DHCPD, os.X_OK):
            pytest.fail("ISC dhcpd is not installed")
        self.s = {}
        for n, rel in ((1, "isc-primary/dhcpd.conf"), (2, "isc-secondary/dhcpd.conf")):
            conf = example(rel)
            for st, v in (("default-lease-time", LEASE), ("max-lease-time", LEASE),
                          ("address", LINK_ADDR[n]), ("peer address", LINK_ADDR[3 - n]),
                          ("max-response-delay", MAX_DELAY)):
                conf = isc_set(conf, st, v)
            if n == 1:
                conf = isc_set(conf, "mclt", MCLT)
            self.s[n] = IscDhcpd(ns[n], tmp_path / ("isc%d" % n), conf)
            rc, out = self.s[n].check()
            assert rc == 0, out
        for n in (1, 2):
            self.s[n].start()

    def state(self, n):
        return isc_state(self.s[n].run_log())

    def wait_ready(self, timeout=40):
        for n in (1, 2):
            self.s[n].wait_normal(timeout)

    def lost_partner(self, n):
        return any(st == "communications-interrupted" for w, st in
                   isc_states(self.s[n].run_log()) if w == "I")

    def store(self, n):
        now = time.time()
        return {a: (l["hw"], l["ends"]) for a, l in self.s[n].leases().items()
                if l["binding"] == "active" and l.get("ends", 0) > now}

    def logs(self):
        return {n: self.s[n].log() for n in (1, 2)}

    def stop(self):
        for n in (1, 2):
            self.s[n].stop()


def kea_config(n, workdir):
    ha = {
        "this-server-name": "server%d" % n,
        "mode": "load-balancing",
        "heartbeat-delay": 1000,
        "max-response-delay": MAX_DELAY * 1000,
        "max-ack-delay": 2000,
        "max-unacked-clients": 5,
        "multi-threading": {"enable-multi-threading": True,
                            "http-dedicated-listener": True,
                            "http-listener-threads": 1, "http-client-threads": 1},
        "peers": [{"name": "server%d" % i, "url": "http://%s:%d/" % (LINK_ADDR[i], KEA_PORT),
                   "role": "primary" if i == 1 else "secondary", "auto-failover": True}
                  for i in (1, 2)],
    }
    return {"Dhcp4": {
        "interfaces-config": {"interfaces": ["eth0"], "dhcp-socket-type": "raw"},
        "lease-database": {"type": "memfile", "persist": True, "lfc-interval": 0,
                           "name": os.path.join(workdir, "kea-leases4.csv")},
        "multi-threading": {"enable-multi-threading": True, "thread-pool-size": 2,
                            "packet-queue-size": 64},
        "valid-lifetime": LEASE,
        "hooks-libraries": [
            {"library": os.path.join(KEA_HOOKS, "libdhcp_lease_cmds.so")},
            {"library": os.path.join(KEA_HOOKS, "libdhcp_ha.so"),
             "parameters": {"high-availability": [ha]}}],
        "subnet4": [{"id": 1, "subnet": "198.18.0.0/24",
                     "pools": [{"pool": "198.18.0.10 - 198.18.0.129",
                                "client-class": "HA_server1"},
                               {"pool": "198.18.0.130 - 198.18.0.250",
                                "client-class": "HA_server2"}],
                     "option-data": [{"name": "routers", "data": "198.18.0.1"}]}],
        "loggers": [{"name": "kea-dhcp4", "severity": "INFO",
                     "output_options": [{"output": os.path.join(workdir, "kea.log")}]}],
    }}


class KeaPair:
    label = "Kea 2.2 HA load-balancing"

    def __init__(self, topo, ns, duod, tmp_path):
        if not os.access(KEA, os.X_OK) or not os.path.exists(
                os.path.join(KEA_HOOKS, "libdhcp_ha.so")):
            pytest.fail("kea-dhcp4-server with the HA hook is not installed")
        self.ns = ns
        self.work = {}
        self.procs = {}
        for n in (1, 2):
            w = str(tmp_path / ("kea%d" % n))
            os.makedirs(w, exist_ok=True)
            self.work[n] = w
            conf = os.path.join(w, "kea-dhcp4.json")
            with open(conf, "w") as f:
                json.dump(kea_config(n, w), f, indent=1)
            env = ["env", "KEA_PIDFILE_DIR=" + w, "KEA_LOCKFILE_DIR=" + w]
            r = nslib.run(env + [KEA, "-t", conf], check=False, timeout=30)
            assert r.returncode == 0, r.stdout + r.stderr
            out = open(os.path.join(w, "stdout.log"), "w")
            self.procs[n] = __import__("subprocess").Popen(
                nslib.nsexec(ns[n]) + env + [KEA, "-c", conf], stdin=__import__(
                    "subprocess").DEVNULL, stdout=out, stderr=out)
            out.close()

    def heartbeat(self, n):
        from splitlib import http
        r = http(self.ns[n], "http://%s:%d/" % (LINK_ADDR[n], KEA_PORT), method="POST",
                 headers={"Content-Type": "application/json"},
                 data=json.dumps({"command": "ha-heartbeat", "service": ["dhcp4"]}),
                 timeout=3)
        try:
            return json.loads(r["body"])[0]["arguments"]["state"]
        except (ValueError, KeyError, IndexError, TypeError):
            return None

    def state(self, n):
        return self.heartbeat(n)

    def wait_ready(self, timeout=60):
        for n in (1, 2):
            assert self.procs[n].poll() is None, self.logs()[n][-3000:]
            nslib.wait_until(lambda: self.state(n) == "load-balancing", timeout,
                             interval=0.5, what="Kea %d in load-balancing" % n)

    def lost_partner(self, n):
        log = self.logs()[n]
        return "HA_COMMUNICATION_INTERRUPTED" in log or "HA_HEARTBEAT_FAILED" in log

    def store(self, n):
        now = time.time()
        last = {}
        path = os.path.join(self.work[n], "kea-leases4.csv")
        with open(path, newline="") as f:
            for row in csv.DictReader(f):
                last[row["address"]] = row
        return {a: (r["hwaddr"].lower(), int(r["expire"])) for a, r in last.items()
                if r["state"] == "0" and int(r["valid_lifetime"]) > 0 and
                int(r["expire"]) > now}

    def logs(self):
        out = {}
        for n in (1, 2):
            try:
                out[n] = open(os.path.join(self.work[n], "kea.log"), errors="replace").read()
            except OSError:
                out[n] = ""
        return out

    def stop(self):
        for n, p in self.procs.items():
            nslib.stop_pid(p.pid, term_timeout=5, proc=p)


class MixedPair:
    """ISC dhcpd primary (fo1) and duodhcpd secondary (fo2), from
    examples/failover/isc-primary: our secondary serves from the BACKUP
    addresses ISC balanced to it."""
    label = "ISC dhcpd primary + duodhcpd secondary"

    def __init__(self, topo, ns, duod, tmp_path):
        if not os.access(folib.ISC_DHCPD, os.X_OK):
            pytest.fail("ISC dhcpd is not installed")
        conf = example("isc-primary/dhcpd.conf")
        for st, v in (("default-lease-time", LEASE), ("max-lease-time", LEASE),
                      ("address", LINK_ADDR[1]), ("peer address", LINK_ADDR[2]),
                      ("max-response-delay", MAX_DELAY), ("mclt", MCLT)):
            conf = isc_set(conf, st, v)
        self.isc = IscDhcpd(ns[1], tmp_path / "isc1", conf)
        rc, out = self.isc.check()
        assert rc == 0, out
        self.isc.start()
        ini = example("isc-primary/dhcpsrv.ini")
        ini = ini_set(ini, "DUODHCP", "Journal", str(tmp_path / "journal2"))
        ini = ini_set(ini, "GENERAL", "LEASETIME", LEASE)
        ini = ini_set(ini, "FAILOVER", "Address", LINK_ADDR[2])
        ini = ini_set(ini, "FAILOVER", "PeerAddress", LINK_ADDR[1])
        ini = ini_set(ini, "FAILOVER", "MaxResponseDelay", MAX_DELAY)
        self.d = duod(topo, config_text=ini, ns=ns[2])

    def state(self, n):
        return isc_state(self.isc.run_log()) if n == 1 else state(self.d.log())

    def wait_ready(self, timeout=40):
        self.isc.wait_normal(timeout)
        nslib.wait_until(lambda: self.state(2) == "normal", timeout,
                         what="duodhcpd normal (%s)" % states(self.d.log()))

    def lost_partner(self, n):
        if n == 1:
            return any(st == "communications-interrupted" for w, st in
                       isc_states(self.isc.run_log()) if w == "I")
        return "communications-interrupted" in states(self.d.log())

    def store(self, n):
        now = time.time()
        if n == 1:
            return {a: (l["hw"], l["ends"]) for a, l in self.isc.leases().items()
                    if l["binding"] == "active" and l.get("ends", 0) > now}
        out = {}
        for l in self.d.leases():
            end = folib_end(l["end"])
            if l["state"] == "active" and end and end > now:
                out[l["addr"]] = (l["hw"], end)
        return out

    def logs(self):
        return {1: self.isc.log(), 2: self.d.log()}

    def stop(self):
        self.isc.stop()


PAIRS = {"duodhcpd": DuoPair, "isc": IscPair, "kea": KeaPair, "isc-duodhcpd": MixedPair}

# A pair whose conflicts are a known finding about the peer, not about us:
# the harness checks still fail the test, the conflict check marks it xfail
# with the numbers.  Our own pair has no entry here.
KNOWN = {
    "kea": "Kea 2.2 HA load-balancing splits its brain under a partition: with "
           "max-unacked-clients 5 one server goes partner-down while the other, "
           "in communication-recovery, keeps serving its scope, and the first "
           "allocates from the second's HA_server2 pool (README, Partition check)",
}


def client_macs():
    macs = ["02:00:00:50:%02x:%02x" % (i >> 8, i & 255) for i in range(1, N_EARLY + N_LATE + 1)]
    # The late ones arrive one by one while the link is cut.
    span = max(1, HEAL_AT - CUT_AT - 6)
    start = [0.0] * N_EARLY + [CUT_AT + 2 + span * i / N_LATE for i in range(N_LATE)]
    return macs, start


def store_conflicts(s1, s2):
    """Addresses active for different clients in the two stores."""
    return sorted(a for a in set(s1) & set(s2) if s1[a][0] != s2[a][0])


@pytest.mark.netns
@pytest.mark.parametrize("which", [
    "duodhcpd", pytest.param("isc", marks=pytest.mark.peers),
    pytest.param("kea", marks=pytest.mark.peers), "isc-duodhcpd"])
def test_partition(make_topo, duod, tmp_path, which):
    topo, ns = _topology(make_topo)
    pair = PAIRS[which](topo, ns, duod, tmp_path)
    try:
        _run_check(topo, ns, pair, which)
    except BaseException:
        for n, log in pair.logs().items():
            sys.stderr.write("\n----- %s server %d log -----\n%s\n" % (
                pair.label, n, log[-5000:]))
        raise
    finally:
        pair.stop()


def _run_check(topo, ns, pair, which):
    pair.wait_ready()
    macs, start = client_macs()
    t0 = time.time()
    clients = Clients(topo.clients[1], macs, RUN, start=start, seed=7)
    try:
        nslib.wait_until(lambda: time.time() >= t0 + CUT_AT, CUT_AT + 5, interval=0.2,
                         what="the cut")
        cut(topo)
        t_cut = time.time()
        nslib.wait_until(lambda: time.time() >= t0 + HEAL_AT, HEAL_AT + 5, interval=0.2,
                         what="the heal")
        during = {n: pair.state(n) for n in (1, 2)}
        heal(topo)
        t_heal = time.time()
        res = clients.result()
    finally:
        clients.stop()
        heal_quietly(topo)
    # Both back together; then both stores.
    try:
        pair.wait_ready(timeout=60)
        healed = True
    except (TimeoutError, AssertionError):
        healed = False
    time.sleep(2)
    stores = {n: pair.store(n) for n in (1, 2)}

    acks = [a for a in res["acks"] if a["type"] == 5]
    naks = [a for a in res["acks"] if a["type"] == 6]
    conflicts = overlapping_acks(res["acks"])
    sconf = store_conflicts(stores[1], stores[2])
    per = {n: sum(1 for a in acks if a["server"] == DHCP_ADDR[n]) for n in (1, 2)}
    in_cut = sum(1 for a in acks if t_cut <= a["t"] < t_heal)
    row = ("| %s | %d | %d | %d | %d | %d | %d | %d (%d addresses) | %d | %s |" % (
        pair.label, len(macs), per[1], per[2], in_cut, len(naks),
        len({a["mac"] for a in acks}), len(conflicts), len({c[0] for c in conflicts}),
        len(sconf), " / ".join(str(during[n]) for n in (1, 2))))
    table = ("| pair | clients | ACKs server 1 | ACKs server 2 | ACKs during the cut | NAKs | "
             "clients ACKed | overlapping ACK pairs | store conflicts | states during the cut |\n"
             "|---|---|---|---|---|---|---|---|---|---|\n" + row)
    print("\n" + table)
    print("states during the cut: %s; healed: %s; store sizes %d/%d" % (
        during, healed, len(stores[1]), len(stores[2])))
    sys.stderr.write("\npartition check %s\n%s\n" % (which, table))

    # The harness did its job: clients were served, before and during the
    # cut, the cut was noticed, and the pair came back together.
    assert len(acks) >= N_EARLY, "only %d ACKs" % len(acks)
    assert in_cut > 0, "no ACK while the link was cut"
    assert all(pair.lost_partner(n) for n in (1, 2)), "the cut went unnoticed"
    assert healed, "the pair did not come back together after the heal: %s" % {
        n: pair.state(n) for n in (1, 2)}
    # The check itself.
    if (conflicts or sconf) and which in KNOWN:
        pytest.xfail("%s: %d overlapping ACK pairs on %s, %d store conflicts" % (
            KNOWN[which], len(conflicts), sorted({c[0] for c in conflicts}), len(sconf)))
    assert not conflicts, "addresses ACKed to two clients for overlapping times:\n%s" % (
        "\n".join("%s: %s" % (addr, (x, y)) for addr, x, y in conflicts[:20]))
    assert not sconf, "active for different clients in the two stores: %s" % (
        {a: (stores[1][a], stores[2][a]) for a in sconf})


def heal_quietly(topo):
    try:
        heal(topo)
    except Exception:
        pass
