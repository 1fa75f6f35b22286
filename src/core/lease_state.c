#include <string.h>
#include "core/lease.h"

static const char *const state_names[] = {
	[LEASE_FREE] = "free",
	[LEASE_ACTIVE] = "active",
	[LEASE_EXPIRED] = "expired",
	[LEASE_RELEASED] = "released",
	[LEASE_ABANDONED] = "abandoned",
	[LEASE_RESET] = "reset",
	[LEASE_BACKUP] = "backup",
};

const char *lease_state_name(uint8_t state)
{
	if (state < LEASE_FREE || state > LEASE_BACKUP)
		return "unknown";
	return state_names[state];
}

uint8_t lease_state_parse(const char *name, size_t len)
{
	for (uint8_t s = LEASE_FREE; s <= LEASE_BACKUP; s++)
		if (strlen(state_names[s]) == len && memcmp(state_names[s], name, len) == 0)
			return s;
	return 0;
}

bool lease_state_reusable(uint8_t state)
{
	return state == LEASE_FREE || state == LEASE_EXPIRED ||
	       state == LEASE_RELEASED || state == LEASE_RESET;
}
