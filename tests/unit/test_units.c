/* test_units.c: sizes, units and checked arithmetic */
/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

static void
test_units_gb_is_not_gib(void **state)
{
	uint64_t v;
	char why[128];

	(void)state;
	assert_true(mp_parse_size("24 GiB", &v, why, sizeof(why)));
	assert_int_equal(v, 24ULL << 30);
	assert_true(mp_parse_size("24GB", &v, why, sizeof(why)));
	assert_int_equal(v, 24000000000ULL);
	assert_true(mp_parse_size("24000MB", &v, why, sizeof(why)));
	assert_int_equal(v, 24000000000ULL);
	assert_true(mp_parse_size("1.5 TiB", &v, why, sizeof(why)));
	assert_int_equal(v, 3ULL << 39);
	assert_true(mp_parse_size("123", &v, why, sizeof(why)));
	assert_int_equal(v, 123);
}

static void
test_units_rejects_bad_sizes(void **state)
{
	uint64_t v;
	char why[128];

	(void)state;
	assert_false(mp_parse_size("24 Gb", &v, why, sizeof(why)));
	assert_false(mp_parse_size("-1 GiB", &v, why, sizeof(why)));
	assert_false(mp_parse_size("GiB", &v, why, sizeof(why)));
	assert_false(mp_parse_size("1e3", &v, why, sizeof(why)));
	assert_false(mp_parse_size("24 parsecs", &v, why, sizeof(why)));
	assert_false(mp_parse_size("99999999999 TiB", &v, why, sizeof(why)));
	assert_non_null(strstr(why, "too large"));
}

static void
test_units_checked_arithmetic(void **state)
{
	uint64_t r = 7;

	(void)state;
	assert_false(mp_mul(UINT64_MAX, 2, &r));
	assert_int_equal(r, 7);
	assert_true(mp_mul(1ULL << 31, 1ULL << 31, &r));
	assert_int_equal(r, 1ULL << 62);
	assert_false(mp_add(UINT64_MAX, 1, &r));
	assert_int_equal(mp_muls(UINT64_MAX, 3), UINT64_MAX);
	assert_int_equal(mp_adds(UINT64_MAX, 3), UINT64_MAX);
}

static void
test_units_uint_bounds_and_k(void **state)
{
	uint64_t v;
	char why[128];

	(void)state;
	assert_true(mp_parse_uint("32k", 1, 1 << 30, true, &v, why,
	    sizeof(why)));
	assert_int_equal(v, 32768);
	assert_false(mp_parse_uint("32k", 1, 1 << 30, false, &v, why,
	    sizeof(why)));
	assert_false(mp_parse_uint("0", 1, 10, false, &v, why, sizeof(why)));
	assert_false(mp_parse_uint("-3", 1, 10, false, &v, why, sizeof(why)));
	assert_false(mp_parse_uint("99999999999999999999999", 1, 10, false,
	    &v, why, sizeof(why)));
}

static void
test_units_format_says_its_unit(void **state)
{
	char b[32];

	(void)state;
	assert_string_equal(mp_fmt_size(24ULL << 30, MP_UNITS_IEC, b,
	    sizeof(b)), "24.00 GiB");
	assert_string_equal(mp_fmt_size(24000000000ULL, MP_UNITS_SI, b,
	    sizeof(b)), "24.00 GB");
	assert_string_equal(mp_fmt_size(512, MP_UNITS_IEC, b, sizeof(b)),
	    "512 B");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_units_gb_is_not_gib),
		cmocka_unit_test(test_units_rejects_bad_sizes),
		cmocka_unit_test(test_units_checked_arithmetic),
		cmocka_unit_test(test_units_uint_bounds_and_k),
		cmocka_unit_test(test_units_format_says_its_unit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
