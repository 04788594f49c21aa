/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fanctl parser fuzzing: shared helpers of the libFuzzer harnesses.
 * Each harness defines LLVMFuzzerTestOneInput(); an invariant that does not
 * hold aborts with a message (libFuzzer then saves the input as a crash).
 */
#ifndef FANCTL_FUZZ_H
#define FANCTL_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../fanctl.h"

#define FUZZ_CHECK(cond, ...)						\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "invariant failed: %s: ", #cond); \
			fprintf(stderr, __VA_ARGS__);			\
			fputc('\n', stderr);				\
			abort();					\
		}							\
	} while (0)

/* fanctl's error messages go to /dev/null (they are not what we check). */
static inline void fuzz_quiet(void)
{
	if (!msg_file)
		msg_file = fopen("/dev/null", "w");
	if (!msg_file)
		abort();
}

/* The input as a C string (cut at the first NUL), malloc'd. */
static inline char *fuzz_str(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = 0;
	return s;
}

static inline int fuzz_spec_equal(const struct fan_spec *a, const struct fan_spec *b)
{
	return a->overlay == b->overlay && a->overlay_len == b->overlay_len &&
	       a->ul_kind == b->ul_kind && a->ul_addr == b->ul_addr &&
	       !strcmp(a->ul_dev, b->ul_dev) && a->underlay_len == b->underlay_len &&
	       a->opts.dhcp == b->opts.dhcp && a->opts.nat == b->opts.nat &&
	       a->opts.auto_ == b->opts.auto_ && a->opts.off == b->opts.off &&
	       a->opts.host_reserve == b->opts.host_reserve &&
	       a->opts.mtu == b->opts.mtu && !strcmp(a->opts.bridge, b->opts.bridge) &&
	       a->opts.mode == b->opts.mode;
}

/*
 * A spec as the words a user would write (the canonical form): parsing
 * them must give the same spec back.  Returns the word count.
 */
int fuzz_spec_words(const struct fan_spec *s, bool config, char *buf, size_t len,
		    char **words);

#endif /* FANCTL_FUZZ_H */
