/* The DNS server's sockets on loopback, driven by the event loop: a TCP
 * client that sends many queries and reads nothing for a while gets
 * every answer once it reads (output waits in a buffer, it is not
 * dropped on a short write); one that never reads loses its connection
 * once the buffer is full, and UDP goes on being answered meanwhile. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>
#include "common/clock.h"
#include "dns/dnssrv.h"
#include "common/loop.h"
#include "t.h"

static int by_label(void *arg, const char *label, uint32_t *addr, uint32_t *ttl)
{
	(void)arg;
	if (strcmp(label, "pc1") != 0)
		return -1;
	*addr = 0x7f000063;
	*ttl = 60;
	return 0;
}

static int by_addr(void *arg, uint32_t addr, char label[DNS_LABEL_MAX + 1], uint32_t *ttl)
{
	(void)arg, (void)addr, (void)label, (void)ttl;
	return -1;
}

static const struct dns_net nets[] = { { 0x7f000000, 0xff000000 } };
static struct dns_zone the_zone = { .domain = "lan", .nets = nets, .nnets = 1,
				    .by_label = by_label, .by_addr = by_addr, .serial = 1 };

static const struct dns_zone *get_zone(void *arg)
{
	(void)arg;
	return &the_zone;
}

/* A query for pc1.lan, id i, with its TCP length prefix. */
static size_t query(uint8_t *b, uint16_t id)
{
	static const uint8_t q[] = { 0, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0,
				     3, 'p', 'c', '1', 3, 'l', 'a', 'n', 0, 0, 1, 0, 1 };
	b[0] = 0, b[1] = sizeof q;
	memcpy(b + 2, q, sizeof q);
	b[2] = (uint8_t)(id >> 8), b[3] = (uint8_t)id;
	return sizeof q + 2;
}

static struct dnssrv *start(struct loop *l, uint16_t *port)
{
	uint32_t bind = 0x7f000001;
	for (int tries = 0; tries < 50; tries++) {
		*port = (uint16_t)(20000 + (getpid() * 7 + tries * 131) % 30000);
		struct dnssrv_conf c = { .binds = &bind, .nbinds = 1, .port = *port,
					 .allow = nets, .nallow = 1 };
		char err[128];
		struct dnssrv *d = dnssrv_start(&c, get_zone, NULL, err, sizeof err);
		if (d) {
			CHECK_EQ(dnssrv_attach(d, l), 0);
			return d;
		}
	}
	return NULL;
}

static int connect_tcp(uint16_t port, int rcvbuf)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port),
				 .sin_addr = { htonl(0x7f000001) } };
	if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0) {
		close(fd);
		return -1;
	}
	fcntl(fd, F_SETFL, O_NONBLOCK);
	return fd;
}

/* Sends n queries, turning the loop as it goes (the server must read). */
static void send_queries(struct loop *l, int fd, int n, int first_id)
{
	uint8_t b[64];
	for (int i = 0; i < n; i++) {
		size_t len = query(b, (uint16_t)(first_id + i));
		size_t off = 0;
		int64_t end = mono_ms() + 5000;
		while (off < len && mono_ms() < end) {
			ssize_t k = send(fd, b + off, len - off, MSG_NOSIGNAL);
			if (k > 0)
				off += (size_t)k;
			else if (errno == EAGAIN)
				loop_turn(l, 1);
			else
				return;		/* the server dropped us */
		}
		if (i % 64 == 0)
			loop_turn(l, 0);
	}
}

/* Reads replies, turning the loop, until n arrived, EOF or 5 s. */
static int read_replies(struct loop *l, int fd, int n, bool *eof)
{
	static uint8_t buf[1 << 16];
	size_t have = 0;
	int got = 0, next_id = 0, in_order = 1;
	int64_t end = mono_ms() + 5000;
	*eof = false;
	while (got < n && mono_ms() < end) {
		ssize_t k = recv(fd, buf + have, sizeof buf - have, 0);
		if (k == 0) {
			*eof = true;
			break;
		}
		if (k < 0) {
			if (errno != EAGAIN) {
				*eof = true;
				break;
			}
			loop_turn(l, 5);
			continue;
		}
		have += (size_t)k;
		while (have >= 2) {
			size_t m = (size_t)buf[0] << 8 | buf[1];
			if (have < m + 2)
				break;
			in_order &= (buf[2] << 8 | buf[3]) == (next_id++ & 0xffff);
			got++;
			memmove(buf, buf + m + 2, have - m - 2);
			have -= m + 2;
		}
	}
	CHECK(in_order);
	return got;
}

/* A loop, the server attached to it, a TCP client with a small receive
 * buffer; false when the server could not start. */
struct fx {
	struct loop *l;
	struct dnssrv *d;
	uint16_t port;
	int fd;
};

static bool setup(struct fx *f)
{
	f->l = loop_new();
	f->d = start(f->l, &f->port);
	CHECK(f->d != NULL);
	f->fd = f->d ? connect_tcp(f->port, 4096) : -1;
	CHECK(!f->d || f->fd >= 0);
	return f->d && f->fd >= 0;
}

static void teardown(struct fx *f)
{
	close(f->fd);
	dnssrv_stop(f->d);
	CHECK_EQ(loop_fd_count(f->l), 0);	/* it left the loop */
	loop_free(f->l);
}

/* Lets the server work: n turns of at most ms each. */
static void spin(struct loop *l, int n, int ms)
{
	for (int i = 0; i < n; i++)
		loop_turn(l, ms);
}

/* A query over TCP for a name outside the zone ("x.example", id 0x77). */
static size_t other_query(uint8_t *b)
{
	static const uint8_t q[] = { 0, 0x77, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 'x', 7, 'e', 'x',
				     'a', 'm', 'p', 'l', 'e', 0, 0, 1, 0, 1 };
	b[0] = 0, b[1] = sizeof q;
	memcpy(b + 2, q, sizeof q);
	return sizeof q + 2;
}

/* A relayed query's answer goes to the TCP connection that asked, never
 * to a later one that took its slot and its fd number after it left. */
TEST(relayed_answer_not_given_to_the_next_connection)
{
	struct loop *l = loop_new();
	int up = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in ua = { .sin_family = AF_INET, .sin_addr = { htonl(0x7f000001) } };
	socklen_t ul = sizeof ua;
	CHECK(bind(up, (struct sockaddr *)&ua, sizeof ua) == 0);
	CHECK(getsockname(up, (struct sockaddr *)&ua, &ul) == 0);
	uint32_t bind_a = 0x7f000001, up_a = 0x7f000001;
	struct dnssrv *d = NULL;
	uint16_t port = 0;
	the_zone.recursion = true;
	for (int tries = 0; tries < 50 && !d; tries++) {
		port = (uint16_t)(20000 + (getpid() * 11 + tries * 137) % 30000);
		struct dnssrv_conf c = { .binds = &bind_a, .nbinds = 1, .port = port,
					 .allow = nets, .nallow = 1, .upstream = &up_a, .nupstream = 1,
					 .upstream_port = ntohs(ua.sin_port),
					 .forward_timeout_ms = 3000 };
		char err[128];
		d = dnssrv_start(&c, get_zone, NULL, err, sizeof err);
	}
	CHECK(d != NULL);
	if (!d) {
		close(up);
		loop_free(l);
		return;
	}
	CHECK_EQ(dnssrv_attach(d, l), 0);
	int a = connect_tcp(port, 4096);
	uint8_t b[64], fwd[512];
	size_t len = other_query(b);
	CHECK_EQ(send(a, b, len, 0), (ssize_t)len);
	struct sockaddr_in from;
	socklen_t fl = sizeof from;
	ssize_t n = -1;
	fcntl(up, F_SETFL, O_NONBLOCK);
	for (int i = 0; i < 100 && n < 0; i++) {	/* the server relays it */
		loop_turn(l, 10);
		n = recvfrom(up, fwd, sizeof fwd, 0, (struct sockaddr *)&from, &fl);
	}
	CHECK(n > 12);
	close(a);				/* the asker leaves ... */
	spin(l, 5, 10);
	int bfd = connect_tcp(port, 4096);	/* ... and another takes its place */
	spin(l, 5, 10);
	fwd[2] |= 0x80;				/* the upstream answers (a QR reply) */
	CHECK_EQ(sendto(up, fwd, (size_t)n, 0, (struct sockaddr *)&from, fl), n);
	spin(l, 10, 10);
	uint8_t got[512];
	CHECK(recv(bfd, got, sizeof got, 0) < 0 && errno == EAGAIN);
	close(bfd);
	close(up);
	dnssrv_stop(d);
	loop_free(l);
	the_zone.recursion = false;
}

/* One address holds at most 4 connections; another is still served. */
TEST(one_address_cannot_take_every_connection)
{
	struct fx f;
	if (!setup(&f))
		return;
	int more[4];
	for (int i = 0; i < 4; i++)
		more[i] = connect_tcp(f.port, 4096);	/* 5 from 127.0.0.1 with f.fd */
	spin(f.l, 5, 10);
	bool eof;
	int closed = 0;
	for (int i = 0; i < 4; i++) {
		uint8_t c;
		closed += recv(more[i], &c, 1, 0) == 0;
	}
	CHECK_EQ(closed, 1);
	CHECK_EQ(dnssrv_stats(f.d)->tcp_busy, 1);
	/* 127.0.0.2 (another host, for the server) still gets answers. */
	int other = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in src = { .sin_family = AF_INET, .sin_addr = { htonl(0x7f000002) } };
	CHECK(bind(other, (struct sockaddr *)&src, sizeof src) == 0);
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(f.port),
				  .sin_addr = { htonl(0x7f000001) } };
	CHECK(connect(other, (struct sockaddr *)&to, sizeof to) == 0);
	fcntl(other, F_SETFL, O_NONBLOCK);
	send_queries(f.l, other, 1, 0);
	CHECK_EQ(read_replies(f.l, other, 1, &eof), 1);
	close(other);
	for (int i = 0; i < 4; i++)
		close(more[i]);
	teardown(&f);
}

TEST(tcp_replies_wait_for_a_slow_reader)
{
	struct fx f;
	if (!setup(&f))
		return;
	/* Queries, reading nothing, until the kernel's buffers are full and
	 * replies wait in the server's own; then 500 more. */
	int sent = 0;
	while (sent < 100000 && dnssrv_stats(f.d)->tcp_waits == 0) {
		send_queries(f.l, f.fd, 500, sent);
		sent += 500;
		spin(f.l, 5, 2);
	}
	CHECK(dnssrv_stats(f.d)->tcp_waits > 0);	/* short writes did happen */
	send_queries(f.l, f.fd, 500, sent);
	sent += 500;
	spin(f.l, 20, 5);
	bool eof;
	CHECK_EQ(read_replies(f.l, f.fd, sent, &eof), sent);
	CHECK(!eof);
	CHECK_EQ(dnssrv_stats(f.d)->tcp_dropped, 0);
	teardown(&f);
}

TEST(a_client_that_never_reads_is_dropped)
{
	struct fx f;
	if (!setup(&f))
		return;
	/* Enough answers to fill the kernel's send buffer (4 MiB at most by
	 * default) and then the server's own: about 6 MB of them. */
	send_queries(f.l, f.fd, 100000, 0);
	spin(f.l, 50, 5);
	bool eof;
	int got = read_replies(f.l, f.fd, 100000, &eof);
	CHECK(eof);
	CHECK(got < 100000);
	CHECK_EQ(dnssrv_stats(f.d)->tcp_dropped, 1);
	/* UDP is answered all along. */
	int u = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(f.port),
				 .sin_addr = { htonl(0x7f000001) } };
	uint8_t b[64], r[512];
	size_t len = query(b, 77);
	sendto(u, b + 2, len - 2, 0, (struct sockaddr *)&a, sizeof a);
	ssize_t k = -1;
	for (int i = 0; i < 200 && k < 0; i++) {
		loop_turn(f.l, 5);
		k = recv(u, r, sizeof r, 0);
	}
	CHECK(k > 12 && r[0] == 0 && r[1] == 77);
	close(u);
	teardown(&f);
}


T_RUN(T_CASE(relayed_answer_not_given_to_the_next_connection), T_CASE(one_address_cannot_take_every_connection), T_CASE(tcp_replies_wait_for_a_slow_reader), T_CASE(a_client_that_never_reads_is_dropped))
