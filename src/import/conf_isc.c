/* ISC dhcpd.conf into dhcpsrv.ini (docs/import-config.md).
 *
 * Three steps: isc_lex.c reads the file into statements; walk() gives
 * each statement its meaning in its scope (global, shared-network,
 * subnet, pool, host, group) and collects subnets, ranges, pools, hosts
 * and the failover peer; emit() checks them against each other the way
 * our config parser will (ranges in their subnet, no overlaps, unique
 * reservations) and writes the ini.  A statement that cannot be carried
 * over is a note with its line, never a silent loss. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/text.h"
#include "import/confxlat.h"
#include "import/isc_conf.h"

/* ---- notes ---- */

static void stmt_text(const struct isc_stmt *s, char *buf, size_t cap)
{
	size_t n = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < s->ntok && i < 6 && n < cap; i++)
		n += (size_t)snprintf(buf + n, cap - n, "%s%s%s%s",
				      i && !(s->tok[i].kind == ISC_PUNCT && s->tok[i].text[0] == ',')
				      ? " " : "",
				      s->tok[i].kind == ISC_STRING ? "\"" : "", s->tok[i].text,
				      s->tok[i].kind == ISC_STRING ? "\"" : "");
	if (s->ntok > 6 && n < cap)
		snprintf(buf + n, cap - n, " ...");
}

void isc_note(struct ictx *c, const struct isc_stmt *s, enum xlat_note_kind k, const char *why)
{
	char where[120];
	stmt_text(s, where, sizeof where);
	xlat_note(c->x, s->line, k, where, "%s", why);
}

/* ---- parameters ---- */

static struct iparams *top(struct ictx *c)
{
	return c->stack[c->depth - 1];
}

static int set_opt(struct iparams *p, uint8_t code, const uint8_t *v, size_t len, unsigned line)
{
	for (size_t i = 0; i < p->nopts; i++)
		if (p->opts[i].code == code) {
			free(p->opts[i].data);
			p->opts[i].data = NULL;
			p->opts[i].len = 0;
			memmove(&p->opts[i], &p->opts[i + 1], (p->nopts - i - 1) * sizeof p->opts[0]);
			p->nopts--;
			break;
		}
	struct iopt *o = realloc(p->opts, (p->nopts + 1) * sizeof *o);
	if (!o)
		return -1;
	p->opts = o;
	uint8_t *d = malloc(len ? len : 1);
	if (!d)
		return -1;
	memcpy(d, v, len);
	p->opts[p->nopts++] = (struct iopt){ .code = code, .len = (uint16_t)len, .data = d,
					     .line = line };
	return 0;
}

void isc_params_free(struct iparams *p)
{
	for (size_t i = 0; i < p->nopts; i++)
		free(p->opts[i].data);
	free(p->opts);
	memset(p, 0, sizeof *p);
}

/* dst gets src's settings over its own. */
int isc_params_merge(struct iparams *dst, const struct iparams *src)
{
	for (size_t i = 0; i < src->nopts; i++)
		if (set_opt(dst, src->opts[i].code, src->opts[i].data, src->opts[i].len,
			    src->opts[i].line) < 0)
			return -1;
	if (src->lease) dst->lease = src->lease;
	if (src->lmax) dst->lmax = src->lmax;
	if (src->lmin) dst->lmin = src->lmin, dst->lmin_line = src->lmin_line;
	if (src->t1 || src->t2) dst->t_line = src->t_line;
	if (src->t1) dst->t1 = src->t1;
	if (src->t2) dst->t2 = src->t2;
	if (src->has_next) { dst->has_next = true; dst->next = src->next; }
	if (src->file[0]) memcpy(dst->file, src->file, sizeof dst->file);
	if (src->sname[0]) memcpy(dst->sname, src->sname, sizeof dst->sname);
	return 0;
}

/* The settings of every scope above the global one, merged. */
int isc_params_stack(struct ictx *c, struct iparams *out)
{
	memset(out, 0, sizeof *out);
	for (size_t i = 1; i < c->depth; i++)
		if (isc_params_merge(out, c->stack[i]) < 0)
			return -1;
	return 0;
}

/* ---- option statements ---- */

static const struct idef *def_by_name(const struct ictx *c, const char *name)
{
	for (size_t i = c->ndefs; i-- > 0; )
		if (strcasecmp(c->defs[i].name, name) == 0)
			return &c->defs[i];
	return NULL;
}

/* option NAME code N = TYPE; */
static int opt_define(struct ictx *c, const struct isc_stmt *s)
{
	char err[120];
	long code;
	char *end;
	if (s->ntok < 6 || !isc_is(s, 2, "code") || s->tok[4].text[0] != '=' ||
	    (code = strtol(s->tok[3].text, &end, 10), *end) || code < 1 || code > 254) {
		isc_note(c, s, XLAT_LOST, "an option definition with a code outside 1-254");
		return 0;
	}
	if (strchr(s->tok[1].text, '.') && strncasecmp(s->tok[1].text, "dhcp.", 5)) {
		isc_note(c, s, XLAT_LOST, "an option of another option space");
		return 0;
	}
	struct idef d = { .code = (uint8_t)code };
	if (isc_fmt_parse(s, 5, &d.fmt, err, sizeof err) < 0) {
		char why[200];
		snprintf(why, sizeof why, "the definition has %s; its values are not translated",
			 err);
		isc_note(c, s, XLAT_LOST, why);
		return 0;
	}
	for (size_t i = 0; i < d.fmt.n; i++)
		if (d.fmt.f[i] == IFT_IP6) {
			isc_note(c, s, XLAT_LOST, "an IPv6 address field has no DHCPv4 type here");
			return 0;
		}
	snprintf(d.name, sizeof d.name, "%s", s->tok[1].text + (strncasecmp(s->tok[1].text,
		 "dhcp.", 5) ? 0 : 5));
	struct idef *v = realloc(c->defs, (c->ndefs + 1) * sizeof *v);
	if (!v)
		return -1;
	c->defs = v;
	c->defs[c->ndefs++] = d;
	return 0;
}

/* Codes whose value the configuration does not set. */
static const char *code_refused(uint8_t code)
{
	switch (code) {
	case 50: case 52: case 53: case 55: case 57: case 61: case 82:
		return "set by the protocol, not by configuration";
	case 51:
		return "the lease time comes from default-lease-time and max-lease-time";
	case 54:
		return "the server identifier is our address on the link";
	default:
		return NULL;
	}
}

/* Whether our parser takes these bytes for code. */
static const char *value_refused(const struct ictx *c, uint8_t code, const uint8_t *v, size_t len)
{
	const struct opt_def *d = opt_def_by_code(code);
	if (len == 0)
		return "an empty value";
	if (len > OPT_VALUE_MAX)
		return "a value longer than 1024 bytes";
	if (d && !opt_valid(d->type, v, len))
		return "a value that is not a valid value of the option's type";
	if (d && opt_constraint(code, v, len))
		return opt_constraint(code, v, len);
	const struct opt_layout *l = isc_layout_of(c, code);
	if (!d && l && !opt_layout_valid(l, v, len))
		return "a value that does not match its definition";
	return NULL;
}

static uint32_t be32(const uint8_t *v)
{
	return (uint32_t)v[0] << 24 | (uint32_t)v[1] << 16 | (uint32_t)v[2] << 8 | v[3];
}

/* Options with a key of their own rather than OPTION_nn. */
static int opt_special(struct ictx *c, const struct isc_stmt *s, uint8_t code, const uint8_t *v,
		       size_t len)
{
	struct iparams *p = top(c);
	if (code == 1) {
		bool same = c->scope == IS_SUBNET && len == 4 && be32(v) == c->subs[c->cur_sub].mask;
		isc_note(c, s, same || c->scope == IS_GLOBAL ? XLAT_HARMLESS : XLAT_LOST,
			 "the mask sent is the subnet's own (the /n of its section)");
		return 1;
	}
	if ((code == 58 || code == 59) && len == 4) {
		uint32_t t = be32(v);
		if (c->scope == IS_POOL || c->scope == IS_HOST) {
			isc_note(c, s, XLAT_LOST, "T1 and T2 are set for a subnet or globally here");
			return 1;
		}
		if (t == 0 || t == UINT32_MAX) {
			isc_note(c, s, XLAT_LOST, "a time of 0 or 4294967295 seconds");
			return 1;
		}
		*(code == 58 ? &p->t1 : &p->t2) = t;
		p->t_line = s->line;
		return 1;
	}
	if (code == 12 && c->scope == IS_HOST) {
		char name[64];
		if (len < sizeof name && !memchr(v, 0, len)) {
			memcpy(name, v, len);
			name[len] = '\0';
			if (xlat_value_ok(name)) {
				memcpy(c->hosts[c->cur_host].hostname, name, len + 1);
				return 1;
			}
		}
	}
	return 0;
}

/* option NAME VALUE; */
static int opt_value(struct ictx *c, const struct isc_stmt *s)
{
	const char *name = s->tok[1].text;
	const struct idef *d = def_by_name(c, name);
	const struct isc_optname *n = d ? NULL : isc_opt_by_name(name);
	const struct isc_fmt *f = d ? &d->fmt : n ? &n->fmt : NULL;
	uint8_t code = d ? d->code : n ? n->code : 0, buf[OPT_VALUE_MAX + 1];
	char err[160], why[200];
	bool hostname;
	if (!f) {
		isc_note(c, s, XLAT_LOST, strchr(name, '.') ? "an option of another option space"
							    : "an option this translator does not know");
		return 0;
	}
	if (code == 61 && c->scope == IS_HOST)
		code = 0;	/* the host's key: read below */
	else if (code_refused(code)) {
		isc_note(c, s, XLAT_LOST, code_refused(code));
		return 0;
	}
	int len = isc_value_encode(f, s, 2, buf, sizeof buf, &hostname, err, sizeof err);
	if (len < 0) {
		snprintf(why, sizeof why, "%s", err);
		isc_note(c, s, XLAT_LOST, why);
		return 0;
	}
	if (!code) {
		struct ihost *h = &c->hosts[c->cur_host];
		if (len < 2 || len > 255)
			isc_note(c, s, XLAT_LOST, "a client identifier of 2 to 255 bytes is needed");
		else
			memcpy(h->cid, buf, (size_t)len), h->cidlen = (uint8_t)len;
		return 0;
	}
	int sp = opt_special(c, s, code, buf, (size_t)len);
	if (sp)
		return sp < 0 ? -1 : 0;
	const char *bad = value_refused(c, code, buf, (size_t)len);
	if (bad) {
		snprintf(why, sizeof why, "our server refuses %s", bad);
		isc_note(c, s, XLAT_LOST, why);
		return 0;
	}
	return set_opt(top(c), code, buf, (size_t)len, s->line);
}

static int st_option(struct ictx *c, const struct isc_stmt *s)
{
	if (s->ntok < 2 || s->tok[1].kind != ISC_WORD) {
		isc_note(c, s, XLAT_LOST, "not an option statement this translator reads");
		return 0;
	}
	if (isc_is(s, 1, "space")) {
		isc_note(c, s, XLAT_LOST, "option spaces are not translated (VENDOR43_n and "
			 "VIVSO_n are set by hand)");
		return 0;
	}
	if (isc_is(s, 2, "code"))
		return opt_define(c, s);
	return opt_value(c, s);
}

/* ---- simple parameters ---- */

static bool num_arg(const struct isc_stmt *s, size_t i, uint32_t lo, uint32_t hi, uint32_t *v)
{
	char *end;
	if (i + 1 != s->ntok || s->tok[i].kind != ISC_WORD)
		return false;
	unsigned long long n = strtoull(s->tok[i].text, &end, 10);
	if (*end || s->tok[i].text[0] == '-' || n < lo || n > hi)
		return false;
	*v = (uint32_t)n;
	return true;
}

static int st_lease(struct ictx *c, const struct isc_stmt *s)
{
	uint32_t v;
	struct iparams *p = top(c);
	if (!num_arg(s, 1, 1, UINT32_MAX, &v)) {
		isc_note(c, s, XLAT_LOST, "not a number of seconds from 1 to 4294967295");
		return 0;
	}
	if (c->scope == IS_POOL) {
		isc_note(c, s, XLAT_LOST, "a pool cannot have a lease time of its own here");
		return 0;
	}
	if (c->scope == IS_HOST && !isc_is(s, 0, "default-lease-time")) {
		isc_note(c, s, XLAT_LOST, "a client section has only LEASETIME; the subnet's "
			 "MinLeaseTime and MaxLeaseTime bound it");
		return 0;
	}
	if (isc_is(s, 0, "default-lease-time"))
		p->lease = v;
	else if (isc_is(s, 0, "max-lease-time"))
		p->lmax = v;
	else
		p->lmin = v, p->lmin_line = s->line;
	p->lease_line = s->line;
	return 0;
}

static int st_next_server(struct ictx *c, const struct isc_stmt *s)
{
	uint32_t a;
	if (s->ntok != 2 || !isc_ip(s->tok[1].text, &a)) {
		isc_note(c, s, XLAT_LOST, "next-server is not an IPv4 address (a host name cannot "
			 "be looked up when translating)");
		return 0;
	}
	top(c)->has_next = true;
	top(c)->next = a;
	return 0;
}

static int st_text_param(struct ictx *c, const struct isc_stmt *s)
{
	bool file = isc_is(s, 0, "filename");
	struct iparams *p = top(c);
	char *dst = file ? p->file : p->sname;
	size_t cap = file ? sizeof p->file : sizeof p->sname;
	if (s->ntok != 2 || s->tok[1].kind != ISC_STRING || s->tok[1].len >= cap ||
	    s->tok[1].len == 0 || !xlat_value_ok(s->tok[1].text)) {
		isc_note(c, s, XLAT_LOST, file ? "not a file name of 1 to 127 printable characters"
					       : "not a name of 1 to 63 printable characters");
		return 0;
	}
	memcpy(dst, s->tok[1].text, s->tok[1].len + 1);
	return 0;
}

static int st_authoritative(struct ictx *c, const struct isc_stmt *s)
{
	bool on = !isc_is(s, 0, "not");
	if (c->scope == IS_GLOBAL) {
		c->authoritative = on;
		return 0;
	}
	if (on != c->authoritative)
		isc_note(c, s, XLAT_LOST, "Authoritative is one setting for the whole server here");
	else
		isc_note(c, s, XLAT_HARMLESS, "the same as the global setting");
	return 0;
}

static int st_ping(struct ictx *c, const struct isc_stmt *s)
{
	uint32_t v;
	if (c->scope != IS_GLOBAL) {
		isc_note(c, s, XLAT_LOST, "ConflictProbe is one setting for the whole server here");
	} else if (isc_is(s, 0, "ping-check") && s->ntok == 2) {
		c->ping = isc_is(s, 1, "true") || isc_is(s, 1, "on") ? 1 : 0;
	} else if (isc_is(s, 0, "ping-timeout") && num_arg(s, 1, 1, 60, &v)) {
		c->ping_ms = v * 1000;
	} else {
		isc_note(c, s, XLAT_LOST, "not a value this translator reads");
	}
	return 0;
}

/* ---- the table of statements ---- */

/* Statements that are read and dropped, and why. */
static const struct {
	const char *word;
	uint8_t kind;
	const char *why;
} dropped[] = {
	{ "log-facility", XLAT_HARMLESS, "duodhcpd logs to the journal or stderr" },
	{ "ddns-update-style", XLAT_HARMLESS, "no dynamic DNS updates here" },
	{ "ddns-updates", XLAT_HARMLESS, "no dynamic DNS updates here" },
	{ "update-static-leases", XLAT_HARMLESS, "no dynamic DNS updates here" },
	{ "lease-file-name", XLAT_HARMLESS, "the lease journal is [DUODHCP] Journal; "
	  "import the leases with duodhcpctl import-leases" },
	{ "pid-file-name", XLAT_HARMLESS, "duodhcpd writes no pid file (systemd tracks it)" },
	{ "db-time-format", XLAT_HARMLESS, "about ISC's lease file" },
	{ "one-lease-per-client", XLAT_HARMLESS, "a client holds one lease per network here" },
	{ "omapi-port", XLAT_LOST, "OMAPI: use duodhcpd's HTTP API ([HTTP-Settings])" },
	{ "omapi-key", XLAT_LOST, "OMAPI: use duodhcpd's HTTP API and ApiToken" },
	{ "key", XLAT_LOST, "TSIG keys are for dynamic DNS, which is not translated" },
	{ "zone", XLAT_LOST, "dynamic DNS zones are not translated" },
	{ "class", XLAT_LOST, "classes are not translated: write [CLASS:name] with Match_n" },
	{ "subclass", XLAT_LOST, "classes are not translated: write [CLASS:name] with Match_n" },
	{ "if", XLAT_LOST, "conditional statements are not translated" },
	{ "elsif", XLAT_LOST, "conditional statements are not translated" },
	{ "else", XLAT_LOST, "conditional statements are not translated" },
	{ "on", XLAT_LOST, "event statements (on commit/release/expiry) are not translated" },
	{ "include", XLAT_LOST, "included files are not read: translate them too and merge" },
	{ "server-identifier", XLAT_LOST, "the server identifier is our address on the link" },
	{ "local-address", XLAT_LOST, "use IPBIND_n in [Settings] (duodhcpctl --bind)" },
	{ "local-port", XLAT_LOST, "duodhcpd listens on port 67" },
	{ "allow", XLAT_LOST, "allow/deny/ignore are not translated (a pool is open to every "
	  "client; POOLCLASS_n restricts one by class)" },
	{ "deny", XLAT_LOST, "allow/deny/ignore are not translated (a pool is open to every "
	  "client; POOLCLASS_n restricts one by class)" },
	{ "ignore", XLAT_LOST, "allow/deny/ignore are not translated (a pool is open to every "
	  "client; POOLCLASS_n restricts one by class)" },
	{ "use-host-decl-names", XLAT_LOST, "not read" },	/* replaced by st_decl_names */
};

static int st_decl_names(struct ictx *c, const struct isc_stmt *s)
{
	if (s->ntok == 2 && (isc_is(s, 1, "on") || isc_is(s, 1, "true")))
		c->decl_names = true;
	else if (!(s->ntok == 2 && (isc_is(s, 1, "off") || isc_is(s, 1, "false"))))
		isc_note(c, s, XLAT_LOST, "not on or off");
	return 0;
}

/* allow/deny/ignore that change nothing here: BOOTP is never answered,
 * and unknown clients and booting are allowed unless a pool says not. */
static bool access_harmless(const struct ictx *c, const struct isc_stmt *s)
{
	bool bootp = false;
	for (size_t i = 1; i < s->ntok; i++)
		bootp |= isc_is(s, i, "bootp");
	if (bootp)
		return !isc_is(s, 0, "allow");
	return c->scope != IS_POOL && isc_is(s, 0, "allow") && s->ntok == 2 &&
	       (isc_is(s, 1, "unknown-clients") || isc_is(s, 1, "booting"));
}

static int st_dropped(struct ictx *c, const struct isc_stmt *s)
{
	if ((isc_is(s, 0, "allow") || isc_is(s, 0, "deny") || isc_is(s, 0, "ignore")) &&
	    access_harmless(c, s)) {
		isc_note(c, s, XLAT_HARMLESS, "duodhcpd answers no BOOTP client, and every DHCP "
			 "client unless a pool is restricted");
		return 0;
	}
	for (size_t i = 0; i < sizeof dropped / sizeof dropped[0]; i++)
		if (isc_is(s, 0, dropped[i].word)) {
			/* "ddns-update-style none" changes nothing; another style does. */
			uint8_t k = dropped[i].kind;
			if (isc_is(s, 0, "ddns-update-style") && !isc_is(s, 1, "none"))
				k = XLAT_LOST;
			if (isc_is(s, 0, "ddns-updates") && !isc_is(s, 1, "off") &&
			    !isc_is(s, 1, "false"))
				k = XLAT_LOST;
			isc_note(c, s, k, dropped[i].why);
			return 0;
		}
	if (isc_is(s, 0, "ddns-hostname") || isc_is(s, 0, "ddns-domainname") ||
	    !strncasecmp(s->tok[0].text, "ddns-", 5))
		isc_note(c, s, XLAT_LOST, "no dynamic DNS updates here");
	else
		isc_note(c, s, XLAT_LOST, "a statement this translator does not know");
	return 0;
}

typedef int (*st_fn)(struct ictx *c, const struct isc_stmt *s);

static const struct {
	const char *word;
	st_fn fn;
	bool block;		/* a declaration with a { } block */
	uint8_t scopes;		/* the scopes it may appear in; 0 = any */
} stmts[] = {
	{ "option", st_option, false, 0 },
	{ "default-lease-time", st_lease, false, 0 },
	{ "max-lease-time", st_lease, false, 0 },
	{ "min-lease-time", st_lease, false, 0 },
	{ "next-server", st_next_server, false, 0 },
	{ "filename", st_text_param, false, 0 },
	{ "server-name", st_text_param, false, 0 },
	{ "authoritative", st_authoritative, false, 0 },
	{ "not", st_authoritative, false, 0 },
	{ "ping-check", st_ping, false, 0 },
	{ "ping-timeout", st_ping, false, 0 },
	{ "use-host-decl-names", st_decl_names, false, 1 << IS_GLOBAL },
	{ "range", isc_st_range, false, 1 << IS_SUBNET | 1 << IS_POOL },
	{ "hardware", isc_st_hardware, false, 1 << IS_HOST },
	{ "fixed-address", isc_st_fixed, false, 1 << IS_HOST },
	{ "subnet", isc_st_subnet, true, 1 << IS_GLOBAL | 1 << IS_SHARED | 1 << IS_GROUP },
	{ "shared-network", isc_st_shared, true, 1 << IS_GLOBAL | 1 << IS_GROUP },
	{ "pool", isc_st_pool, true, 1 << IS_SUBNET | 1 << IS_SHARED },
	{ "host", isc_st_host, true, 0 },
	{ "group", isc_st_group, true, 0 },
	{ "failover", isc_st_failover, false, 0 },
};

static int stmt(struct ictx *c, const struct isc_stmt *s, bool blocks)
{
	for (size_t i = 0; i < sizeof stmts / sizeof stmts[0]; i++) {
		if (!isc_is(s, 0, stmts[i].word))
			continue;
		/* "failover peer" is both a declaration and, in a pool, a reference. */
		bool block = stmts[i].block || s->block;
		if (block != blocks)
			return 0;
		if (s->block && !stmts[i].block && stmts[i].fn != isc_st_failover)
			break;
		if (stmts[i].scopes && !(stmts[i].scopes & (1u << c->scope))) {
			isc_note(c, s, XLAT_LOST, "not in a scope where dhcpd reads it");
			return 0;
		}
		if (c->scope == IS_HOST && stmts[i].fn == isc_st_host) {
			isc_note(c, s, XLAT_LOST, "a host inside a host");
			return 0;
		}
		return stmts[i].fn(c, s);
	}
	return s->block == blocks ? st_dropped(c, s) : 0;
}

/* The statements of a block: its parameters first, then its declarations,
 * since a parameter applies to its whole scope wherever it is written. */
int isc_walk(struct ictx *c, const struct isc_stmt *block)
{
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < block->nchild; i++) {
			const struct isc_stmt *s = &block->child[i];
			if (s->ntok == 0 || s->tok[0].kind != ISC_WORD) {
				if (pass == 0)
					isc_note(c, s, XLAT_LOST, "not a statement");
				continue;
			}
			if (stmt(c, s, pass == 1) < 0)
				return -1;
		}
	return 0;
}

static int note_cmp(const void *a, const void *b)
{
	const struct xlat_note *x = a, *y = b;
	return x->line < y->line ? -1 : x->line > y->line;
}

/* Frees what the walk built (the context is made by xlat_isc alone). */
static void isc_ctx_free(struct ictx *c)
{
	isc_params_free(&c->global);
	for (size_t i = 0; i < c->nsubs; i++)
		isc_params_free(&c->subs[i].eff);
	for (size_t i = 0; i < c->npools; i++)
		isc_params_free(&c->pools[i].own);
	for (size_t i = 0; i < c->nhosts; i++)
		isc_params_free(&c->hosts[i].eff);
	free(c->defs);
	free(c->subs);
	free(c->ranges);
	free(c->pools);
	free(c->hosts);
	free(c->peers);
	free(c->shared);
	free(c->addrs.v);
	free(c->clients.v);
	free(c);
}

int xlat_isc(struct xlat *x, const char *file, const char *buf, size_t len)
{
	struct isc_tree t;
	unsigned line = 0;
	char err[200];
	int rc = isc_parse(&t, buf, len, &line, err, sizeof err);
	if (rc > 0)
		return xlat_error(x, line, "%s", err);
	if (rc < 0)
		return -1;
	struct ictx *c = calloc(1, sizeof *c);
	if (!c) {
		isc_tree_free(&t);
		return -1;
	}
	c->x = x;
	c->file = file;
	c->ping = -1;
	c->stack[c->depth++] = &c->global;
	c->scope = IS_GLOBAL;
	rc = isc_walk(c, &t.root);
	if (rc == 0)
		rc = isc_emit(c);
	isc_ctx_free(c);
	isc_tree_free(&t);
	/* Notes in line order (the walk reads parameters before blocks);
	 * qsort is not stable, so equal lines keep no particular order. */
	if (x->nnotes > 1)
		qsort(x->notes, x->nnotes, sizeof x->notes[0], note_cmp);
	return rc < 0 || x->oom ? -1 : rc;
}
