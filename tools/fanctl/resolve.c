// SPDX-License-Identifier: GPL-2.0
/*
 * fanctl: resolve an underlay spec (ib0/16, 10.7.3.4/16, 10.7.0.0/16,
 * default/16) on this host: device, local address, MTU; then derive the
 * slice, bridge name, the map's mode (auto: direct if the underlay is
 * flat) and the bridge MTU (the underlay's, less 20 for IPIP).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fanctl.h"

static int find_by_addr(const struct fan_spec *s, struct fan_conf *c)
{
	uint32_t net = s->ul_addr & fan_mask(s->underlay_len);
	bool exact = s->ul_addr != net;
	struct addr_info *v;
	char a[IPSTR_LEN], p[PFXSTR_LEN];
	int n, i, best = -1;

	n = addr_dump(&v);
	if (n < 0) {
		nl_perror(n, "cannot list addresses");
		return EXIT_SYSTEM;
	}
	for (i = 0; i < n; i++) {
		if (exact) {
			if (v[i].local == s->ul_addr) {
				best = i;
				break;
			}
		} else if (fan_prefix_contains(net, s->underlay_len, v[i].local)) {
			if (best < 0 || (v[best].secondary && !v[i].secondary))
				best = i;
		}
	}
	if (best < 0) {
		if (exact)
			err_msg("underlay %s: %s is not an address of this host",
				prefix_str(s->ul_addr, s->underlay_len, p), ip_str(s->ul_addr, a));
		else
			err_msg("underlay %s: no address of this host is in it",
				prefix_str(s->ul_addr, s->underlay_len, p));
		free(v);
		return EXIT_SYSTEM;
	}
	c->local = v[best].local;
	c->ul_ifindex = v[best].ifindex;
	free(v);
	return EXIT_OK;
}

/* The map's mode: auto looks at the underlay device's addresses. */
static int resolve_mode(struct fan_conf *c)
{
	struct addr_info *v;
	int n;

	n = addr_dump(&v);
	if (n < 0) {
		nl_perror(n, "cannot list addresses");
		return EXIT_SYSTEM;
	}
	conf_mode(c, v, n);
	free(v);
	return EXIT_OK;
}

int fan_resolve(const struct fan_spec *spec, struct fan_conf *c)
{
	struct link_info li;
	char u[64];
	int ret;

	memset(c, 0, sizeof(*c));
	c->spec = *spec;
	underlay_str(spec, u, sizeof(u));
	switch (spec->ul_kind) {
	case UL_ADDR:
		ret = find_by_addr(spec, c);
		if (ret)
			return ret;
		break;
	case UL_DEFAULT:
		ret = route_default_dev(&c->ul_ifindex);
		if (ret < 0) {
			nl_perror(ret, "underlay %s: no IPv4 default route", u);
			return EXIT_SYSTEM;
		}
		break;
	case UL_DEV:
		break;
	}
	ret = link_get(spec->ul_kind == UL_DEV ? 0 : c->ul_ifindex,
		       spec->ul_kind == UL_DEV ? spec->ul_dev : NULL, &li);
	if (ret < 0) {
		if (ret == -ENODEV)
			err_msg("underlay %s: no such device '%s'", u,
				spec->ul_kind == UL_DEV ? spec->ul_dev : "?");
		else
			nl_perror(ret, "underlay %s", u);
		return EXIT_SYSTEM;
	}
	c->ul_ifindex = li.ifindex;
	c->ul_mtu = li.mtu;
	strcpy(c->ul_ifname, li.name);
	if (spec->ul_kind != UL_ADDR) {
		ret = addr_primary(c->ul_ifindex, &c->local);
		if (ret < 0) {
			if (ret == -EADDRNOTAVAIL)
				err_msg("underlay %s: %s has no IPv4 address", u, li.name);
			else
				nl_perror(ret, "underlay %s", u);
			return EXIT_SYSTEM;
		}
	}
	if (conf_derive(c))
		return EXIT_USAGE;
	ret = resolve_mode(c);
	if (ret)
		return ret;
	return conf_mtu(c);
}
