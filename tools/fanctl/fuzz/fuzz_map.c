// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz the fan mapping math (include/fan/fan_map.h, shared with the
 * kernel) and fanctl's map_explain(): for any map fan_map_check() accepts,
 * a host's slice maps back to the host, every overlay address maps to the
 * host whose slice holds it, and the text of map_explain() says so.
 */
#include "fuzz.h"

struct input {
	uint8_t o[4], olen, u[4], ulen;
	uint8_t host[4], addr[4], flags;
};

static uint32_t be(const uint8_t *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fan_map_math m;
	struct input in;
	uint32_t host, slice, dst, owner, cbits;
	unsigned int slen;
	char buf[256], want[64], a[IPSTR_LEN];

	if (size < sizeof(in))
		return 0;
	fuzz_quiet();
	memcpy(&in, data, sizeof(in));
	m.overlay = be(in.o);
	m.overlay_len = in.olen;
	m.underlay = be(in.u);
	m.underlay_len = in.ulen;
	/* Mostly well-formed maps, or the checks below would rarely run. */
	if (in.flags & 1) {
		m.overlay_len = (uint8_t)(1 + in.olen % 30);
		m.underlay_len = (uint8_t)(1 + in.ulen % 30);
		m.overlay &= fan_mask(m.overlay_len);
		m.underlay &= fan_mask(m.underlay_len);
	}
	if (fan_map_check(&m) != FAN_MAP_OK) {
		FUZZ_CHECK(strcmp(fan_map_strerror(fan_map_check(&m)), FAN_MAP_MSG_OK),
			   "refused map without a reason");
		return 0;
	}
	FUZZ_CHECK(m.overlay_len < m.underlay_len &&
		   fan_container_bits(&m) >= FAN_MIN_CONTAINER_BITS &&
		   !(m.overlay & ~fan_mask(m.overlay_len)) &&
		   !(m.underlay & ~fan_mask(m.underlay_len)), "bad map accepted");
	slen = fan_slice_len(&m);
	cbits = fan_container_bits(&m);
	FUZZ_CHECK(slen > m.overlay_len && slen <= 30, "slice length %u", slen);

	/* host -> slice -> host */
	host = m.underlay | (be(in.host) & ~fan_mask(m.underlay_len));
	slice = fan_slice_of(&m, host);
	FUZZ_CHECK(fan_prefix_contains(m.overlay, m.overlay_len, slice), "slice outside overlay");
	FUZZ_CHECK(!(slice & ~fan_mask(slen)), "slice %08x has bits below /%u", slice, slen);
	dst = slice | (be(in.addr) & ~fan_mask(slen));
	FUZZ_CHECK(fan_underlay_of(&m, dst) == host, "%08x -> %08x, not host %08x",
		   dst, fan_underlay_of(&m, dst), host);
	FUZZ_CHECK(fan_underlay_of(&m, slice) == host &&
		   fan_underlay_of(&m, slice | ~fan_mask(slen)) == host, "slice edges");
	FUZZ_CHECK(fan_container_part(&m, dst) == (dst & ((1u << cbits) - 1)), "container part");
	FUZZ_CHECK(fan_is_slice_broadcast(&m, dst) ==
		   (fan_container_part(&m, dst) == (1u << cbits) - 1), "broadcast");

	/* any overlay address -> its owner -> a slice holding it */
	dst = m.overlay | (be(in.addr) & ~fan_mask(m.overlay_len));
	owner = fan_underlay_of(&m, dst);
	FUZZ_CHECK(fan_prefix_contains(m.underlay, m.underlay_len, owner), "owner outside underlay");
	FUZZ_CHECK(fan_prefix_contains(fan_slice_of(&m, owner), slen, dst),
		   "%08x not in the slice of its owner %08x", dst, owner);

	/* map_explain() tells the same story */
	FUZZ_CHECK(map_explain(&m, dst, (in.flags & 2) ? "ftun0" : NULL, buf, sizeof(buf)) == 1,
		   "overlay address not explained");
	snprintf(want, sizeof(want), " host %s", ip_str(owner, a));
	FUZZ_CHECK(strstr(buf, want), "'%s' lacks '%s'", buf, want);
	FUZZ_CHECK(!strstr(buf, " invalid") == fan_host_part_valid(&m, fan_host_part(&m, owner)),
		   "'%s': validity of host %s", buf, a);
	if (!fan_prefix_contains(m.overlay, m.overlay_len, host)) {
		FUZZ_CHECK(map_explain(&m, host, NULL, buf, sizeof(buf)) == 1, "host not explained");
		FUZZ_CHECK(strstr(buf, " underlay "), "'%s'", buf);
	}
	return 0;
}
