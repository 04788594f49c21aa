// SPDX-License-Identifier: GPL-2.0
/* fanctl unit tests: Docker and CNI JSON, Incus profile, Docker fixed-cidr, dhcp range, JSON text. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"

static void conf(struct fan_conf *c, const char *ov, const char *ul, uint32_t local,
		 unsigned int reserve, unsigned int mtu)
{
	char o[32], u[32], *argv[2] = { o, u };

	memset(c, 0, sizeof(*c));
	strcpy(o, ov);
	strcpy(u, ul);
	assert_int_equal(parse_spec(2, argv, &c->spec, SPEC_UP), 0);
	c->spec.opts.host_reserve = reserve;
	c->local = local;
	assert_int_equal(conf_derive(c), 0);
	c->mtu = mtu;
}

static void test_docker_golden(void **state)
{
	struct fan_conf c;
	char buf[1024];

	(void)state;
	conf(&c, "250.0.0.0/8", "10.7.3.4/16", IP(10, 7, 3, 4), 1, 2024);
	assert_int_equal(docker_json(&c, buf, sizeof(buf)), 0);
	assert_string_equal(buf,
		"{\n"
		"  \"bridge\": \"fan-250-3-4\",\n"
		"  \"mtu\": 2024,\n"
		"  \"fixed-cidr\": \"250.3.4.0/24\",\n"
		"  \"iptables\": false,\n"
		"  \"ip-masq\": false\n"
		"}\n");
	/* too small a buffer is an error, not a truncated document */
	assert_int_equal(docker_json(&c, buf, 40), -1);
}

static void test_docker_fixed_cidr(void **state)
{
	static const struct {
		unsigned int reserve;
		uint32_t net;
		uint8_t len;
	} cases[] = {
		{ 1, IP(250, 3, 4, 0), 24 },
		{ 2, IP(250, 3, 4, 128), 25 },
		{ 127, IP(250, 3, 4, 128), 25 },
		{ 128, IP(250, 3, 4, 192), 26 },
		{ 200, IP(250, 3, 4, 224), 27 },
		{ 253, IP(250, 3, 4, 254), 31 },
	};
	struct fan_conf c;
	uint32_t net;
	uint8_t len;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		conf(&c, "250.0.0.0/8", "10.7.3.4/16", IP(10, 7, 3, 4), cases[i].reserve, 1480);
		docker_fixed_cidr(&c, &net, &len);
		assert_int_equal(net, cases[i].net);
		assert_int_equal(len, cases[i].len);
		/* never overlaps the reserved addresses, stays in the slice */
		if (cases[i].reserve > 1)
			assert_true(net > c.slice + cases[i].reserve);
		assert_true(fan_prefix_contains(c.slice, c.slice_len, net));
	}
	/* every reservation of a /18 slice */
	conf(&c, "100.64.0.0/10", "10.1.1.0/24", IP(10, 1, 1, 1), 1, 1480);
	for (i = 2; i < 16000; i += 97) {
		uint32_t size;

		c.spec.opts.host_reserve = (unsigned int)i;
		docker_fixed_cidr(&c, &net, &len);
		size = (uint32_t)1 << (32 - len);
		assert_true(net > c.slice + i);
		assert_int_equal(net & (size - 1), 0);
		assert_int_equal(net + size, c.slice + (1u << 14));
		/* the largest: the next bigger aligned block would reach .reserve */
		assert_true(c.slice + (1u << 14) - 2 * size <= c.slice + i);
	}
}

static void test_cni_golden(void **state)
{
	struct fan_conf c;
	char buf[2048];

	(void)state;
	conf(&c, "250.0.0.0/8", "10.7.3.4/16", IP(10, 7, 3, 4), 5, 2024);
	assert_int_equal(cni_json(&c, buf, sizeof(buf)), 0);
	assert_string_equal(buf,
		"{\n"
		"  \"cniVersion\": \"1.0.0\",\n"
		"  \"name\": \"fan-250-3-4\",\n"
		"  \"plugins\": [\n"
		"    {\n"
		"      \"type\": \"bridge\",\n"
		"      \"bridge\": \"fan-250-3-4\",\n"
		"      \"isGateway\": true,\n"
		"      \"ipMasq\": false,\n"
		"      \"mtu\": 2024,\n"
		"      \"ipam\": {\n"
		"        \"type\": \"host-local\",\n"
		"        \"ranges\": [\n"
		"          [\n"
		"            {\n"
		"              \"subnet\": \"250.3.4.0/24\",\n"
		"              \"rangeStart\": \"250.3.4.6\",\n"
		"              \"rangeEnd\": \"250.3.4.254\",\n"
		"              \"gateway\": \"250.3.4.1\"\n"
		"            }\n"
		"          ]\n"
		"        ],\n"
		"        \"routes\": [\n"
		"          { \"dst\": \"0.0.0.0/0\" }\n"
		"        ]\n"
		"      }\n"
		"    }\n"
		"  ]\n"
		"}\n");
}

static void test_incus_golden(void **state)
{
	struct fan_conf c;
	char buf[1024];

	(void)state;
	conf(&c, "250.0.0.0/8", "10.7.3.4/16", IP(10, 7, 3, 4), 5, 2024);
	assert_int_equal(incus_yaml(&c, buf, sizeof(buf)), 0);
	assert_string_equal(buf,
		"description: fan bridge fan-250-3-4, slice 250.3.4.0/24, MTU 2024 (fanctl incus)\n"
		"config: {}\n"
		"devices:\n"
		"  eth0:\n"
		"    type: nic\n"
		"    nictype: bridged\n"
		"    parent: fan-250-3-4\n"
		"    mtu: \"2024\"\n"
		"    name: eth0\n");
	/* a /18 slice, another MTU */
	conf(&c, "100.64.0.0/10", "10.1.1.0/24", IP(10, 1, 1, 77), 1, 65000);
	assert_int_equal(incus_yaml(&c, buf, sizeof(buf)), 0);
	assert_non_null(strstr(buf, "slice 100.83.64.0/18, MTU 65000"));
	assert_non_null(strstr(buf, "    parent: fan-100-83-64\n"));
	assert_non_null(strstr(buf, "    mtu: \"65000\"\n"));
	/* too small a buffer is an error, not a truncated document */
	assert_int_equal(incus_yaml(&c, buf, 60), -1);
}

/* Minimal JSON well-formedness: balanced brackets outside strings, no trailing commas. */
static void assert_json_shape(const char *s)
{
	int depth = 0, in_str = 0;
	char last = 0;

	for (; *s; s++) {
		if (in_str) {
			if (*s == '\\')
				s++;
			else if (*s == '"')
				in_str = 0;
			continue;
		}
		if (*s == '"')
			in_str = 1;
		else if (*s == '{' || *s == '[')
			depth++;
		else if (*s == '}' || *s == ']') {
			assert_true(last != ',');
			depth--;
			assert_true(depth >= 0);
		}
		if (*s != ' ' && *s != '\n')
			last = *s;
	}
	assert_int_equal(depth, 0);
	assert_int_equal(in_str, 0);
}

static void test_json_shapes(void **state)
{
	struct fan_conf c;
	char buf[2048];

	(void)state;
	conf(&c, "100.64.0.0/10", "10.1.1.0/24", IP(10, 1, 1, 77), 3, 65000);
	assert_int_equal(cni_json(&c, buf, sizeof(buf)), 0);
	assert_json_shape(buf);
	assert_non_null(strstr(buf, "\"subnet\": \"100.83.64.0/18\""));
	assert_non_null(strstr(buf, "\"rangeStart\": \"100.83.64.4\""));
	assert_non_null(strstr(buf, "\"rangeEnd\": \"100.83.127.254\""));
	assert_non_null(strstr(buf, "\"mtu\": 65000"));
	assert_int_equal(docker_json(&c, buf, sizeof(buf)), 0);
	assert_json_shape(buf);
	assert_non_null(strstr(buf, "\"fixed-cidr\": \"100.83.96.0/19\""));
}

static void test_dhcp_range(void **state)
{
	struct fan_conf c;
	uint32_t f, l;

	(void)state;
	conf(&c, "250.0.0.0/8", "10.7.3.4/16", IP(10, 7, 3, 4), 1, 1480);
	dhcp_range(&c, &f, &l);
	assert_int_equal(f, IP(250, 3, 4, 2));
	assert_int_equal(l, IP(250, 3, 4, 254));
	c.spec.opts.host_reserve = 10;
	dhcp_range(&c, &f, &l);
	assert_int_equal(f, IP(250, 3, 4, 11));
	conf(&c, "250.0.0.0/8", "192.0.2.0/24", IP(192, 0, 2, 5), 1, 1480);
	dhcp_range(&c, &f, &l);
	assert_int_equal(f, IP(250, 5, 0, 2));
	assert_int_equal(l, IP(250, 5, 255, 254));
	/* smallest slice: /30 over a /30-u map has .2 only */
	conf(&c, "10.0.0.0/8", "172.16.0.0/10", IP(172, 16, 0, 1), 1, 1480);
	dhcp_range(&c, &f, &l);
	assert_int_equal(c.slice_len, 30);
	assert_int_equal(f, c.slice + 2);
	assert_int_equal(l, c.slice + 2);
}

/* @fn's output to a FILE, as a string (static: until the next call). */
static const char *out_of(void (*fn)(FILE *f, const void *arg), const void *arg)
{
	static char *buf;
	size_t len = 0;
	FILE *f;

	free(buf);
	buf = NULL;
	f = open_memstream(&buf, &len);
	assert_non_null(f);
	fn(f, arg);
	fclose(f);
	return buf;
}

static void str_fn(FILE *f, const void *arg)
{
	json_str(f, arg);
}

static void print_compact(FILE *f, const void *arg)
{
	json_print(arg, false, f);
}

static void print_pretty(FILE *f, const void *arg)
{
	json_print(arg, true, f);
}

static void test_json_text(void **state)
{
	static const char doc[] = "{\n  \"a\": [1, {\"b\": \"x { , y\"}],\n  \"e\": [], \"o\": {} }";

	(void)state;
	/* escapes, and always valid UTF-8: what is not becomes U+FFFD */
	assert_string_equal(out_of(str_fn, "fan-250"), "\"fan-250\"");
	assert_string_equal(out_of(str_fn, "a\"b\\c\n"), "\"a\\\"b\\\\c\\u000a\"");
	assert_string_equal(out_of(str_fn, "caf\xc3\xa9"), "\"caf\xc3\xa9\"");
	assert_string_equal(out_of(str_fn, "\xe2\x82\xac\xf0\x9f\x98\x80"),
			    "\"\xe2\x82\xac\xf0\x9f\x98\x80\"");
	assert_string_equal(out_of(str_fn, "a\xff" "b"), "\"a\\ufffd" "b\"");
	assert_string_equal(out_of(str_fn, "\xc0\xaf"), "\"\\ufffd\\ufffd\"");	/* overlong */
	assert_string_equal(out_of(str_fn, "\xed\xa0\x80"), "\"\\ufffd\\ufffd\\ufffd\"");
	assert_string_equal(out_of(str_fn, "\xe2\x82"), "\"\\ufffd\\ufffd\"");	/* cut short */
	assert_string_equal(out_of(str_fn, "\x7f"), "\"\\u007f\"");
	/* one line, as ip -j; indented with -p; strings untouched */
	assert_string_equal(out_of(print_compact, doc),
			    "{\"a\":[1,{\"b\":\"x { , y\"}],\"e\":[],\"o\":{}}\n");
	assert_string_equal(out_of(print_pretty, doc),
			    "{\n"
			    "  \"a\": [\n"
			    "    1,\n"
			    "    {\n"
			    "      \"b\": \"x { , y\"\n"
			    "    }\n"
			    "  ],\n"
			    "  \"e\": [],\n"
			    "  \"o\": {}\n"
			    "}\n");
}

const struct CMUnitTest export_tests[] = {
	cmocka_unit_test(test_json_text),
	cmocka_unit_test(test_docker_golden),
	cmocka_unit_test(test_docker_fixed_cidr),
	cmocka_unit_test(test_cni_golden),
	cmocka_unit_test(test_incus_golden),
	cmocka_unit_test(test_json_shapes),
	cmocka_unit_test(test_dhcp_range),
};
const size_t export_ntests = sizeof(export_tests) / sizeof(export_tests[0]);
