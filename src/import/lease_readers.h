/* Internal to the lease file readers: the result under construction, a
 * line cursor and the small text codecs the three formats share. */
#ifndef DUODHCP_IMPORT_LEASE_READERS_H
#define DUODHCP_IMPORT_LEASE_READERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "common/bytes.h"
#include "import/leasefile.h"

/* One record as read, in file order; gone marks a record that removes
 * its address (Kea's lifetime 0, or a lease we skip: the other server's
 * last word on the address is that it holds nothing we can take). */
struct lf_entry {
	struct lease_rec rec;	/* cid and hostname malloc'd */
	size_t seq;
	bool gone;
};

struct lf_build {
	struct leasefile *lf;
	struct lf_entry *e;
	size_t n, cap;
	size_t notes_cap;
	size_t fo_cap;
	bool oom;
	int64_t now;
};

/* Adds a note (the reason printf-style, cut to fit).  Errors are counted. */
void lf_note(struct lf_build *b, unsigned line, uint8_t kind, uint32_t addr,
	     const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* Adds a record read from the file: copies its cid and hostname. */
void lf_add(struct lf_build *b, const struct lease_rec *rec);
/* Adds a record that removes addr (see struct lf_entry). */
void lf_add_gone(struct lf_build *b, uint32_t addr);
/* The failover state entry of name (NUL-terminated, at most 255 bytes),
 * added zeroed when new; NULL when out of memory or past
 * LEASEFILE_FO_MAX names (b->oom says which). */
#define LEASEFILE_FO_MAX 64
struct leasefile_fo *lf_fo_entry(struct lf_build *b, const char *name);

/* Lines of a buffer: the text without "\n" or "\r\n", and its number. */
struct lf_lines {
	struct rd r;
	unsigned line;		/* of the line last returned */
};

static inline struct lf_lines lf_lines_init(const char *buf, size_t len)
{
	return (struct lf_lines){ .r = rd_init(buf, len) };
}

bool lf_next_line(struct lf_lines *c, const char **p, size_t *n);

/* Hex bytes separated by ':' ("1:a2:ff"), one or two digits each, into
 * out.  Returns the count, -1 when malformed, -2 when more than max. */
int lf_hex_colon(const char *p, size_t n, uint8_t *out, size_t max);
/* Unsigned decimal of at most 20 digits, no sign; false when not that or
 * above max. */
bool lf_uint(const char *p, size_t n, uint64_t max, uint64_t *out);
/* Up to cap - 1 bytes of p into out, NUL-terminated, each byte that is
 * not printable ASCII as '?': file text quoted in a note stays plain
 * text (the notes reach terminals and JSON). */
void lf_printable(char *out, size_t cap, const char *p, size_t n);
/* x clamped into 0..LEASEFILE_NEVER. */
int64_t lf_time_clamp(int64_t x);
/* True when s (n bytes) equals the NUL-terminated word w. */
bool lf_is(const char *s, size_t n, const char *w);

/* Keeps the last entry of each address (unless it removes the address),
 * sorted by address, and puts the notes in line order: 0, or -1 when out
 * of memory. */
int lf_finish(struct lf_build *b);

/* The readers: they add records and notes to b. */
void lf_read_isc(struct lf_build *b, const char *buf, size_t len);
void lf_read_kea(struct lf_build *b, const char *buf, size_t len);
void lf_read_dnsmasq(struct lf_build *b, const char *buf, size_t len);

#endif
