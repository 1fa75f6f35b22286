/* The pull of the partner's lease changes ([Settings] SyncServer=host:port).
 *
 * One background thread reads the partner's change feed
 * (GET /api/v1/changes?since=N&limit=M) with libcurl and hands finished
 * batches of leases to the main thread through a queue; an eventfd wakes
 * the main loop.  The DHCP path never waits on the partner: the main
 * thread only takes batches that are already parsed.
 *
 * sync_parse_changes() is the pure parser of one reply, the only code
 * that reads these untrusted bytes. */
#ifndef DUODHCP_SYNC_H
#define DUODHCP_SYNC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "core/lease.h"
#include "core/record.h"

struct sync;
struct sync_status;		/* api.h */

#define SYNC_PORT_DEFAULT 80
#define SYNC_HOST_MAX 253		/* a DNS name (RFC 1035 section 2.3.4) */
#define SYNC_REPLY_MAX (16u << 20)	/* bytes of one reply */
#define SYNC_LEASES_MAX 10000		/* leases in one reply */
#define SYNC_TIME_MAX RECORD_JSON_TIME_MAX	/* lease times: 0 <= t < this */

/* Leases of one reply, in feed order (a later lease for an address
 * replaces an earlier one). */
struct sync_batch {
	bool full_start;	/* first batch of a full resync: mark all partner leases stale */
	bool full_end;		/* last batch of a full resync: drop the stale ones */
	uint64_t epoch;		/* the partner's epoch */
	uint64_t seq;		/* feed position after this batch (the reply's "next") */
	size_t n;
	/* Every lease has LEASE_F_PARTNER in flags and seq set to the
	 * partner's change number; cid and hostname are heap-owned by the
	 * batch (copy them, e.g. with lease_upsert). */
	struct lease *leases;
	struct sync_batch *next_;	/* private: the queue */
};

struct sync_opts {
	/* State changes to log ("pulling", "unreachable", "back after N
	 * failures", "full resync"): called from sync_take(), so on the
	 * thread that calls it, never on the sync thread.  level is an enum
	 * log_level (log.h).  NULL: not logged (the status still shows it). */
	void (*log)(void *arg, int level, const char *msg);
	void *log_arg;
	/* Milliseconds; 0 takes the default. */
	uint32_t poll_ms;		/* 1000: between pulls when idle */
	uint32_t backoff_min_ms;	/* 500: first retry after an error, doubling */
	uint32_t backoff_max_ms;	/* 30000 */
	uint32_t connect_timeout_ms;	/* 1000 */
	uint32_t timeout_ms;		/* 3000: whole request */
	uint32_t limit;			/* leases asked per request: 1000 */
};

/* Splits "host[:port]" (a DNS name or a dotted IPv4 address; port 80 when
 * absent).  Returns 0, or -1 with a message in err. */
int sync_parse_partner(const char *partner, char *host, size_t hostcap, uint16_t *port,
		       char *err, size_t errlen);

/* Starts pulling from partner ("host[:port]"); opts may be NULL.  The
 * first pull is a full resync.  Returns NULL with a message in err when
 * partner is malformed or a resource is missing. */
struct sync *sync_start(const char *partner, const struct sync_opts *opts,
			char *err, size_t errlen);

/* Readable (an eventfd) while batches or log lines wait for sync_take(). */
int sync_fd(const struct sync *s);

/* Delivers waiting log lines to opts->log, then returns the oldest
 * batch, or NULL when none waits.  Call it until NULL when sync_fd() is
 * readable; apply each batch in order, then sync_batch_free() it. */
struct sync_batch *sync_take(struct sync *s);

/* Registers sync_fd() on the loop: every batch, in order, goes to
 * apply(arg, batch, from), which applies its leases from index from on
 * and returns how far it got.  b->n: the batch is done and freed.  Less:
 * the batch is kept and nothing more is applied until sync_resume(),
 * which calls apply again with the rest; meanwhile the pulled batches
 * wait, and the thread stops pulling once QUEUE_MAX of them do.  So the
 * daemon bounds how fast a partner's leases are taken, and nothing the
 * partner sent is dropped.  0, or -1. */
struct loop;
int sync_attach(struct sync *s, struct loop *lp,
		size_t (*apply)(void *arg, const struct sync_batch *b, size_t from), void *arg);
/* Goes on with the batch apply stopped short on (and those behind it). */
void sync_resume(struct sync *s);

/* Frees a batch from sync_take() (NULL is ignored). */
void sync_batch_free(struct sync_batch *b);
/* Frees what a batch holds and empties it (for one filled by
 * sync_parse_changes()); the struct itself is not freed. */
void sync_batch_clear(struct sync_batch *b);

/* Fills enabled, partner, state ("connecting", "ok", "error"),
 * last_error, last_ok, partner_epoch, partner_seq and full_resyncs (the
 * first full read included); leases is left 0 for the daemon to fill. */
void sync_status_get(struct sync *s, struct sync_status *out);

/* Stops the thread and frees everything, queued batches included; returns
 * at once even in the middle of a request.  NULL is ignored. */
void sync_stop(struct sync *s);

/* Parses one reply of the change feed.  Strict: the reply must be one
 * JSON object with epoch, seq, next (unsigned integers; next <= seq when
 * leases came), more (boolean; true only with leases) and leases, an
 * array of at most SYNC_LEASES_MAX objects, each with every field of the
 * feed well formed (client_id and mac as "0a1b" or "0a:1b"; client_id
 * and hostname may be null or "").
 * Leases whose origin is "partner" (ours, echoed back) are skipped.
 * On success fills out (epoch, seq = next, n, leases; caller frees with
 * sync_batch_clear) and returns 0; else returns -1 with out empty and a
 * message in err. */
int sync_parse_changes(const char *json, size_t len, struct sync_batch *out,
		       uint64_t *next, bool *more, uint64_t *seq, char *err, size_t errlen);

#endif
