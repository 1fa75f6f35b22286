/* Kea's <?include "file"?> directive, followed as Kea's lexer follows it:
 * the file's text in the directive's place, a relative name taken from
 * the including file's folder.  Bounded: 8 levels, 64 files, 16 MiB of
 * text in all, regular files only (never a FIFO or a device that would
 * block).  Every line of the result remembers its file and line, so that
 * notes and errors point into the included file.  Includes are followed
 * only when the main file is a file on disk: a buffer without one (a test,
 * the fuzzer) gets an error for its first directive instead. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "import/kea_include.h"

#define KI_DEPTH 8
#define KI_FILES 64
#define KI_TOTAL (16u << 20)

static bool grow(void **p, size_t *cap, size_t need, size_t size)
{
	if (need <= *cap)
		return true;
	size_t cap2 = *cap ? *cap * 2 : 64;
	while (cap2 < need)
		cap2 *= 2;
	void *n = realloc(*p, cap2 * size);
	if (!n)
		return false;
	*p = n;
	*cap = cap2;
	return true;
}

/* Appends n bytes of file f starting at its line *line; each newline
 * starts an output line mapped to the next line of f. */
static bool append(struct kea_text *t, const char *s, size_t n, unsigned f, unsigned *line)
{
	if (t->len + n + 1 > KI_TOTAL || !grow((void **)&t->buf, &t->cap, t->len + n + 1, 1))
		return false;
	memcpy(t->buf + t->len, s, n);
	t->len += n;
	t->buf[t->len] = '\0';
	for (size_t i = 0; i < n; i++) {
		if (s[i] != '\n')
			continue;
		if (!grow((void **)&t->map, &t->capmap, t->nmap + 1, sizeof *t->map))
			return false;
		t->map[t->nmap++] = (struct kea_line){ f, ++*line };
	}
	return true;
}

/* A newline whose next output line is line of file f. */
static bool newline(struct kea_text *t, unsigned f, unsigned line)
{
	unsigned before = line - 1;

	return append(t, "\n", 1, f, &before);
}

static int fail(struct kea_text *t, unsigned f, unsigned line, const char *why, const char *name)
{
	t->err_file = f;
	t->err_line = line;
	snprintf(t->err, sizeof t->err, "<?include \"%.120s\"?>: %s", name, why);
	return -1;
}

/* The whole regular file at path, at most max bytes; NULL with errno. */
static char *read_file(const char *path, size_t max, size_t *len)
{
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	struct stat st;
	char *buf = NULL;

	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || (size_t)st.st_size > max ||
	    (buf = malloc((size_t)st.st_size + 1)) == NULL) {
		errno = errno ? errno : EINVAL;
		close(fd);
		return NULL;
	}
	size_t n = 0;
	ssize_t r;
	while (n < (size_t)st.st_size && (r = read(fd, buf + n, (size_t)st.st_size - n)) > 0)
		n += (size_t)r;
	close(fd);
	*len = n;
	return buf;
}

static int expand(struct kea_text *t, const char *buf, size_t len, unsigned f, int depth);

/* The directive at s (after "<?include"): its file's text appended. */
static int include(struct kea_text *t, const char *name, unsigned f, unsigned line, int depth)
{
	char path[KEA_PATH_LEN];
	const char *dir = t->files[f].path;
	const char *sl = strrchr(dir, '/');
	size_t len;

	if (depth >= KI_DEPTH || t->nfiles >= KI_FILES)
		return fail(t, f, line, "too deep, or too many files", name);
	int n = name[0] == '/' || !sl ? snprintf(path, sizeof path, "%s", name)
				       : snprintf(path, sizeof path, "%.*s/%s", (int)(sl - dir), dir,
						  name);
	if (n < 0 || (size_t)n >= sizeof path)
		return fail(t, f, line, "the path is too long", name);
	char *text = read_file(path, KI_TOTAL - t->len, &len);
	if (!text)
		return fail(t, f, line, "cannot read it as a regular file", name);
	if (!grow((void **)&t->files, &t->capfiles, t->nfiles + 1, sizeof *t->files)) {
		free(text);
		return -1;
	}
	unsigned g = (unsigned)t->nfiles++;
	memcpy(t->files[g].path, path, sizeof path);
	t->files[g].top = f == 0 ? line : t->files[f].top;
	/* The included text on lines of its own, so that each maps exactly. */
	int rc = newline(t, g, 1) && expand(t, text, len, g, depth + 1) == 0 &&
		 newline(t, f, line) ? 0 : -1;
	free(text);
	return rc;
}

/* The directive's file name, and where it ends (after "?>"). */
static size_t directive(const char *s, size_t len, size_t i, char *name, size_t cap)
{
	size_t j = i + 9, n = 0;	/* after "<?include" */

	while (j < len && (s[j] == ' ' || s[j] == '\t'))
		j++;
	if (j >= len || s[j] != '"')
		return 0;
	for (j++; j < len && s[j] != '"' && s[j] != '\n'; j++)
		if (n + 1 < cap)
			name[n++] = s[j];
	name[n] = '\0';
	if (j >= len || s[j] != '"')
		return 0;
	for (j++; j < len && (s[j] == ' ' || s[j] == '\t'); j++)
		;
	return j + 1 < len && s[j] == '?' && s[j + 1] == '>' ? j + 2 : 0;
}

static int expand(struct kea_text *t, const char *buf, size_t len, unsigned f, int depth)
{
	enum { CODE, STR, LINE, BLOCK } st = CODE;
	unsigned line = 1;
	size_t from = 0;
	char name[256];

	for (size_t i = 0; i < len; i++) {
		char c = buf[i], d = i + 1 < len ? buf[i + 1] : 0;
		if (st == STR)
			st = c == '\\' ? (i++, STR) : c == '"' || c == '\n' ? CODE : STR;
		else if (st == LINE)
			st = c == '\n' ? CODE : LINE;
		else if (st == BLOCK)
			st = c == '*' && d == '/' ? (i++, CODE) : BLOCK;
		else if (c == '"')
			st = STR;
		else if (c == '#' || (c == '/' && d == '/'))
			st = LINE;
		else if (c == '/' && d == '*')
			st = BLOCK, i++;
		else if (c == '<' && len - i >= 9 && !memcmp(buf + i, "<?include", 9)) {
			unsigned here = line;
			for (size_t k = from; k < i; k++)
				here += buf[k] == '\n';
			size_t end = directive(buf, len, i, name, sizeof name);
			if (!end)
				return fail(t, f, here, "not a directive Kea reads", "");
			if (!t->follow)
				return fail(t, f, here, "not followed (no file on disk to find it "
					    "beside)", name);
			if (!append(t, buf + from, i - from, f, &line) ||
			    include(t, name, f, here, depth) < 0)
				return -1;
			from = i = end;
			i--;
		}
	}
	return append(t, buf + from, len - from, f, &line) ? 0 : -1;
}

int kea_text_read(struct kea_text *t, const char *file, const char *buf, size_t len)
{
	struct stat st;

	memset(t, 0, sizeof *t);
	t->follow = file && stat(file, &st) == 0 && S_ISREG(st.st_mode);
	if (!grow((void **)&t->files, &t->capfiles, 1, sizeof *t->files))
		return -1;
	snprintf(t->files[0].path, sizeof t->files[0].path, "%s", file ? file : "");
	t->files[0].top = 0;
	t->nfiles = 1;
	/* The map's first entry is output line 1: the main file's line 1. */
	if (!grow((void **)&t->map, &t->capmap, 2, sizeof *t->map))
		return -1;
	t->map[0] = (struct kea_line){ 0, 0 };
	t->map[1] = (struct kea_line){ 0, 1 };
	t->nmap = 2;
	return expand(t, buf, len, 0, 0);
}

struct kea_line kea_text_line(const struct kea_text *t, unsigned out_line)
{
	if (out_line < t->nmap)
		return t->map[out_line];
	return (struct kea_line){ 0, 0 };
}

void kea_text_free(struct kea_text *t)
{
	free(t->buf);
	free(t->map);
	free(t->files);
	memset(t, 0, sizeof *t);
}
