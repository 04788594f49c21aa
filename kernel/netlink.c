// SPDX-License-Identifier: GPL-2.0
/*
 * Fan networking: the "fan" rtnetlink link kind.
 *
 *   ip link add ftun0 type fan ...            (fanctl builds the requests)
 *
 * Map changes build a complete new map set and swap it in under RTNL, so
 * packets in flight see the old set or the new one, never a mix.
 */

#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <net/rtnetlink.h>
#include <net/netlink.h>
#include <net/inet_ecn.h>

#include "fan.h"

static const struct nla_policy fan_map_policy[IFLA_FAN_MAP_ATTR_MAX + 1] = {
	[IFLA_FAN_MAP_OVERLAY]		= { .type = NLA_BE32 },
	[IFLA_FAN_MAP_OVERLAY_LEN]	= NLA_POLICY_MAX(NLA_U8, 32),
	[IFLA_FAN_MAP_UNDERLAY]		= { .type = NLA_BE32 },
	[IFLA_FAN_MAP_UNDERLAY_LEN]	= NLA_POLICY_MAX(NLA_U8, 32),
	[IFLA_FAN_MAP_MODE]		= NLA_POLICY_MAX(NLA_U8, FAN_MAP_MODE_MAX),
};

static const struct nla_policy fan_policy[IFLA_FAN_MAX + 1] = {
	[IFLA_FAN_LINK]		= { .type = NLA_U32 },
	[IFLA_FAN_TTL]		= { .type = NLA_U8 },
	[IFLA_FAN_TOS]		= { .type = NLA_U8 },
	[IFLA_FAN_PMTUDISC]	= NLA_POLICY_MAX(NLA_U8, 1),
	[IFLA_FAN_STRICT]	= NLA_POLICY_MAX(NLA_U8, 1),
	[IFLA_FAN_MAPS]		= { .type = NLA_NESTED },
	[IFLA_FAN_MAP_ADD]	= { .type = NLA_NESTED },
	[IFLA_FAN_MAP_DEL]	= { .type = NLA_NESTED },
};

static int fan_parse_map(const struct nlattr *nla, struct fan_map *map,
			 struct netlink_ext_ack *extack)
{
	struct nlattr *tb[IFLA_FAN_MAP_ATTR_MAX + 1];
	enum fan_map_error merr;
	int err;

	err = nla_parse_nested(tb, IFLA_FAN_MAP_ATTR_MAX, nla, fan_map_policy,
			       extack);
	if (err)
		return err;

	if (fan_compat_attr_missing(extack, nla, tb, IFLA_FAN_MAP_OVERLAY) ||
	    fan_compat_attr_missing(extack, nla, tb, IFLA_FAN_MAP_OVERLAY_LEN) ||
	    fan_compat_attr_missing(extack, nla, tb, IFLA_FAN_MAP_UNDERLAY) ||
	    fan_compat_attr_missing(extack, nla, tb, IFLA_FAN_MAP_UNDERLAY_LEN)) {
		NL_SET_ERR_MSG_MOD(extack,
				   "a map needs overlay, underlay and both prefix lengths");
		return -EINVAL;
	}

	map->m.overlay = ntohl(nla_get_be32(tb[IFLA_FAN_MAP_OVERLAY]));
	map->m.overlay_len = nla_get_u8(tb[IFLA_FAN_MAP_OVERLAY_LEN]);
	map->m.underlay = ntohl(nla_get_be32(tb[IFLA_FAN_MAP_UNDERLAY]));
	map->m.underlay_len = nla_get_u8(tb[IFLA_FAN_MAP_UNDERLAY_LEN]);
	map->mode = tb[IFLA_FAN_MAP_MODE] ? nla_get_u8(tb[IFLA_FAN_MAP_MODE]) :
					    FAN_MAP_MODE_IPIP;

	merr = fan_map_check(&map->m);
	if (merr) {
		fan_map_extack(extack, nla, merr);
		return -EINVAL;
	}
	return 0;
}

/*
 * Parse a list of IFLA_FAN_MAP nests into @maps (room for FAN_MAX_MAPS).
 * Returns the number of maps or a negative error.
 */
static int fan_parse_map_list(const struct nlattr *list, struct fan_map *maps,
			      struct netlink_ext_ack *extack)
{
	const struct nlattr *nla;
	int rem, n = 0, err;

	nla_for_each_nested(nla, list, rem) {
		if (nla_type(nla) != IFLA_FAN_MAP) {
			NL_SET_ERR_MSG_ATTR(extack, nla,
					    "expected IFLA_FAN_MAP in a map list");
			return -EINVAL;
		}
		if (n == FAN_MAX_MAPS) {
			NL_SET_ERR_MSG_ATTR(extack, nla,
					    "too many maps on one fan device");
			return -E2BIG;
		}
		err = fan_parse_map(nla, &maps[n], extack);
		if (err)
			return err;
		n++;
	}
	if (rem) {
		NL_SET_ERR_MSG_ATTR(extack, list, "trailing bytes in map list");
		return -EINVAL;
	}
	return n;
}

/*
 * rtnetlink parses IFLA_INFO_DATA leniently and drops attributes it does
 * not know.  Refuse them instead: re-validate the raw nest strictly.  It
 * uses the last IFLA_INFO_DATA of IFLA_LINKINFO (nla_find_nested() would
 * find the first), so check every one.
 */
static int fan_validate(struct nlattr *tb[], struct nlattr *data[],
			struct netlink_ext_ack *extack)
{
	const struct nlattr *nla;
	int rem, err;

	if (!tb[IFLA_LINKINFO] || !data)
		return 0;

	nla_for_each_nested(nla, tb[IFLA_LINKINFO], rem) {
		if (nla_type(nla) != IFLA_INFO_DATA)
			continue;
		err = nla_validate_nested(nla, IFLA_FAN_MAX, fan_policy, extack);
		if (err)
			return err;
	}

	/* ECN comes from the inner header (RFC 6040): only the DSCP is set. */
	if (data[IFLA_FAN_TOS]) {
		u8 tos = nla_get_u8(data[IFLA_FAN_TOS]);

		if (tos != FAN_TOS_INHERIT && (tos & INET_ECN_MASK)) {
			NL_SET_ERR_MSG_ATTR(extack, data[IFLA_FAN_TOS],
					    "tos must be 1 (inherit) or a DSCP value (ECN bits clear)");
			return -EINVAL;
		}
	}

	/* The map lists are parsed (and checked) once, by fan_build_set(). */
	return 0;
}

/* A map is its two prefixes: the mode does not make another map. */
static bool fan_map_equal(const struct fan_map *a, const struct fan_map *b)
{
	return a->m.overlay == b->m.overlay &&
	       a->m.overlay_len == b->m.overlay_len &&
	       a->m.underlay == b->m.underlay &&
	       a->m.underlay_len == b->m.underlay_len;
}

/*
 * The map set a request asks for: IFLA_FAN_MAPS (or the current set), minus
 * IFLA_FAN_MAP_DEL, plus IFLA_FAN_MAP_ADD.  Returns NULL if the request
 * changes no maps, an ERR_PTR on error.
 */
static struct fan_map_set *fan_build_set(const struct fan_map_set *cur,
					 struct nlattr *data[],
					 struct netlink_ext_ack *extack)
{
	struct fan_map work[FAN_MAX_MAPS * 2], ops[FAN_MAX_MAPS];
	struct fan_map_set *set;
	unsigned int n = 0, i, j;
	int k, err;

	if (!data || (!data[IFLA_FAN_MAPS] && !data[IFLA_FAN_MAP_ADD] &&
		      !data[IFLA_FAN_MAP_DEL])) {
		if (cur)
			return NULL;
		set = fan_map_set_alloc(0);
		return set ?: ERR_PTR(-ENOMEM);
	}

	if (data[IFLA_FAN_MAPS]) {
		k = fan_parse_map_list(data[IFLA_FAN_MAPS], work, extack);
		if (k < 0)
			return ERR_PTR(k);
		n = k;
	} else if (cur) {
		for (i = 0; i < cur->count; i++)
			work[n++] = cur->maps[i];
	}

	if (data[IFLA_FAN_MAP_DEL]) {
		k = fan_parse_map_list(data[IFLA_FAN_MAP_DEL], ops, extack);
		if (k < 0)
			return ERR_PTR(k);
		for (j = 0; j < k; j++) {
			for (i = 0; i < n; i++)
				if (fan_map_equal(&work[i], &ops[j]))
					break;
			if (i == n) {
				NL_SET_ERR_MSG_ATTR(extack,
						    data[IFLA_FAN_MAP_DEL],
						    "map to delete not found");
				return ERR_PTR(-ENOENT);
			}
			work[i] = work[--n];
		}
	}

	if (data[IFLA_FAN_MAP_ADD]) {
		k = fan_parse_map_list(data[IFLA_FAN_MAP_ADD], ops, extack);
		if (k < 0)
			return ERR_PTR(k);
		for (j = 0; j < k; j++) {
			for (i = 0; i < n; i++) {
				if (fan_map_equal(&work[i], &ops[j])) {
					NL_SET_ERR_MSG_ATTR(extack,
							    data[IFLA_FAN_MAP_ADD],
							    "map already exists");
					return ERR_PTR(-EEXIST);
				}
			}
			work[n++] = ops[j];
		}
	}

	if (n > FAN_MAX_MAPS) {
		NL_SET_ERR_MSG_MOD(extack, "too many maps on one fan device");
		return ERR_PTR(-E2BIG);
	}

	set = fan_map_set_alloc(n);
	if (!set)
		return ERR_PTR(-ENOMEM);
	memcpy(set->maps, work, n * sizeof(work[0]));

	err = fan_map_set_check(set, extack);
	if (err) {
		kfree(set);
		return ERR_PTR(err);
	}
	return set;
}

static void fan_apply_params(struct fan_dev *fan, struct nlattr *data[])
{
	if (!data)
		return;
	if (data[IFLA_FAN_TTL])
		WRITE_ONCE(fan->ttl, nla_get_u8(data[IFLA_FAN_TTL]));
	if (data[IFLA_FAN_TOS])
		WRITE_ONCE(fan->tos, nla_get_u8(data[IFLA_FAN_TOS]));
	if (data[IFLA_FAN_PMTUDISC])
		WRITE_ONCE(fan->pmtudisc, nla_get_u8(data[IFLA_FAN_PMTUDISC]));
	if (data[IFLA_FAN_STRICT])
		WRITE_ONCE(fan->strict, nla_get_u8(data[IFLA_FAN_STRICT]));
}

int fan_newlink(struct net *src_net, struct net_device *dev,
		struct nlattr *tb[], struct nlattr *data[],
		struct netlink_ext_ack *extack)
{
	struct fan_dev *fan = netdev_priv(dev);
	struct net *net = dev_net(dev);
	struct net_device *lower = NULL;
	struct fan_map_set *set;
	unsigned int user_mtu = tb[IFLA_MTU] ? dev->mtu : 0;
	int err;

	INIT_LIST_HEAD(&fan->list);
	fan->dev = dev;
	fan->tos = FAN_TOS_INHERIT;
	fan->pmtudisc = 1;
	fan->strict = 1;

	if (data && data[IFLA_FAN_LINK])
		fan->link = nla_get_u32(data[IFLA_FAN_LINK]);

	if (fan->link) {
		lower = __dev_get_by_index(net, fan->link);
		if (!lower) {
			NL_SET_ERR_MSG_ATTR(extack, data[IFLA_FAN_LINK],
					    "underlay device not found");
			return -ENODEV;
		}
		if (lower->rtnl_link_ops == &fan_link_ops) {
			NL_SET_ERR_MSG_ATTR(extack, data[IFLA_FAN_LINK],
					    "underlay cannot be a fan device");
			return -EINVAL;
		}
	}

	set = fan_build_set(NULL, data, extack);
	if (IS_ERR(set))
		return PTR_ERR(set);
	err = fan_map_set_check_net(set, fan, net, extack);
	if (!err)
		err = fan_map_set_check_direct(set, fan->link, net, extack);
	if (err)
		goto err_free;
	RCU_INIT_POINTER(fan->maps, set);

	if (lower) {
		/* The MTU depends on the maps: IPIP adds 20 bytes. */
		fan_update_mtu(fan, lower);
		if (user_mtu > dev->max_mtu) {
			if (fan_map_set_all_direct(set))
				NL_SET_ERR_MSG_MOD(extack,
						   "MTU larger than the underlay MTU");
			else
				NL_SET_ERR_MSG_MOD(extack,
						   "MTU larger than the underlay MTU - 20");
			err = -EINVAL;
			goto err_unset;
		}
	}
	if (user_mtu) {
		dev->mtu = user_mtu;
		if (lower && user_mtu < dev->max_mtu)
			fan->user_mtu = user_mtu;
	}

	fan_apply_params(fan, data);

	err = fan_plain_hook_get(net);
	if (err)
		goto err_unset;

	/*
	 * register_netdevice() can fail before ndo_init (a bad name), in it
	 * or after it, and runs a destructor only in the last case: so there
	 * is none until it succeeds, and on failure we free everything here,
	 * the set included (as WireGuard does).
	 */
	err = register_netdevice(dev);
	if (err) {
		fan_plain_hook_put(net);
		fan_dev_free(dev);
		return err;
	}
	dev->priv_destructor = fan_dev_free;

	list_add_tail_rcu(&fan->list, &fan_pernet(net)->devs);
	fan->listed = true;
	return 0;

err_unset:
	RCU_INIT_POINTER(fan->maps, NULL);
err_free:
	kfree(set);
	return err;
}

static int fan_changelink(struct net_device *dev, struct nlattr *tb[],
			  struct nlattr *data[],
			  struct netlink_ext_ack *extack)
{
	struct fan_dev *fan = netdev_priv(dev);
	struct fan_map_set *set, *old;
	int err;

	if (data && data[IFLA_FAN_LINK] &&
	    nla_get_u32(data[IFLA_FAN_LINK]) != fan->link) {
		NL_SET_ERR_MSG_ATTR(extack, data[IFLA_FAN_LINK],
				    "the underlay device cannot be changed");
		return -EOPNOTSUPP;
	}

	old = rtnl_dereference(fan->maps);
	set = fan_build_set(old, data, extack);
	if (IS_ERR(set))
		return PTR_ERR(set);
	if (set) {
		err = fan_map_set_check_net(set, fan, dev_net(dev), extack);
		if (!err)
			err = fan_map_set_check_direct(set, fan->link,
						       dev_net(dev), extack);
		if (err) {
			kfree(set);
			return err;
		}
	}

	/* Nothing can fail past this point: apply everything or nothing. */
	fan_apply_params(fan, data);
	if (set) {
		bool was_direct = fan_map_set_all_direct(old);
		struct net_device *lower;

		rcu_assign_pointer(fan->maps, set);
		kfree_rcu(old, rcu);
		/* All direct or not any more: the MTU gains or loses 20. */
		lower = fan->link ? __dev_get_by_index(dev_net(dev), fan->link) :
				    NULL;
		if (lower && was_direct != fan_map_set_all_direct(set))
			fan_update_mtu(fan, lower);
	}
	return 0;
}

static size_t fan_map_size(void)
{
	return nla_total_size(0) +		/* IFLA_FAN_MAP */
	       2 * nla_total_size(sizeof(__be32)) +
	       3 * nla_total_size(sizeof(u8));	/* two lengths, mode */
}

static size_t fan_get_size(const struct net_device *dev)
{
	return nla_total_size(sizeof(u32)) +	/* IFLA_FAN_LINK */
	       4 * nla_total_size(sizeof(u8)) +	/* TTL TOS PMTUDISC STRICT */
	       nla_total_size(0) +		/* IFLA_FAN_MAPS */
	       FAN_MAX_MAPS * fan_map_size();
}

static int fan_fill_map(struct sk_buff *skb, const struct fan_map *map)
{
	struct nlattr *nest = nla_nest_start(skb, IFLA_FAN_MAP);

	if (!nest ||
	    nla_put_in_addr(skb, IFLA_FAN_MAP_OVERLAY, htonl(map->m.overlay)) ||
	    nla_put_u8(skb, IFLA_FAN_MAP_OVERLAY_LEN, map->m.overlay_len) ||
	    nla_put_in_addr(skb, IFLA_FAN_MAP_UNDERLAY,
			    htonl(map->m.underlay)) ||
	    nla_put_u8(skb, IFLA_FAN_MAP_UNDERLAY_LEN, map->m.underlay_len) ||
	    nla_put_u8(skb, IFLA_FAN_MAP_MODE, map->mode))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

static int fan_fill_info(struct sk_buff *skb, const struct net_device *dev)
{
	const struct fan_dev *fan = netdev_priv(dev);
	const struct fan_map_set *set;
	struct nlattr *nest;
	unsigned int i;

	if (nla_put_u32(skb, IFLA_FAN_LINK, fan->link) ||
	    nla_put_u8(skb, IFLA_FAN_TTL, READ_ONCE(fan->ttl)) ||
	    nla_put_u8(skb, IFLA_FAN_TOS, READ_ONCE(fan->tos)) ||
	    nla_put_u8(skb, IFLA_FAN_PMTUDISC, READ_ONCE(fan->pmtudisc)) ||
	    nla_put_u8(skb, IFLA_FAN_STRICT, READ_ONCE(fan->strict)))
		return -EMSGSIZE;

	nest = nla_nest_start(skb, IFLA_FAN_MAPS);
	if (!nest)
		return -EMSGSIZE;
	/* Dumps may run under RCU only (RTM_GETLINK without RTNL). */
	rcu_read_lock();
	set = rcu_dereference(fan->maps);
	for (i = 0; i < set->count; i++) {
		if (fan_fill_map(skb, &set->maps[i])) {
			rcu_read_unlock();
			return -EMSGSIZE;
		}
	}
	rcu_read_unlock();
	nla_nest_end(skb, nest);
	return 0;
}

static size_t fan_get_xstats_size(const struct net_device *dev)
{
	return nla_total_size(0) +		/* IFLA_INFO_XSTATS */
	       (__FAN_XSTATS_MAX - FAN_XSTATS_TX_NO_MAP) *
	       nla_total_size_64bit(sizeof(u64));
}

/* The core puts these straight into IFLA_LINKINFO: nest them ourselves. */
static int fan_fill_xstats(struct sk_buff *skb, const struct net_device *dev)
{
	const struct fan_dev *fan = netdev_priv(dev);
	struct nlattr *nest;
	unsigned int r;

	nest = nla_nest_start(skb, IFLA_INFO_XSTATS);
	if (!nest)
		return -EMSGSIZE;
	for (r = FAN_XSTATS_TX_NO_MAP; r < __FAN_XSTATS_MAX; r++) {
		if (nla_put_u64_64bit(skb, r, fan_counter_sum(fan, r),
				      FAN_XSTATS_PAD)) {
			nla_nest_cancel(skb, nest);
			return -EMSGSIZE;
		}
	}
	nla_nest_end(skb, nest);
	return 0;
}

static struct net *fan_get_link_net(const struct net_device *dev)
{
	return dev_net(dev);
}

struct rtnl_link_ops fan_link_ops __read_mostly = {
	.kind		= "fan",
	.maxtype	= IFLA_FAN_MAX,
	.policy		= fan_policy,
	.priv_size	= sizeof(struct fan_dev),
	.setup		= fan_setup,
	.validate	= fan_validate,
	.newlink	= fan_compat_newlink,
	.changelink	= fan_changelink,
	.get_size	= fan_get_size,
	.fill_info	= fan_fill_info,
	.get_xstats_size = fan_get_xstats_size,
	.fill_xstats	= fan_fill_xstats,
	.get_link_net	= fan_get_link_net,
};

int fan_nl_init(void)
{
	return rtnl_link_register(&fan_link_ops);
}

void fan_nl_exit(void)
{
	rtnl_link_unregister(&fan_link_ops);
}
