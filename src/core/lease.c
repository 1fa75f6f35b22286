/* The in-memory lease table. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "common/hash.h"
#include "core/lease.h"

enum idx { IDX_ADDR, IDX_CID, IDX_HW, IDX_N };

/* An index: open addressing with linear probing, at most half full.  A
 * slot holds a 32-bit key (the address itself, or 32 bits of the
 * client's hash) and the lease's id + 1 (0: empty), so probing and
 * growing never touch a lease; only a matching client key is checked
 * against the lease it names. */
struct slot {
	uint32_t key, ref;
};

struct htab {
	struct slot *s;
	size_t mask;		/* slots - 1 */
	size_t n;
};

/* The per-pool lists a lease may be on, one at a time, through its
 * free_prev/free_next links: the reuse list (free, expired, released,
 * reset: the stock of a server alone or of a failover primary) and the
 * backup list (a failover secondary's stock, kept apart as ISC keeps its
 * backup pool, so that neither server walks past the other's). */
enum list { LIST_NONE, LIST_REUSE, LIST_BACKUP, LIST_N };

struct pool {
	uint32_t first, last;
	uint64_t cursor;	/* next never-used candidate, first..last+1 */
	uint32_t active;
	/* Per list (enum list): head, oldest first, and tail. */
	struct lease *head[LIST_N], *tail[LIST_N];
};

/* Leases live in slabs of SLAB_N that never move: pointers to them stay
 * valid, and one allocation serves thousands of them. */
#define SLAB_SHIFT 14
#define SLAB_N (1u << SLAB_SHIFT)

struct lease_table {
	struct htab idx[IDX_N];
	struct lease **slabs;
	size_t nslabs, slabs_cap;
	size_t n;		/* leases allocated */
	uint64_t seed;
	struct lease **heap;
	size_t heap_n, heap_cap;
	struct pool *pools;
	size_t npools;
	/* The change log, in seq order.  An entry is stale once its lease
	 * has changed again (its seq moved on); stale ones are dropped when
	 * they outnumber the leases. */
	struct change { uint64_t seq; uint32_t id; } *chg;
	size_t nchg, chg_cap;
	/* Filed leases by state and origin, as of their last change. */
	uint64_t counts[LEASE_STATES][2];
};

static uint32_t addr_hash(const struct lease_table *t, uint32_t addr)
{
	return (uint32_t)hash_u32(t->seed, addr);
}

static uint32_t client_hash(const struct lease_table *t, const uint8_t *cid, uint8_t cid_len,
			    uint8_t htype, const uint8_t *hw, uint8_t hlen)
{
	uint8_t k[LEASE_HW_MAX + 1];
	if (cid_len)
		return (uint32_t)hash_bytes(t->seed, cid, cid_len);
	k[0] = htype;
	memcpy(k + 1, hw, hlen);
	return (uint32_t)hash_bytes(t->seed, k, 1u + hlen);
}

static uint32_t key_of(const struct lease_table *t, const struct lease *l, enum idx i)
{
	return i == IDX_ADDR ? l->addr : client_hash(t, l->cid, l->cid_len, l->htype, l->hw, l->hlen);
}

/* Where a key's probe starts. */
static size_t home_of(const struct lease_table *t, enum idx i, uint32_t key)
{
	return (i == IDX_ADDR ? addr_hash(t, key) : key) & t->idx[i].mask;
}

/* Which indexes a lease belongs in: every lease by address; by client
 * identifier when it has one, else by hardware address. */
static bool indexed(const struct lease *l, enum idx i)
{
	switch (i) {
	case IDX_ADDR: return true;
	case IDX_CID: return l->cid_len > 0;
	default: return l->cid_len == 0 && l->hlen > 0;
	}
}

static int htab_grow(struct lease_table *t, enum idx i)
{
	struct htab *h = &t->idx[i], old = *h;
	size_t ns = h->s ? (h->mask + 1) * 2 : 1024;
	if (!(h->s = calloc(ns, sizeof *h->s))) {
		*h = old;
		return -1;
	}
	h->mask = ns - 1;
	for (size_t k = 0; old.s && k <= old.mask; k++) {
		if (!old.s[k].ref)
			continue;
		size_t j = home_of(t, i, old.s[k].key);
		while (h->s[j].ref)
			j = (j + 1) & h->mask;
		h->s[j] = old.s[k];
	}
	free(old.s);
	return 0;
}

static int htab_add(struct lease_table *t, struct lease *l, enum idx i)
{
	struct htab *h = &t->idx[i];
	if ((!h->s || 2 * (h->n + 1) > h->mask + 1) && htab_grow(t, i) < 0)
		return -1;
	uint32_t key = key_of(t, l, i);
	size_t j = home_of(t, i, key);
	while (h->s[j].ref)
		j = (j + 1) & h->mask;
	h->s[j] = (struct slot){ key, l->id + 1 };
	h->n++;
	return 0;
}

/* Removes l, then closes the gap: a later slot of the run moves into the
 * hole unless its probe starts after the hole (Knuth's algorithm R), so
 * no tombstones are needed. */
static void htab_del(struct lease_table *t, struct lease *l, enum idx i)
{
	struct htab *h = &t->idx[i];
	if (!h->s)
		return;
	size_t k = home_of(t, i, key_of(t, l, i));
	while (h->s[k].ref != l->id + 1) {
		if (!h->s[k].ref)
			return;
		k = (k + 1) & h->mask;
	}
	for (size_t j = k;;) {
		j = (j + 1) & h->mask;
		if (!h->s[j].ref)
			break;
		size_t home = home_of(t, i, h->s[j].key);
		bool stays = k <= j ? k < home && home <= j : k < home || home <= j;
		if (!stays) {
			h->s[k] = h->s[j];
			k = j;
		}
	}
	h->s[k] = (struct slot){ 0, 0 };
	h->n--;
}

struct lease_table *lease_table_new(void)
{
	struct lease_table *t = calloc(1, sizeof *t);
	if (!t)
		return NULL;
	t->seed = hash_seed();
	return t;
}

int lease_table_set_seed(struct lease_table *t, uint64_t seed)
{
	if (t->n)
		return -1;
	t->seed = seed;
	return 0;
}

void lease_table_free(struct lease_table *t)
{
	if (!t)
		return;
	for (struct lease *l = lease_next(t, NULL); l; l = lease_next(t, l)) {
		free(l->cid);
		free(l->hostname);
	}
	for (size_t i = 0; i < t->nslabs; i++)
		free(t->slabs[i]);
	free(t->slabs);
	for (int i = 0; i < IDX_N; i++)
		free(t->idx[i].s);
	free(t->heap);
	free(t->pools);
	free(t->chg);
	free(t);
}

static struct lease *slot_of(const struct lease_table *t, size_t i)
{
	return &t->slabs[i >> SLAB_SHIFT][i & (SLAB_N - 1)];
}

/* A zeroed lease at the end of the slabs. */
static struct lease *lease_alloc(struct lease_table *t)
{
	if (t->n >= (size_t)UINT32_MAX - 1)
		return NULL;
	if (t->n == t->nslabs * SLAB_N) {
		if (t->nslabs == t->slabs_cap) {
			size_t cap = t->slabs_cap ? t->slabs_cap * 2 : 16;
			struct lease **s = realloc(t->slabs, cap * sizeof *s);
			if (!s)
				return NULL;
			t->slabs = s;
			t->slabs_cap = cap;
		}
		if (!(t->slabs[t->nslabs] = calloc(SLAB_N, sizeof(struct lease))))
			return NULL;
		t->nslabs++;
	}
	struct lease *l = slot_of(t, t->n);
	l->id = (uint32_t)t->n++;
	return l;
}

size_t lease_count(const struct lease_table *t)
{
	return t->idx[IDX_ADDR].n;
}

struct lease *lease_find(const struct lease_table *t, uint32_t addr)
{
	const struct htab *h = &t->idx[IDX_ADDR];
	if (!h->s)
		return NULL;
	for (size_t j = home_of(t, IDX_ADDR, addr); h->s[j].ref; j = (j + 1) & h->mask)
		if (h->s[j].key == addr)
			return slot_of(t, h->s[j].ref - 1);
	return NULL;
}

size_t lease_find_client(const struct lease_table *t, const uint8_t *cid, uint8_t cid_len,
			 uint8_t htype, const uint8_t *hw, uint8_t hlen,
			 struct lease **out, size_t max)
{
	enum idx i = cid_len ? IDX_CID : IDX_HW;
	const struct htab *h = &t->idx[i];
	if (!h->s)
		return 0;
	hlen = hlen > LEASE_HW_MAX ? LEASE_HW_MAX : hlen;
	uint32_t key = client_hash(t, cid, cid_len, htype, hw, hlen);
	size_t n = 0;
	for (size_t j = home_of(t, i, key); h->s[j].ref && n < max; j = (j + 1) & h->mask) {
		if (h->s[j].key != key)
			continue;
		struct lease *l = slot_of(t, h->s[j].ref - 1);
		bool same = cid_len ? l->cid_len == cid_len && memcmp(l->cid, cid, cid_len) == 0
				    : l->htype == htype && l->hlen == hlen &&
				      memcmp(l->hw, hw, hlen) == 0;
		if (same)
			out[n++] = l;
	}
	return n;
}

/* Expiry heap, keyed on end. */
static void heap_swap(struct lease_table *t, size_t a, size_t b)
{
	struct lease *x = t->heap[a];
	t->heap[a] = t->heap[b];
	t->heap[b] = x;
	t->heap[a]->heap_idx = (uint32_t)a;
	t->heap[b]->heap_idx = (uint32_t)b;
}

static void heap_up(struct lease_table *t, size_t i)
{
	while (i > 0 && t->heap[(i - 1) / 2]->end > t->heap[i]->end) {
		heap_swap(t, i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
}

static void heap_down(struct lease_table *t, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		if (l < t->heap_n && t->heap[l]->end < t->heap[m]->end)
			m = l;
		if (r < t->heap_n && t->heap[r]->end < t->heap[m]->end)
			m = r;
		if (m == i)
			return;
		heap_swap(t, i, m);
		i = m;
	}
}

static void heap_remove(struct lease_table *t, struct lease *l)
{
	size_t i = l->heap_idx;
	if (i == UINT32_MAX)
		return;
	l->heap_idx = UINT32_MAX;
	if (i != --t->heap_n) {
		t->heap[i] = t->heap[t->heap_n];
		t->heap[i]->heap_idx = (uint32_t)i;
		heap_down(t, i);
		heap_up(t, i);
	}
}

static int heap_put(struct lease_table *t, struct lease *l)
{
	if (l->heap_idx != UINT32_MAX) {
		heap_down(t, l->heap_idx);
		heap_up(t, l->heap_idx);
		return 0;
	}
	if (t->heap_n == t->heap_cap) {
		size_t cap = t->heap_cap ? t->heap_cap * 2 : 1024;
		struct lease **h = realloc(t->heap, cap * sizeof *h);
		if (!h)
			return -1;
		t->heap = h;
		t->heap_cap = cap;
	}
	l->heap_idx = (uint32_t)t->heap_n;
	t->heap[t->heap_n++] = l;
	heap_up(t, l->heap_idx);
	return 0;
}

int64_t lease_next_event(const struct lease_table *t)
{
	return t->heap_n ? t->heap[0]->end : INT64_MAX;
}

/* Per pool lists, in the order leases joined them, so the one that has
 * waited longest is picked first. */
static void list_del(struct lease_table *t, struct lease *l)
{
	if (l->list == LIST_NONE)
		return;
	struct pool *p = &t->pools[l->pool];
	if (l->free_prev)
		l->free_prev->free_next = l->free_next;
	else
		p->head[l->list] = l->free_next;
	if (l->free_next)
		l->free_next->free_prev = l->free_prev;
	else
		p->tail[l->list] = l->free_prev;
	l->free_prev = l->free_next = NULL;
	l->list = LIST_NONE;
}

static void list_add(struct lease_table *t, struct lease *l, uint8_t which)
{
	struct pool *p = &t->pools[l->pool];
	l->free_prev = p->tail[which];
	l->free_next = NULL;
	if (p->tail[which])
		p->tail[which]->free_next = l;
	else
		p->head[which] = l;
	p->tail[which] = l;
	l->list = which;
}

/* The list l belongs on.  A partner's lease is not ours to hand out, even
 * when it turned partner while on the list (an upsert from the sync
 * feed).  BACKUP exists only in failover, where the policy says whose it
 * is, so a backup lease is listed whoever wrote it. */
static uint8_t list_for(const struct lease *l)
{
	if (l->pool < 0)
		return LIST_NONE;
	if (lease_state_reusable(l->state) && !(l->flags & LEASE_F_PARTNER))
		return LIST_REUSE;
	return l->state == LEASE_BACKUP ? LIST_BACKUP : LIST_NONE;
}

/* Puts l in the structures its state calls for.  A lease that stays on
 * its list keeps its place. */
static int place(struct lease_table *t, struct lease *l)
{
	bool timed = l->state == LEASE_ACTIVE || l->state == LEASE_ABANDONED;
	if (l->pool >= 0 && l->state == LEASE_ACTIVE && !(l->flags & LEASE_F_PARTNER))
		t->pools[l->pool].active++;
	uint8_t which = list_for(l);
	if (which != l->list) {
		list_del(t, l);
		if (which != LIST_NONE)
			list_add(t, l, which);
	}
	if (timed)
		return heap_put(t, l);
	heap_remove(t, l);
	return 0;
}

static void unplace(struct lease_table *t, struct lease *l)
{
	if (l->pool >= 0 && l->state == LEASE_ACTIVE && !(l->flags & LEASE_F_PARTNER))
		t->pools[l->pool].active--;
}

int lease_pool_of(const struct lease_table *t, uint32_t addr)
{
	size_t lo = 0, hi = t->npools;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (addr < t->pools[mid].first)
			hi = mid;
		else if (addr > t->pools[mid].last)
			lo = mid + 1;
		else
			return (int)mid;
	}
	return -1;
}

static void client_unindex(struct lease_table *t, struct lease *l)
{
	if (indexed(l, IDX_CID))
		htab_del(t, l, IDX_CID);
	if (indexed(l, IDX_HW))
		htab_del(t, l, IDX_HW);
}

static int client_index(struct lease_table *t, struct lease *l)
{
	if (indexed(l, IDX_CID) && htab_add(t, l, IDX_CID) < 0)
		return -1;
	if (indexed(l, IDX_HW) && htab_add(t, l, IDX_HW) < 0)
		return -1;
	return 0;
}

int lease_set_client(struct lease_table *t, struct lease *l, const uint8_t *cid,
		     uint8_t cid_len, uint8_t htype, const uint8_t *hw, uint8_t hlen)
{
	uint8_t *ncid = NULL;
	if (cid_len) {
		if (l->cid_len == cid_len && memcmp(l->cid, cid, cid_len) == 0 &&
		    l->htype == htype && l->hlen == hlen && memcmp(l->hw, hw, hlen) == 0)
			return 0;
		ncid = malloc(cid_len);
		if (!ncid)
			return -1;
		memcpy(ncid, cid, cid_len);
	}
	client_unindex(t, l);
	free(l->cid);
	l->cid = ncid;
	l->cid_len = cid_len;
	l->htype = htype;
	l->hlen = hlen > LEASE_HW_MAX ? LEASE_HW_MAX : hlen;
	memset(l->hw, 0, sizeof l->hw);
	memcpy(l->hw, hw, l->hlen);
	return client_index(t, l);
}

int lease_set_hostname(struct lease *l, const char *name)
{
	if (l->hostname && name && strcmp(l->hostname, name) == 0)
		return 0;
	char *n = NULL;
	if (name && *name && !(n = strdup(name)))
		return -1;
	free(l->hostname);
	l->hostname = n;
	return 0;
}

void lease_set_state(struct lease_table *t, struct lease *l, uint8_t state, int64_t end)
{
	unplace(t, l);
	l->state = state;
	l->end = end;
	place(t, l);
}

struct lease *lease_upsert_rec(struct lease_table *t, const struct lease_rec *rec)
{
	struct lease *l = lease_find(t, rec->addr);
	if (!l) {
		if (!(l = lease_alloc(t)))
			return NULL;
		l->addr = rec->addr;
		l->heap_idx = UINT32_MAX;
		l->pool = lease_pool_of(t, rec->addr);
		if (htab_add(t, l, IDX_ADDR) < 0) {
			memset(l, 0, sizeof *l);	/* the last slot: give it back */
			t->n--;
			return NULL;
		}
	}
	if (lease_set_client(t, l, rec->cid, rec->cid_len, rec->htype, rec->hw, rec->hlen) < 0 ||
	    lease_set_hostname(l, rec->hostname) < 0)
		return NULL;
	unplace(t, l);
	l->flags = rec->flags;
	l->state = rec->state;
	l->pending_state = rec->pending_state;
	l->start = rec->start;
	l->end = rec->end;
	l->cltt = rec->cltt;
	l->tstp = rec->tstp;
	l->tsfp = rec->tsfp;
	l->atsfp = rec->atsfp;
	l->named_since = rec->named_since;
	l->offer_until = 0;	/* a record carries no offer */
	if (place(t, l) < 0)
		return NULL;
	return l;
}

int lease_table_set_pools(struct lease_table *t, const uint32_t *first,
			  const uint32_t *last, size_t n)
{
	struct pool *p = calloc(n ? n : 1, sizeof *p);
	if (!p)
		return -1;
	for (size_t i = 0; i < n; i++)
		p[i] = (struct pool){ .first = first[i], .last = last[i], .cursor = first[i] };
	/* The old lists, joined in their order into one chain: each lease
	 * goes back onto the tail of its list, so each list keeps its order. */
	struct lease *chain = NULL, *tail = NULL;
	for (int w = LIST_REUSE; w < LIST_N; w++)
		for (size_t i = 0; i < t->npools; i++) {
			struct pool *o = &t->pools[i];
			if (!o->head[w])
				continue;
			if (tail)
				tail->free_next = o->head[w];
			else
				chain = o->head[w];
			tail = o->tail[w];
		}
	free(t->pools);
	t->pools = p;
	t->npools = n;
	for (struct lease *l = lease_next(t, NULL); l; l = lease_next(t, l))
		l->pool = lease_pool_of(t, l->addr);
	/* Re-home every lease, counters from scratch.  A reload keeps the
	 * oldest reusable lease first: the leases that were on a list go
	 * first, in their old order (place() leaves them be the second
	 * time), then those that were on none, in creation order. */
	while (chain) {
		struct lease *l = chain;
		chain = l->free_next;
		l->list = LIST_NONE;
		l->free_prev = l->free_next = NULL;
		place(t, l);
	}
	for (struct lease *l = lease_next(t, NULL); l; l = lease_next(t, l))
		place(t, l);
	return 0;
}

uint32_t lease_pick_free(struct lease_table *t, int pi,
			 bool (*usable)(void *arg, uint32_t addr, const struct lease *l),
			 void *arg)
{
	struct pool *p = &t->pools[pi];
	/* Never-used addresses first.  The cursor only moves forward, past
	 * addresses that have a record or can never be pool stock (reserved,
	 * our own), so each address is looked at once over the table's life;
	 * it stays on a returned address until the caller records it. */
	for (; p->cursor <= p->last; p->cursor++) {
		uint32_t a = (uint32_t)p->cursor;
		if (!lease_find(t, a) && usable(arg, a, NULL))
			return a;
	}
	for (struct lease *l = p->head[LIST_REUSE]; l; l = l->free_next)
		if (usable(arg, l->addr, l))
			return l->addr;
	return 0;
}

uint32_t lease_pick_backup(struct lease_table *t, int pi,
			   bool (*usable)(void *arg, uint32_t addr, const struct lease *l),
			   void *arg)
{
	for (struct lease *l = t->pools[pi].head[LIST_BACKUP]; l; l = l->free_next)
		if (usable(arg, l->addr, l))
			return l->addr;
	return 0;
}

size_t lease_expire_each(struct lease_table *t, int64_t now,
			 void (*changed)(void *arg, struct lease *l), void *arg)
{
	size_t n = 0;
	while (t->heap_n && t->heap[0]->end <= now) {
		struct lease *l = t->heap[0];
		uint8_t next = l->state == LEASE_ACTIVE ? LEASE_EXPIRED : LEASE_FREE;
		lease_set_state(t, l, next, l->end);
		if (changed)
			changed(arg, l);
		n++;
	}
	return n;
}

size_t lease_expire(struct lease_table *t, int64_t now)
{
	return lease_expire_each(t, now, NULL, NULL);
}

struct lease *lease_next(const struct lease_table *t, struct lease *prev)
{
	size_t i = prev ? (size_t)prev->id + 1 : 0;
	return i < t->n ? slot_of(t, i) : NULL;
}

size_t lease_pool_count(const struct lease_table *t)
{
	return t->npools;
}

void lease_pool_usage(const struct lease_table *t, int p, uint32_t *size, uint32_t *active)
{
	*size = t->pools[p].last - t->pools[p].first + 1;
	*active = t->pools[p].active;
}

/* ---- the change log ---- */

static bool change_live(const struct lease_table *t, const struct change *c)
{
	return slot_of(t, c->id)->seq == c->seq;
}

/* Drops the stale entries, keeping the order. */
static void changes_compact(struct lease_table *t)
{
	size_t k = 0;
	for (size_t i = 0; i < t->nchg; i++)
		if (change_live(t, &t->chg[i]))
			t->chg[k++] = t->chg[i];
	t->nchg = k;
}

/* The counts follow the filed changes: every change is filed, so a lease
 * is counted as what it was at its last change. */
static void recount(struct lease_table *t, struct lease *l)
{
	if (l->counted)
		t->counts[(l->counted - 1) >> 1][(l->counted - 1) & 1]--;
	if (l->state >= LEASE_STATES) {
		l->counted = 0;
		return;
	}
	bool partner = l->flags & LEASE_F_PARTNER;
	t->counts[l->state][partner]++;
	l->counted = (uint8_t)(1 + (l->state << 1 | partner));
}

void lease_counts(const struct lease_table *t, uint64_t counts[LEASE_STATES][2])
{
	memcpy(counts, t->counts, sizeof t->counts);
}

int lease_set_seq(struct lease_table *t, struct lease *l, uint64_t seq)
{
	l->seq = seq;
	recount(t, l);
	if (t->nchg && t->chg[t->nchg - 1].seq >= seq) {
		/* Numbers only grow; anything else is a caller's bug that
		 * would hide changes from the feed. */
		fprintf(stderr, "lease: change %llu after %llu\n", (unsigned long long)seq,
			(unsigned long long)t->chg[t->nchg - 1].seq);
		abort();
	}
	if (t->nchg == t->chg_cap && t->nchg > 2 * t->n + 1024)
		changes_compact(t);
	if (t->nchg == t->chg_cap) {
		size_t cap = t->chg_cap ? t->chg_cap * 2 : 1024;
		struct change *c = realloc(t->chg, cap * sizeof *c);
		if (!c)
			return -1;
		t->chg = c;
		t->chg_cap = cap;
	}
	t->chg[t->nchg++] = (struct change){ seq, l->id };
	return 0;
}

size_t lease_changes_after(const struct lease_table *t, uint64_t since,
			   bool (*keep)(const struct lease *l, void *arg), void *arg,
			   struct lease **out, size_t max, bool *more)
{
	size_t lo = 0, hi = t->nchg;	/* the first entry with seq > since */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (t->chg[mid].seq <= since)
			lo = mid + 1;
		else
			hi = mid;
	}
	size_t n = 0;
	*more = false;
	for (size_t i = lo; i < t->nchg; i++) {
		if (!change_live(t, &t->chg[i]))
			continue;
		struct lease *l = slot_of(t, t->chg[i].id);
		if (keep && !keep(l, arg))
			continue;
		if (n == max) {
			*more = true;
			break;
		}
		out[n++] = l;
	}
	return n;
}
