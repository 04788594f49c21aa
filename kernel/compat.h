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
#include <net/route.h>

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
 * Batched namespace exit: with exit_batch_rtnl (6.10, backported to 6.1.y)
 * the core takes RTNL once for a batch of namespaces and unregisters what
 * we queue; before, exit_batch, where we take it, once per batch too.
 */
void fan_net_exit_list(struct list_head *net_list, struct list_head *kill);

#ifdef FAN_HAVE_EXIT_BATCH_RTNL
static inline void fan_compat_net_exit_batch_rtnl(struct list_head *net_list,
						  struct list_head *kill)
{
	fan_net_exit_list(net_list, kill);
}
#else
static inline void fan_compat_net_exit_batch(struct list_head *net_list)
{
	LIST_HEAD(kill);

	rtnl_lock();
	fan_net_exit_list(net_list, &kill);
	unregister_netdevice_many(&kill);
	rtnl_unlock();
}
#endif

/* Typed dst -> rtable conversion. */
#ifndef dst_rtable
#define dst_rtable(_ptr) container_of(_ptr, struct rtable, dst)
#endif

#endif /* _FAN_COMPAT_H */
