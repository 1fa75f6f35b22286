/* Whether a lease read from another server's lease file (or sent to the
 * import endpoint) becomes one of ours, and as what.
 *
 * Pure: our configuration, our lease of the address (or none) and the
 * imported record in, an outcome and the record to store out.  The
 * daemon's endpoint and duodhcpctl's offline import both decide through
 * here, so the two give the same report for the same file and journal.
 * An imported lease becomes our own (never a partner's): we answer its
 * client from now on.  Its failover fields (tstp, tsfp, atsfp, cltt) are
 * kept as the other server wrote them. */
#ifndef DUODHCP_ADOPT_H
#define DUODHCP_ADOPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "conf/config.h"
#include "core/lease.h"
#include "core/partner.h"

enum adopt_outcome {
	ADOPT_NEW,		/* taken: we had no lease there */
	ADOPT_UPDATE,		/* taken: replaces an older lease of ours */
	ADOPT_SAME,		/* we hold this very record: nothing to do */
	ADOPT_OURS_NEWER,	/* our lease there is more recent: kept */
	ADOPT_INVALID,		/* not a record we can store */
	ADOPT_OFF_LINK,		/* in none of our subnets */
	ADOPT_EDGE,		/* a subnet's network or broadcast address */
	ADOPT_RESERVED,		/* reserved (IPADDR=) for another client */
	ADOPT_OUR_ADDRESS,	/* one of our own addresses or servers */
	ADOPT_OUTCOMES
};

/* "new", "updated", "unchanged", "ours_newer", "invalid", "off_link",
 * "network_or_broadcast", "reserved", "our_address". */
const char *adopt_outcome_name(enum adopt_outcome o);
/* A sentence for the report ("in none of our subnets"). */
const char *adopt_outcome_why(enum adopt_outcome o);
/* Whether the outcome stores the record (new or updated). */
bool adopt_taken(enum adopt_outcome o);

/* What a configuration lets an import hold: its subnets, reservations and
 * own addresses (from the configuration only, so that the daemon and an
 * offline import on another host decide alike). */
struct adopt_scope {
	const struct config *cfg;
	struct partner_scope ps;
};

int adopt_scope_build(struct adopt_scope *sc, const struct config *cfg);
void adopt_scope_free(struct adopt_scope *sc);

/* Decides for the imported in, given our lease of its address (cur, NULL
 * when none) at wall-clock time now.  For a taken record, *out is in as
 * we store it (it shares in's cid and hostname: no copy); else *out is
 * left alone.  A lease whose end has passed comes in as our expiry would
 * leave it (active: expired; abandoned: free), so that importing the
 * same file again finds it unchanged. */
enum adopt_outcome adopt_decide(const struct adopt_scope *sc, const struct lease *cur,
				const struct lease_rec *in, int64_t now, struct lease_rec *out);

#endif
