/* Pool balancing (draft-ietf-dhc-failover-12 section 5.4, as ISC dhcpd
 * 4.4.3's dhcp_failover_pool_dobalance runs it): the primary gives the
 * secondary about half of a pool's free addresses as BACKUP records.
 * Pure: it reads the lease table and says which addresses to give
 * through a callback; the caller writes the records and sends them.
 * docs/failover.md, "Pool balancing". */
#ifndef DUODHCP_FO_BALANCE_H
#define DUODHCP_FO_BALANCE_H

#include <stdbool.h>
#include <stdint.h>
#include "core/lease.h"
#include "failover/wire.h"

#define FO_BAL_MISBALANCE 15	/* ISC's max-lease-misbalance, percent */
#define FO_BAL_OWNERSHIP 10	/* ISC's max-lease-ownership, percent */

struct fo_bal_ops {
	/* Whether addr (its record l, NULL when never used) may go to the
	 * secondary at all: not reserved, not the network or broadcast
	 * address, not held by an offer. */
	bool (*giveable)(void *arg, uint32_t addr, const struct lease *l);
	/* Make addr (record l, or NULL) a BACKUP record and send it. */
	void (*give)(void *arg, uint32_t addr, struct lease *l);
};

/* What one range looked like and what was given. */
struct fo_bal_result {
	uint32_t free;		/* the primary's: never used, or FREE-like */
	uint32_t backup;	/* the secondary's, before this pass */
	uint32_t given;
	int64_t lts;		/* leases to send still wanted after the pass */
	int64_t thresh;		/* misbalance allowed, in leases */
};

/* A free record of ours that could be given: reusable, no change waiting
 * for the partner, not a partner's. */
bool fo_bal_free_record(const struct lease *l);

/* Balances first..last (one pool range):
 *   lts = (free - backup) / 2, hold = total * ownership%;
 *   1. used free records whose client's bucket is the secondary's
 *      (map: set bits are the primary's), while lts > -hold, so a
 *      returning client finds its old address on the server that
 *      answers it;
 *   2. never-used addresses (no record, or a FREE one that never had a
 *      client) from the top of the range down (the primary's cursor
 *      walks up from the bottom), while lts > 0;
 *   3. other used free records, while lts > hold.
 * Returns the number given. */
uint32_t fo_balance_range(struct lease_table *t, uint32_t first, uint32_t last,
			  const uint8_t map[FO_HBA_LEN], const struct fo_bal_ops *ops,
			  void *arg, struct fo_bal_result *r);

#endif
