/* libFuzzer: the failover stream framing and message decoder; whatever
 * decodes must re-encode, decode again to the same fields, and re-encode
 * to the same bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "failover/wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Both messages carry the same options with the same values. */
static void same_fields(const struct fo_msg *a, const struct fo_msg *b)
{
	static uint8_t va[FO_MSG_MAX], vb[FO_MSG_MAX];
	if (a->type != b->type || a->time != b->time || a->xid != b->xid ||
	    a->present != b->present || b->nskipped != 0)
		__builtin_trap();
	for (unsigned c = 1; c <= FO_OPT_MAX; c++) {
		int na = fo_opt_value(a, c, va, sizeof va);
		int nb = fo_opt_value(b, c, vb, sizeof vb);
		if (na != nb || (na > 0 && memcmp(va, vb, (size_t)na) != 0))
			__builtin_trap();
	}
}

static void one_message(const uint8_t *p, size_t n)
{
	static uint8_t out[FO_MSG_MAX], again[FO_MSG_MAX];
	struct fo_msg m, m2;
	const char *why;
	if (fo_decode(&m, p, n, &why) < 0)
		return;
	(void)fo_type_name(m.type);
	for (unsigned i = 0; i < m.nskipped && i < FO_SKIP_MAX; i++)
		(void)fo_opt_name(m.skipped[i]);
	size_t len = fo_encode(&m, out, sizeof out, &why);
	if (len < FO_HDR_LEN || len > n)
		__builtin_trap();	/* only skipped options and header padding go */
	if (fo_decode(&m2, out, len, &why) < 0)
		__builtin_trap();
	same_fields(&m, &m2);
	if (fo_encode(&m2, again, sizeof again, &why) != len || memcmp(out, again, len) != 0)
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* The input is a TCP stream: messages one after the other.  Each is
	 * copied to a buffer of its own size so a read past it is caught. */
	size_t off = 0, len;
	const char *why;
	while (off < size && fo_frame(data + off, size - off, &len, &why) == 1) {
		uint8_t *p = malloc(len);
		if (!p)
			return 0;
		memcpy(p, data + off, len);
		one_message(p, len);
		free(p);
		off += len;
	}
	/* And the whole input as one message, whatever its length field says. */
	one_message(data, size);
	return 0;
}
