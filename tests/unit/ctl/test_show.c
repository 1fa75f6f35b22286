/* duodhcpctl's failover output: a good answer prints both states, the
 * link, the queues and the skew; an answer of the wrong shape is named
 * (which member, what type) and nothing is printed. */
#include <stdbool.h>
#include <stdlib.h>
#include "t.h"
#include "ctl/show.h"

static const char good[] =
	"{\"time\":1700000100,\"failover\":{\"enabled\":true,\"name\":\"dhcp-pair\","
	"\"role\":\"secondary\",\"state\":\"communications-interrupted\","
	"\"peer_state\":\"normal\",\"link\":\"down\",\"stos\":1700000070,"
	"\"peer_stos\":1700000000,\"mclt\":60,\"last_contact\":1700000075,"
	"\"link_up_since\":1700000001,\"skew\":-2,\"skew_max\":7,\"skew_warn\":5,"
	"\"updates_queued\":3,\"updates_in_flight\":2,\"updates_sent\":40,"
	"\"updates_acked\":38,\"updates_received\":7,\"updates_applied\":7,"
	"\"updates_refused\":1,\"messages_in\":120,\"messages_out\":130,\"links_up\":1,"
	"\"links_down\":1,\"malformed\":0,\"timeouts\":1,\"serving\":true,"
	"\"partner_addresses\":false}}";

/* Runs fn on the JSON text; the output in out (malloc'd), the code back. */
static int run(int (*fn)(FILE *, json_object *, char *, size_t), const char *text,
	       char **out, char *err, size_t errlen)
{
	size_t len = 0;
	FILE *f = open_memstream(out, &len);
	json_object *o = json_tokener_parse(text);
	err[0] = 0;
	int rc = fn(f, o, err, errlen);
	fclose(f);
	json_object_put(o);
	return rc;
}

/* good with the first occurrence of from replaced by to. */
static char *mutate(const char *from, const char *to)
{
	static char buf[sizeof good + 256];
	const char *p = strstr(good, from);
	if (!p)
		return NULL;
	snprintf(buf, sizeof buf, "%.*s%s%s", (int)(p - good), good, to, p + strlen(from));
	return buf;
}

TEST(failover_prints_both_states_link_queues_and_skew)
{
	char *out, err[200];
	CHECK_EQ(run(ctl_show_failover, good, &out, err, sizeof err), 0);
	CHECK(strstr(out, "relationship dhcp-pair: secondary, MCLT 60 s\n"));
	CHECK(strstr(out, "state:     communications-interrupted since "));
	CHECK(strstr(out, "(30 s ago)"));
	CHECK(strstr(out, "partner:   normal since "));
	CHECK(strstr(out, "link:      down\n"));
	CHECK(strstr(out, "last contact: ") && strstr(out, "(25 s ago)"));
	CHECK(strstr(out, "updates:   3 queued, 2 unacked; 40 sent, 38 acked; 7 received, "
		      "7 applied, 1 refused\n"));
	CHECK(strstr(out, "clock skew: -2 s (largest 7 s, warned above 5 s) WARNING\n"));
	CHECK(strstr(out, "serving:   yes\n"));
	free(out);
	CHECK_EQ(run(ctl_show_failover_line, good, &out, err, sizeof err), 0);
	CHECK_STR(out, "failover dhcp-pair (secondary): communications-interrupted, partner "
		  "normal, link down, 5 updates queued\n");
	free(out);
}

TEST(wrong_types_are_named_and_nothing_printed)
{
	/* line: the status line reads that member too (it reads only what
	 * it prints). */
	const struct { const char *from, *to, *want; bool line; } cases[] = {
		{ "\"skew\":-2", "\"skew\":\"-2\"", "failover.skew: want an integer, got a string",
		  false },
		{ "\"state\":\"communications-interrupted\"", "\"state\":2",
		  "failover.state: want a string, got an integer", true },
		{ "\"enabled\":true", "\"enabled\":1", "failover.enabled: want a boolean, got an integer",
		  true },
		{ "\"mclt\":60,", "", "failover.mclt: missing", false },
		{ "\"updates_queued\":3", "\"updates_queued\":3.5",
		  "failover.updates_queued: want an integer, got a fraction", true },
		{ "\"link\":\"down\"", "\"link\":null", "failover.link: want a string, got null",
		  true },
		{ "\"time\":1700000100", "\"time\":[]", "time: want an integer, got an array", true },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *text = mutate(cases[i].from, cases[i].to), *out, err[200];
		CHECK(text != NULL);
		if (!text)
			continue;
		CHECK_EQ(run(ctl_show_failover, text, &out, err, sizeof err), -1);
		CHECK_STR(err, cases[i].want);
		CHECK_STR(out, "");
		free(out);
		text = mutate(cases[i].from, cases[i].to);
		int rc = run(ctl_show_failover_line, text, &out, err, sizeof err);
		CHECK_EQ(rc, cases[i].line ? -1 : 0);
		CHECK(cases[i].line ? strcmp(out, "") == 0 && strcmp(err, cases[i].want) == 0
				    : strncmp(out, "failover dhcp-pair", 18) == 0);
		free(out);
	}
	char *out, err[200];
	CHECK_EQ(run(ctl_show_failover, "[1,2]", &out, err, sizeof err), -1);
	CHECK_STR(err, "the status: want an object, got an array");
	free(out);
	CHECK_EQ(run(ctl_show_failover, "{\"time\":1,\"failover\":\"on\"}", &out, err, sizeof err), -1);
	CHECK_STR(err, "failover: want an object, got a string");
	free(out);
	CHECK_EQ(run(ctl_show_failover, "null", &out, err, sizeof err), -1);
	CHECK_STR(err, "the status: want an object, got nothing");
	free(out);
}

TEST(no_relationship_is_said)
{
	const char *off = "{\"time\":1,\"failover\":{\"enabled\":false}}";
	char *out, err[200];
	CHECK_EQ(run(ctl_show_failover, off, &out, err, sizeof err), 1);
	CHECK_STR(err, "the daemon has no [FAILOVER] relationship");
	CHECK_STR(out, "");
	free(out);
	/* status prints no failover line then, and that is no error. */
	CHECK_EQ(run(ctl_show_failover_line, off, &out, err, sizeof err), 0);
	CHECK_STR(out, "");
	free(out);
}

TEST(partner_down_answer)
{
	char *out, err[200];
	const char *ok = "{\"state\":\"partner-down\",\"changed\":true,\"stos\":1700000000,"
			 "\"partner_addresses_from\":1700000060}";
	CHECK_EQ(run(ctl_show_partner_down, ok, &out, err, sizeof err), 0);
	CHECK(strncmp(out, "now in partner-down since ", 26) == 0);
	CHECK(strstr(out, "the partner's free addresses are used from ") &&
	      strstr(out, "(STOS + MCLT)\n"));
	free(out);
	const char *again = "{\"state\":\"partner-down\",\"changed\":false,\"stos\":1700000000,"
			    "\"partner_addresses_from\":1700000060}";
	CHECK_EQ(run(ctl_show_partner_down, again, &out, err, sizeof err), 0);
	CHECK(strncmp(out, "already in partner-down since ", 30) == 0);
	free(out);
	const char *bad = "{\"state\":\"partner-down\",\"changed\":\"yes\",\"stos\":1,"
			  "\"partner_addresses_from\":61}";
	CHECK_EQ(run(ctl_show_partner_down, bad, &out, err, sizeof err), -1);
	CHECK_STR(err, "changed: want a boolean, got a string");
	CHECK_STR(out, "");
	free(out);
}

static const char status_good[] =
	"{\"version\":\"0.1.0\",\"server\":{\"hostname\":\"srv\",\"binds\":[]},\"uptime\":90061,"
	"\"time\":1700000100,\"leases\":{\"total\":5,\"active\":3,\"own\":2,\"partner\":1},"
	"\"pools\":[{\"first\":\"198.18.0.10\",\"last\":\"198.18.0.50\",\"name\":\"IPBIND_1\","
	"\"relayed\":false,\"size\":41,\"active\":2}],"
	"\"journal\":{\"bytes\":1234,\"disk_failing\":false,\"acks_withheld\":1},"
	"\"counters\":{\"rx\":{\"discover\":7,\"request\":5},\"tx\":{\"offer\":6,\"ack\":4,"
	"\"nak\":0},\"dropped\":{\"malformed\":1,\"no_subnet\":0,\"not_ours\":2,\"partner\":3,\"relay\":4,\"bootp\":5}},"
	"\"sync\":{\"enabled\":false,\"partner\":\"\",\"state\":\"off\",\"last_error\":\"\"},"
	"\"failover\":{\"enabled\":false}}";

TEST(status_prints_the_summary_and_names_wrong_types)
{
	char *out, err[200];
	CHECK_EQ(run(ctl_show_status, status_good, &out, err, sizeof err), 0);
	CHECK(strncmp(out, "duodhcpd 0.1.0 on srv, up 1d 01:01:01\n", 38) == 0);
	CHECK(strstr(out, "leases: 3 active (2 ours, 1 the partner's), 5 records\n"));
	CHECK(strstr(out, "pool 198.18.0.10-198.18.0.50 (IPBIND_1): 2 of 41 active\n"));
	CHECK(strstr(out, "journal: 1234 bytes, writing; ACKs withheld: 1\n"));
	CHECK(strstr(out, "sent: 6 OFFER, 4 ACK, 0 NAK\n"));
	CHECK(strstr(out, "dropped: 1 malformed, 0 no subnet, 2 not ours, 3 partner's, 4 untrusted relay, 5 BOOTP\n"));
	CHECK(!strstr(out, "failover"));
	free(out);
	/* json-c asserts on an array call with an object: checked first. */
	const struct { const char *from, *to, *want; } cases[] = {
		{ "\"size\":41", "\"size\":\"41\"", "pools[0].size: want an integer, got a string" },
		{ "\"ack\":4", "\"ack\":true", "counters.tx.ack: want an integer, got a boolean" },
		{ "\"hostname\":\"srv\"", "\"hostname\":[]",
		  "server.hostname: want a string, got an array" },
		{ "\"enabled\":false,\"partner\"", "\"enabled\":0,\"partner\"",
		  "sync.enabled: want a boolean, got an integer" },
	};
	const char *obj = "{\"version\":\"0.1.0\",\"server\":{\"hostname\":\"srv\"},"
			  "\"uptime\":1,\"leases\":{\"total\":0,\"active\":0,\"own\":0,"
			  "\"partner\":0},\"pools\":{}}";
	CHECK_EQ(run(ctl_show_status, obj, &out, err, sizeof err), -1);
	CHECK_STR(err, "pools: want an array, got an object");
	CHECK_STR(out, "");
	free(out);
	static char buf[sizeof status_good + 64];
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const char *p = strstr(status_good, cases[i].from);
		CHECK(p != NULL);
		if (!p)
			continue;
		snprintf(buf, sizeof buf, "%.*s%s%s", (int)(p - status_good), status_good,
			 cases[i].to, p + strlen(cases[i].from));
		CHECK_EQ(run(ctl_show_status, buf, &out, err, sizeof err), -1);
		CHECK_STR(err, cases[i].want);
		CHECK_STR(out, "");
		free(out);
	}
}

static int leases_page(FILE *f, json_object *o, char *err, size_t errlen)
{
	size_t n;
	int64_t total;
	int rc = ctl_show_leases(f, o, true, &n, &total, err, errlen);
	if (rc == 0)
		fprintf(f, "n=%zu total=%lld\n", n, (long long)total);
	return rc;
}

TEST(leases_page_with_checked_types)
{
	char *out, err[200];
	const char *ok = "{\"total\":3,\"page\":1,\"per_page\":1000,\"leases\":["
			 "{\"addr\":\"198.18.0.10\",\"mac\":\"02:00:00:00:00:01\",\"state\":\"active\","
			 "\"end\":0,\"hostname\":null,\"origin\":\"own\"},"
			 "{\"addr\":\"198.18.0.11\",\"mac\":\"02:00:00:00:00:02\",\"state\":\"free\","
			 "\"end\":0,\"hostname\":\"pc\",\"origin\":\"partner\"}]}";
	CHECK_EQ(run(leases_page, ok, &out, err, sizeof err), 0);
	CHECK(strncmp(out, "address  ", 9) == 0);
	CHECK(strstr(out, "198.18.0.10      02:00:00:00:00:01  active     -                    \n"));
	CHECK(strstr(out, "  pc (partner's)\n"));
	CHECK(strstr(out, "n=2 total=3\n"));
	free(out);
	CHECK_EQ(run(leases_page, "{\"total\":3,\"leases\":{}}", &out, err, sizeof err), -1);
	CHECK_STR(err, "leases: want an array, got an object");
	CHECK_STR(out, "");
	free(out);
	CHECK_EQ(run(leases_page, "{\"total\":1,\"leases\":[7]}", &out, err, sizeof err), -1);
	CHECK_STR(err, "leases[0]: want an object, got an integer");
	free(out);
	CHECK_EQ(run(leases_page, "{\"total\":\"1\",\"leases\":[]}", &out, err, sizeof err), -1);
	CHECK_STR(err, "total: want an integer, got a string");
	free(out);
	/* NULL out: read for the paging, nothing printed. */
	json_object *o = json_tokener_parse(ok);
	size_t n;
	int64_t total;
	CHECK_EQ(ctl_show_leases(NULL, o, true, &n, &total, err, sizeof err), 0);
	CHECK_EQ(n, 2);
	CHECK_EQ(total, 3);
	json_object_put(o);
}

T_RUN(T_CASE(failover_prints_both_states_link_queues_and_skew),
      T_CASE(wrong_types_are_named_and_nothing_printed), T_CASE(no_relationship_is_said),
      T_CASE(partner_down_answer), T_CASE(status_prints_the_summary_and_names_wrong_types),
      T_CASE(leases_page_with_checked_types))
