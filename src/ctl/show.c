/* duodhcpctl's failover output, from JSON read with its types checked
 * (see show.h).  Every member is read into a struct first; printing starts
 * only when all of them were there with the right type. */
#include <inttypes.h>
#include <stdlib.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include "ctl/show.h"

/* The first problem found; later reads return defaults and change nothing. */
struct rd {
	const char *where;	/* "failover" */
	char *err;
	size_t errlen;
	bool bad;
};

static const char *type_name(json_object *v)
{
	switch (json_object_get_type(v)) {
	case json_type_null: return "null";
	case json_type_boolean: return "a boolean";
	case json_type_double: return "a fraction";
	case json_type_int: return "an integer";
	case json_type_object: return "an object";
	case json_type_array: return "an array";
	case json_type_string: return "a string";
	}
	return "something else";
}

static json_object *member(struct rd *r, json_object *o, const char *key, json_type t,
			   const char *want)
{
	json_object *v = NULL;
	if (r->bad)
		return NULL;
	if (!json_object_object_get_ex(o, key, &v)) {
		snprintf(r->err, r->errlen, "%s%s%s: missing", r->where, *r->where ? "." : "", key);
		r->bad = true;
	} else if (!json_object_is_type(v, t)) {
		snprintf(r->err, r->errlen, "%s%s%s: want %s, got %s", r->where,
			 *r->where ? "." : "", key, want, type_name(v));
		r->bad = true;
	}
	return r->bad ? NULL : v;
}

static const char *rd_str(struct rd *r, json_object *o, const char *key)
{
	json_object *v = member(r, o, key, json_type_string, "a string");
	return v ? json_object_get_string(v) : "";
}

static int64_t rd_int(struct rd *r, json_object *o, const char *key)
{
	json_object *v = member(r, o, key, json_type_int, "an integer");
	return v ? json_object_get_int64(v) : 0;
}

static bool rd_bool(struct rd *r, json_object *o, const char *key)
{
	json_object *v = member(r, o, key, json_type_boolean, "a boolean");
	return v && json_object_get_boolean(v);
}

/* A string that may be absent or null (a lease's hostname): "" then. */
static const char *rd_opt_str(struct rd *r, json_object *o, const char *key)
{
	json_object *v = NULL;
	if (r->bad || !json_object_object_get_ex(o, key, &v) || !v)
		return "";
	return rd_str(r, o, key);
}

static json_object *rd_obj(struct rd *r, json_object *o, const char *key)
{
	return member(r, o, key, json_type_object, "an object");
}

static json_object *rd_arr(struct rd *r, json_object *o, const char *key)
{
	return member(r, o, key, json_type_array, "an array");
}

static bool rd_object(struct rd *r, json_object *o, const char *what)
{
	if (!r->bad && !json_object_is_type(o, json_type_object)) {
		snprintf(r->err, r->errlen, "%s: want an object, got %s", what,
			 o ? type_name(o) : "nothing");
		r->bad = true;
	}
	return !r->bad;
}

struct fo_view {
	const char *name, *role, *state, *peer_state, *link;
	int64_t now, stos, peer_stos, mclt, last_rx, up_since, skew, skew_max, skew_warn;
	int64_t queued, in_flight, sent, acked, received, applied, refused;
	int64_t msgs_in, msgs_out, links_up, links_down, malformed, timeouts;
	bool enabled, serving, partner_addrs;
};

/* 0 and v filled; 1: no relationship; -1: the answer is not as expected.
 * Without full only what the status line shows is read. */
static int read_failover(json_object *status, struct fo_view *v, bool full, char *err,
			 size_t errlen)
{
	struct rd r = { .where = "", .err = err, .errlen = errlen };
	memset(v, 0, sizeof *v);
	if (!rd_object(&r, status, "the status"))
		return -1;
	v->now = rd_int(&r, status, "time");
	json_object *fo = member(&r, status, "failover", json_type_object, "an object");
	r.where = "failover";
	v->enabled = rd_bool(&r, fo, "enabled");
	if (r.bad)
		return -1;
	if (!v->enabled) {
		snprintf(err, errlen, "the daemon has no [FAILOVER] relationship");
		return 1;
	}
	v->name = rd_str(&r, fo, "name");
	v->role = rd_str(&r, fo, "role");
	v->state = rd_str(&r, fo, "state");
	v->peer_state = rd_str(&r, fo, "peer_state");
	v->link = rd_str(&r, fo, "link");
	v->queued = rd_int(&r, fo, "updates_queued");
	v->in_flight = rd_int(&r, fo, "updates_in_flight");
	if (!full)
		return r.bad ? -1 : 0;
	v->stos = rd_int(&r, fo, "stos");
	v->peer_stos = rd_int(&r, fo, "peer_stos");
	v->mclt = rd_int(&r, fo, "mclt");
	v->last_rx = rd_int(&r, fo, "last_contact");
	v->up_since = rd_int(&r, fo, "link_up_since");
	v->skew = rd_int(&r, fo, "skew");
	v->skew_max = rd_int(&r, fo, "skew_max");
	v->skew_warn = rd_int(&r, fo, "skew_warn");
	v->sent = rd_int(&r, fo, "updates_sent");
	v->acked = rd_int(&r, fo, "updates_acked");
	v->received = rd_int(&r, fo, "updates_received");
	v->applied = rd_int(&r, fo, "updates_applied");
	v->refused = rd_int(&r, fo, "updates_refused");
	v->msgs_in = rd_int(&r, fo, "messages_in");
	v->msgs_out = rd_int(&r, fo, "messages_out");
	v->links_up = rd_int(&r, fo, "links_up");
	v->links_down = rd_int(&r, fo, "links_down");
	v->malformed = rd_int(&r, fo, "malformed");
	v->timeouts = rd_int(&r, fo, "timeouts");
	v->serving = rd_bool(&r, fo, "serving");
	v->partner_addrs = rd_bool(&r, fo, "partner_addresses");
	return r.bad ? -1 : 0;
}

/* "2026-12-04 08:40:01 (12 s ago)", or "never" for 0. */
static void print_when(FILE *out, int64_t t, int64_t now)
{
	time_t tt = (time_t)t;
	struct tm tm;
	char buf[32];
	if (t <= 0 || !localtime_r(&tt, &tm) || !strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm)) {
		fputs("never", out);
		return;
	}
	if (now < INT64_MIN + t) {		/* a "now" no clock gives */
		fputs(buf, out);
		return;
	}
	int64_t d = now - t;
	uint64_t ad = d >= 0 ? (uint64_t)d : 0 - (uint64_t)d;
	fprintf(out, "%s (%" PRIu64 " s %s)", buf, ad, d >= 0 ? "ago" : "ahead");
}

int ctl_show_failover(FILE *out, json_object *status, char *err, size_t errlen)
{
	struct fo_view v;
	int rc = read_failover(status, &v, true, err, errlen);
	if (rc != 0)
		return rc;
	fprintf(out, "relationship %s: %s, MCLT %" PRId64 " s\n", v.name, v.role, v.mclt);
	fprintf(out, "state:     %s since ", v.state);
	print_when(out, v.stos, v.now);
	fprintf(out, "\npartner:   %s since ", v.peer_state);
	print_when(out, v.peer_stos, v.now);
	fprintf(out, "\nlink:      %s", v.link);
	if (strcmp(v.link, "up") == 0) {
		fputs(" since ", out);
		print_when(out, v.up_since, v.now);
	}
	fputs("\nlast contact: ", out);
	print_when(out, v.last_rx, v.now);
	fprintf(out, "\nserving:   %s%s\n", v.serving ? "yes" : "no",
		v.partner_addrs ? ", with the partner's free addresses" : "");
	fprintf(out, "updates:   %" PRId64 " queued, %" PRId64 " unacked; %" PRId64 " sent, %"
		PRId64 " acked; %" PRId64 " received, %" PRId64 " applied, %" PRId64 " refused\n",
		v.queued, v.in_flight, v.sent, v.acked, v.received, v.applied, v.refused);
	fprintf(out, "clock skew: %+" PRId64 " s (largest %" PRId64 " s", v.skew, v.skew_max);
	if (v.skew_warn)
		fprintf(out, ", warned above %" PRId64 " s)%s\n", v.skew_warn,
			v.skew_max > v.skew_warn ? " WARNING" : "");
	else
		fputs(")\n", out);
	fprintf(out, "messages:  %" PRId64 " in, %" PRId64 " out; links %" PRId64 " up, %" PRId64
		" down; %" PRId64 " malformed, %" PRId64 " timeouts\n", v.msgs_in, v.msgs_out,
		v.links_up, v.links_down, v.malformed, v.timeouts);
	return 0;
}

/* Two counts from the daemon added without overflow: whatever the JSON
 * says, a count below 0 is 0 and the sum stops at INT64_MAX. */
static int64_t count_sum(int64_t a, int64_t b)
{
	a = a < 0 ? 0 : a;
	b = b < 0 ? 0 : b;
	return a > INT64_MAX - b ? INT64_MAX : a + b;
}

int ctl_show_failover_line(FILE *out, json_object *status, char *err, size_t errlen)
{
	struct fo_view v;
	int rc = read_failover(status, &v, false, err, errlen);
	if (rc == 1)
		return 0;
	if (rc < 0)
		return -1;
	fprintf(out, "failover %s (%s): %s, partner %s, link %s, %" PRId64 " updates queued\n",
		v.name, v.role, v.state, v.peer_state, v.link, count_sum(v.queued, v.in_flight));
	return 0;
}

int ctl_show_partner_down(FILE *out, json_object *reply, char *err, size_t errlen)
{
	struct rd r = { .where = "", .err = err, .errlen = errlen };
	if (!rd_object(&r, reply, "the answer"))
		return -1;
	const char *state = rd_str(&r, reply, "state");
	bool changed = rd_bool(&r, reply, "changed");
	int64_t stos = rd_int(&r, reply, "stos"), from = rd_int(&r, reply, "partner_addresses_from");
	if (r.bad)
		return -1;
	int64_t now = (int64_t)time(NULL);
	fprintf(out, "%s %s since ", changed ? "now in" : "already in", state);
	print_when(out, stos, now);
	fputs("\nthe partner's free addresses are used from ", out);
	print_when(out, from, now);
	fputs(" (STOS + MCLT)\n", out);
	return 0;
}

/* ------------------------------------------------------------ status, leases */

/* Output goes to a buffer first and reaches out only when the whole
 * answer was read. */
struct sink {
	char *buf;
	size_t len;
	FILE *f;
};

static FILE *sink_open(struct sink *k)
{
	*k = (struct sink){ 0 };
	return k->f = open_memstream(&k->buf, &k->len);
}

static int sink_close(struct sink *k, FILE *out, const struct rd *r, char *err, size_t errlen)
{
	int rc = r->bad ? -1 : 0;
	if (fclose(k->f) != 0 && !r->bad) {
		snprintf(err, errlen, "out of memory");
		rc = -1;
	}
	if (rc == 0 && k->buf && out)
		fwrite(k->buf, 1, k->len, out);
	free(k->buf);
	return rc;
}

static void print_duration(FILE *f, int64_t s)
{
	if (s < 0)
		s = 0;
	if (s >= 86400)
		fprintf(f, "%" PRId64 "d ", s / 86400);
	fprintf(f, "%02" PRId64 ":%02" PRId64 ":%02" PRId64, s % 86400 / 3600, s % 3600 / 60,
		s % 60);
}

static void status_pools(FILE *f, struct rd *r, json_object *o)
{
	json_object *pools = rd_arr(r, o, "pools");
	char where[32];
	for (size_t i = 0; pools && !r->bad && i < json_object_array_length(pools); i++) {
		json_object *p = json_object_array_get_idx(pools, i);
		snprintf(where, sizeof where, "pools[%zu]", i);
		r->where = where;
		if (!rd_object(r, p, where))
			break;
		const char *first = rd_str(r, p, "first"), *last = rd_str(r, p, "last");
		const char *name = rd_str(r, p, "name");
		bool relayed = rd_bool(r, p, "relayed");
		int64_t active = rd_int(r, p, "active"), size = rd_int(r, p, "size");
		fprintf(f, "pool %s-%s (%s%s): %" PRId64 " of %" PRId64 " active\n", first, last,
			name, relayed ? ", relayed" : "", active, size);
	}
	r->where = "";
}

static void status_counters(FILE *f, struct rd *r, json_object *o)
{
	json_object *cn = rd_obj(r, o, "counters");
	r->where = "counters";
	json_object *rx = rd_obj(r, cn, "rx"), *tx = rd_obj(r, cn, "tx");
	json_object *dr = rd_obj(r, cn, "dropped");
	r->where = "counters.rx";
	int64_t disc = rd_int(r, rx, "discover"), req = rd_int(r, rx, "request");
	r->where = "counters.tx";
	int64_t offer = rd_int(r, tx, "offer"), ack = rd_int(r, tx, "ack"), nak = rd_int(r, tx, "nak");
	fprintf(f, "received: %" PRId64 " DISCOVER, %" PRId64 " REQUEST; sent: %" PRId64
		" OFFER, %" PRId64 " ACK, %" PRId64 " NAK\n", disc, req, offer, ack, nak);
	/* Every reason the API counts (counters.dropped), in its order. */
	static const char *const drops[][2] = {
		{ "malformed", "malformed" }, { "no_subnet", "no subnet" },
		{ "not_ours", "not ours" }, { "partner", "partner's" },
		{ "relay", "untrusted relay" }, { "bootp", "BOOTP" },
	};
	r->where = "counters.dropped";
	fprintf(f, "dropped:");
	for (size_t i = 0; i < sizeof drops / sizeof drops[0]; i++)
		fprintf(f, "%s %" PRId64 " %s", i ? "," : "", rd_int(r, dr, drops[i][0]),
			drops[i][1]);
	fprintf(f, "\n");
	r->where = "";
}

int ctl_show_status(FILE *out, json_object *o, char *err, size_t errlen)
{
	struct rd r = { .where = "", .err = err, .errlen = errlen };
	struct sink k;
	if (!rd_object(&r, o, "the status"))
		return -1;
	FILE *f = sink_open(&k);
	if (!f) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	const char *version = rd_str(&r, o, "version");
	json_object *srv = rd_obj(&r, o, "server");
	r.where = "server";
	const char *host = rd_str(&r, srv, "hostname");
	r.where = "";
	fprintf(f, "duodhcpd %s on %s, up ", version, host);
	print_duration(f, rd_int(&r, o, "uptime"));
	json_object *l = rd_obj(&r, o, "leases");
	r.where = "leases";
	int64_t active = rd_int(&r, l, "active"), own = rd_int(&r, l, "own");
	int64_t partner = rd_int(&r, l, "partner"), total = rd_int(&r, l, "total");
	r.where = "";
	fprintf(f, "\nleases: %" PRId64 " active (%" PRId64 " ours, %" PRId64
		" the partner's), %" PRId64 " records\n", active, own, partner, total);
	status_pools(f, &r, o);
	json_object *j = rd_obj(&r, o, "journal");
	r.where = "journal";
	int64_t bytes = rd_int(&r, j, "bytes");
	bool failing = rd_bool(&r, j, "disk_failing");
	int64_t withheld = rd_int(&r, j, "acks_withheld");
	r.where = "";
	fprintf(f, "journal: %" PRId64 " bytes, %s; ACKs withheld: %" PRId64 "\n", bytes,
		failing ? "DISK FAILING" : "writing", withheld);
	status_counters(f, &r, o);
	json_object *sy = rd_obj(&r, o, "sync");
	r.where = "sync";
	if (rd_bool(&r, sy, "enabled")) {
		const char *peer = rd_str(&r, sy, "partner"), *state = rd_str(&r, sy, "state");
		const char *last = rd_str(&r, sy, "last_error");
		fprintf(f, "sync with %s: %s%s%s\n", peer, state, last[0] ? ", " : "", last);
	}
	if (!r.bad && ctl_show_failover_line(f, o, err, errlen) < 0)
		r.bad = true;
	return sink_close(&k, out, &r, err, errlen);
}

int ctl_show_leases(FILE *out, json_object *page, bool header, size_t *count, int64_t *total,
		    char *err, size_t errlen)
{
	struct rd r = { .where = "", .err = err, .errlen = errlen };
	struct sink k;
	*count = 0;
	*total = 0;
	if (!rd_object(&r, page, "the leases"))
		return -1;
	FILE *f = sink_open(&k);
	if (!f) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	*total = rd_int(&r, page, "total");
	json_object *a = rd_arr(&r, page, "leases");
	if (header)
		fprintf(f, "%-15s  %-17s  %-9s  %-19s  %s\n", "address", "hardware", "state", "ends",
			"hostname");
	char where[32];
	for (size_t i = 0; a && !r.bad && i < json_object_array_length(a); i++) {
		json_object *l = json_object_array_get_idx(a, i);
		snprintf(where, sizeof where, "leases[%zu]", i);
		r.where = where;
		if (!rd_object(&r, l, where))
			break;
		const char *addr = rd_str(&r, l, "addr"), *mac = rd_str(&r, l, "mac");
		const char *state = rd_str(&r, l, "state"), *origin = rd_str(&r, l, "origin");
		const char *host = rd_opt_str(&r, l, "hostname");
		time_t end = (time_t)rd_int(&r, l, "end");
		char when[32] = "-";
		struct tm tm;
		if (end && localtime_r(&end, &tm))
			strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", &tm);
		fprintf(f, "%-15s  %-17s  %-9s  %-19s  %s%s\n", addr, mac, state, when, host,
			strcmp(origin, "partner") == 0 ? " (partner's)" : "");
	}
	*count = a && !r.bad ? json_object_array_length(a) : 0;
	return sink_close(&k, out, &r, err, errlen);
}
