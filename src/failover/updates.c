/* The binding-update queues (updates.h): outbound BNDUPDs paced by the
 * partner's max-unacked, inbound BNDUPDs acked only once durable, and
 * UPDREQ/UPDREQALL answered from the change log.  ISC dhcpd 4.4.3's
 * server/failover.c is the reference for behaviour, not for code. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "common/log.h"
#include "core/record.h"
#include "failover/updates.h"

#define WINDOW_MAX 1024		/* cap on a partner's max-unacked */

enum { MARK_QUEUED = 1 };

/* One BNDUPD waiting for its BNDACK. */
struct flight {
	uint32_t xid;
	struct lease *l;
	int64_t tstp;		/* the potential expiry it carried */
	bool ignore;		/* superseded by the partner's update */
	bool answer;		/* sent while answering an UPDREQ(ALL) */
};

/* A partner's BNDUPD applied as change seq, its BNDACK not yet sent. */
struct ack {
	uint32_t xid, addr;
	uint64_t seq;
};

struct fo_upd {
	struct lease_table *t;
	struct fo_upd_conf c;
	struct fo_upd_ops ops;
	void *arg;

	bool up;
	uint32_t window;
	int muted;			/* inside apply/changed: not ours to send */

	uint8_t *mark;			/* per lease id: MARK_QUEUED */
	size_t nmark;
	struct lease **q;		/* outbound queue; unmarked entries are stale */
	size_t qhead, qlen, qcap, nqueued;

	struct flight fl[WINDOW_MAX];
	size_t nfl;

	struct ack *acks;
	size_t nacks, acap;
	uint64_t durable;

	/* Answering the partner's UPDREQ (all false) or UPDREQALL. */
	bool answering, all, exhausted;
	uint64_t cursor;		/* change log position */
	uint64_t until;			/* the last change when it was asked */
	uint32_t req_xid;
	size_t answer_out;		/* answer flights not yet acked */

	bool awaiting_done;		/* we sent UPDREQ(ALL) */
	bool done_pending;		/* UPDDONE came, acks still waiting */

	struct fo_upd_stats st;
};

static bool in_pool(const struct fo_upd *u, uint32_t addr)
{
	if (u->ops.in_pool)
		return u->ops.in_pool(u->arg, addr);
	return lease_pool_of(u->t, addr) >= 0;
}

static bool marked(const struct fo_upd *u, const struct lease *l)
{
	return l->id < u->nmark && (u->mark[l->id] & MARK_QUEUED);
}

static int set_mark(struct fo_upd *u, const struct lease *l, bool on)
{
	if (l->id >= u->nmark) {
		if (!on)
			return 0;
		size_t n = u->nmark ? u->nmark : 64;
		while (n <= l->id)
			n *= 2;
		uint8_t *m = realloc(u->mark, n);
		if (!m)
			return -1;
		memset(m + u->nmark, 0, n - u->nmark);
		u->mark = m;
		u->nmark = n;
	}
	if (on && !(u->mark[l->id] & MARK_QUEUED))
		u->nqueued++;
	else if (!on && (u->mark[l->id] & MARK_QUEUED))
		u->nqueued--;
	u->mark[l->id] = on ? MARK_QUEUED : 0;
	return 0;
}

/* Room for one more entry at the front or the back of the queue. */
static int make_room(struct fo_upd *u, bool front)
{
	if (front ? u->qhead > 0 : u->qhead + u->qlen < u->qcap)
		return 0;
	size_t cap = u->qlen * 2 + 64, off = (cap - u->qlen) / 2;
	struct lease **q = malloc(cap * sizeof *q);
	if (!q)
		return -1;
	if (u->qlen)
		memcpy(q + off, u->q + u->qhead, u->qlen * sizeof *q);
	free(u->q);
	u->q = q;
	u->qcap = cap;
	u->qhead = off;
	return 0;
}

/* Appends l (front: before the rest, for updates the link lost). */
static int enqueue(struct fo_upd *u, struct lease *l, bool front)
{
	if (marked(u, l))
		return 0;	/* coalesced: it goes once, as it is when sent */
	if (make_room(u, front) < 0 || set_mark(u, l, true) < 0)
		return -1;
	if (front)
		u->q[--u->qhead] = l;
	else
		u->q[u->qhead + u->qlen] = l;
	u->qlen++;
	return 0;
}

static struct lease *dequeue(struct fo_upd *u)
{
	while (u->qlen) {
		struct lease *l = u->q[u->qhead++];
		u->qlen--;
		if (marked(u, l)) {
			set_mark(u, l, false);
			return l;
		}
	}
	u->qhead = u->qcap / 2;
	return NULL;
}

static uint32_t clamp32(int64_t t)
{
	return t < 0 ? 0 : t > UINT32_MAX ? UINT32_MAX : (uint32_t)t;
}

static bool transitional(uint8_t s)
{
	return s == LEASE_EXPIRED || s == LEASE_RELEASED || s == LEASE_RESET;
}

static void changed(struct fo_upd *u, struct lease *l, bool lazy)
{
	if (!u->ops.changed)
		return;
	u->muted++;
	u->ops.changed(u->arg, l, lazy);
	u->muted--;
}

void fo_upd_build(struct fo_msg *m, const struct lease *l, uint8_t chaddr[1 + LEASE_HW_MAX])
{
	fo_msg_init(m, FO_BNDUPD, 0, 0);
	const struct lease_rec *r = &l->rec;
	/* An ABANDONED update names no client (the partner refuses one,
	 * reason 6, as ISC does); a DECLINE or an import keeps it here. */
	bool anonymous = (r->pending_state ? r->pending_state : r->state) == LEASE_ABANDONED;
	for (size_t i = 0; i < record_nfields; i++) {
		const struct record_field *f = &record_fields[i];
		const void *p = (const uint8_t *)r + f->off;
		int64_t t = 0;
		if (f->kind == RECORD_TIME)
			memcpy(&t, p, sizeof t);
		switch (f->fo_option) {
		case FO_OPT_ASSIGNED_IP:
			m->assigned_ip = r->addr;
			break;
		case FO_OPT_BINDING_STATUS:
			/* The state the update asks the partner to agree to. */
			m->binding_status = r->pending_state ? r->pending_state : r->state;
			break;
		case FO_OPT_CLIENT_ID:
			if (!r->cid_len || anonymous)
				continue;	/* ISC: no option means no identifier */
			m->client_id = (struct fo_bytes){ r->cid, r->cid_len };
			break;
		case FO_OPT_CHADDR:
			if (!r->hlen || r->hlen > LEASE_HW_MAX || anonymous)
				continue;
			chaddr[0] = r->htype;
			memcpy(chaddr + 1, r->hw, r->hlen);
			m->chaddr = (struct fo_bytes){ chaddr, (uint16_t)(r->hlen + 1) };
			break;
		case FO_OPT_LEASE_EXPIRY:
			m->lease_expiry = clamp32(t);
			break;
		case FO_OPT_POTENTIAL_EXPIRY:
			m->potential_expiry = clamp32(t);
			break;
		case FO_OPT_STOS:
			m->stos = clamp32(t);
			break;
		case FO_OPT_CLTT:
			if (!t)
				continue;	/* ISC leaves out an unknown CLTT */
			m->cltt = clamp32(t);
			break;
		case FO_OPT_IP_FLAGS:
			if (!(r->flags & LEASE_F_BOOTP))
				continue;	/* sent only when non-zero */
			m->ip_flags = FO_IP_FLAG_BOOTP;
			break;
		default:
			continue;
		}
		fo_set(m, f->fo_option);
	}
}

/* Sends the BNDUPD of l into the window.  False when the link took it
 * not (l goes back to the head of the queue). */
static bool send_lease(struct fo_upd *u, struct lease *l)
{
	if (transitional(l->state) && !l->pending_state) {
		/* ISC: EXPIRED, RELEASED and RESET stay untouchable until the
		 * partner acks them, then become FREE. */
		l->pending_state = l->state;
		changed(u, l, false);
	}
	struct fo_msg m;
	uint8_t chaddr[1 + LEASE_HW_MAX];
	fo_upd_build(&m, l, chaddr);
	if (u->ops.send(u->arg, &m, false) < 0) {
		enqueue(u, l, true);
		return false;
	}
	u->fl[u->nfl++] = (struct flight){
		.xid = m.xid, .l = l, .tstp = l->tstp, .answer = u->answering,
	};
	u->answer_out += u->answering;
	u->st.sent++;
	return true;
}

static bool keep_unacked(const struct lease *l, void *arg)
{
	const struct fo_upd *u = arg;
	if (l->seq > u->until || !in_pool(u, l->addr))
		return false;
	return u->all || l->tstp > l->atsfp || l->pending_state || transitional(l->state) ||
	       marked(u, l);
}

static void check_answered(struct fo_upd *u)
{
	if (!u->answering || !u->exhausted || u->answer_out)
		return;
	u->answering = false;
	if (u->ops.event)
		u->ops.event(u->arg, FO_EV_UPDATES_ACKED);
}

/* The next page of the change log for the request being answered. */
static bool send_answer_page(struct fo_upd *u)
{
	struct lease *page[64];
	size_t room = u->window - u->nfl;
	if (room > 64)
		room = 64;
	bool more = false;
	size_t n = lease_changes_after(u->t, u->cursor, keep_unacked, u, page, room, &more);
	for (size_t i = 0; i < n; i++) {
		set_mark(u, page[i], false);	/* sent here: not again from the queue */
		if (!send_lease(u, page[i]))
			return false;
		u->cursor = page[i]->seq;
	}
	if (!more)
		u->exhausted = true;
	return n > 0;
}

void fo_upd_flush(struct fo_upd *u)
{
	while (u->up && u->nfl < u->window) {
		struct lease *l = dequeue(u);
		if (l) {
			if (!send_lease(u, l))
				break;
			continue;
		}
		if (!u->answering || u->exhausted || !send_answer_page(u))
			break;
	}
	check_answered(u);
}

void fo_upd_lease_changed(void *arg, struct lease *l, uint64_t seq)
{
	struct fo_upd *u = arg;
	(void)seq;
	if (u->muted || !in_pool(u, l->addr))
		return;
	if (enqueue(u, l, false) < 0) {
		/* The change log still has it: the partner's next UPDREQ
		 * finds it (tstp > atsfp or a transitional state). */
		log_err("failover: out of memory queueing a binding update");
		return;
	}
	fo_upd_flush(u);
}

static bool in_flight(const struct fo_upd *u, const struct lease *l, bool live_only)
{
	for (size_t i = 0; i < u->nfl; i++)
		if (u->fl[i].l == l && !(live_only && u->fl[i].ignore))
			return true;
	return false;
}

size_t fo_upd_queue_unacked(struct fo_upd *u)
{
	size_t n = 0;
	for (struct lease *l = lease_next(u->t, NULL); l; l = lease_next(u->t, l)) {
		if (!in_pool(u, l->addr) || marked(u, l) || in_flight(u, l, false))
			continue;
		if (!(l->tstp > l->atsfp || l->pending_state || transitional(l->state)))
			continue;
		if (enqueue(u, l, false) < 0) {
			log_err("failover: out of memory queueing a binding update");
			break;
		}
		n++;
	}
	return n;
}

/* The partner acked: the potential expiry becomes tsfp and atsfp (ISC),
 * and a change waiting for the ack takes effect. */
static void acked(struct fo_upd *u, const struct flight *f, const struct fo_msg *m)
{
	struct lease *l = f->l;
	int64_t pot = fo_has(m, FO_OPT_POTENTIAL_EXPIRY) ? (int64_t)m->potential_expiry : f->tstp;
	l->tsfp = l->atsfp = pot;
	if (l->pending_state && !in_flight(u, l, false) && !marked(u, l)) {
		uint8_t s = l->pending_state;
		l->pending_state = 0;
		if (transitional(s))
			s = LEASE_FREE;
		if (s != l->state)
			lease_set_state(u->t, l, s, l->end);
	}
	changed(u, l, true);
}

static void on_bndack(struct fo_upd *u, const struct fo_msg *m)
{
	size_t i = 0;
	while (i < u->nfl && u->fl[i].xid != m->xid)
		i++;
	if (i == u->nfl || (fo_has(m, FO_OPT_ASSIGNED_IP) && m->assigned_ip != u->fl[i].l->addr)) {
		u->st.stray_acks++;
		return;
	}
	struct flight f = u->fl[i];
	memmove(u->fl + i, u->fl + i + 1, (u->nfl - i - 1) * sizeof *u->fl);
	u->nfl--;
	u->answer_out -= f.answer;
	if (fo_has(m, FO_OPT_REJECT_REASON)) {
		u->st.rejected++;
		u->st.last_reject = m->reject_reason;
		uint32_t a = f.l->addr;
		log_warn("failover: update of %u.%u.%u.%u rejected: reason=%s message=\"%.*s\"",
			 a >> 24, a >> 16 & 255, a >> 8 & 255, a & 255,
			 fo_reject_name(m->reject_reason),
			 fo_has(m, FO_OPT_MESSAGE) ? (int)m->message.len : 0,
			 fo_has(m, FO_OPT_MESSAGE) ? (const char *)m->message.p : "");
	} else if (!f.ignore) {
		u->st.acked++;
		acked(u, &f, m);
	}
	fo_upd_flush(u);
}

/* ISC's failover_lease_is_better: true when our record of l should
 * stand against the partner's update m. */
static bool ours_better(const struct fo_upd *u, const struct lease *l, const struct fo_msg *m)
{
	uint8_t ours = l->pending_state ? l->pending_state : l->state;
	uint32_t cltt = fo_has(m, FO_OPT_CLTT) ? m->cltt : 0;
	bool primary = u->c.role == FO_PRIMARY;
	if (ours == LEASE_ACTIVE && m->binding_status == FO_BIND_ACTIVE) {
		if (cltt != clamp32(l->cltt))
			return cltt < clamp32(l->cltt);	/* the later client contact */
		return primary;
	}
	if (ours == LEASE_ACTIVE && m->binding_status == FO_BIND_EXPIRED)
		return false;
	if (m->binding_status == FO_BIND_ACTIVE)
		return false;
	return primary;
}

static void send_ack(struct fo_upd *u, uint32_t xid, uint32_t addr, uint8_t reason,
		     const char *text)
{
	struct fo_msg m;
	fo_msg_init(&m, FO_BNDACK, 0, xid);
	m.assigned_ip = addr;
	fo_set(&m, FO_OPT_ASSIGNED_IP);
	if (reason) {
		m.reject_reason = reason;
		m.message = (struct fo_bytes){ (const uint8_t *)text, (uint16_t)strlen(text) };
		fo_set(&m, FO_OPT_REJECT_REASON);
		fo_set(&m, FO_OPT_MESSAGE);
		u->st.refused++;
		u->st.last_refusal = reason;
	}
	u->ops.send(u->arg, &m, true);
}

/* The checks of ISC's dhcp_failover_process_bind_update that refuse an
 * update outright.  Returns the reject reason, or 0. */
static uint8_t check_update(const struct fo_upd *u, const struct fo_msg *m, const char **why)
{
	uint8_t s = m->binding_status;
	if (!fo_has(m, FO_OPT_ASSIGNED_IP) || !fo_has(m, FO_OPT_BINDING_STATUS))
		return *why = "binding update lacks required options", FO_REJ_MISSING_BINDINFO;
	if (!in_pool(u, m->assigned_ip))
		return *why = "IP address not in a pool of this relationship", FO_REJ_ILLEGAL_IP_ADDR;
	if (s < FO_BIND_FREE || s > FO_BIND_BACKUP)
		return *why = "unknown binding status", FO_REJ_MISC;
	if (fo_has(m, FO_OPT_CHADDR)) {
		if (s == FO_BIND_ABANDONED)
			return *why = "BNDUPD to ABANDONED with a CHADDR", FO_REJ_MISC;
		if (m->chaddr.len < 1 || m->chaddr.len > 1 + LEASE_HW_MAX)
			return *why = "bad chaddr length", FO_REJ_MISC;
	} else if (s == FO_BIND_ACTIVE || s == FO_BIND_EXPIRED || s == FO_BIND_RELEASED) {
		return *why = "BNDUPD without CHADDR", FO_REJ_MISSING_BINDINFO;
	}
	if (fo_has(m, FO_OPT_CLIENT_ID)) {
		if (s == FO_BIND_ABANDONED)
			return *why = "BNDUPD to ABANDONED with client-id", FO_REJ_MISC;
		if (m->client_id.len > LEASE_CID_MAX)
			return *why = "client-id too long", FO_REJ_MISC;
	}
	if (fo_has(m, FO_OPT_IP_FLAGS) && (m->ip_flags & FO_IP_FLAG_RESERVED))
		return *why = "Address is not reserved.", FO_REJ_IP_NOT_RESERVED;
	return 0;
}

/* ISC allows 60 s of clock skew between the partners and 5 s more. */
#define EXPIRY_SLACK 65

/* FREE or BACKUP before the partner's own potential expiry has passed. */
static bool freed_early(const struct fo_transition *t)
{
	return (t->proposed == LEASE_FREE || t->proposed == LEASE_BACKUP) && t->tsfp > t->now;
}

/* EXPIRED while our lease still runs for more than the slack. */
static bool expired_early(const struct fo_transition *t)
{
	return t->proposed == LEASE_EXPIRED && t->end - EXPIRY_SLACK > t->now;
}

/* In normal (ISC's normal_binding_state_transition_check). */
static bool normal_ok(const struct fo_transition *t)
{
	switch (t->cur) {
	case LEASE_ACTIVE:
		/* The secondary may end an active lease only for a RELEASE
		 * or DECLINE the client sent to it. */
		if (t->role == FO_PRIMARY)
			return t->proposed == LEASE_RELEASED || t->proposed == LEASE_ABANDONED;
		return !freed_early(t) && !expired_early(t);
	case LEASE_EXPIRED:
	case LEASE_RESET:
		return !freed_early(t);
	default:	/* FREE, RELEASED, ABANDONED, BACKUP: any move */
		return true;
	}
}

/* In any other state (ISC's conflict_binding_state_transition_check):
 * only an active lease of ours is defended, against FREE and BACKUP and
 * an early EXPIRED; RELEASED, RESET and ABANDONED are news to us. */
static bool conflict_ok(const struct fo_transition *t)
{
	if (t->cur != LEASE_ACTIVE)
		return true;
	if (t->proposed == LEASE_FREE || t->proposed == LEASE_BACKUP)
		return false;
	return !expired_early(t);
}

bool fo_transition_check(const struct fo_transition *t)
{
	if (t->proposed == t->cur)
		return true;
	return t->my_state == FO_ST_NORMAL ? normal_ok(t) : conflict_ok(t);
}

/* The transition check of ISC's dhcp_failover_process_bind_update, once
 * the daemon tells our state and the time.  False: text is ISC's
 * message. */
static bool transition_ok(const struct fo_upd *u, const struct lease *l,
			  const struct fo_msg *m, char *text, size_t len)
{
	if (!u->ops.my_state || !u->ops.now)
		return true;
	struct fo_transition t = {
		.my_state = u->ops.my_state(u->arg), .role = u->c.role,
		.cur = l ? l->state : LEASE_FREE, .proposed = m->binding_status,
		.end = l ? l->end : 0,
		.tsfp = fo_has(m, FO_OPT_POTENTIAL_EXPIRY) ? m->potential_expiry : 0,
		.now = u->ops.now(u->arg),
	};
	if (fo_transition_check(&t))
		return true;
	uint32_t a = m->assigned_ip;
	snprintf(text, len, "%u.%u.%u.%u: invalid state transition: %s to %s",
		 a >> 24, a >> 16 & 255, a >> 8 & 255, a & 255,
		 lease_state_name(t.cur), lease_state_name(t.proposed));
	return false;
}

struct upd_bufs {
	uint8_t cid[LEASE_CID_MAX];
	char host[LEASE_HOST_MAX + 1];
};

/* The record the partner's update m makes of old (NULL: none yet):
 * ISC's rules, with EXPIRED, RELEASED and RESET taken as FREE at once. */
static void merge_update(struct lease_rec *r, const struct lease *old, const struct fo_msg *m,
			 struct upd_bufs *b)
{
	memset(r, 0, sizeof *r);
	if (old) {
		*r = old->rec;
		if (r->cid_len) {
			memcpy(b->cid, old->cid, r->cid_len);
			r->cid = b->cid;
		}
		if (old->hostname) {
			snprintf(b->host, sizeof b->host, "%s", old->hostname);
			r->hostname = b->host;
		}
	}
	uint8_t s = m->binding_status;
	bool client_changed = false;
	r->addr = m->assigned_ip;
	r->state = transitional(s) ? LEASE_FREE : s;
	r->pending_state = 0;
	if (fo_has(m, FO_OPT_CHADDR)) {
		uint8_t hlen = (uint8_t)(m->chaddr.len - 1);
		client_changed |= r->htype != m->chaddr.p[0] || r->hlen != hlen ||
				  memcmp(r->hw, m->chaddr.p + 1, hlen) != 0;
		r->htype = m->chaddr.p[0];
		r->hlen = hlen;
		memset(r->hw, 0, sizeof r->hw);
		memcpy(r->hw, m->chaddr.p + 1, hlen);
	} else if (s == FO_BIND_ABANDONED) {
		client_changed |= r->hlen != 0;
		r->htype = r->hlen = 0;
		memset(r->hw, 0, sizeof r->hw);
	}
	if (fo_has(m, FO_OPT_CLIENT_ID) && m->client_id.len) {
		client_changed |= r->cid_len != m->client_id.len ||
				  memcmp(r->cid, m->client_id.p, m->client_id.len) != 0;
		memcpy(b->cid, m->client_id.p, m->client_id.len);
		r->cid = b->cid;
		r->cid_len = (uint8_t)m->client_id.len;
	} else if (s != FO_BIND_RESET && s != FO_BIND_FREE && s != FO_BIND_BACKUP) {
		/* No option is how "no identifier" is said (ISC). */
		client_changed |= r->cid_len != 0;
		r->cid = NULL;
		r->cid_len = 0;
	}
	if (client_changed)
		r->hostname = NULL;	/* the name was the old client's */
	if (fo_has(m, FO_OPT_STOS))
		r->start = m->stos;
	if (fo_has(m, FO_OPT_LEASE_EXPIRY))
		r->end = m->lease_expiry;
	if (fo_has(m, FO_OPT_POTENTIAL_EXPIRY))
		r->tsfp = r->atsfp = m->potential_expiry;
	if (fo_has(m, FO_OPT_CLTT))
		r->cltt = m->cltt;
	r->flags &= (uint8_t)~LEASE_F_BOOTP;
	if (fo_has(m, FO_OPT_IP_FLAGS) && (m->ip_flags & FO_IP_FLAG_BOOTP))
		r->flags |= LEASE_F_BOOTP;
}

static int push_ack(struct fo_upd *u, uint32_t xid, uint32_t addr, uint64_t seq)
{
	if (u->nacks == u->acap) {
		size_t cap = u->acap ? u->acap * 2 : 16;
		struct ack *a = realloc(u->acks, cap * sizeof *a);
		if (!a)
			return -1;
		u->acks = a;
		u->acap = cap;
	}
	u->acks[u->nacks++] = (struct ack){ xid, addr, seq };
	return 0;
}

static void on_bndupd(struct fo_upd *u, const struct fo_msg *m)
{
	u->st.received++;
	const char *why = NULL;
	uint8_t reason = check_update(u, m, &why);
	uint32_t addr = m->assigned_ip;
	if (reason) {
		send_ack(u, m->xid, addr, reason, why);
		return;
	}
	struct lease *l = lease_find(u->t, addr);
	/* Dueling updates: ours is in flight or queued. */
	bool duel = l && (in_flight(u, l, true) || marked(u, l));
	if (duel && ours_better(u, l, m)) {
		u->st.conflicts_won++;
		send_ack(u, m->xid, addr, FO_REJ_LESS_CRIT_BIND_INFO,
			 "incoming update is less critical than outgoing update");
		return;
	}
	char text[100];
	if (!transition_ok(u, l, m, text, sizeof text)) {
		u->st.bad_transitions++;
		send_ack(u, m->xid, addr, FO_REJ_FATAL_CONFLICT, text);
		return;	/* ours, if any, still goes and counts */
	}
	if (duel) {
		u->st.conflicts_lost++;
		for (size_t i = 0; i < u->nfl; i++)
			if (u->fl[i].l == l)
				u->fl[i].ignore = true;	/* its ack no longer means ours */
		set_mark(u, l, false);
	}
	struct lease_rec rec;
	struct upd_bufs b;
	merge_update(&rec, l, m, &b);
	u->muted++;
	uint64_t seq = record_valid(&rec) ? u->ops.apply(u->arg, &rec) : 0;
	u->muted--;
	if (!seq || push_ack(u, m->xid, addr, seq) < 0) {
		send_ack(u, m->xid, addr, FO_REJ_MISC, "database update failed");
		return;
	}
	u->st.applied++;
	fo_upd_durable(u, u->durable);
}

void fo_upd_durable(struct fo_upd *u, uint64_t through)
{
	if (through > u->durable)
		u->durable = through;
	size_t i = 0;
	while (i < u->nacks && u->acks[i].seq <= u->durable) {
		send_ack(u, u->acks[i].xid, u->acks[i].addr, 0, NULL);
		i++;
	}
	if (i) {
		memmove(u->acks, u->acks + i, (u->nacks - i) * sizeof *u->acks);
		u->nacks -= i;
	}
	if (u->done_pending && !u->nacks) {
		u->done_pending = false;
		if (u->ops.event)
			u->ops.event(u->arg, FO_EV_UPDDONE);
	}
}

static void on_request(struct fo_upd *u, const struct fo_msg *m)
{
	/* A new request replaces one still being answered (ISC). */
	for (size_t i = 0; i < u->nfl; i++)
		u->fl[i].answer = false;
	u->answer_out = 0;
	u->answering = true;
	u->all = m->type == FO_UPDREQALL;
	u->exhausted = false;
	u->cursor = 0;
	u->req_xid = m->xid;
	/* What to answer is what had changed by now: an ack renumbers the
	 * lease it updates, which must not bring it round again. */
	u->until = 0;
	for (struct lease *l = lease_next(u->t, NULL); l; l = lease_next(u->t, l))
		if (l->seq > u->until)
			u->until = l->seq;
	fo_upd_flush(u);
}

static void on_upddone(struct fo_upd *u)
{
	if (!u->awaiting_done)
		return;
	u->awaiting_done = false;
	u->done_pending = true;
	fo_upd_durable(u, u->durable);	/* the event once its updates are acked */
}

void fo_upd_recv(struct fo_upd *u, const struct fo_msg *m)
{
	switch (m->type) {
	case FO_BNDUPD:
		on_bndupd(u, m);
		break;
	case FO_BNDACK:
		on_bndack(u, m);
		break;
	case FO_UPDREQ: case FO_UPDREQALL:
		on_request(u, m);
		break;
	case FO_UPDDONE:
		on_upddone(u);
		break;
	default:
		break;
	}
}

void fo_upd_requested(struct fo_upd *u)
{
	u->awaiting_done = true;
	u->done_pending = false;
}

void fo_upd_send_upddone(struct fo_upd *u)
{
	struct fo_msg m;
	fo_msg_init(&m, FO_UPDDONE, 0, u->req_xid);
	u->ops.send(u->arg, &m, true);
}

void fo_upd_link(struct fo_upd *u, bool up, uint32_t peer_max_unacked)
{
	if (up) {
		uint32_t w = peer_max_unacked ? peer_max_unacked : u->c.max_unacked;
		u->window = w > WINDOW_MAX ? WINDOW_MAX : w;
		u->up = true;
		fo_upd_flush(u);
		return;
	}
	u->up = false;
	/* The partner may never have seen them: send again, in order. */
	while (u->nfl) {
		struct lease *l = u->fl[--u->nfl].l;
		if (enqueue(u, l, true) < 0)
			log_err("failover: out of memory requeueing a binding update");
	}
	u->nacks = 0;
	u->answering = u->awaiting_done = u->done_pending = false;
	u->answer_out = 0;
}

struct fo_upd *fo_upd_new(struct lease_table *t, const struct fo_upd_conf *c,
			  const struct fo_upd_ops *ops, void *arg)
{
	struct fo_upd *u = calloc(1, sizeof *u);
	if (!u)
		return NULL;
	u->t = t;
	u->c = *c;
	if (!u->c.max_unacked)
		u->c.max_unacked = FO_UPD_MAX_UNACKED;
	u->ops = *ops;
	u->arg = arg;
	u->window = u->c.max_unacked;
	return u;
}

void fo_upd_free(struct fo_upd *u)
{
	if (!u)
		return;
	free(u->mark);
	free(u->q);
	free(u->acks);
	free(u);
}

size_t fo_upd_queued(const struct fo_upd *u) { return u->nqueued; }
size_t fo_upd_in_flight(const struct fo_upd *u) { return u->nfl; }
size_t fo_upd_acks_waiting(const struct fo_upd *u) { return u->nacks; }
const struct fo_upd_stats *fo_upd_stats(const struct fo_upd *u) { return &u->st; }
