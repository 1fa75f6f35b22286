/* The binding-update queues of a failover relationship (draft-ietf-dhc-
 * failover-12 sections 7.1 to 7.3, as ISC dhcpd 4.4.3 runs them): our
 * lease changes go to the partner as BNDUPDs, at most max-unacked of them
 * waiting for their BNDACK; the partner's BNDUPDs become lease changes,
 * acked once durable; UPDREQ and UPDREQALL are answered from the lease
 * table's change log.  Pure: decoded messages in, messages out through
 * the send callback, no sockets and no clock.  docs/failover.md, "Binding
 * updates". */
#ifndef DUODHCP_FO_UPDATES_H
#define DUODHCP_FO_UPDATES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "core/lease.h"
#include "failover/state.h"
#include "failover/wire.h"

#define FO_UPD_MAX_UNACKED 10	/* ISC's default max-unacked-updates */

struct fo_upd_ops {
	/* Sends m.  reply: a BNDACK or UPDDONE that keeps m->xid; otherwise
	 * the sender assigns the xid and writes it back into m (as
	 * fo_peer_send does).  Returns 0, or -1 when it was not sent. */
	int (*send)(void *arg, struct fo_msg *m, bool reply);
	/* A partner's binding for rec->addr: store it through the change
	 * pipeline (lease_upsert + commit_change).  Returns the change
	 * number the BNDACK waits for, or 0 when it could not be stored. */
	uint64_t (*apply)(void *arg, const struct lease_rec *rec);
	/* We changed l in place (pending_state, state, tsfp, atsfp): commit
	 * it.  lazy: nothing waits for it and losing it in a crash is safe
	 * (an ack's tsfp: a lower one only shortens a later grant to MCLT;
	 * a FREE after the ack: the lease is sent and acked again), so it
	 * may share a later commit instead of forcing one.  May be NULL. */
	void (*changed)(void *arg, struct lease *l, bool lazy);
	/* FO_EV_UPDDONE (the partner finished our UPDREQ/UPDREQALL and its
	 * updates are durable) and FO_EV_UPDATES_ACKED (the partner acked
	 * all we sent for its request: feed the state machine, which then
	 * says FO_SEND_UPDDONE, see fo_upd_send_upddone). */
	void (*event)(void *arg, enum fo_event_type type);
	/* Whether addr is in a pool of this relationship.  NULL: every
	 * pool of the lease table. */
	bool (*in_pool)(void *arg, uint32_t addr);
	/* Our failover state (enum fo_state) and the wall clock in seconds,
	 * for the binding-state transition checks (fo_transition_check).
	 * Either NULL: no update is refused for its transition. */
	uint8_t (*my_state)(void *arg);
	int64_t (*now)(void *arg);
};

struct fo_upd_conf {
	enum fo_role role;		/* decides ties between dueling updates */
	uint32_t max_unacked;		/* ours, sent in CONNECT(ACK); 0: default */
};

struct fo_upd_stats {
	uint64_t sent, acked, rejected;		/* our BNDUPDs and their answers */
	uint64_t received, applied, refused;	/* the partner's BNDUPDs */
	uint64_t conflicts_won, conflicts_lost;	/* dueling updates */
	uint64_t stray_acks;			/* BNDACK of no update in flight */
	uint64_t bad_transitions;		/* refused by fo_transition_check */
	uint8_t last_reject;			/* last reason received */
	uint8_t last_refusal;			/* last reason sent */
};

struct fo_upd;

struct fo_upd *fo_upd_new(struct lease_table *t, const struct fo_upd_conf *c,
			  const struct fo_upd_ops *ops, void *arg);
void fo_upd_free(struct fo_upd *u);

/* The change pipeline's subscriber (commit_sub_fn): a change of a lease
 * in a failover pool is queued for the partner.  Changes this module
 * makes itself (through apply and changed) are not sent back. */
void fo_upd_lease_changed(void *u, struct lease *l, uint64_t seq);

/* The link came up (peer_max_unacked from the CONNECT/CONNECTACK, 0 =
 * ours) or went down.  Down: updates in flight go back to the head of the
 * queue, unsent acks are dropped (the partner sends again), a request
 * being answered is abandoned. */
void fo_upd_link(struct fo_upd *u, bool up, uint32_t peer_max_unacked);
/* Sends what the window allows (FO_SEND_UPDATES). */
void fo_upd_flush(struct fo_upd *u);
/* Entering normal: queues every lease of the failover pools whose update
 * the partner has not acknowledged (tstp > atsfp, a pending or
 * transitional state) and that is not queued or in flight already, as
 * ISC's dhcp_failover_generate_update_queue does.  This is how a lease
 * granted just before a restart, or read from another server's lease
 * file, reaches the partner.  Returns how many were queued. */
size_t fo_upd_queue_unacked(struct fo_upd *u);

/* A BNDUPD, BNDACK, UPDREQ, UPDREQALL or UPDDONE from the partner (other
 * types are ignored).  Byte strings in m are not kept. */
void fo_upd_recv(struct fo_upd *u, const struct fo_msg *m);

/* The pipeline's durable completion: changes through `through` are on
 * stable storage; the BNDACKs that waited for them go out. */
void fo_upd_durable(struct fo_upd *u, uint64_t through);

/* The state machine sent UPDREQ or UPDREQALL: the partner's UPDDONE will
 * produce FO_EV_UPDDONE. */
void fo_upd_requested(struct fo_upd *u);
/* The state machine says FO_SEND_UPDDONE: answer the last request. */
void fo_upd_send_upddone(struct fo_upd *u);

/* The BNDUPD for l, as ISC sends it (section 7.1; option order by the
 * codec): every record field with a failover option.  chaddr holds the
 * client-hardware-address value (htype, then the address) that m points
 * at; cid points into l.  Time and xid are left 0. */
void fo_upd_build(struct fo_msg *m, const struct lease *l, uint8_t chaddr[1 + LEASE_HW_MAX]);

/* A partner's BNDUPD moving one of our leases from cur to proposed
 * (binding states, enum lease_state). */
struct fo_transition {
	uint8_t my_state;	/* ours, enum fo_state */
	enum fo_role role;	/* ours */
	uint8_t cur;		/* our binding state; LEASE_FREE when we have no record */
	uint8_t proposed;	/* the update's binding status */
	int64_t end;		/* our lease's expiry */
	uint32_t tsfp;		/* the update's potential expiry, 0 when absent */
	int64_t now;		/* wall clock, seconds */
};

/* Whether we take the move: ISC dhcpd 4.4's binding-state transition
 * checks, the strict one in normal, the lenient one in every other state
 * of ours.  ISC refuses a move it does not take with reason 2
 * (fatal-conflict) and never rewrites it.  docs/failover.md, "Binding
 * updates". */
bool fo_transition_check(const struct fo_transition *t);

/* Updates queued or in flight, and the window. */
size_t fo_upd_queued(const struct fo_upd *u);
size_t fo_upd_in_flight(const struct fo_upd *u);
size_t fo_upd_acks_waiting(const struct fo_upd *u);
const struct fo_upd_stats *fo_upd_stats(const struct fo_upd *u);

#endif
