/* Kea's configuration text read as JSON: comments blanked (line numbers
 * kept), parsed strictly by json-c, and the line of every member and
 * element remembered by its path ("Dhcp4/subnet4[2]/relay"). */
#ifndef DUODHCP_IMPORT_KEA_JSON_H
#define DUODHCP_IMPORT_KEA_JSON_H

#include <stddef.h>

#define KEA_PATH_MAX 256

struct json_object;

struct kea_pos {
	char *path;
	unsigned line;
};

struct kea_json {
	char *text;			/* the file with comments blanked */
	struct json_object *root;	/* NULL after an error */
	struct kea_pos *pos;		/* sorted by path */
	size_t npos, cappos;
	unsigned err_line;		/* where the text stops being JSON */
	char err[120];
};

/* Returns 0, or -1 with err and err_line set (or out of memory, err
 * empty).  Free with kea_json_free either way. */
int kea_json_read(struct kea_json *kj, const char *buf, size_t len);
/* The line of path, else of its nearest remembered parent, else 0. */
unsigned kea_json_line(const struct kea_json *kj, const char *path);
void kea_json_free(struct kea_json *kj);

#endif
