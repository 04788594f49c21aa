// SPDX-License-Identifier: GPL-2.0
/* fanctl unit tests: run every group as one cmocka group. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"

static char *cap_buf;
static size_t cap_len;

void capture_start(void)
{
	free(cap_buf);
	cap_buf = NULL;
	msg_file = open_memstream(&cap_buf, &cap_len);
	assert_non_null(msg_file);
}

const char *capture_end(void)
{
	fclose(msg_file);
	msg_file = NULL;
	return cap_buf ? cap_buf : "";
}

int main(void)
{
	const struct {
		const struct CMUnitTest *t;
		size_t n;
	} groups[] = {
		{ parse_tests, parse_ntests },
		{ map_tests, map_ntests },
		{ export_tests, export_ntests },
		{ config_tests, config_ntests },
		{ mode_tests, mode_ntests },
	};
	struct CMUnitTest *all;
	size_t i, n = 0;

	for (i = 0; i < sizeof(groups) / sizeof(groups[0]); i++)
		n += groups[i].n;
	all = calloc(n, sizeof(*all));
	if (!all)
		return 1;
	n = 0;
	for (i = 0; i < sizeof(groups) / sizeof(groups[0]); i++) {
		memcpy(all + n, groups[i].t, groups[i].n * sizeof(*all));
		n += groups[i].n;
	}
	return _cmocka_run_group_tests("fanctl", all, n, NULL, NULL);
}
