/* ISC dhcpd.conf into dhcpsrv.ini (docs/import-config.md).  This first
 * version reads the file into statements and reports each top-level one;
 * the translation of each statement kind follows. */
#include <stdio.h>

#include "import/confxlat.h"
#include "import/isc_lex.h"

int xlat_isc(struct xlat *x, const char *file, const char *buf, size_t len)
{
	struct isc_tree t;
	unsigned line = 0;
	char err[200];
	(void)file;
	int rc = isc_parse(&t, buf, len, &line, err, sizeof err);
	if (rc > 0)
		return xlat_error(x, line, "%s", err);
	if (rc < 0)
		return -1;
	for (size_t i = 0; i < t.root.nchild; i++) {
		const struct isc_stmt *s = &t.root.child[i];
		xlat_note(x, s->line, XLAT_LOST, s->tok[0].text, "not translated yet");
	}
	isc_tree_free(&t);
	return x->oom ? -1 : 0;
}
