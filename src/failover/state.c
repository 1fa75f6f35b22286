/* The failover server state machine: see state.h.  The transitions are
 * ISC dhcpd 4.4.3's (its set_state, state_transition, peer_state_changed
 * and process_update_done), learnt from its behaviour and the captures in
 * shared/failover/, with one deliberate difference: a server whose journal
 * is intact knows every lease it granted, so its recovery needs no
 * recover-wait; only a server that lost its leases (amnesic) waits out
 * STOS + MCLT, and not even it when the peer is recovering too. */
#include <stddef.h>
#include "failover/state.h"

#define ST_IDX(s) ((s) == FO_ST_RECOVER_WAIT ? 12 : (s))
#define ST_N 13

bool fo_state_valid(unsigned state)
{
	return (state >= FO_ST_STARTUP && state <= FO_ST_CONFLICT_DONE) ||
	       state == FO_ST_RECOVER_WAIT;
}

static uint32_t add_clamp(uint32_t t, uint32_t d)
{
	uint64_t s = (uint64_t)t + d;
	return s > UINT32_MAX ? UINT32_MAX : (uint32_t)s;
}

/* The state whose rules apply: in startup, the one we will resume. */
static uint8_t effective(const struct fo_sm *sm)
{
	return sm->state == FO_ST_STARTUP ? sm->resume : sm->state;
}

void fo_sm_init(struct fo_sm *sm, const struct fo_sm_conf *conf)
{
	*sm = (struct fo_sm){.conf = *conf};
	if (sm->conf.startup_wait == 0)
		sm->conf.startup_wait = 15;
}

/* ---------------------------------------------------------------- service */

struct fo_service fo_sm_service(const struct fo_sm *sm, uint32_t now)
{
	struct fo_service s = {0};
	switch (sm->state) {
	case FO_ST_NORMAL:
		s.serve = s.balance = true;
		break;
	case FO_ST_COMM_INTERRUPTED:
		s.serve = true;	/* each from its own addresses, all clients */
		break;
	case FO_ST_PARTNER_DOWN:
		s.serve = true;
		/* Section 9.7.1: the partner's leases may still run for MCLT
		 * past what we know of them. */
		s.partner_addrs = (uint64_t)now >= (uint64_t)sm->stos + sm->conf.mclt;
		break;
	default:
		break;
	}
	return s;
}

void fo_sm_wire_state(const struct fo_sm *sm, uint8_t *state, uint8_t *flags, uint32_t *stos)
{
	*state = effective(sm);
	*flags = sm->state == FO_ST_STARTUP ? FO_SERVER_FLAG_STARTUP : 0;
	*stos = sm->stos;
}

void fo_sm_saved(const struct fo_sm *sm, uint8_t *state, uint32_t *stos, bool *amnesic)
{
	*state = effective(sm);
	*stos = sm->stos;
	*amnesic = sm->amnesic;
}

/* ------------------------------------------------------------ transitions */

static void enter(struct fo_sm *sm, struct fo_actions *act, uint8_t to, uint32_t now);

static void send(const struct fo_sm *sm, struct fo_actions *act, unsigned what)
{
	if (sm->link)
		act->send |= what;
}

/* What entering a state starts (ISC's set_state tail). */
static void on_entry(struct fo_sm *sm, struct fo_actions *act, uint32_t now)
{
	uint32_t mclt_at = add_clamp(sm->stos, sm->conf.mclt);
	switch (sm->state) {
	case FO_ST_STARTUP:
		sm->timer[FO_TIMER_STARTUP] = add_clamp(now, sm->conf.startup_wait);
		break;
	case FO_ST_NORMAL:
		sm->amnesic = false;
		send(sm, act, FO_SEND_UPDATES);	/* pending updates flow again */
		break;
	case FO_ST_COMM_INTERRUPTED:
		if (sm->conf.auto_partner_down)
			sm->timer[FO_TIMER_AUTO_PD] = add_clamp(now, sm->conf.auto_partner_down);
		break;
	case FO_ST_PARTNER_DOWN:
		if (mclt_at > now)
			sm->timer[FO_TIMER_MCLT] = mclt_at;
		break;
	case FO_ST_POTENTIAL_CONFLICT:
		/* Section 9.9: the primary asks first; the secondary once the
		 * primary is done. */
		if (sm->conf.role == FO_PRIMARY || sm->peer == FO_ST_CONFLICT_DONE)
			send(sm, act, FO_SEND_UPDREQ);
		break;
	case FO_ST_RECOVER:
		send(sm, act, FO_SEND_UPDREQALL);
		break;
	case FO_ST_RECOVER_WAIT:
		if (mclt_at > now)
			sm->timer[FO_TIMER_MCLT] = mclt_at;
		else
			enter(sm, act, FO_ST_RECOVER_DONE, now);
		break;
	case FO_ST_RECOVER_DONE:
		sm->amnesic = false;
		break;
	default:
		break;
	}
}

static void enter(struct fo_sm *sm, struct fo_actions *act, uint8_t to, uint32_t now)
{
	uint8_t from = sm->state;
	/* As ISC: the STOS stays into recover-wait (it times the wait) and
	 * into or out of startup (the saved state goes on); it never goes
	 * backwards.  Not out of startup into a partner-down we were not in
	 * before: there the STOS times the MCLT before the partner's
	 * addresses are ours, and an old one would hand them over at once. */
	bool keep = to == FO_ST_RECOVER_WAIT || to == FO_ST_STARTUP ||
		    (from == FO_ST_STARTUP &&
		     (to != FO_ST_PARTNER_DOWN || to == sm->resume));
	if (!keep && now > sm->stos)
		sm->stos = now;
	if (!act->changed)
		act->from = from;
	act->changed = true;
	act->journal = true;
	sm->state = to;
	for (int i = 0; i < FO_TIMER_COUNT; i++)
		sm->timer[i] = 0;
	send(sm, act, FO_SEND_STATE);
	on_entry(sm, act, now);
}

/* --------------------------------------------------------------- events */

static void on_start(struct fo_sm *sm, const struct fo_event *ev, struct fo_actions *act)
{
	uint8_t saved = ev->saved_state;
	if (!ev->store_intact || !fo_state_valid(saved)) {
		/* Nothing to trust: recover from scratch, and as ISC does with
		 * no recorded state, from now. */
		sm->resume = FO_ST_RECOVER;
		sm->stos = ev->now;
		sm->amnesic = true;
	} else {
		/* Stopped in shutdown (the peer took over) or mid-startup:
		 * catch up with the peer first. */
		sm->resume = (saved == FO_ST_SHUTDOWN || saved == FO_ST_STARTUP)
			? FO_ST_RECOVER : saved;
		sm->stos = ev->saved_stos;
		sm->amnesic = ev->saved_amnesic;
	}
	enter(sm, act, FO_ST_STARTUP, ev->now);
}

/* The peer is gone (link lost, or never heard in startup): ISC's
 * "disconnect" transition. */
static void lost_peer(struct fo_sm *sm, struct fo_actions *act, uint32_t now)
{
	switch (effective(sm)) {
	case FO_ST_NORMAL:
		enter(sm, act, FO_ST_COMM_INTERRUPTED, now);
		break;
	case FO_ST_POTENTIAL_CONFLICT:
		enter(sm, act, FO_ST_RESOLUTION_INTERRUPTED, now);
		break;
	default:
		if (sm->state == FO_ST_STARTUP)
			enter(sm, act, sm->resume, now);
		break;
	}
}

/* Reactions to the peer's state, by our (effective) state and theirs. */
enum react {
	R_NONE,
	R_NORMAL,
	R_COMM,
	R_PDOWN,
	R_PCONF,
	R_RECOVER,
	R_SHUTDOWN,
	R_SHUT_BAD,	/* a move the protocol forbids: stop, as ISC does */
	R_BAD,		/* makes no sense: log, stay */
	R_UPDREQALL,	/* ask again (not from startup: leaving it asks) */
	R_PD_OR_REC,	/* normal, peer partner-down */
	R_CONFLICT_UPD,	/* potential-conflict, peer conflict-done */
};

#define NO ST_IDX(FO_ST_NORMAL)
#define CI ST_IDX(FO_ST_COMM_INTERRUPTED)
#define PD ST_IDX(FO_ST_PARTNER_DOWN)
#define PC ST_IDX(FO_ST_POTENTIAL_CONFLICT)
#define RE ST_IDX(FO_ST_RECOVER)
#define PA ST_IDX(FO_ST_PAUSED)
#define SD ST_IDX(FO_ST_SHUTDOWN)
#define RD ST_IDX(FO_ST_RECOVER_DONE)
#define RI ST_IDX(FO_ST_RESOLUTION_INTERRUPTED)
#define CD ST_IDX(FO_ST_CONFLICT_DONE)
#define RW ST_IDX(FO_ST_RECOVER_WAIT)
#define SU ST_IDX(FO_ST_STARTUP)

/* Rows: our state; columns: the peer's.  Missing = R_NONE.  Recover-wait,
 * shutdown and paused make no move on the peer's word. */
static const uint8_t peer_table[ST_N][ST_N] = {
	[NO] = {[PD] = R_PD_OR_REC, [PC] = R_SHUT_BAD, [RI] = R_SHUT_BAD,
		[CD] = R_SHUT_BAD, [RE] = R_PDOWN, [SD] = R_PDOWN, [PA] = R_COMM},
	[RE] = {[RE] = R_UPDREQALL, [PD] = R_UPDREQALL, [CI] = R_UPDREQALL,
		[PC] = R_PCONF, [RI] = R_PCONF, [CD] = R_PCONF, [NO] = R_PCONF,
		[SD] = R_PDOWN},
	[PC] = {[NO] = R_SHUT_BAD, [CD] = R_CONFLICT_UPD, [RE] = R_RECOVER,
		[SD] = R_PDOWN},
	[CD] = {[NO] = R_NORMAL, [SD] = R_SHUTDOWN, [SU] = R_BAD, [CI] = R_BAD,
		[PD] = R_BAD, [RE] = R_BAD, [PA] = R_BAD, [RD] = R_BAD, [CD] = R_BAD,
		[RW] = R_BAD},
	[PD] = {[RD] = R_NORMAL, [NO] = R_PCONF, [PC] = R_PCONF, [PD] = R_PCONF,
		[CI] = R_PCONF, [RI] = R_PCONF, [CD] = R_PCONF},
	[CI] = {[RE] = R_PDOWN, [NO] = R_NORMAL, [CI] = R_NORMAL, [RD] = R_NORMAL,
		[RW] = R_NORMAL, [PC] = R_PCONF, [PD] = R_PCONF, [RI] = R_PCONF,
		[CD] = R_PCONF, [SD] = R_PDOWN},
	[RI] = {[NO] = R_PCONF, [RE] = R_PCONF, [PC] = R_PCONF, [PD] = R_PCONF,
		[CI] = R_PCONF, [RI] = R_PCONF, [CD] = R_PCONF, [RD] = R_PCONF,
		[RW] = R_PCONF, [SD] = R_PDOWN},
	[RD] = {[RD] = R_NORMAL, [NO] = R_NORMAL, [SD] = R_PDOWN},
};

static void react(struct fo_sm *sm, struct fo_actions *act, enum react r,
		  uint8_t prev_peer, uint32_t now)
{
	static const uint8_t target[] = {
		[R_NORMAL] = FO_ST_NORMAL, [R_COMM] = FO_ST_COMM_INTERRUPTED,
		[R_PDOWN] = FO_ST_PARTNER_DOWN, [R_PCONF] = FO_ST_POTENTIAL_CONFLICT,
		[R_RECOVER] = FO_ST_RECOVER, [R_SHUTDOWN] = FO_ST_SHUTDOWN,
		[R_SHUT_BAD] = FO_ST_SHUTDOWN,
	};
	switch (r) {
	case R_NONE:
		break;
	case R_BAD:
		act->peer_invalid = true;
		break;
	case R_SHUT_BAD:
		act->peer_invalid = true;
		enter(sm, act, target[r], now);
		break;
	case R_UPDREQALL:
		if (sm->state == FO_ST_RECOVER)
			send(sm, act, FO_SEND_UPDREQALL);
		break;
	case R_PD_OR_REC:
		/* Back from a restart to find the peer took over: catch up. */
		enter(sm, act, sm->state == FO_ST_STARTUP ? FO_ST_RECOVER
			: FO_ST_POTENTIAL_CONFLICT, now);
		break;
	case R_CONFLICT_UPD:
		if (prev_peer == FO_ST_POTENTIAL_CONFLICT)
			send(sm, act, FO_SEND_UPDREQ);
		else
			act->peer_invalid = true;
		break;
	default:
		enter(sm, act, target[r], now);
		break;
	}
}

/* A repeated peer state moves nothing in these states (ISC). */
static bool repeat_ignored(uint8_t ours)
{
	switch (ours) {
	case FO_ST_NORMAL: case FO_ST_POTENTIAL_CONFLICT: case FO_ST_RECOVER_DONE:
	case FO_ST_SHUTDOWN: case FO_ST_PAUSED: case FO_ST_RECOVER_WAIT:
		return true;
	default:
		return false;
	}
}

static void on_peer_state(struct fo_sm *sm, const struct fo_event *ev, struct fo_actions *act)
{
	uint8_t peer = ev->peer_state, prev = sm->peer;
	bool startupp = ev->peer_flags & FO_SERVER_FLAG_STARTUP;
	if (!sm->link)
		return;		/* a STATE comes over a link */
	if (!fo_state_valid(peer)) {
		act->peer_invalid = true;
		return;
	}
	sm->peer_startup = startupp;
	sm->peer_stos = ev->peer_stos;
	if (peer == prev && repeat_ignored(sm->state))
		return;
	if (peer == prev && sm->state == FO_ST_STARTUP) {
		enter(sm, act, sm->resume == FO_ST_RESOLUTION_INTERRUPTED
			? FO_ST_POTENTIAL_CONFLICT : sm->resume, ev->now);
		return;
	}
	sm->peer = peer;
	uint8_t ours = effective(sm);
	/* In partner-down, a peer still starting up has not settled. */
	if (!(ours == FO_ST_PARTNER_DOWN && startupp))
		react(sm, act, (enum react)peer_table[ST_IDX(ours)][ST_IDX(peer)], prev, ev->now);
	/* Hearing the peer ends startup. */
	if (sm->state == FO_ST_STARTUP)
		enter(sm, act, sm->resume, ev->now);
}

/* The peer sent every update we asked for (section 9.4.4, 9.9). */
static void on_upddone(struct fo_sm *sm, uint32_t now, struct fo_actions *act)
{
	switch (sm->state) {
	case FO_ST_POTENTIAL_CONFLICT:
		if (sm->peer == FO_ST_CONFLICT_DONE && sm->conf.role == FO_SECONDARY)
			enter(sm, act, FO_ST_NORMAL, now);
		else if (sm->peer == FO_ST_CONFLICT_DONE) {
			act->peer_invalid = true;	/* a secondary may not */
			enter(sm, act, FO_ST_SHUTDOWN, now);
		} else if (sm->conf.role == FO_PRIMARY)
			enter(sm, act, FO_ST_CONFLICT_DONE, now);
		else
			act->peer_invalid = true;
		break;
	case FO_ST_RECOVER:
		/* Only lost leases need waiting out; and when both recover,
		 * neither has leases to wait for (ISC 4.4.3). */
		if (sm->amnesic && add_clamp(sm->stos, sm->conf.mclt) > now &&
		    sm->peer != FO_ST_RECOVER && sm->peer != FO_ST_RECOVER_DONE)
			enter(sm, act, FO_ST_RECOVER_WAIT, now);
		else
			enter(sm, act, FO_ST_RECOVER_DONE, now);
		break;
	default:
		break;
	}
}

static void on_timer(struct fo_sm *sm, const struct fo_event *ev, struct fo_actions *act)
{
	if ((unsigned)ev->timer >= FO_TIMER_COUNT)
		return;
	uint32_t due = sm->timer[ev->timer];
	if (due == 0 || ev->now < due)
		return;		/* stale or early: the driver may be loose */
	sm->timer[ev->timer] = 0;
	switch (ev->timer) {
	case FO_TIMER_STARTUP:
		if (sm->state == FO_ST_STARTUP)
			lost_peer(sm, act, ev->now);
		break;
	case FO_TIMER_MCLT:
		if (sm->state == FO_ST_RECOVER_WAIT)
			enter(sm, act, FO_ST_RECOVER_DONE, ev->now);
		break;		/* partner-down: fo_sm_service() now says so */
	case FO_TIMER_AUTO_PD:
		if (sm->state == FO_ST_COMM_INTERRUPTED)
			enter(sm, act, FO_ST_PARTNER_DOWN, ev->now);
		break;
	default:
		break;
	}
}

/* Section 9.5: the operator may declare the partner down only when it
 * cannot be asked. */
static void on_operator_pd(struct fo_sm *sm, uint32_t now, struct fo_actions *act)
{
	uint8_t ours = effective(sm);
	if (sm->state == FO_ST_PARTNER_DOWN)
		return;
	if (ours == FO_ST_COMM_INTERRUPTED || ours == FO_ST_RESOLUTION_INTERRUPTED)
		enter(sm, act, FO_ST_PARTNER_DOWN, now);
	else
		act->refused = true;
}

void fo_sm_step(struct fo_sm *sm, const struct fo_event *ev, struct fo_actions *act)
{
	*act = (struct fo_actions){0};
	if (sm->state == 0 && ev->type != FO_EV_START)
		goto out;	/* nothing runs before the journal is read */
	switch (ev->type) {
	case FO_EV_START:
		if (sm->state == 0)
			on_start(sm, ev, act);
		break;
	case FO_EV_LINK_UP:
		sm->link = true;
		send(sm, act, FO_SEND_STATE);
		break;
	case FO_EV_LINK_DOWN:
		sm->link = false;
		lost_peer(sm, act, ev->now);
		break;
	case FO_EV_PEER_STATE:
		on_peer_state(sm, ev, act);
		break;
	case FO_EV_UPDDONE:
		on_upddone(sm, ev->now, act);
		break;
	case FO_EV_UPDATES_ACKED:
		send(sm, act, FO_SEND_UPDDONE);
		break;
	case FO_EV_TIMER:
		on_timer(sm, ev, act);
		break;
	case FO_EV_OPERATOR_PARTNER_DOWN:
		on_operator_pd(sm, ev->now, act);
		break;
	case FO_EV_SHUTDOWN:
		/* Tell the peer so it can take over at once (ISC: from normal). */
		if (sm->state == FO_ST_NORMAL)
			enter(sm, act, FO_ST_SHUTDOWN, ev->now);
		break;
	}
out:
	for (int i = 0; i < FO_TIMER_COUNT; i++)
		act->timer[i] = sm->timer[i];
	act->service = fo_sm_service(sm, ev->now);
}
