// SPDX-License-Identifier: GPL-2.0
/*
 * fanctl: parsing of addresses, prefixes, underlay specs, options and
 * config lines.  Pure functions (no system access) so the unit tests can
 * run them; every error names the offending token.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "fanctl.h"

static int parse_dec(const char *s, size_t n, unsigned long max, unsigned long *out)
{
	unsigned long v = 0;
	size_t i;

	if (n == 0 || n > 10)
		return -1;
	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (unsigned long)(s[i] - '0');
		if (v > max)
			return -1;
	}
	*out = v;
	return 0;
}

/*
 * Quiet: the first @n characters of @s as a dotted quad, as inet_pton()
 * reads it (four decimal parts, no leading zeros: "010.7.3.4" is not
 * 10.7.3.4 nor octal 8.7.3.4, it is refused); 0 or -1.
 */
static int ipv4_q(const char *s, size_t n, uint32_t *addr)
{
	char buf[INET_ADDRSTRLEN];
	struct in_addr in;

	if (n >= sizeof(buf))
		return -1;
	memcpy(buf, s, n);
	buf[n] = 0;
	if (inet_pton(AF_INET, buf, &in) != 1)
		return -1;
	*addr = ntohl(in.s_addr);
	return 0;
}

int parse_ipv4(const char *s, uint32_t *addr)
{
	if (ipv4_q(s, strlen(s), addr)) {
		err_msg("'%s' is not an IPv4 address", s);
		return -1;
	}
	return 0;
}

int parse_prefix(const char *s, uint32_t *addr, uint8_t *len, bool allow_host_bits)
{
	const char *slash = strchr(s, '/');
	unsigned long l;
	uint32_t a;

	if (!slash) {
		err_msg("'%s' is not a prefix (ADDRESS/LENGTH)", s);
		return -1;
	}
	if (ipv4_q(s, (size_t)(slash - s), &a)) {
		err_msg("'%s' is not a prefix: bad IPv4 address", s);
		return -1;
	}
	if (parse_dec(slash + 1, strlen(slash + 1), 32, &l)) {
		err_msg("'%s' is not a prefix: bad length (0..32)", s);
		return -1;
	}
	if (!allow_host_bits && (a & ~fan_mask((unsigned int)l))) {
		err_msg("'%s' has host bits set", s);
		return -1;
	}
	*addr = a;
	*len = (uint8_t)l;
	return 0;
}

int parse_uint(const char *s, unsigned int min, unsigned int max, unsigned int *out)
{
	unsigned long v;

	if (parse_dec(s, strlen(s), max, &v) || v < min) {
		err_msg("'%s' is not a number in %u..%u", s, min, max);
		return -1;
	}
	*out = (unsigned int)v;
	return 0;
}

static bool ifname_ok(const char *s)
{
	size_t n = strlen(s), i;

	if (n == 0 || n >= IFNAMSIZ || !strcmp(s, ".") || !strcmp(s, ".."))
		return false;
	for (i = 0; i < n; i++)
		if (s[i] == '/' || s[i] == ':' || isspace((unsigned char)s[i]) ||
		    !isprint((unsigned char)s[i]))
			return false;
	return true;
}

int parse_ifname(const char *s, char *out)
{
	if (ifname_ok(s)) {
		memcpy(out, s, strlen(s) + 1);
		return 0;
	}
	err_msg("'%s' is not a valid interface name (1..%d characters, no '/', ':' or spaces)",
		s, IFNAMSIZ - 1);
	return -1;
}

/* Ubuntu's shorthands: an overlay "250" is 250.0.0.0/8 ... */
#define OVERLAY_SHORT_LEN	8
/* ... and an underlay without a length is a /16. */
#define UNDERLAY_DEFAULT_LEN	16

int parse_overlay(const char *s, struct fan_spec *spec)
{
	unsigned long first;
	uint32_t a;
	uint8_t l;

	if (!strchr(s, '.') && !strchr(s, '/') && !parse_dec(s, strlen(s), 255, &first)) {
		/* no leading zeros, as for an address */
		if (s[0] == '0' && s[1]) {
			err_msg("overlay '%s': leading zero", s);
			return -1;
		}
		a = (uint32_t)first << 24;
		l = OVERLAY_SHORT_LEN;
	} else if (parse_prefix(s, &a, &l, false)) {
		return -1;
	}
	if (l < 1 || l > 30) {
		err_msg("overlay '%s': %s", s, fan_map_strerror(FAN_MAP_BAD_OVERLAY_LEN));
		return -1;
	}
	spec->overlay = a;
	spec->overlay_len = l;
	return 0;
}

int parse_underlay(const char *s, struct fan_spec *spec)
{
	const char *slash = strchr(s, '/');
	char head[64];
	unsigned long l = UNDERLAY_DEFAULT_LEN;
	size_t n;

	n = slash ? (size_t)(slash - s) : strlen(s);
	if (slash && parse_dec(slash + 1, strlen(slash + 1), 32, &l)) {
		err_msg("underlay '%s': bad prefix length", s);
		return -1;
	}
	if (l < 1 || l > 30) {
		err_msg("underlay '%s': %s", s, fan_map_strerror(FAN_MAP_BAD_UNDERLAY_LEN));
		return -1;
	}
	if (n == 0 || n >= sizeof(head)) {
		err_msg("underlay '%s': expected ADDRESS[/LEN], DEVICE[/LEN] or default[/LEN]", s);
		return -1;
	}
	memcpy(head, s, n);
	head[n] = 0;
	spec->underlay_len = (uint8_t)l;
	spec->ul_dev[0] = 0;
	spec->ul_addr = 0;
	if (!ipv4_q(head, n, &spec->ul_addr)) {
		spec->ul_kind = UL_ADDR;
		return 0;
	}
	if (isdigit((unsigned char)head[0]) && strchr(head, '.')) {
		err_msg("underlay '%s': '%s' is not an IPv4 address", s, head);
		return -1;
	}
	if (!strcmp(head, "default")) {
		spec->ul_kind = UL_DEFAULT;
		return 0;
	}
	if (n >= IFNAMSIZ || !ifname_ok(head)) {
		err_msg("underlay '%s': '%s' is not a valid interface name", s, head);
		return -1;
	}
	memcpy(spec->ul_dev, head, n + 1);
	spec->ul_kind = UL_DEV;
	return 0;
}

void fan_opts_init(struct fan_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->nat = true;
	o->auto_ = true;
	o->host_reserve = 1;
}

/* "--word", "word" or "--word=value": returns the bare word in @w, value in @v. */
static void split_opt(const char *arg, char *w, size_t wlen, const char **v)
{
	const char *s = arg, *eq;
	size_t n;

	*v = NULL;
	if (s[0] == '-' && s[1] == '-')
		s += 2;
	eq = s != arg ? strchr(s, '=') : NULL;
	n = eq ? (size_t)(eq - s) : strlen(s);
	if (n >= wlen)
		n = wlen - 1;
	memcpy(w, s, n);
	w[n] = 0;
	if (eq)
		*v = eq + 1;
}

int parse_option(int argc, char **argv, int *i, struct fan_opts *o, bool config)
{
	const char *arg = argv[*i], *val;
	char w[32];
	bool valued;

	split_opt(arg, w, sizeof(w), &val);
	valued = !strcmp(w, "host-reserve") || !strcmp(w, "bridge") || !strcmp(w, "mtu") ||
		 !strcmp(w, "mode");
	if (val && !valued) {
		err_msg("option '%s' takes no value", arg);
		return -1;
	}
	if (valued && !val) {
		if (*i + 1 >= argc) {
			err_msg("option '%s' needs a value", arg);
			return -1;
		}
		val = argv[++*i];
	}
	if (!strcmp(w, "dhcp")) {
		o->dhcp = true;
	} else if (!strcmp(w, "nat")) {
		o->nat = true;
	} else if (!strcmp(w, "no-nat") || !strcmp(w, "nonat")) {
		o->nat = false;
	} else if (!strcmp(w, "notrack")) {
		o->notrack = true;
	} else if (!strcmp(w, "no-notrack")) {
		o->notrack = false;
	} else if (!strcmp(w, "host-reserve")) {
		if (parse_uint(val, 1, 1u << 30, &o->host_reserve))
			return -1;
	} else if (!strcmp(w, "mtu")) {
		if (parse_uint(val, 68, 65535, &o->mtu))
			return -1;
	} else if (!strcmp(w, "bridge")) {
		if (parse_ifname(val, o->bridge))
			return -1;
	} else if (!strcmp(w, "mode")) {
		enum fanctl_mode m;

		if (parse_mode(val, &m))
			return -1;
		/* one fan, one mode: a second one is a mistake, not an override */
		if (o->mode_set) {
			err_msg("mode given twice ('%s', then '%s')", mode_name(o->mode), val);
			return -1;
		}
		o->mode = m;
		o->mode_set = true;
	} else if (!strcmp(w, "auto") || !strcmp(w, "off")) {
		if (!config) {
			err_msg("'%s' is only valid in the config file", arg);
			return -1;
		}
		if (w[0] == 'a')
			o->auto_ = true;
		else
			o->off = true;
	} else {
		err_msg("unknown option '%s'", arg);
		return -1;
	}
	(*i)++;
	return 0;
}

static bool is_option_word(const char *a)
{
	static const char *const words[] = {
		"dhcp", "nat", "no-nat", "nonat", "notrack", "no-notrack",
		"host-reserve", "bridge", "mtu",
		"mode", "auto", "off", NULL,
	};
	char w[32];
	const char *v;
	int i;

	split_opt(a, w, sizeof(w), &v);
	for (i = 0; words[i]; i++)
		if (!strcmp(w, words[i]))
			return true;
	return false;
}

int spec_check_map(const struct fan_spec *spec)
{
	struct fan_map_math m = {
		.overlay = spec->overlay,
		.overlay_len = spec->overlay_len,
		.underlay = spec->ul_kind == UL_ADDR ?
			spec->ul_addr & fan_mask(spec->underlay_len) : 0,
		.underlay_len = spec->underlay_len,
	};
	enum fan_map_error e = fan_map_check(&m);
	char o[PFXSTR_LEN], u[64];

	if (e == FAN_MAP_OK)
		return 0;
	err_msg("map %s over %s: %s", prefix_str(spec->overlay, spec->overlay_len, o),
		underlay_str(spec, u, sizeof(u)), fan_map_strerror(e));
	return -1;
}

int parse_spec(int argc, char **argv, struct fan_spec *spec, bool config)
{
	const char *overlay = NULL, *underlay = NULL;
	int i = 0;

	memset(spec, 0, sizeof(*spec));
	fan_opts_init(&spec->opts);
	while (i < argc) {
		const char *a = argv[i];

		if (!strcmp(a, "-o") || !strcmp(a, "--overlay") ||
		    !strcmp(a, "-u") || !strcmp(a, "--underlay")) {
			const char **dst = a[1] == 'o' || a[2] == 'o' ? &overlay : &underlay;

			if (i + 1 >= argc) {
				err_msg("option '%s' needs a value", a);
				return -1;
			}
			if (*dst) {
				err_msg("'%s' given twice", a);
				return -1;
			}
			*dst = argv[i + 1];
			i += 2;
			continue;
		}
		if (!strncmp(a, "--overlay=", 10) || !strncmp(a, "--underlay=", 11)) {
			const char **dst = a[2] == 'o' ? &overlay : &underlay;

			if (*dst) {
				err_msg("'%s' given twice", a);
				return -1;
			}
			*dst = strchr(a, '=') + 1;
			i++;
			continue;
		}
		if (a[0] != '-' && (strchr(a, '/') || (!is_option_word(a) && !underlay))) {
			if (!overlay) {
				overlay = a;
			} else if (!underlay) {
				underlay = a;
			} else {
				err_msg("unexpected argument '%s'", a);
				return -1;
			}
			i++;
			continue;
		}
		if (parse_option(argc, argv, &i, &spec->opts, config))
			return -1;
	}
	if (!overlay) {
		err_msg("missing OVERLAY (e.g. 250.0.0.0/8)");
		return -1;
	}
	if (parse_overlay(overlay, spec))
		return -1;
	if (!underlay) {
		err_msg("missing UNDERLAY (e.g. ib0/16)");
		return -1;
	}
	if (parse_underlay(underlay, spec))
		return -1;
	return spec_check_map(spec);
}

int split_words(char *line, char **words, int max)
{
	int n = 0;
	char *p = line;

	for (;;) {
		while (*p && isspace((unsigned char)*p))
			p++;
		if (!*p)
			break;
		if (n == max)
			return -1;
		words[n++] = p;
		while (*p && !isspace((unsigned char)*p))
			p++;
		if (*p)
			*p++ = 0;
	}
	return n;
}

int parse_config_line(const char *line, const char *file, unsigned int lineno,
		      struct fan_spec *spec)
{
	char buf[FANCTL_MAX_LINE], ctx[512], *words[32], *hash;
	const char *saved = err_ctx;
	int n, ret;

	snprintf(ctx, sizeof(ctx), "%s:%u: ", file, lineno);
	if (strlen(line) >= sizeof(buf)) {
		err_ctx = ctx;
		err_msg("line too long");
		err_ctx = saved;
		return -1;
	}
	strcpy(buf, line);
	hash = strchr(buf, '#');
	if (hash)
		*hash = 0;
	n = split_words(buf, words, 32);
	err_ctx = ctx;
	if (n < 0) {
		err_msg("too many words");
		ret = -1;
	} else if (n == 0) {
		ret = 0;
	} else {
		ret = parse_spec(n, words, spec, true) ? -1 : 1;
	}
	err_ctx = saved;
	return ret;
}

void bridge_name(uint32_t slice, unsigned int slice_len, char *out)
{
	unsigned int octets = (slice_len + 7) / 8, i;
	char buf[64];
	int n;

	if (octets < 1)
		octets = 1;
	n = snprintf(buf, sizeof(buf), "fan");
	for (i = 0; i < octets && i < 4; i++)
		n += snprintf(buf + n, sizeof(buf) - (size_t)n, "-%u",
			      (slice >> (24 - 8 * i)) & 255);
	if (n >= IFNAMSIZ)
		snprintf(buf, sizeof(buf), "fan-%08x", slice);
	memcpy(out, buf, IFNAMSIZ - 1);
	out[IFNAMSIZ - 1] = 0;
}

int conf_derive(struct fan_conf *c)
{
	const struct fan_spec *s = &c->spec;
	char a[IPSTR_LEN], u[PFXSTR_LEN];
	uint32_t size;

	c->map.overlay = s->overlay;
	c->map.overlay_len = s->overlay_len;
	c->map.underlay_len = s->underlay_len;
	c->map.underlay = c->local & fan_mask(s->underlay_len);
	if (fan_map_check(&c->map) != FAN_MAP_OK) {
		err_msg("map %s over %s: %s", prefix_str(s->overlay, s->overlay_len, a),
			prefix_str(c->map.underlay, s->underlay_len, u),
			fan_map_strerror(fan_map_check(&c->map)));
		return -1;
	}
	if (!fan_host_part_valid(&c->map, fan_host_part(&c->map, c->local))) {
		err_msg("underlay address %s is not a host of %s (host part all zeros or all ones)",
			ip_str(c->local, a), prefix_str(c->map.underlay, s->underlay_len, u));
		return -1;
	}
	c->slice = fan_slice_of(&c->map, c->local);
	c->slice_len = (uint8_t)fan_slice_len(&c->map);
	c->bridge_addr = c->slice + 1;
	size = (uint32_t)1 << fan_container_bits(&c->map);
	/* .1 .. .host_reserve reserved, at least one address before broadcast */
	if ((uint64_t)s->opts.host_reserve + 2 > (uint64_t)size - 1) {
		err_msg("host-reserve %u leaves no container address in %s",
			s->opts.host_reserve, prefix_str(c->slice, c->slice_len, u));
		return -1;
	}
	if (s->opts.bridge[0])
		strcpy(c->bridge, s->opts.bridge);
	else
		bridge_name(c->slice, c->slice_len, c->bridge);
	return 0;
}

const char *underlay_str(const struct fan_spec *s, char *buf, size_t len)
{
	char a[IPSTR_LEN];

	switch (s->ul_kind) {
	case UL_ADDR:
		snprintf(buf, len, "%s/%u", ip_str(s->ul_addr, a), s->underlay_len);
		break;
	case UL_DEV:
		snprintf(buf, len, "%s/%u", s->ul_dev, s->underlay_len);
		break;
	case UL_DEFAULT:
		snprintf(buf, len, "default/%u", s->underlay_len);
		break;
	}
	return buf;
}

int spec_format(const struct fan_conf *c, char *buf, size_t len)
{
	const struct fan_opts *o = &c->spec.opts;
	char ov[PFXSTR_LEN], ul[PFXSTR_LEN];
	int n;

	n = snprintf(buf, len, "%s %s %s host-reserve %u%s%s", FANCTL_ALIAS,
		     prefix_str(c->map.overlay, c->map.overlay_len, ov),
		     prefix_str(c->local, c->map.underlay_len, ul), o->host_reserve,
		     o->nat ? " nat" : " no-nat", o->dhcp ? " dhcp" : "");
	if (n > 0 && (size_t)n < len && o->notrack)
		n += snprintf(buf + n, len - (size_t)n, " notrack");
	if (n > 0 && (size_t)n < len && o->mtu)
		n += snprintf(buf + n, len - (size_t)n, " mtu %u", o->mtu);
	/* as asked (auto stays auto): the kernel's map says what it became */
	if (n > 0 && (size_t)n < len && o->mode != FANCTL_MODE_IPIP)
		n += snprintf(buf + n, len - (size_t)n, " mode %s", mode_name(o->mode));
	return n > 0 && (size_t)n < len ? 0 : -1;
}

int alias_parse(const char *alias, struct fan_spec *spec)
{
	char buf[FANCTL_MAX_LINE], *words[32];
	int n, ret;

	if (strlen(alias) >= sizeof(buf))
		return -1;
	strcpy(buf, alias);
	n = split_words(buf, words, 32);
	if (n < 3 || strcmp(words[0], FANCTL_ALIAS))
		return -1;
	msg_quiet = true;
	ret = parse_spec(n - 1, words + 1, spec, false);
	msg_quiet = false;
	return ret || spec->ul_kind != UL_ADDR ? -1 : 0;
}
