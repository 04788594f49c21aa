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
 * The spec of fanctl's bridge @l: its marker, or, if a user or networkd
 * changed that, the marker the record has for it.  -1: not fanctl's.
 */
static int bridge_spec(struct fan_state *st, const struct fan_record *recs, int nrec,
		       const struct link_info *l, struct fan_spec *s)
{
	const struct fan_record *r;

	if (strcmp(l->kind, "bridge"))
		return -1;
	if (!alias_parse(l->alias, s))
		return 0;
	r = record_find(recs, nrec, l->name);
	return r && record_bridge(st, r) == l && !alias_parse(r->marker, s) ? 0 : -1;
}

/*
 * Is @c's map also another fan's (another local address in the same
 * underlay, each with its bridge)?  The route and the map are then that
 * fan's too: @other is set to it.
 */
static bool map_shared(struct fan_state *st, const struct fan_record *recs, int nrec,
		       const struct fan_conf *c, struct fan_conf *other)
{
	int i, ret;

	for (i = 0; i < st->n; i++) {
		const struct link_info *l = &st->links[i];
		struct fan_spec s;

		if (!strcmp(l->name, c->bridge) || bridge_spec(st, recs, nrec, l, &s))
			continue;
		msg_quiet = true;
		ret = conf_from_alias(&s, l->name, other);
		msg_quiet = false;
		if (!ret && other->map.overlay == c->map.overlay &&
		    other->map.overlay_len == c->map.overlay_len &&
		    other->map.underlay == c->map.underlay &&
		    other->map.underlay_len == c->map.underlay_len)
			return true;
	}
	return false;
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
	struct fan_record *recs = NULL;
	const struct fan_record *rec;
	struct link_info *fan, *br;
	struct fan_conf other;
	struct fan_map_nl m;
	int ret, nrec, err = 0;
	bool shared;

	prefix_str(c->map.overlay, c->map.overlay_len, o);
	map_from_conf(c, &m);
	nrec = record_load(&recs);
	if (nrec < 0) {
		nrec = 0;
		err = 1;
	}
	rec = record_find(recs, nrec, c->bridge);
	shared = map_shared(st, recs, nrec, c, &other);
	if (dhcp_stop(c->bridge) < 0)
		err = 1;
	if (nft_fan_del(c) < 0)
		err = 1;
	/* only a device fanctl made: someone else's map is not ours to take */
	fan = state_fan_with_map(st, &m);
	if (fan && !fan_is_mine(fan))
		fan = NULL;
	if (fan && shared) {
		/*
		 * The other fan keeps the route, with its own bridge's address
		 * as the source: ours goes with our bridge, and the kernel
		 * removes the routes whose source an address was.
		 */
		ret = route_replace(c->map.overlay, c->map.overlay_len, fan->ifindex,
				    other.bridge_addr);
		if (ret < 0) {
			nl_perror(ret, "cannot hand route %s dev %s to bridge %s", o, fan->name,
				  other.bridge);
			err = 1;
		}
		verbose_msg("map %s and its route stay: bridge %s uses them", o, other.bridge);
	} else if (fan) {
		ret = route_change(c->map.overlay, c->map.overlay_len, fan->ifindex, 0, true);
		if (ret < 0 && ret != -ESRCH && ret != -ENOENT) {
			nl_perror(ret, "cannot delete route %s dev %s", o, fan->name);
			err = 1;
		}
	}
	br = state_by_name(st, c->bridge);
	if (br && !strcmp(br->kind, "bridge") &&
	    (is_fanctl_alias(br->alias) || (rec && record_bridge(st, rec) == br))) {
		ret = link_delete(br->ifindex);
		if (ret < 0 && ret != -ENODEV) {
			nl_perror(ret, "cannot delete bridge %s", br->name);
			err = 1;
		}
	}
	if (fan && !shared) {
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
	free(recs);
	if (record_del(c->bridge) < 0)
		err = 1;
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

/*
 * The record entry of a fan whose bridge lost its marker (or is gone):
 * @spec as resolved (@c, if @resolved) or as written.  NULL if none.
 */
static const struct fan_record *record_for_spec(const struct fan_record *recs, int nrec,
						const struct fan_spec *spec, bool resolved,
						const struct fan_conf *c, struct fan_spec *s)
{
	int i;

	for (i = 0; i < nrec; i++) {
		if (alias_parse(recs[i].marker, s))
			continue;
		if (resolved ? s->overlay == c->map.overlay && s->overlay_len == c->map.overlay_len &&
			       s->ul_addr == c->local && s->underlay_len == c->map.underlay_len :
			       alias_matches(spec, s))
			return &recs[i];
	}
	return NULL;
}

/*
 * The next bridge from *@i on whose marker matches @spec (its words in
 * @s), or NULL: found by its marker, a fan is found when its underlay is
 * gone or has another address now.
 */
static struct link_info *next_marked_bridge(struct fan_state *st, const struct fan_spec *spec,
					    int *i, struct fan_spec *s)
{
	while (*i < st->n) {
		struct link_info *l = &st->links[(*i)++];

		if (!strcmp(l->kind, "bridge") && !alias_parse(l->alias, s) &&
		    alias_matches(spec, s))
			return l;
	}
	return NULL;
}

/*
 * Name the fans of the same overlay that are up over another underlay
 * address: after the underlay was readdressed, "down OVERLAY ib0/16" means
 * the fan of ib0's new address, and the old one is named by its address.
 */
static void hint_other_fans(struct fan_state *st, const struct fan_spec *spec, const char *o)
{
	struct link_info *l;
	struct fan_spec s;
	char su[64];
	int i = 0;

	while ((l = next_marked_bridge(st, spec, &i, &s))) {
		underlay_str(&s, su, sizeof(su));
		warn_msg("%s is up over %s (bridge %s): 'fanctl down %s %s' names it",
			 o, su, l->name, o, su);
	}
}

int fan_down(const struct fan_spec *spec, bool force)
{
	struct fan_record *recs = NULL;
	const struct fan_record *rec = NULL;
	struct fan_state st;
	struct fan_conf c, other;
	struct fan_spec asp;
	struct link_info *br = NULL, *fan;
	struct fan_map_nl m;
	char o[PFXSTR_LEN], u[64];
	const char *brname = NULL;
	int ret, nrec, found = 0;

	if (fanctl_lock())
		return EXIT_SYSTEM;
	nrec = record_load(&recs);
	if (nrec < 0)
		return EXIT_SYSTEM;
	if (state_load(&st)) {
		free(recs);
		return EXIT_SYSTEM;
	}
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
		struct link_info *l;
		struct fan_spec s;
		int i = 0;

		while ((l = next_marked_bridge(&st, spec, &i, &s))) {
			if (br) {
				err_msg("%s over %s matches bridges %s and %s; name the underlay address",
					o, u, br->name, l->name);
				ret = EXIT_USAGE;
				goto out;
			}
			br = l;
			asp = s;
		}
	}
	if (br) {
		brname = br->name;
	} else {
		/* its marker changed, or its bridge is gone: the record knows it */
		rec = record_for_spec(recs, nrec, spec, ret == EXIT_OK, &c, &asp);
		if (rec) {
			brname = rec->bridge;
			br = record_bridge(&st, rec);
			if (br)
				record_warn_marker(br, rec);
			else
				warn_msg("bridge %s of %s over %s is gone; taking down the rest", rec->bridge,
					 o, u);
		} else if (ret != EXIT_OK) {
			/* say why the underlay did not resolve */
			ret = fan_resolve(spec, &c);
			goto out;
		}
	}
	if (brname && conf_from_alias(&asp, brname, &c)) {
		ret = EXIT_SYSTEM;
		goto out;
	}
	map_from_conf(&c, &m);
	if (br || rec)
		found = 1;
	fan = state_fan_with_map(&st, &m);
	if (fan && fan_is_mine(fan) && !map_shared(&st, recs, nrec, &c, &other))
		found = 1;
	if (dhcp_running(c.bridge) || dhcp_supervisor(c.bridge))
		found = 1;
	if (nat_rule_exists(&c) > 0 || notrack_rules_exist(&c) > 0)
		found = 1;
	if (!found) {
		warn_msg("%s over %s is not up", o, u);
		hint_other_fans(&st, spec, o);
		ret = EXIT_OK;
		goto out;
	}
	if (!force && br) {
		char what[PFXSTR_LEN + 80];

		snprintf(what, sizeof(what), "%s over %s", o, u);
		if (bridge_busy(&st, br, what)) {
			ret = EXIT_BUSY;
			goto out;
		}
	}
	ret = fan_down_conf(&c, &st);
out:
	free(recs);
	state_free(&st);
	return ret;
}

int fan_down_record(const struct fan_record *r, bool force)
{
	char what[PFXSTR_LEN + 80], o[PFXSTR_LEN];
	struct link_info *br;
	struct fan_state st;
	struct fan_spec s;
	struct fan_conf c;
	int ret;

	if (fanctl_lock())
		return EXIT_SYSTEM;
	if (alias_parse(r->marker, &s) || conf_from_alias(&s, r->bridge, &c)) {
		err_msg("the record of bridge %s is not understood ('%s'): run 'fanctl down -e'",
			r->bridge, r->marker);
		return EXIT_SYSTEM;
	}
	if (state_load(&st))
		return EXIT_SYSTEM;
	br = record_bridge(&st, r);
	if (br && strcmp(br->alias, r->marker))
		record_warn_marker(br, r);
	snprintf(what, sizeof(what), "%s over %s/%u",
		 prefix_str(c.map.overlay, c.map.overlay_len, o), r->ul_dev, c.map.underlay_len);
	if (!force && br && bridge_busy(&st, br, what))
		ret = EXIT_BUSY;
	else
		ret = fan_down_conf(&c, &st);
	state_free(&st);
	return ret;
}

bool spec_recorded(const struct fan_spec *spec, const struct fan_record *recs, int nrec)
{
	const struct fan_record *r;
	struct fan_spec s;
	struct fan_conf c;
	int ret;

	msg_quiet = true;
	ret = fan_resolve(spec, &c);
	msg_quiet = false;
	r = record_for_spec(recs, nrec, spec, ret == EXIT_OK, &c, &s);
	return r && r->source[0];
}

/* fanctl's bridge: its marker, or the record's if that was changed */
static bool bridge_ours(struct fan_state *st, const struct fan_record *recs, int nrec,
			const struct link_info *l)
{
	const struct fan_record *r;

	if (strcmp(l->kind, "bridge"))
		return false;
	if (is_fanctl_alias(l->alias))
		return true;
	r = record_find(recs, nrec, l->name);
	return r && record_bridge(st, r) == l;
}

int fan_down_everything(bool force)
{
	struct fan_record *recs = NULL;
	struct fan_state st;
	int i, j, ret, err = 0, nbr = 0, busy = 0, nrec, *brs;

	if (fanctl_lock())
		return EXIT_SYSTEM;
	nrec = record_load(&recs);
	if (nrec < 0)
		nrec = 0;	/* what the kernel has still goes */
	if (state_load(&st)) {
		free(recs);
		return EXIT_SYSTEM;
	}
	/* all or nothing: one busy bridge keeps everything (NAT, dnsmasq too) */
	for (i = 0; i < st.n && !force; i++) {
		const struct link_info *l = &st.links[i];

		struct fan_spec s;
		char what[PFXSTR_LEN + 80], o[PFXSTR_LEN], u[PFXSTR_LEN];

		if (!bridge_ours(&st, recs, nrec, l))
			continue;
		if (bridge_spec(&st, recs, nrec, l, &s))
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
		free(recs);
		state_free(&st);
		return EXIT_BUSY;
	}
	brs = calloc((size_t)st.n + 1, sizeof(*brs));
	if (!brs) {
		free(recs);
		state_free(&st);
		return EXIT_SYSTEM;
	}
	for (i = 0; i < st.n; i++) {
		if (!bridge_ours(&st, recs, nrec, &st.links[i]))
			continue;
		if (!is_fanctl_alias(st.links[i].alias))
			record_warn_marker(&st.links[i], record_find(recs, nrec, st.links[i].name));
		brs[nbr++] = st.links[i].ifindex;
	}
	free(recs);
	state_free(&st);
	/* one fanctl bridge at a time, re-reading the state before each */
	for (j = 0; j < nbr; j++) {
		struct link_info *l;
		struct fan_spec s;
		struct fan_conf c;

		nrec = record_load(&recs);
		if (nrec < 0)
			nrec = 0;
		if (state_load(&st)) {
			free(recs);
			free(brs);
			return EXIT_SYSTEM;
		}
		l = state_by_index(&st, brs[j]);
		if (l && !bridge_spec(&st, recs, nrec, l, &s) && !conf_from_alias(&s, l->name, &c) &&
		    fan_down_conf(&c, &st))
			err = 1;
		free(recs);
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

		if (!fan_is_mine(l))
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
	/* what fanctl brought up is gone: so is its record */
	if (record_save(NULL, 0) < 0)
		err = 1;
	return err ? EXIT_SYSTEM : EXIT_OK;
}
