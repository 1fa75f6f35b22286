/* libFuzzer: duodhcpctl's reading of the daemon's answers (ctl/show.c):
 * status, leases, failover and partner-down.
 * The input is any bytes, parsed as JSON by json-c as duodhcpctl does;
 * whatever the shape, the readers must answer 0, 1 or -1, and -1 or 1
 * always with a message. */
#include <json-c/json.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ctl/show.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int leases(FILE *f, json_object *o, char *err, size_t errlen)
{
	size_t n;
	int64_t total;
	return ctl_show_leases(f, o, true, &n, &total, err, errlen);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int (*const fns[])(FILE *, json_object *, char *, size_t) = {
		ctl_show_failover, ctl_show_failover_line, ctl_show_partner_down,
		ctl_show_status, leases,
	};
	char *text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = 0;
	json_object *o = json_tokener_parse(text);
	free(text);
	FILE *null = fopen("/dev/null", "w");
	if (!null) {
		json_object_put(o);
		return 0;
	}
	for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++) {
		char err[300] = "";
		int rc = fns[i](null, o, err, sizeof err);
		if (rc < -1 || rc > 1 || (rc != 0 && !err[0]))
			__builtin_trap();
	}
	fclose(null);
	json_object_put(o);
	return 0;
}
