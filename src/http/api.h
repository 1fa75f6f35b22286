/* The HTTP API and status page, as pure functions: a request (method,
 * path, query, token) in, a status code and a body out.  http.c glues
 * these to libmicrohttpd; the fuzzers and unit tests call them directly. */
#ifndef DUODHCP_API_H
#define DUODHCP_API_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "conf/config.h"
#include "core/engine.h"
#include "core/lease.h"
#include "core/partner.h"

/* State of the pull from the SyncServer partner, shown on the page. */
struct sync_status {
	bool enabled;
	char partner[256];		/* host:port */
	char state[32];			/* "ok", "connecting", "error", "off" */
	char last_error[160];
	int64_t last_ok;		/* wall clock of the last good pull, 0 = never */
	uint64_t partner_epoch;
	uint64_t partner_seq;		/* how far we have read the partner's feed */
	uint64_t leases;		/* partner leases we hold */
	uint64_t full_resyncs;
	/* The partner's leases we refused, by enum partner_why
	 * (core/partner.h; [0], PARTNER_OK, unused), and the bounds. */
	uint64_t refused[PARTNER_REASONS];
	uint32_t max_leases;		/* SyncMaxLeases */
	uint32_t rate;			/* SyncRate */
};

/* What the API reads.  Everything is owned by the daemon and only read
 * here, on the daemon's thread. */
/* A failover relationship for the status page, /metrics, duodhcpctl and
 * systemd's status line (daemon/failover.c). */
struct api_failover {
	const char *name, *role, *state, *peer_state, *link;
	uint32_t stos, peer_stos, mclt;
	uint64_t queued, in_flight;		/* our BNDUPDs waiting, unacked */
	uint64_t sent, acked, received, applied, refused;
	/* The link (failover/peer.h, fo_peer_stats). */
	int64_t last_rx, last_tx;		/* wall clock of the last message, 0 = never */
	int64_t up_since;			/* wall clock the link came up, 0 = never */
	int32_t skew, skew_max;			/* peer's clock minus ours, s; largest |skew| */
	uint32_t skew_warn;			/* ClockSkewWarn, 0 = never */
	uint32_t auto_partner_down;		/* AutoPartnerDown, 0 = operator only */
	uint64_t msgs_in, msgs_out, links_up, links_down;
	uint64_t malformed, timeouts, disconnects_rcvd;
	bool serving, partner_addrs;		/* answering clients; with the partner's */
};

/* The operator's partner-down (POST /api/v1/failover/partner-down). */
struct api_fo_result {
	const char *state;		/* our state after the request */
	bool changed;			/* false: we were in partner-down already */
	uint32_t stos, mclt;		/* the partner's addresses from stos + mclt */
	char why[200];			/* why it was refused */
};

/* systemd's status line for a relationship: "failover normal (partner
 * normal)", the link named when it is not up. */
void api_failover_line(const struct api_failover *f, char *buf, size_t len);

struct api_ctx {
	const struct config *cfg;
	struct lease_table *leases;
	const struct engine_stats *st;
	const struct sync_status *sync;
	uint64_t epoch;			/* random, new at every start */
	uint64_t seq;			/* last change number handed out */
	int64_t started;		/* wall clock */
	int64_t now;			/* wall clock */
	const char *version;
	/* Counters the daemon keeps outside the engine. */
	uint64_t journal_bytes;
	uint64_t acks_withheld;
	bool disk_failing;
	const struct api_failover *failover;	/* NULL: no [FAILOVER] */
	/* Actions that change things (need the token); NULL = unsupported. */
	int (*delete_lease)(void *arg, uint32_t addr);
	int (*reload)(void *arg);
	/* 0 with r filled, or -1 with r->why (the state forbids it). */
	int (*partner_down)(void *arg, struct api_fo_result *r);
	/* Stores n imported leases (already decided by core/adopt.h) through
	 * the change pipeline; 0 once they are durable, -1 when the store
	 * failed (they stay queued and are retried with the next commit). */
	int (*import_leases)(void *arg, const struct lease_rec *recs, size_t n);
	void *action_arg;
};

struct api_request {
	const char *method;		/* "GET", "POST", "DELETE" */
	const char *path;		/* "/api/v1/leases" */
	/* Query arguments, already URL-decoded by the HTTP library. */
	size_t nargs;
	const char *const *keys;
	const char *const *values;
	const char *bearer;		/* Authorization: Bearer <token>, or NULL */
	const char *body;		/* POST body (not NUL-terminated), or NULL */
	size_t body_len;
};

/* The largest request body, and the most leases one import request may
 * carry (POST /api/v1/leases/import). */
#define API_BODY_MAX (1u << 20)
#define API_IMPORT_MAX 1000

struct api_reply {
	int status;			/* HTTP status */
	const char *content_type;	/* static string */
	char *body;			/* malloc'd, NUL-terminated; caller frees */
	size_t len;
	const char *allow;		/* static; the Allow header of a 405, else NULL */
};

/* Answers one request.  Never fails to produce a reply (500 on OOM with
 * a static body is allowed: body may then be NULL with len 0). */
void api_handle(const struct api_ctx *ctx, const struct api_request *req,
		struct api_reply *out);
/* Asked when a request announces a body, before a byte of it is read:
 * true when the endpoint takes one and the token is right; else false
 * with the refusal in out (404, 405, 401, 403, or 413 for an endpoint
 * that takes no body), so that nobody without the token has us buffer a
 * megabyte. */
bool api_body_allowed(const struct api_ctx *ctx, const struct api_request *req,
		      struct api_reply *out);

#endif
