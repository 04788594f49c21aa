// SPDX-License-Identifier: GPL-2.0
/* fanctl: IPv4 routes over rtnetlink. */
#include <errno.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>

#include "fanctl.h"

struct route_q {
	bool want_default;
	uint32_t dst;
	uint8_t len;
	/* results */
	bool found;
	int oif;
	uint32_t prio;
};

static int rt_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(attr);

	if (type <= RTA_MAX)
		tb[type] = attr;
	return MNL_CB_OK;
}

static int route_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[RTA_MAX + 1] = { 0 };
	struct route_q *q = data;
	uint32_t table, dst = 0, prio = 0;
	int oif = 0;

	if (nlh->nlmsg_type != RTM_NEWROUTE || rtm->rtm_family != AF_INET)
		return 0;
	mnl_attr_parse(nlh, sizeof(*rtm), rt_attr_cb, tb);
	table = tb[RTA_TABLE] ? mnl_attr_get_u32(tb[RTA_TABLE]) : rtm->rtm_table;
	if (table != RT_TABLE_MAIN || rtm->rtm_type != RTN_UNICAST)
		return 0;
	if (tb[RTA_DST])
		dst = ntohl(mnl_attr_get_u32(tb[RTA_DST]));
	if (tb[RTA_PRIORITY])
		prio = mnl_attr_get_u32(tb[RTA_PRIORITY]);
	if (tb[RTA_OIF]) {
		oif = (int)mnl_attr_get_u32(tb[RTA_OIF]);
	} else if (tb[RTA_MULTIPATH] &&
		   mnl_attr_get_payload_len(tb[RTA_MULTIPATH]) >= sizeof(struct rtnexthop)) {
		const struct rtnexthop *nh = mnl_attr_get_payload(tb[RTA_MULTIPATH]);

		oif = nh->rtnh_ifindex;
	}
	if (q->want_default) {
		if (rtm->rtm_dst_len != 0 || !oif)
			return 0;
	} else if (rtm->rtm_dst_len != q->len || dst != q->dst) {
		return 0;
	}
	if (q->found && prio >= q->prio)
		return 0;
	q->found = true;
	q->oif = oif;
	q->prio = prio;
	return 0;
}

static int route_query(struct route_q *q)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = nl_msg(buf, RTM_GETROUTE, NLM_F_DUMP);
	struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));

	rtm->rtm_family = AF_INET;
	return nl_talk(nlh, route_cb, q);
}

int route_default_dev(int *ifindex)
{
	struct route_q q = { .want_default = true };
	int ret = route_query(&q);

	if (ret < 0)
		return ret;
	if (!q.found)
		return -ENETUNREACH;
	*ifindex = q.oif;
	return 0;
}

int route_find(uint32_t dst, uint8_t len, int *oif)
{
	struct route_q q = { .dst = dst, .len = len };
	int ret = route_query(&q);

	if (ret < 0)
		return ret;
	if (!q.found)
		return 0;
	if (oif)
		*oif = q.oif;
	return 1;
}

static int route_msg(uint32_t dst, uint8_t len, int oif, uint32_t src, bool del,
		     uint16_t flags)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = nl_msg(buf, del ? RTM_DELROUTE : RTM_NEWROUTE, flags);
	struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));

	rtm->rtm_family = AF_INET;
	rtm->rtm_dst_len = len;
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_protocol = FANCTL_RTPROT;
	rtm->rtm_scope = del ? RT_SCOPE_NOWHERE : RT_SCOPE_LINK;
	rtm->rtm_type = RTN_UNICAST;
	mnl_attr_put_u32(nlh, RTA_DST, htonl(dst));
	if (oif)
		mnl_attr_put_u32(nlh, RTA_OIF, (uint32_t)oif);
	if (src && !del)
		mnl_attr_put_u32(nlh, RTA_PREFSRC, htonl(src));
	return nl_talk(nlh, NULL, NULL);
}

int route_change(uint32_t dst, uint8_t len, int oif, uint32_t src, bool del)
{
	return route_msg(dst, len, oif, src, del, del ? 0 : NLM_F_CREATE | NLM_F_EXCL);
}

int route_replace(uint32_t dst, uint8_t len, int oif, uint32_t src)
{
	return route_msg(dst, len, oif, src, false, NLM_F_CREATE | NLM_F_REPLACE);
}
