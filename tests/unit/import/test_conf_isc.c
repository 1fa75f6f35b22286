/* dhcpd.conf into dhcpsrv.ini: snippets translated, the ini text and the
 * notes (with their lines) checked, and every output loaded through our
 * own config parser. */
#include <stdlib.h>
#include <string.h>

#include "conf/config.h"
#include "import/confxlat.h"
#include "t.h"

static int tr(struct xlat *x, const char *conf, uint32_t bind)
{
	xlat_init(x);
	if (bind)
		x->binds[x->nbinds++] = bind;
	return xlat_isc(x, "t.conf", conf, strlen(conf));
}

static bool has(const struct xlat *x, const char *line)
{
	return x->out && strstr(x->out, line) != NULL;
}

/* The note of a line, or NULL. */
static const struct xlat_note *note_at(const struct xlat *x, unsigned line)
{
	for (size_t i = 0; i < x->nnotes; i++)
		if (x->notes[i].line == line)
			return &x->notes[i];
	return NULL;
}

/* The reason of a line's note, "" when it has none. */
static const char *why_at(const struct xlat *x, unsigned line)
{
	const struct xlat_note *n = note_at(x, line);
	return n ? n->why : "";
}

/* The statement of a line's note, "" when it has none. */
static const char *where_at(const struct xlat *x, unsigned line)
{
	const struct xlat_note *n = note_at(x, line);
	return n ? n->where : "";
}

/* Notes of statements not translated (not the XLAT_INFO ones). */
static size_t untranslated(const struct xlat *x)
{
	size_t n = 0;
	for (size_t i = 0; i < x->nnotes; i++)
		n += x->notes[i].kind != XLAT_INFO;
	return n;
}

static bool loads(const struct xlat *x)
{
	struct config *c = config_parse("out.ini", x->out, x->len, stderr);
	config_free(c);
	return c != NULL;
}

#define IP(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))

static const char basic[] =
	"# the usual head of a dhcpd.conf\n"
	"option domain-name \"example.org\";\n"
	"option domain-name-servers 198.18.0.1, 198.18.0.2;\n"
	"default-lease-time 600;\n"
	"max-lease-time 7200;\n"
	"ddns-update-style none;\n"
	"authoritative;\n"
	"subnet 198.18.0.0 netmask 255.255.255.0 {\n"
	"  range 198.18.0.10 198.18.0.20;\n"
	"  option routers 198.18.0.1;\n"
	"  option interface-mtu 1400;\n"
	"}\n"
	"host fantasia {\n"
	"  hardware ethernet 08:00:07:26:c0:a5;\n"
	"  fixed-address 198.18.0.50;\n"
	"  option host-name \"fantasia\";\n"
	"}\n";

TEST(basic_global_subnet_host)
{
	struct xlat x;
	CHECK_EQ(tr(&x, basic, 0), 0);
	CHECK(has(&x, "LEASETIME=600\n"));
	CHECK(has(&x, "MaxLeaseTime=7200\n"));
	CHECK(has(&x, "OPTION_15=string:example.org\n"));
	CHECK(has(&x, "OPTION_6=ips:198.18.0.1,198.18.0.2\n"));
	CHECK(has(&x, "[DUODHCP]\nAuthoritative=1\n"));
	CHECK(has(&x, "[SUBNET:198.18.0.0/24]\n"));
	CHECK(has(&x, "OPTION_3=ips:198.18.0.1\n"));
	CHECK(has(&x, "OPTION_26=u16:1400\n"));
	CHECK(has(&x, "IPPOOL_1=198.18.0.10-198.18.0.20\n"));
	CHECK(has(&x, "[08-00-07-26-c0-a5]\n"));
	CHECK(has(&x, "IPADDR=198.18.0.50\n"));
	CHECK(has(&x, "Hostname=\"fantasia\"\n"));
	CHECK(!has(&x, "IPBIND"));
	/* ddns-update-style none: a harmless note on its line. */
	CHECK_EQ(untranslated(&x), 1);
	/* The subnet without a --bind address in it is served through relays. */
	CHECK(note_at(&x, 8) && note_at(&x, 8)->kind == XLAT_INFO);
	const struct xlat_note *n = note_at(&x, 6);
	CHECK(n && n->kind == XLAT_HARMLESS);
	CHECK(loads(&x));
	xlat_free(&x);
}

TEST(bind_makes_a_direct_link)
{
	struct xlat x;
	CHECK_EQ(tr(&x, basic, IP(198, 18, 0, 1)), 0);
	CHECK(has(&x, "[Settings]\nIPBIND_1=198.18.0.1\n"));
	CHECK(has(&x, "SUBNETMASK=255.255.255.0\n"));
	CHECK(has(&x, "directly attached"));
	CHECK(note_at(&x, 8) == NULL);
	CHECK(loads(&x));
	xlat_free(&x);
	/* An address in no subnet changes nothing. */
	CHECK_EQ(tr(&x, basic, IP(198, 19, 0, 1)), 0);
	CHECK(!has(&x, "IPBIND"));
	CHECK(loads(&x));
	xlat_free(&x);
}

TEST(notes_name_their_lines)
{
	static const char conf[] =
		"subnet 198.18.4.0 netmask 255.255.255.0 {\n"
		"  range 198.18.4.10 198.18.4.20;\n"
		"}\n"
		"class \"phones\" {\n"
		"  match if substring(option vendor-class-identifier, 0, 4) = \"SIP/\";\n"
		"}\n"
		"include \"/etc/dhcp/more.conf\";\n"
		"log-facility local7;\n"
		"on commit { set x = 1; }\n"
		"option foo-bar 1;\n"
		"option dhcp-server-identifier 198.18.4.1;\n";
	struct xlat x;
	CHECK_EQ(tr(&x, conf, 0), 0);
	CHECK(note_at(&x, 4) && note_at(&x, 4)->kind == XLAT_LOST);
	CHECK(strstr(where_at(&x, 4), "class \"phones\"") == where_at(&x, 4));
	CHECK(strstr(why_at(&x, 7), "included"));
	CHECK(note_at(&x, 8) && note_at(&x, 8)->kind == XLAT_HARMLESS);
	CHECK(note_at(&x, 9) && note_at(&x, 9)->kind == XLAT_LOST);
	CHECK(strstr(why_at(&x, 10), "does not know"));
	CHECK(strstr(why_at(&x, 11), "server identifier"));
	CHECK_EQ(untranslated(&x), 6);
	for (size_t i = 1; i < x.nnotes; i++)
		CHECK(x.notes[i - 1].line <= x.notes[i].line);
	CHECK(loads(&x));
	xlat_free(&x);
}

TEST(failover_peer_and_pools)
{
	static const char conf[] =
		"failover peer \"dhcp-fo\" {\n"
		"  primary;\n"
		"  address 198.18.0.1;\n"
		"  port 647;\n"
		"  peer address 198.18.0.2;\n"
		"  peer port 847;\n"
		"  max-response-delay 60;\n"
		"  max-unacked-updates 10;\n"
		"  mclt 3600;\n"
		"  split 128;\n"
		"  load balance max seconds 3;\n"
		"  auto-partner-down 600;\n"
		"  max-lease-misbalance 15;\n"
		"}\n"
		"subnet 198.18.0.0 netmask 255.255.255.0 {\n"
		"  pool {\n"
		"    failover peer \"dhcp-fo\";\n"
		"    range 198.18.0.1 198.18.0.100;\n"
		"  }\n"
		"}\n";
	struct xlat x;
	CHECK_EQ(tr(&x, conf, 0), 0);
	CHECK(has(&x, "[FAILOVER]\nRole=primary\nName=\"dhcp-fo\"\nAddress=198.18.0.1\n"
		  "PeerAddress=198.18.0.2\nPort=647\nPeerPort=847\nMCLT=3600\nSplit=128\n"
		  "MaxResponseDelay=60\nMaxUnackedUpdates=10\nLoadBalanceMaxSeconds=3\n"
		  "AutoPartnerDown=600\nPools=198.18.0.0/24\n"));
	/* Our own failover address is taken out of the range. */
	CHECK(has(&x, "IPPOOL_1=198.18.0.2-198.18.0.100\n") ||
	      has(&x, "IPPOOL_1=198.18.0.3-198.18.0.100\n"));
	CHECK(note_at(&x, 13) != NULL);
	CHECK(loads(&x));
	xlat_free(&x);
}

TEST(failover_secondary_without_mclt)
{
	static const char conf[] =
		"failover peer \"p\" { secondary; address 198.18.0.2; peer address 198.18.0.1; }\n"
		"subnet 198.18.0.0 netmask 255.255.255.0 {\n"
		"  pool { failover peer \"p\"; range 198.18.0.10 198.18.0.100; }\n"
		"}\n";
	struct xlat x;
	CHECK_EQ(tr(&x, conf, 0), 0);
	CHECK(has(&x, "Role=secondary\n"));
	CHECK(!has(&x, "MCLT"));
	CHECK(loads(&x));
	xlat_free(&x);
}

TEST(shared_network_and_pool_options)
{
	static const char conf[] =
		"shared-network \"office 1\" {\n"
		"  option domain-name \"office.example\";\n"
		"  subnet 198.18.0.0 netmask 255.255.255.0 { option routers 198.18.0.1; }\n"
		"  subnet 198.18.1.0 netmask 255.255.255.0 { option routers 198.18.1.1; }\n"
		"  pool {\n"
		"    range 198.18.1.10 198.18.1.20;\n"
		"    option ntp-servers 198.18.1.3;\n"
		"    next-server 198.18.1.4;\n"
		"    filename \"boot.efi\";\n"
		"  }\n"
		"}\n";
	struct xlat x;
	CHECK_EQ(tr(&x, conf, 0), 0);
	CHECK(has(&x, "SharedNetwork=office_1\n"));
	CHECK(has(&x, "[SUBNET:198.18.1.0/24]\n"));
	CHECK(has(&x, "IPPOOL_1=198.18.1.10-198.18.1.20\nPOOL_1.NEXTSERVER=198.18.1.4\n"
		  "POOL_1.BOOTFILE=\"boot.efi\"\nPOOL_1.OPTION_42=ips:198.18.1.3\n"));
	CHECK(has(&x, "OPTION_15=string:office.example\nOPTION_3=ips:198.18.1.1\n"));
	CHECK(loads(&x));
	xlat_free(&x);
}

TEST(option_definitions)
{
	static const char conf[] =
		"option foo code 224 = { ip-address, unsigned integer 16, text };\n"
		"option rfc3442-classless-static-routes code 121 = array of integer 8;\n"
		"option ip6 code 225 = ip6-address;\n"
		"option foo 198.18.0.5 1500 \"pxe\";\n"
		"option rfc3442-classless-static-routes 24, 198, 18, 5, 198, 18, 0, 1;\n"
		"option domain-search \"example.com\", \"example.org\";\n"
		"option vendor-encapsulated-options 01:04:c6:12:00:01;\n"
		"subnet 198.18.0.0 netmask 255.255.255.0 { range 198.18.0.10 198.18.0.20; }\n";
	struct xlat x;
	CHECK_EQ(tr(&x, conf, 0), 0);
	CHECK(has(&x, "OPTIONDEF_224=record ip, u16, string\n"));
	CHECK(has(&x, "OPTION_224=198.18.0.5, 1500, pxe\n"));
	CHECK(has(&x, "OPTION_121=routes:198.18.5.0/24 198.18.0.1\n"));
	CHECK(has(&x, "OPTION_119=hex:07:65:78:61:6d:70:6c:65:03:63:6f:6d:00:07:"));
	CHECK(has(&x, "OPTION_43=hex:01:04:c6:12:00:01\n"));
	CHECK(!has(&x, "OPTIONDEF_121"));
	CHECK(note_at(&x, 3) != NULL);	/* ip6-address */
	CHECK(loads(&x));
	xlat_free(&x);
}

TEST(values_our_parser_refuses_are_notes)
{
	static const char conf[] =
		"subnet 198.18.0.0 netmask 255.255.255.0 {\n"
		"  range 198.18.0.10 198.18.0.20;\n"
		"  option interface-mtu 20;\n"
		"  option routers gw.example.org;\n"
		"  option subnet-mask 255.255.0.0;\n"
		"  range 198.18.0.15 198.18.0.30;\n"
		"  range 198.18.9.1 198.18.9.5;\n"
		"}\n"
		"host h1 { hardware ethernet 00:11:22:33:44:55; fixed-address 198.18.7.1; }\n"
		"host h2 { hardware ethernet 00:11:22:33:44:55; fixed-address 198.18.0.60; }\n";
	struct xlat x;
	CHECK_EQ(tr(&x, conf, 0), 0);
	CHECK(strstr(why_at(&x, 3), "at least 68"));
	CHECK(strstr(why_at(&x, 4), "host name"));
	CHECK(note_at(&x, 5) && note_at(&x, 5)->kind == XLAT_LOST);
	CHECK(strstr(why_at(&x, 6), "overlaps"));
	CHECK(strstr(why_at(&x, 7), "not inside"));
	CHECK(strstr(why_at(&x, 9), "no subnet"));
	CHECK(strstr(why_at(&x, 10), "same client"));
	CHECK(!has(&x, "OPTION_26"));
	CHECK(!has(&x, "198.18.0.60"));
	CHECK(loads(&x));
	xlat_free(&x);
}

TEST(client_identifier_host)
{
	static const char conf[] =
		"subnet 198.18.0.0 netmask 255.255.255.0 { }\n"
		"host pc { option dhcp-client-identifier 1:0:11:22:33:44:55;\n"
		"  fixed-address 198.18.0.7; default-lease-time 300; }\n";
	struct xlat x;
	CHECK_EQ(tr(&x, conf, 0), 0);
	CHECK(has(&x, "[CLIENTID:01:00:11:22:33:44:55]\nIPADDR=198.18.0.7\n") ||
	      has(&x, "[CLIENTID:01:00:11:22:33:44:55]\n; t.conf:2: host pc\nIPADDR=198.18.0.7\n"));
	CHECK(has(&x, "LEASETIME=300\n"));
	CHECK(loads(&x));
	xlat_free(&x);
}

TEST(host_lease_within_bounds)
{
	static const char conf[] =
		"max-lease-time 7200;\n"
		"min-lease-time 300;\n"
		"subnet 198.18.0.0 netmask 255.255.255.0 { range 198.18.0.10 198.18.0.20; }\n"
		"host a { hardware ethernet 00:11:22:33:44:55; default-lease-time 90000; }\n"
		"host b { hardware ethernet 00:11:22:33:44:56; default-lease-time 10;\n"
		"  max-lease-time 20; }\n"
		"subnet 198.18.1.0 netmask 255.255.255.0 {\n"
		"  pool { range 198.18.1.10 198.18.1.20; option dhcp-renewal-time 60; }\n"
		"}\n";
	struct xlat x;
	CHECK_EQ(tr(&x, conf, 0), 0);
	/* dhcpd's default (43200) is cut to the maximum, as dhcpd does. */
	CHECK(has(&x, "LEASETIME=7200\nMaxLeaseTime=7200\nMinLeaseTime=300\n"));
	CHECK(has(&x, "; t.conf:4: host a\n\n["));
	CHECK(has(&x, "; t.conf:5: host b\nLEASETIME=300\n"));
	CHECK(strstr(why_at(&x, 6), "only LEASETIME") != NULL);
	CHECK(strstr(why_at(&x, 8), "subnet or globally") != NULL);
	CHECK(!has(&x, "T1="));
	CHECK(loads(&x));
	xlat_free(&x);
}

TEST(access_statements)
{
	static const char conf[] =
		"allow unknown-clients;\n"
		"subnet 198.18.0.0 netmask 255.255.255.0 {\n"
		"  pool { deny dynamic bootp clients; range 198.18.0.10 198.18.0.20; }\n"
		"  pool { deny unknown-clients; range 198.18.0.30 198.18.0.40; }\n"
		"  range dynamic-bootp 198.18.0.50 198.18.0.60;\n"
		"}\n";
	struct xlat x;
	CHECK_EQ(tr(&x, conf, 0), 0);
	CHECK(note_at(&x, 1) && note_at(&x, 1)->kind == XLAT_HARMLESS);
	CHECK(note_at(&x, 3) && note_at(&x, 3)->kind == XLAT_HARMLESS);
	CHECK(note_at(&x, 4) && note_at(&x, 4)->kind == XLAT_LOST);
	CHECK(strstr(why_at(&x, 5), "not BOOTP") != NULL);
	CHECK(has(&x, "IPPOOL_1=198.18.0.50-198.18.0.60\n"));
	CHECK(loads(&x));
	xlat_free(&x);
}

TEST(syntax_errors_name_the_line)
{
	static const struct {
		const char *conf;
		unsigned line;
		const char *why;
	} v[] = {
		{ "option domain-name \"x;\n\n", 1, "not terminated" },
		{ "subnet 198.18.0.0 netmask 255.255.255.0 {\n range 198.18.0.1 198.18.0.2\n}\n", 2,
		  "no ';'" },
		{ "\n\n}\n", 3, "without a '{'" },
		{ "subnet 198.18.0.0 netmask 255.255.255.0 {\n", 1, "not closed" },
		{ "authoritative;\n", 0, "no subnet" },
		{ "option x \x01;\n", 1, "unexpected byte" },
	};
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		struct xlat x;
		CHECK_EQ(tr(&x, v[i].conf, 0), 1);
		CHECK_EQ(x.err_line, v[i].line);
		CHECK(strstr(x.err, v[i].why) != NULL);
		xlat_free(&x);
	}
}

TEST(guess_format)
{
	CHECK_STR(xlat_guess("{ \"Dhcp4\": {} }", 15), "kea");
	CHECK_STR(xlat_guess("// c\n{\n\"Dhcp4\": {}}", 20), "kea");
	CHECK_STR(xlat_guess("subnet 1.2.3.0 netmask 255.255.255.0 { }", 40), "isc");
	CHECK_STR(xlat_guess("{ \"Dhcp6\": {} }", 15), "isc");
}

T_RUN(T_CASE(basic_global_subnet_host), T_CASE(bind_makes_a_direct_link),
      T_CASE(notes_name_their_lines), T_CASE(failover_peer_and_pools),
      T_CASE(failover_secondary_without_mclt), T_CASE(shared_network_and_pool_options),
      T_CASE(option_definitions), T_CASE(values_our_parser_refuses_are_notes),
      T_CASE(client_identifier_host), T_CASE(host_lease_within_bounds), T_CASE(access_statements),
      T_CASE(syntax_errors_name_the_line),
      T_CASE(guess_format))
