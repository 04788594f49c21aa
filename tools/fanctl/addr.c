// SPDX-License-Identifier: GPL-2.0
/* fanctl: IPv4 addresses over rtnetlink. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>

#include "fanctl.h"

struct addr_ctx {
	struct addr_info *v;
	int n, cap;
};

static int addr_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(attr);

	if (type <= IFA_MAX)
		tb[type] = attr;
	return MNL_CB_OK;
}

static int addr_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[IFA_MAX + 1] = { 0 };
	struct addr_ctx *d = data;
	const struct nlattr *a;
	uint32_t flags;

	if (nlh->nlmsg_type != RTM_NEWADDR || ifa->ifa_family != AF_INET)
		return 0;
	mnl_attr_parse(nlh, sizeof(*ifa), addr_attr_cb, tb);
	a = tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
	if (!a || mnl_attr_get_payload_len(a) != 4)
		return 0;
	flags = tb[IFA_FLAGS] ? mnl_attr_get_u32(tb[IFA_FLAGS]) : ifa->ifa_flags;
	if (d->n == d->cap) {
		int cap = d->cap ? d->cap * 2 : 16;
		struct addr_info *v = realloc(d->v, (size_t)cap * sizeof(*v));

		if (!v) {
			errno = ENOMEM;
			return -1;
		}
		d->v = v;
		d->cap = cap;
	}
	d->v[d->n].ifindex = (int)ifa->ifa_index;
	d->v[d->n].local = ntohl(mnl_attr_get_u32(a));
	d->v[d->n].address = d->v[d->n].local;
	if (tb[IFA_ADDRESS] && mnl_attr_get_payload_len(tb[IFA_ADDRESS]) == 4)
		d->v[d->n].address = ntohl(mnl_attr_get_u32(tb[IFA_ADDRESS]));
	d->v[d->n].prefixlen = ifa->ifa_prefixlen;
	d->v[d->n].secondary = flags & IFA_F_SECONDARY;
	d->v[d->n].noprefixroute = flags & IFA_F_NOPREFIXROUTE;
	d->n++;
	return 0;
}

int addr_dump(struct addr_info **out)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = nl_msg(buf, RTM_GETADDR, NLM_F_DUMP);
	struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	struct addr_ctx d = { 0 };
	int ret;

	ifa->ifa_family = AF_INET;
	ret = nl_talk(nlh, addr_cb, &d);
	if (ret < 0) {
		free(d.v);
		return ret;
	}
	*out = d.v;
	return d.n;
}

int addr_primary(int ifindex, uint32_t *addr)
{
	struct addr_info *v;
	int n, i, ret = -EADDRNOTAVAIL;

	n = addr_dump(&v);
	if (n < 0)
		return n;
	for (i = 0; i < n; i++)
		if (v[i].ifindex == ifindex && !v[i].secondary) {
			*addr = v[i].local;
			ret = 0;
			break;
		}
	free(v);
	return ret;
}

int addr_add(int ifindex, uint32_t addr, uint8_t len, bool del)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = nl_msg(buf, del ? RTM_DELADDR : RTM_NEWADDR,
				      del ? 0 : NLM_F_CREATE | NLM_F_EXCL);
	struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));

	ifa->ifa_family = AF_INET;
	ifa->ifa_prefixlen = len;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = (unsigned int)ifindex;
	mnl_attr_put_u32(nlh, IFA_LOCAL, htonl(addr));
	mnl_attr_put_u32(nlh, IFA_ADDRESS, htonl(addr));
	if (!del && len < 31)
		mnl_attr_put_u32(nlh, IFA_BROADCAST, htonl(addr | ~fan_mask(len)));
	return nl_talk(nlh, NULL, NULL);
}
