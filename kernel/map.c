// SPDX-License-Identifier: GPL-2.0
/*
 * Fan networking: map sets.  The math itself lives in fan/fan_map.h, shared
 * with fanctl; this file applies it to the set of maps a device carries.
 */

#include <linux/slab.h>
#include <linux/overflow.h>
#include <linux/inetdevice.h>
#include <net/netns/generic.h>

#include "fan.h"

struct fan_map_set *fan_map_set_alloc(unsigned int count)
{
	struct fan_map_set *set;

	set = kzalloc(struct_size(set, maps, count), GFP_KERNEL);
	if (set)
		set->count = count;
	return set;
}

/* The map whose overlay holds @addr; overlays never overlap, so at most one. */
const struct fan_map *fan_map_find_overlay(const struct fan_map_set *set,
					   u32 addr)
{
	unsigned int i;

	for (i = 0; i < set->count; i++) {
		const struct fan_map_math *m = &set->maps[i].m;

		if (fan_prefix_contains(m->overlay, m->overlay_len, addr))
			return &set->maps[i];
	}
	return NULL;
}

/* Report a fan_map_check() failure against attribute @nla (may be NULL). */
void fan_map_extack(struct netlink_ext_ack *extack, const struct nlattr *nla,
		    enum fan_map_error err)
{
	switch (err) {
	case FAN_MAP_OK:
		break;
	case FAN_MAP_BAD_OVERLAY_LEN:
		NL_SET_ERR_MSG_ATTR(extack, nla, FAN_MAP_MSG_BAD_OVERLAY_LEN);
		break;
	case FAN_MAP_BAD_UNDERLAY_LEN:
		NL_SET_ERR_MSG_ATTR(extack, nla, FAN_MAP_MSG_BAD_UNDERLAY_LEN);
		break;
	case FAN_MAP_OVERLAY_HOST_BITS:
		NL_SET_ERR_MSG_ATTR(extack, nla, FAN_MAP_MSG_OVERLAY_HOST_BITS);
		break;
	case FAN_MAP_UNDERLAY_HOST_BITS:
		NL_SET_ERR_MSG_ATTR(extack, nla, FAN_MAP_MSG_UNDERLAY_HOST_BITS);
		break;
	case FAN_MAP_OVERLAY_NOT_SHORTER:
		NL_SET_ERR_MSG_ATTR(extack, nla, FAN_MAP_MSG_OVERLAY_NOT_SHORTER);
		break;
	case FAN_MAP_SLICE_TOO_SMALL:
		NL_SET_ERR_MSG_ATTR(extack, nla, FAN_MAP_MSG_SLICE_TOO_SMALL);
		break;
	}
}

/* Each map is sane and no two overlays share an address. */
int fan_map_set_check(const struct fan_map_set *set,
		      struct netlink_ext_ack *extack)
{
	unsigned int i, j;

	if (set->count > FAN_MAX_MAPS) {
		NL_SET_ERR_MSG_MOD(extack, "too many maps on one fan device");
		return -E2BIG;
	}

	for (i = 0; i < set->count; i++) {
		const struct fan_map_math *a = &set->maps[i].m;
		enum fan_map_error err = fan_map_check(a);

		if (err) {
			fan_map_extack(extack, NULL, err);
			return -EINVAL;
		}
		for (j = 0; j < i; j++) {
			const struct fan_map_math *b = &set->maps[j].m;

			if (fan_prefixes_overlap(a->overlay, a->overlay_len,
						 b->overlay, b->overlay_len)) {
				NL_SET_ERR_MSG_MOD(extack,
						   "two maps have overlapping overlays");
				return -EEXIST;
			}
		}
	}
	return 0;
}

/*
 * Receive picks a device by overlay, so overlays must not overlap between
 * the fan devices of one namespace either.  Called under RTNL.
 */
int fan_map_set_check_net(const struct fan_map_set *set,
			  const struct fan_dev *self, struct net *net,
			  struct netlink_ext_ack *extack)
{
	struct fan_net *fn = fan_pernet(net);
	struct fan_dev *other;
	unsigned int i, j;

	ASSERT_RTNL();

	list_for_each_entry(other, &fn->devs, list) {
		const struct fan_map_set *os;

		if (other == self)
			continue;
		os = rtnl_dereference(other->maps);
		for (i = 0; i < set->count; i++) {
			const struct fan_map_math *a = &set->maps[i].m;

			for (j = 0; j < os->count; j++) {
				const struct fan_map_math *b = &os->maps[j].m;

				if (!fan_prefixes_overlap(a->overlay,
							  a->overlay_len,
							  b->overlay,
							  b->overlay_len))
					continue;
				NL_SET_ERR_MSG_MOD(extack,
						   "overlay overlaps a map of another fan device");
				return -EEXIST;
			}
		}
	}
	return 0;
}

/*
 * Strict receive: does underlay host @outer_src own @inner_src?  True when
 * some map whose underlay holds @outer_src gives it a slice holding
 * @inner_src.  Hosts with several maps may source from any of their slices.
 */
bool fan_slice_owned(const struct fan_map_set *set, u32 outer_src,
		     u32 inner_src)
{
	unsigned int i;

	for (i = 0; i < set->count; i++) {
		const struct fan_map_math *m = &set->maps[i].m;

		if (!fan_prefix_contains(m->underlay, m->underlay_len,
					 outer_src))
			continue;
		if (!fan_host_part_valid(m, fan_host_part(m, outer_src)))
			continue;
		if (fan_prefix_contains(fan_slice_of(m, outer_src),
					fan_slice_len(m), inner_src))
			return true;
	}
	return false;
}

/*
 * Is all of the underlay prefix of @m on-link on @lower: does @lower hold
 * an IPv4 address whose subnet contains the whole prefix?  RTNL held.
 */
static bool fan_underlay_on_link(const struct fan_map_math *m,
				 struct net_device *lower)
{
	struct in_device *in_dev = __in_dev_get_rtnl(lower);
	const struct in_ifaddr *ifa;

	if (!in_dev)
		return false;
	in_dev_for_each_ifa_rtnl(ifa, in_dev) {
		if (ifa->ifa_prefixlen <= m->underlay_len &&
		    fan_prefix_contains(ntohl(ifa->ifa_local), ifa->ifa_prefixlen,
					m->underlay))
			return true;
	}
	return false;
}

/*
 * Direct maps hand packets to the owning host as a next hop on the
 * underlay device, so they need one (@link), and every host of their
 * underlay prefix must be on-link there.  Called under RTNL.
 */
int fan_map_set_check_direct(const struct fan_map_set *set, int link,
			     struct net *net, struct netlink_ext_ack *extack)
{
	struct net_device *lower = NULL;
	unsigned int i;

	ASSERT_RTNL();

	for (i = 0; i < set->count; i++) {
		const struct fan_map_math *m = &set->maps[i].m;

		if (set->maps[i].mode != FAN_MAP_MODE_DIRECT)
			continue;
		if (!link) {
			NL_SET_ERR_MSG_MOD(extack,
					   "direct mode needs an underlay device (IFLA_FAN_LINK)");
			return -EINVAL;
		}
		if (!lower)
			lower = __dev_get_by_index(net, link);
		if (!lower || !fan_underlay_on_link(m, lower)) {
			NL_SET_ERR_MSG_MOD(extack,
					   "direct mode needs the underlay prefix on-link: no address of the underlay device has a subnet containing it");
			return -EINVAL;
		}
	}
	return 0;
}
