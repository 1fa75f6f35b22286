/* The built-in DNS server's protocol core.  All message bytes are read
 * through struct rd and written through struct wr. */
#include <string.h>
#include "common/bytes.h"
#include "common/text.h"
#include "dns/dns.h"

#define LABELS_MAX 128		/* a 255-byte name has at most 127 labels */
#define SOA_REFRESH 3600
#define SOA_RETRY 600
#define SOA_EXPIRE 86400
#define PTR_BASE 0xc000		/* a compression pointer (RFC 1035 4.1.4) */

/* "in-addr.arpa." in wire form; the string's NUL is the root label. */
static const uint8_t ARPA[] = "\7in-addr\4arpa";
#define ARPA_LEN sizeof ARPA

/* Names compare without regard to ASCII case (RFC 4343 section 3). */
static bool eq_ci(const uint8_t *a, const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (text_lower(a[i]) != text_lower(b[i]))
			return false;
	return true;
}

/* A reader positioned at off of r's message (off < r->len). */
static struct rd rd_at(const struct rd *r, size_t off)
{
	struct rd c = rd_init(r->p, r->len);
	c.off = off;
	return c;
}

/* Reads a possibly compressed name into out, uncompressed (RFC 1035
 * 4.1.4).  A pointer must point before the segment that holds it, into the
 * message past the header: targets strictly decrease, so loops, self and
 * forward pointers are all refused.  The whole name, length octets
 * included, stays within 255 bytes and each label within 63 (2.3.4);
 * the 0x40 and 0x80 label types are not used (RFC 6891 section 5). */
static int name_read(struct rd *r, uint8_t out[DNS_NAME_MAX], size_t *outlen)
{
	struct rd c = *r;
	size_t limit = r->off, n = 0;
	bool jumped = false;
	for (;;) {
		uint8_t len = rd_u8(&c);
		if (c.err)
			return -1;
		if ((len & 0xc0) == 0xc0) {
			size_t to = (size_t)(len & 0x3f) << 8 | rd_u8(&c);
			if (c.err || to >= limit || to < DNS_HDR_LEN)
				return -1;
			if (!jumped)
				r->off = c.off;
			jumped = true;
			limit = to;
			c = rd_at(&c, to);
			continue;
		}
		if ((len & 0xc0) || n + 1 + len > DNS_NAME_MAX)
			return -1;
		out[n++] = len;
		const uint8_t *p = rd_bytes(&c, len);
		if (!p)
			return -1;
		memcpy(out + n, p, len);
		n += len;
		if (len == 0)
			break;
	}
	if (!jumped)
		r->off = c.off;
	*outlen = n;
	return 0;
}

/* A name in wire form is well formed here: counts its labels (the root
 * not included) and notes where each starts. */
static size_t name_labels(const uint8_t *name, uint8_t off[LABELS_MAX])
{
	size_t n = 0, i = 0;
	while (name[i] && n < LABELS_MAX) {
		off[n++] = (uint8_t)i;
		i += 1u + name[i];
	}
	return n;
}

/* RFC 1123 section 2.1: letters, digits, hyphens; no hyphen at an end. */
static bool ldh_label(const uint8_t *s, size_t len)
{
	if (len == 0 || len > DNS_LABEL_MAX || s[0] == '-' || s[len - 1] == '-')
		return false;
	for (size_t i = 0; i < len; i++)
		if (!text_is_alnum(s[i]) && s[i] != '-')
			return false;
	return true;
}

/* "corp.example" or "corp.example." to wire form with its label count. */
static int name_from_text(const char *s, uint8_t out[DNS_NAME_MAX], size_t *len, size_t *nlab)
{
	if (!s)
		return -1;
	struct wr w = wr_init(out, DNS_NAME_MAX);
	size_t n = 0, slen = strlen(s);
	if (slen && s[slen - 1] == '.')
		slen--;
	for (size_t i = 0; i < slen || n == 0; n++) {
		const char *dot = memchr(s + i, '.', slen - i);
		size_t l = dot ? (size_t)(dot - s) - i : slen - i;
		if (!ldh_label((const uint8_t *)s + i, l))
			return -1;
		wr_u8(&w, (uint8_t)l);
		wr_bytes(&w, s + i, l);
		i += l + (dot ? 1 : 0);
		if (dot && i == slen)
			return -1;	/* "a..b" ends in an empty label */
	}
	wr_u8(&w, 0);
	*len = w.off;
	*nlab = n;
	return w.err ? -1 : 0;
}

int dns_domain_valid(const char *domain)
{
	uint8_t wire[DNS_NAME_MAX];
	size_t len, n;
	return name_from_text(domain, wire, &len, &n);
}

/* Reads a question entry (RFC 1035 4.1.2). */
static int read_question(struct rd *r, uint8_t name[DNS_NAME_MAX], size_t *nlen,
			 uint16_t *type, uint16_t *class)
{
	if (name_read(r, name, nlen) < 0)
		return -1;
	*type = rd_u16(r);
	*class = rd_u16(r);
	return r->err ? -1 : 0;
}

struct rr {
	size_t owner_len;
	uint16_t type, class;
	uint32_t ttl;
	const uint8_t *rdata;
	uint16_t rdlen;
};

/* Reads a resource record (RFC 1035 4.1.3). */
static int read_rr(struct rd *r, struct rr *rr)
{
	uint8_t owner[DNS_NAME_MAX];
	if (name_read(r, owner, &rr->owner_len) < 0)
		return -1;
	rr->type = rd_u16(r);
	rr->class = rd_u16(r);
	rr->ttl = rd_u32(r);
	rr->rdlen = rd_u16(r);
	rr->rdata = rd_bytes(r, rr->rdlen);
	return r->err ? -1 : 0;
}

/* RFC 6891 section 6.1: one OPT, owned by the root; the class is the
 * requestor's UDP payload size, the TTL holds extended RCODE, version and
 * the DO bit; options are TLVs that must fill the RDATA exactly. */
static int take_opt(struct dns_query *q, const struct rr *rr)
{
	if (q->edns || rr->owner_len != 1)
		return -1;
	struct rd o = rd_init(rr->rdata, rr->rdlen);
	while (rd_left(&o) > 0) {
		rd_u16(&o);
		rd_bytes(&o, rd_u16(&o));
		if (o.err)
			return -1;
	}
	q->edns = true;
	q->edns_size = rr->class;
	q->edns_version = (uint8_t)(rr->ttl >> 16);
	q->edns_do = (rr->ttl & 0x8000) != 0;
	/* Sizes under 512 mean 512 (6.2.5); more than we offer is capped. */
	q->udp_limit = rr->class < DNS_UDP_MIN ? DNS_UDP_MIN :
		       rr->class > DNS_UDP_MAX ? DNS_UDP_MAX : rr->class;
	return 0;
}

/* Answer and authority are skipped; additional is searched for OPT, which
 * is allowed nowhere else (RFC 6891 section 6.1.1). */
static int read_sections(struct rd *r, struct dns_query *q, const uint16_t cnt[4])
{
	struct rr rr;
	for (uint32_t i = 0; i < (uint32_t)cnt[1] + cnt[2]; i++)
		if (read_rr(r, &rr) < 0 || rr.type == DNS_T_OPT)
			return -1;
	for (uint32_t i = 0; i < cnt[3]; i++) {
		if (read_rr(r, &rr) < 0)
			return -1;
		if (rr.type == DNS_T_OPT && take_opt(q, &rr) < 0)
			return -1;
	}
	return 0;
}

/* Header: ID, flags, then QD, AN, NS and AR counts (RFC 1035 4.1.1). */
static int read_header(struct rd *r, uint16_t *id, uint16_t *flags, uint16_t cnt[4])
{
	*id = rd_u16(r);
	*flags = rd_u16(r);
	for (int i = 0; i < 4; i++)
		cnt[i] = rd_u16(r);
	return r->err ? -1 : 0;
}

int dns_parse_query(struct dns_query *q, const uint8_t *msg, size_t len)
{
	memset(q, 0, sizeof *q);
	q->udp_limit = DNS_UDP_MIN;
	struct rd r = rd_init(msg, len);
	uint16_t cnt[4];
	if (read_header(&r, &q->id, &q->flags, cnt) < 0 || (q->flags & DNS_F_QR))
		return -1;	/* never answer a response: no reply loops */
	if (q->flags & DNS_F_OPCODE)
		return DNS_R_NOTIMP;	/* only QUERY (opcode 0) is served */
	if (cnt[0] != 1 ||
	    read_question(&r, q->name, &q->name_len, &q->qtype, &q->qclass) < 0 ||
	    read_sections(&r, q, cnt) < 0) {
		q->edns = false;
		q->udp_limit = DNS_UDP_MIN;
		return DNS_R_FORMERR;
	}
	q->has_question = true;
	return q->edns && q->edns_version ? DNS_R_BADVERS : DNS_R_NOERROR;
}

/* One answer under construction: the query, the zone, and what to say. */
struct ans {
	const struct dns_zone *z;
	const struct dns_query *q;
	uint8_t off[LABELS_MAX];	/* label starts in the question name */
	size_t nlab;
	uint8_t dom[DNS_NAME_MAX];	/* the local domain in wire form */
	size_t dom_len, dom_nlab;	/* dom_len 0: no domain */
	int rcode;
	bool aa, soa_auth;		/* SOA in authority: NXDOMAIN or NODATA */
	uint16_t an_type;		/* 0, DNS_T_A, DNS_T_PTR or DNS_T_SOA */
	size_t apex;			/* zone apex: offset into the question name */
	uint32_t addr, ttl;
	char label[DNS_LABEL_MAX + 1];
};

static void ans_init(struct ans *a, const struct dns_zone *z, const struct dns_query *q, int rc)
{
	memset(a, 0, sizeof *a);
	a->z = z;
	a->q = q;
	a->rcode = rc;
	if (q->has_question)
		a->nlab = name_labels(q->name, a->off);
	if (z && z->domain && z->domain[0] &&
	    name_from_text(z->domain, a->dom, &a->dom_len, &a->dom_nlab) < 0)
		a->dom_len = 0;
}

static bool want(const struct ans *a, uint16_t type)
{
	return a->q->qtype == type || a->q->qtype == DNS_T_ANY;
}

/* The name exists but has no data of the type asked (RFC 2308 section 2.2). */
static void nodata(struct ans *a)
{
	a->soa_auth = true;
}

static void nxdomain(struct ans *a)
{
	a->rcode = DNS_R_NXDOMAIN;
	a->soa_auth = true;
}

/* The zone apex holds only its SOA.  Zone transfers are refused (RFC 5936
 * section 4.2). */
static void at_apex(struct ans *a)
{
	if (a->q->qtype == DNS_T_AXFR || a->q->qtype == DNS_T_IXFR)
		a->rcode = DNS_R_REFUSED;
	else if (want(a, DNS_T_SOA))
		a->an_type = DNS_T_SOA;
	else
		nodata(a);
}

/* Copies a label lowercased; false if it cannot be a cleaned client name. */
static bool label_text(const uint8_t *lab, char out[DNS_LABEL_MAX + 1])
{
	if (!ldh_label(lab + 1, lab[0]))
		return false;
	for (size_t i = 0; i < lab[0]; i++)
		out[i] = (char)text_lower(lab[1 + i]);
	out[lab[0]] = 0;
	return true;
}

static void host_fwd(struct ans *a, const uint8_t *lab)
{
	const struct dns_zone *z = a->z;
	char text[DNS_LABEL_MAX + 1];
	if (!z->by_label || !label_text(lab, text) ||
	    z->by_label(z->arg, text, &a->addr, &a->ttl) < 0)
		nxdomain(a);
	else if (want(a, DNS_T_A))
		a->an_type = DNS_T_A;
	else
		nodata(a);
}

/* <label>.<domain>: A records; the domain itself is the apex. */
static bool resolve_fwd(struct ans *a)
{
	if (!a->dom_len || a->nlab < a->dom_nlab)
		return false;
	size_t apex = a->off[a->nlab - a->dom_nlab];
	if (a->q->name_len - apex != a->dom_len || !eq_ci(a->q->name + apex, a->dom, a->dom_len))
		return false;
	a->aa = true;
	a->apex = apex;
	size_t depth = a->nlab - a->dom_nlab;
	if (depth == 0)
		at_apex(a);
	else if (depth == 1)
		host_fwd(a, a->q->name);
	else
		nxdomain(a);	/* client names have nothing below them */
	return true;
}

/* A reverse label: a decimal octet without leading zeros, or -1. */
static int octet(const uint8_t *lab)
{
	size_t len = lab[0];
	if (len < 1 || len > 3 || (len > 1 && lab[1] == '0'))
		return -1;
	int v = 0;
	for (size_t i = 1; i <= len; i++) {
		if (lab[i] < '0' || lab[i] > '9')
			return -1;
		v = v * 10 + (lab[i] - '0');
	}
	return v <= 255 ? v : -1;
}

/* True if the block of addresses sharing pfx's first octets octets meets
 * the net. */
static bool meets(const struct dns_net *nt, uint32_t pfx, size_t octets)
{
	uint32_t bm = octets >= 4 ? 0xffffffffu : ~(0xffffffffu >> (8 * octets));
	return ((pfx ^ nt->net) & nt->mask & bm) == 0;
}

static size_t apex_octets(uint32_t mask)
{
	size_t o = ((size_t)__builtin_popcount(mask) + 7) / 8;
	return o < 1 ? 1 : o > 3 ? 3 : o;
}

static void host_rev(struct ans *a, uint32_t addr)
{
	const struct dns_zone *z = a->z;
	if (!a->dom_len || !z->by_addr || z->by_addr(z->arg, addr, a->label, &a->ttl) < 0) {
		nxdomain(a);
		return;
	}
	const char *end = memchr(a->label, 0, sizeof a->label);
	if (!end || !ldh_label((const uint8_t *)a->label, (size_t)(end - a->label)))
		nxdomain(a);	/* the lookup gave no usable name */
	else if (want(a, DNS_T_PTR))
		a->an_type = DNS_T_PTR;
	else
		nodata(a);
}

/* The reverse name (k labels under in-addr.arpa, the first nnum of them,
 * from the right, numeric and forming pfx) against one served subnet. */
static bool rev_net(struct ans *a, const struct dns_net *nt, size_t k, size_t nnum, uint32_t pfx)
{
	size_t oc = apex_octets(nt->mask);
	if (nnum < oc || !meets(nt, pfx, oc))
		return false;
	bool numeric = k <= 4 && nnum == k;
	if (k > oc && numeric && !meets(nt, pfx, k))
		return false;	/* outside this subnet: maybe another's */
	a->aa = true;
	a->apex = a->off[k - oc];
	if (k == oc)
		at_apex(a);
	else if (!numeric)
		nxdomain(a);
	else if (k < 4)
		nodata(a);	/* an empty non-terminal (RFC 8020 section 2) */
	else
		host_rev(a, pfx);
	return true;
}

/* d.c.b.a.in-addr.arpa: PTR records for the served subnets (RFC 1035 3.5). */
static bool resolve_rev(struct ans *a)
{
	const struct dns_query *q = a->q;
	if (!a->z || !a->z->nnets || a->nlab < 3 || q->name_len - a->off[a->nlab - 2] != ARPA_LEN ||
	    !eq_ci(q->name + a->off[a->nlab - 2], ARPA, ARPA_LEN))
		return false;
	size_t k = a->nlab - 2, nnum = 0;
	uint32_t pfx = 0;
	for (; nnum < k && nnum < 4; nnum++) {
		int v = octet(q->name + a->off[k - 1 - nnum]);
		if (v < 0)
			break;
		pfx |= (uint32_t)v << (24 - 8 * nnum);
	}
	for (size_t i = 0; i < a->z->nnets; i++)
		if (rev_net(a, &a->z->nets[i], k, nnum, pfx))
			return true;
	return false;
}

static uint16_t ptr_to(size_t name_off)
{
	return (uint16_t)(PTR_BASE | (DNS_HDR_LEN + name_off));
}

static uint32_t neg_ttl(const struct dns_zone *z)
{
	return z->neg_ttl ? z->neg_ttl : DNS_NEG_TTL;
}

/* Owner (a pointer into the question), type, class IN and TTL. */
static void put_rr_head(struct wr *w, size_t owner_off, uint16_t type, uint32_t ttl)
{
	wr_u16(w, ptr_to(owner_off));
	wr_u16(w, type);
	wr_u16(w, DNS_C_IN);
	wr_u32(w, ttl);
}

/* A synthesized SOA: the apex names itself as primary and
 * hostmaster.<apex> as mailbox; TTL and minimum are the negative TTL
 * (RFC 2308 sections 4 and 5). */
static void put_soa(struct wr *w, const struct ans *a)
{
	uint32_t ttl = neg_ttl(a->z);
	put_rr_head(w, a->apex, DNS_T_SOA, ttl);
	wr_u16(w, 2 + 1 + 10 + 2 + 5 * 4);
	wr_u16(w, ptr_to(a->apex));
	wr_u8(w, 10);
	wr_bytes(w, "hostmaster", 10);
	wr_u16(w, ptr_to(a->apex));
	wr_u32(w, a->z->serial);
	wr_u32(w, SOA_REFRESH);
	wr_u32(w, SOA_RETRY);
	wr_u32(w, SOA_EXPIRE);
	wr_u32(w, ttl);
}

/* PTR to <label>.<domain>, spelt out: nothing earlier to point at. */
static void put_ptr(struct wr *w, const struct ans *a)
{
	size_t l = strlen(a->label);
	put_rr_head(w, 0, DNS_T_PTR, a->ttl);
	wr_u16(w, (uint16_t)(1 + l + a->dom_len));
	wr_u8(w, (uint8_t)l);
	wr_bytes(w, a->label, l);
	wr_bytes(w, a->dom, a->dom_len);
}

static void put_answer(struct wr *w, const struct ans *a)
{
	switch (a->an_type) {
	case DNS_T_A:
		put_rr_head(w, 0, DNS_T_A, a->ttl);
		wr_u16(w, 4);
		wr_u32(w, a->addr);
		break;
	case DNS_T_PTR:
		put_ptr(w, a);
		break;
	case DNS_T_SOA:
		put_soa(w, a);
		break;
	}
}

/* RFC 6891 section 6.1.3: our payload size, the upper 8 bits of the
 * extended RCODE, version 0, and DO copied (RFC 3225 section 3). */
static void put_opt(struct wr *w, const struct dns_query *q, int rcode)
{
	wr_u8(w, 0);
	wr_u16(w, DNS_T_OPT);
	wr_u16(w, DNS_UDP_MAX);
	wr_u32(w, (uint32_t)(rcode >> 4) << 24 | (q->edns_do ? 0x8000u : 0));
	wr_u16(w, 0);
}

/* QR set; opcode, RD and CD copied (RFC 1035 4.1.1, RFC 4035 3.1.6); RA
 * only if we recurse through an upstream; AD and Z clear. */
static uint16_t reply_flags(const struct ans *a, bool tc)
{
	uint16_t f = (uint16_t)(DNS_F_QR | (a->q->flags & (DNS_F_OPCODE | DNS_F_RD | DNS_F_CD)) |
				(a->rcode & DNS_F_RCODE));
	if (a->z && a->z->recursion)
		f |= DNS_F_RA;
	if (a->aa)
		f |= DNS_F_AA;
	if (tc)
		f |= DNS_F_TC;
	return f;
}

/* The whole reply, or with tc only header, question and OPT. */
static void encode(struct wr *w, const struct ans *a, bool tc)
{
	const struct dns_query *q = a->q;
	bool an = !tc && a->an_type, ns = !tc && a->soa_auth;
	wr_u16(w, q->id);
	wr_u16(w, reply_flags(a, tc));
	wr_u16(w, q->has_question);
	wr_u16(w, an);
	wr_u16(w, ns);
	wr_u16(w, q->edns);
	if (q->has_question) {
		wr_bytes(w, q->name, q->name_len);
		wr_u16(w, q->qtype);
		wr_u16(w, q->qclass);
	}
	if (an)
		put_answer(w, a);
	if (ns)
		put_soa(w, a);
	if (q->edns)
		put_opt(w, q, a->rcode);
}

/* Writes the reply within limit; if it does not fit, sets TC and leaves
 * the sections out (RFC 2181 section 9, RFC 7766 section 5). */
static size_t emit(const struct ans *a, uint8_t *out, size_t limit)
{
	struct wr w = wr_init(out, limit);
	encode(&w, a, false);
	if (w.err) {
		w = wr_init(out, limit);
		encode(&w, a, true);
	}
	return w.err ? 0 : w.off;
}

enum dns_verdict dns_answer(const struct dns_zone *z, const uint8_t *q, size_t qlen, bool tcp,
			    uint8_t *out, size_t cap, size_t *outlen)
{
	struct dns_query qu;
	struct ans a;
	*outlen = 0;
	int rc = dns_parse_query(&qu, q, qlen);
	if (rc < 0)
		return DNS_DROP;
	ans_init(&a, z, &qu, rc);
	/* Only class IN is served; ANY (RFC 1035 3.2.5) is answered as IN. */
	if (rc == DNS_R_NOERROR && qu.qclass != DNS_C_IN && qu.qclass != DNS_C_ANY)
		a.rcode = DNS_R_REFUSED;
	else if (rc == DNS_R_NOERROR && !resolve_fwd(&a) && !resolve_rev(&a))
		return DNS_FORWARD;
	size_t limit = tcp ? DNS_TCP_MAX : qu.udp_limit;
	*outlen = emit(&a, out, cap < limit ? cap : limit);
	return *outlen ? DNS_REPLY : DNS_DROP;
}

size_t dns_error(const struct dns_zone *z, const uint8_t *q, size_t qlen, enum dns_rcode rc,
		 uint8_t *out, size_t cap)
{
	struct dns_query qu;
	struct ans a;
	int prc = dns_parse_query(&qu, q, qlen);
	if (prc < 0)
		return 0;
	ans_init(&a, z, &qu, prc == DNS_R_NOERROR ? (int)rc : prc);
	return emit(&a, out, cap);
}

size_t dns_fit_udp(const uint8_t *q, size_t qlen, uint8_t *ans, size_t len)
{
	struct dns_query dq;
	if (dns_parse_query(&dq, q, qlen) < 0)
		return 0;
	if (len <= dq.udp_limit)
		return len;
	struct rd r = rd_init(ans, len);
	uint16_t id, flags, cnt[4];
	uint8_t name[DNS_NAME_MAX];
	size_t name_len;
	uint16_t qtype, qclass;
	if (read_header(&r, &id, &flags, cnt) < 0 || cnt[0] != 1 ||
	    read_question(&r, name, &name_len, &qtype, &qclass) < 0)
		return 0;
	size_t cut = len - rd_left(&r);
	if (cut > dq.udp_limit)
		return 0;
	struct wr w = wr_init(ans + 2, 10);
	wr_u16(&w, (uint16_t)(flags | DNS_F_TC));
	wr_u16(&w, 1);
	wr_u16(&w, 0);
	wr_u16(&w, 0);
	wr_u16(&w, 0);
	return cut;
}

int dns_msg_id(const uint8_t *msg, size_t len)
{
	struct rd r = rd_init(msg, len);
	uint16_t id = rd_u16(&r);
	return len < DNS_HDR_LEN ? -1 : id;
}

int dns_set_id(uint8_t *msg, size_t len, uint16_t id)
{
	if (len < DNS_HDR_LEN)
		return -1;
	struct wr w = wr_init(msg, 2);
	wr_u16(&w, id);
	return 0;
}

struct question {
	uint8_t name[DNS_NAME_MAX];
	size_t len;
	uint16_t type, class;
};

static int only_question(const uint8_t *msg, size_t len, struct question *qn)
{
	struct rd r = rd_init(msg, len);
	uint16_t id, flags, cnt[4];
	if (read_header(&r, &id, &flags, cnt) < 0 || cnt[0] != 1)
		return -1;
	return read_question(&r, qn->name, &qn->len, &qn->type, &qn->class);
}

bool dns_same_question(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	struct question qa, qb;
	return only_question(a, alen, &qa) == 0 && only_question(b, blen, &qb) == 0 &&
	       qa.len == qb.len && qa.type == qb.type && qa.class == qb.class &&
	       eq_ci(qa.name, qb.name, qa.len);
}

int dns_tcp_frame_len(const uint8_t *buf, size_t have)
{
	struct rd r = rd_init(buf, have);
	uint16_t n = rd_u16(&r);
	if (r.err)
		return 0;
	return n < DNS_HDR_LEN ? -1 : 2 + n;
}

void dns_tcp_put_len(uint8_t prefix[2], size_t len)
{
	struct wr w = wr_init(prefix, 2);
	wr_u16(&w, (uint16_t)(len > DNS_TCP_MAX ? DNS_TCP_MAX : len));
}

