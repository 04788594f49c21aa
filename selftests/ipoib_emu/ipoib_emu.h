/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * Netlink attributes of the "ipoib_emu" link kind (test-only IPoIB
 * netdevice emulation).  All are optional on RTM_NEWLINK; iproute2 cannot
 * send them for an unknown kind, so every setting can also be made through
 * sysfs (/sys/class/net/<dev>/mode, /sys/class/net/<dev>/ipoib_emu/...) or
 * defaulted from module parameters.
 */
#ifndef _IPOIB_EMU_H
#define _IPOIB_EMU_H

enum {
	IFLA_IPOIB_EMU_UNSPEC,
	IFLA_IPOIB_EMU_FABRIC,	/* u32: devices on one fabric reach each other */
	IFLA_IPOIB_EMU_MODE,	/* u16: IPOIB_EMU_MODE_* */
	IFLA_IPOIB_EMU_UMTU,	/* u32: IB (UD) MTU: 256..4096, power of two */
	IFLA_IPOIB_EMU_PKEY,	/* u16, read only: always 0xffff */
	IFLA_IPOIB_EMU_QPN,	/* u32, read only: the device's QP number */
	IFLA_IPOIB_EMU_COST_MODEL, /* u8: IPOIB_EMU_COST_* of what it sends */
	__IFLA_IPOIB_EMU_MAX
};

#define IFLA_IPOIB_EMU_MAX (__IFLA_IPOIB_EMU_MAX - 1)

/* Same values as IPOIB_MODE_* in <linux/if_link.h>. */
enum {
	IPOIB_EMU_MODE_DATAGRAM = 0,
	IPOIB_EMU_MODE_CONNECTED = 1,
};

/*
 * What the emulated wire carries of a TSO (GSO) packet the device is given
 * (the sender's setting decides):
 *  WHOLE_GSO: the GSO packet crosses whole, still CHECKSUM_PARTIAL, as
 *	veth passes it: the receiver pays once per 64 KB, not per frame.
 *  WIRE_MTU: the "HCA" segments it into frames of at most the device MTU
 *	(skb_gso_segment), fills in each checksum and the receiver gets
 *	each frame CHECKSUM_UNNECESSARY (rx csum offload on) through its
 *	GRO, as a real HCA with UD TSO delivers them.
 */
enum {
	IPOIB_EMU_COST_WHOLE_GSO = 0,
	IPOIB_EMU_COST_WIRE_MTU = 1,
};

#endif /* _IPOIB_EMU_H */
