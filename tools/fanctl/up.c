// SPDX-License-Identifier: GPL-2.0
/*
 * fanctl up: bring a fan up.  Every step first checks whether its result is
 * already there (so "up" twice is a no-op and "up" repairs a half-made fan),
 * and records an undo entry for what it changed; on failure the undo list
 * runs backwards, so a failed "up" leaves the system as it found it.
 *
 * FANCTL_FAIL_AT=STEP makes step STEP fail, in the test build only
 * (fanctl-test, built with -DFANCTL_FAULT_INJECTION; never installed).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>


#include "fanctl.h"

enum undo_kind {
	UNDO_LINK_DEL,
	UNDO_LINK_DOWN,
	UNDO_MAP_DEL,
	UNDO_MTU,
	UNDO_ADDR_DEL,
	UNDO_ROUTE_DEL,
	UNDO_FORWARD,
	UNDO_NAT,
	UNDO_NOTRACK,
	UNDO_DHCP,
};

struct undo {
	enum undo_kind kind;
	int ifindex;
	unsigned int val;
	struct fan_map_nl map;
};

#define MAX_UNDO 16
static struct undo undo[MAX_UNDO];
static int nundo;

static void push(enum undo_kind kind, int ifindex, unsigned int val, const struct fan_map_nl *m)
{
	struct undo *u;

	/* each step pushes at most two entries: never reached */
	if (nundo == MAX_UNDO) {
		err_msg("internal error: more than %d undo entries", MAX_UNDO);
		abort();
	}
	u = &undo[nundo++];

	u->kind = kind;
	u->ifindex = ifindex;
	u->val = val;
	if (m)
		u->map = *m;
}

static int step(const char *name)
{
	verbose_msg("step %s", name);
#ifdef FANCTL_FAULT_INJECTION
	{
		const char *fail = getenv("FANCTL_FAIL_AT");

		if (fail && !strcmp(fail, name)) {
			err_msg("step %s: injected failure (FANCTL_FAIL_AT)", name);
			return -1;
		}
	}
#endif
	return 0;
}

static void rollback(const struct fan_conf *c)
{
	int ret = 0;

	while (nundo > 0) {
		struct undo *u = &undo[--nundo];
		int r = 0;

		switch (u->kind) {
		case UNDO_LINK_DEL:
			r = link_delete(u->ifindex);
			break;
		case UNDO_LINK_DOWN:
			r = link_set_up(u->ifindex, false);
			break;
		case UNDO_MAP_DEL:
			r = fan_map_change(u->ifindex, &u->map, false);
			break;
		case UNDO_MTU:
			r = link_set_alias_mtu(u->ifindex, NULL, u->val);
			break;
		case UNDO_ADDR_DEL:
			r = addr_add(u->ifindex, c->bridge_addr, c->slice_len, true);
			break;
		case UNDO_ROUTE_DEL:
			r = route_change(c->map.overlay, c->map.overlay_len, u->ifindex, 0, true);
			break;
		case UNDO_FORWARD:
			r = ip_forward_set((int)u->val);
			break;
		case UNDO_NAT:
			r = nat_del(c);
			break;
		case UNDO_NOTRACK:
			r = notrack_del(c);
			break;
		case UNDO_DHCP:
			r = dhcp_stop(c->bridge);
			break;
		}
		if (r < 0 && r != -ENODEV) {
			nl_perror(r, "rollback step %d failed", (int)u->kind);
			ret = -1;
		}
	}
	if (ret)
		err_msg("rollback incomplete: run 'fanctl down -e' to clean up");
	else
		verbose_msg("rolled back");
}

static bool bridge_has_addr(int ifindex, uint32_t addr, uint8_t len, int *err)
{
	struct addr_info *v;
	bool found = false;
	int n, i;

	n = addr_dump(&v);
	if (n < 0) {
		*err = n;
		return false;
	}
	for (i = 0; i < n; i++)
		if (v[i].ifindex == ifindex && v[i].local == addr && v[i].prefixlen == len)
			found = true;
	free(v);
	return found;
}

static void fan_kind_hint(int err)
{
	if (err == -EOPNOTSUPP || err == -EAFNOSUPPORT)
		err_msg("the kernel does not know the link kind \"fan\": load the module with 'modprobe fan'");
}

/* A module that predates modes refuses IFLA_FAN_MAP_MODE as unknown. */
static void mode_hint(int err, const struct fan_map_nl *m)
{
	const char *x = nl_extack();

	if (err == -EINVAL && m->mode != FAN_MAP_MODE_IPIP &&
	    (strstr(x, "Unknown attribute") || strstr(x, "Unsupported attribute")))
		err_msg("this fan module has no mode %s: update fan.ko, or use 'mode ipip'",
			map_mode_name(m->mode));
}

static int do_up(struct fan_conf *c, struct fan_state *st, const struct fan_record *rec,
		 int *bridge_ifindex)
{
	unsigned char mac[6];
	char alias[256], o[PFXSTR_LEN], name[IFNAMSIZ];
	struct link_info *fan, *br, li;
	struct fan_map_nl m;
	int ret, fan_ifindex, br_ifindex;
	bool mtu_changed = false, restore_alias = false, dhcp_on;

	map_from_conf(c, &m);
	if (spec_format(c, alias, sizeof(alias))) {
		err_msg("internal error: alias too long");
		return EXIT_SYSTEM;
	}
	prefix_str(c->map.overlay, c->map.overlay_len, o);

	/* Checks first: refuse before changing anything. */
	br = state_by_name(st, c->bridge);
	/*
	 * Our bridge, by its marker; or by the record, if a user or networkd
	 * changed its ifalias: then it is ours still (set again below).
	 */
	if (br && rec && record_bridge(st, rec) == br && strcmp(br->alias, rec->marker)) {
		record_warn_marker(br, rec);
		if (strcmp(rec->marker, alias)) {
			err_msg("bridge %s is already up as '%s'; run 'fanctl down' first",
				c->bridge, rec->marker);
			return EXIT_SYSTEM;
		}
		snprintf(br->alias, sizeof(br->alias), "%s", rec->marker);
		warn_msg("bridge %s: setting its ifalias back to '%s'", c->bridge, rec->marker);
		restore_alias = true;
	}
	if (br && (strcmp(br->kind, "bridge") || !is_fanctl_alias(br->alias))) {
		err_msg("device %s exists and was not made by fanctl; choose another name with 'bridge NAME'",
			c->bridge);
		return EXIT_SYSTEM;
	}
	if (br && strcmp(br->alias, alias)) {
		err_msg("bridge %s is already up as '%s'; run 'fanctl down' first", c->bridge,
			br->alias);
		return EXIT_SYSTEM;
	}
	{
		struct link_info *other = state_bridge_for(st, c->map.overlay, c->map.overlay_len,
							   c->local, c->map.underlay_len, NULL);

		if (other && other != br) {
			err_msg("fan %s over %s is already up on bridge %s", o, c->ul_ifname,
				other->name);
			return EXIT_SYSTEM;
		}
	}
	/*
	 * The device that has the map already, else the one for the map's
	 * mode (one per underlay device and mode, see state_fan_for_link).
	 */
	fan = state_fan_with_map(st, &m);
	if (fan && !fan_is_mine(fan)) {
		/* someone else's device: neither adopted nor doubled */
		err_msg("map %s over %s is on %s, which fanctl did not make; delete that map first",
			o, c->ul_ifname, fan->name);
		return EXIT_SYSTEM;
	}
	if (fan && (int)fan->fan_link == c->ul_ifindex) {
		const struct fan_map_nl *have = fan_find_map(fan, &m);

		/* the map is there, reaching hosts another way (auto changed its mind?) */
		if (have->mode != m.mode) {
			err_msg("map %s is up on %s in mode %s, not %s; run 'fanctl down' first", o,
				fan->name, map_mode_name(have->mode), map_mode_name(m.mode));
			return EXIT_SYSTEM;
		}
	} else {
		fan = state_fan_for_link(st, c->ul_ifindex, m.mode);
	}

	/* fan device and map */
	if (step("fan"))
		return EXIT_SYSTEM;
	if (!fan) {
		state_free_fan_name(st, name);
		ret = fan_create(name, (uint32_t)c->ul_ifindex, &m);
		if (ret < 0) {
			nl_perror(ret, "cannot create fan device %s", name);
			fan_kind_hint(ret);
			mode_hint(ret, &m);
			return EXIT_SYSTEM;
		}
		ret = link_get(0, name, &li);
		if (ret < 0) {
			nl_perror(ret, "cannot find new fan device %s", name);
			return EXIT_SYSTEM;
		}
		fan_ifindex = li.ifindex;
		push(UNDO_LINK_DEL, fan_ifindex, 0, NULL);
		ret = link_set_alias_mtu(fan_ifindex, FANCTL_ALIAS, 0);
		if (ret < 0) {
			nl_perror(ret, "cannot set the alias of %s", name);
			return EXIT_SYSTEM;
		}
		ret = link_set_no_ipv6_ll(fan_ifindex);
		if (ret < 0) {
			nl_perror(ret, "cannot turn off IPv6 link-local on %s", name);
			return EXIT_SYSTEM;
		}
		verbose_msg("created %s", name);
	} else {
		fan_ifindex = fan->ifindex;
		li = *fan;
		if (!fan_has_map(fan, &m)) {
			ret = fan_map_change(fan_ifindex, &m, true);
			if (ret < 0) {
				nl_perror(ret, "cannot add map %s to %s", o, fan->name);
				mode_hint(ret, &m);
				return EXIT_SYSTEM;
			}
			push(UNDO_MAP_DEL, fan_ifindex, 0, &m);
			verbose_msg("added map %s to %s", o, fan->name);
		}
	}
	if (step("fan-up"))
		return EXIT_SYSTEM;
	if (!(li.flags & IFF_UP)) {
		ret = link_set_up(fan_ifindex, true);
		if (ret < 0) {
			nl_perror(ret, "cannot bring %s up", li.name);
			return EXIT_SYSTEM;
		}
		push(UNDO_LINK_DOWN, fan_ifindex, 0, NULL);
	}

	/* bridge */
	if (step("bridge"))
		return EXIT_SYSTEM;
	if (!br) {
		/*
		 * The MTU is set below, not at creation: only a change of
		 * MTU marks it as the admin's, so that attaching a container's
		 * 1500-byte veth does not pull the bridge down to 1500.
		 */
		bridge_mac(c->bridge_addr, mac);
		ret = bridge_create(c->bridge, 0, mac);
		if (ret < 0) {
			nl_perror(ret, "cannot create bridge %s", c->bridge);
			return EXIT_SYSTEM;
		}
		ret = link_get(0, c->bridge, &li);
		if (ret < 0) {
			nl_perror(ret, "cannot find new bridge %s", c->bridge);
			return EXIT_SYSTEM;
		}
		br_ifindex = li.ifindex;
		push(UNDO_LINK_DEL, br_ifindex, 0, NULL);
		verbose_msg("created bridge %s", c->bridge);
	} else {
		li = *br;
		br_ifindex = br->ifindex;
	}
	*bridge_ifindex = br_ifindex;
	if (step("bridge-config"))
		return EXIT_SYSTEM;
	if (restore_alias || strcmp(li.alias, alias) || li.mtu != c->mtu) {
		unsigned int old = li.mtu;

		ret = link_set_alias_mtu(br_ifindex, alias, c->mtu);
		if (ret < 0) {
			nl_perror(ret, "cannot set alias and mtu %u of %s", c->mtu, c->bridge);
			return EXIT_SYSTEM;
		}
		if (br) {
			push(UNDO_MTU, br_ifindex, old, NULL);
			mtu_changed = old != c->mtu;
		}
	}
	if (step("address"))
		return EXIT_SYSTEM;
	ret = 0;
	if (!bridge_has_addr(br_ifindex, c->bridge_addr, c->slice_len, &ret)) {
		char a[PFXSTR_LEN];

		if (ret < 0) {
			nl_perror(ret, "cannot list addresses");
			return EXIT_SYSTEM;
		}
		ret = addr_add(br_ifindex, c->bridge_addr, c->slice_len, false);
		if (ret < 0) {
			nl_perror(ret, "cannot add address %s to %s",
				  prefix_str(c->bridge_addr, c->slice_len, a), c->bridge);
			return EXIT_SYSTEM;
		}
		push(UNDO_ADDR_DEL, br_ifindex, 0, NULL);
	}
	if (step("bridge-up"))
		return EXIT_SYSTEM;
	if (!(li.flags & IFF_UP)) {
		ret = link_set_up(br_ifindex, true);
		if (ret < 0) {
			nl_perror(ret, "cannot bring %s up", c->bridge);
			return EXIT_SYSTEM;
		}
		push(UNDO_LINK_DOWN, br_ifindex, 0, NULL);
	}

	/* route to the overlay through the fan device */
	if (step("route"))
		return EXIT_SYSTEM;
	{
		int oif = 0, found = route_find(c->map.overlay, c->map.overlay_len, &oif);

		if (found < 0) {
			nl_perror(found, "cannot list routes");
			return EXIT_SYSTEM;
		}
		if (!found || oif != fan_ifindex) {
			ret = route_change(c->map.overlay, c->map.overlay_len, fan_ifindex,
					   c->bridge_addr, false);
			if (ret < 0) {
				nl_perror(ret, "cannot add route %s", o);
				if (ret == -EEXIST)
					err_msg("another route to %s exists", o);
				return EXIT_SYSTEM;
			}
			push(UNDO_ROUTE_DEL, fan_ifindex, 0, NULL);
		}
	}

	if (step("forward"))
		return EXIT_SYSTEM;
	ret = ip_forward_get();
	if (ret == 0) {
		ret = ip_forward_set(1);
		if (ret < 0) {
			err_msg("cannot enable net.ipv4.ip_forward: %s", strerror(-ret));
			return EXIT_SYSTEM;
		}
		push(UNDO_FORWARD, 0, 0, NULL);
	} else if (ret < 0) {
		err_msg("cannot read net.ipv4.ip_forward: %s", strerror(-ret));
		return EXIT_SYSTEM;
	}

	if (step("nat"))
		return EXIT_SYSTEM;
	if (c->spec.opts.nat) {
		ret = nat_rule_exists(c);
		if (ret < 0) {
			err_msg("nftables: cannot list table ip %s: %s", FANCTL_NFT_TABLE,
				strerror(-ret));
			return EXIT_SYSTEM;
		}
		if (!ret) {
			if (nat_add(c) < 0)
				return EXIT_SYSTEM;
			push(UNDO_NAT, 0, 0, NULL);
		}
	}

	/* Only IPIP has outer packets; a direct map's are tracked as routed. */
	if (step("notrack"))
		return EXIT_SYSTEM;
	if (c->spec.opts.notrack && c->mode == FAN_MAP_MODE_IPIP) {
		ret = notrack_rules_exist(c);
		if (ret < 0) {
			err_msg("nftables: cannot list table ip %s: %s", FANCTL_NFT_TABLE,
				strerror(-ret));
			return EXIT_SYSTEM;
		}
		if (!ret) {
			/* one of the two deleted by hand: add both again */
			if (notrack_del(c) < 0 || notrack_add(c) < 0)
				return EXIT_SYSTEM;
			push(UNDO_NOTRACK, 0, 0, NULL);
		}
	} else if (notrack_rules_exist(c) > 0 && notrack_del(c) < 0) {
		/* asked off, or the map went direct: none of ours stays */
		return EXIT_SYSTEM;
	}

	if (step("dhcp"))
		return EXIT_SYSTEM;
	/*
	 * dnsmasq hands out the MTU: a new one (ib0's mode changed) needs a
	 * restart.  Clients get the new MTU when they renew; dnsmasq pings
	 * an address before offering it, so dropped leases do not collide.
	 */
	/* a supervisor between two dnsmasq (it died) starts the next itself */
	dhcp_on = dhcp_running(c->bridge) || dhcp_supervisor(c->bridge);
	if (c->spec.opts.dhcp && mtu_changed && dhcp_on) {
		if (dhcp_stop(c->bridge) < 0)
			return EXIT_SYSTEM;
		dhcp_on = false;
		verbose_msg("restarting dnsmasq on %s for mtu %u", c->bridge, c->mtu);
	}
	if (c->spec.opts.dhcp && !dhcp_on) {
		if (dhcp_start(c) < 0)
			return EXIT_SYSTEM;
		push(UNDO_DHCP, 0, 0, NULL);
	}
	return EXIT_OK;
}

int fan_up(const struct fan_spec *spec)
{
	return fan_up_from(spec, NULL);
}

/* Record the fan that do_up() brought up (or found up) on @br_ifindex. */
static int up_record(const struct fan_conf *c, int br_ifindex, const char *source)
{
	struct fan_record r;

	memset(&r, 0, sizeof(r));
	snprintf(r.bridge, sizeof(r.bridge), "%s", c->bridge);
	r.ifindex = br_ifindex;
	snprintf(r.ul_dev, sizeof(r.ul_dev), "%s", c->ul_ifname);
	if (source && snprintf(r.source, sizeof(r.source), "%s", source) >= (int)sizeof(r.source)) {
		err_msg("config file name too long: %s", source);
		return -1;
	}
	if (spec_format(c, r.marker, sizeof(r.marker)))
		return -1;
	/* "up -a" claims the fan for its file; a plain "up" keeps the claim */
	return record_set(&r, !source);
}

int fan_up_from(const struct fan_spec *spec, const char *source)
{
	struct fan_record *recs = NULL;
	const struct fan_record *rec;
	struct fan_state st;
	struct fan_conf c;
	int ret, nrec, br_ifindex = 0;

	if (fanctl_lock())
		return EXIT_SYSTEM;
	ret = fan_resolve(spec, &c);
	if (ret)
		return ret;
	if (c.mode == FAN_MAP_MODE_DIRECT && !c.flat) {
		char u[PFXSTR_LEN];

		warn_msg("mode direct: the underlay is not flat: no address of %s is on a subnet holding %s",
			 c.ul_ifname, prefix_str(c.map.underlay, c.map.underlay_len, u));
	}
	nrec = record_load(&recs);
	if (nrec < 0)
		return EXIT_SYSTEM;
	rec = record_find(recs, nrec, c.bridge);
	if (state_load(&st)) {
		free(recs);
		return EXIT_SYSTEM;
	}
	nundo = 0;
	ret = do_up(&c, &st, rec, &br_ifindex);
	free(recs);
	if (!ret && up_record(&c, br_ifindex, source))
		ret = EXIT_SYSTEM;
	if (ret)
		rollback(&c);
	else if (verbose || nundo) {
		char o[PFXSTR_LEN], s[PFXSTR_LEN];

		printf("%s over %s: bridge %s %s mtu %u mode %s%s\n",
		       prefix_str(c.map.overlay, c.map.overlay_len, o), c.ul_ifname, c.bridge,
		       prefix_str(c.bridge_addr, c.slice_len, s), c.mtu, map_mode_name(c.mode),
		       c.spec.opts.mode == FANCTL_MODE_AUTO ?
		       (c.flat ? " (auto: the underlay is flat)" : " (auto: the underlay is not flat)") :
		       "");
	}
	state_free(&st);
	return ret;
}
