// SPDX-License-Identifier: GPL-2.0
/*
 * fanctl unit tests: "mode direct|ipip|auto" on the command line, in the
 * config file and in the bridge marker; the auto decision (is the underlay
 * flat on its device); the bridge MTU and the Docker and CNI MTU per mode.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "unit.h"

static int spec(const char *line, struct fan_spec *s, bool config)
{
	char buf[256], *w[32];
	int n;

	strcpy(buf, line);
	n = split_words(buf, w, 32);
	return parse_spec(n, w, s, config ? SPEC_CONFIG : SPEC_UP);
}

static void test_parse_mode(void **state)
{
	enum fanctl_mode m = FANCTL_MODE_AUTO;
	static const char *const bad[] = {
		"", "Direct", "IPIP", "ip", "directx", "auto ", "none", "1", "gre",
	};
	size_t i;

	(void)state;
	assert_int_equal(parse_mode("ipip", &m), 0);
	assert_int_equal(m, FANCTL_MODE_IPIP);
	assert_int_equal(parse_mode("direct", &m), 0);
	assert_int_equal(m, FANCTL_MODE_DIRECT);
	assert_int_equal(parse_mode("auto", &m), 0);
	assert_int_equal(m, FANCTL_MODE_AUTO);
	/* the names are the kernel's for the modes it has */
	assert_int_equal(FANCTL_MODE_IPIP, FAN_MAP_MODE_IPIP);
	assert_int_equal(FANCTL_MODE_DIRECT, FAN_MAP_MODE_DIRECT);
	assert_string_equal(map_mode_name(FAN_MAP_MODE_IPIP), mode_name(FANCTL_MODE_IPIP));
	assert_string_equal(map_mode_name(FAN_MAP_MODE_DIRECT), mode_name(FANCTL_MODE_DIRECT));
	assert_string_equal(map_mode_name(FAN_MAP_MODE_MAX + 1), "unknown");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char want[64];
		const char *err;

		m = FANCTL_MODE_AUTO;
		capture_start();
		assert_int_equal(parse_mode(bad[i], &m), -1);
		err = capture_end();
		snprintf(want, sizeof(want), "'%s' is not a mode (direct, ipip or auto)", bad[i]);
		if (!strstr(err, want))
			fail_msg("'%s': error '%s'", bad[i], err);
		assert_int_equal(m, FANCTL_MODE_AUTO);	/* untouched */
	}
}

static void test_mode_command_line(void **state)
{
	struct fan_spec s;
	const char *err;

	(void)state;
	/* the default is ipip */
	assert_int_equal(spec("250.0.0.0/8 ib0/16", &s, false), 0);
	assert_int_equal(s.opts.mode, FANCTL_MODE_IPIP);
	assert_false(s.opts.mode_set);

	assert_int_equal(spec("250.0.0.0/8 ib0/16 mode direct", &s, false), 0);
	assert_int_equal(s.opts.mode, FANCTL_MODE_DIRECT);
	assert_int_equal(spec("250.0.0.0/8 ib0/16 mode ipip dhcp", &s, false), 0);
	assert_int_equal(s.opts.mode, FANCTL_MODE_IPIP);
	assert_true(s.opts.dhcp);
	/* "auto" as the value of mode is not the config-only word */
	assert_int_equal(spec("250.0.0.0/8 ib0/16 mode auto", &s, false), 0);
	assert_int_equal(s.opts.mode, FANCTL_MODE_AUTO);
	/* before the prefixes, and the --option forms */
	assert_int_equal(spec("mode direct 250.0.0.0/8 ib0/16", &s, false), 0);
	assert_int_equal(s.opts.mode, FANCTL_MODE_DIRECT);
	assert_int_equal(s.overlay, IP(250, 0, 0, 0));
	assert_int_equal(s.ul_kind, UL_DEV);
	assert_int_equal(spec("-o 250.0.0.0/8 -u ib0/16 --mode=auto", &s, false), 0);
	assert_int_equal(s.opts.mode, FANCTL_MODE_AUTO);
	assert_int_equal(spec("-o 250.0.0.0/8 -u ib0/16 --mode direct --mtu 2044", &s, false), 0);
	assert_int_equal(s.opts.mode, FANCTL_MODE_DIRECT);
	assert_int_equal(s.opts.mtu, 2044);

	static const struct {
		const char *line;
		const char *msg;
	} bad[] = {
		{ "250.0.0.0/8 ib0/16 mode", "option 'mode' needs a value" },
		{ "250.0.0.0/8 ib0/16 mode bogus", "'bogus' is not a mode (direct, ipip or auto)" },
		{ "250.0.0.0/8 ib0/16 mode DIRECT", "'DIRECT' is not a mode" },
		{ "250.0.0.0/8 ib0/16 --mode=", "'' is not a mode" },
		{ "250.0.0.0/8 ib0/16 mode direct mode ipip",
		  "mode given twice ('direct', then 'ipip')" },
		{ "250.0.0.0/8 ib0/16 mode direct mode direct",
		  "mode given twice ('direct', then 'direct')" },
		{ "250.0.0.0/8 ib0/16 --mode=auto mode ipip", "mode given twice ('auto', then 'ipip')" },
		/* the bare word auto stays config-only */
		{ "250.0.0.0/8 ib0/16 auto", "'auto' is only valid in the config file" },
		/* "direct" alone is not an option */
		{ "250.0.0.0/8 ib0/16 direct", "'direct'" },
		{ "250.0.0.0/8 ib0/16 --direct", "unknown option '--direct'" },
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		capture_start();
		assert_int_equal(spec(bad[i].line, &s, false), -1);
		err = capture_end();
		if (!strstr(err, bad[i].msg))
			fail_msg("'%s': error '%s' lacks \"%s\"", bad[i].line, err, bad[i].msg);
	}
}

static void test_mode_config_line(void **state)
{
	struct fan_spec s;
	const char *err;

	(void)state;
	assert_int_equal(parse_config_line("250.0.0.0/8 ib0/16 mode direct", "f", 1, &s), 1);
	assert_int_equal(s.opts.mode, FANCTL_MODE_DIRECT);
	assert_int_equal(parse_config_line("250.0.0.0/8 ib0/16 dhcp", "f", 1, &s), 1);
	assert_int_equal(s.opts.mode, FANCTL_MODE_IPIP);
	/* mode auto and the word auto, together */
	assert_int_equal(parse_config_line("250.0.0.0/8 ib0/16 mode auto auto # x", "f", 1, &s), 1);
	assert_int_equal(s.opts.mode, FANCTL_MODE_AUTO);
	assert_true(s.opts.auto_);
	assert_int_equal(parse_config_line("250.0.0.0/8 ib0/16 auto mode ipip off", "f", 1, &s), 1);
	assert_int_equal(s.opts.mode, FANCTL_MODE_IPIP);
	assert_true(s.opts.off);

	capture_start();
	assert_int_equal(parse_config_line("250.0.0.0/8 ib0/16 mode dirct", "/etc/network/fan", 7,
					   &s), -1);
	err = capture_end();
	assert_non_null(strstr(err, "/etc/network/fan:7: "));
	assert_non_null(strstr(err, "'dirct' is not a mode"));

	capture_start();
	assert_int_equal(parse_config_line("250.0.0.0/8 ib0/16 mode ipip mode auto", "cfg", 3, &s),
			 -1);
	err = capture_end();
	assert_non_null(strstr(err, "cfg:3: "));
	assert_non_null(strstr(err, "mode given twice"));

	/* a trailing "mode" reads no value from the next line or a comment */
	capture_start();
	assert_int_equal(parse_config_line("250.0.0.0/8 ib0/16 mode # direct", "cfg", 4, &s), -1);
	err = capture_end();
	assert_non_null(strstr(err, "cfg:4: option 'mode' needs a value"));
}

static char path[64];

static void test_mode_config_file(void **state)
{
	struct config_entry *v;
	unsigned int nerr;
	const char *err;
	char expect[128];
	FILE *f;
	int fd, n;

	(void)state;
	strcpy(path, "/tmp/fanctl-unit-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	fputs("250.0.0.0/8 ib0/16 mode direct\n"
	      "251.0.0.0/8 ib1/16 mode ipip\n"
	      "252.0.0.0/8 ib2/16 mode auto dhcp\n"
	      "253.0.0.0/8 ib3/16\n"
	      "254.0.0.0/8 ib4/16 mode fast\n"
	      "241.0.0.0/8 ib5/16 mode auto mode direct\n"
	      "242.0.0.0/8 ib6/16 --mode=direct\n", f);
	fclose(f);
	capture_start();
	n = config_read(path, &v, &nerr);
	err = capture_end();
	unlink(path);
	assert_int_equal(n, 5);
	assert_int_equal(nerr, 2);
	assert_int_equal(v[0].spec.opts.mode, FANCTL_MODE_DIRECT);
	assert_int_equal(v[1].spec.opts.mode, FANCTL_MODE_IPIP);
	assert_int_equal(v[2].spec.opts.mode, FANCTL_MODE_AUTO);
	assert_true(v[2].spec.opts.dhcp);
	assert_int_equal(v[3].spec.opts.mode, FANCTL_MODE_IPIP);
	assert_int_equal(v[4].lineno, 7);
	assert_int_equal(v[4].spec.opts.mode, FANCTL_MODE_DIRECT);
	snprintf(expect, sizeof(expect), "%s:5: 'fast' is not a mode", path);
	assert_non_null(strstr(err, expect));
	snprintf(expect, sizeof(expect), "%s:6: mode given twice ('auto', then 'direct')", path);
	assert_non_null(strstr(err, expect));
	free(v);
}

/* The marker on the bridge carries the mode as asked; ipip writes none. */
static void test_mode_marker(void **state)
{
	static const struct {
		const char *opts;
		const char *marker;
		enum fanctl_mode mode;
	} cases[] = {
		{ "", "fanctl 250.0.0.0/8 10.7.3.4/16 host-reserve 1 nat", FANCTL_MODE_IPIP },
		{ "mode ipip", "fanctl 250.0.0.0/8 10.7.3.4/16 host-reserve 1 nat",
		  FANCTL_MODE_IPIP },
		{ "mode direct", "fanctl 250.0.0.0/8 10.7.3.4/16 host-reserve 1 nat mode direct",
		  FANCTL_MODE_DIRECT },
		{ "mode auto mtu 2000 dhcp",
		  "fanctl 250.0.0.0/8 10.7.3.4/16 host-reserve 1 nat dhcp mtu 2000 mode auto",
		  FANCTL_MODE_AUTO },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct fan_conf c;
		struct fan_spec back;
		char line[128], buf[256];

		memset(&c, 0, sizeof(c));
		snprintf(line, sizeof(line), "250.0.0.0/8 ib0/16 %s", cases[i].opts);
		assert_int_equal(spec(line, &c.spec, false), 0);
		c.local = IP(10, 7, 3, 4);
		assert_int_equal(conf_derive(&c), 0);
		assert_int_equal(spec_format(&c, buf, sizeof(buf)), 0);
		assert_string_equal(buf, cases[i].marker);
		assert_int_equal(alias_parse(buf, &back), 0);
		assert_int_equal(back.opts.mode, cases[i].mode);
	}
}

static void test_mode_pick(void **state)
{
	(void)state;
	assert_int_equal(mode_pick(FANCTL_MODE_IPIP, false), FAN_MAP_MODE_IPIP);
	assert_int_equal(mode_pick(FANCTL_MODE_IPIP, true), FAN_MAP_MODE_IPIP);
	assert_int_equal(mode_pick(FANCTL_MODE_DIRECT, false), FAN_MAP_MODE_DIRECT);
	assert_int_equal(mode_pick(FANCTL_MODE_DIRECT, true), FAN_MAP_MODE_DIRECT);
	assert_int_equal(mode_pick(FANCTL_MODE_AUTO, false), FAN_MAP_MODE_IPIP);
	assert_int_equal(mode_pick(FANCTL_MODE_AUTO, true), FAN_MAP_MODE_DIRECT);
	assert_int_equal(mode_overhead(FAN_MAP_MODE_IPIP), 20);
	assert_int_equal(mode_overhead(FAN_MAP_MODE_DIRECT), 0);
}

#define ADDR(ifi, a, len) { .ifindex = (ifi), .local = (a), .address = (a), .prefixlen = (len) }

/* Is 10.7.0.0/16 (or another underlay) flat on device 3? */
static void test_underlay_flat(void **state)
{
	static const struct {
		const char *what;
		struct addr_info a;
		uint32_t net;
		uint8_t len;
		bool flat;
	} cases[] = {
		{ "same subnet", ADDR(3, IP(10, 7, 3, 4), 16), IP(10, 7, 0, 0), 16, true },
		{ "a wider subnet", ADDR(3, IP(10, 7, 3, 4), 8), IP(10, 7, 0, 0), 16, true },
		{ "underlay inside the subnet", ADDR(3, IP(10, 7, 3, 4), 16), IP(10, 7, 3, 0), 24,
		  true },
		{ "a narrower subnet", ADDR(3, IP(10, 7, 3, 4), 24), IP(10, 7, 0, 0), 16, false },
		{ "one bit narrower", ADDR(3, IP(10, 7, 3, 4), 17), IP(10, 7, 0, 0), 16, false },
		{ "another subnet", ADDR(3, IP(10, 8, 3, 4), 16), IP(10, 7, 0, 0), 16, false },
		{ "a wider subnet elsewhere", ADDR(3, IP(10, 8, 3, 4), 15), IP(10, 6, 0, 0), 16,
		  false },
		{ "another device", ADDR(4, IP(10, 7, 3, 4), 16), IP(10, 7, 0, 0), 16, false },
		{ "a /32", ADDR(3, IP(10, 7, 3, 4), 32), IP(10, 7, 0, 0), 16, false },
		{ "no prefix route",
		  { .ifindex = 3, .local = IP(10, 7, 3, 4), .address = IP(10, 7, 3, 4),
		    .prefixlen = 16, .noprefixroute = true },
		  IP(10, 7, 0, 0), 16, false },
		/* point to point: the peer's prefix is what is on-link */
		{ "peer prefix holds it",
		  { .ifindex = 3, .local = IP(192, 168, 1, 1), .address = IP(10, 7, 0, 1),
		    .prefixlen = 16 },
		  IP(10, 7, 0, 0), 16, true },
		{ "peer /32",
		  { .ifindex = 3, .local = IP(10, 7, 3, 4), .address = IP(10, 7, 0, 1),
		    .prefixlen = 32 },
		  IP(10, 7, 0, 0), 16, false },
	};
	const struct addr_info *why;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		bool flat = underlay_flat(&cases[i].a, 1, 3, cases[i].net, cases[i].len, &why);

		if (flat != cases[i].flat)
			fail_msg("%s: flat %d", cases[i].what, flat);
		assert_ptr_equal(why, flat ? &cases[i].a : NULL);
	}
	/* one address of several is enough; secondaries count; why is that one */
	{
		struct addr_info v[] = {
			ADDR(1, IP(127, 0, 0, 1), 8),
			ADDR(3, IP(10, 7, 3, 4), 24),
			ADDR(4, IP(10, 7, 9, 9), 16),
			ADDR(3, IP(10, 7, 200, 1), 16),
		};

		v[3].secondary = true;
		assert_true(underlay_flat(v, 4, 3, IP(10, 7, 0, 0), 16, &why));
		assert_ptr_equal(why, &v[3]);
		assert_false(underlay_flat(v, 3, 3, IP(10, 7, 0, 0), 16, &why));
		assert_null(why);
		assert_true(underlay_flat(v, 3, 3, IP(10, 7, 3, 0), 24, NULL));
		assert_false(underlay_flat(v, 0, 3, IP(10, 7, 3, 0), 24, NULL));
	}
	/* every prefix length of the address against every underlay length */
	{
		unsigned int al, ul;

		for (al = 0; al <= 32; al++)
			for (ul = 1; ul <= 30; ul++) {
				struct addr_info a = ADDR(3, IP(10, 7, 3, 4), al);
				uint32_t net = IP(10, 7, 3, 4) & fan_mask(ul);

				assert_int_equal(underlay_flat(&a, 1, 3, net, (uint8_t)ul, NULL),
						 al <= ul);
			}
	}
}

/* A conf as fan_resolve makes it on a host with ib0 10.7.3.4/16, MTU 2044. */
static int conf(struct fan_conf *c, const char *opts, unsigned int ul_mtu,
		const struct addr_info *v, int n)
{
	char line[128];

	memset(c, 0, sizeof(*c));
	snprintf(line, sizeof(line), "250.0.0.0/8 ib0/16 %s", opts);
	assert_int_equal(spec(line, &c->spec, false), 0);
	c->local = IP(10, 7, 3, 4);
	c->ul_ifindex = 3;
	c->ul_mtu = ul_mtu;
	strcpy(c->ul_ifname, "ib0");
	assert_int_equal(conf_derive(c), 0);
	conf_mode(c, v, n);
	return conf_mtu(c);
}

static void test_mode_mtu(void **state)
{
	static const struct addr_info flat[] = { ADDR(3, IP(10, 7, 3, 4), 16) };
	static const struct addr_info narrow[] = { ADDR(3, IP(10, 7, 3, 4), 24) };
	static const struct {
		const char *opts;
		const struct addr_info *v;
		unsigned int ul_mtu;
		enum fan_map_mode mode;
		unsigned int mtu;
	} cases[] = {
		{ "", flat, 2044, FAN_MAP_MODE_IPIP, 2024 },
		{ "mode ipip", flat, 2044, FAN_MAP_MODE_IPIP, 2024 },
		{ "mode direct", flat, 2044, FAN_MAP_MODE_DIRECT, 2044 },
		{ "mode direct", narrow, 2044, FAN_MAP_MODE_DIRECT, 2044 },
		{ "mode auto", flat, 2044, FAN_MAP_MODE_DIRECT, 2044 },
		{ "mode auto", narrow, 2044, FAN_MAP_MODE_IPIP, 2024 },
		{ "mode auto", flat, 65520, FAN_MAP_MODE_DIRECT, 65520 },
		{ "mode auto", narrow, 65520, FAN_MAP_MODE_IPIP, 65500 },
		{ "mode direct mtu 2044", flat, 2044, FAN_MAP_MODE_DIRECT, 2044 },
		{ "mode ipip mtu 2024", flat, 2044, FAN_MAP_MODE_IPIP, 2024 },
		{ "mode direct mtu 1500", flat, 2044, FAN_MAP_MODE_DIRECT, 1500 },
		{ "mode direct", flat, 68, FAN_MAP_MODE_DIRECT, 68 },
		{ "", flat, 88, FAN_MAP_MODE_IPIP, 68 },
	};
	struct fan_conf c;
	const char *err;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(conf(&c, cases[i].opts, cases[i].ul_mtu, cases[i].v, 1), EXIT_OK);
		if (c.mode != cases[i].mode || c.mtu != cases[i].mtu)
			fail_msg("'%s' over MTU %u: mode %d mtu %u", cases[i].opts, cases[i].ul_mtu,
				 c.mode, c.mtu);
	}
	/* the maximum follows the mode */
	capture_start();
	assert_int_equal(conf(&c, "mtu 2025", 2044, flat, 1), EXIT_USAGE);
	err = capture_end();
	assert_non_null(strstr(err, "mtu 2025 is larger than the underlay MTU 2044 of ib0 minus 20"));
	capture_start();
	assert_int_equal(conf(&c, "mode auto mtu 2025", 2044, narrow, 1), EXIT_USAGE);
	err = capture_end();
	assert_non_null(strstr(err, "minus 20"));
	capture_start();
	assert_int_equal(conf(&c, "mode direct mtu 2045", 2044, flat, 1), EXIT_USAGE);
	err = capture_end();
	assert_non_null(strstr(err, "mtu 2045 is larger than the underlay MTU 2044 of ib0 (mode direct)"));
	capture_start();
	assert_int_equal(conf(&c, "mode auto mtu 2045", 2044, flat, 1), EXIT_USAGE);
	capture_end();
	capture_start();
	assert_int_equal(conf(&c, "", 87, flat, 1), EXIT_SYSTEM);
	err = capture_end();
	assert_non_null(strstr(err, "MTU 87 of ib0 is too small"));
	capture_start();
	assert_int_equal(conf(&c, "mode direct", 67, flat, 1), EXIT_SYSTEM);
	capture_end();
}

/* fanctl docker and fanctl cni print the MTU of the mode. */
static void test_mode_export(void **state)
{
	static const struct addr_info flat[] = { ADDR(3, IP(10, 7, 3, 4), 16) };
	static const struct addr_info narrow[] = { ADDR(3, IP(10, 7, 3, 4), 24) };
	static const struct {
		const char *opts;
		const struct addr_info *v;
		const char *mtu;
	} cases[] = {
		{ "", flat, "2024" },
		{ "mode ipip", flat, "2024" },
		{ "mode direct", flat, "2044" },
		{ "mode auto", flat, "2044" },
		{ "mode auto", narrow, "2024" },
		{ "mode direct mtu 1800", flat, "1800" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct fan_conf c;
		char buf[2048], docker[64], cni[64], incus[64];

		assert_int_equal(conf(&c, cases[i].opts, 2044, cases[i].v, 1), EXIT_OK);
		snprintf(docker, sizeof(docker), "\n  \"mtu\": %s,\n", cases[i].mtu);
		snprintf(cni, sizeof(cni), "\n      \"mtu\": %s,\n", cases[i].mtu);
		snprintf(incus, sizeof(incus), "\n    mtu: \"%s\"\n", cases[i].mtu);
		assert_int_equal(docker_json(&c, buf, sizeof(buf)), 0);
		if (!strstr(buf, docker))
			fail_msg("docker '%s': %s", cases[i].opts, buf);
		assert_int_equal(cni_json(&c, buf, sizeof(buf)), 0);
		if (!strstr(buf, cni))
			fail_msg("cni '%s': %s", cases[i].opts, buf);
		assert_int_equal(incus_yaml(&c, buf, sizeof(buf)), 0);
		if (!strstr(buf, incus))
			fail_msg("incus '%s': %s", cases[i].opts, buf);
	}
}

const struct CMUnitTest mode_tests[] = {
	cmocka_unit_test(test_parse_mode),
	cmocka_unit_test(test_mode_command_line),
	cmocka_unit_test(test_mode_config_line),
	cmocka_unit_test(test_mode_config_file),
	cmocka_unit_test(test_mode_marker),
	cmocka_unit_test(test_mode_pick),
	cmocka_unit_test(test_underlay_flat),
	cmocka_unit_test(test_mode_mtu),
	cmocka_unit_test(test_mode_export),
};
const size_t mode_ntests = sizeof(mode_tests) / sizeof(mode_tests[0]);
