/* Client classes: which [CLASS:name] sections a request matches.  Pure:
 * the decoded request in, a bit per class out (bit i is
 * config.classes[i]), so tests and the fuzzer drive it directly. */
#ifndef DUODHCP_CLASSIFY_H
#define DUODHCP_CLASSIFY_H

#include <stdbool.h>
#include <stdint.h>
#include "conf/config.h"
#include "proto/dhcp.h"

/* The classes m belongs to. */
uint64_t classify(const struct config *c, const struct dhcp_msg *m);
/* Whether one condition holds for m (negation included). */
bool classify_test(const struct cfg_match *t, const struct dhcp_msg *m);
/* Whether a client of these classes may take an address of range r
 * (POOLCLASS_n: members of an allowed class only, never a denied one). */
bool classify_pool_allows(const struct cfg_range *r, uint64_t classes);

#endif
