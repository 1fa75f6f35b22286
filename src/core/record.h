/* The lease record's field table: one row per persisted field of struct
 * lease_rec with its name in the journal line and in the JSON of the API
 * and change feed, its kind, where it lives and, for failover's BNDUPD,
 * the option that carries it.  The journal codec (store/journal.c), the
 * API (http/api.c) and the partner feed parser (sync/sync.c) all walk
 * this table, so a field is added in one place.  Format: docs/journal.md. */
#ifndef DUODHCP_RECORD_H
#define DUODHCP_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <json-c/json.h>
#include "core/lease.h"

enum record_kind {
	RECORD_IPV4,	/* uint32_t, host order: dotted quad */
	RECORD_STATE,	/* uint8_t enum lease_state: its name ("active") */
	RECORD_U8,	/* uint8_t: decimal */
	RECORD_HW,	/* hw[hlen]: hex bytes */
	RECORD_CID,	/* cid[cid_len]: hex bytes; empty means none */
	RECORD_HOST,	/* hostname: text; NULL means none */
	RECORD_TIME,	/* int64_t: Unix seconds */
	RECORD_FLAGS,	/* uint8_t LEASE_F_*: decimal; in JSON "own"/"partner" */
};

/* Written only when non-zero, and may be absent when read: how fields
 * are added without changing the lines and objects of older records. */
#define RECORD_OPTIONAL 1u

struct record_field {
	const char *text;	/* key in the journal line */
	const char *json;	/* key in the JSON object */
	uint8_t kind;		/* enum record_kind */
	uint8_t flags;		/* RECORD_OPTIONAL or 0 */
	uint16_t off;		/* offsetof in struct lease_rec */
	uint16_t fo_option;	/* draft-ietf-dhc-failover-12 option code, 0 = none */
};

/* The fields in the order the journal writes them. */
extern const struct record_field record_fields[];
extern const size_t record_nfields;

/* True when the field holds its zero value (0, empty, none). */
bool record_field_zero(const struct record_field *f, const struct lease_rec *rec);
/* True for a record every writer can write and every reader reads back:
 * known states, hlen <= 16, a cid pointer when cid_len > 0, a hostname of
 * at most 255 bytes. */
bool record_valid(const struct lease_rec *rec);
/* True when every field of the table holds the same value in a and b (a
 * NULL hostname and an empty one are the same). */
bool record_same(const struct lease_rec *a, const struct lease_rec *b);
/* Frees cid and hostname (as filled by record_json_read) and clears them. */
void record_clear(struct lease_rec *rec);

/* ---- Journal text: " key=value" for each field ---- */

/* The longest text record_text_format() produces: every field at its
 * longest (a 255-byte cid, every hostname byte escaped, 20-digit times). */
#define RECORD_TEXT_MAX ((6 + 15) + (7 + 9) + (15 + 9) + (7 + 3) + (4 + 47) + \
			 (5 + 2 * LEASE_CID_MAX) + (6 + 3 * LEASE_HOST_MAX) + \
			 (7 + 20) + (5 + 20) + (6 + 20) * 3 + (7 + 20) + (7 + 20) + (7 + 3))

/* Storage for the variable parts of a parsed record. */
struct record_bufs {
	uint8_t cid[LEASE_CID_MAX];
	char hostname[LEASE_HOST_MAX + 1];
};

/* Writes the fields of rec into buf.  Returns the length (no NUL), or 0
 * when cap is too small or the record is not valid. */
size_t record_text_format(char *buf, size_t cap, const struct lease_rec *rec);
/* Parses what record_text_format() writes (len bytes, each field after a
 * space), strictly: only the canonical spelling, no unknown, duplicate or
 * missing key, an optional field only when non-zero; keys in any order.
 * Fills rec (zeroed first; cid and hostname point into b).  Returns 0,
 * or -1 with "key: reason" in err. */
int record_text_parse(const char *s, size_t len, struct lease_rec *rec,
		      struct record_bufs *b, char *err, size_t errlen);

/* ---- JSON: one key per field ---- */

/* Times read from JSON: 0 <= t < this. */
#define RECORD_JSON_TIME_MAX ((int64_t)1 << 40)

/* Adds the fields of rec to the object o (client_id and hostname as null
 * when none; optional fields left out when zero).  Returns 0, or -1 when
 * out of memory. */
int record_json_add(json_object *o, const struct lease_rec *rec);
/* Reads the fields of rec from the object o, which may hold other keys
 * (they are ignored).  Every field but the optional ones must be there;
 * client_id and hostname may be null or "".  Hex may come as "0a1b" or
 * "0a:1b", either case.  cid and hostname are malloc'd (record_clear).
 * Returns 0, or -1 with "key: reason" in err and nothing held by rec. */
int record_json_read(json_object *o, struct lease_rec *rec, char *err, size_t errlen);

#endif
