// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz fanctl's token parsers: IPv4 addresses, prefixes, numbers, interface
 * names, overlay and underlay specs.  Each is checked against a small
 * reference written differently (what must be accepted, and as what), and
 * every value parsed must format to text that parses to the same value.
 */
#include <ctype.h>

#include "fuzz.h"

/*
 * Reference: exactly four dot-separated groups of 1-3 ASCII digits <= 255,
 * none with a leading zero (as inet_pton).
 */
static bool ref_ipv4(const char *s, size_t n, uint32_t *out)
{
	uint32_t a = 0, v = 0;
	unsigned int parts = 0, digits = 0;
	size_t i;

	for (i = 0; i <= n; i++) {
		if (i == n || s[i] == '.') {
			if (!digits || v > 255 || parts == 4)
				return false;
			a = a << 8 | v;
			parts++;
			digits = 0;
			v = 0;
		} else if (s[i] >= '0' && s[i] <= '9' && digits < 3 && !(digits && !v)) {
			v = v * 10 + (uint32_t)(s[i] - '0');
			digits++;
		} else {
			return false;
		}
	}
	if (parts != 4)
		return false;
	*out = a;
	return true;
}

/* Reference: 1-10 ASCII digits, value <= max. */
static bool ref_dec(const char *s, unsigned long max, unsigned long *out)
{
	unsigned long long v = 0;
	size_t i, n = strlen(s);

	if (n == 0 || n > 10)
		return false;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (unsigned long long)(s[i] - '0');
	}
	if (v > max)
		return false;
	*out = (unsigned long)v;
	return true;
}

static void check_ipv4(const char *s)
{
	uint32_t a = 0, b = 0, r = 0;
	char buf[IPSTR_LEN];
	bool ok = !parse_ipv4(s, &a);

	FUZZ_CHECK(ok == ref_ipv4(s, strlen(s), &r), "'%s': parse_ipv4 %d", s, ok);
	if (!ok)
		return;
	FUZZ_CHECK(a == r, "'%s': %08x, reference %08x", s, a, r);
	ip_str(a, buf);
	FUZZ_CHECK(!parse_ipv4(buf, &b) && a == b, "'%s' -> '%s' does not parse back", s, buf);
}

static void check_prefix(const char *s)
{
	uint32_t a = 0, a2 = 0, b = 0, r = 0;
	uint8_t l = 0, l2 = 0, bl = 0;
	char buf[PFXSTR_LEN];
	const char *slash = strchr(s, '/');
	unsigned long rl = 0;
	bool loose = !parse_prefix(s, &a, &l, true);
	bool strict = !parse_prefix(s, &a2, &l2, false);
	bool ref = slash && ref_ipv4(s, (size_t)(slash - s), &r) && ref_dec(slash + 1, 32, &rl);

	FUZZ_CHECK(loose == ref, "'%s': parse_prefix %d, reference %d", s, loose, ref);
	if (!loose) {
		FUZZ_CHECK(!strict, "'%s': strict parse accepts what the loose one refuses", s);
		return;
	}
	FUZZ_CHECK(a == r && l == rl, "'%s': %08x/%u, reference %08x/%lu", s, a, l, r, rl);
	FUZZ_CHECK(strict == !(a & ~fan_mask(l)), "'%s': strict %d with host bits %08x",
		   s, strict, a & ~fan_mask(l));
	if (strict)
		FUZZ_CHECK(a2 == a && l2 == l, "'%s': strict and loose differ", s);
	prefix_str(a, l, buf);
	FUZZ_CHECK(!parse_prefix(buf, &b, &bl, true) && b == a && bl == l,
		   "'%s' -> '%s' does not parse back", s, buf);
}

static void check_uint(const char *s)
{
	static const unsigned int ranges[][2] = {
		{ 0, 0 }, { 1, 1u << 30 }, { 68, 65535 }, { 0, 4294967295u },
	};
	unsigned int i;

	for (i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++) {
		unsigned int v = 0, w = 0;
		unsigned long r = 0;
		char buf[16];
		bool ok = !parse_uint(s, ranges[i][0], ranges[i][1], &v);
		bool ref = ref_dec(s, ranges[i][1], &r) && r >= ranges[i][0];

		FUZZ_CHECK(ok == ref, "'%s' in %u..%u: parse_uint %d, reference %d",
			   s, ranges[i][0], ranges[i][1], ok, ref);
		if (!ok)
			continue;
		FUZZ_CHECK(v == r, "'%s': %u, reference %lu", s, v, r);
		snprintf(buf, sizeof(buf), "%u", v);
		FUZZ_CHECK(!parse_uint(buf, ranges[i][0], ranges[i][1], &w) && w == v,
			   "'%s' -> '%s' does not parse back", s, buf);
	}
}

static void check_ifname(const char *s)
{
	char name[IFNAMSIZ];
	size_t i, n = strlen(s);

	if (parse_ifname(s, name))
		return;
	FUZZ_CHECK(n >= 1 && n < IFNAMSIZ && !strcmp(name, s), "'%s' -> '%s'", s, name);
	FUZZ_CHECK(strcmp(s, ".") && strcmp(s, ".."), "'%s' accepted", s);
	for (i = 0; i < n; i++)
		FUZZ_CHECK(s[i] != '/' && s[i] != ':' && isgraph((unsigned char)s[i]),
			   "'%s': character %zu (0x%02x) accepted", s, i, (unsigned char)s[i]);
}

static void check_overlay_underlay(const char *s)
{
	struct fan_spec a, b;
	char buf[64];

	memset(&a, 0, sizeof(a));
	if (!parse_overlay(s, &a)) {
		FUZZ_CHECK(a.overlay_len >= 1 && a.overlay_len <= 30 &&
			   !(a.overlay & ~fan_mask(a.overlay_len)), "overlay '%s'", s);
	}
	memset(&a, 0, sizeof(a));
	if (parse_underlay(s, &a))
		return;
	FUZZ_CHECK(a.underlay_len >= 1 && a.underlay_len <= 30, "underlay '%s' length %u",
		   s, a.underlay_len);
	switch (a.ul_kind) {
	case UL_ADDR:
		FUZZ_CHECK(!a.ul_dev[0], "underlay '%s': address with a device", s);
		break;
	case UL_DEV:
		FUZZ_CHECK(!parse_ifname(a.ul_dev, buf) && strcmp(a.ul_dev, "default"),
			   "underlay '%s': device '%s'", s, a.ul_dev);
		FUZZ_CHECK(!a.ul_addr, "underlay '%s': device with an address", s);
		break;
	case UL_DEFAULT:
		FUZZ_CHECK(!a.ul_dev[0] && !a.ul_addr, "underlay '%s': default", s);
		break;
	default:
		FUZZ_CHECK(0, "underlay '%s': kind %d", s, a.ul_kind);
	}
	underlay_str(&a, buf, sizeof(buf));
	memset(&b, 0, sizeof(b));
	FUZZ_CHECK(!parse_underlay(buf, &b), "underlay '%s' -> '%s' does not parse", s, buf);
	FUZZ_CHECK(a.ul_kind == b.ul_kind && a.ul_addr == b.ul_addr &&
		   a.underlay_len == b.underlay_len && !strcmp(a.ul_dev, b.ul_dev),
		   "underlay '%s' -> '%s' parses to something else", s, buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s;

	if (size > 256)
		return 0;
	fuzz_quiet();
	s = fuzz_str(data, size);
	check_ipv4(s);
	check_prefix(s);
	check_uint(s);
	check_ifname(s);
	check_overlay_underlay(s);
	free(s);
	return 0;
}
