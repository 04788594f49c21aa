// SPDX-License-Identifier: GPL-2.0
/*
 * Fan networking: transmit.  The inner destination selects a map, the map
 * gives the underlay host, and the packet leaves in one IPv4 header.
 */

#include <linux/ip.h>
#include <linux/icmp.h>
#include <net/ip.h>
#include <net/icmp.h>
#include <net/ip_tunnels.h>
#include <net/route.h>
#include <net/dst.h>
#include <net/dst_metadata.h>

#include "fan.h"

static netdev_tx_t fan_drop(struct fan_dev *fan, struct sk_buff *skb,
			    unsigned int reason)
{
	fan_count(fan, reason);
	kfree_skb(skb);
	return NETDEV_TX_OK;
}

/*
 * As ip_tunnel's tnl_update_pmtu(): tell the inner sender the path MTU and
 * refuse a DF packet that does not fit.  A GSO packet is not refused here
 * (ip_tunnel does the same): its segments are checked once segmented, and
 * the inner route's lowered MTU makes TCP size the next ones to fit.
 *
 * Only a lower MTU is news: handing the inner route an unchanged one makes
 * IPv4 record a PMTU exception for every inner destination, per-host state
 * and a FIB lookup per new destination, which the fan is meant not to have.
 */
static bool fan_too_big(struct fan_dev *fan, struct sk_buff *skb,
			struct rtable *rt, __be16 df)
{
	int mtu;

	if (!df)
		return false;

	mtu = dst_mtu(&rt->dst) - sizeof(struct iphdr);
	if (skb_valid_dst(skb) && mtu < dst_mtu(skb_dst(skb)))
		skb_dst_update_pmtu_no_confirm(skb, mtu);

	if (skb_is_gso(skb) || skb->len <= mtu)
		return false;

	icmp_ndo_send(skb, ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED, htonl(mtu));
	return true;
}

netdev_tx_t fan_xmit(struct sk_buff *skb, struct net_device *dev)
{
	struct fan_dev *fan = netdev_priv(dev);
	const struct fan_map_set *set;
	const struct fan_map *map;
	const struct iphdr *inner;
	__be32 daddr, saddr;
	struct rtable *rt;
	u32 dst, host;
	u8 tos, ttl;
	__be16 df;

	if (skb->protocol != htons(ETH_P_IP) || !pskb_inet_may_pull(skb))
		return fan_drop(fan, skb, FAN_XSTATS_TX_NOT_IPV4);

	inner = ip_hdr(skb);
	dst = ntohl(inner->daddr);

	set = rcu_dereference_bh(fan->maps);
	map = fan_map_find_overlay(set, dst);
	if (!map)
		return fan_drop(fan, skb, FAN_XSTATS_TX_NO_MAP);

	host = fan_underlay_of(&map->m, dst);
	if (!fan_host_part_valid(&map->m, fan_host_part(&map->m, host)))
		return fan_drop(fan, skb, FAN_XSTATS_TX_BAD_HOST);
	daddr = htonl(host);

	tos = READ_ONCE(fan->tos);
	if (tos == FAN_TOS_INHERIT)
		tos = inner->tos;

	rt = fan_route_get(fan, daddr, tos, &saddr);
	if (IS_ERR(rt))
		return fan_drop(fan, skb, FAN_XSTATS_TX_NO_ROUTE);

	if (rt->rt_type == RTN_LOCAL) {
		/* Our own slice: the bridge route should have caught it. */
		ip_rt_put(rt);
		return fan_drop(fan, skb, FAN_XSTATS_TX_TO_SELF);
	}
	if (rt->dst.dev == dev) {
		/* The underlay route points back into the fan: a loop. */
		ip_rt_put(rt);
		return fan_drop(fan, skb, FAN_XSTATS_TX_NO_ROUTE);
	}

	/* RFC 2003: copy DF, so only DF senders need path MTU discovery. */
	df = READ_ONCE(fan->pmtudisc) ? inner->frag_off & htons(IP_DF) : 0;
	if (fan_too_big(fan, skb, rt, df)) {
		ip_rt_put(rt);
		return fan_drop(fan, skb, FAN_XSTATS_TX_FRAG_NEEDED);
	}

	tos = ip_tunnel_ecn_encap(tos, inner, skb);
	ttl = READ_ONCE(fan->ttl);
	if (!ttl)
		ttl = inner->ttl;

	if (skb_cow_head(skb, LL_RESERVED_SPACE(rt->dst.dev) +
			      sizeof(struct iphdr) + rt->dst.header_len))
		goto drop_rt;

	if (iptunnel_handle_offloads(skb, SKB_GSO_IPXIP4))
		goto drop_rt;
	skb_set_inner_ipproto(skb, IPPROTO_IPIP);

	iptunnel_xmit(NULL, rt, skb, saddr, daddr, IPPROTO_IPIP, tos, ttl, df,
		      false);
	return NETDEV_TX_OK;

drop_rt:
	ip_rt_put(rt);
	kfree_skb(skb);
	dev_core_stats_tx_dropped_inc(dev);
	return NETDEV_TX_OK;
}
