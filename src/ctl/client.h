/* duodhcpctl's HTTP client: one request to the daemon's API, bounded by a
 * timeout and a reply size.  The commands that talk to a running daemon
 * (status, leases, reload, partner-down, an online import) all go here. */
#ifndef DUODHCP_CTL_CLIENT_H
#define DUODHCP_CTL_CLIENT_H

#include <stdbool.h>
#include <stddef.h>

#define CTL_REPLY_MAX (16u << 20)	/* far above one page of 1000 leases */

/* A growing byte buffer, always NUL-terminated once it holds anything. */
struct ctl_buf {
	char *p;
	size_t len, cap;
};

bool ctl_buf_add(struct ctl_buf *b, const char *s, size_t n);
void ctl_buf_free(struct ctl_buf *b);

/* One request to url with the bearer token (none when NULL or ""): a GET,
 * or with post a POST of body as JSON (an empty POST when body is NULL).
 * Returns the HTTP status, or 0 when there was no answer (err says why);
 * the reply's body, up to CTL_REPLY_MAX bytes, is added to *out. */
long ctl_request(const char *url, const char *token, bool post, const struct ctl_buf *body,
		 long timeout_s, struct ctl_buf *out, char *err, size_t errlen);

#endif
