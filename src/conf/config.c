/* Configuration: the dhcpsrv.ini format of "DHCP Server for Windows" plus
 * duodhcp's own sections (docs/config.md is the reference).
 *
 * Three passes over a private copy of the bytes:
 *   1. read: split into sections and KEY=VALUE entries, bounded (line
 *      length, NUL bytes), and catch duplicate sections and keys;
 *   2. expand: dhcpsrv's $(section\name) variables, each entry once;
 *   3. interpret: each section through its keyword table, then build the
 *      subnets and validate the whole.
 * Every problem is reported with file, line, section and key, all of them;
 * the result is NULL when there was any error. */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "conf/config.h"
#include "common/text.h"

#define LINE_MAX_LEN	4096		/* longest line, without its newline */
#define FILE_MAX_LEN	(16u << 20)
#define VAR_DEPTH	8		/* $(a) naming $(b) naming ... */
#define INDEX_MAX	9999		/* n in DNS_n, IPPOOL_n, OPTION_n */
#define LIST_MAX	(OPT_VALUE_MAX / 4)

#define DEF_LEASE	86400u
#define DEF_JOURNAL	"/var/lib/duodhcp/leases.journal"
#define DEF_DNS_REFUSE "wpad,localhost"	/* RefuseNames */
#define DEF_PROBE_MS	500u
#define DEF_DECLINE	86400u
#define DEF_OFFER	30u
#define DEF_COMPACT	(64u << 20)
#define DEF_HTTP_PORT	80u
/* A SyncServer partner: at most a /16 of active leases, and changes at a
 * rate that writes about half a megabyte of journal a second. */
#define DEF_SYNC_MAX_LEASES 65536u
#define DEF_SYNC_RATE	2000u
/* [FAILOVER]: what ISC dhcpd 4.4 uses when a statement is left out
 * (server/confpars.c, includes/failover.h), except where noted. */
#define DEF_FO_PORT	647u		/* IANA's dhcp-failover port */
#define DEF_FO_MRD	20u		/* max-response-delay */
#define DEF_FO_UNACKED	100u		/* max-unacked-updates */
#define DEF_FO_SPLIT	128u		/* ISC insists on split or hba; 128 is
					   the value its manual recommends */
#define DEF_FO_LBMAX	3u		/* ISC leaves it 0 (load balancing off,
					   with a warning); its manual says 3 */
#define DEF_FO_SKEW	5u		/* the secondary refuses a CONNECT at 60 */
#define DEF_FO_MIN_BAL	60u		/* ISC's min-balance and max-balance */
#define DEF_FO_MAX_BAL	3600u

/* ---- parse state ---- */

enum xstate { X_TODO, X_BUSY, X_DONE, X_FAILED };

struct ent {
	int line;
	size_t sect;
	char *key;
	char *raw;		/* as read: unquoted unless an OPTION_n value */
	char *val;		/* after $(...) expansion */
	bool val_heap;
	uint8_t xstate;
	bool dup;		/* a later duplicate, skipped */
	bool referenced;	/* named by some $(...) */
};

enum skind {
	SK_SKIP, SK_SETTINGS, SK_GENERAL, SK_DNS, SK_HTTP, SK_TFTP, SK_DUODHCP,
	SK_FAILOVER, SK_SUBNET, SK_HOST, SK_CLASS, SK_WILDCARD, SK_UNKNOWN,
};

struct sect {
	int line;
	char *name;
	size_t first, n;	/* its entries */
	enum skind kind;
	bool dup;
	uint32_t net, mask;	/* SK_SUBNET */
	uint8_t hw[6];		/* SK_HOST by MAC */
	bool cid;		/* SK_HOST by client identifier: [CLIENTID:...] */
};

struct prange {
	uint32_t first, last;
	const struct ent *e;
	size_t subnet;		/* SIZE_MAX until placed */
	uint64_t allow, deny;	/* from its POOLCLASS_n */
	uint32_t pool;		/* its POOL_n.KEY settings, as cfg_range.pool */
};

struct pool {
	unsigned idx;
	const struct ent *e;
	size_t r0, nr;		/* its ranges in pctx.rv */
};

struct bind {
	unsigned idx;
	const struct ent *e;
	uint32_t addr;
};

struct popt {
	uint8_t code;
	uint16_t len;
	uint8_t *data;
	const struct ent *e;
};

struct ipitem {
	unsigned idx;
	uint32_t ip;
	const struct ent *e;
};

struct pmatch {			/* a Match_n while its class is read */
	unsigned idx;
	const struct ent *e;
	struct cfg_match m;
};

struct pclass {			/* a POOLCLASS_n, resolved once classes exist */
	unsigned idx;
	const struct ent *e;
};

struct subopt {			/* a VENDOR43_n or VIVSO_n while its scope is read */
	unsigned idx;
	uint8_t opt;		/* 43 or 125 */
	uint8_t code;		/* the sub-option's */
	uint8_t len;
	uint32_t enterprise;	/* 125: the vendor's IANA enterprise number */
	const struct ent *e;
	uint8_t data[255];
};

struct iplist {
	uint8_t code;
	size_t slot;		/* its place in scope.opts */
	size_t n, cap;
	struct ipitem *v;
};

struct ppool;

/* [GENERAL], a [SUBNET:...] or a client section while it is read. */
struct scope {
	enum skind kind;
	const struct sect *s;
	size_t subnet;		/* SK_SUBNET: where IPPOOL_n ranges go */
	uint32_t lease_time, siaddr, mask, addr;
	uint32_t t1, t2, min_lease, max_lease;	/* seconds, 0 = not given */
	char sname[64];
	char bootfile[128];
	char hostname[64];
	char shared[32];	/* SK_SUBNET: SharedNetwork */
	struct cfg_codes always, never;	/* AlwaysSend, NeverSend */
	bool any;		/* SK_CLASS: MatchAny */
	size_t nmatch, capmatch;
	struct pmatch *match;	/* SK_CLASS: Match_n */
	size_t nopts, capopts;
	struct popt *opts;
	struct iplist lists[3];
	size_t nlists;
	size_t nsubs, capsubs;
	struct subopt *subs;	/* VENDOR43_n, VIVSO_n */
	uint8_t subslots;	/* bit 0: option 43, bit 1: 125 is theirs */
	size_t npools, cappools;
	struct ppool *pools;	/* SK_SUBNET: its POOL_n.KEY settings */
};

struct ppool {			/* the POOL_n.KEY settings of one IPPOOL_n */
	unsigned idx;
	const struct ent *e;	/* its first key */
	struct scope sc;
};

struct where {			/* where a subnet or host was defined */
	const struct sect *s;
	const struct ent *e;
	const struct ent *shared;	/* its SharedNetwork key, if any */
};

struct pctx {
	const char *file;
	FILE *errs;
	int nerr;
	bool oom;
	char *buf;
	struct sect *sv;
	size_t ns, capsv;
	struct ent *ev;
	size_t ne, capev;
	struct sect **ssorted;	/* sections by name */
	struct ent **esorted;	/* entries by key within each section */
	struct config *c;
	struct pool *pools;
	size_t npools, cappools;
	struct bind *binds;
	size_t nbinds, capbinds;
	struct prange *rv;
	size_t nr, caprv;
	size_t capsub, caphost;
	struct where *subw, *hostw;
	size_t capsubw, caphostw;
	struct scope general;
	const struct sect *fo_sect;	/* [FAILOVER], NULL when absent */
	const struct ent *fo_pools;	/* its Pools key, checked once subnets exist */
	struct pclass *pcls;		/* POOLCLASS_n of [SUBNET:...] sections */
	size_t npcls, cappcls, capclass;
	size_t capoptdefs;
};

/* ---- messages ---- */

__attribute__((format(printf, 6, 0)))
static void vreport(struct pctx *p, bool warn, int line, const char *sect,
		    const char *key, const char *fmt, va_list ap)
{
	if (!warn)
		p->nerr++;
	if (p->errs == NULL)
		return;
	fputs(p->file, p->errs);
	if (line > 0)
		fprintf(p->errs, ":%d", line);
	fputs(warn ? ": warning: " : ": ", p->errs);
	if (sect)
		fprintf(p->errs, key ? "[%s] " : "[%s]: ", sect);
	if (key)
		fprintf(p->errs, "%s: ", key);
	vfprintf(p->errs, fmt, ap);
	fputc('\n', p->errs);
}

__attribute__((format(printf, 5, 6)))
static void perr(struct pctx *p, int line, const char *sect, const char *key,
		 const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(p, false, line, sect, key, fmt, ap);
	va_end(ap);
}

__attribute__((format(printf, 2, 3)))
static void pwarn(struct pctx *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(p, true, 0, NULL, NULL, fmt, ap);
	va_end(ap);
}

__attribute__((format(printf, 3, 4)))
static void ent_err(struct pctx *p, const struct ent *e, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(p, false, e->line, p->sv[e->sect].name, e->key, fmt, ap);
	va_end(ap);
}

__attribute__((format(printf, 3, 4)))
static void ent_warn(struct pctx *p, const struct ent *e, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(p, true, e->line, p->sv[e->sect].name, e->key, fmt, ap);
	va_end(ap);
}

__attribute__((format(printf, 3, 4)))
static void sect_warn(struct pctx *p, const struct sect *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(p, true, s->line, s->name, NULL, fmt, ap);
	va_end(ap);
}

static void oom(struct pctx *p)
{
	if (!p->oom)
		perr(p, 0, NULL, NULL, "out of memory");
	p->oom = true;
}

/* Makes room for one more element; returns the (maybe moved) array or NULL. */
static void *grow(struct pctx *p, void *v, size_t n, size_t *cap, size_t size)
{
	size_t nc;
	void *nv;

	if (n < *cap)
		return v;
	nc = *cap ? *cap * 2 : 8;
	if (nc > SIZE_MAX / size || (nv = realloc(v, nc * size)) == NULL) {
		oom(p);
		return NULL;
	}
	*cap = nc;
	return nv;
}

/* qsort, which may not be handed a NULL array even when it is empty. */
static void sort(void *v, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
	if (n > 1)
		qsort(v, n, size, cmp);
}

static void sort_r(void *v, size_t n, size_t size,
		   int (*cmp)(const void *, const void *, void *), void *ctx)
{
	if (n > 1)
		qsort_r(v, n, size, cmp, ctx);
}

/* ---- small parsers ---- */

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static char *skip_blank(char *s)
{
	while (is_blank(*s))
		s++;
	return s;
}

static char *trim(char *s)
{
	size_t n;

	s = skip_blank(s);
	n = strlen(s);
	while (n > 0 && is_blank(s[n - 1]))
		n--;
	s[n] = '\0';
	return s;
}

static bool ip_str(const char *s, uint32_t *out)
{
	return text_ip4_parse(s, strlen(s), out);
}

static bool u32_parse(const char *s, uint32_t *out)
{
	uint64_t v = 0;

	if (*s == '\0')
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		v = v * 10 + (uint64_t)(*s - '0');
		if (v > UINT32_MAX)
			return false;
	}
	*out = (uint32_t)v;
	return true;
}

static bool bool_parse(const char *s, bool *out)
{
	static const char *const yes[] = { "1", "true", "yes", "on" };
	static const char *const no[] = { "0", "false", "no", "off" };

	for (size_t i = 0; i < 4; i++) {
		if (strcasecmp(s, yes[i]) == 0 || strcasecmp(s, no[i]) == 0) {
			*out = strcasecmp(s, yes[i]) == 0;
			return true;
		}
	}
	return false;
}

static unsigned mask_prefix(uint32_t mask)
{
	unsigned n = 0;

	while (n < 32 && (mask & (0x80000000u >> n)))
		n++;
	return n;
}

static uint32_t prefix_mask(unsigned p)
{
	return p == 0 ? 0 : 0xffffffffu << (32 - p);
}

static bool mask_ok(uint32_t mask)
{
	return mask != 0 && prefix_mask(mask_prefix(mask)) == mask;
}

static const char *ipfmt(char buf[TEXT_IP4_LEN], uint32_t a)
{
	return text_ip4(a, buf);
}

/* 00-11-22-33-44-55, 00:11:22:33:44:55 or 001122334455.  Returns 1 for a
 * MAC, 2 for a dhcpsrv wildcard ("??" bytes), 0 otherwise. */
static int mac_parse(const char *s, uint8_t hw[6])
{
	size_t len = strlen(s), step = len == 17 ? 3 : 2;
	bool wild = false;

	if (len != 17 && len != 12)
		return 0;
	if (len == 17 && s[2] != '-' && s[2] != ':')
		return 0;
	for (size_t i = 0; i < 6; i++) {
		const char *b = s + i * step;
		int hi = text_hexval(b[0]), lo = text_hexval(b[1]);

		if (step == 3 && i < 5 && b[2] != s[2])
			return 0;
		if (b[0] == '?' && b[1] == '?') {
			wild = true;
			hw[i] = 0;
		} else if (hi < 0 || lo < 0)
			return 0;
		else
			hw[i] = (uint8_t)(hi << 4 | lo);
	}
	return wild ? 2 : 1;
}

/* The value of [CLIENTID:...]: bytes of two hex digits each, separated
 * by ':' or '-' or not at all ("01:00:11:22:33:44:55", "01001122334455").
 * Returns the number of bytes, or -1.  RFC 2132 section 9.14: at least 2. */
static int cid_parse(const char *s, uint8_t out[CFG_CID_MAX])
{
	int n = 0;

	for (;;) {
		int hi = text_hexval(s[0]), lo = hi < 0 ? -1 : text_hexval(s[1]);

		if (lo < 0 || n == CFG_CID_MAX)
			return -1;
		out[n++] = (uint8_t)(hi << 4 | lo);
		s += 2;
		if (*s == '\0')
			return n >= 2 ? n : -1;
		if (*s == ':' || *s == '-')
			s++;
	}
}

/* "a.b.c.d/n" with no host bits set. */
static bool cidr_parse(const char *s, uint32_t *net, uint32_t *mask, bool *hostbits)
{
	const char *slash = strchr(s, '/');
	uint32_t a, p;

	if (slash == NULL || !text_ip4_parse(s, (size_t)(slash - s), &a) ||
	    !u32_parse(slash + 1, &p) || p < 1 || p > 32 || strlen(slash + 1) > 2)
		return false;
	*mask = prefix_mask(p);
	*net = a & *mask;
	*hostbits = a != *net;
	return true;
}

/* Parses digits after a key prefix ("DNS_" + "1"). */
static bool index_parse(const char *s, unsigned *out)
{
	uint32_t v;

	if (strlen(s) > 4 || !u32_parse(s, &v) || v > INDEX_MAX)
		return false;
	*out = v;
	return true;
}

/* Text that needs no quotes to survive the reader. */
static bool plain_ok(const char *v)
{
	size_t n = strlen(v);

	if (n == 0 || is_blank(v[0]) || is_blank(v[n - 1]) || strstr(v, "$("))
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)v[i] < 0x20 || v[i] == 0x7f || v[i] == ';' || v[i] == '"')
			return false;
	return true;
}

/* ---- pass 1: the reader ---- */

/* OPTION_nn, also as a pool's POOL_n.OPTION_nn. */
static bool is_option_key(const char *key)
{
	const char *dot = strchr(key, '.');

	if (strncasecmp(key, "POOL_", 5) == 0 && dot)
		key = dot + 1;
	return strncasecmp(key, "OPTION_", 7) == 0;
}

static bool key_chars_ok(const char *k)
{
	for (; *k; k++)
		if (!((*k >= 'a' && *k <= 'z') || (*k >= 'A' && *k <= 'Z') ||
		      (*k >= '0' && *k <= '9') || *k == '_' || *k == '-' || *k == '.'))
			return false;
	return true;
}

/* ';' outside double quotes starts a comment; inside quotes a backslash
 * protects the next character. */
static void strip_comment(char *s)
{
	bool q = false;

	for (; *s; s++) {
		if (q && *s == '\\' && s[1])
			s++;
		else if (*s == '"')
			q = !q;
		else if (*s == ';' && !q) {
			*s = '\0';
			return;
		}
	}
}

static char *unquote(char *v)
{
	size_t n = strlen(v);

	if (n >= 2 && v[0] == '"' && v[n - 1] == '"') {
		v[n - 1] = '\0';
		return v + 1;
	}
	return v;
}

static void add_section(struct pctx *p, char *name, int line, bool broken)
{
	struct sect *nv = grow(p, p->sv, p->ns, &p->capsv, sizeof *p->sv);

	if (nv == NULL)
		return;
	p->sv = nv;
	memset(&p->sv[p->ns], 0, sizeof p->sv[0]);
	p->sv[p->ns].line = line;
	p->sv[p->ns].name = name;
	p->sv[p->ns].first = p->ne;
	p->sv[p->ns].kind = broken ? SK_SKIP : SK_UNKNOWN;
	p->ns++;
}

static void lex_section(struct pctx *p, char *s, int line)
{
	char *close = strchr(s, ']'), *rest, *name;

	if (close == NULL) {
		perr(p, line, NULL, NULL, "section header without ']'");
		add_section(p, s, line, true);
		return;
	}
	rest = skip_blank(close + 1);
	*close = '\0';
	name = trim(s + 1);
	if (*rest && *rest != ';' && *rest != '#') {
		perr(p, line, name, NULL, "text after ']'");
		add_section(p, name, line, true);
	} else if (*name == '\0') {
		perr(p, line, NULL, NULL, "empty section name");
		add_section(p, name, line, true);
	} else
		add_section(p, name, line, false);
}

static void lex_entry(struct pctx *p, char *s, int line)
{
	char *eq = strchr(s, '='), *key, *val;
	const char *sect = p->ns ? p->sv[p->ns - 1].name : NULL;
	struct ent *nv;

	if (eq == NULL) {
		perr(p, line, sect, NULL, "expected KEY=VALUE");
		return;
	}
	*eq = '\0';
	key = trim(s);
	val = eq + 1;
	strip_comment(val);
	val = trim(val);
	if (*key == '\0' || !key_chars_ok(key)) {
		perr(p, line, sect, NULL, "bad key name \"%s\"", key);
		return;
	}
	if (!is_option_key(key))
		val = unquote(val);
	if (p->ns == 0) {
		perr(p, line, NULL, key, "outside any section");
		return;
	}
	if ((nv = grow(p, p->ev, p->ne, &p->capev, sizeof *p->ev)) == NULL)
		return;
	p->ev = nv;
	p->ev[p->ne] = (struct ent){ .line = line, .sect = p->ns - 1, .key = key,
				     .raw = val, .val = val };
	p->ne++;
	p->sv[p->ns - 1].n++;
}

static void lex_line(struct pctx *p, char *s, int line)
{
	s = skip_blank(s);
	if (*s == '\0' || *s == ';' || *s == '#')
		return;
	if (*s == '[')
		lex_section(p, s, line);
	else
		lex_entry(p, s, line);
}

static void lex(struct pctx *p, size_t len)
{
	char *s = p->buf, *end = p->buf + len;
	int line = 0;

	/* A UTF-8 byte order mark, as Windows editors write it. */
	if (len >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0)
		s += 3;
	while (s < end && !p->oom) {
		char *nl = memchr(s, '\n', (size_t)(end - s));
		char *le = nl ? nl : end;
		size_t n = (size_t)(le - s);

		line++;
		if (n > 0 && s[n - 1] == '\r')
			n--;
		if (n > LINE_MAX_LEN)
			perr(p, line, NULL, NULL, "line longer than %d bytes", LINE_MAX_LEN);
		else if (memchr(s, '\0', n))
			perr(p, line, NULL, NULL, "NUL byte in line");
		else {
			s[n] = '\0';
			lex_line(p, s, line);
		}
		s = le + 1;
	}
}

static int cmp_sect(const void *a, const void *b)
{
	const struct sect *x = *(struct sect *const *)a, *y = *(struct sect *const *)b;
	int r = strcasecmp(x->name, y->name);

	return r ? r : (x->line > y->line) - (x->line < y->line);
}

static int cmp_ent(const void *a, const void *b)
{
	const struct ent *x = *(struct ent *const *)a, *y = *(struct ent *const *)b;
	int r = strcasecmp(x->key, y->key);

	return r ? r : (x->line > y->line) - (x->line < y->line);
}

/* Sorts sections and keys for lookups, and flags duplicates. */
static void find_dups(struct pctx *p)
{
	p->ssorted = calloc(p->ns + 1, sizeof *p->ssorted);
	p->esorted = calloc(p->ne + 1, sizeof *p->esorted);
	if (p->ssorted == NULL || p->esorted == NULL) {
		oom(p);
		return;
	}
	for (size_t i = 0; i < p->ns; i++)
		p->ssorted[i] = &p->sv[i];
	sort(p->ssorted, p->ns, sizeof *p->ssorted, cmp_sect);
	for (size_t i = 1; i < p->ns; i++) {
		struct sect *a = p->ssorted[i - 1], *b = p->ssorted[i];
		if (strcasecmp(a->name, b->name) == 0 && b->kind != SK_SKIP) {
			perr(p, b->line, b->name, NULL, "duplicate section (first at line %d)",
			     a->line);
			b->dup = true;
		}
	}
	for (size_t i = 0; i < p->ne; i++)
		p->esorted[i] = &p->ev[i];
	for (size_t s = 0; s < p->ns; s++) {
		struct ent **v = p->esorted + p->sv[s].first;
		sort(v, p->sv[s].n, sizeof *v, cmp_ent);
		for (size_t i = 1; i < p->sv[s].n; i++)
			if (strcasecmp(v[i - 1]->key, v[i]->key) == 0) {
				ent_err(p, v[i], "duplicate key (first at line %d)", v[i - 1]->line);
				v[i]->dup = true;
			}
	}
}

/* ---- pass 2: $(section\name) variables ---- */

static struct sect *sect_find(struct pctx *p, const char *name)
{
	size_t lo = 0, hi = p->ns;

	while (lo < hi) {	/* the first of equal names: the original */
		size_t mid = lo + (hi - lo) / 2;
		if (strcasecmp(p->ssorted[mid]->name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < p->ns && strcasecmp(p->ssorted[lo]->name, name) == 0)
		return p->ssorted[lo];
	return NULL;
}

static struct ent *key_find(struct pctx *p, const struct sect *s, const char *key)
{
	struct ent **v;
	size_t lo = 0, hi;

	if (s == NULL || p->esorted == NULL)
		return NULL;
	v = p->esorted + s->first;
	hi = s->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strcasecmp(v[mid]->key, key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < s->n && strcasecmp(v[lo]->key, key) == 0)
		return v[lo];
	return NULL;
}

/* $(name) is [Settings] name; $(section\name) names the section too. */
static struct ent *var_find(struct pctx *p, const char *ref, size_t n)
{
	char buf[LINE_MAX_LEN + 1], *bs;

	if (n > LINE_MAX_LEN)
		return NULL;
	memcpy(buf, ref, n);
	buf[n] = '\0';
	bs = strchr(buf, '\\');
	if (bs == NULL)
		return key_find(p, sect_find(p, "Settings"), buf);
	*bs = '\0';
	return key_find(p, sect_find(p, buf), bs + 1);
}

static bool append(char *out, size_t *n, const char *s, size_t len)
{
	if (len > LINE_MAX_LEN - *n)
		return false;
	memcpy(out + *n, s, len);
	*n += len;
	return true;
}

static bool expand_ent(struct pctx *p, struct ent *e, int depth);

/* Writes e's value with every $(...) replaced; false on error. */
static bool expand_into(struct pctx *p, struct ent *e, int depth, char *out, size_t *n)
{
	const char *s = e->raw;

	for (;;) {
		const char *v = strstr(s, "$("), *close = v ? strchr(v + 2, ')') : NULL;
		struct ent *t;

		if (close == NULL)
			return append(out, n, s, strlen(s)) ||
			       (ent_err(p, e, "longer than %d bytes after $(...) expansion",
					LINE_MAX_LEN), false);
		if (!append(out, n, s, (size_t)(v - s)))
			break;
		t = var_find(p, v + 2, (size_t)(close - v - 2));
		if (t == NULL) {
			ent_err(p, e, "undefined variable $(%.*s)", (int)(close - v - 2), v + 2);
			return false;
		}
		if (!expand_ent(p, t, depth + 1))
			return false;	/* reported where it failed */
		if (!append(out, n, t->val, strlen(t->val)))
			break;
		s = close + 1;
	}
	ent_err(p, e, "longer than %d bytes after $(...) expansion", LINE_MAX_LEN);
	return false;
}

static bool expand_ent(struct pctx *p, struct ent *e, int depth)
{
	char *out;
	size_t n = 0;
	bool ok;

	if (e->xstate == X_DONE || e->xstate == X_FAILED)
		return e->xstate == X_DONE;
	if (e->xstate == X_BUSY) {
		ent_err(p, e, "circular $(...) reference");
		return false;
	}
	if (strstr(e->raw, "$(") == NULL) {
		e->xstate = X_DONE;
		return true;
	}
	if (depth > VAR_DEPTH) {
		ent_err(p, e, "$(...) nested deeper than %d", VAR_DEPTH);
		e->xstate = X_FAILED;
		return false;
	}
	if ((out = malloc(LINE_MAX_LEN + 1)) == NULL) {
		oom(p);
		return false;
	}
	e->xstate = X_BUSY;
	ok = expand_into(p, e, depth, out, &n);
	out[n] = '\0';
	/* Expansion may not leave a reference behind: "$$(A)" with A="(x)". */
	if (ok && strstr(out, "$(")) {
		ent_err(p, e, "\"$(\" without a variable after expansion");
		ok = false;
	}
	if (!ok) {
		free(out);
		e->xstate = X_FAILED;
		return false;
	}
	e->val = out;
	e->val_heap = true;
	e->xstate = X_DONE;
	return true;
}

/* Flags every entry some $(...) names, so that a user variable such as
 * BaseDir is not taken for a typo even where its expansion fails. */
static void mark_refs(struct pctx *p)
{
	for (size_t i = 0; i < p->ne; i++) {
		const char *s = p->ev[i].raw, *v, *close;

		while ((v = strstr(s, "$(")) != NULL && (close = strchr(v + 2, ')')) != NULL) {
			struct ent *t = var_find(p, v + 2, (size_t)(close - v - 2));
			if (t)
				t->referenced = true;
			s = close + 1;
		}
	}
}

static void expand_all(struct pctx *p)
{
	mark_refs(p);
	for (size_t i = 0; i < p->ne && !p->oom; i++)
		if (!p->ev[i].dup && !p->sv[p->ev[i].sect].dup)
			expand_ent(p, &p->ev[i], 0);
}

/* ---- pass 3: keyword tables ---- */

struct kdef;
/* One word of a key that takes one of a few words (Role=primary). */
struct kchoice {
	const char *name;
	uint8_t value;
};
typedef void kfn(struct pctx *p, void *obj, const struct kdef *k, const struct ent *e,
		 unsigned idx);

enum {
	K_INDEXED = 1 << 0,	/* name is a prefix: "DNS_" matches DNS_0, DNS_1 ... */
	K_NONEMPTY = 1 << 1,
	K_G = 1 << 2,		/* allowed in [GENERAL] */
	K_S = 1 << 3,		/* allowed in [SUBNET:...] */
	K_H = 1 << 4,		/* allowed in client sections */
	K_REQUIRED = 1 << 5,	/* [FAILOVER]: must be given (with K_PRIMARY: on
				   the primary) */
	K_PRIMARY = 1 << 6,	/* [FAILOVER]: the primary's alone; an error on
				   the secondary */
	K_C = 1 << 7,		/* allowed in [CLASS:name] */
	K_P = 1 << 8,		/* allowed for a pool, as POOL_n.KEY */
	K_PREFIX = 1 << 9,	/* name is a prefix; the function reads the rest */
};

struct kdef {
	const char *name;
	kfn *fn;
	size_t off, size;	/* the field in the section's object */
	uint32_t min, max;
	unsigned flags;
	uint8_t code;		/* option keys */
	enum opt_type otype;
	const char *hint;	/* why not here, for scope keys */
	const struct kchoice *choices;	/* kv_choice: the words, NULL-ended */
};

static void *field(void *obj, const struct kdef *k)
{
	return (char *)obj + k->off;
}

static void kv_unused(struct pctx *p, void *obj, const struct kdef *k, const struct ent *e,
		      unsigned idx)
{
	(void)obj, (void)k, (void)idx;
	ent_warn(p, e, "not used by duodhcpd");
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
	ent_err(p, e, "\"%s\" is not %s", e->val, words);
}

/* The word of a kv_choice value, for printing the configuration. */
static const char *choice_name(const struct kchoice *c, uint8_t value)
{
	for (; c->name; c++)
		if (c->value == value)
			return c->name;
	return "?";
}

static const struct kchoice linksel_words[] = {
	{ "relays", CFG_LINKSEL_RELAYS }, { "off", CFG_LINKSEL_OFF }, { NULL, 0 },
};
static const struct kchoice fo_role_words[] = {
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
	if (!bool_parse(e->val, field(obj, k)))
		ent_err(p, e, "\"%s\" is not 0/1, true/false, yes/no or on/off", e->val);
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
	if (!u32_parse(e->val, &v) || v < k->min || v > k->max)
		ent_err(p, e, "\"%s\" is not a whole number from %lu to %lu", e->val,
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
	if (n >= sizeof num || !(memcpy(num, e->val, n), num[n] = '\0', u32_parse(num, &u)) ||
	    (v = u * mul) < k->min || v > k->max) {
		ent_err(p, e, "\"%s\" is not a size from %lu to %lu bytes (K, M, G allowed)",
			e->val, (unsigned long)k->min, (unsigned long)k->max);
		return;
	}
	*(uint32_t *)field(obj, k) = (uint32_t)v;
}

static bool text_ok(struct pctx *p, const struct ent *e)
{
	for (const char *s = e->val; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f || *s == '"') {
			ent_err(p, e, "control character or '\"' in the value");
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
		ent_err(p, e, "longer than %zu bytes", k->size - 1);
	else if (n == 0 && (k->flags & K_NONEMPTY))
		ent_err(p, e, "empty value");
	else
		memcpy(field(obj, k), e->val, n + 1);
}

static void kv_ip(struct pctx *p, void *obj, const struct kdef *k, const struct ent *e,
		  unsigned idx)
{
	(void)idx;
	if (!ip_str(e->val, field(obj, k)))
		ent_err(p, e, "\"%s\" is not an IPv4 address", e->val);
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
			ent_err(p, e, "at most 4 resolvers");
			return;
		}
		if (!ip_str(tok, &a) || a == 0) {
			ent_err(p, e, "\"%s\" is not an IPv4 address", tok);
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
	if (ip_str(tok, &out->net)) {
		out->mask = 0xffffffffu;
		if (out->net != 0)
			return true;
		ent_err(p, e, "0.0.0.0 is no relay's address");
	} else if (!cidr_parse(tok, &out->net, &out->mask, &hostbits))
		ent_err(p, e, "\"%s\" is not an IPv4 address or a.b.c.d/n", tok);
	else if (hostbits)
		ent_err(p, e, "\"%s\" has host bits set (the network is %s/%u)", tok,
			ipfmt(a, out->net), mask_prefix(out->mask));
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
			ent_err(p, e, "at most %d addresses or networks", CFG_TRUSTED_MAX);
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
	if (*e->val && !ip_str(e->val, &a))
		ent_err(p, e, "\"%s\" is not an IPv4 address", e->val);
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
		    index_parse(key + len, idx))
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
				ent_err(p, e, "unknown key");
			continue;
		}
		if (bit && !(k->flags & bit)) {
			ent_err(p, e, "not allowed in this section%s%s", k->hint ? ": " : "",
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
	struct prange *nv = grow(p, p->rv, p->nr, &p->caprv, sizeof *p->rv);

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
	char *dash = strchr(item, '-'), *a = trim(item), *b;
	uint32_t v;

	if (dash)
		*dash = '\0';
	a = trim(a);
	b = dash ? trim(dash + 1) : NULL;
	if (ip_str(a, first))
		*base = *first & 0xffffff00u;
	else if (*base != UINT32_MAX && u32_parse(a, &v) && v <= 255 && strlen(a) <= 3)
		*first = *base | v;
	else
		return *base == UINT32_MAX && u32_parse(a, &v) ?
		       "the first item needs a full address" : "not an address or range";
	if (b == NULL)
		*last = *first;
	else if (ip_str(b, last))
		;
	else if (u32_parse(b, &v) && v <= 255 && strlen(b) <= 3)
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
	if (*trim(buf) == '\0') {
		ent_err(p, e, "empty pool");
		return false;
	}
	do {
		if ((comma = strchr(s, ',')) != NULL)
			*comma = '\0';
		snprintf(item, sizeof item, "%s", s);	/* pool_item cuts s up */
		if ((why = pool_item(s, &base, &first, &last)) != NULL) {
			ent_err(p, e, "\"%.80s\": %s", trim(item), why);
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
	if ((nv = grow(p, p->pools, p->npools, &p->cappools, sizeof *p->pools)) == NULL)
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
	if (!ip_str(e->val, &a) || a == 0) {
		ent_err(p, e, "\"%s\" is not an IPv4 address (interface names are not "
			"supported: give the interface's address)", e->val);
		return;
	}
	if ((nv = grow(p, p->binds, p->nbinds, &p->capbinds, sizeof *p->binds)) == NULL)
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
		ent_err(p, e, "option %u is already set by %s (line %d)", code, old->e->key,
			old->e->line);
		return NULL;
	}
	if ((nv = grow(p, sc->opts, sc->nopts, &sc->capopts, sizeof *sc->opts)) == NULL)
		return NULL;
	sc->opts = nv;
	nv = &sc->opts[sc->nopts];
	*nv = (struct popt){ code, (uint16_t)len, NULL, e };
	if ((nv->data = malloc(len ? len : 1)) == NULL) {
		oom(p);
		return NULL;
	}
	if (data)
		memcpy(nv->data, data, len);
	sc->nopts++;
	return nv;
}

static bool nodetype_ok(const uint8_t *v, size_t len)
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
			ent_err(p, e, "needs 1 to %d characters", OPT_VALUE_MAX);
			return;
		}
		if (!text_ok(p, e))
			return;
		memcpy(buf, e->val, (size_t)n);
	} else if ((n = opt_encode(k->otype, e->val, buf, sizeof buf, why, sizeof why)) < 0) {
		ent_err(p, e, "\"%s\": %s", e->val, why);
		return;
	}
	if (k->code == 46 && !nodetype_ok(buf, (size_t)n)) {
		ent_err(p, e, "\"%s\" is not a NetBIOS node type (1, 2, 4 or 8)", e->val);
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

	if (!ip_str(e->val, &a)) {
		ent_err(p, e, "\"%s\" is not an IPv4 address", e->val);
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
	if ((nv = grow(p, l->v, l->n, &l->cap, sizeof *l->v)) == NULL)
		return;
	l->v = nv;
	l->v[l->n++] = (struct ipitem){ idx, a, e };
}

static const char *opt_reserved(unsigned code)
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
	while (is_blank(**rest))
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
		ent_err(p, e, "%s", why);
	else
		ent_err(p, e, "%s (dhcpsrv syntax; for option %u (%s) you may write "
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
			ent_err(p, e, "%d bytes are not a value of OPTIONDEF_%u", n, code);
			return;
		}
	} else
		n = opt_layout_encode(l, e->val, buf, sizeof buf, why, sizeof why);
	if (n < 0) {
		ent_err(p, e, "OPTIONDEF_%u: %s", code, why);
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
		ent_err(p, e, "option code must be 1 to 254");
		return;
	}
	if (config_optdef(p->c, (uint8_t)code)) {
		option_by_layout(p, obj, e, (uint8_t)code);
		return;
	}
	if (opt_reserved(code)) {
		ent_err(p, e, "option %u %s", code, opt_reserved(code));
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
		ent_err(p, e, "%d bytes are not a valid %s value for option %u (%s)", n,
			opt_type_name(d->type), code, d->name);
		return;
	}
	if ((rest = opt_constraint((uint8_t)code, buf, (size_t)n)) != NULL) {
		ent_err(p, e, "option %u%s%s%s: %s", code, d ? " (" : "", d ? d->name : "",
			d ? ")" : "", rest);
		return;
	}
	if (d && !typed && d->type >= OPT_U8 && d->type <= OPT_I32 && all_digits(e->val))
		ent_warn(p, e, "read as hex bytes (dhcpsrv syntax); write OPTION_%u=%s:%s "
			 "for a decimal number", code, opt_type_name(d->type), e->val);
	opt_add(p, obj, (uint8_t)code, buf, (size_t)n, e);
}

static void codes_add(struct cfg_codes *set, unsigned code)
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
		if (!u32_parse(t, &code) || code < 1 || code > 254)
			ent_err(p, e, "\"%s\" is not an option code (1 to 254)", t);
		else if (code != 1 && opt_reserved(code))
			ent_err(p, e, "option %" PRIu32 " %s", code, opt_reserved(code));
		else if (cfg_codes_has(set, (uint8_t)code))
			ent_err(p, e, "option %" PRIu32 " is listed twice", code);
		else if (cfg_codes_has(other, (uint8_t)code))
			ent_err(p, e, "option %" PRIu32 " is also in %s", code,
				k->code ? "AlwaysSend" : "NeverSend");
		else
			codes_add(set, code);
	}
}

/* The next blank-separated word of *sp, or NULL. */
static char *take_word(char **sp)
{
	char *w = skip_blank(*sp), *end = w;

	while (*end && !is_blank(*end))
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
	if (k->code == 125 && (!(w = take_word(&s)) || !u32_parse(w, &so.enterprise))) {
		ent_err(p, e, "expected ENTERPRISE CODE TYPE:VALUE, the enterprise number "
			"0 to 4294967295");
		return;
	}
	if (!(w = take_word(&s)) || !u32_parse(w, &v) || v < 1 || v > 254 ||
	    *(rest = skip_blank(s)) == '\0') {
		ent_err(p, e, "expected %sCODE TYPE:VALUE, the sub-option code 1 to 254",
			k->code == 125 ? "ENTERPRISE " : "");
		return;
	}
	so.code = (uint8_t)v;
	n = typed_prefix(rest, &t, &val) ? opt_encode(t, val, so.data, sizeof so.data, why,
						      sizeof why) :
	    opt_encode_dhcpsrv(rest, so.data, sizeof so.data, why, sizeof why);
	if (n < 0) {
		ent_err(p, e, "sub-option %u: %s", so.code, why);
		return;
	}
	so.len = (uint8_t)n;
	if (sc->nsubs >= OPT_VALUE_MAX) {	/* two bytes each at least: too long anyway */
		ent_err(p, e, "option %u would be longer than %d bytes", k->code, OPT_VALUE_MAX);
		return;
	}
	if (!(sc->subslots & bit)) {	/* its place among the options */
		if (opt_add(p, sc, k->code, NULL, 0, e) == NULL)
			return;
		sc->subslots |= bit;
	}
	if ((nv = grow(p, sc->subs, sc->nsubs, &sc->capsubs, sizeof *nv)) == NULL)
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
			ent_err(p, v[i].e, "option 125 would be longer than %d bytes", OPT_VALUE_MAX);
			return n;
		}
		memcpy(out + n, (uint8_t[4]){ en >> 24, en >> 16, en >> 8, en }, 4);
		n += 5;
		for (j = i; j < nv; j++) {
			if (v[j].enterprise != en)
				continue;
			for (size_t q = i; q < j; q++)
				if (v[q].enterprise == en && v[q].code == v[j].code)
					ent_err(p, v[j].e, "sub-option %u of enterprise %" PRIu32
						" is also set by %s (line %d)", v[j].code, en,
						v[q].e->key, v[q].e->line);
			if (!put_tlv(out, &n, OPT_VALUE_MAX, &v[j]))
				ent_err(p, v[j].e, "option 125 would be longer than %d bytes",
					OPT_VALUE_MAX);
			else if (n - at - 5 > 255)
				ent_err(p, v[j].e, "enterprise %" PRIu32 " has more than 255 bytes "
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
				ent_err(p, v[i].e, "sub-option %u is also set by %s (line %d)",
					v[i].code, v[q].e->key, v[q].e->line);
		if (!put_tlv(out, &n, OPT_VALUE_MAX, &v[i]))
			ent_err(p, v[i].e, "option 43 would be longer than %d bytes", OPT_VALUE_MAX);
	}
	return n;
}

static void finish_subopts(struct pctx *p, struct scope *sc)
{
	uint8_t buf[OPT_VALUE_MAX], *d;
	size_t i = 0, j, n;

	sort(sc->subs, sc->nsubs, sizeof *sc->subs, cmp_subopt);
	for (; i < sc->nsubs; i = j) {
		struct popt *o = opt_find(sc, sc->subs[i].opt);

		for (j = i + 1; j < sc->nsubs && sc->subs[j].opt == sc->subs[i].opt; j++)
			if (sc->subs[j].idx == sc->subs[j - 1].idx)
				ent_err(p, sc->subs[j].e, "same index as %s (line %d)",
					sc->subs[j - 1].e->key, sc->subs[j - 1].e->line);
		n = sc->subs[i].opt == 43 ? build_vendor43(p, sc->subs + i, j - i, buf) :
		    build_vivso(p, sc->subs + i, j - i, buf);
		if (o == NULL || (d = realloc(o->data, n ? n : 1)) == NULL) {
			oom(p);
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

		sort(l->v, l->n, sizeof *l->v, cmp_item);
		for (size_t j = 1; j < l->n; j++)
			if (l->v[j].idx == l->v[j - 1].idx)
				ent_err(p, l->v[j].e, "same index as %s (line %d)",
					l->v[j - 1].e->key, l->v[j - 1].e->line);
		if (l->n > LIST_MAX) {
			ent_err(p, l->v[LIST_MAX].e, "more than %d addresses", LIST_MAX);
			continue;
		}
		if ((d = realloc(o->data, l->n * 4)) == NULL) {
			oom(p);
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

static void scope_free(struct scope *sc)
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
		scope_free(&sc->pools[i].sc);
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
		ent_warn(p, e, "ignored: the client gets its subnet's mask");
	else if (!ip_str(e->val, &m) || !mask_ok(m))
		ent_err(p, e, "\"%s\" is not a contiguous netmask", e->val);
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
		if (!all_digits(n + 3) || !u32_parse(n + 3, &v) || v < 1 || v > 255)
			return "an option 82 sub-option is 1 to 255";
		m->subject = CFG_M_RAI;
		m->code = (uint8_t)v;
		return NULL;
	}
	if (!all_digits(n) || !u32_parse(n, &v) || v < 1 || v > 254)
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
	rest = save ? trim(save) : NULL;
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
		ent_err(p, e, "%s", err);
		free(m.data);
		return;
	}
	if ((nv = grow(p, sc->match, sc->nmatch, &sc->capmatch, sizeof *nv)) == NULL) {
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
	if ((nv = grow(p, p->pcls, p->npcls, &p->cappcls, sizeof *nv)) == NULL)
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
	if (n == 0 || n >= k->size || !key_chars_ok(e->val))
		ent_err(p, e, "expected a name of 1 to %zu letters, digits, '-', '_' or '.'",
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
#define NELEM(a)	(sizeof a / sizeof a[0])

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
	{ .name = "LinkSelection", .fn = kv_choice, .choices = linksel_words,
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

		if (*s == ':' || is_blank(*s))
			continue;
		if (v < 0 || n == 32) {
			ent_err(p, e, "not 64 hex digits (32 bytes, ':' between bytes allowed)");
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
		ent_err(p, e, "not 64 hex digits (32 bytes, ':' between bytes allowed)");
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

static const struct kdef failover_keys[] = {
	{ .name = "Role", .fn = kv_choice, .choices = fo_role_words,
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
		ent_err(p, e, "expected POOL_n.KEY, n the index of an IPPOOL_n");
		return;
	}
	memcpy(num, e->key + strlen(k->name), n);
	num[n] = '\0';
	if (!index_parse(num, &pool)) {
		ent_err(p, e, "expected POOL_n.KEY, n the index of an IPPOOL_n (0 to 9999)");
		return;
	}
	if ((in = kfind(scope_keys, NELEM(scope_keys), dot + 1, &idx)) == NULL) {
		ent_err(p, e, "unknown key %s: a pool takes options, NEXTSERVER, SNAME and "
			"BOOTFILE", dot + 1);
		return;
	}
	if (!(in->flags & K_P)) {
		ent_err(p, e, "a pool cannot set %s: only options, NEXTSERVER, SNAME and "
			"BOOTFILE", dot + 1);
		return;
	}
	for (size_t i = 0; i < sc->npools && pp == NULL; i++)
		if (sc->pools[i].idx == pool)
			pp = &sc->pools[i];
	if (pp == NULL) {
		if ((pp = grow(p, sc->pools, sc->npools, &sc->cappools, sizeof *pp)) == NULL)
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

	return len >= 1 && len < sizeof ((struct cfg_class *)0)->name && key_chars_ok(n);
}

static void classify(struct pctx *p, struct sect *s)
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
		    !cidr_parse(trim(buf), &s->net, &s->mask, &hostbits))
			perr(p, s->line, s->name, NULL, "expected [SUBNET:a.b.c.d/n]");
		else if (hostbits)
			perr(p, s->line, s->name, NULL, "host bits set in the network address");
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
			perr(p, s->line, s->name, NULL, "expected [CLASS:name], the name 1 to 31 "
			     "letters, digits, '-', '_' or '.'");
		return;
	}
	if (strncasecmp(s->name, "CLIENTID:", 9) == 0) {
		uint8_t cid[CFG_CID_MAX];
		s->cid = cid_parse(s->name + 9, cid) > 0;
		s->kind = s->cid ? SK_HOST : SK_SKIP;
		if (!s->cid)
			perr(p, s->line, s->name, NULL, "expected [CLIENTID:01:00:11:22:33:44:55]: "
			     "option 61 as 2 to %d bytes of two hex digits", CFG_CID_MAX);
		return;
	}
	mac = mac_parse(s->name, s->hw);
	if (mac == 1)
		s->kind = SK_HOST;
	else if (mac == 2) {
		sect_warn(p, s, "wildcard client sections are not supported; section ignored");
		s->kind = SK_SKIP;
	} else {
		perr(p, s->line, s->name, NULL, "unknown section (not a MAC address)");
		s->kind = SK_SKIP;
	}
}

static void do_fixed(struct pctx *p, struct sect *s)
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
	case SK_FAILOVER: run_table(p, s, failover_keys, NELEM(failover_keys), &p->c->fo); break;
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
		{ oom(p); return false; }
	o->v[0].code = 1;
	o->v[0].len = 4;
	if ((o->v[0].data = malloc(4)) == NULL)
		{ oom(p); return false; }
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
			{ oom(p); return false; }
		memcpy(o->v[at].data, src->data, src->len);
	}
	return true;
}

static size_t new_subnet(struct pctx *p, const char *name, uint32_t net, uint32_t mask,
			 uint32_t bind, const struct sect *s, const struct ent *e)
{
	struct config *c = p->c;
	struct cfg_subnet *nv, *sub;
	struct where *w;

	if ((nv = grow(p, c->subnets, c->nsubnets, &p->capsub, sizeof *nv)) == NULL)
		return SIZE_MAX;
	c->subnets = nv;
	if ((w = grow(p, p->subw, c->nsubnets, &p->capsubw, sizeof *w)) == NULL)
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

static void optset_free(struct cfg_optset *o);

/* The entry of key in the subnet's own section, else in [GENERAL]. */
static const struct ent *scope_key(struct pctx *p, const struct scope *ov, const char *key)
{
	const struct ent *e = ov ? key_find(p, ov->s, key) : NULL;
	return e ? e : key_find(p, p->general.s, key);
}

/* RFC 2131 section 4.4.5: T1 < T2; the bounds around LEASETIME.  A T1 or
 * T2 at or past a granted lease's end gives way to the defaults for that
 * lease (engine), so only their order is checked here. */
static void check_times(struct pctx *p, const struct cfg_subnet *sub, const struct scope *ov)
{
	const struct ent *e;

	if (sub->min_lease > sub->lease_time && (e = scope_key(p, ov, "MinLeaseTime")))
		ent_err(p, e, "%" PRIu32 " is above LEASETIME (%" PRIu32 ") of %s",
			sub->min_lease, sub->lease_time, sub->name);
	if (sub->max_lease && sub->max_lease < sub->lease_time &&
	    (e = scope_key(p, ov, "MaxLeaseTime")))
		ent_err(p, e, "%" PRIu32 " is below LEASETIME (%" PRIu32 ") of %s",
			sub->max_lease, sub->lease_time, sub->name);
	if (sub->t1 && sub->t2 && sub->t1 >= sub->t2 && (e = scope_key(p, ov, "T2")))
		ent_err(p, e, "T1 (%" PRIu32 ") must be below T2 (%" PRIu32 ") in %s",
			sub->t1, sub->t2, sub->name);
}

/* lease time, next server, boot file and options: overrides, else [GENERAL]. */
static void fill_subnet(struct pctx *p, struct cfg_subnet *sub, const struct scope *ov)
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
		oom(p);
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
			oom(p);
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
		if (pr->e->sect != e->sect || !index_parse(pr->e->key + 7, &n) || n != idx)
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
		oom(p);
		return;
	}
	for (size_t i = 0; i < sc->npools; i++) {
		const struct ppool *pp = &sc->pools[i];
		struct cfg_pool *cp = &sub->pools[sub->npools];

		finish_lists(p, &sc->pools[i].sc);
		if (!pool_ranges(p, pp->e, pp->idx, (uint32_t)sub->npools + 1)) {
			ent_err(p, pp->e, "no IPPOOL_%u in this section to go with", pp->idx);
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
static void do_subnet(struct pctx *p, struct sect *s)
{
	struct scope sc = { .kind = SK_SUBNET, .s = s };
	char name[48], a[16];
	size_t i = bind_in(p->c, s->net, s->mask);

	if (i != SIZE_MAX && !p->c->subnets[i].section) {
		struct cfg_subnet *sub = &p->c->subnets[i];
		sub->net = s->net;
		sub->mask = s->mask;
		sub->section = true;
		optset_free(&sub->opts);
		sub->opts = (struct cfg_optset){ 0 };
	} else {
		snprintf(name, sizeof name, "SUBNET:%s/%u", ipfmt(a, s->net),
			 mask_prefix(s->mask));
		if ((i = new_subnet(p, name, s->net, s->mask, 0, s, NULL)) == SIZE_MAX)
			return;
		p->c->subnets[i].relayed = true;
	}
	sc.subnet = i;
	run_table(p, s, scope_keys, NELEM(scope_keys), &sc);
	finish_lists(p, &sc);
	fill_subnet(p, &p->c->subnets[i], &sc);
	make_pools(p, &p->c->subnets[i], &sc);
	memcpy(p->c->subnets[i].shared, sc.shared, sizeof sc.shared);
	if (sc.shared[0])
		p->subw[i].shared = key_find(p, s, "SharedNetwork");
	scope_free(&sc);
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
	n = cid_parse(s->name + 9, cid);
	if ((h->cid = malloc((size_t)n)) == NULL) {
		oom(p);
		return false;
	}
	memcpy(h->cid, cid, (size_t)n);
	h->cid_len = (uint8_t)n;
	snprintf(h->name, sizeof h->name, "CLIENTID:%s", text_hex(hex, cid, (size_t)n, ':'));
	return true;
}

static void do_host(struct pctx *p, struct sect *s)
{
	struct scope sc = { .kind = SK_HOST, .s = s };
	struct config *c = p->c;
	struct cfg_host *h;
	struct where *w;

	struct cfg_opt *ov;

	run_table(p, s, scope_keys, NELEM(scope_keys), &sc);
	finish_lists(p, &sc);
	if ((h = grow(p, c->hosts, c->nhosts, &p->caphost, sizeof *h)) != NULL)
		c->hosts = h;
	if ((w = grow(p, p->hostw, c->nhosts, &p->caphostw, sizeof *w)) != NULL)
		p->hostw = w;
	if ((ov = calloc(sc.nopts + 1, sizeof *ov)) == NULL)
		oom(p);
	if (h == NULL || w == NULL || ov == NULL) {
		free(ov);
		scope_free(&sc);
		return;
	}
	h = &c->hosts[c->nhosts];
	memset(h, 0, sizeof *h);
	h->opts.v = ov;
	p->hostw[c->nhosts++] = (struct where){ s, key_find(p, s, "IPADDR") };
	if (!host_id(p, s, h)) {
		scope_free(&sc);
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
	scope_free(&sc);
}

static bool dup_index(struct pctx *p, const struct ent *a, unsigned ia, const struct ent *b,
		      unsigned ib);

static int cmp_pmatch(const void *a, const void *b)
{
	const struct pmatch *x = a, *y = b;

	return (x->idx > y->idx) - (x->idx < y->idx);
}

/* The Match_n of a class, in the order of n, move to the class. */
static bool class_matches(struct pctx *p, struct scope *sc, struct cfg_class *k)
{
	sort(sc->match, sc->nmatch, sizeof *sc->match, cmp_pmatch);
	for (size_t i = 1; i < sc->nmatch; i++)
		dup_index(p, sc->match[i - 1].e, sc->match[i - 1].idx, sc->match[i].e,
			  sc->match[i].idx);
	if (sc->nmatch == 0)
		perr(p, sc->s->line, sc->s->name, NULL, "a class needs at least one Match_n");
	if ((k->match = calloc(sc->nmatch + 1, sizeof *k->match)) == NULL) {
		oom(p);
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
static void do_class(struct pctx *p, struct sect *s)
{
	struct scope sc = { .kind = SK_CLASS, .s = s };
	struct config *c = p->c;
	struct cfg_class *k;

	run_table(p, s, scope_keys, NELEM(scope_keys), &sc);
	finish_lists(p, &sc);
	if (c->nclasses == CFG_CLASS_MAX) {
		perr(p, s->line, s->name, NULL, "more than %d classes", CFG_CLASS_MAX);
		scope_free(&sc);
		return;
	}
	if ((k = grow(p, c->classes, c->nclasses, &p->capclass, sizeof *k)) == NULL) {
		scope_free(&sc);
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
		oom(p);
	scope_free(&sc);
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
			ent_err(p, e, "no [CLASS:%.40s]", t + neg);
			return false;
		}
		*(neg ? deny : allow) |= 1ull << i;
	}
	if (*allow == 0 && *deny == 0)
		ent_err(p, e, "no class named");
	return *allow || *deny;
}

/* Each POOLCLASS_n applies to the IPPOOL_n of its section. */
static void resolve_poolclass(struct pctx *p)
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
			    !index_parse(pr->e->key + 7, &idx) || idx != pc->idx)
				continue;
			pr->allow = allow;
			pr->deny = deny;
			found = true;
		}
		if (!found)
			ent_err(p, pc->e, "no IPPOOL_%u in this section to go with", pc->idx);
	}
}

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
			ent_err(p, b->e, "in the same subnet as %s", p->c->subnets[other].name);
			continue;
		}
		snprintf(name, sizeof name, "IPBIND_%u", b->idx);
		if (new_subnet(p, name, b->addr & m, m, b->addr, p->general.s, b->e) == SIZE_MAX)
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
				ent_err(p, pl->e, "no IPBIND_%u to go with (AssociateBindsToPools=1)",
					pl->idx);
				return;
			}
		} else if (s == SIZE_MAX && p->nbinds) {
			ent_err(p, pl->e, "%s is in no IPBIND_n subnet", ipfmt(a, pr->first));
			continue;
		} else if (s == SIZE_MAX) {
			snprintf(name, sizeof name, "IPPOOL_%u", pl->idx);
			s = new_subnet(p, name, pr->first & c->subnet_mask, c->subnet_mask, 0,
				       p->general.s, pl->e);
			if (s == SIZE_MAX)
				return;
		}
		pr->subnet = s;
	}
}

static bool dup_index(struct pctx *p, const struct ent *a, unsigned ia, const struct ent *b,
		      unsigned ib)
{
	if (ia != ib)
		return false;
	ent_err(p, b, "same index as %s (line %d)", a->key, a->line);
	return true;
}

/* IPBIND_n and IPPOOL_n into subnets; see docs/config.md "Subnets". */
static void build_direct(struct pctx *p)
{
	sort(p->binds, p->nbinds, sizeof *p->binds, cmp_bind);
	sort(p->pools, p->npools, sizeof *p->pools, cmp_pool);
	for (size_t i = 1; i < p->nbinds; i++)
		dup_index(p, p->binds[i - 1].e, p->binds[i - 1].idx, p->binds[i].e, p->binds[i].idx);
	for (size_t i = 1; i < p->npools; i++)
		dup_index(p, p->pools[i - 1].e, p->pools[i - 1].idx, p->pools[i].e, p->pools[i].idx);
	if (p->nbinds + p->npools == 0)
		return;
	if (p->c->subnet_mask == 0) {
		ent_err(p, p->nbinds ? p->binds[0].e : p->pools[0].e,
			"no SUBNETMASK in [GENERAL] to derive the subnet from");
		return;
	}
	binds_to_subnets(p);
	for (size_t i = 0; i < p->npools; i++)
		place_pool(p, &p->pools[i]);
	for (size_t i = 0; i < p->c->nsubnets; i++)
		fill_subnet(p, &p->c->subnets[i], NULL);
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
	return mask_prefix(s->mask) <= 30 && (a == s->net || a == (s->net | ~s->mask));
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
			ent_err(p, r->e, "%s-%s is outside %s (%s/%u)", ipfmt(a, r->first),
				ipfmt(b, r->last), s->name, ipfmt(n, s->net), mask_prefix(s->mask));
		else if (edge_addr(s, r->first) || edge_addr(s, r->last))
			ent_err(p, r->e, "%s-%s includes the network or broadcast address",
				ipfmt(a, r->first), ipfmt(b, r->last));
		else
			continue;
		r->subnet = SIZE_MAX;
	}
	sort(p->rv, p->nr, sizeof *p->rv, cmp_range);
	for (size_t i = 0; i < p->nr; i++) {
		const struct prange *r = &p->rv[i];
		if (r->subnet == SIZE_MAX)
			continue;
		if (prev && r->first <= prev->last)
			ent_err(p, r->e, "%s-%s overlaps %s (line %d)", ipfmt(a, r->first),
				ipfmt(b, r->last), prev->e->key, prev->e->line);
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
		oom(p);
		return;
	}
	for (size_t i = 0; i < c->nsubnets; i++)
		v[i] = &c->subnets[i];
	sort(v, c->nsubnets, sizeof *v, cmp_subnet);
	for (size_t i = 1; i < c->nsubnets; i++) {
		const struct cfg_subnet *a = v[i - 1], *b = v[i];
		const struct where *w = &p->subw[b - c->subnets];
		if (contains(a, b->net) || contains(b, a->net)) {
			if (w->e)
				ent_err(p, w->e, "subnet overlaps %s", a->name);
			else
				perr(p, w->s->line, w->s->name, NULL, "subnet overlaps %s", a->name);
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
			oom(p);
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
		oom(p);
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
			optset_free(&sub->pools[i].own);
			optset_free(&sub->pools[i].opts);
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
		oom(p);
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
		ent_warn(p, p->subw[first].shared, "shared network %s has only this subnet",
			 g->shared);
	for (size_t k = 0; k < g->ngroup; k++) {
		size_t j = g->group[k];
		const struct ent *e = p->subw[j].shared;
		if (c->subnets[j].bind_addr && direct != SIZE_MAX)
			ent_err(p, e, "shared network %s already holds the directly attached "
				"link %s: a shared network is one link", g->shared,
				c->subnets[direct].name);
		else if (c->subnets[j].bind_addr)
			direct = j;
		if (!has_pool(p, j))
			continue;
		if (pool != SIZE_MAX && c->subnets[pool].failover != c->subnets[j].failover)
			ent_err(p, e, "shared network %s mixes pools in failover and not (%s "
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
		vreport(p, false, w->e->line, w->s->name, w->e->key, fmt, ap);
	else
		vreport(p, false, w->s->line, w->s->name, NULL, fmt, ap);
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
		host_err(p, i, "%s is not inside any subnet", ipfmt(a, h->addr));
	else if (edge_addr(s, h->addr))
		host_err(p, i, "%s is the network or broadcast address", ipfmt(a, h->addr));
	else if (h->addr == s->bind_addr)
		host_err(p, i, "%s is the server's own address", ipfmt(a, h->addr));
}

static void check_hosts(struct pctx *p)
{
	const struct config *c = p->c;
	size_t *v = calloc(c->nhosts + 1, sizeof *v);

	if (v == NULL) {
		oom(p);
		return;
	}
	for (size_t i = 0; i < c->nhosts; i++) {
		v[i] = i;
		if (c->hosts[i].addr)
			check_host_addr(p, i);
	}
	sort_r(v, c->nhosts, sizeof *v, cmp_host_addr, (void *)c);
	for (size_t i = 1; i < c->nhosts; i++)
		if (c->hosts[v[i]].addr && c->hosts[v[i]].addr == c->hosts[v[i - 1]].addr)
			host_err(p, v[i], "address already reserved for [%s] (line %d)",
				 p->hostw[v[i - 1]].s->name, p->hostw[v[i - 1]].s->line);
	sort_r(v, c->nhosts, sizeof *v, cmp_host_id, (void *)c);
	for (size_t i = 1; i < c->nhosts; i++)
		if (same_id(&c->hosts[v[i]], &c->hosts[v[i - 1]]))
			perr(p, p->hostw[v[i]].s->line, p->hostw[v[i]].s->name, NULL,
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
		perr(p, 0, NULL, NULL, "no subnet: give IPPOOL_n (and IPBIND_n) in [Settings] "
		     "or a [SUBNET:a.b.c.d/n] section");
	else if (!serve)
		pwarn(p, "no IPPOOL_n and no client section with IPADDR: only DHCPINFORM "
		      "is answered");
	for (size_t i = 0; i < p->ns; i++)
		if (p->sv[i].kind == SK_DUODHCP) {
			t1 = key_find(p, &p->sv[i], "T1Percent");
			t2 = key_find(p, &p->sv[i], "T2Percent");
		}
	/* RFC 2131 section 4.4.5: T1 < T2; the defaults are 50% and 87.5%. */
	if ((c->t1_pct ? c->t1_pct * 10 : 500) >= (c->t2_pct ? c->t2_pct * 10 : 875)) {
		const struct ent *e = t2 ? t2 : t1;
		if (e)
			ent_err(p, e, "T1 must be below T2 (defaults 50 and 87.5)");
	}
}

/* ---- [FAILOVER] ---- */

static bool ent_ip(const struct ent *e, uint32_t *a)
{
	return e && !e->dup && e->xstate == X_DONE && ip_str(e->val, a);
}

/* Required keys given, and the primary's keys on the primary alone (ISC:
 * "primary failover server must have mclt", "secondary may not define load
 * balance settings"; dhcpd.conf(5): mclt "may not be specified on the
 * secondary"). */
static void fo_presence(struct pctx *p, const struct sect *s, uint8_t role)
{
	for (size_t i = 0; i < NELEM(failover_keys); i++) {
		const struct kdef *k = &failover_keys[i];
		const struct ent *e = key_find(p, s, k->name);
		bool primary = k->flags & K_PRIMARY;

		if (primary && e && role == CFG_FO_SECONDARY)
			ent_err(p, e, "only the primary sets this (the secondary takes it from "
				"the primary's CONNECT)");
		else if ((k->flags & K_REQUIRED) && !e && (!primary || role == CFG_FO_PRIMARY))
			perr(p, s->line, s->name, k->name, "missing: required%s",
			     primary ? " on the primary" : "");
	}
}

static void fo_addresses(struct pctx *p, const struct sect *s)
{
	const struct cfg_failover *fo = &p->c->fo;
	const struct ent *e[2] = { key_find(p, s, "Address"), key_find(p, s, "PeerAddress") };
	uint32_t a[2];
	bool ok[2];

	for (int i = 0; i < 2; i++) {
		ok[i] = ent_ip(e[i], &a[i]);
		/* 0.0.0.0 and multicast: nothing to listen on or connect to. */
		if (ok[i] && (a[i] == 0 || a[i] >= 0xe0000000u)) {
			ent_err(p, e[i], "%s is not a unicast address", e[i]->val);
			ok[i] = false;
		}
	}
	if (ok[0] && ok[1] && a[0] == a[1] && fo->port == fo->peer_port)
		ent_err(p, e[1], "is this server's own Address and Port: the peer is the "
			"other server");
}

static void fo_split(struct pctx *p, const struct sect *s)
{
	struct cfg_failover *fo = &p->c->fo;
	const struct ent *split = key_find(p, s, "Split"), *hba = key_find(p, s, "HBA");

	if (split && hba)
		ent_err(p, hba->line > split->line ? hba : split,
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

	if (!cidr_parse(tok, &net, &mask, &hostbits)) {
		ent_err(p, e, "\"%.80s\" is not a subnet a.b.c.d/n (or \"all\" alone)", tok);
		return false;
	}
	if (hostbits) {
		ent_err(p, e, "%s: host bits set in the network address", tok);
		return false;
	}
	for (i = 0; i < c->nsubnets; i++)
		if (c->subnets[i].net == net && c->subnets[i].mask == mask)
			break;
	if (i == c->nsubnets)
		ent_err(p, e, "%s is not a subnet of this file", tok);
	else if (!has_pool(p, i))
		ent_err(p, e, "%s (%s) has no pool", tok, c->subnets[i].name);
	else if (c->subnets[i].failover)
		ent_err(p, e, "%s is listed twice", tok);
	else {
		c->subnets[i].failover = true;
		return true;
	}
	return false;
}

/* Pools=all (the default) or a list of subnets: every range of those is
 * shared with the peer (ISC: "failover peer" in their pool statements). */
static void fo_pools(struct pctx *p, const struct sect *s)
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
			ent_err(p, e, "empty: give \"all\" or subnets a.b.c.d/n");
		return;
	}
	for (size_t i = 0; i < c->nsubnets; i++)
		if (has_pool(p, i)) {
			c->subnets[i].failover = true;
			n++;
		}
	if (n == 0 && e)
		ent_err(p, e, "no subnet of this file has a pool to share");
	else if (n == 0)
		perr(p, s->line, s->name, "Pools", "no subnet of this file has a pool to share");
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
			ent_err(p, r->e, "%s-%s holds this server's address %s (%s), and the pool "
				"is shared with the failover peer, which would hand it out",
				ipfmt(a, r->first), ipfmt(b, r->last), ipfmt(x, sub->bind_addr),
				sub->name);
		for (int k = 0; k < 2; k++) {
			const struct ent *e = key_find(p, s, keys[k]);
			if (ent_ip(e, &v) && v >= r->first && v <= r->last)
				ent_err(p, e, "%s is inside the failover pool %s-%s (%s line %d)",
					e->val, ipfmt(a, r->first), ipfmt(b, r->last), r->e->key,
					r->e->line);
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
	fo_pools(p, s);
	fo_own_addresses(p, s);
	if (p->c->fo.min_balance > p->c->fo.max_balance &&
	    (lb = key_find(p, s, "MinBalance")) != NULL)
		ent_err(p, lb, "%" PRIu32 " is above MaxBalance (%" PRIu32 ")",
			p->c->fo.min_balance, p->c->fo.max_balance);
	/* ISC warns the same way (failover.c, dhcp_failover_sanity_check). */
	if (p->c->fo.lb_max_secs == 0 && (lb = key_find(p, s, "LoadBalanceMaxSeconds")))
		ent_warn(p, lb, "0 turns load balancing off: both servers answer every client");
	for (size_t i = 0; i < p->ns; i++)
		if (p->sv[i].kind == SK_SETTINGS &&
		    (sync = key_find(p, &p->sv[i], "SyncServer")) != NULL && *sync->val)
			ent_warn(p, sync, "with [FAILOVER] the leases already reach the peer; "
				 "SyncServer pulls them a second way");
}

/* OPTIONDEF_nn=LAYOUT for a code without a built-in definition. */
static void optdef_add(struct pctx *p, const struct ent *e, unsigned code)
{
	struct cfg_optdef d = { .code = (uint8_t)code }, *nv;
	const struct opt_def *b = code >= 1 && code <= 254 ? opt_def_by_code((uint8_t)code) : NULL;
	char why[128];

	if (code < 1 || code > 254)
		ent_err(p, e, "option code must be 1 to 254");
	else if (opt_reserved(code))
		ent_err(p, e, "option %u %s", code, opt_reserved(code));
	else if (b)
		ent_err(p, e, "option %u (%s) has a built-in definition%s", code, b->name,
			code == 43 ? "; its sub-options are VENDOR43_n" : "");
	else if (config_optdef(p->c, (uint8_t)code))
		ent_err(p, e, "option %u is defined twice", code);
	else if (opt_layout_parse(e->val, &d.layout, why, sizeof why) < 0)
		ent_err(p, e, "\"%s\": %s", e->val, why);
	else if ((nv = grow(p, p->c->optdefs, p->c->noptdefs, &p->capoptdefs, sizeof *nv))) {
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
			    index_parse(e->key + 10, &code))
				optdef_add(p, e, code);
		}
	}
	sort(p->c->optdefs, p->c->noptdefs, sizeof *p->c->optdefs, cmp_optdef);
}

static void interpret(struct pctx *p)
{
	static const enum skind order[] = { SK_SETTINGS, SK_GENERAL, SK_DNS, SK_HTTP,
					    SK_TFTP, SK_DUODHCP, SK_FAILOVER };

	for (size_t i = 0; i < p->ns; i++)
		classify(p, &p->sv[i]);
	read_optdefs(p);
	for (size_t k = 0; k < NELEM(order); k++)
		for (size_t i = 0; i < p->ns; i++)
			if (p->sv[i].kind == order[k])
				do_fixed(p, &p->sv[i]);
	if (p->general.lease_time)
		p->c->lease_time = p->general.lease_time;
	p->c->subnet_mask = p->general.mask;
	build_direct(p);
	for (size_t i = 0; i < p->ns && !p->oom; i++) {
		if (p->sv[i].kind == SK_SUBNET)
			do_subnet(p, &p->sv[i]);
		else if (p->sv[i].kind == SK_HOST)
			do_host(p, &p->sv[i]);
		else if (p->sv[i].kind == SK_CLASS)
			do_class(p, &p->sv[i]);
	}
	if (p->oom)
		return;
	resolve_poolclass(p);
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

static void defaults(struct config *c)
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
	scope_free(&p->general);
	free(p->buf);
}

struct config *config_parse(const char *name, const char *buf, size_t len, FILE *errs)
{
	struct pctx p = { .file = name ? name : "(config)", .errs = errs };
	struct config *c;

	if (len > FILE_MAX_LEN) {
		perr(&p, 0, NULL, NULL, "larger than %u bytes", FILE_MAX_LEN);
		return NULL;
	}
	p.c = c = calloc(1, sizeof *c);
	p.buf = malloc(len + 1);
	if (c == NULL || p.buf == NULL) {
		oom(&p);
		free(c);
		free(p.buf);
		return NULL;
	}
	memcpy(p.buf, buf, len);
	p.buf[len] = '\0';
	snprintf(c->path, sizeof c->path, "%s", p.file);
	defaults(c);
	lex(&p, len);
	if (!p.oom)
		find_dups(&p);
	if (!p.oom)
		expand_all(&p);
	if (!p.oom)
		interpret(&p);
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

static void optset_free(struct cfg_optset *o)
{
	for (size_t i = 0; i < o->n; i++)
		free(o->v[i].data);
	free(o->v);
}

void config_free(struct config *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < c->nsubnets; i++) {
		free(c->subnets[i].ranges);
		free(c->subnets[i].group);
		optset_free(&c->subnets[i].opts);
		for (size_t j = 0; j < c->subnets[i].npools; j++) {
			optset_free(&c->subnets[i].pools[j].own);
			optset_free(&c->subnets[i].pools[j].opts);
		}
		free(c->subnets[i].pools);
	}
	for (size_t i = 0; i < c->nhosts; i++) {
		optset_free(&c->hosts[i].opts);
		free(c->hosts[i].cid);
	}
	for (size_t i = 0; i < c->nclasses; i++) {
		for (size_t j = 0; j < c->classes[i].nmatch; j++)
			free(c->classes[i].match[j].data);
		free(c->classes[i].match);
		optset_free(&c->classes[i].opts);
	}
	free(c->classes);
	free(c->subnets);
	free(c->hosts);
	free(c->optdefs);
	free(c);
}

const struct opt_layout *config_optdef(const struct config *c, uint8_t code)
{
	for (size_t i = 0; i < c->noptdefs; i++)
		if (c->optdefs[i].code == code)
			return &c->optdefs[i].layout;
	return NULL;
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

/* ---- printing: the effective configuration as an INI file ---- */

static void print_str(FILE *out, const char *key, const char *v)
{
	fprintf(out, plain_ok(v) ? "%s=%s\n" : "%s=\"%s\"\n", key, v);
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
			fputs(ipfmt(a, r->first), out);
		else
			fprintf(out, "%s-%s", ipfmt(a, r->first), ipfmt(b, r->last));
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
		fprintf(out, "NEXTSERVER=%s\n", ipfmt(a, siaddr));
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
		codes_add(&seen, v[i]);
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
				fprintf(out, "%s_%zu=%s\n", list, j / 4 + 1, ipfmt(a,
					(uint32_t)v[0] << 24 | (uint32_t)v[1] << 16 | v[2] << 8 | v[3]));
			}
			continue;
		}
		if (text && o->len && !memchr(o->data, 0, o->len)) {
			memcpy(s, o->data, o->len);
			s[o->len] = '\0';
			if (plain_ok(s)) {
				fprintf(out, "%s=%s\n", text, s);
				continue;
			}
		}
		if (o->code == 46 && nodetype_ok(o->data, o->len))
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
			fprintf(out, "IPBIND_%u=%s\n", n, ipfmt(a, s->bind_addr));
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
		fprintf(out, "SUBNETMASK=%s\n", ipfmt(a, c->subnet_mask));
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
			fprintf(out, "%s%s", i ? "," : "", ipfmt(a, c->dns_forward[i]));
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
		fprintf(out, "%s%s", i ? "," : "", ipfmt(a, c->trusted[i].net));
		if (c->trusted[i].mask != 0xffffffffu)
			fprintf(out, "/%u", mask_prefix(c->trusted[i].mask));
	}
	fprintf(out, "\nLinkSelection=%s\n", choice_name(linksel_words, c->link_selection));
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
		choice_name(fo_role_words, fo->role), ipfmt(a, fo->addr),
		fo->port);
	fprintf(out, "PeerAddress=%s\nPeerPort=%u\n", ipfmt(a, fo->peer_addr), fo->peer_port);
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
			fprintf(out, "%s%s/%u", k++ ? "," : "", ipfmt(a, c->subnets[i].net),
				mask_prefix(c->subnets[i].mask));
	fputs(fo->all_pools ? "all\n" : "\n", out);
	/* What the peer's -t must show the same (docs/config.md, [FAILOVER]). */
	fputs("; failover pools:", out);
	r = fo_ranges(c, &n);
	for (size_t i = 0; r && i < n; i++)
		fprintf(out, "%s %s-%s", i ? "," : "", ipfmt(a, r[i].first), ipfmt(b, r[i].last));
	free(r);
	fprintf(out, "\n; failover pools fingerprint: %016llx\n",
		(unsigned long long)config_failover_fingerprint(c));
}

static void print_subnet(const struct config *c, const struct cfg_subnet *s, FILE *out)
{
	char a[16];

	fprintf(out, "\n[SUBNET:%s/%u]\n", ipfmt(a, s->net), mask_prefix(s->mask));
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
		fprintf(out, "IPADDR=%s\n", ipfmt(a, h->addr));
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
	sort(v, k, sizeof *v, cmp_cfg_range);
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
						"here, not in %s\n", cx->path, ipfmt(a, (uint32_t)at),
						ipfmt(b, (uint32_t)(end - 1)), other);
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
			      ipfmt(x, a->fo.peer_addr), b->path, ipfmt(y, b->fo.addr));
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
