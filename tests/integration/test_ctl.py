"""duodhcpctl, the control command: status, leases and reload against a
running daemon, found through the daemon's own dhcpsrv.ini."""

import json
import os
import subprocess

import pytest

import daemon as daemonmod
import nslib

TOKEN = "ctl-test-token"


def ctl(d, *args, env_token=None):
    env = dict(os.environ)
    env.pop("DUODHCP_TOKEN", None)
    if env_token is not None:
        env["DUODHCP_TOKEN"] = env_token
    argv = nslib.nsexec(d.ns) + [daemonmod.tool("duodhcpctl")] + list(args)
    return subprocess.run(argv, capture_output=True, text=True, timeout=30, env=env)


def config(tmp_path, token=TOKEN, pool="198.18.0.10-50"):
    return daemonmod.make_config(str(tmp_path / "leases.journal"), http_port=8067, pool=pool,
                                 extra_duodhcp="ApiToken=%s" % token if token else "")


@pytest.mark.netns
def test_ctl_status_leases_reload(make_topo, duod, kit, tmp_path):
    topo = make_topo(clients=(1, 2))
    d = duod(topo, config_text=config(tmp_path))
    acks = [kit(topo.clients[i], "dora")["ack"] for i in (1, 2)]
    addrs = sorted(a["yiaddr"] for a in acks)

    r = ctl(d, "-c", d.config, "status")
    assert r.returncode == 0, r
    assert "leases: 2 active (2 ours, 0 the partner's)" in r.stdout, r.stdout
    assert "pool 198.18.0.10-198.18.0.50 (IPBIND_1): 2 of 41 active" in r.stdout, r.stdout
    assert "sent: 2 OFFER, 2 ACK, 0 NAK" in r.stdout, r.stdout

    r = ctl(d, "-c", d.config, "leases")
    assert r.returncode == 0, r
    rows = [line.split() for line in r.stdout.splitlines()[1:]]
    assert sorted(row[0] for row in rows) == addrs, r.stdout
    assert {row[1] for row in rows} == {nslib.client_mac(1), nslib.client_mac(2)}, r.stdout
    assert all(row[2] == "active" for row in rows), r.stdout
    r = ctl(d, "-c", d.config, "leases", "expired")
    assert r.returncode == 0 and len(r.stdout.splitlines()) == 1, r

    r = ctl(d, "-c", d.config, "--json", "status")
    assert json.loads(r.stdout)["leases"]["active"] == 2, r.stdout

    # reload: a wider pool is taken; a broken file is refused and named.
    d.write_config(config(tmp_path, pool="198.18.0.10-60"))
    r = ctl(d, "-c", d.config, "reload")
    assert r.returncode == 0 and "reloaded" in r.stdout, r
    r = ctl(d, "-c", d.config, "status")
    assert "2 of 51 active" in r.stdout, r.stdout
    d.write_config(config(tmp_path).replace("LEASETIME=120", "LEASETIME=forever"))
    # Read with -c, the broken file is named before anything is asked...
    r = ctl(d, "-c", d.config, "reload")
    assert r.returncode == 2 and "duodhcpd.ini:10: [GENERAL] LEASETIME" in r.stderr, r
    # ...and a reload asked for anyway is refused by the daemon.
    r = ctl(d, "-u", "http://198.18.0.1:8067", "reload", env_token=TOKEN)
    assert r.returncode == 1 and "reload refused" in r.stderr, r
    assert "LEASETIME" in d.log(), d.log()[-2000:]
    assert d.alive()

    # A wrong token is refused.
    r = ctl(d, "-u", "http://198.18.0.1:8067", "reload", env_token="wrong")
    assert r.returncode == 1 and "HTTP 401" in r.stderr, r


@pytest.mark.netns
def test_ctl_errors(make_topo, duod, tmp_path):
    topo = make_topo(clients=())
    d = duod(topo, config_text=config(tmp_path, token=None))
    # No ApiToken: the API is read-only, reload is refused.
    r = ctl(d, "-c", d.config, "reload")
    assert r.returncode == 1 and "HTTP 40" in r.stderr, r
    r = ctl(d, "-c", d.config, "frobnicate")
    assert r.returncode == 2 and "unknown command" in r.stderr, r
    r = ctl(d, "-c", d.config, "leases", "gone")
    assert r.returncode == 2 and "unknown lease state" in r.stderr, r
    # The API off: said plainly, nothing asked.
    off = tmp_path / "off.ini"
    off.write_text(daemonmod.make_config(str(tmp_path / "other.journal")))
    r = ctl(d, "-c", str(off), "status")
    assert r.returncode == 2 and "EnableHTTP=1" in r.stderr, r
    # A bad file is named with its line, as the daemon would.
    bad = tmp_path / "bad.ini"
    bad.write_text(config(tmp_path).replace("LEASETIME=120", "LEASETIME=forever"))
    r = ctl(d, "-c", str(bad), "status")
    assert r.returncode == 2 and "bad.ini:" in r.stderr and "LEASETIME" in r.stderr, r
    # Nobody listening.
    r = ctl(d, "-u", "http://127.0.0.1:1", "status")
    assert r.returncode == 1 and "no answer" in r.stderr, r
