/* The lease record's field table and its two codecs (see record.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "common/text.h"
#include "core/record.h"

/* Failover option codes of draft-ietf-dhc-failover-12 section 12 (the
 * numbers of ISC dhcpd's includes/failover.h). */
enum {
	FO_ASSIGNED_IP_ADDRESS = 2,
	FO_BINDING_STATUS = 3,
	FO_CLIENT_IDENTIFIER = 4,
	FO_CLIENT_HARDWARE_ADDRESS = 5,	/* htype byte and address */
	FO_CLTT = 6,
	FO_IP_FLAGS = 12,		/* 2 = BOOTP, as LEASE_F_BOOTP */
	FO_LEASE_EXPIRATION_TIME = 13,
	FO_POTENTIAL_EXPIRATION_TIME = 18,
	FO_START_TIME_OF_STATE = 25,
};

#define OFF(m) offsetof(struct lease_rec, m)

/* The order is the journal's: today's lines must come out byte for byte.
 * htype goes out inside option 5 with hw.  tsfp and atsfp are what each
 * side keeps about the other's acks, never sent.  pending_state travels
 * as the binding-status of the BNDUPD that is waiting for its ack. */
const struct record_field record_fields[] = {
	{ "addr", "addr", RECORD_IPV4, 0, OFF(addr), FO_ASSIGNED_IP_ADDRESS },
	{ "state", "state", RECORD_STATE, 0, OFF(state), FO_BINDING_STATUS },
	{ "pending_state", "pending_state", RECORD_STATE, RECORD_OPTIONAL,
	  OFF(pending_state), 0 },
	{ "htype", "htype", RECORD_U8, 0, OFF(htype), 0 },
	{ "hw", "mac", RECORD_HW, 0, OFF(hw), FO_CLIENT_HARDWARE_ADDRESS },
	{ "cid", "client_id", RECORD_CID, 0, OFF(cid), FO_CLIENT_IDENTIFIER },
	{ "host", "hostname", RECORD_HOST, 0, OFF(hostname), 0 },
	{ "start", "start", RECORD_TIME, 0, OFF(start), FO_START_TIME_OF_STATE },
	{ "end", "end", RECORD_TIME, 0, OFF(end), FO_LEASE_EXPIRATION_TIME },
	{ "cltt", "cltt", RECORD_TIME, 0, OFF(cltt), FO_CLTT },
	{ "tstp", "tstp", RECORD_TIME, 0, OFF(tstp), FO_POTENTIAL_EXPIRATION_TIME },
	{ "tsfp", "tsfp", RECORD_TIME, 0, OFF(tsfp), 0 },
	{ "atsfp", "atsfp", RECORD_TIME, RECORD_OPTIONAL, OFF(atsfp), 0 },
	{ "named", "named_since", RECORD_TIME, RECORD_OPTIONAL, OFF(named_since), 0 },
	{ "flags", "origin", RECORD_FLAGS, 0, OFF(flags), FO_IP_FLAGS },
};
const size_t record_nfields = sizeof record_fields / sizeof record_fields[0];
_Static_assert(sizeof record_fields / sizeof record_fields[0] <= 32,
	       "the parsers keep a 32-bit mask of the keys seen");

/* ---- Field access ---- */

static uint8_t get_u8(const struct lease_rec *rec, const struct record_field *f)
{
	return ((const uint8_t *)rec)[f->off];
}

static void set_u8(struct lease_rec *rec, const struct record_field *f, uint8_t v)
{
	((uint8_t *)rec)[f->off] = v;
}

static int64_t get_i64(const struct lease_rec *rec, const struct record_field *f)
{
	int64_t v;
	memcpy(&v, (const char *)rec + f->off, sizeof v);
	return v;
}

static void set_i64(struct lease_rec *rec, const struct record_field *f, int64_t v)
{
	memcpy((char *)rec + f->off, &v, sizeof v);
}

static uint32_t get_u32(const struct lease_rec *rec, const struct record_field *f)
{
	uint32_t v;
	memcpy(&v, (const char *)rec + f->off, sizeof v);
	return v;
}

static void set_u32(struct lease_rec *rec, const struct record_field *f, uint32_t v)
{
	memcpy((char *)rec + f->off, &v, sizeof v);
}

bool record_field_zero(const struct record_field *f, const struct lease_rec *rec)
{
	switch (f->kind) {
	case RECORD_IPV4:
		return get_u32(rec, f) == 0;
	case RECORD_STATE:
	case RECORD_U8:
	case RECORD_FLAGS:
		return get_u8(rec, f) == 0;
	case RECORD_HW:
		return rec->hlen == 0;
	case RECORD_CID:
		return rec->cid_len == 0;
	case RECORD_HOST:
		return rec->hostname == NULL || rec->hostname[0] == '\0';
	case RECORD_TIME:
		return get_i64(rec, f) == 0;
	}
	return true;
}

static bool state_ok(uint8_t s)
{
	return s >= LEASE_FREE && s <= LEASE_BACKUP;
}

bool record_valid(const struct lease_rec *rec)
{
	if (!state_ok(rec->state))
		return false;
	if (rec->pending_state != 0 && !state_ok(rec->pending_state))
		return false;
	if (rec->hlen > LEASE_HW_MAX)
		return false;
	if (rec->cid_len > 0 && rec->cid == NULL)
		return false;
	return rec->hostname == NULL ||
	       strnlen(rec->hostname, LEASE_HOST_MAX + 1) <= LEASE_HOST_MAX;
}

static bool field_same(const struct record_field *f, const struct lease_rec *a,
		       const struct lease_rec *b)
{
	switch (f->kind) {
	case RECORD_IPV4:
		return get_u32(a, f) == get_u32(b, f);
	case RECORD_STATE:
	case RECORD_U8:
	case RECORD_FLAGS:
		return get_u8(a, f) == get_u8(b, f);
	case RECORD_HW:
		return a->hlen == b->hlen && memcmp(a->hw, b->hw, a->hlen) == 0;
	case RECORD_CID:
		return a->cid_len == b->cid_len &&
		       (!a->cid_len || memcmp(a->cid, b->cid, a->cid_len) == 0);
	case RECORD_HOST:
		return strcmp(a->hostname ? a->hostname : "", b->hostname ? b->hostname : "") == 0;
	case RECORD_TIME:
		return get_i64(a, f) == get_i64(b, f);
	}
	return false;
}

bool record_same(const struct lease_rec *a, const struct lease_rec *b)
{
	for (size_t i = 0; i < record_nfields; i++)
		if (!field_same(&record_fields[i], a, b))
			return false;
	return true;
}

void record_clear(struct lease_rec *rec)
{
	free(rec->cid);
	free(rec->hostname);
	rec->cid = NULL;
	rec->cid_len = 0;
	rec->hostname = NULL;
}

static int failf(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int failf(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL && errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* ==== Journal text ==== */

/* A bounded output cursor: once full it drops everything. */
struct out {
	char *p;
	size_t cap, len;
	bool full;
};

static void out_mem(struct out *o, const void *s, size_t n)
{
	if (o->full || n > o->cap - o->len) {
		o->full = true;
		return;
	}
	memcpy(o->p + o->len, s, n);
	o->len += n;
}

static void out_str(struct out *o, const char *s)
{
	out_mem(o, s, strlen(s));
}

static void out_ch(struct out *o, char c)
{
	out_mem(o, &c, 1);
}

static void out_u64(struct out *o, uint64_t v)
{
	char t[20];
	size_t i = sizeof t;

	do {
		t[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	out_mem(o, t + i, sizeof t - i);
}

static void out_i64(struct out *o, int64_t v)
{
	if (v < 0) {
		out_ch(o, '-');
		out_u64(o, -(uint64_t)v);	/* well defined for INT64_MIN */
	} else {
		out_u64(o, (uint64_t)v);
	}
}

static void out_hex(struct out *o, const uint8_t *b, size_t n, char sep)
{
	char buf[3 * LEASE_CID_MAX + 1];

	out_str(o, text_hex(buf, b, n, sep));
}

/* Percent-encoded: the bytes that would break the line or the key=value
 * split as %XX (common/text.h). */
static void out_host(struct out *o, const char *h)
{
	char buf[3 * LEASE_HOST_MAX];
	size_t n = h != NULL ? strnlen(h, LEASE_HOST_MAX) : 0;

	out_mem(o, buf, text_pct_encode(buf, h, n));
}

static void out_value(struct out *o, const struct record_field *f,
		      const struct lease_rec *rec)
{
	char ip[TEXT_IP4_LEN];

	switch (f->kind) {
	case RECORD_IPV4:
		out_str(o, text_ip4(get_u32(rec, f), ip));
		break;
	case RECORD_STATE:
		out_str(o, lease_state_name(get_u8(rec, f)));
		break;
	case RECORD_U8:
	case RECORD_FLAGS:
		out_u64(o, get_u8(rec, f));
		break;
	case RECORD_HW:
		out_hex(o, rec->hw, rec->hlen, ':');
		break;
	case RECORD_CID:
		out_hex(o, rec->cid, rec->cid_len, 0);
		break;
	case RECORD_HOST:
		out_host(o, rec->hostname);
		break;
	case RECORD_TIME:
		out_i64(o, get_i64(rec, f));
		break;
	}
}

size_t record_text_format(char *buf, size_t cap, const struct lease_rec *rec)
{
	struct out o = { buf, cap, 0, false };

	if (!record_valid(rec))
		return 0;
	for (size_t i = 0; i < record_nfields; i++) {
		const struct record_field *f = &record_fields[i];

		if ((f->flags & RECORD_OPTIONAL) && record_field_zero(f, rec))
			continue;
		out_ch(&o, ' ');
		out_str(&o, f->text);
		out_ch(&o, '=');
		out_value(&o, f, rec);
	}
	return o.full ? 0 : o.len;
}

/* ---- Text parsing: strict, canonical, never reads past len ---- */

/* A lower-case hex digit, or -1. */
static int hex_lower(char c)
{
	return c >= 'A' && c <= 'F' ? -1 : text_hexval(c);
}

/* Canonical decimal: no sign, no leading zero, at most max. */
static bool parse_uint(const char *v, size_t n, uint64_t max, uint64_t *out)
{
	uint64_t x = 0;

	if (n == 0 || n > 20 || (v[0] == '0' && n > 1))
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned d = (unsigned)(v[i] - '0');

		if (d > 9 || x > (max - d) / 10)
			return false;
		x = x * 10 + d;
	}
	*out = x;
	return true;
}

/* Canonical signed decimal: "-0" and a "+" are refused. */
static bool parse_time(const char *v, size_t n, int64_t *out)
{
	uint64_t x;

	if (n > 0 && v[0] == '-') {
		if (!parse_uint(v + 1, n - 1, (uint64_t)INT64_MAX + 1, &x) || x == 0)
			return false;
		*out = x == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)x;
		return true;
	}
	if (!parse_uint(v, n, INT64_MAX, &x))
		return false;
	*out = (int64_t)x;
	return true;
}

/* Lower-case hex pairs, joined by sep unless it is 0.  Returns the
 * byte count, or -1 when malformed, -2 when longer than max. */
static int parse_hex(const char *v, size_t n, char sep, uint8_t *out, size_t max)
{
	size_t step = sep ? 3 : 2, k;

	if (n == 0)
		return 0;
	if ((sep && (n + 1) % 3 != 0) || (!sep && n % 2 != 0))
		return -1;
	k = (n + (sep ? 1 : 0)) / step;
	if (k > max)
		return -2;
	for (size_t i = 0; i < k; i++) {
		const char *p = v + step * i;
		int hi = hex_lower(p[0]), lo = hex_lower(p[1]);

		if (hi < 0 || lo < 0 || (sep && i + 1 < k && p[2] != sep))
			return -1;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return (int)k;
}

static const char *parse_hw(const char *v, size_t n, struct lease_rec *rec)
{
	int k = parse_hex(v, n, ':', rec->hw, LEASE_HW_MAX);

	if (k == -2)
		return "longer than 16 bytes";
	if (k < 0)
		return "not colon-separated lower-case hex bytes";
	rec->hlen = (uint8_t)k;
	return NULL;
}

static const char *parse_cid(const char *v, size_t n, struct lease_rec *rec,
			     struct record_bufs *b)
{
	int k;

	if (n % 2 != 0)
		return "odd number of hex digits";
	k = parse_hex(v, n, 0, b->cid, LEASE_CID_MAX);
	if (k == -2)
		return "longer than 255 bytes";
	if (k < 0)
		return "not lower-case hex";
	rec->cid_len = (uint8_t)k;
	rec->cid = k > 0 ? b->cid : NULL;
	return NULL;
}

/* Only the canonical encoding is accepted, so each hostname has exactly
 * one spelling and format(parse(line)) reproduces the line. */
static const char *parse_host(const char *v, size_t n, struct lease_rec *rec,
			      struct record_bufs *b)
{
	const char *why = NULL;
	int k = text_pct_decode(v, n, b->hostname, LEASE_HOST_MAX, &why);

	if (k == -2)
		return "longer than 255 bytes";
	if (k < 0)
		return why;
	b->hostname[k] = '\0';
	rec->hostname = k > 0 ? b->hostname : NULL;
	return NULL;
}

static const char *parse_value(const struct record_field *f, const char *v, size_t n,
			       struct lease_rec *rec, struct record_bufs *b)
{
	uint64_t x;
	uint32_t a;
	int64_t t;

	switch (f->kind) {
	case RECORD_IPV4:
		/* text_ip4_parse takes four decimal octets without leading
		 * zeros (some readers take those as octal). */
		if (!text_ip4_parse(v, n, &a))
			return "not a dotted-quad address";
		set_u32(rec, f, a);
		return NULL;
	case RECORD_STATE:
		set_u8(rec, f, lease_state_parse(v, n));
		return get_u8(rec, f) != 0 ? NULL : "unknown binding state";
	case RECORD_U8:
	case RECORD_FLAGS:
		if (!parse_uint(v, n, UINT8_MAX, &x))
			return "not a number from 0 to 255";
		set_u8(rec, f, (uint8_t)x);
		return NULL;
	case RECORD_HW:
		return parse_hw(v, n, rec);
	case RECORD_CID:
		return parse_cid(v, n, rec, b);
	case RECORD_HOST:
		return parse_host(v, n, rec, b);
	case RECORD_TIME:
		if (!parse_time(v, n, &t))
			return "not a 64-bit decimal number";
		set_i64(rec, f, t);
		return NULL;
	}
	return "unknown field kind";
}

/* Fields come in the order record_text_format() writes them, so the
 * expected slot is tried first. */
static int find_text_key(const char *k, size_t n, size_t hint)
{
	for (size_t j = 0; j < record_nfields; j++) {
		size_t i = (hint + j) % record_nfields;
		const char *key = record_fields[i].text;

		if (strlen(key) == n && memcmp(key, k, n) == 0)
			return (int)i;
	}
	return -1;
}

struct perr {
	const char *why;
	const char *key;	/* the key at fault, or NULL */
	size_t klen;
};

static bool parse_field(const char *tok, size_t tlen, size_t *hint, uint32_t *seen,
			struct lease_rec *rec, struct record_bufs *b, struct perr *e)
{
	const char *eq = tlen > 0 ? memchr(tok, '=', tlen) : NULL;
	const struct record_field *f;
	int i;

	if (eq == NULL) {
		e->why = tlen > 0 ? "field without '='" : "empty field";
		return false;
	}
	e->key = tok;
	e->klen = (size_t)(eq - tok);
	i = find_text_key(tok, e->klen, *hint);
	if (i < 0) {
		e->why = "unknown key";
		return false;
	}
	if (*seen & (1u << i)) {
		e->why = "duplicate key";
		return false;
	}
	*seen |= 1u << i;
	*hint = (size_t)i + 1;
	f = &record_fields[i];
	e->why = parse_value(f, eq + 1, tlen - e->klen - 1, rec, b);
	/* Zero is written by leaving the field out: one spelling only. */
	if (e->why == NULL && (f->flags & RECORD_OPTIONAL) && record_field_zero(f, rec))
		e->why = "zero is written by leaving the field out";
	return e->why == NULL;
}

static bool parse_fields(const char *s, size_t len, struct lease_rec *rec,
			 struct record_bufs *b, struct perr *e)
{
	uint32_t seen = 0;
	size_t pos = 0, hint = 0;

	while (pos < len) {
		const char *tok = s + pos + 1;
		size_t rest = len - pos - 1;
		const char *sp = rest > 0 ? memchr(tok, ' ', rest) : NULL;
		size_t tlen = sp != NULL ? (size_t)(sp - tok) : rest;

		if (s[pos] != ' ') {
			e->why = "fields must be separated by one space";
			return false;
		}
		if (!parse_field(tok, tlen, &hint, &seen, rec, b, e))
			return false;
		pos += 1 + tlen;
	}
	for (size_t i = 0; i < record_nfields; i++) {
		if (!(seen & (1u << i)) && !(record_fields[i].flags & RECORD_OPTIONAL)) {
			e->why = "missing";
			e->key = record_fields[i].text;
			e->klen = strlen(e->key);
			return false;
		}
	}
	return true;
}

/* Copies at most 32 bytes of an untrusted key, with non-printables
 * replaced, so an error message stays one readable line. */
static void printable(char *dst, size_t cap, const char *s, size_t n)
{
	size_t o = 0;

	for (size_t i = 0; i < n && o + 4 < cap && i < 32; i++)
		dst[o++] = s[i] > 0x20 && s[i] < 0x7f ? s[i] : '?';
	if (n > 32 && o + 4 < cap) {
		memcpy(dst + o, "...", 3);
		o += 3;
	}
	dst[o] = '\0';
}

int record_text_parse(const char *s, size_t len, struct lease_rec *rec,
		      struct record_bufs *b, char *err, size_t errlen)
{
	struct perr e = { NULL, NULL, 0 };
	char key[40];

	memset(rec, 0, sizeof *rec);
	if (parse_fields(s, len, rec, b, &e))
		return 0;
	if (e.key == NULL)
		return failf(err, errlen, "%s", e.why);
	printable(key, sizeof key, e.key, e.klen);
	return failf(err, errlen, "%s: %s", key, e.why);
}

/* ==== JSON ==== */

static json_object *json_hex(const uint8_t *p, size_t n)
{
	char buf[3 * LEASE_CID_MAX + 1];

	return json_object_new_string(text_hex(buf, p, n, ':'));
}

/* JSON text must be UTF-8 (RFC 8259 section 8.1): a hostname is bytes
 * from a client, so the ones that are not valid UTF-8 become '?'. */
static json_object *json_host(const char *s)
{
	char *copy = strdup(s);
	json_object *o;

	if (copy == NULL)
		return NULL;
	text_utf8_fix(copy);
	o = json_object_new_string(copy);
	free(copy);
	return o;
}

/* The JSON value of a field; *v NULL means null.  Returns false when out
 * of memory. */
static bool json_value(const struct record_field *f, const struct lease_rec *rec,
		       json_object **v)
{
	char ip[TEXT_IP4_LEN];

	*v = NULL;
	switch (f->kind) {
	case RECORD_IPV4:
		*v = json_object_new_string(text_ip4(get_u32(rec, f), ip));
		break;
	case RECORD_STATE:
		*v = json_object_new_string(lease_state_name(get_u8(rec, f)));
		break;
	case RECORD_U8:
		*v = json_object_new_int(get_u8(rec, f));
		break;
	case RECORD_FLAGS:
		*v = json_object_new_string(get_u8(rec, f) & LEASE_F_PARTNER ? "partner" : "own");
		break;
	case RECORD_HW:
		*v = json_hex(rec->hw, rec->hlen < LEASE_HW_MAX ? rec->hlen : LEASE_HW_MAX);
		break;
	case RECORD_CID:
		if (rec->cid_len == 0 || rec->cid == NULL)
			return true;
		*v = json_hex(rec->cid, rec->cid_len);
		break;
	case RECORD_HOST:
		if (rec->hostname == NULL)
			return true;
		*v = json_host(rec->hostname);
		break;
	case RECORD_TIME:
		*v = json_object_new_int64(get_i64(rec, f));
		break;
	}
	return *v != NULL;
}

int record_json_add(json_object *o, const struct lease_rec *rec)
{
	for (size_t i = 0; i < record_nfields; i++) {
		const struct record_field *f = &record_fields[i];
		json_object *v;

		if ((f->flags & RECORD_OPTIONAL) && record_field_zero(f, rec))
			continue;
		if (!json_value(f, rec, &v) || json_object_object_add(o, f->json, v) < 0) {
			json_object_put(v);
			return -1;
		}
	}
	return 0;
}

/* ---- JSON reading: untrusted, from the partner's feed ---- */

/* A string without embedded NULs; *len is its length. */
static const char *json_str(json_object *v, size_t *len)
{
	const char *s;

	if (v == NULL || !json_object_is_type(v, json_type_string))
		return NULL;
	s = json_object_get_string(v);
	*len = (size_t)json_object_get_string_len(v);
	return strlen(s) == *len ? s : NULL;
}

/* A non-negative JSON integer below max. */
static bool json_uint(json_object *v, uint64_t max, uint64_t *out)
{
	if (v == NULL || !json_object_is_type(v, json_type_int) ||
	    json_object_get_int64(v) < 0)
		return false;
	*out = json_object_get_uint64(v);
	return *out < max;
}

/* Hex bytes, "0a1b2c" or "0a:1b:2c" (the API writes the second), either
 * case.  Returns the byte count, -1 when malformed (odd length, bad
 * digit, stray separator) or -2 when longer than max. */
static int hex_decode(const char *s, size_t len, uint8_t *out, size_t max)
{
	bool colons = len > 2 && s[2] == ':';
	size_t n = 0;

	for (size_t i = 0; i < len;) {
		if (i + 2 > len)
			return -1;
		int hi = text_hexval(s[i]), lo = text_hexval(s[i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		if (n == max)
			return -2;
		out[n++] = (uint8_t)(hi << 4 | lo);
		i += 2;
		if (colons && i < len && (s[i++] != ':' || i == len))
			return -1;
	}
	return (int)n;
}

static const char *read_hw(json_object *v, struct lease_rec *rec)
{
	size_t len;
	const char *s = json_str(v, &len);
	int n = s != NULL ? hex_decode(s, len, rec->hw, LEASE_HW_MAX) : -1;

	if (n < 0)
		return n == -2 ? "longer than 16 bytes" : "want hex";
	rec->hlen = (uint8_t)n;
	return NULL;
}

/* null and "" mean none. */
static const char *read_cid(json_object *v, struct lease_rec *rec)
{
	uint8_t cid[LEASE_CID_MAX];
	size_t len = 0;
	const char *s = json_str(v, &len);
	int n;

	if (v != NULL && s == NULL)
		return "want a hex string or null";
	if (len == 0)
		return NULL;
	n = hex_decode(s, len, cid, sizeof cid);
	if (n < 0)
		return n == -2 ? "longer than 255 bytes" : "want hex";
	if ((rec->cid = malloc((size_t)n)) == NULL)
		return "out of memory";
	memcpy(rec->cid, cid, (size_t)n);
	rec->cid_len = (uint8_t)n;
	return NULL;
}

/* null and "" mean none. */
static const char *read_host(json_object *v, struct lease_rec *rec)
{
	size_t len = 0;
	const char *s = json_str(v, &len);

	if ((v != NULL && s == NULL) || len > LEASE_HOST_MAX)
		return "want a string of at most 255 bytes or null";
	if (len > 0 && (rec->hostname = strdup(s)) == NULL)
		return "out of memory";
	return NULL;
}

static const char *read_small(const struct record_field *f, json_object *v,
			      struct lease_rec *rec)
{
	const char *s;
	size_t len;
	uint64_t x;

	switch (f->kind) {
	case RECORD_STATE:
		if ((s = json_str(v, &len)) == NULL || lease_state_parse(s, len) == 0)
			return "unknown binding state";
		set_u8(rec, f, lease_state_parse(s, len));
		return NULL;
	case RECORD_U8:
		if (!json_uint(v, UINT8_MAX + 1, &x))
			return "want 0-255";
		set_u8(rec, f, (uint8_t)x);
		return NULL;
	case RECORD_FLAGS:
		/* Only the partner bit travels: "origin". */
		s = json_str(v, &len);
		if (s != NULL && len == 3 && memcmp(s, "own", 3) == 0)
			set_u8(rec, f, 0);
		else if (s != NULL && len == 7 && memcmp(s, "partner", 7) == 0)
			set_u8(rec, f, LEASE_F_PARTNER);
		else
			return "want \"own\" or \"partner\"";
		return NULL;
	}
	return "unknown field kind";
}

/* One field's value; v is NULL for JSON's null. */
static const char *read_value(const struct record_field *f, json_object *v,
			      struct lease_rec *rec)
{
	const char *s;
	size_t len;
	uint32_t a;
	uint64_t x;

	switch (f->kind) {
	case RECORD_IPV4:
		if ((s = json_str(v, &len)) == NULL || !text_ip4_parse(s, len, &a))
			return "want a dotted IPv4 address";
		set_u32(rec, f, a);
		return NULL;
	case RECORD_HW:
		return read_hw(v, rec);
	case RECORD_CID:
		return read_cid(v, rec);
	case RECORD_HOST:
		return read_host(v, rec);
	case RECORD_TIME:
		if (!json_uint(v, (uint64_t)RECORD_JSON_TIME_MAX, &x))
			return "want seconds in [0, 2^40)";
		set_i64(rec, f, (int64_t)x);
		return NULL;
	default:
		return read_small(f, v, rec);
	}
}

int record_json_read(json_object *o, struct lease_rec *rec, char *err, size_t errlen)
{
	memset(rec, 0, sizeof *rec);
	for (size_t i = 0; i < record_nfields; i++) {
		const struct record_field *f = &record_fields[i];
		bool optional = f->flags & RECORD_OPTIONAL;
		const char *why = NULL;
		json_object *v;

		if (!json_object_object_get_ex(o, f->json, &v))
			why = optional ? NULL : "missing";
		else if (!(optional && v == NULL))	/* an optional null is zero */
			why = read_value(f, v, rec);
		if (why != NULL) {
			record_clear(rec);
			return failf(err, errlen, "%s: %s", f->json, why);
		}
	}
	return 0;
}
