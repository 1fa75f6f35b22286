/* The daemon: ties the modules together on one event loop.
 *
 * One loop turn reads every waiting request (dhcp_io), decides each (the
 * engine), hands every lease change to the pipeline (commit), and at the
 * end of the turn the pipeline makes them durable; the ACKs wait for that
 * (RFC 2131 section 4.3.1).  OFFERs (after a probe, when one is asked
 * for), NAKs and INFORM answers need no write and go out at once.  Around
 * that: signals and reloads, expiry, the DNS and HTTP servers, the
 * SyncServer pull, failover (daemon/failover.c), and systemd. */
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
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
#include "core/partner.h"
#include "core/record.h"
#include "daemon/commit.h"
#include "daemon/dhcp_io.h"
#include "daemon/failover.h"
#include "daemon/notify.h"
#include "daemon/privs.h"
#include "daemon/probe.h"
#include "daemon/server.h"
#include "dns/dnssrv.h"
#include "dns/names.h"
#include "http/api.h"
#include "http/http.h"
#include "store/store.h"
#include "sync/sync.h"

#define TURN_MAX 512		/* datagrams per loop turn before a flush */
#define ACKQ_MAX (2 * TURN_MAX)	/* a turn's ACKs, and those held from before */
#define FO_STOP_MS 1000		/* at most this long to tell the partner we stop */
#define SYNC_TURN_LEASES 1024	/* a partner's leases looked at per loop turn */
#define SYNC_WAIT_MS 100	/* the pause when SyncRate is spent */
#define LOCAL_ADDRS_MAX 256	/* the host's own addresses kept from the partner */

struct server {
	const struct server_opts *opts;
	struct config *cfg;
	struct lease_table *leases;
	struct engine eng;
	struct store *st;	/* durable leases */
	struct commit *cm;	/* the change pipeline into it */
	struct dhcp_io io;	/* port 67 */
	int sig;
	struct loop *lp;
	/* The server's own timers; DNS and HTTP keep theirs. */
	struct loop_timer t_expire;	/* the next lease end (wall clock) */
	struct loop_timer t_reload;	/* the API's reload, after its request */
	struct outpkt *ackq;	/* ACKs waiting for the group commit */
	size_t nack;
	struct outpkt *outq;	/* other replies of one read batch */
	size_t nout;
	struct probes probes;	/* ping before first use */
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
	struct api_failover fo_st;
	uint64_t epoch;		/* random per start: partners see restarts */
	int64_t started;
	struct config *reload_cfg;	/* parsed by the API, applied after it */
	/* SyncServer: the pull of the partner's leases. */
	struct sync *sync;
	uint32_t sync_gen;
	struct partner_scope pscope;	/* what the partner may hold */
	struct log_limit sync_rate;	/* SyncRate: its changes a second */
	struct loop_timer t_sync;	/* resumes the pull's batches */
	uint64_t sync_refused[PARTNER_REASONS];
	struct log_limit lim_sync;
	struct log_limit lim_bad, lim_note, lim_disk;
	struct log_limit lim_event;	/* NAK, DECLINE, pool exhausted lines */
	struct notify nt;	/* systemd: readiness, status, watchdog */
	/* [FAILOVER]: the driver, and the state the journal held for it. */
	struct fo_driver *fo;
	struct store_fo_rec fo_saved;
	bool fo_have_saved;
	bool fresh;
	struct dhcp_msg msg;
	struct engine_result res;
};

static const char *ipstr(uint32_t a, char buf[TEXT_IP4_LEN])
{
	return text_ip4(a, buf);
}

/* Every lease change goes through the pipeline: numbered, filed for the
 * feed, told to the subscribers, stored with the next commit. */
static uint64_t change(struct server *s, struct lease *l)
{
	return commit_change(s->cm, l);
}

/* A probe's echo came back: someone we do not know uses the address. */
static void probe_conflict(void *arg, uint32_t addr)
{
	struct server *s = arg;
	char a[TEXT_IP4_LEN];
	struct lease *l = engine_probe_conflict(&s->eng, addr, time(NULL));
	log_warn("conflict: %s answers ping before first use; abandoned for %u s",
		 ipstr(addr, a), s->cfg->decline_secs);
	if (l)
		change(s, l);
}

/* A line per packet with Trace=1 (at most 200 a second), and one per
 * notable event (NAK, DECLINE, pool exhausted).  Clients trigger the
 * latter at will, so they get a limit of their own: a burst of 50, then
 * 10 a second; the next line that passes counts the ones left out. */
static void trace(struct server *s, const struct dhcp_msg *m, const struct engine_result *r,
		  const struct dhcp_link *lk)
{
	if (!s->cfg->trace && !r->notable)
		return;
	struct log_limit *lim = r->notable ? &s->lim_event : &s->lim_note;
	if (!log_allow(lim, mono_ms(), r->notable ? 10 : 200, r->notable ? 50 : 400))
		return;
	char hw[49], more[64] = "";
	if (lim->suppressed) {
		snprintf(more, sizeof more, " (%" PRIu64 " earlier lines suppressed)",
			 lim->suppressed);
		lim->suppressed = 0;
	}
	engine_hw_str(hw, m->htype, m->chaddr, m->hlen);
	log_info("%s xid=%08x hw=%s if=%s giaddr=%08x: %s%s", dhcp_type_name(m->type), m->xid,
		 hw, lk ? lk->name : "-", m->giaddr, r->note[0] ? r->note : "no reply", more);
}

static void on_datagram(void *arg, const uint8_t *buf, size_t len, int ifindex, uint32_t dst,
			uint32_t src)
{
	struct server *s = arg;
	const char *why;
	if (dhcp_decode(&s->msg, buf, len, &why) < 0) {
		s->eng.st.drop_malformed++;
		if (log_allow(&s->lim_bad, mono_ms(), 1, 10))
			log_warn("dropped malformed packet (%zu bytes): %s", len, why);
		return;
	}
	const struct dhcp_link *lk = dhcp_io_link_for(&s->io, ifindex);
	uint32_t local = (dst == INADDR_BROADCAST || !dst) && lk ? lk->addr : dst;
	struct engine_in in = { .now = time(NULL), .mono_ms = mono_ms(),
				.link = lk ? lk->sn : NULL, .local_addr = local,
				.src_addr = src };
	struct engine_result *r = &s->res;
	engine_handle(&s->eng, &s->msg, &in, r);
	trace(s, &s->msg, r, lk);
	uint64_t seq = 0;
	for (size_t i = 0; i < r->ndirty; i++)
		seq = change(s, r->dirty[i]);
	/* Both queues hold a whole read batch: TURN_MAX bounds the ACKs of a
	 * turn, DHCP_IO_BATCH the datagrams of one recvmmsg. */
	if (r->wait_sync && s->nack == ACKQ_MAX)
		return;
	struct outpkt *p = r->wait_sync ? &s->ackq[s->nack] : &s->outq[s->nout];
	unsigned dropped = 0;
	bool any = dhcp_io_build(r, ifindex, local, p, &dropped);
	s->eng.st.options_dropped += dropped;
	if (!any)
		return;
	if (r->wait_sync) {
		p->seq = seq;
		s->nack++;
	}
	else if (r->probe_addr && probes_room(&s->probes))
		probes_start(&s->probes, p, r->probe_addr);
	else
		s->nout++;
}

/* OFFERs, NAKs and INFORM answers of a batch leave at its end, in one
 * call, never behind the fdatasync of the ACKs. */
static void batch_done(void *arg)
{
	struct server *s = arg;
	dhcp_io_send(&s->io, s->outq, s->nout);
	s->nout = 0;
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
	if (s->fo)
		fo_driver_durable(s->fo, through);	/* the partner's BNDACKs */
	size_t n = 0;
	while (n < s->nack && s->ackq[n].seq <= through)
		n++;
	dhcp_io_send(&s->io, s->ackq, n);
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
		n += snprintf(buf + n, len - (size_t)n, "journal FAILING, %llu ACKs withheld",
			      (unsigned long long)s->acks_withheld);
	else
		n += snprintf(buf + n, len - (size_t)n, "journal ok");
	if (s->fo && n > 0 && (size_t)n < len) {
		struct api_failover fo;
		char line[NOTIFY_STATUS_MAX];
		fo_driver_status(s->fo, &fo);
		api_failover_line(&fo, line, sizeof line);
		snprintf(buf + n, len - (size_t)n, "; %s", line);
	}
}

static int zone_configure(struct server *s);
static int scope_configure(struct server *s);
static void partner_cleanup(struct server *s, const char *when);

/* A reload may not add, drop or change [FAILOVER] or its pools: the
 * relationship (its listener, queues and state) lives from start to stop,
 * and a pool moving in or out of it would change who owns addresses
 * under the partner's feet.  Such a change needs a restart. */
static bool failover_reload_refused(const struct server *s, const struct config *c)
{
	if (c->fo.enabled == s->cfg->fo.enabled &&
	    (!c->fo.enabled || fo_driver_conf_same(c, s->cfg)))
		return false;
	log_err("%s: [FAILOVER] or its pools changed; that takes a restart", c->path);
	return true;
}

/* The DNS server's listening addresses (the IPBIND_n of its links). */
static size_t dns_binds(const struct config *c, uint32_t binds[16])
{
	size_t nb = 0;
	for (size_t i = 0; i < c->nsubnets && nb < 16; i++)
		if (c->subnets[i].bind_addr && !c->subnets[i].relayed)
			binds[nb++] = c->subnets[i].bind_addr;
	return nb;
}

static void name_key(char *keys, size_t len, bool changed, const char *key)
{
	size_t n = strlen(keys);
	if (changed && n < len)
		snprintf(keys + n, len - n, "%s%s", n ? ", " : "", key);
}

/* Keys whose change takes a restart, because they start a server or
 * bind its sockets: each is named and the reload refused, rather than
 * taken in part.  (The networks the DNS answers and its upstreams are
 * applied by the reload.) */
static bool restart_reload_refused(const struct server *s, const struct config *c)
{
	const struct config *o = s->cfg;
	char keys[256] = "";
	uint32_t ob[16], nb[16];
	size_t no = dns_binds(o, ob), nn = dns_binds(c, nb);
	name_key(keys, sizeof keys, o->dns_enable != c->dns_enable, "[DNS-Settings] EnableDNS");
	name_key(keys, sizeof keys, o->dns_enable && c->dns_enable &&
		 (no != nn || memcmp(ob, nb, no * sizeof *ob) != 0),
		 "IPBIND_n (the DNS server's addresses)");
	name_key(keys, sizeof keys, o->http_enable != c->http_enable, "[HTTP-Settings] EnableHTTP");
	name_key(keys, sizeof keys, o->http_enable && c->http_enable &&
		 (o->http_port != c->http_port || strcmp(o->http_bind, c->http_bind) != 0),
		 "[HTTP-Settings] Port or BindAddress");
	name_key(keys, sizeof keys, strcmp(o->sync_server, c->sync_server) != 0,
		 "[Settings] SyncServer");
	if (!keys[0])
		return false;
	log_err("%s: %s changed; that takes a restart", c->path, keys);
	return true;
}

/* The configuration file read again, or NULL (its errors logged). */
static struct config *reload_read(struct server *s)
{
	log_info("reloading %s", s->opts->config_path);
	struct config *c = config_load(s->opts->config_path, stderr);
	if (c && (failover_reload_refused(s, c) || restart_reload_refused(s, c))) {
		config_free(c);
		c = NULL;
	}
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
	if (scope_configure(s) < 0)
		log_err("out of memory: partner leases are checked against the old configuration");
	partner_cleanup(s, "after the reload");
	if (s->fo)
		fo_driver_set_config(s->fo, c);
	commit_set_delay(s->cm, c->commit_delay_ms);
	probes_set_wait(&s->probes, c->probe_ms);
	store_journal_tune(s->st, c->compact_bytes);
	dhcp_io_links_refresh(&s->io, s->cfg);
	if (s->dns && (zone_configure(s) < 0 ||
		       dnssrv_reconfigure(s->dns, s->zone_nets, c->nsubnets, c->dns_forward,
					  c->ndns_forward) < 0))
		log_err("DNS: cannot apply the new networks and upstreams; the old ones stay");
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
	dhcp_io_read(&s->io, TURN_MAX, on_datagram, batch_done, s);
	s->eng.st.drop_malformed += s->io.truncated;
	s->io.truncated = 0;
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
	size_t nb = dns_binds(c, binds);
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

static void partner_forget(struct server *s, struct lease *l);

/* API action: forget a lease (the address becomes free and ours).  A
 * partner's lease comes back only if the partner sends it again. */
static int api_delete(void *arg, uint32_t addr)
{
	struct server *s = arg;
	struct lease *l = lease_find(s->leases, addr);
	if (!l || l->state == LEASE_FREE)
		return -1;
	char a[16];
	bool partner = l->flags & LEASE_F_PARTNER;
	partner_forget(s, l);
	log_info("API: %slease %s deleted", partner ? "partner's " : "", ipstr(addr, a));
	return 0;
}

/* API action: imported leases (decided by core/adopt.h) become ours
 * through the pipeline like any change (feed, failover, DNS names), and
 * the answer waits for their commit: the journal's is synchronous, so
 * they are durable, or the store failed, when this returns. */
static int api_import(void *arg, const struct lease_rec *recs, size_t n)
{
	struct server *s = arg;
	uint64_t last = 0;
	for (size_t i = 0; i < n; i++) {
		struct lease *l = lease_upsert(s->leases, &recs[i]);
		if (!l) {
			log_err("out of memory importing leases; stopping so that none is lost");
			exit(1);
		}
		last = change(s, l);
	}
	commit_flush(s->cm);
	bool durable = commit_durable(s->cm) >= last;
	log_info("API: %zu imported lease(s) %s", n, durable ? "stored" : "held, not yet durable");
	return durable ? 0 : -1;
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

/* The failover state moved: the status line says so soon. */
static void fo_state_changed(void *arg)
{
	struct server *s = arg;
	notify_soon(&s->nt);
}

/* API action: the operator declares the partner down; the status line
 * shows the new state soon. */
static int api_partner_down(void *arg, struct api_fo_result *r)
{
	struct server *s = arg;
	int rc = fo_driver_partner_down(s->fo, r);
	notify_soon(&s->nt);
	return rc;
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
	memcpy(s->sync_st.refused, s->sync_refused, sizeof s->sync_st.refused);
	s->sync_st.max_leases = s->cfg->sync_max_leases;
	s->sync_st.rate = s->cfg->sync_rate;
	s->sync_st.enabled = s->sync != NULL;
	if (s->fo)
		fo_driver_status(s->fo, &s->fo_st);
	if (strcmp(s->sync_st.state, "ok") == 0)
		s->sync_st.last_error[0] = 0;	/* healed: the page shows no stale error */
	s->api = (struct api_ctx){
		.cfg = s->cfg, .leases = s->leases, .st = &s->eng.st, .sync = &s->sync_st,
		.epoch = s->epoch, .seq = commit_last(s->cm), .started = s->started, .now = time(NULL),
		.version = DUODHCP_VERSION, .journal_bytes = store_size(s->st),
		.acks_withheld = s->acks_withheld, .disk_failing = s->disk_failing,
		.failover = s->fo ? &s->fo_st : NULL,
		.delete_lease = api_delete, .reload = api_reload, .import_leases = api_import,
		.partner_down = s->fo ? api_partner_down : NULL, .action_arg = s,
	};
	return &s->api;
}

static void sync_log(void *arg, int level, const char *msg)
{
	(void)arg;
	log_msg((enum log_level)level, "%s", msg);
}

/* The host's own IPv4 addresses (every interface of its namespace), so
 * that no partner lease can name one of them.  Returns how many. */
static size_t local_addrs(uint32_t *out, size_t max)
{
	struct ifaddrs *ifs, *i;
	size_t n = 0;
	if (getifaddrs(&ifs) < 0)
		return 0;
	for (i = ifs; i && n < max; i = i->ifa_next)
		if (i->ifa_addr && i->ifa_addr->sa_family == AF_INET)
			out[n++] = ntohl(((const struct sockaddr_in *)(const void *)
					  i->ifa_addr)->sin_addr.s_addr);
	freeifaddrs(ifs);
	return n;
}

/* What a partner may hold, for the configuration in force. */
static int scope_configure(struct server *s)
{
	uint32_t local[LOCAL_ADDRS_MAX];
	struct partner_scope ps;
	if (partner_scope_build(&ps, s->cfg, local, local_addrs(local, LOCAL_ADDRS_MAX)) < 0)
		return -1;
	partner_scope_free(&s->pscope);
	s->pscope = ps;
	return 0;
}

/* A partner's lease we no longer keep: the address is free and no longer
 * the partner's, so that it is ours to hand out again when it is in a
 * pool of ours (a range that moved, a partner that forgot it). */
static void partner_forget(struct server *s, struct lease *l)
{
	lease_set_state(s->leases, l, LEASE_FREE, time(NULL));
	l->flags &= (uint8_t)~LEASE_F_PARTNER;
	l->offer_until = 0;
	change(s, l);
}

static void partner_refused(struct server *s, const struct lease *rec, enum partner_why why)
{
	char a[TEXT_IP4_LEN], more[64] = "";
	s->sync_refused[why]++;
	if (!log_allow(&s->lim_sync, mono_ms(), 1, 5))
		return;
	if (s->lim_sync.suppressed) {
		snprintf(more, sizeof more, " (%" PRIu64 " earlier lines suppressed)",
			 s->lim_sync.suppressed);
		s->lim_sync.suppressed = 0;
	}
	log_warn("sync: partner's lease of %s refused: %s%s", ipstr(rec->addr, a),
		 partner_why_name(why), more);
}

/* SyncMaxLeases: a lease that would add an active one past the limit. */
static bool partner_full(const struct server *s, const struct lease *l, const struct lease *rec)
{
	if (rec->state != LEASE_ACTIVE ||
	    (l && (l->flags & LEASE_F_PARTNER) && l->state == LEASE_ACTIVE))
		return false;
	uint64_t counts[LEASE_STATES][2];
	lease_counts(s->leases, counts);
	return counts[LEASE_ACTIVE][1] >= s->cfg->sync_max_leases;
}

/* Since when the partner's lease has held its name, as we saw it: the
 * time we first received that name for that address, never the
 * partner's word (dns/names.c gives a clash to the earliest). */
static int64_t partner_named_since(const struct lease *l, const struct lease *rec,
				   int64_t now)
{
	if (!rec->hostname || !rec->hostname[0])
		return 0;
	if (l && (l->flags & LEASE_F_PARTNER) && l->state == LEASE_ACTIVE &&
	    l->named_since && l->hostname && strcmp(l->hostname, rec->hostname) == 0)
		return l->named_since;
	return now;
}

/* Keeps a lease the partner handed out, if it is one the partner can own
 * (core/partner.h) and within SyncMaxLeases: journalled as the partner's,
 * used by DNS and the status page, never given out by us.  A re-send of
 * what we hold already is not journalled again.  Returns false when
 * SyncRate is spent: the lease waits for its turn. */
static bool apply_partner(struct server *s, const struct lease *rec)
{
	struct lease *l = lease_find(s->leases, rec->addr);
	if (rec->state == LEASE_FREE && (!l || !(l->flags & LEASE_F_PARTNER)))
		return true;	/* nothing of the partner's to forget */
	enum partner_why why = partner_check(&s->pscope, rec->addr, l);
	if (why == PARTNER_OK && partner_full(s, l, rec))
		why = PARTNER_LIMIT;
	if (why != PARTNER_OK) {
		partner_refused(s, rec, why);
		return true;
	}
	struct lease copy = *rec;
	copy.flags = LEASE_F_PARTNER | (rec->flags & LEASE_F_BOOTP);
	copy.offer_until = 0;
	copy.named_since = partner_named_since(l, rec, time(NULL));
	if (l && (l->flags & LEASE_F_PARTNER) && record_same(&l->rec, &copy.rec)) {
		l->sync_gen = s->sync_gen;
		return true;
	}
	double rate = s->cfg->sync_rate;
	if (!log_allow(&s->sync_rate, mono_ms(), rate, rate))
		return false;
	if (!(l = lease_upsert(s->leases, &copy)))
		return true;
	l->sync_gen = s->sync_gen;
	change(s, l);
	return true;
}

/* After a full resync, partner leases it did not mention are gone. */
static void drop_stale_partner(struct server *s)
{
	for (struct lease *l = lease_next(s->leases, NULL); l; l = lease_next(s->leases, l))
		if ((l->flags & LEASE_F_PARTNER) && l->sync_gen != s->sync_gen)
			partner_forget(s, l);
}

/* A batch of the partner's change feed, in order, from lease `from` on:
 * SYNC_TURN_LEASES a loop turn, so that DHCP is served in between, and
 * the changes within SyncRate.  What is left waits for t_sync; the pull
 * pauses behind it (sync.h).  A full resync's start may be seen twice
 * when its first lease had to wait: no lease carries the new mark yet,
 * so counting it again changes nothing. */
static size_t on_sync_batch(void *arg, const struct sync_batch *b, size_t from)
{
	struct server *s = arg;
	if (from == 0 && b->full_start)
		s->sync_gen++;
	size_t end = b->n - from > SYNC_TURN_LEASES ? from + SYNC_TURN_LEASES : b->n, i;
	for (i = from; i < end; i++)
		if (!apply_partner(s, &b->leases[i]))
			break;
	if (i < b->n) {
		loop_timer_in(s->lp, &s->t_sync, i < end ? SYNC_WAIT_MS : 0);
		return i;
	}
	if (b->full_end)
		drop_stale_partner(s);
	return i;
}

static void on_sync_due(void *arg)
{
	struct server *s = arg;
	sync_resume(s->sync);
}

/* Partner leases we cannot keep: all of them without SyncServer, else
 * those a partner could not give us now (in a pool of ours after a range
 * moved, a reservation, ...).  They are freed and journalled, so that no
 * old partner lease blocks an address of ours. */
static void partner_cleanup(struct server *s, const char *when)
{
	bool any = s->cfg->sync_server[0] != 0;
	size_t n = 0, in_pool = 0;
	for (struct lease *l = lease_next(s->leases, NULL); l; l = lease_next(s->leases, l)) {
		if (!(l->flags & LEASE_F_PARTNER))
			continue;
		enum partner_why why = partner_check(&s->pscope, l->addr, NULL);
		if (any && why == PARTNER_OK)
			continue;
		in_pool += why == PARTNER_OUR_POOL;
		partner_forget(s, l);
		n++;
	}
	if (n)
		log_warn("sync: %s, %zu partner lease(s) freed (%zu in our pools): %s", when, n,
			 in_pool, any ? "addresses the partner cannot hold" :
			 "SyncServer is not configured");
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
	loop_timer_init(&s->t_sync, on_sync_due, s);
	return sync_attach(s->sync, s->lp, on_sync_batch, s);
}

/* Who may use the HTTP connections kept from strangers, besides loopback:
 * this host's own addresses (duodhcpctl asks BindAddress), the SyncServer
 * partner (its change feed pull; a host name gets none) and the failover
 * peer.  None of them changes on a reload. */
static size_t http_trusted(const struct config *c, uint32_t out[HTTP_TRUSTED_MAX])
{
	size_t n = 0;
	uint32_t a;
	if (c->http_bind[0] && text_ip4_parse(c->http_bind, strlen(c->http_bind), &a))
		out[n++] = a;
	const char *colon = strrchr(c->sync_server, ':');
	size_t len = colon ? (size_t)(colon - c->sync_server) : strlen(c->sync_server);
	if (len && text_ip4_parse(c->sync_server, len, &a))
		out[n++] = a;
	if (c->fo.enabled)
		out[n++] = c->fo.peer_addr;
	for (size_t i = 0; i < c->nsubnets && n < HTTP_TRUSTED_MAX; i++)
		if (c->subnets[i].bind_addr && !c->subnets[i].relayed)
			out[n++] = c->subnets[i].bind_addr;
	return n;
}

static int http_start_if(struct server *s)
{
	if (!s->cfg->http_enable)
		return 0;
	char err[256];
	uint32_t trusted[HTTP_TRUSTED_MAX];
	size_t ntrusted = http_trusted(s->cfg, trusted);
	s->http = http_start(s->cfg->http_bind, s->cfg->http_port, trusted, ntrusted,
			     api_ctx_get, s, err, sizeof err);
	if (!s->http) {
		log_err("HTTP: %s", err);
		return -1;
	}
	log_info("HTTP: status page and API on %s:%u%s", s->cfg->http_bind[0] ?
		 s->cfg->http_bind : "*", s->cfg->http_port,
		 s->cfg->api_token[0] ? "" : " (read-only: no ApiToken)");
	return http_attach(s->http, s->lp);
}

/* A graceful stop tells the failover partner (state shutdown, section
 * 9.7) and gives the message a bounded time to leave. */
static void failover_stop(struct server *s)
{
	if (!s->fo)
		return;
	fo_driver_shutdown(s->fo);
	int64_t until = mono_ms() + FO_STOP_MS;
	while (!fo_driver_quiet(s->fo) && mono_ms() < until)
		if (loop_turn(s->lp, 50) < 0)
			break;
}

static void loop(struct server *s)
{
	while (!s->stop)
		if (loop_turn(s->lp, 1000) < 0) {
			log_err("epoll_wait: %s", strerror(errno));
			break;
		}
	failover_stop(s);
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

static void replay_fo(void *arg, const struct store_fo_rec *fo)
{
	struct server *s = arg;
	s->fo_saved = *fo;
	s->fo_have_saved = true;
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
	if (s->fo)
		fo_driver_set_store(s->fo, s->st);
	if (state_dir_give(&sd, s->cfg->user) < 0)
		return -1;
	int64_t t0 = mono_ms();
	/* The failover record (the last one wins) goes to the driver. */
	struct store_replay_cb cb = { .lease = replay_apply, .fo = replay_fo, .arg = s };
	if (store_replay(s->st, &cb, &rs, err, sizeof err) < 0) {
		log_err("%s", err);
		return -1;
	}
	if (err[0])
		log_warn("%s", err);	/* a torn last record, dropped */
	s->fresh = rs.fresh;
	lease_expire_each(s->leases, time(NULL), expired, s);
	log_info("journal %s: %llu records, %llu failover, %zu leases, replayed in %lld ms%s",
		 s->cfg->journal, (unsigned long long)rs.records,
		 (unsigned long long)rs.fo_records, lease_count(s->leases),
		 (long long)(mono_ms() - t0), rs.fresh ? " (fresh: no record)" : "");
	return 0;
}

static int open_sockets(struct server *s)
{
	if (dhcp_io_open(&s->io, s->cfg) < 0) {
		log_err("cannot open UDP port %d: %s", DHCP_SERVER_PORT, strerror(errno));
		return -1;
	}
	if (s->cfg->probe) {
		if (probes_open(&s->probes, s->lp, &s->io, s->cfg->probe_ms, probe_conflict, s) < 0)
			return -1;
		if (s->probes.fd < 0)
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
	if (loop_fd_add(s->lp, s->io.fd, LOOP_READ, on_udp, s) < 0 ||
	    loop_fd_add(s->lp, s->sig, LOOP_READ, on_signal, s) < 0)
		return -1;
	return 0;
}

static void server_close(struct server *s)
{
	if (s->sig >= 0)
		close(s->sig);
	probes_close(&s->probes);
	dhcp_io_close(&s->io);
	if (s->sync)
		loop_timer_stop(s->lp, &s->t_sync);
	sync_stop(s->sync);
	fo_driver_free(s->fo);	/* DISCONNECT, best effort; before the loop goes */
	http_stop(s->http);
	dnssrv_stop(s->dns);
	/* The store and the pipeline take their hooks and timers off the
	 * loop: before it goes. */
	store_close(s->st);
	commit_free(s->cm);
	loop_free(s->lp);
	names_free(s->names);
	partner_scope_free(&s->pscope);
	free(s->zone_nets);
	engine_free(&s->eng);
	lease_table_free(s->leases);
	config_free(s->reload_cfg);
	config_free(s->cfg);
	free(s->ackq);
	free(s->outq);
}

/* Before the store is opened, so that the driver follows the pipeline
 * from the first change; it starts once the journal is read. */
static int failover_new(struct server *s)
{
	if (!s->cfg->fo.enabled)
		return 0;
	char err[256];
	struct fo_driver_deps d = { .lp = s->lp, .cfg = s->cfg, .leases = s->leases,
				    .cm = s->cm, .st = NULL, .eng = &s->eng,
				    .state_changed = fo_state_changed, .arg = s };
	if (!(s->fo = fo_driver_new(&d, err, sizeof err))) {
		log_err("%s", err);
		return -1;
	}
	return 0;
}

static int start(struct server *s)
{
	if (!(s->cfg = config_load(s->opts->config_path, stderr)))
		return -1;
	s->leases = lease_table_new();
	s->ackq = calloc(ACKQ_MAX, sizeof *s->ackq);
	s->outq = calloc(DHCP_IO_BATCH, sizeof *s->outq);
	s->lp = loop_new();
	s->cm = s->leases ? commit_new(s->leases) : NULL;
	if (!s->leases || !s->ackq || !s->outq || !s->lp || !s->cm ||
	    engine_set_config(&s->eng, s->cfg, s->leases) < 0)
		return -1;
	if (getrandom(&s->epoch, sizeof s->epoch, 0) != sizeof s->epoch)
		s->epoch = (uint64_t)time(NULL) ^ (uint64_t)getpid() << 32;
	s->epoch &= (1ull << 53) - 1;	/* exact in a JSON number */
	s->started = time(NULL);
	loop_timer_init(&s->t_expire, on_expire_due, s);
	loop_timer_init(&s->t_reload, on_reload_due, s);
	/* In this order after every turn: commit first (ACKs out), then the
	 * expiry timer for what changed, then the store's compaction step. */
	commit_set_delay(s->cm, s->cfg->commit_delay_ms);
	if (commit_attach(s->cm, s->lp) < 0 || loop_hook_add(s->lp, expire_rearm, s) < 0 ||
	    commit_subscribe(s->cm, names_follow, s) < 0 ||
	    commit_subscribe(s->cm, status_follow, s) < 0)
		return -1;
	if (scope_configure(s) < 0 || failover_new(s) < 0 || open_store(s) < 0)
		return -1;
	partner_cleanup(s, "at start");
	if (open_sockets(s) < 0 || dns_start(s) < 0 || http_start_if(s) < 0)
		return -1;
	dhcp_io_links_refresh(&s->io, s->cfg);
	if (!s->opts->foreground && daemon(0, 0) < 0)
		return -1;
	if (s->opts->pid_file && pid_file_write(s->opts->pid_file) < 0)
		log_warn("cannot write %s: %s", s->opts->pid_file, strerror(errno));
	if (s->cfg->user[0] && (privs_drop(s->cfg->user) < 0 ||
				state_dir_check(s->cfg->journal, s->cfg->user) < 0))
		return -1;
	if (s->fo && fo_driver_start(s->fo, s->fo_have_saved ? &s->fo_saved : NULL, s->fresh) < 0)
		return -1;
	/* The sync thread starts last: threads do not survive daemon()'s
	 * fork, and capabilities are per thread, so it must start after the
	 * drop to hold none. */
	return sync_start_if(s);
}

int server_run(const struct server_opts *o)
{
	struct server s = { .opts = o, .io = { .fd = -1 }, .probes = { .fd = -1 }, .sig = -1 };
	log_init("duodhcpd", o->foreground);
	int rc = 1;
	if (start(&s) == 0) {
		log_info("serving %zu subnets on %zu interfaces; ready", s.cfg->nsubnets, s.io.nlinks);
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
