/* The change pipeline (see commit.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "common/clock.h"
#include "common/log.h"
#include "common/loop.h"
#include "daemon/commit.h"

#define SUBS_MAX 8
/* Leases taken from the change log per step of a flush. */
#define FLUSH_PAGE 256
/* The longest a lazy change waits for a commit to share. */
#define LAZY_MAX_MS 1000

struct sub {
	commit_sub_fn *fn;
	void *arg;
};

struct commit {
	struct lease_table *t;
	struct store *st;
	store_durable_fn *durable_fn;
	void *durable_arg;
	uint64_t last;		/* the last change number given */
	uint64_t appended;	/* every change through this one is in the store */
	uint64_t durable;	/* ... and durable through this one */
	uint64_t urgent;	/* the last change that is not lazy */
	bool in_flight;		/* a commit is out; the next waits for it */
	struct sub subs[SUBS_MAX];
	size_t nsubs;
	struct loop *lp;
	struct loop_timer t_delay;	/* the end of the commit delay */
	uint32_t delay_ms;
	int64_t since_ms;	/* when the oldest change not flushed was made */
	int64_t lazy_ms;	/* ... the oldest lazy one, when only lazy ones wait */
	struct log_limit lim;
};

struct commit *commit_new(struct lease_table *t)
{
	struct commit *c = calloc(1, sizeof *c);
	if (c)
		c->t = t;
	return c;
}

void commit_free(struct commit *c)
{
	if (!c)
		return;
	if (c->lp)
		loop_timer_stop(c->lp, &c->t_delay);
	free(c);
}

void commit_set_store(struct commit *c, struct store *st, store_durable_fn *durable, void *arg)
{
	c->st = st;
	c->durable_fn = durable;
	c->durable_arg = arg;
}

int commit_subscribe(struct commit *c, commit_sub_fn *fn, void *arg)
{
	if (c->nsubs == SUBS_MAX)
		return -1;
	c->subs[c->nsubs++] = (struct sub){ fn, arg };
	return 0;
}

/* Filing needs memory for the change log; without it the change could
 * reach neither the feed nor the store, so that is fatal, not silent. */
static uint64_t number(struct commit *c, struct lease *l)
{
	if (lease_set_seq(c->t, l, ++c->last) < 0) {
		log_err("out of memory filing a lease change; stopping so that none is lost");
		exit(1);
	}
	return c->last;
}

static void tell(struct commit *c, struct lease *l, uint64_t seq)
{
	for (size_t i = 0; i < c->nsubs; i++)
		c->subs[i].fn(c->subs[i].arg, l, seq);
}

uint64_t commit_change(struct commit *c, struct lease *l)
{
	uint64_t seq = c->urgent = number(c, l);
	if (c->since_ms == 0)
		c->since_ms = mono_ms();
	tell(c, l, seq);
	return seq;
}

uint64_t commit_change_lazy(struct commit *c, struct lease *l)
{
	uint64_t seq = number(c, l);
	if (c->lazy_ms == 0)
		c->lazy_ms = mono_ms();
	tell(c, l, seq);
	return seq;
}

void commit_replayed(struct commit *c, struct lease *l)
{
	c->appended = c->durable = c->urgent = number(c, l);
}

/* Appends the changes after c->appended in change order, a page at a time.
 * Stops at the first record the store cannot queue: it and the ones after
 * it are offered again by the next flush. */
static void append_changes(struct commit *c)
{
	struct lease *page[FLUSH_PAGE];
	bool more = true;
	while (more && c->appended < c->last) {
		size_t n = lease_changes_after(c->t, c->appended, NULL, NULL, page, FLUSH_PAGE,
					       &more);
		for (size_t i = 0; i < n; i++) {
			int rc = store_append(c->st, &page[i]->rec);
			if (rc < 0) {
				if (log_allow(&c->lim, mono_ms(), 1, 5))
					log_err("cannot queue a lease record: %s; retrying with the "
						"next commit", strerror(-rc));
				return;
			}
			c->appended = page[i]->seq;
		}
		if (n == 0)
			break;
	}
}

void commit_flush(struct commit *c)
{
	c->since_ms = c->lazy_ms = 0;
	if (c->lp)
		loop_timer_stop(c->lp, &c->t_delay);
	append_changes(c);
	if (c->in_flight)
		return;		/* its completion brings the next turn's flush */
	if (store_pending(c->st) || c->durable < c->appended) {
		c->in_flight = true;	/* the completion may come at once */
		store_commit(c->st, c->appended);
	} else if (c->appended < c->last) {
		c->durable_fn(c->durable_arg, c->durable, -ENOMEM);
	}
}

void commit_store_done(void *arg, uint64_t through, int err)
{
	struct commit *c = arg;
	c->in_flight = false;
	if (err == 0 && through > c->durable)
		c->durable = through;
	c->durable_fn(c->durable_arg, c->durable, err);
}

bool commit_pending(const struct commit *c)
{
	return c->durable < c->last || (c->st && store_pending(c->st));
}

/* End of every turn: flush, unless the delay lets the batch grow, or
 * only lazy changes wait (then at the latest LAZY_MAX_MS after the
 * first of them). */
static void flush_hook(void *arg)
{
	struct commit *c = arg;
	if (!commit_pending(c)) {
		c->since_ms = c->lazy_ms = 0;
		return;
	}
	int64_t now = mono_ms();
	if (c->durable >= c->urgent && !(c->st && store_pending(c->st)) && c->lazy_ms) {
		if (now - c->lazy_ms >= LAZY_MAX_MS)
			commit_flush(c);
		else
			loop_timer_at(c->lp, &c->t_delay, c->lazy_ms + LAZY_MAX_MS);
		return;
	}
	if (c->since_ms == 0)
		c->since_ms = now;
	if (now - c->since_ms >= c->delay_ms)
		commit_flush(c);
	else
		loop_timer_at(c->lp, &c->t_delay, c->since_ms + c->delay_ms);
}

/* A timer that only ends the wait: the hook flushes. */
static void on_delay_over(void *arg)
{
	(void)arg;
}

int commit_attach(struct commit *c, struct loop *lp)
{
	loop_timer_init(&c->t_delay, on_delay_over, c);
	c->lp = lp;
	return loop_hook_add(lp, flush_hook, c);
}

void commit_set_delay(struct commit *c, uint32_t delay_ms)
{
	c->delay_ms = delay_ms;
}

uint64_t commit_last(const struct commit *c)
{
	return c->last;
}

uint64_t commit_durable(const struct commit *c)
{
	return c->durable;
}
