/* The lease journal: an append-only text file, one record per line (a
 * lease, or the failover state of a relationship), each line ending in a
 * CRC-32 of the line.  Records are buffered by
 * journal_append() and made durable together by journal_sync(), so all
 * ACKs of one event-loop turn share one fdatasync (group commit). */
#ifndef DUODHCP_JOURNAL_H
#define DUODHCP_JOURNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "core/lease.h"
#include "core/record.h"
#include "store/store.h"

struct journal;

/* Longest record line, newline included. */
#define JOURNAL_LINE_MAX 2048
/* Failover relationships a journal keeps the state of (one in practice). */
#define JOURNAL_FO_MAX 64

struct journal_stats {
	uint64_t records;	/* lease records replayed */
	uint64_t fo_records;	/* failover state records replayed */
	uint64_t torn_bytes;	/* bytes of a torn last line that were dropped */
	uint64_t size;		/* file size after open/replay/compaction */
};


/* Opens (creating if needed) the journal at path and takes an exclusive
 * lock on path.lock so two daemons never share one journal.  On error
 * returns -1 with a message in err. */
int journal_open(struct journal **out, const char *path, char *err, size_t errlen);

/* Replays every record in file order, calling cb->lease or cb->fo (if
 * set) for each; a later record for an address (or relationship)
 * replaces an earlier one.  A torn last line (no newline or bad checksum
 * on the final line) is truncated away with a warning in st->torn_bytes;
 * damage before the last line fails with a message naming the line.  The
 * journal keeps the latest failover record of each relationship for
 * compaction.  Returns 0 or -1. */
int journal_replay_cb(struct journal *j, const struct store_replay_cb *cb,
		      struct journal_stats *st, char *err, size_t errlen);
/* The same for the leases only. */
int journal_replay(struct journal *j,
		   void (*apply)(void *arg, const struct lease_rec *rec), void *arg,
		   struct journal_stats *st, char *err, size_t errlen);

/* Queues one record; nothing is written until journal_sync(). */
int journal_append_rec(struct journal *j, const struct lease_rec *rec);
/* Takes a struct lease_rec or a whole struct lease (see LEASE_REC). */
#define journal_append(j, rec) journal_append_rec((j), LEASE_REC(rec))
/* Queues a failover state record, and keeps it as its relationship's
 * latest for compaction.  0, -EINVAL (empty or overlong name, invalid
 * state), -ENOSPC (more than JOURNAL_FO_MAX relationships) or the
 * errors of journal_append_rec(). */
int journal_append_fo(struct journal *j, const struct store_fo_rec *fo);

/* Number of queued, not yet durable, bytes. */
size_t journal_pending(const struct journal *j);

/* Writes the queued records and fdatasyncs.  Returns 0, or a negative
 * errno; on failure the file is cut back to its last durable length and
 * the records stay queued, so a later call can retry (disk full). */
int journal_sync(struct journal *j);

/* Rewrites the journal to hold exactly the latest failover record of
 * each relationship and the records produced by next()
 * (which returns NULL at the end): temp file, fsync, rename, fsync of
 * the folder.  A crash at any step leaves either the old or the new
 * file whole.  Queued records are synced first.  Returns 0 or -errno. */
int journal_compact(struct journal *j,
		    const struct lease *(*next)(void *arg), void *arg);

/* The same in steps, for an event loop that keeps appending meanwhile:
 * _start opens the temp file; each journal_compact_poll() does one short
 * step (the next leases of the walk; then the lines appended since the
 * start; then fsync and rename).  next() is called across many polls, so
 * it must walk a set that may change meanwhile without skipping a lease
 * that has not.  _start returns 0, -EBUSY if one is running, or -errno.
 * _poll returns 0 while running (or none), 1 when the new file is in
 * place, or -errno when it failed (the old journal stays in use).  After
 * the 1, a few more steps release the replaced file; _compacting() stays
 * true (and _start says -EBUSY) until they are done. */
int journal_compact_start(struct journal *j,
			  const struct lease *(*next)(void *arg), void *arg);
int journal_compact_poll(struct journal *j);
bool journal_compacting(const struct journal *j);
/* -1 when no compaction is under way, else 0: poll again at once. */
int journal_compact_timeout_ms(const struct journal *j);

/* Current file size in bytes (durable part). */
uint64_t journal_size(const struct journal *j);

void journal_close(struct journal *j);

/* Reads a journal without locking or changing it (for `duodhcpd -L`):
 * like journal_replay_cb, but a torn tail is only counted in
 * st->torn_bytes. */
int journal_scan_cb(const char *path, const struct store_replay_cb *cb,
		    struct journal_stats *st, char *err, size_t errlen);
/* The same for the leases only. */
int journal_scan(const char *path,
		 void (*apply)(void *arg, const struct lease_rec *rec), void *arg,
		 struct journal_stats *st, char *err, size_t errlen);

/* Salvages a damaged journal: keeps every line whose checksum and syntax
 * are good, moves the original aside to PATH.damaged.<unix-time>, and
 * writes the good lines durably as the new PATH (same temp/rename/fsync
 * steps as compaction).  Of the failover records it keeps the latest of
 * each relationship, written after the leases, and marks them amnesic
 * when any line was dropped: a lost record may be a lease we granted.
 * Takes the lock.  Returns 0 or -1 with err. */
int journal_salvage(const char *path, uint64_t *kept, uint64_t *dropped,
		    char *err, size_t errlen);

/* Pure codec, used by replay and by the tests and fuzzers. */
/* Formats rec as one line with its checksum and newline; returns the
 * length, or 0 if cap is too small. */
size_t journal_format_rec(char *buf, size_t cap, const struct lease_rec *rec);
/* Takes a struct lease_rec or a whole struct lease (see LEASE_REC). */
#define journal_format(buf, cap, rec) journal_format_rec((buf), (cap), LEASE_REC(rec))
/* Parses one line (without its newline).  Returns 0 and fills rec (its
 * cid and hostname point into bufs), or -1 with a reason in err. */
int journal_parse(const char *line, size_t len, struct lease_rec *rec,
		  struct record_bufs *bufs, char *err, size_t errlen);

/* The failover state line: "v1 fo name=... my=... my_stos=... amnesic=...
 * peer=... peer_stos=... crc=...".  Format as journal_format_rec() (0 also
 * for a record that cannot be written back: empty name, invalid state). */
size_t journal_format_fo(char *buf, size_t cap, const struct store_fo_rec *fo);
/* True when the line (checksum or not) claims to be a failover record. */
bool journal_line_is_fo(const char *line, size_t len);
/* Parses a failover state line as journal_parse() does a lease line. */
int journal_parse_fo(const char *line, size_t len, struct store_fo_rec *fo,
		     char *err, size_t errlen);

#endif
