/* The failover policy driving the real engine: whose addresses, how long
 * a lease, which server answers which client. */
#include <stdlib.h>
#include "t.h"
#include "pkt.h"
#include "conf/config.h"
#include "core/engine.h"
#include "failover/hash.h"
#include "failover/policy.h"

#define PRI IP4(198, 18, 0, 2)
#define SEC IP4(198, 18, 0, 3)
#define NOW 1700000000
#define MCLT 3600
#define DAY 86400
#define A(x) IP4(198, 18, 0, x)

/* One pool shared in failover; 198.18.4.0/24, behind a relay, is not. */
static const char common_ini[] =
	"[Settings]\n"
	"IPPOOL_1=198.18.0.10-198.18.0.250\n"
	"AssociateBindsToPools=1\n"
	"[GENERAL]\n"
	"LEASETIME=86400\n"
	"SUBNETMASK=255.255.255.0\n"
	"[SUBNET:198.18.4.0/24]\n"
	"IPPOOL_1=198.18.4.10-20\n"
	"[DUODHCP]\n"
	"Journal=/nonexistent/journal\n";

static const char primary_ini[] =
	"IPBIND_1=198.18.0.2\n"
	"[FAILOVER]\nRole=primary\nAddress=198.18.0.2\nPeerAddress=198.18.0.3\n"
	"Name=pair\nMCLT=3600\nSplit=128\nLoadBalanceMaxSeconds=3\nPools=198.18.0.0/24\n";

static const char secondary_ini[] =
	"IPBIND_1=198.18.0.3\n"
	"[FAILOVER]\nRole=secondary\nAddress=198.18.0.3\nPeerAddress=198.18.0.2\n"
	"Name=pair\nLoadBalanceMaxSeconds=3\nPools=198.18.0.0/24\n";

static const struct fo_service NORMAL = { .serve = true, .balance = true };
static const struct fo_service COMM_INT = { .serve = true };
static const struct fo_service PD_EARLY = { .serve = true };	/* before STOS + MCLT */
static const struct fo_service PD = { .serve = true, .partner_addrs = true };

struct fx {
	struct config *cfg;
	struct lease_table *t;
	struct engine e;
	struct fo_policy pol;
	struct engine_in in;
	struct dhcp_msg m;
	struct engine_result r;
	uint32_t srv;
};

/* A server of the pair, its policy set, in the given service. */
static struct fx *setup(bool primary, struct fo_service svc)
{
	struct fx *f = calloc(1, sizeof *f);
	char ini[4096];
	/* IPBIND_1 belongs to [Settings]: splice the role's lines in. */
	snprintf(ini, sizeof ini, "[Settings]\n%s%s%s", primary ? "IPBIND_1=198.18.0.2\n"
		 : "IPBIND_1=198.18.0.3\n", common_ini + sizeof "[Settings]\n" - 1,
		 strchr(primary ? primary_ini : secondary_ini, '['));
	f->cfg = config_parse("test.ini", ini, strlen(ini), stderr);
	if (!f->cfg) {
		fprintf(stderr, "config did not parse\n");
		exit(1);
	}
	f->t = lease_table_new();
	engine_set_config(&f->e, f->cfg, f->t);
	f->srv = primary ? PRI : SEC;
	f->in = (struct engine_in){ .now = NOW, .mono_ms = 1000, .local_addr = f->srv,
				    .src_addr = IP4(198, 18, 0, 9) };	/* a relay */
	for (size_t i = 0; i < f->cfg->nsubnets; i++)
		if (f->cfg->subnets[i].bind_addr == f->srv)
			f->in.link = &f->cfg->subnets[i];
	fo_policy_init(&f->pol, f->cfg);
	if (!primary) {	/* what the primary's CONNECT brings */
		uint8_t map[FO_HBA_LEN];
		fo_split_map(map, 128);
		fo_policy_set_peer(&f->pol, MCLT, map);
	}
	fo_policy_set_service(&f->pol, svc);
	f->e.policy = fo_policy_engine(&f->pol);
	return f;
}

static void teardown(struct fx *f)
{
	engine_free(&f->e);
	lease_table_free(f->t);
	config_free(f->cfg);
	free(f);
}

static struct engine_result *run(struct fx *f, struct tpkt *p)
{
	const char *why;
	tp_end(p);
	if (dhcp_decode(&f->m, p->b, p->len, &why) < 0) {
		fprintf(stderr, "test packet did not decode: %s\n", why);
		exit(1);
	}
	engine_handle(&f->e, &f->m, &f->in, &f->r);
	return &f->r;
}

static uint8_t reply_type(const struct engine_result *r)
{
	if (r->dest == DEST_NONE)
		return 0;
	for (size_t i = 0; i < r->out.nopts; i++)
		if (r->out.opts[i].code == DO_MSG_TYPE)
			return r->out.opts[i].data[0];
	return 0;
}

static uint32_t reply_u32(const struct engine_result *r, uint8_t code)
{
	for (size_t i = 0; i < r->out.nopts; i++)
		if (r->out.opts[i].code == code && r->out.opts[i].len == 4) {
			const uint8_t *v = r->out.opts[i].data;
			return (uint32_t)v[0] << 24 | (uint32_t)v[1] << 16 | (uint32_t)v[2] << 8 | v[3];
		}
	return 0;
}

static void tp_secs(struct tpkt *p, uint16_t secs)
{
	p->b[8] = (uint8_t)(secs >> 8), p->b[9] = (uint8_t)secs;
}

/* The address offered to mac, or 0 for silence. */
static uint32_t discover(struct fx *f, uint8_t mac, uint16_t secs)
{
	struct tpkt p;
	tp_init(&p, DHCPDISCOVER, mac);
	tp_secs(&p, secs);
	struct engine_result *r = run(f, &p);
	return reply_type(r) == DHCPOFFER ? r->out.yiaddr : 0;
}

/* DISCOVER then REQUEST; the address ACKed, or 0. */
static uint32_t dora(struct fx *f, uint8_t mac, uint16_t secs)
{
	uint32_t a = discover(f, mac, secs);
	if (!a)
		return 0;
	struct tpkt p;
	tp_init(&p, DHCPREQUEST, mac);
	tp_secs(&p, secs);
	tp_opt_ip(&p, DO_SERVER_ID, f->srv);
	tp_opt_ip(&p, DO_REQUESTED_IP, a);
	struct engine_result *r = run(f, &p);
	return reply_type(r) == DHCPACK ? r->out.yiaddr : 0;
}

/* A RENEWING request for a; the lease time ACKed, or 0. */
static uint32_t renew(struct fx *f, uint8_t mac, uint32_t a)
{
	struct tpkt p;
	tp_init(&p, DHCPREQUEST, mac);
	tp_ciaddr(&p, a);
	struct engine_result *r = run(f, &p);
	return reply_type(r) == DHCPACK ? reply_u32(r, DO_LEASE_TIME) : 0;
}

static void put(struct fx *f, uint32_t a, uint8_t state)
{
	struct lease r = { .addr = a, .state = state };
	lease_upsert(f->t, &r);
}

/* The bucket of the test client 02:00:00:00:00:<mac>. */
static uint8_t bucket_of(uint8_t mac)
{
	uint8_t hw[6] = { 2, 0, 0, 0, 0, mac };
	return fo_client_bucket(NULL, 0, hw, sizeof hw);
}

TEST(primary_hands_out_free_secondary_only_backup)
{
	struct fx *p = setup(true, COMM_INT), *s = setup(false, COMM_INT);
	/* The primary's stock: never-used addresses, skipping BACKUP ones. */
	put(p, A(10), LEASE_BACKUP);
	CHECK_EQ(dora(p, 1, 0), A(11));
	/* The secondary has no BACKUP lease yet: nothing to offer, not even
	 * a never-used address. */
	CHECK_EQ(discover(s, 1, 0), 0);
	CHECK_EQ(s->e.st.pool_exhausted, 1);
	put(s, A(40), LEASE_FREE);
	put(s, A(20), LEASE_BACKUP);
	put(s, A(21), LEASE_BACKUP);
	CHECK_EQ(dora(s, 1, 0), A(20));
	/* A FREE address asked for is the primary's: the secondary offers
	 * its own instead. */
	struct tpkt pk;
	tp_init(&pk, DHCPDISCOVER, 2);
	tp_opt_ip(&pk, DO_REQUESTED_IP, A(40));
	CHECK_EQ(run(s, &pk)->out.yiaddr, A(21));
	/* An INIT-REBOOT for it is not granted either. */
	tp_init(&pk, DHCPREQUEST, 3);
	tp_opt_ip(&pk, DO_REQUESTED_IP, A(40));
	CHECK(reply_type(run(s, &pk)) != DHCPACK);
	/* A record whose change the partner has not acked is nobody's. */
	struct lease r = { .addr = A(21), .state = LEASE_BACKUP, .pending_state = LEASE_FREE };
	lease_upsert(s->t, &r);
	CHECK_EQ(discover(s, 4, 0), 0);
	teardown(p);
	teardown(s);
}

TEST(first_lease_capped_at_mclt_renewal_gets_full_time)
{
	struct fx *f = setup(true, NORMAL);
	uint8_t mac = 1;
	while (!fo_bucket_primary(f->pol.hba, bucket_of(mac)))
		mac++;
	uint32_t a = dora(f, mac, 0);
	CHECK_EQ(a, A(10));
	struct lease *l = lease_find(f->t, a);
	CHECK_EQ(reply_u32(&f->r, DO_LEASE_TIME), MCLT);
	CHECK_EQ(l->end, NOW + MCLT);
	/* The potential expiry for the partner: wanted + half of granted. */
	CHECK_EQ(l->tstp, NOW + DAY + MCLT / 2);
	CHECK_EQ(l->tsfp, 0);
	/* Renewing before the partner acked: MCLT again. */
	f->in.now = NOW + MCLT / 2;
	CHECK_EQ(renew(f, mac, a), MCLT);
	/* The partner acks the potential expiry: the renewal gets the day. */
	l->tsfp = l->tstp;
	f->in.now += 10;
	CHECK_EQ(renew(f, mac, a), DAY);
	CHECK_EQ(l->end, f->in.now + DAY);
	CHECK_EQ(l->tstp, f->in.now + DAY + DAY / 2);
	/* An ack that does not reach that far: up to tsfp + MCLT. */
	l->tsfp = f->in.now + 1000;
	f->in.now += 10;
	CHECK_EQ(renew(f, mac, a), 1000 - 10 + MCLT);
	CHECK(l->tsfp <= l->tstp);
	teardown(f);
}

TEST(mclt_rule)
{
	CHECK_EQ(fo_mclt_time(MCLT, 0, 600, NOW), 600);		/* under MCLT: as is */
	CHECK_EQ(fo_mclt_time(MCLT, 0, DAY, NOW), MCLT);
	CHECK_EQ(fo_mclt_time(MCLT, NOW, DAY, NOW), MCLT);	/* acked up to now only */
	CHECK_EQ(fo_mclt_time(MCLT, NOW + 100, DAY, NOW), 100 + MCLT);
	CHECK_EQ(fo_mclt_time(MCLT, NOW + DAY, DAY, NOW), DAY);
	CHECK_EQ(fo_potential_expiry(DAY, MCLT, NOW), NOW + DAY + MCLT / 2);
}

TEST(load_balancing_splits_clients_by_hash)
{
	struct fx *p = setup(true, NORMAL), *s = setup(false, NORMAL);
	for (uint32_t x = 100; x <= 250; x++)
		put(s, A(x), LEASE_BACKUP);
	int prim = 0, sec = 0, bad = 0;
	for (unsigned mac = 1; mac <= 80; mac++) {
		bool ours = fo_bucket_primary(p->pol.hba, bucket_of((uint8_t)mac));
		bool pa = discover(p, (uint8_t)mac, 0) != 0;
		bool sa = discover(s, (uint8_t)mac, 0) != 0;
		bad += pa != ours || sa == ours;
		prim += pa, sec += sa;
	}
	CHECK_EQ(bad, 0);
	CHECK(prim > 10 && sec > 10);
	CHECK_EQ(p->e.st.drop_partner, (uint64_t)sec);
	CHECK_EQ(s->e.st.drop_partner, (uint64_t)prim);
	/* A client that has waited past LoadBalanceMaxSeconds: both answer. */
	uint8_t theirs = 1;
	while (fo_bucket_primary(p->pol.hba, bucket_of(theirs)))
		theirs++;
	CHECK_EQ(discover(p, theirs, 3), 0);
	CHECK(discover(p, theirs, 4) != 0);
	/* With a client identifier, the bucket is its hash. */
	uint8_t cid[] = { 0, 'h', 'o', 's', 't', 0 };
	while (fo_bucket_primary(p->pol.hba, fo_hash(cid, sizeof cid)))
		cid[5]++;
	struct tpkt pk;
	tp_init(&pk, DHCPDISCOVER, 200);
	tp_opt(&pk, DO_CLIENT_ID, cid, sizeof cid);
	CHECK_EQ(reply_type(run(p, &pk)), 0);
	tp_init(&pk, DHCPDISCOVER, 200);
	tp_opt(&pk, DO_CLIENT_ID, cid, sizeof cid);
	CHECK_EQ(reply_type(run(s, &pk)), DHCPOFFER);
	/* Requests go by the address: the secondary renews a lease the
	 * primary granted to a client of the secondary's buckets (the
	 * client rebinding to whoever answers). */
	uint32_t a = dora(p, theirs, 10);
	CHECK(a != 0);
	struct lease copy = *lease_find(p->t, a);
	copy.cid = NULL, copy.hostname = NULL;
	lease_upsert(s->t, &copy);
	CHECK_EQ(renew(s, theirs, a), MCLT);
	teardown(p);
	teardown(s);
}

/* ISC's peer_has_leases: the primary answers a client of the secondary's
 * buckets at once when the secondary has no free address left, and stays
 * silent while it has. */
static bool stock_answer;
static bool fake_stock(void *arg, const struct cfg_subnet *sn)
{
	(void)arg, (void)sn;
	return stock_answer;
}

TEST(primary_answers_partners_clients_when_it_has_nothing)
{
	struct fx *p = setup(true, NORMAL);
	uint8_t theirs = 1;
	while (fo_bucket_primary(p->pol.hba, bucket_of(theirs)))
		theirs++;
	p->pol.peer_stock = fake_stock;
	stock_answer = true;
	CHECK_EQ(discover(p, theirs, 0), 0);
	stock_answer = false;
	CHECK(discover(p, theirs, 0) != 0);
	/* Outside normal nothing changes: silent unless serving. */
	fo_policy_set_service(&p->pol, (struct fo_service){ 0 });
	CHECK_EQ(discover(p, theirs, 0), 0);
	teardown(p);
}

TEST(partner_down_serves_everything)
{
	/* Before STOS + MCLT: each side its own addresses, every client. */
	struct fx *s = setup(false, PD_EARLY);
	put(s, A(30), LEASE_BACKUP);
	CHECK_EQ(dora(s, 1, 0), A(30));
	CHECK_EQ(discover(s, 2, 0), 0);
	/* After: the primary's free addresses too. */
	fo_policy_set_service(&s->pol, PD);
	CHECK_EQ(dora(s, 2, 0), A(10));
	put(s, A(11), LEASE_EXPIRED);
	put(s, A(12), LEASE_FREE);
	struct tpkt pk;
	tp_init(&pk, DHCPDISCOVER, 3);
	tp_opt_ip(&pk, DO_REQUESTED_IP, A(12));
	CHECK_EQ(run(s, &pk)->out.yiaddr, A(12));
	tp_init(&pk, DHCPREQUEST, 3);
	tp_opt_ip(&pk, DO_SERVER_ID, SEC);
	tp_opt_ip(&pk, DO_REQUESTED_IP, A(12));
	CHECK_EQ(reply_type(run(s, &pk)), DHCPACK);
	/* New clients still get MCLT until the partner acks (ISC alike). */
	CHECK_EQ(reply_u32(&s->r, DO_LEASE_TIME), MCLT);
	teardown(s);

	struct fx *p = setup(true, PD);
	for (uint32_t x = 10; x <= 249; x++)
		put(p, A(x), LEASE_ABANDONED);
	put(p, A(250), LEASE_BACKUP);
	CHECK_EQ(dora(p, 1, 0), A(250));	/* free stock gone: the backup one */
	teardown(p);
}

TEST(silent_unless_serving)
{
	struct fo_service none = { 0 };
	struct fx *p = setup(true, none);
	CHECK_EQ(discover(p, 1, 0), 0);
	CHECK_EQ(p->e.st.drop_partner, 1);
	/* A subnet outside the relationship is served as ever. */
	struct tpkt pk;
	tp_init(&pk, DHCPDISCOVER, 1);
	tp_giaddr(&pk, IP4(198, 18, 4, 1));
	CHECK_EQ(run(p, &pk)->out.yiaddr, IP4(198, 18, 4, 10));
	CHECK_EQ(reply_u32(&p->r, DO_LEASE_TIME), DAY);
	teardown(p);
	/* A secondary that has not heard the MCLT yet serves nobody. */
	struct fx *s = setup(false, COMM_INT);
	put(s, A(30), LEASE_BACKUP);
	fo_policy_set_peer(&s->pol, 0, NULL);
	CHECK_EQ(discover(s, 1, 0), 0);
	fo_policy_set_peer(&s->pol, MCLT, NULL);
	CHECK_EQ(discover(s, 1, 0), A(30));
	teardown(s);
}

T_RUN(T_CASE(primary_hands_out_free_secondary_only_backup),
      T_CASE(first_lease_capped_at_mclt_renewal_gets_full_time), T_CASE(mclt_rule),
      T_CASE(load_balancing_splits_clients_by_hash), T_CASE(partner_down_serves_everything),
      T_CASE(silent_unless_serving),
      T_CASE(primary_answers_partners_clients_when_it_has_nothing))
