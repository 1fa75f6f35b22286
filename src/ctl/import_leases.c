/* duodhcpctl import-leases (see import_leases.h, docs/lease-import.md).
 *
 * The file is read whole (bounded) by the readers of import/leasefile.h;
 * damage is reported as FILE:LINE and imports nothing unless --keep-good.
 * Each record is then decided by the rules of core/adopt.h: by the daemon
 * online, here offline, so that both give the same report. */
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <json-c/json.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "common/text.h"
#include "conf/config.h"
#include "core/adopt.h"
#include "core/lease.h"
#include "core/record.h"
#include "ctl/client.h"
#include "daemon/privs.h"
#include "ctl/import_leases.h"
#include "failover/wire.h"
#include "http/api.h"
#include "import/fo_carry.h"
#include "import/leasefile.h"
#include "store/store.h"

#define FILE_MAX (1u << 30)	/* a lease file larger than 1 GiB is refused */
#define BATCH_BYTES (API_BODY_MAX - 4096)
#define BATCH_MAX API_IMPORT_MAX
#define TIMEOUT_S 60L
#define NOT_SKIPPED 0xff

struct imp_opts {
	const char *config, *url, *file, *token;
	enum leasefile_format from;
	bool offline, keep_good, dry_run, no_fo_state;
};

/* What became of the records: counts by outcome, and per record (index
 * in lf->recs) the outcome of a skipped one. */
struct imp_result {
	uint64_t counts[ADOPT_OUTCOMES];
	uint8_t *skip;
	/* Offline: what became of the file's failover state (fo_carry.h). */
	bool fo_decided;
	enum fo_carry fo;
	const struct leasefile_fo *fo_from;
	struct store_fo_rec fo_rec;
};

/* ---- the command line ---- */

static void usage(FILE *f)
{
	fputs("usage: duodhcpctl -c FILE import-leases [--from isc|kea|dnsmasq] [--offline]\n"
	      "                  [--keep-good] [--dry-run] [--no-failover-state] LEASEFILE\n"
	      "  --from FORMAT  the file's format (default: guessed from its first bytes)\n"
	      "  --offline      write into the journal of FILE's [DUODHCP] Journal=, with\n"
	      "                 the daemon stopped (default: through the running daemon's\n"
	      "                 API, which needs ApiToken or $DUODHCP_TOKEN)\n"
	      "  --keep-good    import the good records of a damaged file\n"
	      "  --dry-run      decide and report, change nothing\n"
	      "  --no-failover-state\n"
	      "                 offline: do not carry the ISC server's failover state over\n"
	      "                 (the new server then recovers from its partner)\n"
	      "Exit 0: done (skipped records are reported); 1: nothing imported (damaged\n"
	      "file, refused, journal in use or failing); 2: bad usage, configuration or file.\n",
	      f);
}

bool ctl_import_wanted(int argc, char **argv)
{
	const char *cmd = NULL;
	for (int i = 1; i < argc && !cmd; i++) {
		const char *a = argv[i];
		if (strcmp(a, "-c") == 0 || strcmp(a, "-u") == 0 || strcmp(a, "--config") == 0 ||
		    strcmp(a, "--from") == 0)
			i++;	/* and its value */
		else if (a[0] != '-')
			cmd = a;
	}
	return cmd && strcmp(cmd, "import-leases") == 0;
}

static int parse_args(int argc, char **argv, struct imp_opts *o)
{
	static const struct option lo[] = {
		{ "config", required_argument, NULL, 'c' }, { "from", required_argument, NULL, 'f' },
		{ "offline", no_argument, NULL, 'o' }, { "keep-good", no_argument, NULL, 'k' },
		{ "dry-run", no_argument, NULL, 'n' }, { "help", no_argument, NULL, 'h' },
		{ "no-failover-state", no_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 } };
	int ch;
	while ((ch = getopt_long(argc, argv, "c:u:h", lo, NULL)) != -1) {
		switch (ch) {
		case 'c': o->config = optarg; break;
		case 'u': o->url = optarg; break;
		case 'o': o->offline = true; break;
		case 'k': o->keep_good = true; break;
		case 'n': o->dry_run = true; break;
		case 's': o->no_fo_state = true; break;
		case 'h': usage(stdout); exit(0);
		case 'f':
			if (!(o->from = leasefile_format_parse(optarg))) {
				fprintf(stderr, "duodhcpctl: --from: unknown format %s (isc, kea "
					"or dnsmasq)\n", optarg);
				return -1;
			}
			break;
		default: return -1;
		}
	}
	/* getopt moved the operands to the end: the command, then the file. */
	if (optind + 2 != argc || strcmp(argv[optind], "import-leases") != 0 ||
	    (!o->config && (o->offline || !o->url))) {
		usage(stderr);
		return -1;
	}
	o->file = argv[optind + 1];
	return 0;
}

/* ---- the file ---- */

/* The whole file, at most FILE_MAX bytes; NULL with a message said. */
static char *read_all(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat sb;
	char *buf = NULL;
	const char *why = NULL;
	if (fd < 0 || fstat(fd, &sb) < 0)
		why = strerror(errno);
	else if (!S_ISREG(sb.st_mode))
		why = "not a regular file";
	else if (sb.st_size > FILE_MAX)
		why = "larger than 1 GiB";
	if (why) {
		fprintf(stderr, "duodhcpctl: %s: %s\n", path, why);
		goto out;
	}
	buf = malloc((size_t)sb.st_size + 1);
	*len = 0;
	while (buf && *len < (size_t)sb.st_size) {
		ssize_t r = read(fd, buf + *len, (size_t)sb.st_size - *len);
		if (r <= 0)
			break;	/* shrank while read: take what there was */
		*len += (size_t)r;
	}
	if (!buf)
		fprintf(stderr, "duodhcpctl: %s: out of memory\n", path);
out:
	if (fd >= 0)
		close(fd);
	return buf;
}

/* The address a line of the file is the record of, or 0: ISC's "lease
 * A {", Kea's row "A,...", dnsmasq's "EXPIRY MAC A ...".  Only for the
 * report's line numbers: the readers of import/ did the parsing. */
static uint32_t line_key(enum leasefile_format f, const char *p, size_t n)
{
	size_t at = 0, len;
	uint32_t a = 0;
	if (f == LEASEFILE_ISC) {
		if (n < 6 || memcmp(p, "lease ", 6) != 0)
			return 0;
		at = 6;
	} else if (f == LEASEFILE_DNSMASQ) {
		for (int field = 0; field < 2 && at < n; field++) {
			at += strcspn(p + at, " \n");
			at += at < n && p[at] == ' ';
		}
	}
	for (len = 0; at + len < n && len < 16 && strchr("0123456789.", p[at + len]); len++)
		;
	return text_ip4_parse(p + at, len, &a) ? a : 0;
}

static int cmp_rec(const void *key, const void *elt);

/* For each record, the line its (last) text starts on. */
static void rec_lines(const struct leasefile *lf, enum leasefile_format f, const char *buf,
		      size_t len, unsigned *lines)
{
	unsigned no = 1;
	for (size_t at = 0; at < len; no++) {
		const char *nl = memchr(buf + at, '\n', len - at);
		size_t n = nl ? (size_t)(nl - (buf + at)) : len - at;
		uint32_t a = line_key(f, buf + at, n);
		const struct lease_rec *r = a ? bsearch(&a, lf->recs, lf->n, sizeof *r, cmp_rec) : NULL;
		if (r)
			lines[r - lf->recs] = no;
		at += n + 1;
	}
}

/* Reads and checks the file: 0 to go on, else the exit code.  lines
 * (malloc'd) gets each record's line. */
static int load(const struct imp_opts *o, struct leasefile *lf, unsigned **lines)
{
	size_t len = 0;
	char *buf = read_all(o->file, &len);
	if (!buf)
		return 2;
	enum leasefile_format f = o->from ? o->from : leasefile_guess(buf, len);
	if (!f) {
		fprintf(stderr, "duodhcpctl: %s: not a lease file of ISC dhcpd, Kea or dnsmasq "
			"that I can tell; say which with --from\n", o->file);
		free(buf);
		return 2;
	}
	int rc = leasefile_read(lf, f, buf, len, time(NULL));
	if (rc == 0 && (*lines = calloc(lf->n + 1, sizeof **lines)))
		rec_lines(lf, f, buf, len, *lines);
	free(buf);
	if (rc < 0 || !*lines) {
		fprintf(stderr, "duodhcpctl: %s: out of memory\n", o->file);
		return 2;
	}
	for (size_t i = 0; i < lf->nnotes; i++)
		if (lf->notes[i].kind == LEASEFILE_ERROR)
			fprintf(stderr, "%s:%u: error: %s\n", o->file, lf->notes[i].line,
				lf->notes[i].why);
	if (lf->errors && !o->keep_good) {
		fprintf(stderr, "duodhcpctl: %s: %zu error%s: nothing imported (--keep-good "
			"imports the good records)\n", o->file, lf->errors,
			lf->errors == 1 ? "" : "s");
		return 1;
	}
	return 0;
}

/* ---- offline: into the journal ---- */

struct durable {
	int err;
	bool done;
};

static void on_durable(void *arg, uint64_t through, int err)
{
	struct durable *d = arg;
	(void)through;
	d->err = err;
	d->done = true;
}

struct replayed {
	struct lease_table *t;
	bool fo;		/* the journal holds a failover record */
};

static void replay_one(void *arg, const struct lease_rec *rec)
{
	struct replayed *rp = arg;
	if (!lease_upsert(rp->t, rec)) {
		fprintf(stderr, "duodhcpctl: out of memory reading the journal\n");
		exit(2);
	}
}

static void replay_fo(void *arg, const struct store_fo_rec *fo)
{
	struct replayed *rp = arg;
	(void)fo;
	rp->fo = true;
}

/* The journal's files belong to the daemon's User= (it may not open
 * files root made for it). */
static void give_to_user(const struct config *c)
{
	struct passwd *pw = c->user[0] && getuid() == 0 ? getpwnam(c->user) : NULL;
	char lock[PATH_MAX + 8];
	if (!pw)
		return;
	snprintf(lock, sizeof lock, "%s.lock", c->journal);
	if (chown(c->journal, pw->pw_uid, pw->pw_gid) < 0 ||
	    chown(lock, pw->pw_uid, pw->pw_gid) < 0)
		fprintf(stderr, "duodhcpctl: cannot give %s to %s: %s\n", c->journal, c->user,
			strerror(errno));
}

/* Decides every record against the journal's leases, taking the good
 * ones into t and the store. */
static int decide_all(const struct config *c, struct lease_table *t, struct store *st,
		      const struct leasefile *lf, bool dry, struct imp_result *r)
{
	struct adopt_scope sc;
	int64_t now = time(NULL);
	if (adopt_scope_build(&sc, c) < 0)
		return -ENOMEM;
	lease_expire(t, now);	/* as the daemon does when it starts */
	for (size_t i = 0; i < lf->n; i++) {
		struct lease_rec out;
		enum adopt_outcome o = adopt_decide(&sc, lease_find(t, lf->recs[i].addr),
						    &lf->recs[i], now, &out);
		r->counts[o]++;
		if (!adopt_taken(o)) {
			if (o != ADOPT_SAME)
				r->skip[i] = (uint8_t)o;
			continue;
		}
		if (dry)
			continue;
		int rc = !lease_upsert(t, &out) ? -ENOMEM : store_append(st, &out);
		if (rc < 0) {
			adopt_scope_free(&sc);
			return rc;
		}
	}
	adopt_scope_free(&sc);
	return 0;
}

/* The ISC server's failover state, journalled after its leases (the
 * same commit) when fo_carry_decide() says so. */
static int carry_fo(const struct imp_opts *o, const struct config *c,
		    const struct leasefile *lf, bool journal_has, struct store *st,
		    struct imp_result *r)
{
	struct fo_carry_in in = { .lf = lf, .fo = &c->fo, .refused = o->no_fo_state,
				  .journal_has = journal_has };
	r->fo = fo_carry_decide(&in, &r->fo_rec, &r->fo_from);
	r->fo_decided = true;
	if (r->fo != FO_CARRY_TAKE || o->dry_run)
		return 0;
	return store_append_fo(st, &r->fo_rec);
}

static int offline(const struct imp_opts *o, const struct config *c,
		   const struct leasefile *lf, struct imp_result *r)
{
	char err[512] = "";
	struct durable d = { 0 };
	struct lease_table *t = lease_table_new();
	struct store *st = NULL;
	struct store_journal_opts so = { .path = c->journal, .leases = t,
		.compact_bytes = UINT64_MAX, .durable = on_durable, .arg = &d };
	struct replayed rp = { .t = t };
	struct store_replay_cb cb = { .lease = replay_one, .fo = replay_fo, .arg = &rp };
	struct store_replay_stats rs;
	struct state_dir sd;
	int rc = 1;
	/* The daemon's way with its folder: made when missing, given to User=. */
	if (state_dir_make(c->journal, &sd) < 0)
		goto out;
	if (!t || store_journal_open(&st, &so, err, sizeof err) < 0 ||
	    store_replay(st, &cb, &rs, err, sizeof err) < 0) {
		fprintf(stderr, "duodhcpctl: %s%s\n", t ? err : "out of memory",
			strstr(err, "in use") ? ": stop it, or import through it (without "
			"--offline)" : "");
		goto out;
	}
	int e = decide_all(c, t, st, lf, o->dry_run, r);
	if (e == 0)
		e = carry_fo(o, c, lf, rp.fo, st, r);
	if (e == 0 && store_pending(st))
		store_commit(st, 1);
	if (e == 0 && d.done)
		e = d.err;
	if (e < 0) {
		fprintf(stderr, "duodhcpctl: journal %s: %s: nothing imported\n", c->journal,
			strerror(-e));
		goto out;
	}
	give_to_user(c);
	rc = state_dir_give(&sd, c->user) < 0;
out:
	store_close(st);
	lease_table_free(t);
	return rc;
}

/* ---- online: through the daemon's API ---- */

/* {"leases":[...]} from record i on, at most BATCH_MAX records and
 * BATCH_BYTES bytes; returns the index after the last one taken. */
static size_t batch_build(const struct leasefile *lf, size_t i, struct ctl_buf *b, bool *oom)
{
	b->len = 0;
	*oom = !ctl_buf_add(b, "{\"leases\":[", 11);
	size_t first = i;
	for (; !*oom && i < lf->n && i - first < BATCH_MAX; i++) {
		json_object *o = json_object_new_object();
		size_t n = 0;
		const char *s = o && record_json_add(o, &lf->recs[i]) == 0 ?
			json_object_to_json_string_length(o, JSON_C_TO_STRING_PLAIN, &n) : NULL;
		if (s && i > first && b->len + n + 3 > BATCH_BYTES) {
			json_object_put(o);
			break;
		}
		*oom = !s || (i > first && !ctl_buf_add(b, ",", 1)) || !ctl_buf_add(b, s, n);
		json_object_put(o);
	}
	*oom = *oom || !ctl_buf_add(b, "]}", 2);
	return i;
}

static enum adopt_outcome outcome_parse(const char *name)
{
	for (int k = 0; k < ADOPT_OUTCOMES; k++)
		if (strcmp(adopt_outcome_name((enum adopt_outcome)k), name) == 0)
			return (enum adopt_outcome)k;
	return ADOPT_OUTCOMES;
}

static int cmp_rec(const void *key, const void *elt)
{
	uint32_t a = *(const uint32_t *)key, b = ((const struct lease_rec *)elt)->addr;
	return a < b ? -1 : a > b;
}

/* One skipped_leases entry: the record's outcome. */
static int reply_skip(const struct leasefile *lf, json_object *e, struct imp_result *r)
{
	json_object *a, *why;
	uint32_t addr;
	if (!json_object_object_get_ex(e, "address", &a) || !json_object_is_type(a, json_type_string) ||
	    !json_object_object_get_ex(e, "reason", &why) || !json_object_is_type(why, json_type_string) ||
	    !text_ip4_parse(json_object_get_string(a), (size_t)json_object_get_string_len(a), &addr))
		return -1;
	const struct lease_rec *rec = bsearch(&addr, lf->recs, lf->n, sizeof *rec, cmp_rec);
	enum adopt_outcome o = outcome_parse(json_object_get_string(why));
	if (!rec || o == ADOPT_OUTCOMES)
		return -1;
	r->skip[rec - lf->recs] = (uint8_t)o;
	return 0;
}

/* Adds one batch's answer to r; -1 when it is not shaped as expected. */
static int reply_read(const struct leasefile *lf, json_object *o, struct imp_result *r)
{
	json_object *by, *sk;
	if (!json_object_object_get_ex(o, "outcomes", &by) || !json_object_is_type(by, json_type_object) ||
	    !json_object_object_get_ex(o, "skipped_leases", &sk) || !json_object_is_type(sk, json_type_array))
		return -1;
	for (int k = 0; k < ADOPT_OUTCOMES; k++) {
		json_object *v;
		if (!json_object_object_get_ex(by, adopt_outcome_name((enum adopt_outcome)k), &v) ||
		    !json_object_is_type(v, json_type_int))
			return -1;
		r->counts[k] += (uint64_t)json_object_get_int64(v);
	}
	for (size_t i = 0; i < json_object_array_length(sk); i++)
		if (reply_skip(lf, json_object_array_get_idx(sk, i), r) < 0)
			return -1;
	return 0;
}

static const char *error_text(json_object *o)
{
	json_object *v;
	return o && json_object_object_get_ex(o, "error", &v) && json_object_is_type(v, json_type_string)
		? json_object_get_string(v) : "no error message";
}

/* One batch sent and its answer counted; 0, or 1 (said). */
static int send_batch(const char *url, const char *token, const struct leasefile *lf,
		      const struct ctl_buf *body, struct imp_result *r)
{
	char err[600] = "";
	struct ctl_buf reply = { 0 };
	long status = ctl_request(url, token, true, body, TIMEOUT_S, &reply, err, sizeof err);
	json_object *o = reply.p ? json_tokener_parse(reply.p) : NULL;
	ctl_buf_free(&reply);
	int rc = 1;
	if (status == 0)
		fprintf(stderr, "duodhcpctl: no answer: %s\n", err);
	else if (status != 200)
		fprintf(stderr, "duodhcpctl: import-leases: HTTP %ld: %s\n", status, error_text(o));
	else if (!o || reply_read(lf, o, r) < 0)
		fprintf(stderr, "duodhcpctl: import-leases: the daemon's answer is not as "
			"expected\n");
	else
		rc = 0;
	json_object_put(o);
	return rc;
}

static void api_url(const struct imp_opts *o, const struct config *c, char *url, size_t len)
{
	char base[300];
	if (o->url)
		snprintf(base, sizeof base, "%s", o->url);
	else
		snprintf(base, sizeof base, "http://%s:%u", c->http_bind[0] &&
			 strcmp(c->http_bind, "0.0.0.0") ? c->http_bind : "127.0.0.1", c->http_port);
	snprintf(url, len, "%s/api/v1/leases/import%s", base, o->dry_run ? "?dry_run=1" : "");
}

static int online(const struct imp_opts *o, const struct config *c,
		  const struct leasefile *lf, struct imp_result *r)
{
	char url[400];
	struct ctl_buf body = { 0 };
	bool oom = false;
	int rc = 0;
	if (c && !c->http_enable && !o->url) {
		fprintf(stderr, "duodhcpctl: %s: the API is off: set EnableHTTP=1 in "
			"[HTTP-Settings], or import with --offline\n", o->config);
		return 2;
	}
	api_url(o, c, url, sizeof url);
	for (size_t i = 0; i < lf->n && rc == 0;) {
		size_t next = batch_build(lf, i, &body, &oom);
		if (oom) {
			fprintf(stderr, "duodhcpctl: out of memory\n");
			rc = 1;
			break;
		}
		rc = send_batch(url, o->token, lf, &body, r);
		i = next;
	}
	ctl_buf_free(&body);
	return rc;
}

/* ---- the report ---- */

/* A name from the file, as plain text for the terminal. */
static const char *plain(const char *s, char *buf, size_t len)
{
	size_t k = 0;
	for (; s[k] && k + 1 < len; k++)
		buf[k] = s[k] >= 0x20 && s[k] < 0x7f ? s[k] : '?';
	buf[k] = 0;
	return buf;
}

static const char *utc(uint32_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;
	if (!gmtime_r(&tt, &tm) || !strftime(buf, len, "%Y-%m-%d %H:%M:%S UTC", &tm))
		snprintf(buf, len, "%u", t);
	return buf;
}

/* One line on the file's failover state (offline only). */
static void report_fo(const struct imp_opts *o, const struct leasefile *lf,
		      const struct imp_result *r)
{
	char name[80], t1[40], t2[40];
	const struct store_fo_rec *f = &r->fo_rec;
	if (!r->fo_decided || (r->fo == FO_CARRY_NO_FAILOVER && lf->nfo == 0))
		return;
	if (r->fo != FO_CARRY_TAKE) {
		printf("failover state not carried over: %s", fo_carry_why(r->fo));
		for (size_t i = 0; r->fo == FO_CARRY_OTHER_NAME && i < lf->nfo; i++) {
			printf("%s\"%s\"", i ? ", " : " (it holds ",
			       plain(lf->fo[i].name, name, sizeof name));
		}
		printf("%s\n", r->fo == FO_CARRY_OTHER_NAME ? ")" : "");
		return;
	}
	printf("failover state of %s %s: %s since %s, partner %s",
	       plain(f->name, name, sizeof name),
	       o->dry_run ? "to carry over" : "carried over", fo_state_name(f->my_state),
	       utc(f->my_stos, t1, sizeof t1),
	       f->peer_state ? fo_state_name(f->peer_state) : "unknown");
	if (f->peer_state)
		printf(" since %s", utc(f->peer_stos, t2, sizeof t2));
	printf("%s\n", f->amnesic ? "; it was recovering: the new server waits out "
	       "the rest of MCLT" : "");
}

static void report(const struct imp_opts *o, const struct leasefile *lf,
		   const struct imp_result *r, const unsigned *lines)
{
	uint64_t skipped = 0;
	char ip[TEXT_IP4_LEN];
	for (size_t i = 0; i < lf->nnotes; i++)
		if (lf->notes[i].kind == LEASEFILE_SKIP) {
			skipped++;
			printf("%s:%u: skipped %s: %s\n", o->file, lf->notes[i].line,
			       text_ip4(lf->notes[i].addr, ip), lf->notes[i].why);
		}
	for (size_t i = 0; i < lf->n; i++)
		if (r->skip[i] != NOT_SKIPPED) {
			skipped++;
			printf("%s:%u: skipped %s: %s\n", o->file, lines[i],
			       text_ip4(lf->recs[i].addr, ip),
			       adopt_outcome_why((enum adopt_outcome)r->skip[i]));
		}
	uint64_t nw = r->counts[ADOPT_NEW], up = r->counts[ADOPT_UPDATE];
	printf("%zu records read, %llu %s (%llu new, %llu updated), %llu unchanged, "
	       "%llu skipped\n", lf->records, (unsigned long long)(nw + up),
	       o->dry_run ? "to import" : "imported", (unsigned long long)nw,
	       (unsigned long long)up, (unsigned long long)r->counts[ADOPT_SAME],
	       (unsigned long long)skipped);
	if (lf->replaced)
		printf("%zu records replaced by a later one of the same address\n", lf->replaced);
	report_fo(o, lf, r);
}

int ctl_import_leases(int argc, char **argv)
{
	struct imp_opts o = { .token = getenv("DUODHCP_TOKEN") };
	struct config *c = NULL;
	struct leasefile lf = { 0 };
	struct imp_result r = { 0 };
	unsigned *lines = NULL;
	if (parse_args(argc, argv, &o) < 0)
		return 2;
	log_init("duodhcpctl", true);	/* for the journal folder's messages */
	if (o.config && !(c = config_load(o.config, stderr)))
		return 2;
	if (c && (!o.token || !o.token[0]))
		o.token = c->api_token;
	int rc = load(&o, &lf, &lines);
	if (rc == 0 && !(r.skip = malloc(lf.n + 1))) {
		fprintf(stderr, "duodhcpctl: out of memory\n");
		rc = 2;
	}
	if (rc == 0) {
		memset(r.skip, NOT_SKIPPED, lf.n + 1);
		curl_global_init(CURL_GLOBAL_DEFAULT);
		rc = o.offline ? offline(&o, c, &lf, &r) : online(&o, c, &lf, &r);
		curl_global_cleanup();
	}
	if (rc == 0)
		report(&o, &lf, &r, lines);
	free(lines);
	free(r.skip);
	leasefile_free(&lf);
	config_free(c);
	return rc;
}
