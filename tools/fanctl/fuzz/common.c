// SPDX-License-Identifier: GPL-2.0
/*
 * fanctl parser fuzzing: what the harnesses share, and stubs for the parts
 * of fanctl that config.c calls but the parsers never reach.
 */
#include <stdarg.h>

#include "fuzz.h"

static void append(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void append(char *buf, size_t len, const char *fmt, ...)
{
	size_t n = strlen(buf);
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vsnprintf(buf + n, len - n, fmt, ap);
	va_end(ap);
	if (r < 0 || (size_t)r >= len - n)
		abort();
}

int fuzz_spec_words(const struct fan_spec *s, bool config, char *buf, size_t len,
		    char **words)
{
	const struct fan_opts *o = &s->opts;
	char ov[PFXSTR_LEN], ul[64];

	buf[0] = 0;
	underlay_str(s, ul, sizeof(ul));
	/* A device named -x can only be given as --underlay=-x/16. */
	append(buf, len, "%s %s%s host-reserve %u %s",
	       prefix_str(s->overlay, s->overlay_len, ov),
	       ul[0] == '-' ? "--underlay=" : "", ul, o->host_reserve,
	       o->nat ? "nat" : "no-nat");
	if (o->dhcp)
		append(buf, len, " dhcp");
	if (o->bridge[0])
		append(buf, len, " bridge %s", o->bridge);
	if (o->mtu)
		append(buf, len, " mtu %u", o->mtu);
	if (o->mode != FANCTL_MODE_IPIP)
		append(buf, len, " mode %s", mode_name(o->mode));
	if (config && o->off)
		append(buf, len, " off");
	return split_words(buf, words, 32);
}

/* Not reachable from the parsers, map_explain() and config_read(). */
int help_for(const char *cmd, FILE *f)
{
	(void)cmd;
	(void)f;
	abort();
}

int fan_resolve(const struct fan_spec *spec, struct fan_conf *c)
{
	(void)spec;
	(void)c;
	abort();
}

int fan_up(const struct fan_spec *spec)
{
	(void)spec;
	abort();
}

int fan_down(const struct fan_spec *spec, bool force)
{
	(void)spec;
	(void)force;
	abort();
}

int state_load(struct fan_state *s)
{
	(void)s;
	abort();
}

void state_free(struct fan_state *s)
{
	(void)s;
	abort();
}

int fan_up_from(const struct fan_spec *spec, const char *source)
{
	(void)spec;
	(void)source;
	abort();
}

int fan_down_record(const struct fan_record *r, bool force)
{
	(void)r;
	(void)force;
	abort();
}

bool spec_recorded(const struct fan_spec *spec, const struct fan_record *recs, int nrec)
{
	(void)spec;
	(void)recs;
	(void)nrec;
	abort();
}

int record_load(struct fan_record **out)
{
	(void)out;
	abort();
}

int fanctl_lock(void)
{
	abort();
}

int addr_dump(struct addr_info **out)
{
	(void)out;
	abort();
}

int route_default_dev(int *ifindex)
{
	(void)ifindex;
	abort();
}
