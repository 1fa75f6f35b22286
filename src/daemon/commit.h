/* The change pipeline: the one way a lease change reaches the store and
 * everyone who follows changes.
 *
 * Whoever changes a lease (the engine's answer, expiry, a probe conflict,
 * the API, a SyncServer partner, failover next) hands it to
 * commit_change(), which numbers the change, files the lease in the lease
 * table's change log (the feed's list, ordered by number) and tells the
 * subscribers.  Nothing can fail there: numbering cannot, and the store is
 * fed from the change log when the turn ends, so a record the store could
 * not queue is offered again with the next commit instead of being lost.
 * A lease changed twice before a commit is stored once, as it is now.
 *
 * commit_flush() appends every change since the last one stored and asks
 * the store for a commit; its completion ("durable through N") goes to the
 * durable callback, which releases the ACKs that wait for N. */
#ifndef DUODHCP_COMMIT_H
#define DUODHCP_COMMIT_H

#include <stdbool.h>
#include <stdint.h>
#include "core/lease.h"
#include "store/store.h"

struct commit;
struct loop;

/* A subscriber hears of each change as it is made. */
typedef void commit_sub_fn(void *arg, struct lease *l, uint64_t seq);

struct commit *commit_new(struct lease_table *t);
void commit_free(struct commit *c);

/* The store the changes go to, and who hears that they are durable.  The
 * store's own durable callback must be commit_store_done with c. */
void commit_set_store(struct commit *c, struct store *st, store_durable_fn *durable,
		      void *arg);
void commit_store_done(void *c, uint64_t through, int err);

int commit_subscribe(struct commit *c, commit_sub_fn *fn, void *arg);

/* Numbers the change of l, files it and tells the subscribers; returns
 * its number.  The store gets it at the next flush. */
uint64_t commit_change(struct commit *c, struct lease *l);
/* The same for a change nobody waits for and whose loss in a crash is
 * safe: it forces no commit of its own but goes with the next one, and
 * at the latest LAZY_MAX_MS later. */
uint64_t commit_change_lazy(struct commit *c, struct lease *l);
/* A lease read back from the store: numbered for the feed, already
 * durable, not told to the subscribers. */
void commit_replayed(struct commit *c, struct lease *l);

/* Stores every change since the last flush and asks for a commit. */
void commit_flush(struct commit *c);
/* Whether there are changes (or records in the store) not yet durable,
 * lazy ones included. */
bool commit_pending(const struct commit *c);

/* Flushes at the end of every loop turn, or, with a delay, up to delay_ms
 * after the oldest change of a batch so that more changes share one
 * commit (like ISC dhcpd's delayed-ack).  Returns 0 or -1. */
int commit_attach(struct commit *c, struct loop *lp);
void commit_set_delay(struct commit *c, uint32_t delay_ms);

uint64_t commit_last(const struct commit *c);		/* last number given */
uint64_t commit_durable(const struct commit *c);	/* durable through */

#endif
