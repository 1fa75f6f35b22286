#!/usr/bin/python3
"""duodhcp SyncServer benchmark: a full resync of N leases (default
1,000,000) while the partner serves DHCP, and its DHCP rate with and
without the resync, in one run.

Run it through bench/run.sh (builds), or directly as root:

    sudo bash bench/run.sh --sync [--quick]
    sudo /usr/bin/python3 bench/syncbench.py --bin-dir DIR [--quick]

DIR holds duodhcpd, duoload and mkjournal (bench/run.sh puts them there).

Server A holds N leases (a journal written by mkjournal, replayed at its
start), serves DHCP to duoload and has its HTTP API on; server B has
SyncServer= pointing at A's API and, started with an empty journal, pulls
A's whole change feed.  Phases, one after the other on the same A:

  1. no resync, 1024 exchanges in flight (A's throughput), 1 s slices
  2. no resync, paced at half that throughput (loss and delay at a load
     A sustains), 1 s slices
  3. B started: its full resync under the 1024-in-flight load
  4. B started again on an empty journal: its full resync under the paced load
  5. B started again: its full resync with no DHCP load (the resync alone,
     and what serving the feed costs A)
  6. no resync, 1024 in flight again (drift: A's journal and lease table
     grew during the run)

B "holds all N" when its /api/v1/status counts N partner leases: the feed
is in change order and the N journal leases are older than any lease A
hands out during the run, so N partner leases means every one of them.

Network safety: three namespaces this run creates, "ds<pid>a" (A),
"ds<pid>c" (duoload), "ds<pid>b" (B), joined by two veth pairs on
198.18.0.0/24 and 198.18.1.0/24 (the relayed clients: 198.19.0.0/16).  The
N leases are in 10.0.0.0/8: a million addresses do not fit 198.18.0.0/15,
and the sync refuses 240.0.0.0/4 (class E) lease addresses, which the
replay test uses.  They exist only as data (A's journal and config, the
feed, B's table): no interface holds one, no namespace has a route to
10.0.0.0/8, nobody asks for or is sent anything there (ConflictProbe and
DNS are off).  Nothing is configured in the root namespace.  Every process is ours and stopped by its PID; every wait and
load loop is bounded in count and time; the namespaces are deleted in a
finally block and on SIGINT/SIGTERM.
"""

import argparse
import datetime
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402  (the harness's helpers: processes, namespaces, /proc)
from bench import PROCS, log, nsexec, run, wait_until  # noqa: E402

PID = os.getpid()
NS_A, NS_C, NS_B = "ds%da" % PID, "ds%dc" % PID, "ds%db" % PID
TMP = "ds%dt" % PID    # a veth end's name until it moves
NS_RE = re.compile(r"^ds(\d+)[acb]$")
A_ADDR, C_ADDR = "198.18.0.1", "198.18.0.2"          # A <-> duoload
A_SYNC, B_ADDR = "198.18.1.1", "198.18.1.2"          # A <-> B
GIADDR, RELAY_NET = "198.19.0.1", "198.19.0.0/16"
POOL_FIRST, POOL_LAST = "198.19.0.10", "198.19.255.250"
A_API_PORT, B_API_PORT = 8067, 8068
A_CPU, C_CPU, B_CPU = "0", "1", "1"
CLIENTS = 60000
LEASE_TIME = 3600
# The N leases: data only, see the safety note above.
LEASE_NET, LEASE_FIRST = "10.0.0.0/8", "10.0.0.10"
FEED_PAGE = 1000        # sync.c's default page (limit=) of the change feed


def ns_setup():
    for ns in (NS_A, NS_C, NS_B):
        run(["ip", "netns", "add", ns])
        run(["ip", "-n", ns, "link", "set", "lo", "up"])
        run(nsexec(ns) + ["sysctl", "-q", "-w", "net.ipv6.conf.all.disable_ipv6=1"],
            check=False)
    bench.veth(NS_A, "a0", A_ADDR, NS_C, "c0", C_ADDR, TMP)
    bench.veth(NS_A, "a1", A_SYNC, NS_B, "b0", B_ADDR, TMP)
    run(["ip", "-n", NS_C, "addr", "add", GIADDR + "/32", "dev", "c0"])
    run(["ip", "-n", NS_A, "route", "add", RELAY_NET, "via", C_ADDR])
    for ns, peer in ((NS_C, A_ADDR), (NS_B, A_SYNC)):
        if run(nsexec(ns) + ["ping", "-c", "1", "-W", "2", peer], check=False).returncode:
            raise RuntimeError("veth %s -> %s does not pass traffic" % (ns, peer))


# ---------------------------------------------------------------- daemons

class Daemon:
    def __init__(self, name, ns, cpu, exe, work, ini_text):
        self.name, self.ns, self.cpu, self.exe = name, ns, cpu, exe
        self.dir = os.path.join(work, name)
        os.makedirs(self.dir, exist_ok=True)
        self.ini = os.path.join(self.dir, "duodhcpd.ini")
        with open(self.ini, "w") as f:
            f.write(ini_text)
        self.proc = None
        self.err_path = os.path.join(self.dir, "stderr.log")

    def start(self, timeout):
        err = open(self.err_path, "w")
        t0 = time.monotonic()
        self.proc = PROCS.start(nsexec(self.ns, self.cpu) + [self.exe, "-c", self.ini, "-f"],
                                subprocess.DEVNULL, err)
        err.close()

        def ready():
            if self.proc.poll() is not None:
                raise RuntimeError("%s exited at start: %s" % (self.name, self.tail()))
            with open(self.err_path, errors="replace") as f:
                return "ready" in f.read()
        if not wait_until(ready, timeout, interval=0.02):
            raise RuntimeError("%s not ready in %d s: %s" % (self.name, timeout, self.tail()))
        return time.monotonic() - t0

    def stop(self):
        if self.proc:
            PROCS.stop(self.proc, grace=30)
            self.proc = None

    def tail(self):
        try:
            with open(self.err_path, errors="replace") as f:
                return f.read()[-600:]
        except OSError:
            return ""

    def cpu_s(self):
        return bench.proc_cpu_ns(self.proc.pid) / 1e9


def a_config(journal, replay_pool):
    return ("[Settings]\nIPBIND_1=%s\nIPPOOL_1=198.18.0.10-198.18.0.250\n"
            "AssociateBindsToPools=1\n[GENERAL]\nLEASETIME=%d\nSUBNETMASK=255.255.255.0\n"
            "[DUODHCP]\nJournal=%s\n[SUBNET:%s]\nIPPOOL_1=%s-%s\n"
            "[SUBNET:%s]\nIPPOOL_1=%s\n"
            "[HTTP-Settings]\nEnableHTTP=1\nBindAddress=%s\nPort=%d\n"
            % (A_ADDR, LEASE_TIME, journal, RELAY_NET, POOL_FIRST, POOL_LAST, LEASE_NET, replay_pool,
               A_SYNC, A_API_PORT))


def b_config(journal):
    # B serves a pool of its own that nobody asks for; its API is on its
    # namespace's loopback, for the poller.  A partner's leases are kept
    # only in subnets B shares with it, so B declares A's two (without a
    # pool), and lifts the count and rate bounds to measure the resync.
    return ("[Settings]\nIPBIND_1=%s\nIPPOOL_1=198.18.1.10-198.18.1.250\n"
            "SyncServer=%s:%d\n[GENERAL]\nLEASETIME=%d\nSUBNETMASK=255.255.255.0\n"
            "[DUODHCP]\nJournal=%s\nSyncMaxLeases=16777216\nSyncRate=1000000\n"
            "[SUBNET:%s]\n[SUBNET:%s]\n"
            "[HTTP-Settings]\nEnableHTTP=1\nBindAddress=127.0.0.1\nPort=%d\n"
            % (B_ADDR, A_SYNC, A_API_PORT, LEASE_TIME, journal, RELAY_NET, LEASE_NET,
               B_API_PORT))


POLLER = r"""
import json, sys, time, urllib.request
out, until = sys.argv[1], time.monotonic() + float(sys.argv[2])
url = "http://127.0.0.1:%d/api/v1/status"
with open(out, "a") as f:
    for _ in range(int(float(sys.argv[2]) / 0.2) + 1):
        if time.monotonic() > until:
            break
        t = time.monotonic()
        try:
            s = json.loads(urllib.request.urlopen(url, timeout=2).read())
            row = {"t": t, "partner": s["leases"]["partner"], "state": s["sync"]["state"],
                   "seq": s["sync"]["partner_seq"], "full": s["sync"]["full_resyncs"],
                   "err": s["sync"]["last_error"]}
        except Exception as e:
            row = {"t": t, "error": str(e)[:80]}
        f.write(json.dumps(row) + "\n")
        f.flush()
        time.sleep(max(0.0, 0.2 - (time.monotonic() - t)))
""" % B_API_PORT


# ---------------------------------------------------------------- the run

class SyncBench:
    def __init__(self, a, work):
        self.a, self.work = a, work
        self.duoload = os.path.join(a.bin_dir, "duoload")
        self.b_runs = 0

    def slice_run(self, A, mode, rate):
        """One duoload run of a.slice seconds against A; A's CPU for it."""
        load = ["--rate", "0", "--window", "1024"] if mode == "window" else [
            "--rate", str(rate)]
        cmd = nsexec(NS_C, C_CPU) + [
            self.duoload, "--server", A_ADDR, "--local", GIADDR, "--duration",
            str(self.a.slice), "--clients", str(CLIENTS), "--timeout", "1000"] + load
        t0 = time.monotonic()
        c0, s0 = A.cpu_s(), bench.cpu_sample()
        d0 = bench.udp_rcvbuf_errors(NS_C)
        res = run(cmd, timeout=self.a.slice + 60)
        c1, s1 = A.cpu_s(), bench.cpu_sample()
        d1 = bench.udp_rcvbuf_errors(NS_C)
        t1 = time.monotonic()
        j = json.loads(res.stdout)
        lat = j["latency_us"]["all"]
        return {"t0": t0, "t1": t1, "achieved": j["achieved_rate"], "started": j["started"],
                "completed": j["completed"], "lost": j["lost"], "lost_pct": j["lost_pct"],
                "avg_ms": lat["avg"] / 1000, "p99_ms": lat["p99"] / 1000,
                "max_ms": lat["max"] / 1000, "a_cpu_s": c1 - c0,
                "machine_busy_cpu_s": (s1[1] - s0[1]) / bench.HZ,
                "generator_cpu_s": j["generator_cpu_s"],
                "generator_limited": j["generator_limited"] or (d1 - d0) > 0.001 * max(
                    1, j["started"])}

    def steady(self, A, mode, rate, n):
        """n slices with no resync."""
        return [self.slice_run(A, mode, rate) for _ in range(n)]

    def resync(self, A, mode, rate):
        """Starts B on an empty journal and loads A (mode None: no load)
        until B holds N partner leases or the time limit; returns the
        slices, B's times and A's CPU over the resync."""
        self.b_runs += 1
        bdir = os.path.join(self.work, "b%d" % self.b_runs)
        os.makedirs(bdir, exist_ok=True)
        B = Daemon("b%d" % self.b_runs, NS_B, B_CPU, self.a.duodhcpd, self.work,
                   b_config(os.path.join(bdir, "leases.journal")))
        poll_path = os.path.join(bdir, "poll.jsonl")
        poller = PROCS.start(nsexec(NS_B, B_CPU) + [sys.executable, "-c", POLLER, poll_path,
                                                    str(self.a.max_resync + 30)],
                             subprocess.DEVNULL, subprocess.DEVNULL)
        slices, done_t, last = [], None, {}
        a_cpu0 = A.cpu_s()
        try:
            t_start = time.monotonic()
            b_ready_s = B.start(30)
            deadline = t_start + self.a.max_resync
            for _ in range(int(self.a.max_resync / 0.05) + 2):     # bounded
                now = time.monotonic()
                if now > deadline:
                    break
                if mode:
                    slices.append(self.slice_run(A, mode, rate))
                else:
                    time.sleep(0.1)
                done_t, last = self.b_done(poll_path)
                if done_t is not None:
                    break
            a_cpu = A.cpu_s() - a_cpu0
            b_hwm = bench.proc_status_kb(B.proc.pid, "VmHWM")
            b_cpu = B.cpu_s()
        finally:
            B.stop()
            PROCS.stop(poller, grace=2)
        out = {"b_ready_s": b_ready_s, "done": done_t is not None,
               "resync_s": (done_t - t_start) if done_t else None,
               "last_status": last, "b_vmhwm_kb": b_hwm, "b_cpu_s": b_cpu,
               "a_cpu_s": a_cpu, "slices": slices, "b_log_tail": B.tail()}
        # Slices wholly inside the resync are its DHCP figures; the slice
        # in which B finished is partly outside it and is kept apart.
        if done_t:
            out["during"] = [s for s in slices if s["t1"] <= done_t + 0.05]
            if not out["during"]:
                out["during"] = slices[:1]
        else:
            out["during"] = slices
        log("  resync %s: B holds %s partner leases after %s s (B ready in %.2f s), "
            "%d slices during it"
            % (mode or "idle", last.get("partner"), "%.2f" % out["resync_s"]
               if done_t else "more than %d" % self.a.max_resync, b_ready_s,
               len(out["during"])))
        shutil.rmtree(bdir, ignore_errors=True)
        return out

    def b_done(self, poll_path):
        """(time B first held N partner leases, last status row)."""
        last = {}
        try:
            with open(poll_path) as f:
                for line in f:
                    try:
                        row = json.loads(line)
                    except ValueError:
                        continue
                    if "partner" in row:
                        last = row
                        if row["partner"] >= self.a.leases:
                            return row["t"], row
        except OSError:
            pass
        return None, last


def summary(slices):
    """Totals over slices: exchanges over time sending, loss, delays, A's
    CPU per exchange."""
    if not slices:
        return None
    done = sum(s["completed"] for s in slices)
    secs = sum(s["completed"] / s["achieved"] for s in slices if s["achieved"])
    started = sum(s["started"] for s in slices)
    return {"slices": len(slices), "rate": done / secs if secs else 0.0,
            "lost_pct": 100.0 * sum(s["lost"] for s in slices) / max(1, started),
            "avg_ms": sum(s["avg_ms"] * s["completed"] for s in slices) / max(1, done),
            "p99_ms_worst": max(s["p99_ms"] for s in slices),
            "max_ms": max(s["max_ms"] for s in slices),
            "a_cpu_us": 1e6 * sum(s["a_cpu_s"] for s in slices) / max(1, done),
            "generator_limited": sum(1 for s in slices if s["generator_limited"]),
            # Shares of a core over the slices' wall time: whether A (or
            # duoload) had its core to itself or was short of CPU.
            "a_core": sum(s["a_cpu_s"] for s in slices) / max(
                1e-3, sum(s["t1"] - s["t0"] for s in slices)),
            "duoload_core": sum(s["generator_cpu_s"] for s in slices) / max(
                1e-3, sum(s["t1"] - s["t0"] for s in slices)),
            "rates": [round(s["achieved"]) for s in slices]}


def measure(a, work, res):
    mk = os.path.join(a.bin_dir, "mkjournal")
    journal = os.path.join(work, "a", "leases.journal")
    os.makedirs(os.path.dirname(journal), exist_ok=True)
    t0 = time.monotonic()
    run([mk, journal, str(a.leases), LEASE_FIRST, "86400"], timeout=300)
    res["journal"] = {"leases": a.leases, "bytes": os.path.getsize(journal),
                      "generate_s": round(time.monotonic() - t0, 2)}
    last = 0x0A000000 + 10 + a.leases + 1000
    pool = LEASE_FIRST + "-%d.%d.%d.%d" % (last >> 24, (last >> 16) & 255, (last >> 8) & 255,
                                       last & 255)
    A = Daemon("a", NS_A, A_CPU, a.duodhcpd, work, a_config(journal, pool))
    sb = SyncBench(a, work)
    log("A: replaying %d leases" % a.leases)
    res["a_ready_s"] = A.start(120)
    try:
        log("1. no resync, 1024 in flight: %d slices of %g s" % (a.slices, a.slice))
        ph = {"steady_window": sb.steady(A, "window", 0, a.slices)}
        base = summary(ph["steady_window"])
        rate = a.rate or bench.nice(0.5 * base["rate"])
        res["paced_rate"] = rate
        log("2. no resync, paced at %d/s" % rate)
        ph["steady_paced"] = sb.steady(A, "paced", rate, a.slices)
        log("3. full resync, 1024 in flight")
        ph["resync_window"] = sb.resync(A, "window", 0)
        log("4. full resync, paced at %d/s" % rate)
        ph["resync_paced"] = sb.resync(A, "paced", rate)
        log("5. full resync, no DHCP load")
        ph["resync_idle"] = sb.resync(A, None, 0)
        log("6. no resync, 1024 in flight again")
        ph["steady_window_after"] = sb.steady(A, "window", 0, a.slices)
        res["a_vmhwm_kb"] = bench.proc_status_kb(A.proc.pid, "VmHWM")
    finally:
        A.stop()
    res["phases"] = ph
    s = {k: summary(v) for k, v in ph.items() if k.startswith("steady")}
    for k in ("resync_window", "resync_paced", "resync_idle"):
        s[k] = summary(ph[k]["during"])
    res["summary"] = s


def report(res):
    lines = []
    w = lines.append
    s, ph = res["summary"], res["phases"]
    w("")
    w("duodhcp SyncServer benchmark %s  (%s; commit %s)" % (
        res["date"], res["machine"], res["commit"]))
    w("A: %d leases (journal %.1f MB, ready %.2f s after exec), serves DHCP on CPU %s; "
      "duoload on CPU %s; B on CPU %s pulls A's change feed (pages of %d)"
      % (res["journal"]["leases"], res["journal"]["bytes"] / 1e6, res["a_ready_s"], A_CPU,
         C_CPU, B_CPU, FEED_PAGE))
    w("")
    hdr = "%-36s %9s %7s %7s %8s %8s %10s %10s %8s" % (
        "phase", "A DHCP/s", "lost %", "avg ms", "p99 ms", "worst ms", "A CPU us/ex",
        "B resync s", "A CPU s")
    w(hdr)
    w("-" * len(hdr))

    def row(label, sm, rs=None):
        w("%-36s %9s %7s %7s %8s %8s %10s %10s %8s" % (
            label, bench.fmt(sm and sm["rate"], 0), bench.fmt(sm and sm["lost_pct"]),
            bench.fmt(sm and sm["avg_ms"]), bench.fmt(sm and sm["p99_ms_worst"]),
            bench.fmt(sm and sm["max_ms"], 1), bench.fmt(sm and sm["a_cpu_us"], 1),
            (bench.fmt(rs["resync_s"]) if rs["done"] else ">%d" % res["max_resync"])
            if rs else "", bench.fmt(rs and rs["a_cpu_s"])))
    rate = res["paced_rate"]
    row("no resync, 1024 in flight", s["steady_window"])
    row("full resync, 1024 in flight", s["resync_window"], ph["resync_window"])
    row("no resync, paced %d/s" % rate, s["steady_paced"])
    row("full resync, paced %d/s" % rate, s["resync_paced"], ph["resync_paced"])
    row("full resync, no DHCP load", None, ph["resync_idle"])
    row("no resync, 1024 in flight (after)", s["steady_window_after"])
    w("")
    bw = (s["steady_window"]["rate"] + s["steady_window_after"]["rate"]) / 2
    rw = s["resync_window"]
    w("ratio, 1024 in flight: A's rate during the resync / without = %s (against the mean "
      "of before and after, %.0f/s)" % (bench.fmt(rw and rw["rate"] / bw), bw))
    rp, sp = s["resync_paced"], s["steady_paced"]
    w("ratio, paced %d/s: achieved %s; lost %s%% vs %s%%; avg delay %s vs %s ms"
      % (rate, bench.fmt(rp and rp["rate"] / sp["rate"]), bench.fmt(rp and rp["lost_pct"]),
         bench.fmt(sp["lost_pct"]), bench.fmt(rp and rp["avg_ms"]), bench.fmt(sp["avg_ms"])))
    w("resync time under load / idle: %s (1024 in flight), %s (paced)" % (
        bench.fmt(ph["resync_window"]["resync_s"] and ph["resync_idle"]["resync_s"] and
                  ph["resync_window"]["resync_s"] / ph["resync_idle"]["resync_s"]),
        bench.fmt(ph["resync_paced"]["resync_s"] and ph["resync_idle"]["resync_s"] and
                  ph["resync_paced"]["resync_s"] / ph["resync_idle"]["resync_s"])))
    w("per-slice rates (1 s each): " + "; ".join(
        "%s %s" % (k, (s[k] or {}).get("rates")) for k in (
            "steady_window", "resync_window", "steady_window_after")))
    w("share of a core used over the slices, A / duoload: " + "; ".join(
        "%s %s / %s" % (k, bench.fmt((s[k] or {}).get("a_core")),
                        bench.fmt((s[k] or {}).get("duoload_core")))
        for k in ("steady_window", "resync_window", "steady_paced", "resync_paced",
                  "steady_window_after") if s.get(k)) +
      "; B's CPU over a resync: %s s (1024 in flight), %s s (paced), %s s (idle)" % tuple(
          bench.fmt(ph[k]["b_cpu_s"]) for k in ("resync_window", "resync_paced",
                                               "resync_idle")))
    w("B resync s = B's exec to its /api/v1/status counting %d partner leases (polled every "
      "0.2 s); A CPU s = A's CPU over that time (idle: serving the feed alone); B VmHWM %s MB"
      % (res["journal"]["leases"], bench.fmt((ph["resync_idle"]["b_vmhwm_kb"] or 0) / 1024, 1)))
    w("DHCP figures during a resync: the %g s slices that ended before B held every lease; "
      "A CPU us/ex includes serving the feed" % res["slice"])
    gl = sum((s[k] or {}).get("generator_limited", 0) for k in s)
    if gl:
        w("note: %d slices were generator-limited (duoload could not send what it was asked, "
          "or its socket dropped replies): B shares duoload's core" % gl)
    for n in res.get("notes", []):
        w("note: " + n)
    return "\n".join(lines)


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bin-dir", required=True, help="duodhcpd, duoload, mkjournal")
    ap.add_argument("--duodhcpd", help="the daemon (default BIN_DIR/duodhcpd)")
    ap.add_argument("--quick", action="store_true", help="5 slices a steady phase, not 10")
    ap.add_argument("--leases", type=int, default=1000000)
    ap.add_argument("--rate", type=int, default=0,
                    help="paced rate (default half of A's 1024-in-flight rate)")
    ap.add_argument("--max-resync", type=float, default=300,
                    help="give up on a resync after this many seconds")
    ap.add_argument("--out", help="results JSON (default bench/results/sync-<date>.json)")
    ap.add_argument("--work", help="scratch folder (default /var/tmp/duodhcp-syncbench.PID)")
    ap.add_argument("--keep", action="store_true")
    a = ap.parse_args()
    a.bin_dir = os.path.abspath(a.bin_dir)
    a.duodhcpd = os.path.abspath(a.duodhcpd or os.path.join(a.bin_dir, "duodhcpd"))
    a.slices = 5 if a.quick else 10
    a.slice = 1.0
    if not 1 <= a.leases <= 5000000:
        ap.error("--leases: 1 to 5,000,000")
    return a


def main():
    a = parse_args()
    if os.geteuid() != 0:
        sys.exit("syncbench.py: needs root (network namespaces)")
    for exe in (a.duodhcpd, os.path.join(a.bin_dir, "duoload"),
                os.path.join(a.bin_dir, "mkjournal")):
        if not os.access(exe, os.X_OK):
            sys.exit("syncbench.py: %s missing: build it first (bench/run.sh)" % exe)
    signal.signal(signal.SIGTERM, bench.on_signal)
    signal.signal(signal.SIGINT, bench.on_signal)
    work = a.work or "/var/tmp/duodhcp-syncbench.%d" % PID
    os.makedirs(work, exist_ok=True)
    t0 = time.monotonic()
    res = {"date": datetime.datetime.now().strftime("%Y-%m-%dT%H%M%S"), "complete": False,
           "machine": "%d CPUs, %s" % (os.cpu_count(), os.uname().release),
           "commit": run(["git", "-C", bench.REPO, "rev-parse", "--short", "HEAD"],
                         check=False).stdout.strip(),
           "daemon": a.duodhcpd, "max_resync": a.max_resync, "slice": a.slice, "notes": []}
    failure = None
    try:
        bench.ns_sweep_stale(NS_RE)
        ns_setup()
        busy = bench.wait_quiet(0)
        res["busy_pct_before"] = busy
        if busy > 10:
            res["notes"].append("the machine was %.0f%% busy before the run (other work on "
                                "the two cores): figures may be low" % busy)
        measure(a, work, res)
        res["complete"] = True
    except (bench.Abort, RuntimeError, subprocess.TimeoutExpired, OSError, ValueError) as e:
        failure = e
        res["notes"].append("run stopped early: %s" % e)
    finally:
        PROCS.stop_all()
        for ns in (NS_A, NS_C, NS_B):
            bench.ns_delete(ns)
        if not a.keep:
            shutil.rmtree(work, ignore_errors=True)
    res["elapsed_s"] = round(time.monotonic() - t0, 1)
    out = a.out or os.path.join(os.path.dirname(os.path.abspath(__file__)), "results",
                                "sync-%s.json" % res["date"])
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out, "w") as f:
        json.dump(res, f, indent=1)
    try:
        print(report(res))
    except (KeyError, TypeError, ZeroDivisionError) as e:
        print("(no table: results incomplete: %r)" % e)
    print("\nresults: %s  (%.0f s)" % (out, res["elapsed_s"]))
    if failure:
        sys.exit("syncbench.py: stopped early: %s" % failure)


if __name__ == "__main__":
    try:
        main()
    except bench.Abort as e:
        sys.exit("syncbench.py: stopped: %s" % e)
