/* libFuzzer: every API request handler.  The input is newline-separated
 * fields: method, path, bearer token (empty line = none), then query
 * keys and values alternating (a key without a value line has none);
 * after the first NUL byte, if any, comes the request body (the lease
 * import's JSON).
 * The lease table is fixed and populated; a reply must be well formed:
 * JSON replies parse as strict, valid UTF-8 JSON. */
#include <json-c/json.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "http/api.h"
#include "core/record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_FIELDS 67	/* method, path, bearer and 32 key/value pairs */

static const char ini[] =
	"[Settings]\nIPPOOL_1=198.18.0.10-50\nIPBIND_1=198.18.0.1\n"
	"AssociateBindsToPools=1\nSyncServer=198.18.0.2:80\n"
	"[GENERAL]\nLEASETIME=3600\nSUBNETMASK=255.255.255.0\n"
	"[SUBNET:198.18.4.0/24]\nIPPOOL_1=198.18.4.10-12\n"
	"[HTTP-Settings]\nEnableHTTP=1\n"
	"[DUODHCP]\nJournal=/nonexistent\nApiToken=s3cret\n";

static struct config *cfg;
static struct lease_table *table;
static struct engine_stats stats;
static struct sync_status sync_st = { .enabled = true, .partner = "198.18.0.2:80",
				      .state = "error", .last_error = "connect: refused" };
static struct api_ctx ctx;

/* Refuses odd addresses so both outcomes are reached; changes nothing. */
static int fake_delete(void *arg, uint32_t addr)
{
	(void)arg;
	return addr & 1 ? -1 : 0;
}

/* Stores into the table, so that later inputs meet imported leases;
 * fails every third call, so the 503 is reached. */
static int fake_import(void *arg, const struct lease_rec *recs, size_t n)
{
	static unsigned calls;
	(void)arg;
	for (size_t i = 0; i < n; i++) {
		struct lease *l = lease_upsert(table, &recs[i]);
		if (!l || !record_valid(&l->rec))
			__builtin_trap();
	}
	return ++calls % 3 ? 0 : -1;
}

static int fake_reload(void *arg)
{
	(void)arg;
	return 0;
}

/* Allowed every other call, so both answers are reached. */
static int fake_partner_down(void *arg, struct api_fo_result *r)
{
	static unsigned calls;
	(void)arg;
	bool ok = calls++ & 1;
	*r = (struct api_fo_result){ .state = ok ? "partner-down" : "normal", .changed = ok,
				     .stos = 1700000000, .mclt = 3600 };
	if (!ok)
		snprintf(r->why, sizeof r->why, "the link to the partner is up");
	return ok ? 0 : -1;
}

static const struct api_failover fo_st = {
	.name = "pair \"q\"\\\n", .role = "primary", .state = "normal",
	.peer_state = "unknown", .link = "connecting", .stos = 1699999000, .mclt = 3600,
	.queued = 4, .in_flight = 1, .skew = -3, .skew_max = 61, .last_rx = 1699999990,
};

static void setup(void)
{
	FILE *null = fopen("/dev/null", "w");
	cfg = config_parse("fuzz.ini", ini, sizeof ini - 1, null);
	fclose(null);
	if (!cfg)
		abort();
	table = lease_table_new();
	uint32_t first[] = { 0xc612000a, 0xc612040a }, last[] = { 0xc6120032, 0xc612040c };
	if (lease_table_set_pools(table, first, last, 2) < 0)
		abort();
	static const char *const names[] = { "pc", "Laptop", NULL, "caf\xc3\xa9", "bad\xff\xfe",
					     "q\"uote\\", "" };
	for (uint32_t i = 0; i < 60; i++) {
		uint8_t cid[] = { 1, 2, 0, 0, 0, 0, (uint8_t)i };
		struct lease r = {
			.addr = 0xc6120000u + 10 + i, .state = (uint8_t)(1 + i % 7),
			.flags = i % 5 == 0 ? LEASE_F_PARTNER : 0, .htype = 1, .hlen = 6,
			.hostname = (char *)names[i % 7], .start = 1700000000 - i,
			.end = 1700003600 + i, .cltt = 1700000000,
			/* Some with the failover fields, which JSON shows only when set. */
			.pending_state = (uint8_t)(i % 4 == 0 ? 1 + i % 7 : 0),
			.atsfp = i % 4 == 0 ? 1700005400 + i : 0,
		};
		r.hw[0] = 2, r.hw[5] = (uint8_t)i;
		if (i % 3 == 0)
			r.cid = cid, r.cid_len = sizeof cid;
		struct lease *l = lease_upsert(table, &r);
		if (!l)
			abort();
		lease_set_seq(table, l, (uint64_t)i + 1);
	}
	stats.rx[DHCPDISCOVER] = 10, stats.tx[DHCPOFFER] = 9, stats.drop_malformed = 1;
	ctx = (struct api_ctx){
		.cfg = cfg, .leases = table, .st = &stats, .sync = &sync_st,
		.epoch = 0xfedcba9876543210u, .seq = 61, .started = 1699990000, .now = 1700000000,
		.version = "0.1.0", .journal_bytes = 4096,
		.delete_lease = fake_delete, .reload = fake_reload, .import_leases = fake_import,
		.failover = &fo_st, .partner_down = fake_partner_down,
	};
}

static void check_reply(const struct api_reply *rep)
{
	if (rep->status < 200 || rep->status > 599 || !rep->content_type)
		__builtin_trap();
	if (!rep->body)
		return;
	if (strlen(rep->body) != rep->len)
		__builtin_trap();
	if (strcmp(rep->content_type, "application/json") != 0)
		return;
	struct json_tokener *tok = json_tokener_new();
	if (!tok)
		return;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	json_object *o = json_tokener_parse_ex(tok, rep->body, (int)rep->len);
	if (!o || json_tokener_get_error(tok) != json_tokener_success)
		__builtin_trap();
	if (rep->status >= 400 && !json_object_object_get_ex(o, "error", NULL))
		__builtin_trap();
	json_object_put(o);
	json_tokener_free(tok);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!table)
		setup();
	char *buf = malloc(size + 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = 0;
	const char *nul = memchr(buf, 0, size);
	const char *body = nul ? nul + 1 : NULL;
	size_t body_len = nul ? size - (size_t)(body - buf) : 0;
	const char *f[MAX_FIELDS];
	size_t n = 0;
	for (char *p = buf; n < MAX_FIELDS;) {
		f[n++] = p;
		char *nl = strchr(p, '\n');
		if (!nl)
			break;
		*nl = 0;
		p = nl + 1;
	}
	const char *keys[32], *values[32];
	size_t nargs = 0;
	for (size_t i = 3; i < n && nargs < 32; i += 2) {
		keys[nargs] = f[i];
		values[nargs++] = i + 1 < n ? f[i + 1] : NULL;
	}
	struct api_request req = {
		.method = n > 0 ? f[0] : NULL, .path = n > 1 ? f[1] : NULL,
		.bearer = n > 2 && *f[2] ? f[2] : NULL,
		.nargs = nargs, .keys = keys, .values = values,
		.body = body, .body_len = body_len,
	};
	struct api_reply rep;
	api_handle(&ctx, &req, &rep);
	check_reply(&rep);
	free(rep.body);
	free(buf);
	return 0;
}
