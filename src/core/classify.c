/* Client classes (docs/config.md, "Client classes").  The bytes tested
 * are the request's, so every read is bounded by the length the decoder
 * found; option 82 is read only from a relayed request (RFC 3046 section
 * 2.1: a client does not send it, and one that does could pick its own
 * class). */
#include <string.h>
#include "core/classify.h"
#include "common/bytes.h"

/* The bytes a condition looks at, or NULL when they are absent. */
static const uint8_t *subject(const struct cfg_match *t, const struct dhcp_msg *m, size_t *n)
{
	switch (t->subject) {
	case CFG_M_OPTION:
		return dhcp_opt(m, t->code, n);
	case CFG_M_RAI:
		if (m->giaddr == 0) {
			*n = 0;
			return NULL;
		}
		return dhcp_rai_sub(m, t->code, n);
	case CFG_M_HW:
		*n = m->hlen < sizeof m->chaddr ? m->hlen : sizeof m->chaddr;
		return m->chaddr;
	}
	*n = 0;
	return NULL;
}

/* Whether the value holds t's bytes anywhere. */
static bool contains(const uint8_t *v, size_t n, const struct cfg_match *t)
{
	struct rd r = rd_init(v, n);

	if (t->len == 0)
		return true;
	while (rd_left(&r) >= t->len) {
		struct rd at = r;
		const uint8_t *p = rd_bytes(&at, t->len);
		if (p && memcmp(p, t->data, t->len) == 0)
			return true;
		rd_u8(&r);
	}
	return false;
}

static bool test_value(const struct cfg_match *t, const uint8_t *v, size_t n)
{
	struct rd r = rd_init(v, n);
	const uint8_t *p;

	switch (t->op) {
	case CFG_M_EXISTS:
		return true;
	case CFG_M_EQ:
		return n == t->len && (p = rd_bytes(&r, t->len)) && memcmp(p, t->data, t->len) == 0;
	case CFG_M_PREFIX:
		return (p = rd_bytes(&r, t->len)) != NULL && memcmp(p, t->data, t->len) == 0;
	case CFG_M_CONTAINS:
		return contains(v, n, t);
	}
	return false;
}

bool classify_test(const struct cfg_match *t, const struct dhcp_msg *m)
{
	size_t n;
	const uint8_t *v = subject(t, m, &n);
	bool hit = v != NULL && test_value(t, v, n);

	return hit != t->negate;
}

/* All of a class's conditions hold, or with MatchAny one of them. */
static bool member(const struct cfg_class *k, const struct dhcp_msg *m)
{
	for (size_t i = 0; i < k->nmatch; i++)
		if (classify_test(&k->match[i], m) == k->any)
			return k->any;
	return !k->any && k->nmatch > 0;
}

uint64_t classify(const struct config *c, const struct dhcp_msg *m)
{
	uint64_t bits = 0;

	for (size_t i = 0; i < c->nclasses && i < CFG_CLASS_MAX; i++)
		if (member(&c->classes[i], m))
			bits |= 1ull << i;
	return bits;
}

bool classify_pool_allows(const struct cfg_range *r, uint64_t classes)
{
	return (r->allow == 0 || (r->allow & classes)) && !(r->deny & classes);
}
