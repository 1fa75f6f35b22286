/* The HTTP API and status page: pure request handlers over the daemon's
 * state.  JSON is built with json-c; no hand-written escaping. */
#include <arpa/inet.h>
#include <ctype.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "http/api.h"
#include "common/text.h"
#include "core/adopt.h"
#include "core/record.h"
#include "failover/wire.h"

#define LEASES_PER_PAGE 100
#define LEASES_PER_PAGE_MAX 1000
#define CHANGES_LIMIT 1000
#define CHANGES_LIMIT_MAX 5000

static const char ct_json[] = "application/json";
static const char ct_html[] = "text/html; charset=utf-8";
static const char ct_prom[] = "text/plain; version=0.0.4; charset=utf-8";

static const char *const msg_names[DHCPINFORM + 1] = {
	[DHCPDISCOVER] = "discover", [DHCPOFFER] = "offer", [DHCPREQUEST] = "request",
	[DHCPDECLINE] = "decline", [DHCPACK] = "ack", [DHCPNAK] = "nak",
	[DHCPRELEASE] = "release", [DHCPINFORM] = "inform",
};

/* ---- replies ---- */

static void reply_text(struct api_reply *out, int status, const char *type, char *body,
		       size_t len)
{
	out->status = body ? status : 500;
	out->content_type = type;
	out->body = body;
	out->len = body ? len : 0;
}

/* Serialises o (consumed) as the body; 500 without a body when out of memory. */
static void reply_json(struct api_reply *out, int status, json_object *o)
{
	char *body = NULL;
	size_t len = 0;
	if (o) {
		const char *s = json_object_to_json_string_length(
			o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
		if (s && (body = malloc(len + 2))) {
			memcpy(body, s, len);
			body[len++] = '\n';
			body[len] = 0;
		}
	}
	json_object_put(o);
	reply_text(out, status, ct_json, body, len);
}

static json_object *j_text(const char *s);
static void reply_error(struct api_reply *out, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void reply_error(struct api_reply *out, int status, const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	json_object *o = json_object_new_object();
	json_object *s = j_text(msg);	/* may quote a client's bytes */
	if (!o || !s || json_object_object_add(o, "error", s) < 0) {
		json_object_put(s);
		json_object_put(o);
		o = NULL;
	}
	reply_json(out, status, o);
}

/* ---- building JSON: a failed allocation anywhere sets oom once ---- */

struct jb {
	bool oom;
};

static void put(struct jb *b, json_object *o, const char *key, json_object *v)
{
	if (!o || !v || json_object_object_add(o, key, v) < 0) {
		json_object_put(v);
		b->oom = true;
	}
}

static void push(struct jb *b, json_object *a, json_object *v)
{
	if (!a || !v || json_object_array_add(a, v) < 0) {
		json_object_put(v);
		b->oom = true;
	}
}

/* Finishes a document: the reply, or 500 if anything failed to allocate. */
static void reply_built(struct api_reply *out, struct jb *b, json_object *o)
{
	if (b->oom) {
		json_object_put(o);
		o = NULL;
	}
	reply_json(out, 200, o);
}

static json_object *j_ip(uint32_t addr)
{
	char buf[TEXT_IP4_LEN];
	return json_object_new_string(text_ip4(addr, buf));
}

static json_object *j_text(const char *s)
{
	char *copy = strdup(s);
	if (!copy)
		return NULL;
	text_utf8_fix(copy);
	json_object *o = json_object_new_string(copy);
	free(copy);
	return o;
}

/* ---- query arguments ---- */

/* The value of key, or NULL when absent; a key without '=' reads as "". */
static const char *arg(const struct api_request *req, const char *key)
{
	for (size_t i = 0; i < req->nargs; i++)
		if (req->keys[i] && strcmp(req->keys[i], key) == 0)
			return req->values[i] ? req->values[i] : "";
	return NULL;
}

/* Refuses unknown and repeated parameters, so a typo is not silently
 * ignored.  allowed is NULL-terminated. */
static bool args_ok(const struct api_request *req, const char *const *allowed,
		    struct api_reply *out)
{
	for (size_t i = 0; i < req->nargs; i++) {
		const char *k = req->keys[i] ? req->keys[i] : "";
		bool known = false;
		for (size_t j = 0; allowed[j]; j++)
			known |= strcmp(allowed[j], k) == 0;
		if (!known) {
			reply_error(out, 400, "unknown parameter: %.64s", k);
			return false;
		}
		for (size_t j = 0; j < i; j++)
			if (req->keys[j] && strcmp(req->keys[j], k) == 0) {
				reply_error(out, 400, "repeated parameter: %.64s", k);
				return false;
			}
	}
	return true;
}

/* A decimal number in [min, max]: digits only, no sign or spaces. */
static bool parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *v)
{
	uint64_t x = 0;
	if (!*s)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		unsigned d = (unsigned)(*s - '0');
		if (x > (UINT64_MAX - d) / 10)
			return false;
		x = x * 10 + d;
	}
	if (x < min || x > max)
		return false;
	*v = x;
	return true;
}

/* A numeric parameter: absent gives def; a bad value answers 400. */
static bool num_arg(const struct api_request *req, const char *key, uint64_t min,
		    uint64_t max, uint64_t def, uint64_t *v, struct api_reply *out)
{
	const char *s = arg(req, key);
	*v = def;
	if (s && !parse_u64(s, min, max, v)) {
		reply_error(out, 400, "bad %s: want a number from %llu to %llu", key,
			    (unsigned long long)min, (unsigned long long)max);
		return false;
	}
	return true;
}

static bool parse_ip(const char *s, uint32_t *addr)
{
	return text_ip4_parse(s, strlen(s), addr);
}

/* aa:bb:cc:dd:ee:ff or aa-bb-..., 1 to 16 bytes, any case. */
static bool parse_hw(const char *s, uint8_t *hw, uint8_t *len)
{
	uint8_t n = 0;
	char sep = 0;
	for (;;) {
		int hi = text_hexval(s[0]), lo = hi < 0 ? -1 : text_hexval(s[1]);
		if (lo < 0 || n == LEASE_HW_MAX)
			return false;
		hw[n++] = (uint8_t)(hi << 4 | lo);
		s += 2;
		if (!*s)
			break;
		if ((*s != ':' && *s != '-') || (sep && *s != sep))
			return false;
		sep = *s++;
	}
	*len = n;
	return true;
}

/* ---- the token ---- */

/* Compares in time that depends only on the lengths, not on where the
 * first difference is. */
static bool token_eq(const char *want, size_t wlen, const char *got)
{
	size_t glen = strlen(got);
	volatile unsigned char d = wlen != glen;
	for (size_t i = 0; i < wlen; i++)
		d |= (unsigned char)want[i] ^ (unsigned char)(i < glen ? got[i] : 0);
	return d == 0;
}

static bool authorized(const struct api_ctx *ctx, const struct api_request *req,
		       struct api_reply *out)
{
	const char *want = ctx->cfg ? ctx->cfg->api_token : "";
	size_t wlen = ctx->cfg ? strnlen(want, sizeof ctx->cfg->api_token) : 0;
	if (wlen == 0) {
		reply_error(out, 403, "read-only: no ApiToken configured");
		return false;
	}
	if (!req->bearer || !token_eq(want, wlen, req->bearer)) {
		reply_error(out, 401, "missing or wrong bearer token");
		return false;
	}
	return true;
}

/* ---- leases ---- */

/* The record's fields come from the field table (core/record.h); the
 * change number is the table's, so it is added here. */
static json_object *lease_json(struct jb *b, const struct lease *l)
{
	json_object *o = json_object_new_object();
	if (!o || record_json_add(o, &l->rec) < 0)
		b->oom = true;
	put(b, o, "seq", json_object_new_uint64(l->seq));
	return o;
}

/* What /api/v1/leases selects. */
struct lease_filter {
	bool by_addr, by_hw;
	uint32_t addr;
	uint8_t hw[LEASE_HW_MAX], hlen;
	const char *hostname;		/* case-insensitive substring */
	uint8_t state;			/* 0 = any */
	int origin;			/* -1 any, 0 own, 1 partner */
};

static bool filter_parse(const struct api_request *req, struct lease_filter *f,
			 struct api_reply *out)
{
	const char *s;
	*f = (struct lease_filter){ .origin = -1 };
	if ((s = arg(req, "addr")) && !(f->by_addr = parse_ip(s, &f->addr))) {
		reply_error(out, 400, "bad addr: want a dotted IPv4 address");
		return false;
	}
	if ((s = arg(req, "mac")) && !(f->by_hw = parse_hw(s, f->hw, &f->hlen))) {
		reply_error(out, 400, "bad mac: want hex bytes like aa:bb:cc:dd:ee:ff");
		return false;
	}
	if ((s = arg(req, "hostname")) && !*(f->hostname = s)) {
		reply_error(out, 400, "bad hostname: empty");
		return false;
	}
	if ((s = arg(req, "state")) && !(f->state = lease_state_parse(s, strlen(s)))) {
		reply_error(out, 400, "bad state: want free, active, expired, released, "
			    "abandoned, reset or backup");
		return false;
	}
	if ((s = arg(req, "origin"))) {
		f->origin = strcmp(s, "own") == 0 ? 0 : strcmp(s, "partner") == 0 ? 1 : -2;
		if (f->origin == -2) {
			reply_error(out, 400, "bad origin: want own or partner");
			return false;
		}
	}
	return true;
}

static bool filter_match(const struct lease_filter *f, const struct lease *l)
{
	if (f->by_addr && l->addr != f->addr)
		return false;
	if (f->by_hw && (l->hlen != f->hlen || memcmp(l->hw, f->hw, f->hlen) != 0))
		return false;
	if (f->hostname && (!l->hostname || !strcasestr(l->hostname, f->hostname)))
		return false;
	if (f->state && l->state != f->state)
		return false;
	return f->origin < 0 || f->origin == !!(l->flags & LEASE_F_PARTNER);
}

static int cmp_addr(const void *a, const void *b)
{
	uint32_t x = (*(struct lease *const *)a)->addr, y = (*(struct lease *const *)b)->addr;
	return x < y ? -1 : x > y;
}

/* The leases for which keep() holds, in an array the caller frees; NULL
 * only when out of memory. */
static struct lease **select_leases(const struct api_ctx *ctx,
				    bool (*keep)(const void *arg, const struct lease *l),
				    const void *arg, size_t *n)
{
	struct lease **v = malloc((lease_count(ctx->leases) + 1) * sizeof *v);
	*n = 0;
	if (!v)
		return NULL;
	for (struct lease *l = lease_next(ctx->leases, NULL); l; l = lease_next(ctx->leases, l))
		if (keep(arg, l))
			v[(*n)++] = l;
	return v;
}

static bool keep_filtered(const void *arg, const struct lease *l)
{
	return filter_match(arg, l);
}

static void h_leases(const struct api_ctx *ctx, const struct api_request *req,
		     const char *rest, struct api_reply *out)
{
	static const char *const allowed[] = { "addr", "mac", "hostname", "state", "origin",
					       "page", "per_page", NULL };
	struct lease_filter f;
	uint64_t page, per_page;
	(void)rest;
	if (!args_ok(req, allowed, out) || !filter_parse(req, &f, out) ||
	    !num_arg(req, "page", 1, UINT32_MAX, 1, &page, out) ||
	    !num_arg(req, "per_page", 1, LEASES_PER_PAGE_MAX, LEASES_PER_PAGE, &per_page, out))
		return;
	size_t n;
	struct lease **v = select_leases(ctx, keep_filtered, &f, &n);
	if (!v) {
		reply_json(out, 500, NULL);
		return;
	}
	qsort(v, n, sizeof *v, cmp_addr);
	struct jb b = { 0 };
	json_object *o = json_object_new_object(), *a = json_object_new_array();
	put(&b, o, "total", json_object_new_uint64(n));
	put(&b, o, "page", json_object_new_uint64(page));
	put(&b, o, "per_page", json_object_new_uint64(per_page));
	uint64_t from = (page - 1) * per_page;
	for (uint64_t i = from; i < n && i < from + per_page && !b.oom; i++)
		push(&b, a, lease_json(&b, v[i]));
	put(&b, o, "leases", a);
	free(v);
	reply_built(out, &b, o);
}

static struct lease *lease_at(const struct api_ctx *ctx, const char *rest,
			      struct api_reply *out)
{
	uint32_t addr;
	if (!parse_ip(rest, &addr)) {
		reply_error(out, 400, "bad address: want a dotted IPv4 address");
		return NULL;
	}
	struct lease *l = lease_find(ctx->leases, addr);
	if (!l)
		reply_error(out, 404, "no lease for %.32s", rest);
	return l;
}

static void h_lease_get(const struct api_ctx *ctx, const struct api_request *req,
			const char *rest, struct api_reply *out)
{
	static const char *const allowed[] = { NULL };
	if (!args_ok(req, allowed, out))
		return;
	struct lease *l = lease_at(ctx, rest, out);
	if (!l)
		return;
	struct jb b = { 0 };
	reply_built(out, &b, lease_json(&b, l));
}

static void h_lease_delete(const struct api_ctx *ctx, const struct api_request *req,
			   const char *rest, struct api_reply *out)
{
	static const char *const allowed[] = { NULL };
	if (!authorized(ctx, req, out) || !args_ok(req, allowed, out))
		return;
	struct lease *l = lease_at(ctx, rest, out);
	if (!l)
		return;
	if (!ctx->delete_lease) {
		reply_error(out, 501, "deleting leases is not supported");
		return;
	}
	if (l->state == LEASE_FREE) {
		reply_error(out, 409, "the lease is already free");
		return;
	}
	if (ctx->delete_lease(ctx->action_arg, l->addr) != 0) {
		reply_error(out, 500, "delete failed: see the server log");
		return;
	}
	struct jb b = { 0 };
	json_object *o = json_object_new_object();
	put(&b, o, "deleted", j_ip(l->addr));
	reply_built(out, &b, o);
}

/* ---- the change feed ---- */

/* Own leases only: two partners never echo each other's leases back. */
static bool keep_own(const struct lease *l, void *arg)
{
	(void)arg;
	return !(l->flags & LEASE_F_PARTNER);
}

/* A page of the lease table's change log: O(page), whatever its size. */
static void h_changes(const struct api_ctx *ctx, const struct api_request *req,
		      const char *rest, struct api_reply *out)
{
	static const char *const allowed[] = { "since", "limit", NULL };
	uint64_t since, limit;
	(void)rest;
	if (!args_ok(req, allowed, out) || !num_arg(req, "since", 0, UINT64_MAX, 0, &since, out) ||
	    !num_arg(req, "limit", 1, CHANGES_LIMIT_MAX, CHANGES_LIMIT, &limit, out))
		return;
	struct lease **v = malloc((size_t)limit * sizeof *v);
	if (!v) {
		reply_json(out, 500, NULL);
		return;
	}
	bool more;
	size_t take = lease_changes_after(ctx->leases, since, keep_own, NULL, v, (size_t)limit,
					  &more);
	struct jb b = { 0 };
	json_object *o = json_object_new_object(), *a = json_object_new_array();
	put(&b, o, "epoch", json_object_new_uint64(ctx->epoch));
	put(&b, o, "seq", json_object_new_uint64(ctx->seq));
	put(&b, o, "next", json_object_new_uint64(take ? v[take - 1]->seq : since));
	put(&b, o, "more", json_object_new_boolean(more));
	for (size_t i = 0; i < take && !b.oom; i++)
		push(&b, a, lease_json(&b, v[i]));
	put(&b, o, "leases", a);
	free(v);
	reply_built(out, &b, o);
}

/* ---- pools ---- */

/* Size and active count of a configured range: from the lease table's
 * pool when it has one for the range, else counted. */
static void range_usage(const struct api_ctx *ctx, const struct cfg_range *r,
			uint32_t *size, uint32_t *active)
{
	int p = lease_pool_of(ctx->leases, r->first);
	if (p >= 0) {
		lease_pool_usage(ctx->leases, p, size, active);
		return;
	}
	*size = r->last - r->first + 1;
	*active = 0;
	for (struct lease *l = lease_next(ctx->leases, NULL); l; l = lease_next(ctx->leases, l))
		if (l->addr >= r->first && l->addr <= r->last && l->state == LEASE_ACTIVE &&
		    !(l->flags & LEASE_F_PARTNER))
			(*active)++;
}

static void subnet_str(char *buf, size_t cap, const struct cfg_subnet *sn)
{
	char a[TEXT_IP4_LEN];
	snprintf(buf, cap, "%s/%d", text_ip4(sn->net, a), __builtin_popcount(sn->mask));
}

static json_object *pools_json(struct jb *b, const struct api_ctx *ctx)
{
	json_object *a = json_object_new_array();
	for (size_t i = 0; ctx->cfg && i < ctx->cfg->nsubnets; i++) {
		const struct cfg_subnet *sn = &ctx->cfg->subnets[i];
		char net[40];
		subnet_str(net, sizeof net, sn);
		for (size_t j = 0; j < sn->nranges; j++) {
			uint32_t size, active;
			range_usage(ctx, &sn->ranges[j], &size, &active);
			char pct[16];
			double p = size ? 100.0 * active / size : 0;
			snprintf(pct, sizeof pct, "%.1f", p);
			json_object *o = json_object_new_object();
			put(b, o, "subnet", json_object_new_string(net));
			put(b, o, "name", j_text(sn->name));
			put(b, o, "relayed", json_object_new_boolean(sn->relayed));
			put(b, o, "first", j_ip(sn->ranges[j].first));
			put(b, o, "last", j_ip(sn->ranges[j].last));
			put(b, o, "size", json_object_new_uint64(size));
			put(b, o, "active", json_object_new_uint64(active));
			put(b, o, "percent", json_object_new_double_s(p, pct));
			push(b, a, o);
		}
	}
	return a;
}

static void h_pools(const struct api_ctx *ctx, const struct api_request *req,
		    const char *rest, struct api_reply *out)
{
	static const char *const allowed[] = { NULL };
	(void)rest;
	if (!args_ok(req, allowed, out))
		return;
	struct jb b = { 0 };
	json_object *o = json_object_new_object();
	put(&b, o, "pools", pools_json(&b, ctx));
	reply_built(out, &b, o);
}

/* ---- status ---- */

struct counts {
	uint64_t total, active, own, partner;
	uint64_t by_state[LEASE_STATES][2];	/* [state][partner] */
};

/* From the table's counters, kept as leases change: no walk per request. */
static void count_leases(const struct api_ctx *ctx, struct counts *c)
{
	*c = (struct counts){ .total = lease_count(ctx->leases) };
	lease_counts(ctx->leases, c->by_state);
	c->active = c->by_state[LEASE_ACTIVE][0] + c->by_state[LEASE_ACTIVE][1];
	for (int st = 0; st < LEASE_STATES; st++)
		c->partner += c->by_state[st][1];
	c->own = c->total - c->partner;
}

static json_object *counters_json(struct jb *b, const struct engine_stats *st)
{
	static const struct engine_stats zero;
	if (!st)
		st = &zero;
	json_object *o = json_object_new_object(), *rx = json_object_new_object(),
		    *tx = json_object_new_object(), *drop = json_object_new_object();
	for (int t = DHCPDISCOVER; t <= DHCPINFORM; t++) {
		put(b, rx, msg_names[t], json_object_new_uint64(st->rx[t]));
		put(b, tx, msg_names[t], json_object_new_uint64(st->tx[t]));
	}
	put(b, drop, "malformed", json_object_new_uint64(st->drop_malformed));
	put(b, drop, "no_subnet", json_object_new_uint64(st->drop_no_subnet));
	put(b, drop, "not_ours", json_object_new_uint64(st->drop_not_ours));
	put(b, drop, "partner", json_object_new_uint64(st->drop_partner));
	put(b, drop, "relay", json_object_new_uint64(st->drop_relay));
	put(b, drop, "bootp", json_object_new_uint64(st->drop_bootp));
	put(b, o, "rx", rx);
	put(b, o, "tx", tx);
	put(b, o, "dropped", drop);
	put(b, o, "pool_exhausted", json_object_new_uint64(st->pool_exhausted));
	put(b, o, "declines", json_object_new_uint64(st->declines));
	put(b, o, "releases", json_object_new_uint64(st->releases));
	put(b, o, "options_dropped", json_object_new_uint64(st->options_dropped));
	return o;
}

static json_object *sync_json(struct jb *b, const struct sync_status *s)
{
	static const struct sync_status off = { .state = "off" };
	if (!s)
		s = &off;
	json_object *o = json_object_new_object();
	put(b, o, "enabled", json_object_new_boolean(s->enabled));
	put(b, o, "partner", j_text(s->partner));
	put(b, o, "state", j_text(s->state[0] ? s->state : "off"));
	put(b, o, "last_error", j_text(s->last_error));
	put(b, o, "last_ok", json_object_new_int64(s->last_ok));
	put(b, o, "partner_epoch", json_object_new_uint64(s->partner_epoch));
	put(b, o, "partner_seq", json_object_new_uint64(s->partner_seq));
	put(b, o, "leases", json_object_new_uint64(s->leases));
	put(b, o, "full_resyncs", json_object_new_uint64(s->full_resyncs));
	put(b, o, "max_leases", json_object_new_uint64(s->max_leases));
	put(b, o, "rate", json_object_new_uint64(s->rate));
	json_object *r = json_object_new_object();
	uint64_t total = 0;
	for (int w = PARTNER_OK + 1; w < PARTNER_REASONS; w++) {
		put(b, r, partner_why_name((enum partner_why)w), json_object_new_uint64(s->refused[w]));
		total += s->refused[w];
	}
	put(b, o, "refused", r);
	put(b, o, "refused_total", json_object_new_uint64(total));
	return o;
}

static json_object *failover_json(struct jb *b, const struct api_failover *f)
{
	json_object *o = json_object_new_object();
	put(b, o, "enabled", json_object_new_boolean(f != NULL));
	if (!f)
		return o;
	put(b, o, "name", j_text(f->name));
	put(b, o, "role", j_text(f->role));
	put(b, o, "state", j_text(f->state));
	put(b, o, "peer_state", j_text(f->peer_state));
	put(b, o, "link", j_text(f->link));
	put(b, o, "stos", json_object_new_int64(f->stos));
	put(b, o, "mclt", json_object_new_int64(f->mclt));
	put(b, o, "updates_queued", json_object_new_uint64(f->queued));
	put(b, o, "updates_in_flight", json_object_new_uint64(f->in_flight));
	put(b, o, "updates_sent", json_object_new_uint64(f->sent));
	put(b, o, "updates_acked", json_object_new_uint64(f->acked));
	put(b, o, "updates_received", json_object_new_uint64(f->received));
	put(b, o, "updates_applied", json_object_new_uint64(f->applied));
	put(b, o, "updates_refused", json_object_new_uint64(f->refused));
	put(b, o, "peer_stos", json_object_new_int64(f->peer_stos));
	put(b, o, "serving", json_object_new_boolean(f->serving));
	put(b, o, "partner_addresses", json_object_new_boolean(f->partner_addrs));
	put(b, o, "last_contact", json_object_new_int64(f->last_rx));
	put(b, o, "last_sent", json_object_new_int64(f->last_tx));
	put(b, o, "link_up_since", json_object_new_int64(f->up_since));
	put(b, o, "skew", json_object_new_int64(f->skew));
	put(b, o, "skew_max", json_object_new_int64(f->skew_max));
	put(b, o, "skew_warn", json_object_new_int64(f->skew_warn));
	put(b, o, "auto_partner_down", json_object_new_int64(f->auto_partner_down));
	put(b, o, "messages_in", json_object_new_uint64(f->msgs_in));
	put(b, o, "messages_out", json_object_new_uint64(f->msgs_out));
	put(b, o, "links_up", json_object_new_uint64(f->links_up));
	put(b, o, "links_down", json_object_new_uint64(f->links_down));
	put(b, o, "malformed", json_object_new_uint64(f->malformed));
	put(b, o, "timeouts", json_object_new_uint64(f->timeouts));
	put(b, o, "disconnects_received", json_object_new_uint64(f->disconnects_rcvd));
	return o;
}

void api_failover_line(const struct api_failover *f, char *buf, size_t len)
{
	bool up = f->link && strcmp(f->link, "up") == 0;
	snprintf(buf, len, "failover %s (partner %s%s%s)", f->state ? f->state : "none",
		 f->peer_state ? f->peer_state : "unknown", up ? "" : ", link ",
		 up ? "" : f->link ? f->link : "down");
}

static json_object *server_json(struct jb *b, const struct api_ctx *ctx)
{
	char host[256] = "";
	if (gethostname(host, sizeof host - 1) < 0)
		host[0] = 0;
	json_object *o = json_object_new_object(), *binds = json_object_new_array();
	put(b, o, "hostname", j_text(host));
	for (size_t i = 0; ctx->cfg && i < ctx->cfg->nsubnets; i++)
		if (ctx->cfg->subnets[i].bind_addr)
			push(b, binds, j_ip(ctx->cfg->subnets[i].bind_addr));
	put(b, o, "binds", binds);
	return o;
}

static void h_status(const struct api_ctx *ctx, const struct api_request *req,
		     const char *rest, struct api_reply *out)
{
	static const char *const allowed[] = { NULL };
	(void)rest;
	if (!args_ok(req, allowed, out))
		return;
	struct counts c;
	count_leases(ctx, &c);
	struct jb b = { 0 };
	json_object *o = json_object_new_object(), *j = json_object_new_object(),
		    *lc = json_object_new_object();
	put(&b, o, "version", j_text(ctx->version ? ctx->version : ""));
	put(&b, o, "server", server_json(&b, ctx));
	put(&b, o, "epoch", json_object_new_uint64(ctx->epoch));
	put(&b, o, "seq", json_object_new_uint64(ctx->seq));
	put(&b, o, "uptime", json_object_new_int64(ctx->now > ctx->started ?
						    ctx->now - ctx->started : 0));
	put(&b, o, "time", json_object_new_int64(ctx->now));
	put(&b, o, "counters", counters_json(&b, ctx->st));
	put(&b, j, "bytes", json_object_new_uint64(ctx->journal_bytes));
	put(&b, j, "disk_failing", json_object_new_boolean(ctx->disk_failing));
	put(&b, j, "acks_withheld", json_object_new_uint64(ctx->acks_withheld));
	put(&b, o, "journal", j);
	put(&b, o, "pools", pools_json(&b, ctx));
	put(&b, o, "sync", sync_json(&b, ctx->sync));
	put(&b, o, "failover", failover_json(&b, ctx->failover));
	put(&b, lc, "total", json_object_new_uint64(c.total));
	put(&b, lc, "active", json_object_new_uint64(c.active));
	put(&b, lc, "own", json_object_new_uint64(c.own));
	put(&b, lc, "partner", json_object_new_uint64(c.partner));
	put(&b, o, "leases", lc);
	reply_built(out, &b, o);
}

/* ---- reload ---- */

static void h_reload(const struct api_ctx *ctx, const struct api_request *req,
		     const char *rest, struct api_reply *out)
{
	static const char *const allowed[] = { NULL };
	(void)rest;
	if (!authorized(ctx, req, out) || !args_ok(req, allowed, out))
		return;
	if (!ctx->reload) {
		reply_error(out, 501, "reload is not supported");
		return;
	}
	if (ctx->reload(ctx->action_arg) != 0) {
		reply_error(out, 500, "reload refused: see the server log");
		return;
	}
	struct jb b = { 0 };
	json_object *o = json_object_new_object();
	put(&b, o, "reloaded", json_object_new_boolean(true));
	reply_built(out, &b, o);
}

/* ---- failover: the operator's partner-down ---- */

/* Draft section 9.5: only the operator knows the partner is really down
 * (not cut off and still serving), so this is a token-guarded POST; the
 * state machine decides whether our state allows it. */
static void h_partner_down(const struct api_ctx *ctx, const struct api_request *req,
			   const char *rest, struct api_reply *out)
{
	static const char *const allowed[] = { NULL };
	(void)rest;
	if (!authorized(ctx, req, out) || !args_ok(req, allowed, out))
		return;
	if (!ctx->failover || !ctx->partner_down) {
		reply_error(out, 404, "no failover relationship is configured");
		return;
	}
	struct api_fo_result r = { 0 };
	if (ctx->partner_down(ctx->action_arg, &r) != 0) {
		reply_error(out, 409, "partner-down refused: %s", r.why[0] ? r.why : "not allowed");
		return;
	}
	struct jb b = { 0 };
	json_object *o = json_object_new_object();
	put(&b, o, "state", j_text(r.state ? r.state : "none"));
	put(&b, o, "changed", json_object_new_boolean(r.changed));
	put(&b, o, "stos", json_object_new_int64(r.stos));
	put(&b, o, "partner_addresses_from", json_object_new_int64((int64_t)r.stos + r.mclt));
	reply_built(out, &b, o);
}

/* ---- lease import: POST /api/v1/leases/import ---- */

#define IMPORT_JSON_DEPTH 8

/* The body as one JSON object, strictly: nothing after it. */
static json_object *body_parse(const struct api_request *req, char *err, size_t errlen)
{
	json_tokener *tok = json_tokener_new_ex(IMPORT_JSON_DEPTH);
	if (!tok) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	json_object *o = json_tokener_parse_ex(tok, req->body ? req->body : "",
					       (int)req->body_len);
	enum json_tokener_error je = json_tokener_get_error(tok);
	size_t end = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	if (je != json_tokener_success || end != req->body_len) {
		snprintf(err, errlen, "bad JSON body: %s", je == json_tokener_success ?
			 "bytes after the object" : je == json_tokener_continue ? "truncated" :
			 json_tokener_error_desc(je));
		json_object_put(o);
		return NULL;
	}
	return o;
}

static void recs_free(struct lease_rec *recs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		record_clear(&recs[i]);
	free(recs);
}

static int cmp_rec_addr(const void *a, const void *b)
{
	uint32_t x = ((const struct lease_rec *)a)->addr, y = ((const struct lease_rec *)b)->addr;
	return x < y ? -1 : x > y;
}

/* Every record of {"leases": [...]}, sorted by address; all or nothing:
 * one bad record refuses the request (400; 413 for too many), so a retry
 * is the fix. */
static struct lease_rec *import_read(json_object *root, size_t *n, int *status, char *err,
				     size_t errlen)
{
	json_object *a;
	if (!json_object_is_type(root, json_type_object) ||
	    !json_object_object_get_ex(root, "leases", &a) || !json_object_is_type(a, json_type_array)) {
		snprintf(err, errlen, "want {\"leases\": [...]}");
		return NULL;
	}
	*n = json_object_array_length(a);
	if (*n > API_IMPORT_MAX) {
		*status = 413;
		snprintf(err, errlen, "at most %d leases per request", API_IMPORT_MAX);
		return NULL;
	}
	struct lease_rec *recs = calloc(*n + 1, sizeof *recs);
	if (!recs) {
		*status = 500;
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	for (size_t i = 0; i < *n; i++) {
		char why[160];
		if (record_json_read(json_object_array_get_idx(a, i), &recs[i], why, sizeof why) < 0) {
			snprintf(err, errlen, "leases[%zu]: %s", i, why);
			recs_free(recs, i);
			return NULL;
		}
	}
	qsort(recs, *n, sizeof *recs, cmp_rec_addr);
	for (size_t i = 1; i < *n; i++)
		if (recs[i].addr == recs[i - 1].addr) {
			char ip[TEXT_IP4_LEN];
			snprintf(err, errlen, "address %s is twice in the request",
				 text_ip4(recs[i].addr, ip));
			recs_free(recs, *n);
			return NULL;
		}
	return recs;
}

/* Decides each record, moving the taken ones to the front of take (they
 * share the records' cid and hostname); skipped ones are listed. */
static size_t import_decide(const struct api_ctx *ctx, const struct adopt_scope *sc,
			    const struct lease_rec *recs, size_t n, struct lease_rec *take,
			    uint64_t counts[ADOPT_OUTCOMES], struct jb *b, json_object *skipped)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		enum adopt_outcome o = adopt_decide(sc, lease_find(ctx->leases, recs[i].addr),
						    &recs[i], ctx->now, &take[k]);
		counts[o]++;
		if (adopt_taken(o)) {
			k++;
		} else if (o != ADOPT_SAME) {
			json_object *e = json_object_new_object();
			put(b, e, "address", j_ip(recs[i].addr));
			put(b, e, "reason", j_text(adopt_outcome_name(o)));
			put(b, e, "why", j_text(adopt_outcome_why(o)));
			push(b, skipped, e);
		}
	}
	return k;
}

static json_object *import_report(struct jb *b, size_t n, const uint64_t counts[ADOPT_OUTCOMES],
				  json_object *skipped)
{
	json_object *o = json_object_new_object(), *by = json_object_new_object();
	uint64_t taken = counts[ADOPT_NEW] + counts[ADOPT_UPDATE];
	put(b, o, "read", json_object_new_uint64(n));
	put(b, o, "imported", json_object_new_uint64(taken));
	put(b, o, "new", json_object_new_uint64(counts[ADOPT_NEW]));
	put(b, o, "updated", json_object_new_uint64(counts[ADOPT_UPDATE]));
	put(b, o, "unchanged", json_object_new_uint64(counts[ADOPT_SAME]));
	put(b, o, "skipped", json_object_new_uint64(n - taken - counts[ADOPT_SAME]));
	for (int i = 0; i < ADOPT_OUTCOMES; i++)
		put(b, by, adopt_outcome_name((enum adopt_outcome)i),
		    json_object_new_uint64(counts[i]));
	put(b, o, "outcomes", by);
	put(b, o, "skipped_leases", skipped);
	return o;
}

/* dry: decided and answered, nothing stored. */
static void import_apply(const struct api_ctx *ctx, struct lease_rec *recs, size_t n, bool dry,
			 struct api_reply *out)
{
	struct adopt_scope sc;
	struct lease_rec *take = calloc(n + 1, sizeof *take);
	if (!take || adopt_scope_build(&sc, ctx->cfg) < 0) {
		free(take);
		reply_error(out, 500, "out of memory");
		return;
	}
	uint64_t counts[ADOPT_OUTCOMES] = { 0 };
	struct jb b = { 0 };
	json_object *skipped = json_object_new_array();
	size_t k = import_decide(ctx, &sc, recs, n, take, counts, &b, skipped);
	adopt_scope_free(&sc);
	if (b.oom) {
		json_object_put(skipped);
		reply_error(out, 500, "out of memory");
	} else if (k && !dry && ctx->import_leases(ctx->action_arg, take, k) != 0) {
		json_object_put(skipped);
		reply_error(out, 503, "the leases are held but not durable: the journal is "
			    "failing; see the server log");
	} else {
		reply_built(out, &b, import_report(&b, n, counts, skipped));
	}
	free(take);
}

static void h_lease_import(const struct api_ctx *ctx, const struct api_request *req,
			   const char *rest, struct api_reply *out)
{
	static const char *const allowed[] = { "dry_run", NULL };
	char err[256];
	size_t n = 0;
	int status = 400;
	(void)rest;
	if (!authorized(ctx, req, out) || !args_ok(req, allowed, out))
		return;
	if (!ctx->import_leases || !ctx->cfg) {
		reply_error(out, 501, "importing leases is not supported");
		return;
	}
	json_object *root = body_parse(req, err, sizeof err);
	struct lease_rec *recs = root ? import_read(root, &n, &status, err, sizeof err) : NULL;
	json_object_put(root);
	if (!recs) {
		reply_error(out, status, "%s", err);
		return;
	}
	import_apply(ctx, recs, n, arg(req, "dry_run") != NULL, out);
	recs_free(recs, n);
}

/* ---- metrics: Prometheus text exposition format 0.0.4 ---- */

/* A label value with \, " and newline escaped, as the format requires. */
static void prom_label(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			fputc('\\', f);
		if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
}

static void prom_head(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void prom_one(FILE *f, const char *name, const char *type, const char *help,
		     unsigned long long v)
{
	prom_head(f, name, type, help);
	fprintf(f, "%s %llu\n", name, v);
}

static void prom_packets(FILE *f, const struct engine_stats *st)
{
	static const struct engine_stats zero;
	if (!st)
		st = &zero;
	prom_head(f, "duodhcp_packets_received_total", "counter",
		  "DHCP requests received, by message type.");
	for (int t = DHCPDISCOVER; t <= DHCPINFORM; t++)
		fprintf(f, "duodhcp_packets_received_total{type=\"%s\"} %llu\n", msg_names[t],
			(unsigned long long)st->rx[t]);
	prom_head(f, "duodhcp_replies_sent_total", "counter",
		  "DHCP replies sent, by message type.");
	for (int t = DHCPDISCOVER; t <= DHCPINFORM; t++)
		fprintf(f, "duodhcp_replies_sent_total{type=\"%s\"} %llu\n", msg_names[t],
			(unsigned long long)st->tx[t]);
	const struct { const char *reason; uint64_t v; } drops[] = {
		{ "malformed", st->drop_malformed }, { "no_subnet", st->drop_no_subnet },
		{ "not_ours", st->drop_not_ours }, { "partner", st->drop_partner },
		{ "relay", st->drop_relay }, { "bootp", st->drop_bootp },
		{ "pool_exhausted", st->pool_exhausted },
	};
	prom_head(f, "duodhcp_dropped_total", "counter",
		  "Requests answered with silence, by reason.");
	for (size_t i = 0; i < sizeof drops / sizeof drops[0]; i++)
		fprintf(f, "duodhcp_dropped_total{reason=\"%s\"} %llu\n", drops[i].reason,
			(unsigned long long)drops[i].v);
	prom_one(f, "duodhcp_declines_total", "counter", "DHCPDECLINEs: addresses quarantined.",
		 st->declines);
	prom_one(f, "duodhcp_options_dropped_total", "counter",
		 "Options left out of replies for lack of room.", st->options_dropped);
}

static void prom_pools(FILE *f, const struct api_ctx *ctx)
{
	static const char *const names[] = { "duodhcp_pool_size", "duodhcp_pool_active" };
	static const char *const help[] = { "Addresses in the range.",
					    "Active own leases in the range." };
	for (int k = 0; k < 2; k++) {
		prom_head(f, names[k], "gauge", help[k]);
		for (size_t i = 0; ctx->cfg && i < ctx->cfg->nsubnets; i++) {
			const struct cfg_subnet *sn = &ctx->cfg->subnets[i];
			char net[40], a[TEXT_IP4_LEN], z[TEXT_IP4_LEN];
			subnet_str(net, sizeof net, sn);
			for (size_t j = 0; j < sn->nranges; j++) {
				uint32_t size, active;
				range_usage(ctx, &sn->ranges[j], &size, &active);
				text_ip4(sn->ranges[j].first, a);
				text_ip4(sn->ranges[j].last, z);
				fprintf(f, "%s{subnet=\"", names[k]);
				prom_label(f, net);
				fprintf(f, "\",range=\"%s-%s\"} %u\n", a, z, k ? active : size);
			}
		}
	}
}

static void prom_state(FILE *f, const struct api_ctx *ctx)
{
	struct counts c;
	count_leases(ctx, &c);
	prom_head(f, "duodhcp_leases", "gauge", "Lease records, by state and origin.");
	for (uint8_t s = LEASE_FREE; s <= LEASE_BACKUP; s++)
		for (int p = 0; p < 2; p++)
			fprintf(f, "duodhcp_leases{state=\"%s\",origin=\"%s\"} %llu\n",
				lease_state_name(s), p ? "partner" : "own",
				(unsigned long long)c.by_state[s][p]);
	const struct sync_status *sy = ctx->sync;
	prom_one(f, "duodhcp_journal_bytes", "gauge", "Size of the lease journal.",
		 ctx->journal_bytes);
	prom_one(f, "duodhcp_disk_failing", "gauge",
		 "1 while journal writes fail (ACKs are withheld).", ctx->disk_failing);
	prom_one(f, "duodhcp_acks_withheld_total", "counter",
		 "ACKs not sent because the lease could not be made durable.",
		 ctx->acks_withheld);
	prom_one(f, "duodhcp_change_seq", "gauge", "Last lease change number.", ctx->seq);
	prom_one(f, "duodhcp_sync_up", "gauge", "1 when the last pull from the partner worked.",
		 sy && sy->enabled && strcmp(sy->state, "ok") == 0);
	prom_one(f, "duodhcp_sync_partner_leases", "gauge", "Leases held for the partner.",
		 sy ? sy->leases : 0);
	prom_one(f, "duodhcp_sync_full_resyncs_total", "counter",
		 "Full re-reads of the partner's leases.", sy ? sy->full_resyncs : 0);
	prom_head(f, "duodhcp_sync_refused_total", "counter",
		  "Partner leases refused, by reason (what a partner cannot hold).");
	for (int w = PARTNER_OK + 1; w < PARTNER_REASONS; w++)
		fprintf(f, "duodhcp_sync_refused_total{reason=\"%s\"} %llu\n",
			partner_why_name((enum partner_why)w),
			(unsigned long long)(sy ? sy->refused[w] : 0));
	prom_one(f, "duodhcp_uptime_seconds", "gauge", "Seconds since the server started.",
		 (unsigned long long)(ctx->now > ctx->started ? ctx->now - ctx->started : 0));
}

/* One sample of a failover series: name{relationship="..."} value. */
static void prom_fo(FILE *f, const char *name, const char *type, const char *help,
		    const char *rel, long long v)
{
	prom_head(f, name, type, help);
	fprintf(f, "%s{relationship=\"", name);
	prom_label(f, rel);
	fprintf(f, "\"} %lld\n", v);
}

/* Our state and the partner's, one-hot over the twelve server states. */
static void prom_fo_states(FILE *f, const struct api_failover *fo)
{
	static const uint8_t all[] = {
		FO_ST_STARTUP, FO_ST_NORMAL, FO_ST_COMM_INTERRUPTED, FO_ST_PARTNER_DOWN,
		FO_ST_POTENTIAL_CONFLICT, FO_ST_RECOVER, FO_ST_PAUSED, FO_ST_SHUTDOWN,
		FO_ST_RECOVER_DONE, FO_ST_RESOLUTION_INTERRUPTED, FO_ST_CONFLICT_DONE,
		FO_ST_RECOVER_WAIT,
	};
	prom_head(f, "duodhcp_failover_state", "gauge",
		  "1 for the failover state each side is in (the partner's as last heard).");
	for (int side = 0; side < 2; side++) {
		const char *cur = side ? fo->peer_state : fo->state;
		for (size_t i = 0; i < sizeof all; i++) {
			const char *name = fo_state_name(all[i]);
			fputs("duodhcp_failover_state{relationship=\"", f);
			prom_label(f, fo->name);
			fprintf(f, "\",side=\"%s\",state=\"%s\"} %d\n", side ? "partner" : "local",
				name, cur && strcmp(cur, name) == 0);
		}
	}
}

static void prom_failover(FILE *f, const struct api_failover *fo)
{
	if (!fo)
		return;
	const char *r = fo->name;
	const struct { const char *name, *type, *help; long long v; } m[] = {
		{ "duodhcp_failover_link_up", "gauge",
		  "1 while the link to the partner is up (CONNECT/CONNECTACK done).",
		  fo->link && strcmp(fo->link, "up") == 0 },
		{ "duodhcp_failover_serving", "gauge", "1 while failover lets us answer clients.",
		  fo->serving },
		{ "duodhcp_failover_state_start_timestamp_seconds", "gauge",
		  "When our failover state began (STOS).", fo->stos },
		{ "duodhcp_failover_mclt_seconds", "gauge", "The maximum client lead time.",
		  fo->mclt },
		{ "duodhcp_failover_updates_queued", "gauge",
		  "Binding updates waiting to be sent to the partner.", (long long)fo->queued },
		{ "duodhcp_failover_updates_in_flight", "gauge",
		  "Binding updates sent and not yet acknowledged.", (long long)fo->in_flight },
		{ "duodhcp_failover_updates_sent_total", "counter", "Binding updates sent.",
		  (long long)fo->sent },
		{ "duodhcp_failover_updates_acked_total", "counter",
		  "Our binding updates the partner acknowledged.", (long long)fo->acked },
		{ "duodhcp_failover_updates_received_total", "counter",
		  "Binding updates received from the partner.", (long long)fo->received },
		{ "duodhcp_failover_updates_applied_total", "counter",
		  "The partner's binding updates stored.", (long long)fo->applied },
		{ "duodhcp_failover_updates_refused_total", "counter",
		  "The partner's binding updates refused.", (long long)fo->refused },
		{ "duodhcp_failover_clock_skew_seconds", "gauge",
		  "The partner's clock minus ours, at its last message.", fo->skew },
		{ "duodhcp_failover_clock_skew_max_seconds", "gauge",
		  "The largest clock difference seen, either way.", fo->skew_max },
		{ "duodhcp_failover_last_contact_timestamp_seconds", "gauge",
		  "When the last message from the partner arrived (0: never).", fo->last_rx },
		{ "duodhcp_failover_messages_received_total", "counter",
		  "Failover messages received.", (long long)fo->msgs_in },
		{ "duodhcp_failover_messages_sent_total", "counter", "Failover messages sent.",
		  (long long)fo->msgs_out },
		{ "duodhcp_failover_links_down_total", "counter",
		  "Times the link to the partner was lost.", (long long)fo->links_down },
		{ "duodhcp_failover_malformed_total", "counter",
		  "Failover messages that did not decode (the link was ended).",
		  (long long)fo->malformed },
		{ "duodhcp_failover_timeouts_total", "counter",
		  "Links ended for a silent partner or an unfinished greeting.",
		  (long long)fo->timeouts },
		{ "duodhcp_failover_disconnects_received_total", "counter",
		  "DISCONNECT messages received from the partner.",
		  (long long)fo->disconnects_rcvd },
	};
	prom_fo_states(f, fo);
	for (size_t i = 0; i < sizeof m / sizeof m[0]; i++)
		prom_fo(f, m[i].name, m[i].type, m[i].help, r, m[i].v);
}

static void h_metrics(const struct api_ctx *ctx, const struct api_request *req,
		      const char *rest, struct api_reply *out)
{
	char *body = NULL;
	size_t len = 0;
	(void)req, (void)rest;
	FILE *f = open_memstream(&body, &len);
	if (!f) {
		reply_text(out, 500, ct_prom, NULL, 0);
		return;
	}
	prom_packets(f, ctx->st);
	prom_pools(f, ctx);
	prom_state(f, ctx);
	prom_failover(f, ctx->failover);
	if (ferror(f)) {
		fclose(f);
		free(body);
		reply_text(out, 500, ct_prom, NULL, 0);
		return;
	}
	fclose(f);
	reply_text(out, 200, ct_prom, body, len);
}

/* ---- the page ---- */

/* One self-contained document, src/status.html, built in by tools/embed.py:
 * inline CSS and script, no external assets.  It polls api/v1/status and
 * api/v1/leases every 2 s and re-renders in place; data goes into the DOM
 * only as text (textContent), never as markup, since hostnames come from
 * clients. */
extern const char api_page[];
extern const size_t api_page_len;

static void h_page(const struct api_ctx *ctx, const struct api_request *req,
		   const char *rest, struct api_reply *out)
{
	(void)ctx, (void)req, (void)rest;
	size_t len = api_page_len;
	char *body = malloc(len + 1);
	if (body)
		memcpy(body, api_page, len + 1);
	reply_text(out, 200, ct_html, body, len);
}

/* ---- routing ---- */

typedef void handler_fn(const struct api_ctx *ctx, const struct api_request *req,
			const char *rest, struct api_reply *out);

struct route {
	const char *path;
	bool prefix;		/* path ends in '/' and the rest is an argument */
	handler_fn *get, *post, *del;
	const char *allow;	/* the Allow header of a 405 */
};

static const struct route routes[] = {
	{ "/", false, h_page, NULL, NULL, "GET, HEAD" },
	{ "/index.html", false, h_page, NULL, NULL, "GET, HEAD" },
	{ "/metrics", false, h_metrics, NULL, NULL, "GET, HEAD" },
	{ "/api/v1/status", false, h_status, NULL, NULL, "GET, HEAD" },
	{ "/api/v1/leases", false, h_leases, NULL, NULL, "GET, HEAD" },
	{ "/api/v1/leases/import", false, NULL, h_lease_import, NULL, "POST" },
	{ "/api/v1/leases/", true, h_lease_get, NULL, h_lease_delete, "GET, HEAD, DELETE" },
	{ "/api/v1/pools", false, h_pools, NULL, NULL, "GET, HEAD" },
	{ "/api/v1/changes", false, h_changes, NULL, NULL, "GET, HEAD" },
	{ "/api/v1/reload", false, NULL, h_reload, NULL, "POST" },
	{ "/api/v1/failover/partner-down", false, NULL, h_partner_down, NULL, "POST" },
};

static const struct route *route_find(const char *path, const char **rest)
{
	for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
		const struct route *r = &routes[i];
		size_t n = strlen(r->path);
		if (r->prefix ? strncmp(path, r->path, n) == 0 && path[n] : strcmp(path, r->path) == 0) {
			*rest = path + (r->prefix ? n : strlen(path));
			return r;
		}
	}
	return NULL;
}

void api_handle(const struct api_ctx *ctx, const struct api_request *req,
		struct api_reply *out)
{
	*out = (struct api_reply){ .status = 500, .content_type = ct_json };
	const char *method = req->method ? req->method : "";
	const char *rest = "";
	const struct route *r = route_find(req->path ? req->path : "", &rest);
	if (!r) {
		reply_error(out, 404, "no such endpoint");
		return;
	}
	handler_fn *h = NULL;
	if (strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0)
		h = r->get;
	else if (strcmp(method, "POST") == 0)
		h = r->post;
	else if (strcmp(method, "DELETE") == 0)
		h = r->del;
	if (!h) {
		reply_error(out, 405, "method not allowed; allowed: %s", r->allow);
		out->allow = r->allow;
		return;
	}
	if (req->body_len && h != h_lease_import) {
		reply_error(out, 413, "request bodies are not accepted here");
		return;
	}
	h(ctx, req, rest, out);
}

bool api_body_allowed(const struct api_ctx *ctx, const struct api_request *req,
		      struct api_reply *out)
{
	*out = (struct api_reply){ .status = 500, .content_type = ct_json };
	const char *rest = "";
	const struct route *r = route_find(req->path ? req->path : "", &rest);
	if (!r) {
		reply_error(out, 404, "no such endpoint");
		return false;
	}
	if (r->post != h_lease_import || !req->method || strcmp(req->method, "POST") != 0) {
		reply_error(out, 413, "request bodies are not accepted here");
		return false;
	}
	return authorized(ctx, req, out);
}
