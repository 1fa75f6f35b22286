/* The decision core as a pure function: a request in, a reply out. */
#include <stdlib.h>
#include <time.h>
#include "t.h"
#include "pkt.h"
#include "conf/config.h"
#include "core/engine.h"

#define SRV IP4(198, 18, 0, 1)
#define RELAY IP4(198, 18, 0, 2)	/* a relay's source address */

static const char base_ini[] =
	"[Settings]\n"
	"IPPOOL_1=198.18.0.10-12\n"
	"IPBIND_1=198.18.0.1\n"
	"AssociateBindsToPools=1\n"
	"[GENERAL]\n"
	"LEASETIME=3600\n"
	"SUBNETMASK=255.255.255.0\n"
	"ROUTER_0=198.18.0.1\n"
	"DNS_0=198.18.0.53\n"
	"[SUBNET:198.18.4.0/24]\n"
	"IPPOOL_1=198.18.4.10-20\n"
	"ROUTER_0=198.18.4.1\n"
	"[02-00-00-00-00-55]\n"
	"IPADDR=198.18.0.200\n"
	"Hostname=printer\n"
	"[DUODHCP]\n"
	"Journal=/nonexistent/journal\n"
	"DeclineTime=600\n";

struct fx {
	struct config *cfg;
	struct lease_table *t;
	struct engine e;
	struct engine_in in;
	struct dhcp_msg m;
	struct engine_result r;
};

static struct fx *setup_ini(const char *ini);

static struct fx *setup(const char *extra)
{
	char ini[4096];
	snprintf(ini, sizeof ini, "%s%s", base_ini, extra);
	return setup_ini(ini);
}

static struct fx *setup_ini(const char *ini)
{
	struct fx *f = calloc(1, sizeof *f);
	f->cfg = config_parse("test.ini", ini, strlen(ini), stderr);
	if (!f->cfg) {
		fprintf(stderr, "config did not parse\n");
		exit(1);
	}
	f->t = lease_table_new();
	engine_set_config(&f->e, f->cfg, f->t);
	f->in = (struct engine_in){ .now = 1700000000, .mono_ms = 1000,
				    .link = &f->cfg->subnets[0], .local_addr = SRV,
				    .src_addr = RELAY };
	for (size_t i = 0; i < f->cfg->nsubnets; i++)
		if (f->cfg->subnets[i].bind_addr == SRV)
			f->in.link = &f->cfg->subnets[i];
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

static const uint8_t *reply_opt(const struct engine_result *r, uint8_t code, size_t *len)
{
	for (size_t i = 0; i < r->out.nopts; i++)
		if (r->out.opts[i].code == code) {
			*len = r->out.opts[i].len;
			return r->out.opts[i].data;
		}
	return NULL;
}

/* DISCOVER then REQUEST; returns the address ACKed, or 0. */
static uint32_t dora(struct fx *f, uint8_t mac)
{
	struct tpkt p;
	tp_init(&p, DHCPDISCOVER, mac);
	struct engine_result *r = run(f, &p);
	if (reply_type(r) != DHCPOFFER)
		return 0;
	uint32_t a = r->out.yiaddr;
	tp_init(&p, DHCPREQUEST, mac);
	tp_opt_ip(&p, DO_SERVER_ID, SRV);
	tp_opt_ip(&p, DO_REQUESTED_IP, a);
	r = run(f, &p);
	return reply_type(r) == DHCPACK ? r->out.yiaddr : 0;
}

TEST(discover_gets_offer)
{
	struct fx *f = setup("");
	struct tpkt p;
	tp_init(&p, DHCPDISCOVER, 1);
	uint8_t prl[] = { DO_DNS, DO_ROUTER, DO_SUBNET_MASK };
	tp_opt(&p, DO_PARAM_LIST, prl, sizeof prl);
	struct engine_result *r = run(f, &p);
	CHECK_EQ(reply_type(r), DHCPOFFER);
	CHECK_EQ(r->out.yiaddr, IP4(198, 18, 0, 10));
	CHECK_EQ(r->dest, DEST_HWADDR);
	CHECK(!r->wait_sync);
	CHECK_EQ(r->ndirty, 0);		/* offers are not journalled */
	/* 53 and 54 first; then lease times; PRL order for the rest. */
	CHECK_EQ(r->out.opts[0].code, DO_MSG_TYPE);
	CHECK_EQ(r->out.opts[1].code, DO_SERVER_ID);
	size_t i = 2;
	while (i < r->out.nopts && r->out.opts[i].code != DO_SUBNET_MASK)
		i++;
	CHECK(i + 2 < r->out.nopts);
	CHECK_EQ(r->out.opts[i + 1].code, DO_DNS);
	CHECK_EQ(r->out.opts[i + 2].code, DO_ROUTER);
	size_t n;
	const uint8_t *v = reply_opt(r, DO_LEASE_TIME, &n);
	CHECK(v && n == 4 && v[2] == 0x0e && v[3] == 0x10);
	v = reply_opt(r, DO_T1, &n);
	CHECK(v && v[2] == 0x07 && v[3] == 0x08);		/* 1800 */
	v = reply_opt(r, DO_T2, &n);
	CHECK(v && v[2] == 0x0c && v[3] == 0x4e);		/* 3150 */
	teardown(f);
}

TEST(request_selecting_acks_after_journal)
{
	struct fx *f = setup("");
	CHECK_EQ(dora(f, 1), IP4(198, 18, 0, 10));
	CHECK(f->r.wait_sync);
	CHECK_EQ(f->r.ndirty, 1);
	CHECK_EQ(f->r.dirty[0]->state, LEASE_ACTIVE);
	CHECK_EQ(f->r.dirty[0]->end, f->in.now + 3600);
	/* A second client gets the next address. */
	CHECK_EQ(dora(f, 2), IP4(198, 18, 0, 11));
	teardown(f);
}

TEST(selecting_other_server_is_silent)
{
	struct fx *f = setup("");
	struct tpkt p;
	tp_init(&p, DHCPDISCOVER, 1);
	run(f, &p);
	tp_init(&p, DHCPREQUEST, 1);
	tp_opt_ip(&p, DO_SERVER_ID, IP4(198, 18, 0, 2));
	tp_opt_ip(&p, DO_REQUESTED_IP, IP4(198, 18, 1, 50));
	CHECK_EQ(run(f, &p)->dest, DEST_NONE);
	/* Our offer was released: the pool of three serves three others. */
	CHECK(dora(f, 2) != 0);
	CHECK(dora(f, 3) != 0);
	CHECK(dora(f, 4) != 0);
	teardown(f);
}

TEST(init_reboot_wrong_network_naks)
{
	struct fx *f = setup("");
	struct tpkt p;
	tp_init(&p, DHCPREQUEST, 1);
	tp_opt_ip(&p, DO_REQUESTED_IP, IP4(198, 18, 9, 9));
	struct engine_result *r = run(f, &p);
	CHECK_EQ(reply_type(r), DHCPNAK);
	CHECK_EQ(r->dest, DEST_BROADCAST);
	CHECK_EQ(r->out.yiaddr, 0);
	teardown(f);
}

TEST(renew_from_wrong_network_naks)
{
	struct fx *f = setup("");
	struct tpkt p;
	tp_init(&p, DHCPREQUEST, 1);
	tp_ciaddr(&p, IP4(198, 18, 9, 9));
	struct engine_result *r = run(f, &p);
	CHECK_EQ(reply_type(r), DHCPNAK);
	teardown(f);
}

TEST(init_reboot_unknown_client)
{
	/* Not authoritative: no record of the client means silence. */
	struct fx *f = setup("");
	struct tpkt p;
	tp_init(&p, DHCPREQUEST, 1);
	tp_opt_ip(&p, DO_REQUESTED_IP, IP4(198, 18, 0, 11));
	CHECK_EQ(run(f, &p)->dest, DEST_NONE);
	tp_init(&p, DHCPREQUEST, 1);
	tp_opt_ip(&p, DO_REQUESTED_IP, IP4(198, 18, 0, 99));	/* partner's range */
	CHECK_EQ(run(f, &p)->dest, DEST_NONE);
	teardown(f);
}

TEST(init_reboot_known_client_acked)
{
	struct fx *f = setup("");
	uint32_t a = dora(f, 1);
	struct tpkt p;
	tp_init(&p, DHCPREQUEST, 1);
	tp_opt_ip(&p, DO_REQUESTED_IP, a);
	struct engine_result *r = run(f, &p);
	CHECK_EQ(reply_type(r), DHCPACK);
	CHECK_EQ(r->out.yiaddr, a);
	/* Another client asking for it is NAKed: the address is in use. */
	tp_init(&p, DHCPREQUEST, 2);
	tp_opt_ip(&p, DO_REQUESTED_IP, a);
	CHECK_EQ(reply_type(run(f, &p)), DHCPNAK);
	teardown(f);
}

TEST(renew_and_rebind)
{
	struct fx *f = setup("");
	uint32_t a = dora(f, 1);
	f->in.now += 1800;
	struct tpkt p;
	tp_init(&p, DHCPREQUEST, 1);
	tp_ciaddr(&p, a);
	struct engine_result *r = run(f, &p);
	CHECK_EQ(reply_type(r), DHCPACK);
	CHECK_EQ(r->dest, DEST_CIADDR);
	CHECK_EQ(r->dest_addr, a);
	CHECK_EQ(r->dirty[0]->end, f->in.now + 3600);
	/* A renewal for an address we have no record of: silence. */
	tp_init(&p, DHCPREQUEST, 3);
	tp_ciaddr(&p, IP4(198, 18, 0, 150));
	CHECK_EQ(run(f, &p)->dest, DEST_NONE);
	teardown(f);
}

TEST(returning_client_gets_same_address)
{
	struct fx *f = setup("");
	uint32_t a = dora(f, 1);
	struct tpkt p;
	tp_init(&p, DHCPRELEASE, 1);
	tp_ciaddr(&p, a);
	tp_opt_ip(&p, DO_SERVER_ID, SRV);
	struct engine_result *r = run(f, &p);
	CHECK_EQ(r->dest, DEST_NONE);
	CHECK_EQ(r->ndirty, 1);
	CHECK_EQ(r->dirty[0]->state, LEASE_RELEASED);
	CHECK_EQ(dora(f, 2), IP4(198, 18, 0, 11));	/* never-used first */
	CHECK_EQ(dora(f, 1), a);
	teardown(f);
}

/* A client holding many bindings in the subnet (say, an imported lease
 * file): the new one and every release reach the journal, none dropped. */
TEST(every_change_of_a_binding_is_journalled)
{
	struct fx *f = setup("");
	for (uint32_t i = 0; i < ENGINE_CLIENT_LEASES; i++) {
		struct lease rec = { .addr = IP4(198, 18, 0, 100) + i, .state = LEASE_ACTIVE,
				     .htype = 1, .hlen = 6, .start = f->in.now - 100,
				     .end = f->in.now + 1000 + i };
		rec.hw[0] = 2;
		rec.hw[5] = 1;
		CHECK(lease_upsert(f->t, &rec) != NULL);
	}
	uint32_t a = dora(f, 1);
	CHECK(a != 0);
	/* The pool's address, outside the old ones: all of them released. */
	CHECK_EQ(f->r.ndirty, ENGINE_DIRTY_MAX);
	size_t active = 0, released = 0, acked = 0;
	for (size_t i = 0; i < f->r.ndirty; i++) {
		active += f->r.dirty[i]->state == LEASE_ACTIVE;
		released += f->r.dirty[i]->state == LEASE_RELEASED;
		acked += f->r.dirty[i]->addr == a;
	}
	CHECK_EQ(active, 1);
	CHECK_EQ(released, ENGINE_CLIENT_LEASES);
	CHECK_EQ(acked, 1);
	teardown(f);
}

/* The base configuration plus n client sections with names but no
 * address (hardware 04:00:00:xx:xx:xx), built directly. */
static struct fx *setup_many_hosts(size_t n)
{
	struct fx *f = setup("");
	struct cfg_host *h = realloc(f->cfg->hosts, (f->cfg->nhosts + n) * sizeof *h);
	if (!h)
		exit(1);
	for (size_t i = 0; i < n; i++) {
		struct cfg_host *x = &h[f->cfg->nhosts + i];
		*x = (struct cfg_host){ .htype = 1, .hlen = 6, .hw = { 4, 0, 0, (uint8_t)(i >> 16),
								       (uint8_t)(i >> 8), (uint8_t)i } };
		snprintf(x->hostname, sizeof x->hostname, "host%zu", i);
	}
	f->cfg->hosts = h;
	f->cfg->nhosts += n;
	engine_set_config(&f->e, f->cfg, f->t);
	return f;
}

/* DISCOVERs from clients with no section: the lookup misses every time,
 * the case the old linear search paid most for.  Nanoseconds each. */
static double discover_ns(struct fx *f, int rounds)
{
	struct tpkt p;
	tp_init(&p, DHCPDISCOVER, 7);
	tp_end(&p);
	const char *why;
	if (dhcp_decode(&f->m, p.b, p.len, &why) < 0)
		exit(1);
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (int i = 0; i < rounds; i++)
		engine_handle(&f->e, &f->m, &f->in, &f->r);
	clock_gettime(CLOCK_MONOTONIC, &b);
	return ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / rounds;
}

/* 100,000 reservations: every one found by its hardware address, an
 * unknown one not, a reserved client gets its name; the cost of a
 * DISCOVER beside that of a server with one reservation is printed (a
 * figure, not a pass condition). */
TEST(hundred_thousand_reservations)
{
	enum { N = 100000 };
	struct fx *f = setup_many_hosts(N);
	int missing = 0;
	for (size_t i = 0; i < N; i += 7) {
		uint8_t hw[6] = { 4, 0, 0, (uint8_t)(i >> 16), (uint8_t)(i >> 8), (uint8_t)i };
		const struct cfg_host *h = engine_host_for(&f->e, 1, hw, 6);
		char want[16];
		snprintf(want, sizeof want, "host%zu", i);
		missing += !h || strcmp(h->hostname, want) != 0;
	}
	CHECK_EQ(missing, 0);
	uint8_t other[6] = { 4, 0, 1, 0, 0, 0 };
	CHECK(engine_host_for(&f->e, 1, other, 6) == NULL);
	CHECK(engine_host_for(&f->e, 6, (uint8_t[6]){ 4, 0, 0, 0, 0, 5 }, 6) == NULL);
	/* The base file's own section is still found. */
	uint8_t printer[6] = { 2, 0, 0, 0, 0, 0x55 };
	const struct cfg_host *ph = engine_host_for(&f->e, 1, printer, 6);
	CHECK(ph && ph->addr == IP4(198, 18, 0, 200));

	struct fx *one = setup("");
	double base = discover_ns(one, 20000), many = discover_ns(f, 20000);
	printf("# DISCOVER: %.0f ns with 1 reservation, %.0f ns with %d (x%.2f)\n", base, many,
	       N + 1, many / base);
	teardown(one);
	teardown(f);
}

TEST(reservation)
{
	struct fx *f = setup("");
	struct tpkt p;
	tp_init(&p, DHCPDISCOVER, 0x55);
	uint8_t prl[] = { DO_HOSTNAME };
	tp_opt(&p, DO_PARAM_LIST, prl, 1);
	struct engine_result *r = run(f, &p);
	CHECK_EQ(r->out.yiaddr, IP4(198, 18, 0, 200));
	size_t n;
	const uint8_t *v = reply_opt(r, DO_HOSTNAME, &n);
	CHECK(v && n == 7 && memcmp(v, "printer", 7) == 0);
	CHECK_EQ(dora(f, 0x55), IP4(198, 18, 0, 200));
	CHECK_STR(f->r.dirty[0]->hostname, "printer");
	teardown(f);
}

TEST(decline_quarantines)
{
	struct fx *f = setup("");
	uint32_t a = dora(f, 1);
	struct tpkt p;
	tp_init(&p, DHCPDECLINE, 1);
	tp_opt_ip(&p, DO_REQUESTED_IP, a);
	tp_opt_ip(&p, DO_SERVER_ID, SRV);
	struct engine_result *r = run(f, &p);
	CHECK_EQ(r->dest, DEST_NONE);
	CHECK_EQ(r->ndirty, 1);
	CHECK_EQ(r->dirty[0]->state, LEASE_ABANDONED);
	CHECK_EQ(r->dirty[0]->end, f->in.now + 600);
	/* Neither the decliner nor anyone else is offered it. */
	CHECK(dora(f, 1) != a);
	CHECK(dora(f, 2) != a);
	CHECK_EQ(dora(f, 3), 0);	/* pool of three: exhausted */
	/* After the quarantine it is usable again. */
	lease_expire(f->t, f->in.now + 601);
	CHECK_EQ(dora(f, 3), a);
	teardown(f);
}

/* RFC 2131 4.3.3: a DECLINE names the server it answers.  One without a
 * server identifier is ignored and counted; the address stays leased. */
TEST(decline_without_server_id_ignored)
{
	struct fx *f = setup("");
	uint32_t a = dora(f, 1);
	uint64_t before = f->e.st.drop_not_ours;
	struct tpkt p;
	tp_init(&p, DHCPDECLINE, 1);
	tp_opt_ip(&p, DO_REQUESTED_IP, a);
	struct engine_result *r = run(f, &p);
	CHECK_EQ(r->dest, DEST_NONE);
	CHECK_EQ(r->ndirty, 0);
	CHECK(r->notable);
	CHECK_EQ(f->e.st.drop_not_ours, before + 1);
	CHECK_EQ(f->e.st.declines, 0);
	CHECK_EQ(lease_find(f->t, a)->state, LEASE_ACTIVE);
	teardown(f);
}

/* A DISCOVER's ciaddr is 0 (RFC 2131 table 5); one that carries an
 * address anyway still gets its OFFER broadcast or to its MAC, never
 * sent to that address. */
TEST(discover_ciaddr_ignored_for_delivery)
{
	struct fx *f = setup("");
	struct tpkt p;
	tp_init(&p, DHCPDISCOVER, 5);
	tp_ciaddr(&p, IP4(255, 255, 255, 255));
	struct engine_result *r = run(f, &p);
	CHECK_EQ(reply_type(r), DHCPOFFER);
	CHECK_EQ(r->dest, DEST_HWADDR);
	CHECK_EQ(r->dest_addr, r->out.yiaddr);
	tp_init(&p, DHCPDISCOVER, 6);
	tp_ciaddr(&p, IP4(198, 18, 0, 11));
	tp_flags(&p, DHCP_BROADCAST_FLAG);
	CHECK_EQ(run(f, &p)->dest, DEST_BROADCAST);
	teardown(f);
}

/* RFC 5107: a relay's server identifier override (option 82 sub-option
 * 11) is our identifier in the replies through it, and a REQUEST naming
 * it is ours. */
TEST(server_id_override_from_relay)
{
	struct fx *f = setup("");
	f->in.link = NULL;
	const uint32_t relay = IP4(198, 18, 4, 1), ovr = IP4(198, 18, 4, 2);
	const uint8_t rai[] = { RAI_CIRCUIT_ID, 2, 0, 7, RAI_SERVER_ID_OVERRIDE, 4,
				198, 18, 4, 2 };
	struct tpkt p;
	tp_init(&p, DHCPDISCOVER, 30);
	tp_giaddr(&p, relay);
	tp_opt(&p, DO_RELAY_INFO, rai, sizeof rai);
	struct engine_result *r = run(f, &p);
	CHECK_EQ(reply_type(r), DHCPOFFER);
	size_t n;
	const uint8_t *sid = reply_opt(r, DO_SERVER_ID, &n);
	CHECK(sid && n == 4 && memcmp(sid, rai + 6, 4) == 0);
	uint32_t a = r->out.yiaddr;
	tp_init(&p, DHCPREQUEST, 30);
	tp_giaddr(&p, relay);
	tp_opt(&p, DO_RELAY_INFO, rai, sizeof rai);
	tp_opt_ip(&p, DO_SERVER_ID, ovr);
	tp_opt_ip(&p, DO_REQUESTED_IP, a);
	r = run(f, &p);
	CHECK_EQ(reply_type(r), DHCPACK);
	CHECK_EQ(r->dest, DEST_RELAY);
	CHECK_EQ(r->dest_addr, relay);
	/* Without the sub-option, the same REQUEST names another server. */
	tp_init(&p, DHCPREQUEST, 31);
	tp_giaddr(&p, relay);
	tp_opt_ip(&p, DO_SERVER_ID, ovr);
	tp_opt_ip(&p, DO_REQUESTED_IP, a);
	CHECK_EQ(run(f, &p)->dest, DEST_NONE);
	teardown(f);
}

static uint32_t reply_u32(const struct engine_result *r, uint8_t code)
{
	size_t n;
	const uint8_t *v = reply_opt(r, code, &n);
	return v && n == 4 ? (uint32_t)v[0] << 24 | (uint32_t)v[1] << 16 |
			     (uint32_t)v[2] << 8 | v[3] : 0;
}

/* DISCOVER asking for lease time ask (0: none); the OFFER's option 51. */
static struct engine_result *offer_asking(struct fx *f, uint8_t mac, uint32_t ask)
{
	struct tpkt p;
	tp_init(&p, DHCPDISCOVER, mac);
	if (ask)
		tp_opt_ip(&p, DO_LEASE_TIME, ask);
	return run(f, &p);
}

/* T1/T2 in seconds, exactly (999 stays 999), and a requested lease time
 * honoured only within MinLeaseTime..MaxLeaseTime (issue 13). */
TEST(timers_in_seconds_and_requested_time)
{
	struct fx *f = setup_ini("[Settings]\nIPPOOL_1=198.18.0.10-12\nIPBIND_1=198.18.0.1\n"
				 "AssociateBindsToPools=1\n[GENERAL]\nLEASETIME=3600\n"
				 "SUBNETMASK=255.255.255.0\nT1=999\nT2=2999\nMinLeaseTime=600\n"
				 "MaxLeaseTime=7200\n[DUODHCP]\nJournal=/nonexistent/journal\n");
	struct engine_result *r = offer_asking(f, 1, 0);
	CHECK_EQ(reply_u32(r, DO_LEASE_TIME), 3600);
	CHECK_EQ(reply_u32(r, DO_T1), 999);
	CHECK_EQ(reply_u32(r, DO_T2), 2999);
	CHECK_EQ(reply_u32(offer_asking(f, 2, 60), DO_LEASE_TIME), 600);
	CHECK_EQ(reply_u32(offer_asking(f, 2, 1800), DO_LEASE_TIME), 1800);
	r = offer_asking(f, 2, 100000);
	CHECK_EQ(reply_u32(r, DO_LEASE_TIME), 7200);
	CHECK_EQ(reply_u32(r, DO_T1), 999);
	/* A lease shorter than T2: the defaults for it, in order. */
	r = offer_asking(f, 2, 600);
	CHECK_EQ(reply_u32(r, DO_T2), 525);
	CHECK_EQ(reply_u32(r, DO_T1), 300);
	teardown(f);
	/* No bounds: the request changes nothing (dhcpsrv's behaviour). */
	f = setup("");
	CHECK_EQ(reply_u32(offer_asking(f, 3, 60), DO_LEASE_TIME), 3600);
	CHECK_EQ(reply_u32(offer_asking(f, 3, 60), DO_T1), 1800);
	teardown(f);
}

TEST(inform_gets_options_only)
{
	struct fx *f = setup("");
	struct tpkt p;
	tp_init(&p, DHCPINFORM, 9);
	tp_ciaddr(&p, IP4(198, 18, 0, 77));
	struct engine_result *r = run(f, &p);
	CHECK_EQ(reply_type(r), DHCPACK);
	CHECK_EQ(r->out.yiaddr, 0);
	CHECK_EQ(r->dest, DEST_CIADDR);
	size_t n;
	CHECK(reply_opt(r, DO_LEASE_TIME, &n) == NULL);
	CHECK(reply_opt(r, DO_ROUTER, &n) != NULL);
	CHECK(!r->wait_sync);
	CHECK_EQ(r->ndirty, 0);
	teardown(f);
}

/* An INFORM without ciaddr is dropped and counted as having no link
 * (RFC 2131 4.4.3), as ISC dhcpd and Kea do: no broadcast ACK. */
TEST(inform_without_ciaddr_dropped)
{
	struct fx *f = setup("");
	struct tpkt p;
	uint64_t before = f->e.st.drop_no_subnet;
	tp_init(&p, DHCPINFORM, 9);
	CHECK_EQ(run(f, &p)->dest, DEST_NONE);
	CHECK_EQ(f->e.st.drop_no_subnet, before + 1);
	teardown(f);
}

/* An INFORM naming an address off the link gets nothing (the reply would
 * go there). */
TEST(inform_from_another_network_dropped)
{
	struct fx *f = setup("");
	struct tpkt p;
	uint64_t before = f->e.st.drop_no_subnet;
	tp_init(&p, DHCPINFORM, 9);
	tp_ciaddr(&p, IP4(198, 19, 7, 7));
	CHECK_EQ(run(f, &p)->dest, DEST_NONE);
	CHECK_EQ(f->e.st.drop_no_subnet, before + 1);
	teardown(f);
}

/* A giaddr no relay can have is dropped and counted as malformed: the
 * reply would go to port 67 of a broadcast, multicast or loopback
 * address. */
TEST(impossible_giaddr_dropped)
{
	struct fx *f = setup("");
	f->in.link = NULL;
	const uint32_t bad[] = { IP4(198, 18, 4, 255), IP4(198, 18, 4, 0), IP4(198, 18, 0, 255),
				 IP4(255, 255, 255, 255), IP4(224, 0, 0, 9), IP4(127, 0, 0, 1),
				 IP4(0, 1, 2, 3), IP4(240, 0, 0, 1) };
	struct tpkt p;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		uint64_t before = f->e.st.drop_malformed;
		tp_init(&p, DHCPDISCOVER, (uint8_t)(20 + i));
		tp_giaddr(&p, bad[i]);
		CHECK_EQ(run(f, &p)->dest, DEST_NONE);
		CHECK_EQ(f->e.st.drop_malformed, before + 1);
	}
	/* A relay's own address on that network is fine. */
	tp_init(&p, DHCPDISCOVER, 40);
	tp_giaddr(&p, IP4(198, 18, 4, 1));
	CHECK_EQ(reply_type(run(f, &p)), DHCPOFFER);
	teardown(f);
}

TEST(relayed_request_uses_giaddr_subnet)
{
	struct fx *f = setup("");
	f->in.link = NULL;
	struct tpkt p;
	tp_init(&p, DHCPDISCOVER, 4);
	tp_giaddr(&p, IP4(198, 18, 4, 1));
	uint8_t rai[] = { RAI_CIRCUIT_ID, 3, 'e', 't', '0' };
	tp_opt(&p, DO_RELAY_INFO, rai, sizeof rai);
	uint8_t cid[] = { 1, 2, 0, 0, 0, 0, 4 };
	tp_opt(&p, DO_CLIENT_ID, cid, sizeof cid);
	struct engine_result *r = run(f, &p);
	CHECK_EQ(reply_type(r), DHCPOFFER);
	CHECK_EQ(r->out.yiaddr, IP4(198, 18, 4, 10));
	CHECK_EQ(r->dest, DEST_RELAY);
	CHECK_EQ(r->dest_addr, IP4(198, 18, 4, 1));
	size_t n;
	const uint8_t *v = reply_opt(r, DO_RELAY_INFO, &n);
	CHECK(v && n == sizeof rai && memcmp(v, rai, n) == 0);
	CHECK_EQ(r->out.opts[r->out.nopts - 1].code, DO_RELAY_INFO);	/* last */
	v = reply_opt(r, DO_CLIENT_ID, &n);				/* RFC 6842 */
	CHECK(v && n == sizeof cid);
	v = reply_opt(r, DO_ROUTER, &n);
	CHECK(v && v[2] == 4 && v[3] == 1);
	/* RFC 3527 link selection overrides giaddr. */
	tp_init(&p, DHCPDISCOVER, 5);
	tp_giaddr(&p, IP4(198, 18, 7, 1));
	uint8_t ls[] = { RAI_LINK_SELECTION, 4, 198, 18, 4, 0 };
	tp_opt(&p, DO_RELAY_INFO, ls, sizeof ls);
	r = run(f, &p);
	CHECK_EQ(reply_type(r), DHCPOFFER);
	CHECK_EQ(r->out.yiaddr >> 8, IP4(198, 18, 4, 0) >> 8);
	/* Unknown relay network: dropped and counted. */
	uint64_t before = f->e.st.drop_no_subnet;
	tp_init(&p, DHCPDISCOVER, 6);
	tp_giaddr(&p, IP4(198, 19, 0, 1));
	CHECK_EQ(run(f, &p)->dest, DEST_NONE);
	CHECK_EQ(f->e.st.drop_no_subnet, before + 1);
	teardown(f);
}

static struct engine_result *relayed(struct fx *f, uint8_t n, uint32_t giaddr, uint32_t link)
{
	struct tpkt p;
	tp_init(&p, DHCPDISCOVER, n);
	tp_giaddr(&p, giaddr);
	uint8_t ls[] = { RAI_LINK_SELECTION, 4, link >> 24, link >> 16, link >> 8, link };
	if (link)
		tp_opt(&p, DO_RELAY_INFO, ls, sizeof ls);
	return run(f, &p);
}

/* A relayed request is served only from a relay's address: never from
 * 0.0.0.0 (a client's source), and with TrustedRelays only from one
 * listed, whatever the giaddr says. */
TEST(relay_trust)
{
	struct fx *f = setup("");
	f->in.src_addr = 0;
	CHECK_EQ(relayed(f, 1, IP4(198, 18, 4, 1), IP4(198, 18, 4, 0))->dest, DEST_NONE);
	CHECK_EQ(f->e.st.drop_relay, 1);
	f->in.src_addr = IP4(198, 18, 0, 99);		/* any relay, with no list */
	CHECK_EQ(reply_type(relayed(f, 1, IP4(198, 18, 4, 1), 0)), DHCPOFFER);
	teardown(f);

	f = setup("TrustedRelays=198.18.0.2,198.18.8.0/24\n");
	CHECK_EQ(reply_type(relayed(f, 2, IP4(198, 18, 4, 1), 0)), DHCPOFFER);
	f->in.src_addr = IP4(198, 18, 8, 7);
	CHECK_EQ(reply_type(relayed(f, 3, IP4(198, 18, 4, 1), 0)), DHCPOFFER);
	/* A LAN host writing a trusted relay's address into giaddr. */
	f->in.src_addr = IP4(198, 18, 0, 99);
	CHECK_EQ(relayed(f, 4, IP4(198, 18, 0, 2), IP4(198, 18, 4, 0))->dest, DEST_NONE);
	CHECK_EQ(relayed(f, 5, IP4(198, 18, 4, 1), 0)->dest, DEST_NONE);
	CHECK_EQ(f->e.st.drop_relay, 2);
	CHECK(f->r.notable);
	/* Its own requests, not relayed, are served as ever. */
	struct tpkt p;
	tp_init(&p, DHCPDISCOVER, 6);
	CHECK_EQ(run(f, &p)->out.yiaddr >> 8, IP4(198, 18, 0, 0) >> 8);
	teardown(f);
}

/* LinkSelection=off: the subnet is giaddr's, sub-option 5 or not. */
TEST(link_selection_off)
{
	struct fx *f = setup("LinkSelection=off\n");
	uint64_t before = f->e.st.drop_no_subnet;
	CHECK_EQ(relayed(f, 1, IP4(198, 18, 7, 1), IP4(198, 18, 4, 0))->dest, DEST_NONE);
	CHECK_EQ(f->e.st.drop_no_subnet, before + 1);
	struct engine_result *r = relayed(f, 2, IP4(198, 18, 4, 1), IP4(198, 18, 0, 0));
	CHECK_EQ(reply_type(r), DHCPOFFER);
	CHECK_EQ(r->out.yiaddr >> 8, IP4(198, 18, 4, 0) >> 8);
	teardown(f);
	/* The default honours it from a relay: the same request gets the
	 * link it names. */
	f = setup("");
	r = relayed(f, 2, IP4(198, 18, 4, 1), IP4(198, 18, 0, 0));
	CHECK_EQ(r->out.yiaddr >> 8, IP4(198, 18, 0, 0) >> 8);
	teardown(f);
}

TEST(broadcast_flag_and_client_id)
{
	struct fx *f = setup("");
	struct tpkt p;
	tp_init(&p, DHCPDISCOVER, 1);
	tp_flags(&p, DHCP_BROADCAST_FLAG);
	CHECK_EQ(run(f, &p)->dest, DEST_BROADCAST);
	/* The same MAC with a client identifier is a different client. */
	uint32_t a = dora(f, 1);
	tp_init(&p, DHCPDISCOVER, 1);
	uint8_t cid[] = { 0, 'x' };
	tp_opt(&p, DO_CLIENT_ID, cid, 2);
	CHECK(run(f, &p)->out.yiaddr != a);
	teardown(f);
}

TEST(pool_exhaustion_then_longest_expired)
{
	struct fx *f = setup("");
	uint32_t a1 = dora(f, 1);
	f->in.now += 10;
	uint32_t a2 = dora(f, 2);
	uint32_t a3 = dora(f, 3);
	CHECK(a1 && a2 && a3);
	CHECK_EQ(dora(f, 4), 0);
	CHECK(f->e.st.pool_exhausted > 0);
	f->in.now += 4000;
	f->in.mono_ms += 4000 * 1000;
	lease_expire(f->t, f->in.now);
	CHECK_EQ(dora(f, 4), a1);	/* the one that expired first */
	teardown(f);
}

TEST(authoritative_recovers_or_naks)
{
	struct fx *f = setup("Authoritative=1\n");
	struct tpkt p;
	tp_init(&p, DHCPREQUEST, 1);
	tp_opt_ip(&p, DO_REQUESTED_IP, IP4(198, 18, 0, 11));
	CHECK_EQ(reply_type(run(f, &p)), DHCPACK);
	tp_init(&p, DHCPREQUEST, 2);
	tp_opt_ip(&p, DO_REQUESTED_IP, IP4(198, 18, 0, 99));
	CHECK_EQ(reply_type(run(f, &p)), DHCPNAK);
	teardown(f);
}

TEST(maxlen_honours_option_57)
{
	struct fx *f = setup("");
	struct tpkt p;
	tp_init(&p, DHCPDISCOVER, 1);
	CHECK_EQ(run(f, &p)->maxlen, DHCP_MIN_MAX);
	tp_init(&p, DHCPDISCOVER, 1);
	uint8_t mms[] = { 0x05, 0xdc };		/* 1500 */
	tp_opt(&p, DO_MAX_SIZE, mms, 2);
	CHECK_EQ(run(f, &p)->maxlen, 1472);
	teardown(f);
}

static uint32_t offered_secs(const struct engine_result *r)
{
	size_t n;
	const uint8_t *v = reply_opt(r, DO_LEASE_TIME, &n);
	return v && n == 4 ? (uint32_t)v[0] << 24 | v[1] << 16 | v[2] << 8 | v[3] : 0;
}

/* A policy as failover will bring one: owns the even addresses only and
 * caps every lease at a minute. */
static bool owns_even(void *arg, uint32_t addr, const struct lease *l)
{
	(void)l;
	++*(int *)arg;
	return (addr & 1) == 0;
}

static uint32_t cap_minute(void *arg, const struct lease *l, uint32_t secs, int64_t now)
{
	(void)arg, (void)l, (void)now;
	return secs < 60 ? secs : 60;
}

TEST(policy_decides_ownership_and_lease_time)
{
	struct fx *f = setup("");
	int asked = 0;
	f->e.policy = (struct engine_policy){ .owns = owns_even, .lease_time = cap_minute,
					      .arg = &asked };
	CHECK_EQ(dora(f, 1), IP4(198, 18, 0, 10));
	CHECK_EQ(dora(f, 2), IP4(198, 18, 0, 12));	/* .11 is not ours */
	CHECK(asked > 0);
	struct tpkt p;
	tp_init(&p, DHCPDISCOVER, 3);
	struct engine_result *r = run(f, &p);
	CHECK_EQ(reply_type(r), 0);			/* .11 never offered */
	CHECK_EQ(f->e.st.pool_exhausted, 1);
	tp_init(&p, DHCPDISCOVER, 4);
	tp_opt_ip(&p, DO_REQUESTED_IP, IP4(198, 18, 0, 11));
	CHECK_EQ(reply_type(run(f, &p)), 0);		/* nor when asked for */
	tp_init(&p, DHCPDISCOVER, 1);
	r = run(f, &p);
	CHECK_EQ(offered_secs(r), 60);
	struct lease *l = lease_find(f->t, IP4(198, 18, 0, 10));
	CHECK(l && l->end == f->in.now + 60);
	teardown(f);
}

/* Without a policy: a partner's lease (split scope) and an address held
 * for a failover backup are not ours; a policy that owns BACKUP (the
 * secondary's) hands it out. */
static bool owns_backup(void *arg, uint32_t addr, const struct lease *l)
{
	(void)arg, (void)addr;
	return l && (l->state == LEASE_BACKUP || l->state == LEASE_ACTIVE);
}

TEST(default_policy_leaves_partner_and_backup_addresses)
{
	struct fx *f = setup("");
	struct lease partner = { .addr = IP4(198, 18, 0, 10), .state = LEASE_ACTIVE,
				 .flags = LEASE_F_PARTNER, .htype = 1, .hlen = 6,
				 .hw = { 2, 0, 0, 0, 0, 1 }, .end = f->in.now + 600 };
	struct lease backup = { .addr = IP4(198, 18, 0, 11), .state = LEASE_BACKUP };
	CHECK(lease_upsert(f->t, &partner) && lease_upsert(f->t, &backup));
	lease_set_state(f->t, lease_find(f->t, partner.addr), LEASE_ACTIVE, partner.end);
	/* Client 1 holds .10 at the partner: we give it another address. */
	CHECK_EQ(dora(f, 1), IP4(198, 18, 0, 12));
	CHECK(lease_find(f->t, IP4(198, 18, 0, 10))->flags & LEASE_F_PARTNER);
	CHECK_EQ(dora(f, 2), 0);			/* .11 is the backup's */
	struct tpkt p;
	tp_init(&p, DHCPDISCOVER, 2);
	tp_opt_ip(&p, DO_REQUESTED_IP, IP4(198, 18, 0, 11));
	CHECK_EQ(reply_type(run(f, &p)), 0);
	/* A secondary's policy may: it is offered when asked for.  (Picking
	 * BACKUP leases without a request needs a per-pool backup list, with
	 * the failover work.) */
	f->e.policy = (struct engine_policy){ .owns = owns_backup };
	tp_init(&p, DHCPDISCOVER, 2);
	tp_opt_ip(&p, DO_REQUESTED_IP, IP4(198, 18, 0, 11));
	struct engine_result *r = run(f, &p);
	CHECK_EQ(reply_type(r), DHCPOFFER);
	CHECK_EQ(r->out.yiaddr, IP4(198, 18, 0, 11));
	teardown(f);
}

/* A REQUEST from client mac with a hostname (option 12): SELECTING when
 * ciaddr is 0, else RENEWING.  Returns the address ACKed, or 0. */
static uint32_t request_named(struct fx *f, uint8_t mac, uint32_t addr, const char *host,
			      bool renew)
{
	struct tpkt p;
	tp_init(&p, DHCPREQUEST, mac);
	if (renew) {
		tp_ciaddr(&p, addr);
	} else {
		tp_opt_ip(&p, DO_SERVER_ID, SRV);
		tp_opt_ip(&p, DO_REQUESTED_IP, addr);
	}
	tp_opt(&p, DO_HOSTNAME, host, (uint8_t)strlen(host));
	struct engine_result *r = run(f, &p);
	return reply_type(r) == DHCPACK ? r->out.yiaddr : 0;
}

/* named_since: when a binding took its hostname.  A renewal keeps it; a
 * new hostname (another client's, say) starts it again, so that the
 * earliest holder of a name keeps it in the DNS (dns/names.c). */
TEST(renewal_keeps_named_since_and_a_new_name_restarts_it)
{
	struct fx *f = setup("");
	int64_t t0 = f->in.now;
	uint32_t a = dora(f, 1), b = dora(f, 2);
	CHECK(a && b);
	CHECK_EQ(request_named(f, 1, a, "alpha", false), a);
	struct lease *la = lease_find(f->t, a), *lb = lease_find(f->t, b);
	CHECK_EQ(la->named_since, t0);
	f->in.now = t0 + 100;
	CHECK_EQ(request_named(f, 2, b, "bravo", true), b);
	CHECK_EQ(lb->named_since, t0 + 100);
	f->in.now = t0 + 200;
	CHECK_EQ(request_named(f, 1, a, "alpha", true), a);	/* a renewal */
	CHECK_EQ(la->named_since, t0);
	CHECK_EQ(la->start, t0);
	f->in.now = t0 + 300;
	CHECK_EQ(request_named(f, 2, b, "alpha", true), b);	/* takes another's name */
	CHECK_EQ(lb->named_since, t0 + 300);
	CHECK_EQ(lb->start, t0);
	CHECK_STR(lb->hostname, "alpha");
	CHECK(la->named_since < lb->named_since);
	/* A lease of an older journal has none: its start stands in. */
	la->named_since = 0;
	CHECK_EQ(request_named(f, 1, a, "alpha", true), a);
	CHECK_EQ(la->named_since, t0);
	teardown(f);
}


/* PXE and phones (issue 13): classes by vendor class, architecture (RFC
 * 4578 option 93) and relay sub-option, a pool only for phones, and the
 * precedence reservation > class > subnet. */
static const char class_ini[] =
	"[SUBNET:198.18.8.0/24]\nIPPOOL_1=198.18.8.10-15\nPOOLCLASS_1=!phone\n"
	"NEXTSERVER=198.18.0.2\nBOOTFILE=default.0\nSNAME=general\n"
	"IPPOOL_2=198.18.8.100-101\nPOOLCLASS_2=phone\nDNS_0=198.18.8.53\n"
	"[CLASS:uefi]\nMatch_1=vendor-class prefix \"PXEClient\"\nMatch_2=arch = u16:7\n"
	"NEXTSERVER=198.18.0.7\nBOOTFILE=efi/grubx64.efi\nSNAME=efi-server\n"
	"[CLASS:bios]\nMatch_1=vendor-class prefix \"PXEClient\"\nMatch_2=arch = u16:0\n"
	"NEXTSERVER=198.18.0.6\nBOOTFILE=pxelinux.0\n"
	"[CLASS:phone]\nMatchAny=1\nMatch_1=vendor-class contains \"Phone\"\n"
	"Match_2=option:82.2 = \"voip-port\"\nDNS_0=198.18.0.99\nOPTION_66=string:tftp.phones\n"
	"[CLASS:pxe]\nMatch_1=vendor-class prefix \"PXEClient\"\nBOOTFILE=never.0\n"
	"DNS_0=198.18.0.98\n"
	"[02-00-00-00-00-60]\nBOOTFILE=host.efi\nDNS_0=198.18.0.97\n";

static struct engine_result *pxe_discover(struct fx *f, uint8_t mac, uint16_t arch)
{
	struct tpkt p;
	tp_init(&p, DHCPDISCOVER, mac);
	tp_giaddr(&p, IP4(198, 18, 8, 1));
	tp_opt(&p, DO_VENDOR_CLASS, "PXEClient:Arch:00007:UNDI:003016", 32);
	uint8_t a[2] = { (uint8_t)(arch >> 8), (uint8_t)arch };
	tp_opt(&p, 93, a, 2);
	return run(f, &p);
}

static int dns_is(const struct engine_result *r, uint32_t a)
{
	size_t n;
	const uint8_t *v = reply_opt(r, DO_DNS, &n);
	return v && n == 4 && ((uint32_t)v[0] << 24 | (uint32_t)v[1] << 16 | v[2] << 8 | v[3]) == a;
}

TEST(pxe_bios_and_uefi_get_their_boot_files)
{
	struct fx *f = setup(class_ini);
	f->in.link = NULL;
	struct engine_result *r = pxe_discover(f, 0x50, 7);
	CHECK_EQ(reply_type(r), DHCPOFFER);
	CHECK_STR(r->out.file, "efi/grubx64.efi");
	CHECK_EQ(r->out.siaddr, IP4(198, 18, 0, 7));
	CHECK_STR(r->out.sname, "efi-server");
	CHECK(dns_is(r, IP4(198, 18, 0, 98)));		/* class pxe over the subnet */
	r = pxe_discover(f, 0x51, 0);
	CHECK_EQ(reply_type(r), DHCPOFFER);
	CHECK_STR(r->out.file, "pxelinux.0");
	CHECK_EQ(r->out.siaddr, IP4(198, 18, 0, 6));
	CHECK_STR(r->out.sname, "general");		/* no class sets it */
	/* An architecture no class names: the pxe class, later in the file. */
	r = pxe_discover(f, 0x52, 9);
	CHECK_STR(r->out.file, "never.0");
	CHECK_EQ(r->out.siaddr, IP4(198, 18, 0, 2));
	/* A reservation's fields and options win over its classes. */
	r = pxe_discover(f, 0x60, 7);
	CHECK_STR(r->out.file, "host.efi");
	CHECK_EQ(r->out.siaddr, IP4(198, 18, 0, 7));
	CHECK(dns_is(r, IP4(198, 18, 0, 97)));
	/* Not a PXE client: the subnet's own. */
	struct tpkt p;
	tp_init(&p, DHCPDISCOVER, 0x53);
	tp_giaddr(&p, IP4(198, 18, 8, 1));
	r = run(f, &p);
	CHECK_STR(r->out.file, "default.0");
	CHECK_EQ(r->out.siaddr, IP4(198, 18, 0, 2));
	CHECK(dns_is(r, IP4(198, 18, 8, 53)));
	teardown(f);
}

static struct engine_result *phone_discover(struct fx *f, uint8_t mac, bool phone, uint32_t want)
{
	struct tpkt p;
	tp_init(&p, DHCPDISCOVER, mac);
	tp_giaddr(&p, IP4(198, 18, 8, 1));
	if (phone)
		tp_opt(&p, DO_VENDOR_CLASS, "ACME Phone 9", 12);
	if (want)
		tp_opt_ip(&p, DO_REQUESTED_IP, want);
	return run(f, &p);
}

TEST(class_only_pool)
{
	struct fx *f = setup(class_ini);
	f->in.link = NULL;
	struct engine_result *r = phone_discover(f, 0x70, true, IP4(198, 18, 8, 10));
	CHECK_EQ(reply_type(r), DHCPOFFER);
	CHECK_EQ(r->out.yiaddr, IP4(198, 18, 8, 100));	/* not the requested .10 */
	CHECK(dns_is(r, IP4(198, 18, 0, 99)));
	size_t n;
	const uint8_t *v = reply_opt(r, 66, &n);
	CHECK(v && n == 11 && memcmp(v, "tftp.phones", 11) == 0);
	CHECK_EQ(phone_discover(f, 0x71, false, IP4(198, 18, 8, 100))->out.yiaddr,
		 IP4(198, 18, 8, 10));
	for (uint8_t i = 0; i < 5; i++)
		CHECK_EQ(phone_discover(f, 0x72 + i, false, 0)->out.yiaddr,
			 IP4(198, 18, 8, 11 + i));
	/* The non-phone pool is empty; the phones' is not for others. */
	CHECK_EQ(phone_discover(f, 0x77, false, 0)->dest, DEST_NONE);
	/* A relay's remote id (RFC 3046 sub-option 2) makes a phone too. */
	struct tpkt p;
	tp_init(&p, DHCPDISCOVER, 0x78);
	tp_giaddr(&p, IP4(198, 18, 8, 1));
	uint8_t rai[] = { RAI_REMOTE_ID, 9, 'v', 'o', 'i', 'p', '-', 'p', 'o', 'r', 't' };
	tp_opt(&p, DO_RELAY_INFO, rai, sizeof rai);
	CHECK_EQ(run(f, &p)->out.yiaddr, IP4(198, 18, 8, 101));
	/* A non-phone asking for a phone address by INIT-REBOOT is not ours
	 * to give it (silent, not authoritative). */
	tp_init(&p, DHCPREQUEST, 0x79);
	tp_giaddr(&p, IP4(198, 18, 8, 1));
	tp_opt_ip(&p, DO_REQUESTED_IP, IP4(198, 18, 8, 100));
	CHECK_EQ(run(f, &p)->dest, DEST_NONE);
	teardown(f);
}

TEST(sname_keeps_options_out_of_sname)
{
	struct fx *f = setup(class_ini);
	f->in.link = NULL;
	struct engine_result *r = pxe_discover(f, 0x50, 7);
	for (int i = 0; i < 40; i++)		/* more than the options field holds */
		dhcp_out_add(&r->out, (uint8_t)(200 + (i % 50)), "0123456789", 10);
	uint8_t out[DHCP_PKT_MAX];
	unsigned dropped;
	size_t len = dhcp_encode(&r->out, out, DHCP_MIN_MAX, &dropped);
	CHECK(len >= 300);
	CHECK(memcmp(out + 44, "efi-server", 10) == 0);		/* sname as set */
	CHECK(memcmp(out + 108, "efi/grubx64.efi", 15) == 0);	/* file as set */
	CHECK(dropped > 0);					/* no overload */
	teardown(f);
}

/* [CLIENTID:...]: found by option 61 before the MAC section of the same
 * chaddr; without option 61, or with another one, the MAC section still
 * applies.  Both reservations lie outside the pool. */
static const char cid_hosts[] =
	"[CLIENTID:01-02-00-00-00-00-66]\n"
	"IPADDR=198.18.0.201\nHostname=cid-host\nBOOTFILE=cid.efi\nNEXTSERVER=198.18.0.9\n"
	"OPTION_66=string:tftp.cid\n"
	"[CLIENTID:ff0000000100010203]\nIPADDR=198.18.4.201\n"
	"[02-00-00-00-00-66]\nIPADDR=198.18.0.203\nHostname=mac-host\n";

static struct engine_result *discover_cid(struct fx *f, uint8_t mac, const uint8_t *cid,
					  uint8_t len)
{
	struct tpkt p;
	tp_init(&p, DHCPDISCOVER, mac);
	uint8_t prl[] = { DO_HOSTNAME, 66 };
	tp_opt(&p, DO_PARAM_LIST, prl, sizeof prl);
	if (len)
		tp_opt(&p, DO_CLIENT_ID, cid, len);
	return run(f, &p);
}

static int opt_text_is(const struct engine_result *r, uint8_t code, const char *text)
{
	size_t n;
	const uint8_t *v = reply_opt(r, code, &n);
	return v && n == strlen(text) && memcmp(v, text, n) == 0;
}

TEST(client_id_reservation)
{
	struct fx *f = setup(cid_hosts);
	static const uint8_t cid[] = { 1, 2, 0, 0, 0, 0, 0x66 };
	static const uint8_t other[] = { 1, 2, 0, 0, 0, 0, 0x67 };
	struct engine_result *r = discover_cid(f, 0x66, cid, sizeof cid);
	CHECK_EQ(reply_type(r), DHCPOFFER);
	CHECK_EQ(r->out.yiaddr, IP4(198, 18, 0, 201));
	CHECK(opt_text_is(r, DO_HOSTNAME, "cid-host"));
	CHECK(opt_text_is(r, 66, "tftp.cid"));
	CHECK_STR(r->out.file, "cid.efi");
	CHECK_EQ(r->out.siaddr, IP4(198, 18, 0, 9));
	/* REQUEST it: ACKed and bound under the client identifier. */
	struct tpkt p;
	tp_init(&p, DHCPREQUEST, 0x66);
	tp_opt(&p, DO_CLIENT_ID, cid, sizeof cid);
	tp_opt_ip(&p, DO_SERVER_ID, SRV);
	tp_opt_ip(&p, DO_REQUESTED_IP, IP4(198, 18, 0, 201));
	r = run(f, &p);
	CHECK_EQ(reply_type(r), DHCPACK);
	CHECK_EQ(r->out.yiaddr, IP4(198, 18, 0, 201));
	CHECK(r->ndirty >= 1 && r->dirty[r->ndirty - 1]->cid_len == sizeof cid);
	CHECK_STR(r->dirty[r->ndirty - 1]->hostname, "cid-host");
	/* The same chaddr without option 61, or with another one: the MAC
	 * section's address and name. */
	r = discover_cid(f, 0x66, NULL, 0);
	CHECK_EQ(r->out.yiaddr, IP4(198, 18, 0, 203));
	CHECK(opt_text_is(r, DO_HOSTNAME, "mac-host"));
	CHECK_STR(r->out.file, "");
	r = discover_cid(f, 0x66, other, sizeof other);
	CHECK_EQ(r->out.yiaddr, IP4(198, 18, 0, 203));
	/* Another chaddr with the reserved identifier is the same client. */
	r = discover_cid(f, 0x67, cid, sizeof cid);
	CHECK_EQ(r->out.yiaddr, IP4(198, 18, 0, 201));
	/* Nobody else gets a reserved address from the pool. */
	r = discover_cid(f, 0x68, other, sizeof other);
	CHECK(r->out.yiaddr >= IP4(198, 18, 0, 10) && r->out.yiaddr <= IP4(198, 18, 0, 12));
	CHECK(engine_reserved(&f->e, IP4(198, 18, 0, 201)));
	CHECK(engine_host_for_cid(&f->e, (const uint8_t *)"\xff\0\0\0\1\0\1\2\3", 9) ==
	      &f->cfg->hosts[2]);
	CHECK(engine_host_for_cid(&f->e, cid, sizeof cid - 1) == NULL);
	/* A MAC lookup never finds a CLIENTID section, whatever hlen. */
	CHECK(engine_host_for(&f->e, 0, cid, 0) == NULL);
	teardown(f);
}

static const char send_ini[] =
	"[Settings]\n"
	"IPPOOL_1=198.18.0.10-12\nIPBIND_1=198.18.0.1\nAssociateBindsToPools=1\n"
	"[GENERAL]\n"
	"LEASETIME=3600\nSUBNETMASK=255.255.255.0\nROUTER_0=198.18.0.1\nDNS_0=198.18.0.53\n"
	"OPTION_66=string:tftp.example\nWPAD=http://wpad/wpad.dat\nOPTION_42=ip:198.18.0.123\n"
	"AlwaysSend=66\nNeverSend=252\n"
	"[SUBNET:198.18.4.0/24]\nIPPOOL_1=198.18.4.10-20\nNeverSend=66\nAlwaysSend=252\n"
	"[CLASS:pxe]\nMatch_1=vendor-class prefix \"PXEClient\"\nAlwaysSend=42\n"
	"[02-00-00-00-00-77]\nAlwaysSend=66\n"
	"[DUODHCP]\nJournal=/nonexistent/journal\n";

static struct engine_result *discover_prl(struct fx *f, uint8_t mac, const uint8_t *prl,
					  uint8_t n, uint32_t giaddr, bool pxe)
{
	struct tpkt p;
	tp_init(&p, DHCPDISCOVER, mac);
	if (giaddr)
		tp_giaddr(&p, giaddr);
	if (prl)
		tp_opt(&p, DO_PARAM_LIST, prl, n);
	if (pxe)
		tp_opt(&p, DO_VENDOR_CLASS, "PXEClient", 9);
	return run(f, &p);
}

static int has(const struct engine_result *r, uint8_t code)
{
	size_t n;
	return reply_opt(r, code, &n) != NULL;
}

static int index_of(const struct engine_result *r, uint8_t code)
{
	for (size_t i = 0; i < r->out.nopts; i++)
		if (r->out.opts[i].code == code)
			return (int)i;
	return -1;
}

/* AlwaysSend adds a configured option the client did not ask for, after
 * the ones it asked for; NeverSend keeps one out even when asked for;
 * the most specific scope that names a code decides. */
TEST(always_send_and_never_send)
{
	struct fx *f = setup_ini(send_ini);
	static const uint8_t ask3[] = { DO_ROUTER }, ask_wpad[] = { DO_ROUTER, 252 };
	struct engine_result *r = discover_prl(f, 1, ask3, 1, 0, false);
	CHECK_EQ(reply_type(r), DHCPOFFER);
	CHECK(has(r, DO_ROUTER) && has(r, 66) && !has(r, 252) && !has(r, DO_DNS) && !has(r, 42));
	CHECK(index_of(r, DO_ROUTER) < index_of(r, 66));
	CHECK(has(r, DO_SUBNET_MASK));
	r = discover_prl(f, 1, ask_wpad, 2, 0, false);
	CHECK(has(r, DO_ROUTER) && !has(r, 252));
	r = discover_prl(f, 1, NULL, 0, 0, false);	/* no list: all but NeverSend */
	CHECK(has(r, DO_DNS) && has(r, 42) && has(r, 66) && !has(r, 252));
	/* The subnet turns both round. */
	r = discover_prl(f, 2, ask3, 1, IP4(198, 18, 4, 1), false);
	CHECK_EQ(r->out.yiaddr >> 8, IP4(198, 18, 4, 0) >> 8);
	CHECK(has(r, 252) && !has(r, 66));
	/* The client section over the subnet, the class over [GENERAL]. */
	r = discover_prl(f, 0x77, ask3, 1, IP4(198, 18, 4, 1), false);
	CHECK(has(r, 66) && has(r, 252));
	r = discover_prl(f, 3, ask3, 1, 0, true);
	CHECK(has(r, 42) && has(r, 66) && !has(r, DO_DNS));
	teardown(f);
}

/* Shared networks (docs/config.md, "Shared networks"): the link of
 * IPBIND_1 also carries 198.18.1.0/25, where the server has no address. */
static const char shared_ini[] =
	"[Settings]\n"
	"IPBIND_1=198.18.0.1\n"
	"[GENERAL]\n"
	"SUBNETMASK=255.255.255.0\n"
	"LEASETIME=3600\n"
	"[SUBNET:198.18.0.0/24]\n"
	"SharedNetwork=lan\n"
	"IPPOOL_1=198.18.0.10-11\n"
	"ROUTER_0=198.18.0.1\n"
	"[SUBNET:198.18.1.0/25]\n"
	"SharedNetwork=lan\n"
	"IPPOOL_1=198.18.1.10-20\n"
	"ROUTER_0=198.18.1.1\n"
	"LEASETIME=600\n"
	"[SUBNET:198.18.4.0/24]\n"
	"SharedNetwork=far\n"
	"IPPOOL_1=198.18.4.10\n"
	"ROUTER_0=198.18.4.1\n"
	"[SUBNET:198.18.5.0/24]\n"
	"SharedNetwork=far\n"
	"IPPOOL_1=198.18.5.10-20\n"
	"ROUTER_0=198.18.5.1\n"
	"[SUBNET:198.18.6.0/24]\n"
	"IPPOOL_1=198.18.6.10-20\n"
	"[DUODHCP]\n"
	"Journal=/nonexistent/journal\n";

/* The reply's option code as an address (mask, router), 0 if absent. */
static uint32_t opt_addr(const struct engine_result *r, uint8_t code)
{
	size_t n;
	const uint8_t *v = reply_opt(r, code, &n);
	return v && n >= 4 ? IP4(v[0], v[1], v[2], v[3]) : 0;
}

static struct engine_result *renew(struct fx *f, uint8_t mac, uint32_t ciaddr)
{
	struct tpkt p;
	tp_init(&p, DHCPREQUEST, mac);
	tp_ciaddr(&p, ciaddr);
	return run(f, &p);
}

TEST(shared_network_gives_from_the_next_subnet)
{
	struct fx *f = setup_ini(shared_ini);
	CHECK_EQ(dora(f, 1), IP4(198, 18, 0, 10));
	CHECK_EQ(dora(f, 2), IP4(198, 18, 0, 11));
	struct tpkt p;
	tp_init(&p, DHCPDISCOVER, 3);
	struct engine_result *r = run(f, &p);
	CHECK_EQ(reply_type(r), DHCPOFFER);
	CHECK_EQ(r->out.yiaddr, IP4(198, 18, 1, 10));
	CHECK_EQ(opt_addr(r, DO_SUBNET_MASK), IP4(255, 255, 255, 128));
	CHECK_EQ(opt_addr(r, DO_ROUTER), IP4(198, 18, 1, 1));
	CHECK_EQ(opt_addr(r, DO_SERVER_ID), SRV);	/* the link's address */
	CHECK_EQ(opt_addr(r, DO_LEASE_TIME), 600u);	/* its subnet's */
	CHECK_EQ(dora(f, 3), IP4(198, 18, 1, 10));
	teardown(f);
}

/* A RENEW or INIT-REBOOT of the second subnet's address is on the right
 * network; an address of another network is still NAKed. */
TEST(shared_network_renew_is_the_right_network)
{
	struct fx *f = setup_ini(shared_ini);
	dora(f, 1);
	dora(f, 2);
	uint32_t a = dora(f, 3);
	CHECK_EQ(a, IP4(198, 18, 1, 10));
	struct engine_result *r = renew(f, 3, a);
	CHECK_EQ(reply_type(r), DHCPACK);
	CHECK_EQ(r->out.yiaddr, a);
	CHECK_EQ(opt_addr(r, DO_ROUTER), IP4(198, 18, 1, 1));
	struct tpkt p;
	tp_init(&p, DHCPREQUEST, 3);
	tp_opt_ip(&p, DO_REQUESTED_IP, a);
	r = run(f, &p);
	CHECK_EQ(reply_type(r), DHCPACK);
	CHECK_EQ(opt_addr(r, DO_SUBNET_MASK), IP4(255, 255, 255, 128));
	CHECK_EQ(reply_type(renew(f, 3, IP4(198, 18, 4, 10))), DHCPNAK);
	CHECK_EQ(reply_type(renew(f, 3, IP4(198, 18, 1, 200))), DHCPNAK);	/* not in /25 */
	/* INFORM from the second subnet: answered with its options. */
	tp_init(&p, DHCPINFORM, 9);
	tp_ciaddr(&p, IP4(198, 18, 1, 77));
	r = run(f, &p);
	CHECK_EQ(reply_type(r), DHCPACK);
	CHECK_EQ(opt_addr(r, DO_ROUTER), IP4(198, 18, 1, 1));
	teardown(f);
}

/* Relayed: giaddr in 198.18.4.0/24, whose one address is taken, gets an
 * address of 198.18.5.0/24; a subnet of no shared network stays alone. */
TEST(shared_network_behind_a_relay)
{
	struct fx *f = setup_ini(shared_ini);
	f->in.link = NULL;
	struct engine_result *r = discover_prl(f, 1, NULL, 0, IP4(198, 18, 4, 1), false);
	CHECK_EQ(r->out.yiaddr, IP4(198, 18, 4, 10));
	r = discover_prl(f, 2, NULL, 0, IP4(198, 18, 4, 1), false);
	CHECK_EQ(reply_type(r), DHCPOFFER);
	CHECK_EQ(r->out.yiaddr, IP4(198, 18, 5, 10));
	CHECK_EQ(opt_addr(r, DO_ROUTER), IP4(198, 18, 5, 1));
	CHECK_EQ(r->dest_addr, IP4(198, 18, 4, 1));
	/* From the second subnet's relay address the first one comes first. */
	r = discover_prl(f, 3, NULL, 0, IP4(198, 18, 5, 1), false);
	CHECK_EQ(r->out.yiaddr >> 8, IP4(198, 18, 5, 0) >> 8);
	for (uint8_t m = 10; m < 21; m++)
		discover_prl(f, m, NULL, 0, IP4(198, 18, 6, 1), false);
	r = discover_prl(f, 21, NULL, 0, IP4(198, 18, 6, 1), false);
	CHECK_EQ(r->dest, DEST_NONE);	/* 198.18.6.0/24 is full and alone */
	teardown(f);
}

/* POOL_n.KEY (issue 13): the options of the pool the address is in, under
 * a class's and a reservation's; a class's LEASETIME, within the subnet's
 * MinLeaseTime..MaxLeaseTime. */
static const char pool_ini[] =
	"[SUBNET:198.18.9.0/24]\nIPPOOL_1=198.18.9.10-19\nIPPOOL_2=198.18.9.100-109\n"
	"OPTION_66=string:tftp.subnet\nROUTER_0=198.18.9.1\nBOOTFILE=subnet.0\n"
	"MinLeaseTime=300\nMaxLeaseTime=7200\n"
	"POOL_2.OPTION_66=string:tftp.voice\nPOOL_2.ROUTER_0=198.18.9.254\n"
	"POOL_2.OPTION_150=ip:198.18.9.150\nPOOL_2.BOOTFILE=pool2.cfg\n"
	"[CLASS:phone]\nMatch_1=vendor-class contains \"Phone\"\nOPTION_66=string:tftp.phones\n"
	"LEASETIME=600\n"
	"[02-00-00-00-00-8f]\nOPTION_66=string:tftp.host\nLEASETIME=900\n";

static struct engine_result *pool_msg(struct fx *f, uint8_t type, uint8_t mac, bool phone,
				      uint32_t want, uint32_t ask)
{
	struct tpkt p;
	uint8_t prl[] = { DO_ROUTER, 66, 150 };
	tp_init(&p, type, mac);
	tp_giaddr(&p, IP4(198, 18, 9, 1));
	tp_opt(&p, DO_PARAM_LIST, prl, sizeof prl);
	if (phone)
		tp_opt(&p, DO_VENDOR_CLASS, "ACME Phone 9", 12);
	if (want)
		tp_opt_ip(&p, DO_REQUESTED_IP, want);
	if (ask)
		tp_opt_ip(&p, DO_LEASE_TIME, ask);
	if (type == DHCPREQUEST)
		tp_opt_ip(&p, DO_SERVER_ID, SRV);
	return run(f, &p);
}

TEST(pool_options_and_class_lease_time)
{
	struct fx *f = setup(pool_ini);
	f->in.link = NULL;
	/* Pool 1: the subnet's. */
	struct engine_result *r = pool_msg(f, DHCPDISCOVER, 0x80, false, 0, 0);
	CHECK_EQ(r->out.yiaddr, IP4(198, 18, 9, 10));
	CHECK(opt_text_is(r, 66, "tftp.subnet"));
	CHECK_EQ(reply_u32(r, DO_ROUTER), IP4(198, 18, 9, 1));
	CHECK(!has(r, 150));
	CHECK_STR(r->out.file, "subnet.0");
	CHECK_EQ(reply_u32(r, DO_LEASE_TIME), 3600);
	/* Pool 2: its own, in the OFFER and in the ACK. */
	r = pool_msg(f, DHCPDISCOVER, 0x81, false, IP4(198, 18, 9, 100), 0);
	CHECK_EQ(r->out.yiaddr, IP4(198, 18, 9, 100));
	CHECK(opt_text_is(r, 66, "tftp.voice"));
	CHECK_EQ(reply_u32(r, DO_ROUTER), IP4(198, 18, 9, 254));
	CHECK_EQ(reply_u32(r, 150), IP4(198, 18, 9, 150));
	CHECK_STR(r->out.file, "pool2.cfg");
	r = pool_msg(f, DHCPREQUEST, 0x81, false, IP4(198, 18, 9, 100), 0);
	CHECK_EQ(reply_type(r), DHCPACK);
	CHECK(opt_text_is(r, 66, "tftp.voice"));
	CHECK_EQ(reply_u32(r, 150), IP4(198, 18, 9, 150));
	/* Without a parameter request list: the pool's whole set. */
	struct tpkt p;
	tp_init(&p, DHCPDISCOVER, 0x82);
	tp_giaddr(&p, IP4(198, 18, 9, 1));
	tp_opt_ip(&p, DO_REQUESTED_IP, IP4(198, 18, 9, 101));
	r = run(f, &p);
	CHECK(opt_text_is(r, 66, "tftp.voice") && reply_u32(r, 150) == IP4(198, 18, 9, 150));
	/* INFORM from an address of pool 2. */
	tp_init(&p, DHCPINFORM, 0x83);
	tp_giaddr(&p, IP4(198, 18, 9, 1));
	tp_ciaddr(&p, IP4(198, 18, 9, 105));
	r = run(f, &p);
	CHECK_EQ(reply_type(r), DHCPACK);
	CHECK(opt_text_is(r, 66, "tftp.voice"));
	/* A class's option beats the pool's; the pool's others still come.
	 * The class's LEASETIME is the base the subnet's bounds apply to. */
	r = pool_msg(f, DHCPDISCOVER, 0x84, true, IP4(198, 18, 9, 102), 0);
	CHECK_EQ(r->out.yiaddr, IP4(198, 18, 9, 102));
	CHECK(opt_text_is(r, 66, "tftp.phones"));
	CHECK_EQ(reply_u32(r, DO_ROUTER), IP4(198, 18, 9, 254));
	CHECK_EQ(reply_u32(r, DO_LEASE_TIME), 600);
	r = pool_msg(f, DHCPREQUEST, 0x84, true, IP4(198, 18, 9, 102), 0);
	CHECK_EQ(reply_type(r), DHCPACK);
	CHECK_EQ(reply_u32(r, DO_LEASE_TIME), 600);
	CHECK_EQ(reply_u32(pool_msg(f, DHCPDISCOVER, 0x85, true, 0, 60), DO_LEASE_TIME), 300);
	CHECK_EQ(reply_u32(pool_msg(f, DHCPDISCOVER, 0x86, true, 0, 5000), DO_LEASE_TIME), 5000);
	CHECK_EQ(reply_u32(pool_msg(f, DHCPDISCOVER, 0x87, true, 0, 99999), DO_LEASE_TIME),
		 7200);
	/* A reservation beats both. */
	r = pool_msg(f, DHCPDISCOVER, 0x8f, true, IP4(198, 18, 9, 103), 0);
	CHECK(opt_text_is(r, 66, "tftp.host"));
	CHECK_EQ(reply_u32(r, DO_LEASE_TIME), 900);
	teardown(f);
}

T_RUN(T_CASE(discover_gets_offer), T_CASE(pool_options_and_class_lease_time), T_CASE(client_id_reservation),
      T_CASE(always_send_and_never_send), T_CASE(pxe_bios_and_uefi_get_their_boot_files),
      T_CASE(class_only_pool), T_CASE(sname_keeps_options_out_of_sname), T_CASE(request_selecting_acks_after_journal),
      T_CASE(selecting_other_server_is_silent), T_CASE(init_reboot_wrong_network_naks), T_CASE(renew_from_wrong_network_naks),
      T_CASE(init_reboot_unknown_client), T_CASE(init_reboot_known_client_acked),
      T_CASE(renew_and_rebind), T_CASE(returning_client_gets_same_address),
      T_CASE(every_change_of_a_binding_is_journalled),
      T_CASE(reservation), T_CASE(decline_quarantines),
      T_CASE(decline_without_server_id_ignored), T_CASE(discover_ciaddr_ignored_for_delivery),
      T_CASE(server_id_override_from_relay), T_CASE(inform_gets_options_only),
      T_CASE(inform_without_ciaddr_dropped), T_CASE(timers_in_seconds_and_requested_time),
      T_CASE(inform_from_another_network_dropped), T_CASE(impossible_giaddr_dropped),
      T_CASE(relayed_request_uses_giaddr_subnet), T_CASE(relay_trust),
      T_CASE(link_selection_off), T_CASE(broadcast_flag_and_client_id),
      T_CASE(pool_exhaustion_then_longest_expired), T_CASE(authoritative_recovers_or_naks),
      T_CASE(maxlen_honours_option_57), T_CASE(hundred_thousand_reservations),
      T_CASE(policy_decides_ownership_and_lease_time),
      T_CASE(default_policy_leaves_partner_and_backup_addresses),
      T_CASE(renewal_keeps_named_since_and_a_new_name_restarts_it),
      T_CASE(shared_network_gives_from_the_next_subnet),
      T_CASE(shared_network_renew_is_the_right_network), T_CASE(shared_network_behind_a_relay))
