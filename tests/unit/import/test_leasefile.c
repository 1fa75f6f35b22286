/* The foreign lease file readers: ISC dhcpd.leases, Kea's lease4 CSV and
 * dnsmasq.leases, read into records (the sample files of
 * tests/vectors/import/ and small texts); damage is reported with its
 * line and the reader goes on after it. */
#include <stdio.h>
#include <stdlib.h>
#include "t.h"
#include "core/record.h"
#include "failover/state.h"
#include "failover/wire.h"
#include "import/fo_carry.h"
#include "import/leasefile.h"

#define NOW 1764860400	/* Thu 2025/12/04 15:00:00 UTC */

/* Reads text and checks what holds for every result: valid records,
 * sorted by address, one per address, errors counted. */
static void rd_buf(struct leasefile *lf, enum leasefile_format f, const char *text, size_t len)
{
	size_t errors = 0;

	CHECK_EQ(leasefile_read(lf, f, text, len, NOW), 0);
	for (size_t i = 0; i < lf->n; i++) {
		CHECK(record_valid(&lf->recs[i]));
		if (i)
			CHECK(lf->recs[i - 1].addr < lf->recs[i].addr);
	}
	for (size_t i = 0; i < lf->nnotes; i++) {
		errors += lf->notes[i].kind == LEASEFILE_ERROR;
		if (i)
			CHECK(lf->notes[i - 1].line <= lf->notes[i].line);
	}
	CHECK_EQ(errors, lf->errors);
	/* Failover states: one per name, a name as the journal takes it, a
	 * state of ours. */
	CHECK(lf->nfo <= 64 && (lf->nfo == 0 || lf->fo != NULL));
	CHECK(f == LEASEFILE_ISC || lf->nfo == 0);
	for (size_t i = 0; i < lf->nfo; i++) {
		const struct leasefile_fo *fo = &lf->fo[i];

		CHECK(fo->name[0] && strnlen(fo->name, sizeof fo->name) < sizeof fo->name);
		CHECK(fo_state_valid(fo->my_state));
		CHECK(fo->peer_state == 0 || fo_state_valid(fo->peer_state));
		for (size_t k = 0; k < i; k++)
			CHECK(strcmp(lf->fo[k].name, fo->name) != 0);
	}
}

static void rd(struct leasefile *lf, enum leasefile_format f, const char *text)
{
	rd_buf(lf, f, text, strlen(text));
}

/* A file of tests/vectors/import, malloc'd (NULL when missing). */
static char *vector(const char *name, size_t *len)
{
	const char *src = getenv("DUODHCP_SRC");
	char path[4096];
	FILE *fp;
	char *buf;
	long n;

	snprintf(path, sizeof path, "%s/tests/vectors/import/%s", src ? src : ".", name);
	fp = fopen(path, "rb");
	CHECK(fp != NULL);
	if (!fp)
		return NULL;
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	rewind(fp);
	buf = malloc((size_t)n + 1);
	*len = fread(buf, 1, (size_t)n, fp);
	fclose(fp);
	return buf;
}

static bool rd_vector(struct leasefile *lf, enum leasefile_format f, const char *name)
{
	size_t len;
	char *buf = vector(name, &len);

	if (!buf)
		return false;
	CHECK_EQ(leasefile_guess(buf, len), f);
	rd_buf(lf, f, buf, len);
	free(buf);
	return true;
}

static const struct lease_rec *find(const struct leasefile *lf, uint32_t addr)
{
	for (size_t i = 0; i < lf->n; i++)
		if (lf->recs[i].addr == addr)
			return &lf->recs[i];
	return NULL;
}

/* The note of a line, or NULL. */
static const struct leasefile_note *note_at(const struct leasefile *lf, unsigned line)
{
	for (size_t i = 0; i < lf->nnotes; i++)
		if (lf->notes[i].line == line)
			return &lf->notes[i];
	return NULL;
}

static bool note_has(const struct leasefile *lf, unsigned line, uint8_t kind, const char *text)
{
	const struct leasefile_note *n = note_at(lf, line);

	if (!n || n->kind != kind || !strstr(n->why, text)) {
		fprintf(stderr, "  line %u: want %s note with \"%s\", have %s\n", line,
			kind == LEASEFILE_ERROR ? "error" : "skip", text, n ? n->why : "none");
		return false;
	}
	return true;
}

static bool bytes_are(const uint8_t *p, size_t n, const char *hex)
{
	char buf[3 * 256 + 1] = "";

	for (size_t i = 0; i < n; i++)
		snprintf(buf + 2 * i, 3, "%02x", p[i]);
	if (strcmp(buf, hex) != 0) {
		fprintf(stderr, "  bytes %s, want %s\n", buf, hex);
		return false;
	}
	return true;
}

#define IP(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))

/* ---- ISC ---- */

TEST(isc_sample)
{
	struct leasefile lf;
	const struct lease_rec *r;

	if (!rd_vector(&lf, LEASEFILE_ISC, "isc-4.4.3.leases"))
		return;
	CHECK_EQ(lf.errors, 0);
	CHECK_EQ(lf.records, 7);
	CHECK_EQ(lf.replaced, 1);
	CHECK_EQ(lf.n, 6);
	r = find(&lf, IP(198, 18, 0, 10));	/* the second block of .10 wins */
	CHECK(r != NULL);
	if (r) {
		CHECK_EQ(r->state, LEASE_ACTIVE);
		CHECK_EQ(r->pending_state, 0);
		CHECK_EQ(r->start, NOW - 1800);
		CHECK_EQ(r->end, NOW + 5400);
		CHECK_EQ(r->cltt, NOW - 1800);
		CHECK_EQ(r->tstp, NOW + 7200);
		CHECK_EQ(r->tsfp, NOW + 5400);
		CHECK_EQ(r->atsfp, NOW + 5400);
		CHECK_EQ(r->htype, 1);
		CHECK(bytes_are(r->hw, r->hlen, "525400123456"));
		CHECK(bytes_are(r->cid, r->cid_len, "01525400123456"));
		CHECK_STR(r->hostname ? r->hostname : "", "pc-one");
	}
	r = find(&lf, IP(198, 18, 0, 11));
	CHECK(r && r->state == LEASE_FREE && r->cid_len == 7);
	r = find(&lf, IP(198, 18, 0, 12));
	CHECK(r && r->state == LEASE_BACKUP && r->hlen == 0 && r->tstp == NOW - 5 * 3600 - 86400);
	r = find(&lf, IP(198, 18, 0, 13));
	CHECK(r && r->state == LEASE_RELEASED && r->hostname &&
	      strcmp(r->hostname, "printer \"lab\"") == 0);
	r = find(&lf, IP(198, 18, 0, 14));
	CHECK(r && r->state == LEASE_EXPIRED);
	r = find(&lf, IP(198, 18, 0, 15));
	CHECK(r && r->state == LEASE_ABANDONED && r->end == NOW + 86400 - 600);
	/* The dynamic host declaration is named, not silently dropped. */
	CHECK_EQ(lf.nnotes, 1);
	CHECK(note_has(&lf, 94, LEASEFILE_SKIP, "host declaration"));
	/* Its failover state (Thu 2025/12/04 13:58:11 and :12 UTC). */
	CHECK_EQ(lf.nfo, 1);
	if (lf.nfo == 1) {
		CHECK_STR(lf.fo[0].name, "duo-failover");
		CHECK_EQ(lf.fo[0].my_state, FO_ST_NORMAL);
		CHECK_EQ(lf.fo[0].my_stos, NOW - 3709);
		CHECK_EQ(lf.fo[0].peer_state, FO_ST_NORMAL);
		CHECK_EQ(lf.fo[0].peer_stos, NOW - 3708);
		CHECK_EQ(lf.fo[0].mclt, 0);
		CHECK_EQ(lf.fo[0].line, 7);
	}
	leasefile_free(&lf);
}

/* "failover peer NAME state { ... }": every state name ISC writes, its
 * time forms, mclt (the secondary's), and a later block of a name setting
 * again what it gives, as ISC reads its file. */
TEST(isc_failover_state)
{
	struct leasefile lf;

	rd(&lf, LEASEFILE_ISC,
	   "failover peer \"a\" state {\n"				/* 1 */
	   "  my state partner-down at 4 2025/12/04 13:00:00;\n"
	   "  partner state communications-interrupted at epoch 1764850000; # local\n"
	   "  mclt 3600;\n}\n"
	   "failover peer b state { my state recover-wait; partner state unknown-state; }\n"
	   "failover peer \"a\" state {\n"				/* 7 */
	   "  my state normal at 4 2025/12/04 14:00:00;\n}\n"
	   "failover peer \"c\" state { partner state normal at epoch 5; }\n"	/* 10 */
	   "failover peer \"d\" state { my state unknown-state; }\n"	/* 11 */
	   "failover peer \"dhcp-pair\" { primary; mclt 60; }\n");	/* 12: config */
	CHECK_EQ(lf.errors, 0);
	CHECK_EQ(lf.nfo, 2);
	if (lf.nfo == 2) {
		CHECK_STR(lf.fo[0].name, "a");
		CHECK_EQ(lf.fo[0].my_state, FO_ST_NORMAL);	/* the later block's */
		CHECK_EQ(lf.fo[0].my_stos, NOW - 3600);
		CHECK_EQ(lf.fo[0].peer_state, FO_ST_COMM_INTERRUPTED);	/* the earlier's */
		CHECK_EQ(lf.fo[0].peer_stos, 1764850000);
		CHECK_EQ(lf.fo[0].mclt, 3600);
		CHECK_EQ(lf.fo[0].line, 7);
		CHECK_STR(lf.fo[1].name, "b");
		CHECK_EQ(lf.fo[1].my_state, FO_ST_RECOVER_WAIT);
		CHECK_EQ(lf.fo[1].my_stos, NOW);	/* no time: when read */
		CHECK_EQ(lf.fo[1].peer_state, 0);
	}
	CHECK_EQ(lf.nnotes, 2);
	CHECK(note_has(&lf, 10, LEASEFILE_SKIP, "\"c\" without 'my state'"));
	CHECK(note_has(&lf, 11, LEASEFILE_SKIP, "\"d\" without 'my state'"));
	leasefile_free(&lf);

	/* Every state by its name. */
	for (unsigned st = FO_ST_STARTUP; st <= FO_ST_RECOVER_WAIT; st++) {
		char text[200];

		if (!fo_state_valid(st))
			continue;
		snprintf(text, sizeof text, "failover peer \"p\" state { my state %s at epoch 7;"
			 " partner state %s at never; }\n", fo_state_name(st), fo_state_name(st));
		rd(&lf, LEASEFILE_ISC, text);
		CHECK(lf.nfo == 1 && lf.fo[0].my_state == st && lf.fo[0].peer_state == st &&
		      lf.fo[0].my_stos == 7 && lf.fo[0].peer_stos == UINT32_MAX);
		leasefile_free(&lf);
	}
}

/* A damaged block is an error and sets nothing; the reader goes on. */
TEST(isc_failover_state_damage)
{
	static const struct { const char *text; const char *why; } bad[] = {
		{ "failover peer \"a\" state { my state sleepy at epoch 1; }", "unknown failover state" },
		{ "failover peer \"a\" state { my status normal; }", "expected 'state' after 'my'" },
		{ "failover peer \"a\" state { my state normal at 4 2025/13/04 1:0:0; }", "YYYY/MM/DD" },
		{ "failover peer \"a\" state { my state normal epoch 1; }", "expected 'at' or ';'" },
		{ "failover peer \"a\" state { mclt -1; }", "expected seconds after 'mclt'" },
		{ "failover peer \"a\" state { mclt 4294967296; }", "expected seconds after 'mclt'" },
		{ "failover peer \"a\" state { hba 1; }", "expected 'my state', 'partner state'" },
		{ "failover peer \"a\" state my state normal;", "expected '{'" },
		{ "failover peer \"\" state { my state normal; }", "malformed failover peer name" },
		{ "failover peer \"a\\000b\" state { my state normal; }", "malformed failover peer name" },
		{ "failover peer { my state normal; }", "expected the failover peer's name" },
		{ "failover peer \"a\" state { my state normal;", "no closing '}'" },
	};
	struct leasefile lf;
	char text[400];

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		snprintf(text, sizeof text, "%s\nlease 198.18.0.1 { binding state free; }\n",
			 bad[i].text);
		rd(&lf, LEASEFILE_ISC, text);
		CHECK_EQ(lf.errors, 1);
		/* The unclosed block: found at the next lease. */
		CHECK(note_has(&lf, i + 1 < sizeof bad / sizeof bad[0] ? 1 : 2, LEASEFILE_ERROR,
			       bad[i].why));
		CHECK_EQ(lf.nfo, 0);
		CHECK_EQ(lf.n, 1);
		leasefile_free(&lf);
	}
	/* A name of 255 bytes is one; of 256, none. */
	for (size_t n = 255; n <= 256; n++) {
		size_t len = (size_t)snprintf(text, sizeof text, "failover peer \"");
		memset(text + len, 'x', n);
		snprintf(text + len + n, sizeof text - len - n, "\" state { my state normal; }\n");
		rd(&lf, LEASEFILE_ISC, text);
		CHECK_EQ(lf.nfo, n == 255);
		CHECK_EQ(lf.errors, n == 256);
		leasefile_free(&lf);
	}
	/* At most 64 relationships; the others are named in a note. */
	size_t cap = 70 * 60, len = 0;
	char *many = malloc(cap);
	for (int i = 0; i < 70; i++)
		len += (size_t)snprintf(many + len, cap - len,
					"failover peer \"r%d\" state { my state normal; }\n", i);
	rd_buf(&lf, LEASEFILE_ISC, many, len);
	CHECK_EQ(lf.nfo, 64);
	CHECK_EQ(lf.nnotes, 6);
	CHECK(note_has(&lf, 65, LEASEFILE_SKIP, "\"r64\" skipped: more than 64"));
	leasefile_free(&lf);
	free(many);
}

/* ---- Carrying the state over (import/fo_carry.h) ---- */

static const char carry_file[] =
	"failover peer \"pair\" state {\n"
	"  my state normal at epoch 1000;\n  partner state communications-interrupted at epoch 2000;\n"
	"  mclt 300;\n}\n"
	"failover peer \"other\" state { my state recover at epoch 3000; }\n";

static struct cfg_failover carry_conf(uint8_t role, const char *name)
{
	struct cfg_failover f = { .enabled = true, .role = role, .mclt = role == CFG_FO_PRIMARY ? 3600 : 0 };

	snprintf(f.name, sizeof f.name, "%s", name);
	for (size_t i = 0; i < sizeof f.hba; i++)
		f.hba[i] = (uint8_t)(role == CFG_FO_PRIMARY ? 0x55 : 0);
	return f;
}

TEST(carry_take)
{
	struct leasefile lf;
	struct store_fo_rec r;
	const struct leasefile_fo *from;
	struct cfg_failover pri = carry_conf(CFG_FO_PRIMARY, "pair"),
			    sec = carry_conf(CFG_FO_SECONDARY, "pair");

	rd(&lf, LEASEFILE_ISC, carry_file);
	/* The primary: MCLT and map from its configuration (not the file's). */
	struct fo_carry_in in = { .lf = &lf, .fo = &pri };
	CHECK_EQ(fo_carry_decide(&in, &r, &from), FO_CARRY_TAKE);
	CHECK(from == &lf.fo[0]);
	CHECK_STR(r.name, "pair");
	CHECK(r.my_state == FO_ST_NORMAL && r.my_stos == 1000 && !r.amnesic);
	CHECK(r.peer_state == FO_ST_COMM_INTERRUPTED && r.peer_stos == 2000);
	CHECK(r.mclt == 3600 && r.have_hba && r.hba[0] == 0x55 && r.hba[31] == 0x55);
	/* The secondary: ISC's MCLT from the file, no map. */
	in.fo = &sec;
	CHECK_EQ(fo_carry_decide(&in, &r, &from), FO_CARRY_TAKE);
	CHECK(r.mclt == 300 && !r.have_hba && r.hba[0] == 0);
	/* A server in recover had not every lease: amnesic, as ISC waits. */
	sec = carry_conf(CFG_FO_SECONDARY, "other");
	CHECK_EQ(fo_carry_decide(&in, &r, &from), FO_CARRY_TAKE);
	CHECK(r.my_state == FO_ST_RECOVER && r.amnesic && r.peer_state == 0 && r.mclt == 0);
	leasefile_free(&lf);
}

TEST(carry_refused)
{
	struct leasefile lf;
	struct store_fo_rec r;
	const struct leasefile_fo *from;
	struct cfg_failover pri = carry_conf(CFG_FO_PRIMARY, "pair"),
			    other = carry_conf(CFG_FO_PRIMARY, "pear"), none = { 0 };
	struct fo_carry_in in = { .lf = &lf, .fo = &pri };

	rd(&lf, LEASEFILE_ISC, carry_file);
	in.journal_has = true;
	CHECK_EQ(fo_carry_decide(&in, &r, &from), FO_CARRY_JOURNAL_HAS);
	CHECK(from == &lf.fo[0]);
	in.journal_has = false;
	in.refused = true;
	CHECK_EQ(fo_carry_decide(&in, &r, &from), FO_CARRY_REFUSED);
	in.refused = false;
	in.fo = &other;
	CHECK_EQ(fo_carry_decide(&in, &r, &from), FO_CARRY_OTHER_NAME);
	CHECK(from == NULL);
	in.fo = &none;
	CHECK_EQ(fo_carry_decide(&in, &r, &from), FO_CARRY_NO_FAILOVER);
	in.fo = NULL;
	CHECK_EQ(fo_carry_decide(&in, &r, &from), FO_CARRY_NO_FAILOVER);
	leasefile_free(&lf);
	/* A damaged file (--keep-good): its state is not the whole story. */
	char text[sizeof carry_file + 64];

	snprintf(text, sizeof text, "%slease 198.18.0.1 { ends soon; }\n", carry_file);
	rd(&lf, LEASEFILE_ISC, text);
	in.fo = &pri;
	CHECK_EQ(lf.errors, 1);
	CHECK_EQ(fo_carry_decide(&in, &r, &from), FO_CARRY_DAMAGED);
	leasefile_free(&lf);
	/* No state in the file. */
	rd(&lf, LEASEFILE_ISC, "lease 198.18.0.1 { binding state free; }\n");
	CHECK_EQ(fo_carry_decide(&in, &r, &from), FO_CARRY_NONE);
	CHECK_STR(fo_carry_why(FO_CARRY_NONE), "the file holds none");
	leasefile_free(&lf);
}


TEST(isc_epoch_never_hex_uid)
{
	struct leasefile lf;
	const struct lease_rec *r;

	if (!rd_vector(&lf, LEASEFILE_ISC, "isc-4.4.3-epoch.leases"))
		return;
	CHECK_EQ(lf.errors, 0);
	CHECK_EQ(lf.n, 2);
	r = find(&lf, IP(198, 18, 1, 20));
	CHECK(r && r->start == NOW - 3600 && r->end == NOW + 3600 && r->cltt == NOW - 3600);
	CHECK(r && bytes_are(r->cid, r->cid_len, "01525400010120"));
	CHECK(r && r->hostname && strcmp(r->hostname, "laptop") == 0 && r->flags == 0);
	r = find(&lf, IP(198, 18, 1, 21));
	CHECK(r && r->end == LEASEFILE_NEVER && r->flags == LEASE_F_BOOTP && r->cid_len == 0);
	leasefile_free(&lf);
}

TEST(isc_every_state)
{
	static const struct { const char *name; uint8_t state, flags; } states[] = {
		{ "free", LEASE_FREE, 0 }, { "active", LEASE_ACTIVE, 0 },
		{ "expired", LEASE_EXPIRED, 0 }, { "released", LEASE_RELEASED, 0 },
		{ "abandoned", LEASE_ABANDONED, 0 }, { "reset", LEASE_RESET, 0 },
		{ "backup", LEASE_BACKUP, 0 }, { "bootp", LEASE_ACTIVE, LEASE_F_BOOTP },
		{ "reserved", LEASE_ACTIVE, LEASE_F_BOOTP },
	};
	char text[256];
	struct leasefile lf;

	for (size_t i = 0; i < sizeof states / sizeof states[0]; i++) {
		snprintf(text, sizeof text,
			 "lease 198.18.0.1 {\n  binding state %s;\n  next binding state free;\n"
			 "  rewind binding state reset;\n  hardware ethernet 0:1:2:3:4:5;\n}\n",
			 states[i].name);
		rd(&lf, LEASEFILE_ISC, text);
		CHECK_EQ(lf.n, 1);
		CHECK_EQ(lf.errors, 0);
		if (lf.n) {
			CHECK_EQ(lf.recs[0].state, states[i].state);
			CHECK_EQ(lf.recs[0].flags, states[i].flags);
			CHECK_EQ(lf.recs[0].pending_state, 0);
			CHECK(bytes_are(lf.recs[0].hw, lf.recs[0].hlen, "000102030405"));
		}
		leasefile_free(&lf);
	}
	rd(&lf, LEASEFILE_ISC, "lease 198.18.0.1 {\n  binding state bound;\n}\n");
	CHECK_EQ(lf.n, 0);
	CHECK(note_has(&lf, 2, LEASEFILE_ERROR, "unknown binding state"));
	leasefile_free(&lf);
}

/* Old files without binding states: ISC makes one up from ends. */
TEST(isc_old_forms)
{
	struct leasefile lf;

	rd(&lf, LEASEFILE_ISC,
	   "lease 198.18.0.1 { ends 4 2025/12/04 16:00:00; hardware ethernet 0:1:2:3:4:5; }\n"
	   "lease 198.18.0.2 { ends 4 2025/12/04 14:00:00; hardware ethernet 0:1:2:3:4:6; }\n"
	   "lease 198.18.0.3 { abandoned; }\n"
	   "lease 198.18.0.4 { hardware token-ring 0:1:2:3:4:7; binding state active; }\n"
	   "lease 198.18.0.5 { hardware fddi 0:1:2:3:4:8; binding state active; }\n"
	   "lease 198.18.0.6 { hardware infiniband; uid \"\\377\\000\"; binding state active; }\n"
	   "lease 198.18.0.7 { hardware unknown-24 1:2; binding state active; }\n");
	CHECK_EQ(lf.errors, 0);
	CHECK_EQ(lf.n, 7);
	if (lf.n == 7) {
		CHECK_EQ(lf.recs[0].state, LEASE_ACTIVE);
		CHECK_EQ(lf.recs[1].state, LEASE_FREE);
		CHECK_EQ(lf.recs[2].state, LEASE_ABANDONED);
		CHECK_EQ(lf.recs[3].htype, 6);
		CHECK_EQ(lf.recs[4].htype, 8);
		CHECK(lf.recs[5].htype == 32 && lf.recs[5].hlen == 0);
		CHECK(bytes_are(lf.recs[5].cid, lf.recs[5].cid_len, "ff00"));
		CHECK(lf.recs[6].htype == 24 && lf.recs[6].hlen == 2);
	}
	leasefile_free(&lf);
}

TEST(isc_string_escapes)
{
	struct leasefile lf;

	rd(&lf, LEASEFILE_ISC,
	   "lease 198.18.0.1 {\n"
	   "  uid \"\\x01a\\\\\\\"\\t\\101\\q\";\n"
	   "  client-hostname \"tab\\there\\\"q\\\" \\303\\251\";\n"
	   "  binding state active;\n"
	   "}\n"
	   "lease 198.18.0.2 {\n"
	   "  uid \"\\08\";\n"
	   "}\n"
	   "lease 198.18.0.3 {\n"
	   "  uid \"\\x4\";\n"
	   "}\n"
	   "lease 198.18.0.4 {\n"
	   "  uid \"\";\n"
	   "  hardware ethernet 1:2:3:4:5:6;\n"
	   "  binding state active;\n"
	   "}\n");
	CHECK_EQ(lf.n, 2);
	if (lf.n == 2) {
		CHECK(bytes_are(lf.recs[0].cid, lf.recs[0].cid_len, "01615c220941" "71"));
		CHECK_STR(lf.recs[0].hostname, "tab\there\"q\" \xc3\xa9");
		CHECK_EQ(lf.recs[1].cid_len, 0);
	}
	CHECK_EQ(lf.errors, 2);
	CHECK(note_has(&lf, 7, LEASEFILE_ERROR, "malformed uid"));
	CHECK(note_has(&lf, 10, LEASEFILE_ERROR, "malformed uid"));
	leasefile_free(&lf);
}

/* An active lease that names no client cannot be held: a note, and it
 * still replaces the earlier block of its address. */
TEST(isc_no_client)
{
	struct leasefile lf;

	rd(&lf, LEASEFILE_ISC,
	   "lease 198.18.0.1 { binding state active; hardware ethernet 1:2:3:4:5:6; }\n"
	   "lease 198.18.0.1 { binding state active; }\n"
	   "lease 198.18.0.2 { binding state free; }\n"
	   "lease 198.18.0.3 { binding state released; }\n");
	CHECK_EQ(lf.records, 4);
	CHECK_EQ(lf.replaced, 1);
	CHECK_EQ(lf.n, 1);
	CHECK(lf.n == 1 && lf.recs[0].addr == IP(198, 18, 0, 2));
	CHECK_EQ(lf.errors, 0);
	CHECK(note_has(&lf, 2, LEASEFILE_SKIP, "no hardware address or uid"));
	CHECK(note_has(&lf, 4, LEASEFILE_SKIP, "no hardware address or uid"));
	CHECK(lf.nnotes == 2 && lf.notes[0].addr == IP(198, 18, 0, 1));
	leasefile_free(&lf);

	/* The block's note names its first line, before its statements'. */
	rd(&lf, LEASEFILE_ISC, "lease 198.18.0.1 {\n binding state active;\n"
	   " client-hostname \"\\000\";\n}\n");
	CHECK_EQ(lf.nnotes, 2);
	CHECK(note_has(&lf, 1, LEASEFILE_SKIP, "no hardware address"));
	CHECK(note_has(&lf, 3, LEASEFILE_SKIP, "holds a NUL byte"));
	leasefile_free(&lf);
}

/* Every damaged block is reported with its line; the blocks around it
 * are read. */
TEST(isc_damage_resync)
{
	struct leasefile lf;

	rd(&lf, LEASEFILE_ISC,
	   "lease 198.18.0.1 {\n"			/* 1 */
	   "  starts 4 2025/12/04 14:00:00\n"		/* 2: no ';' */
	   "  binding state active;\n"			/* 3 */
	   "}\n"
	   "lease 198.18.0.2 { binding state free; }\n"	/* 5 */
	   "lease 198.18.0.300 { binding state free; }\n"	/* 6 */
	   "lease 198.18.0.3 {\n"			/* 7 */
	   "  ends 4 2025/02/29 10:00:00;\n"		/* 8: no such day */
	   "}\n"
	   "lease 198.18.0.4 {\n"			/* 10 */
	   "  hardware ethernet 1:2:3:4:5:6:7:8:9:10:11:12:13:14:15:16:17;\n"	/* 11 */
	   "}\n"
	   "lease 198.18.0.5 {\n"			/* 13 */
	   "  binding state free;\n"
	   "lease 198.18.0.6 { binding state free; }\n"	/* 15 */
	   "}\n"					/* 16: stray */
	   "lease 198.18.0.7 { ends 8 2025/12/04 10:00:00; }\n"	/* 17 */
	   "lease 198.18.0.8 { ends 4 2025/12/04 10:61:00; }\n"	/* 18 */
	   "lease 198.18.0.9 { on commit { set x = \"a\";\n"	/* 19: no '}' */
	   "lease 198.18.0.10 { binding state free; }\n"	/* 20 */
	   "lease 198.18.0.11 {\n"			/* 21 */
	   "  binding state free;\n");			/* EOF */
	CHECK(note_has(&lf, 2, LEASEFILE_ERROR, "expected ';' after starts, found 'binding'"));
	CHECK(note_has(&lf, 6, LEASEFILE_ERROR, "expected an IPv4 address"));
	CHECK(note_has(&lf, 8, LEASEFILE_ERROR, "YYYY/MM/DD"));
	CHECK(note_has(&lf, 11, LEASEFILE_ERROR, "longer than 16"));
	CHECK(note_has(&lf, 15, LEASEFILE_ERROR, "no closing '}' of the lease of line 13"));
	CHECK(note_has(&lf, 16, LEASEFILE_ERROR, "expected a declaration"));
	CHECK(note_has(&lf, 17, LEASEFILE_ERROR, "weekday"));
	CHECK(note_has(&lf, 18, LEASEFILE_ERROR, "YYYY/MM/DD"));
	CHECK(note_has(&lf, 20, LEASEFILE_ERROR, "no end of 'on'"));
	CHECK(note_has(&lf, 23, LEASEFILE_ERROR, "no closing '}' of the lease of line 21"));
	CHECK_EQ(lf.errors, 10);
	CHECK_EQ(lf.n, 3);	/* .2, .6, .10 */
	CHECK(find(&lf, IP(198, 18, 0, 2)) && find(&lf, IP(198, 18, 0, 6)) &&
	      find(&lf, IP(198, 18, 0, 10)));
	leasefile_free(&lf);

	/* What is missing after a token is reported on that token's line. */
	rd(&lf, LEASEFILE_ISC, "lease 198.18.0.1 {\n  set x = 1\n}\n");
	CHECK(note_has(&lf, 2, LEASEFILE_ERROR, "expected ';' after 'set', found '}'"));
	leasefile_free(&lf);
}

TEST(isc_bounds)
{
	struct leasefile lf;
	char long_name[600], uid[1200], text[2000];
	const char nul[] = "lease 198.18.0.1 { binding state free; }\n"
			   "lease 198.18.0.2 { binding\0 state free; }\n"
			   "lease 198.18.0.3 { binding state free; }\n";

	memset(long_name, 'a', 256);
	long_name[256] = 0;
	snprintf(text, sizeof text,
		 "lease 198.18.0.1 {\r\n  client-hostname \"%s\";\r\n"
		 "  hardware ethernet 1:2:3:4:5:6;\r\n  binding state active;\r\n"
		 "  ends epoch 18446744073709551615;\r\n}\r\n"
		 "lease 198.18.0.2 { ends epoch 99999999999999999999; }\r\n"
		 "lease 198.18.0.3 { ends 6 9999/12/31 23:59:59; binding state free; }\r\n",
		 long_name);
	rd(&lf, LEASEFILE_ISC, text);
	CHECK_EQ(lf.n, 2);
	if (lf.n == 2) {
		/* The name we cannot hold is left out, not the lease. */
		CHECK(lf.recs[0].hostname == NULL && lf.recs[0].hlen == 6);
		CHECK_EQ(lf.recs[0].end, LEASEFILE_NEVER);
		CHECK_EQ(lf.recs[1].end, LEASEFILE_NEVER);
	}
	CHECK(note_has(&lf, 2, LEASEFILE_SKIP, "longer than 255"));
	CHECK(note_has(&lf, 7, LEASEFILE_ERROR, "expected seconds"));
	leasefile_free(&lf);

	for (int i = 0; i < 256; i++)
		snprintf(uid + 3 * i, 4, "%02x:", i);
	uid[3 * 256 - 1] = 0;
	snprintf(text, sizeof text, "lease 198.18.0.1 { uid %s; }\n", uid);
	rd(&lf, LEASEFILE_ISC, text);
	CHECK_EQ(lf.n, 0);
	CHECK(note_has(&lf, 1, LEASEFILE_ERROR, "uid longer than 255"));
	leasefile_free(&lf);

	rd_buf(&lf, LEASEFILE_ISC, nul, sizeof nul - 1);
	CHECK_EQ(lf.n, 2);
	CHECK(note_has(&lf, 2, LEASEFILE_ERROR, "byte 0x00"));
	leasefile_free(&lf);

	rd(&lf, LEASEFILE_ISC, "lease 198.18.0.1 { client-hostname \"abc;\n}\n");
	CHECK_EQ(lf.n, 0);
	CHECK(note_has(&lf, 1, LEASEFILE_ERROR, "unterminated string"));
	leasefile_free(&lf);
}

/* Declarations other than leases are skipped whole; the ones a user
 * should hear about get a note. */
TEST(isc_other_declarations)
{
	struct leasefile lf;

	rd(&lf, LEASEFILE_ISC,
	   "# comment { \"\n"
	   "server-duid \"\\000\\001\\000\\001\\036\";\n"		/* 2 */
	   "failover peer \"f\" state {\n  my state normal at 4 2025/12/04 13:00:00;\n"
	   "  partner state normal at 4 2025/12/04 13:00:00;\n}\n"
	   "class \"c\" { match option vendor-class-identifier; }\n"	/* 7 */
	   "subclass \"c\" \"MSFT 5.0\" { lease limit 2; }\n"		/* 8 */
	   "host h { dynamic; hardware ethernet 1:2:3:4:5:6; fixed-address 198.18.0.9; }\n"
	   "ia-na \"\\001\\000\" {\n  cltt 4 2025/12/04 13:00:00;\n"	/* 10 */
	   "  iaaddr 2001:db8::1 { binding state active; }\n}\n"
	   "lease6 198.18.0.1;\n"					/* 14 */
	   "frobnicate 1 2 3;\n"					/* 15 */
	   "lease 198.18.0.1 { # the lease { proper\n"
	   "  binding state free; option agent.circuit-id \"x;\"; vendor-class-identifier \"}\";\n"
	   "  on expiry or release { set a = concat(\"}\", \"{\"); }\n"
	   "  set ddns-fwd-name = \"x\"; billing class \"c\"; }\n");
	CHECK_EQ(lf.errors, 0);
	CHECK_EQ(lf.n, 1);
	CHECK_EQ(lf.nnotes, 4);
	CHECK(note_has(&lf, 9, LEASEFILE_SKIP, "host declaration"));
	CHECK(note_has(&lf, 10, LEASEFILE_SKIP, "DHCPv6"));
	CHECK(note_has(&lf, 14, LEASEFILE_SKIP, "DHCPv6"));
	CHECK(note_has(&lf, 15, LEASEFILE_SKIP, "unknown statement 'frobnicate'"));
	leasefile_free(&lf);

	/* File text quoted in a note is plain ASCII. */
	rd(&lf, LEASEFILE_ISC, "fr\xc3\xb6" "b;\nlease 198.18.0.1 { ends \x7f\x80; }\n");
	CHECK(note_has(&lf, 1, LEASEFILE_SKIP, "unknown statement 'fr??b'"));
	CHECK(note_has(&lf, 2, LEASEFILE_ERROR, "found byte 0x7f"));
	leasefile_free(&lf);
}

/* ---- Kea ---- */

TEST(kea_sample)
{
	struct leasefile lf;
	const struct lease_rec *r;

	if (!rd_vector(&lf, LEASEFILE_KEA, "kea-2.2.csv"))
		return;
	CHECK_EQ(lf.errors, 0);
	CHECK_EQ(lf.nnotes, 0);
	CHECK_EQ(lf.records, 7);
	CHECK_EQ(lf.replaced, 2);
	CHECK_EQ(lf.n, 4);		/* .14 was deleted (lifetime 0) */
	CHECK(find(&lf, IP(198, 18, 2, 14)) == NULL);
	r = find(&lf, IP(198, 18, 2, 10));
	CHECK(r && r->state == LEASE_ACTIVE && r->end == NOW + 5400 && r->start == NOW + 1800 &&
	      r->cltt == r->start && r->htype == 1);
	CHECK(r && bytes_are(r->cid, r->cid_len, "01525400020210"));
	r = find(&lf, IP(198, 18, 2, 11));
	CHECK(r && r->hostname && strcmp(r->hostname, "host,a.example.org") == 0);
	r = find(&lf, IP(198, 18, 2, 12));
	CHECK(r && r->hlen == 0 && r->cid_len == 11 && r->hostname == NULL);
	r = find(&lf, IP(198, 18, 2, 13));
	CHECK(r && r->state == LEASE_ABANDONED && r->end == NOW + 82800 &&
	      r->start == NOW - 3600);
	leasefile_free(&lf);
}

TEST(kea_header_variants)
{
	struct leasefile lf;

	if (rd_vector(&lf, LEASEFILE_KEA, "kea-1.6.csv")) {
		CHECK_EQ(lf.errors, 0);
		CHECK(lf.n == 1 && lf.recs[0].state == LEASE_ACTIVE &&
		      strcmp(lf.recs[0].hostname, "old-kea") == 0);
		leasefile_free(&lf);
	}
	if (rd_vector(&lf, LEASEFILE_KEA, "kea-2.6.csv")) {
		CHECK_EQ(lf.errors, 0);
		CHECK_EQ(lf.n, 2);
		leasefile_free(&lf);
	}
	/* Columns found by name, in any order; unknown ones ignored. */
	rd(&lf, LEASEFILE_KEA,
	   "hostname,state,address,future,hwaddr,client_id,valid_lifetime,expire,subnet_id,"
	   "fqdn_fwd,fqdn_rev\r\n"
	   "h,3,198.18.0.1,x,1:2:3:4:5:6,,60,1764860460,1,false,true\r\n");
	CHECK(lf.n == 1 && lf.recs[0].state == LEASE_RELEASED && lf.recs[0].start == NOW &&
	      strcmp(lf.recs[0].hostname, "h") == 0);
	CHECK_EQ(lf.errors, 0);
	leasefile_free(&lf);
	rd(&lf, LEASEFILE_KEA, "address,hwaddr,client_id\n198.18.0.1,1:2:3:4:5:6,\n");
	CHECK_EQ(lf.n, 0);
	CHECK_EQ(lf.errors, 1);
	CHECK(note_has(&lf, 1, LEASEFILE_ERROR, "'valid_lifetime' missing"));
	leasefile_free(&lf);
}

TEST(kea_damage)
{
	struct leasefile lf;

	rd(&lf, LEASEFILE_KEA,
	   "address,hwaddr,client_id,valid_lifetime,expire,subnet_id,fqdn_fwd,fqdn_rev,hostname,state\n"
	   "198.18.0.1,1:2:3:4:5:6,,3600,1764864000,1,0,0,,0\n"		/* 2 */
	   "198.18.0.2,1:2:3:4:5:6,,3600,1764864000,1,0,0,\n"		/* 3 */
	   "198.18.0.3,1:2:3:4:5:zz,,3600,1764864000,1,0,0,,0\n"	/* 4 */
	   "198.18.0.4,,,3600,1764864000,1,0,0,,0\n"			/* 5 */
	   "198.18.0.5,,,3600,1764864000,1,0,0,,1\n"			/* 6: declined */
	   "198.18.0.6,1:2:3:4:5:6,,3600,1764864000,1,0,0,,4\n"	/* 7 */
	   "198.18.0.7,1:2:3:4:5:6,,4294967296,1764864000,1,0,0,,0\n"	/* 8 */
	   "198.18.0.8,1:2:3:4:5:6,,4294967295,1764864000,1,0,0,,0\n"	/* 9: infinite */
	   "198.18.0.9,1:2:3:4:5:6,,3600,1764864000,1,2,0,,0\n"	/* 10 */
	   "not an address,1:2:3:4:5:6,,3600,1764864000,1,0,0,,0\n"	/* 11 */
	   "198.18.0.12,1:2:3:4:5:6,,3600,1764864000,1,0,0,,0,x\n"	/* 12 */
	   "\n"
	   "198.18.0.14,1:2:3:4:5:6,,3600,1764864000,1,0,0,,0\n");	/* 14 */
	CHECK(note_has(&lf, 3, LEASEFILE_ERROR, "9 columns, the header has 10"));
	CHECK(note_has(&lf, 4, LEASEFILE_ERROR, "hwaddr: malformed"));
	CHECK(note_has(&lf, 5, LEASEFILE_ERROR, "no client_id"));
	CHECK(note_has(&lf, 7, LEASEFILE_ERROR, "state"));
	CHECK(note_has(&lf, 8, LEASEFILE_ERROR, "valid_lifetime"));
	CHECK(note_has(&lf, 10, LEASEFILE_ERROR, "fqdn_fwd"));
	CHECK(note_has(&lf, 11, LEASEFILE_ERROR, "address"));
	CHECK(note_has(&lf, 12, LEASEFILE_ERROR, "11 columns"));
	CHECK_EQ(lf.errors, 8);
	CHECK_EQ(lf.n, 4);
	CHECK(find(&lf, IP(198, 18, 0, 5)) && find(&lf, IP(198, 18, 0, 5))->state == LEASE_ABANDONED);
	CHECK(find(&lf, IP(198, 18, 0, 8)) && find(&lf, IP(198, 18, 0, 8))->end == LEASEFILE_NEVER);
	CHECK(find(&lf, IP(198, 18, 0, 14)) != NULL);
	leasefile_free(&lf);

	/* Escapes anywhere in the field, a bad one kept as it is. */
	rd(&lf, LEASEFILE_KEA,
	   "address,hwaddr,client_id,valid_lifetime,expire,subnet_id,fqdn_fwd,fqdn_rev,hostname\n"
	   "198.18.0.1,1:2:3:4:5:6,,3600,1764864000,1,0,0,&#x2ca&#x2c\n"
	   "198.18.0.2,1:2:3:4:5:6,,3600,1764864000,1,0,0,&#x2&#xzz&#x4\n");
	CHECK(lf.n == 2 && strcmp(lf.recs[0].hostname, ",a,") == 0 &&
	      strcmp(lf.recs[1].hostname, "&#x2&#xzz&#x4") == 0);
	leasefile_free(&lf);
}

/* Kea's deletion row removes the address even when it comes first, and
 * a later row brings it back. */
TEST(kea_deletion_rows)
{
	struct leasefile lf;

	rd(&lf, LEASEFILE_KEA,
	   "address,hwaddr,client_id,valid_lifetime,expire,subnet_id,fqdn_fwd,fqdn_rev,hostname,state\n"
	   "198.18.0.1,1:2:3:4:5:6,,0,1764864000,1,0,0,,0\n"
	   "198.18.0.2,1:2:3:4:5:6,,60,1764864000,1,0,0,,0\n"
	   "198.18.0.2,1:2:3:4:5:6,,0,1764864000,1,0,0,,0\n"
	   "198.18.0.2,1:2:3:4:5:7,,60,1764864000,1,0,0,,0\n");
	CHECK_EQ(lf.errors, 0);
	CHECK_EQ(lf.records, 4);
	CHECK_EQ(lf.replaced, 2);
	CHECK(lf.n == 1 && lf.recs[0].addr == IP(198, 18, 0, 2) && lf.recs[0].hw[5] == 7);
	leasefile_free(&lf);
}

/* ---- dnsmasq ---- */

TEST(dnsmasq_sample)
{
	struct leasefile lf;
	const struct lease_rec *r;

	if (!rd_vector(&lf, LEASEFILE_DNSMASQ, "dnsmasq.leases"))
		return;
	CHECK_EQ(lf.errors, 0);
	CHECK_EQ(lf.n, 5);
	r = find(&lf, IP(198, 18, 5, 10));
	CHECK(r && r->state == LEASE_ACTIVE && r->end == NOW + 3600 && r->start == NOW &&
	      r->cltt == NOW && r->htype == 1 && r->hlen == 6 && r->cid_len == 7 &&
	      strcmp(r->hostname, "pc-one") == 0);
	r = find(&lf, IP(198, 18, 5, 11));
	CHECK(r && r->end == LEASEFILE_NEVER && r->state == LEASE_ACTIVE && !r->hostname &&
	      r->cid_len == 0);
	r = find(&lf, IP(198, 18, 5, 12));
	CHECK(r && r->state == LEASE_EXPIRED && r->end == 1764850000 && r->start == r->end);
	r = find(&lf, IP(198, 18, 5, 13));
	CHECK(r && r->htype == 32 && r->hlen == 0 && r->cid_len == 20);
	r = find(&lf, IP(198, 18, 5, 14));
	CHECK(r && r->htype == 6 && bytes_are(r->hw, r->hlen, "001122334455"));
	CHECK(note_has(&lf, 6, LEASEFILE_SKIP, "DUID"));
	CHECK(note_has(&lf, 7, LEASEFILE_SKIP, "DHCPv6 lease"));
	leasefile_free(&lf);
}

TEST(dnsmasq_damage)
{
	struct leasefile lf;

	rd(&lf, LEASEFILE_DNSMASQ,
	   "1764864000 52:54:00:05:05:10 198.18.5.10\n"			/* 1 */
	   "1764864000 52:54:00:05:05:10 198.18.5.1 x * extra\n"		/* 2 */
	   "soon 52:54:00:05:05:10 198.18.5.2 x *\n"				/* 3 */
	   "1764864000 52:54:00:05:05:1g 198.18.5.3 x *\n"			/* 4 */
	   "1764864000 52:54:00:05:05:10 198.18.5.4 x 01:zz\n"		/* 5 */
	   "1764864000 00- 198.18.5.5 x *\n"					/* 6 */
	   "\t 1764864000  52:54:00:05:05:10\t198.18.5.6   x  * \r\n"	/* 7 */
	   "1764864000 52:54:00:05:05:11 198.18.5.7 nocid\n");		/* 8 */
	CHECK(note_has(&lf, 1, LEASEFILE_ERROR, "expected EXPIRY"));
	CHECK(note_has(&lf, 2, LEASEFILE_ERROR, "expected EXPIRY"));
	CHECK(note_has(&lf, 3, LEASEFILE_ERROR, "expiry"));
	CHECK(note_has(&lf, 4, LEASEFILE_ERROR, "MAC"));
	CHECK(note_has(&lf, 5, LEASEFILE_ERROR, "client id"));
	CHECK(note_has(&lf, 6, LEASEFILE_SKIP, "no MAC and no client id"));
	CHECK_EQ(lf.errors, 5);
	CHECK_EQ(lf.n, 2);
	CHECK(find(&lf, IP(198, 18, 5, 6)) && find(&lf, IP(198, 18, 5, 7)));
	leasefile_free(&lf);
}

/* ---- Files the servers wrote (tests/vectors/import/README.md) ---- */

/* ISC dhcpd 4.4.3: two DORAs of one client (uid, vendor class, a name),
 * one of another that it then released, in both time formats. */
TEST(real_isc)
{
	static const struct { const char *file; int64_t start, end, freed; } files[] = {
		{ "isc-4.4.3-real.leases", 1796399695, 1796403295, 1796399695 },
		{ "isc-4.4.3-real-local.leases", 1796399720, 1796403320, 1796399720 },
	};
	struct leasefile lf;

	for (size_t i = 0; i < 2; i++) {
		if (!rd_vector(&lf, LEASEFILE_ISC, files[i].file))
			continue;
		CHECK_EQ(lf.errors, 0);
		CHECK_EQ(lf.nnotes, 0);
		CHECK_EQ(lf.records, 4);
		CHECK_EQ(lf.replaced, 2);
		CHECK_EQ(lf.n, 2);
		if (lf.n == 2) {
			const struct lease_rec *a = &lf.recs[0], *b = &lf.recs[1];

			CHECK(a->addr == IP(198, 18, 0, 10) && a->state == LEASE_ACTIVE);
			CHECK(a->start == files[i].start && a->cltt == a->start &&
			      a->end == files[i].end && a->tstp == 0);
			CHECK(bytes_are(a->cid, a->cid_len, "01525400123456"));
			CHECK(bytes_are(a->hw, a->hlen, "525400123456"));
			CHECK(a->hostname && strcmp(a->hostname, "vm") == 0);
			CHECK(b->addr == IP(198, 18, 0, 11) && b->state == LEASE_FREE);
			CHECK(b->end == files[i].freed && b->tstp == b->end && !b->hostname);
		}
		leasefile_free(&lf);
	}
}

/* Kea 2.2.0: the same exchanges; the release is a row with lifetime 0. */
TEST(real_kea)
{
	struct leasefile lf;

	if (!rd_vector(&lf, LEASEFILE_KEA, "kea-2.2.0-real.csv"))
		return;
	CHECK_EQ(lf.errors, 0);
	CHECK_EQ(lf.records, 4);
	CHECK_EQ(lf.n, 1);
	if (lf.n == 1) {
		CHECK(lf.recs[0].addr == IP(198, 18, 0, 30) && lf.recs[0].state == LEASE_ACTIVE);
		CHECK(lf.recs[0].end == 1796403299 && lf.recs[0].start == 1796399699);
		CHECK(bytes_are(lf.recs[0].cid, lf.recs[0].cid_len, "01525400123456"));
		CHECK_STR(lf.recs[0].hostname, "vm");
	}
	leasefile_free(&lf);
}

/* dnsmasq 2.90: a reservation with an infinite lease, a DORA with a
 * client id and a name (the released lease is gone from the file). */
TEST(real_dnsmasq)
{
	struct leasefile lf;

	if (!rd_vector(&lf, LEASEFILE_DNSMASQ, "dnsmasq-2.90-real.leases"))
		return;
	CHECK_EQ(lf.errors, 0);
	CHECK_EQ(lf.n, 2);
	if (lf.n == 2) {
		CHECK(lf.recs[0].addr == IP(198, 18, 0, 55) && lf.recs[0].end == LEASEFILE_NEVER);
		CHECK(lf.recs[1].end == 1796403304 && lf.recs[1].cid_len == 7);
	}
	leasefile_free(&lf);
}

/* ---- Shared ---- */

TEST(guess)
{
	CHECK_EQ(leasefile_guess("", 0), 0);
	CHECK_EQ(leasefile_guess("\n\n# The format of this file is documented in the "
				 "dhcpd.leases(5) manual page.\n", 70), LEASEFILE_ISC);
	CHECK_EQ(leasefile_guess("# a comment\n\nlease 1.2.3.4 {", 27), LEASEFILE_ISC);
	CHECK_EQ(leasefile_guess("authoring-byte-order little-endian;\n", 36), LEASEFILE_ISC);
	CHECK_EQ(leasefile_guess("address,hwaddr,client_id,valid_lifetime\n", 40), LEASEFILE_KEA);
	CHECK_EQ(leasefile_guess("0 52:54:00:00:00:01 1.2.3.4 * *\n", 32), LEASEFILE_DNSMASQ);
	CHECK_EQ(leasefile_guess("duid 00:01\n", 11), LEASEFILE_DNSMASQ);
	CHECK_EQ(leasefile_guess("hello world\n", 12), 0);
	CHECK_EQ(leasefile_guess("12345", 5), 0);
	/* Only the bytes given are looked at. */
	CHECK_EQ(leasefile_guess("address,hwaddr,", 8), 0);
}

TEST(format_names)
{
	for (int f = LEASEFILE_ISC; f <= LEASEFILE_DNSMASQ; f++)
		CHECK_EQ(leasefile_format_parse(leasefile_format_name((enum leasefile_format)f)), f);
	CHECK_EQ(leasefile_format_parse("ISC"), 0);
	CHECK_EQ(leasefile_format_parse(NULL), 0);
	CHECK_STR(leasefile_format_name(0), "unknown");
}

TEST(empty_files)
{
	struct leasefile lf;

	for (int f = LEASEFILE_ISC; f <= LEASEFILE_DNSMASQ; f++) {
		rd(&lf, (enum leasefile_format)f, "");
		CHECK(lf.n == 0 && lf.nnotes == 0 && lf.records == 0);
		leasefile_free(&lf);
		rd(&lf, (enum leasefile_format)f, "\n\r\n");
		CHECK(lf.n == 0 && lf.errors == 0);
		leasefile_free(&lf);
	}
	rd(&lf, (enum leasefile_format)9, "x");
	CHECK_EQ(lf.errors, 1);
	leasefile_free(&lf);
}

/* Many blocks of few addresses: the last of each wins, in file order. */
TEST(last_wins_many)
{
	struct leasefile lf;
	size_t cap = 200 * 80, len = 0;
	char *text = malloc(cap);

	for (int i = 0; i < 200; i++)
		len += (size_t)snprintf(text + len, cap - len,
					"lease 198.18.0.%d { hardware ethernet 0:0:0:0:0:%x; "
					"binding state active; }\n", 199 - i % 50, i);
	rd_buf(&lf, LEASEFILE_ISC, text, len);
	CHECK_EQ(lf.records, 200);
	CHECK_EQ(lf.replaced, 150);
	CHECK_EQ(lf.n, 50);
	/* Address 198.18.0.(150 + k) was last written by block 199 - k. */
	for (size_t i = 0; i < lf.n; i++) {
		CHECK_EQ(lf.recs[i].addr, IP(198, 18, 0, 150 + i));
		CHECK_EQ(lf.recs[i].hw[5], 199 - i);
	}
	leasefile_free(&lf);
	free(text);
}

T_RUN(T_CASE(isc_sample), T_CASE(isc_epoch_never_hex_uid), T_CASE(isc_every_state),
      T_CASE(isc_old_forms), T_CASE(isc_string_escapes), T_CASE(isc_no_client),
      T_CASE(isc_damage_resync), T_CASE(isc_bounds), T_CASE(isc_other_declarations),
      T_CASE(kea_sample), T_CASE(kea_header_variants), T_CASE(kea_damage),
      T_CASE(kea_deletion_rows), T_CASE(dnsmasq_sample), T_CASE(dnsmasq_damage),
      T_CASE(real_isc), T_CASE(real_kea), T_CASE(real_dnsmasq), T_CASE(guess),
      T_CASE(format_names), T_CASE(empty_files), T_CASE(last_wins_many),
      T_CASE(isc_failover_state), T_CASE(isc_failover_state_damage), T_CASE(carry_take),
      T_CASE(carry_refused))
