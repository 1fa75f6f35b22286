/* Lease table tests: indexes, allocation order, expiry. */
#include <stdlib.h>
#include "t.h"
#include "core/lease.h"

#define A(x) (0xc6120000u | (x))	/* 198.18.0.x */

static bool any(void *arg, uint32_t a, const struct lease *l)
{
	(void)arg, (void)a;
	return !l || lease_state_reusable(l->state);
}

static struct lease_table *table(void)
{
	struct lease_table *t = lease_table_new();
	uint32_t f[] = { A(10), A(100) }, l[] = { A(12), A(101) };
	lease_table_set_pools(t, f, l, 2);
	return t;
}

static struct lease rec(uint32_t addr, uint8_t state, uint8_t mac, int64_t end)
{
	struct lease r = { .addr = addr, .state = state, .htype = 1, .hlen = 6, .end = end };
	r.hw[0] = 2, r.hw[5] = mac;
	return r;
}

TEST(find_by_address_and_client)
{
	struct lease_table *t = table();
	struct lease r = rec(A(10), LEASE_ACTIVE, 1, 1000);
	CHECK(lease_upsert(t, &r) != NULL);
	uint8_t cid[] = { 1, 2, 0, 0, 0, 0, 9 };
	r = rec(A(11), LEASE_ACTIVE, 9, 1000);
	r.cid = cid, r.cid_len = sizeof cid;
	CHECK(lease_upsert(t, &r) != NULL);
	CHECK_EQ(lease_count(t), 2);
	CHECK(lease_find(t, A(10)) && lease_find(t, A(10))->hw[5] == 1);
	CHECK(lease_find(t, A(13)) == NULL);
	struct lease *out[4];
	uint8_t hw[6] = { 2, 0, 0, 0, 0, 1 };
	CHECK_EQ(lease_find_client(t, NULL, 0, 1, hw, 6, out, 4), 1);
	CHECK_EQ(out[0]->addr, A(10));
	CHECK_EQ(lease_find_client(t, cid, sizeof cid, 1, hw, 6, out, 4), 1);
	CHECK_EQ(out[0]->addr, A(11));
	/* A lease with a client id is not found by hardware address alone. */
	hw[5] = 9;
	CHECK_EQ(lease_find_client(t, NULL, 0, 1, hw, 6, out, 4), 0);
	lease_table_free(t);
}

TEST(upsert_replaces_and_reindexes)
{
	struct lease_table *t = table();
	struct lease r = rec(A(10), LEASE_ACTIVE, 1, 1000);
	r.hostname = "one";
	lease_upsert(t, &r);
	r = rec(A(10), LEASE_ACTIVE, 2, 2000);
	r.hostname = "two";
	struct lease *l = lease_upsert(t, &r);
	CHECK_EQ(lease_count(t), 1);
	CHECK_STR(l->hostname, "two");
	struct lease *out[4];
	uint8_t hw[6] = { 2, 0, 0, 0, 0, 1 };
	CHECK_EQ(lease_find_client(t, NULL, 0, 1, hw, 6, out, 4), 0);
	hw[5] = 2;
	CHECK_EQ(lease_find_client(t, NULL, 0, 1, hw, 6, out, 4), 1);
	lease_table_free(t);
}

TEST(pick_prefers_never_used_then_oldest)
{
	struct lease_table *t = table();
	struct lease r = rec(A(10), LEASE_RELEASED, 1, 500);
	lease_upsert(t, &r);
	r = rec(A(12), LEASE_EXPIRED, 2, 100);
	lease_upsert(t, &r);
	/* 198.18.0.11 was never used: it goes first. */
	CHECK_EQ(lease_pick_free(t, 0, any, NULL), A(11));
	r = rec(A(11), LEASE_ACTIVE, 3, 9999);
	lease_upsert(t, &r);
	/* Then the reusable ones, in the order they became reusable. */
	CHECK_EQ(lease_pick_free(t, 0, any, NULL), A(10));
	struct lease *l = lease_find(t, A(10));
	lease_set_state(t, l, LEASE_ACTIVE, 9999);
	CHECK_EQ(lease_pick_free(t, 0, any, NULL), A(12));
	l = lease_find(t, A(12));
	lease_set_state(t, l, LEASE_ACTIVE, 9999);
	CHECK_EQ(lease_pick_free(t, 0, any, NULL), 0);
	CHECK_EQ(lease_pick_free(t, 1, any, NULL), A(100));
	uint32_t size, active;
	lease_pool_usage(t, 0, &size, &active);
	CHECK_EQ(size, 3);
	CHECK_EQ(active, 3);
	lease_table_free(t);
}

TEST(expiry_in_time_order)
{
	struct lease_table *t = table();
	for (uint32_t i = 0; i < 3; i++) {
		struct lease r = rec(A(10 + i), LEASE_ACTIVE, (uint8_t)i, 300 - i * 100);
		lease_upsert(t, &r);
	}
	CHECK_EQ(lease_next_event(t), 100);
	CHECK_EQ(lease_expire(t, 150), 1);
	CHECK_EQ(lease_find(t, A(12))->state, LEASE_EXPIRED);
	CHECK_EQ(lease_find(t, A(11))->state, LEASE_ACTIVE);
	CHECK_EQ(lease_next_event(t), 200);
	CHECK_EQ(lease_expire(t, 1000), 2);
	CHECK_EQ(lease_next_event(t), INT64_MAX);
	/* The first to expire is the first reused. */
	CHECK_EQ(lease_pick_free(t, 0, any, NULL), A(12));
	lease_table_free(t);
}

TEST(abandoned_returns_after_quarantine)
{
	struct lease_table *t = table();
	struct lease r = rec(A(10), LEASE_ABANDONED, 1, 600);
	lease_upsert(t, &r);
	CHECK_EQ(lease_expire(t, 599), 0);
	CHECK_EQ(lease_find(t, A(10))->state, LEASE_ABANDONED);
	CHECK_EQ(lease_expire(t, 600), 1);
	CHECK_EQ(lease_find(t, A(10))->state, LEASE_FREE);
	lease_table_free(t);
}

TEST(pools_reassigned_on_reload)
{
	struct lease_table *t = table();
	struct lease r = rec(A(100), LEASE_RELEASED, 1, 5);
	lease_upsert(t, &r);
	CHECK_EQ(lease_pool_of(t, A(100)), 1);
	uint32_t f[] = { A(100) }, l[] = { A(110) };
	lease_table_set_pools(t, f, l, 1);
	CHECK_EQ(lease_pool_of(t, A(100)), 0);
	CHECK_EQ(lease_pool_of(t, A(10)), -1);
	CHECK_EQ(lease_pick_free(t, 0, any, NULL), A(101));
	lease_table_free(t);
}

TEST(many_leases)
{
	struct lease_table *t = lease_table_new();
	uint32_t f[] = { 0x0a000001u }, l[] = { 0x0a0fffffu };
	lease_table_set_pools(t, f, l, 1);
	for (uint32_t i = 0; i < 100000; i++) {
		struct lease r = rec(0x0a000001u + i, LEASE_ACTIVE, 0, 1000 + i % 977);
		r.hw[3] = (uint8_t)(i >> 16), r.hw[4] = (uint8_t)(i >> 8), r.hw[5] = (uint8_t)i;
		lease_upsert(t, &r);
	}
	CHECK_EQ(lease_count(t), 100000);
	size_t n = 0;
	for (struct lease *x = lease_next(t, NULL); x; x = lease_next(t, x))
		n++;
	CHECK_EQ(n, 100000);
	CHECK_EQ(lease_expire(t, 1000 + 976), 100000);
	lease_table_free(t);
}

/* A walk that pauses holding a lease and goes on after thousands of new
 * leases (index rehashes, new slabs) sees every lease exactly once. */
TEST(walk_survives_growth)
{
	struct lease_table *t = lease_table_new();
	struct lease r = rec(0, LEASE_ACTIVE, 1, 1000);
	for (uint32_t i = 0; i < 100; i++) {
		r.addr = 0xc6130000u + i;
		CHECK(lease_upsert(t, &r) != NULL);
	}
	uint8_t *seen = calloc(20000, 1);
	struct lease *l = NULL;
	for (int i = 0; i < 50; i++) {
		l = lease_next(t, l);
		seen[l->addr - 0xc6130000u]++;
	}
	struct lease *held = l;
	for (uint32_t i = 100; i < 20000; i++) {
		r.addr = 0xc6130000u + i;
		CHECK(lease_upsert(t, &r) != NULL);
	}
	CHECK(lease_find(t, held->addr) == held);
	while ((l = lease_next(t, l)) != NULL)
		seen[l->addr - 0xc6130000u]++;
	size_t once = 0;
	for (uint32_t i = 0; i < 20000; i++)
		once += seen[i] == 1;
	CHECK_EQ(once, 20000);
	CHECK_EQ(lease_count(t), 20000);
	free(seen);
	lease_table_free(t);
}

/* The change log: pages in change order, a lease that changed again
 * shows once at its new place, the filter, "more", and compaction of
 * stale entries under many changes of few leases. */
static bool even_addr(const struct lease *l, void *arg)
{
	(void)arg;
	return (l->addr & 1) == 0;
}

TEST(change_log_pages_in_change_order)
{
	struct lease_table *t = table();
	struct lease *ls[8];
	for (uint32_t i = 0; i < 8; i++) {
		struct lease r = rec(A(20) + i, LEASE_ACTIVE, (uint8_t)i, 1000);
		ls[i] = lease_upsert(t, &r);
		CHECK_EQ(lease_set_seq(t, ls[i], i + 1), 0);
	}
	CHECK_EQ(lease_set_seq(t, ls[2], 9), 0);	/* 3 changes again: now last */
	struct lease *out[16];
	bool more;
	size_t n = lease_changes_after(t, 0, NULL, NULL, out, 16, &more);
	CHECK_EQ(n, 8);
	CHECK(!more);
	uint64_t last = 0;
	for (size_t i = 0; i < n; i++) {
		CHECK(out[i]->seq > last);
		last = out[i]->seq;
	}
	CHECK(out[7] == ls[2]);
	n = lease_changes_after(t, 2, NULL, NULL, out, 3, &more);
	CHECK_EQ(n, 3);
	CHECK(more);
	CHECK_EQ(out[0]->seq, 4);	/* 3's old entry is stale */
	CHECK_EQ(out[2]->seq, 6);
	n = lease_changes_after(t, 6, NULL, NULL, out, 3, &more);
	CHECK_EQ(n, 3);
	CHECK(!more);
	CHECK_EQ(lease_changes_after(t, 9, NULL, NULL, out, 3, &more), 0);
	CHECK_EQ(lease_changes_after(t, 1000, NULL, NULL, out, 3, &more), 0);
	n = lease_changes_after(t, 0, even_addr, NULL, out, 16, &more);
	CHECK_EQ(n, 4);
	for (size_t i = 0; i < n; i++)
		CHECK_EQ(out[i]->addr & 1, 0);

	/* 100,000 changes of the same 8 leases: stale entries are dropped
	 * as they pile up, and the log still says the same. */
	uint64_t seq = 9;
	for (int k = 0; k < 100000; k++)
		CHECK_EQ(lease_set_seq(t, ls[k % 8], ++seq), 0);
	n = lease_changes_after(t, 0, NULL, NULL, out, 16, &more);
	CHECK_EQ(n, 8);
	CHECK_EQ(out[7]->seq, seq);
	CHECK_EQ(out[0]->seq, seq - 7);
	lease_table_free(t);
}

T_RUN(T_CASE(find_by_address_and_client), T_CASE(upsert_replaces_and_reindexes),
      T_CASE(pick_prefers_never_used_then_oldest), T_CASE(expiry_in_time_order),
      T_CASE(abandoned_returns_after_quarantine), T_CASE(pools_reassigned_on_reload),
      T_CASE(many_leases), T_CASE(walk_survives_growth), T_CASE(change_log_pages_in_change_order))
