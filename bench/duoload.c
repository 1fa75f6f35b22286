/* duoload: a DHCPv4 load generator that plays a relay agent, as perfdhcp
 * does: it sets giaddr to its own address, sends to the server's port 67
 * and takes the replies on its own port 67.  Many simulated clients, each
 * with its own chaddr (and optional client identifier), run DORA, RENEW
 * and RELEASE exchanges at a paced rate or as fast as a window allows.
 *
 * Every load loop is bounded in count and in time (--duration, --count):
 * this tool sends only to the server addresses it is given, and is
 * meant to run inside a network namespace on 198.18.0.0/15.
 *
 * Output: a JSON summary on stdout; --ack-log FILE records every ACK (and
 * every RELEASE sent) so a crash test can check that each ACKed lease
 * survived a SIGKILL of the server.
 *
 * Build: gcc -std=c17 -D_GNU_SOURCE -O2 -Wall -Wextra -Werror bench/duoload.c -o duoload */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH 64			/* datagrams per sendmmsg/recvmmsg */
#define PKT_MAX 1500
#define REQ_LEN 300			/* BOOTP minimum, as real clients send */
#define MAX_CLIENTS (1u << 24)		/* xid = generation << 24 | client */
#define MAX_DURATION_S 3600.0
#define MAX_COUNT 1000000000ull
#define HIST_BUCKETS 2048
#define STEP_MAX 256			/* new exchanges started per loop turn */
#define MAGIC 0x63825363u
#define JUNK_MAX 1400			/* the longest malformed packet we send */

enum { T_DISCOVER = 1, T_OFFER, T_REQUEST, T_DECLINE, T_ACK, T_NAK, T_RELEASE };
enum kind { K_DORA, K_RENEW, K_RELEASE, K_NKINDS };
enum cstate { C_IDLE, C_WAIT_OFFER, C_WAIT_ACK };

static const char *const kind_name[K_NKINDS] = { "dora", "renew", "release" };

struct client {
	uint32_t lease_addr;		/* 0: holds no lease from this run */
	uint32_t server_id;
	uint32_t offer_addr;
	uint8_t gen;			/* high byte of the xid of its exchange */
	uint8_t state;			/* enum cstate */
	uint8_t kind;			/* enum kind of the exchange in flight */
	uint8_t in_ring;		/* queued as a lease holder */
	int64_t t_start;		/* exchange start, monotonic ns */
	int64_t t_req;			/* REQUEST sent, monotonic ns */
};

/* Latency histogram in microseconds: exact below 128 us, then 64
 * sub-buckets per power of two (under 1.6% error). */
struct hist {
	uint64_t n[HIST_BUCKETS];
	uint64_t count;
	double sum_us;
	uint64_t max_us;
};

struct pending {			/* timeout queue entry, in start order */
	uint32_t client;
	uint8_t gen;
	int64_t t_start;
};

struct outpkt {
	uint16_t len;
	uint8_t buf[REQ_LEN];
};

#define MAX_SERVERS 2

struct opts {
	struct sockaddr_in server[MAX_SERVERS];	/* each request goes to every one */
	unsigned nservers;
	uint32_t local, giaddr;		/* network byte order */
	uint16_t local_port;
	double rate;			/* exchanges per second, 0 = window */
	double duration;
	uint64_t count;
	uint32_t clients;
	uint32_t window;		/* outstanding exchanges at --rate 0 */
	uint32_t timeout_ms;
	unsigned mix[K_NKINDS];
	bool client_id;
	uint8_t mac_seed;
	const char *ack_log;
	bool progress;
	double junk_rate;		/* malformed packets per second, 0 = none */
};

struct stats {
	uint64_t started[K_NKINDS], completed[K_NKINDS], lost[K_NKINDS];
	uint64_t naks, fallback_dora, offers, acks;
	uint64_t tx_pkts, rx_pkts, rx_bad, rx_stale, tx_eagain, tx_err;
	uint64_t window_full, client_busy;
	uint64_t max_backlog;
	uint64_t junk[8];		/* malformed packets sent, by enum junk */
	struct hist all[K_NKINDS], offer, ack;
};

struct gen {
	struct opts o;
	int fd, logfd;
	struct client *cl;
	uint32_t next_client;
	uint32_t *ring;			/* clients holding leases, FIFO */
	uint32_t ring_head, ring_len;
	struct pending *pq;		/* timeout queue */
	size_t pq_cap, pq_head, pq_len;
	struct outpkt *outq;
	size_t out_len, out_cap;
	uint64_t outstanding;
	uint64_t rng;
	struct stats st;
	char *logbuf;
	size_t log_len;
};

static volatile sig_atomic_t g_stop;

static void on_sig(int sig)
{
	(void)sig;
	g_stop = 1;
}

static int64_t now_ns(clockid_t c)
{
	struct timespec ts;
	clock_gettime(c, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static uint64_t rng_next(uint64_t *s)
{
	/* splitmix64: a small, good generator; no libc state. */
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* ---- histogram ---- */

static size_t hist_index(uint64_t us)
{
	if (us < 128)
		return (size_t)us;
	int msb = 63 - __builtin_clzll(us);
	int shift = msb - 6;
	size_t i = (size_t)64 * (size_t)shift + (size_t)(us >> shift);
	return i < HIST_BUCKETS ? i : HIST_BUCKETS - 1;
}

static double hist_value(size_t i)
{
	if (i < 128)
		return (double)i;
	size_t shift = i / 64 - 1;
	size_t mant = i - 64 * shift;
	return ((double)mant + 0.5) * (double)(1ull << shift);
}

static void hist_add(struct hist *h, int64_t ns)
{
	uint64_t us = ns > 0 ? (uint64_t)(ns / 1000) : 0;
	h->n[hist_index(us)]++;
	h->count++;
	h->sum_us += (double)ns / 1000.0;
	if (us > h->max_us)
		h->max_us = us;
}

static double hist_pct(const struct hist *h, double p)
{
	if (!h->count)
		return 0;
	uint64_t want = (uint64_t)ceil(p / 100.0 * (double)h->count), seen = 0;
	for (size_t i = 0; i < HIST_BUCKETS; i++) {
		seen += h->n[i];
		if (seen >= want && h->n[i])
			return hist_value(i) < (double)h->max_us ? hist_value(i) : (double)h->max_us;
	}
	return (double)h->max_us;
}

static void hist_merge(struct hist *to, const struct hist *from)
{
	for (size_t i = 0; i < HIST_BUCKETS; i++)
		to->n[i] += from->n[i];
	to->count += from->count;
	to->sum_us += from->sum_us;
	if (from->max_us > to->max_us)
		to->max_us = from->max_us;
}

/* ---- packets ---- */

static void client_hw(const struct gen *g, uint32_t c, uint8_t hw[6])
{
	hw[0] = 0x02;			/* locally administered, unicast */
	hw[1] = g->o.mac_seed;
	hw[2] = (uint8_t)(c >> 24);
	hw[3] = (uint8_t)(c >> 16);
	hw[4] = (uint8_t)(c >> 8);
	hw[5] = (uint8_t)c;
}

static uint8_t *put_opt(uint8_t *p, uint8_t code, const void *val, uint8_t len)
{
	*p++ = code;
	*p++ = len;
	memcpy(p, val, len);
	return p + len;
}

/* Builds one request from client c into the out queue. */
static void build_req(struct gen *g, uint32_t c, uint8_t type, uint32_t ciaddr,
		      uint32_t want, uint32_t sid)
{
	if (g->out_len == g->out_cap)
		return;		/* cannot happen: the caller checks the room */
	struct outpkt *op = &g->outq[g->out_len++];
	uint8_t *b = op->buf;
	memset(b, 0, REQ_LEN);
	uint32_t xid = (uint32_t)g->cl[c].gen << 24 | c;
	b[0] = 1;			/* BOOTREQUEST */
	b[1] = 1;			/* Ethernet */
	b[2] = 6;
	b[3] = 1;			/* hops: we are the first relay */
	uint32_t nx = htonl(xid), nmagic = htonl(MAGIC);
	memcpy(b + 4, &nx, 4);
	memcpy(b + 12, &ciaddr, 4);	/* network byte order already */
	memcpy(b + 24, &g->o.giaddr, 4);
	uint8_t hw[6];
	client_hw(g, c, hw);
	memcpy(b + 28, hw, 6);
	memcpy(b + 236, &nmagic, 4);
	uint8_t *p = b + 240;
	p = put_opt(p, 53, &type, 1);
	if (g->o.client_id) {
		uint8_t cid[7] = { 1 };
		memcpy(cid + 1, hw, 6);
		p = put_opt(p, 61, cid, sizeof cid);
	}
	if (want)
		p = put_opt(p, 50, &want, 4);
	if (sid)
		p = put_opt(p, 54, &sid, 4);
	if (type != T_RELEASE) {
		static const uint8_t prl[] = { 1, 3, 6, 15, 51, 54, 58, 59 };
		p = put_opt(p, 55, prl, sizeof prl);
	}
	*p = 255;
	op->len = REQ_LEN;
	g->st.tx_pkts++;
}

/* ---- malformed packets (--junk) ----
 *
 * The barrage of issue 3, at a paced rate beside the real exchanges: each
 * packet is broken in a way no DHCP server can parse (too short, no magic
 * cookie, an option running past its field, a bad message type, hlen over
 * 16, op not BOOTREQUEST), so a server that counts its drops can be
 * checked against what we sent. */
enum junk { J_SHORT, J_OVERRUN, J_OVERLOAD, J_HOSTNAME, J_MSGTYPE, J_HLEN, J_MAGIC, J_OP,
	    J_NKINDS };
static const char *const junk_name[J_NKINDS] = {
	"truncated_header", "option_past_end", "overload_past_sname", "huge_hostname_bad_type",
	"bad_message_type", "hlen_over_16", "bad_magic", "not_bootrequest" };

/* A DISCOVER from a random client with a random xid, options from 240. */
static size_t junk_base(struct gen *g, uint8_t *b)
{
	memset(b, 0, 240);
	uint64_t r = rng_next(&g->rng);
	b[0] = 1, b[1] = 1, b[2] = 6, b[3] = 1;
	memcpy(b + 4, &r, 4);
	memcpy(b + 24, &g->o.giaddr, 4);
	client_hw(g, (uint32_t)(r >> 32) % g->o.clients, b + 28);
	uint32_t nmagic = htonl(MAGIC);
	memcpy(b + 236, &nmagic, 4);
	uint8_t t = T_DISCOVER;
	return (size_t)(put_opt(b + 240, 53, &t, 1) - b);
}

static size_t build_junk(struct gen *g, uint8_t *b, enum junk k)
{
	static const uint8_t prl[] = { 1, 3, 6, 15 };
	uint64_t r = rng_next(&g->rng);
	size_t n = junk_base(g, b);
	uint8_t *p = b + n;
	switch (k) {
	case J_SHORT:			/* cut inside the fixed header */
		return (size_t)(r % 240);
	case J_OVERRUN:			/* hostname of 200 bytes, 20 there */
		p[0] = 12, p[1] = 200;
		memset(p + 2, 'h', 20);
		return n + 22;
	case J_OVERLOAD:		/* sname and file overloaded; sname's */
		p = put_opt(p, 52, &(uint8_t){ 3 }, 1);	/* option runs past it */
		*p++ = 255;
		b[44] = 12, b[45] = 100;
		b[108] = 52, b[109] = 1, b[110] = 3, b[111] = 255;
		return (size_t)(p - b);
	case J_HOSTNAME:		/* 4 x 255 bytes of name, 2 type bytes */
		for (int i = 0; i < 4; i++) {
			p[0] = 12, p[1] = 255;
			memset(p + 2, 'a' + i, 255);
			p += 257;
		}
		p = put_opt(p, 53, &(uint8_t){ T_REQUEST }, 1);
		*p++ = 255;
		return (size_t)(p - b);
	case J_MSGTYPE:			/* 0, or 11..255 */
		b[242] = (uint8_t)(r & 1 ? 0 : 11 + r % 245);
		break;
	case J_HLEN:
		b[2] = (uint8_t)(17 + r % 239);
		break;
	case J_MAGIC:
		b[236 + r % 4] ^= (uint8_t)(1 + (r >> 8) % 255);
		break;
	case J_OP:			/* 0, 2..255 */
		b[0] = (uint8_t)(r & 1 ? 0 : 2 + (r >> 8) % 254);
		break;
	default:
		break;
	}
	p = put_opt(p, 55, prl, sizeof prl);
	*p++ = 255;
	return (size_t)(p - b);
}

/* Sends the malformed packets due by now (paced like the exchanges). */
static void send_junk(struct gen *g, int64_t t0, int64_t now)
{
	static uint8_t bufs[BATCH][JUNK_MAX];
	struct mmsghdr mm[BATCH];
	struct iovec iov[BATCH];
	uint64_t sent = 0;
	for (int k = 0; k < J_NKINDS; k++)
		sent += g->st.junk[k];
	double due = (double)(now - t0) / 1e9 * g->o.junk_rate;
	size_t want = due > (double)sent ? (size_t)(due - (double)sent) : 0;
	if (want > BATCH)
		want = BATCH;	/* the rest next turn; ppoll sleeps at most 1 ms */
	for (size_t i = 0; i < want; i++) {
		enum junk k = (enum junk)((sent + i) % J_NKINDS);
		iov[i] = (struct iovec){ bufs[i], build_junk(g, bufs[i], k) };
		mm[i].msg_hdr = (struct msghdr){ .msg_name = &g->o.server[0],
			.msg_namelen = sizeof g->o.server[0], .msg_iov = &iov[i], .msg_iovlen = 1 };
	}
	int n = want ? sendmmsg(g->fd, mm, (unsigned)want, MSG_DONTWAIT) : 0;
	for (int i = 0; i < n; i++)
		g->st.junk[(sent + (uint64_t)i) % J_NKINDS]++;
}

struct reply {
	uint8_t type;
	uint32_t xid, yiaddr, sid, lease;	/* addresses in network order */
	uint8_t hw[6];
};

/* Reads the fields we need from a reply; false if it is not one. */
static bool parse_reply(const uint8_t *b, size_t len, struct reply *r)
{
	uint32_t v;
	if (len < 240 || b[0] != 2 || b[2] != 6)
		return false;
	memcpy(&v, b + 236, 4);
	if (ntohl(v) != MAGIC)
		return false;
	memcpy(&v, b + 4, 4);
	r->xid = ntohl(v);
	memcpy(&r->yiaddr, b + 16, 4);
	memcpy(r->hw, b + 28, 6);
	r->type = 0;
	r->sid = 0;
	r->lease = 0;
	for (size_t i = 240; i < len;) {	/* bounded: i grows every step */
		uint8_t code = b[i];
		if (code == 0) {
			i++;
			continue;
		}
		if (code == 255 || i + 1 >= len || i + 2 + b[i + 1] > len)
			break;
		uint8_t olen = b[i + 1];
		const uint8_t *val = b + i + 2;
		if (code == 53 && olen == 1)
			r->type = val[0];
		else if (code == 54 && olen == 4)
			memcpy(&r->sid, val, 4);
		else if (code == 51 && olen == 4) {
			memcpy(&v, val, 4);
			r->lease = ntohl(v);
		}
		i += 2u + olen;
	}
	return r->type != 0;
}

/* ---- the ACK log ---- */

static void log_flush(struct gen *g)
{
	size_t off = 0;
	while (off < g->log_len) {
		ssize_t n = write(g->logfd, g->logbuf + off, g->log_len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			fprintf(stderr, "duoload: ack log write: %s\n", strerror(errno));
			break;
		}
		off += (size_t)n;
	}
	g->log_len = 0;
}

static void log_line(struct gen *g, const char *what, uint32_t c, uint32_t addr,
		     uint32_t lease, int64_t wall_ns)
{
	if (g->logfd < 0)
		return;
	if (g->log_len > (1u << 20) - 256)
		log_flush(g);
	uint8_t hw[6];
	client_hw(g, c, hw);
	char a[INET_ADDRSTRLEN], cid[20] = "";
	inet_ntop(AF_INET, &addr, a, sizeof a);
	if (g->o.client_id)
		snprintf(cid, sizeof cid, "01%02x%02x%02x%02x%02x%02x", hw[0], hw[1], hw[2],
			 hw[3], hw[4], hw[5]);
	int n = snprintf(g->logbuf + g->log_len, 256,
			 "%s addr=%s hw=%02x:%02x:%02x:%02x:%02x:%02x cid=%s lease=%" PRIu32
			 " t=%" PRId64 ".%06" PRId64 " kind=%s\n",
			 what, a, hw[0], hw[1], hw[2], hw[3], hw[4], hw[5], cid, lease,
			 wall_ns / 1000000000, wall_ns % 1000000000 / 1000,
			 kind_name[g->cl[c].kind]);
	if (n > 0 && n < 256)
		g->log_len += (size_t)n;
}

/* ---- exchanges ---- */

static void ring_push(struct gen *g, uint32_t c)
{
	if (g->cl[c].in_ring || g->ring_len == g->o.clients)
		return;
	g->ring[(g->ring_head + g->ring_len) % g->o.clients] = c;
	g->ring_len++;
	g->cl[c].in_ring = 1;
}

/* The oldest lease holder that is idle, or UINT32_MAX. */
static uint32_t ring_pop(struct gen *g)
{
	for (uint32_t tries = g->ring_len; tries > 0; tries--) {
		uint32_t c = g->ring[g->ring_head];
		g->ring_head = (g->ring_head + 1) % g->o.clients;
		g->ring_len--;
		g->cl[c].in_ring = 0;
		if (g->cl[c].lease_addr && g->cl[c].state == C_IDLE)
			return c;
		if (g->cl[c].lease_addr)
			ring_push(g, c);	/* busy: back of the queue */
	}
	return UINT32_MAX;
}

/* The next idle client in round-robin order, or UINT32_MAX. */
static uint32_t next_idle(struct gen *g)
{
	for (uint32_t tries = 0; tries < 64; tries++) {
		uint32_t c = g->next_client;
		g->next_client = (g->next_client + 1) % g->o.clients;
		if (g->cl[c].state == C_IDLE)
			return c;
		g->st.client_busy++;
	}
	return UINT32_MAX;
}

static enum kind pick_kind(struct gen *g)
{
	unsigned total = g->o.mix[K_DORA] + g->o.mix[K_RENEW] + g->o.mix[K_RELEASE];
	unsigned r = (unsigned)(rng_next(&g->rng) % total);
	if (r < g->o.mix[K_DORA])
		return K_DORA;
	return r < g->o.mix[K_DORA] + g->o.mix[K_RENEW] ? K_RENEW : K_RELEASE;
}

static void pending_push(struct gen *g, uint32_t c, int64_t t)
{
	struct pending *p = &g->pq[(g->pq_head + g->pq_len) % g->pq_cap];
	p->client = c;
	p->gen = g->cl[c].gen;
	p->t_start = t;
	g->pq_len++;
}

/* Starts one exchange; false when no client or room is free. */
static bool start_one(struct gen *g, int64_t now)
{
	if (g->pq_len == g->pq_cap || g->out_len == g->out_cap) {
		g->st.window_full++;
		return false;
	}
	enum kind k = pick_kind(g);
	uint32_t c = k == K_DORA ? UINT32_MAX : ring_pop(g);
	if (k != K_DORA && c == UINT32_MAX) {
		g->st.fallback_dora++;	/* nobody holds a lease yet */
		k = K_DORA;
	}
	if (c == UINT32_MAX && (c = next_idle(g)) == UINT32_MAX)
		return false;
	struct client *cl = &g->cl[c];
	cl->gen++;
	cl->kind = (uint8_t)k;
	cl->t_start = now;
	g->st.started[k]++;
	if (k == K_DORA) {
		cl->state = C_WAIT_OFFER;
		build_req(g, c, T_DISCOVER, 0, 0, 0);
	} else if (k == K_RENEW) {
		cl->state = C_WAIT_ACK;
		cl->t_req = now;
		build_req(g, c, T_REQUEST, cl->lease_addr, 0, 0);
	} else {
		/* RELEASE has no reply: done once sent (RFC 2131 4.4.6). */
		build_req(g, c, T_RELEASE, cl->lease_addr, 0, cl->server_id);
		log_line(g, "release", c, cl->lease_addr, 0, now_ns(CLOCK_REALTIME));
		cl->lease_addr = 0;
		g->st.completed[k]++;
		hist_add(&g->st.all[k], 0);
		return true;
	}
	pending_push(g, c, now);
	g->outstanding++;
	return true;
}

static void finish(struct gen *g, struct client *cl, int64_t now)
{
	g->st.completed[cl->kind]++;
	hist_add(&g->st.all[cl->kind], now - cl->t_start);
	cl->state = C_IDLE;
	g->outstanding--;
}

static void on_reply(struct gen *g, const struct reply *r, int64_t now, int64_t wall)
{
	uint32_t c = r->xid & (MAX_CLIENTS - 1);
	uint8_t hw[6];
	if (c >= g->o.clients) {
		g->st.rx_bad++;
		return;
	}
	client_hw(g, c, hw);
	struct client *cl = &g->cl[c];
	if (memcmp(hw, r->hw, 6) != 0 || (uint8_t)(r->xid >> 24) != cl->gen ||
	    cl->state == C_IDLE) {
		g->st.rx_stale++;	/* late reply to an exchange already lost */
		return;
	}
	if (cl->state == C_WAIT_OFFER && r->type == T_OFFER) {
		g->st.offers++;
		hist_add(&g->st.offer, now - cl->t_start);
		if (g->out_len == g->out_cap) {
			g->st.window_full++;	/* dropped: times out like a loss */
			return;
		}
		cl->offer_addr = r->yiaddr;
		cl->server_id = r->sid;
		cl->state = C_WAIT_ACK;
		cl->t_req = now;
		build_req(g, c, T_REQUEST, 0, r->yiaddr, r->sid);
	} else if (cl->state == C_WAIT_ACK && r->type == T_ACK) {
		g->st.acks++;
		hist_add(&g->st.ack, now - cl->t_req);
		cl->lease_addr = r->yiaddr;
		if (r->sid)
			cl->server_id = r->sid;
		log_line(g, "ack", c, r->yiaddr, r->lease, wall);
		finish(g, cl, now);
		ring_push(g, c);
	} else if (cl->state == C_WAIT_ACK && r->type == T_NAK) {
		g->st.naks++;
		cl->lease_addr = 0;
		cl->state = C_IDLE;
		g->outstanding--;
		g->st.lost[cl->kind]++;	/* a NAK ends the exchange unfinished */
	} else {
		g->st.rx_stale++;
	}
}

/* Counts exchanges whose reply did not come within the timeout. */
static void expire(struct gen *g, int64_t now, bool all)
{
	int64_t limit = (int64_t)g->o.timeout_ms * 1000000;
	while (g->pq_len) {
		struct pending *p = &g->pq[g->pq_head];
		struct client *cl = &g->cl[p->client];
		bool live = cl->gen == p->gen && cl->state != C_IDLE;
		if (live && !all && now - p->t_start < limit)
			break;
		if (live) {
			g->st.lost[cl->kind]++;
			cl->state = C_IDLE;
			g->outstanding--;
		}
		g->pq_head = (g->pq_head + 1) % g->pq_cap;
		g->pq_len--;
	}
}

/* ---- sockets ---- */

/* Sends the queued requests to every server, as a relay agent with two
 * servers configured forwards each one to both.  A batch cut short by
 * EAGAIN is kept whole for the next turn, so a server may see a request
 * twice then; a server that answers twice only adds to rx_stale. */
static void send_out(struct gen *g)
{
	struct mmsghdr mm[BATCH];
	struct iovec iov[BATCH];
	const size_t per = BATCH / g->o.nservers;
	size_t done = 0;
	while (done < g->out_len) {
		size_t k = g->out_len - done < per ? g->out_len - done : per;
		size_t m = 0;
		for (size_t i = 0; i < k; i++) {
			iov[i] = (struct iovec){ g->outq[done + i].buf, g->outq[done + i].len };
			for (unsigned s = 0; s < g->o.nservers; s++, m++)
				mm[m].msg_hdr = (struct msghdr){ .msg_name = &g->o.server[s],
					.msg_namelen = sizeof g->o.server[s], .msg_iov = &iov[i],
					.msg_iovlen = 1 };
		}
		int n = sendmmsg(g->fd, mm, (unsigned)m, MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == ENOBUFS)) {
			g->st.tx_eagain++;
			break;		/* keep the rest for the next turn */
		}
		if (n < 0) {
			g->st.tx_err++;
			n = (int)g->o.nservers;	/* skip the datagram that failed */
		}
		if ((size_t)n < g->o.nservers) {
			g->st.tx_eagain++;
			break;
		}
		done += (size_t)n / g->o.nservers;
	}
	memmove(g->outq, g->outq + done, (g->out_len - done) * sizeof *g->outq);
	g->out_len -= done;
}

/* Reads what is waiting (bounded); returns the datagrams read. */
static size_t recv_all(struct gen *g)
{
	static uint8_t bufs[BATCH][PKT_MAX];
	struct mmsghdr mm[BATCH];
	struct iovec iov[BATCH];
	size_t total = 0;
	for (int turn = 0; turn < 16; turn++) {
		for (int i = 0; i < BATCH; i++) {
			iov[i] = (struct iovec){ bufs[i], sizeof bufs[i] };
			mm[i].msg_hdr = (struct msghdr){ .msg_iov = &iov[i], .msg_iovlen = 1 };
		}
		int n = recvmmsg(g->fd, mm, BATCH, MSG_DONTWAIT, NULL);
		if (n <= 0)
			break;
		int64_t now = now_ns(CLOCK_MONOTONIC);
		int64_t wall = g->logfd >= 0 ? now_ns(CLOCK_REALTIME) : 0;
		for (int i = 0; i < n; i++) {
			struct reply r;
			g->st.rx_pkts++;
			if (parse_reply(bufs[i], mm[i].msg_len, &r))
				on_reply(g, &r, now, wall);
			else
				g->st.rx_bad++;
		}
		total += (size_t)n;
		if (g->out_len + BATCH > g->out_cap)
			send_out(g);
		if (n < BATCH)
			break;
	}
	return total;
}

static int open_socket(const struct opts *o)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	int on = 1, size = 16 << 20;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
	/* Root may exceed rmem_max/wmem_max; otherwise take what we get. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof size) < 0)
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(o->local_port),
				  .sin_addr = { o->local } };
	if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

/* ---- the run ---- */

/* How many exchanges to start now: paced by --rate, or up to --window. */
static uint64_t due_now(struct gen *g, int64_t t0, int64_t now, uint64_t started)
{
	uint64_t want;
	if (g->o.rate > 0) {
		double d = (double)(now - t0) / 1e9 * g->o.rate + 1.0;
		uint64_t due = (uint64_t)d;
		want = due > started ? due - started : 0;
		if (want > g->st.max_backlog)
			g->st.max_backlog = want;
	} else {
		want = g->outstanding < g->o.window ? g->o.window - g->outstanding : 0;
	}
	if (want > STEP_MAX)
		want = STEP_MAX;
	if (want > g->o.count - started)
		want = g->o.count - started;
	return want;
}

/* How long to sleep in ppoll: until the next paced start, at most 1 ms. */
static struct timespec wait_for(struct gen *g, int64_t t0, int64_t now, bool sending,
				uint64_t started)
{
	int64_t ns = 10000000;
	if (sending && g->o.rate <= 0)
		ns = g->outstanding >= g->o.window ? 1000000 : 0;
	else if (sending) {
		ns = (int64_t)((double)started / g->o.rate * 1e9) + t0 - now;
		ns = ns < 0 ? 0 : ns > 1000000 ? 1000000 : ns;
	}
	return (struct timespec){ .tv_sec = 0, .tv_nsec = ns };
}

static void progress(struct gen *g, int64_t t0, int64_t now, int64_t *last)
{
	if (!g->o.progress || now - *last < 1000000000)
		return;
	*last = now;
	uint64_t done = 0, lost = 0;
	for (int k = 0; k < K_NKINDS; k++) {
		done += g->st.completed[k];
		lost += g->st.lost[k];
	}
	fprintf(stderr, "duoload: t=%.1fs completed=%" PRIu64 " lost=%" PRIu64
		" outstanding=%" PRIu64 "\n", (double)(now - t0) / 1e9, done, lost,
		g->outstanding);
}

/* Returns the seconds spent starting exchanges. */
static double run(struct gen *g)
{
	int64_t t0 = now_ns(CLOCK_MONOTONIC), last = t0;
	int64_t send_end = t0 + (int64_t)(g->o.duration * 1e9);
	int64_t hard_end = send_end + (int64_t)g->o.timeout_ms * 1000000 + 1000000000;
	int64_t sent_until = t0;
	uint64_t started = 0;
	struct pollfd pfd = { .fd = g->fd, .events = POLLIN };
	for (uint64_t turn = 0; turn < UINT64_MAX; turn++) {
		int64_t now = now_ns(CLOCK_MONOTONIC);
		bool sending = now < send_end && started < g->o.count && !g_stop;
		if (now >= hard_end || (!sending && (g->outstanding == 0 || g_stop)))
			break;
		if (sending) {
			sent_until = now;
			for (uint64_t want = due_now(g, t0, now, started); want > 0; want--) {
				if (!start_one(g, now))
					break;
				started++;
			}
		}
		send_out(g);
		if (sending && g->o.junk_rate > 0)
			send_junk(g, t0, now);
		pfd.events = POLLIN | (g->out_len ? POLLOUT : 0);
		struct timespec ts = wait_for(g, t0, now, sending, started);
		if (ppoll(&pfd, 1, &ts, NULL) > 0)
			recv_all(g);
		send_out(g);
		now = now_ns(CLOCK_MONOTONIC);
		expire(g, now, false);
		if (g->log_len)
			log_flush(g);	/* a crash test may read it while we run */
		progress(g, t0, now, &last);
	}
	expire(g, now_ns(CLOCK_MONOTONIC), true);	/* whatever is left is lost */
	double secs = (double)(sent_until - t0) / 1e9;
	return secs > 0 ? secs : 1e-9;
}

/* ---- the summary ---- */

static void json_hist(FILE *f, const char *name, const struct hist *h, bool comma)
{
	fprintf(f, "    \"%s\": {\"count\": %" PRIu64 ", \"avg\": %.1f, \"p50\": %.1f, "
		"\"p99\": %.1f, \"max\": %" PRIu64 "}%s\n", name, h->count,
		h->count ? h->sum_us / (double)h->count : 0.0, hist_pct(h, 50),
		hist_pct(h, 99), h->max_us, comma ? "," : "");
}

static void json_kinds(FILE *f, const char *name, const uint64_t v[K_NKINDS])
{
	fprintf(f, "  \"%s\": {\"dora\": %" PRIu64 ", \"renew\": %" PRIu64
		", \"release\": %" PRIu64 "},\n", name, v[K_DORA], v[K_RENEW], v[K_RELEASE]);
}

static void summary(struct gen *g, double secs)
{
	const struct stats *s = &g->st;
	uint64_t started = 0, done = 0, lost = 0;
	struct hist all = { .count = 0 };
	for (int k = 0; k < K_NKINDS; k++) {
		started += s->started[k];
		done += s->completed[k];
		lost += s->lost[k];
		hist_merge(&all, &s->all[k]);
	}
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	double cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
		     (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
	double planned = g->o.rate > 0 ? g->o.rate * secs : 0;
	FILE *f = stdout;
	fprintf(f, "{\n  \"tool\": \"duoload\",\n  \"target_rate\": %.1f,\n", g->o.rate);
	fprintf(f, "  \"duration_s\": %.3f,\n  \"clients\": %" PRIu32 ",\n", secs, g->o.clients);
	fprintf(f, "  \"started\": %" PRIu64 ",\n  \"completed\": %" PRIu64 ",\n", started, done);
	fprintf(f, "  \"lost\": %" PRIu64 ",\n  \"lost_pct\": %.4f,\n", lost,
		started ? 100.0 * (double)lost / (double)started : 0.0);
	fprintf(f, "  \"achieved_rate\": %.1f,\n  \"offered_rate\": %.1f,\n",
		(double)done / secs, (double)started / secs);
	fprintf(f, "  \"generator_limited\": %s,\n",
		planned > 0 && (double)started < 0.98 * planned ? "true" : "false");
	json_kinds(f, "started_by_kind", s->started);
	json_kinds(f, "completed_by_kind", s->completed);
	json_kinds(f, "lost_by_kind", s->lost);
	fprintf(f, "  \"naks\": %" PRIu64 ",\n  \"fallback_dora\": %" PRIu64 ",\n", s->naks,
		s->fallback_dora);
	fprintf(f, "  \"packets\": {\"tx\": %" PRIu64 ", \"rx\": %" PRIu64 ", \"rx_bad\": %" PRIu64
		", \"rx_stale\": %" PRIu64 ", \"tx_eagain\": %" PRIu64 ", \"tx_err\": %" PRIu64
		", \"window_full\": %" PRIu64 ", \"client_busy\": %" PRIu64 ", \"max_backlog\": %"
		PRIu64 "},\n", s->tx_pkts, s->rx_pkts, s->rx_bad, s->rx_stale, s->tx_eagain,
		s->tx_err, s->window_full, s->client_busy, s->max_backlog);
	fprintf(f, "  \"junk\": {\"rate\": %.1f", g->o.junk_rate);
	uint64_t junk = 0;
	for (int k = 0; k < J_NKINDS; k++) {
		fprintf(f, ", \"%s\": %" PRIu64, junk_name[k], s->junk[k]);
		junk += s->junk[k];
	}
	fprintf(f, ", \"sent\": %" PRIu64 "},\n", junk);
	fprintf(f, "  \"generator_cpu_s\": %.3f,\n  \"latency_us\": {\n", cpu);
	json_hist(f, "all", &all, true);
	json_hist(f, "dora", &s->all[K_DORA], true);
	json_hist(f, "renew", &s->all[K_RENEW], true);
	json_hist(f, "discover_offer", &s->offer, true);
	json_hist(f, "request_ack", &s->ack, false);
	fprintf(f, "  }\n}\n");
	fflush(f);
}

/* ---- options ---- */

static void usage(FILE *f)
{
	fprintf(f,
"usage: duoload --server ADDR --local ADDR [options]\n"
"  --server ADDR[:PORT]  DHCP server to load (port 67); given twice, every\n"
"                        request goes to both, as a relay with two servers\n"
"  --local ADDR          our address; replies come to ADDR:--local-port\n"
"  --local-port N        (67)\n"
"  --giaddr ADDR         giaddr to put in requests (--local)\n"
"  --rate R              exchanges started per second; 0 = keep --window in flight (0)\n"
"  --window N            outstanding exchanges at --rate 0 (256)\n"
"  --duration S          seconds of sending, 0.1..3600 (required)\n"
"  --count N             at most N exchanges (rate x duration, or 1e9)\n"
"  --clients N           simulated clients, distinct chaddr (10000)\n"
"  --client-id           send option 61 (01 + chaddr)\n"
"  --mix D,R,L           weights of DORA, RENEW, RELEASE (100,0,0)\n"
"  --timeout MS          an exchange not done by then is lost (1000)\n"
"  --mac-seed N          second byte of every chaddr, 0..255 (0)\n"
"  --ack-log FILE        append one line per ACK received and RELEASE sent\n"
"  --progress            one line a second on stderr\n"
"  --junk R              also send R malformed packets a second (0)\n");
}

static bool parse_addr(const char *s, uint32_t *out, uint16_t *port)
{
	char buf[64];
	snprintf(buf, sizeof buf, "%s", s);
	char *colon = strchr(buf, ':');
	if (colon) {
		if (!port)
			return false;
		*colon = 0;
		char *end;
		unsigned long p = strtoul(colon + 1, &end, 10);
		if (*end || p == 0 || p > 65535)
			return false;
		*port = (uint16_t)p;
	}
	struct in_addr a;
	if (inet_pton(AF_INET, buf, &a) != 1)
		return false;
	*out = a.s_addr;
	return true;
}

static bool parse_num(const char *s, double lo, double hi, double *out)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || *end || !(v >= lo && v <= hi))
		return false;
	*out = v;
	return true;
}

static bool parse_mix(const char *s, unsigned mix[K_NKINDS])
{
	unsigned a, b, c;
	int n = 0;
	if (sscanf(s, "%u,%u,%u%n", &a, &b, &c, &n) != 3 || s[n] || a + b + c == 0 ||
	    a > 1000000 || b > 1000000 || c > 1000000)
		return false;
	mix[K_DORA] = a, mix[K_RENEW] = b, mix[K_RELEASE] = c;
	return true;
}

static bool set_num_opt(struct opts *o, int ch, const char *arg)
{
	double v;
	switch (ch) {
	case 'r': if (!parse_num(arg, 0, 10e6, &v)) return false; o->rate = v; break;
	case 'w': if (!parse_num(arg, 1, 1 << 20, &v)) return false; o->window = (uint32_t)v; break;
	case 'd': if (!parse_num(arg, 0.1, MAX_DURATION_S, &v)) return false; o->duration = v; break;
	case 'n': if (!parse_num(arg, 1, (double)MAX_COUNT, &v)) return false; o->count = (uint64_t)v; break;
	case 'C': if (!parse_num(arg, 1, MAX_CLIENTS - 1, &v)) return false; o->clients = (uint32_t)v; break;
	case 't': if (!parse_num(arg, 1, 60000, &v)) return false; o->timeout_ms = (uint32_t)v; break;
	case 'S': if (!parse_num(arg, 0, 255, &v)) return false; o->mac_seed = (uint8_t)v; break;
	case 'P': if (!parse_num(arg, 1, 65535, &v)) return false; o->local_port = (uint16_t)v; break;
	case 'j': if (!parse_num(arg, 0, 10e6, &v)) return false; o->junk_rate = v; break;
	default: return false;
	}
	return true;
}

static bool add_server(struct opts *o, const char *arg)
{
	if (o->nservers == MAX_SERVERS)
		return false;
	struct sockaddr_in *a = &o->server[o->nservers];
	uint16_t port = 67;
	if (!parse_addr(arg, &a->sin_addr.s_addr, &port))
		return false;
	a->sin_family = AF_INET;
	a->sin_port = htons(port);
	o->nservers++;
	return true;
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{ "server", required_argument, NULL, 's' }, { "local", required_argument, NULL, 'l' },
		{ "local-port", required_argument, NULL, 'P' }, { "giaddr", required_argument, NULL, 'g' },
		{ "rate", required_argument, NULL, 'r' }, { "window", required_argument, NULL, 'w' },
		{ "duration", required_argument, NULL, 'd' }, { "count", required_argument, NULL, 'n' },
		{ "clients", required_argument, NULL, 'C' }, { "client-id", no_argument, NULL, 'i' },
		{ "mix", required_argument, NULL, 'm' }, { "timeout", required_argument, NULL, 't' },
		{ "mac-seed", required_argument, NULL, 'S' }, { "ack-log", required_argument, NULL, 'a' },
		{ "progress", no_argument, NULL, 'p' }, { "help", no_argument, NULL, 'h' },
		{ "junk", required_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	*o = (struct opts){ .local_port = 67, .clients = 10000, .window = 256, .timeout_ms = 1000,
			    .mix = { 100, 0, 0 } };
	bool have_local = false;
	int ch;
	while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		bool ok = true;
		switch (ch) {
		case 's': ok = add_server(o, optarg); break;
		case 'l': ok = have_local = parse_addr(optarg, &o->local, NULL); break;
		case 'g': ok = parse_addr(optarg, &o->giaddr, NULL); break;
		case 'i': o->client_id = true; break;
		case 'm': ok = parse_mix(optarg, o->mix); break;
		case 'a': o->ack_log = optarg; break;
		case 'p': o->progress = true; break;
		case 'h': usage(stdout); exit(0);
		case '?': return -1;
		default: ok = set_num_opt(o, ch, optarg); break;
		}
		if (!ok) {
			fprintf(stderr, "duoload: bad value: %s\n", argv[optind - 1]);
			return -1;
		}
	}
	if (!o->nservers || !have_local || o->duration <= 0 || optind != argc) {
		fprintf(stderr, "duoload: --server, --local and --duration are required\n");
		return -1;
	}
	if (!o->giaddr)
		o->giaddr = o->local;
	if (!o->count)
		o->count = o->rate > 0 ? (uint64_t)ceil(o->rate * o->duration) : MAX_COUNT;
	return 0;
}

static int setup(struct gen *g)
{
	g->fd = g->logfd = -1;
	g->cl = calloc(g->o.clients, sizeof *g->cl);
	g->ring = calloc(g->o.clients, sizeof *g->ring);
	g->pq_cap = (size_t)g->o.clients * 2 + 65536;
	g->pq = calloc(g->pq_cap, sizeof *g->pq);
	g->out_cap = 4096;
	g->outq = calloc(g->out_cap, sizeof *g->outq);
	g->logbuf = malloc(1u << 20);
	if (!g->cl || !g->ring || !g->pq || !g->outq || !g->logbuf) {
		fprintf(stderr, "duoload: out of memory\n");
		return -1;
	}
	g->rng = (uint64_t)now_ns(CLOCK_MONOTONIC) ^ (uint64_t)getpid() << 32;
	if (g->o.ack_log) {
		g->logfd = open(g->o.ack_log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
		if (g->logfd < 0) {
			fprintf(stderr, "duoload: %s: %s\n", g->o.ack_log, strerror(errno));
			return -1;
		}
	}
	if ((g->fd = open_socket(&g->o)) < 0) {
		fprintf(stderr, "duoload: cannot bind port %u: %s\n", g->o.local_port,
			strerror(errno));
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static struct gen g;
	if (parse_opts(argc, argv, &g.o) < 0) {
		usage(stderr);
		return 2;
	}
	if (setup(&g) < 0)
		return 1;
	struct sigaction sa = { .sa_handler = on_sig };
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	double secs = run(&g);
	if (g.logfd >= 0) {
		log_flush(&g);
		close(g.logfd);
	}
	summary(&g, secs);
	close(g.fd);
	return 0;
}
