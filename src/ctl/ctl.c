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
#include "ctl/client.h"
#include "core/lease.h"
#include "ctl/import_config.h"
#include "ctl/import_leases.h"
#include "ctl/show.h"

#define TIMEOUT_S 10L
#define PER_PAGE 1000		/* the API's largest page */
#define PAGES_MAX 100000	/* 100 million leases: a bound, not a limit */

/* The error member of a refusal, when there is one as a string. */
static const char *error_text(json_object *o)
{
	json_object *v;
	if (!json_object_is_type(o, json_type_object))
		return "not a JSON object";
	return json_object_object_get_ex(o, "error", &v) && json_object_is_type(v, json_type_string)
		? json_object_get_string(v) : "no error message";
}

/* A show function's code: 1 (said in err) and -1 (the answer's shape)
 * become exit code 1 with the reason on stderr. */
static int shown(const char *cmd, int rc, const char *err)
{
	if (rc > 0)
		fprintf(stderr, "duodhcpctl: %s: %s\n", cmd, err);
	else if (rc < 0)
		fprintf(stderr, "duodhcpctl: %s: the daemon's answer is not as expected: %s\n",
			cmd, err);
	return rc ? 1 : 0;
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
	else
		rc = ctl_show_status(stdout, o, err, sizeof err);
	return shown(cmd, rc, err);
}

/* Asks url (page by page for leases) and prints the answer; returns the
 * exit code. */
static int run(const char *cmd, const char *url, const char *token, bool raw,
	       const char *path)
{
	bool post = strcmp(cmd, "reload") == 0 || strcmp(cmd, "partner-down") == 0;
	bool leases = strcmp(cmd, "leases") == 0;
	int64_t seen = 0;
	for (int page = 1; page <= PAGES_MAX; page++) {
		char u[700], err[800] = "";
		struct ctl_buf b = { 0 };
		snprintf(u, sizeof u, leases ? "%s&page=%d" : "%s", url, page);
		long status = ctl_request(u, token, post, NULL, TIMEOUT_S, &b, err, sizeof err);
		json_object *o = b.p ? json_tokener_parse(b.p) : NULL;
		ctl_buf_free(&b);
		if (status != 200 || !o) {
			if (status == 0)
				fprintf(stderr, "duodhcpctl: no answer: %s\n", err);
			else
				fprintf(stderr, "duodhcpctl: %s: HTTP %ld: %s\n", cmd, status,
					o ? error_text(o) : "not JSON");
			json_object_put(o);
			return 1;
		}
		if (raw)
			printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY));
		if (!leases) {
			int rc = raw ? 0 : show(cmd, o, path);
			json_object_put(o);
			return rc;
		}
		/* --json reads the page too, for the paging, and prints nothing. */
		size_t n;
		int64_t total;
		int rc = ctl_show_leases(raw ? NULL : stdout, o, page == 1, &n, &total, err,
					 sizeof err);
		json_object_put(o);
		if (rc != 0)
			return shown(cmd, rc, err);
		seen += (int64_t)n;
		if (n == 0 || seen >= total)
			break;
	}
	return 0;
}

static void usage(FILE *f)
{
	fputs("usage: duodhcpctl -c FILE [--json] status\n"
	      "       duodhcpctl -c FILE [--json] leases [STATE]\n"
	      "       duodhcpctl -c FILE reload\n"
	      "       duodhcpctl -c FILE [--json] failover\n"
	      "       duodhcpctl -c FILE [--json] partner-down\n"
	      "       duodhcpctl import-config [--from isc|kea] [--bind A.B.C.D|auto|none] FILE [-o OUT]\n"
	      "       duodhcpctl -c FILE import-leases [--from F] [--offline] [--keep-good]\n"
	      "                  [--dry-run] LEASEFILE   (see import-leases --help)\n"
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
	/* Works on files alone, without a daemon: its own options. */
	{
		const char *cmd = argc > 1 ? argv[1] : "";
		if (strcmp(cmd, "import-config") == 0)
			return ctl_import_config(argc - 1, argv + 1);
	}
	if (ctl_import_wanted(argc, argv))
		return ctl_import_leases(argc, argv);
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
