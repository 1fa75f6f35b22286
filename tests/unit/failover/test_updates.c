/* The binding-update queues without the peer link: each side is a lease
 * table, a stand-in pipeline (apply and changed number the change) and a
 * list of the encoded messages it sent. */
#include <stdlib.h>
#include "t.h"
#include "core/lease.h"
#include "failover/updates.h"
#include "failover/wire.h"

#define IP(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))
#define A(x) IP(198, 18, 0, x)
#define NOW 1795424870
#define MAXOUT 4096
#define MSGCAP 600

struct out {
	size_t len;
	uint8_t b[MSGCAP];
};

struct side {
	struct lease_table *t;
	struct fo_upd *u;
	uint64_t seq;
	uint32_t xid;
	struct out *out;
	size_t nout, next;		/* sent, delivered */
	int ev_upddone, ev_acked;
	bool auto_done;			/* answer UPDATES_ACKED with UPDDONE */
	size_t applied;
	size_t changed, lazy;		/* changes made in place, and the lazy ones */
	uint8_t fo_state;		/* ours, for the transition checks */
};

static int s_send(void *arg, struct fo_msg *m, bool reply)
{
	struct side *s = arg;
	if (!reply)
		m->xid = ++s->xid;
	m->time = NOW;
	if (s->nout == MAXOUT)
		return -1;
	const char *why;
	size_t n = fo_encode(m, s->out[s->nout].b, MSGCAP, &why);
	if (!n)
		return -1;
	s->out[s->nout++].len = n;
	return 0;
}

static uint64_t s_apply(void *arg, const struct lease_rec *rec)
{
	struct side *s = arg;
	struct lease *l = lease_upsert(s->t, rec);
	if (!l)
		return 0;
	lease_set_seq(s->t, l, ++s->seq);
	s->applied++;
	/* The real pipeline tells its subscribers: this must not echo. */
	fo_upd_lease_changed(s->u, l, s->seq);
	return s->seq;
}

static void s_changed(void *arg, struct lease *l, bool lazy)
{
	struct side *s = arg;
	s->changed++;
	s->lazy += lazy;
	lease_set_seq(s->t, l, ++s->seq);
	fo_upd_lease_changed(s->u, l, s->seq);
}

static void s_event(void *arg, enum fo_event_type type)
{
	struct side *s = arg;
	if (type == FO_EV_UPDDONE)
		s->ev_upddone++;
	if (type == FO_EV_UPDATES_ACKED) {
		s->ev_acked++;
		if (s->auto_done)
			fo_upd_send_upddone(s->u);
	}
}

static void side_init(struct side *s, enum fo_role role, uint32_t max_unacked)
{
	memset(s, 0, sizeof *s);
	s->t = lease_table_new();
	uint32_t first = A(10), last = A(250);
	lease_table_set_pools(s->t, &first, &last, 1);
	s->out = calloc(MAXOUT, sizeof *s->out);
	struct fo_upd_conf c = { .role = role, .max_unacked = max_unacked };
	struct fo_upd_ops ops = { .send = s_send, .apply = s_apply, .changed = s_changed,
				  .event = s_event };
	s->u = fo_upd_new(s->t, &c, &ops, s);
	s->auto_done = true;
}

static uint8_t s_state(void *arg)
{
	return ((struct side *)arg)->fo_state;
}

static int64_t s_now(void *arg)
{
	(void)arg;
	return NOW;
}

/* A side that knows its failover state and the time, so the partner's
 * updates go through the transition checks. */
static void side_init_checked(struct side *s, enum fo_role role, uint8_t state)
{
	side_init(s, role, 10);
	fo_upd_free(s->u);
	struct fo_upd_conf c = { .role = role, .max_unacked = 10 };
	struct fo_upd_ops ops = { .send = s_send, .apply = s_apply, .changed = s_changed,
				  .event = s_event, .my_state = s_state, .now = s_now };
	s->u = fo_upd_new(s->t, &c, &ops, s);
	s->fo_state = state;
}

static void side_free(struct side *s)
{
	fo_upd_free(s->u);
	lease_table_free(s->t);
	free(s->out);
}

/* Our own change: stored, numbered, told to the queue. */
static struct lease *change(struct side *s, uint32_t addr, uint8_t state, uint8_t mac,
			    int64_t cltt)
{
	struct lease_rec r = { .addr = addr, .state = state, .htype = 1, .hlen = 6,
			       .hw = { 2, 0x41, 0, 0, 0, mac }, .start = cltt, .cltt = cltt,
			       .end = cltt + 3600, .tstp = cltt + 5400 };
	if (state == LEASE_FREE || state == LEASE_BACKUP)
		r.hlen = 0, r.htype = 0, memset(r.hw, 0, sizeof r.hw);
	struct lease *l = lease_upsert(s->t, &r);
	lease_set_seq(s->t, l, ++s->seq);
	fo_upd_lease_changed(s->u, l, s->seq);
	return l;
}

static bool decode(const struct side *s, size_t i, struct fo_msg *m)
{
	const char *why;
	return fo_decode(m, s->out[i].b, s->out[i].len, &why) == 0;
}

/* Delivers what from sent and to has not seen yet; returns how many. */
static size_t deliver(struct side *from, struct side *to)
{
	size_t n = 0;
	while (from->next < from->nout) {
		struct fo_msg m;
		if (decode(from, from->next++, &m))
			fo_upd_recv(to->u, &m);
		n++;
	}
	return n;
}

static void ack(struct side *s, uint32_t xid, uint32_t addr, uint8_t reason,
		bool with_pot, uint32_t pot)
{
	struct fo_msg m;
	fo_msg_init(&m, FO_BNDACK, NOW, xid);
	m.assigned_ip = addr;
	fo_set(&m, FO_OPT_ASSIGNED_IP);
	if (reason) {
		m.reject_reason = reason;
		fo_set(&m, FO_OPT_REJECT_REASON);
	}
	if (with_pot) {
		m.potential_expiry = pot;
		fo_set(&m, FO_OPT_POTENTIAL_EXPIRY);
	}
	fo_upd_recv(s->u, &m);
}

TEST(max_unacked_respected)
{
	struct side s;
	side_init(&s, FO_PRIMARY, 10);
	for (int i = 0; i < 10; i++)
		change(&s, A(20 + i), LEASE_ACTIVE, (uint8_t)i, NOW);
	CHECK_EQ(s.nout, 0);			/* no link yet */
	CHECK_EQ(fo_upd_queued(s.u), 10);
	fo_upd_link(s.u, true, 3);		/* the peer's max-unacked */
	CHECK_EQ(s.nout, 3);
	CHECK_EQ(fo_upd_in_flight(s.u), 3);
	CHECK_EQ(fo_upd_queued(s.u), 7);
	struct fo_msg m;
	CHECK(decode(&s, 1, &m) && m.type == FO_BNDUPD && m.assigned_ip == A(21));
	ack(&s, m.xid, m.assigned_ip, 0, false, 0);
	CHECK_EQ(s.nout, 4);
	CHECK_EQ(fo_upd_in_flight(s.u), 3);
	CHECK(decode(&s, 3, &m) && m.assigned_ip == A(23));	/* in order */
	/* Link lost: the three in flight go back first, in order. */
	fo_upd_link(s.u, false, 0);
	CHECK_EQ(fo_upd_in_flight(s.u), 0);
	CHECK_EQ(fo_upd_queued(s.u), 9);
	fo_upd_link(s.u, true, 0);		/* ours: 10 */
	CHECK_EQ(s.nout, 4 + 9);
	uint32_t want[] = { A(20), A(22), A(23), A(24) };
	for (size_t i = 0; i < 4; i++)
		CHECK(decode(&s, 4 + i, &m) && m.assigned_ip == want[i]);
	side_free(&s);
}

TEST(coalescing)
{
	struct side s;
	side_init(&s, FO_PRIMARY, 10);
	fo_upd_link(s.u, true, 1);
	change(&s, A(20), LEASE_ACTIVE, 1, NOW);
	change(&s, A(21), LEASE_ACTIVE, 2, NOW);
	change(&s, A(21), LEASE_ACTIVE, 2, NOW + 5);
	change(&s, A(21), LEASE_ACTIVE, 2, NOW + 9);
	CHECK_EQ(s.nout, 1);
	CHECK_EQ(fo_upd_queued(s.u), 1);
	struct fo_msg m;
	CHECK(decode(&s, 0, &m));
	ack(&s, m.xid, A(20), 0, false, 0);
	CHECK_EQ(s.nout, 2);
	CHECK(decode(&s, 1, &m) && m.assigned_ip == A(21) && m.cltt == NOW + 9);
	ack(&s, m.xid, A(21), 0, false, 0);
	CHECK_EQ(s.nout, 2);			/* sent once, as it is now */
	CHECK_EQ(fo_upd_stats(s.u)->sent, 2);
	side_free(&s);
}

TEST(ack_sets_tsfp_and_clears_pending)
{
	struct side s;
	side_init(&s, FO_PRIMARY, 10);
	fo_upd_link(s.u, true, 10);
	struct lease *l = change(&s, A(30), LEASE_ACTIVE, 3, NOW);
	struct fo_msg m;
	CHECK(decode(&s, 0, &m) && m.potential_expiry == NOW + 5400);
	CHECK_EQ(l->tsfp, 0);
	size_t before = s.changed;
	ack(&s, m.xid, A(30), 0, false, 0);
	CHECK_EQ(l->tsfp, NOW + 5400);
	CHECK_EQ(l->atsfp, NOW + 5400);
	/* The ack's change is committed, but need not force a sync. */
	CHECK_EQ(s.changed, before + 1);
	CHECK_EQ(s.lazy, 1);
	CHECK_EQ(fo_upd_stats(s.u)->acked, 1);
	/* A released lease waits for the ack (nobody's meanwhile), then is
	 * FREE; an ack with a potential expiry sets that one (ISC). */
	l = change(&s, A(31), LEASE_RELEASED, 4, NOW);
	CHECK_EQ(l->pending_state, LEASE_RELEASED);
	CHECK_EQ(s.lazy, 1);			/* marking it pending is not lazy */
	CHECK(decode(&s, 1, &m) && m.binding_status == FO_BIND_RELEASED);
	ack(&s, m.xid, A(31), 0, true, NOW + 77);
	CHECK_EQ(l->pending_state, 0);
	CHECK_EQ(l->state, LEASE_FREE);
	CHECK_EQ(l->tsfp, NOW + 77);
	/* An ack of no update in flight changes nothing. */
	ack(&s, 999, A(31), 0, false, 0);
	CHECK_EQ(fo_upd_stats(s.u)->stray_acks, 1);
	CHECK_EQ(s.nout, 2);			/* our own changes were not echoed */
	side_free(&s);
}

TEST(reject_counted)
{
	struct side s;
	side_init(&s, FO_PRIMARY, 10);
	fo_upd_link(s.u, true, 10);
	struct lease *l = change(&s, A(40), LEASE_EXPIRED, 0, NOW);
	struct fo_msg m;
	CHECK(decode(&s, 0, &m));
	ack(&s, m.xid, A(40), FO_REJ_LESS_CRIT_BIND_INFO, false, 0);
	const struct fo_upd_stats *st = fo_upd_stats(s.u);
	CHECK_EQ(st->rejected, 1);
	CHECK_EQ(st->acked, 0);
	CHECK_EQ(st->last_reject, FO_REJ_LESS_CRIT_BIND_INFO);
	CHECK_EQ(l->tsfp, 0);			/* not acked */
	CHECK_EQ(l->pending_state, LEASE_EXPIRED);
	CHECK_EQ(l->state, LEASE_EXPIRED);
	CHECK_EQ(fo_upd_in_flight(s.u), 0);
	side_free(&s);
}

static void bndupd(struct fo_msg *m, uint32_t xid, uint32_t addr, uint8_t status)
{
	static const uint8_t ch[] = { 1, 2, 0x41, 0, 0, 0, 9 };
	fo_msg_init(m, FO_BNDUPD, NOW, xid);
	m->assigned_ip = addr;
	m->binding_status = status;
	m->chaddr = (struct fo_bytes){ ch, sizeof ch };
	m->lease_expiry = NOW + 60;
	m->potential_expiry = NOW + 3600;
	m->stos = NOW;
	m->cltt = NOW;
	m->present = 1u << FO_OPT_ASSIGNED_IP | 1u << FO_OPT_BINDING_STATUS | 1u << FO_OPT_CHADDR |
		     1u << FO_OPT_LEASE_EXPIRY | 1u << FO_OPT_POTENTIAL_EXPIRY | 1u << FO_OPT_STOS |
		     1u << FO_OPT_CLTT;
}

TEST(inbound_acked_after_durable)
{
	struct side s;
	side_init(&s, FO_SECONDARY, 10);
	fo_upd_link(s.u, true, 10);
	struct fo_msg m, r;
	bndupd(&m, 0x4004, A(50), FO_BIND_ACTIVE);
	fo_upd_recv(s.u, &m);
	struct lease *l = lease_find(s.t, A(50));
	CHECK(l && l->state == LEASE_ACTIVE && l->end == NOW + 60 && l->hw[5] == 9);
	CHECK(l && l->tsfp == NOW + 3600 && l->atsfp == NOW + 3600);
	CHECK_EQ(s.nout, 0);			/* not durable yet */
	CHECK_EQ(fo_upd_acks_waiting(s.u), 1);
	fo_upd_durable(s.u, s.seq - 1);
	CHECK_EQ(s.nout, 0);
	fo_upd_durable(s.u, s.seq);
	CHECK_EQ(s.nout, 1);
	CHECK(decode(&s, 0, &r) && r.type == FO_BNDACK && r.xid == 0x4004 &&
	      r.assigned_ip == A(50) && !fo_has(&r, FO_OPT_REJECT_REASON));
	CHECK_EQ(s.out[0].len, 20);		/* address only, as in the captures */

	/* Malformed: refused at once, never applied. */
	size_t applied = s.applied;
	bndupd(&m, 7, A(51), FO_BIND_ACTIVE);
	m.present &= ~(1u << FO_OPT_ASSIGNED_IP);
	fo_upd_recv(s.u, &m);
	CHECK(decode(&s, 1, &r) && r.reject_reason == FO_REJ_MISSING_BINDINFO && r.xid == 7);
	bndupd(&m, 8, IP(10, 0, 0, 1), FO_BIND_ACTIVE);	/* outside the pools */
	fo_upd_recv(s.u, &m);
	CHECK(decode(&s, 2, &r) && r.reject_reason == FO_REJ_ILLEGAL_IP_ADDR);
	bndupd(&m, 9, A(52), FO_BIND_ACTIVE);
	m.present &= ~(1u << FO_OPT_CHADDR);
	fo_upd_recv(s.u, &m);
	CHECK(decode(&s, 3, &r) && r.reject_reason == FO_REJ_MISSING_BINDINFO);
	bndupd(&m, 10, A(53), FO_BIND_ABANDONED);
	fo_upd_recv(s.u, &m);
	CHECK(decode(&s, 4, &r) && r.reject_reason == FO_REJ_MISC);
	CHECK_EQ(s.applied, applied);
	CHECK(!lease_find(s.t, A(51)) && !lease_find(s.t, A(52)) && !lease_find(s.t, A(53)));
	CHECK_EQ(fo_upd_stats(s.u)->refused, 4);

	/* EXPIRED from the partner is stored as FREE (ISC). */
	bndupd(&m, 11, A(50), FO_BIND_EXPIRED);
	fo_upd_recv(s.u, &m);
	CHECK(l->state == LEASE_FREE);
	CHECK_EQ(s.nout, 5);
	fo_upd_durable(s.u, s.seq);
	CHECK_EQ(s.nout, 6);
	side_free(&s);
}

/* The moves of a partner's update ISC refuses; every other move between
 * the seven binding states is taken.  EARLY: only while the update's
 * potential expiry is still ahead (FREE, BACKUP) or our lease runs more
 * than 65 s yet (EXPIRED). */
enum { ALWAYS = 1, EARLY };

struct refusal {
	bool normal;		/* in normal, else in any other state */
	int role;		/* ours; -1: either */
	uint8_t cur, proposed, when;
};

static const struct refusal refusals[] = {
	/* Normal: the secondary ends our active lease only by RELEASED or
	 * ABANDONED; the primary frees one only after its expiry. */
	{ true, FO_PRIMARY, LEASE_ACTIVE, LEASE_FREE, ALWAYS },
	{ true, FO_PRIMARY, LEASE_ACTIVE, LEASE_EXPIRED, ALWAYS },
	{ true, FO_PRIMARY, LEASE_ACTIVE, LEASE_RESET, ALWAYS },
	{ true, FO_PRIMARY, LEASE_ACTIVE, LEASE_BACKUP, ALWAYS },
	{ true, FO_SECONDARY, LEASE_ACTIVE, LEASE_FREE, EARLY },
	{ true, FO_SECONDARY, LEASE_ACTIVE, LEASE_BACKUP, EARLY },
	{ true, FO_SECONDARY, LEASE_ACTIVE, LEASE_EXPIRED, EARLY },
	{ true, -1, LEASE_EXPIRED, LEASE_FREE, EARLY },
	{ true, -1, LEASE_EXPIRED, LEASE_BACKUP, EARLY },
	{ true, -1, LEASE_RESET, LEASE_FREE, EARLY },
	{ true, -1, LEASE_RESET, LEASE_BACKUP, EARLY },
	/* Any other state: only an active lease is defended. */
	{ false, -1, LEASE_ACTIVE, LEASE_FREE, ALWAYS },
	{ false, -1, LEASE_ACTIVE, LEASE_BACKUP, ALWAYS },
	{ false, -1, LEASE_ACTIVE, LEASE_EXPIRED, EARLY },
};

static uint8_t refused_when(bool normal, enum fo_role role, uint8_t cur, uint8_t proposed)
{
	for (size_t i = 0; i < sizeof refusals / sizeof *refusals; i++) {
		const struct refusal *r = &refusals[i];
		if (r->normal == normal && (r->role < 0 || r->role == (int)role) &&
		    r->cur == cur && r->proposed == proposed)
			return r->when;
	}
	return 0;
}

static const uint8_t all_states[] = {
	FO_ST_STARTUP, FO_ST_NORMAL, FO_ST_COMM_INTERRUPTED, FO_ST_PARTNER_DOWN,
	FO_ST_POTENTIAL_CONFLICT, FO_ST_RECOVER, FO_ST_PAUSED, FO_ST_SHUTDOWN,
	FO_ST_RECOVER_DONE, FO_ST_RESOLUTION_INTERRUPTED, FO_ST_CONFLICT_DONE,
	FO_ST_RECOVER_WAIT,
};

/* One move, early (tsfp a second ahead, our expiry 66 s ahead) or just
 * not (tsfp now, expiry 65 s ahead), against the table. */
static bool move_as_table(uint8_t state, enum fo_role role, uint8_t cur, uint8_t to, bool early)
{
	struct fo_transition t = {
		.my_state = state, .role = role, .cur = cur, .proposed = to, .now = NOW,
		.end = early ? NOW + 66 : NOW + 65, .tsfp = early ? NOW + 1 : NOW,
	};
	uint8_t when = refused_when(state == FO_ST_NORMAL, role, cur, to);
	bool want = !(when == ALWAYS || (when == EARLY && early));
	if (fo_transition_check(&t) == want)
		return true;
	fprintf(stderr, "state %u role %d: %s to %s (%s) should be %s\n", state, role,
		lease_state_name(cur), lease_state_name(to), early ? "early" : "late",
		want ? "taken" : "refused");
	return false;
}

TEST(transition_table)
{
	size_t n = 0, bad = 0;
	for (size_t i = 0; i < sizeof all_states; i++)
		for (int role = FO_PRIMARY; role <= FO_SECONDARY; role++)
			for (uint8_t cur = LEASE_FREE; cur <= LEASE_BACKUP; cur++)
				for (uint8_t to = LEASE_FREE; to <= LEASE_BACKUP; to++, n += 2)
					bad += !move_as_table(all_states[i], (enum fo_role)role,
							      cur, to, false) +
					       !move_as_table(all_states[i], (enum fo_role)role,
							      cur, to, true);
	CHECK_EQ(n, 12 * 2 * 7 * 7 * 2);
	CHECK_EQ(bad, 0);
}

/* Which time each early refusal looks at. */
TEST(transition_times)
{
	struct fo_transition t = {
		.my_state = FO_ST_NORMAL, .role = FO_SECONDARY, .cur = LEASE_ACTIVE,
		.proposed = LEASE_FREE, .now = NOW, .end = NOW + 9999, .tsfp = NOW,
	};
	CHECK(fo_transition_check(&t));		/* FREE: the update's tsfp, not our end */
	t.tsfp = 0;				/* no potential expiry sent */
	CHECK(fo_transition_check(&t));
	t.proposed = LEASE_EXPIRED;		/* EXPIRED: our end, not the tsfp */
	t.tsfp = NOW + 9999;
	t.end = NOW + 65;
	CHECK(fo_transition_check(&t));
	t.end = NOW + 66;
	CHECK(!fo_transition_check(&t));
	t.my_state = FO_ST_PARTNER_DOWN;
	CHECK(!fo_transition_check(&t));
	t.end = 0;				/* no expiry known */
	CHECK(fo_transition_check(&t));
	t.my_state = FO_ST_NORMAL;
	t.role = FO_PRIMARY;			/* the secondary: however late */
	CHECK(!fo_transition_check(&t));
	t.proposed = LEASE_FREE;
	t.tsfp = 0;
	CHECK(!fo_transition_check(&t));
}

static bool bndack_refused(const struct side *s, size_t i, uint32_t xid, uint32_t addr,
			   const char *text)
{
	struct fo_msg r;
	return decode(s, i, &r) && r.type == FO_BNDACK && r.xid == xid && r.assigned_ip == addr &&
	       fo_has(&r, FO_OPT_REJECT_REASON) && r.reject_reason == FO_REJ_FATAL_CONFLICT &&
	       fo_has(&r, FO_OPT_MESSAGE) && r.message.len == strlen(text) &&
	       memcmp(r.message.p, text, r.message.len) == 0;
}

TEST(transition_refused_in_normal)
{
	struct side s;
	side_init_checked(&s, FO_PRIMARY, FO_ST_NORMAL);
	fo_upd_link(s.u, true, 10);
	struct lease *l = change(&s, A(60), LEASE_ACTIVE, 6, NOW);
	struct fo_msg m;
	CHECK(decode(&s, 0, &m));
	ack(&s, m.xid, A(60), 0, false, 0);
	struct lease_rec was = l->rec;
	uint64_t seq = l->seq;
	/* The secondary frees our active lease: refused at once, as ISC. */
	bndupd(&m, 0x51, A(60), FO_BIND_FREE);
	fo_upd_recv(s.u, &m);
	CHECK_EQ(s.nout, 2);
	CHECK(bndack_refused(&s, 1, 0x51, A(60), "198.18.0.60: invalid state transition: active to free"));
	CHECK(l->state == was.state && l->end == was.end && l->tsfp == was.tsfp &&
	      l->hw[5] == 6 && l->seq == seq);
	CHECK_EQ(s.applied, 0);
	CHECK_EQ(fo_upd_acks_waiting(s.u), 0);
	CHECK_EQ(fo_upd_queued(s.u) + fo_upd_in_flight(s.u), 0);
	const struct fo_upd_stats *st = fo_upd_stats(s.u);
	CHECK(st->refused == 1 && st->bad_transitions == 1 && st->applied == 0);
	CHECK_EQ(st->last_refusal, FO_REJ_FATAL_CONFLICT);
	/* Its client released it there: taken, stored as FREE. */
	bndupd(&m, 0x52, A(60), FO_BIND_RELEASED);
	fo_upd_recv(s.u, &m);
	CHECK(l->state == LEASE_FREE && st->applied == 1);

	/* In potential-conflict only an early EXPIRED or a FREE is refused. */
	s.fo_state = FO_ST_POTENTIAL_CONFLICT;
	l = change(&s, A(61), LEASE_ACTIVE, 7, NOW);
	CHECK(decode(&s, 2, &m) && m.assigned_ip == A(61));
	ack(&s, m.xid, A(61), 0, false, 0);
	bndupd(&m, 0x53, A(61), FO_BIND_EXPIRED);
	fo_upd_recv(s.u, &m);
	CHECK(bndack_refused(&s, 3, 0x53, A(61), "198.18.0.61: invalid state transition: active to expired"));
	CHECK_EQ(l->state, LEASE_ACTIVE);
	bndupd(&m, 0x54, A(61), FO_BIND_RESET);
	fo_upd_recv(s.u, &m);
	CHECK(l->state == LEASE_FREE && st->applied == 2 && st->bad_transitions == 2);
	side_free(&s);
}

/* A dueling update the primary would win but may not make: refused, and
 * ours keeps its place (its ack counts). */
TEST(transition_refused_in_duel)
{
	struct side s;
	side_init_checked(&s, FO_SECONDARY, FO_ST_NORMAL);
	fo_upd_link(s.u, true, 10);
	struct lease *l = change(&s, A(70), LEASE_ACTIVE, 7, NOW);
	struct fo_msg ours, m;
	CHECK(decode(&s, 0, &ours));
	bndupd(&m, 0x61, A(70), FO_BIND_FREE);	/* its potential expiry is ahead */
	fo_upd_recv(s.u, &m);
	CHECK(bndack_refused(&s, 1, 0x61, A(70), "198.18.0.70: invalid state transition: active to free"));
	const struct fo_upd_stats *st = fo_upd_stats(s.u);
	CHECK(st->conflicts_lost == 0 && st->conflicts_won == 0 && st->bad_transitions == 1);
	CHECK_EQ(l->state, LEASE_ACTIVE);
	ack(&s, ours.xid, A(70), 0, false, 0);
	CHECK_EQ(st->acked, 1);
	CHECK_EQ(l->tsfp, NOW + 5400);
	/* Once that potential expiry has passed the primary may free it. */
	bndupd(&m, 0x62, A(70), FO_BIND_FREE);
	m.potential_expiry = NOW;
	fo_upd_recv(s.u, &m);
	CHECK(l->state == LEASE_FREE && st->applied == 1);
	side_free(&s);
}

TEST(updreqall_in_order_then_upddone)
{
	enum { N = 25 };
	struct side s;
	side_init(&s, FO_PRIMARY, 10);
	for (int i = 0; i < N; i++)		/* change order differs from address order */
		change(&s, A(10 + (i * 7) % N), LEASE_ACTIVE, (uint8_t)i, NOW);
	change(&s, IP(10, 0, 0, 5), LEASE_ACTIVE, 99, NOW);	/* not failover's */
	fo_upd_link(s.u, false, 0);
	CHECK_EQ(fo_upd_queued(s.u), N);	/* link never up: all waiting */
	side_free(&s);

	side_init(&s, FO_PRIMARY, 10);
	fo_upd_link(s.u, true, 4);
	for (int i = 0; i < N; i++)
		change(&s, A(10 + (i * 7) % N), LEASE_ACTIVE, (uint8_t)i, NOW);
	/* Ack everything as it comes, then ask for all. */
	for (size_t i = 0; i < s.nout; i++) {
		struct fo_msg m;
		if (decode(&s, i, &m))
			ack(&s, m.xid, m.assigned_ip, 0, false, 0);
	}
	CHECK_EQ(fo_upd_in_flight(s.u), 0);
	size_t base = s.nout;
	struct fo_msg req;
	fo_msg_init(&req, FO_UPDREQALL, NOW, 0x77);
	fo_upd_recv(s.u, &req);
	CHECK_EQ(s.nout - base, 4);
	size_t seen = 0;
	for (size_t i = base; i < s.nout && seen < 100; i++, seen++) {
		struct fo_msg m;
		CHECK(decode(&s, i, &m));
		if (m.type == FO_UPDDONE) {
			CHECK_EQ(i, s.nout - 1);
			CHECK_EQ(m.xid, 0x77);
			break;
		}
		CHECK_EQ(m.type, FO_BNDUPD);
		CHECK_EQ(m.assigned_ip, A(10 + ((int)(i - base) * 7) % N));	/* change order */
		CHECK(fo_upd_in_flight(s.u) <= 4);
		ack(&s, m.xid, m.assigned_ip, 0, false, 0);
	}
	CHECK_EQ(seen, N);
	CHECK_EQ(s.ev_acked, 1);
	struct fo_msg last;
	CHECK(decode(&s, s.nout - 1, &last) && last.type == FO_UPDDONE);

	/* UPDREQ: only what the partner has not acked (none now). */
	base = s.nout;
	fo_msg_init(&req, FO_UPDREQ, NOW, 0x78);
	fo_upd_recv(s.u, &req);
	CHECK_EQ(s.nout - base, 1);
	CHECK(decode(&s, base, &last) && last.type == FO_UPDDONE && last.xid == 0x78);
	side_free(&s);
}

static bool same_leases(const struct side *a, const struct side *b)
{
	size_t n = 0;
	for (struct lease *l = lease_next(a->t, NULL); l; l = lease_next(a->t, l), n++) {
		struct lease *o = lease_find(b->t, l->addr);
		if (!o || o->state != l->state || o->hlen != l->hlen ||
		    memcmp(o->hw, l->hw, l->hlen) || o->cid_len != l->cid_len ||
		    o->end != l->end || o->start != l->start || o->cltt != l->cltt ||
		    o->pending_state || l->pending_state) {
			fprintf(stderr, "lease %08x differs\n", l->addr);
			return false;
		}
	}
	return n == lease_count(b->t);
}

static void run_pair(struct side *a, struct side *b)
{
	for (int round = 0; round < 1000; round++) {
		size_t n = deliver(a, b) + deliver(b, a);
		fo_upd_durable(a->u, a->seq);
		fo_upd_durable(b->u, b->seq);
		if (!n && a->next == a->nout && b->next == b->nout)
			break;
	}
}

TEST(pair_converges)
{
	struct side a, b;
	side_init(&a, FO_PRIMARY, 5);
	side_init(&b, FO_SECONDARY, 5);
	fo_upd_link(a.u, true, 5);
	fo_upd_link(b.u, true, 5);
	for (int i = 0; i < 20; i++) {
		change(&a, A(20 + i), LEASE_ACTIVE, (uint8_t)i, NOW + i);
		change(&b, A(60 + i), LEASE_ACTIVE, (uint8_t)(100 + i), NOW + i);
	}
	/* Dueling updates: the later CLTT wins, then the primary's. */
	change(&a, A(100), LEASE_ACTIVE, 1, NOW + 100);
	change(&b, A(100), LEASE_ACTIVE, 2, NOW + 200);
	change(&a, A(101), LEASE_ACTIVE, 3, NOW + 50);
	change(&b, A(101), LEASE_ACTIVE, 4, NOW + 50);
	change(&a, A(102), LEASE_RELEASED, 5, NOW);
	run_pair(&a, &b);
	CHECK(same_leases(&a, &b));
	CHECK(lease_find(a.t, A(100))->hw[5] == 2);	/* B's later CLTT */
	CHECK(lease_find(b.t, A(101))->hw[5] == 3);	/* tie: the primary's */
	CHECK(lease_find(a.t, A(102))->state == LEASE_FREE);
	CHECK(fo_upd_stats(a.u)->conflicts_won + fo_upd_stats(b.u)->conflicts_won >= 1);
	CHECK_EQ(fo_upd_queued(a.u) + fo_upd_in_flight(a.u), 0);
	CHECK_EQ(fo_upd_queued(b.u) + fo_upd_in_flight(b.u), 0);

	/* B loses its leases and asks for all: UPDDONE reaches its machine. */
	struct side c;
	side_init(&c, FO_SECONDARY, 5);
	fo_upd_link(c.u, true, 5);
	fo_upd_link(a.u, false, 0);
	fo_upd_link(a.u, true, 5);
	a.next = a.nout;
	fo_upd_requested(c.u);
	struct fo_msg req;
	fo_msg_init(&req, FO_UPDREQALL, NOW, 0x100);
	fo_upd_recv(a.u, &req);
	run_pair(&a, &c);
	CHECK_EQ(c.ev_upddone, 1);
	CHECK_EQ(a.ev_acked, 1);
	CHECK(same_leases(&a, &c));
	side_free(&a);
	side_free(&b);
	side_free(&c);
}

static size_t unhex(const char *s, uint8_t *out)
{
	size_t n = 0;
	for (; s[0] && s[1]; s += 2)
		sscanf(s, "%2hhx", &out[n++]);
	return n;
}

/* Leases equal to captured ones encode to ISC's bytes. */
TEST(bndupd_bytes_match_capture)
{
	/* isc-bndupd.txt #1: ACTIVE, client id and chaddr, CLTT. */
	static const char active[] =
		"004f030c6b0402660000400400020004c6122fff000300010200040007010241000000000005"
		"000701024100000000000d00046b0402a2001200046b041094001900046b040266000600046b040266";
	/* isc-updreqall.txt #9: FREE, zero times, no client. */
	static const char free_[] =
		"0031030c6b0402890000000300020004c61231f50003000101000d0004000000000012000400"
		"0000000019000400000000";
	uint8_t want[128], got[128], cid[7] = { 1, 2, 0x41, 0, 0, 0, 0 };
	size_t wn = unhex(active, want);
	struct lease l;
	memset(&l, 0, sizeof l);
	l.addr = IP(198, 18, 47, 255);
	l.state = LEASE_ACTIVE;
	l.cid = cid;
	l.cid_len = 7;
	l.htype = 1;
	l.hlen = 6;
	memcpy(l.hw, (uint8_t[]){ 2, 0x41, 0, 0, 0, 0 }, 6);
	l.start = l.cltt = 1795424870;
	l.end = 1795424930;
	l.tstp = 1795428500;
	l.tsfp = 1795400000;			/* never sent */
	struct fo_msg m;
	uint8_t ch[1 + LEASE_HW_MAX];
	fo_upd_build(&m, &l, ch);
	m.time = 1795424870;
	m.xid = 0x4004;
	const char *why;
	size_t n = fo_encode(&m, got, sizeof got, &why);
	CHECK_EQ(n, wn);
	CHECK(n == wn && memcmp(got, want, n) == 0);

	wn = unhex(free_, want);
	memset(&l, 0, sizeof l);
	l.addr = IP(198, 18, 49, 245);
	l.state = LEASE_FREE;
	fo_upd_build(&m, &l, ch);
	m.time = 1795424905;
	m.xid = 3;
	n = fo_encode(&m, got, sizeof got, &why);
	CHECK_EQ(n, wn);
	CHECK(n == wn && memcmp(got, want, n) == 0);
}

/* A lease abandoned by a DECLINE (or imported so) keeps its client here,
 * but its update names none: the partner (ours, and ISC) refuses an
 * ABANDONED update with a chaddr or client id. */
TEST(abandoned_update_names_no_client)
{
	struct side p, q;
	side_init(&p, FO_PRIMARY, 10);
	side_init(&q, FO_SECONDARY, 10);
	uint8_t cid[3] = { 1, 2, 3 };
	struct lease_rec r = { .addr = A(44), .state = LEASE_ABANDONED, .htype = 1, .hlen = 6,
			       .hw = { 2, 0x41, 0, 0, 0, 7 }, .cid = cid, .cid_len = 3,
			       .start = NOW, .cltt = NOW, .end = NOW + 3600 };
	struct lease *l = lease_upsert(p.t, &r);
	CHECK(l != NULL);
	struct fo_msg m;
	uint8_t ch[1 + LEASE_HW_MAX];
	fo_upd_build(&m, l, ch);
	CHECK_EQ(m.binding_status, FO_BIND_ABANDONED);
	CHECK(!fo_has(&m, FO_OPT_CHADDR) && !fo_has(&m, FO_OPT_CLIENT_ID));
	CHECK(fo_has(&m, FO_OPT_LEASE_EXPIRY) && m.lease_expiry == NOW + 3600);
	fo_upd_link(q.u, true, 10);
	m.xid = 9;
	fo_upd_recv(q.u, &m);
	struct lease *got = lease_find(q.t, A(44));
	CHECK(got && got->state == LEASE_ABANDONED && got->hlen == 0 && got->cid_len == 0);
	CHECK_EQ(fo_upd_stats(q.u)->refused, 0);
	side_free(&p);
	side_free(&q);
}

/* Leases kept over a restart (or imported) are in no queue: entering
 * normal queues those whose update the partner has not acknowledged
 * (ISC's dhcp_failover_generate_update_queue), and only those, once. */
TEST(unacked_queued_on_normal)
{
	struct side s;
	side_init(&s, FO_PRIMARY, 10);
	struct lease_rec r = { .addr = A(40), .state = LEASE_ACTIVE, .htype = 1, .hlen = 6,
			       .hw = { 2, 0x41, 0, 0, 0, 1 }, .start = NOW, .cltt = NOW,
			       .end = NOW + 600, .tstp = NOW + 900, .tsfp = NOW, .atsfp = NOW };
	CHECK(lease_upsert(s.t, &r) != NULL);		/* never acknowledged */
	r.addr = A(41);
	r.hw[5] = 2;
	r.tsfp = r.atsfp = r.tstp;
	CHECK(lease_upsert(s.t, &r) != NULL);		/* acknowledged */
	r.addr = A(5);
	r.hw[5] = 3;
	r.atsfp = NOW;
	CHECK(lease_upsert(s.t, &r) != NULL);		/* outside the pools */
	r.addr = A(42);
	r.hw[5] = 4;
	r.state = LEASE_EXPIRED;
	r.tstp = r.atsfp;
	CHECK(lease_upsert(s.t, &r) != NULL);		/* transitional */
	fo_upd_link(s.u, true, 10);
	CHECK_EQ(s.nout, 0);				/* nothing was queued */
	CHECK_EQ(fo_upd_queue_unacked(s.u), 2);
	CHECK_EQ(fo_upd_queued(s.u), 2);
	fo_upd_flush(s.u);
	CHECK_EQ(s.nout, 2);
	struct fo_msg m[2];
	CHECK(decode(&s, 0, &m[0]) && decode(&s, 1, &m[1]));
	uint32_t got = m[0].assigned_ip ^ m[1].assigned_ip;
	CHECK_EQ(got, A(40) ^ A(42));
	/* In flight: not queued again; acknowledged: nothing left. */
	CHECK_EQ(fo_upd_queue_unacked(s.u), 0);
	for (int i = 0; i < 2; i++)
		ack(&s, m[i].xid, m[i].assigned_ip, 0, false, 0);
	CHECK_EQ(fo_upd_queue_unacked(s.u), 0);
	CHECK_EQ(s.nout, 2);
	side_free(&s);
}

T_RUN(T_CASE(abandoned_update_names_no_client), T_CASE(max_unacked_respected), T_CASE(coalescing), T_CASE(unacked_queued_on_normal),
      T_CASE(ack_sets_tsfp_and_clears_pending), T_CASE(reject_counted),
      T_CASE(inbound_acked_after_durable), T_CASE(transition_table),
      T_CASE(transition_times), T_CASE(transition_refused_in_normal),
      T_CASE(transition_refused_in_duel), T_CASE(updreqall_in_order_then_upddone),
      T_CASE(pair_converges), T_CASE(bndupd_bytes_match_capture))
