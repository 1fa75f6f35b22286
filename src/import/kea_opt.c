/* Kea's option-data, option-def and client-classes in our terms: option
 * values become bytes (checked as duodhcpd's parser will check them),
 * definitions OPTIONDEF_nn layouts, and a class whose test is a simple
 * match on an option, a relay sub-option or the MAC a [CLASS:name]. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/text.h"
#include "import/kea_priv.h"
#include "proto/options.h"

/* Kea's names for options whose name in our table differs, or that our
 * table leaves out (Kea 2.2's std_option_defs.h). */
static const struct { const char *name; uint8_t code; } kea_names[] = {
	{ "name-servers", 5 }, { "nwip-domain-name", 62 }, { "nwip-suboptions", 63 },
	{ "fqdn", 81 }, { "dhcp-agent-options", 82 }, { "authenticate", 90 },
	{ "client-system", 93 }, { "v6-only-preferred", 108 }, { "v4-captive-portal", 114 },
	{ "vivco-suboptions", 124 }, { "vivso-suboptions", 125 }, { "option-6rd", 212 },
	{ "v4-access-domain", 213 }, { "v4-lost", 137 }, { "v4-sztp-redirect", 143 },
	{ "v4-portparams", 159 }, { "ntp-servers", 42 }, { "netbios-dd-server", 45 },
	{ "nisplus-domain-name", 64 }, { "slp-directory-agent", 78 },
	{ "slp-service-scope", 79 }, { "nds-servers", 85 }, { "nds-tree-name", 86 },
	{ "nds-context", 87 }, { "bcms-controller-names", 88 },
	{ "bcms-controller-address", 89 }, { "uap-servers", 98 }, { "geoconf-civic", 99 },
	{ "netinfo-server-address", 112 }, { "netinfo-server-tag", 113 },
	{ "name-service-search", 117 }, { "pana-agent", 136 }, { "capwap-ac-v4", 138 },
	{ "sip-ua-cs-domains", 141 }, { "rdnss-selection", 146 },
};

/* Codes duodhcpd sets itself, and why. */
static const char *forbidden(uint8_t code)
{
	switch (code) {
	case 1:
		return "duodhcpd sends the subnet's mask itself";
	case 51:
	case 58:
	case 59:
		return "lease times come from valid-lifetime, renew-timer and rebind-timer";
	case 50: case 52: case 53: case 54: case 55: case 57: case 61: case 82:
		return "set by the protocol, not by configuration";
	}
	return NULL;
}

const struct opt_layout *kea_layout(const struct kctx *k, uint8_t code)
{
	for (size_t i = 0; i < k->ndefs; i++)
		if (k->defs[i].code == code)
			return &k->defs[i].l;
	return NULL;
}

static int code_by_name(const struct kctx *k, const char *name)
{
	const struct opt_def *d = opt_def_by_name(name);

	for (size_t i = 0; i < sizeof kea_names / sizeof kea_names[0]; i++)
		if (!strcmp(kea_names[i].name, name))
			return kea_names[i].code;
	if (d)
		return d->code;
	for (size_t i = 0; i < k->ndefs; i++)
		if (!strcmp(k->defs[i].name, name))
			return k->defs[i].code;
	return -1;
}

/* Kea's hex (csv-format false): digits, optionally with 0x, ':' or blanks;
 * an odd count gets a leading 0 as Kea gives it.  -1 when not hex. */
int kea_hex(const char *s, uint8_t *out, size_t cap)
{
	size_t nd = 0, n = 0;
	int hi = -1;

	while (*s == ' ')
		s++;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2;
	for (const char *p = s; *p; p++)
		nd += text_hexval(*p) >= 0;
	if (nd % 2)
		hi = 0;
	for (; *s; s++) {
		int v = text_hexval(*s);
		if (v < 0) {
			if (*s != ':' && *s != ' ' && *s != '\t')
				return -1;
			continue;
		}
		if (hi < 0) {
			hi = v;
			continue;
		}
		if (n == cap)
			return -1;
		out[n++] = (uint8_t)(hi << 4 | v);
		hi = -1;
	}
	return (int)n;
}

/* Comma-separated 16-bit numbers (Kea's uint16 arrays: 25, 93). */
static int u16_list(const char *s, uint8_t *out, size_t cap)
{
	size_t n = 0;

	while (*s) {
		char *end;
		unsigned long v = strtoul(s, &end, 10);
		if (end == s || v > 65535 || n + 2 > cap)
			return -1;
		out[n++] = (uint8_t)(v >> 8);
		out[n++] = (uint8_t)v;
		s = end;
		while (*s == ' ')
			s++;
		if (*s == ',')
			s++;
		else if (*s)
			return -1;
		while (*s == ' ')
			s++;
	}
	return n ? (int)n : -1;
}

/* Comma-separated domain names in DNS wire form (RFC 3397, option 119). */
static int fqdn_list(const char *s, uint8_t *out, size_t cap)
{
	size_t n = 0;

	while (*s) {
		while (*s == ' ')
			s++;
		size_t len = strcspn(s, ",");
		const char *end = s + len;
		while (end > s && end[-1] == ' ')
			end--;
		while (s < end) {
			size_t l = strcspn(s, ".");
			if (s + l > end)
				l = (size_t)(end - s);
			if (l == 0 || l > 63 || n + l + 1 > cap)
				return -1;
			out[n++] = (uint8_t)l;
			memcpy(out + n, s, l);
			n += l;
			s += l;
			if (s < end)
				s++;
		}
		if (n + 1 > cap)
			return -1;
		out[n++] = 0;
		s += strcspn(s, ",");
		if (*s)
			s++;
	}
	return n ? (int)n : -1;
}

/* Kea 2.2's classless routes "10.0.0.0/8 - 10.0.0.1, ..." as ours
 * ("10.0.0.0/8 10.0.0.1, ..."). */
static int routes(const char *s, uint8_t *out, size_t cap, char *why, size_t wl)
{
	char *t = malloc(strlen(s) + 1), *d = t;

	if (!t)
		return -1;
	for (; *s; s++)
		*d++ = *s == '-' ? ' ' : *s;
	*d = '\0';
	int n = opt_encode(OPT_ROUTES, t, out, cap, why, wl);
	free(t);
	return n;
}

/* Kea's standard options that our table has no type for, by their kind
 * of text (std_option_defs.h): written as hex after encoding here. */
enum kkind { KK_IPS = 1, KK_STRING, KK_U16S, KK_FQDNS };

static enum kkind std_kind(uint8_t code)
{
	static const struct { uint8_t code, kind; } kinds[] = {
		{ 62, KK_STRING }, { 85, KK_IPS }, { 86, KK_STRING }, { 87, KK_STRING },
		{ 88, KK_FQDNS }, { 89, KK_IPS }, { 98, KK_STRING }, { 112, KK_IPS },
		{ 113, KK_STRING }, { 117, KK_U16S }, { 136, KK_IPS }, { 137, KK_FQDNS },
		{ 138, KK_IPS }, { 141, KK_FQDNS }, { 213, KK_FQDNS },
	};
	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
		if (kinds[i].code == code)
			return (enum kkind)kinds[i].kind;
	return 0;
}

static int by_kind(enum kkind kind, const char *data, uint8_t *out, size_t cap, char *why,
		   size_t wl)
{
	size_t len = strlen(data);

	switch (kind) {
	case KK_IPS:
		return opt_encode(OPT_IPS, data, out, cap, why, wl);
	case KK_STRING:
		if (len > cap)
			return -1;
		memcpy(out, data, len);
		return (int)len;
	case KK_U16S:
		return u16_list(data, out, cap);
	case KK_FQDNS:
		return fqdn_list(data, out, cap);
	}
	return -1;
}

/* The bytes of data for code, as Kea reads them (csv or hex); -1 with a
 * reason. */
static int encode(const struct kctx *k, uint8_t code, bool csv, const char *data, uint8_t *out,
		  size_t cap, char *why, size_t wl)
{
	const struct opt_layout *l = kea_layout(k, code);
	const struct opt_def *d = opt_def_by_code(code);
	int n;

	snprintf(why, wl, "not a value duodhcpd can read for this option");
	if (csv && !d && !l && std_kind(code))
		return by_kind(std_kind(code), data, out, cap, why, wl);
	if (!csv || (!d && !l)) {
		n = kea_hex(data, out, cap);
		if (n < 0)
			snprintf(why, wl, csv ? "no type for this code here, and the data is not hex (give "
					      "it with \"csv-format\": false)"
					      : "not hex");
		return n;
	}
	if (l)
		return opt_layout_encode(l, data, out, cap, why, wl);
	if (d->type == OPT_STRING) {
		size_t len = strlen(data);
		if (len > cap)
			return -1;
		memcpy(out, data, len);
		return (int)len;
	}
	if (d->type == OPT_ROUTES)
		return routes(data, out, cap, why, wl);
	if (d->type != OPT_BYTES)
		return opt_encode(d->type, data, out, cap, why, wl);
	if (code == 25 || code == 93)
		return u16_list(data, out, cap);
	if (code == 119)
		return fqdn_list(data, out, cap);
	snprintf(why, wl, "Kea's text form of this option has no counterpart; give it with "
		 "\"csv-format\": false and hex data");
	return -1;
}

/* The value is one duodhcpd's parser takes for code. */
static const char *check_value(const struct kctx *k, uint8_t code, const uint8_t *v, size_t n)
{
	const struct opt_layout *l = kea_layout(k, code);
	const struct opt_def *d = opt_def_by_code(code);

	if (n == 0)
		return "an empty value";
	if (n > OPT_VALUE_MAX)
		return "longer than 1024 bytes";
	if (l && !opt_layout_valid(l, v, n))
		return "not a value of its option-def";
	if (d && !opt_valid(d->type, v, n))
		return "not a valid value of its type";
	return opt_constraint(code, v, n);
}

/* The option's code, by "code" or "name"; -1 noted. */
static int option_code(struct kctx *k, json_object *o, const char *path)
{
	uint32_t code;
	const char *name = kea_str(k, o, path, "name");
	char p[KEA_PATH_MAX];

	if (kea_get(o, "code"))
		return kea_uint(k, o, path, "code", 1, 254, &code) ? (int)code : -1;
	if (!name) {
		kea_note(k, path, "an option without code or name");
		return -1;
	}
	int c = code_by_name(k, name);
	if (c < 0)
		kea_note(k, kea_path(p, path, "name", 0), "unknown option \"%s\"",
			 name);
	return c;
}

static void one_option(struct kctx *k, json_object *o, const char *path, struct kopts *os)
{
	static const char *const known[] = { "name", "code", "data", "csv-format", "space",
		"always-send", "never-send", NULL };
	const char *space = kea_str(k, o, path, "space");
	uint8_t buf[OPT_VALUE_MAX + 1];
	char why[160];

	if (!json_object_is_type(o, json_type_object)) {
		kea_note(k, path, "not an object");
		return;
	}
	kea_check_keys(k, o, path, known);
	if (space && strcmp(space, "dhcp4")) {
		kea_note(k, path, "an option of space \"%s\" (a sub-option); "
			 "VENDOR43_n and VIVSO_n build options 43 and 125", space);
		return;
	}
	int code = option_code(k, o, path);
	if (code < 0)
		return;
	if (forbidden((uint8_t)code)) {
		kea_note(k, path, "option %d: %s", code, forbidden((uint8_t)code));
		return;
	}
	const char *data = kea_str(k, o, path, "data");
	int csv = kea_bool(k, o, path, "csv-format");
	int n = encode(k, (uint8_t)code, csv != 0, data ? data : "", buf, OPT_VALUE_MAX + 1, why,
		       sizeof why);
	const char *bad = n < 0 ? why : check_value(k, (uint8_t)code, buf, (size_t)n);
	if (bad) {
		kea_note(k, path, "option %d: %s", code, bad);
		return;
	}
	struct kopt ko = { (uint8_t)code, kea_bool(k, o, path, "always-send") == 1,
			   kea_bool(k, o, path, "never-send") == 1, (uint16_t)n, buf };
	if (ko.always && ko.never)
		ko.never = false;
	for (size_t i = 0; i < os->n; i++)
		if (os->v[i].code == code)
			kea_note(k, path, "option %d is given twice here: the later one is kept",
				 code);
	k->oom |= !kea_opts_put(os, &ko);
}

void kea_option_data(struct kctx *k, json_object *arr, const char *path, struct kopts *os)
{
	char p[KEA_PATH_MAX];

	if (!arr)
		return;
	if (!json_object_is_type(arr, json_type_array)) {
		kea_note(k, path, "not an array");
		return;
	}
	for (size_t i = 0; i < json_object_array_length(arr); i++)
		one_option(k, json_object_array_get_idx(arr, i), kea_path(p, path, NULL, i), os);
}

/* option-def ------------------------------------------------------------------ */

static const char *our_type(const char *kea)
{
	static const struct { const char *kea, *ours; } map[] = {
		{ "ipv4-address", "ip" }, { "uint8", "u8" }, { "uint16", "u16" },
		{ "uint32", "u32" }, { "int32", "i32" }, { "boolean", "bool" },
		{ "string", "string" }, { "binary", "hex" },
	};
	while (*kea == ' ')
		kea++;
	size_t n = strlen(kea);
	while (n && kea[n - 1] == ' ')
		n--;
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
		if (strlen(map[i].kea) == n && !strncmp(map[i].kea, kea, n))
			return map[i].ours;
	return NULL;
}

/* "record ip, u16, string" from Kea's record-types; false when a type has
 * no counterpart. */
static bool record_layout(const char *types, char *out, size_t cap)
{
	char one[32];
	size_t n = (size_t)snprintf(out, cap, "record ");

	while (*types) {
		size_t l = strcspn(types, ",");
		if (l >= sizeof one)
			return false;
		memcpy(one, types, l);
		one[l] = '\0';
		const char *t = our_type(one);
		if (!t || n + strlen(t) + 3 > cap)
			return false;
		n += (size_t)snprintf(out + n, cap - n, "%s%s", n > 7 ? ", " : "", t);
		types += l + (types[l] == ',');
	}
	return n > 7;
}

static void one_def(struct kctx *k, json_object *o, const char *path, void *arg)
{
	(void)arg;
	static const char *const known[] = { "name", "code", "type", "array", "record-types",
		"space", "encapsulate", NULL };
	const char *name = kea_str(k, o, path, "name"), *type = kea_str(k, o, path, "type");
	const char *space = kea_str(k, o, path, "space"), *enc = kea_str(k, o, path, "encapsulate");
	const char *rec = kea_str(k, o, path, "record-types");
	char layout[200], why[160];
	uint32_t code;

	kea_check_keys(k, o, path, known);
	if (!kea_uint(k, o, path, "code", 1, 254, &code) || !type || !name) {
		kea_note(k, path, "an option-def needs name, code and type");
		return;
	}
	if (space && strcmp(space, "dhcp4")) {
		kea_note(k, path, "a definition in space \"%s\" (sub-options)", space);
		return;
	}
	if (enc && enc[0]) {
		kea_note(k, path, "encapsulated options");
		return;
	}
	if (opt_def_by_code((uint8_t)code) || forbidden((uint8_t)code) ||
	    kea_layout(k, (uint8_t)code)) {
		kea_note(k, path, "code %u has a definition already", code);
		return;
	}
	const char *t = our_type(type);
	bool array = kea_bool(k, o, path, "array") == 1;
	if (!strcmp(type, "record") && rec && !array) {
		if (!record_layout(rec, layout, sizeof layout)) {
		kea_note(k, path, "record-types \"%s\": a type duodhcpd has no "
					"counterpart for", rec);
		return;
	}
	} else if (t)
		snprintf(layout, sizeof layout, "%s%s", array ? "array " : "", t);
	else
		{
		kea_note(k, path, "type \"%s\"%s: duodhcpd has no counterpart", type,
			 array ? " (array)" : "");
		return;
	}
	struct kdef d = { (uint8_t)code, "", { 0 } };
	snprintf(d.name, sizeof d.name, "%s", name);
	if (opt_layout_parse(layout, &d.l, why, sizeof why) < 0) {
		kea_note(k, path, "%s: %s", layout, why);
		return;
	}
	struct kdef *v = realloc(k->defs, (k->ndefs + 1) * sizeof *v);
	if (!v) {
		k->oom = true;
		return;
	}
	k->defs = v;
	k->defs[k->ndefs++] = d;
	fprintf(k->o[KO_GENERAL], "OPTIONDEF_%u=%s\n", code, layout);
}

void kea_option_defs(struct kctx *k, json_object *arr, const char *path)
{
	kea_each(k, arr, path, one_def, NULL);
}

/* client-classes ------------------------------------------------------------- */

/* A test expression, read as "TERM (and|or TERM)*" where each term is
 * [not] a comparison of an option, relay sub-option or the MAC (whole
 * or a leading substring) with a literal, or an .exists. */
struct tok {
	const char *s;
	char why[120];
};

static void ws(struct tok *t)
{
	while (*t->s == ' ' || *t->s == '\t' || *t->s == '\n' || *t->s == '\r')
		t->s++;
}

static bool word(struct tok *t, const char *w)
{
	size_t n = strlen(w);

	ws(t);
	if (strncmp(t->s, w, n) || (isalnum((unsigned char)w[n - 1]) &&
				    (isalnum((unsigned char)t->s[n]) || t->s[n] == '_')))
		return false;
	t->s += n;
	return true;
}

static bool number(struct tok *t, unsigned long *v)
{
	char *end;

	ws(t);
	if (!isdigit((unsigned char)*t->s))
		return false;
	*v = strtoul(t->s, &end, 10);
	t->s = end;
	return true;
}

/* The subject: "option:N", "option:82.S" or "hw"; *sub the prefix length
 * of a substring(x,0,L) around it (0 = whole). */
static bool subject(struct tok *t, char *out, size_t cap, unsigned long *sub, bool *exists)
{
	unsigned long n, from;

	*sub = 0;
	if (word(t, "substring")) {
		if (!word(t, "(") || !subject(t, out, cap, &n, exists) || *exists || n ||
		    !word(t, ",") || !number(t, &from) || from != 0 || !word(t, ","))
			return snprintf(t->why, sizeof t->why, "a substring not from 0"), false;
		if (word(t, "all"))
			*sub = 0;
		else if (!number(t, sub) || *sub == 0)
			return false;
		return word(t, ")");
	}
	*exists = false;
	if (word(t, "pkt4.mac"))
		return snprintf(out, cap, "hw"), true;
	bool relay = word(t, "relay4");
	if (!relay && !word(t, "option"))
		return false;
	if (!word(t, "[") || !number(t, &n) || !word(t, "]") || n < 1 || n > 254)
		return false;
	if (relay)
		snprintf(out, cap, "option:82.%lu", n);
	else
		snprintf(out, cap, "option:%lu", n);
	if (word(t, ".exists"))
		return *exists = true, true;
	return word(t, ".hex") || word(t, ".text");
}

/* A literal: 'text' or 0xHEX, as a Match value into out; its length in
 * bytes into *len. */
static bool literal(struct tok *t, char *out, size_t cap, size_t *len)
{
	uint8_t b[255];
	char hex[3 * sizeof b + 1];

	ws(t);
	if (*t->s == '\'') {
		const char *end = strchr(t->s + 1, '\'');
		if (!end || end == t->s + 1 || (size_t)(end - t->s - 1) > sizeof b)
			return false;
		*len = (size_t)(end - t->s - 1);
		memcpy(b, t->s + 1, *len);
		t->s = end + 1;
	} else if (t->s[0] == '0' && (t->s[1] == 'x' || t->s[1] == 'X')) {
		size_t n = 2;
		while (text_hexval(t->s[n]) >= 0)
			n++;
		char digits[2 * sizeof b + 3];
		if (n - 2 > 2 * sizeof b || n == 2)
			return false;
		memcpy(digits, t->s, n);
		digits[n] = '\0';
		int r = kea_hex(digits, b, sizeof b);
		if (r <= 0)
			return false;
		*len = (size_t)r;
		t->s += n;
	} else
		return false;
	bool text = true;
	for (size_t i = 0; i < *len; i++)
		text = text && b[i] >= 0x20 && b[i] < 0x7f && b[i] != '"' && b[i] != '\\' &&
		       b[i] != ';' && !(b[i] == '$' && i + 1 < *len && b[i + 1] == '(');
	if (text)
		snprintf(out, cap, "\"%.*s\"", (int)*len, (const char *)b);
	else
		snprintf(out, cap, "hex:%s", text_hex(hex, b, *len, ':'));
	return true;
}

/* One term as a Match_n value into out. */
static bool term(struct tok *t, char *out, size_t cap)
{
	bool neg = word(t, "not"), exists;
	char subj[32], val[800];
	unsigned long sub;
	size_t len;

	if (!subject(t, subj, sizeof subj, &sub, &exists))
		return false;
	if (exists)
		return snprintf(out, cap, "%s%s exists", neg ? "not " : "", subj), true;
	if (!word(t, "==") || !literal(t, val, sizeof val, &len))
		return false;
	if (sub && sub != len)
		return snprintf(t->why, sizeof t->why, "a substring of another length than "
				"the value"), false;
	snprintf(out, cap, "%s%s %s %s", neg ? "not " : "", subj, sub ? "prefix" : "=", val);
	return true;
}

/* The test as Match_n lines into f; false (with t->why) when it is more
 * than that language says. */
static bool test_to_matches(const char *test, FILE *f, int *nterms)
{
	struct tok t = { test, "" };
	char m[900];
	int conj = 0;		/* 1 and, 2 or */

	*nterms = 0;
	for (;;) {
		if (!term(&t, m, sizeof m) || *nterms == 16)
			return false;
		fprintf(f, "Match_%d=%s\n", ++*nterms, m);
		ws(&t);
		if (!*t.s)
			break;
		int c = word(&t, "and") ? 1 : word(&t, "or") ? 2 : 0;
		if (!c || (conj && c != conj))
			return false;
		conj = c;
	}
	if (conj == 2)
		fprintf(f, "MatchAny=1\n");
	return true;
}

bool kea_class_known(const struct kctx *k, const char *name)
{
	for (size_t i = 0; i < k->nclasses; i++)
		if (!strcasecmp(k->classes[i], name))
			return true;
	return false;
}

static bool class_name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 31)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("-_.", s[i]))
			return false;
	return true;
}

static void class_body(struct kctx *k, json_object *o, const char *path, FILE *f)
{
	struct kopts os = { 0 };
	struct kboot b = { 0 };
	uint32_t lt;

	if (kea_uint(k, o, path, "valid-lifetime", 1, UINT32_MAX, &lt))
		fprintf(f, "LEASETIME=%u\n", lt);
	kea_boot(k, o, path, &b);
	kea_emit_boot(f, "", &b);
	kea_option_data(k, kea_get(o, "option-data"), kea_path((char[KEA_PATH_MAX]){ 0 }, path,
							       "option-data", 0), &os);
	kea_emit_options(f, "", &os, k, true);
	kea_opts_free(&os);
}

static void one_class(struct kctx *k, json_object *o, const char *path, void *arg)
{
	(void)arg;
	static const char *const known[] = { "name", "test", "option-data", "next-server",
		"server-hostname", "boot-file-name", "valid-lifetime", "option-def", NULL };
	const char *name = kea_str(k, o, path, "name"), *test = kea_str(k, o, path, "test");
	char *text = NULL;
	size_t n = 0;
	int nterms;

	if (!name || !class_name_ok(name)) {
		kea_note(k, path, "class name \"%s\": not 1 to 31 letters, digits, '-', '_' "
				"or '.'", name ? name : "");
		return;
	}
	if (kea_class_known(k, name) || k->nclasses == KEA_CLASSES) {
		kea_note(k, path, "class %s: %s", name,
				k->nclasses == KEA_CLASSES ? "more than 64 classes" : "a second class "
				"of that name");
		return;
	}
	if (!test) {
		kea_note(k, path, "class %s has no test (a class given by reservations or "
				"hooks)", name);
		return;
	}
	FILE *m = open_memstream(&text, &n);
	if (!m) {
		k->oom = true;
		return;
	}
	bool ok = test_to_matches(test, m, &nterms);
	fclose(m);
	if (!ok) {
		kea_note(k, kea_path((char[KEA_PATH_MAX]){ 0 }, path, "test", 0),
			 "class %s: test \"%.120s\" is not a simple option, relay or MAC match: "
			 "pools naming it lose the restriction",
			 name, test);
		free(text);
		return;
	}
	kea_check_keys(k, o, path, known);
	snprintf(k->classes[k->nclasses++], sizeof k->classes[0], "%s", name);
	fprintf(k->o[KO_CLASS], "\n[CLASS:%s]\n%s", name, text);
	free(text);
	class_body(k, o, path, k->o[KO_CLASS]);
}

void kea_client_classes(struct kctx *k, json_object *arr, const char *path)
{
	kea_each(k, arr, path, one_class, NULL);
}

/* Option sets ------------------------------------------------------------------- */

void kea_opts_free(struct kopts *os)
{
	for (size_t i = 0; i < os->n; i++)
		free(os->v[i].data);
	free(os->v);
	*os = (struct kopts){ 0 };
}

/* Adds or replaces (same code) an option; false when out of memory. */
bool kea_opts_put(struct kopts *os, const struct kopt *o)
{
	uint8_t *d = malloc(o->len ? o->len : 1);
	size_t i;

	if (!d)
		return false;
	memcpy(d, o->data, o->len);
	for (i = 0; i < os->n && os->v[i].code != o->code; i++)
		;
	if (i == os->n) {
		struct kopt *v = realloc(os->v, (os->n + 1) * sizeof *v);
		if (!v) {
			free(d);
			return false;
		}
		os->v = v;
		os->n++;
	} else
		free(os->v[i].data);
	os->v[i] = *o;
	os->v[i].data = d;
	return true;
}

/* base with over's options over it, into out. */
bool kea_opts_merge(struct kopts *out, const struct kopts *base, const struct kopts *over)
{
	for (size_t i = 0; base && i < base->n; i++)
		if (!kea_opts_put(out, &base->v[i]))
			return false;
	for (size_t i = 0; over && i < over->n; i++)
		if (!kea_opts_put(out, &over->v[i]))
			return false;
	return true;
}

static void emit_one(FILE *f, const char *pfx, const struct kopt *o, const struct kctx *k)
{
	const struct opt_layout *l = kea_layout(k, o->code);
	const struct opt_def *d = opt_def_by_code(o->code);
	enum opt_type t = d && opt_valid(d->type, o->data, o->len) ? d->type : OPT_BYTES;
	char *text = NULL;
	size_t n = 0;
	FILE *m = open_memstream(&text, &n);

	for (size_t i = 0; t == OPT_STRING && i < o->len; i++)
		if (o->data[i] < 0x20 || o->data[i] > 0x7e)
			t = OPT_BYTES;
	if (m) {
		if (l && opt_layout_valid(l, o->data, o->len))
			opt_layout_format(m, l, o->data, o->len);
		else
			fprintf(m, "%s:", opt_type_name(t)), opt_format(m, t, o->data, o->len);
		fclose(m);
	}
	/* Hex when the text would not fit a line or could be read as a
	 * variable ($(...)) or a layout's own hex: form. */
	if (!text || n > 3 * OPT_VALUE_MAX || strstr(text, "$(") ||
	    (l && strncasecmp(text, "hex:", 4) == 0) ||
	    (l && !opt_layout_valid(l, o->data, o->len))) {
		fprintf(f, "%sOPTION_%u=hex:", pfx, o->code);
		opt_format(f, OPT_BYTES, o->data, o->len);
		fputc('\n', f);
	} else
		fprintf(f, "%sOPTION_%u=%s\n", pfx, o->code, text);
	free(text);
}

void kea_emit_options(FILE *f, const char *pfx, const struct kopts *os, const struct kctx *k,
		      bool sends)
{
	for (size_t i = 0; i < os->n; i++)
		emit_one(f, pfx, &os->v[i], k);
	if (!sends)
		return;
	for (int always = 1; always >= 0; always--) {
		bool any = false;
		for (size_t i = 0; i < os->n; i++) {
			if (always ? !os->v[i].always : !os->v[i].never)
				continue;
			if (any)
				fprintf(f, ",%u", os->v[i].code);
			else
				fprintf(f, "%s=%u", always ? "AlwaysSend" : "NeverSend", os->v[i].code);
			any = true;
		}
		if (any)
			fputc('\n', f);
	}
}
