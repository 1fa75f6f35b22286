/* What a SyncServer partner may hold in our lease table (see partner.h). */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include "core/partner.h"

/* Options that name servers of the link (RFC 2132, RFC 5859 for 150): a
 * router, DNS, time, log, NTP or WINS server we tell clients about is no
 * client's address. */
static const uint8_t server_opts[] = { 3, 4, 6, 7, 42, 44, 54, 150 };

const char *partner_why_name(enum partner_why w)
{
	static const char *const names[PARTNER_REASONS] = {
		[PARTNER_OK] = "", [PARTNER_OFF_LINK] = "off_link",
		[PARTNER_EDGE] = "network_or_broadcast", [PARTNER_OUR_POOL] = "our_pool",
		[PARTNER_RESERVED] = "reserved", [PARTNER_OUR_ADDRESS] = "our_address",
		[PARTNER_OUR_LEASE] = "our_lease", [PARTNER_LIMIT] = "limit",
	};
	return (unsigned)w < PARTNER_REASONS ? names[w] : "";
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

static int cmp_range(const void *a, const void *b)
{
	return cmp_u32(a, b);	/* by first: the ranges of a config are disjoint */
}

static bool has(const uint32_t *v, size_t n, uint32_t a)
{
	return n && bsearch(&a, v, n, sizeof *v, cmp_u32) != NULL;
}

/* Whether a falls in one of the sorted, disjoint ranges. */
static bool in_ranges(const uint32_t *r, size_t n, uint32_t a)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (a < r[2 * mid])
			hi = mid;
		else if (a > r[2 * mid + 1])
			lo = mid + 1;
		else
			return true;
	}
	return false;
}

static void add_own(struct partner_scope *ps, uint32_t a)
{
	if (a)
		ps->own[ps->nown++] = a;
}

static void add_opts(struct partner_scope *ps, const struct cfg_optset *os)
{
	for (size_t i = 0; i < os->n; i++)
		if (memchr(server_opts, os->v[i].code, sizeof server_opts))
			for (size_t k = 0; k + 4 <= os->v[i].len; k += 4) {
				const uint8_t *d = os->v[i].data + k;
				add_own(ps, (uint32_t)d[0] << 24 | (uint32_t)d[1] << 16 |
					    (uint32_t)d[2] << 8 | d[3]);
			}
}

/* Room for every address add_own can be given. */
static size_t own_max(const struct config *c, size_t nlocal)
{
	size_t n = nlocal + 8 + c->ndns_forward;
	for (size_t i = 0; i < c->nsubnets; i++) {
		n += 2;
		for (size_t k = 0; k < c->subnets[i].opts.n; k++)
			n += c->subnets[i].opts.v[k].len / 4u;
	}
	for (size_t i = 0; i < c->nhosts; i++) {
		n += 1;
		for (size_t k = 0; k < c->hosts[i].opts.n; k++)
			n += c->hosts[i].opts.v[k].len / 4u;
	}
	return n;
}

static void fill(struct partner_scope *ps, const struct config *c, const uint32_t *local,
		 size_t nlocal)
{
	struct in_addr http;
	for (size_t i = 0; i < c->nsubnets; i++) {
		const struct cfg_subnet *sn = &c->subnets[i];
		ps->nets[2 * ps->nnets] = sn->net;
		ps->nets[2 * ps->nnets++ + 1] = sn->mask;
		for (size_t r = 0; r < sn->nranges; r++) {
			ps->ranges[2 * ps->nranges] = sn->ranges[r].first;
			ps->ranges[2 * ps->nranges++ + 1] = sn->ranges[r].last;
		}
		add_own(ps, sn->bind_addr);
		add_own(ps, sn->siaddr);
		add_opts(ps, &sn->opts);
	}
	for (size_t i = 0; i < c->nhosts; i++) {
		if (c->hosts[i].addr)
			ps->fixed[ps->nfixed++] = c->hosts[i].addr;
		add_own(ps, c->hosts[i].siaddr);
		add_opts(ps, &c->hosts[i].opts);
	}
	for (size_t i = 0; i < nlocal; i++)
		add_own(ps, local[i]);
	for (size_t i = 0; i < c->ndns_forward; i++)
		add_own(ps, c->dns_forward[i]);
	if (c->fo.enabled) {
		add_own(ps, c->fo.addr);
		add_own(ps, c->fo.peer_addr);
	}
	if (c->http_bind[0] && inet_pton(AF_INET, c->http_bind, &http) == 1)
		add_own(ps, ntohl(http.s_addr));
}

int partner_scope_build(struct partner_scope *ps, const struct config *c,
			const uint32_t *local, size_t nlocal)
{
	size_t nr = 0;
	for (size_t i = 0; i < c->nsubnets; i++)
		nr += c->subnets[i].nranges;
	*ps = (struct partner_scope){ 0 };
	ps->nets = malloc((2 * c->nsubnets + 1) * sizeof *ps->nets);
	ps->ranges = malloc((2 * nr + 1) * sizeof *ps->ranges);
	ps->fixed = malloc((c->nhosts + 1) * sizeof *ps->fixed);
	ps->own = malloc(own_max(c, nlocal) * sizeof *ps->own);
	if (!ps->nets || !ps->ranges || !ps->fixed || !ps->own) {
		partner_scope_free(ps);
		return -1;
	}
	fill(ps, c, local, nlocal);
	qsort(ps->ranges, ps->nranges, 2 * sizeof *ps->ranges, cmp_range);
	qsort(ps->fixed, ps->nfixed, sizeof *ps->fixed, cmp_u32);
	qsort(ps->own, ps->nown, sizeof *ps->own, cmp_u32);
	return 0;
}

void partner_scope_free(struct partner_scope *ps)
{
	free(ps->nets);
	free(ps->ranges);
	free(ps->fixed);
	free(ps->own);
	*ps = (struct partner_scope){ 0 };
}

/* PARTNER_OK when addr is a host address of one of our subnets, else why
 * not.  A /31 or /32 has no network or broadcast address (RFC 3021). */
static enum partner_why on_link(const struct partner_scope *ps, uint32_t addr)
{
	for (size_t i = 0; i < ps->nnets; i++) {
		uint32_t net = ps->nets[2 * i], mask = ps->nets[2 * i + 1];
		if ((addr & mask) != net)
			continue;
		if (mask < 0xfffffffeu && (addr == net || addr == (net | ~mask)))
			return PARTNER_EDGE;
		return PARTNER_OK;
	}
	return PARTNER_OFF_LINK;
}

/* The states in which an address of ours is held by us. */
static bool held(const struct lease *l)
{
	return l->state == LEASE_ACTIVE || l->state == LEASE_ABANDONED ||
	       l->state == LEASE_BACKUP;
}

enum partner_why partner_check(const struct partner_scope *ps, uint32_t addr,
			       const struct lease *cur)
{
	enum partner_why w = on_link(ps, addr);
	if (w != PARTNER_OK)
		return w;
	if (in_ranges(ps->ranges, ps->nranges, addr))
		return PARTNER_OUR_POOL;
	if (has(ps->fixed, ps->nfixed, addr))
		return PARTNER_RESERVED;
	if (has(ps->own, ps->nown, addr))
		return PARTNER_OUR_ADDRESS;
	if (cur && !(cur->flags & LEASE_F_PARTNER) && held(cur))
		return PARTNER_OUR_LEASE;
	return PARTNER_OK;
}
