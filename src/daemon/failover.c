/* The failover driver: the peer link, the update queues and the policy
 * joined to the daemon's pipeline and store.  See daemon/failover.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "common/log.h"
#include "common/loop.h"
#include "conf/config.h"
#include "core/engine.h"
#include "core/lease.h"
#include "daemon/commit.h"
#include "daemon/failover.h"
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
	bool stopping;
};

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
	struct lease *l = lease_upsert(fd->d.leases, rec);
	if (!l)
		return 0;
	l->offer_until = 0;
	return commit_change(fd->d.cm, l);
}

static void upd_changed(void *arg, struct lease *l)
{
	struct fo_driver *fd = arg;
	commit_change(fd->d.cm, l);
}

static void upd_event(void *arg, enum fo_event_type type)
{
	struct fo_driver *fd = arg;
	struct fo_event ev = { .type = type };
	fo_peer_event(fd->peer, &ev);
}

static bool upd_in_pool(void *arg, uint32_t addr)
{
	struct fo_driver *fd = arg;
	const struct cfg_subnet *sn = config_subnet_for(fd->d.cfg, addr);
	return sn && sn->failover;
}

/* ------------------------------------------------------------ peer link */

/* A POOLREQ (ISC's secondary asks the primary to balance): pool balancing
 * is not done yet, so no address moves and the answer is "none
 * transferred" (docs/failover.md, Policy). */
static void answer_poolreq(struct fo_driver *fd, const struct fo_msg *rq)
{
	struct fo_msg m;
	fo_msg_init(&m, FO_POOLRESP, 0, rq->xid);
	m.addresses_transferred = 0;
	fo_set(&m, FO_OPT_ADDRESSES_TRANSFERRED);
	fo_peer_send(fd->peer, &m, true);
}

static void on_msg(void *arg, const struct fo_msg *m)
{
	struct fo_driver *fd = arg;
	if (m->type == FO_POOLREQ)
		answer_poolreq(fd, m);
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
	if (a->send & (FO_SEND_UPDREQ | FO_SEND_UPDREQALL))
		fo_upd_requested(fd->upd);
	if (a->send & FO_SEND_UPDDONE)
		fo_upd_send_upddone(fd->upd);
	if (a->send & FO_SEND_UPDATES)
		fo_upd_flush(fd->upd);
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
	const struct cfg_failover *f = &d->cfg->fo;
	fo_policy_init(&fd->pol, d->cfg);
	struct fo_upd_conf uc = { .role = fd->pol.role, .max_unacked = f->max_unacked };
	struct fo_upd_ops uo = { upd_send, upd_apply, upd_changed, upd_event, upd_in_pool };
	struct fo_peer_conf pc;
	fo_peer_conf_from_cfg(&pc, f);
	struct fo_peer_ops po = { .on_msg = on_msg, .journal = on_journal, .actions = on_actions };
	if (!(fd->upd = fo_upd_new(d->leases, &uc, &uo, fd))) {
		snprintf(err, errlen, "failover: out of memory");
		goto fail;
	}
	if (!(fd->peer = fo_peer_new(d->lp, &pc, &po, fd, err, errlen)))
		goto fail;
	if (commit_subscribe(d->cm, fo_upd_lease_changed, fd->upd) < 0) {
		snprintf(err, errlen, "failover: cannot follow the change pipeline");
		goto fail;
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

int fo_driver_start(struct fo_driver *fd, const struct store_fo_rec *saved, bool fresh)
{
	const struct cfg_failover *f = &fd->d.cfg->fo;
	struct fo_event ev = { .type = FO_EV_START, .store_intact = !fresh };
	if (saved && strcmp(saved->name, f->name) == 0) {
		ev.saved_state = saved->my_state;
		ev.saved_stos = saved->my_stos;
		ev.saved_amnesic = saved->amnesic;
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
