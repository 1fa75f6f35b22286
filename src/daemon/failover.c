/* The failover driver: the peer link, the update queues and the policy
 * joined to the daemon's pipeline and store.  See daemon/failover.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "common/clock.h"
#include "common/log.h"
#include "common/loop.h"
#include "common/text.h"
#include "conf/config.h"
#include "core/engine.h"
#include "core/lease.h"
#include "daemon/commit.h"
#include "daemon/failover.h"
#include "failover/balance.h"
#include "failover/peer.h"
#include "http/api.h"
#include "failover/policy.h"
#include "failover/updates.h"

struct fo_driver {
	struct fo_driver_deps d;
	struct fo_peer *peer;
	struct fo_upd *upd;
	struct fo_policy pol;
	bool link;		/* what the update queue was last told */
	uint64_t asked_rcvd;	/* updates received when we sent UPDREQ(ALL) */
	bool stopping;
	struct loop_timer rebalance;	/* the primary's next balancing pass */
};

static void want_rebalance(struct fo_driver *fd);

/* ------------------------------------------------------------ update queue */

static int upd_send(void *arg, struct fo_msg *m, bool reply)
{
	struct fo_driver *fd = arg;
	return fo_peer_send(fd->peer, m, reply);
}

/* A partner's binding: stored like any change, so it is journalled and
 * its BNDACK waits for the commit that makes it durable. */
static uint64_t upd_apply(void *arg, const struct lease_rec *rec)
{
	struct fo_driver *fd = arg;
	const struct lease *old = lease_find(fd->d.leases, rec->addr);
	bool used_backup = old && old->state == LEASE_BACKUP && rec->state != LEASE_BACKUP;
	struct lease *l = lease_upsert(fd->d.leases, rec);
	if (!l)
		return 0;
	l->offer_until = 0;
	uint64_t seq = commit_change(fd->d.cm, l);
	if (used_backup)
		want_rebalance(fd);	/* the secondary's stock shrank */
	return seq;
}

static void upd_changed(void *arg, struct lease *l, bool lazy)
{
	struct fo_driver *fd = arg;
	if (lazy)
		commit_change_lazy(fd->d.cm, l);
	else
		commit_change(fd->d.cm, l);
}

static void upd_event(void *arg, enum fo_event_type type)
{
	struct fo_driver *fd = arg;
	struct fo_event ev = { .type = type };
	/* Once per request of ours: what an operator checks after a resync. */
	if (type == FO_EV_UPDDONE)
		log_info("failover: UPDDONE: %llu updates received since we asked, all stored",
			 (unsigned long long)(fo_upd_stats(fd->upd)->received - fd->asked_rcvd));
	fo_peer_event(fd->peer, &ev);
}

static bool upd_in_pool(void *arg, uint32_t addr)
{
	struct fo_driver *fd = arg;
	const struct cfg_subnet *sn = config_subnet_for(fd->d.cfg, addr);
	return sn && sn->failover;
}

/* For ISC's binding-state transition checks on a partner's BNDUPD. */
static uint8_t upd_my_state(void *arg)
{
	struct fo_driver *fd = arg;
	return (uint8_t)fo_peer_sm(fd->peer)->state;
}

static int64_t upd_now(void *arg)
{
	(void)arg;
	return (int64_t)time(NULL);
}

/* ------------------------------------------------------------ pool balancing */

/* What may become the secondary's: a failover pool's address that is no
 * reservation, not the network, broadcast or our own address, and not
 * held by an offer of ours. */
static bool bal_giveable(void *arg, uint32_t a, const struct lease *l)
{
	struct fo_driver *fd = arg;
	const struct cfg_subnet *sn = config_subnet_for(fd->d.cfg, a);
	if (!sn || !sn->failover || a == sn->net || a == (sn->net | ~sn->mask) ||
	    a == sn->bind_addr || engine_reserved(fd->d.eng, a))
		return false;
	return !l || l->offer_until <= mono_ms();
}

/* ISC's giveaway: the record is BACKUP from now on (start and potential
 * expiry now); the pipeline journals it and queues its BNDUPD.  A used
 * record keeps its client, so that client finds it on the secondary. */
static void bal_give(void *arg, uint32_t a, struct lease *l)
{
	struct fo_driver *fd = arg;
	int64_t now = time(NULL);
	if (!l) {
		struct lease_rec r = { .addr = a, .state = LEASE_BACKUP };
		if (!(l = lease_upsert(fd->d.leases, &r))) {
			log_err("failover: out of memory giving an address to the secondary");
			return;
		}
	} else {
		lease_set_state(fd->d.leases, l, LEASE_BACKUP, l->end);
	}
	l->start = l->tstp = now;
	l->offer_until = 0;
	commit_change(fd->d.cm, l);
}

/* The primary in normal gives the secondary its share of every failover
 * pool (ISC's dhcp_failover_pool_dobalance), then plans the next pass:
 * MinBalance later while a pool is still out of balance, else MaxBalance
 * (ISC's dhcp_failover_pool_check keeps within the same two bounds).
 * Returns how many moved. */
static uint32_t balance_pools(struct fo_driver *fd, const char *why)
{
	if (fd->pol.role != FO_PRIMARY || fo_peer_sm(fd->peer)->state != FO_ST_NORMAL)
		return 0;
	const struct config *c = fd->d.cfg;
	const struct fo_bal_ops ops = { bal_giveable, bal_give };
	uint32_t total = 0;
	bool uneven = false;
	for (size_t i = 0; i < c->nsubnets; i++) {
		const struct cfg_subnet *sn = &c->subnets[i];
		for (size_t k = 0; sn->failover && k < sn->nranges; k++) {
			const struct cfg_range *rg = &sn->ranges[k];
			struct fo_bal_result r;
			char lo[TEXT_IP4_LEN], hi[TEXT_IP4_LEN];
			total += fo_balance_range(fd->d.leases, rg->first, rg->last, fd->pol.hba,
						  &ops, fd, &r);
			uneven = uneven || r.lts > r.thresh;
			log_info("failover: balancing %s-%s (%s): free %u backup %u, %u given to "
				 "the secondary%s", text_ip4(rg->first, lo), text_ip4(rg->last, hi),
				 why, r.free, r.backup, r.given,
				 r.lts > r.thresh ? ", still imbalanced" : "");
		}
	}
	loop_timer_in(fd->d.lp, &fd->rebalance,
		      (int64_t)(uneven ? c->fo.min_balance : c->fo.max_balance) * 1000);
	return total;
}

static void on_rebalance(void *arg)
{
	balance_pools(arg, "scheduled");
}

/* The stock of one side changed: a pass MinBalance from now, unless one
 * is due sooner.  An idle pair costs one pass every MaxBalance. */
static void want_rebalance(struct fo_driver *fd)
{
	if (fd->pol.role != FO_PRIMARY)
		return;
	int64_t at = mono_ms() + (int64_t)fd->d.cfg->fo.min_balance * 1000;
	if (!loop_timer_armed(&fd->rebalance) || fd->rebalance.at_ms > at)
		loop_timer_at(fd->d.lp, &fd->rebalance, at);
}

/* The change pipeline's word on every lease: an address of ours that
 * became free again (expired, released, freed) grows the primary's stock,
 * which the secondary may need half of (ISC checks the pool whenever a
 * lease enters FREE or BACKUP). */
static void stock_follow(void *arg, struct lease *l, uint64_t seq)
{
	struct fo_driver *fd = arg;
	(void)seq;
	if (fd->pol.role == FO_PRIMARY && !(l->flags & LEASE_F_PARTNER) &&
	    lease_state_reusable(l->state) && upd_in_pool(fd, l->addr))
		want_rebalance(fd);
}

static bool any_backup(void *arg, uint32_t addr, const struct lease *l)
{
	(void)arg, (void)addr, (void)l;
	return true;
}

static bool partner_stock(void *arg, const struct cfg_subnet *sn)
{
	struct fo_driver *fd = arg;
	for (size_t k = 0; k < sn->nranges; k++) {
		int p = lease_pool_of(fd->d.leases, sn->ranges[k].first);
		if (p >= 0 && lease_pick_backup(fd->d.leases, p, any_backup, NULL))
			return true;
	}
	return false;
}

/* ------------------------------------------------------------ peer link */

/* A POOLREQ: the primary balances now and says how many moved; anyone
 * else, or a primary not in normal, answers 0 (ISC). */
static void answer_poolreq(struct fo_driver *fd, const struct fo_msg *rq)
{
	struct fo_msg m;
	fo_msg_init(&m, FO_POOLRESP, 0, rq->xid);
	m.addresses_transferred = balance_pools(fd, "POOLREQ");
	fo_set(&m, FO_OPT_ADDRESSES_TRANSFERRED);
	fo_peer_send(fd->peer, &m, true);
}

/* The secondary asks for its share when it enters normal. */
static void send_poolreq(struct fo_driver *fd)
{
	struct fo_msg m;
	fo_msg_init(&m, FO_POOLREQ, 0, 0);
	if (fo_peer_send(fd->peer, &m, false) == 0)
		log_info("failover: POOLREQ sent");
}

static void on_msg(void *arg, const struct fo_msg *m)
{
	struct fo_driver *fd = arg;
	if (m->type == FO_POOLREQ)
		answer_poolreq(fd, m);
	else if (m->type == FO_POOLRESP)
		log_info("failover: POOLRESP: %u addresses transferred",
			 fo_has(m, FO_OPT_ADDRESSES_TRANSFERRED) ? m->addresses_transferred : 0);
	else
		fo_upd_recv(fd->upd, m);
}

static void saved_rec(const struct fo_driver *fd, const struct fo_sm *sm,
		      struct store_fo_rec *r)
{
	memset(r, 0, sizeof *r);
	snprintf(r->name, sizeof r->name, "%s", fd->d.cfg->fo.name);
	fo_sm_saved(sm, &r->my_state, &r->my_stos, &r->amnesic);
	r->peer_state = sm->peer;
	r->peer_stos = sm->peer_stos;
	/* The pair's MCLT and map, so a secondary restarted alone serves. */
	r->mclt = sm->conf.mclt;
	const uint8_t *hba = fo_peer_hba(fd->peer);
	if (r->mclt && hba) {
		r->have_hba = true;
		memcpy(r->hba, hba, sizeof r->hba);
	}
}

static void append_state(struct fo_driver *fd, const struct fo_sm *sm)
{
	struct store_fo_rec r;
	saved_rec(fd, sm, &r);
	int err = store_append_fo(fd->d.st, &r);
	if (err < 0)
		log_err("failover: cannot journal state %s: %s", fo_state_name(r.my_state),
			strerror(-err));
}

/* The state must be on disk before the STATE that announces it: the
 * journal commits before returning (store.h), so flush now. */
static void on_journal(void *arg, const struct fo_sm *sm)
{
	struct fo_driver *fd = arg;
	append_state(fd, sm);
	commit_flush(fd->d.cm);
}

static void follow_link(struct fo_driver *fd)
{
	bool up = fo_peer_up(fd->peer);
	if (up == fd->link)
		return;
	fd->link = up;
	fo_upd_link(fd->upd, up, up ? fo_peer_stats(fd->peer)->peer_max_unacked : 0);
	/* The secondary learns MCLT and the bucket map from the CONNECT. */
	if (up && fd->pol.role == FO_SECONDARY)
		fo_policy_set_peer(&fd->pol, fo_peer_sm(fd->peer)->conf.mclt,
				   fo_peer_hba(fd->peer));
}

static void on_actions(void *arg, const struct fo_sm *sm, const struct fo_actions *a)
{
	struct fo_driver *fd = arg;
	follow_link(fd);
	if (a->changed && !a->journal)
		append_state(fd, sm);
	if (a->changed && fd->d.state_changed)
		fd->d.state_changed(fd->d.arg);
	if (a->send & (FO_SEND_UPDREQ | FO_SEND_UPDREQALL)) {
		fd->asked_rcvd = fo_upd_stats(fd->upd)->received;
		log_info("failover: %s sent", a->send & FO_SEND_UPDREQALL ? "UPDREQALL" : "UPDREQ");
		fo_upd_requested(fd->upd);
	}
	if (a->send & FO_SEND_UPDDONE)
		fo_upd_send_upddone(fd->upd);
	/* Entering normal, every update not acknowledged goes (ISC): those
	 * of leases kept over a restart or imported are in no queue. */
	if (a->changed && sm->state == FO_ST_NORMAL) {
		size_t n = fo_upd_queue_unacked(fd->upd);
		if (n)
			log_info("failover: %zu updates the partner has not acknowledged, sent again",
				 n);
	}
	if (a->send & FO_SEND_UPDATES)
		fo_upd_flush(fd->upd);
	if (a->changed && sm->state == FO_ST_NORMAL) {
		/* ISC balances on entering normal; the secondary asks. */
		if (fd->pol.role == FO_PRIMARY)
			balance_pools(fd, "entering normal");
		else
			send_poolreq(fd);
	}
	struct fo_service was = fd->pol.svc;
	fo_policy_set_service(&fd->pol, a->service);
	if (was.serve != a->service.serve || was.balance != a->service.balance ||
	    was.partner_addrs != a->service.partner_addrs)
		log_info("failover: %s clients%s%s", a->service.serve ? "serving" : "not serving",
			 a->service.balance ? ", load-balanced" : "",
			 a->service.partner_addrs ? ", with the partner's addresses" : "");
}

/* ------------------------------------------------------------ life cycle */

struct fo_driver *fo_driver_new(const struct fo_driver_deps *d, char *err, size_t errlen)
{
	struct fo_driver *fd = calloc(1, sizeof *fd);
	if (!fd) {
		snprintf(err, errlen, "failover: out of memory");
		return NULL;
	}
	fd->d = *d;
	loop_timer_init(&fd->rebalance, on_rebalance, fd);
	const struct cfg_failover *f = &d->cfg->fo;
	fo_policy_init(&fd->pol, d->cfg);
	struct fo_upd_conf uc = { .role = fd->pol.role, .max_unacked = f->max_unacked };
	struct fo_upd_ops uo = { .send = upd_send, .apply = upd_apply, .changed = upd_changed,
				 .event = upd_event, .in_pool = upd_in_pool,
				 .my_state = upd_my_state, .now = upd_now };
	struct fo_peer_conf pc;
	fo_peer_conf_from_cfg(&pc, f);
	struct fo_peer_ops po = { .on_msg = on_msg, .journal = on_journal, .actions = on_actions };
	if (!(fd->upd = fo_upd_new(d->leases, &uc, &uo, fd))) {
		snprintf(err, errlen, "failover: out of memory");
		goto fail;
	}
	if (!(fd->peer = fo_peer_new(d->lp, &pc, &po, fd, err, errlen)))
		goto fail;
	if (commit_subscribe(d->cm, fo_upd_lease_changed, fd->upd) < 0 ||
	    commit_subscribe(d->cm, stock_follow, fd) < 0) {
		snprintf(err, errlen, "failover: cannot follow the change pipeline");
		goto fail;
	}
	if (fd->pol.role == FO_PRIMARY) {
		fd->pol.peer_stock = partner_stock;
		fd->pol.peer_stock_arg = fd;
	}
	d->eng->policy = fo_policy_engine(&fd->pol);
	return fd;
fail:
	fo_driver_free(fd);
	return NULL;
}

void fo_driver_set_store(struct fo_driver *fd, struct store *st)
{
	fd->d.st = st;
}

/* A secondary learns MCLT and the map from CONNECT; restarted while the
 * primary is away it has only what it journalled (older journals: none,
 * and it serves nobody in the failover pools until the primary comes). */
static void restore_pair(struct fo_driver *fd, const struct store_fo_rec *saved)
{
	if (fd->pol.role != FO_SECONDARY || !saved->mclt)
		return;
	const uint8_t *hba = saved->have_hba ? saved->hba : NULL;
	fo_peer_restore_pair(fd->peer, saved->mclt, hba);
	fo_policy_set_peer(&fd->pol, saved->mclt, hba);
	log_info("failover: MCLT %u%s restored from the journal", saved->mclt,
		 hba ? " and bucket map" : "");
}

int fo_driver_start(struct fo_driver *fd, const struct store_fo_rec *saved, bool fresh)
{
	const struct cfg_failover *f = &fd->d.cfg->fo;
	struct fo_event ev = { .type = FO_EV_START, .store_intact = !fresh };
	if (saved && strcmp(saved->name, f->name) == 0) {
		ev.saved_state = saved->my_state;
		ev.saved_stos = saved->my_stos;
		ev.saved_amnesic = saved->amnesic;
		restore_pair(fd, saved);
	} else if (saved) {
		log_warn("failover: the journal's state is for relationship \"%s\", not \"%s\": "
			 "starting as if none was saved", saved->name, f->name);
	}
	log_info("failover: relationship %s as %s, saved state %s%s, journal %s",
		 f->name, f->role == CFG_FO_PRIMARY ? "primary" : "secondary",
		 ev.saved_state ? fo_state_name(ev.saved_state) : "none",
		 ev.saved_amnesic ? " (amnesic)" : "", fresh ? "fresh" : "intact");
	fo_peer_event(fd->peer, &ev);
	return fo_peer_start(fd->peer, 0);
}

void fo_driver_durable(struct fo_driver *fd, uint64_t through)
{
	fo_upd_durable(fd->upd, through);
}

void fo_driver_set_config(struct fo_driver *fd, const struct config *cfg)
{
	fd->d.cfg = cfg;
	fd->pol.cfg = cfg;
}

bool fo_driver_conf_same(const struct config *a, const struct config *b)
{
	return memcmp(&a->fo, &b->fo, sizeof a->fo) == 0 &&
	       config_failover_fingerprint(a) == config_failover_fingerprint(b);
}

void fo_driver_shutdown(struct fo_driver *fd)
{
	if (fd->stopping)
		return;
	fd->stopping = true;
	struct fo_event ev = { .type = FO_EV_SHUTDOWN };
	fo_peer_event(fd->peer, &ev);
}

bool fo_driver_quiet(const struct fo_driver *fd)
{
	return !fo_peer_up(fd->peer) || fo_peer_pending(fd->peer) == 0;
}

void fo_driver_free(struct fo_driver *fd)
{
	if (!fd)
		return;
	loop_timer_stop(fd->d.lp, &fd->rebalance);
	fo_peer_free(fd->peer);
	fo_upd_free(fd->upd);
	free(fd);
}

void fo_driver_status(const struct fo_driver *fd, struct api_failover *o)
{
	const struct fo_sm *sm = fo_peer_sm(fd->peer);
	const struct fo_peer_stats *ps = fo_peer_stats(fd->peer);
	const struct fo_upd_stats *us = fo_upd_stats(fd->upd);
	*o = (struct api_failover){
		.name = fd->d.cfg->fo.name,
		.role = fd->pol.role == FO_PRIMARY ? "primary" : "secondary",
		.state = sm->state ? fo_state_name(sm->state) : "none",
		.peer_state = sm->peer ? fo_state_name(sm->peer) : "unknown",
		.link = fo_link_name(ps->link), .stos = sm->stos, .mclt = fd->pol.mclt,
		.queued = fo_upd_queued(fd->upd), .in_flight = fo_upd_in_flight(fd->upd),
		.sent = us->sent, .acked = us->acked, .received = us->received,
		.applied = us->applied, .refused = us->refused,
		.peer_stos = sm->peer_stos,
		.last_rx = ps->last_rx, .last_tx = ps->last_tx, .up_since = ps->up_since,
		.skew = ps->skew, .skew_max = ps->skew_max,
		.skew_warn = fd->d.cfg->fo.clock_skew_warn,
		.auto_partner_down = fd->d.cfg->fo.auto_partner_down,
		.msgs_in = ps->msgs_in, .msgs_out = ps->msgs_out,
		.links_up = ps->links_up, .links_down = ps->links_down,
		.malformed = ps->malformed, .timeouts = ps->timeouts,
		.disconnects_rcvd = ps->disconnects_rcvd,
		.serving = fd->pol.svc.serve, .partner_addrs = fd->pol.svc.partner_addrs,
	};
}

/* The operator's partner-down (draft section 9.5).  A live link means the
 * partner answers: refused before the machine is asked, with that reason;
 * the machine refuses any state but communications-interrupted and
 * resolution-interrupted. */
int fo_driver_partner_down(struct fo_driver *fd, struct api_fo_result *r)
{
	const struct fo_sm *sm = fo_peer_sm(fd->peer);
	const char *was = sm->state ? fo_state_name(sm->state) : "none";
	*r = (struct api_fo_result){ .state = was, .mclt = fd->pol.mclt };
	if (sm->state == FO_ST_PARTNER_DOWN) {
		r->stos = sm->stos;
		return 0;
	}
	if (fd->stopping) {
		snprintf(r->why, sizeof r->why, "the server is stopping");
		return -1;
	}
	if (fo_peer_up(fd->peer)) {
		snprintf(r->why, sizeof r->why, "the link to the partner is up (state %s, "
			 "partner %s): it is not down", was,
			 sm->peer ? fo_state_name(sm->peer) : "unknown");
		return -1;
	}
	struct fo_event ev = { .type = FO_EV_OPERATOR_PARTNER_DOWN };
	fo_peer_event(fd->peer, &ev);
	if (sm->state != FO_ST_PARTNER_DOWN) {
		snprintf(r->why, sizeof r->why, "state %s does not allow it: only "
			 "communications-interrupted or resolution-interrupted do", was);
		log_warn("failover: the operator's partner-down refused in state %s", was);
		return -1;
	}
	r->state = fo_state_name(sm->state);
	r->changed = true;
	r->stos = sm->stos;
	r->mclt = fd->pol.mclt;
	log_warn("failover: partner-down declared by the operator (was %s); the partner's "
		 "free addresses are used after STOS + MCLT (%u s)", was, r->mclt);
	return 0;
}
