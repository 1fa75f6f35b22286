/* Kea's configuration text with its <?include "file"?> directives
 * followed (kea_include.c), each output line mapped back to its file and
 * line. */
#ifndef DUODHCP_IMPORT_KEA_INCLUDE_H
#define DUODHCP_IMPORT_KEA_INCLUDE_H

#include <stdbool.h>
#include <stddef.h>

struct kea_line {
	unsigned file;			/* index in kea_text.files; 0 = the main file */
	unsigned line;
};

#define KEA_PATH_LEN 1024

struct kea_file {
	char path[KEA_PATH_LEN];
	unsigned top;			/* the main file's line of the directive that
					   brought it in (0 for the main file) */
};

struct kea_text {
	char *buf;			/* NUL-terminated */
	size_t len, cap;
	struct kea_line *map;		/* by output line (1-based) */
	size_t nmap, capmap;
	struct kea_file *files;
	size_t nfiles, capfiles;
	bool follow;			/* the main file is on disk: includes followed */
	unsigned err_file, err_line;	/* a failed directive: where */
	char err[200];			/* "" = out of memory */
};

/* Returns 0, or -1 (err says why, or is empty when out of memory); free
 * with kea_text_free either way. */
int kea_text_read(struct kea_text *t, const char *file, const char *buf, size_t len);
struct kea_line kea_text_line(const struct kea_text *t, unsigned out_line);
void kea_text_free(struct kea_text *t);

#endif
