/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel API differences for ipoib_emu, as in fan.ko's kernel/compat.h:
 * each FAN-style probe in Kbuild is named for the API it detects, never
 * a version number (distribution kernels backport).
 */
#ifndef _IPOIB_EMU_COMPAT_H
#define _IPOIB_EMU_COMPAT_H

#include <linux/netdevice.h>
#include <linux/skbuff.h>
#include <linux/u64_stats_sync.h>
#include <net/rtnetlink.h>

/* skb_gso_validate_network_len() moved to <net/gso.h> in 6.5. */
#ifdef IPOIB_EMU_HAVE_NET_GSO_H
#include <net/gso.h>
#endif

/*
 * rtnl_link_ops.newlink takes its arguments in struct rtnl_newlink_params
 * since 6.14; ipoib_emu_newlink() keeps the older list and this adapts.
 */
int ipoib_emu_newlink(struct net *src_net, struct net_device *dev,
		      struct nlattr *tb[], struct nlattr *data[],
		      struct netlink_ext_ack *extack);

#ifdef IPOIB_EMU_HAVE_RTNL_NEWLINK_PARAMS
static inline int ipoib_emu_compat_newlink(struct net_device *dev,
					   struct rtnl_newlink_params *params,
					   struct netlink_ext_ack *extack)
{
	return ipoib_emu_newlink(dev_net(dev), dev, params->tb, params->data,
				 extack);
}
#else
#define ipoib_emu_compat_newlink ipoib_emu_newlink
#endif

/*
 * Ready a frame for the receiver as ____dev_forward_skb() does, without
 * its MTU check: the emulated fabric checks the wire MTU itself.  The
 * check could not be turned off before 5.11, where this does the same
 * steps.  Returns nonzero when the frame was dropped (and freed).
 */
static inline int ipoib_emu_forward_prep(struct net_device *dev,
					 struct sk_buff *skb)
{
#ifdef IPOIB_EMU_HAVE_FORWARD_CHECK_MTU
	return ____dev_forward_skb(dev, skb, false);
#else
	if (skb_orphan_frags(skb, GFP_ATOMIC)) {
		atomic_long_inc(&dev->rx_dropped);
		kfree_skb(skb);
		return NET_RX_DROP;
	}
	skb_scrub_packet(skb, !net_eq(dev_net(dev), dev_net(skb->dev)));
	skb->priority = 0;
	return 0;
#endif
}

#ifndef IPOIB_EMU_HAVE_SW_NETSTATS_TX_ADD
static inline void dev_sw_netstats_tx_add(struct net_device *dev,
					  unsigned int packets,
					  unsigned int len)
{
	struct pcpu_sw_netstats *tstats = this_cpu_ptr(dev->tstats);

	u64_stats_update_begin(&tstats->syncp);
	tstats->tx_bytes += len;
	tstats->tx_packets += packets;
	u64_stats_update_end(&tstats->syncp);
}
#endif

#ifndef IPOIB_EMU_HAVE_DEV_GET_TSTATS64
static inline void dev_get_tstats64(struct net_device *dev,
				    struct rtnl_link_stats64 *s)
{
	netdev_stats_to_stats64(s, &dev->stats);
	dev_fetch_sw_netstats(s, dev->tstats);
}
#endif

/* A receive drop: per-CPU core counters since 5.18, dev->rx_dropped before. */
#ifndef IPOIB_EMU_HAVE_DEV_CORE_STATS
static inline void dev_core_stats_rx_dropped_inc(struct net_device *dev)
{
	atomic_long_inc(&dev->rx_dropped);
}
#endif

#endif /* _IPOIB_EMU_COMPAT_H */
