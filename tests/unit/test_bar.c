/* test_bar.c: the stacked memory bar and the Mermaid chart */
/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memplan.h"

#define GIB	(1ULL << 30)

/* Output of one mp_bar_text call, malloc'd. */
static char *
bar(const struct mp_memory *mm, uint64_t cap, unsigned width, bool uni)
{
	char	*buf = NULL;
	size_t	 len = 0;
	FILE	*fp = open_memstream(&buf, &len);

	assert_non_null(fp);
	mp_bar_text(fp, mm, cap, width, uni);
	fclose(fp);
	return buf;
}

static struct mp_memory
sample(void)
{
	struct mp_memory mm;

	memset(&mm, 0, sizeof(mm));
	mm.weights = 12 * GIB;
	mm.kv_cache = 4 * GIB;
	mm.runtime = 4 * GIB;
	mm.total = 20 * GIB;
	return mm;
}

/* The bar's cells: what lies between '[' and ']' on the first line. */
static void
cells(const char *out, char *dst, size_t len)
{
	const char	*a = strchr(out, '['), *b = strchr(out, ']');
	size_t		 n;

	assert_non_null(a);
	assert_non_null(b);
	n = (size_t)(b - a - 1);
	assert_true(n < len);
	memcpy(dst, a + 1, n);
	dst[n] = '\0';
}

static void
test_bar_ascii_cells_are_proportional(void **state)
{
	struct mp_memory	 mm = sample();
	char			*out, c[512];

	(void)state;
	/* 20 GiB used of 40 GiB on 40 cells: 1 cell per GiB. */
	out = bar(&mm, 40 * GIB, 40, false);
	cells(out, c, sizeof(c));
	assert_string_equal(c, "############====~~~~...................|");
	assert_non_null(strstr(out, "20.00 GiB of 40.00 GiB (50%)"));
	free(out);
}

static void
test_bar_marks_capacity_inside_an_overflowing_bar(void **state)
{
	struct mp_memory	 mm = sample();
	char			*out, c[512];

	(void)state;
	/* 20 GiB on a 10 GiB card, 20 cells: the marker at cell 10. */
	out = bar(&mm, 10 * GIB, 20, false);
	cells(out, c, sizeof(c));
	assert_int_equal(strlen(c), 20);
	assert_int_equal(c[10], '|');
	assert_int_equal(c[0], '#');
	assert_int_equal(c[19], '~');
	assert_null(strchr(c, '.'));
	assert_non_null(strstr(out, "over by 10.00 GiB"));
	free(out);
}

static void
test_bar_legend_lists_present_components_only(void **state)
{
	struct mp_memory	 mm = sample();
	char			*out;

	(void)state;
	out = bar(&mm, 24 * GIB, 40, false);
	assert_non_null(strstr(out, "# weights 12.00 GiB"));
	assert_non_null(strstr(out, "= kv_cache 4.00 GiB"));
	assert_non_null(strstr(out, "~ runtime 4.00 GiB"));
	assert_non_null(strstr(out, "| capacity"));
	assert_null(strstr(out, "optimizer"));
	assert_null(strstr(out, "activations"));
	free(out);
}

static void
test_bar_ascii_is_ascii_and_unicode_uses_blocks(void **state)
{
	struct mp_memory	 mm = sample();
	char			*out;
	const unsigned char	*p;

	(void)state;
	mm.gradients = GIB;
	mm.optimizer = 2 * GIB;
	mm.total += 3 * GIB;
	out = bar(&mm, 24 * GIB, 60, false);
	for (p = (const unsigned char *)out; *p != '\0'; p++)
		assert_true(*p < 0x80);
	free(out);
	out = bar(&mm, 24 * GIB, 60, true);
	assert_non_null(strstr(out, "\xe2\x96\x88 weights"));	/* full block */
	assert_non_null(strstr(out, "\xe2\x94\x82 capacity"));	/* the marker */
	assert_null(strchr(out, '#'));
	free(out);
}

static void
test_bar_without_capacity_has_no_marker(void **state)
{
	struct mp_memory	 mm = sample();
	char			*out, c[512];

	(void)state;
	out = bar(&mm, 0, 10, false);
	cells(out, c, sizeof(c));
	assert_string_equal(c, "######==~~");
	assert_null(strstr(out, "capacity"));
	assert_null(strstr(out, " of "));
	free(out);
}

static void
test_bar_width_is_clamped_and_legend_wraps(void **state)
{
	struct mp_memory	 mm = sample();
	char			*out, c[512];
	const char		*p;
	size_t			 lines = 0;

	(void)state;
	out = bar(&mm, 24 * GIB, 1, false);	/* at least 10 cells */
	cells(out, c, sizeof(c));
	assert_int_equal(strlen(c), 10);
	free(out);
	/* Eight components do not fit on one 72-column legend line. */
	mm.activations = mm.logits = mm.gradients = GIB;
	mm.optimizer = mm.adapters = GIB;
	out = bar(&mm, 24 * GIB, 10, false);
	for (p = out; *p != '\0'; p++)
		lines += *p == '\n';
	assert_true(lines >= 3);
	free(out);
	mm = sample();
	out = bar(&mm, 24 * GIB, 100, false);
	for (p = out, lines = 0; *p != '\0'; p++)
		lines += *p == '\n';
	assert_int_equal(lines, 2);
	free(out);
}

/* Output of one mp_mermaid_xychart call. */
static char *
chart(const uint64_t *x, const uint64_t *t, size_t n, uint64_t cap,
    bool *ok)
{
	char	*buf = NULL;
	size_t	 len = 0;
	FILE	*fp = open_memstream(&buf, &len);

	assert_non_null(fp);
	*ok = mp_mermaid_xychart(fp, "qwen \"7b\" on rtx-4090", "seq", x, t, n,
	    cap);
	fclose(fp);
	return buf;
}

static void
test_mermaid_xychart_block_and_table(void **state)
{
	const uint64_t	 x[] = { 1024, 4096, 32768 };
	const uint64_t	 t[] = { 15 * GIB, 16 * GIB, 30 * GIB };
	char		*out;
	bool		 ok;

	(void)state;
	out = chart(x, t, 3, 24 * GIB, &ok);
	assert_true(ok);
	assert_non_null(strstr(out, "```mermaid\nxychart-beta\n"));
	/* The title's quotes cannot close Mermaid's string. */
	assert_non_null(strstr(out, "title \"qwen '7b' on rtx-4090\"\n"));
	assert_non_null(strstr(out, "x-axis \"seq\" [\"1k\", \"4k\", \"32k\"]"));
	assert_non_null(strstr(out, "y-axis \"memory (GiB)\" 0 --> 40\n"));
	assert_non_null(strstr(out, "bar [15.00, 16.00, 30.00]\n"));
	assert_non_null(strstr(out, "line [24.00, 24.00, 24.00]\n"));
	assert_non_null(strstr(out, "| seq | memory | capacity | fits |"));
	assert_non_null(strstr(out, "| 1k | 15.00 GiB | 24.00 GiB | yes |"));
	assert_non_null(strstr(out, "| 32k | 30.00 GiB | 24.00 GiB | no |"));
	free(out);
}

static void
test_mermaid_without_capacity_has_no_line(void **state)
{
	const uint64_t	 x[] = { 1, 8 };
	const uint64_t	 t[] = { GIB / 2, GIB };
	char		*out;
	bool		 ok;

	(void)state;
	out = chart(x, t, 2, 0, &ok);
	assert_true(ok);
	assert_null(strstr(out, "line ["));
	assert_null(strstr(out, "capacity"));
	assert_non_null(strstr(out, "| 8 | 1.00 GiB |"));
	free(out);
	out = chart(x, t, 0, 0, &ok);
	assert_false(ok);
	assert_string_equal(out, "");
	free(out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bar_ascii_cells_are_proportional),
		cmocka_unit_test(test_bar_marks_capacity_inside_an_overflowing_bar),
		cmocka_unit_test(test_bar_legend_lists_present_components_only),
		cmocka_unit_test(test_bar_ascii_is_ascii_and_unicode_uses_blocks),
		cmocka_unit_test(test_bar_without_capacity_has_no_marker),
		cmocka_unit_test(test_bar_width_is_clamped_and_legend_wraps),
		cmocka_unit_test(test_mermaid_xychart_block_and_table),
		cmocka_unit_test(test_mermaid_without_capacity_has_no_line),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
