/* Lease files of other DHCP servers, read into our lease records:
 * ISC dhcpd's dhcpd.leases, Kea's memfile CSV (lease4) and dnsmasq's
 * lease file.  Pure: bytes in, records and notes out; no I/O, no clock.
 *
 * The result holds the last record of each address, as the other server
 * would read its own file (ISC dhcpd: a later "lease" block of an address
 * replaces an earlier one; Kea's memfile: a later row of an address
 * replaces it, and a row with valid lifetime 0 removes it, as Kea's
 * loader does; dnsmasq: one line per lease), sorted by address.  Every record is
 * record_valid().  What could not be read, or was read and is not a lease
 * we can hold, is a note with the line it came from.  What each format's
 * fields become, and what is skipped: docs/lease-files.md. */
#ifndef DUODHCP_IMPORT_LEASEFILE_H
#define DUODHCP_IMPORT_LEASEFILE_H

#include <stddef.h>
#include <stdint.h>
#include "core/lease.h"

/* The end of a lease that never ends (ISC's "never", dnsmasq's 0, Kea's
 * infinite lifetime): the largest time failover's 32-bit fields carry,
 * which the draft reads as infinity (draft-ietf-dhc-failover-12 5.9), and
 * which the JSON of the API accepts.  Every time read is clamped to it. */
#define LEASEFILE_NEVER ((int64_t)UINT32_MAX)

enum leasefile_format {
	LEASEFILE_ISC = 1,	/* dhcpd.leases (ISC DHCP 4.x) */
	LEASEFILE_KEA,		/* kea-leases4.csv (Kea memfile, lease4 schema) */
	LEASEFILE_DNSMASQ,	/* dnsmasq.leases */
};

/* The format's name as the command line spells it ("isc", "kea",
 * "dnsmasq"), and back (0 when unknown). */
const char *leasefile_format_name(enum leasefile_format f);
enum leasefile_format leasefile_format_parse(const char *name);
/* A guess from the first bytes: a "lease " block or ISC's header comment,
 * Kea's CSV header "address,hwaddr,...", else dnsmasq when the first line
 * reads as one; 0 when none fits. */
enum leasefile_format leasefile_guess(const char *buf, size_t len);

enum leasefile_note_kind {
	LEASEFILE_ERROR = 1,	/* damaged: the file does not read as its format */
	LEASEFILE_SKIP,		/* read, but not a lease we take (the reason says why) */
};

struct leasefile_note {
	unsigned line;		/* 1-based: the line of the damage, or the line
				 * the record skipped (or the skipped part of
				 * it) starts on */
	uint8_t kind;		/* enum leasefile_note_kind */
	uint32_t addr;		/* the address concerned, 0 when not known */
	char why[120];
};

/* ISC's record of a failover relationship's state ("failover peer NAME
 * state { my state S at T; partner state S at T; [mclt N;] }"), which
 * dhcpd writes on every change of either state.  As ISC reads its file,
 * a later block of a name sets again what it holds: the fields are the
 * last given for the name.  Only names whose "my state" was read are
 * returned. */
struct leasefile_fo {
	char name[256];		/* 1-255 bytes, no NUL (STORE_FO_NAME_MAX) */
	uint8_t my_state;	/* enum fo_state (failover/wire.h), fo_state_valid() */
	uint32_t my_stos;	/* Unix seconds; the read time when none is written */
	uint8_t peer_state;	/* 0: none given, or "unknown-state" */
	uint32_t peer_stos;
	uint32_t mclt;		/* 0: none given (ISC writes it on the secondary) */
	unsigned line;		/* where the last block of the name starts */
};

struct leasefile {
	struct lease_rec *recs;	/* sorted by address, one per address; cid and
				 * hostname malloc'd */
	size_t n;
	struct leasefile_note *notes;	/* in line order; why is printable ASCII */
	size_t nnotes;
	size_t records;		/* lease records (blocks, rows, lines) read,
				 * including those skipped and Kea's deletion rows */
	size_t replaced;	/* of those, replaced (or deleted) by a later one
				 * of the same address */
	size_t errors;		/* notes of kind LEASEFILE_ERROR */
	struct leasefile_fo *fo;	/* ISC only: one per relationship name, in
					 * the order first seen */
	size_t nfo;
};

/* Reads a whole file's bytes.  now (Unix seconds) serves the formats that
 * keep relative times or none (dnsmasq's 0 = infinite).  Returns 0 (even
 * with errors: see lf->errors), or -1 when out of memory.  On errors the
 * records read before and after the damage are still in lf: the caller
 * decides whether to keep the good part. */
int leasefile_read(struct leasefile *lf, enum leasefile_format f, const char *buf,
		   size_t len, int64_t now);
void leasefile_free(struct leasefile *lf);

#endif
