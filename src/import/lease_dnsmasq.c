/* dnsmasq's lease file: one line per lease, "EXPIRY MAC ADDRESS HOSTNAME
 * CLIENTID", with "*" for no hostname or client id, expiry 0 for a lease
 * that never ends, and a "TT-" hardware type before a MAC that is not
 * Ethernet.  dnsmasq keeps no start time: start and cltt are "now". */
#include <string.h>
#include "common/text.h"
#include "import/lease_readers.h"

#define DNSMASQ_FIELDS 5

struct field {
	const char *p;
	size_t n;
};

/* Splits at runs of spaces or tabs; returns the count, or max + 1 when
 * there are more. */
static size_t split(const char *p, size_t n, struct field *f, size_t max)
{
	size_t k = 0, i = 0;

	for (;;) {
		while (i < n && (p[i] == ' ' || p[i] == '\t'))
			i++;
		if (i == n)
			return k;
		if (k == max)
			return max + 1;
		size_t s = i;

		while (i < n && p[i] != ' ' && p[i] != '\t')
			i++;
		f[k++] = (struct field){ p + s, i - s };
	}
}

/* "52:54:00:12:34:56", or "TT-xx:xx:..." with the ARP hardware type in
 * hex (dnsmasq's lease.c writes it for anything but Ethernet; ARPHRD
 * numbers and DHCP htype numbers agree: 6 IEEE 802, 32 InfiniBand). */
static int mac(const struct field *f, struct lease_rec *r)
{
	const char *p = f->p;
	size_t n = f->n;
	int len;

	r->htype = 1;
	if (n >= 3 && p[2] == '-') {
		if (text_hexval(p[0]) < 0 || text_hexval(p[1]) < 0)
			return -1;
		r->htype = (uint8_t)(text_hexval(p[0]) << 4 | text_hexval(p[1]));
		p += 3;
		n -= 3;
		if (n == 0)	/* the type alone (InfiniBand: RFC 4390 hlen 0) */
			return 0;
	}
	len = lf_hex_colon(p, n, r->hw, LEASE_HW_MAX);
	if (len < 0)
		return len;
	r->hlen = (uint8_t)len;
	return 0;
}

static bool bad(struct lf_build *b, unsigned line, uint32_t addr, const char *why)
{
	lf_note(b, line, LEASEFILE_ERROR, addr, "%s", why);
	return false;
}

/* The hostname field: "*" none; a name we cannot hold is left out. */
static void hostname(struct lf_build *b, unsigned line, const struct field *f,
		     struct lease_rec *r, char *buf)
{
	if (lf_is(f->p, f->n, "*"))
		return;
	if (f->n > LEASE_HOST_MAX || memchr(f->p, 0, f->n)) {
		lf_note(b, line, LEASEFILE_SKIP, r->addr, "hostname %s: left out",
			f->n > LEASE_HOST_MAX ? "longer than 255 bytes" : "holds a NUL byte");
		return;
	}
	memcpy(buf, f->p, f->n);
	buf[f->n] = 0;
	r->hostname = buf;
}

/* The times: dnsmasq prunes leases that ended when it starts, we keep
 * them as expired (they still say which client had the address). */
static void times(struct lf_build *b, uint64_t expiry, struct lease_rec *r)
{
	r->end = expiry == 0 ? LEASEFILE_NEVER
		 : lf_time_clamp(expiry > INT64_MAX ? INT64_MAX : (int64_t)expiry);
	r->state = r->end > b->now ? LEASE_ACTIVE : LEASE_EXPIRED;
	r->start = r->end > b->now ? lf_time_clamp(b->now) : r->end;
	r->cltt = r->start;
}

static bool lease_line(struct lf_build *b, unsigned line, const struct field *f, size_t cnt)
{
	struct lease_rec r = { 0 };
	uint8_t cid[LEASE_CID_MAX];
	char host[LEASE_HOST_MAX + 1];
	uint64_t expiry;
	int n;

	if (!text_ip4_parse(f[2].p, f[2].n, &r.addr))
		return bad(b, line, 0, "address: not an IPv4 address");
	if (!lf_uint(f[0].p, f[0].n, UINT64_MAX, &expiry))
		return bad(b, line, r.addr, "expiry: not a number");
	if ((n = mac(&f[1], &r)) < 0)
		return bad(b, line, r.addr, n == -2 ? "MAC: longer than 16 bytes" : "MAC: malformed");
	if (cnt == DNSMASQ_FIELDS && !lf_is(f[4].p, f[4].n, "*")) {
		n = lf_hex_colon(f[4].p, f[4].n, cid, LEASE_CID_MAX);
		if (n < 0)
			return bad(b, line, r.addr, n == -2 ? "client id: longer than 255 bytes"
							    : "client id: malformed");
		r.cid = cid;
		r.cid_len = (uint8_t)n;
	}
	times(b, expiry, &r);
	if (r.hlen == 0 && r.cid_len == 0) {
		lf_note(b, line, LEASEFILE_SKIP, r.addr,
			"lease with no MAC and no client id: no client to tie it to");
		lf_add_gone(b, r.addr);
		return true;
	}
	hostname(b, line, &f[3], &r, host);
	lf_add(b, &r);
	return true;
}

void lf_read_dnsmasq(struct lf_build *b, const char *buf, size_t len)
{
	struct lf_lines c = lf_lines_init(buf, len);
	struct field f[DNSMASQ_FIELDS];
	const char *p;
	size_t n, cnt;

	while (lf_next_line(&c, &p, &n) && !b->oom) {
		cnt = split(p, n, f, DNSMASQ_FIELDS);
		if (cnt == 0)
			continue;
		if (lf_is(f[0].p, f[0].n, "duid"))
			lf_note(b, c.line, LEASEFILE_SKIP, 0, "DHCPv6 server DUID skipped");
		else if (cnt < 4 || cnt > DNSMASQ_FIELDS)
			bad(b, c.line, 0, "expected EXPIRY MAC ADDRESS HOSTNAME CLIENTID");
		else if (memchr(f[2].p, ':', f[2].n))
			lf_note(b, c.line, LEASEFILE_SKIP, 0, "DHCPv6 lease skipped");
		else
			lease_line(b, c.line, f, cnt);
	}
}
