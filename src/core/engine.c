/* The DHCP decision core (RFC 2131 section 4.3). */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/engine.h"
#include "core/classify.h"
#include "common/hash.h"
#include "common/text.h"

/* The client a request speaks for: option 61 when present, else
 * htype + chaddr (RFC 2131 section 4.2). */
struct client {
	const uint8_t *cid;
	uint8_t cid_len;
	uint8_t htype, hlen;
	const uint8_t *hw;
	const struct cfg_host *host;
	uint64_t classes;		/* bit i: config.classes[i] matched */
	char hwstr[49];
};

/* Everything a handler needs about one request. */
struct req {
	struct engine *e;
	const struct dhcp_msg *m;
	const struct engine_in *in;
	struct engine_result *r;
	const struct cfg_subnet *link;	/* the link's or relay's subnet */
	const struct cfg_subnet *sn;	/* the reply's: link's, or the subnet of
					   its shared network that the address is in */
	const struct cfg_pool *pool;	/* the POOL_n.KEY settings of the pool
					   the reply's address is in, if any */
	uint32_t server_id;
	struct client c;
};

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

/* What a client section is found by: htype and chaddr for a MAC section
 * (cid 0), option 61 for a CLIENTID one (cid 1; htype unused). */
struct host_key {
	bool cid;
	uint8_t htype;
	uint8_t len;
	const uint8_t *v;
};

static struct host_key key_of(const struct cfg_host *h)
{
	if (h->cid_len)
		return (struct host_key){ true, 0, h->cid_len, h->cid };
	return (struct host_key){ false, h->htype, h->hlen, h->hw };
}

/* Seeded: the hardware address and the client identifier are the
 * client's to choose. */
static size_t hash_key(uint64_t seed, const struct host_key *k)
{
	uint8_t b[2 + CFG_CID_MAX];
	b[0] = k->cid;
	b[1] = k->htype;
	memcpy(b + 2, k->v, k->len);
	return (size_t)hash_bytes(seed, b, 2u + k->len);
}

static bool host_is(const struct cfg_host *h, const struct host_key *k)
{
	struct host_key hk = key_of(h);
	return hk.cid == k->cid && hk.htype == k->htype && hk.len == k->len &&
	       memcmp(hk.v, k->v, k->len) == 0;
}

/* Open addressing over the client sections, by hardware address and by
 * client identifier in one table, at most half full.  An identifier named
 * twice keeps its first section, as the linear search did (the parser
 * refuses duplicates anyway). */
static uint32_t *host_index(const struct config *cfg, uint64_t seed, size_t *mask)
{
	size_t cap = 16;
	while (cap < 2 * cfg->nhosts)
		cap <<= 1;
	uint32_t *slots = calloc(cap, sizeof *slots);
	if (!slots)
		return NULL;
	*mask = cap - 1;
	for (size_t k = 0; k < cfg->nhosts; k++) {
		struct host_key hk = key_of(&cfg->hosts[k]);
		size_t i = hash_key(seed, &hk) & *mask;
		bool dup = false;
		for (; slots[i]; i = (i + 1) & *mask)
			dup |= host_is(&cfg->hosts[slots[i] - 1], &hk);
		if (!dup)
			slots[i] = (uint32_t)k + 1;
	}
	return slots;
}

int engine_set_config(struct engine *e, const struct config *cfg, struct lease_table *t)
{
	size_t n = 0;
	for (size_t i = 0; i < cfg->nsubnets; i++)
		n += cfg->subnets[i].nranges;
	uint32_t *first = calloc(n + 1, sizeof *first);
	uint32_t *last = calloc(n + 1, sizeof *last);
	uint32_t *resv = calloc(cfg->nhosts + 1, sizeof *resv);
	if (!first || !last || !resv)
		goto fail;
	struct { uint32_t f, l; } *rg = calloc(n + 1, sizeof *rg);
	if (!rg)
		goto fail;
	size_t k = 0;
	for (size_t i = 0; i < cfg->nsubnets; i++)
		for (size_t j = 0; j < cfg->subnets[i].nranges; j++, k++) {
			rg[k].f = cfg->subnets[i].ranges[j].first;
			rg[k].l = cfg->subnets[i].ranges[j].last;
		}
	qsort(rg, n, sizeof *rg, cmp_u32);	/* first field leads the struct */
	for (k = 0; k < n; k++) {
		first[k] = rg[k].f;
		last[k] = rg[k].l;
	}
	free(rg);
	if (lease_table_set_pools(t, first, last, n) < 0)
		goto fail;
	size_t nr = 0;
	for (size_t i = 0; i < cfg->nhosts; i++)
		if (cfg->hosts[i].addr)
			resv[nr++] = cfg->hosts[i].addr;
	qsort(resv, nr, sizeof *resv, cmp_u32);
	size_t mask;
	uint64_t seed = hash_seed();
	uint32_t *slots = host_index(cfg, seed, &mask);
	if (!slots)
		goto fail;
	free(first);
	free(last);
	free(e->host_slots);
	e->host_slots = slots;
	e->host_mask = mask;
	e->host_seed = seed;
	free(e->reserved);
	e->reserved = resv;
	e->nreserved = nr;
	e->cfg = cfg;
	e->leases = t;
	return 0;
fail:
	free(first);
	free(last);
	free(resv);
	return -1;
}

void engine_free(struct engine *e)
{
	free(e->reserved);
	e->reserved = NULL;
	free(e->host_slots);
	e->host_slots = NULL;
}

static const struct cfg_host *host_find(const struct engine *e, const struct host_key *k)
{
	if (!e->host_slots)
		return NULL;
	for (size_t i = hash_key(e->host_seed, k) & e->host_mask; e->host_slots[i];
	     i = (i + 1) & e->host_mask) {
		const struct cfg_host *h = &e->cfg->hosts[e->host_slots[i] - 1];
		if (host_is(h, k))
			return h;
	}
	return NULL;
}

const struct cfg_host *engine_host_for(const struct engine *e, uint8_t htype,
				       const uint8_t *hw, uint8_t hlen)
{
	if (hlen > sizeof e->cfg->hosts[0].hw)
		return NULL;
	return host_find(e, &(struct host_key){ false, htype, hlen, hw });
}

const struct cfg_host *engine_host_for_cid(const struct engine *e, const uint8_t *cid,
					   size_t len)
{
	if (len == 0 || len > CFG_CID_MAX)
		return NULL;
	return host_find(e, &(struct host_key){ true, 0, (uint8_t)len, cid });
}

/* The client's section: by client identifier when the request has one,
 * else by hardware address.  The identifier is what the client names
 * itself by (RFC 2131 section 4.2), and what its leases are kept under;
 * ISC dhcpd looks up by it first too (find_hosts_by_uid, then _by_haddr). */
static const struct cfg_host *client_host(const struct engine *e, const struct client *c)
{
	const struct cfg_host *h = c->cid_len ? engine_host_for_cid(e, c->cid, c->cid_len) : NULL;
	return h ? h : engine_host_for(e, c->htype, c->hw, c->hlen);
}

static bool is_reserved(const struct engine *e, uint32_t a)
{
	return bsearch(&a, e->reserved, e->nreserved, sizeof a, cmp_u32) != NULL;
}

bool engine_reserved(const struct engine *e, uint32_t addr)
{
	return is_reserved(e, addr);
}

const char *engine_hw_str(char *buf, uint8_t htype, const uint8_t *hw, uint8_t hlen)
{
	(void)htype;
	return text_hex(buf, hw, hlen > 16 ? 16 : hlen, ':');
}

static const char *ipstr(uint32_t a, char buf[TEXT_IP4_LEN])
{
	return text_ip4(a, buf);
}

static bool same_client(const struct lease *l, const struct client *c)
{
	if (c->cid_len)
		return l->cid_len == c->cid_len && memcmp(l->cid, c->cid, c->cid_len) == 0;
	return l->cid_len == 0 && l->htype == c->htype && l->hlen == c->hlen &&
	       memcmp(l->hw, c->hw, c->hlen) == 0;
}

static bool in_subnet(const struct cfg_subnet *sn, uint32_t a)
{
	return (a & sn->mask) == sn->net;
}

/* The subnet of the link's shared network that holds a (the link's own
 * subnet alone when it has none), or NULL: an address on the right
 * network (RFC 2131 section 4.3.2). */
static const struct cfg_subnet *network_of(const struct req *q, uint32_t a)
{
	const struct cfg_subnet *sn = q->link;
	for (size_t i = 0; i < sn->ngroup; i++) {
		const struct cfg_subnet *g = &q->e->cfg->subnets[sn->group[i]];
		if (in_subnet(g, a))
			return g;
	}
	return !sn->ngroup && in_subnet(sn, a) ? sn : NULL;
}

/* The i-th subnet of the link's network, the link's own first. */
static const struct cfg_subnet *member(const struct req *q, size_t i)
{
	return q->link->ngroup ? &q->e->cfg->subnets[q->link->group[i]] : q->link;
}

static size_t members(const struct req *q)
{
	return q->link->ngroup ? q->link->ngroup : 1;
}

/* In a pool of the request's subnet that the client's classes may use. */
static bool in_pools(const struct req *q, uint32_t a)
{
	const struct cfg_subnet *sn = q->sn;
	for (size_t i = 0; i < sn->nranges; i++)
		if (a >= sn->ranges[i].first && a <= sn->ranges[i].last)
			return classify_pool_allows(&sn->ranges[i], q->c.classes);
	return false;
}

bool engine_owns_alone(void *arg, uint32_t addr, const struct lease *l)
{
	(void)arg, (void)addr;
	return !l || (!(l->flags & LEASE_F_PARTNER) && l->state != LEASE_BACKUP);
}

static bool owns(const struct req *q, uint32_t a, const struct lease *l)
{
	const struct engine_policy *p = &q->e->policy;
	return p->owns ? p->owns(p->arg, a, l) : engine_owns_alone(NULL, a, l);
}

static bool offered_elsewhere(const struct req *q, const struct lease *l)
{
	return l->offer_until > q->in->mono_ms && !same_client(l, &q->c);
}

/* May address a go to this client?  l is its record, if any. */
static bool usable_for(const struct req *q, uint32_t a, const struct lease *l)
{
	if (a == q->server_id || a == q->sn->net || a == (q->sn->net | ~q->sn->mask))
		return false;
	if (is_reserved(q->e, a) && !(q->c.host && q->c.host->addr == a))
		return false;
	if (!owns(q, a, l))
		return false;
	if (!l)
		return true;
	if (l->state == LEASE_ACTIVE || l->state == LEASE_ABANDONED)
		return same_client(l, &q->c) && l->state == LEASE_ACTIVE;
	return !offered_elsewhere(q, l);
}

static bool usable_cb(void *arg, uint32_t a, const struct lease *l)
{
	return usable_for(arg, a, l);
}

/* The client's own record in this subnet: its active lease first, then
 * one offered to it, then the one it had last (RFC 2131 section 4.3.1). */
static struct lease *client_lease(const struct req *q)
{
	struct lease *ls[16], *best = NULL;
	size_t n = lease_find_client(q->e->leases, q->c.cid, q->c.cid_len, q->c.htype,
				     q->c.hw, q->c.hlen, ls, 16);
	int best_rank = 0;
	for (size_t i = 0; i < n; i++) {
		struct lease *l = ls[i];
		if (!network_of(q, l->addr) || !owns(q, l->addr, l))
			continue;
		int rank = l->state == LEASE_ACTIVE ? 4
			 : l->offer_until > q->in->mono_ms ? 3
			 : lease_state_reusable(l->state) ? 2 : 0;
		if (rank > best_rank || (rank == best_rank && best && l->end > best->end)) {
			best = l;
			best_rank = rank;
		}
	}
	return best_rank ? best : NULL;
}

/* Whether pool address a of the link's network may go to the client;
 * if so the reply is built from a's subnet. */
static bool take(struct req *q, uint32_t a, const struct lease *l)
{
	const struct cfg_subnet *was = q->sn;
	if (!(q->sn = network_of(q, a)) || !in_pools(q, a) || !usable_for(q, a, l)) {
		q->sn = was;
		return false;
	}
	return true;
}

/* A never-used address of sn's pools, else its longest-expired one. */
static uint32_t pick_free(struct req *q, const struct cfg_subnet *sn)
{
	const struct engine_policy *pol = &q->e->policy;
	unsigned stock = pol->stock ? pol->stock(pol->arg, sn) : ENGINE_STOCK_FREE;
	q->sn = sn;	/* usable_cb reads it */
	for (size_t i = 0; i < sn->nranges; i++) {
		if (!classify_pool_allows(&sn->ranges[i], q->c.classes))
			continue;
		int p = lease_pool_of(q->e->leases, sn->ranges[i].first);
		uint32_t a = 0;
		if (p >= 0 && (stock & ENGINE_STOCK_FREE))
			a = lease_pick_free(q->e->leases, p, usable_cb, q);
		if (p >= 0 && !a && (stock & ENGINE_STOCK_BACKUP))
			a = lease_pick_backup(q->e->leases, p, usable_cb, q);
		if (a)
			return a;
	}
	return 0;
}

/* Address choice: reservation, the client's current or last address, a
 * free requested address, a never-used address, the longest-expired.
 * On a shared network each step looks at every subnet of it, and the
 * free stock of the link's own subnet is used up before the next one's
 * (ISC dhcpd's shared-network, Kea's shared-networks). */
static uint32_t choose_address(struct req *q)
{
	const struct cfg_host *h = q->c.host;
	const struct cfg_subnet *sn;
	if (h && h->addr && (sn = network_of(q, h->addr))) {
		struct lease *l = lease_find(q->e->leases, h->addr);
		q->sn = sn;
		if (!l || same_client(l, &q->c) || lease_state_reusable(l->state))
			return h->addr;
		return 0;
	}
	struct lease *own = client_lease(q);
	if (own && take(q, own->addr, own))
		return own->addr;
	uint32_t want = dhcp_opt_ip(q->m, DO_REQUESTED_IP);
	if (want && take(q, want, lease_find(q->e->leases, want)))
		return want;
	for (size_t i = 0; i < members(q); i++) {
		uint32_t a = pick_free(q, member(q, i));
		if (a)
			return a;
	}
	q->sn = q->link;
	return 0;
}

static const struct cfg_class *class_with(const struct req *q, int field);

/* The reservation's lease time, else its first class's that sets one,
 * else the subnet's; a time the client asks for (option 51) within the
 * subnet's MinLeaseTime..MaxLeaseTime, which default to that time, so a
 * request changes nothing unless a bound is configured (as Kea's min- and
 * max-valid-lifetime). */
static uint32_t wanted_time(const struct req *q)
{
	const struct cfg_class *k;
	uint32_t base = q->c.host && q->c.host->lease_time ? q->c.host->lease_time :
			(k = class_with(q, 3)) ? k->lease_time : q->sn->lease_time;
	size_t n;
	const uint8_t *v = dhcp_opt(q->m, DO_LEASE_TIME, &n);
	if (!v || n != 4)
		return base;
	uint32_t want = (uint32_t)v[0] << 24 | (uint32_t)v[1] << 16 | (uint32_t)v[2] << 8 | v[3];
	uint32_t lo = q->sn->min_lease && q->sn->min_lease < base ? q->sn->min_lease : base;
	uint32_t hi = q->sn->max_lease > base ? q->sn->max_lease : base;
	return want < lo ? lo : want > hi ? hi : want;
}

/* The time to grant on l, as the policy allows. */
static uint32_t lease_time_for(const struct req *q, const struct lease *l)
{
	uint32_t secs = wanted_time(q);
	const struct engine_policy *p = &q->e->policy;
	return p->lease_time ? p->lease_time(p->arg, l, secs, q->in->now) : secs;
}

/* A changed lease that must reach the journal.  There is room for every
 * change one answer can make (ENGINE_DIRTY_MAX); running out would lose a
 * change silently, so it is a broken invariant and fatal. */
static void mark_dirty(struct engine_result *r, struct lease *l)
{
	for (size_t i = 0; i < r->ndirty; i++)
		if (r->dirty[i] == l)
			return;
	if (r->ndirty >= ENGINE_DIRTY_MAX) {
		fprintf(stderr, "engine: more than %d lease changes in one answer\n",
			ENGINE_DIRTY_MAX);
		abort();
	}
	r->dirty[r->ndirty++] = l;
}

/* Takes the client's hostname: the reservation's, else option 81's name,
 * else option 12 (RFC 4702, RFC 2132 section 3.14). */
static void client_hostname(const struct req *q, char *buf, size_t cap)
{
	buf[0] = 0;
	if (q->c.host && q->c.host->hostname[0]) {
		snprintf(buf, cap, "%s", q->c.host->hostname);
		return;
	}
	size_t len;
	const uint8_t *v = dhcp_opt(q->m, DO_FQDN, &len);
	size_t skip = 3;
	char label[TEXT_LABEL_MAX + 1];
	if (v && len > skip && (v[0] & 0x04)) {
		/* RFC 4702 section 2.3.1: the name in canonical wire format. */
		if (text_label_clean_wire(v + skip, len - skip, label) == 0) {
			snprintf(buf, cap, "%s", label);
			return;
		}
		v = NULL;
	}
	if (!v || len <= skip) {
		v = dhcp_opt(q->m, DO_HOSTNAME, &len);
		skip = 0;
	}
	if (!v)
		return;
	size_t o = 0;
	for (size_t i = skip; i < len && o + 1 < cap; i++)
		buf[o++] = (v[i] >= 0x21 && v[i] < 0x7f) ? (char)v[i] : '_';
	buf[o] = 0;
}

/* The binding's hostname, and since when it has held it: in a DNS name
 * clash the earliest active binding of the name keeps it (dns/names.c),
 * so a renewal keeps the time, and a new name or a new binding starts it
 * again.  A renewal without a name keeps the one it has.  A lease of an
 * older journal has no time yet: its start stands in. */
static void name_binding(struct lease *l, const char *host, bool fresh, int64_t now)
{
	if (!host[0] && !fresh)
		return;
	if (fresh || !l->hostname || strcmp(l->hostname, host) != 0)
		l->named_since = host[0] ? now : 0;
	else if (!l->named_since)
		l->named_since = l->start ? l->start : now;
	lease_set_hostname(l, host);
}

/* Binds addr to the client: the state change that needs the journal.
 * The lease time is asked of the policy on the address's record as it
 * was (failover reads what the partner acknowledged of it). */
static struct lease *commit(struct req *q, uint32_t addr)
{
	struct lease_table *t = q->e->leases;
	struct lease *ls[ENGINE_CLIENT_LEASES];
	size_t n = lease_find_client(t, q->c.cid, q->c.cid_len, q->c.htype, q->c.hw,
				     q->c.hlen, ls, ENGINE_CLIENT_LEASES);
	/* One address per client per network: an older binding is released. */
	for (size_t i = 0; i < n; i++)
		if (ls[i]->addr != addr && ls[i]->state == LEASE_ACTIVE &&
		    network_of(q, ls[i]->addr) && owns(q, ls[i]->addr, ls[i])) {
			lease_set_state(t, ls[i], LEASE_RELEASED, q->in->now);
			mark_dirty(q->r, ls[i]);
		}
	struct lease *l = lease_find(t, addr);
	bool fresh = !l || l->state != LEASE_ACTIVE || !same_client(l, &q->c);
	if (!l) {
		struct lease rec = { .addr = addr, .state = LEASE_FREE };
		if (!(l = lease_upsert(t, &rec)))
			return NULL;
	}
	if (lease_set_client(t, l, q->c.cid, q->c.cid_len, q->c.htype, q->c.hw, q->c.hlen) < 0)
		return NULL;
	char host[LEASE_HOST_MAX + 1];
	client_hostname(q, host, sizeof host);
	name_binding(l, host, fresh, q->in->now);
	if (fresh)
		l->start = q->in->now;
	l->cltt = q->in->now;
	l->offer_until = 0;
	l->flags &= (uint8_t)~LEASE_F_PARTNER;
	uint32_t secs = lease_time_for(q, l);
	lease_set_state(t, l, LEASE_ACTIVE, q->in->now + secs);
	const struct engine_policy *p = &q->e->policy;
	if (p->bound)
		p->bound(p->arg, l, wanted_time(q), q->in->now);
	mark_dirty(q->r, l);
	return l;
}

/* Holds addr for the client for OfferHold seconds; in memory only. */
static struct lease *hold_offer(struct req *q, uint32_t addr)
{
	struct lease_table *t = q->e->leases;
	struct lease *l = lease_find(t, addr);
	if (!l) {
		struct lease rec = { .addr = addr, .state = LEASE_FREE };
		if (!(l = lease_upsert(t, &rec)))
			return NULL;
	}
	if (l->state != LEASE_ACTIVE &&
	    lease_set_client(t, l, q->c.cid, q->c.cid_len, q->c.htype, q->c.hw, q->c.hlen) < 0)
		return NULL;
	l->offer_until = q->in->mono_ms + (int64_t)q->e->cfg->offer_secs * 1000;
	return l;
}

/* The first of the client's classes, in file order, that sets field
 * (0: NEXTSERVER, 1: SNAME, 2: BOOTFILE, 3: LEASETIME), or NULL. */
static const struct cfg_class *class_with(const struct req *q, int field)
{
	const struct config *c = q->e->cfg;
	for (size_t i = 0; q->c.classes && i < c->nclasses; i++) {
		const struct cfg_class *k = &c->classes[i];
		if ((q->c.classes & (1ull << i)) &&
		    (field == 0 ? k->siaddr != 0 : field == 1 ? k->sname[0] :
		     field == 2 ? k->bootfile[0] : k->lease_time != 0))
			return k;
	}
	return NULL;
}

/* The pool settings of the pool of q->sn that holds a, for the reply. */
static void set_pool(struct req *q, uint32_t a)
{
	const struct cfg_subnet *sn = q->sn;
	q->pool = NULL;
	for (size_t i = 0; sn->npools && i < sn->nranges; i++)
		if (a >= sn->ranges[i].first && a <= sn->ranges[i].last) {
			if (sn->ranges[i].pool)
				q->pool = &sn->pools[sn->ranges[i].pool - 1];
			return;
		}
}

/* siaddr, sname and file: the reservation's, else the first class's that
 * sets one, else the pool's, else the subnet's (which holds [GENERAL]'s).
 * A set sname or file is not used for option overload (RFC 2131 section
 * 4.1). */
static void boot_fields(const struct req *q, struct dhcp_out *o)
{
	const struct cfg_host *h = q->c.host;
	const struct cfg_pool *p = q->pool;
	const struct cfg_class *k;
	o->siaddr = h && h->siaddr ? h->siaddr : (k = class_with(q, 0)) ? k->siaddr :
		    p && p->siaddr ? p->siaddr : q->sn->siaddr;
	snprintf(o->sname, sizeof o->sname, "%s", h && h->sname[0] ? h->sname :
		 (k = class_with(q, 1)) ? k->sname : p && p->sname[0] ? p->sname : q->sn->sname);
	snprintf(o->file, sizeof o->file, "%s", h && h->bootfile[0] ? h->bootfile :
		 (k = class_with(q, 2)) ? k->bootfile :
		 p && p->bootfile[0] ? p->bootfile : q->sn->bootfile);
}

/* Reply skeleton (RFC 2131 table 3). */
static void reply_init(struct req *q, uint8_t type)
{
	struct dhcp_out *o = &q->r->out;
	const struct dhcp_msg *m = q->m;
	o->op = 2;
	o->htype = m->htype;
	o->hlen = m->hlen;
	o->xid = m->xid;
	o->flags = m->flags;
	o->giaddr = m->giaddr;
	memcpy(o->chaddr, m->chaddr, 16);
	if (type != DHCPNAK) {
		boot_fields(q, o);
	} else if (m->giaddr) {
		o->flags |= DHCP_BROADCAST_FLAG;	/* RFC 2131 section 4.3.2 */
	}
	dhcp_out_add(o, DO_MSG_TYPE, &type, 1);
	dhcp_out_add_u32(o, DO_SERVER_ID, q->server_id);
	q->e->st.tx[type]++;
}

static const struct cfg_opt *find_opt(const struct cfg_optset *s, uint8_t code)
{
	for (size_t i = 0; s && i < s->n; i++)
		if (s->v[i].code == code)
			return &s->v[i];
	return NULL;
}

/* The option of the first of the client's classes that sets code. */
static const struct cfg_opt *class_opt(const struct req *q, uint8_t code)
{
	const struct config *c = q->e->cfg;
	const struct cfg_opt *o = NULL;
	for (size_t i = 0; q->c.classes && !o && i < c->nclasses; i++)
		if (q->c.classes & (1ull << i))
			o = find_opt(&c->classes[i].opts, code);
	return o;
}

/* The pool's options (the subnet's under its own, merged at load), else
 * the subnet's (which hold [GENERAL]'s). */
static const struct cfg_optset *base_opts(const struct req *q)
{
	return q->pool ? &q->pool->opts : &q->sn->opts;
}

/* A configured option, the most specific first: the client's section,
 * its classes in file order, the pool, the subnet, [GENERAL]. */
static const struct cfg_opt *config_opt(const struct req *q, uint8_t code)
{
	const struct cfg_opt *o = q->c.host ? find_opt(&q->c.host->opts, code) : NULL;
	if (!o)
		o = class_opt(q, code);
	return o ? o : find_opt(base_opts(q), code);
}

static bool handled_elsewhere(uint8_t code)
{
	switch (code) {
	case DO_PAD: case DO_END: case DO_OVERLOAD: case DO_MSG_TYPE: case DO_SERVER_ID:
	case DO_LEASE_TIME: case DO_T1: case DO_T2: case DO_CLIENT_ID: case DO_RELAY_INFO:
	case DO_PARAM_LIST: case DO_MAX_SIZE: case DO_REQUESTED_IP:
		return true;
	default:
		return false;
	}
}

enum send_rule { SEND_ASKED, SEND_ALWAYS, SEND_NEVER };

static enum send_rule rule_in(const struct cfg_codes *always, const struct cfg_codes *never,
			      uint8_t code)
{
	return cfg_codes_has(always, code) ? SEND_ALWAYS :
	       cfg_codes_has(never, code) ? SEND_NEVER : SEND_ASKED;
}

/* AlwaysSend / NeverSend for code: the most specific scope that names it
 * decides, in the order of config_opt (the subnet's sets already hold
 * [GENERAL]'s under its own). */
static enum send_rule send_rule(const struct req *q, uint8_t code)
{
	const struct cfg_host *h = q->c.host;
	const struct config *c = q->e->cfg;
	enum send_rule r = h ? rule_in(&h->always, &h->never, code) : SEND_ASKED;
	for (size_t i = 0; r == SEND_ASKED && q->c.classes && i < c->nclasses; i++)
		if (q->c.classes & (1ull << i))
			r = rule_in(&c->classes[i].always, &c->classes[i].never, code);
	return r != SEND_ASKED ? r : rule_in(&q->sn->always, &q->sn->never, code);
}

/* Every code send_rule makes SEND_ALWAYS, a word at a time. */
static struct cfg_codes always_sent(const struct req *q)
{
	const struct cfg_host *h = q->c.host;
	const struct config *c = q->e->cfg;
	struct cfg_codes out = { { 0 } };
	for (size_t w = 0; w < 4; w++) {
		uint64_t named = 0;
		if (h) {
			out.w[w] = h->always.w[w];
			named = h->always.w[w] | h->never.w[w];
		}
		for (size_t i = 0; q->c.classes && i < c->nclasses; i++)
			if (q->c.classes & (1ull << i)) {
				out.w[w] |= c->classes[i].always.w[w] & ~named;
				named |= c->classes[i].always.w[w] | c->classes[i].never.w[w];
			}
		out.w[w] |= q->sn->always.w[w] & ~named;
	}
	return out;
}

static void add_config_opt(struct req *q, uint8_t code)
{
	if (handled_elsewhere(code) || dhcp_out_has(&q->r->out, code) ||
	    send_rule(q, code) == SEND_NEVER)
		return;
	const struct cfg_opt *o = config_opt(q, code);
	if (o)
		dhcp_out_add(&q->r->out, code, o->data, o->len);
	else if (code == DO_HOSTNAME && q->c.host && q->c.host->hostname[0])
		dhcp_out_add(&q->r->out, code, q->c.host->hostname, strlen(q->c.host->hostname));
}

/* Configured options: in the order of the parameter request list when
 * there is one (RFC 2132 section 9.8), then the AlwaysSend ones it left
 * out; else all of them.  The mask always, unless NeverSend names it;
 * NeverSend keeps an option out even when asked for. */
static void add_options(struct req *q)
{
	add_config_opt(q, DO_SUBNET_MASK);
	size_t n;
	const uint8_t *prl = dhcp_opt(q->m, DO_PARAM_LIST, &n);
	if (prl) {
		for (size_t i = 0; i < n; i++)
			add_config_opt(q, prl[i]);
		struct cfg_codes always = always_sent(q);
		for (unsigned code = 2; code <= 254; code++)
			if (cfg_codes_has(&always, (uint8_t)code))
				add_config_opt(q, (uint8_t)code);
		return;
	}
	const struct cfg_optset *base = base_opts(q);
	for (size_t i = 0; i < base->n; i++)
		add_config_opt(q, base->v[i].code);
	for (size_t k = 0; q->c.classes && k < q->e->cfg->nclasses; k++)
		for (size_t i = 0; (q->c.classes & (1ull << k)) &&
				   i < q->e->cfg->classes[k].opts.n; i++)
			add_config_opt(q, q->e->cfg->classes[k].opts.v[i].code);
	for (size_t i = 0; q->c.host && i < q->c.host->opts.n; i++)
		add_config_opt(q, q->c.host->opts.v[i].code);
	add_config_opt(q, DO_HOSTNAME);
}

/* Option 61 back to the client (RFC 6842) and option 82 back to the
 * relay (RFC 3046 section 2.2), last. */
static void add_echoes(struct req *q)
{
	size_t n;
	const uint8_t *v = dhcp_opt(q->m, DO_CLIENT_ID, &n);
	if (v)
		dhcp_out_add(&q->r->out, DO_CLIENT_ID, v, n);
	v = dhcp_opt(q->m, DO_RELAY_INFO, &n);
	if (v && q->m->giaddr)
		dhcp_out_add(&q->r->out, DO_RELAY_INFO, v, n);
}

/* T1 and T2 (RFC 2131 section 4.4.5): the subnet's in seconds when they
 * fall inside this lease in order, else T1Percent/T2Percent of it, else
 * 1/2 and 7/8.  A lease cut short (failover's MCLT) keeps them in order. */
static void add_times(struct req *q, uint32_t secs)
{
	const struct config *c = q->e->cfg;
	uint64_t t1 = c->t1_pct ? (uint64_t)secs * c->t1_pct / 100 : secs / 2;
	uint64_t t2 = c->t2_pct ? (uint64_t)secs * c->t2_pct / 100 : (uint64_t)secs * 7 / 8;
	if (q->sn->t2 && q->sn->t2 < secs)
		t2 = q->sn->t2;
	if (q->sn->t1 && q->sn->t1 < t2)
		t1 = q->sn->t1;
	else if (t1 >= t2)
		t1 = t2 * 4 / 7;	/* 1/2 against 7/8 */
	dhcp_out_add_u32(&q->r->out, DO_LEASE_TIME, secs);
	if (secs != UINT32_MAX) {
		dhcp_out_add_u32(&q->r->out, DO_T1, (uint32_t)t1);
		dhcp_out_add_u32(&q->r->out, DO_T2, (uint32_t)t2);
	}
}

/* Reply destination, RFC 2131 section 4.1. */
static void route_reply(struct req *q, uint8_t type)
{
	const struct dhcp_msg *m = q->m;
	struct engine_result *r = q->r;
	if (m->giaddr) {
		r->dest = DEST_RELAY;
		r->dest_addr = m->giaddr;
	} else if (type == DHCPNAK) {
		r->dest = DEST_BROADCAST;
	} else if (m->ciaddr && type == DHCPACK) {
		/* Only an ACK goes to ciaddr: a DISCOVER has none (RFC 2131
		 * table 5), so an OFFER to one would go nowhere (ISC and Kea
		 * ignore it too). */
		r->dest = DEST_CIADDR;
		r->dest_addr = m->ciaddr;
	} else if ((m->flags & DHCP_BROADCAST_FLAG) || m->htype != 1 || m->hlen != 6 ||
		   !r->out.yiaddr) {
		r->dest = DEST_BROADCAST;
	} else {
		r->dest = DEST_HWADDR;
		r->dest_addr = r->out.yiaddr;
	}
}

static void note(struct req *q, bool notable, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#include <stdarg.h>
/* The note is only read when it is logged: a notable event, or every
 * packet with Trace=1.  Formatting it for nothing cost a vsnprintf per
 * OFFER and ACK. */
static void note(struct req *q, bool notable, const char *fmt, ...)
{
	q->r->notable = notable;
	if (!notable && !q->e->cfg->trace)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(q->r->note, sizeof q->r->note, fmt, ap);
	va_end(ap);
}

static void send_ack(struct req *q, struct lease *l, uint8_t type)
{
	uint32_t secs = (uint32_t)(l->end - q->in->now);
	set_pool(q, l->addr);
	reply_init(q, type);
	q->r->out.yiaddr = l->addr;
	q->r->out.ciaddr = q->m->ciaddr;
	add_times(q, secs);
	add_options(q);
	add_echoes(q);
	route_reply(q, type);
	q->r->wait_sync = type == DHCPACK;
}

static void send_nak(struct req *q, const char *why)
{
	char a[16];
	reply_init(q, DHCPNAK);
	dhcp_out_add(&q->r->out, DO_MESSAGE, why, strlen(why));
	add_echoes(q);
	route_reply(q, DHCPNAK);
	uint32_t want = dhcp_opt_ip(q->m, DO_REQUESTED_IP);
	note(q, true, "NAK %s to %s: %s", ipstr(want ? want : q->m->ciaddr, a), q->c.hwstr, why);
}

static void handle_discover(struct req *q)
{
	char a[16];
	uint32_t addr = choose_address(q);
	if (!addr) {
		q->e->st.pool_exhausted++;
		note(q, true, "no free address in %s%s%s for %s", q->sn->name,
		     q->sn->ngroup ? " or its shared network " : "", q->sn->shared, q->c.hwstr);
		return;
	}
	struct lease *l = hold_offer(q, addr);
	if (!l)
		return;
	uint32_t secs = lease_time_for(q, l);
	set_pool(q, addr);
	reply_init(q, DHCPOFFER);
	q->r->out.yiaddr = addr;
	add_times(q, secs);
	add_options(q);
	add_echoes(q);
	route_reply(q, DHCPOFFER);
	bool known = l->state == LEASE_ACTIVE || l->start != 0;
	if (q->e->cfg->probe && !known && !(q->c.host && q->c.host->addr == addr))
		q->r->probe_addr = addr;
	note(q, false, "OFFER %s to %s", ipstr(addr, a), q->c.hwstr);
}

/* ACKs addr for the client if it may have it; NAKs or stays silent if
 * not, per RFC 2131 section 4.3.2. */
static void grant(struct req *q, uint32_t addr, bool may_nak)
{
	char a[16];
	struct lease *l = lease_find(q->e->leases, addr);
	const struct cfg_host *h = q->c.host;
	const struct cfg_subnet *sn = network_of(q, addr);
	if (sn)
		q->sn = sn;	/* the reply carries its subnet's options */
	/* A BACKUP record names a client once offered to it (a failover
	 * secondary's stock); whether it may have it is owns()'s question. */
	bool mine = l && same_client(l, &q->c) && (lease_state_reusable(l->state) ||
						    l->state == LEASE_ACTIVE ||
						    l->state == LEASE_BACKUP);
	bool ours = (h && h->addr == addr) || in_pools(q, addr);
	if (h && h->addr && network_of(q, h->addr) && h->addr != addr) {
		if (may_nak)
			send_nak(q, "address reserved elsewhere for this client");
		return;
	}
	/* Without a record of the client we stay silent unless authoritative:
	 * the address may be a split-scope partner's (RFC 2131 4.3.2). */
	if (!ours || !usable_for(q, addr, l) || !(mine || q->e->cfg->authoritative)) {
		if (l && !same_client(l, &q->c) && l->state == LEASE_ACTIVE && ours && may_nak)
			send_nak(q, "address in use");
		else if (q->e->cfg->authoritative && may_nak)
			send_nak(q, ours ? "address not available" : "address not ours");
		else {
			q->e->st.drop_not_ours++;
			note(q, false, "silent to %s: no record of %s", q->c.hwstr, ipstr(addr, a));
		}
		return;
	}
	if (!(l = commit(q, addr)))
		return;
	send_ack(q, l, DHCPACK);
	note(q, false, "ACK %s to %s", ipstr(addr, a), q->c.hwstr);
}

static void handle_request(struct req *q)
{
	const struct dhcp_msg *m = q->m;
	uint32_t sid = dhcp_opt_ip(m, DO_SERVER_ID);
	uint32_t want = dhcp_opt_ip(m, DO_REQUESTED_IP);
	if (sid) {
		/* SELECTING: the client chose a server. */
		if (sid != q->server_id) {
			struct lease *l = client_lease(q);
			if (l && l->offer_until)
				l->offer_until = 0;	/* our offer was declined */
			note(q, false, "client %s chose server %08x", q->c.hwstr, sid);
			return;
		}
		if (!want || m->ciaddr) {
			send_nak(q, "malformed SELECTING request");
			return;
		}
		struct lease *l = lease_find(q->e->leases, want);
		if (!l || !same_client(l, &q->c) ||
		    (l->offer_until <= q->in->mono_ms && l->state != LEASE_ACTIVE)) {
			send_nak(q, "no offer for this address");
			return;
		}
		grant(q, want, true);
		return;
	}
	if (want && !m->ciaddr) {
		/* INIT-REBOOT: NAK an address on the wrong network. */
		if (!network_of(q, want)) {
			send_nak(q, "wrong network");
			return;
		}
		grant(q, want, true);
		return;
	}
	if (m->ciaddr) {
		/* RENEWING (unicast) or REBINDING (broadcast).  An address on
		 * the wrong network is NAKed whatever Authoritative says, as in
		 * INIT-REBOOT (RFC 2131 4.3.2): no partner can own it here. */
		if (!network_of(q, m->ciaddr)) {
			send_nak(q, "wrong network");
			return;
		}
		grant(q, m->ciaddr, true);
		return;
	}
	q->e->st.drop_not_ours++;
	note(q, false, "REQUEST from %s with neither ciaddr nor requested address", q->c.hwstr);
}

static void handle_decline(struct req *q)
{
	char a[16];
	uint32_t addr = dhcp_opt_ip(q->m, DO_REQUESTED_IP);
	uint32_t sid = dhcp_opt_ip(q->m, DO_SERVER_ID);
	if (!sid) {
		/* RFC 2131 4.3.3 and table 5: a DECLINE names the server;
		 * without it, it is no server's (counted with the others'). */
		q->e->st.drop_not_ours++;
		note(q, true, "DECLINE from %s without a server identifier: ignored", q->c.hwstr);
		return;
	}
	struct lease *l = addr ? lease_find(q->e->leases, addr) : NULL;
	if (!l || !same_client(l, &q->c) || sid != q->server_id)
		return;
	/* RFC 2131 section 4.3.3: the address is in use by someone else. */
	lease_set_state(q->e->leases, l, LEASE_ABANDONED,
			q->in->now + q->e->cfg->decline_secs);
	l->offer_until = 0;
	l->cltt = q->in->now;
	mark_dirty(q->r, l);
	q->e->st.declines++;
	note(q, true, "DECLINE %s from %s: quarantined for %u s", ipstr(addr, a), q->c.hwstr,
	     q->e->cfg->decline_secs);
}

static void handle_release(struct req *q)
{
	char a[16];
	struct lease *l = q->m->ciaddr ? lease_find(q->e->leases, q->m->ciaddr) : NULL;
	if (!l || !same_client(l, &q->c) || l->state != LEASE_ACTIVE)
		return;
	/* The client keeps its claim to the address until someone else needs
	 * it, so a returning client gets the same address back. */
	lease_set_state(q->e->leases, l, LEASE_RELEASED, q->in->now);
	l->cltt = q->in->now;
	mark_dirty(q->r, l);
	q->e->st.releases++;
	note(q, false, "RELEASE %s from %s", ipstr(l->addr, a), q->c.hwstr);
}

/* INFORM: the options of the link, sent to ciaddr.  Only for a ciaddr on
 * the link the request came from (or the relay's network): an answer to
 * any other address would send our options, and our traffic, wherever a
 * LAN host asks. */
static void handle_inform(struct req *q)
{
	char a[16];
	if (!q->m->ciaddr) {
		/* RFC 2131 4.4.3: only a client with an address informs; the
		 * reply would have nowhere to go but a broadcast.  ISC dhcpd
		 * and Kea stay silent too.  No ciaddr: no link to answer on. */
		q->e->st.drop_no_subnet++;
		note(q, false, "INFORM from %s without ciaddr: ignored", q->c.hwstr);
		return;
	}
	if (!(q->sn = network_of(q, q->m->ciaddr))) {
		q->sn = q->link;
		q->e->st.drop_no_subnet++;
		note(q, false, "INFORM from %s: ciaddr %s is not on %s", q->c.hwstr,
		     ipstr(q->m->ciaddr, a), q->sn->name);
		return;
	}
	set_pool(q, q->m->ciaddr);
	reply_init(q, DHCPACK);
	q->r->out.ciaddr = q->m->ciaddr;
	add_options(q);
	add_echoes(q);
	route_reply(q, DHCPACK);
	note(q, false, "INFORM ACK to %s at %s", q->c.hwstr, ipstr(q->m->ciaddr, a));
}

/* A giaddr no relay agent can have: 0/8, loopback, multicast, class E and
 * the limited broadcast, or the network or broadcast address of one of
 * our subnets.  A reply goes to giaddr port 67, so answering one would
 * broadcast our reply to every server and relay on a link. */
static bool impossible_giaddr(const struct config *cfg, uint32_t g)
{
	if ((g >> 24) == 0 || (g >> 24) == 127 || (g >> 28) >= 0xe)
		return true;
	for (size_t i = 0; i < cfg->nsubnets; i++) {
		const struct cfg_subnet *sn = &cfg->subnets[i];
		if (sn->mask != 0xffffffffu && (g & sn->mask) == sn->net &&
		    (g == sn->net || g == (sn->net | ~sn->mask)))
			return true;
	}
	return false;
}

/* Whether a relayed request came from a relay we take requests from.  A
 * relay sends from an address of its own (0.0.0.0 is a client's source),
 * and with TrustedRelays from one listed there.  The source is what is
 * checked, not giaddr, which any host can write: ISC dhcrelay sends from
 * its interface towards the server, usually not the giaddr. */
static bool relay_trusted(const struct req *q)
{
	return q->in->src_addr != 0 && config_relay_trusted(q->e->cfg, q->in->src_addr);
}

/* The subnet a request belongs to: by RFC 3527 link selection (from a
 * relay only: section 3 has the relay agent add it; and not at all with
 * LinkSelection=off), then by giaddr for relayed requests, else the
 * receiving interface's; INFORM may also be matched by ciaddr. */
static const struct cfg_subnet *pick_subnet(const struct req *q)
{
	const struct dhcp_msg *m = q->m;
	size_t n;
	bool honour = m->giaddr && q->e->cfg->link_selection == CFG_LINKSEL_RELAYS;
	const uint8_t *ls = honour ? dhcp_rai_sub(m, RAI_LINK_SELECTION, &n) : NULL;
	if (ls && n == 4)
		return config_subnet_for(q->e->cfg, (uint32_t)ls[0] << 24 | (uint32_t)ls[1] << 16 |
						    (uint32_t)ls[2] << 8 | ls[3]);
	if (m->giaddr)
		return config_subnet_for(q->e->cfg, m->giaddr);
	if (q->in->link)
		return q->in->link;
	if (m->type == DHCPINFORM && m->ciaddr)
		return config_subnet_for(q->e->cfg, m->ciaddr);
	return NULL;
}

/* The subnet a policy decides by: on a shared network whose pools are in
 * failover (all or none of them, config.c checks), one of those. */
static const struct cfg_subnet *answering_subnet(const struct req *q)
{
	for (size_t i = 0; i < members(q); i++)
		if (member(q, i)->failover)
			return member(q, i);
	return q->link;
}

static size_t reply_maxlen(const struct dhcp_msg *m)
{
	size_t n;
	const uint8_t *v = dhcp_opt(m, DO_MAX_SIZE, &n);
	if (!v || n != 2)
		return DHCP_MIN_MAX;
	size_t mms = (size_t)(v[0] << 8 | v[1]);
	/* The option counts the whole IP datagram (RFC 2132 section 9.10). */
	return mms < 576 ? DHCP_MIN_MAX : mms - 28;
}

/* Our identifier to this client: the relay's RFC 5107 override when it
 * sets one (the client then talks to the relay, which forwards to us),
 * else our address on the link or the one the request reached. */
static uint32_t server_id_for(const struct req *q)
{
	size_t n;
	const uint8_t *o = q->m->giaddr ? dhcp_rai_sub(q->m, RAI_SERVER_ID_OVERRIDE, &n) : NULL;
	if (o && n == 4)
		return (uint32_t)o[0] << 24 | (uint32_t)o[1] << 16 | (uint32_t)o[2] << 8 | o[3];
	return q->link->bind_addr && !q->link->relayed ? q->link->bind_addr : q->in->local_addr;
}

void engine_handle(struct engine *e, const struct dhcp_msg *m, const struct engine_in *in,
		   struct engine_result *r)
{
	r->dest = DEST_NONE;
	r->wait_sync = false;
	r->probe_addr = 0;
	r->ndirty = 0;
	r->note[0] = 0;
	r->notable = false;
	memset(&r->out, 0, offsetof(struct dhcp_out, scratch));
	e->st.rx[m->type <= DHCPINFORM ? m->type : 0]++;
	if (m->type == 0) {
		e->st.drop_bootp++;
		return;
	}
	struct req q = { .e = e, .m = m, .in = in, .r = r };
	if (m->giaddr && impossible_giaddr(e->cfg, m->giaddr)) {
		e->st.drop_malformed++;
		note(&q, false, "%s: giaddr %08x is no relay's address", dhcp_type_name(m->type),
		     m->giaddr);
		return;
	}
	if (m->giaddr && !relay_trusted(&q)) {
		char a[TEXT_IP4_LEN], b[TEXT_IP4_LEN];
		e->st.drop_relay++;
		note(&q, true, "%s: giaddr %s from %s, which is no trusted relay (TrustedRelays)",
		     dhcp_type_name(m->type), ipstr(m->giaddr, a), ipstr(in->src_addr, b));
		return;
	}
	size_t n;
	q.c.cid = dhcp_opt(m, DO_CLIENT_ID, &n);
	q.c.cid_len = q.c.cid && n <= LEASE_CID_MAX && n > 0 ? (uint8_t)n : 0;
	q.c.htype = m->htype;
	q.c.hlen = m->hlen;
	q.c.hw = m->chaddr;
	q.c.host = client_host(e, &q.c);
	q.c.classes = e->cfg->nclasses ? classify(e->cfg, m) : 0;
	engine_hw_str(q.c.hwstr, m->htype, m->chaddr, m->hlen);
	if (!(q.link = q.sn = pick_subnet(&q))) {
		e->st.drop_no_subnet++;
		note(&q, false, "%s from %s: no subnet for this link", dhcp_type_name(m->type),
		     q.c.hwstr);
		return;
	}
	const struct engine_policy *p = &e->policy;
	if (p->answers && !p->answers(p->arg, m, answering_subnet(&q))) {
		e->st.drop_partner++;
		note(&q, false, "%s from %s: left to the partner", dhcp_type_name(m->type),
		     q.c.hwstr);
		return;
	}
	q.server_id = server_id_for(&q);
	r->maxlen = reply_maxlen(m);
	switch (m->type) {
	case DHCPDISCOVER: handle_discover(&q); break;
	case DHCPREQUEST: handle_request(&q); break;
	case DHCPDECLINE: handle_decline(&q); break;
	case DHCPRELEASE: handle_release(&q); break;
	case DHCPINFORM: handle_inform(&q); break;
	default: break;		/* server-to-client types are ignored */
	}
}

struct lease *engine_probe_conflict(struct engine *e, uint32_t addr, int64_t now)
{
	struct lease *l = lease_find(e->leases, addr);
	if (!l)
		return NULL;
	lease_set_state(e->leases, l, LEASE_ABANDONED, now + e->cfg->decline_secs);
	l->offer_until = 0;
	return l;
}
