/* duodhcpctl's failover output: the daemon's JSON answers read with every
 * member's type checked, so an answer of an unexpected shape (another
 * version, a proxy's page) is named ("failover.skew: want an integer, got
 * a string") instead of printed as zeros or crashing. */
#ifndef DUODHCP_CTL_SHOW_H
#define DUODHCP_CTL_SHOW_H

#include <json-c/json.h>
#include <stddef.h>
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

#endif
