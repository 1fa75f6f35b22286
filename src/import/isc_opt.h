/* dhcpd.conf option values: the names of dhcpd's standard DHCPv4 options
 * (dhcp-options(5)) with their value types, the types of "option NAME
 * code N = TYPE;" definitions, and the encoding of a value written in
 * dhcpd's syntax into option bytes. */
#ifndef DUODHCP_IMPORT_ISC_OPT_H
#define DUODHCP_IMPORT_ISC_OPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "import/isc_lex.h"

enum isc_ft {
	IFT_IP = 1, IFT_U8, IFT_U16, IFT_U32, IFT_I8, IFT_I16, IFT_I32, IFT_BOOL,
	IFT_TEXT,	/* "text" */
	IFT_X,		/* "string": text or colon-separated hex bytes */
	IFT_DOMAIN,	/* one domain name, DNS wire form */
	IFT_DOMLIST,	/* domain names separated by commas (option 119) */
	IFT_IP6,	/* known to dhcpd, not to us */
	IFT_ZEROLEN,	/* no value */
};

enum isc_fkind { IFK_ONE = 1, IFK_RECORD, IFK_ARRAY };

#define ISC_FIELDS_MAX 16

struct isc_fmt {
	uint8_t kind;			/* enum isc_fkind */
	uint8_t n;			/* fields of a record; 1 otherwise */
	uint8_t f[ISC_FIELDS_MAX];	/* enum isc_ft */
};

struct isc_optname {
	const char *name;
	uint8_t code;
	struct isc_fmt fmt;
};

/* A standard option of the dhcp space by name, NULL when unknown. */
const struct isc_optname *isc_opt_by_name(const char *name);

/* The type of a definition: tokens [i, s->ntok) of "option NAME code N =
 * TYPE".  Returns 0, or -1 with the reason in err. */
int isc_fmt_parse(const struct isc_stmt *s, size_t i, struct isc_fmt *f, char *err,
		  size_t errlen);
/* Our OPTIONDEF_nn layout for f into text ("record ip, u16, string"), or
 * false when f has a field we have no type for. */
bool isc_fmt_layout(const struct isc_fmt *f, char *text, size_t cap);

/* Encodes the value tokens [i, s->ntok) of an option statement by f into
 * out.  Returns the length, or -1 with the reason in err; *hostname is set
 * when the reason is an address written as a host name. */
int isc_value_encode(const struct isc_fmt *f, const struct isc_stmt *s, size_t i, uint8_t *out,
		     size_t cap, bool *hostname, char *err, size_t errlen);

/* A dotted-quad IPv4 address (host byte order). */
bool isc_ip(const char *s, uint32_t *out);

#endif
