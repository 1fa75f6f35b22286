"""duodhcpd -t: config validation, no network needed."""

import os
import re
import subprocess
import time

import pytest

from daemon import REPO, binary

SEED = "000_5496f3fb1a969552.txt"
INI_LINE = re.compile(r"^\s*(\[[^\]]+\]|[A-Za-z0-9_]+\s*=.*|[;#].*)\s*$")


def seed_path():
    for base in (os.environ.get("DUODHCP_SEEDS"),
                 os.path.join(REPO, "..", "shared", "seeds"),
                 "/work/shared/seeds"):
        if base and os.path.exists(os.path.join(base, SEED)):
            return os.path.join(base, SEED)
    pytest.fail("seed %s not found in ../shared/seeds" % SEED)


def seed_configs():
    """The INI blocks that follow each "Configuration of server N:" line:
    the split-scope pair, then the SyncServer pair."""
    text = open(seed_path(), encoding="utf-8").read()
    blocks, cur = [], None
    for line in text.splitlines():
        if line.startswith("Configuration of server"):
            cur = []
            blocks.append(cur)
            continue
        if cur is None:
            continue
        if not line.strip():
            if cur and cur[-1] != "":
                cur.append("")
            continue
        if INI_LINE.match(line):
            cur.append(line)
        else:
            cur = None
    return ["\n".join(b).strip() + "\n" for b in blocks]


def run_t(path, timeout=30):
    exe = binary()
    assert os.access(exe, os.X_OK), "daemon binary %s is missing" % exe
    return subprocess.run([exe, "-t", "-c", str(path)], capture_output=True,
                          text=True, timeout=timeout, stdin=subprocess.DEVNULL)


def test_seed_has_two_server_configs():
    cfgs = seed_configs()
    assert len(cfgs) == 4, cfgs
    assert "IPPOOL_1=10.0.0.2-200" in cfgs[0] and "IPPOOL_1=10.0.1.2-200" in cfgs[1]


@pytest.mark.parametrize("n,label", [(0, "server1"), (1, "server2"),
                                     (2, "sync-server1"), (3, "sync-server2")])
def test_seed_config_valid(tmp_path, n, label):
    path = tmp_path / ("seed-%s.ini" % label)
    path.write_text(seed_configs()[n])
    res = run_t(path)
    assert res.returncode == 0, "exit %d\nstdout:\n%s\nstderr:\n%s" % (
        res.returncode, res.stdout, res.stderr)
    assert res.stdout.strip(), "-t printed no effective config"


def _canon(text):
    return [l.strip() for l in text.splitlines()
            if l.strip() and not l.lstrip().startswith((";", "#"))]


@pytest.mark.parametrize("n", [0, 1])
def test_printed_config_round_trips(tmp_path, n):
    """-t prints the effective config as an INI file that -t accepts and
    that prints the same again."""
    first = tmp_path / "seed.ini"
    first.write_text(seed_configs()[n])
    out1 = run_t(first)
    assert out1.returncode == 0, out1.stderr
    second = tmp_path / "printed.ini"
    second.write_text(out1.stdout)
    out2 = run_t(second)
    assert out2.returncode == 0, "printed config rejected:\n%s\n%s" % (
        out1.stdout, out2.stderr)
    assert _canon(out2.stdout) == _canon(out1.stdout)


BAD = """\
[Settings]
IPPOOL_1=198.18.0.10-50
IPBIND_1=198.18.0.1
IPPOOL_2=198.18.1.300-20
[GENERAL]
LEASETIME=soon
SUBNETMASK=255.255.255.0
"""


def test_bad_config_names_file_line_key(tmp_path):
    path = tmp_path / "bad.ini"
    path.write_text(BAD)
    res = run_t(path)
    out = res.stdout + res.stderr
    assert res.returncode != 0, "bad config accepted:\n" + out
    assert "%s:4" % path in out and "IPPOOL_2" in out, out
    # Every error is reported, not only the first.
    assert "%s:6" % path in out and "LEASETIME" in out, out


def test_missing_config_file_fails(tmp_path):
    res = run_t(tmp_path / "nope.ini")
    assert res.returncode != 0
    assert "nope.ini" in res.stdout + res.stderr


def test_bad_ip_in_reservation(tmp_path):
    path = tmp_path / "bad-host.ini"
    path.write_text("[Settings]\nIPPOOL_1=198.18.0.10-50\nIPBIND_1=198.18.0.1\n"
                    "[GENERAL]\nSUBNETMASK=255.255.255.0\n"
                    "[02-00-00-00-00-05]\nIPADDR=198.18.0.999\n")
    res = run_t(path)
    out = res.stdout + res.stderr
    assert res.returncode != 0, out
    assert "%s:7" % path in out and "IPADDR" in out, out


EXAMPLES = os.path.join(REPO, "examples", "failover")


@pytest.mark.parametrize("name", ["primary.ini", "secondary.ini"])
def test_failover_example_valid(name):
    r = run_t(os.path.join(EXAMPLES, name))
    assert r.returncode == 0, r.stdout + r.stderr


def test_shared_network_example_valid():
    """examples/shared-network loads without a warning and -t keeps its
    shared networks."""
    r = run_t(os.path.join(REPO, "examples", "shared-network", "dhcpsrv.ini"))
    assert r.returncode == 0 and "warning" not in r.stderr, r.stdout + r.stderr
    assert r.stdout.count("SharedNetwork=office") == 2, r.stdout
    assert r.stdout.count("SharedNetwork=lab") == 2, r.stdout


def test_failover_example_pair_agrees():
    r = subprocess.run([binary(), "-t", "-c", os.path.join(EXAMPLES, "primary.ini"),
                        "--peer-config", os.path.join(EXAMPLES, "secondary.ini")],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stdout + r.stderr


def test_failover_pool_on_one_side_only(tmp_path):
    """The secondary without the relayed subnet: the pair check names the
    range that is in failover on one side only."""
    text = open(os.path.join(EXAMPLES, "secondary.ini"), encoding="utf-8").read()
    m = re.search(r"^\[SUBNET:(198\.19\.4\.0/24)\]$", text, re.M)
    assert m, "the example has a relayed subnet"
    cut = text[:m.start()] + re.sub(r"^\[SUBNET:198\.19\.4\.0/24\](.|\n)*?(?=^\[|\Z)", "",
                                    text[m.start():], count=1, flags=re.M)
    cut = re.sub(r"^Pools=.*$", "Pools=all", cut, flags=re.M)
    sec = tmp_path / "secondary.ini"
    sec.write_text(cut)
    r = subprocess.run([binary(), "-t", "-c", os.path.join(EXAMPLES, "primary.ini"),
                        "--peer-config", str(sec)], capture_output=True, text=True, timeout=30)
    assert r.returncode == 1
    assert "198.19.4." in r.stdout + r.stderr


def test_failover_config_starts_alone_without_serving(tmp_path):
    """[FAILOVER] is served now: alone (in a network namespace of its own
    with no interface, unshare -n, so nothing can leave it) the primary
    starts, waits in startup for its partner, serves no client meanwhile,
    and stops cleanly on SIGTERM (test_failover.py runs a real pair)."""
    if subprocess.run(["unshare", "-n", "true"], capture_output=True).returncode != 0:
        pytest.skip("needs unshare -n (root)")
    text = open(os.path.join(EXAMPLES, "primary.ini"), encoding="utf-8").read()
    text = re.sub(r"^Journal=.*$", "Journal=%s" % (tmp_path / "leases"), text, flags=re.M)
    ini = tmp_path / "primary.ini"
    ini.write_text(text)
    log = tmp_path / "log"
    with open(log, "w") as f:
        p = subprocess.Popen(["unshare", "-n", binary(), "-f", "-c", str(ini)],
                             stdin=subprocess.DEVNULL, stdout=f, stderr=f)
    try:
        deadline = time.monotonic() + 10
        while "failover: state unknown -> startup" not in log.read_text():
            assert p.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)
    finally:
        p.terminate()
        rc = p.wait(timeout=10)
    out = log.read_text()
    assert rc == 0, out
    assert "relationship dhcp-pair as primary" in out, out
    assert "serving clients" not in out, out
    assert (tmp_path / "leases").exists()
