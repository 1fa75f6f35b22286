/* The decision core: one request in, at most one reply out, plus the
 * lease changes to journal.  No sockets, no clocks of its own: the caller
 * passes the time, so unit tests and fuzzers drive it directly. */
#ifndef DUODHCP_ENGINE_H
#define DUODHCP_ENGINE_H

#include <stdbool.h>
#include <stdint.h>
#include "conf/config.h"
#include "proto/dhcp.h"
#include "core/lease.h"

struct engine_stats {
	uint64_t rx[DHCPINFORM + 1];		/* requests by message type */
	uint64_t tx[DHCPINFORM + 1];		/* replies by message type */
	uint64_t drop_malformed;		/* counted by the caller; here: a giaddr
					   no relay can have */
	uint64_t drop_no_subnet;
	uint64_t drop_not_ours;			/* silent by RFC 2131 4.3.2 */
	uint64_t drop_partner;			/* the policy left it to a failover partner */
	uint64_t drop_relay;			/* relayed, but not from a trusted relay's
					   address (TrustedRelays), or from 0.0.0.0 */
	uint64_t drop_bootp;
	uint64_t pool_exhausted;
	uint64_t declines;
	uint64_t releases;
	uint64_t options_dropped;		/* did not fit the reply */
};

/* What a redundancy scheme decides, asked of a policy instead of being
 * scattered through the engine: whether to answer a client at all,
 * whether this server may hand out (or renew) an address, from which
 * stock of free addresses it allocates, and how long a lease it may
 * grant.  With no policy set the engine serves alone or in split scope:
 * every client is answered, an address is ours unless a SyncServer
 * partner leased it or it is held for a failover backup, and lease times
 * are the configuration's.  Failover brings its own (failover/policy.h):
 * FREE addresses are the primary's, BACKUP ones the secondary's, lease
 * times are capped by the MCLT, and in normal state the RFC 3074 hash
 * splits the clients.  Every hook but owns may be NULL. */
enum engine_stock {
	ENGINE_STOCK_FREE = 1 << 0,	/* never used, then the reuse list */
	ENGINE_STOCK_BACKUP = 1 << 1,	/* the backup list */
};

struct engine_policy {
	/* Whether to answer m at all, asked first once its subnet sn is
	 * known (a failover relationship covers some subnets only).  NULL:
	 * always. */
	bool (*answers)(void *arg, const struct dhcp_msg *m, const struct cfg_subnet *sn);
	/* l is the address's record, NULL when it was never used. */
	bool (*owns)(void *arg, uint32_t addr, const struct lease *l);
	/* Where new clients' addresses come from in sn, ENGINE_STOCK_*
	 * bits.  Only a stock whose addresses owns() accepts may be named:
	 * the never-used cursor moves past the addresses it is refused.
	 * NULL: ENGINE_STOCK_FREE. */
	unsigned (*stock)(void *arg, const struct cfg_subnet *sn);
	/* The lease time to grant on l (an offer or a binding), at most
	 * secs, the configuration's.  NULL: secs. */
	uint32_t (*lease_time)(void *arg, const struct lease *l, uint32_t secs, int64_t now);
	/* Told once l is bound (to be ACKed) for what lease_time allowed,
	 * secs being what was wanted, before l goes to the journal: failover
	 * records the potential expiry it will send its partner. */
	void (*bound)(void *arg, struct lease *l, uint32_t secs, int64_t now);
	void *arg;
};

/* The policy without failover (split scope included). */
bool engine_owns_alone(void *arg, uint32_t addr, const struct lease *l);
/* Whether addr is a host reservation's (never pool stock for anyone). */
struct engine;
bool engine_reserved(const struct engine *e, uint32_t addr);

struct engine {
	const struct config *cfg;
	struct engine_policy policy;		/* zero: engine_owns_alone, config's times */
	struct lease_table *leases;
	uint32_t *reserved;			/* sorted reserved addresses */
	size_t nreserved;
	uint32_t *host_slots;			/* hosts by hardware address or client
						   identifier: index + 1 */
	size_t host_mask;
	uint64_t host_seed;			/* of the host index hash */
	struct engine_stats st;
};

/* Where and when a request arrived. */
struct engine_in {
	int64_t now;				/* wall clock, seconds */
	int64_t mono_ms;			/* monotonic clock, milliseconds */
	const struct cfg_subnet *link;		/* subnet of the receiving interface */
	uint32_t local_addr;			/* our address the request reached */
	uint32_t src_addr;			/* the IP source it came from */
};

enum engine_dest {
	DEST_NONE,
	DEST_RELAY,		/* giaddr, port 67 */
	DEST_CIADDR,		/* ciaddr, port 68 */
	DEST_BROADCAST,		/* 255.255.255.255, port 68 */
	DEST_HWADDR,		/* yiaddr at chaddr, port 68, no ARP yet */
};

/* A binding releases the client's older bindings in the subnet: at most
 * ENGINE_CLIENT_LEASES of them are looked at, so one answer changes at most
 * that many leases plus the new binding, and all of them fit. */
#define ENGINE_CLIENT_LEASES 16
#define ENGINE_DIRTY_MAX (ENGINE_CLIENT_LEASES + 1)

struct engine_result {
	enum engine_dest dest;
	uint32_t dest_addr;
	bool wait_sync;			/* an ACK: send only once dirty is durable */
	uint32_t probe_addr;		/* ping this address before sending (offer) */
	size_t maxlen;			/* largest reply the client takes */
	size_t ndirty;
	struct lease *dirty[ENGINE_DIRTY_MAX];	/* leases to journal */
	char note[160];			/* one-line summary for the log */
	bool notable;			/* log even without Trace (decline, NAK...) */
	struct dhcp_out out;
};

/* Binds the engine to a configuration and lease table; rebuilds the pools
 * and the reservation index.  Leases are kept.  Returns 0 or -1. */
int engine_set_config(struct engine *e, const struct config *cfg, struct lease_table *t);
void engine_free(struct engine *e);
/* The MAC client section for this hardware address, or NULL: a hash
 * lookup, so the number of reservations does not slow the packet path. */
const struct cfg_host *engine_host_for(const struct engine *e, uint8_t htype,
				       const uint8_t *hw, uint8_t hlen);
/* The CLIENTID client section for this option 61 value, or NULL. */
const struct cfg_host *engine_host_for_cid(const struct engine *e, const uint8_t *cid,
					   size_t len);

/* Decides the answer to m.  r->dest == DEST_NONE means stay silent. */
void engine_handle(struct engine *e, const struct dhcp_msg *m, const struct engine_in *in,
		   struct engine_result *r);

/* Marks a probed address as in use by someone we do not know (RFC 2131
 * section 2.2: ICMP echo before reuse) and returns the lease to journal. */
struct lease *engine_probe_conflict(struct engine *e, uint32_t addr, int64_t now);

/* Formats a hardware address as aa:bb:cc... into buf (at least 49 bytes). */
const char *engine_hw_str(char *buf, uint8_t htype, const uint8_t *hw, uint8_t hlen);

#endif
