#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include "common/bytes.h"
#include "common/text.h"

/* By hand rather than snprintf: compaction writes a million of these. */
const char *text_ip4(uint32_t a, char buf[TEXT_IP4_LEN])
{
	char *o = buf;
	for (int s = 24; s >= 0; s -= 8) {
		unsigned v = (a >> s) & 255;
		if (v >= 100)
			*o++ = (char)('0' + v / 100);
		if (v >= 10)
			*o++ = (char)('0' + v / 10 % 10);
		*o++ = (char)('0' + v % 10);
		if (s > 0)
			*o++ = '.';
	}
	*o = 0;
	return buf;
}

bool text_ip4_parse(const char *s, size_t n, uint32_t *out)
{
	char buf[TEXT_IP4_LEN];
	struct in_addr a;
	if (n == 0 || n >= sizeof buf)
		return false;
	memcpy(buf, s, n);
	buf[n] = '\0';
	/* inet_pton takes exactly a.b.c.d, decimal (unlike inet_aton's 0x10,
	 * 010 or 10.1 forms). */
	if (inet_pton(AF_INET, buf, &a) != 1)
		return false;
	*out = ntohl(a.s_addr);
	return true;
}

int text_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

char *text_hex(char *out, const uint8_t *p, size_t n, char sep)
{
	static const char digits[] = "0123456789abcdef";
	char *o = out;
	for (size_t i = 0; i < n; i++) {
		if (i && sep)
			*o++ = sep;
		*o++ = digits[p[i] >> 4];
		*o++ = digits[p[i] & 15];
	}
	*o = 0;
	return out;
}

bool text_pct_needed(uint8_t c)
{
	return c <= 0x20 || c >= 0x7f || c == '%' || c == '=';
}

size_t text_pct_encode(char *out, const char *s, size_t n)
{
	static const char digits[] = "0123456789ABCDEF";
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		uint8_t c = (uint8_t)s[i];

		if (text_pct_needed(c)) {
			out[o++] = '%';
			out[o++] = digits[c >> 4];
			out[o++] = digits[c & 15];
		} else {
			out[o++] = (char)c;
		}
	}
	return o;
}

/* An upper-case hex digit's value, or -1. */
static int hex_upper(char c)
{
	return c >= 'a' && c <= 'f' ? -1 : text_hexval(c);
}

/* Only the canonical encoding is accepted, so format(parse(line))
 * reproduces the line. */
int text_pct_decode(const char *v, size_t n, char *out, size_t max, const char **why)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		uint8_t c = (uint8_t)v[i];

		if (o == max)
			return -2;
		if (c == '%') {
			int hi = i + 2 < n ? hex_upper(v[i + 1]) : -1;
			int lo = i + 2 < n ? hex_upper(v[i + 2]) : -1;

			if (hi < 0 || lo < 0) {
				*why = "bad %XX escape";
				return -1;
			}
			c = (uint8_t)(hi << 4 | lo);
			if (c == 0 || !text_pct_needed(c)) {
				*why = "needless or NUL %XX escape";
				return -1;
			}
			i += 2;
		} else if (text_pct_needed(c)) {
			*why = "unescaped byte";
			return -1;
		}
		out[o++] = (char)c;
	}
	return (int)o;
}

/* Length of the valid UTF-8 sequence at s, or 0 (RFC 3629 section 4). */
static size_t utf8_seq(const unsigned char *s)
{
	if (s[0] < 0x80)
		return 1;
	size_t n = s[0] >= 0xf0 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc2 ? 2 : 0;
	if (n == 0 || s[0] > 0xf4)
		return 0;
	for (size_t i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	if ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] >= 0xa0) ||
	    (s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] >= 0x90))
		return 0;	/* overlong, surrogate or past U+10FFFF */
	return n;
}

void text_utf8_fix(char *s)
{
	unsigned char *p = (unsigned char *)s;
	for (size_t i = 0; p[i];) {
		size_t n = utf8_seq(p + i);
		if (n == 0)
			p[i++] = '?';
		else
			i += n;
	}
}

/* Letters are lowercased, digits and hyphens kept; a run of anything else
 * (spaces, '_', punctuation, UTF-8 bytes) becomes one hyphen unless one is
 * already there.  Hyphens at either end are dropped; inner "--" stays, so
 * "xn--" IDNA labels survive. */
int text_label_clean(const uint8_t *text, size_t len, char out[TEXT_LABEL_MAX + 1])
{
	struct rd r = rd_init(text, len);
	size_t n = 0;
	bool junk = false;
	while (rd_left(&r) > 0 && n < TEXT_LABEL_MAX) {
		uint8_t c = rd_u8(&r);
		if (c == '.' && n == 0)
			continue;	/* ".pc1": skip empty leading labels */
		if (c == '.')
			break;		/* an FQDN: its host label only */
		if (!text_is_alnum(c) && c != '-') {
			junk = true;
			continue;
		}
		if (n > 0 && junk && c != '-' && out[n - 1] != '-') {
			if (n + 2 > TEXT_LABEL_MAX)
				break;	/* a hyphen last would be trimmed */
			out[n++] = '-';
		}
		junk = false;
		if (n > 0 || c != '-')
			out[n++] = (char)text_lower(c);
	}
	while (n > 0 && out[n - 1] == '-')
		n--;
	out[n] = 0;
	return n ? 0 : -1;
}

int text_label_clean_wire(const uint8_t *wire, size_t len, char out[TEXT_LABEL_MAX + 1])
{
	struct rd r = rd_init(wire, len);
	uint8_t l = rd_u8(&r);
	const uint8_t *p = (l & 0xc0) ? NULL : rd_bytes(&r, l);
	if (!p) {
		out[0] = 0;
		return -1;
	}
	return text_label_clean(p, l, out);
}
