/* DNS sockets: UDP, TCP (RFC 7766) and forwarding. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "common/clock.h"
#include "dns/dnssrv.h"
#include "common/log.h"
#include "common/text.h"

#define LISTEN_MAX 8
#define TCP_MAX 32
/* Connections one address may hold: a single host cannot take all the
 * slots (and with them DNS over TCP from everyone else). */
#define TCP_PER_ADDR 4
#define TCP_IDLE_MS 10000
#define PENDING_MAX 256

enum kind { K_UDP, K_TCP_LISTEN, K_TCP, K_UPSTREAM };

struct ref {			/* what an epoll event points at */
	enum kind kind;
	int idx;
};

struct tcpconn {
	int fd;
	uint32_t peer;		/* the client's address, host order */
	uint64_t gen;		/* which connection holds the slot (never reused) */
	int64_t last_ms;
	size_t have;
	uint8_t buf[2 + DNS_TCP_MAX];
	struct ref ref;
	/* Replies the socket did not take yet, sent when it is writable. */
	uint8_t *out;
	size_t out_len, out_off;
	bool want_out;		/* EPOLLOUT asked for */
};

/* Bytes of replies one connection may have waiting: a client that reads
 * none of them for this long loses its connection, nothing else waits. */
#define TCP_OUT_MAX (4 * (2 + DNS_TCP_MAX))

/* A query relayed upstream, waiting for its answer. */
struct pending {
	bool used;
	uint16_t up_id, client_id;
	int64_t deadline_ms;
	struct sockaddr_in client;	/* UDP client; unused for TCP */
	int udp_idx;			/* socket it came in on, or -1 for TCP */
	int tcp_idx;			/* connection, or -1 */
	uint64_t tcp_gen;		/* the connection that asked: a slot and
					   its fd number are reused, this is not */
	size_t qlen;
	uint8_t q[DNS_UDP_MAX];
};

struct dnssrv {
	struct loop_poller poll;	/* while attached */
	struct dnssrv_conf c;
	uint32_t *binds, *upstream;
	struct dns_net *allow;
	const struct dns_zone *(*get_zone)(void *arg);
	void *arg;
	int ep;
	int udp[LISTEN_MAX], tcp[LISTEN_MAX];
	struct ref udp_ref[LISTEN_MAX], tcp_ref[LISTEN_MAX];
	size_t nlisten;
	int up;				/* upstream socket */
	struct ref up_ref;
	struct tcpconn conns[TCP_MAX];
	struct pending pend[PENDING_MAX];
	unsigned next_upstream;
	uint64_t next_gen;		/* TCP connections accepted */
	struct dnssrv_stats st;
	struct log_limit lim;
	uint8_t upbuf[65536];		/* an upstream answer, whole */
};

static int watch(struct dnssrv *d, int fd, struct ref *r)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = r };
	return epoll_ctl(d->ep, EPOLL_CTL_ADD, fd, &ev);
}

static int open_sock(int type, uint32_t addr, uint16_t port)
{
	int fd = socket(AF_INET, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	int on = 1;
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port),
				  .sin_addr = { htonl(addr) } };
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
	if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 ||
	    (type == SOCK_STREAM && listen(fd, 16) < 0)) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

static bool allowed(const struct dnssrv *d, uint32_t a)
{
	if ((a >> 24) == 127)
		return true;
	for (size_t i = 0; i < d->c.nallow; i++)
		if ((a & d->allow[i].mask) == d->allow[i].net)
			return true;
	for (size_t i = 0; i < d->c.nbinds; i++)
		if (a == d->binds[i])
			return true;
	return false;
}

/* Relays a query upstream under a fresh random ID. */
static bool forward(struct dnssrv *d, const uint8_t *q, size_t qlen, int udp_idx,
		    const struct sockaddr_in *client, int tcp_idx)
{
	if (!d->c.nupstream || qlen > DNS_UDP_MAX || d->up < 0)
		return false;
	struct pending *p = NULL;
	for (size_t i = 0; i < PENDING_MAX && !p; i++)
		if (!d->pend[i].used)
			p = &d->pend[i];
	if (!p)
		return false;
	uint16_t id;
	if (getrandom(&id, sizeof id, 0) != sizeof id)
		return false;
	*p = (struct pending){ .used = true, .up_id = id, .client_id = (uint16_t)dns_msg_id(q, qlen),
			       .deadline_ms = mono_ms() + d->c.forward_timeout_ms,
			       .udp_idx = udp_idx, .tcp_idx = tcp_idx,
			       .tcp_gen = tcp_idx >= 0 ? d->conns[tcp_idx].gen : 0, .qlen = qlen };
	if (client)
		p->client = *client;
	memcpy(p->q, q, qlen);
	uint8_t buf[DNS_UDP_MAX];
	memcpy(buf, q, qlen);
	dns_set_id(buf, qlen, id);
	uint32_t up = d->upstream[d->next_upstream++ % d->c.nupstream];
	struct sockaddr_in to = { .sin_family = AF_INET,
				  .sin_port = htons(d->c.upstream_port ? d->c.upstream_port : 53),
				  .sin_addr = { htonl(up) } };
	if (sendto(d->up, buf, qlen, 0, (struct sockaddr *)&to, sizeof to) < 0) {
		p->used = false;
		return false;
	}
	d->st.forwarded++;
	return true;
}

static void tcp_close(struct dnssrv *d, int i)
{
	struct tcpconn *c = &d->conns[i];
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->have = 0;
	free(c->out);
	c->out = NULL;
	c->out_len = c->out_off = 0;
	c->want_out = false;
}

/* Read interest always; write interest while replies wait. */
static void tcp_interest(struct dnssrv *d, int i)
{
	struct tcpconn *c = &d->conns[i];
	struct epoll_event ev = { .events = EPOLLIN | (c->want_out ? EPOLLOUT : 0),
				  .data.ptr = &c->ref };
	if (epoll_ctl(d->ep, EPOLL_CTL_MOD, c->fd, &ev) < 0)
		tcp_close(d, i);
}

/* Sends what waits; keeps the rest for the next time it is writable. */
static void tcp_flush(struct dnssrv *d, int i)
{
	struct tcpconn *c = &d->conns[i];
	while (c->out_off < c->out_len) {
		ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n <= 0) {
			tcp_close(d, i);
			return;
		}
		c->out_off += (size_t)n;
	}
	c->out_len = c->out_off = 0;
	if (c->want_out) {
		c->want_out = false;
		tcp_interest(d, i);
	}
}

/* Queues one reply with its length prefix (RFC 1035 section 4.2.2) and
 * sends as much as the socket takes now. */
static void tcp_send(struct dnssrv *d, int i, const uint8_t *msg, size_t len)
{
	struct tcpconn *c = &d->conns[i];
	if (c->out_len - c->out_off + len + 2 > TCP_OUT_MAX) {
		d->st.tcp_dropped++;
		tcp_close(d, i);	/* it reads nothing: it loses its connection */
		return;
	}
	if (!c->out && !(c->out = malloc(TCP_OUT_MAX))) {
		tcp_close(d, i);
		return;
	}
	if (c->out_off) {	/* what was sent makes room at the front */
		memmove(c->out, c->out + c->out_off, c->out_len - c->out_off);
		c->out_len -= c->out_off;
		c->out_off = 0;
	}
	dns_tcp_put_len(c->out + c->out_len, len);
	memcpy(c->out + c->out_len + 2, msg, len);
	c->out_len += len + 2;
	tcp_flush(d, i);
	if (c->fd >= 0 && c->out_len)
		d->st.tcp_waits++;
	if (c->fd >= 0 && c->out_len && !c->want_out) {
		c->want_out = true;	/* a short write: wait for room */
		tcp_interest(d, i);
	}
}

/* Answers one query; reply goes to a UDP client or TCP connection. */
static void handle(struct dnssrv *d, const uint8_t *q, size_t qlen, bool tcp, int udp_idx,
		   const struct sockaddr_in *from, int tcp_idx)
{
	static uint8_t out[DNS_TCP_MAX];
	d->st.queries++;
	const struct dns_zone *z = d->get_zone(d->arg);
	size_t len = 0;
	enum dns_verdict v = dns_answer(z, q, qlen, tcp, out, tcp ? sizeof out : DNS_UDP_MAX, &len);
	if (v == DNS_DROP) {
		d->st.malformed++;
		return;
	}
	if (v == DNS_FORWARD) {
		if (forward(d, q, qlen, udp_idx, from, tcp_idx))
			return;
		d->st.refused++;
		len = dns_error(z, q, qlen, DNS_R_REFUSED, out, DNS_UDP_MIN);
		if (!len)
			return;
	} else {
		d->st.answered++;
	}
	if (tcp)
		tcp_send(d, tcp_idx, out, len);
	else
		sendto(d->udp[udp_idx], out, len, 0, (const struct sockaddr *)from, sizeof *from);
}

static void on_udp(struct dnssrv *d, int idx)
{
	uint8_t buf[DNS_UDP_MAX + 1];
	for (int k = 0; k < 64; k++) {
		struct sockaddr_in from;
		socklen_t fl = sizeof from;
		ssize_t n = recvfrom(d->udp[idx], buf, sizeof buf, 0, (struct sockaddr *)&from, &fl);
		if (n < 0)
			return;
		if (!allowed(d, ntohl(from.sin_addr.s_addr))) {
			d->st.not_allowed++;	/* never an open resolver */
			continue;
		}
		if ((size_t)n > DNS_UDP_MAX) {
			d->st.malformed++;
			continue;
		}
		handle(d, buf, (size_t)n, false, idx, &from, -1);
	}
}

static void on_accept(struct dnssrv *d, int idx)
{
	struct sockaddr_in from;
	socklen_t fl = sizeof from;
	int fd = accept4(d->tcp[idx], (struct sockaddr *)&from, &fl, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return;
	uint32_t peer = ntohl(from.sin_addr.s_addr);
	int slot = -1, same = 0;
	for (int i = 0; i < TCP_MAX; i++) {
		if (d->conns[i].fd < 0 && slot < 0)
			slot = i;
		same += d->conns[i].fd >= 0 && d->conns[i].peer == peer;
	}
	if (slot < 0 || !allowed(d, peer) || same >= TCP_PER_ADDR) {
		if (slot >= 0 && !allowed(d, peer))
			d->st.not_allowed++;
		else
			d->st.tcp_busy++;
		close(fd);
		return;
	}
	struct tcpconn *c = &d->conns[slot];
	c->fd = fd;
	c->peer = peer;
	c->gen = ++d->next_gen;
	c->have = 0;
	c->last_ms = mono_ms();
	c->ref = (struct ref){ K_TCP, slot };
	d->st.tcp_connections++;
	if (watch(d, fd, &c->ref) < 0)
		tcp_close(d, slot);
}

static void on_tcp(struct dnssrv *d, int i)
{
	struct tcpconn *c = &d->conns[i];
	ssize_t n = recv(c->fd, c->buf + c->have, sizeof c->buf - c->have, 0);
	if (n <= 0) {
		if (n == 0 || (errno != EAGAIN && errno != EINTR))
			tcp_close(d, i);
		return;
	}
	c->have += (size_t)n;
	c->last_ms = mono_ms();
	for (;;) {
		int flen = dns_tcp_frame_len(c->buf, c->have);
		if (flen < 0) {
			tcp_close(d, i);
			return;
		}
		if (flen == 0 || (size_t)flen > c->have)
			return;
		handle(d, c->buf + 2, (size_t)flen - 2, true, -1, NULL, i);
		if (c->fd < 0)
			return;
		memmove(c->buf, c->buf + flen, c->have - (size_t)flen);
		c->have -= (size_t)flen;
	}
}

/* Whether the TCP client of a relayed query is still connected: the
 * same connection, not a newer one in its slot with its fd number. */
static bool asker_connected(const struct dnssrv *d, const struct pending *p)
{
	const struct tcpconn *c = &d->conns[p->tcp_idx];
	return c->fd >= 0 && c->gen == p->tcp_gen;
}

/* Answers from upstream, read whole (a UDP answer may be up to 64 kB),
 * go back to the client that asked: over TCP as they are, over UDP made
 * to fit its limit (dns_fit_udp: TC set when cut). */
static void on_upstream(struct dnssrv *d)
{
	uint8_t *buf = d->upbuf;
	for (int k = 0; k < 64; k++) {
		struct sockaddr_in from;
		socklen_t fl = sizeof from;
		ssize_t n = recvfrom(d->up, buf, sizeof d->upbuf, 0, (struct sockaddr *)&from, &fl);
		if (n < 0)
			return;
		int id = dns_msg_id(buf, (size_t)n);
		uint32_t src = ntohl(from.sin_addr.s_addr);
		bool from_upstream = false;
		for (size_t i = 0; i < d->c.nupstream; i++)
			from_upstream |= d->upstream[i] == src;
		for (size_t i = 0; id >= 0 && from_upstream && i < PENDING_MAX; i++) {
			struct pending *p = &d->pend[i];
			if (!p->used || p->up_id != id ||
			    !dns_same_question(p->q, p->qlen, buf, (size_t)n))
				continue;
			p->used = false;
			dns_set_id(buf, (size_t)n, p->client_id);
			size_t fit;
			if (p->udp_idx >= 0 && (fit = dns_fit_udp(p->q, p->qlen, buf, (size_t)n)))
				sendto(d->udp[p->udp_idx], buf, fit, 0,
				       (struct sockaddr *)&p->client, sizeof p->client);
			else if (p->udp_idx >= 0)
				d->st.malformed++;	/* no question to keep: dropped */
			else if (asker_connected(d, p))
				tcp_send(d, p->tcp_idx, buf, (size_t)n);
			break;
		}
	}
}

static void expire(struct dnssrv *d)
{
	int64_t now = mono_ms();
	uint8_t out[DNS_UDP_MIN];
	for (size_t i = 0; i < PENDING_MAX; i++) {
		struct pending *p = &d->pend[i];
		if (!p->used || p->deadline_ms > now)
			continue;
		p->used = false;
		d->st.upstream_timeouts++;
		size_t len = dns_error(d->get_zone(d->arg), p->q, p->qlen, DNS_R_SERVFAIL, out,
				       sizeof out);
		if (!len)
			continue;
		if (p->udp_idx >= 0)
			sendto(d->udp[p->udp_idx], out, len, 0, (struct sockaddr *)&p->client,
			       sizeof p->client);
		else if (asker_connected(d, p))
			tcp_send(d, p->tcp_idx, out, len);
	}
	for (int i = 0; i < TCP_MAX; i++)
		if (d->conns[i].fd >= 0 && now - d->conns[i].last_ms > TCP_IDLE_MS)
			tcp_close(d, i);
}

void dnssrv_run(struct dnssrv *d)
{
	struct epoll_event ev[16];
	int n = epoll_wait(d->ep, ev, 16, 0);
	for (int i = 0; i < n; i++) {
		const struct ref *r = ev[i].data.ptr;
		switch (r->kind) {
		case K_UDP: on_udp(d, r->idx); break;
		case K_TCP_LISTEN: on_accept(d, r->idx); break;
		case K_TCP:
			if (ev[i].events & EPOLLOUT && d->conns[r->idx].fd >= 0)
				tcp_flush(d, r->idx);
			if (ev[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR) &&
			    d->conns[r->idx].fd >= 0)
				on_tcp(d, r->idx);
			break;
		case K_UPSTREAM: on_upstream(d); break;
		}
	}
	expire(d);
}

int dnssrv_timeout_ms(const struct dnssrv *d)
{
	int64_t now = mono_ms(), best = -1;
	for (size_t i = 0; i < PENDING_MAX; i++)
		if (d->pend[i].used) {
			int64_t t = d->pend[i].deadline_ms - now;
			if (best < 0 || t < best)
				best = t < 0 ? 0 : t;
		}
	for (int i = 0; i < TCP_MAX; i++)
		if (d->conns[i].fd >= 0 && (best < 0 || best > 1000))
			best = 1000;
	return (int)best;
}

int dnssrv_fd(const struct dnssrv *d)
{
	return d->ep;
}

const struct dnssrv_stats *dnssrv_stats(const struct dnssrv *d)
{
	return &d->st;
}

static void *dup_array(const void *p, size_t n, size_t size)
{
	void *q = calloc(n + 1, size);
	if (q && n)
		memcpy(q, p, n * size);
	return q;
}

static int listen_all(struct dnssrv *d, char *err, size_t errlen)
{
	size_t n = d->c.nbinds ? d->c.nbinds : 1;
	for (size_t i = 0; i < n && i < LISTEN_MAX; i++) {
		uint32_t a = d->c.nbinds ? d->binds[i] : INADDR_ANY;
		char s[TEXT_IP4_LEN];
		text_ip4(a, s);
		d->udp[i] = open_sock(SOCK_DGRAM, a, d->c.port);
		d->tcp[i] = d->udp[i] < 0 ? -1 : open_sock(SOCK_STREAM, a, d->c.port);
		if (d->udp[i] < 0 || d->tcp[i] < 0) {
			snprintf(err, errlen, "DNS: cannot listen on %s:%u: %s", s, d->c.port,
				 strerror(errno));
			return -1;
		}
		d->nlisten = i + 1;
		d->udp_ref[i] = (struct ref){ K_UDP, (int)i };
		d->tcp_ref[i] = (struct ref){ K_TCP_LISTEN, (int)i };
		if (watch(d, d->udp[i], &d->udp_ref[i]) < 0 || watch(d, d->tcp[i], &d->tcp_ref[i]) < 0)
			return -1;
	}
	return 0;
}

int dnssrv_reconfigure(struct dnssrv *d, const struct dns_net *allow, size_t nallow,
		       const uint32_t *upstream, size_t nupstream)
{
	struct dns_net *na = dup_array(allow, nallow, sizeof *na);
	uint32_t *nu = dup_array(upstream, nupstream, sizeof *nu);
	if (!na || !nu)
		goto fail;
	if (nupstream && d->up < 0) {
		d->up = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		d->up_ref = (struct ref){ K_UPSTREAM, 0 };
		if (d->up < 0 || watch(d, d->up, &d->up_ref) < 0) {
			if (d->up >= 0)
				close(d->up);
			d->up = -1;
			goto fail;
		}
	}
	free(d->allow);
	free(d->upstream);
	d->allow = na;
	d->upstream = nu;
	d->c.allow = na;
	d->c.nallow = nallow;
	d->c.upstream = nu;
	d->c.nupstream = nupstream;
	d->next_upstream = 0;
	return 0;
fail:
	free(na);
	free(nu);
	return -1;
}

struct dnssrv *dnssrv_start(const struct dnssrv_conf *c,
			    const struct dns_zone *(*get_zone)(void *arg), void *arg,
			    char *err, size_t errlen)
{
	struct dnssrv *d = calloc(1, sizeof *d);
	if (!d) {
		snprintf(err, errlen, "DNS: out of memory");
		return NULL;
	}
	d->c = *c;
	d->binds = dup_array(c->binds, c->nbinds, sizeof *d->binds);
	d->upstream = dup_array(c->upstream, c->nupstream, sizeof *d->upstream);
	d->allow = dup_array(c->allow, c->nallow, sizeof *d->allow);
	d->get_zone = get_zone;
	d->arg = arg;
	d->up = -1;
	for (int i = 0; i < LISTEN_MAX; i++)
		d->udp[i] = d->tcp[i] = -1;
	for (int i = 0; i < TCP_MAX; i++)
		d->conns[i].fd = -1;
	if (!d->c.forward_timeout_ms)
		d->c.forward_timeout_ms = 2000;
	d->ep = epoll_create1(EPOLL_CLOEXEC);
	if (d->ep < 0 || !d->binds || !d->upstream || !d->allow || listen_all(d, err, errlen) < 0)
		goto fail;
	if (c->nupstream) {
		d->up = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		d->up_ref = (struct ref){ K_UPSTREAM, 0 };
		if (d->up < 0 || watch(d, d->up, &d->up_ref) < 0) {
			snprintf(err, errlen, "DNS: upstream socket: %s", strerror(errno));
			goto fail;
		}
	}
	return d;
fail:
	dnssrv_stop(d);
	return NULL;
}

static void poll_run(void *arg)
{
	dnssrv_run(arg);
}

static int poll_timeout(void *arg)
{
	return dnssrv_timeout_ms(arg);
}

int dnssrv_attach(struct dnssrv *d, struct loop *l)
{
	return loop_poller_add(l, &d->poll, d->ep, poll_run, poll_timeout, d);
}

void dnssrv_stop(struct dnssrv *d)
{
	if (!d)
		return;
	loop_poller_del(&d->poll);
	for (size_t i = 0; i < LISTEN_MAX; i++) {
		if (d->udp[i] >= 0)
			close(d->udp[i]);
		if (d->tcp[i] >= 0)
			close(d->tcp[i]);
	}
	for (int i = 0; i < TCP_MAX; i++)
		tcp_close(d, i);
	if (d->up >= 0)
		close(d->up);
	if (d->ep >= 0)
		close(d->ep);
	free(d->binds);
	free(d->upstream);
	free(d->allow);
	free(d);
}
