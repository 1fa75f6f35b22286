/* Codec tests: decoding edge cases and encoding limits. */
#include <stdlib.h>
#include "t.h"
#include "pkt.h"
#include "proto/dhcp.h"
#include "common/text.h"

static struct dhcp_msg m;

static int decode(struct tpkt *t, const char **why)
{
	return dhcp_decode(&m, t->b, t->len, why);
}

TEST(decode_discover)
{
	struct tpkt t;
	const char *why = NULL;
	tp_init(&t, DHCPDISCOVER, 7);
	tp_opt(&t, DO_HOSTNAME, "pc7", 3);
	tp_end(&t);
	CHECK_EQ(decode(&t, &why), 0);
	CHECK_EQ(m.type, DHCPDISCOVER);
	CHECK_EQ(m.xid, 0x1007);
	CHECK_EQ(m.chaddr[5], 7);
	size_t n;
	const uint8_t *v = dhcp_opt(&m, DO_HOSTNAME, &n);
	CHECK(v && n == 3 && memcmp(v, "pc7", 3) == 0);
	CHECK(dhcp_opt(&m, DO_DNS, &n) == NULL);
}

TEST(split_option_is_concatenated)
{
	/* RFC 3396: two instances of option 12 form one value. */
	struct tpkt t;
	const char *why;
	tp_init(&t, DHCPDISCOVER, 1);
	tp_opt(&t, DO_HOSTNAME, "abc", 3);
	tp_opt(&t, DO_DNS, "\1\2\3\4", 4);
	tp_opt(&t, DO_HOSTNAME, "def", 3);
	tp_end(&t);
	CHECK_EQ(decode(&t, &why), 0);
	size_t n;
	const uint8_t *v = dhcp_opt(&m, DO_HOSTNAME, &n);
	CHECK(v && n == 6 && memcmp(v, "abcdef", 6) == 0);
	CHECK(dhcp_opt(&m, DO_DNS, &n) && n == 4);
}

TEST(overload_file_and_sname)
{
	struct tpkt t;
	const char *why;
	tp_init(&t, 0, 1);
	uint8_t ov = 3;
	tp_opt(&t, DO_OVERLOAD, &ov, 1);
	tp_end(&t);
	/* file (offset 108) holds the message type, sname (44) a hostname. */
	uint8_t *file = t.b + 108, *sname = t.b + 44;
	file[0] = DO_MSG_TYPE, file[1] = 1, file[2] = DHCPREQUEST, file[3] = DO_END;
	sname[0] = DO_HOSTNAME, sname[1] = 2, sname[2] = 'h', sname[3] = 'i', sname[4] = DO_END;
	CHECK_EQ(decode(&t, &why), 0);
	CHECK_EQ(m.type, DHCPREQUEST);
	size_t n;
	const uint8_t *v = dhcp_opt(&m, DO_HOSTNAME, &n);
	CHECK(v && n == 2 && v[0] == 'h');
}

TEST(overload_followed_once)
{
	/* An option 52 inside file must not send the parser around again. */
	struct tpkt t;
	const char *why;
	tp_init(&t, DHCPDISCOVER, 1);
	uint8_t ov = 1;
	tp_opt(&t, DO_OVERLOAD, &ov, 1);
	tp_end(&t);
	uint8_t *file = t.b + 108;
	file[0] = DO_OVERLOAD, file[1] = 1, file[2] = 3, file[3] = DO_END;
	t.b[44] = DO_HOSTNAME, t.b[45] = 1, t.b[46] = 'x', t.b[47] = DO_END;
	CHECK_EQ(decode(&t, &why), 0);
	size_t n;
	CHECK(dhcp_opt(&m, DO_HOSTNAME, &n) == NULL);
}

TEST(rejects_malformed)
{
	struct tpkt t;
	const char *why;
	tp_init(&t, DHCPDISCOVER, 1);
	tp_end(&t);
	CHECK_EQ(dhcp_decode(&m, t.b, 200, &why), -1);		/* truncated header */
	t.b[2] = 17;
	CHECK_EQ(decode(&t, &why), -1);				/* hlen */
	t.b[2] = 6;
	t.b[236] = 0;
	CHECK_EQ(decode(&t, &why), -1);				/* magic cookie */
	tp_init(&t, 0, 1);
	t.b[t.len++] = DO_HOSTNAME;
	t.b[t.len++] = 200;					/* runs past the end */
	t.b[t.len++] = 'a';
	CHECK_EQ(decode(&t, &why), -1);
	tp_init(&t, 0, 1);
	tp_opt(&t, DO_MSG_TYPE, "\11", 1);			/* type 9 */
	tp_end(&t);
	CHECK_EQ(decode(&t, &why), -1);
	tp_init(&t, 0, 1);
	tp_opt(&t, DO_MSG_TYPE, "\1\1", 2);			/* length 2 */
	tp_end(&t);
	CHECK_EQ(decode(&t, &why), -1);
	tp_init(&t, DHCPDISCOVER, 1);
	t.b[0] = 2;						/* a reply */
	tp_end(&t);
	CHECK_EQ(decode(&t, &why), -1);
}

TEST(missing_end_is_tolerated)
{
	struct tpkt t;
	const char *why;
	tp_init(&t, DHCPDISCOVER, 1);
	CHECK_EQ(decode(&t, &why), 0);
	CHECK_EQ(m.type, DHCPDISCOVER);
}

TEST(relay_suboptions)
{
	struct tpkt t;
	const char *why;
	tp_init(&t, DHCPDISCOVER, 1);
	uint8_t rai[] = { RAI_CIRCUIT_ID, 2, 'e', '1', RAI_LINK_SELECTION, 4, 198, 18, 4, 0 };
	tp_opt(&t, DO_RELAY_INFO, rai, sizeof rai);
	tp_end(&t);
	CHECK_EQ(decode(&t, &why), 0);
	size_t n;
	const uint8_t *v = dhcp_rai_sub(&m, RAI_LINK_SELECTION, &n);
	CHECK(v && n == 4 && v[2] == 4);
	CHECK(dhcp_rai_sub(&m, RAI_REMOTE_ID, &n) == NULL);
}

static struct dhcp_out *new_out(void)
{
	struct dhcp_out *o = calloc(1, sizeof *o);
	o->op = 2, o->htype = 1, o->hlen = 6, o->xid = 42;
	uint8_t t = DHCPACK;
	dhcp_out_add(o, DO_MSG_TYPE, &t, 1);
	dhcp_out_add_u32(o, DO_SERVER_ID, IP4(198, 18, 0, 1));
	return o;
}

TEST(encode_small_is_padded)
{
	struct dhcp_out *o = new_out();
	uint8_t buf[DHCP_PKT_MAX];
	unsigned dropped;
	size_t len = dhcp_encode(o, buf, 548, &dropped);
	CHECK_EQ(len, DHCP_MIN_REPLY);
	CHECK_EQ(dropped, 0);
	buf[0] = 1;	/* decode as if it were a request */
	const char *why;
	CHECK_EQ(dhcp_decode(&m, buf, len, &why), 0);
	CHECK_EQ(m.type, DHCPACK);
	CHECK_EQ(dhcp_opt_ip(&m, DO_SERVER_ID), IP4(198, 18, 0, 1));
	free(o);
}

TEST(encode_overflows_into_file_and_sname)
{
	struct dhcp_out *o = new_out();
	uint8_t v[200];
	for (int i = 0; i < 3; i++) {
		memset(v, 'a' + i, sizeof v);
		dhcp_out_add(o, (uint8_t)(200 + i), v, 100 + (size_t)i * 50);
	}
	/* 100 + 150 + 200 value bytes plus headers exceed 548 - 240. */
	uint8_t buf[DHCP_PKT_MAX];
	unsigned dropped;
	size_t len = dhcp_encode(o, buf, 548, &dropped);
	CHECK(len <= 548);
	buf[0] = 1;
	const char *why;
	CHECK_EQ(dhcp_decode(&m, buf, len, &why), 0);
	CHECK(m.overload != 0);
	size_t n, found = 0;
	for (int i = 0; i < 3; i++)
		found += dhcp_opt(&m, (uint8_t)(200 + i), &n) != NULL;
	CHECK_EQ(found + dropped, 3);
	CHECK(found >= 2);
	free(o);
}

TEST(encode_long_value_is_split)
{
	struct dhcp_out *o = new_out();
	uint8_t v[600];
	for (size_t i = 0; i < sizeof v; i++)
		v[i] = (uint8_t)i;
	dhcp_out_add(o, DO_CLASSLESS_ROUTES, v, sizeof v);
	uint8_t buf[DHCP_PKT_MAX];
	unsigned dropped;
	size_t len = dhcp_encode(o, buf, 1472, &dropped);
	CHECK_EQ(dropped, 0);
	buf[0] = 1;
	const char *why;
	CHECK_EQ(dhcp_decode(&m, buf, len, &why), 0);
	size_t n;
	const uint8_t *got = dhcp_opt(&m, DO_CLASSLESS_ROUTES, &n);
	CHECK(got && n == sizeof v && memcmp(got, v, n) == 0);
	free(o);
}

TEST(encode_never_exceeds_limit)
{
	struct dhcp_out *o = new_out();
	uint8_t v[255];
	memset(v, 1, sizeof v);
	for (int i = 0; i < 10; i++)
		dhcp_out_add(o, (uint8_t)(100 + i), v, sizeof v);
	uint8_t buf[DHCP_PKT_MAX];
	unsigned dropped;
	size_t len = dhcp_encode(o, buf, 548, &dropped);
	CHECK(len <= 548);
	CHECK(dropped > 0);
	len = dhcp_encode(o, buf, 100, &dropped);	/* below the floor */
	CHECK(len <= 548);
	free(o);
}

/* The one IPv4 and hex text codec. */
TEST(text_ip4_both_ways)
{
	char buf[TEXT_IP4_LEN];
	CHECK_STR(text_ip4(0xC6120001u, buf), "198.18.0.1");
	CHECK_STR(text_ip4(0xFFFFFFFFu, buf), "255.255.255.255");
	CHECK_STR(text_ip4(0, buf), "0.0.0.0");
	uint32_t a = 0;
	CHECK(text_ip4_parse("198.18.0.1", 10, &a) && a == 0xC6120001u);
	CHECK(text_ip4_parse("198.18.0.1trailing", 10, &a) && a == 0xC6120001u);
	static const char *bad[] = { "", "10.1", "1.2.3.4.5", "256.1.1.1", " 1.2.3.4",
				     "1.2.3.4 ", "0x1.2.3.4", "255.255.255.2555", "a.b.c.d" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		CHECK(!text_ip4_parse(bad[i], strlen(bad[i]), &a));
}

TEST(text_hex_both_ways)
{
	const uint8_t b[] = { 0x00, 0xab, 0x1f };
	char out[10];
	CHECK_STR(text_hex(out, b, 3, ':'), "00:ab:1f");
	CHECK_STR(text_hex(out, b, 3, 0), "00ab1f");
	CHECK_STR(text_hex(out, b, 0, ':'), "");
	CHECK_EQ(text_hexval('0'), 0);
	CHECK_EQ(text_hexval('f'), 15);
	CHECK_EQ(text_hexval('F'), 15);
	CHECK_EQ(text_hexval('g'), -1);
	CHECK_EQ(text_hexval(':'), -1);
}

/* The hostname-to-label cleaner (text.c), which the engine and the DNS
 * names share. */
TEST(name_clean_table)
{
	static const struct { const char *in, *want; } cases[] = {
		{ "My Laptop_2!", "my-laptop-2" },
		{ "pc1", "pc1" },
		{ "PC1.corp.example.", "pc1" },
		{ "..pc1", "pc1" },
		{ "xn--bcher-kva", "xn--bcher-kva" },
		{ "J\xc3\xbcrgens-iPhone", "j-rgens-iphone" },
		{ "  -pc-  ", "pc" },
		{ "a__ -b", "a-b" },
		{ "a-_b", "a-b" },
		{ "a--b", "a--b" },
		{ "host\0", "host" },
		{ "123", "123" },
		{ "---", NULL },
		{ "", NULL },
		{ "___", NULL },
		{ ".", NULL },
		{ ".-.x", "x" },
		{ "\xff\xfe", NULL },
	};
	char buf[TEXT_LABEL_MAX + 1];
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		size_t n = strlen(cases[i].in) + (strcmp(cases[i].in, "host") == 0);
		int rc = text_label_clean((const uint8_t *)cases[i].in, n, buf);
		if (cases[i].want) {
			CHECK_EQ(rc, 0);
			CHECK_STR(buf, cases[i].want);
		} else {
			CHECK_EQ(rc, -1);
			CHECK_STR(buf, "");
		}
	}
}

TEST(name_clean_lengths)
{
	char in[200], buf[TEXT_LABEL_MAX + 1];
	memset(in, 'x', 70);
	CHECK_EQ(text_label_clean((const uint8_t *)in, 70, buf), 0);
	CHECK_EQ(strlen(buf), 63);
	/* A hyphen that would land at the cut is dropped, not kept last. */
	memset(in, 'x', 62);
	in[62] = ' ';
	in[63] = 'y';
	CHECK_EQ(text_label_clean((const uint8_t *)in, 64, buf), 0);
	CHECK_EQ(strlen(buf), 62);
	in[62] = '-';
	CHECK_EQ(text_label_clean((const uint8_t *)in, 64, buf), 0);
	CHECK_EQ(strlen(buf), 62);
	memset(in, 'x', 61);
	in[61] = '_';
	in[62] = 'y';
	CHECK_EQ(text_label_clean((const uint8_t *)in, 63, buf), 0);
	CHECK_STR(buf + 60, "x-y");
	CHECK_EQ(text_label_clean(NULL, 0, buf), -1);
}

TEST(name_clean_wire)
{
	char buf[TEXT_LABEL_MAX + 1];
	CHECK_EQ(text_label_clean_wire((const uint8_t *)"\6My_Box\3lan\0", 12, buf), 0);
	CHECK_STR(buf, "my-box");
	CHECK_EQ(text_label_clean_wire((const uint8_t *)"\6My_Bo", 6, buf), -1);
	CHECK_EQ(text_label_clean_wire((const uint8_t *)"\0", 1, buf), -1);
	CHECK_EQ(text_label_clean_wire((const uint8_t *)"\xc0\x0c", 2, buf), -1);
	CHECK_EQ(text_label_clean_wire(NULL, 0, buf), -1);
}

T_RUN(T_CASE(decode_discover), T_CASE(split_option_is_concatenated),
      T_CASE(overload_file_and_sname), T_CASE(overload_followed_once),
      T_CASE(rejects_malformed), T_CASE(missing_end_is_tolerated), T_CASE(relay_suboptions),
      T_CASE(encode_small_is_padded), T_CASE(encode_overflows_into_file_and_sname),
      T_CASE(encode_long_value_is_split), T_CASE(encode_never_exceeds_limit),
      T_CASE(text_ip4_both_ways), T_CASE(text_hex_both_ways),
      T_CASE(name_clean_table), T_CASE(name_clean_lengths), T_CASE(name_clean_wire))
