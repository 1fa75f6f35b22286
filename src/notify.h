/* Telling systemd how the service is doing (sd_notify(3)): readiness,
 * reloads, stop, a status line and the watchdog keep-alive.  Without
 * NOTIFY_SOCKET in the environment every call does nothing. */
#ifndef DUODHCP_NOTIFY_H
#define DUODHCP_NOTIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NOTIFY_STATUS_MAX 160

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
};

/* Reads the environment; call it in the process that will serve (after
 * daemon()), since the watchdog may name one PID. */
void notify_init(struct notify *n, int64_t now_ms);
/* READY=1: serving (at start, and after each reload, taken or not). */
void notify_ready(struct notify *n, const char *status, int64_t now_ms);
/* RELOADING=1 with the MONOTONIC_USEC= that systemd 253+ asks for. */
void notify_reloading(struct notify *n);
/* STOPPING=1; later calls do nothing. */
void notify_stopping(struct notify *n);

/* Marks the status as worth refreshing (within a second, not at once:
 * a burst of leases makes one update). */
void notify_soon(struct notify *n);
/* True when the caller should build the status line and pass it on. */
bool notify_status_due(const struct notify *n, int64_t now_ms);
/* Sends STATUS=status if it differs from the last one. */
void notify_status(struct notify *n, const char *status, int64_t now_ms);

/* Sends WATCHDOG=1 when due; call it every loop turn. */
void notify_run(struct notify *n, int64_t now_ms);
/* Milliseconds until notify_run or a status refresh has work, or -1. */
int notify_timeout_ms(const struct notify *n, int64_t now_ms);

#endif
