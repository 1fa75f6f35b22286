/* The Kea translator's helpers: notes with a JSON path and line, typed
 * members, ini text values, boot fields and option sets. */
#include <json-c/json.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/text.h"
#include "import/confxlat.h"
#include "import/kea_priv.h"
#include "proto/options.h"

/* Notes and output -------------------------------------------------------- */

unsigned kea_where(const struct kctx *k, unsigned out_line, char *pfx, size_t cap)
{
	struct kea_line l = kea_text_line(&k->kt, out_line);

	pfx[0] = '\0';
	if (l.file == 0 || l.file >= k->kt.nfiles)
		return l.line;
	snprintf(pfx, cap, "%.200s:%u: ", k->kt.files[l.file].path, l.line);
	return k->kt.files[l.file].top;
}

static void note(struct kctx *k, enum xlat_note_kind kind, const char *path, const char *fmt,
		 va_list ap)
{
	char why[400], pfx[220];
	unsigned line = kea_where(k, kea_json_line(&k->kj, path), pfx, sizeof pfx);

	vsnprintf(why, sizeof why, fmt, ap);
	xlat_note(k->x, line, kind, path, "%s%s", pfx, why);
}

void kea_note(struct kctx *k, const char *path, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	note(k, XLAT_LOST, path, fmt, ap);
	va_end(ap);
}

void kea_info(struct kctx *k, const char *path, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	note(k, XLAT_INFO, path, fmt, ap);
	va_end(ap);
}

/* path + "/" + key (or "[i]" when key is NULL) into out. */
const char *kea_path(char out[KEA_PATH_MAX], const char *path, const char *key, size_t i)
{
	if (key)
		snprintf(out, KEA_PATH_MAX, "%s%s%s", path, path[0] ? "/" : "", key);
	else
		snprintf(out, KEA_PATH_MAX, "%s[%zu]", path, i);
	return out;
}

/* Typed members ------------------------------------------------------------ */

json_object *kea_get(json_object *o, const char *key)
{
	json_object *v = NULL;

	return o && json_object_is_type(o, json_type_object) &&
			       json_object_object_get_ex(o, key, &v) ? v : NULL;
}

void kea_each(struct kctx *k, json_object *arr, const char *path, kea_each_fn *fn, void *arg)
{
	char p[KEA_PATH_MAX];

	if (!arr || !json_object_is_type(arr, json_type_array))
		return;
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		json_object *o = json_object_array_get_idx(arr, i);
		if (json_object_is_type(o, json_type_object))
			fn(k, o, kea_path(p, path, NULL, i), arg);
		else
			kea_note(k, kea_path(p, path, NULL, i), "not an object");
	}
}

/* A member of the wanted type, else NULL (a note when present and of
 * another type). */
json_object *kea_want(struct kctx *k, json_object *o, const char *path, const char *key,
		      json_type t)
{
	json_object *v = kea_get(o, key);
	char p[KEA_PATH_MAX];

	if (!v || json_object_is_type(v, t))
		return v;
	if (t == json_type_double && json_object_is_type(v, json_type_int))
		return v;
	kea_note(k, kea_path(p, path, key, 0), "want %s, got %s",
		 json_type_to_name(t), json_type_to_name(json_object_get_type(v)));
	return NULL;
}

const char *kea_str(struct kctx *k, json_object *o, const char *path, const char *key)
{
	json_object *v = kea_want(k, o, path, key, json_type_string);
	char p[KEA_PATH_MAX];

	if (v && strlen(json_object_get_string(v)) != (size_t)json_object_get_string_len(v)) {
		kea_note(k, kea_path(p, path, key, 0), "a NUL in the text");
		return NULL;
	}
	return v ? json_object_get_string(v) : NULL;
}

/* An integer in lo..hi; false when absent or out of range (noted). */
bool kea_uint(struct kctx *k, json_object *o, const char *path, const char *key, uint64_t lo,
	      uint64_t hi, uint32_t *out)
{
	json_object *v = kea_want(k, o, path, key, json_type_int);
	char p[KEA_PATH_MAX];

	if (!v)
		return false;
	int64_t n = json_object_get_int64(v);
	if (n < 0 || (uint64_t)n < lo || (uint64_t)n > hi) {
		kea_note(k, kea_path(p, path, key, 0), "%lld is out of %llu..%llu",
			 (long long)n, (unsigned long long)lo, (unsigned long long)hi);
		return false;
	}
	*out = (uint32_t)n;
	return true;
}

/* -1 absent (or not a boolean), else 0 or 1. */
int kea_bool(struct kctx *k, json_object *o, const char *path, const char *key)
{
	json_object *v = kea_want(k, o, path, key, json_type_boolean);

	return v ? json_object_get_boolean(v) : -1;
}

bool kea_ip_n(const char *s, size_t n, uint32_t *out)
{
	while (n && *s == ' ')
		s++, n--;
	while (n && s[n - 1] == ' ')
		n--;
	return text_ip4_parse(s, n, out);
}

bool kea_ip(const char *s, uint32_t *out)
{
	return kea_ip_n(s, strlen(s), out);
}

/* What Kea's keys that we do not translate do, and why they need nothing
 * here; any key of neither list gets a generic note. */
static const struct { const char *key, *why; } reasons[] = {
	{ "loggers", "duodhcpd logs to syslog (or stderr with -f)" },
	{ "interfaces-config", "duodhcpd listens on every interface and serves the links of its "
	  "IPBIND_n addresses and [SUBNET:...] sections" },
	{ "control-socket", "duodhcpctl talks to the daemon's HTTP API ([HTTP-Settings])" },
	{ "dhcp-ddns", "duodhcpd sends no DNS updates; its own DNS server ([DNS-Settings]) answers "
	  "for its leases" },
	{ "match-client-id", "duodhcpd identifies a client by option 61 whenever it sends one" },
	{ "echo-client-id", "duodhcpd always echoes option 61 (RFC 6842)" },
	{ "host-reservation-identifiers", "duodhcpd looks reservations up by client identifier, "
	  "then by MAC (docs/config.md, \"Reservations by client identifier\")" },
	{ "reservations-global", "a reservation here applies in its subnet, in or out of pools" },
	{ "reservations-in-subnet", "a reservation here applies in its subnet, in or out of pools" },
	{ "reservations-out-of-pool", "a reservation here applies in its subnet, in or out of pools" },
	{ "reservation-mode", "a reservation here applies in its subnet, in or out of pools" },
	{ "expired-leases-processing", "duodhcpd expires leases itself; reclaimed addresses are "
	  "reused after the longest free time" },
	{ "sanity-checks", "duodhcpd checks every lease it reads from its journal" },
	{ "multi-threading", "duodhcpd serves from one event loop" },
	{ "id", "duodhcpd names a subnet by its network" },
	{ "calculate-tee-times", "T1 and T2 come from T1/T2, else T1Percent/T2Percent of [DUODHCP]" },
	{ "t1-percent", "T1 and T2 come from T1/T2, else T1Percent/T2Percent of [DUODHCP]" },
	{ "t2-percent", "T1 and T2 come from T1/T2, else T1Percent/T2Percent of [DUODHCP]" },
	{ "store-extended-info", "duodhcpd's journal keeps its own set of lease fields" },
	{ "hosts-database", "reservations kept in a database are not in this file; export them "
	  "and add them as client sections" },
	{ "hosts-databases", "reservations kept in a database are not in this file; export them "
	  "and add them as client sections" },
	{ "server-tag", "duodhcpd has no configuration backend" },
	{ "config-control", "duodhcpd has no configuration backend" },
	{ "dhcp4o6-port", "duodhcpd has no DHCPv4-over-DHCPv6" },
	{ "require-client-classes", "duodhcpd has no classes evaluated only on request" },
	{ "client-class", "duodhcpd restricts pools to classes (POOLCLASS_n), not subnets" },
	{ "ddns-send-updates", "duodhcpd sends no DNS updates" },
	{ "hostname-char-set", "duodhcpd cleans names for its own DNS server" },
	{ "hostname-char-replacement", "duodhcpd cleans names for its own DNS server" },
	{ "4o6-interface", "duodhcpd has no DHCPv4-over-DHCPv6" },
	{ "4o6-subnet", "duodhcpd has no DHCPv4-over-DHCPv6" },
	{ "4o6-interface-id", "duodhcpd has no DHCPv4-over-DHCPv6" },
	{ "statistic-default-sample-count", "duodhcpd's counters are in /metrics" },
	{ "statistic-default-sample-age", "duodhcpd's counters are in /metrics" },
	{ "cache-threshold", "duodhcpd renews a lease for its whole time" },
	{ "cache-max-age", "duodhcpd renews a lease for its whole time" },
	{ "parked-packet-limit", "duodhcpd parks no packets for hooks" },
	{ "early-global-reservations-lookup", "duodhcpd looks reservations up once, globally" },
	{ "ip-reservations-unique", "an address may be reserved for one client only here" },
	{ "compatibility", "duodhcpd has LinkSelection in [DUODHCP] for the RAI link selection" },
};

/* A note for every member of o not in known (nor a comment). */
void kea_check_keys(struct kctx *k, json_object *o, const char *path,
		    const char *const *known)
{
	char p[KEA_PATH_MAX];

	json_object_object_foreach(o, key, val) {
		(void)val;
		bool ok = !strcmp(key, "comment") || !strcmp(key, "user-context");
		for (size_t i = 0; !ok && known[i]; i++)
			ok = !strcmp(key, known[i]);
		if (ok)
			continue;
		const char *why = NULL;
		for (size_t i = 0; !why && i < sizeof reasons / sizeof reasons[0]; i++)
			if (!strcmp(key, reasons[i].key))
				why = reasons[i].why;
		if (!why && !strncmp(key, "ddns-", 5))
			why = "duodhcpd sends no DNS updates";
		/* Most keys of the list need nothing here; any other may matter. */
		bool lost = !why || strstr(why, "export") || strstr(why, "DNS updates") ||
			    strstr(why, "not subnets") || strstr(why, "on request");
		char pfx[220];
		kea_path(p, path, key, 0);
		unsigned line = kea_where(k, kea_json_line(&k->kj, p), pfx, sizeof pfx);
		xlat_note(k->x, line, lost ? XLAT_LOST : XLAT_HARMLESS, p, "%s%s", pfx,
			  why ? why : "duodhcpd has no counterpart");
	}
}

/* Text values of the ini ------------------------------------------------------ */

/* Whether s can be the value of an ini key (Hostname, BOOTFILE, SNAME, a
 * class name...) as written: printable, no quote, no variable, at most
 * max bytes.  Values with a ';' or outer blanks are quoted when written. */
bool kea_text_ok(const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n == 0 || n > max || strstr(s, "$("))
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f || s[i] == '"')
			return false;
	return true;
}

void kea_put_text(FILE *f, const char *key, const char *s)
{
	size_t n = strlen(s);
	bool q = strchr(s, ';') || s[0] == ' ' || s[n - 1] == ' ' || s[0] == '\t' ||
		 s[n - 1] == '\t';

	fprintf(f, q ? "%s=\"%s\"\n" : "%s=%s\n", key, s);
}

/* NEXTSERVER, SNAME and BOOTFILE from next-server, server-hostname and
 * boot-file-name of o, into b (left as they are when absent). */
void kea_boot(struct kctx *k, json_object *o, const char *path, struct kboot *b)
{
	const char *s;
	char p[KEA_PATH_MAX];
	uint32_t a;

	if ((s = kea_str(k, o, path, "next-server")) != NULL) {
		if (kea_ip(s, &a))
			b->siaddr = a, b->has_siaddr = true;
		else
			kea_note(k, kea_path(p, path, "next-server", 0),
				 "\"%s\" is not an IPv4 address", s);
	}
	if ((s = kea_str(k, o, path, "server-hostname")) != NULL) {
		if (!s[0] || kea_text_ok(s, 63))
			snprintf(b->sname, sizeof b->sname, "%s", s), b->has_sname = true;
		else
			kea_note(k, kea_path(p, path, "server-hostname", 0),
				 "not 1 to 63 printable characters");
	}
	if ((s = kea_str(k, o, path, "boot-file-name")) != NULL) {
		if (!s[0] || kea_text_ok(s, 127))
			snprintf(b->file, sizeof b->file, "%s", s), b->has_file = true;
		else
			kea_note(k, kea_path(p, path, "boot-file-name", 0),
				 "not 1 to 127 printable characters");
	}
}

void kea_boot_over(struct kboot *b, const struct kboot *over)
{
	if (over->has_siaddr)
		b->siaddr = over->siaddr, b->has_siaddr = true;
	if (over->has_sname)
		memcpy(b->sname, over->sname, sizeof b->sname), b->has_sname = true;
	if (over->has_file)
		memcpy(b->file, over->file, sizeof b->file), b->has_file = true;
}

void kea_emit_boot(FILE *f, const char *pfx, const struct kboot *b)
{
	char a[TEXT_IP4_LEN], key[32];

	if (b->has_siaddr && b->siaddr)
		fprintf(f, "%sNEXTSERVER=%s\n", pfx, text_ip4(b->siaddr, a));
	if (b->has_sname && b->sname[0])
		kea_put_text(f, (snprintf(key, sizeof key, "%sSNAME", pfx), key), b->sname);
	if (b->has_file && b->file[0])
		kea_put_text(f, (snprintf(key, sizeof key, "%sBOOTFILE", pfx), key), b->file);
}
