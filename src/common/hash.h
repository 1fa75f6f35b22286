/* A seeded hash for the tables indexed by what clients send (chaddrs,
 * client identifiers, hostnames): with a random seed per table, a client
 * cannot choose keys that all land in one probe run. */
#ifndef DUODHCP_HASH_H
#define DUODHCP_HASH_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

static inline uint64_t hash_bytes(uint64_t seed, const void *data, size_t n)
{
	const uint8_t *p = data;
	uint64_t h = seed ^ (n * 0x9e3779b97f4a7c15u);
	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 0x100000001b3u;
		h ^= h >> 29;
	}
	h ^= h >> 32;
	h *= 0xd6e8feb86659fd93u;
	return h ^ (h >> 32);
}

/* A 32-bit value (an address) as its 4 bytes in host order. */
static inline uint64_t hash_u32(uint64_t seed, uint32_t v)
{
	return hash_bytes(seed, &v, sizeof v);
}

/* A seed for one table.  It needs to be unguessable, not of key
 * quality, so it does not wait for the entropy pool at early boot
 * (GRND_NONBLOCK); without getrandom the clocks and an address
 * serve. */
static inline uint64_t hash_seed(void)
{
	uint64_t s;
	if (getrandom(&s, sizeof s, GRND_NONBLOCK) == (ssize_t)sizeof s)
		return s;
	struct timespec m, r;
	clock_gettime(CLOCK_MONOTONIC, &m);
	clock_gettime(CLOCK_REALTIME, &r);
	s = (uint64_t)m.tv_nsec ^ ((uint64_t)r.tv_nsec << 32) ^ (uint64_t)r.tv_sec ^
	    (uint64_t)(uintptr_t)&s;
	return hash_bytes(0x5eed5eed5eed5eedu, &s, sizeof s);
}

#endif
