// SPDX-License-Identifier: GPL-2.0
/*
 * ipoib_emu: a test-only netdevice that honours the IPoIB netdevice contract
 * as the network stack sees it (drivers/infiniband/ulp/ipoib), without any
 * InfiniBand hardware.
 *
 * Devices are created with "ip link add ib0 type ipoib_emu" and join a
 * "fabric" (a number, default 0).  All devices of one fabric form one
 * segment, whatever network namespace they are in: a unicast packet goes to
 * the device whose QPN and GID match the destination hardware address, a
 * multicast or broadcast packet to every other running device of the fabric.
 *
 * What the stack sees is what it sees on ib0:
 *  - type ARPHRD_INFINIBAND, 20-byte addresses (flags + QPN, then the GID),
 *    the IPv4 broadcast address of P_Key 0xffff;
 *  - header_ops->create pushes the 4-byte encapsulation header and then the
 *    20-byte pseudo header that carries the destination (IPOIB_HARD_LEN);
 *    received packets have a zeroed pseudo header as mac header;
 *  - datagram mode: MTU = IB MTU - 4 (2044 by default), SG + IPv4 checksum
 *    offload; connected mode: MTU up to 65520, no checksum offload;
 *    /sys/class/net/<dev>/mode switches between them like the real driver;
 *  - a packet too long for the UD path (datagram mode, multicast, or a peer
 *    in datagram mode) is dropped on the sender with tx_dropped and
 *    tx_errors counted and an ICMP "fragmentation needed" / "packet too big"
 *    sent back, as ipoib_send() and ipoib_cm_send() do;
 *  - it cannot be enslaved to a bridge, be a macvlan/ipvlan lower device or
 *    carry VLANs, because those look at the same fields.
 *
 * Two cost models for a TSO packet (the sender's "cost_model"): whole-gso
 * hands it to the receiver whole, as veth does; wire-mtu segments it at
 * the wire into MTU-sized frames, each delivered checksum-verified through
 * the receiver's GRO, as a real HCA with UD TSO and rx checksum offload
 * does.  ethtool -S counts GSO packets and wire frames.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/netdevice.h>
#include <linux/etherdevice.h>
#include <linux/if_arp.h>
#include <linux/if_infiniband.h>
#include <linux/ethtool.h>
#include <linux/hashtable.h>
#include <linux/icmp.h>
#include <linux/icmpv6.h>
#include <linux/ip.h>
#include <linux/rtnetlink.h>
#include <linux/sched/signal.h>
#include <linux/skbuff.h>
#include <linux/u64_stats_sync.h>
#include <net/gro_cells.h>
#include <net/icmp.h>
#include <net/ip.h>
#include <net/rtnetlink.h>

#include "compat.h"
#include "ipoib_emu.h"

#define DRV_NAME "ipoib_emu"

/* From drivers/infiniband/ulp/ipoib/ipoib.h. */
#define IPOIB_ENCAP_LEN		4
#define IPOIB_PSEUDO_LEN	20
#define IPOIB_HARD_LEN		(IPOIB_ENCAP_LEN + IPOIB_PSEUDO_LEN)
#define IPOIB_CM_MTU		(0x10000 - 0x10)
#define IPOIB_CM_BUF_SIZE	(IPOIB_CM_MTU + IPOIB_ENCAP_LEN)
#define IPOIB_UD_MTU(ib_mtu)	((ib_mtu) - IPOIB_ENCAP_LEN)
#define IPOIB_FLAGS_RC		0x80
#define IPOIB_SENDQ_SIZE	128	/* ipoib_sendq_size default */

#define IPOIB_EMU_PKEY		0xffff
#define IPOIB_EMU_QPN_MASK	0xffffff

struct ipoib_header {
	__be16 proto;
	u16 reserved;
};

/* Per-cpu counters of the cost model, shown by ethtool -S. */
struct ipoib_emu_xstats {
	u64_stats_t tx_gso_packets;	/* GSO packets handed to the device */
	u64_stats_t tx_gso_whole;	/* ... crossing the wire whole */
	u64_stats_t tx_gso_segmented;	/* ... segmented at the wire */
	u64_stats_t tx_wire_frames;	/* frames sent on the wire */
	u64_stats_t rx_wire_frames;	/* frames delivered to this device */
	u64_stats_t rx_gso_packets;	/* ... of them GSO packets (whole) */
	u64_stats_t rx_csum_unnecessary; /* ... marked checksum verified */
	struct u64_stats_sync syncp;
};

static const char ipoib_emu_xstats_names[][ETH_GSTRING_LEN] = {
	"tx_gso_packets",
	"tx_gso_whole",
	"tx_gso_segmented",
	"tx_wire_frames",
	"rx_wire_frames",
	"rx_gso_packets",
	"rx_csum_unnecessary",
};

#define IPOIB_EMU_NXSTATS	ARRAY_SIZE(ipoib_emu_xstats_names)

struct ipoib_emu_priv {
	struct net_device *dev;
	struct ipoib_emu_xstats __percpu *xstats;
	struct hlist_node hnode;	/* ipoib_emu_hash, key qpn; RTNL + RCU */
	struct gro_cells gro_cells;
	u32 qpn;
	u32 index;			/* low 24 bits of the GUID */
	u32 fabric;			/* READ_ONCE in the data path */
	u32 umtu;			/* IB MTU of the UD path */
	u8 cost_model;			/* IPOIB_EMU_COST_*; READ_ONCE */
	bool connected;			/* admin mode: connected */
	bool hashed;
	bool sysfs_group;
};

/* IPv4 broadcast group of P_Key 0xffff, as ib0 shows it once joined. */
static const u8 ipoib_emu_bcast[INFINIBAND_ALEN] = {
	0x00, 0xff, 0xff, 0xff,
	0xff, 0x12, 0x40, 0x1b, 0xff, 0xff, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff
};

/* All devices of all fabrics.  Writers hold RTNL, readers RCU. */
static DEFINE_HASHTABLE(ipoib_emu_hash, 8);
static atomic_t ipoib_emu_next_qpn = ATOMIC_INIT(0x47);
static atomic_t ipoib_emu_next_index = ATOMIC_INIT(0);

static unsigned int default_fabric;
module_param(default_fabric, uint, 0644);
MODULE_PARM_DESC(default_fabric, "Fabric of new devices (default 0)");

static bool default_connected;
module_param(default_connected, bool, 0644);
MODULE_PARM_DESC(default_connected, "New devices start in connected mode");

static unsigned int default_umtu = 2048;
module_param(default_umtu, uint, 0644);
MODULE_PARM_DESC(default_umtu, "IB MTU of new devices: 256..4096 (default 2048)");

static bool tso = true;
module_param(tso, bool, 0444);
MODULE_PARM_DESC(tso, "Offer TSO in datagram mode, like an HCA with UD TSO (default Y)");

static const char * const ipoib_emu_cost_names[] = {
	[IPOIB_EMU_COST_WHOLE_GSO]	= "whole-gso",
	[IPOIB_EMU_COST_WIRE_MTU]	= "wire-mtu",
};

static int default_cost_model = IPOIB_EMU_COST_WHOLE_GSO;

static int ipoib_emu_cost_param_set(const char *val,
				    const struct kernel_param *kp)
{
	int model = sysfs_match_string(ipoib_emu_cost_names, val);

	if (model < 0)
		return model;
	WRITE_ONCE(*(int *)kp->arg, model);
	return 0;
}

static int ipoib_emu_cost_param_get(char *buf, const struct kernel_param *kp)
{
	return scnprintf(buf, PAGE_SIZE, "%s\n",
			 ipoib_emu_cost_names[READ_ONCE(*(int *)kp->arg)]);
}

static const struct kernel_param_ops ipoib_emu_cost_param_ops = {
	.set	= ipoib_emu_cost_param_set,
	.get	= ipoib_emu_cost_param_get,
};

module_param_cb(default_cost_model, &ipoib_emu_cost_param_ops,
		&default_cost_model, 0644);
MODULE_PARM_DESC(default_cost_model,
		 "Cost model of new devices: whole-gso (default: a TSO packet crosses whole) or wire-mtu (segmented at the wire into MTU-sized frames)");

static bool netns_refund;
module_param(netns_refund, bool, 0444);
MODULE_PARM_DESC(netns_refund,
		 "Move devices back to init_net when their namespace dies, like a physical ib0 (default: delete them)");

static bool ipoib_emu_umtu_valid(u32 umtu)
{
	return umtu >= 256 && umtu <= 4096 && is_power_of_2(umtu);
}

static unsigned int ipoib_emu_ud_mtu(const struct ipoib_emu_priv *priv)
{
	return IPOIB_UD_MTU(priv->umtu);
}

static u32 ipoib_emu_addr_qpn(const u8 *addr)
{
	return ((u32)addr[1] << 16 | (u32)addr[2] << 8 | addr[3]);
}

/* flags + QPN, then GID fe80:0:<fabric>:0002:c903:00<index>. */
static void ipoib_emu_make_addr(const struct ipoib_emu_priv *priv,
				u8 addr[INFINIBAND_ALEN])
{
	memset(addr, 0, INFINIBAND_ALEN);
	addr[0] = IPOIB_FLAGS_RC;
	addr[1] = priv->qpn >> 16;
	addr[2] = priv->qpn >> 8;
	addr[3] = priv->qpn;
	addr[4] = 0xfe;
	addr[5] = 0x80;
	addr[8] = priv->fabric >> 24;
	addr[9] = priv->fabric >> 16;
	addr[10] = priv->fabric >> 8;
	addr[11] = priv->fabric;
	addr[12] = 0x00;
	addr[13] = 0x02;
	addr[14] = 0xc9;
	addr[15] = 0x03;
	addr[17] = priv->index >> 16;
	addr[18] = priv->index >> 8;
	addr[19] = priv->index;
}

/* --- header_ops ---------------------------------------------------------- */

static int ipoib_emu_hard_header(struct sk_buff *skb, struct net_device *dev,
				 unsigned short type, const void *daddr,
				 const void *saddr, unsigned int len)
{
	struct ipoib_header *header;
	u8 *phdr;

	header = skb_push(skb, sizeof(*header));
	header->proto = htons(type);
	header->reserved = 0;

	/*
	 * Like ipoib: the destination travels in a pseudo header in front of
	 * the encapsulation header, for ndo_start_xmit to find.
	 */
	phdr = skb_push(skb, IPOIB_PSEUDO_LEN);
	if (!daddr) {
		memset(phdr, 0, IPOIB_PSEUDO_LEN);
		return -IPOIB_HARD_LEN;
	}
	memcpy(phdr, daddr, IPOIB_PSEUDO_LEN);

	return IPOIB_HARD_LEN;
}

static const struct header_ops ipoib_emu_header_ops = {
	.create = ipoib_emu_hard_header,
};

/* --- data path ----------------------------------------------------------- */

static bool ipoib_emu_proto_ok(__be16 proto)
{
	switch (proto) {
	case htons(ETH_P_IP):
	case htons(ETH_P_IPV6):
	case htons(ETH_P_ARP):
	case htons(ETH_P_RARP):
	case htons(ETH_P_TIPC):
		return true;
	default:
		return false;
	}
}

static struct ipoib_emu_priv *ipoib_emu_find(const struct ipoib_emu_priv *self,
					     const u8 *daddr)
{
	u32 qpn = ipoib_emu_addr_qpn(daddr);
	u32 fabric = READ_ONCE(self->fabric);
	struct ipoib_emu_priv *p;

	hash_for_each_possible_rcu(ipoib_emu_hash, p, hnode, qpn) {
		if (p == self || p->qpn != qpn ||
		    READ_ONCE(p->fabric) != fabric)
			continue;
		if (memcmp(p->dev->dev_addr + 4, daddr + 4, 16))
			continue;
		return netif_running(p->dev) ? p : NULL;
	}
	return NULL;
}

/* The sender drops a packet too long for its path, like ipoib_send() and
 * ipoib_cm_send(): count it and tell the source (ipoib_cm_skb_too_long()).
 */
static void ipoib_emu_too_long(struct net_device *dev, struct sk_buff *skb,
			       unsigned int mtu)
{
	DEV_STATS_INC(dev, tx_dropped);
	DEV_STATS_INC(dev, tx_errors);
	net_dbg_ratelimited("%s: packet len %u (> %u) too long to send, dropping\n",
			    dev->name, skb->len, mtu + IPOIB_ENCAP_LEN);

	skb_dst_update_pmtu(skb, mtu);
	if (skb->protocol == htons(ETH_P_IP)) {
		memset(IPCB(skb), 0, sizeof(*IPCB(skb)));
		icmp_send(skb, ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED, htonl(mtu));
	}
#if IS_ENABLED(CONFIG_IPV6)
	else if (skb->protocol == htons(ETH_P_IPV6)) {
		memset(IP6CB(skb), 0, sizeof(*IP6CB(skb)));
		icmpv6_send(skb, ICMPV6_PKT_TOOBIG, 0, mtu);
	}
#endif
	dev_kfree_skb_any(skb);
}

/*
 * Hand one packet (skb->data at the encapsulation header) to @to, as its
 * HCA would: zeroed pseudo header as mac header, protocol from the
 * encapsulation header, pkt_type from the destination.
 */
static void ipoib_emu_deliver(struct ipoib_emu_priv *to, struct sk_buff *skb,
			      const u8 *daddr, bool mcast, bool csum_done)
{
	struct net_device *dev = to->dev;
	__be16 proto = ((struct ipoib_header *)skb->data)->proto;
	struct ipoib_emu_xstats *xs;
	unsigned int len;

	/* The receiver's copy leaves the sender: no socket, no dst, no ct. */
	skb_orphan(skb);
	if (ipoib_emu_forward_prep(dev, skb))
		return;

	/* We rewrite the pseudo header room in front of skb->data. */
	if (skb_cow_head(skb, 0)) {
		dev_core_stats_rx_dropped_inc(dev);
		kfree_skb(skb);
		return;
	}

	skb->dev = dev;
	skb->protocol = proto;
	memset(skb_push(skb, IPOIB_PSEUDO_LEN), 0, IPOIB_PSEUDO_LEN);
	skb_reset_mac_header(skb);
	skb_pull(skb, IPOIB_HARD_LEN);
	skb_reset_network_header(skb);
	skb_reset_mac_len(skb);

	if (!mcast)
		skb->pkt_type = PACKET_HOST;
	else if (!memcmp(daddr + 4, dev->broadcast + 4, 16))
		skb->pkt_type = PACKET_BROADCAST;
	else
		skb->pkt_type = PACKET_MULTICAST;

	/*
	 * The sending "HCA" computed the IPv4 TCP/UDP checksum; a receiver
	 * with rx checksum offload reports it verified (IB_WC_IP_CSUM_OK).
	 * A TSO packet stays one GSO packet with its checksum to fill in,
	 * as veth passes it: the receiving stack accepts it, and segments
	 * and checksums it if it forwards it.  Anything else is left for
	 * the stack to verify.
	 */
	if (!skb_is_gso(skb)) {
		if (csum_done && proto == htons(ETH_P_IP) &&
		    (dev->features & NETIF_F_RXCSUM))
			skb->ip_summed = CHECKSUM_UNNECESSARY;
		else
			skb->ip_summed = CHECKSUM_NONE;
	}

	xs = this_cpu_ptr(to->xstats);
	u64_stats_update_begin(&xs->syncp);
	u64_stats_inc(&xs->rx_wire_frames);
	if (skb_is_gso(skb))
		u64_stats_inc(&xs->rx_gso_packets);
	else if (skb->ip_summed == CHECKSUM_UNNECESSARY)
		u64_stats_inc(&xs->rx_csum_unnecessary);
	u64_stats_update_end(&xs->syncp);

	len = skb->len;
	if (gro_cells_receive(&to->gro_cells, skb) == NET_RX_SUCCESS)
		dev_sw_netstats_rx_add(dev, len);
}

/*
 * One frame on the wire (skb->data at the encapsulation header; a GSO
 * packet only in the whole-gso model): the sending HCA fills in the
 * checksum of a non-GSO packet, then the frame goes to @peer or, if NULL,
 * to every other running device of the fabric.  Under rcu_read_lock().
 */
static void ipoib_emu_send_frame(struct ipoib_emu_priv *priv,
				 struct sk_buff *skb,
				 struct ipoib_emu_priv *peer, const u8 *daddr)
{
	struct net_device *dev = priv->dev;
	struct ipoib_emu_xstats *xs;
	bool csum_done = false;
	struct ipoib_emu_priv *p;
	unsigned int bkt;

	if (skb->ip_summed == CHECKSUM_PARTIAL && !skb_is_gso(skb)) {
		if (skb_checksum_help(skb)) {
			DEV_STATS_INC(dev, tx_dropped);
			dev_kfree_skb_any(skb);
			return;
		}
		csum_done = true;
	}

	dev_sw_netstats_tx_add(dev, skb_is_gso(skb) ?
			       skb_shinfo(skb)->gso_segs : 1, skb->len);
	xs = this_cpu_ptr(priv->xstats);
	u64_stats_update_begin(&xs->syncp);
	u64_stats_inc(&xs->tx_wire_frames);
	u64_stats_update_end(&xs->syncp);

	if (peer) {
		ipoib_emu_deliver(peer, skb, daddr, false, csum_done);
		return;
	}

	hash_for_each_rcu(ipoib_emu_hash, bkt, p, hnode) {
		struct sk_buff *nskb;

		if (p == priv || READ_ONCE(p->fabric) != READ_ONCE(priv->fabric) ||
		    !netif_running(p->dev))
			continue;
		if (skb->len > READ_ONCE(p->umtu)) {
			/* Not a member of a group of this MTU. */
			DEV_STATS_INC(p->dev, rx_length_errors);
			continue;
		}
		nskb = skb_clone(skb, GFP_ATOMIC);
		if (!nskb) {
			dev_core_stats_rx_dropped_inc(p->dev);
			continue;
		}
		ipoib_emu_deliver(p, nskb, daddr, true, csum_done);
	}
	consume_skb(skb);
}

static netdev_tx_t ipoib_emu_xmit(struct sk_buff *skb, struct net_device *dev)
{
	struct ipoib_emu_priv *priv = netdev_priv(dev);
	struct sk_buff *segs, *seg, *next;
	struct ipoib_emu_xstats *xs;
	struct ipoib_emu_priv *peer;
	u8 daddr[INFINIBAND_ALEN];
	bool wire_mtu = false;
	unsigned int limit;
	__be16 proto;
	bool mcast;

	if (unlikely(!pskb_may_pull(skb, IPOIB_HARD_LEN)))
		goto drop;

	memcpy(daddr, skb->data, IPOIB_PSEUDO_LEN);
	skb_pull(skb, IPOIB_PSEUDO_LEN);
	proto = ((struct ipoib_header *)skb->data)->proto;
	if (!ipoib_emu_proto_ok(proto))
		goto drop;	/* ethertype not supported by IPoIB */

	mcast = daddr[4] == 0xff;
	rcu_read_lock();
	if (mcast) {
		/* Multicast always goes over UD, in both modes. */
		daddr[8] = IPOIB_EMU_PKEY >> 8;
		daddr[9] = IPOIB_EMU_PKEY & 0xff;
		peer = NULL;
		limit = READ_ONCE(priv->umtu);
	} else {
		peer = ipoib_emu_find(priv, daddr);
		if (!peer) {
			/* The path query fails: ipoib drops and counts. */
			rcu_read_unlock();
			goto drop;
		}
		if (READ_ONCE(priv->connected) && READ_ONCE(peer->connected) &&
		    (daddr[0] & IPOIB_FLAGS_RC))
			limit = IPOIB_CM_BUF_SIZE;
		else
			limit = min(READ_ONCE(priv->umtu),
				    READ_ONCE(peer->umtu));
	}

	if (unlikely(skb_is_gso(skb) ?
		     !skb_gso_validate_network_len(skb, limit - IPOIB_ENCAP_LEN) :
		     skb->len > limit)) {
		rcu_read_unlock();
		ipoib_emu_too_long(dev, skb, limit - IPOIB_ENCAP_LEN);
		return NETDEV_TX_OK;
	}

	xs = this_cpu_ptr(priv->xstats);
	if (skb_is_gso(skb)) {
		wire_mtu = READ_ONCE(priv->cost_model) == IPOIB_EMU_COST_WIRE_MTU;
		u64_stats_update_begin(&xs->syncp);
		u64_stats_inc(&xs->tx_gso_packets);
		if (wire_mtu)
			u64_stats_inc(&xs->tx_gso_segmented);
		else
			u64_stats_inc(&xs->tx_gso_whole);
		u64_stats_update_end(&xs->syncp);
	}
	if (!wire_mtu) {
		ipoib_emu_send_frame(priv, skb, peer, daddr);
		rcu_read_unlock();
		return NETDEV_TX_OK;
	}

	/*
	 * wire-mtu: the HCA's UD TSO cuts the packet into frames of at most
	 * gso_size (within the MTU); each crosses on its own, its checksum
	 * filled in, and reaches the receiver's GRO.  The segments keep the
	 * encapsulation header (data is there: skb_gso_segment() takes it
	 * as the mac header and copies it into each).
	 */
	segs = skb_gso_segment(skb, dev->features & (NETIF_F_SG | NETIF_F_CSUM_MASK));
	if (IS_ERR(segs)) {
		rcu_read_unlock();
		goto drop;
	}
	if (!segs) {
		ipoib_emu_send_frame(priv, skb, peer, daddr);
		rcu_read_unlock();
		return NETDEV_TX_OK;
	}
	consume_skb(skb);
	skb_list_walk_safe(segs, seg, next) {
		skb_mark_not_on_list(seg);
		ipoib_emu_send_frame(priv, seg, peer, daddr);
	}
	rcu_read_unlock();
	return NETDEV_TX_OK;

drop:
	DEV_STATS_INC(dev, tx_dropped);
	dev_kfree_skb_any(skb);
	return NETDEV_TX_OK;
}

/* --- netdev ops ---------------------------------------------------------- */

static int ipoib_emu_init(struct net_device *dev)
{
	struct ipoib_emu_priv *priv = netdev_priv(dev);
	int err;

	dev->tstats = netdev_alloc_pcpu_stats(struct pcpu_sw_netstats);
	if (!dev->tstats)
		return -ENOMEM;
	priv->xstats = netdev_alloc_pcpu_stats(struct ipoib_emu_xstats);
	if (!priv->xstats) {
		err = -ENOMEM;
		goto err_tstats;
	}

	err = gro_cells_init(&priv->gro_cells, dev);
	if (err)
		goto err_xstats;
	return 0;

err_xstats:
	free_percpu(priv->xstats);
	priv->xstats = NULL;
err_tstats:
	free_percpu(dev->tstats);
	dev->tstats = NULL;
	return err;
}

static void ipoib_emu_uninit(struct net_device *dev)
{
	struct ipoib_emu_priv *priv = netdev_priv(dev);

	ASSERT_RTNL();
	if (priv->hashed) {
		hash_del_rcu(&priv->hnode);
		priv->hashed = false;
	}
}

static void ipoib_emu_destructor(struct net_device *dev)
{
	struct ipoib_emu_priv *priv = netdev_priv(dev);

	gro_cells_destroy(&priv->gro_cells);
	free_percpu(priv->xstats);
	free_percpu(dev->tstats);
}

static int ipoib_emu_open(struct net_device *dev)
{
	netif_carrier_on(dev);
	netif_start_queue(dev);
	return 0;
}

static int ipoib_emu_stop(struct net_device *dev)
{
	netif_stop_queue(dev);
	netif_carrier_off(dev);
	return 0;
}

static int ipoib_emu_change_mtu(struct net_device *dev, int new_mtu)
{
	struct ipoib_emu_priv *priv = netdev_priv(dev);

	/* Same rules as ipoib_change_mtu(). */
	if (priv->connected) {
		if (new_mtu > IPOIB_CM_MTU)
			return -EINVAL;
	} else if (new_mtu < ETH_MIN_MTU + IPOIB_ENCAP_LEN ||
		   new_mtu > ipoib_emu_ud_mtu(priv)) {
		return -EINVAL;
	}
	WRITE_ONCE(dev->mtu, new_mtu);
	return 0;
}

static netdev_features_t ipoib_emu_fix_features(struct net_device *dev,
						netdev_features_t features)
{
	struct ipoib_emu_priv *priv = netdev_priv(dev);

	if (priv->connected)
		features &= ~(NETIF_F_IP_CSUM | NETIF_F_TSO);
	return features;
}

/* Like ipoib_set_mac(): only the GUID may change, and only while down. */
static int ipoib_emu_set_mac(struct net_device *dev, void *addr)
{
	struct sockaddr_storage *ss = addr;

	if (netif_running(dev))
		return -EBUSY;
	if (memcmp(dev->dev_addr, ss->__data, 4 + 8) ||
	    !memchr_inv(ss->__data + 12, 0, 8))
		return -EINVAL;
	dev_addr_mod(dev, 12, ss->__data + 12, 8);
	return 0;
}

static const struct net_device_ops ipoib_emu_netdev_ops = {
	.ndo_init		= ipoib_emu_init,
	.ndo_uninit		= ipoib_emu_uninit,
	.ndo_open		= ipoib_emu_open,
	.ndo_stop		= ipoib_emu_stop,
	.ndo_start_xmit		= ipoib_emu_xmit,
	.ndo_change_mtu		= ipoib_emu_change_mtu,
	.ndo_fix_features	= ipoib_emu_fix_features,
	.ndo_set_mac_address	= ipoib_emu_set_mac,
	.ndo_get_stats64	= dev_get_tstats64,
};

static void ipoib_emu_get_drvinfo(struct net_device *dev,
				  struct ethtool_drvinfo *info)
{
	strscpy(info->driver, DRV_NAME, sizeof(info->driver));
	strscpy(info->bus_info, "emulated", sizeof(info->bus_info));
}

static int ipoib_emu_get_sset_count(struct net_device *dev, int sset)
{
	return sset == ETH_SS_STATS ? IPOIB_EMU_NXSTATS : -EOPNOTSUPP;
}

static void ipoib_emu_get_strings(struct net_device *dev, u32 sset, u8 *data)
{
	if (sset == ETH_SS_STATS)
		memcpy(data, ipoib_emu_xstats_names,
		       sizeof(ipoib_emu_xstats_names));
}

static void ipoib_emu_get_ethtool_stats(struct net_device *dev,
					struct ethtool_stats *stats, u64 *data)
{
	struct ipoib_emu_priv *priv = netdev_priv(dev);
	int cpu;

	memset(data, 0, IPOIB_EMU_NXSTATS * sizeof(*data));
	for_each_possible_cpu(cpu) {
		const struct ipoib_emu_xstats *xs = per_cpu_ptr(priv->xstats, cpu);
		u64 v[IPOIB_EMU_NXSTATS];
		unsigned int start, i;

		do {
			start = u64_stats_fetch_begin(&xs->syncp);
			v[0] = u64_stats_read(&xs->tx_gso_packets);
			v[1] = u64_stats_read(&xs->tx_gso_whole);
			v[2] = u64_stats_read(&xs->tx_gso_segmented);
			v[3] = u64_stats_read(&xs->tx_wire_frames);
			v[4] = u64_stats_read(&xs->rx_wire_frames);
			v[5] = u64_stats_read(&xs->rx_gso_packets);
			v[6] = u64_stats_read(&xs->rx_csum_unnecessary);
		} while (u64_stats_fetch_retry(&xs->syncp, start));
		for (i = 0; i < IPOIB_EMU_NXSTATS; i++)
			data[i] += v[i];
	}
}

static const struct ethtool_ops ipoib_emu_ethtool_ops = {
	.get_drvinfo		= ipoib_emu_get_drvinfo,
	.get_link		= ethtool_op_get_link,
	.get_sset_count		= ipoib_emu_get_sset_count,
	.get_strings		= ipoib_emu_get_strings,
	.get_ethtool_stats	= ipoib_emu_get_ethtool_stats,
};

/* --- configuration (RTNL held) ------------------------------------------- */

static int ipoib_emu_set_mode(struct net_device *dev, bool connected,
			      struct netlink_ext_ack *extack)
{
	struct ipoib_emu_priv *priv = netdev_priv(dev);
	int err;

	ASSERT_RTNL();
	if (priv->connected == connected)
		return 0;

	/* As ipoib_set_mode(): connected takes the CM maximum MTU,
	 * datagram clamps the MTU to the UD MTU.
	 */
	WRITE_ONCE(priv->connected, connected);
	if (connected) {
		dev->max_mtu = IPOIB_CM_MTU;
		netdev_update_features(dev);
		err = dev_set_mtu(dev, IPOIB_CM_MTU);
	} else {
		dev->max_mtu = ipoib_emu_ud_mtu(priv);
		netdev_update_features(dev);
		err = dev_set_mtu(dev, min(dev->mtu, dev->max_mtu));
	}
	if (err)
		NL_SET_ERR_MSG(extack, "Cannot set the MTU of the new mode");
	return err;
}

static int ipoib_emu_set_umtu(struct net_device *dev, u32 umtu,
			      struct netlink_ext_ack *extack)
{
	struct ipoib_emu_priv *priv = netdev_priv(dev);

	ASSERT_RTNL();
	if (!ipoib_emu_umtu_valid(umtu)) {
		NL_SET_ERR_MSG(extack, "IB MTU must be 256, 512, 1024, 2048 or 4096");
		return -EINVAL;
	}
	WRITE_ONCE(priv->umtu, umtu);
	if (priv->connected)
		return 0;
	dev->max_mtu = ipoib_emu_ud_mtu(priv);
	if (dev->mtu > dev->max_mtu && dev_set_mtu(dev, dev->max_mtu)) {
		NL_SET_ERR_MSG(extack, "Cannot lower the MTU to the new IB MTU");
		return -EINVAL;
	}
	return 0;
}

static int ipoib_emu_set_fabric(struct net_device *dev, u32 fabric,
				struct netlink_ext_ack *extack)
{
	struct ipoib_emu_priv *priv = netdev_priv(dev);
	u8 addr[INFINIBAND_ALEN];

	ASSERT_RTNL();
	if (priv->fabric == fabric)
		return 0;
	if (netif_running(dev)) {
		NL_SET_ERR_MSG(extack, "Device must be down to change its fabric");
		return -EBUSY;
	}
	WRITE_ONCE(priv->fabric, fabric);
	ipoib_emu_make_addr(priv, addr);
	dev_addr_mod(dev, 0, addr, INFINIBAND_ALEN);
	call_netdevice_notifiers(NETDEV_CHANGEADDR, dev);
	return 0;
}

/* --- sysfs --------------------------------------------------------------- */

static struct net_device *ipoib_emu_sysfs_lock(struct device *d)
{
	struct net_device *dev = to_net_dev(d);

	if (!ns_capable(dev_net(dev)->user_ns, CAP_NET_ADMIN))
		return ERR_PTR(-EPERM);
	if (!rtnl_trylock())
		return ERR_PTR(restart_syscall());
	if (dev->reg_state != NETREG_REGISTERED) {
		rtnl_unlock();
		return ERR_PTR(-ENODEV);
	}
	return dev;
}

static ssize_t mode_show(struct device *d, struct device_attribute *attr,
			 char *buf)
{
	struct ipoib_emu_priv *priv = netdev_priv(to_net_dev(d));

	return sysfs_emit(buf, "%s\n",
			  READ_ONCE(priv->connected) ? "connected" : "datagram");
}

static ssize_t mode_store(struct device *d, struct device_attribute *attr,
			  const char *buf, size_t count)
{
	struct net_device *dev;
	bool connected;
	int err;

	if (sysfs_streq(buf, "connected"))
		connected = true;
	else if (sysfs_streq(buf, "datagram"))
		connected = false;
	else
		return -EINVAL;

	dev = ipoib_emu_sysfs_lock(d);
	if (IS_ERR(dev))
		return PTR_ERR(dev);
	err = ipoib_emu_set_mode(dev, connected, NULL);
	rtnl_unlock();
	return err ? err : count;
}
static DEVICE_ATTR_RW(mode);

static ssize_t pkey_show(struct device *d, struct device_attribute *attr,
			 char *buf)
{
	return sysfs_emit(buf, "0x%04x\n", IPOIB_EMU_PKEY);
}
static DEVICE_ATTR_RO(pkey);

static ssize_t fabric_show(struct device *d, struct device_attribute *attr,
			   char *buf)
{
	struct ipoib_emu_priv *priv = netdev_priv(to_net_dev(d));

	return sysfs_emit(buf, "%u\n", READ_ONCE(priv->fabric));
}

static ssize_t fabric_store(struct device *d, struct device_attribute *attr,
			    const char *buf, size_t count)
{
	struct net_device *dev;
	u32 fabric;
	int err;

	err = kstrtou32(buf, 0, &fabric);
	if (err)
		return err;
	dev = ipoib_emu_sysfs_lock(d);
	if (IS_ERR(dev))
		return PTR_ERR(dev);
	err = ipoib_emu_set_fabric(dev, fabric, NULL);
	rtnl_unlock();
	return err ? err : count;
}
static DEVICE_ATTR_RW(fabric);

static ssize_t umtu_show(struct device *d, struct device_attribute *attr,
			 char *buf)
{
	struct ipoib_emu_priv *priv = netdev_priv(to_net_dev(d));

	return sysfs_emit(buf, "%u\n", READ_ONCE(priv->umtu));
}

static ssize_t umtu_store(struct device *d, struct device_attribute *attr,
			  const char *buf, size_t count)
{
	struct net_device *dev;
	u32 umtu;
	int err;

	err = kstrtou32(buf, 0, &umtu);
	if (err)
		return err;
	dev = ipoib_emu_sysfs_lock(d);
	if (IS_ERR(dev))
		return PTR_ERR(dev);
	err = ipoib_emu_set_umtu(dev, umtu, NULL);
	rtnl_unlock();
	return err ? err : count;
}
static DEVICE_ATTR_RW(umtu);

static ssize_t cost_model_show(struct device *d,
			       struct device_attribute *attr, char *buf)
{
	struct ipoib_emu_priv *priv = netdev_priv(to_net_dev(d));

	return sysfs_emit(buf, "%s\n",
			  ipoib_emu_cost_names[READ_ONCE(priv->cost_model)]);
}

static ssize_t cost_model_store(struct device *d,
				struct device_attribute *attr,
				const char *buf, size_t count)
{
	struct ipoib_emu_priv *priv;
	struct net_device *dev;
	int model;

	model = sysfs_match_string(ipoib_emu_cost_names, buf);
	if (model < 0)
		return model;
	dev = ipoib_emu_sysfs_lock(d);
	if (IS_ERR(dev))
		return PTR_ERR(dev);
	priv = netdev_priv(dev);
	WRITE_ONCE(priv->cost_model, model);
	rtnl_unlock();
	return count;
}
static DEVICE_ATTR_RW(cost_model);

static ssize_t qpn_show(struct device *d, struct device_attribute *attr,
			char *buf)
{
	struct ipoib_emu_priv *priv = netdev_priv(to_net_dev(d));

	return sysfs_emit(buf, "0x%06x\n", priv->qpn);
}
static DEVICE_ATTR_RO(qpn);

/* Top level, where the real driver has them. */
static struct attribute *ipoib_emu_top_attrs[] = {
	&dev_attr_mode.attr,
	&dev_attr_pkey.attr,
	NULL
};

static const struct attribute_group ipoib_emu_top_group = {
	.attrs = ipoib_emu_top_attrs,
};

/* Emulation settings under /sys/class/net/<dev>/ipoib_emu/. */
static struct attribute *ipoib_emu_attrs[] = {
	&dev_attr_mode.attr,
	&dev_attr_fabric.attr,
	&dev_attr_umtu.attr,
	&dev_attr_qpn.attr,
	&dev_attr_cost_model.attr,
	NULL
};

static const struct attribute_group ipoib_emu_group = {
	.name = DRV_NAME,
	.attrs = ipoib_emu_attrs,
};

/* --- rtnl_link_ops ------------------------------------------------------- */

static void ipoib_emu_setup(struct net_device *dev)
{
	struct ipoib_emu_priv *priv = netdev_priv(dev);
	u32 umtu = READ_ONCE(default_umtu);

	/* As ipoib_setup_common(). */
	dev->header_ops = &ipoib_emu_header_ops;
	dev->netdev_ops = &ipoib_emu_netdev_ops;
	dev->ethtool_ops = &ipoib_emu_ethtool_ops;
	dev->watchdog_timeo = 10 * HZ;
	dev->flags |= IFF_BROADCAST | IFF_MULTICAST;
	dev->hard_header_len = IPOIB_HARD_LEN;
	dev->addr_len = INFINIBAND_ALEN;
	dev->type = ARPHRD_INFINIBAND;
	dev->tx_queue_len = IPOIB_SENDQ_SIZE * 2;
	dev->features = NETIF_F_VLAN_CHALLENGED | NETIF_F_HIGHDMA;
	netif_keep_dst(dev);
	memcpy(dev->broadcast, ipoib_emu_bcast, INFINIBAND_ALEN);
	dev->needs_free_netdev = true;
	dev->priv_destructor = ipoib_emu_destructor;

	/* A UD-offload capable HCA: SG, IPv4 csum, rx csum (ipoib_verbs.c,
	 * ipoib_set_dev_features()).
	 */
	dev->hw_features = NETIF_F_SG | NETIF_F_IP_CSUM | NETIF_F_RXCSUM;
	if (tso)
		dev->hw_features |= NETIF_F_TSO;
	dev->features |= dev->hw_features;

	dev->sysfs_groups[0] = &ipoib_emu_top_group;

	priv->dev = dev;
	priv->umtu = ipoib_emu_umtu_valid(umtu) ? umtu : 2048;
	priv->fabric = READ_ONCE(default_fabric);
	priv->cost_model = READ_ONCE(default_cost_model);

	dev->min_mtu = ETH_MIN_MTU;
	dev->max_mtu = IPOIB_CM_MTU;
	dev->mtu = ipoib_emu_ud_mtu(priv);
}

static const struct nla_policy ipoib_emu_policy[IFLA_IPOIB_EMU_MAX + 1] = {
	[IFLA_IPOIB_EMU_FABRIC]	= { .type = NLA_U32 },
	[IFLA_IPOIB_EMU_MODE]	= { .type = NLA_U16 },
	[IFLA_IPOIB_EMU_UMTU]	= { .type = NLA_U32 },
	[IFLA_IPOIB_EMU_PKEY]	= { .type = NLA_U16 },
	[IFLA_IPOIB_EMU_QPN]	= { .type = NLA_U32 },
	[IFLA_IPOIB_EMU_COST_MODEL] = { .type = NLA_U8 },
};

static int ipoib_emu_validate(struct nlattr *tb[], struct nlattr *data[],
			      struct netlink_ext_ack *extack)
{
	if (tb[IFLA_ADDRESS] && nla_len(tb[IFLA_ADDRESS]) != INFINIBAND_ALEN) {
		NL_SET_ERR_MSG_ATTR(extack, tb[IFLA_ADDRESS],
				    "IPoIB addresses are 20 bytes");
		return -EINVAL;
	}
	if (!data)
		return 0;
	if (data[IFLA_IPOIB_EMU_MODE] &&
	    nla_get_u16(data[IFLA_IPOIB_EMU_MODE]) > IPOIB_EMU_MODE_CONNECTED) {
		NL_SET_ERR_MSG_ATTR(extack, data[IFLA_IPOIB_EMU_MODE],
				    "Mode must be datagram (0) or connected (1)");
		return -EINVAL;
	}
	if (data[IFLA_IPOIB_EMU_UMTU] &&
	    !ipoib_emu_umtu_valid(nla_get_u32(data[IFLA_IPOIB_EMU_UMTU]))) {
		NL_SET_ERR_MSG_ATTR(extack, data[IFLA_IPOIB_EMU_UMTU],
				    "IB MTU must be 256, 512, 1024, 2048 or 4096");
		return -EINVAL;
	}
	if (data[IFLA_IPOIB_EMU_PKEY] &&
	    nla_get_u16(data[IFLA_IPOIB_EMU_PKEY]) != IPOIB_EMU_PKEY) {
		NL_SET_ERR_MSG_ATTR(extack, data[IFLA_IPOIB_EMU_PKEY],
				    "Only the default P_Key 0xffff is emulated");
		return -EINVAL;
	}
	if (data[IFLA_IPOIB_EMU_QPN]) {
		NL_SET_ERR_MSG_ATTR(extack, data[IFLA_IPOIB_EMU_QPN],
				    "The QPN is read only");
		return -EINVAL;
	}
	if (data[IFLA_IPOIB_EMU_COST_MODEL] &&
	    nla_get_u8(data[IFLA_IPOIB_EMU_COST_MODEL]) >
	    IPOIB_EMU_COST_WIRE_MTU) {
		NL_SET_ERR_MSG_ATTR(extack, data[IFLA_IPOIB_EMU_COST_MODEL],
				    "Cost model must be whole-gso (0) or wire-mtu (1)");
		return -EINVAL;
	}
	return 0;
}

int ipoib_emu_newlink(struct net *src_net, struct net_device *dev,
		      struct nlattr *tb[], struct nlattr *data[],
		      struct netlink_ext_ack *extack)
{
	struct ipoib_emu_priv *priv = netdev_priv(dev);
	bool connected = READ_ONCE(default_connected);
	u8 addr[INFINIBAND_ALEN];
	int err;

	if (data && data[IFLA_IPOIB_EMU_FABRIC])
		priv->fabric = nla_get_u32(data[IFLA_IPOIB_EMU_FABRIC]);
	if (data && data[IFLA_IPOIB_EMU_UMTU])
		priv->umtu = nla_get_u32(data[IFLA_IPOIB_EMU_UMTU]);
	if (data && data[IFLA_IPOIB_EMU_MODE])
		connected = nla_get_u16(data[IFLA_IPOIB_EMU_MODE]) ==
			    IPOIB_EMU_MODE_CONNECTED;
	if (data && data[IFLA_IPOIB_EMU_COST_MODEL])
		priv->cost_model = nla_get_u8(data[IFLA_IPOIB_EMU_COST_MODEL]);
	priv->connected = connected;

	if (connected) {
		if (!tb[IFLA_MTU])
			dev->mtu = IPOIB_CM_MTU;
	} else {
		dev->max_mtu = ipoib_emu_ud_mtu(priv);
		if (!tb[IFLA_MTU]) {
			dev->mtu = dev->max_mtu;
		} else if (dev->mtu > dev->max_mtu ||
			   dev->mtu < ETH_MIN_MTU + IPOIB_ENCAP_LEN) {
			NL_SET_ERR_MSG_ATTR(extack, tb[IFLA_MTU],
					    "MTU out of range for datagram mode");
			return -EINVAL;
		}
	}
	if (connected)
		dev->features &= ~(NETIF_F_IP_CSUM | NETIF_F_TSO);

	priv->qpn = (u32)atomic_inc_return(&ipoib_emu_next_qpn) &
		    IPOIB_EMU_QPN_MASK;
	if (priv->qpn == IPOIB_EMU_QPN_MASK)	/* the multicast QPN */
		priv->qpn = (u32)atomic_inc_return(&ipoib_emu_next_qpn) &
			    IPOIB_EMU_QPN_MASK;
	priv->index = (u32)atomic_inc_return(&ipoib_emu_next_index);

	ipoib_emu_make_addr(priv, addr);
	if (tb[IFLA_ADDRESS]) {
		const u8 *want = nla_data(tb[IFLA_ADDRESS]);

		/* Keep our QPN; take the GID asked for, if unicast. */
		if (want[4] == 0xff || !memchr_inv(want + 4, 0, 16)) {
			NL_SET_ERR_MSG_ATTR(extack, tb[IFLA_ADDRESS],
					    "The GID must be a unicast GID");
			return -EINVAL;
		}
		memcpy(addr + 4, want + 4, 16);
	}
	dev_addr_set(dev, addr);

	err = register_netdevice(dev);
	if (err)
		return err;

	err = sysfs_create_group(&dev->dev.kobj, &ipoib_emu_group);
	if (err) {
		unregister_netdevice(dev);
		return err;
	}
	priv->sysfs_group = true;

	hash_add_rcu(ipoib_emu_hash, &priv->hnode, priv->qpn);
	priv->hashed = true;
	return 0;
}

static void ipoib_emu_dellink(struct net_device *dev, struct list_head *head)
{
	struct ipoib_emu_priv *priv = netdev_priv(dev);

	if (priv->sysfs_group) {
		sysfs_remove_group(&dev->dev.kobj, &ipoib_emu_group);
		priv->sysfs_group = false;
	}
	unregister_netdevice_queue(dev, head);
}

static int ipoib_emu_changelink(struct net_device *dev, struct nlattr *tb[],
				struct nlattr *data[],
				struct netlink_ext_ack *extack)
{
	int err;

	if (!data)
		return 0;
	if (data[IFLA_IPOIB_EMU_COST_MODEL]) {
		struct ipoib_emu_priv *priv = netdev_priv(dev);

		WRITE_ONCE(priv->cost_model,
			   nla_get_u8(data[IFLA_IPOIB_EMU_COST_MODEL]));
	}
	if (data[IFLA_IPOIB_EMU_FABRIC]) {
		err = ipoib_emu_set_fabric(dev,
					   nla_get_u32(data[IFLA_IPOIB_EMU_FABRIC]),
					   extack);
		if (err)
			return err;
	}
	if (data[IFLA_IPOIB_EMU_UMTU]) {
		err = ipoib_emu_set_umtu(dev,
					 nla_get_u32(data[IFLA_IPOIB_EMU_UMTU]),
					 extack);
		if (err)
			return err;
	}
	if (data[IFLA_IPOIB_EMU_MODE]) {
		err = ipoib_emu_set_mode(dev,
					 nla_get_u16(data[IFLA_IPOIB_EMU_MODE]) ==
					 IPOIB_EMU_MODE_CONNECTED, extack);
		if (err)
			return err;
	}
	return 0;
}

static size_t ipoib_emu_get_size(const struct net_device *dev)
{
	return nla_total_size(sizeof(u32)) +	/* FABRIC */
	       nla_total_size(sizeof(u16)) +	/* MODE */
	       nla_total_size(sizeof(u32)) +	/* UMTU */
	       nla_total_size(sizeof(u16)) +	/* PKEY */
	       nla_total_size(sizeof(u32)) +	/* QPN */
	       nla_total_size(sizeof(u8));	/* COST_MODEL */
}

static int ipoib_emu_fill_info(struct sk_buff *skb,
			       const struct net_device *dev)
{
	struct ipoib_emu_priv *priv = netdev_priv(dev);

	if (nla_put_u32(skb, IFLA_IPOIB_EMU_FABRIC, READ_ONCE(priv->fabric)) ||
	    nla_put_u16(skb, IFLA_IPOIB_EMU_MODE,
			READ_ONCE(priv->connected) ? IPOIB_EMU_MODE_CONNECTED :
						     IPOIB_EMU_MODE_DATAGRAM) ||
	    nla_put_u32(skb, IFLA_IPOIB_EMU_UMTU, READ_ONCE(priv->umtu)) ||
	    nla_put_u16(skb, IFLA_IPOIB_EMU_PKEY, IPOIB_EMU_PKEY) ||
	    nla_put_u32(skb, IFLA_IPOIB_EMU_QPN, priv->qpn) ||
	    nla_put_u8(skb, IFLA_IPOIB_EMU_COST_MODEL,
		       READ_ONCE(priv->cost_model)))
		return -EMSGSIZE;
	return 0;
}

static struct rtnl_link_ops ipoib_emu_link_ops __read_mostly = {
	.kind		= DRV_NAME,
	.maxtype	= IFLA_IPOIB_EMU_MAX,
	.policy		= ipoib_emu_policy,
	.priv_size	= sizeof(struct ipoib_emu_priv),
	.setup		= ipoib_emu_setup,
	.validate	= ipoib_emu_validate,
	.newlink	= ipoib_emu_compat_newlink,
	.dellink	= ipoib_emu_dellink,
	.changelink	= ipoib_emu_changelink,
	.get_size	= ipoib_emu_get_size,
	.fill_info	= ipoib_emu_fill_info,
};

static int __init ipoib_emu_module_init(void)
{
	ipoib_emu_link_ops.netns_refund = netns_refund;
	return rtnl_link_register(&ipoib_emu_link_ops);
}

static void __exit ipoib_emu_module_exit(void)
{
	rtnl_link_unregister(&ipoib_emu_link_ops);
	rcu_barrier();
}

module_init(ipoib_emu_module_init);
module_exit(ipoib_emu_module_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Emulated IPoIB netdevices for tests");
MODULE_ALIAS_RTNL_LINK(DRV_NAME);
