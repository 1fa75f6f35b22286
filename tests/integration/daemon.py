"""Starting, stopping and querying duodhcpd inside a server namespace."""

import datetime
import ipaddress
import os
import re
import subprocess
import time

import nslib

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def binary():
    """The daemon under test: $DUODHCPD, else <repo>/build/duodhcpd."""
    return os.environ.get("DUODHCPD") or os.path.join(REPO, "build", "duodhcpd")


def example_config(path, journal):
    """An example file of the repository as it is, with only its journal
    moved to journal."""
    with open(path) as f:
        text = f.read()
    return text.replace("Journal=/var/lib/duodhcp/leases.journal", "Journal=%s" % journal)


def in_range(addr, first, last):
    """first <= addr <= last, as IPv4 addresses."""
    a = ipaddress.ip_address(addr)
    return ipaddress.ip_address(first) <= a <= ipaddress.ip_address(last)


def make_config(journal, authoritative=True, lease_time=120, relay=False,
                pool="198.18.0.10-50",
                reservations=(), decline_time=600, extra_settings="",
                extra_duodhcp="", router="198.18.0.1", dns="198.18.0.1", http_port=None,
                extra_general=""):
    """The dhcpsrv.ini style config the tests share.  reservations is a list
    of (mac, addr, hostname); pool None gives no IPPOOL_1.  router or dns None leaves ROUTER_0 or DNS_0
    out of [GENERAL].  http_port turns the status page and API on at
    198.18.0.1:http_port."""
    lines = [
        "; written by the duodhcp integration tests",
        "[Settings]",
        "IPPOOL_1=%s" % pool if pool else None,
        "IPBIND_1=198.18.0.1",
        "AssociateBindsToPools=1",
        "Trace=1",
        extra_settings,
        "",
        "[GENERAL]",
        "LEASETIME=%d" % lease_time,
        "SUBNETMASK=255.255.255.0",
        "ROUTER_0=%s" % router if router else None,
        "DNS_0=%s" % dns if dns else None,
        extra_general,
        "",
        "[DUODHCP]",
        "Journal=%s" % journal,
        "DeclineTime=%d" % decline_time,
        "Authoritative=%d" % (1 if authoritative else 0),
        extra_duodhcp,
        "",
    ]
    if http_port:
        lines += ["[HTTP-SETTINGS]", "EnableHTTP=1", "BindAddress=198.18.0.1",
                  "Port=%d" % http_port, ""]
    if relay:
        lines += [
            "; the subnet behind the relay agent at 198.18.4.1",
            "[SUBNET:198.18.4.0/24]",
            "IPPOOL_1=198.18.4.10-50",
            "ROUTER_0=198.18.4.1",
            "",
        ]
    for mac, addr, hostname in reservations:
        lines += ["[%s]" % mac.replace(":", "-").upper(), "IPADDR=%s" % addr]
        if hostname:
            lines.append("Hostname=%s" % hostname)
        lines.append("")
    return "\n".join(l for l in lines if l is not None) + "\n"


LOAD_ADDR = "198.19.0.1"	# duoload's relay address, in the relayed subnet


def load_config(journal, extra_duodhcp="", **kw):
    """make_config plus the subnet behind duoload's relay address."""
    return make_config(journal, lease_time=3600, extra_duodhcp=extra_duodhcp, **kw) + (
        "[SUBNET:198.19.0.0/16]\nIPPOOL_1=198.19.1.1-198.19.200.250\n")


def load_topo(make_topo):
    """A server and one host, "load", that relays: duoload runs there as
    LOAD_ADDR, and the server routes 198.19.0.0/16 back to it."""
    topo = make_topo(clients=())
    load = topo.add_host("load", "198.18.0.2/24")
    topo.ip(load, "addr", "add", LOAD_ADDR + "/16", "dev", "eth0")
    topo.ip(topo.server, "route", "add", "198.19.0.0/16", "via", "198.18.0.2")
    return topo, load


def tool(name):
    """A bench tool meson built beside the daemon (or $DUOLOAD etc.)."""
    exe = os.environ.get(name.upper()) or os.path.join(os.path.dirname(binary()), name)
    if not os.access(exe, os.X_OK):
        raise RuntimeError("%s is missing at %s (meson builds it)" % (name, exe))
    return exe


SANITIZER_RE = re.compile(r"(ERROR: AddressSanitizer|ERROR: LeakSanitizer|"
                          r"runtime error:|SUMMARY: UndefinedBehaviorSanitizer)")


def sanitizer_lines(text):
    """Lines of text where ASan or UBSan reported a problem."""
    return [l for l in text.splitlines() if SANITIZER_RE.search(l)]


def parse_leases(text):
    """Parses `duodhcpd -L` output: ADDR STATE HW CID HOSTNAME END."""
    leases = []
    for line in text.splitlines():
        f = line.split()
        if len(f) < 2 or not re.match(r"^\d+\.\d+\.\d+\.\d+$", f[0]):
            continue	# a header or a comment
        f += [""] * (6 - len(f))
        leases.append({"addr": f[0], "state": f[1].lower(), "hw": f[2].lower(),
                       "cid": f[3], "hostname": f[4], "end": " ".join(f[5:]),
                       "line": line})
    return leases


def end_value(end):
    """An END field as a number we can compare: epoch seconds, or a parsed
    date.  Returns None when it is neither."""
    if re.match(r"^\d+$", end):
        return int(end)
    for fmt in ("%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%dT%H:%M:%S", "%Y/%m/%d %H:%M:%S",
                "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S%z"):
        try:
            return int(datetime.datetime.strptime(end, fmt).timestamp())
        except ValueError:
            pass
    return None


class Daemon:
    """duodhcpd -f in the server namespace, stderr kept in a log file.

    wrap, when given, turns the daemon's argv into the argv run inside the
    namespace; it must exec the daemon in the end (so the PID we get is
    still the daemon's), e.g. unshare -m ... sh -c '...; exec "$0" "$@"'.
    private_mounts=True says the daemon runs in a mount namespace of its
    own (set up by wrap): -L and in_mountns() then enter it by its PID.
    ns, when given, is the namespace to run in instead of topo.server (a
    second server of the same topology, e.g. a split-scope partner)."""

    READY_TIMEOUT = float(os.environ.get("DUODHCP_READY_TIMEOUT", "20"))

    def __init__(self, topo, workdir, config_text, wrap=None, private_mounts=False,
                 ns=None):
        self.topo = topo
        self.ns = ns or topo.server
        self.wrap = wrap
        self.private_mounts = private_mounts
        self.workdir = workdir
        self.config = os.path.join(workdir, "duodhcpd.ini")
        self.pidfile = os.path.join(workdir, "duodhcpd.pid")
        self.logpath = os.path.join(workdir, "duodhcpd.log")
        self.proc = None
        self.exits = []		# exit status of every run we stopped
        self.write_config(config_text)

    def write_config(self, text):
        with open(self.config, "w") as f:
            f.write(text)

    def _argv(self):
        exe = binary()
        if not os.access(exe, os.X_OK):
            raise RuntimeError("daemon binary %s is missing (build it, or set "
                               "DUODHCPD)" % exe)
        argv = [exe, "-c", self.config, "-f", "-p", self.pidfile]
        if self.wrap:
            argv = self.wrap(argv)
        # ip netns exec execs the daemon: the PID we get is the daemon's.
        return nslib.nsexec(self.ns) + argv

    def _popen(self, what):
        argv = self._argv()
        log = open(self.logpath, "a")
        log.write("=== %s %s\n" % (what, time.strftime("%H:%M:%S")))
        log.flush()
        try:
            return subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log,
                                    stderr=log)
        finally:
            log.close()

    def run_to_exit(self, timeout=20.0):
        """Runs the daemon expecting it to exit by itself (a start that must
        fail); returns its exit status and what it logged in this run.  One
        that still runs after timeout is stopped by its PID, and that is an
        error."""
        before = len(self.log())
        p = self._popen("run expecting exit")
        try:
            rc = p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            rc = nslib.stop_pid(p.pid, term_timeout=5, proc=p)
            raise RuntimeError("duodhcpd still ran after %.0fs (stopped, status %s); "
                               "log:\n%s" % (timeout, rc, self.log()[before:]))
        with open(self.logpath, "a") as log:
            log.write("=== exited by itself, status %s\n" % rc)
        return rc, self.log()[before:]

    def start(self):
        self.proc = self._popen("start")
        try:
            nslib.wait_until(self._ready, self.READY_TIMEOUT, interval=0.1,
                             what="duodhcpd listening on udp/67")
        except TimeoutError:
            self.stop()
            raise RuntimeError("duodhcpd did not become ready; log:\n" + self.log())
        return self

    def _ready(self):
        if self.proc.poll() is not None:
            raise RuntimeError("duodhcpd exited with status %d at start; log:\n%s"
                               % (self.proc.returncode, self.log()))
        return self.topo.udp_listening(self.ns, 67)

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def signal(self, sig):
        assert self.alive(), "duodhcpd is not running"
        self.proc.send_signal(sig)

    def kill(self):
        """SIGKILL: a crash, as far as the journal can tell."""
        self.proc.kill()
        rc = self.proc.wait(timeout=10)
        with open(self.logpath, "a") as log:
            log.write("=== killed, status %s\n" % rc)
        self.proc = None
        return rc

    def stop(self, timeout=10.0):
        """SIGTERM, SIGKILL after timeout.  Returns the exit status, negative
        for a signal; records it in self.exits."""
        if self.proc is None:
            return None
        rc = nslib.stop_pid(self.proc.pid, term_timeout=timeout, proc=self.proc)
        self.exits.append(rc)
        with open(self.logpath, "a") as log:
            log.write("=== stopped, status %s\n" % rc)
        self.proc = None
        return rc

    def restart(self):
        rc = self.stop()
        self.start()
        return rc

    def log(self):
        try:
            with open(self.logpath, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def sanitizer_reports(self):
        """Lines where ASan or UBSan reported a problem."""
        return sanitizer_lines(self.log())

    def mountns_prefix(self):
        """The prefix that runs a command in the daemon's mount namespace
        (only with private_mounts, while it runs), else []."""
        if not self.private_mounts:
            return []
        assert self.alive(), "duodhcpd is not running: its mount namespace is gone"
        return ["nsenter", "-t", str(self.proc.pid), "-m", "--"]

    def in_mountns(self, argv, timeout=30, check=True):
        """Runs argv (a list) where the daemon sees its files."""
        return nslib.run(self.mountns_prefix() + list(argv), timeout=timeout,
                         check=check)

    def leases_text(self):
        res = nslib.run(self.mountns_prefix() + [binary(), "-c", self.config, "-L"],
                        check=False, timeout=30)
        if res.returncode != 0:
            raise RuntimeError("duodhcpd -L exit %d: %s%s" % (
                res.returncode, res.stdout, res.stderr))
        return res.stdout

    def leases(self):
        return parse_leases(self.leases_text())

    def lease(self, addr):
        for l in self.leases():
            if l["addr"] == addr:
                return l
        return None

    def wait_lease(self, pred, timeout=5.0, what="lease"):
        """Polls -L until some lease satisfies pred; returns it."""
        def find():
            for l in self.leases():
                if pred(l):
                    return l
            return None
        return nslib.wait_until(find, timeout, interval=0.2, what=what)


def ctl_in(ns, ini, *args, timeout=60):
    """duodhcpctl -c ini ARGS inside the namespace ns (where the API is),
    without a $DUODHCP_TOKEN of the caller's: the file's ApiToken serves."""
    env = dict(os.environ)
    env.pop("DUODHCP_TOKEN", None)
    argv = nslib.nsexec(ns) + [tool("duodhcpctl"), "-c", ini]
    return subprocess.run(argv + list(args), capture_output=True, text=True, timeout=timeout,
                          env=env)


def import_summary(out):
    """The counts line of an import-leases report, as numbers."""
    m = re.search(r"^(\d+) records read, (\d+) imported \((\d+) new, (\d+) updated\), "
                  r"(\d+) unchanged, (\d+) skipped$", out, re.M)
    assert m, "no report line in:\n" + out
    return dict(zip(("read", "imported", "new", "updated", "unchanged", "skipped"),
                    map(int, m.groups())))
