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
#ifdef FAN_HAVE_DEV_NETNS_LOCAL
	dev->netns_local = true;
#else
	dev->features |= NETIF_F_NETNS_LOCAL;
#endif
}

/* Typed dst -> rtable conversion. */
#ifndef dst_rtable
#define dst_rtable(_ptr) container_of(_ptr, struct rtable, dst)
#endif

#endif /* _FAN_COMPAT_H */
