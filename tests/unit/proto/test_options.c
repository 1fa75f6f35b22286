/* Option definitions and the text forms of option values. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "proto/options.h"
#include "t.h"

/* Encodes text as t and compares with the expected bytes. */
static int enc_is(enum opt_type t, const char *text, const char *hex)
{
	uint8_t out[OPT_VALUE_MAX], want[OPT_VALUE_MAX];
	char err[128];
	size_t n = 0;
	int len = opt_encode(t, text, out, sizeof out, err, sizeof err);

	for (const char *h = hex; *h; h += 2) {
		unsigned b;
		if (*h == ' ')
			h--;	/* spaces in hex are for reading */
		else if (sscanf(h, "%2x", &b) == 1)
			want[n++] = (uint8_t)b;
	}
	if (len < 0) {
		fprintf(stderr, "  encode(%s, \"%s\"): %s\n", opt_type_name(t), text, err);
		return 0;
	}
	return (size_t)len == n && memcmp(out, want, n) == 0;
}

static int enc_fails(enum opt_type t, const char *text)
{
	uint8_t out[OPT_VALUE_MAX];
	char err[128] = "";

	return opt_encode(t, text, out, sizeof out, err, sizeof err) < 0 && err[0];
}

static int dhcpsrv_is(const char *text, const char *hex)
{
	uint8_t out[OPT_VALUE_MAX];
	char err[128], got[3 * OPT_VALUE_MAX + 1] = "";
	int len = opt_encode_dhcpsrv(text, out, sizeof out, err, sizeof err);

	if (len < 0) {
		fprintf(stderr, "  dhcpsrv(\"%s\"): %s\n", text, err);
		return 0;
	}
	for (int i = 0; i < len; i++)
		snprintf(got + 2 * i, 3, "%02x", out[i]);
	if (strcmp(got, hex) != 0)
		fprintf(stderr, "  dhcpsrv(\"%s\") = %s, want %s\n", text, got, hex);
	return strcmp(got, hex) == 0;
}

static int dhcpsrv_fails(const char *text)
{
	uint8_t out[OPT_VALUE_MAX];
	char err[128] = "";

	return opt_encode_dhcpsrv(text, out, sizeof out, err, sizeof err) < 0 && err[0];
}

/* format(v) must encode back to v. */
static int round_trips(enum opt_type t, const uint8_t *v, size_t len)
{
	char *text = NULL;
	size_t n = 0;
	FILE *m = open_memstream(&text, &n);
	uint8_t out[OPT_VALUE_MAX];
	char err[128];
	int got, ok;

	opt_format(m, t, v, len);
	fclose(m);
	got = opt_encode(opt_valid(t, v, len) ? t : OPT_BYTES, text, out, sizeof out, err,
			 sizeof err);
	ok = got == (int)len && memcmp(out, v, len) == 0;
	if (!ok)
		fprintf(stderr, "  %s value \"%s\" does not round trip\n", opt_type_name(t), text);
	free(text);
	return ok;
}

static int formats_as(enum opt_type t, const uint8_t *v, size_t len, const char *want)
{
	char *text = NULL;
	size_t n = 0;
	FILE *m = open_memstream(&text, &n);
	int ok;

	opt_format(m, t, v, len);
	fclose(m);
	ok = strcmp(text, want) == 0;
	if (!ok)
		fprintf(stderr, "  format = \"%s\", want \"%s\"\n", text, want);
	free(text);
	return ok;
}

TEST(defs_by_code_and_name)
{
	const struct opt_def *d = opt_def_by_code(3);

	CHECK(d != NULL);
	CHECK_EQ(d->type, OPT_IPS);
	CHECK_STR(d->name, "routers");
	CHECK_EQ(opt_def_by_code(1)->type, OPT_IP);
	CHECK_EQ(opt_def_by_code(15)->type, OPT_STRING);
	CHECK_EQ(opt_def_by_code(46)->type, OPT_U8);
	CHECK_EQ(opt_def_by_code(51)->type, OPT_U32);
	CHECK_EQ(opt_def_by_code(81)->type, OPT_BYTES);
	CHECK_EQ(opt_def_by_code(82)->type, OPT_BYTES);
	CHECK_EQ(opt_def_by_code(119)->type, OPT_BYTES);
	CHECK_EQ(opt_def_by_code(121)->type, OPT_ROUTES);
	CHECK(opt_def_by_code(0) == NULL);
	CHECK(opt_def_by_code(200) == NULL);
	CHECK(opt_def_by_code(255) == NULL);
	CHECK_EQ(opt_def_by_name("Domain-Name-Servers")->code, 6);
	CHECK(opt_def_by_name("no-such-option") == NULL);
}

TEST(defs_sorted_and_unique)
{
	int last = 0;

	for (int c = 1; c < 255; c++) {
		const struct opt_def *d = opt_def_by_code((uint8_t)c);
		if (d == NULL)
			continue;
		CHECK_EQ(d->code, c);
		CHECK(c > last);
		CHECK(opt_def_by_name(d->name) == d);
		last = c;
	}
}

TEST(type_names)
{
	static const char *const names[] = { "ip", "ips", "u8", "u16", "u32", "i32", "bool",
					     "string", "hex", "routes" };
	enum opt_type t;

	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		CHECK_EQ(opt_type_parse(names[i], &t), 0);
		CHECK_STR(opt_type_name(t), names[i]);
	}
	CHECK_EQ(opt_type_parse("IPS", &t), 0);
	CHECK_EQ(t, OPT_IPS);
	CHECK_EQ(opt_type_parse("int", &t), -1);
	CHECK_EQ(opt_type_parse("", &t), -1);
}

TEST(encode_ip_and_ips)
{
	CHECK(enc_is(OPT_IP, "192.168.1.1", "c0a80101"));
	CHECK(enc_fails(OPT_IP, "192.168.1.1,192.168.1.2"));
	CHECK(enc_fails(OPT_IP, "192.168.1"));
	CHECK(enc_fails(OPT_IP, "192.168.1.256"));
	CHECK(enc_fails(OPT_IP, ""));
	CHECK(enc_is(OPT_IPS, "10.0.0.1,10.0.0.2", "0a0000010a000002"));
	CHECK(enc_is(OPT_IPS, "10.0.0.1, 10.0.0.2  10.0.0.3", "0a0000010a0000020a000003"));
	CHECK(enc_fails(OPT_IPS, "10.0.0.1,"));
	CHECK(enc_fails(OPT_IPS, "10.0.0.1;10.0.0.2"));
	CHECK(enc_fails(OPT_IPS, "host.example"));
}

TEST(encode_integers)
{
	CHECK(enc_is(OPT_U8, "0", "00"));
	CHECK(enc_is(OPT_U8, "255", "ff"));
	CHECK(enc_is(OPT_U8, "0x10", "10"));
	CHECK(enc_fails(OPT_U8, "256"));
	CHECK(enc_fails(OPT_U8, "-1"));
	CHECK(enc_fails(OPT_U8, "1a"));
	CHECK(enc_is(OPT_U16, "1500", "05dc"));
	CHECK(enc_fails(OPT_U16, "65536"));
	CHECK(enc_is(OPT_U32, "4294967295", "ffffffff"));
	CHECK(enc_is(OPT_U32, "86400", "00015180"));
	CHECK(enc_fails(OPT_U32, "4294967296"));
	CHECK(enc_fails(OPT_U32, "99999999999999999999999"));
	CHECK(enc_is(OPT_I32, "-3600", "fffff1f0"));
	CHECK(enc_is(OPT_I32, "-2147483648", "80000000"));
	CHECK(enc_is(OPT_I32, "2147483647", "7fffffff"));
	CHECK(enc_fails(OPT_I32, "2147483648"));
	CHECK(enc_fails(OPT_I32, "-"));
}

TEST(encode_bool)
{
	CHECK(enc_is(OPT_BOOL, "1", "01"));
	CHECK(enc_is(OPT_BOOL, "TRUE", "01"));
	CHECK(enc_is(OPT_BOOL, "yes", "01"));
	CHECK(enc_is(OPT_BOOL, "on", "01"));
	CHECK(enc_is(OPT_BOOL, "off", "00"));
	CHECK(enc_is(OPT_BOOL, "no", "00"));
	CHECK(enc_fails(OPT_BOOL, "2"));
	CHECK(enc_fails(OPT_BOOL, "maybe"));
}

TEST(encode_string)
{
	CHECK(enc_is(OPT_STRING, "lan", "6c616e"));
	CHECK(enc_is(OPT_STRING, "\"a;b\"", "613b62"));
	CHECK(enc_is(OPT_STRING, "\"\\x00\\\"\\\\\"", "00225c"));
	CHECK(enc_is(OPT_STRING, "", ""));
	CHECK(enc_fails(OPT_STRING, "\"open"));
	CHECK(enc_fails(OPT_STRING, "\"a\" b"));
	CHECK(enc_fails(OPT_STRING, "\"\\q\""));
}

TEST(encode_hex)
{
	CHECK(enc_is(OPT_BYTES, "01:02:0a", "01020a"));
	CHECK(enc_is(OPT_BYTES, "01020A", "01020a"));
	CHECK(enc_is(OPT_BYTES, "01 02", "0102"));
	CHECK(enc_is(OPT_BYTES, "", ""));
	CHECK(enc_fails(OPT_BYTES, "1"));
	CHECK(enc_fails(OPT_BYTES, "0g"));
}

/* RFC 3442 section 1: each route is the prefix length, the significant
 * octets of the destination, then the router. */
TEST(encode_routes_rfc3442)
{
	CHECK(enc_is(OPT_ROUTES, "10.10.30.0/24 10.10.20.254", "180a0a1e0a0a14fe"));
	CHECK(enc_is(OPT_ROUTES, "0.0.0.0/0 10.0.0.1", "000a000001"));
	CHECK(enc_is(OPT_ROUTES, "10.0.0.0/8 1.2.3.4, 192.168.128.0/17 5.6.7.8",
		     "080a01020304" "11c0a88005060708"));
	CHECK(enc_is(OPT_ROUTES, "10.1.2.3/32 10.0.0.1", "200a0102030a000001"));
	CHECK(enc_fails(OPT_ROUTES, "129.210.177.132/25 10.0.0.1"));	/* host bits */
	CHECK(enc_fails(OPT_ROUTES, "10.10.30.1/24 10.10.20.254"));	/* host bits */
	CHECK(enc_fails(OPT_ROUTES, "10.10.30.0/33 10.10.20.254"));
	CHECK(enc_fails(OPT_ROUTES, "10.10.30.0 10.10.20.254"));
	CHECK(enc_fails(OPT_ROUTES, "10.10.30.0/24"));
	CHECK(enc_fails(OPT_ROUTES, "10.10.30.0/24 10.10.20.254 10.0.0.0/8 1.1.1.1"));
	CHECK(enc_fails(OPT_ROUTES, ""));
	CHECK(enc_fails(OPT_ROUTES, "10.0.0.0/8 1.2.3.4,"));
}

TEST(encode_bounded)
{
	char big[4 * OPT_VALUE_MAX];
	uint8_t out[4];
	char err[64];

	memset(big, 'a', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	CHECK(enc_fails(OPT_STRING, big));
	CHECK_EQ(opt_encode(OPT_IPS, "1.1.1.1,2.2.2.2", out, sizeof out, err, sizeof err), -1);
	CHECK_EQ(opt_encode(OPT_IP, "1.1.1.1", out, sizeof out, err, sizeof err), 4);
	CHECK_EQ(opt_encode_dhcpsrv("\"abcde\"", out, sizeof out, err, sizeof err), -1);
	/* A NULL-sized error buffer is allowed. */
	CHECK_EQ(opt_encode(OPT_U8, "x", out, sizeof out, NULL, 0), -1);
}

/* The custom option syntax of dhcpserver.de: hex bytes, addresses,
 * "text", compact CIDR and parenthesised groups with a length prefix. */
TEST(encode_dhcpsrv_syntax)
{
	CHECK(dhcpsrv_is("\"whatever text\"", "7768617465766572207465787" "4"));
	CHECK(dhcpsrv_is("02:03:04:05", "02030405"));
	CHECK(dhcpsrv_is("192.168.2.1", "c0a80201"));
	CHECK(dhcpsrv_is(" 01 \"whatever text\"", "017768617465766572207465787" "4"));
	CHECK(dhcpsrv_is(" 10.10.30.0/24 10.10.20.254", "180a0a1e0a0a14fe"));
	CHECK(dhcpsrv_fails("(01 02) (\"ab\" 0a000001)"));	/* one byte per token */
	CHECK(dhcpsrv_is("(01 02) (\"ab\" 10.0.0.1)", "020102066162" "0a000001"));
	CHECK(dhcpsrv_is("((01))", "020101"));
	CHECK(dhcpsrv_is("10,11", "1011"));
	CHECK(dhcpsrv_is("", ""));
	CHECK(dhcpsrv_fails("example.com"));
	CHECK(dhcpsrv_fails("1500"));
	CHECK(dhcpsrv_fails("1"));
	CHECK(dhcpsrv_fails("0102"));
	CHECK(dhcpsrv_fails("\"open"));
	CHECK(dhcpsrv_fails("(01"));
	CHECK(dhcpsrv_fails("01)"));
	CHECK(dhcpsrv_fails("((((((((((01))))))))))"));
	CHECK(dhcpsrv_fails("10.0.0.1/24"));	/* host bits */
}

TEST(valid)
{
	static const uint8_t r[] = { 24, 10, 10, 30, 10, 10, 20, 254 };
	static const uint8_t bad[] = { 24, 10, 10, 30, 10, 10, 20 };
	static const uint8_t host[] = { 24, 10, 10, 30, 1, 10, 20, 254 };

	CHECK(opt_valid(OPT_IP, (const uint8_t *)"abcd", 4));
	CHECK(!opt_valid(OPT_IP, (const uint8_t *)"abcde", 5));
	CHECK(opt_valid(OPT_IPS, (const uint8_t *)"abcdefgh", 8));
	CHECK(!opt_valid(OPT_IPS, (const uint8_t *)"", 0));
	CHECK(!opt_valid(OPT_BOOL, (const uint8_t *)"\x02", 1));
	CHECK(opt_valid(OPT_ROUTES, r, sizeof r));
	CHECK(!opt_valid(OPT_ROUTES, bad, sizeof bad));
	CHECK(!opt_valid(OPT_ROUTES, host, 5));
	CHECK(opt_valid(OPT_BYTES, NULL, 0));
}

TEST(format_values)
{
	static const uint8_t ips[] = { 10, 0, 0, 1, 10, 0, 0, 2 };
	static const uint8_t routes[] = { 24, 198, 18, 5, 198, 18, 0, 1, 0, 10, 0, 0, 1 };
	static const uint8_t neg[] = { 0xff, 0xff, 0xf1, 0xf0 };

	CHECK(formats_as(OPT_IPS, ips, sizeof ips, "10.0.0.1,10.0.0.2"));
	CHECK(formats_as(OPT_IP, ips, 4, "10.0.0.1"));
	CHECK(formats_as(OPT_ROUTES, routes, sizeof routes,
			 "198.18.5.0/24 198.18.0.1, 0.0.0.0/0 10.0.0.1"));
	CHECK(formats_as(OPT_I32, neg, 4, "-3600"));
	CHECK(formats_as(OPT_U32, neg, 4, "4294963696"));
	CHECK(formats_as(OPT_U16, neg, 2, "65535"));
	CHECK(formats_as(OPT_STRING, (const uint8_t *)"lan.example", 11, "lan.example"));
	CHECK(formats_as(OPT_STRING, (const uint8_t *)"a;b", 3, "\"a\\x3bb\""));
	CHECK(formats_as(OPT_STRING, (const uint8_t *)" x", 2, "\" x\""));
	CHECK(formats_as(OPT_BYTES, ips, 3, "0a:00:00"));
	/* Invalid for the type: written as hex. */
	CHECK(formats_as(OPT_IP, ips, 3, "0a:00:00"));
}

TEST(format_round_trip)
{
	uint8_t all[256];
	static const uint8_t routes[] = { 0, 1, 2, 3, 4, 32, 1, 2, 3, 4, 9, 9, 9, 9 };

	for (int i = 0; i < 256; i++)
		all[i] = (uint8_t)i;
	CHECK(round_trips(OPT_STRING, all, sizeof all));
	CHECK(round_trips(OPT_STRING, (const uint8_t *)"$(x)", 4));
	CHECK(round_trips(OPT_STRING, all, 0));
	CHECK(round_trips(OPT_BYTES, all, sizeof all));
	CHECK(round_trips(OPT_BYTES, all, 0));
	CHECK(round_trips(OPT_IPS, all, 16));
	CHECK(round_trips(OPT_U8, all + 200, 1));
	CHECK(round_trips(OPT_U16, all + 200, 2));
	CHECK(round_trips(OPT_U32, all + 200, 4));
	CHECK(round_trips(OPT_I32, all + 200, 4));
	CHECK(round_trips(OPT_BOOL, all + 1, 1));
	CHECK(round_trips(OPT_ROUTES, routes, sizeof routes));
	CHECK(round_trips(OPT_IP, all, 5));	/* falls back to hex */
}

/* OPTIONDEF_nn layouts: encode by the layout, compare with hex. */
static int lay_is(const char *layout, const char *text, const char *hex)
{
	struct opt_layout l;
	uint8_t out[OPT_VALUE_MAX];
	char err[160], got[3 * OPT_VALUE_MAX + 1] = "", *back = NULL;
	size_t n = 0;
	FILE *m;
	int len;

	if (opt_layout_parse(layout, &l, err, sizeof err) != 0 ||
	    (len = opt_layout_encode(&l, text, out, sizeof out, err, sizeof err)) < 0) {
		fprintf(stderr, "  layout \"%s\", \"%s\": %s\n", layout, text, err);
		return 0;
	}
	for (int i = 0; i < len; i++)
		snprintf(got + 2 * i, 3, "%02x", out[i]);
	if (strcmp(got, hex) != 0) {
		fprintf(stderr, "  layout \"%s\", \"%s\" = %s, want %s\n", layout, text, got, hex);
		return 0;
	}
	/* formatted back, it encodes to the same bytes */
	if (!opt_layout_valid(&l, out, (size_t)len) || (m = open_memstream(&back, &n)) == NULL)
		return 0;
	opt_layout_format(m, &l, out, (size_t)len);
	fclose(m);
	uint8_t again[OPT_VALUE_MAX];
	int len2 = opt_layout_encode(&l, back, again, sizeof again, err, sizeof err);
	int ok = len2 == len && memcmp(out, again, (size_t)len) == 0;
	if (!ok)
		fprintf(stderr, "  layout \"%s\": \"%s\" did not encode back\n", layout, back);
	free(back);
	return ok;
}

static int lay_fails(const char *layout, const char *text, const char *why)
{
	struct opt_layout l;
	uint8_t out[OPT_VALUE_MAX];
	char err[160] = "";

	if (opt_layout_parse(layout, &l, err, sizeof err) == 0 &&
	    opt_layout_encode(&l, text, out, sizeof out, err, sizeof err) >= 0)
		return 0;
	if (strstr(err, why) == NULL)
		fprintf(stderr, "  layout \"%s\", \"%s\": \"%s\", want \"%s\"\n", layout, text, err,
			why);
	return strstr(err, why) != NULL;
}

TEST(layouts_encode)
{
	CHECK(lay_is("record ip, u16, string", "198.18.0.5, 1500, hi, there",
		     "c6120005" "05dc" "68692c207468657265"));
	CHECK(lay_is("record ip, u16, string", "198.18.0.5, 1500", "c612000505dc"));
	CHECK(lay_is("record u8, bool, i32, hex", "7, on, -2, 01:02", "0701fffffffe0102"));
	CHECK(lay_is("record u32, string", "1, \"a\\\"b\"", "00000001" "612262"));
	CHECK(lay_is("array ip", "198.18.0.1, 198.18.0.2", "c6120001c6120002"));
	CHECK(lay_is("array u16", "1,2 , 0x10", "000100020010"));
	CHECK(lay_is("ARRAY bool", "yes, no", "0100"));
	CHECK(lay_is("u16", "1500", "05dc"));
	CHECK(lay_is("routes", "198.18.5.0/24 198.18.4.254", "18c61205c61204fe"));
	CHECK(lay_is("string", "a, b", "612c2062"));
}

TEST(layout_errors)
{
	CHECK(lay_fails("record string, ip", "", "only the last field"));
	CHECK(lay_fails("array string", "", "cannot be an array element"));
	CHECK(lay_fails("record ips", "", "cannot be a record field"));
	CHECK(lay_fails("ip, u8", "", "one type expected"));
	CHECK(lay_fails("record", "", "is not a type"));
	CHECK(lay_fails("record  ", "", "no type given"));
	CHECK(lay_fails("u17", "", "is not a type"));
	CHECK(lay_fails("record u8,u8,u8,u8,u8,u8,u8,u8,u8,u8,u8,u8,u8,u8,u8,u8,u8", "",
			"at most 16 fields"));
	CHECK(lay_fails("record ip, u16", "1.2.3.4", "2 fields expected, 1 given"));
	CHECK(lay_fails("record ip, u16", "1.2.3.4, 5, 6", "more than 2 fields"));
	CHECK(lay_fails("record ip, u16", "1.2.3.4, 70000", "field 2 (u16): not a number"));
	CHECK(lay_fails("array u8", "1,,2", "element 2 is empty"));
	CHECK(lay_fails("array u8", "1, 256", "element 2 (u8)"));
	CHECK(lay_fails("array ip", "", "no value given"));
}

TEST(layouts_valid_and_printed)
{
	struct opt_layout l;
	char err[64];
	static const uint8_t v[] = { 1, 2, 3, 4, 0, 9, 'x' };
	char *text = NULL;
	size_t n = 0;
	FILE *m;

	CHECK(opt_layout_parse("record  ip,u16 ,string", &l, err, sizeof err) == 0);
	CHECK(opt_layout_valid(&l, v, 7));
	CHECK(opt_layout_valid(&l, v, 6));	/* the string may be empty */
	CHECK(!opt_layout_valid(&l, v, 5));
	CHECK(opt_layout_parse("array u16", &l, err, sizeof err) == 0);
	CHECK(opt_layout_valid(&l, v, 6));
	CHECK(!opt_layout_valid(&l, v, 7));
	CHECK(!opt_layout_valid(&l, v, 0));
	CHECK(opt_layout_parse("array bool", &l, err, sizeof err) == 0);
	CHECK(opt_layout_valid(&l, v + 4, 1) && opt_layout_valid(&l, v, 1));
	CHECK(!opt_layout_valid(&l, v + 1, 1));
	m = open_memstream(&text, &n);
	CHECK(opt_layout_parse("record ip,u16,string", &l, err, sizeof err) == 0);
	opt_layout_print(m, &l);
	fputc('|', m);
	opt_layout_format(m, &l, v, 7);
	fputc('|', m);
	opt_layout_format(m, &l, v, 6);
	fclose(m);
	CHECK_STR(text, "record ip, u16, string|1.2.3.4, 9, x|1.2.3.4, 9, \"\"");
	free(text);
}

T_RUN(T_CASE(defs_by_code_and_name), T_CASE(defs_sorted_and_unique), T_CASE(type_names),
      T_CASE(encode_ip_and_ips), T_CASE(encode_integers), T_CASE(encode_bool),
      T_CASE(encode_string), T_CASE(encode_hex), T_CASE(encode_routes_rfc3442),
      T_CASE(encode_bounded), T_CASE(encode_dhcpsrv_syntax), T_CASE(valid),
      T_CASE(format_values), T_CASE(format_round_trip), T_CASE(layouts_encode),
      T_CASE(layout_errors), T_CASE(layouts_valid_and_printed))
