/* What a SyncServer partner may hold: addresses of our subnets outside
 * our pools, reservations and our own addresses (issue 12). */
#include <stdlib.h>
#include "t.h"
#include "pkt.h"
#include "conf/config.h"
#include "core/partner.h"

static const char ini[] =
	"[Settings]\n"
	"IPBIND_1=198.18.0.1\n"
	"IPPOOL_1=198.18.0.2-198.18.0.200\n"
	"[GENERAL]\n"
	"SUBNETMASK=255.255.254.0\n"
	"ROUTER_0=198.18.0.254\n"
	"DNS_0=198.18.0.253\n"
	"NEXTSERVER=198.18.1.69\n"
	"[SUBNET:198.18.4.0/24]\n"
	"IPPOOL_1=198.18.4.10-20\n"
	"ROUTER_0=198.18.4.1\n"
	"[02-00-00-00-00-55]\n"
	"IPADDR=198.18.1.250\n"
	"[DNS-Settings]\n"
	"FORWARD=198.18.1.53\n"
	"[DUODHCP]\n"
	"Journal=/nonexistent/journal\n";

static struct config *load(void)
{
	struct config *c = config_parse("test.ini", ini, sizeof ini - 1, stderr);
	if (!c) {
		fprintf(stderr, "config did not parse\n");
		exit(1);
	}
	return c;
}

TEST(only_the_shared_subnet_outside_our_pools)
{
	struct config *c = load();
	struct partner_scope ps;
	uint32_t local[] = { IP4(198, 18, 1, 77) };	/* another address of this host */
	CHECK_EQ(partner_scope_build(&ps, c, local, 1), 0);
	static const struct { uint32_t a; enum partner_why want; } cases[] = {
		{ IP4(198, 18, 1, 10), PARTNER_OK },		/* the partner's half */
		{ IP4(198, 18, 0, 201), PARTNER_OK },		/* ours, outside the pool */
		{ IP4(198, 18, 4, 50), PARTNER_OK },		/* a relayed subnet */
		{ IP4(8, 8, 8, 8), PARTNER_OFF_LINK },
		{ IP4(198, 18, 2, 1), PARTNER_OFF_LINK },
		{ IP4(198, 18, 0, 0), PARTNER_EDGE },
		{ IP4(198, 18, 1, 255), PARTNER_EDGE },
		{ IP4(198, 18, 0, 2), PARTNER_OUR_POOL },
		{ IP4(198, 18, 0, 100), PARTNER_OUR_POOL },
		{ IP4(198, 18, 0, 200), PARTNER_OUR_POOL },
		{ IP4(198, 18, 4, 15), PARTNER_OUR_POOL },
		{ IP4(198, 18, 1, 250), PARTNER_RESERVED },
		{ IP4(198, 18, 0, 1), PARTNER_OUR_ADDRESS },	/* IPBIND_1 */
		{ IP4(198, 18, 0, 254), PARTNER_OUR_ADDRESS },	/* the router */
		{ IP4(198, 18, 4, 1), PARTNER_OUR_ADDRESS },
		{ IP4(198, 18, 0, 253), PARTNER_OUR_ADDRESS },	/* the DNS we hand out */
		{ IP4(198, 18, 1, 53), PARTNER_OUR_ADDRESS },	/* FORWARD */
		{ IP4(198, 18, 1, 69), PARTNER_OUR_ADDRESS },	/* NEXTSERVER */
		{ IP4(198, 18, 1, 77), PARTNER_OUR_ADDRESS },	/* an interface's */
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		enum partner_why w = partner_check(&ps, cases[i].a, NULL);
		if (w != cases[i].want)
			fprintf(stderr, "  case %zu: %s, want %s\n", i, partner_why_name(w),
				partner_why_name(cases[i].want));
		CHECK_EQ(w, cases[i].want);
	}
	partner_scope_free(&ps);
	config_free(c);
}

TEST(our_lease_of_the_address_wins_while_we_hold_it)
{
	struct config *c = load();
	struct partner_scope ps;
	CHECK_EQ(partner_scope_build(&ps, c, NULL, 0), 0);
	uint32_t a = IP4(198, 18, 1, 20);
	struct lease l = { .addr = a, .state = LEASE_ACTIVE };
	CHECK_EQ(partner_check(&ps, a, &l), PARTNER_OUR_LEASE);
	l.state = LEASE_ABANDONED;
	CHECK_EQ(partner_check(&ps, a, &l), PARTNER_OUR_LEASE);
	l.state = LEASE_EXPIRED;	/* a range that moved to the partner */
	CHECK_EQ(partner_check(&ps, a, &l), PARTNER_OK);
	l.state = LEASE_ACTIVE, l.flags = LEASE_F_PARTNER;
	CHECK_EQ(partner_check(&ps, a, &l), PARTNER_OK);
	CHECK_STR(partner_why_name(PARTNER_OUR_POOL), "our_pool");
	CHECK_STR(partner_why_name(PARTNER_LIMIT), "limit");
	partner_scope_free(&ps);
	config_free(c);
}

TEST(empty_configuration_accepts_nothing)
{
	struct config c = { 0 };
	struct partner_scope ps;
	CHECK_EQ(partner_scope_build(&ps, &c, NULL, 0), 0);
	CHECK_EQ(partner_check(&ps, IP4(198, 18, 1, 10), NULL), PARTNER_OFF_LINK);
	partner_scope_free(&ps);
}

T_RUN(T_CASE(only_the_shared_subnet_outside_our_pools),
      T_CASE(our_lease_of_the_address_wins_while_we_hold_it),
      T_CASE(empty_configuration_accepts_nothing))
