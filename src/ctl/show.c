/* duodhcpctl's failover output, from JSON read with its types checked
 * (see show.h).  Every member is read into a struct first; printing starts
 * only when all of them were there with the right type. */
#include <inttypes.h>
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

/* 0 and v filled; 1: no relationship; -1: the answer is not as expected. */
static int read_failover(json_object *status, struct fo_view *v, char *err, size_t errlen)
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
	v->stos = rd_int(&r, fo, "stos");
	v->peer_stos = rd_int(&r, fo, "peer_stos");
	v->mclt = rd_int(&r, fo, "mclt");
	v->last_rx = rd_int(&r, fo, "last_contact");
	v->up_since = rd_int(&r, fo, "link_up_since");
	v->skew = rd_int(&r, fo, "skew");
	v->skew_max = rd_int(&r, fo, "skew_max");
	v->skew_warn = rd_int(&r, fo, "skew_warn");
	v->queued = rd_int(&r, fo, "updates_queued");
	v->in_flight = rd_int(&r, fo, "updates_in_flight");
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
	int64_t d = now - t;
	fprintf(out, "%s (%" PRId64 " s %s)", buf, d >= 0 ? d : -d, d >= 0 ? "ago" : "ahead");
}

int ctl_show_failover(FILE *out, json_object *status, char *err, size_t errlen)
{
	struct fo_view v;
	int rc = read_failover(status, &v, err, errlen);
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

int ctl_show_failover_line(FILE *out, json_object *status, char *err, size_t errlen)
{
	struct fo_view v;
	int rc = read_failover(status, &v, err, errlen);
	if (rc == 1)
		return 0;
	if (rc < 0)
		return -1;
	fprintf(out, "failover %s (%s): %s, partner %s, link %s, %" PRId64 " updates queued\n",
		v.name, v.role, v.state, v.peer_state, v.link, v.queued + v.in_flight);
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
