/* The change feed at scale: N leases (default 1,000,000), each changed
 * once, then pages of GET /api/v1/changes through api_handle(): the cost
 * of one page at the start, middle and end of the log, and of a whole
 * resync (every page from 0, 5000 at a time, as a SyncServer partner
 * reads it).  Prints figures; asserts only that the resync saw every
 * lease once.
 *
 *   feedbench [N]
 *
 * Built with -DFEEDBENCH_OLD against a tree from before the change log,
 * it numbers the leases the old way, for a before/after in one run. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "http/api.h"
#include "conf/config.h"
#include "core/lease.h"

static double now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

/* One page; returns how many leases it held and sets *next, *more. */
static int page(const struct api_ctx *ctx, unsigned long long since, int limit,
		unsigned long long *next, int *more)
{
	char s[32], l[16];
	snprintf(s, sizeof s, "%llu", since);
	snprintf(l, sizeof l, "%d", limit);
	const char *keys[] = { "since", "limit" }, *values[] = { s, l };
	struct api_request req = { .method = "GET", .path = "/api/v1/changes", .nargs = 2,
				   .keys = keys, .values = values };
	struct api_reply rep;
	api_handle(ctx, &req, &rep);
	int n = 0;
	if (rep.status == 200 && rep.body) {
		for (const char *p = rep.body; (p = strstr(p, "\"addr\"")); p++)
			n++;
		const char *x = strstr(rep.body, "\"next\":");
		*next = x ? strtoull(x + 7, NULL, 10) : since;
		*more = strstr(rep.body, "\"more\":true") != NULL;
	}
	free(rep.body);
	return n;
}

int main(int argc, char **argv)
{
	size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 1000000;
	static const char ini[] = "[Settings]\nIPPOOL_1=10.0.0.1-10.31.255.254\n"
				  "[GENERAL]\nSUBNETMASK=255.224.0.0\n"
				  "[DUODHCP]\nJournal=/nonexistent/j\n";
	struct config *cfg = config_parse("bench.ini", ini, sizeof ini - 1, stderr);
	struct lease_table *t = lease_table_new();
	if (!cfg || !t)
		return 1;
	for (size_t i = 0; i < n; i++) {
		struct lease r = { .addr = 0x0a000001u + (uint32_t)i, .state = LEASE_ACTIVE,
				   .htype = 1, .hlen = 6, .start = 1700000000, .end = 1700003600 };
		memcpy(r.hw + 2, &i, 4);
		struct lease *l = lease_upsert(t, &r);
		if (!l)
			return 1;
#ifdef FEEDBENCH_OLD
		l->seq = i + 1;
#else
		lease_set_seq(t, l, i + 1);
#endif
	}
	struct engine_stats st = { 0 };
	struct api_ctx ctx = { .cfg = cfg, .leases = t, .st = &st, .seq = n, .epoch = 1,
			       .version = "bench" };
	unsigned long long next;
	int more;
	size_t at[] = { 0, n / 2, n > 1000 ? n - 1000 : 0 };
	const char *where[] = { "start", "middle", "end" };
	for (int k = 0; k < 3; k++) {
		double t0 = now_ms();
		int got = 0;
		for (int r = 0; r < 5; r++)
			got = page(&ctx, at[k], 1000, &next, &more);
		printf("page of %d at the %s of %zu changes: %.2f ms\n", got, where[k], n,
		       (now_ms() - t0) / 5);
	}
	double t0 = now_ms();
	size_t seen = 0, pages = 0;
	unsigned long long since = 0;
	do {
		seen += (size_t)page(&ctx, since, 5000, &next, &more);
		since = next;
		pages++;
	} while (more && pages < n / 5000 + 10);
	printf("full resync: %zu leases in %zu pages of 5000, %.0f ms\n", seen, pages,
	       now_ms() - t0);
	lease_table_free(t);
	config_free(cfg);
	return seen == n ? 0 : 1;
}
