/* dhcpd.conf declarations: subnet, shared-network, pool, host, group,
 * failover peer, and the statements that only they hold (range,
 * hardware, fixed-address). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/text.h"
#include "import/isc_conf.h"

static void *grow(void *v, size_t n, size_t size)
{
	return realloc(v, (n + 1) * size);
}

/* Runs the block of s as a new scope of kind k. */
static int enter(struct ictx *c, const struct isc_stmt *s, uint8_t k)
{
	if (c->depth >= ISC_SCOPES_MAX)
		return 0;
	uint8_t old = c->scope;
	struct iparams *p = &c->frames[c->depth];
	memset(p, 0, sizeof *p);
	c->stack[c->depth++] = p;
	c->scope = k;
	int rc = isc_walk(c, s);
	c->scope = old;
	return rc;
}

static void leave(struct ictx *c)
{
	isc_params_free(c->stack[--c->depth]);
}

static bool contiguous(uint32_t m)
{
	return (~m & (~m + 1)) == 0;
}

int isc_st_subnet(struct ictx *c, const struct isc_stmt *s)
{
	uint32_t net, mask;
	if (s->ntok != 4 || !isc_is(s, 2, "netmask") || !isc_ip(s->tok[1].text, &net) ||
	    !isc_ip(s->tok[3].text, &mask) || !contiguous(mask) || mask == 0 || (net & ~mask)) {
		isc_note(c, s, XLAT_LOST, "not \"subnet A netmask M\" with a contiguous mask and no "
			 "host bits in A");
		return 0;
	}
	struct isub *v = grow(c->subs, c->nsubs, sizeof *v);
	if (!v)
		return -1;
	c->subs = v;
	int me = (int)c->nsubs++;
	c->subs[me] = (struct isub){ .net = net, .mask = mask, .line = s->line,
				     .shared = c->scope == IS_SHARED ? c->cur_shared : -1 };
	int old = c->cur_sub;
	c->cur_sub = me;
	int rc = enter(c, s, IS_SUBNET);
	if (rc == 0)
		rc = isc_params_stack(c, &c->subs[me].eff);
	leave(c);
	c->cur_sub = old;
	return rc;
}

int isc_st_shared(struct ictx *c, const struct isc_stmt *s)
{
	if (s->ntok != 2) {
		isc_note(c, s, XLAT_LOST, "not \"shared-network NAME\"");
		return 0;
	}
	/* Our names are 1 to 31 of [A-Za-z0-9._-]; others are mended and
	 * numbered so that two networks never become one. */
	char name[32];
	size_t n = 0;
	for (const char *p = s->tok[1].text; *p && n < 24; p++)
		name[n++] = text_is_alnum((uint8_t)*p) || *p == '-' || *p == '.' ? *p : '_';
	name[n] = '\0';
	if (!n)
		snprintf(name, sizeof name, "net");
	for (size_t i = 0; i < c->nshared; i++)
		if (strcasecmp(c->shared[i], name) == 0) {
			snprintf(name + n, sizeof name - n, "-%zu", c->nshared + 1);
			break;
		}
	char (*v)[32] = grow(c->shared, c->nshared, sizeof *v);
	if (!v)
		return -1;
	c->shared = v;
	memcpy(c->shared[c->nshared], name, sizeof name);
	int old = c->cur_shared;
	c->cur_shared = (int)c->nshared++;
	int rc = enter(c, s, IS_SHARED);
	leave(c);
	c->cur_shared = old;
	return rc;
}

int isc_st_group(struct ictx *c, const struct isc_stmt *s)
{
	if (s->ntok != 1 && !(s->ntok == 2 && s->tok[1].kind == ISC_STRING))
		isc_note(c, s, XLAT_LOST, "not \"group { ... }\"");
	uint8_t keep = c->scope == IS_GLOBAL ? IS_GROUP : c->scope;
	/* A group in a subnet is still in that subnet. */
	int rc = enter(c, s, keep == IS_SUBNET || keep == IS_SHARED ? keep : IS_GROUP);
	leave(c);
	return rc;
}

int isc_st_pool(struct ictx *c, const struct isc_stmt *s)
{
	if (s->ntok != 1) {
		isc_note(c, s, XLAT_LOST, "not \"pool { ... }\"");
		return 0;
	}
	struct ipool *v = grow(c->pools, c->npools, sizeof *v);
	if (!v)
		return -1;
	c->pools = v;
	int me = (int)c->npools++;
	memset(&c->pools[me], 0, sizeof c->pools[me]);
	c->pools[me].line = s->line;
	int old = c->cur_pool;
	uint8_t scope = c->scope;
	c->cur_pool = me;
	int rc = enter(c, s, IS_POOL);
	if (rc == 0)
		rc = isc_params_merge(&c->pools[me].own, c->stack[c->depth - 1]);
	leave(c);
	c->cur_pool = old;
	c->scope = scope;
	return rc;
}

int isc_st_range(struct ictx *c, const struct isc_stmt *s)
{
	size_t i = isc_is(s, 1, "dynamic-bootp") ? 2 : 1;
	uint32_t a, b;
	if (i == 2)
		isc_note(c, s, XLAT_LOST, "dynamic-bootp: duodhcpd answers DHCP only, not BOOTP; "
			 "the range serves DHCP clients");
	if (s->ntok < i + 1 || s->ntok > i + 2 || !isc_ip(s->tok[i].text, &a) ||
	    (s->ntok == i + 2 && !isc_ip(s->tok[i + 1].text, &b))) {
		isc_note(c, s, XLAT_LOST, "not \"range A [B]\" with IPv4 addresses");
		return 0;
	}
	if (s->ntok == i + 1)
		b = a;
	struct irange *v = grow(c->ranges, c->nranges, sizeof *v);
	if (!v)
		return -1;
	c->ranges = v;
	c->ranges[c->nranges++] = (struct irange){
		.first = a < b ? a : b, .last = a < b ? b : a, .line = s->line,
		.sub = c->scope == IS_SUBNET ? c->cur_sub : -1,
		.pool = c->scope == IS_POOL ? c->cur_pool : -1 };
	return 0;
}

int isc_st_host(struct ictx *c, const struct isc_stmt *s)
{
	if (s->ntok != 2) {
		isc_note(c, s, XLAT_LOST, "not \"host NAME { ... }\"");
		return 0;
	}
	struct ihost *v = grow(c->hosts, c->nhosts, sizeof *v);
	if (!v)
		return -1;
	c->hosts = v;
	int me = (int)c->nhosts++;
	struct ihost *h = &c->hosts[me];
	memset(h, 0, sizeof *h);
	h->line = s->line;
	snprintf(h->name, sizeof h->name, "%s", s->tok[1].text);
	int old = c->cur_host;
	c->cur_host = me;
	int rc = enter(c, s, IS_HOST);
	if (rc == 0)
		rc = isc_params_stack(c, &c->hosts[me].eff);
	leave(c);
	c->cur_host = old;
	return rc;
}

int isc_st_hardware(struct ictx *c, const struct isc_stmt *s)
{
	struct ihost *h = &c->hosts[c->cur_host];
	uint8_t hw[6];
	int n = 0;
	const char *p = s->ntok == 3 ? s->tok[2].text : "";
	if (!isc_is(s, 1, "ethernet")) {
		isc_note(c, s, XLAT_LOST, "only Ethernet hardware addresses are matched here");
		return 0;
	}
	while (n < 6 && text_hexval(p[0]) >= 0) {
		int b = text_hexval(p[1]) >= 0 ? text_hexval(p[0]) * 16 + text_hexval(p[1])
					       : text_hexval(p[0]);
		p += text_hexval(p[1]) >= 0 ? 2 : 1;
		hw[n++] = (uint8_t)b;
		if (*p == ':' && n < 6)
			p++;
	}
	if (n != 6 || *p) {
		isc_note(c, s, XLAT_LOST, "not a 6-byte Ethernet address");
		return 0;
	}
	memcpy(h->hw, hw, 6);
	h->has_hw = true;
	return 0;
}

int isc_st_fixed(struct ictx *c, const struct isc_stmt *s)
{
	struct ihost *h = &c->hosts[c->cur_host];
	uint32_t a;
	if (s->ntok < 2 || !isc_ip(s->tok[1].text, &a)) {
		isc_note(c, s, XLAT_LOST, "a host name cannot be looked up when translating: write "
			 "its address as IPADDR in the client section");
		return 0;
	}
	if (s->ntok > 2)
		isc_note(c, s, XLAT_LOST, "only the first address is reserved (one IPADDR per "
			 "client section)");
	h->addr = a;
	return 0;
}

/* ---- failover peer ---- */

static bool peer_num(const struct isc_stmt *s, size_t i, uint32_t lo, uint32_t hi, uint32_t *v)
{
	char *end;
	if (i + 1 != s->ntok)
		return false;
	unsigned long long n = strtoull(s->tok[i].text, &end, 10);
	if (*end || s->tok[i].text[0] == '-' || n < lo || n > hi)
		return false;
	*v = (uint32_t)n;
	return true;
}

static bool peer_hba(struct ipeer *p, const char *t)
{
	size_t n = 0;
	while (n < 32 && text_hexval(t[0]) >= 0 && text_hexval(t[1]) >= 0) {
		p->hba[n++] = (uint8_t)(text_hexval(t[0]) * 16 + text_hexval(t[1]));
		t += 2;
		if (*t == ':')
			t++;
	}
	return n == 32 && !*t;
}

/* One statement of a failover peer block; false when it is not read. */
static bool peer_stmt(struct ipeer *p, const struct isc_stmt *s)
{
	if (isc_is(s, 0, "primary") || isc_is(s, 0, "secondary")) {
		p->role = isc_is(s, 0, "primary") ? 1 : 2;
		return s->ntok == 1;
	}
	if (isc_is(s, 0, "address"))
		return s->ntok == 2 && isc_ip(s->tok[1].text, &p->addr);
	if (isc_is(s, 0, "port"))
		return peer_num(s, 1, 1, 65535, &p->port);
	if (isc_is(s, 0, "peer") && isc_is(s, 1, "address"))
		return s->ntok == 3 && isc_ip(s->tok[2].text, &p->peer_addr);
	if (isc_is(s, 0, "peer") && isc_is(s, 1, "port"))
		return peer_num(s, 2, 1, 65535, &p->peer_port);
	if (isc_is(s, 0, "max-response-delay"))
		return peer_num(s, 1, 3, 3600, &p->mrd);
	if (isc_is(s, 0, "max-unacked-updates"))
		return peer_num(s, 1, 1, 65535, &p->mua);
	if (isc_is(s, 0, "mclt"))
		return peer_num(s, 1, 1, 31536000, &p->mclt);
	if (isc_is(s, 0, "split"))
		return (p->has_split = peer_num(s, 1, 0, 256, &p->split));
	if (isc_is(s, 0, "hba"))
		return (p->has_hba = s->ntok == 2 && peer_hba(p, s->tok[1].text));
	if (isc_is(s, 0, "load") && isc_is(s, 1, "balance") && isc_is(s, 2, "max") &&
	    isc_is(s, 3, "seconds"))
		return peer_num(s, 4, 0, 65535, &p->lbms);
	if (isc_is(s, 0, "auto-partner-down"))
		return peer_num(s, 1, 0, 31536000, &p->apd);
	if (isc_is(s, 0, "min-balance"))
		return peer_num(s, 1, 1, 86400, &p->minb);
	if (isc_is(s, 0, "max-balance"))
		return peer_num(s, 1, 1, 86400, &p->maxb);
	return false;
}

static int peer_decl(struct ictx *c, const struct isc_stmt *s)
{
	struct ipeer p = { .line = s->line, .ok = true };
	snprintf(p.name, sizeof p.name, "%s", s->tok[2].text);
	for (size_t i = 0; i < s->nchild; i++) {
		const struct isc_stmt *k = &s->child[i];
		if (k->ntok == 0 || k->block || !peer_stmt(&p, k))
			isc_note(c, k, XLAT_LOST, "not a failover statement our [FAILOVER] holds, "
				 "or its value is out of range");
	}
	/* Our parser wants unicast addresses: nothing listens on 0.0.0.0 or
	 * multicast. */
	if (!p.role || !p.addr || !p.peer_addr || p.addr >= 0xe0000000u ||
	    p.peer_addr >= 0xe0000000u || (p.role == 1 && !p.mclt) ||
	    (p.has_split && p.has_hba) || !xlat_value_ok(p.name) || !p.name[0] ||
	    (p.addr == p.peer_addr && (p.port ? p.port : 647) == (p.peer_port ? p.peer_port : 647))) {
		isc_note(c, s, XLAT_LOST, "needs primary or secondary, unicast address and peer "
			 "address, mclt on the primary, one of split and hba, and a printable name");
		p.ok = false;
	}
	struct ipeer *v = grow(c->peers, c->npeers, sizeof *v);
	if (!v)
		return -1;
	c->peers = v;
	c->peers[c->npeers++] = p;
	return 0;
}

int isc_st_failover(struct ictx *c, const struct isc_stmt *s)
{
	if (!isc_is(s, 1, "peer") || s->ntok != 3 || s->tok[2].kind != ISC_STRING) {
		isc_note(c, s, XLAT_LOST, "not \"failover peer \\\"NAME\\\"\"");
		return 0;
	}
	if (s->block)
		return c->scope == IS_GLOBAL || c->scope == IS_GROUP ? peer_decl(c, s) : 0;
	if (c->scope != IS_POOL) {
		isc_note(c, s, XLAT_LOST, "a failover reference outside a pool");
		return 0;
	}
	snprintf(c->pools[c->cur_pool].peer, sizeof c->pools[0].peer, "%s", s->tok[2].text);
	return 0;
}
