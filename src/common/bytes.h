/* Bounded byte reader and writer: every access to untrusted bytes goes
 * through these.  A reader or writer that runs past its end sets err and
 * from then on reads zeros / writes nothing, so callers check once. */
#ifndef DUODHCP_BYTES_H
#define DUODHCP_BYTES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct rd {
	const uint8_t *p;
	size_t len, off;
	bool err;
};

struct wr {
	uint8_t *p;
	size_t cap, off;
	bool err;
};

static inline struct rd rd_init(const void *p, size_t len)
{
	return (struct rd){ .p = p, .len = len };
}

static inline size_t rd_left(const struct rd *r)
{
	return r->err ? 0 : r->len - r->off;
}

static inline bool rd_need(struct rd *r, size_t n)
{
	if (r->err || r->len - r->off < n) {
		r->err = true;
		return false;
	}
	return true;
}

static inline uint8_t rd_u8(struct rd *r)
{
	return rd_need(r, 1) ? r->p[r->off++] : 0;
}

static inline uint16_t rd_u16(struct rd *r)
{
	if (!rd_need(r, 2))
		return 0;
	uint16_t v = (uint16_t)(r->p[r->off] << 8 | r->p[r->off + 1]);
	r->off += 2;
	return v;
}

static inline uint32_t rd_u32(struct rd *r)
{
	if (!rd_need(r, 4))
		return 0;
	const uint8_t *p = r->p + r->off;
	r->off += 4;
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Returns a pointer to the next n bytes and skips them, or NULL. */
static inline const uint8_t *rd_bytes(struct rd *r, size_t n)
{
	if (!rd_need(r, n))
		return NULL;
	const uint8_t *p = r->p + r->off;
	r->off += n;
	return p;
}

static inline struct wr wr_init(void *p, size_t cap)
{
	return (struct wr){ .p = p, .cap = cap };
}

static inline size_t wr_left(const struct wr *w)
{
	return w->err ? 0 : w->cap - w->off;
}

static inline bool wr_need(struct wr *w, size_t n)
{
	if (w->err || w->cap - w->off < n) {
		w->err = true;
		return false;
	}
	return true;
}

static inline void wr_u8(struct wr *w, uint8_t v)
{
	if (wr_need(w, 1))
		w->p[w->off++] = v;
}

static inline void wr_u16(struct wr *w, uint16_t v)
{
	if (wr_need(w, 2)) {
		w->p[w->off++] = (uint8_t)(v >> 8);
		w->p[w->off++] = (uint8_t)v;
	}
}

static inline void wr_u32(struct wr *w, uint32_t v)
{
	if (wr_need(w, 4)) {
		w->p[w->off++] = (uint8_t)(v >> 24);
		w->p[w->off++] = (uint8_t)(v >> 16);
		w->p[w->off++] = (uint8_t)(v >> 8);
		w->p[w->off++] = (uint8_t)v;
	}
}

static inline void wr_bytes(struct wr *w, const void *p, size_t n)
{
	if (n && wr_need(w, n)) {
		memcpy(w->p + w->off, p, n);
		w->off += n;
	}
}

static inline void wr_zero(struct wr *w, size_t n)
{
	if (n && wr_need(w, n)) {
		memset(w->p + w->off, 0, n);
		w->off += n;
	}
}

#endif
