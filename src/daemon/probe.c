/* ICMP probes before first use (see probe.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/ip_icmp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "common/clock.h"
#include "daemon/probe.h"

/* The timer follows the earliest deadline (PROBE_MAX at most). */
static void rearm(struct probes *p)
{
	int64_t first = INT64_MAX;
	for (size_t i = 0; i < p->n; i++)
		if (p->v[i].deadline_ms < first)
			first = p->v[i].deadline_ms;
	if (first == INT64_MAX)
		loop_timer_stop(p->lp, &p->t);
	else
		loop_timer_at(p->lp, &p->t, first);
}

static void done(struct probes *p, size_t i, bool conflict)
{
	if (conflict)
		p->conflict(p->arg, p->v[i].addr);
	else
		dhcp_io_send(p->io, &p->v[i].pkt, 1);
	p->v[i] = p->v[--p->n];
	rearm(p);
}

/* Probes whose echo did not come in time: the address is free to offer. */
static void on_due(void *arg)
{
	struct probes *p = arg;
	int64_t now = mono_ms();
	for (size_t i = 0; i < p->n;)
		if (p->v[i].deadline_ms <= now)
			done(p, i, false);
		else
			i++;
}

static void on_icmp(void *arg, int fd, uint32_t events)
{
	struct probes *p = arg;
	(void)events;
	uint8_t buf[1500];
	struct sockaddr_in from;
	for (int k = 0; k < 64; k++) {
		socklen_t fl = sizeof from;
		ssize_t n = recvfrom(fd, buf, sizeof buf, 0, (struct sockaddr *)&from, &fl);
		if (n < 0)
			return;
		size_t ihl = n > 0 ? (size_t)(buf[0] & 15) * 4 : 0;
		if ((size_t)n < ihl + 8 || buf[ihl] != ICMP_ECHOREPLY)
			continue;
		uint32_t src = ntohl(from.sin_addr.s_addr);
		for (size_t i = 0; i < p->n; i++)
			if (p->v[i].addr == src) {
				done(p, i, true);
				break;
			}
	}
}

int probes_open(struct probes *p, struct loop *lp, struct dhcp_io *io, uint32_t wait_ms,
		void (*conflict)(void *arg, uint32_t addr), void *arg)
{
	p->lp = lp;
	p->io = io;
	p->wait_ms = wait_ms;
	p->conflict = conflict;
	p->arg = arg;
	p->n = 0;
	p->fd = -1;
	loop_timer_init(&p->t, on_due, p);
	if (!(p->v = calloc(PROBE_MAX, sizeof *p->v)))
		return -1;
	p->fd = socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_ICMP);
	if (p->fd < 0)
		return 0;
	return loop_fd_add(lp, p->fd, LOOP_READ, on_icmp, p);
}

void probes_close(struct probes *p)
{
	if (p->lp)
		loop_timer_stop(p->lp, &p->t);
	if (p->fd >= 0)
		close(p->fd);
	p->fd = -1;
	free(p->v);
	p->v = NULL;
}

void probes_set_wait(struct probes *p, uint32_t wait_ms)
{
	p->wait_ms = wait_ms;
}

bool probes_room(const struct probes *p)
{
	return p->fd >= 0 && p->n < PROBE_MAX;
}

/* An ICMP echo request with its checksum (RFC 792). */
static void echo_request(uint8_t icmp[16], uint16_t id, uint16_t seq)
{
	memset(icmp, 0, 16);
	icmp[0] = ICMP_ECHO;
	icmp[4] = (uint8_t)(id >> 8), icmp[5] = (uint8_t)id;
	icmp[6] = (uint8_t)(seq >> 8), icmp[7] = (uint8_t)seq;
	uint32_t sum = 0;
	for (size_t i = 0; i < 16; i += 2)
		sum += (uint32_t)(icmp[i] << 8 | icmp[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	icmp[2] = (uint8_t)(~sum >> 8), icmp[3] = (uint8_t)~sum;
}

void probes_start(struct probes *p, const struct outpkt *offer, uint32_t addr)
{
	uint8_t icmp[16];
	uint16_t seq = ++p->seq;
	echo_request(icmp, (uint16_t)getpid(), seq);
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_addr = { htonl(addr) } };
	if (sendto(p->fd, icmp, sizeof icmp, 0, (struct sockaddr *)&to, sizeof to) < 0) {
		dhcp_io_send(p->io, (struct outpkt *)offer, 1);	/* cannot probe: offer now */
		return;
	}
	p->v[p->n++] = (struct probe){ .addr = addr, .seq = seq,
		.deadline_ms = mono_ms() + p->wait_ms, .pkt = *offer };
	rearm(p);
}
