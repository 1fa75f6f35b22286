/* duodhcpctl's failover output: a good answer prints both states, the
 * link, the queues and the skew; an answer of the wrong shape is named
 * (which member, what type) and nothing is printed. */
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
	const struct { const char *from, *to, *want; } cases[] = {
		{ "\"skew\":-2", "\"skew\":\"-2\"", "failover.skew: want an integer, got a string" },
		{ "\"state\":\"communications-interrupted\"", "\"state\":2",
		  "failover.state: want a string, got an integer" },
		{ "\"enabled\":true", "\"enabled\":1", "failover.enabled: want a boolean, got an integer" },
		{ "\"mclt\":60,", "", "failover.mclt: missing" },
		{ "\"updates_queued\":3", "\"updates_queued\":3.5",
		  "failover.updates_queued: want an integer, got a fraction" },
		{ "\"link\":\"down\"", "\"link\":null", "failover.link: want a string, got null" },
		{ "\"time\":1700000100", "\"time\":[]", "time: want an integer, got an array" },
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
		CHECK_EQ(run(ctl_show_failover_line, text, &out, err, sizeof err), -1);
		CHECK_STR(out, "");
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

T_RUN(T_CASE(failover_prints_both_states_link_queues_and_skew),
      T_CASE(wrong_types_are_named_and_nothing_printed), T_CASE(no_relationship_is_said),
      T_CASE(partner_down_answer))
