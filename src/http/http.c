/* Glue between libmicrohttpd and the API handlers.  MHD runs in its
 * external-epoll mode: no thread of its own; the daemon watches http_fd()
 * and calls http_run(), so every handler runs on the daemon's thread and
 * reads its state without locks.  All HTTP parsing is MHD's; only the
 * import endpoint takes a request body (at most API_BODY_MAX bytes). */
#include <arpa/inet.h>
#include <limits.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include "common/clock.h"
#include "http/http.h"
#include "common/log.h"

/* Connections: 64 in all, at most 8 from one address, and the last 16
 * only for the trusted (this host, the SyncServer partner, the failover
 * peer), so that strangers holding idle connections can lock neither the
 * partner's change feed nor duodhcpctl out.  Idle ones close after 10 s. */
#define HTTP_CONN_LIMIT 64
#define HTTP_CONN_PER_ADDR 8
#define HTTP_CONN_RESERVED 16
#define HTTP_TIMEOUT_SECS 10

/* The connections open from one address (IPv4 as ::ffff:a.b.c.d). */
struct peer {
	uint8_t addr[16];
	unsigned n;			/* 0: a free slot */
	bool trusted;
};

struct http {
	struct loop_poller poll;	/* while attached */
	struct MHD_Daemon *d;
	const struct api_ctx *(*get_ctx)(void *arg);
	void *arg;
	char start_err[160];		/* MHD's last message while starting */
	bool started;
	struct log_limit limit;		/* MHD messages a client can trigger */
	uint32_t trusted[HTTP_TRUSTED_MAX];
	size_t ntrusted;
	struct peer peers[HTTP_CONN_LIMIT];	/* MHD never opens more */
	unsigned nopen, nstrangers;
	struct log_limit refuse_limit;
};

static const char csp[] =
	"default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
	"connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/* MHD's messages: kept for http_start's error while starting, then
 * logged, rate-limited since clients can cause them. */
static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	struct http *h = cls;
	char msg[sizeof h->start_err];
	vsnprintf(msg, sizeof msg, fmt, ap);
	msg[strcspn(msg, "\r\n")] = 0;
	if (!h->started) {
		memcpy(h->start_err, msg, sizeof msg);
		return;
	}
	if (log_allow(&h->limit, mono_ms(), 1, 10))
		log_warn("http: %s", msg);
}

/* ---- query arguments ---- */

struct args {
	size_t n, cap;
	const char **keys, **values;
	bool oom;
};

static enum MHD_Result collect_arg(void *cls, enum MHD_ValueKind kind, const char *key,
				   const char *value)
{
	struct args *a = cls;
	(void)kind;
	if (a->n == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 8;
		const char **k = realloc(a->keys, cap * sizeof *k);
		if (k)
			a->keys = k;
		const char **v = k ? realloc(a->values, cap * sizeof *v) : NULL;
		if (!v) {
			a->oom = true;
			return MHD_NO;
		}
		a->values = v;
		a->cap = cap;
	}
	a->keys[a->n] = key;
	a->values[a->n++] = value;
	return MHD_YES;
}

/* The token of "Authorization: Bearer <token>" (RFC 6750 section 2.1),
 * or NULL. */
static const char *bearer_of(struct MHD_Connection *c)
{
	const char *v = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
						    MHD_HTTP_HEADER_AUTHORIZATION);
	if (!v || strncasecmp(v, "Bearer ", 7) != 0)
		return NULL;
	v += 7;
	v += strspn(v, " ");
	return *v ? v : NULL;
}

/* Whether the request announces a body. */
static bool has_body(struct MHD_Connection *c)
{
	const char *len = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
						      MHD_HTTP_HEADER_CONTENT_LENGTH);
	const char *te = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
						     MHD_HTTP_HEADER_TRANSFER_ENCODING);
	return te || (len && strcmp(len, "0") != 0);
}

/* A Content-Length over API_BODY_MAX (or unreadable) is refused before
 * the body is read; a chunked body is counted as it comes. */
static bool body_too_long(struct MHD_Connection *c)
{
	const char *len = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
						      MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (!len)
		return false;
	char *end;
	unsigned long long n = strtoull(len, &end, 10);
	return *end || end == len || n > API_BODY_MAX;
}

/* A request body being read (only for endpoints that take one). */
struct upload {
	char *p;
	size_t len;
	bool refused;		/* a refusal is queued: drop the rest */
};

/* ---- replies ---- */

static enum MHD_Result queue(struct MHD_Connection *c, struct MHD_Response *r, int status,
			     const char *type, const char *allow)
{
	if (!r)
		return MHD_NO;
	bool ok = MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type) == MHD_YES &&
		  MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store") == MHD_YES &&
		  MHD_add_response_header(r, "X-Content-Type-Options", "nosniff") == MHD_YES;
	if (ok && strncmp(type, "text/html", 9) == 0)
		ok = MHD_add_response_header(r, "Content-Security-Policy", csp) == MHD_YES;
	if (ok && allow)
		ok = MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, allow) == MHD_YES;
	if (ok && status == MHD_HTTP_UNAUTHORIZED)
		ok = MHD_add_response_header(r, MHD_HTTP_HEADER_WWW_AUTHENTICATE,
					     "Bearer realm=\"duodhcp\"") == MHD_YES;
	enum MHD_Result res = ok ? MHD_queue_response(c, (unsigned)status, r) : MHD_NO;
	MHD_destroy_response(r);
	return res;
}

/* A fixed JSON error for the cases answered before the API is asked. */
static enum MHD_Result queue_static(struct MHD_Connection *c, int status, const char *json)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(strlen(json), (void *)json,
								 MHD_RESPMEM_PERSISTENT);
	return queue(c, r, status, "application/json", NULL);
}

static enum MHD_Result queue_reply(struct MHD_Connection *c, struct api_reply *rep)
{
	if (!rep->body)
		return queue_static(c, 500, "{\"error\":\"out of memory\"}\n");
	struct MHD_Response *r = MHD_create_response_from_buffer(rep->len, rep->body,
								 MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(rep->body);
		return MHD_NO;
	}
	return queue(c, r, rep->status, rep->content_type, rep->allow);
}

static void args_free(struct args *a)
{
	free(a->keys);
	free(a->values);
}

/* Answers a request whose headers (and body, if any) are all here. */
static enum MHD_Result answer(struct http *h, struct MHD_Connection *c, const char *url,
			      const char *method, const struct upload *up)
{
	const struct api_ctx *ctx = h->get_ctx(h->arg);
	if (!ctx)
		return queue_static(c, 503, "{\"error\":\"not ready\"}\n");
	struct args a = { 0 };
	MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, collect_arg, &a);
	enum MHD_Result res;
	if (a.oom) {
		res = queue_static(c, 500, "{\"error\":\"out of memory\"}\n");
	} else {
		struct api_request req = {
			.method = method, .path = url, .nargs = a.n,
			.keys = a.keys, .values = a.values, .bearer = bearer_of(c),
			.body = up ? up->p : NULL, .body_len = up ? up->len : 0,
		};
		struct api_reply rep;
		api_handle(ctx, &req, &rep);
		res = queue_reply(c, &rep);
	}
	args_free(&a);
	return res;
}

/* The headers of a request with a body: refused at once unless the
 * endpoint takes one and the token is right, so that only the operator
 * makes us read (and hold) up to API_BODY_MAX bytes. */
static enum MHD_Result body_start(struct http *h, struct MHD_Connection *c, const char *url,
				  const char *method, void **con_cls)
{
	if (body_too_long(c))
		return queue_static(c, 413, "{\"error\":\"request body too long\"}\n");
	const struct api_ctx *ctx = h->get_ctx(h->arg);
	if (!ctx)
		return queue_static(c, 503, "{\"error\":\"not ready\"}\n");
	struct api_request req = { .method = method, .path = url, .bearer = bearer_of(c) };
	struct api_reply rep;
	if (!api_body_allowed(ctx, &req, &rep))
		return queue_reply(c, &rep);
	free(rep.body);
	struct upload *up = calloc(1, sizeof *up);
	if (!up)
		return queue_static(c, 500, "{\"error\":\"out of memory\"}\n");
	*con_cls = up;
	return MHD_YES;
}

static enum MHD_Result body_more(struct MHD_Connection *c, struct upload *up,
				 const char *data, size_t *size)
{
	if (up->refused)
		return MHD_NO;
	if (*size > API_BODY_MAX - up->len) {
		up->refused = true;
		return queue_static(c, 413, "{\"error\":\"request body too long\"}\n");
	}
	char *p = realloc(up->p, up->len + *size + 1);
	if (!p) {
		up->refused = true;
		return queue_static(c, 500, "{\"error\":\"out of memory\"}\n");
	}
	memcpy(p + up->len, data, *size);
	up->p = p;
	up->len += *size;
	*size = 0;
	return MHD_YES;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version,
				  const char *upload_data, size_t *upload_data_size,
				  void **con_cls)
{
	struct http *h = cls;
	struct upload *up = *con_cls;
	(void)version;
	if (up && *upload_data_size)
		return body_more(c, up, upload_data, upload_data_size);
	if (up)
		return up->refused ? MHD_NO : answer(h, c, url, method, up);
	/* Upload data without an upload can only follow a refusal queued
	 * with the headers. */
	if (*upload_data_size)
		return MHD_NO;
	if (has_body(c))
		return body_start(h, c, url, method, con_cls);
	return answer(h, c, url, method, NULL);
}

/* Frees a request's body, answered or cut off. */
static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct upload *up = *con_cls;
	(void)cls, (void)c, (void)toe;
	if (up) {
		free(up->p);
		free(up);
		*con_cls = NULL;
	}
}

/* ---- who may connect ---- */

/* The address as 16 bytes, IPv4 mapped into IPv6; false for other families. */
static bool addr_key(const struct sockaddr *sa, socklen_t len, uint8_t key[16])
{
	if (sa->sa_family == AF_INET && len >= (socklen_t)sizeof(struct sockaddr_in)) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
		static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };
		memcpy(key, mapped, sizeof mapped);
		memcpy(key + 12, &in->sin_addr, 4);
		return true;
	}
	if (sa->sa_family == AF_INET6 && len >= (socklen_t)sizeof(struct sockaddr_in6)) {
		memcpy(key, &((const struct sockaddr_in6 *)sa)->sin6_addr, 16);
		return true;
	}
	return false;
}

/* Loopback (127/8, ::1) or one of the addresses http_start was given. */
static bool key_trusted(const struct http *h, const uint8_t key[16])
{
	static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };
	static const uint8_t lo6[16] = { [15] = 1 };
	if (memcmp(key, lo6, 16) == 0)
		return true;
	if (memcmp(key, mapped, sizeof mapped) != 0)
		return false;
	uint32_t a = (uint32_t)key[12] << 24 | (uint32_t)key[13] << 16 |
		     (uint32_t)key[14] << 8 | key[15];
	if (a >> 24 == 127)
		return true;
	for (size_t i = 0; i < h->ntrusted; i++)
		if (h->trusted[i] == a)
			return true;
	return false;
}

static struct peer *peer_find(struct http *h, const uint8_t key[16])
{
	for (size_t i = 0; i < HTTP_CONN_LIMIT; i++)
		if (h->peers[i].n && memcmp(h->peers[i].addr, key, 16) == 0)
			return &h->peers[i];
	return NULL;
}

static void refused(struct http *h, const struct sockaddr *sa, const char *why)
{
	char a[INET6_ADDRSTRLEN] = "?";
	if (!log_allow(&h->refuse_limit, mono_ms(), 1, 10))
		return;
	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, a, sizeof a);
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, a, sizeof a);
	log_warn("http: refused a connection from %s: %s", a, why);
}

/* MHD's accept policy: asked before each connection is taken. */
static enum MHD_Result on_accept(void *cls, const struct sockaddr *sa, socklen_t len)
{
	struct http *h = cls;
	uint8_t key[16];
	if (!addr_key(sa, len, key))
		return MHD_NO;
	const struct peer *p = peer_find(h, key);
	if (p && p->n >= HTTP_CONN_PER_ADDR) {
		refused(h, sa, "8 connections open from it");
		return MHD_NO;
	}
	if (h->nopen >= HTTP_CONN_LIMIT)
		return MHD_NO;
	if (!key_trusted(h, key) && h->nstrangers >= HTTP_CONN_LIMIT - HTTP_CONN_RESERVED) {
		refused(h, sa, "the connections for other addresses are taken");
		return MHD_NO;
	}
	return MHD_YES;
}

static void conn_started(struct http *h, struct MHD_Connection *c, void **ctx)
{
	const union MHD_ConnectionInfo *i =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	uint8_t key[16];
	if (!i || !i->client_addr)
		return;
	socklen_t len = i->client_addr->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
							    : sizeof(struct sockaddr_in);
	if (!addr_key(i->client_addr, len, key))
		return;
	struct peer *p = peer_find(h, key);
	for (size_t k = 0; !p && k < HTTP_CONN_LIMIT; k++)
		if (h->peers[k].n == 0) {
			p = &h->peers[k];
			memcpy(p->addr, key, 16);
			p->trusted = key_trusted(h, key);
		}
	if (!p)
		return;		/* cannot happen: MHD keeps to HTTP_CONN_LIMIT */
	p->n++;
	h->nopen++;
	h->nstrangers += !p->trusted;
	*ctx = p;
}

/* Counts each connection by its address while it is open. */
static void on_connection(void *cls, struct MHD_Connection *c, void **ctx,
			  enum MHD_ConnectionNotificationCode toe)
{
	struct http *h = cls;
	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		*ctx = NULL;
		conn_started(h, c, ctx);
		return;
	}
	struct peer *p = *ctx;
	if (toe != MHD_CONNECTION_NOTIFY_CLOSED || !p)
		return;
	p->n--;
	h->nopen--;
	h->nstrangers -= !p->trusted;
	*ctx = NULL;
}

/* ---- the daemon ---- */

union sa {
	struct sockaddr sa;
	struct sockaddr_in in;
	struct sockaddr_in6 in6;
};

static bool bind_addr_parse(const char *s, uint16_t port, union sa *sa, bool *v6)
{
	memset(sa, 0, sizeof *sa);
	*v6 = s && strchr(s, ':');
	if (*v6) {
		sa->in6.sin6_family = AF_INET6;
		sa->in6.sin6_port = htons(port);
		return inet_pton(AF_INET6, s, &sa->in6.sin6_addr) == 1;
	}
	sa->in.sin_family = AF_INET;
	sa->in.sin_port = htons(port);
	sa->in.sin_addr.s_addr = htonl(INADDR_ANY);
	return !s || !*s || inet_pton(AF_INET, s, &sa->in.sin_addr) == 1;
}

struct http *http_start(const char *bind_addr, uint16_t port, const uint32_t *trusted,
			size_t ntrusted, const struct api_ctx *(*get_ctx)(void *arg), void *arg,
			char *err, size_t errlen)
{
	union sa sa;
	bool v6;
	if (!bind_addr_parse(bind_addr, port, &sa, &v6)) {
		snprintf(err, errlen, "http: bad bind address \"%s\"", bind_addr);
		return NULL;
	}
	struct http *h = calloc(1, sizeof *h);
	if (!h) {
		snprintf(err, errlen, "http: out of memory");
		return NULL;
	}
	h->get_ctx = get_ctx;
	h->arg = arg;
	for (size_t i = 0; i < ntrusted && h->ntrusted < HTTP_TRUSTED_MAX; i++)
		h->trusted[h->ntrusted++] = trusted[i];
	unsigned flags = MHD_USE_EPOLL | MHD_USE_ERROR_LOG | (v6 ? MHD_USE_IPv6 : 0);
	h->d = MHD_start_daemon(flags, port, on_accept, h, on_request, h,
				MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, h,
				MHD_OPTION_SOCK_ADDR, &sa.sa,
				MHD_OPTION_CONNECTION_LIMIT, (unsigned)HTTP_CONN_LIMIT,
				MHD_OPTION_NOTIFY_CONNECTION, on_connection, h,
				MHD_OPTION_NOTIFY_COMPLETED, on_completed, h,
				MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)HTTP_TIMEOUT_SECS,
				MHD_OPTION_END);
	if (!h->d) {
		snprintf(err, errlen, "http: cannot listen on %s port %u: %s",
			 bind_addr && *bind_addr ? bind_addr : "*", port,
			 h->start_err[0] ? h->start_err : "libmicrohttpd failed to start");
		free(h);
		return NULL;
	}
	h->started = true;
	return h;
}

static void poll_run(void *arg)
{
	http_run(arg);
}

static int poll_timeout(void *arg)
{
	return http_timeout_ms(arg);
}

int http_attach(struct http *h, struct loop *l)
{
	return loop_poller_add(l, &h->poll, http_fd(h), poll_run, poll_timeout, h);
}

void http_stop(struct http *h)
{
	if (!h)
		return;
	loop_poller_del(&h->poll);
	MHD_stop_daemon(h->d);
	free(h);
}

int http_fd(struct http *h)
{
	const union MHD_DaemonInfo *i = MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_EPOLL_FD);
	return i ? i->epoll_fd : -1;
}

void http_run(struct http *h)
{
	MHD_run(h->d);
}

int http_timeout_ms(struct http *h)
{
	MHD_UNSIGNED_LONG_LONG ms;
	if (MHD_get_timeout(h->d, &ms) != MHD_YES)
		return -1;
	return ms > INT_MAX ? INT_MAX : (int)ms;
}
