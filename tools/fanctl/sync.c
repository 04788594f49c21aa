// SPDX-License-Identifier: GPL-2.0
/*
 * fanctl showconf / syncconf, as wg's: the running fans as config lines,
 * and a config file made the running state (its fans up, fanctl's other
 * fans down).  What runs is read from the kernel: the bridges' markers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fanctl.h"

/* A running fan: its bridge and marker, and the conf they give. */
struct running {
	char bridge[IFNAMSIZ];
	char alias[256];
	struct fan_conf conf;
	bool wanted;		/* syncconf: the file has it, unchanged */
};

/* The fans fanctl made, from the markers; count or -1 (error printed). */
static int running_fans(struct running **out)
{
	struct fan_state st;
	struct running *v;
	int i, n = 0;

	if (state_load(&st))
		return -1;
	v = calloc((size_t)st.n + 1, sizeof(*v));
	if (!v) {
		err_msg("out of memory");
		state_free(&st);
		return -1;
	}
	for (i = 0; i < st.n; i++) {
		const struct link_info *l = &st.links[i];
		struct running *r = &v[n];

		if (strcmp(l->kind, "bridge") || alias_parse(l->alias, &r->conf.spec))
			continue;
		snprintf(r->bridge, sizeof(r->bridge), "%s", l->name);
		snprintf(r->alias, sizeof(r->alias), "%s", l->alias);
		snprintf(r->conf.spec.opts.bridge, IFNAMSIZ, "%s", l->name);
		r->conf.local = r->conf.spec.ul_addr;
		msg_quiet = true;
		if (!conf_derive(&r->conf))
			n++;
		msg_quiet = false;
	}
	state_free(&st);
	*out = v;
	return n;
}

/* @c as a config line: what "up" needs to make it again. */
static void conf_line(const struct fan_conf *c, FILE *f)
{
	char alias[256], def[IFNAMSIZ];

	if (spec_format(c, alias, sizeof(alias)))
		return;
	/* the marker is "fanctl " and the line */
	fputs(alias + strlen(FANCTL_ALIAS) + 1, f);
	bridge_name(c->slice, c->slice_len, def);
	if (strcmp(c->bridge, def))
		fprintf(f, " bridge %s", c->bridge);
	fputc('\n', f);
}

int cmd_showconf(int argc, char **argv)
{
	struct running *v;
	bool help;
	int i, n;

	i = cmd_getopt(argc, argv, &help, NULL);
	if (i < 0)
		return EXIT_USAGE;
	if (help) {
		help_for("showconf", stdout);
		return EXIT_OK;
	}
	if (i < argc) {
		err_msg("showconf: unexpected argument '%s'", argv[i]);
		return EXIT_USAGE;
	}
	n = running_fans(&v);
	if (n < 0)
		return EXIT_SYSTEM;
	for (i = 0; i < n; i++)
		conf_line(&v[i].conf, stdout);
	free(v);
	return EXIT_OK;
}

/* The same fan: overlay, local address and underlay length. */
static bool same_fan(const struct fan_conf *a, const struct fan_conf *b)
{
	return a->map.overlay == b->map.overlay && a->map.overlay_len == b->map.overlay_len &&
	       a->local == b->local && a->map.underlay_len == b->map.underlay_len;
}

int cmd_syncconf(int argc, char **argv)
{
	struct config_entry *e = NULL;
	struct running *run = NULL;
	struct fan_conf *want = NULL;
	unsigned int nerr;
	int i, j, n, nrun, ret = EXIT_OK;
	bool help;

	i = cmd_getopt(argc, argv, &help, NULL);
	if (i < 0)
		return EXIT_USAGE;
	if (help) {
		help_for("syncconf", stdout);
		return EXIT_OK;
	}
	if (argc - i != 1) {
		err_msg("syncconf: %s", argc - i ? "one FILE only" : "missing FILE");
		return EXIT_USAGE;
	}
	n = config_read(argv[i], &e, &nerr);
	if (n < 0)
		return nerr ? EXIT_USAGE : EXIT_SYSTEM;
	if (nerr) {
		err_msg("%s has %u error%s; nothing done", argv[i], nerr, nerr == 1 ? "" : "s");
		free(e);
		return EXIT_USAGE;
	}
	/* every fan of the file resolved before anything changes */
	want = calloc((size_t)n + 1, sizeof(*want));
	if (!want) {
		free(e);
		return EXIT_SYSTEM;
	}
	for (j = 0; j < n; j++) {
		int r;

		if (e[j].spec.opts.off)
			continue;
		r = fan_resolve(&e[j].spec, &want[j]);
		if (r) {
			err_msg("%s:%u: nothing done", argv[i], e[j].lineno);
			ret = r;
			goto out;
		}
	}
	nrun = running_fans(&run);
	if (nrun < 0) {
		ret = EXIT_SYSTEM;
		goto out;
	}
	/* down: fanctl's fans the file does not have, or has otherwise */
	for (i = 0; i < nrun; i++) {
		char alias[256];

		for (j = 0; j < n; j++) {
			if (e[j].spec.opts.off || !same_fan(&run[i].conf, &want[j]))
				continue;
			run[i].wanted = !spec_format(&want[j], alias, sizeof(alias)) &&
					!strcmp(alias, run[i].alias) &&
					!strcmp(want[j].bridge, run[i].bridge);
			break;
		}
		if (!run[i].wanted)
			ret = exit_worse(ret, fan_down(&run[i].conf.spec, false));
	}
	/* up: the file's fans (a no-op for those running as they are) */
	for (j = 0; j < n; j++)
		if (!e[j].spec.opts.off)
			ret = exit_worse(ret, fan_up(&e[j].spec));
out:
	free(run);
	free(want);
	free(e);
	return ret;
}
