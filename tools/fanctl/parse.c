// SPDX-License-Identifier: GPL-2.0
/*
 * fanctl: parsing of addresses, prefixes, underlay specs, options and
 * config lines.  Pure functions (no system access) so the unit tests can
 * run them; every error names the offending token.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
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

/* ---- options ---- */

/* getopt_long values besides the short options */
enum {
	OPT_FAN = 1,		/* an option of the fan itself (dhcp, mtu, ...) */
	OPT_IFACE,
	/*
	 * getopt_long returns LONG_BASE + the index in opt_defs for a long
	 * option: each its own value, so that an abbreviation of two (--m:
	 * --mtu or --mode?) is ambiguous, not the first of them.
	 */
	LONG_BASE = 256,
};

#define USE(u)		(1u << (u))
#define USE_FAN		(USE(SPEC_UP) | USE(SPEC_CONFIG))
#define USE_CMD		(USE(SPEC_UP) | USE(SPEC_DOWN))
#define USE_EXPORT	(USE(SPEC_EXPORT) | USE(SPEC_INCUS))

/*
 * Every option of what names a fan (up, down, docker and cni, a config
 * line) and which of them take it.  The fan's own options are bare words
 * (Ubuntu's style) or --words, the others --words or their short forms;
 * getopt_long reads the dashed ones.  One that its command would ignore
 * is an error.
 */
static const struct opt_def {
	const char *name;
	int has_arg;
	int val;		/* OPT_FAN, OPT_IFACE or the short option */
	unsigned int uses;	/* USE(enum spec_use) */
} opt_defs[] = {
	{ "dhcp", no_argument, OPT_FAN, USE_FAN },
	{ "nat", no_argument, OPT_FAN, USE_FAN },
	{ "no-nat", no_argument, OPT_FAN, USE_FAN },
	{ "nonat", no_argument, OPT_FAN, USE_FAN },
	{ "notrack", no_argument, OPT_FAN, USE_FAN },
	{ "no-notrack", no_argument, OPT_FAN, USE_FAN },
	{ "host-reserve", required_argument, OPT_FAN, USE_FAN | USE(SPEC_EXPORT) },
	{ "bridge", required_argument, OPT_FAN, USE_FAN | USE_EXPORT },
	{ "mtu", required_argument, OPT_FAN, USE_FAN | USE_EXPORT },
	{ "mode", required_argument, OPT_FAN, USE_FAN | USE_EXPORT },
	{ "auto", no_argument, OPT_FAN, USE(SPEC_CONFIG) },
	{ "off", no_argument, OPT_FAN, USE(SPEC_CONFIG) },
	{ "overlay", required_argument, 'o', USE_FAN | USE(SPEC_DOWN) | USE_EXPORT },
	{ "underlay", required_argument, 'u', USE_FAN | USE(SPEC_DOWN) | USE_EXPORT },
	{ "all", no_argument, 'a', USE_CMD },
	{ "config", required_argument, 'c', USE_CMD },
	{ "iface", required_argument, OPT_IFACE, USE_CMD },
	{ "everything", no_argument, 'e', USE(SPEC_DOWN) },
	{ "force", no_argument, 'f', USE(SPEC_DOWN) },
	{ "help", no_argument, 'h', USE_CMD | USE_EXPORT },
};

#define N_OPT_DEFS	(sizeof(opt_defs) / sizeof(opt_defs[0]))
/*
 * '-': every word in its order (a bare one as 1), so "host-reserve 4"
 * stays together and POSIXLY_CORRECT changes nothing; ':': a missing value
 * returns ':'.
 */
#define SHORT_OPTS	"-:ac:efho:u:"

static const char *const use_names[] = {
	[SPEC_UP] = "up takes",
	[SPEC_CONFIG] = "a config line takes",
	[SPEC_DOWN] = "down takes",
	[SPEC_EXPORT] = "docker and cni take",
	/* Incus takes the addresses fanctl's DHCP hands out: none to reserve. */
	[SPEC_INCUS] = "incus takes",
};

const char *option_info(size_t i, char *short_opt, bool *fan_word, unsigned int *uses)
{
	if (i >= N_OPT_DEFS)
		return NULL;
	*short_opt = opt_defs[i].val > OPT_IFACE ? (char)opt_defs[i].val : 0;
	*fan_word = opt_defs[i].val == OPT_FAN;
	*uses = opt_defs[i].uses;
	return opt_defs[i].name;
}

/* A fan option given as a bare word (Ubuntu's style), or NULL. */
static const struct opt_def *fan_word(const char *w)
{
	size_t i;

	for (i = 0; i < N_OPT_DEFS; i++)
		if (opt_defs[i].val == OPT_FAN && !strcmp(opt_defs[i].name, w))
			return &opt_defs[i];
	return NULL;
}

/* Does @use take @d?  Else say so, naming @arg as the user wrote it. */
static int opt_allowed(const struct opt_def *d, const char *arg, enum spec_use use)
{
	if (d->uses & USE(use))
		return 0;
	if (d->uses == USE(SPEC_CONFIG))
		err_msg("'%s' is only valid in the config file", arg);
	else
		err_msg("%s no option '%s'", use_names[use], arg);
	return -1;
}

/* Set the fan option @d (value @val, NULL if it takes none) in @o. */
static int fan_opt_set(const struct opt_def *d, const char *val, struct fan_opts *o)
{
	const char *w = d->name;

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
		return parse_uint(val, 1, 1u << 30, &o->host_reserve);
	} else if (!strcmp(w, "mtu")) {
		return parse_uint(val, 68, 65535, &o->mtu);
	} else if (!strcmp(w, "bridge")) {
		return parse_ifname(val, o->bridge);
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
	} else if (!strcmp(w, "auto")) {
		o->auto_ = true;
	} else if (!strcmp(w, "off")) {
		o->off = true;
	}
	return 0;
}

/* An overlay or underlay word, -o/-u or positional; once each. */
static int set_once(const char **dst, const char *val, const char *arg)
{
	if (*dst) {
		err_msg("'%s' given twice", arg);
		return -1;
	}
	*dst = val;
	return 0;
}

/* A dashed option, as getopt_long returned it (@c). */
static int dashed_opt(int c, enum spec_use use, struct fan_args *a)
{
	const struct opt_def *d = NULL;
	char arg[32];
	size_t i;

	if (c >= LONG_BASE) {
		d = &opt_defs[c - LONG_BASE];
		snprintf(arg, sizeof(arg), "--%s", d->name);
	} else {
		for (i = 0; i < N_OPT_DEFS && !d; i++)
			if (opt_defs[i].val == c)
				d = &opt_defs[i];
		snprintf(arg, sizeof(arg), "-%c", c);
	}
	if (!d || opt_allowed(d, arg, use))
		return -1;
	if (d->val != OPT_FAN && d->val != 'o' && d->val != 'u' && !a->cmd_opt)
		a->cmd_opt = d->name;
	switch (d->val) {
	case OPT_FAN:
		return fan_opt_set(d, optarg, &a->spec.opts);
	case 'o':
		return set_once(&a->overlay, optarg, arg);
	case 'u':
		return set_once(&a->underlay, optarg, arg);
	case 'a':
		a->all = true;
		break;
	case 'c':
		a->config = optarg;
		break;
	case OPT_IFACE:
		a->iface = optarg;
		break;
	case 'e':
		a->everything = true;
		break;
	case 'f':
		a->force = true;
		break;
	case 'h':
		a->help = true;
		break;
	}
	return 0;
}

/*
 * A word that is not a dashed option: OVERLAY, UNDERLAY (a word with a
 * '/' always is one), a fan option as a bare word, or the value of the
 * one before it (*pending: "host-reserve 4").
 */
static int bare_word(const char *w, enum spec_use use, struct fan_args *a,
		     const struct opt_def **pending)
{
	const struct opt_def *d = *pending;

	if (d) {
		*pending = NULL;
		return fan_opt_set(d, w, &a->spec.opts);
	}
	d = fan_word(w);
	if (strchr(w, '/') || (!d && (!a->overlay || !a->underlay))) {
		if (!a->overlay) {
			a->overlay = w;
		} else if (!a->underlay) {
			a->underlay = w;
		} else {
			err_msg("unexpected argument '%s'", w);
			return -1;
		}
		return 0;
	}
	if (!d) {
		err_msg("unknown option '%s'", w);
		return -1;
	}
	if (opt_allowed(d, w, use))
		return -1;
	if (d->has_arg == required_argument) {
		*pending = d;
		return 0;
	}
	return fan_opt_set(d, NULL, &a->spec.opts);
}

/*
 * getopt_long refused an option: unknown (optopt 0 for a long one, the
 * letter for a short one), or "--name=value" for a name that takes none
 * (optopt its value).  @last is the word it read last.
 */
static void getopt_error(const char *last)
{
	size_t i, n = strcspn(last, "="), hits = 0;

	if (!optopt) {
		for (i = 0; !strncmp(last, "--", 2) && i < N_OPT_DEFS; i++)
			if (!strncmp(opt_defs[i].name, last + 2, n - 2))
				hits++;
		err_msg("%s option '%.*s'", hits > 1 ? "ambiguous" : "unknown", (int)n, last);
		return;
	}
	i = (size_t)optopt - LONG_BASE;
	if (optopt >= LONG_BASE && i < N_OPT_DEFS && !strncmp(last, "--", 2) && last[n] == '=')
		err_msg("option '--%s' takes no value", opt_defs[i].name);
	else
		err_msg("unknown option '-%c'", optopt);
}

int parse_args(int argc, char **argv, enum spec_use use, struct fan_args *a)
{
	static struct option lopts[N_OPT_DEFS + 1];
	const struct opt_def *pending = NULL;
	char **av;
	size_t i;
	int c, ret = 0;

	memset(a, 0, sizeof(*a));
	fan_opts_init(&a->spec.opts);
	for (i = 0; i < N_OPT_DEFS; i++) {
		lopts[i].name = opt_defs[i].name;
		lopts[i].has_arg = opt_defs[i].has_arg;
		lopts[i].val = LONG_BASE + (int)i;
	}
	/* getopt_long wants a program name first */
	av = calloc((size_t)argc + 2, sizeof(*av));
	if (!av) {
		err_msg("out of memory");
		return -1;
	}
	av[0] = (char *)progname;
	if (argc > 0)
		memcpy(av + 1, argv, (size_t)argc * sizeof(*av));
	optind = 0;	/* glibc: start afresh */
	opterr = 0;	/* our messages name the token */
	while (!ret) {
		c = getopt_long(argc + 1, av, SHORT_OPTS, lopts, NULL);
		if (c == -1)
			break;
		if (c == 1) {
			ret = bare_word(optarg, use, a, &pending);
		} else if (pending) {
			err_msg("option '%s' needs a value", pending->name);
			ret = -1;
		} else if (c == ':') {
			err_msg("option '%s' needs a value", av[optind - 1]);
			ret = -1;
		} else if (c == '?') {
			getopt_error(av[optind - 1]);
			ret = -1;
		} else {
			ret = dashed_opt(c, use, a);
		}
	}
	/* after "--": words only */
	for (; !ret && optind <= argc; optind++)
		ret = bare_word(av[optind], use, a, &pending);
	if (!ret && pending) {
		err_msg("option '%s' needs a value", pending->name);
		ret = -1;
	}
	free(av);
	return ret;
}

int cmd_getopt(int argc, char **argv, bool *help, bool *json)
{
	static const struct option with_json[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	static const struct option help_only[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const struct option *lopts = json ? with_json : help_only;
	int c;

	*help = false;
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, json ? ":hj" : ":h", lopts, NULL)) != -1) {
		if (c == 'h') {
			*help = true;
		} else if (c == 'j' && json) {
			*json = true;
		} else {
			getopt_error(argv[optind - 1]);
			return -1;
		}
	}
	return optind;
}

int spec_finish(struct fan_args *a)
{
	if (!a->overlay) {
		err_msg("missing OVERLAY (e.g. 250.0.0.0/8)");
		return -1;
	}
	if (parse_overlay(a->overlay, &a->spec))
		return -1;
	if (!a->underlay) {
		err_msg("missing UNDERLAY (e.g. ib0/16)");
		return -1;
	}
	if (parse_underlay(a->underlay, &a->spec))
		return -1;
	return spec_check_map(&a->spec);
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

int parse_spec(int argc, char **argv, struct fan_spec *spec, enum spec_use use)
{
	struct fan_args a;

	memset(spec, 0, sizeof(*spec));
	fan_opts_init(&spec->opts);
	if (parse_args(argc, argv, use, &a))
		return -1;
	if (a.cmd_opt) {
		err_msg("option '--%s' does not describe a fan", a.cmd_opt);
		return -1;
	}
	if (spec_finish(&a))
		return -1;
	*spec = a.spec;
	return 0;
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
		ret = parse_spec(n, words, spec, SPEC_CONFIG) ? -1 : 1;
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
	ret = parse_spec(n - 1, words + 1, spec, SPEC_UP);
	msg_quiet = false;
	return ret || spec->ul_kind != UL_ADDR ? -1 : 0;
}
