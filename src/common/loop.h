/* The event loop: file descriptors with read and write interest, timers
 * in one heap on CLOCK_MONOTONIC, and hooks that run at the end of every
 * turn.  Each module registers what it needs with its own callback and
 * argument; nothing outside a module knows its deadlines. */
#ifndef DUODHCP_LOOP_H
#define DUODHCP_LOOP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LOOP_READ 1u
#define LOOP_WRITE 2u

struct loop;

/* events: LOOP_READ and/or LOOP_WRITE, as they are ready (errors and
 * hang-ups are reported as both, so a reader or writer sees them). */
typedef void loop_fd_fn(void *arg, int fd, uint32_t events);
typedef void loop_fn(void *arg);

/* A timer lives in its owner's struct; loop_timer_init before use. */
struct loop_timer {
	int64_t at_ms;		/* monotonic deadline while armed */
	size_t slot;		/* its place in the heap, SIZE_MAX when idle */
	loop_fn *fn;
	void *arg;
};

struct loop *loop_new(void);
void loop_free(struct loop *l);

/* Watches fd; a callback may add, change or remove any fd, its own too. */
int loop_fd_add(struct loop *l, int fd, uint32_t events, loop_fd_fn *fn, void *arg);
int loop_fd_mod(struct loop *l, int fd, uint32_t events);
void loop_fd_del(struct loop *l, int fd);

void loop_timer_init(struct loop_timer *t, loop_fn *fn, void *arg);
/* Arms t for at_ms (monotonic), or moves it there. */
void loop_timer_at(struct loop *l, struct loop_timer *t, int64_t at_ms);
/* Arms t for ms from now; a negative ms stops it. */
void loop_timer_in(struct loop *l, struct loop_timer *t, int64_t ms);
void loop_timer_stop(struct loop *l, struct loop_timer *t);
bool loop_timer_armed(const struct loop_timer *t);

/* fn(arg) at the end of every turn, after the events and timers of that
 * turn, in the order added (Redis's before-sleep: group commits, status). */
int loop_hook_add(struct loop *l, loop_fn *fn, void *arg);
void loop_hook_del(struct loop *l, loop_fn *fn, void *arg);

/* A module polled the way MHD and the DNS server want: run(arg) when its
 * fd is readable or its deadline has passed, and after every turn
 * timeout_ms(arg) says when that deadline is (-1: none).  The struct
 * lives in the module; loop_poller_del is a no-op for one never added. */
struct loop_poller {
	struct loop *l;
	int fd;
	struct loop_timer due;
	loop_fn *run;
	int (*timeout_ms)(void *arg);
	void *arg;
};
int loop_poller_add(struct loop *l, struct loop_poller *p, int fd, loop_fn *run,
		    int (*timeout_ms)(void *arg), void *arg);
void loop_poller_del(struct loop_poller *p);

/* One turn: waits for events at most max_wait_ms (and no later than the
 * first timer), runs what is ready, then the due timers, then the hooks.
 * Returns 0, or -1 when waiting failed. */
int loop_turn(struct loop *l, int max_wait_ms);

/* How many fds and armed timers there are (for tests). */
size_t loop_fd_count(const struct loop *l);
size_t loop_timer_count(const struct loop *l);

#endif
