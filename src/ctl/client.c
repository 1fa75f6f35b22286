/* duodhcpctl's HTTP client (client.h), on libcurl. */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/client.h"

bool ctl_buf_add(struct ctl_buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = (b->len + n + 1) * 2;
		char *p = realloc(b->p, cap);
		if (!p)
			return false;
		b->p = p, b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = 0;
	return true;
}

void ctl_buf_free(struct ctl_buf *b)
{
	free(b->p);
	*b = (struct ctl_buf){ 0 };
}

static size_t on_data(char *data, size_t size, size_t n, void *arg)
{
	struct ctl_buf *b = arg;
	size_t k = size * n;
	/* 0 stops curl with CURLE_WRITE_ERROR. */
	return b->len + k < CTL_REPLY_MAX && ctl_buf_add(b, data, k) ? k : 0;
}

long ctl_request(const char *url, const char *token, bool post, const struct ctl_buf *body,
		 long timeout_s, struct ctl_buf *out, char *err, size_t errlen)
{
	CURL *c = curl_easy_init();
	struct curl_slist *h = NULL;
	char auth[200];
	long status = 0;

	if (!c) {
		snprintf(err, errlen, "out of memory");
		return 0;
	}
	if (token && token[0]) {
		snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
		h = curl_slist_append(h, auth);
	}
	if (body)
		h = curl_slist_append(h, "Content-Type: application/json");
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(c, CURLOPT_TIMEOUT, timeout_s);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
	if (post) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body && body->p ? body->p : "");
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, body ? (long)body->len : 0L);
	}
	CURLcode rc = curl_easy_perform(c);
	if (rc == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	else
		snprintf(err, errlen, "%s: %s", url, curl_easy_strerror(rc));
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	return status;
}
