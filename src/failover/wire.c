/* The failover message codec: the option table as data, one generic
 * decoder and encoder driven by it.
 *
 * Where draft-ietf-dhc-failover-12 and ISC dhcpd 4.4.3 differ, this follows
 * ISC, the peer we talk to:
 * - an option ISC does not keep for a message type is skipped, not an
 *   error (ISC reads every option in every message, then keeps only those
 *   its handlers use; the table's `types` column is that list);
 * - a repeated kept option is a protocol error; a repeated skipped one is
 *   not (ISC only remembers the options it keeps);
 * - DDNS (9) in BNDUPD or BNDACK is a protocol error: ISC 4.4 declares it
 *   fixed-size with no size, so it refuses every length.  ISC never sends it;
 * - message-digest (17), delayed-service (10) and vendor-specific-options
 *   (29) are skipped in every message.
 * We are stricter in one place: a message type outside 1..12 is refused
 * even without options (ISC checks it only while reading an option). */
#include <stddef.h>
#include <string.h>
#include "failover/wire.h"
#include "common/bytes.h"

#define T(x) (1u << (x))
#define LEASE (T(FO_BNDUPD) | T(FO_BNDACK))
#define LINK (T(FO_CONNECT) | T(FO_CONNECTACK))
#define REFUSAL (T(FO_BNDACK) | T(FO_CONNECTACK) | T(FO_DISCONNECT))
#define AT(field) (uint16_t)offsetof(struct fo_msg, field)

/* Section 12, indexed by code.  `types` lists the messages in which ISC
 * dhcpd 4.4.3 keeps the option (its stables.c fto_allowed). */
static const struct fo_opt_def defs[FO_OPT_MAX + 1] = {
	[1] = { 1, FO_V_U32, "addresses-transferred", T(FO_POOLRESP), AT(addresses_transferred) },
	[2] = { 2, FO_V_IP, "assigned-IP-address", LEASE, AT(assigned_ip) },
	[3] = { 3, FO_V_BINDING, "binding-status", LEASE, AT(binding_status) },
	[4] = { 4, FO_V_BYTES, "client-identifier", LEASE, AT(client_id) },
	[5] = { 5, FO_V_CHADDR, "client-hardware-address", LEASE, AT(chaddr) },
	[6] = { 6, FO_V_TIME, "client-last-transaction-time", LEASE, AT(cltt) },
	[7] = { 7, FO_V_BYTES, "client-reply-options", LEASE, AT(reply_options) },
	[8] = { 8, FO_V_BYTES, "client-request-options", LEASE, AT(request_options) },
	[9] = { 9, FO_V_DDNS, "DDNS", LEASE, 0 },
	[10] = { 10, FO_V_U8, "delayed-service", 0, 0 },
	[11] = { 11, FO_V_HBA, "hash-bucket-assignment", T(FO_CONNECT), AT(hba) },
	[12] = { 12, FO_V_U16, "IP-flags", LEASE, AT(ip_flags) },
	[13] = { 13, FO_V_TIME, "lease-expiration-time", LEASE, AT(lease_expiry) },
	[14] = { 14, FO_V_U32, "max-unacked-BNDUPD", LINK, AT(max_unacked) },
	[15] = { 15, FO_V_U32, "MCLT", T(FO_CONNECT), AT(mclt) },
	[16] = { 16, FO_V_TEXT, "message", REFUSAL, AT(message) },
	[17] = { 17, FO_V_BYTES, "message-digest", 0, 0 },
	[18] = { 18, FO_V_TIME, "potential-expiration-time", LEASE, AT(potential_expiry) },
	[19] = { 19, FO_V_U32, "receive-timer", LINK, AT(receive_timer) },
	[20] = { 20, FO_V_U8, "protocol-version", LINK, AT(protocol_version) },
	[21] = { 21, FO_V_REASON, "reject-reason", REFUSAL, AT(reject_reason) },
	[22] = { 22, FO_V_BYTES, "relationship-name", LINK, AT(relationship_name) },
	[23] = { 23, FO_V_FLAGS8, "server-flags", T(FO_STATE), AT(server_flags) },
	[24] = { 24, FO_V_STATE, "server-state", T(FO_STATE), AT(server_state) },
	[25] = { 25, FO_V_TIME, "start-time-of-state", LEASE | T(FO_STATE), AT(stos) },
	[26] = { 26, FO_V_U8, "TLS-reply", T(FO_CONNECTACK), AT(tls_reply) },
	[27] = { 27, FO_V_U8, "TLS-request", T(FO_CONNECT), AT(tls_request) },
	[28] = { 28, FO_V_BYTES, "vendor-class", LINK, AT(vendor_class) },
	[29] = { 29, FO_V_BYTES, "vendor-specific-options", 0, 0 },
};

/* The order ISC's senders list the options in (failover.c, the
 * dhcp_failover_send_* functions), merged into one sequence that keeps
 * each message type's order: CONNECT 22 14 19 28 20 27 15 11; CONNECTACK
 * 22 14 19 28 20 26 21 16; STATE 24 23 25; BNDUPD and BNDACK 2 3 4 5 13
 * 18 25 6 12 (21 16) 8 7; DISCONNECT 21 16; POOLRESP 1. */
static const uint8_t send_order[] = {
	22, 14, 19, 28, 20, 27, 26, 15, 11, 1, 2, 3, 4, 5, 13, 18, 24, 23, 25, 6, 12, 21, 16, 8, 7,
};

const struct fo_opt_def *fo_opt_def(unsigned code)
{
	return code >= 1 && code <= FO_OPT_MAX ? &defs[code] : NULL;
}

const uint8_t *fo_send_order(size_t *n)
{
	*n = sizeof send_order;
	return send_order;
}

/* Bytes of a fixed-size value, 0 for a byte string. */
static size_t vwidth(enum fo_vtype v)
{
	switch (v) {
	case FO_V_U8: case FO_V_BINDING: case FO_V_STATE: case FO_V_REASON: case FO_V_FLAGS8:
		return 1;
	case FO_V_U16:
		return 2;
	case FO_V_U32: case FO_V_TIME: case FO_V_IP:
		return 4;
	default:
		return 0;
	}
}

/* Only a kept option has a field; DDNS is kept nowhere we can store it. */
static bool has_field(const struct fo_opt_def *d)
{
	return d->types != 0 && d->vtype != FO_V_DDNS;
}

void fo_msg_init(struct fo_msg *m, uint8_t type, uint32_t time, uint32_t xid)
{
	memset(m, 0, sizeof *m);
	m->type = type;
	m->time = time;
	m->xid = xid;
}

int fo_frame(const uint8_t *buf, size_t avail, size_t *len, const char **why)
{
	struct rd r = rd_init(buf, avail);
	uint16_t n = rd_u16(&r);
	if (r.err)
		return 0;
	if (n < FO_MSG_MIN || n > FO_MSG_MAX) {
		*why = n < FO_MSG_MIN ? "length field under 12" : "length field over 2048";
		return -1;
	}
	*len = n;
	return avail >= n;
}

static void note_skipped(struct fo_msg *m, uint16_t code)
{
	if (m->nskipped < FO_SKIP_MAX)
		m->skipped[m->nskipped] = code;
	m->nskipped++;
}

/* Stores one kept option's value (olen bytes at v) in its field. */
static int store(struct fo_msg *m, const struct fo_opt_def *d, const uint8_t *v,
		 uint16_t olen, const char **why)
{
	if (d->vtype == FO_V_DDNS) {
		*why = "DDNS option (ISC 4.4 refuses it too)";
		return -1;
	}
	size_t w = vwidth(d->vtype);
	if (w && olen != w) {
		*why = "fixed-size option with the wrong length";
		return -1;
	}
	uint8_t *f = (uint8_t *)m + d->offset;
	struct rd r = rd_init(v, olen);
	if (w == 1)
		*f = rd_u8(&r);
	else if (w == 2)
		*(uint16_t *)(void *)f = rd_u16(&r);
	else if (w == 4)
		*(uint32_t *)(void *)f = rd_u32(&r);
	else
		*(struct fo_bytes *)(void *)f = (struct fo_bytes){ v, olen };
	fo_set(m, d->code);
	return 0;
}

static int decode_option(struct fo_msg *m, struct rd *r, const char **why)
{
	if (rd_left(r) < 4) {
		*why = "truncated option header";
		return -1;
	}
	uint16_t code = rd_u16(r), olen = rd_u16(r);
	const uint8_t *v = rd_bytes(r, olen);
	if (!v) {
		*why = "option runs past the end of the message";
		return -1;
	}
	const struct fo_opt_def *d = fo_opt_def(code);
	if (!d || !(d->types & T(m->type))) {
		note_skipped(m, code);	/* unknown, or not used in this type */
		return 0;
	}
	if (fo_has(m, code)) {
		*why = "repeated option";
		return -1;
	}
	return store(m, d, v, olen, why);
}

int fo_decode(struct fo_msg *m, const uint8_t *buf, size_t len, const char **why)
{
	memset(m, 0, sizeof *m);
	if (len < FO_MSG_MIN || len > FO_MSG_MAX) {
		*why = len < FO_MSG_MIN ? "shorter than the 12-byte header" : "longer than 2048 bytes";
		return -1;
	}
	struct rd r = rd_init(buf, len);
	uint16_t mlen = rd_u16(&r);
	m->type = rd_u8(&r);
	uint8_t payoff = rd_u8(&r);
	m->time = rd_u32(&r);
	m->xid = rd_u32(&r);
	if (mlen != len) {
		*why = "length field disagrees with the message size";
		return -1;
	}
	if (m->type < FO_POOLREQ || m->type > FO_TYPE_MAX) {
		*why = "unknown message type";
		return -1;
	}
	/* Section 6.1: a larger payload offset leaves room for header fields
	 * of later versions, which are skipped. */
	if (payoff < FO_HDR_LEN || payoff > len) {
		*why = "payload offset outside the message";
		return -1;
	}
	rd_bytes(&r, payoff - FO_HDR_LEN);
	while (rd_left(&r) > 0)
		if (decode_option(m, &r, why) < 0)
			return -1;
	return 0;
}

/* Writes the value of a kept option from its field. */
static void put_value(struct wr *w, const struct fo_msg *m, const struct fo_opt_def *d)
{
	const uint8_t *f = (const uint8_t *)m + d->offset;
	switch (vwidth(d->vtype)) {
	case 1:
		wr_u8(w, *f);
		break;
	case 2:
		wr_u16(w, *(const uint16_t *)(const void *)f);
		break;
	case 4:
		wr_u32(w, *(const uint32_t *)(const void *)f);
		break;
	default: {
		const struct fo_bytes *b = (const void *)f;
		wr_bytes(w, b->p, b->len);
	}
	}
}

static uint16_t value_len(const struct fo_msg *m, const struct fo_opt_def *d)
{
	size_t w = vwidth(d->vtype);
	if (w)
		return (uint16_t)w;
	const struct fo_bytes *b = (const void *)((const uint8_t *)m + d->offset);
	return b->len;
}

int fo_opt_value(const struct fo_msg *m, unsigned code, uint8_t *out, size_t cap)
{
	const struct fo_opt_def *d = fo_opt_def(code);
	if (!d || !has_field(d) || !fo_has(m, code))
		return -1;
	struct wr w = wr_init(out, cap);
	put_value(&w, m, d);
	return w.err ? -1 : (int)w.off;
}

/* Whether every option in m can be sent in its message type. */
static bool sendable(const struct fo_msg *m, const char **why)
{
	for (unsigned c = 0; c < 32; c++) {
		if (!(m->present >> c & 1u))
			continue;
		const struct fo_opt_def *d = fo_opt_def(c);
		if (!d || !has_field(d) || !(d->types & T(m->type))) {
			*why = "option not carried by this message type";
			return false;
		}
		const struct fo_bytes *b = (const void *)((const uint8_t *)m + d->offset);
		if (!vwidth(d->vtype) && b->len && !b->p) {
			*why = "byte option without data";
			return false;
		}
	}
	return true;
}

size_t fo_encode(const struct fo_msg *m, uint8_t *buf, size_t cap, const char **why)
{
	if (m->type < FO_POOLREQ || m->type > FO_TYPE_MAX) {
		*why = "unknown message type";
		return 0;
	}
	if (!sendable(m, why))
		return 0;
	struct wr w = wr_init(buf, cap);
	wr_u16(&w, 0);		/* the length, filled in below */
	wr_u8(&w, m->type);
	wr_u8(&w, FO_HDR_LEN);
	wr_u32(&w, m->time);
	wr_u32(&w, m->xid);
	for (size_t i = 0; i < sizeof send_order; i++) {
		const struct fo_opt_def *d = &defs[send_order[i]];
		if (!fo_has(m, d->code))
			continue;
		wr_u16(&w, d->code);
		wr_u16(&w, value_len(m, d));
		put_value(&w, m, d);
	}
	if (w.off > FO_MSG_MAX || (w.err && cap >= FO_MSG_MAX)) {
		*why = "message over 2048 bytes";
		return 0;
	}
	if (w.err) {
		*why = "buffer too small";
		return 0;
	}
	struct wr h = wr_init(buf, 2);
	wr_u16(&h, (uint16_t)w.off);
	return w.off;
}

static const char *pick(const char *const *names, size_t n, unsigned i)
{
	return i < n && names[i] ? names[i] : "unknown";
}

const char *fo_type_name(unsigned type)
{
	static const char *const names[] = {
		NULL, "POOLREQ", "POOLRESP", "BNDUPD", "BNDACK", "CONNECT", "CONNECTACK",
		"UPDREQALL", "UPDDONE", "UPDREQ", "STATE", "CONTACT", "DISCONNECT",
	};
	return pick(names, sizeof names / sizeof names[0], type);
}

const char *fo_opt_name(unsigned code)
{
	const struct fo_opt_def *d = fo_opt_def(code);
	return d ? d->name : "unknown";
}

const char *fo_binding_name(unsigned status)
{
	static const char *const names[] = {
		NULL, "free", "active", "expired", "released", "abandoned", "reset", "backup",
	};
	return pick(names, sizeof names / sizeof names[0], status);
}

const char *fo_state_name(unsigned state)
{
	static const char *const names[] = {
		NULL, "startup", "normal", "communications-interrupted", "partner-down",
		"potential-conflict", "recover", "paused", "shutdown", "recover-done",
		"resolution-interrupted", "conflict-done",
	};
	if (state == FO_ST_RECOVER_WAIT)
		return "recover-wait";
	return pick(names, sizeof names / sizeof names[0], state);
}

const char *fo_reject_name(unsigned reason)
{
	static const char *const names[] = {
		NULL, "illegal-ip-addr", "fatal-conflict", "missing-bind-info", "time-mismatch",
		"invalid-mclt", "misc-reject", "duplicate-connection", "invalid-partner",
		"tls-unsupported", "tls-unconfigured", "tls-required", "digest-unsupported",
		"digest-unconfigured", "version-mismatch", "outdated-bind-info",
		"less-critical-bind-info", "no-traffic", "hba-conflict", "ip-not-reserved",
		"ip-digest-failure", "ip-missing-digest",
	};
	if (reason == FO_REJ_UNKNOWN)
		return "unknown-reason";
	return pick(names, sizeof names / sizeof names[0], reason);
}
