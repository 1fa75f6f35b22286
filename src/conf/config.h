/* Configuration: the dhcpsrv.ini format of "DHCP Server for Windows" plus
 * duodhcp's own sections.  A file is parsed into a new struct config,
 * validated whole, and only then swapped in (SIGHUP). */
#ifndef DUODHCP_CONFIG_H
#define DUODHCP_CONFIG_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "proto/options.h"

struct cfg_range {
	uint32_t first, last;		/* host byte order, inclusive */
	uint64_t allow, deny;		/* POOLCLASS_n: class bits (bit i is
					   config.classes[i]); allow 0 = anyone */
	uint32_t pool;			/* POOL_n.KEY settings: 1 + its index in
					   cfg_subnet.pools, 0 = none */
	uint32_t pad;
};

struct cfg_opt {
	uint8_t code;
	uint16_t len;
	uint8_t *data;
};

/* AlwaysSend / NeverSend: a set of option codes, code c is bit c % 64 of
 * w[c / 64]. */
struct cfg_codes {
	uint64_t w[4];
};

static inline bool cfg_codes_has(const struct cfg_codes *s, uint8_t code)
{
	return s->w[code >> 6] >> (code & 63) & 1;
}

/* OPTIONDEF_nn in [GENERAL]: the typed layout of a code that has no
 * built-in definition; its OPTION_nn values are read and printed by it. */
struct cfg_optdef {
	uint8_t code;
	struct opt_layout layout;
};

/* Options in the order they were configured; at most one per code. */
struct cfg_optset {
	size_t n;
	struct cfg_opt *v;
};

/* The POOL_n.KEY settings of one IPPOOL_n of a [SUBNET:...] section. */
struct cfg_pool {
	unsigned idx;			/* the n, as written */
	uint32_t siaddr;		/* NEXTSERVER, 0 = the subnet's */
	char sname[64];			/* SNAME, "" = the subnet's */
	char bootfile[128];		/* BOOTFILE, "" = the subnet's */
	struct cfg_optset own;		/* its own options, as written */
	struct cfg_optset opts;		/* the subnet's with its own over them,
					   what the engine sends */
};

/* A link we serve: directly attached (IPBIND_n) or behind a relay. */
struct cfg_subnet {
	char name[48];			/* "IPBIND_1", "SUBNET:198.18.4.0/24" */
	uint32_t net, mask;		/* host byte order */
	uint32_t bind_addr;		/* our address on the link; 0 = relayed, or
					   found at run time from the interfaces */
	bool relayed;			/* reached only through relay agents */
	bool section;			/* an IPBIND_n link that a [SUBNET:...]
					   section describes (mask, pools, options) */
	size_t nranges;
	struct cfg_range *ranges;	/* the pool */
	size_t npools;
	struct cfg_pool *pools;		/* POOL_n.KEY settings, by cfg_range.pool */
	uint32_t lease_time;		/* seconds */
	uint32_t t1, t2;		/* T1, T2 in seconds; 0 = from T1Percent/T2Percent */
	uint32_t min_lease, max_lease;	/* bounds for a requested time; 0 = LEASETIME */
	uint32_t siaddr;		/* NEXTSERVER, 0 = none */
	char sname[64];			/* SNAME, "" = none */
	char bootfile[128];		/* BOOTFILE, "" = none */
	struct cfg_optset opts;		/* [GENERAL] merged with overrides */
	struct cfg_codes always, never;	/* AlwaysSend, NeverSend: [GENERAL]'s
					   with the section's over them */
	bool failover;			/* its pool is shared with the [FAILOVER] peer */
	char shared[32];		/* SharedNetwork name, "" = none */
	size_t ngroup;			/* its shared network's subnets, 0 = none */
	uint32_t *group;		/* their indices in config.subnets: this
					   subnet first, then the others in order */
};

#define CFG_CID_MAX 255			/* option 61 bytes in a [CLIENTID:...] */

/* A per-client section: [00-11-22-33-44-55] or [00:11:22:33:44:55] by
 * hardware address, or [CLIENTID:01:00:11:22:33:44:55] by client
 * identifier (option 61); exactly one of the two is set. */
struct cfg_host {
	char name[48];			/* a MAC section's name as written; a
					   CLIENTID one's in canonical form, cut */
	uint8_t htype, hlen;		/* 0, 0 for a CLIENTID section */
	uint8_t hw[16];
	uint8_t cid_len;		/* option 61's length, 0 = a MAC section */
	uint8_t *cid;			/* option 61's value, type byte first */
	uint32_t addr;			/* IPADDR, 0 = none (dynamic) */
	char hostname[64];		/* Hostname, "" = none */
	uint32_t lease_time;		/* 0 = the subnet's */
	uint32_t siaddr;		/* NEXTSERVER, 0 = the subnet's */
	char sname[64];			/* SNAME, "" = the subnet's */
	char bootfile[128];		/* BOOTFILE, "" = the subnet's */
	struct cfg_optset opts;		/* overrides */
	struct cfg_codes always, never;	/* its own AlwaysSend, NeverSend */
};

/* One Match_n of a [CLASS:name]: what in the request is tested, and how
 * (docs/config.md, "Client classes"). */
enum cfg_msubj { CFG_M_OPTION, CFG_M_RAI, CFG_M_HW };
enum cfg_mop { CFG_M_EXISTS, CFG_M_EQ, CFG_M_PREFIX, CFG_M_CONTAINS };

struct cfg_match {
	uint8_t subject;		/* enum cfg_msubj */
	uint8_t op;			/* enum cfg_mop */
	uint8_t code;			/* option code, or option 82 sub-option */
	bool negate;			/* "not ..." */
	uint16_t len;
	uint8_t *data;			/* the value compared with */
};

#define CFG_CLASS_MAX 64		/* a client's classes fit a uint64_t */

/* [CLASS:name]: a client class, in file order (the first wins). */
struct cfg_class {
	char name[32];
	bool any;			/* MatchAny=1: one Match_n suffices */
	uint32_t lease_time;		/* LEASETIME, 0 = not set here */
	size_t nmatch;
	struct cfg_match *match;	/* in the order of n */
	uint32_t siaddr;		/* NEXTSERVER, 0 = not set here */
	char sname[64];			/* SNAME, "" = not set here */
	char bootfile[128];		/* BOOTFILE, "" = not set here */
	struct cfg_optset opts;		/* options of its members */
	struct cfg_codes always, never;	/* its own AlwaysSend, NeverSend */
};

enum cfg_fo_role { CFG_FO_NONE, CFG_FO_PRIMARY, CFG_FO_SECONDARY };

/* LinkSelection=: whose RFC 3527 link-selection sub-option is honoured. */
enum cfg_linksel {
	CFG_LINKSEL_RELAYS,		/* any relayed request's (giaddr set) */
	CFG_LINKSEL_OFF,		/* nobody's: the subnet is giaddr's */
};

#define CFG_TRUSTED_MAX 32		/* TrustedRelays entries */

struct cfg_net {
	uint32_t net, mask;		/* host byte order */
};

/* [FAILOVER]: one failover relationship as ISC dhcpd's "failover peer"
 * declares it (draft-ietf-dhc-failover-12).  Parsed and checked here;
 * the protocol in src/failover/ uses it. */
struct cfg_failover {
	bool enabled;			/* the section is present */
	uint8_t role;			/* enum cfg_fo_role */
	uint32_t addr, peer_addr;	/* host byte order */
	uint16_t port, peer_port;
	char name[256];			/* relationship name, sent in CONNECT */
	uint32_t mclt;			/* seconds; set on the primary only */
	uint16_t split;			/* 0-256, primary only; see hba */
	bool hba_set;			/* HBA= was given instead of Split= */
	uint8_t hba[32];		/* primary: the map sent in CONNECT, built from
					   split or hba; bucket i is bit i%8 of byte
					   i/8 (ISC's order) */
	uint32_t max_response_delay;	/* seconds */
	uint32_t max_unacked;		/* BNDUPDs the peer may send unacked */
	uint32_t lb_max_secs;		/* load balancing off past this secs, 0 = off */
	uint32_t auto_partner_down;	/* seconds, 0 = never */
	uint32_t clock_skew_warn;	/* seconds, 0 = never */
	uint32_t min_balance, max_balance;	/* seconds between the primary's
					   balancing passes: at least, at most */
	bool all_pools;			/* Pools=all; else cfg_subnet.failover says */
};

struct config {
	char path[PATH_MAX];
	size_t nsubnets;
	struct cfg_subnet *subnets;
	size_t nhosts;
	struct cfg_host *hosts;
	size_t nclasses;		/* at most CFG_CLASS_MAX */
	struct cfg_class *classes;

	/* [Settings] */
	bool associate_binds;		/* AssociateBindsToPools */
	bool trace;			/* Trace: one log line per packet */
	char sync_server[256];		/* SyncServer host:port, "" = none */

	/* [GENERAL] defaults, already merged into every subnet */
	uint32_t lease_time;
	uint32_t subnet_mask;

	/* [HTTP-SETTINGS], [DNS-SETTINGS]: parsed now, served by later work */
	bool http_enable;
	uint16_t http_port;
	char http_bind[64];		/* address to listen on, "" = all */
	char api_token[128];		/* bearer token for changing endpoints, "" = read-only */
	bool dns_enable;
	char dns_domain[128];		/* local domain of client names */
	char dns_refuse[256];		/* RefuseNames: labels no client may take,
					   separated by commas or spaces */
	size_t ndns_forward;
	uint32_t dns_forward[4];	/* upstream resolvers (FORWARD) */

	/* [DUODHCP]: what dhcpsrv lacks */
	char journal[PATH_MAX];		/* lease journal path */
	char user[64];			/* unprivileged user to run as, "" = stay */
	bool authoritative;		/* NAK requests for addresses not ours */
	bool probe;			/* ICMP echo before first use of an address */
	uint32_t probe_ms;
	uint32_t decline_secs;		/* quarantine after DHCPDECLINE */
	uint32_t offer_secs;		/* how long an offer is held for its client */
	uint32_t t1_pct, t2_pct;	/* percent of the lease; 0 = RFC defaults */
	uint32_t compact_bytes;		/* compact the journal past this size */
	uint32_t commit_delay_ms;	/* how long an ACK may wait to share a sync */
	size_t ntrusted;		/* TrustedRelays; 0 = a relay at any address */
	struct cfg_net trusted[CFG_TRUSTED_MAX];
	uint8_t link_selection;		/* enum cfg_linksel */
	uint32_t sync_max_leases;	/* active SyncServer partner leases we hold */
	uint32_t sync_rate;		/* partner lease changes applied per second */

	struct cfg_failover fo;		/* [FAILOVER] */

	size_t noptdefs;		/* OPTIONDEF_nn, by increasing code */
	struct cfg_optdef *optdefs;
};

/* Parses path.  Every problem is written to errs as
 * "FILE:LINE: [SECTION] KEY: message", all of them, not only the first.
 * Returns the config, or NULL when there was at least one error. */
struct config *config_load(const char *path, FILE *errs);
/* The same for an in-memory buffer; name is used in messages. */
struct config *config_parse(const char *name, const char *buf, size_t len, FILE *errs);
void config_free(struct config *c);
/* Prints the effective configuration as an INI file that config_parse
 * accepts and that yields the same configuration. */
void config_print(const struct config *c, FILE *out);

/* A digest of the failover pools (the addresses of every failover
 * subnet's ranges, merged and sorted): both peers must have the same. */
uint64_t config_failover_fingerprint(const struct config *c);
/* Checks two configurations as a failover pair: opposite roles, the same
 * name, each one's address and port the other's peer address and port, the
 * same failover pools.  Problems go to errs as "FILE: [FAILOVER] KEY:
 * message"; returns how many. */
int config_failover_pair(const struct config *a, const struct config *b, FILE *errs);

/* Whether addr, the IP source of a relayed request, is a relay in
 * TrustedRelays (any address when the list is empty). */
bool config_relay_trusted(const struct config *c, uint32_t addr);
/* The subnet whose net/mask contains addr, or NULL. */
const struct cfg_subnet *config_subnet_for(const struct config *c, uint32_t addr);
/* The MAC client section for a hardware address, or NULL. */
const struct cfg_host *config_host_for(const struct config *c, uint8_t htype,
				       const uint8_t *hw, uint8_t hlen);

/* The layout OPTIONDEF_nn gave code, or NULL. */
const struct opt_layout *config_optdef(const struct config *c, uint8_t code);

/* The CLIENTID client section for an option 61 value, or NULL. */
const struct cfg_host *config_host_for_cid(const struct config *c, const uint8_t *cid,
					   size_t len);

#endif
