/* Pool balancing: how many free addresses the primary gives the
 * secondary as BACKUP records, and which. */
#include <stdlib.h>
#include "t.h"
#include "pkt.h"
#include "core/lease.h"
#include "failover/balance.h"
#include "failover/hash.h"

#define A(x) IP4(198, 18, 0, x)
#define FIRST A(10)
#define LAST A(109)	/* 100 addresses */

struct fx {
	struct lease_table *t;
	uint8_t map[FO_HBA_LEN];
	uint32_t refused;	/* an address giveable() refuses, 0 = none */
	uint32_t order[256];
	size_t n;
};

static bool giveable(void *arg, uint32_t addr, const struct lease *l)
{
	const struct fx *f = arg;
	(void)l;
	return addr != f->refused;
}

/* As the driver does: the record becomes BACKUP at once. */
static void give(void *arg, uint32_t addr, struct lease *l)
{
	struct fx *f = arg;
	struct lease_rec r = { .addr = addr, .state = LEASE_BACKUP, .start = 1 };
	if (l) {
		lease_set_state(f->t, l, LEASE_BACKUP, 0);
	} else {
		CHECK(lease_upsert(f->t, &r) != NULL);
	}
	if (f->n < 256)
		f->order[f->n++] = addr;
}

static const struct fo_bal_ops ops = { giveable, give };

static struct fx *setup(void)
{
	struct fx *f = calloc(1, sizeof *f);
	f->t = lease_table_new();
	uint32_t first = FIRST, last = LAST;
	CHECK_EQ(lease_table_set_pools(f->t, &first, &last, 1), 0);
	fo_split_map(f->map, 128);
	return f;
}

static void done(struct fx *f)
{
	lease_table_free(f->t);
	free(f);
}

static void put(struct fx *f, uint32_t addr, uint8_t state, uint8_t mac_last)
{
	struct lease_rec r = { .addr = addr, .state = state, .htype = 1, .hlen = 6,
			       .hw = { 2, 0, 0, 0, 1, mac_last }, .start = 1, .end = 2 };
	CHECK(lease_upsert(f->t, &r) != NULL);
}

static uint32_t count_state(const struct fx *f, uint8_t state)
{
	uint32_t n = 0;
	for (uint32_t a = FIRST; a <= LAST; a++) {
		const struct lease *l = lease_find(f->t, a);
		n += l && l->state == state;
	}
	return n;
}

/* A fresh pool: half of it goes, from the top down. */
TEST(fresh_pool_gives_half_from_the_top)
{
	struct fx *f = setup();
	struct fo_bal_result r;
	CHECK_EQ(fo_balance_range(f->t, FIRST, LAST, f->map, &ops, f, &r), 50);
	CHECK_EQ(r.free, 100);
	CHECK_EQ(r.backup, 0);
	CHECK_EQ(r.lts, 0);
	CHECK_EQ(count_state(f, LEASE_BACKUP), 50);
	CHECK_EQ(f->order[0], LAST);
	CHECK_EQ(f->order[49], A(60));
	CHECK(lease_find(f->t, A(59)) == NULL);
	/* Balanced: a second pass gives nothing. */
	f->n = 0;
	CHECK_EQ(fo_balance_range(f->t, FIRST, LAST, f->map, &ops, f, &r), 0);
	CHECK_EQ(r.free, 50);
	CHECK_EQ(r.backup, 50);
	done(f);
}

/* Only what is missing: with 30 BACKUP and 70 free, 20 more. */
TEST(tops_up_to_half)
{
	struct fx *f = setup();
	for (uint32_t a = A(80); a <= LAST; a++)
		put(f, a, LEASE_BACKUP, 0);
	struct fo_bal_result r;
	CHECK_EQ(fo_balance_range(f->t, FIRST, LAST, f->map, &ops, f, &r), 20);
	CHECK_EQ(r.backup, 30);
	CHECK_EQ(count_state(f, LEASE_BACKUP), 50);
	CHECK_EQ(f->order[0], A(79));
	done(f);
}

/* Active, abandoned, pending and refused addresses are neither side's
 * free stock and are never given. */
TEST(only_free_addresses_count_and_go)
{
	struct fx *f = setup();
	for (uint32_t a = FIRST; a < A(30); a++)
		put(f, a, LEASE_ACTIVE, (uint8_t)a);
	put(f, A(30), LEASE_ABANDONED, 0);
	put(f, LAST, LEASE_FREE, 0);
	lease_find(f->t, LAST)->pending_state = LEASE_FREE;
	f->refused = A(108);
	struct fo_bal_result r;
	/* 100 - 20 active - 1 abandoned - 1 pending - 1 refused = 77 */
	uint32_t n = fo_balance_range(f->t, FIRST, LAST, f->map, &ops, f, &r);
	CHECK_EQ(r.free, 77);
	CHECK_EQ(n, 38);
	CHECK_EQ(lease_find(f->t, LAST)->state, LEASE_FREE);
	CHECK(lease_find(f->t, A(108)) == NULL);
	CHECK_EQ(f->order[0], A(107));
	CHECK_EQ(count_state(f, LEASE_ACTIVE), 20);
	done(f);
}

/* A used free record whose client hashes to the secondary's buckets goes
 * first, even before never-used addresses (ISC's MAC affinity). */
TEST(affinity_first)
{
	struct fx *f = setup();
	uint8_t theirs = 0, mine = 0;
	bool have_t = false, have_m = false;
	for (unsigned m = 0; m < 256 && !(have_t && have_m); m++) {
		uint8_t hw[6] = { 2, 0, 0, 0, 1, (uint8_t)m };
		bool prim = fo_bucket_primary(f->map, fo_client_bucket(NULL, 0, hw, 6));
		if (prim && !have_m)
			mine = (uint8_t)m, have_m = true;
		if (!prim && !have_t)
			theirs = (uint8_t)m, have_t = true;
	}
	CHECK(have_t && have_m);
	put(f, A(11), LEASE_FREE, mine);
	put(f, A(12), LEASE_EXPIRED, theirs);
	struct fo_bal_result r;
	fo_balance_range(f->t, FIRST, LAST, f->map, &ops, f, &r);
	CHECK_EQ(f->order[0], A(12));
	CHECK_EQ(lease_find(f->t, A(12))->state, LEASE_BACKUP);
	/* The primary's client keeps its old address on the primary. */
	CHECK_EQ(lease_find(f->t, A(11))->state, LEASE_FREE);
	CHECK_EQ(count_state(f, LEASE_BACKUP), 50);
	done(f);
}

/* Used records go only past max-lease-ownership: a pool with no
 * never-used address left stays within 10% of even. */
TEST(used_records_within_ownership)
{
	struct fx *f = setup();
	uint8_t mine = 0;
	for (unsigned m = 0; m < 256; m++) {
		uint8_t hw[6] = { 2, 0, 0, 0, 1, (uint8_t)m };
		if (fo_bucket_primary(f->map, fo_client_bucket(NULL, 0, hw, 6))) {
			mine = (uint8_t)m;
			break;
		}
	}
	for (uint32_t a = FIRST; a <= LAST; a++)
		put(f, a, LEASE_FREE, mine);
	struct fo_bal_result r;
	/* lts 50, hold 10: 40 go, leaving the primary 10 over even. */
	CHECK_EQ(fo_balance_range(f->t, FIRST, LAST, f->map, &ops, f, &r), 40);
	CHECK_EQ(r.lts, 10);
	CHECK(r.lts <= r.thresh);
	done(f);
}

/* After a partner's UPDREQALL every address has a FREE record that never
 * had a client: those count as never used, so the pool is split evenly
 * (not only to within max-lease-ownership). */
TEST(never_bound_records_count_as_never_used)
{
	struct fx *f = setup();
	for (uint32_t a = FIRST; a <= LAST; a++) {
		struct lease_rec r = { .addr = a, .state = LEASE_FREE, .start = 1 };
		CHECK(lease_upsert(f->t, &r) != NULL);
	}
	struct fo_bal_result r;
	CHECK_EQ(fo_balance_range(f->t, FIRST, LAST, f->map, &ops, f, &r), 50);
	CHECK_EQ(r.lts, 0);
	CHECK_EQ(f->order[0], LAST);
	CHECK_EQ(lease_find(f->t, A(60))->state, LEASE_BACKUP);
	CHECK_EQ(lease_find(f->t, A(59))->state, LEASE_FREE);
	done(f);
}

TEST(empty_and_reversed_ranges)
{
	struct fx *f = setup();
	struct fo_bal_result r;
	CHECK_EQ(fo_balance_range(f->t, LAST, FIRST, f->map, &ops, f, &r), 0);
	CHECK_EQ(fo_balance_range(f->t, FIRST, FIRST, f->map, &ops, f, &r), 0);
	CHECK_EQ(r.free, 1);
	done(f);
}

T_RUN(T_CASE(fresh_pool_gives_half_from_the_top), T_CASE(tops_up_to_half),
      T_CASE(only_free_addresses_count_and_go), T_CASE(affinity_first),
      T_CASE(used_records_within_ownership), T_CASE(empty_and_reversed_ranges),
      T_CASE(never_bound_records_count_as_never_used))
