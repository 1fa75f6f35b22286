/* The engine's policy (core/engine.h) for the pools a failover
 * relationship shares (draft-ietf-dhc-failover-12, as ISC dhcpd 4.4.3
 * runs it).  Pure: it reads what the state machine and the peer link
 * tell it, set through the fo_policy_set_* calls; addresses outside the
 * failover pools get the engine's own answers.
 *
 * Whom to answer: nobody unless the state serves clients; in normal
 * state, a DISCOVER only from a client whose RFC 3074 bucket is ours, or
 * one whose secs is past load-balance-max-seconds.
 * Whose addresses: never-used and FREE, EXPIRED, RELEASED, RESET records
 * are the primary's, BACKUP ones the secondary's, both sides' in
 * partner-down once STOS + MCLT has passed; an ACTIVE lease may be
 * renewed by either server; a record whose change the partner has not
 * acknowledged yet (pending_state) is nobody's to hand out.
 * How long: never more than MCLT past the potential expiry the partner
 * acknowledged (tsfp); the potential expiry to send it (tstp) is recorded
 * on every binding. */
#ifndef DUODHCP_FO_POLICY_H
#define DUODHCP_FO_POLICY_H

#include <stdbool.h>
#include <stdint.h>
#include "conf/config.h"
#include "core/engine.h"
#include "failover/state.h"
#include "failover/wire.h"

struct fo_policy {
	const struct config *cfg;	/* which subnets are in failover */
	enum fo_role role;
	struct fo_service svc;		/* the state machine's, after each step */
	uint32_t mclt;			/* 0: not known yet (a secondary before
					 * CONNECT): nobody is answered */
	uint8_t hba[FO_HBA_LEN];	/* bucket map: set bits are the primary's */
	uint16_t lb_max_secs;		/* 0: no load balancing */
	/* Whether the partner still has free addresses in sn (ISC's
	 * peer_has_leases): when it has none, a client of its buckets is
	 * answered at once instead of after load-balance-max-seconds.
	 * NULL: assume it has. */
	bool (*peer_stock)(void *arg, const struct cfg_subnet *sn);
	void *peer_stock_arg;
};

/* A policy for cfg's [FAILOVER]: the role, and on the primary the MCLT
 * and bucket map it configures.  It serves nobody until
 * fo_policy_set_service() says otherwise. */
void fo_policy_init(struct fo_policy *p, const struct config *cfg);

/* What the state machine says after a step or at a timer
 * (fo_actions.service, fo_sm_service()). */
void fo_policy_set_service(struct fo_policy *p, struct fo_service svc);

/* The MCLT and bucket map the primary sent in CONNECT (the secondary
 * learns them there; hba NULL keeps the map). */
void fo_policy_set_peer(struct fo_policy *p, uint32_t mclt, const uint8_t hba[FO_HBA_LEN]);

/* The engine's hooks, bound to p. */
struct engine_policy fo_policy_engine(struct fo_policy *p);

/* The lease time the MCLT rule allows on a record whose partner-acked
 * potential expiry is tsfp, for a lease wanted for secs (section 5.2.1,
 * ISC's ack_lease): secs up to MCLT as they are; more only up to
 * tsfp + MCLT, so a record the partner has not acknowledged gets MCLT. */
uint32_t fo_mclt_time(uint32_t mclt, int64_t tsfp, uint32_t secs, int64_t now);

/* The potential expiry to send the partner for a binding granted for
 * granted seconds when secs were wanted: now + secs + granted / 2, the
 * client's renewal estimate (ISC), so that the renewal, by which time
 * the partner has acknowledged it, may get the whole of secs. */
int64_t fo_potential_expiry(uint32_t secs, uint32_t granted, int64_t now);

#endif
