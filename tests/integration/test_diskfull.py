"""The journal's disk fills up (or is read-only): no ACK may leave before its
record is durable (RFC 2131 section 4.3.1), OFFERs need no write, and the
daemon recovers by itself once there is room again.

The journal lives on a small tmpfs mounted inside a mount namespace of the
daemon's own:

    ip netns exec SRV unshare -m --propagation private \\
        sh -c 'mount -t tmpfs ... DIR && exec duodhcpd ...'

Every mount is private in that namespace, so the tmpfs is never in the
machine's mount table; ip netns exec, unshare and sh exec in turn, so the
PID we hold is the daemon's, and the namespace (and with it the tmpfs) goes
away when the daemon exits.  We reach the daemon's files with
nsenter -t PID -m (Daemon.in_mountns, and Daemon.leases for -L)."""

import os
import re

import pytest

from nslib import wait_until

POOL = ["198.18.0.%d" % i for i in range(10, 51)]
TMPFS_SIZE = "64k"
DORA_TIMEOUT = 2.0


def tmpfs_wrap(mnt, size=TMPFS_SIZE, readonly=False):
    """Daemon argv -> argv that mounts a tmpfs at mnt in a private mount
    namespace (read-only when asked), then execs the daemon."""
    script = ('mnt=$1; shift; '
              'mount -t tmpfs -o size=%s,mode=0755 duodhcp-test "$mnt" || exit 97; '
              '%s'
              'exec "$@"' % (size, 'mount -o remount,ro "$mnt" || exit 98; '
                             if readonly else ''))

    def wrap(argv):
        return ["unshare", "-m", "--propagation", "private",
                "sh", "-c", script, "sh", mnt] + list(argv)
    return wrap


def host_mounted(path):
    """Whether path is a mount point in our (the machine's) mount table."""
    path = os.path.realpath(path)
    with open("/proc/self/mountinfo") as f:
        return any(l.split()[4] == path for l in f)


def acked(results):
    return [(r["ack"]["yiaddr"], r["mac"]) for r in results
            if r["ack"] and r["ack"]["type"] == "ack"]


def doras(kit, ns, first_mac, count, until_no_ack=False):
    args = ["--mac", first_mac, "--count", count]
    if until_no_ack:
        args.append("--until-no-ack")
    return kit(ns, "doras", *args, timeout=DORA_TIMEOUT,
               run_timeout=count * (3 * DORA_TIMEOUT + 4) + 60)["results"]


@pytest.mark.netns
def test_disk_full_withholds_acks_and_recovers(make_topo, duod, kit, tmp_path):
    mnt = str(tmp_path / "jfs")
    os.makedirs(mnt)
    journal = os.path.join(mnt, "leases.journal")
    topo = make_topo(clients=(1,))
    ns = topo.clients[1]
    d = duod(topo, journal=journal, wrap=tmpfs_wrap(mnt), private_mounts=True)

    # The tmpfs is the daemon's only.
    assert "tmpfs" in d.in_mountns(["findmnt", "-n", "-o", "FSTYPE", mnt]).stdout
    assert not host_mounted(mnt), "the tmpfs leaked into the machine's mount table"
    assert not os.listdir(mnt)

    before = acked(doras(kit, ns, "02:00:00:00:31:00", 3))
    assert len(before) == 3, before

    # Fill it from inside the daemon's mount namespace.
    filler = os.path.join(mnt, "filler")
    res = d.in_mountns(["dd", "if=/dev/zero", "of=" + filler, "bs=4096", "count=64"],
                       check=False)
    assert "No space left" in res.stderr, res.stderr
    assert d.in_mountns(["stat", "-f", "-c", "%a", mnt]).stdout.strip() == "0"

    # The journal's last page still has room for a few records: go on
    # until the ACKs stop (bounded).
    res = doras(kit, ns, "02:00:00:00:32:00", 40, until_no_ack=True)
    before += acked(res)
    last = res[-1]
    assert last["ack"] is None, "still ACKing after 40 DORAs on a full disk"
    assert last["offer"] and last["offer"]["type"] == "offer", last
    stuck_mac, stuck_addr = last["mac"], last["offer"]["yiaddr"]

    wait_until(lambda: "lease journal write failed" in d.log(), 5,
               what="the journal write error in the log")
    assert re.search(r"error: lease journal write failed: No space left on device",
                     d.log()), d.log()[-3000:]
    assert d.alive()

    # DISCOVER needs no write: still answered.  REQUEST is not.
    offer = kit(ns, "discover", "--mac", "02:00:00:00:33:01", timeout=3)["reply"]
    assert offer and offer["type"] == "offer" and offer["yiaddr"] in POOL, offer
    r = kit(ns, "dora", "--mac", stuck_mac, timeout=3)
    assert r["offer"] and r["offer"]["yiaddr"] == stuck_addr, r
    assert r["ack"] is None, "ACK while the journal cannot be written: %s" % r["ack"]
    listed = {l["addr"]: l for l in d.leases()}
    assert not (stuck_addr in listed and listed[stuck_addr]["state"] == "active"
                and listed[stuck_addr]["hw"] == stuck_mac), \
        "a lease never ACKed is in the journal: %s" % listed[stuck_addr]["line"]

    # Room again: ACKs resume without any help.
    d.in_mountns(["rm", "-f", filler])
    wait_until(lambda: "journal writable again" in d.log(), 10,
               what="the daemon noticing the journal is writable")
    r = kit(ns, "dora", "--mac", stuck_mac, timeout=3)
    assert r["ack"] and r["ack"]["type"] == "ack" and r["ack"]["yiaddr"] == stuck_addr, r
    after = acked(doras(kit, ns, "02:00:00:00:34:00", 2))
    assert len(after) == 2, after

    active = {l["addr"]: l["hw"] for l in d.leases() if l["state"] == "active"}
    for addr, mac in before + [(stuck_addr, stuck_mac)] + after:
        assert active.get(addr) == mac, "%s of %s missing from the journal: %s" % (
            addr, mac, active)

    # Stopping ends the namespace and with it the tmpfs; nothing was ever
    # written to the folder underneath.
    assert d.stop() == 0
    assert not host_mounted(mnt)
    assert not os.listdir(mnt), os.listdir(mnt)


@pytest.mark.netns
def test_read_only_journal_refuses_to_start(make_topo, duod, tmp_path):
    """A journal folder that is read-only from the start: the daemon cannot
    make anything durable, so it must not serve; it exits non-zero and says
    why.  (A file system that turns read-only under a running daemon cannot
    be staged here: remount,ro fails with EBUSY while the daemon holds the
    journal open for writing, and tmpfs ignores chattr +i on open files.)"""
    mnt = str(tmp_path / "jfs")
    os.makedirs(mnt)
    journal = os.path.join(mnt, "leases.journal")
    topo = make_topo(clients=())
    d = duod(topo, journal=journal, wrap=tmpfs_wrap(mnt, readonly=True),
             private_mounts=True, launch=False)
    rc, out = d.run_to_exit(timeout=20)
    assert rc not in (0, 97, 98), "status %s; log:\n%s" % (rc, out)
    assert journal in out and "Read-only file system" in out, out
    assert not host_mounted(mnt)
    assert not topo.udp_listening(topo.server, 67)
