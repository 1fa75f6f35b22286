/* Durable lease storage behind one interface.
 *
 * Memory stays authoritative for allocation; a store is the durable log
 * that lets a restart rebuild memory.  The change pipeline (daemon/commit)
 * is its only writer: it appends the records of changed leases in change
 * order and asks for a commit; the store answers, now or later, with
 * "durable through change N".  A journal completes the commit before
 * returning (one fdatasync); a network database would complete it from
 * its own socket's callback on the event loop.  Either way an ACK leaves
 * only once the change it grants is durable.
 *
 * Besides leases a store keeps the failover state of each relationship
 * (draft-ietf-dhc-failover-12 section 9: our state and its STOS survive a
 * restart), appended and committed like a lease record.
 *
 * Housekeeping (journal compaction, a database's vacuum) is the backend's
 * own business, done on the loop it was given; it keeps the latest failover
 * record of every relationship. */
#ifndef DUODHCP_STORE_H
#define DUODHCP_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "core/lease.h"

struct store;

/* The commit's completion: every record appended before the commit that
 * carries change number through is durable (err == 0), or none of the
 * records since the last completion are (err is a negative errno; they
 * stay queued and the next commit tries again). */
typedef void store_durable_fn(void *arg, uint64_t through, int err);

/* The failover state of one relationship, as fo_sm_saved() gives it,
 * with what we last heard of the peer (ISC's "failover peer NAME state {
 * my state ...; partner state ...; }").  States are enum fo_state numbers
 * (failover/wire.h). */
#define STORE_FO_NAME_MAX 255
struct store_fo_rec {
	char name[STORE_FO_NAME_MAX + 1];	/* relationship name, 1-255 bytes */
	uint8_t my_state;	/* a valid server state */
	uint32_t my_stos;	/* its start time, Unix seconds */
	bool amnesic;		/* our leases were lost: recovery waits out MCLT */
	uint8_t peer_state;	/* 0 = never heard */
	uint32_t peer_stos;
	/* The pair's MCLT and bucket map in force (the secondary learns them
	 * from CONNECT, so a restart without the primary still has them).
	 * mclt 0: none recorded (a journal written before they were). */
	uint32_t mclt;
	bool have_hba;
	uint8_t hba[32];	/* failover option 11, as sent in CONNECT */
};

/* What replay delivers, oldest first.  A later lease record of an address
 * replaces an earlier one; a later failover record of a relationship
 * replaces an earlier one.  fo may be NULL. */
struct store_replay_cb {
	void (*lease)(void *arg, const struct lease_rec *rec);
	void (*fo)(void *arg, const struct store_fo_rec *fo);
	void *arg;
};

struct store_replay_stats {
	uint64_t records;	/* lease records read back */
	uint64_t fo_records;	/* failover records read back */
	uint64_t torn_bytes;	/* a torn tail that was cut away */
	uint64_t bytes;		/* size of the store afterwards */
	/* The store held no record at all (no lease, no failover state):
	 * it was created now, or found empty.  A store that is not fresh
	 * holds every lease it acknowledged (a torn tail was never
	 * acknowledged), so failover may skip recover-wait unless the saved
	 * state says amnesic.  A salvage that dropped records marks the
	 * failover records it keeps amnesic (see docs/journal.md). */
	bool fresh;
};

struct store_ops {
	const char *name;
	/* Delivers every stored record through cb, oldest first.  Returns
	 * 0, or -1 with err. */
	int (*replay)(struct store *st, const struct store_replay_cb *cb,
		      struct store_replay_stats *rs, char *err, size_t errlen);
	/* Queues the record of one change.  0, or a negative errno (nothing
	 * queued: the caller offers it again with the next commit). */
	int (*append)(struct store *st, const struct lease_rec *rec);
	/* Queues a relationship's failover state, durable with the next
	 * commit like a lease record.  0, or a negative errno (-EINVAL for
	 * a record that cannot be stored: empty name, invalid state). */
	int (*append_fo)(struct store *st, const struct store_fo_rec *fo);
	/* Whether records are queued that no commit has made durable. */
	bool (*pending)(const struct store *st);
	/* Makes every queued record durable; completion via the callback.
	 * through is the change number of the last record appended. */
	void (*commit)(struct store *st, uint64_t through);
	/* Bytes the store holds (status page, metrics). */
	uint64_t (*size)(const struct store *st);
	void (*close)(struct store *st);
};

struct store {
	const struct store_ops *ops;
	store_durable_fn *durable;
	void *arg;
};

static inline int store_replay(struct store *st, const struct store_replay_cb *cb,
			       struct store_replay_stats *rs, char *err, size_t errlen)
{
	return st->ops->replay(st, cb, rs, err, errlen);
}

static inline int store_append(struct store *st, const struct lease_rec *rec)
{
	return st->ops->append(st, rec);
}

static inline int store_append_fo(struct store *st, const struct store_fo_rec *fo)
{
	return st->ops->append_fo(st, fo);
}

static inline bool store_pending(const struct store *st)
{
	return st->ops->pending(st);
}

static inline void store_commit(struct store *st, uint64_t through)
{
	st->ops->commit(st, through);
}

static inline uint64_t store_size(const struct store *st)
{
	return st->ops->size(st);
}

static inline void store_close(struct store *st)
{
	if (st)
		st->ops->close(st);
}

/* The journal backend (store/journal_store.c): the append-only file of
 * store/journal.h, compacted in short steps on lp when it has grown to
 * compact_bytes and to twice what the live leases need.  Compaction
 * writes the latest failover record of each relationship, then the
 * leases. */
struct loop;
struct store_journal_opts {
	const char *path;
	struct loop *lp;
	const struct lease_table *leases;	/* what compaction keeps */
	uint64_t compact_bytes;
	store_durable_fn *durable;
	void *arg;
};

int store_journal_open(struct store **out, const struct store_journal_opts *o,
		       char *err, size_t errlen);
/* A reload may change the compaction threshold. */
void store_journal_tune(struct store *st, uint64_t compact_bytes);

#endif
