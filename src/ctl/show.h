/* duodhcpctl's output: the daemon's JSON answers read with every
 * member's type checked, so an answer of an unexpected shape (another
 * version, a proxy's page) is named ("failover.skew: want an integer, got
 * a string") instead of printed as zeros or crashing. */
#ifndef DUODHCP_CTL_SHOW_H
#define DUODHCP_CTL_SHOW_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* `duodhcpctl failover`: the failover object of /api/v1/status, several
 * lines.  0; 1 when the daemon has no relationship (said in err); -1 with
 * what was wrong in err.  Nothing is printed unless the answer is whole. */
int ctl_show_failover(FILE *out, json_object *status, char *err, size_t errlen);
/* `duodhcpctl status`: one line for the relationship, none without one.
 * 0 or -1 as above. */
int ctl_show_failover_line(FILE *out, json_object *status, char *err, size_t errlen);
/* `duodhcpctl partner-down`: the answer of POST
 * /api/v1/failover/partner-down.  0 or -1 as above. */
int ctl_show_partner_down(FILE *out, json_object *reply, char *err, size_t errlen);

/* `duodhcpctl status`: the whole summary, the failover line included. */
int ctl_show_status(FILE *out, json_object *status, char *err, size_t errlen);
/* `duodhcpctl leases`: one page of /api/v1/leases, a header line first
 * when header (out NULL: read, print nothing); count is the page's leases, total the answer's "total".
 * 0 or -1 as above. */
int ctl_show_leases(FILE *out, json_object *page, bool header, size_t *count, int64_t *total,
		    char *err, size_t errlen);

#endif
