/* The link to the failover partner (draft-ietf-dhc-failover-12 sections
 * 7 and 8, as ISC dhcpd 4.4.3 runs it) on the event loop: both sides
 * listen and both connect; the primary sends CONNECT on every link (the
 * one it opens and the one it accepts), the secondary answers CONNECTACK
 * or a reject reason; then each sends STATE.  The module owns the state
 * machine (state.h): it feeds it link and peer-STATE events, arms its
 * timers and sends STATE, UPDREQ and UPDREQALL.  Binding updates, pool
 * requests and UPDDONE belong to the update queue above it: it receives
 * them through on_msg and sends through fo_peer_send. */
#ifndef DUODHCP_FO_PEER_H
#define DUODHCP_FO_PEER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "common/loop.h"
#include "failover/state.h"
#include "failover/wire.h"

struct cfg_failover;

struct fo_peer_conf {
	struct fo_sm_conf sm;		/* role, MCLT (primary), timers */
	char name[256];			/* relationship name */
	uint32_t addr, peer_addr;	/* host order */
	uint16_t port, peer_port;	/* port 0: the kernel picks (tests) */
	uint8_t hba[FO_HBA_LEN];	/* primary: the map sent in CONNECT */
	uint32_t max_unacked;		/* sent in CONNECT/CONNECTACK */
	uint32_t mrd_ms;		/* our max-response-delay: drop the link
					 * after this long without a message */
	uint32_t skew_warn;		/* seconds, 0 = never warn */
	uint32_t handshake_ms;		/* a link without CONNECT(ACK) (ISC: 15 s) */
	uint32_t retry_min_ms, retry_max_ms;	/* reconnect backoff */
	size_t out_max;			/* unsent bytes a link may hold */
	int sndbuf;			/* SO_SNDBUF of links, 0 = the kernel's */
};

/* The conf for a [FAILOVER] section, with the defaults for the rest. */
void fo_peer_conf_from_cfg(struct fo_peer_conf *pc, const struct cfg_failover *f);

enum fo_link {
	FO_LINK_DOWN,		/* no connection at all */
	FO_LINK_CONNECTING,	/* a connection is being opened or greeted */
	FO_LINK_UP,		/* CONNECT/CONNECTACK done */
};

/* For the status page, metrics and duodhcpctl. */
struct fo_peer_stats {
	uint8_t link;			/* enum fo_link */
	uint8_t state, peer_state;	/* enum fo_state, 0 = unknown */
	int64_t last_rx, last_tx;	/* wall clock seconds, 0 = never */
	int64_t up_since;		/* wall clock of the last link up */
	int32_t skew;			/* peer's clock minus ours, last message */
	int32_t skew_max;		/* largest |skew| seen */
	uint32_t peer_rt;		/* the peer's receive-timer, seconds */
	uint32_t peer_max_unacked;
	uint64_t msgs_in, msgs_out, bytes_in, bytes_out;
	uint64_t in_type[FO_TYPE_MAX + 1], out_type[FO_TYPE_MAX + 1];
	uint64_t links_up, links_down;
	uint64_t connects, connect_fail;	/* outgoing attempts, failed ones */
	uint64_t accepts, accept_refused;	/* not from the peer address, or full */
	uint64_t malformed;		/* framing or decode errors */
	uint64_t unexpected;		/* a message out of place (handshake) */
	uint64_t timeouts;		/* silent peer or handshake never done */
	uint64_t slow_reader;		/* output over out_max: link ended */
	uint64_t rejects_sent, rejects_rcvd;
	uint8_t last_reject;		/* last reason sent or received */
	uint64_t disconnects_rcvd;
};

struct fo_peer_ops {
	/* BNDUPD, BNDACK, POOLREQ, POOLRESP, UPDREQ, UPDREQALL, UPDDONE from
	 * the peer on the live link.  Byte strings in m are valid only
	 * during the call.  The callback may send, feed events or end the
	 * link. */
	void (*on_msg)(void *arg, const struct fo_msg *m);
	/* Before a STATE goes out with act->journal set: persist
	 * fo_sm_saved() now (the STATE follows at once). */
	void (*journal)(void *arg, const struct fo_sm *sm);
	/* After each step of the machine, once STATE/UPDREQ/UPDREQALL are
	 * queued: UPDDONE, the BNDUPD flush, the new service. */
	void (*actions)(void *arg, const struct fo_sm *sm, const struct fo_actions *act);
};

struct fo_peer;

/* Binds the listener (so fo_peer_port can be read back); nothing runs
 * before fo_peer_start.  NULL with a message in err on failure. */
struct fo_peer *fo_peer_new(struct loop *l, const struct fo_peer_conf *c,
			    const struct fo_peer_ops *ops, void *arg, char *err, size_t errlen);
/* Ends the link with DISCONNECT (best effort), closes everything. */
void fo_peer_free(struct fo_peer *p);

uint16_t fo_peer_port(const struct fo_peer *p);

/* Starts accepting and connecting.  peer_port 0: the configured one.
 * Feed FO_EV_START (fo_peer_event) first: the machine ignores the link
 * until then. */
int fo_peer_start(struct fo_peer *p, uint16_t peer_port);

/* Feeds one event to the machine (START, UPDDONE, UPDATES_ACKED,
 * OPERATOR_PARTNER_DOWN, SHUTDOWN; ev->now 0 = now) and carries out what
 * it says. */
void fo_peer_event(struct fo_peer *p, const struct fo_event *ev);

/* Sends m on the live link.  m->time is set to now; m->xid is kept when
 * reply is true (an echo: BNDACK, UPDDONE, POOLRESP), else the link's
 * next xid is assigned and written back.  Returns 0, or -1 when there is
 * no live link, m does not encode, or the peer has not read out_max bytes
 * (then the link is ended and counted). */
int fo_peer_send(struct fo_peer *p, struct fo_msg *m, bool reply);
/* The same for an already encoded message (exactly one, whole). */
int fo_peer_send_encoded(struct fo_peer *p, const uint8_t *buf, size_t len);
/* Bytes queued on the live link and not yet taken by the socket. */
size_t fo_peer_pending(const struct fo_peer *p);
bool fo_peer_up(const struct fo_peer *p);

/* Ends the live link with DISCONNECT(reason, text); reconnection follows. */
void fo_peer_disconnect(struct fo_peer *p, uint8_t reason, const char *text);

/* A secondary's MCLT and bucket map restored from the journal, in force
 * until a CONNECT brings the primary's (call before fo_peer_start). */
void fo_peer_restore_pair(struct fo_peer *p, uint32_t mclt, const uint8_t hba[FO_HBA_LEN]);

/* The hash bucket map in force: ours on the primary, the CONNECT's on the
 * secondary (NULL until one arrived). */
const uint8_t *fo_peer_hba(const struct fo_peer *p);
const struct fo_sm *fo_peer_sm(const struct fo_peer *p);
const struct fo_peer_stats *fo_peer_stats(const struct fo_peer *p);
const char *fo_link_name(unsigned link);

#endif
