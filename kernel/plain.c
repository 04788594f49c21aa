// SPDX-License-Identifier: GPL-2.0
/*
 * Fan networking: plain (unencapsulated) overlay packets from the underlay.
 *
 * A direct map's packets arrive as they are, from the sending host as
 * their last hop.  Taken as they come in on the underlay device, routing
 * would see iif ib0 for an overlay source whose route points into the fan
 * device, and reverse-path filtering would drop them.  So a netfilter
 * hook at the very start of PRE_ROUTING moves them to the fan device in
 * place, as an L3 master device takes its slaves' packets (rx counters,
 * skb->dev, iif): routing, rp_filter, FORWARD and INPUT see them on the
 * fan device like the fan's IPIP traffic, and rp_filter stays as strict
 * as it is for everything else.  Not received again: GRO has been done
 * on the underlay device, and a second pass through a NAPI cell would
 * cost every packet a softirq round for nothing.  The rest of PRE_ROUTING
 * still sees them on the underlay device.
 *
 * In an IPIP map the same packet would bypass the receive check (the
 * inner source must be in the slice of the outer source), so there it is
 * dropped and counted (rx_plain), unless strict receive is off, where any
 * source is accepted anyway: then it is taken as for a direct map.  That
 * is also how a host in IPIP mode accepts one that already sends direct.
 *
 * A fan device that is down takes nothing, as for its IPIP receive: the
 * host then routes such packets as any others.
 *
 * The hook is registered in a namespace only while it has a fan device,
 * so namespaces without one pay nothing.
 */

#include <linux/netfilter.h>
#include <linux/netfilter_ipv4.h>
#include <linux/inetdevice.h>
#include <linux/if_bridge.h>
#include <linux/ip.h>
#include <net/ip.h>

#include "fan.h"

/* Does @dev hold an IPv4 address in @prefix/@len?  RCU held. */
static bool fan_dev_holds(const struct net_device *dev, u32 prefix,
			  unsigned int len)
{
	const struct in_device *in_dev = __in_dev_get_rcu(dev);
	const struct in_ifaddr *ifa;

	if (!in_dev)
		return false;
	in_dev_for_each_ifa_rcu(ifa, in_dev) {
		if (fan_prefix_contains(prefix, len, ntohl(ifa->ifa_local)))
			return true;
	}
	return false;
}

/*
 * Did the packet come from the underlay of map @m: on the fan's underlay
 * device, or, for a fan bound to none, on a device with an address in the
 * underlay prefix (and none in the overlay: not a slice bridge)?
 */
static bool fan_from_underlay(const struct fan_dev *fan,
			      const struct fan_map_math *m,
			      const struct net_device *in)
{
	int link = fan->link;

	if (link)
		return in->ifindex == link;
	return fan_dev_holds(in, m->underlay, m->underlay_len) &&
	       !fan_dev_holds(in, m->overlay, m->overlay_len);
}

/*
 * From here on received on the fan device: ip_rcv_finish() routes the
 * packet by skb->dev as it is after PRE_ROUTING.
 */
static unsigned int fan_plain_take(struct fan_dev *fan, struct sk_buff *skb)
{
	const struct fan_map_set *set = rcu_dereference(fan->maps);
	const struct iphdr *iph = ip_hdr(skb);
	const struct fan_map *dmap;

	/* As for IPIP: no broadcast amplification into a slice. */
	dmap = fan_map_find_overlay(set, ntohl(iph->daddr));
	if (ipv4_is_multicast(iph->daddr) || ipv4_is_lbcast(iph->daddr) ||
	    (dmap && fan_is_slice_broadcast(&dmap->m, ntohl(iph->daddr)))) {
		fan_count(fan, FAN_XSTATS_RX_BAD_DST);
		return NF_DROP;
	}

	skb->dev = fan->dev;
	skb->skb_iif = fan->dev->ifindex;
	dev_sw_netstats_rx_add(fan->dev, skb->len);
	return NF_ACCEPT;
}

static unsigned int fan_plain_rcv(void *priv, struct sk_buff *skb,
				  const struct nf_hook_state *state)
{
	const struct net_device *in = state->in;
	struct fan_net *fn = fan_pernet(state->net);
	struct fan_dev *fan;
	u32 src;

	/*
	 * Ours already (decapsulated or taken here), or bridged through a
	 * port with br_netfilter: not arriving at this host's IP layer.
	 */
	if (!in || in->rtnl_link_ops == &fan_link_ops ||
	    netif_is_bridge_port(in))
		return NF_ACCEPT;

	/*
	 * IPIP is the tunnel handlers' (ours checks the fan's), even with
	 * an outer source in the overlay, which no fan host sends.
	 */
	if (ip_hdr(skb)->protocol == IPPROTO_IPIP)
		return NF_ACCEPT;

	src = ntohl(ip_hdr(skb)->saddr);
	list_for_each_entry_rcu(fan, &fn->devs, list) {
		const struct fan_map_set *set = rcu_dereference(fan->maps);
		const struct fan_map *map;

		if (!(fan->dev->flags & IFF_UP))
			continue;
		map = fan_map_find_overlay(set, src);
		if (!map || !fan_from_underlay(fan, &map->m, in))
			continue;
		if (map->mode == FAN_MAP_MODE_DIRECT || !READ_ONCE(fan->strict))
			return fan_plain_take(fan, skb);
		fan_count(fan, FAN_XSTATS_RX_PLAIN);
		return NF_DROP;
	}
	return NF_ACCEPT;
}

/* First in PRE_ROUTING: before conntrack and defragmentation see iif. */
static const struct nf_hook_ops fan_plain_ops = {
	.hook		= fan_plain_rcv,
	.pf		= NFPROTO_IPV4,
	.hooknum	= NF_INET_PRE_ROUTING,
	.priority	= NF_IP_PRI_RAW_BEFORE_DEFRAG,
};

/* A fan device comes to @net.  RTNL held. */
int fan_plain_hook_get(struct net *net)
{
	struct fan_net *fn = fan_pernet(net);
	int err;

	ASSERT_RTNL();
	if (fn->hook_users++)
		return 0;
	err = nf_register_net_hook(net, &fan_plain_ops);
	if (err)
		fn->hook_users--;
	return err;
}

/* A fan device leaves @net.  RTNL held. */
void fan_plain_hook_put(struct net *net)
{
	struct fan_net *fn = fan_pernet(net);

	ASSERT_RTNL();
	if (!--fn->hook_users)
		nf_unregister_net_hook(net, &fan_plain_ops);
}
