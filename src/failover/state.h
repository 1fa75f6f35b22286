/* The failover server state machine (draft-ietf-dhc-failover-12 section 9,
 * as ISC dhcpd 4.4.3 runs it), as a pure function: the machine and one
 * event in, the new machine and a few actions out.  No sockets, no clock:
 * every event carries the time.  The layers around it, after Kea's HA
 * split: the peer link reports link and STATE events, the update backlog
 * reports UPDDONE and "all updates acked", the query filter (hash.h) asks
 * fo_sm_service() whom to answer. */
#ifndef DUODHCP_FO_STATE_H
#define DUODHCP_FO_STATE_H

#include <stdbool.h>
#include <stdint.h>
#include "failover/wire.h"

enum fo_role {
	FO_PRIMARY,
	FO_SECONDARY,
};

struct fo_sm_conf {
	enum fo_role role;
	uint32_t mclt;			/* maximum client lead time, seconds */
	uint32_t auto_partner_down;	/* seconds in comm-interrupted before
					 * partner-down; 0 = only the operator */
	uint32_t startup_wait;		/* seconds in startup without a word
					 * from the peer (ISC: 15) */
};

/* Timers the machine asks for; the driver arms each at the deadline the
 * actions give (0 = none) and feeds FO_EV_TIMER back when it passes. */
enum fo_timer {
	FO_TIMER_STARTUP,	/* leave startup without the peer */
	FO_TIMER_MCLT,		/* STOS + MCLT: recover-wait ends, partner-down
				 * may use the partner's addresses */
	FO_TIMER_AUTO_PD,	/* comm-interrupted -> partner-down */
	FO_TIMER_COUNT,
};

enum fo_event_type {
	FO_EV_START = 1,	/* once, after the journal is replayed */
	FO_EV_LINK_UP,		/* CONNECT/CONNECTACK exchanged */
	FO_EV_LINK_DOWN,	/* connection lost or timed out */
	FO_EV_PEER_STATE,	/* STATE message from the peer */
	FO_EV_UPDDONE,		/* the peer finished our UPDREQ/UPDREQALL */
	FO_EV_UPDATES_ACKED,	/* we answered the peer's UPDREQ(ALL): all acked */
	FO_EV_TIMER,
	FO_EV_OPERATOR_PARTNER_DOWN,
	FO_EV_SHUTDOWN,		/* graceful stop */
};

struct fo_event {
	enum fo_event_type type;
	uint32_t now;		/* wall clock, seconds since the epoch */

	/* FO_EV_START: what the journal held.  saved_state 0 = no failover
	 * record (a new, lost or emptied journal).  store_intact is false
	 * when the store knows it lost leases. */
	uint8_t saved_state;
	uint32_t saved_stos;
	bool saved_amnesic;
	bool store_intact;

	/* FO_EV_PEER_STATE: the STATE message's options. */
	uint8_t peer_state;
	uint8_t peer_flags;	/* FO_SERVER_FLAG_STARTUP */
	uint32_t peer_stos;

	/* FO_EV_TIMER */
	enum fo_timer timer;
};

/* The machine.  Fields are read by the driver and tests; only fo_sm_*
 * write them. */
struct fo_sm {
	struct fo_sm_conf conf;
	uint8_t state;		/* enum fo_state; 0 before FO_EV_START */
	uint8_t resume;		/* in startup: the state to resume */
	uint32_t stos;		/* start time of our state */
	bool amnesic;		/* our leases were lost: recovery waits out
				 * MCLT before recover-done (persisted) */
	bool link;
	uint8_t peer;		/* the peer's last state, 0 = never heard */
	bool peer_startup;
	uint32_t peer_stos;
	uint32_t timer[FO_TIMER_COUNT];	/* deadlines, 0 = none */
};

enum fo_send {
	FO_SEND_STATE = 1u << 0,	/* fo_sm_wire_state() says what */
	FO_SEND_UPDREQ = 1u << 1,
	FO_SEND_UPDREQALL = 1u << 2,
	FO_SEND_UPDDONE = 1u << 3,
	FO_SEND_UPDATES = 1u << 4,	/* flush the pending BNDUPD queue */
};

/* Who answers DHCP clients (fo_sm_service). */
struct fo_service {
	bool serve;		/* answer clients at all */
	bool balance;		/* only the clients whose hash bucket is ours */
	bool partner_addrs;	/* may allocate the partner's free addresses */
};

struct fo_actions {
	unsigned send;		/* enum fo_send bits, sent in bit order */
	bool journal;		/* persist fo_sm_saved() before sending STATE */
	bool changed;		/* our state changed (from -> state) */
	uint8_t from;
	bool peer_invalid;	/* the peer's state or move makes no sense: log */
	bool refused;		/* an operator request not allowed in this state */
	uint32_t timer[FO_TIMER_COUNT];	/* deadlines after this step, 0 = none */
	struct fo_service service;	/* after this step, at ev->now */
};

/* A machine before FO_EV_START: no state, serving nobody. */
void fo_sm_init(struct fo_sm *sm, const struct fo_sm_conf *conf);

/* The step: applies ev to sm and fills act.  Deterministic; events that
 * make no sense in the current state (a timer not yet due, a STATE
 * without a link) change nothing. */
void fo_sm_step(struct fo_sm *sm, const struct fo_event *ev, struct fo_actions *act);

/* Service at time now: only normal, communications-interrupted and
 * partner-down answer clients; normal load-balances; partner-down may use
 * the partner's addresses once STOS + MCLT has passed. */
struct fo_service fo_sm_service(const struct fo_sm *sm, uint32_t now);

/* What a STATE message carries: in startup the state to resume with the
 * STARTUP flag (as ISC sends it), else our state. */
void fo_sm_wire_state(const struct fo_sm *sm, uint8_t *state, uint8_t *flags, uint32_t *stos);

/* What the journal keeps: the state to come back to (the resumed one
 * while in startup), its STOS and whether recovery must wait out MCLT. */
void fo_sm_saved(const struct fo_sm *sm, uint8_t *state, uint32_t *stos, bool *amnesic);

/* True for the twelve server states, recover-wait included. */
bool fo_state_valid(unsigned state);

#endif
