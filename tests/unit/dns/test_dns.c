/* DNS core tests: query decoding, answers and their flags, compression
 * and length limits, EDNS, truncation, and hostname cleaning. */
#include <stdlib.h>
#include "t.h"
#include "dns/dns.h"

/* A query under construction. */
struct tq {
	uint8_t b[1024];
	size_t len;
};

static void tq_u16(struct tq *t, uint16_t v)
{
	t->b[t->len++] = (uint8_t)(v >> 8);
	t->b[t->len++] = (uint8_t)v;
}

static void tq_set16(struct tq *t, size_t off, uint16_t v)
{
	t->b[off] = (uint8_t)(v >> 8);
	t->b[off + 1] = (uint8_t)v;
}

static void tq_raw(struct tq *t, const void *p, size_t n)
{
	memcpy(t->b + t->len, p, n);
	t->len += n;
}

/* "pc1.lan" in wire form; "" is the root. */
static void tq_name(struct tq *t, const char *s)
{
	while (*s) {
		const char *dot = strchr(s, '.');
		size_t l = dot ? (size_t)(dot - s) : strlen(s);
		t->b[t->len++] = (uint8_t)l;
		tq_raw(t, s, l);
		s += l + (dot ? 1 : 0);
	}
	t->b[t->len++] = 0;
}

static void tq_header(struct tq *t, uint16_t id, uint16_t flags, uint16_t qd)
{
	memset(t, 0, sizeof *t);
	tq_u16(t, id);
	tq_u16(t, flags);
	tq_u16(t, qd);
	tq_u16(t, 0);
	tq_u16(t, 0);
	tq_u16(t, 0);
}

static void tq_init(struct tq *t, const char *name, uint16_t type)
{
	tq_header(t, 0x1234, DNS_F_RD, 1);
	tq_name(t, name);
	tq_u16(t, type);
	tq_u16(t, DNS_C_IN);
}

static void tq_count(struct tq *t, int section, int delta)
{
	size_t off = 4 + 2 * (size_t)section;
	tq_set16(t, off, (uint16_t)((t->b[off] << 8 | t->b[off + 1]) + delta));
}

/* An OPT RR in the additional section (RFC 6891 section 6.1.2). */
static void tq_opt(struct tq *t, uint16_t size, uint8_t version, bool dnssec_ok)
{
	t->b[t->len++] = 0;
	tq_u16(t, DNS_T_OPT);
	tq_u16(t, size);
	tq_u16(t, version);
	tq_u16(t, dnssec_ok ? 0x8000 : 0);
	tq_u16(t, 0);
	tq_count(t, 3, 1);
}

/* The served zone: "lan", 198.18.0.0/23 and 10.1.0.0/16 and 192.0.2.64/26. */
static const struct dns_net nets[] = {
	{ 0xc6120000, 0xfffffe00 },
	{ 0x0a010000, 0xffff0000 },
	{ 0xc0000240, 0xffffffc0 },
};

static const char long_label[] =
	"abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijk";

static struct {
	const char *label;
	uint32_t addr, ttl;
} hosts[] = {
	{ "pc1", 0xc612000a, 300 },
	{ "laptop", 0xc6120105, 60 },
	{ "net10", 0x0a010203, 120 },
	{ "small", 0xc0000246, 90 },
	{ long_label, 0xc61200c8, 10 },
	{ "Bad_Name", 0xc6120063, 10 },		/* a broken lookup result */
};

static int label_calls;

static int by_label(void *arg, const char *label, uint32_t *addr, uint32_t *ttl)
{
	(void)arg;
	label_calls++;
	for (size_t i = 0; i < sizeof hosts / sizeof hosts[0]; i++)
		if (strcmp(hosts[i].label, label) == 0) {
			*addr = hosts[i].addr;
			*ttl = hosts[i].ttl;
			return 0;
		}
	return -1;
}

static int by_addr(void *arg, uint32_t addr, char label[DNS_LABEL_MAX + 1], uint32_t *ttl)
{
	(void)arg;
	for (size_t i = 0; i < sizeof hosts / sizeof hosts[0]; i++)
		if (hosts[i].addr == addr) {
			snprintf(label, DNS_LABEL_MAX + 1, "%s", hosts[i].label);
			*ttl = hosts[i].ttl;
			return 0;
		}
	return -1;
}

static struct dns_zone zone(void)
{
	return (struct dns_zone){
		.domain = "lan", .nets = nets, .nnets = 3,
		.by_label = by_label, .by_addr = by_addr, .serial = 7,
	};
}

static uint8_t out[DNS_TCP_MAX];
static size_t outlen;

static enum dns_verdict ask(const struct dns_zone *z, const struct tq *t)
{
	memset(out, 0xee, 4096);
	return dns_answer(z, t->b, t->len, false, out, sizeof out, &outlen);
}

static unsigned u16(size_t off)
{
	return (unsigned)(out[off] << 8 | out[off + 1]);
}

static unsigned long u32(size_t off)
{
	return (unsigned long)u16(off) << 16 | u16(off + 2);
}

static unsigned flags(void) { return u16(2); }
static unsigned rcode(void) { return u16(2) & DNS_F_RCODE; }
static unsigned qd(void) { return u16(4); }
static unsigned an(void) { return u16(6); }
static unsigned ns(void) { return u16(8); }
static unsigned ar(void) { return u16(10); }

/* Checks a reply echoes the question of t; returns the offset after it. */
static size_t check_question(const struct tq *t)
{
	size_t qlen = 0;
	while (t->b[12 + qlen])
		qlen += 1u + t->b[12 + qlen];
	qlen += 5;
	CHECK_EQ(qd(), 1);
	CHECK(outlen >= 12 + qlen && memcmp(out + 12, t->b + 12, qlen) == 0);
	return 12 + qlen;
}

/* Checks the SOA record at off, owned by the name at owner_off; returns
 * the offset after it. */
static size_t check_soa(size_t off, unsigned owner_off)
{
	CHECK_EQ(u16(off), 0xc000 | owner_off);
	CHECK_EQ(u16(off + 2), DNS_T_SOA);
	CHECK_EQ(u16(off + 4), DNS_C_IN);
	CHECK_EQ(u32(off + 6), DNS_NEG_TTL);
	CHECK_EQ(u16(off + 10), 35);
	CHECK_EQ(u16(off + 12), 0xc000 | owner_off);
	CHECK(memcmp(out + off + 14, "\012hostmaster", 11) == 0);
	CHECK_EQ(u16(off + 25), 0xc000 | owner_off);
	CHECK_EQ(u32(off + 27), 7);			/* serial */
	CHECK_EQ(u32(off + 43), DNS_NEG_TTL);		/* minimum */
	return off + 47;
}

/* A forwarded answer bigger than the client takes: cut to header and
 * question with TC set and no records; one that fits goes as it is. */
TEST(forwarded_answer_fit_to_the_client)
{
	struct tq q;
	tq_init(&q, "big.example", DNS_T_A);		/* no EDNS: 512 bytes */
	static uint8_t ans[4096];
	struct tq a;
	tq_header(&a, 0x1234, DNS_F_QR | DNS_F_RD | DNS_F_RA, 1);
	tq_name(&a, "big.example");
	tq_u16(&a, DNS_T_A);
	tq_u16(&a, DNS_C_IN);
	size_t qend = a.len;
	memcpy(ans, a.b, a.len);
	size_t len = a.len;
	for (int i = 0; i < 150; i++) {		/* 150 A records: 2,400 bytes */
		const uint8_t rr[] = { 0xc0, 12, 0, 1, 0, 1, 0, 0, 1, 0, 0, 4, 198, 18, 1,
				       (uint8_t)i };
		memcpy(ans + len, rr, sizeof rr);
		len += sizeof rr;
	}
	ans[6] = 0, ans[7] = 150;			/* ANCOUNT */
	size_t fit = dns_fit_udp(q.b, q.len, ans, len);
	CHECK_EQ(fit, qend);
	CHECK(ans[2] << 8 & DNS_F_TC);
	CHECK_EQ(ans[4] << 8 | ans[5], 1);		/* the question stays */
	CHECK_EQ(ans[6] << 8 | ans[7], 0);
	CHECK_EQ(ans[10] << 8 | ans[11], 0);
	/* With EDNS 4096 the client takes 1,232 (our cap): still cut. */
	struct tq qe;
	tq_init(&qe, "big.example", DNS_T_A);
	tq_opt(&qe, 4096, 0, false);
	memcpy(ans, a.b, a.len);
	len = a.len;
	CHECK_EQ(dns_fit_udp(qe.b, qe.len, ans, 1500), 0 + qend);
	/* A small answer goes unchanged. */
	memcpy(ans, a.b, a.len);
	const uint8_t rr[] = { 0xc0, 12, 0, 1, 0, 1, 0, 0, 1, 0, 0, 4, 198, 18, 1, 1 };
	memcpy(ans + a.len, rr, sizeof rr);
	ans[6] = 0, ans[7] = 1;
	CHECK_EQ(dns_fit_udp(q.b, q.len, ans, a.len + sizeof rr), a.len + sizeof rr);
	CHECK(!(ans[2] << 8 & DNS_F_TC));
	CHECK_EQ(ans[7], 1);
	/* An answer with no question: dropped. */
	struct tq bad;
	tq_header(&bad, 0x1234, DNS_F_QR, 0);
	memcpy(ans, bad.b, bad.len);
	CHECK_EQ(dns_fit_udp(q.b, q.len, ans, 600), 0);
}

TEST(a_known)
{
	struct dns_zone z = zone();
	struct tq t;
	tq_init(&t, "pc1.lan", DNS_T_A);
	CHECK_EQ(ask(&z, &t), DNS_REPLY);
	CHECK_EQ(u16(0), 0x1234);
	CHECK_EQ(flags(), DNS_F_QR | DNS_F_AA | DNS_F_RD);
	CHECK_EQ(an(), 1);
	CHECK_EQ(ns(), 0);
	CHECK_EQ(ar(), 0);
	size_t o = check_question(&t);
	CHECK_EQ(u16(o), 0xc00c);		/* compressed: the question name */
	CHECK_EQ(u16(o + 2), DNS_T_A);
	CHECK_EQ(u16(o + 4), DNS_C_IN);
	CHECK_EQ(u32(o + 6), 300);
	CHECK_EQ(u16(o + 10), 4);
	CHECK_EQ(u32(o + 12), 0xc612000a);
	CHECK_EQ(outlen, o + 16);
}

TEST(a_scapy_vector)
{
	/* scapy: DNS(id=0x1234, rd=1, qd=DNSQR(qname="pc1.lan", qtype="A")) */
	static const uint8_t q[] = {
		0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x03, 0x70, 0x63, 0x31, 0x03, 0x6c, 0x61, 0x6e, 0x00, 0x00, 0x01, 0x00, 0x01,
	};
	struct dns_zone z = zone();
	CHECK_EQ(dns_answer(&z, q, sizeof q, false, out, sizeof out, &outlen), DNS_REPLY);
	CHECK_EQ(outlen, sizeof q + 16);
	CHECK_EQ(an(), 1);
	CHECK_EQ(u32(sizeof q + 12), 0xc612000a);
}

TEST(ptr_scapy_vector_edns_cookie)
{
	/* scapy: DNS(id=0xbeef, rd=1, ad=1, qd=DNSQR(qname="10.0.18.198.in-addr.arpa",
	 * qtype="PTR"), ar=DNSRROPT(rclass=1232, rdata=[EDNS0TLV(optcode=10, ...)]));
	 * scapy sets DO.  The cookie option is ignored, not echoed. */
	static const uint8_t q[] = {
		0xbe, 0xef, 0x01, 0x20, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
		0x02, 0x31, 0x30, 0x01, 0x30, 0x02, 0x31, 0x38, 0x03, 0x31, 0x39, 0x38,
		0x07, 0x69, 0x6e, 0x2d, 0x61, 0x64, 0x64, 0x72, 0x04, 0x61, 0x72, 0x70, 0x61,
		0x00, 0x00, 0x0c, 0x00, 0x01, 0x00, 0x00, 0x29, 0x04, 0xd0, 0x00, 0x00, 0x80,
		0x00, 0x00, 0x0c, 0x00, 0x0a, 0x00, 0x08, 1, 2, 3, 4, 5, 6, 7, 8,
	};
	struct dns_zone z = zone();
	CHECK_EQ(dns_answer(&z, q, sizeof q, false, out, sizeof out, &outlen), DNS_REPLY);
	CHECK_EQ(flags(), DNS_F_QR | DNS_F_AA | DNS_F_RD);	/* AD not copied */
	CHECK_EQ(an(), 1);
	CHECK_EQ(ar(), 1);
	size_t o = 12 + 26 + 4;
	CHECK_EQ(u16(o + 2), DNS_T_PTR);
	CHECK_EQ(u16(o + 10), 9);
	CHECK(memcmp(out + o + 12, "\3pc1\3lan\0", 9) == 0);
	o += 21;
	CHECK_EQ(out[o], 0);				/* OPT owner: root */
	CHECK_EQ(u16(o + 1), DNS_T_OPT);
	CHECK_EQ(u16(o + 3), DNS_UDP_MAX);
	CHECK_EQ(u32(o + 5), 0x8000);			/* DO echoed, version 0 */
	CHECK_EQ(u16(o + 9), 0);
	CHECK_EQ(outlen, o + 11);
}

TEST(ra_only_with_recursion)
{
	struct dns_zone z = zone();
	z.recursion = true;
	struct tq t;
	tq_init(&t, "pc1.lan", DNS_T_A);
	tq_set16(&t, 2, 0);				/* RD clear */
	CHECK_EQ(ask(&z, &t), DNS_REPLY);
	CHECK_EQ(flags(), DNS_F_QR | DNS_F_AA | DNS_F_RA);
}

TEST(cd_copied_ad_and_z_cleared)
{
	struct dns_zone z = zone();
	struct tq t;
	tq_init(&t, "pc1.lan", DNS_T_A);
	tq_set16(&t, 2, DNS_F_RD | DNS_F_CD | DNS_F_AD | 0x0040 | DNS_F_TC);
	CHECK_EQ(ask(&z, &t), DNS_REPLY);
	CHECK_EQ(flags(), DNS_F_QR | DNS_F_AA | DNS_F_RD | DNS_F_CD);
}

TEST(a_unknown_is_nxdomain_with_soa)
{
	struct dns_zone z = zone();
	struct tq t;
	tq_init(&t, "nobody.lan", DNS_T_A);
	CHECK_EQ(ask(&z, &t), DNS_REPLY);
	CHECK_EQ(flags(), DNS_F_QR | DNS_F_AA | DNS_F_RD | DNS_R_NXDOMAIN);
	CHECK_EQ(an(), 0);
	CHECK_EQ(ns(), 1);
	size_t o = check_question(&t);
	CHECK_EQ(check_soa(o, 12 + 7), outlen);		/* owner: "lan" */
}

TEST(negative_ttl_configurable)
{
	struct dns_zone z = zone();
	z.neg_ttl = 5;
	struct tq t;
	tq_init(&t, "nobody.lan", DNS_T_A);
	CHECK_EQ(ask(&z, &t), DNS_REPLY);
	size_t o = check_question(&t);
	CHECK_EQ(u32(o + 6), 5);
	CHECK_EQ(u32(o + 43), 5);
}

TEST(aaaa_known_is_nodata)
{
	struct dns_zone z = zone();
	struct tq t;
	tq_init(&t, "laptop.lan", DNS_T_AAAA);
	CHECK_EQ(ask(&z, &t), DNS_REPLY);
	CHECK_EQ(rcode(), DNS_R_NOERROR);
	CHECK(flags() & DNS_F_AA);
	CHECK_EQ(an(), 0);
	CHECK_EQ(ns(), 1);
	CHECK_EQ(check_soa(check_question(&t), 12 + 7), outlen);
	tq_init(&t, "laptop.lan", DNS_T_MX);
	CHECK_EQ(ask(&z, &t), DNS_REPLY);
	CHECK_EQ(rcode(), DNS_R_NOERROR);
	CHECK_EQ(ns(), 1);
}

TEST(any_known_gives_a)
{
	struct dns_zone z = zone();
	struct tq t;
	tq_init(&t, "laptop.lan", DNS_T_ANY);
	CHECK_EQ(ask(&z, &t), DNS_REPLY);
	CHECK_EQ(an(), 1);
	size_t o = check_question(&t);
	CHECK_EQ(u16(o + 2), DNS_T_A);
	CHECK_EQ(u32(o + 6), 60);
	CHECK_EQ(u32(o + 12), 0xc6120105);
}

TEST(class_any_answered_as_in_other_class_refused)
{
	struct dns_zone z = zone();
	struct tq t;
	tq_init(&t, "pc1.lan", DNS_T_A);
	tq_set16(&t, t.len - 2, DNS_C_ANY);
	CHECK_EQ(ask(&z, &t), DNS_REPLY);
	size_t o = check_question(&t);
	CHECK_EQ(u16(o + 4), DNS_C_IN);
	tq_set16(&t, t.len - 2, 3);			/* CHAOS: version.bind and such */
	CHECK_EQ(ask(&z, &t), DNS_REPLY);
	CHECK_EQ(flags(), DNS_F_QR | DNS_F_RD | DNS_R_REFUSED);
	CHECK_EQ(an() + ns(), 0);
	CHECK_EQ(check_question(&t), outlen);
	tq_init(&t, "example.com", DNS_T_A);
	tq_set16(&t, t.len - 2, 3);
	CHECK_EQ(ask(&z, &t), DNS_REPLY);		/* not forwarded either */
	CHECK_EQ(rcode(), DNS_R_REFUSED);
}

TEST(apex_soa_and_nodata)
{
	struct dns_zone z = zone();
	struct tq t;
	tq_init(&t, "lan", DNS_T_SOA);
	CHECK_EQ(ask(&z, &t), DNS_REPLY);
	CHECK_EQ(an(), 1);
	CHECK_EQ(ns(), 0);
	CHECK_EQ(check_soa(check_question(&t), 12), outlen);
	tq_init(&t, "LAN", DNS_T_A);
	CHECK_EQ(ask(&z, &t), DNS_REPLY);
	CHECK_EQ(rcode(), DNS_R_NOERROR);
	CHECK_EQ(an(), 0);
	CHECK_EQ(ns(), 1);
	tq_init(&t, "lan", DNS_T_AXFR);
	CHECK_EQ(ask(&z, &t), DNS_REPLY);
	CHECK_EQ(rcode(), DNS_R_REFUSED);
}

TEST(deeper_names_nxdomain)
{
	struct dns_zone z = zone();
	struct tq t;
	tq_init(&t, "x.pc1.lan", DNS_T_A);
	CHECK_EQ(ask(&z, &t), DNS_REPLY);
	CHECK_EQ(rcode(), DNS_R_NXDOMAIN);
	CHECK_EQ(check_soa(check_question(&t), 12 + 6), outlen);
}

TEST(non_ldh_label_not_looked_up)
{
	struct dns_zone z = zone();
	struct tq t;
	static const char *names[] = { "bad_name.lan", "-pc1.lan", "pc1-.lan", "p c.lan" };
	for (size_t i = 0; i < 4; i++) {
		tq_init(&t, names[i], DNS_T_A);
		label_calls = 0;
		CHECK_EQ(ask(&z, &t), DNS_REPLY);
		CHECK_EQ(rcode(), DNS_R_NXDOMAIN);
		CHECK_EQ(label_calls, 0);
	}
	/* A NUL inside a label never reaches the callback as a C string. */
	tq_init(&t, "pcX.lan", DNS_T_A);
	t.b[12 + 3] = 0;
	label_calls = 0;
	CHECK_EQ(ask(&z, &t), DNS_REPLY);
	CHECK_EQ(rcode(), DNS_R_NXDOMAIN);
	CHECK_EQ(label_calls, 0);
}

TEST(outside_zone_forwarded)
{
	struct dns_zone z = zone();
	struct tq t;
	static const char *names[] = {
		"example.com", "lan.example", "xlan", "an", "", "pc1.lan.example",
		"1.1.1.1.in-addr.arpa", "1.2.18.198.in-addr.arpa", "18.198.in-addr.arpa",
		"198.in-addr.arpa", "in-addr.arpa", "5.2.0.192.in-addr.arpa",
		"1.1.2.10.in-addr.arpa", "0.10.in-addr.arpa",
	};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		tq_init(&t, names[i], DNS_T_A);
		outlen = 99;
		CHECK_EQ(ask(&z, &t), DNS_FORWARD);
		CHECK_EQ(outlen, 0);
	}
	z.domain = NULL;
	tq_init(&t, "pc1.lan", DNS_T_A);
	CHECK_EQ(ask(&z, &t), DNS_FORWARD);
	z.domain = "bad..domain";
	CHECK_EQ(ask(&z, &t), DNS_FORWARD);
}

TEST(error_replies_for_forwarder)
{
	struct dns_zone z = zone();
	struct tq t;
	tq_init(&t, "example.com", DNS_T_A);
	tq_opt(&t, 4096, 0, false);
	outlen = dns_error(&z, t.b, t.len, DNS_R_REFUSED, out, sizeof out);
	CHECK_EQ(flags(), DNS_F_QR | DNS_F_RD | DNS_R_REFUSED);	/* no AA, no RA */
	CHECK_EQ(an() + ns(), 0);
	CHECK_EQ(ar(), 1);
	CHECK_EQ(outlen, check_question(&t) + 11);
	z.recursion = true;
	outlen = dns_error(&z, t.b, t.len, DNS_R_SERVFAIL, out, sizeof out);
	CHECK_EQ(flags(), DNS_F_QR | DNS_F_RD | DNS_F_RA | DNS_R_SERVFAIL);
	t.b[2] |= 0x80;					/* a response: nothing */
	CHECK_EQ(dns_error(&z, t.b, t.len, DNS_R_REFUSED, out, sizeof out), 0);
	CHECK_EQ(dns_error(&z, t.b, 11, DNS_R_REFUSED, out, sizeof out), 0);
	t.b[2] &= 0x7f;
	CHECK_EQ(dns_error(&z, t.b, t.len, DNS_R_REFUSED, out, 20), 0);	/* no room */
}

TEST(ptr_known_both_halves_of_subnet)
{
	struct dns_zone z = zone();
	struct tq t;
	tq_init(&t, "10.0.18.198.in-addr.arpa", DNS_T_PTR);
	CHECK_EQ(ask(&z, &t), DNS_REPLY);
	CHECK_EQ(flags(), DNS_F_QR | DNS_F_AA | DNS_F_RD);
	CHECK_EQ(an(), 1);
	size_t o = check_question(&t);
	CHECK_EQ(u16(o), 0xc00c);
	CHECK_EQ(u16(o + 2), DNS_T_PTR);
	CHECK_EQ(u32(o + 6), 300);
	CHECK_EQ(u16(o + 10), 9);
	CHECK(memcmp(out + o + 12, "\3pc1\3lan\0", 9) == 0);
	CHECK_EQ(outlen, o + 21);
	tq_init(&t, "5.1.18.198.IN-ADDR.arpa", DNS_T_PTR);
	CHECK_EQ(ask(&z, &t), DNS_REPLY);
	o = check_question(&t);
	CHECK(memcmp(out + o + 12, "\6laptop\3lan\0", 12) == 0);
	tq_init(&t, "3.2.1.10.in-addr.arpa", DNS_T_ANY);	/* a /16 */
	CHECK_EQ(ask(&z, &t), DNS_REPLY);
	CHECK_EQ(u16(check_question(&t) + 2), DNS_T_PTR);
	tq_init(&t, "70.2.0.192.in-addr.arpa", DNS_T_PTR);	/* a /26 */
	CHECK_EQ(ask(&z, &t), DNS_REPLY);
	CHECK_EQ(an(), 1);
}

TEST(ptr_long_target)
{
	struct dns_zone z = zone();
	z.domain = "corp.example.";
	struct tq t;
	tq_init(&t, "200.0.18.198.in-addr.arpa", DNS_T_PTR);
	CHECK_EQ(ask(&z, &t), DNS_REPLY);
	size_t o = check_question(&t);
	CHECK_EQ(u16(o + 10), 1 + 63 + 14);
	CHECK_EQ(out[o + 12], 63);
	CHECK(memcmp(out + o + 13, long_label, 63) == 0);
	CHECK(memcmp(out + o + 76, "\4corp\7example\0", 14) == 0);
}

TEST(ptr_unknown_and_odd_reverse_names)
{
	struct dns_zone z = zone();
	struct tq t;
	tq_init(&t, "11.0.18.198.in-addr.arpa", DNS_T_PTR);
	CHECK_EQ(ask(&z, &t), DNS_REPLY);
	CHECK_EQ(rcode(), DNS_R_NXDOMAIN);
	CHECK_EQ(check_soa(check_question(&t), 12 + 3), outlen);	/* 0.18.198... */
	/* A label the lookup gives that is no host name: NXDOMAIN. */
	tq_init(&t, "99.0.18.198.in-addr.arpa", DNS_T_PTR);
	CHECK_EQ(ask(&z, &t), DNS_REPLY);
	CHECK_EQ(rcode(), DNS_R_NXDOMAIN);
	/* Without a domain there is no name to point to. */
	z.domain = NULL;
	tq_init(&t, "10.0.18.198.in-addr.arpa", DNS_T_PTR);
	CHECK_EQ(ask(&z, &t), DNS_REPLY);
	CHECK_EQ(rcode(), DNS_R_NXDOMAIN);
	z = zone();
	static const char *nx[] = {
		"x.0.18.198.in-addr.arpa", "010.0.18.198.in-addr.arpa",
		"256.0.18.198.in-addr.arpa", "1.10.0.18.198.in-addr.arpa",
		"x.1.10.in-addr.arpa",
	};
	for (size_t i = 0; i < sizeof nx / sizeof nx[0]; i++) {
		tq_init(&t, nx[i], DNS_T_PTR);
		CHECK_EQ(ask(&z, &t), DNS_REPLY);
		CHECK_EQ(rcode(), DNS_R_NXDOMAIN);
		CHECK_EQ(ns(), 1);
	}
}

TEST(reverse_apex_and_empty_non_terminal)
{
	struct dns_zone z = zone();
	struct tq t;
	tq_init(&t, "1.18.198.in-addr.arpa", DNS_T_SOA);
	CHECK_EQ(ask(&z, &t), DNS_REPLY);
	CHECK_EQ(an(), 1);
	CHECK_EQ(check_soa(check_question(&t), 12), outlen);
	tq_init(&t, "2.0.192.in-addr.arpa", DNS_T_SOA);	/* the /26's apex */
	CHECK_EQ(ask(&z, &t), DNS_REPLY);
	CHECK_EQ(an(), 1);
	/* Under the /16's apex, 2.1.10: exists (leases below), so NODATA, not
	 * NXDOMAIN, which would stop QNAME minimisation (RFC 8020). */
	tq_init(&t, "2.1.10.in-addr.arpa", DNS_T_PTR);
	CHECK_EQ(ask(&z, &t), DNS_REPLY);
	CHECK_EQ(rcode(), DNS_R_NOERROR);
	CHECK_EQ(an(), 0);
	CHECK_EQ(check_soa(check_question(&t), 12 + 2), outlen);
}

TEST(opcode_not_query_is_notimp)
{
	struct dns_zone z = zone();
	struct tq t;
	for (unsigned op = 1; op < 16; op++) {
		tq_init(&t, "pc1.lan", DNS_T_SOA);
		tq_opt(&t, 1232, 0, true);
		tq_set16(&t, 2, (uint16_t)(op << 11 | DNS_F_RD));
		CHECK_EQ(ask(&z, &t), DNS_REPLY);
		CHECK_EQ(flags(), DNS_F_QR | op << 11 | DNS_F_RD | DNS_R_NOTIMP);
		CHECK_EQ(qd() + an() + ns() + ar(), 0);
		CHECK_EQ(outlen, 12);
	}
}

TEST(responses_and_short_packets_dropped)
{
	struct dns_zone z = zone();
	struct tq t;
	tq_init(&t, "pc1.lan", DNS_T_A);
	t.b[2] |= 0x80;
	outlen = 99;
	CHECK_EQ(ask(&z, &t), DNS_DROP);
	CHECK_EQ(outlen, 0);
	for (size_t n = 0; n < 12; n++)
		CHECK_EQ(dns_answer(&z, t.b, n, false, out, sizeof out, &outlen), DNS_DROP);
}

TEST(qdcount_zero_and_two_formerr)
{
	struct dns_zone z = zone();
	struct tq t;
	tq_header(&t, 7, 0, 0);
	CHECK_EQ(ask(&z, &t), DNS_REPLY);
	CHECK_EQ(flags(), DNS_F_QR | DNS_R_FORMERR);
	CHECK_EQ(outlen, 12);
	tq_init(&t, "pc1.lan", DNS_T_A);
	tq_name(&t, "laptop.lan");
	tq_u16(&t, DNS_T_A);
	tq_u16(&t, DNS_C_IN);
	tq_set16(&t, 4, 2);
	CHECK_EQ(ask(&z, &t), DNS_REPLY);
	CHECK_EQ(rcode(), DNS_R_FORMERR);
	CHECK_EQ(qd() + an() + ns() + ar(), 0);
	CHECK_EQ(u16(0), 0x1234);
}

/* A query for pc1.lan plus one additional RR whose owner is given raw. */
static void with_extra_rr(struct tq *t, const void *owner, size_t n)
{
	tq_init(t, "pc1.lan", DNS_T_A);
	tq_raw(t, owner, n);
	tq_u16(t, DNS_T_A);
	tq_u16(t, DNS_C_IN);
	tq_u16(t, 0);
	tq_u16(t, 0);
	tq_u16(t, 4);
	tq_raw(t, "\1\2\3\4", 4);
	tq_count(t, 3, 1);
}

TEST(compression_pointers)
{
	struct dns_zone z = zone();
	struct tq t;
	/* Backward to the question, whole or from its second label: fine. */
	with_extra_rr(&t, "\xc0\x0c", 2);
	CHECK_EQ(ask(&z, &t), DNS_REPLY);
	CHECK_EQ(rcode(), DNS_R_NOERROR);
	with_extra_rr(&t, "\1x\xc0\x10", 4);
	CHECK_EQ(ask(&z, &t), DNS_REPLY);
	CHECK_EQ(rcode(), DNS_R_NOERROR);
	/* At itself, forward, into its own labels, into the header, past the
	 * end: all FORMERR. */
	with_extra_rr(&t, "\xc0\x19", 2);		/* its own offset: 25 */
	CHECK_EQ(ask(&z, &t), DNS_REPLY);
	CHECK_EQ(rcode(), DNS_R_FORMERR);
	with_extra_rr(&t, "\xc0\x30", 2);
	CHECK_EQ(ask(&z, &t), DNS_REPLY);
	CHECK_EQ(rcode(), DNS_R_FORMERR);
	with_extra_rr(&t, "\1x\xc0\x19", 4);		/* back to its own start */
	CHECK_EQ(ask(&z, &t), DNS_REPLY);
	CHECK_EQ(rcode(), DNS_R_FORMERR);
	with_extra_rr(&t, "\xc0\x02", 2);
	CHECK_EQ(ask(&z, &t), DNS_REPLY);
	CHECK_EQ(rcode(), DNS_R_FORMERR);
	with_extra_rr(&t, "\xff\xff", 2);
	CHECK_EQ(ask(&z, &t), DNS_REPLY);
	CHECK_EQ(rcode(), DNS_R_FORMERR);
	/* The question itself may not be compressed: nothing comes before. */
	tq_header(&t, 1, 0, 1);
	tq_raw(&t, "\xc0\x0c\0\1\0\1", 6);
	CHECK_EQ(ask(&z, &t), DNS_REPLY);
	CHECK_EQ(rcode(), DNS_R_FORMERR);
}

TEST(compression_loop_two_names)
{
	/* Two additional names pointing at each other: the first points
	 * forward, so the loop is cut there; the second points back into a
	 * name that points forward again, also cut. */
	struct dns_zone z = zone();
	struct tq t;
	tq_init(&t, "pc1.lan", DNS_T_A);
	size_t a = t.len;
	tq_raw(&t, "\1a\xc0\x00", 4);
	tq_raw(&t, "\0\1\0\1\0\0\0\0\0\0", 10);
	size_t b = t.len;
	tq_raw(&t, "\1b\xc0\x00", 4);
	tq_raw(&t, "\0\1\0\1\0\0\0\0\0\0", 10);
	t.b[a + 3] = (uint8_t)b;
	t.b[b + 3] = (uint8_t)a;
	tq_count(&t, 3, 2);
	CHECK_EQ(ask(&z, &t), DNS_REPLY);
	CHECK_EQ(rcode(), DNS_R_FORMERR);
}

TEST(reserved_label_types_formerr)
{
	struct dns_zone z = zone();
	struct tq t;
	tq_init(&t, "pc1.lan", DNS_T_A);
	t.b[12] = 0x43;
	CHECK_EQ(ask(&z, &t), DNS_REPLY);
	CHECK_EQ(rcode(), DNS_R_FORMERR);
	t.b[12] = 0x83;
	CHECK_EQ(ask(&z, &t), DNS_REPLY);
	CHECK_EQ(rcode(), DNS_R_FORMERR);
}

/* A name of total wire length n (n >= 5) ending in .lan. */
static void long_name(char *buf, size_t n)
{
	/* The wire form of "lan" is 5; labels of 63+1 fill the rest. */
	size_t left = n - 5, o = 0;
	while (left > 0) {
		size_t l = left - 1 > 63 ? 63 : left - 1;
		if (left - (l + 1) == 1)
			l--;		/* no 0-length label left behind */
		memset(buf + o, 'a', l);
		o += l;
		buf[o++] = '.';
		left -= l + 1;
	}
	strcpy(buf + o, "lan");
}

TEST(name_and_label_limits)
{
	struct dns_zone z = zone();
	struct tq t;
	char name[400];
	long_name(name, 255);
	tq_init(&t, name, DNS_T_A);
	CHECK_EQ(t.len, 12 + 255 + 4);
	CHECK_EQ(ask(&z, &t), DNS_REPLY);
	CHECK_EQ(rcode(), DNS_R_NXDOMAIN);
	CHECK_EQ(check_soa(check_question(&t), 12 + 250), outlen);
	long_name(name, 256);
	tq_init(&t, name, DNS_T_A);
	CHECK_EQ(ask(&z, &t), DNS_REPLY);
	CHECK_EQ(rcode(), DNS_R_FORMERR);
	/* Labels: 63 is fine, 64 is the 0x40 type and refused. */
	memset(name, 'a', 63);
	strcpy(name + 63, ".lan");
	tq_init(&t, name, DNS_T_A);
	CHECK_EQ(ask(&z, &t), DNS_REPLY);
	CHECK_EQ(rcode(), DNS_R_NXDOMAIN);
	memset(name, 'a', 64);
	strcpy(name + 64, ".lan");
	tq_init(&t, name, DNS_T_A);
	CHECK_EQ(ask(&z, &t), DNS_REPLY);
	CHECK_EQ(rcode(), DNS_R_FORMERR);
}

TEST(name_limit_across_pointer)
{
	/* The question is 250 bytes; an additional name of a 5-byte label and
	 * a pointer to it makes 256 uncompressed: refused. 4 bytes makes 255. */
	struct dns_zone z = zone();
	struct tq t;
	char name[400];
	long_name(name, 250);
	tq_init(&t, name, DNS_T_A);
	tq_raw(&t, "\4abcd\xc0\x0c", 7);
	tq_raw(&t, "\0\1\0\1\0\0\0\0\0\0", 10);
	tq_count(&t, 3, 1);
	CHECK_EQ(ask(&z, &t), DNS_REPLY);
	CHECK_EQ(rcode(), DNS_R_NXDOMAIN);
	tq_init(&t, name, DNS_T_A);
	tq_raw(&t, "\5abcde\xc0\x0c", 8);
	tq_raw(&t, "\0\1\0\1\0\0\0\0\0\0", 10);
	tq_count(&t, 3, 1);
	CHECK_EQ(ask(&z, &t), DNS_REPLY);
	CHECK_EQ(rcode(), DNS_R_FORMERR);
}

TEST(every_truncation_of_a_query)
{
	struct dns_zone z = zone();
	struct tq t;
	tq_init(&t, "10.0.18.198.in-addr.arpa", DNS_T_PTR);
	tq_opt(&t, 1232, 0, true);
	for (size_t n = 0; n < t.len; n++) {
		uint8_t *copy = malloc(n ? n : 1);	/* exact size for ASan */
		memcpy(copy, t.b, n);
		enum dns_verdict v = dns_answer(&z, copy, n, false, out, sizeof out, &outlen);
		if (n < 12) {
			CHECK_EQ(v, DNS_DROP);
		} else {
			CHECK_EQ(v, DNS_REPLY);
			CHECK_EQ(rcode(), DNS_R_FORMERR);
			CHECK_EQ(outlen, 12);
		}
		free(copy);
	}
	CHECK_EQ(ask(&z, &t), DNS_REPLY);
	CHECK_EQ(rcode(), DNS_R_NOERROR);
	CHECK_EQ(an(), 1);
}

TEST(edns_sizes)
{
	struct dns_query q;
	struct tq t;
	static const struct { uint16_t sent; size_t limit; } cases[] = {
		{ 0, 512 }, { 511, 512 }, { 512, 512 }, { 1000, 1000 },
		{ 1232, 1232 }, { 1233, 1232 }, { 4096, 1232 }, { 65535, 1232 },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		tq_init(&t, "pc1.lan", DNS_T_A);
		tq_opt(&t, cases[i].sent, 0, false);
		CHECK_EQ(dns_parse_query(&q, t.b, t.len), DNS_R_NOERROR);
		CHECK(q.edns);
		CHECK_EQ(q.edns_size, cases[i].sent);
		CHECK_EQ(q.udp_limit, cases[i].limit);
	}
	tq_init(&t, "pc1.lan", DNS_T_A);
	CHECK_EQ(dns_parse_query(&q, t.b, t.len), DNS_R_NOERROR);
	CHECK(!q.edns);
	CHECK_EQ(q.udp_limit, 512);
}

TEST(edns_badvers_and_malformed_opt)
{
	struct dns_zone z = zone();
	struct tq t;
	tq_init(&t, "pc1.lan", DNS_T_A);
	tq_opt(&t, 1232, 1, true);
	CHECK_EQ(ask(&z, &t), DNS_REPLY);
	CHECK_EQ(rcode(), 0);				/* BADVERS: 16 = 1 << 4 | 0 */
	CHECK_EQ(an(), 0);
	CHECK_EQ(ar(), 1);
	size_t o = check_question(&t);
	CHECK_EQ(u16(o + 1), DNS_T_OPT);
	CHECK_EQ(u32(o + 5), 0x01008000);		/* ext rcode 1, version 0, DO */
	/* Two OPTs. */
	tq_init(&t, "pc1.lan", DNS_T_A);
	tq_opt(&t, 1232, 0, false);
	tq_opt(&t, 1232, 0, false);
	CHECK_EQ(ask(&z, &t), DNS_REPLY);
	CHECK_EQ(rcode(), DNS_R_FORMERR);
	CHECK_EQ(outlen, 12);
	/* OPT owned by a name other than the root. */
	with_extra_rr(&t, "\xc0\x0c", 2);
	tq_set16(&t, t.len - 14, DNS_T_OPT);
	CHECK_EQ(ask(&z, &t), DNS_REPLY);
	CHECK_EQ(rcode(), DNS_R_FORMERR);
	/* OPT in the authority section. */
	tq_init(&t, "pc1.lan", DNS_T_A);
	tq_opt(&t, 1232, 0, false);
	tq_set16(&t, 10, 0);
	tq_set16(&t, 8, 1);
	CHECK_EQ(ask(&z, &t), DNS_REPLY);
	CHECK_EQ(rcode(), DNS_R_FORMERR);
	/* An option whose length runs past the RDATA. */
	tq_init(&t, "pc1.lan", DNS_T_A);
	tq_opt(&t, 1232, 0, false);
	tq_set16(&t, t.len - 2, 5);
	tq_raw(&t, "\0\12\0\2\1", 5);
	CHECK_EQ(ask(&z, &t), DNS_REPLY);
	CHECK_EQ(rcode(), DNS_R_FORMERR);
	tq_set16(&t, t.len - 7, 6);
	tq_raw(&t, "\2", 1);
	CHECK_EQ(ask(&z, &t), DNS_REPLY);
	CHECK_EQ(rcode(), DNS_R_NOERROR);
	CHECK_EQ(ar(), 1);
}

TEST(truncation_sets_tc)
{
	struct dns_zone z = zone();
	struct tq t;
	tq_init(&t, "200.0.18.198.in-addr.arpa", DNS_T_PTR);
	tq_opt(&t, 1232, 0, true);
	CHECK_EQ(dns_answer(&z, t.b, t.len, false, out, sizeof out, &outlen), DNS_REPLY);
	size_t full = outlen;
	CHECK_EQ(an(), 1);
	for (size_t cap = full - 1; cap >= 12 + 31 + 11; cap--) {
		CHECK_EQ(dns_answer(&z, t.b, t.len, false, out, cap, &outlen), DNS_REPLY);
		CHECK(outlen <= cap);
		CHECK_EQ(flags(), DNS_F_QR | DNS_F_AA | DNS_F_TC | DNS_F_RD);
		CHECK_EQ(an() + ns(), 0);
		CHECK_EQ(ar(), 1);		/* the OPT stays (RFC 6891 section 7) */
		CHECK_EQ(outlen, check_question(&t) + 11);
	}
	/* Not even header and question fit: nothing to send. */
	CHECK_EQ(dns_answer(&z, t.b, t.len, false, out, 12 + 31 + 10, &outlen), DNS_DROP);
	CHECK_EQ(outlen, 0);
	/* TCP with room: the whole answer, no TC. */
	CHECK_EQ(dns_answer(&z, t.b, t.len, true, out, sizeof out, &outlen), DNS_REPLY);
	CHECK_EQ(outlen, full);
	CHECK(!(flags() & DNS_F_TC));
}

TEST(udp_never_over_512_without_edns)
{
	/* The largest answers we make: a 255-byte question with NXDOMAIN and
	 * SOA, and a PTR to a 63-byte label under a long domain. */
	struct dns_zone z = zone();
	struct tq t;
	char name[400], dom[300];
	long_name(name, 255);
	tq_init(&t, name, DNS_T_A);
	CHECK_EQ(ask(&z, &t), DNS_REPLY);
	CHECK(outlen <= 512);
	long_name(dom, 250);
	CHECK_EQ(dns_domain_valid(dom), 0);
	z.domain = dom;
	tq_init(&t, "200.0.18.198.in-addr.arpa", DNS_T_PTR);
	CHECK_EQ(ask(&z, &t), DNS_REPLY);
	CHECK_EQ(an(), 1);
	CHECK(outlen <= 512);
	CHECK_EQ(outlen, 12 + 31 + 12 + 1 + 63 + 250);
}

TEST(case_preserved_matching_insensitive)
{
	struct dns_zone z = zone();
	struct tq t;
	tq_init(&t, "Pc1.LaN", DNS_T_A);
	label_calls = 0;
	CHECK_EQ(ask(&z, &t), DNS_REPLY);
	CHECK_EQ(an(), 1);
	CHECK_EQ(label_calls, 1);
	CHECK(memcmp(out + 12, "\3Pc1\3LaN\0", 9) == 0);
	tq_init(&t, "NoBody.lAn", DNS_T_A);
	CHECK_EQ(ask(&z, &t), DNS_REPLY);
	CHECK_EQ(rcode(), DNS_R_NXDOMAIN);
	CHECK(memcmp(out + 12, "\6NoBody\3lAn\0", 12) == 0);
	z.domain = "LAN";
	tq_init(&t, "pc1.lan", DNS_T_A);
	CHECK_EQ(ask(&z, &t), DNS_REPLY);
	CHECK_EQ(an(), 1);
}

TEST(multi_label_domain)
{
	struct dns_zone z = zone();
	z.domain = "corp.example";
	struct tq t;
	tq_init(&t, "laptop.corp.example", DNS_T_A);
	CHECK_EQ(ask(&z, &t), DNS_REPLY);
	CHECK_EQ(an(), 1);
	tq_init(&t, "example", DNS_T_A);
	CHECK_EQ(ask(&z, &t), DNS_FORWARD);
	tq_init(&t, "laptop.example", DNS_T_A);
	CHECK_EQ(ask(&z, &t), DNS_FORWARD);
	tq_init(&t, "laptop.xcorp.example", DNS_T_A);
	CHECK_EQ(ask(&z, &t), DNS_FORWARD);
}

TEST(trailing_bytes_tolerated)
{
	struct dns_zone z = zone();
	struct tq t;
	tq_init(&t, "pc1.lan", DNS_T_A);
	tq_raw(&t, "junk", 4);
	CHECK_EQ(ask(&z, &t), DNS_REPLY);
	CHECK_EQ(an(), 1);
}

TEST(domain_valid)
{
	CHECK_EQ(dns_domain_valid("lan"), 0);
	CHECK_EQ(dns_domain_valid("corp.example."), 0);
	CHECK_EQ(dns_domain_valid("a-b.c1"), 0);
	static const char *bad[] = {
		"", ".", "a..b", "a..", "-lan", "lan-", "la_n", "la n", ".lan",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		CHECK_EQ(dns_domain_valid(bad[i]), -1);
	CHECK_EQ(dns_domain_valid(NULL), -1);
	char d[300];
	memset(d, 'a', 64);
	d[64] = 0;
	CHECK_EQ(dns_domain_valid(d), -1);
	long_name(d, 255);
	CHECK_EQ(dns_domain_valid(d), 0);
	long_name(d, 256);
	CHECK_EQ(dns_domain_valid(d), -1);
}

TEST(tcp_framing)
{
	uint8_t b[4] = { 0 };
	CHECK_EQ(dns_tcp_frame_len(b, 0), 0);
	CHECK_EQ(dns_tcp_frame_len(b, 1), 0);
	CHECK_EQ(dns_tcp_frame_len(b, 2), -1);
	b[1] = 11;
	CHECK_EQ(dns_tcp_frame_len(b, 2), -1);
	b[1] = 12;
	CHECK_EQ(dns_tcp_frame_len(b, 4), 14);
	dns_tcp_put_len(b, 65535);
	CHECK_EQ(dns_tcp_frame_len(b, 2), 65537);
	dns_tcp_put_len(b, 300);
	CHECK(b[0] == 1 && b[1] == 44);
}

TEST(forward_helpers)
{
	struct tq t, r;
	tq_init(&t, "Example.COM", DNS_T_A);
	CHECK_EQ(dns_msg_id(t.b, t.len), 0x1234);
	CHECK_EQ(dns_set_id(t.b, t.len, 0xabcd), 0);
	CHECK_EQ(dns_msg_id(t.b, t.len), 0xabcd);
	CHECK_EQ(dns_set_id(t.b, 11, 1), -1);
	CHECK_EQ(dns_msg_id(t.b, 11), -1);
	tq_init(&r, "example.com", DNS_T_A);
	tq_set16(&r, 2, DNS_F_QR | DNS_F_RA);
	CHECK(dns_same_question(t.b, t.len, r.b, r.len));
	tq_init(&r, "example.org", DNS_T_A);
	CHECK(!dns_same_question(t.b, t.len, r.b, r.len));
	tq_init(&r, "example.com", DNS_T_AAAA);
	CHECK(!dns_same_question(t.b, t.len, r.b, r.len));
	tq_header(&r, 1, DNS_F_QR, 0);
	CHECK(!dns_same_question(t.b, t.len, r.b, r.len));
	CHECK(!dns_same_question(t.b, t.len, t.b, 20));
}

T_RUN(T_CASE(forwarded_answer_fit_to_the_client), T_CASE(a_known), T_CASE(a_scapy_vector), T_CASE(ptr_scapy_vector_edns_cookie),
      T_CASE(ra_only_with_recursion), T_CASE(cd_copied_ad_and_z_cleared),
      T_CASE(a_unknown_is_nxdomain_with_soa), T_CASE(negative_ttl_configurable),
      T_CASE(aaaa_known_is_nodata), T_CASE(any_known_gives_a),
      T_CASE(class_any_answered_as_in_other_class_refused), T_CASE(apex_soa_and_nodata),
      T_CASE(deeper_names_nxdomain), T_CASE(non_ldh_label_not_looked_up),
      T_CASE(outside_zone_forwarded), T_CASE(error_replies_for_forwarder),
      T_CASE(ptr_known_both_halves_of_subnet), T_CASE(ptr_long_target),
      T_CASE(ptr_unknown_and_odd_reverse_names), T_CASE(reverse_apex_and_empty_non_terminal),
      T_CASE(opcode_not_query_is_notimp), T_CASE(responses_and_short_packets_dropped),
      T_CASE(qdcount_zero_and_two_formerr), T_CASE(compression_pointers),
      T_CASE(compression_loop_two_names), T_CASE(reserved_label_types_formerr),
      T_CASE(name_and_label_limits), T_CASE(name_limit_across_pointer),
      T_CASE(every_truncation_of_a_query), T_CASE(edns_sizes),
      T_CASE(edns_badvers_and_malformed_opt), T_CASE(truncation_sets_tc),
      T_CASE(udp_never_over_512_without_edns), T_CASE(case_preserved_matching_insensitive),
      T_CASE(multi_label_domain), T_CASE(trailing_bytes_tolerated), T_CASE(domain_valid),
      T_CASE(tcp_framing), T_CASE(forward_helpers))
