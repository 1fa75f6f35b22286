/* libFuzzer: the binding-update queues (failover/updates.h) under any
 * stream of partner messages.  Input: one control byte (bit 0 role, bits
 * 1-3 the window, bits 4-5 how often the store turns durable, bits 6-7
 * our failover state for the transition checks: none, normal,
 * potential-conflict, partner-down), then
 * failover messages back to back as TCP carries them; each one that
 * decodes goes to fo_upd_recv.  A few leases of our own are queued
 * first so that BNDACKs and UPDREQs find something.  An update applied
 * must be a valid record inside the failover pool. */
#include <stdint.h>
#include <stdlib.h>
#include "core/lease.h"
#include "core/record.h"
#include "failover/updates.h"
#include "failover/wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define POOL_FIRST 0xC6120000u	/* 198.18.0.0/16: the captures' addresses */
#define POOL_LAST 0xC612FFFFu
#define NOW 1795424870

struct fz {
	struct lease_table *t;
	struct fo_upd *u;
	uint64_t seq;
	uint32_t xid;
	size_t sent;
	uint8_t state;
};

static int fz_send(void *arg, struct fo_msg *m, bool reply)
{
	struct fz *f = arg;
	if (!reply)
		m->xid = ++f->xid;
	uint8_t buf[FO_MSG_MAX];
	const char *why;
	if (!fo_encode(m, buf, sizeof buf, &why))
		__builtin_trap();	/* what we build must encode */
	f->sent++;
	return 0;
}

static uint64_t fz_apply(void *arg, const struct lease_rec *r)
{
	struct fz *f = arg;
	if (r->addr < POOL_FIRST || r->addr > POOL_LAST || !record_valid(r) ||
	    r->state < LEASE_FREE || r->state > LEASE_BACKUP || r->pending_state)
		__builtin_trap();	/* a malformed update was applied */
	struct lease *l = lease_upsert(f->t, r);
	if (!l)
		return 0;
	lease_set_seq(f->t, l, ++f->seq);
	fo_upd_lease_changed(f->u, l, f->seq);
	return f->seq;
}

static void fz_changed(void *arg, struct lease *l, bool lazy)
{
	struct fz *f = arg;
	(void)lazy;
	lease_set_seq(f->t, l, ++f->seq);
	fo_upd_lease_changed(f->u, l, f->seq);
}

static void fz_event(void *arg, enum fo_event_type type)
{
	struct fz *f = arg;
	if (type == FO_EV_UPDATES_ACKED)
		fo_upd_send_upddone(f->u);
}

static uint8_t fz_state(void *arg)
{
	return ((struct fz *)arg)->state;
}

static int64_t fz_now(void *arg)
{
	(void)arg;
	return NOW;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	static const uint8_t fo_states[] = { 0, FO_ST_NORMAL, FO_ST_POTENTIAL_CONFLICT,
					     FO_ST_PARTNER_DOWN };
	struct fz f = { .t = lease_table_new(), .state = fo_states[data[0] >> 6] };
	uint32_t first = POOL_FIRST + 10, last = POOL_LAST - 1;
	lease_table_set_pools(f.t, &first, &last, 1);
	struct fo_upd_conf c = { .role = data[0] & 1 ? FO_SECONDARY : FO_PRIMARY };
	struct fo_upd_ops ops = { .send = fz_send, .apply = fz_apply, .changed = fz_changed,
				  .event = fz_event, .my_state = f.state ? fz_state : NULL,
				  .now = fz_now };
	f.u = fo_upd_new(f.t, &c, &ops, &f);
	fo_upd_link(f.u, true, (data[0] >> 1 & 7) + 1u);
	fo_upd_requested(f.u);
	static const uint8_t states[] = { LEASE_ACTIVE, LEASE_RELEASED, LEASE_FREE, LEASE_EXPIRED };
	for (uint32_t i = 0; i < 8; i++) {
		struct lease_rec r = { .addr = 0xC6122FFFu - i, .state = states[i % 4],
				       .htype = 1, .hlen = 6, .hw = { 2, 0x41, 0, 0, 0, (uint8_t)i },
				       .start = 1795424870, .cltt = 1795424870,
				       .end = 1795424930, .tstp = 1795428500 };
		struct lease *l = lease_upsert(f.t, &r);
		lease_set_seq(f.t, l, ++f.seq);
		fo_upd_lease_changed(f.u, l, f.seq);
	}
	unsigned every = (data[0] >> 4 & 3) + 1, n = 0;
	size_t off = 1;
	while (off < size) {
		size_t len;
		const char *why;
		if (fo_frame(data + off, size - off, &len, &why) != 1)
			break;
		struct fo_msg m;
		if (fo_decode(&m, data + off, len, &why) == 0)
			fo_upd_recv(f.u, &m);
		off += len;
		if (++n % every == 0)
			fo_upd_durable(f.u, f.seq);
		if (n % 16 == 0) {	/* the link drops and comes back */
			fo_upd_link(f.u, false, 0);
			fo_upd_link(f.u, true, 0);
		}
	}
	fo_upd_durable(f.u, f.seq);
	if (fo_upd_acks_waiting(f.u) || fo_upd_in_flight(f.u) > 1024)
		__builtin_trap();
	fo_upd_free(f.u);
	lease_table_free(f.t);
	return 0;
}
