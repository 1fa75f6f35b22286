#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "common/hash.h"
#include "dns/names.h"

/* Who claims a name, strongest first: the administrator's reservation,
 * then a lease of ours, then a SyncServer partner's, which never takes a
 * name from one of our clients. */
enum rank { RANK_RESERVED, RANK_OWN, RANK_PARTNER };

struct name {
	char label[DNS_LABEL_MAX + 1];
	uint32_t addr;
	uint8_t rank;		/* enum rank */
	int64_t since;		/* the binding has held the name since */
	int64_t end;		/* INT64_MAX for reservations */
};

/* The order of claims: by rank, then the earliest binding of the name
 * (then the lower address). */
struct claim {
	uint8_t rank;
	int64_t since;
	uint32_t addr;
	uint32_t at;		/* index in names.v */
};

/* The names kept, indexed by label and by address with open addressing:
 * slot = index in v + 1, 0 empty.  Candidates that lost (a second name for
 * an address, or no free label) stay in v unindexed.  Building is one sort
 * of the claims plus hashing, so 100,000 names take milliseconds; the old
 * linear scans of everything kept made it quadratic (4 s at 50,000 names,
 * the event loop stalled meanwhile). */
struct names {
	size_t n;		/* names kept */
	struct name *v;
	uint32_t *by_addr, *by_label;
	size_t mask;
	uint64_t seed;		/* hostnames come from clients */
};

static int cmp_claim(const void *a, const void *b)
{
	const struct claim *x = a, *y = b;
	if (x->rank != y->rank)
		return x->rank < y->rank ? -1 : 1;
	if (x->since != y->since)
		return x->since < y->since ? -1 : 1;
	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static size_t hash_label(const struct names *nm, const char *s)
{
	return (size_t)hash_bytes(nm->seed, s, strlen(s));
}

static size_t hash_addr(const struct names *nm, uint32_t a)
{
	return (size_t)hash_u32(nm->seed, a);
}

static const struct name *find_addr(const struct names *nm, uint32_t addr)
{
	for (size_t i = hash_addr(nm, addr) & nm->mask; nm->by_addr[i]; i = (i + 1) & nm->mask)
		if (nm->v[nm->by_addr[i] - 1].addr == addr)
			return &nm->v[nm->by_addr[i] - 1];
	return NULL;
}

static const struct name *find_label(const struct names *nm, const char *label)
{
	for (size_t i = hash_label(nm, label) & nm->mask; nm->by_label[i]; i = (i + 1) & nm->mask)
		if (strcmp(nm->v[nm->by_label[i] - 1].label, label) == 0)
			return &nm->v[nm->by_label[i] - 1];
	return NULL;
}

static void keep(struct names *nm, uint32_t at)
{
	size_t i = hash_addr(nm, nm->v[at].addr) & nm->mask;
	while (nm->by_addr[i])
		i = (i + 1) & nm->mask;
	nm->by_addr[i] = at + 1;
	for (i = hash_label(nm, nm->v[at].label) & nm->mask; nm->by_label[i]; i = (i + 1) & nm->mask)
		;
	nm->by_label[i] = at + 1;
	nm->n++;
}

/* Whether label is in RefuseNames (commas or spaces between names; the
 * labels are lower case already, the list is compared without case). */
static bool refused(const char *list, const char *label)
{
	size_t len = strlen(label);
	for (const char *p = list; *p;) {
		p += strspn(p, ", \t");
		size_t n = strcspn(p, ", \t");
		if (n == len && n && strncasecmp(p, label, n) == 0)
			return true;
		p += n;
	}
	return false;
}

static bool add(struct name *v, size_t *n, const char *host, uint32_t addr, uint8_t rank,
		int64_t since, int64_t end, const char *refuse)
{
	if (!host || !*host)
		return false;
	if (text_label_clean((const uint8_t *)host, strlen(host), v[*n].label) < 0)
		return false;
	if (refuse && refused(refuse, v[*n].label))
		return false;
	v[*n].addr = addr;
	v[*n].rank = rank;
	v[*n].since = since;
	v[*n].end = end;
	(*n)++;
	return true;
}

static size_t collect(struct lease_table *t, const struct config *c, int64_t now, struct name *v)
{
	size_t n = 0;
	for (size_t i = 0; i < c->nhosts; i++)
		if (c->hosts[i].addr)
			add(v, &n, c->hosts[i].hostname, c->hosts[i].addr, RANK_RESERVED, 0,
			    INT64_MAX, NULL);
	for (struct lease *l = lease_next(t, NULL); l; l = lease_next(t, l))
		if (l->state == LEASE_ACTIVE && l->end > now)
			add(v, &n, l->hostname, l->addr,
			    l->flags & LEASE_F_PARTNER ? RANK_PARTNER : RANK_OWN,
			    l->named_since ? l->named_since : l->start, l->end, c->dns_refuse);
	return n;
}

/* One claim: the first claimant of a label keeps it; a later one gets
 * <label>-<last octet>, or no name when that is taken too. */
static void claim(struct names *nm, uint32_t at, names_clash_fn clash, void *arg)
{
	struct name *cand = &nm->v[at];
	if (find_addr(nm, cand->addr))
		return;		/* a reservation and its lease: one name */
	for (int attempt = 0; attempt < 2; attempt++) {
		const struct name *owner = find_label(nm, cand->label);
		if (!owner) {
			keep(nm, at);
			return;
		}
		char orig[DNS_LABEL_MAX + 1];
		memcpy(orig, cand->label, sizeof orig);
		if (attempt == 0) {
			char suf[8];
			int sl = snprintf(suf, sizeof suf, "-%u", cand->addr & 255);
			cand->label[DNS_LABEL_MAX - sl] = 0;
			strcat(cand->label, suf);
		}
		if (clash)
			clash(arg, orig, owner->addr, cand->addr, attempt == 0 ? cand->label : "");
	}
}

struct names *names_build(struct lease_table *t, const struct config *c, int64_t now,
			  names_clash_fn clash, void *arg)
{
	size_t cap = lease_count(t) + c->nhosts + 1, slots = 16;
	while (slots < 2 * cap)
		slots <<= 1;
	struct names *nm = calloc(1, sizeof *nm);
	struct claim *order = malloc(cap * sizeof *order);
	if (nm) {
		nm->v = malloc(cap * sizeof *nm->v);
		nm->by_addr = calloc(slots, sizeof *nm->by_addr);
		nm->by_label = calloc(slots, sizeof *nm->by_label);
		nm->mask = slots - 1;
		nm->seed = hash_seed();
	}
	if (!nm || !order || !nm->v || !nm->by_addr || !nm->by_label) {
		names_free(nm);
		free(order);
		return NULL;
	}
	size_t n = collect(t, c, now, nm->v);
	for (size_t i = 0; i < n; i++)
		order[i] = (struct claim){ nm->v[i].rank, nm->v[i].since, nm->v[i].addr,
					   (uint32_t)i };
	qsort(order, n, sizeof *order, cmp_claim);
	for (size_t i = 0; i < n; i++)
		claim(nm, order[i].at, clash, arg);
	free(order);
	return nm;
}

void names_free(struct names *n)
{
	if (!n)
		return;
	free(n->v);
	free(n->by_addr);
	free(n->by_label);
	free(n);
}

size_t names_count(const struct names *n)
{
	return n->n;
}

static uint32_t ttl_of(const struct name *e, int64_t now)
{
	int64_t left = e->end - now;
	if (left <= 0)
		return 0;
	return left < NAMES_TTL_MAX ? (uint32_t)left : NAMES_TTL_MAX;
}

int names_by_label(const struct names *n, const char *label, int64_t now,
		   uint32_t *addr, uint32_t *ttl)
{
	const struct name *e = find_label(n, label);
	if (!e || e->end <= now)
		return -1;
	*addr = e->addr;
	*ttl = ttl_of(e, now);
	return 0;
}

int names_by_addr(const struct names *n, uint32_t addr, int64_t now,
		  char label[DNS_LABEL_MAX + 1], uint32_t *ttl)
{
	const struct name *e = find_addr(n, addr);
	if (!e || e->end <= now)
		return -1;
	memcpy(label, e->label, DNS_LABEL_MAX + 1);
	*ttl = ttl_of(e, now);
	return 0;
}
