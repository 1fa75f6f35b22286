"""[DUODHCP] User=: the daemon opens its sockets and journal as root, then
runs as that user keeping only CAP_NET_ADMIN and CAP_NET_RAW."""

import json
import os
import pwd
import re
import shutil
import subprocess
import tempfile
import time
import zlib

import pytest

import nslib
from conftest import KIT, PYTHON
from nslib import SERVER_ADDR, client_mac, wait_until

POOL = ["198.18.0.%d" % i for i in range(10, 51)]
CAP_NET_ADMIN, CAP_NET_RAW = 12, 13
NET_CAPS = (1 << CAP_NET_ADMIN) | (1 << CAP_NET_RAW)		# 0x3000


@pytest.fixture
def nobody_dir():
    """A journal folder of nobody's, reachable by nobody (tmp_path is under
    a 0700 folder of root's, where compaction's rename could not work)."""
    pw = pwd.getpwnam("nobody")
    d = tempfile.mkdtemp(prefix="duodhcp-%s" % nslib.PREFIX, dir="/tmp")
    os.chmod(d, 0o755)
    os.chown(d, pw.pw_uid, pw.pw_gid)
    yield d
    shutil.rmtree(d, ignore_errors=True)


def proc_status_path(path):
    with open(path) as f:
        return dict(l.rstrip("\n").split(":\t", 1) for l in f if ":\t" in l)


def proc_status(pid):
    return proc_status_path("/proc/%d/status" % pid)


def journal_line(addr, state, hw, start, end):
    """One record as docs/journal.md defines it (CRC-32 as zlib's)."""
    body = ("v1 addr=%s state=%s htype=1 hw=%s cid= host= start=%d end=%d "
            "cltt=%d tstp=0 tsfp=0 flags=0" % (addr, state, hw, start, end, start))
    return "%s crc=%08x\n" % (body, zlib.crc32(body.encode()))


def prefill_journal(path, records):
    """A journal past CompactBytes=64K holding one live lease, so that the
    daemon compacts it in its first loop turn, after it dropped root."""
    now = int(time.time())
    with open(path, "w") as f:
        f.write("# duodhcp lease journal v1\n")
        for i in range(records):
            f.write(journal_line("198.18.0.50", "released", "02:00:00:00:99:99",
                                 now - 7200, now - 3600 + i))
    return os.path.getsize(path)


class Sniffer:
    """dhcpkit.py sniff in the background in a client namespace."""

    def __init__(self, ns, workdir, seconds, replies):
        self.err = os.path.join(workdir, "sniff.err")
        with open(self.err, "w") as err:
            self.proc = subprocess.Popen(
                nslib.nsexec(ns) + [PYTHON, KIT, "sniff", "--timeout", str(seconds),
                                    "--count", str(replies)],
                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=err,
                text=True)
        self.seconds = seconds
        wait_until(lambda: self.proc.poll() is not None or
                   "sniffing" in open(self.err).read(), 15, what="sniffer started")
        assert self.proc.poll() is None, open(self.err).read()

    def packets(self):
        try:
            out, _ = self.proc.communicate(timeout=self.seconds + 20)
        except subprocess.TimeoutExpired:
            nslib.stop_pid(self.proc.pid, term_timeout=3, proc=self.proc)
            raise
        assert self.proc.returncode == 0, open(self.err).read()
        return json.loads(out.strip().splitlines()[-1])["packets"]

    def stop(self):
        nslib.stop_pid(self.proc.pid, term_timeout=3, proc=self.proc)


@pytest.mark.netns
def test_user_nobody_keeps_only_net_caps_and_serves_unicast(
        nobody_dir, make_topo, duod, client, tmp_path):
    pw = pwd.getpwnam("nobody")
    topo = make_topo(clients=(2,))
    journal = os.path.join(nobody_dir, "leases.journal")
    big = prefill_journal(journal, 500)
    assert big > 64 * 1024
    # SyncServer: a partner that is not there (198.18.0.250 on the link),
    # so that the pull thread runs and its capabilities can be read.
    d = duod(topo, journal=journal, extra_duodhcp="User=nobody\nCompactBytes=64K",
             extra_settings="SyncServer=198.18.0.250:80")

    wait_until(lambda: "running as nobody" in d.log(), 10,
               what="'running as nobody' in the log")
    st = proc_status(d.proc.pid)
    # real, effective, saved and filesystem ids
    assert st["Uid"].split() == [str(pw.pw_uid)] * 4, st["Uid"]
    assert st["Gid"].split() == [str(pw.pw_gid)] * 4, st["Gid"]
    assert st["Groups"].split() in ([], [str(pw.pw_gid)]), st["Groups"]
    assert int(st["CapEff"], 16) == NET_CAPS, "CapEff %s" % st["CapEff"]
    assert int(st["CapPrm"], 16) == NET_CAPS, "CapPrm %s" % st["CapPrm"]
    assert int(st["CapInh"], 16) == 0, "CapInh %s" % st["CapInh"]
    assert int(st.get("CapAmb", "0"), 16) == 0, "CapAmb %s" % st.get("CapAmb")
    # Nothing can bring another capability back, nor an exec gain any.
    assert int(st["CapBnd"], 16) == NET_CAPS, "CapBnd %s" % st["CapBnd"]
    assert st["NoNewPrivs"].strip() == "1", st["NoNewPrivs"]
    # Every thread but the loop's (the SyncServer pull thread, which
    # parses the partner's JSON) has no capability at all.
    tasks = os.listdir("/proc/%d/task" % d.proc.pid)
    assert len(tasks) >= 2, tasks
    for tid in tasks:
        ts = proc_status(int(tid)) if tid == str(d.proc.pid) else \
            proc_status_path("/proc/%d/task/%s/status" % (d.proc.pid, tid))
        want = NET_CAPS if tid == str(d.proc.pid) else 0
        assert int(ts["CapEff"], 16) == want, (tid, ts["Name"], ts["CapEff"])

    # Compaction (temp file, rename, fsync of the folder) works as nobody.
    failed = re.compile(r"error: .*compaction")
    wait_until(lambda: "journal compacted" in d.log() or failed.search(d.log()), 15,
               what="journal compaction")
    assert not failed.search(d.log()), d.log()[-2000:]
    assert os.path.getsize(journal) < big
    assert os.stat(journal).st_uid == pw.pw_uid, "journal not rewritten by nobody"

    # A client that does not ask for broadcast replies is answered by
    # unicast to yiaddr at chaddr: the daemon taught the kernel the MAC
    # (SIOCSARP, CAP_NET_ADMIN); without it, it falls back to broadcast.
    sniff = Sniffer(topo.clients[2], str(tmp_path), seconds=25, replies=2)
    try:
        c = client("udhcpc", topo, 2)
        ev = c.start()
        pkts = sniff.packets()
    finally:
        sniff.stop()
    addr = ev["env"]["ip"]
    assert addr in POOL and addr != "198.18.0.50", addr
    assert ev["env"].get("serverid") == SERVER_ADDR, ev["env"]
    requests = [p for p in pkts if p["op"] == 1]
    replies = [p for p in pkts if p["op"] == 2]
    assert requests and all(p["flags"] == 0 for p in requests), requests
    types = [p["type"] for p in replies]
    assert "offer" in types and "ack" in types, types
    for p in replies:
        assert p["ip_dst"] == p["yiaddr"] == addr, (
            "%s went to %s/%s, not unicast to %s" % (p["type"], p["ip_dst"],
                                                   p["eth_dst"], addr))
        assert p["eth_dst"] == client_mac(2), p
        assert p["ip_src"] == SERVER_ADDR, p
    neigh = topo.ip(topo.server, "neigh", "show", addr, "dev", "eth0").stdout
    assert client_mac(2) in neigh.lower(), neigh

    lease = d.wait_lease(lambda l: l["addr"] == addr and l["state"] == "active",
                         what="active lease %s" % addr)
    assert lease["hw"] == client_mac(2), lease["line"]
    assert d.lease("198.18.0.50") is not None, "compaction lost the old lease"
    assert d.alive()


@pytest.mark.netns
def test_journal_folder_not_writable_by_user_refuses_to_start(make_topo, duod):
    """A journal folder that User= cannot write (root's, 0755, as a unit
    without StateDirectory= leaves it): the daemon refuses to start and
    says how to fix it, instead of failing every compaction forever."""
    folder = tempfile.mkdtemp(prefix="duodhcp-%s" % nslib.PREFIX, dir="/tmp")
    try:
        os.chmod(folder, 0o755)
        topo = make_topo(clients=())
        d = duod(topo, journal=os.path.join(folder, "leases.journal"),
                 extra_duodhcp="User=nobody", launch=False)
        rc, out = d.run_to_exit(timeout=20)
        assert rc != 0, "duodhcpd ran; log:\n%s" % out
        assert "journal folder %s: nobody cannot create and rename files there" % folder in out, out
        assert "fix: chown nobody %s" % folder in out, out
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.netns
def test_unknown_user_refuses_to_start(make_topo, duod):
    user = "nosuchuser"
    with pytest.raises(KeyError):
        pwd.getpwnam(user)
    topo = make_topo(clients=())
    d = duod(topo, extra_duodhcp="User=%s" % user, launch=False)
    rc, out = d.run_to_exit(timeout=20)
    assert rc != 0, "duodhcpd ran with User=%s; log:\n%s" % (user, out)
    assert user in out, out
    assert not topo.udp_listening(topo.server, 67)
