/* Configuration: messages (file, line, section, key) and the small
 * parsers every pass uses. */
#include "conf/parse.h"

/* ---- messages ---- */

__attribute__((format(printf, 6, 0)))
void conf_vreport(struct pctx *p, bool warn, int line, const char *sect,
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
void conf_perr(struct pctx *p, int line, const char *sect, const char *key,
	       const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	conf_vreport(p, false, line, sect, key, fmt, ap);
	va_end(ap);
}

__attribute__((format(printf, 2, 3)))
void conf_pwarn(struct pctx *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	conf_vreport(p, true, 0, NULL, NULL, fmt, ap);
	va_end(ap);
}

__attribute__((format(printf, 3, 4)))
void conf_ent_err(struct pctx *p, const struct ent *e, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	conf_vreport(p, false, e->line, p->sv[e->sect].name, e->key, fmt, ap);
	va_end(ap);
}

__attribute__((format(printf, 3, 4)))
void conf_ent_warn(struct pctx *p, const struct ent *e, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	conf_vreport(p, true, e->line, p->sv[e->sect].name, e->key, fmt, ap);
	va_end(ap);
}

__attribute__((format(printf, 3, 4)))
void conf_sect_warn(struct pctx *p, const struct sect *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	conf_vreport(p, true, s->line, s->name, NULL, fmt, ap);
	va_end(ap);
}

void conf_oom(struct pctx *p)
{
	if (!p->oom)
		conf_perr(p, 0, NULL, NULL, "out of memory");
	p->oom = true;
}

/* Makes room for one more element; returns the (maybe moved) array or NULL. */
void *conf_grow(struct pctx *p, void *v, size_t n, size_t *cap, size_t size)
{
	size_t nc;
	void *nv;

	if (n < *cap)
		return v;
	nc = *cap ? *cap * 2 : 8;
	if (nc > SIZE_MAX / size || (nv = realloc(v, nc * size)) == NULL) {
		conf_oom(p);
		return NULL;
	}
	*cap = nc;
	return nv;
}

/* qsort, which may not be handed a NULL array even when it is empty. */
void conf_sort(void *v, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
	if (n > 1)
		qsort(v, n, size, cmp);
}

void conf_sort_r(void *v, size_t n, size_t size,
		 int (*cmp)(const void *, const void *, void *), void *ctx)
{
	if (n > 1)
		qsort_r(v, n, size, cmp, ctx);
}

/* ---- small parsers ---- */

bool conf_is_blank(char c)
{
	return c == ' ' || c == '\t';
}

char *conf_skip_blank(char *s)
{
	while (conf_is_blank(*s))
		s++;
	return s;
}

char *conf_trim(char *s)
{
	size_t n;

	s = conf_skip_blank(s);
	n = strlen(s);
	while (n > 0 && conf_is_blank(s[n - 1]))
		n--;
	s[n] = '\0';
	return s;
}

bool conf_ip_str(const char *s, uint32_t *out)
{
	return text_ip4_parse(s, strlen(s), out);
}

bool conf_u32_parse(const char *s, uint32_t *out)
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

bool conf_bool_parse(const char *s, bool *out)
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

unsigned conf_mask_prefix(uint32_t mask)
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

bool conf_mask_ok(uint32_t mask)
{
	return mask != 0 && prefix_mask(conf_mask_prefix(mask)) == mask;
}

const char *conf_ipfmt(char buf[TEXT_IP4_LEN], uint32_t a)
{
	return text_ip4(a, buf);
}

/* 00-11-22-33-44-55, 00:11:22:33:44:55 or 001122334455.  Returns 1 for a
 * MAC, 2 for a dhcpsrv wildcard ("??" bytes), 0 otherwise. */
int conf_mac_parse(const char *s, uint8_t hw[6])
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
int conf_cid_parse(const char *s, uint8_t out[CFG_CID_MAX])
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
bool conf_cidr_parse(const char *s, uint32_t *net, uint32_t *mask, bool *hostbits)
{
	const char *slash = strchr(s, '/');
	uint32_t a, p;

	if (slash == NULL || !text_ip4_parse(s, (size_t)(slash - s), &a) ||
	    !conf_u32_parse(slash + 1, &p) || p < 1 || p > 32 || strlen(slash + 1) > 2)
		return false;
	*mask = prefix_mask(p);
	*net = a & *mask;
	*hostbits = a != *net;
	return true;
}

/* Parses digits after a key prefix ("DNS_" + "1"). */
bool conf_index_parse(const char *s, unsigned *out)
{
	uint32_t v;

	if (strlen(s) > 4 || !conf_u32_parse(s, &v) || v > INDEX_MAX)
		return false;
	*out = v;
	return true;
}

/* Text that needs no quotes to survive the reader. */
bool conf_plain_ok(const char *v)
{
	size_t n = strlen(v);

	if (n == 0 || conf_is_blank(v[0]) || conf_is_blank(v[n - 1]) || strstr(v, "$("))
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)v[i] < 0x20 || v[i] == 0x7f || v[i] == ';' || v[i] == '"')
			return false;
	return true;
}

/* Reports b when it has the index of a, an entry of the same list (DNS_1
 * and DNS_01): true then. */
bool conf_dup_index(struct pctx *p, const struct ent *a, unsigned ia, const struct ent *b,
		    unsigned ib)
{
	if (ia != ib)
		return false;
	conf_ent_err(p, b, "same index as %s (line %d)", a->key, a->line);
	return true;
}

/* ---- small helpers on the result ---- */

void conf_optset_free(struct cfg_optset *o)
{
	for (size_t i = 0; i < o->n; i++)
		free(o->v[i].data);
	free(o->v);
}

const struct opt_layout *config_optdef(const struct config *c, uint8_t code)
{
	for (size_t i = 0; i < c->noptdefs; i++)
		if (c->optdefs[i].code == code)
			return &c->optdefs[i].layout;
	return NULL;
}
