/* The daemon: one UDP socket on port 67, the event loop, group commit.
 *
 * One loop turn reads every waiting request, decides each, appends the
 * journal records of all of them, makes them durable with one fdatasync,
 * and only then sends the ACKs (RFC 2131 section 4.3.1).  OFFERs, NAKs
 * and INFORM answers need no write and go out at once. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <netinet/in.h>
#include <netinet/ip_icmp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <sys/random.h>
#include "common/clock.h"
#include "common/log.h"
#include "common/loop.h"
#include "common/text.h"
#include "conf/config.h"
#include "core/engine.h"
#include "core/lease.h"
#include "daemon/commit.h"
#include "daemon/notify.h"
#include "daemon/server.h"
#include "dns/dnssrv.h"
#include "dns/names.h"
#include "http/api.h"
#include "http/http.h"
#include "store/store.h"
#include "sync/sync.h"

#define BATCH 64		/* datagrams per recvmmsg */
#define TURN_MAX 512		/* datagrams per loop turn before a flush */
#define ACKQ_MAX (2 * TURN_MAX)	/* a turn's ACKs, and those held from before */
#define PROBE_MAX 256

struct link {
	int ifindex;
	char name[IF_NAMESIZE];
	uint32_t addr;
	const struct cfg_subnet *sn;
};

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

struct probe {
	uint32_t addr;
	uint16_t seq;
	int64_t deadline_ms;
	struct outpkt pkt;
};

struct server {
	const struct server_opts *opts;
	struct config *cfg;
	struct lease_table *leases;
	struct engine eng;
	struct store *st;	/* durable leases */
	struct commit *cm;	/* the change pipeline into it */
	int udp, icmp, sig;
	struct loop *lp;
	/* The server's own timers; DNS and HTTP keep theirs. */
	struct loop_timer t_expire;	/* the next lease end (wall clock) */
	struct loop_timer t_probe;	/* the first probe deadline */
	struct loop_timer t_reload;	/* the API's reload, after its request */
	struct link *links;
	size_t nlinks;
	int64_t links_ms;
	struct outpkt *ackq;	/* ACKs waiting for the group commit */
	size_t nack;
	struct outpkt *outq;	/* other replies of one read batch */
	size_t nout;
	struct probe *probes;
	size_t nprobes;
	uint16_t probe_seq;
	bool stop;
	bool disk_failing;
	uint64_t acks_withheld;
	/* Built-in DNS: the server, and a snapshot of client names rebuilt
	 * when the leases have changed since it was taken. */
	struct dnssrv *dns;
	struct names *names;
	bool names_stale;
	struct dns_zone zone;
	struct dns_net *zone_nets;
	char zone_domain[128];
	/* Status page and API. */
	struct http *http;
	struct api_ctx api;
	struct sync_status sync_st;
	uint64_t epoch;		/* random per start: partners see restarts */
	int64_t started;
	struct config *reload_cfg;	/* parsed by the API, applied after it */
	/* SyncServer: the pull of the partner's leases. */
	struct sync *sync;
	uint32_t sync_gen;
	struct log_limit lim_sync;
	struct log_limit lim_bad, lim_note, lim_disk;
	struct notify nt;	/* systemd: readiness, status, watchdog */
	struct dhcp_msg msg;
	struct engine_result res;
};

static const char *ipstr(uint32_t a, char buf[TEXT_IP4_LEN])
{
	return text_ip4(a, buf);
}

/* Maps each interface to the directly attached subnet it serves. */
static void links_refresh(struct server *s)
{
	struct ifaddrs *ifs, *i;
	s->links_ms = mono_ms();
	if (getifaddrs(&ifs) < 0) {
		log_err("getifaddrs: %s", strerror(errno));
		return;
	}
	size_t n = 0;
	for (i = ifs; i; i = i->ifa_next)
		n++;
	struct link *ls = calloc(n + 1, sizeof *ls);
	if (!ls) {
		freeifaddrs(ifs);
		return;
	}
	size_t k = 0;
	for (i = ifs; i; i = i->ifa_next) {
		if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET)
			continue;
		uint32_t a = ntohl(((struct sockaddr_in *)i->ifa_addr)->sin_addr.s_addr);
		for (size_t j = 0; j < s->cfg->nsubnets; j++) {
			const struct cfg_subnet *sn = &s->cfg->subnets[j];
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
	free(s->links);
	s->links = ls;
	s->nlinks = k;
}

static const struct link *link_for(struct server *s, int ifindex)
{
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < s->nlinks; i++)
			if (s->links[i].ifindex == ifindex)
				return &s->links[i];
		/* An interface may have come up since: look again, at most
		 * once a second. */
		if (pass || mono_ms() - s->links_ms < 1000)
			break;
		links_refresh(s);
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

/* Teaches the kernel chaddr for yiaddr so a reply can be unicast to a
 * client that has no address yet (RFC 2131 section 4.1), as dnsmasq does. */
static bool arp_install(struct server *s, const struct outpkt *p)
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
	return ioctl(s->udp, SIOCSARP, &req) == 0;
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

static void prepare_send(struct server *s, struct outpkt *p)
{
	if (p->arp && !arp_install(s, p)) {
		/* No ARP entry: fall back to broadcast. */
		p->to.sin_addr.s_addr = htonl(INADDR_BROADCAST);
	}
}

static void send_batch(struct server *s, struct outpkt *pkts, size_t n)
{
	struct mmsghdr mm[BATCH];
	struct iovec iov[BATCH];
	struct cmsgbuf cb[BATCH];
	size_t done = 0;
	while (done < n) {
		size_t k = n - done < BATCH ? n - done : BATCH;
		for (size_t i = 0; i < k; i++) {
			prepare_send(s, &pkts[done + i]);
			msg_setup(&mm[i].msg_hdr, &iov[i], &cb[i], &pkts[done + i]);
		}
		int sent = sendmmsg(s->udp, mm, (unsigned)k, 0);
		if (sent < 0) {
			if (log_allow(&s->lim_note, mono_ms(), 1, 5))
				log_warn("sendmmsg: %s", strerror(errno));
			sent = 1;	/* skip the datagram that failed */
		}
		done += (size_t)sent;
	}
}

/* Fills p from the engine's result; false if there is nothing to send. */
static bool build_out(struct server *s, const struct engine_result *r, int ifindex,
		      uint32_t local, struct outpkt *p)
{
	unsigned dropped = 0;
	p->len = dhcp_encode(&r->out, p->buf, r->maxlen, &dropped);
	s->eng.st.options_dropped += dropped;
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

/* Every lease change goes through the pipeline: numbered, filed for the
 * feed, told to the subscribers, stored with the next commit. */
static uint64_t change(struct server *s, struct lease *l)
{
	return commit_change(s->cm, l);
}

/* The probe timer follows the earliest deadline (PROBE_MAX at most). */
static void probe_rearm(struct server *s)
{
	int64_t first = INT64_MAX;
	for (size_t i = 0; i < s->nprobes; i++)
		if (s->probes[i].deadline_ms < first)
			first = s->probes[i].deadline_ms;
	if (first == INT64_MAX)
		loop_timer_stop(s->lp, &s->t_probe);
	else
		loop_timer_at(s->lp, &s->t_probe, first);
}

static void probe_start(struct server *s, const struct outpkt *p, uint32_t addr)
{
	struct probe *pr = &s->probes[s->nprobes];
	uint8_t icmp[16] = { ICMP_ECHO, 0 };
	uint16_t id = (uint16_t)getpid(), seq = ++s->probe_seq;
	icmp[4] = (uint8_t)(id >> 8), icmp[5] = (uint8_t)id;
	icmp[6] = (uint8_t)(seq >> 8), icmp[7] = (uint8_t)seq;
	uint32_t sum = 0;
	for (size_t i = 0; i < sizeof icmp; i += 2)
		sum += (uint32_t)(icmp[i] << 8 | icmp[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	icmp[2] = (uint8_t)(~sum >> 8), icmp[3] = (uint8_t)~sum;
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_addr = { htonl(addr) } };
	if (sendto(s->icmp, icmp, sizeof icmp, 0, (struct sockaddr *)&to, sizeof to) < 0) {
		send_batch(s, (struct outpkt *)p, 1);	/* cannot probe: offer now */
		return;
	}
	pr->addr = addr;
	pr->seq = seq;
	pr->deadline_ms = mono_ms() + s->cfg->probe_ms;
	pr->pkt = *p;
	s->nprobes++;
	probe_rearm(s);
}

static void probe_done(struct server *s, size_t i, bool conflict)
{
	char a[16];
	struct probe *pr = &s->probes[i];
	if (conflict) {
		struct lease *l = engine_probe_conflict(&s->eng, pr->addr, time(NULL));
		log_warn("conflict: %s answers ping before first use; abandoned for %u s",
			 ipstr(pr->addr, a), s->cfg->decline_secs);
		if (l)
			change(s, l);
	} else {
		send_batch(s, &pr->pkt, 1);
	}
	s->probes[i] = s->probes[--s->nprobes];
	probe_rearm(s);
}

/* Probes whose echo did not come in time: the address is free to offer. */
static void on_probe_due(void *arg)
{
	struct server *s = arg;
	int64_t now = mono_ms();
	for (size_t i = 0; i < s->nprobes;)
		if (s->probes[i].deadline_ms <= now)
			probe_done(s, i, false);
		else
			i++;
}

static void on_icmp(void *arg, int fd, uint32_t events)
{
	struct server *s = arg;
	(void)fd, (void)events;
	uint8_t buf[1500];
	struct sockaddr_in from;
	for (int k = 0; k < 64; k++) {
		socklen_t fl = sizeof from;
		ssize_t n = recvfrom(s->icmp, buf, sizeof buf, 0, (struct sockaddr *)&from, &fl);
		if (n < 0)
			return;
		size_t ihl = n > 0 ? (size_t)(buf[0] & 15) * 4 : 0;
		if ((size_t)n < ihl + 8 || buf[ihl] != ICMP_ECHOREPLY)
			continue;
		uint32_t src = ntohl(from.sin_addr.s_addr);
		for (size_t i = 0; i < s->nprobes; i++)
			if (s->probes[i].addr == src) {
				probe_done(s, i, true);
				break;
			}
	}
}

static void trace(struct server *s, const struct dhcp_msg *m, const struct engine_result *r,
		  const struct link *lk)
{
	char hw[49];
	engine_hw_str(hw, m->htype, m->chaddr, m->hlen);
	if (s->cfg->trace || r->notable) {
		if (!r->notable && !log_allow(&s->lim_note, mono_ms(), 200, 400))
			return;
		log_info("%s xid=%08x hw=%s if=%s giaddr=%08x: %s", dhcp_type_name(m->type), m->xid,
			 hw, lk ? lk->name : "-", m->giaddr, r->note[0] ? r->note : "no reply");
	}
}

static void on_datagram(struct server *s, const uint8_t *buf, size_t len, int ifindex,
			uint32_t dst)
{
	const char *why;
	if (dhcp_decode(&s->msg, buf, len, &why) < 0) {
		s->eng.st.drop_malformed++;
		if (log_allow(&s->lim_bad, mono_ms(), 1, 10))
			log_warn("dropped malformed packet (%zu bytes): %s", len, why);
		return;
	}
	const struct link *lk = link_for(s, ifindex);
	uint32_t local = (dst == INADDR_BROADCAST || !dst) && lk ? lk->addr : dst;
	struct engine_in in = { .now = time(NULL), .mono_ms = mono_ms(),
				.link = lk ? lk->sn : NULL, .local_addr = local };
	struct engine_result *r = &s->res;
	engine_handle(&s->eng, &s->msg, &in, r);
	trace(s, &s->msg, r, lk);
	uint64_t seq = 0;
	for (size_t i = 0; i < r->ndirty; i++)
		seq = change(s, r->dirty[i]);
	/* Both queues hold a whole read batch: TURN_MAX bounds the ACKs of a
	 * turn, BATCH the datagrams of one recvmmsg. */
	if (r->wait_sync && s->nack == ACKQ_MAX)
		return;
	struct outpkt *p = r->wait_sync ? &s->ackq[s->nack] : &s->outq[s->nout];
	if (!build_out(s, r, ifindex, local, p))
		return;
	if (r->wait_sync) {
		p->seq = seq;
		s->nack++;
	}
	else if (r->probe_addr && s->icmp >= 0 && s->nprobes < PROBE_MAX)
		probe_start(s, p, r->probe_addr);
	else
		s->nout++;
}

/* Reads up to TURN_MAX datagrams; returns how many. */
static size_t read_turn(struct server *s)
{
	static uint8_t bufs[BATCH][DHCP_RECV_MAX];
	struct mmsghdr mm[BATCH];
	struct iovec iov[BATCH];
	struct cmsgbuf cb[BATCH];
	struct sockaddr_in from[BATCH];
	size_t total = 0;
	while (total < TURN_MAX) {
		for (int i = 0; i < BATCH; i++) {
			iov[i] = (struct iovec){ bufs[i], sizeof bufs[i] };
			mm[i].msg_hdr = (struct msghdr){ .msg_name = &from[i],
				.msg_namelen = sizeof from[i], .msg_iov = &iov[i], .msg_iovlen = 1,
				.msg_control = cb[i].buf, .msg_controllen = sizeof cb[i].buf };
		}
		int n = recvmmsg(s->udp, mm, BATCH, MSG_DONTWAIT, NULL);
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
				s->eng.st.drop_malformed++;
				continue;
			}
			on_datagram(s, bufs[i], mm[i].msg_len, ifindex, dst);
		}
		/* OFFERs, NAKs and INFORM answers leave now, in one call, never
		 * behind the fdatasync of the ACKs. */
		send_batch(s, s->outq, s->nout);
		s->nout = 0;
		total += (size_t)n;
		if (n < BATCH)
			break;
	}
	return total;
}

/* The store's answer to a commit: the ACKs whose changes are durable
 * leave, in the order they were decided.  If the store failed no ACK
 * leaves; its records stay queued and the clients' retransmissions are
 * answered once it recovers. */
static void on_durable(void *arg, uint64_t through, int err)
{
	struct server *s = arg;
	if (err < 0) {
		s->acks_withheld += s->nack;
		s->nack = 0;
		if (!s->disk_failing || log_allow(&s->lim_disk, mono_ms(), 0.2, 1))
			log_err("lease journal write failed: %s; withholding ACKs until it "
				"succeeds", strerror(-err));
		if (!s->disk_failing)
			notify_soon(&s->nt);
		s->disk_failing = true;
		return;
	}
	if (s->disk_failing) {
		log_warn("lease journal writable again; ACKs resume (%llu withheld)",
			 (unsigned long long)s->acks_withheld);
		notify_soon(&s->nt);
	}
	s->disk_failing = false;
	size_t n = 0;
	while (n < s->nack && s->ackq[n].seq <= through)
		n++;
	send_batch(s, s->ackq, n);
	memmove(s->ackq, s->ackq + n, (s->nack - n) * sizeof *s->ackq);
	s->nack -= n;
}

/* Subscribers of the pipeline: the DNS names are rebuilt at the next
 * query, systemd's status line soon. */
static void names_follow(void *arg, struct lease *l, uint64_t seq)
{
	struct server *s = arg;
	(void)l, (void)seq;
	s->names_stale = true;
}

static void status_follow(void *arg, struct lease *l, uint64_t seq)
{
	struct server *s = arg;
	(void)l, (void)seq;
	notify_soon(&s->nt);
}

/* The one-line state systemd shows in "systemctl status". */
static void status_line(void *arg, char *buf, size_t len)
{
	const struct server *s = arg;
	uint64_t size = 0, active = 0;
	for (size_t p = 0; p < lease_pool_count(s->leases); p++) {
		uint32_t sz, ac;
		lease_pool_usage(s->leases, (int)p, &sz, &ac);
		size += sz;
		active += ac;
	}
	int n = snprintf(buf, len, "%llu leases active, %llu free; ", (unsigned long long)active,
			 (unsigned long long)(size - active));
	if (n < 0 || (size_t)n >= len)
		return;
	if (s->disk_failing)
		snprintf(buf + n, len - (size_t)n, "journal FAILING, %llu ACKs withheld",
			 (unsigned long long)s->acks_withheld);
	else
		snprintf(buf + n, len - (size_t)n, "journal ok");
}

static int zone_configure(struct server *s);

/* The configuration file read again, or NULL (its errors logged). */
static struct config *reload_read(struct server *s)
{
	log_info("reloading %s", s->opts->config_path);
	struct config *c = config_load(s->opts->config_path, stderr);
	if (!c)
		log_err("new configuration refused; the old one stays in force");
	return c;
}

static void reload_apply(struct server *s, struct config *c)
{
	if (strcmp(c->journal, s->cfg->journal) != 0)
		log_warn("Journal changed to %s: takes effect at the next start", c->journal);
	if (engine_set_config(&s->eng, c, s->leases) < 0) {
		log_err("out of memory applying the new configuration; old one kept");
		engine_set_config(&s->eng, s->cfg, s->leases);
		config_free(c);
		return;
	}
	/* Pending replies point at nothing in the old config: safe to swap. */
	config_free(s->cfg);
	s->cfg = c;
	commit_set_delay(s->cm, c->commit_delay_ms);
	store_journal_tune(s->st, c->compact_bytes);
	links_refresh(s);
	if (s->dns)
		zone_configure(s);
	log_info("configuration reloaded: %zu subnets, %zu hosts, %zu leases kept",
		 c->nsubnets, c->nhosts, lease_count(s->leases));
}


static void on_signal(void *arg, int fd, uint32_t events)
{
	struct server *s = arg;
	(void)fd, (void)events;
	struct signalfd_siginfo si;
	while (read(s->sig, &si, sizeof si) == sizeof si) {
		if (si.ssi_signo == SIGHUP) {
			notify_reloading(&s->nt);
			struct config *c = reload_read(s);
			if (c)
				reload_apply(s, c);
			notify_ready(&s->nt);	/* taken or refused, serving again */
		} else {
			notify_stopping(&s->nt);
			s->stop = true;
		}
	}
}

/* Leases past their end move on; the timer follows the earliest end,
 * which any change may bring forward, so it is re-armed every turn. */
static void expired(void *arg, struct lease *l)
{
	change(arg, l);
}

static void on_expire_due(void *arg)
{
	struct server *s = arg;
	lease_expire_each(s->leases, time(NULL), expired, s);
}

static void expire_rearm(void *arg)
{
	struct server *s = arg;
	int64_t next = lease_next_event(s->leases);
	if (next == INT64_MAX) {
		loop_timer_stop(s->lp, &s->t_expire);
		return;
	}
	int64_t wall = time(NULL);
	/* Wall-clock seconds: at least every second while one is near. */
	loop_timer_in(s->lp, &s->t_expire, next <= wall ? 0 : (next - wall) * 1000);
}

/* The API's reload, applied after the request that asked for it. */
static void on_reload_due(void *arg)
{
	struct server *s = arg;
	if (s->reload_cfg) {
		reload_apply(s, s->reload_cfg);
		s->reload_cfg = NULL;
		notify_ready(&s->nt);	/* the API's reload is done */
	}
}

static void on_udp(void *arg, int fd, uint32_t events)
{
	struct server *s = arg;
	(void)fd, (void)events;
	if (s->nack > ACKQ_MAX - TURN_MAX)
		commit_flush(s->cm);	/* room for a whole turn of ACKs */
	read_turn(s);
}

static void name_clash(void *arg, const char *label, uint32_t winner, uint32_t loser,
		       const char *given)
{
	struct server *s = arg;
	char a[16], b[16];
	if (log_allow(&s->lim_note, mono_ms(), 1, 10))
		log_info("DNS name clash: %s keeps \"%s\"; %s is %s%s", ipstr(winner, a), label,
			 ipstr(loser, b), given[0] ? "named " : "left without a name", given);
}

static int zone_by_label(void *arg, const char *label, uint32_t *addr, uint32_t *ttl)
{
	struct server *s = arg;
	return names_by_label(s->names, label, time(NULL), addr, ttl);
}

static int zone_by_addr(void *arg, uint32_t addr, char label[DNS_LABEL_MAX + 1], uint32_t *ttl)
{
	struct server *s = arg;
	return names_by_addr(s->names, addr, time(NULL), label, ttl);
}

/* The zone as of now: names are re-read only when a lease changed. */
static const struct dns_zone *current_zone(void *arg)
{
	struct server *s = arg;
	if (!s->names || s->names_stale) {
		struct names *n = names_build(s->leases, s->cfg, time(NULL), name_clash, s);
		if (n) {
			names_free(s->names);
			s->names = n;
			s->names_stale = false;
		}
	}
	s->zone.serial = (uint32_t)commit_last(s->cm);
	return &s->zone;
}

/* Zone parameters from the configuration: the local domain is
 * [DNS-Settings] Domain, else option 15 of the first subnet, else "lan". */
static int zone_configure(struct server *s)
{
	const struct config *c = s->cfg;
	struct dns_net *nets = calloc(c->nsubnets + 1, sizeof *nets);
	if (!nets)
		return -1;
	for (size_t i = 0; i < c->nsubnets; i++)
		nets[i] = (struct dns_net){ c->subnets[i].net, c->subnets[i].mask };
	free(s->zone_nets);
	s->zone_nets = nets;
	snprintf(s->zone_domain, sizeof s->zone_domain, "%s", c->dns_domain);
	for (size_t i = 0; !s->zone_domain[0] && c->nsubnets && i < c->subnets[0].opts.n; i++) {
		const struct cfg_opt *o = &c->subnets[0].opts.v[i];
		if (o->code == 15 && o->len < sizeof s->zone_domain) {
			memcpy(s->zone_domain, o->data, o->len);
			s->zone_domain[o->len] = 0;
		}
	}
	if (!s->zone_domain[0] || dns_domain_valid(s->zone_domain) < 0)
		snprintf(s->zone_domain, sizeof s->zone_domain, "lan");
	s->zone = (struct dns_zone){ .domain = s->zone_domain, .nets = nets, .nnets = c->nsubnets,
				     .by_label = zone_by_label, .by_addr = zone_by_addr, .arg = s,
				     .recursion = c->ndns_forward > 0 };
	s->names_stale = true;	/* rebuild with the new hosts */
	return 0;
}

static int dns_start(struct server *s)
{
	const struct config *c = s->cfg;
	if (!c->dns_enable)
		return 0;
	if (zone_configure(s) < 0)
		return -1;
	uint32_t binds[16];
	size_t nb = 0;
	for (size_t i = 0; i < c->nsubnets && nb < 16; i++)
		if (c->subnets[i].bind_addr && !c->subnets[i].relayed)
			binds[nb++] = c->subnets[i].bind_addr;
	struct dnssrv_conf dc = { .binds = binds, .nbinds = nb, .port = 53,
				  .allow = s->zone_nets, .nallow = c->nsubnets,
				  .upstream = c->dns_forward, .nupstream = c->ndns_forward };
	char err[256];
	if (!(s->dns = dnssrv_start(&dc, current_zone, s, err, sizeof err))) {
		log_err("%s", err);
		return -1;
	}
	log_info("DNS: answering for *.%s on %zu address(es), %zu upstream(s)", s->zone_domain,
		 nb ? nb : 1, c->ndns_forward);
	return dnssrv_attach(s->dns, s->lp);
}

/* API action: forget a lease (the address becomes free). */
static int api_delete(void *arg, uint32_t addr)
{
	struct server *s = arg;
	struct lease *l = lease_find(s->leases, addr);
	if (!l || (l->flags & LEASE_F_PARTNER) || l->state == LEASE_FREE)
		return -1;
	char a[16];
	lease_set_state(s->leases, l, LEASE_FREE, time(NULL));
	l->offer_until = 0;
	change(s, l);
	log_info("API: lease %s deleted", ipstr(addr, a));
	return 0;
}

/* API action: the file is read now, so that the answer can say whether
 * it was taken; it is applied after the current request, not inside it. */
static int api_reload(void *arg)
{
	struct server *s = arg;
	notify_reloading(&s->nt);
	struct config *c = reload_read(s);
	if (!c) {
		notify_ready(&s->nt);
		return -1;
	}
	config_free(s->reload_cfg);
	s->reload_cfg = c;
	loop_timer_in(s->lp, &s->t_reload, 0);
	return 0;
}

static const struct api_ctx *api_ctx_get(void *arg)
{
	struct server *s = arg;
	memset(&s->sync_st, 0, sizeof s->sync_st);
	if (s->sync) {
		uint64_t counts[LEASE_STATES][2];
		sync_status_get(s->sync, &s->sync_st);
		lease_counts(s->leases, counts);
		s->sync_st.leases = counts[LEASE_ACTIVE][1];
	}
	s->sync_st.enabled = s->sync != NULL;
	if (strcmp(s->sync_st.state, "ok") == 0)
		s->sync_st.last_error[0] = 0;	/* healed: the page shows no stale error */
	s->api = (struct api_ctx){
		.cfg = s->cfg, .leases = s->leases, .st = &s->eng.st, .sync = &s->sync_st,
		.epoch = s->epoch, .seq = commit_last(s->cm), .started = s->started, .now = time(NULL),
		.version = DUODHCP_VERSION, .journal_bytes = store_size(s->st),
		.acks_withheld = s->acks_withheld, .disk_failing = s->disk_failing,
		.delete_lease = api_delete, .reload = api_reload, .action_arg = s,
	};
	return &s->api;
}

static void sync_log(void *arg, int level, const char *msg)
{
	(void)arg;
	log_msg((enum log_level)level, "%s", msg);
}

/* Keeps a lease the partner handed out: journalled as the partner's, used
 * by DNS and the status page, never given out by us. */
static void apply_partner(struct server *s, const struct lease *rec)
{
	char a[16];
	struct lease *l = lease_find(s->leases, rec->addr);
	if (l && !(l->flags & LEASE_F_PARTNER) && l->state == LEASE_ACTIVE) {
		if (log_allow(&s->lim_sync, mono_ms(), 1, 5))
			log_warn("sync: partner claims %s, which we have leased; ours is kept "
				 "(do the two servers' pools overlap?)", ipstr(rec->addr, a));
		return;
	}
	struct lease copy = *rec;
	copy.flags |= LEASE_F_PARTNER;
	copy.offer_until = 0;
	if (!(l = lease_upsert(s->leases, &copy)))
		return;
	l->sync_gen = s->sync_gen;
	change(s, l);
}

/* After a full resync, partner leases it did not mention are gone. */
static void drop_stale_partner(struct server *s)
{
	for (struct lease *l = lease_next(s->leases, NULL); l; l = lease_next(s->leases, l))
		if ((l->flags & LEASE_F_PARTNER) && l->sync_gen != s->sync_gen &&
		    l->state != LEASE_FREE) {
			lease_set_state(s->leases, l, LEASE_FREE, time(NULL));
			change(s, l);
		}
}

static void on_sync(void *arg, int fd, uint32_t events)
{
	struct server *s = arg;
	(void)fd, (void)events;
	struct sync_batch *b;
	while ((b = sync_take(s->sync)) != NULL) {
		if (b->full_start)
			s->sync_gen++;
		for (size_t i = 0; i < b->n; i++)
			apply_partner(s, &b->leases[i]);
		if (b->full_end)
			drop_stale_partner(s);
		sync_batch_free(b);
	}
}

static int sync_start_if(struct server *s)
{
	if (!s->cfg->sync_server[0])
		return 0;
	char err[256];
	struct sync_opts o = { .log = sync_log };
	if (!(s->sync = sync_start(s->cfg->sync_server, &o, err, sizeof err))) {
		log_err("SyncServer: %s", err);
		return -1;
	}
	log_info("SyncServer: pulling leases from %s", s->cfg->sync_server);
	return loop_fd_add(s->lp, sync_fd(s->sync), LOOP_READ, on_sync, s);
}

static int http_start_if(struct server *s)
{
	if (!s->cfg->http_enable)
		return 0;
	char err[256];
	s->http = http_start(s->cfg->http_bind, s->cfg->http_port, api_ctx_get, s, err,
			     sizeof err);
	if (!s->http) {
		log_err("HTTP: %s", err);
		return -1;
	}
	log_info("HTTP: status page and API on %s:%u%s", s->cfg->http_bind[0] ?
		 s->cfg->http_bind : "*", s->cfg->http_port,
		 s->cfg->api_token[0] ? "" : " (read-only: no ApiToken)");
	return http_attach(s->http, s->lp);
}

static void loop(struct server *s)
{
	while (!s->stop)
		if (loop_turn(s->lp, 1000) < 0) {
			log_err("epoll_wait: %s", strerror(errno));
			break;
		}
	commit_flush(s->cm);
}

static void replay_apply(void *arg, const struct lease_rec *rec)
{
	struct server *s = arg;
	struct lease *l = lease_upsert(s->leases, rec);
	if (!l) {
		log_err("out of memory replaying the journal");
		exit(1);
	}
	commit_replayed(s->cm, l);
}

/* The journal's folder, and whether we made it. */
struct state_dir {
	char path[PATH_MAX];	/* "" when the journal is in the working folder or / */
	bool made;
};

/* Makes the journal's folder when missing, as Kea does: only its last
 * component (a missing parent is a mistake, not ours to paper over), mode
 * 0750 whatever the umask (leases name clients). */
static int state_dir_make(const char *journal, struct state_dir *sd)
{
	*sd = (struct state_dir){ .made = false };
	snprintf(sd->path, sizeof sd->path, "%s", journal);
	char *slash = strrchr(sd->path, '/');
	if (!slash || slash == sd->path) {
		sd->path[0] = 0;
		return 0;
	}
	*slash = 0;
	struct stat st;
	if (stat(sd->path, &st) == 0)
		return 0;
	if (errno != ENOENT || mkdir(sd->path, 0750) < 0 || chmod(sd->path, 0750) < 0) {
		log_err("cannot create journal folder %s: %s", sd->path, strerror(errno));
		return -1;
	}
	sd->made = true;
	return 0;
}

/* A folder made by root goes to User=, who compacts there after the drop.
 * It is given once the journal is open in it, so that root needs no
 * CAP_DAC_OVERRIDE to reach it.  Made by User= itself (the packaged unit
 * starts the daemon as that user), it is already theirs. */
static int state_dir_give(const struct state_dir *sd, const char *user)
{
	if (!sd->made)
		return 0;
	struct passwd *pw = user[0] && getuid() == 0 ? getpwnam(user) : NULL;
	if (user[0] && getuid() == 0 && !pw) {
		log_err("User=%s: no such user", user);
		return -1;
	}
	if (pw && chown(sd->path, pw->pw_uid, pw->pw_gid) < 0) {
		log_err("cannot give journal folder %s to %s: %s", sd->path, user,
			strerror(errno));
		return -1;
	}
	log_info("journal folder %s created, mode 0750%s%s", sd->path, pw ? ", owner " : "",
		 pw ? user : "");
	return 0;
}

static int open_store(struct server *s)
{
	char err[512] = "";
	struct store_replay_stats rs = { 0 };
	struct state_dir sd;
	if (state_dir_make(s->cfg->journal, &sd) < 0)
		return -1;
	struct store_journal_opts o = { .path = s->cfg->journal, .lp = s->lp,
		.leases = s->leases, .compact_bytes = s->cfg->compact_bytes,
		.durable = commit_store_done, .arg = s->cm };
	if (store_journal_open(&s->st, &o, err, sizeof err) < 0) {
		log_err("%s", err);
		return -1;
	}
	commit_set_store(s->cm, s->st, on_durable, s);
	if (state_dir_give(&sd, s->cfg->user) < 0)
		return -1;
	int64_t t0 = mono_ms();
	if (store_replay(s->st, replay_apply, s, &rs, err, sizeof err) < 0) {
		log_err("%s", err);
		return -1;
	}
	if (err[0])
		log_warn("%s", err);	/* a torn last record, dropped */
	lease_expire_each(s->leases, time(NULL), expired, s);
	log_info("journal %s: %llu records, %zu leases, replayed in %lld ms", s->cfg->journal,
		 (unsigned long long)rs.records, lease_count(s->leases),
		 (long long)(mono_ms() - t0));
	return 0;
}

static int open_sockets(struct server *s)
{
	if ((s->udp = udp_open()) < 0) {
		log_err("cannot open UDP port %d: %s", DHCP_SERVER_PORT, strerror(errno));
		return -1;
	}
	if (s->cfg->probe) {
		s->icmp = socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_ICMP);
		if (s->icmp < 0)
			log_warn("ConflictProbe: no ICMP socket (%s); offering without probes",
				 strerror(errno));
	}
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	s->sig = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (s->sig < 0)
		return -1;
	if (loop_fd_add(s->lp, s->udp, LOOP_READ, on_udp, s) < 0 ||
	    loop_fd_add(s->lp, s->sig, LOOP_READ, on_signal, s) < 0)
		return -1;
	if (s->icmp >= 0 && loop_fd_add(s->lp, s->icmp, LOOP_READ, on_icmp, s) < 0)
		return -1;
	return 0;
}

/* Runs as an unprivileged user, keeping only CAP_NET_ADMIN (ARP entries
 * for unicast replies) and CAP_NET_RAW (ICMP probes). */
static int drop_privileges(const char *user)
{
	struct passwd *pw = getpwnam(user);
	if (!pw) {
		log_err("User=%s: no such user", user);
		return -1;
	}
	/* Started as that user already (the packaged unit's User=, with the
	 * network capabilities ambient): only the capabilities narrow. */
	bool already = getuid() == pw->pw_uid && geteuid() == pw->pw_uid &&
		       getgid() == pw->pw_gid;
	if (!already && (prctl(PR_SET_KEEPCAPS, 1) < 0 || setgroups(1, &pw->pw_gid) < 0 ||
			 setgid(pw->pw_gid) < 0 || setuid(pw->pw_uid) < 0)) {
		log_err("cannot become %s: %s", user, strerror(errno));
		return -1;
	}
	cap_t caps = cap_from_text("cap_net_admin,cap_net_raw=ep");
	int rc = caps ? cap_set_proc(caps) : -1;
	cap_free(caps);
	prctl(PR_SET_KEEPCAPS, 0);
	if (rc < 0) {
		log_err("cannot keep capabilities: %s", strerror(errno));
		return -1;
	}
	log_info("running as %s with cap_net_admin,cap_net_raw", user);
	return 0;
}

static int write_pid(const char *path)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return -1;
	fprintf(f, "%ld\n", (long)getpid());
	return fclose(f);
}

static void server_close(struct server *s)
{
	int fds[] = { s->udp, s->icmp, s->sig };
	for (size_t i = 0; i < 3; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	sync_stop(s->sync);
	http_stop(s->http);
	dnssrv_stop(s->dns);
	loop_free(s->lp);
	names_free(s->names);
	free(s->zone_nets);
	store_close(s->st);
	commit_free(s->cm);
	engine_free(&s->eng);
	lease_table_free(s->leases);
	config_free(s->reload_cfg);
	config_free(s->cfg);
	free(s->links);
	free(s->ackq);
	free(s->outq);
	free(s->probes);
}

static int start(struct server *s)
{
	if (!(s->cfg = config_load(s->opts->config_path, stderr)))
		return -1;
	s->leases = lease_table_new();
	s->ackq = calloc(ACKQ_MAX, sizeof *s->ackq);
	s->outq = calloc(BATCH, sizeof *s->outq);
	s->probes = calloc(PROBE_MAX, sizeof *s->probes);
	s->lp = loop_new();
	s->cm = s->leases ? commit_new(s->leases) : NULL;
	if (!s->leases || !s->ackq || !s->outq || !s->probes || !s->lp || !s->cm ||
	    engine_set_config(&s->eng, s->cfg, s->leases) < 0)
		return -1;
	if (getrandom(&s->epoch, sizeof s->epoch, 0) != sizeof s->epoch)
		s->epoch = (uint64_t)time(NULL) ^ (uint64_t)getpid() << 32;
	s->epoch &= (1ull << 53) - 1;	/* exact in a JSON number */
	s->started = time(NULL);
	loop_timer_init(&s->t_expire, on_expire_due, s);
	loop_timer_init(&s->t_probe, on_probe_due, s);
	loop_timer_init(&s->t_reload, on_reload_due, s);
	/* In this order after every turn: commit first (ACKs out), then the
	 * expiry timer for what changed, then the store's compaction step. */
	commit_set_delay(s->cm, s->cfg->commit_delay_ms);
	if (commit_attach(s->cm, s->lp) < 0 || loop_hook_add(s->lp, expire_rearm, s) < 0 ||
	    commit_subscribe(s->cm, names_follow, s) < 0 ||
	    commit_subscribe(s->cm, status_follow, s) < 0)
		return -1;
	if (open_store(s) < 0 || open_sockets(s) < 0 || dns_start(s) < 0 || http_start_if(s) < 0)
		return -1;
	links_refresh(s);
	if (!s->opts->foreground && daemon(0, 0) < 0)
		return -1;
	if (s->opts->pid_file && write_pid(s->opts->pid_file) < 0)
		log_warn("cannot write %s: %s", s->opts->pid_file, strerror(errno));
	if (s->cfg->user[0] && drop_privileges(s->cfg->user) < 0)
		return -1;
	/* The sync thread starts last: threads do not survive daemon()'s
	 * fork, and capabilities are per thread, so it must start after the
	 * drop to hold none. */
	return sync_start_if(s);
}

int server_run(const struct server_opts *o)
{
	struct server s = { .opts = o, .udp = -1, .icmp = -1, .sig = -1 };
	log_init("duodhcpd", o->foreground);
	int rc = 1;
	if (start(&s) == 0) {
		log_info("serving %zu subnets on %zu interfaces; ready", s.cfg->nsubnets, s.nlinks);
		/* After daemon() (the watchdog may name our PID), the drop to
		 * User= and every socket: from here on requests are served. */
		notify_init(&s.nt, s.lp, status_line, &s);
		notify_ready(&s.nt);
		loop(&s);
		notify_stopping(&s.nt);	/* if the loop ended by itself */
		log_info("stopping: journal synced, %zu leases", lease_count(s.leases));
		rc = 0;
	}
	server_close(&s);
	return rc;
}
