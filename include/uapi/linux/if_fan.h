/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * Fan networking: rtnetlink attributes of the "fan" link kind.
 *
 * A fan device carries one or more maps.  A map pairs an overlay prefix
 * (e.g. 250.0.0.0/8) with an underlay prefix (e.g. 10.7.0.0/16): overlay
 * address 250.A.B.x lives on underlay host U.U.A.B and reaches it in IPIP.
 */
#ifndef _UAPI_LINUX_IF_FAN_H
#define _UAPI_LINUX_IF_FAN_H

#include <linux/types.h>

/* Most maps one device carries. */
#define FAN_MAX_MAPS		16

/* IFLA_FAN_TOS value meaning "copy the inner TOS" (as ipip's "tos inherit"). */
#define FAN_TOS_INHERIT		1

/* Attributes nested in IFLA_INFO_DATA. */
enum {
	IFLA_FAN_UNSPEC,
	IFLA_FAN_LINK,		/* u32: underlay ifindex; 0 = any (route decides) */
	IFLA_FAN_TTL,		/* u8: outer TTL; 0 = copy the inner TTL (default) */
	IFLA_FAN_TOS,		/* u8: outer TOS; FAN_TOS_INHERIT (default) copies */
	IFLA_FAN_PMTUDISC,	/* u8: 1 (default) outer DF always, as ipip;
				 * 0 copies the inner DF
				 */
	IFLA_FAN_STRICT,	/* u8: 1 (default) inner source must be in the
				 * slice its outer source owns
				 */
	IFLA_FAN_MAPS,		/* nest of IFLA_FAN_MAP: the whole map set.
				 * In changelink it replaces the set atomically.
				 */
	IFLA_FAN_MAP_ADD,	/* nest of IFLA_FAN_MAP: changelink adds these */
	IFLA_FAN_MAP_DEL,	/* nest of IFLA_FAN_MAP: changelink removes these */
	__IFLA_FAN_MAX
};

#define IFLA_FAN_MAX	(__IFLA_FAN_MAX - 1)

/* Inside IFLA_FAN_MAPS / _MAP_ADD / _MAP_DEL: one IFLA_FAN_MAP per map. */
enum {
	IFLA_FAN_MAP_UNSPEC,
	IFLA_FAN_MAP,		/* nest of IFLA_FAN_MAP_* */
	__IFLA_FAN_MAP_LIST_MAX
};

#define IFLA_FAN_MAP_LIST_MAX	(__IFLA_FAN_MAP_LIST_MAX - 1)

/* Inside IFLA_FAN_MAP. Addresses are IPv4, network byte order. */
enum {
	IFLA_FAN_MAP_ATTR_UNSPEC,
	IFLA_FAN_MAP_OVERLAY,		/* __be32 */
	IFLA_FAN_MAP_OVERLAY_LEN,	/* u8: prefix length */
	IFLA_FAN_MAP_UNDERLAY,		/* __be32 */
	IFLA_FAN_MAP_UNDERLAY_LEN,	/* u8: prefix length */
	IFLA_FAN_MAP_MODE,		/* u8: enum fan_map_mode; absent: IPIP */
	__IFLA_FAN_MAP_ATTR_MAX
};

#define IFLA_FAN_MAP_ATTR_MAX	(__IFLA_FAN_MAP_ATTR_MAX - 1)

/*
 * How a map reaches the host that owns a destination.  IPIP wraps the
 * packet in one IPv4 header to that host.  DIRECT hands the packet itself
 * to that host as the next hop on the fan's lower device: for a flat
 * underlay (every host of the underlay prefix on-link there), where the
 * packet keeps the lower device's TSO and checksum offload.
 */
enum fan_map_mode {
	FAN_MAP_MODE_IPIP,
	FAN_MAP_MODE_DIRECT,
	__FAN_MAP_MODE_MAX
};

#define FAN_MAP_MODE_MAX	(__FAN_MAP_MODE_MAX - 1)

/*
 * Per-reason counters, dumped as u64 attributes nested in IFLA_INFO_XSTATS
 * (RTM_GETLINK) and as ethtool statistics with the names in comments.
 * New counters go at the end: the numbers are uAPI.
 */
enum {
	FAN_XSTATS_UNSPEC,
	FAN_XSTATS_PAD,
	FAN_XSTATS_TX_NO_MAP,		/* tx_no_map: no map for inner dst */
	FAN_XSTATS_TX_BAD_HOST,		/* tx_bad_host: host part all 0 / 1 */
	FAN_XSTATS_TX_TO_SELF,		/* tx_to_self: maps to this host */
	FAN_XSTATS_TX_NO_ROUTE,		/* tx_no_route: underlay unroutable */
	FAN_XSTATS_TX_NOT_IPV4,		/* tx_not_ipv4: not an IPv4 packet */
	FAN_XSTATS_TX_FRAG_NEEDED,	/* tx_frag_needed: ICMP sent back */
	FAN_XSTATS_RX_SPOOFED,		/* rx_spoofed: inner src not in slice */
	FAN_XSTATS_RX_MALFORMED,	/* rx_malformed: bad inner header */
	FAN_XSTATS_RX_BAD_DST,		/* rx_bad_dst: bcast/mcast/slice bcast */
	FAN_XSTATS_RX_ECN,		/* rx_ecn: ECN decapsulation error */
	FAN_XSTATS_RX_POLICY,		/* rx_policy: inbound IPsec policy */
	FAN_XSTATS_TX_FORGED,		/* tx_forged: direct map, source
					 * not this host's slice or address
					 */
	FAN_XSTATS_RX_PLAIN,		/* rx_plain: IPIP map, overlay source
					 * arrived unencapsulated
					 */
	FAN_XSTATS_ERR_NOT_RELAYED,	/* err_not_relayed: ICMP error from
					 * the underlay about a fan packet
					 * not passed on to the inner sender
					 */
	__FAN_XSTATS_MAX
};

#define FAN_XSTATS_MAX	(__FAN_XSTATS_MAX - 1)

#endif /* _UAPI_LINUX_IF_FAN_H */
