/* Configuration, passes 1 and 2: the bounded reader (sections, KEY=VALUE,
 * duplicates) and dhcpsrv's $(section\\name) variables. */
#include "conf/parse.h"

/* ---- pass 1: the reader ---- */

/* OPTION_nn, also as a pool's POOL_n.OPTION_nn. */
static bool is_option_key(const char *key)
{
	const char *dot = strchr(key, '.');

	if (strncasecmp(key, "POOL_", 5) == 0 && dot)
		key = dot + 1;
	return strncasecmp(key, "OPTION_", 7) == 0;
}

bool conf_key_chars_ok(const char *k)
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
	struct sect *nv = conf_grow(p, p->sv, p->ns, &p->capsv, sizeof *p->sv);

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
		conf_perr(p, line, NULL, NULL, "section header without ']'");
		add_section(p, s, line, true);
		return;
	}
	rest = conf_skip_blank(close + 1);
	*close = '\0';
	name = conf_trim(s + 1);
	if (*rest && *rest != ';' && *rest != '#') {
		conf_perr(p, line, name, NULL, "text after ']'");
		add_section(p, name, line, true);
	} else if (*name == '\0') {
		conf_perr(p, line, NULL, NULL, "empty section name");
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
		conf_perr(p, line, sect, NULL, "expected KEY=VALUE");
		return;
	}
	*eq = '\0';
	key = conf_trim(s);
	val = eq + 1;
	strip_comment(val);
	val = conf_trim(val);
	if (*key == '\0' || !conf_key_chars_ok(key)) {
		conf_perr(p, line, sect, NULL, "bad key name \"%s\"", key);
		return;
	}
	if (!is_option_key(key))
		val = unquote(val);
	if (p->ns == 0) {
		conf_perr(p, line, NULL, key, "outside any section");
		return;
	}
	if ((nv = conf_grow(p, p->ev, p->ne, &p->capev, sizeof *p->ev)) == NULL)
		return;
	p->ev = nv;
	p->ev[p->ne] = (struct ent){ .line = line, .sect = p->ns - 1, .key = key,
				     .raw = val, .val = val };
	p->ne++;
	p->sv[p->ns - 1].n++;
}

static void lex_line(struct pctx *p, char *s, int line)
{
	s = conf_skip_blank(s);
	if (*s == '\0' || *s == ';' || *s == '#')
		return;
	if (*s == '[')
		lex_section(p, s, line);
	else
		lex_entry(p, s, line);
}

void conf_lex(struct pctx *p, size_t len)
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
			conf_perr(p, line, NULL, NULL, "line longer than %d bytes", LINE_MAX_LEN);
		else if (memchr(s, '\0', n))
			conf_perr(p, line, NULL, NULL, "NUL byte in line");
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
void conf_find_dups(struct pctx *p)
{
	p->ssorted = calloc(p->ns + 1, sizeof *p->ssorted);
	p->esorted = calloc(p->ne + 1, sizeof *p->esorted);
	if (p->ssorted == NULL || p->esorted == NULL) {
		conf_oom(p);
		return;
	}
	for (size_t i = 0; i < p->ns; i++)
		p->ssorted[i] = &p->sv[i];
	conf_sort(p->ssorted, p->ns, sizeof *p->ssorted, cmp_sect);
	for (size_t i = 1; i < p->ns; i++) {
		struct sect *a = p->ssorted[i - 1], *b = p->ssorted[i];
		if (strcasecmp(a->name, b->name) == 0 && b->kind != SK_SKIP) {
			conf_perr(p, b->line, b->name, NULL, "duplicate section (first at line %d)",
			     a->line);
			b->dup = true;
		}
	}
	for (size_t i = 0; i < p->ne; i++)
		p->esorted[i] = &p->ev[i];
	for (size_t s = 0; s < p->ns; s++) {
		struct ent **v = p->esorted + p->sv[s].first;
		conf_sort(v, p->sv[s].n, sizeof *v, cmp_ent);
		for (size_t i = 1; i < p->sv[s].n; i++)
			if (strcasecmp(v[i - 1]->key, v[i]->key) == 0) {
				conf_ent_err(p, v[i], "duplicate key (first at line %d)",
					     v[i - 1]->line);
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

struct ent *conf_key_find(struct pctx *p, const struct sect *s, const char *key)
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
		return conf_key_find(p, sect_find(p, "Settings"), buf);
	*bs = '\0';
	return conf_key_find(p, sect_find(p, buf), bs + 1);
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
			       (conf_ent_err(p, e, "longer than %d bytes after $(...) expansion",
					LINE_MAX_LEN), false);
		if (!append(out, n, s, (size_t)(v - s)))
			break;
		t = var_find(p, v + 2, (size_t)(close - v - 2));
		if (t == NULL) {
			conf_ent_err(p, e, "undefined variable $(%.*s)", (int)(close - v - 2), v + 2);
			return false;
		}
		if (!expand_ent(p, t, depth + 1))
			return false;	/* reported where it failed */
		if (!append(out, n, t->val, strlen(t->val)))
			break;
		s = close + 1;
	}
	conf_ent_err(p, e, "longer than %d bytes after $(...) expansion", LINE_MAX_LEN);
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
		conf_ent_err(p, e, "circular $(...) reference");
		return false;
	}
	if (strstr(e->raw, "$(") == NULL) {
		e->xstate = X_DONE;
		return true;
	}
	if (depth > VAR_DEPTH) {
		conf_ent_err(p, e, "$(...) nested deeper than %d", VAR_DEPTH);
		e->xstate = X_FAILED;
		return false;
	}
	if ((out = malloc(LINE_MAX_LEN + 1)) == NULL) {
		conf_oom(p);
		return false;
	}
	e->xstate = X_BUSY;
	ok = expand_into(p, e, depth, out, &n);
	out[n] = '\0';
	/* Expansion may not leave a reference behind: "$$(A)" with A="(x)". */
	if (ok && strstr(out, "$(")) {
		conf_ent_err(p, e, "\"$(\" without a variable after expansion");
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

void conf_expand_all(struct pctx *p)
{
	mark_refs(p);
	for (size_t i = 0; i < p->ne && !p->oom; i++)
		if (!p->ev[i].dup && !p->sv[p->ev[i].sect].dup)
			expand_ent(p, &p->ev[i], 0);
}
