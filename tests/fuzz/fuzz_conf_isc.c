/* libFuzzer target for the dhcpd.conf translator.
 *
 * Property: whatever xlat_isc translates (returns 0), our config parser
 * loads; that is the promise of `duodhcpctl import-config`.  A few fixed
 * bind addresses exercise the directly attached links too. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include "conf/config.h"
#include "import/confxlat.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static FILE *devnull;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint32_t binds[] = { 0xc6120001, 0xc6120101, 0x0a000001, 0xc0a80101 };
	struct xlat x;

	if (devnull == NULL && (devnull = fopen("/dev/null", "w")) == NULL)
		abort();
	xlat_init(&x);
	for (size_t i = 0; i < sizeof binds / sizeof binds[0]; i++)
		x.binds[x.nbinds++] = binds[i];
	int rc = xlat_isc(&x, "fuzz.conf", (const char *)data, size);
	if (rc == 0 && !x.oom) {
		struct config *c = config_parse("fuzz.ini", x.out ? x.out : "", x.len, devnull);
		if (c == NULL) {
			fprintf(stderr, "translated output refused:\n%s\n", x.out ? x.out : "");
			config_parse("fuzz.ini", x.out ? x.out : "", x.len, stderr);
			abort();
		}
		config_free(c);
	}
	xlat_free(&x);
	return 0;
}
