"""Nothing ACKed is lost to a crash (issue 3): duoload records every ACK it
receives while duodhcpd is SIGKILLed at a random moment, 20 rounds; after
each restart every ACKed lease must be in the journal with its address and
an end no earlier than the one ACKed."""

import os
import random
import re
import subprocess
import time

import daemon as daemonmod
import nslib

ROUNDS = int(os.environ.get("CRASH_ROUNDS", "20"))
LOAD_ADDR = "198.19.0.1"	# duoload's relay address, in the relayed subnet


def duoload():
    exe = os.environ.get("DUOLOAD") or os.path.join(
        os.path.dirname(daemonmod.binary()), "duoload")
    if not os.access(exe, os.X_OK):
        raise RuntimeError("duoload is missing at %s (meson builds it)" % exe)
    return exe


def crash_config(journal):
    return daemonmod.make_config(journal, lease_time=3600, extra_duodhcp="") + (
        "[SUBNET:198.19.0.0/16]\nIPPOOL_1=198.19.1.1-198.19.200.250\n")


def parse_acks(path):
    """The last ACK per hardware address: hw -> (addr, t_received, lease)."""
    acks = {}
    pat = re.compile(r"^ack addr=(\S+) hw=(\S+) cid=\S* lease=(\d+) t=([\d.]+)")
    with open(path) as f:
        for line in f:
            m = pat.match(line)
            if m:
                acks[m.group(2)] = (m.group(1), float(m.group(4)), int(m.group(3)))
    return acks


def test_sigkill_loses_no_acked_lease(make_topo, duod, tmp_path):
    topo = make_topo(clients=())
    load = topo.add_host("load", "198.18.0.2/24")
    topo.ip(load, "addr", "add", LOAD_ADDR + "/16", "dev", "eth0")
    topo.ip(topo.server, "route", "add", "198.19.0.0/16", "via", "198.18.0.2")
    d = duod(topo, config_text=crash_config(str(tmp_path / "leases.journal")))
    acklog = str(tmp_path / "acks.log")
    rng = random.Random(int(os.environ.get("CRASH_SEED", "2131")))
    total_acks = 0
    for rnd in range(ROUNDS):
        if not d.alive():
            d.start()
        # A bounded burst: at most 2 s of sending at 2000 exchanges/s, new
        # clients each round and some returning ones.
        argv = nslib.nsexec(load) + [
            duoload(), "--server", "198.18.0.1", "--local", LOAD_ADDR,
            "--rate", "2000", "--duration", "1.5", "--count", "3000",
            "--clients", "4000", "--mac-seed", str(rnd % 3), "--timeout", "500",
            "--ack-log", acklog]
        gen = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)
        time.sleep(rng.uniform(0.1, 1.2))
        d.kill()
        out, err = gen.communicate(timeout=30)
        assert gen.returncode == 0, "duoload failed: %s %s" % (out, err)
        acks = parse_acks(acklog)
        total_acks = len(acks)
        leases = {l["hw"]: l for l in d.leases()}
        missing, short = [], []
        for hw, (addr, t, lease) in acks.items():
            l = leases.get(hw)
            if not l or l["addr"] != addr or l["state"] not in ("active", "expired"):
                missing.append((hw, addr, l and l["line"]))
                continue
            # The server set end = its clock (whole seconds) + lease, at or
            # before the moment the ACK arrived here.
            end = daemonmod.end_value(l["end"])
            if end is None or end < int(t) - 1 + lease:
                short.append((hw, addr, l["end"], t, lease))
        assert not missing, "round %d: ACKed leases missing after SIGKILL: %s" % (
            rnd, missing[:5])
        assert not short, "round %d: leases end earlier than ACKed: %s" % (rnd, short[:5])
    assert total_acks > 100, "too few ACKs to prove anything (%d)" % total_acks
    d.start()
