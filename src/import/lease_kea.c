/* Kea's memfile lease file for DHCPv4 (kea-leases4.csv): a header naming
 * the columns, then one row per lease change.  Columns are found by the
 * header's names, so the 1.x file (no state, no user_context), 2.x's and
 * 2.6's (pool_id) all read.  Kea escapes the bytes of text columns that
 * would break a row as "&#xHH" (util/csv_file.cc). */
#include <stdio.h>
#include <string.h>
#include "common/text.h"
#include "import/lease_readers.h"

enum kea_col {
	K_ADDRESS, K_HWADDR, K_CLIENT_ID, K_VALID, K_EXPIRE, K_SUBNET, K_FWD, K_REV,
	K_HOSTNAME, K_STATE, K_NCOLS
};

/* The columns we read; Kea's first nine are in every schema version,
 * state came with 2.0 (absent: 0), user_context and pool_id are ignored. */
static const char *const kea_names[K_NCOLS] = {
	"address", "hwaddr", "client_id", "valid_lifetime", "expire", "subnet_id",
	"fqdn_fwd", "fqdn_rev", "hostname", "state",
};

#define KEA_COLS_MAX 32

struct kea {
	struct lf_build *b;
	int col[K_NCOLS];	/* index in a row, -1 when the header lacks it */
	size_t ncols;		/* the header's count */
	unsigned line;
};

struct field {
	const char *p;
	size_t n;
};

/* Splits a line at commas into at most max fields; returns the count, or
 * max + 1 when there are more. */
static size_t split(const char *p, size_t n, struct field *f, size_t max)
{
	size_t k = 0;

	for (;;) {
		const char *c = memchr(p, ',', n);
		size_t len = c ? (size_t)(c - p) : n;

		if (k == max)
			return max + 1;
		f[k++] = (struct field){ p, len };
		if (!c)
			return k;
		n -= len + 1;
		p = c + 1;
	}
}

static bool header(struct kea *k, const char *p, size_t n)
{
	struct field f[KEA_COLS_MAX];
	size_t cnt = split(p, n, f, KEA_COLS_MAX);

	for (int c = 0; c < K_NCOLS; c++)
		k->col[c] = -1;
	if (cnt > KEA_COLS_MAX) {
		lf_note(k->b, k->line, LEASEFILE_ERROR, 0, "header has more than %d columns",
			KEA_COLS_MAX);
		return false;
	}
	for (size_t i = 0; i < cnt; i++)
		for (int c = 0; c < K_NCOLS; c++)
			if (lf_is(f[i].p, f[i].n, kea_names[c]))
				k->col[c] = k->col[c] < 0 ? (int)i : -2;
	for (int c = 0; c < K_NCOLS; c++)
		if ((k->col[c] == -1 && c != K_STATE) || k->col[c] == -2) {
			lf_note(k->b, k->line, LEASEFILE_ERROR, 0,
				"not a Kea lease4 header: column '%s' %s", kea_names[c],
				k->col[c] == -1 ? "missing" : "twice");
			return false;
		}
	k->ncols = cnt;
	return true;
}

/* A text column with Kea's "&#xHH" escapes undone.  Returns the length,
 * or -2 when longer than max. */
static int unescape(const struct field *f, char *out, size_t max)
{
	size_t i = 0, len = 0;

	while (i < f->n) {
		char c = f->p[i++];

		if (c == '&' && f->n - i >= 4 && memcmp(f->p + i, "#x", 2) == 0 &&
		    text_hexval(f->p[i + 2]) >= 0 && text_hexval(f->p[i + 3]) >= 0) {
			c = (char)(text_hexval(f->p[i + 2]) << 4 | text_hexval(f->p[i + 3]));
			i += 4;
		}
		if (len == max)
			return -2;
		out[len++] = c;
	}
	return (int)len;
}

/* The read values of one row. */
struct kea_row {
	struct lease_rec rec;
	uint8_t cid[LEASE_CID_MAX];
	char host[LEASE_HOST_MAX + 1];
	uint64_t valid, expire, state;
};

static bool bad(struct kea *k, uint32_t addr, const char *col, const char *why)
{
	lf_note(k->b, k->line, LEASEFILE_ERROR, addr, "%s: %s", col, why);
	return false;
}

static bool flag_ok(const struct field *f)
{
	return lf_is(f->p, f->n, "0") || lf_is(f->p, f->n, "1") ||
	       lf_is(f->p, f->n, "true") || lf_is(f->p, f->n, "false");
}

/* Identity columns: address, hwaddr (Ethernet: Kea's CSV keeps no
 * type), client_id; either of the last two may be empty. */
static bool row_ids(struct kea *k, const struct field *f, struct kea_row *w)
{
	const struct field *hw = &f[k->col[K_HWADDR]], *cid = &f[k->col[K_CLIENT_ID]];
	int n;

	if (!text_ip4_parse(f[k->col[K_ADDRESS]].p, f[k->col[K_ADDRESS]].n, &w->rec.addr))
		return bad(k, 0, "address", "not an IPv4 address");
	if (hw->n) {
		n = lf_hex_colon(hw->p, hw->n, w->rec.hw, LEASE_HW_MAX);
		if (n < 0)
			return bad(k, w->rec.addr, "hwaddr",
				   n == -2 ? "longer than 16 bytes" : "malformed");
		w->rec.htype = 1;
		w->rec.hlen = (uint8_t)n;
	}
	if (cid->n) {
		n = lf_hex_colon(cid->p, cid->n, w->cid, LEASE_CID_MAX);
		if (n < 0)
			return bad(k, w->rec.addr, "client_id",
				   n == -2 ? "longer than 255 bytes" : "malformed");
		w->rec.cid = w->cid;
		w->rec.cid_len = (uint8_t)n;
	}
	return true;
}

static bool row_numbers(struct kea *k, const struct field *f, struct kea_row *w)
{
	uint64_t x;
	uint32_t a = w->rec.addr;

	if (!lf_uint(f[k->col[K_VALID]].p, f[k->col[K_VALID]].n, UINT32_MAX, &w->valid))
		return bad(k, a, "valid_lifetime", "not a number of seconds below 2^32");
	if (!lf_uint(f[k->col[K_EXPIRE]].p, f[k->col[K_EXPIRE]].n, UINT64_MAX, &w->expire))
		return bad(k, a, "expire", "not a number");
	if (!lf_uint(f[k->col[K_SUBNET]].p, f[k->col[K_SUBNET]].n, UINT32_MAX, &x))
		return bad(k, a, "subnet_id", "not a number");
	if (!flag_ok(&f[k->col[K_FWD]]) || !flag_ok(&f[k->col[K_REV]]))
		return bad(k, a, "fqdn_fwd/fqdn_rev", "not 0 or 1");
	w->state = 0;
	if (k->col[K_STATE] >= 0 &&
	    !lf_uint(f[k->col[K_STATE]].p, f[k->col[K_STATE]].n, 3, &w->state))
		return bad(k, a, "state", "not 0, 1, 2 or 3");
	return true;
}

/* Kea's hostname, or none with a note when we cannot hold it. */
static void row_hostname(struct kea *k, const struct field *f, struct kea_row *w)
{
	int n = unescape(&f[k->col[K_HOSTNAME]], w->host, LEASE_HOST_MAX);

	if (n == -2 || (n > 0 && memchr(w->host, 0, (size_t)n))) {
		lf_note(k->b, k->line, LEASEFILE_SKIP, w->rec.addr, "hostname %s: left out",
			n == -2 ? "longer than 255 bytes" : "holds a NUL byte");
		return;
	}
	w->host[n] = 0;
	w->rec.hostname = n ? w->host : NULL;
}

/* Kea's states: 0 default (bound), 1 declined, 2 expired and reclaimed,
 * 3 released (Kea 3.0, kept for affinity). */
static const uint8_t kea_states[] = { LEASE_ACTIVE, LEASE_ABANDONED, LEASE_EXPIRED,
				      LEASE_RELEASED };

static void row(struct kea *k, const char *p, size_t n)
{
	struct field f[KEA_COLS_MAX];
	size_t cnt = split(p, n, f, KEA_COLS_MAX);
	struct kea_row w = { 0 };

	if (cnt != k->ncols) {
		lf_note(k->b, k->line, LEASEFILE_ERROR, 0, "%s%zu columns, the header has %zu",
			cnt > KEA_COLS_MAX ? "over " : "", cnt > KEA_COLS_MAX ? KEA_COLS_MAX : cnt,
			k->ncols);
		return;
	}
	if (!row_ids(k, f, &w) || !row_numbers(k, f, &w))
		return;
	if (w.rec.hlen == 0 && w.rec.cid_len == 0 && w.state != 1) {
		bad(k, w.rec.addr, "hwaddr", "empty, and no client_id (Kea refuses this row too)");
		return;
	}
	if (w.valid == 0) {	/* how Kea's memfile writes a deleted lease */
		lf_add_gone(k->b, w.rec.addr);
		return;
	}
	row_hostname(k, f, &w);
	w.rec.state = kea_states[w.state];
	w.rec.end = w.valid == UINT32_MAX ? LEASEFILE_NEVER
		  : lf_time_clamp(w.expire > INT64_MAX ? INT64_MAX : (int64_t)w.expire);
	w.rec.start = w.expire >= w.valid ? lf_time_clamp((int64_t)(w.expire - w.valid)) : 0;
	w.rec.cltt = w.rec.start;
	lf_add(k->b, &w.rec);
}

void lf_read_kea(struct lf_build *b, const char *buf, size_t len)
{
	struct lf_lines c = lf_lines_init(buf, len);
	struct kea k = { .b = b };
	bool have_header = false;
	const char *p;
	size_t n;

	while (lf_next_line(&c, &p, &n) && !b->oom) {
		k.line = c.line;
		if (n == 0)
			continue;
		if (!have_header) {
			if (!header(&k, p, n))
				return;	/* rows cannot be read without their columns */
			have_header = true;
			continue;
		}
		row(&k, p, n);
	}
}
