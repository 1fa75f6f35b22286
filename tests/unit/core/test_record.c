/* The field table and its two codecs: every field round-trips through the
 * journal text and the JSON, today's spellings still read, bad values are
 * refused with the field's name. */
#include <stdlib.h>
#include "t.h"
#include "core/record.h"

static uint8_t cid[] = { 1, 2, 0, 0, 0, 0xab, 2 };
static char host[] = "pc one=2";

/* A record with every field non-zero. */
static struct lease_rec full(void)
{
	struct lease_rec r = {
		.addr = 0xc612000a, .state = LEASE_ACTIVE, .pending_state = LEASE_EXPIRED,
		.flags = LEASE_F_PARTNER, .htype = 1, .hlen = 6, .cid_len = sizeof cid,
		.cid = cid, .hostname = host, .start = 1700000000, .end = 1700003600,
		.cltt = 1700000001, .tstp = 1700005400, .tsfp = 1700005300, .atsfp = 1700005200,
		.named_since = 1700000100,
	};
	r.hw[0] = 2, r.hw[5] = 1;
	return r;
}

static bool same(const struct lease_rec *a, const struct lease_rec *b)
{
	const char *ha = a->hostname ? a->hostname : "", *hb = b->hostname ? b->hostname : "";
	return a->addr == b->addr && a->state == b->state &&
	       a->pending_state == b->pending_state && a->flags == b->flags &&
	       a->htype == b->htype && a->hlen == b->hlen &&
	       memcmp(a->hw, b->hw, a->hlen) == 0 && a->cid_len == b->cid_len &&
	       (a->cid_len == 0 || memcmp(a->cid, b->cid, a->cid_len) == 0) &&
	       strcmp(ha, hb) == 0 && a->start == b->start && a->end == b->end &&
	       a->cltt == b->cltt && a->tstp == b->tstp && a->tsfp == b->tsfp &&
	       a->atsfp == b->atsfp && a->named_since == b->named_since;
}

/* Text: parse(format(r)) == r and format again gives the same bytes. */
static void text_roundtrip(const struct lease_rec *r)
{
	char line[RECORD_TEXT_MAX + 1], again[RECORD_TEXT_MAX + 1], err[128];
	struct record_bufs b;
	struct lease_rec back;
	size_t n = record_text_format(line, sizeof line, r);
	CHECK(n > 0);
	CHECK_EQ(record_text_parse(line, n, &back, &b, err, sizeof err), 0);
	CHECK(same(r, &back));
	CHECK_EQ(record_text_format(again, sizeof again, &back), n);
	CHECK(memcmp(line, again, n) == 0);
}

TEST(table_is_sound)
{
	/* Names are unique in each format and offsets inside the record. */
	for (size_t i = 0; i < record_nfields; i++) {
		const struct record_field *f = &record_fields[i];
		CHECK(f->off < sizeof(struct lease_rec));
		for (size_t j = i + 1; j < record_nfields; j++) {
			CHECK(strcmp(f->text, record_fields[j].text) != 0);
			CHECK(strcmp(f->json, record_fields[j].json) != 0);
		}
	}
	/* The fields every journal line has, in today's order. */
	static const char *const today[] = { "addr", "state", "htype", "hw", "cid", "host",
					     "start", "end", "cltt", "tstp", "tsfp", "flags" };
	size_t k = 0;
	for (size_t i = 0; i < record_nfields; i++)
		if (!(record_fields[i].flags & RECORD_OPTIONAL))
			CHECK_STR(record_fields[i].text, k < 12 ? today[k++] : "");
	CHECK_EQ(k, 12);
	/* The persisted part of a lease is the record, at the same place. */
	struct lease l = { .addr = 7, .atsfp = 9 };
	CHECK(&l.rec.addr == &l.addr && l.rec.atsfp == 9);
}

TEST(text_every_field_roundtrips)
{
	struct lease_rec r = full();
	text_roundtrip(&r);
	char line[RECORD_TEXT_MAX + 1];
	size_t n = record_text_format(line, sizeof line, &r);
	line[n] = 0;
	CHECK(strstr(line, " state=active pending_state=expired htype=1 ") != NULL);
	CHECK(strstr(line, " tsfp=1700005300 atsfp=1700005200 named=1700000100 flags=1") != NULL);
	/* The least and the most of every field. */
	struct lease_rec z = { .state = LEASE_FREE };
	text_roundtrip(&z);
	uint8_t big_cid[LEASE_CID_MAX];
	char big_host[LEASE_HOST_MAX + 1];
	memset(big_cid, 0xff, sizeof big_cid);
	memset(big_host, ' ', LEASE_HOST_MAX);
	big_host[LEASE_HOST_MAX] = 0;
	struct lease_rec m = {
		.addr = UINT32_MAX, .state = LEASE_ABANDONED, .pending_state = LEASE_ABANDONED,
		.flags = 255, .htype = 255, .hlen = LEASE_HW_MAX, .cid_len = LEASE_CID_MAX,
		.cid = big_cid, .hostname = big_host, .start = INT64_MIN, .end = INT64_MIN,
		.cltt = INT64_MIN, .tstp = INT64_MIN, .tsfp = INT64_MIN, .atsfp = INT64_MIN,
		.named_since = INT64_MIN,
	};
	memset(m.hw, 0xee, sizeof m.hw);
	text_roundtrip(&m);
	CHECK_EQ(record_text_format(line, sizeof line, &m), RECORD_TEXT_MAX);
}

TEST(text_new_fields_only_when_non_zero)
{
	struct lease_rec r = full();
	r.pending_state = 0, r.atsfp = 0, r.named_since = 0;
	char line[RECORD_TEXT_MAX + 1];
	size_t n = record_text_format(line, sizeof line, &r);
	line[n] = 0;
	CHECK_STR(line, " addr=198.18.0.10 state=active htype=1 hw=02:00:00:00:00:01"
		  " cid=0102000000ab02 host=pc%20one%3D2 start=1700000000 end=1700003600"
		  " cltt=1700000001 tstp=1700005400 tsfp=1700005300 flags=1");
	text_roundtrip(&r);
}

static void text_bad(const char *s, const char *why)
{
	struct record_bufs b;
	struct lease_rec r;
	char err[128] = "";
	CHECK_EQ(record_text_parse(s, strlen(s), &r, &b, err, sizeof err), -1);
	if (!strstr(err, why))
		fprintf(stderr, "  \"%s\": reason \"%s\" lacks \"%s\"\n", s, err, why);
	CHECK(strstr(err, why) != NULL);
}

#define OLD " addr=198.18.0.10 state=active htype=1 hw= cid= host= start=0 end=0 cltt=0 " \
	"tstp=0 tsfp=0 flags=0"

TEST(text_refuses_bad_values)
{
	text_bad(OLD " atsfp=0", "atsfp: zero is written by leaving the field out");
	text_bad(OLD " atsfp=01", "atsfp: not a 64-bit");
	text_bad(OLD " atsfp=1 atsfp=2", "atsfp: duplicate");
	text_bad(OLD " named=0", "named: zero is written by leaving the field out");
	text_bad(OLD " pending_state=none", "pending_state: unknown binding state");
	text_bad(OLD " pending_state=", "pending_state: unknown binding state");
	text_bad(OLD " next=1", "next: unknown key");
	text_bad(" addr=198.18.0.10 state=active", "htype: missing");
	text_bad(OLD "  atsfp=1", "empty field");
	text_bad("x" OLD, "separated by one space");
	/* A key with a NUL inside matches no name (nor reads past one). */
	static const char nul_key[] = " addr\0xyz=1";
	struct record_bufs nb;
	struct lease_rec nr;
	char nerr[128] = "";
	CHECK_EQ(record_text_parse(nul_key, sizeof nul_key - 1, &nr, &nb, nerr, sizeof nerr), -1);
	CHECK(strstr(nerr, "unknown key") != NULL);
	/* Both new fields present and non-zero, in any order. */
	struct record_bufs b;
	struct lease_rec r;
	char err[128];
	const char *s = OLD " atsfp=-5 pending_state=backup";
	CHECK_EQ(record_text_parse(s, strlen(s), &r, &b, err, sizeof err), 0);
	CHECK(r.atsfp == -5 && r.pending_state == LEASE_BACKUP);
}

TEST(text_refuses_invalid_records)
{
	char line[RECORD_TEXT_MAX + 1];
	struct lease_rec r = full();
	r.pending_state = 8;
	CHECK_EQ(record_text_format(line, sizeof line, &r), 0);
	CHECK(!record_valid(&r));
	r = full();
	CHECK_EQ(record_text_format(line, 20, &r), 0);	/* too small */
}

/* ---- JSON ---- */

static json_object *to_json(const struct lease_rec *r)
{
	json_object *o = json_object_new_object();
	CHECK(record_json_add(o, r) == 0);
	return o;
}

TEST(json_every_field_roundtrips)
{
	struct lease_rec r = full(), back;
	char err[128];
	json_object *o = to_json(&r);
	CHECK_EQ(record_json_read(o, &back, err, sizeof err), 0);
	CHECK(same(&r, &back));
	CHECK(back.cid != cid && back.hostname != host);	/* copies */
	record_clear(&back);
	CHECK_STR(json_object_get_string(json_object_object_get(o, "pending_state")), "expired");
	CHECK_EQ(json_object_get_int64(json_object_object_get(o, "atsfp")), 1700005200);
	CHECK_STR(json_object_get_string(json_object_object_get(o, "origin")), "partner");
	CHECK_STR(json_object_get_string(json_object_object_get(o, "client_id")),
		  "01:02:00:00:00:ab:02");
	json_object_put(o);
}

TEST(json_keys_of_today)
{
	/* A record without the new fields has exactly today's keys. */
	struct lease_rec r = full();
	r.pending_state = 0, r.atsfp = 0, r.named_since = 0, r.cid_len = 0, r.cid = NULL;
	r.hostname = NULL;
	json_object *o = to_json(&r);
	CHECK_STR(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN),
		  "{\"addr\":\"198.18.0.10\",\"state\":\"active\",\"htype\":1,"
		  "\"mac\":\"02:00:00:00:00:01\",\"client_id\":null,\"hostname\":null,"
		  "\"start\":1700000000,\"end\":1700003600,\"cltt\":1700000001,"
		  "\"tstp\":1700005400,\"tsfp\":1700005300,\"origin\":\"partner\"}");
	json_object_put(o);
}

static json_object *parse_obj(const char *s)
{
	json_object *o = json_tokener_parse(s);
	CHECK(o != NULL);
	return o;
}

#define OLD_JSON "\"addr\":\"198.18.0.10\",\"state\":\"active\",\"mac\":\"02:00:00:00:00:01\"," \
	"\"htype\":1,\"client_id\":\"0102\",\"hostname\":\"pc1\",\"start\":1,\"end\":2," \
	"\"cltt\":3,\"tstp\":4,\"tsfp\":5,\"origin\":\"own\""

TEST(json_reads_todays_feed_and_ignores_unknown_keys)
{
	struct lease_rec r;
	char err[128];
	json_object *o = parse_obj("{" OLD_JSON ",\"seq\":17,\"future\":[1,2]}");
	CHECK_EQ(record_json_read(o, &r, err, sizeof err), 0);
	CHECK(r.addr == 0xc612000a && r.state == LEASE_ACTIVE && r.hlen == 6 && r.htype == 1);
	CHECK(r.cid_len == 2 && r.cid[1] == 2 && strcmp(r.hostname, "pc1") == 0);
	CHECK(r.start == 1 && r.tsfp == 5 && r.flags == 0);
	CHECK(r.atsfp == 0 && r.pending_state == 0);
	record_clear(&r);
	json_object_put(o);
	/* Optional fields may also be null. */
	o = parse_obj("{" OLD_JSON ",\"atsfp\":null,\"pending_state\":null}");
	CHECK_EQ(record_json_read(o, &r, err, sizeof err), 0);
	CHECK(r.atsfp == 0 && r.pending_state == 0);
	record_clear(&r);
	json_object_put(o);
}

static void json_bad(const char *extra, const char *why)
{
	char s[1024], err[128] = "";
	struct lease_rec r;
	snprintf(s, sizeof s, "{%s%s}", OLD_JSON, extra);
	json_object *o = parse_obj(s);
	CHECK_EQ(record_json_read(o, &r, err, sizeof err), -1);
	if (!strstr(err, why))
		fprintf(stderr, "  %s: reason \"%s\" lacks \"%s\"\n", extra, err, why);
	CHECK(strstr(err, why) != NULL);
	CHECK(r.cid == NULL && r.hostname == NULL);	/* nothing left to free */
	json_object_put(o);
}

TEST(json_refuses_bad_values)
{
	/* A later duplicate key replaces the earlier one in json-c. */
	json_bad(",\"atsfp\":-1", "atsfp: want seconds");
	json_bad(",\"atsfp\":1099511627776", "atsfp: want seconds");
	json_bad(",\"atsfp\":\"5\"", "atsfp: want seconds");
	json_bad(",\"pending_state\":\"soon\"", "pending_state: unknown binding state");
	json_bad(",\"pending_state\":2", "pending_state: unknown binding state");
	json_bad(",\"addr\":\"198.18.0.010\"", "addr: want a dotted IPv4 address");
	json_bad(",\"mac\":\"02:0\"", "mac: want hex");
	json_bad(",\"htype\":256", "htype: want 0-255");
	json_bad(",\"origin\":\"ours\"", "origin: want");
	json_bad(",\"hostname\":5", "hostname: want a string");
	char s[600] = ",\"client_id\":\"";
	for (int i = 0; i < 256; i++)
		strcat(s, "00");
	strcat(s, "\"");
	json_bad(s, "client_id: longer than 255 bytes");
	/* A missing required key. */
	json_object *o = parse_obj("{\"addr\":\"198.18.0.10\",\"state\":\"active\"}");
	struct lease_rec r;
	char err[128];
	CHECK_EQ(record_json_read(o, &r, err, sizeof err), -1);
	CHECK_STR(err, "htype: missing");
	json_object_put(o);
}

/* record_same: every field counts (an unchanged re-send of a partner's
 * lease is not journalled again); no hostname and "" are the same. */
TEST(same_compares_every_field)
{
	struct lease_rec a = full(), b = full();
	uint8_t cid2[sizeof cid];
	char host2[sizeof host];
	memcpy(cid2, cid, sizeof cid);
	memcpy(host2, host, sizeof host);
	b.cid = cid2, b.hostname = host2;
	CHECK(record_same(&a, &b));
	b.named_since++;
	CHECK(!record_same(&a, &b));
	b = a, b.hw[5] ^= 1;
	CHECK(!record_same(&a, &b));
	b = a, b.end++;
	CHECK(!record_same(&a, &b));
	b = a, b.hostname = NULL;
	CHECK(!record_same(&a, &b));
	a.hostname = "";
	CHECK(record_same(&a, &b));
	b = a, b.cid_len--;
	CHECK(!record_same(&a, &b));
	b = a, b.flags = 0;
	CHECK(!record_same(&a, &b));
}

T_RUN(T_CASE(same_compares_every_field), T_CASE(table_is_sound), T_CASE(text_every_field_roundtrips),
      T_CASE(text_new_fields_only_when_non_zero), T_CASE(text_refuses_bad_values),
      T_CASE(text_refuses_invalid_records), T_CASE(json_every_field_roundtrips),
      T_CASE(json_keys_of_today), T_CASE(json_reads_todays_feed_and_ignores_unknown_keys),
      T_CASE(json_refuses_bad_values))
