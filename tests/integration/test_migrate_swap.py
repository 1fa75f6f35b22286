"""The rolling swap of a running ISC dhcpd 4.4.3 failover pair to two
duodhcpd, one side at a time, while clients keep getting and renewing
addresses (docs/migrate.md walks through the same steps by hand).

    switch ns: br0 ─┬─ fo1 ns eth0 198.18.0.2/24  primary   (ISC, then duodhcpd)
                    ├─ fo2 ns eth0 198.18.0.3/24  secondary (ISC, then duodhcpd)
                    ├─ c1 ns: N_LOAD scripted clients (scapy, folib.Clients)
                    └─ c2, c3 ns: dhclient; c4 ns: busybox udhcpc

1. The ISC pair (examples/failover/isc-primary and isc-secondary dhcpd.conf,
   split 128, with short times) reaches normal and serves the clients.
2. The ISC secondary is stopped by its PID; duodhcpd starts in its place
   (same address, its configuration translated from the ISC secondary's
   dhcpd.conf by `duodhcpctl import-config`), with the ISC secondary's
   lease file imported into its journal first (`duodhcpctl import-leases
   --offline`): its leases and its failover state (normal).  It resumes
   as ISC would on a restart: startup, then normal as soon as it hears
   the ISC primary, with no recover and no MCLT's wait.
3. The ISC primary is replaced the same way, from its own lease file;
   it resumes normal with our secondary at once.  Both duodhcpd reach
   normal.  (The recover path of a journal with no failover state is
   test_single_server_to_a_pair's.)
4. All along, every ACK is recorded (the scripted clients sniff theirs,
   the real clients' hooks note theirs with the time).  At the end: the
   load's clients never lost a lease and all are bound, each real client
   renewed during the swaps and kept its address, no address was ACKed to
   two clients at overlapping times, and both duodhcpd hold every ACKed
   lease that has not expired, for the same client, to at least the end
   the client was given."""

import json
import os
import re
import subprocess
import time

import pytest

import daemon as daemonmod
import folib
import nslib
from folib import (ADDR, MAC, Clients, IscDhcpd, example, ini_set, isc_set, isc_state,
                   isc_states, overlapping_acks, state, states)
from splitlib import http

LEASE = 40		# renewals every ~20 s (every ~15 s while leases are MCLT long)
MCLT = 30		# the first lease of a client, and the amnesic recover-wait;
		# not below 30, which busybox udhcpc takes as the shortest lease
MAX_DELAY = 5		# a silent partner is noticed within 5 s
N_LOAD = 30		# scripted clients
LOAD_MAX = 160		# their bound in time; the test stops them sooner
WAIT_OK = 2.5		# a client's ask-to-ACK time, at most, with both servers up
WAIT_MAX = MAX_DELAY + 6	# at most, while a server is swapped
TOKEN = "swap-test-token"
ROLE_N = {"primary": 1, "secondary": 2}
# The real clients: index -> kind.  dhclient sends no client identifier, so
# its bucket is its chaddr's: c2 is the primary's, c3 the secondary's.
REAL = {2: "dhclient", 3: "dhclient", 4: "udhcpc"}
ACK_EVENTS = {"BOUND", "RENEW", "REBIND", "REBOOT", "bound", "renew"}
RENEW_EVENTS = {"RENEW", "REBIND", "renew"}
LOST_EVENTS = {"EXPIRE", "FAIL", "STOP", "RELEASE", "deconfig", "leasefail", "nak"}


def _have_isc():
    if not os.access(folib.ISC_DHCPD, os.X_OK):
        pytest.fail("ISC dhcpd is not installed at %s (packages.txt: isc-dhcp-server)"
                    % folib.ISC_DHCPD)


def isc_conf(n):
    """ISC server n's dhcpd.conf: the examples' halves with short times."""
    conf = example("isc-primary/dhcpd.conf" if n == 1 else "isc-secondary/dhcpd.conf")
    for st, v in (("default-lease-time", LEASE), ("max-lease-time", LEASE),
                  ("max-response-delay", MAX_DELAY)):
        conf = isc_set(conf, st, v)
    if n == 1:
        conf = isc_set(conf, "mclt", MCLT)
    return conf


# ------------------------------------------------------------- the translation

def duod_config_from(isc_conf_path, role, ns, journal):
    """The duodhcpd configuration that takes the place of the ISC dhcpd
    configured by isc_conf_path: `duodhcpctl import-config` run on the
    server itself (in its namespace, so that --bind auto finds its
    address), plus what a test needs (the journal's path, the API and its
    token, tracing)."""
    r = nslib.run(nslib.nsexec(ns) + [daemonmod.tool("duodhcpctl"), "import-config",
                                      "--from", "isc", isc_conf_path], check=False)
    assert r.returncode == 0, "import-config: exit %d\n%s" % (r.returncode, r.stderr)
    ini = r.stdout
    assert "Role=%s" % role in ini, ini
    n = ROLE_N[role]
    for section, key, value in (("DUODHCP", "Journal", journal),
                                ("DUODHCP", "ApiToken", TOKEN),
                                ("Settings", "Trace", 1),
                                ("HTTP-SETTINGS", "EnableHTTP", 1),
                                ("HTTP-SETTINGS", "BindAddress", ADDR[n]),
                                ("HTTP-SETTINGS", "Port", 8080)):
        ini = ini_set(ini, section, key, value)
    return ini


# ------------------------------------------------------------- the swap

class Swap:
    """The servers of the swap and what they are doing."""

    def __init__(self, make_topo, duod, client, tmp_path):
        _have_isc()
        self.tmp = tmp_path
        self._duod = duod
        self.topo = make_topo(clients=(1,) + tuple(REAL), server=False)
        self.ns = {n: self.topo.add_host("fo%d" % n, ADDR[n] + "/24", mac=MAC[n])
                   for n in (1, 2)}
        self.topo.wait_links()
        self.isc = {}
        for n in (1, 2):
            self.isc[n] = IscDhcpd(self.ns[n], tmp_path / ("isc%d" % n), isc_conf(n))
            rc, out = self.isc[n].check()
            assert rc == 0, out
        self.d = {}
        self.real = {i: client(kind, self.topo, i) for i, kind in REAL.items()}
        self.marks = {}		# event -> wall clock

    def mark(self, what):
        self.marks[what] = time.time()

    def journal(self, n):
        return str(self.tmp / ("duodhcpd%d.journal" % n))

    def status(self, n):
        r = http(self.ns[n], "http://%s:8080/api/v1/status" % ADDR[n])
        assert r["status"] == 200, r
        return json.loads(r["body"])["failover"]

    def ctl(self, n, *args):
        argv = nslib.nsexec(self.ns[n]) + [daemonmod.tool("duodhcpctl"), "-c",
                                           self.d[n].config] + list(args)
        return subprocess.run(argv, capture_output=True, text=True, timeout=30,
                              stdin=subprocess.DEVNULL)

    def leases(self, n):
        """Server n's leases from /api/v1/leases: {addr: lease}."""
        out, page = {}, 1
        while True:
            r = http(self.ns[n], "http://%s:8080/api/v1/leases?per_page=1000&page=%d"
                     % (ADDR[n], page))
            assert r["status"] == 200, r
            body = json.loads(r["body"])
            out.update({l["addr"]: l for l in body["leases"]})
            if page * 1000 >= body["total"]:
                return out
            page += 1

    def wait_duod(self, n, want, timeout):
        d = self.d[n]
        return nslib.wait_until(lambda: state(d.log()) == want, timeout, interval=0.2,
                                what="duodhcpd %d in %s (moves %s)" % (n, want,
                                                                       states(d.log())))

    def wait_isc(self, n, want, timeout):
        s = self.isc[n]
        return nslib.wait_until(lambda: isc_state(s.run_log()) in want, timeout,
                                interval=0.2, what="ISC %d in %s (moves %s)" % (
                                    n, want, isc_states(s.run_log())[-6:]))

    def import_leases(self, d, n, *flags):
        r = subprocess.run([daemonmod.tool("duodhcpctl"), "-c", d.config, "import-leases",
                            "--offline", "--from", "isc"] + list(flags) +
                           [self.isc[n].leasefile], capture_output=True, text=True,
                           timeout=60, stdin=subprocess.DEVNULL)
        assert r.returncode == 0 and " 0 skipped" in r.stdout, r
        return r.stdout

    def start_duod(self, n):
        """duodhcpd in ISC server n's place, the stopped ISC server's lease
        file imported into its journal first (offline), with its failover
        state.  Returns the daemon and the moment it was started."""
        role = folib.ROLE[n]
        ini = duod_config_from(self.isc[n].conf, role, self.ns[n], self.journal(n))
        d = self.d[n] = self._duod(self.topo, config_text=ini, ns=self.ns[n], launch=False)
        # The cautious way is offered, and said (a dry run changes nothing).
        out = self.import_leases(d, n, "--dry-run", "--no-failover-state")
        assert "\nfailover state not carried over: --no-failover-state\n" in out, out
        out = self.import_leases(d, n)
        print("\nimport-leases --offline (server %d):\n%s" % (n, out))
        assert re.search(r"\nfailover state of dhcp-pair carried over: normal since "
                         r"\S+ \S+ UTC, partner normal since ", out), out
        t = time.monotonic()
        d.start()
        return d, t

    def check_resumed(self, n, started):
        """duodhcpd n went from startup to normal, neither recovering nor
        waiting out MCLT, well within an MCLT of its start."""
        took = time.monotonic() - started
        d = self.d[n]
        assert took < MCLT - 10, "normal %.1f s after the start" % took
        moves = states(d.log())
        assert moves[:2] == ["startup", "normal"], moves
        log = d.log()
        assert not [m for m in moves if "recover" in m], moves
        assert "recover-wait" not in log and "UPDREQALL" not in log, log[-3000:]
        assert "saved state normal, journal intact" in log, log[-3000:]
        print("duodhcpd %d: normal %.1f s after its start" % (n, took))


def _wait_renewals(swap, by):
    t = time.time()
    for i, c in swap.real.items():
        nslib.wait_until(lambda c=c: any(e["reason"] in RENEW_EVENTS and e["t"] > t
                                         for e in c.events()),
                         LEASE + 10, interval=0.5, what="%s c%d renewed by %s" % (
                             c.name, i, by))


def _isc_active(isc):
    now = time.time()
    return {(a, l["hw"]) for a, l in isc.leases().items()
            if l["binding"] == "active" and l.get("ends", 0) > now + 3}


def _duod_active(swap, n):
    now = time.time()
    return {(a, l["mac"]) for a, l in swap.leases(n).items()
            if l["state"] == "active" and l["end"] > now + 3}


def _wait_same_active(swap, one, other, what, timeout=15):
    """The two sides hold the same active leases (those not about to
    expire), once the binding updates in flight are through."""
    got = {}

    def same():
        got["a"], got["b"] = one(), other()
        return got["a"] == got["b"]
    try:
        nslib.wait_until(same, timeout, interval=1, what="the same active leases on " + what)
    except TimeoutError:
        raise AssertionError("active leases differ, %s: only on the first %s, only on the "
                             "second %s" % (what, sorted(got["a"] - got["b"]),
                                            sorted(got["b"] - got["a"])))
    print("same active leases on %s: %d" % (what, len(got["a"])))
    assert len(got["a"]) >= N_LOAD, got["a"]


def _real_acks(swap):
    """The real clients' leases as ACK records (from their hook's events)."""
    acks = []
    for i, c in swap.real.items():
        for e in c.events():
            if e["reason"] not in ACK_EVENTS:
                continue
            env = e["env"]
            addr = env.get("new_ip_address") or env.get("ip")
            lease = env.get("new_dhcp_lease_time") or env.get("lease")
            acks.append({"t": e["t"], "type": 5, "mac": nslib.client_mac(i),
                         "yiaddr": addr, "lease": int(lease), "server": None,
                         "real": c.name})
    return acks


def _missing(swap, acks, n):
    """The ACKed leases, not yet expired, that server n does not hold for
    the same client until at least the end the client was given."""
    now = time.time()
    held = swap.leases(n)
    last = {}
    for a in acks:
        if a.get("type", 5) == 5 and a.get("lease"):
            k = (a["yiaddr"], a["mac"])
            if k not in last or a["t"] > last[k]["t"]:
                last[k] = a
    out = []
    for (addr, mac), a in sorted(last.items()):
        end = a["t"] + a["lease"]
        if end < now + 3:
            continue	# expiring as we look: the server may have let it go
        l = held.get(addr)
        # The server's end is its clock at the ACK + the lease; the
        # client's t is when it saw the ACK, a moment later.
        if not l or l["state"] != "active" or l["mac"] != mac or l["end"] < int(end) - 2:
            out.append((addr, mac, int(end), l and (l["state"], l["mac"], l["end"])))
    return out


@pytest.mark.netns
def test_rolling_swap(make_topo, duod, client, tmp_path):
    t0 = time.monotonic()
    swap = Swap(make_topo, duod, client, tmp_path)
    for n in (1, 2):
        swap.isc[n].start()
    for n in (1, 2):
        swap.isc[n].wait_normal(timeout=40)
    swap.mark("isc normal")

    stop_file = str(tmp_path / "load.stop")
    macs = ["02:00:00:00:60:%02x" % i for i in range(1, N_LOAD + 1)]
    load = Clients(swap.topo.clients[1], macs, LOAD_MAX,
                   start=[0.25 * i for i in range(N_LOAD)], seed=14, stop_file=stop_file)
    try:
        for c in swap.real.values():
            if c.name == "dhclient":
                c.obtain(timeout=30)
            else:
                c.start(timeout=30)
        # The ISC pair serves them all before anything is swapped.
        nslib.wait_until(lambda: sum(1 for l in swap.isc[1].leases().values()
                                     if l["binding"] == "active") >= N_LOAD + len(REAL),
                         30, interval=0.5, what="every client active in ISC's lease file")
        _swap_secondary(swap)
        # The mixed pair serves: every real client renews with it, and the
        # two agree on the active leases.
        _wait_renewals(swap, "the ISC primary and the duodhcpd secondary")
        _wait_same_active(swap, lambda: _isc_active(swap.isc[1]), lambda: _duod_active(swap, 2),
                          "ISC primary and duodhcpd secondary")
        swap.mark("mixed pair checked")
        _swap_primary(swap)
        _wait_renewals(swap, "the duodhcpd pair")
        _wait_same_active(swap, lambda: _duod_active(swap, 1), lambda: _duod_active(swap, 2),
                          "the two duodhcpd")
        swap.mark("end")
        # What an operator checks at the end (docs/migrate.md).
        for n in (1, 2):
            want = {"failover": ("\nstate:     normal since ", "\npartner:   normal since ",
                                 "\nlink:      up since "),
                    "status": ("failover dhcp-pair (%s): normal, partner normal, link up"
                               % folib.ROLE[n],)}
            for what, lines in want.items():
                r = swap.ctl(n, what)
                assert r.returncode == 0 and all(l in r.stdout for l in lines), r
                print("\n$ duodhcpctl %s  (server %d)\n%s" % (what, n, r.stdout))
    finally:
        open(stop_file, "w").close()
        res = load.result()
    _check(swap, res)
    took = time.monotonic() - t0
    print("\nswap timings (s from ISC normal): %s; whole test %.1f s" % (
        {k: round(v - swap.marks["isc normal"], 1) for k, v in swap.marks.items()}, took))


def _swap_secondary(swap):
    # The ISC secondary goes.  Debian's dhcpd dies of SIGTERM without a
    # word to its partner, which notices within max-response-delay.
    swap.mark("isc secondary stop")
    assert swap.isc[2].stop() in (0, -15), swap.isc[2].log()[-3000:]
    swap.wait_isc(1, ("partner-down", "communications-interrupted"), MAX_DELAY * 3)
    isc_leases = swap.isc[1].leases()
    d2, started = swap.start_duod(2)
    swap.mark("duodhcpd secondary started")
    swap.wait_duod(2, "normal", MCLT + 40)
    swap.wait_isc(1, ("normal",), 15)
    swap.mark("secondary swapped")
    swap.check_resumed(2, started)
    st = swap.status(2)
    assert st["role"] == "secondary" and st["state"] == "normal" and \
        st["peer_state"] == "normal" and st["link"] == "up", st
    assert st["mclt"] == MCLT, st
    # Every lease the ISC primary holds for a client is held here too:
    # from the ISC secondary's file, or sent by the primary since.
    def gone():
        ours = swap.leases(2)
        return sorted(a for a, l in isc_leases.items()
                      if l["binding"] == "active" and a not in ours)
    try:
        nslib.wait_until(lambda: not gone(), 10, interval=0.5, what="ISC's leases here")
    except TimeoutError:
        raise AssertionError("active in ISC's lease file, missing on duodhcpd: %s" % gone())
    r = swap.ctl(2, "failover")
    assert r.returncode == 0, r
    assert "\nstate:     normal since " in r.stdout and \
        "\npartner:   normal since " in r.stdout, r.stdout
    assert isc_state(swap.isc[1].run_log(), "peer") == "normal", \
        isc_states(swap.isc[1].run_log())[-6:]


def _swap_primary(swap):
    swap.mark("isc primary stop")
    assert swap.isc[1].stop() in (0, -15), swap.isc[1].log()[-3000:]
    swap.wait_duod(2, "communications-interrupted", MAX_DELAY * 3)
    d1, started = swap.start_duod(1)
    swap.mark("duodhcpd primary started")
    swap.wait_duod(1, "normal", MCLT + 40)
    swap.wait_duod(2, "normal", 15)
    swap.mark("primary swapped")
    swap.check_resumed(1, started)
    for n in (1, 2):
        st = swap.status(n)
        assert st["state"] == "normal" and st["peer_state"] == "normal" and \
            st["link"] == "up" and st["mclt"] == MCLT, (n, st)


def _check(swap, res):
    acks = res["acks"] + _real_acks(swap)
    grants = [a for a in res["acks"] if a["type"] == 5]
    naks = [a for a in res["acks"] if a["type"] == 6]
    load_macs = {a["mac"] for a in grants}
    # The load: every client served, none ever lost its lease.
    assert len(load_macs) == N_LOAD, "clients never ACKed: %d" % (N_LOAD - len(load_macs))
    assert res["bound"] == N_LOAD, res["bound"]
    assert res["expired"] == 0 and not naks, (res["expired"], naks[:5])
    assert res["renewed"] >= N_LOAD, res["renewed"]
    # A client waits for an answer only while a server is being swapped,
    # and no longer than the partner takes to notice (MAX_DELAY) and a
    # retry or two.
    t_isc = swap.marks["isc normal"]
    windows = [(swap.marks["isc secondary stop"], swap.marks["secondary swapped"]),
               (swap.marks["isc primary stop"], swap.marks["primary swapped"])]
    print("\nwindows: %s" % [(round(a - t_isc, 1), round(b - t_isc, 1)) for a, b in windows])
    print("long waits: %s" % [(round(t - t_isc, 1), m, round(w, 1)) for t, m, w in res["waits"] if w > 2.5])
    long_waits = [(t, m, w) for t, m, w in res["waits"] if w > WAIT_OK]
    outside = [(round(t - t_isc, 1), m, round(w, 1)) for t, m, w in long_waits
               if not any(a <= t - w and t <= b + WAIT_MAX for a, b in windows)]
    assert not outside, "clients waited outside the swaps (t, mac, wait): %s" % outside
    worst = max(w for _t, _m, w in res["waits"])
    assert worst <= WAIT_MAX, "a client waited %.1f s" % worst
    # Real clients: renewed during the swaps, and kept their address.
    t_from, t_to = swap.marks["isc secondary stop"], swap.marks["primary swapped"]
    for i, c in swap.real.items():
        ev = c.events()
        assert not [e for e in ev if e["reason"] in LOST_EVENTS and e["t"] > t_from], \
            (c.name, i, [e["reason"] for e in ev])
        renewals = [e for e in ev if e["reason"] in RENEW_EVENTS and t_from < e["t"] < t_to]
        assert renewals, "%s c%d did not renew during the swaps: %s" % (
            c.name, i, [(e["reason"], round(e["t"] - t_from, 1)) for e in ev])
        got = {(e["env"].get("new_ip_address") or e["env"].get("ip")) for e in ev
               if e["reason"] in ACK_EVENTS}
        assert len(got) == 1, (c.name, i, got)
    conflicts = overlapping_acks(acks)
    assert not conflicts, conflicts[:5]
    # Both duodhcpd hold every lease still running, once updates settled.
    for n in (1, 2):
        deadline = time.monotonic() + 15
        while True:
            missing = _missing(swap, acks, n)
            if not missing or time.monotonic() > deadline:
                break
            time.sleep(1)
        assert not missing, "ACKed leases missing on duodhcpd %d (addr, mac, end, held): " \
            "%s" % (n, missing[:10])
    print("\nload: %d ACKs, %d renewals, %d NAKs, longest wait %.1f s; real clients: %s" % (
        len(grants), res["renewed"], len(naks), worst,
        {c.name + str(i): sum(1 for e in c.events() if e["reason"] in RENEW_EVENTS)
         for i, c in swap.real.items()}))


# ------------------------------------------------------------- one server to a pair

def _single_isc_conf():
    """The ISC primary's dhcpd.conf of the examples without its failover
    peer: one ISC dhcpd serving the pool alone."""
    conf = example("isc-primary/dhcpd.conf")
    conf = re.sub(r'(?ms)^failover peer "[^"]+" \{.*?^\}\n', "", conf)
    conf = re.sub(r'(?m)^\s*failover peer "[^"]+";\n', "", conf)
    assert "failover" not in conf.replace("# ", "").split("authoritative;", 1)[1], conf
    return conf


@pytest.mark.netns
def test_single_server_to_a_pair(make_topo, duod, tmp_path):
    """One ISC dhcpd (or a Kea, or a Kea HA pair stopped) replaced by a
    duodhcpd pair: its lease file imported offline into the new primary's
    journal, the secondary started empty.  Neither journal has a failover
    history, so both reach normal at once, without an MCLT's wait; the
    secondary takes every lease from the primary, and each client gets its
    address back from the pair."""
    _have_isc()
    topo = make_topo(clients=(1,), server=False)
    ns = {n: topo.add_host("fo%d" % n, ADDR[n] + "/24", mac=MAC[n]) for n in (1, 2)}
    topo.wait_links()
    isc = IscDhcpd(ns[1], tmp_path / "isc", _single_isc_conf())
    assert isc.check()[0] == 0, isc.check()
    isc.start()
    macs = ["02:00:00:00:61:%02x" % i for i in range(1, 13)]
    res = folib.run_clients(topo.clients[1], macs, 6)
    had = {a["mac"]: a["yiaddr"] for a in res["acks"] if a["type"] == 5}
    assert sorted(had) == macs, res
    assert isc.stop() in (0, -15)

    d = {}
    for n in (1, 2):
        ini = folib.fo_config(n, str(tmp_path / ("journal%d" % n)), mclt=MCLT, lease_time=600)
        d[n] = duod(topo, config_text=ini, ns=ns[n], launch=False)
    r = subprocess.run([daemonmod.tool("duodhcpctl"), "-c", d[1].config, "import-leases",
                        "--offline", "--from", "isc", isc.leasefile], capture_output=True,
                       text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert r.returncode == 0 and " 0 skipped" in r.stdout, r
    # A lone ISC dhcpd has no failover state to carry over: the pair
    # starts with none, each recovering from the other.
    assert "\nfailover state not carried over: the file holds none\n" in r.stdout, r.stdout
    t0 = time.monotonic()
    for n in (1, 2):
        d[n].start()
    for n in (1, 2):
        nslib.wait_until(lambda n=n: state(d[n].log()) == "normal", MCLT, interval=0.2,
                         what="duodhcpd %d normal (%s)" % (n, states(d[n].log())))
    took = time.monotonic() - t0
    assert took < MCLT - 5, "normal after %.1f s: an MCLT's wait" % took
    for n in (1, 2):
        assert "recover-wait" not in states(d[n].log()), states(d[n].log())
    assert "failover: UPDDONE: " in d[2].log(), d[2].log()[-3000:]
    # The secondary holds each client's lease, from the primary.
    for mac, addr in had.items():
        d[2].wait_lease(lambda l, a=addr, m=mac: l["addr"] == a and l["state"] == "active" and
                        l["hw"] == m, timeout=10, what="%s active for %s on the secondary" % (
                            addr, mac))
    # And the pair gives every client the address ISC gave it.
    res = folib.run_clients(topo.clients[1], macs, 6)
    again = {a["mac"]: a["yiaddr"] for a in res["acks"] if a["type"] == 5}
    assert again == had, (again, had)
    print("\nsingle ISC to a pair: both normal %.1f s after the start" % took)
