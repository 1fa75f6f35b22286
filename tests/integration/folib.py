"""A duodhcpd failover pair (and ISC dhcpd as a partner) in namespaces.

Topology (fo_pair(make_topo, duod, tmp_path)):

    switch ns: br0 ─┬─ fo1 ns  eth0 198.18.0.2/24  primary
                    ├─ fo2 ns  eth0 198.18.0.3/24  secondary
                    └─ client ns c<N>

The relationship runs over TCP 647 between 198.18.0.2 and 198.18.0.3;
the shared pool is 198.18.0.10-198.18.0.250 (examples/failover without
the relayed subnet).
"""

import json
import re

import nslib

ADDR = {1: "198.18.0.2", 2: "198.18.0.3"}
MAC = {1: "02:00:00:00:01:11", 2: "02:00:00:00:01:12"}
ROLE = {1: "primary", 2: "secondary"}
NAME = "dhcp-pair"
POOL = ("198.18.0.10", "198.18.0.250")


def fo_config(n, journal, mclt=60, lease_time=600, fo_extra=()):
    """Server n's (1 primary, 2 secondary) configuration."""
    text = """[Settings]
IPBIND_1=%(me)s
IPPOOL_1=%(lo)s-%(hi)s
AssociateBindsToPools=1

[GENERAL]
LEASETIME=%(lt)d
SUBNETMASK=255.255.255.0
ROUTER_0=198.18.0.1

[HTTP-SETTINGS]
EnableHTTP=1
BindAddress=%(me)s
Port=8080

[DUODHCP]
Journal=%(journal)s

[FAILOVER]
Role=%(role)s
Address=%(me)s
PeerAddress=%(peer)s
Name=%(name)s
MaxResponseDelay=10
MaxUnackedUpdates=10
LoadBalanceMaxSeconds=3
Pools=198.18.0.0/24
""" % {"me": ADDR[n], "peer": ADDR[3 - n], "lo": POOL[0], "hi": POOL[1], "lt": lease_time,
       "journal": journal, "role": ROLE[n], "name": NAME}
    if n == 1:
        text += "MCLT=%d\nSplit=128\n" % mclt
    for line in fo_extra:
        text += line + "\n"
    return text


def states(log):
    """The failover state moves the daemon logged, in order."""
    return re.findall(r"failover: state \S+ -> (\S+)", log)


def state(log):
    s = states(log)
    return s[-1] if s else None


class FoPair:
    def __init__(self, topo, duod, tmp_path):
        self.topo = topo
        self._duod = duod
        self.tmp = tmp_path
        self.ns = {n: topo.add_host("fo%d" % n, ADDR[n] + "/24", mac=MAC[n]) for n in (1, 2)}
        topo.wait_links()
        self.d = {}

    def journal(self, n):
        return str(self.tmp / ("journal-fo%d" % n))

    def start(self, n, **kw):
        d = self._duod(self.topo, config_text=fo_config(n, self.journal(n), **kw),
                       ns=self.ns[n])
        self.d[n] = d
        return d

    def status(self, n):
        """The failover part of server n's /api/v1/status (asked inside its
        namespace)."""
        from splitlib import http
        r = http(self.ns[n], "http://%s:8080/api/v1/status" % ADDR[n])
        assert r["status"] == 200, r
        return json.loads(r["body"])["failover"]

    def wait_state(self, n, want, timeout=30):
        return nslib.wait_until(lambda: state(self.d[n].log()) == want, timeout,
                                what="fo%d in %s (log: %s)" % (n, want,
                                                               states(self.d[n].log())))
