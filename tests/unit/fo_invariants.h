/* The rules every step of the failover state machine keeps, whatever the
 * events: shared by test_state.c and fuzz_fostate.c. */
#ifndef DUODHCP_FO_INVARIANTS_H
#define DUODHCP_FO_INVARIANTS_H

#include <stdbool.h>
#include <stdint.h>
#include "failover/state.h"

/* sm after a step on ev with actions a; prev_stos and started are from
 * before the step.  Returns NULL, or the rule that broke. */
static inline const char *fo_invariant_broken(const struct fo_sm *sm, uint32_t prev_stos,
					      bool started, const struct fo_event *ev,
					      const struct fo_actions *a)
{
	const struct fo_service *sv = &a->service;
	if (sv->serve && sm->state != FO_ST_NORMAL && sm->state != FO_ST_COMM_INTERRUPTED &&
	    sm->state != FO_ST_PARTNER_DOWN)
		return "serving outside normal, comm-interrupted and partner-down";
	if (sv->partner_addrs && (sm->state != FO_ST_PARTNER_DOWN ||
				  (uint64_t)ev->now < (uint64_t)sm->stos + sm->conf.mclt))
		return "partner's addresses outside partner-down after STOS + MCLT";
	if (sv->balance && sm->state != FO_ST_NORMAL)
		return "load balancing outside normal";
	if (started && sm->stos < prev_stos)
		return "STOS went backwards";
	if (sm->state != 0 && !fo_state_valid(sm->state))
		return "no such state";
	if (sm->state == FO_ST_STARTUP && !fo_state_valid(sm->resume))
		return "startup resuming no such state";
	if (sm->state == FO_ST_STARTUP && sm->resume == FO_ST_STARTUP)
		return "startup resuming startup";
	if (!sm->link && a->send)
		return "sending without a link";
	if (a->changed && !a->journal)
		return "a state change not journalled";
	if (sm->state == FO_ST_RECOVER_WAIT && sm->timer[FO_TIMER_MCLT] == 0)
		return "recover-wait without its timer";
	return NULL;
}

#endif
