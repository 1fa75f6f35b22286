/* Telling systemd how the service is doing (sd_notify(3)): readiness,
 * reloads, stop, a status line and the watchdog keep-alive, the last two
 * on a timer of the event loop.  Without NOTIFY_SOCKET in the environment
 * every call does nothing. */
#ifndef DUODHCP_NOTIFY_H
#define DUODHCP_NOTIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "common/loop.h"

#define NOTIFY_STATUS_MAX 160

/* Writes the one-line status ("12 leases active, ...") into buf. */
typedef void notify_status_fn(void *arg, char *buf, size_t len);

struct notify {
	bool on;		/* NOTIFY_SOCKET is set */
	bool failed;		/* a send failed (logged once) */
	bool soon;		/* something changed: refresh the status */
	bool stopping;		/* STOPPING=1 went out */
	int64_t wd_ms;		/* keep-alive period, half of WatchdogSec; 0 = none */
	int64_t wd_next;	/* monotonic ms of the next WATCHDOG=1 */
	int64_t st_next;	/* monotonic ms of the next periodic status */
	int64_t st_sent;	/* when a status was last looked at */
	char status[NOTIFY_STATUS_MAX];	/* the STATUS= last sent */
	struct loop *lp;
	struct loop_timer due;	/* the next keep-alive or status refresh */
	notify_status_fn *status_fn;
	void *arg;
};

/* Reads the environment; call it in the process that will serve (after
 * daemon()), since the watchdog may name one PID. */
void notify_init(struct notify *n, struct loop *l, notify_status_fn *status_fn, void *arg);
/* READY=1 with a fresh status: serving (at start, and after each reload,
 * taken or not). */
void notify_ready(struct notify *n);
/* RELOADING=1 with the MONOTONIC_USEC= that systemd 253+ asks for. */
void notify_reloading(struct notify *n);
/* STOPPING=1; later calls do nothing, nor does the timer. */
void notify_stopping(struct notify *n);
/* Something the status shows changed: refreshed within a second, so a
 * burst of changes costs one message. */
void notify_soon(struct notify *n);

#endif
