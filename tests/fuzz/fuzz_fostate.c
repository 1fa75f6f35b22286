/* libFuzzer: the failover state machine under any sequence of events.
 * Input: 3 bytes of configuration (role, MCLT, auto-partner-down), then
 * 8 bytes per event: type, time step (signed 16-bit: the wall clock may
 * step back), a state byte, server flags, a STOS offset, journal bits
 * (intact, amnesic) and a timer.  After every step the invariants of
 * fo_invariants.h must hold. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include "failover/state.h"
#include "fo_invariants.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 3)
		return 0;
	struct fo_sm_conf conf = {
		.role = data[0] & 1 ? FO_SECONDARY : FO_PRIMARY,
		.mclt = data[1] ? data[1] : 3600,
		.auto_partner_down = data[2],
		.startup_wait = 15,
	};
	struct fo_sm sm;
	fo_sm_init(&sm, &conf);
	/* Near the top of the u32 range too, where STOS + MCLT overflows. */
	uint32_t now = data[0] & 2 ? UINT32_MAX - 4000 : 1795424854;
	for (size_t off = 3; off + 8 <= size; off += 8) {
		const uint8_t *e = data + off;
		now += (uint32_t)(int32_t)(int16_t)(e[1] << 8 | e[2]);
		struct fo_event ev = {
			.type = (enum fo_event_type)(e[0] % 10),	/* 0: not an event */
			.now = now,
			.saved_state = e[3],
			.peer_state = e[3],
			.peer_flags = e[4],
			.saved_stos = now - e[5] * 16u,
			.peer_stos = now - e[5],
			.store_intact = e[6] & 1,
			.saved_amnesic = e[6] & 2,
			.timer = (enum fo_timer)(e[7] % (FO_TIMER_COUNT + 1)),
		};
		uint32_t prev = sm.stos;
		bool started = sm.state != 0;
		struct fo_actions a;
		fo_sm_step(&sm, &ev, &a);
		const char *why = fo_invariant_broken(&sm, prev, started, &ev, &a);
		if (why) {
			fprintf(stderr, "event %zu (type %u at %u): %s; state %u stos %u\n",
				(off - 3) / 8, ev.type, ev.now, why, sm.state, sm.stos);
			__builtin_trap();
		}
		uint8_t st, fl, sst;
		uint32_t stos, sstos;
		bool amn;
		fo_sm_wire_state(&sm, &st, &fl, &stos);
		fo_sm_saved(&sm, &sst, &sstos, &amn);
		if (sm.state && (!fo_state_valid(st) || st == FO_ST_STARTUP || sst != st))
			__builtin_trap();	/* the wire and the journal name a real state */
	}
	return 0;
}
