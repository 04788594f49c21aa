/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Fan networking: shared definitions of the fan device.
 */
#ifndef _FAN_H
#define _FAN_H

#include <linux/netdevice.h>
#include <linux/u64_stats_sync.h>
#include <linux/if_fan.h>
#include <net/gro_cells.h>
#include <net/netns/generic.h>
#include <fan/fan_map.h>

#include "compat.h"

/* One map of a device, kept in host order for the math. */
struct fan_map {
	struct fan_map_math m;
	u8 mode;			/* enum fan_map_mode */
};

/*
 * The map set of a device.  Readers (tx, rx) see it under RCU; writers
 * (changelink, under RTNL) build a new set and swap the pointer, so a packet
 * in flight sees either the old or the new set, never a mix.
 */
struct fan_map_set {
	struct rcu_head rcu;
	unsigned int count;
	struct fan_map maps[] __counted_by(count);
};

/* Per-reason counters, indexed by FAN_XSTATS_*. */
struct fan_pcpu_drops {
	u64_stats_t cnt[__FAN_XSTATS_MAX];
	struct u64_stats_sync syncp;
};

struct fan_route_cache;

struct fan_dev {
	struct list_head list;		/* in fan_net.devs, RCU for rx */
	struct net_device *dev;
	struct fan_map_set __rcu *maps;
	int link;			/* underlay ifindex, 0 = any */
	unsigned int user_mtu;		/* set below the largest, or 0 (RTNL) */
	u8 ttl;				/* 0: copy inner */
	u8 tos;				/* FAN_TOS_INHERIT: copy inner */
	u8 pmtudisc;
	u8 strict;
	bool listed;			/* in fan_net.devs, holds the hook */
	struct fan_pcpu_drops __percpu *drops;
	struct fan_route_cache __percpu *rt_cache;
	struct gro_cells gro_cells;
};

/*
 * Per network namespace: the fan devices receive looks through, and the
 * netfilter hook for plain overlay packets, registered while there is at
 * least one fan device in the namespace (RTNL).
 */
struct fan_net {
	struct list_head devs;
	unsigned int hook_users;
};

extern unsigned int fan_net_id;
extern struct rtnl_link_ops fan_link_ops;

static inline struct fan_net *fan_pernet(const struct net *net)
{
	return net_generic(net, fan_net_id);
}

static inline void fan_count(struct fan_dev *fan, unsigned int reason)
{
	struct fan_pcpu_drops *d = this_cpu_ptr(fan->drops);

	u64_stats_update_begin(&d->syncp);
	u64_stats_inc(&d->cnt[reason]);
	u64_stats_update_end(&d->syncp);
}

u64 fan_counter_sum(const struct fan_dev *fan, unsigned int reason);

/* Does every map of @set (and there is one) reach its hosts directly? */
static inline bool fan_map_set_all_direct(const struct fan_map_set *set)
{
	unsigned int i;

	if (!set || !set->count)
		return false;
	for (i = 0; i < set->count; i++)
		if (set->maps[i].mode != FAN_MAP_MODE_DIRECT)
			return false;
	return true;
}

/* device.c */
void fan_setup(struct net_device *dev);
void fan_dev_free(struct net_device *dev);
void fan_update_mtu(struct fan_dev *fan, const struct net_device *lower);

/* map.c */
struct fan_map_set *fan_map_set_alloc(unsigned int count);
const struct fan_map *fan_map_find_overlay(const struct fan_map_set *set,
					   u32 addr);
void fan_map_extack(struct netlink_ext_ack *extack, const struct nlattr *nla,
		    enum fan_map_error err);
int fan_map_set_check(const struct fan_map_set *set,
		      struct netlink_ext_ack *extack);
int fan_map_set_check_net(const struct fan_map_set *set,
			  const struct fan_dev *self, struct net *net,
			  struct netlink_ext_ack *extack);
bool fan_map_slice_owned(const struct fan_map_math *m, u32 outer_src,
			 u32 inner_src);
bool fan_slice_owned(const struct fan_map_set *set, u32 outer_src,
		     u32 inner_src);
int fan_map_set_check_direct(const struct fan_map_set *set, int link,
			     struct net *net, struct netlink_ext_ack *extack);

/* netlink.c */
int fan_nl_init(void);
void fan_nl_exit(void);

/* xmit.c */
netdev_tx_t fan_xmit(struct sk_buff *skb, struct net_device *dev);

/* rcv.c */
int fan_rcv_init(void);
void fan_rcv_exit(void);

/* plain.c */
int fan_plain_hook_get(struct net *net);
void fan_plain_hook_put(struct net *net);

/* route_cache.c */
int fan_route_cache_init(struct fan_dev *fan);
void fan_route_cache_release(struct fan_dev *fan);
void fan_route_cache_free(struct fan_dev *fan);
struct rtable *fan_route_get(struct fan_dev *fan, __be32 daddr, __be32 want,
			     u8 tos, bool direct, __be32 *saddr);

#endif /* _FAN_H */
