/* The journal as a store: the file of journal.c behind store.h, with its
 * compaction policy.  A commit is one fdatasync, completed before commit
 * returns; compaction runs in short steps at the end of loop turns, so
 * serving never waits for it more than a millisecond or two. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "common/clock.h"
#include "common/log.h"
#include "common/loop.h"
#include "store/journal.h"
#include "store/store.h"

/* Compaction waits this long after the previous one started. */
#define COMPACT_GAP_MS 10000
/* What a live lease takes in the journal, roughly: compaction starts
 * only when the file is twice what the live leases need. */
#define LINE_GUESS 256

struct jstore {
	struct store base;
	struct journal *jn;
	struct loop *lp;
	const struct lease_table *leases;
	uint64_t compact_bytes;
	struct loop_timer t_step;	/* the next compaction step */
	int64_t started_ms;		/* start of the last compaction */
	struct lease *walk;		/* its walk over the leases */
	unsigned steps;
	int64_t step_max_us;
};

static struct jstore *js_of(struct store *st)
{
	return (struct jstore *)st;
}

static const struct jstore *cjs_of(const struct store *st)
{
	return (const struct jstore *)st;
}

/* fresh: no record at all, so the file was created now or held only
 * the header (or nothing, or zeros).  A torn tail does not count: it was
 * never acknowledged. */
static int js_replay(struct store *st, const struct store_replay_cb *cb,
		     struct store_replay_stats *rs, char *err, size_t errlen)
{
	struct journal_stats js = { 0 };
	int rc = journal_replay_cb(js_of(st)->jn, cb, &js, err, errlen);
	*rs = (struct store_replay_stats){ .records = js.records,
		.fo_records = js.fo_records, .torn_bytes = js.torn_bytes, .bytes = js.size,
		.fresh = js.records == 0 && js.fo_records == 0 };
	return rc;
}

static int js_append(struct store *st, const struct lease_rec *rec)
{
	return journal_append(js_of(st)->jn, rec);
}

static int js_append_fo(struct store *st, const struct store_fo_rec *fo)
{
	return journal_append_fo(js_of(st)->jn, fo);
}

static bool js_pending(const struct store *st)
{
	return journal_pending(cjs_of(st)->jn) > 0;
}

static void js_commit(struct store *st, uint64_t through)
{
	int rc = journal_pending(js_of(st)->jn) ? journal_sync(js_of(st)->jn) : 0;
	st->durable(st->arg, through, rc);
}

static uint64_t js_size(const struct store *st)
{
	return journal_size(cjs_of(st)->jn);
}

/* Compaction keeps what a restart needs: bindings and client history;
 * bare offers are not kept.  The walk goes on across loop turns. */
static const struct lease *compact_next(void *arg)
{
	struct jstore *js = arg;
	do
		js->walk = lease_next(js->leases, js->walk);
	while (js->walk && js->walk->state == LEASE_FREE && js->walk->start == 0);
	return js->walk;
}

static void compact_step(struct jstore *js)
{
	int64_t t0 = mono_us();
	int rc = journal_compact_poll(js->jn);
	int64_t took = mono_us() - t0;
	js->steps++;
	if (took > js->step_max_us)
		js->step_max_us = took;
	if (rc < 0)
		log_err("journal compaction failed: %s", strerror(-rc));
	else if (!journal_compacting(js->jn))
		log_info("journal compacted to %llu bytes in %lld ms (%u steps, longest %.1f ms)",
			 (unsigned long long)journal_size(js->jn),
			 (long long)(mono_ms() - js->started_ms), js->steps,
			 (double)js->step_max_us / 1000);
}

static void compact_maybe_start(struct jstore *js)
{
	uint64_t size = journal_size(js->jn);
	uint64_t live = (uint64_t)lease_count(js->leases) * LINE_GUESS;
	if (size < js->compact_bytes || size < 2 * live ||
	    mono_ms() - js->started_ms < COMPACT_GAP_MS)
		return;
	js->started_ms = mono_ms();
	js->walk = NULL;
	js->steps = 0;
	js->step_max_us = 0;
	int rc = journal_compact_start(js->jn, compact_next, js);
	if (rc < 0)
		log_err("journal compaction could not start: %s", strerror(-rc));
	else
		log_info("journal compaction started at %llu bytes", (unsigned long long)size);
}

/* End of every turn: a step of the compaction under way, or the check
 * whether one is due; the step timer brings the next turn at once while
 * one runs. */
static void compact_hook(void *arg)
{
	struct jstore *js = arg;
	if (journal_compacting(js->jn))
		compact_step(js);
	else
		compact_maybe_start(js);
	loop_timer_in(js->lp, &js->t_step, journal_compact_timeout_ms(js->jn));
}

/* A timer that only ends the wait: the hook does the work. */
static void on_step_due(void *arg)
{
	(void)arg;
}

static void js_close(struct store *st)
{
	struct jstore *js = js_of(st);
	if (js->lp) {
		loop_hook_del(js->lp, compact_hook, js);
		loop_timer_stop(js->lp, &js->t_step);
	}
	journal_close(js->jn);
	free(js);
}

static const struct store_ops journal_ops = {
	.name = "journal",
	.replay = js_replay,
	.append = js_append,
	.append_fo = js_append_fo,
	.pending = js_pending,
	.commit = js_commit,
	.size = js_size,
	.close = js_close,
};

int store_journal_open(struct store **out, const struct store_journal_opts *o,
		       char *err, size_t errlen)
{
	struct jstore *js = calloc(1, sizeof *js);
	if (!js) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (journal_open(&js->jn, o->path, err, errlen) < 0) {
		free(js);
		return -1;
	}
	js->base = (struct store){ .ops = &journal_ops, .durable = o->durable, .arg = o->arg };
	js->leases = o->leases;
	js->compact_bytes = o->compact_bytes;
	js->started_ms = mono_ms() - COMPACT_GAP_MS;
	loop_timer_init(&js->t_step, on_step_due, js);
	if (o->lp && loop_hook_add(o->lp, compact_hook, js) < 0) {
		journal_close(js->jn);
		free(js);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	js->lp = o->lp;
	*out = &js->base;
	return 0;
}

void store_journal_tune(struct store *st, uint64_t compact_bytes)
{
	js_of(st)->compact_bytes = compact_bytes;
}
