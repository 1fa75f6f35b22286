/* Configuration: the effective configuration printed back as an INI
 * file (duodhcpd -t), and the failover pools. */
#include "conf/parse.h"

/* ---- printing: the effective configuration as an INI file ---- */

static void print_str(FILE *out, const char *key, const char *v)
{
	fprintf(out, conf_plain_ok(v) ? "%s=%s\n" : "%s=\"%s\"\n", key, v);
}

static bool same_pool(const struct cfg_range *a, const struct cfg_range *b)
{
	return a->allow == b->allow && a->deny == b->deny && a->pool == b->pool;
}

/* The ranges of s with like's class restrictions and pool settings (every
 * range: like NULL). */
static void print_ranges_of(FILE *out, const struct cfg_subnet *s, const struct cfg_range *like)
{
	char a[16], b[16];

	for (size_t i = 0, k = 0; i < s->nranges; i++) {
		const struct cfg_range *r = &s->ranges[i];
		if (like && !same_pool(r, like))
			continue;
		fputs(k++ ? "," : "", out);
		if (r->first == r->last)
			fputs(conf_ipfmt(a, r->first), out);
		else
			fprintf(out, "%s-%s", conf_ipfmt(a, r->first), conf_ipfmt(b, r->last));
	}
	fputc('\n', out);
}

static void print_ranges(FILE *out, const struct cfg_subnet *s)
{
	print_ranges_of(out, s, NULL);
}

static void print_class_bits(FILE *out, const struct config *c, uint64_t bits, bool neg,
			     bool *first)
{
	for (size_t i = 0; i < c->nclasses; i++)
		if (bits & (1ull << i)) {
			fprintf(out, "%s%s%s", *first ? "" : ",", neg ? "!" : "", c->classes[i].name);
			*first = false;
		}
}

static void print_boot(FILE *out, uint32_t siaddr, const char *sname, const char *bootfile);

static void print_opts(FILE *out, const struct config *c, const struct cfg_optset *os);

/* A pool's own settings, as POOL_n.KEY lines. */
static void print_pool_keys(FILE *out, const struct config *c, unsigned n,
			    const struct cfg_pool *pl)
{
	char *text = NULL, *save = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&text, &len);

	if (m == NULL)
		return;
	print_boot(m, pl->siaddr, pl->sname, pl->bootfile);
	print_opts(m, c, &pl->own);
	fclose(m);
	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
		fprintf(out, "POOL_%u.%s\n", n, l);
	free(text);
}

/* One IPPOOL_n per distinct class restriction and pool settings, with its
 * POOLCLASS_n and POOL_n.KEY lines. */
static void print_pools(FILE *out, const struct config *c, const struct cfg_subnet *s)
{
	unsigned n = 0;

	for (size_t i = 0; i < s->nranges; i++) {
		const struct cfg_range *r = &s->ranges[i];
		bool seen = false, first = true;
		for (size_t j = 0; j < i && !seen; j++)
			seen = same_pool(&s->ranges[j], r);
		if (seen)
			continue;
		fprintf(out, "IPPOOL_%u=", ++n);
		print_ranges_of(out, s, r);
		if (r->allow || r->deny) {
			fprintf(out, "POOLCLASS_%u=", n);
			print_class_bits(out, c, r->allow, false, &first);
			print_class_bits(out, c, r->deny, true, &first);
			fputc('\n', out);
		}
		if (r->pool)
			print_pool_keys(out, c, n, &s->pools[r->pool - 1]);
	}
}

/* Match_n=[not] SUBJECT OP VALUE, the value as text when it is text. */
static void print_match(FILE *out, unsigned n, const struct cfg_match *m)
{
	static const char *const ops[] = { "exists", "=", "prefix", "contains" };
	bool text = m->len > 0;

	fprintf(out, "Match_%u=%s", n, m->negate ? "not " : "");
	if (m->subject == CFG_M_HW)
		fputs("hw", out);
	else
		fprintf(out, m->subject == CFG_M_RAI ? "option:82.%u" : "option:%u", m->code);
	fprintf(out, " %s", ops[m->op]);
	if (m->op != CFG_M_EXISTS) {
		for (size_t i = 0; i < m->len; i++)
			text = text && m->data[i] >= 0x20 && m->data[i] < 0x7f;
		fputs(text ? " string:" : " hex:", out);
		opt_format(out, text ? OPT_STRING : OPT_BYTES, m->data, m->len);
	}
	fputc('\n', out);
}

static void print_boot(FILE *out, uint32_t siaddr, const char *sname, const char *bootfile)
{
	char a[16];

	if (siaddr)
		fprintf(out, "NEXTSERVER=%s\n", conf_ipfmt(a, siaddr));
	if (sname[0])
		print_str(out, "SNAME", sname);
	if (bootfile[0])
		print_str(out, "BOOTFILE", bootfile);
}


/* AlwaysSend=66,67 */
static void print_codes(FILE *out, const char *key, const struct cfg_codes *set)
{
	bool first = true;

	for (unsigned code = 1; code <= 254; code++)
		if (cfg_codes_has(set, (uint8_t)code)) {
			fprintf(out, first ? "%s=%u" : "%.0s,%u", key, code);
			first = false;
		}
	if (!first)
		fputc('\n', out);
}

static void print_sends(FILE *out, const struct cfg_codes *always, const struct cfg_codes *never)
{
	print_codes(out, "AlwaysSend", always);
	print_codes(out, "NeverSend", never);
}

static void print_class(const struct config *c, const struct cfg_class *k, FILE *out)
{
	fprintf(out, "\n[CLASS:%s]\n", k->name);
	if (k->any)
		fputs("MatchAny=1\n", out);
	for (size_t i = 0; i < k->nmatch; i++)
		print_match(out, (unsigned)i + 1, &k->match[i]);
	if (k->lease_time)
		fprintf(out, "LEASETIME=%lu\n", (unsigned long)k->lease_time);
	print_boot(out, k->siaddr, k->sname, k->bootfile);
	print_opts(out, c, &k->opts);
	print_sends(out, &k->always, &k->never);
}

/* OPTION_n=TYPE:VALUE, in hex when the value would not fit a line. */
static void print_option(FILE *out, const struct cfg_opt *o)
{
	const struct opt_def *d = opt_def_by_code(o->code);
	enum opt_type t = d && opt_valid(d->type, o->data, o->len) ? d->type : OPT_BYTES;
	char *text = NULL;
	size_t n = 0;
	FILE *m;

	/* Binary bytes in a text option (dhcpsrv's OPTION_66=a.b.c.d) read
	 * better as hex than as escapes. */
	for (size_t i = 0; t == OPT_STRING && i < o->len; i++)
		if (o->data[i] < 0x20 || o->data[i] > 0x7e)
			t = OPT_BYTES;
	if ((m = open_memstream(&text, &n)) != NULL) {
		opt_format(m, t, o->data, o->len);
		fclose(m);
	}
	if (text == NULL || n > 3 * OPT_VALUE_MAX) {
		fprintf(out, "OPTION_%u=hex:", o->code);
		opt_format(out, OPT_BYTES, o->data, o->len);
		fputc('\n', out);
	} else
		fprintf(out, "OPTION_%u=%s:%s\n", o->code, opt_type_name(t), text);
	free(text);
}

/* A custom option by its OPTIONDEF_nn layout; hex when the text would
 * not fit a line. */
static void print_by_layout(FILE *out, const struct opt_layout *l, const struct cfg_opt *o)
{
	char *text = NULL;
	size_t n = 0;
	FILE *m;

	if ((m = open_memstream(&text, &n)) != NULL) {
		opt_layout_format(m, l, o->data, o->len);
		fclose(m);
	}
	if (text == NULL || n > 3 * OPT_VALUE_MAX || !opt_layout_valid(l, o->data, o->len) ||
	    strncasecmp(text, "hex:", 4) == 0) {
		fprintf(out, "OPTION_%u=hex:", o->code);
		opt_format(out, OPT_BYTES, o->data, o->len);
		fputc('\n', out);
	} else
		fprintf(out, "OPTION_%u=%s\n", o->code, text);
	free(text);
}

/* One sub-option: text when it is printable, else hex. */
static void print_subvalue(FILE *out, const uint8_t *v, size_t len)
{
	bool text = len > 0;

	for (size_t i = 0; i < len; i++)
		text = text && v[i] >= 0x20 && v[i] <= 0x7e;
	fputs(text ? "string:" : "hex:", out);
	opt_format(out, text ? OPT_STRING : OPT_BYTES, v, len);
	fputc('\n', out);
}

/* Whether v holds sub-options with codes 1 to 254, each code once, and
 * nothing else (what VENDOR43_n and VIVSO_n build). */
static bool tlvs_ok(const uint8_t *v, size_t len)
{
	struct cfg_codes seen = { { 0 } };

	for (size_t i = 0; i < len; i += 2u + v[i + 1]) {
		if (len - i < 2 || len - i - 2 < v[i + 1] || v[i] == 0 || v[i] == 255 ||
		    cfg_codes_has(&seen, v[i]))
			return false;
		conf_codes_add(&seen, v[i]);
	}
	return true;
}

/* Option 125 as VIVSO_n keys would build it: blocks of distinct
 * enterprises, none empty. */
static bool vivso_ok(const uint8_t *v, size_t len)
{
	for (size_t i = 0; i < len; i += 5u + v[i + 4]) {
		if (len - i < 5 || len - i - 5 < v[i + 4] || v[i + 4] == 0 ||
		    !tlvs_ok(v + i + 5, v[i + 4]))
			return false;
		for (size_t j = 0; j < i; j += 5u + v[j + 4])
			if (memcmp(v + j, v + i, 4) == 0)
				return false;
	}
	return len > 0;
}

/* Options 43 and 125 as VENDOR43_n and VIVSO_n; false when their bytes are
 * not what those keys build (an OPTION_43 in dhcpsrv's form). */
static bool print_subopts(FILE *out, const struct cfg_opt *o)
{
	unsigned n = 0;

	if (o->code == 43 && o->len && tlvs_ok(o->data, o->len)) {
		for (size_t i = 0; i < o->len; i += 2u + o->data[i + 1]) {
			fprintf(out, "VENDOR43_%u=%u ", ++n, o->data[i]);
			print_subvalue(out, o->data + i + 2, o->data[i + 1]);
		}
		return true;
	}
	if (o->code != 125 || !vivso_ok(o->data, o->len))
		return false;
	for (size_t i = 0; i < o->len; i += 5u + o->data[i + 4]) {
		const uint8_t *b = o->data + i;
		unsigned long en = (unsigned long)b[0] << 24 | (unsigned long)b[1] << 16 |
				   (unsigned long)b[2] << 8 | b[3];

		for (size_t j = 0; j < b[4]; j += 2u + b[5 + j + 1]) {
			fprintf(out, "VIVSO_%u=%lu %u ", ++n, en, b[5 + j]);
			print_subvalue(out, b + 5 + j + 2, b[5 + j + 1]);
		}
	}
	return true;
}

static void print_opts(FILE *out, const struct config *c, const struct cfg_optset *os)
{
	char a[16], s[OPT_VALUE_MAX + 1];

	for (size_t i = 0; i < os->n; i++) {
		const struct cfg_opt *o = &os->v[i];
		const char *list = o->code == 3 ? "ROUTER" : o->code == 6 ? "DNS" :
				   o->code == 44 ? "WINS" : NULL;
		const char *text = o->code == 15 ? "DOMAINNAME" : o->code == 252 ? "WPAD" : NULL;

		if (o->code == 1 || print_subopts(out, o))
			continue;	/* from the mask; VENDOR43_n, VIVSO_n */
		if (config_optdef(c, o->code)) {
			print_by_layout(out, config_optdef(c, o->code), o);
			continue;
		}
		if (list && o->len && o->len % 4 == 0) {
			for (size_t j = 0; j < o->len; j += 4) {
				const uint8_t *v = o->data + j;
				fprintf(out, "%s_%zu=%s\n", list, j / 4 + 1, conf_ipfmt(a,
					(uint32_t)v[0] << 24 | (uint32_t)v[1] << 16 | v[2] << 8 | v[3]));
			}
			continue;
		}
		if (text && o->len && !memchr(o->data, 0, o->len)) {
			memcpy(s, o->data, o->len);
			s[o->len] = '\0';
			if (conf_plain_ok(s)) {
				fprintf(out, "%s=%s\n", text, s);
				continue;
			}
		}
		if (o->code == 46 && conf_nodetype_ok(o->data, o->len))
			fprintf(out, "NODETYPE=%u\n", o->data[0]);
		else
			print_option(out, o);
	}
}

static void print_settings(const struct config *c, FILE *out)
{
	char a[16];
	unsigned k = 0, n;

	fprintf(out, "[Settings]\nAssociateBindsToPools=%d\nTrace=%d\n", c->associate_binds,
		c->trace);
	if (c->sync_server[0])
		print_str(out, "SyncServer", c->sync_server);
	for (size_t i = 0; i < c->nsubnets; i++) {
		const struct cfg_subnet *s = &c->subnets[i];
		if (s->relayed)
			continue;
		if (s->bind_addr == 0 || sscanf(s->name, "IPBIND_%u", &n) != 1)
			n = ++k;	/* IPPOOL_n subnets: any distinct n will do */
		if (s->bind_addr)
			fprintf(out, "IPBIND_%u=%s\n", n, conf_ipfmt(a, s->bind_addr));
		if (s->nranges && !s->section) {	/* else in its [SUBNET:...] */
			fprintf(out, "IPPOOL_%u=", n);
			print_ranges(out, s);
		}
	}
}

/* T1, T2 and the lease time bounds, where given. */
static void print_times(FILE *out, const struct cfg_subnet *s)
{
	const struct { const char *key; uint32_t v; } times[] = {
		{ "T1", s->t1 }, { "T2", s->t2 },
		{ "MinLeaseTime", s->min_lease }, { "MaxLeaseTime", s->max_lease },
	};
	for (size_t i = 0; i < NELEM(times); i++)
		if (times[i].v)
			fprintf(out, "%s=%lu\n", times[i].key, (unsigned long)times[i].v);
}

static void print_general(const struct config *c, FILE *out)
{
	const struct cfg_subnet *d = NULL;
	char a[16];

	for (size_t i = 0; i < c->nsubnets && d == NULL; i++)
		if (!c->subnets[i].relayed && !c->subnets[i].section)
			d = &c->subnets[i];
	fprintf(out, "\n[GENERAL]\nLEASETIME=%lu\n", (unsigned long)c->lease_time);
	if (c->subnet_mask)
		fprintf(out, "SUBNETMASK=%s\n", conf_ipfmt(a, c->subnet_mask));
	for (size_t i = 0; i < c->noptdefs; i++) {
		fprintf(out, "OPTIONDEF_%u=", c->optdefs[i].code);
		opt_layout_print(out, &c->optdefs[i].layout);
		fputc('\n', out);
	}
	if (d == NULL)
		return;		/* [GENERAL] is already merged into each [SUBNET:...] */
	print_times(out, d);
	print_boot(out, d->siaddr, d->sname, d->bootfile);
	print_opts(out, c, &d->opts);
	print_sends(out, &d->always, &d->never);
}

static void print_duodhcp(const struct config *c, FILE *out)
{
	char a[16];
	fprintf(out, "\n[DNS-Settings]\nEnableDNS=%d\n", c->dns_enable);
	print_str(out, "Domain", c->dns_domain);
	print_str(out, "RefuseNames", c->dns_refuse);
	if (c->ndns_forward) {
		fputs("FORWARD=", out);
		for (size_t i = 0; i < c->ndns_forward; i++)
			fprintf(out, "%s%s", i ? "," : "", conf_ipfmt(a, c->dns_forward[i]));
		fputc('\n', out);
	}
	fprintf(out, "\n[HTTP-Settings]\nEnableHTTP=%d\nPort=%u\n", c->http_enable, c->http_port);
	print_str(out, "BindAddress", c->http_bind);
	fputs("\n[DUODHCP]\n", out);
	print_str(out, "Journal", c->journal);
	print_str(out, "User", c->user);
	print_str(out, "ApiToken", c->api_token);
	fprintf(out, "Authoritative=%d\nConflictProbe=%d\nProbeTimeoutMs=%lu\n"
		"DeclineTime=%lu\nOfferHold=%lu\nT1Percent=%lu\nT2Percent=%lu\n"
		"CompactBytes=%lu\nCommitDelayMs=%lu\nSyncMaxLeases=%lu\nSyncRate=%lu\n",
		c->authoritative, c->probe,
		(unsigned long)c->probe_ms, (unsigned long)c->decline_secs,
		(unsigned long)c->offer_secs, (unsigned long)c->t1_pct, (unsigned long)c->t2_pct,
		(unsigned long)c->compact_bytes, (unsigned long)c->commit_delay_ms,
		(unsigned long)c->sync_max_leases, (unsigned long)c->sync_rate);
	fputs("TrustedRelays=", out);
	for (size_t i = 0; i < c->ntrusted; i++) {
		fprintf(out, "%s%s", i ? "," : "", conf_ipfmt(a, c->trusted[i].net));
		if (c->trusted[i].mask != 0xffffffffu)
			fprintf(out, "/%u", conf_mask_prefix(c->trusted[i].mask));
	}
	fprintf(out, "\nLinkSelection=%s\n", conf_choice_name(conf_linksel_words, c->link_selection));
}

static struct cfg_range *fo_ranges(const struct config *c, size_t *n);

static void print_failover(const struct config *c, FILE *out)
{
	const struct cfg_failover *fo = &c->fo;
	struct cfg_range *r;
	char a[16], b[16];
	size_t n = 0;

	if (!fo->enabled)
		return;
	fprintf(out, "\n[FAILOVER]\nRole=%s\nAddress=%s\nPort=%u\n",
		conf_choice_name(conf_fo_role_words, fo->role), conf_ipfmt(a, fo->addr),
		fo->port);
	fprintf(out, "PeerAddress=%s\nPeerPort=%u\n", conf_ipfmt(a, fo->peer_addr), fo->peer_port);
	print_str(out, "Name", fo->name);
	if (fo->role == CFG_FO_PRIMARY) {
		fprintf(out, "MCLT=%lu\n", (unsigned long)fo->mclt);
		if (fo->hba_set) {
			fputs("HBA=", out);
			for (size_t i = 0; i < sizeof fo->hba; i++)
				fprintf(out, "%s%02x", i ? ":" : "", fo->hba[i]);
			fputc('\n', out);
		} else
			fprintf(out, "Split=%u\n", fo->split);
	}
	fprintf(out, "MinBalance=%lu\nMaxBalance=%lu\n", (unsigned long)fo->min_balance,
		(unsigned long)fo->max_balance);
	fprintf(out, "MaxResponseDelay=%lu\nMaxUnackedUpdates=%lu\nLoadBalanceMaxSeconds=%lu\n"
		"AutoPartnerDown=%lu\nClockSkewWarn=%lu\n", (unsigned long)fo->max_response_delay,
		(unsigned long)fo->max_unacked, (unsigned long)fo->lb_max_secs,
		(unsigned long)fo->auto_partner_down, (unsigned long)fo->clock_skew_warn);
	fputs("Pools=", out);
	for (size_t i = 0, k = 0; i < c->nsubnets && !fo->all_pools; i++)
		if (c->subnets[i].failover)
			fprintf(out, "%s%s/%u", k++ ? "," : "", conf_ipfmt(a, c->subnets[i].net),
				conf_mask_prefix(c->subnets[i].mask));
	fputs(fo->all_pools ? "all\n" : "\n", out);
	/* What the peer's -t must show the same (docs/config.md, [FAILOVER]). */
	fputs("; failover pools:", out);
	r = fo_ranges(c, &n);
	for (size_t i = 0; r && i < n; i++)
		fprintf(out, "%s %s-%s", i ? "," : "", conf_ipfmt(a, r[i].first),
			conf_ipfmt(b, r[i].last));
	free(r);
	fprintf(out, "\n; failover pools fingerprint: %016llx\n",
		(unsigned long long)config_failover_fingerprint(c));
}

static void print_subnet(const struct config *c, const struct cfg_subnet *s, FILE *out)
{
	char a[16];

	fprintf(out, "\n[SUBNET:%s/%u]\n", conf_ipfmt(a, s->net), conf_mask_prefix(s->mask));
	print_pools(out, c, s);
	fprintf(out, "LEASETIME=%lu\n", (unsigned long)s->lease_time);
	print_times(out, s);
	if (s->shared[0])
		fprintf(out, "SharedNetwork=%s\n", s->shared);
	print_boot(out, s->siaddr, s->sname, s->bootfile);
	print_opts(out, c, &s->opts);
	print_sends(out, &s->always, &s->never);
}

static void print_host(const struct config *c, const struct cfg_host *h, FILE *out)
{
	char a[16], hex[3 * CFG_CID_MAX];

	if (h->cid_len)
		fprintf(out, "\n[CLIENTID:%s]\n", text_hex(hex, h->cid, h->cid_len, ':'));
	else
		fprintf(out, "\n[%s]\n", h->name);
	if (h->addr)
		fprintf(out, "IPADDR=%s\n", conf_ipfmt(a, h->addr));
	if (h->hostname[0])
		print_str(out, "Hostname", h->hostname);
	if (h->lease_time)
		fprintf(out, "LEASETIME=%lu\n", (unsigned long)h->lease_time);
	print_boot(out, h->siaddr, h->sname, h->bootfile);
	print_opts(out, c, &h->opts);
	print_sends(out, &h->always, &h->never);
}

void config_print(const struct config *c, FILE *out)
{
	fputs("; duodhcpd effective configuration of ", out);
	for (const char *s = c->path; *s; s++)
		fputc((unsigned char)*s >= 0x20 && *s != 0x7f ? *s : '?', out);
	fputs("\n", out);
	print_settings(c, out);
	print_general(c, out);
	print_duodhcp(c, out);
	print_failover(c, out);
	for (size_t i = 0; i < c->nsubnets; i++)
		if (c->subnets[i].relayed || c->subnets[i].section)
			print_subnet(c, &c->subnets[i], out);
	for (size_t i = 0; i < c->nhosts; i++)
		print_host(c, &c->hosts[i], out);
	for (size_t i = 0; i < c->nclasses; i++)
		print_class(c, &c->classes[i], out);
}

/* ---- the failover pools, for -t and the pair check ---- */

static int cmp_cfg_range(const void *a, const void *b)
{
	const struct cfg_range *x = a, *y = b;

	return (x->first > y->first) - (x->first < y->first);
}

/* Every failover subnet's ranges, sorted, with touching ones merged, so
 * that "10-100,101-200" and "10-200" read the same.  NULL with *n = 0 when
 * there are none (or no memory). */
static struct cfg_range *fo_ranges(const struct config *c, size_t *n)
{
	struct cfg_range *v;
	size_t k = 0, m = 0;

	*n = 0;
	for (size_t i = 0; i < c->nsubnets; i++)
		k += c->subnets[i].failover ? c->subnets[i].nranges : 0;
	if (k == 0 || (v = calloc(k, sizeof *v)) == NULL)
		return NULL;
	k = 0;
	for (size_t i = 0; i < c->nsubnets; i++)
		for (size_t j = 0; c->subnets[i].failover && j < c->subnets[i].nranges; j++)
			v[k++] = c->subnets[i].ranges[j];
	conf_sort(v, k, sizeof *v, cmp_cfg_range);
	for (size_t i = 0; i < k; i++) {
		if (m && v[m - 1].last != UINT32_MAX && v[i].first <= v[m - 1].last + 1) {
			if (v[i].last > v[m - 1].last)
				v[m - 1].last = v[i].last;
		} else
			v[m++] = v[i];
	}
	*n = m;
	return v;
}

/* FNV-1a over the merged ranges, 8 big-endian bytes each: stable across
 * builds and hosts, which is all a fingerprint to compare by eye needs. */
uint64_t config_failover_fingerprint(const struct config *c)
{
	uint64_t h = 0xcbf29ce484222325u;
	size_t n;
	struct cfg_range *r = fo_ranges(c, &n);

	for (size_t i = 0; i < n; i++) {
		uint64_t v = (uint64_t)r[i].first << 32 | r[i].last;
		for (int b = 56; b >= 0; b -= 8) {
			h ^= (uint8_t)(v >> b);
			h *= 0x100000001b3u;
		}
	}
	free(r);
	return h;
}

/* Reports the addresses of x that no range of y holds (both merged). */
static int fo_pool_diff(const struct config *cx, const struct cfg_range *x, size_t nx,
			const struct cfg_range *y, size_t ny, const char *other, FILE *errs)
{
	char a[16], b[16];
	int n = 0;

	for (size_t i = 0, j = 0; i < nx; i++) {
		uint64_t at = x[i].first;

		for (; j < ny && y[j].last < at; j++)
			;
		for (size_t k = j; at <= x[i].last; k++) {
			uint64_t end = k < ny && y[k].first <= x[i].last ? y[k].first : (uint64_t)x[i].last + 1;
			if (end > at) {
				n++;
				if (errs)
					fprintf(errs, "%s: [FAILOVER] Pools: %s-%s is a failover pool "
						"here, not in %s\n", cx->path, conf_ipfmt(a, (uint32_t)at),
						conf_ipfmt(b, (uint32_t)(end - 1)), other);
			}
			if (k >= ny || y[k].first > x[i].last)
				break;
			at = (uint64_t)y[k].last + 1;
		}
	}
	return n;
}

__attribute__((format(printf, 4, 5)))
static int pair_err(FILE *errs, const struct config *c, const char *key, const char *fmt, ...)
{
	va_list ap;

	if (errs == NULL)
		return 1;
	fprintf(errs, "%s: [FAILOVER] %s: ", c->path, key);
	va_start(ap, fmt);
	vfprintf(errs, fmt, ap);
	va_end(ap);
	fputc('\n', errs);
	return 1;
}

/* b's address and port must be what a names as its peer's. */
static int pair_ends(const struct config *a, const struct config *b, FILE *errs)
{
	char x[16], y[16];
	int n = 0;

	if (a->fo.peer_addr != b->fo.addr)
		n += pair_err(errs, a, "PeerAddress", "%s, but the Address of %s is %s",
			      conf_ipfmt(x, a->fo.peer_addr), b->path, conf_ipfmt(y, b->fo.addr));
	if (a->fo.peer_port != b->fo.port)
		n += pair_err(errs, a, "PeerPort", "%u, but the Port of %s is %u", a->fo.peer_port,
			      b->path, b->fo.port);
	return n;
}

int config_failover_pair(const struct config *a, const struct config *b, FILE *errs)
{
	struct cfg_range *ra, *rb;
	size_t na, nb;
	int n = 0;

	if (!a->fo.enabled || !b->fo.enabled) {
		if (errs)
			fprintf(errs, "%s: no [FAILOVER] section\n", (!a->fo.enabled ? a : b)->path);
		return 1;
	}
	if (a->fo.role == b->fo.role)
		n += pair_err(errs, b, "Role", "%s in both files: one must be primary, the other "
			      "secondary", a->fo.role == CFG_FO_PRIMARY ? "primary" : "secondary");
	if (strcmp(a->fo.name, b->fo.name) != 0)
		n += pair_err(errs, b, "Name", "\"%s\", but \"%s\" in %s", b->fo.name, a->fo.name,
			      a->path);
	n += pair_ends(a, b, errs) + pair_ends(b, a, errs);
	ra = fo_ranges(a, &na);
	rb = fo_ranges(b, &nb);
	n += fo_pool_diff(a, ra, na, rb, nb, b->path, errs);
	n += fo_pool_diff(b, rb, nb, ra, na, a->path, errs);
	free(ra);
	free(rb);
	return n;
}
