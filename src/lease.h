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

enum {
	LEASE_F_PARTNER = 1 << 0,	/* learned from a partner, never handed out by us */
	LEASE_F_BOOTP = 1 << 1,
};

#define LEASE_HW_MAX 16
#define LEASE_CID_MAX 255
#define LEASE_HOST_MAX 255

struct lease {
	uint32_t addr;			/* host byte order */
	uint8_t state;			/* enum lease_state */
	uint8_t flags;			/* LEASE_F_* */
	uint8_t htype, hlen;
	uint8_t hw[LEASE_HW_MAX];
	uint8_t cid_len;		/* 0: no client identifier (option 61) */
	uint8_t *cid;			/* cid_len bytes, owned by the table */
	char *hostname;			/* NUL-terminated or NULL, owned by the table */
	/* Wall-clock times, seconds since the epoch (0 = unset). */
	int64_t start;			/* start of the binding */
	int64_t end;			/* expiry, or end of quarantine when abandoned */
	int64_t cltt;			/* client last transaction time */
	int64_t tstp;			/* potential expiry we sent the partner */
	int64_t tsfp;			/* potential expiry the partner acked */

	/* In-memory bookkeeping, private to lease.c. */
	struct lease *next_addr, *next_cid, *next_hw;
	struct lease *free_prev, *free_next;	/* per-pool reuse list */
	uint32_t heap_idx;			/* expiry heap slot, UINT32_MAX if none */
	int32_t pool;				/* index into the pool list, -1 if none */
};

/* True for the states in which the address may be handed to a new client. */
bool lease_state_reusable(uint8_t state);
const char *lease_state_name(uint8_t state);
/* Returns the state for a name ("active"), or 0 when unknown. */
uint8_t lease_state_parse(const char *name, size_t len);

#endif
