/* duodhcpd: command line. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "conf/config.h"
#include "core/engine.h"
#include "store/journal.h"
#include "core/lease.h"
#include "daemon/server.h"
#include "common/text.h"
#include "failover/wire.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: duodhcpd -c FILE [-f] [-p PIDFILE]   serve\n"
		"       duodhcpd -c FILE -t                  check and print the configuration\n"
		"       duodhcpd -c FILE -t --peer-config PEERFILE\n"
		"                                            also check the two as a failover pair\n"
		"       duodhcpd -c FILE -L                  list the leases in the journal\n"
		"       duodhcpd -c FILE --salvage           keep the good records of a damaged journal\n"
		"  -f  stay in the foreground, log to stderr\n");
}

/* What -L collects: the leases, and the latest failover state of each
 * relationship (a few; the journal keeps at most JOURNAL_FO_MAX). */
struct listing {
	struct lease_table *t;
	struct store_fo_rec fo[JOURNAL_FO_MAX];
	size_t nfo;
};

static void list_one(void *arg, const struct lease_rec *l)
{
	struct listing *ls = arg;
	lease_upsert(ls->t, l);
}

static void list_fo(void *arg, const struct store_fo_rec *fo)
{
	struct listing *ls = arg;
	size_t i = 0;
	while (i < ls->nfo && strcmp(ls->fo[i].name, fo->name) != 0)
		i++;
	if (i == JOURNAL_FO_MAX)
		return;
	ls->fo[i] = *fo;
	if (i == ls->nfo)
		ls->nfo++;
}

static void utc(char out[32], uint32_t t)
{
	time_t e = (time_t)t;
	struct tm tm;
	gmtime_r(&e, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* As ISC's lease file shows it: "failover peer NAME state { my state
 * ...; partner state ...; }". */
static void print_fo(const struct store_fo_rec *fo)
{
	char my[32], peer[32];
	utc(my, fo->my_stos);
	utc(peer, fo->peer_stos);
	printf("failover \"%s\": my state %s since %s%s; partner state %s", fo->name,
	       fo_state_name(fo->my_state), my, fo->amnesic ? " (amnesic)" : "",
	       fo->peer_state ? fo_state_name(fo->peer_state) : "unknown");
	if (fo->peer_state)
		printf(" since %s", peer);
	printf("\n");
}

static int list_leases(const struct config *c)
{
	char err[512];
	struct journal_stats st = { 0 };
	struct listing *ls = calloc(1, sizeof *ls);
	struct lease_table *t = ls ? lease_table_new() : NULL;
	struct store_replay_cb cb = { .lease = list_one, .fo = list_fo, .arg = ls };
	if (t)
		ls->t = t;
	if (!t || journal_scan_cb(c->journal, &cb, &st, err, sizeof err) < 0) {
		fprintf(stderr, "duodhcpd: %s\n", t ? err : "out of memory");
		lease_table_free(t);
		free(ls);
		return 1;
	}
	int64_t now = time(NULL);
	lease_expire(t, now);
	printf("%-15s %-9s %-17s %-20s %-20s %s\n", "ADDRESS", "STATE", "HARDWARE", "CLIENT-ID",
	       "HOSTNAME", "END");
	for (struct lease *l = lease_next(t, NULL); l; l = lease_next(t, l)) {
		char hw[49], cid[2 * LEASE_CID_MAX + 1] = "-", end[32];
		engine_hw_str(hw, l->htype, l->hw, l->hlen);
		for (size_t i = 0; i < l->cid_len && i < 40; i++)
			sprintf(cid + 2 * i, "%02x", l->cid[i]);
		time_t e = (time_t)l->end;
		struct tm tm;
		gmtime_r(&e, &tm);
		strftime(end, sizeof end, "%Y-%m-%dT%H:%M:%SZ", &tm);
		char addr[TEXT_IP4_LEN];
		text_ip4(l->addr, addr);
		printf("%-15s %-9s %-17s %-20s %-20s %s\n", addr,
		       lease_state_name(l->state), hw[0] ? hw : "-", cid,
		       l->hostname ? l->hostname : "-", end);
	}
	for (size_t i = 0; i < ls->nfo; i++)
		print_fo(&ls->fo[i]);
	if (st.torn_bytes)
		fprintf(stderr, "duodhcpd: journal has a torn last record (%" PRIu64 " bytes)\n",
			st.torn_bytes);
	lease_table_free(t);
	free(ls);
	return 0;
}

static int salvage(const struct config *c)
{
	char err[512];
	uint64_t kept = 0, dropped = 0;
	if (journal_salvage(c->journal, &kept, &dropped, err, sizeof err) < 0) {
		fprintf(stderr, "duodhcpd: %s\n", err);
		return 1;
	}
	printf("journal %s salvaged: %" PRIu64 " records kept, %" PRIu64 " dropped\n",
	       c->journal, kept, dropped);
	return 0;
}

/* -t --peer-config: the partner's file must load, and the two must agree
 * as a failover pair (roles, name, addresses, ports, pools). */
static int check_pair(const struct config *c, const char *peer_path)
{
	struct config *peer = config_load(peer_path, stderr);
	int n;

	if (!peer)
		return 1;
	n = config_failover_pair(c, peer, stderr);
	config_free(peer);
	if (n == 0)
		fprintf(stderr, "duodhcpd: %s and %s agree as a failover pair\n", c->path, peer_path);
	return n ? 1 : 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "salvage", no_argument, NULL, 'S' },
		{ "peer-config", required_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct server_opts o = { .config_path = NULL };
	const char *peer_path = NULL;
	char mode = 0;
	int ch;
	while ((ch = getopt_long(argc, argv, "c:fp:tLh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c': o.config_path = optarg; break;
		case 'f': o.foreground = true; break;
		case 'p': o.pid_file = optarg; break;
		case 't': case 'L': case 'S': mode = (char)ch; break;
		case 'P': peer_path = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (!o.config_path || optind != argc || (peer_path && mode != 't')) {
		usage(stderr);
		return 2;
	}
	if (!mode)
		return server_run(&o);
	struct config *c = config_load(o.config_path, stderr);
	if (!c)
		return 1;
	int rc = 0;
	if (mode == 't') {
		config_print(c, stdout);
		if (peer_path)
			rc = check_pair(c, peer_path);
	}
	else if (mode == 'L')
		rc = list_leases(c);
	else
		rc = salvage(c);
	config_free(c);
	return rc;
}
