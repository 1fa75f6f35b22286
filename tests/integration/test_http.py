"""The built-in HTTP server (issue 4): JSON API, change feed, metrics, the
token-guarded actions, and the live status page rendered by headless
Debian chromium.  Requests are made from a client namespace (python's
urllib, chromium) to the seed's split-scope pair; see splitlib.py.

The status page screenshots are written to $ARTIFACTS_DIR/status-page.png
(the first screen, 1280x900) and status-page-full.png (1280x1500, down to
the lease table); ARTIFACTS_DIR defaults to tests/integration/artifacts/.
"""

import json
import os
import re
import shutil
import struct
import subprocess
import tempfile
from html.parser import HTMLParser

import pytest

import nslib
import splitlib as S

HERE = os.path.dirname(os.path.abspath(__file__))


def _get(ns, url, **kw):
    r = S.http(ns, url, **kw)
    assert r["status"] is not None, r
    return r


def _json(r, status=200):
    assert r["status"] == status, r
    assert r["headers"].get("Content-Type", "").startswith("application/json"), r
    return json.loads(r["body"])


def _error(r, status):
    body = _json(r, status)
    assert isinstance(body.get("error"), str) and body["error"], body
    return body["error"]


def _setup(make_topo, duod, client, kit, tmp_path):
    """srv1 with the API token, srv2 without (read-only); three real
    clients and four scapy DORAs; waits until both servers hold every
    active lease (own or partner).  Returns (pair, {fqdn-less name: addr})."""
    pair = S.split_pair(make_topo, duod, tmp_path, clients=(1, 2, 3, 9), start=())
    pair.start(1)
    pair.start(2, token=None)
    topo = pair.topo
    for n in (1, 2):
        pair.wait_sync_ok(n)
    c1 = client("dhclient", topo, 1, hostname="alpha")
    S.pin(c1, avoid=2)
    c2 = client("dhcpcd", topo, 2, hostname="bravo")
    S.pin(c2, avoid=1)
    c3 = client("udhcpc", topo, 3, hostname="charlie")
    names = {"alpha": S.event_addr(c1.obtain()), "bravo": S.event_addr(c2.start()),
             "charlie": S.event_addr(c3.start())}
    r = kit(topo.clients[9], "doras", "--mac", "02:00:00:00:30:00", "--count", "4")
    for i, res in enumerate(r["results"]):
        assert res["ack"] and res["ack"]["type"] == "ack", res
        names["kit%d" % (i + 1)] = res["ack"]["yiaddr"]
    assert S.in_pool(names["alpha"], 1) and S.in_pool(names["bravo"], 2), names
    active = set(names.values())

    def synced():
        return all({l["addr"] for l in pair.leases(n, "state=active")} == active
                   for n in (1, 2))
    nslib.wait_until(synced, 5, interval=0.2, what="both servers holding every lease")
    return pair, names


@pytest.mark.netns
def test_http_api_and_metrics(make_topo, duod, client, kit, tmp_path):
    """status, leases (every filter, paging, errors), one lease, pools, the
    change feed, /metrics; DELETE and reload need the token (401 without
    or with a wrong one, 403 where none is configured); a deleted lease
    reaches the partner through the feed."""
    pair, names = _setup(make_topo, duod, client, kit, tmp_path)
    ns = pair.topo.clients[1]
    url1 = lambda p: pair.url(1, p)	# noqa: E731
    url2 = lambda p: pair.url(2, p)	# noqa: E731
    active = set(names.values())
    own1 = {a for a in active if S.owner(a) == 1}
    own2 = active - own1

    # -- status
    st = _json(_get(ns, url1("/api/v1/status")))
    assert st["server"]["binds"] == [S.SRV[1]], st["server"]
    assert st["epoch"] > 0 and st["seq"] >= len(own1), st
    sy = st["sync"]
    assert sy["enabled"] and sy["partner"] == S.SRV[2] + ":80" and sy["state"] == "ok", sy
    assert sy["leases"] == len(own2), sy
    assert st["leases"]["active"] == len(active), st["leases"]
    assert st["leases"]["own"] + st["leases"]["partner"] == st["leases"]["total"]
    assert st["counters"]["tx"]["ack"] >= len(own1) and st["counters"]["tx"]["nak"] == 0
    assert st["pools"] == _json(_get(ns, url1("/api/v1/pools")))["pools"]

    # -- pools
    for n, url in ((1, url1), (2, url2)):
        pools = _json(_get(ns, url("/api/v1/pools")))["pools"]
        assert len(pools) == 1, pools
        p = pools[0]
        own = own1 if n == 1 else own2
        assert (p["subnet"], p["first"], p["last"], p["size"], p["active"]) == (
            "198.18.0.0/23", S.POOL[n][0], S.POOL[n][1], 199, len(own)), p
        assert abs(p["percent"] - 100.0 * len(own) / 199) < 0.06, p

    # -- leases: the whole list, then every filter against it
    full = _json(_get(ns, url1("/api/v1/leases?per_page=1000")))
    leases = full["leases"]
    assert full["total"] == len(leases) and full["page"] == 1, full
    assert [l["addr"] for l in leases] == sorted(
        (l["addr"] for l in leases), key=lambda a: tuple(map(int, a.split("."))))
    for l in leases:
        if l["state"] == "active":
            assert l["origin"] == ("own" if S.owner(l["addr"]) == 1 else "partner"), l
    by_addr = {l["addr"]: l for l in leases}
    assert by_addr[names["alpha"]]["hostname"] == "alpha"
    assert by_addr[names["bravo"]]["hostname"] == "bravo"

    def query(q):
        return _json(_get(ns, url1("/api/v1/leases?per_page=1000&" + q)))["leases"]

    def same(q, pred):
        got = query(q)
        want = [l for l in leases if pred(l)]
        assert got == want, (q, got, want)
        return got
    for a in active:
        assert len(same("addr=" + a, lambda l, a=a: l["addr"] == a)) == 1
    got = same("mac=02:00:00:00:00:01", lambda l: l["mac"] == "02:00:00:00:00:01")
    assert names["alpha"] in [l["addr"] for l in got]
    same("mac=02-00-00-00-00-02", lambda l: l["mac"] == "02:00:00:00:00:02")
    got = same("hostname=LPH", lambda l: "lph" in (l["hostname"] or "").lower())
    assert [l["addr"] for l in got] == [names["alpha"]]
    assert same("state=active", lambda l: l["state"] == "active")
    o = same("origin=own", lambda l: l["origin"] == "own")
    p = same("origin=partner", lambda l: l["origin"] == "partner")
    assert len(o) + len(p) == len(leases)
    assert {l["addr"] for l in p if l["state"] == "active"} == own2
    same("origin=partner&state=active&hostname=brav",
         lambda l: l["origin"] == "partner" and l["state"] == "active" and
         "brav" in (l["hostname"] or ""))
    # paging
    pages, page = [], 1
    while page <= 20:
        r = _json(_get(ns, url1("/api/v1/leases?per_page=3&page=%d" % page)))
        assert r["total"] == len(leases) and r["per_page"] == 3 and r["page"] == page
        if not r["leases"]:
            break
        assert len(r["leases"]) <= 3
        pages += r["leases"]
        page += 1
    assert pages == leases and page == (len(leases) + 2) // 3 + 1
    # errors: JSON 400s, nothing silently ignored
    for q in ("foo=1", "addr=198.18.0", "mac=zz:00", "state=bogus", "origin=mine",
              "per_page=0", "per_page=1001", "page=0", "page=-1", "hostname=",
              "state=active&state=free"):
        _error(_get(ns, url1("/api/v1/leases?" + q)), 400)

    # -- one lease
    one = _json(_get(ns, url1("/api/v1/leases/" + names["bravo"])))
    assert one == by_addr[names["bravo"]]
    _error(_get(ns, url1("/api/v1/leases/198.18.1.250")), 404)
    _error(_get(ns, url1("/api/v1/leases/not-an-address")), 400)
    _error(_get(ns, url1("/api/v1/nosuch")), 404)
    r = _get(ns, url1("/api/v1/status"), method="POST", data="")
    _error(r, 405)
    assert "GET" in r["headers"].get("Allow", ""), r

    # -- the change feed: own leases only, in change order
    st = _json(_get(ns, url1("/api/v1/status")))
    feed = _json(_get(ns, url1("/api/v1/changes?since=0")))
    assert feed["epoch"] == st["epoch"] and feed["seq"] == st["seq"], (feed, st)
    seqs = [l["seq"] for l in feed["leases"]]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs) and seqs, feed
    assert all(l["origin"] == "own" for l in feed["leases"]), feed
    assert {l["addr"] for l in feed["leases"] if l["state"] == "active"} == own1
    assert feed["next"] == seqs[-1] and feed["more"] is False, feed
    part = _json(_get(ns, url1("/api/v1/changes?since=0&limit=1")))
    assert [l["seq"] for l in part["leases"]] == seqs[:1] and part["next"] == seqs[0]
    assert part["more"] is (len(seqs) > 1)
    empty = _json(_get(ns, url1("/api/v1/changes?since=%d" % st["seq"])))
    assert empty["leases"] == [] and empty["next"] == st["seq"], empty
    _error(_get(ns, url1("/api/v1/changes?since=x")), 400)

    # -- metrics
    r = _get(ns, url1("/metrics"))
    assert r["status"] == 200 and r["headers"].get("Content-Type", "").startswith(
        "text/plain"), r["headers"]
    m = S.parse_metrics(r["body"])
    st = _json(_get(ns, url1("/api/v1/status")))
    assert S.metric(m, "duodhcp_sync_up") == 1
    assert S.metric(m, "duodhcp_sync_partner_leases") == len(own2)
    assert S.metric(m, "duodhcp_leases", state="active", origin="own") == len(own1)
    assert S.metric(m, "duodhcp_leases", state="active", origin="partner") == len(own2)
    assert S.metric(m, "duodhcp_replies_sent_total", type="ack") == st["counters"]["tx"]["ack"]
    assert S.metric(m, "duodhcp_replies_sent_total", type="nak") == 0
    assert S.metric(m, "duodhcp_packets_received_total", type="discover") == \
        st["counters"]["rx"]["discover"]
    rng = "%s-%s" % S.POOL[1]
    assert S.metric(m, "duodhcp_pool_size", subnet="198.18.0.0/23", range=rng) == 199
    assert S.metric(m, "duodhcp_pool_active", subnet="198.18.0.0/23", range=rng) == len(own1)
    assert S.metric(m, "duodhcp_change_seq") == st["seq"]

    # -- DELETE: token required
    victim = names["alpha"]
    path = "/api/v1/leases/" + victim
    _error(_get(ns, url1(path), method="DELETE"), 401)
    _error(_get(ns, url1(path), method="DELETE",
                headers={"Authorization": "Bearer wrong-" + S.TOKEN}), 401)
    _error(_get(ns, url1(path), method="DELETE",
                headers={"Authorization": "Basic " + S.TOKEN}), 401)
    # srv2 has no ApiToken: read-only, whatever the request carries.
    _error(_get(ns, url2(path), method="DELETE",
                headers={"Authorization": "Bearer " + S.TOKEN}), 403)
    assert _json(_get(ns, url1(path)))["state"] == "active"
    # A partner's lease is always removable here (issue 12); on the
    # partner it stays active.
    r = _get(ns, url1("/api/v1/leases/" + names["bravo"]), method="DELETE",
             headers={"Authorization": "Bearer " + S.TOKEN})
    assert _json(r) == {"deleted": names["bravo"]}, r
    assert _json(_get(ns, url2("/api/v1/leases/" + names["bravo"])))["state"] == "active"
    seq_before = _json(_get(ns, url1("/api/v1/status")))["seq"]
    r = _get(ns, url1(path), method="DELETE", headers={"Authorization": "Bearer " + S.TOKEN})
    assert _json(r) == {"deleted": victim}, r
    after = _get(ns, url1(path))
    assert after["status"] == 404 or _json(after)["state"] != "active", after
    # The deletion is a change in the feed, and the partner pulls it.
    ch = _json(_get(ns, url1("/api/v1/changes?since=%d" % seq_before)))
    assert [(l["addr"], l["state"]) for l in ch["leases"]] == [(victim, "free")], ch
    nslib.wait_until(lambda: all(l["state"] != "active"
                                 for l in pair.leases(2, "addr=" + victim)),
                     5, interval=0.2, what="srv2 seeing %s deleted" % victim)
    assert "API: lease %s deleted" % victim in pair.d[1].log()
    # ... and neither server names it any more.
    nslib.wait_until(lambda: all(S.dig(ns, S.SRV[n], "alpha.lan")["status"] == "NXDOMAIN"
                                 for n in (1, 2)),
                     5, interval=0.2, what="alpha.lan gone from both servers' DNS")

    # -- reload: token required
    _error(_get(ns, url1("/api/v1/reload"), method="POST", data=""), 401)
    _error(_get(ns, url2("/api/v1/reload"), method="POST", data="",
                headers={"Authorization": "Bearer " + S.TOKEN}), 403)
    r = _get(ns, url1("/api/v1/reload"), method="POST", data="",
             headers={"Authorization": "Bearer " + S.TOKEN})
    assert _json(r) == {"reloaded": True}, r
    nslib.wait_until(lambda: "configuration reloaded" in pair.d[1].log(), 5,
                     what="srv1 logging the reload")
    _error(_get(ns, url1("/api/v1/reload")), 405)
    assert _json(_get(ns, url1("/api/v1/status")))["sync"]["state"] == "ok"


@pytest.mark.netns
def test_http_port_and_bind_address(make_topo, duod, tmp_path):
    """[HTTP-SETTINGS] Port and BindAddress: the API listens there only."""
    pair = S.split_pair(make_topo, duod, tmp_path, clients=(1,), start=())
    pair.start(1, http=("Port=8080", "BindAddress=" + S.SRV[1]))
    out = nslib.run(nslib.nsexec(pair.ns[1]) + ["ss", "-Htln"]).stdout
    listening = sorted(l.split()[3] for l in out.splitlines() if l.strip())
    assert "%s:8080" % S.SRV[1] in listening, listening
    assert not [a for a in listening if a.endswith(":80")], listening
    r = S.http(pair.ns[1], "http://%s:8080/api/v1/status" % S.SRV[1])
    assert r["status"] == 200, r
    r = S.http(pair.ns[1], "http://127.0.0.1:8080/api/v1/status", timeout=3)
    assert r["status"] is None, r


# ---------------------------------------------------------------- the page

class _Dom(HTMLParser):
    """The parts of the dumped DOM the test reads: <body>'s and every
    <tr>'s attributes."""

    def __init__(self):
        super().__init__()
        self.body = {}
        self.rows = []

    def handle_starttag(self, tag, attrs):
        if tag == "body":
            self.body = dict(attrs)
        elif tag == "tr":
            self.rows.append(dict(attrs))


def _text_of(html, elem_id):
    """The text of the element with elem_id (one without child elements)."""
    m = re.search(r'<[a-z0-9]+ [^>]*\bid="%s"[^>]*>([^<]*)<' % re.escape(elem_id), html)
    return m.group(1).strip() if m else None


def _chromium(ns, url, workdir, extra, timeout=90):
    exe = shutil.which("chromium")
    if exe is None:
        pytest.fail("chromium is not installed (Debian package chromium)")
    prof = tempfile.mkdtemp(prefix="chromium-", dir=workdir)
    argv = nslib.nsexec(ns) + [
        "env", "HOME=" + prof, "XDG_CONFIG_HOME=" + prof, "XDG_CACHE_HOME=" + prof,
        exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
        "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
        "--user-data-dir=" + os.path.join(prof, "profile"),
        "--virtual-time-budget=5000"] + extra + [url]
    p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        # Its helpers live in the client namespace: deleting it stops them.
        nslib.stop_pid(p.pid, term_timeout=3, proc=p)
        raise AssertionError("chromium did not finish in %d s" % timeout)
    assert p.returncode == 0, "chromium exit %s:\n%s" % (p.returncode, err[-3000:])
    return out, err


def _png_size(path):
    with open(path, "rb") as f:
        head = f.read(24)
    assert head[:8] == b"\x89PNG\r\n\x1a\n" and head[12:16] == b"IHDR", head
    return struct.unpack(">II", head[16:24])


@pytest.mark.netns
def test_status_page_in_chromium(make_topo, duod, client, kit, tmp_path):
    """The page both servers serve, rendered by headless chromium in a
    client namespace, lists the leases of both (origin own and partner,
    with their states), the pool and the sync state; a screenshot of
    srv1's page is kept as an artifact."""
    pair, names = _setup(make_topo, duod, client, kit, tmp_path)
    ns = pair.topo.clients[1]
    active = set(names.values())
    art = os.environ.get("ARTIFACTS_DIR") or os.path.join(HERE, "artifacts")
    os.makedirs(art, exist_ok=True)

    for n in (1, 2):
        html, _err = _chromium(ns, pair.url(n, "/"), str(tmp_path), ["--dump-dom"])
        dom = _Dom()
        dom.feed(html)
        assert dom.body.get("data-loaded") == "1", \
            "srv%d's page never finished its first poll:\n%s" % (n, html[-3000:])
        rows = [r for r in dom.rows if "lease" in r.get("class", "").split()]
        seen = {r["data-addr"]: (r["data-origin"], r["data-state"]) for r in rows}
        want = {a: ("own" if S.owner(a) == n else "partner", "active") for a in active}
        assert {a: seen.get(a) for a in active} == want, (n, seen)
        assert {o for o, _s in seen.values()} == {"own", "partner"}, seen
        pools = [r for r in dom.rows if "pool" in r.get("class", "").split()]
        assert [r.get("data-first") for r in pools] == [S.POOL[n][0]], pools
        assert _text_of(html, "sync-state") == "ok", _text_of(html, "sync-state")
        for host in ("alpha", "bravo", "charlie"):
            assert host in html, host
        with open(os.path.join(str(tmp_path), "status-page-srv%d.html" % n), "w") as f:
            f.write(html)

    # The first screen, and a taller one that reaches the lease table.
    for name, size in (("status-page.png", (1280, 900)),
                       ("status-page-full.png", (1280, 1500))):
        tmpshot = os.path.join(str(tmp_path), name)
        _chromium(ns, pair.url(1, "/"), str(tmp_path),
                  ["--screenshot=" + tmpshot, "--window-size=%d,%d" % size,
                   "--hide-scrollbars"])
        assert _png_size(tmpshot) == size
        assert os.path.getsize(tmpshot) > 20000, "a suspiciously small screenshot"
        shutil.copyfile(tmpshot, os.path.join(art, name))
        print("status page screenshot:", os.path.join(art, name))


# ---------------------------------------------------------------- connection limits

_HOLD = r'''
import socket, sys, time
host, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
socks = []
for _ in range(n):
    s = socket.socket()
    s.settimeout(2)
    try:
        s.connect((host, port))
        socks.append(s)
    except OSError:
        pass
time.sleep(1.5)
held = 0
for s in socks:
    s.setblocking(False)
    try:
        held += s.recv(1, socket.MSG_PEEK) != b""
    except BlockingIOError:
        held += 1      # open and idle
    except OSError:
        pass
print(held, flush=True)
sys.stdin.read()       # holds them until the test closes stdin
'''


def _hold(ns, port, n):
    """Opens n idle connections to the API from ns; returns the process."""
    return subprocess.Popen(nslib.nsexec(ns) + [S.PYTHON, "-c", _HOLD, nslib.SERVER_ADDR,
                                               str(port), str(n)],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)


@pytest.mark.netns
def test_idle_connections_do_not_lock_out_the_partner(make_topo, duod):
    """Eight hosts each open 10 idle connections (the old limits, 64 in all
    and 16 per address, let four of them take every one).  Each holds at
    most 8, strangers together at most 48; the SyncServer partner and this
    host itself are still answered within the 10 s idle timeout, while a
    ninth stranger is refused."""
    port = 8067
    topo = make_topo(clients=())
    partner = topo.add_host("prt", "198.18.0.9/24")
    strangers = [topo.add_host("s%d" % i, "198.18.0.%d/24" % (100 + i)) for i in range(9)]
    duod(topo, http_port=port, extra_settings="SyncServer=198.18.0.9:%d" % port)
    url = "http://%s:%d/api/v1/status" % (nslib.SERVER_ADDR, port)
    assert S.http(partner, url)["status"] == 200
    procs = [_hold(ns, port, 10) for ns in strangers[:8]]
    try:
        held = []
        for p in procs:	# each prints within 2 s per connection + 1.5 s
            held.append(int(p.stdout.readline() or -1))
        r = S.http(partner, url, timeout=3)
        assert r["status"] == 200, ("the partner was locked out", held, r)
        r = S.http(topo.server, url, timeout=3)
        assert r["status"] == 200, ("this host was locked out", held, r)
        assert all(0 <= h <= 8 for h in held), held
        assert sum(held) == 48, held
        r = S.http(strangers[8], url, timeout=3)
        assert r["status"] is None, ("a ninth stranger got in", held, r)
    finally:
        for p in procs:
            p.stdin.close()
            nslib.stop_pid(p.pid, term_timeout=3, proc=p)
