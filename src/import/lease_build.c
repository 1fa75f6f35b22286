/* The lease file readers' shared half: the result under construction
 * (last record of an address wins, sorted by address; notes in line
 * order), a line cursor and the small text codecs of the three formats
 * (lease_readers.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "common/text.h"
#include "core/record.h"
#include "import/lease_readers.h"

bool lf_is(const char *s, size_t n, const char *w)
{
	return strlen(w) == n && memcmp(s, w, n) == 0;
}

bool lf_next_line(struct lf_lines *c, const char **p, size_t *n)
{
	if (rd_left(&c->r) == 0)
		return false;
	const char *s = (const char *)c->r.p + c->r.off;
	size_t left = rd_left(&c->r);
	const char *nl = memchr(s, '\n', left);
	size_t len = nl ? (size_t)(nl - s) : left;

	rd_bytes(&c->r, nl ? len + 1 : len);
	c->line++;
	if (len && s[len - 1] == '\r')
		len--;
	*p = s;
	*n = len;
	return true;
}

int lf_hex_colon(const char *p, size_t n, uint8_t *out, size_t max)
{
	size_t count = 0, i = 0;

	if (n == 0)
		return -1;
	while (i < n) {
		int hi = text_hexval(p[i]), lo;

		if (hi < 0)
			return -1;
		i++;
		if (i < n && (lo = text_hexval(p[i])) >= 0) {
			hi = hi << 4 | lo;
			i++;
		}
		if (count == max)
			return -2;
		out[count++] = (uint8_t)hi;
		if (i < n && (p[i] != ':' || ++i == n))
			return -1;
	}
	return (int)count;
}

bool lf_uint(const char *p, size_t n, uint64_t max, uint64_t *out)
{
	uint64_t x = 0;

	if (n == 0 || n > 20)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return false;
		unsigned d = (unsigned)(p[i] - '0');
		if (x > (UINT64_MAX - d) / 10)
			return false;
		x = x * 10 + d;
	}
	if (x > max)
		return false;
	*out = x;
	return true;
}

void lf_printable(char *out, size_t cap, const char *p, size_t n)
{
	size_t k = 0;

	for (; k < n && k + 1 < cap; k++)
		out[k] = p[k] >= 0x20 && p[k] < 0x7f ? p[k] : '?';
	if (cap)
		out[k] = 0;
}

int64_t lf_time_clamp(int64_t x)
{
	return x < 0 ? 0 : x > LEASEFILE_NEVER ? LEASEFILE_NEVER : x;
}

/* ---- The result under construction ---- */

void lf_note(struct lf_build *b, unsigned line, uint8_t kind, uint32_t addr,
	     const char *fmt, ...)
{
	struct leasefile *lf = b->lf;

	if (kind == LEASEFILE_ERROR)
		lf->errors++;
	if (lf->nnotes == b->notes_cap) {
		size_t cap = b->notes_cap ? 2 * b->notes_cap : 16;
		struct leasefile_note *n = realloc(lf->notes, cap * sizeof *n);

		if (!n) {
			b->oom = true;
			return;
		}
		lf->notes = n;
		b->notes_cap = cap;
	}
	struct leasefile_note *note = &lf->notes[lf->nnotes++];
	va_list ap;

	*note = (struct leasefile_note){ .line = line, .kind = kind, .addr = addr };
	va_start(ap, fmt);
	vsnprintf(note->why, sizeof note->why, fmt, ap);
	va_end(ap);
}

static struct lf_entry *entry_new(struct lf_build *b)
{
	if (b->n == b->cap) {
		size_t cap = b->cap ? 2 * b->cap : 64;
		struct lf_entry *e = realloc(b->e, cap * sizeof *e);

		if (!e) {
			b->oom = true;
			return NULL;
		}
		b->e = e;
		b->cap = cap;
	}
	struct lf_entry *e = &b->e[b->n];

	*e = (struct lf_entry){ .seq = b->n };
	b->n++;
	b->lf->records++;
	return e;
}

void lf_add(struct lf_build *b, const struct lease_rec *rec)
{
	struct lf_entry *e = entry_new(b);

	if (!e)
		return;
	e->rec = *rec;
	e->rec.cid = NULL;
	e->rec.hostname = NULL;
	e->rec.cid_len = 0;
	if (rec->cid_len) {
		e->rec.cid = malloc(rec->cid_len);
		if (!e->rec.cid)
			goto oom;
		memcpy(e->rec.cid, rec->cid, rec->cid_len);
		e->rec.cid_len = rec->cid_len;
	}
	if (rec->hostname && rec->hostname[0]) {
		e->rec.hostname = strdup(rec->hostname);
		if (!e->rec.hostname)
			goto oom;
	}
	return;
oom:
	b->oom = true;
	e->gone = true;
}

void lf_add_gone(struct lf_build *b, uint32_t addr)
{
	struct lf_entry *e = entry_new(b);

	if (e) {
		e->rec.addr = addr;
		e->gone = true;
	}
}

struct leasefile_fo *lf_fo_entry(struct lf_build *b, const char *name)
{
	struct leasefile *lf = b->lf;

	for (size_t i = 0; i < lf->nfo; i++)
		if (strcmp(lf->fo[i].name, name) == 0)
			return &lf->fo[i];
	if (lf->nfo == LEASEFILE_FO_MAX)
		return NULL;
	if (lf->nfo == b->fo_cap) {
		size_t cap = b->fo_cap ? 2 * b->fo_cap : 2;
		struct leasefile_fo *f = realloc(lf->fo, cap * sizeof *f);

		if (!f) {
			b->oom = true;
			return NULL;
		}
		lf->fo = f;
		b->fo_cap = cap;
	}
	struct leasefile_fo *f = &lf->fo[lf->nfo++];

	*f = (struct leasefile_fo){ 0 };
	snprintf(f->name, sizeof f->name, "%s", name);
	return f;
}

/* By address, then file order: the last of a run is the one that wins. */
static int entry_cmp(const void *x, const void *y)
{
	const struct lf_entry *a = x, *b = y;

	if (a->rec.addr != b->rec.addr)
		return a->rec.addr < b->rec.addr ? -1 : 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* Notes in line order: a note about a whole lease block names its first
 * line but is made at its end, after the notes of its statements.  An
 * insertion sort, stable, and linear here: only such a note moves, and
 * only past the notes of its own block. */
static void sort_notes(struct leasefile *lf)
{
	for (size_t i = 1; i < lf->nnotes; i++) {
		struct leasefile_note n = lf->notes[i];
		size_t j = i;

		while (j > 0 && lf->notes[j - 1].line > n.line) {
			lf->notes[j] = lf->notes[j - 1];
			j--;
		}
		lf->notes[j] = n;
	}
}

/* Keeps the last entry of each address (unless it removes the address)
 * and frees the rest. */
int lf_finish(struct lf_build *b)
{
	struct leasefile *lf = b->lf;

	if (b->n)
		qsort(b->e, b->n, sizeof *b->e, entry_cmp);
	lf->recs = malloc((b->n ? b->n : 1) * sizeof *lf->recs);
	if (!lf->recs)
		b->oom = true;
	for (size_t i = 0; i < b->n; i++) {
		struct lf_entry *e = &b->e[i];
		bool last = i + 1 == b->n || b->e[i + 1].rec.addr != e->rec.addr;

		if (!last)
			lf->replaced++;
		if (last && !e->gone && lf->recs)
			lf->recs[lf->n++] = e->rec;
		else
			record_clear(&e->rec);
	}
	free(b->e);
	b->e = NULL;
	sort_notes(lf);
	return b->oom ? -1 : 0;
}
