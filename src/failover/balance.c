/* Pool balancing (balance.h).  ISC dhcpd 4.4.3's server/failover.c is the
 * reference for behaviour, not for code. */
#include <string.h>
#include "failover/balance.h"
#include "failover/hash.h"

bool fo_bal_free_record(const struct lease *l)
{
	return lease_state_reusable(l->state) && !l->pending_state &&
	       !(l->flags & LEASE_F_PARTNER);
}

static bool is_free(const struct fo_bal_ops *ops, void *arg, uint32_t a,
		    const struct lease *l)
{
	if (l && !fo_bal_free_record(l))
		return false;
	return ops->giveable(arg, a, l);
}

static void count(struct lease_table *t, uint32_t first, uint32_t last,
		  const struct fo_bal_ops *ops, void *arg, struct fo_bal_result *r)
{
	for (uint64_t a = first; a <= last; a++) {
		const struct lease *l = lease_find(t, (uint32_t)a);
		if (l && l->state == LEASE_BACKUP && !l->pending_state)
			r->backup++;
		else if (is_free(ops, arg, (uint32_t)a, l))
			r->free++;
	}
}

/* A FREE record that never had a client: what a partner's UPDREQALL
 * answer makes of a never-used address (ISC's "ends" of 0). */
static bool never_bound(const struct lease *l)
{
	return l->state == LEASE_FREE && l->end == 0 && !l->hlen && !l->cid_len;
}

/* ISC's peer_wants_lease: the bucket of the record's client. */
static bool secondarys_client(const struct lease *l, const uint8_t map[FO_HBA_LEN])
{
	if (!l->cid_len && !l->hlen)
		return false;
	uint8_t b = fo_client_bucket(l->cid_len ? l->cid : NULL, l->cid_len, l->hw, l->hlen);
	return !fo_bucket_primary(map, b);
}

static void give(const struct fo_bal_ops *ops, void *arg, uint32_t a, struct lease *l,
		 struct fo_bal_result *r)
{
	ops->give(arg, a, l);
	r->given++;
	r->lts--;
}

/* Passes 1 and 3: used free records, those of the secondary's clients
 * only (affinity) or any, while lts stays above floor. */
static void give_used(struct lease_table *t, uint32_t first, uint32_t last,
		      const uint8_t map[FO_HBA_LEN], bool affinity, int64_t floor,
		      const struct fo_bal_ops *ops, void *arg, struct fo_bal_result *r)
{
	for (uint64_t a = first; a <= last && r->lts > floor; a++) {
		struct lease *l = lease_find(t, (uint32_t)a);
		if (!l || never_bound(l) || !is_free(ops, arg, (uint32_t)a, l))
			continue;
		if (!affinity || secondarys_client(l, map))
			give(ops, arg, (uint32_t)a, l, r);
	}
}

uint32_t fo_balance_range(struct lease_table *t, uint32_t first, uint32_t last,
			  const uint8_t map[FO_HBA_LEN], const struct fo_bal_ops *ops,
			  void *arg, struct fo_bal_result *r)
{
	memset(r, 0, sizeof *r);
	if (first > last)
		return 0;
	count(t, first, last, ops, arg, r);
	int64_t total = (int64_t)r->free + r->backup;
	int64_t hold = (total * FO_BAL_OWNERSHIP + 50) / 100;
	r->thresh = (total * FO_BAL_MISBALANCE + 50) / 100;
	r->lts = ((int64_t)r->free - r->backup) / 2;
	give_used(t, first, last, map, true, -hold, ops, arg, r);
	/* Never-used addresses are taken from the top: the primary's
	 * cursor walks up from the bottom, so neither waits on the other. */
	for (uint64_t a = (uint64_t)last + 1; a-- > first && r->lts > 0;) {
		struct lease *l = lease_find(t, (uint32_t)a);
		if ((!l || never_bound(l)) && is_free(ops, arg, (uint32_t)a, l))
			give(ops, arg, (uint32_t)a, l, r);
	}
	give_used(t, first, last, map, false, hold, ops, arg, r);
	return r->given;
}
