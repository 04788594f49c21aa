// SPDX-License-Identifier: GPL-2.0
/*
 * fanctl: how a map reaches the host that owns a destination.  "ipip"
 * (the default) wraps the packet in one IPv4 header to that host; "direct"
 * hands it unchanged to that host's hardware address on the underlay
 * device, which needs every host of the underlay prefix on-link there (a
 * flat IPoIB subnet); "auto" picks direct where the underlay is flat.
 * Pure functions (no system access), so the unit tests and the fuzzers run
 * them.
 */
#include <string.h>

#include "fanctl.h"

const char *mode_name(enum fanctl_mode m)
{
	switch (m) {
	case FANCTL_MODE_IPIP:
		return "ipip";
	case FANCTL_MODE_DIRECT:
		return "direct";
	case FANCTL_MODE_AUTO:
		return "auto";
	}
	return "?";
}

const char *map_mode_name(unsigned int m)
{
	if (m == FAN_MAP_MODE_IPIP)
		return "ipip";
	if (m == FAN_MAP_MODE_DIRECT)
		return "direct";
	return "unknown";
}

int parse_mode(const char *s, enum fanctl_mode *out)
{
	static const enum fanctl_mode modes[] = {
		FANCTL_MODE_IPIP, FANCTL_MODE_DIRECT, FANCTL_MODE_AUTO,
	};
	size_t i;

	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
		if (!strcmp(s, mode_name(modes[i]))) {
			*out = modes[i];
			return 0;
		}
	err_msg("'%s' is not a mode (direct, ipip or auto)", s);
	return -1;
}

unsigned int mode_overhead(enum fan_map_mode m)
{
	return m == FAN_MAP_MODE_DIRECT ? 0 : 20;
}

bool underlay_flat(const struct addr_info *v, int n, int ifindex, uint32_t net,
		   uint8_t len, const struct addr_info **why)
{
	int i;

	if (why)
		*why = NULL;
	for (i = 0; i < n; i++) {
		const struct addr_info *a = &v[i];

		/*
		 * On-link is the subnet of the address's prefix route: the
		 * peer's for a point-to-point address, none without one.
		 */
		if (a->ifindex != ifindex || a->noprefixroute || a->prefixlen > len)
			continue;
		if (!fan_prefix_contains(a->address & fan_mask(a->prefixlen), a->prefixlen, net))
			continue;
		if (why)
			*why = a;
		return true;
	}
	return false;
}

enum fan_map_mode mode_pick(enum fanctl_mode asked, bool flat)
{
	switch (asked) {
	case FANCTL_MODE_DIRECT:
		return FAN_MAP_MODE_DIRECT;
	case FANCTL_MODE_AUTO:
		return flat ? FAN_MAP_MODE_DIRECT : FAN_MAP_MODE_IPIP;
	case FANCTL_MODE_IPIP:
		break;
	}
	return FAN_MAP_MODE_IPIP;
}

void conf_mode(struct fan_conf *c, const struct addr_info *v, int n)
{
	const struct addr_info *why;
	char p[PFXSTR_LEN], a[PFXSTR_LEN];

	c->flat = underlay_flat(v, n, c->ul_ifindex, c->map.underlay, c->map.underlay_len,
				&why);
	c->mode = mode_pick(c->spec.opts.mode, c->flat);
	prefix_str(c->map.underlay, c->map.underlay_len, p);
	if (c->flat)
		verbose_msg("underlay %s is flat on %s (address %s): mode %s gives %s", p,
			    c->ul_ifname, prefix_str(why->local, why->prefixlen, a),
			    mode_name(c->spec.opts.mode), map_mode_name(c->mode));
	else
		verbose_msg("underlay %s is not flat on %s (no address on a subnet holding it): mode %s gives %s",
			    p, c->ul_ifname, mode_name(c->spec.opts.mode), map_mode_name(c->mode));
}

int conf_mtu(struct fan_conf *c)
{
	unsigned int overhead = mode_overhead(c->mode), asked = c->spec.opts.mtu;
	char u[64];

	if (c->ul_mtu < overhead + 68) {
		err_msg("underlay %s: MTU %u of %s is too small",
			underlay_str(&c->spec, u, sizeof(u)), c->ul_mtu, c->ul_ifname);
		return EXIT_SYSTEM;
	}
	if (asked > c->ul_mtu - overhead) {
		err_msg("mtu %u is larger than the underlay MTU %u of %s%s", asked, c->ul_mtu,
			c->ul_ifname, overhead ? " minus 20" : " (mode direct)");
		return EXIT_USAGE;
	}
	c->mtu = asked ? asked : c->ul_mtu - overhead;
	return EXIT_OK;
}
