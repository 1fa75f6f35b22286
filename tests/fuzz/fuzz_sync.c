/* libFuzzer: the change-feed parser, sync_parse_changes(), which reads the
 * partner's untrusted replies.  Every accepted lease must be within the
 * bounds the daemon relies on; a refused reply must leave nothing behind.
 * Short inputs are also tried as a SyncServer= value. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "sync/sync.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define ASSERT(c) do { if (!(c)) __builtin_trap(); } while (0)

static void check_lease(const struct lease *l)
{
	ASSERT(l->flags == LEASE_F_PARTNER);
	ASSERT(l->state >= LEASE_FREE && l->state <= LEASE_BACKUP);
	ASSERT(l->addr != 0 && l->addr < 0xe0000000u && l->addr >> 24 != 127);
	ASSERT(l->hlen <= LEASE_HW_MAX);
	ASSERT((l->cid_len == 0) == (l->cid == NULL));
	if (l->hostname) {
		size_t n = strlen(l->hostname);
		ASSERT(n >= 1 && n <= LEASE_HOST_MAX);
	}
	ASSERT(l->pending_state <= LEASE_BACKUP);
	const int64_t t[] = { l->start, l->end, l->cltt, l->tstp, l->tsfp, l->atsfp };
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		ASSERT(t[i] >= 0 && t[i] < SYNC_TIME_MAX);
	volatile uint8_t sink = 0;	/* touch every byte: ASan checks the size */
	for (size_t i = 0; i < l->cid_len; i++)
		sink ^= l->cid[i];
	(void)sink;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* An exact-size copy, so a read past the end is caught. */
	char *json = malloc(size ? size : 1);
	if (!json)
		return 0;
	memcpy(json, data, size);
	struct sync_batch b;
	uint64_t next = 1, seq = 1;
	bool more = true;
	char err[160] = "";
	int r = sync_parse_changes(json, size, &b, &next, &more, &seq, err, sizeof err);
	if (r == 0) {
		ASSERT(b.n <= SYNC_LEASES_MAX);
		ASSERT(b.n == 0 || b.leases != NULL);
		ASSERT(b.seq == next);
		ASSERT(b.n == 0 || next <= seq);
		ASSERT(!b.full_start && !b.full_end);
		for (size_t i = 0; i < b.n; i++)
			check_lease(&b.leases[i]);
	} else {
		ASSERT(r == -1 && b.n == 0 && b.leases == NULL && err[0]);
		ASSERT(next == 0 && seq == 0 && !more);
	}
	sync_batch_clear(&b);
	ASSERT(b.n == 0 && b.leases == NULL);

	if (size < 300) {
		char s[300], host[SYNC_HOST_MAX + 1];
		uint16_t port;
		memcpy(s, data, size);
		s[size] = 0;
		if (sync_parse_partner(s, host, sizeof host, &port, err, sizeof err) == 0)
			ASSERT(host[0] && strlen(host) <= SYNC_HOST_MAX && port != 0);
	}
	free(json);
	return 0;
}
