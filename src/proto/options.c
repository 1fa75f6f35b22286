/* DHCP option definitions as data, and the text forms of their values.
 *
 * Every value goes through a bounded writer (struct wbuf) that refuses to
 * pass cap, so a hostile config line cannot overrun the caller's buffer. */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "proto/options.h"
#include "common/text.h"

/* RFC 2132 unless noted; sorted by code. */
static const struct opt_def defs[] = {
	{ 1, OPT_IP, "subnet-mask" },
	{ 2, OPT_I32, "time-offset" },
	{ 3, OPT_IPS, "routers" },
	{ 4, OPT_IPS, "time-servers" },
	{ 5, OPT_IPS, "ien116-name-servers" },
	{ 6, OPT_IPS, "domain-name-servers" },
	{ 7, OPT_IPS, "log-servers" },
	{ 8, OPT_IPS, "cookie-servers" },
	{ 9, OPT_IPS, "lpr-servers" },
	{ 10, OPT_IPS, "impress-servers" },
	{ 11, OPT_IPS, "resource-location-servers" },
	{ 12, OPT_STRING, "host-name" },
	{ 13, OPT_U16, "boot-size" },
	{ 14, OPT_STRING, "merit-dump" },
	{ 15, OPT_STRING, "domain-name" },
	{ 16, OPT_IP, "swap-server" },
	{ 17, OPT_STRING, "root-path" },
	{ 18, OPT_STRING, "extensions-path" },
	{ 19, OPT_BOOL, "ip-forwarding" },
	{ 20, OPT_BOOL, "non-local-source-routing" },
	{ 21, OPT_IPS, "policy-filter" },
	{ 22, OPT_U16, "max-dgram-reassembly" },
	{ 23, OPT_U8, "default-ip-ttl" },
	{ 24, OPT_U32, "path-mtu-aging-timeout" },
	{ 25, OPT_BYTES, "path-mtu-plateau-table" },
	{ 26, OPT_U16, "interface-mtu" },
	{ 27, OPT_BOOL, "all-subnets-local" },
	{ 28, OPT_IP, "broadcast-address" },
	{ 29, OPT_BOOL, "perform-mask-discovery" },
	{ 30, OPT_BOOL, "mask-supplier" },
	{ 31, OPT_BOOL, "router-discovery" },
	{ 32, OPT_IP, "router-solicitation-address" },
	{ 33, OPT_IPS, "static-routes" },
	{ 34, OPT_BOOL, "trailer-encapsulation" },
	{ 35, OPT_U32, "arp-cache-timeout" },
	{ 36, OPT_BOOL, "ieee802-3-encapsulation" },
	{ 37, OPT_U8, "default-tcp-ttl" },
	{ 38, OPT_U32, "tcp-keepalive-interval" },
	{ 39, OPT_BOOL, "tcp-keepalive-garbage" },
	{ 40, OPT_STRING, "nis-domain" },
	{ 41, OPT_IPS, "nis-servers" },
	{ 42, OPT_IPS, "ntp-servers" },
	{ 43, OPT_BYTES, "vendor-encapsulated-options" },
	{ 44, OPT_IPS, "netbios-name-servers" },
	{ 45, OPT_IPS, "netbios-dd-server" },
	{ 46, OPT_U8, "netbios-node-type" },
	{ 47, OPT_STRING, "netbios-scope" },
	{ 48, OPT_IPS, "font-servers" },
	{ 49, OPT_IPS, "x-display-manager" },
	{ 50, OPT_IP, "dhcp-requested-address" },
	{ 51, OPT_U32, "dhcp-lease-time" },
	{ 52, OPT_U8, "dhcp-option-overload" },
	{ 53, OPT_U8, "dhcp-message-type" },
	{ 54, OPT_IP, "dhcp-server-identifier" },
	{ 55, OPT_BYTES, "dhcp-parameter-request-list" },
	{ 56, OPT_STRING, "dhcp-message" },
	{ 57, OPT_U16, "dhcp-max-message-size" },
	{ 58, OPT_U32, "dhcp-renewal-time" },
	{ 59, OPT_U32, "dhcp-rebinding-time" },
	{ 60, OPT_STRING, "vendor-class-identifier" },
	{ 61, OPT_BYTES, "dhcp-client-identifier" },
	{ 64, OPT_STRING, "nisplus-domain" },
	{ 65, OPT_IPS, "nisplus-servers" },
	{ 66, OPT_STRING, "tftp-server-name" },
	{ 67, OPT_STRING, "boot-file-name" },
	{ 68, OPT_BYTES, "mobile-ip-home-agent" },	/* may be empty */
	{ 69, OPT_IPS, "smtp-server" },
	{ 70, OPT_IPS, "pop-server" },
	{ 71, OPT_IPS, "nntp-server" },
	{ 72, OPT_IPS, "www-server" },
	{ 73, OPT_IPS, "finger-server" },
	{ 74, OPT_IPS, "irc-server" },
	{ 75, OPT_IPS, "streettalk-server" },
	{ 76, OPT_IPS, "streettalk-directory-assistance-server" },
	{ 77, OPT_BYTES, "user-class" },		/* RFC 3004 */
	{ 80, OPT_BYTES, "rapid-commit" },		/* RFC 4039, empty */
	{ 81, OPT_BYTES, "client-fqdn" },		/* RFC 4702 */
	{ 82, OPT_BYTES, "relay-agent-information" },	/* RFC 3046 */
	{ 91, OPT_U32, "client-last-transaction-time" },	/* RFC 4388 */
	{ 92, OPT_IPS, "associated-ip" },		/* RFC 4388 */
	{ 93, OPT_BYTES, "client-system-architecture" },	/* RFC 4578 */
	{ 94, OPT_BYTES, "client-ndi" },		/* RFC 4578 */
	{ 97, OPT_BYTES, "uuid-guid" },			/* RFC 4578 */
	{ 100, OPT_STRING, "pcode" },			/* RFC 4833 */
	{ 101, OPT_STRING, "tcode" },			/* RFC 4833 */
	{ 108, OPT_U32, "ipv6-only-preferred" },	/* RFC 8925 */
	{ 114, OPT_STRING, "captive-portal" },		/* RFC 8910 */
	{ 116, OPT_U8, "auto-config" },			/* RFC 2563 */
	{ 118, OPT_IP, "subnet-selection" },		/* RFC 3011 */
	{ 119, OPT_BYTES, "domain-search" },		/* RFC 3397, DNS wire form */
	{ 121, OPT_ROUTES, "classless-static-route" },	/* RFC 3442 */
	{ 150, OPT_IPS, "tftp-server-address" },	/* RFC 5859 */
	{ 249, OPT_ROUTES, "ms-classless-static-route" },
	{ 252, OPT_STRING, "wpad" },			/* private use, de facto */
};

static const char *const type_names[] = {
	[OPT_BYTES] = "hex",
	[OPT_IP] = "ip",
	[OPT_IPS] = "ips",
	[OPT_U8] = "u8",
	[OPT_U16] = "u16",
	[OPT_U32] = "u32",
	[OPT_I32] = "i32",
	[OPT_BOOL] = "bool",
	[OPT_STRING] = "string",
	[OPT_ROUTES] = "routes",
};

#define NTYPES (sizeof type_names / sizeof type_names[0])

const struct opt_def *opt_def_by_code(uint8_t code)
{
	size_t lo = 0, hi = sizeof defs / sizeof defs[0];

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (defs[mid].code == code)
			return &defs[mid];
		if (defs[mid].code < code)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

const struct opt_def *opt_def_by_name(const char *name)
{
	for (size_t i = 0; i < sizeof defs / sizeof defs[0]; i++)
		if (strcasecmp(defs[i].name, name) == 0)
			return &defs[i];
	return NULL;
}

int opt_type_parse(const char *name, enum opt_type *out)
{
	for (size_t i = 0; i < NTYPES; i++)
		if (strcasecmp(type_names[i], name) == 0) {
			*out = (enum opt_type)i;
			return 0;
		}
	return -1;
}

const char *opt_type_name(enum opt_type t)
{
	if ((size_t)t >= NTYPES)
		return "hex";
	return type_names[t];
}

/* ---- bounded writer and reader helpers ---- */

struct wbuf {
	uint8_t *p;
	size_t len, cap;
	char *err;
	size_t errlen;
	bool failed;
};

static void fail(struct wbuf *w, const char *fmt, ...)
{
	va_list ap;

	if (w->failed)
		return;
	w->failed = true;
	if (w->errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(w->err, w->errlen, fmt, ap);
	va_end(ap);
}

static void put(struct wbuf *w, const void *v, size_t n)
{
	if (w->failed)
		return;
	if (n > w->cap - w->len) {
		fail(w, "value longer than %zu bytes", w->cap);
		return;
	}
	memcpy(w->p + w->len, v, n);
	w->len += n;
}

static void put8(struct wbuf *w, uint8_t b)
{
	put(w, &b, 1);
}

static void put32(struct wbuf *w, uint32_t v)
{
	uint8_t b[4] = { v >> 24, v >> 16, v >> 8, v };

	put(w, b, 4);
}

static uint32_t get32(const uint8_t *v)
{
	return (uint32_t)v[0] << 24 | (uint32_t)v[1] << 16 | (uint32_t)v[2] << 8 | v[3];
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static const char *skip_blank(const char *s)
{
	while (is_blank(*s))
		s++;
	return s;
}

static size_t span_ipchars(const char *s)
{
	size_t n = 0;

	while ((s[n] >= '0' && s[n] <= '9') || s[n] == '.')
		n++;
	return n;
}

/* Parses "a.b.c.d" at *sp and advances past it. */
static bool ip_take(const char **sp, uint32_t *out)
{
	size_t n = span_ipchars(*sp);

	if (!text_ip4_parse(*sp, n, out))
		return false;
	*sp += n;
	return true;
}

/* Parses an unsigned decimal or 0x-hex number that is the whole of s. */
static bool num_parse(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	int base = 10, d, digits = 0;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	for (; *s; s++, digits++) {
		d = text_hexval(*s);
		if (d < 0 || d >= base || digits > 20)
			return false;
		v = v * (uint64_t)base + (uint64_t)d;
		if (v > max)
			return false;
	}
	if (digits == 0)
		return false;
	*out = v;
	return true;
}

/* ---- typed encoders ---- */

static void enc_ips(struct wbuf *w, const char *s, bool one)
{
	uint32_t a;
	int n = 0;

	for (s = skip_blank(s); *s; n++) {
		if (!ip_take(&s, &a)) {
			fail(w, "not an IPv4 address");
			return;
		}
		put32(w, a);
		s = skip_blank(s);
		if (*s == ',') {
			s = skip_blank(s + 1);
			if (*s == '\0') {
				fail(w, "no address after ','");
				return;
			}
		} else if (*s && !is_blank(s[-1])) {
			fail(w, "expected ',' between addresses");
			return;
		}
	}
	if (n == 0)
		fail(w, "no address given");
	else if (one && n != 1)
		fail(w, "exactly one address expected");
}

static void enc_uint(struct wbuf *w, const char *s, int bytes)
{
	uint64_t max = bytes == 4 ? 0xffffffffu : bytes == 2 ? 0xffffu : 0xffu;
	uint64_t v;

	if (!num_parse(s, max, &v)) {
		fail(w, "not a number from 0 to %llu", (unsigned long long)max);
		return;
	}
	if (bytes == 1)
		put8(w, (uint8_t)v);
	else if (bytes == 2) {
		put8(w, (uint8_t)(v >> 8));
		put8(w, (uint8_t)v);
	} else
		put32(w, (uint32_t)v);
}

static void enc_i32(struct wbuf *w, const char *s)
{
	bool neg = *s == '-';
	uint64_t v;

	if (!num_parse(s + neg, neg ? 0x80000000u : 0x7fffffffu, &v)) {
		fail(w, "not a number from -2147483648 to 2147483647");
		return;
	}
	put32(w, neg ? (uint32_t)(0u - (uint32_t)v) : (uint32_t)v);
}

static void enc_bool(struct wbuf *w, const char *s)
{
	static const char *const yes[] = { "1", "true", "yes", "on" };
	static const char *const no[] = { "0", "false", "no", "off" };

	for (size_t i = 0; i < 4; i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			put8(w, 1);
			return;
		}
		if (strcasecmp(s, no[i]) == 0) {
			put8(w, 0);
			return;
		}
	}
	fail(w, "not a boolean (0/1, true/false, yes/no, on/off)");
}

/* A quoted string: "..." with \\ \" \n \t \xHH escapes, nothing after. */
static void enc_quoted(struct wbuf *w, const char *s)
{
	for (s++; *s && *s != '"'; s++) {
		if (*s != '\\') {
			put8(w, (uint8_t)*s);
			continue;
		}
		s++;
		if (*s == 'x' && text_hexval(s[1]) >= 0 && text_hexval(s[2]) >= 0) {
			put8(w, (uint8_t)(text_hexval(s[1]) << 4 | text_hexval(s[2])));
			s += 2;
		} else if (*s == 'n')
			put8(w, '\n');
		else if (*s == 't')
			put8(w, '\t');
		else if (*s == '\\' || *s == '"')
			put8(w, (uint8_t)*s);
		else {
			fail(w, "bad escape in quoted string");
			return;
		}
	}
	if (*s != '"')
		fail(w, "unterminated quoted string");
	else if (*skip_blank(s + 1) != '\0')
		fail(w, "text after the closing quote");
}

static void enc_string(struct wbuf *w, const char *s)
{
	if (*s == '"')
		enc_quoted(w, s);
	else
		put(w, s, strlen(s));
}

static void enc_hex(struct wbuf *w, const char *s)
{
	int hi, lo;

	for (;;) {
		while (*s == ':' || is_blank(*s))
			s++;
		if (*s == '\0')
			return;
		hi = text_hexval(s[0]);
		lo = hi < 0 ? -1 : text_hexval(s[1]);
		if (lo < 0) {
			fail(w, "expected two hex digits per byte");
			return;
		}
		put8(w, (uint8_t)(hi << 4 | lo));
		s += 2;
	}
}

static uint32_t prefix_mask(unsigned p)
{
	return p == 0 ? 0 : 0xffffffffu << (32 - p);
}

/* "a.b.c.d/n" at *sp as RFC 3442 section 1 compact destination. */
static void enc_cidr(struct wbuf *w, const char **sp, uint32_t net)
{
	const char *s = *sp;
	unsigned p = 0;
	int digits = 0;

	for (s++; *s >= '0' && *s <= '9' && digits < 3; s++, digits++)
		p = p * 10 + (unsigned)(*s - '0');
	if (digits == 0 || p > 32 || (*s >= '0' && *s <= '9')) {
		fail(w, "bad prefix length");
		return;
	}
	if (net & ~prefix_mask(p)) {
		fail(w, "destination has bits set beyond /%u", p);
		return;
	}
	put8(w, (uint8_t)p);
	for (unsigned i = 0; i < (p + 7) / 8; i++)
		put8(w, (uint8_t)(net >> (24 - 8 * i)));
	*sp = s;
}

static void enc_routes(struct wbuf *w, const char *s)
{
	uint32_t dst, gw;
	int n = 0;

	for (s = skip_blank(s); *s && !w->failed; n++) {
		if (!ip_take(&s, &dst) || *s != '/') {
			fail(w, "expected destination a.b.c.d/n");
			return;
		}
		enc_cidr(w, &s, dst);
		s = skip_blank(s);
		if (!ip_take(&s, &gw)) {
			fail(w, "expected a router address after the destination");
			return;
		}
		put32(w, gw);
		s = skip_blank(s);
		if (*s == ',') {
			s = skip_blank(s + 1);
			if (*s == '\0')
				fail(w, "no route after ','");
		} else if (*s) {
			fail(w, "expected ',' between routes");
			return;
		}
	}
	if (n == 0 && !w->failed)
		fail(w, "no route given");
}

int opt_encode(enum opt_type t, const char *text, uint8_t *out, size_t cap,
	       char *err, size_t errlen)
{
	struct wbuf w = { out, 0, cap, err, errlen, false };

	switch (t) {
	case OPT_BYTES: enc_hex(&w, text); break;
	case OPT_IP: enc_ips(&w, text, true); break;
	case OPT_IPS: enc_ips(&w, text, false); break;
	case OPT_U8: enc_uint(&w, text, 1); break;
	case OPT_U16: enc_uint(&w, text, 2); break;
	case OPT_U32: enc_uint(&w, text, 4); break;
	case OPT_I32: enc_i32(&w, text); break;
	case OPT_BOOL: enc_bool(&w, text); break;
	case OPT_STRING: enc_string(&w, text); break;
	case OPT_ROUTES: enc_routes(&w, text); break;
	default: fail(&w, "unknown type");
	}
	return w.failed ? -1 : (int)w.len;
}

/* ---- dhcpsrv's OPTION_nn syntax ---- */

#define GROUP_DEPTH 8

static bool is_sep(char c)
{
	return is_blank(c) || c == ':' || c == ',';
}

static const char *dhcpsrv_text(struct wbuf *w, const char *s)
{
	const char *end = strchr(s + 1, '"');

	if (end == NULL) {
		fail(w, "unterminated \"text\"");
		return s + strlen(s);
	}
	put(w, s + 1, (size_t)(end - s - 1));
	return end + 1;
}

static const char *dhcpsrv_atom(struct wbuf *w, const char *s)
{
	size_t n = span_ipchars(s);
	uint32_t a;

	if (n > 2 || (n == 2 && s[n] == '.') || s[n] == '/') {
		if (!text_ip4_parse(s, n, &a)) {
			fail(w, "bad IPv4 address");
			return s + n;
		}
		s += n;
		if (*s == '/')
			enc_cidr(w, &s, a);
		else
			put32(w, a);
		return s;
	}
	if (text_hexval(s[0]) >= 0 && text_hexval(s[1]) >= 0 && (s[2] == '\0' || is_sep(s[2]) ||
	    s[2] == '(' || s[2] == ')' || s[2] == '"')) {
		put8(w, (uint8_t)(text_hexval(s[0]) << 4 | text_hexval(s[1])));
		return s + 2;
	}
	fail(w, "expected a two-digit hex byte, an IPv4 address or \"text\"");
	return s + 1;
}

int opt_encode_dhcpsrv(const char *text, uint8_t *out, size_t cap,
		       char *err, size_t errlen)
{
	struct wbuf w = { out, 0, cap, err, errlen, false };
	size_t open[GROUP_DEPTH], depth = 0;
	const char *s = text;

	while (!w.failed) {
		while (is_sep(*s))
			s++;
		if (*s == '\0')
			break;
		if (*s == '"') {
			s = dhcpsrv_text(&w, s);
		} else if (*s == '(') {
			if (depth == GROUP_DEPTH) {
				fail(&w, "groups nested too deep");
				break;
			}
			open[depth++] = w.len;
			put8(&w, 0);	/* length, patched at ')' */
			s++;
		} else if (*s == ')') {
			if (depth == 0) {
				fail(&w, "')' without '('");
				break;
			}
			size_t at = open[--depth], n = w.len - at - 1;
			if (n > 255)
				fail(&w, "group longer than 255 bytes");
			else
				w.p[at] = (uint8_t)n;
			s++;
		} else
			s = dhcpsrv_atom(&w, s);
	}
	if (!w.failed && depth)
		fail(&w, "'(' without ')'");
	return w.failed ? -1 : (int)w.len;
}

/* ---- validity and formatting ---- */

static bool routes_valid(const uint8_t *v, size_t len)
{
	size_t i = 0;

	while (i < len) {
		unsigned p = v[i], sig = (p + 7) / 8;
		uint32_t net = 0;

		if (p > 32 || len - i < 1 + sig + 4)
			return false;
		for (unsigned k = 0; k < sig; k++)
			net |= (uint32_t)v[i + 1 + k] << (24 - 8 * k);
		if (net & ~prefix_mask(p))
			return false;
		i += 1 + sig + 4;
	}
	return len > 0;
}

int opt_valid(enum opt_type t, const uint8_t *v, size_t len)
{
	switch (t) {
	case OPT_BYTES:
	case OPT_STRING: return 1;
	case OPT_IP: return len == 4;
	case OPT_IPS: return len > 0 && len % 4 == 0;
	case OPT_U8: return len == 1;
	case OPT_U16: return len == 2;
	case OPT_U32:
	case OPT_I32: return len == 4;
	case OPT_BOOL: return len == 1 && v[0] <= 1;
	case OPT_ROUTES: return routes_valid(v, len);
	}
	return 0;
}

static unsigned be16(const uint8_t *v)
{
	return (unsigned)v[0] << 8 | v[1];
}

/* Option 25: 16-bit MTUs of at least 68 (RFC 2132 section 5.6). */
static const char *plateau_check(const uint8_t *v, size_t len)
{
	if (len == 0 || len % 2)
		return "must be one or more 16-bit MTU sizes";
	for (size_t i = 0; i < len; i += 2)
		if (be16(v + i) < 68)
			return "each MTU must be at least 68 (RFC 2132 section 5.6)";
	return NULL;
}

const char *opt_constraint(uint8_t code, const uint8_t *v, size_t len)
{
	const struct opt_def *d = opt_def_by_code(code);
	switch (code) {
	case 21: case 33:
		return len >= 8 && len % 8 == 0 ? NULL :
		       "must be address pairs, a multiple of 8 bytes (RFC 2132 sections 4.3, 5.8)";
	case 22:
		return len == 2 && be16(v) >= 576 ? NULL :
		       "must be at least 576 (RFC 2132 section 4.4)";
	case 23: case 37:
		return len == 1 && v[0] >= 1 ? NULL :
		       "a TTL must be 1 to 255 (RFC 2132 sections 4.5, 6.3)";
	case 25:
		return plateau_check(v, len);
	case 26:
		return len == 2 && be16(v) >= 68 ? NULL :
		       "must be at least 68 (RFC 2132 section 5.1)";
	case 46:
		return len == 1 && (v[0] == 1 || v[0] == 2 || v[0] == 4 || v[0] == 8) ? NULL :
		       "must be 1 (B-node), 2 (P-node), 4 (M-node) or 8 (H-node) (RFC 2132 section 8.7)";
	case 116:
		return len == 1 && v[0] <= 1 ? NULL : "must be 0 or 1 (RFC 2563)";
	}
	if (d && d->type == OPT_STRING && len == 0)
		return "must not be empty (RFC 2132: minimum length 1)";
	return NULL;
}

static void fmt_ip(FILE *f, const uint8_t *v)
{
	char buf[TEXT_IP4_LEN];
	fputs(text_ip4((uint32_t)v[0] << 24 | (uint32_t)v[1] << 16 | (uint32_t)v[2] << 8 | v[3],
		       buf), f);
}

static void fmt_hex(FILE *f, const uint8_t *v, size_t len)
{
	for (size_t i = 0; i < len; i++)
		fprintf(f, i ? ":%02x" : "%02x", v[i]);
}

/* Plain text survives the config reader only without quotes, comment or
 * variable characters and without blanks at either end. */
static bool string_plain(const uint8_t *v, size_t len)
{
	if (len == 0 || v[0] == ' ' || v[len - 1] == ' ')
		return false;
	for (size_t i = 0; i < len; i++)
		if (v[i] < 0x20 || v[i] > 0x7e || v[i] == '"' || v[i] == '\\' ||
		    v[i] == ';' || v[i] == '$' || v[i] == '#')
			return false;
	return true;
}

static void fmt_string(FILE *f, const uint8_t *v, size_t len)
{
	if (string_plain(v, len)) {
		fwrite(v, 1, len, f);
		return;
	}
	fputc('"', f);
	for (size_t i = 0; i < len; i++) {
		if (v[i] == '"' || v[i] == '\\')
			fprintf(f, "\\%c", v[i]);
		else if (v[i] < 0x20 || v[i] > 0x7e || v[i] == '$' || v[i] == ';')
			fprintf(f, "\\x%02x", v[i]);
		else
			fputc(v[i], f);
	}
	fputc('"', f);
}

static void fmt_routes(FILE *f, const uint8_t *v, size_t len)
{
	for (size_t i = 0; i < len;) {
		unsigned p = v[i], sig = (p + 7) / 8;
		uint8_t net[4] = { 0, 0, 0, 0 };

		memcpy(net, v + i + 1, sig);
		fputs(i ? ", " : "", f);
		fmt_ip(f, net);
		fprintf(f, "/%u ", p);
		fmt_ip(f, v + i + 1 + sig);
		i += 1 + sig + 4;
	}
}

void opt_format(FILE *f, enum opt_type t, const uint8_t *v, size_t len)
{
	if (!opt_valid(t, v, len))
		t = OPT_BYTES;
	switch (t) {
	case OPT_IP: fmt_ip(f, v); break;
	case OPT_IPS:
		for (size_t i = 0; i < len; i += 4) {
			fputs(i ? "," : "", f);
			fmt_ip(f, v + i);
		}
		break;
	case OPT_U8:
	case OPT_BOOL: fprintf(f, "%u", v[0]); break;
	case OPT_U16: fprintf(f, "%u", (unsigned)v[0] << 8 | v[1]); break;
	case OPT_U32: fprintf(f, "%lu", (unsigned long)get32(v)); break;
	case OPT_I32: fprintf(f, "%ld", (long)(int32_t)get32(v)); break;
	case OPT_STRING: fmt_string(f, v, len); break;
	case OPT_ROUTES: fmt_routes(f, v, len); break;
	case OPT_BYTES: fmt_hex(f, v, len); break;
	}
}

/* ---- typed layouts of custom options (OPTIONDEF_nn) ---- */

/* The size of a fixed-size type, 0 for the others. */
static size_t type_size(enum opt_type t)
{
	switch (t) {
	case OPT_U8:
	case OPT_BOOL: return 1;
	case OPT_U16: return 2;
	case OPT_IP:
	case OPT_U32:
	case OPT_I32: return 4;
	default: return 0;
	}
}

/* Copies the next comma-separated item of *sp, trimmed, into buf. */
static bool next_item(const char **sp, char *buf, size_t cap)
{
	const char *s = skip_blank(*sp), *end = strchr(s, ',');
	size_t n = end ? (size_t)(end - s) : strlen(s);

	while (n && is_blank(s[n - 1]))
		n--;
	if (n >= cap)
		return false;
	memcpy(buf, s, n);
	buf[n] = '\0';
	*sp = end ? end + 1 : s + strlen(s);
	return true;
}

int opt_layout_parse(const char *text, struct opt_layout *l, char *err, size_t errlen)
{
	struct wbuf w = { NULL, 0, 0, err, errlen, false };
	const char *s = skip_blank(text);
	char word[16];

	*l = (struct opt_layout){ .kind = OPT_L_ONE, .n = 0 };
	if (strncasecmp(s, "record", 6) == 0 && is_blank(s[6]))
		l->kind = OPT_L_RECORD, s += 6;
	else if (strncasecmp(s, "array", 5) == 0 && is_blank(s[5]))
		l->kind = OPT_L_ARRAY, s += 5;
	while (*skip_blank(s) && !w.failed) {
		if (l->kind == OPT_L_RECORD && l->n == OPT_LAYOUT_MAX)
			fail(&w, "a record has at most %d fields", OPT_LAYOUT_MAX);
		else if (l->kind != OPT_L_RECORD && l->n == 1)
			fail(&w, "one type expected (several: \"record T, T, ...\")");
		else if (!next_item(&s, word, sizeof word))
			fail(&w, "a type name is too long");
		else if (opt_type_parse(word, &l->f[l->n]) != 0)
			fail(&w, "\"%s\" is not a type (ip, u8, u16, u32, i32, bool, string, hex%s)",
			     word, l->kind == OPT_L_ONE ? ", ips, routes" : "");
		else if (l->kind != OPT_L_ONE && l->n && type_size(l->f[l->n - 1]) == 0)
			fail(&w, "only the last field of a record may be a string or hex");
		else if (l->kind != OPT_L_ONE && type_size(l->f[l->n]) == 0 &&
			 (l->kind == OPT_L_ARRAY || (l->f[l->n] != OPT_STRING &&
						     l->f[l->n] != OPT_BYTES)))
			fail(&w, "%s cannot be %s", opt_type_name(l->f[l->n]),
			     l->kind == OPT_L_ARRAY ? "an array element (a fixed-size type is)" :
			     "a record field");
		else
			l->n++;
	}
	if (!w.failed && l->n == 0)
		fail(&w, "no type given");
	return w.failed ? -1 : 0;
}

void opt_layout_print(FILE *f, const struct opt_layout *l)
{
	fputs(l->kind == OPT_L_RECORD ? "record " : l->kind == OPT_L_ARRAY ? "array " : "", f);
	for (size_t i = 0; i < l->n; i++)
		fprintf(f, "%s%s", i ? ", " : "", opt_type_name(l->f[i]));
}

/* One field or element: text encoded as t, appended to w. */
static void enc_field(struct wbuf *w, enum opt_type t, const char *text, size_t i,
		      bool record)
{
	char why[96];
	int n;

	if (w->failed)
		return;
	n = opt_encode(t, text, w->p + w->len, w->cap - w->len, why, sizeof why);
	if (n < 0)
		fail(w, "%s %zu (%s): %s", record ? "field" : "element", i + 1, opt_type_name(t),
		     why);
	else
		w->len += (size_t)n;
}

int opt_layout_encode(const struct opt_layout *l, const char *text, uint8_t *out, size_t cap,
		      char *err, size_t errlen)
{
	struct wbuf w = { out, 0, cap, err, errlen, false };
	char item[OPT_VALUE_MAX * 4 + 1];
	const char *s = text;
	size_t i;

	if (l->kind == OPT_L_ONE)
		return opt_encode(l->f[0], text, out, cap, err, errlen);
	if (l->kind == OPT_L_ARRAY) {
		for (i = 0; *skip_blank(s) && !w.failed; i++)
			if (!next_item(&s, item, sizeof item) || item[0] == '\0')
				fail(&w, "element %zu is empty", i + 1);
			else
				enc_field(&w, l->f[0], item, i, false);
		if (i == 0)
			fail(&w, "no value given");
		return w.failed ? -1 : (int)w.len;
	}
	for (i = 0; i < l->n && !w.failed; i++) {
		bool last = i + 1 == l->n, rest = last && type_size(l->f[i]) == 0;

		if (rest)	/* a string or hex field takes the rest, commas too */
			snprintf(item, sizeof item, "%s", skip_blank(s));
		else if (*skip_blank(s) == '\0' || !next_item(&s, item, sizeof item))
			fail(&w, "%zu fields expected, %zu given", (size_t)l->n, i);
		if (!w.failed)
			enc_field(&w, l->f[i], item, i, true);
	}
	if (!w.failed && type_size(l->f[l->n - 1]) && *skip_blank(s))
		fail(&w, "more than %u fields", l->n);
	return w.failed ? -1 : (int)w.len;
}

int opt_layout_valid(const struct opt_layout *l, const uint8_t *v, size_t len)
{
	size_t at = 0, sz;

	if (l->kind == OPT_L_ONE)
		return opt_valid(l->f[0], v, len);
	if (l->kind == OPT_L_ARRAY) {
		sz = type_size(l->f[0]);
		if (sz == 0 || len == 0 || len % sz)
			return 0;
		for (; at < len; at += sz)
			if (!opt_valid(l->f[0], v + at, sz))
				return 0;
		return 1;
	}
	for (size_t i = 0; i < l->n; i++) {
		sz = type_size(l->f[i]);
		if (sz == 0)	/* the last field: string or hex */
			return i + 1 == l->n;
		if (len - at < sz || !opt_valid(l->f[i], v + at, sz))
			return 0;
		at += sz;
	}
	return at == len;
}

void opt_layout_format(FILE *f, const struct opt_layout *l, const uint8_t *v, size_t len)
{
	size_t at = 0, sz;

	if (l->kind == OPT_L_ONE || !opt_layout_valid(l, v, len)) {
		opt_format(f, l->kind == OPT_L_ONE ? l->f[0] : OPT_BYTES, v, len);
		return;
	}
	for (size_t i = 0; at < len || (l->kind == OPT_L_RECORD && i < l->n); i++) {
		enum opt_type t = l->kind == OPT_L_ARRAY ? l->f[0] : l->f[i];

		sz = type_size(t) ? type_size(t) : len - at;
		fputs(i ? ", " : "", f);
		opt_format(f, t, v + at, sz);	/* an empty string is "" */
		at += sz;
	}
}
