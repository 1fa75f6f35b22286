/* The translators' shared output: a growable ini text and a list of notes.
 * A failed allocation sets x->oom once and every later write is dropped, so
 * a translator checks for it once, at the end. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "import/confxlat.h"

void xlat_init(struct xlat *x)
{
	memset(x, 0, sizeof *x);
}

void xlat_free(struct xlat *x)
{
	free(x->out);
	free(x->notes);
	memset(x, 0, sizeof *x);
}

/* Room for n more bytes and the NUL. */
static bool out_room(struct xlat *x, size_t n)
{
	if (x->oom)
		return false;
	if (n >= XLAT_OUT_MAX - x->len) {
		x->oom = true;
		return false;
	}
	if (x->len + n + 1 <= x->cap)
		return true;
	size_t cap = x->cap ? x->cap : 4096;
	while (cap < x->len + n + 1)
		cap *= 2;
	char *p = realloc(x->out, cap);
	if (!p) {
		x->oom = true;
		return false;
	}
	x->out = p;
	x->cap = cap;
	return true;
}

static void out_vprintf(struct xlat *x, const char *fmt, va_list ap)
{
	va_list aq;
	va_copy(aq, ap);
	int n = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	if (n < 0 || !out_room(x, (size_t)n))
		return;
	vsnprintf(x->out + x->len, (size_t)n + 1, fmt, ap);
	x->len += (size_t)n;
}

void xlat_printf(struct xlat *x, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	out_vprintf(x, fmt, ap);
	va_end(ap);
}

void xlat_section(struct xlat *x, const char *name)
{
	xlat_printf(x, "%s[%s]\n", x->len ? "\n" : "", name);
}

void xlat_key(struct xlat *x, const char *key, const char *fmt, ...)
{
	va_list ap;
	xlat_printf(x, "%s=", key);
	va_start(ap, fmt);
	out_vprintf(x, fmt, ap);
	va_end(ap);
	xlat_printf(x, "\n");
}

void xlat_comment(struct xlat *x, const char *fmt, ...)
{
	va_list ap;
	xlat_printf(x, "; ");
	size_t from = x->len;
	va_start(ap, fmt);
	out_vprintf(x, fmt, ap);
	va_end(ap);
	/* A file or host name with a line break must not end the comment,
	 * nor a long one make the line longer than the parser takes. */
	if (x->out && x->len - from > XLAT_COMMENT_MAX) {
		x->len = from + XLAT_COMMENT_MAX;
		x->out[x->len] = '\0';
	}
	for (size_t i = from; x->out && i < x->len; i++)
		if ((unsigned char)x->out[i] < 0x20 || x->out[i] == 0x7f)
			x->out[i] = '?';
	xlat_printf(x, "\n");
}

bool xlat_value_ok(const char *s)
{
	/* "$(" would be read as a variable, a backslash could hide the
	 * closing quote from the comment scanner. */
	if (strstr(s, "$("))
		return false;
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f || *s == '"' || *s == '\\')
			return false;
	return true;
}

void xlat_note(struct xlat *x, unsigned line, enum xlat_note_kind kind, const char *where,
	       const char *fmt, ...)
{
	if (x->nnotes >= XLAT_NOTES_MAX) {
		x->dropped++;
		return;
	}
	if (x->nnotes == x->capnotes) {
		size_t cap = x->capnotes ? x->capnotes * 2 : 16;
		struct xlat_note *p = realloc(x->notes, cap * sizeof *p);
		if (!p) {
			x->oom = true;
			return;
		}
		x->notes = p;
		x->capnotes = cap;
	}
	struct xlat_note *n = &x->notes[x->nnotes++];
	va_list ap;
	n->line = line;
	n->kind = (unsigned char)kind;
	snprintf(n->where, sizeof n->where, "%s", where ? where : "");
	va_start(ap, fmt);
	vsnprintf(n->why, sizeof n->why, fmt, ap);
	va_end(ap);
}

int xlat_error(struct xlat *x, unsigned line, const char *fmt, ...)
{
	if (x->err[0])
		return 1;
	va_list ap;
	x->err_line = line;
	va_start(ap, fmt);
	vsnprintf(x->err, sizeof x->err, fmt, ap);
	va_end(ap);
	if (!x->err[0])
		snprintf(x->err, sizeof x->err, "syntax error");
	return 1;
}

/* Skips blanks and the comments Kea's JSON allows (#, //, slash-star). */
static size_t skip_json_space(const char *b, size_t len, size_t i)
{
	while (i < len) {
		if (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n')
			i++;
		else if (b[i] == '#' || (b[i] == '/' && i + 1 < len && b[i + 1] == '/')) {
			while (i < len && b[i] != '\n')
				i++;
		} else if (b[i] == '/' && i + 1 < len && b[i + 1] == '*') {
			i += 2;
			while (i + 1 < len && !(b[i] == '*' && b[i + 1] == '/'))
				i++;
			i += 2;
		} else
			break;
	}
	return i;
}

const char *xlat_guess(const char *buf, size_t len)
{
	static const char key[] = "\"Dhcp4\"";
	size_t i = skip_json_space(buf, len, 0);
	/* A dhcpd.conf cannot start with '{'; a Kea file is one object. */
	if (i >= len || buf[i] != '{')
		return "isc";
	for (; i + sizeof key - 1 <= len; i++)
		if (memcmp(buf + i, key, sizeof key - 1) == 0)
			return "kea";
	return "isc";
}
