// SPDX-License-Identifier: GPL-2.0
/* fanctl unit tests: addresses, prefixes, underlays, options, specs, bridge names. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"

static void test_ipv4(void **state)
{
	static const struct {
		const char *s;
		uint32_t v;
	} good[] = {
		{ "0.0.0.0", 0 }, { "255.255.255.255", 0xffffffff },
		{ "10.7.3.4", IP(10, 7, 3, 4) }, { "250.0.0.0", IP(250, 0, 0, 0) },
		{ "1.2.3.4", IP(1, 2, 3, 4) },
	};
	static const char *const bad[] = {
		"", "1", "1.2.3", "1.2.3.4.5", "256.0.0.0", "1.2.3.", ".1.2.3", "1..2.3",
		"a.b.c.d", "1.2.3.4 ", " 1.2.3.4", "1.2.3.1000", "-1.2.3.4", "1.2.3.4/8",
		"0x1.2.3.4",
		/* inet_pton() refuses leading zeros (octal to inet_aton) */
		"010.7.3.4", "10.07.3.4", "1.2.3.04", "00.1.2.3",
	};
	uint32_t a;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		assert_int_equal(parse_ipv4(good[i].s, &a), 0);
		assert_int_equal(a, good[i].v);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *err;

		capture_start();
		assert_int_equal(parse_ipv4(bad[i], &a), -1);
		err = capture_end();
		/* the message names the token */
		assert_non_null(strstr(err, bad[i]));
	}
}

static void test_prefix(void **state)
{
	uint32_t a;
	uint8_t l;
	const char *err;

	(void)state;
	assert_int_equal(parse_prefix("250.0.0.0/8", &a, &l, false), 0);
	assert_int_equal(a, IP(250, 0, 0, 0));
	assert_int_equal(l, 8);
	assert_int_equal(parse_prefix("10.7.3.4/16", &a, &l, true), 0);
	assert_int_equal(a, IP(10, 7, 3, 4));
	assert_int_equal(l, 16);
	assert_int_equal(parse_prefix("0.0.0.0/0", &a, &l, false), 0);
	assert_int_equal(parse_prefix("1.2.3.4/32", &a, &l, false), 0);

	capture_start();
	assert_int_equal(parse_prefix("10.7.3.4/16", &a, &l, false), -1);
	err = capture_end();
	assert_non_null(strstr(err, "'10.7.3.4/16'"));
	assert_non_null(strstr(err, "host bits"));

	capture_start();
	assert_int_equal(parse_prefix("250.0.0.0/33", &a, &l, false), -1);
	assert_int_equal(parse_prefix("250.0.0.0/", &a, &l, false), -1);
	assert_int_equal(parse_prefix("250.0.0.0", &a, &l, false), -1);
	assert_int_equal(parse_prefix("250.0.0/8", &a, &l, false), -1);
	assert_int_equal(parse_prefix("250.0.0.0/8x", &a, &l, false), -1);
	assert_int_equal(parse_prefix("250.0.0.0/-8", &a, &l, false), -1);
	err = capture_end();
	assert_non_null(strstr(err, "'250.0.0.0/33'"));
	assert_non_null(strstr(err, "'250.0.0.0/8x'"));
}

static void test_underlay(void **state)
{
	struct fan_spec s;
	const char *err;

	(void)state;
	memset(&s, 0, sizeof(s));
	assert_int_equal(parse_underlay("ib0/16", &s), 0);
	assert_int_equal(s.ul_kind, UL_DEV);
	assert_string_equal(s.ul_dev, "ib0");
	assert_int_equal(s.underlay_len, 16);

	assert_int_equal(parse_underlay("10.7.3.4/16", &s), 0);
	assert_int_equal(s.ul_kind, UL_ADDR);
	assert_int_equal(s.ul_addr, IP(10, 7, 3, 4));
	assert_int_equal(s.ul_dev[0], 0);

	assert_int_equal(parse_underlay("default/24", &s), 0);
	assert_int_equal(s.ul_kind, UL_DEFAULT);
	assert_int_equal(s.underlay_len, 24);

	assert_int_equal(parse_underlay("ib0.8001/16", &s), 0);
	assert_int_equal(s.ul_kind, UL_DEV);
	assert_string_equal(s.ul_dev, "ib0.8001");

	/* Ubuntu's fanctl: no length means /16 */
	assert_int_equal(parse_underlay("ib0", &s), 0);
	assert_int_equal(s.ul_kind, UL_DEV);
	assert_string_equal(s.ul_dev, "ib0");
	assert_int_equal(s.underlay_len, 16);
	assert_int_equal(parse_underlay("10.7.3.4", &s), 0);
	assert_int_equal(s.ul_kind, UL_ADDR);
	assert_int_equal(s.ul_addr, IP(10, 7, 3, 4));
	assert_int_equal(s.underlay_len, 16);
	assert_int_equal(parse_underlay("default", &s), 0);
	assert_int_equal(s.ul_kind, UL_DEFAULT);
	assert_int_equal(s.underlay_len, 16);

	static const char *const bad[] = {
		"ib0/", "ib0/0", "ib0/31", "ib0/32", "ib0/x", "/16",
		"10.7.3/16", "10.7.3.4.5/16", "averyveryverylongname/16", "a b/16",
		"010.7.3.4/16", "010.7.3.4", "10.7.3", "averyveryverylongname", "",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		capture_start();
		assert_int_equal(parse_underlay(bad[i], &s), -1);
		err = capture_end();
		assert_non_null(strstr(err, bad[i]));
	}
}

static void test_overlay(void **state)
{
	static const char *const bad[] = {
		"", "0250", "256", "250/8", "-1", "250x", "2500", "1.2.3.0", "250.0.0.1/8",
		"250.0.0.0/0", "250.0.0.0/31",
	};
	struct fan_spec s;
	const char *err;
	size_t i;

	(void)state;
	memset(&s, 0, sizeof(s));
	assert_int_equal(parse_overlay("250.0.0.0/8", &s), 0);
	assert_int_equal(s.overlay, IP(250, 0, 0, 0));
	assert_int_equal(s.overlay_len, 8);
	/* Ubuntu's shorthand: 250 is 250.0.0.0/8 */
	memset(&s, 0, sizeof(s));
	assert_int_equal(parse_overlay("250", &s), 0);
	assert_int_equal(s.overlay, IP(250, 0, 0, 0));
	assert_int_equal(s.overlay_len, 8);
	assert_int_equal(parse_overlay("10", &s), 0);
	assert_int_equal(s.overlay, IP(10, 0, 0, 0));
	assert_int_equal(parse_overlay("100.64.0.0/10", &s), 0);
	assert_int_equal(s.overlay_len, 10);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		capture_start();
		assert_int_equal(parse_overlay(bad[i], &s), -1);
		err = capture_end();
		if (!strstr(err, bad[i]))
			fail_msg("'%s': error '%s' does not name it", bad[i], err);
	}
}

/* The options @words of the fan 250.0.0.0/8 ib0/16, for up or a config line. */
static int opt(const char *const *words, int n, struct fan_opts *o, bool config)
{
	char *argv[18] = { "250.0.0.0/8", "ib0/16" };
	struct fan_spec s;
	int k;

	for (k = 0; k < n; k++)
		argv[k + 2] = (char *)words[k];
	fan_opts_init(o);
	if (parse_spec(n + 2, argv, &s, config ? SPEC_CONFIG : SPEC_UP))
		return -1;
	*o = s.opts;
	return 0;
}

static void test_options(void **state)
{
	struct fan_opts o;
	const char *err;

	(void)state;
	fan_opts_init(&o);
	assert_true(o.nat);
	assert_false(o.dhcp);
	assert_int_equal(o.host_reserve, 1);
	assert_int_equal(o.mtu, 0);
	assert_int_equal(o.bridge[0], 0);

	{
		const char *const w[] = { "dhcp", "host-reserve", "10", "bridge", "br9",
					  "mtu", "2000", "no-nat" };

		assert_int_equal(opt(w, 8, &o, false), 0);
		assert_true(o.dhcp);
		assert_int_equal(o.host_reserve, 10);
		assert_string_equal(o.bridge, "br9");
		assert_int_equal(o.mtu, 2000);
		assert_false(o.nat);
	}
	{
		const char *const w[] = { "--dhcp", "--host-reserve=7", "--bridge", "fanx",
					  "--mtu=1400", "--no-nat", "--nat" };

		assert_int_equal(opt(w, 7, &o, false), 0);
		assert_true(o.dhcp);
		assert_int_equal(o.host_reserve, 7);
		assert_string_equal(o.bridge, "fanx");
		assert_int_equal(o.mtu, 1400);
		assert_true(o.nat);
	}
	{
		const char *const w[] = { "off", "auto" };

		assert_int_equal(opt(w, 2, &o, true), 0);
		assert_true(o.off);
		assert_true(o.auto_);
	}
	static const struct {
		const char *w[3];
		int n;
		const char *token;
	} bad[] = {
		{ { "bogus" }, 1, "'bogus'" },
		{ { "--bogus" }, 1, "'--bogus'" },
		{ { "host-reserve" }, 1, "'host-reserve'" },
		{ { "host-reserve", "x" }, 2, "'x'" },
		{ { "host-reserve", "0" }, 2, "'0'" },
		{ { "mtu", "67" }, 2, "'67'" },
		{ { "mtu", "65536" }, 2, "'65536'" },
		{ { "--mtu=" }, 1, "''" },
		{ { "bridge", "a/b" }, 2, "'a/b'" },
		{ { "bridge", "0123456789abcdef" }, 2, "'0123456789abcdef'" },
		{ { "--dhcp=1" }, 1, "'--dhcp' takes no value" },
		{ { "--mtu" }, 1, "'--mtu' needs a value" },
		{ { "-x" }, 1, "unknown option '-x'" },
		{ { "--frob" }, 1, "unknown option '--frob'" },
		{ { "--no" }, 1, "ambiguous option '--no'" },
		{ { "--m=1400" }, 1, "ambiguous option '--m'" },	/* mtu or mode */
		{ { "auto" }, 1, "'auto'" },
		{ { "off" }, 1, "'off'" },
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		capture_start();
		assert_int_equal(opt(bad[i].w, bad[i].n, &o, false), -1);
		err = capture_end();
		if (!strstr(err, bad[i].token))
			fail_msg("case %zu: '%s' does not name %s", i, err, bad[i].token);
	}
}

/* @line as the words of @use into @a; 0 or -1. */
static int args(const char *line, enum spec_use use, struct fan_args *a)
{
	static char buf[256];
	char *w[32];
	int n;

	strcpy(buf, line);
	n = split_words(buf, w, 32);
	return parse_args(n, w, use, a);
}

static void test_args(void **state)
{
	static const struct {
		const char *line;
		enum spec_use use;
		const char *err;
	} bad[] = {
		/* what a command would ignore is an error */
		{ "250 ib0 dhcp", SPEC_DOWN, "down takes no option 'dhcp'" },
		{ "250 ib0 --mtu=1400", SPEC_DOWN, "down takes no option '--mtu'" },
		{ "250 ib0 mode direct", SPEC_DOWN, "down takes no option 'mode'" },
		{ "250 ib0 nat", SPEC_EXPORT, "docker and cni take no option 'nat'" },
		{ "250 ib0 dhcp", SPEC_EXPORT, "docker and cni take no option 'dhcp'" },
		{ "250 ib0 -a", SPEC_EXPORT, "docker and cni take no option '-a'" },
		{ "250 ib0 dhcp", SPEC_INCUS, "incus takes no option 'dhcp'" },
		{ "250 ib0 host-reserve 4", SPEC_INCUS, "incus takes no option 'host-reserve'" },
		{ "-e", SPEC_UP, "up takes no option '-e'" },
		{ "--force 250 ib0", SPEC_UP, "up takes no option '--force'" },
		{ "250 ib0 -a", SPEC_CONFIG, "a config line takes no option '-a'" },
		{ "250 ib0 --help", SPEC_CONFIG, "a config line takes no option '--help'" },
		{ "250 ib0 off", SPEC_UP, "'off' is only valid in the config file" },
		{ "-c", SPEC_UP, "option '-c' needs a value" },
		{ "--iface", SPEC_DOWN, "option '--iface' needs a value" },
		{ "-o 250 -o 251 ib0", SPEC_UP, "'-o' given twice" },
		{ "-o 250 --overlay=251 -u ib0", SPEC_UP, "'--overlay' given twice" },
	};
	struct fan_args a;
	const char *err;
	size_t i;

	(void)state;
	assert_int_equal(args("-a -c /tmp/f --iface ib1", SPEC_UP, &a), 0);
	assert_true(a.all);
	assert_string_equal(a.config, "/tmp/f");
	assert_string_equal(a.iface, "ib1");
	assert_false(a.force);
	assert_null(a.overlay);
	assert_int_equal(args("--all --config=/x -f", SPEC_DOWN, &a), 0);
	assert_true(a.all);
	assert_true(a.force);
	assert_string_equal(a.config, "/x");
	assert_int_equal(args("-fe", SPEC_DOWN, &a), 0);
	assert_true(a.force);
	assert_true(a.everything);
	/* options anywhere, bare and dashed mixed */
	assert_int_equal(args("250 --force ib0", SPEC_DOWN, &a), 0);
	assert_true(a.force);
	assert_string_equal(a.overlay, "250");
	assert_string_equal(a.underlay, "ib0");
	assert_int_equal(args("--dhcp 250 mtu 1400 ib0 --host-reserve=3", SPEC_UP, &a), 0);
	assert_true(a.spec.opts.dhcp);
	assert_int_equal(a.spec.opts.mtu, 1400);
	assert_int_equal(a.spec.opts.host_reserve, 3);
	assert_string_equal(a.underlay, "ib0");
	assert_int_equal(spec_finish(&a), 0);
	assert_int_equal(a.spec.overlay, IP(250, 0, 0, 0));
	assert_int_equal(args("250 ib0 -h", SPEC_EXPORT, &a), 0);
	assert_true(a.help);
	assert_int_equal(args("250 ib0 host-reserve 4 mode direct", SPEC_EXPORT, &a), 0);
	assert_int_equal(a.spec.opts.host_reserve, 4);
	/* incus: the same words but host-reserve (refused above) */
	assert_int_equal(args("250 ib0 bridge b0 mtu 1400 mode direct -h", SPEC_INCUS, &a), 0);
	assert_int_equal(a.spec.opts.mtu, 1400);
	assert_true(a.help);
	/* a fan spec has no command options */
	capture_start();
	assert_int_equal(args("", SPEC_UP, &a), 0);
	assert_int_equal(spec_finish(&a), -1);
	err = capture_end();
	assert_non_null(strstr(err, "missing OVERLAY"));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		capture_start();
		assert_int_equal(args(bad[i].line, bad[i].use, &a), -1);
		err = capture_end();
		if (!strstr(err, bad[i].err))
			fail_msg("'%s': error '%s' lacks %s", bad[i].line, err, bad[i].err);
	}
}

/* Does @text hold @word, not as part of a longer one? */
static bool has_word(const char *text, const char *word)
{
	size_t n = strlen(word);
	const char *p;

	for (p = strstr(text, word); p; p = strstr(p + 1, word))
		if ((p == text || !(isalnum((unsigned char)p[-1]) || p[-1] == '-')) &&
		    !(isalnum((unsigned char)p[n]) || p[n] == '-'))
			return true;
	return false;
}

static char *help_text(const char *cmd)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(help_for(cmd, f), 0);
	fclose(f);
	return buf;
}

/* Every option the parser takes is in the help of each command taking it. */
static void test_options_in_help(void **state)
{
	static const struct {
		enum spec_use use;
		const char *cmd;
	} users[] = {
		{ SPEC_UP, "up" }, { SPEC_DOWN, "down" }, { SPEC_EXPORT, "docker" },
		{ SPEC_EXPORT, "cni" }, { SPEC_CONFIG, "config" },
	};
	const char *name;
	unsigned int uses;
	bool fan_word;
	char shrt, dashed[40], s[3] = "-";
	size_t i, u, n = 0;

	(void)state;
	for (i = 0; (name = option_info(i, &shrt, &fan_word, &uses)); i++) {
		snprintf(dashed, sizeof(dashed), "--%s", name);
		s[1] = shrt;
		for (u = 0; u < sizeof(users) / sizeof(users[0]); u++) {
			char *h;
			bool found;

			if (!(uses & (1u << users[u].use)))
				continue;
			h = help_text(users[u].cmd);
			found = has_word(h, fan_word ? name : dashed) || (shrt && has_word(h, s));
			/* config: "the options of up, and two of the file only" */
			if (!found && users[u].use == SPEC_CONFIG && !(uses == 1u << SPEC_CONFIG)) {
				free(h);
				h = help_text("up");
				found = has_word(h, fan_word ? name : dashed);
			}
			if (!found)
				fail_msg("option '%s' is not in 'fanctl help %s'", name, users[u].cmd);
			free(h);
			n++;
		}
	}
	assert_true(n > 20);
}

static int spec(const char *line, struct fan_spec *s, bool config)
{
	char buf[256], *w[32];
	int n;

	strcpy(buf, line);
	n = split_words(buf, w, 32);
	return parse_spec(n, w, s, config ? SPEC_CONFIG : SPEC_UP);
}

static void test_spec(void **state)
{
	struct fan_spec s;
	const char *err;

	(void)state;
	assert_int_equal(spec("250.0.0.0/8 ib0/16", &s, false), 0);
	assert_int_equal(s.overlay, IP(250, 0, 0, 0));
	assert_int_equal(s.overlay_len, 8);
	assert_int_equal(s.ul_kind, UL_DEV);
	assert_int_equal(s.underlay_len, 16);
	assert_true(s.opts.nat);

	assert_int_equal(spec("-o 250.0.0.0/8 -u 10.7.3.4/16 --dhcp --host-reserve 5", &s, false), 0);
	assert_int_equal(s.ul_kind, UL_ADDR);
	assert_int_equal(s.ul_addr, IP(10, 7, 3, 4));
	assert_true(s.opts.dhcp);
	assert_int_equal(s.opts.host_reserve, 5);

	assert_int_equal(spec("--underlay=default/16 dhcp --overlay=100.64.0.0/10", &s, false), 0);
	assert_int_equal(s.ul_kind, UL_DEFAULT);
	assert_int_equal(s.overlay, IP(100, 64, 0, 0));
	assert_int_equal(s.overlay_len, 10);

	/* Ubuntu's shorthands: 250 and an underlay without a length */
	assert_int_equal(spec("250 ib0 dhcp", &s, false), 0);
	assert_int_equal(s.overlay, IP(250, 0, 0, 0));
	assert_int_equal(s.overlay_len, 8);
	assert_int_equal(s.ul_kind, UL_DEV);
	assert_string_equal(s.ul_dev, "ib0");
	assert_int_equal(s.underlay_len, 16);
	assert_true(s.opts.dhcp);
	assert_int_equal(spec("-o 250 -u 10.7.3.4", &s, false), 0);
	assert_int_equal(s.ul_kind, UL_ADDR);
	assert_int_equal(s.ul_addr, IP(10, 7, 3, 4));
	assert_int_equal(s.underlay_len, 16);
	assert_int_equal(spec("250 default host-reserve 3", &s, false), 0);
	assert_int_equal(s.ul_kind, UL_DEFAULT);
	assert_int_equal(s.underlay_len, 16);
	assert_int_equal(s.opts.host_reserve, 3);

	/* options before the prefixes work too */
	assert_int_equal(spec("dhcp 250.0.0.0/8 ib0/16", &s, false), 0);
	assert_true(s.opts.dhcp);

	static const struct {
		const char *line;
		const char *token;
	} bad[] = {
		{ "", "missing OVERLAY" },
		{ "250.0.0.0/8", "missing UNDERLAY" },
		{ "bogus ib0/16", "'bogus'" },
		{ "250.0.0.0/8 ib0/", "'ib0/'" },
		{ "0250 ib0", "'0250'" },
		{ "250 010.7.3.4", "'010.7.3.4'" },
		{ "250 ib0 ib1", "'ib1'" },
		{ "250.0.0.1/8 ib0/16", "'250.0.0.1/8'" },
		{ "250.0.0.0/31 ib0/16", "250.0.0.0/31" },
		{ "250.0.0.0/8 ib0/8", "shorter" },
		{ "250.0.0.0/16 ib0/8", "shorter" },
		{ "250.0.0.0/8 ib0/9", "fewer than 2 bits" },
		{ "250.0.0.0/8 ib0/16 1.2.3.0/24", "'1.2.3.0/24'" },
		{ "-o 250.0.0.0/8 -o 250.0.0.0/8 -u ib0/16", "twice" },
		{ "250.0.0.0/8 ib0/16 -u", "'-u'" },
		{ "250.0.0.0/8 ib0/16 frobnicate", "'frobnicate'" },
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		capture_start();
		assert_int_equal(spec(bad[i].line, &s, false), -1);
		err = capture_end();
		if (!strstr(err, bad[i].token))
			fail_msg("'%s': error '%s' lacks %s", bad[i].line, err, bad[i].token);
	}
}

static void test_config_line(void **state)
{
	struct fan_spec s;
	const char *err;

	(void)state;
	assert_int_equal(parse_config_line("", "f", 1, &s), 0);
	assert_int_equal(parse_config_line("   \t ", "f", 1, &s), 0);
	assert_int_equal(parse_config_line("# 250.0.0.0/8 ib0/16", "f", 1, &s), 0);
	assert_int_equal(parse_config_line("250.0.0.0/8 ib0/16 dhcp # comment", "f", 1, &s), 1);
	assert_true(s.opts.dhcp);
	assert_false(s.opts.off);
	assert_int_equal(parse_config_line("10.0.0.0/8 eth1/16 dhcp off", "f", 2, &s), 1);
	assert_true(s.opts.off);
	assert_int_equal(parse_config_line("241.0.0.0/8 eth0/16 auto bridge fan-x", "f", 3, &s), 1);
	assert_true(s.opts.auto_);
	assert_string_equal(s.opts.bridge, "fan-x");

	/* cloud-init's cc_fan example and Ubuntu's shorthands */
	assert_int_equal(parse_config_line("10.0.0.0/8 eth0/16 dhcp", "f", 4, &s), 1);
	assert_true(s.opts.auto_);
	assert_false(s.opts.off);
	assert_int_equal(parse_config_line("10.0.0.0/8 eth1/16 dhcp off", "f", 5, &s), 1);
	assert_true(s.opts.off);
	assert_int_equal(parse_config_line("241 eth0 dhcp auto", "f", 6, &s), 1);
	assert_int_equal(s.overlay, IP(241, 0, 0, 0));
	assert_int_equal(s.overlay_len, 8);
	assert_int_equal(s.underlay_len, 16);
	assert_true(s.opts.auto_);
	assert_false(s.opts.off);
	/* "mode auto" is the mode, not the word auto */
	assert_int_equal(parse_config_line("242 ib2 mode auto off", "f", 7, &s), 1);
	assert_int_equal(s.opts.mode, FANCTL_MODE_AUTO);
	assert_true(s.opts.off);

	capture_start();
	assert_int_equal(parse_config_line("250.0.0.0/8 ib0/16 dchp", "/etc/network/fan", 17, &s), -1);
	err = capture_end();
	assert_non_null(strstr(err, "/etc/network/fan:17: "));
	assert_non_null(strstr(err, "'dchp'"));

	capture_start();
	assert_int_equal(parse_config_line("250.0.0.0/8", "cfg", 4, &s), -1);
	err = capture_end();
	assert_non_null(strstr(err, "cfg:4: "));
	/* the context does not leak into later messages */
	capture_start();
	err_msg("plain");
	err = capture_end();
	assert_string_equal(err, "fanctl: plain\n");
}

static void test_bridge_name(void **state)
{
	char n[IFNAMSIZ];

	(void)state;
	bridge_name(IP(250, 3, 4, 0), 24, n);
	assert_string_equal(n, "fan-250-3-4");
	bridge_name(IP(250, 3, 0, 0), 16, n);
	assert_string_equal(n, "fan-250-3");
	bridge_name(IP(100, 64 + 12, 64, 0), 18, n);
	assert_string_equal(n, "fan-100-76-64");
	bridge_name(IP(255, 255, 255, 0), 24, n);
	assert_string_equal(n, "fan-255-255-255");
	assert_int_equal(strlen(n), IFNAMSIZ - 1);
	bridge_name(IP(10, 0, 0, 0), 8, n);
	assert_string_equal(n, "fan-10");
	bridge_name(IP(96, 0, 0, 0), 3, n);
	assert_string_equal(n, "fan-96");
	/* slices longer than /24 need 4 octets; too long names fall back to hex */
	bridge_name(IP(10, 1, 2, 64), 26, n);
	assert_string_equal(n, "fan-10-1-2-64");
	bridge_name(IP(250, 250, 250, 192), 26, n);
	assert_string_equal(n, "fan-fafafac0");
}

static void test_derive(void **state)
{
	struct fan_conf c;
	const char *err;

	(void)state;
	memset(&c, 0, sizeof(c));
	assert_int_equal(spec("250.0.0.0/8 10.7.3.4/16", &c.spec, false), 0);
	c.local = IP(10, 7, 3, 4);
	assert_int_equal(conf_derive(&c), 0);
	assert_int_equal(c.slice, IP(250, 3, 4, 0));
	assert_int_equal(c.slice_len, 24);
	assert_int_equal(c.bridge_addr, IP(250, 3, 4, 1));
	assert_string_equal(c.bridge, "fan-250-3-4");
	assert_int_equal(c.map.underlay, IP(10, 7, 0, 0));

	/* a user bridge name wins */
	memset(&c, 0, sizeof(c));
	assert_int_equal(spec("250.0.0.0/8 10.7.3.4/16 bridge mybr", &c.spec, false), 0);
	c.local = IP(10, 7, 3, 4);
	assert_int_equal(conf_derive(&c), 0);
	assert_string_equal(c.bridge, "mybr");

	/* host part all zeros / all ones is not a host */
	memset(&c, 0, sizeof(c));
	assert_int_equal(spec("250.0.0.0/8 10.7.0.0/16", &c.spec, false), 0);
	c.local = IP(10, 7, 0, 0);
	capture_start();
	assert_int_equal(conf_derive(&c), -1);
	err = capture_end();
	assert_non_null(strstr(err, "10.7.0.0"));
	c.local = IP(10, 7, 255, 255);
	capture_start();
	assert_int_equal(conf_derive(&c), -1);
	capture_end();

	/* host-reserve must leave a container address: /24 has .0-.255 */
	memset(&c, 0, sizeof(c));
	assert_int_equal(spec("250.0.0.0/8 10.7.3.4/16 host-reserve 253", &c.spec, false), 0);
	c.local = IP(10, 7, 3, 4);
	assert_int_equal(conf_derive(&c), 0);	/* .254 is left */
	c.spec.opts.host_reserve = 254;
	capture_start();
	assert_int_equal(conf_derive(&c), -1);
	err = capture_end();
	assert_non_null(strstr(err, "host-reserve 254"));
}

static void test_alias_roundtrip(void **state)
{
	struct fan_conf c;
	struct fan_spec s;
	char buf[256];

	(void)state;
	memset(&c, 0, sizeof(c));
	assert_int_equal(spec("250.0.0.0/8 ib0/16 dhcp no-nat host-reserve 9 mtu 1400", &c.spec,
			      false), 0);
	c.local = IP(10, 7, 3, 4);
	assert_int_equal(conf_derive(&c), 0);
	assert_int_equal(spec_format(&c, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "fanctl 250.0.0.0/8 10.7.3.4/16 host-reserve 9 no-nat dhcp mtu 1400");
	assert_int_equal(alias_parse(buf, &s), 0);
	assert_int_equal(s.overlay, c.spec.overlay);
	assert_int_equal(s.ul_kind, UL_ADDR);
	assert_int_equal(s.ul_addr, IP(10, 7, 3, 4));
	assert_int_equal(s.underlay_len, 16);
	assert_true(s.opts.dhcp);
	assert_false(s.opts.nat);
	assert_int_equal(s.opts.host_reserve, 9);
	assert_int_equal(s.opts.mtu, 1400);
	assert_true(is_fanctl_alias(buf));
	assert_true(is_fanctl_alias("fanctl"));
	assert_false(is_fanctl_alias("fanctlx 1"));
	assert_false(is_fanctl_alias(""));
	/* foreign and broken markers are rejected quietly */
	capture_start();
	assert_int_equal(alias_parse("my bridge", &s), -1);
	assert_int_equal(alias_parse("fanctl", &s), -1);
	assert_int_equal(alias_parse("fanctl 250.0.0.0/8 ib0/16", &s), -1);
	assert_int_equal(alias_parse("fanctl 250.0.0.0/8 10.7.3.4/16 bogus", &s), -1);
	assert_string_equal(capture_end(), "");
}

static void test_split(void **state)
{
	char buf[64], *w[4];

	(void)state;
	strcpy(buf, "  a\tbb   ccc ");
	assert_int_equal(split_words(buf, w, 4), 3);
	assert_string_equal(w[0], "a");
	assert_string_equal(w[1], "bb");
	assert_string_equal(w[2], "ccc");
	strcpy(buf, "1 2 3 4 5");
	assert_int_equal(split_words(buf, w, 4), -1);
}

const struct CMUnitTest parse_tests[] = {
	cmocka_unit_test(test_ipv4),
	cmocka_unit_test(test_prefix),
	cmocka_unit_test(test_underlay),
	cmocka_unit_test(test_overlay),
	cmocka_unit_test(test_options),
	cmocka_unit_test(test_args),
	cmocka_unit_test(test_options_in_help),
	cmocka_unit_test(test_spec),
	cmocka_unit_test(test_config_line),
	cmocka_unit_test(test_bridge_name),
	cmocka_unit_test(test_derive),
	cmocka_unit_test(test_alias_roundtrip),
	cmocka_unit_test(test_split),
};
const size_t parse_ntests = sizeof(parse_tests) / sizeof(parse_tests[0]);
