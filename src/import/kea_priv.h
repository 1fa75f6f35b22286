/* The Kea configuration translator's own pieces (conf_kea.c, kea_opt.c,
 * kea_util.c); not for other modules. */
#ifndef DUODHCP_IMPORT_KEA_PRIV_H
#define DUODHCP_IMPORT_KEA_PRIV_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "import/kea_include.h"
#include "import/kea_json.h"
#include "proto/options.h"

struct xlat;

#define KEA_CLASSES 64		/* [CLASS:name] sections duodhcpd takes */
#define KEA_LOCALS 96		/* the caller's binds and interfaces-config's */

/* One option value, as bytes, with Kea's always-send and never-send. */
struct kopt {
	uint8_t code;
	bool always, never;
	uint16_t len;
	uint8_t *data;
};

struct kopts {
	size_t n;
	struct kopt *v;
};

/* An option-def that became an OPTIONDEF_nn. */
struct kdef {
	uint8_t code;
	char name[64];
	struct opt_layout l;
};

struct kboot {
	bool has_siaddr, has_sname, has_file;
	uint32_t siaddr;
	char sname[64], file[128];
};

struct krange {
	uint32_t first, last;
};

struct ksub {
	uint32_t net, mask, bind;
};

/* The section buffers, written in this order. */
enum kout { KO_SETTINGS, KO_GENERAL, KO_DUODHCP, KO_FAILOVER, KO_CLASS, KO_SUBNET, KO_HOST,
	    KO_N };

struct kctx {
	struct xlat *x;
	struct kea_text kt;		/* the text, includes followed */
	struct kea_json kj;
	FILE *o[KO_N];
	char *ob[KO_N];
	size_t on[KO_N];
	bool oom;

	struct kdef *defs;
	size_t ndefs;
	char classes[KEA_CLASSES][32];	/* translated [CLASS:name] */
	size_t nclasses;

	struct ksub *subs;		/* subnets written */
	size_t nsubs;
	struct krange *ranges;		/* pools written */
	size_t nranges;
	char **ids;			/* reservation identifiers written */
	size_t nids;
	uint32_t *addrs;		/* reserved addresses written */
	size_t naddrs;

	uint32_t locals[KEA_LOCALS];	/* the server's addresses */
	size_t nlocals;
	uint32_t fo_addrs[2];		/* failover Address, PeerAddress */
	bool failover;
	unsigned nbind;			/* IPBIND_n written */
	uint32_t first_mask;		/* for SUBNETMASK */

	uint32_t lease;			/* [GENERAL] LEASETIME */
	uint32_t min, max, t1, t2;	/* global, 0 = none */
	int auth;			/* global authoritative, -1 = not set */
	unsigned nsubnets;		/* subnets written */
};

/* kea_util.c */
/* A line of the text (includes followed) as a line of the main file and,
 * for an included file, "FILE:LINE: " for the note's where. */
unsigned kea_where(const struct kctx *k, unsigned out_line, char *pfx, size_t cap);
/* A note of kind XLAT_LOST (kea_info: XLAT_INFO) about path. */
void kea_note(struct kctx *k, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void kea_info(struct kctx *k, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
const char *kea_path(char out[KEA_PATH_MAX], const char *path, const char *key, size_t i);
json_object *kea_get(json_object *o, const char *key);
/* What kea_each calls for each object of an array, with its path. */
typedef void kea_each_fn(struct kctx *k, json_object *o, const char *path, void *arg);
/* Calls fn for each object of the array arr (at path), noting any other
 * element; a missing arr, or one that is not an array, holds nothing. */
void kea_each(struct kctx *k, json_object *arr, const char *path, kea_each_fn *fn, void *arg);
json_object *kea_want(struct kctx *k, json_object *o, const char *path, const char *key,
		      json_type t);
const char *kea_str(struct kctx *k, json_object *o, const char *path, const char *key);
bool kea_uint(struct kctx *k, json_object *o, const char *path, const char *key, uint64_t lo,
	      uint64_t hi, uint32_t *out);
int kea_bool(struct kctx *k, json_object *o, const char *path, const char *key);
bool kea_ip(const char *s, uint32_t *out);
bool kea_ip_n(const char *s, size_t n, uint32_t *out);
void kea_check_keys(struct kctx *k, json_object *o, const char *path,
		    const char *const *known);
bool kea_text_ok(const char *s, size_t max);
void kea_put_text(FILE *f, const char *key, const char *s);
void kea_boot(struct kctx *k, json_object *o, const char *path, struct kboot *b);
void kea_boot_over(struct kboot *b, const struct kboot *over);
void kea_emit_boot(FILE *f, const char *pfx, const struct kboot *b);

/* kea_opt.c */
const struct opt_layout *kea_layout(const struct kctx *k, uint8_t code);
void kea_opts_free(struct kopts *os);
bool kea_opts_put(struct kopts *os, const struct kopt *o);
bool kea_opts_merge(struct kopts *out, const struct kopts *base, const struct kopts *over);
void kea_emit_options(FILE *f, const char *pfx, const struct kopts *os, const struct kctx *k,
		      bool sends);
/* option-data at path (an array) into os. */
void kea_option_data(struct kctx *k, json_object *arr, const char *path, struct kopts *os);
void kea_option_defs(struct kctx *k, json_object *arr, const char *path);
void kea_client_classes(struct kctx *k, json_object *arr, const char *path);
bool kea_class_known(const struct kctx *k, const char *name);
/* Kea's hex bytes ("0x0a0b", "0a:0b", "0a 0b"); the count, or -1. */
int kea_hex(const char *s, uint8_t *out, size_t cap);

#endif
