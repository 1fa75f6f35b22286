/* What a SyncServer partner may hold in our lease table.
 *
 * A split-scope partner shares a subnet with us and leases from its own
 * ranges there, so the only addresses it can own are those of one of our
 * subnets that are outside every range of ours, not a reservation's, not
 * one of our own addresses (IPBIND_n, the interfaces', routers, DNS and
 * other servers we hand out) and not the subnet's network or broadcast
 * address.  Anything else a partner's feed claims is refused, whoever
 * answers on its address.  The scope is built from a configuration (and
 * the host's addresses) once, then each check is a few binary searches. */
#ifndef DUODHCP_PARTNER_H
#define DUODHCP_PARTNER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "conf/config.h"
#include "core/lease.h"

enum partner_why {
	PARTNER_OK,
	PARTNER_OFF_LINK,	/* in none of our subnets */
	PARTNER_EDGE,		/* a subnet's network or broadcast address */
	PARTNER_OUR_POOL,	/* inside one of our ranges */
	PARTNER_RESERVED,	/* a reservation's address (IPADDR=) */
	PARTNER_OUR_ADDRESS,	/* one of our own addresses or servers */
	PARTNER_OUR_LEASE,	/* we hold it: active, abandoned or backup */
	PARTNER_LIMIT,		/* SyncMaxLeases active partner leases already */
	PARTNER_REASONS
};

/* "off_link", "network_or_broadcast", "our_pool", "reserved",
 * "our_address", "our_lease", "limit"; "" for PARTNER_OK. */
const char *partner_why_name(enum partner_why w);

struct partner_scope {
	size_t nnets, nranges, nfixed, nown;
	uint32_t *nets;		/* net, mask pairs */
	uint32_t *ranges;	/* first, last pairs, sorted */
	uint32_t *fixed;	/* reservations, sorted */
	uint32_t *own;		/* our addresses, sorted */
};

/* Builds the scope of c, with local (the host's own addresses, n of
 * them) among ours.  Returns 0, or -1 when out of memory (ps empty). */
int partner_scope_build(struct partner_scope *ps, const struct config *c,
			const uint32_t *local, size_t nlocal);
void partner_scope_free(struct partner_scope *ps);

/* Whether the partner may hold addr, given our lease of it (cur, NULL
 * when none; a partner's lease there is no objection).  The count limit
 * is the caller's. */
enum partner_why partner_check(const struct partner_scope *ps, uint32_t addr,
			       const struct lease *cur);

#endif
