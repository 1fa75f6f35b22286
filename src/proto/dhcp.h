/* DHCPv4 message codec (RFC 2131 section 2, RFC 2132, RFC 3396).  Pure:
 * bytes in, struct out, and back; no sockets. */
#ifndef DUODHCP_DHCP_H
#define DUODHCP_DHCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DHCP_SERVER_PORT 67
#define DHCP_CLIENT_PORT 68
#define DHCP_FIXED_LEN 236		/* op .. file */
#define DHCP_MAGIC 0x63825363u
#define DHCP_MIN_REPLY 300		/* BOOTP relays expect at least this */
#define DHCP_MIN_MAX 548		/* 576-byte datagram less IP and UDP headers */
#define DHCP_PKT_MAX 1472		/* 1500-byte datagram less IP and UDP headers */
#define DHCP_RECV_MAX 4096
#define DHCP_BROADCAST_FLAG 0x8000

enum dhcp_type {
	DHCPDISCOVER = 1,
	DHCPOFFER = 2,
	DHCPREQUEST = 3,
	DHCPDECLINE = 4,
	DHCPACK = 5,
	DHCPNAK = 6,
	DHCPRELEASE = 7,
	DHCPINFORM = 8,
};

enum dhcp_opt_code {
	DO_PAD = 0,
	DO_SUBNET_MASK = 1,
	DO_ROUTER = 3,
	DO_DNS = 6,
	DO_HOSTNAME = 12,
	DO_DOMAIN = 15,
	DO_BROADCAST = 28,
	DO_NODETYPE = 46,
	DO_REQUESTED_IP = 50,
	DO_LEASE_TIME = 51,
	DO_OVERLOAD = 52,
	DO_MSG_TYPE = 53,
	DO_SERVER_ID = 54,
	DO_PARAM_LIST = 55,
	DO_MESSAGE = 56,
	DO_MAX_SIZE = 57,
	DO_T1 = 58,
	DO_T2 = 59,
	DO_VENDOR_CLASS = 60,
	DO_CLIENT_ID = 61,
	DO_FQDN = 81,
	DO_RELAY_INFO = 82,
	DO_CLASSLESS_ROUTES = 121,
	DO_END = 255,
};

/* RFC 3046 relay agent sub-options, RFC 3527 link selection and RFC 5107
 * server identifier override. */
enum { RAI_CIRCUIT_ID = 1, RAI_REMOTE_ID = 2, RAI_LINK_SELECTION = 5,
       RAI_SERVER_ID_OVERRIDE = 11 };

/* A decoded message.  Option values point into the packet buffer, or into
 * optbuf when an option came in several pieces (RFC 3396), so the packet
 * must outlive the message. */
struct dhcp_msg {
	uint8_t op, htype, hlen, hops;
	uint32_t xid;
	uint16_t secs, flags;
	uint32_t ciaddr, yiaddr, siaddr, giaddr;	/* host byte order */
	uint8_t chaddr[16];
	uint8_t sname[64];
	uint8_t file[128];
	uint8_t overload;				/* option 52 as received */
	uint8_t type;					/* option 53, 0 for BOOTP */
	uint8_t nopt;					/* distinct codes present */
	uint8_t opt_idx[256];				/* code -> 1 + its slot, 0: absent */
	/* Only the header above is cleared per packet: the slots are written
	 * before they are read, and optbuf only where an option is split. */
	struct dhcp_optv {
		const uint8_t *v;
		uint16_t len;				/* all pieces together */
		uint16_t pieces;
	} optv[254];
	uint8_t optbuf[DHCP_RECV_MAX];
};

/* Decodes pkt.  Returns 0, or -1 with a static reason in *why. */
int dhcp_decode(struct dhcp_msg *m, const uint8_t *pkt, size_t len, const char **why);

/* The value of option code, or NULL; *len gets its length. */
static inline const uint8_t *dhcp_opt(const struct dhcp_msg *m, uint8_t code, size_t *len)
{
	unsigned i = m->opt_idx[code];
	if (i == 0) {
		*len = 0;
		return NULL;
	}
	*len = m->optv[i - 1].len;
	return m->optv[i - 1].v;
}

/* An IPv4 address option of exactly 4 bytes, or 0. */
uint32_t dhcp_opt_ip(const struct dhcp_msg *m, uint8_t code);

/* A sub-option of option 82, or NULL. */
const uint8_t *dhcp_rai_sub(const struct dhcp_msg *m, uint8_t sub, size_t *len);

const char *dhcp_type_name(uint8_t type);

/* A reply under construction: header fields plus options in send order. */
#define DHCP_OUT_OPTS 80
struct dhcp_out {
	uint8_t op, htype, hlen, hops;
	uint32_t xid;
	uint16_t flags;
	uint32_t ciaddr, yiaddr, siaddr, giaddr;
	uint8_t chaddr[16];
	char sname[64];
	char file[128];
	size_t nopts;
	struct { uint8_t code; uint16_t len; const uint8_t *data; } opts[DHCP_OUT_OPTS];
	size_t scratch_used;
	uint8_t scratch[2048];	/* storage for values built while answering */
};

/* Appends an option; data is copied into the scratch space.  Returns false
 * if there is no room (the option is then left out). */
bool dhcp_out_add(struct dhcp_out *o, uint8_t code, const void *data, size_t len);
bool dhcp_out_add_u32(struct dhcp_out *o, uint8_t code, uint32_t v);
bool dhcp_out_has(const struct dhcp_out *o, uint8_t code);

/* Encodes o into buf, never longer than maxlen (at least DHCP_MIN_MAX).
 * Options that do not fit in the options field go into file and sname
 * with option 52 when those are unused (RFC 2131 section 4.1); long
 * values are split (RFC 3396).  Options 53 and 54 always come first.
 * Returns the length; *dropped counts options that did not fit at all. */
size_t dhcp_encode(const struct dhcp_out *o, uint8_t *buf, size_t maxlen, unsigned *dropped);

#endif
