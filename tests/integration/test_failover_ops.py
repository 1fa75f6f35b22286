"""Failover in the operator's tools: a duodhcpd pair in network namespaces
(folib's topology) seen through `duodhcpctl failover`, /metrics, the
status page and systemd's STATUS= line; `duodhcpctl partner-down` refused
while the link is up, taken once the primary is killed, and the API's
partner-down refused without the token."""

import json
import os
import re
import subprocess
import time

import pytest

import daemon as daemonmod
import nslib
from folib import ADDR, NAME, FoPair, fo_config, states
from splitlib import http, metric, parse_metrics
from test_http import _chromium, _text_of
from test_systemd import NotifySocket

TOKEN = "fo-ops-token"
STATES = ["startup", "normal", "communications-interrupted", "partner-down",
          "potential-conflict", "recover", "paused", "shutdown", "recover-done",
          "resolution-interrupted", "conflict-done", "recover-wait"]


def start(pair, n, wrap=None, **kw):
    """folib's server n with an ApiToken (and a wrap for sd_notify)."""
    text = fo_config(n, pair.journal(n), **kw).replace("[DUODHCP]\n",
                                                       "[DUODHCP]\nApiToken=%s\n" % TOKEN)
    d = pair._duod(pair.topo, config_text=text, ns=pair.ns[n], wrap=wrap)
    pair.d[n] = d
    return d


def ctl(pair, n, *args, env_token=None):
    env = dict(os.environ)
    env.pop("DUODHCP_TOKEN", None)
    if env_token is not None:
        env["DUODHCP_TOKEN"] = env_token
    argv = nslib.nsexec(pair.ns[n]) + [daemonmod.tool("duodhcpctl")] + list(args)
    return subprocess.run(argv, capture_output=True, text=True, timeout=30, env=env)


def metrics(pair, n):
    r = http(pair.ns[n], "http://%s:8080/metrics" % ADDR[n])
    assert r["status"] == 200, r
    return parse_metrics(r["body"])


def fo_metric(m, name):
    return metric(m, name, relationship=NAME)


def state_gauges(m, side):
    """{state: value} of duodhcp_failover_state for one side."""
    return {s: metric(m, "duodhcp_failover_state", relationship=NAME, side=side, state=s)
            for s in STATES}


def check_metrics(m, ours, partner, link_up, mclt=60):
    local = state_gauges(m, "local")
    assert local == {s: float(s == ours) for s in STATES}, local
    if partner is not None:
        peer = state_gauges(m, "partner")
        assert peer == {s: float(s == partner) for s in STATES}, peer
    assert fo_metric(m, "duodhcp_failover_link_up") == float(link_up)
    assert fo_metric(m, "duodhcp_failover_mclt_seconds") == float(mclt)
    for name in ("updates_queued", "updates_in_flight", "updates_sent_total",
                 "updates_acked_total", "updates_received_total", "updates_refused_total",
                 "clock_skew_seconds", "messages_received_total", "messages_sent_total",
                 "malformed_total"):
        assert fo_metric(m, "duodhcp_failover_" + name) is not None, name
    assert fo_metric(m, "duodhcp_failover_messages_received_total") > 0
    # Both run on this machine's clock.
    assert abs(fo_metric(m, "duodhcp_failover_clock_skew_seconds")) <= 1
    assert abs(fo_metric(m, "duodhcp_failover_clock_skew_max_seconds")) <= 1
    assert fo_metric(m, "duodhcp_failover_malformed_total") == 0
    last = fo_metric(m, "duodhcp_failover_last_contact_timestamp_seconds")
    assert 0 < time.time() - last < 60, last


def status_lines(notify):
    return [f["STATUS"] for _t, f in notify.messages() if "STATUS" in f]


@pytest.mark.netns
def test_pair_in_ctl_metrics_page_and_status_line(make_topo, duod, tmp_path):
    topo = make_topo(clients=(1,), server=False)
    pair = FoPair(topo, duod, tmp_path)
    notify = NotifySocket()
    notify.start()
    try:
        start(pair, 1)
        start(pair, 2, wrap=notify.wrap())
        pair.wait_state(1, "normal")
        pair.wait_state(2, "normal")

        # duodhcpctl failover: both states, the link, the queues, the skew.
        for n, role in ((1, "primary"), (2, "secondary")):
            r = ctl(pair, n, "-c", pair.d[n].config, "failover")
            assert r.returncode == 0, r
            out = r.stdout
            assert "relationship %s: %s, MCLT 60 s" % (NAME, role) in out, out
            assert "\nstate:     normal since " in out, out
            assert "\npartner:   normal since " in out, out
            assert "\nlink:      up since " in out, out
            assert "\nlast contact: 20" in out, out
            assert "\nupdates:   0 queued, 0 unacked;" in out, out
            assert "\nclock skew: " in out, out
            r = ctl(pair, n, "-c", pair.d[n].config, "status")
            assert r.returncode == 0, r
            assert "failover %s (%s): normal, partner normal, link up" % (NAME, role) \
                in r.stdout, r.stdout
            r = ctl(pair, n, "-c", pair.d[n].config, "--json", "failover")
            assert json.loads(r.stdout)["failover"]["state"] == "normal", r.stdout

        # /metrics: the states one-hot, the link, the queues and counters.
        for n in (1, 2):
            check_metrics(metrics(pair, n), "normal", "normal", True)

        # The status page shows the pair (rendered by headless chromium).
        for n in (1, 2):
            html, _err = _chromium(pair.ns[n], "http://%s:8080/" % ADDR[n],
                                   str(tmp_path), ["--dump-dom"])
            assert 'data-loaded="1"' in html, html[-3000:]
            assert 'id="failover"' in html and 'data-state="normal"' in html, html[-5000:]
            assert 'data-peer-state="normal"' in html and 'data-link="up"' in html
            assert _text_of(html, "fo-name") == NAME
            assert _text_of(html, "fo-state") == "normal"
            assert _text_of(html, "fo-peer-state") == "normal"
            assert _text_of(html, "fo-role") == ("primary" if n == 1 else "secondary")
            assert _text_of(html, "fo-mclt") == "60 s"
            with open(str(tmp_path / ("status-page-fo%d.html" % n)), "w") as f:
                f.write(html)

        # systemd's status line names both states (refreshed every 5 s).
        nslib.wait_until(lambda: any(s.endswith("; failover normal (partner normal)")
                                     for s in status_lines(notify)), 15,
                         what="STATUS= with the failover state: %s" % status_lines(notify)[-3:])

        # partner-down while the link is up: refused, with the reason.
        r = ctl(pair, 2, "-c", pair.d[2].config, "partner-down")
        assert r.returncode == 1, r
        assert "HTTP 409" in r.stderr and "the link to the partner is up" in r.stderr, r
        assert pair.status(2)["state"] == "normal"

        # The primary dies: the secondary goes to communications-interrupted.
        pair.d[1].kill()
        pair.wait_state(2, "communications-interrupted", timeout=30)
        # The status line follows each state change at once, not at the
        # next 5 s refresh.
        nslib.wait_until(lambda: any("; failover communications-interrupted (" in s
                                     for s in status_lines(notify)), 2,
                         what="STATUS= in communications-interrupted: %s"
                         % status_lines(notify)[-3:])
        m = metrics(pair, 2)
        check_metrics(m, "communications-interrupted", None, False)

        # The API without the token, or with a wrong one, is refused.
        url = "http://%s:8080/api/v1/failover/partner-down" % ADDR[2]
        r = http(pair.ns[2], url, method="POST", data="")
        assert r["status"] == 401, r
        r = http(pair.ns[2], url, method="POST", data="",
                 headers={"Authorization": "Bearer wrong"})
        assert r["status"] == 401, r
        r = ctl(pair, 2, "-u", "http://%s:8080" % ADDR[2], "partner-down")
        assert r.returncode == 1 and "HTTP 401" in r.stderr, r
        assert pair.status(2)["state"] == "communications-interrupted"

        # With the token: partner-down, and everything says so.
        r = ctl(pair, 2, "-c", pair.d[2].config, "partner-down")
        assert r.returncode == 0, r
        assert r.stdout.startswith("now in partner-down since "), r.stdout
        assert "the partner's free addresses are used from " in r.stdout, r.stdout
        pair.wait_state(2, "partner-down", timeout=5)
        assert states(pair.d[2].log())[-2:] == ["communications-interrupted",
                                                "partner-down"]
        assert "partner-down declared by the operator" in pair.d[2].log()
        st = pair.status(2)
        assert st["state"] == "partner-down" and st["link"] != "up", st
        assert st["serving"] is True, st
        check_metrics(metrics(pair, 2), "partner-down", None, False)
        r = ctl(pair, 2, "-c", pair.d[2].config, "failover")
        assert r.returncode == 0 and "\nstate:     partner-down since " in r.stdout, r
        assert "\nlink:      up" not in r.stdout, r.stdout
        # Asked again: already there, not an error.
        r = ctl(pair, 2, "-u", "http://%s:8080" % ADDR[2], "partner-down", env_token=TOKEN)
        assert r.returncode == 0 and r.stdout.startswith("already in partner-down"), r
        nslib.wait_until(lambda: any(re.search(r"; failover partner-down \(partner \S+, "
                                               r"link (down|connecting)\)$", s)
                                     for s in status_lines(notify)),
                         15, what="STATUS= in partner-down: %s" % status_lines(notify)[-3:])
    finally:
        notify.close()


@pytest.mark.netns
def test_auto_partner_down_and_partner_addresses_after_stos_plus_mclt(make_topo, duod,
                                                                      tmp_path):
    """AutoPartnerDown=2 on the secondary: after the primary is killed it
    goes from communications-interrupted to partner-down by itself after
    2 s, and uses the partner's free addresses only from STOS + MCLT (5 s
    here), which the API and /metrics show."""
    topo = make_topo(clients=(1,), server=False)
    pair = FoPair(topo, duod, tmp_path)
    start(pair, 1, mclt=5)
    start(pair, 2, fo_extra=("AutoPartnerDown=2",))
    pair.wait_state(1, "normal")
    pair.wait_state(2, "normal")
    st = pair.status(2)
    assert st["auto_partner_down"] == 2 and st["mclt"] == 5, st
    # The primary's is off (the default): it says 0.
    assert pair.status(1)["auto_partner_down"] == 0

    pair.d[1].kill()
    pair.wait_state(2, "communications-interrupted", timeout=30)
    ci = time.time()
    pair.wait_state(2, "partner-down", timeout=10)
    assert time.time() - ci >= 1.0, "partner-down before AutoPartnerDown passed"
    assert states(pair.d[2].log())[-2:] == ["communications-interrupted", "partner-down"]
    st = pair.status(2)
    assert st["state"] == "partner-down" and st["serving"], st
    stos = st["stos"]
    # Before STOS + MCLT: not the partner's addresses yet.
    if time.time() < stos + 4:
        assert st["partner_addresses"] is False, st
    nslib.wait_until(lambda: pair.status(2)["partner_addresses"], 15,
                     what="the partner's addresses in use after STOS + MCLT")
    assert time.time() >= stos + 5 - 1, (time.time(), stos)
    m = metrics(pair, 2)
    check_metrics(m, "partner-down", None, False, mclt=5)
    assert fo_metric(m, "duodhcp_failover_state_start_timestamp_seconds") == float(stos)
    # The operator's partner-down now: already there.
    r = ctl(pair, 2, "-c", pair.d[2].config, "partner-down")
    assert r.returncode == 0 and r.stdout.startswith("already in partner-down"), r
    r = ctl(pair, 2, "-c", pair.d[2].config, "failover")
    assert "\nserving:   yes, with the partner's free addresses\n" in r.stdout, r.stdout
