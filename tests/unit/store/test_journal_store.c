/* The journal behind the store interface: a commit completes with the
 * change number it was given, replay reads back what was committed, and
 * compaction runs by itself on the loop it was given once the file has
 * grown past its threshold, keeping every lease. */
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include "common/loop.h"
#include "failover/wire.h"
#include "store/store.h"
#include "t.h"

struct done {
	uint64_t through;
	int err, calls;
};

static void on_durable(void *arg, uint64_t through, int err)
{
	struct done *d = arg;
	d->through = through;
	d->err = err;
	d->calls++;
}

static void count_rec(void *arg, const struct lease_rec *rec)
{
	struct lease_table *t = arg;
	lease_upsert(t, rec);
}

/* A journal path in a fresh folder, and its removal. */
struct tmp {
	char dir[32], path[64];
};

static void tmp_make(struct tmp *t)
{
	snprintf(t->dir, sizeof t->dir, "/tmp/test_jstore.XXXXXX");
	CHECK(mkdtemp(t->dir) != NULL);
	snprintf(t->path, sizeof t->path, "%s/leases", t->dir);
}

static void tmp_remove(struct tmp *t)
{
	char lock[80];
	snprintf(lock, sizeof lock, "%s.lock", t->path);
	unlink(t->path);
	unlink(lock);
	rmdir(t->dir);
}

/* Reads the journal at path back into a new table. */
static struct lease_table *replay_into_new(struct store_journal_opts o, uint64_t *records)
{
	char err[256];
	struct store *st;
	struct store_replay_stats rs;
	struct lease_table *back = lease_table_new();
	o.leases = back;
	o.lp = NULL;
	CHECK(store_journal_open(&st, &o, err, sizeof err) == 0);
	struct store_replay_cb cb = { .lease = count_rec, .arg = back };
	CHECK(store_replay(st, &cb, &rs, err, sizeof err) == 0);
	*records = rs.records;
	store_close(st);
	return back;
}

static off_t file_size(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? st.st_size : -1;
}

TEST(commit_completes_and_replays)
{
	struct tmp tp;
	char err[256];
	tmp_make(&tp);
	struct done d = { 0 };
	struct store *st;
	struct lease_table *t = lease_table_new();
	struct store_journal_opts o = { .path = tp.path, .leases = t, .compact_bytes = 1 << 20,
					.durable = on_durable, .arg = &d };
	CHECK(store_journal_open(&st, &o, err, sizeof err) == 0);
	CHECK(!store_pending(st));
	for (uint32_t a = 1; a <= 3; a++) {
		struct lease_rec rec = { .addr = 0xc6120000u + a, .state = LEASE_ACTIVE, .end = 100 };
		CHECK(store_append(st, &rec) == 0);
	}
	CHECK(store_pending(st));
	store_commit(st, 42);
	CHECK_EQ(d.calls, 1);
	CHECK_EQ(d.through, 42);
	CHECK_EQ(d.err, 0);
	CHECK(!store_pending(st));
	CHECK(store_size(st) > 0);
	store_close(st);

	uint64_t records;
	struct lease_table *back = replay_into_new(o, &records);
	CHECK_EQ(records, 3);
	CHECK_EQ(lease_count(back), 3);
	CHECK(lease_find(back, 0xc6120002u) != NULL);
	lease_table_free(back);
	lease_table_free(t);
	tmp_remove(&tp);
}

TEST(compacts_by_itself_on_the_loop)
{
	struct tmp tp;
	char err[256];
	tmp_make(&tp);
	struct done d = { 0 };
	struct store *st;
	struct loop *lp = loop_new();
	struct lease_table *t = lease_table_new();
	struct store_journal_opts o = { .path = tp.path, .lp = lp, .leases = t,
					.compact_bytes = 4096, .durable = on_durable, .arg = &d };
	CHECK(store_journal_open(&st, &o, err, sizeof err) == 0);
	/* Ten leases rewritten 100 times: about 1,000 lines for 10 live. */
	for (int round = 0; round < 100; round++) {
		for (uint32_t a = 1; a <= 10; a++) {
			struct lease rec = { .addr = 0xc6120000u + a, .state = LEASE_ACTIVE,
					     .start = 1, .end = 1000 + round };
			struct lease *l = lease_upsert(t, &rec);
			CHECK(l && store_append(st, &l->rec) == 0);
		}
		store_commit(st, (uint64_t)round + 1);
	}
	off_t before = file_size(tp.path);
	CHECK(before > 50000);
	for (int i = 0; i < 200 && file_size(tp.path) >= before; i++)
		loop_turn(lp, 10);
	off_t after = file_size(tp.path);
	CHECK(after > 0 && after < before / 10);
	store_close(st);

	uint64_t records;
	struct lease_table *back = replay_into_new(o, &records);
	CHECK_EQ(records, 10);			/* compacted: one line a lease */
	CHECK_EQ(lease_count(back), 10);
	CHECK_EQ(lease_find(back, 0xc6120005u)->end, 1099);
	lease_table_free(back);
	lease_table_free(t);
	loop_free(lp);
	tmp_remove(&tp);
}

struct seen {
	struct lease_table *t;
	struct store_fo_rec fo;
	int nfo;
};

static void seen_lease(void *arg, const struct lease_rec *rec)
{
	lease_upsert(((struct seen *)arg)->t, rec);
}

static void seen_fo(void *arg, const struct store_fo_rec *fo)
{
	struct seen *s = arg;
	s->fo = *fo;		/* the latest wins */
	s->nfo++;
}

static struct store *open_replay(struct store_journal_opts *o, struct seen *s,
				 struct store_replay_stats *rs)
{
	char err[256];
	struct store *st;
	struct store_replay_cb cb = { .lease = seen_lease, .fo = seen_fo, .arg = s };
	s->nfo = 0;
	CHECK(store_journal_open(&st, o, err, sizeof err) == 0);
	CHECK(store_replay(st, &cb, rs, err, sizeof err) == 0);
	return st;
}

/* fresh: a new file, an emptied one, one with only the header; not once
 * any record, of either kind, is in it. */
TEST(fresh_until_a_record_exists)
{
	struct tmp tp;
	tmp_make(&tp);
	struct done d = { 0 };
	struct seen s = { .t = lease_table_new() };
	struct store_replay_stats rs;
	struct store_journal_opts o = { .path = tp.path, .leases = s.t, .compact_bytes = 1 << 20,
					.durable = on_durable, .arg = &d };
	struct store *st = open_replay(&o, &s, &rs);
	CHECK(rs.fresh);
	store_close(st);
	st = open_replay(&o, &s, &rs);		/* header only */
	CHECK(rs.fresh);
	struct store_fo_rec fo = { .name = "pair", .my_state = FO_ST_NORMAL, .my_stos = 5 };
	CHECK_EQ(store_append_fo(st, &fo), 0);
	CHECK(store_pending(st));
	store_commit(st, 1);
	CHECK_EQ(d.err, 0);
	store_close(st);
	st = open_replay(&o, &s, &rs);
	CHECK(!rs.fresh);
	CHECK_EQ(rs.records, 0);
	CHECK_EQ(rs.fo_records, 1);
	CHECK(s.nfo == 1 && s.fo.my_state == FO_ST_NORMAL && strcmp(s.fo.name, "pair") == 0);
	store_close(st);
	CHECK(truncate(tp.path, 0) == 0);	/* emptied */
	st = open_replay(&o, &s, &rs);
	CHECK(rs.fresh);
	CHECK_EQ(s.nfo, 0);
	struct lease_rec rec = { .addr = 0xc6120001u, .state = LEASE_ACTIVE, .end = 100 };
	CHECK_EQ(store_append(st, &rec), 0);
	store_commit(st, 2);
	store_close(st);
	st = open_replay(&o, &s, &rs);
	CHECK(!rs.fresh);			/* a lease alone is enough */
	store_close(st);
	lease_table_free(s.t);
	tmp_remove(&tp);
}

/* The store's own compaction writes the latest failover state. */
TEST(compaction_keeps_failover_state)
{
	struct tmp tp;
	char err[256];
	tmp_make(&tp);
	struct done d = { 0 };
	struct store *st;
	struct loop *lp = loop_new();
	struct lease_table *t = lease_table_new();
	struct store_journal_opts o = { .path = tp.path, .lp = lp, .leases = t,
					.compact_bytes = 4096, .durable = on_durable, .arg = &d };
	CHECK(store_journal_open(&st, &o, err, sizeof err) == 0);
	struct store_fo_rec fo = { .name = "pair", .my_state = FO_ST_STARTUP, .my_stos = 1,
				   .amnesic = true };
	for (int round = 0; round < 100; round++) {
		for (uint32_t a = 1; a <= 10; a++) {
			struct lease rec = { .addr = 0xc6120000u + a, .state = LEASE_ACTIVE,
					     .start = 1, .end = 1000 + round };
			struct lease *l = lease_upsert(t, &rec);
			CHECK(l && store_append(st, &l->rec) == 0);
		}
		if (round == 10 || round == 20) {
			fo.my_state = round == 10 ? FO_ST_RECOVER : FO_ST_NORMAL;
			fo.my_stos = (uint32_t)round;
			fo.amnesic = false;
			CHECK_EQ(store_append_fo(st, &fo), 0);
		}
		store_commit(st, (uint64_t)round + 1);
	}
	off_t before = file_size(tp.path);
	for (int i = 0; i < 200 && file_size(tp.path) >= before; i++)
		loop_turn(lp, 10);
	CHECK(file_size(tp.path) < before / 10);
	store_close(st);

	struct seen s = { .t = lease_table_new() };
	struct store_replay_stats rs;
	o.lp = NULL;
	o.leases = s.t;
	st = open_replay(&o, &s, &rs);
	CHECK_EQ(rs.records, 10);
	CHECK_EQ(rs.fo_records, 1);
	CHECK(s.fo.my_state == FO_ST_NORMAL && s.fo.my_stos == 20 && !s.fo.amnesic);
	store_close(st);
	lease_table_free(s.t);
	lease_table_free(t);
	loop_free(lp);
	tmp_remove(&tp);
}

T_RUN(T_CASE(commit_completes_and_replays), T_CASE(compacts_by_itself_on_the_loop),
      T_CASE(fresh_until_a_record_exists), T_CASE(compaction_keeps_failover_state))
