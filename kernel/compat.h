/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Differences between the kernels we build for, detected by probing the
 * headers in Kbuild (FAN_HAVE_*), never by version number: distribution
 * kernels backport.
 */
#ifndef _FAN_COMPAT_H
#define _FAN_COMPAT_H

#include <linux/netdevice.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/netlink.h>
#include <net/route.h>
#include <net/ip_tunnels.h>
#ifdef FAN_HAVE_FLOWI4_DSCP
#include <net/inet_dscp.h>
#endif
#ifdef FAN_HAVE_NET_GSO_H
#include <net/gso.h>	/* skb_gso_validate_network_len(), 6.5 */
#endif

/*
 * Netlink policy and checks: NLA_BE32 (5.19) only differs from NLA_U32 in
 * range checks, which the fan does not use.  NL_REQ_ATTR_CHECK() (6.0)
 * also names the missing attribute to the caller; before, the extack
 * message alone says what is missing.
 */
#ifndef FAN_HAVE_NLA_BE32
#define NLA_BE32 NLA_U32
#endif

static inline bool fan_compat_attr_missing(struct netlink_ext_ack *extack,
					   const struct nlattr *nest,
					   struct nlattr **tb, int type)
{
#ifdef NL_REQ_ATTR_CHECK
	return NL_REQ_ATTR_CHECK(extack, nest, tb, type);
#else
	return !tb[type];
#endif
}

/*
 * A transmit drop: per-CPU core counters since 5.18, dev->tx_dropped
 * (what the core reports as tx_dropped either way) before.
 */
#ifndef FAN_HAVE_DEV_CORE_STATS
static inline void dev_core_stats_tx_dropped_inc(struct net_device *dev)
{
	atomic_long_inc(&dev->tx_dropped);
}
#endif

/* __counted_by() annotates flexible arrays since 6.6; a no-op before. */
#ifndef __counted_by
#define __counted_by(...)
#endif

/* Lockless tx and netns-locality became struct net_device bits. */
static inline void fan_compat_set_lltx(struct net_device *dev)
{
#ifdef FAN_HAVE_DEV_LLTX
	dev->lltx = true;
#else
	dev->features |= NETIF_F_LLTX;
#endif
}

static inline void fan_compat_set_netns_local(struct net_device *dev)
{
#if defined(FAN_HAVE_DEV_NETNS_IMMUTABLE)
	dev->netns_immutable = true;
#elif defined(FAN_HAVE_DEV_NETNS_LOCAL)
	dev->netns_local = true;
#else
	dev->features |= NETIF_F_NETNS_LOCAL;
#endif
}

/*
 * Per-cpu tx/rx counters (dev->tstats): where the core knows
 * pcpu_stat_type it allocates and frees them itself, and newer kernels'
 * iptunnel_xmit_stats() only counts (and WARNs otherwise) when the type
 * says TSTATS.  Elsewhere the driver allocates them, as ip_tunnel used to.
 */
static inline void fan_compat_tstats_setup(struct net_device *dev)
{
#ifdef FAN_HAVE_PCPU_STAT_TYPE
	dev->pcpu_stat_type = NETDEV_PCPU_STAT_TSTATS;
#endif
}

static inline int fan_compat_tstats_alloc(struct net_device *dev)
{
#ifndef FAN_HAVE_PCPU_STAT_TYPE
	dev->tstats = netdev_alloc_pcpu_stats(struct pcpu_sw_netstats);
	if (!dev->tstats)
		return -ENOMEM;
#endif
	return 0;
}

static inline void fan_compat_tstats_free(struct net_device *dev)
{
#ifndef FAN_HAVE_PCPU_STAT_TYPE
	free_percpu(dev->tstats);
	dev->tstats = NULL;
#endif
}

/* dev->stats plus the per-cpu tstats (5.11). */
static inline void fan_compat_get_tstats64(struct net_device *dev,
					   struct rtnl_link_stats64 *s)
{
#ifdef FAN_HAVE_DEV_GET_TSTATS64
	dev_get_tstats64(dev, s);
#else
	netdev_stats_to_stats64(s, &dev->stats);
	dev_fetch_sw_netstats(s, dev->tstats);
#endif
}

/*
 * Batched namespace exit: the core takes RTNL once for a batch of
 * namespaces and unregisters what we queue, calling exit_rtnl per
 * namespace (6.15) or exit_batch_rtnl per batch (6.10, backported to
 * 6.1.y; gone in 6.16); before, exit_batch, where we take it, once per
 * batch too.
 */
void fan_net_exit_rtnl(struct net *net, struct list_head *kill);

#if defined(FAN_HAVE_EXIT_RTNL)
/* .exit_rtnl is fan_net_exit_rtnl() itself. */
#elif defined(FAN_HAVE_EXIT_BATCH_RTNL)
static inline void fan_compat_net_exit_batch_rtnl(struct list_head *net_list,
						  struct list_head *kill)
{
	struct net *net;

	list_for_each_entry(net, net_list, exit_list)
		fan_net_exit_rtnl(net, kill);
}
#else
static inline void fan_compat_net_exit_batch(struct list_head *net_list)
{
	struct net *net;
	LIST_HEAD(kill);

	rtnl_lock();
	list_for_each_entry(net, net_list, exit_list)
		fan_net_exit_rtnl(net, &kill);
	unregister_netdevice_many(&kill);
	rtnl_unlock();
}
#endif

/*
 * rtnl_link_ops.newlink takes its arguments in struct rtnl_newlink_params
 * since 6.14; fan_newlink() keeps the older list (and does not use
 * src_net), and this adapts.
 */
int fan_newlink(struct net *src_net, struct net_device *dev,
		struct nlattr *tb[], struct nlattr *data[],
		struct netlink_ext_ack *extack);

#ifdef FAN_HAVE_RTNL_NEWLINK_PARAMS
static inline int fan_compat_newlink(struct net_device *dev,
				     struct rtnl_newlink_params *params,
				     struct netlink_ext_ack *extack)
{
	return fan_newlink(dev_net(dev), dev, params->tb, params->data, extack);
}
#else
#define fan_compat_newlink fan_newlink
#endif

/* iptunnel_xmit() gained an ipcb_flags argument in 6.17. */
static inline void fan_compat_iptunnel_xmit(struct rtable *rt,
					    struct sk_buff *skb,
					    __be32 src, __be32 dst, u8 proto,
					    u8 tos, u8 ttl, __be16 df)
{
#ifdef FAN_HAVE_IPTUNNEL_XMIT_IPCB_FLAGS
	iptunnel_xmit(NULL, rt, skb, src, dst, proto, tos, ttl, df, false, 0);
#else
	iptunnel_xmit(NULL, rt, skb, src, dst, proto, tos, ttl, df, false);
#endif
}

/*
 * The route lookup's TOS: flowi4_tos gave way to the DSCP-only
 * flowi4_dscp (6.18); the flow key was the TOS bits (RT_TOS) before.
 */
static inline void fan_compat_flowi4_set_tos(struct flowi4 *fl4, u8 tos)
{
#ifdef FAN_HAVE_FLOWI4_DSCP
	fl4->flowi4_dscp = inet_dsfield_to_dscp(tos);
#else
	fl4->flowi4_tos = tos & IPTOS_TOS_MASK;
#endif
}

/* Typed dst -> rtable conversion. */
#ifndef dst_rtable
#define dst_rtable(_ptr) container_of(_ptr, struct rtable, dst)
#endif

#endif /* _FAN_COMPAT_H */
