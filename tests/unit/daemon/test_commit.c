/* The change pipeline against a store that completes its commits later,
 * as a network database would, and that can refuse records: changes are
 * numbered and told in order, stored once each in change order, never
 * lost when the store refuses, and durable only when the store says so. */
#include <errno.h>
#include <stdlib.h>
#include "common/clock.h"
#include "common/loop.h"
#include "daemon/commit.h"
#include "t.h"

/* A store in memory: appended addresses in order; a commit is answered
 * only when the test calls fake_complete(). */
struct fake {
	struct store base;
	uint32_t appended[64];
	size_t n;
	size_t queued;		/* appended since the last completed commit */
	int refuse_after;	/* refuse appends once n reaches this (-1: never) */
	int commits;
	uint64_t through;	/* of the commit waiting for completion */
	int fail_next;		/* the next completion fails with this */
};

static int f_append(struct store *st, const struct lease_rec *rec)
{
	struct fake *f = (struct fake *)st;
	if (f->refuse_after >= 0 && (int)f->n >= f->refuse_after)
		return -ENOMEM;
	f->appended[f->n++] = rec->addr;
	f->queued++;
	return 0;
}

static bool f_pending(const struct store *st)
{
	return ((const struct fake *)st)->queued > 0;
}

static void f_commit(struct store *st, uint64_t through)
{
	struct fake *f = (struct fake *)st;
	f->commits++;
	f->through = through;
}

static uint64_t f_size(const struct store *st)
{
	return ((const struct fake *)st)->n;
}

static void f_close(struct store *st)
{
	(void)st;
}

static const struct store_ops fake_ops = { .name = "fake", .append = f_append,
	.pending = f_pending, .commit = f_commit, .size = f_size, .close = f_close };

static void fake_complete(struct fake *f)
{
	int err = f->fail_next;
	f->fail_next = 0;
	if (err == 0)
		f->queued = 0;
	f->base.durable(f->base.arg, f->through, err);
}

/* What the daemon side hears: subscribers and durable completions. */
struct heard {
	uint64_t seqs[64];
	uint32_t addrs[64];
	size_t n;
	uint64_t durable;
	int durable_calls, errors;
};

static void hear_change(void *arg, struct lease *l, uint64_t seq)
{
	struct heard *h = arg;
	h->addrs[h->n] = l->addr;
	h->seqs[h->n++] = seq;
}

static void hear_durable(void *arg, uint64_t through, int err)
{
	struct heard *h = arg;
	h->durable_calls++;
	if (err)
		h->errors++;
	else
		h->durable = through;
}

struct fix {
	struct lease_table *t;
	struct commit *c;
	struct fake f;
	struct heard h;
};

static void fix_init(struct fix *x)
{
	*x = (struct fix){ .t = lease_table_new() };
	x->c = commit_new(x->t);
	x->f = (struct fake){ .base = { .ops = &fake_ops, .durable = commit_store_done,
					.arg = x->c }, .refuse_after = -1 };
	commit_set_store(x->c, &x->f.base, hear_durable, &x->h);
	CHECK(commit_subscribe(x->c, hear_change, &x->h) == 0);
}

static void fix_free(struct fix *x)
{
	commit_free(x->c);
	lease_table_free(x->t);
}

static struct lease *lease_at(struct fix *x, uint32_t addr)
{
	struct lease rec = { .addr = addr, .state = LEASE_ACTIVE };
	return lease_upsert(x->t, &rec);
}

TEST(numbered_told_in_order)
{
	struct fix x;
	fix_init(&x);
	for (uint32_t a = 1; a <= 3; a++)
		CHECK_EQ(commit_change(x.c, lease_at(&x, a)), a);
	CHECK_EQ(x.h.n, 3);
	for (size_t i = 0; i < 3; i++) {
		CHECK_EQ(x.h.seqs[i], i + 1);
		CHECK_EQ(x.h.addrs[i], i + 1);
	}
	CHECK_EQ(x.f.n, 0);	/* stored at the flush, not before */
	CHECK(commit_pending(x.c));
	fix_free(&x);
}

TEST(stored_once_in_change_order)
{
	struct fix x;
	fix_init(&x);
	struct lease *a = lease_at(&x, 10), *b = lease_at(&x, 20);
	commit_change(x.c, a);
	commit_change(x.c, b);
	commit_change(x.c, a);	/* a again: stored once, after b */
	commit_flush(x.c);
	CHECK_EQ(x.f.n, 2);
	CHECK_EQ(x.f.appended[0], 20);
	CHECK_EQ(x.f.appended[1], 10);
	CHECK_EQ(a->seq, 3);
	CHECK_EQ(x.f.commits, 1);
	CHECK_EQ(x.f.through, 3);
	fix_free(&x);
}

TEST(durable_only_when_the_store_says)
{
	struct fix x;
	fix_init(&x);
	commit_change(x.c, lease_at(&x, 1));
	commit_flush(x.c);
	CHECK_EQ(x.h.durable_calls, 0);	/* the commit is still out */
	CHECK_EQ(commit_durable(x.c), 0);
	CHECK(commit_pending(x.c));
	commit_change(x.c, lease_at(&x, 2));	/* meanwhile */
	commit_flush(x.c);
	CHECK_EQ(x.f.commits, 1);		/* one commit out at a time */
	CHECK_EQ(x.f.n, 2);			/* but appending goes on */
	fake_complete(&x.f);
	CHECK_EQ(x.h.durable, 1);		/* through the first only */
	CHECK_EQ(commit_durable(x.c), 1);
	CHECK(commit_pending(x.c));
	commit_flush(x.c);
	CHECK_EQ(x.f.commits, 2);
	fake_complete(&x.f);
	CHECK_EQ(commit_durable(x.c), 2);
	CHECK(!commit_pending(x.c));
	fix_free(&x);
}

TEST(refused_records_are_offered_again)
{
	struct fix x;
	fix_init(&x);
	for (uint32_t a = 1; a <= 5; a++)
		commit_change(x.c, lease_at(&x, a));
	x.f.refuse_after = 2;		/* the store runs out after two */
	commit_flush(x.c);
	CHECK_EQ(x.f.n, 2);
	CHECK_EQ(x.f.through, 2);	/* commits what it has */
	fake_complete(&x.f);
	CHECK_EQ(x.h.durable, 2);
	CHECK(commit_pending(x.c));
	x.f.refuse_after = -1;		/* recovered */
	commit_flush(x.c);
	fake_complete(&x.f);
	CHECK_EQ(x.f.n, 5);
	for (size_t i = 0; i < 5; i++)
		CHECK_EQ(x.f.appended[i], i + 1);
	CHECK_EQ(x.h.durable, 5);
	CHECK(!commit_pending(x.c));
	fix_free(&x);
}

TEST(nothing_queued_is_a_failed_commit)
{
	struct fix x;
	fix_init(&x);
	x.f.refuse_after = 0;
	commit_change(x.c, lease_at(&x, 7));
	commit_flush(x.c);
	CHECK_EQ(x.f.commits, 0);
	CHECK_EQ(x.h.errors, 1);	/* the ACK waiting for it is withheld */
	x.f.refuse_after = -1;
	commit_flush(x.c);
	fake_complete(&x.f);
	CHECK_EQ(x.h.durable, 1);
	fix_free(&x);
}

TEST(a_failed_commit_is_retried)
{
	struct fix x;
	fix_init(&x);
	commit_change(x.c, lease_at(&x, 1));
	commit_flush(x.c);
	x.f.fail_next = -EIO;
	fake_complete(&x.f);
	CHECK_EQ(x.h.errors, 1);
	CHECK_EQ(commit_durable(x.c), 0);
	CHECK(commit_pending(x.c));
	commit_flush(x.c);		/* the store still holds the record */
	CHECK_EQ(x.f.commits, 2);
	CHECK_EQ(x.f.n, 1);		/* not appended twice */
	fake_complete(&x.f);
	CHECK_EQ(commit_durable(x.c), 1);
	fix_free(&x);
}

TEST(replayed_leases_are_durable_and_quiet)
{
	struct fix x;
	fix_init(&x);
	commit_replayed(x.c, lease_at(&x, 1));
	commit_replayed(x.c, lease_at(&x, 2));
	CHECK_EQ(x.h.n, 0);
	CHECK(!commit_pending(x.c));
	CHECK_EQ(commit_durable(x.c), 2);
	commit_change(x.c, lease_at(&x, 3));
	commit_flush(x.c);
	CHECK_EQ(x.f.n, 1);		/* only the new change */
	CHECK_EQ(x.f.appended[0], 3);
	fix_free(&x);
}

static void expired(void *arg, struct lease *l)
{
	commit_change(arg, l);
}

TEST(expiry_reports_each_change)
{
	struct fix x;
	fix_init(&x);
	for (uint32_t a = 1; a <= 4; a++) {
		struct lease *l = lease_at(&x, a);
		lease_set_state(x.t, l, LEASE_ACTIVE, 100 * a);
	}
	CHECK_EQ(lease_expire_each(x.t, 250, expired, x.c), 2);
	CHECK_EQ(x.h.n, 2);
	CHECK_EQ(x.h.addrs[0], 1);
	CHECK_EQ(x.h.addrs[1], 2);
	commit_flush(x.c);
	CHECK_EQ(x.f.n, 2);
	CHECK_EQ(lease_find(x.t, 1)->state, LEASE_EXPIRED);
	fix_free(&x);
}

/* On a loop: flushed at the end of the turn, or after the delay. */
TEST(flushes_at_the_end_of_a_turn_or_after_the_delay)
{
	struct fix x;
	fix_init(&x);
	struct loop *lp = loop_new();
	CHECK(commit_attach(x.c, lp) == 0);
	commit_change(x.c, lease_at(&x, 1));
	loop_turn(lp, 0);
	CHECK_EQ(x.f.commits, 1);
	fake_complete(&x.f);
	commit_set_delay(x.c, 40);
	commit_change(x.c, lease_at(&x, 2));
	loop_turn(lp, 0);
	CHECK_EQ(x.f.commits, 1);	/* waits for more to share the commit */
	commit_change(x.c, lease_at(&x, 3));
	for (int i = 0; i < 20 && x.f.commits == 1; i++)
		loop_turn(lp, 100);
	CHECK_EQ(x.f.commits, 2);
	CHECK_EQ(x.f.through, 3);	/* both in one commit */
	fix_free(&x);
	loop_free(lp);
}

/* A lazy change (a failover ack's tsfp) forces no commit: it goes with
 * the next one, or alone at most a second later. */
TEST(lazy_changes_share_the_next_commit)
{
	struct fix x;
	fix_init(&x);
	struct loop *lp = loop_new();
	CHECK(commit_attach(x.c, lp) == 0);
	commit_change_lazy(x.c, lease_at(&x, 1));
	loop_turn(lp, 0);
	CHECK_EQ(x.f.commits, 0);
	CHECK(commit_pending(x.c));		/* a stop still flushes it */
	commit_change(x.c, lease_at(&x, 2));
	loop_turn(lp, 0);
	CHECK_EQ(x.f.commits, 1);
	CHECK_EQ(x.f.through, 2);
	CHECK_EQ(x.f.n, 2);			/* the lazy one went with it */
	fake_complete(&x.f);
	commit_change_lazy(x.c, lease_at(&x, 3));
	int64_t t0 = mono_ms();
	loop_turn(lp, 0);
	CHECK_EQ(x.f.commits, 1);
	for (int i = 0; i < 30 && x.f.commits == 1; i++)
		loop_turn(lp, 100);
	CHECK_EQ(x.f.commits, 2);
	CHECK(mono_ms() - t0 >= 900);
	CHECK_EQ(x.f.through, 3);
	fix_free(&x);
	loop_free(lp);
}

/* The table's counts by state and origin follow the filed changes. */
TEST(counts_follow_the_changes)
{
	struct fix x;
	fix_init(&x);
	uint64_t n[LEASE_STATES][2];
	struct lease *a = lease_at(&x, 1), *b = lease_at(&x, 2);
	b->flags |= LEASE_F_PARTNER;
	commit_change(x.c, a);
	commit_change(x.c, b);
	lease_counts(x.t, n);
	CHECK_EQ(n[LEASE_ACTIVE][0], 1);
	CHECK_EQ(n[LEASE_ACTIVE][1], 1);
	lease_set_state(x.t, a, LEASE_EXPIRED, 5);
	b->flags &= (uint8_t)~LEASE_F_PARTNER;	/* the client came to us */
	commit_change(x.c, a);
	commit_change(x.c, b);
	commit_change(x.c, b);			/* counted once */
	lease_counts(x.t, n);
	CHECK_EQ(n[LEASE_ACTIVE][0], 1);
	CHECK_EQ(n[LEASE_ACTIVE][1], 0);
	CHECK_EQ(n[LEASE_EXPIRED][0], 1);
	fix_free(&x);
}

T_RUN(T_CASE(numbered_told_in_order), T_CASE(stored_once_in_change_order),
      T_CASE(durable_only_when_the_store_says), T_CASE(refused_records_are_offered_again),
      T_CASE(nothing_queued_is_a_failed_commit), T_CASE(a_failed_commit_is_retried),
      T_CASE(replayed_leases_are_durable_and_quiet), T_CASE(expiry_reports_each_change),
      T_CASE(flushes_at_the_end_of_a_turn_or_after_the_delay),
      T_CASE(lazy_changes_share_the_next_commit), T_CASE(counts_follow_the_changes))
