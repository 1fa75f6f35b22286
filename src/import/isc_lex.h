/* dhcpd.conf read into a tree of statements (ISC DHCP 4.x syntax, as
 * dhcpd.conf(5) describes it): each statement is its tokens up to ';', or
 * up to a '{' block whose statements are its children.  Nothing is
 * interpreted here; conf_isc.c gives the statements their meaning.
 * Bounded: the input's size, the number of tokens and the nesting depth. */
#ifndef DUODHCP_IMPORT_ISC_LEX_H
#define DUODHCP_IMPORT_ISC_LEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ISC_DEPTH_MAX 32		/* nested blocks */
#define ISC_TOKENS_MAX (4u << 20)	/* in a whole file */
#define ISC_STRING_MAX 4096		/* bytes of one quoted string */

enum isc_tok_kind {
	ISC_WORD = 1,	/* a name, number, address or hex list: 00:11:22, 198.18.0.1 */
	ISC_STRING,	/* a quoted string, escapes decoded (may hold NUL bytes) */
	ISC_PUNCT,	/* one other character: , = ( ) ! ~ and the like */
};

struct isc_tok {
	uint8_t kind;		/* enum isc_tok_kind */
	unsigned line;
	size_t len;
	const char *text;	/* NUL-terminated; len excludes the NUL */
};

struct isc_stmt {
	unsigned line;		/* of its first token */
	size_t ntok;
	const struct isc_tok *tok;
	bool block;		/* ended by a { } block (possibly empty) */
	size_t nchild;
	struct isc_stmt *child;
};

struct isc_tree {
	struct isc_stmt root;	/* the file: its statements are the children */
	struct isc_tok *toks;
	size_t ntoks;
	char *text;		/* the tokens' text */
};

/* Reads buf.  Returns 0; 1 when it does not read as dhcpd.conf (an
 * unterminated string or block, a '}' with no '{', a statement cut off by
 * the end of the file), with the line and reason in err_line, err; -1
 * when out of memory. */
int isc_parse(struct isc_tree *t, const char *buf, size_t len, unsigned *err_line, char *err,
	      size_t errlen);
void isc_tree_free(struct isc_tree *t);

/* Whether token i of s is the word w, ignoring case (dhcpd's keywords do). */
bool isc_is(const struct isc_stmt *s, size_t i, const char *w);

#endif
