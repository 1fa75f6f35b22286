/* DHCPv4 message codec.  All packet bytes are read through struct rd. */
#include <string.h>
#include "common/bytes.h"
#include "proto/dhcp.h"

/* One pass over an option area: calls visit for every option.  A missing
 * END is tolerated (the area's end ends it); an option whose length runs
 * past the area is an error. */
typedef void (*opt_visit_fn)(void *arg, uint8_t code, const uint8_t *v, uint8_t len);

static int walk_area(const uint8_t *p, size_t len, opt_visit_fn visit, void *arg)
{
	struct rd r = rd_init(p, len);
	while (rd_left(&r) > 0) {
		uint8_t code = rd_u8(&r);
		if (code == DO_PAD)
			continue;
		if (code == DO_END)
			return 0;
		uint8_t olen = rd_u8(&r);
		const uint8_t *v = rd_bytes(&r, olen);
		if (!v)
			return -1;
		visit(arg, code, v, olen);
	}
	return 0;
}

/* First pass: each code gets a slot on first sight; its pieces are
 * counted and their lengths summed. */
static void tally_visit(void *arg, uint8_t code, const uint8_t *v, uint8_t len)
{
	struct dhcp_msg *m = arg;
	unsigned i = m->opt_idx[code];
	if (i == 0) {
		m->optv[m->nopt] = (struct dhcp_optv){ v, len, 1 };
		m->opt_idx[code] = ++m->nopt;
		return;
	}
	m->optv[i - 1].len = (uint16_t)(m->optv[i - 1].len + len);
	m->optv[i - 1].pieces++;
}

/* Second pass, only when some code came in pieces: RFC 3396 concatenates
 * them, in order, into optbuf. */
struct gather {
	struct dhcp_msg *m;
	uint16_t fill[254];	/* next byte of optbuf for each split slot */
};

static void gather_visit(void *arg, uint8_t code, const uint8_t *v, uint8_t len)
{
	struct gather *g = arg;
	unsigned i = g->m->opt_idx[code] - 1u;
	if (g->m->optv[i].pieces < 2)
		return;
	memcpy(g->m->optbuf + g->fill[i], v, len);
	g->fill[i] = (uint16_t)(g->fill[i] + len);
}

struct area { const uint8_t *p; size_t len; };

static int walk_all(const struct area *areas, size_t n, opt_visit_fn fn, void *arg)
{
	for (size_t i = 0; i < n; i++)
		if (walk_area(areas[i].p, areas[i].len, fn, arg) < 0)
			return -1;
	return 0;
}

/* Lays the split codes out in optbuf, in slot order, and copies their
 * pieces there.  Most packets have none and skip the second walk. */
static void gather_split(struct dhcp_msg *m, const struct area *areas, size_t n)
{
	struct gather g;
	uint16_t used = 0;
	for (unsigned i = 0; i < m->nopt; i++) {
		if (m->optv[i].pieces < 2)
			continue;
		g.fill[i] = used;
		m->optv[i].v = m->optbuf + used;
		used = (uint16_t)(used + m->optv[i].len);
	}
	if (used == 0)
		return;
	g.m = m;
	walk_all(areas, n, gather_visit, &g);
}

static void read_header(struct dhcp_msg *m, struct rd *r)
{
	m->op = rd_u8(r);
	m->htype = rd_u8(r);
	m->hlen = rd_u8(r);
	m->hops = rd_u8(r);
	m->xid = rd_u32(r);
	m->secs = rd_u16(r);
	m->flags = rd_u16(r);
	m->ciaddr = rd_u32(r);
	m->yiaddr = rd_u32(r);
	m->siaddr = rd_u32(r);
	m->giaddr = rd_u32(r);
	memcpy(m->chaddr, rd_bytes(r, 16), 16);
	memcpy(m->sname, rd_bytes(r, 64), 64);
	memcpy(m->file, rd_bytes(r, 128), 128);
}

/* Collects the areas to parse: the options field, then file and sname if
 * option 52 in the options field says so (RFC 2131 section 4.1, in that
 * order per RFC 3396 section 7).  Overload is followed exactly once: an
 * option 52 inside file or sname is ignored. */
static size_t collect_areas(struct dhcp_msg *m, const uint8_t *pkt, size_t len,
			    struct area *areas)
{
	size_t n = 0;
	areas[n++] = (struct area){ pkt + DHCP_FIXED_LEN + 4, len - DHCP_FIXED_LEN - 4 };
	if (walk_all(areas, 1, tally_visit, m) < 0)
		return 0;
	unsigned o = m->opt_idx[DO_OVERLOAD];
	if (o && m->optv[o - 1].pieces == 1 && m->optv[o - 1].len == 1)
		m->overload = m->optv[o - 1].v[0] & 3;
	if (m->overload & 1)
		areas[n++] = (struct area){ pkt + 108, 128 };
	if (m->overload & 2)
		areas[n++] = (struct area){ pkt + 44, 64 };
	if (n > 1 && walk_all(areas + 1, n - 1, tally_visit, m) < 0)
		return 0;
	return n;
}

int dhcp_decode(struct dhcp_msg *m, const uint8_t *pkt, size_t len, const char **why)
{
	if (len < DHCP_FIXED_LEN + 4 || len > DHCP_RECV_MAX) {
		*why = len > DHCP_RECV_MAX ? "oversized packet" : "short packet";
		return -1;
	}
	memset(m, 0, offsetof(struct dhcp_msg, optv));
	struct rd r = rd_init(pkt, len);
	read_header(m, &r);
	if (rd_u32(&r) != DHCP_MAGIC) {
		*why = "no DHCP magic cookie";
		return -1;
	}
	if (m->hlen > 16) {
		*why = "hardware address length over 16";
		return -1;
	}
	struct area areas[3];
	size_t n = collect_areas(m, pkt, len, areas);
	if (n == 0) {
		*why = "option runs past the end of its field";
		return -1;
	}
	gather_split(m, areas, n);
	size_t tl;
	const uint8_t *tp = dhcp_opt(m, DO_MSG_TYPE, &tl);
	if (tp) {
		if (tl != 1 || tp[0] < DHCPDISCOVER || tp[0] > DHCPINFORM) {
			*why = "bad message type option";
			return -1;
		}
		m->type = tp[0];
	}
	if (m->op != 1) {
		*why = "not a BOOTREQUEST";
		return -1;
	}
	return 0;
}

uint32_t dhcp_opt_ip(const struct dhcp_msg *m, uint8_t code)
{
	size_t len;
	const uint8_t *v = dhcp_opt(m, code, &len);
	if (!v || len != 4)
		return 0;
	return (uint32_t)v[0] << 24 | (uint32_t)v[1] << 16 | (uint32_t)v[2] << 8 | v[3];
}

const uint8_t *dhcp_rai_sub(const struct dhcp_msg *m, uint8_t sub, size_t *len)
{
	size_t olen;
	const uint8_t *v = dhcp_opt(m, DO_RELAY_INFO, &olen);
	struct rd r = rd_init(v, v ? olen : 0);
	while (rd_left(&r) >= 2) {
		uint8_t code = rd_u8(&r);
		uint8_t slen = rd_u8(&r);
		const uint8_t *sv = rd_bytes(&r, slen);
		if (!sv)
			break;
		if (code == sub) {
			*len = slen;
			return sv;
		}
	}
	*len = 0;
	return NULL;
}

const char *dhcp_type_name(uint8_t type)
{
	static const char *const names[] = {
		"BOOTP", "DISCOVER", "OFFER", "REQUEST", "DECLINE",
		"ACK", "NAK", "RELEASE", "INFORM",
	};
	return type <= DHCPINFORM ? names[type] : "UNKNOWN";
}

bool dhcp_out_add(struct dhcp_out *o, uint8_t code, const void *data, size_t len)
{
	if (o->nopts == DHCP_OUT_OPTS || len > sizeof o->scratch - o->scratch_used)
		return false;
	uint8_t *dst = o->scratch + o->scratch_used;
	if (len)
		memcpy(dst, data, len);
	o->scratch_used += len;
	o->opts[o->nopts].code = code;
	o->opts[o->nopts].len = (uint16_t)len;
	o->opts[o->nopts].data = dst;
	o->nopts++;
	return true;
}

bool dhcp_out_add_u32(struct dhcp_out *o, uint8_t code, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };
	return dhcp_out_add(o, code, b, 4);
}

bool dhcp_out_has(const struct dhcp_out *o, uint8_t code)
{
	for (size_t i = 0; i < o->nopts; i++)
		if (o->opts[i].code == code)
			return true;
	return false;
}

/* Bytes an option takes on the wire, split into pieces of at most 255. */
static size_t wire_size(uint16_t len)
{
	size_t pieces = len == 0 ? 1 : (len + 254u) / 255u;
	return len + 2 * pieces;
}

static void put_option(struct wr *w, uint8_t code, const uint8_t *v, uint16_t len)
{
	do {
		uint8_t piece = len > 255 ? 255 : (uint8_t)len;
		wr_u8(w, code);
		wr_u8(w, piece);
		wr_bytes(w, v, piece);
		v += piece;
		len = (uint16_t)(len - piece);
	} while (len > 0);
}

static void write_header(const struct dhcp_out *o, struct wr *w, uint8_t overload)
{
	wr_u8(w, o->op);
	wr_u8(w, o->htype);
	wr_u8(w, o->hlen);
	wr_u8(w, o->hops);
	wr_u32(w, o->xid);
	wr_u16(w, 0);
	wr_u16(w, o->flags);
	wr_u32(w, o->ciaddr);
	wr_u32(w, o->yiaddr);
	wr_u32(w, o->siaddr);
	wr_u32(w, o->giaddr);
	wr_bytes(w, o->chaddr, 16);
	/* Fields used for overflow are filled by the option writer. */
	if (overload & 2)
		wr_zero(w, 64);
	else
		wr_bytes(w, o->sname, 64);
	if (overload & 1)
		wr_zero(w, 128);
	else
		wr_bytes(w, o->file, 128);
	wr_u32(w, DHCP_MAGIC);
}

size_t dhcp_encode(const struct dhcp_out *o, uint8_t *buf, size_t maxlen, unsigned *dropped)
{
	if (maxlen < DHCP_MIN_MAX)
		maxlen = DHCP_MIN_MAX;
	if (maxlen > DHCP_PKT_MAX)
		maxlen = DHCP_PKT_MAX;
	*dropped = 0;
	size_t need = 0;
	for (size_t i = 0; i < o->nopts; i++)
		need += wire_size(o->opts[i].len);

	/* Room in each area, END included; the first also holds option 52. */
	size_t room[3] = { maxlen - DHCP_FIXED_LEN - 4 - 1, 0, 0 };
	uint8_t overload = 0;
	if (need > room[0]) {
		room[0] -= 3;
		if (!o->file[0]) {
			overload |= 1;
			room[1] = 128 - 1;
		}
		if (!o->sname[0]) {
			overload |= 2;
			room[2] = 64 - 1;
		}
	}
	struct wr w = wr_init(buf, maxlen);
	write_header(o, &w, overload);
	struct wr area[3] = {
		wr_init(buf + w.off, room[0]),
		wr_init(buf + 108, room[1]),
		wr_init(buf + 44, room[2]),
	};
	if (overload)
		put_option(&area[0], DO_OVERLOAD, &overload, 1);
	for (size_t i = 0; i < o->nopts; i++) {
		size_t sz = wire_size(o->opts[i].len);
		size_t a = 0;
		while (a < 3 && wr_left(&area[a]) < sz)
			a++;
		if (a == 3) {
			(*dropped)++;
			continue;
		}
		put_option(&area[a], o->opts[i].code, o->opts[i].data, o->opts[i].len);
	}
	size_t len = w.off + area[0].off;
	buf[len++] = DO_END;
	if (overload & 1)
		buf[108 + area[1].off] = DO_END;
	if (overload & 2)
		buf[44 + area[2].off] = DO_END;
	if (len < DHCP_MIN_REPLY) {
		memset(buf + len, 0, DHCP_MIN_REPLY - len);
		len = DHCP_MIN_REPLY;
	}
	return len;
}
