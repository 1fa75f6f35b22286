/* The failover state machine: ISC's transitions one by one, the state
 * sequences of the captures in shared/failover/captures/ replayed as event
 * lists (with their times and STOS values), a simulated pair, and the
 * invariants over random event sequences. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include "failover/state.h"
#include "fo_invariants.h"
#include "t.h"

static const struct fo_sm_conf PRI = {.role = FO_PRIMARY, .mclt = 60, .startup_wait = 15};
static const struct fo_sm_conf SEC = {.role = FO_SECONDARY, .mclt = 60, .startup_wait = 15};

#define EV(t, n, ...) ((struct fo_event){.type = (t), .now = (n), __VA_ARGS__})
#define START_LOST(n) EV(FO_EV_START, n, .store_intact = false)
#define START(n, st, stos) EV(FO_EV_START, n, .store_intact = true, .saved_state = (st), \
			      .saved_stos = (stos))
#define UP(n) EV(FO_EV_LINK_UP, n)
#define DOWN(n) EV(FO_EV_LINK_DOWN, n)
#define PEER(n, st) EV(FO_EV_PEER_STATE, n, .peer_state = (st))
#define PEER_SU(n, st) EV(FO_EV_PEER_STATE, n, .peer_state = (st), \
			  .peer_flags = FO_SERVER_FLAG_STARTUP)
#define UPDDONE(n) EV(FO_EV_UPDDONE, n)
#define ACKED(n) EV(FO_EV_UPDATES_ACKED, n)
#define TIMER(n, k) EV(FO_EV_TIMER, n, .timer = (k))
#define OPER_PD(n) EV(FO_EV_OPERATOR_PARTNER_DOWN, n)
#define STOP(n) EV(FO_EV_SHUTDOWN, n)

enum { S = FO_SEND_STATE, UQ = FO_SEND_UPDREQ, UA = FO_SEND_UPDREQALL, UD = FO_SEND_UPDDONE,
       UP_ = FO_SEND_UPDATES };

static struct fo_actions step(struct fo_sm *sm, struct fo_event ev)
{
	struct fo_actions a;
	fo_sm_step(sm, &ev, &a);
	return a;
}

/* One step of a replay: the event, then our state, what we send and our
 * STOS (0: not checked). */
struct row {
	struct fo_event ev;
	uint8_t state;
	unsigned send;
	uint32_t stos;
};

static void replay(const char *name, struct fo_sm *sm, const struct row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct fo_actions a = step(sm, rows[i].ev);
		bool ok = sm->state == rows[i].state && a.send == rows[i].send &&
			  (!rows[i].stos || sm->stos == rows[i].stos);
		if (!ok)
			fprintf(stderr, "%s row %zu: state %u send %#x stos %u, want %u %#x %u\n",
				name, i, sm->state, a.send, sm->stos, rows[i].state,
				rows[i].send, rows[i].stos);
		CHECK(ok);
	}
}
#define REPLAY(sm, rows) replay(__func__, sm, rows, sizeof rows / sizeof rows[0])

/* Brings a machine to normal with a live link, as after a clean start. */
static void to_normal(struct fo_sm *sm, const struct fo_sm_conf *c, uint32_t t)
{
	fo_sm_init(sm, c);
	step(sm, START(t, FO_ST_NORMAL, t - 100));
	step(sm, UP(t));
	step(sm, PEER(t, FO_ST_NORMAL));
}

/* ------------------------------------------------------------ captures */

/* isc-connect-normal: both lease files empty; STOS 1795424854; UPDDONE
 * +4.8 s; recover-done without the MCLT wait because both recover. */
TEST(capture_connect_normal_primary)
{
	enum { T = 1795424854 };
	static const struct row rows[] = {
		{START_LOST(T), FO_ST_STARTUP, 0, T},
		{UP(T + 1), FO_ST_STARTUP, S, T},		/* recover, STARTUP */
		{PEER_SU(T + 1, FO_ST_RECOVER), FO_ST_RECOVER, S | UA, T},
		{PEER(T + 1, FO_ST_RECOVER), FO_ST_RECOVER, UA, T},	/* the 2nd UPDREQALL */
		{UPDDONE(T + 5), FO_ST_RECOVER_DONE, S, T + 5},
		{ACKED(T + 5), FO_ST_RECOVER_DONE, UD, 0},
		{PEER(T + 5, FO_ST_RECOVER_DONE), FO_ST_NORMAL, S | UP_, T + 5},
	};
	struct fo_sm sm;
	fo_sm_init(&sm, &PRI);
	REPLAY(&sm, rows);
	CHECK(!sm.amnesic);
	CHECK(fo_sm_service(&sm, T + 5).serve && fo_sm_service(&sm, T + 5).balance);
}

TEST(capture_connect_normal_secondary)
{
	enum { T = 1795424854 };
	static const struct row rows[] = {
		{START_LOST(T), FO_ST_STARTUP, 0, T},
		{UP(T + 1), FO_ST_STARTUP, S, T},
		{PEER_SU(T + 1, FO_ST_RECOVER), FO_ST_RECOVER, S | UA, T},
		{PEER(T + 1, FO_ST_RECOVER), FO_ST_RECOVER, UA, T},
		{ACKED(T + 5), FO_ST_RECOVER, UD, T},
		{UPDDONE(T + 5), FO_ST_RECOVER_DONE, S, T + 5},
		{PEER(T + 5, FO_ST_RECOVER_DONE), FO_ST_NORMAL, S | UP_, T + 5},
		{PEER(T + 5, FO_ST_NORMAL), FO_ST_NORMAL, 0, T + 5},
	};
	struct fo_sm sm;
	fo_sm_init(&sm, &SEC);
	REPLAY(&sm, rows);
}

/* isc-takeover-kill, the secondary: primary killed -> communications-
 * interrupted, serving everyone; operator partner-down at 1795426050;
 * the primary returns (STATE normal STARTUP, then recover): stay, answer
 * its UPDREQALL, normal on its recover-done. */
TEST(capture_takeover_kill_secondary)
{
	enum { T = 1795425912, PD = 1795426050, BACK = 1795426153 };
	static const struct row rows[] = {
		{DOWN(PD - 70), FO_ST_COMM_INTERRUPTED, 0, PD - 70},
		{OPER_PD(PD), FO_ST_PARTNER_DOWN, 0, PD},
		{TIMER(PD + 60, FO_TIMER_MCLT), FO_ST_PARTNER_DOWN, 0, PD},
		{UP(BACK), FO_ST_PARTNER_DOWN, S, PD},
		{PEER_SU(BACK, FO_ST_NORMAL), FO_ST_PARTNER_DOWN, 0, PD},
		{PEER(BACK, FO_ST_RECOVER), FO_ST_PARTNER_DOWN, 0, PD},
		{ACKED(BACK + 5), FO_ST_PARTNER_DOWN, UD, PD},
		{PEER(BACK + 5, FO_ST_RECOVER_DONE), FO_ST_NORMAL, S | UP_, BACK + 5},
		{PEER(BACK + 5, FO_ST_NORMAL), FO_ST_NORMAL, 0, BACK + 5},
	};
	struct fo_sm sm;
	to_normal(&sm, &SEC, T);
	struct fo_actions a = step(&sm, DOWN(PD - 70));
	CHECK_EQ(sm.state, FO_ST_COMM_INTERRUPTED);
	CHECK(a.service.serve && !a.service.balance && !a.service.partner_addrs);
	to_normal(&sm, &SEC, T);
	REPLAY(&sm, rows);
}

/* Partner-down serves everyone at once but takes the partner's addresses
 * only from STOS + MCLT, and asks for a timer then. */
TEST(partner_down_waits_mclt_for_partner_addresses)
{
	enum { T = 1795425912, PD = 1795426050 };
	struct fo_sm sm;
	to_normal(&sm, &SEC, T);
	step(&sm, DOWN(PD - 70));
	struct fo_actions a = step(&sm, OPER_PD(PD));
	CHECK(a.service.serve && !a.service.balance && !a.service.partner_addrs);
	CHECK_EQ(a.timer[FO_TIMER_MCLT], PD + 60);
	a = step(&sm, TIMER(PD + 59, FO_TIMER_MCLT));	/* early: nothing */
	CHECK(!a.service.partner_addrs);
	CHECK_EQ(a.timer[FO_TIMER_MCLT], PD + 60);
	a = step(&sm, TIMER(PD + 60, FO_TIMER_MCLT));
	CHECK(a.service.partner_addrs);
	CHECK_EQ(a.timer[FO_TIMER_MCLT], 0);
	CHECK(!fo_sm_service(&sm, PD + 59).partner_addrs);
	/* STOS + MCLT past 2^32 (found by fuzz_fostate): not yet. */
	sm.stos = UINT32_MAX - 10;
	CHECK(!fo_sm_service(&sm, UINT32_MAX).partner_addrs);
}

/* isc-takeover-kill, the restarted primary: saved normal with its lease
 * file; STATE normal STARTUP, recover keeping the old STOS, UPDREQALL,
 * recover-done at UPDDONE without a wait, normal. */
TEST(capture_takeover_kill_primary)
{
	enum { OLD = 1795425912, BACK = 1795426153 };
	static const struct row rows[] = {
		{START(BACK, FO_ST_NORMAL, OLD), FO_ST_STARTUP, 0, OLD},
		{UP(BACK), FO_ST_STARTUP, S, OLD},
		{PEER(BACK, FO_ST_PARTNER_DOWN), FO_ST_RECOVER, S | UA, OLD},
		{UPDDONE(BACK + 5), FO_ST_RECOVER_DONE, S, BACK + 5},
		{PEER(BACK + 5, FO_ST_NORMAL), FO_ST_NORMAL, S | UP_, BACK + 5},
	};
	struct fo_sm sm;
	fo_sm_init(&sm, &PRI);
	REPLAY(&sm, rows);
}

/* isc-omapi-shutdown: the primary's saved state is recover from
 * 1795426210, restart at 1795426233, UPDDONE at +8 s.  ISC (and we, when
 * the journal says our leases were lost) waits in recover-wait until
 * STOS + MCLT = 1795426270; with an intact journal we do not wait. */
TEST(capture_omapi_shutdown_primary)
{
	enum { R = 1795426210, BACK = 1795426233 };
	static const struct row amnesic[] = {
		{EV(FO_EV_START, BACK, .store_intact = true, .saved_state = FO_ST_RECOVER,
		    .saved_stos = R, .saved_amnesic = true), FO_ST_STARTUP, 0, R},
		{UP(BACK), FO_ST_STARTUP, S, R},
		{PEER(BACK, FO_ST_COMM_INTERRUPTED), FO_ST_RECOVER, S | UA, R},
		{PEER(BACK, FO_ST_PARTNER_DOWN), FO_ST_RECOVER, UA, R},
		{UPDDONE(BACK + 8), FO_ST_RECOVER_WAIT, S, R},
		{TIMER(R + 59, FO_TIMER_MCLT), FO_ST_RECOVER_WAIT, 0, R},
		{PEER(R + 59, FO_ST_PARTNER_DOWN), FO_ST_RECOVER_WAIT, 0, R},
		{TIMER(R + 60, FO_TIMER_MCLT), FO_ST_RECOVER_DONE, S, R + 60},
		{PEER(R + 60, FO_ST_NORMAL), FO_ST_NORMAL, S | UP_, R + 60},
	};
	struct fo_sm sm;
	fo_sm_init(&sm, &PRI);
	REPLAY(&sm, amnesic);

	static const struct row intact[] = {
		{START(BACK, FO_ST_RECOVER, R), FO_ST_STARTUP, 0, R},
		{UP(BACK), FO_ST_STARTUP, S, R},
		{PEER(BACK, FO_ST_COMM_INTERRUPTED), FO_ST_RECOVER, S | UA, R},
		{PEER(BACK, FO_ST_PARTNER_DOWN), FO_ST_RECOVER, UA, R},
		{UPDDONE(BACK + 8), FO_ST_RECOVER_DONE, S, BACK + 8},
		{PEER(BACK + 8, FO_ST_NORMAL), FO_ST_NORMAL, S | UP_, BACK + 8},
	};
	fo_sm_init(&sm, &PRI);
	REPLAY(&sm, intact);
}

/* isc-omapi-shutdown, the secondary: the link drops (no STATE shutdown on
 * the wire) -> communications-interrupted with STOS 1795426210; the
 * primary comes back in recover -> partner-down at 1795426233. */
TEST(capture_omapi_shutdown_secondary)
{
	enum { R = 1795426210, BACK = 1795426233 };
	static const struct row rows[] = {
		{DOWN(R), FO_ST_COMM_INTERRUPTED, 0, R},
		{UP(BACK), FO_ST_COMM_INTERRUPTED, S, R},
		{PEER_SU(BACK, FO_ST_RECOVER), FO_ST_PARTNER_DOWN, S, BACK},
		{PEER(BACK, FO_ST_RECOVER), FO_ST_PARTNER_DOWN, 0, BACK},
		{ACKED(BACK + 8), FO_ST_PARTNER_DOWN, UD, BACK},
		{PEER(BACK + 8, FO_ST_RECOVER_WAIT), FO_ST_PARTNER_DOWN, 0, BACK},
		{PEER(R + 60, FO_ST_RECOVER_DONE), FO_ST_NORMAL, S | UP_, R + 60},
	};
	struct fo_sm sm;
	to_normal(&sm, &SEC, R - 500);
	REPLAY(&sm, rows);
}

/* isc-updreqall: the secondary restarted with an empty lease file at
 * 1795424904; the primary, communications-interrupted since 1795424902,
 * goes partner-down; the secondary waits in recover-wait until
 * 1795424964 (STOS + MCLT), then both normal. */
TEST(capture_updreqall)
{
	enum { T = 1795424904 };
	static const struct row sec[] = {
		{START_LOST(T), FO_ST_STARTUP, 0, T},
		{UP(T + 1), FO_ST_STARTUP, S, T},
		{PEER(T + 1, FO_ST_COMM_INTERRUPTED), FO_ST_RECOVER, S | UA, T},
		{PEER(T + 1, FO_ST_PARTNER_DOWN), FO_ST_RECOVER, UA, T},
		{UPDDONE(T + 7), FO_ST_RECOVER_WAIT, S, T},
		{TIMER(T + 60, FO_TIMER_MCLT), FO_ST_RECOVER_DONE, S, T + 60},
		{PEER(T + 60, FO_ST_NORMAL), FO_ST_NORMAL, S | UP_, T + 60},
	};
	struct fo_sm sm;
	fo_sm_init(&sm, &SEC);
	REPLAY(&sm, sec);

	static const struct row pri[] = {
		{DOWN(T - 2), FO_ST_COMM_INTERRUPTED, 0, T - 2},
		{UP(T + 1), FO_ST_COMM_INTERRUPTED, S, T - 2},
		{PEER_SU(T + 1, FO_ST_RECOVER), FO_ST_PARTNER_DOWN, S, T + 1},
		{PEER(T + 1, FO_ST_RECOVER), FO_ST_PARTNER_DOWN, 0, T + 1},
		{ACKED(T + 7), FO_ST_PARTNER_DOWN, UD, T + 1},
		{PEER(T + 7, FO_ST_RECOVER_WAIT), FO_ST_PARTNER_DOWN, 0, T + 1},
		{PEER(T + 60, FO_ST_RECOVER_DONE), FO_ST_NORMAL, S | UP_, T + 60},
	};
	to_normal(&sm, &PRI, T - 500);
	REPLAY(&sm, pri);
}

/* ------------------------------------------------------- single moves */

/* ISC's "disconnect": normal -> comm-interrupted, potential-conflict ->
 * resolution-interrupted, the rest stay. */
TEST(link_down)
{
	struct fo_sm sm;
	to_normal(&sm, &PRI, 1000);
	step(&sm, DOWN(1010));
	CHECK_EQ(sm.state, FO_ST_COMM_INTERRUPTED);
	CHECK_EQ(sm.stos, 1010);
	step(&sm, UP(1020));
	step(&sm, PEER(1020, FO_ST_PARTNER_DOWN));
	CHECK_EQ(sm.state, FO_ST_POTENTIAL_CONFLICT);
	step(&sm, DOWN(1030));
	CHECK_EQ(sm.state, FO_ST_RESOLUTION_INTERRUPTED);
	step(&sm, UP(1040));
	step(&sm, PEER(1040, FO_ST_POTENTIAL_CONFLICT));
	CHECK_EQ(sm.state, FO_ST_POTENTIAL_CONFLICT);

	static const uint8_t stay[] = {FO_ST_PARTNER_DOWN, FO_ST_RECOVER, FO_ST_RECOVER_WAIT,
				       FO_ST_RECOVER_DONE, FO_ST_PAUSED, FO_ST_SHUTDOWN,
				       FO_ST_CONFLICT_DONE, FO_ST_RESOLUTION_INTERRUPTED};
	for (size_t i = 0; i < sizeof stay; i++) {
		fo_sm_init(&sm, &PRI);
		step(&sm, START(5000, stay[i], 100));
		step(&sm, TIMER(5015, FO_TIMER_STARTUP));	/* the peer never came */
		uint8_t want = stay[i] == FO_ST_SHUTDOWN ? FO_ST_RECOVER : stay[i];
		if (want == FO_ST_RECOVER_WAIT)
			want = FO_ST_RECOVER_DONE;	/* its wait was long over */
		CHECK_EQ(sm.state, want);
		struct fo_actions a = step(&sm, DOWN(5020));
		CHECK(!a.changed);
		CHECK_EQ(sm.state, want);
	}
}

/* Startup: the STATE says the saved state with the STARTUP flag; after
 * startup_wait without the peer we go on alone (normal -> comm-int). */
TEST(startup_timeout)
{
	struct fo_sm sm;
	fo_sm_init(&sm, &PRI);
	struct fo_actions a = step(&sm, START(2000, FO_ST_NORMAL, 1500));
	CHECK_EQ(sm.state, FO_ST_STARTUP);
	CHECK(a.journal && !a.service.serve);
	CHECK_EQ(a.timer[FO_TIMER_STARTUP], 2015);
	uint8_t st, fl;
	uint32_t stos;
	fo_sm_wire_state(&sm, &st, &fl, &stos);
	CHECK(st == FO_ST_NORMAL && fl == FO_SERVER_FLAG_STARTUP && stos == 1500);
	step(&sm, TIMER(2014, FO_TIMER_STARTUP));
	CHECK_EQ(sm.state, FO_ST_STARTUP);
	a = step(&sm, TIMER(2015, FO_TIMER_STARTUP));
	CHECK_EQ(sm.state, FO_ST_COMM_INTERRUPTED);
	CHECK(a.service.serve);
	fo_sm_wire_state(&sm, &st, &fl, &stos);
	CHECK(st == FO_ST_COMM_INTERRUPTED && fl == 0);
}

/* Nothing runs before the start event, and start happens once. */
TEST(before_start)
{
	struct fo_sm sm;
	fo_sm_init(&sm, &PRI);
	struct fo_actions a = step(&sm, UP(10));
	CHECK(sm.state == 0 && !sm.link && a.send == 0 && !a.service.serve);
	step(&sm, OPER_PD(10));
	CHECK_EQ(sm.state, 0);
	step(&sm, START(20, FO_ST_PARTNER_DOWN, 5));
	step(&sm, START(30, FO_ST_NORMAL, 25));
	CHECK(sm.state == FO_ST_STARTUP && sm.resume == FO_ST_PARTNER_DOWN && sm.stos == 5);
}

/* The journal decides the wait: lost or emptied -> amnesic recover from
 * now; intact -> the saved state and STOS; shutdown resumes as recover. */
TEST(start_from_journal)
{
	struct fo_sm sm;
	fo_sm_init(&sm, &PRI);
	step(&sm, EV(FO_EV_START, 100, .store_intact = false, .saved_state = FO_ST_NORMAL,
		     .saved_stos = 50));
	CHECK(sm.resume == FO_ST_RECOVER && sm.stos == 100 && sm.amnesic);
	fo_sm_init(&sm, &PRI);
	step(&sm, START(100, 0, 0));	/* intact but no failover record */
	CHECK(sm.resume == FO_ST_RECOVER && sm.amnesic);
	fo_sm_init(&sm, &PRI);
	step(&sm, START(100, 77, 50));	/* no such state */
	CHECK(sm.resume == FO_ST_RECOVER && sm.amnesic);
	fo_sm_init(&sm, &PRI);
	step(&sm, START(100, FO_ST_SHUTDOWN, 50));
	CHECK(sm.resume == FO_ST_RECOVER && sm.stos == 50 && !sm.amnesic);
	uint8_t st;
	uint32_t stos;
	bool amn;
	fo_sm_saved(&sm, &st, &stos, &amn);
	CHECK(st == FO_ST_RECOVER && stos == 50 && !amn);
}

/* Normal's reactions to the peer (ISC peer_state_changed). */
TEST(normal_reacts)
{
	static const struct { uint8_t peer, want; bool invalid; } t[] = {
		{FO_ST_NORMAL, FO_ST_NORMAL, false},
		{FO_ST_COMM_INTERRUPTED, FO_ST_NORMAL, false},
		{FO_ST_PARTNER_DOWN, FO_ST_POTENTIAL_CONFLICT, false},
		{FO_ST_RECOVER, FO_ST_PARTNER_DOWN, false},
		{FO_ST_SHUTDOWN, FO_ST_PARTNER_DOWN, false},
		{FO_ST_PAUSED, FO_ST_COMM_INTERRUPTED, false},
		{FO_ST_POTENTIAL_CONFLICT, FO_ST_SHUTDOWN, true},
		{FO_ST_CONFLICT_DONE, FO_ST_SHUTDOWN, true},
		{FO_ST_RESOLUTION_INTERRUPTED, FO_ST_SHUTDOWN, true},
		{FO_ST_RECOVER_WAIT, FO_ST_NORMAL, false},
		{FO_ST_RECOVER_DONE, FO_ST_NORMAL, false},
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		struct fo_sm sm;
		to_normal(&sm, &PRI, 1000);
		struct fo_actions a = step(&sm, PEER(1001, t[i].peer));
		CHECK_EQ(sm.state, t[i].want);
		CHECK_EQ(a.peer_invalid, t[i].invalid);
	}
}

/* A graceful stop tells the peer (which goes partner-down at once). */
TEST(graceful_shutdown)
{
	struct fo_sm a, b;
	to_normal(&a, &PRI, 1000);
	to_normal(&b, &SEC, 1000);
	struct fo_actions act = step(&a, STOP(1100));
	CHECK(a.state == FO_ST_SHUTDOWN && (act.send & S) && !act.service.serve && act.journal);
	step(&b, PEER(1100, FO_ST_SHUTDOWN));
	CHECK_EQ(b.state, FO_ST_PARTNER_DOWN);
	CHECK_EQ(b.stos, 1100);
	/* Only from normal, as ISC. */
	struct fo_sm c;
	to_normal(&c, &PRI, 1000);
	step(&c, DOWN(1050));
	act = step(&c, STOP(1100));
	CHECK(c.state == FO_ST_COMM_INTERRUPTED && !act.changed);
}

/* The operator may declare partner-down only without a peer to ask. */
TEST(operator_partner_down)
{
	struct fo_sm sm;
	to_normal(&sm, &PRI, 1000);
	struct fo_actions a = step(&sm, OPER_PD(1010));
	CHECK(a.refused && sm.state == FO_ST_NORMAL);
	step(&sm, DOWN(1020));
	a = step(&sm, OPER_PD(1030));
	CHECK(!a.refused && sm.state == FO_ST_PARTNER_DOWN && sm.stos == 1030);
	a = step(&sm, OPER_PD(1040));
	CHECK(!a.refused && !a.changed && sm.stos == 1030);
	fo_sm_init(&sm, &PRI);
	step(&sm, START_LOST(1000));
	step(&sm, TIMER(1015, FO_TIMER_STARTUP));
	a = step(&sm, OPER_PD(1100));	/* an amnesic recover may not */
	CHECK(a.refused && sm.state == FO_ST_RECOVER);
}

/* auto-partner-down: armed on entering comm-interrupted, off otherwise. */
TEST(auto_partner_down)
{
	struct fo_sm_conf c = PRI;
	c.auto_partner_down = 300;
	struct fo_sm sm;
	to_normal(&sm, &c, 1000);
	struct fo_actions a = step(&sm, DOWN(1100));
	CHECK_EQ(a.timer[FO_TIMER_AUTO_PD], 1400);
	step(&sm, TIMER(1399, FO_TIMER_AUTO_PD));
	CHECK_EQ(sm.state, FO_ST_COMM_INTERRUPTED);
	a = step(&sm, TIMER(1400, FO_TIMER_AUTO_PD));
	CHECK(sm.state == FO_ST_PARTNER_DOWN && sm.stos == 1400);
	CHECK_EQ(a.timer[FO_TIMER_AUTO_PD], 0);
	CHECK_EQ(a.timer[FO_TIMER_MCLT], 1460);
	/* The link back before the timer: cancelled. */
	to_normal(&sm, &c, 1000);
	step(&sm, DOWN(1100));
	step(&sm, UP(1200));
	a = step(&sm, PEER(1200, FO_ST_COMM_INTERRUPTED));
	CHECK(sm.state == FO_ST_NORMAL && a.timer[FO_TIMER_AUTO_PD] == 0);
	step(&sm, TIMER(1400, FO_TIMER_AUTO_PD));
	CHECK_EQ(sm.state, FO_ST_NORMAL);
	/* Off by default. */
	to_normal(&sm, &PRI, 1000);
	a = step(&sm, DOWN(1100));
	CHECK_EQ(a.timer[FO_TIMER_AUTO_PD], 0);
}

/* Comm-interrupted and the peer back: normal (pending updates flow), or
 * partner-down for an amnesic peer, or potential-conflict. */
TEST(comm_interrupted_reacts)
{
	static const struct { uint8_t peer, want; } t[] = {
		{FO_ST_NORMAL, FO_ST_NORMAL}, {FO_ST_COMM_INTERRUPTED, FO_ST_NORMAL},
		{FO_ST_RECOVER_DONE, FO_ST_NORMAL}, {FO_ST_RECOVER_WAIT, FO_ST_NORMAL},
		{FO_ST_RECOVER, FO_ST_PARTNER_DOWN}, {FO_ST_SHUTDOWN, FO_ST_PARTNER_DOWN},
		{FO_ST_PARTNER_DOWN, FO_ST_POTENTIAL_CONFLICT},
		{FO_ST_POTENTIAL_CONFLICT, FO_ST_POTENTIAL_CONFLICT},
		{FO_ST_CONFLICT_DONE, FO_ST_POTENTIAL_CONFLICT},
		{FO_ST_RESOLUTION_INTERRUPTED, FO_ST_POTENTIAL_CONFLICT},
		{FO_ST_PAUSED, FO_ST_COMM_INTERRUPTED},
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		struct fo_sm sm;
		to_normal(&sm, &PRI, 1000);
		step(&sm, DOWN(1010));
		step(&sm, UP(1020));
		struct fo_actions a = step(&sm, PEER(1020, t[i].peer));
		CHECK_EQ(sm.state, t[i].want);
		if (t[i].want == FO_ST_NORMAL)
			CHECK(a.send & UP_);
	}
}

/* In partner-down a peer still in startup moves nothing; a peer in
 * normal or partner-down too means a conflict. */
TEST(partner_down_reacts)
{
	struct fo_sm sm;
	to_normal(&sm, &PRI, 1000);
	step(&sm, DOWN(1010));
	step(&sm, OPER_PD(1020));
	step(&sm, UP(1100));
	step(&sm, PEER_SU(1100, FO_ST_PARTNER_DOWN));
	CHECK_EQ(sm.state, FO_ST_PARTNER_DOWN);
	struct fo_actions a = step(&sm, PEER(1100, FO_ST_PARTNER_DOWN));
	CHECK_EQ(sm.state, FO_ST_POTENTIAL_CONFLICT);
	CHECK(a.send & UQ);	/* the primary asks first */
}

/* ------------------------------------------------------------- a pair */

/* Two machines joined by a perfect wire: what one sends is the other's
 * event; an UPDREQ(ALL) is answered at once (the backlog's part). */
struct pair {
	struct fo_sm m[2];
	uint32_t now;
};

static void deliver(struct pair *p, int from, const struct fo_actions *a, int depth);

static void feed(struct pair *p, int who, struct fo_event ev, int depth)
{
	struct fo_actions a;
	fo_sm_step(&p->m[who], &ev, &a);
	deliver(p, who, &a, depth + 1);
}

static void deliver(struct pair *p, int from, const struct fo_actions *a, int depth)
{
	int to = !from;
	if (depth > 50)
		return;
	if (a->send & FO_SEND_STATE) {
		uint8_t st, fl;
		uint32_t stos;
		fo_sm_wire_state(&p->m[from], &st, &fl, &stos);
		feed(p, to, EV(FO_EV_PEER_STATE, p->now, .peer_state = st, .peer_flags = fl,
			       .peer_stos = stos), depth);
	}
	if (a->send & (FO_SEND_UPDREQ | FO_SEND_UPDREQALL))
		feed(p, to, ACKED(p->now), depth);
	if (a->send & FO_SEND_UPDDONE)
		feed(p, to, UPDDONE(p->now), depth);
}

static void pair_connect(struct pair *p)
{
	feed(p, 0, UP(p->now), 0);
	feed(p, 1, UP(p->now), 0);
}

/* Both started with empty journals reach normal at once (ISC 4.4.3). */
TEST(pair_both_empty)
{
	struct pair p = {.now = 5000};
	fo_sm_init(&p.m[0], &PRI);
	fo_sm_init(&p.m[1], &SEC);
	feed(&p, 0, START_LOST(5000), 0);
	feed(&p, 1, START_LOST(5000), 0);
	pair_connect(&p);
	CHECK_EQ(p.m[0].state, FO_ST_NORMAL);
	CHECK_EQ(p.m[1].state, FO_ST_NORMAL);
}

/* One empty journal: the other goes partner-down, the empty one waits
 * out MCLT in recover-wait; with its journal intact it would not. */
TEST(pair_one_empty)
{
	struct pair p = {.now = 5000};
	to_normal(&p.m[0], &PRI, 4000);
	step(&p.m[0], DOWN(4500));
	fo_sm_init(&p.m[1], &SEC);
	feed(&p, 1, START_LOST(5000), 0);
	pair_connect(&p);
	CHECK_EQ(p.m[0].state, FO_ST_PARTNER_DOWN);
	CHECK_EQ(p.m[1].state, FO_ST_RECOVER_WAIT);
	CHECK_EQ(p.m[1].timer[FO_TIMER_MCLT], 5060);
	p.now = 5060;
	feed(&p, 1, TIMER(5060, FO_TIMER_MCLT), 0);
	CHECK_EQ(p.m[0].state, FO_ST_NORMAL);
	CHECK_EQ(p.m[1].state, FO_ST_NORMAL);

	/* The same restart with its journal: normal without the wait. */
	p.now = 5000;
	to_normal(&p.m[0], &PRI, 4000);
	step(&p.m[0], DOWN(4500));
	fo_sm_init(&p.m[1], &SEC);
	feed(&p, 1, START(5000, FO_ST_NORMAL, 4000), 0);
	pair_connect(&p);
	CHECK_EQ(p.m[0].state, FO_ST_NORMAL);
	CHECK_EQ(p.m[1].state, FO_ST_NORMAL);
}

/* Both partner-down (split brain) meet again: potential-conflict, the
 * primary's UPDREQ, conflict-done, the secondary's UPDREQ, both normal. */
TEST(pair_conflict_resolution)
{
	struct pair p = {.now = 7000};
	for (int i = 0; i < 2; i++) {
		to_normal(&p.m[i], i ? &SEC : &PRI, 6000);
		step(&p.m[i], DOWN(6100));
		step(&p.m[i], OPER_PD(6200));
	}
	pair_connect(&p);
	CHECK_EQ(p.m[0].state, FO_ST_NORMAL);
	CHECK_EQ(p.m[1].state, FO_ST_NORMAL);
}

/* -------------------------------------------------------- invariants */

static uint32_t rnd(uint64_t *s)
{
	*s = *s * 6364136223846793005ull + 1442695040888963407ull;
	return (uint32_t)(*s >> 33);
}

static const uint8_t any_state[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 254, 255};

static struct fo_event random_event(uint64_t *s, uint32_t *now)
{
	*now += rnd(s) % 4 == 0 ? rnd(s) % 200 : rnd(s) % 3;
	if (rnd(s) % 50 == 0)
		*now -= rnd(s) % 100;	/* the wall clock stepped back */
	struct fo_event ev = {.type = (enum fo_event_type)(1 + rnd(s) % 9), .now = *now};
	ev.saved_state = any_state[rnd(s) % sizeof any_state];
	ev.saved_stos = *now - rnd(s) % 500;
	ev.saved_amnesic = rnd(s) & 1;
	ev.store_intact = rnd(s) % 4 != 0;
	ev.peer_state = any_state[rnd(s) % sizeof any_state];
	ev.peer_flags = rnd(s) & 1;
	ev.timer = (enum fo_timer)(rnd(s) % FO_TIMER_COUNT);
	return ev;
}

TEST(random_sequences_keep_invariants)
{
	uint64_t seed = 20241123;
	int bad = 0, states_seen = 0;
	bool seen[256] = {false};
	for (int run = 0; run < 2000; run++) {
		struct fo_sm_conf c = run & 1 ? SEC : PRI;
		c.mclt = 1 + rnd(&seed) % 120;
		c.auto_partner_down = rnd(&seed) % 3 ? 0 : 1 + rnd(&seed) % 100;
		struct fo_sm sm;
		fo_sm_init(&sm, &c);
		uint32_t now = 1700000000 + rnd(&seed) % 1000;
		for (int i = 0; i < 200; i++) {
			struct fo_event ev = random_event(&seed, &now);
			uint32_t prev = sm.stos;
			bool started = sm.state != 0;
			struct fo_actions a;
			fo_sm_step(&sm, &ev, &a);
			const char *why = fo_invariant_broken(&sm, prev, started, &ev, &a);
			if (why && bad++ < 5)
				fprintf(stderr, "run %d step %d: %s (state %u stos %u, was %u)\n",
					run, i, why, sm.state, sm.stos, prev);
			if (!seen[sm.state])
				states_seen++;
			seen[sm.state] = true;
		}
	}
	CHECK_EQ(bad, 0);
	CHECK(states_seen >= 12);	/* the walk reaches (nearly) every state */
}

T_RUN(T_CASE(capture_connect_normal_primary), T_CASE(capture_connect_normal_secondary),
      T_CASE(capture_takeover_kill_secondary), T_CASE(partner_down_waits_mclt_for_partner_addresses),
      T_CASE(capture_takeover_kill_primary), T_CASE(capture_omapi_shutdown_primary),
      T_CASE(capture_omapi_shutdown_secondary), T_CASE(capture_updreqall), T_CASE(link_down),
      T_CASE(startup_timeout), T_CASE(before_start), T_CASE(start_from_journal),
      T_CASE(normal_reacts), T_CASE(graceful_shutdown), T_CASE(operator_partner_down),
      T_CASE(auto_partner_down), T_CASE(comm_interrupted_reacts), T_CASE(partner_down_reacts),
      T_CASE(pair_both_empty), T_CASE(pair_one_empty), T_CASE(pair_conflict_resolution),
      T_CASE(random_sequences_keep_invariants))
