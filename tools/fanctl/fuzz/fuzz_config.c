// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz fanctl's config reader, config_read(), over the input as a whole
 * /etc/network/fan (a memfd): it must account for every line (entries plus
 * errors never exceed the lines), number entries by the line they are on,
 * and each entry must be exactly what that line says (parse_config_line).
 */
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz.h"

/* Line @lineno (1-based) of the input, without its newline, or NULL. */
static char *nth_line(const uint8_t *data, size_t size, unsigned int lineno, size_t *len)
{
	size_t i = 0, start;
	unsigned int l = 1;

	while (l < lineno) {
		const uint8_t *nl = memchr(data + i, '\n', size - i);

		if (!nl)
			return NULL;
		i = (size_t)(nl - data) + 1;
		l++;
	}
	start = i;
	while (i < size && data[i] != '\n')
		i++;
	*len = i - start;
	return fuzz_str(data + start, i - start);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config_entry *v;
	unsigned int nerr, lines = 0, last = 0;
	char path[64];
	size_t i;
	int fd, n;

	if (size > 16384)
		return 0;
	fuzz_quiet();
	fd = memfd_create("fan-config", 0);
	if (fd < 0 || write(fd, data, size) != (ssize_t)size)
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	for (i = 0; i < size; i++)
		lines += data[i] == '\n';
	if (size && data[size - 1] != '\n')
		lines++;

	n = config_read(path, &v, &nerr);
	close(fd);
	FUZZ_CHECK(n >= 0, "config_read failed on a readable file");
	FUZZ_CHECK((unsigned int)n + nerr <= lines, "%d entries + %u errors > %u lines",
		   n, nerr, lines);
	for (i = 0; i < (size_t)n; i++) {
		struct fan_spec s;
		size_t len;
		char *line;

		FUZZ_CHECK(v[i].lineno > last && v[i].lineno <= lines,
			   "entry %zu on line %u (previous %u, %u lines)", i, v[i].lineno,
			   last, lines);
		last = v[i].lineno;
		line = nth_line(data, size, v[i].lineno, &len);
		FUZZ_CHECK(line, "no line %u", v[i].lineno);
		FUZZ_CHECK(strlen(line) == len, "entry from line %u, which holds a NUL byte",
			   v[i].lineno);
		FUZZ_CHECK(parse_config_line(line, "fuzz", v[i].lineno, &s) == 1 &&
			   fuzz_spec_equal(&s, &v[i].spec),
			   "entry %zu is not what line %u says", i, v[i].lineno);
		free(line);
	}
	free(v);
	return 0;
}
