/* libFuzzer: the DNS core.  Every reply is checked: within its limit, ID
 * and opcode copied, QR set, and, with the QR bit cleared, a valid query
 * for the same question.  An input whose first two bytes give the length
 * of the rest is taken as TCP. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "dns/dns.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define ASSERT(c) do { if (!(c)) __builtin_trap(); } while (0)

static const char long_label[] =
	"abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijk";

static int by_label(void *arg, const char *label, uint32_t *addr, uint32_t *ttl)
{
	(void)arg;
	ASSERT(strlen(label) >= 1 && strlen(label) <= DNS_LABEL_MAX);
	*ttl = 300;
	if (strcmp(label, "pc1") == 0)
		*addr = 0xc612000a;
	else if (strcmp(label, "laptop") == 0)
		*addr = 0xc6120105;
	else if (strcmp(label, long_label) == 0)
		*addr = 0xc61200c8;
	else
		return -1;
	return 0;
}

static int by_addr(void *arg, uint32_t addr, char label[DNS_LABEL_MAX + 1], uint32_t *ttl)
{
	(void)arg;
	*ttl = 60;
	const char *l = addr == 0xc612000a ? "pc1" : addr == 0xc6120105 ? "laptop" :
			addr == 0xc61200c8 ? long_label : addr == 0x0a010203 ? "bad_label" : NULL;
	if (!l)
		return -1;
	snprintf(label, DNS_LABEL_MAX + 1, "%s", l);
	return 0;
}

static const struct dns_net nets[] = {
	{ 0xc6120000, 0xfffffe00 }, { 0x0a010000, 0xffff0000 }, { 0xc0000240, 0xffffffc0 },
};

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* The properties every reply to q (a parsed query that got rc) has. */
static void check_reply(const struct dns_query *q, int rc, const uint8_t *r, size_t len,
			size_t limit)
{
	static uint8_t copy[DNS_TCP_MAX];
	ASSERT(len >= DNS_HDR_LEN && len <= limit);
	ASSERT(get16(r) == q->id);
	uint16_t f = get16(r + 2);
	ASSERT(f & DNS_F_QR);
	ASSERT((f & DNS_F_OPCODE) == (q->flags & DNS_F_OPCODE));
	ASSERT((f & DNS_F_RD) == (q->flags & DNS_F_RD));
	if (rc == DNS_R_FORMERR || rc == DNS_R_NOTIMP) {
		ASSERT(len == DNS_HDR_LEN && (f & DNS_F_RCODE) == rc);
		return;
	}
	/* Our reply, read back as a query, is well formed and asks the same. */
	memcpy(copy, r, len);
	copy[2] &= 0x7f;
	struct dns_query back;
	ASSERT(dns_parse_query(&back, copy, len) == DNS_R_NOERROR);
	ASSERT(back.qtype == q->qtype && back.qclass == q->qclass);
	ASSERT(back.name_len == q->name_len && memcmp(back.name, q->name, q->name_len) == 0);
	ASSERT(back.edns == q->edns);
	ASSERT(dns_same_question(copy, len, r, len));
}

static void run(const struct dns_zone *z, const uint8_t *msg, size_t len, bool tcp, size_t cap)
{
	static uint8_t out[DNS_TCP_MAX];
	struct dns_query q;
	size_t n = 99;
	int rc = dns_parse_query(&q, msg, len);
	enum dns_verdict v = dns_answer(z, msg, len, tcp, out, cap, &n);
	size_t limit = tcp ? DNS_TCP_MAX : q.udp_limit;
	limit = cap < limit ? cap : limit;
	if (rc < 0)
		ASSERT(v == DNS_DROP);
	if (v != DNS_REPLY)
		ASSERT(n == 0);
	if (v == DNS_REPLY)
		check_reply(&q, rc, out, n, limit);
	if (v == DNS_FORWARD) {
		ASSERT(rc == DNS_R_NOERROR);
		n = dns_error(z, msg, len, DNS_R_REFUSED, out, cap);
		if (n) {
			check_reply(&q, rc, out, n, cap);
			ASSERT((get16(out + 2) & DNS_F_RCODE) == DNS_R_REFUSED);
		}
	}
}

static void check_clean(const uint8_t *data, size_t size)
{
	char l[DNS_LABEL_MAX + 1];
	if (text_label_clean(data, size, l) < 0) {
		ASSERT(l[0] == 0);
		return;
	}
	size_t n = strlen(l);
	ASSERT(n >= 1 && n <= DNS_LABEL_MAX && l[0] != '-' && l[n - 1] != '-');
	for (size_t i = 0; i < n; i++)
		ASSERT((l[i] >= 'a' && l[i] <= 'z') || (l[i] >= '0' && l[i] <= '9') || l[i] == '-');
	text_label_clean_wire(data, size, l);
}

/* The input as an upstream answer to a fixed query (no EDNS: 512 bytes):
 * dns_fit_udp returns 0, the answer as it is when it fits, or a cut that
 * fits with TC set and one question. */
static void fit(const uint8_t *data, size_t size)
{
	static const uint8_t q[] = { 0x12, 0x34, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0,
				     1, 'x', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0, 0, 1, 0, 1 };
	static uint8_t ans[1 << 16];
	if (size > sizeof ans)
		return;
	memcpy(ans, data, size);
	size_t n = dns_fit_udp(q, sizeof q, ans, size);
	ASSERT(n <= size);
	if (n == size)
		ASSERT(size <= DNS_UDP_MIN && memcmp(ans, data, size) == 0);
	else if (n)
		ASSERT(n <= DNS_UDP_MIN && (ans[2] & 0x02) && get16(ans + 4) == 1 &&
		       get16(ans + 6) == 0 && get16(ans + 8) == 0 && get16(ans + 10) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dns_zone z = {
		.domain = size % 2 ? "lan" : "corp.example", .nets = nets, .nnets = 3,
		.by_label = by_label, .by_addr = by_addr, .recursion = size % 3 == 0,
		.serial = 1,
	};
	int frame = dns_tcp_frame_len(data, size);
	if (frame > 0 && (size_t)frame == size) {
		run(&z, data + 2, size - 2, true, DNS_TCP_MAX);
		run(&z, data + 2, size - 2, true, 64 + size % 64);
	} else {
		run(&z, data, size, false, DNS_TCP_MAX);
		run(&z, data, size, false, 48 + size % 128);
	}
	check_clean(data, size);
	fit(data, size);
	return 0;
}
