/* DHCP datagrams in and out (see dhcp_io.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <net/if_arp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include "common/clock.h"
#include "daemon/dhcp_io.h"

/* Maps each interface to the directly attached subnet it serves. */
void dhcp_io_links_refresh(struct dhcp_io *io, const struct config *cfg)
{
	struct ifaddrs *ifs, *i;
	io->links_ms = mono_ms();
	if (getifaddrs(&ifs) < 0) {
		log_err("getifaddrs: %s", strerror(errno));
		return;
	}
	size_t n = 0;
	for (i = ifs; i; i = i->ifa_next)
		n++;
	struct dhcp_link *ls = calloc(n + 1, sizeof *ls);
	if (!ls) {
		freeifaddrs(ifs);
		return;
	}
	size_t k = 0;
	for (i = ifs; i; i = i->ifa_next) {
		if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET)
			continue;
		uint32_t a = ntohl(((struct sockaddr_in *)i->ifa_addr)->sin_addr.s_addr);
		for (size_t j = 0; j < cfg->nsubnets; j++) {
			const struct cfg_subnet *sn = &cfg->subnets[j];
			if (sn->relayed || (sn->bind_addr ? sn->bind_addr != a
							  : (a & sn->mask) != sn->net))
				continue;
			ls[k].ifindex = (int)if_nametoindex(i->ifa_name);
			snprintf(ls[k].name, sizeof ls[k].name, "%s", i->ifa_name);
			ls[k].addr = a;
			ls[k].sn = sn;
			k++;
			break;
		}
	}
	freeifaddrs(ifs);
	free(io->links);
	io->links = ls;
	io->nlinks = k;
	io->cfg = cfg;
}

const struct dhcp_link *dhcp_io_link_for(struct dhcp_io *io, int ifindex)
{
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < io->nlinks; i++)
			if (io->links[i].ifindex == ifindex)
				return &io->links[i];
		/* An interface may have come up since: look again, at most
		 * once a second. */
		if (pass || mono_ms() - io->links_ms < 1000)
			break;
		dhcp_io_links_refresh(io, io->cfg);
	}
	return NULL;
}

static int udp_open(void)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	int on = 1, buf = 4 << 20;
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(DHCP_SERVER_PORT) };
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &on, sizeof on) < 0 ||
	    setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &on, sizeof on) < 0 ||
	    bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	/* Bursts of clients (a building powering up) should queue, not drop. */
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof buf);
	return fd;
}

int dhcp_io_open(struct dhcp_io *io, const struct config *cfg)
{
	*io = (struct dhcp_io){ .fd = udp_open(), .cfg = cfg };
	return io->fd < 0 ? -1 : 0;
}

void dhcp_io_close(struct dhcp_io *io)
{
	if (io->fd >= 0)
		close(io->fd);
	io->fd = -1;
	free(io->links);
	io->links = NULL;
	io->nlinks = 0;
}

/* Teaches the kernel chaddr for yiaddr so a reply can be unicast to a
 * client that has no address yet (RFC 2131 section 4.1), as dnsmasq does. */
static bool arp_install(struct dhcp_io *io, const struct outpkt *p)
{
	struct arpreq req;
	memset(&req, 0, sizeof req);
	struct sockaddr_in *pa = (struct sockaddr_in *)&req.arp_pa;
	pa->sin_family = AF_INET;
	pa->sin_addr = p->to.sin_addr;
	req.arp_ha.sa_family = ARPHRD_ETHER;
	memcpy(req.arp_ha.sa_data, p->hw, 6);
	req.arp_flags = ATF_COM;
	if (!if_indextoname((unsigned)p->ifindex, req.arp_dev))
		return false;
	return ioctl(io->fd, SIOCSARP, &req) == 0;
}

struct cmsgbuf {
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(struct in_pktinfo))];
	};
};

static void msg_setup(struct msghdr *mh, struct iovec *iov, struct cmsgbuf *cb, struct outpkt *p)
{
	iov->iov_base = p->buf;
	iov->iov_len = p->len;
	memset(mh, 0, sizeof *mh);
	mh->msg_name = &p->to;
	mh->msg_namelen = sizeof p->to;
	mh->msg_iov = iov;
	mh->msg_iovlen = 1;
	if (p->ifindex <= 0)
		return;
	/* Broadcasts and chaddr unicasts leave by the interface the request
	 * came in on, from our address there. */
	mh->msg_control = cb->buf;
	mh->msg_controllen = sizeof cb->buf;
	struct cmsghdr *c = CMSG_FIRSTHDR(mh);
	c->cmsg_level = IPPROTO_IP;
	c->cmsg_type = IP_PKTINFO;
	c->cmsg_len = CMSG_LEN(sizeof(struct in_pktinfo));
	struct in_pktinfo pi = { .ipi_ifindex = p->ifindex,
				 .ipi_spec_dst = { htonl(p->src) } };
	memcpy(CMSG_DATA(c), &pi, sizeof pi);
}

static void prepare_send(struct dhcp_io *io, struct outpkt *p)
{
	if (p->arp && !arp_install(io, p)) {
		/* No ARP entry: fall back to broadcast. */
		p->to.sin_addr.s_addr = htonl(INADDR_BROADCAST);
	}
}

void dhcp_io_send(struct dhcp_io *io, struct outpkt *pkts, size_t n)
{
	struct mmsghdr mm[DHCP_IO_BATCH];
	struct iovec iov[DHCP_IO_BATCH];
	struct cmsgbuf cb[DHCP_IO_BATCH];
	size_t done = 0;
	while (done < n) {
		size_t k = n - done < DHCP_IO_BATCH ? n - done : DHCP_IO_BATCH;
		for (size_t i = 0; i < k; i++) {
			prepare_send(io, &pkts[done + i]);
			msg_setup(&mm[i].msg_hdr, &iov[i], &cb[i], &pkts[done + i]);
		}
		int sent = sendmmsg(io->fd, mm, (unsigned)k, 0);
		if (sent < 0) {
			if (log_allow(&io->lim, mono_ms(), 1, 5))
				log_warn("sendmmsg: %s", strerror(errno));
			sent = 1;	/* skip the datagram that failed */
		}
		done += (size_t)sent;
	}
}

bool dhcp_io_build(const struct engine_result *r, int ifindex, uint32_t local,
		   struct outpkt *p, unsigned *dropped)
{
	p->len = dhcp_encode(&r->out, p->buf, r->maxlen, dropped);
	p->to = (struct sockaddr_in){ .sin_family = AF_INET, .sin_port = htons(DHCP_CLIENT_PORT) };
	p->ifindex = 0;
	p->src = local;
	p->arp = false;
	switch (r->dest) {
	case DEST_NONE:
		return false;
	case DEST_RELAY:
		p->to.sin_port = htons(DHCP_SERVER_PORT);
		p->to.sin_addr.s_addr = htonl(r->dest_addr);
		break;
	case DEST_CIADDR:
		p->to.sin_addr.s_addr = htonl(r->dest_addr);
		break;
	case DEST_BROADCAST:
		p->to.sin_addr.s_addr = htonl(INADDR_BROADCAST);
		p->ifindex = ifindex;
		break;
	case DEST_HWADDR:
		p->to.sin_addr.s_addr = htonl(r->dest_addr);
		p->ifindex = ifindex;
		p->arp = true;
		memcpy(p->hw, r->out.chaddr, 6);
		break;
	}
	return true;
}

size_t dhcp_io_read(struct dhcp_io *io, size_t max, dhcp_io_rx_fn *rx,
		    void (*batch_done)(void *arg), void *arg)
{
	static uint8_t bufs[DHCP_IO_BATCH][DHCP_RECV_MAX];
	struct mmsghdr mm[DHCP_IO_BATCH];
	struct iovec iov[DHCP_IO_BATCH];
	struct cmsgbuf cb[DHCP_IO_BATCH];
	struct sockaddr_in from[DHCP_IO_BATCH];
	size_t total = 0;
	while (total < max) {
		for (int i = 0; i < DHCP_IO_BATCH; i++) {
			iov[i] = (struct iovec){ bufs[i], sizeof bufs[i] };
			mm[i].msg_hdr = (struct msghdr){ .msg_name = &from[i],
				.msg_namelen = sizeof from[i], .msg_iov = &iov[i], .msg_iovlen = 1,
				.msg_control = cb[i].buf, .msg_controllen = sizeof cb[i].buf };
		}
		int n = recvmmsg(io->fd, mm, DHCP_IO_BATCH, MSG_DONTWAIT, NULL);
		if (n <= 0)
			break;
		for (int i = 0; i < n; i++) {
			int ifindex = 0;
			uint32_t dst = 0;
			struct msghdr *mh = &mm[i].msg_hdr;
			for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c))
				if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
					struct in_pktinfo pi;
					memcpy(&pi, CMSG_DATA(c), sizeof pi);
					ifindex = pi.ipi_ifindex;
					dst = ntohl(pi.ipi_addr.s_addr);
				}
			if (mh->msg_flags & MSG_TRUNC) {
				io->truncated++;
				continue;
			}
			uint32_t src = mh->msg_namelen >= sizeof from[i] ?
				       ntohl(from[i].sin_addr.s_addr) : 0;
			rx(arg, bufs[i], mm[i].msg_len, ifindex, dst, src);
		}
		batch_done(arg);
		total += (size_t)n;
		if (n < DHCP_IO_BATCH)
			break;
	}
	return total;
}
