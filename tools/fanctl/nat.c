// SPDX-License-Identifier: GPL-2.0
/*
 * fanctl: the fan's nftables rules, with libnftnl.  Table "ip fanctl":
 *
 *	chain postrouting (type nat, hook postrouting, priority srcnat):
 *	ip saddr SLICE ip daddr != OVERLAY masquerade comment "fanctl O S"
 *
 *	chains raw-prerouting, raw-output (type filter, priority raw):
 *	ip protocol ipip ip saddr UNDERLAY ip daddr UNDERLAY notrack
 *	comment "fanctl O S"
 *
 * The notrack rules (option notrack) keep conntrack off the fan's outer
 * IPIP packets: on a host where conntrack is active (every Docker host)
 * each of them is otherwise looked up in, and kept in, the conntrack table
 * as a protocol-4 flow between the two hosts, for nothing (the inner
 * packet is tracked when it is forwarded).  Not the default: the two
 * chains cost every packet of the host more than they save where
 * conntrack is not active.  make bench measures both.
 *
 * Rules are found again by their chain and comment; a chain goes with its
 * last rule, the table with its last chain.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nf_tables.h>
#include <libnftnl/table.h>
#include <libnftnl/chain.h>
#include <libnftnl/rule.h>
#include <libnftnl/expr.h>
#include <libnftnl/udata.h>
#include <libnftnl/batch.h>
#include <libnftnl/common.h>

#include "fanctl.h"

#ifndef NETLINK_EXT_ACK
#define NETLINK_EXT_ACK 11
#endif

static struct mnl_socket *nft;
static uint32_t nft_seq;
static char nft_extack[512];

static int nft_open(void)
{
	struct timeval tv = { .tv_sec = 5 };
	int one = 1;

	if (nft)
		return 0;
	nft = mnl_socket_open(NETLINK_NETFILTER);
	if (!nft || mnl_socket_bind(nft, 0, MNL_SOCKET_AUTOPID) < 0) {
		int e = errno;

		if (nft)
			mnl_socket_close(nft);
		nft = NULL;
		return -e;
	}
	mnl_socket_setsockopt(nft, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(mnl_socket_get_fd(nft), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (!nft_seq)
		nft_seq = (uint32_t)time(NULL);
	return 0;
}

void nat_comment(const struct fan_conf *c, char *buf, size_t len)
{
	char o[PFXSTR_LEN], s[PFXSTR_LEN];

	snprintf(buf, len, "%s %s %s", FANCTL_ALIAS,
		 prefix_str(c->map.overlay, c->map.overlay_len, o),
		 prefix_str(c->slice, c->slice_len, s));
}

static int ack_attr_cb(const struct nlattr *attr, void *data)
{
	(void)data;
	if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_MSG &&
	    mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) >= 0)
		snprintf(nft_extack, sizeof(nft_extack), "%s", mnl_attr_get_str(attr));
	return MNL_CB_OK;
}

/* Send a batch and collect @expect acks; returns 0 or the first -errno. */
static int nft_send_batch(struct mnl_nlmsg_batch *b, int expect)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	int first_err = 0, acks = 0;
	unsigned int portid = mnl_socket_get_portid(nft);

	nft_extack[0] = 0;
	if (mnl_socket_sendto(nft, mnl_nlmsg_batch_head(b), mnl_nlmsg_batch_size(b)) < 0)
		return -errno;
	while (acks < expect) {
		ssize_t n = mnl_socket_recvfrom(nft, buf, sizeof(buf));
		const struct nlmsghdr *nlh = (const struct nlmsghdr *)buf;
		int len = (int)n;

		if (n < 0)
			return first_err ? first_err : -errno;
		for (; mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len)) {
			const struct nlmsgerr *e;
			unsigned int off;

			if (nlh->nlmsg_pid != portid || nlh->nlmsg_type != NLMSG_ERROR)
				continue;
			e = mnl_nlmsg_get_payload(nlh);
			acks++;
			if (e->error && !first_err) {
				first_err = e->error;
				off = sizeof(*e);
				if (nlh->nlmsg_flags & NLM_F_ACK_TLVS) {
					if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
						off += e->msg.nlmsg_len - sizeof(struct nlmsghdr);
					if (mnl_nlmsg_get_payload_len(nlh) > off)
						mnl_attr_parse(nlh, off, ack_attr_cb, NULL);
				}
			}
		}
	}
	return first_err;
}

static void nft_perror(int err, const char *what)
{
	if (err < 0)
		err = -err;
	if (nft_extack[0])
		err_msg("nftables: %s: %s (kernel: %s)", what, strerror(err), nft_extack);
	else
		err_msg("nftables: %s: %s", what, strerror(err));
}

/* ---- the rules: where they go and what they say ---- */

struct rule_kind {
	const char *chain;
	const char *type;
	uint32_t hook;
	int32_t prio;
	void (*build)(struct nftnl_rule *r, const struct fan_conf *c);
};

static void build_masq(struct nftnl_rule *r, const struct fan_conf *c);
static void build_notrack(struct nftnl_rule *r, const struct fan_conf *c);

static const struct rule_kind nat_kind[] = {
	{ FANCTL_NFT_CHAIN, "nat", NF_INET_POST_ROUTING, 100, build_masq },
};

/* Outer packets in (to this host) and out (sent by this host). */
static const struct rule_kind notrack_kind[] = {
	{ "raw-prerouting", "filter", NF_INET_PRE_ROUTING, -300, build_notrack },
	{ "raw-output", "filter", NF_INET_LOCAL_OUT, -300, build_notrack },
};

#define NKINDS(k) (sizeof(k) / sizeof((k)[0]))

/* ---- listing our rules ---- */

#define MAX_RULES 256

struct rule_list {
	int total;		/* rules in the table */
	int nmatch;
	struct {
		char chain[NFT_CHAIN_MAXNAMELEN];
		uint64_t handle;
	} match[MAX_RULES];
	const char *want;	/* comment to match; NULL: any fanctl rule */
	const struct rule_kind *kinds;	/* chains to match; NULL: any */
	size_t nkinds;
	bool overflow;
	struct {
		char name[NFT_CHAIN_MAXNAMELEN];
		int total, nmatch;
	} chains[8];		/* the table's chains that have rules */
	int nchains;
};

static int chain_slot(struct rule_list *rl, const char *chain)
{
	int i;

	for (i = 0; i < rl->nchains; i++)
		if (!strcmp(rl->chains[i].name, chain))
			return i;
	if (rl->nchains == (int)(sizeof(rl->chains) / sizeof(rl->chains[0])))
		return -1;
	snprintf(rl->chains[i].name, sizeof(rl->chains[i].name), "%s", chain);
	rl->chains[i].total = 0;
	rl->chains[i].nmatch = 0;
	return rl->nchains++;
}

static int udata_cb(const struct nftnl_udata *attr, void *data)
{
	const struct nftnl_udata **tb = data;
	uint8_t type = nftnl_udata_type(attr);

	if (type == NFTNL_UDATA_RULE_COMMENT)
		tb[type] = attr;
	return 0;
}

static bool chain_wanted(const struct rule_list *rl, const char *chain)
{
	size_t i;

	if (!rl->kinds)
		return true;
	for (i = 0; i < rl->nkinds; i++)
		if (!strcmp(rl->kinds[i].chain, chain))
			return true;
	return false;
}

static int rule_cb(const struct nlmsghdr *nlh, void *data)
{
	struct rule_list *rl = data;
	const struct nftnl_udata *tb[NFTNL_UDATA_RULE_MAX + 1] = { 0 };
	struct nftnl_rule *r = nftnl_rule_alloc();
	const char *chain;
	const void *ud;
	uint32_t len = 0;
	char comment[256] = "";
	int slot;

	if (!r)
		return MNL_CB_ERROR;
	if (nftnl_rule_nlmsg_parse(nlh, r) < 0) {
		nftnl_rule_free(r);
		return MNL_CB_OK;
	}
	rl->total++;
	chain = nftnl_rule_get_str(r, NFTNL_RULE_CHAIN);
	slot = chain ? chain_slot(rl, chain) : -1;
	if (slot >= 0)
		rl->chains[slot].total++;
	ud = nftnl_rule_get_data(r, NFTNL_RULE_USERDATA, &len);
	if (ud && nftnl_udata_parse(ud, len, udata_cb, tb) >= 0 && tb[NFTNL_UDATA_RULE_COMMENT]) {
		uint8_t l = nftnl_udata_len(tb[NFTNL_UDATA_RULE_COMMENT]);

		snprintf(comment, sizeof(comment), "%.*s", (int)l,
			 (const char *)nftnl_udata_get(tb[NFTNL_UDATA_RULE_COMMENT]));
	}
	if (chain && chain_wanted(rl, chain) &&
	    ((rl->want && !strcmp(comment, rl->want)) ||
	     (!rl->want && !strncmp(comment, FANCTL_ALIAS " ", strlen(FANCTL_ALIAS) + 1)))) {
		if (rl->nmatch < MAX_RULES && slot >= 0) {
			rl->chains[slot].nmatch++;
			snprintf(rl->match[rl->nmatch].chain, sizeof(rl->match[0].chain),
				 "%s", chain);
			rl->match[rl->nmatch++].handle =
				nftnl_rule_get_u64(r, NFTNL_RULE_HANDLE);
		} else {
			rl->overflow = true;
		}
	}
	nftnl_rule_free(r);
	return MNL_CB_OK;
}

/* List the rules of our table; returns 0, or -ENOENT if there is none. */
static int nft_list_rules(struct rule_list *rl)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nftnl_rule *r;
	struct nlmsghdr *nlh;
	uint32_t seq = ++nft_seq;
	unsigned int portid;
	int ret;

	ret = nft_open();
	if (ret < 0)
		return ret;
	portid = mnl_socket_get_portid(nft);
	r = nftnl_rule_alloc();
	if (!r)
		return -ENOMEM;
	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, FANCTL_NFT_TABLE);
	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETRULE, NFPROTO_IPV4, NLM_F_DUMP, seq);
	nftnl_rule_nlmsg_build_payload(nlh, r);
	nftnl_rule_free(r);
	if (mnl_socket_sendto(nft, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(nft, buf, sizeof(buf));

		if (n < 0)
			return -errno;
		errno = 0;
		ret = mnl_cb_run(buf, (size_t)n, seq, portid, rule_cb, rl);
		if (ret < 0)
			return errno ? -errno : -EIO;
		if (ret == MNL_CB_STOP)
			return rl->overflow ? -E2BIG : 0;
	}
}

/* 1 if the fan's rule is in every chain of @kinds, 0 if not, or -errno. */
static int rules_exist(const struct fan_conf *c, const struct rule_kind *kinds,
		       size_t nkinds)
{
	char comment[128];
	struct rule_list rl = { .want = comment, .kinds = kinds, .nkinds = nkinds };
	size_t i;
	int j, ret;

	nat_comment(c, comment, sizeof(comment));
	ret = nft_list_rules(&rl);
	if (ret == -ENOENT)
		return 0;
	if (ret < 0)
		return ret;
	for (i = 0; i < nkinds; i++) {
		for (j = 0; j < rl.nmatch; j++)
			if (!strcmp(rl.match[j].chain, kinds[i].chain))
				break;
		if (j == rl.nmatch)
			return 0;
	}
	return 1;
}

int nat_rule_exists(const struct fan_conf *c)
{
	return rules_exist(c, nat_kind, NKINDS(nat_kind));
}

int notrack_rules_exist(const struct fan_conf *c)
{
	return rules_exist(c, notrack_kind, NKINDS(notrack_kind));
}

/* ---- building ---- */

static void add_payload(struct nftnl_rule *r, uint32_t offset, uint32_t len)
{
	struct nftnl_expr *e = nftnl_expr_alloc("payload");

	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_DREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE, NFT_PAYLOAD_NETWORK_HEADER);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, offset);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, len);
	nftnl_rule_add_expr(r, e);
}

static void add_cmp(struct nftnl_rule *r, const void *val, uint32_t len,
		    enum nft_cmp_ops op)
{
	struct nftnl_expr *e = nftnl_expr_alloc("cmp");

	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, op);
	nftnl_expr_set(e, NFTNL_EXPR_CMP_DATA, val, len);
	nftnl_rule_add_expr(r, e);
}

static void add_prefix_cmp(struct nftnl_rule *r, uint32_t net, unsigned int len,
			   enum nft_cmp_ops op)
{
	struct nftnl_expr *e = nftnl_expr_alloc("bitwise");
	uint32_t mask = htonl(fan_mask(len)), xor = 0, val = htonl(net);

	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_DREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_LEN, sizeof(uint32_t));
	nftnl_expr_set(e, NFTNL_EXPR_BITWISE_MASK, &mask, sizeof(mask));
	nftnl_expr_set(e, NFTNL_EXPR_BITWISE_XOR, &xor, sizeof(xor));
	nftnl_rule_add_expr(r, e);
	add_cmp(r, &val, sizeof(val), op);
}

/* ip saddr SLICE ip daddr != OVERLAY masquerade */
static void build_masq(struct nftnl_rule *r, const struct fan_conf *c)
{
	add_payload(r, 12, 4);
	add_prefix_cmp(r, c->slice, c->slice_len, NFT_CMP_EQ);
	add_payload(r, 16, 4);
	add_prefix_cmp(r, c->map.overlay, c->map.overlay_len, NFT_CMP_NEQ);
	nftnl_rule_add_expr(r, nftnl_expr_alloc("masq"));
}

/* ip protocol ipip ip saddr UNDERLAY ip daddr UNDERLAY notrack */
static void build_notrack(struct nftnl_rule *r, const struct fan_conf *c)
{
	uint8_t ipip = IPPROTO_IPIP;

	add_payload(r, 9, 1);
	add_cmp(r, &ipip, sizeof(ipip), NFT_CMP_EQ);
	add_payload(r, 12, 4);
	add_prefix_cmp(r, c->map.underlay, c->map.underlay_len, NFT_CMP_EQ);
	add_payload(r, 16, 4);
	add_prefix_cmp(r, c->map.underlay, c->map.underlay_len, NFT_CMP_EQ);
	nftnl_rule_add_expr(r, nftnl_expr_alloc("notrack"));
}

static void batch_next(struct mnl_nlmsg_batch *b)
{
	mnl_nlmsg_batch_next(b);
}

/* The table, each kind's chain and the fan's rule in it, in one batch. */
static int rules_add(const struct fan_conf *c, const struct rule_kind *kinds,
		     size_t nkinds, const char *what)
{
	static char buf[64 * 1024];
	struct mnl_nlmsg_batch *b;
	struct nftnl_table *t;
	struct nlmsghdr *nlh;
	char comment[128];
	size_t i;
	int ret;

	ret = nft_open();
	if (ret < 0) {
		nft_perror(ret, "cannot open netlink socket");
		return ret;
	}
	nat_comment(c, comment, sizeof(comment));
	b = mnl_nlmsg_batch_start(buf, sizeof(buf));
	nftnl_batch_begin(mnl_nlmsg_batch_current(b), ++nft_seq);
	batch_next(b);

	t = nftnl_table_alloc();
	nftnl_table_set_str(t, NFTNL_TABLE_NAME, FANCTL_NFT_TABLE);
	nftnl_table_set_u32(t, NFTNL_TABLE_FAMILY, NFPROTO_IPV4);
	nlh = nftnl_nlmsg_build_hdr(mnl_nlmsg_batch_current(b), NFT_MSG_NEWTABLE,
				    NFPROTO_IPV4, NLM_F_CREATE | NLM_F_ACK, ++nft_seq);
	nftnl_table_nlmsg_build_payload(nlh, t);
	nftnl_table_free(t);
	batch_next(b);

	for (i = 0; i < nkinds; i++) {
		struct nftnl_chain *ch = nftnl_chain_alloc();
		struct nftnl_udata_buf *ud;
		struct nftnl_rule *r;

		nftnl_chain_set_str(ch, NFTNL_CHAIN_TABLE, FANCTL_NFT_TABLE);
		nftnl_chain_set_str(ch, NFTNL_CHAIN_NAME, kinds[i].chain);
		nftnl_chain_set_str(ch, NFTNL_CHAIN_TYPE, kinds[i].type);
		nftnl_chain_set_u32(ch, NFTNL_CHAIN_HOOKNUM, kinds[i].hook);
		nftnl_chain_set_s32(ch, NFTNL_CHAIN_PRIO, kinds[i].prio);
		nlh = nftnl_nlmsg_build_hdr(mnl_nlmsg_batch_current(b), NFT_MSG_NEWCHAIN,
					    NFPROTO_IPV4, NLM_F_CREATE | NLM_F_ACK, ++nft_seq);
		nftnl_chain_nlmsg_build_payload(nlh, ch);
		nftnl_chain_free(ch);
		batch_next(b);

		r = nftnl_rule_alloc();
		nftnl_rule_set_str(r, NFTNL_RULE_TABLE, FANCTL_NFT_TABLE);
		nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, kinds[i].chain);
		nftnl_rule_set_u32(r, NFTNL_RULE_FAMILY, NFPROTO_IPV4);
		kinds[i].build(r, c);
		ud = nftnl_udata_buf_alloc(NFT_USERDATA_MAXLEN);
		nftnl_udata_put_strz(ud, NFTNL_UDATA_RULE_COMMENT, comment);
		nftnl_rule_set_data(r, NFTNL_RULE_USERDATA, nftnl_udata_buf_data(ud),
				    nftnl_udata_buf_len(ud));
		nftnl_udata_buf_free(ud);
		nlh = nftnl_nlmsg_build_hdr(mnl_nlmsg_batch_current(b), NFT_MSG_NEWRULE,
					    NFPROTO_IPV4,
					    NLM_F_CREATE | NLM_F_APPEND | NLM_F_ACK, ++nft_seq);
		nftnl_rule_nlmsg_build_payload(nlh, r);
		nftnl_rule_free(r);
		batch_next(b);
	}

	nftnl_batch_end(mnl_nlmsg_batch_current(b), ++nft_seq);
	batch_next(b);
	ret = nft_send_batch(b, 1 + 2 * (int)nkinds);
	mnl_nlmsg_batch_stop(b);
	if (ret < 0)
		nft_perror(ret, what);
	return ret;
}

int nat_add(const struct fan_conf *c)
{
	return rules_add(c, nat_kind, NKINDS(nat_kind), "cannot add the masquerade rule");
}

int notrack_add(const struct fan_conf *c)
{
	return rules_add(c, notrack_kind, NKINDS(notrack_kind),
			 "cannot add the notrack rules");
}

/*
 * Delete the rules of @rl and the chains they leave empty (an empty base
 * chain still costs every packet), or the whole table with @del_table.
 */
static int rules_delete(const struct rule_list *rl, bool del_table)
{
	static char buf[64 * 1024];
	struct mnl_nlmsg_batch *b;
	struct nlmsghdr *nlh;
	int i, ret, n = 0;

	b = mnl_nlmsg_batch_start(buf, sizeof(buf));
	nftnl_batch_begin(mnl_nlmsg_batch_current(b), ++nft_seq);
	batch_next(b);
	for (i = 0; i < rl->nmatch && !del_table; i++) {
		struct nftnl_rule *r = nftnl_rule_alloc();

		nftnl_rule_set_str(r, NFTNL_RULE_TABLE, FANCTL_NFT_TABLE);
		nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, rl->match[i].chain);
		nftnl_rule_set_u64(r, NFTNL_RULE_HANDLE, rl->match[i].handle);
		nlh = nftnl_nlmsg_build_hdr(mnl_nlmsg_batch_current(b), NFT_MSG_DELRULE,
					    NFPROTO_IPV4, NLM_F_ACK, ++nft_seq);
		nftnl_rule_nlmsg_build_payload(nlh, r);
		nftnl_rule_free(r);
		batch_next(b);
		n++;
	}
	for (i = 0; i < rl->nchains && !del_table; i++) {
		struct nftnl_chain *ch;

		if (!rl->chains[i].nmatch || rl->chains[i].nmatch != rl->chains[i].total)
			continue;
		ch = nftnl_chain_alloc();
		nftnl_chain_set_str(ch, NFTNL_CHAIN_TABLE, FANCTL_NFT_TABLE);
		nftnl_chain_set_str(ch, NFTNL_CHAIN_NAME, rl->chains[i].name);
		nlh = nftnl_nlmsg_build_hdr(mnl_nlmsg_batch_current(b), NFT_MSG_DELCHAIN,
					    NFPROTO_IPV4, NLM_F_ACK, ++nft_seq);
		nftnl_chain_nlmsg_build_payload(nlh, ch);
		nftnl_chain_free(ch);
		batch_next(b);
		n++;
	}
	if (del_table) {
		struct nftnl_table *t = nftnl_table_alloc();

		nftnl_table_set_str(t, NFTNL_TABLE_NAME, FANCTL_NFT_TABLE);
		nftnl_table_set_u32(t, NFTNL_TABLE_FAMILY, NFPROTO_IPV4);
		nlh = nftnl_nlmsg_build_hdr(mnl_nlmsg_batch_current(b), NFT_MSG_DELTABLE,
					    NFPROTO_IPV4, NLM_F_ACK, ++nft_seq);
		nftnl_table_nlmsg_build_payload(nlh, t);
		nftnl_table_free(t);
		batch_next(b);
		n++;
	}
	nftnl_batch_end(mnl_nlmsg_batch_current(b), ++nft_seq);
	batch_next(b);
	ret = n ? nft_send_batch(b, n) : 0;
	mnl_nlmsg_batch_stop(b);
	return ret;
}

/* Delete the fan's rules in the chains of @kinds (NULL: every chain). */
static int rules_del(const struct fan_conf *c, const struct rule_kind *kinds,
		     size_t nkinds, const char *what)
{
	char comment[128];
	struct rule_list rl = { .want = comment, .kinds = kinds, .nkinds = nkinds };
	int ret;

	nat_comment(c, comment, sizeof(comment));
	ret = nft_list_rules(&rl);
	if (ret == -ENOENT)
		return 0;
	if (ret < 0) {
		nft_perror(ret, "cannot list table ip " FANCTL_NFT_TABLE);
		return ret;
	}
	if (!rl.nmatch)
		return 0;
	ret = rules_delete(&rl, rl.total == rl.nmatch);
	if (ret < 0)
		nft_perror(ret, what);
	return ret;
}

int nat_del(const struct fan_conf *c)
{
	return rules_del(c, nat_kind, NKINDS(nat_kind), "cannot delete the masquerade rule");
}

int notrack_del(const struct fan_conf *c)
{
	return rules_del(c, notrack_kind, NKINDS(notrack_kind),
			 "cannot delete the notrack rules");
}

int nft_fan_del(const struct fan_conf *c)
{
	return rules_del(c, NULL, 0, "cannot delete the fan's rules");
}

int nat_flush_all(void)
{
	struct rule_list rl = { .want = NULL };
	int ret = nft_open();

	if (ret < 0) {
		nft_perror(ret, "cannot open netlink socket");
		return ret;
	}
	ret = rules_delete(&rl, true);
	if (ret < 0 && ret != -ENOENT) {
		nft_perror(ret, "cannot delete table ip " FANCTL_NFT_TABLE);
		return ret;
	}
	return 0;
}
