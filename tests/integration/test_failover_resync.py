"""A duodhcpd failover pair losing its stores: one side restarted with an
empty journal pulls every lease back with UPDREQALL, waits out the MCLT
(it cannot know what it granted) while its partner keeps serving, and both
return to normal; both restarted empty reach normal at once."""

import os
import time

import pytest

import nslib
from folib import ADDR, FoPair, state, states

MCLT = 20


def _moves_since_restart(d):
    """The state moves logged by the daemon's last run."""
    log = d.log()
    cut = max(log.rfind("=== killed"), log.rfind("=== stopped"))
    return states(log[cut:] if cut >= 0 else log)


def _leases_on_both(pair, addrs):
    for n in (1, 2):
        for a in addrs:
            pair.d[n].wait_lease(lambda l, a=a: l["addr"] == a and l["state"] == "active",
                                 timeout=15, what="%s active on fo%d" % (a, n))


def _pair_with_leases(make_topo, duod, client, tmp_path, nclients):
    topo = make_topo(clients=tuple(range(1, nclients + 2)), server=False)
    pair = FoPair(topo, duod, tmp_path)
    pair.start(1, mclt=MCLT)
    pair.start(2)
    pair.wait_state(1, "normal")
    pair.wait_state(2, "normal")
    cs = [client("dhclient", topo, i) for i in range(1, nclients + 1)]
    addrs = [c.obtain(timeout=40)["env"]["new_ip_address"] for c in cs]
    assert len(set(addrs)) == nclients, addrs
    _leases_on_both(pair, addrs)
    # A client new to the pair gets at most MCLT; once the partner has
    # acknowledged its binding, asking again gets the whole lease, which
    # outlasts the rest of the test (else it could expire during a wait).
    for c, a in zip(cs, addrs):
        ev = c.renew(timeout=40)
        assert ev["env"]["new_ip_address"] == a, ev
        assert int(ev["env"]["new_dhcp_lease_time"]) > MCLT, ev["env"]
    return topo, pair, addrs


@pytest.mark.netns
@pytest.mark.parametrize("wiped", [2, 1], ids=["secondary", "primary"])
def test_one_side_loses_its_journal(make_topo, duod, client, tmp_path, wiped):
    topo, pair, addrs = _pair_with_leases(make_topo, duod, client, tmp_path, 2)
    survivor = 3 - wiped
    pair.d[wiped].kill()
    os.unlink(pair.journal(wiped))
    pair.wait_state(survivor, "communications-interrupted", timeout=30)

    t0 = time.monotonic()
    pair.d[wiped].start()
    # Amnesic: recover (UPDREQALL), then recover-wait until STOS + MCLT.
    nslib.wait_until(lambda: "recover-wait" in _moves_since_restart(pair.d[wiped]), 15,
                     what="fo%d in recover-wait (%s)" % (wiped,
                                                         _moves_since_restart(pair.d[wiped])))
    # Every lease came back before the wait began.
    for a in addrs:
        l = pair.d[wiped].lease(a)
        assert l is not None and l["state"] == "active", (a, l)
    # The survivor serves a new client meanwhile.
    ev = client("dhclient", topo, 3).obtain(timeout=40)
    new = ev["env"]["new_ip_address"]
    assert new not in addrs, ev
    assert ev["env"].get("new_dhcp_server_identifier") == ADDR[survivor], ev
    assert state(pair.d[wiped].log()) in ("recover", "recover-wait"), \
        _moves_since_restart(pair.d[wiped])

    pair.wait_state(wiped, "normal", timeout=MCLT + 30)
    pair.wait_state(survivor, "normal", timeout=15)
    waited = time.monotonic() - t0
    assert waited >= MCLT - 2, "normal after %.1f s, before the MCLT (%d s)" % (waited, MCLT)
    moves = _moves_since_restart(pair.d[wiped])
    assert moves[:2] == ["startup", "recover"] and "recover-wait" in moves, moves
    # The lease granted while the wiped side waited reaches it too.
    _leases_on_both(pair, addrs + [new])


@pytest.mark.netns
def test_both_lose_their_journals(make_topo, duod, client, tmp_path):
    """Both restarted empty: neither can have granted anything the other
    does not know, so both reach normal at once, with no MCLT wait (ISC
    4.4.3 does the same)."""
    topo, pair, addrs = _pair_with_leases(make_topo, duod, client, tmp_path, 1)
    for n in (1, 2):
        assert pair.d[n].stop() == 0
        os.unlink(pair.journal(n))
    t0 = time.monotonic()
    for n in (1, 2):
        pair.d[n].start()
    for n in (1, 2):
        pair.wait_state(n, "normal", timeout=30)
    assert time.monotonic() - t0 < MCLT, "both normal only after the MCLT"
    for n in (1, 2):
        moves = _moves_since_restart(pair.d[n])
        assert "recover-wait" not in moves, moves
    # And they serve: a client asks again and gets a lease.
    ev = client("dhclient", topo, 2).obtain(timeout=40)
    _leases_on_both(pair, [ev["env"]["new_ip_address"]])
