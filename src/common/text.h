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
