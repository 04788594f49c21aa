// SPDX-License-Identifier: GPL-2.0
/*
 * fanctl down: remove what "up" made (dnsmasq, NAT rule, route, bridge, map
 * and the fan device with its last map), found through the kernel's state
 * and the ifalias marker on the bridge.
 *
 * A bridge that still has ports (the veths of running containers) is not
 * taken down without --force: deleting it would cut the containers off,
 * and "systemctl restart fanctl" or "ifdown ib0" must not do that.  The
 * fan is kept whole (exit EXIT_BUSY), so that "up" finds it as it was.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fanctl.h"

/* Rebuild a conf from the marker of a fanctl bridge. */
static int conf_from_alias(const struct fan_spec *asp, const char *bridge, struct fan_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->spec = *asp;
	snprintf(c->spec.opts.bridge, sizeof(c->spec.opts.bridge), "%s", bridge);
	c->local = asp->ul_addr;
	return conf_derive(c);
}

/*
 * Does bridge @br have ports?  If so, say so (naming the fan @what and up
 * to a few ports) and return their number.
 */
static int bridge_busy(const struct fan_state *st, const struct link_info *br, const char *what)
{
	char names[128] = "";
	size_t len = 0;
	int i, n = 0;

	for (i = 0; i < st->n; i++) {
		if (st->links[i].master != br->ifindex || st->links[i].ifindex == br->ifindex)
			continue;
		if (n < 4 && len < sizeof(names))
			len += (size_t)snprintf(names + len, sizeof(names) - len, "%s%s",
						n ? ", " : "", st->links[i].name);
		else if (n == 4 && len < sizeof(names))
			len += (size_t)snprintf(names + len, sizeof(names) - len, ", ...");
		n++;
	}
	if (n)
		err_msg("bridge %s of %s has %d port%s (%s), containers may use it: not taken down (stop them first, or use --force)",
			br->name, what, n, n == 1 ? "" : "s", names);
	return n;
}

int fan_down_conf(const struct fan_conf *c, struct fan_state *st)
{
	char o[PFXSTR_LEN];
	struct link_info *fan, *br;
	struct fan_map_nl m;
	int ret, err = 0;

	prefix_str(c->map.overlay, c->map.overlay_len, o);
	map_from_conf(c, &m);
	if (dhcp_stop(c->bridge) < 0)
		err = 1;
	if (nft_fan_del(c) < 0)
		err = 1;
	fan = state_fan_with_map(st, &m);
	if (fan) {
		ret = route_change(c->map.overlay, c->map.overlay_len, fan->ifindex, 0, true);
		if (ret < 0 && ret != -ESRCH && ret != -ENOENT) {
			nl_perror(ret, "cannot delete route %s dev %s", o, fan->name);
			err = 1;
		}
	}
	br = state_by_name(st, c->bridge);
	if (br && !strcmp(br->kind, "bridge") && is_fanctl_alias(br->alias)) {
		ret = link_delete(br->ifindex);
		if (ret < 0 && ret != -ENODEV) {
			nl_perror(ret, "cannot delete bridge %s", br->name);
			err = 1;
		}
	}
	if (fan) {
		if (fan->nmaps <= 1) {
			ret = link_delete(fan->ifindex);
			if (ret < 0 && ret != -ENODEV) {
				nl_perror(ret, "cannot delete fan device %s", fan->name);
				err = 1;
			}
		} else {
			ret = fan_map_change(fan->ifindex, &m, false);
			if (ret < 0) {
				nl_perror(ret, "cannot remove map %s from %s", o, fan->name);
				err = 1;
			}
		}
	}
	return err ? EXIT_SYSTEM : EXIT_OK;
}

static bool alias_matches(const struct fan_spec *want, const struct fan_spec *have)
{
	uint32_t net;

	if (want->overlay != have->overlay || want->overlay_len != have->overlay_len ||
	    want->underlay_len != have->underlay_len)
		return false;
	if (want->ul_kind != UL_ADDR)
		return true;
	net = want->ul_addr & fan_mask(want->underlay_len);
	if (want->ul_addr != net)
		return want->ul_addr == have->ul_addr;
	return fan_prefix_contains(net, want->underlay_len, have->ul_addr);
}

int fan_down(const struct fan_spec *spec, bool force)
{
	struct fan_state st;
	struct fan_conf c;
	struct fan_spec asp;
	struct link_info *br = NULL;
	struct fan_map_nl m;
	char o[PFXSTR_LEN], u[64];
	int ret, i, found = 0;

	if (state_load(&st))
		return EXIT_SYSTEM;
	prefix_str(spec->overlay, spec->overlay_len, o);
	underlay_str(spec, u, sizeof(u));
	msg_quiet = true;
	ret = fan_resolve(spec, &c);
	msg_quiet = false;
	if (ret == EXIT_OK) {
		br = state_bridge_for(&st, c.map.overlay, c.map.overlay_len, c.local,
				      c.map.underlay_len, &asp);
	} else {
		/* The underlay may be gone: find the fan by its marker. */
		for (i = 0; i < st.n; i++) {
			struct fan_spec s;

			if (strcmp(st.links[i].kind, "bridge") ||
			    alias_parse(st.links[i].alias, &s) || !alias_matches(spec, &s))
				continue;
			if (br) {
				err_msg("%s over %s matches bridges %s and %s; name the underlay address",
					o, u, br->name, st.links[i].name);
				state_free(&st);
				return EXIT_USAGE;
			}
			br = &st.links[i];
			asp = s;
		}
		if (!br) {
			/* say why the underlay did not resolve */
			ret = fan_resolve(spec, &c);
			state_free(&st);
			return ret;
		}
	}
	if (br && conf_from_alias(&asp, br->name, &c)) {
		state_free(&st);
		return EXIT_SYSTEM;
	}
	map_from_conf(&c, &m);
	if (br)
		found = 1;
	if (state_fan_with_map(&st, &m))
		found = 1;
	if (dhcp_running(c.bridge))
		found = 1;
	if (nat_rule_exists(&c) > 0 || notrack_rules_exist(&c) > 0)
		found = 1;
	if (!found) {
		warn_msg("%s over %s is not up", o, u);
		state_free(&st);
		return EXIT_OK;
	}
	if (!force && br) {
		char what[PFXSTR_LEN + 80];

		snprintf(what, sizeof(what), "%s over %s", o, u);
		if (bridge_busy(&st, br, what)) {
			state_free(&st);
			return EXIT_BUSY;
		}
	}
	ret = fan_down_conf(&c, &st);
	state_free(&st);
	return ret;
}

int fan_down_everything(bool force)
{
	struct fan_state st;
	int i, j, ret, err = 0, nbr = 0, busy = 0, *brs;

	if (state_load(&st))
		return EXIT_SYSTEM;
	/* all or nothing: one busy bridge keeps everything (NAT, dnsmasq too) */
	for (i = 0; i < st.n && !force; i++) {
		const struct link_info *l = &st.links[i];

		struct fan_spec s;
		char what[PFXSTR_LEN + 80], o[PFXSTR_LEN], u[PFXSTR_LEN];

		if (strcmp(l->kind, "bridge") || !is_fanctl_alias(l->alias))
			continue;
		if (alias_parse(l->alias, &s))
			snprintf(what, sizeof(what), "an unreadable marker");
		else
			snprintf(what, sizeof(what), "%s over %s",
				 prefix_str(s.overlay, s.overlay_len, o),
				 prefix_str(s.ul_addr, s.underlay_len, u));
		if (bridge_busy(&st, l, what))
			busy = 1;
	}
	if (busy) {
		err_msg("down -e: nothing taken down");
		state_free(&st);
		return EXIT_BUSY;
	}
	brs = calloc((size_t)st.n + 1, sizeof(*brs));
	if (!brs) {
		state_free(&st);
		return EXIT_SYSTEM;
	}
	for (i = 0; i < st.n; i++)
		if (!strcmp(st.links[i].kind, "bridge") && is_fanctl_alias(st.links[i].alias))
			brs[nbr++] = st.links[i].ifindex;
	state_free(&st);
	/* one fanctl bridge at a time, re-reading the state before each */
	for (j = 0; j < nbr; j++) {
		struct link_info *l;
		struct fan_spec s;
		struct fan_conf c;

		if (state_load(&st)) {
			free(brs);
			return EXIT_SYSTEM;
		}
		l = state_by_index(&st, brs[j]);
		if (l && !alias_parse(l->alias, &s) && !conf_from_alias(&s, l->name, &c) &&
		    fan_down_conf(&c, &st))
			err = 1;
		if (l) {
			/* fan_down_conf deleted it, unless its marker was unreadable */
			ret = link_delete(l->ifindex);
			if (ret < 0 && ret != -ENODEV) {
				nl_perror(ret, "cannot delete bridge %s", l->name);
				err = 1;
			}
		}
		state_free(&st);
	}
	free(brs);
	if (state_load(&st))
		return EXIT_SYSTEM;
	for (i = 0; i < st.n; i++) {
		struct link_info *l = &st.links[i];

		if (!l->is_fan || !is_fanctl_alias(l->alias))
			continue;
		ret = link_delete(l->ifindex);
		if (ret < 0 && ret != -ENODEV) {
			nl_perror(ret, "cannot delete fan device %s", l->name);
			err = 1;
		}
	}
	state_free(&st);
	if (nat_flush_all() < 0)
		err = 1;
	if (dhcp_stop_all() < 0)
		err = 1;
	return err ? EXIT_SYSTEM : EXIT_OK;
}
