/* The dhcpsrv.ini parser: the seed configs, every error class with its
 * line, warnings, subnets from IPBIND/IPPOOL, relayed subnets, options by
 * code and the print/re-parse round trip. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "conf/config.h"
#include "t.h"

#define IP(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))

/* The two split-scope configurations of the seed FAQ (SyncServer form). */
static const char server1[] =
	"[Settings]\n"
	"IPPOOL_1=10.0.0.2-200\n"
	"IPBIND_1=10.0.0.1\n"
	"AssociateBindsToPools=1\n"
	"Trace=1\n"
	"SyncServer=10.0.1.1:80\n"
	"\n"
	"[GENERAL]\n"
	"LEASETIME=86400\n"
	"NODETYPE=8\n"
	"SUBNETMASK=255.255.254.0\n"
	"\n"
	"[HTTP-SETTINGS]\n"
	"EnableHTTP=1\n";

static const char server2[] =
	"[Settings]\n"
	"IPPOOL_1=10.0.1.2-200\n"
	"IPBIND_1=10.0.1.1\n"
	"AssociateBindsToPools=1\n"
	"Trace=1\n"
	"SyncServer=10.0.0.1:80\n"
	"\n"
	"[GENERAL]\n"
	"LEASETIME=86400\n"
	"NODETYPE=8\n"
	"SUBNETMASK=255.255.254.0\n"
	"\n"
	"[HTTP-SETTINGS]\n"
	"EnableHTTP=1\n";

static char *errtext;	/* messages of the last parse() */

static struct config *parse(const char *text)
{
	size_t n = 0;
	FILE *m;
	struct config *c;

	free(errtext);
	errtext = NULL;
	m = open_memstream(&errtext, &n);
	c = config_parse("t.ini", text, strlen(text), m);
	fclose(m);
	return c;
}

/* The last parse reported exactly this message line. */
static int said(const char *line)
{
	const char *s = errtext ? strstr(errtext, line) : NULL;

	if (s == NULL)
		fprintf(stderr, "  missing message: %s\n  got:\n%s", line, errtext ? errtext : "");
	return s != NULL;
}

static int count_lines(const char *s)
{
	int n = 0;

	for (; s && *s; s++)
		n += *s == '\n';
	return n;
}

/* Parses text that must fail and checks the message for it. */
static int fails_with(const char *text, const char *msg)
{
	struct config *c = parse(text);

	if (c) {
		config_free(c);
		fprintf(stderr, "  accepted, expected: %s\n", msg);
		return 0;
	}
	return said(msg);
}

static const struct cfg_opt *opt(const struct cfg_optset *o, uint8_t code)
{
	for (size_t i = 0; i < o->n; i++)
		if (o->v[i].code == code)
			return &o->v[i];
	return NULL;
}

static int opt_is(const struct cfg_optset *o, uint8_t code, const void *bytes, size_t len)
{
	const struct cfg_opt *v = opt(o, code);

	if (v == NULL || v->len != len || memcmp(v->data, bytes, len) != 0) {
		fprintf(stderr, "  option %u differs\n", code);
		return 0;
	}
	return 1;
}

static char *print(const struct config *c)
{
	char *text = NULL;
	size_t n = 0;
	FILE *m = open_memstream(&text, &n);

	config_print(c, m);
	fclose(m);
	return text;
}

static int optset_eq(const struct cfg_optset *a, const struct cfg_optset *b)
{
	if (a->n != b->n)
		return 0;
	for (size_t i = 0; i < a->n; i++)
		if (a->v[i].code != b->v[i].code || a->v[i].len != b->v[i].len ||
		    memcmp(a->v[i].data, b->v[i].data, a->v[i].len) != 0)
			return 0;
	return 1;
}

static int codes_eq(const struct cfg_codes *a, const struct cfg_codes *b)
{
	return memcmp(a->w, b->w, sizeof a->w) == 0;
}

static int pools_eq(const struct cfg_subnet *a, const struct cfg_subnet *b)
{
	if (a->npools != b->npools)
		return 0;
	for (size_t i = 0; i < a->npools; i++) {
		const struct cfg_pool *x = &a->pools[i], *y = &b->pools[i];
		if (x->siaddr != y->siaddr || strcmp(x->sname, y->sname) ||
		    strcmp(x->bootfile, y->bootfile) || !optset_eq(&x->own, &y->own) ||
		    !optset_eq(&x->opts, &y->opts))
			return 0;
	}
	return 1;
}

static int subnet_eq(const struct cfg_subnet *a, const struct cfg_subnet *b)
{
	return pools_eq(a, b) && a->net == b->net && a->mask == b->mask && a->bind_addr == b->bind_addr &&
	       a->relayed == b->relayed && a->section == b->section &&
	       a->failover == b->failover &&
	       a->nranges == b->nranges &&
	       (a->nranges == 0 ||
		memcmp(a->ranges, b->ranges, a->nranges * sizeof *a->ranges) == 0) &&
	       a->lease_time == b->lease_time && a->siaddr == b->siaddr &&
	       a->t1 == b->t1 && a->t2 == b->t2 && a->min_lease == b->min_lease &&
	       a->max_lease == b->max_lease &&
	       strcmp(a->sname, b->sname) == 0 &&
	       strcmp(a->bootfile, b->bootfile) == 0 && optset_eq(&a->opts, &b->opts) &&
	       codes_eq(&a->always, &b->always) && codes_eq(&a->never, &b->never) &&
	       strcmp(a->shared, b->shared) == 0 && a->ngroup == b->ngroup &&
	       (a->ngroup == 0 || memcmp(a->group, b->group, a->ngroup * sizeof *a->group) == 0);
}

static int class_eq(const struct cfg_class *a, const struct cfg_class *b)
{
	if (strcmp(a->name, b->name) || a->any != b->any || a->nmatch != b->nmatch)
		return 0;
	for (size_t i = 0; i < a->nmatch; i++) {
		const struct cfg_match *x = &a->match[i], *y = &b->match[i];
		if (x->subject != y->subject || x->op != y->op || x->code != y->code ||
		    x->negate != y->negate || x->len != y->len ||
		    memcmp(x->data, y->data, x->len) != 0)
			return 0;
	}
	return a->siaddr == b->siaddr && strcmp(a->sname, b->sname) == 0 &&
	       a->lease_time == b->lease_time &&
	       strcmp(a->bootfile, b->bootfile) == 0 && optset_eq(&a->opts, &b->opts) &&
	       codes_eq(&a->always, &b->always) && codes_eq(&a->never, &b->never);
}

static int host_eq(const struct cfg_host *a, const struct cfg_host *b)
{
	return strcmp(a->name, b->name) == 0 && a->htype == b->htype && a->hlen == b->hlen &&
	       memcmp(a->hw, b->hw, a->hlen) == 0 && a->addr == b->addr &&
	       strcmp(a->hostname, b->hostname) == 0 && a->lease_time == b->lease_time &&
	       a->siaddr == b->siaddr && strcmp(a->bootfile, b->bootfile) == 0 &&
	       strcmp(a->sname, b->sname) == 0 && optset_eq(&a->opts, &b->opts) &&
	       a->cid_len == b->cid_len && (a->cid_len == 0 ||
	       memcmp(a->cid, b->cid, a->cid_len) == 0) &&
	       codes_eq(&a->always, &b->always) && codes_eq(&a->never, &b->never);
}

/* Every field of the configuration but the path and subnet names. */
static int config_eq(const struct config *a, const struct config *b)
{
	if (a->nsubnets != b->nsubnets || a->nhosts != b->nhosts || a->nclasses != b->nclasses)
		return 0;
	for (size_t i = 0; i < a->nclasses; i++)
		if (!class_eq(&a->classes[i], &b->classes[i]))
			return 0;
	for (size_t i = 0; i < a->nsubnets; i++)
		if (!subnet_eq(&a->subnets[i], &b->subnets[i]))
			return 0;
	for (size_t i = 0; i < a->nhosts; i++)
		if (!host_eq(&a->hosts[i], &b->hosts[i]))
			return 0;
	if (a->noptdefs != b->noptdefs)
		return 0;
	for (size_t i = 0; i < a->noptdefs; i++) {
		const struct cfg_optdef *x = &a->optdefs[i], *y = &b->optdefs[i];
		if (x->code != y->code || x->layout.kind != y->layout.kind ||
		    x->layout.n != y->layout.n ||
		    memcmp(x->layout.f, y->layout.f, x->layout.n * sizeof x->layout.f[0]))
			return 0;
	}
	return a->associate_binds == b->associate_binds && a->trace == b->trace &&
	       strcmp(a->sync_server, b->sync_server) == 0 && a->lease_time == b->lease_time &&
	       a->subnet_mask == b->subnet_mask && a->http_enable == b->http_enable &&
	       a->http_port == b->http_port && a->dns_enable == b->dns_enable &&
	       strcmp(a->journal, b->journal) == 0 && strcmp(a->user, b->user) == 0 &&
	       a->authoritative == b->authoritative && a->probe == b->probe &&
	       a->probe_ms == b->probe_ms && a->decline_secs == b->decline_secs &&
	       a->offer_secs == b->offer_secs && a->t1_pct == b->t1_pct &&
	       a->t2_pct == b->t2_pct && a->compact_bytes == b->compact_bytes &&
	       a->commit_delay_ms == b->commit_delay_ms &&
	       memcmp(&a->fo, &b->fo, sizeof a->fo) == 0;
}

/* print, parse, compare, and print again: the same text. */
static int round_trips(const struct config *c)
{
	char *t1 = print(c), *t2 = NULL;
	struct config *again = parse(t1);
	int ok = again != NULL && config_eq(c, again);

	if (again) {
		t2 = print(again);
		ok = ok && strcmp(t1, t2) == 0;
	}
	if (!ok)
		fprintf(stderr, "  round trip failed for:\n%s\n  errors:\n%s", t1,
			errtext ? errtext : "");
	free(t1);
	free(t2);
	config_free(again);
	return ok;
}

static void check_split_scope(const char *text, uint32_t first, uint32_t bind)
{
	struct config *c = parse(text);
	const struct cfg_subnet *s;
	static const uint8_t mask[] = { 255, 255, 254, 0 }, node[] = { 8 };

	CHECK(c != NULL);
	if (c == NULL)
		return;
	CHECK_EQ(count_lines(errtext), 0);
	CHECK_EQ(c->nsubnets, 1);
	s = &c->subnets[0];
	CHECK_STR(s->name, "IPBIND_1");
	CHECK_EQ(s->net, IP(10, 0, 0, 0));
	CHECK_EQ(s->mask, IP(255, 255, 254, 0));
	CHECK_EQ(s->bind_addr, bind);
	CHECK(!s->relayed);
	CHECK_EQ(s->nranges, 1);
	CHECK_EQ(s->ranges[0].first, first);
	CHECK_EQ(s->ranges[0].last, first - 2 + 200);
	CHECK_EQ(s->lease_time, 86400);
	CHECK(opt_is(&s->opts, 1, mask, 4));
	CHECK(opt_is(&s->opts, 46, node, 1));
	CHECK_EQ(s->opts.v[0].code, 1);
	CHECK(c->associate_binds);
	CHECK(c->trace);
	CHECK(c->http_enable);
	CHECK_EQ(c->http_port, 80);
	CHECK(!c->authoritative);
	CHECK_EQ(c->subnet_mask, IP(255, 255, 254, 0));
	CHECK(round_trips(c));
	config_free(c);
}

TEST(seed_split_scope_configs)
{
	check_split_scope(server1, IP(10, 0, 0, 2), IP(10, 0, 0, 1));
	check_split_scope(server2, IP(10, 0, 1, 2), IP(10, 0, 1, 1));
	{
		struct config *c = parse(server1);
		CHECK(c && strcmp(c->sync_server, "10.0.1.1:80") == 0);
		config_free(c);
	}
}

/* Reads the seed FAQ and loads each configuration printed in it. */
TEST(seed_file_configs)
{
	const char *dir = getenv("DUODHCP_SEEDS");
	char path[1024], *text, *s;
	int found = 0;
	size_t n;
	FILE *f;

	snprintf(path, sizeof path, "%s/000_5496f3fb1a969552.txt", dir ? dir : "../shared/seeds");
	if ((f = fopen(path, "rb")) == NULL) {
		fprintf(stderr, "  (seed file %s not found; embedded copies tested)\n", path);
		return;
	}
	text = calloc(1, 1 << 16);
	n = fread(text, 1, (1 << 16) - 1, f);
	fclose(f);
	text[n] = '\0';
	for (s = strstr(text, "[Settings]"); s; s = strstr(s + 1, "[Settings]")) {
		char *end = strstr(s, "\nConfiguration of"), *note = strstr(s, "\nPlease note");
		char save;
		struct config *c;

		if (end == NULL || (note && note < end))
			end = note ? note : s + strlen(s);
		save = *end;
		*end = '\0';
		c = parse(s);
		*end = save;
		CHECK(c != NULL);
		if (c) {
			CHECK_EQ(c->nsubnets, 1);
			CHECK_EQ(c->subnets[0].net, IP(10, 0, 0, 0));
			CHECK_EQ(c->subnets[0].nranges, 1);
			config_free(c);
		}
		found++;
	}
	CHECK_EQ(found, 4);
	free(text);
}

TEST(defaults)
{
	struct config *c = parse("[Settings]\nIPPOOL_1=192.168.1.10-20\n"
				 "[General]\nSUBNETMASK=255.255.255.0\n");

	CHECK(c != NULL);
	if (c == NULL)
		return;
	CHECK_EQ(c->lease_time, 86400);
	CHECK_STR(c->journal, "/var/lib/duodhcp/leases.journal");
	CHECK_STR(c->user, "");
	CHECK(!c->authoritative);
	CHECK(!c->probe);
	CHECK_EQ(c->probe_ms, 500);
	CHECK_EQ(c->decline_secs, 86400);
	CHECK_EQ(c->offer_secs, 30);
	CHECK_EQ(c->t1_pct, 0);
	CHECK_EQ(c->t2_pct, 0);
	CHECK_EQ(c->compact_bytes, 64u << 20);
	CHECK_EQ(c->commit_delay_ms, 0);
	CHECK(!c->associate_binds);
	CHECK(!c->trace);
	CHECK(!c->dns_enable);
	CHECK(!c->http_enable);
	CHECK_STR(c->path, "t.ini");
	/* No IPBIND: the subnet is found from the pool; bind found at run time. */
	CHECK_EQ(c->nsubnets, 1);
	CHECK_EQ(c->subnets[0].net, IP(192, 168, 1, 0));
	CHECK_EQ(c->subnets[0].bind_addr, 0);
	CHECK(!c->subnets[0].relayed);
	CHECK(round_trips(c));
	config_free(c);
}

TEST(duodhcp_section)
{
	struct config *c = parse("[Settings]\nIPPOOL_1=192.168.1.10-20\n"
				 "[General]\nSUBNETMASK=255.255.255.0\n"
				 "[duodhcp]\nJournal=/tmp/j ; test\nUser=duodhcp\n"
				 "Authoritative=yes\nConflictProbe=on\nProbeTimeoutMs=250\n"
				 "DeclineTime=600\nOfferHold=10\nT1Percent=40\nT2Percent=80\n"
				 "CompactBytes=1M\nCommitDelayMs=5\n[HTTP-Settings]\nEnableHTTP=true\nPort=8080\n"
				 "[DNS-Settings]\nEnableDNS=1\n");

	CHECK(c != NULL);
	if (c == NULL)
		return;
	CHECK_STR(c->journal, "/tmp/j");
	CHECK_STR(c->user, "duodhcp");
	CHECK(c->authoritative);
	CHECK(c->probe);
	CHECK_EQ(c->probe_ms, 250);
	CHECK_EQ(c->decline_secs, 600);
	CHECK_EQ(c->offer_secs, 10);
	CHECK_EQ(c->t1_pct, 40);
	CHECK_EQ(c->t2_pct, 80);
	CHECK_EQ(c->compact_bytes, 1u << 20);
	CHECK_EQ(c->commit_delay_ms, 5);
	CHECK(c->http_enable);
	CHECK_EQ(c->http_port, 8080);
	CHECK(c->dns_enable);
	CHECK(round_trips(c));
	config_free(c);
}

TEST(duodhcp_errors)
{
	static const char head[] = "[Settings]\nIPPOOL_1=192.168.1.10-20\n"
				   "[General]\nSUBNETMASK=255.255.255.0\n[DUODHCP]\n";
	char buf[512];

	snprintf(buf, sizeof buf, "%sT1Percent=90\n", head);
	CHECK(fails_with(buf, "t.ini:6: [DUODHCP] T1Percent: T1 must be below T2"));
	snprintf(buf, sizeof buf, "%sT1Percent=60\nT2Percent=55\n", head);
	CHECK(fails_with(buf, "t.ini:7: [DUODHCP] T2Percent: T1 must be below T2"));
	snprintf(buf, sizeof buf, "%sT2Percent=100\n", head);
	CHECK(fails_with(buf, "t.ini:6: [DUODHCP] T2Percent: \"100\" is not a whole number"));
	snprintf(buf, sizeof buf, "%sJournal=\n", head);
	CHECK(fails_with(buf, "t.ini:6: [DUODHCP] Journal: empty value"));
	snprintf(buf, sizeof buf, "%sCompactBytes=5G\n", head);
	CHECK(fails_with(buf, "t.ini:6: [DUODHCP] CompactBytes: \"5G\" is not a size"));
	snprintf(buf, sizeof buf, "%sProbeTimeoutMs=0\n", head);
	CHECK(fails_with(buf, "t.ini:6: [DUODHCP] ProbeTimeoutMs:"));
	snprintf(buf, sizeof buf, "%sAuthoritative=maybe\n", head);
	CHECK(fails_with(buf, "t.ini:6: [DUODHCP] Authoritative: \"maybe\" is not 0/1"));
	snprintf(buf, sizeof buf, "%sUser=a\"b\n", head);
	CHECK(fails_with(buf, "t.ini:6: [DUODHCP] User: control character or '\"'"));
}

/* TrustedRelays and LinkSelection: what they take, what they refuse. */
TEST(relay_trust_keys)
{
	static const char head[] = "[Settings]\nIPPOOL_1=192.168.1.10-20\n"
				   "[General]\nSUBNETMASK=255.255.255.0\n[DUODHCP]\n";
	char buf[768];

	struct config *c = parse(head);
	CHECK(c && c->ntrusted == 0 && c->link_selection == CFG_LINKSEL_RELAYS);
	CHECK(c && config_relay_trusted(c, IP(203, 0, 113, 9)));	/* any relay */
	config_free(c);
	snprintf(buf, sizeof buf, "%sTrustedRelays=198.18.0.2, 198.18.8.0/24 10.1.2.3/32\n"
		 "LinkSelection=Off\n", head);
	c = parse(buf);
	CHECK(c != NULL);
	if (c == NULL)
		return;
	CHECK_EQ(c->ntrusted, 3);
	CHECK_EQ(c->trusted[1].net, IP(198, 18, 8, 0));
	CHECK_EQ(c->trusted[1].mask, 0xffffff00u);
	CHECK_EQ(c->link_selection, CFG_LINKSEL_OFF);
	CHECK(config_relay_trusted(c, IP(198, 18, 0, 2)));
	CHECK(config_relay_trusted(c, IP(198, 18, 8, 77)));
	CHECK(config_relay_trusted(c, IP(10, 1, 2, 3)));
	CHECK(!config_relay_trusted(c, IP(198, 18, 0, 3)));
	CHECK(!config_relay_trusted(c, 0));
	CHECK(round_trips(c));
	config_free(c);
	snprintf(buf, sizeof buf, "%sTrustedRelays=198.18.0.2,relay1\n", head);
	CHECK(fails_with(buf, "t.ini:6: [DUODHCP] TrustedRelays: \"relay1\" is not an IPv4 "
			 "address or a.b.c.d/n"));
	snprintf(buf, sizeof buf, "%sTrustedRelays=198.18.8.1/24\n", head);
	CHECK(fails_with(buf, "t.ini:6: [DUODHCP] TrustedRelays: \"198.18.8.1/24\" has host "
			 "bits set (the network is 198.18.8.0/24)"));
	snprintf(buf, sizeof buf, "%sTrustedRelays=0.0.0.0\n", head);
	CHECK(fails_with(buf, "t.ini:6: [DUODHCP] TrustedRelays: 0.0.0.0 is no relay's address"));
	size_t n = (size_t)snprintf(buf, sizeof buf, "%sTrustedRelays=", head);
	for (int i = 1; i <= CFG_TRUSTED_MAX + 1; i++)
		n += (size_t)snprintf(buf + n, sizeof buf - n, "10.0.0.%d,", i);
	snprintf(buf + n, sizeof buf - n, "\n");
	CHECK(fails_with(buf, "t.ini:6: [DUODHCP] TrustedRelays: at most 32 addresses"));
	snprintf(buf, sizeof buf, "%sLinkSelection=trusted\n", head);
	CHECK(fails_with(buf, "t.ini:6: [DUODHCP] LinkSelection: \"trusted\" is not relays "
			 "or off"));
}

/* One file, many problems: each reported with its own line. */
TEST(all_errors_reported)
{
	static const char text[] =
		"[Settings]\n"				/* 1 */
		"IPPOOL_1=10.0.0.200-10.0.0.2\n"	/* 2 */
		"IPBIND_1=10.0.0.1\n"			/* 3 */
		"IPBIND_1=10.0.0.2\n"			/* 4 */
		"Tracee=1\n"				/* 5 */
		"[GENERAL]\n"				/* 6 */
		"LEASETIME=0\n"				/* 7 */
		"SUBNETMASK=255.255.255.0\n"		/* 8 */
		"OPTION_53=01\n"			/* 9 */
		"ROUTER_1=10.0.0.300\n"			/* 10 */
		"[Nonsense]\n"				/* 11 */
		"foo=bar\n"				/* 12 */
		"just text\n"				/* 13 */
		"[00-11-22-33-44-55]\n"			/* 14 */
		"IPADDR=10.0.0.1\n";			/* 15 */
	struct config *c = parse(text);

	CHECK(c == NULL);
	CHECK(said("t.ini:2: [Settings] IPPOOL_1: \"10.0.0.200-10.0.0.2\": range ends before it starts\n"));
	CHECK(said("t.ini:4: [Settings] IPBIND_1: duplicate key (first at line 3)\n"));
	CHECK(said("t.ini:5: [Settings] Tracee: unknown key\n"));
	CHECK(said("t.ini:7: [GENERAL] LEASETIME: \"0\" is not a whole number from 1 to 4294967295\n"));
	CHECK(said("t.ini:9: [GENERAL] OPTION_53: option 53 belongs to the protocol"));
	CHECK(said("t.ini:10: [GENERAL] ROUTER_1: \"10.0.0.300\" is not an IPv4 address\n"));
	CHECK(said("t.ini:11: [Nonsense]: unknown section (not a MAC address)\n"));
	CHECK(said("t.ini:13: [Nonsense]: expected KEY=VALUE\n"));
	CHECK(said("t.ini:15: [00-11-22-33-44-55] IPADDR: 10.0.0.1 is the server's own address\n"));
	CHECK_EQ(count_lines(errtext), 9);
}

TEST(reader_errors)
{
	char big[5000];

	CHECK(fails_with("[Settings\nIPPOOL_1=1.1.1.1\n", "t.ini:1: section header without ']'"));
	CHECK(fails_with("[Settings] x\n", "t.ini:1: [Settings]: text after ']'"));
	CHECK(fails_with("[ ]\n", "t.ini:1: empty section name"));
	CHECK(fails_with("Trace=1\n[Settings]\n", "t.ini:1: Trace: outside any section"));
	CHECK(fails_with("[Settings]\nTr ace=1\n", "t.ini:2: [Settings]: bad key name \"Tr ace\""));
	CHECK(fails_with("[Settings]\n=1\n", "t.ini:2: [Settings]: bad key name \"\""));
	CHECK(fails_with("[Settings]\n[SETTINGS]\n", "t.ini:2: [SETTINGS]: duplicate section (first at line 1)"));
	CHECK(fails_with("[Settings]\nTrace=1\ntrace=0\n", "t.ini:3: [Settings] trace: duplicate key (first at line 2)"));
	memset(big, 'x', sizeof big);
	memcpy(big, "[Settings]\nTrace=", 17);
	big[sizeof big - 1] = '\0';
	CHECK(fails_with(big, "t.ini:2: line longer than 4096 bytes"));
	CHECK(fails_with("", "t.ini: no subnet"));
}

TEST(nul_byte)
{
	static const char text[] = "[Settings]\nIPPOOL_1=10.0.0.2-9\0junk\n";
	size_t n = 0;
	FILE *m;
	struct config *c;

	free(errtext);
	m = open_memstream(&errtext, &n);
	c = config_parse("t.ini", text, sizeof text - 1, m);
	fclose(m);
	CHECK(c == NULL);
	CHECK(said("t.ini:2: NUL byte in line"));
}

TEST(crlf_bom_comments_case)
{
	static const char text[] =
		"\xef\xbb\xbf; comment\r\n"
		"# another\r\n"
		"[settings]  ; trailing\r\n"
		"  ippool_1 = 192.168.10.2-49   ; pool\r\n"
		"[General]\r\n"
		"SubnetMask=\"255.255.255.0\"\r\n"
		"domainname=\"lan;example\" ; quoted ';'\r\n";
	struct config *c = parse(text);

	CHECK(c != NULL);
	if (c == NULL)
		return;
	CHECK_EQ(c->subnet_mask, IP(255, 255, 255, 0));
	CHECK_EQ(c->subnets[0].ranges[0].first, IP(192, 168, 10, 2));
	CHECK_EQ(c->subnets[0].ranges[0].last, IP(192, 168, 10, 49));
	CHECK(opt_is(&c->subnets[0].opts, 15, "lan;example", 11));
	CHECK(round_trips(c));
	config_free(c);
}

TEST(dhcpsrv_only_keys_warn)
{
	static const char text[] =
		"[Settings]\n"
		"IPPOOL_1=192.168.56.10-254\n"
		"IPBIND_1=192.168.56.1\n"
		"DeleteOnRelease=0\n"
		"BalloonTimeFormat=%b %d\n"
		"TraceFileMaxSize=256000\n"
		"[GENERAL]\n"
		"SUBNETMASK=255.255.255.0\n"
		"AllowDNSQuery=1\n"
		"[DNS-SETTINGS]\n"
		"EnableDNS=0\n"
		"FORWARD=1.1.1.1\n"
		"[TFTP-SETTINGS]\n"
		"EnableTFTP=0\n"
		"ROOT=C:\\dhcpsrv\\wwwroot\n"
		"[HTTP-SETTINGS]\n"
		"EnableHTTP=0\n"
		"ROOT=C:\\dhcpsrv\\wwwroot\n"
		"[00-15-5D-89-01-05]\n"
		"IPADDR=192.168.56.2\n"
		"AutoConfig=06/05/2023 10:04:24\n"
		"Hostname=hyperv\n"
		"LeaseEnd=0\n"
		"Index=1\n"
		"SUBNETMASK=255.255.255.0\n";
	struct config *c = parse(text);

	CHECK(c != NULL);
	CHECK(said("t.ini:4: warning: [Settings] DeleteOnRelease: not used by duodhcpd\n"));
	CHECK(said("t.ini:5: warning: [Settings] BalloonTimeFormat: not used by duodhcpd\n"));
	CHECK(said("t.ini:6: warning: [Settings] TraceFileMaxSize: not used by duodhcpd\n"));
	CHECK(said("t.ini:9: warning: [GENERAL] AllowDNSQuery: not used by duodhcpd\n"));
	CHECK(c && c->ndns_forward == 1 && c->dns_forward[0] == 0x01010101u);
	CHECK(said("t.ini:14: warning: [TFTP-SETTINGS] EnableTFTP: not used by duodhcpd\n"));
	CHECK(said("t.ini:18: warning: [HTTP-SETTINGS] ROOT: not used by duodhcpd\n"));
	CHECK(said("t.ini:25: warning: [00-15-5D-89-01-05] SUBNETMASK: ignored"));
	CHECK_EQ(count_lines(errtext), 8);	/* AutoConfig, LeaseEnd, Index: silent */
	if (c) {
		CHECK_EQ(c->nhosts, 1);
		CHECK_STR(c->hosts[0].hostname, "hyperv");
		CHECK(round_trips(c));
	}
	config_free(c);
}

TEST(mac_forms)
{
	static const uint8_t hw[] = { 0x00, 0x11, 0x22, 0xaa, 0xbb, 0xcc };
	struct config *c = parse("[Settings]\nIPPOOL_1=10.0.0.10-20\n"
				 "[GENERAL]\nSUBNETMASK=255.255.255.0\n"
				 "[00-11-22-AA-BB-CC]\nIPADDR=10.0.0.2\n"
				 "[00:11:22:aa:bb:cd]\nIPADDR=10.0.0.3\n"
				 "[001122aabbce]\nHostname=x\n"
				 "[00-11-22-33-44-??]\nIPADDR=10.0.0.%m5\n");

	CHECK(c != NULL);
	if (c == NULL)
		return;
	CHECK_EQ(c->nhosts, 3);
	CHECK_EQ(c->hosts[0].htype, 1);
	CHECK_EQ(c->hosts[0].hlen, 6);
	CHECK(memcmp(c->hosts[0].hw, hw, 6) == 0);
	CHECK_STR(c->hosts[0].name, "00-11-22-AA-BB-CC");
	CHECK_EQ(c->hosts[1].hw[5], 0xcd);
	CHECK_EQ(c->hosts[2].hw[5], 0xce);
	CHECK_EQ(c->hosts[2].addr, 0);
	CHECK(said("t.ini:11: warning: [00-11-22-33-44-??]: wildcard client sections are not supported"));
	CHECK(config_host_for(c, 1, hw, 6) == &c->hosts[0]);
	CHECK(config_host_for(c, 6, hw, 6) == NULL);
	CHECK(config_host_for(c, 1, (const uint8_t *)"\x00\x11\x22\xaa\xbb\xcf", 6) == NULL);
	CHECK(round_trips(c));
	config_free(c);
	CHECK(fails_with("[00-11-22-33-44]\n", "t.ini:1: [00-11-22-33-44]: unknown section"));
	CHECK(fails_with("[00-11:22-33-44-55]\n", "unknown section"));
	CHECK(fails_with("[0011223344zz]\n", "unknown section"));
}

TEST(host_errors)
{
	static const char head[] = "[Settings]\nIPBIND_1=10.0.0.1\nIPPOOL_1=10.0.0.10-20\n"
				   "[GENERAL]\nSUBNETMASK=255.255.255.0\n";
	char buf[512];

	snprintf(buf, sizeof buf, "%s[00-11-22-33-44-55]\nIPADDR=10.9.9.9\n", head);
	CHECK(fails_with(buf, "t.ini:7: [00-11-22-33-44-55] IPADDR: 10.9.9.9 is not inside any subnet"));
	snprintf(buf, sizeof buf, "%s[00-11-22-33-44-55]\nIPADDR=10.0.0.255\n", head);
	CHECK(fails_with(buf, "t.ini:7: [00-11-22-33-44-55] IPADDR: 10.0.0.255 is the network or broadcast address"));
	snprintf(buf, sizeof buf, "%s[00-11-22-33-44-55]\nIPADDR=10.0.0.5\n"
		 "[00-11-22-33-44-56]\nIPADDR=10.0.0.5\n", head);
	CHECK(fails_with(buf, "t.ini:9: [00-11-22-33-44-56] IPADDR: address already reserved for [00-11-22-33-44-55] (line 6)"));
	snprintf(buf, sizeof buf, "%s[00-11-22-33-44-55]\n[00:11:22:33:44:55]\n", head);
	CHECK(fails_with(buf, "t.ini:7: [00:11:22:33:44:55]: same MAC address as [00-11-22-33-44-55] (line 6)"));
	snprintf(buf, sizeof buf, "%s[00-11-22-33-44-55]\nIPPOOL_1=10.0.0.30\n", head);
	CHECK(fails_with(buf, "t.ini:7: [00-11-22-33-44-55] IPPOOL_1: not allowed in this section"));
	snprintf(buf, sizeof buf, "%s[00-11-22-33-44-55]\nHostname=%0100d\n", head, 0);
	CHECK(fails_with(buf, "t.ini:7: [00-11-22-33-44-55] Hostname: longer than 63 bytes"));
	snprintf(buf, sizeof buf, "%s[00-11-22-33-44-55]\nLEASETIME=0\n", head);
	CHECK(fails_with(buf, "t.ini:7: [00-11-22-33-44-55] LEASETIME:"));
}

TEST(host_overrides)
{
	struct config *c = parse("[Settings]\nIPBIND_1=10.0.0.1\nIPPOOL_1=10.0.0.10-20\n"
				 "[GENERAL]\nSUBNETMASK=255.255.255.0\nDNS_1=10.0.0.53\n"
				 "BOOTFILE=default.efi\n"
				 "[00-11-22-33-44-55]\nIPADDR=10.0.0.15\nHostname=printer\n"
				 "LEASETIME=600\nNEXTSERVER=10.0.0.4\nBOOTFILE=pxelinux.0\n"
				 "DNS_1=1.1.1.1\nOPTION_66=\"tftp.example\" ;\n");
	const struct cfg_host *h;

	CHECK(c != NULL);
	if (c == NULL)
		return;
	h = &c->hosts[0];
	CHECK_EQ(h->addr, IP(10, 0, 0, 15));
	CHECK_STR(h->hostname, "printer");
	CHECK_EQ(h->lease_time, 600);
	CHECK_EQ(h->siaddr, IP(10, 0, 0, 4));
	CHECK_STR(h->bootfile, "pxelinux.0");
	CHECK_EQ(h->opts.n, 2);
	CHECK(opt_is(&h->opts, 6, "\x01\x01\x01\x01", 4));
	CHECK(opt_is(&h->opts, 66, "tftp.example", 12));
	CHECK_STR(c->subnets[0].bootfile, "default.efi");
	/* A reservation inside the pool is fine: the engine keeps it aside. */
	CHECK(config_subnet_for(c, h->addr) == &c->subnets[0]);
	CHECK(round_trips(c));
	config_free(c);
}

TEST(associate_binds_to_pools)
{
	static const char both[] =
		"[Settings]\nIPBIND_1=192.168.10.1\nIPBIND_2=192.168.11.1\n"
		"IPPOOL_1=192.168.10.2-49\nIPPOOL_2=192.168.11.2-49\nAssociateBindsToPools=%d\n"
		"[General]\nSUBNETMASK=255.255.255.0\n";
	char buf[512];
	struct config *c;

	for (int assoc = 0; assoc <= 1; assoc++) {
		snprintf(buf, sizeof buf, both, assoc);
		c = parse(buf);
		CHECK(c != NULL);
		if (c == NULL)
			continue;
		CHECK_EQ(c->nsubnets, 2);
		CHECK_STR(c->subnets[1].name, "IPBIND_2");
		CHECK_EQ(c->subnets[1].bind_addr, IP(192, 168, 11, 1));
		CHECK_EQ(c->subnets[1].ranges[0].first, IP(192, 168, 11, 2));
		CHECK_EQ(c->subnets[0].ranges[0].last, IP(192, 168, 10, 49));
		CHECK(round_trips(c));
		config_free(c);
	}
	/* With 1 the numbers pair up: pool 1 outside bind 1's subnet is an error. */
	c = parse("[Settings]\nIPBIND_1=192.168.10.1\nIPBIND_2=192.168.11.1\n"
		  "IPPOOL_1=192.168.11.2-49\nIPPOOL_2=192.168.10.2-49\nAssociateBindsToPools=1\n"
		  "[General]\nSUBNETMASK=255.255.255.0\n");
	CHECK(c == NULL);
	CHECK(said("t.ini:4: [Settings] IPPOOL_1: 192.168.11.2-192.168.11.49 is outside IPBIND_1 (192.168.10.0/24)"));
	CHECK(said("t.ini:5: [Settings] IPPOOL_2: 192.168.10.2-192.168.10.49 is outside IPBIND_2 (192.168.11.0/24)"));
	/* With 0 (the default) each range goes where it belongs. */
	c = parse("[Settings]\nIPBIND_1=192.168.10.1\nIPBIND_2=192.168.11.1\n"
		  "IPPOOL_1=192.168.11.2-49\nIPPOOL_2=192.168.10.2-49\n"
		  "[General]\nSUBNETMASK=255.255.255.0\n");
	CHECK(c != NULL);
	if (c) {
		CHECK_EQ(c->subnets[0].ranges[0].first, IP(192, 168, 10, 2));
		CHECK_EQ(c->subnets[1].ranges[0].first, IP(192, 168, 11, 2));
		config_free(c);
	}
	CHECK(fails_with("[Settings]\nIPBIND_1=192.168.10.1\nIPPOOL_1=192.168.12.2-49\n"
			 "[General]\nSUBNETMASK=255.255.255.0\n",
			 "t.ini:3: [Settings] IPPOOL_1: 192.168.12.2 is in no IPBIND_n subnet"));
	CHECK(fails_with("[Settings]\nIPBIND_1=192.168.10.1\nIPPOOL_2=192.168.10.2-49\n"
			 "AssociateBindsToPools=1\n[General]\nSUBNETMASK=255.255.255.0\n",
			 "t.ini:3: [Settings] IPPOOL_2: no IPBIND_2 to go with"));
}

TEST(binds_and_indexes)
{
	struct config *c = parse("[Settings]\nIPBIND_0=10.0.0.1\nIPPOOL_0=10.0.0.10-20\n"
				 "[General]\nSUBNETMASK=255.255.255.0\nDNS_2=10.0.0.2\n"
				 "DNS_0=10.0.0.1\nDNS_10=10.0.0.3\n");
	static const uint8_t dns[] = { 10, 0, 0, 1, 10, 0, 0, 2, 10, 0, 0, 3 };

	CHECK(c != NULL);
	if (c) {
		CHECK_STR(c->subnets[0].name, "IPBIND_0");
		CHECK(opt_is(&c->subnets[0].opts, 6, dns, sizeof dns));
		CHECK(round_trips(c));
		config_free(c);
	}
	CHECK(fails_with("[Settings]\nIPBIND_1=10.0.0.1\nIPBIND_2=10.0.0.2\n"
			 "[General]\nSUBNETMASK=255.255.255.0\n[00-11-22-33-44-55]\nIPADDR=10.0.0.9\n",
			 "t.ini:3: [Settings] IPBIND_2: in the same subnet as IPBIND_1"));
	CHECK(fails_with("[Settings]\nIPPOOL_1=10.0.0.2-9\nIPPOOL_01=10.0.0.20-29\n"
			 "[General]\nSUBNETMASK=255.255.255.0\n",
			 "t.ini:3: [Settings] IPPOOL_01: same index as IPPOOL_1 (line 2)"));
	CHECK(fails_with("[Settings]\nIPPOOL_1=10.0.0.2-9\n[General]\nSUBNETMASK=255.255.255.0\n"
			 "DNS_1=1.1.1.1\nDNS_001=1.1.1.2\n",
			 "t.ini:6: [General] DNS_001: same index as DNS_1 (line 5)"));
	CHECK(fails_with("[Settings]\nIPBIND_1=\"vEthernet (MDT-net)\"\nIPPOOL_1=10.0.0.2-9\n"
			 "[General]\nSUBNETMASK=255.255.255.0\n",
			 "t.ini:2: [Settings] IPBIND_1: \"vEthernet (MDT-net)\" is not an IPv4 address"));
	CHECK(fails_with("[Settings]\nIPPOOL_1=10.0.0.2-9\n",
			 "t.ini:2: [Settings] IPPOOL_1: no SUBNETMASK in [GENERAL]"));
	CHECK(fails_with("[Settings]\nIPPOOL_x=10.0.0.2-9\n", "t.ini:2: [Settings] IPPOOL_x: unknown key"));
	CHECK(fails_with("[Settings]\nIPPOOL_12345=10.0.0.2-9\n", "IPPOOL_12345: unknown key"));
}

TEST(pool_syntax)
{
	struct config *c = parse("[Settings]\n"
				 "IPPOOL_1=192.168.20.1,5-10, 192.168.20.100 - 192.168.20.110 ,120\n"
				 "IPPOOL_2=192.168.21.1-192.168.21.3\n"
				 "[General]\nSUBNETMASK=255.255.254.0\n");
	const struct cfg_subnet *s;

	CHECK(c != NULL);
	if (c == NULL)
		return;
	CHECK_EQ(c->nsubnets, 1);
	s = &c->subnets[0];
	CHECK_STR(s->name, "IPPOOL_1");
	CHECK_EQ(s->net, IP(192, 168, 20, 0));
	CHECK_EQ(s->nranges, 5);
	CHECK_EQ(s->ranges[0].first, IP(192, 168, 20, 1));
	CHECK_EQ(s->ranges[0].last, IP(192, 168, 20, 1));
	CHECK_EQ(s->ranges[1].first, IP(192, 168, 20, 5));
	CHECK_EQ(s->ranges[1].last, IP(192, 168, 20, 10));
	CHECK_EQ(s->ranges[2].first, IP(192, 168, 20, 100));
	CHECK_EQ(s->ranges[3].first, IP(192, 168, 20, 120));
	CHECK_EQ(s->ranges[4].last, IP(192, 168, 21, 3));
	CHECK(round_trips(c));
	config_free(c);

	CHECK(fails_with("[Settings]\nIPPOOL_1=5-10\n[General]\nSUBNETMASK=255.255.255.0\n",
			 "t.ini:2: [Settings] IPPOOL_1: \"5-10\": the first item needs a full address"));
	CHECK(fails_with("[Settings]\nIPPOOL_1=10.0.0.1-300\n[General]\nSUBNETMASK=255.255.255.0\n",
			 "t.ini:2: [Settings] IPPOOL_1: \"10.0.0.1-300\": bad end of range"));
	CHECK(fails_with("[Settings]\nIPPOOL_1=10.0.0.1,,5\n[General]\nSUBNETMASK=255.255.255.0\n",
			 "t.ini:2: [Settings] IPPOOL_1: \"\": not an address or range"));
	CHECK(fails_with("[Settings]\nIPPOOL_1=\n[General]\nSUBNETMASK=255.255.255.0\n",
			 "t.ini:2: [Settings] IPPOOL_1: empty pool"));
	CHECK(fails_with("[Settings]\nIPPOOL_1=10.0.0.0-10\n[General]\nSUBNETMASK=255.255.255.0\n",
			 "t.ini:2: [Settings] IPPOOL_1: 10.0.0.0-10.0.0.10 includes the network or broadcast address"));
	CHECK(fails_with("[Settings]\nIPPOOL_1=10.0.0.200-255\n[General]\nSUBNETMASK=255.255.255.0\n",
			 "includes the network or broadcast address"));
	CHECK(fails_with("[Settings]\nIPPOOL_1=10.0.0.200-10.0.1.5\n[General]\nSUBNETMASK=255.255.255.0\n",
			 "t.ini:2: [Settings] IPPOOL_1: 10.0.0.200-10.0.1.5 is outside IPPOOL_1 (10.0.0.0/24)"));
}

TEST(bind_address_left_out_of_pool)
{
	/* dhcpserver.de's own example: IPPOOL_1=$(IPBIND_1)-50. */
	struct config *c = parse("[Settings]\nIPBIND_1=192.168.17.2\nIPPOOL_1=$(Settings\\IPBIND_1)-50\n"
				 "[General]\nSUBNETMASK=255.255.255.0\nDNS_1=$(IPBIND_1)\n");
	const struct cfg_subnet *s;

	CHECK(c != NULL);
	if (c == NULL)
		return;
	s = &c->subnets[0];
	CHECK_EQ(s->nranges, 1);
	CHECK_EQ(s->ranges[0].first, IP(192, 168, 17, 3));
	CHECK_EQ(s->ranges[0].last, IP(192, 168, 17, 50));
	CHECK(opt_is(&s->opts, 6, "\xc0\xa8\x11\x02", 4));
	CHECK(round_trips(c));
	config_free(c);
	c = parse("[Settings]\nIPBIND_1=10.0.0.5\nIPPOOL_1=10.0.0.2-9\n"
		  "[General]\nSUBNETMASK=255.255.255.0\n");
	CHECK(c && c->subnets[0].nranges == 2 && c->subnets[0].ranges[0].last == IP(10, 0, 0, 4) &&
	      c->subnets[0].ranges[1].first == IP(10, 0, 0, 6));
	config_free(c);
}

TEST(overlapping_pools)
{
	CHECK(fails_with("[Settings]\nIPBIND_1=10.0.0.1\nIPPOOL_1=10.0.0.10-100\n"
			 "IPPOOL_2=10.0.0.50-150\n[GENERAL]\nSUBNETMASK=255.255.255.0\n",
			 "t.ini:4: [Settings] IPPOOL_2: 10.0.0.50-10.0.0.150 overlaps IPPOOL_1 (line 3)"));
	CHECK(fails_with("[Settings]\nIPPOOL_1=10.0.0.10-100,20-30\n[GENERAL]\nSUBNETMASK=255.255.255.0\n",
			 "t.ini:2: [Settings] IPPOOL_1: 10.0.0.20-10.0.0.30 overlaps IPPOOL_1 (line 2)"));
	CHECK(fails_with("[Settings]\nIPPOOL_1=10.0.0.10-100\n[GENERAL]\nSUBNETMASK=255.255.255.0\n"
			 "[SUBNET:10.0.0.0/25]\nIPPOOL_1=10.0.0.5\n",
			 "t.ini:5: [SUBNET:10.0.0.0/25]: subnet overlaps IPPOOL_1"));
}

TEST(relayed_subnets)
{
	static const char text[] =
		"[Settings]\nIPBIND_1=10.0.0.1\nIPPOOL_1=10.0.0.10-99\n"
		"[GENERAL]\nSUBNETMASK=255.255.255.0\nLEASETIME=3600\nROUTER_1=10.0.0.1\n"
		"DNS_1=10.0.0.53\nDOMAINNAME=lan.example\nNEXTSERVER=10.0.0.4\n"
		"[SUBNET:198.18.4.0/24]\n"
		"IPPOOL_1=198.18.4.10-250\n"
		"ROUTER_1=198.18.4.1\n"
		"LEASETIME=7200\n"
		"OPTION_121=routes:198.18.5.0/24 198.18.4.254, 0.0.0.0/0 198.18.4.1\n"
		"OPTION_42=ip:198.18.4.1\n"
		"[subnet: 198.18.8.0/22]\n"
		"IPPOOL_1=198.18.8.10-198.18.11.200\n";
	static const uint8_t rt[] = { 24, 198, 18, 5, 198, 18, 4, 254, 0, 198, 18, 4, 1 };
	struct config *c = parse(text);
	const struct cfg_subnet *r, *q;

	CHECK(c != NULL);
	if (c == NULL)
		return;
	CHECK_EQ(c->nsubnets, 3);
	r = &c->subnets[1];
	q = &c->subnets[2];
	CHECK_STR(r->name, "SUBNET:198.18.4.0/24");
	CHECK(r->relayed);
	CHECK_EQ(r->bind_addr, 0);
	CHECK_EQ(r->mask, IP(255, 255, 255, 0));
	CHECK_EQ(r->lease_time, 7200);
	CHECK_EQ(r->siaddr, IP(10, 0, 0, 4));
	CHECK(opt_is(&r->opts, 1, "\xff\xff\xff\x00", 4));
	CHECK(opt_is(&r->opts, 3, "\xc6\x12\x04\x01", 4));	/* override */
	CHECK(opt_is(&r->opts, 6, "\x0a\x00\x00\x35", 4));	/* from [GENERAL] */
	CHECK(opt_is(&r->opts, 15, "lan.example", 11));
	CHECK(opt_is(&r->opts, 121, rt, sizeof rt));
	CHECK(opt_is(&r->opts, 42, "\xc6\x12\x04\x01", 4));
	/* Order: 1 first, [GENERAL] in order with overrides in place, then new ones. */
	CHECK_EQ(r->opts.n, 6);
	CHECK_EQ(r->opts.v[0].code, 1);
	CHECK_EQ(r->opts.v[1].code, 3);
	CHECK_EQ(r->opts.v[2].code, 6);
	CHECK_EQ(r->opts.v[3].code, 15);
	CHECK_EQ(r->opts.v[4].code, 121);
	CHECK_STR(q->name, "SUBNET:198.18.8.0/22");
	CHECK_EQ(q->mask, IP(255, 255, 252, 0));
	CHECK_EQ(q->lease_time, 3600);
	CHECK(opt_is(&q->opts, 1, "\xff\xff\xfc\x00", 4));
	CHECK(config_subnet_for(c, IP(198, 18, 11, 7)) == q);
	CHECK(config_subnet_for(c, IP(198, 18, 12, 7)) == NULL);
	CHECK(round_trips(c));
	config_free(c);

	CHECK(fails_with("[SUBNET:198.18.4.1/24]\nIPPOOL_1=198.18.4.10-20\n",
			 "t.ini:1: [SUBNET:198.18.4.1/24]: host bits set in the network address"));
	CHECK(fails_with("[SUBNET:198.18.4.0]\n", "t.ini:1: [SUBNET:198.18.4.0]: expected [SUBNET:a.b.c.d/n]"));
	CHECK(fails_with("[SUBNET:198.18.4.0/24]\nSUBNETMASK=255.255.255.0\nIPPOOL_1=198.18.4.10\n",
			 "t.ini:2: [SUBNET:198.18.4.0/24] SUBNETMASK: not allowed in this section: the mask comes from the section name"));
	CHECK(fails_with("[SUBNET:198.18.4.0/24]\nIPPOOL_1=198.18.5.10\n",
			 "t.ini:2: [SUBNET:198.18.4.0/24] IPPOOL_1: 198.18.5.10-198.18.5.10 is outside SUBNET:198.18.4.0/24"));
	/* Only relayed subnets: no [GENERAL] mask needed. */
	c = parse("[SUBNET:198.18.4.0/24]\nIPPOOL_1=198.18.4.10-20\n");
	CHECK(c != NULL && c->nsubnets == 1 && c->subnet_mask == 0);
	if (c)
		CHECK(round_trips(c));
	config_free(c);
}

/* A server on two links: the second link's router, lease time and mask
 * come from a [SUBNET:...] section holding its IPBIND_n address. */
TEST(subnet_section_over_ipbind)
{
	static const char text[] =
		"[Settings]\nAssociateBindsToPools=1\n"
		"IPBIND_1=198.18.0.1\nIPPOOL_1=198.18.0.10-50\n"
		"IPBIND_2=198.18.2.1\nIPPOOL_2=198.18.2.10-50\n"
		"[GENERAL]\nSUBNETMASK=255.255.255.0\nLEASETIME=3600\nROUTER_0=198.18.0.1\n"
		"DNS_0=198.18.0.53\n"
		"[SUBNET:198.18.2.0/23]\nROUTER_0=198.18.2.1\nLEASETIME=600\n"
		"IPPOOL_1=198.18.3.10-20\n";
	struct config *c = parse(text);

	CHECK(c != NULL);
	if (c == NULL)
		return;
	CHECK_EQ(c->nsubnets, 2);
	const struct cfg_subnet *a = &c->subnets[0], *b = &c->subnets[1];
	CHECK(!a->relayed && !a->section && !b->relayed && b->section);
	CHECK_STR(b->name, "IPBIND_2");
	CHECK_EQ(b->bind_addr, IP(198, 18, 2, 1));
	CHECK_EQ(b->net, IP(198, 18, 2, 0));
	CHECK_EQ(b->mask, IP(255, 255, 254, 0));
	CHECK_EQ(b->lease_time, 600);
	CHECK(opt_is(&b->opts, 1, "\xff\xff\xfe\x00", 4));
	CHECK(opt_is(&b->opts, 3, "\xc6\x12\x02\x01", 4));	/* the section's */
	CHECK(opt_is(&b->opts, 6, "\xc6\x12\x00\x35", 4));	/* [GENERAL]'s */
	CHECK_EQ(b->nranges, 2);		/* IPPOOL_2 and the section's */
	CHECK_EQ(a->lease_time, 3600);
	CHECK(opt_is(&a->opts, 3, "\xc6\x12\x00\x01", 4));
	CHECK(opt_is(&a->opts, 1, "\xff\xff\xff\x00", 4));
	CHECK(config_subnet_for(c, IP(198, 18, 3, 15)) == b);
	CHECK(round_trips(c));
	config_free(c);

	/* Two links in one section: that is one subnet holding both. */
	CHECK(fails_with("[Settings]\nIPBIND_1=10.0.0.1\nIPBIND_2=10.0.1.1\nIPPOOL_1=10.0.0.10\n"
			 "[GENERAL]\nSUBNETMASK=255.255.255.0\n[SUBNET:10.0.0.0/23]\n",
			 "t.ini:3: [Settings] IPBIND_2: subnet overlaps IPBIND_1"));
}

TEST(options_by_code)
{
	static const char text[] =
		"[Settings]\nIPPOOL_1=172.16.0.100-199\n"
		"[GENERAL]\nSUBNETMASK=255.255.255.0\n"
		"OPTION_2=i32:-3600\n"
		"OPTION_4=ips:172.16.0.1,172.16.0.2\n"
		"OPTION_19=bool:off\n"
		"OPTION_23=u8:64\n"
		"OPTION_26=U16:1500\n"
		"OPTION_35=u32:600\n"
		"OPTION_43=hex:01:04:c0:a8:00:01\n"
		"OPTION_60=\"PXEClient\" ;\n"
		"OPTION_66=172.16.0.5 ; dhcpsrv: 4 address bytes\n"
		"OPTION_67=string:\"boot file.efi\"\n"
		"OPTION_119=03 66 6f 6f 00\n"
		"OPTION_121= 10.10.30.0/24 10.10.20.254 ; 18 0A 0A 1E 0A 0A 14 FE\n"
		"OPTION_150=ip:172.16.0.5\n"
		"OPTION_224=01 \"ab\" (02 03)\n"
		"OPTION_225=string:\n"
		"OPTION_046=08\n";	/* warns: dhcpsrv hex, not decimal */
	static const uint8_t rt[] = { 0x18, 0x0a, 0x0a, 0x1e, 0x0a, 0x0a, 0x14, 0xfe };
	static const uint8_t v224[] = { 1, 'a', 'b', 2, 2, 3 };
	struct config *c = parse(text);
	const struct cfg_optset *o;

	CHECK(c != NULL);
	if (c == NULL)
		return;
	CHECK_EQ(count_lines(errtext), 1);
	CHECK(said("t.ini:20: warning: [GENERAL] OPTION_046: read as hex bytes"));
	o = &c->subnets[0].opts;
	CHECK(opt_is(o, 2, "\xff\xff\xf1\xf0", 4));
	CHECK(opt_is(o, 4, "\xac\x10\x00\x01\xac\x10\x00\x02", 8));
	CHECK(opt_is(o, 19, "\x00", 1));
	CHECK(opt_is(o, 23, "\x40", 1));
	CHECK(opt_is(o, 26, "\x05\xdc", 2));
	CHECK(opt_is(o, 35, "\x00\x00\x02\x58", 4));
	CHECK(opt_is(o, 43, "\x01\x04\xc0\xa8\x00\x01", 6));
	CHECK(opt_is(o, 60, "PXEClient", 9));
	CHECK(opt_is(o, 66, "\xac\x10\x00\x05", 4));
	CHECK(opt_is(o, 67, "boot file.efi", 13));
	CHECK(opt_is(o, 119, "\x03" "foo\x00", 5));
	CHECK(opt_is(o, 121, rt, sizeof rt));
	CHECK(opt_is(o, 150, "\xac\x10\x00\x05", 4));
	CHECK(opt_is(o, 224, v224, sizeof v224));
	CHECK(opt_is(o, 225, "", 0));
	CHECK(opt_is(o, 46, "\x08", 1));
	CHECK(round_trips(c));
	config_free(c);
}

TEST(option_errors)
{
	static const char head[] = "[Settings]\nIPPOOL_1=172.16.0.100-199\n"
				   "[GENERAL]\nSUBNETMASK=255.255.255.0\n";
	char buf[512];

	snprintf(buf, sizeof buf, "%sOPTION_26=1500\n", head);
	CHECK(fails_with(buf, "t.ini:5: [GENERAL] OPTION_26: bad IPv4 address (dhcpsrv syntax; "
			 "for option 26 (interface-mtu) you may write OPTION_26=u16:VALUE)"));
	snprintf(buf, sizeof buf, "%sOPTION_3=0a 00 00\n", head);
	CHECK(fails_with(buf, "t.ini:5: [GENERAL] OPTION_3: 3 bytes are not a valid ips value for option 3 (routers)"));
	snprintf(buf, sizeof buf, "%sOPTION_26=u8:5\n", head);
	CHECK(fails_with(buf, "t.ini:5: [GENERAL] OPTION_26: 1 bytes are not a valid u16 value"));
	snprintf(buf, sizeof buf, "%sOPTION_0=01\n", head);
	CHECK(fails_with(buf, "t.ini:5: [GENERAL] OPTION_0: option code must be 1 to 254"));
	snprintf(buf, sizeof buf, "%sOPTION_255=01\n", head);
	CHECK(fails_with(buf, "OPTION_255: option code must be 1 to 254"));
	snprintf(buf, sizeof buf, "%sOPTION_1=ip:255.0.0.0\n", head);
	CHECK(fails_with(buf, "t.ini:5: [GENERAL] OPTION_1: option 1 comes from SUBNETMASK"));
	snprintf(buf, sizeof buf, "%sOPTION_51=u32:5\n", head);
	CHECK(fails_with(buf, "OPTION_51: option 51 comes from LEASETIME"));
	snprintf(buf, sizeof buf, "%sOPTION_58=u32:5\n", head);
	CHECK(fails_with(buf, "OPTION_58: option 58 comes from T1Percent/T2Percent"));
	snprintf(buf, sizeof buf, "%sOPTION_82=01\n", head);
	CHECK(fails_with(buf, "OPTION_82: option 82 belongs to the protocol"));
	snprintf(buf, sizeof buf, "%sROUTER_1=172.16.0.1\nOPTION_3=ips:172.16.0.2\n", head);
	CHECK(fails_with(buf, "t.ini:6: [GENERAL] OPTION_3: option 3 is already set by ROUTER_1 (line 5)"));
	snprintf(buf, sizeof buf, "%sOPTION_15=string:a\nDOMAINNAME=b\n", head);
	CHECK(fails_with(buf, "t.ini:6: [GENERAL] DOMAINNAME: option 15 is already set by OPTION_15 (line 5)"));
	snprintf(buf, sizeof buf, "%sOPTION_15=example.com\n", head);
	CHECK(fails_with(buf, "t.ini:5: [GENERAL] OPTION_15: expected a two-digit hex byte"));
	snprintf(buf, sizeof buf, "%sOPTION_121=routes:10.0.0.1/8 1.1.1.1\n", head);
	CHECK(fails_with(buf, "t.ini:5: [GENERAL] OPTION_121: destination has bits set beyond /8"));
	snprintf(buf, sizeof buf, "%sNODETYPE=3\n", head);
	CHECK(fails_with(buf, "t.ini:5: [GENERAL] NODETYPE: \"3\" is not a NetBIOS node type"));
	snprintf(buf, sizeof buf, "%sDOMAINNAME=\n", head);
	CHECK(fails_with(buf, "t.ini:5: [GENERAL] DOMAINNAME: needs 1 to 1024 characters"));
	/* RFC 2132's limits on values of the right type (issue 13). */
	snprintf(buf, sizeof buf, "%sOPTION_21=ips:10.0.0.0\n", head);
	CHECK(fails_with(buf, "t.ini:5: [GENERAL] OPTION_21: option 21 (policy-filter): must be "
			 "address pairs, a multiple of 8 bytes"));
	snprintf(buf, sizeof buf, "%sOPTION_33=ips:10.0.0.0,10.0.0.1,10.0.0.2\n", head);
	CHECK(fails_with(buf, "t.ini:5: [GENERAL] OPTION_33: option 33 (static-routes): must be "
			 "address pairs"));
	snprintf(buf, sizeof buf, "%sOPTION_22=u16:575\n", head);
	CHECK(fails_with(buf, "t.ini:5: [GENERAL] OPTION_22: option 22 (max-dgram-reassembly): "
			 "must be at least 576"));
	snprintf(buf, sizeof buf, "%sOPTION_23=u8:0\n", head);
	CHECK(fails_with(buf, "OPTION_23: option 23 (default-ip-ttl): a TTL must be 1 to 255"));
	snprintf(buf, sizeof buf, "%sOPTION_37=00\n", head);
	CHECK(fails_with(buf, "t.ini:5: [GENERAL] OPTION_37: option 37 (default-tcp-ttl): a TTL "
			 "must be 1 to 255"));
	snprintf(buf, sizeof buf, "%sOPTION_26=u16:67\n", head);
	CHECK(fails_with(buf, "OPTION_26: option 26 (interface-mtu): must be at least 68"));
	snprintf(buf, sizeof buf, "%sOPTION_25=hex:00440020\n", head);
	CHECK(fails_with(buf, "OPTION_25: option 25 (path-mtu-plateau-table): each MTU must be "
			 "at least 68"));
	snprintf(buf, sizeof buf, "%sOPTION_40=string:\n", head);
	CHECK(fails_with(buf, "OPTION_40: option 40 (nis-domain): must not be empty"));
	/* The smallest allowed values pass. */
	snprintf(buf, sizeof buf, "%sOPTION_21=ips:10.0.0.0,255.0.0.0\nOPTION_22=u16:576\n"
		 "OPTION_23=u8:1\nOPTION_37=u8:1\nOPTION_26=u16:68\n", head);
	struct config *c = parse(buf);
	CHECK(c != NULL);
	config_free(c);
}

TEST(option_decimal_warning)
{
	struct config *c = parse("[Settings]\nIPPOOL_1=172.16.0.100-199\n"
				 "[GENERAL]\nSUBNETMASK=255.255.255.0\nOPTION_23=40\n");

	CHECK(c != NULL);
	CHECK(said("t.ini:5: warning: [GENERAL] OPTION_23: read as hex bytes (dhcpsrv syntax); "
		   "write OPTION_23=u8:40 for a decimal number"));
	if (c)
		CHECK(opt_is(&c->subnets[0].opts, 23, "\x40", 1));
	config_free(c);
}

TEST(variables)
{
	static const char text[] =
		"[Settings]\n"
		"BaseDir=\"d:\\dhcpsrv\" ; dhcpsrv.exe resides here\n"
		"IPBIND_1=192.168.17.2\n"
		"IPPOOL_1=$(Settings\\IPBIND_1)-50\n"
		"TraceFile=\"$(BaseDir)\\dhcptrc.txt\" ; trace file\n"
		"[General]\n"
		"SUBNETMASK=255.255.255.0\n"
		"DOMAINNAME=$(Names\\Domain)\n"
		"[Names]\n"
		"Domain=lan.example\n";
	struct config *c = parse(text);

	/* [Names] is not a section we know: an error even though it is used. */
	CHECK(c == NULL);
	CHECK(said("t.ini:9: [Names]: unknown section"));
	CHECK_EQ(count_lines(errtext), 2);	/* and TraceFile's warning */

	c = parse("[Settings]\nBaseDir=x\nIPPOOL_1=10.0.0.2-9\n"
		  "[General]\nSUBNETMASK=255.255.255.0\nBOOTFILE=$(BaseDir)/boot.efi\n");
	CHECK(c != NULL);
	if (c)
		CHECK_STR(c->subnets[0].bootfile, "x/boot.efi");
	config_free(c);

	CHECK(fails_with("[Settings]\nA=$(B)\nB=$(A)\nIPPOOL_1=$(A)\n",
			 "t.ini:2: [Settings] A: circular $(...) reference"));
	CHECK(fails_with("[Settings]\nIPPOOL_1=$(Nope)-9\n",
			 "t.ini:2: [Settings] IPPOOL_1: undefined variable $(Nope)"));
	CHECK(fails_with("[Settings]\nA=$\nIPPOOL_1=$(A)(x)\n",
			 "t.ini:3: [Settings] IPPOOL_1: \"$(\" without a variable after expansion"));
	/* Each value is expanded once, so doubling costs nothing ... */
	c = parse("[Settings]\nA=1\nB=$(A)$(A)\nC=$(B)$(B)\nD=$(C)$(C)\nE=$(D)$(D)\n"
		  "F=$(E)$(E)\nG=$(F)$(F)\nH=$(G)$(G)\nI=$(H)$(H)\nJ=$(I)$(I)\nK=$(J)$(J)\n"
		  "L=$(K)$(K)\nM=$(L)$(L)\nN=$(M)$(M)\nIPPOOL_1=$(N)\n");
	CHECK(c == NULL);
	CHECK(said("t.ini:15: [Settings] N: longer than 4096 bytes after $(...) expansion"));
	/* ... and the recursion is bounded. */
	CHECK(fails_with("[Settings]\nIPPOOL_1=$(A)\nA=$(B)\nB=$(C)\nC=$(D)\nD=$(E)\nE=$(F)\n"
			 "F=$(G)\nG=$(H)\nH=$(I)\nI=$(J)\nJ=$(K)\nK=10.0.0.1\n",
			 "t.ini:11: [Settings] I: $(...) nested deeper than 8"));
	CHECK_EQ(count_lines(errtext), 2);	/* and "no subnet" */
	/* An unknown key that nobody references stays an error. */
	CHECK(fails_with("[Settings]\nBaseDir=x\nIPPOOL_1=10.0.0.2-9\n[General]\nSUBNETMASK=255.255.255.0\n",
			 "t.ini:2: [Settings] BaseDir: unknown key"));
}

TEST(strings_with_specials_round_trip)
{
	struct config *c = parse("[Settings]\nIPPOOL_1=10.0.0.2-9\nSyncServer=\"peer;x\"\n"
				 "[General]\nSUBNETMASK=255.255.255.0\nBOOTFILE=\" a b \"\n"
				 "OPTION_12=string:\"\\x00\\x24(x)\\\"\"\nWPAD=\"http://w/x;y\"\n"
				 "[DUODHCP]\nJournal=/var/lib/duo dhcp/j\n");

	CHECK(c != NULL);
	if (c == NULL)
		return;
	CHECK_STR(c->sync_server, "peer;x");
	CHECK_STR(c->subnets[0].bootfile, " a b ");
	CHECK(opt_is(&c->subnets[0].opts, 12, "\0$(x)\"", 6));
	CHECK(opt_is(&c->subnets[0].opts, 252, "http://w/x;y", 12));
	CHECK_STR(c->journal, "/var/lib/duo dhcp/j");
	CHECK(round_trips(c));
	config_free(c);
}

/* T1/T2 in seconds and the lease time bounds, per [GENERAL] and per
 * subnet (issue 13). */
TEST(lease_timers)
{
	struct config *c = parse("[Settings]\nIPBIND_1=10.0.0.1\nIPPOOL_1=10.0.0.10-20\n"
				 "[General]\nSUBNETMASK=255.255.255.0\nLEASETIME=3600\nT1=999\n"
				 "T2=2999\nMaxLeaseTime=86400\n"
				 "[SUBNET:10.0.4.0/24]\nIPPOOL_1=10.0.4.10-20\nLEASETIME=600\n"
				 "T1=100\nT2=500\nMinLeaseTime=60\nMaxLeaseTime=7200\n");
	CHECK(c != NULL);
	if (c) {
		CHECK_EQ(c->subnets[0].t1, 999);
		CHECK_EQ(c->subnets[0].t2, 2999);
		CHECK_EQ(c->subnets[0].min_lease, 0);
		CHECK_EQ(c->subnets[0].max_lease, 86400);
		CHECK_EQ(c->subnets[1].t1, 100);
		CHECK_EQ(c->subnets[1].t2, 500);
		CHECK_EQ(c->subnets[1].min_lease, 60);
		CHECK_EQ(c->subnets[1].max_lease, 7200);
		CHECK(round_trips(c));
	}
	config_free(c);
	static const char head[] = "[Settings]\nIPPOOL_1=10.0.0.10-20\n[General]\n"
				   "SUBNETMASK=255.255.255.0\nLEASETIME=3600\n";
	char buf[512];
	snprintf(buf, sizeof buf, "%sT1=3000\nT2=3000\n", head);
	CHECK(fails_with(buf, "t.ini:7: [General] T2: T1 (3000) must be below T2 (3000) in "));
	snprintf(buf, sizeof buf, "%sMinLeaseTime=4000\n", head);
	CHECK(fails_with(buf, "t.ini:6: [General] MinLeaseTime: 4000 is above LEASETIME (3600)"));
	snprintf(buf, sizeof buf, "%sMaxLeaseTime=60\n", head);
	CHECK(fails_with(buf, "t.ini:6: [General] MaxLeaseTime: 60 is below LEASETIME (3600)"));
	snprintf(buf, sizeof buf, "%sT1=0\n", head);
	CHECK(fails_with(buf, "t.ini:6: [General] T1: "));
	snprintf(buf, sizeof buf, "[Settings]\nIPPOOL_1=10.0.0.10-20\n[10-00-00-00-00-01]\nT1=5\n");
	CHECK(fails_with(buf, "t.ini:4: [10-00-00-00-00-01] T1: "));
}

TEST(nothing_to_serve)
{
	/* A link with no pool and no reservation: INFORM only (issue 13),
	 * with a warning. */
	{
		struct config *c = parse("[Settings]\nIPBIND_1=10.0.0.1\n[General]\n"
					 "SUBNETMASK=255.255.255.0\n");
		CHECK(c != NULL);
		CHECK(said("t.ini: warning: no IPPOOL_n and no client section with IPADDR: "
			   "only DHCPINFORM is answered"));
		if (c) {
			CHECK_EQ(c->nsubnets, 1);
			CHECK_EQ(c->subnets[0].nranges, 0);
			CHECK(round_trips(c));
		}
		config_free(c);
	}
	CHECK(fails_with("[General]\nSUBNETMASK=255.255.255.0\n", "t.ini: no subnet"));
	/* Reservations alone are enough. */
	{
		struct config *c = parse("[Settings]\nIPBIND_1=10.0.0.1\n[General]\n"
					 "SUBNETMASK=255.255.255.0\n[00-11-22-33-44-55]\n"
					 "IPADDR=10.0.0.7\n");
		CHECK(c != NULL);
		if (c) {
			CHECK_EQ(c->subnets[0].nranges, 0);
			CHECK(round_trips(c));
		}
		config_free(c);
	}
}

TEST(load_from_file)
{
	char path[] = "/tmp/duodhcp-test-XXXXXX";
	int fd = mkstemp(path);
	FILE *f = fdopen(fd, "w");
	struct config *c;

	fputs(server2, f);
	fclose(f);
	c = config_load(path, stderr);
	CHECK(c != NULL);
	if (c) {
		CHECK_STR(c->path, path);
		CHECK_EQ(c->subnets[0].bind_addr, IP(10, 0, 1, 1));
	}
	config_free(c);
	remove(path);
	{
		size_t n = 0;
		FILE *m;
		free(errtext);
		m = open_memstream(&errtext, &n);
		CHECK(config_load("/nonexistent/dhcpsrv.ini", m) == NULL);
		fclose(m);
		CHECK(said("/nonexistent/dhcpsrv.ini: No such file or directory"));
	}
	config_free(NULL);
}


/* ---- [FAILOVER] ---- */

/* Lines 1-8; [FAILOVER] keys start on line 9. */
#define FO_HEAD "[Settings]\nIPBIND_1=198.18.0.2\nIPPOOL_1=198.18.0.10-250\n" \
	"[GENERAL]\nSUBNETMASK=255.255.255.0\n[SUBNET:198.19.4.0/24]\n" \
	"IPPOOL_1=198.19.4.10-250\n[FAILOVER]\n"
#define FO_PRIMARY "Role=primary\nAddress=198.18.0.2\nPeerAddress=198.18.0.3\n" \
	"Name=pair\nMCLT=3600\n"
#define FO_SECONDARY "Role=secondary\nAddress=198.18.0.3\nPeerAddress=198.18.0.2\n" \
	"Name=pair\n"

TEST(failover_defaults)
{
	struct config *c = parse(FO_HEAD FO_PRIMARY);

	CHECK(c != NULL);
	if (c == NULL)
		return;
	CHECK(c->fo.enabled);
	CHECK_EQ(c->fo.role, CFG_FO_PRIMARY);
	CHECK_EQ(c->fo.addr, IP(198, 18, 0, 2));
	CHECK_EQ(c->fo.peer_addr, IP(198, 18, 0, 3));
	CHECK_EQ(c->fo.port, 647);
	CHECK_EQ(c->fo.peer_port, 647);
	CHECK_STR(c->fo.name, "pair");
	CHECK_EQ(c->fo.mclt, 3600);
	CHECK_EQ(c->fo.split, 128);
	CHECK(!c->fo.hba_set);
	/* split 128: the first 128 buckets are the primary's. */
	for (size_t i = 0; i < 32; i++)
		CHECK_EQ(c->fo.hba[i], i < 16 ? 0xff : 0);
	CHECK_EQ(c->fo.max_response_delay, 20);
	CHECK_EQ(c->fo.max_unacked, 100);
	CHECK_EQ(c->fo.lb_max_secs, 3);
	CHECK_EQ(c->fo.auto_partner_down, 0);
	CHECK_EQ(c->fo.clock_skew_warn, 5);
	CHECK_EQ(c->fo.min_balance, 60);
	CHECK_EQ(c->fo.max_balance, 3600);
	CHECK(c->fo.all_pools);
	CHECK_EQ(c->nsubnets, 2);
	CHECK(c->subnets[0].failover && c->subnets[1].failover);
	CHECK(errtext == NULL || *errtext == '\0');
	CHECK(round_trips(c));
	config_free(c);

	c = parse(FO_HEAD FO_SECONDARY);
	CHECK(c != NULL);
	if (c) {
		CHECK_EQ(c->fo.role, CFG_FO_SECONDARY);
		CHECK_EQ(c->fo.mclt, 0);
		for (size_t i = 0; i < 32; i++)
			CHECK_EQ(c->fo.hba[i], 0);	/* the primary's CONNECT brings it */
		CHECK(round_trips(c));
	}
	config_free(c);

	/* No [FAILOVER]: off, and no subnet is a failover one. */
	c = parse(server1);
	CHECK(c != NULL);
	if (c) {
		CHECK(!c->fo.enabled);
		CHECK(!c->subnets[0].failover);
	}
	config_free(c);
}

TEST(failover_keys)
{
	struct config *c = parse(FO_HEAD FO_PRIMARY "Port=6470\nPeerPort=6471\n"
				 "MaxResponseDelay=30\nMaxUnackedUpdates=10\n"
				 "LoadBalanceMaxSeconds=5\nAutoPartnerDown=600\nClockSkewWarn=10\n"
				 "Pools=198.19.4.0/24\nSplit=9\n");

	CHECK(c != NULL);
	if (c == NULL)
		return;
	CHECK_EQ(c->fo.port, 6470);
	CHECK_EQ(c->fo.peer_port, 6471);
	CHECK_EQ(c->fo.max_response_delay, 30);
	CHECK_EQ(c->fo.max_unacked, 10);
	CHECK_EQ(c->fo.lb_max_secs, 5);
	CHECK_EQ(c->fo.auto_partner_down, 600);
	CHECK_EQ(c->fo.clock_skew_warn, 10);
	CHECK(!c->fo.all_pools);
	CHECK(!c->subnets[0].failover);
	CHECK(c->subnets[1].failover);
	/* ISC's order: bucket i is bit i%8 of byte i/8. */
	CHECK_EQ(c->fo.hba[0], 0xff);
	CHECK_EQ(c->fo.hba[1], 0x01);
	CHECK_EQ(c->fo.hba[2], 0);
	CHECK(round_trips(c));
	config_free(c);

	c = parse(FO_HEAD FO_PRIMARY "Split=0\n");
	CHECK(c && c->fo.hba[0] == 0 && c->fo.hba[31] == 0);
	config_free(c);
	c = parse(FO_HEAD FO_PRIMARY "Split=256\n");
	CHECK(c && c->fo.hba[0] == 0xff && c->fo.hba[31] == 0xff);
	config_free(c);

	/* HBA as ISC writes it (32 bytes with colons), and as 64 digits. */
	c = parse(FO_HEAD FO_PRIMARY "HBA=aa:aa:aa:aa:aa:aa:aa:aa:aa:aa:aa:aa:aa:aa:aa:aa:"
		  "55:55:55:55:55:55:55:55:55:55:55:55:55:55:55:55\n");
	CHECK(c != NULL);
	if (c) {
		CHECK(c->fo.hba_set);
		CHECK_EQ(c->fo.hba[0], 0xaa);
		CHECK_EQ(c->fo.hba[31], 0x55);
		CHECK(round_trips(c));
	}
	config_free(c);
	c = parse(FO_HEAD FO_PRIMARY "HBA=0123456789abcdef0123456789ABCDEF"
		  "0123456789abcdef0123456789abcdef\n");
	CHECK(c && c->fo.hba_set && c->fo.hba[0] == 0x01 && c->fo.hba[15] == 0xef);
	config_free(c);

	/* "all" in any case; 0 turns load balancing off, with ISC's warning. */
	c = parse(FO_HEAD FO_PRIMARY "Pools=ALL\nLoadBalanceMaxSeconds=0\n");
	CHECK(c && c->fo.all_pools && c->subnets[0].failover && c->subnets[1].failover);
	CHECK(said("t.ini:15: warning: [FAILOVER] LoadBalanceMaxSeconds: 0 turns load "
		   "balancing off"));
	config_free(c);
}

TEST(failover_errors)
{
	char buf[1024];

#define FO_FAILS(keys, msg) do { \
	snprintf(buf, sizeof buf, "%s%s", FO_HEAD, keys); \
	CHECK(fails_with(buf, msg)); \
} while (0)
	FO_FAILS("Role=tertiary\nAddress=198.18.0.2\nPeerAddress=198.18.0.3\nName=pair\n",
		 "t.ini:9: [FAILOVER] Role: \"tertiary\" is not primary or secondary");
	FO_FAILS("Address=198.18.0.2\nPeerAddress=198.18.0.3\nName=pair\n",
		 "t.ini:8: [FAILOVER] Role: missing: required\n");
	FO_FAILS("Role=secondary\nPeerAddress=198.18.0.3\nName=pair\n",
		 "t.ini:8: [FAILOVER] Address: missing: required\n");
	FO_FAILS("Role=secondary\nAddress=198.18.0.3\nName=pair\n",
		 "t.ini:8: [FAILOVER] PeerAddress: missing: required\n");
	FO_FAILS("Role=secondary\nAddress=198.18.0.3\nPeerAddress=198.18.0.2\n",
		 "t.ini:8: [FAILOVER] Name: missing: required\n");
	FO_FAILS("Role=secondary\nAddress=198.18.0.3\nPeerAddress=198.18.0.2\nName=\n",
		 "t.ini:12: [FAILOVER] Name: empty value");
	FO_FAILS("Role=secondary\nAddress=198.18.0.3\nPeerAddress=198.18.0.2\nName=p\n"
		 "MinBalance=600\nMaxBalance=300\n",
		 "t.ini:13: [FAILOVER] MinBalance: 600 is above MaxBalance (300)");
	FO_FAILS("Role=secondary\nAddress=198.18.0.3\nPeerAddress=198.18.0.2\nName=p\n"
		 "MinBalance=0\n", "t.ini:13: [FAILOVER] MinBalance: ");
	memset(buf, 'n', 300);
	snprintf(buf + 300, sizeof buf - 300, "\n");
	{
		char keys[512];
		snprintf(keys, sizeof keys, "Role=secondary\nAddress=198.18.0.3\n"
			 "PeerAddress=198.18.0.2\nName=%.300s", buf);
		FO_FAILS(keys, "t.ini:12: [FAILOVER] Name: longer than 255 bytes");
	}
	/* The primary's settings: required there, refused on the secondary. */
	FO_FAILS("Role=primary\nAddress=198.18.0.2\nPeerAddress=198.18.0.3\nName=pair\n",
		 "t.ini:8: [FAILOVER] MCLT: missing: required on the primary");
	FO_FAILS(FO_SECONDARY "MCLT=3600\n",
		 "t.ini:13: [FAILOVER] MCLT: only the primary sets this");
	FO_FAILS(FO_SECONDARY "Split=128\n",
		 "t.ini:13: [FAILOVER] Split: only the primary sets this");
	FO_FAILS(FO_SECONDARY "HBA=ffffffffffffffffffffffffffffffff"
		 "00000000000000000000000000000000\n",
		 "t.ini:13: [FAILOVER] HBA: only the primary sets this");
	FO_FAILS(FO_PRIMARY "Split=257\n",
		 "t.ini:14: [FAILOVER] Split: \"257\" is not a whole number from 0 to 256");
	FO_FAILS(FO_PRIMARY "Split=-1\n",
		 "t.ini:14: [FAILOVER] Split: \"-1\" is not a whole number from 0 to 256");
	FO_FAILS(FO_PRIMARY "Split=64\nHBA=ffffffffffffffffffffffffffffffff"
		 "00000000000000000000000000000000\n",
		 "t.ini:15: [FAILOVER] HBA: Split and HBA are two forms of one map");
	FO_FAILS(FO_PRIMARY "HBA=ff:ff\n", "t.ini:14: [FAILOVER] HBA: not 64 hex digits");
	FO_FAILS(FO_PRIMARY "HBA=ffffffffffffffffffffffffffffffff"
		 "00000000000000000000000000000000ff\n",
		 "t.ini:14: [FAILOVER] HBA: not 64 hex digits");
	FO_FAILS(FO_PRIMARY "HBA=gfffffffffffffffffffffffffffffff"
		 "00000000000000000000000000000000\n",
		 "t.ini:14: [FAILOVER] HBA: not 64 hex digits");
	/* Ranges. */
	FO_FAILS("Role=primary\nAddress=198.18.0.2\nPeerAddress=198.18.0.3\nName=pair\nMCLT=0\n",
		 "t.ini:13: [FAILOVER] MCLT: \"0\" is not a whole number from 1 to 31536000");
	FO_FAILS(FO_PRIMARY "Port=0\n",
		 "t.ini:14: [FAILOVER] Port: \"0\" is not a whole number from 1 to 65535");
	FO_FAILS(FO_PRIMARY "PeerPort=65536\n",
		 "t.ini:14: [FAILOVER] PeerPort: \"65536\" is not a whole number from 1 to 65535");
	FO_FAILS(FO_PRIMARY "MaxResponseDelay=2\n",
		 "t.ini:14: [FAILOVER] MaxResponseDelay: \"2\" is not a whole number from 3 to 3600");
	FO_FAILS(FO_PRIMARY "MaxUnackedUpdates=0\n",
		 "t.ini:14: [FAILOVER] MaxUnackedUpdates: \"0\" is not a whole number from 1 to 65535");
	FO_FAILS(FO_PRIMARY "LoadBalanceMaxSeconds=65536\n",
		 "t.ini:14: [FAILOVER] LoadBalanceMaxSeconds: \"65536\" is not a whole number "
		 "from 0 to 65535");
	FO_FAILS(FO_PRIMARY "AutoPartnerDown=31536001\n",
		 "t.ini:14: [FAILOVER] AutoPartnerDown: \"31536001\" is not a whole number from "
		 "0 to 31536000");
	FO_FAILS(FO_PRIMARY "ClockSkewWarn=60\n",
		 "t.ini:14: [FAILOVER] ClockSkewWarn: \"60\" is not a whole number from 0 to 59");
	FO_FAILS(FO_PRIMARY "Name2=x\n", "t.ini:14: [FAILOVER] Name2: unknown key");
	/* Addresses. */
	FO_FAILS("Role=secondary\nAddress=peer.example\nPeerAddress=198.18.0.2\nName=pair\n",
		 "t.ini:10: [FAILOVER] Address: \"peer.example\" is not an IPv4 address");
	FO_FAILS("Role=secondary\nAddress=198.18.0.3\nPeerAddress=224.0.0.1\nName=pair\n",
		 "t.ini:11: [FAILOVER] PeerAddress: 224.0.0.1 is not a unicast address");
	FO_FAILS("Role=secondary\nAddress=0.0.0.0\nPeerAddress=198.18.0.2\nName=pair\n",
		 "t.ini:10: [FAILOVER] Address: 0.0.0.0 is not a unicast address");
	FO_FAILS("Role=secondary\nAddress=198.18.0.3\nPeerAddress=198.18.0.3\nName=pair\n",
		 "t.ini:11: [FAILOVER] PeerAddress: is this server's own Address and Port");
	FO_FAILS("Role=secondary\nAddress=198.18.0.3\nPeerAddress=198.18.0.20\nName=pair\n",
		 "t.ini:11: [FAILOVER] PeerAddress: 198.18.0.20 is inside the failover pool "
		 "198.18.0.10-198.18.0.250 (IPPOOL_1 line 3)");
	/* Pools. */
	FO_FAILS(FO_PRIMARY "Pools=198.18.9.0/24\n",
		 "t.ini:14: [FAILOVER] Pools: 198.18.9.0/24 is not a subnet of this file");
	FO_FAILS(FO_PRIMARY "Pools=198.18.0.0/16\n",
		 "t.ini:14: [FAILOVER] Pools: 198.18.0.0/16 is not a subnet of this file");
	FO_FAILS(FO_PRIMARY "Pools=198.18.0.1/24\n",
		 "t.ini:14: [FAILOVER] Pools: 198.18.0.1/24: host bits set");
	FO_FAILS(FO_PRIMARY "Pools=IPPOOL_1\n",
		 "t.ini:14: [FAILOVER] Pools: \"IPPOOL_1\" is not a subnet a.b.c.d/n");
	FO_FAILS(FO_PRIMARY "Pools=all, 198.18.0.0/24\n",
		 "t.ini:14: [FAILOVER] Pools: \"all\" is not a subnet a.b.c.d/n (or \"all\" alone)");
	FO_FAILS(FO_PRIMARY "Pools=198.18.0.0/24, 198.18.0.0/24\n",
		 "t.ini:14: [FAILOVER] Pools: 198.18.0.0/24 is listed twice");
	FO_FAILS(FO_PRIMARY "Pools=\n", "t.ini:14: [FAILOVER] Pools: empty");
	/* Our own address in a shared pool: the peer would hand it out. */
	CHECK(fails_with("[Settings]\nIPBIND_1=198.18.0.2\nIPPOOL_1=198.18.0.2-250\n"
			 "[GENERAL]\nSUBNETMASK=255.255.255.0\n[FAILOVER]\n" FO_PRIMARY,
			 "t.ini:3: [Settings] IPPOOL_1: 198.18.0.2-198.18.0.250 holds this "
			 "server's address 198.18.0.2 (IPBIND_1)"));
	/* A subnet with no pool, and a file with no pool at all. */
	CHECK(fails_with("[Settings]\n[GENERAL]\n[SUBNET:198.20.0.0/24]\n"
			 "[02-00-00-00-00-01]\nIPADDR=198.20.0.5\n[FAILOVER]\n" FO_PRIMARY,
			 "t.ini:6: [FAILOVER] Pools: no subnet of this file has a pool to share"));
	CHECK(fails_with("[Settings]\n[GENERAL]\n[SUBNET:198.20.0.0/24]\n"
			 "[02-00-00-00-00-01]\nIPADDR=198.20.0.5\n[FAILOVER]\n" FO_PRIMARY
			 "Pools=198.20.0.0/24\n",
			 "t.ini:12: [FAILOVER] Pools: 198.20.0.0/24 (SUBNET:198.20.0.0/24) has "
			 "no pool"));
#undef FO_FAILS
}

/* Every problem of one [FAILOVER] section, each on its own line. */
TEST(failover_all_errors_reported)
{
	struct config *c = parse(FO_HEAD "Role=secondary\nAddress=198.18.0.3\nName=pair\n"
				 "MCLT=60\nSplit=300\nPools=10.0.0.0/8\n");

	CHECK(c == NULL);
	config_free(c);
	CHECK(said("t.ini:8: [FAILOVER] PeerAddress: missing: required\n"));
	CHECK(said("t.ini:12: [FAILOVER] MCLT: only the primary sets this"));
	CHECK(said("t.ini:13: [FAILOVER] Split: \"300\" is not a whole number"));
	CHECK(said("t.ini:13: [FAILOVER] Split: only the primary sets this"));
	CHECK(said("t.ini:14: [FAILOVER] Pools: 10.0.0.0/8 is not a subnet of this file"));
	CHECK_EQ(count_lines(errtext), 5);
}

TEST(failover_sync_server_warns)
{
	struct config *c = parse("[Settings]\nIPBIND_1=198.18.0.2\nIPPOOL_1=198.18.0.10-250\n"
				 "SyncServer=198.18.0.3:80\n[GENERAL]\nSUBNETMASK=255.255.255.0\n"
				 "[FAILOVER]\n" FO_PRIMARY);

	CHECK(c != NULL);
	CHECK(said("t.ini:4: warning: [Settings] SyncServer: with [FAILOVER]"));
	config_free(c);
}

static struct config *parse_as(const char *name, const char *text)
{
	return config_parse(name, text, strlen(text), stderr);
}

static int pair(const char *a, const char *b)
{
	struct config *ca = parse_as("a.ini", a), *cb = parse_as("b.ini", b);
	size_t n = 0;
	FILE *m;
	int r = -1;

	free(errtext);
	errtext = NULL;
	m = open_memstream(&errtext, &n);
	if (ca && cb)
		r = config_failover_pair(ca, cb, m);
	fclose(m);
	config_free(ca);
	config_free(cb);
	return r;
}

TEST(failover_pair)
{
	static const char sec_head[] = "[Settings]\nIPBIND_1=198.18.0.3\n"
		"IPPOOL_1=198.18.0.10-100,198.18.0.101-250\n[GENERAL]\nSUBNETMASK=255.255.255.0\n"
		"[SUBNET:198.19.4.0/24]\nIPPOOL_1=198.19.4.10-250\n[FAILOVER]\n";
	char b[1024];
	struct config *ca, *cb;

	snprintf(b, sizeof b, "%s%s", sec_head, FO_SECONDARY);
	CHECK_EQ(pair(FO_HEAD FO_PRIMARY, b), 0);
	/* Ranges written differently, the same addresses: the same fingerprint. */
	ca = parse_as("a.ini", FO_HEAD FO_PRIMARY);
	cb = parse_as("b.ini", b);
	CHECK(ca && cb);
	if (ca && cb)
		CHECK(config_failover_fingerprint(ca) == config_failover_fingerprint(cb));
	config_free(cb);
	/* A pool in failover on one side only. */
	snprintf(b, sizeof b, "%s%sPools=198.18.0.0/24\n", sec_head, FO_SECONDARY);
	cb = parse_as("b.ini", b);
	CHECK(ca && cb);
	if (ca && cb)
		CHECK(config_failover_fingerprint(ca) != config_failover_fingerprint(cb));
	config_free(ca);
	config_free(cb);
	CHECK_EQ(pair(FO_HEAD FO_PRIMARY, b), 1);
	CHECK(said("a.ini: [FAILOVER] Pools: 198.19.4.10-198.19.4.250 is a failover pool "
		   "here, not in b.ini\n"));
	/* Part of a range. */
	snprintf(b, sizeof b, "[Settings]\nIPBIND_1=198.18.0.3\nIPPOOL_1=198.18.0.10-200\n"
		 "[GENERAL]\nSUBNETMASK=255.255.255.0\n[SUBNET:198.19.4.0/24]\n"
		 "IPPOOL_1=198.19.4.10-250,198.19.4.5\n[FAILOVER]\n%s", FO_SECONDARY);
	CHECK_EQ(pair(FO_HEAD FO_PRIMARY, b), 2);
	CHECK(said("a.ini: [FAILOVER] Pools: 198.18.0.201-198.18.0.250 is a failover pool "
		   "here, not in b.ini\n"));
	CHECK(said("b.ini: [FAILOVER] Pools: 198.19.4.5-198.19.4.5 is a failover pool "
		   "here, not in a.ini\n"));
	/* Roles, name, addresses and ports. */
	snprintf(b, sizeof b, "%sRole=primary\nAddress=198.18.0.4\nPeerAddress=198.18.0.2\n"
		 "PeerPort=648\nName=other\nMCLT=60\n", sec_head);
	CHECK_EQ(pair(FO_HEAD FO_PRIMARY, b), 4);
	CHECK(said("b.ini: [FAILOVER] Role: primary in both files"));
	CHECK(said("b.ini: [FAILOVER] Name: \"other\", but \"pair\" in a.ini"));
	CHECK(said("a.ini: [FAILOVER] PeerAddress: 198.18.0.3, but the Address of b.ini is "
		   "198.18.0.4"));
	CHECK(said("b.ini: [FAILOVER] PeerPort: 648, but the Port of a.ini is 647"));
	/* One side without failover. */
	CHECK_EQ(pair(FO_HEAD FO_PRIMARY, server1), 1);
	CHECK(said("b.ini: no [FAILOVER] section"));
}


#define CLASS_INI \
	"[Settings]\nIPBIND_1=198.18.0.1\nIPPOOL_1=198.18.0.10-100\nAssociateBindsToPools=1\n" \
	"[GENERAL]\nSUBNETMASK=255.255.255.0\nNEXTSERVER=198.18.0.1\nSNAME=boot\n" \
	"[SUBNET:198.18.4.0/24]\nIPPOOL_1=198.18.4.10-20\nIPPOOL_2=198.18.4.100-150\n" \
	"POOLCLASS_2=phone\nIPPOOL_3=198.18.4.200-210\nPOOLCLASS_3=!phone, !uefi\n" \
	"[CLASS:uefi]\nMatch_1=vendor-class prefix \"PXEClient\"\nMatch_2=arch = u16:7\n" \
	"NEXTSERVER=198.18.0.7\nSNAME=efi-server\nBOOTFILE=efi/grubx64.efi\n" \
	"[CLASS:phone]\nMatchAny=1\nMatch_1=option:60 contains \"Phone; X\"\n" \
	"Match_2=option:82.1 = hex:01:02\nMatch_3=not hw prefix 00:11:22\nDNS_1=198.18.0.53\n" \
	"OPTION_66=string:tftp.phones\n"

TEST(classes_parse_and_round_trip)
{
	struct config *c = parse(CLASS_INI);
	const struct cfg_class *k;
	const struct cfg_subnet *s;

	CHECK(c != NULL);
	if (c == NULL)
		return;
	CHECK_EQ(c->nclasses, 2);
	k = &c->classes[0];
	CHECK_STR(k->name, "uefi");
	CHECK(!k->any);
	CHECK_EQ(k->nmatch, 2);
	CHECK_EQ(k->match[0].subject, CFG_M_OPTION);
	CHECK_EQ(k->match[0].code, 60);
	CHECK_EQ(k->match[0].op, CFG_M_PREFIX);
	CHECK(k->match[0].len == 9 && memcmp(k->match[0].data, "PXEClient", 9) == 0);
	CHECK_EQ(k->match[1].code, 93);
	CHECK(k->match[1].len == 2 && k->match[1].data[0] == 0 && k->match[1].data[1] == 7);
	CHECK_EQ(k->siaddr, IP(198, 18, 0, 7));
	CHECK_STR(k->sname, "efi-server");
	CHECK_STR(k->bootfile, "efi/grubx64.efi");
	k = &c->classes[1];
	CHECK(k->any);
	CHECK_EQ(k->match[1].subject, CFG_M_RAI);
	CHECK_EQ(k->match[1].code, 1);
	CHECK_EQ(k->match[2].subject, CFG_M_HW);
	CHECK(k->match[2].negate);
	CHECK(opt_is(&k->opts, 6, "\xc6\x12\x00\x35", 4));
	CHECK(opt_is(&k->opts, 66, "tftp.phones", 11));
	/* [GENERAL]'s SNAME reaches the subnets; pools carry their classes. */
	s = config_subnet_for(c, IP(198, 18, 4, 1));
	CHECK(s && strcmp(s->sname, "boot") == 0 && s->nranges == 3);
	if (s && s->nranges == 3) {
		CHECK(s->ranges[0].allow == 0 && s->ranges[0].deny == 0);
		CHECK(s->ranges[1].allow == 2 && s->ranges[1].deny == 0);
		CHECK(s->ranges[2].allow == 0 && s->ranges[2].deny == 3);
	}
	CHECK(round_trips(c));
	config_free(c);
}

TEST(class_errors)
{
	CHECK(fails_with("[Settings]\nIPPOOL_1=198.18.0.10-20\n[GENERAL]\nSUBNETMASK=255.255.255.0\n"
			 "[CLASS:a]\nMatch_1=option:60 startswith \"x\"\n",
			 "t.ini:6: [CLASS:a] Match_1: expected exists, =, prefix or contains after "
			 "the subject"));
	CHECK(fails_with("[Settings]\nIPPOOL_1=198.18.0.10-20\n[GENERAL]\nSUBNETMASK=255.255.255.0\n"
			 "[CLASS:a]\nMatch_1=option:300 exists\n",
			 "t.ini:6: [CLASS:a] Match_1: an option code is 1 to 254"));
	CHECK(fails_with("[Settings]\nIPPOOL_1=198.18.0.10-20\n[GENERAL]\nSUBNETMASK=255.255.255.0\n"
			 "[CLASS:a]\nMatch_1=option:82.0 exists\n",
			 "t.ini:6: [CLASS:a] Match_1: an option 82 sub-option is 1 to 255"));
	CHECK(fails_with("[Settings]\nIPPOOL_1=198.18.0.10-20\n[GENERAL]\nSUBNETMASK=255.255.255.0\n"
			 "[CLASS:a]\nMatch_1=option:60 =\n",
			 "t.ini:6: [CLASS:a] Match_1: a value to compare with is missing"));
	CHECK(fails_with("[Settings]\nIPPOOL_1=198.18.0.10-20\n[GENERAL]\nSUBNETMASK=255.255.255.0\n"
			 "[CLASS:a]\nBOOTFILE=x\n",
			 "t.ini:5: [CLASS:a]: a class needs at least one Match_n"));
	CHECK(fails_with("[Settings]\nIPPOOL_1=198.18.0.10-20\n[GENERAL]\nSUBNETMASK=255.255.255.0\n"
			 "[CLASS:a]\nMatch_1=hw exists\nMinLeaseTime=60\n",
			 "t.ini:7: [CLASS:a] MinLeaseTime: not allowed in this section"));
	CHECK(fails_with("[Settings]\nIPPOOL_1=198.18.0.10-20\n[GENERAL]\nSUBNETMASK=255.255.255.0\n"
			 "[CLASS:a b]\nMatch_1=hw exists\n",
			 "t.ini:5: [CLASS:a b]: expected [CLASS:name]"));
	CHECK(fails_with("[GENERAL]\nSUBNETMASK=255.255.255.0\n[SUBNET:198.18.4.0/24]\n"
			 "IPPOOL_1=198.18.4.10-20\nPOOLCLASS_1=voip\n",
			 "t.ini:5: [SUBNET:198.18.4.0/24] POOLCLASS_1: no [CLASS:voip]"));
	CHECK(fails_with("[GENERAL]\nSUBNETMASK=255.255.255.0\n[SUBNET:198.18.4.0/24]\n"
			 "IPPOOL_1=198.18.4.10-20\nPOOLCLASS_2=a\n[CLASS:a]\nMatch_1=hw exists\n",
			 "t.ini:5: [SUBNET:198.18.4.0/24] POOLCLASS_2: no IPPOOL_2 in this section "
			 "to go with"));
	CHECK(fails_with("[Settings]\nIPPOOL_1=198.18.0.10-20\nPOOLCLASS_1=a\n[GENERAL]\n"
			 "SUBNETMASK=255.255.255.0\n[CLASS:a]\nMatch_1=hw exists\n",
			 "t.ini:3: [Settings] POOLCLASS_1: unknown key"));
}

#define POOLOPT_INI \
	"[Settings]\nIPBIND_1=198.18.0.1\nIPPOOL_1=198.18.0.10-100\n" \
	"[GENERAL]\nSUBNETMASK=255.255.255.0\nOPTION_66=string:tftp.lan\nDNS_1=198.18.0.1\n" \
	"[SUBNET:198.18.4.0/24]\nROUTER_1=198.18.4.1\n" \
	"POOL_3.NEXTSERVER=198.18.4.3\nPOOL_3.BOOTFILE=three.cfg\n" \
	"IPPOOL_1=198.18.4.10-20\nIPPOOL_2=198.18.4.100-150,198.18.4.160-170\n" \
	"POOLCLASS_2=phone\nPOOL_2.OPTION_66=string:tftp.voice\nPOOL_02.ROUTER_1=198.18.4.254\n" \
	"POOL_2.OPTION_150=ip:198.18.4.9\nIPPOOL_3=198.18.4.200-210\n" \
	"[SUBNET:198.18.0.0/24]\nIPPOOL_7=198.18.0.200-210\nPOOL_7.SNAME=direct\n" \
	"[CLASS:phone]\nMatch_1=vendor-class prefix \"phone\"\nLEASETIME=600\n"

/* POOL_n.KEY: a pool's options over its subnet's, precomputed; a class's
 * LEASETIME. */
TEST(pool_options_parse_and_round_trip)
{
	struct config *c = parse(POOLOPT_INI);
	const struct cfg_subnet *s;
	const struct cfg_pool *pl;

	CHECK(c != NULL);
	if (c == NULL)
		return;
	CHECK_EQ(c->classes[0].lease_time, 600);
	s = config_subnet_for(c, IP(198, 18, 4, 1));
	CHECK(s && s->nranges == 4 && s->npools == 2);
	if (s && s->nranges == 4 && s->npools == 2) {
		/* Numbered by their first range: IPPOOL_2 is the first. */
		CHECK(s->ranges[0].pool == 0 && s->ranges[1].pool == 1 &&
		      s->ranges[2].pool == 1 && s->ranges[3].pool == 2);
		CHECK(s->ranges[1].allow == 1);
		pl = &s->pools[0];
		CHECK_EQ(pl->own.n, 3);
		CHECK(opt_is(&pl->own, 66, "tftp.voice", 10));
		CHECK(opt_is(&pl->own, 3, "\xc6\x12\x04\xfe", 4));
		/* The subnet's set with the pool's over it, mask first. */
		CHECK(pl->opts.n == s->opts.n + 1 && pl->opts.v[0].code == 1);
		CHECK(opt_is(&pl->opts, 66, "tftp.voice", 10));
		CHECK(opt_is(&pl->opts, 6, "\xc6\x12\x00\x01", 4));
		CHECK(opt_is(&pl->opts, 150, "\xc6\x12\x04\x09", 4));
		CHECK(opt_is(&s->opts, 66, "tftp.lan", 8));
		CHECK(opt_is(&s->opts, 3, "\xc6\x12\x04\x01", 4));
		pl = &s->pools[1];
		CHECK(pl->own.n == 0 && pl->siaddr == IP(198, 18, 4, 3));
		CHECK_STR(pl->bootfile, "three.cfg");
	}
	/* A [SUBNET:...] over an IPBIND_n link: its pools may carry settings. */
	s = config_subnet_for(c, IP(198, 18, 0, 1));
	CHECK(s && s->npools == 1 && s->nranges == 2 && s->ranges[1].pool == 1);
	CHECK(s && s->npools == 1 && strcmp(s->pools[0].sname, "direct") == 0);
	CHECK(round_trips(c));
	config_free(c);
}

TEST(pool_option_errors)
{
#define PO_HEAD "[GENERAL]\nSUBNETMASK=255.255.255.0\n[SUBNET:198.18.4.0/24]\n" \
	"IPPOOL_1=198.18.4.10-20\n"
	CHECK(fails_with(PO_HEAD "POOL_2.OPTION_66=string:x\n",
			 "t.ini:5: [SUBNET:198.18.4.0/24] POOL_2.OPTION_66: no IPPOOL_2 in this "
			 "section to go with"));
	CHECK(fails_with(PO_HEAD "POOL_1.LEASETIME=60\n",
			 "t.ini:5: [SUBNET:198.18.4.0/24] POOL_1.LEASETIME: a pool cannot set "
			 "LEASETIME"));
	CHECK(fails_with(PO_HEAD "POOL_1.AlwaysSend=66\n",
			 "t.ini:5: [SUBNET:198.18.4.0/24] POOL_1.AlwaysSend: a pool cannot set"));
	CHECK(fails_with(PO_HEAD "POOL_1.OPTION_51=hex:00:00:00:01\n",
			 "t.ini:5: [SUBNET:198.18.4.0/24] POOL_1.OPTION_51: option 51 comes from "
			 "LEASETIME"));
	CHECK(fails_with(PO_HEAD "POOL_x.OPTION_66=string:x\n",
			 "t.ini:5: [SUBNET:198.18.4.0/24] POOL_x.OPTION_66: expected POOL_n.KEY"));
	CHECK(fails_with(PO_HEAD "POOL_1.FOO=1\n",
			 "t.ini:5: [SUBNET:198.18.4.0/24] POOL_1.FOO: unknown key FOO"));
	CHECK(fails_with(PO_HEAD "POOL_1.DNS_1=198.18.4.1\nPOOL_01.OPTION_6=ip:198.18.4.2\n",
			 "t.ini:6: [SUBNET:198.18.4.0/24] POOL_01.OPTION_6: option 6 is already "
			 "set by POOL_1.DNS_1 (line 5)"));
	CHECK(fails_with(PO_HEAD "POOL_1.OPTION_66=ip:1.2.3\n",
			 "t.ini:5: [SUBNET:198.18.4.0/24] POOL_1.OPTION_66:"));
	CHECK(fails_with("[Settings]\nIPPOOL_1=198.18.0.10-20\n[GENERAL]\n"
			 "SUBNETMASK=255.255.255.0\nPOOL_1.OPTION_66=string:x\n",
			 "t.ini:5: [GENERAL] POOL_1.OPTION_66: not allowed in this section"));
	CHECK(fails_with("[Settings]\nIPPOOL_1=198.18.0.10-20\nPOOL_1.OPTION_66=string:x\n"
			 "[GENERAL]\nSUBNETMASK=255.255.255.0\n",
			 "t.ini:3: [Settings] POOL_1.OPTION_66: unknown key"));
	/* Quotes stay part of a pool's OPTION_nn value, as in OPTION_nn. */
	{
		struct config *c = parse(PO_HEAD "POOL_1.OPTION_66=\"a;b\"\n");
		const struct cfg_subnet *s = c ? config_subnet_for(c, IP(198, 18, 4, 1)) : NULL;
		CHECK(s && s->npools == 1 && opt_is(&s->pools[0].own, 66, "a;b", 3));
		CHECK(c && round_trips(c));
		config_free(c);
	}
#undef PO_HEAD
}

#define HEAD "[Settings]\nIPPOOL_1=198.18.0.10-20\nIPBIND_1=198.18.0.1\n" \
	     "[GENERAL]\nSUBNETMASK=255.255.255.0\n"

/* [CLIENTID:...]: a reservation by option 61, with every key of a MAC
 * section, inside or outside the pools; printed in canonical form. */
TEST(client_id_sections)
{
	static const uint8_t cid[] = { 1, 0, 0x11, 0x22, 0x33, 0x44, 0x55 };
	static const uint8_t duid[] = { 0xff, 0, 0, 0, 1, 0, 1, 1, 0xab };
	struct config *c = parse(HEAD
		"[CLIENTID:01-00-11-22-33-44-55]\nIPADDR=198.18.0.200\nHostname=by-id\n"
		"LEASETIME=600\nNEXTSERVER=198.18.0.9\nSNAME=boot\nBOOTFILE=id.efi\n"
		"OPTION_66=string:tftp.id\nDNS_1=198.18.0.53\n"
		"[clientid:FF00000001000101ab]\nIPADDR=198.18.0.15\n"
		"[00-11-22-33-44-55]\nIPADDR=198.18.0.201\nHostname=by-mac\n");

	CHECK(c != NULL);
	if (c == NULL)
		return;
	CHECK_EQ(c->nhosts, 3);
	CHECK_EQ(c->hosts[0].cid_len, sizeof cid);
	CHECK(memcmp(c->hosts[0].cid, cid, sizeof cid) == 0);
	CHECK_EQ(c->hosts[0].hlen, 0);
	CHECK_STR(c->hosts[0].name, "CLIENTID:01:00:11:22:33:44:55");
	CHECK_EQ(c->hosts[0].addr, IP(198, 18, 0, 200));
	CHECK_STR(c->hosts[0].hostname, "by-id");
	CHECK_EQ(c->hosts[0].lease_time, 600);
	CHECK_EQ(c->hosts[0].siaddr, IP(198, 18, 0, 9));
	CHECK_STR(c->hosts[0].sname, "boot");
	CHECK_STR(c->hosts[0].bootfile, "id.efi");
	CHECK(opt(&c->hosts[0].opts, 66) != NULL && opt(&c->hosts[0].opts, 6) != NULL);
	CHECK(config_host_for_cid(c, cid, sizeof cid) == &c->hosts[0]);
	CHECK(config_host_for_cid(c, duid, sizeof duid) == &c->hosts[1]);
	CHECK(config_host_for_cid(c, duid, sizeof duid - 1) == NULL);
	CHECK(config_host_for(c, 1, cid + 1, 6) == &c->hosts[2]);
	CHECK(round_trips(c));
	config_free(c);

	CHECK(fails_with(HEAD "[CLIENTID:ff00 0001]\n", "t.ini:6: [CLIENTID:ff00 0001]: expected"));
	CHECK(fails_with(HEAD "[CLIENTID:01:00:11:22:33:44:55]\n[CLIENTID:01-00-11-22-33-44-55]\n",
			 "t.ini:7: [CLIENTID:01-00-11-22-33-44-55]: same client identifier as "
			 "[CLIENTID:01:00:11:22:33:44:55] (line 6)"));
	CHECK(fails_with(HEAD "[CLIENTID:0100112233]\nIPADDR=198.18.0.30\n"
			 "[00-11-22-33-44-55]\nIPADDR=198.18.0.30\n",
			 "t.ini:9: [00-11-22-33-44-55] IPADDR: address already reserved for "
			 "[CLIENTID:0100112233] (line 6)"));
	CHECK(fails_with(HEAD "[CLIENTID:0100112233]\nIPADDR=10.0.0.1\n",
			 "t.ini:7: [CLIENTID:0100112233] IPADDR: 10.0.0.1 is not inside any subnet"));
	CHECK(fails_with(HEAD "[CLIENTID:01]\n", "t.ini:6: [CLIENTID:01]: expected "
			 "[CLIENTID:01:00:11:22:33:44:55]: option 61 as 2 to 255 bytes"));
	CHECK(fails_with(HEAD "[CLIENTID:01:02:]\n", "t.ini:6: [CLIENTID:01:02:]: expected"));
	CHECK(fails_with(HEAD "[CLIENTID:01::02]\n", "t.ini:6: [CLIENTID:01::02]: expected"));
	CHECK(fails_with(HEAD "[CLIENTID:0g12]\n", "t.ini:6: [CLIENTID:0g12]: expected"));
	CHECK(fails_with(HEAD "[CLIENTID:]\n", "t.ini:6: [CLIENTID:]: expected"));
	CHECK(fails_with(HEAD "[CLIENTID:0102]\nMatch_1=hw exists\n",
			 "t.ini:7: [CLIENTID:0102] Match_1: not allowed in this section"));
}

static int codes_are(const struct cfg_codes *set, const unsigned *v, size_t n)
{
	struct cfg_codes want = { { 0 } };

	for (size_t i = 0; i < n; i++)
		want.w[v[i] / 64] |= UINT64_C(1) << (v[i] % 64);
	return codes_eq(set, &want);
}

#define CODES(set, ...) codes_are(set, (const unsigned[]){ __VA_ARGS__ }, \
	sizeof (const unsigned[]){ __VA_ARGS__ } / sizeof (unsigned))

/* AlwaysSend, NeverSend: [GENERAL]'s under each subnet's own; classes and
 * client sections keep their own for the engine to weigh. */
TEST(always_never_send_keys)
{
	struct config *c = parse(HEAD "AlwaysSend=66, 67\nNeverSend=252 1\n"
		"[SUBNET:198.18.4.0/24]\nIPPOOL_1=198.18.4.10-20\nNeverSend=66\nAlwaysSend=1\n"
		"[CLASS:pxe]\nMatch_1=vendor-class prefix \"PXEClient\"\nAlwaysSend=42\n"
		"[02-00-00-00-00-77]\nNeverSend=12\n[CLIENTID:0102]\nAlwaysSend=252\n");
	struct cfg_codes none = { { 0 } };

	CHECK(c != NULL);
	if (c == NULL)
		return;
	CHECK_EQ(c->nsubnets, 2);
	CHECK(CODES(&c->subnets[0].always, 66, 67));
	CHECK(CODES(&c->subnets[0].never, 1, 252));
	CHECK(CODES(&c->subnets[1].always, 1, 67));
	CHECK(CODES(&c->subnets[1].never, 66, 252));
	CHECK(CODES(&c->classes[0].always, 42) && codes_eq(&c->classes[0].never, &none));
	CHECK(CODES(&c->hosts[0].never, 12) && codes_eq(&c->hosts[0].always, &none));
	CHECK(CODES(&c->hosts[1].always, 252));
	CHECK(round_trips(c));
	config_free(c);
	CHECK(fails_with(HEAD "AlwaysSend=300\n",
			 "t.ini:6: [GENERAL] AlwaysSend: \"300\" is not an option code (1 to 254)"));
	CHECK(fails_with(HEAD "NeverSend=x\n", "t.ini:6: [GENERAL] NeverSend: \"x\" is not an "
			 "option code"));
	CHECK(fails_with(HEAD "AlwaysSend=54\n", "t.ini:6: [GENERAL] AlwaysSend: option 54 "
			 "belongs to the protocol"));
	CHECK(fails_with(HEAD "AlwaysSend=66,66\n",
			 "t.ini:6: [GENERAL] AlwaysSend: option 66 is listed twice"));
	CHECK(fails_with(HEAD "AlwaysSend=66\nNeverSend=3,66\n",
			 "t.ini:7: [GENERAL] NeverSend: option 66 is also in AlwaysSend"));
	CHECK(fails_with(HEAD "[SUBNET:198.18.4.0/24]\nNeverSend=6\nAlwaysSend=6\n",
			 "t.ini:8: [SUBNET:198.18.4.0/24] AlwaysSend: option 6 is also in NeverSend"));
}

/* ---- shared networks ---- */

/* Lines 1-5; IPBIND_1's link with a secondary subnet, and two relayed
 * subnets behind one relay. */
#define SN_HEAD "[Settings]\nIPBIND_1=198.18.0.1\n[GENERAL]\nSUBNETMASK=255.255.255.0\n" \
	"LEASETIME=3600\n"

TEST(shared_networks)
{
	struct config *c = parse(SN_HEAD
		"[SUBNET:198.18.4.0/24]\nSharedNetwork=far\nIPPOOL_1=198.18.4.10-20\n"
		"[SUBNET:198.18.0.0/24]\nSharedNetwork=lan\nIPPOOL_1=198.18.0.10-11\n"
		"[SUBNET:198.18.1.0/25]\nSharedNetwork=lan\nIPPOOL_1=198.18.1.10-20\n"
		"ROUTER_0=198.18.1.1\n"
		"[SUBNET:198.18.5.0/24]\nSharedNetwork=FAR\nIPPOOL_1=198.18.5.10-20\n"
		"[SUBNET:198.18.6.0/24]\nIPPOOL_1=198.18.6.10-20\n");

	CHECK(c != NULL);
	if (c == NULL)
		return;
	CHECK_EQ(count_lines(errtext), 0);
	CHECK_EQ(c->nsubnets, 5);
	/* IPBIND_1 (0), then the sections in file order: 4, 1, 5, 6. */
	const struct cfg_subnet *lan = &c->subnets[0], *far = &c->subnets[1];
	const struct cfg_subnet *sec = &c->subnets[2], *far2 = &c->subnets[3];
	CHECK_STR(lan->shared, "lan");
	CHECK_EQ(lan->ngroup, 2);
	CHECK(lan->ngroup == 2 && lan->group[0] == 0 && lan->group[1] == 2);
	CHECK(sec->ngroup == 2 && sec->group[0] == 2 && sec->group[1] == 0);
	/* The secondary subnet is on IPBIND_1's wire, not behind a relay. */
	CHECK(!sec->relayed && sec->section && sec->bind_addr == 0);
	CHECK(far->relayed && far2->relayed);
	CHECK(far->ngroup == 2 && far->group[1] == 3);	/* names ignore case */
	CHECK(far2->ngroup == 2 && far2->group[0] == 3 && far2->group[1] == 1);
	CHECK_EQ(c->subnets[4].ngroup, 0);
	CHECK(round_trips(c));
	char *text = print(c);
	CHECK(strstr(text, "[SUBNET:198.18.1.0/25]\nIPPOOL_1=198.18.1.10-198.18.1.20\n"
		      "LEASETIME=3600\nSharedNetwork=lan\n") != NULL);
	free(text);
	config_free(c);
}

TEST(shared_network_errors)
{
	struct config *c = parse(SN_HEAD "[SUBNET:198.18.4.0/24]\nSharedNetwork=lonely\n"
				 "IPPOOL_1=198.18.4.10\n");
	CHECK(c != NULL);
	CHECK(said("t.ini:7: warning: [SUBNET:198.18.4.0/24] SharedNetwork: shared network "
		   "lonely has only this subnet\n"));
	config_free(c);
	CHECK(fails_with(SN_HEAD "[SUBNET:198.18.4.0/24]\nSharedNetwork=a b\n",
			 "t.ini:7: [SUBNET:198.18.4.0/24] SharedNetwork: expected a name of 1 "
			 "to 31 letters, digits, '-', '_' or '.'"));
	CHECK(fails_with(SN_HEAD "[SUBNET:198.18.4.0/24]\nSharedNetwork=\n",
			 "t.ini:7: [SUBNET:198.18.4.0/24] SharedNetwork: expected a name"));
	CHECK(fails_with(SN_HEAD "SharedNetwork=x\n", "t.ini:6: [GENERAL] SharedNetwork: not "
			 "allowed in this section: a shared network groups"));
	/* Two directly attached links are two wires. */
	CHECK(fails_with("[Settings]\nIPBIND_1=198.18.0.1\nIPBIND_2=198.18.1.1\n[GENERAL]\n"
			 "SUBNETMASK=255.255.255.0\n[SUBNET:198.18.0.0/24]\nSharedNetwork=x\n"
			 "[SUBNET:198.18.1.0/24]\nSharedNetwork=x\nIPPOOL_1=198.18.1.10\n",
			 "t.ini:9: [SUBNET:198.18.1.0/24] SharedNetwork: shared network x "
			 "already holds the directly attached link IPBIND_1: a shared network "
			 "is one link"));
	/* Failover for some pools of a shared network and not for others. */
#define SN_FO "[Settings]\nIPBIND_1=198.18.0.2\nIPPOOL_1=198.18.0.10-250\n[GENERAL]\n" \
	"SUBNETMASK=255.255.255.0\n[SUBNET:198.19.4.0/24]\nIPPOOL_1=198.19.4.10-250\n" \
	"SharedNetwork=n\n[SUBNET:198.19.5.0/24]\nIPPOOL_1=198.19.5.10\nSharedNetwork=n\n" \
	"[FAILOVER]\n" FO_PRIMARY
	CHECK(fails_with(SN_FO "Pools=198.19.4.0/24\n", "t.ini:11: [SUBNET:198.19.5.0/24] "
			 "SharedNetwork: shared network n mixes pools in failover and not "
			 "(SUBNET:198.19.4.0/24 is in [FAILOVER] Pools)"));
	c = parse(SN_FO "Pools=198.19.4.0/24,198.19.5.0/24\n");
	CHECK(c != NULL && c->subnets[1].failover && c->subnets[2].failover);
	CHECK(c && round_trips(c));
	config_free(c);
	c = parse(SN_FO);
	CHECK(c != NULL);
	config_free(c);
#undef SN_FO
}

/* OPTIONDEF_nn layouts, VENDOR43_n and VIVSO_n (issue 13). */
TEST(option_definitions)
{
	static const char text[] =
		"[Settings]\nIPPOOL_1=172.16.0.100-199\n"
		"[GENERAL]\nSUBNETMASK=255.255.255.0\n"
		"OPTION_224=172.16.0.5, 1500, tftp, boot\n"	/* before its definition */
		"OPTIONDEF_224=record ip, u16, string\n"
		"OPTIONDEF_225=array ip\n"
		"OPTIONDEF_226=u16\n"
		"OPTION_225=172.16.0.1, 172.16.0.2\n"
		"OPTION_226=hex:01:02\n"
		"VENDOR43_2=2 string:\"a;b\"\n"
		"VENDOR43_1=1 ip:172.16.0.9\n"
		"VIVSO_1=4491 1 ip:172.16.0.3\n"
		"VIVSO_2=3561 2 string:xyz\n"
		"VIVSO_3=4491 2 u16:7\n"
		"[SUBNET:198.18.4.0/24]\n"
		"VENDOR43_1=3 01 02\n"
		"[CLASS:pxe]\nMatch_1=vendor-class prefix \"PXEClient\"\n"
		"VENDOR43_1=6 u8:8\nOPTION_224=172.16.0.6, 2,\n"
		"[00-11-22-33-44-55]\nOPTION_225=hex:ac:10:00:07\n";
	static const uint8_t v224[] = { 172, 16, 0, 5, 0x05, 0xdc, 't', 'f', 't', 'p', ',', ' ',
					'b', 'o', 'o', 't' };
	static const uint8_t v43[] = { 1, 4, 172, 16, 0, 9, 2, 3, 'a', ';', 'b' };
	static const uint8_t v125[] = { 0, 0, 0x11, 0x8b, 10, 1, 4, 172, 16, 0, 3, 2, 2, 0, 7,
					0, 0, 0x0d, 0xe9, 5, 2, 3, 'x', 'y', 'z' };
	struct config *c = parse(text);
	const struct cfg_optset *o;

	CHECK(c != NULL);
	if (c == NULL) {
		fprintf(stderr, "%s", errtext);
		return;
	}
	CHECK_EQ(count_lines(errtext), 0);
	CHECK_EQ(c->noptdefs, 3);
	CHECK(config_optdef(c, 224) && config_optdef(c, 224)->kind == OPT_L_RECORD);
	CHECK(config_optdef(c, 227) == NULL);
	o = &c->subnets[0].opts;
	CHECK(opt_is(o, 224, v224, sizeof v224));
	CHECK(opt_is(o, 225, "\xac\x10\x00\x01\xac\x10\x00\x02", 8));
	CHECK(opt_is(o, 226, "\x01\x02", 2));
	CHECK(opt_is(o, 43, v43, sizeof v43));
	CHECK(opt_is(o, 125, v125, sizeof v125));
	CHECK(opt_is(&c->subnets[1].opts, 43, "\x03\x02\x01\x02", 4));	/* replaces [GENERAL]'s */
	CHECK(opt_is(&c->subnets[1].opts, 125, v125, sizeof v125));
	CHECK(opt_is(&c->classes[0].opts, 43, "\x06\x01\x08", 3));
	CHECK(opt_is(&c->classes[0].opts, 224, "\xac\x10\x00\x06\x00\x02", 6));
	CHECK(opt_is(&c->hosts[0].opts, 225, "\xac\x10\x00\x07", 4));
	CHECK(round_trips(c));
	config_free(c);
}

/* Option 125 longer than 255 bytes: several enterprises, each within its
 * 255-byte block; the wire splits the option (RFC 3396). */
TEST(vivso_long)
{
	char text[4096], big[256];
	struct config *c;
	const struct cfg_opt *v;

	memset(big, 'a', 200);
	big[200] = '\0';
	snprintf(text, sizeof text, "[Settings]\nIPPOOL_1=172.16.0.100-199\n"
		 "[GENERAL]\nSUBNETMASK=255.255.255.0\n"
		 "VIVSO_1=1 1 string:%s\nVIVSO_2=2 1 string:%s\n", big, big);
	c = parse(text);
	CHECK(c != NULL);
	if (c == NULL)
		return;
	v = opt(&c->subnets[0].opts, 125);
	CHECK(v && v->len == 2 * (5 + 2 + 200));
	CHECK(v && v->data[4] == 202 && v->data[207 + 4] == 202);
	CHECK(round_trips(c));
	config_free(c);
}

TEST(option_definition_errors)
{
	char text[1024], big[256];

#define OD_HEAD "[Settings]\nIPPOOL_1=172.16.0.100-199\n[GENERAL]\nSUBNETMASK=255.255.255.0\n"
	CHECK(fails_with(OD_HEAD "OPTIONDEF_224=record string, ip\n",
			 "t.ini:5: [GENERAL] OPTIONDEF_224: \"record string, ip\": only the last "
			 "field of a record may be a string or hex"));
	CHECK(fails_with(OD_HEAD "OPTIONDEF_43=hex\n", "OPTIONDEF_43: option 43 "
			 "(vendor-encapsulated-options) has a built-in definition"));
	CHECK(fails_with(OD_HEAD "OPTIONDEF_51=u32\n", "option 51 comes from LEASETIME"));
	CHECK(fails_with(OD_HEAD "OPTIONDEF_255=u8\n", "option code must be 1 to 254"));
	CHECK(fails_with(OD_HEAD "OPTIONDEF_224=ip\nOPTIONDEF_0224=u8\n",
			 "t.ini:6: [GENERAL] OPTIONDEF_0224: option 224 is defined twice"));
	CHECK(fails_with(OD_HEAD "[SUBNET:198.18.4.0/24]\nOPTIONDEF_224=u8\n",
			 "not allowed in this section: option definitions belong in [GENERAL]"));
	CHECK(fails_with(OD_HEAD "OPTIONDEF_224=record ip, u16\nOPTION_224=1.2.3.4\n",
			 "t.ini:6: [GENERAL] OPTION_224: OPTIONDEF_224: 2 fields expected, 1 given"));
	CHECK(fails_with(OD_HEAD "OPTIONDEF_224=array u16\nOPTION_224=hex:01\n",
			 "OPTION_224: 1 bytes are not a value of OPTIONDEF_224"));
	CHECK(fails_with(OD_HEAD "OPTION_43=01 00\nVENDOR43_1=1 u8:1\n",
			 "t.ini:6: [GENERAL] VENDOR43_1: option 43 is already set by OPTION_43 "
			 "(line 5)"));
	CHECK(fails_with(OD_HEAD "VENDOR43_1=0 u8:1\n", "sub-option code 1 to 254"));
	CHECK(fails_with(OD_HEAD "VENDOR43_1=1\n", "expected CODE TYPE:VALUE"));
	CHECK(fails_with(OD_HEAD "VENDOR43_1=1 u8:1\nVENDOR43_2=1 u8:2\n",
			 "t.ini:6: [GENERAL] VENDOR43_2: sub-option 1 is also set by VENDOR43_1 "
			 "(line 5)"));
	CHECK(fails_with(OD_HEAD "VENDOR43_1=1 u8:1\nVENDOR43_01=2 u8:2\n",
			 "VENDOR43_01: same index as VENDOR43_1 (line 5)"));
	CHECK(fails_with(OD_HEAD "VENDOR43_1=1 u8:300\n", "VENDOR43_1: sub-option 1: not a number"));
	CHECK(fails_with(OD_HEAD "VIVSO_1=x 1 u8:1\n", "VIVSO_1: expected ENTERPRISE CODE "
			 "TYPE:VALUE"));
	CHECK(fails_with(OD_HEAD "VIVSO_1=9 1 u8:1\nVIVSO_2=9 1 u8:2\n",
			 "VIVSO_2: sub-option 1 of enterprise 9 is also set by VIVSO_1 (line 5)"));
	memset(big, 'a', 253);
	big[253] = '\0';
	snprintf(text, sizeof text, OD_HEAD "VIVSO_1=9 1 string:%s\nVIVSO_2=9 2 u8:1\n", big);
	CHECK(fails_with(text, "t.ini:6: [GENERAL] VIVSO_2: enterprise 9 has more than 255 bytes "
			 "of sub-options (RFC 3925 section 4)"));
	{	/* many keys: refused without building a quadratic option */
		size_t cap = 64 + 2000 * 24, n;
		char *many = malloc(cap);

		n = (size_t)snprintf(many, cap, OD_HEAD);
		for (int i = 1; i <= 2000; i++)
			n += (size_t)snprintf(many + n, cap - n, "VIVSO_%d=%d 1 hex:\n", i, i);
		CHECK(fails_with(many, "VIVSO_1025: option 125 would be longer than 1024 bytes"));
		free(many);
	}
#undef OD_HEAD
}

T_RUN(T_CASE(seed_split_scope_configs), T_CASE(client_id_sections),
      T_CASE(always_never_send_keys), T_CASE(classes_parse_and_round_trip), T_CASE(class_errors),
      T_CASE(pool_options_parse_and_round_trip), T_CASE(pool_option_errors), T_CASE(seed_file_configs), T_CASE(defaults),
      T_CASE(duodhcp_section), T_CASE(duodhcp_errors), T_CASE(relay_trust_keys),
      T_CASE(all_errors_reported),
      T_CASE(reader_errors), T_CASE(nul_byte), T_CASE(crlf_bom_comments_case),
      T_CASE(dhcpsrv_only_keys_warn), T_CASE(mac_forms), T_CASE(host_errors),
      T_CASE(host_overrides), T_CASE(associate_binds_to_pools), T_CASE(binds_and_indexes),
      T_CASE(pool_syntax), T_CASE(bind_address_left_out_of_pool), T_CASE(overlapping_pools),
      T_CASE(relayed_subnets), T_CASE(subnet_section_over_ipbind), T_CASE(options_by_code),
      T_CASE(option_errors), T_CASE(option_decimal_warning), T_CASE(variables),
      T_CASE(strings_with_specials_round_trip), T_CASE(lease_timers), T_CASE(nothing_to_serve),
      T_CASE(load_from_file), T_CASE(failover_defaults), T_CASE(failover_keys),
      T_CASE(failover_errors), T_CASE(failover_all_errors_reported),
      T_CASE(failover_sync_server_warns), T_CASE(failover_pair),
      T_CASE(shared_networks), T_CASE(shared_network_errors),
      T_CASE(option_definitions), T_CASE(vivso_long), T_CASE(option_definition_errors))
