/* RFC 3074 load balancing: the hash against ISC dhcpd 4.4.3's own choices
 * in the isc-bndupd capture (split 128: the server that sent the BNDUPD is
 * the one that answered the client), the map against the CONNECT's
 * hash-bucket-assignment option, and the spread over many clients. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "failover/hash.h"
#include "t.h"

/* The hba option of the primary's CONNECT in isc-connect-normal (split 128). */
static const uint8_t HBA_128[FO_HBA_LEN] = {
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
};

TEST(split_map_matches_capture)
{
	uint8_t m[FO_HBA_LEN];
	fo_split_map(m, 128);
	CHECK(memcmp(m, HBA_128, FO_HBA_LEN) == 0);
	CHECK_EQ(fo_map_count(m), 128);
}

/* ISC's split N: buckets 0..N-1, least significant bit of each byte first. */
TEST(split_map_bit_order)
{
	uint8_t m[FO_HBA_LEN];
	fo_split_map(m, 0);
	CHECK_EQ(fo_map_count(m), 0);
	fo_split_map(m, 1);
	CHECK(m[0] == 0x01 && m[1] == 0);
	fo_split_map(m, 3);
	CHECK_EQ(m[0], 0x07);
	fo_split_map(m, 9);
	CHECK(m[0] == 0xff && m[1] == 0x01 && m[2] == 0);
	fo_split_map(m, 255);
	CHECK(m[30] == 0xff && m[31] == 0x7f);
	fo_split_map(m, 256);
	CHECK_EQ(fo_map_count(m), 256);
	fo_split_map(m, 1000);
	CHECK_EQ(fo_map_count(m), 256);
	for (unsigned n = 0; n <= 256; n += 37) {
		fo_split_map(m, n);
		for (unsigned b = 0; b < 256; b++)
			CHECK_EQ(fo_bucket_primary(m, (uint8_t)b), b < n);
	}
}

/* Client identifiers 01:02:41:00:00:00:xx of the isc-bndupd capture, the
 * bucket by hand from RFC 3074 section 6, and who answered (sent the
 * BNDUPD): 198.18.0.1 the primary, 198.18.0.2 the secondary. */
static const struct { uint8_t last, bucket; bool primary; } BNDUPD[] = {
	{0x00, 244, false}, {0x01, 216, false}, {0x02, 211, false}, {0x03, 158, false},
	{0x04, 250, false}, {0x05, 99, true}, {0x06, 32, true}, {0x07, 22, true},
	{0x08, 192, false}, {0x09, 150, false}, {0x0a, 81, true}, {0x0b, 204, false},
	{0x0c, 10, true}, {0x0d, 1, true}, {0x0e, 194, false}, {0x0f, 147, false},
	{0x11, 210, false}, {0x12, 245, false}, {0x13, 135, false},
};

TEST(capture_clients)
{
	for (size_t i = 0; i < sizeof BNDUPD / sizeof BNDUPD[0]; i++) {
		uint8_t cid[7] = {0x01, 0x02, 0x41, 0x00, 0x00, 0x00, BNDUPD[i].last};
		uint8_t b = fo_client_bucket(cid, sizeof cid, NULL, 0);
		CHECK_EQ(b, BNDUPD[i].bucket);
		CHECK_EQ(fo_client_ours(FO_PRIMARY, HBA_128, b, 0, 3), BNDUPD[i].primary);
		CHECK_EQ(fo_client_ours(FO_SECONDARY, HBA_128, b, 0, 3), !BNDUPD[i].primary);
	}
}

/* Hand-worked from the RFC's definition: the empty key hashes to its
 * length 0; one byte k gives mix[1 ^ k]. */
TEST(hash_definition)
{
	CHECK_EQ(fo_hash(NULL, 0), 0);
	uint8_t k = 0;
	CHECK_EQ(fo_hash(&k, 1), 175);	/* mix[1] */
	k = 1;
	CHECK_EQ(fo_hash(&k, 1), 251);	/* mix[0] */
	uint8_t two[2] = {0, 0};	/* mix[mix[2] ^ 0] = mix[119] */
	CHECK_EQ(fo_hash(two, 2), 150);
}

/* Without a client identifier: chaddr, hlen bytes, at most 16; with an
 * empty identifier: that (as ISC). */
TEST(chaddr_fallback)
{
	uint8_t ch[16] = {0x02, 0x41, 0, 0, 0, 5};
	CHECK_EQ(fo_client_bucket(NULL, 0, ch, 6), fo_hash(ch, 6));
	CHECK_EQ(fo_client_bucket(NULL, 0, ch, 200), fo_hash(ch, 16));
	CHECK_EQ(fo_client_bucket(ch, 0, ch, 6), 0);
	uint8_t cid[7] = {1, 0x02, 0x41, 0, 0, 0, 5};
	CHECK(fo_client_bucket(cid, 7, ch, 6) == fo_hash(cid, 7));
}

/* load-balance-max-seconds: a client that waited longer gets both. */
TEST(max_seconds_escape)
{
	uint8_t cid[7] = {0x01, 0x02, 0x41, 0x00, 0x00, 0x00, 0x00};	/* bucket 244 */
	uint8_t b = fo_client_bucket(cid, 7, NULL, 0);
	CHECK(!fo_client_ours(FO_PRIMARY, HBA_128, b, 3, 3));
	CHECK(fo_client_ours(FO_PRIMARY, HBA_128, b, 4, 3));
	CHECK(fo_client_ours(FO_SECONDARY, HBA_128, b, 4, 3));
	CHECK(fo_client_ours(FO_PRIMARY, HBA_128, b, 0, 0));	/* balancing off */
}

/* The table is a permutation, and the hash spreads MAC-like keys evenly:
 * 65536 sequential MACs, every bucket within 40% of the mean, split 128
 * within 2% of half. */
TEST(distribution)
{
	uint8_t m[FO_HBA_LEN];
	unsigned count[256] = {0}, prim = 0;
	fo_split_map(m, 128);
	for (unsigned i = 0; i < 65536; i++) {
		uint8_t mac[6] = {0x02, 0x41, 0x00, 0x00, (uint8_t)(i >> 8), (uint8_t)i};
		uint8_t b = fo_client_bucket(NULL, 0, mac, 6);
		count[b]++;
		prim += fo_client_ours(FO_PRIMARY, m, b, 0, 3);
	}
	unsigned lo = 65536, hi = 0;
	for (int b = 0; b < 256; b++) {
		lo = count[b] < lo ? count[b] : lo;
		hi = count[b] > hi ? count[b] : hi;
	}
	CHECK(lo > 256 * 6 / 10 && hi < 256 * 14 / 10);
	CHECK(prim > 32768 - 655 && prim < 32768 + 655);
	bool seen[256] = {false};
	for (unsigned k = 0; k < 256; k++) {
		uint8_t key = (uint8_t)(k ^ 1);	/* one byte: mix[1 ^ key] = mix[k] */
		seen[fo_hash(&key, 1)] = true;
	}
	for (int b = 0; b < 256; b++)
		CHECK(seen[b]);
}

T_RUN(T_CASE(split_map_matches_capture), T_CASE(split_map_bit_order), T_CASE(capture_clients),
      T_CASE(hash_definition), T_CASE(chaddr_fallback), T_CASE(max_seconds_escape),
      T_CASE(distribution))
