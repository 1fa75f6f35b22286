/* The rules of a lease import (issue 14): what an imported record
 * becomes, given our configuration and our lease of its address. */
#include <stdlib.h>
#include "t.h"
#include "pkt.h"
#include "conf/config.h"
#include "core/adopt.h"
#include "core/lease.h"
#include "core/record.h"

#define NOW 1001000

static const char ini[] =
	"[Settings]\n"
	"IPBIND_1=198.18.0.1\n"
	"IPPOOL_1=198.18.0.10-198.18.0.200\n"
	"[GENERAL]\n"
	"SUBNETMASK=255.255.255.0\n"
	"ROUTER_0=198.18.0.254\n"
	"LEASETIME=3600\n"
	"[02-00-00-00-00-55]\n"
	"IPADDR=198.18.0.250\n"
	"[CLIENTID:01-02-00-00-00-00-66]\n"
	"IPADDR=198.18.0.251\n"
	"[DUODHCP]\n"
	"Journal=/nonexistent/journal\n";

static struct config *load(const char *text, size_t len)
{
	struct config *c = config_parse("test.ini", text, len, stderr);
	if (!c) {
		fprintf(stderr, "config did not parse\n");
		exit(1);
	}
	return c;
}

/* An active lease as ISC dhcpd writes it, failover times included. */
static struct lease_rec imported(uint32_t addr, uint8_t last)
{
	return (struct lease_rec){ .addr = addr, .state = LEASE_ACTIVE, .htype = 1, .hlen = 6,
		.hw = { 2, 0, 0, 0, 0, last }, .start = 1000000, .end = 1003600,
		.cltt = 1000000, .tstp = 1001800, .tsfp = 1001700, .atsfp = 1001600 };
}

TEST(where_an_imported_lease_may_be)
{
	struct config *c = load(ini, sizeof ini - 1);
	struct adopt_scope sc;
	CHECK_EQ(adopt_scope_build(&sc, c), 0);
	static const struct { uint32_t a; uint8_t last; enum adopt_outcome want; } cases[] = {
		{ IP4(198, 18, 0, 20), 1, ADOPT_NEW },		/* in our pool */
		{ IP4(198, 18, 0, 5), 1, ADOPT_NEW },		/* our subnet, outside the pool */
		{ IP4(198, 18, 1, 20), 1, ADOPT_OFF_LINK },
		{ IP4(8, 8, 8, 8), 1, ADOPT_OFF_LINK },
		{ IP4(198, 18, 0, 0), 1, ADOPT_EDGE },
		{ IP4(198, 18, 0, 255), 1, ADOPT_EDGE },
		{ IP4(198, 18, 0, 1), 1, ADOPT_OUR_ADDRESS },	/* IPBIND_1 */
		{ IP4(198, 18, 0, 254), 1, ADOPT_OUR_ADDRESS },	/* the router we hand out */
		{ IP4(198, 18, 0, 250), 1, ADOPT_RESERVED },	/* another MAC's */
		{ IP4(198, 18, 0, 250), 0x55, ADOPT_NEW },	/* its own client's */
		{ IP4(198, 18, 0, 251), 0x66, ADOPT_RESERVED },	/* by client id, none sent */
		{ 0, 1, ADOPT_INVALID },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct lease_rec in = imported(cases[i].a, cases[i].last), out = { 0 };
		enum adopt_outcome o = adopt_decide(&sc, NULL, &in, NOW, &out);
		if (o != cases[i].want)
			fprintf(stderr, "  case %zu: %s, want %s\n", i, adopt_outcome_name(o),
				adopt_outcome_name(cases[i].want));
		CHECK_EQ(o, cases[i].want);
		CHECK_EQ(out.addr, adopt_taken(o) ? cases[i].a : 0);
	}
	adopt_scope_free(&sc);
	config_free(c);
}

TEST(a_reservation_by_client_identifier_takes_its_client)
{
	struct config *c = load(ini, sizeof ini - 1);
	struct adopt_scope sc;
	CHECK_EQ(adopt_scope_build(&sc, c), 0);
	uint8_t cid[] = { 1, 2, 0, 0, 0, 0, 0x66 };
	struct lease_rec in = imported(IP4(198, 18, 0, 251), 9), out;
	in.cid = cid, in.cid_len = sizeof cid;
	CHECK_EQ(adopt_decide(&sc, NULL, &in, NOW, &out), ADOPT_NEW);
	cid[6] = 0x67;
	CHECK_EQ(adopt_decide(&sc, NULL, &in, NOW, &out), ADOPT_RESERVED);
	adopt_scope_free(&sc);
	config_free(c);
}

/* Importing the same file twice changes nothing; a lease we renewed
 * since is kept; an older one of ours is replaced. */
TEST(ours_against_theirs)
{
	struct config *c = load(ini, sizeof ini - 1);
	struct adopt_scope sc;
	struct lease_table *t = lease_table_new();
	CHECK_EQ(adopt_scope_build(&sc, c), 0);
	struct lease_rec in = imported(IP4(198, 18, 0, 30), 7), out = { 0 };
	in.flags = LEASE_F_PARTNER;	/* the sender's view; it becomes ours */
	CHECK_EQ(adopt_decide(&sc, NULL, &in, NOW, &out), ADOPT_NEW);
	CHECK_EQ(out.flags & LEASE_F_PARTNER, 0);
	CHECK_EQ(out.tstp, 1001800);
	CHECK_EQ(out.tsfp, 1001700);
	CHECK_EQ(out.atsfp, 1001600);
	CHECK_EQ(out.cltt, 1000000);
	struct lease *l = lease_upsert(t, &out);
	CHECK(l != NULL);
	CHECK_EQ(adopt_decide(&sc, l, &in, NOW, &out), ADOPT_SAME);

	/* Read again with another "now" as start (dnsmasq keeps none). */
	struct lease_rec reread = in;
	reread.start = reread.cltt = 1000500;
	CHECK_EQ(adopt_decide(&sc, l, &reread, NOW, &out), ADOPT_SAME);

	struct lease_rec later = in;	/* the other server renewed it meanwhile */
	later.cltt = later.start = 1002000, later.end = 1005600;
	CHECK_EQ(adopt_decide(&sc, l, &later, NOW, &out), ADOPT_UPDATE);
	CHECK_EQ(out.end, 1005600);

	struct lease_rec ours = in;	/* we renewed it after the file was written */
	ours.flags = 0, ours.cltt = ours.start = 1003000, ours.end = 1006600;
	l = lease_upsert(t, &ours);
	out = (struct lease_rec){ 0 };
	CHECK_EQ(adopt_decide(&sc, l, &in, NOW, &out), ADOPT_OURS_NEWER);
	CHECK_EQ(out.addr, 0);
	/* Without a cltt, the start of the binding dates it. */
	struct lease_rec nocltt = in;
	nocltt.cltt = 0, nocltt.start = 1004000;
	CHECK_EQ(adopt_decide(&sc, l, &nocltt, NOW, &out), ADOPT_UPDATE);
	lease_table_free(t);
	adopt_scope_free(&sc);
	config_free(c);
}

/* Without a failover relationship BACKUP and RESET mean nothing: such a
 * lease comes in free; with one they stay as read. */
TEST(failover_states_without_and_with_a_relationship)
{
	struct config *c = load(ini, sizeof ini - 1);
	struct adopt_scope sc;
	CHECK_EQ(adopt_scope_build(&sc, c), 0);
	struct lease_rec in = imported(IP4(198, 18, 0, 40), 8), out;
	in.state = LEASE_BACKUP, in.pending_state = LEASE_FREE;
	CHECK_EQ(adopt_decide(&sc, NULL, &in, NOW, &out), ADOPT_NEW);
	CHECK_EQ(out.state, LEASE_FREE);
	CHECK_EQ(out.pending_state, 0);
	in.state = LEASE_RESET;
	CHECK_EQ(adopt_decide(&sc, NULL, &in, NOW, &out), ADOPT_NEW);
	CHECK_EQ(out.state, LEASE_FREE);
	adopt_scope_free(&sc);
	c->fo.enabled = true;
	CHECK_EQ(adopt_scope_build(&sc, c), 0);
	in.state = LEASE_BACKUP;
	CHECK_EQ(adopt_decide(&sc, NULL, &in, NOW, &out), ADOPT_NEW);
	CHECK_EQ(out.state, LEASE_BACKUP);
	CHECK_EQ(out.pending_state, LEASE_FREE);
	adopt_scope_free(&sc);
	config_free(c);
}

TEST(names_of_the_outcomes)
{
	for (int o = 0; o < ADOPT_OUTCOMES; o++) {
		CHECK(adopt_outcome_name((enum adopt_outcome)o)[0] != 0);
		CHECK(adopt_outcome_why((enum adopt_outcome)o)[0] != 0);
	}
	CHECK_STR(adopt_outcome_name(ADOPT_SAME), "unchanged");
	CHECK_STR(adopt_outcome_name(ADOPT_OUTCOMES), "");
	CHECK(adopt_taken(ADOPT_NEW) && adopt_taken(ADOPT_UPDATE));
	CHECK(!adopt_taken(ADOPT_SAME) && !adopt_taken(ADOPT_RESERVED));
}

TEST(a_lease_past_its_end_comes_in_as_expiry_leaves_it)
{
	struct config *c = load(ini, sizeof ini - 1);
	struct adopt_scope sc;
	CHECK_EQ(adopt_scope_build(&sc, c), 0);
	struct lease_rec in = imported(IP4(198, 18, 0, 50), 9), out;
	CHECK_EQ(adopt_decide(&sc, NULL, &in, in.end - 1, &out), ADOPT_NEW);
	CHECK_EQ(out.state, LEASE_ACTIVE);
	CHECK_EQ(adopt_decide(&sc, NULL, &in, in.end, &out), ADOPT_NEW);
	CHECK_EQ(out.state, LEASE_EXPIRED);
	CHECK_EQ(out.end, in.end);
	in.state = LEASE_ABANDONED;
	CHECK_EQ(adopt_decide(&sc, NULL, &in, in.end + 5, &out), ADOPT_NEW);
	CHECK_EQ(out.state, LEASE_FREE);
	/* What the daemon's expiry made of our copy is the same record. */
	struct lease_table *t = lease_table_new();
	in.state = LEASE_ACTIVE;
	struct lease *l = lease_upsert(t, &in);
	CHECK_EQ(lease_expire(t, in.end + 1), 1);
	CHECK_EQ(adopt_decide(&sc, l, &in, in.end + 1, &out), ADOPT_SAME);
	lease_table_free(t);
	adopt_scope_free(&sc);
	config_free(c);
}

/* In a failover pool, the primary's balancing gives never-used addresses
 * to the secondary as BACKUP records started "now": no client was bound
 * there, so an older imported lease still goes in.  A BACKUP or FREE
 * record that had a client dates its binding as any other. */
TEST(a_record_that_never_had_a_client_is_not_newer)
{
	struct config *c = load(ini, sizeof ini - 1);
	c->fo.enabled = true;
	struct adopt_scope sc;
	struct lease_table *t = lease_table_new();
	CHECK_EQ(adopt_scope_build(&sc, c), 0);
	struct lease_rec stock = { .addr = IP4(198, 18, 0, 60), .state = LEASE_BACKUP,
				   .start = 1002000, .tstp = 1002000 };
	struct lease *l = lease_upsert(t, &stock);
	struct lease_rec in = imported(IP4(198, 18, 0, 60), 9), out = { 0 };
	CHECK_EQ(adopt_decide(&sc, l, &in, NOW, &out), ADOPT_UPDATE);
	CHECK_EQ(out.state, LEASE_ACTIVE);
	stock.state = LEASE_FREE;
	l = lease_upsert(t, &stock);
	CHECK_EQ(adopt_decide(&sc, l, &in, NOW, &out), ADOPT_UPDATE);
	stock.htype = 1, stock.hlen = 6, stock.hw[5] = 3;	/* a client was here later */
	l = lease_upsert(t, &stock);
	CHECK_EQ(adopt_decide(&sc, l, &in, NOW, &out), ADOPT_OURS_NEWER);
	lease_table_free(t);
	adopt_scope_free(&sc);
	config_free(c);
}

/* After the partner acked an imported lease, its tsfp and atsfp are the
 * acked potential expiry and an ended one is FREE: importing the same
 * record again is still "unchanged" (and sends no second update).
 * Without a relationship nothing rewrites them, and a FREE lease is not
 * the EXPIRED one of the file. */
TEST(the_partners_ack_leaves_the_record_unchanged)
{
	struct config *c = load(ini, sizeof ini - 1);
	c->fo.enabled = true;
	struct adopt_scope sc;
	struct lease_table *t = lease_table_new();
	CHECK_EQ(adopt_scope_build(&sc, c), 0);
	struct lease_rec in = imported(IP4(198, 18, 0, 70), 4), out = { 0 };
	CHECK_EQ(adopt_decide(&sc, NULL, &in, NOW, &out), ADOPT_NEW);
	struct lease_rec acked = out;
	acked.tsfp = acked.atsfp = acked.tstp;
	struct lease *l = lease_upsert(t, &acked);
	CHECK_EQ(adopt_decide(&sc, l, &in, NOW, &out), ADOPT_SAME);

	struct lease_rec ended = imported(IP4(198, 18, 0, 71), 5);
	CHECK_EQ(adopt_decide(&sc, NULL, &ended, ended.end + 10, &out), ADOPT_NEW);
	CHECK_EQ(out.state, LEASE_EXPIRED);
	acked = out;
	acked.pending_state = LEASE_EXPIRED;	/* sent, not yet acked */
	l = lease_upsert(t, &acked);
	CHECK_EQ(adopt_decide(&sc, l, &ended, ended.end + 10, &out), ADOPT_SAME);
	acked.state = LEASE_FREE, acked.pending_state = 0;	/* acked */
	acked.tsfp = acked.atsfp = acked.tstp;
	l = lease_upsert(t, &acked);
	CHECK_EQ(adopt_decide(&sc, l, &ended, ended.end + 10, &out), ADOPT_SAME);
	acked.hw[5] = 6;	/* another client since: not the same */
	l = lease_upsert(t, &acked);
	CHECK_EQ(adopt_decide(&sc, l, &ended, ended.end + 10, &out), ADOPT_UPDATE);
	adopt_scope_free(&sc);

	c->fo.enabled = false;
	CHECK_EQ(adopt_scope_build(&sc, c), 0);
	acked.hw[5] = 5;
	l = lease_upsert(t, &acked);
	CHECK_EQ(adopt_decide(&sc, l, &ended, ended.end + 10, &out), ADOPT_UPDATE);
	lease_table_free(t);
	adopt_scope_free(&sc);
	config_free(c);
}

T_RUN(T_CASE(the_partners_ack_leaves_the_record_unchanged),
      T_CASE(a_record_that_never_had_a_client_is_not_newer),
      T_CASE(a_lease_past_its_end_comes_in_as_expiry_leaves_it),
      T_CASE(where_an_imported_lease_may_be),
      T_CASE(a_reservation_by_client_identifier_takes_its_client),
      T_CASE(ours_against_theirs),
      T_CASE(failover_states_without_and_with_a_relationship),
      T_CASE(names_of_the_outcomes))
