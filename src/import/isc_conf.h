/* The dhcpd.conf translator's working state, shared by conf_isc.c (the
 * statements), isc_decl.c (the declarations) and isc_emit.c (the ini). */
#ifndef DUODHCP_IMPORT_ISC_CONF_H
#define DUODHCP_IMPORT_ISC_CONF_H

#include "import/confxlat.h"
#include "import/isc_lex.h"
#include "import/isc_opt.h"
#include "proto/options.h"

enum iscope { IS_GLOBAL, IS_SHARED, IS_SUBNET, IS_POOL, IS_HOST, IS_GROUP };

struct iopt {
	uint8_t code;
	uint16_t len;
	uint8_t *data;
	unsigned line;
};

/* What one scope sets; 0 and "" are "not set here". */
struct iparams {
	struct iopt *opts;
	size_t nopts;
	uint32_t lease, lmax, lmin, t1, t2;
	unsigned lease_line, lmin_line, t_line;
	bool has_next;
	uint32_t next;
	char file[128], sname[64];
};

struct idef {
	char name[64];
	uint8_t code;
	struct isc_fmt fmt;
};

struct irange {
	uint32_t first, last;
	unsigned line;
	int sub;		/* the subnet it was declared in, -1 = a pool's */
	int pool;		/* index in ictx.pools, -1 = none */
};

struct ipool {
	struct iparams own;
	char peer[64];		/* failover peer "NAME", "" = none */
	unsigned line;
};

struct isub {
	uint32_t net, mask;
	unsigned line;
	int shared;		/* index in ictx.shared, -1 = none */
	struct iparams eff;	/* every scope above the global one, merged */
	uint32_t bind;		/* our address on it, 0 = relayed */
	bool dead;		/* dropped: overlaps an earlier one */
	bool failover;
};

struct ihost {
	char name[64];
	unsigned line;
	bool has_hw;
	uint8_t hw[6];
	uint8_t cidlen;
	uint8_t cid[255];
	uint32_t addr;
	char hostname[64];
	struct iparams eff;
};

struct ipeer {
	char name[256];
	unsigned line;
	int role;		/* 1 primary, 2 secondary */
	bool ok;
	uint32_t addr, peer_addr;
	uint32_t port, peer_port, mrd, mua, mclt, split, lbms, apd, minb, maxb;
	bool has_split, has_hba;
	uint8_t hba[32];
};

#define ISC_SCOPES_MAX (ISC_DEPTH_MAX + 1)

/* Open addressing over host indices (isc_emit.c). */
struct hset {
	size_t *v;		/* SIZE_MAX = empty */
	size_t n, cap;
};

struct ictx {
	struct xlat *x;
	const char *file;
	struct iparams global;
	struct iparams *stack[ISC_SCOPES_MAX];
	struct iparams frames[ISC_SCOPES_MAX];
	size_t depth;
	uint8_t scope;		/* enum iscope of the innermost block */
	int cur_sub, cur_pool, cur_host, cur_shared;
	bool authoritative, decl_names;
	int ping;		/* -1 not said, 0 off, 1 on */
	uint32_t ping_ms;

	struct idef *defs;
	size_t ndefs;
	struct isub *subs;
	size_t nsubs;
	struct irange *ranges;
	size_t nranges;
	struct ipool *pools;
	size_t npools;
	struct ihost *hosts;
	size_t nhosts;
	struct ipeer *peers;
	size_t npeers;
	const struct ipeer *fo;		/* the one written, NULL = none */
	struct hset addrs, clients;	/* reservations written so far */
	char (*shared)[32];
	size_t nshared;
	struct opt_layout layouts[256];	/* OPTIONDEF_nn written, by code */
	bool has_layout[256];
};

void isc_note(struct ictx *c, const struct isc_stmt *s, enum xlat_note_kind k, const char *why);
int isc_walk(struct ictx *c, const struct isc_stmt *block);
int isc_params_merge(struct iparams *dst, const struct iparams *src);
int isc_params_stack(struct ictx *c, struct iparams *out);
void isc_params_free(struct iparams *p);
const struct opt_layout *isc_layout_of(const struct ictx *c, uint8_t code);

int isc_st_range(struct ictx *c, const struct isc_stmt *s);
int isc_st_hardware(struct ictx *c, const struct isc_stmt *s);
int isc_st_fixed(struct ictx *c, const struct isc_stmt *s);
int isc_st_subnet(struct ictx *c, const struct isc_stmt *s);
int isc_st_shared(struct ictx *c, const struct isc_stmt *s);
int isc_st_pool(struct ictx *c, const struct isc_stmt *s);
int isc_st_host(struct ictx *c, const struct isc_stmt *s);
int isc_st_group(struct ictx *c, const struct isc_stmt *s);
int isc_st_failover(struct ictx *c, const struct isc_stmt *s);

/* Checks the collected declarations against each other and writes the
 * ini; 0, 1 (nothing to serve), -1. */
int isc_emit(struct ictx *c);

#endif
