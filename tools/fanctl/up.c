// SPDX-License-Identifier: GPL-2.0
/*
 * fanctl up: bring a fan up.  Checks first (check_bridge, check_fan), then
 * the steps of up_plan[] below in order.  Every step first checks whether
 * its result is already there (so "up" twice is a no-op and "up" repairs a
 * half-made fan), and records an undo entry for what it changed; on failure
 * the undo list runs backwards, so a failed "up" leaves the system as it
 * found it.
 *
 * FANCTL_FAIL_AT=STEP makes step STEP fail, in the test build only
 * (fanctl-test, built with -DFANCTL_FAULT_INJECTION; never installed).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>


#include "fanctl.h"

/* What up's checks find and its steps make, handed from one to the next. */
struct up {
	struct fan_conf *c;
	struct fan_state *st;
	const struct fan_record *rec;	/* the record of c->bridge, or NULL */
	struct fan_map_nl m;		/* the map as the kernel takes it */
	char alias[256];		/* the bridge's marker: fanctl's spec */
	char o[PFXSTR_LEN];		/* the overlay, for messages */
	struct link_info *fan, *br;	/* found by the checks; NULL: to make */
	struct link_info fan_li, br_li;	/* the fan device and bridge, found or made */
	bool restore_alias;		/* the bridge's ifalias is not its marker */
	bool mtu_changed;		/* the MTU of a bridge that was up changed */
};

static int up_fan(struct up *u);
static int up_fan_up(struct up *u);
static int up_bridge(struct up *u);
static int up_bridge_config(struct up *u);
static int up_address(struct up *u);
static int up_bridge_up(struct up *u);
static int up_route(struct up *u);
static int up_forward(struct up *u);
static int up_nat(struct up *u);
static int up_notrack(struct up *u);
static int up_dhcp(struct up *u);

/*
 * The plan of up, in order: each step makes its part or finds it made,
 * and pushes the undo of what it changed.  The names are FANCTL_FAIL_AT's
 * (and "fanctl -v up"'s).
 */
static const struct up_step {
	const char *name;
	int (*run)(struct up *u);
} up_plan[] = {
	/* the fan device with the map	undo: delete the device, or the map */
	{ "fan",		up_fan },
	/* ... set up			undo: set it down */
	{ "fan-up",		up_fan_up },
	/* the bridge			undo: delete it */
	{ "bridge",		up_bridge },
	/* its marker and MTU		undo: its old MTU */
	{ "bridge-config",	up_bridge_config },
	/* its address, .1 of the slice	undo: delete it */
	{ "address",		up_address },
	/* ... set up			undo: set it down */
	{ "bridge-up",		up_bridge_up },
	/* the overlay's route		undo: delete it */
	{ "route",		up_route },
	/* net.ipv4.ip_forward = 1	undo: 0 */
	{ "forward",		up_forward },
	/* masquerade (unless no-nat)	undo: delete the rule */
	{ "nat",		up_nat },
	/* notrack rules (if notrack)	undo: delete them */
	{ "notrack",		up_notrack },
	/* dnsmasq (if dhcp)		undo: stop it */
	{ "dhcp",		up_dhcp },
};

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

/*
 * Checks first: refuse before changing anything.  The bridge: ours by
 * its marker; or by the record, if a user or networkd changed its
 * ifalias: then it is ours still (set again by bridge-config).
 */
static int check_bridge(struct up *u)
{
	const struct fan_conf *c = u->c;
	const struct fan_record *rec = u->rec;
	struct link_info *br = state_by_name(u->st, c->bridge), *other;

	if (br && rec && record_bridge(u->st, rec) == br && strcmp(br->alias, rec->marker)) {
		record_warn_marker(br, rec);
		if (strcmp(rec->marker, u->alias)) {
			err_msg("bridge %s is already up as '%s'; run 'fanctl down' first",
				c->bridge, rec->marker);
			return -1;
		}
		snprintf(br->alias, sizeof(br->alias), "%s", rec->marker);
		warn_msg("bridge %s: setting its ifalias back to '%s'", c->bridge, rec->marker);
		u->restore_alias = true;
	}
	if (br && (strcmp(br->kind, "bridge") || !is_fanctl_alias(br->alias))) {
		err_msg("device %s exists and was not made by fanctl; choose another name with 'bridge NAME'",
			c->bridge);
		return -1;
	}
	if (br && strcmp(br->alias, u->alias)) {
		err_msg("bridge %s is already up as '%s'; run 'fanctl down' first", c->bridge,
			br->alias);
		return -1;
	}
	other = state_bridge_for(u->st, c->map.overlay, c->map.overlay_len, c->local,
				 c->map.underlay_len, NULL);
	if (other && other != br) {
		err_msg("fan %s over %s is already up on bridge %s", u->o, c->ul_ifname,
			other->name);
		return -1;
	}
	u->br = br;
	return 0;
}

/*
 * The fan device: the one that has the map already, else the one for the
 * map's mode (one per underlay device and mode, see state_fan_for_link).
 */
static int check_fan(struct up *u)
{
	const struct fan_conf *c = u->c;
	struct link_info *fan = state_fan_with_map(u->st, &u->m);

	if (fan && !fan_is_mine(fan)) {
		/* someone else's device: neither adopted nor doubled */
		err_msg("map %s over %s is on %s, which fanctl did not make; delete that map first",
			u->o, c->ul_ifname, fan->name);
		return -1;
	}
	if (fan && (int)fan->fan_link == c->ul_ifindex) {
		const struct fan_map_nl *have = fan_find_map(fan, &u->m);

		/* the map is there, reaching hosts another way (auto changed its mind?) */
		if (have->mode != u->m.mode) {
			err_msg("map %s is up on %s in mode %s, not %s; run 'fanctl down' first",
				u->o, fan->name, map_mode_name(have->mode),
				map_mode_name(u->m.mode));
			return -1;
		}
	} else {
		fan = state_fan_for_link(u->st, c->ul_ifindex, u->m.mode);
	}
	u->fan = fan;
	return 0;
}

/* The fan device with the map: a new device, or the map added to ours. */
static int up_fan(struct up *u)
{
	char name[IFNAMSIZ];
	int ret;

	if (u->fan) {
		u->fan_li = *u->fan;
		if (fan_has_map(u->fan, &u->m))
			return 0;
		ret = fan_map_change(u->fan->ifindex, &u->m, true);
		if (ret < 0) {
			nl_perror(ret, "cannot add map %s to %s", u->o, u->fan->name);
			mode_hint(ret, &u->m);
			return -1;
		}
		push(UNDO_MAP_DEL, u->fan->ifindex, 0, &u->m);
		verbose_msg("added map %s to %s", u->o, u->fan->name);
		return 0;
	}
	state_free_fan_name(u->st, name);
	ret = fan_create(name, (uint32_t)u->c->ul_ifindex, &u->m);
	if (ret < 0) {
		nl_perror(ret, "cannot create fan device %s", name);
		fan_kind_hint(ret);
		mode_hint(ret, &u->m);
		return -1;
	}
	ret = link_get(0, name, &u->fan_li);
	if (ret < 0) {
		nl_perror(ret, "cannot find new fan device %s", name);
		return -1;
	}
	push(UNDO_LINK_DEL, u->fan_li.ifindex, 0, NULL);
	ret = link_set_alias_mtu(u->fan_li.ifindex, FANCTL_ALIAS, 0);
	if (ret < 0) {
		nl_perror(ret, "cannot set the alias of %s", name);
		return -1;
	}
	ret = link_set_no_ipv6_ll(u->fan_li.ifindex);
	if (ret < 0) {
		nl_perror(ret, "cannot turn off IPv6 link-local on %s", name);
		return -1;
	}
	verbose_msg("created %s", name);
	return 0;
}

/* fan-up and bridge-up: LI up unless it is, to be set down on rollback */
static int bring_up(const struct link_info *li)
{
	int ret;

	if (li->flags & IFF_UP)
		return 0;
	ret = link_set_up(li->ifindex, true);
	if (ret < 0) {
		nl_perror(ret, "cannot bring %s up", li->name);
		return -1;
	}
	push(UNDO_LINK_DOWN, li->ifindex, 0, NULL);
	return 0;
}

static int up_fan_up(struct up *u)
{
	return bring_up(&u->fan_li);
}

static int up_bridge(struct up *u)
{
	const char *bridge = u->c->bridge;
	unsigned char mac[6];
	int ret;

	if (u->br) {
		u->br_li = *u->br;
		return 0;
	}
	/*
	 * The MTU is set by bridge-config, not at creation: only a change
	 * of MTU marks it as the admin's, so that attaching a container's
	 * 1500-byte veth does not pull the bridge down to 1500.
	 */
	bridge_mac(u->c->bridge_addr, mac);
	ret = bridge_create(bridge, 0, mac);
	if (ret < 0) {
		nl_perror(ret, "cannot create bridge %s", bridge);
		return -1;
	}
	ret = link_get(0, bridge, &u->br_li);
	if (ret < 0) {
		nl_perror(ret, "cannot find new bridge %s", bridge);
		return -1;
	}
	push(UNDO_LINK_DEL, u->br_li.ifindex, 0, NULL);
	verbose_msg("created bridge %s", bridge);
	return 0;
}

/* The bridge's marker (its ifalias, fanctl's spec) and MTU. */
static int up_bridge_config(struct up *u)
{
	const struct fan_conf *c = u->c;
	unsigned int old = u->br_li.mtu;
	int ret;

	if (!u->restore_alias && !strcmp(u->br_li.alias, u->alias) && old == c->mtu)
		return 0;
	ret = link_set_alias_mtu(u->br_li.ifindex, u->alias, c->mtu);
	if (ret < 0) {
		nl_perror(ret, "cannot set alias and mtu %u of %s", c->mtu, c->bridge);
		return -1;
	}
	/* a new bridge goes whole (UNDO_LINK_DEL) */
	if (u->br) {
		push(UNDO_MTU, u->br_li.ifindex, old, NULL);
		u->mtu_changed = old != c->mtu;
	}
	return 0;
}

static int up_address(struct up *u)
{
	const struct fan_conf *c = u->c;
	char a[PFXSTR_LEN];
	int ret = 0;

	if (bridge_has_addr(u->br_li.ifindex, c->bridge_addr, c->slice_len, &ret))
		return 0;
	if (ret < 0) {
		nl_perror(ret, "cannot list addresses");
		return -1;
	}
	ret = addr_add(u->br_li.ifindex, c->bridge_addr, c->slice_len, false);
	if (ret < 0) {
		nl_perror(ret, "cannot add address %s to %s",
			  prefix_str(c->bridge_addr, c->slice_len, a), c->bridge);
		return -1;
	}
	push(UNDO_ADDR_DEL, u->br_li.ifindex, 0, NULL);
	return 0;
}

static int up_bridge_up(struct up *u)
{
	return bring_up(&u->br_li);
}

/* The route to the overlay through the fan device. */
static int up_route(struct up *u)
{
	const struct fan_conf *c = u->c;
	int ret, oif = 0, found = route_find(c->map.overlay, c->map.overlay_len, &oif);

	if (found < 0) {
		nl_perror(found, "cannot list routes");
		return -1;
	}
	if (found && oif == u->fan_li.ifindex)
		return 0;
	ret = route_change(c->map.overlay, c->map.overlay_len, u->fan_li.ifindex,
			   c->bridge_addr, false);
	if (ret < 0) {
		nl_perror(ret, "cannot add route %s", u->o);
		if (ret == -EEXIST)
			err_msg("another route to %s exists", u->o);
		return -1;
	}
	push(UNDO_ROUTE_DEL, u->fan_li.ifindex, 0, NULL);
	return 0;
}

/* net.ipv4.ip_forward on */
static int up_forward(struct up *u)
{
	int ret = ip_forward_get();

	(void)u;
	if (ret < 0) {
		err_msg("cannot read net.ipv4.ip_forward: %s", strerror(-ret));
		return -1;
	}
	if (ret)
		return 0;
	ret = ip_forward_set(1);
	if (ret < 0) {
		err_msg("cannot enable net.ipv4.ip_forward: %s", strerror(-ret));
		return -1;
	}
	push(UNDO_FORWARD, 0, 0, NULL);
	return 0;
}

/* The slice's masquerade rule (unless no-nat). */
static int up_nat(struct up *u)
{
	int ret;

	if (!u->c->spec.opts.nat)
		return 0;
	ret = nat_rule_exists(u->c);
	if (ret < 0) {
		err_msg("nftables: cannot list table ip %s: %s", FANCTL_NFT_TABLE, strerror(-ret));
		return -1;
	}
	if (ret)
		return 0;
	if (nat_add(u->c) < 0)
		return -1;
	push(UNDO_NAT, 0, 0, NULL);
	return 0;
}

/* The notrack rules; only IPIP has outer packets, a direct map's are tracked as routed. */
static int up_notrack(struct up *u)
{
	const struct fan_conf *c = u->c;
	int ret;

	if (!c->spec.opts.notrack || c->mode != FAN_MAP_MODE_IPIP) {
		/* asked off, or the map went direct: none of ours stays */
		return notrack_rules_exist(c) > 0 && notrack_del(c) < 0 ? -1 : 0;
	}
	ret = notrack_rules_exist(c);
	if (ret < 0) {
		err_msg("nftables: cannot list table ip %s: %s", FANCTL_NFT_TABLE, strerror(-ret));
		return -1;
	}
	if (ret)
		return 0;
	/* one of the two deleted by hand: add both again */
	if (notrack_del(c) < 0 || notrack_add(c) < 0)
		return -1;
	push(UNDO_NOTRACK, 0, 0, NULL);
	return 0;
}

/*
 * dnsmasq on the bridge (if dhcp).  It hands out the MTU: a new one
 * (ib0's mode changed) needs a restart.  Clients get the new MTU when
 * they renew; dnsmasq pings an address before offering it, so dropped
 * leases do not collide.
 */
static int up_dhcp(struct up *u)
{
	const struct fan_conf *c = u->c;
	bool on;

	if (!c->spec.opts.dhcp)
		return 0;
	/* a supervisor between two dnsmasq (it died) starts the next itself */
	on = dhcp_running(c->bridge) || dhcp_supervisor(c->bridge);
	if (on && u->mtu_changed) {
		if (dhcp_stop(c->bridge) < 0)
			return -1;
		on = false;
		verbose_msg("restarting dnsmasq on %s for mtu %u", c->bridge, c->mtu);
	}
	if (on)
		return 0;
	if (dhcp_start(c) < 0)
		return -1;
	push(UNDO_DHCP, 0, 0, NULL);
	return 0;
}

static int do_up(struct fan_conf *c, struct fan_state *st, const struct fan_record *rec,
		 int *bridge_ifindex)
{
	struct up u = { .c = c, .st = st, .rec = rec };
	size_t i;

	map_from_conf(c, &u.m);
	if (spec_format(c, u.alias, sizeof(u.alias))) {
		err_msg("internal error: alias too long");
		return EXIT_SYSTEM;
	}
	prefix_str(c->map.overlay, c->map.overlay_len, u.o);
	if (check_bridge(&u) || check_fan(&u))
		return EXIT_SYSTEM;
	for (i = 0; i < sizeof(up_plan) / sizeof(up_plan[0]); i++)
		if (step(up_plan[i].name) || up_plan[i].run(&u))
			return EXIT_SYSTEM;
	*bridge_ifindex = u.br_li.ifindex;
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
