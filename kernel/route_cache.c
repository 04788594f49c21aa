// SPDX-License-Identifier: GPL-2.0
/*
 * Fan networking: the underlay route cache.
 *
 * Every packet goes to an underlay host computed from its destination, so a
 * tunnel-wide dst_cache (one destination) does not fit and a FIB lookup per
 * packet is what we want to avoid.  Each CPU keeps a small direct-mapped
 * table of routes keyed by (underlay host, TOS).  Transmit runs with BH off,
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

#include "fan.h"

#define FAN_RT_CACHE_BITS	10
#define FAN_RT_CACHE_SLOTS	BIT(FAN_RT_CACHE_BITS)

struct fan_route_slot {
	struct dst_entry *dst;
	__be32 daddr;
	__be32 saddr;
	u8 tos;
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
 */
static struct rtable *fan_route_lookup(struct fan_dev *fan, __be32 daddr,
				       u8 tos, bool direct, __be32 *saddr)
{
	struct flowi4 fl4 = {
		.daddr = daddr,
		.flowi4_oif = READ_ONCE(fan->link),
		.flowi4_proto = direct ? 0 : IPPROTO_IPIP,
		.flowi4_scope = RT_SCOPE_UNIVERSE,
	};
	struct rtable *rt;

	fan_compat_flowi4_set_tos(&fl4, tos);
	rt = ip_route_output_key(dev_net(fan->dev), &fl4);
	if (!IS_ERR(rt))
		*saddr = fl4.saddr;
	return rt;
}

/*
 * A referenced route to underlay host @daddr, and the source address to use
 * (for a direct map: this host's address towards it).  Called from
 * transmit, BH disabled.
 */
struct rtable *fan_route_get(struct fan_dev *fan, __be32 daddr, u8 tos,
			     bool direct, __be32 *saddr)
{
	struct fan_route_cache *c = this_cpu_ptr(fan->rt_cache);
	struct fan_route_slot *s;
	struct rtable *rt;
	u32 key = (__force u32)daddr ^ tos ^ ((u32)direct << 8);

	s = &c->slot[hash_32(key, FAN_RT_CACHE_BITS)];
	if (likely(s->dst && s->daddr == daddr && s->tos == tos &&
		   s->direct == direct)) {
		if (likely(dst_check(s->dst, 0))) {
			dst_hold(s->dst);
			*saddr = s->saddr;
			return dst_rtable(s->dst);
		}
		/* Expired: route or PMTU changed; look it up again. */
		dst_release(s->dst);
		s->dst = NULL;
	}

	rt = fan_route_lookup(fan, daddr, tos, direct, saddr);
	if (IS_ERR(rt))
		return rt;

	dst_release(s->dst);
	dst_hold(&rt->dst);
	s->dst = &rt->dst;
	s->daddr = daddr;
	s->saddr = *saddr;
	s->tos = tos;
	s->direct = direct;
	return rt;
}
