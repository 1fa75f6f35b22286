/* The lease journal (see journal.h; the format is in docs/journal.md).
 *
 * Durability rule: RFC 2131 section 4.3.1 lets the server send a DHCPACK
 * only once the binding is on stable storage, so the daemon calls
 * journal_sync() before it releases the ACKs of one event-loop turn.
 * Everything here keeps one invariant: the file on disk is a run of
 * whole lines, at worst followed by one torn line, which replay cuts. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/text.h"
#include "core/record.h"
#include "failover/state.h"
#include "failover/wire.h"
#include "store/journal.h"

#define JOURNAL_HEADER "# duodhcp lease journal v1"
#define STR_(x) #x
#define STR(x) STR_(x)
#define JOURNAL_FO_MAX_STR STR(JOURNAL_FO_MAX)
#define HEADER_LEN (sizeof JOURNAL_HEADER - 1)
#define CRC_TAIL_LEN 13			/* " crc=" and eight hex digits */
#define READ_CHUNK (256u << 10)		/* replay reads this much at a time */
#define READ_AHEAD (8u << 20)		/* and asks the disk for this much beyond */
#define WRITE_CHUNK (256u << 10)	/* compaction and salvage write buffer */
#define QUEUE_MIN (64u << 10)
/* A disk that stays full must not let clients grow our memory forever. */
#define QUEUE_MAX (64u << 20)

/* The longest line journal_format() can produce: "v1", the longest
 * fields, then " crc=xxxxxxxx" and the newline. */
#define WORST_LINE (2 + RECORD_TEXT_MAX + CRC_TAIL_LEN + 1)
_Static_assert(WORST_LINE <= JOURNAL_LINE_MAX, "JOURNAL_LINE_MAX too small");

/* The latest failover record of each relationship, as a journal keeps
 * them for compaction and salvage. */
struct foset {
	struct store_fo_rec *v;	/* JOURNAL_FO_MAX slots once allocated */
	size_t n;
};

/* The three names a journal lives under. */
struct jpaths {
	char path[PATH_MAX];
	char tmp[PATH_MAX];	/* compaction and salvage write here first */
	char dir[PATH_MAX];	/* fsynced after a rename */
};

/* A buffered writer for rewrites. */
struct wbuf {
	int fd;
	char *buf;		/* WRITE_CHUNK bytes */
	size_t len;
	uint64_t total;		/* bytes handed to wb_* so far */
	int err;		/* first error, sticky */
};

struct journal {
	int fd;			/* O_RDWR|O_CLOEXEC, -1 when closed */
	int lock_fd;		/* holds the flock on path.lock */
	bool tail_checked;	/* replay proved the file ends on a whole line */
	bool cut_pending;	/* a failed sync could not cut its bytes back */
	bool dir_pending;	/* the rename of a compaction is not yet durable */
	uint64_t durable;	/* file length known to be on stable storage */
	uint64_t alloc_end;	/* file size: durable, then preallocated zeros */
	char *q;		/* queued lines, not yet written */
	size_t qlen, qcap;
	struct jpaths p;
	struct foset fo;	/* latest failover record of each relationship */
	/* A compaction in steps: path.tmp (bg_fd, written through bg_w while
	 * the snapshot is taken), the walk over the live set, and how much
	 * of this file has been copied after the snapshot so far. */
	int bg_fd;
	struct wbuf bg_w;
	const struct lease *(*bg_next)(void *arg);
	void *bg_arg;
	uint64_t bg_base;
	/* The replaced file, unlinked by the rename: released in steps,
	 * since freeing all its blocks at once in close() takes tens of ms. */
	int old_fd;
	uint64_t old_size;
};

static void set_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* ---- CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320) ----
 * Table entry n is the CRC register after shifting byte n through eight
 * rounds of the polynomial; the unit test checks it against a bitwise
 * implementation. */
static const uint32_t crc_table[256] = {
	0x00000000, 0x77073096, 0xee0e612c, 0x990951ba, 0x076dc419, 0x706af48f,
	0xe963a535, 0x9e6495a3, 0x0edb8832, 0x79dcb8a4, 0xe0d5e91e, 0x97d2d988,
	0x09b64c2b, 0x7eb17cbd, 0xe7b82d07, 0x90bf1d91, 0x1db71064, 0x6ab020f2,
	0xf3b97148, 0x84be41de, 0x1adad47d, 0x6ddde4eb, 0xf4d4b551, 0x83d385c7,
	0x136c9856, 0x646ba8c0, 0xfd62f97a, 0x8a65c9ec, 0x14015c4f, 0x63066cd9,
	0xfa0f3d63, 0x8d080df5, 0x3b6e20c8, 0x4c69105e, 0xd56041e4, 0xa2677172,
	0x3c03e4d1, 0x4b04d447, 0xd20d85fd, 0xa50ab56b, 0x35b5a8fa, 0x42b2986c,
	0xdbbbc9d6, 0xacbcf940, 0x32d86ce3, 0x45df5c75, 0xdcd60dcf, 0xabd13d59,
	0x26d930ac, 0x51de003a, 0xc8d75180, 0xbfd06116, 0x21b4f4b5, 0x56b3c423,
	0xcfba9599, 0xb8bda50f, 0x2802b89e, 0x5f058808, 0xc60cd9b2, 0xb10be924,
	0x2f6f7c87, 0x58684c11, 0xc1611dab, 0xb6662d3d, 0x76dc4190, 0x01db7106,
	0x98d220bc, 0xefd5102a, 0x71b18589, 0x06b6b51f, 0x9fbfe4a5, 0xe8b8d433,
	0x7807c9a2, 0x0f00f934, 0x9609a88e, 0xe10e9818, 0x7f6a0dbb, 0x086d3d2d,
	0x91646c97, 0xe6635c01, 0x6b6b51f4, 0x1c6c6162, 0x856530d8, 0xf262004e,
	0x6c0695ed, 0x1b01a57b, 0x8208f4c1, 0xf50fc457, 0x65b0d9c6, 0x12b7e950,
	0x8bbeb8ea, 0xfcb9887c, 0x62dd1ddf, 0x15da2d49, 0x8cd37cf3, 0xfbd44c65,
	0x4db26158, 0x3ab551ce, 0xa3bc0074, 0xd4bb30e2, 0x4adfa541, 0x3dd895d7,
	0xa4d1c46d, 0xd3d6f4fb, 0x4369e96a, 0x346ed9fc, 0xad678846, 0xda60b8d0,
	0x44042d73, 0x33031de5, 0xaa0a4c5f, 0xdd0d7cc9, 0x5005713c, 0x270241aa,
	0xbe0b1010, 0xc90c2086, 0x5768b525, 0x206f85b3, 0xb966d409, 0xce61e49f,
	0x5edef90e, 0x29d9c998, 0xb0d09822, 0xc7d7a8b4, 0x59b33d17, 0x2eb40d81,
	0xb7bd5c3b, 0xc0ba6cad, 0xedb88320, 0x9abfb3b6, 0x03b6e20c, 0x74b1d29a,
	0xead54739, 0x9dd277af, 0x04db2615, 0x73dc1683, 0xe3630b12, 0x94643b84,
	0x0d6d6a3e, 0x7a6a5aa8, 0xe40ecf0b, 0x9309ff9d, 0x0a00ae27, 0x7d079eb1,
	0xf00f9344, 0x8708a3d2, 0x1e01f268, 0x6906c2fe, 0xf762575d, 0x806567cb,
	0x196c3671, 0x6e6b06e7, 0xfed41b76, 0x89d32be0, 0x10da7a5a, 0x67dd4acc,
	0xf9b9df6f, 0x8ebeeff9, 0x17b7be43, 0x60b08ed5, 0xd6d6a3e8, 0xa1d1937e,
	0x38d8c2c4, 0x4fdff252, 0xd1bb67f1, 0xa6bc5767, 0x3fb506dd, 0x48b2364b,
	0xd80d2bda, 0xaf0a1b4c, 0x36034af6, 0x41047a60, 0xdf60efc3, 0xa867df55,
	0x316e8eef, 0x4669be79, 0xcb61b38c, 0xbc66831a, 0x256fd2a0, 0x5268e236,
	0xcc0c7795, 0xbb0b4703, 0x220216b9, 0x5505262f, 0xc5ba3bbe, 0xb2bd0b28,
	0x2bb45a92, 0x5cb36a04, 0xc2d7ffa7, 0xb5d0cf31, 0x2cd99e8b, 0x5bdeae1d,
	0x9b64c2b0, 0xec63f226, 0x756aa39c, 0x026d930a, 0x9c0906a9, 0xeb0e363f,
	0x72076785, 0x05005713, 0x95bf4a82, 0xe2b87a14, 0x7bb12bae, 0x0cb61b38,
	0x92d28e9b, 0xe5d5be0d, 0x7cdcefb7, 0x0bdbdf21, 0x86d3d2d4, 0xf1d4e242,
	0x68ddb3f8, 0x1fda836e, 0x81be16cd, 0xf6b9265b, 0x6fb077e1, 0x18b74777,
	0x88085ae6, 0xff0f6a70, 0x66063bca, 0x11010b5c, 0x8f659eff, 0xf862ae69,
	0x616bffd3, 0x166ccf45, 0xa00ae278, 0xd70dd2ee, 0x4e048354, 0x3903b3c2,
	0xa7672661, 0xd06016f7, 0x4969474d, 0x3e6e77db, 0xaed16a4a, 0xd9d65adc,
	0x40df0b66, 0x37d83bf0, 0xa9bcae53, 0xdebb9ec5, 0x47b2cf7f, 0x30b5ffe9,
	0xbdbdf21c, 0xcabac28a, 0x53b39330, 0x24b4a3a6, 0xbad03605, 0xcdd70693,
	0x54de5729, 0x23d967bf, 0xb3667a2e, 0xc4614ab8, 0x5d681b02, 0x2a6f2b94,
	0xb40bbe37, 0xc30c8ea1, 0x5a05df1b, 0x2d02ef8d,
};

/* Slicing by 8: crc_slice[k][b] is the CRC of byte b followed by k zero
 * bytes, so eight table lookups take a whole 64-bit word at a time. */
static uint32_t crc_slice[8][256];

__attribute__((constructor)) static void crc_slice_init(void)
{
	for (int b = 0; b < 256; b++) {
		uint32_t c = crc_table[b];
		crc_slice[0][b] = c;
		for (int k = 1; k < 8; k++) {
			c = crc_table[c & 0xff] ^ (c >> 8);
			crc_slice[k][b] = c;
		}
	}
}

static uint32_t crc32_ieee(const char *p, size_t n)
{
	uint32_t c = 0xffffffffu;

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	for (; n >= 8; p += 8, n -= 8) {
		uint32_t lo, hi;
		memcpy(&lo, p, 4);
		memcpy(&hi, p + 4, 4);
		lo ^= c;
		c = crc_slice[7][lo & 0xff] ^ crc_slice[6][(lo >> 8) & 0xff] ^
		    crc_slice[5][(lo >> 16) & 0xff] ^ crc_slice[4][lo >> 24] ^
		    crc_slice[3][hi & 0xff] ^ crc_slice[2][(hi >> 8) & 0xff] ^
		    crc_slice[1][(hi >> 16) & 0xff] ^ crc_slice[0][hi >> 24];
	}
#endif
	for (size_t i = 0; i < n; i++)
		c = crc_table[(c ^ (uint8_t)p[i]) & 0xff] ^ (c >> 8);
	return c ^ 0xffffffffu;
}

/* ---- The line codec: "v1", the record's fields, the checksum ----
 * The fields and their spelling are the field table's (core/record.h). */

static const char hex_lower[] = "0123456789abcdef";

size_t journal_format_rec(char *buf, size_t cap, const struct lease_rec *rec)
{
	size_t n;
	uint32_t crc;

	if (cap < 2)
		return 0;
	memcpy(buf, "v1", 2);
	n = record_text_format(buf + 2, cap - 2, rec);
	if (n == 0 || cap - 2 - n < CRC_TAIL_LEN + 1)
		return 0;	/* too small, or a record we could not read back */
	n += 2;
	crc = crc32_ieee(buf, n);
	memcpy(buf + n, " crc=", 5);
	n += 5;
	for (int s = 28; s >= 0; s -= 4)
		buf[n++] = hex_lower[(crc >> s) & 15];
	buf[n++] = '\n';
	return n;
}

/* The checksum and the "v1": the rest is the field table's. */
static const char *check_frame(const char *line, size_t len)
{
	size_t end = len - CRC_TAIL_LEN;
	uint32_t want = 0;

	if (len > JOURNAL_LINE_MAX - 1)
		return "line too long";
	if (len < 2 + CRC_TAIL_LEN || memcmp(line + end, " crc=", 5) != 0)
		return "no crc= at the end of the line";
	for (size_t i = end + 5; i < len; i++) {
		int d = line[i] >= 'A' && line[i] <= 'F' ? -1 : text_hexval(line[i]);

		if (d < 0)
			return "crc is not 8 lower-case hex digits";
		want = want << 4 | (uint32_t)d;
	}
	if (crc32_ieee(line, end) != want)
		return "checksum mismatch";
	if (memcmp(line, "v1", 2) != 0 || (end > 2 && line[2] != ' '))
		return "not a v1 record";
	return NULL;
}

int journal_parse(const char *line, size_t len, struct lease_rec *rec,
		  struct record_bufs *bufs, char *err, size_t errlen)
{
	const char *why = check_frame(line, len);

	memset(rec, 0, sizeof *rec);
	if (why != NULL) {
		set_err(err, errlen, "%s", why);
		return -1;
	}
	return record_text_parse(line + 2, len - CRC_TAIL_LEN - 2, rec, bufs, err, errlen);
}

/* ---- The failover state line: "v1 fo", six fields (and the optional
 * mclt and hba, absent from records written before them), the checksum ----
 * A kind token without '=' after "v1" cannot be a lease field, so the
 * two kinds never mix up; an older reader refuses the line instead of
 * misreading it. */

#define FO_TAG "v1 fo"
#define FO_TAG_LEN (sizeof FO_TAG - 1)

enum { FO_NAME, FO_MY, FO_MY_STOS, FO_AMNESIC, FO_PEER, FO_PEER_STOS, FO_MCLT, FO_HBA,
       FO_NKEYS };
static const char *const fo_keys[FO_NKEYS] = {
	"name", "my", "my_stos", "amnesic", "peer", "peer_stos", "mclt", "hba",
};
/* Keys every record has; mclt and hba came later and may be missing. */
#define FO_REQUIRED ((1u << FO_MCLT) - 1)
#define FO_HBA_HEX 64
_Static_assert(sizeof ((struct store_fo_rec *)0)->hba * 2 == FO_HBA_HEX, "hba is 32 bytes");

static bool fo_storable(const struct store_fo_rec *fo)
{
	size_t n = strnlen(fo->name, sizeof fo->name);

	return n > 0 && n <= STORE_FO_NAME_MAX && fo_state_valid(fo->my_state) &&
	       (fo->peer_state == 0 || fo_state_valid(fo->peer_state));
}

/* The optional " mclt=... hba=..." after the six fields of buf[0..n). */
static int fo_format_pair(char *buf, size_t cap, size_t n, const struct store_fo_rec *fo)
{
	char hex[FO_HBA_HEX + 1];
	int k;

	if (fo->mclt == 0)
		return (int)n;
	k = snprintf(buf + n, cap - n, " mclt=%" PRIu32, fo->mclt);
	if (k < 0 || (size_t)k >= cap - n)
		return -1;
	n += (size_t)k;
	if (!fo->have_hba)
		return (int)n;
	text_hex(hex, fo->hba, sizeof fo->hba, 0);
	k = snprintf(buf + n, cap - n, " hba=%s", hex);
	if (k < 0 || (size_t)k >= cap - n)
		return -1;
	return (int)(n + (size_t)k);
}

size_t journal_format_fo(char *buf, size_t cap, const struct store_fo_rec *fo)
{
	char name[3 * STORE_FO_NAME_MAX + 1];
	uint32_t crc;
	int n;

	if (!fo_storable(fo))
		return 0;
	name[text_pct_encode(name, fo->name, strlen(fo->name))] = '\0';
	n = snprintf(buf, cap, FO_TAG " name=%s my=%s my_stos=%" PRIu32 " amnesic=%d peer=%s "
		     "peer_stos=%" PRIu32, name, fo_state_name(fo->my_state), fo->my_stos,
		     fo->amnesic ? 1 : 0,
		     fo->peer_state ? fo_state_name(fo->peer_state) : "none", fo->peer_stos);
	if (n >= 0 && (size_t)n < cap)
		n = fo_format_pair(buf, cap, (size_t)n, fo);
	if (n < 0 || (size_t)n >= cap || cap - (size_t)n < CRC_TAIL_LEN + 1)
		return 0;
	crc = crc32_ieee(buf, (size_t)n);
	n += snprintf(buf + n, cap - (size_t)n, " crc=%08" PRIx32 "\n", crc);
	return (size_t)n;
}

bool journal_line_is_fo(const char *line, size_t len)
{
	return len >= FO_TAG_LEN && memcmp(line, FO_TAG, FO_TAG_LEN) == 0 &&
	       (len == FO_TAG_LEN || line[FO_TAG_LEN] == ' ');
}

/* Canonical decimal up to UINT32_MAX: no sign, no leading zero. */
static bool fo_u32(const char *v, size_t n, uint32_t *out)
{
	uint64_t x = 0;

	if (n == 0 || n > 10 || (v[0] == '0' && n > 1))
		return false;
	for (size_t i = 0; i < n; i++) {
		if (v[i] < '0' || v[i] > '9')
			return false;
		x = x * 10 + (uint64_t)(v[i] - '0');
	}
	if (x > UINT32_MAX)
		return false;
	*out = (uint32_t)x;
	return true;
}

/* A server state by its name (failover/wire.c); 0 if none. */
static uint8_t fo_state_parse(const char *v, size_t n)
{
	for (unsigned s = 1; s <= 255; s++) {
		const char *name = fo_state_valid(s) ? fo_state_name(s) : NULL;

		if (name != NULL && strlen(name) == n && memcmp(name, v, n) == 0)
			return (uint8_t)s;
	}
	return 0;
}

/* 64 hex digits, lower case as written. */
static const char *fo_hba(const char *v, size_t n, struct store_fo_rec *fo)
{
	if (n != FO_HBA_HEX)
		return "not 64 hex digits";
	for (size_t i = 0; i < n; i += 2) {
		int hi = text_hexval(v[i]), lo = text_hexval(v[i + 1]);

		if (hi < 0 || lo < 0)
			return "not 64 hex digits";
		fo->hba[i / 2] = (uint8_t)(hi << 4 | lo);
	}
	fo->have_hba = true;
	return NULL;
}

static const char *fo_value(int key, const char *v, size_t n, struct store_fo_rec *fo)
{
	const char *why = NULL;
	uint32_t x;
	int k;

	switch (key) {
	case FO_NAME:
		k = text_pct_decode(v, n, fo->name, STORE_FO_NAME_MAX, &why);
		if (k == -2)
			return "longer than 255 bytes";
		if (k < 0)
			return why;
		if (k == 0)
			return "empty";
		fo->name[k] = '\0';
		return NULL;
	case FO_MY:
		fo->my_state = fo_state_parse(v, n);
		return fo->my_state ? NULL : "unknown server state";
	case FO_PEER:
		if (n == 4 && memcmp(v, "none", 4) == 0)
			return NULL;
		fo->peer_state = fo_state_parse(v, n);
		return fo->peer_state ? NULL : "unknown server state";
	case FO_AMNESIC:
		if (n != 1 || (v[0] != '0' && v[0] != '1'))
			return "not 0 or 1";
		fo->amnesic = v[0] == '1';
		return NULL;
	case FO_HBA:
		return fo_hba(v, n, fo);
	case FO_MCLT:
		if (!fo_u32(v, n, &fo->mclt) || fo->mclt == 0)
			return "not a positive 32-bit decimal number";
		return NULL;
	default:
		if (!fo_u32(v, n, &x))
			return "not a 32-bit decimal number";
		*(key == FO_MY_STOS ? &fo->my_stos : &fo->peer_stos) = x;
		return NULL;
	}
}

/* The fields after "v1 fo": each " key=value", every key exactly once,
 * in any order (the CRC covers the order written). */
static int fo_fields(const char *s, size_t len, struct store_fo_rec *fo,
		     char *err, size_t errlen)
{
	unsigned seen = 0;
	size_t i = 0;

	while (i < len) {
		const char *tok = s + i + 1, *eq, *why;
		size_t tlen, klen;
		int key = -1;

		if (s[i] != ' ' || i + 1 >= len || s[i + 1] == ' ') {
			set_err(err, errlen, "empty field");
			return -1;
		}
		eq = memchr(tok, ' ', len - i - 1);
		tlen = eq != NULL ? (size_t)(eq - tok) : len - i - 1;
		eq = memchr(tok, '=', tlen);
		if (eq == NULL) {
			set_err(err, errlen, "field without =");
			return -1;
		}
		klen = (size_t)(eq - tok);
		for (int k = 0; k < FO_NKEYS; k++)
			if (strlen(fo_keys[k]) == klen && memcmp(fo_keys[k], tok, klen) == 0)
				key = k;
		if (key < 0) {
			set_err(err, errlen, "unknown key");
			return -1;
		}
		if (seen & (1u << key)) {
			set_err(err, errlen, "%s: duplicate key", fo_keys[key]);
			return -1;
		}
		seen |= 1u << key;
		if ((why = fo_value(key, eq + 1, tlen - klen - 1, fo)) != NULL) {
			set_err(err, errlen, "%s: %s", fo_keys[key], why);
			return -1;
		}
		i += 1 + tlen;
	}
	for (int k = 0; k < FO_NKEYS; k++)
		if ((FO_REQUIRED & (1u << k)) && !(seen & (1u << k))) {
			set_err(err, errlen, "%s: missing", fo_keys[k]);
			return -1;
		}
	if ((seen & (1u << FO_HBA)) && !(seen & (1u << FO_MCLT))) {
		set_err(err, errlen, "hba: without mclt");
		return -1;
	}
	return 0;
}

int journal_parse_fo(const char *line, size_t len, struct store_fo_rec *fo,
		     char *err, size_t errlen)
{
	const char *why = check_frame(line, len);

	memset(fo, 0, sizeof *fo);
	if (why == NULL && !journal_line_is_fo(line, len - CRC_TAIL_LEN))
		why = "not a failover state record";
	if (why != NULL) {
		set_err(err, errlen, "%s", why);
		return -1;
	}
	return fo_fields(line + FO_TAG_LEN, len - CRC_TAIL_LEN - FO_TAG_LEN, fo, err, errlen);
}

static int foset_keep(struct foset *s, const struct store_fo_rec *fo)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (strcmp(s->v[i].name, fo->name) == 0)
			break;
	if (i == JOURNAL_FO_MAX)
		return -ENOSPC;
	if (s->v == NULL && (s->v = calloc(JOURNAL_FO_MAX, sizeof *s->v)) == NULL)
		return -ENOMEM;
	s->v[i] = *fo;
	if (i == s->n)
		s->n++;
	return 0;
}

/* ---- Small file helpers ---- */

/* Writes all n bytes at off, or at the file position when off < 0. */
static int write_all_at(int fd, const char *p, size_t n, int64_t off)
{
	while (n > 0) {
		ssize_t w = off < 0 ? write(fd, p, n) : pwrite(fd, p, n, (off_t)off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		if (w == 0)
			return -EIO;
		p += w;
		n -= (size_t)w;
		if (off >= 0)
			off += w;
	}
	return 0;
}

static int write_all(int fd, const char *p, size_t n)
{
	return write_all_at(fd, p, n, -1);
}

static int cut_file(int fd, uint64_t len)
{
	while (ftruncate(fd, (off_t)len) < 0) {
		if (errno != EINTR)
			return -errno;
	}
	return 0;
}

/* A rename or a new file is durable only once its folder is fsynced. */
static int fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int e = 0;

	if (fd < 0)
		return -errno;
	if (fsync(fd) < 0)
		e = -errno;
	close(fd);
	return e;
}

static int make_paths(struct jpaths *p, const char *path)
{
	size_t n = strlen(path);
	char *slash;

	if (n == 0 || n + sizeof ".damaged.18446744073709551615.99" > PATH_MAX)
		return -ENAMETOOLONG;
	memcpy(p->path, path, n + 1);
	memcpy(p->tmp, path, n);	/* room: checked above */
	memcpy(p->tmp + n, ".tmp", sizeof ".tmp");
	memcpy(p->dir, path, n + 1);
	slash = strrchr(p->dir, '/');
	if (slash == NULL)
		strcpy(p->dir, ".");
	else if (slash == p->dir)
		p->dir[1] = '\0';
	else
		*slash = '\0';
	return 0;
}

/* ---- The lock: flock on a separate file, since compaction renames the
 * journal itself.  flock locks belong to the open file description, so
 * a second open in this very process conflicts too. ---- */

static long read_pid(int fd)
{
	char b[24];
	ssize_t n = pread(fd, b, sizeof b - 1, 0);
	long pid = 0;

	for (ssize_t i = 0; i < n && b[i] >= '0' && b[i] <= '9' && pid < 100000000; i++)
		pid = pid * 10 + (b[i] - '0');
	return pid;
}

/* Opens a file of the journal's folder without following a link planted
 * there (the folder belongs to User=, the daemon may open it as root): a
 * symbolic link (O_NOFOLLOW), a file with another name too (a hard link
 * to somebody else's file) and anything but a regular file are refused
 * before a byte is read, written or cut.  Returns the fd, or -1 with the
 * reason in why. */
static int open_here(const char *path, int flags, mode_t mode, char *why, size_t whylen)
{
	struct stat sb;
	int fd = open(path, flags | O_NOFOLLOW | O_CLOEXEC, mode);

	if (fd < 0) {
		snprintf(why, whylen, "%s", errno == ELOOP ? "is a symbolic link: refusing to "
			 "follow it (remove it)" : strerror(errno));
		return -1;
	}
	if (fstat(fd, &sb) < 0) {
		snprintf(why, whylen, "%s", strerror(errno));
	} else if (!S_ISREG(sb.st_mode)) {
		snprintf(why, whylen, "is not a regular file");
	} else if (sb.st_nlink > 1) {
		snprintf(why, whylen, "has %lu names (a hard link): refusing it (remove it)",
			 (unsigned long)sb.st_nlink);
	} else {
		return fd;
	}
	close(fd);
	return -1;
}

static int take_lock(const char *path, char *err, size_t errlen)
{
	char lp[PATH_MAX], pid[24], why[128];
	int fd, n;

	snprintf(lp, sizeof lp, "%s.lock", path);
	fd = open_here(lp, O_RDWR | O_CREAT, 0644, why, sizeof why);
	if (fd < 0) {
		set_err(err, errlen, "journal %s: cannot open %s: %s", path, lp, why);
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno == EWOULDBLOCK) {
			long holder = read_pid(fd);
			if (holder > 0)
				set_err(err, errlen, "journal %s is in use by another duodhcpd (pid %ld)", path, holder);
			else
				set_err(err, errlen, "journal %s is in use by another duodhcpd (pid unknown)", path);
		} else {
			set_err(err, errlen, "journal %s: cannot lock %s: %s", path, lp, strerror(errno));
		}
		close(fd);
		return -1;
	}
	n = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
	if (cut_file(fd, 0) < 0 || pwrite(fd, pid, (size_t)n, 0) != n) {
		set_err(err, errlen, "journal %s: cannot write pid to %s: %s", path, lp, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* ---- Reading lines in big chunks: no per-line allocation ---- */

struct reader {
	int fd;
	char *buf;		/* READ_CHUNK bytes */
	size_t pos, end;	/* unread bytes are buf[pos..end) */
	uint64_t off;		/* file offset of buf[pos] */
	uint64_t limit;		/* read no further (UINT64_MAX: to EOF) */
	uint64_t ahead;		/* read-ahead asked for up to here */
	bool eof;
};

struct rline {
	const char *p;		/* NULL for an overlong line */
	size_t len;
	uint64_t off;		/* file offset of the line */
	bool nl;		/* ended by a newline */
	bool overlong;		/* no newline within JOURNAL_LINE_MAX bytes */
};

static int reader_fill(struct reader *r)
{
	ssize_t n;

	if (r->pos > 0) {
		memmove(r->buf, r->buf + r->pos, r->end - r->pos);
		r->end -= r->pos;
		r->pos = 0;
	}
	uint64_t at = r->off + r->end;
	size_t want = READ_CHUNK - r->end;
	if (r->limit - at < want)
		want = (size_t)(r->limit - at);
	do {
		n = want > 0 ? pread(r->fd, r->buf + r->end, want, (off_t)at) : 0;
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if (n == 0)
		r->eof = true;
	r->end += (size_t)n;
	/* A journal the page cache no longer holds would cost one waited
	 * disk read per chunk: ask for the next READ_AHEAD bytes now, so the
	 * disk reads them while these are parsed. */
	at += (uint64_t)n;
	if (n > 0 && at + READ_AHEAD / 2 > r->ahead) {
		posix_fadvise(r->fd, (off_t)at, READ_AHEAD, POSIX_FADV_WILLNEED);
		r->ahead = at + READ_AHEAD;
	}
	return 0;
}

/* Skips the rest of a line that has no newline where one must be. */
static int reader_skip_long(struct reader *r, struct rline *l)
{
	*l = (struct rline){ .p = NULL, .len = 0, .off = r->off, .overlong = true };
	for (;;) {
		char *nl = memchr(r->buf + r->pos, '\n', r->end - r->pos);
		int e;

		if (nl != NULL) {
			size_t k = (size_t)(nl + 1 - (r->buf + r->pos));
			r->pos += k;
			r->off += k;
			l->nl = true;
			return 1;
		}
		r->off += r->end - r->pos;
		r->pos = r->end;
		if (r->eof)
			return 1;
		if ((e = reader_fill(r)) < 0)
			return e;
	}
}

/* Returns 1 with the next line in l, 0 at the end of the file, or -errno. */
static int reader_next(struct reader *r, struct rline *l)
{
	for (;;) {
		size_t avail = r->end - r->pos;
		size_t look = avail < JOURNAL_LINE_MAX ? avail : JOURNAL_LINE_MAX;
		char *nl = memchr(r->buf + r->pos, '\n', look);
		int e;

		if (nl != NULL || (r->eof && avail > 0 && avail < JOURNAL_LINE_MAX)) {
			size_t len = nl != NULL ? (size_t)(nl - (r->buf + r->pos)) : avail;
			size_t used = len + (nl != NULL);

			*l = (struct rline){ .p = r->buf + r->pos, .len = len, .off = r->off,
					     .nl = nl != NULL };
			r->pos += used;
			r->off += used;
			return 1;
		}
		if (avail >= JOURNAL_LINE_MAX)
			return reader_skip_long(r, l);
		if (r->eof)
			return 0;
		if ((e = reader_fill(r)) < 0)
			return e;
	}
}

/* 1 if any byte follows the current position, 0 if not, or -errno. */
static int reader_more(struct reader *r)
{
	int e;

	if (r->pos < r->end)
		return 1;
	if (r->eof)
		return 0;
	if ((e = reader_fill(r)) < 0)
		return e;
	return r->pos < r->end;
}

/* Where the records end: the journal is preallocated ahead of its last
 * record (see journal_sync), so a file may end in zeros that were never
 * written.  The last non-zero byte ends the data; zeros before it are
 * damage like any other and the walk finds them. */
static int data_end(int fd, uint64_t *end)
{
	char buf[65536];
	struct stat sb;

	if (fstat(fd, &sb) < 0)
		return -errno;
	uint64_t at = (uint64_t)sb.st_size;
	while (at > 0) {
		size_t n = at < sizeof buf ? (size_t)at : sizeof buf;
		ssize_t got = pread(fd, buf, n, (off_t)(at - n));
		if (got < 0 && errno == EINTR)
			continue;
		if (got != (ssize_t)n)
			return got < 0 ? -errno : -EIO;
		while (n > 0 && buf[n - 1] == '\0')
			n--, at--;
		if (n > 0)
			break;
	}
	*end = at;
	return 0;
}

/* ---- Walking a journal: shared by replay and scan ---- */

struct walk {
	const char *path;
	const struct store_replay_cb *cb;
	struct foset *keep;	/* replay: where the latest failover records go */
	uint64_t records;
	uint64_t fo_records;
	uint64_t good_end;	/* offset just past the last good line */
	uint64_t size;		/* bytes read in all */
	uint64_t torn_line;	/* line number of a torn tail, 0 if none */
	char why[160];		/* what is wrong with the torn line */
};

/* One parsed line of either kind. */
struct pline {
	struct lease_rec rec;
	struct record_bufs bufs;
	struct store_fo_rec fo;
};

/* 1: a lease in p->rec; 2: a failover record in p->fo; 0: the header;
 * -1: a bad line (reason in why). */
static int check_line(const struct rline *l, uint64_t lineno, struct pline *p,
		      char *why, size_t whylen)
{
	if (l->overlong) {
		set_err(why, whylen, "longer than %d bytes", JOURNAL_LINE_MAX);
		return -1;
	}
	if (!l->nl) {
		set_err(why, whylen, "no newline at the end");
		return -1;
	}
	if (lineno == 1 && l->len > 0 && l->p[0] == '#') {
		if (l->len == HEADER_LEN && memcmp(l->p, JOURNAL_HEADER, HEADER_LEN) == 0)
			return 0;
		set_err(why, whylen, "not a \"%s\" header", JOURNAL_HEADER);
		return -1;
	}
	if (journal_line_is_fo(l->p, l->len)) {
		char r[128];

		if (journal_parse_fo(l->p, l->len, &p->fo, r, sizeof r) == 0)
			return 2;
		set_err(why, whylen, "failover state record: %s", r);
		return -1;
	}
	return journal_parse(l->p, l->len, &p->rec, &p->bufs, why, whylen) == 0 ? 1 : -1;
}

/* Delivers a good line; -1 with err when replay cannot keep it. */
static int walk_apply(struct walk *w, int kind, const struct pline *p, uint64_t lineno,
		      char *err, size_t errlen)
{
	int e;

	if (kind == 1) {
		w->records++;
		if (w->cb != NULL && w->cb->lease != NULL)
			w->cb->lease(w->cb->arg, &p->rec);
	} else if (kind == 2) {
		if (w->keep != NULL && (e = foset_keep(w->keep, &p->fo)) < 0) {
			set_err(err, errlen, "journal %s: line %" PRIu64 ": %s", w->path, lineno,
				e == -ENOSPC ? "more than " JOURNAL_FO_MAX_STR
					       " failover relationships" : strerror(-e));
			return -1;
		}
		w->fo_records++;
		if (w->cb != NULL && w->cb->fo != NULL)
			w->cb->fo(w->cb->arg, &p->fo);
	}
	return 0;
}

static int walk_lines(struct reader *r, struct walk *w, char *err, size_t errlen)
{
	struct pline *p = malloc(sizeof *p);
	struct rline l;
	uint64_t lineno = 0;
	int rc, more;

	if (p == NULL) {
		set_err(err, errlen, "journal %s: out of memory", w->path);
		return -1;
	}
	while ((rc = reader_next(r, &l)) == 1) {
		int kind = check_line(&l, ++lineno, p, w->why, sizeof w->why);

		if (kind >= 0) {
			if (walk_apply(w, kind, p, lineno, err, errlen) < 0) {
				free(p);
				return -1;
			}
			w->good_end = r->off;
			continue;
		}
		if ((more = reader_more(r)) < 0) {
			rc = more;
			break;
		}
		free(p);
		if (more) {
			set_err(err, errlen, "journal %s: line %" PRIu64 " is damaged (%s) and more "
				"lines follow it; run `duodhcpd -c CONFIG --salvage` to keep the "
				"good records", w->path, lineno, w->why);
			return -1;
		}
		w->torn_line = lineno;
		w->size = r->off;
		return 0;
	}
	free(p);
	if (rc < 0) {
		set_err(err, errlen, "journal %s: read: %s", w->path, strerror(-rc));
		return -1;
	}
	w->size = r->off;
	return 0;
}

static int walk_journal(int fd, struct walk *w, char *err, size_t errlen)
{
	struct reader r = { .fd = fd, .buf = malloc(READ_CHUNK) };
	int rc;

	if (r.buf == NULL) {
		set_err(err, errlen, "journal %s: out of memory", w->path);
		return -1;
	}
	if ((rc = data_end(fd, &r.limit)) < 0) {
		free(r.buf);
		set_err(err, errlen, "journal %s: read: %s", w->path, strerror(-rc));
		return -1;
	}
	rc = walk_lines(&r, w, err, errlen);
	free(r.buf);
	return rc;
}

static void fill_stats(struct journal_stats *st, const struct walk *w, uint64_t size)
{
	if (st == NULL)
		return;
	st->records = w->records;
	st->fo_records = w->fo_records;
	st->torn_bytes = w->torn_line != 0 ? w->size - w->good_end : 0;
	st->size = size;
}

static void torn_warning(const struct walk *w, char *err, size_t errlen)
{
	if (w->torn_line != 0)
		set_err(err, errlen, "journal %s: dropped torn last line %" PRIu64 " (%" PRIu64
			" bytes: %s)", w->path, w->torn_line, w->size - w->good_end, w->why);
	else
		set_err(err, errlen, "%s", "");
}

/* On success err holds a warning when a torn tail was cut, else "". */
int journal_replay_cb(struct journal *j, const struct store_replay_cb *cb,
		      struct journal_stats *st, char *err, size_t errlen)
{
	struct walk w = { .path = j->p.path, .cb = cb, .keep = &j->fo };
	int e;

	if (walk_journal(j->fd, &w, err, errlen) < 0)
		return -1;
	if (j->alloc_end != w.good_end) {
		/* Nothing past good_end was ever acknowledged: a torn line was
		 * still being written when we stopped; zeros were preallocated. */
		e = cut_file(j->fd, w.good_end);
		if (e == 0 && fdatasync(j->fd) < 0)
			e = -errno;
		if (e < 0) {
			set_err(err, errlen, "journal %s: cannot cut %s: %s", j->p.path,
				w.torn_line ? "torn last line" : "preallocated tail",
				strerror(-e));
			return -1;
		}
	}
	j->durable = j->alloc_end = w.good_end;
	j->tail_checked = true;
	fill_stats(st, &w, w.good_end);
	torn_warning(&w, err, errlen);
	return 0;
}

int journal_replay(struct journal *j,
		   void (*apply)(void *arg, const struct lease_rec *rec), void *arg,
		   struct journal_stats *st, char *err, size_t errlen)
{
	struct store_replay_cb cb = { .lease = apply, .arg = arg };

	return journal_replay_cb(j, &cb, st, err, errlen);
}

int journal_scan(const char *path,
		 void (*apply)(void *arg, const struct lease_rec *rec), void *arg,
		 struct journal_stats *st, char *err, size_t errlen)
{
	struct store_replay_cb cb = { .lease = apply, .arg = arg };

	return journal_scan_cb(path, &cb, st, err, errlen);
}

int journal_scan_cb(const char *path, const struct store_replay_cb *cb,
		    struct journal_stats *st, char *err, size_t errlen)
{
	struct walk w = { .path = path, .cb = cb };
	char why[128];
	int fd = open_here(path, O_RDONLY, 0, why, sizeof why);
	int rc;

	if (fd < 0) {
		set_err(err, errlen, "journal %s: %s", path, why);
		return -1;
	}
	rc = walk_journal(fd, &w, err, errlen);
	close(fd);
	if (rc < 0)
		return -1;
	fill_stats(st, &w, w.size);
	torn_warning(&w, err, errlen);
	return 0;
}

/* ---- Open, append, sync, close ---- */

/* A new journal starts with a header so `file` and operators know it;
 * its folder entry is fsynced, or a crash could lose the whole file. */
static int write_header(struct journal *j)
{
	int e = write_all(j->fd, JOURNAL_HEADER "\n", HEADER_LEN + 1);

	if (e == 0 && fdatasync(j->fd) < 0)
		e = -errno;
	if (e == 0)
		e = fsync_dir(j->p.dir);
	if (e < 0) {
		(void)cut_file(j->fd, 0);
		return e;
	}
	j->durable = j->alloc_end = HEADER_LEN + 1;
	return 0;
}

static int open_file(struct journal *j, char *err, size_t errlen)
{
	struct stat sb;
	char why[128];
	int e;

	/* The lock is ours, so a temp file can only be a crashed compaction's. */
	if (unlink(j->p.tmp) < 0 && errno != ENOENT) {
		set_err(err, errlen, "journal %s: cannot remove stale %s: %s",
			j->p.path, j->p.tmp, strerror(errno));
		return -1;
	}
	j->fd = open_here(j->p.path, O_RDWR | O_CREAT, 0640, why, sizeof why);
	if (j->fd < 0) {
		set_err(err, errlen, "journal %s: %s", j->p.path, why);
		return -1;
	}
	if (fstat(j->fd, &sb) < 0) {
		set_err(err, errlen, "journal %s: %s", j->p.path, strerror(errno));
		return -1;
	}
	j->durable = j->alloc_end = (uint64_t)sb.st_size;
	if (sb.st_size == 0) {
		if ((e = write_header(j)) < 0) {
			set_err(err, errlen, "journal %s: cannot write header: %s",
				j->p.path, strerror(-e));
			return -1;
		}
		j->tail_checked = true;
	}
	return 0;
}

int journal_open(struct journal **out, const char *path, char *err, size_t errlen)
{
	struct journal *j = calloc(1, sizeof *j);

	*out = NULL;
	if (j == NULL) {
		set_err(err, errlen, "journal %s: out of memory", path);
		return -1;
	}
	j->fd = -1;
	j->lock_fd = -1;
	j->bg_fd = -1;
	j->old_fd = -1;
	if (make_paths(&j->p, path) < 0) {
		set_err(err, errlen, "journal %s: path too long", path);
		goto fail;
	}
	if ((j->lock_fd = take_lock(path, err, errlen)) < 0)
		goto fail;
	if (open_file(j, err, errlen) < 0)
		goto fail;
	*out = j;
	return 0;
fail:
	journal_close(j);
	return -1;
}

static int queue_grow(struct journal *j)
{
	size_t cap = j->qcap != 0 ? j->qcap * 2 : QUEUE_MIN;
	char *q;

	if (cap > QUEUE_MAX)
		return -ENOBUFS;
	if ((q = realloc(j->q, cap)) == NULL)
		return -ENOMEM;
	j->q = q;
	j->qcap = cap;
	return 0;
}

/* Returns 0, -EINVAL for a record that cannot be represented, or
 * -ENOMEM/-ENOBUFS when the queue cannot grow. */
int journal_append_rec(struct journal *j, const struct lease_rec *rec)
{
	size_t n;
	int e;

	while (j->qcap - j->qlen < JOURNAL_LINE_MAX)
		if ((e = queue_grow(j)) < 0)
			return e;
	n = journal_format(j->q + j->qlen, j->qcap - j->qlen, rec);
	if (n == 0)
		return -EINVAL;
	j->qlen += n;
	return 0;
}

int journal_append_fo(struct journal *j, const struct store_fo_rec *fo)
{
	size_t n;
	int e;

	while (j->qcap - j->qlen < JOURNAL_LINE_MAX)
		if ((e = queue_grow(j)) < 0)
			return e;
	n = journal_format_fo(j->q + j->qlen, j->qcap - j->qlen, fo);
	if (n == 0)
		return -EINVAL;
	if ((e = foset_keep(&j->fo, fo)) < 0)
		return e;
	j->qlen += n;
	return 0;
}

size_t journal_pending(const struct journal *j)
{
	return j->qlen;
}

uint64_t journal_size(const struct journal *j)
{
	return j->durable;
}

/* Space for the batch is allocated ahead, PREALLOC at a time, so that
 * an fdatasync writes the records and not also the inode: with the size
 * unchanged there is no metadata to write, on this ext4 a third less CPU
 * and wall time per sync.  Where it cannot be had (no space, a file
 * system without fallocate) the write simply extends the file. */
#define PREALLOC (4u << 20)

static void prealloc(struct journal *j)
{
	if (j->durable + j->qlen <= j->alloc_end)
		return;
	uint64_t len = j->qlen > PREALLOC ? j->qlen : PREALLOC;
	if (fallocate(j->fd, 0, (off_t)j->durable, (off_t)len) == 0)
		j->alloc_end = j->durable + len;
}

/* Also -EINVAL when a non-empty journal was never replayed: its tail may
 * be torn, and a record written after it would glue onto the torn bytes. */
int journal_sync(struct journal *j)
{
	int e;

	if (j->dir_pending) {
		if ((e = fsync_dir(j->p.dir)) < 0)
			return e;
		j->dir_pending = false;
	}
	if (j->cut_pending) {
		if ((e = cut_file(j->fd, j->durable)) < 0)
			return e;
		j->cut_pending = false;
		j->alloc_end = j->durable;
	}
	if (j->qlen == 0)
		return 0;
	if (!j->tail_checked)
		return -EINVAL;
	prealloc(j);
	e = write_all_at(j->fd, j->q, j->qlen, (int64_t)j->durable);
	if (e == 0 && fdatasync(j->fd) < 0)
		e = -errno;
	if (e < 0) {
		/* Cut the partial batch away so no half line stays before the
		 * retry; the whole batch is written again then, since after a
		 * failed fdatasync the page cache may no longer hold it. */
		if (cut_file(j->fd, j->durable) < 0)
			j->cut_pending = true;
		else
			j->alloc_end = j->durable;
		return e;
	}
	j->durable += j->qlen;
	if (j->alloc_end < j->durable)
		j->alloc_end = j->durable;
	j->qlen = 0;
	return 0;
}

void journal_close(struct journal *j)
{
	if (j == NULL)
		return;
	if (j->bg_fd >= 0) {
		close(j->bg_fd);
		unlink(j->p.tmp);
	}
	free(j->bg_w.buf);
	if (j->old_fd >= 0)
		close(j->old_fd);
	if (j->fd >= 0 && j->alloc_end > j->durable)
		(void)cut_file(j->fd, j->durable);	/* the unused zeros */
	if (j->fd >= 0)
		close(j->fd);
	j->fd = -1;
	if (j->lock_fd >= 0)
		close(j->lock_fd);	/* releases the flock */
	j->lock_fd = -1;
	free(j->q);
	free(j->fo.v);
	free(j);
}

/* ---- Rewriting: compaction and salvage ---- */

static void wb_flush(struct wbuf *w)
{
	if (w->err == 0 && w->len > 0)
		w->err = write_all(w->fd, w->buf, w->len);
	w->len = 0;
}

/* Room for one line; every line is at most JOURNAL_LINE_MAX bytes. */
static char *wb_room(struct wbuf *w)
{
	if (WRITE_CHUNK - w->len < JOURNAL_LINE_MAX)
		wb_flush(w);
	return w->buf + w->len;
}

static void wb_line(struct wbuf *w, const char *p, size_t n)
{
	char *d = wb_room(w);

	memcpy(d, p, n);
	d[n] = '\n';
	w->len += n + 1;
	w->total += n + 1;
}

/* Opens path.tmp for a rewrite, with the journal's permissions.  Always
 * a new file (O_EXCL: whatever is planted under that name, link or not,
 * is removed, never opened). */
static int open_tmp(const struct jpaths *p, mode_t mode)
{
	if (unlink(p->tmp) < 0 && errno != ENOENT)
		return -errno;
	int fd = open(p->tmp, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);

	if (fd < 0)
		return -errno;
	if (fchmod(fd, mode) < 0) {
		int e = -errno;
		close(fd);
		unlink(p->tmp);
		return e;
	}
	return fd;
}

/* Flushes and fsyncs a finished temp file; on failure removes it. */
static int finish_tmp(const struct jpaths *p, struct wbuf *w)
{
	wb_flush(w);
	if (w->err == 0 && fsync(w->fd) < 0)
		w->err = -errno;
	if (w->err < 0) {
		close(w->fd);
		unlink(p->tmp);
	}
	return w->err;
}

/* The failover records of a rewrite, one per relationship. */
static void write_fo(struct wbuf *w, const struct foset *s)
{
	for (size_t i = 0; i < s->n && w->err == 0; i++) {
		char *d = wb_room(w);
		size_t n = journal_format_fo(d, JOURNAL_LINE_MAX, &s->v[i]);

		if (n == 0) {
			w->err = -EINVAL;	/* kept only after it formatted once */
			break;
		}
		w->len += n;
		w->total += n;
	}
}

static void write_records(struct wbuf *w, const struct foset *fo,
			  const struct lease *(*next)(void *arg), void *arg)
{
	const struct lease *rec;

	wb_line(w, JOURNAL_HEADER, HEADER_LEN);
	write_fo(w, fo);
	while (w->err == 0 && (rec = next(arg)) != NULL) {
		char *d = wb_room(w);
		size_t n = journal_format(d, JOURNAL_LINE_MAX, &rec->rec);

		if (n == 0) {
			w->err = -EINVAL;	/* never drop a lease silently */
			break;
		}
		w->len += n;
		w->total += n;
	}
}

/* First steps of every rewrite: sync the queue, then a write buffer and
 * path.tmp with the journal's permissions. */
static int compact_prepare(struct journal *j, struct wbuf *w)
{
	struct stat sb;
	int e;

	if (j->bg_fd >= 0 || j->old_fd >= 0)
		return -EBUSY;
	if ((e = journal_sync(j)) < 0)
		return e;
	if (fstat(j->fd, &sb) < 0)
		return -errno;
	if ((w->buf = malloc(WRITE_CHUNK)) == NULL)
		return -ENOMEM;
	if ((w->fd = open_tmp(&j->p, sb.st_mode & 07777)) < 0) {
		e = w->fd;
		free(w->buf);
		return e;
	}
	return 0;
}

/* Steps: sync the queue; write path.tmp; fsync it; rename it over path;
 * fsync the folder.  Before the rename the old file is untouched, after
 * it the new one is whole, so a crash anywhere leaves one whole file.
 * The temp file's own fd becomes the append fd: after the rename it *is*
 * the journal, so no reopen can fail once the rename is done. */
int journal_compact(struct journal *j,
		    const struct lease *(*next)(void *arg), void *arg)
{
	struct wbuf w = { .fd = -1 };
	int e;

	if ((e = compact_prepare(j, &w)) < 0)
		return e;
	write_records(&w, &j->fo, next, arg);
	e = finish_tmp(&j->p, &w);
	free(w.buf);
	if (e < 0)
		return e;
	if (rename(j->p.tmp, j->p.path) < 0) {
		e = -errno;
		close(w.fd);
		unlink(j->p.tmp);
		return e;
	}
	close(j->fd);
	j->fd = w.fd;
	j->durable = j->alloc_end = w.total;
	j->tail_checked = true;
	e = fsync_dir(j->p.dir);
	j->dir_pending = e < 0;	/* journal_sync() retries it first */
	return e;
}

/* Whether a salvaged line is good: 1 a lease, 2 a failover record, 0
 * the header, -1 dropped. */
static int salvage_kind(const struct rline *l, uint64_t lineno, struct pline *p)
{
	if (l->overlong)
		return -1;
	if (lineno == 1 && l->nl && l->len == HEADER_LEN &&
	    memcmp(l->p, JOURNAL_HEADER, HEADER_LEN) == 0)
		return 0;
	if (journal_line_is_fo(l->p, l->len))
		return journal_parse_fo(l->p, l->len, &p->fo, NULL, 0) == 0 ? 2 : -1;
	return journal_parse(l->p, l->len, &p->rec, &p->bufs, NULL, 0) == 0 ? 1 : -1;
}

/* The latest failover record of each relationship goes after the
 * leases; amnesic when a line was dropped, since it may have been a
 * lease we granted, so failover recovery waits out MCLT. */
static void salvage_fo(struct wbuf *w, struct foset *fo, uint64_t *kept, uint64_t dropped)
{
	for (size_t i = 0; i < fo->n; i++)
		fo->v[i].amnesic = fo->v[i].amnesic || dropped > 0;
	write_fo(w, fo);
	*kept += fo->n;
}

/* Copies every good line of in to the temp file.  *clean tells whether
 * nothing was dropped and the file ended on a newline. */
static int salvage_copy(int in, struct wbuf *w, uint64_t *kept, uint64_t *dropped,
			bool *clean)
{
	struct reader r = { .fd = in, .buf = malloc(READ_CHUNK) };
	struct pline *p = malloc(sizeof *p);
	struct foset fo = { NULL, 0 };
	struct rline l;
	uint64_t lineno = 0;
	int rc = -ENOMEM;

	if (r.buf == NULL || p == NULL || (rc = data_end(in, &r.limit)) < 0)
		goto out;
	*clean = true;
	wb_line(w, JOURNAL_HEADER, HEADER_LEN);
	while ((rc = reader_next(&r, &l)) == 1) {
		int kind = salvage_kind(&l, ++lineno, p);

		if (!l.nl)
			*clean = false;	/* kept if good, but rewritten with its newline */
		if (kind == 2 && foset_keep(&fo, &p->fo) < 0)
			kind = -1;	/* past JOURNAL_FO_MAX relationships */
		if (kind < 0) {
			(*dropped)++;
			*clean = false;
		} else if (kind == 1) {
			wb_line(w, l.p, l.len);
			(*kept)++;
		}
	}
	if (rc == 0)
		salvage_fo(w, &fo, kept, *dropped);
out:
	free(fo.v);
	free(p);
	free(r.buf);
	return rc;
}

/* Keeps the damaged original under a new name with link(), so path
 * names a whole journal at every moment. */
static int keep_damaged(const struct jpaths *p, char *err, size_t errlen)
{
	char name[PATH_MAX + 48];	/* make_paths() left room for the suffix */
	long long now = (long long)time(NULL);

	for (int i = 0; i < 100; i++) {
		if (i == 0)
			snprintf(name, sizeof name, "%s.damaged.%lld", p->path, now);
		else
			snprintf(name, sizeof name, "%s.damaged.%lld.%d", p->path, now, i);
		if (link(p->path, name) == 0)
			return 0;
		if (errno != EEXIST)
			break;
	}
	set_err(err, errlen, "journal %s: cannot keep the damaged file as %s: %s",
		p->path, name, strerror(errno));
	return -1;
}

static int salvage_swap(const struct jpaths *p, int tmpfd, char *err, size_t errlen)
{
	int e = -1;

	if (keep_damaged(p, err, errlen) < 0)
		unlink(p->tmp);
	else if (rename(p->tmp, p->path) < 0) {
		set_err(err, errlen, "journal %s: cannot put %s in place: %s",
			p->path, p->tmp, strerror(errno));
		unlink(p->tmp);
	} else if ((e = fsync_dir(p->dir)) < 0) {
		set_err(err, errlen, "journal %s: salvaged, but fsync of %s failed: %s",
			p->path, p->dir, strerror(-e));
	}
	close(tmpfd);
	return e < 0 ? -1 : 0;
}

static int salvage_locked(const struct jpaths *p, uint64_t *kept, uint64_t *dropped,
			  char *err, size_t errlen)
{
	struct wbuf w = { .fd = -1 };
	struct stat sb;
	bool clean = false;
	int in, e;

	char why[128];
	if ((in = open_here(p->path, O_RDONLY, 0, why, sizeof why)) < 0) {
		set_err(err, errlen, "journal %s: %s", p->path, why);
		return -1;
	}
	if (fstat(in, &sb) < 0) {
		set_err(err, errlen, "journal %s: %s", p->path, strerror(errno));
		close(in);
		return -1;
	}
	w.buf = malloc(WRITE_CHUNK);
	w.fd = w.buf != NULL ? open_tmp(p, sb.st_mode & 07777) : -ENOMEM;
	if (w.fd < 0) {
		set_err(err, errlen, "journal %s: %s: %s", p->path, p->tmp, strerror(-w.fd));
		free(w.buf);
		close(in);
		return -1;
	}
	e = salvage_copy(in, &w, kept, dropped, &clean);
	close(in);
	if (e < 0)
		w.err = e;
	e = finish_tmp(p, &w);
	free(w.buf);
	if (e < 0) {
		set_err(err, errlen, "journal %s: writing %s: %s", p->path, p->tmp, strerror(-e));
		return -1;
	}
	if (clean) {	/* nothing to mend: leave the original alone */
		close(w.fd);
		unlink(p->tmp);
		return 0;
	}
	return salvage_swap(p, w.fd, err, errlen);
}

int journal_salvage(const char *path, uint64_t *kept, uint64_t *dropped,
		    char *err, size_t errlen)
{
	struct jpaths *p = malloc(sizeof *p);
	int lock, rc = -1;

	*kept = 0;
	*dropped = 0;
	if (p == NULL) {
		set_err(err, errlen, "journal %s: out of memory", path);
		return -1;
	}
	if (make_paths(p, path) < 0) {
		set_err(err, errlen, "journal %s: path too long", path);
	} else if ((lock = take_lock(path, err, errlen)) >= 0) {
		if (unlink(p->tmp) < 0 && errno != ENOENT)
			set_err(err, errlen, "journal %s: cannot remove stale %s: %s",
				path, p->tmp, strerror(errno));
		else
			rc = salvage_locked(p, kept, dropped, err, errlen);
		close(lock);
	}
	free(p);
	return rc;
}

/* ---- Compaction in steps ----
 *
 * The same crash-safe steps as journal_compact(), cut into pieces the
 * event loop runs between turns, none long: journal_compact_poll()
 * writes the next SNAP_STEP leases of the live set to path.tmp; when the
 * walk is done it copies the lines appended to the old file since the
 * start after them (later lines win on replay), then fsyncs, renames and
 * fsyncs the folder.  A lease that changed during the walk is in the
 * copied lines, so the snapshot may see it in any state.  No fork: a
 * copy-on-write snapshot would cost the daemon a page fault per page it
 * touches afterwards, tens of ms at once with a large table. */
#define SNAP_STEP 2048

int journal_compact_start(struct journal *j,
			  const struct lease *(*next)(void *arg), void *arg)
{
	struct wbuf w = { .fd = -1 };
	int e;

	if ((e = compact_prepare(j, &w)) < 0)
		return e;
	wb_line(&w, JOURNAL_HEADER, HEADER_LEN);
	write_fo(&w, &j->fo);
	j->bg_fd = w.fd;
	j->bg_w = w;
	j->bg_next = next;
	j->bg_arg = arg;
	j->bg_base = j->durable;
	return 0;
}

/* Appends the old journal's bytes [from, to) to fd. */
static int copy_tail(int in, int fd, uint64_t from, uint64_t to)
{
	char buf[65536];
	while (from < to) {
		size_t want = to - from < sizeof buf ? (size_t)(to - from) : sizeof buf;
		ssize_t n = pread(in, buf, want, (off_t)from);
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		int e = write_all(fd, buf, (size_t)n);
		if (e < 0)
			return e;
		from += (uint64_t)n;
	}
	return 0;
}

static int compact_abort(struct journal *j, int e)
{
	free(j->bg_w.buf);
	j->bg_w.buf = NULL;
	close(j->bg_fd);
	unlink(j->p.tmp);
	j->bg_fd = -1;
	return e;
}

/* One step of the walk; true when it is done. */
static bool snap_step(struct journal *j)
{
	struct wbuf *w = &j->bg_w;
	const struct lease *rec;

	for (int i = 0; i < SNAP_STEP && w->err == 0; i++) {
		if ((rec = j->bg_next(j->bg_arg)) == NULL) {
			wb_flush(w);
			return true;
		}
		char *d = wb_room(w);
		size_t n = journal_format(d, JOURNAL_LINE_MAX, &rec->rec);
		if (n == 0)
			w->err = -EINVAL;	/* never drop a lease silently */
		w->len += n;
		w->total += n;
	}
	return w->err != 0;
}

/* After the walk, the appends made since the start are caught up in
 * steps of at most TAIL_STEP bytes, one per call, each step's writeback
 * started at once; the final step, under TAIL_LAST bytes, is the only
 * one that waits for an fsync.  Then the replaced file is released in
 * steps of FREE_STEP bytes. */
#define TAIL_STEP (1u << 20)
#define TAIL_LAST (256u << 10)
#define FREE_STEP (2u << 20)	/* of the old file, per call */

int journal_compact_poll(struct journal *j)
{
	int e;
	struct stat sb;

	if (j->old_fd >= 0) {
		j->old_size = j->old_size > FREE_STEP ? j->old_size - FREE_STEP : 0;
		if (j->old_size == 0 || ftruncate(j->old_fd, (off_t)j->old_size) < 0) {
			close(j->old_fd);
			j->old_fd = -1;
		}
		return 0;
	}
	if (j->bg_fd < 0)
		return 0;
	if (j->bg_w.buf) {
		bool done = snap_step(j);
		if (j->bg_w.err)
			return compact_abort(j, j->bg_w.err);
		(void)sync_file_range(j->bg_fd, 0, 0, SYNC_FILE_RANGE_WRITE);
		if (!done)
			return 0;
		free(j->bg_w.buf);
		j->bg_w.buf = NULL;
	}
	if (j->durable - j->bg_base > TAIL_LAST) {
		uint64_t to = j->durable - j->bg_base > TAIL_STEP ? j->bg_base + TAIL_STEP
								  : j->durable;
		if ((e = copy_tail(j->fd, j->bg_fd, j->bg_base, to)) < 0)
			return compact_abort(j, e);
		j->bg_base = to;
		(void)sync_file_range(j->bg_fd, 0, 0, SYNC_FILE_RANGE_WRITE);
		return 0;
	}
	if ((e = copy_tail(j->fd, j->bg_fd, j->bg_base, j->durable)) < 0 ||
	    (fsync(j->bg_fd) < 0 && (e = -errno)) || (fstat(j->bg_fd, &sb) < 0 && (e = -errno)))
		return compact_abort(j, e);
	if (rename(j->p.tmp, j->p.path) < 0)
		return compact_abort(j, -errno);
	j->old_fd = j->fd;
	j->old_size = j->durable;
	j->fd = j->bg_fd;
	j->bg_fd = -1;
	j->durable = j->alloc_end = (uint64_t)sb.st_size;
	j->tail_checked = true;
	e = fsync_dir(j->p.dir);
	j->dir_pending = e < 0;
	return e < 0 ? e : 1;
}

int journal_compact_timeout_ms(const struct journal *j)
{
	return journal_compacting(j) ? 0 : -1;
}

bool journal_compacting(const struct journal *j)
{
	return j->bg_fd >= 0 || j->old_fd >= 0;
}
