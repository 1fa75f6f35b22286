/* libFuzzer target for the Kea configuration translator.
 *
 * Property: whatever xlat_kea translates (returns 0), our own parser
 * loads: a translation never writes a file duodhcpd refuses.  A refused
 * input must say where (an error text).  Two addresses of the server are
 * given, so that directly attached links are translated too. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "conf/config.h"
#include "import/confxlat.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct xlat x;
	FILE *devnull = fopen("/dev/null", "w");

	if (!devnull)
		abort();
	xlat_init(&x);
	x.binds[x.nbinds++] = 0xc6120001;	/* 198.18.0.1 */
	x.binds[x.nbinds++] = 0xc0000201;	/* 192.0.2.1 */
	int rc = xlat_kea(&x, "fuzz.json", (const char *)data, size);
	if (rc == 1 && !x.err[0])
		abort();
	if (rc == 0 && !x.oom) {
		struct config *c = config_parse("out.ini", x.out, x.len, devnull);
		if (!c) {
			fprintf(stderr, "translation does not load:\n%s\n", x.out);
			config_parse("out.ini", x.out, x.len, stderr);
			abort();
		}
		config_free(c);
	}
	xlat_free(&x);
	fclose(devnull);
	return 0;
}
