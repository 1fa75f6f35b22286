/* The one text codec for IPv4 addresses and hex bytes: every module that
 * prints or reads them goes through here. */
#ifndef DUODHCP_TEXT_H
#define DUODHCP_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TEXT_IP4_LEN 16		/* "255.255.255.255" and its NUL */
#define TEXT_LABEL_MAX 63	/* one DNS label (RFC 1035 section 2.3.4) */

/* a (host byte order) as a dotted quad in buf; returns buf. */
const char *text_ip4(uint32_t a, char buf[TEXT_IP4_LEN]);
/* The n bytes at s as a dotted quad (four decimal octets, no more), into
 * *out in host byte order.  False for anything else. */
bool text_ip4_parse(const char *s, size_t n, uint32_t *out);
/* A hex digit's value, either case, or -1. */
int text_hexval(char c);
/* n bytes as lowercase hex pairs, separated by sep unless it is 0; out
 * holds 3n bytes.  Returns out, NUL-terminated. */
char *text_hex(char *out, const uint8_t *p, size_t n, char sep);

/* Replaces, in place, every byte of s that does not start or continue a
 * valid UTF-8 sequence (RFC 3629 section 4) by '?': JSON text must be
 * UTF-8 (RFC 8259 section 8.1).  The length stays the same. */
void text_utf8_fix(char *s);

/* The journal's percent-encoding of a text value (RFC 3986 section 2.1,
 * upper-case hex): the bytes that would break a line or the key=value
 * split (0x00-0x20, 0x7f-0xff, '%' and '=') as %XX, every other byte as
 * itself, so each text has exactly one spelling. */
bool text_pct_needed(uint8_t c);
/* Encodes the n bytes at s into out (room for 3n); returns the length. */
size_t text_pct_encode(char *out, const char *s, size_t n);
/* Decodes the canonical spelling only (no raw byte that needs escaping,
 * upper-case %XX, no needless escape, no %00) into out, at most max
 * bytes, no NUL added.  Returns the length, -2 when longer than max, or
 * -1 with the reason in *why. */
int text_pct_decode(const char *v, size_t n, char *out, size_t max, const char **why);

static inline uint8_t text_lower(uint8_t c)
{
	return c >= 'A' && c <= 'Z' ? (uint8_t)(c + 32) : c;
}

static inline bool text_is_alnum(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* Turns a client's hostname text (option 12, or option 81's ASCII name)
 * into one DNS label (RFC 1035 2.3.1, RFC 1123 2.1): the text before the
 * first dot, lowercased, each run of other characters made one hyphen,
 * hyphens trimmed from the ends, cut to 63.  0, or -1 if nothing is left.
 * Here rather than in dns/ because the engine names its clients too. */
int text_label_clean(const uint8_t *text, size_t len, char out[TEXT_LABEL_MAX + 1]);
/* The same for option 81 in canonical wire form (RFC 4702 section 2.3.1,
 * E bit set): the first label is cleaned. */
int text_label_clean_wire(const uint8_t *wire, size_t len, char out[TEXT_LABEL_MAX + 1]);

#endif
