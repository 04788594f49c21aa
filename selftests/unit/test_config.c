// SPDX-License-Identifier: GPL-2.0
/* fanctl unit tests: reading /etc/network/fan style files. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "unit.h"

static char path[64];

static void write_file(const char *text)
{
	FILE *f;
	int fd;

	strcpy(path, "/tmp/fanctl-unit-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_config_good(void **state)
{
	struct config_entry *v;
	unsigned int nerr;
	int n;

	(void)state;
	write_file("# fan 250\n"
		   "250.0.0.0/8 ib0/16 dhcp\n"
		   "\n"
		   "   # indented comment\n"
		   "10.0.0.0/8 eth1/16 dhcp off\n"
		   "241.0.0.0/8 10.7.0.0/16 host-reserve 4 bridge fanb no-nat   # trailing\n"
		   "242.0.0.0/8 default/16 --mtu=1400 auto");
	n = config_read(path, &v, &nerr);
	unlink(path);
	assert_int_equal(n, 4);
	assert_int_equal(nerr, 0);
	assert_int_equal(v[0].lineno, 2);
	assert_true(v[0].spec.opts.dhcp);
	assert_int_equal(v[1].lineno, 5);
	assert_true(v[1].spec.opts.off);
	assert_int_equal(v[2].lineno, 6);
	assert_int_equal(v[2].spec.ul_kind, UL_ADDR);
	assert_int_equal(v[2].spec.opts.host_reserve, 4);
	assert_false(v[2].spec.opts.nat);
	assert_string_equal(v[2].spec.opts.bridge, "fanb");
	assert_int_equal(v[3].lineno, 7);	/* no final newline */
	assert_int_equal(v[3].spec.ul_kind, UL_DEFAULT);
	assert_int_equal(v[3].spec.opts.mtu, 1400);
	free(v);
}

static void test_config_errors(void **state)
{
	struct config_entry *v;
	unsigned int nerr;
	const char *err;
	char expect[128];
	int n;

	(void)state;
	write_file("250.0.0.0/8 ib0/16\n"
		   "251.0.0.0/8 ib0/16 dchp\n"
		   "252.0.0.0/8\n"
		   "# ok\n"
		   "250.0.0.0/8 ib0/16 dhcp\n"
		   "253.0.0.0/8 ib0/8\n"
		   "254.0.0.0/8 ib0/16\n");
	capture_start();
	n = config_read(path, &v, &nerr);
	err = capture_end();
	assert_int_equal(n, 2);
	assert_int_equal(nerr, 4);
	snprintf(expect, sizeof(expect), "%s:2: ", path);
	assert_non_null(strstr(err, expect));
	assert_non_null(strstr(err, "'dchp'"));
	snprintf(expect, sizeof(expect), "%s:3: ", path);
	assert_non_null(strstr(err, expect));
	snprintf(expect, sizeof(expect), "%s:5: same fan as line 1", path);
	assert_non_null(strstr(err, expect));
	snprintf(expect, sizeof(expect), "%s:6: ", path);
	assert_non_null(strstr(err, expect));
	assert_int_equal(v[1].lineno, 7);
	free(v);

	capture_start();
	n = config_read("/nonexistent/fan", &v, &nerr);
	err = capture_end();
	assert_int_equal(n, -1);
	assert_non_null(strstr(err, "/nonexistent/fan"));
	unlink(path);
}

static void test_config_long_line(void **state)
{
	struct config_entry *v;
	unsigned int nerr;
	char *text = malloc(3000);
	int n;

	(void)state;
	memset(text, 'x', 2000);
	strcpy(text + 2000, "\n250.0.0.0/8 ib0/16\n");
	write_file(text);
	free(text);
	capture_start();
	n = config_read(path, &v, &nerr);
	assert_non_null(strstr(capture_end(), ":1: line longer"));
	unlink(path);
	assert_int_equal(n, 1);
	assert_int_equal(nerr, 1);
	assert_int_equal(v[0].lineno, 2);
	free(v);
}

const struct CMUnitTest config_tests[] = {
	cmocka_unit_test(test_config_good),
	cmocka_unit_test(test_config_errors),
	cmocka_unit_test(test_config_long_line),
};
const size_t config_ntests = sizeof(config_tests) / sizeof(config_tests[0]);
