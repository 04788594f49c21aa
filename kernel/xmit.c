// SPDX-License-Identifier: GPL-2.0
/*
 * Fan networking: transmit.  The inner destination selects a map, the map
 * gives the underlay host, and the packet leaves in one IPv4 header (IPIP
 * maps) or as it is, with that host as its next hop (direct maps).
 */

#include <linux/ip.h>
#include <linux/icmp.h>
#include <net/ip.h>
#include <net/icmp.h>
#include <net/ip_tunnels.h>
#include <net/route.h>
#include <net/dst.h>
#include <net/dst_metadata.h>
#include <net/neighbour.h>
#include <net/arp.h>

#include "fan.h"

static netdev_tx_t fan_drop(struct fan_dev *fan, struct sk_buff *skb,
			    unsigned int reason)
{
	fan_count(fan, reason);
	kfree_skb(skb);
	return NETDEV_TX_OK;
}

/*
 * The outer DF and path MTU, as ipip does them (RFC 2003, 5.1).  With
 * pmtudisc (the default) the outer DF is always set, so the path MTU the
 * underlay reports applies to every inner packet: the inner route learns it
 * (the inner stack then fragments non-DF packets itself, and the container
 * at the far end reassembles them, not the far host's fan), and a DF packet
 * that does not fit is refused with frag-needed.  With nopmtudisc the inner
 * DF is copied and only DF packets take part.
 *
 * Unlike ipip, a non-DF packet that was sent before the inner route knew
 * the path MTU is not lost: it leaves without DF, for the underlay to
 * fragment.  A GSO packet is not refused here (ip_tunnel does the same):
 * its segments are checked once segmented, and the inner route's lowered
 * MTU makes TCP size the next ones to fit.
 *
 * Only a lower MTU is news: handing the inner route an unchanged one makes
 * IPv4 record a PMTU exception for every inner destination, per-host state
 * and a FIB lookup per new destination, which the fan is meant not to have.
 *
 * Returns false with the outer DF in @df, or true if the packet was refused.
 */
static bool fan_too_big(struct fan_dev *fan, struct sk_buff *skb,
			struct rtable *rt, __be16 *df)
{
	__be16 inner_df = ip_hdr(skb)->frag_off & htons(IP_DF);
	int mtu;

	*df = READ_ONCE(fan->pmtudisc) ? htons(IP_DF) : inner_df;
	if (!*df)
		return false;

	mtu = dst_mtu(&rt->dst) - sizeof(struct iphdr);
	if (skb_valid_dst(skb) && mtu < dst_mtu(skb_dst(skb)))
		skb_dst_update_pmtu_no_confirm(skb, mtu);

	if (skb_is_gso(skb) ? skb_gso_validate_network_len(skb, mtu) :
			      skb->len <= mtu)
		return false;

	if (!inner_df) {
		*df = 0;
		return false;
	}
	if (skb_is_gso(skb))
		return false;

	icmp_ndo_send(skb, ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED, htonl(mtu));
	return true;
}

/*
 * The outer source (and a direct map's check of the inner one): the
 * underlay address of the host that owns the inner source's slice, which
 * is this host's address in that map if the packet is ours to send.  0 for
 * a source in no map's overlay, or on no valid host: the route chooses.
 */
static __be32 fan_owner_of(const struct fan_map_set *set, __be32 src)
{
	const struct fan_map *map = fan_map_find_overlay(set, ntohl(src));
	u32 host;

	if (!map)
		return 0;
	host = fan_underlay_of(&map->m, ntohl(src));
	if (!fan_host_part_valid(&map->m, fan_host_part(&map->m, host)))
		return 0;
	return htonl(host);
}

/*
 * The security model of direct mode: nothing checks the source on the
 * receiving host, so the sender does.  A packet may leave only with a
 * source in this host's own slice of the map (this host being @self, its
 * address on the underlay device towards the owning host), or with one of
 * this host's own addresses.
 */
static bool fan_direct_src_ok(struct net_device *dev,
			      const struct fan_map_math *m, __be32 self,
			      __be32 src)
{
	u32 me = ntohl(self);

	if (fan_prefix_contains(m->underlay, m->underlay_len, me) &&
	    fan_host_part_valid(m, fan_host_part(m, me)) &&
	    fan_prefix_contains(fan_slice_of(m, me), fan_slice_len(m),
				ntohl(src)))
		return true;
	return inet_addr_type_dev_table(dev_net(dev), dev, src) == RTN_LOCAL;
}

/*
 * A direct map: hand the packet unchanged to the owning host @daddr as the
 * next hop on the underlay device, the way ip_finish_output2() hands a
 * packet to its gateway's neighbour entry, but with the host's neighbour,
 * not the packet's destination's.  GSO packets stay whole (the underlay
 * device segments them, in hardware if it can) and checksums are left to
 * the underlay device's offloads: the packet is no different from any
 * other IPv4 packet routed out of it.
 */
static netdev_tx_t fan_xmit_direct(struct fan_dev *fan, struct sk_buff *skb,
				   const struct fan_map *map, __be32 daddr,
				   __be32 owner)
{
	struct net_device *dev = fan->dev;
	const struct iphdr *iph = ip_hdr(skb);
	struct net_device *lower;
	struct neighbour *neigh;
	unsigned int len;
	struct rtable *rt;
	__be32 self;
	int mtu, ret;

	rt = fan_route_get(fan, daddr, owner, iph->tos, true, &self);
	if (IS_ERR(rt))
		return fan_drop(fan, skb, FAN_XSTATS_TX_NO_ROUTE);
	lower = rt->dst.dev;

	if (rt->rt_type == RTN_LOCAL) {
		ip_rt_put(rt);
		return fan_drop(fan, skb, FAN_XSTATS_TX_TO_SELF);
	}
	/*
	 * Only a host on the link: no gateway, out of the fan's own
	 * underlay device, and not a broadcast or multicast address.
	 */
	if (rt->rt_type != RTN_UNICAST || rt->rt_uses_gateway ||
	    lower == dev || lower->ifindex != fan->link) {
		ip_rt_put(rt);
		return fan_drop(fan, skb, FAN_XSTATS_TX_NO_ROUTE);
	}

	if (!fan_direct_src_ok(lower, &map->m, self, iph->saddr)) {
		ip_rt_put(rt);
		return fan_drop(fan, skb, FAN_XSTATS_TX_FORGED);
	}

	/* As the IPIP path, without its 20 bytes (and as ip_forward()). */
	mtu = dst_mtu(&rt->dst);
	if (!skb_is_gso(skb) && skb->len > mtu &&
	    (iph->frag_off & htons(IP_DF))) {
		ip_rt_put(rt);
		icmp_ndo_send(skb, ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED,
			      htonl(mtu));
		return fan_drop(fan, skb, FAN_XSTATS_TX_FRAG_NEEDED);
	}

	if (skb_cow_head(skb, LL_RESERVED_SPACE(lower))) {
		ip_rt_put(rt);
		goto drop;
	}

	/* The route's reference goes to the packet. */
	skb_dst_drop(skb);
	skb_dst_set(skb, &rt->dst);
	skb->dev = lower;
	len = skb->len;

	/* The core holds rcu_read_lock_bh() around ndo_start_xmit. */
	neigh = ip_neigh_gw4(lower, daddr);
	if (IS_ERR(neigh))
		goto drop;
	ret = neigh_output(neigh, skb, false);
	iptunnel_xmit_stats(dev, net_xmit_eval(ret) ? -1 : (int)len);
	return NETDEV_TX_OK;

drop:
	kfree_skb(skb);
	dev_core_stats_tx_dropped_inc(dev);
	return NETDEV_TX_OK;
}

/*
 * Make the stack leave room for what the underlay route adds, IPsec's ESP
 * header (dst.header_len) included, so packets are not reallocated here
 * one by one; as ip_tunnel_adj_headroom() does, only up, and bounded.
 * fan_update_mtu() starts it again from the underlay device.
 */
#define FAN_MAX_HEADROOM	512

static void fan_adj_headroom(struct net_device *dev, unsigned int headroom)
{
	headroom = min_t(unsigned int, headroom, FAN_MAX_HEADROOM);
	if (headroom > READ_ONCE(dev->needed_headroom))
		WRITE_ONCE(dev->needed_headroom, headroom);
}

netdev_tx_t fan_xmit(struct sk_buff *skb, struct net_device *dev)
{
	struct fan_dev *fan = netdev_priv(dev);
	const struct fan_map_set *set;
	const struct fan_map *map;
	const struct iphdr *inner;
	__be32 daddr, saddr, owner;
	unsigned int headroom;
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

	owner = fan_owner_of(set, inner->saddr);

	if (map->mode == FAN_MAP_MODE_DIRECT)
		return fan_xmit_direct(fan, skb, map, daddr, owner);

	tos = READ_ONCE(fan->tos);
	if (tos == FAN_TOS_INHERIT)
		tos = inner->tos;

	rt = fan_route_get(fan, daddr, owner, tos, false, &saddr);
	if (IS_ERR(rt))
		return fan_drop(fan, skb, FAN_XSTATS_TX_NO_ROUTE);

	if (rt->rt_type == RTN_LOCAL) {
		/* Our own slice: the bridge route should have caught it. */
		ip_rt_put(rt);
		return fan_drop(fan, skb, FAN_XSTATS_TX_TO_SELF);
	}
	/*
	 * The underlay route points back into the fan (a loop), or the host
	 * is a broadcast or multicast address of the underlay (a directed
	 * broadcast would reach every host of that subnet): only unicast.
	 */
	if (rt->rt_type != RTN_UNICAST || rt->dst.dev == dev) {
		ip_rt_put(rt);
		return fan_drop(fan, skb, FAN_XSTATS_TX_NO_ROUTE);
	}

	if (fan_too_big(fan, skb, rt, &df)) {
		ip_rt_put(rt);
		return fan_drop(fan, skb, FAN_XSTATS_TX_FRAG_NEEDED);
	}

	tos = ip_tunnel_ecn_encap(tos, inner, skb);
	ttl = READ_ONCE(fan->ttl);
	if (!ttl)
		ttl = inner->ttl;

	headroom = LL_RESERVED_SPACE(rt->dst.dev) + sizeof(struct iphdr) +
		   rt->dst.header_len;
	if (skb_cow_head(skb, headroom))
		goto drop_rt;
	fan_adj_headroom(dev, headroom);

	if (iptunnel_handle_offloads(skb, SKB_GSO_IPXIP4))
		goto drop_rt;
	skb_set_inner_ipproto(skb, IPPROTO_IPIP);

	fan_compat_iptunnel_xmit(rt, skb, saddr, daddr, IPPROTO_IPIP, tos, ttl,
				 df);
	return NETDEV_TX_OK;

drop_rt:
	ip_rt_put(rt);
	kfree_skb(skb);
	dev_core_stats_tx_dropped_inc(dev);
	return NETDEV_TX_OK;
}
