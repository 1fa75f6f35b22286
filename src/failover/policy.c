/* The failover policy: whom to answer, whose addresses, how long. */
#include <string.h>
#include "failover/hash.h"
#include "failover/policy.h"

void fo_policy_init(struct fo_policy *p, const struct config *cfg)
{
	memset(p, 0, sizeof *p);
	p->cfg = cfg;
	p->role = cfg->fo.role == CFG_FO_SECONDARY ? FO_SECONDARY : FO_PRIMARY;
	p->lb_max_secs = cfg->fo.lb_max_secs > UINT16_MAX ? UINT16_MAX
							   : (uint16_t)cfg->fo.lb_max_secs;
	if (p->role == FO_PRIMARY) {
		p->mclt = cfg->fo.mclt;
		memcpy(p->hba, cfg->fo.hba, sizeof p->hba);
	}
}

void fo_policy_set_service(struct fo_policy *p, struct fo_service svc)
{
	p->svc = svc;
}

void fo_policy_set_peer(struct fo_policy *p, uint32_t mclt, const uint8_t hba[FO_HBA_LEN])
{
	p->mclt = mclt;
	if (hba)
		memcpy(p->hba, hba, sizeof p->hba);
}

uint32_t fo_mclt_time(uint32_t mclt, int64_t tsfp, uint32_t secs, int64_t now)
{
	if (secs <= mclt)
		return secs;
	if (tsfp <= now)
		return mclt;
	if (now + secs > tsfp + mclt)
		return (uint32_t)(tsfp - now + mclt);
	return secs;
}

int64_t fo_potential_expiry(uint32_t secs, uint32_t granted, int64_t now)
{
	return now + secs + granted / 2;
}

static bool fo_subnet(const struct cfg_subnet *sn)
{
	return sn && sn->failover;
}

static bool fo_addr(const struct fo_policy *p, uint32_t addr)
{
	return fo_subnet(config_subnet_for(p->cfg, addr));
}

/* Serving at all needs the state's leave and the MCLT (a secondary has it
 * from the primary's CONNECT). */
static bool serving(const struct fo_policy *p)
{
	return p->svc.serve && p->mclt > 0;
}

/* Section 9 and ISC's load_balance_mine: in normal state the bucket map
 * splits new clients; requests go by address ownership instead (a
 * RENEWING client reaches one server, a REBINDING one has lost the
 * other). */
static bool answers(void *arg, const struct dhcp_msg *m, const struct cfg_subnet *sn)
{
	const struct fo_policy *p = arg;
	if (!fo_subnet(sn))
		return true;
	if (!serving(p))
		return false;
	if (!p->svc.balance || m->type != DHCPDISCOVER)
		return true;
	size_t n;
	const uint8_t *cid = dhcp_opt(m, DO_CLIENT_ID, &n);
	uint8_t bucket = fo_client_bucket(cid, n, m->chaddr, m->hlen);
	if (fo_client_ours(p->role, p->hba, bucket, m->secs, p->lb_max_secs))
		return true;
	/* ISC's peer_has_leases: the partner could only say no. */
	return p->peer_stock && !p->peer_stock(p->peer_stock_arg, sn);
}

/* The free stock (never used, FREE) is the primary's, the BACKUP stock
 * the secondary's; partner-down after STOS + MCLT may use both. */
static bool owns_free(const struct fo_policy *p)
{
	return p->role == FO_PRIMARY || p->svc.partner_addrs;
}

static bool owns_backup(const struct fo_policy *p)
{
	return p->role == FO_SECONDARY || p->svc.partner_addrs;
}

static bool owns(void *arg, uint32_t addr, const struct lease *l)
{
	const struct fo_policy *p = arg;
	if (!fo_addr(p, addr))
		return engine_owns_alone(NULL, addr, l);
	if (!serving(p))
		return false;
	if (!l)
		return owns_free(p);
	if (l->state == LEASE_ACTIVE)
		return true;	/* its client's, renewed within the MCLT rule */
	if (l->pending_state)
		return false;	/* the partner has yet to agree to its change */
	switch (l->state) {
	case LEASE_FREE: case LEASE_EXPIRED: case LEASE_RELEASED: case LEASE_RESET:
	case LEASE_ABANDONED:
		return owns_free(p);
	case LEASE_BACKUP:
		return owns_backup(p);
	default:
		return false;
	}
}

static unsigned stock(void *arg, const struct cfg_subnet *sn)
{
	const struct fo_policy *p = arg;
	if (!fo_subnet(sn))
		return ENGINE_STOCK_FREE;
	if (!serving(p))
		return 0;
	return (owns_free(p) ? ENGINE_STOCK_FREE : 0u) | (owns_backup(p) ? ENGINE_STOCK_BACKUP : 0u);
}

static uint32_t lease_time(void *arg, const struct lease *l, uint32_t secs, int64_t now)
{
	const struct fo_policy *p = arg;
	if (l && !fo_addr(p, l->addr))
		return secs;
	return fo_mclt_time(p->mclt, l ? l->tsfp : 0, secs, now);
}

/* ISC's ack_lease: tstp from the time wanted and the time granted; a
 * potential expiry lowered below what the partner acknowledged lowers
 * tsfp too, so that no renewal counts on the old one before the partner
 * acknowledges the new. */
static void bound(void *arg, struct lease *l, uint32_t secs, int64_t now)
{
	const struct fo_policy *p = arg;
	if (!fo_addr(p, l->addr))
		return;
	int64_t granted = l->end - now;
	l->tstp = fo_potential_expiry(secs, granted > 0 ? (uint32_t)granted : 0, now);
	if (l->tstp < l->tsfp)
		l->tsfp = l->tstp;
}

struct engine_policy fo_policy_engine(struct fo_policy *p)
{
	return (struct engine_policy){ .answers = answers, .owns = owns, .stock = stock,
				       .lease_time = lease_time, .bound = bound, .arg = p };
}
