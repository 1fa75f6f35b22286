/* The failover link on loopback.  Two peers, each on its own event loop
 * (so one can be frozen while the other runs), connect, greet and reach
 * the state the machine gives; a hand-driven socket plays a wrong,
 * broken or slow peer.  Every wait is bounded; ports are the kernel's. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "common/clock.h"
#include "common/loop.h"
#include "failover/hash.h"
#include "failover/peer.h"
#include "t.h"

#define LO 0x7f000001u

struct side {
	struct loop *l;
	struct fo_peer *p;
	uint32_t req_xid;	/* the UPDREQ(ALL) our UPDDONE answers */
	unsigned other;		/* messages handed to on_msg */
};

/* The update queue's part, as small as it gets: nothing to send, so an
 * UPDREQ(ALL) is answered with UPDDONE at once. */
static void on_msg(void *arg, const struct fo_msg *m)
{
	struct side *s = arg;
	s->other++;
	if (m->type == FO_UPDREQALL || m->type == FO_UPDREQ) {
		s->req_xid = m->xid;
		fo_peer_event(s->p, &(struct fo_event){ .type = FO_EV_UPDATES_ACKED });
	} else if (m->type == FO_UPDDONE) {
		fo_peer_event(s->p, &(struct fo_event){ .type = FO_EV_UPDDONE });
	}
}

static void on_actions(void *arg, const struct fo_sm *sm, const struct fo_actions *a)
{
	struct side *s = arg;
	(void)sm;
	if (a->send & FO_SEND_UPDDONE) {
		struct fo_msg m;
		fo_msg_init(&m, FO_UPDDONE, 0, s->req_xid);
		fo_peer_send(s->p, &m, true);
	}
}

static const struct fo_peer_ops ops = { .on_msg = on_msg, .actions = on_actions };

static struct fo_peer_conf conf(enum fo_role role, uint32_t mrd_ms)
{
	struct fo_peer_conf c = {
		.sm = { .role = role, .mclt = role == FO_PRIMARY ? 60 : 0, .startup_wait = 15 },
		.name = "fo-lab", .addr = LO, .peer_addr = LO,
		.max_unacked = 10, .mrd_ms = mrd_ms, .skew_warn = 5,
		.handshake_ms = 1500, .retry_min_ms = 50, .retry_max_ms = 400,
		.out_max = 1u << 20,
	};
	fo_split_map(c.hba, 128);
	return c;
}

static void side_new(struct side *s, const struct fo_peer_conf *c)
{
	char err[128];
	s->l = loop_new();
	s->p = fo_peer_new(s->l, c, &ops, s, err, sizeof err);
	CHECK(s->p != NULL);
	if (!s->p)
		abort();
	fo_peer_event(s->p, &(struct fo_event){ .type = FO_EV_START, .store_intact = false });
}

static void side_free(struct side *s)
{
	fo_peer_free(s->p);
	loop_free(s->l);
}

/* A port where nobody listens (bound, so nobody else takes it). */
static int dead_port(uint16_t *port)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr = { htonl(LO) } };
	socklen_t al = sizeof a;
	bind(fd, (struct sockaddr *)&a, sizeof a);
	getsockname(fd, (struct sockaddr *)&a, &al);
	*port = ntohs(a.sin_port);
	return fd;
}

static void turn(struct side *a, struct side *b)
{
	if (a)
		loop_turn(a->l, b ? 2 : 10);
	if (b)
		loop_turn(b->l, a ? 2 : 10);
}

static bool both_normal(struct side *a, struct side *b)
{
	return fo_peer_sm(a->p)->state == FO_ST_NORMAL && fo_peer_sm(b->p)->state == FO_ST_NORMAL &&
	       fo_peer_up(a->p) && fo_peer_up(b->p);
}

/* Turns a (and b) until done or ms passed; returns whether done. */
#define RUN_UNTIL(a, b, cond, ms) ({ \
	int64_t end_ = mono_ms() + (ms); \
	while (!(cond) && mono_ms() < end_) \
		turn(a, b); \
	(cond); })

static void run_for(struct side *a, struct side *b, int ms)
{
	int64_t end = mono_ms() + ms;
	while (mono_ms() < end)
		turn(a, b);
}

static void pair_new(struct side *a, struct side *b, uint32_t mrd_ms)
{
	struct fo_peer_conf pc = conf(FO_PRIMARY, mrd_ms), sc = conf(FO_SECONDARY, mrd_ms);
	side_new(a, &pc);
	side_new(b, &sc);
	CHECK_EQ(fo_peer_start(a->p, fo_peer_port(b->p)), 0);
	CHECK_EQ(fo_peer_start(b->p, fo_peer_port(a->p)), 0);
}

/* Both fresh: CONNECT/CONNECTACK, STATE recover, UPDREQALL both ways,
 * UPDDONE, and both in normal (ISC 4.4.3 in isc-connect-normal). */
TEST(pair_reaches_normal)
{
	struct side a = {0}, b = {0};
	pair_new(&a, &b, 1000);
	CHECK(RUN_UNTIL(&a, &b, both_normal(&a, &b), 3000));
	const struct fo_peer_stats *sa = fo_peer_stats(a.p), *sb = fo_peer_stats(b.p);
	CHECK(sb->in_type[FO_CONNECT] >= 1);
	CHECK(sa->in_type[FO_CONNECTACK] >= 1);
	CHECK(sa->in_type[FO_STATE] >= 2 && sb->in_type[FO_STATE] >= 2);
	CHECK(sa->in_type[FO_UPDREQALL] >= 1 && sb->in_type[FO_UPDDONE] >= 1);
	CHECK_EQ(sa->link, FO_LINK_UP);
	CHECK_EQ(sb->peer_state, FO_ST_NORMAL);
	CHECK_EQ(sa->malformed + sb->malformed, 0);
	CHECK_EQ(sb->peer_rt, 1);
	CHECK(fo_peer_hba(b.p) && fo_peer_hba(b.p)[0] == 0xff && fo_peer_hba(b.p)[16] == 0);
	CHECK_EQ(fo_peer_sm(b.p)->conf.mclt, 60);	/* learnt from CONNECT */

	/* Idle: CONTACT every third of the peer's 1 s; the link stays. */
	uint64_t ca = sa->in_type[FO_CONTACT], cb = sb->in_type[FO_CONTACT];
	run_for(&a, &b, 1200);
	CHECK(sa->in_type[FO_CONTACT] >= ca + 2);
	CHECK(sb->in_type[FO_CONTACT] >= cb + 2);
	CHECK_EQ(sa->timeouts + sb->timeouts, 0);
	CHECK_EQ(sa->links_up, 1);
	CHECK(both_normal(&a, &b));
	side_free(&a);
	side_free(&b);
}

/* The primary freezes: the secondary drops the link after its
 * max-response-delay with DISCONNECT(no traffic), goes to
 * communications-interrupted; thawed, the pair reconnects. */
TEST(silent_peer_dropped_then_reconnect)
{
	struct side a = {0}, b = {0};
	pair_new(&a, &b, 600);
	CHECK(RUN_UNTIL(&a, &b, both_normal(&a, &b), 3000));
	int64_t t0 = mono_ms();
	CHECK(RUN_UNTIL(NULL, &b, !fo_peer_up(b.p), 2000));
	int64_t took = mono_ms() - t0;
	CHECK(took >= 500 && took < 1200);
	CHECK_EQ(fo_peer_stats(b.p)->timeouts, 1);
	CHECK_EQ(fo_peer_stats(b.p)->last_reject, FO_REJ_NO_TRAFFIC);
	CHECK_EQ(fo_peer_sm(b.p)->state, FO_ST_COMM_INTERRUPTED);
	CHECK(RUN_UNTIL(&a, &b, fo_peer_stats(a.p)->links_down >= 1, 2000));
	CHECK(RUN_UNTIL(&a, &b, both_normal(&a, &b), 4000));
	CHECK_EQ(fo_peer_stats(b.p)->links_up, 2);
	side_free(&a);
	side_free(&b);
}

/* ------------------------------------------------ a hand-driven peer */

struct raw {
	int fd;
	size_t have;
	uint8_t buf[1 << 18];
	struct fo_msg m;
	uint8_t cur[FO_MSG_MAX];
};

static void raw_connect(struct raw *r, uint16_t port, int rcvbuf)
{
	r->fd = socket(AF_INET, SOCK_STREAM, 0);
	r->have = 0;
	if (rcvbuf)
		setsockopt(r->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port),
				 .sin_addr = { htonl(LO) } };
	CHECK_EQ(connect(r->fd, (struct sockaddr *)&a, sizeof a), 0);
	fcntl(r->fd, F_SETFL, O_NONBLOCK);
}

static void raw_bytes(struct raw *r, const void *b, size_t n)
{
	CHECK_EQ(send(r->fd, b, n, MSG_NOSIGNAL), (ssize_t)n);
}

static void raw_send(struct raw *r, const struct fo_msg *m)
{
	uint8_t b[FO_MSG_MAX];
	const char *why = NULL;
	size_t n = fo_encode(m, b, sizeof b, &why);
	CHECK(n > 0);
	raw_bytes(r, b, n);
}

/* The next message (1), EOF (0) or nothing within ms (-1). */
static int raw_next(struct raw *r, struct side *s, int ms)
{
	int64_t end = mono_ms() + ms;
	for (;;) {
		size_t len = 0;
		const char *why = NULL;
		if (fo_frame(r->buf, r->have, &len, &why) == 1) {
			memcpy(r->cur, r->buf, len);
			memmove(r->buf, r->buf + len, r->have - len);
			r->have -= len;
			CHECK_EQ(fo_decode(&r->m, r->cur, len, &why), 0);
			return 1;
		}
		ssize_t k = recv(r->fd, r->buf + r->have, sizeof r->buf - r->have, 0);
		if (k == 0 || (k < 0 && errno != EAGAIN))
			return 0;
		if (k > 0) {
			r->have += (size_t)k;
			continue;
		}
		if (mono_ms() >= end)
			return -1;
		loop_turn(s->l, 5);
	}
}

/* Skips to the next message of type t. */
static bool raw_expect(struct raw *r, struct side *s, uint8_t t, int ms)
{
	int64_t end = mono_ms() + ms;
	while (mono_ms() < end)
		if (raw_next(r, s, (int)(end - mono_ms())) != 1)
			return false;
		else if (r->m.type == t)
			return true;
	return false;
}

static const uint8_t hba128[FO_HBA_LEN] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
					    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

/* A CONNECT as ISC's primary sends it (isc-connect-normal #1). */
static void make_connect(struct fo_msg *m, const char *name, int32_t skew, uint16_t hba_len)
{
	fo_msg_init(m, FO_CONNECT, (uint32_t)(time(NULL) + skew), 0);
	m->relationship_name = (struct fo_bytes){ (const uint8_t *)name, (uint16_t)strlen(name) };
	m->max_unacked = 10;
	m->receive_timer = 30;
	m->vendor_class = (struct fo_bytes){ (const uint8_t *)"isc-4.4.3-P1", 12 };
	m->protocol_version = 1;
	m->mclt = 60;
	m->hba = (struct fo_bytes){ hba128, hba_len };
	unsigned codes[] = { FO_OPT_RELATIONSHIP_NAME, FO_OPT_MAX_UNACKED, FO_OPT_RECEIVE_TIMER,
			     FO_OPT_VENDOR_CLASS, FO_OPT_PROTOCOL_VERSION, FO_OPT_TLS_REQUEST,
			     FO_OPT_MCLT, FO_OPT_HBA };
	for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++)
		fo_set(m, codes[i]);
}

/* A secondary alone (its own connects go nowhere). */
static int lone_secondary(struct side *s, uint32_t mrd_ms, size_t out_max)
{
	uint16_t dead;
	int hold = dead_port(&dead);
	struct fo_peer_conf c = conf(FO_SECONDARY, mrd_ms);
	c.out_max = out_max;
	c.sndbuf = 8192;	/* so that our own buffer is what holds the backlog */
	side_new(s, &c);
	CHECK_EQ(fo_peer_start(s->p, dead), 0);
	return hold;
}

/* CONNECTACK with the reason, then the socket closes. */
static void check_refused(struct side *s, const char *name, int32_t skew, uint16_t hba_len,
			  uint8_t reason)
{
	struct raw *r = calloc(1, sizeof *r);
	struct fo_msg m;
	raw_connect(r, fo_peer_port(s->p), 0);
	make_connect(&m, name, skew, hba_len);
	m.xid = 77;
	raw_send(r, &m);
	CHECK_EQ(raw_next(r, s, 2000), 1);
	CHECK_EQ(r->m.type, FO_CONNECTACK);
	CHECK_EQ(r->m.xid, 77);
	CHECK(fo_has(&r->m, FO_OPT_REJECT_REASON));
	CHECK_EQ(r->m.reject_reason, reason);
	CHECK(fo_has(&r->m, FO_OPT_MESSAGE));
	CHECK_EQ(raw_next(r, s, 2000), 0);
	CHECK(!fo_peer_up(s->p));
	close(r->fd);
	free(r);
}

/* Draft section 7.1 / ISC's checks: name (8), clock (4), bucket map (18). */
TEST(connect_refused_with_reason)
{
	struct side s = {0};
	int hold = lone_secondary(&s, 2000, 1u << 20);
	check_refused(&s, "not-fo-lab", 0, FO_HBA_LEN, FO_REJ_INVALID_PARTNER);
	check_refused(&s, "fo-lab", -120, FO_HBA_LEN, FO_REJ_TIME_MISMATCH);
	check_refused(&s, "fo-lab", 0, 16, FO_REJ_HBA_CONFLICT);
	CHECK_EQ(fo_peer_stats(s.p)->rejects_sent, 3);
	CHECK_EQ(fo_peer_stats(s.p)->links_up, 0);
	CHECK_EQ(fo_peer_sm(s.p)->state, FO_ST_STARTUP);
	side_free(&s);
	close(hold);
}

/* Completes a greeting as the primary; returns with the link up. */
static bool raw_greet(struct raw *r, struct side *s, int rcvbuf)
{
	struct fo_msg m;
	raw_connect(r, fo_peer_port(s->p), rcvbuf);
	make_connect(&m, "fo-lab", 0, FO_HBA_LEN);
	raw_send(r, &m);
	if (!raw_expect(r, s, FO_CONNECTACK, 2000) || fo_has(&r->m, FO_OPT_REJECT_REASON))
		return false;
	return raw_expect(r, s, FO_STATE, 2000) && fo_peer_up(s->p);
}

/* Garbage, a bad length and a bad message each end their connection and
 * are counted; the listener then greets a good peer, and a second
 * greeting on a live link is refused as a duplicate (reason 7). */
TEST(garbage_and_oversize)
{
	struct side s = {0};
	int hold = lone_secondary(&s, 2000, 1u << 20);
	static const char http[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";	/* length 0x4745 */
	static const uint8_t big[] = { 0x09, 0x00, 5, 12, 0, 0, 0, 0, 0, 0, 0, 0 };
	static const uint8_t badtype[] = { 0x00, 0x10, 99, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0 };
	static const uint8_t repeat[] = { 0x00, 0x1a, 10, 12, 0, 0, 0, 0, 0, 0, 0, 0,
					  0, 24, 0, 1, 2, 0, 24, 0, 1, 2, 0, 0, 0, 0 };
	const struct { const void *b; size_t n; } bad[] = {
		{ http, sizeof http - 1 }, { big, sizeof big }, { badtype, sizeof badtype },
		{ repeat, sizeof repeat },
	};
	struct raw *r = calloc(1, sizeof *r);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		raw_connect(r, fo_peer_port(s.p), 0);
		raw_bytes(r, bad[i].b, bad[i].n);
		CHECK_EQ(raw_next(r, &s, 2000), 0);
		CHECK_EQ(fo_peer_stats(s.p)->malformed, i + 1);
		close(r->fd);
	}
	CHECK(raw_greet(r, &s, 0));
	CHECK_EQ(fo_peer_stats(s.p)->links_up, 1);

	struct raw *r2 = calloc(1, sizeof *r2);
	struct fo_msg m;
	raw_connect(r2, fo_peer_port(s.p), 0);
	make_connect(&m, "fo-lab", 0, FO_HBA_LEN);
	raw_send(r2, &m);
	CHECK(raw_expect(r2, &s, FO_CONNECTACK, 2000));
	CHECK_EQ(r2->m.reject_reason, FO_REJ_DUP_CONNECTION);
	CHECK(fo_peer_up(s.p));

	/* A bad message on the live link: DISCONNECT, then close. */
	raw_bytes(r, repeat, sizeof repeat);
	CHECK(raw_expect(r, &s, FO_DISCONNECT, 2000));
	CHECK_EQ(r->m.reject_reason, FO_REJ_MISC);
	CHECK_EQ(raw_next(r, &s, 2000), 0);
	CHECK(!fo_peer_up(s.p));
	CHECK_EQ(fo_peer_stats(s.p)->malformed, 5);
	CHECK_EQ(fo_peer_stats(s.p)->links_down, 1);
	close(r->fd);
	close(r2->fd);
	free(r);
	free(r2);
	side_free(&s);
	close(hold);
}

static size_t send_bndupds(struct side *s, unsigned n)
{
	unsigned sent = 0;
	for (unsigned i = 0; i < n; i++) {
		struct fo_msg m;
		fo_msg_init(&m, FO_BNDUPD, 0, 0);
		m.assigned_ip = 0xc6121000 + i;
		m.binding_status = FO_BIND_FREE;
		fo_set(&m, FO_OPT_ASSIGNED_IP);
		fo_set(&m, FO_OPT_BINDING_STATUS);
		if (fo_peer_send(s->p, &m, false) < 0)
			break;
		sent++;
	}
	return sent;
}

/* A peer that reads nothing for a while gets every byte, in order, once
 * it reads; one that leaves more than out_max unread loses the link. */
TEST(slow_reader)
{
	struct side s = {0};
	int hold = lone_secondary(&s, 3000, 1u << 20);
	struct raw *r = calloc(1, sizeof *r);
	CHECK(raw_greet(r, &s, 4096));
	const unsigned n = 5000;
	CHECK_EQ(send_bndupds(&s, n), n);
	run_for(NULL, &s, 300);		/* the reader sleeps */
	CHECK(fo_peer_up(s.p));
	CHECK(fo_peer_pending(s.p) > 0);
	unsigned got = 0, in_order = 1, last = 0;
	int64_t end = mono_ms() + 4000;
	while (got < n && mono_ms() < end && raw_next(r, &s, 100) != 0) {
		if (r->m.type != FO_BNDUPD)
			continue;
		in_order &= r->m.assigned_ip == 0xc6121000 + got && (got == 0 || r->m.xid == last + 1);
		last = r->m.xid;
		got++;
	}
	CHECK_EQ(got, n);
	CHECK(in_order);
	CHECK_EQ(fo_peer_pending(s.p), 0);
	CHECK_EQ(fo_peer_stats(s.p)->slow_reader, 0);
	close(r->fd);
	side_free(&s);
	close(hold);

	hold = lone_secondary(&s, 3000, 16384);
	CHECK(raw_greet(r, &s, 4096));
	CHECK(send_bndupds(&s, n) < n);
	CHECK_EQ(fo_peer_stats(s.p)->slow_reader, 1);
	CHECK(!fo_peer_up(s.p));
	CHECK_EQ(raw_next(r, &s, 2000) >= 0, 1);
	close(r->fd);
	free(r);
	side_free(&s);
	close(hold);
}

/* The peer's clock is measured on every message. */
/* A secondary's MCLT and map from its journal are in force before any
 * CONNECT (a restart while the primary is away); a CONNECT replaces
 * them; a primary keeps its own. */
TEST(restored_pair_until_connect)
{
	struct side a = {0}, b = {0};
	struct fo_peer_conf pc = conf(FO_PRIMARY, 1000), sc = conf(FO_SECONDARY, 1000);
	uint8_t map[FO_HBA_LEN];
	fo_split_map(map, 64);
	side_new(&b, &sc);
	CHECK(fo_peer_hba(b.p) == NULL);
	CHECK_EQ(fo_peer_sm(b.p)->conf.mclt, 0);
	fo_peer_restore_pair(b.p, 30, map);
	CHECK_EQ(fo_peer_sm(b.p)->conf.mclt, 30);
	CHECK(fo_peer_hba(b.p) && memcmp(fo_peer_hba(b.p), map, FO_HBA_LEN) == 0);
	side_new(&a, &pc);
	fo_peer_restore_pair(a.p, 30, map);
	CHECK_EQ(fo_peer_sm(a.p)->conf.mclt, 60);
	CHECK(fo_peer_hba(a.p)[8] == 0xff);
	CHECK_EQ(fo_peer_start(a.p, fo_peer_port(b.p)), 0);
	CHECK_EQ(fo_peer_start(b.p, fo_peer_port(a.p)), 0);
	CHECK(RUN_UNTIL(&a, &b, both_normal(&a, &b), 3000));
	CHECK_EQ(fo_peer_sm(b.p)->conf.mclt, 60);
	CHECK(fo_peer_hba(b.p)[8] == 0xff);
	side_free(&a);
	side_free(&b);
}

TEST(skew_measured)
{
	struct side s = {0};
	int hold = lone_secondary(&s, 3000, 1u << 20);
	struct raw *r = calloc(1, sizeof *r);
	CHECK(raw_greet(r, &s, 0));
	struct fo_msg m;
	fo_msg_init(&m, FO_CONTACT, (uint32_t)time(NULL) + 30, 5);
	raw_send(r, &m);
	int64_t end = mono_ms() + 2000;
	while (fo_peer_stats(s.p)->in_type[FO_CONTACT] == 0 && mono_ms() < end)
		loop_turn(s.l, 5);
	CHECK(fo_peer_stats(s.p)->skew >= 29 && fo_peer_stats(s.p)->skew <= 31);
	CHECK(fo_peer_stats(s.p)->skew_max >= 29);
	CHECK(fo_peer_up(s.p));
	close(r->fd);
	free(r);
	side_free(&s);
	close(hold);
}

T_RUN(T_CASE(pair_reaches_normal), T_CASE(silent_peer_dropped_then_reconnect),
      T_CASE(connect_refused_with_reason), T_CASE(garbage_and_oversize), T_CASE(slow_reader),
      T_CASE(skew_measured), T_CASE(restored_pair_until_connect))
