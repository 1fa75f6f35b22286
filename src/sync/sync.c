/* The partner pull: a parser for the change feed, and one thread that
 * polls the feed with libcurl and queues batches for the main thread.
 *
 * Threads: the sync thread owns the curl handles and struct feed; the
 * queue, the log ring and the status are shared under mu; the main
 * thread only takes batches.  Every wait of the sync thread is a
 * curl_multi_poll(), which curl_multi_wakeup() interrupts, so sync_stop()
 * never waits for a timeout. */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/capability.h>
#include <sys/syscall.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <curl/curl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>
#include "http/api.h"
#include "common/clock.h"
#include "common/log.h"
#include "common/loop.h"
#include "proto/options.h"
#include "sync/sync.h"
#include "common/text.h"
#include "core/record.h"

#define JSON_DEPTH 8		/* reply > leases > lease > value, with room */
#define QUEUE_MAX 16		/* batches waiting before the thread pauses */
#define LOG_RING 8		/* state-change lines waiting for sync_take() */
#define LOG_LINE 240
#define LOG_RATE (10.0 / 60)	/* state-change lines per second, sustained */
#define LOG_BURST 10.0
#define FEED_PATH "/api/v1/changes"

/* ---- the parser ---- */

static int failf(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int failf(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (err && errlen)
		vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}


static json_object *field(json_object *o, const char *key)
{
	json_object *v;
	return json_object_object_get_ex(o, key, &v) ? v : NULL;
}

static bool get_u64(json_object *o, const char *key, uint64_t *out)
{
	json_object *v = field(o, key);
	if (!v || !json_object_is_type(v, json_type_int) || json_object_get_int64(v) < 0)
		return false;
	*out = json_object_get_uint64(v);
	return true;
}

/* A lease address: unicast, not 0/8, loopback or class D/E. */
static bool unicast(uint32_t addr)
{
	return addr >> 24 != 0 && addr >> 24 != 127 && addr < 0xe0000000u;
}

/* One lease object: the record's fields through the field table
 * (core/record.h; keys it does not know are ignored), and the partner's
 * change number.  Returns 1 to keep it, 0 to skip it (origin "partner":
 * our own lease echoed back), -1 on error; on error and skip l holds
 * nothing to free beyond what sync_batch_clear() frees. */
static int parse_lease(json_object *o, struct lease *l, char *err, size_t errlen)
{
	if (!json_object_is_type(o, json_type_object))
		return failf(err, errlen, "not an object");
	*l = (struct lease){ .heap_idx = UINT32_MAX, .pool = -1 };
	if (record_json_read(o, &l->rec, err, errlen) < 0)
		return -1;
	if (!unicast(l->addr))
		return failf(err, errlen, "addr: want a unicast dotted IPv4 address");
	if (!get_u64(o, "seq", &l->seq))
		return failf(err, errlen, "seq: want an unsigned integer");
	if (l->flags & LEASE_F_PARTNER)
		return 0;
	l->flags = LEASE_F_PARTNER;	/* the partner's own lease, kept as such */
	return 1;
}

static void lease_clear(struct lease *l)
{
	record_clear(&l->rec);
}

static int parse_leases(json_object *a, struct sync_batch *out, char *err, size_t errlen)
{
	size_t n = json_object_array_length(a);
	if (n > SYNC_LEASES_MAX)
		return failf(err, errlen, "more than %d leases", SYNC_LEASES_MAX);
	if (n && !(out->leases = calloc(n, sizeof *out->leases)))
		return failf(err, errlen, "out of memory");
	for (size_t i = 0; i < n; i++) {
		char why[128];
		struct lease *l = &out->leases[out->n];
		int r = parse_lease(json_object_array_get_idx(a, i), l, why, sizeof why);
		if (r < 0) {
			lease_clear(l);
			return failf(err, errlen, "lease %zu: %s", i, why);
		}
		if (r == 0)
			lease_clear(l);
		else
			out->n++;
	}
	return 0;
}

static int parse_root(json_object *root, struct sync_batch *out, uint64_t *next, bool *more,
		      uint64_t *seq, char *err, size_t errlen)
{
	json_object *v;
	if (!json_object_is_type(root, json_type_object))
		return failf(err, errlen, "not a JSON object");
	if (!get_u64(root, "epoch", &out->epoch) || !get_u64(root, "seq", seq) ||
	    !get_u64(root, "next", next))
		return failf(err, errlen, "epoch, seq, next: want unsigned integers");
	if (!(v = field(root, "more")) || !json_object_is_type(v, json_type_boolean))
		return failf(err, errlen, "more: want a boolean");
	*more = json_object_get_boolean(v);
	if (!(v = field(root, "leases")) || !json_object_is_type(v, json_type_array))
		return failf(err, errlen, "leases: want an array");
	size_t n = json_object_array_length(v);
	if (*more && n == 0)
		return failf(err, errlen, "more is true but no leases came");
	/* With no leases next echoes since, which may be past seq (the
	 * caller then resyncs); with leases it is one of theirs. */
	if (n && *next > *seq)
		return failf(err, errlen, "next %" PRIu64 " is past seq %" PRIu64, *next, *seq);
	out->seq = *next;
	return parse_leases(v, out, err, errlen);
}

int sync_parse_changes(const char *json, size_t len, struct sync_batch *out,
		       uint64_t *next, bool *more, uint64_t *seq, char *err, size_t errlen)
{
	*out = (struct sync_batch){ 0 };
	*next = *seq = 0;
	*more = false;
	if (len > SYNC_REPLY_MAX)
		return failf(err, errlen, "reply longer than %u bytes", SYNC_REPLY_MAX);
	json_tokener *tok = json_tokener_new_ex(JSON_DEPTH);
	if (!tok)
		return failf(err, errlen, "out of memory");
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	/* Strict mode refuses bytes after the value, but a NUL ends the
	 * parse quietly: hence the check of the parse end too. */
	json_object *root = json_tokener_parse_ex(tok, json, (int)len);
	enum json_tokener_error je = json_tokener_get_error(tok);
	size_t end = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	int r;
	if (je != json_tokener_success)
		r = failf(err, errlen, "bad JSON: %s", je == json_tokener_continue ?
			  "truncated" : json_tokener_error_desc(je));
	else if (end != len)
		r = failf(err, errlen, "bad JSON: bytes after the object");
	else
		r = parse_root(root, out, next, more, seq, err, errlen);
	json_object_put(root);
	if (r < 0) {
		sync_batch_clear(out);
		*next = *seq = 0;
		*more = false;
	}
	return r;
}

void sync_batch_clear(struct sync_batch *b)
{
	if (!b)
		return;
	for (size_t i = 0; i < b->n; i++)
		lease_clear(&b->leases[i]);
	free(b->leases);
	b->leases = NULL;
	b->n = 0;
}

void sync_batch_free(struct sync_batch *b)
{
	sync_batch_clear(b);
	free(b);
}

/* ---- the partner's address ---- */

static bool host_ok(const char *h, size_t n)
{
	if (n == 0 || n > SYNC_HOST_MAX || h[0] == '-' || h[0] == '.')
		return false;
	bool numeric = true;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)h[i];
		if (!(c >= 'a' && c <= 'z') && !(c >= 'A' && c <= 'Z') &&
		    !(c >= '0' && c <= '9') && c != '-' && c != '.' && c != '_')
			return false;
		if (!(c >= '0' && c <= '9') && c != '.')
			numeric = false;
	}
	/* All digits and dots: must be a whole dotted quad, not "10.1"
	 * that the resolver would read as 10.0.0.1. */
	uint32_t a;
	return !numeric || text_ip4_parse(h, n, &a);
}

int sync_parse_partner(const char *partner, char *host, size_t hostcap, uint16_t *port,
		       char *err, size_t errlen)
{
	const char *colon = strrchr(partner, ':');
	size_t hn = colon ? (size_t)(colon - partner) : strlen(partner);
	*port = SYNC_PORT_DEFAULT;
	if (!host_ok(partner, hn) || hn >= hostcap)
		return failf(err, errlen, "SyncServer \"%.64s\": want host:port, host a name "
			     "or a dotted IPv4 address", partner);
	if (colon) {
		const char *p = colon + 1;
		unsigned long v = 0;
		size_t digits = strspn(p, "0123456789");
		if (digits == 0 || digits > 5 || p[digits] ||
		    (v = strtoul(p, NULL, 10)) == 0 || v > 65535)
			return failf(err, errlen, "SyncServer \"%.64s\": port: want 1-65535",
				     partner);
		*port = (uint16_t)v;
	}
	memcpy(host, partner, hn);
	host[hn] = 0;
	return 0;
}

/* ---- the puller ---- */

struct body {
	char *p;
	size_t len, cap;
	bool overflow;
};

/* Where the thread is in the partner's feed. */
struct feed {
	bool have_epoch;
	uint64_t epoch;
	uint64_t since;
	bool full;		/* a full resync is under way */
	bool full_started;	/* its first batch went out */
	uint32_t backoff_ms;	/* 0 after a good pull */
	uint64_t failures;	/* pulls failed since the last good one */
};

struct sync {
	/* Set by sync_start(), read-only afterwards. */
	struct sync_opts o;
	char partner[SYNC_HOST_MAX + 8];	/* host:port */
	char url[SYNC_HOST_MAX + 32];		/* http://host:port/api/v1/changes */
	int efd;
	CURLM *multi;
	CURL *easy;
	pthread_t thread;
	bool started;
	atomic_bool stop;
	struct loop *lp;		/* set by sync_attach() */
	size_t (*apply)(void *arg, const struct sync_batch *b, size_t from);
	void *apply_arg;
	struct sync_batch *cur;		/* taken, applied up to cur_at (main thread) */
	size_t cur_at;
	bool paused;			/* the daemon has not taken all of cur */

	pthread_mutex_t mu;		/* guards what follows */
	struct sync_batch *head, *tail;
	size_t queued;
	bool want_space;		/* the thread waits for the queue to drain */
	char logs[LOG_RING][LOG_LINE];
	int log_lvl[LOG_RING];
	size_t nlogs;
	struct log_limit log_lim;	/* a partner that flaps must not flood the log */
	struct sync_status st;

	/* The sync thread's own. */
	struct feed f;
	struct body body;
	char errbuf[CURL_ERROR_SIZE];
};

static bool stopping(struct sync *s)
{
	return atomic_load(&s->stop);
}

/* Makes sync_fd() readable; called with mu held. */
static void signal_main(struct sync *s)
{
	uint64_t one = 1;
	ssize_t r = write(s->efd, &one, sizeof one);
	(void)r;	/* EAGAIN: the counter is already non-zero */
}

/* Queues a log line for the main thread; called with mu held.  When the
 * ring is full the oldest line goes: these are state changes, and the
 * status holds the current one anyway. */
static void note_locked(struct sync *s, int lvl, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void note_locked(struct sync *s, int lvl, const char *fmt, ...)
{
	if (!log_allow(&s->log_lim, mono_ms(), LOG_RATE, LOG_BURST))
		return;
	if (s->nlogs == LOG_RING) {
		memmove(s->logs[0], s->logs[1], sizeof s->logs[0] * (LOG_RING - 1));
		memmove(&s->log_lvl[0], &s->log_lvl[1], sizeof s->log_lvl[0] * (LOG_RING - 1));
		s->nlogs--;
	}
	char *line = s->logs[s->nlogs];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(line, LOG_LINE, fmt, ap);
	va_end(ap);
	if (s->log_lim.suppressed && n >= 0 && n < LOG_LINE)
		snprintf(line + n, (size_t)(LOG_LINE - n), " (%" PRIu64 " earlier lines suppressed)",
			 s->log_lim.suppressed);
	s->log_lim.suppressed = 0;
	s->log_lvl[s->nlogs++] = lvl;
	signal_main(s);
}

static void set_error(struct sync *s, const char *msg)
{
	pthread_mutex_lock(&s->mu);
	snprintf(s->st.last_error, sizeof s->st.last_error, "%s", msg);
	if (strcmp(s->st.state, "error") != 0)
		note_locked(s, LOG_LVL_WARN, "sync: partner %s: %s; retrying with backoff",
			    s->partner, msg);
	snprintf(s->st.state, sizeof s->st.state, "error");
	pthread_mutex_unlock(&s->mu);
	s->f.failures++;
	uint32_t max = s->o.backoff_max_ms;
	s->f.backoff_ms = s->f.backoff_ms == 0 ? s->o.backoff_min_ms :
			  s->f.backoff_ms > max / 2 ? max : s->f.backoff_ms * 2;
}

static void set_ok(struct sync *s)
{
	pthread_mutex_lock(&s->mu);
	if (strcmp(s->st.state, "error") == 0)
		note_locked(s, LOG_LVL_INFO, "sync: partner %s is back after %" PRIu64
			    " failed pulls", s->partner, s->f.failures);
	else if (strcmp(s->st.state, "ok") != 0)
		note_locked(s, LOG_LVL_INFO, "sync: pulling from partner %s epoch=%" PRIu64,
			    s->partner, s->f.epoch);
	snprintf(s->st.state, sizeof s->st.state, "ok");
	s->st.last_ok = (int64_t)time(NULL);
	s->st.partner_epoch = s->f.epoch;
	s->st.partner_seq = s->f.since;
	pthread_mutex_unlock(&s->mu);
	s->f.failures = 0;
	s->f.backoff_ms = 0;
}

/* Starts again from since=0; reason NULL for the first read. */
static void begin_full(struct sync *s, const char *reason)
{
	s->f.since = 0;
	s->f.full = true;
	s->f.full_started = false;
	pthread_mutex_lock(&s->mu);
	s->st.full_resyncs++;
	if (reason)
		note_locked(s, LOG_LVL_INFO, "sync: full resync from partner %s: %s",
			    s->partner, reason);
	pthread_mutex_unlock(&s->mu);
}

static void enqueue(struct sync *s, struct sync_batch *b)
{
	pthread_mutex_lock(&s->mu);
	if (s->tail)
		s->tail->next_ = b;
	else
		s->head = b;
	s->tail = b;
	s->queued++;
	signal_main(s);
	pthread_mutex_unlock(&s->mu);
}

/* Sleeps ms or until sync_stop(). */
static void nap(struct sync *s, uint32_t ms)
{
	int64_t until = mono_ms() + ms;
	for (int64_t left = ms; left > 0 && !stopping(s); left = until - mono_ms())
		curl_multi_poll(s->multi, NULL, 0, (int)left, NULL);
}

/* Waits until the main thread has room for another batch: a stuck main
 * loop must not make this thread pile up memory.  False on stop. */
static bool wait_room(struct sync *s)
{
	pthread_mutex_lock(&s->mu);
	while (s->queued >= QUEUE_MAX && !stopping(s)) {
		s->want_space = true;
		pthread_mutex_unlock(&s->mu);
		curl_multi_poll(s->multi, NULL, 0, 1000, NULL);
		pthread_mutex_lock(&s->mu);
	}
	s->want_space = false;
	pthread_mutex_unlock(&s->mu);
	return !stopping(s);
}

static size_t on_body(char *p, size_t size, size_t n, void *arg)
{
	struct body *b = arg;
	size_t len = size * n;
	if (len > SYNC_REPLY_MAX - b->len) {
		b->overflow = true;
		return 0;
	}
	if (b->len + len + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 16384;
		while (cap < b->len + len + 1)
			cap *= 2;
		char *q = realloc(b->p, cap);
		if (!q)
			return 0;
		b->p = q;
		b->cap = cap;
	}
	memcpy(b->p + b->len, p, len);
	b->len += len;
	b->p[b->len] = 0;
	return len;
}

/* One GET of url into s->body; the curl result, *status the HTTP code. */
static CURLcode fetch(struct sync *s, const char *url, long *status)
{
	CURLcode rc = CURLE_OK;
	int running = 1;
	s->body.len = 0;
	s->body.overflow = false;
	s->errbuf[0] = 0;
	*status = 0;
	curl_easy_setopt(s->easy, CURLOPT_URL, url);
	if (curl_multi_add_handle(s->multi, s->easy) != CURLM_OK)
		return CURLE_OUT_OF_MEMORY;
	while (!stopping(s)) {
		if (curl_multi_perform(s->multi, &running) != CURLM_OK) {
			rc = CURLE_OUT_OF_MEMORY;
			break;
		}
		if (!running)
			break;
		curl_multi_poll(s->multi, NULL, 0, 1000, NULL);
	}
	if (running) {
		rc = CURLE_ABORTED_BY_CALLBACK;
	} else {
		CURLMsg *m;
		int left;
		while ((m = curl_multi_info_read(s->multi, &left)))
			if (m->msg == CURLMSG_DONE)
				rc = m->data.result;
	}
	curl_easy_getinfo(s->easy, CURLINFO_RESPONSE_CODE, status);
	curl_multi_remove_handle(s->multi, s->easy);
	return rc;
}

enum pull { PULL_IDLE, PULL_MORE, PULL_ERROR };

/* Takes the reply: the feed position and status move first, then the
 * batch goes to the main thread, so whoever sees a batch sees a status
 * at least as new.  An empty incremental batch is not sent; those of a
 * full resync always are, for their start and end marks. */
static int deliver(struct sync *s, struct sync_batch *r, uint64_t next, bool more)
{
	r->full_start = s->f.full && !s->f.full_started;
	r->full_end = s->f.full && !more;
	struct sync_batch *b = NULL;
	if (r->n || r->full_start || r->full_end) {
		if (!(b = malloc(sizeof *b)))
			return -1;
		*b = *r;
		*r = (struct sync_batch){ 0 };
	}
	if (s->f.full)
		s->f.full_started = true;
	if (b && b->full_end)
		s->f.full = false;
	s->f.since = next;
	set_ok(s);
	if (b)
		enqueue(s, b);
	return 0;
}

/* Reads the feed after a good HTTP 200: decides between taking the
 * reply and starting a full resync. */
static enum pull take_reply(struct sync *s)
{
	struct sync_batch r;
	uint64_t next, seq;
	bool more;
	char why[160], msg[200];
	if (sync_parse_changes(s->body.p, s->body.len, &r, &next, &more, &seq, why,
			       sizeof why) < 0) {
		snprintf(msg, sizeof msg, "bad reply: %s", why);
		set_error(s, msg);
		return PULL_ERROR;
	}
	enum pull ret = more ? PULL_MORE : PULL_IDLE;
	if (!s->f.have_epoch || r.epoch != s->f.epoch) {
		/* A new epoch: the partner restarted and its numbers start
		 * over.  A reply from since=0 is already the start of the
		 * full read; any other must be asked again. */
		bool first = !s->f.have_epoch;
		s->f.have_epoch = true;
		s->f.epoch = r.epoch;
		if (s->f.since != 0) {
			begin_full(s, "partner restarted");
			sync_batch_clear(&r);
			return PULL_MORE;
		}
		if (!s->f.full && !first)
			begin_full(s, "partner restarted");
	}
	if (s->f.since > seq) {
		begin_full(s, "partner's feed is behind ours");
		sync_batch_clear(&r);
		return PULL_MORE;
	}
	if (next < s->f.since) {
		sync_batch_clear(&r);
		set_error(s, "bad reply: next is before since");
		return PULL_ERROR;
	}
	if (deliver(s, &r, next, more) < 0) {
		sync_batch_clear(&r);
		set_error(s, "out of memory");
		return PULL_ERROR;
	}
	return ret;
}

static enum pull pull(struct sync *s)
{
	char url[sizeof s->url + 64], msg[200];
	long status;
	snprintf(url, sizeof url, "%s?since=%" PRIu64 "&limit=%" PRIu32, s->url, s->f.since,
		 s->o.limit);
	CURLcode rc = fetch(s, url, &status);
	if (stopping(s))
		return PULL_ERROR;
	if (rc != CURLE_OK) {
		snprintf(msg, sizeof msg, "%.150s", s->body.overflow ? "reply too large" :
			 s->errbuf[0] ? s->errbuf : curl_easy_strerror(rc));
		set_error(s, msg);
		return PULL_ERROR;
	}
	if (status == 410 && s->f.since != 0) {
		begin_full(s, "feed no longer reaches our position (HTTP 410)");
		return PULL_MORE;
	}
	if (status != 200) {
		snprintf(msg, sizeof msg, "HTTP %ld from %s", status, FEED_PATH);
		set_error(s, msg);
		return PULL_ERROR;
	}
	return take_reply(s);
}

/* The pull thread parses what the partner sends: it needs no
 * capability at all, so it gives up its own (capabilities are per
 * thread; the loop thread keeps CAP_NET_ADMIN and CAP_NET_RAW). */
static void drop_thread_caps(void)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
	struct __user_cap_data_struct none[_LINUX_CAPABILITY_U32S_3];
	memset(none, 0, sizeof none);
	if (syscall(SYS_capset, &h, none) < 0)
		log_warn("sync: cannot drop the pull thread's capabilities: %s", strerror(errno));
}

static void *run(void *arg)
{
	struct sync *s = arg;
	drop_thread_caps();
	begin_full(s, NULL);
	while (wait_room(s)) {
		switch (pull(s)) {
		case PULL_MORE:
			break;
		case PULL_IDLE:
			nap(s, s->o.poll_ms);
			break;
		case PULL_ERROR:
			nap(s, s->f.backoff_ms);
			break;
		}
	}
	return NULL;
}

/* ---- the main thread's side ---- */

static void opts_default(struct sync_opts *o, const struct sync_opts *in)
{
	*o = in ? *in : (struct sync_opts){ 0 };
	if (!o->poll_ms)
		o->poll_ms = 1000;
	if (!o->backoff_min_ms)
		o->backoff_min_ms = 500;
	if (!o->backoff_max_ms)
		o->backoff_max_ms = 30000;
	if (o->backoff_max_ms < o->backoff_min_ms)
		o->backoff_max_ms = o->backoff_min_ms;
	if (!o->connect_timeout_ms)
		o->connect_timeout_ms = 1000;
	if (!o->timeout_ms)
		o->timeout_ms = 3000;
	if (!o->limit)
		o->limit = 1000;
}

static int easy_setup(struct sync *s)
{
	CURL *e = s->easy;
	int bad = 0;
	bad |= curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	bad |= curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http");
	bad |= curl_easy_setopt(e, CURLOPT_PROXY, "");	/* never an http_proxy from the environment */
	bad |= curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)s->o.connect_timeout_ms);
	bad |= curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)s->o.timeout_ms);
	bad |= curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)SYNC_REPLY_MAX);
	bad |= curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	bad |= curl_easy_setopt(e, CURLOPT_WRITEDATA, &s->body);
	bad |= curl_easy_setopt(e, CURLOPT_ERRORBUFFER, s->errbuf);
	bad |= curl_easy_setopt(e, CURLOPT_USERAGENT, "duodhcpd-sync");
	bad |= curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
	/* Do not wait for a resolver thread stuck in getaddrinfo() when a
	 * request is cut short (stop, timeout): detach it. */
	curl_easy_setopt(e, CURLOPT_QUICK_EXIT, 1L);
	return bad ? -1 : 0;
}

static void sync_free(struct sync *s)
{
	struct sync_batch *b, *n;
	sync_batch_free(s->cur);
	for (b = s->head; b; b = n) {
		n = b->next_;
		sync_batch_free(b);
	}
	if (s->easy)
		curl_easy_cleanup(s->easy);
	if (s->multi)
		curl_multi_cleanup(s->multi);
	curl_global_cleanup();
	if (s->efd >= 0)
		close(s->efd);
	free(s->body.p);
	pthread_mutex_destroy(&s->mu);
	free(s);
}

/* The thread gets every signal blocked: they belong to the main loop. */
static int spawn(struct sync *s)
{
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	int r = pthread_create(&s->thread, NULL, run, s);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return r;
}

struct sync *sync_start(const char *partner, const struct sync_opts *opts,
			char *err, size_t errlen)
{
	char host[SYNC_HOST_MAX + 1];
	uint16_t port;
	if (sync_parse_partner(partner, host, sizeof host, &port, err, errlen) < 0)
		return NULL;
	struct sync *s = calloc(1, sizeof *s);
	if (!s) {
		failf(err, errlen, "out of memory");
		return NULL;
	}
	s->efd = -1;
	pthread_mutex_init(&s->mu, NULL);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	opts_default(&s->o, opts);
	snprintf(s->partner, sizeof s->partner, "%s:%u", host, port);
	snprintf(s->url, sizeof s->url, "http://%s:%u" FEED_PATH, host, port);
	s->st.enabled = true;
	snprintf(s->st.partner, sizeof s->st.partner, "%.*s", (int)sizeof s->st.partner - 1,
		 s->partner);
	snprintf(s->st.state, sizeof s->st.state, "connecting");
	if ((s->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) < 0) {
		failf(err, errlen, "sync: eventfd: %s", strerror(errno));
		goto fail;
	}
	if (!(s->multi = curl_multi_init()) || !(s->easy = curl_easy_init()) ||
	    easy_setup(s) < 0) {
		failf(err, errlen, "sync: cannot set up libcurl");
		goto fail;
	}
	int r = spawn(s);
	if (r != 0) {
		failf(err, errlen, "sync: pthread_create: %s", strerror(r));
		goto fail;
	}
	s->started = true;
	return s;
fail:
	sync_free(s);
	return NULL;
}

int sync_fd(const struct sync *s)
{
	return s->efd;
}

struct sync_batch *sync_take(struct sync *s)
{
	char logs[LOG_RING][LOG_LINE];
	int lvl[LOG_RING];
	pthread_mutex_lock(&s->mu);
	size_t nlogs = s->nlogs;
	memcpy(logs, s->logs, sizeof logs[0] * nlogs);
	memcpy(lvl, s->log_lvl, sizeof lvl[0] * nlogs);
	s->nlogs = 0;
	struct sync_batch *b = s->head;
	if (b) {
		s->head = b->next_;
		if (!s->head)
			s->tail = NULL;
		s->queued--;
		b->next_ = NULL;
	}
	if (!s->head) {
		uint64_t v;
		ssize_t rr = read(s->efd, &v, sizeof v);	/* reset under mu: no lost wakeup */
		(void)rr;
	}
	bool wake = s->want_space && s->queued < QUEUE_MAX;
	pthread_mutex_unlock(&s->mu);
	if (wake)
		curl_multi_wakeup(s->multi);
	for (size_t i = 0; i < nlogs && s->o.log; i++)
		s->o.log(s->o.log_arg, lvl[i], logs[i]);
	return b;
}

void sync_status_get(struct sync *s, struct sync_status *out)
{
	pthread_mutex_lock(&s->mu);
	*out = s->st;
	pthread_mutex_unlock(&s->mu);
	out->leases = 0;
}

/* Batches in order, each as far as the daemon takes it: when it stops
 * short, the eventfd is left unwatched (it stays readable) until
 * sync_resume().  Meanwhile the queue fills and the thread waits. */
static void on_ready(void *arg, int fd, uint32_t events)
{
	struct sync *s = arg;
	(void)fd, (void)events;
	while (s->cur || (s->cur = sync_take(s)) != NULL) {
		s->cur_at = s->apply(s->apply_arg, s->cur, s->cur_at);
		if (s->cur_at < s->cur->n) {
			if (!s->paused && loop_fd_mod(s->lp, s->efd, 0) == 0)
				s->paused = true;
			return;
		}
		sync_batch_free(s->cur);
		s->cur = NULL;
		s->cur_at = 0;
	}
}

void sync_resume(struct sync *s)
{
	if (!s || !s->lp)
		return;
	if (s->paused && loop_fd_mod(s->lp, s->efd, LOOP_READ) == 0)
		s->paused = false;
	on_ready(s, s->efd, 0);
}

int sync_attach(struct sync *s, struct loop *lp,
		size_t (*apply)(void *arg, const struct sync_batch *b, size_t from), void *arg)
{
	s->apply = apply;
	s->apply_arg = arg;
	if (loop_fd_add(lp, s->efd, LOOP_READ, on_ready, s) < 0)
		return -1;
	s->lp = lp;
	return 0;
}

void sync_stop(struct sync *s)
{
	if (!s)
		return;
	if (s->lp)
		loop_fd_del(s->lp, s->efd);
	atomic_store(&s->stop, true);
	if (s->started) {
		curl_multi_wakeup(s->multi);
		pthread_join(s->thread, NULL);
	}
	sync_free(s);
}
