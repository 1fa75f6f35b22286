/* ICMP echo before an address is first offered (RFC 2131 section 2.2):
 * the OFFER waits until the probe times out; an echo reply means someone
 * we do not know uses the address, and the OFFER is dropped. */
#ifndef DUODHCP_PROBE_H
#define DUODHCP_PROBE_H

#include <stdbool.h>
#include <stdint.h>
#include "common/loop.h"
#include "daemon/dhcp_io.h"

#define PROBE_MAX 256		/* probes in flight */

struct probe {
	uint32_t addr;
	uint16_t seq;
	int64_t deadline_ms;
	struct outpkt pkt;	/* the OFFER that waits for it */
};

struct probes {
	int fd;			/* raw ICMP socket, -1 when unavailable */
	struct loop *lp;
	struct dhcp_io *io;	/* sends the OFFERs that may go */
	struct loop_timer t;	/* the first deadline */
	uint32_t wait_ms;
	uint16_t seq;
	struct probe *v;	/* PROBE_MAX of them */
	size_t n;
	/* An echo came back from addr: it is in use. */
	void (*conflict)(void *arg, uint32_t addr);
	void *arg;
};

/* Opens the ICMP socket and registers it on lp.  Without the socket (no
 * CAP_NET_RAW) p->fd is -1 and OFFERs simply leave at once.  Returns 0,
 * or -1 when out of memory or it cannot be registered. */
int probes_open(struct probes *p, struct loop *lp, struct dhcp_io *io, uint32_t wait_ms,
		void (*conflict)(void *arg, uint32_t addr), void *arg);
void probes_close(struct probes *p);
/* How long an OFFER waits for an echo (a reload may change it). */
void probes_set_wait(struct probes *p, uint32_t wait_ms);
/* Whether an OFFER can wait for a probe now. */
bool probes_room(const struct probes *p);
/* Pings addr and holds offer until the answer or the deadline; the OFFER
 * leaves at once when the ping cannot be sent. */
void probes_start(struct probes *p, const struct outpkt *offer, uint32_t addr);

#endif
