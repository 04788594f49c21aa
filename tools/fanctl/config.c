// SPDX-License-Identifier: GPL-2.0
/*
 * fanctl: /etc/network/fan (Ubuntu format: "OVERLAY UNDERLAY [flags]" per
 * line, '#' comments), "fanctl config", "up -a" and "down -a".
 */
#include <errno.h>
#include <limits.h>
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

/* The device an underlay (address or default) is on, as fan_resolve finds it. */
static bool underlay_dev(const struct fan_spec *s, char *dev)
{
	uint32_t net = s->ul_addr & fan_mask(s->underlay_len);
	struct addr_info *v;
	int n, i, ifindex = 0;

	if (s->ul_kind == UL_DEFAULT)
		return !route_default_dev(&ifindex) && if_indextoname((unsigned int)ifindex, dev);
	n = addr_dump(&v);
	if (n < 0)
		return false;
	for (i = 0; i < n && !ifindex; i++)
		if (s->ul_addr != net ? v[i].local == s->ul_addr :
		    fan_prefix_contains(net, s->underlay_len, v[i].local))
			ifindex = v[i].ifindex;
	free(v);
	return ifindex && if_indextoname((unsigned int)ifindex, dev);
}

/*
 * The device of a config line that did not parse: its second word, the
 * UNDERLAY, if that parses, resolved.  false: it cannot be told.
 */
static bool bad_line_iface(const char *line, char *dev)
{
	char buf[FANCTL_MAX_LINE + 2], *words[32], *hash;
	struct fan_spec spec;
	int ret;

	if (strlen(line) >= sizeof(buf))
		return false;
	strcpy(buf, line);
	hash = strchr(buf, '#');
	if (hash)
		*hash = 0;
	if (split_words(buf, words, 32) < 2)
		return false;
	memset(&spec, 0, sizeof(spec));
	msg_quiet = true;
	ret = parse_underlay(words[1], &spec);
	msg_quiet = false;
	if (ret)
		return false;
	if (spec.ul_kind != UL_DEV)
		return underlay_dev(&spec, dev);
	snprintf(dev, IFNAMSIZ, "%s", spec.ul_dev);
	return true;
}

/*
 * With --iface, lines in error on other devices do not stop this device's
 * fans: "ifup ib1" must not fail for a typo in a line of ib0.  Returns
 * the number of errors that may concern @iface (a line whose device
 * cannot be told counts).
 */
static unsigned int errors_for_iface(const char *path, const char *iface, unsigned int nerr)
{
	char line[FANCTL_MAX_LINE + 2], dev[IFNAMSIZ];
	unsigned int lineno = 0, found = 0, mine = 0;
	struct fan_spec spec;
	FILE *f = fopen(path, "r");

	if (!f)
		return nerr;
	while (fgets(line, sizeof(line), f)) {
		size_t len = strlen(line);

		lineno++;
		if (len && line[len - 1] == '\n')
			line[--len] = 0;
		msg_quiet = true;
		if (parse_config_line(line, path, lineno, &spec) >= 0) {
			msg_quiet = false;
			continue;
		}
		msg_quiet = false;
		found++;
		if (bad_line_iface(line, dev) && strcmp(dev, iface)) {
			warn_msg("%s:%u: the error is in a fan of %s: ignored for %s", path, lineno,
				 dev, iface);
			continue;
		}
		mine++;
	}
	fclose(f);
	/* errors found by config_read alone (duplicates, long lines): may be ours */
	return mine + (nerr > found ? nerr - found : 0);
}

/* The absolute name of the config file: what the record says for "up -a". */
static void config_source(const char *path, char *out)
{
	char dir[PATH_MAX], real[PATH_MAX];
	const char *base = path;
	char *slash;

	if (realpath(path, out))
		return;
	/* gone (down -a after it was removed): its directory's real path */
	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash) {
		base = path + (slash - dir) + 1;
		*slash = 0;
	}
	if (realpath(slash ? (dir[0] ? dir : "/") : ".", real) &&
	    strlen(real) + strlen(base) + 2 <= PATH_MAX) {
		strcpy(out, real);
		if (strcmp(real, "/"))
			strcat(out, "/");
		strcat(out, base);
		return;
	}
	snprintf(out, PATH_MAX, "%s", path);
}

/*
 * down -a: the fans "up -a" brought up from @path (the record), whatever
 * the file says now; then the file's fans that are up and that no "up -a"
 * of another file brought up (by hand, or by a fanctl that kept no record).
 */
static int config_down(const char *path, const char *iface, bool force,
		       const struct config_entry *v, int n, bool use_file)
{
	char src[PATH_MAX];
	struct fan_record *recs;
	int nrec, i, ret = EXIT_OK;

	config_source(path, src);
	nrec = record_load(&recs);
	if (nrec < 0)
		return EXIT_SYSTEM;
	for (i = 0; i < nrec; i++) {
		if (strcmp(recs[i].source, src) || (iface && strcmp(recs[i].ul_dev, iface)))
			continue;
		ret = exit_worse(ret, fan_down_record(&recs[i], force));
	}
	for (i = 0; use_file && i < n; i++) {
		if (v[i].spec.opts.off || !v[i].spec.opts.auto_ ||
		    !entry_on_iface(&v[i].spec, iface) || spec_recorded(&v[i].spec, recs, nrec))
			continue;
		ret = exit_worse(ret, fan_down(&v[i].spec, force));
	}
	free(recs);
	return ret;
}

int config_all(const char *path, const char *iface, bool up, bool force)
{
	char src[PATH_MAX];
	struct config_entry *v;
	unsigned int nerr, mine;
	int n, i, ret = EXIT_OK;

	if (fanctl_lock())
		return EXIT_SYSTEM;
	n = config_read(path, &v, &nerr);
	if (n < 0 && !nerr) {
		/* unreadable: down -a still has the record */
		return up ? EXIT_SYSTEM : exit_worse(EXIT_SYSTEM,
						     config_down(path, iface, force, NULL, 0, false));
	}
	mine = nerr && iface ? errors_for_iface(path, iface, nerr) : nerr;
	if (mine) {
		err_msg("%s has %u error%s; %s (check with 'fanctl config %s')", path, nerr,
			nerr == 1 ? "" : "s",
			up ? (iface ? "no fan brought up for this device" : "nothing done") :
			"only the fans its 'up -a' brought up are taken down", path);
		if (up) {
			free(v);
			return EXIT_USAGE;
		}
	}
	if (!up) {
		ret = config_down(path, iface, force, v, n < 0 ? 0 : n, !mine);
		free(v);
		return mine ? exit_worse(ret, EXIT_USAGE) : ret;
	}
	config_source(path, src);
	for (i = 0; i < n; i++) {
		int r;

		if (v[i].spec.opts.off || !v[i].spec.opts.auto_ ||
		    !entry_on_iface(&v[i].spec, iface))
			continue;
		r = fan_up_from(&v[i].spec, src);
		ret = exit_worse(ret, r);
	}
	free(v);
	return ret;
}
