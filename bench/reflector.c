/* reflector: the least a DHCP server can do.  Each DISCOVER gets an OFFER
 * and each REQUEST an ACK, with no state, no checks and no disk, as fast
 * as recvmmsg/sendmmsg go.  The benchmark loads it to find the ceiling of
 * the harness (load generator, veth, kernel): a server figure near that
 * ceiling is the harness's limit, not the server's.
 *
 * Replies go to giaddr:67 (relayed requests), else back to the sender.
 * Runs until SIGTERM/SIGINT or --max-seconds (bounded; default 3600).
 *
 * Build: gcc -std=c17 -D_GNU_SOURCE -O2 -Wall -Wextra -Werror bench/reflector.c -o reflector */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH 64
#define PKT_MAX 1500
#define REPLY_LEN 300
#define MAGIC 0x63825363u

static volatile sig_atomic_t g_stop;

static void on_sig(int sig)
{
	(void)sig;
	g_stop = 1;
}

struct refl {
	int fd;
	uint32_t addr;			/* our address (server id), network order */
	uint32_t pool_base;		/* host order */
	uint32_t lease;
	uint64_t rx, tx, ignored;
};

/* The value of option code in the request, or NULL. */
static const uint8_t *find_opt(const uint8_t *b, size_t len, uint8_t code, uint8_t *olen)
{
	for (size_t i = 240; i < len;) {
		if (b[i] == 0) {
			i++;
			continue;
		}
		if (b[i] == 255 || i + 1 >= len || i + 2 + b[i + 1] > len)
			return NULL;
		if (b[i] == code) {
			*olen = b[i + 1];
			return b + i + 2;
		}
		i += 2u + b[i + 1];
	}
	return NULL;
}

static uint8_t *put_opt(uint8_t *p, uint8_t code, const void *val, uint8_t len)
{
	*p++ = code;
	*p++ = len;
	memcpy(p, val, len);
	return p + len;
}

/* Builds the reply to req into out; returns false when there is none. */
static bool reflect(const struct refl *r, const uint8_t *req, size_t len, uint8_t *out,
		    struct sockaddr_in *to)
{
	uint32_t v;
	uint8_t olen = 0;
	if (len < 240 || req[0] != 1)
		return false;
	memcpy(&v, req + 236, 4);
	const uint8_t *t = ntohl(v) == MAGIC ? find_opt(req, len, 53, &olen) : NULL;
	if (!t || olen != 1 || (t[0] != 1 && t[0] != 3))
		return false;
	uint8_t type = t[0] == 1 ? 2 : 5;	/* OFFER, ACK */
	uint32_t yi = 0;
	const uint8_t *want = find_opt(req, len, 50, &olen);
	if (type == 5 && want && olen == 4)
		memcpy(&yi, want, 4);
	else if (type == 5)
		memcpy(&yi, req + 12, 4);	/* ciaddr: a renewal */
	if (!yi) {
		/* Stateless: the address is a hash of chaddr. */
		uint32_t h = 2166136261u;
		for (int i = 0; i < 16; i++)
			h = (h ^ req[28 + i]) * 16777619u;
		yi = htonl(r->pool_base + 10 + h % 65000);
	}
	memset(out, 0, REPLY_LEN);
	memcpy(out, req, 236);
	out[0] = 2;
	memset(out + 12, 0, 4);
	memcpy(out + 16, &yi, 4);
	memcpy(out + 20, &r->addr, 4);
	v = htonl(MAGIC);
	memcpy(out + 236, &v, 4);
	uint8_t *p = out + 240;
	uint32_t lt = htonl(r->lease), mask = htonl(0xffff0000u);
	p = put_opt(p, 53, &type, 1);
	p = put_opt(p, 54, &r->addr, 4);
	p = put_opt(p, 51, &lt, 4);
	p = put_opt(p, 1, &mask, 4);
	*p = 255;
	uint32_t gi;
	memcpy(&gi, req + 24, 4);
	if (gi) {
		to->sin_addr.s_addr = gi;
		to->sin_port = htons(67);
	}
	return true;
}

static void serve_batch(struct refl *r)
{
	static uint8_t in[BATCH][PKT_MAX], out[BATCH][REPLY_LEN];
	struct mmsghdr mi[BATCH], mo[BATCH];
	struct iovec ii[BATCH], io[BATCH];
	struct sockaddr_in from[BATCH];
	for (int i = 0; i < BATCH; i++) {
		ii[i] = (struct iovec){ in[i], sizeof in[i] };
		mi[i].msg_hdr = (struct msghdr){ .msg_name = &from[i], .msg_namelen = sizeof from[i],
						 .msg_iov = &ii[i], .msg_iovlen = 1 };
	}
	int n = recvmmsg(r->fd, mi, BATCH, MSG_DONTWAIT, NULL);
	if (n <= 0)
		return;
	int k = 0;
	for (int i = 0; i < n; i++) {
		r->rx++;
		if (!reflect(r, in[i], mi[i].msg_len, out[k], &from[i])) {
			r->ignored++;
			continue;
		}
		io[k] = (struct iovec){ out[k], REPLY_LEN };
		mo[k].msg_hdr = (struct msghdr){ .msg_name = &from[i], .msg_namelen = sizeof from[i],
						 .msg_iov = &io[k], .msg_iovlen = 1 };
		k++;
	}
	for (int done = 0, tries = 0; done < k && tries < 1000; tries++) {
		int s = sendmmsg(r->fd, mo + done, (unsigned)(k - done), 0);
		if (s < 0 && errno != EINTR && errno != EAGAIN)
			break;
		if (s > 0) {
			done += s;
			r->tx += (uint64_t)s;
		}
	}
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "addr", required_argument, NULL, 'a' }, { "port", required_argument, NULL, 'p' },
		{ "pool", required_argument, NULL, 'P' }, { "lease", required_argument, NULL, 'l' },
		{ "max-seconds", required_argument, NULL, 'm' }, { NULL, 0, NULL, 0 },
	};
	struct refl r = { .fd = -1, .lease = 3600 };
	struct in_addr a = { 0 }, pool;
	inet_pton(AF_INET, "198.19.0.0", &pool);
	unsigned long port = 67, max_s = 3600;
	int ch;
	while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		bool ok = true;
		switch (ch) {
		case 'a': ok = inet_pton(AF_INET, optarg, &a) == 1; break;
		case 'P': ok = inet_pton(AF_INET, optarg, &pool) == 1; break;
		case 'p': port = strtoul(optarg, NULL, 10); ok = port > 0 && port < 65536; break;
		case 'l': r.lease = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 'm': max_s = strtoul(optarg, NULL, 10); ok = max_s > 0 && max_s <= 86400; break;
		default: ok = false; break;
		}
		if (!ok) {
			fprintf(stderr, "usage: reflector --addr ADDR [--port 67] [--pool 198.19.0.0] "
					"[--lease 3600] [--max-seconds 3600]\n");
			return 2;
		}
	}
	if (!a.s_addr) {
		fprintf(stderr, "reflector: --addr is required\n");
		return 2;
	}
	r.addr = a.s_addr;
	r.pool_base = ntohl(pool.s_addr);
	r.fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int on = 1, size = 16 << 20;
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	if (r.fd < 0 || setsockopt(r.fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) < 0 ||
	    bind(r.fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		fprintf(stderr, "reflector: cannot bind port %lu: %s\n", port, strerror(errno));
		return 1;
	}
	if (setsockopt(r.fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size) < 0)
		setsockopt(r.fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
	struct sigaction sg = { .sa_handler = on_sig };
	sigaction(SIGINT, &sg, NULL);
	sigaction(SIGTERM, &sg, NULL);
	fprintf(stderr, "reflector: ready on port %lu\n", port);
	struct timespec t0, t;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	struct pollfd pfd = { .fd = r.fd, .events = POLLIN };
	for (t = t0; !g_stop && t.tv_sec - t0.tv_sec < (time_t)max_s;
	     clock_gettime(CLOCK_MONOTONIC, &t)) {
		if (poll(&pfd, 1, 200) > 0)
			serve_batch(&r);
	}
	fprintf(stderr, "reflector: rx=%" PRIu64 " tx=%" PRIu64 " ignored=%" PRIu64 "\n", r.rx,
		r.tx, r.ignored);
	close(r.fd);
	return 0;
}
