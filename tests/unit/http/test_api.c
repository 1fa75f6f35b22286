/* API tests: requests through api_handle() over a real lease table and
 * config, the JSON read back with json-c; and one round trip through
 * libmicrohttpd on loopback, driven by the daemon's kind of epoll loop. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "t.h"
#include "http/api.h"
#include "http/http.h"
#include "core/record.h"

#define A(x) (0xc6120000u | (x))	/* 198.18.0.x */
#define NOW 1700000000

static const char ini[] =
	"[Settings]\nIPPOOL_1=198.18.0.10-50\nIPBIND_1=198.18.0.1\nAssociateBindsToPools=1\n"
	"[GENERAL]\nLEASETIME=3600\nSUBNETMASK=255.255.255.0\n"
	"[DUODHCP]\nJournal=/nonexistent\n";

struct fixture {
	struct config *cfg;
	struct lease_table *t;
	struct engine_stats st;
	struct sync_status sync;
	struct api_ctx ctx;
	uint32_t deleted;
	int reloads;
	size_t imported;		/* records handed to on_import */
	uint32_t imported_addr[16];
	int import_rc;
};

/* Stores like the daemon (into the table), so that a second request
 * sees the first one's leases. */
static int on_import(void *arg, const struct lease_rec *recs, size_t n)
{
	struct fixture *f = arg;
	for (size_t i = 0; i < n; i++) {
		if (f->imported < 16)
			f->imported_addr[f->imported] = recs[i].addr;
		f->imported++;
		lease_upsert(f->t, &recs[i]);
	}
	return f->import_rc;
}

static int on_delete(void *arg, uint32_t addr)
{
	struct fixture *f = arg;
	f->deleted = addr;
	return 0;
}

static int on_reload(void *arg)
{
	struct fixture *f = arg;
	f->reloads++;
	return 0;
}

static void add(struct fixture *f, uint32_t addr, uint8_t state, uint8_t mac, const char *host,
		bool partner, uint64_t seq)
{
	struct lease r = { .addr = addr, .state = state, .htype = 1, .hlen = 6,
			   .hostname = (char *)host, .start = NOW - 100, .end = NOW + 3500,
			   .cltt = NOW - 100, .flags = partner ? LEASE_F_PARTNER : 0 };
	r.hw[0] = 0x02, r.hw[4] = 0xab, r.hw[5] = mac;
	uint8_t cid[] = { 1, 2, 0, 0, 0, 0xab, mac };
	if (mac == 2)
		r.cid = cid, r.cid_len = sizeof cid;
	struct lease *l = lease_upsert(f->t, &r);
	CHECK(l != NULL);
	if (l)
		CHECK_EQ(lease_set_seq(f->t, l, seq), 0);
}

/* Five leases: three own in the pool, one own abandoned, one partner. */
static void setup(struct fixture *f)
{
	memset(f, 0, sizeof *f);
	FILE *null = fopen("/dev/null", "w");
	f->cfg = config_parse("test.ini", ini, sizeof ini - 1, null);
	fclose(null);
	CHECK(f->cfg != NULL);
	f->t = lease_table_new();
	const struct cfg_range *rg = &f->cfg->subnets[0].ranges[0];
	CHECK_EQ(lease_table_set_pools(f->t, &rg->first, &rg->last, 1), 0);
	/* Change numbers only grow: added in their order. */
	add(f, A(30), LEASE_ABANDONED, 4, NULL, false, 1);
	add(f, A(120), LEASE_ACTIVE, 5, "gamma-alpha", true, 2);
	add(f, A(12), LEASE_ACTIVE, 1, "Alpha-PC", false, 3);
	add(f, A(11), LEASE_RELEASED, 3, NULL, false, 4);
	add(f, A(10), LEASE_ACTIVE, 2, "beta", false, 5);
	f->st.rx[DHCPDISCOVER] = 7;
	f->st.tx[DHCPACK] = 4;
	f->st.drop_not_ours = 2;
	f->sync = (struct sync_status){ .enabled = true, .partner = "198.18.0.2:80",
					.state = "ok", .last_ok = NOW - 1, .partner_seq = 9,
					.leases = 1, .max_leases = 65536, .rate = 2000 };
	f->sync.refused[PARTNER_OUR_POOL] = 3;
	f->sync.refused[PARTNER_OFF_LINK] = 1;
	f->ctx = (struct api_ctx){
		.cfg = f->cfg, .leases = f->t, .st = &f->st, .sync = &f->sync,
		.epoch = 42, .seq = 5, .started = NOW - 60, .now = NOW, .version = "0.1.0",
		.journal_bytes = 1234, .acks_withheld = 1,
		.delete_lease = on_delete, .reload = on_reload, .import_leases = on_import,
		.action_arg = f,
	};
}

static void teardown(struct fixture *f)
{
	lease_table_free(f->t);
	config_free(f->cfg);
}

/* One request; the query is "k=v&k=v" split here (no decoding). */
static struct api_reply call(struct fixture *f, const char *method, const char *path,
			     const char *query, const char *bearer)
{
	static char buf[512];
	const char *keys[16], *values[16];
	size_t n = 0;
	snprintf(buf, sizeof buf, "%s", query ? query : "");
	for (char *save, *p = strtok_r(buf, "&", &save); p && n < 16;
	     p = strtok_r(NULL, "&", &save)) {
		char *eq = strchr(p, '=');
		if (eq)
			*eq = 0;
		keys[n] = p, values[n++] = eq ? eq + 1 : NULL;
	}
	struct api_request req = { .method = method, .path = path, .nargs = n,
				   .keys = keys, .values = values, .bearer = bearer };
	struct api_reply rep;
	api_handle(&f->ctx, &req, &rep);
	return rep;
}

/* The reply's JSON (status checked); the caller puts it. */
static json_object *get_json(struct fixture *f, const char *path, const char *query,
			     int want_status)
{
	struct api_reply rep = call(f, "GET", path, query, NULL);
	CHECK_EQ(rep.status, want_status);
	CHECK(rep.body != NULL);
	CHECK_STR(rep.content_type, "application/json");
	json_object *o = rep.body ? json_tokener_parse(rep.body) : NULL;
	CHECK(o != NULL);
	free(rep.body);
	return o;
}

/* A member by dotted path ("a.b.0.c"); NULL when missing. */
static json_object *jat(json_object *o, const char *path)
{
	char buf[128];
	snprintf(buf, sizeof buf, "%s", path);
	for (char *save, *p = strtok_r(buf, ".", &save); p && o; p = strtok_r(NULL, ".", &save)) {
		if (json_object_is_type(o, json_type_array))
			o = json_object_array_get_idx(o, (size_t)atoi(p));
		else if (!json_object_object_get_ex(o, p, &o))
			o = NULL;
	}
	return o;
}

static long long jint(json_object *o, const char *path)
{
	json_object *v = jat(o, path);
	return v ? (long long)json_object_get_int64(v) : -999;
}

static const char *jstr(json_object *o, const char *path)
{
	json_object *v = jat(o, path);
	return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : "(none)";
}

static size_t jlen(json_object *o, const char *path)
{
	json_object *v = jat(o, path);
	return v && json_object_is_type(v, json_type_array) ? json_object_array_length(v) : 9999;
}

TEST(status_reports_counts_pools_and_sync)
{
	struct fixture f;
	setup(&f);
	json_object *o = get_json(&f, "/api/v1/status", NULL, 200);
	CHECK_STR(jstr(o, "version"), "0.1.0");
	CHECK_EQ(jint(o, "epoch"), 42);
	CHECK_EQ(jint(o, "seq"), 5);
	CHECK_EQ(jint(o, "uptime"), 60);
	CHECK_EQ(jint(o, "time"), NOW);
	CHECK_EQ(jint(o, "counters.rx.discover"), 7);
	CHECK_EQ(jint(o, "counters.tx.ack"), 4);
	CHECK_EQ(jint(o, "counters.dropped.not_ours"), 2);
	CHECK_EQ(jint(o, "journal.bytes"), 1234);
	CHECK_EQ(jint(o, "journal.acks_withheld"), 1);
	CHECK(json_object_get_boolean(jat(o, "journal.disk_failing")) == 0);
	CHECK_EQ(jlen(o, "pools"), 1);
	CHECK_STR(jstr(o, "pools.0.subnet"), "198.18.0.0/24");
	CHECK_STR(jstr(o, "pools.0.first"), "198.18.0.10");
	CHECK_STR(jstr(o, "pools.0.last"), "198.18.0.50");
	CHECK_EQ(jint(o, "pools.0.size"), 41);
	CHECK_EQ(jint(o, "pools.0.active"), 2);	/* own active only */
	CHECK(json_object_get_double(jat(o, "pools.0.percent")) > 4.8);
	CHECK_STR(jstr(o, "sync.state"), "ok");
	CHECK_STR(jstr(o, "sync.partner"), "198.18.0.2:80");
	CHECK_EQ(jint(o, "sync.partner_seq"), 9);
	CHECK_EQ(jint(o, "sync.refused.our_pool"), 3);
	CHECK_EQ(jint(o, "sync.refused.limit"), 0);
	CHECK_EQ(jint(o, "sync.refused_total"), 4);
	CHECK_EQ(jint(o, "sync.max_leases"), 65536);
	CHECK_EQ(jint(o, "leases.total"), 5);
	CHECK_EQ(jint(o, "leases.active"), 3);
	CHECK_EQ(jint(o, "leases.own"), 4);
	CHECK_EQ(jint(o, "leases.partner"), 1);
	CHECK_STR(jstr(o, "server.binds.0"), "198.18.0.1");
	json_object_put(o);
	/* Without engine stats or a sync: zeros and "off", still valid. */
	f.ctx.st = NULL, f.ctx.sync = NULL;
	o = get_json(&f, "/api/v1/status", NULL, 200);
	CHECK_EQ(jint(o, "counters.rx.discover"), 0);
	CHECK_STR(jstr(o, "sync.state"), "off");
	json_object_put(o);
	teardown(&f);
}

/* The lease object's keys are today's; the failover fields of the record
 * (core/record.h) show only when set. */
TEST(lease_keys_and_failover_fields)
{
	static const char *const keys[] = { "addr", "state", "htype", "mac", "client_id",
					    "hostname", "start", "end", "cltt", "tstp", "tsfp",
					    "origin", "seq" };
	struct fixture f;
	setup(&f);
	json_object *o = get_json(&f, "/api/v1/leases", NULL, 200);
	json_object *l0 = jat(o, "leases.0");
	CHECK(l0 != NULL);
	CHECK_EQ(l0 ? json_object_object_length(l0) : 0, 13);
	for (size_t i = 0; l0 && i < sizeof keys / sizeof keys[0]; i++)
		CHECK(json_object_object_get_ex(l0, keys[i], NULL));
	json_object_put(o);

	struct lease *l = lease_find(f.t, 0xc612000a);
	CHECK(l != NULL);
	if (l)
		l->atsfp = NOW + 60, l->pending_state = LEASE_EXPIRED;
	o = get_json(&f, "/api/v1/leases", NULL, 200);
	CHECK_EQ(jint(o, "leases.0.atsfp"), NOW + 60);
	CHECK_STR(jstr(o, "leases.0.pending_state"), "expired");
	CHECK_EQ(jint(o, "leases.0.seq"), 5);
	json_object_put(o);
	teardown(&f);
}

TEST(leases_sorted_with_every_field)
{
	struct fixture f;
	setup(&f);
	json_object *o = get_json(&f, "/api/v1/leases", NULL, 200);
	CHECK_EQ(jint(o, "total"), 5);
	CHECK_EQ(jint(o, "page"), 1);
	CHECK_EQ(jint(o, "per_page"), 100);
	CHECK_EQ(jlen(o, "leases"), 5);
	CHECK_STR(jstr(o, "leases.0.addr"), "198.18.0.10");
	CHECK_STR(jstr(o, "leases.1.addr"), "198.18.0.11");
	CHECK_STR(jstr(o, "leases.2.addr"), "198.18.0.12");
	CHECK_STR(jstr(o, "leases.3.addr"), "198.18.0.30");
	CHECK_STR(jstr(o, "leases.4.addr"), "198.18.0.120");
	CHECK_STR(jstr(o, "leases.0.state"), "active");
	CHECK_STR(jstr(o, "leases.0.mac"), "02:00:00:00:ab:02");
	CHECK_EQ(jint(o, "leases.0.htype"), 1);
	CHECK_STR(jstr(o, "leases.0.client_id"), "01:02:00:00:00:ab:02");
	CHECK(json_object_is_type(jat(o, "leases.1.client_id"), json_type_null));
	CHECK(jat(o, "leases.1") && json_object_object_get_ex(jat(o, "leases.1"), "hostname", NULL));
	CHECK_STR(jstr(o, "leases.0.hostname"), "beta");
	CHECK_EQ(jint(o, "leases.0.start"), NOW - 100);
	CHECK_EQ(jint(o, "leases.0.end"), NOW + 3500);
	CHECK_EQ(jint(o, "leases.0.cltt"), NOW - 100);
	CHECK_EQ(jint(o, "leases.0.tstp"), 0);
	CHECK_EQ(jint(o, "leases.0.tsfp"), 0);
	CHECK_EQ(jint(o, "leases.0.seq"), 5);
	CHECK_STR(jstr(o, "leases.0.origin"), "own");
	CHECK_STR(jstr(o, "leases.4.origin"), "partner");
	json_object_put(o);
	teardown(&f);
}

TEST(leases_filters)
{
	struct fixture f;
	setup(&f);
	json_object *o = get_json(&f, "/api/v1/leases", "mac=02:00:00:00:AB:01", 200);
	CHECK_EQ(jint(o, "total"), 1);
	CHECK_STR(jstr(o, "leases.0.addr"), "198.18.0.12");
	json_object_put(o);
	o = get_json(&f, "/api/v1/leases", "mac=02-00-00-00-ab-01", 200);
	CHECK_EQ(jint(o, "total"), 1);
	json_object_put(o);
	/* hostname: case-insensitive substring. */
	o = get_json(&f, "/api/v1/leases", "hostname=ALPHA", 200);
	CHECK_EQ(jint(o, "total"), 2);
	CHECK_STR(jstr(o, "leases.0.hostname"), "Alpha-PC");
	CHECK_STR(jstr(o, "leases.1.hostname"), "gamma-alpha");
	json_object_put(o);
	o = get_json(&f, "/api/v1/leases", "hostname=alpha&origin=own", 200);
	CHECK_EQ(jint(o, "total"), 1);
	json_object_put(o);
	o = get_json(&f, "/api/v1/leases", "state=active", 200);
	CHECK_EQ(jint(o, "total"), 3);
	json_object_put(o);
	o = get_json(&f, "/api/v1/leases", "state=abandoned&origin=own", 200);
	CHECK_EQ(jint(o, "total"), 1);
	CHECK_STR(jstr(o, "leases.0.addr"), "198.18.0.30");
	json_object_put(o);
	o = get_json(&f, "/api/v1/leases", "origin=partner", 200);
	CHECK_EQ(jint(o, "total"), 1);
	json_object_put(o);
	o = get_json(&f, "/api/v1/leases", "addr=198.18.0.11", 200);
	CHECK_EQ(jint(o, "total"), 1);
	CHECK_STR(jstr(o, "leases.0.state"), "released");
	json_object_put(o);
	o = get_json(&f, "/api/v1/leases", "addr=198.18.0.99", 200);
	CHECK_EQ(jint(o, "total"), 0);
	CHECK_EQ(jlen(o, "leases"), 0);
	json_object_put(o);
	teardown(&f);
}

TEST(leases_paging)
{
	struct fixture f;
	setup(&f);
	json_object *o = get_json(&f, "/api/v1/leases", "per_page=2&page=2", 200);
	CHECK_EQ(jint(o, "total"), 5);
	CHECK_EQ(jint(o, "page"), 2);
	CHECK_EQ(jint(o, "per_page"), 2);
	CHECK_EQ(jlen(o, "leases"), 2);
	CHECK_STR(jstr(o, "leases.0.addr"), "198.18.0.12");
	CHECK_STR(jstr(o, "leases.1.addr"), "198.18.0.30");
	json_object_put(o);
	o = get_json(&f, "/api/v1/leases", "per_page=2&page=3", 200);
	CHECK_EQ(jlen(o, "leases"), 1);
	json_object_put(o);
	o = get_json(&f, "/api/v1/leases", "per_page=2&page=4000000000", 200);
	CHECK_EQ(jlen(o, "leases"), 0);
	json_object_put(o);
	o = get_json(&f, "/api/v1/leases", "per_page=1000", 200);
	CHECK_EQ(jlen(o, "leases"), 5);
	json_object_put(o);
	teardown(&f);
}

TEST(bad_parameters_are_400_with_an_error)
{
	static const char *const bad[][2] = {
		{ "/api/v1/leases", "page=0" }, { "/api/v1/leases", "per_page=1001" },
		{ "/api/v1/leases", "per_page=-1" }, { "/api/v1/leases", "page=1x" },
		{ "/api/v1/leases", "page=99999999999999999999999" },
		{ "/api/v1/leases", "mac=zz:00" }, { "/api/v1/leases", "mac=02:00-00" },
		{ "/api/v1/leases", "mac=020" }, { "/api/v1/leases", "mac" },
		{ "/api/v1/leases", "state=bogus" }, { "/api/v1/leases", "origin=both" },
		{ "/api/v1/leases", "addr=198.18.0" }, { "/api/v1/leases", "hostname=" },
		{ "/api/v1/leases", "colour=red" }, { "/api/v1/leases", "page=1&page=2" },
		{ "/api/v1/changes", "since=x" }, { "/api/v1/changes", "limit=0" },
		{ "/api/v1/changes", "limit=5001" }, { "/api/v1/status", "x=1" },
		{ "/api/v1/leases/198.18.0.300", NULL }, { "/api/v1/pools", "page=1" },
	};
	struct fixture f;
	setup(&f);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		json_object *o = get_json(&f, bad[i][0], bad[i][1], 400);
		const char *e = jstr(o, "error");
		if (strcmp(e, "(none)") == 0 || !*e)
			fprintf(stderr, "no error message for %s?%s\n", bad[i][0], bad[i][1]);
		CHECK(strcmp(e, "(none)") != 0);
		json_object_put(o);
	}
	teardown(&f);
}

TEST(one_lease_by_address)
{
	struct fixture f;
	setup(&f);
	json_object *o = get_json(&f, "/api/v1/leases/198.18.0.120", NULL, 200);
	CHECK_STR(jstr(o, "addr"), "198.18.0.120");
	CHECK_STR(jstr(o, "origin"), "partner");
	CHECK_STR(jstr(o, "hostname"), "gamma-alpha");
	json_object_put(o);
	o = get_json(&f, "/api/v1/leases/198.18.0.99", NULL, 404);
	CHECK(strcmp(jstr(o, "error"), "(none)") != 0);
	json_object_put(o);
	teardown(&f);
}

TEST(changes_feed_own_leases_in_seq_order)
{
	struct fixture f;
	setup(&f);
	json_object *o = get_json(&f, "/api/v1/changes", "since=0", 200);
	CHECK_EQ(jint(o, "epoch"), 42);
	CHECK_EQ(jint(o, "seq"), 5);
	CHECK_EQ(jlen(o, "leases"), 4);	/* the partner's lease (seq 2) is not echoed */
	CHECK_EQ(jint(o, "leases.0.seq"), 1);
	CHECK_EQ(jint(o, "leases.1.seq"), 3);
	CHECK_EQ(jint(o, "leases.2.seq"), 4);
	CHECK_EQ(jint(o, "leases.3.seq"), 5);
	CHECK_EQ(jint(o, "next"), 5);
	CHECK(json_object_get_boolean(jat(o, "more")) == 0);
	json_object_put(o);
	o = get_json(&f, "/api/v1/changes", "since=1&limit=2", 200);
	CHECK_EQ(jlen(o, "leases"), 2);
	CHECK_STR(jstr(o, "leases.0.addr"), "198.18.0.12");
	CHECK_EQ(jint(o, "next"), 4);
	CHECK(json_object_get_boolean(jat(o, "more")) == 1);
	json_object_put(o);
	o = get_json(&f, "/api/v1/changes", "since=4&limit=2", 200);
	CHECK_EQ(jlen(o, "leases"), 1);
	CHECK_EQ(jint(o, "next"), 5);
	CHECK(json_object_get_boolean(jat(o, "more")) == 0);
	json_object_put(o);
	o = get_json(&f, "/api/v1/changes", "since=5", 200);
	CHECK_EQ(jlen(o, "leases"), 0);
	CHECK_EQ(jint(o, "next"), 5);
	json_object_put(o);
	/* Since defaults to 0. */
	o = get_json(&f, "/api/v1/changes", NULL, 200);
	CHECK_EQ(jlen(o, "leases"), 4);
	json_object_put(o);
	teardown(&f);
}

TEST(pools_endpoint)
{
	struct fixture f;
	setup(&f);
	json_object *o = get_json(&f, "/api/v1/pools", NULL, 200);
	CHECK_EQ(jlen(o, "pools"), 1);
	CHECK_STR(jstr(o, "pools.0.name"), "IPBIND_1");
	CHECK_EQ(jint(o, "pools.0.size"), 41);
	CHECK_EQ(jint(o, "pools.0.active"), 2);
	json_object_put(o);
	/* A table without pools: the range is counted from the leases. */
	lease_table_set_pools(f.t, NULL, NULL, 0);
	o = get_json(&f, "/api/v1/pools", NULL, 200);
	CHECK_EQ(jint(o, "pools.0.size"), 41);
	CHECK_EQ(jint(o, "pools.0.active"), 2);
	json_object_put(o);
	teardown(&f);
}

static bool has_line(const char *body, const char *line)
{
	size_t n = strlen(line);
	for (const char *p = body; (p = strstr(p, line)); p += n)
		if ((p == body || p[-1] == '\n') && p[n] == '\n')
			return true;
	return false;
}

TEST(metrics_in_prometheus_text_format)
{
	struct fixture f;
	setup(&f);
	struct api_reply rep = call(&f, "GET", "/metrics", NULL, NULL);
	CHECK_EQ(rep.status, 200);
	CHECK(strncmp(rep.content_type, "text/plain; version=0.0.4", 25) == 0);
	const char *b = rep.body ? rep.body : "";
	CHECK_EQ(strlen(b), rep.len);
	CHECK(has_line(b, "# TYPE duodhcp_packets_received_total counter"));
	CHECK(has_line(b, "duodhcp_packets_received_total{type=\"discover\"} 7"));
	CHECK(has_line(b, "duodhcp_replies_sent_total{type=\"ack\"} 4"));
	CHECK(has_line(b, "duodhcp_dropped_total{reason=\"not_ours\"} 2"));
	CHECK(has_line(b, "duodhcp_pool_size{subnet=\"198.18.0.0/24\",range=\"198.18.0.10-198.18.0.50\"} 41"));
	CHECK(has_line(b, "duodhcp_pool_active{subnet=\"198.18.0.0/24\",range=\"198.18.0.10-198.18.0.50\"} 2"));
	CHECK(has_line(b, "duodhcp_leases{state=\"active\",origin=\"own\"} 2"));
	CHECK(has_line(b, "duodhcp_leases{state=\"active\",origin=\"partner\"} 1"));
	CHECK(has_line(b, "duodhcp_journal_bytes 1234"));
	CHECK(has_line(b, "duodhcp_disk_failing 0"));
	CHECK(has_line(b, "duodhcp_sync_up 1"));
	CHECK(has_line(b, "duodhcp_sync_refused_total{reason=\"our_pool\"} 3"));
	CHECK(has_line(b, "duodhcp_sync_refused_total{reason=\"our_address\"} 0"));
	CHECK(has_line(b, "duodhcp_uptime_seconds 60"));
	CHECK(has_line(b, "# HELP duodhcp_uptime_seconds Seconds since the server started."));
	/* Every sample line belongs to a metric with HELP and TYPE before it. */
	char *copy = strdup(b), *save;
	char last_type[128] = "";
	for (char *ln = strtok_r(copy, "\n", &save); ln; ln = strtok_r(NULL, "\n", &save)) {
		if (strncmp(ln, "# TYPE ", 7) == 0) {
			snprintf(last_type, sizeof last_type, "%.*s", (int)strcspn(ln + 7, " "), ln + 7);
			continue;
		}
		if (ln[0] == '#')
			continue;
		size_t n = strcspn(ln, "{ ");
		CHECK(n == strlen(last_type) && strncmp(ln, last_type, n) == 0);
	}
	free(copy);
	free(rep.body);
	teardown(&f);
}

/* A pair in communications-interrupted: what the driver would report. */
static const struct api_failover fo_ci = {
	.name = "dhcp \"pair\"", .role = "secondary", .state = "communications-interrupted",
	.peer_state = "normal", .link = "down", .stos = NOW - 30, .peer_stos = NOW - 900,
	.mclt = 60, .queued = 3, .in_flight = 2, .sent = 40, .acked = 38, .received = 7,
	.applied = 7, .refused = 1, .last_rx = NOW - 25, .last_tx = NOW - 26,
	.up_since = NOW - 800, .skew = -2, .skew_max = 7, .skew_warn = 5, .msgs_in = 120,
	.msgs_out = 130, .links_up = 1, .links_down = 1, .malformed = 0, .timeouts = 1,
	.serving = true,
};

static int pd_calls;
static bool pd_allow;

static int on_partner_down(void *arg, struct api_fo_result *r)
{
	(void)arg;
	pd_calls++;
	*r = (struct api_fo_result){ .state = pd_allow ? "partner-down" : "normal",
				     .changed = pd_allow, .stos = NOW, .mclt = 60 };
	if (!pd_allow)
		snprintf(r->why, sizeof r->why, "the link to the partner is up (state normal)");
	return pd_allow ? 0 : -1;
}

TEST(failover_in_status_and_metrics)
{
	struct fixture f;
	setup(&f);
	f.ctx.failover = &fo_ci;
	json_object *o = get_json(&f, "/api/v1/status", NULL, 200);
	json_object *fo = jat(o, "failover");
	CHECK(fo && json_object_get_boolean(jat(fo, "enabled")));
	CHECK_STR(json_object_get_string(jat(fo, "state")), "communications-interrupted");
	CHECK_STR(json_object_get_string(jat(fo, "peer_state")), "normal");
	CHECK_EQ(json_object_get_int64(jat(fo, "last_contact")), NOW - 25);
	CHECK_EQ(json_object_get_int64(jat(fo, "link_up_since")), NOW - 800);
	CHECK_EQ(json_object_get_int64(jat(fo, "skew")), -2);
	CHECK_EQ(json_object_get_int64(jat(fo, "skew_max")), 7);
	CHECK_EQ(json_object_get_int64(jat(fo, "updates_queued")), 3);
	CHECK_EQ(json_object_get_int64(jat(fo, "updates_in_flight")), 2);
	CHECK(json_object_get_boolean(jat(fo, "serving")));
	json_object_put(o);

	struct api_reply rep = call(&f, "GET", "/metrics", NULL, NULL);
	const char *b = rep.body ? rep.body : "";
	const char *rel = "relationship=\"dhcp \\\"pair\\\"\"";
	char line[256];
	snprintf(line, sizeof line, "duodhcp_failover_state{%s,side=\"local\",state="
		 "\"communications-interrupted\"} 1", rel);
	CHECK(has_line(b, line));
	snprintf(line, sizeof line, "duodhcp_failover_state{%s,side=\"local\",state=\"normal\"} 0",
		 rel);
	CHECK(has_line(b, line));
	snprintf(line, sizeof line, "duodhcp_failover_state{%s,side=\"partner\",state=\"normal\"} 1",
		 rel);
	CHECK(has_line(b, line));
	snprintf(line, sizeof line, "duodhcp_failover_state{%s,side=\"partner\",state="
		 "\"recover-wait\"} 0", rel);
	CHECK(has_line(b, line));
	const struct { const char *name; long long v; } want[] = {
		{ "duodhcp_failover_link_up", 0 }, { "duodhcp_failover_updates_queued", 3 },
		{ "duodhcp_failover_updates_in_flight", 2 },
		{ "duodhcp_failover_updates_sent_total", 40 },
		{ "duodhcp_failover_updates_acked_total", 38 },
		{ "duodhcp_failover_updates_received_total", 7 },
		{ "duodhcp_failover_updates_refused_total", 1 },
		{ "duodhcp_failover_clock_skew_seconds", -2 },
		{ "duodhcp_failover_clock_skew_max_seconds", 7 },
		{ "duodhcp_failover_messages_received_total", 120 },
		{ "duodhcp_failover_messages_sent_total", 130 },
		{ "duodhcp_failover_last_contact_timestamp_seconds", NOW - 25 },
		{ "duodhcp_failover_mclt_seconds", 60 },
	};
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
		snprintf(line, sizeof line, "%s{%s} %lld", want[i].name, rel, want[i].v);
		if (!has_line(b, line))
			fprintf(stderr, "missing: %s\n", line);
		CHECK(has_line(b, line));
	}
	/* Twelve states a side, exactly one of them 1 each. */
	int samples = 0, ones = 0;
	for (const char *p = b; (p = strstr(p, "\nduodhcp_failover_state{")); p++) {
		samples++;
		const char *eol = strchr(p + 1, '\n');
		ones += eol && eol[-1] == '1' && eol[-2] == ' ';
	}
	CHECK_EQ(samples, 24);
	CHECK_EQ(ones, 2);
	free(rep.body);

	/* Without a relationship: no failover series at all. */
	f.ctx.failover = NULL;
	rep = call(&f, "GET", "/metrics", NULL, NULL);
	CHECK(rep.body && !strstr(rep.body, "duodhcp_failover_"));
	free(rep.body);
	teardown(&f);
}

TEST(failover_status_line)
{
	char buf[160];
	api_failover_line(&fo_ci, buf, sizeof buf);
	CHECK_STR(buf, "failover communications-interrupted (partner normal, link down)");
	struct api_failover n = fo_ci;
	n.state = "normal", n.link = "up";
	api_failover_line(&n, buf, sizeof buf);
	CHECK_STR(buf, "failover normal (partner normal)");
	n.link = "connecting", n.peer_state = "unknown";
	api_failover_line(&n, buf, sizeof buf);
	CHECK_STR(buf, "failover normal (partner unknown, link connecting)");
	api_failover_line(&n, buf, 9);		/* truncated, terminated */
	CHECK_STR(buf, "failover");
}

TEST(partner_down_needs_the_token_and_a_state_that_allows_it)
{
	struct fixture f;
	setup(&f);
	f.ctx.failover = &fo_ci;
	f.ctx.partner_down = on_partner_down;
	pd_calls = 0;
	const char *path = "/api/v1/failover/partner-down";
	struct api_reply rep = call(&f, "POST", path, NULL, "x");
	CHECK_EQ(rep.status, 403);		/* no ApiToken: read-only */
	free(rep.body);
	snprintf(f.cfg->api_token, sizeof f.cfg->api_token, "s3cret");
	rep = call(&f, "POST", path, NULL, NULL);
	CHECK_EQ(rep.status, 401);
	free(rep.body);
	rep = call(&f, "POST", path, NULL, "wrong");
	CHECK_EQ(rep.status, 401);
	free(rep.body);
	rep = call(&f, "GET", path, NULL, "s3cret");
	CHECK_EQ(rep.status, 405);
	free(rep.body);
	rep = call(&f, "POST", path, "force=1", "s3cret");
	CHECK_EQ(rep.status, 400);
	free(rep.body);
	CHECK_EQ(pd_calls, 0);
	pd_allow = false;
	rep = call(&f, "POST", path, NULL, "s3cret");
	CHECK_EQ(rep.status, 409);
	CHECK(rep.body && strstr(rep.body, "partner-down refused: the link to the partner is up"));
	free(rep.body);
	pd_allow = true;
	rep = call(&f, "POST", path, NULL, "s3cret");
	CHECK_EQ(rep.status, 200);
	json_object *o = rep.body ? json_tokener_parse(rep.body) : NULL;
	CHECK_STR(json_object_get_string(jat(o, "state")), "partner-down");
	CHECK(json_object_get_boolean(jat(o, "changed")));
	CHECK_EQ(json_object_get_int64(jat(o, "partner_addresses_from")), NOW + 60);
	json_object_put(o);
	free(rep.body);
	CHECK_EQ(pd_calls, 2);
	/* No relationship: said so. */
	f.ctx.failover = NULL;
	rep = call(&f, "POST", path, NULL, "s3cret");
	CHECK_EQ(rep.status, 404);
	CHECK(rep.body && strstr(rep.body, "no failover relationship"));
	free(rep.body);
	CHECK_EQ(pd_calls, 2);
	teardown(&f);
}

TEST(changing_endpoints_need_the_token)
{
	struct fixture f;
	setup(&f);
	/* No token configured: read-only. */
	struct api_reply rep = call(&f, "DELETE", "/api/v1/leases/198.18.0.12", NULL, "x");
	CHECK_EQ(rep.status, 403);
	CHECK(rep.body && strstr(rep.body, "read-only: no ApiToken configured"));
	free(rep.body);
	rep = call(&f, "POST", "/api/v1/reload", NULL, NULL);
	CHECK_EQ(rep.status, 403);
	free(rep.body);
	snprintf(f.cfg->api_token, sizeof f.cfg->api_token, "s3cret");
	const char *wrong[] = { NULL, "", "s3cre", "s3cret!", "S3CRET", "x3cret" };
	for (size_t i = 0; i < sizeof wrong / sizeof wrong[0]; i++) {
		rep = call(&f, "DELETE", "/api/v1/leases/198.18.0.12", NULL, wrong[i]);
		CHECK_EQ(rep.status, 401);
		free(rep.body);
	}
	CHECK_EQ(f.deleted, 0);
	rep = call(&f, "DELETE", "/api/v1/leases/198.18.0.12", NULL, "s3cret");
	CHECK_EQ(rep.status, 200);
	CHECK_EQ(f.deleted, A(12));
	free(rep.body);
	rep = call(&f, "DELETE", "/api/v1/leases/198.18.0.99", NULL, "s3cret");
	CHECK_EQ(rep.status, 404);
	free(rep.body);
	f.deleted = 0;
	rep = call(&f, "DELETE", "/api/v1/leases/198.18.0.120", NULL, "s3cret");
	CHECK_EQ(rep.status, 200);		/* the partner's: always removable */
	CHECK_EQ(f.deleted, A(120));
	free(rep.body);
	rep = call(&f, "POST", "/api/v1/reload", NULL, "wrong");
	CHECK_EQ(rep.status, 401);
	CHECK_EQ(f.reloads, 0);
	free(rep.body);
	rep = call(&f, "POST", "/api/v1/reload", NULL, "s3cret");
	CHECK_EQ(rep.status, 200);
	CHECK_EQ(f.reloads, 1);
	free(rep.body);
	f.ctx.reload = NULL;
	rep = call(&f, "POST", "/api/v1/reload", NULL, "s3cret");
	CHECK_EQ(rep.status, 501);
	free(rep.body);
	teardown(&f);
}

/* ---- POST /api/v1/leases/import ---- */

static struct api_reply post_import(struct fixture *f, const char *body, const char *bearer,
				    const char *query)
{
	const char *keys[1] = { query }, *values[1] = { "1" };
	struct api_request req = { .method = "POST", .path = "/api/v1/leases/import",
				   .nargs = query ? 1 : 0, .keys = keys, .values = values,
				   .bearer = bearer, .body = body, .body_len = strlen(body) };
	struct api_reply rep;
	api_handle(&f->ctx, &req, &rep);
	return rep;
}

/* {"leases":[...]} of the given records, as record_json_add writes them. */
static char *import_body(const struct lease_rec *recs, size_t n)
{
	json_object *o = json_object_new_object(), *a = json_object_new_array();
	for (size_t i = 0; i < n; i++) {
		json_object *e = json_object_new_object();
		CHECK_EQ(record_json_add(e, &recs[i]), 0);
		json_object_array_add(a, e);
	}
	json_object_object_add(o, "leases", a);
	char *s = strdup(json_object_to_json_string(o));
	json_object_put(o);
	return s;
}

static struct lease_rec rec_at(uint32_t addr, uint8_t mac, int64_t cltt)
{
	struct lease_rec r = { .addr = addr, .state = LEASE_ACTIVE, .htype = 1, .hlen = 6,
			       .start = cltt, .cltt = cltt, .end = cltt + 3600 };
	r.hw[0] = 0x02, r.hw[5] = mac;
	return r;
}

TEST(import_needs_the_token_and_a_well_formed_body)
{
	struct fixture f;
	setup(&f);
	struct api_reply rep = post_import(&f, "{\"leases\":[]}", "x", NULL);
	CHECK_EQ(rep.status, 403);
	free(rep.body);
	snprintf(f.cfg->api_token, sizeof f.cfg->api_token, "s3cret");
	rep = post_import(&f, "{\"leases\":[]}", "wrong", NULL);
	CHECK_EQ(rep.status, 401);
	free(rep.body);
	static const struct { const char *body; int status; const char *msg; } bad[] = {
		{ "", 400, "bad JSON body" }, { "nope", 400, "bad JSON body" },
		{ "{\"leases\":[]} x", 400, "bad JSON body" }, { "[]", 400, "want {" },
		{ "{\"leases\":5}", 400, "want {" },
		{ "{\"leases\":[{\"addr\":\"198.18.0.9\"}]}", 400, "leases[0]: " },
		{ "{\"leases\":[[[[[[[[[[1]]]]]]]]]]}", 400, "bad JSON body" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		rep = post_import(&f, bad[i].body, "s3cret", NULL);
		CHECK_EQ(rep.status, bad[i].status);
		CHECK(rep.body && strstr(rep.body, bad[i].msg));
		free(rep.body);
	}
	/* More than 1000 records: refused before any is read. */
	size_t cap = 16 + 3 * (API_IMPORT_MAX + 1);
	char *many = malloc(cap), *p = many;
	p += sprintf(p, "{\"leases\":[");
	for (int i = 0; i <= API_IMPORT_MAX; i++)
		p += sprintf(p, "%s{}", i ? "," : "");
	sprintf(p, "]}");
	rep = post_import(&f, many, "s3cret", NULL);
	CHECK_EQ(rep.status, 413);
	free(rep.body);
	free(many);
	struct lease_rec two[2] = { rec_at(A(20), 9, NOW), rec_at(A(20), 8, NOW) };
	char *dup = import_body(two, 2);
	rep = post_import(&f, dup, "s3cret", NULL);
	CHECK_EQ(rep.status, 400);
	CHECK(rep.body && strstr(rep.body, "198.18.0.20 is twice"));
	free(rep.body);
	free(dup);
	CHECK_EQ(f.imported, 0);
	teardown(&f);
}

TEST(import_decides_each_record_and_counts)
{
	struct fixture f;
	setup(&f);
	snprintf(f.cfg->api_token, sizeof f.cfg->api_token, "s3cret");
	struct lease_rec recs[7] = {
		rec_at(A(13), 9, NOW - 50),		/* new */
		lease_find(f.t, A(12))->rec,		/* what we hold: unchanged */
		rec_at(A(10), 2, NOW - 1000),		/* older than ours */
		rec_at(A(11), 3, NOW - 10),		/* newer than our released one */
		rec_at(0xc6120105, 4, NOW),		/* 198.18.1.5: off link */
		rec_at(A(1), 5, NOW),			/* IPBIND_1 */
		rec_at(A(255), 6, NOW),			/* broadcast */
	};
	char *body = import_body(recs, 7);
	struct api_reply rep = post_import(&f, body, "s3cret", "dry_run");
	CHECK_EQ(rep.status, 200);
	CHECK_EQ(f.imported, 0);		/* a dry run stores nothing */
	free(rep.body);
	rep = post_import(&f, body, "s3cret", NULL);
	CHECK_EQ(rep.status, 200);
	json_object *o = rep.body ? json_tokener_parse(rep.body) : NULL;
	CHECK_EQ(jint(o, "read"), 7);
	CHECK_EQ(jint(o, "imported"), 2);
	CHECK_EQ(jint(o, "new"), 1);
	CHECK_EQ(jint(o, "updated"), 1);
	CHECK_EQ(jint(o, "unchanged"), 1);
	CHECK_EQ(jint(o, "skipped"), 4);
	CHECK_EQ(jint(o, "outcomes.ours_newer"), 1);
	CHECK_EQ(jint(o, "outcomes.off_link"), 1);
	CHECK_EQ(jlen(o, "skipped_leases"), 4);
	CHECK_STR(jstr(o, "skipped_leases.0.address"), "198.18.0.1");
	CHECK_STR(jstr(o, "skipped_leases.0.reason"), "our_address");
	CHECK_STR(jstr(o, "skipped_leases.3.reason"), "off_link");
	json_object_put(o);
	free(rep.body);
	CHECK_EQ(f.imported, 2);
	CHECK_EQ(f.imported_addr[0], A(11));
	CHECK_EQ(f.imported_addr[1], A(13));
	CHECK_EQ(lease_find(f.t, A(11))->state, LEASE_ACTIVE);
	/* Again: nothing new. */
	rep = post_import(&f, body, "s3cret", NULL);
	o = rep.body ? json_tokener_parse(rep.body) : NULL;
	CHECK_EQ(jint(o, "imported"), 0);
	CHECK_EQ(jint(o, "unchanged"), 3);
	json_object_put(o);
	free(rep.body);
	CHECK_EQ(f.imported, 2);
	/* A store that fails: the answer says so. */
	recs[0] = rec_at(A(14), 10, NOW);
	free(body);
	body = import_body(recs, 1);
	f.import_rc = -1;
	rep = post_import(&f, body, "s3cret", NULL);
	CHECK_EQ(rep.status, 503);
	free(rep.body);
	free(body);
	teardown(&f);
}

TEST(bodies_only_for_the_import)
{
	struct fixture f;
	setup(&f);
	snprintf(f.cfg->api_token, sizeof f.cfg->api_token, "s3cret");
	struct api_request req = { .method = "POST", .path = "/api/v1/reload", .bearer = "s3cret",
				   .body = "{}", .body_len = 2 };
	struct api_reply rep;
	api_handle(&f.ctx, &req, &rep);
	CHECK_EQ(rep.status, 413);
	CHECK_EQ(f.reloads, 0);
	free(rep.body);
	CHECK(!api_body_allowed(&f.ctx, &req, &rep));
	CHECK_EQ(rep.status, 413);
	free(rep.body);
	req.path = "/api/v1/leases/import";
	CHECK(api_body_allowed(&f.ctx, &req, &rep));
	free(rep.body);
	req.bearer = NULL;
	CHECK(!api_body_allowed(&f.ctx, &req, &rep));
	CHECK_EQ(rep.status, 401);
	free(rep.body);
	req.method = "GET";
	req.bearer = "s3cret";
	CHECK(!api_body_allowed(&f.ctx, &req, &rep));
	free(rep.body);
	req.path = "/nowhere";
	CHECK(!api_body_allowed(&f.ctx, &req, &rep));
	CHECK_EQ(rep.status, 404);
	free(rep.body);
	teardown(&f);
}

TEST(unknown_paths_and_wrong_methods)
{
	struct fixture f;
	setup(&f);
	struct api_reply rep = call(&f, "GET", "/api/v2/status", NULL, NULL);
	CHECK_EQ(rep.status, 404);
	free(rep.body);
	rep = call(&f, "GET", "/api/v1/leases/", NULL, NULL);
	CHECK_EQ(rep.status, 404);
	free(rep.body);
	rep = call(&f, "POST", "/api/v1/status", NULL, NULL);
	CHECK_EQ(rep.status, 405);
	CHECK(rep.allow && strcmp(rep.allow, "GET, HEAD") == 0);
	free(rep.body);
	rep = call(&f, "GET", "/api/v1/reload", NULL, NULL);
	CHECK_EQ(rep.status, 405);
	CHECK(rep.allow && strcmp(rep.allow, "POST") == 0);
	free(rep.body);
	rep = call(&f, "PUT", "/api/v1/leases/198.18.0.12", NULL, NULL);
	CHECK_EQ(rep.status, 405);
	CHECK(rep.allow && strcmp(rep.allow, "GET, HEAD, DELETE") == 0);
	free(rep.body);
	rep = call(&f, "HEAD", "/api/v1/status", NULL, NULL);
	CHECK_EQ(rep.status, 200);
	CHECK(rep.allow == NULL);
	free(rep.body);
	teardown(&f);
}

TEST(status_page_is_one_html_document)
{
	struct fixture f;
	setup(&f);
	static const char *const paths[] = { "/", "/index.html" };
	for (size_t i = 0; i < 2; i++) {
		struct api_reply rep = call(&f, "GET", paths[i], NULL, NULL);
		CHECK_EQ(rep.status, 200);
		CHECK_STR(rep.content_type, "text/html; charset=utf-8");
		const char *b = rep.body ? rep.body : "";
		CHECK(strncmp(b, "<!DOCTYPE html>", 15) == 0);
		CHECK(strstr(b, "id=\"leases\"") && strstr(b, "id=\"pools\""));
		CHECK(strstr(b, "api/v1/status") && strstr(b, "api/v1/leases"));
		/* Self-contained: nothing loaded from elsewhere. */
		CHECK(!strstr(b, "src=") && !strstr(b, "href=") && !strstr(b, "http://"));
		free(rep.body);
	}
	teardown(&f);
}

TEST(hostnames_come_out_as_valid_utf8)
{
	struct fixture f;
	setup(&f);
	add(&f, A(13), LEASE_ACTIVE, 9, "caf\xc3\xa9-\xff\xc0\xaf-\"q\"\n", false, 6);
	json_object *o = get_json(&f, "/api/v1/leases/198.18.0.13", NULL, 200);
	CHECK_STR(jstr(o, "hostname"), "caf\xc3\xa9-??" "?-\"q\"\n");
	json_object_put(o);
	teardown(&f);
}

/* ---- over HTTP ---- */

static const struct api_ctx *ctx_of(void *arg)
{
	struct fixture *f = arg;
	f->ctx.now = time(NULL);
	return &f->ctx;
}

static struct http *start_on_loopback(struct fixture *f, uint16_t *port)
{
	char err[256];
	for (int i = 0; i < 20; i++) {
		*port = (uint16_t)(20000 + (getpid() * 7 + i * 331) % 10000);
		struct http *h = http_start("127.0.0.1", *port, NULL, 0, ctx_of, f, err, sizeof err);
		if (h)
			return h;
	}
	fprintf(stderr, "http_start: %s\n", err);
	return NULL;
}

/* Runs the server until fd (a client socket or a pipe) reaches EOF,
 * collecting what it delivers; at most 5 s. */
static size_t serve_until_eof(struct http *h, int fd, char *buf, size_t cap)
{
	int ep = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = http_fd(h) };
	epoll_ctl(ep, EPOLL_CTL_ADD, http_fd(h), &ev);
	ev.data.fd = fd;
	epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
	fcntl(fd, F_SETFL, O_NONBLOCK);
	size_t len = 0;
	bool eof = false;
	for (int i = 0; i < 500 && !eof; i++) {
		int to = http_timeout_ms(h);
		struct epoll_event got[4];
		int n = epoll_wait(ep, got, 4, to < 0 || to > 10 ? 10 : to);
		http_run(h);
		for (int k = 0; k < n; k++) {
			if (got[k].data.fd != fd)
				continue;
			ssize_t r;
			while ((r = read(fd, buf + len, cap - 1 - len)) > 0)
				len += (size_t)r;
			eof = r == 0 || (r < 0 && errno != EAGAIN) || len == cap - 1;
		}
	}
	close(ep);
	buf[len] = 0;
	CHECK(eof);
	return len;
}

static size_t raw_request(struct http *h, uint16_t port, const char *req, char *buf, size_t cap)
{
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	CHECK_EQ(connect(s, (struct sockaddr *)&sa, sizeof sa), 0);
	CHECK_EQ(write(s, req, strlen(req)), (ssize_t)strlen(req));
	size_t n = serve_until_eof(h, s, buf, cap);
	close(s);
	return n;
}

static json_object *body_json(const char *resp)
{
	const char *b = strstr(resp, "\r\n\r\n");
	return b ? json_tokener_parse(b + 4) : NULL;
}

TEST(http_round_trip_on_loopback)
{
	struct fixture f;
	setup(&f);
	uint16_t port;
	struct http *h = start_on_loopback(&f, &port);
	CHECK(h != NULL);
	if (!h) {
		teardown(&f);
		return;
	}
	CHECK(http_fd(h) >= 0);
	static char buf[65536];
	raw_request(h, port, "GET /api/v1/status HTTP/1.0\r\n\r\n", buf, sizeof buf);
	CHECK(strncmp(buf, "HTTP/1.0 200", 12) == 0 || strncmp(buf, "HTTP/1.1 200", 12) == 0);
	CHECK(strstr(buf, "Content-Type: application/json") != NULL);
	json_object *o = body_json(buf);
	CHECK(o != NULL);
	CHECK_EQ(jint(o, "leases.total"), 5);
	CHECK_EQ(jint(o, "epoch"), 42);
	json_object_put(o);

	/* Query arguments are decoded by MHD. */
	raw_request(h, port, "GET /api/v1/leases?mac=02%3a00%3a00%3a00%3aab%3a01 HTTP/1.0\r\n\r\n",
		    buf, sizeof buf);
	o = body_json(buf);
	CHECK_EQ(jint(o, "total"), 1);
	json_object_put(o);

	raw_request(h, port, "POST /api/v1/status HTTP/1.0\r\n\r\n", buf, sizeof buf);
	CHECK(strstr(buf, " 405 ") != NULL);
	CHECK(strstr(buf, "Allow: GET, HEAD\r\n") != NULL);

	raw_request(h, port, "GET / HTTP/1.0\r\n\r\n", buf, sizeof buf);
	CHECK(strstr(buf, " 200 ") && strstr(buf, "text/html") && strstr(buf, "id=\"leases\""));
	CHECK(strstr(buf, "Content-Security-Policy: ") != NULL);

	raw_request(h, port, "POST /api/v1/reload HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
		    "Connection: close\r\n\r\nhello", buf, sizeof buf);
	CHECK(strstr(buf, " 413 ") != NULL);
	CHECK_EQ(f.reloads, 0);

	/* The token in an Authorization header, sent by curl when present. */
	snprintf(f.cfg->api_token, sizeof f.cfg->api_token, "s3cret");

	/* A body for the import: refused before it is read without the token
	 * or when announced too long; taken whole with it. */
	raw_request(h, port, "POST /api/v1/leases/import HTTP/1.1\r\nHost: x\r\n"
		    "Content-Length: 13\r\nConnection: close\r\n\r\n{\"leases\":[]}", buf, sizeof buf);
	CHECK(strstr(buf, " 401 ") != NULL);
	raw_request(h, port, "POST /api/v1/leases/import HTTP/1.1\r\nHost: x\r\n"
		    "Authorization: Bearer s3cret\r\nContent-Length: 2000000\r\n"
		    "Connection: close\r\n\r\n{", buf, sizeof buf);
	CHECK(strstr(buf, " 413 ") != NULL);
	struct lease_rec one = rec_at(A(40), 0x40, NOW);
	char *body = import_body(&one, 1), req[2048];
	snprintf(req, sizeof req, "POST /api/v1/leases/import HTTP/1.1\r\nHost: x\r\n"
		 "Authorization: Bearer s3cret\r\nContent-Type: application/json\r\n"
		 "Content-Length: %zu\r\nConnection: close\r\n\r\n%s", strlen(body), body);
	free(body);
	raw_request(h, port, req, buf, sizeof buf);
	CHECK(strstr(buf, " 200 ") != NULL);
	o = body_json(buf);
	CHECK_EQ(jint(o, "new"), 1);
	json_object_put(o);
	CHECK_EQ(f.imported, 1);
	CHECK_EQ(f.imported_addr[0], A(40));
	raw_request(h, port, "DELETE /api/v1/leases/198.18.0.12 HTTP/1.0\r\n"
		    "Authorization: Bearer nope\r\n\r\n", buf, sizeof buf);
	CHECK(strstr(buf, " 401 ") && strstr(buf, "WWW-Authenticate: Bearer"));
	if (access("/usr/bin/curl", X_OK) == 0) {
		int p[2];
		CHECK_EQ(pipe(p), 0);
		char url[96];
		snprintf(url, sizeof url, "http://127.0.0.1:%u/api/v1/leases/198.18.0.12", port);
		pid_t pid = fork();
		if (pid == 0) {
			dup2(p[1], 1);
			close(p[0]);
			close(p[1]);
			execl("/usr/bin/curl", "curl", "-sS", "-m", "4", "-X", "DELETE", "-H",
			      "Authorization: Bearer s3cret", "-w", "\n%{http_code}\n", url, (char *)NULL);
			_exit(127);
		}
		close(p[1]);
		serve_until_eof(h, p[0], buf, sizeof buf);
		close(p[0]);
		int st;
		waitpid(pid, &st, 0);
		CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
		CHECK(strstr(buf, "\n200\n") != NULL);
		CHECK_EQ(f.deleted, A(12));
	} else {
		printf("# curl not installed: the curl part is skipped\n");
	}
	http_stop(h);
	teardown(&f);
}

/* A TCP connection from 127.0.0.<host> to the server's port. */
static int connect_from(uint8_t host, uint16_t port)
{
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in from = { .sin_family = AF_INET,
				    .sin_addr.s_addr = htonl(INADDR_LOOPBACK - 1 + host) };
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(port),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	CHECK_EQ(bind(s, (struct sockaddr *)&from, sizeof from), 0);
	CHECK_EQ(connect(s, (struct sockaddr *)&to, sizeof to), 0);
	return s;
}

/* Lets the server take what is waiting: 20 turns of at most 10 ms. */
static void pump(struct http *h)
{
	int ep = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = http_fd(h) };
	epoll_ctl(ep, EPOLL_CTL_ADD, http_fd(h), &ev);
	for (int i = 0; i < 20; i++) {
		epoll_wait(ep, &ev, 1, 10);
		http_run(h);
	}
	close(ep);
}

/* At most 8 connections from one address, this host's too: a ninth is
 * closed at once (the idle ones stay), and another address is answered. */
TEST(http_connections_per_address)
{
	struct fixture f;
	setup(&f);
	uint16_t port;
	struct http *h = start_on_loopback(&f, &port);
	CHECK(h != NULL);
	if (!h)
		return;
	int s[9];
	for (int i = 0; i < 9; i++)
		s[i] = connect_from(1, port);
	pump(h);
	int closed = 0;
	for (int i = 0; i < 9; i++) {
		char c;
		closed += recv(s[i], &c, 1, MSG_PEEK | MSG_DONTWAIT) == 0;
	}
	CHECK_EQ(closed, 1);
	int t = connect_from(2, port);
	const char req[] = "GET /api/v1/status HTTP/1.0\r\n\r\n";
	CHECK_EQ(write(t, req, sizeof req - 1), (ssize_t)(sizeof req - 1));
	char buf[8192];
	serve_until_eof(h, t, buf, sizeof buf);
	CHECK(strncmp(buf, "HTTP/1.0 200", 12) == 0 || strncmp(buf, "HTTP/1.1 200", 12) == 0);
	close(t);
	for (int i = 0; i < 9; i++)
		close(s[i]);
	http_stop(h);
	teardown(&f);
}

TEST(http_start_reports_errors)
{
	struct fixture f;
	setup(&f);
	char err[256] = "";
	CHECK(http_start("not-an-address", 20000, NULL, 0, ctx_of, &f, err, sizeof err) == NULL);
	CHECK(strstr(err, "bad bind address") != NULL);
	uint16_t port;
	struct http *h = start_on_loopback(&f, &port);
	CHECK(h != NULL);
	err[0] = 0;
	CHECK(http_start("127.0.0.1", port, NULL, 0, ctx_of, &f, err, sizeof err) == NULL);
	CHECK(strstr(err, "cannot listen") != NULL);
	http_stop(h);
	teardown(&f);
}

T_RUN(T_CASE(import_needs_the_token_and_a_well_formed_body),
      T_CASE(import_decides_each_record_and_counts), T_CASE(bodies_only_for_the_import),
      T_CASE(http_connections_per_address), T_CASE(status_reports_counts_pools_and_sync), T_CASE(leases_sorted_with_every_field),
      T_CASE(lease_keys_and_failover_fields),
      T_CASE(leases_filters), T_CASE(leases_paging), T_CASE(bad_parameters_are_400_with_an_error),
      T_CASE(one_lease_by_address), T_CASE(changes_feed_own_leases_in_seq_order),
      T_CASE(pools_endpoint), T_CASE(metrics_in_prometheus_text_format),
      T_CASE(changing_endpoints_need_the_token), T_CASE(failover_in_status_and_metrics),
      T_CASE(failover_status_line), T_CASE(partner_down_needs_the_token_and_a_state_that_allows_it), T_CASE(unknown_paths_and_wrong_methods),
      T_CASE(status_page_is_one_html_document), T_CASE(hostnames_come_out_as_valid_utf8),
      T_CASE(http_round_trip_on_loopback), T_CASE(http_start_reports_errors))
