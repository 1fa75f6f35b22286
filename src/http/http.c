/* Glue between libmicrohttpd and the API handlers.  MHD runs in its
 * external-epoll mode: no thread of its own; the daemon watches http_fd()
 * and calls http_run(), so every handler runs on the daemon's thread and
 * reads its state without locks.  All HTTP parsing is MHD's. */
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

#define HTTP_CONN_LIMIT 64
#define HTTP_CONN_PER_IP 16
#define HTTP_TIMEOUT_SECS 10

struct http {
	struct loop_poller poll;	/* while attached */
	struct MHD_Daemon *d;
	const struct api_ctx *(*get_ctx)(void *arg);
	void *arg;
	char start_err[160];		/* MHD's last message while starting */
	bool started;
	struct log_limit limit;		/* MHD messages a client can trigger */
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

/* We take no request bodies: refuse one as soon as it is announced, so
 * it is never read (MHD then closes the connection). */
static bool has_body(struct MHD_Connection *c)
{
	const char *len = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
						      MHD_HTTP_HEADER_CONTENT_LENGTH);
	const char *te = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
						     MHD_HTTP_HEADER_TRANSFER_ENCODING);
	return te || (len && strcmp(len, "0") != 0);
}

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

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version,
				  const char *upload_data, size_t *upload_data_size,
				  void **con_cls)
{
	struct http *h = cls;
	(void)version, (void)upload_data, (void)con_cls;
	/* Every request is answered on its first call, with the headers;
	 * upload data can only follow a refusal already queued. */
	if (*upload_data_size)
		return MHD_NO;
	if (has_body(c))
		return queue_static(c, 413, "{\"error\":\"request bodies are not accepted\"}\n");
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
		};
		struct api_reply rep;
		api_handle(ctx, &req, &rep);
		res = queue_reply(c, &rep);
	}
	free(a.keys);
	free(a.values);
	return res;
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

struct http *http_start(const char *bind_addr, uint16_t port,
			const struct api_ctx *(*get_ctx)(void *arg), void *arg,
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
	unsigned flags = MHD_USE_EPOLL | MHD_USE_ERROR_LOG | (v6 ? MHD_USE_IPv6 : 0);
	h->d = MHD_start_daemon(flags, port, NULL, NULL, on_request, h,
				MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, h,
				MHD_OPTION_SOCK_ADDR, &sa.sa,
				MHD_OPTION_CONNECTION_LIMIT, (unsigned)HTTP_CONN_LIMIT,
				MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)HTTP_CONN_PER_IP,
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
