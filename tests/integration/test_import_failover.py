"""duodhcpctl import-leases into one server of a duodhcpd failover pair:
the imported leases go to its partner as binding updates, acked, so the
partner holds each with the same client, state and end.  Importing the
same file again changes nothing on either server and sends nothing.  The
clients of imported leases renew with the server whose turn it is."""

import json
import re
import time

import pytest

import daemon as daemonmod
import folib
import nslib
from folib import FoPair
from splitlib import http

TOKEN = "fo-import-token"


def pair_config(n, journal):
    """folib's configuration of server n with an API token (the import
    endpoint needs one)."""
    text = folib.fo_config(n, journal)
    return text.replace("[DUODHCP]\n", "[DUODHCP]\nApiToken=%s\n" % TOKEN, 1)


def isc_time(t):
    return time.strftime("%w %Y/%m/%d %H:%M:%S", time.gmtime(t))


def lease_file(base, now):
    """An ISC dhcpd.leases of the pool's addresses base.. and one of the
    secondary's BACKUP stock (the top of the pool): active leases with
    and without client identifiers and hostnames, one abandoned, one
    whose end has passed.  Returns (text, want): want maps each address
    to what both servers must hold (mac, client id, state, end)."""
    # (last octet, mac, uid bytes, hostname, state, end)
    rows = [
        (base, "02:00:00:0a:00:%02x" % base, b"\x01\x02\x00\x00\x0a\x00" + bytes([base]),
         "alpha", "active", now + 3600),
        (base + 1, "02:00:00:0a:00:%02x" % (base + 1), None, "beta", "active", now + 7200),
        (base + 2, "02:00:00:0a:00:%02x" % (base + 2), b"gamma-id", None, "active",
         now + 1800),
        (base + 3, None, None, None, "abandoned", now + 86400),
        # ISC drops the client of a lease it abandons; a file edited by
        # hand, duodhcpd's own DECLINE or a JSON import may keep one.
        (base + 5, "02:00:00:0a:00:%02x" % (base + 5), b"declined", None, "abandoned",
         now + 86400),
        (base + 4, "02:00:00:0a:00:%02x" % (base + 4), None, "delta", "active", now - 600),
        (base + 200, "02:00:00:0a:00:%02x" % (base + 200), None, "eps", "active",
         now + 3000),
    ]
    out = ["# The format of this file is documented in the dhcpd.leases(5) manual page.",
           "authoring-byte-order little-endian;", ""]
    want = {}
    for octet, mac, uid, host, state, end in rows:
        start = now - 900 if end > now else end - 3600
        addr = "198.18.0.%d" % octet
        out += ["lease %s {" % addr, "  starts %s;" % isc_time(start),
                "  ends %s;" % isc_time(end), "  cltt %s;" % isc_time(start),
                "  binding state %s;" % state]
        if mac:
            out.append("  hardware ethernet %s;" % mac)
        if uid:
            out.append('  uid "%s";' % "".join("\\%03o" % b for b in uid))
        if host:
            out.append('  client-hostname "%s";' % host)
        out.append("}")
        want[addr] = {"mac": mac or "", "cid": uid.hex() if uid else "", "state": state,
                      "end": end}
    return "\n".join(out) + "\n", want


def ctl(pair, n, *args):
    """duodhcpctl -c <server n's ini> ARGS inside server n's namespace."""
    return daemonmod.ctl_in(pair.ns[n], pair.d[n].config, *args)


def updates(pair, n):
    """Server n's update counters as `duodhcpctl failover` prints them."""
    r = ctl(pair, n, "failover")
    assert r.returncode == 0, r.stdout + r.stderr
    m = re.search(r"^updates: +(\d+) queued, (\d+) unacked; (\d+) sent, (\d+) acked; "
                  r"(\d+) received, (\d+) applied, (\d+) refused$", r.stdout, re.M)
    assert m, r.stdout
    return dict(zip(("queued", "unacked", "sent", "acked", "received", "applied", "refused"),
                    map(int, m.groups())))


def settled(pair):
    """Both servers' counters once nothing is queued or unacked anywhere
    and every update one sent the other applied."""
    def quiet():
        u = {n: updates(pair, n) for n in (1, 2)}
        for n in (1, 2):
            if u[n]["queued"] or u[n]["unacked"] or u[n]["sent"] != u[n]["acked"]:
                return None
            if u[n]["sent"] != u[3 - n]["applied"]:
                return None
        return u
    return nslib.wait_until(quiet, 20, interval=0.3, what="the pair's updates acked")


# A client in RENEWING state (RFC 2131 section 4.4.5): it holds addr on
# its interface and unicasts a REQUEST with ciaddr set, no requested
# address and no server identifier, from port 68 to the server's 67; the
# answer comes back unicast to ciaddr.
RENEW_SCRIPT = r"""
import json, socket, sys
from scapy.all import BOOTP, DHCP
a = json.loads(sys.argv[1])
ch = bytes(int(x, 16) for x in a["mac"].split(":")) + bytes(10)
req = BOOTP(op=1, htype=1, hlen=6, xid=a["xid"], ciaddr=a["addr"], chaddr=ch) / DHCP(
    options=[("message-type", "request"), ("param_req_list", [1, 3, 51, 54]), "end"])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((a["addr"], 68))
s.settimeout(3)
out = None
for attempt in range(3):
    s.sendto(bytes(req), (a["server"], 67))
    try:
        while True:
            rep = BOOTP(s.recv(2048))
            if rep.xid == a["xid"]:
                break
    except socket.timeout:
        continue
    opts = dict(o for o in rep[DHCP].options if isinstance(o, tuple))
    out = {"type": opts.get("message-type"), "yiaddr": rep.yiaddr,
           "server": opts.get("server_id"), "lease": opts.get("lease_time")}
    break
print(json.dumps(out))
"""


def renew(topo, addr, mac, server, xid):
    """One RENEWING exchange of client mac holding addr with server, from
    client namespace 1; the answer (type, yiaddr, server, lease) or None."""
    ns = topo.clients[1]
    nslib.run(nslib.nsexec(ns) + ["ip", "addr", "add", addr + "/24", "dev", "eth0"])
    try:
        arg = json.dumps({"addr": addr, "mac": mac, "server": server, "xid": xid})
        res = nslib.run(nslib.nsexec(ns) + [folib.PYTHON, "-c", RENEW_SCRIPT, arg], timeout=30)
        return json.loads(res.stdout.strip().splitlines()[-1])
    finally:
        nslib.run(nslib.nsexec(ns) + ["ip", "addr", "del", addr + "/24", "dev", "eth0"])


def api_lease(pair, n, addr):
    r = http(pair.ns[n], "http://%s:8080/api/v1/leases/%s" % (folib.ADDR[n], addr))
    if r["status"] == 404:
        return None
    assert r["status"] == 200, r
    return json.loads(r["body"])


def seen(l):
    return {"mac": (l["mac"] or "").lower(), "cid": (l["client_id"] or "").replace(":", ""),
            "state": l["state"], "end": l["end"]}


def expected(w, now, partner):
    """What a lease of the file becomes in the pair.  An active lease whose
    end has passed comes in expired; once the partner acks that update,
    both servers hold it free (docs/failover.md, "Binding updates": an
    acked EXPIRED becomes FREE on the sender; the receiver stores it as
    FREE), with its client and end kept.  The end is the file's on both:
    a BNDUPD carries the lease's expiry and the partner stores it as it
    is (MCLT limits what a server grants, not what it is told).  An
    ABANDONED update names no client (draft and ISC: the partner refuses
    one), so the partner holds an abandoned lease without its client."""
    e = dict(w)
    if partner and e["state"] == "abandoned":
        e["mac"] = e["cid"] = ""
    if e["state"] == "active" and e["end"] <= now:
        e["state"] = "free"
    return e


def check_both(pair, want, now, importer):
    for addr, w in sorted(want.items()):
        for n in (1, 2):
            exp = expected(w, now, n != importer)
            l = api_lease(pair, n, addr)
            assert l is not None, "%s not on fo%d" % (addr, n)
            assert seen(l) == exp, "%s on fo%d: %s, want %s" % (addr, n, seen(l), exp)
            # Both hold it as theirs (the pair shares its pool; "partner"
            # is the [SYNC] feed's) and nothing waits for an ack.
            assert l["origin"] == "own" and not l.get("pending_state"), l


def import_and_check(pair, n, path, want):
    """Imports path online into server n; the partner gets every lease."""
    before = settled(pair)
    r = ctl(pair, n, "import-leases", str(path))
    assert r.returncode == 0, r.stdout + r.stderr
    s = daemonmod.import_summary(r.stdout)
    # The top address is a BACKUP record of pool balancing on both
    # servers: it is updated, the others are new.
    assert (s["read"], s["imported"], s["updated"], s["skipped"]) == \
        (len(want), len(want), 1, 0), r.stdout
    after = settled(pair)
    # One BNDUPD per imported lease, each acked and applied.
    assert after[n]["sent"] - before[n]["sent"] == len(want), (before, after)
    assert after[3 - n]["applied"] - before[3 - n]["applied"] == len(want), (before, after)
    assert after[3 - n]["refused"] == before[3 - n]["refused"], (before, after)
    check_both(pair, want, int(time.time()), n)
    return after


@pytest.mark.netns
def test_import_reaches_partner(make_topo, duod, tmp_path):
    topo = make_topo(clients=(1,), server=False)
    pair = FoPair(topo, duod, tmp_path)
    for n in (1, 2):
        pair.d[n] = duod(topo, config_text=pair_config(n, pair.journal(n)), ns=pair.ns[n])
    pair.wait_state(1, "normal")
    pair.wait_state(2, "normal")
    now = int(time.time())

    # Into the primary: the low addresses (never used) and one of the
    # secondary's BACKUP stock.
    text1, want1 = lease_file(20, now)
    f1 = tmp_path / "into-primary.leases"
    f1.write_text(text1)
    import_and_check(pair, 1, f1, want1)

    # Into the secondary.
    text2, want2 = lease_file(30, now)
    f2 = tmp_path / "into-secondary.leases"
    f2.write_text(text2)
    import_and_check(pair, 2, f2, want2)

    # Again, into both: nothing changes, nothing is sent.
    before = settled(pair)
    for n, f, want in ((1, f1, want1), (2, f2, want2)):
        r = ctl(pair, n, "import-leases", str(f))
        assert r.returncode == 0, r.stdout + r.stderr
        assert daemonmod.import_summary(r.stdout)["unchanged"] == len(want), r.stdout
    time.sleep(1)
    after = settled(pair)
    assert after == before, (before, after)
    check_both(pair, want1, int(time.time()), 1)
    check_both(pair, want2, int(time.time()), 2)

    # Clients of the imported leases renew with the server whose RFC 3074
    # bucket they are in (their chaddr's: these have no client id); it
    # ACKs their address, and the renewal reaches the partner.
    both = dict(want1, **want2)
    todo = {}
    for addr, w in sorted(both.items()):
        if w["state"] == "active" and w["end"] > now + 600 and not w["cid"]:
            n = 1 if folib.primary_bucket(folib.bucket(w["mac"])) else 2
            todo.setdefault(n, (addr, w))
    assert sorted(todo) == [1, 2], todo
    for n, (addr, w) in sorted(todo.items()):
        ack = renew(topo, addr, w["mac"], folib.ADDR[n], 0x1000 + n)
        assert ack and ack["type"] == 5, (n, addr, ack)
        assert (ack["yiaddr"], ack["server"]) == (addr, folib.ADDR[n]), ack
        # The file had no potential expiry (tstp), so the partner acked
        # none: the renewal is granted MCLT, as to a client new to the
        # pair (docs/failover.md, "Policy"); the next gets the whole lease.
        assert ack["lease"] == 60, ack
        t = int(time.time())
        def renewed(m):
            l = api_lease(pair, m, addr)
            return l if l["state"] == "active" and l["end"] != w["end"] else None
        for m in (n, 3 - n):
            l = nslib.wait_until(lambda: renewed(m), 10, interval=0.3,
                                 what="%s renewed on fo%d" % (addr, m))
            assert abs(l["end"] - (t + ack["lease"])) <= 2, (l, ack, t)
    settled(pair)
