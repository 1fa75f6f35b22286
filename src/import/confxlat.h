/* Configuration translators: another DHCP server's configuration (ISC
 * dhcpd's dhcpd.conf, Kea's kea-dhcp4.conf) in, our dhcpsrv.ini text out.
 * Pure: bytes in, ini text and notes out; no I/O.
 *
 * A translator writes the ini through the emit helpers below and, for
 * every statement it cannot carry over, adds a note saying where it was
 * and why.  A note is not an error: the output is still a whole
 * configuration.  Only input that does not read as its format at all is
 * an error (xlat.err, xlat.err_line), and then the output is not used. */
#ifndef DUODHCP_IMPORT_CONFXLAT_H
#define DUODHCP_IMPORT_CONFXLAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define XLAT_OUT_MAX (16u << 20)	/* the config parser's file limit */
#define XLAT_NOTES_MAX 100000u		/* more are counted, not kept */
#define XLAT_COMMENT_MAX 512u		/* bytes of one comment's text */

enum xlat_note_kind {
	XLAT_LOST = 1,		/* has an effect the translation does not keep */
	XLAT_HARMLESS,		/* dropped without changing what is served */
	XLAT_INFO,		/* translated, but the admin should look (a
				   subnet served through relays only) */
};

struct xlat_note {
	unsigned line;		/* 1-based line in the input, 0 = not known */
	unsigned char kind;	/* enum xlat_note_kind */
	char where[120];	/* the statement, or a JSON path like
				   Dhcp4.subnet4[2].pools[0] */
	char why[200];
};

#define XLAT_BINDS_MAX 64

struct xlat {
	/* Input, set by the caller before translating: the server's own
	 * addresses (host byte order).  A subnet holding one is a directly
	 * attached link (IPBIND_n); any other is reached through relays. */
	uint32_t binds[XLAT_BINDS_MAX];
	size_t nbinds;

	char *out;		/* the ini text, NUL-terminated */
	size_t len, cap;
	struct xlat_note *notes;	/* in the order added */
	size_t nnotes, capnotes;
	size_t dropped;		/* notes past XLAT_NOTES_MAX */
	bool oom;		/* an allocation failed or the output outgrew
				   XLAT_OUT_MAX: the result is unusable */
	unsigned err_line;	/* the error's line, 0 = not known */
	char err[200];		/* why the input does not parse, "" = it does */
};

/* The translators.  file is used only in notes and errors.  Return 0 when
 * the input was translated (notes may have been added), 1 when it does
 * not parse (err, err_line say why), -1 when out of memory. */
int xlat_isc(struct xlat *x, const char *file, const char *buf, size_t len);
int xlat_kea(struct xlat *x, const char *file, const char *buf, size_t len);

/* The translators' common type: the command's table of formats is
 * {name, xlat_fn} rows (src/ctl/import_config.c). */
typedef int (*xlat_fn)(struct xlat *x, const char *file, const char *buf, size_t len);
/* A guess at the format: a JSON object with a "Dhcp4" member is Kea's,
 * anything else ISC's. */
const char *xlat_guess(const char *buf, size_t len);

/* xlat_init clears everything, binds included; xlat_free frees the
 * output and notes. */
void xlat_init(struct xlat *x);
void xlat_free(struct xlat *x);

/* Appends printf-formatted text to the output. */
void xlat_printf(struct xlat *x, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* "\n[NAME]\n": a section header (a blank line before all but the first). */
void xlat_section(struct xlat *x, const char *name);
/* "KEY=VALUE\n" with the value printf-formatted.  The ini format has no
 * escapes: a value with a newline, or a quote or ';' where the parser
 * would read a comment, must be refused by the caller (xlat_value_ok). */
void xlat_key(struct xlat *x, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* "; TEXT\n": a comment line, for the reader of the output; control
 * characters become '?', and the text is cut at XLAT_COMMENT_MAX. */
void xlat_comment(struct xlat *x, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Whether s can be written as a quoted string value: printable, no '"'
 * or backslash, no "$(". */
bool xlat_value_ok(const char *s);

/* Adds a note; where and why are cut to fit. */
void xlat_note(struct xlat *x, unsigned line, enum xlat_note_kind kind, const char *where,
	       const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* Sets the error (the first one stays); returns 1 for the translator to
 * return. */
int xlat_error(struct xlat *x, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
