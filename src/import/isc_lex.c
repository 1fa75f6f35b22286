/* dhcpd.conf tokens and statements (see isc_lex.h).  The whole file is
 * cut into tokens first, then the tokens into statements, so every error
 * can name its line. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "import/isc_lex.h"

struct lexer {
	const char *b;
	size_t len, i;
	unsigned line;
	struct isc_tree *t;
	size_t cap;		/* of t->toks */
	size_t used;		/* of t->text */
	unsigned err_line;
	char *err;
	size_t errlen;
};

static int lex_fail(struct lexer *l, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int lex_fail(struct lexer *l, unsigned line, const char *fmt, ...)
{
	va_list ap;
	l->err_line = line;
	va_start(ap, fmt);
	vsnprintf(l->err, l->errlen, fmt, ap);
	va_end(ap);
	return 1;
}

/* Characters of a word: dhcpd's names and numbers, with the ':' and '.'
 * of hex lists and addresses kept inside, so "00:11:22" is one token. */
static bool word_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_' || c == '.' || c == ':' || c == '/';
}

static int tok_add(struct lexer *l, uint8_t kind, unsigned line, const char *text, size_t n)
{
	struct isc_tree *t = l->t;
	if (t->ntoks >= ISC_TOKENS_MAX)
		return lex_fail(l, line, "more than %u tokens", ISC_TOKENS_MAX);
	if (t->ntoks == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 256;
		struct isc_tok *p = realloc(t->toks, cap * sizeof *p);
		if (!p)
			return -1;
		t->toks = p;
		l->cap = cap;
	}
	/* The arena holds 2 * len + 2 bytes: each token takes at most its
	 * source bytes and a NUL, and has at least one source byte. */
	char *dst = t->text + l->used;
	memcpy(dst, text, n);
	dst[n] = '\0';
	l->used += n + 1;
	t->toks[t->ntoks++] = (struct isc_tok){ .kind = kind, .line = line, .len = n, .text = dst };
	return 0;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)(c | 0x20);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* One escape after a backslash at b[*i]; returns the byte. */
static unsigned char escape(const char *b, size_t len, size_t *i)
{
	char c = b[(*i)++];
	int v = 0, k;
	switch (c) {
	case 'n': return '\n';
	case 't': return '\t';
	case 'r': return '\r';
	case 'b': return '\b';
	case 'x':
		for (k = 0; k < 2 && *i < len && hexval(b[*i]) >= 0; k++)
			v = v * 16 + hexval(b[(*i)++]);
		return k ? (unsigned char)v : 'x';
	default:
		if (c < '0' || c > '7')
			return (unsigned char)c;
		v = c - '0';
		for (k = 1; k < 3 && *i < len && b[*i] >= '0' && b[*i] <= '7'; k++)
			v = v * 8 + (b[(*i)++] - '0');
		return (unsigned char)v;
	}
}

/* A quoted string from just after its '"'. */
static int lex_string(struct lexer *l)
{
	unsigned line = l->line;
	char buf[ISC_STRING_MAX];
	size_t n = 0;
	while (l->i < l->len && l->b[l->i] != '"') {
		unsigned char c = (unsigned char)l->b[l->i++];
		if (c == '\n')
			l->line++;
		if (c == '\\' && l->i < l->len)
			c = escape(l->b, l->len, &l->i);
		if (n == sizeof buf)
			return lex_fail(l, line, "string longer than %d bytes", ISC_STRING_MAX);
		buf[n++] = (char)c;
	}
	if (l->i >= l->len)
		return lex_fail(l, line, "string not terminated");
	l->i++;
	return tok_add(l, ISC_STRING, line, buf, n);
}

static int lex_all(struct lexer *l)
{
	int rc = 0;
	while (rc == 0 && l->i < l->len) {
		unsigned char c = (unsigned char)l->b[l->i];
		if (c == '\n') {
			l->line++;
			l->i++;
		} else if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v') {
			l->i++;
		} else if (c == '#') {
			while (l->i < l->len && l->b[l->i] != '\n')
				l->i++;
		} else if (c == '"') {
			l->i++;
			rc = lex_string(l);
		} else if (word_char(c)) {
			size_t s = l->i;
			while (l->i < l->len && word_char((unsigned char)l->b[l->i]))
				l->i++;
			rc = tok_add(l, ISC_WORD, l->line, l->b + s, l->i - s);
		} else if (c < 0x20 || c >= 0x7f) {
			rc = lex_fail(l, l->line, "unexpected byte 0x%02x", c);
		} else {
			rc = tok_add(l, ISC_PUNCT, l->line, l->b + l->i, 1);
			l->i++;
		}
	}
	return rc;
}

static bool is_punct(const struct isc_tok *k, char c)
{
	return k->kind == ISC_PUNCT && k->text[0] == c;
}

static int add_child(struct isc_stmt *parent, size_t *cap, const struct isc_stmt *s)
{
	if (parent->nchild == *cap) {
		size_t n = *cap ? *cap * 2 : 8;
		struct isc_stmt *p = realloc(parent->child, n * sizeof *p);
		if (!p)
			return -1;
		parent->child = p;
		*cap = n;
	}
	parent->child[parent->nchild++] = *s;
	return 0;
}

static void stmt_free(struct isc_stmt *s)
{
	for (size_t i = 0; i < s->nchild; i++)
		stmt_free(&s->child[i]);
	free(s->child);
	s->child = NULL;
	s->nchild = 0;
}

/* The statements of one block (depth 0: the file) into parent. */
static int parse_block(struct lexer *l, size_t *pos, struct isc_stmt *parent, unsigned depth,
		       unsigned open_line)
{
	const struct isc_tree *t = l->t;
	size_t cap = 0;
	for (;;) {
		if (*pos == t->ntoks)
			return depth ? lex_fail(l, open_line, "block opened here is not closed") : 0;
		const struct isc_tok *k = &t->toks[*pos];
		if (is_punct(k, '}')) {
			if (!depth)
				return lex_fail(l, k->line, "'}' without a '{'");
			(*pos)++;
			return 0;
		}
		if (is_punct(k, ';')) {
			(*pos)++;
			continue;
		}
		struct isc_stmt s = { .line = k->line, .tok = k };
		size_t first = *pos;
		while (*pos < t->ntoks && !is_punct(&t->toks[*pos], ';') &&
		       !is_punct(&t->toks[*pos], '}')) {
			if (is_punct(&t->toks[*pos], '{')) {
				/* "= { ip-address, text }": a record type in an
				 * option definition, not a block. */
				if (*pos == first || !is_punct(&t->toks[*pos - 1], '='))
					break;
				while (*pos < t->ntoks && !is_punct(&t->toks[*pos], '}') &&
				       !is_punct(&t->toks[*pos], ';'))
					(*pos)++;
				if (*pos == t->ntoks || is_punct(&t->toks[*pos], ';'))
					return lex_fail(l, s.line, "record type without '}'");
			}
			(*pos)++;
		}
		if (*pos == t->ntoks || is_punct(&t->toks[*pos], '}'))
			return lex_fail(l, s.line, "statement has no ';' at its end");
		s.ntok = *pos - first;
		bool open = is_punct(&t->toks[(*pos)++], '{');
		int rc = 0;
		if (open) {
			s.block = true;
			if (depth + 1 >= ISC_DEPTH_MAX)
				return lex_fail(l, s.line, "blocks nested deeper than %d",
						ISC_DEPTH_MAX);
			rc = parse_block(l, pos, &s, depth + 1, s.line);
		}
		if (rc == 0 && (rc = add_child(parent, &cap, &s)) == 0)
			continue;
		stmt_free(&s);
		return rc;
	}
}

int isc_parse(struct isc_tree *t, const char *buf, size_t len, unsigned *err_line, char *err,
	      size_t errlen)
{
	memset(t, 0, sizeof *t);
	struct lexer l = { .b = buf, .len = len, .line = 1, .t = t, .err = err, .errlen = errlen };
	if (errlen)
		err[0] = '\0';
	if (!(t->text = malloc(2 * len + 2)))
		return -1;
	int rc = lex_all(&l);
	size_t pos = 0;
	if (rc == 0)
		rc = parse_block(&l, &pos, &t->root, 0, 0);
	*err_line = l.err_line;
	if (rc != 0)
		isc_tree_free(t);
	return rc;
}

void isc_tree_free(struct isc_tree *t)
{
	stmt_free(&t->root);
	free(t->toks);
	free(t->text);
	memset(t, 0, sizeof *t);
}

bool isc_is(const struct isc_stmt *s, size_t i, const char *w)
{
	return i < s->ntok && s->tok[i].kind == ISC_WORD && strcasecmp(s->tok[i].text, w) == 0;
}
