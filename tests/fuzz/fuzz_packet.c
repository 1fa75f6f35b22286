/* libFuzzer: the packet decoder, and the encoder fed from what it decoded. */
#include <stdint.h>
#include <string.h>
#include "proto/dhcp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct dhcp_msg m;
	static struct dhcp_out o;
	static uint8_t buf[DHCP_PKT_MAX];
	const char *why;
	if (dhcp_decode(&m, data, size, &why) < 0)
		return 0;
	memset(&o, 0, offsetof(struct dhcp_out, scratch));
	o.op = 2;
	o.hlen = m.hlen;
	memcpy(o.chaddr, m.chaddr, 16);
	/* Echo every option back, as a reply would carry configured ones. */
	for (int c = 1; c < 255; c++) {
		size_t n;
		const uint8_t *v = dhcp_opt(&m, (uint8_t)c, &n);
		if (v)
			dhcp_out_add(&o, (uint8_t)c, v, n);
	}
	size_t n;
	dhcp_rai_sub(&m, RAI_LINK_SELECTION, &n);
	unsigned dropped;
	size_t len = dhcp_encode(&o, buf, (size_t)(data[0] % 2 ? 548 : 1472), &dropped);
	if (len > DHCP_PKT_MAX || len < DHCP_MIN_REPLY)
		__builtin_trap();
	buf[0] = 1;
	if (dhcp_decode(&m, buf, len, &why) < 0)
		__builtin_trap();	/* what we encode must decode */
	return 0;
}
