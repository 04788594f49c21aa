// SPDX-License-Identifier: GPL-2.0
/*
 * fanctl: the rtnetlink socket (libmnl), request/ack and extended acks.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <libmnl/libmnl.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "fanctl.h"

#ifndef NETLINK_EXT_ACK
#define NETLINK_EXT_ACK 11
#endif
#ifndef NETLINK_CAP_ACK
#define NETLINK_CAP_ACK 10
#endif

static struct mnl_socket *nl;
static unsigned int nl_seq, nl_portid;
static char extack[512];

int nl_open(void)
{
	int one = 1;

	if (nl)
		return 0;
	nl = mnl_socket_open(NETLINK_ROUTE);
	if (!nl) {
		err_msg("cannot open rtnetlink socket: %s", strerror(errno));
		return -1;
	}
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		err_msg("cannot bind rtnetlink socket: %s", strerror(errno));
		mnl_socket_close(nl);
		nl = NULL;
		return -1;
	}
	/* Best effort: old kernels lack them; errors still work. */
	mnl_socket_setsockopt(nl, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(nl, NETLINK_CAP_ACK, &one, sizeof(one));
	nl_portid = mnl_socket_get_portid(nl);
	nl_seq = (unsigned int)time(NULL);
	return 0;
}

void nl_close(void)
{
	if (nl)
		mnl_socket_close(nl);
	nl = NULL;
}

const char *nl_extack(void)
{
	return extack;
}

struct nlmsghdr *nl_msg(void *buf, uint16_t type, uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = ++nl_seq;
	return nlh;
}

static int extack_attr_cb(const struct nlattr *attr, void *data)
{
	(void)data;
	if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_MSG &&
	    mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) >= 0)
		snprintf(extack, sizeof(extack), "%s", mnl_attr_get_str(attr));
	return MNL_CB_OK;
}

static void parse_extack(const struct nlmsghdr *nlh, const struct nlmsgerr *e)
{
	unsigned int off = sizeof(*e);

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - sizeof(struct nlmsghdr);
	if (mnl_nlmsg_get_payload_len(nlh) <= off)
		return;
	mnl_attr_parse(nlh, off, extack_attr_cb, NULL);
}

static int err_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);

	(void)data;
	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*e))) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	parse_extack(nlh, e);
	if (e->error) {
		errno = e->error < 0 ? -e->error : e->error;
		return MNL_CB_ERROR;
	}
	return MNL_CB_STOP;
}

static int done_cb(const struct nlmsghdr *nlh, void *data)
{
	(void)data;
	if (mnl_nlmsg_get_payload_len(nlh) >= sizeof(int)) {
		int err = *(const int *)mnl_nlmsg_get_payload(nlh);

		if (err < 0) {
			const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);

			if (mnl_nlmsg_get_payload_len(nlh) >= sizeof(*e))
				parse_extack(nlh, e);
			errno = -err;
			return MNL_CB_ERROR;
		}
	}
	return MNL_CB_STOP;
}

static int noop_cb(const struct nlmsghdr *nlh, void *data)
{
	(void)nlh;
	(void)data;
	return MNL_CB_OK;
}

static int overrun_cb(const struct nlmsghdr *nlh, void *data)
{
	(void)nlh;
	(void)data;
	errno = ENOSPC;
	return MNL_CB_ERROR;
}

struct cb_wrap {
	nl_cb_t cb;
	void *data;
};

static int data_cb(const struct nlmsghdr *nlh, void *data)
{
	struct cb_wrap *w = data;

	if (!w->cb)
		return MNL_CB_OK;
	return w->cb(nlh, w->data) < 0 ? MNL_CB_ERROR : MNL_CB_OK;
}

int nl_talk(struct nlmsghdr *nlh, nl_cb_t cb, void *data)
{
	static mnl_cb_t ctl[NLMSG_MIN_TYPE];
	static char buf[NL_BUFSZ];
	struct cb_wrap w = { cb, data };
	unsigned int seq = nlh->nlmsg_seq;
	ssize_t n;
	int ret;

	ctl[NLMSG_NOOP] = noop_cb;
	ctl[NLMSG_ERROR] = err_cb;
	ctl[NLMSG_DONE] = done_cb;
	ctl[NLMSG_OVERRUN] = overrun_cb;
	extack[0] = 0;
	if (nl_open())
		return -EIO;
	/* NLM_F_EXCL shares a bit with NLM_F_DUMP: test both dump bits. */
	if ((nlh->nlmsg_flags & NLM_F_DUMP) != NLM_F_DUMP)
		nlh->nlmsg_flags |= NLM_F_ACK;
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	for (;;) {
		n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		if (n < 0)
			return -errno;
		errno = 0;
		ret = mnl_cb_run2(buf, (size_t)n, seq, nl_portid, data_cb, &w,
				  ctl, NLMSG_MIN_TYPE);
		if (ret == MNL_CB_ERROR)
			return errno ? -errno : -EIO;
		if (ret == MNL_CB_STOP)
			return 0;
	}
}

void nl_perror(int err, const char *fmt, ...)
{
	char what[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (err < 0)
		err = -err;
	if (extack[0])
		err_msg("%s: %s (kernel: %s)", what, strerror(err), extack);
	else
		err_msg("%s: %s", what, strerror(err));
}
