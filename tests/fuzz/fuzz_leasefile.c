/* libFuzzer target for the foreign lease file readers.
 *
 * The first byte picks the format, the rest is the file, read from an
 * exact-size heap copy so that ASan sees any read past its end.  Every
 * record returned must be record_valid(), the records sorted by address
 * with no address twice, the counts consistent with the notes, and every
 * note's line within the file, in order, and its text printable ASCII.
 * The failover states (ISC only): at most 64, one per name, each name
 * 1-255 bytes, a valid state of ours, a partner state valid or none, the
 * block's line within the file. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/record.h"
#include "failover/state.h"
#include "import/leasefile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t count_lines(const char *p, size_t n)
{
	size_t lines = 1;

	for (size_t i = 0; i < n; i++)
		lines += p[i] == '\n';
	return lines;
}

static void check_fo(const struct leasefile *lf, enum leasefile_format f, size_t lines)
{
	if (lf->nfo > 64 || (lf->nfo && (f != LEASEFILE_ISC || !lf->fo)))
		__builtin_trap();
	for (size_t i = 0; i < lf->nfo; i++) {
		const struct leasefile_fo *fo = &lf->fo[i];
		size_t len = strnlen(fo->name, sizeof fo->name);

		if (len == 0 || len == sizeof fo->name || !fo_state_valid(fo->my_state) ||
		    (fo->peer_state && !fo_state_valid(fo->peer_state)) ||
		    fo->line == 0 || fo->line > lines)
			__builtin_trap();
		for (size_t k = 0; k < i; k++)
			if (strcmp(lf->fo[k].name, fo->name) == 0)
				__builtin_trap();
	}
}

static void check(const struct leasefile *lf, size_t lines)
{
	size_t errors = 0;

	for (size_t i = 0; i < lf->n; i++) {
		const struct lease_rec *r = &lf->recs[i];

		if (!record_valid(r) || (i && lf->recs[i - 1].addr >= r->addr))
			__builtin_trap();
		if (r->start < 0 || r->end > LEASEFILE_NEVER || r->cltt < 0)
			__builtin_trap();
		if (r->hostname && r->hostname[0] == 0)
			__builtin_trap();
	}
	for (size_t i = 0; i < lf->nnotes; i++) {
		const struct leasefile_note *note = &lf->notes[i];

		errors += note->kind == LEASEFILE_ERROR;
		if (note->line > lines || (i && note->line < lf->notes[i - 1].line) ||
		    strnlen(note->why, sizeof note->why) == sizeof note->why)
			__builtin_trap();
		for (const char *c = note->why; *c; c++)	/* plain text only */
			if (*c < 0x20 || *c > 0x7e)
				__builtin_trap();
	}
	if (errors != lf->errors || lf->n + lf->replaced > lf->records)
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct leasefile lf;
	char *copy;

	if (size == 0)
		return 0;
	enum leasefile_format f = (enum leasefile_format)(LEASEFILE_ISC + data[0] % 3);
	size_t n = size - 1;

	copy = malloc(n ? n : 1);
	if (!copy)
		return 0;
	memcpy(copy, data + 1, n);
	if (leasefile_read(&lf, f, copy, n, 1764860400) == 0) {
		check(&lf, count_lines(copy, n));
		check_fo(&lf, f, count_lines(copy, n));
		leasefile_free(&lf);
	}
	(void)leasefile_guess(copy, n);
	free(copy);
	return 0;
}
