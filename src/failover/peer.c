/* The failover link on the event loop.  Every byte from the peer goes
 * through fo_frame and fo_decode; a bad message ends the link, never the
 * daemon.  See peer.h and docs/failover.md, "Peer link". */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "common/clock.h"
#include "common/log.h"
#include "conf/config.h"
#include "failover/peer.h"

#define CONN_MAX 4		/* the link, plus links being greeted */
#define IN_CAP (2 * FO_MSG_MAX)
#define CLOSE_MS 1000		/* how long a DISCONNECT may take to leave */
#define SKEW_MAX 60		/* CONNECT/CONNECTACK refused past this (ISC) */
#define READS_PER_EVENT 16
#define VENDOR "duodhcp"

enum cst { C_FREE, C_CONNECTING, C_HELLO, C_UP, C_CLOSING };

struct conn {
	struct fo_peer *p;
	int fd;
	enum cst st;
	bool outgoing;
	unsigned gen;		/* changes when the slot is closed */
	uint32_t xid;		/* next xid of a message we originate */
	uint32_t contact_ms;	/* a third of the peer's receive-timer */
	uint32_t interest;
	struct loop_timer deadline;	/* greeting, silence, or closing */
	struct loop_timer contact;
	size_t in_len;
	uint8_t in[IN_CAP];
	uint8_t *out;
	size_t out_len, out_off, out_cap;
};

struct smtimer {
	struct loop_timer t;
	struct fo_peer *p;
	enum fo_timer which;
};

struct fo_peer {
	struct loop *l;
	struct fo_peer_conf c;
	struct fo_peer_ops ops;
	void *arg;
	struct fo_sm sm;
	int lfd;
	uint16_t lport;
	bool started, freeing;
	struct loop_timer kick;		/* flushes output after this turn's events */
	struct conn conns[CONN_MAX];
	struct conn *link;
	struct loop_timer retry;
	uint32_t retry_ms;
	struct smtimer smt[FO_TIMER_COUNT];
	bool have_hba;
	uint8_t hba[FO_HBA_LEN];
	struct fo_peer_stats st;
	struct log_limit lim, skew_lim;
};

static void conn_close(struct conn *c);
static void step(struct fo_peer *p, const struct fo_event *ev);

static uint32_t wall(void)
{
	return (uint32_t)time(NULL);
}

static bool limited(struct fo_peer *p)
{
	return log_allow(&p->lim, mono_ms(), 1.0, 10.0);
}

const char *fo_link_name(unsigned link)
{
	static const char *const names[] = { "down", "connecting", "up" };
	return link <= FO_LINK_UP ? names[link] : "?";
}

void fo_peer_conf_from_cfg(struct fo_peer_conf *pc, const struct cfg_failover *f)
{
	*pc = (struct fo_peer_conf){
		.sm = { .role = f->role == CFG_FO_PRIMARY ? FO_PRIMARY : FO_SECONDARY,
			.mclt = f->mclt, .auto_partner_down = f->auto_partner_down,
			.startup_wait = 15 },
		.addr = f->addr, .peer_addr = f->peer_addr,
		.port = f->port, .peer_port = f->peer_port,
		.max_unacked = f->max_unacked, .mrd_ms = f->max_response_delay * 1000,
		.skew_warn = f->clock_skew_warn, .handshake_ms = 15000,
		.retry_min_ms = 1000, .retry_max_ms = 30000, .out_max = 1u << 20,
	};
	snprintf(pc->name, sizeof pc->name, "%s", f->name);
	memcpy(pc->hba, f->hba, sizeof pc->hba);
}

/* ------------------------------------------------------------ output */

static void update_link_stat(struct fo_peer *p)
{
	p->st.link = FO_LINK_DOWN;
	for (int i = 0; i < CONN_MAX; i++)
		if (p->conns[i].st == C_CONNECTING || p->conns[i].st == C_HELLO)
			p->st.link = FO_LINK_CONNECTING;
	if (p->link)
		p->st.link = FO_LINK_UP;
}

static void conn_interest(struct conn *c)
{
	uint32_t want = c->st == C_CLOSING ? 0 : LOOP_READ;
	if (c->st == C_CONNECTING || c->out_len > c->out_off)
		want |= LOOP_WRITE;
	if (want != c->interest && loop_fd_mod(c->p->l, c->fd, want) == 0)
		c->interest = want;
}

/* Writes what the socket takes; the rest waits for it to be writable. */
static void conn_flush(struct conn *c)
{
	while (c->out_off < c->out_len) {
		ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			break;
		if (n <= 0) {
			conn_close(c);
			return;
		}
		c->out_off += (size_t)n;
	}
	if (c->out_off == c->out_len)
		c->out_off = c->out_len = 0;
	if (c->st == C_CLOSING && c->out_len == 0) {
		conn_close(c);
		return;
	}
	conn_interest(c);
}

/* Output leaves after the turn's events, from a timer due at once: a
 * burst of BNDUPDs is one write, whoever queued it (Redis's before-sleep). */
static void on_kick(void *arg)
{
	struct fo_peer *p = arg;
	for (int i = 0; i < CONN_MAX; i++) {
		struct conn *c = &p->conns[i];
		if ((c->st == C_HELLO || c->st == C_UP || c->st == C_CLOSING) &&
		    c->out_len > c->out_off)
			conn_flush(c);
	}
}

/* Appends one message.  A peer that leaves out_max bytes unread loses
 * the link: nothing is dropped from the middle of the stream. */
static int queue(struct conn *c, const uint8_t *buf, size_t len)
{
	struct fo_peer *p = c->p;
	size_t pending = c->out_len - c->out_off;
	if (pending + len > p->c.out_max) {
		p->st.slow_reader++;
		if (limited(p))
			log_warn("failover: peer reads nothing: %zu bytes waiting, link ended", pending);
		conn_close(c);
		return -1;
	}
	if (c->out_off && c->out_len + len > c->out_cap) {
		memmove(c->out, c->out + c->out_off, pending);
		c->out_len = pending;
		c->out_off = 0;
	}
	if (c->out_len + len > c->out_cap) {
		size_t cap = c->out_cap ? c->out_cap : 4096;
		while (cap < c->out_len + len)
			cap *= 2;
		uint8_t *n = realloc(c->out, cap);
		if (!n) {
			conn_close(c);
			return -1;
		}
		c->out = n;
		c->out_cap = cap;
	}
	memcpy(c->out + c->out_len, buf, len);
	c->out_len += len;
	if (!loop_timer_armed(&p->kick))
		loop_timer_in(p->l, &p->kick, 0);
	p->st.msgs_out++;
	p->st.bytes_out += len;
	p->st.out_type[buf[2] <= FO_TYPE_MAX ? buf[2] : 0]++;
	p->st.last_tx = wall();
	if (c->st == C_UP)	/* anything sent is a sign of life */
		loop_timer_in(p->l, &c->contact, c->contact_ms);
	return 0;
}

static int send_msg(struct conn *c, struct fo_msg *m, bool reply)
{
	uint8_t buf[FO_MSG_MAX];
	const char *why = NULL;
	m->time = wall();
	if (!reply)
		m->xid = c->xid++;
	size_t len = fo_encode(m, buf, sizeof buf, &why);
	if (!len) {
		log_err("failover: cannot encode %s: %s", fo_type_name(m->type), why);
		return -1;
	}
	return queue(c, buf, len);
}

static void put_bytes(struct fo_msg *m, unsigned code, struct fo_bytes *f, const char *s)
{
	f->p = (const uint8_t *)s;
	f->len = (uint16_t)strlen(s);
	fo_set(m, code);
}

/* ------------------------------------------------------------ closing */

static void schedule_retry(struct fo_peer *p)
{
	if (p->link || !p->started || p->freeing || loop_timer_armed(&p->retry))
		return;
	loop_timer_in(p->l, &p->retry, p->retry_ms);
	p->retry_ms = p->retry_ms * 2 > p->c.retry_max_ms ? p->c.retry_max_ms : p->retry_ms * 2;
}

static void link_lost(struct fo_peer *p)
{
	p->link = NULL;
	p->st.links_down++;
	update_link_stat(p);
	if (p->freeing)
		return;
	log_info("failover: link to peer %s down", p->c.name);
	p->retry_ms = p->c.retry_min_ms;
	struct fo_event ev = { .type = FO_EV_LINK_DOWN, .now = wall() };
	step(p, &ev);
	schedule_retry(p);
}

static void conn_close(struct conn *c)
{
	struct fo_peer *p = c->p;
	if (c->st == C_FREE)
		return;
	loop_timer_stop(p->l, &c->deadline);
	loop_timer_stop(p->l, &c->contact);
	loop_fd_del(p->l, c->fd);
	close(c->fd);
	free(c->out);
	bool was_link = p->link == c;
	*c = (struct conn){ .p = p, .fd = -1, .st = C_FREE, .gen = c->gen + 1,
			    .deadline = c->deadline, .contact = c->contact };
	if (was_link)
		link_lost(p);
	update_link_stat(p);
	schedule_retry(p);
}

/* Stops reading; the queued bytes (a DISCONNECT or a refusal) leave, then
 * the socket closes, at the latest after CLOSE_MS. */
static void begin_closing(struct conn *c)
{
	struct fo_peer *p = c->p;
	bool was_link = p->link == c;
	unsigned gen = c->gen;
	c->st = C_CLOSING;
	loop_timer_stop(p->l, &c->contact);
	loop_timer_in(p->l, &c->deadline, CLOSE_MS);
	if (was_link)
		link_lost(p);
	if (c->gen == gen && c->st == C_CLOSING)
		conn_flush(c);
}

/* Ends a link with DISCONNECT carrying the reason (section 6.12). */
static void end_with(struct conn *c, uint8_t reason, const char *text)
{
	struct fo_msg m;
	fo_msg_init(&m, FO_DISCONNECT, 0, 0);
	m.reject_reason = reason;
	fo_set(&m, FO_OPT_REJECT_REASON);
	put_bytes(&m, FO_OPT_MESSAGE, &m.message, text);
	c->p->st.rejects_sent++;
	c->p->st.last_reject = reason;
	if (send_msg(c, &m, false) == 0)
		begin_closing(c);
}

/* A byte stream we cannot trust any more: on the live link the peer
 * hears why; a stranger's connection just closes. */
static void bad_stream(struct conn *c, const char *what, const char *why)
{
	struct fo_peer *p = c->p;
	p->st.malformed++;
	if (limited(p))
		log_warn("failover: %s from peer: %s; link ended", what, why);
	if (c->st == C_UP)
		end_with(c, FO_REJ_MISC, "malformed message");
	else
		conn_close(c);
}

/* ------------------------------------------------------------ the machine */

static void arm_sm_timers(struct fo_peer *p, const struct fo_actions *a)
{
	uint32_t now = wall();
	for (int i = 0; i < FO_TIMER_COUNT; i++) {
		if (!a->timer[i]) {
			loop_timer_stop(p->l, &p->smt[i].t);
			continue;
		}
		int64_t ms = a->timer[i] > now ? (int64_t)(a->timer[i] - now) * 1000 : 0;
		loop_timer_in(p->l, &p->smt[i].t, ms);
	}
}

static void send_simple(struct fo_peer *p, uint8_t type)
{
	struct fo_msg m;
	fo_msg_init(&m, type, 0, 0);
	if (p->link)
		send_msg(p->link, &m, false);
}

static void send_state(struct fo_peer *p)
{
	struct fo_msg m;
	fo_msg_init(&m, FO_STATE, 0, 0);
	fo_sm_wire_state(&p->sm, &m.server_state, &m.server_flags, &m.stos);
	fo_set(&m, FO_OPT_SERVER_STATE);
	fo_set(&m, FO_OPT_SERVER_FLAGS);
	fo_set(&m, FO_OPT_STOS);
	if (p->link)
		send_msg(p->link, &m, false);
}

/* One step, then what it asks, in the order state.h gives: journal before
 * STATE, then STATE, UPDREQ, UPDREQALL; the rest is the caller's. */
static void step(struct fo_peer *p, const struct fo_event *ev)
{
	struct fo_actions a;
	uint8_t before = p->sm.state;
	fo_sm_step(&p->sm, ev, &a);
	p->st.state = p->sm.state;
	if (a.changed)
		log_info("failover: state %s -> %s", fo_state_name(before),
			 fo_state_name(p->sm.state));
	if (a.peer_invalid && limited(p))
		log_warn("failover: peer state %s makes no sense here, ignored",
			 fo_state_name(p->sm.peer));
	if (a.journal && p->ops.journal)
		p->ops.journal(p->arg, &p->sm);
	if (a.send & FO_SEND_STATE)
		send_state(p);
	if (a.send & FO_SEND_UPDREQ)
		send_simple(p, FO_UPDREQ);
	if (a.send & FO_SEND_UPDREQALL)
		send_simple(p, FO_UPDREQALL);
	arm_sm_timers(p, &a);
	if (p->ops.actions)
		p->ops.actions(p->arg, &p->sm, &a);
}

static void on_sm_timer(void *arg)
{
	struct smtimer *t = arg;
	struct fo_event ev = { .type = FO_EV_TIMER, .now = wall(), .timer = t->which };
	step(t->p, &ev);
}

void fo_peer_event(struct fo_peer *p, const struct fo_event *in)
{
	struct fo_event ev = *in;
	if (!ev.now)
		ev.now = wall();
	bool fresh = p->sm.state == 0;
	step(p, &ev);
	/* A link that came up before the journal was read is news now. */
	if (fresh && ev.type == FO_EV_START && p->link && p->link->st == C_UP) {
		struct fo_event up = { .type = FO_EV_LINK_UP, .now = ev.now };
		step(p, &up);
	}
}

/* ------------------------------------------------------------ greeting */

static void link_up(struct conn *c, const struct fo_msg *m)
{
	struct fo_peer *p = c->p;
	uint32_t rt = fo_has(m, FO_OPT_RECEIVE_TIMER) ? m->receive_timer : 0;
	p->st.peer_rt = rt;
	if (fo_has(m, FO_OPT_MAX_UNACKED))
		p->st.peer_max_unacked = m->max_unacked;
	/* CONTACT at a third of the peer's max-response-delay (section 8.2). */
	c->contact_ms = rt ? rt * 1000 / 3 : p->c.mrd_ms / 3;
	if (!c->contact_ms)
		c->contact_ms = 1;
	c->st = C_UP;
	p->link = c;
	p->st.links_up++;
	p->st.up_since = wall();
	p->retry_ms = p->c.retry_min_ms;
	loop_timer_stop(p->l, &p->retry);
	loop_timer_in(p->l, &c->deadline, p->c.mrd_ms);
	loop_timer_in(p->l, &c->contact, c->contact_ms);
	update_link_stat(p);
	log_info("failover: link to peer %s up (%s)", p->c.name, c->outgoing ? "ours" : "theirs");
	struct fo_event ev = { .type = FO_EV_LINK_UP, .now = wall() };
	step(p, &ev);
}

static uint32_t receive_timer(const struct fo_peer *p)
{
	uint32_t s = (p->c.mrd_ms + 999) / 1000;
	return s ? s : 1;
}

/* CONNECT as dhcp_failover_send_connect lays it out. */
static void send_connect(struct conn *c)
{
	struct fo_peer *p = c->p;
	struct fo_msg m;
	fo_msg_init(&m, FO_CONNECT, 0, 0);
	put_bytes(&m, FO_OPT_RELATIONSHIP_NAME, &m.relationship_name, p->c.name);
	m.max_unacked = p->c.max_unacked;
	m.receive_timer = receive_timer(p);
	put_bytes(&m, FO_OPT_VENDOR_CLASS, &m.vendor_class, VENDOR);
	m.protocol_version = FO_PROTOCOL_VERSION;
	m.tls_request = 0;
	m.mclt = p->sm.conf.mclt;
	m.hba = (struct fo_bytes){ p->c.hba, FO_HBA_LEN };
	fo_set(&m, FO_OPT_MAX_UNACKED);
	fo_set(&m, FO_OPT_RECEIVE_TIMER);
	fo_set(&m, FO_OPT_PROTOCOL_VERSION);
	fo_set(&m, FO_OPT_TLS_REQUEST);
	fo_set(&m, FO_OPT_MCLT);
	fo_set(&m, FO_OPT_HBA);
	send_msg(c, &m, false);
}

/* CONNECTACK, echoing the CONNECT's xid; reason 0 accepts. */
static int send_connectack(struct conn *c, const struct fo_msg *req, uint8_t reason,
			   const char *text)
{
	struct fo_peer *p = c->p;
	struct fo_msg m;
	fo_msg_init(&m, FO_CONNECTACK, 0, req->xid);
	put_bytes(&m, FO_OPT_RELATIONSHIP_NAME, &m.relationship_name, p->c.name);
	m.max_unacked = p->c.max_unacked;
	m.receive_timer = receive_timer(p);
	put_bytes(&m, FO_OPT_VENDOR_CLASS, &m.vendor_class, VENDOR);
	m.protocol_version = FO_PROTOCOL_VERSION;
	fo_set(&m, FO_OPT_MAX_UNACKED);
	fo_set(&m, FO_OPT_RECEIVE_TIMER);
	fo_set(&m, FO_OPT_PROTOCOL_VERSION);
	if (fo_has(req, FO_OPT_TLS_REQUEST)) {
		m.tls_reply = 0;
		fo_set(&m, FO_OPT_TLS_REPLY);
	}
	if (reason) {
		m.reject_reason = reason;
		fo_set(&m, FO_OPT_REJECT_REASON);
		put_bytes(&m, FO_OPT_MESSAGE, &m.message, text);
	}
	return send_msg(c, &m, true);
}

static bool name_matches(const struct fo_peer *p, const struct fo_msg *m)
{
	size_t n = strlen(p->c.name);
	return fo_has(m, FO_OPT_RELATIONSHIP_NAME) && m->relationship_name.len == n &&
	       memcmp(m->relationship_name.p, p->c.name, n) == 0;
}

static bool skew_ok(const struct fo_msg *m)
{
	int64_t d = (int64_t)m->time - (int64_t)wall();
	return d >= -SKEW_MAX && d <= SKEW_MAX;
}

/* What a secondary refuses in a CONNECT, in ISC's order: the name, the
 * clock, the bucket map, a second link, a missing MCLT. */
static uint8_t connect_verdict(const struct fo_peer *p, const struct fo_msg *m, const char **why)
{
	if (p->c.sm.role == FO_PRIMARY)
		return *why = "both servers are primary", FO_REJ_INVALID_PARTNER;
	if (!name_matches(p, m))
		return *why = "unknown failover relationship name", FO_REJ_INVALID_PARTNER;
	if (!skew_ok(m))
		return *why = "time offset too large", FO_REJ_TIME_MISMATCH;
	if (!fo_has(m, FO_OPT_HBA) || m->hba.len != FO_HBA_LEN)
		return *why = "invalid HBA", FO_REJ_HBA_CONFLICT;
	if (p->link)
		return *why = "already connected", FO_REJ_DUP_CONNECTION;
	if (!fo_has(m, FO_OPT_MCLT))
		return *why = "no MCLT provided", FO_REJ_INVALID_MCLT;
	return 0;
}

static void on_connect(struct conn *c, const struct fo_msg *m)
{
	struct fo_peer *p = c->p;
	const char *why = NULL;
	uint8_t reason = connect_verdict(p, m, &why);
	if (reason) {
		p->st.rejects_sent++;
		p->st.last_reject = reason;
		if (limited(p))
			log_warn("failover: CONNECT from %.*s refused: %s",
				 fo_has(m, FO_OPT_RELATIONSHIP_NAME) ? m->relationship_name.len : 7,
				 fo_has(m, FO_OPT_RELATIONSHIP_NAME) ?
					 (const char *)m->relationship_name.p : "unknown", why);
		if (send_connectack(c, m, reason, why) == 0)
			begin_closing(c);
		return;
	}
	if (send_connectack(c, m, 0, NULL) < 0)
		return;
	/* The primary's MCLT and split are the pair's (ISC: state->mclt). */
	p->sm.conf.mclt = m->mclt;
	memcpy(p->hba, m->hba.p, FO_HBA_LEN);
	p->have_hba = true;
	link_up(c, m);
}

static void on_connectack(struct conn *c, const struct fo_msg *m)
{
	struct fo_peer *p = c->p;
	if (p->c.sm.role != FO_PRIMARY) {
		p->st.unexpected++;
		conn_close(c);
		return;
	}
	if (fo_has(m, FO_OPT_REJECT_REASON)) {
		p->st.rejects_rcvd++;
		p->st.last_reject = m->reject_reason;
		if (limited(p))
			log_warn("failover: CONNECT to %s refused: %s", p->c.name,
				 fo_reject_name(m->reject_reason));
		conn_close(c);
		return;
	}
	if (!name_matches(p, m))
		end_with(c, FO_REJ_INVALID_PARTNER, "relationship name does not match");
	else if (p->link)
		end_with(c, FO_REJ_DUP_CONNECTION, "already connected");
	else if (!skew_ok(m))
		end_with(c, FO_REJ_TIME_MISMATCH, "time offset too large");
	else
		link_up(c, m);
}

static void on_disconnect(struct conn *c, const struct fo_msg *m)
{
	struct fo_peer *p = c->p;
	p->st.disconnects_rcvd++;
	if (fo_has(m, FO_OPT_REJECT_REASON)) {
		p->st.last_reject = m->reject_reason;
		p->st.rejects_rcvd++;
	}
	if (limited(p))
		log_warn("failover: DISCONNECT from peer: %s%s%.*s",
			 fo_has(m, FO_OPT_REJECT_REASON) ? fo_reject_name(m->reject_reason) : "no reason",
			 fo_has(m, FO_OPT_MESSAGE) ? ": " : "",
			 fo_has(m, FO_OPT_MESSAGE) ? m->message.len : 0,
			 fo_has(m, FO_OPT_MESSAGE) ? (const char *)m->message.p : "");
	conn_close(c);
}

/* ------------------------------------------------------------ input */

static void hello_msg(struct conn *c, const struct fo_msg *m)
{
	switch (m->type) {
	case FO_CONNECT:
		on_connect(c, m);
		break;
	case FO_CONNECTACK:
		on_connectack(c, m);
		break;
	case FO_DISCONNECT:
		on_disconnect(c, m);
		break;
	default:
		c->p->st.unexpected++;
		if (limited(c->p))
			log_warn("failover: %s before CONNECT, connection closed",
				 fo_type_name(m->type));
		conn_close(c);
	}
}

static void up_msg(struct conn *c, const struct fo_msg *m)
{
	struct fo_peer *p = c->p;
	switch (m->type) {
	case FO_STATE: {
		if (!fo_has(m, FO_OPT_SERVER_STATE)) {
			bad_stream(c, "STATE", "no server-state");
			return;
		}
		struct fo_event ev = { .type = FO_EV_PEER_STATE, .now = wall(),
				       .peer_state = m->server_state,
				       .peer_flags = fo_has(m, FO_OPT_SERVER_FLAGS) ? m->server_flags : 0,
				       .peer_stos = fo_has(m, FO_OPT_STOS) ? m->stos : 0 };
		p->st.peer_state = m->server_state;
		step(p, &ev);
		break;
	}
	case FO_CONTACT:
		break;		/* its arrival was the point */
	case FO_DISCONNECT:
		on_disconnect(c, m);
		break;
	case FO_CONNECT:
	case FO_CONNECTACK:
		p->st.unexpected++;
		end_with(c, FO_REJ_DUP_CONNECTION, "greeting on a live link");
		break;
	default:
		if (p->ops.on_msg)
			p->ops.on_msg(p->arg, m);
	}
}

static void note_skew(struct fo_peer *p, const struct fo_msg *m)
{
	int64_t d = (int64_t)m->time - (int64_t)wall();
	p->st.skew = (int32_t)d;
	int32_t a = (int32_t)(d < 0 ? -d : d);
	if (a > p->st.skew_max)
		p->st.skew_max = a;
	if (p->c.skew_warn && (uint32_t)a > p->c.skew_warn &&
	    log_allow(&p->skew_lim, mono_ms(), 1.0 / 600, 1.0))
		log_warn("failover: peer clock is %+lld s from ours (ClockSkewWarn %u)",
			 (long long)d, p->c.skew_warn);
}

static void handle(struct conn *c, const uint8_t *buf, size_t len)
{
	struct fo_peer *p = c->p;
	struct fo_msg m;
	const char *why = NULL;
	if (fo_decode(&m, buf, len, &why) < 0) {
		bad_stream(c, "bad message", why);
		return;
	}
	p->st.msgs_in++;
	p->st.bytes_in += len;
	p->st.in_type[m.type]++;
	p->st.last_rx = wall();
	note_skew(p, &m);
	if (c->st == C_UP)
		loop_timer_in(p->l, &c->deadline, p->c.mrd_ms);
	if (c->st == C_HELLO)
		hello_msg(c, &m);
	else if (c->st == C_UP)
		up_msg(c, &m);
}

/* Reads what is there, hands each whole message on; stops as soon as a
 * handler closed the connection (its slot may not be ours any more). */
static void conn_read(struct conn *c)
{
	struct fo_peer *p = c->p;
	unsigned gen = c->gen;
	for (int k = 0; k < READS_PER_EVENT; k++) {
		ssize_t n = recv(c->fd, c->in + c->in_len, IN_CAP - c->in_len, MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n <= 0) {
			if (c->st == C_UP && limited(p))
				log_info("failover: peer closed the link");
			conn_close(c);
			return;
		}
		c->in_len += (size_t)n;
		size_t off = 0, len = 0;
		for (;;) {
			const char *why = NULL;
			int r = fo_frame(c->in + off, c->in_len - off, &len, &why);
			if (r < 0) {
				bad_stream(c, "bad length", why);
				return;
			}
			if (r == 0)
				break;
			handle(c, c->in + off, len);
			if (c->gen != gen || c->st == C_CLOSING || c->st == C_FREE)
				return;
			off += len;
		}
		memmove(c->in, c->in + off, c->in_len - off);
		c->in_len -= off;
	}
}

static void conn_ready(struct conn *c)
{
	struct fo_peer *p = c->p;
	c->st = C_HELLO;
	loop_timer_in(p->l, &c->deadline, p->c.handshake_ms);
	/* The primary greets on every link, opened or accepted, as ISC does. */
	if (p->c.sm.role == FO_PRIMARY)
		send_connect(c);
	else
		conn_interest(c);
	update_link_stat(p);
}

static void on_conn_io(void *arg, int fd, uint32_t events)
{
	struct conn *c = arg;
	(void)fd;
	unsigned gen = c->gen;
	if (c->st == C_CONNECTING) {
		int err = 0;
		socklen_t el = sizeof err;
		if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &el) < 0 || err) {
			c->p->st.connect_fail++;
			conn_close(c);
			return;
		}
		conn_ready(c);
		return;
	}
	if ((events & LOOP_WRITE) && c->out_len > c->out_off)
		conn_flush(c);
	if (c->gen != gen || c->st == C_FREE || !(events & LOOP_READ))
		return;
	if (c->st == C_CLOSING) {	/* only an error or hang-up wakes us here */
		uint8_t junk[256];
		if (recv(c->fd, junk, sizeof junk, MSG_DONTWAIT) == 0)
			conn_close(c);
		return;
	}
	conn_read(c);
}

static void on_deadline(void *arg)
{
	struct conn *c = arg;
	struct fo_peer *p = c->p;
	if (c->st == C_UP) {
		p->st.timeouts++;
		log_warn("failover: nothing from peer %s for %u ms, link ended", p->c.name,
			 p->c.mrd_ms);
		end_with(c, FO_REJ_NO_TRAFFIC, "nothing received within max-response-delay");
		return;
	}
	if (c->st == C_CONNECTING || c->st == C_HELLO)
		p->st.timeouts++;
	conn_close(c);
}

static void on_contact(void *arg)
{
	struct conn *c = arg;
	struct fo_msg m;
	if (c->st != C_UP)
		return;
	fo_msg_init(&m, FO_CONTACT, 0, 0);
	send_msg(c, &m, false);
}

/* ------------------------------------------------------------ sockets */

static struct conn *conn_slot(struct fo_peer *p, int fd, bool outgoing, enum cst st)
{
	for (int i = 0; i < CONN_MAX; i++) {
		struct conn *c = &p->conns[i];
		if (c->st != C_FREE)
			continue;
		uint32_t ev = st == C_CONNECTING ? LOOP_WRITE : LOOP_READ;
		if (loop_fd_add(p->l, fd, ev, on_conn_io, c) < 0)
			return NULL;
		if (p->c.sndbuf > 0)
			setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &p->c.sndbuf, sizeof p->c.sndbuf);
		c->fd = fd;
		c->st = st;
		c->outgoing = outgoing;
		c->interest = ev;
		c->xid = 0;
		return c;
	}
	return NULL;
}

static void on_accept(void *arg, int fd, uint32_t events)
{
	struct fo_peer *p = arg;
	(void)events;
	for (int k = 0; k < 8; k++) {
		struct sockaddr_in from;
		socklen_t fl = sizeof from;
		int s = accept4(fd, (struct sockaddr *)&from, &fl, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (s < 0)
			return;
		struct conn *c = NULL;
		if (ntohl(from.sin_addr.s_addr) == p->c.peer_addr)
			c = conn_slot(p, s, false, C_HELLO);
		if (!c) {	/* ISC: "listener: no matching state" */
			p->st.accept_refused++;
			if (limited(p))
				log_warn("failover: connection from %s refused",
					 inet_ntoa(from.sin_addr));
			close(s);
			continue;
		}
		p->st.accepts++;
		conn_ready(c);
	}
}

static void open_link(struct fo_peer *p)
{
	int s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s < 0)
		goto fail;
	/* From our configured address, as ISC binds its local address. */
	struct sockaddr_in me = { .sin_family = AF_INET, .sin_addr = { htonl(p->c.addr) } };
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(p->c.peer_port),
				  .sin_addr = { htonl(p->c.peer_addr) } };
	if (p->c.addr && bind(s, (struct sockaddr *)&me, sizeof me) < 0)
		goto fail;
	p->st.connects++;
	int r = connect(s, (struct sockaddr *)&to, sizeof to);
	if (r < 0 && errno != EINPROGRESS)
		goto fail;
	struct conn *c = conn_slot(p, s, true, r == 0 ? C_HELLO : C_CONNECTING);
	if (!c)
		goto fail;
	if (r == 0) {
		conn_ready(c);
		return;
	}
	loop_timer_in(p->l, &c->deadline, p->c.handshake_ms);
	update_link_stat(p);
	return;
fail:
	p->st.connect_fail++;
	if (s >= 0)
		close(s);
	schedule_retry(p);
}

static void on_retry(void *arg)
{
	struct fo_peer *p = arg;
	if (p->link)
		return;
	for (int i = 0; i < CONN_MAX; i++)	/* one attempt of ours at a time */
		if (p->conns[i].outgoing && (p->conns[i].st == C_CONNECTING ||
					     p->conns[i].st == C_HELLO))
			return;
	open_link(p);
}

struct fo_peer *fo_peer_new(struct loop *l, const struct fo_peer_conf *c,
			    const struct fo_peer_ops *ops, void *arg, char *err, size_t errlen)
{
	struct fo_peer *p = calloc(1, sizeof *p);
	if (!p) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	p->l = l;
	p->c = *c;
	if (ops)
		p->ops = *ops;
	p->arg = arg;
	p->lfd = -1;
	p->retry_ms = c->retry_min_ms ? c->retry_min_ms : 1000;
	if (!p->c.retry_max_ms)
		p->c.retry_max_ms = 30000;
	fo_sm_init(&p->sm, &c->sm);
	loop_timer_init(&p->retry, on_retry, p);
	loop_timer_init(&p->kick, on_kick, p);
	for (int i = 0; i < FO_TIMER_COUNT; i++) {
		p->smt[i].p = p;
		p->smt[i].which = (enum fo_timer)i;
		loop_timer_init(&p->smt[i].t, on_sm_timer, &p->smt[i]);
	}
	for (int i = 0; i < CONN_MAX; i++) {
		struct conn *k = &p->conns[i];
		k->p = p;
		k->fd = -1;
		loop_timer_init(&k->deadline, on_deadline, k);
		loop_timer_init(&k->contact, on_contact, k);
	}
	if (c->sm.role == FO_PRIMARY) {
		memcpy(p->hba, c->hba, FO_HBA_LEN);
		p->have_hba = true;
	}
	int s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int on = 1;
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(c->port),
				 .sin_addr = { htonl(c->addr) } };
	socklen_t al = sizeof a;
	if (s < 0 || setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) < 0 ||
	    bind(s, (struct sockaddr *)&a, sizeof a) < 0 || listen(s, 8) < 0 ||
	    getsockname(s, (struct sockaddr *)&a, &al) < 0) {
		snprintf(err, errlen, "failover listener port %u: %s", c->port, strerror(errno));
		if (s >= 0)
			close(s);
		free(p);
		return NULL;
	}
	p->lfd = s;
	p->lport = ntohs(a.sin_port);
	return p;
}

int fo_peer_start(struct fo_peer *p, uint16_t peer_port)
{
	if (p->started)
		return 0;
	if (peer_port)
		p->c.peer_port = peer_port;
	if (loop_fd_add(p->l, p->lfd, LOOP_READ, on_accept, p) < 0)
		return -1;
	p->started = true;
	open_link(p);
	return 0;
}

void fo_peer_free(struct fo_peer *p)
{
	if (!p)
		return;
	p->freeing = true;
	if (p->link) {
		struct conn *c = p->link;
		end_with(c, FO_REJ_MISC, "server shutting down");
		if (c->st == C_CLOSING)
			conn_flush(c);
	}
	for (int i = 0; i < CONN_MAX; i++)
		conn_close(&p->conns[i]);
	loop_timer_stop(p->l, &p->retry);
	for (int i = 0; i < FO_TIMER_COUNT; i++)
		loop_timer_stop(p->l, &p->smt[i].t);
	loop_timer_stop(p->l, &p->kick);
	if (p->lfd >= 0) {
		if (p->started)
			loop_fd_del(p->l, p->lfd);
		close(p->lfd);
	}
	free(p);
}

/* ------------------------------------------------------------ the rest */

int fo_peer_send(struct fo_peer *p, struct fo_msg *m, bool reply)
{
	if (!p->link)
		return -1;
	return send_msg(p->link, m, reply);
}

int fo_peer_send_encoded(struct fo_peer *p, const uint8_t *buf, size_t len)
{
	size_t flen = 0;
	const char *why = NULL;
	if (!p->link || fo_frame(buf, len, &flen, &why) != 1 || flen != len)
		return -1;
	return queue(p->link, buf, len);
}

size_t fo_peer_pending(const struct fo_peer *p)
{
	return p->link ? p->link->out_len - p->link->out_off : 0;
}

bool fo_peer_up(const struct fo_peer *p)
{
	return p->link != NULL;
}

void fo_peer_disconnect(struct fo_peer *p, uint8_t reason, const char *text)
{
	if (p->link)
		end_with(p->link, reason, text ? text : fo_reject_name(reason));
}

uint16_t fo_peer_port(const struct fo_peer *p)
{
	return p->lport;
}

void fo_peer_restore_pair(struct fo_peer *p, uint32_t mclt, const uint8_t hba[FO_HBA_LEN])
{
	if (p->c.sm.role == FO_PRIMARY)
		return;		/* its own configuration is the pair's */
	p->sm.conf.mclt = mclt;
	if (hba) {
		memcpy(p->hba, hba, FO_HBA_LEN);
		p->have_hba = true;
	}
}

const uint8_t *fo_peer_hba(const struct fo_peer *p)
{
	return p->have_hba ? p->hba : NULL;
}

const struct fo_sm *fo_peer_sm(const struct fo_peer *p)
{
	return &p->sm;
}

const struct fo_peer_stats *fo_peer_stats(const struct fo_peer *p)
{
	return &p->st;
}
