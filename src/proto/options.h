/* DHCP option definitions as data (RFC 2132 and friends): the config
 * parser turns a typed text value into option bytes with them, and -t
 * turns bytes back into text. */
#ifndef DUODHCP_OPTIONS_H
#define DUODHCP_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum opt_type {
	OPT_BYTES,	/* hex: 01:02:0a or 01020a */
	OPT_IP,		/* one IPv4 address */
	OPT_IPS,	/* one or more IPv4 addresses, comma separated */
	OPT_U8,
	OPT_U16,
	OPT_U32,
	OPT_I32,
	OPT_BOOL,	/* 0/1, true/false, yes/no, on/off */
	OPT_STRING,	/* text, sent without a NUL */
	OPT_ROUTES,	/* RFC 3442 classless routes: "198.18.5.0/24 198.18.0.1, ..." */
};

struct opt_def {
	uint8_t code;
	enum opt_type type;
	const char *name;	/* e.g. "routers" */
};

#define OPT_VALUE_MAX 1024	/* longer values are split on the wire (RFC 3396) */

/* Definition for code, or NULL when the code has no built-in definition. */
const struct opt_def *opt_def_by_code(uint8_t code);
const struct opt_def *opt_def_by_name(const char *name);
/* Parses a type name ("ip", "ips", "u8", "u16", "u32", "i32", "bool",
 * "string", "hex", "routes"); returns 0 or -1. */
int opt_type_parse(const char *name, enum opt_type *out);

/* Encodes text as an option value of type t into out (cap bytes).
 * Returns the length, or -1 with a reason in err. */
int opt_encode(enum opt_type t, const char *text, uint8_t *out, size_t cap,
	       char *err, size_t errlen);
/* Writes a value as text in the form opt_encode accepts.  Bytes that are
 * not a valid value of type t (see opt_valid) are written as hex. */
void opt_format(FILE *f, enum opt_type t, const uint8_t *v, size_t len);

/* True when len bytes at v are a well-formed value of type t, so that
 * opt_format writes text that opt_encode turns back into the same bytes. */
int opt_valid(enum opt_type t, const uint8_t *v, size_t len);
/* What RFC 2132 (and the option's own RFC) forbids in a value that is
 * already valid for its type: address pairs for 21 and 33, 576 or more
 * for 22, a TTL of at least 1 for 23 and 37, an MTU of at least 68 for 26
 * and in 25, node types 1, 2, 4 or 8 for 46, a non-empty string.  NULL
 * when the value is allowed, else the rule it breaks. */
const char *opt_constraint(uint8_t code, const uint8_t *v, size_t len);
/* The name opt_type_parse accepts for t. */
const char *opt_type_name(enum opt_type t);

/* Encodes the value syntax of dhcpsrv's OPTION_nn keys: tokens separated by
 * blanks, colons or commas; a token is a two-digit hex byte, an IPv4
 * address, a compact CIDR a.b.c.d/n (RFC 3442 style), "text", or a
 * parenthesised group that gets a one-byte length prefix.  Returns the
 * length, or -1 with a reason in err. */
int opt_encode_dhcpsrv(const char *text, uint8_t *out, size_t cap,
		       char *err, size_t errlen);

/* A typed layout for an option code without a built-in definition (the
 * config's OPTIONDEF_nn; ISC's "option foo code 224 = { ip-address, ... }",
 * Kea's option-def with record-types and array): one type, a record of
 * fixed-size fields whose last may be a string or hex, or an array of one
 * fixed-size type.  Record fields and array elements are written
 * separated by commas. */
#define OPT_LAYOUT_MAX 16		/* fields of a record */

enum opt_lkind { OPT_L_ONE, OPT_L_RECORD, OPT_L_ARRAY };

struct opt_layout {
	uint8_t kind;			/* enum opt_lkind */
	uint8_t n;			/* fields; 1 unless a record */
	enum opt_type f[OPT_LAYOUT_MAX];
};

/* Parses "TYPE", "record TYPE, TYPE, ..." or "array TYPE"; returns 0, or
 * -1 with a reason in err. */
int opt_layout_parse(const char *text, struct opt_layout *l, char *err, size_t errlen);
/* Writes the layout in the form opt_layout_parse accepts. */
void opt_layout_print(FILE *f, const struct opt_layout *l);
/* Encodes a value by the layout; returns the length, or -1 with a reason
 * (naming the field) in err. */
int opt_layout_encode(const struct opt_layout *l, const char *text, uint8_t *out, size_t cap,
		      char *err, size_t errlen);
/* True when len bytes at v are a value of the layout. */
int opt_layout_valid(const struct opt_layout *l, const uint8_t *v, size_t len);
/* Writes a valid value in the form opt_layout_encode accepts. */
void opt_layout_format(FILE *f, const struct opt_layout *l, const uint8_t *v, size_t len);

#endif
