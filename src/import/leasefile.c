/* Lease files of other servers: format names, the guess, and the reading
 * (each format's reader, then the result built by lease_build.c). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "common/text.h"
#include "core/record.h"
#include "import/lease_readers.h"

static const char *const format_names[] = {
	[LEASEFILE_ISC] = "isc", [LEASEFILE_KEA] = "kea", [LEASEFILE_DNSMASQ] = "dnsmasq",
};

const char *leasefile_format_name(enum leasefile_format f)
{
	if (f < LEASEFILE_ISC || f > LEASEFILE_DNSMASQ)
		return "unknown";
	return format_names[f];
}

enum leasefile_format leasefile_format_parse(const char *name)
{
	for (int f = LEASEFILE_ISC; f <= LEASEFILE_DNSMASQ; f++)
		if (name && strcmp(name, format_names[f]) == 0)
			return (enum leasefile_format)f;
	return 0;
}

/* ---- Shared text helpers ---- */

int leasefile_read(struct leasefile *lf, enum leasefile_format f, const char *buf,
		   size_t len, int64_t now)
{
	struct lf_build b = { .lf = lf, .now = now };

	*lf = (struct leasefile){ 0 };
	switch (f) {
	case LEASEFILE_ISC:
		lf_read_isc(&b, buf, len);
		break;
	case LEASEFILE_KEA:
		lf_read_kea(&b, buf, len);
		break;
	case LEASEFILE_DNSMASQ:
		lf_read_dnsmasq(&b, buf, len);
		break;
	default:
		lf_note(&b, 0, LEASEFILE_ERROR, 0, "unknown lease file format");
		break;
	}
	if (lf_finish(&b) < 0) {
		leasefile_free(lf);
		return -1;
	}
	return 0;
}

void leasefile_free(struct leasefile *lf)
{
	for (size_t i = 0; i < lf->n; i++)
		record_clear(&lf->recs[i]);
	free(lf->recs);
	free(lf->notes);
	free(lf->fo);
	*lf = (struct leasefile){ 0 };
}

/* ---- The guess ---- */

static bool starts_with(const char *p, size_t n, const char *w)
{
	size_t k = strlen(w);

	return n >= k && memcmp(p, w, k) == 0;
}

/* One line of a dnsmasq file: "EXPIRY MAC IP ..." or "duid ...". */
static bool dnsmasq_like(const char *p, size_t n)
{
	uint64_t x;
	size_t sp = 0;

	if (starts_with(p, n, "duid "))
		return true;
	while (sp < n && p[sp] != ' ')
		sp++;
	return sp < n && lf_uint(p, sp, UINT64_MAX, &x);
}

static const char *const isc_starts[] = {
	"lease ", "authoring-byte-order", "server-duid", "failover ", "host ",
	"lease6 ", "ia-na ", "ia-ta ", "ia-pd ", "class ", "subclass ",
};

enum leasefile_format leasefile_guess(const char *buf, size_t len)
{
	struct lf_lines c = lf_lines_init(buf, len < 65536 ? len : 65536);
	const char *p;
	size_t n;

	while (lf_next_line(&c, &p, &n)) {
		if (n == 0 || !p)	/* never NULL; gcc -fsanitize cannot tell */
			continue;
		if (p[0] == '#') {
			if (memmem(p, n, "dhcpd.leases", 12) || memmem(p, n, "isc-dhcp", 8))
				return LEASEFILE_ISC;
			continue;
		}
		if (starts_with(p, n, "address,hwaddr,"))
			return LEASEFILE_KEA;
		for (size_t i = 0; i < sizeof isc_starts / sizeof isc_starts[0]; i++)
			if (starts_with(p, n, isc_starts[i]))
				return LEASEFILE_ISC;
		return dnsmasq_like(p, n) ? LEASEFILE_DNSMASQ : 0;
	}
	return 0;
}
