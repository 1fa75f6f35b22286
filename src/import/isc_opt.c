/* dhcpd.conf option names, types and values (see isc_opt.h).  The names
 * and types are those dhcp-options(5) documents for the dhcp space; the
 * encoding follows RFC 2132's wire forms. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/text.h"
#include "import/isc_opt.h"

#define ONE(t) { IFK_ONE, 1, { t } }
#define ARR(t) { IFK_ARRAY, 1, { t } }

/* dhcp-options(5), the dhcp space.  Client-only and protocol options
 * (50, 53, 55, 57, 61, 82...) are here too, so that setting one is named
 * as such rather than as an unknown option. */
static const struct isc_optname names[] = {
	{ "subnet-mask", 1, ONE(IFT_IP) },
	{ "time-offset", 2, ONE(IFT_I32) },
	{ "routers", 3, ARR(IFT_IP) },
	{ "time-servers", 4, ARR(IFT_IP) },
	{ "ien116-name-servers", 5, ARR(IFT_IP) },
	{ "domain-name-servers", 6, ARR(IFT_IP) },
	{ "log-servers", 7, ARR(IFT_IP) },
	{ "cookie-servers", 8, ARR(IFT_IP) },
	{ "lpr-servers", 9, ARR(IFT_IP) },
	{ "impress-servers", 10, ARR(IFT_IP) },
	{ "resource-location-servers", 11, ARR(IFT_IP) },
	{ "host-name", 12, ONE(IFT_TEXT) },
	{ "boot-size", 13, ONE(IFT_U16) },
	{ "merit-dump", 14, ONE(IFT_TEXT) },
	{ "domain-name", 15, ONE(IFT_TEXT) },
	{ "swap-server", 16, ONE(IFT_IP) },
	{ "root-path", 17, ONE(IFT_TEXT) },
	{ "extensions-path", 18, ONE(IFT_TEXT) },
	{ "ip-forwarding", 19, ONE(IFT_BOOL) },
	{ "non-local-source-routing", 20, ONE(IFT_BOOL) },
	{ "policy-filter", 21, ARR(IFT_IP) },
	{ "max-dgram-reassembly", 22, ONE(IFT_U16) },
	{ "default-ip-ttl", 23, ONE(IFT_U8) },
	{ "path-mtu-aging-timeout", 24, ONE(IFT_U32) },
	{ "path-mtu-plateau-table", 25, ARR(IFT_U16) },
	{ "interface-mtu", 26, ONE(IFT_U16) },
	{ "all-subnets-local", 27, ONE(IFT_BOOL) },
	{ "broadcast-address", 28, ONE(IFT_IP) },
	{ "perform-mask-discovery", 29, ONE(IFT_BOOL) },
	{ "mask-supplier", 30, ONE(IFT_BOOL) },
	{ "router-discovery", 31, ONE(IFT_BOOL) },
	{ "router-solicitation-address", 32, ONE(IFT_IP) },
	{ "static-routes", 33, ARR(IFT_IP) },
	{ "trailer-encapsulation", 34, ONE(IFT_BOOL) },
	{ "arp-cache-timeout", 35, ONE(IFT_U32) },
	{ "ieee802-3-encapsulation", 36, ONE(IFT_BOOL) },
	{ "default-tcp-ttl", 37, ONE(IFT_U8) },
	{ "tcp-keepalive-interval", 38, ONE(IFT_U32) },
	{ "tcp-keepalive-garbage", 39, ONE(IFT_BOOL) },
	{ "nis-domain", 40, ONE(IFT_TEXT) },
	{ "nis-servers", 41, ARR(IFT_IP) },
	{ "ntp-servers", 42, ARR(IFT_IP) },
	{ "vendor-encapsulated-options", 43, ONE(IFT_X) },
	{ "netbios-name-servers", 44, ARR(IFT_IP) },
	{ "netbios-dd-server", 45, ARR(IFT_IP) },
	{ "netbios-node-type", 46, ONE(IFT_U8) },
	{ "netbios-scope", 47, ONE(IFT_TEXT) },
	{ "font-servers", 48, ARR(IFT_IP) },
	{ "x-display-manager", 49, ARR(IFT_IP) },
	{ "dhcp-requested-address", 50, ONE(IFT_IP) },
	{ "dhcp-lease-time", 51, ONE(IFT_U32) },
	{ "dhcp-option-overload", 52, ONE(IFT_U8) },
	{ "dhcp-message-type", 53, ONE(IFT_U8) },
	{ "dhcp-server-identifier", 54, ONE(IFT_IP) },
	{ "dhcp-parameter-request-list", 55, ARR(IFT_U8) },
	{ "dhcp-message", 56, ONE(IFT_TEXT) },
	{ "dhcp-max-message-size", 57, ONE(IFT_U16) },
	{ "dhcp-renewal-time", 58, ONE(IFT_U32) },
	{ "dhcp-rebinding-time", 59, ONE(IFT_U32) },
	{ "vendor-class-identifier", 60, ONE(IFT_X) },
	{ "dhcp-client-identifier", 61, ONE(IFT_X) },
	{ "nwip-domain", 62, ONE(IFT_TEXT) },
	{ "nisplus-domain", 64, ONE(IFT_TEXT) },
	{ "nisplus-servers", 65, ARR(IFT_IP) },
	{ "tftp-server-name", 66, ONE(IFT_TEXT) },
	{ "bootfile-name", 67, ONE(IFT_TEXT) },
	{ "mobile-ip-home-agent", 68, ARR(IFT_IP) },
	{ "smtp-server", 69, ARR(IFT_IP) },
	{ "pop-server", 70, ARR(IFT_IP) },
	{ "nntp-server", 71, ARR(IFT_IP) },
	{ "www-server", 72, ARR(IFT_IP) },
	{ "finger-server", 73, ARR(IFT_IP) },
	{ "irc-server", 74, ARR(IFT_IP) },
	{ "streettalk-server", 75, ARR(IFT_IP) },
	{ "streettalk-directory-assistance-server", 76, ARR(IFT_IP) },
	{ "user-class", 77, ONE(IFT_TEXT) },
	{ "nds-servers", 85, ARR(IFT_IP) },
	{ "nds-tree-name", 86, ONE(IFT_TEXT) },
	{ "nds-context", 87, ONE(IFT_TEXT) },
	{ "client-last-transaction-time", 91, ONE(IFT_U32) },
	{ "associated-ip", 92, ARR(IFT_IP) },
	{ "uap-servers", 98, ONE(IFT_TEXT) },
	{ "pcode", 100, ONE(IFT_TEXT) },
	{ "tcode", 101, ONE(IFT_TEXT) },
	{ "v6-only-preferred", 108, ONE(IFT_U32) },
	{ "netinfo-server-address", 112, ARR(IFT_IP) },
	{ "netinfo-server-tag", 113, ONE(IFT_TEXT) },
	{ "default-url", 114, ONE(IFT_TEXT) },
	{ "auto-config", 116, ONE(IFT_U8) },
	{ "subnet-selection", 118, ONE(IFT_IP) },
	{ "domain-search", 119, ONE(IFT_DOMLIST) },
	{ "tftp-server-address", 150, ARR(IFT_IP) },
	{ "v4-captive-portal", 160, ONE(IFT_TEXT) },
	{ "loader-configfile", 209, ONE(IFT_TEXT) },
	{ "loader-pathprefix", 210, ONE(IFT_TEXT) },
	{ "loader-reboottime", 211, ONE(IFT_U32) },
};

const struct isc_optname *isc_opt_by_name(const char *name)
{
	/* "option dhcp.routers" names the same option. */
	if (strncasecmp(name, "dhcp.", 5) == 0)
		name += 5;
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strcasecmp(names[i].name, name) == 0)
			return &names[i];
	return NULL;
}

bool isc_ip(const char *s, uint32_t *out)
{
	return text_ip4_parse(s, strlen(s), out);
}

/* One type word (or words) at token *i; advances past it. */
static int fmt_type(const struct isc_stmt *s, size_t *i, uint8_t *ft)
{
	static const struct { const char *w; uint8_t ft; } simple[] = {
		{ "ip-address", IFT_IP }, { "ip6-address", IFT_IP6 }, { "boolean", IFT_BOOL },
		{ "text", IFT_TEXT }, { "string", IFT_X }, { "domain-name", IFT_DOMAIN },
		{ "domain-list", IFT_DOMLIST }, { "zerolen", IFT_ZEROLEN },
	};
	for (size_t k = 0; k < sizeof simple / sizeof simple[0]; k++)
		if (isc_is(s, *i, simple[k].w)) {
			*ft = simple[k].ft;
			(*i)++;
			if (*ft == IFT_DOMLIST && isc_is(s, *i, "compressed"))
				(*i)++;
			return 0;
		}
	bool sign = true;
	if (isc_is(s, *i, "unsigned") || isc_is(s, *i, "signed")) {
		sign = isc_is(s, *i, "signed");
		(*i)++;
	}
	if (!isc_is(s, *i, "integer") || *i + 1 >= s->ntok)
		return -1;
	const char *w = s->tok[*i + 1].text;
	*i += 2;
	if (strcmp(w, "8") == 0)
		*ft = sign ? IFT_I8 : IFT_U8;
	else if (strcmp(w, "16") == 0)
		*ft = sign ? IFT_I16 : IFT_U16;
	else if (strcmp(w, "32") == 0)
		*ft = sign ? IFT_I32 : IFT_U32;
	else
		return -1;
	return 0;
}

static bool fixed_size(uint8_t ft)
{
	return ft != IFT_TEXT && ft != IFT_X && ft != IFT_DOMAIN && ft != IFT_DOMLIST &&
	       ft != IFT_ZEROLEN;
}

static bool is_p(const struct isc_stmt *s, size_t i, char c)
{
	return i < s->ntok && s->tok[i].kind == ISC_PUNCT && s->tok[i].text[0] == c;
}

int isc_fmt_parse(const struct isc_stmt *s, size_t i, struct isc_fmt *f, char *err,
		  size_t errlen)
{
	memset(f, 0, sizeof *f);
	f->kind = IFK_ONE;
	f->n = 1;
	if (isc_is(s, i, "array") && isc_is(s, i + 1, "of")) {
		f->kind = IFK_ARRAY;
		i += 2;
	}
	if (is_p(s, i, '{')) {
		if (f->kind == IFK_ARRAY) {
			snprintf(err, errlen, "an array of records");
			return -1;
		}
		f->kind = IFK_RECORD;
		f->n = 0;
		for (i++; !is_p(s, i, '}'); ) {
			if (f->n == ISC_FIELDS_MAX || fmt_type(s, &i, &f->f[f->n++]) < 0) {
				snprintf(err, errlen, "a record type of more than %d fields or an "
					 "unknown field type", ISC_FIELDS_MAX);
				return -1;
			}
			if (is_p(s, i, ','))
				i++;
		}
		i++;
	} else if (fmt_type(s, &i, &f->f[0]) < 0) {
		snprintf(err, errlen, "an unknown type");
		return -1;
	}
	if (i != s->ntok || (f->kind == IFK_ARRAY && !fixed_size(f->f[0]))) {
		snprintf(err, errlen, "a type that is not understood");
		return -1;
	}
	return 0;
}

static const char *our_type(uint8_t ft)
{
	switch (ft) {
	case IFT_IP: return "ip";
	case IFT_U8: return "u8";
	case IFT_U16: return "u16";
	case IFT_U32: return "u32";
	case IFT_I32: return "i32";
	case IFT_BOOL: return "bool";
	case IFT_TEXT: return "string";
	case IFT_X: return "hex";
	default: return NULL;
	}
}

bool isc_fmt_layout(const struct isc_fmt *f, char *text, size_t cap)
{
	size_t n = 0;
	if (f->kind == IFK_ONE) {
		const char *t = our_type(f->f[0]);
		return t && (size_t)snprintf(text, cap, "%s", t) < cap;
	}
	if (f->kind == IFK_ARRAY) {
		const char *t = our_type(f->f[0]);
		return t && (size_t)snprintf(text, cap, "array %s", t) < cap;
	}
	n = (size_t)snprintf(text, cap, "record ");
	for (size_t k = 0; k < f->n && n < cap; k++) {
		const char *t = our_type(f->f[k]);
		/* Only the last field of our records may be of variable size. */
		if (!t || (k + 1 < f->n && !fixed_size(f->f[k])))
			return false;
		n += (size_t)snprintf(text + n, cap - n, "%s%s", k ? ", " : "", t);
	}
	return n < cap;
}

/* ---- values ---- */

struct wr {
	uint8_t *p;
	size_t len, cap;
	bool over;
};

static void put(struct wr *w, const void *b, size_t n)
{
	if (n > w->cap - w->len) {
		w->over = true;
		return;
	}
	memcpy(w->p + w->len, b, n);
	w->len += n;
}

static void put_be(struct wr *w, uint32_t v, size_t n)
{
	uint8_t b[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };
	put(w, b + 4 - n, n);
}

/* A number token: decimal, or 0x hex; signed when lo < 0. */
static bool number(const char *t, long long lo, long long hi, long long *v)
{
	char *end;
	bool neg = *t == '-';
	if (neg && lo >= 0)
		return false;
	const char *d = neg ? t + 1 : t;
	if (!*d || *d == '-' || *d == '+')
		return false;
	unsigned long long u = strtoull(d, &end, d[0] == '0' && (d[1] == 'x' || d[1] == 'X') ? 16 : 10);
	if (*end || u > (1ull << 33))
		return false;
	*v = neg ? -(long long)u : (long long)u;
	return *v >= lo && *v <= hi;
}

/* "01:2:ff": colon-separated hex bytes of one or two digits. */
static bool hexlist(const char *t, struct wr *w)
{
	while (*t) {
		int a = text_hexval(t[0]), b = a >= 0 && t[1] ? text_hexval(t[1]) : -1;
		if (a < 0)
			return false;
		uint8_t v = (uint8_t)(b >= 0 ? a * 16 + b : a);
		put(w, &v, 1);
		t += b >= 0 ? 2 : 1;
		if (*t == ':' && t[1])
			t++;
		else if (*t)
			return false;
	}
	return true;
}

/* A domain name in DNS wire form (RFC 1035 section 3.1), uncompressed. */
static bool domain(const char *t, size_t n, struct wr *w)
{
	size_t start = w->len, i = 0;
	if (n == 0)
		return false;
	while (i < n) {
		size_t j = i;
		while (j < n && t[j] != '.')
			j++;
		if (j == i) {
			if (j + 1 == n && i > 0)
				break;		/* a trailing dot */
			return false;
		}
		if (j - i > TEXT_LABEL_MAX)
			return false;
		uint8_t len = (uint8_t)(j - i);
		put(w, &len, 1);
		put(w, t + i, len);
		i = j + 1;
	}
	uint8_t z = 0;
	put(w, &z, 1);
	return w->len - start <= 255;
}

/* One field at token *i. */
static int field(uint8_t ft, const struct isc_stmt *s, size_t *i, struct wr *w, bool *hostname,
		 char *err, size_t errlen)
{
	if (*i >= s->ntok) {
		snprintf(err, errlen, "a value is missing");
		return -1;
	}
	const struct isc_tok *k = &s->tok[(*i)++];
	long long v = 0;
	uint32_t a;
	bool word = k->kind == ISC_WORD, ok = false;
	switch (ft) {
	case IFT_IP:
		ok = word && isc_ip(k->text, &a);
		if (ok)
			put_be(w, a, 4);
		else if (word && text_is_alnum((uint8_t)k->text[0]))
			*hostname = true;
		break;
	case IFT_U8: ok = word && number(k->text, 0, 255, &v); put_be(w, (uint32_t)v, 1); break;
	case IFT_U16: ok = word && number(k->text, 0, 65535, &v); put_be(w, (uint32_t)v, 2); break;
	case IFT_U32: ok = word && number(k->text, 0, 4294967295LL, &v); put_be(w, (uint32_t)v, 4); break;
	/* dhcpd stores a signed field's bytes without checking the sign, and
	 * the usual RFC 3442 definition ("array of integer 8") relies on it
	 * for octets above 127. */
	case IFT_I8: ok = word && number(k->text, -128, 255, &v); put_be(w, (uint32_t)v, 1); break;
	case IFT_I16: ok = word && number(k->text, -32768, 65535, &v); put_be(w, (uint32_t)v, 2); break;
	case IFT_I32:
		ok = word && number(k->text, -2147483648LL, 4294967295LL, &v);
		put_be(w, (uint32_t)v, 4);
		break;
	case IFT_BOOL: {
		bool t = isc_is(s, *i - 1, "true") || isc_is(s, *i - 1, "on");
		ok = t || isc_is(s, *i - 1, "false") || isc_is(s, *i - 1, "off");
		uint8_t b = t;
		put(w, &b, 1);
		break;
	}
	case IFT_TEXT:
		ok = k->kind == ISC_STRING;
		put(w, k->text, k->len);
		break;
	case IFT_X:
		ok = k->kind == ISC_STRING ? (put(w, k->text, k->len), true) : word && hexlist(k->text, w);
		break;
	case IFT_DOMAIN:
		ok = k->kind == ISC_STRING && domain(k->text, k->len, w);
		break;
	case IFT_DOMLIST:
		for (ok = true, (*i)--; ok && *i < s->ntok; ) {
			k = &s->tok[(*i)++];
			ok = k->kind == ISC_STRING && domain(k->text, k->len, w);
			if (ok && is_p(s, *i, ','))
				(*i)++;
		}
		break;
	case IFT_IP6:
		snprintf(err, errlen, "IPv6 addresses have no place in a DHCPv4 option here");
		return -1;
	case IFT_ZEROLEN:
		(*i)--;
		return 0;
	default:
		break;
	}
	if (!ok) {
		snprintf(err, errlen, *hostname ? "\"%s\" is a host name, which cannot be looked up "
			 "when translating" : "\"%s\" is not a value of the option's type", k->text);
		return -1;
	}
	return 0;
}

int isc_value_encode(const struct isc_fmt *f, const struct isc_stmt *s, size_t i, uint8_t *out,
		     size_t cap, bool *hostname, char *err, size_t errlen)
{
	struct wr w = { .p = out, .cap = cap };
	*hostname = false;
	for (size_t k = 0; f->kind == IFK_RECORD ? k < f->n : true; k++) {
		uint8_t ft = f->f[f->kind == IFK_RECORD ? k : 0];
		if (field(ft, s, &i, &w, hostname, err, errlen) < 0)
			return -1;
		if (is_p(s, i, ','))
			i++;
		if (f->kind == IFK_ONE || (f->kind == IFK_ARRAY && i >= s->ntok) || w.over)
			break;
	}
	if (w.over) {
		snprintf(err, errlen, "the value is longer than %zu bytes", cap);
		return -1;
	}
	if (i != s->ntok) {
		snprintf(err, errlen, "more values than the option's type holds");
		return -1;
	}
	return (int)w.len;
}
