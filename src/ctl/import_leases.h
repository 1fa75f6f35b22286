/* duodhcpctl import-leases: another server's lease file (ISC dhcpd,
 * Kea's memfile, dnsmasq) into duodhcp, online through the running
 * daemon's API (POST /api/v1/leases/import) or offline into its journal
 * before the first start.  docs/lease-import.md. */
#ifndef DUODHCP_CTL_IMPORT_LEASES_H
#define DUODHCP_CTL_IMPORT_LEASES_H

#include <stdbool.h>

/* Whether the command word of argv (the first argument that is neither an
 * option nor an option's value) is "import-leases". */
bool ctl_import_wanted(int argc, char **argv);
/* Runs the command with the whole argv; returns the exit code: 0 done
 * (skipped records are reported, not failures), 1 nothing imported (a
 * damaged file without --keep-good, the daemon refused, the journal is in
 * use or could not be written), 2 bad usage, configuration or file. */
int ctl_import_leases(int argc, char **argv);

#endif
