"""The secondary of a duodhcpd pair takes over on its own when the primary
is gone: AutoPartnerDown moves it from communications-interrupted to
partner-down after the configured delay, and only once STOS + MCLT has
passed does it hand out the primary's addresses (draft section 9.5, as ISC
dhcpd 4.4.3 does)."""

import re

import pytest

import nslib
from folib import POOL, FoPair

MCLT = 12
AUTO = 3


def _when(log, pattern):
    """The time of day (seconds) of the last log line matching pattern."""
    hits = re.findall(r"^(\d\d):(\d\d):(\d\d\.\d+) .*%s" % pattern, log, re.M)
    assert hits, "no /%s/ in the log" % pattern
    h, m, s = hits[-1]
    return int(h) * 3600 + int(m) * 60 + float(s)


@pytest.mark.netns
def test_auto_partner_down_then_the_partners_addresses(make_topo, duod, kit, tmp_path):
    topo = make_topo(clients=(1,), server=False)
    pair = FoPair(topo, duod, tmp_path)
    pair.start(1, mclt=MCLT)
    pair.start(2, fo_extra=("AutoPartnerDown=%d" % AUTO,))
    pair.wait_state(1, "normal")
    pair.wait_state(2, "normal")
    ns = topo.clients[1]
    # The pool's first address: never used, so FREE, so the primary's.
    target = POOL[0]

    pair.d[1].kill()
    pair.wait_state(2, "communications-interrupted", timeout=30)
    pair.wait_state(2, "partner-down", timeout=AUTO + 10)
    log = pair.d[2].log()
    waited = _when(log, r"-> partner-down") - _when(log, r"-> communications-interrupted")
    assert waited >= AUTO - 0.5, "partner-down %.1f s after the link loss" % waited

    # Before STOS + MCLT the primary's address is not offered, asked for or not.
    if "with the partner's addresses" not in pair.d[2].log():
        r = kit(ns, "discover", "--mac", "02:00:00:00:40:01", "--requested", target,
                timeout=2)
        assert r["reply"] is None or r["reply"]["yiaddr"] != target, r
    nslib.wait_until(lambda: "serving clients, with the partner's addresses" in
                     pair.d[2].log(), MCLT + 15, what="the partner's addresses in use")
    log = pair.d[2].log()
    after = _when(log, r"with the partner's addresses") - _when(log, r"-> partner-down")
    assert after >= MCLT - 0.5, "the partner's addresses %.1f s after partner-down" % after

    # Now it is offered, and the ACK makes it the secondary's lease.
    r = kit(ns, "dora", "--mac", "02:00:00:00:40:02", "--requested", target, timeout=4)
    assert r["ack"] and r["ack"]["type"] == "ack" and r["ack"]["yiaddr"] == target, r
    pair.d[2].wait_lease(lambda l: l["addr"] == target and l["state"] == "active",
                         timeout=10, what="%s active on the secondary" % target)
