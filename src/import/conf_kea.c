/* Kea's kea-dhcp4.conf (Kea 2.2, the Dhcp4 section) translated into a
 * dhcpsrv.ini that duodhcpd loads: subnets and shared networks with their
 * pools, options, timers and reservations, global options and
 * reservations, simple client classes, option definitions and the HA
 * hook's pair as a [FAILOVER] section.  Whatever has no counterpart, or
 * could not be read, is a note with its JSON path and line.  Everything
 * written is checked here as duodhcpd's parser will check it (ranges in
 * their subnet, no overlaps, unique reservations), so that the output
 * loads.  Pure: bytes in, text and notes out (docs/import-config.md). */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/text.h"
#include "import/confxlat.h"
#include "import/kea_priv.h"

#define KEA_LEASE_DEFAULT 7200	/* Kea's valid-lifetime when none is given */
#define KEA_MCLT 3600		/* ISC's suggested MCLT; Kea HA has none */

/* Per subnet: what a shared network hands down to its subnets (Kea's
 * inheritance: subnet, then shared network, then global). */
struct kscope {
	uint32_t lease, min, max, t1, t2;	/* 0 = not set here */
	struct kboot boot;
	struct kopts opts;
	char shared[32];			/* SharedNetwork, "" = none */
	bool has_direct;			/* a shared network's direct link is taken */
	int auth;				/* -1 = not set */
};

static const char *const subnet_keys[] = { "subnet", "pools", "option-data", "reservations",
	"valid-lifetime", "min-valid-lifetime", "max-valid-lifetime", "renew-timer",
	"rebind-timer", "next-server", "boot-file-name", "server-hostname", "relay", "interface",
	"authoritative", NULL };

static uint32_t prefix_mask(unsigned n)
{
	return n ? 0xffffffffu << (32 - n) : 0;
}

/* "a.b.c.d/n" into net and mask (host bits cleared, noted). */
static bool parse_subnet(struct kctx *k, const char *s, const char *path, uint32_t *net,
			 uint32_t *mask)
{
	const char *sl = strchr(s, '/');
	char *end;
	uint32_t a;

	if (!sl || !text_ip4_parse(s, (size_t)(sl - s), &a) || !isdigit((unsigned char)sl[1]))
		return false;
	unsigned long n = strtoul(sl + 1, &end, 10);
	if (*end || n < 8 || n > 32)
		return false;
	*mask = prefix_mask((unsigned)n);
	*net = a & *mask;
	if (*net != a)
		kea_note(k, path, "%s has host bits set: translated as its network", s);
	return true;
}

static bool overlaps(const struct krange *v, size_t n, uint32_t first, uint32_t last)
{
	for (size_t i = 0; i < n; i++)
		if (first <= v[i].last && v[i].first <= last)
			return true;
	return false;
}

static bool add_range(struct kctx *k, struct krange **v, size_t *n, uint32_t first,
		      uint32_t last)
{
	struct krange *nv = realloc(*v, (*n + 1) * sizeof *nv);

	if (!nv) {
		k->oom = true;
		return false;
	}
	*v = nv;
	nv[(*n)++] = (struct krange){ first, last };
	return true;
}

/* The server's own address on net/mask, 0 when none is known. */
static uint32_t local_in(const struct kctx *k, uint32_t net, uint32_t mask)
{
	for (size_t i = 0; i < k->nlocals; i++)
		if ((k->locals[i] & mask) == net && k->locals[i] != net &&
		    (mask >= 0xfffffffeu || k->locals[i] != (net | ~mask)))
			return k->locals[i];
	return 0;
}

/* Pools ------------------------------------------------------------------- */

/* "A - B" or "A/len" into first..last. */
static bool parse_pool(const char *s, uint32_t *first, uint32_t *last)
{
	const char *d = strchr(s, '-'), *sl = strchr(s, '/');
	char *end;

	if (d)
		return kea_ip_n(s, (size_t)(d - s), first) && kea_ip(d + 1, last) && *first <= *last;
	if (!sl || !kea_ip_n(s, (size_t)(sl - s), first))
		return false;
	unsigned long n = strtoul(sl + 1, &end, 10);
	if (end == sl + 1 || *end || n > 32)
		return false;
	*first &= prefix_mask((unsigned)n);
	*last = *first | ~prefix_mask((unsigned)n);
	return true;
}

/* The addresses a failover pool may not hold (the server's and the
 * failover addresses), and any pool not the network or broadcast. */
static bool excluded(const struct kctx *k, uint32_t a, uint32_t bind)
{
	if (a == bind)
		return k->failover;	/* left out silently without failover */
	return k->failover && (a == k->fo_addrs[0] || a == k->fo_addrs[1]);
}

struct kpool {
	unsigned n;			/* IPPOOL_n written in this section */
	uint32_t net, mask, bind;
	FILE *f;
	const char *path;		/* the subnet's */
};

/* One piece of a pool as IPPOOL_n with its class and options. */
static void write_piece(struct kctx *k, struct kpool *kp, uint32_t first, uint32_t last,
			const char *cls, const struct kopts *os)
{
	char a[TEXT_IP4_LEN], b[TEXT_IP4_LEN], pfx[24];

	if (kp->n == 9999) {	/* IPPOOL_n: n is at most 9999 */
		kea_note(k, kp->path, "more than 9999 pools in the subnet: the rest dropped");
		return;
	}
	if (!add_range(k, &k->ranges, &k->nranges, first, last))
		return;
	kp->n++;
	fprintf(kp->f, "IPPOOL_%u=%s-%s\n", kp->n, text_ip4(first, a), text_ip4(last, b));
	if (cls)
		fprintf(kp->f, "POOLCLASS_%u=%s\n", kp->n, cls);
	snprintf(pfx, sizeof pfx, "POOL_%u.", kp->n);
	kea_emit_options(kp->f, pfx, os, k, false);
}

/* The range, cut around the addresses it may not hold. */
static void write_range(struct kctx *k, struct kpool *kp, uint32_t first, uint32_t last,
			const char *cls, const struct kopts *os)
{
	uint32_t from = first;

	for (uint64_t a = first; a <= last; a++) {
		if (!excluded(k, (uint32_t)a, kp->bind))
			continue;
		if (a > from)
			write_piece(k, kp, from, (uint32_t)a - 1, cls, os);
		from = (uint32_t)a + 1;
		if (a == last)
			return;
		/* Few addresses are excluded: skip ahead to the next one. */
		uint32_t next = last;
		for (int i = 0; i < 2; i++)
			if (k->fo_addrs[i] > a && k->fo_addrs[i] < next)
				next = k->fo_addrs[i];
		if (kp->bind > a && kp->bind < next)
			next = kp->bind;
		if (next > a + 1)
			a = next - 1u;
	}
	if (from <= last && from >= first)
		write_piece(k, kp, from, last, cls, os);
}

static void one_pool(struct kctx *k, json_object *o, const char *path, void *arg)
{
	struct kpool *kp = arg;
	static const char *const known[] = { "pool", "option-data", "client-class", NULL };
	const char *s = kea_str(k, o, path, "pool"), *cls = kea_str(k, o, path, "client-class");
	uint32_t first, last, bc = kp->net | ~kp->mask;
	struct kopts os = { 0 };
	char p[KEA_PATH_MAX];

	kea_check_keys(k, o, path, known);
	if (!s || !parse_pool(s, &first, &last)) {
		kea_note(k, path, "pool \"%s\": not \"A - B\" or \"A/len\"", s ? s : "");
		return;
	}
	if ((first & kp->mask) != kp->net || (last & kp->mask) != kp->net) {
		kea_note(k, path, "pool %s is not inside the subnet", s);
		return;
	}
	if (kp->mask < 0xfffffffeu && (first == kp->net || last == bc)) {
		first += first == kp->net;
		last -= last == bc;
		kea_note(k, path, "pool %s holds the subnet's network or broadcast address: "
			 "translated without them", s);
		if (first > last)
			return;
	}
	if (overlaps(k->ranges, k->nranges, first, last)) {
		kea_note(k, path, "pool %s overlaps a pool before it", s);
		return;
	}
	if (cls && !kea_class_known(k, cls)) {
		kea_note(k, kea_path(p, path, "client-class", 0), "class %s was not translated: "
			 "the pool is open to every client", cls);
		cls = NULL;
	}
	kea_option_data(k, kea_get(o, "option-data"), kea_path(p, path, "option-data", 0), &os);
	write_range(k, kp, first, last, cls, &os);
	kea_opts_free(&os);
}

/* Reservations ------------------------------------------------------------ */

static bool id_taken(struct kctx *k, const char *id)
{
	for (size_t i = 0; i < k->nids; i++)
		if (!strcmp(k->ids[i], id))
			return true;
	char **v = realloc(k->ids, (k->nids + 1) * sizeof *v);
	if (!v || (v[k->nids] = strdup(id)) == NULL) {
		k->ids = v ? v : k->ids;
		k->oom = true;
		return true;
	}
	k->ids = v;
	k->nids++;
	return false;
}

/* The section name for a reservation: "[aa-bb-...]" or "[CLIENTID:..]". */
static bool host_section(struct kctx *k, json_object *o, const char *path, char *out,
			 size_t cap)
{
	static const char *const others[] = { "duid", "circuit-id", "flex-id" };
	const char *hw = kea_str(k, o, path, "hw-address"), *cid = kea_str(k, o, path, "client-id");
	uint8_t b[255];
	char hex[3 * sizeof b + 1];
	int n;

	for (size_t i = 0; !hw && !cid && i < 3; i++)
		if (kea_get(o, others[i])) {
			kea_note(k, path, "a reservation by %s; duodhcpd reserves by "
				 "MAC or client identifier", others[i]);
			return false;
		}
	if (hw && (n = kea_hex(hw, b, sizeof b)) == 6)
		snprintf(out, cap, "%s", text_hex(hex, b, 6, '-'));
	else if (!hw && cid && (n = kea_hex(cid, b, sizeof b)) >= 2)
		snprintf(out, cap, "CLIENTID:%s", text_hex(hex, b, (size_t)n, ':'));
	else {
		kea_note(k, path, "a reservation without a 6-byte hw-address or a client-id of 2 to "
			 "255 bytes");
		return false;
	}
	if (id_taken(k, out)) {
		kea_note(k, path, "a second reservation for %s (duodhcpd has one "
			 "client section per client, whatever the subnet)", out);
		return false;
	}
	return true;
}

static uint32_t bind_of(const struct kctx *k, uint32_t net)
{
	for (size_t i = 0; i < k->nsubs; i++)
		if (k->subs[i].net == net)
			return k->subs[i].bind;
	return 0;
}

static bool addr_ok(struct kctx *k, uint32_t a, uint32_t net, uint32_t mask)
{
	if ((a & mask) != net || a == bind_of(k, net) ||
	    (mask < 0xfffffffeu && (a == net || a == (net | ~mask))))
		return false;
	for (size_t i = 0; i < k->naddrs; i++)
		if (k->addrs[i] == a)
			return false;
	uint32_t *v = realloc(k->addrs, (k->naddrs + 1) * sizeof *v);
	if (!v) {
		k->oom = true;
		return false;
	}
	k->addrs = v;
	v[k->naddrs++] = a;
	return true;
}

/* The reserved address: in net/mask, or (net 0, global reservations) in
 * any subnet written. */
static void host_addr(struct kctx *k, json_object *o, const char *path, uint32_t net,
		      uint32_t mask, FILE *f)
{
	const char *s = kea_str(k, o, path, "ip-address");
	char p[KEA_PATH_MAX], a[TEXT_IP4_LEN];
	uint32_t ip;

	if (!s)
		return;
	kea_path(p, path, "ip-address", 0);
	if (!kea_ip(s, &ip)) {
		kea_note(k, p, "\"%s\" is not an IPv4 address: the client gets no reserved "
			 "address", s);
		return;
	}
	for (size_t i = 0; !mask && i < k->nsubs; i++)
		if ((ip & k->subs[i].mask) == k->subs[i].net)
			net = k->subs[i].net, mask = k->subs[i].mask;
	if (!mask || !addr_ok(k, ip, net, mask)) {
		kea_note(k, p, "%s is outside the subnet, its network, broadcast or our own "
			 "address, or reserved already: the client gets no reserved address", s);
		return;
	}
	fprintf(f, "IPADDR=%s\n", text_ip4(ip, a));
}

static void one_host(struct kctx *k, json_object *o, const char *path, uint32_t net,
		     uint32_t mask)
{
	static const char *const known[] = { "hw-address", "client-id", "duid", "circuit-id",
		"flex-id", "ip-address", "hostname", "option-data", "next-server", "server-hostname",
		"boot-file-name", NULL };
	char name[800], p[KEA_PATH_MAX];
	struct kopts os = { 0 };
	struct kboot b = { 0 };
	FILE *f = k->o[KO_HOST];

	if (!json_object_is_type(o, json_type_object) ||
	    !host_section(k, o, path, name, sizeof name))
		return;
	kea_check_keys(k, o, path, known);
	fprintf(f, "\n[%s]\n", name);
	host_addr(k, o, path, net, mask, f);
	const char *hn = kea_str(k, o, path, "hostname");
	if (hn && kea_text_ok(hn, 63))
		kea_put_text(f, "Hostname", hn);
	else if (hn)
		kea_note(k, kea_path(p, path, "hostname", 0), "not 1 to 63 printable characters: "
			 "dropped");
	kea_boot(k, o, path, &b);
	kea_emit_boot(f, "", &b);
	kea_option_data(k, kea_get(o, "option-data"), kea_path(p, path, "option-data", 0), &os);
	kea_emit_options(f, "", &os, k, true);
	kea_opts_free(&os);
}

static void reservations(struct kctx *k, json_object *arr, const char *path, uint32_t net,
		      uint32_t mask)
{
	char p[KEA_PATH_MAX];

	if (!arr || !json_object_is_type(arr, json_type_array))
		return;
	for (size_t i = 0; i < json_object_array_length(arr); i++)
		one_host(k, json_object_array_get_idx(arr, i), kea_path(p, path, NULL, i), net,
			 mask);
}

/* Subnets ----------------------------------------------------------------- */

/* Timers, boot fields, options and authoritative of o over base. */
static void scope_read(struct kctx *k, json_object *o, const char *path,
		       const struct kscope *base, struct kscope *s)
{
	char p[KEA_PATH_MAX];
	struct kopts own = { 0 };
	int a;

	*s = (struct kscope){ .auth = -1 };
	if (base) {
		*s = *base;
		s->opts = (struct kopts){ 0 };
		k->oom |= !kea_opts_merge(&s->opts, &base->opts, NULL);
	}
	kea_uint(k, o, path, "valid-lifetime", 1, UINT32_MAX, &s->lease);
	kea_uint(k, o, path, "min-valid-lifetime", 1, UINT32_MAX, &s->min);
	kea_uint(k, o, path, "max-valid-lifetime", 1, UINT32_MAX, &s->max);
	kea_uint(k, o, path, "renew-timer", 1, UINT32_MAX - 1, &s->t1);
	kea_uint(k, o, path, "rebind-timer", 1, UINT32_MAX - 1, &s->t2);
	kea_boot(k, o, path, &s->boot);
	kea_option_data(k, kea_get(o, "option-data"), kea_path(p, path, "option-data", 0), &own);
	k->oom |= !kea_opts_merge(&s->opts, NULL, &own);
	kea_opts_free(&own);
	if ((a = kea_bool(k, o, path, "authoritative")) >= 0)
		s->auth = a;
}

/* The effective times of a subnet, made to satisfy duodhcpd's checks
 * (min <= lease <= max, T1 < T2), each change noted. */
static void write_times(struct kctx *k, const struct kscope *s, const char *path, FILE *f)
{
	uint32_t lease = s->lease ? s->lease : k->lease;
	uint32_t min = s->min ? s->min : k->min, max = s->max ? s->max : k->max;
	uint32_t t1 = s->t1 ? s->t1 : k->t1, t2 = s->t2 ? s->t2 : k->t2;

	if (min > lease) {
		kea_note(k, path, "min-valid-lifetime %u is above valid-lifetime %u: taken as %u",
			 min, lease, lease);
		min = lease;
	}
	if (max && max < lease) {
		kea_note(k, path, "max-valid-lifetime %u is below valid-lifetime %u: taken as %u",
			 max, lease, lease);
		max = lease;
	}
	if (t1 && t2 && t1 >= t2) {
		kea_note(k, path, "renew-timer %u is not below rebind-timer %u: both left to "
			 "T1Percent/T2Percent", t1, t2);
		t1 = t2 = 0;
	}
	fprintf(f, "LEASETIME=%u\n", lease);
	if (min)
		fprintf(f, "MinLeaseTime=%u\n", min);
	if (max)
		fprintf(f, "MaxLeaseTime=%u\n", max);
	if (t1)
		fprintf(f, "T1=%u\n", t1);
	if (t2)
		fprintf(f, "T2=%u\n", t2);
}

/* Kea picks a relayed subnet by relay.ip-address(es), which may lie
 * outside the subnet; duodhcpd by the giaddr inside it. */
static void relay_note(struct kctx *k, json_object *o, const char *path, uint32_t net,
		       uint32_t mask)
{
	json_object *r = kea_get(o, "relay"), *v;
	char p[KEA_PATH_MAX];
	uint32_t a;

	if (!r || !json_object_is_type(r, json_type_object))
		return;
	kea_path(p, path, "relay", 0);
	if ((v = kea_get(r, "ip-address")) == NULL && (v = kea_get(r, "ip-addresses")) &&
	    json_object_is_type(v, json_type_array) && json_object_array_length(v))
		v = json_object_array_get_idx(v, 0);
	const char *s = v && json_object_is_type(v, json_type_string) ? json_object_get_string(v)
								       : NULL;
	if (!s || !kea_ip(s, &a) || a == 0 || (a & mask) == net)
		return;
	kea_note(k, p, "relay %s is outside the subnet: duodhcpd picks a relayed subnet by "
		 "the giaddr inside it (or RFC 3527 link selection); the relay must use an "
		 "address of the subnet as giaddr", s);
}

/* The server's address on the subnet: IPBIND_n, so that the link is
 * served directly; 0 when none is known (then relayed only). */
static uint32_t bind_subnet(struct kctx *k, json_object *o, const char *path, uint32_t net,
			    uint32_t mask, struct kscope *sh)
{
	uint32_t bind = local_in(k, net, mask);
	const char *ifname = kea_str(k, o, path, "interface");
	char a[TEXT_IP4_LEN];

	if (bind && sh && sh->has_direct) {
		kea_note(k, path, "a second directly attached subnet in shared network %s: "
			 "served as behind a relay", sh->shared);
		return 0;
	}
	if (!bind) {
		if (ifname)
			kea_info(k, path, "directly attached (interface %s) but the server's address "
				 "on it is unknown: translated as a relayed subnet; give the "
				 "address (interfaces-config \"%s/ADDRESS\", or --bind)", ifname,
				 ifname);
		return 0;
	}
	if (k->nbind == 9999) {
		kea_note(k, path, "more than 9999 directly attached links: served as behind a "
			 "relay");
		return 0;
	}
	if (sh)
		sh->has_direct = true;
	fprintf(k->o[KO_SETTINGS], "IPBIND_%u=%s\n", ++k->nbind, text_ip4(bind, a));
	if (!k->first_mask)
		k->first_mask = mask;
	return bind;
}

static void one_subnet(struct kctx *k, json_object *o, const char *path, void *arg)
{
	struct kscope *sh = arg;
	const char *s = kea_str(k, o, path, "subnet");
	char p[KEA_PATH_MAX], a[TEXT_IP4_LEN];
	uint32_t net, mask;
	struct kscope sc;
	FILE *f = k->o[KO_SUBNET];

	if (!s || !parse_subnet(k, s, path, &net, &mask)) {
		kea_note(k, path, "no \"subnet\": \"a.b.c.d/n\" (n 8 to 32)");
		return;
	}
	for (size_t i = 0; i < k->nsubs; i++)
		if ((net & k->subs[i].mask) == k->subs[i].net || (k->subs[i].net & mask) == net) {
			kea_note(k, path, "subnet %s overlaps one before it", s);
			return;
		}
	kea_check_keys(k, o, path, subnet_keys);
	uint32_t bind = bind_subnet(k, o, path, net, mask, sh);
	struct ksub *v = realloc(k->subs, (k->nsubs + 1) * sizeof *v);
	if (!v) {
		k->oom = true;
		return;
	}
	k->subs = v;
	v[k->nsubs++] = (struct ksub){ net, mask, bind };
	k->nsubnets++;
	scope_read(k, o, path, sh, &sc);
	fprintf(f, "\n[SUBNET:%s/%u]\n", text_ip4(net, a), (unsigned)__builtin_popcount(mask));
	if (sh)
		fprintf(f, "SharedNetwork=%s\n", sh->shared);
	if (kea_get(o, "authoritative") && sc.auth >= 0 && sc.auth != (k->auth == 1))
		kea_note(k, kea_path(p, path, "authoritative", 0), "authoritative per subnet: "
			 "duodhcpd has one Authoritative for all ([DUODHCP])");
	write_times(k, &sc, path, f);
	kea_emit_boot(f, "", &sc.boot);
	kea_emit_options(f, "", &sc.opts, k, true);
	relay_note(k, o, path, net, mask);
	struct kpool kp = { 0, net, mask, bind, f, path };
	kea_each(k, kea_get(o, "pools"), kea_path(p, path, "pools", 0), one_pool, &kp);
	reservations(k, kea_get(o, "reservations"), kea_path(p, path, "reservations", 0), net,
		     mask);
	kea_opts_free(&sc.opts);
}

static bool shared_name_ok(const char *s)
{
	size_t n = strlen(s);

	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("-_.", s[i]))
			return false;
	return n >= 1 && n <= 31;
}

static void one_shared(struct kctx *k, json_object *o, const char *path, unsigned idx)
{
	static const char *const known[] = { "name", "subnet4", "option-data", "valid-lifetime",
		"min-valid-lifetime", "max-valid-lifetime", "renew-timer", "rebind-timer",
		"next-server", "boot-file-name", "server-hostname", "relay", "interface",
		"authoritative", NULL };
	const char *name = kea_str(k, o, path, "name");
	char p[KEA_PATH_MAX];
	struct kscope sh;

	kea_check_keys(k, o, path, known);
	scope_read(k, o, path, NULL, &sh);
	if (name && shared_name_ok(name))
		snprintf(sh.shared, sizeof sh.shared, "%s", name);
	else {
		snprintf(sh.shared, sizeof sh.shared, "shared%u", idx);
		kea_note(k, path, "name \"%.40s\": not 1 to 31 letters, digits, '-', '_' or '.': "
			 "named %s", name ? name : "", sh.shared);
	}
	if (kea_get(o, "relay"))
		kea_note(k, kea_path(p, path, "relay", 0), "a shared network's relay: duodhcpd "
			 "finds a relayed request's subnet by its giaddr");
	if (sh.auth >= 0 && sh.auth != (k->auth == 1))
		kea_note(k, kea_path(p, path, "authoritative", 0), "authoritative per shared "
			 "network: duodhcpd has one Authoritative for all ([DUODHCP])");
	kea_each(k, kea_get(o, "subnet4"), kea_path(p, path, "subnet4", 0), one_subnet, &sh);
	kea_opts_free(&sh.opts);
}

/* HA (libdhcp_ha.so) ------------------------------------------------------ */

/* The IPv4 host of "http://a.b.c.d:port/" and its port (0 when none). */
static bool url_host(const char *url, uint32_t *a, unsigned long *port)
{
	const char *h = strstr(url, "://");

	h = h ? h + 3 : url;
	size_t n = strcspn(h, ":/");
	*port = h[n] == ':' ? strtoul(h + n + 1, NULL, 10) : 0;
	return kea_ip_n(h, n, a);
}

struct kpeer {
	const char *name, *role, *url;
	uint32_t addr;
	unsigned long port;
	char path[KEA_PATH_MAX];
};

/* This server and its partner (primary, secondary or standby); backups
 * noted. */
static bool ha_peers(struct kctx *k, json_object *ha, const char *path, const char *me,
		     struct kpeer *self, struct kpeer *other)
{
	json_object *arr = kea_want(k, ha, path, "peers", json_type_array);
	char p[KEA_PATH_MAX];
	int got = 0;

	for (size_t i = 0; arr && i < json_object_array_length(arr); i++) {
		json_object *o = json_object_array_get_idx(arr, i);
		struct kpeer pr = { 0 };
		kea_path(pr.path, kea_path(p, path, "peers", 0), NULL, i);
		pr.name = kea_str(k, o, pr.path, "name");
		pr.role = kea_str(k, o, pr.path, "role");
		pr.url = kea_str(k, o, pr.path, "url");
		if (!pr.name || !pr.role || !pr.url)
			continue;
		if (!strcmp(pr.role, "backup")) {
			kea_note(k, pr.path, "backup server %s: a failover pair has "
				 "two servers; give it its own leases by import-leases", pr.name);
			continue;
		}
		if (kea_get(o, "auto-failover"))
			kea_note(k, pr.path, "auto-failover: duodhcpd goes to "
				 "partner-down by an operator or after AutoPartnerDown");
		if (!url_host(pr.url, &pr.addr, &pr.port)) {
			kea_note(k, pr.path, "url %s: the host is not an IPv4 address: no [FAILOVER]",
				 pr.url);
			return false;
		}
		if (!strcmp(pr.name, me))
			*self = pr, got |= 1;
		else if (!(got & 2))
			*other = pr, got |= 2;
	}
	if (got != 3)
		kea_note(k, path, "no peer named %s (this-server-name) and a partner among the "
			 "peers: no [FAILOVER]", me);
	return got == 3;
}

static void ha_notes(struct kctx *k, json_object *ha, const char *path)
{
	static const struct { const char *key, *why; } why[] = {
		{ "heartbeat-delay", "duodhcpd sends CONTACT after a third of the partner's "
		  "MaxResponseDelay" },
		{ "max-ack-delay", "the failover protocol has no such count; see "
		  "LoadBalanceMaxSeconds (a client waiting longer is served by both)" },
		{ "max-unacked-clients", "Kea's count of clients the partner leaves unanswered "
		  "before it takes over; duodhcpd, as ISC dhcpd, takes over by partner-down "
		  "(an operator, or AutoPartnerDown)" },
		{ "sync-timeout", "leases are exchanged by the failover protocol (UPDREQALL)" },
		{ "sync-page-limit", "leases are exchanged by the failover protocol (UPDREQALL)" },
		{ "sync-leases", "leases are exchanged by the failover protocol (UPDREQALL)" },
		{ "send-lease-updates", "every lease change goes to the partner (BNDUPD)" },
		{ "delayed-updates-limit", "every lease change goes to the partner (BNDUPD)" },
		{ "multi-threading", "the failover link is a TCP connection on port 647" },
		{ "trust-anchor", "the failover link is a TCP connection on port 647, without TLS" },
		{ "cert-file", "the failover link is a TCP connection on port 647, without TLS" },
		{ "key-file", "the failover link is a TCP connection on port 647, without TLS" },
		{ "require-client-certs", "the failover link is a TCP connection on port 647" },
		{ "state-machine", "the failover states are the protocol's" },
		{ "wait-backup-ack", "a failover pair has no backup servers" },
		{ "restrict-commands", "duodhcpd's failover takes no HTTP commands" },
	};
	char p[KEA_PATH_MAX];

	for (size_t i = 0; i < sizeof why / sizeof why[0]; i++)
		if (kea_get(ha, why[i].key))
			kea_note(k, kea_path(p, path, why[i].key, 0), "%s",
				 why[i].why);
}

static void ha_write(struct kctx *k, json_object *ha, const char *path,
		     const struct kpeer *self, const struct kpeer *other, bool standby)
{
	FILE *f = k->o[KO_FAILOVER];
	char a[TEXT_IP4_LEN], p[KEA_PATH_MAX];
	bool primary = !strcmp(self->role, "primary");
	const char *pri = primary ? self->name : other->name;
	const char *sec = primary ? other->name : self->name;
	uint32_t mrd;

	fprintf(f, "\n[FAILOVER]\nRole=%s\n", primary ? "primary" : "secondary");
	fprintf(f, "Address=%s\n", text_ip4(self->addr, a));
	fprintf(f, "PeerAddress=%s\n", text_ip4(other->addr, a));
	if (kea_text_ok(pri, 100) && kea_text_ok(sec, 100) && !strchr(pri, ';') &&
	    !strchr(sec, ';'))
		fprintf(f, "Name=%s-%s\n", pri, sec);
	else
		fprintf(f, "Name=kea-ha\n");
	if (primary) {
		fprintf(f, "MCLT=%u\n", KEA_MCLT);
		fprintf(f, "Split=%u\n", standby ? 256u : 128u);
		kea_info(k, path, "MCLT=%u: Kea's HA has no maximum client lead time; %u s is "
			 "what ISC's manual suggests", KEA_MCLT, KEA_MCLT);
	}
	if (kea_uint(k, ha, path, "max-response-delay", 0, UINT32_MAX, &mrd)) {
		uint32_t s = mrd / 1000 < 3 ? 3 : mrd / 1000 > 3600 ? 3600 : mrd / 1000;
		fprintf(f, "MaxResponseDelay=%u\n", s);
	}
	kea_info(k, kea_path(p, path, "peers", 0), "Kea's HA speaks HTTP (port %lu); the "
		 "translation speaks the ISC failover protocol on TCP port 647 with a partner "
		 "translated the same way: Kea and duodhcpd cannot pair", self->port);
	k->failover = true;
	k->fo_addrs[0] = self->addr;
	k->fo_addrs[1] = other->addr;
}

static void ha(struct kctx *k, json_object *params, const char *path)
{
	json_object *arr = kea_get(params, "high-availability"), *o;
	char p[KEA_PATH_MAX];
	struct kpeer self = { 0 }, other = { 0 };

	kea_path(p, path, "high-availability", 0);
	if (!arr || !json_object_is_type(arr, json_type_array) ||
	    json_object_array_length(arr) == 0) {
		kea_note(k, path, "no high-availability list: no [FAILOVER]");
		return;
	}
	if (json_object_array_length(arr) > 1)
		kea_note(k, p, "more than one relationship: only the first is translated");
	o = json_object_array_get_idx(arr, 0);
	kea_path(p, kea_path((char[KEA_PATH_MAX]){ 0 }, path, "high-availability", 0), NULL, 0);
	const char *me = kea_str(k, o, p, "this-server-name");
	const char *mode = kea_str(k, o, p, "mode");
	if (!me || !mode || (strcmp(mode, "load-balancing") && strcmp(mode, "hot-standby"))) {
		kea_note(k, p, "mode \"%s\": no [FAILOVER] (load-balancing and hot-standby are "
			 "translated)", mode ? mode : "");
		return;
	}
	ha_notes(k, o, p);
	if (!ha_peers(k, o, p, me, &self, &other))
		return;
	if (self.addr == 0 || self.addr >= 0xe0000000u || other.addr == 0 ||
	    other.addr >= 0xe0000000u) {
		kea_note(k, p, "a peer's url is not a unicast address: no [FAILOVER]");
		return;
	}
	if (self.addr == other.addr) {
		kea_note(k, p, "both peers have the address of %s: no [FAILOVER]", self.url);
		return;
	}
	if (!strcmp(self.role, other.role) || (strcmp(self.role, "primary") &&
					       strcmp(other.role, "primary"))) {
		kea_note(k, p, "roles %s and %s: one peer must be the primary: no [FAILOVER]",
			 self.role, other.role);
		return;
	}
	ha_write(k, o, p, &self, &other, !strcmp(mode, "hot-standby"));
}

static void hooks(struct kctx *k, json_object *arr, const char *path)
{
	char p[KEA_PATH_MAX];

	if (!arr || !json_object_is_type(arr, json_type_array))
		return;
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		json_object *o = json_object_array_get_idx(arr, i);
		kea_path(p, path, NULL, i);
		const char *lib = kea_str(k, o, p, "library");
		const char *base = lib ? strrchr(lib, '/') : NULL;
		char q[KEA_PATH_MAX];
		base = base ? base + 1 : lib ? lib : "";
		if (!strncmp(base, "libdhcp_ha", 10))
			ha(k, kea_get(o, "parameters"), kea_path(q, p, "parameters", 0));
		else if (!strncmp(base, "libdhcp_lease_cmds", 18))
			kea_note(k, p, "%s: duodhcpd's HTTP API lists and deletes "
				 "leases (/api/v1/leases)", base);
		else
			kea_note(k, p, "hook %s: duodhcpd loads no hooks", base);
	}
}

/* The Dhcp4 map ------------------------------------------------------------- */

static void lease_db(struct kctx *k, json_object *o, const char *path)
{
	const char *type = kea_str(k, o, path, "type"), *name = kea_str(k, o, path, "name");

	if (!o)
		return;
	if (type && !strcmp(type, "memfile")) {
		if (kea_bool(k, o, path, "persist") == 0)
			kea_info(k, path, "memfile with persist false: Kea keeps no lease file to "
				 "import");
		else
			kea_info(k, path, "the leases: stop Kea, then run duodhcpctl import-leases "
				 "--from kea %s", name ? name : "/var/lib/kea/kea-leases4.csv");
	} else
		kea_info(k, path, "lease-database type %s: export the lease4 table as Kea's CSV "
			 "(kea-admin lease-dump), then duodhcpctl import-leases --from kea FILE",
			 type ? type : "(none)");
}

/* "eth0/192.0.2.1" in interfaces-config names an address of the server. */
static void interfaces(struct kctx *k, json_object *o)
{
	json_object *arr = kea_get(kea_get(o, "interfaces-config"), "interfaces");

	for (size_t i = 0; arr && json_object_is_type(arr, json_type_array) &&
			   i < json_object_array_length(arr); i++) {
		json_object *v = json_object_array_get_idx(arr, i);
		const char *s = json_object_is_type(v, json_type_string) ?
				json_object_get_string(v) : "";
		const char *sl = strchr(s, '/');
		uint32_t a;
		if (sl && kea_ip(sl + 1, &a) && k->nlocals < KEA_LOCALS)
			k->locals[k->nlocals++] = a;
	}
}

static void globals(struct kctx *k, json_object *o, const char *path, struct kscope *g)
{
	uint32_t v;
	int a;

	scope_read(k, o, path, NULL, g);
	k->lease = g->lease ? g->lease : KEA_LEASE_DEFAULT;
	k->min = g->min, k->max = g->max, k->t1 = g->t1, k->t2 = g->t2;
	fprintf(k->o[KO_GENERAL], "LEASETIME=%u\n", k->lease);
	kea_emit_boot(k->o[KO_GENERAL], "", &g->boot);
	kea_emit_options(k->o[KO_GENERAL], "", &g->opts, k, true);
	if ((a = kea_bool(k, o, path, "authoritative")) >= 0) {
		k->auth = a;
		fprintf(k->o[KO_DUODHCP], "Authoritative=%d\n", a);
	}
	if (kea_uint(k, o, path, "decline-probation-period", 0, 31536000, &v))
		fprintf(k->o[KO_DUODHCP], "DeclineTime=%u\n", v);
}

static void dhcp4(struct kctx *k, json_object *o)
{
	static const char *const known[] = { "subnet4", "shared-networks", "option-data",
		"option-def", "client-classes", "reservations", "valid-lifetime",
		"min-valid-lifetime", "max-valid-lifetime", "renew-timer", "rebind-timer",
		"next-server", "boot-file-name", "server-hostname", "authoritative",
		"decline-probation-period", "lease-database", "hooks-libraries", NULL };
	const char *path = "Dhcp4";
	char p[KEA_PATH_MAX];
	struct kscope g;
	json_object *arr;

	kea_check_keys(k, o, path, known);
	interfaces(k, o);
	kea_option_defs(k, kea_get(o, "option-def"), kea_path(p, path, "option-def", 0));
	globals(k, o, path, &g);
	kea_opts_free(&g.opts);
	kea_client_classes(k, kea_get(o, "client-classes"), kea_path(p, path, "client-classes", 0));
	hooks(k, kea_get(o, "hooks-libraries"), kea_path(p, path, "hooks-libraries", 0));
	lease_db(k, kea_get(o, "lease-database"), kea_path(p, path, "lease-database", 0));
	if ((arr = kea_get(o, "shared-networks")) && json_object_is_type(arr, json_type_array))
		for (size_t i = 0; i < json_object_array_length(arr); i++) {
			char q[KEA_PATH_MAX];
			json_object *sn = json_object_array_get_idx(arr, i);
			kea_path(q, kea_path(p, path, "shared-networks", 0), NULL, i);
			if (json_object_is_type(sn, json_type_object))
				one_shared(k, sn, q, (unsigned)i + 1);
		}
	kea_each(k, kea_get(o, "subnet4"), kea_path(p, path, "subnet4", 0), one_subnet, NULL);
	reservations(k, kea_get(o, "reservations"), kea_path(p, path, "reservations", 0), 0, 0);
}

/* Output ------------------------------------------------------------------ */

static bool open_outs(struct kctx *k)
{
	for (int i = 0; i < KO_N; i++)
		if ((k->o[i] = open_memstream(&k->ob[i], &k->on[i])) == NULL)
			return false;
	return true;
}

static void close_outs(struct kctx *k)
{
	for (int i = 0; i < KO_N; i++)
		if (k->o[i])
			fclose(k->o[i]), k->o[i] = NULL;
}

static int assemble(struct kctx *k, const char *file)
{
	static const char *const heads[KO_N] = { "[Settings]\n", "\n[GENERAL]\n", "\n[DUODHCP]\n",
		"", "", "", "" };
	char head[400], a[TEXT_IP4_LEN];
	int n = snprintf(head, sizeof head, "; Translated from Kea's %.200s by duodhcpctl "
			 "import-config --from kea.\n", file);

	(void)n;
	xlat_printf(k->x, "%s", head);
	for (int i = 0; i < KO_N; i++) {
		if (k->on[i] == 0 && i > KO_GENERAL)
			continue;
		if (i == KO_FAILOVER && k->nranges == 0) {
			xlat_note(k->x, 0, XLAT_LOST, "high-availability", "no pool to share: "
				  "no [FAILOVER]");
			continue;
		}
		xlat_printf(k->x, "%s%s", heads[i], k->ob[i] ? k->ob[i] : "");
		if (i == KO_GENERAL && k->nbind)
			xlat_printf(k->x, "SUBNETMASK=%s\n", text_ip4(k->first_mask, a));
	}
	return k->x->oom ? -1 : 0;
}

static void kctx_free(struct kctx *k)
{
	close_outs(k);
	for (int i = 0; i < KO_N; i++)
		free(k->ob[i]);
	for (size_t i = 0; i < k->nids; i++)
		free(k->ids[i]);
	free(k->ids);
	free(k->defs);
	free(k->subs);
	free(k->ranges);
	free(k->addrs);
	kea_json_free(&k->kj);
	kea_text_free(&k->kt);
}

/* The root: a map whose Dhcp4 is translated; other servers' maps noted. */
static int root(struct kctx *k)
{
	json_object *r = k->kj.root, *d4 = kea_get(r, "Dhcp4");

	if (!d4 || !json_object_is_type(d4, json_type_object)) {
		return xlat_error(k->x, 1, "no \"Dhcp4\" map: not a configuration of Kea's "
				  "DHCPv4 server");
	}
	json_object_object_foreach(r, key, val) {
		(void)val;
		if (strcmp(key, "Dhcp4"))
			kea_note(k, key, "not the DHCPv4 server's configuration");
	}
	dhcp4(k, d4);
	if (k->nsubnets == 0) {
		return xlat_error(k->x, kea_where(k, kea_json_line(&k->kj, "Dhcp4"), (char[220]){ 0 },
					  220), "Dhcp4: no subnet "
				  "could be translated: nothing to serve");
	}
	return 0;
}

int xlat_kea(struct xlat *x, const char *file, const char *buf, size_t len)
{
	struct kctx k = { .x = x, .auth = -1 };
	int rc = 0;

	char pfx[220];
	if (kea_text_read(&k.kt, file, buf, len) < 0) {
		struct kea_line at = { k.kt.err_file, k.kt.err_line };
		unsigned line = at.file ? k.kt.files[at.file].top : at.line;
		if (at.file)
			snprintf(pfx, sizeof pfx, "%.200s:%u: ", k.kt.files[at.file].path, at.line);
		rc = k.kt.err[0] ? xlat_error(x, line, "%s%s", at.file ? pfx : "", k.kt.err) : -1;
		kea_text_free(&k.kt);
		return rc;
	}
	if (kea_json_read(&k.kj, k.kt.buf, k.kt.len) < 0) {
		unsigned line = kea_where(&k, k.kj.err_line, pfx, sizeof pfx);
		rc = k.kj.err[0] ? xlat_error(x, line, "%s%s", pfx, k.kj.err) : -1;
		kea_json_free(&k.kj);
		kea_text_free(&k.kt);
		return rc;
	}
	for (size_t i = 0; i < x->nbinds && k.nlocals < KEA_LOCALS; i++)
		k.locals[k.nlocals++] = x->binds[i];
	if (open_outs(&k) && (rc = root(&k)) == 0) {
		close_outs(&k);
		rc = k.oom ? -1 : assemble(&k, file);
	} else if (rc == 0)
		rc = -1;
	kctx_free(&k);
	return rc;
}
