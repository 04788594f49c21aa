// SPDX-License-Identifier: GPL-2.0
/*
 * fanctl map: which underlay host owns an overlay address, and which slice
 * an underlay address owns; over the maps the kernel has, or over one map
 * given on the command line (pure math, no device needed).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fanctl.h"

/* Print what @addr is in map @m; returns 1 if it is in it. */
int map_explain(const struct fan_map_math *m, uint32_t addr, const char *dev, char *buf,
		size_t len)
{
	char a[IPSTR_LEN], p[PFXSTR_LEN], h[IPSTR_LEN], s[PFXSTR_LEN], d[64] = "";
	uint32_t host, slice;

	if (dev)
		snprintf(d, sizeof(d), " dev %s", dev);
	ip_str(addr, a);
	if (fan_prefix_contains(m->overlay, m->overlay_len, addr)) {
		host = fan_underlay_of(m, addr);
		slice = fan_slice_of(m, host);
		prefix_str(m->overlay, m->overlay_len, p);
		if (!fan_host_part_valid(m, fan_host_part(m, host)))
			snprintf(buf, len, "%s overlay %s%s host %s invalid\n", a, p, d, ip_str(host, h));
		else
			snprintf(buf, len, "%s overlay %s%s host %s slice %s\n", a, p, d,
				 ip_str(host, h),
				 prefix_str(slice, fan_slice_len(m), s));
		return 1;
	}
	if (fan_prefix_contains(m->underlay, m->underlay_len, addr)) {
		prefix_str(m->underlay, m->underlay_len, p);
		if (!fan_host_part_valid(m, fan_host_part(m, addr)))
			snprintf(buf, len, "%s underlay %s%s slice none\n", a, p, d);
		else
			snprintf(buf, len, "%s underlay %s%s slice %s\n", a, p, d,
				 prefix_str(fan_slice_of(m, addr), fan_slice_len(m), s));
		return 1;
	}
	buf[0] = 0;
	return 0;
}

static int map_pure(const char *addr, const char *ov, const char *ul)
{
	struct fan_map_math m;
	uint32_t a, o, u;
	uint8_t ol, ull;
	char buf[256];
	enum fan_map_error e;

	if (parse_ipv4(addr, &a) || parse_prefix(ov, &o, &ol, false) ||
	    parse_prefix(ul, &u, &ull, true))
		return EXIT_USAGE;
	m.overlay = o;
	m.overlay_len = ol;
	m.underlay = u & fan_mask(ull);
	m.underlay_len = ull;
	e = fan_map_check(&m);
	if (e != FAN_MAP_OK) {
		err_msg("map %s over %s: %s", ov, ul, fan_map_strerror(e));
		return EXIT_USAGE;
	}
	if (!map_explain(&m, a, NULL, buf, sizeof(buf))) {
		/* no refusal of the system: exit 2 is for those */
		err_msg("%s is in neither %s nor %s", addr, ov, ul);
		return EXIT_USAGE;
	}
	fputs(buf, stdout);
	return EXIT_OK;
}

int cmd_map(int argc, char **argv)
{
	struct fan_state st;
	char buf[256];
	int i, j, k, ret = EXIT_OK;
	bool help;

	i = cmd_getopt(argc, argv, &help, NULL);
	if (i < 0)
		return EXIT_USAGE;
	if (help) {
		help_for("map", stdout);
		return EXIT_OK;
	}
	argc -= i;
	argv += i;
	if (argc == 0) {
		err_msg("map: missing ADDRESS");
		help_for("map", stderr);
		return EXIT_USAGE;
	}
	if (argc == 3 && strchr(argv[1], '/') && strchr(argv[2], '/'))
		return map_pure(argv[0], argv[1], argv[2]);
	for (i = 0; i < argc; i++) {
		uint32_t a;

		if (parse_ipv4(argv[i], &a))
			return EXIT_USAGE;
	}
	if (state_load(&st))
		return EXIT_SYSTEM;
	for (i = 0; i < argc; i++) {
		uint32_t a;
		int hits = 0;

		parse_ipv4(argv[i], &a);
		for (j = 0; j < st.n; j++) {
			struct link_info *l = &st.links[j];

			for (k = 0; l->is_fan && k < l->nmaps; k++) {
				struct fan_map_math m = {
					.overlay = l->maps[k].overlay,
					.overlay_len = l->maps[k].overlay_len,
					.underlay = l->maps[k].underlay,
					.underlay_len = l->maps[k].underlay_len,
				};

				if (fan_map_check(&m) != FAN_MAP_OK)
					continue;
				if (map_explain(&m, a, l->name, buf, sizeof(buf))) {
					fputs(buf, stdout);
					hits++;
				}
			}
		}
		if (!hits) {
			err_msg("%s is in no configured map", argv[i]);
			ret = EXIT_USAGE;
		}
	}
	state_free(&st);
	return ret;
}
