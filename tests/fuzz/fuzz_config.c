/* libFuzzer target for the config parser.
 *
 * Property: whatever config_parse accepts, config_print writes a file that
 * config_parse accepts again and that prints the same (the -t output is a
 * fixed point).  Errors go to /dev/null, opened once. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "conf/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static FILE *devnull;

static char *print(const struct config *c, size_t *len)
{
	char *text = NULL;
	FILE *m = open_memstream(&text, len);

	if (m == NULL)
		abort();
	config_print(c, m);
	if (fclose(m) != 0)
		abort();
	return text;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config *c, *again;
	char *t1, *t2;
	size_t n1, n2;

	if (devnull == NULL && (devnull = fopen("/dev/null", "w")) == NULL)
		abort();
	c = config_parse("fuzz.ini", (const char *)data, size, devnull);
	if (c == NULL)
		return 0;
	t1 = print(c, &n1);
	again = config_parse("fuzz.ini", t1, n1, devnull);
	if (again == NULL) {
		fprintf(stderr, "printed config does not parse:\n%s\n", t1);
		config_parse("printed.ini", t1, n1, stderr);
		abort();
	}
	t2 = print(again, &n2);
	if (n1 != n2 || memcmp(t1, t2, n1) != 0) {
		fprintf(stderr, "round trip changed the config:\n--- first\n%s\n--- second\n%s\n",
			t1, t2);
		abort();
	}
	free(t1);
	free(t2);
	config_free(again);
	config_free(c);
	return 0;
}
