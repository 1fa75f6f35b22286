/* Whether an offline lease import carries the replaced ISC server's
 * failover state into the journal, and the record it becomes
 * (docs/lease-import.md, "Failover state").  Pure: no I/O, no clock.
 *
 * ISC dhcpd's lease file is its stable storage: the leases and its own
 * failover state.  Imported into a journal that holds no failover record
 * yet, the pair is that server's storage moved over, and the new server
 * resumes like ISC restarted on the file: from the recorded state, with
 * no recovery and no MCLT's wait when it was normal. */
#ifndef DUODHCP_IMPORT_FO_CARRY_H
#define DUODHCP_IMPORT_FO_CARRY_H

#include <stdbool.h>
#include "conf/config.h"
#include "import/leasefile.h"
#include "store/store.h"

enum fo_carry {
	FO_CARRY_TAKE = 0,	/* journal the record */
	FO_CARRY_NO_FAILOVER,	/* our configuration has no [FAILOVER] */
	FO_CARRY_REFUSED,	/* the operator said no (--no-failover-state) */
	FO_CARRY_NONE,		/* the file holds no failover state */
	FO_CARRY_OTHER_NAME,	/* it holds states, none of our relationship */
	FO_CARRY_DAMAGED,	/* the file had errors: only part was imported */
	FO_CARRY_JOURNAL_HAS,	/* the journal holds a failover record: the
				 * state of a server that ran is its own */
};

struct fo_carry_in {
	const struct leasefile *lf;
	const struct cfg_failover *fo;	/* our configuration's */
	bool refused;
	bool journal_has;
};

/* The decision; on FO_CARRY_TAKE *out is the record and *from the file's
 * state it comes from (else *from is that state when there is one of our
 * name, or NULL).
 *
 * The record: our relationship's name; "my state" and "partner state"
 * with their times; amnesic only when ISC was in recover or recover-wait
 * (it had not all leases yet, and waits out STOS + MCLT itself); MCLT
 * and bucket map as the daemon journals them: the primary's from our
 * configuration, the secondary's MCLT from the file (ISC writes it
 * there) and no map (it comes with the primary's CONNECT). */
enum fo_carry fo_carry_decide(const struct fo_carry_in *in, struct store_fo_rec *out,
			      const struct leasefile_fo **from);
/* Why a state was not carried, one phrase, for the report. */
const char *fo_carry_why(enum fo_carry c);

#endif
