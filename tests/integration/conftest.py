"""Fixtures for the duodhcp integration tests.

Topologies live in network namespaces named dd<pid>-t<n>-*, made per test and
deleted after it, pass or fail; a session-level sweep removes whatever a run
of ours left behind.  See README.md in this folder.
"""

import json
import os
import shutil
import subprocess
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import clients as clientmod	# noqa: E402
import daemon as daemonmod	# noqa: E402
import nslib			# noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
KIT = os.path.join(HERE, "dhcpkit.py")
PYTHON = "/usr/bin/python3"	# Debian's, which has scapy; not a pyenv one


def _can_netns():
    return os.geteuid() == 0 and shutil.which("ip") is not None


def pytest_sessionstart(session):
    if _can_netns():
        nslib.sweep(own_only=False)


def pytest_sessionfinish(session, exitstatus):
    if _can_netns():
        nslib.sweep(own_only=True)


@pytest.hookimpl(tryfirst=True, hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    setattr(item, "rep_" + rep.when, rep)


def _failed(request):
    rep = getattr(request.node, "rep_call", None)
    return rep is None or rep.failed


@pytest.fixture
def make_topo(request):
    """make_topo(clients=(1, 2), relay=False, relayed=()) -> Topology with a
    server namespace; deleted when the test ends.  server=False leaves the
    server namespace out (the test adds its own, e.g. with add_host)."""
    if not _can_netns():
        pytest.skip("needs root and iproute2 for network namespaces")
    made = []

    def make(clients=(1,), relay=False, relayed=(), server=True):
        topo = nslib.Topology()
        made.append(topo)
        if server:
            topo.add_server()
        if relay or relayed:
            topo.add_relay()
        for i in clients:
            topo.add_client(i)
        for i in relayed:
            topo.add_client(i, relayed=True)
        topo.wait_links()
        return topo

    yield make
    for topo in made:
        topo.destroy()


@pytest.fixture
def duod(request, tmp_path):
    """duod(topo, **make_config kwargs) -> a running Daemon.  Stopped with
    SIGTERM when the test ends; its log is printed when the test failed, and
    an unclean exit or a sanitizer report fails the test at teardown.
    wrap and private_mounts go to Daemon (see daemon.py).  launch=False
    returns the Daemon unstarted (for Daemon.run_to_exit), still with the
    log and sanitizer checks at teardown.  ns runs it in that namespace
    instead of topo.server."""
    started = []

    def start(topo, config_text=None, wrap=None, private_mounts=False, launch=True,
              ns=None, **cfg):
        workdir = str(tmp_path / ("server%d" % len(started)))
        os.makedirs(workdir, exist_ok=True)
        if config_text is None:
            cfg.setdefault("journal", os.path.join(workdir, "leases.journal"))
            config_text = daemonmod.make_config(**cfg)
        d = daemonmod.Daemon(topo, workdir, config_text, wrap=wrap,
                             private_mounts=private_mounts, ns=ns)
        started.append(d)
        if launch:
            d.start()
        return d

    yield start
    problems = []
    for d in started:
        d.stop()
        if d.exits and any(s not in (0, None) for s in d.exits):
            problems.append("duodhcpd exit statuses on SIGTERM: %s" % d.exits)
        reports = d.sanitizer_reports()
        if reports:
            problems.append("sanitizer reports:\n" + "\n".join(reports[:20]))
        if _failed(request) or problems:
            sys.stderr.write("\n----- duodhcpd log (%s) -----\n%s\n" % (
                d.logpath, d.log()[-20000:]))
    assert not problems, "\n".join(problems)


@pytest.fixture
def client(request, tmp_path):
    """client(kind, topo, index, **kw) -> a driver from clients.py
    (kind: dhclient, udhcpc, dhcpcd); its processes stop when the test ends."""
    kinds = {"dhclient": clientmod.Dhclient, "udhcpc": clientmod.Udhcpc,
             "dhcpcd": clientmod.Dhcpcd}
    made = []

    def make(kind, topo, index, **kw):
        if shutil.which(kind if kind != "udhcpc" else "busybox") is None:
            pytest.fail("%s is not installed" % kind)
        c = kinds[kind](topo, index, str(tmp_path), **kw)
        made.append(c)
        return c

    yield make
    for c in made:
        c.cleanup()
        if _failed(request):
            sys.stderr.write("\n----- %s c%d output -----\n%s\nevents: %s\n" % (
                c.name, c.index, c.output(), c.reasons()))


@pytest.fixture
def kit():
    """kit(ns, action, *args, timeout=4) -> the JSON dhcpkit.py printed.
    run_timeout bounds the whole run (default: enough for one exchange)."""
    def run(ns, action, *args, timeout=4.0, run_timeout=None):
        argv = nslib.nsexec(ns) + [PYTHON, KIT, action, "--timeout", str(timeout)]
        argv += [str(a) for a in args]
        res = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True,
                             text=True, timeout=run_timeout or timeout * 3 + 60)
        if res.returncode != 0:
            raise RuntimeError("dhcpkit %s exit %d:\n%s%s" % (
                action, res.returncode, res.stdout, res.stderr))
        return json.loads(res.stdout.strip().splitlines()[-1])
    return run


@pytest.fixture
def relay_agent(request, tmp_path):
    """relay_agent(topo) -> the PID of ISC dhcrelay in the relay namespace,
    forwarding from down0 to the server; stopped when the test ends."""
    procs = []

    def start(topo):
        log = open(str(tmp_path / "dhcrelay.log"), "a")
        p = subprocess.Popen(nslib.nsexec(topo.relay) + [
            "dhcrelay", "-4", "-d", "-id", "down0", "-iu", "lan0",
            nslib.SERVER_ADDR], stdin=subprocess.DEVNULL, stdout=log, stderr=log)
        log.close()
        procs.append(p)
        nslib.wait_until(lambda: p.poll() is not None or
                         topo.udp_listening(topo.relay, 67), 10,
                         what="dhcrelay listening")
        assert p.poll() is None, "dhcrelay exited: " + open(
            str(tmp_path / "dhcrelay.log")).read()
        return p

    yield start
    for p in procs:
        nslib.stop_pid(p.pid, term_timeout=3, proc=p)
    if procs and _failed(request):
        sys.stderr.write("\n----- dhcrelay log -----\n%s\n" % open(
            str(tmp_path / "dhcrelay.log"), errors="replace").read()[-6000:])
