// SPDX-License-Identifier: GPL-2.0
/*
 * fanctl: the record of the fans fanctl brought up, in run_dir()/fans.
 *
 * The kernel holds most of a fan's state, and the ifalias marker on the
 * bridge says which fan it is.  The record adds what the kernel cannot
 * say: which config file's "up -a" brought a fan up (so that "down -a"
 * takes down what it brought up, whatever the file says now), and the
 * bridge's ifindex and marker as fanctl set them (so that a marker a user
 * or networkd changed is noticed instead of orphaning the fan).
 *
 * One line per fan, tab-separated: bridge, ifindex, underlay device,
 * source ("-": the command line, else the config file's absolute path,
 * %-escaped), marker.  Rewritten whole (a temporary file renamed over it)
 * under fanctl's lock; removed with the last fan.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fanctl.h"

static void rec_path(char *buf, size_t len, const char *suffix)
{
	snprintf(buf, len, "%s/fans%s", run_dir(), suffix);
}

/* %XX for '%' and control characters: a field has no tab or newline */
static void escape(const char *s, char *out, size_t len)
{
	size_t n = 0;

	for (; *s && n + 4 < len; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch < 0x20 || ch == '%' || ch == 0x7f)
			n += (size_t)snprintf(out + n, len - n, "%%%02X", ch);
		else
			out[n++] = (char)ch;
	}
	out[n] = 0;
}

static void unescape(char *s)
{
	char *w = s;
	unsigned int v;

	for (; *s; s++) {
		if (*s == '%' && sscanf(s + 1, "%2X", &v) == 1) {
			*w++ = (char)v;
			s += 2;
		} else {
			*w++ = *s;
		}
	}
	*w = 0;
}

static int parse_line(char *line, struct fan_record *r)
{
	char *f[5], *p = line;
	int i;

	for (i = 0; i < 5; i++) {
		f[i] = p;
		p = i < 4 ? strchr(p, '\t') : strchr(p, '\n');
		if (!p && i < 4)
			return -1;
		if (p)
			*p++ = 0;
	}
	memset(r, 0, sizeof(*r));
	unescape(f[3]);
	unescape(f[4]);
	if (strlen(f[0]) >= sizeof(r->bridge) || strlen(f[2]) >= sizeof(r->ul_dev) ||
	    strlen(f[3]) >= sizeof(r->source) || strlen(f[4]) >= sizeof(r->marker))
		return -1;
	strcpy(r->bridge, f[0]);
	r->ifindex = atoi(f[1]);
	strcpy(r->ul_dev, f[2]);
	if (strcmp(f[3], "-"))
		strcpy(r->source, f[3]);
	strcpy(r->marker, f[4]);
	return r->bridge[0] && r->ifindex > 0 ? 0 : -1;
}

int record_load(struct fan_record **out)
{
	char path[128], line[2 * PATH_MAX + 600];
	struct fan_record *v = NULL, *nv;
	int n = 0, cap = 0;
	FILE *f;

	*out = NULL;
	rec_path(path, sizeof(path), "");
	f = fopen(path, "re");
	if (!f) {
		if (errno == ENOENT)
			return 0;
		err_msg("cannot read %s: %s", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		if (n == cap) {
			cap = cap ? 2 * cap : 8;
			nv = realloc(v, (size_t)cap * sizeof(*v));
			if (!nv) {
				err_msg("out of memory");
				free(v);
				fclose(f);
				return -1;
			}
			v = nv;
		}
		if (parse_line(line, &v[n]))
			warn_msg("%s: a line is not understood, ignored", path);
		else
			n++;
	}
	fclose(f);
	*out = v;
	return n;
}

int record_save(const struct fan_record *v, int n)
{
	char path[128], tmp[128], src[3 * PATH_MAX], mk[3 * 256];
	FILE *f;
	int i, e;

	rec_path(path, sizeof(path), "");
	if (!n) {
		if (unlink(path) && errno != ENOENT) {
			err_msg("cannot remove %s: %s", path, strerror(errno));
			return -1;
		}
		run_dir_tidy();
		return 0;
	}
	if (run_dir_make())
		return -1;
	rec_path(tmp, sizeof(tmp), ".tmp");
	f = fopen(tmp, "we");
	if (!f) {
		err_msg("cannot write %s: %s", tmp, strerror(errno));
		return -1;
	}
	for (i = 0; i < n; i++) {
		escape(v[i].source, src, sizeof(src));
		escape(v[i].marker, mk, sizeof(mk));
		fprintf(f, "%s\t%d\t%s\t%s\t%s\n", v[i].bridge, v[i].ifindex,
			v[i].ul_dev[0] ? v[i].ul_dev : "-", src[0] ? src : "-", mk);
	}
	if (fflush(f) || ferror(f)) {
		e = errno;
		fclose(f);
		unlink(tmp);
		err_msg("cannot write %s: %s", tmp, strerror(e));
		return -1;
	}
	fclose(f);
	if (rename(tmp, path)) {
		e = errno;
		unlink(tmp);
		err_msg("cannot write %s: %s", path, strerror(e));
		return -1;
	}
	return 0;
}

/* Set @r's entry (by bridge name): @r->source NULL-empty keeps the old one. */
int record_set(const struct fan_record *r, bool keep_source)
{
	struct fan_record *v, *nv;
	int n, i, ret;

	n = record_load(&v);
	if (n < 0)
		return -1;
	for (i = 0; i < n; i++)
		if (!strcmp(v[i].bridge, r->bridge))
			break;
	if (i == n) {
		nv = realloc(v, (size_t)(n + 1) * sizeof(*v));
		if (!nv) {
			free(v);
			err_msg("out of memory");
			return -1;
		}
		v = nv;
		n++;
		keep_source = false;
	}
	if (keep_source) {
		char src[PATH_MAX];

		strcpy(src, v[i].source);
		v[i] = *r;
		strcpy(v[i].source, src);
	} else {
		v[i] = *r;
	}
	ret = record_save(v, n);
	free(v);
	return ret;
}

int record_del(const char *bridge)
{
	struct fan_record *v;
	int n, i, j, ret;

	n = record_load(&v);
	if (n <= 0)
		return n;
	for (i = j = 0; i < n; i++)
		if (strcmp(v[i].bridge, bridge))
			v[j++] = v[i];
	ret = j == n ? 0 : record_save(v, j);
	free(v);
	return ret;
}

const struct fan_record *record_find(const struct fan_record *v, int n, const char *bridge)
{
	int i;

	for (i = 0; i < n; i++)
		if (!strcmp(v[i].bridge, bridge))
			return &v[i];
	return NULL;
}

/*
 * The bridge of record @r as it is now: the same name and ifindex, a
 * bridge.  NULL if it is gone (or another device took its name).
 */
struct link_info *record_bridge(struct fan_state *st, const struct fan_record *r)
{
	struct link_info *l = state_by_index(st, r->ifindex);

	return l && !strcmp(l->name, r->bridge) && !strcmp(l->kind, "bridge") ? l : NULL;
}

/* Say that @br's marker is not the one fanctl set (@r's). */
void record_warn_marker(const struct link_info *br, const struct fan_record *r)
{
	warn_msg("bridge %s: its ifalias was changed to '%s' (by a user or networkd?); fanctl set '%s' and goes by that",
		 br->name, br->alias, r->marker);
}
