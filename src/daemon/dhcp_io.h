/* DHCP datagrams in and out: the UDP socket on port 67, the interfaces
 * it serves, batched reads and writes (recvmmsg, sendmmsg), and the
 * replies as the engine routes them (relay, ciaddr, broadcast, or unicast
 * to a client without an address through an ARP entry). */
#ifndef DUODHCP_DHCP_IO_H
#define DUODHCP_DHCP_IO_H

#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "common/log.h"
#include "conf/config.h"
#include "core/engine.h"

#define DHCP_IO_BATCH 64	/* datagrams per recvmmsg and sendmmsg */

/* An interface with an address in a subnet we serve directly. */
struct dhcp_link {
	int ifindex;
	char name[IF_NAMESIZE];
	uint32_t addr;
	const struct cfg_subnet *sn;
};

/* A reply ready to leave. */
struct outpkt {
	struct sockaddr_in to;
	int ifindex;
	uint32_t src;
	bool arp;		/* install chaddr for yiaddr first */
	uint64_t seq;		/* an ACK: leaves once this change is durable */
	uint8_t hw[6];
	size_t len;
	uint8_t buf[DHCP_PKT_MAX];
};

struct dhcp_io {
	int fd;
	const struct config *cfg;
	struct dhcp_link *links;
	size_t nlinks;
	int64_t links_ms;	/* when the interfaces were last read */
	uint64_t truncated;	/* datagrams longer than DHCP_RECV_MAX */
	struct log_limit lim;
};

/* Opens port 67 (SO_REUSEADDR, broadcast, IP_PKTINFO, a 4 MiB receive
 * buffer).  Returns 0, or -1 with errno. */
int dhcp_io_open(struct dhcp_io *io, const struct config *cfg);
void dhcp_io_close(struct dhcp_io *io);
/* Reads the interfaces again (a new configuration, or one came up). */
void dhcp_io_links_refresh(struct dhcp_io *io, const struct config *cfg);
/* The link of the interface a request came in on, or NULL. */
const struct dhcp_link *dhcp_io_link_for(struct dhcp_io *io, int ifindex);

/* One datagram: its bytes, the interface and our address it reached, and
 * its IP source (host byte order). */
typedef void dhcp_io_rx_fn(void *arg, const uint8_t *buf, size_t len, int ifindex,
			   uint32_t dst, uint32_t src);
/* Reads up to max datagrams, a batch at a time, calling rx for each and
 * batch_done after each batch; returns how many were read. */
size_t dhcp_io_read(struct dhcp_io *io, size_t max, dhcp_io_rx_fn *rx,
		    void (*batch_done)(void *arg), void *arg);

/* Encodes the engine's reply into p with its route; false when the
 * engine stays silent.  *dropped counts options that did not fit. */
bool dhcp_io_build(const struct engine_result *r, int ifindex, uint32_t local,
		   struct outpkt *p, unsigned *dropped);
/* Sends n replies in as few calls as it can. */
void dhcp_io_send(struct dhcp_io *io, struct outpkt *pkts, size_t n);

#endif
