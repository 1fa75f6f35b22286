/* The one text codec for IPv4 addresses and hex bytes: every module that
 * prints or reads them goes through here. */
#ifndef DUODHCP_TEXT_H
#define DUODHCP_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TEXT_IP4_LEN 16		/* "255.255.255.255" and its NUL */

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

#endif
