// SPDX-License-Identifier: GPL-2.0
/*
 * fanctl unit tests: the mapping math of include/fan/fan_map.h, over every
 * pair of prefix lengths 1..30, with round trips over sampled (and, for
 * small host spaces, all) hosts; and "fanctl map" lines.
 */
#include <string.h>

#include "unit.h"

static uint32_t lcg_state = 12345;

static uint32_t rnd(void)
{
	lcg_state = lcg_state * 1103515245u + 12345u;
	return (lcg_state >> 1) ^ (lcg_state << 15);
}

static void test_check_all_pairs(void **state)
{
	unsigned int o, u;

	(void)state;
	for (o = 0; o <= 32; o++) {
		for (u = 0; u <= 32; u++) {
			struct fan_map_math m = {
				.overlay = IP(250, 0, 0, 0) & fan_mask(o),
				.overlay_len = (__u8)o,
				.underlay = IP(10, 7, 0, 0) & fan_mask(u),
				.underlay_len = (__u8)u,
			};
			enum fan_map_error want;

			if (o < 1 || o > 30)
				want = FAN_MAP_BAD_OVERLAY_LEN;
			else if (u < 1 || u > 30)
				want = FAN_MAP_BAD_UNDERLAY_LEN;
			else if (o >= u)
				want = FAN_MAP_OVERLAY_NOT_SHORTER;
			else if (u - o < 2)
				want = FAN_MAP_SLICE_TOO_SMALL;
			else
				want = FAN_MAP_OK;
			if (fan_map_check(&m) != want)
				fail_msg("o=%u u=%u: got %d want %d", o, u, fan_map_check(&m), want);
			if (want == FAN_MAP_OK) {
				assert_int_equal(fan_slice_len(&m), o + 32 - u);
				assert_int_equal(fan_container_bits(&m), u - o);
				assert_int_equal(fan_host_bits(&m), 32 - u);
				assert_int_equal(fan_slice_len(&m) + fan_container_bits(&m), 32);
			}
		}
	}
}

static void test_check_host_bits(void **state)
{
	struct fan_map_math m = { IP(250, 0, 0, 1), IP(10, 7, 0, 0), 8, 16 };

	(void)state;
	assert_int_equal(fan_map_check(&m), FAN_MAP_OVERLAY_HOST_BITS);
	m.overlay = IP(250, 0, 0, 0);
	m.underlay = IP(10, 7, 0, 1);
	assert_int_equal(fan_map_check(&m), FAN_MAP_UNDERLAY_HOST_BITS);
	m.underlay = IP(10, 7, 0, 0);
	assert_int_equal(fan_map_check(&m), FAN_MAP_OK);
	assert_string_equal(fan_map_strerror(FAN_MAP_OK), "ok");
	assert_non_null(strstr(fan_map_strerror(FAN_MAP_SLICE_TOO_SMALL), "2 bits"));
}

/* Check one host of one map both ways. */
static void check_host(const struct fan_map_math *m, uint32_t hpart)
{
	unsigned int cb = fan_container_bits(m), sl = fan_slice_len(m);
	uint32_t host = m->underlay | hpart, slice, k, last = ~fan_mask(sl);
	uint32_t ks[4] = { 0, 1, last, rnd() & last };
	int i;

	assert_int_equal(fan_host_part(m, host), hpart);
	slice = fan_slice_of(m, host);
	/* the slice is an aligned /sl inside the overlay */
	assert_true(fan_prefix_contains(m->overlay, m->overlay_len, slice));
	assert_int_equal(slice & ~fan_mask(sl), 0);
	/* its host number sits just above the container bits */
	assert_int_equal((slice & ~fan_mask(m->overlay_len)) >> cb, hpart);
	for (i = 0; i < 4; i++) {
		k = ks[i];
		assert_int_equal(fan_underlay_of(m, slice | k), host);
		assert_int_equal(fan_container_part(m, slice | k), k);
		assert_int_equal(fan_is_slice_broadcast(m, slice | k), k == last);
	}
	/* slice of the owner of an address in it is that slice */
	assert_int_equal(fan_slice_of(m, fan_underlay_of(m, slice | ks[3])), slice);
}

static void test_roundtrip_all_pairs(void **state)
{
	unsigned int o, u, checked = 0, exhaustive = 0;

	(void)state;
	for (o = 1; o <= 30; o++) {
		for (u = o + 2; u <= 30; u++) {
			struct fan_map_math m = {
				.overlay = rnd() & fan_mask(o),
				.overlay_len = (__u8)o,
				.underlay = rnd() & fan_mask(u),
				.underlay_len = (__u8)u,
			};
			unsigned int hb = 32 - u, j;
			uint32_t all = ~fan_mask(u), h, prev_slice = 0;

			assert_int_equal(fan_map_check(&m), FAN_MAP_OK);
			assert_false(fan_host_part_valid(&m, 0));
			assert_false(fan_host_part_valid(&m, all));
			if (hb <= 10) {
				exhaustive += all - 1;
				/* small host space: every host, slices strictly increasing */
				for (h = 1; h < all; h++) {
					assert_true(fan_host_part_valid(&m, h));
					check_host(&m, h);
					if (h > 1)
						assert_true(fan_slice_of(&m, m.underlay | h) > prev_slice);
					prev_slice = fan_slice_of(&m, m.underlay | h);
					checked++;
				}
			} else {
				uint32_t fixed[] = { 1, 2, 3, all - 1, all - 2, all >> 1,
						     (all >> 1) + 1 };

				for (j = 0; j < sizeof(fixed) / sizeof(fixed[0]); j++, checked++)
					check_host(&m, fixed[j]);
				for (j = 0; j < 200; j++) {
					h = rnd() & all;
					if (!fan_host_part_valid(&m, h))
						continue;
					check_host(&m, h);
					/* distinct hosts own distinct slices */
					assert_true(fan_slice_of(&m, m.underlay | h) !=
						    fan_slice_of(&m, m.underlay | (h ^ 1)));
					checked++;
				}
			}
		}
	}
	/* every host of every small map, plus >= 7 per big one */
	assert_true(exhaustive > 40000);
	assert_true(checked >= exhaustive + 7 * 20 * 21 / 2);
}

static void test_design_examples(void **state)
{
	struct fan_map_math a = { IP(250, 0, 0, 0), IP(10, 7, 0, 0), 8, 16 };
	struct fan_map_math b = { IP(250, 0, 0, 0), IP(192, 0, 2, 0), 8, 24 };
	struct fan_map_math c = { IP(100, 64, 0, 0), IP(10, 1, 1, 0), 10, 24 };

	(void)state;
	assert_int_equal(fan_slice_of(&a, IP(10, 7, 3, 4)), IP(250, 3, 4, 0));
	assert_int_equal(fan_slice_len(&a), 24);
	assert_int_equal(fan_underlay_of(&a, IP(250, 9, 200, 7)), IP(10, 7, 9, 200));
	assert_int_equal(fan_slice_of(&b, IP(192, 0, 2, 5)), IP(250, 5, 0, 0));
	assert_int_equal(fan_slice_len(&b), 16);
	assert_int_equal(fan_slice_len(&c), 18);
	assert_int_equal(fan_slice_of(&c, IP(10, 1, 1, 1)), IP(100, 64, 64, 0));
	assert_int_equal(fan_slice_of(&c, IP(10, 1, 1, 254)), IP(100, 127, 128, 0));
	assert_int_equal(fan_underlay_of(&c, IP(100, 127, 191, 255)), IP(10, 1, 1, 254));
	assert_true(fan_is_slice_broadcast(&a, IP(250, 3, 4, 255)));
	assert_false(fan_is_slice_broadcast(&a, IP(250, 3, 4, 254)));
}

static void test_overlap(void **state)
{
	(void)state;
	assert_true(fan_prefixes_overlap(IP(250, 0, 0, 0), 8, IP(250, 3, 0, 0), 16));
	assert_true(fan_prefixes_overlap(IP(250, 3, 0, 0), 16, IP(250, 0, 0, 0), 8));
	assert_false(fan_prefixes_overlap(IP(250, 0, 0, 0), 8, IP(251, 0, 0, 0), 8));
	assert_true(fan_prefixes_overlap(0, 0, IP(1, 2, 3, 4), 32));
	assert_int_equal(fan_mask(0), 0);
	assert_int_equal(fan_mask(32), 0xffffffff);
	assert_int_equal(fan_mask(8), 0xff000000);
}

static void test_map_explain(void **state)
{
	struct fan_map_math m = { IP(250, 0, 0, 0), IP(10, 7, 0, 0), 8, 16 };
	char buf[256];

	(void)state;
	assert_int_equal(map_explain(&m, IP(250, 3, 4, 7), NULL, buf, sizeof(buf)), 1);
	assert_string_equal(buf, "250.3.4.7 overlay 250.0.0.0/8 host 10.7.3.4 slice 250.3.4.0/24\n");
	assert_int_equal(map_explain(&m, IP(10, 7, 3, 4), "ftun0", buf, sizeof(buf)), 1);
	assert_string_equal(buf, "10.7.3.4 underlay 10.7.0.0/16 dev ftun0 slice 250.3.4.0/24\n");
	assert_int_equal(map_explain(&m, IP(250, 0, 9, 1), NULL, buf, sizeof(buf)), 1);
	assert_string_equal(buf, "250.0.9.1 overlay 250.0.0.0/8 host 10.7.0.9 slice 250.0.9.0/24\n");
	assert_int_equal(map_explain(&m, IP(250, 0, 0, 1), NULL, buf, sizeof(buf)), 1);
	assert_string_equal(buf, "250.0.0.1 overlay 250.0.0.0/8 host 10.7.0.0 invalid\n");
	assert_int_equal(map_explain(&m, IP(250, 255, 255, 3), NULL, buf, sizeof(buf)), 1);
	assert_string_equal(buf, "250.255.255.3 overlay 250.0.0.0/8 host 10.7.255.255 invalid\n");
	assert_int_equal(map_explain(&m, IP(10, 7, 255, 255), NULL, buf, sizeof(buf)), 1);
	assert_string_equal(buf, "10.7.255.255 underlay 10.7.0.0/16 slice none\n");
	assert_int_equal(map_explain(&m, IP(1, 2, 3, 4), NULL, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "");
}

const struct CMUnitTest map_tests[] = {
	cmocka_unit_test(test_check_all_pairs),
	cmocka_unit_test(test_check_host_bits),
	cmocka_unit_test(test_roundtrip_all_pairs),
	cmocka_unit_test(test_design_examples),
	cmocka_unit_test(test_overlap),
	cmocka_unit_test(test_map_explain),
};
const size_t map_ntests = sizeof(map_tests) / sizeof(map_tests[0]);
