/* libFuzzer target for the journal reader.
 *
 * Each input line goes through journal_parse() from an exact-size heap
 * copy, so ASan sees any read past len; a line that parses must format
 * back to bytes that parse to the same record.  Random bytes almost never
 * carry a right CRC, so each line is also parsed as a body with a correct
 * " crc=" appended: that lets the fuzzer reach the field parsers.  The input also seeds one
 * record for journal_format() directly.  Lines that claim to be failover
 * state records ("v1 fo") go through journal_parse_fo() the same way, and
 * the input seeds one failover record for journal_format_fo().  Then the
 * whole input is written
 * to a memfd and read with journal_scan(), whose counts must agree with
 * the input. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <stdio.h>

#include "store/journal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int same(const struct lease_rec *a, const struct lease_rec *b)
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

/* Bit-at-a-time CRC-32, independent of the table in journal.c. */
static uint32_t ref_crc(const uint8_t *p, size_t n)
{
	uint32_t c = 0xffffffffu;

	for (size_t i = 0; i < n; i++) {
		c ^= p[i];
		for (int k = 0; k < 8; k++)
			c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
	}
	return ~c;
}

/* format(rec) must parse back to rec and format to the same bytes. */
static void roundtrip(const struct lease_rec *rec)
{
	char line[JOURNAL_LINE_MAX], again[JOURNAL_LINE_MAX], err[256];
	struct record_bufs b;
	struct lease_rec back;
	size_t n = journal_format(line, sizeof line, rec), m;

	if (n == 0 || line[n - 1] != '\n' || memchr(line, '\n', n - 1) != NULL)
		__builtin_trap();
	if (journal_parse(line, n - 1, &back, &b, err, sizeof err) != 0 || !same(rec, &back))
		__builtin_trap();
	m = journal_format(again, sizeof again, &back);
	if (m != n || memcmp(line, again, n) != 0)
		__builtin_trap();
}

static int fo_same(const struct store_fo_rec *a, const struct store_fo_rec *b)
{
	return strcmp(a->name, b->name) == 0 && a->my_state == b->my_state &&
	       a->my_stos == b->my_stos && a->amnesic == b->amnesic &&
	       a->peer_state == b->peer_state && a->peer_stos == b->peer_stos &&
	       a->mclt == b->mclt && a->have_hba == b->have_hba &&
	       (!a->have_hba || memcmp(a->hba, b->hba, sizeof a->hba) == 0);
}

/* format_fo(fo), when it formats, must parse back to fo and format to the
 * same bytes. */
static void fo_roundtrip(const struct store_fo_rec *fo, int must)
{
	char line[JOURNAL_LINE_MAX], again[JOURNAL_LINE_MAX], err[256];
	struct store_fo_rec back;
	size_t n = journal_format_fo(line, sizeof line, fo), m;

	if (n == 0) {
		if (must)
			__builtin_trap();
		return;
	}
	if (line[n - 1] != '\n' || memchr(line, '\n', n - 1) != NULL ||
	    !journal_line_is_fo(line, n - 1))
		__builtin_trap();
	if (journal_parse_fo(line, n - 1, &back, err, sizeof err) != 0 || !fo_same(fo, &back))
		__builtin_trap();
	m = journal_format_fo(again, sizeof again, &back);
	if (m != n || memcmp(line, again, n) != 0)
		__builtin_trap();
}

/* Parses an exact-size copy of p[0..len) with, when crc is set, a right
 * " crc=xxxxxxxx" appended.  Returns 1 when it parsed. */
static int parse_one(const uint8_t *p, size_t len, int crc)
{
	size_t n = len + (crc ? 13 : 0);
	char *copy = malloc(n ? n : 1), err[256], tail[16];
	struct record_bufs b;
	struct lease_rec rec;
	int ok;

	memcpy(copy, p, len);
	if (crc) {
		snprintf(tail, sizeof tail, " crc=%08x", ref_crc(p, len));
		memcpy(copy + len, tail, 13);
	}
	if (journal_line_is_fo(copy, n)) {
		struct store_fo_rec fo;

		ok = journal_parse_fo(copy, n, &fo, err, sizeof err) == 0;
		if (ok)
			fo_roundtrip(&fo, 1);
		/* A failover line is never a lease line. */
		if (journal_parse(copy, n, &rec, &b, err, sizeof err) == 0)
			__builtin_trap();
	} else {
		ok = journal_parse(copy, n, &rec, &b, err, sizeof err) == 0;
		if (ok)
			roundtrip(&rec);
	}
	if (!ok && memchr(err, '\0', sizeof err) == NULL)
		__builtin_trap();	/* the reason must be a C string */
	free(copy);
	return ok;
}

static size_t parse_lines(const uint8_t *data, size_t size)
{
	size_t off = 0, good = 0;

	while (off < size) {
		const uint8_t *nl = memchr(data + off, '\n', size - off);
		size_t len = nl != NULL ? (size_t)(nl - (data + off)) : size - off;

		good += (size_t)parse_one(data + off, len, 0);
		if (len < JOURNAL_LINE_MAX)
			parse_one(data + off, len, 1);
		off += len + 1;
	}
	return good;
}

/* A bounded cursor over the input, for building a record from it. */
struct cur {
	const uint8_t *p;
	size_t n;
};

static uint8_t take(struct cur *c)
{
	uint8_t v = 0;

	if (c->n > 0) {
		v = *c->p++;
		c->n--;
	}
	return v;
}

static int64_t take64(struct cur *c)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | take(c);
	return (int64_t)v;
}

static void format_from_bytes(const uint8_t *data, size_t size)
{
	struct cur c = { data, size };
	uint8_t cid[LEASE_CID_MAX];
	char host[LEASE_HOST_MAX + 1];
	struct lease_rec rec;
	size_t hn;

	memset(&rec, 0, sizeof rec);
	for (int i = 0; i < 4; i++)
		rec.addr = rec.addr << 8 | take(&c);
	rec.state = (uint8_t)(LEASE_FREE + take(&c) % 7);
	rec.flags = take(&c);
	rec.htype = take(&c);
	rec.hlen = take(&c) % (LEASE_HW_MAX + 1);
	for (int i = 0; i < rec.hlen; i++)
		rec.hw[i] = take(&c);
	rec.cid_len = take(&c);
	for (int i = 0; i < rec.cid_len; i++)
		cid[i] = take(&c);
	rec.cid = cid;
	hn = take(&c);
	for (size_t i = 0; i < hn; i++)
		host[i] = (char)(take(&c) | 1);	/* no NUL inside a C string */
	host[hn] = '\0';
	rec.hostname = hn > 0 ? host : NULL;
	rec.start = take64(&c);
	rec.end = take64(&c);
	rec.cltt = take64(&c);
	rec.tstp = take64(&c);
	rec.tsfp = take64(&c);
	rec.atsfp = take64(&c);
	rec.pending_state = take(&c) % 8;	/* 0: none */
	roundtrip(&rec);
}

/* One failover record from the input's bytes: any name bytes but NUL,
 * any state numbers (only the valid ones format). */
static void fo_from_bytes(const uint8_t *data, size_t size)
{
	struct cur c = { data, size };
	struct store_fo_rec fo;
	size_t n = take(&c);

	memset(&fo, 0, sizeof fo);
	for (size_t i = 0; i < n; i++)
		fo.name[i] = (char)(take(&c) | 1);
	fo.my_state = take(&c);
	fo.peer_state = take(&c);
	fo.amnesic = take(&c) & 1;
	fo.my_stos = (uint32_t)take64(&c);
	fo.peer_stos = (uint32_t)take64(&c);
	/* The map is only written beside an MCLT. */
	fo.mclt = (uint32_t)take64(&c);
	fo.have_hba = fo.mclt && (take(&c) & 1);
	for (size_t i = 0; fo.have_hba && i < sizeof fo.hba; i++)
		fo.hba[i] = take(&c);
	fo_roundtrip(&fo, 0);
}

static void count(void *arg, const struct lease_rec *rec)
{
	(void)rec;
	++*(uint64_t *)arg;
}

static void count_fo(void *arg, const struct store_fo_rec *fo)
{
	(void)fo;
	++*(uint64_t *)arg;
}

static void scan_file(const uint8_t *data, size_t size, size_t good_lines)
{
	static int fd = -1;	/* one memfd for the whole run */
	struct journal_stats st;
	char path[64], err[512];
	uint64_t n = 0;
	size_t lines = 0;
	struct store_replay_cb cb = { .lease = count, .fo = count_fo, .arg = &n };

	if (fd < 0 && (fd = memfd_create("fuzz_journal", MFD_CLOEXEC)) < 0)
		abort();
	if (ftruncate(fd, 0) < 0 || (size > 0 && pwrite(fd, data, size, 0) != (ssize_t)size))
		abort();
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	for (size_t i = 0; i < size; i++)
		lines += data[i] == '\n';
	if (journal_scan_cb(path, &cb, &st, err, sizeof err) != 0)
		return;
	/* Scan only applies lines that parse and end in a newline, and
	 * then only up to the first bad one. */
	/* Zeros at the end are unused preallocation: the scan stops before. */
	size_t end = size;
	while (end > 0 && data[end - 1] == 0)
		end--;
	if (n != st.records + st.fo_records || st.records + st.fo_records > good_lines ||
	    st.records + st.fo_records > lines ||
	    st.size != end || st.torn_bytes > end)
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t good = parse_lines(data, size);

	format_from_bytes(data, size);
	fo_from_bytes(data, size);
	scan_file(data, size, good);
	return 0;
}
