// SPDX-License-Identifier: GPL-2.0
/*
 * Fan networking: receive.  An IPIP packet is ours only if its outer source
 * lies in a map's underlay and its inner destination in that map's overlay;
 * anything else is left to the next IPIP handler (ipip.ko's tunl0, xfrm).
 * In strict mode the inner source must lie in the slice the outer source
 * owns, so no host can speak for another host's containers.
 */

#include <linux/ip.h>
#include <linux/icmp.h>
#include <linux/inetdevice.h>
#include <net/icmp.h>
#include <net/ip.h>
#include <net/xfrm.h>
#include <net/inet_ecn.h>
#include <net/ip_tunnels.h>
#include <net/protocol.h>
#include <net/route.h>

#include "fan.h"

/*
 * tunnel4 offers an IPIP packet to its handlers in ascending priority
 * until one takes it, and refuses a second handler with a priority already
 * taken (-EEXIST).  ip_vti has 0, ipip.ko 1, xfrm4_tunnel more.  We
 * must run before ipip.ko (tunl0, when up, takes every IPIP packet) and
 * must not take vti's 0, or whichever of fan.ko and ip_vti.ko loads second
 * fails to load.  So -1: first of all.  That is also safe for vti, whose
 * handler we run before: we claim only packets from a map's underlay to a
 * map's overlay and leave every other packet to vti and ipip.ko.
 */
#define FAN_TUNNEL4_PRIORITY	(-1)

/*
 * The fan device and map an IPIP packet belongs to, or NULL.  RCU held.
 * The map set it was found in goes to @setp: the packet is checked against
 * that one, even if changelink swaps in another meanwhile.
 */
static struct fan_dev *fan_lookup_rx(struct net *net, int ifindex,
				     u32 outer_src, u32 inner_dst,
				     const struct fan_map_set **setp,
				     const struct fan_map **mapp)
{
	struct fan_net *fn = fan_pernet(net);
	struct fan_dev *fan;

	list_for_each_entry_rcu(fan, &fn->devs, list) {
		const struct fan_map_set *set = rcu_dereference(fan->maps);
		const struct fan_map *map;

		if (fan->link && fan->link != ifindex)
			continue;
		if (!(fan->dev->flags & IFF_UP))
			continue;
		map = fan_map_find_overlay(set, inner_dst);
		if (!map || !fan_prefix_contains(map->m.underlay,
						 map->m.underlay_len,
						 outer_src))
			continue;
		*setp = set;
		*mapp = map;
		return fan;
	}
	return NULL;
}

/*
 * Is the inner header one we may deliver?  Returns a FAN_XSTATS_ reason to
 * drop for, or 0.  Only the first 20 inner bytes are known to be linear.
 */
static unsigned int fan_rx_check(struct sk_buff *skb, struct fan_dev *fan,
				 const struct fan_map_set *set,
				 const struct fan_map *map,
				 const struct iphdr *outer)
{
	const struct iphdr *inner = (const struct iphdr *)skb->data;
	u32 osrc = ntohl(outer->saddr), odst = ntohl(outer->daddr);
	const struct rtable *rt = skb_rtable(skb);
	u32 isrc, idst;

	/*
	 * Only a packet sent to this host: an outer broadcast (the underlay
	 * subnet's, or a directed one) or multicast reaches every host of
	 * the segment, and each would deliver (or relay) its inner packet.
	 */
	if (!rt || rt->rt_type != RTN_LOCAL)
		return FAN_XSTATS_RX_BAD_DST;

	if (inner->version != 4 || inner->ihl < 5)
		return FAN_XSTATS_RX_MALFORMED;
	if (!pskb_may_pull(skb, inner->ihl * 4))
		return FAN_XSTATS_RX_MALFORMED;
	inner = (const struct iphdr *)skb->data;
	if (ntohs(inner->tot_len) < inner->ihl * 4 ||
	    ntohs(inner->tot_len) > skb->len)
		return FAN_XSTATS_RX_MALFORMED;

	isrc = ntohl(inner->saddr);
	idst = ntohl(inner->daddr);

	/*
	 * Deliver only to our own slice: anything else would make us a relay
	 * that re-encapsulates to a third host, or a broadcast amplifier.
	 */
	if (ipv4_is_multicast(inner->daddr) || ipv4_is_lbcast(inner->daddr) ||
	    fan_is_slice_broadcast(&map->m, idst) ||
	    fan_underlay_of(&map->m, idst) != odst)
		return FAN_XSTATS_RX_BAD_DST;

	/* The map it came in first: the others only for a host in several. */
	if (READ_ONCE(fan->strict) &&
	    !fan_map_slice_owned(&map->m, osrc, isrc) &&
	    !fan_slice_owned(set, osrc, isrc))
		return FAN_XSTATS_RX_SPOOFED;

	return 0;
}

static int fan_rcv(struct sk_buff *skb)
{
	const struct iphdr *outer = ip_hdr(skb);
	const struct iphdr *inner = (const struct iphdr *)skb->data;
	const struct fan_map_set *set = NULL;
	const struct fan_map *map = NULL;
	struct net *net = dev_net(skb->dev);
	unsigned int reason;
	struct fan_dev *fan;
	int nh, err;

	/* tunnel4 pulled sizeof(struct iphdr) of the inner header for us. */
	fan = fan_lookup_rx(net, skb->dev->ifindex, ntohl(outer->saddr),
			    ntohl(inner->daddr), &set, &map);
	if (!fan)
		return -1;

	reason = fan_rx_check(skb, fan, set, map, outer);
	if (reason)
		goto drop;

	/* An IPsec policy may require this flow to have come in ESP/AH. */
	if (!xfrm4_policy_check(NULL, XFRM_POLICY_IN, skb)) {
		reason = FAN_XSTATS_RX_POLICY;
		goto drop;
	}

	if (iptunnel_pull_header(skb, 0, htons(ETH_P_IP), false)) {
		reason = FAN_XSTATS_RX_MALFORMED;
		goto drop;
	}

	/* As ip_tunnel_rcv(): keep the outer header for ECN, then reset. */
	nh = skb_network_header(skb) - skb->head;
	skb_reset_mac_header(skb);
	skb_reset_network_header(skb);
	outer = (const struct iphdr *)(skb->head + nh);

	err = IP_ECN_decapsulate(outer, skb);
	if (unlikely(err > 1)) {
		reason = FAN_XSTATS_RX_ECN;
		goto drop;
	}

	/* iptunnel_pull_header() scrubbed it. */
	dev_sw_netstats_rx_add(fan->dev, skb->len);
	skb->dev = fan->dev;
	gro_cells_receive(&fan->gro_cells, skb);
	return 0;

drop:
	fan_count(fan, reason);
	kfree_skb(skb);
	return 0;
}

/*
 * Tell the inner sender that the host its packet was for cannot be
 * reached, from an ICMP error about our IPIP packet (@outer, at skb->data)
 * whose quote holds the inner header and 8 bytes of what it carries, as
 * an ICMP error quotes: host unreachable, as ipip.ko turns every such
 * error into (RFC 2003 4.1).  Its route is the one to the inner source,
 * so the error leaves this host from its address towards the sender.
 */
static bool fan_err_relay(struct sk_buff *skb, struct net *net,
			  const struct fan_map_set *set,
			  const struct iphdr *outer)
{
	unsigned int off = outer->ihl * 4;
	const struct iphdr *inner;
	struct flowi4 fl4 = {};
	struct sk_buff *nskb;
	struct rtable *rt;

	if (!pskb_may_pull(skb, off + sizeof(*inner)))
		return false;
	inner = (const struct iphdr *)(skb->data + off);
	if (inner->version != 4 || inner->ihl < 5 ||
	    !pskb_may_pull(skb, off + inner->ihl * 4 + 8))
		return false;
	outer = (const struct iphdr *)skb->data;
	inner = (const struct iphdr *)(skb->data + off);
	/*
	 * Only about a packet this host sent for a slice of its own: anyone
	 * on the underlay can forge an error, and it must not choose whom we
	 * send ICMP to.
	 */
	if (!__ip_dev_find(net, outer->saddr, false) ||
	    !fan_slice_owned(set, ntohl(outer->saddr), ntohl(inner->saddr)))
		return false;

	nskb = skb_clone(skb, GFP_ATOMIC);
	if (!nskb)
		return false;
	skb_pull(nskb, off);
	skb_reset_network_header(nskb);
	inner = ip_hdr(nskb);

	fl4.daddr = inner->saddr;
	rt = ip_route_output_key(net, &fl4);
	if (IS_ERR(rt)) {
		kfree_skb(nskb);
		return false;
	}
	skb_dst_drop(nskb);
	skb_dst_set(nskb, &rt->dst);
	nf_reset_ct(nskb);
	memset(IPCB(nskb), 0, sizeof(*IPCB(nskb)));
	icmp_send(nskb, ICMP_DEST_UNREACH, ICMP_HOST_UNREACH, 0);
	consume_skb(nskb);
	return true;
}

/*
 * An ICMP error about an IPIP packet we may have sent: the quoted header
 * is our outer one.  tunnel4 offers it to each handler in turn until one
 * takes it, and we run before ipip.ko: claim only errors that came in on
 * the fan's underlay device (any, for a fan bound to none) of a fan that
 * is up, whose quoted outer destination is in a map's underlay and, when
 * the router quoted enough to show it, whose inner destination is in that
 * map's overlay, so tunl0's own tunnels over the same underlay keep theirs.
 * Path MTU and redirects update the underlay route, which our cached
 * routes pick up through dst_check(); unreachable and TTL exceeded go on
 * to the inner sender; the rest is counted (err_not_relayed).
 */
static int fan_err(struct sk_buff *skb, u32 info)
{
	const int type = icmp_hdr(skb)->type;
	const int code = icmp_hdr(skb)->code;
	struct net *net = dev_net(skb->dev);
	struct fan_net *fn = fan_pernet(net);
	const struct iphdr *iph, *inner = NULL;
	const struct fan_map_set *set;
	struct fan_dev *fan;
	unsigned int i;
	u32 host;

	iph = (const struct iphdr *)skb->data;
	if (pskb_may_pull(skb, iph->ihl * 4 + sizeof(*inner))) {
		iph = (const struct iphdr *)skb->data;
		inner = (const struct iphdr *)(skb->data + iph->ihl * 4);
	}
	host = ntohl(iph->daddr);

	list_for_each_entry_rcu(fan, &fn->devs, list) {
		set = rcu_dereference(fan->maps);
		if (fan->link && fan->link != skb->dev->ifindex)
			continue;
		if (!(fan->dev->flags & IFF_UP))
			continue;
		for (i = 0; i < set->count; i++) {
			const struct fan_map_math *m = &set->maps[i].m;

			if (!fan_prefix_contains(m->underlay, m->underlay_len,
						 host))
				continue;
			if (inner &&
			    !fan_prefix_contains(m->overlay, m->overlay_len,
						 ntohl(inner->daddr)))
				continue;
			goto found;
		}
	}
	return -ENOENT;

found:
	switch (type) {
	case ICMP_DEST_UNREACH:
		if (code == ICMP_FRAG_NEEDED) {
			ipv4_update_pmtu(skb, net, info, fan->link,
					 IPPROTO_IPIP);
			return 0;
		}
		if (code != ICMP_SR_FAILED && fan_err_relay(skb, net, set, iph))
			return 0;
		break;
	case ICMP_TIME_EXCEEDED:
		if (code == ICMP_EXC_TTL && fan_err_relay(skb, net, set, iph))
			return 0;
		break;
	case ICMP_REDIRECT:
		ipv4_redirect(skb, net, fan->link, IPPROTO_IPIP);
		return 0;
	}
	fan_count(fan, FAN_XSTATS_ERR_NOT_RELAYED);
	return 0;
}

static struct xfrm_tunnel fan_handler __read_mostly = {
	.handler	= fan_rcv,
	.err_handler	= fan_err,
	.priority	= FAN_TUNNEL4_PRIORITY,
};

int fan_rcv_init(void)
{
	return xfrm4_tunnel_register(&fan_handler, AF_INET);
}

void fan_rcv_exit(void)
{
	xfrm4_tunnel_deregister(&fan_handler, AF_INET);
}
