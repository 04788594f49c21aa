// SPDX-License-Identifier: GPL-2.0
/*
 * link_fan.so: the "fan" link kind for the stock ip(8) of iproute2.
 *
 *   ip link add ftun0 type fan dev ib0 map 250.0.0.0/8:10.7.0.0/16
 *   ip link set ftun0 type fan map 250.0.0.0/8:10.7.0.0/16 mode direct
 *   ip -d [-j] [-s] link show ftun0
 *
 * ip loads it from its library directory (IP_LIB_DIR) the first time it
 * meets the kind.  The words and their output follow ipip's (link_iptnl.c):
 * "dev", "ttl N|inherit", "tos N|inherit", "[no]pmtudisc".  The kernel
 * checks every map (the rules of include/fan/fan_map.h, and the set as a
 * whole) and its extack message is what ip prints, so ip, fanctl and the
 * kernel refuse a map with the same words; this file checks only syntax.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <linux/if_link.h>

#include "iproute2_abi.h"
#include "linux/if_fan.h"

#define EXPORT __attribute__((visibility("default")))

static const char *const mode_names[] = {
	[FAN_MAP_MODE_IPIP]	= "ipip",
	[FAN_MAP_MODE_DIRECT]	= "direct",
};

/*
 * FAN_XSTATS_* as the uAPI comments name them (ethtool -S uses the same),
 * in the order ip prints them: transmit, then receive.
 */
static const struct {
	unsigned short type;
	const char *name;
} xstats[] = {
	{ FAN_XSTATS_TX_NO_MAP,		"tx_no_map" },
	{ FAN_XSTATS_TX_BAD_HOST,	"tx_bad_host" },
	{ FAN_XSTATS_TX_TO_SELF,	"tx_to_self" },
	{ FAN_XSTATS_TX_NO_ROUTE,	"tx_no_route" },
	{ FAN_XSTATS_TX_NOT_IPV4,	"tx_not_ipv4" },
	{ FAN_XSTATS_TX_FRAG_NEEDED,	"tx_frag_needed" },
	{ FAN_XSTATS_TX_FORGED,		"tx_forged" },
	{ FAN_XSTATS_RX_SPOOFED,	"rx_spoofed" },
	{ FAN_XSTATS_RX_MALFORMED,	"rx_malformed" },
	{ FAN_XSTATS_RX_BAD_DST,	"rx_bad_dst" },
	{ FAN_XSTATS_RX_ECN,		"rx_ecn" },
	{ FAN_XSTATS_RX_POLICY,		"rx_policy" },
	{ FAN_XSTATS_RX_PLAIN,		"rx_plain" },
	{ FAN_XSTATS_ERR_NOT_RELAYED,	"err_not_relayed" },
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: ... fan [ dev PHYS_DEV ]\n"
		"               [ map OVERLAY/LEN:UNDERLAY/LEN [ mode { ipip | direct } ] ]...\n"
		"               [ addmap MAP [ mode MODE ] ]... [ delmap MAP ]...\n"
		"               [ ttl TTL ] [ tos TOS ] [ [no]pmtudisc ] [ [no]strict ]\n"
		"\n"
		"Where: MAP := OVERLAY/LEN:UNDERLAY/LEN, e.g. 250.0.0.0/8:10.7.0.0/16\n"
		"       TTL := { 1..255 | inherit }\n"
		"       TOS := { NUMBER | inherit }\n"
		"map gives the whole map set (ip link set replaces it at once);\n"
		"addmap and delmap change one map of it.\n");
}

static int bad_arg(const char *what, const char *arg)
{
	fprintf(stderr, "Error: argument \"%s\" is wrong: %s\n", arg, what);
	return -1;
}

/* The same bounds on ip's request buffer as every iproute2 link kind. */
static struct rtattr *attr_add(struct nlmsghdr *n, unsigned short type,
			       const void *data, unsigned short len)
{
	unsigned int off = NLMSG_ALIGN(n->nlmsg_len);
	struct rtattr *rta;

	if (off + RTA_ALIGN(RTA_LENGTH(len)) > IP_REQ_MAXLEN) {
		fprintf(stderr, "Error: fan: too many attributes for one request\n");
		return NULL;
	}
	rta = (struct rtattr *)((char *)n + off);
	rta->rta_type = type;
	rta->rta_len = RTA_LENGTH(len);
	if (len)
		memcpy(RTA_DATA(rta), data, len);
	n->nlmsg_len = off + RTA_ALIGN(rta->rta_len);
	return rta;
}

static int attr_u8(struct nlmsghdr *n, unsigned short type, uint8_t v)
{
	return attr_add(n, type, &v, sizeof(v)) ? 0 : -1;
}

static void nest_end(struct nlmsghdr *n, struct rtattr *nest)
{
	nest->rta_len = (unsigned short)((char *)n + n->nlmsg_len - (char *)nest);
}

/* A strict decimal in 0..@max. */
static int parse_dec(const char *s, unsigned long max, unsigned long *out)
{
	char *end;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	*out = strtoul(s, &end, 10);
	return (errno || *end || *out > max) ? -1 : 0;
}

/* ADDRESS/LENGTH, address as inet_pton reads it (so 010.1.2.3 is refused). */
static int parse_prefix(const char *s, size_t n, struct in_addr *a, uint8_t *len)
{
	char buf[INET_ADDRSTRLEN + 4];
	unsigned long l;
	char *slash;

	if (n >= sizeof(buf))
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	slash = strchr(buf, '/');
	if (!slash)
		return -1;
	*slash = '\0';
	if (inet_pton(AF_INET, buf, a) != 1 || parse_dec(slash + 1, 32, &l))
		return -1;
	*len = (uint8_t)l;
	return 0;
}

struct fan_map_arg {
	struct in_addr overlay, underlay;
	uint8_t overlay_len, underlay_len;
	int mode;		/* -1: none given (the kernel takes IPIP) */
};

static int parse_map(const char *s, struct fan_map_arg *m)
{
	const char *colon = strchr(s, ':');

	if (!colon || parse_prefix(s, (size_t)(colon - s), &m->overlay, &m->overlay_len) ||
	    parse_prefix(colon + 1, strlen(colon + 1), &m->underlay, &m->underlay_len))
		return bad_arg("not a map OVERLAY/LEN:UNDERLAY/LEN", s);
	m->mode = -1;
	return 0;
}

static int parse_mode(const char *s)
{
	unsigned int i;

	for (i = 0; i < sizeof(mode_names) / sizeof(mode_names[0]); i++)
		if (!strcmp(s, mode_names[i]))
			return (int)i;
	return bad_arg("mode is ipip or direct", s);
}

/* The lists of the request, each built up as its words come. */
enum { LIST_MAPS, LIST_ADD, LIST_DEL, LISTS };

static const unsigned short list_attr[LISTS] = {
	[LIST_MAPS] = IFLA_FAN_MAPS,
	[LIST_ADD] = IFLA_FAN_MAP_ADD,
	[LIST_DEL] = IFLA_FAN_MAP_DEL,
};

static const char *const list_word[LISTS] = {
	[LIST_MAPS] = "map",
	[LIST_ADD] = "addmap",
	[LIST_DEL] = "delmap",
};

struct fan_args {
	struct fan_map_arg maps[LISTS][FAN_MAX_MAPS];
	unsigned int count[LISTS];
};

static int add_map(struct nlmsghdr *n, const struct fan_map_arg *m)
{
	struct rtattr *nest = attr_add(n, IFLA_FAN_MAP | NLA_F_NESTED, NULL, 0);

	if (!nest ||
	    !attr_add(n, IFLA_FAN_MAP_OVERLAY, &m->overlay, 4) ||
	    attr_u8(n, IFLA_FAN_MAP_OVERLAY_LEN, m->overlay_len) ||
	    !attr_add(n, IFLA_FAN_MAP_UNDERLAY, &m->underlay, 4) ||
	    attr_u8(n, IFLA_FAN_MAP_UNDERLAY_LEN, m->underlay_len) ||
	    (m->mode >= 0 && attr_u8(n, IFLA_FAN_MAP_MODE, (uint8_t)m->mode)))
		return -1;
	nest_end(n, nest);
	return 0;
}

static int add_lists(struct nlmsghdr *n, const struct fan_args *a)
{
	struct rtattr *nest;
	unsigned int l, i;

	for (l = 0; l < LISTS; l++) {
		if (!a->count[l])
			continue;
		nest = attr_add(n, list_attr[l] | NLA_F_NESTED, NULL, 0);
		if (!nest)
			return -1;
		for (i = 0; i < a->count[l]; i++)
			if (add_map(n, &a->maps[l][i]))
				return -1;
		nest_end(n, nest);
	}
	return 0;
}

static int list_of(const char *word)
{
	int l;

	for (l = 0; l < LISTS; l++)
		if (!strcmp(word, list_word[l]))
			return l;
	return -1;
}

static int fan_parse_opt(struct link_util *lu, int argc, char **argv, struct nlmsghdr *n)
{
	static struct fan_args a;
	struct fan_map_arg *last = NULL;
	unsigned long v;
	unsigned int ifindex;
	int l;

	(void)lu;
	memset(&a, 0, sizeof(a));
	for (; argc > 0; argc--, argv++) {
		const char *w = *argv;
		const char *arg = argc > 1 ? argv[1] : NULL;

		if (!strcmp(w, "help")) {
			usage(stderr);
			return -1;
		}
		if (!strcmp(w, "pmtudisc") || !strcmp(w, "nopmtudisc")) {
			if (attr_u8(n, IFLA_FAN_PMTUDISC, w[0] == 'p'))
				return -1;
			continue;
		}
		if (!strcmp(w, "strict") || !strcmp(w, "nostrict")) {
			if (attr_u8(n, IFLA_FAN_STRICT, w[0] == 's'))
				return -1;
			continue;
		}
		/* Everything else takes an argument. */
		l = list_of(w);
		if (l < 0 && strcmp(w, "dev") && strcmp(w, "ttl") && strcmp(w, "tos") &&
		    strcmp(w, "mode")) {
			fprintf(stderr, "fan: unknown option \"%s\"\n", w);
			usage(stderr);
			return -1;
		}
		if (!arg) {
			fprintf(stderr, "Command line is not complete. Try option \"help\"\n");
			return -1;
		}
		argc--, argv++;
		if (l >= 0) {
			if (a.count[l] == FAN_MAX_MAPS) {
				fprintf(stderr, "Error: fan: at most %d maps in one %s list\n",
					FAN_MAX_MAPS, list_word[l]);
				return -1;
			}
			last = &a.maps[l][a.count[l]];
			if (parse_map(arg, last))
				return -1;
			a.count[l]++;
			/* delmap names a map by its prefixes alone */
			if (l == LIST_DEL)
				last = NULL;
		} else if (!strcmp(w, "mode")) {
			if (!last)
				return bad_arg("mode follows the map or addmap it is for", arg);
			if (last->mode >= 0)
				return bad_arg("that map has a mode already", arg);
			last->mode = parse_mode(arg);
			if (last->mode < 0)
				return -1;
		} else if (!strcmp(w, "dev")) {
			ifindex = if_nametoindex(arg);
			if (!ifindex) {
				fprintf(stderr, "Cannot find device \"%s\"\n", arg);
				return -1;
			}
			if (!attr_add(n, IFLA_FAN_LINK, &ifindex, sizeof(ifindex)))
				return -1;
		} else if (!strcmp(w, "ttl")) {
			if (!strcmp(arg, "inherit"))
				v = 0;
			else if (parse_dec(arg, 255, &v) || !v)
				return bad_arg("TTL is 1..255 or inherit", arg);
			if (attr_u8(n, IFLA_FAN_TTL, (uint8_t)v))
				return -1;
		} else {
			char *end;

			/* tos: a number (0x.. as ipip takes it) or inherit */
			if (!strcmp(arg, "inherit")) {
				v = FAN_TOS_INHERIT;
			} else {
				errno = 0;
				v = strtoul(arg, &end, 0);
				if (errno || *end || arg[0] == '-' || arg[0] == '\0' || v > 255)
					return bad_arg("TOS is a number 0..255 or inherit", arg);
			}
			if (attr_u8(n, IFLA_FAN_TOS, (uint8_t)v))
				return -1;
		}
	}
	return add_lists(n, &a);
}

static const char *prefix_text(const struct rtattr *addr, const struct rtattr *len,
			       char *buf, size_t size)
{
	char a[INET_ADDRSTRLEN];

	if (!addr || !len || RTA_PAYLOAD(addr) != 4 || RTA_PAYLOAD(len) != 1 ||
	    !inet_ntop(AF_INET, RTA_DATA(addr), a, sizeof(a)))
		return "?";
	snprintf(buf, size, "%s/%u", a, *(const uint8_t *)RTA_DATA(len));
	return buf;
}

static void parse_nested(struct rtattr *tb[], int max, const struct rtattr *nest)
{
	const struct rtattr *rta = RTA_DATA(nest);
	int len = (int)RTA_PAYLOAD(nest);
	unsigned short type;

	memset(tb, 0, sizeof(*tb) * (size_t)(max + 1));
	for (; RTA_OK(rta, len); rta = RTA_NEXT(rta, len)) {
		type = rta->rta_type & NLA_TYPE_MASK;
		if (type <= max)
			tb[type] = (struct rtattr *)rta;
	}
}

static uint8_t get_u8(const struct rtattr *rta, uint8_t dflt)
{
	return rta && RTA_PAYLOAD(rta) >= 1 ? *(const uint8_t *)RTA_DATA(rta) : dflt;
}

static void print_maps(const struct rtattr *maps)
{
	const struct rtattr *rta = RTA_DATA(maps);
	int len = (int)RTA_PAYLOAD(maps);
	struct rtattr *tb[IFLA_FAN_MAP_ATTR_MAX + 1];
	char o[INET_ADDRSTRLEN + 4], u[INET_ADDRSTRLEN + 4];
	uint8_t mode;

	open_json_array(PRINT_JSON, "maps");
	for (; RTA_OK(rta, len); rta = RTA_NEXT(rta, len)) {
		if ((rta->rta_type & NLA_TYPE_MASK) != IFLA_FAN_MAP)
			continue;
		parse_nested(tb, IFLA_FAN_MAP_ATTR_MAX, rta);
		mode = get_u8(tb[IFLA_FAN_MAP_MODE], FAN_MAP_MODE_IPIP);
		open_json_object(NULL);
		print_color_string(PRINT_ANY, IP_COLOR_NONE, "overlay", "map %s",
				   prefix_text(tb[IFLA_FAN_MAP_OVERLAY],
					       tb[IFLA_FAN_MAP_OVERLAY_LEN], o, sizeof(o)));
		print_color_string(PRINT_ANY, IP_COLOR_NONE, "underlay", ":%s ",
				   prefix_text(tb[IFLA_FAN_MAP_UNDERLAY],
					       tb[IFLA_FAN_MAP_UNDERLAY_LEN], u, sizeof(u)));
		if (mode <= FAN_MAP_MODE_MAX)
			print_color_string(PRINT_ANY, IP_COLOR_NONE, "mode", "mode %s ",
					   mode_names[mode]);
		else
			print_color_uint(PRINT_ANY, IP_COLOR_NONE, "mode", "mode %u ", mode);
		close_json_object();
	}
	close_json_array(PRINT_JSON, NULL);
}

static void fan_print_opt(struct link_util *lu, FILE *f, struct rtattr *tb[])
{
	char name[IF_NAMESIZE];
	uint32_t link;
	uint8_t ttl, tos;

	(void)lu;
	(void)f;
	if (!tb)
		return;
	if (tb[IFLA_FAN_LINK] && RTA_PAYLOAD(tb[IFLA_FAN_LINK]) == 4) {
		memcpy(&link, RTA_DATA(tb[IFLA_FAN_LINK]), 4);
		if (link && if_indextoname(link, name))
			print_color_string(PRINT_ANY, IP_COLOR_NONE, "link", "dev %s ", name);
		else if (link)
			print_color_uint(PRINT_ANY, IP_COLOR_NONE, "link_index", "dev if%u ", link);
	}
	if (tb[IFLA_FAN_MAPS])
		print_maps(tb[IFLA_FAN_MAPS]);

	/* As ipip prints them: 0 is inherit in text, a number in JSON. */
	ttl = get_u8(tb[IFLA_FAN_TTL], 0);
	if (is_json_context() || ttl)
		print_color_uint(PRINT_ANY, IP_COLOR_NONE, "ttl", "ttl %u ", ttl);
	else
		print_color_string(PRINT_FP, IP_COLOR_NONE, NULL, "ttl %s ", "inherit");
	tos = get_u8(tb[IFLA_FAN_TOS], FAN_TOS_INHERIT);
	if (is_json_context()) {
		print_color_uint(PRINT_JSON, IP_COLOR_NONE, "tos", NULL, tos);
	} else if (tos == FAN_TOS_INHERIT) {
		print_color_string(PRINT_FP, IP_COLOR_NONE, NULL, "tos %s ", "inherit");
	} else {
		char hex[8];

		snprintf(hex, sizeof(hex), "0x%x", tos);
		print_color_string(PRINT_FP, IP_COLOR_NONE, NULL, "tos %s ", hex);
	}
	print_color_bool(PRINT_JSON, IP_COLOR_NONE, "pmtudisc", NULL,
			 get_u8(tb[IFLA_FAN_PMTUDISC], 1));
	print_color_string(PRINT_FP, IP_COLOR_NONE, NULL, "%s ",
			   get_u8(tb[IFLA_FAN_PMTUDISC], 1) ? "pmtudisc" : "nopmtudisc");
	print_color_bool(PRINT_JSON, IP_COLOR_NONE, "strict", NULL,
			 get_u8(tb[IFLA_FAN_STRICT], 1));
	print_color_string(PRINT_FP, IP_COLOR_NONE, NULL, "%s ",
			   get_u8(tb[IFLA_FAN_STRICT], 1) ? "strict" : "nostrict");
}

/* ip -d -s link: the per-reason drop counters, tx on one line, rx on the next. */
static void fan_print_xstats(struct link_util *lu, FILE *f, struct rtattr *xs)
{
	struct rtattr *tb[FAN_XSTATS_MAX + 1];
	char fmt[32], dir = 0;
	unsigned int i;
	uint64_t v;

	(void)lu;
	(void)f;
	parse_nested(tb, FAN_XSTATS_MAX, xs);
	for (i = 0; i < sizeof(xstats) / sizeof(xstats[0]); i++) {
		const struct rtattr *rta = tb[xstats[i].type];

		if (!rta || RTA_PAYLOAD(rta) != sizeof(v))
			continue;
		if (dir != xstats[i].name[0]) {
			dir = xstats[i].name[0];
			print_nl();
			print_color_string(PRINT_FP, IP_COLOR_NONE, NULL, "%s", "    ");
		}
		memcpy(&v, RTA_DATA(rta), sizeof(v));
		snprintf(fmt, sizeof(fmt), "%s %%" PRIu64 " ", xstats[i].name);
		print_color_u64(PRINT_ANY, IP_COLOR_NONE, xstats[i].name, fmt, v);
	}
}

static void fan_print_help(struct link_util *lu, int argc, char **argv, FILE *f)
{
	(void)lu;
	(void)argc;
	(void)argv;
	usage(f);
}

EXPORT struct link_util fan_link_util = {
	.id		= "fan",
	.maxattr	= IFLA_FAN_MAX,
	.parse_opt	= fan_parse_opt,
	.print_opt	= fan_print_opt,
	.print_xstats	= fan_print_xstats,
	.print_help	= fan_print_help,
};
