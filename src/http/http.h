/* The built-in HTTP server: libmicrohttpd driven from the daemon's own
 * epoll loop (no threads of its own), answering through api_handle(). */
#ifndef DUODHCP_HTTP_H
#define DUODHCP_HTTP_H

#include <stddef.h>
#include <stdint.h>
#include "http/api.h"
#include "common/loop.h"

struct http;

#define HTTP_TRUSTED_MAX 16

/* Listens on bind_addr (an IPv4 or IPv6 literal; NULL or "" = all IPv4
 * addresses) and port.  trusted (host byte order, at most
 * HTTP_TRUSTED_MAX are kept) are the IPv4 addresses besides loopback that
 * may use the connections kept back from strangers.  get_ctx(arg) is
 * called for every request and returns the state to answer from, or
 * NULL (answered with 503).  Returns NULL with a message in err on
 * failure. */
struct http *http_start(const char *bind_addr, uint16_t port, const uint32_t *trusted,
			size_t ntrusted, const struct api_ctx *(*get_ctx)(void *arg), void *arg,
			char *err, size_t errlen);
/* Registers with the loop: MHD's epoll fd and its timeouts.  http_stop()
 * leaves the loop. */
int http_attach(struct http *h, struct loop *l);
void http_stop(struct http *h);

/* An epoll fd to watch for EPOLLIN in the daemon's loop. */
int http_fd(struct http *h);
/* Does the pending work: call when http_fd() is readable and when
 * http_timeout_ms() has passed.  Never blocks. */
void http_run(struct http *h);
/* Milliseconds until http_run() is due without fd activity, or -1. */
int http_timeout_ms(struct http *h);

#endif
