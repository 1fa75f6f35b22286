/* Builds client requests for the tests: a header plus options. */
#ifndef DUODHCP_TEST_PKT_H
#define DUODHCP_TEST_PKT_H

#include <stdint.h>
#include <string.h>
#include "proto/dhcp.h"

struct tpkt {
	uint8_t b[DHCP_RECV_MAX];
	size_t len;
};

static inline void tp_u32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8), p[3] = (uint8_t)v;
}

/* A request from MAC 02:00:00:00:00:<mac> of the given type. */
static inline void tp_init(struct tpkt *t, uint8_t type, uint8_t mac)
{
	memset(t, 0, sizeof *t);
	t->b[0] = 1;
	t->b[1] = 1;
	t->b[2] = 6;
	tp_u32(t->b + 4, 0x1000u + mac);
	t->b[28] = 2;
	t->b[33] = mac;
	tp_u32(t->b + 236, DHCP_MAGIC);
	t->len = 240;
	if (type) {
		t->b[t->len++] = DO_MSG_TYPE;
		t->b[t->len++] = 1;
		t->b[t->len++] = type;
	}
}

static inline void tp_opt(struct tpkt *t, uint8_t code, const void *v, uint8_t len)
{
	t->b[t->len++] = code;
	t->b[t->len++] = len;
	memcpy(t->b + t->len, v, len);
	t->len += len;
}

static inline void tp_opt_ip(struct tpkt *t, uint8_t code, uint32_t ip)
{
	uint8_t v[4];
	tp_u32(v, ip);
	tp_opt(t, code, v, 4);
}

static inline void tp_end(struct tpkt *t)
{
	t->b[t->len++] = DO_END;
	while (t->len < 300)
		t->b[t->len++] = 0;
}

static inline void tp_ciaddr(struct tpkt *t, uint32_t a) { tp_u32(t->b + 12, a); }
static inline void tp_giaddr(struct tpkt *t, uint32_t a) { tp_u32(t->b + 24, a); }
static inline void tp_flags(struct tpkt *t, uint16_t f) { t->b[10] = (uint8_t)(f >> 8), t->b[11] = (uint8_t)f; }

#define IP4(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(d))

#endif
