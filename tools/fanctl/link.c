// SPDX-License-Identifier: GPL-2.0
/*
 * fanctl: links over rtnetlink: the fan device (kind "fan", its maps and
 * counters) and the slice bridge.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>

#include "fanctl.h"

const char *const xstats_names[XSTATS_N] = {
	[FAN_XSTATS_TX_NO_MAP] = "tx_no_map",
	[FAN_XSTATS_TX_BAD_HOST] = "tx_bad_host",
	[FAN_XSTATS_TX_TO_SELF] = "tx_to_self",
	[FAN_XSTATS_TX_NO_ROUTE] = "tx_no_route",
	[FAN_XSTATS_TX_NOT_IPV4] = "tx_not_ipv4",
	[FAN_XSTATS_TX_FRAG_NEEDED] = "tx_frag_needed",
	[FAN_XSTATS_RX_SPOOFED] = "rx_spoofed",
	[FAN_XSTATS_RX_MALFORMED] = "rx_malformed",
	[FAN_XSTATS_RX_BAD_DST] = "rx_bad_dst",
	[FAN_XSTATS_RX_ECN] = "rx_ecn",
	[FAN_XSTATS_RX_POLICY] = "rx_policy",
	[FAN_XSTATS_TX_FORGED] = "tx_forged",
	[FAN_XSTATS_RX_PLAIN] = "rx_plain",
	[FAN_XSTATS_ERR_NOT_RELAYED] = "err_not_relayed",
};

void map_from_conf(const struct fan_conf *c, struct fan_map_nl *m)
{
	m->overlay = c->map.overlay;
	m->overlay_len = c->map.overlay_len;
	m->underlay = c->map.underlay;
	m->underlay_len = c->map.underlay_len;
	m->mode = (uint8_t)c->mode;
}

const struct fan_map_nl *fan_find_map(const struct link_info *li, const struct fan_map_nl *m)
{
	int i;

	for (i = 0; i < li->nmaps; i++)
		if (li->maps[i].overlay == m->overlay &&
		    li->maps[i].overlay_len == m->overlay_len &&
		    li->maps[i].underlay == m->underlay &&
		    li->maps[i].underlay_len == m->underlay_len)
			return &li->maps[i];
	return NULL;
}

bool fan_has_map(const struct link_info *li, const struct fan_map_nl *m)
{
	return fan_find_map(li, m) != NULL;
}

/* ---- parsing RTM_NEWLINK ---- */

struct attrs {
	const struct nlattr *tb[IFLA_MAX + 1 > 64 ? IFLA_MAX + 1 : 64];
	int max;
};

static int attr_cb(const struct nlattr *attr, void *data)
{
	struct attrs *a = data;
	int type = mnl_attr_get_type(attr);

	if (type <= a->max)
		a->tb[type] = attr;
	return MNL_CB_OK;
}

static void nest_parse(const struct nlattr *nest, struct attrs *a, int max)
{
	memset(a, 0, sizeof(*a));
	a->max = max;
	mnl_attr_parse_nested(nest, attr_cb, a);
}

static void parse_fan_map(const struct nlattr *nest, struct link_info *li)
{
	struct attrs m;
	struct fan_map_nl *fm;

	if (li->nmaps >= (int)(sizeof(li->maps) / sizeof(li->maps[0])))
		return;
	nest_parse(nest, &m, IFLA_FAN_MAP_ATTR_MAX);
	if (!m.tb[IFLA_FAN_MAP_OVERLAY] || !m.tb[IFLA_FAN_MAP_OVERLAY_LEN] ||
	    !m.tb[IFLA_FAN_MAP_UNDERLAY] || !m.tb[IFLA_FAN_MAP_UNDERLAY_LEN])
		return;
	fm = &li->maps[li->nmaps++];
	fm->overlay = ntohl(mnl_attr_get_u32(m.tb[IFLA_FAN_MAP_OVERLAY]));
	fm->overlay_len = mnl_attr_get_u8(m.tb[IFLA_FAN_MAP_OVERLAY_LEN]);
	fm->underlay = ntohl(mnl_attr_get_u32(m.tb[IFLA_FAN_MAP_UNDERLAY]));
	fm->underlay_len = mnl_attr_get_u8(m.tb[IFLA_FAN_MAP_UNDERLAY_LEN]);
	/* a module without modes dumps none: its maps are IPIP */
	fm->mode = m.tb[IFLA_FAN_MAP_MODE] ? mnl_attr_get_u8(m.tb[IFLA_FAN_MAP_MODE]) :
		   FAN_MAP_MODE_IPIP;
}

static void parse_fan_data(const struct nlattr *data, struct link_info *li)
{
	struct attrs d;
	const struct nlattr *pos;

	nest_parse(data, &d, IFLA_FAN_MAX);
	if (d.tb[IFLA_FAN_LINK])
		li->fan_link = mnl_attr_get_u32(d.tb[IFLA_FAN_LINK]);
	if (d.tb[IFLA_FAN_MAPS])
		mnl_attr_for_each_nested(pos, d.tb[IFLA_FAN_MAPS])
			if (mnl_attr_get_type(pos) == IFLA_FAN_MAP)
				parse_fan_map(pos, li);
}

static void parse_fan_xstats(const struct nlattr *x, struct link_info *li)
{
	const struct nlattr *pos;

	li->have_xstats = true;
	mnl_attr_for_each_nested(pos, x) {
		int t = mnl_attr_get_type(pos);

		if (t > FAN_XSTATS_PAD && t <= FAN_XSTATS_MAX &&
		    mnl_attr_get_payload_len(pos) == sizeof(uint64_t))
			li->xstats[t] = mnl_attr_get_u64(pos);
	}
}

static int parse_link(const struct nlmsghdr *nlh, struct link_info *li)
{
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	struct attrs a, info;

	memset(li, 0, sizeof(*li));
	memset(&a, 0, sizeof(a));
	a.max = IFLA_MAX;
	mnl_attr_parse(nlh, sizeof(*ifi), attr_cb, &a);
	li->ifindex = ifi->ifi_index;
	li->flags = ifi->ifi_flags;
	if (a.tb[IFLA_IFNAME])
		snprintf(li->name, sizeof(li->name), "%s", mnl_attr_get_str(a.tb[IFLA_IFNAME]));
	if (a.tb[IFLA_IFALIAS])
		snprintf(li->alias, sizeof(li->alias), "%.*s",
			 (int)mnl_attr_get_payload_len(a.tb[IFLA_IFALIAS]),
			 (const char *)mnl_attr_get_payload(a.tb[IFLA_IFALIAS]));
	if (a.tb[IFLA_MTU])
		li->mtu = mnl_attr_get_u32(a.tb[IFLA_MTU]);
	if (a.tb[IFLA_MASTER])
		li->master = (int)mnl_attr_get_u32(a.tb[IFLA_MASTER]);
	/*
	 * The struct grows at its end (5.19 added rx_otherhost_dropped):
	 * an older kernel sends less than our headers' size, a newer one
	 * more.  Take what both know, as ip does; the rest stays zero.
	 */
	if (a.tb[IFLA_STATS64] &&
	    mnl_attr_get_payload_len(a.tb[IFLA_STATS64]) >=
	    offsetof(struct rtnl_link_stats64, tx_dropped) + sizeof(__u64)) {
		size_t n = mnl_attr_get_payload_len(a.tb[IFLA_STATS64]);
		struct rtnl_link_stats64 st = { 0 };

		memcpy(&st, mnl_attr_get_payload(a.tb[IFLA_STATS64]),
		       n < sizeof(st) ? n : sizeof(st));
		li->rx_packets = st.rx_packets;
		li->tx_packets = st.tx_packets;
		li->rx_bytes = st.rx_bytes;
		li->tx_bytes = st.tx_bytes;
		li->rx_dropped = st.rx_dropped;
		li->tx_dropped = st.tx_dropped;
		li->rx_errors = st.rx_errors;
		li->tx_errors = st.tx_errors;
	}
	if (a.tb[IFLA_LINKINFO]) {
		nest_parse(a.tb[IFLA_LINKINFO], &info, IFLA_INFO_MAX);
		if (info.tb[IFLA_INFO_KIND])
			snprintf(li->kind, sizeof(li->kind), "%s",
				 mnl_attr_get_str(info.tb[IFLA_INFO_KIND]));
		li->is_fan = !strcmp(li->kind, "fan");
		if (li->is_fan && info.tb[IFLA_INFO_DATA])
			parse_fan_data(info.tb[IFLA_INFO_DATA], li);
		if (li->is_fan && info.tb[IFLA_INFO_XSTATS])
			parse_fan_xstats(info.tb[IFLA_INFO_XSTATS], li);
	}
	return 0;
}

struct dump_ctx {
	struct link_info *v;
	int n, cap;
};

static int dump_cb(const struct nlmsghdr *nlh, void *data)
{
	struct dump_ctx *d = data;

	if (nlh->nlmsg_type != RTM_NEWLINK)
		return 0;
	if (d->n == d->cap) {
		int cap = d->cap ? d->cap * 2 : 16;
		struct link_info *v = realloc(d->v, (size_t)cap * sizeof(*v));

		if (!v) {
			errno = ENOMEM;
			return -1;
		}
		d->v = v;
		d->cap = cap;
	}
	return parse_link(nlh, &d->v[d->n++]);
}

int link_dump(struct link_info **out)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = nl_msg(buf, RTM_GETLINK, NLM_F_DUMP);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	struct dump_ctx d = { 0 };
	int ret;

	ifi->ifi_family = AF_UNSPEC;
	ret = nl_talk(nlh, dump_cb, &d);
	if (ret < 0) {
		free(d.v);
		return ret;
	}
	*out = d.v;
	return d.n;
}

static int get_cb(const struct nlmsghdr *nlh, void *data)
{
	if (nlh->nlmsg_type != RTM_NEWLINK)
		return 0;
	return parse_link(nlh, data);
}

int link_get(int ifindex, const char *name, struct link_info *li)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = nl_msg(buf, RTM_GETLINK, 0);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	int ret;

	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	if (name)
		mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	memset(li, 0, sizeof(*li));
	ret = nl_talk(nlh, get_cb, li);
	if (ret == 0 && li->ifindex == 0)
		ret = -ENODEV;
	return ret;
}

static struct nlmsghdr *link_msg(void *buf, uint16_t type, uint16_t flags, int ifindex,
				 struct ifinfomsg **ifip)
{
	struct nlmsghdr *nlh = nl_msg(buf, type, flags);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));

	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	if (ifip)
		*ifip = ifi;
	return nlh;
}

int link_set_up(int ifindex, bool up)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct ifinfomsg *ifi;
	struct nlmsghdr *nlh = link_msg(buf, RTM_NEWLINK, 0, ifindex, &ifi);

	ifi->ifi_change = IFF_UP;
	ifi->ifi_flags = up ? IFF_UP : 0;
	return nl_talk(nlh, NULL, NULL);
}

int link_delete(int ifindex)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = link_msg(buf, RTM_DELLINK, 0, ifindex, NULL);

	return nl_talk(nlh, NULL, NULL);
}

int link_set_alias_mtu(int ifindex, const char *alias, unsigned int mtu)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = link_msg(buf, RTM_NEWLINK, 0, ifindex, NULL);

	if (alias)
		mnl_attr_put_strz(nlh, IFLA_IFALIAS, alias);
	if (mtu)
		mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
	return nl_talk(nlh, NULL, NULL);
}

/*
 * The fan carries IPv4 only: without this the kernel gives it an IPv6
 * link-local address (it is ARPHRD_NONE, as WireGuard) whose router
 * solicitations and MLD reports the fan would count as drops.  A kernel
 * booted with ipv6.disable=1 has no AF_INET6 to configure: nothing to do.
 */
int link_set_no_ipv6_ll(int ifindex)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = link_msg(buf, RTM_NEWLINK, 0, ifindex, NULL);
	struct nlattr *spec, *inet6;
	int ret;

	spec = mnl_attr_nest_start(nlh, IFLA_AF_SPEC);
	inet6 = mnl_attr_nest_start(nlh, AF_INET6);
	mnl_attr_put_u8(nlh, IFLA_INET6_ADDR_GEN_MODE, IN6_ADDR_GEN_MODE_NONE);
	mnl_attr_nest_end(nlh, inet6);
	mnl_attr_nest_end(nlh, spec);
	ret = nl_talk(nlh, NULL, NULL);
	return ret == -EAFNOSUPPORT ? 0 : ret;
}

static void put_map(struct nlmsghdr *nlh, uint16_t list_type, const struct fan_map_nl *m)
{
	struct nlattr *list = mnl_attr_nest_start(nlh, list_type);
	struct nlattr *map = mnl_attr_nest_start(nlh, IFLA_FAN_MAP);

	mnl_attr_put_u32(nlh, IFLA_FAN_MAP_OVERLAY, htonl(m->overlay));
	mnl_attr_put_u8(nlh, IFLA_FAN_MAP_OVERLAY_LEN, m->overlay_len);
	mnl_attr_put_u32(nlh, IFLA_FAN_MAP_UNDERLAY, htonl(m->underlay));
	mnl_attr_put_u8(nlh, IFLA_FAN_MAP_UNDERLAY_LEN, m->underlay_len);
	/*
	 * Only a direct map says so: IPIP is the kernel's default, and a
	 * module that predates modes refuses an attribute it does not know.
	 * A map is deleted by its prefixes alone.
	 */
	if (m->mode != FAN_MAP_MODE_IPIP && list_type != IFLA_FAN_MAP_DEL)
		mnl_attr_put_u8(nlh, IFLA_FAN_MAP_MODE, m->mode);
	mnl_attr_nest_end(nlh, map);
	mnl_attr_nest_end(nlh, list);
}

int fan_create(const char *name, uint32_t link, const struct fan_map_nl *m)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = link_msg(buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, 0, NULL);
	struct nlattr *info, *data;

	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "fan");
	data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	mnl_attr_put_u32(nlh, IFLA_FAN_LINK, link);
	put_map(nlh, IFLA_FAN_MAPS, m);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, info);
	return nl_talk(nlh, NULL, NULL);
}

int fan_map_change(int ifindex, const struct fan_map_nl *m, bool add)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = link_msg(buf, RTM_NEWLINK, 0, ifindex, NULL);
	struct nlattr *info, *data;

	info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "fan");
	data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	put_map(nlh, add ? IFLA_FAN_MAP_ADD : IFLA_FAN_MAP_DEL, m);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, info);
	return nl_talk(nlh, NULL, NULL);
}

void bridge_mac(uint32_t bridge_addr, unsigned char mac[6])
{
	mac[0] = 0x02;	/* locally administered, unicast */
	mac[1] = 0xfa;
	mac[2] = (unsigned char)(bridge_addr >> 24);
	mac[3] = (unsigned char)(bridge_addr >> 16);
	mac[4] = (unsigned char)(bridge_addr >> 8);
	mac[5] = (unsigned char)bridge_addr;
}

/*
 * An address given at creation is the admin's (NET_ADDR_SET): the bridge
 * then keeps it, instead of taking the lowest address among its ports
 * whenever one joins or leaves (br_stp_recalculate_bridge_id()), which
 * leaves the containers' ARP entries for the gateway stale (LXD #7744).
 */
int bridge_create(const char *name, unsigned int mtu, const unsigned char *mac)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = link_msg(buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, 0, NULL);
	struct nlattr *info, *data;

	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	if (mtu)
		mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
	if (mac)
		mnl_attr_put(nlh, IFLA_ADDRESS, 6, mac);
	info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "bridge");
	data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	mnl_attr_put_u32(nlh, IFLA_BR_FORWARD_DELAY, 0);
	mnl_attr_put_u32(nlh, IFLA_BR_STP_STATE, 0);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, info);
	return nl_talk(nlh, NULL, NULL);
}
