/* Lease records and the in-memory lease table.
 *
 * A record carries everything the ISC failover protocol exchanges in a
 * BNDUPD (draft-ietf-dhc-failover-12 section 7.1), so the journal, the
 * sync feed and failover all speak about the same thing. */
#ifndef DUODHCP_LEASE_H
#define DUODHCP_LEASE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Binding states; the numbers are the failover binding-status codes. */
enum lease_state {
	LEASE_FREE = 1,
	LEASE_ACTIVE = 2,
	LEASE_EXPIRED = 3,
	LEASE_RELEASED = 4,
	LEASE_ABANDONED = 5,	/* declined or found in use by a probe */
	LEASE_RESET = 6,
	LEASE_BACKUP = 7,
};
#define LEASE_STATES (LEASE_BACKUP + 1)

enum {
	LEASE_F_PARTNER = 1 << 0,	/* learned from a partner, never handed out by us */
	LEASE_F_BOOTP = 1 << 1,
};

#define LEASE_HW_MAX 16
#define LEASE_CID_MAX 255
#define LEASE_HOST_MAX 255

/* The persisted fields of a lease, in one list so that struct lease_rec
 * and struct lease share one layout (the struct_group idea of Linux).
 * The field table (record.h) says how each is written. */
#define LEASE_REC_FIELDS \
	uint32_t addr;			/* host byte order */ \
	uint8_t state;			/* enum lease_state */ \
	uint8_t pending_state;		/* state once the partner acks, 0 = none */ \
	uint8_t flags;			/* LEASE_F_* */ \
	uint8_t htype, hlen; \
	uint8_t hw[LEASE_HW_MAX]; \
	uint8_t cid_len;		/* 0: no client identifier (option 61) */ \
	uint8_t *cid;			/* cid_len bytes, owned by the table */ \
	char *hostname;			/* NUL-terminated or NULL, owned by the table */ \
	/* Wall-clock times, seconds since the epoch (0 = unset). */ \
	int64_t start;			/* start of the binding */ \
	int64_t end;			/* expiry, or end of quarantine when abandoned */ \
	int64_t cltt;			/* client last transaction time */ \
	int64_t tstp;			/* potential expiry we sent the partner */ \
	int64_t tsfp;			/* potential expiry the partner acked */ \
	int64_t atsfp;			/* tsfp the partner acked to us (draft-12 7.1.2) */ \
	int64_t named_since;		/* hostname bound since (DNS clashes); 0: start */

/* What is stored and exchanged: the journal line, the JSON of the API
 * and the feed, failover's BNDUPD.  pending_state is ISC's "next binding
 * state": set while an update waits for the partner's BNDACK. */
struct lease_rec {
	LEASE_REC_FIELDS
};

struct lease {
	/* The record, reachable as a whole (&l->rec) or field by field
	 * (l->addr): the two members of the union have the same layout. */
	union {
		struct {
			LEASE_REC_FIELDS
		};
		struct lease_rec rec;
	};

	/* In-memory bookkeeping, private to lease.c. */
	struct lease *free_prev, *free_next;	/* per-pool reuse or backup list */
	uint32_t heap_idx;			/* expiry heap slot, UINT32_MAX if none */
	uint32_t id;				/* slot in the table's slabs */
	int32_t pool;				/* index into the pool list, -1 if none */
	uint8_t list;				/* which of them, 0: none */
	uint64_t seq;				/* change number, for the sync feed */
	uint8_t counted;			/* what lease_counts counts it as */
	uint32_t sync_gen;			/* full resync that last saw it (partner) */
	/* An offer holds the address for its client (in memory only: an
	 * offer needs no fsync).  offer_until is on the monotonic clock. */
	int64_t offer_until;
};

/* The record of a struct lease, or a struct lease_rec pointer as it is.
 * The functions that store or write a record take a lease_rec; through
 * this the callers that build a whole struct lease (the engine, the
 * benchmarks) pass it unchanged.  Only the record part is read. */
#define LEASE_REC(p) _Generic((p), \
	struct lease *: &((const struct lease *)(const void *)(p))->rec, \
	const struct lease *: &((const struct lease *)(const void *)(p))->rec, \
	default: (p))

/* True for the states in which the address may be handed to a new client. */
bool lease_state_reusable(uint8_t state);
const char *lease_state_name(uint8_t state);
/* Returns the state for a name ("active"), or 0 when unknown. */
uint8_t lease_state_parse(const char *name, size_t len);

/* The lease table: leases indexed by address, client identifier and
 * hardware address; per pool a cursor over never-used addresses, a list
 * of reusable leases and a list of BACKUP leases, each oldest first; an
 * expiry heap of active and abandoned leases.  Every operation is O(1) or O(log n). */
struct lease_table;

struct lease_table *lease_table_new(void);
void lease_table_free(struct lease_table *t);
size_t lease_count(const struct lease_table *t);
/* Tests only: fixes the hash seed of an empty table, so that a test can
 * build client keys that collide.  Returns 0, or -1 if t has leases. */
int lease_table_set_seed(struct lease_table *t, uint64_t seed);

/* Replaces the pool ranges (sorted, disjoint, inclusive); leases are
 * re-assigned to the new pools.  Returns 0 or -1 (out of memory). */
int lease_table_set_pools(struct lease_table *t, const uint32_t *first,
			  const uint32_t *last, size_t n);
/* Index of the pool holding addr, or -1. */
int lease_pool_of(const struct lease_table *t, uint32_t addr);

struct lease *lease_find(const struct lease_table *t, uint32_t addr);

/* The leases of one client: by client identifier when cid_len > 0, else
 * by hardware address among leases that have no client identifier.
 * Fills out with up to max leases, returns how many. */
size_t lease_find_client(const struct lease_table *t, const uint8_t *cid, uint8_t cid_len,
			 uint8_t htype, const uint8_t *hw, uint8_t hlen,
			 struct lease **out, size_t max);

/* Inserts rec, or replaces the lease at rec->addr, copying cid and
 * hostname; a pending offer on it is dropped.  Returns the table's
 * lease, or NULL when out of memory.  lease_upsert() takes a struct
 * lease_rec or a whole struct lease (see LEASE_REC). */
struct lease *lease_upsert_rec(struct lease_table *t, const struct lease_rec *rec);
#define lease_upsert(t, rec) lease_upsert_rec((t), LEASE_REC(rec))
/* Sets the client identity of l (re-indexing it). */
int lease_set_client(struct lease_table *t, struct lease *l, const uint8_t *cid,
		     uint8_t cid_len, uint8_t htype, const uint8_t *hw, uint8_t hlen);
/* Sets the binding state and end time of l (expiry heap, reuse list). */
void lease_set_state(struct lease_table *t, struct lease *l, uint8_t state, int64_t end);
int lease_set_hostname(struct lease *l, const char *name);

/* A free address of pool p for which usable(addr) holds: first one never
 * used, then the lease that has been reusable the longest.  Returns 0
 * when the pool is exhausted. */
uint32_t lease_pick_free(struct lease_table *t, int p,
			 bool (*usable)(void *arg, uint32_t addr, const struct lease *l),
			 void *arg);
/* A BACKUP lease of pool p for which usable(addr) holds, the one that
 * has been BACKUP the longest: a failover secondary's stock, apart from
 * the free one so that neither server walks the other's.  Returns 0 when
 * there is none. */
uint32_t lease_pick_backup(struct lease_table *t, int p,
			   bool (*usable)(void *arg, uint32_t addr, const struct lease *l),
			   void *arg);

/* Moves active leases whose end <= now to expired and abandoned ones
 * past their quarantine to free, calling changed (when not NULL) for
 * each, so that the change reaches the store and the partners.  Returns
 * how many changed. */
size_t lease_expire_each(struct lease_table *t, int64_t now,
			 void (*changed)(void *arg, struct lease *l), void *arg);
/* The same without telling anyone (tests, reading a journal offline). */
size_t lease_expire(struct lease_table *t, int64_t now);
/* The earliest end in the expiry heap, or INT64_MAX. */
int64_t lease_next_event(const struct lease_table *t);

/* Iteration in no particular order: pass NULL to start. */
/* Every lease, in the order they were created (NULL: the first).  Leases
 * never move or go away, so a walk may pause and go on later, across
 * changes; leases created meanwhile come at the end. */
struct lease *lease_next(const struct lease_table *t, struct lease *prev);

/* The change log: every lease in the order of its last change number.
 * lease_set_seq numbers a change (seq greater than every earlier one) and
 * files the lease under it; a page of changes after a given number then
 * costs a binary search plus the page, not a scan and sort of the table.
 * Returns 0, or -1 when out of memory (the number is still set). */
int lease_set_seq(struct lease_table *t, struct lease *l, uint64_t seq);
/* Up to max leases changed after since, in change order, for which keep
 * (when not NULL) holds; *more says whether another one follows. */
size_t lease_changes_after(const struct lease_table *t, uint64_t since,
			   bool (*keep)(const struct lease *l, void *arg), void *arg,
			   struct lease **out, size_t max, bool *more);

/* Leases by state and origin ([1]: a partner's), as of each lease's last
 * filed change (a bare offer is not counted): O(1) for the status page. */
void lease_counts(const struct lease_table *t, uint64_t counts[LEASE_STATES][2]);

/* Pool usage counters. */
size_t lease_pool_count(const struct lease_table *t);
void lease_pool_usage(const struct lease_table *t, int p, uint32_t *size, uint32_t *active);

#endif
