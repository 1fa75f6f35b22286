#!/usr/bin/python3
"""duodhcp failover benchmark: a duodhcpd failover pair against a single
duodhcpd, an ISC dhcpd 4.4 failover pair and a Kea 2.2 HA load-balancing
pair, and the resync of an empty partner, in one run.

Run it through bench/run.sh (builds), or directly as root:

    sudo bash bench/run.sh --failover [--quick]
    sudo /usr/bin/python3 bench/fobench.py --bin-dir DIR [--quick]

DIR holds duodhcpd, duoload and mkjournal (bench/run.sh puts them there).

DHCP rate.  Each server set (one server, or a pair in normal /
load-balancing) is started fresh and loaded by duoload playing a relay
agent with both servers configured, as dhcrelay forwards every request to
each of its servers: 1024 exchanges in flight (throughput) and a paced
1,000 exchanges a second (the ACK latency a pair adds).  A pair is in the
state it serves from before the load starts (both "normal", Kea's
"load-balancing") and has moved the secondary's share of the pool (ISC's
and our pool balancing) or split it by class (Kea).  Sets: duodhcpd,
duodhcpd pair, isc, isc pair, kea, kea pair; the table gives each pair
against its own single server and every set against the duodhcpd pair.

Resync.  The primary holds N active leases (a journal written by
mkjournal; for ISC a dhcpd.leases of the same leases) and the secondary
starts empty:
  1. first start: both start together, both have no failover state (a
     pair set up for the first time, or migrated), the secondary pulls
     every lease with UPDREQALL; time from its start to normal;
  2. lost store: once both are normal the secondary is stopped, its store
     emptied and it is started again while the primary serves on alone:
     time until it holds every lease (recover-wait entered) and until
     normal (after the MCLT an amnesic server waits, --mclt).
N = 10,000 and 100,000 for duodhcpd, 10,000 for ISC (as in the issue).

Network safety: three namespaces this run creates, "fb<pid>p" (primary),
"fb<pid>s" (secondary) and "fb<pid>c" (duoload), joined by three veth
pairs: c-p 198.18.0.0/24, p-s 198.18.1.0/24 (the failover link), c-s
198.18.2.0/24; the relayed clients are 198.19.0.0/18 and the resync's
leases 198.18.64.10 onwards (data only: no interface holds one, nothing is
sent to them).  Nothing is configured in the root namespace.  Every
process is ours and stopped by its PID; every wait and load loop is bounded
in count and time; the namespaces are deleted in a finally block and on
SIGINT/SIGTERM.
"""

import argparse
import datetime
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402  (processes, namespaces, /proc)
from bench import PROCS, log, nsexec, run, wait_until  # noqa: E402

PID = os.getpid()
NS_P, NS_S, NS_C = "fb%dp" % PID, "fb%ds" % PID, "fb%dc" % PID
TMP = "fb%dt" % PID    # a veth end's name until it moves
NS_RE = re.compile(r"^fb(\d+)[psc]$")
P_ADDR, C_P = "198.18.0.1", "198.18.0.2"         # primary <-> duoload
P_FO, S_FO = "198.18.1.1", "198.18.1.2"          # the failover link
S_ADDR, C_S = "198.18.2.1", "198.18.2.2"         # secondary <-> duoload
GIADDR = "198.19.0.1"
LOAD_NET, LOAD_MASK = "198.19.0.0/18", "255.255.192.0"
LOAD_FIRST, LOAD_LAST = "198.19.0.10", "198.19.63.250"
# The resync's leases: consecutive from 198.18.64.10, in three subnets
# that together run to the end of 198.18.0.0/15.
DATA_FIRST = "198.18.64.10"
DATA_NETS = (("198.18.64.0", 18), ("198.18.128.0", 17), ("198.19.0.0", 16))
CLIENTS = 6000
LEASE_TIME = 3600
NAME = "bench"
SPLIT = 128
MAX_UNACKED = 100
LB_MAX_SECS = 3
API_PORT = 8067
KEA_HA_PORT = 8001
KEA_HOOKS = "/usr/lib/x86_64-linux-gnu/kea/hooks"
ISC_DHCPD = "/usr/sbin/dhcpd"


def ip2int(a):
    p = [int(x) for x in a.split(".")]
    return (p[0] << 24) | (p[1] << 16) | (p[2] << 8) | p[3]


def int2ip(v):
    return "%d.%d.%d.%d" % (v >> 24, (v >> 16) & 255, (v >> 8) & 255, v & 255)


def mask(bits):
    return int2ip((0xffffffff << (32 - bits)) & 0xffffffff)


def data_ranges(n):
    """The data subnets holding n leases from DATA_FIRST: (net, bits, lo, hi)
    with hi the subnet's last usable address (the pools are whole subnets,
    so a partner has the free rest to balance)."""
    out, first = [], ip2int(DATA_FIRST)
    last_needed = first + n - 1
    for net, bits in DATA_NETS:
        lo, hi = ip2int(net), ip2int(net) + (1 << (32 - bits)) - 1
        if lo > last_needed:
            break
        out.append((net, bits, int2ip(max(lo + 1, first)), int2ip(hi - 1)))
    return out


# ---------------------------------------------------------------- namespaces

def ns_setup():
    for ns in (NS_P, NS_S, NS_C):
        run(["ip", "netns", "add", ns])
        run(["ip", "-n", ns, "link", "set", "lo", "up"])
        run(nsexec(ns) + ["sysctl", "-q", "-w", "net.ipv6.conf.all.disable_ipv6=1"],
            check=False)
    bench.veth(NS_P, "p0", P_ADDR, NS_C, "c0", C_P, TMP)
    bench.veth(NS_P, "p1", P_FO, NS_S, "s1", S_FO, TMP)
    bench.veth(NS_S, "s0", S_ADDR, NS_C, "c1", C_S, TMP)
    run(["ip", "-n", NS_C, "addr", "add", GIADDR + "/32", "dev", "c0"])
    run(["ip", "-n", NS_P, "route", "add", "198.19.0.0/16", "via", C_P])
    run(["ip", "-n", NS_S, "route", "add", "198.19.0.0/16", "via", C_S])
    for ns, peer in ((NS_C, P_ADDR), (NS_C, S_ADDR), (NS_S, P_FO)):
        if run(nsexec(ns) + ["ping", "-c", "1", "-W", "2", peer], check=False).returncode:
            raise RuntimeError("veth %s -> %s does not pass traffic" % (ns, peer))


# ---------------------------------------------------------------- servers

class Proc:
    """One server process; its output read by a thread that stamps each
    line with the monotonic time it arrived."""

    def __init__(self, name, ns, work, cmd, env=None):
        self.name, self.ns = name, ns
        self.lines = []            # (monotonic, text)
        self.lock = threading.Lock()
        self.log_path = os.path.join(work, name + ".log")
        self.t_start = time.monotonic()
        self.proc = PROCS.start(nsexec(ns) + cmd, subprocess.PIPE, subprocess.STDOUT,
                                env=dict(os.environ, **(env or {})))
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        with open(self.log_path, "a") as f:
            for raw in self.proc.stdout:
                text = raw.decode(errors="replace").rstrip("\n")
                with self.lock:
                    self.lines.append((time.monotonic(), text))
                f.write(text + "\n")

    def first(self, pattern, after=0.0):
        rx = re.compile(pattern)
        with self.lock:
            for t, text in self.lines:
                if t >= after and rx.search(text):
                    return t
        return None

    def wait_for(self, pattern, timeout, after=0.0):
        def seen():
            if self.proc.poll() is not None:
                raise RuntimeError("%s exited: %s" % (self.name, self.tail()))
            return self.first(pattern, after)
        t = wait_until(seen, timeout, interval=0.02)
        if t is None:
            raise RuntimeError("%s: no /%s/ in %d s: %s" % (self.name, pattern, timeout,
                                                            self.tail()))
        return t

    def tail(self):
        with self.lock:
            return "\n".join(text for _, text in self.lines[-15:])

    def stop(self, grace=30):
        PROCS.stop(self.proc, grace=grace)

    def kill(self):
        self.proc.kill()
        self.proc.wait(timeout=10)
        PROCS.live.pop(self.proc.pid, None)


def api_status(ns):
    url = "http://127.0.0.1:%d/api/v1/status" % API_PORT
    res = run(nsexec(ns) + [sys.executable, "-c",
                            "import sys, urllib.request; sys.stdout.write(urllib.request."
                            "urlopen(%r, timeout=5).read().decode())" % url],
              check=False, timeout=20)
    try:
        return json.loads(res.stdout)
    except ValueError:
        return None


class Duo:
    """duodhcpd: one server, or one side of a pair."""
    kind = "duodhcpd"
    normal = r"failover: state \S+ -> normal"
    balanced_wait = True

    def __init__(self, exe, work):
        self.exe, self.work = exe, work

    def ini(self, role, d, subnets):
        me, bind, pool = ((P_FO, P_ADDR, "198.18.0.10-198.18.0.250") if role != "secondary"
                          else (S_FO, S_ADDR, "198.18.2.10-198.18.2.250"))
        text = ("[Settings]\nIPBIND_1=%s\nIPPOOL_1=%s\nAssociateBindsToPools=1\n"
                "[GENERAL]\nLEASETIME=%d\nSUBNETMASK=255.255.255.0\n"
                "[DUODHCP]\nJournal=%s\n" % (bind, pool, LEASE_TIME,
                                             os.path.join(d, "leases.journal")))
        for net, bits, lo, hi in subnets:
            text += "[SUBNET:%s/%d]\nIPPOOL_1=%s-%s\n" % (net, bits, lo, hi)
        text += ("[HTTP-Settings]\nEnableHTTP=1\nBindAddress=127.0.0.1\nPort=%d\n" % API_PORT)
        if role != "single":
            text += ("[FAILOVER]\nRole=%s\nAddress=%s\nPeerAddress=%s\nName=%s\n"
                     "MaxResponseDelay=30\nMaxUnackedUpdates=%d\nLoadBalanceMaxSeconds=%d\n"
                     "Pools=%s\n" % (role, me, S_FO if role == "primary" else P_FO, NAME,
                                     MAX_UNACKED, LB_MAX_SECS,
                                     ", ".join("%s/%d" % (n, b) for n, b, _, _ in subnets)))
            if role == "primary":
                text += "MCLT=%d\nSplit=%d\n" % (self.mclt, SPLIT)
        return text

    def start(self, role, subnets, journal=None, fresh=True, mclt=60):
        self.mclt = mclt
        d = os.path.join(self.work, "duo-" + role)
        if fresh:
            shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d, exist_ok=True)
        if journal:
            shutil.copy(journal, os.path.join(d, "leases.journal"))
        ini = os.path.join(d, "duodhcpd.ini")
        with open(ini, "w") as f:
            f.write(self.ini(role, d, subnets))
        p = Proc("duodhcpd-" + role, NS_S if role == "secondary" else NS_P, self.work,
                 [self.exe, "-c", ini, "-f"])
        p.role = role
        p.wait_for(r"\bready\b", 60)
        return p

    def wipe(self, role):
        os.unlink(os.path.join(self.work, "duo-" + role, "leases.journal"))

    def settle(self, p, s):
        """Until the primary has no update queued or unacked (the pool
        balancing sent), bounded."""
        def quiet():
            st = api_status(NS_P)
            fo = (st or {}).get("failover") or {}
            return fo.get("state") == "normal" and \
                fo.get("updates_queued", 1) == 0 and fo.get("updates_in_flight", 1) == 0
        wait_until(quiet, 60, interval=0.5)


class Isc:
    kind = "isc"
    normal = r"I move from \S+ to normal"

    def __init__(self, work):
        self.work = work

    def conf(self, role, subnets):
        text = ("authoritative;\nddns-update-style none;\nping-check false;\n"
                "default-lease-time %d;\nmax-lease-time %d;\nmin-lease-time %d;\n"
                % (LEASE_TIME, LEASE_TIME, LEASE_TIME))
        if role != "single":
            me, peer = (P_FO, S_FO) if role == "primary" else (S_FO, P_FO)
            text += ('failover peer "%s" {\n  %s;\n  address %s;\n  port 647;\n'
                     '  peer address %s;\n  peer port 647;\n  max-response-delay 30;\n'
                     '  max-unacked-updates %d;\n  load balance max seconds %d;\n'
                     % (NAME, role, me, peer, MAX_UNACKED, LB_MAX_SECS))
            if role == "primary":
                text += "  mclt %d;\n  split %d;\n" % (self.mclt, SPLIT)
            text += "}\n"
        local = "198.18.0.0" if role != "secondary" else "198.18.2.0"
        text += "subnet %s netmask 255.255.255.0 { }\n" % local
        text += "subnet 198.18.1.0 netmask 255.255.255.0 { }\n"
        fo = ('failover peer "%s";\n    ' % NAME) if role != "single" else ""
        for net, bits, lo, hi in subnets:
            text += ("subnet %s netmask %s {\n  pool {\n    %srange %s %s;\n  }\n}\n"
                     % (net, mask(bits), fo, lo, hi))
        return text

    def start(self, role, subnets, journal=None, fresh=True, mclt=60):
        self.mclt = mclt
        d = os.path.join(self.work, "isc-" + role)
        if fresh:
            shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "dhcpd.conf"), "w") as f:
            f.write(self.conf(role, subnets))
        lf = os.path.join(d, "dhcpd.leases")
        if journal:
            shutil.copy(journal, lf)
        elif not os.path.exists(lf):
            open(lf, "w").close()
        dev = "s0" if role == "secondary" else "p0"
        p = Proc("isc-" + role, NS_S if role == "secondary" else NS_P, self.work,
                 [ISC_DHCPD, "-4", "-f", "-d", "-cf", os.path.join(d, "dhcpd.conf"), "-lf", lf,
                  "-pf", os.path.join(d, "dhcpd.pid"), dev, "p1" if dev == "p0" else "s1"])
        p.role = role
        p.wait_for(r"Sending on\s+Socket/fallback|Server starting service", 30)
        return p

    def wipe(self, role):
        d = os.path.join(self.work, "isc-" + role)
        for n in os.listdir(d):
            if n.startswith("dhcpd.leases"):
                os.unlink(os.path.join(d, n))
        open(os.path.join(d, "dhcpd.leases"), "w").close()

    def settle(self, p, s):
        """ISC balances the pool after normal: until neither log has grown
        for 2 s, bounded."""
        def quiet():
            last = max(x.lines[-1][0] for x in (p, s) if x.lines)
            return time.monotonic() - last > 2.0
        wait_until(quiet, 60, interval=0.25)


class Kea:
    kind = "kea"
    normal = r"HA_STATE_TRANSITION.*to LOAD-BALANCING state"

    def __init__(self, work):
        self.work = work

    def conf(self, role, d):
        me, dev = (P_ADDR, "p0") if role != "secondary" else (S_ADDR, "s0")
        lo, hi = ip2int(LOAD_FIRST), ip2int(LOAD_LAST)
        mid = (lo + hi) // 2
        if role == "single":
            pools = [{"pool": "%s - %s" % (LOAD_FIRST, LOAD_LAST)}]
        else:
            # Kea's load balancing splits the pool by class, one half each.
            pools = [{"pool": "%s - %s" % (LOAD_FIRST, int2ip(mid)), "client-class": "HA_p"},
                     {"pool": "%s - %s" % (int2ip(mid + 1), LOAD_LAST), "client-class": "HA_s"}]
        c = {"Dhcp4": {
            "interfaces-config": {"interfaces": ["%s/%s" % (dev, me)], "dhcp-socket-type": "udp"},
            "lease-database": {"type": "memfile", "persist": True, "lfc-interval": 3600,
                               "name": os.path.join(d, "kea-leases4.csv")},
            "valid-lifetime": LEASE_TIME,
            "subnet4": [{"id": 1, "subnet": LOAD_NET, "pools": pools}],
            "loggers": [{"name": "kea-dhcp4", "severity": "WARN",
                         "output_options": [{"output": "stdout"}]},
                        {"name": "kea-dhcp4.ha-hooks", "severity": "INFO",
                         "output_options": [{"output": "stdout"}]}]}}
        if role != "single":
            c["Dhcp4"]["multi-threading"] = {"enable-multi-threading": True,
                                             "thread-pool-size": 2, "packet-queue-size": 64}
            c["Dhcp4"]["hooks-libraries"] = [
                {"library": os.path.join(KEA_HOOKS, "libdhcp_lease_cmds.so")},
                {"library": os.path.join(KEA_HOOKS, "libdhcp_ha.so"), "parameters": {
                    "high-availability": [{
                        "this-server-name": "p" if role == "primary" else "s",
                        "mode": "load-balancing", "heartbeat-delay": 10000,
                        "max-response-delay": 30000, "max-ack-delay": 5000,
                        "max-unacked-clients": 5,
                        "multi-threading": {"enable-multi-threading": True,
                                            "http-dedicated-listener": True,
                                            "http-listener-threads": 2,
                                            "http-client-threads": 2},
                        "peers": [
                            {"name": "p", "url": "http://%s:%d/" % (P_FO, KEA_HA_PORT),
                             "role": "primary", "auto-failover": True},
                            {"name": "s", "url": "http://%s:%d/" % (S_FO, KEA_HA_PORT),
                             "role": "secondary", "auto-failover": True}]}]}}]
        return c

    def start(self, role, subnets, journal=None, fresh=True, mclt=60):
        d = os.path.join(self.work, "kea-" + role)
        if fresh:
            shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d, exist_ok=True)
        path = os.path.join(d, "kea-dhcp4.json")
        with open(path, "w") as f:
            json.dump(self.conf(role, d), f, indent=1)
        p = Proc("kea-" + role, NS_S if role == "secondary" else NS_P, self.work,
                 ["kea-dhcp4", "-c", path],
                 env={"KEA_PIDFILE_DIR": d, "KEA_LOCKFILE_DIR": d})
        p.role = role
        if role == "single":
            time.sleep(2)      # Kea prints nothing at WARN once it serves
            if p.proc.poll() is not None:
                raise RuntimeError("kea exited: " + p.tail())
        return p

    def settle(self, p, s):
        time.sleep(1)


# ---------------------------------------------------------------- load

def duoload(a, servers, rate, duration, procs=()):
    cmd = nsexec(NS_C) + [os.path.join(a.bin_dir, "duoload"), "--local", GIADDR,
                          "--duration", str(duration), "--clients", str(CLIENTS),
                          "--timeout", "2000"]
    for s in servers:
        cmd += ["--server", s]
    cmd += ["--rate", "0", "--window", "1024"] if rate == 0 else ["--rate", str(rate)]
    c0 = [bench.proc_cpu_ns(p.proc.pid) for p in procs]
    res = run(cmd, timeout=duration + 60)
    each = [(bench.proc_cpu_ns(p.proc.pid) - c) / 1e9 for p, c in zip(procs, c0)]
    cpu_s = sum(each)
    j = json.loads(res.stdout)
    lat = j["latency_us"]["all"]
    done = max(1, j["completed"])
    return {"rate": j["achieved_rate"], "lost_pct": j["lost_pct"],
            "avg_ms": lat["avg"] / 1000, "p99_ms": lat["p99"] / 1000,
            "completed": j["completed"], "server_cpu_s": cpu_s,
            "server_us_per_ex": cpu_s * 1e6 / done,
            "busiest_us_per_ex": max(each, default=0.0) * 1e6 / done,
            "duoload_cpu_s": j["generator_cpu_s"]}


def suffix(quota):
    """The set name's tail for a per-server CPU limit ("" for none)."""
    return " @%gcpu" % quota if quota else ""


def load_set(a, impl, pair, quota=0.0):
    """Starts one server or a pair on the load pool, loads it, stops it.
    quota > 0: each server gets that share of a CPU (CpuQuota) once it
    serves, as if each had a machine of that size; duoload is not limited."""
    subnets = [(LOAD_NET.split("/")[0], 18, LOAD_FIRST, LOAD_LAST)]
    procs, quotas = [], []
    try:
        if pair:
            procs = [impl.start("primary", subnets, mclt=a.mclt),
                     impl.start("secondary", subnets, mclt=a.mclt)]
            t0 = time.monotonic()
            for p in procs:
                p.wait_for(impl.normal, 90)
            log("%s pair in its serving state after %.1f s" % (impl.kind, time.monotonic() - t0))
            impl.settle(*procs)
            servers = [P_ADDR, S_ADDR]
        else:
            procs = [impl.start("single", subnets)]
            servers = [P_ADDR]
        if quota:
            for p in procs:
                quotas.append(bench.CpuQuota("fb-" + p.name, quota))
                quotas[-1].add(p.proc.pid)
        out = {"window": [], "paced": []}
        for _ in range(a.reps):
            out["window"].append(duoload(a, servers, 0, a.duration, procs))
        out["paced"].append(duoload(a, servers, a.paced, a.duration, procs))
        for p in procs:
            if p.proc.poll() is not None:
                raise RuntimeError("%s died under load: %s" % (p.name, p.tail()))
        return out
    finally:
        for p in procs:
            p.stop()
        for q in quotas:
            q.close()


# ---------------------------------------------------------------- resync

def isc_lease_file(path, n, now):
    first = ip2int(DATA_FIRST)
    fmt = lambda t: time.strftime("%w %Y/%m/%d %H:%M:%S", time.gmtime(t))
    with open(path, "w") as f:
        for i in range(n):
            f.write("lease %s {\n  starts %s;\n  ends %s;\n  cltt %s;\n"
                    "  binding state active;\n  next binding state free;\n"
                    "  hardware ethernet 02:%02x:%02x:%02x:%02x:%02x;\n}\n"
                    % (int2ip(first + i), fmt(now), fmt(now + 86400), fmt(now),
                       (i >> 32) & 255, (i >> 24) & 255, (i >> 16) & 255, (i >> 8) & 255,
                       i & 255))


def held_active(impl, s):
    """Active leases the secondary holds once normal: its status for
    duodhcpd; ISC's lease file (the last record of each address) for ISC."""
    if impl.kind == "duodhcpd":
        st = api_status(NS_S)
        return st["leases"]["active"] if st else None
    path = os.path.join(impl.work, "isc-secondary", "dhcpd.leases")
    last = {}
    with open(path, errors="replace") as f:
        for m in re.finditer(r"lease (\S+) \{[^}]*?binding state (\w+);", f.read()):
            last[m.group(1)] = m.group(2)
    return sum(1 for v in last.values() if v == "active")


def resync(a, impl, n):
    subnets = [(net, bits, lo, hi) for net, bits, lo, hi in data_ranges(n)]
    src = os.path.join(a.work, "%s-%d.leases" % (impl.kind, n))
    if impl.kind == "duodhcpd":
        run([os.path.join(a.bin_dir, "mkjournal"), src, str(n), DATA_FIRST, "86400"],
            timeout=300)
    else:
        isc_lease_file(src, n, int(time.time()))
    res = {"leases": n, "mclt": a.mclt}
    p = s = None
    try:
        p = impl.start("primary", subnets, journal=src, mclt=a.mclt)
        s = impl.start("secondary", subnets, mclt=a.mclt)
        t_norm = s.wait_for(impl.normal, 300)
        p.wait_for(impl.normal, 60)
        res["first_start_s"] = t_norm - s.t_start
        impl.settle(p, s)
        # The secondary loses its store; the primary goes on alone.
        s.stop()
        impl.wipe("secondary")
        p.wait_for(r"partner-down|communications-interrupted", 60, after=s.t_start)
        s = impl.start("secondary", subnets, fresh=False, mclt=a.mclt)
        rw = r"-> recover-wait|to recover-wait" if impl.kind == "duodhcpd" else \
            r"I move from recover to recover-wait"
        t_rw = s.wait_for(rw, 300, after=s.t_start)
        t_norm = s.wait_for(impl.normal, a.mclt + 120, after=s.t_start)
        res["transfer_s"] = t_rw - s.t_start
        res["rate_per_s"] = n / res["transfer_s"]
        res["to_normal_s"] = t_norm - s.t_start
        res["secondary_active"] = held_active(impl, s)
        if res["secondary_active"] is not None and res["secondary_active"] < n * 0.99:
            raise RuntimeError("%s secondary holds %d active leases of %d" % (
                impl.kind, res["secondary_active"], n))
        return res
    finally:
        for x in (s, p):
            if x:
                x.stop()


# ---------------------------------------------------------------- report

def med(rows, k):
    return statistics.median(r[k] for r in rows) if rows else None


def report_ratio(w, sets, impl, sfx):
    """impl's pair against its single server, overall and round by round."""
    pair, single = sets.get(impl + " pair" + sfx), sets.get(impl + sfx)
    if not pair or not single:
        return
    line = "%s pair / %s single%s: %.2f" % (
        impl, impl, sfx, med(pair["window"], "rate") / med(single["window"], "rate"))
    per = [p / s for p, s in zip(pair["rounds"], single["rounds"])]
    if len(per) > 1:
        line += " (round by round: %s; median %.2f)" % (
            ", ".join("%.2f" % r for r in per), statistics.median(per))
    w(line)
    if sfx:
        return
    # With no limit the pair's two servers and duoload share two cores,
    # the single server and duoload have a core each: the busiest pair
    # server's CPU per exchange against the single server's says what a
    # core per server would give (an estimate from CPU time).
    busy = med(pair["window"], "busiest_us_per_ex")
    if busy:
        w("  %s: busiest pair server %.1f us/ex against %.1f: with a core per server "
          "the pair would do %.2f of one server (CPU estimate)" % (
              impl, busy, med(single["window"], "server_us_per_ex"),
              med(single["window"], "server_us_per_ex") / busy))


def report(res):
    out = []
    w = out.append
    sets = res["sets"]
    w("")
    w("DHCP, duoload as a relay with every server of the set configured; %d clients, "
      "%d s runs; @Fcpu: each server limited to F of a CPU, duoload not" % (
          CLIENTS, res["args"]["duration"]))
    w("%-22s %10s %7s %8s %8s %9s %9s %7s %8s %8s %9s %8s" % (
        "set", "DORA/s", "lost %", "avg ms", "p99 ms", "CPU us/ex", "paced/s", "lost %",
        "avg ms", "p99 ms", "CPU us/ex", "vs pair"))
    for key, r in sets.items():
        base = sets.get("duodhcpd pair" + suffix(r.get("server_cpu", 0)))
        win, pc = r["window"], r["paced"]
        ratio = (med(win, "rate") / med(base["window"], "rate")) if base else None
        w("%-22s %10s %7s %8s %8s %9s %9s %7s %8s %8s %9s %8s" % (
            key, bench.fmt(med(win, "rate"), 0), bench.fmt(med(win, "lost_pct")),
            bench.fmt(med(win, "avg_ms")), bench.fmt(med(win, "p99_ms")),
            bench.fmt(med(win, "server_us_per_ex"), 1),
            bench.fmt(med(pc, "rate"), 0), bench.fmt(med(pc, "lost_pct")),
            bench.fmt(med(pc, "avg_ms")), bench.fmt(med(pc, "p99_ms")),
            bench.fmt(med(pc, "server_us_per_ex"), 1),
            bench.fmt(ratio)))
    for quota in res["args"].get("server_cpu", [0]):
        for impl in ("duodhcpd", "isc", "kea"):
            report_ratio(w, sets, impl, suffix(quota))
    if res["resync"]:
        w("")
        w("Resync of an empty secondary (MCLT %d s)" % res["args"]["mclt"])
        w("%-10s %9s %16s %14s %14s %16s %10s" % ("server", "leases", "first start s",
                                                    "transfer s", "leases/s", "to normal s",
                                                    "held"))
        for r in res["resync"]:
            w("%-10s %9d %16s %14s %14s %16s %10s" % (
                r["server"], r["leases"], bench.fmt(r.get("first_start_s")),
                bench.fmt(r.get("transfer_s")), bench.fmt(r.get("rate_per_s"), 0),
                bench.fmt(r.get("to_normal_s")), r.get("secondary_active")))
    return "\n".join(out)


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bin-dir", required=True)
    ap.add_argument("--quick", action="store_true", help="3 s runs, one each, 10k resync only")
    ap.add_argument("--sets", default="duodhcpd,duodhcpd pair,isc,isc pair,kea,kea pair")
    ap.add_argument("--no-resync", action="store_true")
    ap.add_argument("--resync", default="duodhcpd:10000,duodhcpd:100000,isc:10000")
    ap.add_argument("--mclt", type=int, default=10)
    ap.add_argument("--rounds", type=int, default=1,
                    help="run the sets this many times, interleaved")
    ap.add_argument("--paced", type=int, default=1000)
    ap.add_argument("--server-cpu", default="0,0.5",
                    help="comma list: 0 = servers share the machine with duoload; "
                         "F = each server limited to F of a CPU (cgroup CPU bandwidth)")
    ap.add_argument("--out")
    ap.add_argument("--keep", action="store_true", help="keep the scratch folder (logs)")
    a = ap.parse_args()
    a.quotas = [float(x) for x in a.server_cpu.split(",") if x.strip()]
    a.duration = 3 if a.quick else 8
    a.reps = 1 if a.quick else 2
    if a.quick:
        a.resync = ",".join(x for x in a.resync.split(",") if x.endswith(":10000"))
    return a


def main():
    a = parse_args()
    signal.signal(signal.SIGINT, bench.on_signal)
    signal.signal(signal.SIGTERM, bench.on_signal)
    a.work = "/var/tmp/duodhcp-fobench-%d" % PID
    os.makedirs(a.work)
    exe = os.path.join(a.bin_dir, "duodhcpd")
    impls = {"duodhcpd": Duo(exe, a.work), "isc": Isc(a.work), "kea": Kea(a.work)}
    res = {"date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
           "args": {"duration": a.duration, "reps": a.reps, "rounds": a.rounds, "mclt": a.mclt,
                    "server_cpu": a.quotas,
                    "paced": a.paced, "clients": CLIENTS, "max_unacked": MAX_UNACKED},
           "machine": bench.machine_info(a.work), "sets": {}, "resync": []}
    bench.ns_sweep_stale(NS_RE)
    try:
        ns_setup()
        keys = [k.strip() for k in a.sets.split(",") if k.strip()]
        # Rounds interleave the sets, so that a slow spell of the machine
        # falls on all of them; a pair's ratio is taken round by round.
        for rnd in range(a.rounds):
            for quota in a.quotas:
                for key in keys:
                    impl = impls[key.split()[0]]
                    skey = key + suffix(quota)
                    log("load: %s (round %d of %d)" % (skey, rnd + 1, a.rounds))
                    got = load_set(a, impl, key.endswith(" pair"), quota)
                    got["round"] = rnd
                    res["sets"].setdefault(skey, {"window": [], "paced": [], "rounds": [],
                                                  "server_cpu": quota})
                    for k in ("window", "paced"):
                        res["sets"][skey][k] += got[k]
                    res["sets"][skey]["rounds"].append(med(got["window"], "rate"))
        if not a.no_resync:
            for item in a.resync.split(","):
                kind, n = item.split(":")
                log("resync: %s, %s leases" % (kind, n))
                r = resync(a, impls[kind], int(n))
                r["server"] = kind
                res["resync"].append(r)
    finally:
        PROCS.stop_all()
        for ns in (NS_P, NS_S, NS_C):
            bench.ns_delete(ns)
    text = report(res)
    print(text)
    out = a.out or os.path.join(os.path.dirname(os.path.abspath(__file__)), "results",
                                "failover-%s.json" % time.strftime("%Y-%m-%dT%H%M%S"))
    with open(out, "w") as f:
        json.dump(res, f, indent=1)
    log("results in %s" % out)
    if not a.keep:
        shutil.rmtree(a.work, ignore_errors=True)


if __name__ == "__main__":
    main()
