#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>
#include "common/clock.h"
#include "common/loop.h"

/* A watched fd.  gen tells a registration from an earlier one of the same
 * fd number, so an event that was already read for a closed fd is not
 * given to its successor in the same turn. */
struct watch {
	loop_fd_fn *fn;
	void *arg;
	uint32_t events;
	uint32_t gen;
};

struct hook {
	loop_fn *fn;
	void *arg;
};

struct loop {
	int ep;
	struct watch *w;	/* by fd */
	size_t nw, nfds;
	uint32_t gen;
	struct loop_timer **heap;
	size_t nheap, heap_cap;
	struct hook *hooks;
	size_t nhooks;
};

struct loop *loop_new(void)
{
	struct loop *l = calloc(1, sizeof *l);
	if (!l)
		return NULL;
	l->ep = epoll_create1(EPOLL_CLOEXEC);
	if (l->ep < 0) {
		free(l);
		return NULL;
	}
	return l;
}

void loop_free(struct loop *l)
{
	if (!l)
		return;
	close(l->ep);
	free(l->w);
	free(l->heap);
	free(l->hooks);
	free(l);
}

static uint32_t to_epoll(uint32_t ev)
{
	return (ev & LOOP_READ ? EPOLLIN : 0) | (ev & LOOP_WRITE ? EPOLLOUT : 0);
}

static int ctl(struct loop *l, int op, int fd)
{
	struct epoll_event e = { .events = to_epoll(l->w[fd].events),
				 .data.u64 = (uint64_t)l->w[fd].gen << 32 | (uint32_t)fd };
	return epoll_ctl(l->ep, op, fd, &e);
}

int loop_fd_add(struct loop *l, int fd, uint32_t events, loop_fd_fn *fn, void *arg)
{
	if (fd < 0 || !fn)
		return -1;
	if ((size_t)fd >= l->nw) {
		size_t n = l->nw ? l->nw : 16;
		while (n <= (size_t)fd)
			n *= 2;
		struct watch *w = realloc(l->w, n * sizeof *w);
		if (!w)
			return -1;
		memset(w + l->nw, 0, (n - l->nw) * sizeof *w);
		l->w = w;
		l->nw = n;
	}
	if (l->w[fd].fn)
		return -1;	/* already watched */
	l->w[fd] = (struct watch){ fn, arg, events, ++l->gen };
	if (ctl(l, EPOLL_CTL_ADD, fd) < 0) {
		l->w[fd].fn = NULL;
		return -1;
	}
	l->nfds++;
	return 0;
}

int loop_fd_mod(struct loop *l, int fd, uint32_t events)
{
	if (fd < 0 || (size_t)fd >= l->nw || !l->w[fd].fn)
		return -1;
	if (l->w[fd].events == events)
		return 0;
	l->w[fd].events = events;
	return ctl(l, EPOLL_CTL_MOD, fd);
}

void loop_fd_del(struct loop *l, int fd)
{
	if (fd < 0 || (size_t)fd >= l->nw || !l->w[fd].fn)
		return;
	epoll_ctl(l->ep, EPOLL_CTL_DEL, fd, NULL);	/* ENOENT once closed: fine */
	l->w[fd].fn = NULL;
	l->nfds--;
}

/* ---- timers: a binary min-heap on at_ms ---- */

static void heap_set(struct loop *l, size_t i, struct loop_timer *t)
{
	l->heap[i] = t;
	t->slot = i;
}

static void sift_up(struct loop *l, size_t i)
{
	struct loop_timer *t = l->heap[i];
	while (i > 0 && l->heap[(i - 1) / 2]->at_ms > t->at_ms) {
		heap_set(l, i, l->heap[(i - 1) / 2]);
		i = (i - 1) / 2;
	}
	heap_set(l, i, t);
}

static void sift_down(struct loop *l, size_t i)
{
	struct loop_timer *t = l->heap[i];
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= l->nheap)
			break;
		if (c + 1 < l->nheap && l->heap[c + 1]->at_ms < l->heap[c]->at_ms)
			c++;
		if (l->heap[c]->at_ms >= t->at_ms)
			break;
		heap_set(l, i, l->heap[c]);
		i = c;
	}
	heap_set(l, i, t);
}

void loop_timer_init(struct loop_timer *t, loop_fn *fn, void *arg)
{
	*t = (struct loop_timer){ .slot = SIZE_MAX, .fn = fn, .arg = arg };
}

bool loop_timer_armed(const struct loop_timer *t)
{
	return t->slot != SIZE_MAX;
}

void loop_timer_stop(struct loop *l, struct loop_timer *t)
{
	if (!loop_timer_armed(t))
		return;
	size_t i = t->slot;
	t->slot = SIZE_MAX;
	struct loop_timer *last = l->heap[--l->nheap];
	if (i == l->nheap)
		return;
	heap_set(l, i, last);
	sift_up(l, i);
	sift_down(l, last->slot);
}

void loop_timer_at(struct loop *l, struct loop_timer *t, int64_t at_ms)
{
	if (loop_timer_armed(t)) {
		int64_t was = t->at_ms;
		t->at_ms = at_ms;
		if (at_ms < was)
			sift_up(l, t->slot);
		else
			sift_down(l, t->slot);
		return;
	}
	if (l->nheap == l->heap_cap) {
		size_t cap = l->heap_cap ? l->heap_cap * 2 : 16;
		struct loop_timer **h = realloc(l->heap, cap * sizeof *h);
		if (!h)
			abort();	/* a timer that never fires would hang its owner */
		l->heap = h;
		l->heap_cap = cap;
	}
	t->at_ms = at_ms;
	heap_set(l, l->nheap++, t);
	sift_up(l, t->slot);
}

void loop_timer_in(struct loop *l, struct loop_timer *t, int64_t ms)
{
	if (ms < 0)
		loop_timer_stop(l, t);
	else
		loop_timer_at(l, t, mono_ms() + ms);
}

int loop_hook_add(struct loop *l, loop_fn *fn, void *arg)
{
	struct hook *h = realloc(l->hooks, (l->nhooks + 1) * sizeof *h);
	if (!h)
		return -1;
	l->hooks = h;
	l->hooks[l->nhooks++] = (struct hook){ fn, arg };
	return 0;
}

void loop_hook_del(struct loop *l, loop_fn *fn, void *arg)
{
	for (size_t i = 0; i < l->nhooks; i++)
		if (l->hooks[i].fn == fn && l->hooks[i].arg == arg) {
			memmove(&l->hooks[i], &l->hooks[i + 1], (l->nhooks - i - 1) * sizeof *l->hooks);
			l->nhooks--;
			return;
		}
}

static void poller_ready(void *arg, int fd, uint32_t events)
{
	(void)fd, (void)events;
	struct loop_poller *p = arg;
	p->run(p->arg);
}

static void poller_due(void *arg)
{
	struct loop_poller *p = arg;
	p->run(p->arg);
}

/* After every turn: the timer follows the module's nearest deadline. */
static void poller_rearm(void *arg)
{
	struct loop_poller *p = arg;
	loop_timer_in(p->l, &p->due, p->timeout_ms(p->arg));
}

int loop_poller_add(struct loop *l, struct loop_poller *p, int fd, loop_fn *run,
		    int (*timeout_ms)(void *arg), void *arg)
{
	*p = (struct loop_poller){ .l = l, .fd = fd, .run = run, .timeout_ms = timeout_ms,
				   .arg = arg };
	loop_timer_init(&p->due, poller_due, p);
	if (loop_fd_add(l, fd, LOOP_READ, poller_ready, p) < 0) {
		p->l = NULL;
		return -1;
	}
	if (loop_hook_add(l, poller_rearm, p) < 0) {
		loop_fd_del(l, fd);
		p->l = NULL;
		return -1;
	}
	return 0;
}

void loop_poller_del(struct loop_poller *p)
{
	if (!p->l)
		return;
	loop_fd_del(p->l, p->fd);
	loop_timer_stop(p->l, &p->due);
	loop_hook_del(p->l, poller_rearm, p);
	p->l = NULL;
}

size_t loop_fd_count(const struct loop *l)
{
	return l->nfds;
}

size_t loop_timer_count(const struct loop *l)
{
	return l->nheap;
}

/* Runs the timers due by now; one that re-arms itself for now or earlier
 * runs again next turn, not in a loop here. */
static void run_timers(struct loop *l, int64_t now)
{
	size_t n = l->nheap;
	while (n-- > 0 && l->nheap && l->heap[0]->at_ms <= now) {
		struct loop_timer *t = l->heap[0];
		loop_timer_stop(l, t);
		t->fn(t->arg);
	}
}

int loop_turn(struct loop *l, int max_wait_ms)
{
	int64_t wait = max_wait_ms < 0 ? 0 : max_wait_ms;
	if (l->nheap) {
		int64_t due = l->heap[0]->at_ms - mono_ms();
		if (due < wait)
			wait = due < 0 ? 0 : due;
	}
	struct epoll_event ev[32];
	int n = epoll_wait(l->ep, ev, 32, (int)wait);
	if (n < 0 && errno != EINTR)
		return -1;
	for (int i = 0; i < n; i++) {
		int fd = (int)(uint32_t)ev[i].data.u64;
		uint32_t gen = (uint32_t)(ev[i].data.u64 >> 32);
		if ((size_t)fd >= l->nw || !l->w[fd].fn || l->w[fd].gen != gen)
			continue;	/* removed by an earlier callback of this turn */
		uint32_t e = ev[i].events, got = 0;
		if (e & (EPOLLERR | EPOLLHUP))
			got = LOOP_READ | LOOP_WRITE;
		got |= (e & EPOLLIN ? LOOP_READ : 0) | (e & EPOLLOUT ? LOOP_WRITE : 0);
		l->w[fd].fn(l->w[fd].arg, fd, got & (l->w[fd].events | LOOP_READ));
	}
	run_timers(l, mono_ms());
	for (size_t i = 0; i < l->nhooks; i++)
		l->hooks[i].fn(l->hooks[i].arg);
	return 0;
}
