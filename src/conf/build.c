/* Configuration: the subnets built from the sections, the validation of
 * the whole, shared networks, [FAILOVER], and the entry points. */
#include "conf/parse.h"

/* ---- subnets from [Settings] ---- */

static int cmp_bind(const void *a, const void *b)
{
	const struct bind *x = a, *y = b;

	return (x->idx > y->idx) - (x->idx < y->idx);
}

static int cmp_pool(const void *a, const void *b)
{
	const struct pool *x = a, *y = b;

	return (x->idx > y->idx) - (x->idx < y->idx);
}

static bool contains(const struct cfg_subnet *s, uint32_t a)
{
	return (a & s->mask) == s->net;
}

static size_t subnet_index(const struct config *c, uint32_t a)
{
	for (size_t i = 0; i < c->nsubnets; i++)
		if (contains(&c->subnets[i], a))
			return i;
	return SIZE_MAX;
}

static void binds_to_subnets(struct pctx *p)
{
	uint32_t m = p->c->subnet_mask;
	char name[48];

	for (size_t i = 0; i < p->nbinds; i++) {
		const struct bind *b = &p->binds[i];
		size_t other = subnet_index(p->c, b->addr);

		if (other != SIZE_MAX) {
			conf_ent_err(p, b->e, "in the same subnet as %s", p->c->subnets[other].name);
			continue;
		}
		snprintf(name, sizeof name, "IPBIND_%u", b->idx);
		if (conf_new_subnet(p, name, b->addr & m, m, b->addr, p->general.s, b->e) == SIZE_MAX)
			return;
	}
}

static void place_pool(struct pctx *p, const struct pool *pl)
{
	struct config *c = p->c;
	char name[48], a[16];

	for (size_t r = pl->r0; r < pl->r0 + pl->nr; r++) {
		struct prange *pr = &p->rv[r];
		size_t s = subnet_index(c, pr->first);

		if (c->associate_binds && p->nbinds) {
			snprintf(name, sizeof name, "IPBIND_%u", pl->idx);
			for (s = 0; s < c->nsubnets && strcmp(c->subnets[s].name, name); s++)
				;
			if (s == c->nsubnets) {
				conf_ent_err(p, pl->e, "no IPBIND_%u to go with (AssociateBindsToPools=1)",
					pl->idx);
				return;
			}
		} else if (s == SIZE_MAX && p->nbinds) {
			conf_ent_err(p, pl->e, "%s is in no IPBIND_n subnet", conf_ipfmt(a, pr->first));
			continue;
		} else if (s == SIZE_MAX) {
			snprintf(name, sizeof name, "IPPOOL_%u", pl->idx);
			s = conf_new_subnet(p, name, pr->first & c->subnet_mask, c->subnet_mask, 0,
					    p->general.s, pl->e);
			if (s == SIZE_MAX)
				return;
		}
		pr->subnet = s;
	}
}

/* IPBIND_n and IPPOOL_n into subnets; see docs/config.md "Subnets". */
static void build_direct(struct pctx *p)
{
	conf_sort(p->binds, p->nbinds, sizeof *p->binds, cmp_bind);
	conf_sort(p->pools, p->npools, sizeof *p->pools, cmp_pool);
	for (size_t i = 1; i < p->nbinds; i++)
		conf_dup_index(p, p->binds[i - 1].e, p->binds[i - 1].idx, p->binds[i].e,
			       p->binds[i].idx);
	for (size_t i = 1; i < p->npools; i++)
		conf_dup_index(p, p->pools[i - 1].e, p->pools[i - 1].idx, p->pools[i].e,
			       p->pools[i].idx);
	if (p->nbinds + p->npools == 0)
		return;
	if (p->c->subnet_mask == 0) {
		conf_ent_err(p, p->nbinds ? p->binds[0].e : p->pools[0].e,
			     "no SUBNETMASK in [GENERAL] to derive the subnet from");
		return;
	}
	binds_to_subnets(p);
	for (size_t i = 0; i < p->npools; i++)
		place_pool(p, &p->pools[i]);
	for (size_t i = 0; i < p->c->nsubnets; i++)
		conf_fill_subnet(p, &p->c->subnets[i], NULL);
}

/* ---- validation of the whole ---- */

static int cmp_range(const void *a, const void *b)
{
	const struct prange *x = a, *y = b;

	return (x->first > y->first) - (x->first < y->first);
}

static bool edge_addr(const struct cfg_subnet *s, uint32_t a)
{
	/* /31 and /32 have no network or broadcast address (RFC 3021). */
	return conf_mask_prefix(s->mask) <= 30 && (a == s->net || a == (s->net | ~s->mask));
}

static void check_ranges(struct pctx *p)
{
	struct config *c = p->c;
	char a[16], b[16], n[16];
	const struct prange *prev = NULL;

	for (size_t i = 0; i < p->nr; i++) {
		struct prange *r = &p->rv[i];
		const struct cfg_subnet *s = r->subnet < c->nsubnets ? &c->subnets[r->subnet] : NULL;

		if (s == NULL)
			continue;
		if (!contains(s, r->first) || !contains(s, r->last))
			conf_ent_err(p, r->e, "%s-%s is outside %s (%s/%u)", conf_ipfmt(a, r->first),
				conf_ipfmt(b, r->last), s->name, conf_ipfmt(n, s->net),
				conf_mask_prefix(s->mask));
		else if (edge_addr(s, r->first) || edge_addr(s, r->last))
			conf_ent_err(p, r->e, "%s-%s includes the network or broadcast address",
				     conf_ipfmt(a, r->first), conf_ipfmt(b, r->last));
		else
			continue;
		r->subnet = SIZE_MAX;
	}
	conf_sort(p->rv, p->nr, sizeof *p->rv, cmp_range);
	for (size_t i = 0; i < p->nr; i++) {
		const struct prange *r = &p->rv[i];
		if (r->subnet == SIZE_MAX)
			continue;
		if (prev && r->first <= prev->last)
			conf_ent_err(p, r->e, "%s-%s overlaps %s (line %d)", conf_ipfmt(a, r->first),
				conf_ipfmt(b, r->last), prev->e->key, prev->e->line);
		if (prev == NULL || r->last > prev->last)
			prev = r;
	}
}

static int cmp_subnet(const void *a, const void *b)
{
	const struct cfg_subnet *x = *(const struct cfg_subnet *const *)a;
	const struct cfg_subnet *y = *(const struct cfg_subnet *const *)b;

	return (x->net > y->net) - (x->net < y->net);
}

static void check_subnets(struct pctx *p)
{
	struct config *c = p->c;
	const struct cfg_subnet **v = calloc(c->nsubnets + 1, sizeof *v);

	if (v == NULL) {
		conf_oom(p);
		return;
	}
	for (size_t i = 0; i < c->nsubnets; i++)
		v[i] = &c->subnets[i];
	conf_sort(v, c->nsubnets, sizeof *v, cmp_subnet);
	for (size_t i = 1; i < c->nsubnets; i++) {
		const struct cfg_subnet *a = v[i - 1], *b = v[i];
		const struct where *w = &p->subw[b - c->subnets];
		if (contains(a, b->net) || contains(b, a->net)) {
			if (w->e)
				conf_ent_err(p, w->e, "subnet overlaps %s", a->name);
			else
				conf_perr(p, w->s->line, w->s->name, NULL, "subnet overlaps %s",
					  a->name);
		}
	}
	free(v);
}

/* Hands each subnet its sorted ranges, less its own address. */
static void distribute(struct pctx *p)
{
	struct config *c = p->c;

	for (size_t s = 0; s < c->nsubnets; s++) {
		struct cfg_subnet *sub = &c->subnets[s];
		size_t n = 0;

		for (size_t i = 0; i < p->nr; i++)
			n += p->rv[i].subnet == s;
		if (n == 0)
			continue;
		if ((sub->ranges = calloc(2 * n, sizeof *sub->ranges)) == NULL) {
			conf_oom(p);
			return;
		}
		for (size_t i = 0; i < p->nr; i++) {
			const struct prange *r = &p->rv[i];
			uint32_t b = sub->bind_addr;
			if (r->subnet != s)
				continue;
			if (b < r->first || b > r->last) {
				sub->ranges[sub->nranges++] = (struct cfg_range){ r->first, r->last,
										  r->allow, r->deny,
										  r->pool, 0 };
				continue;
			}
			if (b > r->first)
				sub->ranges[sub->nranges++] = (struct cfg_range){ r->first, b - 1,
										  r->allow, r->deny,
										  r->pool, 0 };
			if (b < r->last)
				sub->ranges[sub->nranges++] = (struct cfg_range){ b + 1, r->last,
										  r->allow, r->deny,
										  r->pool, 0 };
		}
	}
}

/* Pools renumbered in the order of their first range, unused ones (their
 * ranges all taken out) dropped: -t then reads back the same. */
static void number_pools(struct pctx *p, struct cfg_subnet *sub)
{
	uint32_t *map, n = 0;
	struct cfg_pool *v;

	if (sub->npools == 0)
		return;
	map = calloc(sub->npools, sizeof *map);
	v = calloc(sub->npools, sizeof *v);
	if (map == NULL || v == NULL) {
		free(map);
		free(v);
		conf_oom(p);
		return;
	}
	for (size_t i = 0; i < sub->nranges; i++) {
		struct cfg_range *r = &sub->ranges[i];
		if (r->pool == 0)
			continue;
		if (map[r->pool - 1] == 0) {
			map[r->pool - 1] = ++n;
			v[n - 1] = sub->pools[r->pool - 1];
		}
		r->pool = map[r->pool - 1];
	}
	for (size_t i = 0; i < sub->npools; i++)
		if (map[i] == 0) {
			conf_optset_free(&sub->pools[i].own);
			conf_optset_free(&sub->pools[i].opts);
		}
	free(sub->pools);
	free(map);
	sub->pools = v;
	sub->npools = n;
}

/* ---- shared networks ---- */

static bool has_pool(const struct pctx *p, size_t subnet);

static bool same_group(const struct cfg_subnet *a, const struct cfg_subnet *b)
{
	return a->shared[0] && strcasecmp(a->shared, b->shared) == 0;
}

/* The members of i's shared network, i first, then the others in order. */
static bool group_of(struct pctx *p, size_t i)
{
	struct config *c = p->c;
	struct cfg_subnet *sub = &c->subnets[i];
	size_t n = 0;

	for (size_t j = 0; j < c->nsubnets; j++)
		n += same_group(sub, &c->subnets[j]);
	if ((sub->group = calloc(n, sizeof *sub->group)) == NULL) {
		conf_oom(p);
		return false;
	}
	sub->group[sub->ngroup++] = (uint32_t)i;
	for (size_t j = 0; j < c->nsubnets; j++)
		if (j != i && same_group(sub, &c->subnets[j]))
			sub->group[sub->ngroup++] = (uint32_t)j;
	return true;
}

/* One shared network, first is its first subnet: at most one directly
 * attached link, whose wire the others then share (the server needs no
 * address in them); failover for all its pools or for none, since the
 * partner's share of a client is decided once for the whole network. */
static void check_group(struct pctx *p, size_t first)
{
	struct config *c = p->c;
	const struct cfg_subnet *g = &c->subnets[first];
	size_t direct = SIZE_MAX, pool = SIZE_MAX;

	if (g->ngroup == 1)
		conf_ent_warn(p, p->subw[first].shared, "shared network %s has only this subnet",
			      g->shared);
	for (size_t k = 0; k < g->ngroup; k++) {
		size_t j = g->group[k];
		const struct ent *e = p->subw[j].shared;
		if (c->subnets[j].bind_addr && direct != SIZE_MAX)
			conf_ent_err(p, e, "shared network %s already holds the directly attached "
				     "link %s: a shared network is one link", g->shared,
				     c->subnets[direct].name);
		else if (c->subnets[j].bind_addr)
			direct = j;
		if (!has_pool(p, j))
			continue;
		if (pool != SIZE_MAX && c->subnets[pool].failover != c->subnets[j].failover)
			conf_ent_err(p, e, "shared network %s mixes pools in failover and not (%s "
				"is%s in [FAILOVER] Pools)", g->shared, c->subnets[pool].name,
				c->subnets[pool].failover ? "" : " not");
		else
			pool = j;
	}
	for (size_t k = 0; direct != SIZE_MAX && k < g->ngroup; k++)
		if (g->group[k] != direct) {	/* on the direct link's wire */
			c->subnets[g->group[k]].relayed = false;
			c->subnets[g->group[k]].section = true;
		}
}

/* SharedNetwork=: each subnet gets its group's members (docs/config.md,
 * "Shared networks"); checked once per group, at its first subnet. */
static void build_groups(struct pctx *p)
{
	struct config *c = p->c;

	for (size_t i = 0; i < c->nsubnets && !p->oom; i++) {
		bool seen = false;
		if (!c->subnets[i].shared[0] || !group_of(p, i))
			continue;
		for (size_t j = 0; j < i; j++)
			seen = seen || same_group(&c->subnets[i], &c->subnets[j]);
		if (!seen)
			check_group(p, i);
	}
}

/* At the host's IPADDR line, or at its section header. */
__attribute__((format(printf, 3, 4)))
static void host_err(struct pctx *p, size_t i, const char *fmt, ...)
{
	const struct where *w = &p->hostw[i];
	va_list ap;

	va_start(ap, fmt);
	if (w->e)
		conf_vreport(p, false, w->e->line, w->s->name, w->e->key, fmt, ap);
	else
		conf_vreport(p, false, w->s->line, w->s->name, NULL, fmt, ap);
	va_end(ap);
}

static int cmp_index(size_t i, size_t j)
{
	return (i > j) - (i < j);
}

static int cmp_host_addr(const void *a, const void *b, void *ctx)
{
	const struct cfg_host *h = ((const struct config *)ctx)->hosts;
	size_t i = *(const size_t *)a, j = *(const size_t *)b;

	if (h[i].addr != h[j].addr)
		return (h[i].addr > h[j].addr) - (h[i].addr < h[j].addr);
	return cmp_index(i, j);
}

/* By hardware address, then by client identifier (CLIENTID sections have
 * hlen 0, MAC sections cid_len 0), then in file order. */
static int cmp_host_id(const void *a, const void *b, void *ctx)
{
	const struct cfg_host *h = ((const struct config *)ctx)->hosts;
	size_t i = *(const size_t *)a, j = *(const size_t *)b;
	int r = h[i].hlen != h[j].hlen ? h[i].hlen - h[j].hlen : memcmp(h[i].hw, h[j].hw, 6);

	if (r == 0 && h[i].cid_len != h[j].cid_len)
		r = h[i].cid_len - h[j].cid_len;
	if (r == 0 && h[i].cid_len)
		r = memcmp(h[i].cid, h[j].cid, h[i].cid_len);
	return r ? r : cmp_index(i, j);
}

static bool same_id(const struct cfg_host *x, const struct cfg_host *y)
{
	if (x->cid_len || y->cid_len)
		return x->cid_len == y->cid_len && memcmp(x->cid, y->cid, x->cid_len) == 0;
	return memcmp(x->hw, y->hw, 6) == 0;
}

static void check_host_addr(struct pctx *p, size_t i)
{
	const struct config *c = p->c;
	const struct cfg_host *h = &c->hosts[i];
	const struct cfg_subnet *s = config_subnet_for(c, h->addr);
	char a[16];

	if (s == NULL)
		host_err(p, i, "%s is not inside any subnet", conf_ipfmt(a, h->addr));
	else if (edge_addr(s, h->addr))
		host_err(p, i, "%s is the network or broadcast address", conf_ipfmt(a, h->addr));
	else if (h->addr == s->bind_addr)
		host_err(p, i, "%s is the server's own address", conf_ipfmt(a, h->addr));
}

static void check_hosts(struct pctx *p)
{
	const struct config *c = p->c;
	size_t *v = calloc(c->nhosts + 1, sizeof *v);

	if (v == NULL) {
		conf_oom(p);
		return;
	}
	for (size_t i = 0; i < c->nhosts; i++) {
		v[i] = i;
		if (c->hosts[i].addr)
			check_host_addr(p, i);
	}
	conf_sort_r(v, c->nhosts, sizeof *v, cmp_host_addr, (void *)c);
	for (size_t i = 1; i < c->nhosts; i++)
		if (c->hosts[v[i]].addr && c->hosts[v[i]].addr == c->hosts[v[i - 1]].addr)
			host_err(p, v[i], "address already reserved for [%s] (line %d)",
				 p->hostw[v[i - 1]].s->name, p->hostw[v[i - 1]].s->line);
	conf_sort_r(v, c->nhosts, sizeof *v, cmp_host_id, (void *)c);
	for (size_t i = 1; i < c->nhosts; i++)
		if (same_id(&c->hosts[v[i]], &c->hosts[v[i - 1]]))
			conf_perr(p, p->hostw[v[i]].s->line, p->hostw[v[i]].s->name, NULL,
				  "same %s as [%s] (line %d)", c->hosts[v[i]].cid_len ?
				  "client identifier" : "MAC address", p->hostw[v[i - 1]].s->name,
				  p->hostw[v[i - 1]].s->line);
	free(v);
}

static void check_whole(struct pctx *p)
{
	const struct config *c = p->c;
	bool serve = p->nr > 0;
	struct ent *t1 = NULL, *t2 = NULL;

	for (size_t i = 0; i < c->nhosts; i++)
		serve = serve || c->hosts[i].addr;
	if (c->nsubnets == 0)
		conf_perr(p, 0, NULL, NULL, "no subnet: give IPPOOL_n (and IPBIND_n) in [Settings] "
		     "or a [SUBNET:a.b.c.d/n] section");
	else if (!serve)
		conf_pwarn(p, "no IPPOOL_n and no client section with IPADDR: only DHCPINFORM "
			   "is answered");
	for (size_t i = 0; i < p->ns; i++)
		if (p->sv[i].kind == SK_DUODHCP) {
			t1 = conf_key_find(p, &p->sv[i], "T1Percent");
			t2 = conf_key_find(p, &p->sv[i], "T2Percent");
		}
	/* RFC 2131 section 4.4.5: T1 < T2; the defaults are 50% and 87.5%. */
	if ((c->t1_pct ? c->t1_pct * 10 : 500) >= (c->t2_pct ? c->t2_pct * 10 : 875)) {
		const struct ent *e = t2 ? t2 : t1;
		if (e)
			conf_ent_err(p, e, "T1 must be below T2 (defaults 50 and 87.5)");
	}
}

/* ---- [FAILOVER] ---- */

static bool ent_ip(const struct ent *e, uint32_t *a)
{
	return e && !e->dup && e->xstate == X_DONE && conf_ip_str(e->val, a);
}

/* Required keys given, and the primary's keys on the primary alone (ISC:
 * "primary failover server must have mclt", "secondary may not define load
 * balance settings"; dhcpd.conf(5): mclt "may not be specified on the
 * secondary"). */
static void fo_presence(struct pctx *p, const struct sect *s, uint8_t role)
{
	for (size_t i = 0; i < conf_nfailover_keys; i++) {
		const struct kdef *k = &conf_failover_keys[i];
		const struct ent *e = conf_key_find(p, s, k->name);
		bool primary = k->flags & K_PRIMARY;

		if (primary && e && role == CFG_FO_SECONDARY)
			conf_ent_err(p, e, "only the primary sets this (the secondary takes it from "
				"the primary's CONNECT)");
		else if ((k->flags & K_REQUIRED) && !e && (!primary || role == CFG_FO_PRIMARY))
			conf_perr(p, s->line, s->name, k->name, "missing: required%s",
				  primary ? " on the primary" : "");
	}
}

static void fo_addresses(struct pctx *p, const struct sect *s)
{
	const struct cfg_failover *fo = &p->c->fo;
	const struct ent *e[2] = { conf_key_find(p, s, "Address"), conf_key_find(p, s, "PeerAddress") };
	uint32_t a[2];
	bool ok[2];

	for (int i = 0; i < 2; i++) {
		ok[i] = ent_ip(e[i], &a[i]);
		/* 0.0.0.0 and multicast: nothing to listen on or connect to. */
		if (ok[i] && (a[i] == 0 || a[i] >= 0xe0000000u)) {
			conf_ent_err(p, e[i], "%s is not a unicast address", e[i]->val);
			ok[i] = false;
		}
	}
	if (ok[0] && ok[1] && a[0] == a[1] && fo->port == fo->peer_port)
		conf_ent_err(p, e[1], "is this server's own Address and Port: the peer is the "
			     "other server");
}

static void fo_split(struct pctx *p, const struct sect *s)
{
	struct cfg_failover *fo = &p->c->fo;
	const struct ent *split = conf_key_find(p, s, "Split"), *hba = conf_key_find(p, s, "HBA");

	if (split && hba)
		conf_ent_err(p, hba->line > split->line ? hba : split,
			     "Split and HBA are two forms of one map: give one of them");
	if (fo->role != CFG_FO_PRIMARY || fo->hba_set)
		return;
	/* split N: the first N buckets are the primary's (ISC's order). */
	memset(fo->hba, 0, sizeof fo->hba);
	for (unsigned i = 0; i < fo->split && i < 256; i++)
		fo->hba[i / 8] |= (uint8_t)(1u << (i % 8));
}

static bool has_pool(const struct pctx *p, size_t subnet)
{
	for (size_t r = 0; r < p->nr; r++)
		if (p->rv[r].subnet == subnet)
			return true;
	return false;
}

/* One item of Pools=: a subnet of this file, as a.b.c.d/n. */
static bool fo_pool_item(struct pctx *p, const struct ent *e, const char *tok)
{
	struct config *c = p->c;
	uint32_t net, mask;
	bool hostbits;
	size_t i;

	if (!conf_cidr_parse(tok, &net, &mask, &hostbits)) {
		conf_ent_err(p, e, "\"%.80s\" is not a subnet a.b.c.d/n (or \"all\" alone)", tok);
		return false;
	}
	if (hostbits) {
		conf_ent_err(p, e, "%s: host bits set in the network address", tok);
		return false;
	}
	for (i = 0; i < c->nsubnets; i++)
		if (c->subnets[i].net == net && c->subnets[i].mask == mask)
			break;
	if (i == c->nsubnets)
		conf_ent_err(p, e, "%s is not a subnet of this file", tok);
	else if (!has_pool(p, i))
		conf_ent_err(p, e, "%s (%s) has no pool", tok, c->subnets[i].name);
	else if (c->subnets[i].failover)
		conf_ent_err(p, e, "%s is listed twice", tok);
	else {
		c->subnets[i].failover = true;
		return true;
	}
	return false;
}

/* Pools=all (the default) or a list of subnets: every range of those is
 * shared with the peer (ISC: "failover peer" in their pool statements). */
void conf_fo_pools(struct pctx *p, const struct sect *s)
{
	struct config *c = p->c;
	const struct ent *e = p->fo_pools;
	char buf[LINE_MAX_LEN + 1];
	size_t n = 0, items = 0;

	if (e && e->xstate == X_DONE && strcasecmp(e->val, "all") != 0) {
		c->fo.all_pools = false;
		snprintf(buf, sizeof buf, "%s", e->val);
		for (char *save = NULL, *tok = strtok_r(buf, ", \t", &save); tok;
		     tok = strtok_r(NULL, ", \t", &save), items++)
			n += fo_pool_item(p, e, tok);
		if (items == 0)
			conf_ent_err(p, e, "empty: give \"all\" or subnets a.b.c.d/n");
		return;
	}
	for (size_t i = 0; i < c->nsubnets; i++)
		if (has_pool(p, i)) {
			c->subnets[i].failover = true;
			n++;
		}
	if (n == 0 && e)
		conf_ent_err(p, e, "no subnet of this file has a pool to share");
	else if (n == 0)
		conf_perr(p, s->line, s->name, "Pools", "no subnet of this file has a pool to share");
}

/* Our own addresses may not sit in a shared pool: the peer would hand
 * them out. */
static void fo_own_addresses(struct pctx *p, const struct sect *s)
{
	const struct config *c = p->c;
	static const char *const keys[] = { "Address", "PeerAddress" };
	char a[16], b[16], x[16];

	for (size_t i = 0; i < p->nr; i++) {
		const struct prange *r = &p->rv[i];
		const struct cfg_subnet *sub;
		uint32_t v;

		if (r->subnet >= c->nsubnets || !(sub = &c->subnets[r->subnet])->failover)
			continue;
		if (sub->bind_addr >= r->first && sub->bind_addr <= r->last)
			conf_ent_err(p, r->e, "%s-%s holds this server's address %s (%s), and the pool "
				"is shared with the failover peer, which would hand it out",
				conf_ipfmt(a, r->first), conf_ipfmt(b, r->last),
				conf_ipfmt(x, sub->bind_addr), sub->name);
		for (int k = 0; k < 2; k++) {
			const struct ent *e = conf_key_find(p, s, keys[k]);
			if (ent_ip(e, &v) && v >= r->first && v <= r->last)
				conf_ent_err(p, e, "%s is inside the failover pool %s-%s (%s line %d)",
					e->val, conf_ipfmt(a, r->first), conf_ipfmt(b, r->last),
					r->e->key, r->e->line);
		}
	}
}

static void check_failover(struct pctx *p)
{
	const struct sect *s = p->fo_sect;
	const struct ent *sync, *lb;

	if (s == NULL)
		return;
	fo_presence(p, s, p->c->fo.role);
	fo_addresses(p, s);
	fo_split(p, s);
	conf_fo_pools(p, s);
	fo_own_addresses(p, s);
	if (p->c->fo.min_balance > p->c->fo.max_balance &&
	    (lb = conf_key_find(p, s, "MinBalance")) != NULL)
		conf_ent_err(p, lb, "%" PRIu32 " is above MaxBalance (%" PRIu32 ")",
			p->c->fo.min_balance, p->c->fo.max_balance);
	/* ISC warns the same way (failover.c, dhcp_failover_sanity_check). */
	if (p->c->fo.lb_max_secs == 0 && (lb = conf_key_find(p, s, "LoadBalanceMaxSeconds")))
		conf_ent_warn(p, lb, "0 turns load balancing off: both servers answer every client");
	for (size_t i = 0; i < p->ns; i++)
		if (p->sv[i].kind == SK_SETTINGS &&
		    (sync = conf_key_find(p, &p->sv[i], "SyncServer")) != NULL && *sync->val)
			conf_ent_warn(p, sync, "with [FAILOVER] the leases already reach the peer; "
				      "SyncServer pulls them a second way");
}

/* OPTIONDEF_nn=LAYOUT for a code without a built-in definition. */
static void optdef_add(struct pctx *p, const struct ent *e, unsigned code)
{
	struct cfg_optdef d = { .code = (uint8_t)code }, *nv;
	const struct opt_def *b = code >= 1 && code <= 254 ? opt_def_by_code((uint8_t)code) : NULL;
	char why[128];

	if (code < 1 || code > 254)
		conf_ent_err(p, e, "option code must be 1 to 254");
	else if (conf_opt_reserved(code))
		conf_ent_err(p, e, "option %u %s", code, conf_opt_reserved(code));
	else if (b)
		conf_ent_err(p, e, "option %u (%s) has a built-in definition%s", code, b->name,
			code == 43 ? "; its sub-options are VENDOR43_n" : "");
	else if (config_optdef(p->c, (uint8_t)code))
		conf_ent_err(p, e, "option %u is defined twice", code);
	else if (opt_layout_parse(e->val, &d.layout, why, sizeof why) < 0)
		conf_ent_err(p, e, "\"%s\": %s", e->val, why);
	else if ((nv = conf_grow(p, p->c->optdefs, p->c->noptdefs, &p->capoptdefs, sizeof *nv))) {
		p->c->optdefs = nv;
		nv[p->c->noptdefs++] = d;
	}
}

static int cmp_optdef(const void *a, const void *b)
{
	const struct cfg_optdef *x = a, *y = b;

	return x->code - y->code;
}

/* [GENERAL]'s OPTIONDEF_nn, before any section's OPTION_nn needs them. */
static void read_optdefs(struct pctx *p)
{
	for (size_t i = 0; i < p->ns; i++) {
		const struct sect *s = &p->sv[i];

		for (size_t j = s->first; s->kind == SK_GENERAL && j < s->first + s->n; j++) {
			const struct ent *e = &p->ev[j];
			unsigned code;

			if (!e->dup && e->xstate == X_DONE &&
			    strncasecmp(e->key, "OPTIONDEF_", 10) == 0 &&
			    conf_index_parse(e->key + 10, &code))
				optdef_add(p, e, code);
		}
	}
	conf_sort(p->c->optdefs, p->c->noptdefs, sizeof *p->c->optdefs, cmp_optdef);
}

void conf_interpret(struct pctx *p)
{
	static const enum skind order[] = { SK_SETTINGS, SK_GENERAL, SK_DNS, SK_HTTP,
					    SK_TFTP, SK_DUODHCP, SK_FAILOVER };

	for (size_t i = 0; i < p->ns; i++)
		conf_classify(p, &p->sv[i]);
	read_optdefs(p);
	for (size_t k = 0; k < NELEM(order); k++)
		for (size_t i = 0; i < p->ns; i++)
			if (p->sv[i].kind == order[k])
				conf_do_fixed(p, &p->sv[i]);
	if (p->general.lease_time)
		p->c->lease_time = p->general.lease_time;
	p->c->subnet_mask = p->general.mask;
	build_direct(p);
	for (size_t i = 0; i < p->ns && !p->oom; i++) {
		if (p->sv[i].kind == SK_SUBNET)
			conf_do_subnet(p, &p->sv[i]);
		else if (p->sv[i].kind == SK_HOST)
			conf_do_host(p, &p->sv[i]);
		else if (p->sv[i].kind == SK_CLASS)
			conf_do_class(p, &p->sv[i]);
	}
	if (p->oom)
		return;
	conf_resolve_poolclass(p);
	check_ranges(p);
	check_subnets(p);
	check_failover(p);	/* before distribute() takes bind addresses out */
	build_groups(p);	/* after check_failover: it reads their failover */
	distribute(p);
	for (size_t i = 0; i < p->c->nsubnets && !p->oom; i++)
		number_pools(p, &p->c->subnets[i]);
	check_hosts(p);
	check_whole(p);
}

/* ---- entry points ---- */

void conf_defaults(struct config *c)
{
	c->lease_time = DEF_LEASE;
	c->http_port = DEF_HTTP_PORT;
	snprintf(c->journal, sizeof c->journal, "%s", DEF_JOURNAL);
	c->probe_ms = DEF_PROBE_MS;
	c->decline_secs = DEF_DECLINE;
	c->offer_secs = DEF_OFFER;
	c->sync_max_leases = DEF_SYNC_MAX_LEASES;
	c->sync_rate = DEF_SYNC_RATE;
	c->compact_bytes = DEF_COMPACT;
	/* Names a client could use to steer others (WPAD proxy discovery,
	 * a localhost that is not): never a client's. */
	snprintf(c->dns_refuse, sizeof c->dns_refuse, "%s", DEF_DNS_REFUSE);
	c->fo.port = DEF_FO_PORT;
	c->fo.peer_port = DEF_FO_PORT;
	c->fo.split = DEF_FO_SPLIT;
	c->fo.max_response_delay = DEF_FO_MRD;
	c->fo.max_unacked = DEF_FO_UNACKED;
	c->fo.lb_max_secs = DEF_FO_LBMAX;
	c->fo.clock_skew_warn = DEF_FO_SKEW;
	c->fo.min_balance = DEF_FO_MIN_BAL;
	c->fo.max_balance = DEF_FO_MAX_BAL;
	c->fo.all_pools = true;
}

static void pctx_free(struct pctx *p)
{
	for (size_t i = 0; i < p->ne; i++)
		if (p->ev[i].val_heap)
			free(p->ev[i].val);
	free(p->ev);
	free(p->sv);
	free(p->ssorted);
	free(p->esorted);
	free(p->pools);
	free(p->binds);
	free(p->rv);
	free(p->subw);
	free(p->hostw);
	free(p->pcls);
	conf_scope_free(&p->general);
	free(p->buf);
}

struct config *config_parse(const char *name, const char *buf, size_t len, FILE *errs)
{
	struct pctx p = { .file = name ? name : "(config)", .errs = errs };
	struct config *c;

	if (len > FILE_MAX_LEN) {
		conf_perr(&p, 0, NULL, NULL, "larger than %u bytes", FILE_MAX_LEN);
		return NULL;
	}
	p.c = c = calloc(1, sizeof *c);
	p.buf = malloc(len + 1);
	if (c == NULL || p.buf == NULL) {
		conf_oom(&p);
		free(c);
		free(p.buf);
		return NULL;
	}
	memcpy(p.buf, buf, len);
	p.buf[len] = '\0';
	snprintf(c->path, sizeof c->path, "%s", p.file);
	conf_defaults(c);
	conf_lex(&p, len);
	if (!p.oom)
		conf_find_dups(&p);
	if (!p.oom)
		conf_expand_all(&p);
	if (!p.oom)
		conf_interpret(&p);
	pctx_free(&p);
	if (p.nerr) {
		config_free(c);
		return NULL;
	}
	return c;
}

struct config *config_load(const char *path, FILE *errs)
{
	FILE *f = fopen(path, "rb");
	struct config *c = NULL;
	char *buf;
	size_t len;

	if (f == NULL) {
		if (errs)
			fprintf(errs, "%s: %s\n", path, strerror(errno));
		return NULL;
	}
	if ((buf = malloc(FILE_MAX_LEN + 1)) == NULL) {
		if (errs)
			fprintf(errs, "%s: out of memory\n", path);
		fclose(f);
		return NULL;
	}
	len = fread(buf, 1, FILE_MAX_LEN + 1, f);
	if (ferror(f)) {
		if (errs)
			fprintf(errs, "%s: read error\n", path);
	} else if (len > FILE_MAX_LEN) {
		if (errs)
			fprintf(errs, "%s: larger than %u bytes\n", path, FILE_MAX_LEN);
	} else
		c = config_parse(path, buf, len, errs);
	free(buf);
	fclose(f);
	return c;
}

void config_free(struct config *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < c->nsubnets; i++) {
		free(c->subnets[i].ranges);
		free(c->subnets[i].group);
		conf_optset_free(&c->subnets[i].opts);
		for (size_t j = 0; j < c->subnets[i].npools; j++) {
			conf_optset_free(&c->subnets[i].pools[j].own);
			conf_optset_free(&c->subnets[i].pools[j].opts);
		}
		free(c->subnets[i].pools);
	}
	for (size_t i = 0; i < c->nhosts; i++) {
		conf_optset_free(&c->hosts[i].opts);
		free(c->hosts[i].cid);
	}
	for (size_t i = 0; i < c->nclasses; i++) {
		for (size_t j = 0; j < c->classes[i].nmatch; j++)
			free(c->classes[i].match[j].data);
		free(c->classes[i].match);
		conf_optset_free(&c->classes[i].opts);
	}
	free(c->classes);
	free(c->subnets);
	free(c->hosts);
	free(c->optdefs);
	free(c);
}

bool config_relay_trusted(const struct config *c, uint32_t addr)
{
	for (size_t i = 0; i < c->ntrusted; i++)
		if ((addr & c->trusted[i].mask) == c->trusted[i].net)
			return true;
	return c->ntrusted == 0;
}

const struct cfg_subnet *config_subnet_for(const struct config *c, uint32_t addr)
{
	size_t i = subnet_index(c, addr);

	return i == SIZE_MAX ? NULL : &c->subnets[i];
}

const struct cfg_host *config_host_for(const struct config *c, uint8_t htype,
				       const uint8_t *hw, uint8_t hlen)
{
	for (size_t i = 0; i < c->nhosts; i++) {
		const struct cfg_host *h = &c->hosts[i];
		if (h->cid_len == 0 && h->htype == htype && h->hlen == hlen &&
		    memcmp(h->hw, hw, hlen) == 0)
			return h;
	}
	return NULL;
}

const struct cfg_host *config_host_for_cid(const struct config *c, const uint8_t *cid,
					   size_t len)
{
	for (size_t i = 0; i < c->nhosts; i++) {
		const struct cfg_host *h = &c->hosts[i];
		if (len && h->cid_len == len && memcmp(h->cid, cid, len) == 0)
			return h;
	}
	return NULL;
}
