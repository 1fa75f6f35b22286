/* ISC DHCP failover messages (draft-ietf-dhc-failover-12 sections 6 and 12),
 * as ISC dhcpd 4.4.3 sends and accepts them on TCP port 647.  Pure: bytes
 * in, struct out, and back; no sockets, no clocks. */
#ifndef DUODHCP_FO_WIRE_H
#define DUODHCP_FO_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FO_PORT 647
#define FO_HDR_LEN 12		/* length, type, payload offset, time, xid */
#define FO_MSG_MIN 12		/* section 6.1 */
#define FO_MSG_MAX 2048
#define FO_HBA_LEN 32		/* 256-bit hash bucket map (section 12.11) */
#define FO_PROTOCOL_VERSION 1

/* Message types, section 6.1. */
enum fo_type {
	FO_POOLREQ = 1,
	FO_POOLRESP = 2,
	FO_BNDUPD = 3,
	FO_BNDACK = 4,
	FO_CONNECT = 5,
	FO_CONNECTACK = 6,
	FO_UPDREQALL = 7,
	FO_UPDDONE = 8,
	FO_UPDREQ = 9,
	FO_STATE = 10,
	FO_CONTACT = 11,
	FO_DISCONNECT = 12,
	FO_TYPE_MAX = 12,
};

/* Option codes, section 12 (the -12 draft's alphabetical numbering). */
enum fo_opt_code {
	FO_OPT_ADDRESSES_TRANSFERRED = 1,
	FO_OPT_ASSIGNED_IP = 2,
	FO_OPT_BINDING_STATUS = 3,
	FO_OPT_CLIENT_ID = 4,
	FO_OPT_CHADDR = 5,
	FO_OPT_CLTT = 6,
	FO_OPT_REPLY_OPTIONS = 7,
	FO_OPT_REQUEST_OPTIONS = 8,
	FO_OPT_DDNS = 9,
	FO_OPT_DELAYED_SERVICE = 10,
	FO_OPT_HBA = 11,
	FO_OPT_IP_FLAGS = 12,
	FO_OPT_LEASE_EXPIRY = 13,
	FO_OPT_MAX_UNACKED = 14,
	FO_OPT_MCLT = 15,
	FO_OPT_MESSAGE = 16,
	FO_OPT_MESSAGE_DIGEST = 17,
	FO_OPT_POTENTIAL_EXPIRY = 18,
	FO_OPT_RECEIVE_TIMER = 19,
	FO_OPT_PROTOCOL_VERSION = 20,
	FO_OPT_REJECT_REASON = 21,
	FO_OPT_RELATIONSHIP_NAME = 22,
	FO_OPT_SERVER_FLAGS = 23,
	FO_OPT_SERVER_STATE = 24,
	FO_OPT_STOS = 25,
	FO_OPT_TLS_REPLY = 26,
	FO_OPT_TLS_REQUEST = 27,
	FO_OPT_VENDOR_CLASS = 28,
	FO_OPT_VENDOR_OPTIONS = 29,
	FO_OPT_MAX = 29,
};

/* Binding status, section 12.3 (the same numbers as lease.h's states). */
enum fo_binding {
	FO_BIND_FREE = 1,
	FO_BIND_ACTIVE = 2,
	FO_BIND_EXPIRED = 3,
	FO_BIND_RELEASED = 4,
	FO_BIND_ABANDONED = 5,
	FO_BIND_RESET = 6,
	FO_BIND_BACKUP = 7,
};

/* Server states, section 12.24; recover-wait has no number in the draft,
 * ISC uses 254. */
enum fo_state {
	FO_ST_STARTUP = 1,
	FO_ST_NORMAL = 2,
	FO_ST_COMM_INTERRUPTED = 3,
	FO_ST_PARTNER_DOWN = 4,
	FO_ST_POTENTIAL_CONFLICT = 5,
	FO_ST_RECOVER = 6,
	FO_ST_PAUSED = 7,
	FO_ST_SHUTDOWN = 8,
	FO_ST_RECOVER_DONE = 9,
	FO_ST_RESOLUTION_INTERRUPTED = 10,
	FO_ST_CONFLICT_DONE = 11,
	FO_ST_RECOVER_WAIT = 254,
};

/* Reject reasons, section 12.21. */
enum fo_reject {
	FO_REJ_ILLEGAL_IP_ADDR = 1,
	FO_REJ_FATAL_CONFLICT = 2,
	FO_REJ_MISSING_BINDINFO = 3,
	FO_REJ_TIME_MISMATCH = 4,
	FO_REJ_INVALID_MCLT = 5,
	FO_REJ_MISC = 6,
	FO_REJ_DUP_CONNECTION = 7,
	FO_REJ_INVALID_PARTNER = 8,
	FO_REJ_TLS_UNSUPPORTED = 9,
	FO_REJ_TLS_UNCONFIGURED = 10,
	FO_REJ_TLS_REQUIRED = 11,
	FO_REJ_DIGEST_UNSUPPORTED = 12,
	FO_REJ_DIGEST_UNCONFIGURED = 13,
	FO_REJ_VERSION_MISMATCH = 14,
	FO_REJ_OUTDATED_BIND_INFO = 15,
	FO_REJ_LESS_CRIT_BIND_INFO = 16,
	FO_REJ_NO_TRAFFIC = 17,
	FO_REJ_HBA_CONFLICT = 18,
	FO_REJ_IP_NOT_RESERVED = 19,
	FO_REJ_IP_DIGEST_FAILURE = 20,
	FO_REJ_IP_MISSING_DIGEST = 21,
	FO_REJ_UNKNOWN = 254,
};

#define FO_SERVER_FLAG_STARTUP 0x01	/* section 12.23 */
#define FO_IP_FLAG_RESERVED 0x0001	/* section 12.12 */
#define FO_IP_FLAG_BOOTP 0x0002

/* How an option's value is laid out.  The first group is one byte, then
 * two, then four; the rest are any number of bytes. */
enum fo_vtype {
	FO_V_U8,
	FO_V_BINDING,	/* enum fo_binding */
	FO_V_STATE,	/* enum fo_state */
	FO_V_REASON,	/* enum fo_reject */
	FO_V_FLAGS8,	/* server-flags */
	FO_V_U16,	/* IP-flags */
	FO_V_U32,
	FO_V_TIME,	/* u32 seconds since the epoch */
	FO_V_IP,	/* 4 bytes, kept in host order */
	FO_V_BYTES,
	FO_V_TEXT,	/* UTF-8, no NUL (section 12.16) */
	FO_V_HBA,	/* bitmap; the CONNECT handler wants FO_HBA_LEN bytes */
	FO_V_CHADDR,	/* htype byte, then the hardware address */
	FO_V_DDNS,	/* flags and an FQDN: ISC 4.4 cannot parse it, see wire.c */
};

/* A byte string inside a decoded message (pointing into the buffer that
 * was decoded) or supplied by the caller for encoding. */
struct fo_bytes {
	const uint8_t *p;
	uint16_t len;
};

/* One message.  `present` has bit (1u << code) set for each option the
 * message carries; a field whose bit is clear is meaningless.  Decoding
 * keeps only the options ISC keeps for that message type (see wire.c);
 * the others are counted in skipped. */
#define FO_SKIP_MAX 8
struct fo_msg {
	uint8_t type;		/* enum fo_type */
	uint32_t time;		/* sender's clock, seconds since the epoch */
	uint32_t xid;
	uint32_t present;

	uint8_t binding_status, protocol_version, reject_reason;
	uint8_t server_flags, server_state, tls_reply, tls_request;
	uint16_t ip_flags;
	uint32_t addresses_transferred, assigned_ip, cltt, lease_expiry;
	uint32_t max_unacked, mclt, potential_expiry, receive_timer, stos;
	struct fo_bytes client_id, chaddr, hba, message, relationship_name;
	struct fo_bytes reply_options, request_options, vendor_class;

	/* Options passed over by the decoder: unknown codes, and codes ISC
	 * does not keep in this message type.  The first FO_SKIP_MAX codes
	 * are listed; nskipped counts them all. */
	unsigned nskipped;
	uint16_t skipped[FO_SKIP_MAX];
};

/* One row of the option table. */
struct fo_opt_def {
	uint16_t code;
	enum fo_vtype vtype;
	const char *name;
	uint16_t types;		/* bit (1u << type): message types that keep it */
	uint16_t offset;	/* of its field in struct fo_msg, if types != 0 */
};

/* The table row of code, or NULL when the code is unknown. */
const struct fo_opt_def *fo_opt_def(unsigned code);

/* Codes in the order ISC dhcpd puts them in a message; every code the
 * encoder can send appears once.  *n gets the count. */
const uint8_t *fo_send_order(size_t *n);

static inline bool fo_has(const struct fo_msg *m, unsigned code)
{
	return code <= FO_OPT_MAX && (m->present >> code & 1u);
}

static inline void fo_set(struct fo_msg *m, unsigned code)
{
	if (code <= FO_OPT_MAX)
		m->present |= 1u << code;
}

/* An empty message of the given type. */
void fo_msg_init(struct fo_msg *m, uint8_t type, uint32_t time, uint32_t xid);

/* Framing on a TCP stream: looks at the avail bytes received so far.
 * Returns 1 with *len set when a whole message is there, 0 when more bytes
 * are needed, or -1 with a reason in *why when the length field is outside
 * 12..2048 and the connection must be dropped. */
int fo_frame(const uint8_t *buf, size_t avail, size_t *len, const char **why);

/* Decodes exactly one message of len bytes (its length field must say
 * len).  Returns 0, or -1 with a short static reason in *why.  Byte
 * strings in m point into buf, which must outlive m. */
int fo_decode(struct fo_msg *m, const uint8_t *buf, size_t len, const char **why);

/* Encodes m into buf: the header with payload offset 12, then the present
 * options in ISC's order.  Returns the length, or 0 with a reason in *why
 * (an option this message type does not carry, over FO_MSG_MAX, or cap
 * too small). */
size_t fo_encode(const struct fo_msg *m, uint8_t *buf, size_t cap, const char **why);

/* The value bytes of option code as fo_encode would send them.  Returns
 * the length (at most cap), or -1 if m does not carry code. */
int fo_opt_value(const struct fo_msg *m, unsigned code, uint8_t *out, size_t cap);

const char *fo_type_name(unsigned type);
const char *fo_opt_name(unsigned code);
const char *fo_binding_name(unsigned status);
const char *fo_state_name(unsigned state);
const char *fo_reject_name(unsigned reason);

#endif
