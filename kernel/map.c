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

/*
 * Report a fan_map_check() failure against attribute @nla (may be NULL).
 * The messages are the string literals of fan_map.h, which fanctl prints
 * too; NL_SET_ERR_MSG*() would want each as a literal of its own.
 */
void fan_map_extack(struct netlink_ext_ack *extack, const struct nlattr *nla,
		    enum fan_map_error err)
{
	if (!extack)
		return;
	extack->_msg = fan_map_strerror(err);
	extack->bad_attr = nla;
}

/*
 * Overlay addresses are routed to the fan device and handed out to
 * containers: none may be "this network", loopback or multicast.
 */
static int fan_overlay_reserved(const struct fan_map_math *m,
				struct netlink_ext_ack *extack)
{
	if (fan_prefixes_overlap(m->overlay, m->overlay_len, 0x00000000, 8)) {
		NL_SET_ERR_MSG_MOD(extack,
				   "an overlay overlaps 0.0.0.0/8 (this network)");
		return -EINVAL;
	}
	if (fan_prefixes_overlap(m->overlay, m->overlay_len, 0x7f000000, 8)) {
		NL_SET_ERR_MSG_MOD(extack,
				   "an overlay overlaps 127.0.0.0/8 (loopback)");
		return -EINVAL;
	}
	if (fan_prefixes_overlap(m->overlay, m->overlay_len, 0xe0000000, 4)) {
		NL_SET_ERR_MSG_MOD(extack,
				   "an overlay overlaps 224.0.0.0/4 (multicast)");
		return -EINVAL;
	}
	return 0;
}

/*
 * Each map is sane, no overlay is reserved or overlaps an underlay (a
 * packet to an underlay host would be taken for a container's), and no
 * two overlays share an address.
 */
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
		enum fan_map_error merr = fan_map_check(a);
		int err;

		if (merr) {
			fan_map_extack(extack, NULL, merr);
			return -EINVAL;
		}
		err = fan_overlay_reserved(a, extack);
		if (err)
			return err;
		for (j = 0; j < set->count; j++) {
			const struct fan_map_math *b = &set->maps[j].m;

			if (fan_prefixes_overlap(a->overlay, a->overlay_len,
						 b->underlay, b->underlay_len)) {
				NL_SET_ERR_MSG_MOD(extack,
						   "an overlay overlaps an underlay of the same fan device");
				return -EINVAL;
			}
			if (j < i &&
			    fan_prefixes_overlap(a->overlay, a->overlay_len,
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
 * the fan devices of one namespace either, nor one device's overlay
 * another's underlay.  Called under RTNL.
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

				if (fan_prefixes_overlap(a->overlay,
							 a->overlay_len,
							 b->overlay,
							 b->overlay_len)) {
					NL_SET_ERR_MSG_MOD(extack,
							   "overlay overlaps a map of another fan device");
					return -EEXIST;
				}
				if (fan_prefixes_overlap(a->overlay,
							 a->overlay_len,
							 b->underlay,
							 b->underlay_len) ||
				    fan_prefixes_overlap(b->overlay,
							 b->overlay_len,
							 a->underlay,
							 a->underlay_len)) {
					NL_SET_ERR_MSG_MOD(extack,
							   "an overlay overlaps an underlay of another fan device");
					return -EINVAL;
				}
			}
		}
	}
	return 0;
}

/* Does underlay host @outer_src own @inner_src in map @m? */
bool fan_map_slice_owned(const struct fan_map_math *m, u32 outer_src,
			 u32 inner_src)
{
	return fan_prefix_contains(m->underlay, m->underlay_len, outer_src) &&
	       fan_host_part_valid(m, fan_host_part(m, outer_src)) &&
	       fan_prefix_contains(fan_slice_of(m, outer_src),
				   fan_slice_len(m), inner_src);
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

	for (i = 0; i < set->count; i++)
		if (fan_map_slice_owned(&set->maps[i].m, outer_src, inner_src))
			return true;
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
