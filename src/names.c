#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "names.h"

struct name {
	char label[DNS_LABEL_MAX + 1];
	uint32_t addr;
	int64_t start;		/* 0 for reservations: they win clashes */
	int64_t end;		/* INT64_MAX for reservations */
};

struct names {
	size_t n;
	struct name *by_label;	/* sorted by label */
	struct name *by_addr;	/* sorted by address */
};

static int cmp_claim(const void *a, const void *b)
{
	const struct name *x = a, *y = b;
	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static int cmp_label(const void *a, const void *b)
{
	return strcmp(((const struct name *)a)->label, ((const struct name *)b)->label);
}

static int cmp_addr(const void *a, const void *b)
{
	uint32_t x = ((const struct name *)a)->addr, y = ((const struct name *)b)->addr;
	return x < y ? -1 : x > y;
}

static bool add(struct name *v, size_t *n, const char *host, uint32_t addr, int64_t start,
		int64_t end)
{
	if (!host || !*host)
		return false;
	if (dns_name_clean((const uint8_t *)host, strlen(host), v[*n].label) < 0)
		return false;
	v[*n].addr = addr;
	v[*n].start = start;
	v[*n].end = end;
	(*n)++;
	return true;
}

static size_t collect(struct lease_table *t, const struct config *c, int64_t now, struct name *v)
{
	size_t n = 0;
	for (size_t i = 0; i < c->nhosts; i++)
		if (c->hosts[i].addr)
			add(v, &n, c->hosts[i].hostname, c->hosts[i].addr, 0, INT64_MAX);
	for (struct lease *l = lease_next(t, NULL); l; l = lease_next(t, l))
		if (l->state == LEASE_ACTIVE && l->end > now)
			add(v, &n, l->hostname, l->addr, l->start ? l->start : 1, l->end);
	return n;
}

/* The first claimant of a label keeps it; later ones get a suffix. */
static size_t resolve_clashes(struct name *v, size_t n, names_clash_fn clash, void *arg)
{
	qsort(v, n, sizeof *v, cmp_claim);
	size_t kept = 0;
	for (size_t i = 0; i < n; i++) {
		struct name cand = v[i];
		bool dup_addr = false;
		for (size_t j = 0; j < kept && !dup_addr; j++)
			dup_addr = v[j].addr == cand.addr;
		if (dup_addr)
			continue;	/* a reservation and its lease: one name */
		for (int attempt = 0; attempt < 2; attempt++) {
			size_t j = 0;
			while (j < kept && strcmp(v[j].label, cand.label) != 0)
				j++;
			if (j == kept) {
				v[kept++] = cand;
				break;
			}
			char orig[DNS_LABEL_MAX + 1];
			memcpy(orig, cand.label, sizeof orig);
			if (attempt == 0) {
				char suf[8];
				int sl = snprintf(suf, sizeof suf, "-%u", cand.addr & 255);
				cand.label[DNS_LABEL_MAX - sl] = 0;
				strcat(cand.label, suf);
			}
			if (clash)
				clash(arg, orig, v[j].addr, cand.addr, attempt == 0 ? cand.label : "");
		}
	}
	return kept;
}

struct names *names_build(struct lease_table *t, const struct config *c, int64_t now,
			  names_clash_fn clash, void *arg)
{
	struct names *nm = calloc(1, sizeof *nm);
	size_t cap = lease_count(t) + c->nhosts + 1;
	struct name *v = calloc(cap, sizeof *v);
	if (!nm || !v) {
		free(nm);
		free(v);
		return NULL;
	}
	size_t n = resolve_clashes(v, collect(t, c, now, v), clash, arg);
	nm->n = n;
	nm->by_label = v;
	nm->by_addr = malloc((n + 1) * sizeof *v);
	if (!nm->by_addr) {
		names_free(nm);
		return NULL;
	}
	memcpy(nm->by_addr, v, n * sizeof *v);
	qsort(nm->by_label, n, sizeof *v, cmp_label);
	qsort(nm->by_addr, n, sizeof *v, cmp_addr);
	return nm;
}

void names_free(struct names *n)
{
	if (!n)
		return;
	free(n->by_label);
	free(n->by_addr);
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
	struct name key;
	snprintf(key.label, sizeof key.label, "%s", label);
	const struct name *e = bsearch(&key, n->by_label, n->n, sizeof key, cmp_label);
	if (!e || e->end <= now)
		return -1;
	*addr = e->addr;
	*ttl = ttl_of(e, now);
	return 0;
}

int names_by_addr(const struct names *n, uint32_t addr, int64_t now,
		  char label[DNS_LABEL_MAX + 1], uint32_t *ttl)
{
	struct name key = { .addr = addr };
	const struct name *e = bsearch(&key, n->by_addr, n->n, sizeof key, cmp_addr);
	if (!e || e->end <= now)
		return -1;
	memcpy(label, e->label, DNS_LABEL_MAX + 1);
	*ttl = ttl_of(e, now);
	return 0;
}
