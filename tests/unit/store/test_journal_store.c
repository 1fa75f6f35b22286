/* The journal behind the store interface: a commit completes with the
 * change number it was given, replay reads back what was committed, and
 * compaction runs by itself on the loop it was given once the file has
 * grown past its threshold, keeping every lease. */
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include "common/loop.h"
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

static off_t file_size(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? st.st_size : -1;
}

TEST(commit_completes_and_replays)
{
	char dir[] = "/tmp/test_jstore.XXXXXX", path[96], err[256];
	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof path, "%s/leases", dir);
	struct done d = { 0 };
	struct store *st;
	struct lease_table *t = lease_table_new();
	struct store_journal_opts o = { .path = path, .leases = t, .compact_bytes = 1 << 20,
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

	struct lease_table *back = lease_table_new();
	struct store_replay_stats rs;
	o.leases = back;
	CHECK(store_journal_open(&st, &o, err, sizeof err) == 0);
	CHECK(store_replay(st, count_rec, back, &rs, err, sizeof err) == 0);
	CHECK_EQ(rs.records, 3);
	CHECK_EQ(lease_count(back), 3);
	CHECK(lease_find(back, 0xc6120002u) != NULL);
	store_close(st);
	lease_table_free(back);
	lease_table_free(t);
	unlink(path);
	snprintf(err, sizeof err, "%s.lock", path);
	unlink(err);
	rmdir(dir);
}

TEST(compacts_by_itself_on_the_loop)
{
	char dir[] = "/tmp/test_jstore.XXXXXX", path[96], err[256];
	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof path, "%s/leases", dir);
	struct done d = { 0 };
	struct store *st;
	struct loop *lp = loop_new();
	struct lease_table *t = lease_table_new();
	struct store_journal_opts o = { .path = path, .lp = lp, .leases = t,
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
	off_t before = file_size(path);
	CHECK(before > 50000);
	for (int i = 0; i < 200 && file_size(path) >= before; i++)
		loop_turn(lp, 10);
	off_t after = file_size(path);
	CHECK(after > 0 && after < before / 10);
	store_close(st);

	struct lease_table *back = lease_table_new();
	struct store_replay_stats rs;
	o.leases = back;
	o.lp = NULL;
	CHECK(store_journal_open(&st, &o, err, sizeof err) == 0);
	CHECK(store_replay(st, count_rec, back, &rs, err, sizeof err) == 0);
	CHECK_EQ(lease_count(back), 10);
	CHECK_EQ(lease_find(back, 0xc6120005u)->end, 1099);
	store_close(st);
	lease_table_free(back);
	lease_table_free(t);
	loop_free(lp);
	unlink(path);
	snprintf(err, sizeof err, "%s.lock", path);
	unlink(err);
	rmdir(dir);
}

T_RUN(T_CASE(commit_completes_and_replays), T_CASE(compacts_by_itself_on_the_loop))
