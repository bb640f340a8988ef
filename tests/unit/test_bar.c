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

#include "config.h"
#include "internal.h"

#define GIB	(1ULL << 30)

/* Output of one mp_bar_text call, malloc'd. */
static char *
bar(const struct mp_memory *mm, uint64_t cap, unsigned width, bool uni)
{
	char	*buf = NULL;
	size_t	 len = 0;
	FILE	*fp = open_memstream(&buf, &len);

	assert_non_null(fp);
	mp_bar_text(fp, mm, cap, width, uni, MP_UNITS_IEC);
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

/* --units si reaches the bar: its sizes and legend in GB, no GiB. */
static void
test_bar_in_si_units(void **state)
{
	struct mp_memory	 mm = sample();
	char			*buf = NULL;
	size_t			 len = 0;
	FILE			*fp = open_memstream(&buf, &len);

	(void)state;
	assert_non_null(fp);
	mp_bar_text(fp, &mm, 40 * GIB, 40, false, MP_UNITS_SI);
	fclose(fp);
	assert_non_null(strstr(buf, "21.47 GB of 42.95 GB (50%)"));
	assert_non_null(strstr(buf, "# weights 12.88 GB"));
	assert_null(strstr(buf, "iB"));
	free(buf);
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

static void
test_bar_unicode_follows_the_locale(void **state)
{
	(void)state;
	unsetenv("LC_ALL");
	unsetenv("LC_CTYPE");
	setenv("LANG", "en_US.UTF-8", 1);
	assert_true(mp_bar_unicode());
	setenv("LC_CTYPE", "C", 1);	/* LC_CTYPE before LANG */
	assert_false(mp_bar_unicode());
	setenv("LC_ALL", "C.utf8", 1);	/* LC_ALL before both */
	assert_true(mp_bar_unicode());
	setenv("LC_ALL", "de_DE.ISO-8859-1", 1);
	assert_false(mp_bar_unicode());
	unsetenv("LC_ALL");
	unsetenv("LC_CTYPE");
	unsetenv("LANG");
	assert_false(mp_bar_unicode());
}

/*
 * SVG is there exactly when meson found cairo; without it, nothing is
 * written.  (Drawing itself is test_svg's: fontconfig's caches would
 * read as leaks here.)
 */
static void
test_svg_available_matches_the_build(void **state)
{
	const uint64_t	 x[] = { 1024 }, t[] = { GIB };
	char		*buf = NULL;
	size_t		 len = 0;
	FILE		*fp;

	(void)state;
	assert_int_equal(mp_render_svg_available(), MP_HAVE_CAIRO);
	fp = open_memstream(&buf, &len);
	assert_non_null(fp);
	assert_false(mp_render_svg_curve(fp, "t", x, t, 0, 0, MP_UNITS_IEC));
	if (!MP_HAVE_CAIRO)
		assert_false(mp_render_svg_curve(fp, "t", x, t, 1, 0, MP_UNITS_IEC));
	fclose(fp);
	assert_int_equal(len, 0);
	free(buf);
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
	    cap, MP_UNITS_IEC);
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

/* A real sweep: qwen2.5-7b-instruct on rtx-4090 over its context. */
static void
test_sweep_context_curve_and_chart(void **state)
{
	struct mp_model		 m;
	struct mp_hardware	 hw;
	struct mp_scenario	 sc;
	struct mp_sweep		 sw;
	struct mp_estimate	 est;
	struct mp_judgement	 j;
	struct mp_error		 err;
	uint64_t		 x[MP_SWEEP_MAX], y[MP_SWEEP_MAX], cap;
	size_t			 n, i;
	char			*buf = NULL;
	size_t			 len = 0;
	FILE			*fp;

	(void)state;
	mp_error_clear(&err);
	mp_model_init(&m);
	memset(&hw, 0, sizeof(hw));
	assert_true(mp_model_load("qwen2.5-7b-instruct", &m, &err));
	assert_true(mp_hardware_load("rtx-4090", &hw, &err));
	mp_scenario_init(&sc);
	assert_true(mp_sweep_context(&m, &hw, &sc, &sw, &err));
	/* 1k, 2k, ... 32k: max_position_embeddings is 32768. */
	assert_true(mp_sweep_curve(&sw, x, y, &n, &cap));
	assert_int_equal(n, 6);
	assert_int_equal(x[0], 1024);
	assert_int_equal(x[5], 32768);
	/* Each y is what the hardware judges at that context length. */
	for (i = 0; i < n; i++) {
		sc.seq = x[i];
		/* Placed on the card: its CUDA context, as sweep does. */
		assert_true(mp_place(&m, &hw, &sc, &est, &j, &err));
		assert_int_equal(y[i], j.judged);
		assert_int_equal(cap, j.capacity);
		if (i > 0)
			assert_true(y[i] > y[i - 1]);
	}
	fp = open_memstream(&buf, &len);
	assert_non_null(fp);
	assert_true(mp_render_sweep_mermaid(&sw, NULL, fp));
	fclose(fp);
	assert_non_null(strstr(buf,
	    "title \"qwen2.5-7b-instruct on rtx-4090: memory against seq\""));
	assert_non_null(strstr(buf, "[\"1k\", \"2k\", \"4k\", \"8k\", "
	    "\"16k\", \"32k\"]"));
	assert_non_null(strstr(buf, "line [23.54,"));
	free(buf);
	mp_sweep_fini(&sw);
	mp_model_fini(&m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bar_ascii_cells_are_proportional),
		cmocka_unit_test(test_bar_marks_capacity_inside_an_overflowing_bar),
		cmocka_unit_test(test_bar_legend_lists_present_components_only),
		cmocka_unit_test(test_bar_in_si_units),
		cmocka_unit_test(test_bar_ascii_is_ascii_and_unicode_uses_blocks),
		cmocka_unit_test(test_bar_without_capacity_has_no_marker),
		cmocka_unit_test(test_bar_width_is_clamped_and_legend_wraps),
		cmocka_unit_test(test_bar_unicode_follows_the_locale),
		cmocka_unit_test(test_svg_available_matches_the_build),
		cmocka_unit_test(test_mermaid_xychart_block_and_table),
		cmocka_unit_test(test_mermaid_without_capacity_has_no_line),
		cmocka_unit_test(test_sweep_context_curve_and_chart),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
