"""Drivers for real DHCP clients run inside a client namespace.

Each client gets its own hook script that applies the address with `ip`
inside the namespace and appends the variables it was called with to a log,
so a test sees every state change the client went through.  No client runs
its distribution hooks: those write /etc/resolv.conf, set the hostname or
restart services on the machine.
"""

import json
import os
import signal
import subprocess

import nslib

# Appends one JSON object per call: {"reason": ..., "env": {...}, "t": when}.
_RECORD = r'''
rec() {
    /usr/bin/python3 -c '
import json, os, sys, time
keep = ("reason", "interface", "ip", "subnet", "mask", "router", "dns",
        "hostname", "lease", "serverid", "broadcast", "domain")
env = {k: v for k, v in os.environ.items()
       if k in keep or k.startswith(("new_", "old_", "cur_"))}
with open(sys.argv[1], "a") as f:
    f.write(json.dumps({"reason": sys.argv[2], "env": env, "t": time.time()}) + "\n")
' "$LOG" "$1"
}
'''

# dhclient-script(8) contract, reduced to what a test needs.
DHCLIENT_SCRIPT = r'''#!/bin/sh
LOG=%(log)s
%(record)s
case "$reason" in
PREINIT)
    ip link set dev "$interface" up ;;
BOUND|RENEW|REBIND|REBOOT)
    if [ -n "$old_ip_address" ] && [ "$old_ip_address" != "$new_ip_address" ]; then
        ip -4 addr flush dev "$interface"
    fi
    ip -4 addr replace "$new_ip_address/${new_subnet_mask:-255.255.255.0}" dev "$interface"
    for r in $new_routers; do ip -4 route replace default via "$r" dev "$interface"; break; done ;;
EXPIRE|FAIL|RELEASE|STOP)
    ip -4 addr flush dev "$interface" ;;
esac
rec "$reason"	# after the change: a test that sees the event sees the address
exit 0
'''

# udhcpc calls the script with $1 = deconfig|bound|renew|nak|leasefail.
UDHCPC_SCRIPT = r'''#!/bin/sh
LOG=%(log)s
%(record)s
case "$1" in
deconfig)
    ip -4 addr flush dev "$interface"
    ip link set dev "$interface" up ;;
bound|renew)
    ip -4 addr replace "$ip/${mask:-24}" dev "$interface"
    for r in $router; do ip -4 route replace default via "$r" dev "$interface"; break; done ;;
esac
rec "$1"
exit 0
'''

# dhcpcd configures the address itself; the script only records.
DHCPCD_SCRIPT = r'''#!/bin/sh
LOG=%(log)s
%(record)s
rec "$reason"
exit 0
'''

# A private dhcpcd.conf: no hooks, no DUID file, no IPv4LL, no IPv6.
DHCPCD_CONF = '''\
# written by the duodhcp integration tests
ipv4only
noipv4ll
noarp
nohook resolv.conf, hostname, ntp, timesyncd, chrony, openntpd
option domain_name_servers, host_name, subnet_mask, routers
clientid
hostname %(hostname)s
timeout 20
reboot 5
'''


class Client:
    """What every driver shares: a work dir, a record log, PIDs to stop."""

    name = "client"

    def __init__(self, topo, index, workdir, iface="eth0", hostname=None):
        self.topo = topo
        self.index = index
        self.ns = topo.clients[index]
        self.iface = iface
        self.hostname = hostname or "%s%d" % (self.name, index)
        self.dir = os.path.join(workdir, "%s-c%d" % (self.name, index))
        os.makedirs(self.dir, exist_ok=True)
        self.log = os.path.join(self.dir, "events.jsonl")
        self.outlog = os.path.join(self.dir, "client.log")
        self.procs = []		# Popen objects we started
        self.pids = set()	# daemonized PIDs we learned from pid files

    def _write_script(self, template):
        path = os.path.join(self.dir, "script.sh")
        with open(path, "w") as f:
            f.write(template % {"log": self.log, "record": _RECORD})
        os.chmod(path, 0o755)
        return path

    def events(self):
        try:
            with open(self.log) as f:
                return [json.loads(l) for l in f if l.strip()]
        except FileNotFoundError:
            return []

    def reasons(self):
        return [e["reason"] for e in self.events()]

    def wait_event(self, reasons, timeout=30.0, after=0):
        """Waits for an event whose reason is in reasons, past the first
        `after` events; returns it."""
        reasons = set(reasons)

        def find():
            for e in self.events()[after:]:
                if e["reason"] in reasons:
                    return e
            for p in self._fatal_procs():
                if p.poll() is not None and p.returncode != 0:
                    raise RuntimeError("%s exited %d; output:\n%s" % (
                        self.name, p.returncode, self.output()))
            return None
        try:
            return nslib.wait_until(find, timeout, interval=0.1,
                                    what="%s event %s" % (self.name, sorted(reasons)))
        except TimeoutError as e:
            raise TimeoutError("%s; events %s; output:\n%s" % (
                e, self.reasons(), self.output())) from None

    def _fatal_procs(self):
        """Long-running processes whose early exit means the wait is over."""
        return []

    def output(self):
        try:
            with open(self.outlog, errors="replace") as f:
                return f.read()[-6000:]
        except OSError:
            return ""

    def address(self):
        return self.topo.address(self.ns, self.iface)

    def popen(self, argv):
        out = open(self.outlog, "a")
        p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out,
                             stderr=subprocess.STDOUT)
        out.close()
        self.procs.append(p)
        return p

    def runcmd(self, argv, timeout=40):
        with open(self.outlog, "a") as out:
            out.write("$ %s\n" % " ".join(argv))
            out.flush()
            res = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=out,
                                 stderr=subprocess.STDOUT, timeout=timeout)
        return res.returncode

    def read_pidfile(self, path):
        try:
            with open(path) as f:
                pid = int(f.read().split()[0])
        except (OSError, ValueError, IndexError):
            return None
        self.pids.add(pid)
        return pid

    def cleanup(self):
        for p in self.procs:
            nslib.stop_pid(p.pid, term_timeout=3.0, proc=p)
        for pid in self.pids:
            nslib.stop_pid(pid, term_timeout=3.0)


class Dhclient(Client):
    """ISC dhclient with a private config, lease file, pid file and script."""

    name = "dhclient"

    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        self.script = self._write_script(DHCLIENT_SCRIPT)
        self.leasefile = os.path.join(self.dir, "dhclient.leases")
        self.pidfile = os.path.join(self.dir, "dhclient.pid")
        self.conf = os.path.join(self.dir, "dhclient.conf")
        with open(self.conf, "w") as f:
            f.write('send host-name "%s";\n' % self.hostname)
            f.write("request subnet-mask, broadcast-address, routers, "
                    "domain-name-servers, host-name, dhcp-lease-time, "
                    "dhcp-server-identifier;\n")
            f.write("timeout 20;\nretry 5;\ninitial-interval 1;\n"
                    "backoff-cutoff 2;\nreboot 5;\nselect-timeout 0;\n")

    def _argv(self, *extra):
        return nslib.nsexec(self.ns) + [
            "dhclient", "-4", "-v", "-cf", self.conf, "-sf", self.script,
            "-lf", self.leasefile, "-pf", self.pidfile] + list(extra) + [self.iface]

    def obtain(self, timeout=40):
        """dhclient -1: tries once, forks into the background once bound.
        Returns the bound event."""
        n = len(self.events())
        rc = self.runcmd(self._argv("-1"), timeout=timeout)
        self.read_pidfile(self.pidfile)
        if rc != 0:
            raise RuntimeError("dhclient -1 exit %d; output:\n%s" % (rc, self.output()))
        return self.wait_event({"BOUND", "REBOOT", "RENEW"}, timeout=5, after=n)

    def renew(self, timeout=40):
        """Stops the running dhclient without a release (-x), then starts it
        again: with the lease in its lease file it asks for the same address
        (INIT-REBOOT, RFC 2131 section 3.2).  Returns the new event."""
        self.runcmd(self._argv("-x"), timeout=20)
        n = len(self.events())
        rc = self.runcmd(self._argv("-1"), timeout=timeout)
        self.read_pidfile(self.pidfile)
        if rc != 0:
            raise RuntimeError("dhclient renew exit %d; output:\n%s" % (rc, self.output()))
        return self.wait_event({"REBOOT", "BOUND", "RENEW"}, timeout=5, after=n)

    def release(self, timeout=20):
        """dhclient -r: DHCPRELEASE and stop the running one."""
        n = len(self.events())
        self.runcmd(self._argv("-r"), timeout=timeout)
        return self.wait_event({"RELEASE", "STOP"}, timeout=5, after=n)

    def cleanup(self):
        self.read_pidfile(self.pidfile)	# the one that forked off, if any
        super().cleanup()


class Udhcpc(Client):
    """busybox udhcpc in the foreground; SIGUSR1 renews, SIGUSR2 releases."""

    name = "udhcpc"

    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        self.script = self._write_script(UDHCPC_SCRIPT)
        self.proc = None

    def _fatal_procs(self):
        return [self.proc] if self.proc else []

    def start(self, timeout=30):
        n = len(self.events())
        self.proc = self.popen(nslib.nsexec(self.ns) + [
            "busybox", "udhcpc", "-f", "-i", self.iface, "-s", self.script,
            "-t", "5", "-T", "2", "-A", "2", "-x", "hostname:" + self.hostname])
        return self.wait_event({"bound"}, timeout=timeout, after=n)

    def obtain_once(self, timeout=30):
        """-n -q: get a lease and quit (how scripts and initramfs use it)."""
        n = len(self.events())
        rc = self.runcmd(nslib.nsexec(self.ns) + [
            "busybox", "udhcpc", "-f", "-n", "-q", "-i", self.iface, "-s",
            self.script, "-t", "5", "-T", "2", "-x", "hostname:" + self.hostname],
            timeout=timeout)
        if rc != 0:
            raise RuntimeError("udhcpc -n -q exit %d; output:\n%s" % (rc, self.output()))
        return self.wait_event({"bound"}, timeout=5, after=n)

    def renew(self, timeout=20):
        n = len(self.events())
        self.proc.send_signal(signal.SIGUSR1)
        return self.wait_event({"renew", "bound"}, timeout=timeout, after=n)

    def release(self, timeout=10):
        n = len(self.events())
        self.proc.send_signal(signal.SIGUSR2)
        ev = self.wait_event({"deconfig"}, timeout=timeout, after=n)
        return ev

    def stop(self):
        if self.proc:
            nslib.stop_pid(self.proc.pid, term_timeout=5, proc=self.proc)


class Dhcpcd(Client):
    """dhcpcd 9 in the foreground with a private config and script.

    It keeps its pid file, control socket and leases under /run/dhcpcd and
    /var/lib/dhcpcd; those are bind-mounted from our work dir inside a mount
    namespace of its own, and -n/-k are sent from inside that same mount
    namespace (nsenter), so nothing on the machine is touched."""

    name = "dhcpcd"

    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        self.script = self._write_script(DHCPCD_SCRIPT)
        self.conf = os.path.join(self.dir, "dhcpcd.conf")
        with open(self.conf, "w") as f:
            f.write(DHCPCD_CONF % {"hostname": self.hostname})
        self.rundir = os.path.join(self.dir, "run")
        self.dbdir = os.path.join(self.dir, "db")
        for d in (self.rundir, self.dbdir):
            os.makedirs(d, exist_ok=True)
        self.proc = None

    def _fatal_procs(self):
        return [self.proc] if self.proc else []

    def start(self, timeout=40):
        n = len(self.events())
        inner = (
            "set -e; mkdir -p /run/dhcpcd /var/lib/dhcpcd; "
            "mount --bind %s /run/dhcpcd; mount --bind %s /var/lib/dhcpcd; "
            "exec dhcpcd -f %s -c %s -B -d -4 %s" % (
                self.rundir, self.dbdir, self.conf, self.script, self.iface))
        # unshare: a private mount namespace (the bind mounts stay in it)
        # and a private UTS namespace (no hostname change can escape).
        self.proc = self.popen(nslib.nsexec(self.ns) + [
            "unshare", "-m", "-u", "--propagation", "private", "sh", "-c", inner])
        return self.wait_event({"BOUND", "REBOOT", "RENEW", "REBIND"},
                               timeout=timeout, after=n)

    def _ctl(self, *args, timeout=20):
        # ip netns exec + unshare + sh exec in turn: the PID is dhcpcd's.
        return self.runcmd(["nsenter", "-t", str(self.proc.pid), "-m", "-n", "-u",
                            "dhcpcd", "-f", self.conf] + list(args) + [self.iface],
                           timeout=timeout)

    def renew(self, timeout=30):
        n = len(self.events())
        self._ctl("-4", "-n")
        return self.wait_event({"RENEW", "REBIND", "REBOOT", "BOUND"},
                               timeout=timeout, after=n)

    def release(self, timeout=20):
        n = len(self.events())
        self._ctl("-4", "-k")
        # dhcpcd -k releases and exits: STOP/STOPPED follow RELEASE or stand for it.
        return self.wait_event({"RELEASE", "STOP", "STOPPED"}, timeout=timeout, after=n)

    def stop(self):
        if self.proc:
            nslib.stop_pid(self.proc.pid, term_timeout=5, proc=self.proc)
