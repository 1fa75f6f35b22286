/* The event loop: fds with read and write interest, removal from inside
 * a callback, timers in deadline order, moved, stopped and re-armed, and
 * hooks after every turn. */
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>
#include "common/clock.h"
#include "common/loop.h"
#include "t.h"

struct rec {
	char log[64];
	size_t n;
	struct loop *l;
	int other_fd;
};

static void note(struct rec *r, char c)
{
	if (r->n + 1 < sizeof r->log)
		r->log[r->n++] = c, r->log[r->n] = 0;
}

static void on_read(void *arg, int fd, uint32_t ev)
{
	struct rec *r = arg;
	char buf[16];
	if (ev & LOOP_READ && read(fd, buf, sizeof buf) > 0)
		note(r, 'r');
}

static void on_write(void *arg, int fd, uint32_t ev)
{
	struct rec *r = arg;
	if (ev & LOOP_WRITE) {
		note(r, 'w');
		loop_fd_mod(r->l, fd, LOOP_READ);	/* written: back to reading */
	}
	if (ev & LOOP_READ)
		on_read(arg, fd, ev);
}

/* Removes the other fd: its event of this turn must not be delivered. */
static void on_read_remove_other(void *arg, int fd, uint32_t ev)
{
	struct rec *r = arg;
	on_read(arg, fd, ev);
	loop_fd_del(r->l, r->other_fd);
	note(r, 'x');
}

TEST(read_and_write_interest)
{
	struct loop *l = loop_new();
	struct rec r = { .l = l };
	int sp[2];
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sp) == 0);
	CHECK_EQ(loop_fd_add(l, sp[0], LOOP_READ | LOOP_WRITE, on_write, &r), 0);
	CHECK_EQ(loop_fd_add(l, sp[0], LOOP_READ, on_read, &r), -1);	/* once per fd */
	CHECK_EQ(loop_turn(l, 100), 0);
	CHECK_STR(r.log, "w");			/* writable at once */
	CHECK_EQ(loop_turn(l, 0), 0);
	CHECK_STR(r.log, "w");			/* write interest dropped */
	CHECK(write(sp[1], "x", 1) == 1);
	CHECK_EQ(loop_turn(l, 100), 0);
	CHECK_STR(r.log, "wr");
	loop_fd_del(l, sp[0]);
	CHECK(write(sp[1], "x", 1) == 1);
	CHECK_EQ(loop_turn(l, 0), 0);
	CHECK_STR(r.log, "wr");			/* no longer watched */
	CHECK_EQ(loop_fd_count(l), 0);
	close(sp[0]), close(sp[1]);
	loop_free(l);
}

TEST(removal_inside_a_callback)
{
	struct loop *l = loop_new();
	struct rec r = { .l = l };
	int a[2], b[2];
	CHECK(pipe(a) == 0 && pipe(b) == 0);
	r.other_fd = b[0];
	CHECK_EQ(loop_fd_add(l, a[0], LOOP_READ, on_read_remove_other, &r), 0);
	CHECK_EQ(loop_fd_add(l, b[0], LOOP_READ, on_read, &r), 0);
	CHECK(write(a[1], "1", 1) == 1 && write(b[1], "2", 1) == 1);
	CHECK_EQ(loop_turn(l, 100), 0);
	/* Whichever came first: b's read happened before the removal, or
	 * never; never after it. */
	CHECK(strcmp(r.log, "rx") == 0 || strcmp(r.log, "rrx") == 0);
	CHECK(r.log[r.n - 1] == 'x');
	CHECK_EQ(loop_fd_count(l), 1);
	close(a[0]), close(a[1]), close(b[0]), close(b[1]);
	loop_free(l);
}

struct tick {
	struct loop *l;
	struct loop_timer t;
	struct rec *r;
	char c;
	int again;		/* re-arm this many more times */
};

static void on_tick(void *arg)
{
	struct tick *k = arg;
	note(k->r, k->c);
	if (k->again-- > 0)
		loop_timer_in(k->l, &k->t, 1);
}

TEST(timers_fire_in_deadline_order)
{
	struct loop *l = loop_new();
	struct rec r = { .l = l };
	struct tick k[5];
	const char names[] = "abcde";
	int64_t now = mono_ms();
	int64_t at[] = { 30, 10, 20, 5, 40 };
	for (int i = 0; i < 5; i++) {
		k[i] = (struct tick){ .l = l, .r = &r, .c = names[i] };
		loop_timer_init(&k[i].t, on_tick, &k[i]);
		loop_timer_at(l, &k[i].t, now + at[i]);
	}
	loop_timer_stop(l, &k[4].t);			/* e never fires */
	loop_timer_at(l, &k[0].t, now + 1);		/* a moves first */
	CHECK(!loop_timer_armed(&k[4].t) && loop_timer_armed(&k[0].t));
	CHECK_EQ(loop_timer_count(l), 4);
	int64_t end = now + 2000;
	while (loop_timer_count(l) && mono_ms() < end)
		loop_turn(l, 50);
	CHECK_STR(r.log, "adbc");
	loop_free(l);
}

TEST(a_timer_rearms_itself)
{
	struct loop *l = loop_new();
	struct rec r = { .l = l };
	struct tick k = { .l = l, .r = &r, .c = 't', .again = 3 };
	loop_timer_init(&k.t, on_tick, &k);
	loop_timer_in(l, &k.t, 0);
	loop_turn(l, 0);
	CHECK_STR(r.log, "t");		/* once per turn, not a busy loop here */
	int64_t end = mono_ms() + 2000;
	while (loop_timer_count(l) && mono_ms() < end)
		loop_turn(l, 50);
	CHECK_STR(r.log, "tttt");
	loop_timer_in(l, &k.t, -1);
	CHECK(!loop_timer_armed(&k.t));
	loop_free(l);
}

/* Many timers in random order, half stopped: the rest fire sorted. */
static int64_t fired[1000];
static size_t nfired;
struct rt {
	struct loop_timer t;
	int64_t at;
};

static void on_rt(void *arg)
{
	fired[nfired++] = ((struct rt *)arg)->at;
}

TEST(heap_under_churn)
{
	struct loop *l = loop_new();
	static struct rt v[1000];
	int64_t base = mono_ms() - 10000;	/* all due */
	srand(7);
	for (int i = 0; i < 1000; i++) {
		v[i].at = base + rand() % 5000;
		loop_timer_init(&v[i].t, on_rt, &v[i]);
		loop_timer_at(l, &v[i].t, v[i].at);
	}
	for (int i = 0; i < 1000; i += 2)
		loop_timer_stop(l, &v[i].t);
	for (int i = 1; i < 1000; i += 4) {	/* some moved */
		v[i].at = base + rand() % 5000;
		loop_timer_at(l, &v[i].t, v[i].at);
	}
	loop_turn(l, 0);
	CHECK_EQ(nfired, 500);
	int sorted = 1;
	for (size_t i = 1; i < nfired; i++)
		sorted &= fired[i - 1] <= fired[i];
	CHECK(sorted);
	CHECK_EQ(loop_timer_count(l), 0);
	loop_free(l);
}

static void hook_a(void *arg)
{
	note(arg, 'A');
}

static void hook_b(void *arg)
{
	note(arg, 'B');
}

TEST(hooks_run_after_every_turn)
{
	struct loop *l = loop_new();
	struct rec r = { .l = l };
	CHECK_EQ(loop_hook_add(l, hook_a, &r), 0);
	CHECK_EQ(loop_hook_add(l, hook_b, &r), 0);
	struct tick k = { .l = l, .r = &r, .c = 't' };
	loop_timer_init(&k.t, on_tick, &k);
	loop_timer_in(l, &k.t, 0);
	loop_turn(l, 0);
	loop_turn(l, 0);
	CHECK_STR(r.log, "tABAB");	/* timers first, then the hooks in order */
	loop_free(l);
}

T_RUN(T_CASE(read_and_write_interest), T_CASE(removal_inside_a_callback),
      T_CASE(timers_fire_in_deadline_order), T_CASE(a_timer_rearms_itself),
      T_CASE(heap_under_churn), T_CASE(hooks_run_after_every_turn))
