/* The DNS name snapshot: who keeps a label, who gets a suffix, and a
 * rebuild at scale that is checked against a brute-force answer. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "dns/names.h"
#include "t.h"

#define A(x) (0xC6120000u | (uint32_t)(x))	/* 198.18.x.y */
#define NOW 1000000

struct clashes {
	int n;
	char label[8][64], given[8][64];
	uint32_t winner[8], loser[8];
};

static void on_clash(void *arg, const char *label, uint32_t winner, uint32_t loser,
		     const char *given)
{
	struct clashes *c = arg;
	if (c->n < 8) {
		snprintf(c->label[c->n], 64, "%s", label);
		snprintf(c->given[c->n], 64, "%s", given);
		c->winner[c->n] = winner;
		c->loser[c->n] = loser;
	}
	c->n++;
}

static void put(struct lease_table *t, uint32_t addr, const char *name, int64_t start)
{
	struct lease r = { .addr = addr, .state = LEASE_ACTIVE, .htype = 1, .hlen = 6,
			   .start = start, .end = NOW + 600, .hostname = (char *)name };
	r.hw[0] = 2;
	memcpy(r.hw + 2, &addr, 4);
	CHECK(lease_upsert(t, &r) != NULL);
}

static uint32_t addr_of(const struct names *n, const char *label)
{
	uint32_t a = 0, ttl;
	return names_by_label(n, label, NOW, &a, &ttl) == 0 ? a : 0;
}

static const char *label_of(const struct names *n, uint32_t addr, char buf[DNS_LABEL_MAX + 1])
{
	uint32_t ttl;
	return names_by_addr(n, addr, NOW, buf, &ttl) == 0 ? buf : "";
}

TEST(first_claimant_keeps_the_label)
{
	struct lease_table *t = lease_table_new();
	struct config c = { 0 };
	put(t, A(20), "pc", NOW - 50);
	put(t, A(10), "pc", NOW - 100);	/* started first: keeps "pc" */
	struct clashes cl = { 0 };
	struct names *n = names_build(t, &c, NOW, on_clash, &cl);
	char buf[DNS_LABEL_MAX + 1];
	CHECK_EQ(names_count(n), 2);
	CHECK_EQ(addr_of(n, "pc"), A(10));
	CHECK_EQ(addr_of(n, "pc-20"), A(20));
	CHECK_STR(label_of(n, A(20), buf), "pc-20");
	CHECK_EQ(cl.n, 1);
	CHECK_STR(cl.label[0], "pc");
	CHECK_STR(cl.given[0], "pc-20");
	CHECK_EQ(cl.winner[0], A(10));
	CHECK_EQ(cl.loser[0], A(20));
	names_free(n);
	lease_table_free(t);
}

TEST(reservation_wins_and_its_lease_is_one_name)
{
	struct lease_table *t = lease_table_new();
	struct cfg_host h[2] = { { .addr = A(50) }, { .addr = A(60) } };
	strcpy(h[0].hostname, "printer");
	strcpy(h[1].hostname, "nas");
	struct config c = { .nhosts = 2, .hosts = h };
	put(t, A(11), "printer", NOW - 1000);	/* earlier, but not reserved */
	put(t, A(60), "nas", NOW - 10);		/* the reservation's own lease */
	struct clashes cl = { 0 };
	struct names *n = names_build(t, &c, NOW, on_clash, &cl);
	CHECK_EQ(names_count(n), 3);
	CHECK_EQ(addr_of(n, "printer"), A(50));
	CHECK_EQ(addr_of(n, "printer-11"), A(11));
	CHECK_EQ(addr_of(n, "nas"), A(60));
	CHECK_EQ(cl.n, 1);
	names_free(n);
	lease_table_free(t);
}

TEST(suffix_taken_too_gets_no_name)
{
	struct lease_table *t = lease_table_new();
	struct config c = { 0 };
	put(t, A(1), "pc-7", NOW - 300);
	put(t, A(2), "pc", NOW - 200);
	put(t, A(7), "pc", NOW - 100);		/* "pc" taken, then "pc-7" too */
	struct clashes cl = { 0 };
	struct names *n = names_build(t, &c, NOW, on_clash, &cl);
	char buf[DNS_LABEL_MAX + 1];
	CHECK_EQ(names_count(n), 2);
	CHECK_STR(label_of(n, A(7), buf), "");
	CHECK_EQ(cl.n, 2);
	CHECK_STR(cl.given[0], "pc-7");
	CHECK_STR(cl.given[1], "");
	names_free(n);
	lease_table_free(t);
}

TEST(unnamed_expired_and_invalid_leases_are_left_out)
{
	struct lease_table *t = lease_table_new();
	struct config c = { 0 };
	put(t, A(1), NULL, NOW - 10);
	put(t, A(2), "...", NOW - 10);		/* nothing left once cleaned */
	struct lease r = { .addr = A(3), .state = LEASE_ACTIVE, .htype = 1, .hlen = 6,
			   .start = NOW - 900, .end = NOW - 1, .hostname = "gone" };
	lease_upsert(t, &r);
	put(t, A(4), "Ok-Name", NOW - 10);
	struct names *n = names_build(t, &c, NOW, NULL, NULL);
	CHECK_EQ(names_count(n), 1);
	CHECK_EQ(addr_of(n, "ok-name"), A(4));
	names_free(n);
	lease_table_free(t);
}

/* RefuseNames: a client asking for one of them gets no name (WPAD proxy
 * discovery, a false localhost); a reservation the administrator named
 * so keeps it; names that only start alike are not refused. */
TEST(refused_names_are_never_a_clients)
{
	struct lease_table *t = lease_table_new();
	struct config c = { 0 };
	snprintf(c.dns_refuse, sizeof c.dns_refuse, "wpad, LocalHost,,printer ");
	put(t, A(1), "WPAD", NOW - 10);
	put(t, A(2), "localhost", NOW - 10);
	put(t, A(3), "wpad2", NOW - 10);
	put(t, A(4), "Printer", NOW - 10);
	struct cfg_host h = { .addr = A(5) };
	snprintf(h.hostname, sizeof h.hostname, "wpad");
	c.hosts = &h;
	c.nhosts = 1;
	struct names *n = names_build(t, &c, NOW, NULL, NULL);
	char buf[DNS_LABEL_MAX + 1];
	CHECK_EQ(addr_of(n, "wpad"), A(5));	/* the reservation's */
	CHECK_EQ(label_of(n, A(1), buf)[0], 0);
	CHECK_EQ(addr_of(n, "localhost"), 0);
	CHECK_EQ(addr_of(n, "printer"), 0);
	CHECK_EQ(addr_of(n, "wpad2"), A(3));
	CHECK_EQ(names_count(n), 2);
	names_free(n);
	lease_table_free(t);
}

/* 100,000 named leases, a third of them sharing labels: every label and
 * address maps both ways, nothing is lost, and the rebuild time is printed
 * (a figure, not a pass condition). */
TEST(hundred_thousand_names)
{
	enum { N = 100000 };
	struct lease_table *t = lease_table_new();
	struct config c = { 0 };
	char name[32];
	for (uint32_t i = 0; i < N; i++) {
		/* i % 3 == 0: "dup<i/3>" shared by three consecutive claimants
		 * of different last octets (suffixes never collide). */
		if (i % 3 == 0 || i % 3 == 1)
			snprintf(name, sizeof name, "host%u", i);
		else
			snprintf(name, sizeof name, "host%u", i - 1);
		put(t, A(0) + 0x10000u + i, name, NOW - N + i);
	}
	struct clashes cl;
	struct names *n = NULL;
	double ms[3];
	for (int round = 0; round < 3; round++) {	/* the first one cold */
		struct timespec a, b;
		names_free(n);
		cl = (struct clashes){ 0 };
		clock_gettime(CLOCK_MONOTONIC, &a);
		n = names_build(t, &c, NOW, on_clash, &cl);
		clock_gettime(CLOCK_MONOTONIC, &b);
		ms[round] = (b.tv_sec - a.tv_sec) * 1e3 + (b.tv_nsec - a.tv_nsec) / 1e6;
	}
	printf("# names_build: %d named leases in %.1f ms, then %.1f and %.1f ms\n",
	       N, ms[0], ms[1], ms[2]);
	CHECK(n != NULL);
	if (!n)
		return;
	CHECK_EQ(names_count(n), N);
	CHECK_EQ(cl.n, N / 3);
	char buf[DNS_LABEL_MAX + 1], want[64];
	int bad = 0;
	for (uint32_t i = 0; i < N; i++) {
		uint32_t addr = A(0) + 0x10000u + i;
		if (i % 3 == 2)
			snprintf(want, sizeof want, "host%u-%u", i - 1, addr & 255);
		else
			snprintf(want, sizeof want, "host%u", i);
		bad += strcmp(label_of(n, addr, buf), want) != 0 || addr_of(n, want) != addr;
	}
	CHECK_EQ(bad, 0);
	names_free(n);
	lease_table_free(t);
}

/* A lease with its name's time and origin set. */
static void put_as(struct lease_table *t, uint32_t addr, const char *name, int64_t start,
		   int64_t named_since, bool partner)
{
	put(t, addr, name, start);
	struct lease *l = lease_find(t, addr);
	l->named_since = named_since;
	if (partner)
		l->flags |= LEASE_F_PARTNER;
}

/* The earliest binding of the name keeps it, not the earliest binding:
 * a client that renamed itself to "pc" lately does not take it from the
 * one that has been "pc" all along. */
TEST(earliest_binding_of_the_name_keeps_it)
{
	struct lease_table *t = lease_table_new();
	struct config c = { 0 };
	put_as(t, A(10), "pc", NOW - 1000, NOW - 10, false);	/* renamed 10 s ago */
	put_as(t, A(20), "pc", NOW - 500, NOW - 400, false);
	put_as(t, A(30), "nas", NOW - 300, 0, false);	/* older journal: start counts */
	put_as(t, A(40), "nas", NOW - 900, NOW - 200, false);
	struct names *n = names_build(t, &c, NOW, NULL, NULL);
	CHECK_EQ(addr_of(n, "pc"), A(20));
	CHECK_EQ(addr_of(n, "pc-10"), A(10));
	CHECK_EQ(addr_of(n, "nas"), A(30));
	CHECK_EQ(addr_of(n, "nas-40"), A(40));
	names_free(n);
	lease_table_free(t);
}

/* A SyncServer partner's lease never takes a name from one of our own
 * clients, whatever start it claims; among partner leases the same rule
 * holds, and a reservation still wins over both. */
TEST(partner_lease_never_takes_an_own_clients_name)
{
	struct lease_table *t = lease_table_new();
	struct cfg_host h = { .addr = A(50) };
	strcpy(h.hostname, "printer");
	struct config c = { .nhosts = 1, .hosts = &h };
	put_as(t, A(20), "pc", NOW - 50, NOW - 50, false);
	put_as(t, A(110), "pc", 1, 1, true);			/* claims the dawn of time */
	put_as(t, A(120), "gw", NOW - 10, NOW - 10, true);
	put_as(t, A(130), "gw", NOW - 900, NOW - 20, true);
	put_as(t, A(140), "printer", 1, 1, true);
	struct clashes cl = { 0 };
	struct names *n = names_build(t, &c, NOW, on_clash, &cl);
	CHECK_EQ(addr_of(n, "pc"), A(20));
	CHECK_EQ(addr_of(n, "pc-110"), A(110));
	CHECK_EQ(addr_of(n, "gw"), A(130));
	CHECK_EQ(addr_of(n, "gw-120"), A(120));
	CHECK_EQ(addr_of(n, "printer"), A(50));
	CHECK_EQ(addr_of(n, "printer-140"), A(140));
	CHECK_EQ(cl.n, 3);
	names_free(n);
	lease_table_free(t);
}

T_RUN(T_CASE(first_claimant_keeps_the_label), T_CASE(reservation_wins_and_its_lease_is_one_name),
      T_CASE(suffix_taken_too_gets_no_name), T_CASE(unnamed_expired_and_invalid_leases_are_left_out),
      T_CASE(refused_names_are_never_a_clients),
      T_CASE(earliest_binding_of_the_name_keeps_it),
      T_CASE(partner_lease_never_takes_an_own_clients_name),
      T_CASE(hundred_thousand_names))
