"""Network namespaces and processes for the integration tests.

Everything here stays inside namespaces that this module creates and names
with a per-run prefix ("dd<pid>-"), and on 198.18.0.0/15 (RFC 2544 benchmark
space).  Nothing is ever configured on an interface of the root namespace.
Every wait is bounded in count and in time, and every process is stopped by
the PID we got when we started it.
"""

import os
import re
import shutil
import signal
import subprocess
import time

PREFIX = "dd%d-" % os.getpid()
# Matches the namespaces of any run of this harness, to sweep the ones whose
# run is gone (a SIGKILLed pytest cannot clean up after itself).
PREFIX_RE = re.compile(r"^dd(\d+)-")

LAN_NET = "198.18.0"
RELAY_NET = "198.18.4"
SERVER_ADDR = LAN_NET + ".1"
RELAY_LAN_ADDR = LAN_NET + ".2"
RELAY_DOWN_ADDR = RELAY_NET + ".1"


def client_mac(index):
    """The fixed MAC of client number index (1..255): 02:00:00:00:00:NN."""
    if not 0 < index < 256:
        raise ValueError("client index out of range: %r" % index)
    return "02:00:00:00:00:%02x" % index


def run(cmd, timeout=30, check=True, input=None):
    """Runs cmd (a list), returns the CompletedProcess with text output."""
    res = subprocess.run(cmd, stdin=subprocess.DEVNULL if input is None else None,
                         input=input, capture_output=True, text=True,
                         timeout=timeout)
    if check and res.returncode != 0:
        raise RuntimeError("%s: exit %d\nstdout: %s\nstderr: %s" % (
            " ".join(cmd), res.returncode, res.stdout, res.stderr))
    return res


def nsexec(ns):
    """The command prefix that runs a program inside namespace ns."""
    return ["ip", "netns", "exec", ns]


def ns_list():
    res = run(["ip", "netns", "list"], check=False)
    return [line.split()[0] for line in res.stdout.splitlines() if line.strip()]


def pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def wait_until(pred, timeout, interval=0.1, what="condition"):
    """Polls pred() until it returns a true value; at most timeout seconds."""
    deadline = time.monotonic() + timeout
    tries = int(timeout / interval) + 2
    for _ in range(tries):
        val = pred()
        if val:
            return val
        if time.monotonic() >= deadline:
            break
        time.sleep(interval)
    raise TimeoutError("timed out after %.1fs waiting for %s" % (timeout, what))


def stop_pid(pid, term_timeout=5.0, proc=None):
    """SIGTERM, then SIGKILL after term_timeout.  Returns the exit status when
    pid is our child (proc given), else None."""
    if proc is not None:
        if proc.poll() is not None:
            return proc.returncode
        try:
            proc.send_signal(signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            return proc.wait(timeout=term_timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            return proc.wait(timeout=5)
    if not pid_alive(pid):
        return None
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return None
    deadline = time.monotonic() + term_timeout
    while time.monotonic() < deadline and pid_alive(pid):
        time.sleep(0.05)
    if pid_alive(pid):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    return None


def ns_pids(ns):
    res = run(["ip", "netns", "pids", ns], check=False, timeout=10)
    return [int(p) for p in res.stdout.split() if p.isdigit()]


def delete_ns(ns):
    """Stops what still runs in ns (every process there is one of ours:
    we made the namespace), then deletes it and its /etc/netns overlay."""
    for _ in range(3):
        pids = ns_pids(ns)
        if not pids:
            break
        for pid in pids:
            stop_pid(pid, term_timeout=2.0)
    run(["ip", "netns", "del", ns], check=False, timeout=10)
    shutil.rmtree("/etc/netns/" + ns, ignore_errors=True)


def sweep(own_only=False):
    """Deletes our namespaces: this run's, and those of runs that are gone."""
    for ns in ns_list():
        m = PREFIX_RE.match(ns)
        if not m:
            continue
        if ns.startswith(PREFIX) or (not own_only and not pid_alive(int(m.group(1)))):
            delete_ns(ns)
    if os.path.isdir("/etc/netns"):
        for ns in os.listdir("/etc/netns"):
            m = PREFIX_RE.match(ns)
            if m and (ns.startswith(PREFIX) or
                      (not own_only and not pid_alive(int(m.group(1))))):
                shutil.rmtree("/etc/netns/" + ns, ignore_errors=True)


class Topology:
    """A switch namespace with bridges, and namespaces plugged into them.

    switch ns:  br0 (the LAN, 198.18.0.0/24), br1 (behind the relay,
                198.18.4.0/24); one veth peer per attached namespace.
    server ns:  eth0 198.18.0.1/24, route to 198.18.4.0/24 via the relay.
    client ns:  eth0 with MAC 02:00:00:00:00:NN and no address.
    relay ns:   lan0 198.18.0.2/24 on br0, down0 198.18.4.1/24 on br1.
    """

    _seq = 0

    def __init__(self):
        Topology._seq += 1
        self.tag = "%st%d-" % (PREFIX, Topology._seq)
        self.namespaces = []
        self.switch = self._add_ns("sw")
        for br in ("br0", "br1"):
            self.ip(self.switch, "link", "add", br, "type", "bridge",
                    "stp_state", "0", "forward_delay", "0")
            self.ip(self.switch, "link", "set", br, "up")
        self.server = None
        self.relay = None
        self.clients = {}	# index -> namespace
        self.relayed = set()	# indices of clients behind the relay

    # -- plumbing --

    def _add_ns(self, short):
        ns = self.tag + short
        run(["ip", "netns", "add", ns])
        self.namespaces.append(ns)
        # ip netns exec bind-mounts these over /etc: a client that writes
        # resolv.conf or hosts writes our copy, not the machine's.
        os.makedirs("/etc/netns/" + ns, exist_ok=True)
        for name in ("resolv.conf", "hosts"):
            with open("/etc/netns/%s/%s" % (ns, name), "w") as f:
                f.write("# duodhcp integration test namespace %s\n" % ns)
        self.ip(ns, "link", "set", "lo", "up")
        self.sysctl(ns, "net.ipv6.conf.all.disable_ipv6", "1")
        self.sysctl(ns, "net.ipv6.conf.default.disable_ipv6", "1")
        return ns

    @staticmethod
    def ip(ns, *args, check=True):
        return run(["ip", "-n", ns] + list(args), check=check)

    @staticmethod
    def sysctl(ns, key, value):
        run(nsexec(ns) + ["sysctl", "-q", "-w", "%s=%s" % (key, value)], check=False)

    def _plug(self, ns, ifname, bridge, port, mac=None):
        """A veth pair made inside the switch ns, its far end moved to ns."""
        args = ["link", "add", port, "type", "veth", "peer", "name", ifname]
        if mac:
            args += ["address", mac]
        args += ["netns", ns]
        self.ip(self.switch, *args)
        self.ip(self.switch, "link", "set", port, "master", bridge)
        self.ip(self.switch, "link", "set", port, "up")
        self.ip(ns, "link", "set", ifname, "up")

    # -- building --

    def add_server(self):
        self.server = self._add_ns("srv")
        self._plug(self.server, "eth0", "br0", "p-srv", mac="02:00:00:00:01:01")
        self.ip(self.server, "addr", "add", SERVER_ADDR + "/24", "dev", "eth0")
        return self.server

    def add_relay(self):
        self.relay = self._add_ns("rly")
        self._plug(self.relay, "lan0", "br0", "p-rly0", mac="02:00:00:00:02:01")
        self._plug(self.relay, "down0", "br1", "p-rly1", mac="02:00:00:00:02:02")
        self.ip(self.relay, "addr", "add", RELAY_LAN_ADDR + "/24", "dev", "lan0")
        self.ip(self.relay, "addr", "add", RELAY_DOWN_ADDR + "/24", "dev", "down0")
        # Renewals from relayed clients are unicast to the server: route them.
        self.sysctl(self.relay, "net.ipv4.ip_forward", "1")
        if self.server:
            self.ip(self.server, "route", "add", RELAY_NET + ".0/24",
                    "via", RELAY_LAN_ADDR)
        return self.relay

    def add_client(self, index, relayed=False, bridge=None):
        """bridge overrides where the client is plugged (default br0, or
        br1 when relayed), e.g. br1 for a second link the server is on."""
        ns = self._add_ns("c%d" % index)
        self._plug(ns, "eth0", bridge or ("br1" if relayed else "br0"),
                   "p-c%d" % index, mac=client_mac(index))
        self.clients[index] = ns
        if relayed:
            self.relayed.add(index)
        return ns

    def add_server_iface(self, ifname, bridge, cidr, mac=None, ns=None):
        """A further interface of the server namespace (or of ns), on
        another bridge (a multihomed server), with a static address such
        as 198.18.1.1/24."""
        ns = ns or self.server
        port = "p-srv-" + ifname if ns == self.server else "p-%s-%s" % (
            ns[len(self.tag):], ifname)
        self._plug(ns, ifname, bridge, port, mac=mac)
        self.ip(ns, "addr", "add", cidr, "dev", ifname)

    def add_host(self, short, cidr, bridge="br0", mac=None):
        """A namespace with a static address on a bridge (a host that is
        not a DHCP client, e.g. one squatting on a pool address).  It
        answers ping like any Linux host."""
        ns = self._add_ns(short)
        self._plug(ns, "eth0", bridge, "p-" + short, mac=mac)
        self.ip(ns, "addr", "add", cidr, "dev", "eth0")
        return ns

    def wait_links(self, timeout=5.0):
        """Waits until every port of the switch forwards."""
        def ready():
            out = run(["ip", "-n", self.switch, "-o", "link", "show"],
                      check=False).stdout
            ports = [l for l in out.splitlines() if "master br" in l]
            return ports and all("state UP" in l or "LOWER_UP" in l for l in ports)
        wait_until(ready, timeout, what="bridge ports up")

    def destroy(self):
        for ns in reversed(self.namespaces):
            delete_ns(ns)
        self.namespaces = []

    # -- queries --

    def addresses(self, ns, ifname="eth0"):
        out = run(["ip", "-n", ns, "-4", "-o", "addr", "show", "dev", ifname],
                  check=False).stdout
        return re.findall(r"inet (\d+\.\d+\.\d+\.\d+)/(\d+)", out)

    def address(self, ns, ifname="eth0"):
        a = self.addresses(ns, ifname)
        return a[0][0] if a else None

    def udp_listening(self, ns, port):
        out = run(nsexec(ns) + ["ss", "-Hlun", "sport = :%d" % port],
                  check=False).stdout
        return bool(out.strip())
