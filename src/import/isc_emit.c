/* The collected dhcpd.conf declarations checked against each other and
 * written as dhcpsrv.ini (see isc_conf.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/text.h"
#include "import/isc_conf.h"

#define ISC_DEFAULT_LEASE 43200u	/* dhcpd's when default-lease-time is not set */
#define ISC_DEFAULT_MAX 86400u		/* and max-lease-time */

static void notel(struct ictx *c, unsigned line, enum xlat_note_kind k, const char *where,
		  const char *why)
{
	xlat_note(c->x, line, k, where, "%s", why);
}

const struct opt_layout *isc_layout_of(const struct ictx *c, uint8_t code)
{
	return c->has_layout[code] ? &c->layouts[code] : NULL;
}

static int prefix_len(uint32_t mask)
{
	int n = 0;
	while (n < 32 && (mask << n) & 0x80000000u)
		n++;
	return n;
}

static uint32_t bcast(const struct isub *s)
{
	return s->net | ~s->mask;
}

/* OPTIONDEF_nn for each defined code without a built-in definition whose
 * type fits one of our layouts, once per code. */
static void layouts(struct ictx *c)
{
	for (size_t i = 0; i < c->ndefs; i++) {
		uint8_t code = c->defs[i].code;
		char text[160], err[120];
		struct opt_layout l;
		if (opt_def_by_code(code) || c->has_layout[code] ||
		    !isc_fmt_layout(&c->defs[i].fmt, text, sizeof text) ||
		    opt_layout_parse(text, &l, err, sizeof err) < 0)
			continue;
		bool again = false;
		for (size_t j = 0; j < c->ndefs; j++)
			again |= j != i && c->defs[j].code == code;
		if (!again) {
			c->layouts[code] = l;
			c->has_layout[code] = true;
		}
	}
}

/* Subnets that overlap an earlier one are dropped; ranges go to the
 * subnet that holds them. */
static void check_subnets(struct ictx *c)
{
	for (size_t i = 0; i < c->nsubs; i++)
		for (size_t j = 0; j < i; j++) {
			struct isub *a = &c->subs[i], *b = &c->subs[j];
			if (b->dead || ((a->net & b->mask) != b->net && (b->net & a->mask) != a->net))
				continue;
			a->dead = true;
			notel(c, a->line, XLAT_LOST, "subnet", "overlaps an earlier subnet: dropped");
			break;
		}
}

static int sub_of(const struct ictx *c, uint32_t a)
{
	for (size_t i = 0; i < c->nsubs; i++)
		if (!c->subs[i].dead && (a & c->subs[i].mask) == c->subs[i].net)
			return (int)i;
	return -1;
}

static void check_ranges(struct ictx *c)
{
	for (size_t i = 0; i < c->nranges; i++) {
		struct irange *r = &c->ranges[i];
		int s = sub_of(c, r->first);
		if (s < 0 || s != sub_of(c, r->last) || (r->sub >= 0 && r->sub != s)) {
			notel(c, r->line, XLAT_LOST, "range", "not inside one subnet: dropped");
			r->sub = -2;
			continue;
		}
		r->sub = s;
		const struct isub *n = &c->subs[s];
		if (prefix_len(n->mask) < 31) {
			if (r->first == n->net)
				r->first++;
			if (r->last == bcast(n))
				r->last--;
			if (r->first > r->last) {
				r->sub = -2;
				continue;
			}
		}
		for (size_t j = 0; j < i; j++)
			if (c->ranges[j].sub >= 0 && r->first <= c->ranges[j].last &&
			    c->ranges[j].first <= r->last) {
				notel(c, r->line, XLAT_LOST, "range", "overlaps an earlier range: "
				      "dropped");
				r->sub = -2;
				break;
			}
	}
}

/* The bind addresses: the first of xlat.binds in each subnet. */
static void binds(struct ictx *c)
{
	for (size_t i = 0; i < c->nsubs; i++) {
		struct isub *s = &c->subs[i];
		for (size_t k = 0; !s->dead && k < c->x->nbinds && !s->bind; k++) {
			uint32_t a = c->x->binds[k];
			if ((a & s->mask) == s->net &&
			    (prefix_len(s->mask) >= 31 || (a != s->net && a != bcast(s))))
				s->bind = a;
		}
		/* One directly attached link per shared network. */
		for (size_t j = 0; s->bind && s->shared >= 0 && j < i; j++)
			if (c->subs[j].bind && c->subs[j].shared == s->shared) {
				s->bind = 0;
				notel(c, s->line, XLAT_INFO, "subnet", "a second directly attached "
				      "link in one shared network: served through relays only");
			}
	}
}

/* Takes address a out of every range (splitting one around it). */
static int exclude(struct ictx *c, uint32_t a)
{
	for (size_t i = 0; i < c->nranges; i++) {
		struct irange *r = &c->ranges[i];
		if (r->sub < 0 || a < r->first || a > r->last)
			continue;
		if (r->first == r->last) {
			r->sub = -2;
		} else if (a == r->first) {
			r->first++;
		} else if (a == r->last) {
			r->last--;
		} else {
			struct irange *v = realloc(c->ranges, (c->nranges + 1) * sizeof *v);
			if (!v)
				return -1;
			c->ranges = v;
			r = &c->ranges[i];
			c->ranges[c->nranges] = *r;
			c->ranges[c->nranges].first = a + 1;
			r->last = a - 1;
			c->nranges++;
		}
	}
	return 0;
}

/* The failover peer we write: the first usable one that a pool names. */
static const struct ipeer *failover(struct ictx *c)
{
	const struct ipeer *use = NULL;
	for (size_t i = 0; i < c->npools && !use; i++)
		for (size_t k = 0; c->pools[i].peer[0] && k < c->npeers && !use; k++)
			if (c->peers[k].ok && strcmp(c->peers[k].name, c->pools[i].peer) == 0)
				use = &c->peers[k];
	for (size_t i = 0; i < c->npools; i++)
		if (c->pools[i].peer[0] && (!use || strcmp(use->name, c->pools[i].peer)))
			notel(c, c->pools[i].line, XLAT_LOST, "pool", "its failover peer is not "
			      "the one translated (one [FAILOVER] per server): not in failover");
	if (!use)
		return NULL;
	for (size_t i = 0; i < c->nranges; i++) {
		const struct irange *r = &c->ranges[i];
		if (r->sub >= 0 && r->pool >= 0 && strcmp(c->pools[r->pool].peer, use->name) == 0)
			c->subs[r->sub].failover = true;
	}
	/* A shared network's pools are all in failover or none is. */
	for (size_t i = 0; i < c->nsubs; i++)
		for (size_t j = 0; c->subs[i].shared >= 0 && j < c->nsubs; j++)
			if (c->subs[j].failover && c->subs[j].shared == c->subs[i].shared)
				c->subs[i].failover = true;
	return use;
}

static bool has_range(const struct ictx *c, int sub)
{
	for (size_t i = 0; i < c->nranges; i++)
		if (c->ranges[i].sub == sub)
			return true;
	return false;
}

static void emit_failover(struct ictx *c, const struct ipeer *p)
{
	char a[TEXT_IP4_LEN], b[TEXT_IP4_LEN];
	size_t n = 0;
	for (size_t i = 0; i < c->nsubs; i++)
		n += c->subs[i].failover && has_range(c, (int)i);
	if (!n) {
		notel(c, p->line, XLAT_LOST, "failover peer", "no pool in a subnet we serve "
		      "names it");
		return;
	}
	xlat_section(c->x, "FAILOVER");
	xlat_key(c->x, "Role", "%s", p->role == 1 ? "primary" : "secondary");
	xlat_key(c->x, "Name", "\"%s\"", p->name);
	xlat_key(c->x, "Address", "%s", text_ip4(p->addr, a));
	xlat_key(c->x, "PeerAddress", "%s", text_ip4(p->peer_addr, b));
	if (p->port) xlat_key(c->x, "Port", "%u", p->port);
	if (p->peer_port) xlat_key(c->x, "PeerPort", "%u", p->peer_port);
	if (p->role == 1) {
		xlat_key(c->x, "MCLT", "%u", p->mclt);
		if (p->has_split)
			xlat_key(c->x, "Split", "%u", p->split);
		if (p->has_hba) {
			char h[3 * 32];
			xlat_key(c->x, "HBA", "%s", text_hex(h, p->hba, 32, ':'));
		}
	}
	if (p->mrd) xlat_key(c->x, "MaxResponseDelay", "%u", p->mrd);
	if (p->mua) xlat_key(c->x, "MaxUnackedUpdates", "%u", p->mua);
	if (p->lbms) xlat_key(c->x, "LoadBalanceMaxSeconds", "%u", p->lbms);
	if (p->apd) xlat_key(c->x, "AutoPartnerDown", "%u", p->apd);
	if (p->minb) xlat_key(c->x, "MinBalance", "%u", p->minb);
	if (p->maxb && p->maxb >= (p->minb ? p->minb : 60))
		xlat_key(c->x, "MaxBalance", "%u", p->maxb);
	else if (p->maxb)
		notel(c, p->line, XLAT_LOST, "max-balance", "below min-balance: left out");
	xlat_printf(c->x, "Pools=");
	for (size_t i = 0, k = 0; i < c->nsubs; i++)
		if (c->subs[i].failover && has_range(c, (int)i))
			xlat_printf(c->x, "%s%s/%d", k++ ? ", " : "",
				    text_ip4(c->subs[i].net, a), prefix_len(c->subs[i].mask));
	xlat_printf(c->x, "\n");
}

/* OPTION_nn=... as our -t prints it: by its layout or built-in type,
 * else hex. */
static void emit_opt(struct ictx *c, const char *prefix, const struct iopt *o)
{
	const struct opt_def *d = opt_def_by_code(o->code);
	const struct opt_layout *l = isc_layout_of(c, o->code);
	char *text = NULL;
	size_t n = 0;
	FILE *m = open_memstream(&text, &n);
	if (!m) {
		c->x->oom = true;
		return;
	}
	if (l && opt_layout_valid(l, o->data, o->len)) {
		opt_layout_format(m, l, o->data, o->len);
	} else {
		enum opt_type t = d && opt_valid(d->type, o->data, o->len) ? d->type : OPT_BYTES;
		for (size_t i = 0; t == OPT_STRING && i < o->len; i++)
			if (o->data[i] < 0x20 || o->data[i] > 0x7e)
				t = OPT_BYTES;
		if (l)
			t = OPT_BYTES;
		fprintf(m, "%s:", opt_type_name(t));
		opt_format(m, t, o->data, o->len);
	}
	fclose(m);
	if (text && strncasecmp(text, "hex:", 4) && strlen(text) > 3 * OPT_VALUE_MAX) {
		free(text);
		text = NULL;
	}
	if (!text || strchr(text, '\n')) {
		free(text);
		xlat_printf(c->x, "%sOPTION_%u=hex:", prefix, o->code);
		char h[4];
		for (size_t i = 0; i < o->len; i++)
			xlat_printf(c->x, "%s", text_hex(h, &o->data[i], 1, 0));
		xlat_printf(c->x, "\n");
		return;
	}
	xlat_printf(c->x, "%sOPTION_%u=%s\n", prefix, o->code, text);
	free(text);
}

/* The options and boot fields of p under prefix (a pool's "POOL_n."). */
static void emit_params(struct ictx *c, const char *prefix, const struct iparams *p)
{
	char a[TEXT_IP4_LEN];
	if (p->has_next)
		xlat_printf(c->x, "%sNEXTSERVER=%s\n", prefix, text_ip4(p->next, a));
	if (p->file[0])
		xlat_printf(c->x, "%sBOOTFILE=\"%s\"\n", prefix, p->file);
	if (p->sname[0])
		xlat_printf(c->x, "%sSNAME=\"%s\"\n", prefix, p->sname);
	for (size_t i = 0; i < p->nopts; i++)
		emit_opt(c, prefix, &p->opts[i]);
}

struct times {
	uint32_t lease, lmax, lmin, t1, t2;
};

/* dhcpd's lease times for a scope: p over base; a default above the
 * maximum is cut to it, as dhcpd does. */
static struct times times_of(const struct iparams *p, const struct times *base)
{
	struct times t = *base;
	if (p->lease) t.lease = p->lease;
	if (p->lmax) t.lmax = p->lmax;
	if (p->lmin) t.lmin = p->lmin;
	if (p->t1) t.t1 = p->t1;
	if (p->t2) t.t2 = p->t2;
	if (t.lease > t.lmax)
		t.lease = t.lmax;
	if (t.lmin > t.lease)
		t.lmin = t.lease;
	if (t.t1 && t.t2 && t.t1 >= t.t2)
		t.t1 = t.t2 = 0;
	return t;
}

/* What times_of had to change is said, not lost silently. */
static void times_note(struct ictx *c, unsigned line, const struct iparams *p,
		       const struct times *t)
{
	if ((p->t1 || p->t2) && !t->t1 && !t->t2)
		notel(c, p->t_line ? p->t_line : line, XLAT_LOST, "dhcp-renewal-time",
		      "T1 is not below T2 here: both left to T1Percent/T2Percent");
	if (p->lmin && t->lmin < p->lmin)
		notel(c, p->lmin_line ? p->lmin_line : line, XLAT_LOST, "min-lease-time",
		      "above the default lease time: cut to it");
}

static void emit_times(struct ictx *c, const struct times *t, const struct times *base)
{
	if (!base || t->lease != base->lease) xlat_key(c->x, "LEASETIME", "%u", t->lease);
	if (!base || t->lmax != base->lmax) xlat_key(c->x, "MaxLeaseTime", "%u", t->lmax);
	if (t->lmin && (!base || t->lmin != base->lmin))
		xlat_key(c->x, "MinLeaseTime", "%u", t->lmin);
	if (t->t1 && (!base || t->t1 != base->t1)) xlat_key(c->x, "T1", "%u", t->t1);
	if (t->t2 && (!base || t->t2 != base->t2)) xlat_key(c->x, "T2", "%u", t->t2);
}

static void emit_subnet(struct ictx *c, size_t i, const struct times *gt)
{
	struct isub *s = &c->subs[i];
	char a[TEXT_IP4_LEN], b[TEXT_IP4_LEN], name[48];
	snprintf(name, sizeof name, "SUBNET:%s/%d", text_ip4(s->net, a), prefix_len(s->mask));
	xlat_section(c->x, name);
	xlat_comment(c->x, "%s:%u: %s", c->file, s->line, s->bind ? "directly attached" :
		     "reached through relay agents only (no --bind address in it)");
	if (!s->bind)
		xlat_note(c->x, s->line, XLAT_INFO, name, "served through relay agents only; if "
			  "this server has an address on that link, translate with --bind "
			  "<that address> (IPBIND_n in [Settings])");
	if (s->shared >= 0)
		xlat_key(c->x, "SharedNetwork", "%s", c->shared[s->shared]);
	struct times t = times_of(&s->eff, gt);
	times_note(c, s->line, &s->eff, &t);
	emit_times(c, &t, gt);
	emit_params(c, "", &s->eff);
	unsigned n = 0;
	for (size_t k = 0; k < c->nranges; k++) {
		const struct irange *r = &c->ranges[k];
		if (r->sub != (int)i)
			continue;
		if (n == 9999) {	/* IPPOOL_n's n ends at 9999 */
			notel(c, r->line, XLAT_LOST, "range", "a subnet holds at most 9999 ranges "
			      "here: dropped");
			continue;
		}
		xlat_printf(c->x, "IPPOOL_%u=%s-%s\n", ++n, text_ip4(r->first, a),
			    text_ip4(r->last, b));
		if (r->pool >= 0) {
			char pre[24];
			snprintf(pre, sizeof pre, "POOL_%u.", n);
			emit_params(c, pre, &c->pools[r->pool].own);
		}
	}
}

/* ---- sets of the reservations written, so that a file of many hosts
 * is not checked pair by pair ---- */

static uint64_t fnv(const uint8_t *p, size_t n, uint64_t h)
{
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return h;
}

/* A host's client key: its identifier, else its MAC (type byte first so
 * the two kinds never meet). */
static size_t client_key(const struct ihost *h, uint8_t *k)
{
	k[0] = h->cidlen ? 1 : 2;
	memcpy(k + 1, h->cidlen ? h->cid : h->hw, h->cidlen ? h->cidlen : 6);
	return 1 + (h->cidlen ? h->cidlen : 6);
}

static uint64_t hkey(const struct ihost *hosts, size_t i, uint32_t addr, bool by_addr)
{
	uint8_t k[256];
	if (by_addr)
		return fnv((const uint8_t *)&addr, sizeof addr, 0xcbf29ce484222325ull);
	return fnv(k, client_key(&hosts[i], k), 0xcbf29ce484222325ull);
}

static bool hsame(const struct ihost *hosts, size_t a, size_t b, uint32_t addr, bool by_addr)
{
	uint8_t ka[256], kb[256];
	if (by_addr)
		return hosts[a].addr == addr;
	size_t na = client_key(&hosts[a], ka), nb = client_key(&hosts[b], kb);
	return na == nb && memcmp(ka, kb, na) == 0;
}

/* Adds host i (by its address when addr != 0, else by its client key);
 * 1 added, 0 already there, -1 out of memory. */
static int hset_add(struct hset *set, uint32_t addr, const struct ihost *hosts, size_t i)
{
	bool by_addr = addr != 0;
	if (2 * (set->n + 1) > set->cap) {
		size_t cap = set->cap ? set->cap * 2 : 64;
		size_t *v = malloc(cap * sizeof *v);
		if (!v)
			return -1;
		for (size_t k = 0; k < cap; k++)
			v[k] = SIZE_MAX;
		for (size_t k = 0; k < set->cap; k++) {
			if (set->v[k] == SIZE_MAX)
				continue;
			size_t j = hkey(hosts, set->v[k], hosts[set->v[k]].addr, by_addr) & (cap - 1);
			while (v[j] != SIZE_MAX)
				j = (j + 1) & (cap - 1);
			v[j] = set->v[k];
		}
		free(set->v);
		set->v = v;
		set->cap = cap;
	}
	size_t j = hkey(hosts, i, addr, by_addr) & (set->cap - 1);
	for (; set->v[j] != SIZE_MAX; j = (j + 1) & (set->cap - 1))
		if (hsame(hosts, set->v[j], i, addr, by_addr))
			return 0;
	set->v[j] = i;
	set->n++;
	return 1;
}

static bool host_addr_ok(struct ictx *c, size_t i)
{
	struct ihost *h = &c->hosts[i];
	int s = sub_of(c, h->addr);
	const char *why = NULL;
	if (s < 0)
		why = "its fixed-address is in no subnet translated: reserved nowhere";
	else if (prefix_len(c->subs[s].mask) < 31 &&
		 (h->addr == c->subs[s].net || h->addr == bcast(&c->subs[s])))
		why = "its fixed-address is a network or broadcast address";
	else if (h->addr == c->subs[s].bind)
		why = "its fixed-address is this server's own address";
	else if (c->fo && (h->addr == c->fo->addr || h->addr == c->fo->peer_addr))
		why = "its fixed-address is a failover server's address";
	int added = why ? 1 : hset_add(&c->addrs, h->addr, c->hosts, i);
	if (added < 0)
		c->x->oom = true;
	if (added == 0)
		why = "its fixed-address is another host's too";
	if (why)
		notel(c, h->line, XLAT_LOST, "fixed-address", why);
	return !why;
}

static void emit_host(struct ictx *c, size_t i, const struct times *gt)
{
	struct ihost *h = &c->hosts[i];
	char name[8 + 3 * 255 + 4], a[TEXT_IP4_LEN];
	if (!h->has_hw && h->cidlen < 2) {
		notel(c, h->line, XLAT_LOST, "host", "no hardware ethernet or client identifier "
		      "to know the client by");
		return;
	}
	int added = hset_add(&c->clients, 0, c->hosts, i);
	if (added < 0)
		c->x->oom = true;
	if (added == 0) {
		notel(c, h->line, XLAT_LOST, "host", "the same client as an earlier host: "
		      "one section per client here");
		h->addr = 0;
		return;
	}
	if (h->cidlen) {
		char hex[3 * 255];
		snprintf(name, sizeof name, "CLIENTID:%s", text_hex(hex, h->cid, h->cidlen, ':'));
		if (h->has_hw)
			notel(c, h->line, XLAT_LOST, "host", "matched by its client identifier only, "
			      "not also by its hardware address");
	} else {
		snprintf(name, sizeof name, "%02x-%02x-%02x-%02x-%02x-%02x", h->hw[0], h->hw[1],
			 h->hw[2], h->hw[3], h->hw[4], h->hw[5]);
	}
	xlat_section(c->x, name);
	xlat_comment(c->x, "%s:%u: host %s", c->file, h->line, h->name);
	if (h->addr && host_addr_ok(c, i))
		xlat_key(c->x, "IPADDR", "%s", text_ip4(h->addr, a));
	else
		h->addr = 0;
	if (!h->hostname[0] && c->decl_names && strlen(h->name) < 64 && xlat_value_ok(h->name))
		snprintf(h->hostname, sizeof h->hostname, "%s", h->name);
	if (h->hostname[0])
		xlat_key(c->x, "Hostname", "\"%s\"", h->hostname);
	if (h->eff.lease) {
		/* dhcpd keeps a host's time within the scope's minimum and maximum. */
		uint32_t lmin = h->eff.lmin ? h->eff.lmin : gt->lmin;
		uint32_t lmax = h->eff.lmax ? h->eff.lmax : gt->lmax;
		uint32_t lease = h->eff.lease < lmin ? lmin : h->eff.lease;
		lease = lease > lmax ? lmax : lease;
		if (lease != gt->lease)
			xlat_key(c->x, "LEASETIME", "%u", lease);
	}
	emit_params(c, "", &h->eff);
}

/* A client identifier given as an option of the host becomes its key. */
static void host_cids(struct ictx *c)
{
	for (size_t i = 0; i < c->nhosts; i++) {
		struct iparams *p = &c->hosts[i].eff;
		for (size_t k = 0; k < p->nopts; k++)
			if (p->opts[k].code == 61) {
				if (p->opts[k].len >= 2 && p->opts[k].len <= 255) {
					memcpy(c->hosts[i].cid, p->opts[k].data, p->opts[k].len);
					c->hosts[i].cidlen = (uint8_t)p->opts[k].len;
				}
			}
	}
}

static void emit_general(struct ictx *c, const struct times *gt)
{
	uint32_t mask = 0;
	char a[TEXT_IP4_LEN];
	for (size_t i = 0; i < c->nsubs; i++)
		if (c->subs[i].bind && c->subs[i].mask > mask)
			mask = c->subs[i].mask;
	if (mask) {
		xlat_section(c->x, "Settings");
		for (size_t i = 0, n = 0; i < c->nsubs; i++)
			if (c->subs[i].bind)
				xlat_printf(c->x, "IPBIND_%zu=%s\n", ++n, text_ip4(c->subs[i].bind, a));
	}
	xlat_section(c->x, "GENERAL");
	emit_times(c, gt, NULL);
	if (mask)
		xlat_key(c->x, "SUBNETMASK", "%s", text_ip4(mask, a));
	for (unsigned code = 1; code < 255; code++)
		if (c->has_layout[code]) {
			xlat_printf(c->x, "OPTIONDEF_%u=", code);
			char *t = NULL;
			size_t n = 0;
			FILE *m = open_memstream(&t, &n);
			if (m) {
				opt_layout_print(m, &c->layouts[code]);
				fclose(m);
			}
			xlat_printf(c->x, "%s\n", t ? t : "hex");
			free(t);
		}
	emit_params(c, "", &c->global);
	if (c->authoritative || c->ping >= 0) {
		xlat_section(c->x, "DUODHCP");
		if (c->authoritative)
			xlat_key(c->x, "Authoritative", "1");
		if (c->ping >= 0)
			xlat_key(c->x, "ConflictProbe", "%d", c->ping);
		if (c->ping_ms)
			xlat_key(c->x, "ProbeTimeoutMs", "%u", c->ping_ms);
	}
}

int isc_emit(struct ictx *c)
{
	layouts(c);
	check_subnets(c);
	check_ranges(c);
	binds(c);
	host_cids(c);
	for (size_t i = 0; i < c->nsubs; i++)
		if (c->subs[i].bind && exclude(c, c->subs[i].bind) < 0)
			return -1;
	const struct ipeer *p = failover(c);
	c->fo = p;
	if (p && (exclude(c, p->addr) < 0 || exclude(c, p->peer_addr) < 0))
		return -1;
	size_t live = 0;
	for (size_t i = 0; i < c->nsubs; i++)
		live += !c->subs[i].dead;
	if (!live)
		return xlat_error(c->x, 0, "no subnet declaration to translate: nothing to serve");
	struct times base = { ISC_DEFAULT_LEASE, ISC_DEFAULT_MAX, 0, 0, 0 };
	struct times gt = times_of(&c->global, &base);
	times_note(c, 0, &c->global, &gt);
	xlat_comment(c->x, "translated from %s by duodhcpctl import-config", c->file);
	emit_general(c, &gt);
	if (p)
		emit_failover(c, p);
	for (size_t i = 0; i < c->nsubs; i++)
		if (!c->subs[i].dead)
			emit_subnet(c, i, &gt);
	for (size_t i = 0; i < c->nhosts; i++)
		emit_host(c, i, &gt);
	return 0;
}
