// SPDX-License-Identifier: GPL-2.0
/*
 * fanctl: /etc/network/fan (Ubuntu format: "OVERLAY UNDERLAY [flags]" per
 * line, '#' comments), "fanctl config", "up -a" and "down -a".
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fanctl.h"

int config_read(const char *path, struct config_entry **out, unsigned int *nerr)
{
	char line[FANCTL_MAX_LINE + 2];
	struct config_entry *v = NULL;
	unsigned int lineno = 0;
	int n = 0, cap = 0, i;
	FILE *f = fopen(path, "r");

	*nerr = 0;
	*out = NULL;
	if (!f) {
		err_msg("cannot open %s: %s", path, strerror(errno));
		return -1;
	}
	/* fgets() ends what it read with a NUL, and a line may hold NULs too:
	 * fill the buffer with non-NULs first, so its last NUL is the end.
	 */
	while (memset(line, 1, sizeof(line)), fgets(line, sizeof(line), f)) {
		struct fan_spec spec;
		size_t len = (size_t)((char *)memrchr(line, 0, sizeof(line)) - line);
		int r;

		lineno++;
		if (len && line[len - 1] == '\n') {
			line[--len] = 0;
		} else if (!feof(f)) {
			int ch;

			err_msg("%s:%u: line longer than %d characters", path, lineno,
				FANCTL_MAX_LINE);
			(*nerr)++;
			while ((ch = fgetc(f)) != EOF && ch != '\n')
				;
			continue;
		}
		if (strlen(line) != len) {
			err_msg("%s:%u: NUL byte in line", path, lineno);
			(*nerr)++;
			continue;
		}
		r = parse_config_line(line, path, lineno, &spec);
		if (r < 0) {
			(*nerr)++;
			continue;
		}
		if (r == 0)
			continue;
		for (i = 0; i < n; i++) {
			const struct fan_spec *o = &v[i].spec;

			if (o->overlay == spec.overlay && o->overlay_len == spec.overlay_len &&
			    o->ul_kind == spec.ul_kind && o->underlay_len == spec.underlay_len &&
			    o->ul_addr == spec.ul_addr && !strcmp(o->ul_dev, spec.ul_dev) &&
			    !o->opts.off && !spec.opts.off) {
				err_msg("%s:%u: same fan as line %u", path, lineno, v[i].lineno);
				(*nerr)++;
				break;
			}
		}
		if (i < n)
			continue;
		if (n == cap) {
			struct config_entry *nv;

			cap = cap ? cap * 2 : 8;
			nv = realloc(v, (size_t)cap * sizeof(*v));
			if (!nv) {
				free(v);
				fclose(f);
				err_msg("out of memory");
				return -1;
			}
			v = nv;
		}
		v[n].spec = spec;
		v[n].lineno = lineno;
		n++;
	}
	if (ferror(f)) {
		err_msg("cannot read %s: %s", path, strerror(errno));
		free(v);
		fclose(f);
		return -1;
	}
	fclose(f);
	*out = v;
	return n;
}

static void print_spec(const struct config_entry *e, const char *path)
{
	const struct fan_opts *o = &e->spec.opts;
	char ov[PFXSTR_LEN], ul[64];

	printf("%s:%u: %s %s host-reserve %u %s%s", path, e->lineno,
	       prefix_str(e->spec.overlay, e->spec.overlay_len, ov),
	       underlay_str(&e->spec, ul, sizeof(ul)), o->host_reserve,
	       o->nat ? "nat" : "no-nat", o->dhcp ? " dhcp" : "");
	if (o->notrack)
		printf(" notrack");
	if (o->mtu)
		printf(" mtu %u", o->mtu);
	if (o->mode != FANCTL_MODE_IPIP)
		printf(" mode %s", mode_name(o->mode));
	if (o->bridge[0])
		printf(" bridge %s", o->bridge);
	printf("%s\n", o->off ? " off" : "");
}

int cmd_config(int argc, char **argv)
{
	const char *path = FANCTL_CONFIG;
	struct config_entry *v;
	unsigned int nerr;
	bool help;
	int n, i;

	i = cmd_getopt(argc, argv, &help, NULL);
	if (i < 0)
		return EXIT_USAGE;
	if (help) {
		help_for("config", stdout);
		return EXIT_OK;
	}
	if (argc - i > 1) {
		err_msg("config: unexpected argument '%s'", argv[i + 1]);
		return EXIT_USAGE;
	}
	if (argc - i == 1)
		path = argv[i];
	n = config_read(path, &v, &nerr);
	if (n < 0)
		return nerr ? EXIT_USAGE : EXIT_SYSTEM;
	for (i = 0; i < n; i++)
		print_spec(&v[i], path);
	free(v);
	if (nerr) {
		err_msg("%s: %u error%s", path, nerr, nerr == 1 ? "" : "s");
		return EXIT_USAGE;
	}
	return EXIT_OK;
}

/* Does this entry's underlay live on @iface? */
static bool entry_on_iface(const struct fan_spec *s, const char *iface)
{
	struct fan_conf c;
	int ret;

	if (!iface)
		return true;
	if (s->ul_kind == UL_DEV)
		return !strcmp(s->ul_dev, iface);
	msg_quiet = true;
	ret = fan_resolve(s, &c);
	msg_quiet = false;
	return ret == EXIT_OK && !strcmp(c.ul_ifname, iface);
}

int config_all(const char *path, const char *iface, bool up, bool force)
{
	struct config_entry *v;
	unsigned int nerr;
	int n, i, ret = EXIT_OK;

	n = config_read(path, &v, &nerr);
	if (n < 0)
		return EXIT_SYSTEM;
	if (nerr) {
		err_msg("%s has %u error%s; nothing done (check with 'fanctl config %s')",
			path, nerr, nerr == 1 ? "" : "s", path);
		free(v);
		return EXIT_USAGE;
	}
	for (i = 0; i < n; i++) {
		int r;

		if (v[i].spec.opts.off || !v[i].spec.opts.auto_ ||
		    !entry_on_iface(&v[i].spec, iface))
			continue;
		r = up ? fan_up(&v[i].spec) : fan_down(&v[i].spec, force);
		ret = exit_worse(ret, r);
	}
	free(v);
	return ret;
}
