/* The built-in DNS server's protocol core (RFC 1035, RFC 6891, RFC 7766).
 * Pure: a query in, a verdict and maybe a reply out; no sockets, no
 * clock.  The caller answers only clients of the networks it serves (never
 * an open resolver), relays DNS_FORWARD queries upstream, and frames TCP. */
#ifndef DUODHCP_DNS_H
#define DUODHCP_DNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "common/text.h"

#define DNS_PORT 53
#define DNS_HDR_LEN 12
#define DNS_NAME_MAX 255	/* wire form, length octets included (RFC 1035 2.3.4) */
#define DNS_LABEL_MAX TEXT_LABEL_MAX
#define DNS_UDP_MIN 512		/* UDP limit without EDNS (RFC 1035 4.2.1) */
#define DNS_UDP_MAX 1232	/* our EDNS payload size: fits any sane path MTU */
#define DNS_TCP_MAX 65535	/* two-byte length prefix (RFC 1035 4.2.2) */
#define DNS_NEG_TTL 30		/* default SOA minimum, the negative TTL (RFC 2308) */

enum dns_type {
	DNS_T_A = 1, DNS_T_NS = 2, DNS_T_CNAME = 5, DNS_T_SOA = 6, DNS_T_PTR = 12,
	DNS_T_MX = 15, DNS_T_TXT = 16, DNS_T_AAAA = 28, DNS_T_OPT = 41,
	DNS_T_IXFR = 251, DNS_T_AXFR = 252, DNS_T_ANY = 255,
};

enum dns_class { DNS_C_IN = 1, DNS_C_ANY = 255 };

enum dns_rcode {
	DNS_R_NOERROR = 0, DNS_R_FORMERR = 1, DNS_R_SERVFAIL = 2, DNS_R_NXDOMAIN = 3,
	DNS_R_NOTIMP = 4, DNS_R_REFUSED = 5,
	DNS_R_BADVERS = 16,	/* extended: upper bits travel in the OPT RR */
};

/* Header flag bits (RFC 1035 4.1.1, RFC 4035 3.2). */
enum {
	DNS_F_QR = 0x8000, DNS_F_OPCODE = 0x7800, DNS_F_AA = 0x0400, DNS_F_TC = 0x0200,
	DNS_F_RD = 0x0100, DNS_F_RA = 0x0080, DNS_F_AD = 0x0020, DNS_F_CD = 0x0010,
	DNS_F_RCODE = 0x000f,
};

/* Looks up a host label (lowercase, NUL-terminated, at most 63 bytes):
 * 0 and *addr (host byte order), *ttl when found, else -1. */
typedef int (*dns_by_label_fn)(void *arg, const char *label, uint32_t *addr, uint32_t *ttl);
/* Looks up an address: 0 with its label (lowercase LDH) and *ttl, else -1. */
typedef int (*dns_by_addr_fn)(void *arg, uint32_t addr, char label[DNS_LABEL_MAX + 1],
			      uint32_t *ttl);

struct dns_net {
	uint32_t net, mask;		/* host byte order, contiguous mask */
};

/* What we are authoritative for: <label>.<domain> and the reverse names of
 * the served subnets.  The reverse zone apex of a subnet is its first
 * prefix/8 octets rounded up, at most three (198.18.0.0/23 has apexes
 * 0.18.198.in-addr.arpa and 1.18.198.in-addr.arpa). */
struct dns_zone {
	const char *domain;		/* "lan", "corp.example"; NULL or "" for none */
	const struct dns_net *nets;	/* reverse zones */
	size_t nnets;
	dns_by_label_fn by_label;
	dns_by_addr_fn by_addr;
	void *arg;			/* passed to both callbacks */
	bool recursion;			/* an upstream is configured: set RA */
	uint32_t serial;		/* SOA serial, e.g. the lease sequence */
	uint32_t neg_ttl;		/* SOA TTL and minimum; 0 means DNS_NEG_TTL */
};

enum dns_verdict {
	DNS_DROP,	/* not a query (short, or QR set): never answer */
	DNS_REPLY,	/* out holds the reply */
	DNS_FORWARD,	/* outside our zones: relay, or dns_error(REFUSED) */
};

/* A decoded query. */
struct dns_query {
	uint16_t id, flags;
	uint16_t qtype, qclass;
	uint8_t name[DNS_NAME_MAX];	/* uncompressed wire form, case as sent */
	size_t name_len;
	bool has_question;		/* name, qtype and qclass are valid */
	bool edns;			/* an OPT RR came in the additional section */
	bool edns_do;			/* DNSSEC OK (RFC 3225), echoed */
	uint8_t edns_version;
	uint16_t edns_size;		/* requestor's UDP payload size as sent */
	size_t udp_limit;		/* largest UDP reply this client takes */
};

/* Decodes a query.  Returns -1 to drop it, else the rcode the reply must
 * carry: NOERROR, FORMERR (header only), NOTIMP, or BADVERS. */
int dns_parse_query(struct dns_query *q, const uint8_t *msg, size_t len);

/* Answers a query for our zones into out (cap bytes).  A UDP reply never
 * exceeds the client's limit (512, or its EDNS size capped at DNS_UDP_MAX):
 * if the answer does not fit, header and question go with TC set so the
 * client retries over TCP (RFC 7766 section 5).  *outlen is 0 unless
 * DNS_REPLY.  cap should be at least DNS_UDP_MIN. */
enum dns_verdict dns_answer(const struct dns_zone *z, const uint8_t *q, size_t qlen, bool tcp,
			    uint8_t *out, size_t cap, size_t *outlen);

/* An error reply (REFUSED when nothing forwards, SERVFAIL when upstream
 * failed) carrying the question and, if the query had one, an OPT RR.
 * Returns its length, or 0 when q must be dropped or cap is too small. */
size_t dns_error(const struct dns_zone *z, const uint8_t *q, size_t qlen, enum dns_rcode rc,
		 uint8_t *out, size_t cap);

/* A forwarded answer of any size made fit for the UDP client whose query
 * is q: returned as it is (its length) when it fits the client's limit
 * (512, or its EDNS size capped at DNS_UDP_MAX); else cut in place to its
 * header and question with TC set and no records, so that the client
 * asks again over TCP (RFC 2181 section 9).  0 to drop it: q does not
 * parse, or the answer has no single question. */
size_t dns_fit_udp(const uint8_t *q, size_t qlen, uint8_t *ans, size_t len);

/* Forwarding helpers.  The ID of a message, or -1 if it is too short. */
int dns_msg_id(const uint8_t *msg, size_t len);
/* Rewrites a message's ID in place: 0, or -1 if it is too short. */
int dns_set_id(uint8_t *msg, size_t len, uint16_t id);
/* True if both messages hold exactly one question with the same name
 * (ASCII case ignored), type and class: an upstream answer must match the
 * query it answers. */
bool dns_same_question(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen);

/* TCP framing (RFC 1035 4.2.2, RFC 7766 section 8).  Given the bytes
 * received so far, returns the length of the first whole frame (prefix
 * included) once the prefix is in, 0 while it is not, and -1 when the
 * announced message is too short to be DNS (close the connection). */
int dns_tcp_frame_len(const uint8_t *buf, size_t have);
/* Writes the two-byte prefix for a message of len bytes (<= DNS_TCP_MAX). */
void dns_tcp_put_len(uint8_t prefix[2], size_t len);

/* 0 if domain is a usable local domain name (LDH labels, one optional
 * trailing dot, at most 253 characters), else -1. */
int dns_domain_valid(const char *domain);

#endif
