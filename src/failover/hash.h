/* RFC 3074 load balancing between failover peers: the client's hash
 * bucket, the 256-bit hash-bucket-assignment map (failover option 11) and
 * whether a client is ours.  Pure functions. */
#ifndef DUODHCP_FO_HASH_H
#define DUODHCP_FO_HASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "failover/state.h"
#include "failover/wire.h"

#define FO_CHADDR_MAX 16	/* the chaddr field of RFC 2131 */

/* RFC 3074 section 6: Pearson's hash of key, 0-255. */
uint8_t fo_hash(const uint8_t *key, size_t len);

/* The client's bucket: the hash of its client identifier (DHCP option 61,
 * the whole value, type byte included) or, when it sends none
 * (client_id NULL), of the first hlen bytes of chaddr (at most 16). */
uint8_t fo_client_bucket(const uint8_t *client_id, size_t id_len,
			 const uint8_t *chaddr, size_t hlen);

/* The map ISC builds for `split N`: buckets 0 to N-1 are the primary's.
 * Bucket b is bit (b & 7) of byte b / 8, least significant bit first.
 * N over 256 counts as 256. */
void fo_split_map(uint8_t map[FO_HBA_LEN], unsigned split);

/* How many buckets the map gives the primary. */
unsigned fo_map_count(const uint8_t map[FO_HBA_LEN]);

/* Whether bucket is the primary's in map. */
bool fo_bucket_primary(const uint8_t map[FO_HBA_LEN], uint8_t bucket);

/* Whether a server of this role answers a client of this bucket in
 * normal state.  secs is the client's secs field (host order); once it is
 * over max_secs the client has waited long enough that either server may
 * answer (ISC's load-balance-max-seconds; 0 turns balancing off). */
bool fo_client_ours(enum fo_role role, const uint8_t map[FO_HBA_LEN], uint8_t bucket,
		    uint16_t secs, uint16_t max_secs);

#endif
