/* The engine fuzz targets' fixture: the including file defines ini[]
 * before including this; the config is parsed once and the lease table
 * starts afresh every 4096 inputs, so state builds up but stays small. */
#ifndef DUODHCP_FUZZ_ENGINE_FX_H
#define DUODHCP_FUZZ_ENGINE_FX_H

#include <stdio.h>
#include <stdlib.h>
#include "conf/config.h"
#include "core/engine.h"

static struct config *cfg;
static struct lease_table *table;
static struct engine eng;
static unsigned runs;

static void reset(void)
{
	if (!cfg) {
		FILE *null = fopen("/dev/null", "w");
		cfg = config_parse("fuzz.ini", ini, sizeof ini - 1, null);
		fclose(null);
		if (!cfg)
			abort();
	}
	engine_free(&eng);
	lease_table_free(table);
	table = lease_table_new();
	if (engine_set_config(&eng, cfg, table) < 0)
		abort();
}

/* Before each input. */
static void fx_next(void)
{
	if (!table || ++runs % 4096 == 0)
		reset();
}

#endif
