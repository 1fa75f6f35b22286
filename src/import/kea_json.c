/* Reading Kea's configuration text: JSON with comments (#, //, and C
 * block comments), its <?include?> directives followed already
 * (kea_include.c).  Comments are blanked in place
 * so that the line numbers of what is left stay the file's; the JSON is
 * then parsed strictly with json-c, and a small scanner over the same
 * text notes on which line each member and element starts, so that a
 * note can say where a key is. */
#include <json-c/json.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "import/kea_json.h"

#define KJ_DEPTH 64		/* Kea's own configs nest about 8 deep */
#define KJ_POS_MAX 200000	/* positions remembered; a bound, not a limit */

static unsigned line_at(const char *t, size_t off)
{
	unsigned line = 1;

	for (size_t i = 0; i < off; i++)
		line += t[i] == '\n';
	return line;
}

/* Blanks comments keeping every newline; strings are left alone.  The
 * <?include?> directives are gone already (kea_include.c). */
static void strip(char *t, size_t len)
{
	enum { CODE, STR, LINE, BLOCK } st = CODE;

	for (size_t i = 0; i < len; i++) {
		char c = t[i], d = i + 1 < len ? t[i + 1] : 0;
		switch (st) {
		case CODE:
			if (c == '"')
				st = STR;
			else if (c == '#' || (c == '/' && d == '/'))
				st = LINE, t[i] = ' ';
			else if (c == '/' && d == '*')
				st = BLOCK, t[i] = t[i + 1] = ' ', i++;
			else if (c == '.' && d >= '0' && d <= '9' && i > 0 && t[i - 1] == ' ')
				t[i - 1] = '0';	/* Kea reads ".5" (all-keys.json) */
			break;
		case STR:
			if (c == '\\' && d)
				i++;
			else if (c == '"' || c == '\n')
				st = CODE;
			break;
		case LINE:
			if (c == '\n')
				st = CODE;
			else
				t[i] = ' ';
			break;
		case BLOCK:
			if (c == '*' && d == '/')
				st = CODE, t[i] = t[i + 1] = ' ', i++;
			else if (c != '\n')
				t[i] = ' ';
			break;
		}
	}
}

struct scan {
	const char *t;
	size_t len, i;
	unsigned line;
	struct kea_json *kj;
};

static void skip_ws(struct scan *s)
{
	while (s->i < s->len && strchr(" \t\r\n", s->t[s->i])) {
		s->line += s->t[s->i] == '\n';
		s->i++;
	}
}

static void remember(struct scan *s, const char *path)
{
	struct kea_json *kj = s->kj;

	if (kj->npos >= KJ_POS_MAX)
		return;
	if (kj->npos == kj->cappos) {
		size_t cap = kj->cappos ? kj->cappos * 2 : 256;
		struct kea_pos *p = realloc(kj->pos, cap * sizeof *p);
		if (!p)
			return;
		kj->pos = p;
		kj->cappos = cap;
	}
	char *copy = strdup(path);
	if (!copy)
		return;
	kj->pos[kj->npos++] = (struct kea_pos){ copy, s->line };
}

/* A string token; its text (unescaped only as far as a key needs, which is
 * none: Kea's keys are plain) into out. */
static void scan_string(struct scan *s, char *out, size_t cap)
{
	size_t n = 0;

	s->i++;
	while (s->i < s->len && s->t[s->i] != '"') {
		if (s->t[s->i] == '\\')
			s->i++;
		if (out && n + 1 < cap && s->i < s->len)
			out[n++] = s->t[s->i];
		s->i++;
	}
	s->i++;
	if (out)
		out[n] = '\0';
}

static void scan_value(struct scan *s, char *path, size_t plen, int depth);

static void scan_members(struct scan *s, char *path, size_t plen, int depth, bool obj)
{
	unsigned idx = 0;
	char key[64];

	s->i++;
	for (;;) {
		skip_ws(s);
		if (s->i >= s->len || s->t[s->i] == (obj ? '}' : ']')) {
			s->i++;
			return;
		}
		if (s->t[s->i] == ',') {
			s->i++;
			continue;
		}
		size_t n = plen;
		if (obj) {
			scan_string(s, key, sizeof key);
			n += (size_t)snprintf(path + plen, KEA_PATH_MAX - plen, "%s%s",
					      plen ? "/" : "", key);
			skip_ws(s);
			s->i++;		/* the colon */
			skip_ws(s);
		} else {
			n += (size_t)snprintf(path + plen, KEA_PATH_MAX - plen, "[%u]", idx++);
		}
		if (n >= KEA_PATH_MAX)
			n = KEA_PATH_MAX - 1;
		remember(s, path);
		scan_value(s, path, n, depth + 1);
		path[plen] = '\0';
	}
}

static void scan_value(struct scan *s, char *path, size_t plen, int depth)
{
	skip_ws(s);
	if (s->i >= s->len || depth > KJ_DEPTH)
		return;
	char c = s->t[s->i];
	if (c == '{' || c == '[')
		scan_members(s, path, plen, depth, c == '{');
	else if (c == '"')
		scan_string(s, NULL, 0);
	else
		while (s->i < s->len && !strchr(",]} \t\r\n", s->t[s->i]))
			s->i++;
}

static int cmp_pos(const void *a, const void *b)
{
	return strcmp(((const struct kea_pos *)a)->path, ((const struct kea_pos *)b)->path);
}

int kea_json_read(struct kea_json *kj, const char *buf, size_t len)
{
	memset(kj, 0, sizeof *kj);
	if (memchr(buf, '\0', len)) {
		kj->err_line = line_at(buf, (size_t)((const char *)memchr(buf, '\0', len) - buf));
		snprintf(kj->err, sizeof kj->err, "a NUL byte");
		return -1;
	}
	if ((kj->text = malloc(len + 1)) == NULL)
		return -1;
	memcpy(kj->text, buf, len);
	kj->text[len] = '\0';
	strip(kj->text, len);

	struct json_tokener *tok = json_tokener_new_ex(KJ_DEPTH);
	if (!tok)
		return -1;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	kj->root = json_tokener_parse_ex(tok, kj->text, (int)len);
	enum json_tokener_error e = json_tokener_get_error(tok);
	size_t off = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	if (e == json_tokener_continue || (!kj->root && e == json_tokener_success)) {
		e = json_tokener_continue;
		off = len;
	}
	if (e != json_tokener_success) {
		json_object_put(kj->root);
		kj->root = NULL;
		kj->err_line = line_at(kj->text, off < len ? off : len);
		snprintf(kj->err, sizeof kj->err, "JSON: %s",
			 e == json_tokener_continue ? "the text ends inside a value"
						    : json_tokener_error_desc(e));
		return -1;
	}
	for (size_t i = off; i < len; i++)
		if (!strchr(" \t\r\n", kj->text[i])) {
			kj->err_line = line_at(kj->text, i);
			snprintf(kj->err, sizeof kj->err, "JSON: text after the end of the value");
			json_object_put(kj->root);
			kj->root = NULL;
			return -1;
		}
	char path[KEA_PATH_MAX] = "";
	struct scan s = { kj->text, len, 0, 1, kj };
	scan_value(&s, path, 0, 0);
	if (kj->npos)
		qsort(kj->pos, kj->npos, sizeof *kj->pos, cmp_pos);
	return 0;
}

unsigned kea_json_line(const struct kea_json *kj, const char *path)
{
	char up[KEA_PATH_MAX];
	struct kea_pos key = { up, 0 };

	snprintf(up, sizeof up, "%s", path);
	while (up[0] && kj->npos) {
		const struct kea_pos *p = bsearch(&key, kj->pos, kj->npos, sizeof *kj->pos,
						  cmp_pos);
		if (p) {
			/* The first of equal paths (a key given twice). */
			while (p > kj->pos && strcmp(p[-1].path, up) == 0)
				p--;
			return p->line;
		}
		/* Not remembered: the nearest parent's line. */
		char *cut = strrchr(up, '/'), *br = strrchr(up, '[');
		char *end = cut > br ? cut : br;
		if (!end)
			break;
		*end = '\0';
	}
	return 0;
}

void kea_json_free(struct kea_json *kj)
{
	for (size_t i = 0; i < kj->npos; i++)
		free(kj->pos[i].path);
	free(kj->pos);
	json_object_put(kj->root);
	free(kj->text);
	memset(kj, 0, sizeof *kj);
}
