/* SPDX-License-Identifier: GPL-2.0 */
/* fanctl unit tests: shared helpers. */
#ifndef FANCTL_UNIT_H
#define FANCTL_UNIT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "fanctl.h"

/* Capture what the code under test writes to stderr. */
void capture_start(void);
/* Stop capturing; returns the text (static buffer). */
const char *capture_end(void);

#define IP(a, b, c, d) (((uint32_t)(a) << 24) | ((uint32_t)(b) << 16) | \
			((uint32_t)(c) << 8) | (uint32_t)(d))

extern const struct CMUnitTest parse_tests[];
extern const size_t parse_ntests;
extern const struct CMUnitTest map_tests[];
extern const size_t map_ntests;
extern const struct CMUnitTest export_tests[];
extern const size_t export_ntests;
extern const struct CMUnitTest config_tests[];
extern const size_t config_ntests;
extern const struct CMUnitTest mode_tests[];
extern const size_t mode_ntests;

#endif
