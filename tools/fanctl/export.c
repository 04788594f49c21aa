// SPDX-License-Identifier: GPL-2.0
/*
 * fanctl docker / fanctl cni / fanctl incus: print the Docker daemon.json,
 * the CNI conflist and the Incus profile that put containers on this
 * host's slice.
 *
 * Docker "fixed-cidr": Docker never hands out its bridge's own address
 * (.1), so with host-reserve 1 the whole slice is used; with a larger
 * reservation it is the largest aligned block at the top of the slice
 * that starts above .host-reserve.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fanctl.h"

void docker_fixed_cidr(const struct fan_conf *c, uint32_t *net, uint8_t *len)
{
	unsigned int bits = 32 - c->slice_len;	/* container bits */
	uint64_t size = (uint64_t)1 << bits;
	unsigned int b;

	if (c->spec.opts.host_reserve <= 1) {
		*net = c->slice;
		*len = c->slice_len;
		return;
	}
	for (b = bits - 1; b >= 1; b--) {
		uint64_t blk = (uint64_t)1 << b;

		if (size - blk > c->spec.opts.host_reserve)
			break;
	}
	/* conf_derive guarantees a free address, so b >= 1 here */
	*len = (uint8_t)(32 - b);
	*net = c->slice + (uint32_t)(size - ((uint64_t)1 << b));
}

int docker_json(const struct fan_conf *c, char *buf, size_t len)
{
	char fc[PFXSTR_LEN];
	uint32_t net;
	uint8_t l;
	int n;

	docker_fixed_cidr(c, &net, &l);
	n = snprintf(buf, len,
		     "{\n"
		     "  \"bridge\": \"%s\",\n"
		     "  \"mtu\": %u,\n"
		     "  \"fixed-cidr\": \"%s\",\n"
		     "  \"iptables\": false,\n"
		     "  \"ip-masq\": false\n"
		     "}\n",
		     c->bridge, c->mtu, prefix_str(net, l, fc));
	return n > 0 && (size_t)n < len ? 0 : -1;
}

int cni_json(const struct fan_conf *c, char *buf, size_t len)
{
	char sub[PFXSTR_LEN], f[IPSTR_LEN], l[IPSTR_LEN], gw[IPSTR_LEN];
	uint32_t first, last;
	int n;

	dhcp_range(c, &first, &last);
	n = snprintf(buf, len,
		     "{\n"
		     "  \"cniVersion\": \"1.0.0\",\n"
		     "  \"name\": \"%s\",\n"
		     "  \"plugins\": [\n"
		     "    {\n"
		     "      \"type\": \"bridge\",\n"
		     "      \"bridge\": \"%s\",\n"
		     "      \"isGateway\": true,\n"
		     "      \"ipMasq\": false,\n"
		     "      \"mtu\": %u,\n"
		     "      \"ipam\": {\n"
		     "        \"type\": \"host-local\",\n"
		     "        \"ranges\": [\n"
		     "          [\n"
		     "            {\n"
		     "              \"subnet\": \"%s\",\n"
		     "              \"rangeStart\": \"%s\",\n"
		     "              \"rangeEnd\": \"%s\",\n"
		     "              \"gateway\": \"%s\"\n"
		     "            }\n"
		     "          ]\n"
		     "        ],\n"
		     "        \"routes\": [\n"
		     "          { \"dst\": \"0.0.0.0/0\" }\n"
		     "        ]\n"
		     "      }\n"
		     "    }\n"
		     "  ]\n"
		     "}\n",
		     c->bridge, c->bridge, c->mtu, prefix_str(c->slice, c->slice_len, sub),
		     ip_str(first, f), ip_str(last, l), ip_str(c->bridge_addr, gw));
	return n > 0 && (size_t)n < len ? 0 : -1;
}

/*
 * An Incus (or LXD) profile: a NIC bridged to the fan bridge, with the fan's
 * MTU on both ends of the veth.  Incus does not manage the bridge, so it
 * hands out no addresses: the instance asks fanctl's dnsmasq ("fanctl up
 * ... dhcp"), as a cloud image does on eth0.  The MTU is a string, as
 * "incus profile show" prints it.
 */
int incus_yaml(const struct fan_conf *c, char *buf, size_t len)
{
	char sub[PFXSTR_LEN];
	int n;

	n = snprintf(buf, len,
		     "description: fan bridge %s, slice %s, MTU %u (fanctl incus)\n"
		     "config: {}\n"
		     "devices:\n"
		     "  eth0:\n"
		     "    type: nic\n"
		     "    nictype: bridged\n"
		     "    parent: %s\n"
		     "    mtu: \"%u\"\n"
		     "    name: eth0\n",
		     c->bridge, prefix_str(c->slice, c->slice_len, sub), c->mtu,
		     c->bridge, c->mtu);
	return n > 0 && (size_t)n < len ? 0 : -1;
}

/*
 * Resolve for export: on this host if possible; an UNDERLAY address that
 * is not local is computed without the system, and then needs "mtu N".
 */
static int export_conf(int argc, char **argv, const char *cmd,
		       enum spec_use use, struct fan_conf *c)
{
	struct fan_spec spec;
	struct fan_args a;
	int ret;

	if (parse_args(argc - 1, argv + 1, use, &a))
		return EXIT_USAGE;
	if (a.help) {
		help_for(cmd, stdout);
		return -1;
	}
	if (spec_finish(&a))
		return EXIT_USAGE;
	spec = a.spec;
	if (spec.ul_kind == UL_ADDR &&
	    spec.ul_addr != (spec.ul_addr & fan_mask(spec.underlay_len))) {
		/* a host address: try this host, else pure math */
		msg_quiet = true;
		ret = fan_resolve(&spec, c);
		msg_quiet = false;
		if (ret == EXIT_OK)
			return EXIT_OK;
		if (ret == EXIT_USAGE)
			return fan_resolve(&spec, c);	/* print the reason */
		memset(c, 0, sizeof(*c));
		c->spec = spec;
		c->local = spec.ul_addr;
		if (conf_derive(c))
			return EXIT_USAGE;
		if (!spec.opts.mtu) {
			static const char *const hint[] = {
				[FANCTL_MODE_IPIP] = "underlay MTU - 20",
				[FANCTL_MODE_DIRECT] = "the underlay MTU, mode direct",
				[FANCTL_MODE_AUTO] = "underlay MTU, less 20 unless mode direct",
			};
			char u[64];

			err_msg("%s: %s is not on this host: give 'mtu N' (%s)", cmd,
				underlay_str(&spec, u, sizeof(u)), hint[spec.opts.mode]);
			return EXIT_USAGE;
		}
		/* not on this host: auto cannot look, the MTU given decides */
		c->mode = mode_pick(spec.opts.mode, false);
		c->mtu = spec.opts.mtu;
		return EXIT_OK;
	}
	return fan_resolve(&spec, c);
}

static int export_cmd(int argc, char **argv, const char *cmd,
		      enum spec_use use,
		      int (*fn)(const struct fan_conf *, char *, size_t))
{
	struct fan_conf c;
	char buf[4096];
	int ret = export_conf(argc, argv, cmd, use, &c);

	if (ret < 0)
		return EXIT_OK;	/* help printed */
	if (ret)
		return ret;
	if (fn(&c, buf, sizeof(buf))) {
		err_msg("%s: output too long", cmd);
		return EXIT_SYSTEM;
	}
	fputs(buf, stdout);
	return EXIT_OK;
}

int cmd_docker(int argc, char **argv)
{
	return export_cmd(argc, argv, "docker", SPEC_EXPORT, docker_json);
}

int cmd_cni(int argc, char **argv)
{
	return export_cmd(argc, argv, "cni", SPEC_EXPORT, cni_json);
}

int cmd_incus(int argc, char **argv)
{
	return export_cmd(argc, argv, "incus", SPEC_INCUS, incus_yaml);
}
