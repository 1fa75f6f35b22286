/* libFuzzer: client classes.  The input is one request; it is decoded,
 * matched against classes of every subject and operator (classify reads
 * the client's option bytes, relay sub-options and chaddr), and answered
 * by an engine whose pools are kept for or from those classes. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include "conf/config.h"
#include "core/classify.h"
#include "core/engine.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char ini[] =
	"[Settings]\nIPBIND_1=198.18.0.1\nAssociateBindsToPools=1\n"
	"[GENERAL]\nLEASETIME=60\nSUBNETMASK=255.255.255.0\nSNAME=general\n"
	"[SUBNET:198.18.0.0/24]\nIPPOOL_1=198.18.0.10-12\nPOOLCLASS_1=!phone\n"
	"IPPOOL_2=198.18.0.20-22\nPOOLCLASS_2=phone, !bios\n"
	"[CLASS:uefi]\nMatch_1=vendor-class prefix \"PXEClient\"\nMatch_2=arch = u16:7\n"
	"NEXTSERVER=198.18.0.7\nSNAME=efi\nBOOTFILE=efi.efi\nOPTION_66=string:tftp\n"
	"[CLASS:bios]\nMatch_1=not arch exists\nMatch_2=user-class contains \"iPXE\"\n"
	"BOOTFILE=pxelinux.0\n"
	"[CLASS:phone]\nMatchAny=1\nMatch_1=option:60 contains \"Phone\"\n"
	"Match_2=option:82.1 = \"port-1\"\nMatch_3=option:82.2 prefix hex:01\n"
	"Match_4=hw prefix 02:00\nMatch_5=client-id = hex:01:02:00:00:00:00:01\n"
	"DNS_0=198.18.0.53\n"
	"[DUODHCP]\nJournal=/nonexistent\nAuthoritative=1\n";

#include "engine_fx.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct dhcp_msg m;
	static struct engine_result r;
	static uint8_t out[DHCP_PKT_MAX];
	const char *why;
	unsigned dropped;

	fx_next();
	if (dhcp_decode(&m, data, size, &why) < 0)
		return 0;
	if (classify(cfg, &m) >> cfg->nclasses)
		__builtin_trap();		/* a bit for a class that is not there */
	struct engine_in in = { .now = 1700000000, .mono_ms = 1000,
				.link = &cfg->subnets[0], .local_addr = 0xc6120001u };
	engine_handle(&eng, &m, &in, &r);
	if (r.dest != DEST_NONE && dhcp_encode(&r.out, out, r.maxlen, &dropped) > r.maxlen)
		__builtin_trap();
	return 0;
}
