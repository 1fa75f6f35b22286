/* Unit tests for the lease journal: the line codec, replay and its
 * recovery rules, group commit, compaction, salvage and the lock. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "failover/state.h"
#include "store/journal.h"
#include "t.h"

#define HEADER "# duodhcp lease journal v1\n"
#define HEADER_LEN (sizeof HEADER - 1)

/* ---- helpers ---- */

/* Bit-at-a-time CRC-32 (IEEE), the reference for the table in journal.c. */
static uint32_t ref_crc(const char *p, size_t n)
{
	uint32_t c = 0xffffffffu;

	for (size_t i = 0; i < n; i++) {
		c ^= (uint8_t)p[i];
		for (int k = 0; k < 8; k++)
			c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
	}
	return ~c;
}

/* body + " crc=xxxxxxxx", so a test can build lines the CRC accepts. */
static size_t with_crc(char *out, size_t cap, const char *body)
{
	int n = snprintf(out, cap, "%s crc=%08x", body, ref_crc(body, strlen(body)));

	return n < 0 || (size_t)n >= cap ? 0 : (size_t)n;
}

/* Parses a heap copy of exactly len bytes, so ASan sees any over-read. */
static int parse_exact(const char *line, size_t len, struct lease_rec *rec,
		       struct record_bufs *b, char *err, size_t errlen)
{
	char *copy = malloc(len ? len : 1);
	int rc;

	memcpy(copy, line, len);
	rc = journal_parse(copy, len, rec, b, err, errlen);
	free(copy);
	return rc;
}

/* 0 if body (with a good CRC) parses, else -1 with the reason in err. */
static int parse_body(const char *body, char *err, size_t errlen)
{
	static char line[4 * JOURNAL_LINE_MAX];
	struct lease_rec rec;
	struct record_bufs b;
	size_t n = with_crc(line, sizeof line, body);

	err[0] = '\0';
	return parse_exact(line, n, &rec, &b, err, errlen);
}

static const char good_body[] =
	"v1 addr=198.18.0.10 state=active htype=1 hw=02:00:00:00:00:01 "
	"cid=0102000000000001 host=pc%20one start=1700000000 end=1700003600 "
	"cltt=1700000000 tstp=1700005400 tsfp=1700005400 flags=0";

/* good_body with the text old replaced by new. */
static const char *edit(const char *old, const char *new_text)
{
	static char out[4 * JOURNAL_LINE_MAX];
	const char *at = strstr(good_body, old);
	size_t pre;

	if (at == NULL)
		return "edit: pattern not found";
	pre = (size_t)(at - good_body);
	snprintf(out, sizeof out, "%.*s%s%s", (int)pre, good_body, new_text, at + strlen(old));
	return out;
}

static int rejects(const char *body, const char *why)
{
	char err[256];

	if (parse_body(body, err, sizeof err) == 0)
		return 0;
	if (why != NULL && strstr(err, why) == NULL) {
		fprintf(stderr, "  reason \"%s\" lacks \"%s\"\n", err, why);
		return 0;
	}
	return 1;
}

static struct lease mk(uint32_t i, uint8_t *cid, char *host)
{
	struct lease r;

	memset(&r, 0, sizeof r);
	r.addr = 0xc6120000u + i;	/* 198.18.x.y */
	r.state = LEASE_ACTIVE;
	r.htype = 1;
	r.hlen = 6;
	r.hw[0] = 2;
	r.hw[4] = (uint8_t)(i >> 8);
	r.hw[5] = (uint8_t)i;
	cid[0] = 1;
	memcpy(cid + 1, r.hw, 6);
	r.cid = cid;
	r.cid_len = 7;
	snprintf(host, 32, "host %u", i);
	r.hostname = host;
	r.start = 1700000000 + i;
	r.end = r.start + 3600;
	r.cltt = r.start;
	r.tstp = r.end + 1800;
	r.tsfp = r.tstp;
	return r;
}

static int rec_eq(const struct lease_rec *a, const struct lease_rec *b)
{
	const char *ha = a->hostname ? a->hostname : "", *hb = b->hostname ? b->hostname : "";

	return a->addr == b->addr && a->state == b->state && a->flags == b->flags &&
	       a->htype == b->htype && a->hlen == b->hlen &&
	       memcmp(a->hw, b->hw, a->hlen) == 0 && a->cid_len == b->cid_len &&
	       (a->cid_len == 0 || memcmp(a->cid, b->cid, a->cid_len) == 0) &&
	       strcmp(ha, hb) == 0 && a->start == b->start && a->end == b->end &&
	       a->cltt == b->cltt && a->tstp == b->tstp && a->tsfp == b->tsfp &&
	       a->atsfp == b->atsfp && a->pending_state == b->pending_state;
}
/* Compares the records of two leases or lease_recs. */
#define lease_eq(a, b) rec_eq(LEASE_REC(a), LEASE_REC(b))

/* What replay handed to apply, deep-copied, in order. */
#define COLL_MAX 256
struct coll {
	size_t n;
	struct lease rec[COLL_MAX];
	uint8_t cid[COLL_MAX][LEASE_CID_MAX];
	char host[COLL_MAX][LEASE_HOST_MAX + 1];
};

static void collect(void *arg, const struct lease_rec *r)
{
	struct coll *c = arg;
	size_t i = c->n++;

	if (i >= COLL_MAX)
		return;
	c->rec[i].rec = *r;
	memcpy(c->cid[i], r->cid ? r->cid : (const uint8_t *)"", r->cid_len);
	c->rec[i].cid = c->cid[i];
	if (r->hostname) {
		snprintf(c->host[i], sizeof c->host[i], "%s", r->hostname);
		c->rec[i].hostname = c->host[i];
	}
}

static void count(void *arg, const struct lease_rec *r)
{
	(void)r;
	++*(uint64_t *)arg;
}

static void mk_dir(char *dir, size_t cap)
{
	snprintf(dir, cap, "/tmp/test_journal.XXXXXX");
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		exit(2);
	}
}

static void rm_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char p[PATH_MAX];

	while (d != NULL && (e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
		unlink(p);
	}
	if (d != NULL)
		closedir(d);
	rmdir(dir);
}

static long long file_size(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0 ? (long long)sb.st_size : -1;
}

static int exists(const char *path)
{
	return access(path, F_OK) == 0;
}

static void append_raw(const char *path, const void *p, size_t n)
{
	int fd = open(path, O_WRONLY | O_APPEND);

	if (fd < 0 || write(fd, p, n) != (ssize_t)n)
		perror("append_raw");
	if (fd >= 0)
		close(fd);
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	*len = 0;
	if (f == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	*len = fread(buf, 1, (size_t)n, f);
	buf[*len] = '\0';
	fclose(f);
	return buf;
}

/* Opens path and replays it into c; returns the replay result. */
static int open_replay(struct journal **j, const char *path, struct coll *c,
		       struct journal_stats *st, char *err, size_t errlen)
{
	if (journal_open(j, path, err, errlen) < 0)
		return -2;
	return journal_replay(*j, collect, c, st, err, errlen);
}

/* Writes n sample records (addresses 0..n-1) durably; returns the size. */
static uint64_t write_samples(const char *path, uint32_t n)
{
	struct journal *j;
	struct journal_stats st;
	char err[256], host[32];
	uint8_t cid[8];
	uint64_t size;

	if (journal_open(&j, path, err, sizeof err) < 0 ||
	    journal_replay(j, NULL, NULL, &st, err, sizeof err) < 0) {
		fprintf(stderr, "write_samples: %s\n", err);
		exit(2);
	}
	for (uint32_t i = 0; i < n; i++) {
		struct lease r = mk(i, cid, host);
		CHECK_EQ(journal_append(j, &r), 0);
	}
	CHECK_EQ(journal_sync(j), 0);
	size = journal_size(j);
	journal_close(j);
	return size;
}

/* Flags of this process's fd open on path, from /proc/self/fdinfo. */
static long fd_flags(const char *path)
{
	char want[PATH_MAX], link[PATH_MAX], p[PATH_MAX], buf[512];
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	long flags = -1;

	if (d == NULL || realpath(path, want) == NULL) {
		if (d != NULL)
			closedir(d);
		return -1;
	}
	while (flags < 0 && (e = readdir(d)) != NULL) {
		ssize_t n;
		FILE *f;

		snprintf(p, sizeof p, "/proc/self/fd/%s", e->d_name);
		n = readlink(p, link, sizeof link - 1);
		if (n <= 0)
			continue;
		link[n] = '\0';
		if (strcmp(link, want) != 0)
			continue;
		snprintf(p, sizeof p, "/proc/self/fdinfo/%s", e->d_name);
		if ((f = fopen(p, "r")) == NULL)
			continue;
		while (fgets(buf, sizeof buf, f) != NULL)
			if (strncmp(buf, "flags:", 6) == 0)
				flags = strtol(buf + 6, NULL, 8);
		fclose(f);
	}
	closedir(d);
	return flags;
}

/* ---- the codec ---- */

TEST(crc_matches_reference)
{
	char line[JOURNAL_LINE_MAX], host[32];
	uint8_t cid[8];
	struct lease r = mk(7, cid, host);
	size_t n = journal_format(line, sizeof line, &r);
	char want[16];

	CHECK_EQ(ref_crc("123456789", 9), 0xcbf43926u);	/* the check value */
	CHECK(n > 14);
	line[n] = '\0';
	snprintf(want, sizeof want, "%08x\n", ref_crc(line, n - 14));
	CHECK_STR(line + n - 9, want);
	CHECK(memcmp(line + n - 14, " crc=", 5) == 0);
	/* Every length modulo the 8 bytes the fast CRC takes at a time. */
	for (size_t len = 0; len < 24; len++) {
		memset(host, 'a' + (int)len, len);
		host[len] = '\0';
		n = journal_format(line, sizeof line, &r);
		line[n] = '\0';
		snprintf(want, sizeof want, "%08x\n", ref_crc(line, n - 14));
		CHECK_STR(line + n - 9, want);
	}
}

TEST(format_golden_line)
{
	char line[JOURNAL_LINE_MAX], want[JOURNAL_LINE_MAX];
	uint8_t cid[8] = { 1, 2, 0, 0, 0, 0, 0, 1 };
	struct lease r;
	size_t n;

	memset(&r, 0, sizeof r);
	r.addr = 0xc612000a;
	r.state = LEASE_ACTIVE;
	r.htype = 1;
	r.hlen = 6;
	memcpy(r.hw, "\x02\x00\x00\x00\x00\x01", 6);
	r.cid = cid;
	r.cid_len = 8;
	r.hostname = "pc one";
	r.start = 1700000000;
	r.end = 1700003600;
	r.cltt = 1700000000;
	r.tstp = r.tsfp = 1700005400;
	n = journal_format(line, sizeof line, &r);
	CHECK(n > 0);
	line[n] = '\0';
	with_crc(want, sizeof want, good_body);
	strcat(want, "\n");
	CHECK_STR(line, want);
}

static void check_roundtrip(const struct lease *r)
{
	char line[JOURNAL_LINE_MAX], again[JOURNAL_LINE_MAX], err[256] = "";
	struct lease_rec back;
	struct record_bufs b;
	size_t n = journal_format(line, sizeof line, r), m;

	CHECK(n > 0);
	if (n == 0)
		return;
	CHECK(n <= JOURNAL_LINE_MAX);
	CHECK_EQ(line[n - 1], '\n');
	CHECK(memchr(line, '\n', n - 1) == NULL);	/* one record, one line */
	CHECK_EQ(parse_exact(line, n - 1, &back, &b, err, sizeof err), 0);
	if (err[0] != '\0')
		fprintf(stderr, "  parse: %s\n  line: %.*s", err, (int)n, line);
	CHECK(lease_eq(r, &back));
	m = journal_format(again, sizeof again, &back);
	CHECK_EQ(m, n);
	CHECK(m == n && memcmp(line, again, n) == 0);
}

/* Lines written by the code before the field table (the examples of
 * docs/journal.md, CRCs included): they read as before and come out byte
 * for byte the same. */
TEST(todays_lines_still_read)
{
	static const char *const lines[] = {
		"v1 addr=198.18.0.10 state=active htype=1 hw=02:00:00:00:00:01 "
		"cid=0102000000000001 host=pc%20one start=1700000000 end=1700003600 "
		"cltt=1700000000 tstp=1700005400 tsfp=1700005400 flags=0 crc=b8f2ce93\n",
		"v1 addr=198.18.0.11 state=released htype=1 hw=02:00:00:00:00:02 cid= host= "
		"start=1700000000 end=1700000600 cltt=1700000600 tstp=1700000600 tsfp=0 "
		"flags=1 crc=3125c3eb\n",
	};
	char again[JOURNAL_LINE_MAX], err[256] = "";
	struct lease_rec r;
	struct record_bufs b;

	CHECK_EQ(parse_exact(lines[0], strlen(lines[0]) - 1, &r, &b, err, sizeof err), 0);
	CHECK(r.addr == 0xc612000a && r.state == LEASE_ACTIVE && r.htype == 1 && r.hlen == 6);
	CHECK(r.hw[5] == 1 && r.cid_len == 8 && r.cid[7] == 1);
	CHECK(r.hostname != NULL && strcmp(r.hostname, "pc one") == 0);
	CHECK(r.start == 1700000000 && r.end == 1700003600 && r.cltt == 1700000000);
	CHECK(r.tstp == 1700005400 && r.tsfp == 1700005400 && r.flags == 0);
	CHECK(r.atsfp == 0 && r.pending_state == 0);
	CHECK_EQ(journal_format(again, sizeof again, &r), strlen(lines[0]));
	CHECK(memcmp(again, lines[0], strlen(lines[0])) == 0);

	CHECK_EQ(parse_exact(lines[1], strlen(lines[1]) - 1, &r, &b, err, sizeof err), 0);
	CHECK(r.state == LEASE_RELEASED && r.cid_len == 0 && r.cid == NULL);
	CHECK(r.hostname == NULL && r.tsfp == 0 && r.flags == LEASE_F_PARTNER);
	CHECK_EQ(journal_format(again, sizeof again, &r), strlen(lines[1]));
	CHECK(memcmp(again, lines[1], strlen(lines[1])) == 0);
}

/* atsfp and pending_state: written only when set, then read back. */
TEST(failover_fields_roundtrip)
{
	uint8_t cid[LEASE_CID_MAX];
	char host[32], line[JOURNAL_LINE_MAX];
	struct lease r = mk(3, cid, host);
	size_t n = journal_format(line, sizeof line, &r);

	line[n] = '\0';
	CHECK(strstr(line, "atsfp") == NULL && strstr(line, "pending_state") == NULL);
	r.atsfp = 1700009000;
	r.pending_state = LEASE_FREE;
	check_roundtrip(&r);
	n = journal_format(line, sizeof line, &r);
	line[n] = '\0';
	CHECK(strstr(line, " state=active pending_state=free htype=1 ") != NULL);
	CHECK(strstr(line, " atsfp=1700009000 flags=0 crc=") != NULL);
	CHECK(rejects(edit("flags=0", "flags=0 atsfp=0"), "atsfp: zero is written"));
	CHECK(rejects(edit("flags=0", "flags=0 pending_state=bound"), "pending_state: unknown"));
}

TEST(roundtrip_every_field)
{
	static char *hosts[] = {
		NULL, "a", "pc one", "a=b", "100%", "line\nbreak", "tab\there",
		"\x01\x7f\xff", "caf\xc3\xa9", "%41", "  ", "crc=00000000", "v1 addr=1.2.3.4",
	};
	uint8_t cid[LEASE_CID_MAX];
	struct lease r;

	for (size_t i = 0; i < sizeof cid; i++)
		cid[i] = (uint8_t)(i * 37 + 1);
	for (size_t i = 0; i < sizeof hosts / sizeof hosts[0]; i++) {
		memset(&r, 0, sizeof r);
		r.addr = (uint32_t)i * 0x01010101u;
		r.state = (uint8_t)(LEASE_FREE + i % 7);
		r.flags = (uint8_t)(i * 51);
		r.htype = (uint8_t)(i * 23);
		r.hlen = (uint8_t)(i % 17);
		memcpy(r.hw, cid, r.hlen);
		r.cid = i % 3 ? cid : NULL;
		r.cid_len = i % 3 == 1 ? 1 : i % 3 == 2 ? LEASE_CID_MAX : 0;
		r.hostname = hosts[i];
		r.start = (int64_t)i;
		r.end = INT64_MAX;
		r.cltt = INT64_MIN;
		r.tstp = -1;
		r.tsfp = 1700000000;
		check_roundtrip(&r);
	}
}

/* The longest line: every field at its widest. */
TEST(roundtrip_worst_case_line)
{
	uint8_t cid[LEASE_CID_MAX];
	char host[LEASE_HOST_MAX + 1];
	char line[JOURNAL_LINE_MAX];
	struct lease r;

	memset(cid, 0xff, sizeof cid);
	memset(host, 0x01, LEASE_HOST_MAX);
	host[LEASE_HOST_MAX] = '\0';
	memset(&r, 0, sizeof r);
	r.addr = 0xffffffffu;
	r.state = LEASE_ABANDONED;
	r.flags = 255;
	r.htype = 255;
	r.hlen = LEASE_HW_MAX;
	memset(r.hw, 0xab, LEASE_HW_MAX);
	r.cid = cid;
	r.cid_len = LEASE_CID_MAX;
	r.hostname = host;
	r.start = r.end = r.cltt = r.tstp = r.tsfp = INT64_MIN;
	check_roundtrip(&r);
	CHECK(journal_format(line, sizeof line, &r) > 1500);
}

TEST(format_refuses)
{
	char line[JOURNAL_LINE_MAX + 8], host[LEASE_HOST_MAX + 2];
	uint8_t cid[8];
	struct lease r = mk(1, cid, host), bad;
	size_t n = journal_format(line, sizeof line, &r);

	for (size_t cap = 0; cap < n; cap++) {
		memset(line, '#', sizeof line);
		CHECK_EQ(journal_format(line, cap, &r), 0);
		CHECK_EQ(line[cap], '#');	/* never writes past cap */
	}
	CHECK_EQ(journal_format(line, n, &r), n);
	bad = r;
	bad.hlen = LEASE_HW_MAX + 1;
	CHECK_EQ(journal_format(line, sizeof line, &bad), 0);
	bad = r;
	bad.state = 0;
	CHECK_EQ(journal_format(line, sizeof line, &bad), 0);
	bad.state = LEASE_BACKUP + 1;
	CHECK_EQ(journal_format(line, sizeof line, &bad), 0);
	bad = r;
	bad.cid = NULL;
	CHECK_EQ(journal_format(line, sizeof line, &bad), 0);
	memset(host, 'h', LEASE_HOST_MAX + 1);
	host[LEASE_HOST_MAX + 1] = '\0';
	CHECK_EQ(journal_format(line, sizeof line, &r), 0);
	host[LEASE_HOST_MAX] = '\0';
	CHECK(journal_format(line, sizeof line, &r) > 0);
}

TEST(parse_accepts_good_and_bounds)
{
	char err[256];

	CHECK_EQ(parse_body(good_body, err, sizeof err), 0);
	CHECK_EQ(parse_body(edit("start=1700000000", "start=9223372036854775807"), err, sizeof err), 0);
	CHECK_EQ(parse_body(edit("start=1700000000", "start=-9223372036854775808"), err, sizeof err), 0);
	CHECK_EQ(parse_body(edit("addr=198.18.0.10", "addr=255.255.255.255"), err, sizeof err), 0);
	CHECK_EQ(parse_body(edit("flags=0", "flags=255"), err, sizeof err), 0);
	CHECK_EQ(parse_body(edit("cid=0102000000000001", "cid="), err, sizeof err), 0);
	CHECK_EQ(parse_body(edit("host=pc%20one", "host="), err, sizeof err), 0);
	CHECK_EQ(parse_body(edit("hw=02:00:00:00:00:01", "hw="), err, sizeof err), 0);
	/* Key order is free; the CRC covers the order written. */
	CHECK_EQ(parse_body("v1 flags=0 tsfp=0 tstp=0 cltt=0 end=0 start=0 host= cid= hw= "
			    "htype=0 state=free addr=0.0.0.0", err, sizeof err), 0);
}

TEST(parse_rejects_structure)
{
	char line[JOURNAL_LINE_MAX * 2], err[256];
	struct lease_rec rec;
	struct record_bufs b;
	size_t n;
	int letters;

	CHECK(rejects(edit("flags=0", "flags=0 frob=1"), "frob: unknown key"));
	CHECK(rejects(edit("flags=0", "flags=0 addr=1.2.3.4"), "addr: duplicate key"));
	CHECK(rejects(edit(" flags=0", ""), "flags: missing"));
	CHECK(rejects(edit(" cid=0102000000000001", ""), "cid: missing"));
	CHECK(rejects(edit("v1 ", "v2 "), "not a v1 record"));
	CHECK(rejects(edit("v1 ", "v1x "), "not a v1 record"));
	CHECK(rejects(edit("v1 ", ""), "not a v1 record"));
	CHECK(rejects(edit("state=active ", "state=active  "), "empty field"));
	CHECK(rejects(edit("flags=0", "flags=0 "), "empty field"));
	CHECK(rejects(edit("flags=0", "flags"), "field without '='"));
	CHECK(rejects(edit("flags=0", "=0"), "unknown key"));
	CHECK(rejects("v1", "missing"));
	CHECK(rejects(edit("flags=0", "flags=0 crc=00000000"), "crc: unknown key"));

	/* The checksum itself. */
	n = with_crc(line, sizeof line, good_body);
	line[n - 1] = line[n - 1] == '0' ? '1' : '0';
	CHECK_EQ(parse_exact(line, n, &rec, &b, err, sizeof err), -1);
	CHECK(strstr(err, "checksum mismatch") != NULL);
	n = with_crc(line, sizeof line, good_body);
	letters = 0;
	for (size_t i = n - 8; i < n; i++) {
		if (line[i] >= 'a') {
			line[i] = (char)(line[i] - 'a' + 'A');
			letters++;
		}
	}
	CHECK(letters > 0);	/* so the next check means something */
	CHECK_EQ(parse_exact(line, n, &rec, &b, err, sizeof err), -1);
	CHECK(strstr(err, "crc is not 8 lower-case hex digits") != NULL);
	snprintf(line, sizeof line, "%s crc=%07x", good_body, ref_crc(good_body, strlen(good_body)) & 0xfffffff);
	CHECK_EQ(parse_exact(line, strlen(line), &rec, &b, err, sizeof err), -1);
	CHECK_EQ(parse_exact(good_body, strlen(good_body), &rec, &b, err, sizeof err), -1);
	CHECK(strstr(err, "no crc=") != NULL);
	CHECK_EQ(parse_exact("", 0, &rec, &b, err, sizeof err), -1);
	CHECK_EQ(journal_parse(NULL, 0, &rec, &b, err, sizeof err), -1);
	CHECK_EQ(parse_exact(HEADER, HEADER_LEN - 1, &rec, &b, err, sizeof err), -1);
}

TEST(parse_rejects_numbers)
{
	CHECK(rejects(edit("start=1700000000", "start=01700000000"), "start: not a 64-bit"));
	CHECK(rejects(edit("start=1700000000", "start=+1700000000"), "start:"));
	CHECK(rejects(edit("start=1700000000", "start=-0"), "start:"));
	CHECK(rejects(edit("start=1700000000", "start=-"), "start:"));
	CHECK(rejects(edit("start=1700000000", "start=17x0"), "start:"));
	CHECK(rejects(edit("start=1700000000", "start="), "start:"));
	CHECK(rejects(edit("start=1700000000", "start=9223372036854775808"), "start:"));
	CHECK(rejects(edit("start=1700000000", "start=-9223372036854775809"), "start:"));
	CHECK(rejects(edit("start=1700000000", "start=99999999999999999999999"), "start:"));
	CHECK(rejects(edit("end=1700003600", "end= 1"), NULL));
	CHECK(rejects(edit("flags=0", "flags=256"), "flags: not a number from 0 to 255"));
	CHECK(rejects(edit("flags=0", "flags=00"), "flags:"));
	CHECK(rejects(edit("htype=1", "htype=-1"), "htype:"));
	CHECK(rejects(edit("htype=1", "htype=0x1"), "htype:"));
}

TEST(parse_rejects_addr_state)
{
	CHECK(rejects(edit("addr=198.18.0.10", "addr=256.18.0.10"), "addr: not a dotted-quad"));
	CHECK(rejects(edit("addr=198.18.0.10", "addr=198.18.0"), "addr:"));
	CHECK(rejects(edit("addr=198.18.0.10", "addr=198.18.0.10.1"), "addr:"));
	CHECK(rejects(edit("addr=198.18.0.10", "addr=198.18.0.010"), "addr:"));
	CHECK(rejects(edit("addr=198.18.0.10", "addr=198..0.10"), "addr:"));
	CHECK(rejects(edit("addr=198.18.0.10", "addr=198.18.0.10."), "addr:"));
	CHECK(rejects(edit("addr=198.18.0.10", "addr="), "addr:"));
	CHECK(rejects(edit("addr=198.18.0.10", "addr=3323068426"), "addr:"));
	CHECK(rejects(edit("state=active", "state=bogus"), "state: unknown binding state"));
	CHECK(rejects(edit("state=active", "state=ACTIVE"), "state:"));
	CHECK(rejects(edit("state=active", "state="), "state:"));
	CHECK(rejects(edit("state=active", "state=unknown"), "state:"));
}

TEST(parse_rejects_hw_cid)
{
	char body[4 * JOURNAL_LINE_MAX], cid[600];	/* as large as edit()'s */

	CHECK(rejects(edit("hw=02:00:00:00:00:01",
			   "hw=00:01:02:03:04:05:06:07:08:09:0a:0b:0c:0d:0e:0f:10"),
		      "hw: longer than 16 bytes"));
	CHECK(rejects(edit("hw=02:00:00:00:00:01", "hw=2:00"), "hw:"));
	CHECK(rejects(edit("hw=02:00:00:00:00:01", "hw=02-00-00-00-00-01"), "hw:"));
	CHECK(rejects(edit("hw=02:00:00:00:00:01", "hw=0A:00"), "hw:"));
	CHECK(rejects(edit("hw=02:00:00:00:00:01", "hw=02:00:"), "hw:"));
	CHECK(rejects(edit("hw=02:00:00:00:00:01", "hw=0200"), "hw:"));
	memset(cid, 'a', 512);
	cid[512] = '\0';
	snprintf(body, sizeof body, "%s", edit("cid=0102000000000001", "cid=X"));
	*strchr(body, 'X') = '\0';
	strcat(body, cid);
	strcat(body, strstr(good_body, " host="));
	CHECK(rejects(body, "cid: longer than 255 bytes"));
	cid[510] = '\0';	/* 255 bytes: the maximum */
	snprintf(body, sizeof body, "%s", edit("cid=0102000000000001", "cid=X"));
	*strchr(body, 'X') = '\0';
	strcat(body, cid);
	strcat(body, strstr(good_body, " host="));
	CHECK(!rejects(body, NULL));
	CHECK(rejects(edit("cid=0102000000000001", "cid=010"), "cid: odd number"));
	CHECK(rejects(edit("cid=0102000000000001", "cid=01020000000000AB"), "cid: not lower-case hex"));
	CHECK(rejects(edit("cid=0102000000000001", "cid=01:02"), "cid:"));
}

TEST(parse_rejects_hostname)
{
	char body[4 * JOURNAL_LINE_MAX], host[1000];	/* as large as edit()'s */

	CHECK(rejects(edit("host=pc%20one", "host=a=b"), "host: unescaped byte"));
	CHECK(rejects(edit("host=pc%20one", "host=pc%2"), "host: bad %XX escape"));
	CHECK(rejects(edit("host=pc%20one", "host=pc%"), "host: bad %XX escape"));
	CHECK(rejects(edit("host=pc%20one", "host=pc%zz"), "host: bad %XX escape"));
	CHECK(rejects(edit("host=pc%20one", "host=pc%0a"), "host: bad %XX escape"));
	CHECK(rejects(edit("host=pc%20one", "host=pc%41"), "host: needless"));
	CHECK(rejects(edit("host=pc%20one", "host=pc%00"), "host: needless or NUL"));
	CHECK(rejects(edit("host=pc%20one", "host=pc\tone"), "host: unescaped byte"));
	CHECK(rejects(edit("host=pc%20one", "host=caf\xc3\xa9"), "host: unescaped byte"));
	/* 256 bytes decoded is one too many, however it is spelled. */
	memset(host, 'h', 256);
	host[256] = '\0';
	snprintf(body, sizeof body, "%s", edit("host=pc%20one", "host=X"));
	*strchr(body, 'X') = '\0';
	strcat(body, host);
	strcat(body, strstr(good_body, " start="));
	CHECK(rejects(body, "host: longer than 255 bytes"));
	host[255] = '\0';
	snprintf(body, sizeof body, "%s", edit("host=pc%20one", "host=X"));
	*strchr(body, 'X') = '\0';
	strcat(body, host);
	strcat(body, strstr(good_body, " start="));
	CHECK(!rejects(body, NULL));
}

TEST(parse_rejects_raw_nul_and_long_line)
{
	char line[JOURNAL_LINE_MAX + 64], err[256];
	struct lease_rec rec;
	struct record_bufs b;
	size_t n = with_crc(line, sizeof line, good_body);
	char *at = strstr(line, "pc%20one");

	/* A NUL inside the line is just a bad byte (and a bad checksum). */
	at[2] = '\0';
	CHECK_EQ(parse_exact(line, n, &rec, &b, err, sizeof err), -1);
	memset(line, 'x', sizeof line);
	CHECK_EQ(parse_exact(line, JOURNAL_LINE_MAX, &rec, &b, err, sizeof err), -1);
	CHECK(strstr(err, "line too long") != NULL);
}

/* Every prefix and every single-bit flip of a good line is refused. */
TEST(parse_rejects_truncation_and_bitflips)
{
	char line[JOURNAL_LINE_MAX], err[256];
	struct lease_rec rec;
	struct record_bufs b;
	size_t n = with_crc(line, sizeof line, good_body);
	int bad_prefix = 0, bad_flip = 0;

	for (size_t k = 0; k < n; k++)
		bad_prefix += parse_exact(line, k, &rec, &b, err, sizeof err) == 0;
	for (size_t i = 0; i < n; i++) {
		for (int bit = 0; bit < 8; bit++) {
			line[i] ^= (char)(1 << bit);
			bad_flip += parse_exact(line, n, &rec, &b, err, sizeof err) == 0;
			line[i] ^= (char)(1 << bit);
		}
	}
	CHECK_EQ(bad_prefix, 0);
	CHECK_EQ(bad_flip, 0);
	CHECK_EQ(parse_exact(line, n, &rec, &b, err, sizeof err), 0);
}

/* ---- the file ---- */

/* A victim file outside the journal's folder, and what it holds. */
static void mk_victim(const char *path)
{
	FILE *f = fopen(path, "w");
	if (!f) {
		perror(path);
		exit(2);
	}
	fputs("precious\n", f);
	fclose(f);
}

static bool victim_intact(const char *path)
{
	char buf[32] = "";
	FILE *f = fopen(path, "r");
	if (!f)
		return false;
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = 0;
	return strcmp(buf, "precious\n") == 0;
}

/* Links planted in the journal's folder (which User= owns, while the
 * daemon may open it as root) are refused, never followed: the lock file
 * or the journal as a symbolic link to another file, the journal as a
 * hard link; the linked file keeps its bytes. */
TEST(planted_links_refused)
{
	char dir[64], out[64], path[128], lock[160], victim[160], err[256];
	struct journal *j;
	struct journal_stats st;
	struct coll *c = calloc(1, sizeof *c);
	uint64_t n = 0;

	mk_dir(dir, sizeof dir);
	mk_dir(out, sizeof out);
	snprintf(path, sizeof path, "%s/leases", dir);
	snprintf(lock, sizeof lock, "%s.lock", path);
	snprintf(victim, sizeof victim, "%s/victim", out);
	mk_victim(victim);

	CHECK_EQ(symlink(victim, lock), 0);
	CHECK_EQ(open_replay(&j, path, c, &st, err, sizeof err), -2);
	CHECK(strstr(err, "symbolic link") != NULL);
	CHECK(victim_intact(victim));
	CHECK_EQ(unlink(lock), 0);

	CHECK_EQ(symlink(victim, path), 0);
	CHECK_EQ(open_replay(&j, path, c, &st, err, sizeof err), -2);
	CHECK(strstr(err, "symbolic link") != NULL);
	CHECK(victim_intact(victim));
	CHECK_EQ(journal_scan(path, count, &n, &st, err, sizeof err), -1);
	CHECK(strstr(err, "symbolic link") != NULL);
	CHECK(victim_intact(victim));
	CHECK_EQ(unlink(path), 0);

	CHECK_EQ(link(victim, path), 0);
	CHECK_EQ(open_replay(&j, path, c, &st, err, sizeof err), -2);
	CHECK(strstr(err, "hard link") != NULL);
	CHECK(victim_intact(victim));
	CHECK_EQ(unlink(path), 0);

	/* The folder clean again: a journal opens. */
	CHECK_EQ(open_replay(&j, path, c, &st, err, sizeof err), 0);
	journal_close(j);
	free(c);
	rm_dir(dir);
	rm_dir(out);
}

TEST(append_sync_replay)
{
	char dir[64], path[128], err[256], host[3][32];
	uint8_t cid[3][8];
	struct coll *c = calloc(1, sizeof *c);
	struct journal *j;
	struct journal_stats st;
	struct lease r[3];
	long flags;
	size_t len;
	char *text;

	mk_dir(dir, sizeof dir);
	snprintf(path, sizeof path, "%s/leases", dir);
	CHECK_EQ(open_replay(&j, path, c, &st, err, sizeof err), 0);
	CHECK_EQ(st.records, 0);
	CHECK_EQ(st.size, HEADER_LEN);
	CHECK_EQ(journal_size(j), HEADER_LEN);
	flags = fd_flags(path);
	CHECK(flags >= 0 && !(flags & O_APPEND) && (flags & O_CLOEXEC));	/* pwrite */
	for (uint32_t i = 0; i < 3; i++) {
		r[i] = mk(i, cid[i], host[i]);
		CHECK_EQ(journal_append(j, &r[i]), 0);
	}
	CHECK(journal_pending(j) > 0);
	CHECK_EQ(journal_size(j), HEADER_LEN);
	CHECK_EQ(file_size(path), HEADER_LEN);	/* nothing written before sync */
	len = journal_pending(j);
	CHECK_EQ(journal_sync(j), 0);
	CHECK_EQ(journal_pending(j), 0);
	CHECK_EQ(journal_size(j), HEADER_LEN + len);
	CHECK(file_size(path) >= (long long)(HEADER_LEN + len));	/* and preallocated */
	CHECK_EQ(journal_sync(j), 0);	/* nothing queued: a no-op */
	journal_close(j);
	CHECK_EQ(file_size(path), HEADER_LEN + len);	/* close trims the zeros */

	text = slurp(path, &len);
	CHECK(text != NULL && strncmp(text, HEADER, HEADER_LEN) == 0);
	free(text);
	memset(c, 0, sizeof *c);
	CHECK_EQ(open_replay(&j, path, c, &st, err, sizeof err), 0);
	CHECK_EQ(st.records, 3);
	CHECK_EQ(st.torn_bytes, 0);
	CHECK_EQ(c->n, 3);
	for (size_t i = 0; i < 3 && i < c->n; i++)
		CHECK(lease_eq(&c->rec[i], &r[i]));
	CHECK_STR(err, "");
	journal_close(j);
	journal_close(NULL);
	free(c);
	rm_dir(dir);
}

TEST(append_refuses_bad_record)
{
	char dir[64], path[128], err[256], host[32];
	uint8_t cid[8];
	struct journal *j;
	struct lease r;

	mk_dir(dir, sizeof dir);
	snprintf(path, sizeof path, "%s/leases", dir);
	CHECK_EQ(journal_open(&j, path, err, sizeof err), 0);
	r = mk(1, cid, host);
	r.state = 0;
	CHECK_EQ(journal_append(j, &r), -EINVAL);
	CHECK_EQ(journal_pending(j), 0);
	journal_close(j);
	rm_dir(dir);
}

/* Replay hands records over in file order; the table keeps the last. */
TEST(replay_order_later_wins)
{
	char dir[64], path[128], err[256], host[32];
	uint8_t cid[8];
	struct coll *c = calloc(1, sizeof *c);
	struct journal *j;
	struct journal_stats st;
	struct lease a = mk(5, cid, host), b = mk(6, cid, host), a2;

	mk_dir(dir, sizeof dir);
	snprintf(path, sizeof path, "%s/leases", dir);
	CHECK_EQ(open_replay(&j, path, c, &st, err, sizeof err), 0);
	a2 = a;
	a2.state = LEASE_RELEASED;
	a2.hostname = NULL;
	a2.end = a.start + 10;
	CHECK_EQ(journal_append(j, &a), 0);
	CHECK_EQ(journal_append(j, &b), 0);
	CHECK_EQ(journal_sync(j), 0);
	CHECK_EQ(journal_append(j, &a2), 0);	/* a second batch */
	CHECK_EQ(journal_sync(j), 0);
	journal_close(j);

	memset(c, 0, sizeof *c);
	CHECK_EQ(open_replay(&j, path, c, &st, err, sizeof err), 0);
	CHECK_EQ(c->n, 3);
	CHECK(lease_eq(&c->rec[0], &a));
	CHECK(lease_eq(&c->rec[1], &b));
	CHECK(lease_eq(&c->rec[2], &a2));
	CHECK_EQ(c->rec[2].state, LEASE_RELEASED);
	CHECK(c->rec[2].hostname == NULL);
	journal_close(j);
	free(c);
	rm_dir(dir);
}

/* A record must not be glued onto a torn tail nobody has looked at. */
TEST(sync_refused_before_replay)
{
	char dir[64], path[128], err[256], host[32];
	uint8_t cid[8];
	struct journal *j;
	struct journal_stats st;
	struct lease r = mk(9, cid, host);

	mk_dir(dir, sizeof dir);
	snprintf(path, sizeof path, "%s/leases", dir);
	write_samples(path, 2);
	CHECK_EQ(journal_open(&j, path, err, sizeof err), 0);
	CHECK_EQ(journal_append(j, &r), 0);
	CHECK_EQ(journal_sync(j), -EINVAL);
	CHECK_EQ(journal_replay(j, NULL, NULL, &st, err, sizeof err), 0);
	CHECK_EQ(st.records, 2);
	CHECK_EQ(journal_sync(j), 0);
	journal_close(j);
	rm_dir(dir);
}

static void check_torn_zeros(const char *tail, size_t tail_len, size_t torn);

static void check_torn(const char *tail, size_t tail_len)
{
	check_torn_zeros(tail, tail_len, tail_len);
}

/* A journal of 3 records and then tail, of which the first torn bytes are
 * a torn line (the rest zeros). */
static void check_torn_zeros(const char *tail, size_t tail_len, size_t torn)
{
	char dir[64], path[128], err[256], host[32];
	uint8_t cid[8];
	struct coll *c = calloc(1, sizeof *c);
	struct journal *j;
	struct journal_stats st;
	uint64_t good;
	struct lease r = mk(77, cid, host);

	mk_dir(dir, sizeof dir);
	snprintf(path, sizeof path, "%s/leases", dir);
	good = write_samples(path, 3);
	append_raw(path, tail, tail_len);
	CHECK_EQ(file_size(path), good + tail_len);
	CHECK_EQ(open_replay(&j, path, c, &st, err, sizeof err), 0);
	CHECK_EQ(st.records, 3);
	CHECK_EQ(st.torn_bytes, torn);
	CHECK_EQ(st.size, good);
	CHECK_EQ(file_size(path), good);	/* cut away */
	CHECK(strstr(err, "torn last line 5") != NULL);
	/* Appending after the cut gives a clean journal. */
	CHECK_EQ(journal_append(j, &r), 0);
	CHECK_EQ(journal_sync(j), 0);
	journal_close(j);
	memset(c, 0, sizeof *c);
	CHECK_EQ(open_replay(&j, path, c, &st, err, sizeof err), 0);
	CHECK_EQ(st.records, 4);
	CHECK_EQ(st.torn_bytes, 0);
	CHECK(c->n == 4 && lease_eq(&c->rec[3], &r));
	journal_close(j);
	free(c);
	rm_dir(dir);
}

TEST(torn_tail_truncated)
{
	char line[JOURNAL_LINE_MAX], host[32], zeros[300];
	uint8_t cid[8];
	struct lease r = mk(50, cid, host);
	size_t n = journal_format(line, sizeof line, &r);

	check_torn("v1 addr=198.18", 14);		/* no newline */
	check_torn(line, n - 1);			/* whole record but no newline */
	line[20] ^= 1;
	check_torn(line, n);				/* bad checksum, with newline */
	check_torn("\n", 1);				/* an empty last line */
	/* Zeros after a torn line: the unused part of the preallocation. */
	memset(zeros, 0, sizeof zeros);
	memcpy(zeros, "v1 addr=198.18", 14);
	check_torn_zeros(zeros, sizeof zeros, 14);
}

/* The journal is preallocated ahead of its records, so a crash leaves
 * zeros after the last one: they are not a torn line, just cut away.
 * Zeros with records after them are damage. */
TEST(preallocated_zeros)
{
	char dir[64], path[128], err[256], host[32], zeros[4096];
	uint8_t cid[8];
	struct coll *c = calloc(1, sizeof *c);
	struct journal *j;
	struct journal_stats st;
	uint64_t good;
	struct lease r = mk(78, cid, host);

	mk_dir(dir, sizeof dir);
	snprintf(path, sizeof path, "%s/leases", dir);
	memset(zeros, 0, sizeof zeros);
	good = write_samples(path, 3);
	append_raw(path, zeros, sizeof zeros);
	CHECK_EQ(open_replay(&j, path, c, &st, err, sizeof err), 0);
	CHECK_EQ(st.records, 3);
	CHECK_EQ(st.torn_bytes, 0);
	CHECK_STR(err, "");
	CHECK_EQ(file_size(path), good);
	CHECK_EQ(journal_append(j, &r), 0);
	CHECK_EQ(journal_sync(j), 0);
	journal_close(j);
	memset(c, 0, sizeof *c);
	CHECK_EQ(open_replay(&j, path, c, &st, err, sizeof err), 0);
	CHECK(c->n == 4 && lease_eq(&c->rec[3], &r));
	journal_close(j);

	/* Zeros, then records: refused, like any damage in the middle.  (One
	 * record glued to the zeros is the last line, torn as ever.) */
	append_raw(path, zeros, 100);
	char line[JOURNAL_LINE_MAX];
	size_t n = journal_format(line, sizeof line, &r);
	append_raw(path, line, n);
	append_raw(path, line, n);
	append_raw(path, zeros, sizeof zeros);
	memset(c, 0, sizeof *c);
	CHECK_EQ(open_replay(&j, path, c, &st, err, sizeof err), -1);
	CHECK(strstr(err, "damaged") != NULL);
	journal_close(j);
	free(c);
	rm_dir(dir);
}

TEST(torn_overlong_tail)
{
	static char big[3 * JOURNAL_LINE_MAX];

	memset(big, 'x', sizeof big);
	check_torn(big, sizeof big);
	big[sizeof big - 1] = '\n';
	check_torn(big, sizeof big);
}

/* Many chunks of the reader, then a torn line across a chunk edge. */
TEST(replay_large_file)
{
	char dir[64], path[128], err[256];
	struct journal *j;
	struct journal_stats st;
	uint64_t good, n = 0;

	mk_dir(dir, sizeof dir);
	snprintf(path, sizeof path, "%s/leases", dir);
	good = write_samples(path, 5000);
	append_raw(path, "v1 addr=1.2.3.4 state", 21);
	CHECK_EQ(journal_open(&j, path, err, sizeof err), 0);
	CHECK_EQ(journal_replay(j, count, &n, &st, err, sizeof err), 0);
	CHECK_EQ(n, 5000);
	CHECK_EQ(st.records, 5000);
	CHECK_EQ(st.torn_bytes, 21);
	CHECK_EQ(file_size(path), good);
	journal_close(j);
	rm_dir(dir);
}

/* Flips one byte inside line lineno (1 = header). */
static void damage_line(const char *path, int lineno)
{
	size_t len;
	char *text = slurp(path, &len), *p = text;
	FILE *f;

	for (int i = 1; i < lineno; i++)
		p = strchr(p, '\n') + 1;
	p[10] ^= 0x20;
	f = fopen(path, "wb");
	fwrite(text, 1, len, f);
	fclose(f);
	free(text);
}

TEST(mid_file_damage_refused)
{
	char dir[64], path[128], err[512];
	struct coll *c = calloc(1, sizeof *c);
	struct journal *j;
	struct journal_stats st;
	uint64_t size, n = 0;

	mk_dir(dir, sizeof dir);
	snprintf(path, sizeof path, "%s/leases", dir);
	size = write_samples(path, 4);
	damage_line(path, 3);
	CHECK_EQ(open_replay(&j, path, c, &st, err, sizeof err), -1);
	CHECK(strstr(err, path) != NULL);
	CHECK(strstr(err, "line 3") != NULL);
	CHECK(strstr(err, "duodhcpd -c CONFIG --salvage") != NULL);
	CHECK_EQ(file_size(path), size);	/* left alone for the operator */
	journal_close(j);
	CHECK_EQ(journal_scan(path, count, &n, &st, err, sizeof err), -1);
	CHECK(strstr(err, "line 3") != NULL);
	free(c);
	rm_dir(dir);
}

TEST(damaged_header_refused)
{
	char dir[64], path[128], err[512];
	struct journal *j;
	struct journal_stats st;

	mk_dir(dir, sizeof dir);
	snprintf(path, sizeof path, "%s/leases", dir);
	write_samples(path, 2);
	damage_line(path, 1);
	CHECK_EQ(journal_open(&j, path, err, sizeof err), 0);
	CHECK_EQ(journal_replay(j, NULL, NULL, &st, err, sizeof err), -1);
	CHECK(strstr(err, "line 1") != NULL);
	journal_close(j);
	rm_dir(dir);
}

/* A journal without the header line (or with only it) replays too. */
TEST(replay_without_header)
{
	char dir[64], path[128], err[256], line[JOURNAL_LINE_MAX], host[32];
	uint8_t cid[8];
	struct coll *c = calloc(1, sizeof *c);
	struct journal *j;
	struct journal_stats st;
	struct lease r = mk(3, cid, host);
	size_t n = journal_format(line, sizeof line, &r);

	mk_dir(dir, sizeof dir);
	snprintf(path, sizeof path, "%s/leases", dir);
	close(open(path, O_WRONLY | O_CREAT, 0600));
	append_raw(path, line, n);
	append_raw(path, line, n);
	CHECK_EQ(open_replay(&j, path, c, &st, err, sizeof err), 0);
	CHECK_EQ(st.records, 2);
	CHECK(c->n == 2 && lease_eq(&c->rec[1], &r));
	journal_close(j);
	free(c);
	rm_dir(dir);
}

TEST(scan_reads_without_changing)
{
	char dir[64], path[128], err[256];
	struct journal *j;
	struct journal_stats st;
	uint64_t good, n = 0;

	mk_dir(dir, sizeof dir);
	snprintf(path, sizeof path, "%s/leases", dir);
	good = write_samples(path, 3);
	append_raw(path, "v1 torn", 7);
	/* Works while a daemon holds the journal: no lock. */
	CHECK_EQ(journal_open(&j, path, err, sizeof err), 0);
	CHECK_EQ(journal_scan(path, count, &n, &st, err, sizeof err), 0);
	CHECK_EQ(n, 3);
	CHECK_EQ(st.records, 3);
	CHECK_EQ(st.torn_bytes, 7);
	CHECK_EQ(st.size, good + 7);
	CHECK_EQ(file_size(path), good + 7);	/* not truncated */
	journal_close(j);
	CHECK_EQ(journal_scan("/nonexistent/leases", count, &n, &st, err, sizeof err), -1);
	rm_dir(dir);
}

static int count_damaged(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	while (d != NULL && (e = readdir(d)) != NULL)
		n += strstr(e->d_name, ".damaged.") != NULL;
	if (d != NULL)
		closedir(d);
	return n;
}

TEST(salvage_keeps_good_lines)
{
	char dir[64], path[128], err[512];
	struct coll *c = calloc(1, sizeof *c);
	struct journal *j;
	struct journal_stats st;
	uint64_t kept, dropped;

	mk_dir(dir, sizeof dir);
	snprintf(path, sizeof path, "%s/leases", dir);
	write_samples(path, 4);
	damage_line(path, 3);		/* the record for 198.18.0.1 */
	append_raw(path, "v1 torn", 7);
	/* Salvage takes the lock, so not while a daemon runs. */
	CHECK_EQ(journal_open(&j, path, err, sizeof err), 0);
	CHECK_EQ(journal_salvage(path, &kept, &dropped, err, sizeof err), -1);
	CHECK(strstr(err, "in use by another duodhcpd") != NULL);
	journal_close(j);

	CHECK_EQ(journal_salvage(path, &kept, &dropped, err, sizeof err), 0);
	CHECK_EQ(kept, 3);
	CHECK_EQ(dropped, 2);
	CHECK_EQ(count_damaged(dir), 1);
	CHECK_EQ(open_replay(&j, path, c, &st, err, sizeof err), 0);
	CHECK_EQ(st.records, 3);
	CHECK_EQ(st.torn_bytes, 0);
	CHECK(c->n == 3 && c->rec[0].addr == 0xc6120000u && c->rec[1].addr == 0xc6120002u &&
	      c->rec[2].addr == 0xc6120003u);
	journal_close(j);

	/* A clean journal is left as it is. */
	CHECK_EQ(journal_salvage(path, &kept, &dropped, err, sizeof err), 0);
	CHECK_EQ(kept, 3);
	CHECK_EQ(dropped, 0);
	CHECK_EQ(count_damaged(dir), 1);
	CHECK(!exists(strcat(strcpy(err, path), ".tmp")));
	free(c);
	rm_dir(dir);
}

/* The final table of a run: 10 addresses, 5 updates each. */
struct table {
	struct lease rec[10];
	uint8_t cid[10][8];
	char host[10][32];
	size_t next;
};

static const struct lease *table_next(void *arg)
{
	struct table *t = arg;

	return t->next < 10 ? &t->rec[t->next++] : NULL;
}

TEST(compaction_keeps_the_set)
{
	char dir[64], path[128], tmp[160], err[256];
	struct table *t = calloc(1, sizeof *t);
	struct coll *c = calloc(1, sizeof *c);
	struct journal *j;
	struct journal_stats st;
	struct stat before, after;
	struct lease want3;
	long flags;
	uint64_t big;

	mk_dir(dir, sizeof dir);
	snprintf(path, sizeof path, "%s/leases", dir);
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	CHECK_EQ(open_replay(&j, path, c, &st, err, sizeof err), 0);
	for (int round = 0; round < 5; round++) {
		for (uint32_t i = 0; i < 10; i++) {
			t->rec[i] = mk(i, t->cid[i], t->host[i]);
			t->rec[i].end += round;
			t->rec[i].state = (uint8_t)(round == 4 && i % 2 ? LEASE_EXPIRED : LEASE_ACTIVE);
			CHECK_EQ(journal_append(j, &t->rec[i]), 0);
		}
	}
	/* The last batch is still queued: compaction must sync it first. */
	big = journal_size(j) + journal_pending(j);
	stat(path, &before);
	CHECK_EQ(journal_compact(j, table_next, t), 0);
	stat(path, &after);
	CHECK(before.st_ino != after.st_ino);
	CHECK(!exists(tmp));
	CHECK(journal_size(j) < big);
	CHECK_EQ(journal_size(j), file_size(path));
	CHECK_EQ(journal_pending(j), 0);
	flags = fd_flags(path);
	CHECK(flags >= 0 && !(flags & O_APPEND) && (flags & O_CLOEXEC));
	/* Appends continue in the new file. */
	want3 = t->rec[3];
	t->rec[3].state = LEASE_RELEASED;
	CHECK_EQ(journal_append(j, &t->rec[3]), 0);
	CHECK_EQ(journal_sync(j), 0);
	CHECK(journal_size(j) <= (uint64_t)file_size(path));
	uint64_t size = journal_size(j);
	journal_close(j);
	CHECK_EQ(file_size(path), size);

	memset(c, 0, sizeof *c);
	CHECK_EQ(open_replay(&j, path, c, &st, err, sizeof err), 0);
	CHECK_EQ(c->n, 11);
	for (size_t i = 0; i < 10 && c->n == 11; i++)
		CHECK(lease_eq(&c->rec[i], i == 3 ? &want3 : &t->rec[i]));
	CHECK(c->n == 11 && lease_eq(&c->rec[10], &t->rec[3]));
	journal_close(j);
	free(t);
	free(c);
	rm_dir(dir);
}

TEST(background_compaction_keeps_later_appends)
{
	char dir[64], path[128], tmp[160], err[256];
	struct table *t = calloc(1, sizeof *t);
	struct coll *c = calloc(1, sizeof *c);
	struct journal *j;
	struct journal_stats st;

	mk_dir(dir, sizeof dir);
	snprintf(path, sizeof path, "%s/leases", dir);
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	CHECK_EQ(open_replay(&j, path, c, &st, err, sizeof err), 0);
	for (uint32_t i = 0; i < 10; i++) {
		t->rec[i] = mk(i, t->cid[i], t->host[i]);
		CHECK_EQ(journal_append(j, &t->rec[i]), 0);
	}
	CHECK_EQ(journal_compact_start(j, table_next, t), 0);
	CHECK(journal_compacting(j));
	CHECK_EQ(journal_compact_start(j, table_next, t), -EBUSY);
	CHECK_EQ(journal_compact(j, table_next, t), -EBUSY);
	/* Changes made while the child writes the snapshot must survive. */
	struct lease later = t->rec[3];
	later.state = LEASE_RELEASED;
	CHECK_EQ(journal_append(j, &later), 0);
	CHECK_EQ(journal_sync(j), 0);
	int rc = 0;
	for (int i = 0; i < 2000 && rc == 0; i++) {
		rc = journal_compact_poll(j);
		if (rc == 0)
			usleep(1000);
	}
	CHECK_EQ(rc, 1);
	CHECK(!exists(tmp));
	/* Then the replaced file is released in steps. */
	for (int i = 0; i < 100 && journal_compacting(j); i++)
		CHECK_EQ(journal_compact_poll(j), 0);
	CHECK(!journal_compacting(j));
	CHECK_EQ(journal_size(j), file_size(path));
	/* Appends go on in the new file. */
	CHECK_EQ(journal_append(j, &t->rec[9]), 0);
	CHECK_EQ(journal_sync(j), 0);
	journal_close(j);

	memset(c, 0, sizeof *c);
	CHECK_EQ(open_replay(&j, path, c, &st, err, sizeof err), 0);
	CHECK_EQ(c->n, 12);
	CHECK(c->n == 12 && lease_eq(&c->rec[10], &later));
	CHECK(c->n == 12 && lease_eq(&c->rec[11], &t->rec[9]));
	journal_close(j);
	free(t);
	free(c);
	rm_dir(dir);
}

/* Megabytes appended while the child writes: the catch-up takes several
 * bounded steps (polls that return 0 after the child is done) and the
 * last record written is the one replay ends with. */
TEST(background_compaction_catches_up_in_steps)
{
	char dir[64], path[128], err[256];
	struct table *t = calloc(1, sizeof *t);
	struct journal *j;
	struct journal_stats st;
	uint64_t n = 0;

	mk_dir(dir, sizeof dir);
	snprintf(path, sizeof path, "%s/leases", dir);
	CHECK_EQ(journal_open(&j, path, err, sizeof err), 0);
	CHECK_EQ(journal_replay(j, count, &n, &st, err, sizeof err), 0);
	for (uint32_t i = 0; i < 10; i++)
		t->rec[i] = mk(i, t->cid[i], t->host[i]);
	CHECK_EQ(journal_compact_start(j, table_next, t), 0);
	struct lease r = t->rec[0];
	for (uint32_t i = 0; i < 20000; i++) {
		r.end = r.start + 3600 + i;
		CHECK_EQ(journal_append(j, &r), 0);
		if (i % 1000 == 999)
			CHECK_EQ(journal_sync(j), 0);
	}
	int rc = 0, copy_steps = 0;
	for (int i = 0; i < 5000 && rc == 0; i++) {
		if (journal_compact_timeout_ms(j) == 0)
			copy_steps++;
		rc = journal_compact_poll(j);
		if (rc == 0 && journal_compact_timeout_ms(j) != 0)
			usleep(1000);
	}
	CHECK_EQ(rc, 1);
	CHECK(copy_steps >= 2);
	/* The replaced file, over 3 MB, takes more than one release step. */
	int free_steps = 0;
	for (int i = 0; i < 100 && journal_compacting(j); i++, free_steps++) {
		CHECK_EQ(journal_compact_timeout_ms(j), 0);
		CHECK_EQ(journal_compact_start(j, table_next, t), -EBUSY);
		CHECK_EQ(journal_compact_poll(j), 0);
	}
	CHECK(free_steps >= 1);
	CHECK_EQ(journal_compact_timeout_ms(j), -1);
	CHECK_EQ(journal_size(j), file_size(path));
	journal_close(j);

	n = 0;
	CHECK_EQ(journal_open(&j, path, err, sizeof err), 0);
	CHECK_EQ(journal_replay(j, count, &n, &st, err, sizeof err), 0);
	CHECK_EQ(n, 20010);
	journal_close(j);
	free(t);
	rm_dir(dir);
}

/* A crash (the process simply ends, no cleanup) after every number of
 * compaction steps: the journal that is left replays to the same leases
 * as the run wrote, whatever step the crash cut.  N leases; during the
 * compaction each poll is preceded by a burst of changes to them. */
#define CRASH_N 5000

struct big {
	struct lease rec[CRASH_N];
	uint8_t cid[CRASH_N][8];
	char host[CRASH_N][32];
	size_t next;
};

static const struct lease *big_next(void *arg)
{
	struct big *b = arg;

	return b->next < CRASH_N ? &b->rec[b->next++] : NULL;
}

static void big_apply(void *arg, const struct lease_rec *r)
{
	int64_t *end = arg;

	end[r->addr - 0xc6120000u] = r->end;
}

/* Runs the compaction, crashing after `cut` polls; returns how many polls
 * the whole compaction takes when it is not cut (cut < 0). */
static int compact_crashing(const char *path, struct big *b, int cut)
{
	char err[256];
	struct journal *j;
	struct journal_stats st;
	uint64_t n = 0;

	if (journal_open(&j, path, err, sizeof err) < 0 ||
	    journal_replay(j, count, &n, &st, err, sizeof err) < 0)
		return -1;
	b->next = 0;
	if (journal_compact_start(j, big_next, b) < 0)
		return -1;
	int polls = 0;
	for (;;) {
		if (polls == cut)
			_exit(0);
		for (uint32_t i = 0; i < 400; i++) {
			struct lease *r = &b->rec[(polls * 397u + i * 13u) % CRASH_N];
			r->end++;
			if (journal_append(j, r) < 0)
				return -1;
		}
		if (journal_sync(j) < 0)
			return -1;
		int rc = journal_compact_poll(j);
		polls++;
		if (rc < 0)
			return -1;
		if (!journal_compacting(j))
			break;
	}
	if (cut >= 0)
		_exit(0);	/* cut at the very end: still no cleanup */
	journal_close(j);
	return polls;
}

static bool crash_after(const char *path, struct big *b, int cut)
{
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		compact_crashing(path, b, cut);
		_exit(1);
	}
	return pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	       WEXITSTATUS(status) == 0;
}

TEST(compaction_crash_at_every_step)
{
	char dir[64], path[128], err[256];
	struct big *b = calloc(1, sizeof *b);
	int64_t *end = calloc(CRASH_N, sizeof *end);
	struct journal *j;
	struct journal_stats st;

	mk_dir(dir, sizeof dir);
	snprintf(path, sizeof path, "%s/leases", dir);
	for (uint32_t i = 0; i < CRASH_N; i++)
		b->rec[i] = mk(i, b->cid[i], b->host[i]);
	/* How many polls a whole compaction takes, on a copy. */
	int steps = -1;
	for (int cut = -1; cut <= steps; cut++) {
		/* A fresh journal holding the leases twice over. */
		unlink(path);
		CHECK_EQ(journal_open(&j, path, err, sizeof err), 0);
		for (int pass = 0; pass < 2; pass++)
			for (uint32_t i = 0; i < CRASH_N; i++) {
				b->rec[i] = mk(i, b->cid[i], b->host[i]);
				CHECK_EQ(journal_append(j, &b->rec[i]), 0);
			}
		CHECK_EQ(journal_sync(j), 0);
		journal_close(j);
		int polls = cut;
		if (cut < 0) {
			polls = steps = compact_crashing(path, b, -1);
			CHECK(steps > 4);	/* walk, tail, release: several steps */
		} else {
			CHECK(crash_after(path, b, cut));
		}
		/* What the run wrote before the cut: the child's changes are
		 * deterministic, so replay them here. */
		for (uint32_t i = 0; i < CRASH_N; i++)
			b->rec[i] = mk(i, b->cid[i], b->host[i]);
		for (int p = 0; p < polls; p++)
			for (uint32_t i = 0; i < 400; i++)
				b->rec[(p * 397u + i * 13u) % CRASH_N].end++;
		memset(end, 0, CRASH_N * sizeof *end);
		CHECK_EQ(journal_open(&j, path, err, sizeof err), 0);
		CHECK_EQ(journal_replay(j, big_apply, end, &st, err, sizeof err), 0);
		journal_close(j);
		size_t same = 0;
		for (uint32_t i = 0; i < CRASH_N; i++)
			same += end[i] == b->rec[i].end;
		CHECK_EQ(same, CRASH_N);
	}
	free(end);
	free(b);
	rm_dir(dir);
}

static const struct lease *bad_next(void *arg)
{
	static struct lease bad;
	int *calls = arg;

	memset(&bad, 0, sizeof bad);	/* state 0 cannot be written */
	return (*calls)++ == 0 ? &bad : NULL;
}

TEST(compaction_failure_keeps_old_file)
{
	char dir[64], path[128], tmp[160], err[256];
	struct journal *j;
	struct journal_stats st;
	uint64_t size, n = 0;
	int calls = 0;

	mk_dir(dir, sizeof dir);
	snprintf(path, sizeof path, "%s/leases", dir);
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	size = write_samples(path, 3);
	CHECK_EQ(journal_open(&j, path, err, sizeof err), 0);
	CHECK_EQ(journal_replay(j, NULL, NULL, &st, err, sizeof err), 0);
	CHECK_EQ(journal_compact(j, bad_next, &calls), -EINVAL);
	CHECK(!exists(tmp));
	CHECK_EQ(file_size(path), size);
	CHECK_EQ(journal_size(j), size);
	journal_close(j);
	CHECK_EQ(journal_scan(path, count, &n, &st, err, sizeof err), 0);
	CHECK_EQ(n, 3);
	rm_dir(dir);
}

/* A crash during compaction leaves path.tmp behind; open removes it. */
TEST(stale_tmp_removed)
{
	char dir[64], path[128], tmp[160], err[256];
	struct journal *j;
	struct journal_stats st;
	uint64_t n = 0;

	mk_dir(dir, sizeof dir);
	snprintf(path, sizeof path, "%s/leases", dir);
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	write_samples(path, 2);
	close(open(tmp, O_WRONLY | O_CREAT, 0600));
	append_raw(tmp, "half a compaction", 17);
	CHECK(exists(tmp));
	CHECK_EQ(journal_open(&j, path, err, sizeof err), 0);
	CHECK(!exists(tmp));
	CHECK_EQ(journal_replay(j, count, &n, &st, err, sizeof err), 0);
	CHECK_EQ(n, 2);
	journal_close(j);
	rm_dir(dir);
}

TEST(lock_conflict)
{
	char dir[64], path[128], lock[160], err[256], want[256];
	struct journal *j, *j2 = NULL;
	size_t len;
	char *text;
	pid_t pid;
	int status = -1;

	mk_dir(dir, sizeof dir);
	snprintf(path, sizeof path, "%s/leases", dir);
	snprintf(lock, sizeof lock, "%s.lock", path);
	CHECK_EQ(journal_open(&j, path, err, sizeof err), 0);
	text = slurp(lock, &len);
	snprintf(want, sizeof want, "%ld\n", (long)getpid());
	CHECK(text != NULL && strcmp(text, want) == 0);
	free(text);

	/* The same process: flock is per open file description. */
	CHECK_EQ(journal_open(&j2, path, err, sizeof err), -1);
	CHECK(j2 == NULL);
	snprintf(want, sizeof want, "journal %s is in use by another duodhcpd (pid %ld)",
		 path, (long)getpid());
	CHECK_STR(err, want);

	/* Another process. */
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		struct journal *jc;
		int ok = journal_open(&jc, path, err, sizeof err) == -1 &&
			 strcmp(err, want) == 0;
		_exit(ok ? 0 : 1);
	}
	CHECK(pid > 0);
	waitpid(pid, &status, 0);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);

	journal_close(j);
	CHECK_EQ(journal_open(&j2, path, err, sizeof err), 0);
	journal_close(j2);
	rm_dir(dir);
}

/* Disk full, provoked with RLIMIT_FSIZE (EFBIG): the file is cut back to
 * its durable length, the records stay queued, and a retry succeeds. */
TEST(sync_failure_cuts_back)
{
	char dir[64], path[128], err[256], host[5][32];
	uint8_t cid[5][8];
	struct coll *c = calloc(1, sizeof *c);
	struct journal *j;
	struct journal_stats st;
	struct lease r[5];
	struct rlimit old, small;
	uint64_t durable;
	size_t queued, len;
	int rc1, rc2, rc3;
	long long size1, size2;
	void (*old_sig)(int);
	char *text;

	mk_dir(dir, sizeof dir);
	snprintf(path, sizeof path, "%s/leases", dir);
	CHECK_EQ(open_replay(&j, path, c, &st, err, sizeof err), 0);
	for (uint32_t i = 0; i < 5; i++)
		r[i] = mk(i, cid[i], host[i]);
	CHECK_EQ(journal_append(j, &r[0]), 0);
	CHECK_EQ(journal_append(j, &r[1]), 0);
	CHECK_EQ(journal_sync(j), 0);
	durable = journal_size(j);
	for (int i = 2; i < 5; i++)
		CHECK_EQ(journal_append(j, &r[i]), 0);
	queued = journal_pending(j);

	/* No output while the limit is low: stdout may be a file. */
	getrlimit(RLIMIT_FSIZE, &old);
	small = old;
	small.rlim_cur = durable + 50;	/* room for part of one line */
	old_sig = signal(SIGXFSZ, SIG_IGN);
	setrlimit(RLIMIT_FSIZE, &small);
	rc1 = journal_sync(j);
	size1 = file_size(path);
	rc2 = journal_sync(j);
	size2 = file_size(path);
	setrlimit(RLIMIT_FSIZE, &old);
	signal(SIGXFSZ, old_sig);

	CHECK_EQ(rc1, -EFBIG);
	CHECK_EQ(rc2, -EFBIG);
	CHECK_EQ(size1, durable);
	CHECK_EQ(size2, durable);
	CHECK_EQ(journal_size(j), durable);
	CHECK_EQ(journal_pending(j), queued);
	text = slurp(path, &len);
	CHECK(text != NULL && len > 0 && text[len - 1] == '\n');
	free(text);

	rc3 = journal_sync(j);
	CHECK_EQ(rc3, 0);
	CHECK_EQ(journal_pending(j), 0);
	CHECK_EQ(journal_size(j), durable + queued);
	journal_close(j);
	memset(c, 0, sizeof *c);
	CHECK_EQ(open_replay(&j, path, c, &st, err, sizeof err), 0);
	CHECK_EQ(st.records, 5);
	CHECK_EQ(st.torn_bytes, 0);
	for (size_t i = 0; i < 5 && c->n == 5; i++)
		CHECK(lease_eq(&c->rec[i], &r[i]));
	journal_close(j);
	free(c);
	rm_dir(dir);
}

TEST(open_errors)
{
	char dir[64], path[128], err[256];
	struct journal *j = NULL;

	mk_dir(dir, sizeof dir);
	snprintf(path, sizeof path, "%s/missing/leases", dir);
	CHECK_EQ(journal_open(&j, path, err, sizeof err), -1);
	CHECK(j == NULL);
	CHECK(strstr(err, path) != NULL);
	snprintf(path, sizeof path, "%s/sub", dir);
	mkdir(path, 0700);
	CHECK_EQ(journal_open(&j, path, err, sizeof err), -1);
	rmdir(path);
	rm_dir(dir);
}

/* ---- The failover state record ---- */

#define FO_GOLDEN "v1 fo name=dhcp%20pair my=normal my_stos=1700000000 amnesic=0 " \
	"peer=communications-interrupted peer_stos=1700000100 crc=f9eaa395\n"

static struct store_fo_rec mk_fo(const char *name, uint8_t my, uint32_t stos, bool amnesic)
{
	struct store_fo_rec fo = { .my_state = my, .my_stos = stos, .amnesic = amnesic,
				   .peer_state = FO_ST_COMM_INTERRUPTED, .peer_stos = stos + 100 };

	snprintf(fo.name, sizeof fo.name, "%s", name);
	return fo;
}

static int fo_eq(const struct store_fo_rec *a, const struct store_fo_rec *b)
{
	return strcmp(a->name, b->name) == 0 && a->my_state == b->my_state &&
	       a->my_stos == b->my_stos && a->amnesic == b->amnesic &&
	       a->peer_state == b->peer_state && a->peer_stos == b->peer_stos &&
	       a->mclt == b->mclt && a->have_hba == b->have_hba &&
	       memcmp(a->hba, b->hba, sizeof a->hba) == 0;
}

/* Replay collects leases in a coll and failover records here. */
struct fcoll {
	struct coll *c;
	struct store_fo_rec fo[8];
	size_t n;
};

static void fcollect(void *arg, const struct store_fo_rec *fo)
{
	struct fcoll *f = arg;

	if (f->n < 8)
		f->fo[f->n] = *fo;
	f->n++;
}

static void fcollect_lease(void *arg, const struct lease_rec *r)
{
	collect(((struct fcoll *)arg)->c, r);
}

static int open_replay_fo(struct journal **j, const char *path, struct fcoll *f,
			  struct journal_stats *st, char *err, size_t errlen)
{
	struct store_replay_cb cb = { .lease = fcollect_lease, .fo = fcollect, .arg = f };

	if (journal_open(j, path, err, errlen) < 0)
		return -2;
	return journal_replay_cb(*j, &cb, st, err, errlen);
}

/* 0 if the fo body (with a good CRC) parses, else -1 with err. */
static int parse_fo_body(const char *body, struct store_fo_rec *fo, char *err, size_t errlen)
{
	static char line[4 * JOURNAL_LINE_MAX];
	size_t n = with_crc(line, sizeof line, body);
	char *copy = malloc(n);
	int rc;

	memcpy(copy, line, n);
	err[0] = '\0';
	rc = journal_parse_fo(copy, n, fo, err, errlen);
	free(copy);
	return rc;
}

TEST(fo_golden_and_roundtrip)
{
	char line[JOURNAL_LINE_MAX], again[JOURNAL_LINE_MAX], err[256];
	struct store_fo_rec fo = mk_fo("dhcp pair", FO_ST_NORMAL, 1700000000, false), back;
	size_t n = journal_format_fo(line, sizeof line, &fo);

	CHECK_EQ(n, strlen(FO_GOLDEN));
	CHECK(n > 0 && memcmp(line, FO_GOLDEN, n) == 0);
	CHECK(journal_line_is_fo(line, n - 1));
	CHECK_EQ(journal_parse_fo(line, n - 1, &back, err, sizeof err), 0);
	CHECK(fo_eq(&fo, &back));
	/* Every state, amnesic, a never-heard peer, the longest name of
	 * bytes that all need escaping, the largest STOS. */
	for (unsigned s = 1; s <= 255; s++) {
		if (!fo_state_valid(s))
			continue;
		fo = mk_fo("x", (uint8_t)s, UINT32_MAX, s % 2);
		fo.peer_state = s % 3 ? 0 : (uint8_t)s;
		fo.peer_stos = s % 3 ? 0 : UINT32_MAX;
		memset(fo.name, '=', STORE_FO_NAME_MAX);
		fo.name[STORE_FO_NAME_MAX] = '\0';
		n = journal_format_fo(line, sizeof line, &fo);
		CHECK(n > 0 && n < JOURNAL_LINE_MAX);
		CHECK_EQ(journal_parse_fo(line, n - 1, &back, err, sizeof err), 0);
		CHECK(fo_eq(&fo, &back));
		CHECK_EQ(journal_format_fo(again, sizeof again, &back), n);
		CHECK(memcmp(line, again, n) == 0);
	}
	/* Not storable: empty name, no state, an invalid peer state. */
	fo = mk_fo("", FO_ST_NORMAL, 1, false);
	CHECK_EQ(journal_format_fo(line, sizeof line, &fo), 0);
	fo = mk_fo("a", 0, 1, false);
	CHECK_EQ(journal_format_fo(line, sizeof line, &fo), 0);
	fo = mk_fo("a", FO_ST_NORMAL, 1, false);
	fo.peer_state = 12;
	CHECK_EQ(journal_format_fo(line, sizeof line, &fo), 0);
	/* A lease line is not a failover line, and the reverse. */
	struct lease_rec rec;
	struct record_bufs b;
	CHECK(journal_parse(FO_GOLDEN, strlen(FO_GOLDEN) - 1, &rec, &b, err, sizeof err) < 0);
	CHECK(!journal_line_is_fo("v1 addr=1.2.3.4", 15));
	CHECK(!journal_line_is_fo("v1 fox", 6));
}

static int fo_rejects(const char *body, const char *why)
{
	struct store_fo_rec fo;
	char err[256];

	if (parse_fo_body(body, &fo, err, sizeof err) == 0)
		return 0;
	if (strstr(err, why) == NULL) {
		fprintf(stderr, "  %s: got \"%s\", want \"%s\"\n", body, err, why);
		return 0;
	}
	return 1;
}

#define FO_OK "v1 fo name=a my=normal my_stos=5 amnesic=0 peer=none peer_stos=0"

TEST(fo_parse_strict)
{
	struct store_fo_rec fo;
	char err[256];

	CHECK_EQ(parse_fo_body(FO_OK, &fo, err, sizeof err), 0);
	CHECK(fo.peer_state == 0 && fo.my_state == FO_ST_NORMAL && fo.my_stos == 5);
	CHECK_EQ(parse_fo_body("v1 fo peer_stos=0 peer=none amnesic=1 my_stos=5 my=recover-wait "
			       "name=a", &fo, err, sizeof err), 0);
	CHECK(fo.amnesic && fo.my_state == FO_ST_RECOVER_WAIT);
	CHECK(fo_rejects("v1 fo name=a my=normal my_stos=5 amnesic=0 peer=none", "peer_stos: missing"));
	CHECK(fo_rejects(FO_OK " peer=none", "peer: duplicate key"));
	CHECK(fo_rejects(FO_OK " x=1", "unknown key"));
	CHECK(fo_rejects(FO_OK " ", "empty field"));
	CHECK(fo_rejects(FO_OK " amnesic", "field without ="));
	CHECK(fo_rejects("v1 fo name= my=normal my_stos=5 amnesic=0 peer=none peer_stos=0", "name: empty"));
	CHECK(fo_rejects("v1 fo name=a%2 my=normal my_stos=5 amnesic=0 peer=none peer_stos=0",
			 "name: bad %XX"));
	CHECK(fo_rejects("v1 fo name=%41 my=normal my_stos=5 amnesic=0 peer=none peer_stos=0",
			 "name: needless"));
	CHECK(fo_rejects("v1 fo name=a my=Normal my_stos=5 amnesic=0 peer=none peer_stos=0",
			 "my: unknown server state"));
	CHECK(fo_rejects("v1 fo name=a my=none my_stos=5 amnesic=0 peer=none peer_stos=0",
			 "my: unknown server state"));
	CHECK(fo_rejects("v1 fo name=a my=normal my_stos=05 amnesic=0 peer=none peer_stos=0",
			 "my_stos: not a 32-bit"));
	CHECK(fo_rejects("v1 fo name=a my=normal my_stos=4294967296 amnesic=0 peer=none peer_stos=0",
			 "my_stos: not a 32-bit"));
	CHECK(fo_rejects("v1 fo name=a my=normal my_stos=5 amnesic=2 peer=none peer_stos=0",
			 "amnesic: not 0 or 1"));
	CHECK(fo_rejects("v1 fo name=a my=normal my_stos=5 amnesic=0 peer=12 peer_stos=0",
			 "peer: unknown server state"));
	CHECK(fo_rejects("v2 fo name=a my=normal my_stos=5 amnesic=0 peer=none peer_stos=0",
			 "not a v1 record"));
	/* A bit flip anywhere is caught by the CRC. */
	char line[256];
	size_t n = with_crc(line, sizeof line, FO_OK);
	for (size_t i = 0; i < n; i++) {
		line[i] ^= 0x04;
		CHECK(journal_parse_fo(line, n, &fo, err, sizeof err) < 0);
		line[i] ^= 0x04;
	}
}

/* Journals of older versions hold no failover line: they replay the same. */
/* The pair's MCLT and bucket map ride on the record (a secondary restarted
 * alone needs them); a record written before them still reads, with
 * mclt 0, and one with them is refused by nothing else. */
#define FO_PAIR " mclt=60 hba=ffffffffffffffffffffffffffffffff00000000000000000000000000000000"

TEST(fo_mclt_and_map)
{
	char line[JOURNAL_LINE_MAX], again[JOURNAL_LINE_MAX], err[256];
	struct store_fo_rec fo = mk_fo("dhcp pair", FO_ST_NORMAL, 1700000000, false), back;

	/* Without them the line is byte for byte the old one. */
	CHECK_EQ(journal_format_fo(line, sizeof line, &fo), strlen(FO_GOLDEN));
	CHECK_EQ(journal_parse_fo(FO_GOLDEN, strlen(FO_GOLDEN) - 1, &back, err, sizeof err), 0);
	CHECK_EQ(back.mclt, 0);
	CHECK(!back.have_hba);
	fo.mclt = 60;
	fo.have_hba = true;
	memset(fo.hba, 0xff, 16);
	size_t n = journal_format_fo(line, sizeof line, &fo);
	CHECK(n > 0 && strstr(line, FO_PAIR " crc=") != NULL);
	CHECK_EQ(journal_parse_fo(line, n - 1, &back, err, sizeof err), 0);
	CHECK(fo_eq(&fo, &back));
	CHECK_EQ(journal_format_fo(again, sizeof again, &back), n);
	/* MCLT alone (a primary's map is in its configuration anyway). */
	fo.have_hba = false;
	n = journal_format_fo(line, sizeof line, &fo);
	CHECK(n > 0 && strstr(line, " mclt=60 crc=") != NULL);
	CHECK_EQ(journal_parse_fo(line, n - 1, &back, err, sizeof err), 0);
	CHECK(back.mclt == 60 && !back.have_hba);
	CHECK_EQ(parse_fo_body(FO_OK FO_PAIR, &back, err, sizeof err), 0);
	CHECK(back.have_hba && back.hba[15] == 0xff && back.hba[16] == 0);
	CHECK(fo_rejects(FO_OK " mclt=0", "mclt: not a positive"));
	CHECK(fo_rejects(FO_OK " mclt=60 mclt=60", "mclt: duplicate key"));
	CHECK(fo_rejects(FO_OK " mclt=60 hba=ff", "hba: not 64 hex"));
	CHECK(fo_rejects(FO_OK " mclt=60 hba=gfffffffffffffffffffffffffffffff00000000000000000000000000000000",
			 "hba: not 64 hex"));
	CHECK(fo_rejects(FO_OK " hba=ffffffffffffffffffffffffffffffff00000000000000000000000000000000",
			 "hba: without mclt"));
}

/* A journal holding an old record then a new one replays both: the new
 * one wins, and the old alone replays as before with mclt 0. */
TEST(fo_mclt_replay_old_then_new)
{
	char dir[64], path[128], err[256], line[JOURNAL_LINE_MAX];
	struct fcoll f = { .c = calloc(1, sizeof *f.c) };
	struct journal *j;
	struct journal_stats st;

	mk_dir(dir, sizeof dir);
	snprintf(path, sizeof path, "%s/leases", dir);
	FILE *w = fopen(path, "w");
	CHECK(w != NULL);
	fputs(FO_GOLDEN, w);
	fclose(w);
	CHECK_EQ(open_replay_fo(&j, path, &f, &st, err, sizeof err), 0);
	CHECK_EQ(f.n, 1);
	CHECK(f.fo[0].mclt == 0 && !f.fo[0].have_hba && f.fo[0].my_state == FO_ST_NORMAL);
	journal_close(j);

	w = fopen(path, "a");
	CHECK(w != NULL);
	size_t n = with_crc(line, sizeof line, "v1 fo name=dhcp%20pair my=communications-interrupted "
			    "my_stos=1700000500 amnesic=0 peer=none peer_stos=0" FO_PAIR);
	fwrite(line, 1, n, w);
	fputc('\n', w);
	fclose(w);
	f.n = 0;
	CHECK_EQ(open_replay_fo(&j, path, &f, &st, err, sizeof err), 0);
	CHECK_EQ(st.fo_records, 2);
	CHECK(f.n >= 1);
	const struct store_fo_rec *last = &f.fo[f.n - 1];
	CHECK(last->mclt == 60 && last->have_hba && last->my_state == FO_ST_COMM_INTERRUPTED);
	journal_close(j);
	free(f.c);
	rm_dir(dir);
}

TEST(fo_old_journal_unchanged)
{
	char dir[64], path[128], err[256];
	struct fcoll f = { .c = calloc(1, sizeof *f.c) };
	struct journal *j;
	struct journal_stats st;
	uint64_t size;

	mk_dir(dir, sizeof dir);
	snprintf(path, sizeof path, "%s/leases", dir);
	size = write_samples(path, 5);
	size_t len0, len1;
	char *before = slurp(path, &len0);
	CHECK_EQ(open_replay_fo(&j, path, &f, &st, err, sizeof err), 0);
	CHECK_EQ(st.records, 5);
	CHECK_EQ(st.fo_records, 0);
	CHECK_EQ(f.n, 0);
	CHECK_EQ(f.c->n, 5);
	CHECK_EQ(st.size, size);
	journal_close(j);
	char *after = slurp(path, &len1);
	CHECK(len0 == len1 && memcmp(before, after, len0) == 0);
	free(before);
	free(after);
	free(f.c);
	rm_dir(dir);
}

TEST(fo_append_replay_latest_wins)
{
	char dir[64], path[128], err[256];
	struct fcoll f = { .c = calloc(1, sizeof *f.c) };
	struct journal *j;
	struct journal_stats st;
	struct store_fo_rec a1 = mk_fo("pair", FO_ST_STARTUP, 100, true);
	struct store_fo_rec a2 = mk_fo("pair", FO_ST_NORMAL, 200, false);
	struct store_fo_rec other = mk_fo("other", FO_ST_PARTNER_DOWN, 300, false);
	struct store_fo_rec bad = mk_fo("", FO_ST_NORMAL, 1, false);

	mk_dir(dir, sizeof dir);
	snprintf(path, sizeof path, "%s/leases", dir);
	CHECK_EQ(open_replay_fo(&j, path, &f, &st, err, sizeof err), 0);
	uint8_t cid[8];
	char host[32];
	struct lease l0 = mk(0, cid, host);
	CHECK_EQ(journal_append_fo(j, &a1), 0);
	CHECK_EQ(journal_append(j, &l0), 0);
	CHECK_EQ(journal_append_fo(j, &other), 0);
	CHECK_EQ(journal_append_fo(j, &a2), 0);
	CHECK_EQ(journal_append_fo(j, &bad), -EINVAL);
	CHECK_EQ(journal_sync(j), 0);
	journal_close(j);

	CHECK_EQ(open_replay_fo(&j, path, &f, &st, err, sizeof err), 0);
	CHECK_EQ(st.records, 1);
	CHECK_EQ(st.fo_records, 3);
	CHECK_EQ(f.n, 3);	/* in file order: the caller keeps the last */
	CHECK(fo_eq(&f.fo[0], &a1) && fo_eq(&f.fo[1], &other) && fo_eq(&f.fo[2], &a2));
	journal_close(j);
	/* scan sees the same */
	f.n = 0;
	struct store_replay_cb cb = { .fo = fcollect, .arg = &f };
	CHECK_EQ(journal_scan_cb(path, &cb, &st, err, sizeof err), 0);
	CHECK_EQ(f.n, 3);
	CHECK_EQ(st.records, 1);
	free(f.c);
	rm_dir(dir);
}

/* Damage in a failover line is refused by name mid-file; a torn one at
 * the end is cut like any torn tail. */
TEST(fo_damage_mid_file_and_torn_tail)
{
	char dir[64], path[128], err[512], line[JOURNAL_LINE_MAX];
	struct fcoll f = { .c = calloc(1, sizeof *f.c) };
	struct journal *j;
	struct journal_stats st;
	struct store_fo_rec fo = mk_fo("pair", FO_ST_NORMAL, 200, false);
	size_t n = journal_format_fo(line, sizeof line, &fo);

	mk_dir(dir, sizeof dir);
	snprintf(path, sizeof path, "%s/leases", dir);
	write_samples(path, 2);			/* header + 2 lines */
	append_raw(path, line, n);		/* line 4 */
	uint64_t good = (uint64_t)file_size(path);
	line[n - 6] = '\n';			/* torn inside the crc */
	append_raw(path, line, n - 5);
	CHECK_EQ(open_replay_fo(&j, path, &f, &st, err, sizeof err), 0);
	CHECK_EQ(st.fo_records, 1);
	CHECK_EQ(st.torn_bytes, n - 5);
	CHECK(strstr(err, "torn last line 5") != NULL);
	CHECK(strstr(err, "failover state record") != NULL);
	CHECK_EQ(file_size(path), good);
	journal_close(j);

	/* A flipped bit in "name=": a checksum mismatch, then more lines. */
	uint8_t cid[8];
	char host[32];
	struct lease l0 = mk(0, cid, host);
	n = journal_format(line, sizeof line, &l0);
	append_raw(path, line, n);
	damage_line(path, 4);
	CHECK_EQ(open_replay_fo(&j, path, &f, &st, err, sizeof err), -1);
	CHECK(strstr(err, "line 4 is damaged (failover state record: checksum mismatch)") != NULL);
	journal_close(j);
	free(f.c);
	rm_dir(dir);
}

TEST(fo_compaction_keeps_latest)
{
	char dir[64], path[128], err[256];
	struct table *t = calloc(1, sizeof *t);
	struct fcoll f = { .c = calloc(1, sizeof *f.c) };
	struct journal *j;
	struct journal_stats st;
	struct store_fo_rec a1 = mk_fo("pair", FO_ST_STARTUP, 100, true);
	struct store_fo_rec a2 = mk_fo("pair", FO_ST_NORMAL, 200, false);
	struct store_fo_rec a3 = mk_fo("pair", FO_ST_COMM_INTERRUPTED, 300, false);

	mk_dir(dir, sizeof dir);
	snprintf(path, sizeof path, "%s/leases", dir);
	CHECK_EQ(open_replay_fo(&j, path, &f, &st, err, sizeof err), 0);
	CHECK_EQ(journal_append_fo(j, &a1), 0);
	for (uint32_t i = 0; i < 10; i++) {
		t->rec[i] = mk(i, t->cid[i], t->host[i]);
		CHECK_EQ(journal_append(j, &t->rec[i]), 0);
	}
	CHECK_EQ(journal_append_fo(j, &a2), 0);
	CHECK_EQ(journal_sync(j), 0);
	journal_close(j);

	/* Reopened: the kept state comes from replay, not from an append. */
	CHECK_EQ(open_replay_fo(&j, path, &f, &st, err, sizeof err), 0);
	CHECK_EQ(journal_compact(j, table_next, t), 0);
	journal_close(j);
	f.n = 0;
	f.c->n = 0;
	CHECK_EQ(open_replay_fo(&j, path, &f, &st, err, sizeof err), 0);
	CHECK_EQ(st.records, 10);
	CHECK_EQ(f.n, 1);
	CHECK(fo_eq(&f.fo[0], &a2));

	/* In steps, with a state appended while the walk runs: it wins. */
	t->next = 0;
	CHECK_EQ(journal_compact_start(j, table_next, t), 0);
	CHECK_EQ(journal_append_fo(j, &a3), 0);
	CHECK_EQ(journal_sync(j), 0);
	int rc, steps = 0;
	while ((rc = journal_compact_poll(j)) == 0 && steps++ < 100)
		;
	CHECK_EQ(rc, 1);
	while (journal_compacting(j))
		journal_compact_poll(j);
	journal_close(j);
	f.n = 0;
	f.c->n = 0;
	CHECK_EQ(open_replay_fo(&j, path, &f, &st, err, sizeof err), 0);
	CHECK_EQ(st.records, 10);
	CHECK(f.n >= 1 && fo_eq(&f.fo[f.n - 1], &a3));
	journal_close(j);
	free(t);
	free(f.c);
	rm_dir(dir);
}

/* Salvage keeps the latest state of each relationship and marks it
 * amnesic, since a dropped line may have been a lease we granted. */
TEST(fo_salvage_marks_amnesic)
{
	char dir[64], path[128], err[512], line[JOURNAL_LINE_MAX];
	struct fcoll f = { .c = calloc(1, sizeof *f.c) };
	struct journal *j;
	struct journal_stats st;
	struct store_fo_rec a1 = mk_fo("pair", FO_ST_STARTUP, 100, false);
	struct store_fo_rec a2 = mk_fo("pair", FO_ST_NORMAL, 200, false);
	uint64_t kept, dropped;
	size_t n;

	mk_dir(dir, sizeof dir);
	snprintf(path, sizeof path, "%s/leases", dir);
	write_samples(path, 3);
	n = journal_format_fo(line, sizeof line, &a1);
	append_raw(path, line, n);
	n = journal_format_fo(line, sizeof line, &a2);
	append_raw(path, line, n);
	damage_line(path, 3);
	CHECK_EQ(journal_salvage(path, &kept, &dropped, err, sizeof err), 0);
	CHECK_EQ(dropped, 1);
	CHECK_EQ(kept, 3);	/* two leases, one failover record */
	CHECK_EQ(open_replay_fo(&j, path, &f, &st, err, sizeof err), 0);
	CHECK_EQ(f.n, 1);
	a2.amnesic = true;
	CHECK(fo_eq(&f.fo[0], &a2));
	journal_close(j);
	free(f.c);
	rm_dir(dir);
}

T_RUN(T_CASE(crc_matches_reference), T_CASE(planted_links_refused),
      T_CASE(fo_golden_and_roundtrip), T_CASE(fo_parse_strict), T_CASE(fo_mclt_and_map),
      T_CASE(fo_mclt_replay_old_then_new), T_CASE(fo_old_journal_unchanged),
      T_CASE(fo_append_replay_latest_wins), T_CASE(fo_damage_mid_file_and_torn_tail),
      T_CASE(fo_compaction_keeps_latest), T_CASE(fo_salvage_marks_amnesic),
      T_CASE(format_golden_line),
      T_CASE(todays_lines_still_read),
      T_CASE(failover_fields_roundtrip),
      T_CASE(roundtrip_every_field),
      T_CASE(roundtrip_worst_case_line),
      T_CASE(format_refuses),
      T_CASE(parse_accepts_good_and_bounds),
      T_CASE(parse_rejects_structure),
      T_CASE(parse_rejects_numbers),
      T_CASE(parse_rejects_addr_state),
      T_CASE(parse_rejects_hw_cid),
      T_CASE(parse_rejects_hostname),
      T_CASE(parse_rejects_raw_nul_and_long_line),
      T_CASE(parse_rejects_truncation_and_bitflips),
      T_CASE(append_sync_replay),
      T_CASE(append_refuses_bad_record),
      T_CASE(replay_order_later_wins),
      T_CASE(sync_refused_before_replay),
      T_CASE(torn_tail_truncated),
      T_CASE(torn_overlong_tail),
      T_CASE(replay_large_file),
      T_CASE(mid_file_damage_refused),
      T_CASE(damaged_header_refused),
      T_CASE(replay_without_header),
      T_CASE(scan_reads_without_changing),
      T_CASE(salvage_keeps_good_lines),
      T_CASE(compaction_keeps_the_set), T_CASE(background_compaction_keeps_later_appends),
      T_CASE(background_compaction_catches_up_in_steps), T_CASE(preallocated_zeros), T_CASE(compaction_crash_at_every_step),
      T_CASE(compaction_failure_keeps_old_file),
      T_CASE(stale_tmp_removed),
      T_CASE(lock_conflict),
      T_CASE(sync_failure_cuts_back),
      T_CASE(open_errors))
