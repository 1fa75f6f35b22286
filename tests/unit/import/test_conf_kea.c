/* Kea's kea-dhcp4.conf into dhcpsrv.ini: each translated output is loaded
 * by our own parser and the configuration it gives is checked (subnets,
 * pools, options, reservations, classes, failover); what is not
 * translated must be a note with its JSON path and line. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf/config.h"
#include "import/confxlat.h"
#include "t.h"

#define IP(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))

/* Translates text with the server at bind (0: none) and parses the
 * output; NULL (and the output on stderr) when either fails. */
static struct config *load(struct xlat *x, const char *text, uint32_t bind)
{
	xlat_init(x);
	if (bind)
		x->binds[x->nbinds++] = bind;
	int rc = xlat_kea(x, "kea.conf", text, strlen(text));
	if (rc != 0) {
		fprintf(stderr, "xlat_kea: %d: %u: %s\n", rc, x->err_line, x->err);
		return NULL;
	}
	struct config *c = config_parse("out.ini", x->out, x->len, stderr);
	if (!c)
		fprintf(stderr, "---\n%s---\n", x->out);
	return c;
}

/* The note whose where is path, or NULL. */
static const struct xlat_note *note_at(const struct xlat *x, const char *path)
{
	for (size_t i = 0; i < x->nnotes; i++)
		if (!strcmp(x->notes[i].where, path))
			return &x->notes[i];
	return NULL;
}

static const struct cfg_opt *opt(const struct cfg_optset *os, uint8_t code)
{
	for (size_t i = 0; i < os->n; i++)
		if (os->v[i].code == code)
			return &os->v[i];
	return NULL;
}

static const char single[] =
	"// Kea's single-subnet example, in 198.18.0.0/15\n"
	"{ \"Dhcp4\": {\n"
	"  # a shell comment\n"
	"  \"interfaces-config\": { \"interfaces\": [ \"eth0\" ] },\n"
	"  \"valid-lifetime\": 4000, /* block\n"
	"     comment */\n"
	"  \"renew-timer\": 1000, \"rebind-timer\": 2000,\n"
	"  \"option-data\": [ { \"name\": \"domain-name-servers\", \"data\": \"198.18.0.1, 198.18.0.2\" } ],\n"
	"  \"subnet4\": [ {\n"
	"    \"subnet\": \"198.18.0.0/24\",\n"
	"    \"pools\": [ { \"pool\": \"198.18.0.1 - 198.18.0.200\" } ],\n"
	"    \"interface\": \"eth0\",\n"
	"    \"option-data\": [ { \"name\": \"routers\", \"data\": \"198.18.0.1\" },\n"
	"                     { \"code\": 15, \"data\": \"lan.example\" } ]\n"
	"  } ]\n"
	"} }\n";

TEST(single_subnet_direct)
{
	struct xlat x;
	struct config *c = load(&x, single, IP(198, 18, 0, 1));
	CHECK(c != NULL);
	if (c) {
		CHECK_EQ(c->nsubnets, 1);
		const struct cfg_subnet *s = &c->subnets[0];
		CHECK_EQ(s->bind_addr, IP(198, 18, 0, 1));
		CHECK(!s->relayed);
		CHECK_EQ(s->lease_time, 4000);
		CHECK_EQ(s->t1, 1000);
		CHECK_EQ(s->t2, 2000);
		/* The bind address .1 is left out of the pool. */
		CHECK_EQ(s->nranges, 1);
		CHECK_EQ(s->ranges[0].last, IP(198, 18, 0, 200));
		const struct cfg_opt *o = opt(&s->opts, 6);
		CHECK(o && o->len == 8 && o->data[3] == 1 && o->data[7] == 2);
		o = opt(&s->opts, 3);
		CHECK(o && o->len == 4 && o->data[3] == 1);
		o = opt(&s->opts, 15);
		CHECK(o && o->len == 11 && !memcmp(o->data, "lan.example", 11));
		config_free(c);
	}
	/* The interfaces-config note is on its line, counted through comments. */
	const struct xlat_note *n = note_at(&x, "Dhcp4/interfaces-config");
	CHECK(n && n->line == 4 && n->kind == XLAT_HARMLESS);
	xlat_free(&x);
}

TEST(single_subnet_without_bind_is_relayed)
{
	struct xlat x;
	struct config *c = load(&x, single, 0);
	CHECK(c && c->subnets[0].relayed);
	const struct xlat_note *n = note_at(&x, "Dhcp4/subnet4[0]");
	CHECK(n && n->line == 9 && n->kind == XLAT_INFO && strstr(n->why, "eth0"));
	config_free(c);
	xlat_free(&x);
}

TEST(interface_address_is_a_bind)
{
	static const char t[] =
		"{ \"Dhcp4\": { \"interfaces-config\": { \"interfaces\": [ \"eth1/198.18.4.1\" ] },\n"
		"\"subnet4\": [ { \"subnet\": \"198.18.4.0/24\", \"pools\": [ { \"pool\": \"198.18.4.0/25\" } ] } ] } }";
	struct xlat x;
	struct config *c = load(&x, t, 0);
	CHECK(c && c->subnets[0].bind_addr == IP(198, 18, 4, 1));
	/* "A/len" covering the network address is cut to leave it out. */
	CHECK(c && c->subnets[0].ranges[0].first == IP(198, 18, 4, 2));
	CHECK(c && c->subnets[0].ranges[0].last == IP(198, 18, 4, 127));
	config_free(c);
	xlat_free(&x);
}

TEST(json_error_names_line)
{
	static const char t[] = "// c\n{ \"Dhcp4\": {\n  \"subnet4\": [ ,\n] } }\n";
	struct xlat x;
	xlat_init(&x);
	CHECK_EQ(xlat_kea(&x, "kea.conf", t, strlen(t)), 1);
	CHECK_EQ(x.err_line, 3);
	CHECK(strstr(x.err, "JSON") != NULL);
	xlat_free(&x);

	xlat_init(&x);
	static const char u[] = "{ \"Dhcp6\": { } }";
	CHECK_EQ(xlat_kea(&x, "kea.conf", u, strlen(u)), 1);
	xlat_free(&x);

	xlat_init(&x);
	static const char v[] = "{ \"Dhcp4\": {\n<?include \"subnets.json\"?>\n } }";
	CHECK_EQ(xlat_kea(&x, "kea.conf", v, strlen(v)), 1);
	CHECK_EQ(x.err_line, 2);
	CHECK(strstr(x.err, "subnets.json") != NULL);
	xlat_free(&x);

	xlat_init(&x);
	static const char w[] = "{ \"Dhcp4\": { \"subnet4\": [ ] } }";
	CHECK_EQ(xlat_kea(&x, "kea.conf", w, strlen(w)), 1);
	xlat_free(&x);
}

static const char resv[] =
	"{ \"Dhcp4\": {\n"
	"\"subnet4\": [ { \"subnet\": \"198.18.0.0/24\",\n"
	"  \"pools\": [ { \"pool\": \"198.18.0.10 - 198.18.0.100\" } ],\n"
	"  \"reservations\": [\n"
	"    { \"hw-address\": \"1a:1b:1c:1d:1e:1f\", \"ip-address\": \"198.18.0.201\" },\n"
	"    { \"client-id\": \"01:11:22:33:44:55:66\", \"ip-address\": \"198.18.0.202\",\n"
	"      \"hostname\": \"special-snowflake\" },\n"
	"    { \"duid\": \"01:02:03:04:05\", \"ip-address\": \"198.18.0.203\" },\n"
	"    { \"client-id\": \"01:0a:0b:0c:0d:0e:0f\", \"ip-address\": \"198.18.0.205\",\n"
	"      \"next-server\": \"198.18.0.1\", \"server-hostname\": \"hal9000\",\n"
	"      \"boot-file-name\": \"/dev/null\",\n"
	"      \"option-data\": [ { \"name\": \"domain-name-servers\", \"data\": \"198.18.1.202\" } ] },\n"
	"    { \"hw-address\": \"1a:1b:1c:1d:1e:1f\", \"ip-address\": \"198.18.0.206\" },\n"
	"    { \"hw-address\": \"2a:1b:1c:1d:1e:1f\", \"ip-address\": \"198.18.7.1\" }\n"
	"  ] } ],\n"
	"\"reservations\": [ { \"hw-address\": \"3a:1b:1c:1d:1e:1f\", \"ip-address\": \"198.18.0.210\" } ]\n"
	"} }\n";

TEST(reservations)
{
	struct xlat x;
	struct config *c = load(&x, resv, 0);
	CHECK(c != NULL);
	if (c) {
		CHECK_EQ(c->nhosts, 5);
		CHECK_EQ(c->hosts[0].addr, IP(198, 18, 0, 201));
		CHECK_EQ(c->hosts[0].hw[0], 0x1a);
		CHECK_EQ(c->hosts[1].cid_len, 7);
		CHECK_STR(c->hosts[1].hostname, "special-snowflake");
		CHECK_EQ(c->hosts[2].siaddr, IP(198, 18, 0, 1));
		CHECK_STR(c->hosts[2].sname, "hal9000");
		CHECK_STR(c->hosts[2].bootfile, "/dev/null");
		CHECK(opt(&c->hosts[2].opts, 6) != NULL);
		/* Outside the subnet: kept as a client without an address. */
		CHECK_EQ(c->hosts[3].addr, 0);
		/* A global reservation, in the subnet written before it. */
		CHECK_EQ(c->hosts[4].addr, IP(198, 18, 0, 210));
		config_free(c);
	}
	const struct xlat_note *n = note_at(&x, "Dhcp4/subnet4[0]/reservations[2]");
	CHECK(n && n->line == 8 && strstr(n->why, "duid"));
	n = note_at(&x, "Dhcp4/subnet4[0]/reservations[4]");
	CHECK(n && n->line == 13 && strstr(n->why, "second reservation"));
	n = note_at(&x, "Dhcp4/subnet4[0]/reservations[5]/ip-address");
	CHECK(n && n->line == 14);
	xlat_free(&x);
}

TEST(options_by_name_code_and_hex)
{
	static const char t[] =
		"{ \"Dhcp4\": { \"option-def\": [\n"
		"  { \"name\": \"my-rec\", \"code\": 224, \"type\": \"record\", \"record-types\": \"ipv4-address, uint16, string\" },\n"
		"  { \"name\": \"my-list\", \"code\": 225, \"type\": \"ipv4-address\", \"array\": true } ],\n"
		"\"option-data\": [\n"
		"  { \"name\": \"domain-search\", \"data\": \"a.example, b.example\" },\n"
		"  { \"name\": \"classless-static-route\", \"data\": \"198.18.5.0/24 - 198.18.0.254\" },\n"
		"  { \"name\": \"tftp-server-name\", \"data\": \"tftp.lan\", \"always-send\": true },\n"
		"  { \"code\": 43, \"csv-format\": false, \"data\": \"0x0104C6120001\" },\n"
		"  { \"name\": \"my-rec\", \"data\": \"198.18.0.5, 1500, pxe\" },\n"
		"  { \"name\": \"my-list\", \"data\": \"198.18.0.1, 198.18.0.2\" },\n"
		"  { \"name\": \"interface-mtu\", \"data\": \"1400\", \"never-send\": true },\n"
		"  { \"name\": \"dhcp-lease-time\", \"data\": \"100\" },\n"
		"  { \"name\": \"no-such-option\", \"data\": \"1\" },\n"
		"  { \"name\": \"routers\", \"data\": \"not-an-address\" },\n"
		"  { \"name\": \"tftp-servers\", \"space\": \"vendor-4491\", \"data\": \"198.18.0.1\" },\n"
		"  { \"name\": \"name-service-search\", \"data\": \"6, 41\" } ],\n"
		"\"subnet4\": [ { \"subnet\": \"198.18.0.0/24\", \"pools\": [ { \"pool\": \"198.18.0.10-198.18.0.20\" } ] } ] } }\n";
	struct xlat x;
	struct config *c = load(&x, t, 0);
	CHECK(c != NULL);
	if (c) {
		const struct cfg_subnet *s = &c->subnets[0];
		const struct cfg_opt *o = opt(&s->opts, 119);
		static const uint8_t ds[] = { 1, 'a', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0,
					      1, 'b', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0 };
		CHECK(o && o->len == sizeof ds && !memcmp(o->data, ds, sizeof ds));
		o = opt(&s->opts, 121);
		static const uint8_t rt[] = { 24, 198, 18, 5, 198, 18, 0, 254 };
		CHECK(o && o->len == sizeof rt && !memcmp(o->data, rt, sizeof rt));
		o = opt(&s->opts, 43);
		CHECK(o && o->len == 6 && o->data[2] == 0xc6);
		o = opt(&s->opts, 224);
		CHECK(o && o->len == 9 && o->data[4] == 0x05 && o->data[5] == 0xdc);
		o = opt(&s->opts, 225);
		CHECK(o && o->len == 8);
		CHECK(cfg_codes_has(&s->always, 66));
		CHECK(cfg_codes_has(&s->never, 26));
		CHECK(opt(&s->opts, 51) == NULL);
		o = opt(&s->opts, 117);	/* no type here: Kea's uint16 array */
		CHECK(o && o->len == 4 && o->data[1] == 6 && o->data[3] == 41);
		CHECK_EQ(c->noptdefs, 2);
		config_free(c);
	}
	CHECK(note_at(&x, "Dhcp4/option-data[7]") != NULL);	/* 51 */
	const struct xlat_note *n = note_at(&x, "Dhcp4/option-data[8]/name");
	CHECK(n && n->line == 13);
	CHECK(note_at(&x, "Dhcp4/option-data[9]") != NULL);	/* a bad address */
	CHECK(note_at(&x, "Dhcp4/option-data[10]") != NULL);	/* a sub-option */
	xlat_free(&x);
}

TEST(classes)
{
	static const char t[] =
		"{ \"Dhcp4\": { \"client-classes\": [\n"
		"  { \"name\": \"pxe\", \"test\": \"substring(option[60].hex,0,9) == 'PXEClient'\",\n"
		"    \"boot-file-name\": \"pxelinux.0\", \"next-server\": \"198.18.0.5\" },\n"
		"  { \"name\": \"efi\", \"test\": \"option[93].hex == 0x0007 or option[93].hex == 0x0009\" },\n"
		"  { \"name\": \"ipxe\", \"test\": \"option[77].text == 'iPXE' and not relay4[1].exists\",\n"
		"    \"option-data\": [ { \"name\": \"boot-file-name\", \"data\": \"http://x/boot.ipxe\" } ] },\n"
		"  { \"name\": \"laptops\", \"test\": \"not member('phones')\" },\n"
		"  { \"name\": \"oui\", \"test\": \"substring(pkt4.mac,0,3) == 0x0004f2\", \"valid-lifetime\": 600 } ],\n"
		"\"subnet4\": [ { \"subnet\": \"198.18.0.0/24\", \"pools\": [\n"
		"  { \"pool\": \"198.18.0.10-198.18.0.20\", \"client-class\": \"pxe\" },\n"
		"  { \"pool\": \"198.18.0.30-198.18.0.40\", \"client-class\": \"laptops\" } ] } ] } }\n";
	struct xlat x;
	struct config *c = load(&x, t, 0);
	CHECK(c != NULL);
	if (c) {
		CHECK_EQ(c->nclasses, 4);
		CHECK_STR(c->classes[0].name, "pxe");
		CHECK_EQ(c->classes[0].match[0].op, CFG_M_PREFIX);
		CHECK_EQ(c->classes[0].siaddr, IP(198, 18, 0, 5));
		CHECK(c->classes[1].any);
		CHECK_EQ(c->classes[1].nmatch, 2);
		CHECK(!c->classes[2].any);
		CHECK_EQ(c->classes[2].nmatch, 2);
		CHECK(opt(&c->classes[2].opts, 67) != NULL);
		CHECK_EQ(c->classes[3].match[0].subject, CFG_M_HW);
		CHECK_EQ(c->classes[3].lease_time, 600);
		/* The pool of the translated class is kept for it; the other
		 * is open to all. */
		CHECK(c->subnets[0].ranges[0].allow != 0);
		CHECK(c->subnets[0].ranges[1].allow == 0);
		config_free(c);
	}
	const struct xlat_note *n = note_at(&x, "Dhcp4/client-classes[3]/test");
	CHECK(n && n->line == 7 && n->kind == XLAT_LOST);
	CHECK(note_at(&x, "Dhcp4/subnet4[0]/pools[1]/client-class") != NULL);
	xlat_free(&x);
}

TEST(shared_network_inherits)
{
	static const char t[] =
		"{ \"Dhcp4\": { \"valid-lifetime\": 200,\n"
		"\"shared-networks\": [ { \"name\": \"frog\", \"valid-lifetime\": 300,\n"
		"  \"option-data\": [ { \"name\": \"routers\", \"data\": \"198.18.0.1\" } ],\n"
		"  \"subnet4\": [\n"
		"   { \"subnet\": \"198.18.0.0/24\", \"pools\": [ { \"pool\": \"198.18.0.10-198.18.0.20\" } ] },\n"
		"   { \"subnet\": \"198.18.1.0/24\", \"valid-lifetime\": 30,\n"
		"     \"option-data\": [ { \"name\": \"routers\", \"data\": \"198.18.1.1\" } ],\n"
		"     \"pools\": [ { \"pool\": \"198.18.1.10-198.18.1.20\" } ] } ] } ],\n"
		"\"subnet4\": [ { \"subnet\": \"198.18.1.128/25\" }, { \"subnet\": \"198.18.2.0/24\" } ] } }\n";
	struct xlat x;
	struct config *c = load(&x, t, IP(198, 18, 0, 2));
	CHECK(c != NULL);
	if (c) {
		CHECK_EQ(c->nsubnets, 3);
		CHECK_STR(c->subnets[0].shared, "frog");
		CHECK_STR(c->subnets[1].shared, "frog");
		CHECK_EQ(c->subnets[0].lease_time, 300);
		CHECK_EQ(c->subnets[1].lease_time, 30);
		CHECK_EQ(c->subnets[2].lease_time, 200);
		CHECK_EQ(opt(&c->subnets[0].opts, 3)->data[2], 0);
		CHECK_EQ(opt(&c->subnets[1].opts, 3)->data[2], 1);
		config_free(c);
	}
	/* 198.18.1.128/25 overlaps 198.18.1.0/24. */
	CHECK(note_at(&x, "Dhcp4/subnet4[0]") != NULL);
	xlat_free(&x);
}

static const char ha_lb[] =
	"{ \"Dhcp4\": { \"hooks-libraries\": [\n"
	"  { \"library\": \"/usr/lib/kea/hooks/libdhcp_lease_cmds.so\" },\n"
	"  { \"library\": \"/usr/lib/kea/hooks/libdhcp_ha.so\", \"parameters\": {\n"
	"    \"high-availability\": [ { \"this-server-name\": \"server2\", \"mode\": \"%s\",\n"
	"      \"heartbeat-delay\": 10000, \"max-response-delay\": 60000,\n"
	"      \"max-unacked-clients\": 5,\n"
	"      \"peers\": [ { \"name\": \"server1\", \"url\": \"http://198.18.0.2:8000/\", \"role\": \"primary\" },\n"
	"                 { \"name\": \"server2\", \"url\": \"http://198.18.0.3:8000/\", \"role\": \"%s\" },\n"
	"                 { \"name\": \"server3\", \"url\": \"http://198.18.0.4:8000/\", \"role\": \"backup\" } ]\n"
	"    } ] } } ],\n"
	"\"subnet4\": [ { \"subnet\": \"198.18.0.0/24\", \"pools\": [ { \"pool\": \"198.18.0.1 - 198.18.0.100\" } ] } ] } }\n";

TEST(ha_to_failover)
{
	char t[sizeof ha_lb + 64];
	struct xlat x;

	snprintf(t, sizeof t, ha_lb, "load-balancing", "secondary");
	struct config *c = load(&x, t, IP(198, 18, 0, 3));
	CHECK(c != NULL);
	if (c) {
		CHECK(c->fo.enabled);
		CHECK_EQ(c->fo.role, CFG_FO_SECONDARY);
		CHECK_EQ(c->fo.addr, IP(198, 18, 0, 3));
		CHECK_EQ(c->fo.peer_addr, IP(198, 18, 0, 2));
		CHECK_STR(c->fo.name, "server1-server2");
		CHECK_EQ(c->fo.max_response_delay, 60);
		/* The failover addresses are cut out of the pool. */
		CHECK_EQ(c->subnets[0].nranges, 2);
		CHECK_EQ(c->subnets[0].ranges[0].last, IP(198, 18, 0, 1));
		CHECK_EQ(c->subnets[0].ranges[1].first, IP(198, 18, 0, 4));
		config_free(c);
	}
	const struct xlat_note *n =
		note_at(&x, "Dhcp4/hooks-libraries[1]/parameters/high-availability[0]/max-unacked-clients");
	CHECK(n && n->line == 6);
	CHECK(note_at(&x, "Dhcp4/hooks-libraries[1]/parameters/high-availability[0]/peers[2]"));
	CHECK(note_at(&x, "Dhcp4/hooks-libraries[0]") != NULL);
	xlat_free(&x);

	snprintf(t, sizeof t, ha_lb, "hot-standby", "standby");
	/* The primary's side of hot-standby: it serves every client. */
	char *p = strstr(t, "\"server2\", \"mode\"");
	memcpy(p, "\"server1\"", 9);
	c = load(&x, t, IP(198, 18, 0, 2));
	CHECK(c != NULL);
	if (c) {
		CHECK_EQ(c->fo.role, CFG_FO_PRIMARY);
		CHECK_EQ(c->fo.split, 256);
		CHECK_EQ(c->fo.mclt, 3600);
		config_free(c);
	}
	xlat_free(&x);
}

TEST(pools_checked)
{
	static const char t[] =
		"{ \"Dhcp4\": { \"subnet4\": [ { \"subnet\": \"198.18.0.5/24\",\n"
		"  \"min-valid-lifetime\": 9000, \"renew-timer\": 50, \"rebind-timer\": 40,\n"
		"  \"pools\": [ { \"pool\": \"198.18.0.10 - 198.18.0.20\" },\n"
		"             { \"pool\": \"198.18.0.15 - 198.18.0.30\" },\n"
		"             { \"pool\": \"198.18.1.1 - 198.18.1.9\" },\n"
		"             { \"pool\": \"198.18.0.200 - 198.18.0.255\" },\n"
		"             { \"pool\": \"junk\" } ] } ] } }\n";
	struct xlat x;
	struct config *c = load(&x, t, 0);
	CHECK(c != NULL);
	if (c) {
		CHECK_EQ(c->subnets[0].net, IP(198, 18, 0, 0));
		CHECK_EQ(c->subnets[0].nranges, 2);
		CHECK_EQ(c->subnets[0].ranges[1].last, IP(198, 18, 0, 254));
		CHECK_EQ(c->subnets[0].min_lease, 7200);
		CHECK_EQ(c->subnets[0].t1, 0);
		config_free(c);
	}
	for (unsigned i = 1; i <= 4; i++) {
		char p[64];
		snprintf(p, sizeof p, "Dhcp4/subnet4[0]/pools[%u]", i);
		CHECK(note_at(&x, p) != NULL);
	}
	xlat_free(&x);
}

static void write_file(const char *dir, const char *name, const char *text)
{
	char path[512];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

/* <?include?> followed beside the main file, notes and errors pointing
 * into the included file. */
TEST(includes)
{
	char dir[] = "/tmp/kea_inc_XXXXXX", path[512];
	if (!mkdtemp(dir)) {
		CHECK(!"mkdtemp");
		return;
	}
	static const char main_text[] =
		"{ \"Dhcp4\": {\n"
		"  \"valid-lifetime\": 600,\n"
		"  <?include \"sub/subnets.json\"?>\n"
		"} }\n";
	write_file(dir, "kea.json", main_text);
	mkdir(strcat(strcpy(path, dir), "/sub"), 0700);
	write_file(dir, "sub/subnets.json",
		   "\"subnet4\": [ { \"subnet\": \"198.18.0.0/24\",\n"
		   "  <?include \"pools.json\"?>,\n"
		   "  \"reservations\": [ { \"duid\": \"01:02\", \"ip-address\": \"198.18.0.9\" } ] } ]\n");
	write_file(dir, "sub/pools.json", "\"pools\": [ { \"pool\": \"198.18.0.10 - 198.18.0.20\" } ]\n");
	snprintf(path, sizeof path, "%s/kea.json", dir);

	struct xlat x;
	xlat_init(&x);
	CHECK_EQ(xlat_kea(&x, path, main_text, strlen(main_text)), 0);
	struct config *c = x.out ? config_parse("out.ini", x.out, x.len, stderr) : NULL;
	CHECK(c && c->nsubnets == 1 && c->subnets[0].nranges == 1 && c->subnets[0].lease_time == 600);
	config_free(c);
	const struct xlat_note *n = note_at(&x, "Dhcp4/subnet4[0]/reservations[0]");
	CHECK(n && n->line == 3 && strstr(n->why, "sub/subnets.json:3: "));
	xlat_free(&x);

	/* A JSON error inside the included file names it and its line. */
	write_file(dir, "sub/pools.json", "\"pools\": [ { \"pool\" } ]\n");
	xlat_init(&x);
	CHECK_EQ(xlat_kea(&x, path, main_text, strlen(main_text)), 1);
	CHECK_EQ(x.err_line, 3);
	CHECK(strstr(x.err, "sub/pools.json:1: JSON") != NULL);
	xlat_free(&x);

	/* A file that is not there. */
	snprintf(path, sizeof path, "%s/sub/pools.json", dir);
	unlink(path);
	snprintf(path, sizeof path, "%s/kea.json", dir);
	xlat_init(&x);
	CHECK_EQ(xlat_kea(&x, path, main_text, strlen(main_text)), 1);
	CHECK(strstr(x.err, "pools.json") != NULL);
	xlat_free(&x);
	for (const char *f = "sub/subnets.json\0kea.json\0sub\0"; *f; f += strlen(f) + 1) {
		snprintf(path, sizeof path, "%s/%s", dir, f);
		remove(path);
	}
	rmdir(dir);
}

T_RUN(T_CASE(single_subnet_direct), T_CASE(single_subnet_without_bind_is_relayed),
      T_CASE(interface_address_is_a_bind), T_CASE(json_error_names_line), T_CASE(reservations),
      T_CASE(options_by_name_code_and_hex), T_CASE(classes), T_CASE(shared_network_inherits),
      T_CASE(ha_to_failover), T_CASE(pools_checked), T_CASE(includes))
