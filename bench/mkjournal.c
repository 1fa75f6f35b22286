/* mkjournal: writes a lease journal of N active leases for the replay
 * benchmark, with the daemon's own record formatter (journal_format), so
 * the file is exactly what duodhcpd would have written.
 *
 *   mkjournal PATH COUNT FIRST-ADDRESS [LEASE-SECONDS]
 *
 * Leases take consecutive addresses from FIRST-ADDRESS; every client has
 * its own chaddr, every other one a client identifier, every fourth one a
 * hostname.  No network use at all.
 *
 * Build: gcc -std=c17 -D_GNU_SOURCE -O2 -Isrc bench/mkjournal.c src/journal.c
 *        src/lease_state.c -o mkjournal */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "store/journal.h"
#include "core/lease.h"

#define MAX_COUNT 50000000ul

static void fill(struct lease *l, unsigned long i, uint32_t first, int64_t now, int64_t secs,
		uint8_t cid[7], char host[32])
{
	memset(l, 0, sizeof *l);
	l->addr = first + (uint32_t)i;
	l->state = LEASE_ACTIVE;
	l->htype = 1;
	l->hlen = 6;
	uint8_t hw[6] = { 0x02, 0x42, (uint8_t)(i >> 24), (uint8_t)(i >> 16), (uint8_t)(i >> 8),
			  (uint8_t)i };
	memcpy(l->hw, hw, 6);
	if (i % 2 == 0) {
		cid[0] = 1;
		memcpy(cid + 1, hw, 6);
		l->cid = cid;
		l->cid_len = 7;
	}
	if (i % 4 == 0) {
		snprintf(host, 32, "host-%lu", i);
		l->hostname = host;
	}
	/* Spread the ends so the expiry heap sees distinct keys. */
	l->start = now - (int64_t)(i % 600);
	l->end = l->start + secs;
	l->cltt = l->start;
}

int main(int argc, char **argv)
{
	if (argc < 4 || argc > 5) {
		fprintf(stderr, "usage: mkjournal PATH COUNT FIRST-ADDRESS [LEASE-SECONDS]\n");
		return 2;
	}
	char *end;
	unsigned long n = strtoul(argv[2], &end, 10);
	struct in_addr a;
	if (*end || n == 0 || n > MAX_COUNT || inet_pton(AF_INET, argv[3], &a) != 1) {
		fprintf(stderr, "mkjournal: bad COUNT (1..%lu) or FIRST-ADDRESS\n", MAX_COUNT);
		return 2;
	}
	long secs = argc == 5 ? strtol(argv[4], NULL, 10) : 86400;
	uint32_t first = ntohl(a.s_addr);
	if ((uint64_t)first + n > 0xffffffffull || secs <= 0) {
		fprintf(stderr, "mkjournal: the addresses run past 255.255.255.255\n");
		return 2;
	}
	FILE *f = fopen(argv[1], "wx");
	if (!f) {
		fprintf(stderr, "mkjournal: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	setvbuf(f, NULL, _IOFBF, 1 << 20);
	fputs("# duodhcp lease journal v1\n", f);
	int64_t now = time(NULL);
	char line[JOURNAL_LINE_MAX], host[32];
	uint8_t cid[7];
	for (unsigned long i = 0; i < n; i++) {
		struct lease l;
		fill(&l, i, first, now, secs, cid, host);
		size_t len = journal_format(line, sizeof line, &l);
		if (!len || fwrite(line, 1, len, f) != len) {
			fprintf(stderr, "mkjournal: record %lu: cannot format or write\n", i);
			fclose(f);
			return 1;
		}
	}
	if (fflush(f) != 0 || fsync(fileno(f)) != 0 || fclose(f) != 0) {
		fprintf(stderr, "mkjournal: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	return 0;
}
