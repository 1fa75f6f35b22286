/* The foreign lease file readers: ISC dhcpd.leases, Kea's lease4 CSV and
 * dnsmasq.leases, read into records; damage is reported with its line and
 * the reader goes on after it. */
#include <stdlib.h>
#include "t.h"
#include "core/record.h"
#include "import/leasefile.h"

#define NOW 1764860400	/* 2025-12-04 15:00:00 UTC */

static int rd(struct leasefile *lf, enum leasefile_format f, const char *text)
{
	int rc = leasefile_read(lf, f, text, strlen(text), NOW);

	for (size_t i = 0; i < lf->n; i++) {
		CHECK(record_valid(&lf->recs[i]));
		if (i)
			CHECK(lf->recs[i - 1].addr < lf->recs[i].addr);
	}
	return rc;
}

TEST(isc_basic)
{
	struct leasefile lf;
	const char *text =
		"lease 198.18.0.10 {\n"
		"  starts 4 2025/12/04 14:00:00;\n"
		"  ends 4 2025/12/04 16:00:00;\n"
		"  binding state active;\n"
		"  hardware ethernet 52:54:00:12:34:56;\n"
		"}\n";

	CHECK_EQ(rd(&lf, LEASEFILE_ISC, text), 0);
	CHECK_EQ(lf.n, 1);
	CHECK_EQ(lf.errors, 0);
	CHECK_EQ(lf.recs[0].addr, 0xc612000a);
	CHECK_EQ(lf.recs[0].state, LEASE_ACTIVE);
	CHECK_EQ(lf.recs[0].start, NOW - 3600);
	CHECK_EQ(lf.recs[0].end, NOW + 3600);
	CHECK_EQ(lf.recs[0].hlen, 6);
	leasefile_free(&lf);
}

T_RUN(T_CASE(isc_basic))
