#!/usr/bin/python3
"""duodhcp benchmark: duodhcpd against kea-dhcp4 and ISC dhcpd, side by side.

Run it through bench/run.sh (installs packages, builds), or directly as
root with Debian's python:

    sudo /usr/bin/python3 bench/bench.py --bin-dir DIR [--quick]

DIR holds duoload, reflector, mkjournal and (unless --duodhcpd) duodhcpd;
for the server "duodhcpd-base" (a no-regression run against an older
build) also duodhcpd-base, mkjournal-base and base-rev (run.sh makes them).

Network safety: all traffic stays inside two network namespaces this run
creates ("db<pid>s" for the server, "db<pid>c" for the load generator,
joined by one veth pair) on 198.18.0.0/15; the replay test uses a third
namespace ("db<pid>r") with no link at all.  Nothing is configured in the
root namespace.  Every process is started by us and stopped by its PID;
every wait and every load loop is bounded in count and in time; the
namespaces are deleted in a finally block and on SIGINT/SIGTERM.
"""

import argparse
import datetime
import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import time

PID = os.getpid()
NS_SERVER = "db%ds" % PID
NS_CLIENT = "db%dc" % PID
NS_REPLAY = "db%dr" % PID
NS_RE = re.compile(r"^db(\d+)[scr]$")

SERVER_ADDR = "198.18.0.1"          # server's veth end
CLIENT_ADDR = "198.18.0.2"          # generator's veth end
GIADDR = "198.19.0.1"               # the "relay" address the generator owns
RELAY_NET = "198.19.0.0/16"         # relayed subnet, served by every server
POOL_FIRST, POOL_LAST = "198.19.0.10", "198.19.255.250"
LEASE_TIME = 3600
CLIENTS = 60000                     # under the pool's 65,521 addresses
SERVER_CPU, CLIENT_CPU = "0", "1"

RATE_CAP = 1000000                  # never ask for more than this
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HZ = os.sysconf("SC_CLK_TCK")


class Abort(Exception):
    pass


def on_signal(sig, _frame):
    raise Abort("signal %d" % sig)


def log(msg):
    print("[%s] %s" % (time.strftime("%H:%M:%S"), msg), file=sys.stderr, flush=True)


def run(cmd, timeout=30, check=True, env=None):
    res = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                         timeout=timeout, env=env)
    if check and res.returncode != 0:
        raise RuntimeError("%s: exit %d: %s" % (" ".join(cmd), res.returncode,
                                                res.stderr.strip()[-500:]))
    return res


def nsexec(ns, cpu=None):
    pre = ["ip", "netns", "exec", ns]
    return pre + (["taskset", "-c", cpu] if cpu is not None else [])


def pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def wait_until(pred, timeout, interval=0.05):
    """Polls pred() at most timeout seconds (and a bounded number of times)."""
    deadline = time.monotonic() + timeout
    for _ in range(int(timeout / interval) + 2):
        val = pred()
        if val:
            return val
        if time.monotonic() >= deadline:
            break
        time.sleep(interval)
    return None


# ---------------------------------------------------------------- processes

class Procs:
    """Every process this run started, stopped by PID."""

    def __init__(self):
        self.live = {}

    def start(self, cmd, out, err, env=None):
        p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                             env=env, start_new_session=True)
        self.live[p.pid] = p
        return p

    def stop(self, p, grace=5.0):
        if p.poll() is None:
            try:
                os.kill(p.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                p.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                try:
                    os.kill(p.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                p.wait(timeout=10)
        self.live.pop(p.pid, None)

    def stop_all(self):
        for p in list(self.live.values()):
            try:
                self.stop(p, grace=2.0)
            except Exception as e:  # keep cleaning up
                log("could not stop pid %d: %s" % (p.pid, e))


PROCS = Procs()


# ---------------------------------------------------------------- CPU quota

class CpuQuota:
    """A CPU bandwidth limit for one process: a cgroup of its own with
    cpu.max (cgroup v2) or cpu.cfs_quota_us (v1), removed by close().
    Gives each server of a set the same CPU as if each had a machine of
    that size, while they share this one."""

    PERIOD_US = 100000

    def __init__(self, name, cores):
        v2 = "/sys/fs/cgroup/cgroup.controllers"
        if os.path.exists(v2):
            with open(v2) as f:
                if "cpu" not in f.read().split():
                    raise RuntimeError("cgroup v2 without the cpu controller")
            root = "/sys/fs/cgroup"
            with open(os.path.join(root, "cgroup.subtree_control"), "w") as f:
                f.write("+cpu")
        elif os.path.exists("/sys/fs/cgroup/cpu/cpu.cfs_quota_us"):
            root = "/sys/fs/cgroup/cpu"
        else:
            raise RuntimeError("no CPU bandwidth control (cgroup cpu controller) here")
        self.v2 = root == "/sys/fs/cgroup"
        self.path = os.path.join(root, "%s-%d" % (name, os.getpid()))
        os.mkdir(self.path)
        quota = max(1000, int(cores * self.PERIOD_US))
        if self.v2:
            self._write("cpu.max", "%d %d" % (quota, self.PERIOD_US))
        else:
            self._write("cpu.cfs_period_us", str(self.PERIOD_US))
            self._write("cpu.cfs_quota_us", str(quota))

    def _write(self, key, value):
        with open(os.path.join(self.path, key), "w") as f:
            f.write(value)

    def add(self, pid):
        """Moves pid (every thread of it) into the group."""
        self._write("cgroup.procs", str(pid))

    def close(self):
        """Removes the group once its processes are gone (bounded)."""
        for _ in range(100):
            try:
                os.rmdir(self.path)
                return
            except FileNotFoundError:
                return
            except OSError:
                time.sleep(0.1)
        log("could not remove cgroup %s" % self.path)


# ---------------------------------------------------------------- namespaces

def ns_list():
    res = run(["ip", "netns", "list"], check=False)
    return [line.split()[0] for line in res.stdout.splitlines() if line.strip()]


def ns_kill_leftovers(ns):
    """Stops what still runs in ns: only our programs run there."""
    res = run(["ip", "netns", "pids", ns], check=False)
    for tok in res.stdout.split():
        if tok.isdigit():
            try:
                os.kill(int(tok), signal.SIGKILL)
            except ProcessLookupError:
                pass


def ns_delete(ns):
    if ns not in ns_list():
        return
    ns_kill_leftovers(ns)
    wait_until(lambda: not run(["ip", "netns", "pids", ns], check=False).stdout.strip(), 5)
    run(["ip", "netns", "del", ns], check=False)


def ns_sweep_stale(name_re=None):
    """Deletes the namespaces of earlier runs that died: names matching
    name_re (this script's by default) whose first group is a pid that is
    gone."""
    for ns in ns_list():
        m = (name_re or NS_RE).match(ns)
        if m and int(m.group(1)) != PID and not pid_alive(int(m.group(1))):
            log("deleting stale namespace %s" % ns)
            ns_delete(ns)


def veth(ns1, dev1, addr1, ns2, dev2, addr2, tmp):
    """A veth pair between two namespaces, /24 addresses on both ends, up.
    Made inside ns1 (tmp is the peer's name until it moves), so no end
    ever exists in the root namespace."""
    run(["ip", "-n", ns1, "link", "add", dev1, "type", "veth", "peer", "name", tmp,
         "netns", ns2])
    run(["ip", "-n", ns2, "link", "set", tmp, "name", dev2])
    run(["ip", "-n", ns1, "addr", "add", addr1 + "/24", "dev", dev1])
    run(["ip", "-n", ns2, "addr", "add", addr2 + "/24", "dev", dev2])
    run(["ip", "-n", ns1, "link", "set", dev1, "up"])
    run(["ip", "-n", ns2, "link", "set", dev2, "up"])


def ns_setup():
    """Server ns and client ns joined by one veth pair; the server reaches
    the relayed subnet through the client end, as it would a relay."""
    b = "db%db" % PID
    for ns in (NS_SERVER, NS_CLIENT):
        run(["ip", "netns", "add", ns])
        run(["ip", "-n", ns, "link", "set", "lo", "up"])
        run(nsexec(ns) + ["sysctl", "-q", "-w", "net.ipv6.conf.all.disable_ipv6=1"], check=False)
    # Created inside the server ns, so no end ever exists in the root ns.
    run(["ip", "-n", NS_SERVER, "link", "add", "s0", "type", "veth", "peer", "name", b,
         "netns", NS_CLIENT])
    run(["ip", "-n", NS_CLIENT, "link", "set", b, "name", "c0"])
    run(["ip", "-n", NS_SERVER, "addr", "add", SERVER_ADDR + "/24", "dev", "s0"])
    run(["ip", "-n", NS_CLIENT, "addr", "add", CLIENT_ADDR + "/24", "dev", "c0"])
    run(["ip", "-n", NS_CLIENT, "addr", "add", GIADDR + "/32", "dev", "c0"])
    for ns, dev in ((NS_SERVER, "s0"), (NS_CLIENT, "c0")):
        run(["ip", "-n", ns, "link", "set", dev, "up"])
    run(["ip", "-n", NS_SERVER, "route", "add", RELAY_NET, "via", CLIENT_ADDR])
    ok = run(nsexec(NS_CLIENT) + ["ping", "-c", "1", "-W", "2", SERVER_ADDR], check=False)
    if ok.returncode != 0:
        raise RuntimeError("veth between the namespaces does not pass traffic")


# ---------------------------------------------------------------- /proc

def proc_cpu_ticks(pid):
    """(utime, stime) in clock ticks, all threads."""
    with open("/proc/%d/stat" % pid) as f:
        rest = f.read().rsplit(")", 1)[1].split()
    return int(rest[11]), int(rest[12])


def proc_cpu_ns(pid):
    """CPU time of all live threads in ns, from the scheduler's own count
    (/proc/PID/task/*/schedstat): exact, where /proc/PID/stat samples at
    the tick."""
    total = 0
    for tid in os.listdir("/proc/%d/task" % pid):
        try:
            with open("/proc/%d/task/%s/schedstat" % (pid, tid)) as f:
                total += int(f.read().split()[0])
        except (OSError, ValueError, IndexError):
            pass
    return total


def udp_rcvbuf_errors(ns):
    """UDP datagrams dropped for a full socket buffer in ns (/proc/net/snmp)."""
    res = run(nsexec(ns) + ["cat", "/proc/net/snmp"], check=False)
    rows = [line.split() for line in res.stdout.splitlines() if line.startswith("Udp:")]
    if len(rows) >= 2 and "RcvbufErrors" in rows[0]:
        return int(rows[1][rows[0].index("RcvbufErrors")])
    return 0


def proc_status_kb(pid, key):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def proc_exe(pid):
    try:
        return os.path.basename(os.readlink("/proc/%d/exe" % pid))
    except OSError:
        return "?"


def udp67_owned_by(ns, pid):
    res = run(nsexec(ns) + ["ss", "-H", "-ulnp", "sport = :67"], check=False)
    return ("pid=%d," % pid) in res.stdout


# ---------------------------------------------------------------- servers

class Server:
    """One DHCP server under test: its config, lease store and process."""

    def __init__(self, key, label, durable, work, exe=None):
        self.key, self.label, self.durable = key, label, durable
        self.dir = os.path.join(work, key)
        self.exe = exe
        self.proc = None
        os.makedirs(self.dir, exist_ok=True)

    # subclasses: write_config(), command(), store_files(), ready_line
    ready_line = None
    env = None

    def counters(self):
        """What the server says it counted, read before it stops (None: it
        has no such interface in the benchmark)."""
        return None

    def fresh(self):
        for name in os.listdir(self.dir):
            path = os.path.join(self.dir, name)
            if os.path.isfile(path) and name not in ("conf",):
                os.unlink(path)
        self.write_config()

    def start(self):
        self.fresh()
        self.err_path = os.path.join(self.dir, "stderr.log")
        err = open(self.err_path, "w")
        env = dict(os.environ, **(self.env or {}))
        self.proc = PROCS.start(nsexec(NS_SERVER, SERVER_CPU) + self.command(),
                                subprocess.DEVNULL, err, env=env)
        err.close()
        pid = self.proc.pid

        def ready():
            if self.proc.poll() is not None:
                raise RuntimeError("%s exited at start: %s" % (self.label, self.tail()))
            if self.ready_line:
                with open(self.err_path, errors="replace") as f:
                    return self.ready_line in f.read()
            return udp67_owned_by(NS_SERVER, pid)
        if not wait_until(ready, 20):
            raise RuntimeError("%s not ready in 20 s: %s" % (self.label, self.tail()))
        time.sleep(0.3)             # let it settle into its loop
        if proc_exe(pid) == "taskset" or proc_exe(pid) == "ip":
            raise RuntimeError("pid %d is not the server itself" % pid)
        return pid

    def stop(self):
        if self.proc:
            PROCS.stop(self.proc)
            self.proc = None

    def tail(self):
        try:
            with open(self.err_path, errors="replace") as f:
                return f.read()[-600:]
        except OSError:
            return ""

    def store_size(self):
        return sum(os.path.getsize(os.path.join(self.dir, n)) for n in self.store_files()
                   if os.path.exists(os.path.join(self.dir, n)))


class Duodhcpd(Server):
    ready_line = "ready"

    def __init__(self, *a, commit_delay=0, api_port=None, **kw):
        super().__init__(*a, **kw)
        self.commit_delay = commit_delay
        self.api_port = api_port

    def write_config(self):
        with open(os.path.join(self.dir, "duodhcpd.ini"), "w") as f:
            f.write("[Settings]\nIPBIND_1=%s\nIPPOOL_1=198.18.0.10-198.18.0.250\n"
                    "AssociateBindsToPools=1\n[GENERAL]\nLEASETIME=%d\n"
                    "SUBNETMASK=255.255.255.0\n[DUODHCP]\nJournal=%s\n"
                    "CommitDelayMs=%d\n[SUBNET:%s]\nIPPOOL_1=%s-%s\n"
                    % (SERVER_ADDR, LEASE_TIME, os.path.join(self.dir, "leases.journal"),
                       self.commit_delay, RELAY_NET, POOL_FIRST, POOL_LAST))
            if self.api_port:
                # On the server namespace's loopback: idle during the load.
                f.write("[HTTP-SETTINGS]\nEnableHTTP=1\nBindAddress=127.0.0.1\nPort=%d\n"
                        % self.api_port)

    def counters(self):
        if not self.api_port:
            return None
        url = "http://127.0.0.1:%d/api/v1/status" % self.api_port
        res = run(nsexec(NS_SERVER) + [sys.executable, "-c",
                                       "import sys, urllib.request; sys.stdout.write("
                                       "urllib.request.urlopen(%r, timeout=5).read().decode())"
                                       % url], check=False, timeout=20)
        try:
            return json.loads(res.stdout)["counters"]
        except (ValueError, KeyError):
            return None

    def command(self):
        return [self.exe, "-c", os.path.join(self.dir, "duodhcpd.ini"), "-f"]

    def store_files(self):
        return ["leases.journal"]


class Kea(Server):
    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        self.env = {"KEA_PIDFILE_DIR": self.dir, "KEA_LOCKFILE_DIR": self.dir}

    def write_config(self):
        conf = {"Dhcp4": {
            "interfaces-config": {"interfaces": ["s0/" + SERVER_ADDR],
                                  "dhcp-socket-type": "udp"},
            # The default memfile: CSV, appended, never fsynced.  lfc-interval
            # as in Debian's shipped config; no point of a run lasts an hour,
            # so lease file cleanup never runs during a measurement.
            "lease-database": {"type": "memfile", "persist": True, "lfc-interval": 3600,
                               "name": os.path.join(self.dir, "kea-leases4.csv")},
            "valid-lifetime": LEASE_TIME, "min-valid-lifetime": LEASE_TIME,
            "max-valid-lifetime": LEASE_TIME,
            "subnet4": [
                {"id": 1, "subnet": "198.18.0.0/24",
                 "pools": [{"pool": "198.18.0.10 - 198.18.0.250"}]},
                {"id": 2, "subnet": RELAY_NET,
                 "pools": [{"pool": "%s - %s" % (POOL_FIRST, POOL_LAST)}]}],
            # WARN: Kea's INFO logs two lines per exchange; duodhcpd logs none.
            "loggers": [{"name": "kea-dhcp4", "severity": "WARN",
                         "output_options": [{"output": "stderr"}]}]}}
        with open(os.path.join(self.dir, "kea-dhcp4.json"), "w") as f:
            json.dump(conf, f, indent=1)

    def command(self):
        return ["kea-dhcp4", "-c", os.path.join(self.dir, "kea-dhcp4.json")]

    def store_files(self):
        return [n for n in os.listdir(self.dir) if n.startswith("kea-leases4.csv")]


class IscDhcpd(Server):
    def __init__(self, *a, delayed_ack=0, **kw):
        super().__init__(*a, **kw)
        self.delayed_ack = delayed_ack

    def write_config(self):
        extra = ""
        if self.delayed_ack:
            # The values the dhcpd.conf(5) manual suggests.
            extra = "delayed-ack %d;\nmax-ack-delay 250000;\n" % self.delayed_ack
        with open(os.path.join(self.dir, "dhcpd.conf"), "w") as f:
            # ping-check off: its default one-second ICMP wait before every
            # OFFER would time out every exchange; duodhcpd's probe is off too.
            f.write("authoritative;\nddns-update-style none;\nping-check false;\n"
                    "default-lease-time %d;\nmax-lease-time %d;\nmin-lease-time %d;\n%s"
                    "subnet 198.18.0.0 netmask 255.255.255.0 { range 198.18.0.10 198.18.0.250; }\n"
                    "subnet 198.19.0.0 netmask 255.255.0.0 { range %s %s; }\n"
                    % (LEASE_TIME, LEASE_TIME, LEASE_TIME, extra, POOL_FIRST, POOL_LAST))
        open(os.path.join(self.dir, "dhcpd.leases"), "w").close()

    def command(self):
        d = self.dir
        return ["dhcpd", "-4", "-f", "-q", "-cf", os.path.join(d, "dhcpd.conf"),
                "-lf", os.path.join(d, "dhcpd.leases"), "-pf", os.path.join(d, "dhcpd.pid"),
                "s0"]

    def store_files(self):
        return ["dhcpd.leases"]


class Reflector(Server):
    ready_line = "ready"

    def write_config(self):
        pass

    def command(self):
        return [self.exe, "--addr", SERVER_ADDR, "--lease", str(LEASE_TIME),
                "--max-seconds", "900"]

    def store_files(self):
        return []


# ---------------------------------------------------------------- load

class Bench:
    def __init__(self, args):
        self.a = args
        self.duoload = os.path.join(args.bin_dir, "duoload")
        self.points_run = 0
        self.t_end = time.monotonic() + args.budget

    def over_budget(self):
        return time.monotonic() > self.t_end

    def duoload_run(self, rate, duration, extra=()):
        cmd = nsexec(NS_CLIENT, CLIENT_CPU) + [
            self.duoload, "--server", SERVER_ADDR, "--local", GIADDR, "--rate", str(rate),
            "--duration", str(duration), "--clients", str(CLIENTS), "--timeout", "1000"]
        res = run(cmd + list(extra), timeout=duration + 60)
        return json.loads(res.stdout)

    def point(self, srv, rate, duration, extra=()):
        """One measurement.  When other work took over 25% of a core it is
        measured again (at most twice, after a short bounded wait for quiet)
        and the least disturbed attempt is kept."""
        best = None
        for attempt in range(3):
            p = self.point_once(srv, rate, duration, extra)
            p["attempt"] = attempt + 1
            p["others_share"] = round(p["others_cpu_s"] / max(0.1, p["duration_s"]), 2)
            if best is None or p["others_share"] < best["others_share"]:
                best = p
            if best["others_share"] <= 0.25 or attempt == 2 or self.over_budget():
                break
            log("  (other work took %.0f%% of a core: measuring again)"
                % (100 * p["others_share"]))
            wait_quiet(10)
        return best

    def point_once(self, srv, rate, duration, extra=()):
        """One measurement on a fresh lease store; returns a dict."""
        if self.points_run >= self.a.max_points:
            raise Abort("more than --max-points measurements")
        self.points_run += 1
        pid = srv.start()
        try:
            d0 = udp_rcvbuf_errors(NS_SERVER), udp_rcvbuf_errors(NS_CLIENT)
            s0 = cpu_sample()
            c0, n0 = proc_cpu_ticks(pid), proc_cpu_ns(pid)
            load = self.duoload_run(rate, duration, extra)
            c1, n1 = proc_cpu_ticks(pid), proc_cpu_ns(pid)
            s1 = cpu_sample()
            d1 = udp_rcvbuf_errors(NS_SERVER), udp_rcvbuf_errors(NS_CLIENT)
            hwm = proc_status_kb(pid, "VmHWM")
            counted = srv.counters()
        finally:
            srv.stop()
        done = load["completed"]
        user_s, sys_s = (c1[0] - c0[0]) / HZ, (c1[1] - c0[1]) / HZ
        cpu_s = (n1 - n0) / 1e9
        lat = load["latency_us"]["all"]
        p = {"rate": rate, "achieved": load["achieved_rate"], "started": load["started"],
             "duration_s": load["duration_s"],
             # CPU time of everything else on the machine during the point
             # (other sessions' tests, kernel work not charged to the two).
             "others_cpu_s": round(max(0.0, (s1[1] - s0[1]) / HZ - (c1[0] + c1[1] - c0[0] - c0[1])
                                       / HZ - load["generator_cpu_s"]), 2),
             "completed": done, "lost": load["lost"], "lost_pct": load["lost_pct"],
             "naks": load["naks"], "avg_ms": lat["avg"] / 1000, "p99_ms": lat["p99"] / 1000,
             "max_ms": lat["max"] / 1000,
             "offer_avg_ms": load["latency_us"]["discover_offer"]["avg"] / 1000,
             "ack_avg_ms": load["latency_us"]["request_ack"]["avg"] / 1000,
             "server_cpu_s": cpu_s, "server_user_s": user_s, "server_sys_s": sys_s,
             "server_rcvbuf_drops": d1[0] - d0[0], "generator_rcvbuf_drops": d1[1] - d0[1],
             "cpu_s_per_1000": cpu_s / done * 1000 if done else None,
             "vmhwm_kb": hwm, "store_bytes": srv.store_size(),
             "generator_cpu_s": load["generator_cpu_s"],
             "generator_limited": load["generator_limited"],
             "by_kind": {k: load["completed_by_kind"][k] for k in ("dora", "renew", "release")},
             "renew_avg_ms": load["latency_us"]["renew"]["avg"] / 1000,
             "junk": load.get("junk")}
        if counted:
            p["server_counters"] = counted
        # Replies dropped at the generator's own socket are the harness's
        # fault: such a point is generator-limited, not a server figure.
        if p["generator_rcvbuf_drops"] > 0.001 * max(1, p["started"]):
            p["generator_limited"] = True
        p["pass"] = (p["lost_pct"] < 1.0 and not p["generator_limited"]
                     and p["achieved"] >= 0.97 * rate)
        log("  %-12s %7d/s -> %9.1f/s lost %6.2f%% avg %7.2f ms max %8.2f ms cpu %.2fs "
            "others %.2fs rcvbuf drops srv %d gen %d %s"
            % (srv.key, rate, p["achieved"], p["lost_pct"], p["avg_ms"], p["max_ms"], cpu_s,
               p["others_cpu_s"], p["server_rcvbuf_drops"], p["generator_rcvbuf_drops"],
               "ok" if p["pass"] else "FAIL" + (" (generator-limited)"
                                                   if p["generator_limited"] else "")))
        return p

    def step_search(self, srv, start, extra=()):
        """Doubles the rate until a point loses 1% or more, then bisects.
        extra: more duoload arguments for every point."""
        pts, best, fail, cut = [], None, None, False
        rate = start
        for _ in range(14):                   # ramp up (bounded)
            if pts and self.over_budget():
                cut = True
                break
            p = self.point(srv, rate, self.a.duration, extra)
            pts.append(p)
            if p["pass"]:
                best = p
                if rate * 2 > RATE_CAP:
                    break
                rate *= 2
            else:
                fail = rate
                break
        if best is None and fail is not None:
            for _ in range(5):                # ramp down (bounded)
                rate = max(1, rate // 2)
                p = self.point(srv, rate, self.a.duration, extra)
                pts.append(p)
                if p["pass"]:
                    best = p
                    break
                fail = rate
        for _ in range(self.a.bisect):
            if best is None or fail is None or fail <= best["rate"] * (1 + self.a.precision):
                break
            if self.over_budget():
                cut = True
                break
            mid = nice((best["rate"] + fail) / 2)
            if mid <= best["rate"] or mid >= fail:
                break
            p = self.point(srv, mid, self.a.duration, extra)
            pts.append(p)
            if p["pass"]:
                best = p
            else:
                fail = mid
        return {"max_rate": best["rate"] if best else 0, "at_max": best,
                "first_fail": fail, "points": pts, "cut_by_budget": cut,
                "peak_vmhwm_kb": max((p["vmhwm_kb"] or 0) for p in pts) if pts else None}

    def window_max(self, srv, window):
        """Throughput with a fixed number of exchanges in flight."""
        return self.point(srv, 0, self.a.duration, ["--window", str(window)])

    def perfdhcp_run(self, srv, rate, duration):
        srv_pid = srv.start()
        try:
            cmd = nsexec(NS_CLIENT, CLIENT_CPU) + [
                "perfdhcp", "-4", "-l", GIADDR, "-r", str(rate), "-R", str(CLIENTS),
                "-p", str(int(max(1, round(duration)))), SERVER_ADDR]
            res = run(cmd, timeout=duration + 60, check=False)
        finally:
            srv.stop()
        del srv_pid
        return parse_perfdhcp(res.stdout + res.stderr)


def nice(x):
    """Rounds to two significant digits (a readable rate)."""
    if x < 10:
        return max(1, int(x))
    e = 10 ** (len(str(int(x))) - 2)
    return int(round(x / e) * e)


def parse_perfdhcp(text):
    out = {"raw_tail": text[-1500:]}
    m = re.search(r"Rate:\s*([\d.]+)", text)
    out["achieved"] = float(m.group(1)) if m else None
    secs = re.split(r"\*\*\*Statistics for: ", text)[1:]
    for sec in secs:
        name = "do" if sec.startswith("DISCOVER-OFFER") else "ra"
        for key, rx in (("sent", r"sent packets:\s*(\d+)"), ("recv", r"received packets:\s*(\d+)"),
                        ("drops", r"drops:\s*(\d+)"), ("avg_ms", r"avg delay:\s*([\d.]+) ms"),
                        ("max_ms", r"max delay:\s*([\d.]+) ms")):
            m = re.search(rx, sec)
            out["%s_%s" % (name, key)] = float(m.group(1)) if m else None
    sent = out.get("do_sent") or 0
    drops = (out.get("do_drops") or 0) + (out.get("ra_drops") or 0)
    out["lost_pct"] = 100.0 * drops / sent if sent else None
    if out.get("do_avg_ms") is not None and out.get("ra_avg_ms") is not None:
        out["avg_ms"] = out["do_avg_ms"] + out["ra_avg_ms"]
    return out


# ---------------------------------------------------------------- replay

def replay_bench(args, work, variants):
    """Time from exec to "ready" with a journal of N leases, and the RSS.
    variants: (key, daemon, mkjournal) triples; each daemon replays a
    journal written by its own mkjournal (its own record format), and the
    runs are interleaved (a, b, b, a, ...) so that other work on the
    machine falls on both alike.  Returns {key: result}."""
    n = args.replay_leases
    d = os.path.join(work, "replay")
    os.makedirs(d, exist_ok=True)
    setups = {}
    for key, exe, mk in variants:
        journal = os.path.join(d, "%s.journal" % key)
        t0 = time.monotonic()
        run([mk, journal, str(n), args.replay_first, "86400"], timeout=300)
        gen_s = time.monotonic() - t0
        ini = os.path.join(d, "%s.ini" % key)
        with open(ini, "w") as f:
            f.write("[Settings]\nIPBIND_1=%s\nIPPOOL_1=198.18.0.10-198.18.0.250\n"
                    "AssociateBindsToPools=1\n[GENERAL]\nLEASETIME=86400\n"
                    "SUBNETMASK=255.255.255.0\n[DUODHCP]\nJournal=%s\n[SUBNET:%s]\n"
                    "IPPOOL_1=%s\n" % (SERVER_ADDR, journal, args.replay_net,
                                        args.replay_pool))
        setups[key] = {"exe": exe, "ini": ini, "journal": journal, "gen_s": gen_s,
                       "bytes": os.path.getsize(journal), "runs": []}
    # A namespace with no link at all: only lo, holding the bind address.
    run(["ip", "netns", "add", NS_REPLAY])
    run(["ip", "-n", NS_REPLAY, "link", "set", "lo", "up"])
    run(["ip", "-n", NS_REPLAY, "addr", "add", SERVER_ADDR + "/32", "dev", "lo"])
    keys = [v[0] for v in variants]
    try:
        for i in range(args.replay_runs):
            for key in (keys if i % 2 == 0 else keys[::-1]):
                st = setups[key]
                r = replay_once(args, d, st["exe"], st["ini"])
                st["runs"].append(r)
                log("  replay %s run %d: ready in %.3f s (replay %s ms), VmRSS %d kB"
                    % (key, i + 1, r["ready_s"], r["replay_ms"], r["vmrss_kb"]))
    finally:
        ns_delete(NS_REPLAY)
    out = {}
    for key, st in setups.items():
        runs = st["runs"]
        ready = sorted(r["ready_s"] for r in runs)
        out[key] = {"leases": n, "journal_bytes": st["bytes"], "generate_s": st["gen_s"],
                    "daemon": st["exe"], "pool": args.replay_pool, "runs": runs,
                    "ready_s_median": ready[len(ready) // 2], "ready_s_min": ready[0],
                    "vmrss_kb_max": max(r["vmrss_kb"] for r in runs),
                    "vmhwm_kb_max": max(r["vmhwm_kb"] for r in runs)}
        os.unlink(st["journal"])
    return out


def replay_once(args, d, exe, ini):
    err_path = os.path.join(d, "stderr.log")
    err = open(err_path, "w")
    t0 = time.monotonic()
    p = PROCS.start(nsexec(NS_REPLAY, SERVER_CPU) + [exe, "-c", ini, "-f"],
                    subprocess.DEVNULL, err)
    err.close()
    try:
        def ready():
            if p.poll() is not None:
                raise RuntimeError("duodhcpd exited during replay")
            with open(err_path, errors="replace") as f:
                return "ready" in f.read()
        if not wait_until(ready, 60, interval=0.01):
            raise RuntimeError("duodhcpd not ready within 60 s of replay")
        ready_s = time.monotonic() - t0
        rss = proc_status_kb(p.pid, "VmRSS")
        hwm = proc_status_kb(p.pid, "VmHWM")
    finally:
        PROCS.stop(p, grace=30)
    with open(err_path, errors="replace") as f:
        text = f.read()
    m = re.search(r"(\d+) leases, replayed in (\d+) ms", text)
    return {"ready_s": ready_s, "replay_ms": int(m.group(2)) if m else None,
            "leases_loaded": int(m.group(1)) if m else None, "vmrss_kb": rss, "vmhwm_kb": hwm}


# ---------------------------------------------------------------- context

def fsync_cost(work, n=1000):
    """What one 200-byte write plus fdatasync costs in the work folder:
    median and p90 wall time, and CPU per call, both for an append that
    grows the file (ISC's lease file) and for a write in place into space
    allocated ahead (duodhcpd's journal).  The CPU figure includes the
    Python call overhead, a few microseconds."""
    path = os.path.join(work, "fsync.probe")
    out = {}
    for mode in ("append", "in_place"):
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o600)
        times = []
        try:
            if mode == "in_place":
                os.posix_fallocate(fd, 0, 200 * n + 4096)
                os.fsync(fd)
            c0 = time.process_time()   # the scheduler's count, not ticks
            for i in range(n):
                t = time.perf_counter()
                os.pwrite(fd, b"x" * 199 + b"\n", 200 * i)
                os.fdatasync(fd)
                times.append(time.perf_counter() - t)
            c1 = time.process_time()
        finally:
            os.close(fd)
            os.unlink(path)
        times.sort()
        cpu = (c1 - c0) / n
        out[mode] = {"median_ms": times[n // 2] * 1000, "p90_ms": times[n * 9 // 10] * 1000,
                     "cpu_us": cpu * 1e6}
    # The figures the report always printed: the append.
    out["median_ms"], out["p90_ms"] = out["append"]["median_ms"], out["append"]["p90_ms"]
    return out


def machine_info(work):
    cpu = "?"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = proc_meminfo_gb()
    fs = run(["findmnt", "-n", "-o", "FSTYPE", "-T", work], check=False).stdout.strip()
    return {"host": platform.node(), "kernel": platform.release(), "cpu": cpu,
            "cpus": os.cpu_count(), "mem_gb": mem, "work_fs": fs,
            "rmem_max": read_sysctl("net/core/rmem_max"),
            "rmem_default": read_sysctl("net/core/rmem_default")}


def cpu_sample():
    """(total, busy) jiffies of all CPUs from /proc/stat."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:8]]
    return sum(v), sum(v) - v[3] - v[4]     # less idle and iowait


def cpu_busy_pct(secs):
    """Share of all CPUs busy over secs (others' work, before we start)."""
    t0, b0 = cpu_sample()
    time.sleep(secs)
    t1, b1 = cpu_sample()
    return round(100.0 * (b1 - b0) / max(1, t1 - t0), 1)


def wait_quiet(max_wait, limit=10.0):
    """Waits (bounded) until the machine is under limit% busy; returns it."""
    deadline = time.monotonic() + max_wait
    busy = cpu_busy_pct(3)
    for _ in range(int(max_wait / 3) + 1):
        if busy <= limit or time.monotonic() >= deadline:
            break
        log("machine %.0f%% busy with other work; waiting for it to quiet down" % busy)
        busy = cpu_busy_pct(3)
    return busy


def proc_meminfo_gb():
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1048576, 1)
    return None


def read_sysctl(name):
    try:
        with open("/proc/sys/" + name) as f:
            return int(f.read().split()[0])
    except (OSError, ValueError):
        return None


def versions(args):
    def first(cmd):
        r = run(cmd, check=False)
        return (r.stdout + r.stderr).strip().splitlines()[0] if (r.stdout + r.stderr).strip() else "?"
    return {"kea-dhcp4": first(["kea-dhcp4", "-v"]), "dhcpd": first(["dhcpd", "--version"]),
            "perfdhcp": first(["perfdhcp", "-v"]).replace("VERSION: ", ""),
            "duodhcpd": args.duodhcpd,
            "duodhcpd_base": args.base_rev if "duodhcpd-base" in args.servers else None,
            "duodhcp_commit": run(["git", "-C", REPO, "rev-parse", "--short", "HEAD"],
                                  check=False).stdout.strip(),
            # Uncommitted changes under src/ when the daemon was built.
            "duodhcp_src_dirty": bool(run(["git", "-C", REPO, "status", "--porcelain", "--",
                                           "src"], check=False).stdout.strip())}


# ---------------------------------------------------------------- report

def ratio(a, b):
    return round(a / b, 2) if a and b else None


def report(res):
    servers = res["servers"]
    lines = []
    w = lines.append
    w("")
    w("duodhcp benchmark %s  (%s, %s CPUs, %s; lease store on %s)" % (
        res["date"], res["machine"]["cpu"], res["machine"]["cpus"], res["machine"]["kernel"],
        res["machine"]["work_fs"]))
    w("DORA exchanges, relayed; server on CPU %s, duoload on CPU %s; pool %s-%s, lease %d s; "
      "%d clients; point %.1f s; lost = no ACK within 1 s"
      % (SERVER_CPU, CLIENT_CPU, POOL_FIRST, POOL_LAST, LEASE_TIME, CLIENTS,
         res["settings"]["duration"], ))
    w("fdatasync of a 200-byte append here: median %.2f ms, p90 %.2f ms"
      % (res["fsync"]["median_ms"], res["fsync"]["p90_ms"]) + (
          "; CPU per write+fdatasync: append %.0f us, in place (allocated ahead) %.0f us"
          % (res["fsync"]["append"]["cpu_us"], res["fsync"]["in_place"]["cpu_us"])
          if "in_place" in res["fsync"] else ""))
    ca, ck = res.get("common_rate_all"), res.get("common_rate_duo_kea")
    w("")
    hdr = ("%-22s %-24s %10s %7s %7s %8s %8s %9s %9s %9s %10s"
           % ("server", "leases durable?", "max DORA/s", "avg ms", "D-O ms", "p99 ms",
              "worst ms", "CPU@%s" % ca, "CPU@%s" % (ck or "-"), "peak RSS", "store B/ex"))
    w(hdr)
    w("-" * len(hdr))
    for key, s in servers.items():
        at = s.get("search", {}).get("at_max") or {}
        cpu_a, cpu_k = cpu_cell(s.get("cpu_all")), cpu_cell(s.get("cpu_duo_kea"))
        st = s.get("cpu_all") or {}
        bpe = (st["store_bytes"] / st["completed"]) if st.get("completed") else None
        w("%-22s %-24s %10s %7s %7s %8s %8s %9s %9s %9s %10s" % (
            s["label"], s["durable"], s.get("search", {}).get("max_rate", "-"),
            fmt(at.get("avg_ms")), fmt(at.get("offer_avg_ms")), fmt(at.get("p99_ms")),
            fmt(at.get("max_ms")),
            cpu_a, cpu_k,
            "%.1f MB" % (s["search"]["peak_vmhwm_kb"] / 1024)
            if s.get("search", {}).get("peak_vmhwm_kb") else "-",
            fmt(bpe, 0)))
    w("")
    w("delays at the highest passing rate: avg/p99/worst DISCOVER-to-ACK, D-O = average "
      "DISCOVER-to-OFFER;")
    w("CPU@R = server CPU seconds per 1000 exchanges at R/s (the scheduler's run time of its "
      "threads; user+sys split in the JSON; '!': the server lost 1% or more at that rate in "
      "this run, so the figure is not comparable); store B/ex = lease store bytes per exchange at the first common rate.")
    if res.get("ratios"):
        w("ratios duodhcpd/peer: " + "; ".join(
            "%s %s" % (k, v) for k, v in res["ratios"].items() if v is not None))
    if res.get("window"):
        w("fixed window (%d in flight): " % res["settings"]["window"] + "; ".join(
            "%s %.0f/s (lost %.2f%%)" % (k, v["achieved"], v["lost_pct"])
            for k, v in res["window"].items()))
    bg = res.get("barrage")
    if bg and bg["servers"]:
        w("")
        w("malformed barrage: %d broken packets/s (8 kinds) beside the load:" % bg["junk_rate"])
        for k, v in bg["servers"].items():
            at = v["search"]["at_max"] or {}
            w("  %-12s max %6d DORA/s (%s of its %d/s without), avg %s ms, worst %s ms%s%s"
              % (k, v["max_rate"], fmt(v["vs_clean"]), v["clean_max_rate"],
                 fmt(at.get("avg_ms")), fmt(at.get("max_ms")),
                 "; malformed drops counted %s of %s sent (the kernel dropped %d datagrams "
                 "of every kind at its full socket buffer)" % (
                     v["malformed_counted_at_max"], v["junk_sent_at_max"],
                     at.get("server_rcvbuf_drops", 0))
                 if v["malformed_counted_at_max"] is not None else "",
                 " (search cut short by the time budget)" if v["cut_by_budget"] else ""))
    cp = res.get("compaction")
    if cp:
        w("")
        w("compaction: %d exchanges at %d/s: lost %.2f%%, average delay %.2f ms, worst %.1f ms; "
          "compactions logged: %s" % (cp["started"], cp.get("paced_rate", 0), cp["lost_pct"],
              cp["avg_ms"], cp["max_ms"], ", ".join("%s -> %.1f MB in %d ms%s" % (
                  "%.1f" % (c["from"] / 1e6) if c["from"] else "?", c["to"] / 1e6, c["ms"],
                  " (%d steps, longest %.1f ms)" % (c["steps"], c["longest_step_ms"])
                  if c.get("steps") else "")
                  for c in cp["compactions"]) or "none"))
    if res.get("mix"):
        w("")
        w("mix DORA/RENEW/RELEASE 60/30/10 with client ids at %d/s:" % res["mix_rate"])
        for k, v in res["mix"].items():
            w("  %-12s %8.1f/s lost %5.2f%% NAKs %d; done dora %d renew %d release %d; "
              "avg %.2f ms, renew avg %.2f ms, CPU %.3f s/1000"
              % (k, v["achieved"], v["lost_pct"], v["naks"], v["by_kind"]["dora"],
                 v["by_kind"]["renew"], v["by_kind"]["release"], v["avg_ms"],
                 v["renew_avg_ms"], v["cpu_s_per_1000"] or 0))
    pc = res.get("perfdhcp_check")
    if pc:
        w("")
        w("duoload vs perfdhcp at %d/s, %d s:" % (pc["rate"], pc["duration"]))
        for key, v in pc["servers"].items():
            d, p = v["duoload"], v["perfdhcp"]
            w("  %-12s duoload %8.1f/s lost %5.2f%% avg %6.2f ms | perfdhcp %8s/s lost %5s%% "
              "avg %6s ms" % (key, d["achieved"], d["lost_pct"], d["avg_ms"],
                              fmt(p.get("achieved"), 1), fmt(p.get("lost_pct"), 2),
                              fmt(p.get("avg_ms"))))
        if pc.get("perfdhcp_ceiling"):
            c = pc["perfdhcp_ceiling"]
            w("  perfdhcp against the reflector asked for %d/s: %s/s, lost %s%%"
              % (c["rate"], fmt(c.get("achieved"), 1), fmt(c.get("lost_pct"), 2)))
    rp = res.get("replay")
    if rp:
        w("")
        w("replay: %d leases, journal %.1f MB: exec to ready %.3f s (median of %d, min %.3f), "
          "journal replay %s ms (each run), VmRSS %.1f MB, VmHWM %.1f MB"
          % (rp["leases"], rp["journal_bytes"] / 1e6, rp["ready_s_median"], len(rp["runs"]),
             rp["ready_s_min"], "/".join(str(r["replay_ms"]) for r in rp["runs"]),
             rp["vmrss_kb_max"] / 1024,
             rp["vmhwm_kb_max"] / 1024))
    rb = res.get("replay_base")
    if rb:
        w("replay base: %d leases, journal %.1f MB: exec to ready %.3f s (median of %d, min "
          "%.3f), journal replay %s ms, VmRSS %.1f MB, VmHWM %.1f MB"
          % (rb["leases"], rb["journal_bytes"] / 1e6, rb["ready_s_median"], len(rb["runs"]),
             rb["ready_s_min"], "/".join(str(r["replay_ms"]) for r in rb["runs"]),
             rb["vmrss_kb_max"] / 1024, rb["vmhwm_kb_max"] / 1024))
    if res.get("regression"):
        regression_report(res, w)
    oc = res.get("others_cpu")
    if oc:
        w("")
        w("CPU used by anything but the server and duoload during the %d points: %.1f s in "
          "%.0f s (worst point %.0f%% of a core)" % (oc["points"], oc["others_cpu_s"],
                                                      oc["seconds"], 100 * oc["max_share"]))
    for note in res.get("notes", []):
        w("note: " + note)
    return "\n".join(lines)


def cpu_cell(p):
    """A CPU@R cell: '!' marks a point the server did not sustain."""
    if not p or p.get("cpu_s_per_1000") is None:
        return "-"
    return fmt(p["cpu_s_per_1000"], 3) + ("" if p.get("pass") else "!")


def fmt(v, nd=2):
    if v is None:
        return "-"
    return ("%." + str(nd) + "f") % v


# ---------------------------------------------------------------- main

def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="short points, coarse search (~3 min)")
    ap.add_argument("--bin-dir", required=True, help="duoload, reflector, mkjournal")
    ap.add_argument("--duodhcpd", help="the daemon (default BIN_DIR/duodhcpd)")
    ap.add_argument("--work", help="scratch folder on a real disk (default /var/tmp/...)")
    ap.add_argument("--out", help="results JSON (default bench/results/<date>.json)")
    ap.add_argument("--servers", default="duodhcpd,duodhcpd-delay,kea,isc,isc-delayed",
                    help="comma list of duodhcpd,duodhcpd-delay,kea,isc,isc-delayed,"
                    "duodhcpd-base")
    ap.add_argument("--duodhcpd-base", help="the base daemon of a no-regression run "
                    "(default BIN_DIR/duodhcpd-base)")
    ap.add_argument("--mkjournal-base", help="the base's mkjournal (default "
                    "BIN_DIR/mkjournal-base, else BIN_DIR/mkjournal)")
    ap.add_argument("--no-perfdhcp", action="store_true")
    ap.add_argument("--no-replay", action="store_true")
    ap.add_argument("--replay-leases", type=int, default=1000000)
    ap.add_argument("--keep", action="store_true", help="keep the work folder")
    ap.add_argument("--wait-quiet", type=float, default=0, metavar="SECONDS",
                    help="first wait up to SECONDS for the machine to be under 10%% busy")
    a = ap.parse_args()
    a.duodhcpd = os.path.abspath(a.duodhcpd or os.path.join(a.bin_dir, "duodhcpd"))
    a.bin_dir = os.path.abspath(a.bin_dir)
    a.duodhcpd_base = os.path.abspath(a.duodhcpd_base or
                                      os.path.join(a.bin_dir, "duodhcpd-base"))
    mk = os.path.join(a.bin_dir, "mkjournal-base")
    a.mkjournal_base = os.path.abspath(a.mkjournal_base or (
        mk if os.access(mk, os.X_OK) else os.path.join(a.bin_dir, "mkjournal")))
    try:
        with open(os.path.join(a.bin_dir, "base-rev")) as f:
            a.base_rev = f.read().strip()
    except OSError:
        a.base_rev = a.duodhcpd_base
    # Quick: 2 s points, 20% precision; full: 5 s points, 7% precision.
    a.duration = 2.0 if a.quick else 5.0
    a.cpu_duration = 4.0 if a.quick else 10.0
    a.bisect = 2 if a.quick else 4
    a.precision = 0.2 if a.quick else 0.07
    a.window = 1024
    a.budget = 480 if a.quick else 1500       # then searches stop ramping or bisecting
    a.max_points = 200
    # Three runs even when quick: the median is what a no-regression run
    # compares.
    a.replay_runs = 3
    # A million addresses do not fit 198.18.0.0/15 (131,072); the replay
    # pool is in 240.0.0.0/4 (reserved, never routed) and only ever appears
    # in a config file: the replay namespace has no link and sends nothing.
    a.replay_first = "240.0.0.10"
    a.replay_net = "240.0.0.0/8"
    last = 0xF0000000 + 10 + a.replay_leases + 1000
    a.replay_pool = "240.0.0.10-%d.%d.%d.%d" % (last >> 24, (last >> 16) & 255,
                                                (last >> 8) & 255, last & 255)
    return a


def main():
    a = parse_args()
    if os.geteuid() != 0:
        sys.exit("bench.py: needs root (network namespaces)")
    for exe in ("duoload", "reflector", "mkjournal"):
        if not os.access(os.path.join(a.bin_dir, exe), os.X_OK):
            sys.exit("bench.py: %s/%s missing: build it first (bench/run.sh)" % (a.bin_dir, exe))
    if "duodhcpd-base" in a.servers and not os.access(a.duodhcpd_base, os.X_OK):
        sys.exit("bench.py: %s missing: bench/run.sh builds it (or --duodhcpd-base)"
                 % a.duodhcpd_base)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    work = a.work or "/var/tmp/duodhcp-bench.%d" % PID
    os.makedirs(work, exist_ok=True)
    t_start = time.monotonic()
    res = {"date": datetime.datetime.now().strftime("%Y-%m-%dT%H%M%S"), "complete": False}
    failure = None
    try:
        ns_sweep_stale()
        ns_setup()
        measure(a, work, res)
        res["complete"] = True
    except (Abort, RuntimeError, subprocess.TimeoutExpired, OSError, ValueError) as e:
        failure = e
        res.setdefault("notes", []).append("run stopped early: %s" % e)
    finally:
        PROCS.stop_all()
        for ns in (NS_SERVER, NS_CLIENT, NS_REPLAY):
            ns_delete(ns)
        if not a.keep:
            shutil.rmtree(work, ignore_errors=True)
    res["elapsed_s"] = round(time.monotonic() - t_start, 1)
    out = a.out or os.path.join(os.path.dirname(os.path.abspath(__file__)), "results",
                                res["date"] + ".json")
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out, "w") as f:
        json.dump(res, f, indent=1)
    try:
        print(report(res))
    except (KeyError, TypeError, ZeroDivisionError) as e:
        print("(no table: results incomplete: %r)" % e)
    print("\nresults: %s  (%.0f s)" % (out, res["elapsed_s"]))
    if failure:
        sys.exit("bench.py: stopped early: %s" % failure)


def measure(a, work, res):
    res.update({"mode": "quick" if a.quick else "full",
           "machine": machine_info(work), "versions": versions(a),
           "settings": {"duration": a.duration, "cpu_duration": a.cpu_duration,
                        "clients": CLIENTS, "lease_time": LEASE_TIME, "timeout_ms": 1000,
                        "pool": "%s-%s" % (POOL_FIRST, POOL_LAST), "window": a.window,
                        "pass_rule": "lost < 1% and achieved >= 97% of target"},
           "notes": res.get("notes", []), "servers": {}})
    busy = wait_quiet(a.wait_quiet)
    res["machine"]["busy_pct_before"] = busy
    if busy > 10:
        res["notes"].append("the machine was %.0f%% busy before the run (other work on the "
                            "two cores): figures may be low" % busy)
    if res["machine"]["work_fs"] in ("tmpfs", "ramfs"):
        res["notes"].append("the lease stores are on %s: fsync costs nothing there"
                            % res["machine"]["work_fs"])
    res["fsync"] = fsync_cost(work)
    b = Bench(a)
    every = {
        "duodhcpd": (Duodhcpd("duodhcpd", "duodhcpd", "yes (fdatasync, group)", work,
                              a.duodhcpd), 2000),
        # Like ISC's delayed-ack row: a sync may wait for more records.
        "duodhcpd-delay": (Duodhcpd("duodhcpd-delay", "duodhcpd CommitDelayMs=5",
                                    "yes (fdatasync, <=5 ms batch)", work, a.duodhcpd,
                                    commit_delay=5), 2000),
        "kea": (Kea("kea", "kea-dhcp4 2.2 memfile", "no (memfile: no fsync)", work), 2000),
        "isc": (IscDhcpd("isc", "ISC dhcpd 4.4", "yes (fsync per lease)", work), 100),
        "isc-delayed": (IscDhcpd("isc-delayed", "ISC dhcpd delayed-ack", "yes (fsync per batch)",
                                 work, delayed_ack=28), 200),
        # The no-regression row: an older build, same config, same load.
        "duodhcpd-base": (Duodhcpd("duodhcpd-base", "duodhcpd base %s" % a.base_rev.split()[0],
                                   "yes (fdatasync, group)", work, a.duodhcpd_base), 2000),
    }
    chosen = [k.strip() for k in a.servers.split(",") if k.strip()]
    refl = Reflector("reflector", "reflector (ceiling)", "- (no state)", work,
                     os.path.join(a.bin_dir, "reflector"))
    log("harness ceiling: reflector")
    res["servers"]["reflector"] = {"label": refl.label, "durable": refl.durable,
                                   "search": b.step_search(refl, 8000)}
    res["window"] = {"reflector": b.window_max(refl, a.window)}
    ceiling = res["servers"]["reflector"]["search"]["max_rate"]
    for key in chosen:
        srv, start = every[key]
        if "duodhcpd-base" in chosen and key in ("duodhcpd", "duodhcpd-base"):
            # Both sides of a no-regression run get a search of their own,
            # however long waiting for a quiet machine took before.
            b.t_end = max(b.t_end, time.monotonic() + a.budget / 2)
        log("step search: %s" % srv.label)
        try:
            res["servers"][key] = {"label": srv.label, "durable": srv.durable,
                                   "search": b.step_search(srv, start)}
        except RuntimeError as e:
            res["notes"].append("%s failed: %s" % (key, e))
            log("  %s failed: %s" % (key, e))
            continue
        if key in ("duodhcpd", "duodhcpd-base"):
            res["window"][key] = b.window_max(srv, a.window)
        if key == "duodhcpd":
            if not a.quick:
                res["compaction"] = compaction_run(b, srv)
        m = res["servers"][key]["search"]["max_rate"]
        if ceiling and m >= 0.9 * ceiling:
            res["notes"].append("%s reached %d/s, within 10%% of the harness ceiling %d/s: "
                                "that figure is the harness's limit" % (key, m, ceiling))
    cpu_runs(a, b, res, every, chosen, refl)
    if "duodhcpd" in chosen and "duodhcpd-base" in chosen:
        regression_cpu(a, b, res, every)
    ratios(res)
    barrage_runs(a, b, res, every, chosen, work)
    mix_runs(a, b, res, every, chosen)
    if not a.no_perfdhcp and shutil.which("perfdhcp"):
        perfdhcp_check(a, b, res, every, chosen, refl)
    if not a.no_replay:
        log("replay: %d leases" % a.replay_leases)
        variants = [("duodhcpd", a.duodhcpd, os.path.join(a.bin_dir, "mkjournal"))]
        if "duodhcpd-base" in chosen:
            variants.append(("duodhcpd-base", a.duodhcpd_base, a.mkjournal_base))
        rp = replay_bench(a, work, variants)
        res["replay"] = rp["duodhcpd"]
        if "duodhcpd-base" in rp:
            res["replay_base"] = rp["duodhcpd-base"]
    if "duodhcpd" in chosen and "duodhcpd-base" in chosen:
        res["regression"] = regression_summary(res)
    disturbance(res)


def disturbance(res):
    """Sums the CPU that other work took while our points ran."""
    pts = []
    for s in res["servers"].values():
        pts += s.get("search", {}).get("points", [])
        pts += [s[k] for k in ("cpu_all", "cpu_duo_kea") if s.get(k)]
    for row in res.get("regression_cpu", {}).values():
        for v in row.values():
            pts += v["points"]
    secs = sum(p.get("duration_s", 0) for p in pts)
    other = sum(p.get("others_cpu_s", 0) for p in pts)
    res["others_cpu"] = {"points": len(pts), "seconds": round(secs, 1),
                         "others_cpu_s": round(other, 1),
                         "max_share": round(max((p.get("others_cpu_s", 0) / max(
                             0.1, p.get("duration_s", 1)) for p in pts), default=0), 2)}
    if secs and other / secs > 0.1:
        res["notes"].append("other work used %.1f CPU-seconds during %.0f s of measurement "
                            "(%.0f%% of one core): figures may be low"
                            % (other, secs, 100 * other / secs))


def cpu_runs(a, b, res, every, chosen, refl):
    maxes = {k: res["servers"][k]["search"]["max_rate"] for k in chosen if k in res["servers"]}
    if not maxes or min(maxes.values()) <= 0:
        return
    res["common_rate_all"] = nice(0.8 * min(maxes.values()))
    pair = [maxes[k] for k in ("duodhcpd", "kea") if k in maxes]
    res["common_rate_duo_kea"] = nice(0.8 * min(pair)) if len(pair) == 2 else None
    for label, rate in (("cpu_all", res["common_rate_all"]),
                        ("cpu_duo_kea", res["common_rate_duo_kea"])):
        if not rate:
            continue
        for k in chosen:
            if k not in res["servers"] or maxes[k] < rate:
                continue
            done = res["servers"][k].get("cpu_all")
            if label == "cpu_duo_kea" and done and done["rate"] == rate:
                res["servers"][k][label] = done     # the same run
                continue
            log("CPU at %d/s: %s" % (rate, k))
            res["servers"][k][label] = b.point(every[k][0], rate, a.cpu_duration)
        # The floor: what receiving and answering alone costs at this rate
        # (no state, no disk), so a ratio can be read against it.
        log("CPU at %d/s: reflector" % rate)
        res["servers"]["reflector"][label] = b.point(refl, rate, a.cpu_duration)


REGRESSION_LOW_RATE = 1000     # each ACK mostly alone in its turn: one fdatasync each


def regression_cpu(a, b, res, every):
    """CPU per exchange of duodhcpd and duodhcpd-base at two rates, each
    measured 2 (quick) or 3 times, interleaved new/base/base/new/... so
    that other work on the machine falls on both alike; the median of the
    points that passed is kept.  The high rate is half the slower build's
    maximum: at 80% (cpu_all) a busy machine makes points lose 1% and drop
    out of the median."""
    maxes = [res["servers"].get(k, {}).get("search", {}).get("max_rate") or 0
             for k in ("duodhcpd", "duodhcpd-base")]
    if min(maxes) <= 0:
        return
    reps = 2 if a.quick else 3
    out = {}
    keys = ["duodhcpd", "duodhcpd-base"]
    for rate in sorted({REGRESSION_LOW_RATE, nice(0.5 * min(maxes))}):
        pts = {k: [] for k in keys}
        for i in range(reps):
            for k in (keys if i % 2 == 0 else keys[::-1]):
                log("no-regression CPU at %d/s: %s (%d of %d)" % (rate, k, i + 1, reps))
                pts[k].append(b.point(every[k][0], rate, a.cpu_duration))
        row = {}
        for k in keys:
            ok = sorted(p["cpu_s_per_1000"] for p in pts[k]
                        if p["pass"] and p["cpu_s_per_1000"] is not None)
            row[k] = {"points": pts[k],
                      "us_per_exchange": statistics.median(ok) * 1000 if ok else None,
                      "us_each": [round(p["cpu_s_per_1000"] * 1000, 1)
                                  if p["cpu_s_per_1000"] is not None else None
                                  for p in pts[k]],
                      "all_passed": len(ok) == len(pts[k])}
        out[str(rate)] = row
    res["regression_cpu"] = out


def regression_summary(res):
    """The no-regression table: new (duodhcpd) and base side by side."""
    rows = {}
    for k, rp in (("duodhcpd", res.get("replay")), ("duodhcpd-base", res.get("replay_base"))):
        s = res["servers"].get(k, {})
        sr = s.get("search", {})
        rows[k] = {"label": s.get("label", k), "max_rate": sr.get("max_rate"),
                   "search_cut_by_budget": sr.get("cut_by_budget"),
                   "window_rate": (res.get("window", {}).get(k) or {}).get("achieved"),
                   "peak_vmhwm_kb": sr.get("peak_vmhwm_kb"),
                   "cpu_us": {r: v[k]["us_per_exchange"]
                              for r, v in res.get("regression_cpu", {}).items()},
                   "replay_ready_s": rp["ready_s_median"] if rp else None,
                   "replay_vmrss_kb": rp["vmrss_kb_max"] if rp else None,
                   "replay_ms": [r["replay_ms"] for r in rp["runs"]] if rp else None}
    n, o = rows["duodhcpd"], rows["duodhcpd-base"]
    ratios_ = {"max_rate": ratio(n["max_rate"], o["max_rate"]),
               "window_rate": ratio(n["window_rate"], o["window_rate"]),
               "peak_vmhwm": ratio(n["peak_vmhwm_kb"], o["peak_vmhwm_kb"]),
               "replay_ready": ratio(n["replay_ready_s"], o["replay_ready_s"]),
               "replay_vmrss": ratio(n["replay_vmrss_kb"], o["replay_vmrss_kb"])}
    for r in n["cpu_us"]:
        ratios_["cpu@%s" % r] = ratio(n["cpu_us"][r], o["cpu_us"].get(r))
    return {"rows": rows, "ratios_new_over_base": ratios_}


def regression_report(res, w):
    rg = res["regression"]
    n, o = rg["rows"]["duodhcpd"], rg["rows"]["duodhcpd-base"]
    rr = rg["ratios_new_over_base"]
    rates = sorted(n["cpu_us"], key=int)
    w("")
    w("no regression: this tree (%s) against base %s, in this run"
      % (res["versions"].get("duodhcp_commit"), res["versions"].get("duodhcpd_base")))
    cols = (["sustained DORA/s", "1024 in flight/s"] +
            ["CPU us/ex @%s" % r for r in rates] +
            ["peak RSS MB", "replay %dk s" % (res.get("replay", {}).get("leases", 0) // 1000),
             "replay RSS MB"])
    w("%-26s" % "" + "".join("%18s" % c for c in cols))

    def cells(row):
        return ([fmt(row["max_rate"], 0), fmt(row["window_rate"], 0)] +
                [fmt(row["cpu_us"].get(r), 1) for r in rates] +
                [fmt(row["peak_vmhwm_kb"] and row["peak_vmhwm_kb"] / 1024, 1),
                 fmt(row["replay_ready_s"], 3),
                 fmt(row["replay_vmrss_kb"] and row["replay_vmrss_kb"] / 1024, 1)])
    w("%-26s" % "new (duodhcpd)" + "".join("%18s" % c for c in cells(n)))
    w("%-26s" % "base" + "".join("%18s" % c for c in cells(o)))
    w("%-26s" % "ratio new/base" + "".join("%18s" % fmt(rr.get(k)) for k in (
        ["max_rate", "window_rate"] + ["cpu@%s" % r for r in rates] +
        ["peak_vmhwm", "replay_ready", "replay_vmrss"])))
    for r in rates:
        v = res["regression_cpu"][r]
        w("  CPU us/exchange at %s/s, every point: new %s, base %s%s" % (
            r, v["duodhcpd"]["us_each"], v["duodhcpd-base"]["us_each"],
            "" if v["duodhcpd"]["all_passed"] and v["duodhcpd-base"]["all_passed"]
            else " (a point lost >= 1%: not counted in the median)"))
    for k, row in (("new", n), ("base", o)):
        if row.get("search_cut_by_budget"):
            w("  %s: the step search was cut short by the time budget: its sustained rate "
              "is a lower bound" % k)
    w("  sustained: step search (<1%% lost); CPU: median of the interleaved points, the "
      "scheduler's run time; replay: exec to ready, median of %d interleaved runs"
      % len((res.get("replay") or {}).get("runs", [])))


def compaction_run(b, srv, count=480000, rate=20000):
    """Fills the journal past its 64 MiB compaction threshold (480,000 ACKs
    of ~157 bytes) at a paced rate well below the maximum, so that the
    worst delay shows a stall rather than queueing, and reports the
    compactions the daemon logged: size before and after, time, and the
    longest step the event loop spent on one."""
    secs = count / rate + 5
    log("compaction: duodhcpd, %d exchanges at %d/s" % (count, rate))
    p = b.point(srv, rate, secs, ["--count", str(count)])
    p["paced_rate"] = rate
    with open(srv.err_path, errors="replace") as f:
        text = f.read()
    starts = [int(x) for x in re.findall(r"journal compaction started at (\d+) bytes", text)]
    p["compactions"] = []
    for i, m in enumerate(re.finditer(r"journal compacted to (\d+) bytes in (\d+) ms"
                                      r"(?: \((\d+) steps, longest ([0-9.]+) ms\))?", text)):
        p["compactions"].append({"from": starts[i] if i < len(starts) else None,
                                 "to": int(m.group(1)), "ms": int(m.group(2)),
                                 "steps": int(m.group(3)) if m.group(3) else None,
                                 "longest_step_ms": float(m.group(4)) if m.group(4) else None})
    p["compaction_errors"] = re.findall(r"journal compaction (?:failed|could not).*", text)
    return p


def mix_runs(a, b, res, every, chosen):
    rate = res.get("common_rate_duo_kea")
    if not rate or b.over_budget():
        return
    res["mix_rate"] = rate
    res["mix"] = {}
    for k in [k for k in ("duodhcpd", "kea") if k in chosen and k in res["servers"]]:
        log("mix 60/30/10 at %d/s: %s" % (rate, k))
        res["mix"][k] = b.point(every[k][0], rate, a.duration,
                                ["--mix", "60,30,10", "--client-id"])


def ratios(res):
    s = res["servers"]
    r = {}
    sync_ms = res.get("fsync", {}).get("in_place", {}).get("cpu_us", 0) / 1000
    for label in ("cpu_all", "cpu_duo_kea"):
        a, b = s.get("reflector", {}).get(label), s.get("kea", {}).get(label)
        if a and b and a.get("pass") and b.get("pass"):
            r["CPU/exchange of the reflector (floor) vs kea at %d/s" % a["rate"]] = ratio(
                a["cpu_s_per_1000"], b["cpu_s_per_1000"])
            # What no durable server can go below when each ACK has its
            # own fdatasync (at low rates no two ACKs meet in one turn).
            if sync_ms and label == "cpu_all" and a["rate"] < res.get(
                    "common_rate_duo_kea", 0):
                r["CPU/exchange of the reflector plus one fdatasync vs kea at %d/s"
                  % a["rate"]] = ratio(a["cpu_s_per_1000"] + sync_ms, b["cpu_s_per_1000"])
    for d in ("duodhcpd", "duodhcpd-delay"):
        duo = s.get(d)
        if not duo:
            continue
        name = "" if d == "duodhcpd" else d + " "
        for k in ("kea", "isc", "isc-delayed"):
            if k not in s:
                continue
            r["%smax rate vs %s" % (name, k)] = ratio(duo["search"]["max_rate"],
                                                       s[k]["search"]["max_rate"])
            for label in ("cpu_all", "cpu_duo_kea"):
                a, b = duo.get(label), s[k].get(label)
                if a and b:
                    # A server that could not keep up spends more per
                    # exchange: no ratio against such a point.
                    r["%sCPU/exchange vs %s at %d/s" % (name, k, a["rate"])] = ratio(
                        a["cpu_s_per_1000"], b["cpu_s_per_1000"]) if a.get(
                            "pass") and b.get("pass") else "n/a (lost >= 1%)"
    res["ratios"] = r


JUNK_RATE = 10000      # malformed packets a second in the barrage


def barrage_runs(a, b, res, every, chosen, work):
    """Issue 3's malformed barrage as a figure: the step search again, now
    with JUNK_RATE malformed packets a second beside the load (duoload
    --junk: eight kinds in turn).  duodhcpd runs with its API on loopback
    so that its count of malformed drops can be set against what duoload
    sent."""
    out = {"junk_rate": JUNK_RATE, "servers": {}}
    for k in [k for k in ("duodhcpd", "kea") if k in chosen and k in res["servers"]]:
        clean = res["servers"][k]["search"]["max_rate"]
        if not clean or b.over_budget():
            continue
        srv = every[k][0]
        if k == "duodhcpd":
            srv = Duodhcpd("duodhcpd-junk", srv.label, srv.durable, work, a.duodhcpd,
                           api_port=8067)
        log("step search with %d malformed packets/s beside the load: %s" % (JUNK_RATE, k))
        sr = b.step_search(srv, nice(clean / 4), ["--junk", str(JUNK_RATE)])
        at = sr["at_max"] or {}
        out["servers"][k] = {
            "search": sr, "clean_max_rate": clean, "max_rate": sr["max_rate"],
            "vs_clean": ratio(sr["max_rate"], clean),
            "junk_sent_at_max": (at.get("junk") or {}).get("sent"),
            "malformed_counted_at_max": ((at.get("server_counters") or {}).get("dropped")
                                         or {}).get("malformed"),
            "cut_by_budget": b.over_budget()}
    res["barrage"] = out


def perfdhcp_check(a, b, res, every, chosen, refl):
    kea_max = res["servers"].get("kea", {}).get("search", {}).get("max_rate") or 4000
    rate = nice(min(0.5 * kea_max, 5000))
    dur = int(a.duration) + 1
    pc = {"rate": rate, "duration": dur, "servers": {}}
    for k in [k for k in ("kea", "duodhcpd") if k in chosen]:
        log("perfdhcp check at %d/s: %s" % (rate, k))
        srv = every[k][0]
        p = b.perfdhcp_run(srv, rate, dur)
        d = b.point(srv, rate, dur)
        pc["servers"][k] = {"perfdhcp": p, "duoload": d}
    ceil_rate = 100000
    log("perfdhcp ceiling: reflector at %d/s asked" % ceil_rate)
    p = b.perfdhcp_run(refl, ceil_rate, dur)
    p["rate"] = ceil_rate
    pc["perfdhcp_ceiling"] = p
    res["perfdhcp_check"] = pc


if __name__ == "__main__":
    try:
        main()
    except Abort as e:
        sys.exit("bench.py: stopped: %s" % e)
