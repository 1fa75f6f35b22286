/* Lease table tests: indexes, allocation order, expiry. */
#include <stdlib.h>
#include "t.h"
#include "common/hash.h"
#include "core/lease.h"

#define A(x) (0xc6120000u | (x))	/* 198.18.0.x */

static bool any(void *arg, uint32_t a, const struct lease *l)
{
	(void)arg, (void)a;
	return !l || lease_state_reusable(l->state);
}

static bool any_backup(void *arg, uint32_t a, const struct lease *l)
{
	(void)arg, (void)a;
	return !l || l->state == LEASE_BACKUP || lease_state_reusable(l->state);
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

/* ---- structure tests: indexes, heap, reuse lists, cursor, pools, log ----
 *
 * The record fields these tests read go through the helpers below, and
 * lease_expire through expire(), so a change of the record layout or of
 * lease_expire's signature touches only them. */

static uint8_t state_of(const struct lease *l) { return l->state; }
static int64_t end_of(const struct lease *l) { return l->end; }
static size_t expire(struct lease_table *t, int64_t now) { return lease_expire(t, now); }

/* A fixed-seed generator, so a failing run can be repeated. */
struct rng { uint64_t s; };

static uint32_t rnd(struct rng *r, uint32_t n)
{
	r->s ^= r->s << 13, r->s ^= r->s >> 7, r->s ^= r->s << 17;	/* xorshift64 */
	return (uint32_t)((r->s >> 11) % n);
}

/* A client: by client identifier when cid_len > 0 (it then has a
 * hardware address too, which must not find it), else by htype 1 and a
 * 6-byte hardware address. */
struct who { uint8_t cid[4], cid_len, hw[6]; };

static struct who who_cid(uint32_t k)
{
	return (struct who){ { (uint8_t)(k >> 24), (uint8_t)(k >> 16), (uint8_t)(k >> 8), (uint8_t)k },
			     4, { 2, 0xcc, 0, (uint8_t)(k >> 16), (uint8_t)(k >> 8), (uint8_t)k } };
}

static struct who who_hw(uint32_t k)
{
	return (struct who){ .hw = { 2, 0, 0, (uint8_t)(k >> 16), (uint8_t)(k >> 8), (uint8_t)k } };
}

static struct lease rec_who(uint32_t addr, const struct who *w)
{
	struct lease r = { .addr = addr, .state = LEASE_ACTIVE, .htype = 1, .hlen = 6, .end = 1000 };
	memcpy(r.hw, w->hw, 6);
	r.cid = w->cid_len ? (uint8_t *)w->cid : NULL;
	r.cid_len = w->cid_len;
	return r;
}

static size_t find_who(const struct lease_table *t, const struct who *w, struct lease **out,
		       size_t max)
{
	return lease_find_client(t, w->cid_len ? w->cid : NULL, w->cid_len, 1, w->hw, 6, out, max);
}

/* The bytes lease.c hashes for a client's 32-bit key (a test-side copy:
 * the identifier, else htype then chaddr). */
static uint32_t who_key(uint64_t seed, const struct who *w)
{
	uint8_t k[7] = { 1 };
	if (w->cid_len)
		return (uint32_t)hash_bytes(seed, w->cid, w->cid_len);
	memcpy(k + 1, w->hw, 6);
	return (uint32_t)hash_bytes(seed, k, 7);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* Pairs of clients whose 32-bit keys are equal under seed: a birthday
 * search over 2^18 of them (about 8 pairs expected per kind). */
static size_t colliding(uint64_t seed, struct who (*mk)(uint32_t), struct who pairs[][2],
			size_t max)
{
	size_t n = (size_t)1 << 18, found = 0;
	uint64_t *v = malloc(n * sizeof *v);
	for (uint32_t i = 0; i < n; i++) {
		struct who w = mk(0x100000u + i);
		v[i] = (uint64_t)who_key(seed, &w) << 32 | i;
	}
	qsort(v, n, sizeof *v, cmp_u64);
	for (size_t i = 1; i < n && found < max; i++)
		if (v[i] >> 32 == v[i - 1] >> 32) {
			pairs[found][0] = mk(0x100000u + (uint32_t)v[i - 1]);
			pairs[found][1] = mk(0x100000u + (uint32_t)v[i]);
			found++;
		}
	free(v);
	return found;
}

/* The index model: who_of[a] is the client of the lease at address
 * B(a), -1 for none.  Every lookup by address and by client must agree
 * with it exactly: the right leases, no others, none twice. */
#define B(x) (0x0a000000u + (uint32_t)(x))

struct idx_model {
	struct lease_table *t;
	size_t naddr, nwho;
	const struct who *whos;
	int *who_of;
};

static int check_index(const struct idx_model *m)
{
	int bad = 0;
	size_t leases = 0, *cnt = calloc(m->nwho, sizeof *cnt);
	for (size_t a = 0; a < m->naddr; a++) {
		struct lease *l = lease_find(m->t, B(a));
		bad += (m->who_of[a] >= 0) != (l != NULL) || (l && l->addr != B(a));
		if (m->who_of[a] >= 0)
			cnt[m->who_of[a]]++, leases++;
	}
	bad += lease_count(m->t) != leases;
	struct lease *out[512];
	for (size_t w = 0; w < m->nwho; w++) {
		size_t n = find_who(m->t, &m->whos[w], out, 512);
		bad += n != cnt[w];
		for (size_t i = 0; i < n; i++) {
			size_t a = out[i]->addr - B(0);
			bad += a >= m->naddr || m->who_of[a] != (int)w;
			for (size_t j = 0; j < i; j++)
				bad += out[j] == out[i];
		}
	}
	free(cnt);
	return bad;
}

/* 50,000 leases grow each index from 1,024 to 131,072 slots; then half
 * of them change client (deletions that close gaps in long runs). */
TEST(indexes_grow_and_keep_every_lease)
{
	enum { N = 50000, W = 20000 };
	struct who *whos = malloc(W * sizeof *whos);
	int *who_of = malloc(N * sizeof *who_of);
	for (uint32_t w = 0; w < W; w++)
		whos[w] = w % 2 ? who_cid(w) : who_hw(w);
	struct idx_model m = { lease_table_new(), N, W, whos, who_of };
	int bad = 0;
	for (uint32_t a = 0; a < N; a++) {
		who_of[a] = (int)((a * 7u) % W);	/* 2 or 3 leases per client */
		struct lease r = rec_who(B(a), &whos[who_of[a]]);
		bad += lease_upsert(m.t, &r) == NULL;
	}
	CHECK_EQ(bad, 0);
	CHECK_EQ(check_index(&m), 0);
	for (uint32_t a = 0; a < N; a += 2) {
		who_of[a] = (int)((a * 13u + 5) % W);
		const struct who *w = &whos[who_of[a]];
		bad += lease_set_client(m.t, lease_find(m.t, B(a)), w->cid_len ? w->cid : NULL,
					w->cid_len, 1, w->hw, 6) != 0;
	}
	CHECK_EQ(bad, 0);
	CHECK_EQ(check_index(&m), 0);
	lease_table_free(m.t);
	free(whos);
	free(who_of);
}

/* Clients whose keys are equal (same 32-bit key, so the same home slot
 * and only the full comparison tells them apart), among random others:
 * random upserts and client changes, checked against the model. */
TEST(colliding_clients_against_model)
{
	enum { NADDR = 3000, NPLAIN = 400, NPAIR = 6 };
	const uint64_t seed = 0x0123456789abcdefu;
	struct who cp[NPAIR][2], hp[NPAIR][2], whos[NPLAIN + 4 * NPAIR];
	size_t nc = colliding(seed, who_cid, cp, NPAIR), nh = colliding(seed, who_hw, hp, NPAIR);
	CHECK(nc >= 3 && nh >= 3);
	size_t nwho = 0;
	for (uint32_t k = 0; k < NPLAIN; k++)
		whos[nwho++] = k % 2 ? who_cid(k) : who_hw(k);
	for (size_t i = 0; i < nc; i++)
		whos[nwho++] = cp[i][0], whos[nwho++] = cp[i][1];
	for (size_t i = 0; i < nh; i++)
		whos[nwho++] = hp[i][0], whos[nwho++] = hp[i][1];
	int who_of[NADDR];
	for (size_t a = 0; a < NADDR; a++)
		who_of[a] = -1;
	struct idx_model m = { lease_table_new(), NADDR, nwho, whos, who_of };
	CHECK_EQ(lease_table_set_seed(m.t, seed), 0);
	struct rng r = { 42 };
	int bad = 0;
	for (int op = 0; op < 30000; op++) {
		size_t a = rnd(&r, NADDR);
		/* A quarter of the changes go to the colliding clients
		 * (some 30 leases each: long runs of one key). */
		int w = (int)(rnd(&r, 4) == 0 ? NPLAIN + rnd(&r, (uint32_t)(nwho - NPLAIN))
					 : rnd(&r, NPLAIN));
		struct lease *l = lease_find(m.t, B(a));
		if (l && rnd(&r, 2)) {
			bad += lease_set_client(m.t, l, whos[w].cid_len ? whos[w].cid : NULL,
						whos[w].cid_len, 1, whos[w].hw, 6) != 0;
		} else {
			struct lease x = rec_who(B(a), &whos[w]);
			bad += lease_upsert(m.t, &x) == NULL;
		}
		who_of[a] = w;
		if (op % 1000 == 999)
			bad += check_index(&m);
	}
	CHECK_EQ(bad, 0);
	CHECK_EQ(lease_table_set_seed(m.t, 1), -1);
	lease_table_free(m.t);
}

/* ---- the expiry heap, reuse lists and pool counters against a model ---- */

#define M_N 256	/* addresses C(0..255): 0..159 pool 0, 160..223 pool 1, 224.. none */
#define C(x) (0xc6140000u + (uint32_t)(x))

struct seen { uint32_t a[M_N]; size_t n; };

struct heap_model {
	struct lease_table *t;
	bool has[M_N];
	uint8_t state[M_N], flags[M_N];
	int64_t end[M_N];
	uint64_t tick[M_N];	/* when it joined its reuse list, 0: not on one */
	uint64_t btick[M_N];	/* when it joined its backup list, 0: not on one */
	uint64_t clock;
};

static int m_pool(int i)
{
	return i < 160 ? 0 : i < 224 ? 1 : -1;
}

static bool m_timed(uint8_t s)
{
	return s == LEASE_ACTIVE || s == LEASE_ABANDONED;
}

/* The rule: on its pool's reuse list while reusable, in a pool and not
 * the partner's; on its pool's backup list while BACKUP and in a pool,
 * whoever wrote it; it keeps its place while that holds, and goes to the
 * end when it starts to hold. */
static void m_set(struct heap_model *m, int i, uint8_t state, uint8_t flags, int64_t end)
{
	m->has[i] = true;
	m->state[i] = state, m->flags[i] = flags, m->end[i] = end;
	bool on = lease_state_reusable(state) && m_pool(i) >= 0 && !(flags & LEASE_F_PARTNER);
	if (!on)
		m->tick[i] = 0;
	else if (!m->tick[i])
		m->tick[i] = ++m->clock;
	if (state != LEASE_BACKUP || m_pool(i) < 0)
		m->btick[i] = 0;
	else if (!m->btick[i])
		m->btick[i] = ++m->clock;
}

/* The addresses of pool p whose tick (a list's) is set, by tick. */
static void m_list(const uint64_t *tick, int p, struct seen *want)
{
	uint64_t by_tick[M_N];
	size_t k = 0;
	for (int i = 0; i < M_N; i++)
		if (tick[i] && m_pool(i) == p)
			by_tick[k++] = tick[i] << 16 | (uint64_t)i;
	qsort(by_tick, k, sizeof by_tick[0], cmp_u64);
	want->n = 0;
	for (size_t j = 0; j < k; j++)
		want->a[want->n++] = C(by_tick[j] & 0xffff);
}

static size_t m_expire(struct heap_model *m, int64_t now)
{
	size_t n = 0;
	for (;;) {	/* earliest first: the ends are distinct */
		int first = -1;
		for (int i = 0; i < M_N; i++)
			if (m->has[i] && m_timed(m->state[i]) && m->end[i] <= now &&
			    (first < 0 || m->end[i] < m->end[first]))
				first = i;
		if (first < 0)
			return n;
		uint8_t next = m->state[first] == LEASE_ACTIVE ? LEASE_EXPIRED : LEASE_FREE;
		m_set(m, first, next, m->flags[first], m->end[first]);
		n++;
	}
}


/* A usable() that takes nothing and notes the reuse list in order. */
static bool note_reuse(void *arg, uint32_t a, const struct lease *l)
{
	struct seen *s = arg;
	if (l && s->n < M_N)
		s->a[s->n++] = a;
	return false;
}

static int check_heap_model(struct heap_model *m)
{
	int bad = 0;
	int64_t next = INT64_MAX;
	uint32_t active[2] = { 0, 0 };
	for (int i = 0; i < M_N; i++) {
		struct lease *l = lease_find(m->t, C(i));
		bad += m->has[i] != (l != NULL);
		if (!l)
			continue;
		bad += state_of(l) != m->state[i] || end_of(l) != m->end[i];
		if (m_timed(m->state[i]) && m->end[i] < next)
			next = m->end[i];
		if (m->state[i] == LEASE_ACTIVE && m_pool(i) >= 0 && !(m->flags[i] & LEASE_F_PARTNER))
			active[m_pool(i)]++;
	}
	bad += lease_next_event(m->t) != next;
	for (int p = 0; p < 2; p++) {
		uint32_t size, act;
		lease_pool_usage(m->t, p, &size, &act);
		bad += act != active[p];
		/* The expected lists: the pool's leases by the tick they joined. */
		struct seen want = { .n = 0 }, got = { .n = 0 };
		m_list(m->tick, p, &want);
		bad += lease_pick_free(m->t, p, note_reuse, &got) != 0;
		bad += got.n != want.n || memcmp(got.a, want.a, got.n * sizeof got.a[0]) != 0;
		got.n = 0;
		m_list(m->btick, p, &want);
		bad += lease_pick_backup(m->t, p, note_reuse, &got) != 0;
		bad += got.n != want.n || memcmp(got.a, want.a, got.n * sizeof got.a[0]) != 0;
	}
	return bad;
}

TEST(heap_and_reuse_lists_against_model)
{
	struct heap_model m = { .t = lease_table_new() };
	uint32_t f[] = { C(0), C(160) }, l[] = { C(159), C(223) };
	CHECK_EQ(lease_table_set_pools(m.t, f, l, 2), 0);
	struct rng r = { 7 };
	int64_t now = 1000 * M_N;
	int bad = 0, expired = 0;
	for (int op = 0; op < 20000; op++) {
		int i = (int)rnd(&r, M_N);
		/* end = i mod M_N: ends are distinct, so the order is defined;
		 * some lie in the past already. */
		int64_t end = (now / M_N + rnd(&r, 300) - 20) * M_N + i;
		uint8_t state = (uint8_t)(LEASE_FREE + rnd(&r, LEASE_BACKUP));
		uint32_t what = rnd(&r, 10);
		if (what < 4 || (what < 8 && !m.has[i])) {
			struct lease x = rec(C(i), state, (uint8_t)i, end);
			x.flags = rnd(&r, 6) ? 0 : LEASE_F_PARTNER;
			bad += lease_upsert(m.t, &x) == NULL;
			m_set(&m, i, state, x.flags, end);
		} else if (what < 8) {
			lease_set_state(m.t, lease_find(m.t, C(i)), state, end);
			m_set(&m, i, state, m.flags[i], end);
		} else {
			now += rnd(&r, 40) * M_N;
			size_t n = expire(m.t, now);
			bad += n != m_expire(&m, now);
			expired += (int)n;
		}
		bad += check_heap_model(&m);
	}
	CHECK_EQ(bad, 0);
	CHECK(expired > 500);
	/* Reloading the same pools keeps both lists in their order. */
	uint32_t f2[] = { C(0), C(160) }, l2[] = { C(159), C(223) };
	CHECK_EQ(lease_table_set_pools(m.t, f2, l2, 2), 0);
	CHECK_EQ(check_heap_model(&m), 0);
	lease_table_free(m.t);
}

/* ---- reuse lists, step by step ---- */

static void list_str(struct lease_table *t, int p, char *buf, size_t cap)
{
	struct seen s = { .n = 0 };
	lease_pick_free(t, p, note_reuse, &s);
	size_t off = 0;
	buf[0] = 0;
	for (size_t i = 0; i < s.n && off < cap; i++)
		off += (size_t)snprintf(buf + off, cap - off, "%s%u", i ? " " : "", s.a[i] & 255);
}

static bool not_15(void *arg, uint32_t a, const struct lease *l)
{
	(void)arg;
	return (a & 255) != 15 && (!l || lease_state_reusable(l->state));
}

/* Pool 10..19 is all leased (the cursor has nothing), then each step
 * upserts one lease and the list must read as given. */
TEST(reuse_list_oldest_first)
{
	static const struct { uint8_t x, state, flags; const char *list; } steps[] = {
		{ 15, LEASE_RELEASED, 0, "15" },
		{ 12, LEASE_EXPIRED, 0, "15 12" },
		{ 18, LEASE_FREE, 0, "15 12 18" },
		{ 12, LEASE_ACTIVE, 0, "15 18" },		/* re-leased: off the list */
		{ 15, LEASE_EXPIRED, 0, "15 18" },		/* still reusable: keeps its place */
		{ 12, LEASE_RELEASED, 0, "15 18 12" },		/* back, at the end */
		{ 18, LEASE_ABANDONED, 0, "15 12" },
		{ 18, LEASE_FREE, 0, "15 12 18" },
		{ 15, LEASE_RELEASED, LEASE_F_PARTNER, "12 18" },	/* not ours to hand out */
		{ 15, LEASE_RELEASED, 0, "12 18 15" },
		{ 12, LEASE_BACKUP, 0, "18 15" },
		{ 12, LEASE_RESET, 0, "18 15 12" },
	};
	struct lease_table *t = lease_table_new();
	uint32_t f[] = { A(10) }, l[] = { A(19) };
	lease_table_set_pools(t, f, l, 1);
	for (uint32_t x = 10; x <= 19; x++) {
		struct lease r = rec(A(x), LEASE_ACTIVE, (uint8_t)x, 5000);
		lease_upsert(t, &r);
	}
	/* Outside every pool: never on a list. */
	struct lease r = rec(A(30), LEASE_RELEASED, 30, 5000);
	lease_upsert(t, &r);
	char buf[64];
	for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
		r = rec(A(steps[i].x), steps[i].state, steps[i].x, 5000);
		r.flags = steps[i].flags;
		lease_upsert(t, &r);
		list_str(t, 0, buf, sizeof buf);
		CHECK_STR(buf, steps[i].list);
	}
	/* The oldest that usable() accepts. */
	CHECK_EQ(lease_pick_free(t, 0, any, NULL), A(18));
	CHECK_EQ(lease_pick_free(t, 0, not_15, NULL), A(18));
	lease_set_state(t, lease_find(t, A(18)), LEASE_ACTIVE, 9000);
	CHECK_EQ(lease_pick_free(t, 0, not_15, NULL), A(12));
	lease_set_state(t, lease_find(t, A(12)), LEASE_ACTIVE, 9000);
	CHECK_EQ(lease_pick_free(t, 0, not_15, NULL), 0);
	CHECK_EQ(lease_pick_free(t, 0, any, NULL), A(15));
	lease_table_free(t);
}

static void backup_str(struct lease_table *t, int p, char *buf, size_t cap)
{
	struct seen s = { .n = 0 };
	lease_pick_backup(t, p, note_reuse, &s);
	size_t off = 0;
	buf[0] = 0;
	for (size_t i = 0; i < s.n && off < cap; i++)
		off += (size_t)snprintf(buf + off, cap - off, "%s%u", i ? " " : "", s.a[i] & 255);
}

/* A failover secondary's stock: BACKUP leases on a list of their own,
 * never on the reuse list, so that neither server walks past the
 * other's addresses. */
TEST(backup_list_apart_from_reuse)
{
	static const struct { uint8_t x, state, flags; const char *reuse, *backup; } steps[] = {
		{ 14, LEASE_BACKUP, 0, "", "14" },
		{ 11, LEASE_BACKUP, LEASE_F_PARTNER, "", "14 11" },	/* the peer's BNDUPD */
		{ 16, LEASE_FREE, 0, "16", "14 11" },
		{ 17, LEASE_BACKUP, 0, "16", "14 11 17" },
		{ 14, LEASE_ACTIVE, 0, "16", "11 17" },			/* handed out */
		{ 11, LEASE_BACKUP, 0, "16", "11 17" },			/* still backup: keeps its place */
		{ 14, LEASE_EXPIRED, 0, "16 14", "11 17" },		/* back to the primary's stock */
		{ 16, LEASE_BACKUP, 0, "14", "11 17 16" },		/* balanced to the secondary */
		{ 17, LEASE_FREE, 0, "14 17", "11 16" },		/* and back */
	};
	struct lease_table *t = lease_table_new();
	uint32_t f[] = { A(10) }, l[] = { A(19) };
	lease_table_set_pools(t, f, l, 1);
	for (uint32_t x = 10; x <= 19; x++) {
		struct lease r = rec(A(x), LEASE_ACTIVE, (uint8_t)x, 5000);
		lease_upsert(t, &r);
	}
	struct lease r = rec(A(30), LEASE_BACKUP, 30, 5000);	/* outside every pool */
	lease_upsert(t, &r);
	char buf[64];
	for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
		r = rec(A(steps[i].x), steps[i].state, steps[i].x, 5000);
		r.flags = steps[i].flags;
		lease_upsert(t, &r);
		list_str(t, 0, buf, sizeof buf);
		CHECK_STR(buf, steps[i].reuse);
		backup_str(t, 0, buf, sizeof buf);
		CHECK_STR(buf, steps[i].backup);
	}
	/* Each pick takes from its own list only; the oldest usable first. */
	CHECK_EQ(lease_pick_backup(t, 0, any_backup, NULL), A(11));
	lease_set_state(t, lease_find(t, A(11)), LEASE_ACTIVE, 9000);
	CHECK_EQ(lease_pick_backup(t, 0, any_backup, NULL), A(16));
	CHECK_EQ(lease_pick_free(t, 0, any, NULL), A(14));
	lease_set_state(t, lease_find(t, A(14)), LEASE_ACTIVE, 9000);
	lease_set_state(t, lease_find(t, A(17)), LEASE_ACTIVE, 9000);
	CHECK_EQ(lease_pick_free(t, 0, any_backup, NULL), 0);	/* 16 is on the other list */
	lease_set_state(t, lease_find(t, A(16)), LEASE_ACTIVE, 9000);
	CHECK_EQ(lease_pick_backup(t, 0, any_backup, NULL), 0);
	lease_table_free(t);
}

/* ---- the never-used cursor ---- */

static bool reject_13(void *arg, uint32_t a, const struct lease *l)
{
	(void)arg;
	return (a & 255) != 13 && (!l || lease_state_reusable(l->state));
}

TEST(cursor_hands_out_never_used_in_order)
{
	struct lease_table *t = lease_table_new();
	uint32_t f[] = { A(10) }, l[] = { A(17) };
	lease_table_set_pools(t, f, l, 1);
	uint32_t taken[] = { 11, 14, 15 };
	for (size_t i = 0; i < 3; i++) {
		struct lease r = rec(A(taken[i]), LEASE_ACTIVE, (uint8_t)taken[i], 5000);
		lease_upsert(t, &r);
	}
	/* Until an address is recorded, the cursor stays on it. */
	CHECK_EQ(lease_pick_free(t, 0, reject_13, NULL), A(10));
	CHECK_EQ(lease_pick_free(t, 0, reject_13, NULL), A(10));
	static const uint8_t want[] = { 10, 12, 16, 17 };	/* 11, 14, 15 leased; 13 refused */
	int bad = 0;
	for (size_t i = 0; i < sizeof want; i++) {
		uint32_t a = lease_pick_free(t, 0, reject_13, NULL);
		bad += a != A(want[i]);
		struct lease r = rec(a, LEASE_ACTIVE, want[i], 5000);
		lease_upsert(t, &r);
	}
	CHECK_EQ(bad, 0);
	/* 13 was passed for good; with nothing reusable the pool is out. */
	CHECK_EQ(lease_pick_free(t, 0, any, NULL), 0);
	lease_set_state(t, lease_find(t, A(14)), LEASE_RELEASED, 6000);
	CHECK_EQ(lease_pick_free(t, 0, any, NULL), A(14));
	uint32_t size, active;
	lease_pool_usage(t, 0, &size, &active);
	CHECK_EQ(size, 8);
	CHECK_EQ(active, 6);
	lease_table_free(t);
}

/* A pool at the top of the address space: the cursor must stop there. */
TEST(cursor_at_the_top_of_the_address_space)
{
	struct lease_table *t = lease_table_new();
	uint32_t f[] = { 0xfffffffcu }, l[] = { 0xffffffffu };
	lease_table_set_pools(t, f, l, 1);
	uint32_t a, n = 0;
	while ((a = lease_pick_free(t, 0, any, NULL)) != 0 && n < 10) {
		CHECK_EQ(a, 0xfffffffcu + n);
		struct lease r = rec(a, LEASE_ACTIVE, (uint8_t)n, 5000);
		lease_upsert(t, &r);
		n++;
	}
	CHECK_EQ(n, 4);
	CHECK_EQ(lease_pool_of(t, 0xffffffffu), 0);
	lease_table_free(t);
}

/* ---- pools replaced on reload ---- */

static void usage(struct lease_table *t, int p, uint32_t *size, uint32_t *active)
{
	*size = *active = 0;
	lease_pool_usage(t, p, size, active);
}

TEST(set_pools_moves_leases_and_counters)
{
	struct lease_table *t = lease_table_new();
	uint32_t f1[] = { A(10), A(30) }, l1[] = { A(19), A(39) };
	lease_table_set_pools(t, f1, l1, 2);
	static const struct { uint8_t x, state, flags; } ls[] = {
		{ 12, LEASE_ACTIVE, 0 }, { 31, LEASE_ACTIVE, 0 }, { 35, LEASE_ACTIVE, 0 },
		{ 36, LEASE_ACTIVE, LEASE_F_PARTNER }, { 50, LEASE_ACTIVE, 0 },
		{ 15, LEASE_ACTIVE, 0 }, { 33, LEASE_ACTIVE, 0 }, { 17, LEASE_ACTIVE, 0 },
	};
	for (size_t i = 0; i < sizeof ls / sizeof ls[0]; i++) {
		struct lease r = rec(A(ls[i].x), ls[i].state, ls[i].x, 5000);
		r.flags = ls[i].flags;
		lease_upsert(t, &r);
	}
	/* Released in the order 33, 17, 15: not the order of creation. */
	lease_set_state(t, lease_find(t, A(33)), LEASE_RELEASED, 100);
	lease_set_state(t, lease_find(t, A(17)), LEASE_RELEASED, 101);
	lease_set_state(t, lease_find(t, A(15)), LEASE_RELEASED, 102);
	uint32_t size, active;
	usage(t, 0, &size, &active);
	CHECK(size == 10 && active == 1);
	usage(t, 1, &size, &active);
	CHECK(size == 10 && active == 2);	/* the partner's 36 is not ours */
	char buf[64];
	list_str(t, 0, buf, sizeof buf);
	CHECK_STR(buf, "17 15");

	/* The same ranges again (a reload): the same lists, same order. */
	lease_table_set_pools(t, f1, l1, 2);
	usage(t, 0, &size, &active);
	CHECK(size == 10 && active == 1);
	usage(t, 1, &size, &active);
	CHECK(size == 10 && active == 2);
	list_str(t, 0, buf, sizeof buf);
	CHECK_STR(buf, "17 15");
	list_str(t, 1, buf, sizeof buf);
	CHECK_STR(buf, "33");

	/* Split and merged: 10..14 and 15..35; 36..39 left out. */
	uint32_t f2[] = { A(10), A(15) }, l2[] = { A(14), A(35) };
	lease_table_set_pools(t, f2, l2, 2);
	CHECK_EQ(lease_pool_of(t, A(15)), 1);
	CHECK_EQ(lease_pool_of(t, A(36)), -1);
	usage(t, 0, &size, &active);
	CHECK(size == 5 && active == 1);
	usage(t, 1, &size, &active);
	CHECK(size == 21 && active == 2);
	list_str(t, 0, buf, sizeof buf);
	CHECK_STR(buf, "");
	/* Merged lists keep their own orders, the lower old pool first:
	 * the table does not keep when a lease became reusable. */
	list_str(t, 1, buf, sizeof buf);
	CHECK_STR(buf, "17 15 33");

	/* Only 40..60: 50 counts now, the released ones are nowhere. */
	uint32_t f3[] = { A(40) }, l3[] = { A(60) };
	lease_table_set_pools(t, f3, l3, 1);
	CHECK_EQ(lease_pool_count(t), 1);
	usage(t, 0, &size, &active);
	CHECK(size == 21 && active == 1);
	CHECK_EQ(lease_pick_free(t, 0, any, NULL), A(40));	/* a fresh cursor */
	list_str(t, 0, buf, sizeof buf);
	CHECK_STR(buf, "");
	/* The heap does not care about pools. */
	CHECK_EQ(lease_next_event(t), 5000);
	CHECK_EQ(expire(t, 5000), 5);
	usage(t, 0, &size, &active);
	CHECK_EQ(active, 0);
	lease_table_free(t);
}

/* ---- the change log under many changes ---- */

static bool keep_mod3(const struct lease *l, void *arg)
{
	(void)arg;
	return l->addr % 3 != 0;
}

/* Leases changed since `since`, in change order, by brute force. */
static size_t m_changes(struct lease **all, size_t n, uint64_t since, bool filter,
			struct lease **out)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (all[i]->seq > since && (!filter || keep_mod3(all[i], NULL)))
			out[k++] = all[i];
	for (size_t i = 1; i < k; i++)	/* insertion sort on seq */
		for (size_t j = i; j > 0 && out[j - 1]->seq > out[j]->seq; j--) {
			struct lease *x = out[j];
			out[j] = out[j - 1], out[j - 1] = x;
		}
	return k;
}

TEST(change_log_against_model)
{
	enum { NL = 300 };
	struct lease_table *t = lease_table_new();
	struct lease *all[NL], *want[NL], *got[NL];
	size_t n = 0;
	struct rng r = { 99 };
	uint64_t seq = 0;
	int bad = 0, pages = 0;
	for (int op = 0; op < 60000; op++) {
		/* Leases keep coming, most changes hit a few of them. */
		if (n < NL && rnd(&r, 100) == 0) {
			struct lease x = rec(B(n), LEASE_ACTIVE, (uint8_t)n, 1000);
			all[n++] = lease_upsert(t, &x);
		}
		if (!n)
			continue;
		struct lease *l = all[rnd(&r, 4) ? rnd(&r, n < 8 ? (uint32_t)n : 8) : rnd(&r, (uint32_t)n)];
		seq += 1 + rnd(&r, 3);
		bad += lease_set_seq(t, l, seq) != 0;
		if (op % 97 != 0)
			continue;
		/* A random page, with and without the filter. */
		uint64_t since = rnd(&r, (uint32_t)seq + 1);
		size_t max = 1 + rnd(&r, 20);
		bool filter = rnd(&r, 2), more;
		size_t k = m_changes(all, n, since, filter, want);
		size_t g = lease_changes_after(t, since, filter ? keep_mod3 : NULL, NULL, got, max, &more);
		bad += g != (k < max ? k : max) || more != (k > max);
		bad += memcmp(got, want, g * sizeof got[0]) != 0;
	}
	/* Paging through the whole log sees every lease once, in order. */
	uint64_t since = 0;
	size_t total = 0;
	bool more = true;
	while (more) {
		size_t g = lease_changes_after(t, since, NULL, NULL, got, 7, &more);
		for (size_t i = 0; i < g; i++, total++) {
			bad += got[i]->seq <= since;
			since = got[i]->seq;
		}
		bad += g == 0 && more;
		pages++;
	}
	CHECK_EQ(total, n);
	CHECK_EQ(since, seq);
	CHECK_EQ(bad, 0);
	CHECK(pages > 1);
	lease_table_free(t);
}

T_RUN(T_CASE(find_by_address_and_client), T_CASE(upsert_replaces_and_reindexes),
      T_CASE(pick_prefers_never_used_then_oldest), T_CASE(expiry_in_time_order),
      T_CASE(abandoned_returns_after_quarantine), T_CASE(pools_reassigned_on_reload),
      T_CASE(many_leases), T_CASE(walk_survives_growth), T_CASE(change_log_pages_in_change_order),
      T_CASE(indexes_grow_and_keep_every_lease), T_CASE(colliding_clients_against_model),
      T_CASE(heap_and_reuse_lists_against_model), T_CASE(reuse_list_oldest_first),
      T_CASE(backup_list_apart_from_reuse),
      T_CASE(cursor_hands_out_never_used_in_order), T_CASE(cursor_at_the_top_of_the_address_space),
      T_CASE(set_pools_moves_leases_and_counters), T_CASE(change_log_against_model))
