/* Whether an imported lease becomes ours (see adopt.h). */
#include <string.h>
#include "core/adopt.h"
#include "core/record.h"

static const char *const names[ADOPT_OUTCOMES] = {
	[ADOPT_NEW] = "new", [ADOPT_UPDATE] = "updated", [ADOPT_SAME] = "unchanged",
	[ADOPT_OURS_NEWER] = "ours_newer", [ADOPT_INVALID] = "invalid",
	[ADOPT_OFF_LINK] = "off_link", [ADOPT_EDGE] = "network_or_broadcast",
	[ADOPT_RESERVED] = "reserved", [ADOPT_OUR_ADDRESS] = "our_address",
};

static const char *const whys[ADOPT_OUTCOMES] = {
	[ADOPT_NEW] = "new", [ADOPT_UPDATE] = "replaces an older lease",
	[ADOPT_SAME] = "already held as it is",
	[ADOPT_OURS_NEWER] = "our lease of the address is more recent",
	[ADOPT_INVALID] = "not a valid lease record",
	[ADOPT_OFF_LINK] = "in none of our subnets",
	[ADOPT_EDGE] = "a subnet's network or broadcast address",
	[ADOPT_RESERVED] = "reserved for another client",
	[ADOPT_OUR_ADDRESS] = "one of our own addresses or servers",
};

const char *adopt_outcome_name(enum adopt_outcome o)
{
	return (unsigned)o < ADOPT_OUTCOMES ? names[o] : "";
}

const char *adopt_outcome_why(enum adopt_outcome o)
{
	return (unsigned)o < ADOPT_OUTCOMES ? whys[o] : "";
}

bool adopt_taken(enum adopt_outcome o)
{
	return o == ADOPT_NEW || o == ADOPT_UPDATE;
}

int adopt_scope_build(struct adopt_scope *sc, const struct config *cfg)
{
	sc->cfg = cfg;
	return partner_scope_build(&sc->ps, cfg, NULL, 0);
}

void adopt_scope_free(struct adopt_scope *sc)
{
	partner_scope_free(&sc->ps);
	sc->cfg = NULL;
}

/* Whether the reservation h names the client of rec: by client
 * identifier for a [CLIENTID:...] section, else by hardware address. */
static bool host_is(const struct cfg_host *h, const struct lease_rec *rec)
{
	if (h->cid_len)
		return rec->cid_len == h->cid_len && memcmp(rec->cid, h->cid, h->cid_len) == 0;
	return rec->hlen == h->hlen && (!rec->htype || !h->htype || rec->htype == h->htype) &&
	       memcmp(rec->hw, h->hw, h->hlen) == 0;
}

/* A reservation's address is its client's only: anyone else's lease on
 * it would have the engine hand one address to two clients. */
static bool reserved_for_other(const struct config *c, const struct lease_rec *rec)
{
	bool reserved = false;
	for (size_t i = 0; i < c->nhosts; i++) {
		if (c->hosts[i].addr != rec->addr)
			continue;
		if (host_is(&c->hosts[i], rec))
			return false;
		reserved = true;
	}
	return reserved;
}

static enum adopt_outcome place(const struct adopt_scope *sc, const struct lease_rec *in)
{
	switch (partner_check(&sc->ps, in->addr, NULL)) {
	case PARTNER_OFF_LINK:
		return ADOPT_OFF_LINK;
	case PARTNER_EDGE:
		return ADOPT_EDGE;
	case PARTNER_OUR_ADDRESS:
		return ADOPT_OUR_ADDRESS;
	default:	/* our pool and reservations are where imports belong */
		break;
	}
	return reserved_for_other(sc->cfg, in) ? ADOPT_RESERVED : ADOPT_NEW;
}

/* The record as we keep it: ours, and without a failover relationship
 * neither BACKUP nor RESET means anything (ISC dhcpd frees such leases
 * too), nor does an update waiting for a partner's ack. */
static void normalise(const struct config *c, struct lease_rec *r, int64_t now)
{
	r->flags &= (uint8_t)~LEASE_F_PARTNER;
	if (r->end <= now && r->state == LEASE_ACTIVE)
		r->state = LEASE_EXPIRED;	/* as lease_expire_each() does */
	else if (r->end <= now && r->state == LEASE_ABANDONED)
		r->state = LEASE_FREE;
	if (c->fo.enabled)
		return;
	r->pending_state = 0;
	if (r->state == LEASE_BACKUP || r->state == LEASE_RESET)
		r->state = LEASE_FREE;
}

/* The time of a lease's last event: its client's last transaction, else
 * the start of its binding. */
static int64_t last_event(const struct lease_rec *r)
{
	return r->cltt ? r->cltt : r->start;
}

/* A FREE or BACKUP record that never had a client (what pool balancing
 * writes for the partner's stock, or a partner's UPDREQALL answer makes
 * of a never-used address) dates no binding: it is no reason to keep an
 * imported one out, however recent its start. */
static bool never_bound(const struct lease *cur)
{
	return (cur->state == LEASE_FREE || cur->state == LEASE_BACKUP) && !cur->hlen &&
	       !cur->cid_len;
}

/* Whether r tells nothing new about cur's binding: the same record but
 * for start and cltt.  A format that keeps no start time (dnsmasq) is read
 * with "now" there, so each import of the same file would differ only in
 * those; nor is a binding renewed without a later end.  In a failover
 * relationship the partner's ack rewrites tsfp and atsfp, and turns an
 * EXPIRED, RELEASED or RESET lease FREE (docs/failover.md, "Binding
 * updates"): the record is still the one imported before. */
static bool same_binding(const struct config *c, const struct lease *cur,
			 const struct lease_rec *r)
{
	struct lease_rec t = *r;
	t.start = cur->start;
	t.cltt = cur->cltt;
	if (c->fo.enabled) {
		t.tsfp = cur->tsfp;
		t.atsfp = cur->atsfp;
		bool ended = t.state == LEASE_EXPIRED || t.state == LEASE_RELEASED ||
			     t.state == LEASE_RESET;
		if (ended && cur->state == LEASE_FREE && !cur->pending_state)
			t.state = LEASE_FREE;
		t.pending_state = cur->pending_state;
	}
	return record_same(&cur->rec, &t);
}

enum adopt_outcome adopt_decide(const struct adopt_scope *sc, const struct lease *cur,
				const struct lease_rec *in, int64_t now, struct lease_rec *out)
{
	if (!record_valid(in) || in->addr == 0)
		return ADOPT_INVALID;
	enum adopt_outcome o = place(sc, in);
	if (o != ADOPT_NEW)
		return o;
	struct lease_rec r = *in;
	normalise(sc->cfg, &r, now);
	if (cur && same_binding(sc->cfg, cur, &r))
		return ADOPT_SAME;
	if (cur && !never_bound(cur) && last_event(&cur->rec) > last_event(&r))
		return ADOPT_OURS_NEWER;
	*out = r;
	return cur ? ADOPT_UPDATE : ADOPT_NEW;
}
