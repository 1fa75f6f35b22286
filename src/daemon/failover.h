/* The daemon's failover driver: one [FAILOVER] relationship run on the
 * event loop (docs/failover.md, "Status of the wiring").  It owns the peer
 * link (and through it the state machine), the binding-update queues and
 * the engine's policy, and joins them to the daemon's change pipeline and
 * store:
 *   - a lease change in a failover pool goes to the update queue (the
 *     driver is a pipeline subscriber);
 *   - a partner's BNDUPD is stored through commit_change, its BNDACK
 *     leaves once the pipeline says the change is durable;
 *   - state changes are journalled (store_append_fo), and forced to disk
 *     before a STATE message that needs them there;
 *   - the machine's service goes to the policy after every step. */
#ifndef DUODHCP_DAEMON_FAILOVER_H
#define DUODHCP_DAEMON_FAILOVER_H

#include <stdbool.h>
#include <stdint.h>
#include "store/store.h"

struct config;
struct commit;
struct engine;
struct lease_table;
struct loop;
struct fo_driver;

struct fo_driver_deps {
	struct loop *lp;
	const struct config *cfg;
	struct lease_table *leases;
	struct commit *cm;
	struct store *st;	/* may come later: fo_driver_set_store */
	struct engine *eng;	/* its policy is set to the failover one */
	/* Called after each change of our state (the status line), or NULL. */
	void (*state_changed)(void *arg);
	void *arg;
};

/* Binds the listener, builds the queues, sets the engine's policy and
 * subscribes to the pipeline.  NULL with a message in err on failure. */
struct fo_driver *fo_driver_new(const struct fo_driver_deps *d, char *err, size_t errlen);
/* The store, once open (the driver is made before, to follow the
 * pipeline from the first change). */
void fo_driver_set_store(struct fo_driver *fd, struct store *st);
/* After the store's replay: saved is the relationship's last failover
 * record (NULL: none), fresh whether the store held nothing at all.
 * Feeds START and begins listening and connecting.  0 or -1. */
int fo_driver_start(struct fo_driver *fd, const struct store_fo_rec *saved, bool fresh);
/* The pipeline's durable completion (err == 0 only). */
void fo_driver_durable(struct fo_driver *fd, uint64_t through);
/* A reload: the new configuration (its [FAILOVER] and failover pools must
 * be the old one's: fo_driver_conf_same). */
void fo_driver_set_config(struct fo_driver *fd, const struct config *cfg);
bool fo_driver_conf_same(const struct config *a, const struct config *b);
/* Graceful stop: state shutdown to the partner.  The caller then turns
 * the loop until fo_driver_quiet() or a short deadline. */
void fo_driver_shutdown(struct fo_driver *fd);
bool fo_driver_quiet(const struct fo_driver *fd);
void fo_driver_free(struct fo_driver *fd);

/* For the status API: our state, the partner's, the link, the updates. */
struct api_failover;
void fo_driver_status(const struct fo_driver *fd, struct api_failover *out);

/* The operator's partner-down: 0 with the state after it (r->changed
 * false when we were in partner-down already), or -1 with r->why when
 * the link is up or our state does not allow it. */
struct api_fo_result;
int fo_driver_partner_down(struct fo_driver *fd, struct api_fo_result *r);

#endif
