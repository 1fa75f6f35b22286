/* duodhcpctl: the control command.  It reads the daemon's own dhcpsrv.ini
 * to find the API ([HTTP-Settings] Port, BindAddress) and its ApiToken,
 * then asks the running daemon over that API: status, leases, reload,
 * failover and partner-down.
 * One HTTP request per command, bounded by a timeout. */
#include <curl/curl.h>
#include <getopt.h>
#include <json-c/json.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conf/config.h"
#include "core/lease.h"
#include "ctl/show.h"

#define TIMEOUT_S 10L
#define REPLY_MAX (16u << 20)	/* far above one page of 1000 leases */
#define PER_PAGE 1000		/* the API's largest page */
#define PAGES_MAX 100000	/* 100 million leases: a bound, not a limit */

struct buf {
	char *p;
	size_t len;
};

static size_t on_data(char *data, size_t size, size_t n, void *arg)
{
	struct buf *b = arg;
	size_t k = size * n;
	if (b->len + k + 1 > REPLY_MAX)
		return 0;	/* curl stops with CURLE_WRITE_ERROR */
	char *p = realloc(b->p, b->len + k + 1);
	if (!p)
		return 0;
	memcpy(p + b->len, data, k);
	b->p = p;
	b->len += k;
	b->p[b->len] = 0;
	return k;
}

/* One request; returns the HTTP status (0 when there was no answer) and
 * the body in *out. */
static long request(const char *url, const char *token, bool post, struct buf *out,
		    char *err, size_t errlen)
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
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(c, CURLOPT_TIMEOUT, TIMEOUT_S);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
	if (post)
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, "");
	CURLcode rc = curl_easy_perform(c);
	if (rc == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	else
		snprintf(err, errlen, "%s: %s", url, curl_easy_strerror(rc));
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	return status;
}

static const char *str(json_object *o, const char *key)
{
	json_object *v;
	return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string)
		? json_object_get_string(v) : "";
}

static int64_t num(json_object *o, const char *key)
{
	json_object *v;
	return json_object_object_get_ex(o, key, &v) ? json_object_get_int64(v) : 0;
}

static json_object *get(json_object *o, const char *key)
{
	json_object *v;
	return json_object_object_get_ex(o, key, &v) ? v : NULL;
}

static void print_duration(int64_t s)
{
	if (s >= 86400)
		printf("%lldd ", (long long)(s / 86400));
	printf("%02lld:%02lld:%02lld", (long long)(s % 86400 / 3600),
	       (long long)(s % 3600 / 60), (long long)(s % 60));
}

static void print_status(json_object *o)
{
	json_object *srv = get(o, "server"), *l = get(o, "leases"), *j = get(o, "journal"),
		    *cn = get(o, "counters"), *sy = get(o, "sync");
	printf("duodhcpd %s on %s, up ", str(o, "version"), str(srv, "hostname"));
	print_duration(num(o, "uptime"));
	printf("\nleases: %lld active (%lld ours, %lld the partner's), %lld records\n",
	       (long long)num(l, "active"), (long long)num(l, "own"),
	       (long long)num(l, "partner"), (long long)num(l, "total"));
	json_object *pools = get(o, "pools");
	for (size_t i = 0; pools && i < json_object_array_length(pools); i++) {
		json_object *p = json_object_array_get_idx(pools, i);
		printf("pool %s-%s (%s%s): %lld of %lld active\n", str(p, "first"),
		       str(p, "last"), str(p, "name"),
		       json_object_get_boolean(get(p, "relayed")) ? ", relayed" : "",
		       (long long)num(p, "active"), (long long)num(p, "size"));
	}
	json_object *disk = get(j, "disk_failing");
	printf("journal: %lld bytes, %s; ACKs withheld: %lld\n", (long long)num(j, "bytes"),
	       disk && json_object_get_boolean(disk) ? "DISK FAILING" : "writing",
	       (long long)num(j, "acks_withheld"));
	json_object *rx = get(cn, "rx"), *tx = get(cn, "tx"), *dr = get(cn, "dropped");
	printf("received: %lld DISCOVER, %lld REQUEST; sent: %lld OFFER, %lld ACK, %lld NAK\n",
	       (long long)num(rx, "discover"), (long long)num(rx, "request"),
	       (long long)num(tx, "offer"), (long long)num(tx, "ack"), (long long)num(tx, "nak"));
	printf("dropped: %lld malformed, %lld no subnet, %lld not ours\n",
	       (long long)num(dr, "malformed"), (long long)num(dr, "no_subnet"),
	       (long long)num(dr, "not_ours"));
	json_object *en = get(sy, "enabled");
	if (en && json_object_get_boolean(en))
		printf("sync with %s: %s%s%s\n", str(sy, "partner"), str(sy, "state"),
		       str(sy, "last_error")[0] ? ", " : "", str(sy, "last_error"));
}

/* The answer of one command other than leases, printed; the exit code. */
static int show(const char *cmd, json_object *o, const char *path)
{
	char err[300] = "";
	int rc = 0;
	if (strcmp(cmd, "reload") == 0)
		printf("reloaded %s\n", path ? path : "");
	else if (strcmp(cmd, "partner-down") == 0)
		rc = ctl_show_partner_down(stdout, o, err, sizeof err);
	else if (strcmp(cmd, "failover") == 0)
		rc = ctl_show_failover(stdout, o, err, sizeof err);
	else {
		print_status(o);
		rc = ctl_show_failover_line(stdout, o, err, sizeof err);
	}
	if (rc > 0)
		fprintf(stderr, "duodhcpctl: %s: %s\n", cmd, err);
	else if (rc < 0)
		fprintf(stderr, "duodhcpctl: %s: the daemon's answer is not as expected: %s\n",
			cmd, err);
	return rc ? 1 : 0;
}

static void print_leases(json_object *o)
{
	json_object *a = get(o, "leases");
	for (size_t i = 0; a && i < json_object_array_length(a); i++) {
		json_object *l = json_object_array_get_idx(a, i);
		time_t end = (time_t)num(l, "end");
		char when[32] = "-";
		struct tm tm;
		if (end && localtime_r(&end, &tm))
			strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", &tm);
		printf("%-15s  %-17s  %-9s  %-19s  %s%s\n", str(l, "addr"), str(l, "mac"),
		       str(l, "state"), when, str(l, "hostname"),
		       strcmp(str(l, "origin"), "partner") == 0 ? " (partner's)" : "");
	}
}

/* Asks url (page by page for leases) and prints the answer; returns the
 * exit code. */
static int run(const char *cmd, const char *url, const char *token, bool raw,
	       const char *path)
{
	bool post = strcmp(cmd, "reload") == 0 || strcmp(cmd, "partner-down") == 0;
	bool leases = strcmp(cmd, "leases") == 0;
	int64_t seen = 0;
	int rc = 0;
	for (int page = 1; page <= PAGES_MAX; page++) {
		char u[700], err[800] = "";
		struct buf b = { 0 };
		snprintf(u, sizeof u, leases ? "%s&page=%d" : "%s", url, page);
		long status = request(u, token, post, &b, err, sizeof err);
		json_object *o = b.p ? json_tokener_parse(b.p) : NULL;
		free(b.p);
		if (status != 200 || !o) {
			if (status == 0)
				fprintf(stderr, "duodhcpctl: no answer: %s\n", err);
			else
				fprintf(stderr, "duodhcpctl: %s: HTTP %ld: %s\n", cmd, status,
					o ? str(o, "error") : "not JSON");
			json_object_put(o);
			return 1;
		}
		if (raw)
			printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY));
		else if (!leases)
			rc = show(cmd, o, path);
		else {
			if (page == 1)
				printf("%-15s  %-17s  %-9s  %-19s  %s\n", "address", "hardware",
				       "state", "ends", "hostname");
			print_leases(o);
		}
		json_object *a = get(o, "leases");
		seen += a && leases ? (int64_t)json_object_array_length(a) : 0;
		bool more = leases && a && json_object_array_length(a) > 0 &&
			    seen < num(o, "total");
		json_object_put(o);
		if (!more)
			break;
	}
	return rc;
}

static void usage(FILE *f)
{
	fputs("usage: duodhcpctl -c FILE [--json] status\n"
	      "       duodhcpctl -c FILE [--json] leases [STATE]\n"
	      "       duodhcpctl -c FILE reload\n"
	      "       duodhcpctl -c FILE [--json] failover\n"
	      "       duodhcpctl -c FILE [--json] partner-down\n"
	      "  -c FILE    the daemon's dhcpsrv.ini: where its API listens, and ApiToken\n"
	      "  -u URL     the API at URL instead (http://host:port)\n"
	      "  --json     print the API's answer as it came\n"
	      "STATE: active, free, expired, released, abandoned, reset or backup.\n"
	      "The API must be on ([HTTP-Settings] EnableHTTP=1); reload and partner-down\n"
	      "need ApiToken "
	      "([DUODHCP]) or $DUODHCP_TOKEN.  Exit 0: done; 1: refused or no answer;\n"
	      "2: bad usage or configuration.\n", f);
}

int main(int argc, char **argv)
{
	static const struct option lo[] = { { "json", no_argument, NULL, 'j' },
					    { "help", no_argument, NULL, 'h' },
					    { NULL, 0, NULL, 0 } };
	const char *path = NULL, *base = NULL, *token = getenv("DUODHCP_TOKEN");
	bool raw = false;
	int ch;
	while ((ch = getopt_long(argc, argv, "c:u:h", lo, NULL)) != -1) {
		switch (ch) {
		case 'c': path = optarg; break;
		case 'u': base = optarg; break;
		case 'j': raw = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind >= argc || (!path && !base)) {
		usage(stderr);
		return 2;
	}
	const char *cmd = argv[optind];
	const char *arg = optind + 1 < argc ? argv[optind + 1] : NULL;
	if (strcmp(cmd, "reload") && strcmp(cmd, "status") && strcmp(cmd, "leases") &&
	    strcmp(cmd, "failover") && strcmp(cmd, "partner-down")) {
		fprintf(stderr, "duodhcpctl: unknown command %s\n", cmd);
		usage(stderr);
		return 2;
	}
	if (optind + (strcmp(cmd, "leases") == 0 ? 2 : 1) < argc) {
		usage(stderr);
		return 2;
	}
	if (arg && !lease_state_parse(arg, strlen(arg))) {
		fprintf(stderr, "duodhcpctl: unknown lease state %s\n", arg);
		return 2;
	}

	char url[512], from[300];
	struct config *c = NULL;
	if (path) {
		if (!(c = config_load(path, stderr)))
			return 2;
		if (!c->http_enable && !base) {
			fprintf(stderr, "duodhcpctl: %s: the API is off: set EnableHTTP=1 in "
				"[HTTP-Settings]\n", path);
			config_free(c);
			return 2;
		}
		if (!token || !token[0])
			token = c->api_token;
	}
	if (base)
		snprintf(from, sizeof from, "%s", base);
	else
		snprintf(from, sizeof from, "http://%s:%u",
			 c->http_bind[0] && strcmp(c->http_bind, "0.0.0.0") ? c->http_bind
									  : "127.0.0.1",
			 c->http_port);
	if (strcmp(cmd, "leases") == 0)
		snprintf(url, sizeof url, "%s/api/v1/leases?per_page=%d%s%s", from, PER_PAGE,
			 arg ? "&state=" : "", arg ? arg : "");
	else if (strcmp(cmd, "failover") == 0)
		snprintf(url, sizeof url, "%s/api/v1/status", from);
	else if (strcmp(cmd, "partner-down") == 0)
		snprintf(url, sizeof url, "%s/api/v1/failover/partner-down", from);
	else
		snprintf(url, sizeof url, "%s/api/v1/%s", from, cmd);

	curl_global_init(CURL_GLOBAL_DEFAULT);
	int rc = run(cmd, url, token, raw, path);
	config_free(c);
	curl_global_cleanup();
	return rc;
}
