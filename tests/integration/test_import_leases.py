"""duodhcpctl import-leases with lease files the real servers wrote in this
run: ISC dhcpd 4.4.3, Kea 2.2 (memfile CSV) and dnsmasq served real
clients (dhclient, udhcpc; some with hostnames, udhcpc with a client
identifier, one released), were stopped by PID, and their files are
imported offline into a fresh journal and online into a running duodhcpd,
then checked lease by lease through the API against the file as this test
reads it.  Importing again changes nothing.  A client ISC dhcpd served
keeps its address when it asks duodhcpd.  A damaged file names FILE:LINE
and imports nothing, unless --keep-good."""

import calendar
import csv
import json
import os
import re
import shutil
import subprocess
import time

import pytest

import daemon as daemonmod
import folib
import nslib
from splitlib import http

TOKEN = "import-test-token"
PORT = 8067
KEA = "/usr/sbin/kea-dhcp4"
DNSMASQ = "/usr/sbin/dnsmasq"
POOL = ("198.18.0.10", "198.18.0.50")

ISC_CONF = """
authoritative;
default-lease-time 600;
max-lease-time 600;
subnet 198.18.0.0 netmask 255.255.255.0 {
  range %s %s;
  option routers 198.18.0.1;
}
""" % POOL


def config(journal):
    return daemonmod.make_config(str(journal), http_port=PORT, lease_time=600,
                                 pool="%s-%s" % POOL, extra_duodhcp="ApiToken=" + TOKEN)


def ctl(ns, ini, *args):
    """duodhcpctl -c ini import-leases ARGS, inside ns (where the API is)."""
    return daemonmod.ctl_in(ns, ini, "import-leases", *args)


def api_lease(d, addr):
    r = http(d.ns, "http://198.18.0.1:%d/api/v1/leases/%s" % (PORT, addr))
    if r["status"] == 404:
        return None
    assert r["status"] == 200, r
    return json.loads(r["body"])


def hexnorm(s):
    return (s or "").replace(":", "").lower()


def check_leases(d, want, now):
    """Each lease of want (addr -> hw, cid, hostname, state, end) as the
    daemon's API shows it.  A lease whose end has passed is expired."""
    assert want, "the file held no lease"
    for addr, w in sorted(want.items()):
        got = api_lease(d, addr)
        assert got is not None, "%s not imported" % addr
        state = w["state"]
        if state == "active" and w["end"] <= now:
            state = "expired"
        seen = {"mac": got["mac"].lower(), "cid": hexnorm(got["client_id"]),
                "hostname": got["hostname"] or "", "state": got["state"], "end": got["end"],
                "origin": got["origin"]}
        exp = {"mac": w["hw"], "cid": w["cid"], "hostname": w["hostname"], "state": state,
               "end": w["end"], "origin": "own"}
        assert seen == exp, "%s: %s, want %s" % (addr, seen, exp)


def journal_lines(path):
    try:
        with open(path) as f:
            return [l for l in f if l.startswith("v1 addr=")]
    except FileNotFoundError:
        return []


# ---- the files as this test reads them (independently of duodhcpctl) ----

def isc_unquote(s):
    out = bytearray()
    i = 0
    while i < len(s):
        if s[i] == "\\" and i + 3 < len(s) + 0 and s[i + 1:i + 4].isdigit():
            out.append(int(s[i + 1:i + 4], 8))
            i += 4
        elif s[i] == "\\":
            out.append(ord(s[i + 1]))
            i += 2
        else:
            out.append(ord(s[i]))
            i += 1
    return bytes(out).hex()


def isc_expected(text):
    want = {}
    for m in re.finditer(r"^lease (\d+\.\d+\.\d+\.\d+) \{\n(.*?)^\}", text, re.S | re.M):
        body = m.group(2)
        state = re.search(r"^\s*binding state (\w+);", body, re.M).group(1)
        ends = re.search(r"^\s*ends \d (\S+ \S+);", body, re.M)
        uid = re.search(r'^\s*uid "((?:[^"\\]|\\.)*)";', body, re.M)
        host = re.search(r'^\s*client-hostname "([^"]*)";', body, re.M)
        hw = re.search(r"^\s*hardware ethernet ([0-9a-f:]+);", body, re.M)
        want[m.group(1)] = {
            "state": state, "hw": hw.group(1) if hw else "",
            "cid": isc_unquote(uid.group(1)) if uid else "",
            "hostname": host.group(1) if host else "",
            "end": calendar.timegm(time.strptime(ends.group(1), "%Y/%m/%d %H:%M:%S"))}
    return want


def kea_expected(path):
    want = {}
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            if int(row["valid_lifetime"]) == 0:
                want.pop(row["address"], None)	# Kea's deletion row
                continue
            state = {"0": "active", "1": "abandoned", "2": "expired"}[row["state"]]
            want[row["address"]] = {"state": state, "hw": row["hwaddr"].lower(),
                                    "cid": hexnorm(row["client_id"]),
                                    "hostname": row["hostname"].rstrip("."),
                                    "end": int(row["expire"])}
    return want


def dnsmasq_expected(path):
    want = {}
    with open(path) as f:
        for line in f:
            expiry, mac, addr, host, cid = line.split()[:5]
            want[addr] = {"state": "active", "hw": mac.lower(),
                          "cid": "" if cid == "*" else hexnorm(cid),
                          "hostname": "" if host == "*" else host, "end": int(expiry)}
    return want


# ---- the clients ----

def serve_clients(topo, client, releases=True):
    """dhclient c1, c2 (hostnames), udhcpc c3 (client id 01+MAC, running
    on), dhclient c4 released.  Returns {index: (driver, address)}."""
    got = {}
    for i, name in ((1, "alpha"), (2, "beta")):
        c = client("dhclient", topo, i, hostname=name)
        c.obtain()
        got[i] = (c, c.address())
    c = client("udhcpc", topo, 3, hostname="gamma")
    c.start()
    got[3] = (c, c.address())
    if releases:
        c = client("dhclient", topo, 4)
        c.obtain()
        got[4] = (c, c.address())
        c.release()
    return got


def import_twice_online(d, path, want):
    """Online import, the check, and a second import that changes nothing."""
    first = ctl(d.ns, d.config, str(path))
    assert first.returncode == 0, first.stdout + first.stderr
    s = daemonmod.import_summary(first.stdout)
    assert s["imported"] == s["new"] == len(want), first.stdout
    check_leases(d, want, time.time())
    size = os.path.getsize(os.path.join(d.workdir, "leases.journal"))
    again = ctl(d.ns, d.config, str(path))
    assert again.returncode == 0, again.stdout + again.stderr
    s2 = daemonmod.import_summary(again.stdout)
    assert (s2["imported"], s2["unchanged"]) == (0, len(want)), again.stdout
    assert os.path.getsize(os.path.join(d.workdir, "leases.journal")) == size
    return first.stdout


@pytest.mark.netns
def test_import_isc_dhcpd_leases(make_topo, duod, client, tmp_path):
    if not os.access(folib.ISC_DHCPD, os.X_OK):
        pytest.fail("isc-dhcp-server is not installed")
    topo = make_topo(clients=(1, 2, 3, 4))
    isc = folib.IscDhcpd(topo.server, tmp_path / "isc", ISC_CONF)
    isc.start()
    try:
        got = serve_clients(topo, client)
    finally:
        assert isc.stop() is not None
    src = tmp_path / "dhcpd.leases"
    shutil.copy(isc.leasefile, src)
    text = src.read_text()
    want = isc_expected(text)
    assert {got[i][1] for i in (1, 2, 3)} <= set(want), (got, text)
    assert want[got[3][1]]["cid"] == "01" + hexnorm(nslib.client_mac(3)), text
    assert want[got[1][1]]["hostname"] == "alpha", text
    assert want[got[4][1]]["state"] == "free", text	# released

    # Offline into a fresh journal; twice; then the daemon serves them.
    a = duod(topo, config_text=config(tmp_path / "server0" / "leases.journal"), launch=False)
    r = ctl(topo.server, a.config, "--offline", str(src))
    assert r.returncode == 0, r.stdout + r.stderr
    assert daemonmod.import_summary(r.stdout)["new"] == len(want), r.stdout
    jpath = os.path.join(a.workdir, "leases.journal")
    size = os.path.getsize(jpath)
    r2 = ctl(topo.server, a.config, "--offline", str(src))
    assert daemonmod.import_summary(r2.stdout)["unchanged"] == len(want), r2.stdout
    assert os.path.getsize(jpath) == size
    a.start()
    check_leases(a, want, time.time())
    busy = ctl(topo.server, a.config, "--offline", str(src))
    assert busy.returncode == 1 and "in use by another duodhcpd" in busy.stderr, busy
    a.stop()

    # Online into a running daemon with a journal of its own: the same report.
    b = duod(topo, config_text=config(tmp_path / "server1" / "leases.journal"))
    out = import_twice_online(b, src, want)
    assert out == r.stdout, (out, r.stdout)

    # The clients ISC dhcpd served keep their addresses with duodhcpd.
    c1, addr1 = got[1]
    ev = c1.renew()
    assert ev["reason"] in ("REBOOT", "RENEW", "BOUND") and c1.address() == addr1, ev
    c3, addr3 = got[3]
    c3.renew()
    assert c3.address() == addr3
    assert api_lease(b, addr1)["cltt"] > want[addr1]["end"] - 600


@pytest.mark.netns
def test_import_damaged_file(make_topo, duod, tmp_path):
    topo = make_topo(clients=())
    lines = [
        "# written by hand, in ISC dhcpd's format",
        "lease 198.18.0.20 {", "  starts 5 2026/12/04 10:00:00;",
        "  ends 5 2036/12/04 10:10:00;", "  binding state active;",
        "  hardware ethernet 02:00:00:00:00:20;", "}",
        "lease 198.18.0.21 {", "  starts 5 2026/12/04 10:00:00;",
        "  ends 5 2036/12/04 10:10:00;", "  binding state active;",
        "  hardware ethernet 02:00:00:00:00:21;", "}",
        "lease 198.18.0.22 {", "  starts 5 2026/12/04 10:00:00;",
        "  ends tomorrow or so;", "  binding state active;",
        "  hardware ethernet 02:00:00:00:00:22;", "}",
        "lease 198.18.9.23 {", "  starts 5 2026/12/04 10:00:00;",
        "  ends 5 2036/12/04 10:10:00;", "  binding state active;",
        "  hardware ethernet 02:00:00:00:00:23;", "}",
    ]
    src = tmp_path / "damaged.leases"
    src.write_text("\n".join(lines) + "\n")
    d = duod(topo, config_text=config(tmp_path / "server0" / "leases.journal"), launch=False)
    jpath = os.path.join(d.workdir, "leases.journal")
    r = ctl(topo.server, d.config, "--offline", "--from", "isc", str(src))
    assert r.returncode == 1, r.stdout + r.stderr
    assert re.search(r"^%s:(1[4-8]): error: " % re.escape(str(src)), r.stderr, re.M), r.stderr
    assert "nothing imported" in r.stderr and not journal_lines(jpath), r.stderr
    r = ctl(topo.server, d.config, "--offline", "--keep-good", str(src))
    assert r.returncode == 0, r.stdout + r.stderr
    s = daemonmod.import_summary(r.stdout)
    assert (s["new"], s["skipped"]) == (2, 1), r.stdout
    assert "%s:20: skipped 198.18.9.23: in none of our subnets" % src in r.stdout, r.stdout
    assert sorted(l.split()[1] for l in journal_lines(jpath)) == [
        "addr=198.18.0.20", "addr=198.18.0.21"]


def kea_conf(workdir, leases):
    return {"Dhcp4": {
        "interfaces-config": {"interfaces": ["eth0"], "dhcp-socket-type": "raw"},
        "lease-database": {"type": "memfile", "persist": True, "lfc-interval": 0,
                           "name": leases},
        "valid-lifetime": 600, "authoritative": True,
        "subnet4": [{"id": 1, "subnet": "198.18.0.0/24",
                     "pools": [{"pool": "%s - %s" % POOL}],
                     "option-data": [{"name": "routers", "data": "198.18.0.1"}]}],
        "loggers": [{"name": "kea-dhcp4", "severity": "INFO",
                     "output_options": [{"output": os.path.join(workdir, "kea.log")}]}],
    }}


@pytest.mark.netns
def test_import_kea_memfile(make_topo, duod, client, tmp_path):
    if not os.access(KEA, os.X_OK):
        pytest.fail("kea-dhcp4-server is not installed")
    topo = make_topo(clients=(1, 2, 3, 4))
    w = str(tmp_path / "kea")
    os.makedirs(w)
    leases = os.path.join(w, "kea-leases4.csv")
    conf = os.path.join(w, "kea-dhcp4.json")
    with open(conf, "w") as f:
        json.dump(kea_conf(w, leases), f)
    env = ["env", "KEA_PIDFILE_DIR=" + w, "KEA_LOCKFILE_DIR=" + w]
    out = open(os.path.join(w, "stdout.log"), "w")
    kea = subprocess.Popen(nslib.nsexec(topo.server) + env + [KEA, "-c", conf],
                           stdin=subprocess.DEVNULL, stdout=out, stderr=out)
    out.close()
    try:
        nslib.wait_until(lambda: kea.poll() is not None or topo.udp_listening(topo.server, 67),
                         15, what="kea-dhcp4 listening")
        assert kea.poll() is None, open(os.path.join(w, "stdout.log")).read()
        got = serve_clients(topo, client)
    finally:
        nslib.stop_pid(kea.pid, term_timeout=5, proc=kea)
    src = tmp_path / "kea-leases4.csv"
    shutil.copy(leases, src)
    want = kea_expected(str(src))
    assert {got[i][1] for i in (1, 2, 3)} <= set(want), (got, src.read_text())
    assert want[got[3][1]]["cid"] == "01" + hexnorm(nslib.client_mac(3)), src.read_text()

    d = duod(topo, config_text=config(tmp_path / "server0" / "leases.journal"))
    online = import_twice_online(d, src, want)
    # Offline into another fresh journal: the same report.
    e = duod(topo, config_text=config(tmp_path / "server1" / "leases.journal"), launch=False)
    r = ctl(topo.server, e.config, "--offline", str(src))
    assert r.returncode == 0 and r.stdout == online, (r.stdout, online, r.stderr)
    c3, addr3 = got[3]
    c3.renew()
    assert c3.address() == addr3


@pytest.mark.netns
def test_import_dnsmasq_leases(make_topo, duod, client, tmp_path):
    if not os.access(DNSMASQ, os.X_OK):
        pytest.fail("dnsmasq-base is not installed")
    topo = make_topo(clients=(1, 2, 3))
    w = tmp_path / "dnsmasq"
    w.mkdir()
    leases = str(w / "dnsmasq.leases")
    out = open(str(w / "dnsmasq.log"), "w")
    dm = subprocess.Popen(nslib.nsexec(topo.server) + [
        DNSMASQ, "-d", "--conf-file=/dev/null", "--port=0", "--user=root",
        "--interface=eth0", "--bind-interfaces", "--dhcp-authoritative",
        "--dhcp-range=%s,%s,600" % POOL, "--dhcp-leasefile=" + leases,
        "--pid-file=" + str(w / "dnsmasq.pid")], stdin=subprocess.DEVNULL, stdout=out,
        stderr=out)
    out.close()
    try:
        nslib.wait_until(lambda: dm.poll() is not None or topo.udp_listening(topo.server, 67),
                         15, what="dnsmasq listening")
        assert dm.poll() is None, (w / "dnsmasq.log").read_text()
        got = serve_clients(topo, client, releases=False)
    finally:
        nslib.stop_pid(dm.pid, term_timeout=5, proc=dm)
    src = tmp_path / "dnsmasq.leases"
    shutil.copy(leases, src)
    want = dnsmasq_expected(str(src))
    assert {got[i][1] for i in (1, 2, 3)} == set(want), (got, src.read_text())
    assert want[got[1][1]]["hostname"] == "alpha", src.read_text()
    d = duod(topo, config_text=config(tmp_path / "server0" / "leases.journal"))
    import_twice_online(d, src, want)


@pytest.mark.netns
def test_import_in_batches_and_dry_run(make_topo, duod, tmp_path):
    """2,500 leases (a written dnsmasq file): a dry run stores nothing; the
    import goes in three requests of at most 1000; again, nothing changes."""
    topo = make_topo(clients=())
    n = 2500
    end = int(time.time()) + 3600
    src = tmp_path / "many.leases"
    with open(str(src), "w") as f:
        for i in range(n):
            f.write("%d 02:00:00:01:%02x:%02x 198.18.%d.%d h%d *\n" % (
                end, i >> 8, i & 255, 1 + i // 250, 1 + i % 250, i))
    text = config(tmp_path / "server0" / "leases.journal").replace(
        "SUBNETMASK=255.255.255.0", "SUBNETMASK=255.255.240.0")
    d = duod(topo, config_text=text)
    jpath = os.path.join(d.workdir, "leases.journal")
    dry = ctl(d.ns, d.config, "--dry-run", str(src))
    assert dry.returncode == 0, dry.stdout + dry.stderr
    assert "%d records read, %d to import (%d new, 0 updated)" % (n, n, n) in dry.stdout
    assert not journal_lines(jpath)
    r = ctl(d.ns, d.config, str(src))
    assert r.returncode == 0, r.stdout + r.stderr
    assert daemonmod.import_summary(r.stdout)["new"] == n, r.stdout
    assert [int(x) for x in re.findall(r"API: (\d+) imported", d.log())] == [1000, 1000, 500]
    page = http(d.ns, "http://198.18.0.1:%d/api/v1/leases?per_page=1" % PORT)
    assert json.loads(page["body"])["total"] == n
    assert len(journal_lines(jpath)) == n
    got = api_lease(d, "198.18.10.250")
    assert (got["mac"], got["hostname"], got["end"]) == ("02:00:00:01:09:c3", "h2499", end)
    size = os.path.getsize(jpath)
    again = ctl(d.ns, d.config, str(src))
    assert daemonmod.import_summary(again.stdout)["unchanged"] == n, again.stdout
    assert os.path.getsize(jpath) == size
