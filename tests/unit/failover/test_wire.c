/* The failover message codec against ISC dhcpd 4.4.3's own messages
 * (tests/vectors/failover/, cut from the captures by gen_vectors.py), and
 * against malformed input. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "failover/wire.h"
#include "t.h"

static size_t unhex(const char *h, uint8_t *out, size_t cap)
{
	size_t n = 0;
	unsigned b;
	while (h[0] && h[1] && n < cap && sscanf(h, "%2x", &b) == 1) {
		out[n++] = (uint8_t)b;
		h += 2;
	}
	return n;
}

static uint32_t be(const uint8_t *p, size_t n)
{
	uint32_t v = 0;
	for (size_t i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

/* Checks one option of a decoded message against the bytes the .txt
 * decode shows: the field itself (read through the table, independently
 * of the encoder) and the value the encoder would send. */
static void check_opt(const struct fo_msg *m, unsigned code, const uint8_t *want, size_t n)
{
	const struct fo_opt_def *d = fo_opt_def(code);
	CHECK(d != NULL);
	CHECK(fo_has(m, code));
	if (!d || !fo_has(m, code))
		return;
	const uint8_t *f = (const uint8_t *)m + d->offset;
	if (n == 1 && d->vtype <= FO_V_FLAGS8)
		CHECK_EQ(*f, want[0]);
	else if (n == 2 && d->vtype == FO_V_U16)
		CHECK_EQ(*(const uint16_t *)(const void *)f, be(want, 2));
	else if (n == 4 && d->vtype >= FO_V_U32 && d->vtype <= FO_V_IP)
		CHECK_EQ(*(const uint32_t *)(const void *)f, be(want, 4));
	else {
		const struct fo_bytes *b = (const void *)f;
		CHECK(b->len == n && memcmp(b->p, want, n) == 0);
	}
	uint8_t got[FO_MSG_MAX];
	int len = fo_opt_value(m, code, got, sizeof got);
	CHECK(len == (int)n && memcmp(got, want, n) == 0);
}

struct vec_stats {
	int msgs, with_decode, opts;
};

/* Decodes one vector, re-encodes it and compares the bytes. */
static void check_roundtrip(const uint8_t *raw, size_t n, struct fo_msg *m, const char *where)
{
	const char *why = "";
	uint8_t out[FO_MSG_MAX];
	if (fo_decode(m, raw, n, &why) < 0) {
		fprintf(stderr, "  %s: decode failed: %s\n", where, why);
		CHECK(0);
		return;
	}
	CHECK_EQ(m->nskipped, 0);
	size_t len = fo_encode(m, out, sizeof out, &why);
	if (len != n || memcmp(out, raw, n) != 0) {
		fprintf(stderr, "  %s: re-encoded %zu bytes differ from the %zu captured\n", where, len, n);
		CHECK(0);
	}
}

static void run_vec_file(const char *path, struct vec_stats *st)
{
	FILE *f = fopen(path, "r");
	CHECK(f != NULL);
	if (!f)
		return;
	static char line[8192];
	static uint8_t raw[FO_MSG_MAX], val[FO_MSG_MAX];
	struct fo_msg m;
	size_t n = 0;
	uint32_t seen = 0;
	bool have_hdr = false;
	while (fgets(line, sizeof line, f)) {
		char hex[8192];
		unsigned type, len, code;
		unsigned long time, xid;
		if (sscanf(line, "msg %*s %8191s", hex) == 1) {
			n = unhex(hex, raw, sizeof raw);
			st->msgs++;
			seen = 0;
			have_hdr = false;
			check_roundtrip(raw, n, &m, path);
		} else if (sscanf(line, "hdr %u %u %lu %lx", &type, &len, &time, &xid) == 4) {
			CHECK_EQ(m.type, type);
			CHECK_EQ(n, len);
			CHECK_EQ(m.time, time);
			CHECK_EQ(m.xid, xid);
			have_hdr = true;
			st->with_decode++;
		} else if (sscanf(line, "opt %u %8191s", &code, hex) >= 1) {
			size_t vn = strchr(line + 4, ' ') ? unhex(hex, val, sizeof val) : 0;
			check_opt(&m, code, val, vn);
			seen |= 1u << code;
			st->opts++;
		} else if (strncmp(line, "end", 3) == 0 && have_hdr) {
			CHECK_EQ(m.present, seen);	/* nothing more than the .txt shows */
		}
	}
	fclose(f);
}

static const char *vec_dir(void)
{
	static char dir[4096];
	const char *src = getenv("DUODHCP_SRC");
	snprintf(dir, sizeof dir, "%s/tests/vectors/failover", src ? src : ".");
	return dir;
}

TEST(captured_messages)
{
	DIR *d = opendir(vec_dir());
	CHECK(d != NULL);
	if (!d)
		return;
	struct vec_stats st = { 0 };
	int files = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		size_t l = strlen(e->d_name);
		if (l < 5 || strcmp(e->d_name + l - 4, ".vec") != 0)
			continue;
		char path[8192];
		snprintf(path, sizeof path, "%s/%s", vec_dir(), e->d_name);
		run_vec_file(path, &st);
		files++;
	}
	closedir(d);
	printf("# %d files, %d messages, %d with the .txt decode (%d options)\n",
	       files, st.msgs, st.with_decode, st.opts);
	CHECK_EQ(files, 5);
	CHECK(st.with_decode >= 150);
	CHECK(st.msgs > st.with_decode);
}

/* With FO_STREAMS=DIR (gen_vectors.py --streams DIR), every message of
 * every capture, framed as a TCP reader would. */
TEST(full_capture_streams)
{
	const char *dir = getenv("FO_STREAMS");
	if (!dir) {
		printf("# FO_STREAMS not set, full capture pass skipped\n");
		return;
	}
	DIR *d = opendir(dir);
	CHECK(d != NULL);
	if (!d)
		return;
	static uint8_t buf[4 << 20];
	long total = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (!strstr(e->d_name, ".stream"))
			continue;
		char path[8192];
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		FILE *f = fopen(path, "rb");
		CHECK(f != NULL);
		if (!f)
			continue;
		size_t n = fread(buf, 1, sizeof buf, f), off = 0, len;
		fclose(f);
		const char *why;
		struct fo_msg m;
		while (off < n && fo_frame(buf + off, n - off, &len, &why) == 1) {
			check_roundtrip(buf + off, len, &m, path);
			off += len;
			total++;
		}
		CHECK_EQ(off, n);
	}
	closedir(d);
	printf("# %ld messages decoded and re-encoded byte for byte\n", total);
	CHECK(total > 0);
}

/* CONNECT, #1 of isc-connect-normal.txt, field by field. */
TEST(connect_fields)
{
	static const char hex[] =
		"006c050c6b0402570000000000160006666f2d6c6162000e00040000000a001300040000001e"
		"001c000c6973632d342e342e332d50310014000101001b000100000f00040000003c000b0020"
		"ffffffffffffffffffffffffffffffff00000000000000000000000000000000";
	uint8_t raw[256];
	size_t n = unhex(hex, raw, sizeof raw);
	struct fo_msg m;
	const char *why = "";
	CHECK_EQ(fo_decode(&m, raw, n, &why), 0);
	CHECK_EQ(m.type, FO_CONNECT);
	CHECK_EQ(m.time, 1795424855u);
	CHECK_EQ(m.xid, 0);
	CHECK(m.relationship_name.len == 6 && memcmp(m.relationship_name.p, "fo-lab", 6) == 0);
	CHECK_EQ(m.max_unacked, 10);
	CHECK_EQ(m.receive_timer, 30);
	CHECK(m.vendor_class.len == 12 && memcmp(m.vendor_class.p, "isc-4.4.3-P1", 12) == 0);
	CHECK_EQ(m.protocol_version, FO_PROTOCOL_VERSION);
	CHECK(fo_has(&m, FO_OPT_TLS_REQUEST) && m.tls_request == 0);
	CHECK_EQ(m.mclt, 60);
	CHECK_EQ(m.hba.len, FO_HBA_LEN);
	CHECK(m.hba.p[0] == 0xff && m.hba.p[15] == 0xff && m.hba.p[16] == 0 && m.hba.p[31] == 0);
	CHECK_STR(fo_type_name(m.type), "CONNECT");
}

/* A BNDUPD built field by field comes out as ISC sent it (#1 of
 * isc-bndupd.txt): the option order is ISC's, not ours to choose. */
TEST(bndupd_built_from_fields)
{
	static const char hex[] =
		"004f030c6b0402660000400400020004c6122fff00030001020004000701024100000000"
		"0005000701024100000000000d00046b0402a2001200046b041094001900046b040266"
		"000600046b040266";
	static const uint8_t id[] = { 1, 2, 0x41, 0, 0, 0, 0 };
	uint8_t want[256], out[FO_MSG_MAX];
	size_t n = unhex(hex, want, sizeof want);
	struct fo_msg m;
	fo_msg_init(&m, FO_BNDUPD, 1795424870u, 0x4004);
	/* Set in an order of our own; the encoder sorts them. */
	m.cltt = 1795424870u;
	fo_set(&m, FO_OPT_CLTT);
	m.stos = 1795424870u;
	fo_set(&m, FO_OPT_STOS);
	m.chaddr = (struct fo_bytes){ id, sizeof id };
	fo_set(&m, FO_OPT_CHADDR);
	m.client_id = (struct fo_bytes){ id, sizeof id };
	fo_set(&m, FO_OPT_CLIENT_ID);
	m.assigned_ip = 0xC6122FFFu;	/* 198.18.47.255 */
	fo_set(&m, FO_OPT_ASSIGNED_IP);
	m.binding_status = FO_BIND_ACTIVE;
	fo_set(&m, FO_OPT_BINDING_STATUS);
	m.lease_expiry = 1795424930u;
	fo_set(&m, FO_OPT_LEASE_EXPIRY);
	m.potential_expiry = 1795428500u;
	fo_set(&m, FO_OPT_POTENTIAL_EXPIRY);
	const char *why = "";
	size_t len = fo_encode(&m, out, sizeof out, &why);
	CHECK_EQ(len, n);
	CHECK(memcmp(out, want, n) == 0);
}

/* A refused update: BNDACK with reject-reason and message, as the
 * secondary of isc-connect-normal sent it. */
TEST(bndack_reject)
{
	static const char hex[] =
		"0052040c6b0402570000000400020004c6121001001500011000100035"
		"696e636f6d696e6720757064617465206973206c65737320637269746963616c"
		"207468616e206f7574676f696e6720757064617465";
	uint8_t raw[256];
	size_t n = unhex(hex, raw, sizeof raw);
	struct fo_msg m;
	const char *why = "";
	CHECK_EQ(fo_decode(&m, raw, n, &why), 0);
	CHECK_EQ(m.type, FO_BNDACK);
	CHECK_EQ(m.assigned_ip, 0xC6121001u);
	CHECK_EQ(m.reject_reason, FO_REJ_LESS_CRIT_BIND_INFO);
	CHECK_STR(fo_reject_name(m.reject_reason), "less-critical-bind-info");
	static const char text[] = "incoming update is less critical than outgoing update";
	CHECK(m.message.len == strlen(text) && memcmp(m.message.p, text, strlen(text)) == 0);
}

/* Message helpers for the malformed cases: a header, then options. */
struct build {
	uint8_t b[4096];
	size_t n;
};

static void b_hdr(struct build *b, uint8_t type, uint8_t payoff)
{
	static const uint8_t h[12] = { 0, 0, 0, 0, 0x6b, 0x04, 0x02, 0x57, 0, 0, 0, 7 };
	memcpy(b->b, h, 12);
	b->b[2] = type;
	b->b[3] = payoff;
	b->n = 12;
}

static void b_raw(struct build *b, const void *p, size_t n)
{
	if (n)		/* an empty option passes no value */
		memcpy(b->b + b->n, p, n);
	b->n += n;
}

static void b_opt(struct build *b, uint16_t code, const void *v, uint16_t len)
{
	uint8_t h[4] = { (uint8_t)(code >> 8), (uint8_t)code, (uint8_t)(len >> 8), (uint8_t)len };
	b_raw(b, h, 4);
	b_raw(b, v, len);
}

/* Sets the length field to the bytes built and decodes. */
static int b_decode(struct build *b, struct fo_msg *m, const char **why)
{
	b->b[0] = (uint8_t)(b->n >> 8);
	b->b[1] = (uint8_t)b->n;
	*why = "";
	return fo_decode(m, b->b, b->n, why);
}

static int rejects(struct build *b, const char *reason)
{
	struct fo_msg m;
	const char *why;
	if (b_decode(b, &m, &why) == 0)
		return 0;
	if (strcmp(why, reason) != 0)
		fprintf(stderr, "  rejected for \"%s\", expected \"%s\"\n", why, reason);
	return strcmp(why, reason) == 0;
}

static const uint8_t u8_6 = 6, u32_60[4] = { 0, 0, 0, 60 };

TEST(malformed_lengths)
{
	struct fo_msg m;
	const char *why = "";
	uint8_t z[4] = { 0 };
	CHECK_EQ(fo_decode(&m, z, 0, &why), -1);
	CHECK_STR(why, "shorter than the 12-byte header");
	CHECK_EQ(fo_decode(&m, z, 3, &why), -1);

	static uint8_t big[FO_MSG_MAX + 1];
	big[0] = 0x08, big[1] = 0x01, big[2] = FO_CONTACT, big[3] = 12;
	CHECK_EQ(fo_decode(&m, big, sizeof big, &why), -1);
	CHECK_STR(why, "longer than 2048 bytes");

	struct build b;
	b_hdr(&b, FO_CONTACT, 12);
	b_decode(&b, &m, &why);
	b.b[0] = 0, b.b[1] = 0;		/* zero-length message */
	CHECK_EQ(fo_decode(&m, b.b, b.n, &why), -1);
	CHECK_STR(why, "length field disagrees with the message size");
	b.b[0] = 0xff, b.b[1] = 0xff;	/* huge length */
	CHECK_EQ(fo_decode(&m, b.b, b.n, &why), -1);

	/* A STATE cut short: the length field says more than arrived. */
	b_hdr(&b, FO_STATE, 12);
	b_opt(&b, FO_OPT_SERVER_STATE, &u8_6, 1);
	b_decode(&b, &m, &why);
	CHECK_EQ(fo_decode(&m, b.b, b.n - 1, &why), -1);
}

TEST(framing)
{
	uint8_t s[32] = { 0, 0x1e, FO_STATE, 12 };
	size_t len = 0;
	const char *why = "";
	CHECK_EQ(fo_frame(s, 0, &len, &why), 0);
	CHECK_EQ(fo_frame(s, 1, &len, &why), 0);
	CHECK_EQ(fo_frame(s, 2, &len, &why), 0);
	CHECK_EQ(len, 30);
	CHECK_EQ(fo_frame(s, 29, &len, &why), 0);
	CHECK_EQ(fo_frame(s, 30, &len, &why), 1);
	CHECK_EQ(fo_frame(s, 32, &len, &why), 1);
	s[1] = 0;	/* zero length */
	CHECK_EQ(fo_frame(s, 32, &len, &why), -1);
	CHECK_STR(why, "length field under 12");
	s[1] = 11;
	CHECK_EQ(fo_frame(s, 32, &len, &why), -1);
	s[0] = 0xff, s[1] = 0xff;	/* huge */
	CHECK_EQ(fo_frame(s, 32, &len, &why), -1);
	CHECK_STR(why, "length field over 2048");
	s[0] = 0x08, s[1] = 0x00;	/* exactly 2048: wait for it */
	CHECK_EQ(fo_frame(s, 32, &len, &why), 0);
	CHECK_EQ(len, 2048);
}

TEST(malformed_header)
{
	struct build b;
	b_hdr(&b, 0, 12);
	CHECK(rejects(&b, "unknown message type"));
	b_hdr(&b, 13, 12);
	CHECK(rejects(&b, "unknown message type"));
	b_hdr(&b, FO_CONTACT, 11);
	CHECK(rejects(&b, "payload offset outside the message"));
	b_hdr(&b, FO_CONTACT, 0);
	CHECK(rejects(&b, "payload offset outside the message"));
	b_hdr(&b, FO_CONTACT, 13);
	CHECK(rejects(&b, "payload offset outside the message"));

	/* Section 6.1: header bytes past 12 and before the payload offset
	 * belong to later versions and are skipped. */
	struct fo_msg m;
	const char *why;
	b_hdr(&b, FO_STATE, 16);
	b_raw(&b, "\xde\xad\xbe\xef", 4);
	b_opt(&b, FO_OPT_SERVER_STATE, &u8_6, 1);
	CHECK_EQ(b_decode(&b, &m, &why), 0);
	CHECK_EQ(m.server_state, FO_ST_RECOVER);
	uint8_t out[64];
	CHECK_EQ(fo_encode(&m, out, sizeof out, &why), b.n - 4);
	CHECK_EQ(out[3], 12);
}

TEST(malformed_options)
{
	struct build b;
	for (size_t tail = 1; tail < 4; tail++) {
		b_hdr(&b, FO_STATE, 12);
		b_raw(&b, "\x00\x18\x00", tail);
		CHECK(rejects(&b, "truncated option header"));
	}
	b_hdr(&b, FO_STATE, 12);
	b_raw(&b, "\x00\x18\x00\x02\x06", 5);	/* says 2 bytes, 1 left */
	CHECK(rejects(&b, "option runs past the end of the message"));
	b_hdr(&b, FO_STATE, 12);
	b_raw(&b, "\x00\x18\xff\xff\x06", 5);
	CHECK(rejects(&b, "option runs past the end of the message"));

	b_hdr(&b, FO_STATE, 12);
	b_opt(&b, FO_OPT_SERVER_STATE, u32_60, 2);
	CHECK(rejects(&b, "fixed-size option with the wrong length"));
	b_hdr(&b, FO_CONNECT, 12);
	b_opt(&b, FO_OPT_MCLT, u32_60, 3);
	CHECK(rejects(&b, "fixed-size option with the wrong length"));
	b_hdr(&b, FO_BNDUPD, 12);
	b_opt(&b, FO_OPT_ASSIGNED_IP, u32_60, 0);
	CHECK(rejects(&b, "fixed-size option with the wrong length"));
	b_hdr(&b, FO_BNDUPD, 12);
	b_opt(&b, FO_OPT_IP_FLAGS, u32_60, 4);
	CHECK(rejects(&b, "fixed-size option with the wrong length"));

	b_hdr(&b, FO_STATE, 12);
	b_opt(&b, FO_OPT_SERVER_STATE, &u8_6, 1);
	b_opt(&b, FO_OPT_SERVER_STATE, &u8_6, 1);
	CHECK(rejects(&b, "repeated option"));

	b_hdr(&b, FO_BNDUPD, 12);
	b_opt(&b, FO_OPT_DDNS, "\x00\x00\x03www", 6);
	CHECK(rejects(&b, "DDNS option (ISC 4.4 refuses it too)"));
}

/* Unknown codes, and codes ISC does not keep in this message type, are
 * skipped and listed; zero-length byte strings are values. */
TEST(skipped_options)
{
	struct build b;
	struct fo_msg m;
	const char *why;
	b_hdr(&b, FO_STATE, 12);
	b_opt(&b, 0, NULL, 0);
	b_opt(&b, 30, "xy", 2);
	b_opt(&b, 0xffff, NULL, 0);
	b_opt(&b, FO_OPT_MCLT, u32_60, 4);		/* CONNECT only */
	b_opt(&b, FO_OPT_MCLT, u32_60, 1);		/* repeated and bad size, but skipped */
	b_opt(&b, FO_OPT_MESSAGE_DIGEST, "abc", 3);
	b_opt(&b, FO_OPT_DDNS, NULL, 0);		/* only refused where ISC keeps it */
	b_opt(&b, FO_OPT_VENDOR_OPTIONS, "v", 1);
	b_opt(&b, FO_OPT_DELAYED_SERVICE, "\x01", 1);
	b_opt(&b, FO_OPT_SERVER_STATE, &u8_6, 1);
	CHECK_EQ(b_decode(&b, &m, &why), 0);
	CHECK_EQ(m.nskipped, 9);
	CHECK_EQ(m.skipped[0], 0);
	CHECK_EQ(m.skipped[1], 30);
	CHECK_EQ(m.skipped[2], 0xffff);
	CHECK_EQ(m.skipped[3], FO_OPT_MCLT);
	CHECK_EQ(m.present, 1u << FO_OPT_SERVER_STATE);
	CHECK_EQ(m.server_state, FO_ST_RECOVER);
	CHECK_STR(fo_state_name(m.server_state), "recover");

	b_hdr(&b, FO_BNDUPD, 12);
	b_opt(&b, FO_OPT_CLIENT_ID, NULL, 0);
	CHECK_EQ(b_decode(&b, &m, &why), 0);
	CHECK(fo_has(&m, FO_OPT_CLIENT_ID) && m.client_id.len == 0);
	uint8_t out[64];
	CHECK_EQ(fo_encode(&m, out, sizeof out, &why), b.n);
	CHECK(memcmp(out, b.b, b.n) == 0);
}

TEST(encode_refusals)
{
	struct fo_msg m;
	uint8_t out[FO_MSG_MAX + 64];
	const char *why = "";
	fo_msg_init(&m, FO_CONTACT, 1, 2);
	CHECK_EQ(fo_encode(&m, out, sizeof out, &why), FO_HDR_LEN);
	CHECK_EQ(fo_encode(&m, out, 11, &why), 0);
	CHECK_STR(why, "buffer too small");

	fo_msg_init(&m, 0, 1, 2);
	CHECK_EQ(fo_encode(&m, out, sizeof out, &why), 0);
	CHECK_STR(why, "unknown message type");

	fo_msg_init(&m, FO_STATE, 1, 2);
	m.mclt = 60;
	fo_set(&m, FO_OPT_MCLT);
	CHECK_EQ(fo_encode(&m, out, sizeof out, &why), 0);
	CHECK_STR(why, "option not carried by this message type");
	fo_msg_init(&m, FO_BNDUPD, 1, 2);
	fo_set(&m, FO_OPT_DDNS);
	CHECK_EQ(fo_encode(&m, out, sizeof out, &why), 0);
	m.present = 1u;			/* code 0 */
	CHECK_EQ(fo_encode(&m, out, sizeof out, &why), 0);
	m.present = 1u << 31;
	CHECK_EQ(fo_encode(&m, out, sizeof out, &why), 0);

	static uint8_t id[FO_MSG_MAX];
	fo_msg_init(&m, FO_BNDUPD, 1, 2);
	m.client_id = (struct fo_bytes){ id, FO_MSG_MAX - 16 };
	fo_set(&m, FO_OPT_CLIENT_ID);
	CHECK_EQ(fo_encode(&m, out, sizeof out, &why), FO_MSG_MAX);
	m.client_id.len++;
	CHECK_EQ(fo_encode(&m, out, sizeof out, &why), 0);
	CHECK_STR(why, "message over 2048 bytes");
	m.client_id = (struct fo_bytes){ NULL, 3 };
	CHECK_EQ(fo_encode(&m, out, sizeof out, &why), 0);
	CHECK_STR(why, "byte option without data");
}

/* The table and the send order agree: every option that has a field is
 * sent, once; row i describes code i. */
TEST(option_table)
{
	size_t n;
	const uint8_t *order = fo_send_order(&n);
	unsigned seen[FO_OPT_MAX + 1] = { 0 };
	for (size_t i = 0; i < n; i++) {
		CHECK(order[i] >= 1 && order[i] <= FO_OPT_MAX);
		seen[order[i]]++;
	}
	for (unsigned c = 1; c <= FO_OPT_MAX; c++) {
		const struct fo_opt_def *d = fo_opt_def(c);
		CHECK(d && d->code == c && d->name);
		bool field = d->types && d->vtype != FO_V_DDNS;
		CHECK_EQ(seen[c], field ? 1 : 0);
	}
	CHECK(fo_opt_def(0) == NULL && fo_opt_def(FO_OPT_MAX + 1) == NULL);
	CHECK_STR(fo_opt_name(FO_OPT_STOS), "start-time-of-state");
	CHECK_STR(fo_state_name(FO_ST_RECOVER_WAIT), "recover-wait");
	CHECK_STR(fo_state_name(200), "unknown");
	CHECK_STR(fo_binding_name(FO_BIND_BACKUP), "backup");
	CHECK_STR(fo_type_name(FO_DISCONNECT), "DISCONNECT");
	CHECK_STR(fo_type_name(0), "unknown");
}

T_RUN(T_CASE(captured_messages), T_CASE(full_capture_streams), T_CASE(connect_fields),
      T_CASE(bndupd_built_from_fields), T_CASE(bndack_reject), T_CASE(malformed_lengths),
      T_CASE(framing), T_CASE(malformed_header), T_CASE(malformed_options),
      T_CASE(skipped_options), T_CASE(encode_refusals), T_CASE(option_table))
