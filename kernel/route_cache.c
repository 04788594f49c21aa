// SPDX-License-Identifier: GPL-2.0
/*
 * Fan networking: the underlay route cache.
 *
 * Every packet goes to an underlay host computed from its destination, so a
 * tunnel-wide dst_cache (one destination) does not fit and a FIB lookup per
 * packet is what we want to avoid.  Each CPU keeps a small direct-mapped
 * table of routes keyed by (underlay host, source the fan asked for, DSCP,
 * mode).  The ECN bits are not part of the key: ECT and non-ECT packets of
 * one flow share a route (the lookup ignores them).  Transmit runs with BH off,
 * so a CPU's table is only touched by that CPU: no locks, no atomics beyond
 * the dst reference handed to the packet.  Entries are validated with
 * dst_check() on use, so route changes (which expire IPv4 routes through the
 * genid) and PMTU exceptions are honoured.  Memory is bounded: SLOTS entries
 * per CPU per device, whatever the number of hosts.
 */

#include <linux/percpu.h>
#include <linux/hash.h>
#include <net/route.h>
#include <net/dst.h>
#include <net/inet_ecn.h>
#include <linux/inetdevice.h>

#include "fan.h"

#define FAN_RT_CACHE_BITS	10
#define FAN_RT_CACHE_SLOTS	BIT(FAN_RT_CACHE_BITS)

struct fan_route_slot {
	struct dst_entry *dst;
	__be32 daddr;
	__be32 want;			/* the key: the source asked for */
	__be32 saddr;			/* the source the lookup gave */
	u8 dscp;
	bool direct;
};

struct fan_route_cache {
	struct fan_route_slot slot[FAN_RT_CACHE_SLOTS];
};

int fan_route_cache_init(struct fan_dev *fan)
{
	fan->rt_cache = alloc_percpu(struct fan_route_cache);
	return fan->rt_cache ? 0 : -ENOMEM;
}

/*
 * Drop the cached routes (their references pin the underlay device) once
 * no transmit can run any more: ndo_uninit.  The memory stays until the
 * destructor, as ip_tunnel keeps its dst_cache, so a transmit never finds
 * it gone.
 */
void fan_route_cache_release(struct fan_dev *fan)
{
	unsigned int i;
	int cpu;

	if (!fan->rt_cache)
		return;
	for_each_possible_cpu(cpu) {
		struct fan_route_cache *c = per_cpu_ptr(fan->rt_cache, cpu);

		for (i = 0; i < FAN_RT_CACHE_SLOTS; i++) {
			dst_release(c->slot[i].dst);
			c->slot[i].dst = NULL;
		}
	}
}

/* The destructor (or a failed newlink): routes and memory. */
void fan_route_cache_free(struct fan_dev *fan)
{
	fan_route_cache_release(fan);
	free_percpu(fan->rt_cache);
	fan->rt_cache = NULL;
}

/*
 * IPIP routes are looked up for protocol 4, through xfrm, so IPsec policies
 * for the fan's IPIP apply.  A direct map's route is only the next hop for
 * a packet that is not ours: no protocol, no xfrm (the packet keeps its own).
 *
 * @want is the source the map gives (this host's address that owns the
 * inner source's slice), so the outer source is not whatever the route
 * prefers (a secondary address, a "src" hint), which a strict peer would
 * drop as spoofed.  When @want is not an address of this host (the inner
 * source lies in another host's slice) the route chooses, as for a source
 * in no map: the peer decides about such a packet.
 */
static struct rtable *fan_route_lookup(struct fan_dev *fan, __be32 daddr,
				       __be32 want, u8 dscp, bool direct,
				       __be32 *saddr)
{
	struct net *net = dev_net(fan->dev);
	struct flowi4 fl4 = {
		.daddr = daddr,
		.flowi4_oif = fan->link,
		.flowi4_proto = direct ? 0 : IPPROTO_IPIP,
		.flowi4_scope = RT_SCOPE_UNIVERSE,
	};
	struct rtable *rt;

	/* As ip_route_output_key() itself checks a given source. */
	if (want && __ip_dev_find(net, want, false))
		fl4.saddr = want;
	fan_compat_flowi4_set_tos(&fl4, dscp);
	rt = ip_route_output_key(net, &fl4);
	if (!IS_ERR(rt))
		*saddr = fl4.saddr;
	return rt;
}

/*
 * A referenced route to underlay host @daddr from source @want (0: any),
 * and the source address to use (for a direct map: this host's address
 * towards it, which the sender's source check uses).  Called from
 * transmit, BH disabled.
 */
struct rtable *fan_route_get(struct fan_dev *fan, __be32 daddr, __be32 want,
			     u8 tos, bool direct, __be32 *saddr)
{
	struct fan_route_cache *c = this_cpu_ptr(fan->rt_cache);
	u8 dscp = tos & ~INET_ECN_MASK;
	struct fan_route_slot *s;
	struct rtable *rt;
	u32 key = (__force u32)daddr ^ hash_32((__force u32)want, 32) ^
		  dscp ^ ((u32)direct << 8);

	s = &c->slot[hash_32(key, FAN_RT_CACHE_BITS)];
	if (likely(s->dst && s->daddr == daddr && s->want == want &&
		   s->dscp == dscp && s->direct == direct)) {
		if (likely(dst_check(s->dst, 0))) {
			dst_hold(s->dst);
			*saddr = s->saddr;
			return dst_rtable(s->dst);
		}
		/* Expired: route, address or PMTU changed; look it up again. */
		dst_release(s->dst);
		s->dst = NULL;
	}

	rt = fan_route_lookup(fan, daddr, want, dscp, direct, saddr);
	if (IS_ERR(rt))
		return rt;

	dst_release(s->dst);
	dst_hold(&rt->dst);
	s->dst = &rt->dst;
	s->daddr = daddr;
	s->want = want;
	s->saddr = *saddr;
	s->dscp = dscp;
	s->direct = direct;
	return rt;
}
