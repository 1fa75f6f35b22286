/* libFuzzer: the decision core.  The input is a sequence of packets, each
 * prefixed by a 2-byte length, fed to one engine whose lease table lives
 * across inputs (reset every 4096 runs to bound memory). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "conf/config.h"
#include "core/engine.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char ini[] =
	"[Settings]\nIPPOOL_1=198.18.0.10-20\nIPBIND_1=198.18.0.1\nAssociateBindsToPools=1\n"
	"[GENERAL]\nLEASETIME=60\nSUBNETMASK=255.255.255.0\nROUTER_0=198.18.0.1\n"
	"[SUBNET:198.18.4.0/24]\nIPPOOL_1=198.18.4.10-12\n"
	"[02-00-00-00-00-05]\nIPADDR=198.18.0.200\nHostname=fixed\n"
	"[DUODHCP]\nJournal=/nonexistent\nAuthoritative=1\nTrustedRelays=198.18.0.2\n";

#include "engine_fx.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct dhcp_msg m;
	static struct engine_result r;
	static uint8_t out[DHCP_PKT_MAX];
	fx_next();
	int64_t now = 1700000000;
	while (size >= 2) {
		size_t len = (size_t)(data[0] << 8 | data[1]);
		data += 2, size -= 2;
		if (len > size)
			len = size;
		const char *why;
		if (dhcp_decode(&m, data, len, &why) == 0) {
			/* From the trusted relay or from a LAN host, by the length. */
			struct engine_in in = { .now = now, .mono_ms = now * 1000,
						.link = &cfg->subnets[0], .local_addr = 0xc6120001u,
						.src_addr = len & 1 ? 0xc6120002u : 0xc6120063u };
			engine_handle(&eng, &m, &in, &r);
			unsigned dropped;
			if (r.dest != DEST_NONE && dhcp_encode(&r.out, out, r.maxlen, &dropped) > r.maxlen)
				__builtin_trap();
		}
		data += len, size -= len;
		now += 7;
		lease_expire(table, now);
	}
	return 0;
}
