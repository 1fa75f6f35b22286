/* Configuration, pass 3: the keyword tables and the sections that run
 * through them (general, subnets, hosts, classes, failover, pools). */
#include "conf/parse.h"

/* ---- pass 3: keyword tables ---- */


static void *field(void *obj, const struct kdef *k)
{
	return (char *)obj + k->off;
}

static void kv_unused(struct pctx *p, void *obj, const struct kdef *k, const struct ent *e,
		      unsigned idx)
{
	(void)obj, (void)k, (void)idx;
	conf_ent_warn(p, e, "not used by duodhcpd");
}

/* A key that takes one word of k->choices, in any case: stores its value. */
static void kv_choice(struct pctx *p, void *obj, const struct kdef *k, const struct ent *e,
		      unsigned idx)
{
	char words[160];
	size_t n = 0;
	(void)idx;
	for (const struct kchoice *c = k->choices; c->name; c++) {
		if (strcasecmp(e->val, c->name) == 0) {
			*(uint8_t *)field(obj, k) = c->value;
			return;
		}
		if (n < sizeof words)
			n += (size_t)snprintf(words + n, sizeof words - n, "%s%s",
					      c == k->choices ? "" : c[1].name ? ", " : " or ",
					      c->name);
	}
	conf_ent_err(p, e, "\"%s\" is not %s", e->val, words);
}

/* The word of a kv_choice value, for printing the configuration. */
const char *conf_choice_name(const struct kchoice *c, uint8_t value)
{
	for (; c->name; c++)
		if (c->value == value)
			return c->name;
	return "?";
}

const struct kchoice conf_linksel_words[] = {
	{ "relays", CFG_LINKSEL_RELAYS }, { "off", CFG_LINKSEL_OFF }, { NULL, 0 },
};
const struct kchoice conf_fo_role_words[] = {
	{ "primary", CFG_FO_PRIMARY }, { "secondary", CFG_FO_SECONDARY }, { NULL, 0 },
};

static void kv_silent(struct pctx *p, void *obj, const struct kdef *k, const struct ent *e,
		      unsigned idx)
{
	(void)p, (void)obj, (void)k, (void)e, (void)idx;
}

static void kv_bool(struct pctx *p, void *obj, const struct kdef *k, const struct ent *e,
		    unsigned idx)
{
	(void)idx;
	if (!conf_bool_parse(e->val, field(obj, k)))
		conf_ent_err(p, e, "\"%s\" is not 0/1, true/false, yes/no or on/off", e->val);
}

static void store_uint(void *f, size_t size, uint32_t v)
{
	if (size == sizeof(uint16_t))
		*(uint16_t *)f = (uint16_t)v;
	else
		*(uint32_t *)f = v;
}

static void kv_uint(struct pctx *p, void *obj, const struct kdef *k, const struct ent *e,
		    unsigned idx)
{
	uint32_t v;

	(void)idx;
	if (!conf_u32_parse(e->val, &v) || v < k->min || v > k->max)
		conf_ent_err(p, e, "\"%s\" is not a whole number from %lu to %lu", e->val,
			     (unsigned long)k->min, (unsigned long)k->max);
	else
		store_uint(field(obj, k), k->size, v);
}

/* A byte count with an optional K, M or G (binary) suffix. */
static void kv_size(struct pctx *p, void *obj, const struct kdef *k, const struct ent *e,
		    unsigned idx)
{
	static const char suffix[] = "KMG";
	char num[16];
	size_t n = strlen(e->val);
	const char *sp = n ? strchr(suffix, e->val[n - 1] & ~0x20) : NULL;
	uint64_t v, mul = 1;
	uint32_t u;

	(void)idx;
	if (sp && *sp) {
		mul = 1ull << (10 * (sp - suffix + 1));
		n--;
	}
	if (n >= sizeof num || !(memcpy(num, e->val, n), num[n] = '\0', conf_u32_parse(num, &u)) ||
	    (v = u * mul) < k->min || v > k->max) {
		conf_ent_err(p, e, "\"%s\" is not a size from %lu to %lu bytes (K, M, G allowed)",
			e->val, (unsigned long)k->min, (unsigned long)k->max);
		return;
	}
	*(uint32_t *)field(obj, k) = (uint32_t)v;
}

static bool text_ok(struct pctx *p, const struct ent *e)
{
	for (const char *s = e->val; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f || *s == '"') {
			conf_ent_err(p, e, "control character or '\"' in the value");
			return false;
		}
	return true;
}

static void kv_str(struct pctx *p, void *obj, const struct kdef *k, const struct ent *e,
		   unsigned idx)
{
	size_t n = strlen(e->val);

	(void)idx;
	if (!text_ok(p, e))
		return;
	if (n >= k->size)
		conf_ent_err(p, e, "longer than %zu bytes", k->size - 1);
	else if (n == 0 && (k->flags & K_NONEMPTY))
		conf_ent_err(p, e, "empty value");
	else
		memcpy(field(obj, k), e->val, n + 1);
}

static void kv_ip(struct pctx *p, void *obj, const struct kdef *k, const struct ent *e,
		  unsigned idx)
{
	(void)idx;
	if (!conf_ip_str(e->val, field(obj, k)))
		conf_ent_err(p, e, "\"%s\" is not an IPv4 address", e->val);
}

/* FORWARD=a.b.c.d[,e.f.g.h...]: the upstream resolvers of the DNS server. */
static void kv_forward(struct pctx *p, void *obj, const struct kdef *k, const struct ent *e,
		       unsigned idx)
{
	struct config *c = obj;
	char buf[256];
	(void)k, (void)idx;
	snprintf(buf, sizeof buf, "%s", e->val);
	c->ndns_forward = 0;
	for (char *save = NULL, *tok = strtok_r(buf, ", ", &save); tok;
	     tok = strtok_r(NULL, ", ", &save)) {
		uint32_t a;
		if (c->ndns_forward == 4) {
			conf_ent_err(p, e, "at most 4 resolvers");
			return;
		}
		if (!conf_ip_str(tok, &a) || a == 0) {
			conf_ent_err(p, e, "\"%s\" is not an IPv4 address", tok);
			return;
		}
		c->dns_forward[c->ndns_forward++] = a;
	}
}

/* One TrustedRelays item: "a.b.c.d" or "a.b.c.d/n", no host bits. */
static bool trusted_item(struct pctx *p, const struct ent *e, const char *tok,
			 struct cfg_net *out)
{
	bool hostbits = false;
	char a[TEXT_IP4_LEN];
	if (conf_ip_str(tok, &out->net)) {
		out->mask = 0xffffffffu;
		if (out->net != 0)
			return true;
		conf_ent_err(p, e, "0.0.0.0 is no relay's address");
	} else if (!conf_cidr_parse(tok, &out->net, &out->mask, &hostbits))
		conf_ent_err(p, e, "\"%s\" is not an IPv4 address or a.b.c.d/n", tok);
	else if (hostbits)
		conf_ent_err(p, e, "\"%s\" has host bits set (the network is %s/%u)", tok,
			conf_ipfmt(a, out->net), conf_mask_prefix(out->mask));
	else
		return true;
	return false;
}

/* TrustedRelays=: the relays' own addresses (or networks), separated by
 * commas or spaces; relayed requests from anywhere else are dropped. */
static void kv_trusted(struct pctx *p, void *obj, const struct kdef *k, const struct ent *e,
		       unsigned idx)
{
	struct config *c = obj;
	(void)k, (void)idx;
	c->ntrusted = 0;
	for (const char *s = e->val; *s;) {
		size_t n = strcspn(s, ", ");
		char tok[40];
		if (n == 0) {
			s++;
			continue;
		}
		snprintf(tok, sizeof tok, "%.*s", (int)(n < sizeof tok ? n : sizeof tok - 1), s);
		s += n;
		if (c->ntrusted == CFG_TRUSTED_MAX) {
			conf_ent_err(p, e, "at most %d addresses or networks", CFG_TRUSTED_MAX);
			return;
		}
		if (!trusted_item(p, e, tok, &c->trusted[c->ntrusted]))
			return;
		c->ntrusted++;
	}
}

static void kv_bindaddr(struct pctx *p, void *obj, const struct kdef *k, const struct ent *e,
			unsigned idx)
{
	uint32_t a;
	(void)idx;
	if (*e->val && !conf_ip_str(e->val, &a))
		conf_ent_err(p, e, "\"%s\" is not an IPv4 address", e->val);
	else
		kv_str(p, obj, k, e, idx);
}

static const struct kdef *kfind(const struct kdef *t, size_t n, const char *key, unsigned *idx)
{
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(t[i].name);

		if (!(t[i].flags & K_INDEXED) && strcasecmp(t[i].name, key) == 0)
			return &t[i];
		if ((t[i].flags & K_INDEXED) && strncasecmp(t[i].name, key, len) == 0 &&
		    conf_index_parse(key + len, idx))
			return &t[i];
		if ((t[i].flags & K_PREFIX) && strncasecmp(t[i].name, key, len) == 0)
			return &t[i];
	}
	return NULL;
}

static unsigned kind_bit(enum skind kind)
{
	return kind == SK_GENERAL ? K_G : kind == SK_SUBNET ? K_S : kind == SK_HOST ? K_H :
	       kind == SK_CLASS ? K_C : 0;
}

/* Runs every entry of s through table t. */
static void run_table(struct pctx *p, const struct sect *s, const struct kdef *t, size_t n,
		      void *obj)
{
	unsigned bit = kind_bit(s->kind);

	for (size_t i = s->first; i < s->first + s->n; i++) {
		const struct ent *e = &p->ev[i];
		const struct kdef *k;
		unsigned idx = 0;

		if (e->dup || e->xstate != X_DONE)
			continue;
		if ((k = kfind(t, n, e->key, &idx)) == NULL) {
			if (!e->referenced)	/* a user variable for $(...) */
				conf_ent_err(p, e, "unknown key");
			continue;
		}
		if (bit && !(k->flags & bit)) {
			conf_ent_err(p, e, "not allowed in this section%s%s", k->hint ? ": " : "",
				     k->hint ? k->hint : "");
			continue;
		}
		k->fn(p, obj, k, e, idx);
	}
}

/* ---- pools and binds ---- */

static bool push_range(struct pctx *p, uint32_t first, uint32_t last, const struct ent *e,
		       size_t subnet)
{
	struct prange *nv = conf_grow(p, p->rv, p->nr, &p->caprv, sizeof *p->rv);

	if (nv == NULL)
		return false;
	p->rv = nv;
	p->rv[p->nr++] = (struct prange){ first, last, e, subnet };
	return true;
}

/* One item of an IPPOOL_n list: "a.b.c.d", "a.b.c.d-e", "a.b.c.d-a.b.c.e",
 * or, after a full address, "e" and "e-f" in the same /24 (dhcpsrv 2.9.3:
 * "192.168.20.1,5-10"). */
static const char *pool_item(char *item, uint32_t *base, uint32_t *first, uint32_t *last)
{
	char *dash = strchr(item, '-'), *a = conf_trim(item), *b;
	uint32_t v;

	if (dash)
		*dash = '\0';
	a = conf_trim(a);
	b = dash ? conf_trim(dash + 1) : NULL;
	if (conf_ip_str(a, first))
		*base = *first & 0xffffff00u;
	else if (*base != UINT32_MAX && conf_u32_parse(a, &v) && v <= 255 && strlen(a) <= 3)
		*first = *base | v;
	else
		return *base == UINT32_MAX && conf_u32_parse(a, &v) ?
		       "the first item needs a full address" : "not an address or range";
	if (b == NULL)
		*last = *first;
	else if (conf_ip_str(b, last))
		;
	else if (conf_u32_parse(b, &v) && v <= 255 && strlen(b) <= 3)
		*last = (*first & 0xffffff00u) | v;
	else
		return "bad end of range";
	return *first > *last ? "range ends before it starts" : NULL;
}

/* Parses a whole IPPOOL_n value into ranges; false on error. */
static bool pool_parse(struct pctx *p, const struct ent *e, size_t subnet)
{
	char buf[LINE_MAX_LEN + 1], item[LINE_MAX_LEN + 1], *s = buf, *comma;
	uint32_t base = UINT32_MAX, first, last;
	const char *why;

	snprintf(buf, sizeof buf, "%s", e->val);
	if (*conf_trim(buf) == '\0') {
		conf_ent_err(p, e, "empty pool");
		return false;
	}
	do {
		if ((comma = strchr(s, ',')) != NULL)
			*comma = '\0';
		snprintf(item, sizeof item, "%s", s);	/* pool_item cuts s up */
		if ((why = pool_item(s, &base, &first, &last)) != NULL) {
			conf_ent_err(p, e, "\"%.80s\": %s", conf_trim(item), why);
			return false;
		}
		if (!push_range(p, first, last, e, subnet))
			return false;
		if (comma)
			s = comma + 1;
	} while (comma);
	return true;
}

static void kv_pool(struct pctx *p, void *obj, const struct kdef *k, const struct ent *e,
		    unsigned idx)
{
	size_t r0 = p->nr;
	struct pool *nv;

	(void)obj, (void)k;
	if (!pool_parse(p, e, SIZE_MAX))
		return;
	if ((nv = conf_grow(p, p->pools, p->npools, &p->cappools, sizeof *p->pools)) == NULL)
		return;
	p->pools = nv;
	p->pools[p->npools++] = (struct pool){ idx, e, r0, p->nr - r0 };
}

static void kv_bind(struct pctx *p, void *obj, const struct kdef *k, const struct ent *e,
		    unsigned idx)
{
	uint32_t a;
	struct bind *nv;

	(void)obj, (void)k;
	if (!conf_ip_str(e->val, &a) || a == 0) {
		conf_ent_err(p, e, "\"%s\" is not an IPv4 address (interface names are not "
			"supported: give the interface's address)", e->val);
		return;
	}
	if ((nv = conf_grow(p, p->binds, p->nbinds, &p->capbinds, sizeof *p->binds)) == NULL)
		return;
	p->binds = nv;
	p->binds[p->nbinds++] = (struct bind){ idx, e, a };
}

static void kv_subpool(struct pctx *p, void *obj, const struct kdef *k, const struct ent *e,
		       unsigned idx)
{
	const struct scope *sc = obj;

	(void)k, (void)idx;
	pool_parse(p, e, sc->subnet);
}

/* ---- options in scopes ---- */

static struct popt *opt_find(struct scope *sc, uint8_t code)
{
	for (size_t i = 0; i < sc->nopts; i++)
		if (sc->opts[i].code == code)
			return &sc->opts[i];
	return NULL;
}

/* Adds an option (data copied; NULL reserves the slot for a list). */
static struct popt *opt_add(struct pctx *p, struct scope *sc, uint8_t code,
			    const uint8_t *data, size_t len, const struct ent *e)
{
	struct popt *old = opt_find(sc, code), *nv;

	if (old) {
		conf_ent_err(p, e, "option %u is already set by %s (line %d)", code, old->e->key,
			old->e->line);
		return NULL;
	}
	if ((nv = conf_grow(p, sc->opts, sc->nopts, &sc->capopts, sizeof *sc->opts)) == NULL)
		return NULL;
	sc->opts = nv;
	nv = &sc->opts[sc->nopts];
	*nv = (struct popt){ code, (uint16_t)len, NULL, e };
	if ((nv->data = malloc(len ? len : 1)) == NULL) {
		conf_oom(p);
		return NULL;
	}
	if (data)
		memcpy(nv->data, data, len);
	sc->nopts++;
	return nv;
}

bool conf_nodetype_ok(const uint8_t *v, size_t len)
{
	/* RFC 2132 section 8.7: B-, P-, M- or H-node. */
	return len == 1 && (v[0] == 1 || v[0] == 2 || v[0] == 4 || v[0] == 8);
}

/* DOMAINNAME, NODETYPE, WPAD: a key that stands for one option. */
static void kv_optkey(struct pctx *p, void *obj, const struct kdef *k, const struct ent *e,
		      unsigned idx)
{
	uint8_t buf[OPT_VALUE_MAX];
	char why[96];
	int n;

	(void)idx;
	if (k->otype == OPT_STRING) {
		/* Sent as written: dhcpsrv has no escapes in these keys. */
		n = (int)strlen(e->val);
		if (n == 0 || n > OPT_VALUE_MAX) {
			conf_ent_err(p, e, "needs 1 to %d characters", OPT_VALUE_MAX);
			return;
		}
		if (!text_ok(p, e))
			return;
		memcpy(buf, e->val, (size_t)n);
	} else if ((n = opt_encode(k->otype, e->val, buf, sizeof buf, why, sizeof why)) < 0) {
		conf_ent_err(p, e, "\"%s\": %s", e->val, why);
		return;
	}
	if (k->code == 46 && !conf_nodetype_ok(buf, (size_t)n)) {
		conf_ent_err(p, e, "\"%s\" is not a NetBIOS node type (1, 2, 4 or 8)", e->val);
		return;
	}
	opt_add(p, obj, k->code, buf, (size_t)n, e);
}

/* ROUTER_n, DNS_n, WINS_n: one address each, sent in the order of n. */
static void kv_list(struct pctx *p, void *obj, const struct kdef *k, const struct ent *e,
		    unsigned idx)
{
	struct scope *sc = obj;
	struct iplist *l = NULL;
	struct ipitem *nv;
	uint32_t a;

	if (!conf_ip_str(e->val, &a)) {
		conf_ent_err(p, e, "\"%s\" is not an IPv4 address", e->val);
		return;
	}
	for (size_t i = 0; i < sc->nlists; i++)
		if (sc->lists[i].code == k->code)
			l = &sc->lists[i];
	if (l == NULL) {
		if (sc->nlists == 3 || opt_add(p, sc, k->code, NULL, 0, e) == NULL)
			return;
		l = &sc->lists[sc->nlists++];
		*l = (struct iplist){ .code = k->code, .slot = sc->nopts - 1 };
	}
	if ((nv = conf_grow(p, l->v, l->n, &l->cap, sizeof *l->v)) == NULL)
		return;
	l->v = nv;
	l->v[l->n++] = (struct ipitem){ idx, a, e };
}

const char *conf_opt_reserved(unsigned code)
{
	switch (code) {
	case 1: return "comes from SUBNETMASK or the [SUBNET:...] name";
	case 51: return "comes from LEASETIME";
	case 58:
	case 59: return "comes from T1Percent/T2Percent in [DUODHCP]";
	case 50: case 52: case 53: case 54: case 55: case 57: case 61: case 82:
		return "belongs to the protocol, not to the configuration";
	}
	return NULL;
}

/* "ip:", "string:" ... in front of an OPTION_n value selects our typed form. */
static bool typed_prefix(const char *v, enum opt_type *t, const char **rest)
{
	const char *colon = strchr(v, ':');
	char name[8];
	size_t n;

	if (colon == NULL || (n = (size_t)(colon - v)) == 0 || n >= sizeof name)
		return false;
	memcpy(name, v, n);
	name[n] = '\0';
	if (opt_type_parse(name, t) != 0)
		return false;
	*rest = colon + 1;
	while (conf_is_blank(**rest))
		(*rest)++;
	return true;
}

static bool all_digits(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

static void opt_bad(struct pctx *p, const struct ent *e, unsigned code, bool typed,
		    const char *why)
{
	const struct opt_def *d = opt_def_by_code((uint8_t)code);

	if (typed || d == NULL)
		conf_ent_err(p, e, "%s", why);
	else
		conf_ent_err(p, e, "%s (dhcpsrv syntax; for option %u (%s) you may write "
			"OPTION_%u=%s:VALUE)", why, code, d->name, code, opt_type_name(d->type));
}

/* OPTION_nn of a code that OPTIONDEF_nn defined: its fields by the layout,
 * or "hex:" bytes that must be a value of it (what -t writes when the text
 * would not fit a line). */
static void option_by_layout(struct pctx *p, struct scope *sc, const struct ent *e,
			     uint8_t code)
{
	const struct opt_layout *l = config_optdef(p->c, code);
	uint8_t buf[OPT_VALUE_MAX];
	char why[160];
	int n;

	if (strncasecmp(e->val, "hex:", 4) == 0) {
		n = opt_encode(OPT_BYTES, e->val + 4, buf, sizeof buf, why, sizeof why);
		if (n >= 0 && !opt_layout_valid(l, buf, (size_t)n)) {
			conf_ent_err(p, e, "%d bytes are not a value of OPTIONDEF_%u", n, code);
			return;
		}
	} else
		n = opt_layout_encode(l, e->val, buf, sizeof buf, why, sizeof why);
	if (n < 0) {
		conf_ent_err(p, e, "OPTIONDEF_%u: %s", code, why);
		return;
	}
	opt_add(p, sc, code, buf, (size_t)n, e);
}

/* OPTION_nn: dhcpsrv's syntax, or TYPE:VALUE (ours). */
static void kv_option(struct pctx *p, void *obj, const struct kdef *k, const struct ent *e,
		      unsigned code)
{
	const struct opt_def *d = code >= 1 && code <= 254 ? opt_def_by_code((uint8_t)code) : NULL;
	uint8_t buf[OPT_VALUE_MAX];
	char why[128];
	const char *rest;
	enum opt_type t;
	bool typed;
	int n;

	(void)k;
	if (code < 1 || code > 254) {
		conf_ent_err(p, e, "option code must be 1 to 254");
		return;
	}
	if (config_optdef(p->c, (uint8_t)code)) {
		option_by_layout(p, obj, e, (uint8_t)code);
		return;
	}
	if (conf_opt_reserved(code)) {
		conf_ent_err(p, e, "option %u %s", code, conf_opt_reserved(code));
		return;
	}
	typed = typed_prefix(e->val, &t, &rest);
	n = typed ? opt_encode(t, rest, buf, sizeof buf, why, sizeof why) :
		    opt_encode_dhcpsrv(e->val, buf, sizeof buf, why, sizeof why);
	if (n < 0) {
		opt_bad(p, e, code, typed, why);
		return;
	}
	if (d && !opt_valid(d->type, buf, (size_t)n)) {
		conf_ent_err(p, e, "%d bytes are not a valid %s value for option %u (%s)", n,
			opt_type_name(d->type), code, d->name);
		return;
	}
	if ((rest = opt_constraint((uint8_t)code, buf, (size_t)n)) != NULL) {
		conf_ent_err(p, e, "option %u%s%s%s: %s", code, d ? " (" : "", d ? d->name : "",
			d ? ")" : "", rest);
		return;
	}
	if (d && !typed && d->type >= OPT_U8 && d->type <= OPT_I32 && all_digits(e->val))
		conf_ent_warn(p, e, "read as hex bytes (dhcpsrv syntax); write OPTION_%u=%s:%s "
			 "for a decimal number", code, opt_type_name(d->type), e->val);
	opt_add(p, obj, (uint8_t)code, buf, (size_t)n, e);
}

void conf_codes_add(struct cfg_codes *set, unsigned code)
{
	set->w[code >> 6] |= UINT64_C(1) << (code & 63);
}

/* AlwaysSend, NeverSend: option codes separated by commas or blanks.  A
 * code may not be in both keys of one section; the protocol's own options
 * (lease times, server identifier...) are the engine's to send. */
static void kv_codes(struct pctx *p, void *obj, const struct kdef *k, const struct ent *e,
		     unsigned idx)
{
	struct scope *sc = obj;
	struct cfg_codes *set = field(obj, k), *other = k->code ? &sc->always : &sc->never;
	char buf[LINE_MAX_LEN + 1], *save = NULL;
	uint32_t code;

	(void)idx;
	snprintf(buf, sizeof buf, "%s", e->val);
	for (char *t = strtok_r(buf, ", \t", &save); t; t = strtok_r(NULL, ", \t", &save)) {
		if (!conf_u32_parse(t, &code) || code < 1 || code > 254)
			conf_ent_err(p, e, "\"%s\" is not an option code (1 to 254)", t);
		else if (code != 1 && conf_opt_reserved(code))
			conf_ent_err(p, e, "option %" PRIu32 " %s", code, conf_opt_reserved(code));
		else if (cfg_codes_has(set, (uint8_t)code))
			conf_ent_err(p, e, "option %" PRIu32 " is listed twice", code);
		else if (cfg_codes_has(other, (uint8_t)code))
			conf_ent_err(p, e, "option %" PRIu32 " is also in %s", code,
				     k->code ? "AlwaysSend" : "NeverSend");
		else
			conf_codes_add(set, code);
	}
}

/* The next blank-separated word of *sp, or NULL. */
static char *take_word(char **sp)
{
	char *w = conf_skip_blank(*sp), *end = w;

	while (*end && !conf_is_blank(*end))
		end++;
	*sp = *end ? end + 1 : end;
	*end = '\0';
	return *w ? w : NULL;
}

/* VENDOR43_n=CODE TYPE:VALUE and VIVSO_n=ENTERPRISE CODE TYPE:VALUE: the
 * sub-options of option 43 (RFC 2132 section 8.4) and of option 125 (RFC
 * 3925 section 4), collected here and built by finish_subopts.  The value
 * is an OPTION_nn value, typed or in dhcpsrv's form. */
static void kv_subopt(struct pctx *p, void *obj, const struct kdef *k, const struct ent *e,
		      unsigned idx)
{
	struct scope *sc = obj;
	struct subopt so = { .idx = idx, .opt = k->code, .e = e }, *nv;
	char buf[LINE_MAX_LEN + 1], why[128], *s = buf, *w;
	uint8_t bit = k->code == 43 ? 1 : 2;
	const char *rest, *val;
	enum opt_type t;
	uint32_t v;
	int n;

	snprintf(buf, sizeof buf, "%s", e->val);
	if (k->code == 125 && (!(w = take_word(&s)) || !conf_u32_parse(w, &so.enterprise))) {
		conf_ent_err(p, e, "expected ENTERPRISE CODE TYPE:VALUE, the enterprise number "
			     "0 to 4294967295");
		return;
	}
	if (!(w = take_word(&s)) || !conf_u32_parse(w, &v) || v < 1 || v > 254 ||
	    *(rest = conf_skip_blank(s)) == '\0') {
		conf_ent_err(p, e, "expected %sCODE TYPE:VALUE, the sub-option code 1 to 254",
			     k->code == 125 ? "ENTERPRISE " : "");
		return;
	}
	so.code = (uint8_t)v;
	n = typed_prefix(rest, &t, &val) ? opt_encode(t, val, so.data, sizeof so.data, why,
						      sizeof why) :
	    opt_encode_dhcpsrv(rest, so.data, sizeof so.data, why, sizeof why);
	if (n < 0) {
		conf_ent_err(p, e, "sub-option %u: %s", so.code, why);
		return;
	}
	so.len = (uint8_t)n;
	if (sc->nsubs >= OPT_VALUE_MAX) {	/* two bytes each at least: too long anyway */
		conf_ent_err(p, e, "option %u would be longer than %d bytes", k->code, OPT_VALUE_MAX);
		return;
	}
	if (!(sc->subslots & bit)) {	/* its place among the options */
		if (opt_add(p, sc, k->code, NULL, 0, e) == NULL)
			return;
		sc->subslots |= bit;
	}
	if ((nv = conf_grow(p, sc->subs, sc->nsubs, &sc->capsubs, sizeof *nv)) == NULL)
		return;
	sc->subs = nv;
	sc->subs[sc->nsubs++] = so;
}

/* OPTIONDEF_nn: read_optdefs has read it already, before any OPTION_nn. */
static void kv_optdef(struct pctx *p, void *obj, const struct kdef *k, const struct ent *e,
		      unsigned idx)
{
	(void)p, (void)obj, (void)k, (void)e, (void)idx;
}

static int cmp_subopt(const void *a, const void *b)
{
	const struct subopt *x = a, *y = b;

	if (x->opt != y->opt)
		return x->opt - y->opt;
	if (x->idx != y->idx)
		return (x->idx > y->idx) - (x->idx < y->idx);
	return (x->e->line > y->e->line) - (x->e->line < y->e->line);
}

/* Appends code-length-value; false when it does not fit. */
static bool put_tlv(uint8_t *out, size_t *n, size_t cap, const struct subopt *so)
{
	if (cap - *n < 2u + so->len)
		return false;
	out[(*n)++] = so->code;
	out[(*n)++] = so->len;
	memcpy(out + *n, so->data, so->len);
	*n += so->len;
	return true;
}

/* Option 125: one block per enterprise number, in the order of its first
 * VIVSO_n: enterprise-number(4) data-len(1) sub-options (RFC 3925 section
 * 4); data-len is one byte, so a block holds at most 255 bytes. */
static size_t build_vivso(struct pctx *p, const struct subopt *v, size_t nv, uint8_t *out)
{
	size_t n = 0;

	for (size_t i = 0; i < nv; i++) {
		size_t at = n, j;
		uint32_t en = v[i].enterprise;

		for (j = 0; j < i && v[j].enterprise != en; j++)
			;
		if (j < i)
			continue;	/* in an earlier block */
		if (OPT_VALUE_MAX - n < 5) {
			conf_ent_err(p, v[i].e, "option 125 would be longer than %d bytes",
				     OPT_VALUE_MAX);
			return n;
		}
		memcpy(out + n, (uint8_t[4]){ en >> 24, en >> 16, en >> 8, en }, 4);
		n += 5;
		for (j = i; j < nv; j++) {
			if (v[j].enterprise != en)
				continue;
			for (size_t q = i; q < j; q++)
				if (v[q].enterprise == en && v[q].code == v[j].code)
					conf_ent_err(p, v[j].e, "sub-option %u of enterprise %" PRIu32
						     " is also set by %s (line %d)", v[j].code, en,
						     v[q].e->key, v[q].e->line);
			if (!put_tlv(out, &n, OPT_VALUE_MAX, &v[j]))
				conf_ent_err(p, v[j].e, "option 125 would be longer than %d bytes",
					     OPT_VALUE_MAX);
			else if (n - at - 5 > 255)
				conf_ent_err(p, v[j].e, "enterprise %" PRIu32 " has more than 255 bytes "
					     "of sub-options (RFC 3925 section 4)", en);
		}
		out[at + 4] = (uint8_t)(n - at - 5);
	}
	return n;
}

/* Option 43: the sub-options in the order of n, each code once. */
static size_t build_vendor43(struct pctx *p, const struct subopt *v, size_t nv, uint8_t *out)
{
	size_t n = 0;

	for (size_t i = 0; i < nv; i++) {
		for (size_t q = 0; q < i; q++)
			if (v[q].code == v[i].code)
				conf_ent_err(p, v[i].e, "sub-option %u is also set by %s (line %d)",
					v[i].code, v[q].e->key, v[q].e->line);
		if (!put_tlv(out, &n, OPT_VALUE_MAX, &v[i]))
			conf_ent_err(p, v[i].e, "option 43 would be longer than %d bytes",
				     OPT_VALUE_MAX);
	}
	return n;
}

static void finish_subopts(struct pctx *p, struct scope *sc)
{
	uint8_t buf[OPT_VALUE_MAX], *d;
	size_t i = 0, j, n;

	conf_sort(sc->subs, sc->nsubs, sizeof *sc->subs, cmp_subopt);
	for (; i < sc->nsubs; i = j) {
		struct popt *o = opt_find(sc, sc->subs[i].opt);

		for (j = i + 1; j < sc->nsubs && sc->subs[j].opt == sc->subs[i].opt; j++)
			if (sc->subs[j].idx == sc->subs[j - 1].idx)
				conf_ent_err(p, sc->subs[j].e, "same index as %s (line %d)",
					sc->subs[j - 1].e->key, sc->subs[j - 1].e->line);
		n = sc->subs[i].opt == 43 ? build_vendor43(p, sc->subs + i, j - i, buf) :
		    build_vivso(p, sc->subs + i, j - i, buf);
		if (o == NULL || (d = realloc(o->data, n ? n : 1)) == NULL) {
			conf_oom(p);
			continue;
		}
		memcpy(d, buf, n);
		o->data = d;
		o->len = (uint16_t)n;
	}
}

static int cmp_item(const void *a, const void *b)
{
	const struct ipitem *x = a, *y = b;

	if (x->idx != y->idx)
		return (x->idx > y->idx) - (x->idx < y->idx);
	return (x->e->line > y->e->line) - (x->e->line < y->e->line);
}

static void finish_subopts(struct pctx *p, struct scope *sc);

/* Turns the ROUTER_n ... lists into option data, in the order of n (and
 * VENDOR43_n, VIVSO_n into options 43 and 125). */
static void finish_lists(struct pctx *p, struct scope *sc)
{
	finish_subopts(p, sc);
	for (size_t i = 0; i < sc->nlists; i++) {
		struct iplist *l = &sc->lists[i];
		struct popt *o = &sc->opts[l->slot];
		uint8_t *d;

		conf_sort(l->v, l->n, sizeof *l->v, cmp_item);
		for (size_t j = 1; j < l->n; j++)
			if (l->v[j].idx == l->v[j - 1].idx)
				conf_ent_err(p, l->v[j].e, "same index as %s (line %d)",
					l->v[j - 1].e->key, l->v[j - 1].e->line);
		if (l->n > LIST_MAX) {
			conf_ent_err(p, l->v[LIST_MAX].e, "more than %d addresses", LIST_MAX);
			continue;
		}
		if ((d = realloc(o->data, l->n * 4)) == NULL) {
			conf_oom(p);
			continue;
		}
		o->data = d;
		o->len = (uint16_t)(l->n * 4);
		for (size_t j = 0; j < l->n; j++) {
			uint32_t a = l->v[j].ip;
			uint8_t b[4] = { a >> 24, a >> 16, a >> 8, a };
			memcpy(d + 4 * j, b, 4);
		}
	}
}

void conf_scope_free(struct scope *sc)
{
	for (size_t i = 0; i < sc->nopts; i++)
		free(sc->opts[i].data);
	free(sc->opts);
	for (size_t i = 0; i < sc->nlists; i++)
		free(sc->lists[i].v);
	for (size_t i = 0; i < sc->nmatch; i++)
		free(sc->match[i].m.data);
	free(sc->match);
	for (size_t i = 0; i < sc->npools; i++)
		conf_scope_free(&sc->pools[i].sc);
	free(sc->pools);
	free(sc->subs);
	memset(sc, 0, sizeof *sc);
}

static void kv_mask(struct pctx *p, void *obj, const struct kdef *k, const struct ent *e,
		    unsigned idx)
{
	struct scope *sc = obj;
	uint32_t m;

	(void)k, (void)idx;
	if (sc->kind == SK_HOST)
		conf_ent_warn(p, e, "ignored: the client gets its subnet's mask");
	else if (!conf_ip_str(e->val, &m) || !conf_mask_ok(m))
		conf_ent_err(p, e, "\"%s\" is not a contiguous netmask", e->val);
	else
		sc->mask = m;
}

/* ---- client classes ([CLASS:name], POOLCLASS_n) ---- */

/* Names for the options classes are most often about. */
static const struct { const char *name; uint8_t code; } match_alias[] = {
	{ "vendor-class", 60 }, { "user-class", 77 }, { "client-id", 61 },
	{ "arch", 93 },
};

/* "option:N", "option:82.S", an alias, or "hw". */
static const char *match_subject(const char *w, struct cfg_match *m)
{
	const char *n = w + 7;
	uint32_t v;

	for (size_t i = 0; i < sizeof match_alias / sizeof match_alias[0]; i++)
		if (strcasecmp(w, match_alias[i].name) == 0) {
			m->subject = CFG_M_OPTION;
			m->code = match_alias[i].code;
			return NULL;
		}
	if (strcasecmp(w, "hw") == 0) {
		m->subject = CFG_M_HW;
		return NULL;
	}
	if (strncasecmp(w, "option:", 7) != 0)
		return "expected option:N, option:82.S, vendor-class, user-class, client-id, "
		       "arch or hw";
	if (strncmp(n, "82.", 3) == 0) {
		if (!all_digits(n + 3) || !conf_u32_parse(n + 3, &v) || v < 1 || v > 255)
			return "an option 82 sub-option is 1 to 255";
		m->subject = CFG_M_RAI;
		m->code = (uint8_t)v;
		return NULL;
	}
	if (!all_digits(n) || !conf_u32_parse(n, &v) || v < 1 || v > 254)
		return "an option code is 1 to 254";
	m->subject = CFG_M_OPTION;
	m->code = (uint8_t)v;
	return NULL;
}

static bool match_op(const char *w, struct cfg_match *m)
{
	static const struct { const char *name; uint8_t op; } ops[] = {
		{ "exists", CFG_M_EXISTS }, { "=", CFG_M_EQ }, { "prefix", CFG_M_PREFIX },
		{ "contains", CFG_M_CONTAINS },
	};

	for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
		if (strcasecmp(w, ops[i].name) == 0) {
			m->op = ops[i].op;
			return true;
		}
	return false;
}

/* The value compared with: an OPTION_nn value, TYPE:VALUE or dhcpsrv's. */
static const char *match_value(const char *v, struct cfg_match *m, char *why, size_t cap)
{
	uint8_t buf[OPT_VALUE_MAX];
	const char *rest;
	enum opt_type t;
	int n;

	n = typed_prefix(v, &t, &rest) ? opt_encode(t, rest, buf, sizeof buf, why, cap) :
					 opt_encode_dhcpsrv(v, buf, sizeof buf, why, cap);
	if (n < 0)
		return why;
	if ((m->data = malloc(n ? (size_t)n : 1)) == NULL)
		return "out of memory";
	memcpy(m->data, buf, (size_t)n);
	m->len = (uint16_t)n;
	return NULL;
}

/* Match_n=[not] SUBJECT exists | SUBJECT =|prefix|contains VALUE */
static const char *match_parse(const char *text, struct cfg_match *m, char *why, size_t cap)
{
	char buf[LINE_MAX_LEN + 1], *save = NULL, *w, *rest;
	const char *err;

	snprintf(buf, sizeof buf, "%s", text);
	w = strtok_r(buf, " \t", &save);
	if (w && strcasecmp(w, "not") == 0) {
		m->negate = true;
		w = strtok_r(NULL, " \t", &save);
	}
	if (w == NULL)
		return "expected [not] SUBJECT OP [VALUE]";
	if ((err = match_subject(w, m)) != NULL)
		return err;
	if ((w = strtok_r(NULL, " \t", &save)) == NULL || !match_op(w, m))
		return "expected exists, =, prefix or contains after the subject";
	rest = save ? conf_trim(save) : NULL;
	if (m->op == CFG_M_EXISTS)
		return rest && *rest ? "exists takes no value" : NULL;
	if (m->subject == CFG_M_HW && m->op != CFG_M_PREFIX && m->op != CFG_M_EQ)
		return "hw takes exists, = or prefix";
	if (rest == NULL || *rest == '\0')
		return "a value to compare with is missing";
	return match_value(rest, m, why, cap);
}

static void kv_match(struct pctx *p, void *obj, const struct kdef *k, const struct ent *e,
		     unsigned idx)
{
	struct scope *sc = obj;
	struct pmatch *nv;
	struct cfg_match m = { 0 };
	char why[128];
	const char *err;

	(void)k;
	if ((err = match_parse(e->val, &m, why, sizeof why)) != NULL) {
		conf_ent_err(p, e, "%s", err);
		free(m.data);
		return;
	}
	if ((nv = conf_grow(p, sc->match, sc->nmatch, &sc->capmatch, sizeof *nv)) == NULL) {
		free(m.data);
		return;
	}
	sc->match = nv;
	sc->match[sc->nmatch++] = (struct pmatch){ idx, e, m };
}

/* POOLCLASS_n: checked by resolve_poolclass once every class is known. */
static void kv_poolclass(struct pctx *p, void *obj, const struct kdef *k, const struct ent *e,
			 unsigned idx)
{
	struct pclass *nv;

	(void)obj, (void)k;
	if ((nv = conf_grow(p, p->pcls, p->npcls, &p->cappcls, sizeof *nv)) == NULL)
		return;
	p->pcls = nv;
	p->pcls[p->npcls++] = (struct pclass){ idx, e };
}

/* SharedNetwork=NAME: the groups are built by build_groups. */
static void kv_shared(struct pctx *p, void *obj, const struct kdef *k, const struct ent *e,
		      unsigned idx)
{
	size_t n = strlen(e->val);

	(void)idx;
	if (n == 0 || n >= k->size || !conf_key_chars_ok(e->val))
		conf_ent_err(p, e, "expected a name of 1 to %zu letters, digits, '-', '_' or '.'",
			     k->size - 1);
	else
		memcpy(field(obj, k), e->val, n + 1);
}

/* ---- tables ---- */

#define FSIZE(st, f)	sizeof(((st *)0)->f)
#define KBOOL(n, st, f)	{ .name = n, .fn = kv_bool, .off = offsetof(st, f) }
#define KUINT(n, st, f, lo, hi, w) { .name = n, .fn = kv_uint, .off = offsetof(st, f), \
	.size = FSIZE(st, f), .min = lo, .max = hi, .flags = w }
#define KSTR(n, st, f, fl) { .name = n, .fn = kv_str, .off = offsetof(st, f), \
	.size = FSIZE(st, f), .flags = fl }
#define KIP(n, st, f, w) { .name = n, .fn = kv_ip, .off = offsetof(st, f), .flags = w }
#define KUNUSED(n, w)	{ .name = n, .fn = kv_unused, .flags = w }
#define KSILENT(n, w)	{ .name = n, .fn = kv_silent, .flags = w }
#define KOPT(n, c, t, w) { .name = n, .fn = kv_optkey, .code = c, .otype = t, .flags = w }
#define KLIST(n, c)	{ .name = n, .fn = kv_list, .code = c, \
	.flags = K_INDEXED | K_G | K_S | K_H | K_C | K_P }

static const struct kdef settings_keys[] = {
	{ .name = "IPPOOL_", .fn = kv_pool, .flags = K_INDEXED },
	{ .name = "IPBIND_", .fn = kv_bind, .flags = K_INDEXED },
	KBOOL("AssociateBindsToPools", struct config, associate_binds),
	KBOOL("Trace", struct config, trace),
	KSTR("SyncServer", struct config, sync_server, 0),
	/* dhcpsrv keys for its Windows GUI, service and INI database. */
	KUNUSED("AddStandardEntries", 0),
	KUNUSED("AllowDNSQuery", 0),
	KUNUSED("BalloonTimeFormat", 0),
	KUNUSED("ClearClientsOnStartup", 0),
	KUNUSED("ConfigureUnknownClients", 0),
	KUNUSED("DeleteClientsFromWrongIndex", 0),
	KUNUSED("DeleteOnRelease", 0),
	KUNUSED("ExpiredLeaseTimeout", 0),
	KUNUSED("IgnoreRequestedAddress", 0),
	KUNUSED("IgnoreUnknownClients", 0),
	KUNUSED("InstallAsService", 0),
	KUNUSED("ReadOnly", 0),
	KUNUSED("ReceiveWindow", 0),
	KUNUSED("ReserveByOffer", 0),
	KUNUSED("TraceFile", 0),
	KUNUSED("TraceFileMaxSize", 0),
	KUNUSED("UseClientID", 0),
};

static const struct kdef dns_keys[] = {
	KBOOL("EnableDNS", struct config, dns_enable),
	KUNUSED("DEFAULTIPADDR", 0),
	{ .name = "FORWARD", .fn = kv_forward },
	KSTR("Domain", struct config, dns_domain, 0),
	KSTR("RefuseNames", struct config, dns_refuse, 0),
};

static const struct kdef http_keys[] = {
	KBOOL("EnableHTTP", struct config, http_enable),
	KUINT("Port", struct config, http_port, 1, 65535, 0),
	{ .name = "BindAddress", .fn = kv_bindaddr, .off = offsetof(struct config, http_bind),
	  .size = FSIZE(struct config, http_bind) },
	KUNUSED("Root", 0),
};

static const struct kdef tftp_keys[] = {
	KUNUSED("EnableTFTP", 0),
	KUNUSED("Root", 0),
	KUNUSED("WritePermission", 0),
};

static const struct kdef duodhcp_keys[] = {
	KSTR("Journal", struct config, journal, K_NONEMPTY),
	KSTR("User", struct config, user, 0),
	KSTR("ApiToken", struct config, api_token, 0),
	KBOOL("Authoritative", struct config, authoritative),
	KBOOL("ConflictProbe", struct config, probe),
	KUINT("ProbeTimeoutMs", struct config, probe_ms, 1, 60000, 0),
	KUINT("DeclineTime", struct config, decline_secs, 0, 31536000, 0),
	KUINT("OfferHold", struct config, offer_secs, 1, 3600, 0),
	KUINT("T1Percent", struct config, t1_pct, 0, 99, 0),
	KUINT("T2Percent", struct config, t2_pct, 0, 99, 0),
	{ .name = "CompactBytes", .fn = kv_size, .off = offsetof(struct config, compact_bytes),
	  .min = 64u << 10, .max = UINT32_MAX },
	KUINT("CommitDelayMs", struct config, commit_delay_ms, 0, 1000, 0),
	{ .name = "TrustedRelays", .fn = kv_trusted },
	{ .name = "LinkSelection", .fn = kv_choice, .choices = conf_linksel_words,
	  .off = offsetof(struct config, link_selection) },
	KUINT("SyncMaxLeases", struct config, sync_max_leases, 1, 16777216, 0),
	KUINT("SyncRate", struct config, sync_rate, 1, 1000000, 0),
};

/* HBA=: the 256-bit hash bucket map as 64 hex digits, or as ISC's 32
 * colon-separated bytes; bytes in order, bucket i is bit i%8 of byte i/8. */
static void kv_fo_hba(struct pctx *p, void *obj, const struct kdef *k, const struct ent *e,
		      unsigned idx)
{
	struct cfg_failover *fo = obj;
	uint8_t *m = field(obj, k);
	size_t n = 0;
	int hi = -1;

	(void)idx;
	for (const char *s = e->val; *s; s++) {
		int v = text_hexval(*s);

		if (*s == ':' || conf_is_blank(*s))
			continue;
		if (v < 0 || n == 32) {
			conf_ent_err(p, e, "not 64 hex digits (32 bytes, ':' between bytes allowed)");
			return;
		}
		if (hi < 0)
			hi = v;
		else {
			m[n++] = (uint8_t)(hi << 4 | v);
			hi = -1;
		}
	}
	if (n != 32 || hi >= 0) {
		conf_ent_err(p, e, "not 64 hex digits (32 bytes, ':' between bytes allowed)");
		return;
	}
	fo->hba_set = true;
}

/* Pools=: checked by check_failover once the subnets exist. */
static void kv_fo_pools(struct pctx *p, void *obj, const struct kdef *k, const struct ent *e,
			unsigned idx)
{
	(void)obj, (void)k, (void)idx;
	p->fo_pools = e;
}

const struct kdef conf_failover_keys[] = {
	{ .name = "Role", .fn = kv_choice, .choices = conf_fo_role_words,
	  .off = offsetof(struct cfg_failover, role),
	  .flags = K_REQUIRED },
	KIP("Address", struct cfg_failover, addr, K_REQUIRED),
	KUINT("Port", struct cfg_failover, port, 1, 65535, 0),
	KIP("PeerAddress", struct cfg_failover, peer_addr, K_REQUIRED),
	KUINT("PeerPort", struct cfg_failover, peer_port, 1, 65535, 0),
	KSTR("Name", struct cfg_failover, name, K_NONEMPTY | K_REQUIRED),
	KUINT("MCLT", struct cfg_failover, mclt, 1, 31536000, K_REQUIRED | K_PRIMARY),
	KUINT("Split", struct cfg_failover, split, 0, 256, K_PRIMARY),
	{ .name = "HBA", .fn = kv_fo_hba, .off = offsetof(struct cfg_failover, hba),
	  .flags = K_PRIMARY },
	KUINT("MaxResponseDelay", struct cfg_failover, max_response_delay, 3, 3600, 0),
	KUINT("MaxUnackedUpdates", struct cfg_failover, max_unacked, 1, 65535, 0),
	KUINT("LoadBalanceMaxSeconds", struct cfg_failover, lb_max_secs, 0, 65535, 0),
	KUINT("AutoPartnerDown", struct cfg_failover, auto_partner_down, 0, 31536000, 0),
	KUINT("ClockSkewWarn", struct cfg_failover, clock_skew_warn, 0, 59, 0),
	KUINT("MinBalance", struct cfg_failover, min_balance, 1, 86400, 0),
	KUINT("MaxBalance", struct cfg_failover, max_balance, 1, 86400, 0),
	{ .name = "Pools", .fn = kv_fo_pools },
};
const size_t conf_nfailover_keys = NELEM(conf_failover_keys);

#define GSH	(K_G | K_S | K_H)
static kfn kv_poolkey;

static const struct kdef scope_keys[] = {
	KUINT("LEASETIME", struct scope, lease_time, 1, UINT32_MAX, GSH | K_C),
	KUINT("T1", struct scope, t1, 1, UINT32_MAX - 1, K_G | K_S),
	KUINT("T2", struct scope, t2, 1, UINT32_MAX - 1, K_G | K_S),
	KUINT("MinLeaseTime", struct scope, min_lease, 1, UINT32_MAX, K_G | K_S),
	KUINT("MaxLeaseTime", struct scope, max_lease, 1, UINT32_MAX, K_G | K_S),
	{ .name = "SUBNETMASK", .fn = kv_mask, .flags = K_G | K_H,
	  .hint = "the mask comes from the section name" },
	KIP("NEXTSERVER", struct scope, siaddr, GSH | K_C | K_P),
	KSTR("SNAME", struct scope, sname, GSH | K_C | K_P),
	KSTR("BOOTFILE", struct scope, bootfile, GSH | K_C | K_P),
	KOPT("DOMAINNAME", 15, OPT_STRING, GSH | K_C | K_P),
	KOPT("NODETYPE", 46, OPT_U8, GSH | K_C | K_P),
	KOPT("WPAD", 252, OPT_STRING, GSH | K_C | K_P),
	KLIST("ROUTER_", 3),
	KLIST("DNS_", 6),
	KLIST("WINS_", 44),
	{ .name = "OPTION_", .fn = kv_option, .flags = K_INDEXED | GSH | K_C | K_P },
	{ .name = "VENDOR43_", .fn = kv_subopt, .code = 43, .flags = K_INDEXED | GSH | K_C | K_P },
	{ .name = "VIVSO_", .fn = kv_subopt, .code = 125, .flags = K_INDEXED | GSH | K_C | K_P },
	{ .name = "OPTIONDEF_", .fn = kv_optdef, .flags = K_INDEXED | K_G,
	  .hint = "option definitions belong in [GENERAL]" },
	{ .name = "AlwaysSend", .fn = kv_codes, .off = offsetof(struct scope, always),
	  .flags = GSH | K_C },
	{ .name = "NeverSend", .fn = kv_codes, .off = offsetof(struct scope, never), .code = 1,
	  .flags = GSH | K_C },
	{ .name = "IPPOOL_", .fn = kv_subpool, .flags = K_INDEXED | K_S,
	  .hint = "pools belong in [Settings] or in a [SUBNET:a.b.c.d/n] section" },
	{ .name = "POOLCLASS_", .fn = kv_poolclass, .flags = K_INDEXED | K_S,
	  .hint = "a class-restricted pool belongs in a [SUBNET:a.b.c.d/n] section" },
	{ .name = "POOL_", .fn = kv_poolkey, .flags = K_PREFIX | K_S,
	  .hint = "a pool's settings belong in the [SUBNET:a.b.c.d/n] section of its IPPOOL_n" },
	{ .name = "SharedNetwork", .fn = kv_shared, .off = offsetof(struct scope, shared),
	  .size = FSIZE(struct scope, shared), .flags = K_S,
	  .hint = "a shared network groups [SUBNET:a.b.c.d/n] sections" },
	{ .name = "Match_", .fn = kv_match, .flags = K_INDEXED | K_C,
	  .hint = "Match_n belongs in a [CLASS:name] section" },
	{ .name = "MatchAny", .fn = kv_bool, .off = offsetof(struct scope, any), .flags = K_C,
	  .hint = "MatchAny belongs in a [CLASS:name] section" },
	{ .name = "IPADDR", .fn = kv_ip, .off = offsetof(struct scope, addr), .flags = K_H,
	  .hint = "reservations belong in a client section" },
	{ .name = "Hostname", .fn = kv_str, .off = offsetof(struct scope, hostname),
	  .size = FSIZE(struct scope, hostname), .flags = K_H,
	  .hint = "Hostname belongs in a client section" },
	KUNUSED("AllowDNSQuery", K_G | K_H),
	/* Written by dhcpsrv into client sections at run time. */
	{ .name = "AutoConfig", .fn = kv_silent, .flags = K_H, .hint = "a dhcpsrv client key" },
	{ .name = "LeaseEnd", .fn = kv_silent, .flags = K_H, .hint = "a dhcpsrv client key" },
	{ .name = "Index", .fn = kv_silent, .flags = K_H, .hint = "a dhcpsrv client key" },
};

/* POOL_n.KEY: an option or boot field of the section's IPPOOL_n, read
 * into that pool's own scope (docs/config.md, "Options of a pool"). */
static void kv_poolkey(struct pctx *p, void *obj, const struct kdef *k, const struct ent *e,
		       unsigned idx)
{
	struct scope *sc = obj;
	const char *dot = strchr(e->key, '.');
	const struct kdef *in;
	char num[8];
	size_t n = dot ? (size_t)(dot - e->key) - strlen(k->name) : 0;
	unsigned pool;
	struct ppool *pp = NULL;

	if (dot == NULL || n == 0 || n >= sizeof num) {
		conf_ent_err(p, e, "expected POOL_n.KEY, n the index of an IPPOOL_n");
		return;
	}
	memcpy(num, e->key + strlen(k->name), n);
	num[n] = '\0';
	if (!conf_index_parse(num, &pool)) {
		conf_ent_err(p, e, "expected POOL_n.KEY, n the index of an IPPOOL_n (0 to 9999)");
		return;
	}
	if ((in = kfind(scope_keys, NELEM(scope_keys), dot + 1, &idx)) == NULL) {
		conf_ent_err(p, e, "unknown key %s: a pool takes options, NEXTSERVER, SNAME and "
			     "BOOTFILE", dot + 1);
		return;
	}
	if (!(in->flags & K_P)) {
		conf_ent_err(p, e, "a pool cannot set %s: only options, NEXTSERVER, SNAME and "
			     "BOOTFILE", dot + 1);
		return;
	}
	for (size_t i = 0; i < sc->npools && pp == NULL; i++)
		if (sc->pools[i].idx == pool)
			pp = &sc->pools[i];
	if (pp == NULL) {
		if ((pp = conf_grow(p, sc->pools, sc->npools, &sc->cappools, sizeof *pp)) == NULL)
			return;
		sc->pools = pp;
		pp = &sc->pools[sc->npools++];
		*pp = (struct ppool){ .idx = pool, .e = e, .sc = { .kind = SK_SUBNET, .s = sc->s } };
	}
	in->fn(p, &pp->sc, in, e, idx);
}

/* ---- sections ---- */

static bool class_name_ok(const char *n)
{
	size_t len = strlen(n);

	return len >= 1 && len < sizeof ((struct cfg_class *)0)->name && conf_key_chars_ok(n);
}

void conf_classify(struct pctx *p, struct sect *s)
{
	static const struct { const char *name; enum skind kind; } fixed[] = {
		{ "Settings", SK_SETTINGS }, { "General", SK_GENERAL },
		{ "DNS-Settings", SK_DNS }, { "HTTP-Settings", SK_HTTP },
		{ "TFTP-Settings", SK_TFTP }, { "DUODHCP", SK_DUODHCP },
		{ "FAILOVER", SK_FAILOVER },
	};
	bool hostbits;
	int mac;

	if (s->kind == SK_SKIP || s->dup) {
		s->kind = SK_SKIP;
		return;
	}
	for (size_t i = 0; i < NELEM(fixed); i++)
		if (strcasecmp(s->name, fixed[i].name) == 0) {
			s->kind = fixed[i].kind;
			return;
		}
	if (strncasecmp(s->name, "SUBNET:", 7) == 0) {
		char buf[64];
		snprintf(buf, sizeof buf, "%s", s->name + 7);
		if (strlen(s->name + 7) >= sizeof buf ||
		    !conf_cidr_parse(conf_trim(buf), &s->net, &s->mask, &hostbits))
			conf_perr(p, s->line, s->name, NULL, "expected [SUBNET:a.b.c.d/n]");
		else if (hostbits)
			conf_perr(p, s->line, s->name, NULL, "host bits set in the network address");
		else {
			s->kind = SK_SUBNET;
			return;
		}
		s->kind = SK_SKIP;
		return;
	}
	if (strncasecmp(s->name, "CLASS:", 6) == 0) {
		s->kind = class_name_ok(s->name + 6) ? SK_CLASS : SK_SKIP;
		if (s->kind == SK_SKIP)
			conf_perr(p, s->line, s->name, NULL, "expected [CLASS:name], the name 1 to 31 "
				  "letters, digits, '-', '_' or '.'");
		return;
	}
	if (strncasecmp(s->name, "CLIENTID:", 9) == 0) {
		uint8_t cid[CFG_CID_MAX];
		s->cid = conf_cid_parse(s->name + 9, cid) > 0;
		s->kind = s->cid ? SK_HOST : SK_SKIP;
		if (!s->cid)
			conf_perr(p, s->line, s->name, NULL, "expected [CLIENTID:01:00:11:22:33:44:55]: "
				  "option 61 as 2 to %d bytes of two hex digits", CFG_CID_MAX);
		return;
	}
	mac = conf_mac_parse(s->name, s->hw);
	if (mac == 1)
		s->kind = SK_HOST;
	else if (mac == 2) {
		conf_sect_warn(p, s, "wildcard client sections are not supported; section ignored");
		s->kind = SK_SKIP;
	} else {
		conf_perr(p, s->line, s->name, NULL, "unknown section (not a MAC address)");
		s->kind = SK_SKIP;
	}
}

void conf_do_fixed(struct pctx *p, struct sect *s)
{
	if (s->kind == SK_FAILOVER) {	/* checked whole by check_failover */
		p->c->fo.enabled = true;
		p->fo_sect = s;
	}
	switch (s->kind) {
	case SK_SETTINGS: run_table(p, s, settings_keys, NELEM(settings_keys), p->c); break;
	case SK_DNS: run_table(p, s, dns_keys, NELEM(dns_keys), p->c); break;
	case SK_HTTP: run_table(p, s, http_keys, NELEM(http_keys), p->c); break;
	case SK_TFTP: run_table(p, s, tftp_keys, NELEM(tftp_keys), p->c); break;
	case SK_DUODHCP: run_table(p, s, duodhcp_keys, NELEM(duodhcp_keys), p->c); break;
	case SK_FAILOVER:
		run_table(p, s, conf_failover_keys, conf_nfailover_keys, &p->c->fo);
		break;
	case SK_GENERAL:
		p->general.kind = SK_GENERAL;
		p->general.s = s;
		run_table(p, s, scope_keys, NELEM(scope_keys), &p->general);
		finish_lists(p, &p->general);
		break;
	default: break;
	}
}

/* Subnet opts: option 1 first (RFC 2132 section 3.3 wants it before 3),
 * then [GENERAL] in order with same-code overrides in place, then the rest
 * of the overrides. */
static bool opts_merge(struct pctx *p, struct cfg_optset *o, uint32_t mask,
		       const struct scope *g, const struct scope *ov)
{
	size_t max = 1 + g->nopts + (ov ? ov->nopts : 0);
	const struct popt *src;

	if ((o->v = calloc(max, sizeof *o->v)) == NULL)
		{ conf_oom(p); return false; }
	o->v[0].code = 1;
	o->v[0].len = 4;
	if ((o->v[0].data = malloc(4)) == NULL)
		{ conf_oom(p); return false; }
	o->n = 1;
	memcpy(o->v[0].data, (uint8_t[4]){ mask >> 24, mask >> 16, mask >> 8, mask }, 4);
	for (size_t i = 0; i < g->nopts + (ov ? ov->nopts : 0); i++) {
		size_t at = o->n;
		src = i < g->nopts ? &g->opts[i] : &ov->opts[i - g->nopts];
		for (size_t j = 1; j < o->n; j++)
			if (o->v[j].code == src->code)
				at = j;
		if (at == o->n)
			o->n++;
		free(o->v[at].data);
		o->v[at] = (struct cfg_opt){ src->code, src->len, malloc(src->len ? src->len : 1) };
		if (o->v[at].data == NULL)
			{ conf_oom(p); return false; }
		memcpy(o->v[at].data, src->data, src->len);
	}
	return true;
}

size_t conf_new_subnet(struct pctx *p, const char *name, uint32_t net, uint32_t mask,
		       uint32_t bind, const struct sect *s, const struct ent *e)
{
	struct config *c = p->c;
	struct cfg_subnet *nv, *sub;
	struct where *w;

	if ((nv = conf_grow(p, c->subnets, c->nsubnets, &p->capsub, sizeof *nv)) == NULL)
		return SIZE_MAX;
	c->subnets = nv;
	if ((w = conf_grow(p, p->subw, c->nsubnets, &p->capsubw, sizeof *w)) == NULL)
		return SIZE_MAX;
	p->subw = w;
	p->subw[c->nsubnets] = (struct where){ s, e, NULL };
	sub = &c->subnets[c->nsubnets];
	memset(sub, 0, sizeof *sub);
	snprintf(sub->name, sizeof sub->name, "%s", name);
	sub->net = net;
	sub->mask = mask;
	sub->bind_addr = bind;
	return c->nsubnets++;
}


/* The entry of key in the subnet's own section, else in [GENERAL]. */
static const struct ent *scope_key(struct pctx *p, const struct scope *ov, const char *key)
{
	const struct ent *e = ov ? conf_key_find(p, ov->s, key) : NULL;
	return e ? e : conf_key_find(p, p->general.s, key);
}

/* RFC 2131 section 4.4.5: T1 < T2; the bounds around LEASETIME.  A T1 or
 * T2 at or past a granted lease's end gives way to the defaults for that
 * lease (engine), so only their order is checked here. */
static void check_times(struct pctx *p, const struct cfg_subnet *sub, const struct scope *ov)
{
	const struct ent *e;

	if (sub->min_lease > sub->lease_time && (e = scope_key(p, ov, "MinLeaseTime")))
		conf_ent_err(p, e, "%" PRIu32 " is above LEASETIME (%" PRIu32 ") of %s",
			sub->min_lease, sub->lease_time, sub->name);
	if (sub->max_lease && sub->max_lease < sub->lease_time &&
	    (e = scope_key(p, ov, "MaxLeaseTime")))
		conf_ent_err(p, e, "%" PRIu32 " is below LEASETIME (%" PRIu32 ") of %s",
			sub->max_lease, sub->lease_time, sub->name);
	if (sub->t1 && sub->t2 && sub->t1 >= sub->t2 && (e = scope_key(p, ov, "T2")))
		conf_ent_err(p, e, "T1 (%" PRIu32 ") must be below T2 (%" PRIu32 ") in %s",
			sub->t1, sub->t2, sub->name);
}

/* lease time, next server, boot file and options: overrides, else [GENERAL]. */
void conf_fill_subnet(struct pctx *p, struct cfg_subnet *sub, const struct scope *ov)
{
	const struct scope *g = &p->general;

	sub->lease_time = ov && ov->lease_time ? ov->lease_time : p->c->lease_time;
	sub->t1 = ov && ov->t1 ? ov->t1 : g->t1;
	sub->t2 = ov && ov->t2 ? ov->t2 : g->t2;
	sub->min_lease = ov && ov->min_lease ? ov->min_lease : g->min_lease;
	sub->max_lease = ov && ov->max_lease ? ov->max_lease : g->max_lease;
	check_times(p, sub, ov);
	sub->siaddr = ov && ov->siaddr ? ov->siaddr : g->siaddr;
	snprintf(sub->sname, sizeof sub->sname, "%s", ov && ov->sname[0] ? ov->sname : g->sname);
	snprintf(sub->bootfile, sizeof sub->bootfile, "%s",
		 ov && ov->bootfile[0] ? ov->bootfile : g->bootfile);
	opts_merge(p, &sub->opts, sub->mask, g, ov);
	for (size_t i = 0; i < NELEM(sub->always.w); i++) {	/* the section's win */
		uint64_t a = ov ? ov->always.w[i] : 0, n = ov ? ov->never.w[i] : 0;
		sub->always.w[i] = (g->always.w[i] & ~n) | a;
		sub->never.w[i] = (g->never.w[i] & ~a) | n;
	}
}

/* The IPBIND_n subnet whose address lies in net/mask, or SIZE_MAX. */
static size_t bind_in(const struct config *c, uint32_t net, uint32_t mask)
{
	for (size_t i = 0; i < c->nsubnets; i++)
		if (c->subnets[i].bind_addr && (c->subnets[i].bind_addr & mask) == net)
			return i;
	return SIZE_MAX;
}

/* base's options with v's over them: a same code in place, a new one at
 * the end (as opts_merge). */
static bool optset_over(struct pctx *p, struct cfg_optset *o, const struct cfg_optset *base,
			const struct popt *v, size_t n)
{
	size_t nb = base ? base->n : 0;

	if ((o->v = calloc(nb + n + 1, sizeof *o->v)) == NULL) {
		conf_oom(p);
		return false;
	}
	for (size_t i = 0; i < nb + n; i++) {
		struct cfg_opt src = i < nb ? base->v[i] :
				     (struct cfg_opt){ v[i - nb].code, v[i - nb].len, v[i - nb].data };
		size_t at = o->n;
		for (size_t j = 0; j < o->n; j++)
			if (o->v[j].code == src.code)
				at = j;
		if (at == o->n)
			o->n++;
		free(o->v[at].data);
		o->v[at] = (struct cfg_opt){ src.code, src.len, malloc(src.len ? src.len : 1) };
		if (o->v[at].data == NULL) {
			conf_oom(p);
			return false;
		}
		memcpy(o->v[at].data, src.data, src.len);
	}
	return true;
}

/* Marks the ranges of IPPOOL_idx of e's section as pool's; false if none. */
static bool pool_ranges(struct pctx *p, const struct ent *e, unsigned idx, uint32_t pool)
{
	bool found = false;

	for (size_t r = 0; r < p->nr; r++) {
		struct prange *pr = &p->rv[r];
		unsigned n;
		if (pr->e->sect != e->sect || !conf_index_parse(pr->e->key + 7, &n) || n != idx)
			continue;
		pr->pool = pool;
		found = true;
	}
	return found;
}

/* The section's POOL_n.KEY settings become the subnet's pools, each with
 * the subnet's options under its own, so that the engine looks up one
 * set.  Each needs an IPPOOL_n of the section. */
static void make_pools(struct pctx *p, struct cfg_subnet *sub, struct scope *sc)
{
	if (sc->npools == 0)
		return;
	if ((sub->pools = calloc(sc->npools, sizeof *sub->pools)) == NULL) {
		conf_oom(p);
		return;
	}
	for (size_t i = 0; i < sc->npools; i++) {
		const struct ppool *pp = &sc->pools[i];
		struct cfg_pool *cp = &sub->pools[sub->npools];

		finish_lists(p, &sc->pools[i].sc);
		if (!pool_ranges(p, pp->e, pp->idx, (uint32_t)sub->npools + 1)) {
			conf_ent_err(p, pp->e, "no IPPOOL_%u in this section to go with", pp->idx);
			continue;
		}
		sub->npools++;
		cp->siaddr = pp->sc.siaddr;
		memcpy(cp->sname, pp->sc.sname, sizeof cp->sname);
		memcpy(cp->bootfile, pp->sc.bootfile, sizeof cp->bootfile);
		if (!optset_over(p, &cp->own, NULL, pp->sc.opts, pp->sc.nopts) ||
		    !optset_over(p, &cp->opts, &sub->opts, pp->sc.opts, pp->sc.nopts))
			return;
	}
}

/* A [SUBNET:...] section holding an IPBIND_n address describes that
 * directly attached link: its mask, pools, lease time and options apply
 * there, in place of SUBNETMASK and [GENERAL]'s.  Any other section is a
 * subnet behind relay agents. */
void conf_do_subnet(struct pctx *p, struct sect *s)
{
	struct scope sc = { .kind = SK_SUBNET, .s = s };
	char name[48], a[16];
	size_t i = bind_in(p->c, s->net, s->mask);

	if (i != SIZE_MAX && !p->c->subnets[i].section) {
		struct cfg_subnet *sub = &p->c->subnets[i];
		sub->net = s->net;
		sub->mask = s->mask;
		sub->section = true;
		conf_optset_free(&sub->opts);
		sub->opts = (struct cfg_optset){ 0 };
	} else {
		snprintf(name, sizeof name, "SUBNET:%s/%u", conf_ipfmt(a, s->net),
			 conf_mask_prefix(s->mask));
		if ((i = conf_new_subnet(p, name, s->net, s->mask, 0, s, NULL)) == SIZE_MAX)
			return;
		p->c->subnets[i].relayed = true;
	}
	sc.subnet = i;
	run_table(p, s, scope_keys, NELEM(scope_keys), &sc);
	finish_lists(p, &sc);
	conf_fill_subnet(p, &p->c->subnets[i], &sc);
	make_pools(p, &p->c->subnets[i], &sc);
	memcpy(p->c->subnets[i].shared, sc.shared, sizeof sc.shared);
	if (sc.shared[0])
		p->subw[i].shared = conf_key_find(p, s, "SharedNetwork");
	conf_scope_free(&sc);
}

/* What a client section is named by: its MAC, or its client identifier
 * (kept in canonical form, since -t prints it so). */
static bool host_id(struct pctx *p, const struct sect *s, struct cfg_host *h)
{
	uint8_t cid[CFG_CID_MAX];
	char hex[3 * CFG_CID_MAX];
	int n;

	if (!s->cid) {
		snprintf(h->name, sizeof h->name, "%s", s->name);
		h->htype = 1;
		h->hlen = 6;
		memcpy(h->hw, s->hw, 6);
		return true;
	}
	n = conf_cid_parse(s->name + 9, cid);
	if ((h->cid = malloc((size_t)n)) == NULL) {
		conf_oom(p);
		return false;
	}
	memcpy(h->cid, cid, (size_t)n);
	h->cid_len = (uint8_t)n;
	snprintf(h->name, sizeof h->name, "CLIENTID:%s", text_hex(hex, cid, (size_t)n, ':'));
	return true;
}

void conf_do_host(struct pctx *p, struct sect *s)
{
	struct scope sc = { .kind = SK_HOST, .s = s };
	struct config *c = p->c;
	struct cfg_host *h;
	struct where *w;

	struct cfg_opt *ov;

	run_table(p, s, scope_keys, NELEM(scope_keys), &sc);
	finish_lists(p, &sc);
	if ((h = conf_grow(p, c->hosts, c->nhosts, &p->caphost, sizeof *h)) != NULL)
		c->hosts = h;
	if ((w = conf_grow(p, p->hostw, c->nhosts, &p->caphostw, sizeof *w)) != NULL)
		p->hostw = w;
	if ((ov = calloc(sc.nopts + 1, sizeof *ov)) == NULL)
		conf_oom(p);
	if (h == NULL || w == NULL || ov == NULL) {
		free(ov);
		conf_scope_free(&sc);
		return;
	}
	h = &c->hosts[c->nhosts];
	memset(h, 0, sizeof *h);
	h->opts.v = ov;
	p->hostw[c->nhosts++] = (struct where){ s, conf_key_find(p, s, "IPADDR") };
	if (!host_id(p, s, h)) {
		conf_scope_free(&sc);
		return;
	}
	h->always = sc.always;
	h->never = sc.never;
	h->addr = sc.addr;
	h->lease_time = sc.lease_time;
	h->siaddr = sc.siaddr;
	memcpy(h->hostname, sc.hostname, sizeof h->hostname);
	memcpy(h->bootfile, sc.bootfile, sizeof h->bootfile);
	memcpy(h->sname, sc.sname, sizeof h->sname);
	for (size_t i = 0; i < sc.nopts; i++) {	/* the data moves to the host */
		h->opts.v[i] = (struct cfg_opt){ sc.opts[i].code, sc.opts[i].len, sc.opts[i].data };
		sc.opts[i].data = NULL;
	}
	h->opts.n = sc.nopts;
	conf_scope_free(&sc);
}

static int cmp_pmatch(const void *a, const void *b)
{
	const struct pmatch *x = a, *y = b;

	return (x->idx > y->idx) - (x->idx < y->idx);
}

/* The Match_n of a class, in the order of n, move to the class. */
static bool class_matches(struct pctx *p, struct scope *sc, struct cfg_class *k)
{
	conf_sort(sc->match, sc->nmatch, sizeof *sc->match, cmp_pmatch);
	for (size_t i = 1; i < sc->nmatch; i++)
		conf_dup_index(p, sc->match[i - 1].e, sc->match[i - 1].idx, sc->match[i].e,
			       sc->match[i].idx);
	if (sc->nmatch == 0)
		conf_perr(p, sc->s->line, sc->s->name, NULL, "a class needs at least one Match_n");
	if ((k->match = calloc(sc->nmatch + 1, sizeof *k->match)) == NULL) {
		conf_oom(p);
		return false;
	}
	for (size_t i = 0; i < sc->nmatch; i++) {
		k->match[i] = sc->match[i].m;
		sc->match[i].m.data = NULL;
	}
	k->nmatch = sc->nmatch;
	return true;
}

/* [CLASS:name]: its matches, boot fields and options, in file order. */
void conf_do_class(struct pctx *p, struct sect *s)
{
	struct scope sc = { .kind = SK_CLASS, .s = s };
	struct config *c = p->c;
	struct cfg_class *k;

	run_table(p, s, scope_keys, NELEM(scope_keys), &sc);
	finish_lists(p, &sc);
	if (c->nclasses == CFG_CLASS_MAX) {
		conf_perr(p, s->line, s->name, NULL, "more than %d classes", CFG_CLASS_MAX);
		conf_scope_free(&sc);
		return;
	}
	if ((k = conf_grow(p, c->classes, c->nclasses, &p->capclass, sizeof *k)) == NULL) {
		conf_scope_free(&sc);
		return;
	}
	c->classes = k;
	k = &c->classes[c->nclasses++];
	memset(k, 0, sizeof *k);
	snprintf(k->name, sizeof k->name, "%s", s->name + 6);
	k->any = sc.any;
	k->lease_time = sc.lease_time;
	k->always = sc.always;
	k->never = sc.never;
	k->siaddr = sc.siaddr;
	memcpy(k->sname, sc.sname, sizeof k->sname);
	memcpy(k->bootfile, sc.bootfile, sizeof k->bootfile);
	if (class_matches(p, &sc, k) && (k->opts.v = calloc(sc.nopts + 1, sizeof *k->opts.v))) {
		for (size_t i = 0; i < sc.nopts; i++) {	/* the data moves to the class */
			k->opts.v[i] = (struct cfg_opt){ sc.opts[i].code, sc.opts[i].len,
							 sc.opts[i].data };
			sc.opts[i].data = NULL;
		}
		k->opts.n = sc.nopts;
	} else if (k->match)
		conf_oom(p);
	conf_scope_free(&sc);
}

static int class_index(const struct config *c, const char *name)
{
	for (size_t i = 0; i < c->nclasses; i++)
		if (strcasecmp(c->classes[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* POOLCLASS_n=[!]name[, [!]name...]: members of a listed class only, and
 * never members of a "!" one. */
static bool poolclass_bits(struct pctx *p, const struct ent *e, uint64_t *allow,
			   uint64_t *deny)
{
	char buf[LINE_MAX_LEN + 1], *save = NULL;
	int i;

	snprintf(buf, sizeof buf, "%s", e->val);
	*allow = *deny = 0;
	for (char *t = strtok_r(buf, ", \t", &save); t; t = strtok_r(NULL, ", \t", &save)) {
		bool neg = *t == '!';
		if ((i = class_index(p->c, t + neg)) < 0) {
			conf_ent_err(p, e, "no [CLASS:%.40s]", t + neg);
			return false;
		}
		*(neg ? deny : allow) |= 1ull << i;
	}
	if (*allow == 0 && *deny == 0)
		conf_ent_err(p, e, "no class named");
	return *allow || *deny;
}

/* Each POOLCLASS_n applies to the IPPOOL_n of its section. */
void conf_resolve_poolclass(struct pctx *p)
{
	for (size_t i = 0; i < p->npcls; i++) {
		const struct pclass *pc = &p->pcls[i];
		uint64_t allow, deny;
		bool found = false;

		if (!poolclass_bits(p, pc->e, &allow, &deny))
			continue;
		for (size_t r = 0; r < p->nr; r++) {
			struct prange *pr = &p->rv[r];
			unsigned idx;
			if (pr->e->sect != pc->e->sect ||
			    !conf_index_parse(pr->e->key + 7, &idx) || idx != pc->idx)
				continue;
			pr->allow = allow;
			pr->deny = deny;
			found = true;
		}
		if (!found)
			conf_ent_err(p, pc->e, "no IPPOOL_%u in this section to go with", pc->idx);
	}
}
