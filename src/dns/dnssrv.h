/* The built-in DNS server's sockets: UDP and TCP on port 53 of the bind
 * addresses, an access list of the networks we serve, and a relay to the
 * configured upstream resolvers.  It keeps its own epoll set; the daemon
 * watches dnssrv_fd() and calls dnssrv_run() when it is readable. */
#ifndef DUODHCP_DNSSRV_H
#define DUODHCP_DNSSRV_H

#include <stddef.h>
#include <stdint.h>
#include "dns/dns.h"
#include "common/loop.h"

struct dnssrv;

struct dnssrv_conf {
	const uint32_t *binds;		/* addresses to listen on; none = any */
	size_t nbinds;
	uint16_t port;			/* 53 */
	const struct dns_net *allow;	/* clients we answer (plus loopback) */
	size_t nallow;
	const uint32_t *upstream;	/* resolvers for other names */
	size_t nupstream;
	uint16_t upstream_port;		/* 0: 53 */
	uint32_t forward_timeout_ms;
};

struct dnssrv_stats {
	uint64_t queries, answered, forwarded, refused, not_allowed, malformed;
	uint64_t upstream_timeouts, tcp_connections;
	uint64_t tcp_waits;		/* replies that waited for a slow reader */
	uint64_t tcp_dropped;		/* connections closed for not reading */
	uint64_t tcp_busy;		/* refused: no slot, or its address holds 4 */
};

/* get_zone is called once per query for the current view of the leases. */
struct dnssrv *dnssrv_start(const struct dnssrv_conf *c,
			    const struct dns_zone *(*get_zone)(void *arg), void *arg,
			    char *err, size_t errlen);
int dnssrv_fd(const struct dnssrv *d);
/* Handles whatever is ready and expires forwarded queries. */
void dnssrv_run(struct dnssrv *d);
/* Milliseconds until the next forwarding deadline, or -1. */
int dnssrv_timeout_ms(const struct dnssrv *d);
const struct dnssrv_stats *dnssrv_stats(const struct dnssrv *d);
/* Registers with the loop: its sockets and its own deadlines (forwarded
 * queries, idle TCP connections).  dnssrv_stop() leaves the loop. */
int dnssrv_attach(struct dnssrv *d, struct loop *l);
void dnssrv_stop(struct dnssrv *d);
/* A reload: the networks answered and the upstream resolvers replaced
 * (the sockets stay).  Queries relayed to a resolver no longer listed
 * time out.  0, or -1 (out of memory, no upstream socket) with the old
 * lists kept. */
int dnssrv_reconfigure(struct dnssrv *d, const struct dns_net *allow, size_t nallow,
		       const uint32_t *upstream, size_t nupstream);

#endif
