/* Internal to src/conf/: what its files share.  The configuration is the
 * dhcpsrv.ini format of "DHCP Server for Windows" plus duodhcp's own
 * sections (docs/config.md is the reference).
 *
 * Three passes over a private copy of the bytes:
 *   1. read: split into sections and KEY=VALUE entries, bounded (line
 *      length, NUL bytes), and catch duplicate sections and keys;
 *   2. expand: dhcpsrv's $(section\name) variables, each entry once;
 *   3. interpret: each section through its keyword table, then build the
 *      subnets and validate the whole;
 * and print.c writes the result back as an INI file (duodhcpd -t).
 * Every problem is reported with file, line, section and key, all of them;
 * the result is NULL when there was any error. */
#ifndef DUODHCP_CONF_PARSE_H
#define DUODHCP_CONF_PARSE_H

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "conf/config.h"
#include "common/text.h"

#define LINE_MAX_LEN	4096		/* longest line, without its newline */
#define FILE_MAX_LEN	(16u << 20)
#define VAR_DEPTH	8		/* $(a) naming $(b) naming ... */
#define INDEX_MAX	9999		/* n in DNS_n, IPPOOL_n, OPTION_n */
#define LIST_MAX	(OPT_VALUE_MAX / 4)

#define DEF_LEASE	86400u
#define DEF_JOURNAL	"/var/lib/duodhcp/leases.journal"
#define DEF_DNS_REFUSE "wpad,localhost"	/* RefuseNames */
#define DEF_PROBE_MS	500u
#define DEF_DECLINE	86400u
#define DEF_OFFER	30u
#define DEF_COMPACT	(64u << 20)
#define DEF_HTTP_PORT	80u
/* A SyncServer partner: at most a /16 of active leases, and changes at a
 * rate that writes about half a megabyte of journal a second. */
#define DEF_SYNC_MAX_LEASES 65536u
#define DEF_SYNC_RATE	2000u
/* [FAILOVER]: what ISC dhcpd 4.4 uses when a statement is left out
 * (server/confpars.c, includes/failover.h), except where noted. */
#define DEF_FO_PORT	647u		/* IANA's dhcp-failover port */
#define DEF_FO_MRD	20u		/* max-response-delay */
#define DEF_FO_UNACKED	100u		/* max-unacked-updates */
#define DEF_FO_SPLIT	128u		/* ISC insists on split or hba; 128 is
					   the value its manual recommends */
#define DEF_FO_LBMAX	3u		/* ISC leaves it 0 (load balancing off,
					   with a warning); its manual says 3 */
#define DEF_FO_SKEW	5u		/* the secondary refuses a CONNECT at 60 */
#define DEF_FO_MIN_BAL	60u		/* ISC's min-balance and max-balance */
#define DEF_FO_MAX_BAL	3600u

#define NELEM(a)	(sizeof a / sizeof a[0])

/* ---- parse state ---- */

enum xstate { X_TODO, X_BUSY, X_DONE, X_FAILED };

struct ent {
	int line;
	size_t sect;
	char *key;
	char *raw;		/* as read: unquoted unless an OPTION_n value */
	char *val;		/* after $(...) expansion */
	bool val_heap;
	uint8_t xstate;
	bool dup;		/* a later duplicate, skipped */
	bool referenced;	/* named by some $(...) */
};

enum skind {
	SK_SKIP, SK_SETTINGS, SK_GENERAL, SK_DNS, SK_HTTP, SK_TFTP, SK_DUODHCP,
	SK_FAILOVER, SK_SUBNET, SK_HOST, SK_CLASS, SK_WILDCARD, SK_UNKNOWN,
};

struct sect {
	int line;
	char *name;
	size_t first, n;	/* its entries */
	enum skind kind;
	bool dup;
	uint32_t net, mask;	/* SK_SUBNET */
	uint8_t hw[6];		/* SK_HOST by MAC */
	bool cid;		/* SK_HOST by client identifier: [CLIENTID:...] */
};

struct prange {
	uint32_t first, last;
	const struct ent *e;
	size_t subnet;		/* SIZE_MAX until placed */
	uint64_t allow, deny;	/* from its POOLCLASS_n */
	uint32_t pool;		/* its POOL_n.KEY settings, as cfg_range.pool */
};

struct pool {
	unsigned idx;
	const struct ent *e;
	size_t r0, nr;		/* its ranges in pctx.rv */
};

struct bind {
	unsigned idx;
	const struct ent *e;
	uint32_t addr;
};

struct popt {
	uint8_t code;
	uint16_t len;
	uint8_t *data;
	const struct ent *e;
};

struct ipitem {
	unsigned idx;
	uint32_t ip;
	const struct ent *e;
};

struct pmatch {			/* a Match_n while its class is read */
	unsigned idx;
	const struct ent *e;
	struct cfg_match m;
};

struct pclass {			/* a POOLCLASS_n, resolved once classes exist */
	unsigned idx;
	const struct ent *e;
};

struct subopt {			/* a VENDOR43_n or VIVSO_n while its scope is read */
	unsigned idx;
	uint8_t opt;		/* 43 or 125 */
	uint8_t code;		/* the sub-option's */
	uint8_t len;
	uint32_t enterprise;	/* 125: the vendor's IANA enterprise number */
	const struct ent *e;
	uint8_t data[255];
};

struct iplist {
	uint8_t code;
	size_t slot;		/* its place in scope.opts */
	size_t n, cap;
	struct ipitem *v;
};

struct ppool;

/* [GENERAL], a [SUBNET:...] or a client section while it is read. */
struct scope {
	enum skind kind;
	const struct sect *s;
	size_t subnet;		/* SK_SUBNET: where IPPOOL_n ranges go */
	uint32_t lease_time, siaddr, mask, addr;
	uint32_t t1, t2, min_lease, max_lease;	/* seconds, 0 = not given */
	char sname[64];
	char bootfile[128];
	char hostname[64];
	char shared[32];	/* SK_SUBNET: SharedNetwork */
	struct cfg_codes always, never;	/* AlwaysSend, NeverSend */
	bool any;		/* SK_CLASS: MatchAny */
	size_t nmatch, capmatch;
	struct pmatch *match;	/* SK_CLASS: Match_n */
	size_t nopts, capopts;
	struct popt *opts;
	struct iplist lists[3];
	size_t nlists;
	size_t nsubs, capsubs;
	struct subopt *subs;	/* VENDOR43_n, VIVSO_n */
	uint8_t subslots;	/* bit 0: option 43, bit 1: 125 is theirs */
	size_t npools, cappools;
	struct ppool *pools;	/* SK_SUBNET: its POOL_n.KEY settings */
};

struct ppool {			/* the POOL_n.KEY settings of one IPPOOL_n */
	unsigned idx;
	const struct ent *e;	/* its first key */
	struct scope sc;
};

struct where {			/* where a subnet or host was defined */
	const struct sect *s;
	const struct ent *e;
	const struct ent *shared;	/* its SharedNetwork key, if any */
};

struct pctx {
	const char *file;
	FILE *errs;
	int nerr;
	bool oom;
	char *buf;
	struct sect *sv;
	size_t ns, capsv;
	struct ent *ev;
	size_t ne, capev;
	struct sect **ssorted;	/* sections by name */
	struct ent **esorted;	/* entries by key within each section */
	struct config *c;
	struct pool *pools;
	size_t npools, cappools;
	struct bind *binds;
	size_t nbinds, capbinds;
	struct prange *rv;
	size_t nr, caprv;
	size_t capsub, caphost;
	struct where *subw, *hostw;
	size_t capsubw, caphostw;
	struct scope general;
	const struct sect *fo_sect;	/* [FAILOVER], NULL when absent */
	const struct ent *fo_pools;	/* its Pools key, checked once subnets exist */
	struct pclass *pcls;		/* POOLCLASS_n of [SUBNET:...] sections */
	size_t npcls, cappcls, capclass;
	size_t capoptdefs;
};


/* ---- keyword tables (keys.c) ---- */

struct kdef;
/* One word of a key that takes one of a few words (Role=primary). */
struct kchoice {
	const char *name;
	uint8_t value;
};
typedef void kfn(struct pctx *p, void *obj, const struct kdef *k, const struct ent *e,
		 unsigned idx);

enum {
	K_INDEXED = 1 << 0,	/* name is a prefix: "DNS_" matches DNS_0, DNS_1 ... */
	K_NONEMPTY = 1 << 1,
	K_G = 1 << 2,		/* allowed in [GENERAL] */
	K_S = 1 << 3,		/* allowed in [SUBNET:...] */
	K_H = 1 << 4,		/* allowed in client sections */
	K_REQUIRED = 1 << 5,	/* [FAILOVER]: must be given (with K_PRIMARY: on
				   the primary) */
	K_PRIMARY = 1 << 6,	/* [FAILOVER]: the primary's alone; an error on
				   the secondary */
	K_C = 1 << 7,		/* allowed in [CLASS:name] */
	K_P = 1 << 8,		/* allowed for a pool, as POOL_n.KEY */
	K_PREFIX = 1 << 9,	/* name is a prefix; the function reads the rest */
};

struct kdef {
	const char *name;
	kfn *fn;
	size_t off, size;	/* the field in the section's object */
	uint32_t min, max;
	unsigned flags;
	uint8_t code;		/* option keys */
	enum opt_type otype;
	const char *hint;	/* why not here, for scope keys */
	const struct kchoice *choices;	/* kv_choice: the words, NULL-ended */
};

/* ---- messages, small parsers and helpers (parse.c) ---- */

__attribute__((format(printf, 6, 0)))
void conf_vreport(struct pctx *p, bool warn, int line, const char *sect,
		  const char *key, const char *fmt, va_list ap);
__attribute__((format(printf, 5, 6)))
void conf_perr(struct pctx *p, int line, const char *sect, const char *key,
	       const char *fmt, ...);
__attribute__((format(printf, 2, 3)))
void conf_pwarn(struct pctx *p, const char *fmt, ...);
__attribute__((format(printf, 3, 4)))
void conf_ent_err(struct pctx *p, const struct ent *e, const char *fmt, ...);
__attribute__((format(printf, 3, 4)))
void conf_ent_warn(struct pctx *p, const struct ent *e, const char *fmt, ...);
__attribute__((format(printf, 3, 4)))
void conf_sect_warn(struct pctx *p, const struct sect *s, const char *fmt, ...);
void conf_oom(struct pctx *p);
void *conf_grow(struct pctx *p, void *v, size_t n, size_t *cap, size_t size);
void conf_sort(void *v, size_t n, size_t size, int (*cmp)(const void *, const void *));
void conf_sort_r(void *v, size_t n, size_t size,
		 int (*cmp)(const void *, const void *, void *), void *ctx);
bool conf_is_blank(char c);
char *conf_skip_blank(char *s);
char *conf_trim(char *s);
bool conf_ip_str(const char *s, uint32_t *out);
bool conf_u32_parse(const char *s, uint32_t *out);
bool conf_bool_parse(const char *s, bool *out);
unsigned conf_mask_prefix(uint32_t mask);
bool conf_mask_ok(uint32_t mask);
const char *conf_ipfmt(char buf[TEXT_IP4_LEN], uint32_t a);
int conf_mac_parse(const char *s, uint8_t hw[6]);
int conf_cid_parse(const char *s, uint8_t out[CFG_CID_MAX]);
bool conf_cidr_parse(const char *s, uint32_t *net, uint32_t *mask, bool *hostbits);
bool conf_index_parse(const char *s, unsigned *out);
bool conf_plain_ok(const char *v);
bool conf_dup_index(struct pctx *p, const struct ent *a, unsigned ia, const struct ent *b,
		    unsigned ib);
void conf_optset_free(struct cfg_optset *o);

/* ---- pass 1 and 2: the reader and variables (ini.c) ---- */

bool conf_key_chars_ok(const char *k);
void conf_lex(struct pctx *p, size_t len);
void conf_find_dups(struct pctx *p);
struct ent *conf_key_find(struct pctx *p, const struct sect *s, const char *key);
void conf_expand_all(struct pctx *p);

/* ---- pass 3: keyword tables and sections (keys.c) ---- */

const char *conf_choice_name(const struct kchoice *c, uint8_t value);
extern const struct kchoice conf_linksel_words[];
extern const struct kchoice conf_fo_role_words[];
bool conf_nodetype_ok(const uint8_t *v, size_t len);
const char *conf_opt_reserved(unsigned code);
void conf_codes_add(struct cfg_codes *set, unsigned code);
void conf_scope_free(struct scope *sc);
extern const struct kdef conf_failover_keys[];
extern const size_t conf_nfailover_keys;
void conf_classify(struct pctx *p, struct sect *s);
void conf_do_fixed(struct pctx *p, struct sect *s);
size_t conf_new_subnet(struct pctx *p, const char *name, uint32_t net, uint32_t mask,
		       uint32_t bind, const struct sect *s, const struct ent *e);
void conf_fill_subnet(struct pctx *p, struct cfg_subnet *sub, const struct scope *ov);
void conf_do_subnet(struct pctx *p, struct sect *s);
void conf_do_host(struct pctx *p, struct sect *s);
void conf_do_class(struct pctx *p, struct sect *s);
void conf_resolve_poolclass(struct pctx *p);

/* ---- subnets, validation, failover, entry points (build.c) ---- */

void conf_fo_pools(struct pctx *p, const struct sect *s);
void conf_interpret(struct pctx *p);
void conf_defaults(struct config *c);

#endif
