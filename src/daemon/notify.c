/* systemd's notification protocol (sd_notify(3)) for the daemon.
 *
 * libsystemd opens a fresh datagram socket for every message, so sending
 * still works after the drop to User=: the socket file must only be
 * writable by that user, and systemd's /run/systemd/notify is. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-daemon.h>
#include "common/clock.h"
#include "common/log.h"
#include "daemon/notify.h"

#define STATUS_EVERY_MS 5000	/* periodic refresh of the status line */
#define STATUS_SOON_MS 1000	/* a change is shown within this, batched */

static void tell(struct notify *n, const char *msg)
{
	if (!n->on)
		return;
	int rc = sd_notify(0, msg);
	if (rc < 0 && !n->failed) {
		n->failed = true;	/* once: the socket will not heal itself */
		log_warn("sd_notify to %s: %s", getenv("NOTIFY_SOCKET"), strerror(-rc));
	}
}

/* Milliseconds until a keep-alive or a status refresh is due, or -1. */
static int64_t next_due_ms(const struct notify *n, int64_t now_ms)
{
	if (!n->on || n->stopping)
		return -1;
	int64_t t = n->st_next;
	if (n->soon && n->st_sent + STATUS_SOON_MS < t)
		t = n->st_sent + STATUS_SOON_MS;
	if (n->wd_ms && n->wd_next < t)
		t = n->wd_next;
	return t <= now_ms ? 0 : t - now_ms;
}

static void rearm(struct notify *n)
{
	if (n->lp)
		loop_timer_in(n->lp, &n->due, next_due_ms(n, mono_ms()));
}

static void status_sent(struct notify *n, const char *status, int64_t now_ms)
{
	snprintf(n->status, sizeof n->status, "%s", status);
	n->soon = false;
	n->st_sent = now_ms;
	n->st_next = now_ms + STATUS_EVERY_MS;
}

/* The timer: the keep-alive when due, the status when due and changed. */
static void on_due(void *arg)
{
	struct notify *n = arg;
	int64_t now = mono_ms();
	if (n->wd_ms && now >= n->wd_next) {
		tell(n, "WATCHDOG=1");
		n->wd_next = now + n->wd_ms;
	}
	if (now >= n->st_next || (n->soon && now - n->st_sent >= STATUS_SOON_MS)) {
		char st[NOTIFY_STATUS_MAX], msg[NOTIFY_STATUS_MAX + 16];
		n->status_fn(n->arg, st, sizeof st);
		if (strcmp(st, n->status) != 0) {
			snprintf(msg, sizeof msg, "STATUS=%s", st);
			tell(n, msg);
		}
		status_sent(n, st, now);
	}
	rearm(n);
}

void notify_init(struct notify *n, struct loop *l, notify_status_fn *status_fn, void *arg)
{
	const char *sock = getenv("NOTIFY_SOCKET");
	uint64_t usec = 0;
	int64_t now_ms = mono_ms();
	*n = (struct notify){ .on = sock && sock[0], .st_next = now_ms + STATUS_EVERY_MS,
			      .status_fn = status_fn, .arg = arg };
	if (!n->on)
		return;
	n->lp = l;
	loop_timer_init(&n->due, on_due, n);
	/* WatchdogSec=: systemd wants a keep-alive at least this often;
	 * sending at half of it leaves room for a slow turn (sd_watchdog_enabled(3)). */
	if (sd_watchdog_enabled(0, &usec) > 0) {
		n->wd_ms = (int64_t)(usec / 2000);
		if (n->wd_ms < 1)
			n->wd_ms = 1;
		n->wd_next = now_ms;
		log_info("systemd watchdog: keep-alive every %lld ms", (long long)n->wd_ms);
	}
}

void notify_ready(struct notify *n)
{
	char st[NOTIFY_STATUS_MAX], msg[NOTIFY_STATUS_MAX + 32];
	if (!n->on)
		return;
	n->status_fn(n->arg, st, sizeof st);
	snprintf(msg, sizeof msg, "READY=1\nSTATUS=%s", st);
	tell(n, msg);
	status_sent(n, st, mono_ms());
	rearm(n);
}

void notify_reloading(struct notify *n)
{
	char msg[96];
	if (!n->on)
		return;
	/* systemd 253+ matches the reload to its own request by this
	 * timestamp (CLOCK_MONOTONIC); older ones ignore the field. */
	snprintf(msg, sizeof msg, "RELOADING=1\nMONOTONIC_USEC=%" PRId64
		 "\nSTATUS=reloading the configuration", mono_us());
	tell(n, msg);
}

void notify_stopping(struct notify *n)
{
	if (!n->on || n->stopping)
		return;
	n->stopping = true;
	tell(n, "STOPPING=1\nSTATUS=stopping");
	rearm(n);	/* stops the timer */
}

void notify_soon(struct notify *n)
{
	if (!n->on || n->soon)
		return;
	n->soon = true;
	rearm(n);
}
