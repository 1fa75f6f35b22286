/* Client names for the built-in DNS: a snapshot of label <-> address built
 * from the active leases (own and synced) and the reservations. */
#ifndef DUODHCP_NAMES_H
#define DUODHCP_NAMES_H

#include <stdint.h>
#include "conf/config.h"
#include "dns/dns.h"
#include "core/lease.h"

#define NAMES_TTL_MAX 300	/* seconds; less when the lease ends sooner */

struct names;

/* Called for each clash: label was taken by winner, loser got given
 * instead ("" when no name could be given). */
typedef void (*names_clash_fn)(void *arg, const char *label, uint32_t winner,
			       uint32_t loser, const char *given);

/* Builds the snapshot.  A clash is resolved predictably: reservations
 * first, then our own leases, then a SyncServer partner's; among those
 * the earliest active binding of the name (named_since, else the start;
 * then the lower address) keeps it, and a later one is named
 * <label>-<last octet>. */
struct names *names_build(struct lease_table *t, const struct config *c, int64_t now,
			  names_clash_fn clash, void *arg);
void names_free(struct names *n);
size_t names_count(const struct names *n);

int names_by_label(const struct names *n, const char *label, int64_t now,
		   uint32_t *addr, uint32_t *ttl);
int names_by_addr(const struct names *n, uint32_t addr, int64_t now,
		  char label[DNS_LABEL_MAX + 1], uint32_t *ttl);

#endif
