// SPDX-License-Identifier: GPL-2.0
/*
 * Fan networking: the net_device side of the fan device.
 */

#include <linux/if_arp.h>
#include <linux/ethtool.h>
#include <linux/ip.h>
#include <net/ip.h>
#include <net/ip_tunnels.h>

#include "fan.h"

/* Without an underlay device, as an IPIP tunnel over Ethernet. */
#define FAN_DEFAULT_MTU		(ETH_DATA_LEN - sizeof(struct iphdr))

#define FAN_FEATURES	(NETIF_F_SG | NETIF_F_FRAGLIST | NETIF_F_HIGHDMA | \
			 NETIF_F_GSO_SOFTWARE | NETIF_F_HW_CSUM)

static const char fan_stat_names[__FAN_XSTATS_MAX][ETH_GSTRING_LEN] = {
	[FAN_XSTATS_TX_NO_MAP]		= "tx_no_map",
	[FAN_XSTATS_TX_BAD_HOST]	= "tx_bad_host",
	[FAN_XSTATS_TX_TO_SELF]		= "tx_to_self",
	[FAN_XSTATS_TX_NO_ROUTE]	= "tx_no_route",
	[FAN_XSTATS_TX_NOT_IPV4]	= "tx_not_ipv4",
	[FAN_XSTATS_TX_FRAG_NEEDED]	= "tx_frag_needed",
	[FAN_XSTATS_RX_SPOOFED]		= "rx_spoofed",
	[FAN_XSTATS_RX_MALFORMED]	= "rx_malformed",
	[FAN_XSTATS_RX_BAD_DST]		= "rx_bad_dst",
	[FAN_XSTATS_RX_ECN]		= "rx_ecn",
	[FAN_XSTATS_RX_POLICY]		= "rx_policy",
	[FAN_XSTATS_TX_FORGED]		= "tx_forged",
	[FAN_XSTATS_RX_PLAIN]		= "rx_plain",
	[FAN_XSTATS_ERR_NOT_RELAYED]	= "err_not_relayed",
};

/* The counters ethtool shows: every reason, none of the placeholders. */
#define FAN_FIRST_STAT	FAN_XSTATS_TX_NO_MAP
#define FAN_NUM_STATS	(__FAN_XSTATS_MAX - FAN_FIRST_STAT)

u64 fan_counter_sum(const struct fan_dev *fan, unsigned int reason)
{
	u64 sum = 0;
	int cpu;

	for_each_possible_cpu(cpu) {
		const struct fan_pcpu_drops *d = per_cpu_ptr(fan->drops, cpu);
		unsigned int start;
		u64 v;

		do {
			start = u64_stats_fetch_begin(&d->syncp);
			v = u64_stats_read(&d->cnt[reason]);
		} while (u64_stats_fetch_retry(&d->syncp, start));
		sum += v;
	}
	return sum;
}

static void fan_get_stats64(struct net_device *dev,
			    struct rtnl_link_stats64 *stats)
{
	struct fan_dev *fan = netdev_priv(dev);
	unsigned int r;

	/*
	 * dev->stats too: iptunnel_xmit() counts the underlay's refusals
	 * there (tx_dropped, tx_errors, tx_aborted_errors).
	 */
	fan_compat_get_tstats64(dev, stats);
	for (r = FAN_FIRST_STAT; r < __FAN_XSTATS_MAX; r++) {
		u64 n = fan_counter_sum(fan, r);

		/* An ICMP error not relayed is no packet of ours dropped. */
		if (r == FAN_XSTATS_ERR_NOT_RELAYED)
			continue;
		if (r < FAN_XSTATS_RX_SPOOFED || r == FAN_XSTATS_TX_FORGED)
			stats->tx_dropped += n;
		else
			stats->rx_dropped += n;
	}
}

/* On failure fan_dev_free() (called by newlink) frees what was allocated. */
static int fan_dev_init(struct net_device *dev)
{
	struct fan_dev *fan = netdev_priv(dev);
	int err;

	err = fan_compat_tstats_alloc(dev);
	if (err)
		return err;

	fan->drops = netdev_alloc_pcpu_stats(struct fan_pcpu_drops);
	if (!fan->drops)
		return -ENOMEM;

	err = fan_route_cache_init(fan);
	if (err)
		return err;

	err = gro_cells_init(&fan->gro_cells, dev);
	if (err)
		return err;

	netdev_lockdep_set_classes(dev);
	return 0;
}

/*
 * Leave the receive list before the core's last synchronize_net(), so no
 * reader still holds us when the destructor frees what receive touches.
 */
static void fan_dev_uninit(struct net_device *dev)
{
	struct fan_dev *fan = netdev_priv(dev);

	list_del_rcu(&fan->list);
	if (fan->listed) {
		fan->listed = false;
		fan_plain_hook_put(dev_net(dev));
	}
	/*
	 * Transmit has stopped for good: release the cached routes (and
	 * with them the underlay device); the destructor frees the memory.
	 */
	fan_route_cache_release(fan);
}

/*
 * The one place that frees what newlink and ndo_init gave the device: the
 * destructor once it is registered, else newlink when register_netdevice()
 * fails, whether before ndo_init (a bad name), in it or after it.  Every
 * part may be missing.
 */
void fan_dev_free(struct net_device *dev)
{
	struct fan_dev *fan = netdev_priv(dev);

	gro_cells_destroy(&fan->gro_cells);
	fan_route_cache_free(fan);
	kfree(rcu_dereference_protected(fan->maps, true));
	RCU_INIT_POINTER(fan->maps, NULL);
	free_percpu(fan->drops);
	fan->drops = NULL;
	fan_compat_tstats_free(dev);
}

static int fan_get_iflink(const struct net_device *dev)
{
	const struct fan_dev *fan = netdev_priv(dev);

	return fan->link ?: dev->ifindex;
}

/*
 * The user's MTU (ip link set, or the one fan_update_mtu() sets and then
 * corrects): below the largest it is kept across underlay changes.
 */
static int fan_change_mtu(struct net_device *dev, int new_mtu)
{
	struct fan_dev *fan = netdev_priv(dev);

	fan->user_mtu = new_mtu < dev->max_mtu ? new_mtu : 0;
	WRITE_ONCE(dev->mtu, new_mtu);
	return 0;
}

static const struct net_device_ops fan_netdev_ops = {
	.ndo_init		= fan_dev_init,
	.ndo_uninit		= fan_dev_uninit,
	.ndo_start_xmit		= fan_xmit,
	.ndo_get_stats64	= fan_get_stats64,
	.ndo_get_iflink		= fan_get_iflink,
	.ndo_change_mtu		= fan_change_mtu,
};

static void fan_get_drvinfo(struct net_device *dev,
			    struct ethtool_drvinfo *info)
{
	strscpy(info->driver, "fan", sizeof(info->driver));
}

static int fan_get_sset_count(struct net_device *dev, int sset)
{
	return sset == ETH_SS_STATS ? FAN_NUM_STATS : -EOPNOTSUPP;
}

static void fan_get_strings(struct net_device *dev, u32 sset, u8 *data)
{
	if (sset == ETH_SS_STATS)
		memcpy(data, fan_stat_names[FAN_FIRST_STAT],
		       FAN_NUM_STATS * ETH_GSTRING_LEN);
}

static void fan_get_ethtool_stats(struct net_device *dev,
				  struct ethtool_stats *stats, u64 *data)
{
	struct fan_dev *fan = netdev_priv(dev);
	unsigned int r;

	for (r = FAN_FIRST_STAT; r < __FAN_XSTATS_MAX; r++)
		*data++ = fan_counter_sum(fan, r);
}

static const struct ethtool_ops fan_ethtool_ops = {
	.get_drvinfo		= fan_get_drvinfo,
	.get_sset_count		= fan_get_sset_count,
	.get_strings		= fan_get_strings,
	.get_ethtool_stats	= fan_get_ethtool_stats,
	.get_link		= ethtool_op_get_link,
};

void fan_setup(struct net_device *dev)
{
	dev->netdev_ops		= &fan_netdev_ops;
	dev->ethtool_ops	= &fan_ethtool_ops;
	/* The destructor is set once registered (fan_newlink()). */
	dev->needs_free_netdev	= true;

	/* An L3 device: no link-layer header, no ARP, no queue. */
	dev->type		= ARPHRD_NONE;
	dev->flags		= IFF_POINTOPOINT | IFF_NOARP;
	dev->priv_flags		|= IFF_NO_QUEUE;
	dev->hard_header_len	= 0;
	dev->addr_len		= 0;
	dev->mtu		= FAN_DEFAULT_MTU;
	dev->min_mtu		= ETH_MIN_MTU;
	dev->max_mtu		= IP_MAX_MTU - sizeof(struct iphdr);
	dev->needed_headroom	= LL_MAX_HEADER + sizeof(struct iphdr);

	dev->features		|= FAN_FEATURES;
	dev->hw_features	|= FAN_FEATURES;
	fan_compat_set_lltx(dev);
	fan_compat_tstats_setup(dev);
	/* Routes to underlay hosts live in the namespace of the underlay. */
	fan_compat_set_netns_local(dev);
	netif_keep_dst(dev);
}

/*
 * Follow the underlay: the largest MTU is the underlay MTU - 20 (the
 * underlay's own MTU when every map is direct: nothing is added to the
 * packets), and the headroom that of the underlay's link-layer header (24
 * bytes on IPoIB) plus ours.  RTNL held.  An MTU at the largest follows
 * the underlay up and down; one the user set lower is theirs (as vlan
 * keeps it): it stays, clamped to the new largest while that is smaller,
 * and comes back when the underlay grows again.  Before registration only
 * the fields are set; afterwards dev_set_mtu() tells everyone (routes,
 * the bridge above us) about the change.
 */
void fan_update_mtu(struct fan_dev *fan, const struct net_device *lower)
{
	struct net_device *dev = fan->dev;
	int overhead = fan_map_set_all_direct(rtnl_dereference(fan->maps)) ?
		       0 : sizeof(struct iphdr);
	int max = max_t(int, lower->mtu - overhead, ETH_MIN_MTU);
	unsigned int user_mtu = fan->user_mtu;
	int mtu = user_mtu ? min_t(int, user_mtu, max) : max;

	WRITE_ONCE(dev->needed_headroom,
		   LL_RESERVED_SPACE(lower) + sizeof(struct iphdr));
	dev->max_mtu = max;
	if (dev->reg_state == NETREG_REGISTERED) {
		dev_set_mtu(dev, mtu);
		/* fan_change_mtu() took it for the user's. */
		fan->user_mtu = user_mtu;
	} else {
		dev->mtu = mtu;
	}
}
