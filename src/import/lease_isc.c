/* ISC dhcpd's lease file (dhcpd.leases(5), as 4.4 writes and reads it):
 * "lease A.B.C.D { statement; ... }" blocks among other top-level
 * declarations.  A small tokenizer (words, strings, punctuation; '#'
 * comments) over the bounded reader, then one handler per statement we
 * read; every other statement is skipped whole (to its ';' or the end of
 * its balanced braces).  After damage the reader goes on at the next
 * "lease" that starts a line, so every error is reported. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "common/text.h"
#include "failover/state.h"
#include "failover/wire.h"
#include "import/lease_readers.h"

enum tok_kind { TK_EOF, TK_WORD, TK_STRING, TK_PUNCT, TK_BAD };

struct tok {
	uint8_t kind;
	char punct;		/* TK_PUNCT: one of { } ; = , ('"' for TK_BAD: an
				 * unterminated string) */
	const char *p;		/* word text, a string's raw contents */
	size_t n;
	unsigned line;
	bool bol;		/* the first token of its line */
};

struct isc {
	struct lf_build *b;
	struct rd r;
	unsigned line;
	bool bol;		/* no token yet on the current line */
	struct tok t;		/* the current token */
	unsigned prev_line;	/* the line of the token before it */
	uint32_t addr;		/* of the lease being read, for notes */
};

/* One lease block as it is read. */
struct isc_lease {
	struct lease_rec rec;
	uint8_t cid[LEASE_CID_MAX];
	char host[LEASE_HOST_MAX + 1];
	bool state_seen;
	unsigned line;
};

/* ---- Tokenizer ---- */

static int peekc(const struct isc *s)
{
	return rd_left(&s->r) ? s->r.p[s->r.off] : -1;
}

static void skip_space(struct isc *s)
{
	int c;

	while ((c = peekc(s)) >= 0) {
		if (c == '\n') {
			s->line++;
			s->bol = true;
		} else if (c == '#') {
			while ((c = peekc(s)) >= 0 && c != '\n')
				rd_u8(&s->r);
			continue;
		} else if (c != ' ' && c != '\t' && c != '\r' && c != '\f' && c != '\v') {
			return;
		}
		rd_u8(&s->r);
	}
}

static bool word_byte(int c)
{
	return c > ' ' && c != 0x7f && !memchr("{};=,\"#", c, 7);
}

/* A string's raw contents up to its closing quote (escapes kept). */
static void lex_string(struct isc *s)
{
	struct tok *t = &s->t;
	int c;

	rd_u8(&s->r);
	t->p = (const char *)s->r.p + s->r.off;
	while ((c = peekc(s)) >= 0 && c != '"') {
		rd_u8(&s->r);
		if (c == '\n')
			s->line++;
		if (c == '\\' && peekc(s) >= 0) {
			if (peekc(s) == '\n')
				s->line++;
			rd_u8(&s->r);
		}
	}
	t->n = (size_t)((const char *)s->r.p + s->r.off - t->p);
	if (c < 0) {
		t->kind = TK_BAD;
		t->punct = '"';
		return;
	}
	rd_u8(&s->r);
	t->kind = TK_STRING;
}

static void next(struct isc *s)
{
	struct tok *t = &s->t;
	int c;

	s->prev_line = t->line;
	skip_space(s);
	*t = (struct tok){ .line = s->line, .bol = s->bol };
	s->bol = false;
	c = peekc(s);
	if (c < 0) {
		t->kind = TK_EOF;
	} else if (c == '"') {
		lex_string(s);
	} else if (memchr("{};=,", c, 5)) {
		t->kind = TK_PUNCT;
		t->punct = (char)rd_u8(&s->r);
	} else if (word_byte(c)) {
		t->kind = TK_WORD;
		t->p = (const char *)s->r.p + s->r.off;
		while ((c = peekc(s)) >= 0 && word_byte(c))
			rd_u8(&s->r);
		t->n = (size_t)((const char *)s->r.p + s->r.off - t->p);
	} else {
		t->kind = TK_BAD;
		t->p = (const char *)s->r.p + s->r.off;
		t->n = 1;
		rd_u8(&s->r);
	}
}

static bool is_punct(const struct isc *s, char c)
{
	return s->t.kind == TK_PUNCT && s->t.punct == c;
}

static bool is_word(const struct isc *s, const char *w)
{
	return s->t.kind == TK_WORD && lf_is(s->t.p, s->t.n, w);
}

/* A lease block starts here: where the reader resynchronises. */
static bool at_lease(const struct isc *s)
{
	return s->t.bol && is_word(s, "lease");
}

/* What the current token is, for a message. */
static const char *tok_what(const struct isc *s, char *buf, size_t cap)
{
	const struct tok *t = &s->t;

	switch (t->kind) {
	case TK_EOF:
		return "end of file";
	case TK_STRING:
		return "a string";
	case TK_PUNCT:
		snprintf(buf, cap, "'%c'", t->punct);
		return buf;
	case TK_WORD:
		buf[0] = '\'';
		lf_printable(buf + 1, cap - 2, t->p, t->n);
		strcat(buf, "'");
		return buf;
	default:
		if (t->punct == '"')
			return "an unterminated string";
		snprintf(buf, cap, "byte 0x%02x", (unsigned char)t->p[0]);
		return buf;
	}
}

/* An error at the current token, or at the line before it (what is
 * missing after a token belongs to that token's line): a note; returns
 * false for the caller. */
static bool fail_at(struct isc *s, unsigned line, const char *fmt, va_list ap)
{
	char why[100], what[40];

	vsnprintf(why, sizeof why, fmt, ap);
	lf_note(s->b, line, LEASEFILE_ERROR, s->addr, "%s, found %s", why,
		tok_what(s, what, sizeof what));
	return false;
}

static bool fail(struct isc *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bool fail(struct isc *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fail_at(s, s->t.line, fmt, ap);
	va_end(ap);
	return false;
}

static bool fail_after(struct isc *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bool fail_after(struct isc *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fail_at(s, s->prev_line, fmt, ap);
	va_end(ap);
	return false;
}

static bool expect_semi(struct isc *s, const char *after)
{
	if (!is_punct(s, ';'))
		return fail_after(s, "expected ';' after %s", after);
	next(s);
	return true;
}

/* ---- Strings ---- */

static int octal3(const char *p, size_t n)
{
	if (n < 3 || p[0] < '0' || p[0] > '3' || p[1] < '0' || p[1] > '7' ||
	    p[2] < '0' || p[2] > '7')
		return -1;
	return (p[0] - '0') << 6 | (p[1] - '0') << 3 | (p[2] - '0');
}

/* One escape after a backslash at p[0]: the byte into *out, the bytes
 * used; 0 when malformed.  ISC writes \ooo (quotify_buf), and reads
 * \t \r \n \b and \xHH too; any other escaped byte stands for itself. */
static size_t unescape(const char *p, size_t n, uint8_t *out)
{
	static const char from[] = "trnb", to[] = "\t\r\n\b";
	const char *m;
	int v;

	if (n == 0)
		return 0;
	if ((m = memchr(from, p[0], 4)) != NULL) {
		*out = (uint8_t)to[m - from];
		return 1;
	}
	if (p[0] >= '0' && p[0] <= '7') {
		if ((v = octal3(p, n)) < 0)
			return 0;
		*out = (uint8_t)v;
		return 3;
	}
	if (p[0] == 'x') {
		if (n < 3 || text_hexval(p[1]) < 0 || text_hexval(p[2]) < 0)
			return 0;
		*out = (uint8_t)(text_hexval(p[1]) << 4 | text_hexval(p[2]));
		return 3;
	}
	*out = (uint8_t)p[0];
	return 1;
}

/* The current string token decoded into out.  Returns the length, -1
 * for a malformed escape, -2 when longer than max. */
static int string_decode(const struct tok *t, uint8_t *out, size_t max)
{
	size_t i = 0, len = 0;

	while (i < t->n) {
		uint8_t c = (uint8_t)t->p[i++];

		if (c == '\\') {
			size_t used = unescape(t->p + i, t->n - i, &c);

			if (used == 0)
				return -1;
			i += used;
		}
		if (len == max)
			return -2;
		out[len++] = c;
	}
	return (int)len;
}

/* ---- Skipping what we do not read ---- */

/* Skips one statement whose first word is already read: up to its ';',
 * or to the end of its balanced braces. */
static bool skip_statement(struct isc *s, const char *name)
{
	unsigned depth = 0;

	for (;;) {
		if (s->t.kind == TK_EOF)
			return fail(s, "unexpected end of file in '%s'", name);
		if (s->t.kind == TK_BAD)
			return fail(s, "unreadable '%s'", name);
		if (at_lease(s))
			return fail(s, "no end of '%s' before the next lease", name);
		if (is_punct(s, '{')) {
			if (++depth > 64)
				return fail(s, "braces nested too deep in '%s'", name);
		} else if (is_punct(s, '}')) {
			if (depth == 0)
				return fail_after(s, "expected ';' after '%s'", name);
			if (--depth == 0) {
				next(s);
				return true;
			}
		} else if (is_punct(s, ';') && depth == 0) {
			next(s);
			return true;
		}
		next(s);
	}
}

/* ---- Statements of a lease ---- */

static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	/* Proleptic Gregorian days since 1970-01-01 (H. Hinnant's algorithm). */
	y -= m <= 2;
	int64_t era = y / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? (unsigned)-3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + (int64_t)doe - 719468;
}

static bool leap(uint64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* n numbers of p separated by sep, each at most max[i]. */
static bool split_uints(const char *p, size_t len, char sep, const uint64_t *max,
			uint64_t *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const char *e = i + 1 < n ? memchr(p, sep, len) : p + len;

		if (!e || !lf_uint(p, (size_t)(e - p), max[i], &v[i]))
			return false;
		len -= (size_t)(e - p) + (i + 1 < n);
		p = e + 1;
	}
	return true;
}

/* "YYYY/MM/DD" and "HH:MM:SS", UTC, as Unix seconds. */
static bool date_time(const struct tok *d, const struct tok *t, int64_t *out)
{
	static const unsigned mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	static const uint64_t dmax[] = { 9999, 12, 31 }, tmax[] = { 23, 59, 60 };
	uint64_t ymd[3], hms[3];

	if (!split_uints(d->p, d->n, '/', dmax, ymd, 3) ||
	    !split_uints(t->p, t->n, ':', tmax, hms, 3))
		return false;
	if (ymd[0] < 1970 || ymd[1] == 0 || ymd[2] == 0 || ymd[2] > mdays[ymd[1] - 1] ||
	    (ymd[1] == 2 && ymd[2] == 29 && !leap(ymd[0])))
		return false;
	*out = days_from_civil((int64_t)ymd[0], (unsigned)ymd[1], (unsigned)ymd[2]) * 86400 +
	       (int64_t)(hms[0] * 3600 + hms[1] * 60 + hms[2]);
	return true;
}

/* "never", "epoch N" or "W YYYY/MM/DD HH:MM:SS" (ISC's parse_date). */
static bool st_time(struct isc *s, const char *name, int64_t *out)
{
	uint64_t x;

	if (is_word(s, "never")) {
		*out = LEASEFILE_NEVER;
	} else if (is_word(s, "epoch")) {
		next(s);
		if (s->t.kind != TK_WORD || !lf_uint(s->t.p, s->t.n, UINT64_MAX, &x))
			return fail(s, "expected seconds after '%s epoch'", name);
		*out = x > (uint64_t)LEASEFILE_NEVER ? LEASEFILE_NEVER : (int64_t)x;
	} else {
		struct tok d, t;

		if (s->t.kind != TK_WORD || s->t.n != 1 || s->t.p[0] < '0' || s->t.p[0] > '6')
			return fail(s, "expected a weekday (0-6), 'epoch' or 'never' after '%s'", name);
		next(s);
		d = s->t;
		next(s);
		t = s->t;
		if (d.kind != TK_WORD || t.kind != TK_WORD || !date_time(&d, &t, out))
			return fail(s, "expected YYYY/MM/DD HH:MM:SS after '%s'", name);
		*out = lf_time_clamp(*out);
	}
	next(s);
	return expect_semi(s, name);
}

/* The time statements, by name and field. */
static int64_t *time_field(struct lease_rec *r, const struct tok *t)
{
	static const struct { const char *name; size_t off; } fields[] = {
		{ "starts", offsetof(struct lease_rec, start) },
		{ "ends", offsetof(struct lease_rec, end) },
		{ "cltt", offsetof(struct lease_rec, cltt) },
		{ "tstp", offsetof(struct lease_rec, tstp) },
		{ "tsfp", offsetof(struct lease_rec, tsfp) },
		{ "atsfp", offsetof(struct lease_rec, atsfp) },
	};

	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
		if (lf_is(t->p, t->n, fields[i].name))
			return (int64_t *)(void *)((char *)r + fields[i].off);
	return NULL;
}

/* "binding state NAME;".  The bootp and reserved states are older ISC
 * spellings that ISC itself reads as active plus a flag (BOOTP_LEASE,
 * RESERVED_LEASE); we read both as active with LEASE_F_BOOTP, our one
 * flag for a binding the client will not renew, the nearest to both. */
static bool st_binding(struct isc *s, struct isc_lease *l, bool ours)
{
	uint8_t st = 0;

	next(s);
	if (!is_word(s, "state"))
		return fail(s, "expected 'state' after 'binding'");
	next(s);
	if (s->t.kind == TK_WORD) {
		st = lease_state_parse(s->t.p, s->t.n);
		if (is_word(s, "bootp") || is_word(s, "reserved")) {
			st = LEASE_ACTIVE;
			if (ours)
				l->rec.flags |= LEASE_F_BOOTP;
		}
	}
	if (!st)
		return fail(s, "unknown binding state");
	if (ours) {
		l->rec.state = st;
		l->state_seen = true;
	}
	next(s);
	return expect_semi(s, "binding state");
}

/* ISC's hardware type names (common/tables.c hardware_types). */
static int htype_of(const struct tok *t)
{
	static const struct { const char *name; uint8_t htype; } types[] = {
		{ "ethernet", 1 }, { "token-ring", 6 }, { "fddi", 8 }, { "infiniband", 32 },
	};
	uint64_t x;

	for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
		if (lf_is(t->p, t->n, types[i].name))
			return types[i].htype;
	if (t->n > 8 && memcmp(t->p, "unknown-", 8) == 0 && lf_uint(t->p + 8, t->n - 8, 255, &x))
		return (int)x;
	return -1;
}

static bool st_hardware(struct isc *s, struct isc_lease *l)
{
	int htype, n;

	next(s);
	if (s->t.kind != TK_WORD || (htype = htype_of(&s->t)) < 0)
		return fail(s, "unknown hardware type");
	next(s);
	l->rec.htype = (uint8_t)htype;
	l->rec.hlen = 0;
	if (is_punct(s, ';')) {	/* the type alone (InfiniBand: RFC 4390) */
		next(s);
		return true;
	}
	if (s->t.kind != TK_WORD)
		return fail(s, "expected a hardware address");
	n = lf_hex_colon(s->t.p, s->t.n, l->rec.hw, LEASE_HW_MAX);
	if (n == -2)
		return fail(s, "hardware address longer than %d bytes", LEASE_HW_MAX);
	if (n < 0)
		return fail(s, "malformed hardware address");
	l->rec.hlen = (uint8_t)n;
	next(s);
	return expect_semi(s, "hardware");
}

/* uid "\001RT..." (octal escapes, ISC's default) or uid 01:52:54:...
 * (lease-id-format hex). */
static bool st_uid(struct isc *s, struct isc_lease *l)
{
	int n;

	next(s);
	if (s->t.kind == TK_STRING)
		n = string_decode(&s->t, l->cid, LEASE_CID_MAX);
	else if (s->t.kind == TK_WORD)
		n = lf_hex_colon(s->t.p, s->t.n, l->cid, LEASE_CID_MAX);
	else
		return fail(s, "expected a string or hex bytes after 'uid'");
	if (n == -2)
		return fail(s, "uid longer than %d bytes", LEASE_CID_MAX);
	if (n < 0)
		return fail(s, "malformed uid");
	l->rec.cid_len = (uint8_t)n;
	l->rec.cid = n ? l->cid : NULL;
	next(s);
	return expect_semi(s, "uid");
}

/* A name we cannot hold is left out (a SKIP note), not the lease. */
static bool st_hostname(struct isc *s, struct isc_lease *l)
{
	int n;

	next(s);
	if (s->t.kind != TK_STRING)
		return fail(s, "expected a string after 'client-hostname'");
	n = string_decode(&s->t, (uint8_t *)l->host, LEASE_HOST_MAX);
	if (n == -1)
		return fail(s, "malformed client-hostname");
	if (n == -2 || memchr(l->host, 0, (size_t)n)) {
		lf_note(s->b, s->t.line, LEASEFILE_SKIP, s->addr, "client-hostname %s: left out",
			n == -2 ? "longer than 255 bytes" : "holds a NUL byte");
		l->rec.hostname = NULL;
	} else {
		l->host[n] = 0;
		l->rec.hostname = l->host;
	}
	next(s);
	return expect_semi(s, "client-hostname");
}

/* One statement inside a lease block; the current token is its first. */
static bool lease_statement(struct isc *s, struct isc_lease *l)
{
	int64_t *tf = time_field(&l->rec, &s->t);
	char name[32];

	lf_printable(name, sizeof name, s->t.p, s->t.n);
	if (tf) {
		next(s);
		return st_time(s, name, tf);
	}
	if (is_word(s, "binding"))
		return st_binding(s, l, true);
	if (is_word(s, "next") || is_word(s, "rewind")) {
		/* ISC's pending transitions, not a state we hold. */
		next(s);
		if (!is_word(s, "binding"))
			return fail(s, "expected 'binding state' after '%s'", name);
		return st_binding(s, l, false);
	}
	if (is_word(s, "hardware"))
		return st_hardware(s, l);
	if (is_word(s, "uid"))
		return st_uid(s, l);
	if (is_word(s, "client-hostname"))
		return st_hostname(s, l);
	if (is_word(s, "dynamic-bootp") || is_word(s, "reserved")) {
		/* The flags ISC writes for the two (see st_binding). */
		l->rec.flags |= LEASE_F_BOOTP;
		next(s);
		return expect_semi(s, name);
	}
	if (is_word(s, "abandoned")) {	/* ISC 2.x/3.0's flag form */
		l->rec.state = LEASE_ABANDONED;
		l->state_seen = true;
		next(s);
		return expect_semi(s, name);
	}
	/* set, on, vendor-class-identifier, ddns-*, and whatever else. */
	next(s);
	return skip_statement(s, name);
}

/* Ends a read lease block: its state, the check that it names a client,
 * then the record (or its removal). */
static void lease_done(struct isc *s, struct isc_lease *l)
{
	struct lease_rec *r = &l->rec;

	if (!l->state_seen)	/* files without binding states, as ISC reads them */
		r->state = r->end > s->b->now ? LEASE_ACTIVE : LEASE_FREE;
	if ((r->state == LEASE_ACTIVE || r->state == LEASE_EXPIRED ||
	     r->state == LEASE_RELEASED) && r->hlen == 0 && r->cid_len == 0) {
		lf_note(s->b, l->line, LEASEFILE_SKIP, r->addr,
			"%s lease with no hardware address or uid: no client to tie it to",
			lease_state_name(r->state));
		lf_add_gone(s->b, r->addr);
		return;
	}
	lf_add(s->b, r);
}

/* "lease A.B.C.D { ... }"; the current token is "lease". */
static bool read_lease(struct isc *s)
{
	struct isc_lease l = { .line = s->t.line };

	next(s);
	if (s->t.kind != TK_WORD || !text_ip4_parse(s->t.p, s->t.n, &l.rec.addr))
		return fail(s, "expected an IPv4 address after 'lease'");
	s->addr = l.rec.addr;
	next(s);
	if (!is_punct(s, '{'))
		return fail(s, "expected '{' after the lease address");
	next(s);
	while (!is_punct(s, '}')) {
		if (s->t.kind == TK_EOF || at_lease(s))
			return fail(s, "no closing '}' of the lease of line %u", l.line);
		if (s->t.kind != TK_WORD)
			return fail(s, "expected a statement in the lease");
		if (!lease_statement(s, &l))
			return false;
	}
	next(s);
	lease_done(s, &l);
	return true;
}

/* ---- Failover state ---- */

/* One "failover peer NAME state { ... }" block as it is read. */
struct isc_fo {
	struct leasefile_fo f;
	bool my, partner, mclt;
};

/* ISC's state names are ours (fo_state_name); "unknown-state" is 0. */
static bool fo_state_of(const struct tok *t, uint8_t *out)
{
	if (t->kind != TK_WORD)
		return false;
	if (lf_is(t->p, t->n, "unknown-state")) {
		*out = 0;
		return true;
	}
	for (unsigned st = FO_ST_STARTUP; st <= FO_ST_RECOVER_WAIT; st++)
		if (fo_state_valid(st) && lf_is(t->p, t->n, fo_state_name(st))) {
			*out = (uint8_t)st;
			return true;
		}
	return false;
}

/* "my state S at TIME;" or "partner state S at TIME;" (or "... S;": ISC
 * then takes the time it reads the file); the current token is "my" or
 * "partner". */
static bool fo_state_stmt(struct isc *s, struct isc_fo *fo)
{
	bool my = is_word(s, "my");
	const char *who = my ? "my state" : "partner state";
	uint8_t st;
	int64_t t = s->b->now;

	next(s);
	if (!is_word(s, "state"))
		return fail(s, "expected 'state' after '%s'", my ? "my" : "partner");
	next(s);
	if (!fo_state_of(&s->t, &st))
		return fail(s, "unknown failover state after '%s'", who);
	next(s);
	if (is_punct(s, ';')) {
		next(s);
	} else {
		if (!is_word(s, "at"))
			return fail(s, "expected 'at' or ';' after the %s", who);
		next(s);
		if (!st_time(s, who, &t))
			return false;
	}
	t = lf_time_clamp(t);
	if (my) {
		fo->f.my_state = st, fo->f.my_stos = (uint32_t)t, fo->my = true;
	} else {
		fo->f.peer_state = st, fo->f.peer_stos = (uint32_t)t, fo->partner = true;
	}
	return true;
}

static bool fo_mclt(struct isc *s, struct isc_fo *fo)
{
	uint64_t x;

	next(s);
	if (s->t.kind != TK_WORD || !lf_uint(s->t.p, s->t.n, UINT32_MAX, &x))
		return fail(s, "expected seconds after 'mclt'");
	fo->f.mclt = (uint32_t)x;
	fo->mclt = true;
	next(s);
	return expect_semi(s, "mclt");
}

/* The relationship's name (a string or a word) into fo; the current
 * token is the name. */
static bool fo_name(struct isc *s, struct isc_fo *fo)
{
	int n;

	if (s->t.kind == TK_STRING) {
		n = string_decode(&s->t, (uint8_t *)fo->f.name, sizeof fo->f.name - 1);
	} else if (s->t.kind == TK_WORD) {
		n = s->t.n < sizeof fo->f.name ? (int)s->t.n : -2;
		if (n > 0)
			memcpy(fo->f.name, s->t.p, (size_t)n);
	} else {
		return fail(s, "expected the failover peer's name");
	}
	if (n == -2)
		return fail(s, "failover peer name longer than %zu bytes", sizeof fo->f.name - 1);
	if (n <= 0 || memchr(fo->f.name, 0, (size_t)n))
		return fail(s, "malformed failover peer name");
	fo->f.name[n] = 0;
	next(s);
	return true;
}

/* A block read whole: its statements set those of its name. */
static void fo_merge(struct isc *s, const struct isc_fo *fo)
{
	char name[64];
	struct leasefile_fo *f = lf_fo_entry(s->b, fo->f.name);

	if (!f) {
		lf_printable(name, sizeof name, fo->f.name, strlen(fo->f.name));
		if (!s->b->oom)
			lf_note(s->b, fo->f.line, LEASEFILE_SKIP, 0, "failover state of \"%s\" "
				"skipped: more than %d relationships", name, LEASEFILE_FO_MAX);
		return;
	}
	f->line = fo->f.line;
	if (fo->my)
		f->my_state = fo->f.my_state, f->my_stos = fo->f.my_stos;
	if (fo->partner)
		f->peer_state = fo->f.peer_state, f->peer_stos = fo->f.peer_stos;
	if (fo->mclt)
		f->mclt = fo->f.mclt;
}

/* "failover peer NAME state { ... }" (ISC's write_failover_state); the
 * current token is "failover".  Other "failover" statements are skipped. */
static bool read_failover(struct isc *s)
{
	struct isc_fo fo = { .f.line = s->t.line };

	next(s);
	if (!is_word(s, "peer"))
		return skip_statement(s, "failover");
	next(s);
	if (!fo_name(s, &fo))
		return false;
	if (!is_word(s, "state"))
		return skip_statement(s, "failover");
	next(s);
	if (!is_punct(s, '{'))
		return fail(s, "expected '{' after 'failover peer ... state'");
	next(s);
	while (!is_punct(s, '}')) {
		bool ok;

		if (s->t.kind == TK_EOF || at_lease(s))
			return fail(s, "no closing '}' of the failover state of line %u", fo.f.line);
		if (is_word(s, "my") || is_word(s, "partner"))
			ok = fo_state_stmt(s, &fo);
		else if (is_word(s, "mclt"))
			ok = fo_mclt(s, &fo);
		else
			ok = fail(s, "expected 'my state', 'partner state' or 'mclt'");
		if (!ok)
			return false;
	}
	next(s);
	fo_merge(s, &fo);
	return true;
}

/* Names without a "my state" tell nothing of ours: dropped, said. */
static void fo_finish(struct lf_build *b)
{
	struct leasefile *lf = b->lf;
	size_t k = 0;
	char name[64];

	for (size_t i = 0; i < lf->nfo; i++) {
		if (lf->fo[i].my_state) {
			lf->fo[k++] = lf->fo[i];
			continue;
		}
		lf_printable(name, sizeof name, lf->fo[i].name, strlen(lf->fo[i].name));
		lf_note(b, lf->fo[i].line, LEASEFILE_SKIP, 0,
			"failover state of \"%s\" without 'my state': left out", name);
	}
	lf->nfo = k;
}

/* Top-level declarations other than "lease": the ones a user should
 * know we left out get a note. */
static bool read_other(struct isc *s)
{
	static const char *const quiet[] = {
		"server-duid", "authoring-byte-order", "class", "subclass",
	};
	static const char *const v6[] = { "lease6", "ia-na", "ia-ta", "ia-pd" };
	char name[32];

	lf_printable(name, sizeof name, s->t.p, s->t.n);
	for (size_t i = 0; i < sizeof quiet / sizeof quiet[0]; i++)
		if (strcmp(name, quiet[i]) == 0)
			goto skip;
	for (size_t i = 0; i < sizeof v6 / sizeof v6[0]; i++)
		if (strcmp(name, v6[i]) == 0) {
			lf_note(s->b, s->t.line, LEASEFILE_SKIP, 0,
				"DHCPv6 declaration '%s' skipped", name);
			goto skip;
		}
	if (strcmp(name, "host") == 0)
		lf_note(s->b, s->t.line, LEASEFILE_SKIP, 0,
			"host declaration skipped: a reservation made through OMAPI, "
			"not a lease (configure it as a reservation)");
	else
		lf_note(s->b, s->t.line, LEASEFILE_SKIP, 0, "unknown statement '%s' skipped", name);
skip:
	next(s);
	return skip_statement(s, name);
}

void lf_read_isc(struct lf_build *b, const char *buf, size_t len)
{
	struct isc s = { .b = b, .r = rd_init(buf, len), .line = 1, .bol = true };
	bool ok;

	next(&s);
	while (s.t.kind != TK_EOF && !b->oom) {
		s.addr = 0;
		if (is_word(&s, "lease"))
			ok = read_lease(&s);
		else if (is_word(&s, "failover"))
			ok = read_failover(&s);
		else if (s.t.kind == TK_WORD)
			ok = read_other(&s);
		else
			ok = fail(&s, "expected a declaration");
		if (ok)
			continue;
		/* Resynchronise: past the damage to the next lease block. */
		if (s.t.kind != TK_EOF && !at_lease(&s))
			next(&s);
		while (s.t.kind != TK_EOF && !at_lease(&s))
			next(&s);
	}
	fo_finish(b);
}
