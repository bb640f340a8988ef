/* test_locale.c: a decimal-comma locale in the embedding program (issue 15) */
/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "fixtures.h"

/*
 * A program embedding libmemplan may call setlocale(LC_ALL, "") under
 * de_DE, where printf writes "0,5".  Every number memplan reads or prints
 * must not change.  The locale is built with localedef into a private
 * directory (LOCPATH); without localedef or the locale sources (Debian:
 * locales, installed by tools/setup.sh) the tests are skipped, saying so.
 */
static char	 locdir[] = "/tmp/memplan-locale-XXXXXX";
static bool	 have_de;
static const char *fixtures;

static int
build_de(void **state)
{
	char cmd[256];

	(void)state;
	if (mkdtemp(locdir) == NULL)
		return -1;
	snprintf(cmd, sizeof(cmd), "localedef -i de_DE -f UTF-8 "
	    "%s/de_DE.UTF-8 >/dev/null 2>&1", locdir);
	have_de = system(cmd) == 0;
	return 0;
}

static int
remove_de(void **state)
{
	char cmd[256];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", locdir);
	return system(cmd) == 0 ? 0 : -1;
}

/* Into de_DE (and prove its decimal point is a comma), or skip. */
static void
enter_de(void)
{
	char b[16];

	if (!have_de) {
		fprintf(stderr, "# SKIP: localedef cannot build de_DE.UTF-8\n");
		skip();
	}
	setenv("LOCPATH", locdir, 1);
	if (setlocale(LC_ALL, "de_DE.UTF-8") == NULL) {
		unsetenv("LOCPATH");
		fail_msg("the built de_DE.UTF-8 locale cannot be set");
	}
	snprintf(b, sizeof(b), "%.1f", 0.5);
	if (strcmp(b, "0,5") != 0) {
		setlocale(LC_ALL, "C");
		unsetenv("LOCPATH");
		fail_msg("de_DE.UTF-8 prints 0.5 as \"%s\", not \"0,5\"", b);
	}
}

static void
leave_de(void)
{
	setlocale(LC_ALL, "C");
	unsetenv("LOCPATH");
}

/* Sizes must still read "0.5 GiB" and print "512.00 MiB". */
static void
test_locale_sizes_read_and_print(void **state)
{
	uint64_t	 v = 0;
	char		 why[128], b[32];
	struct mp_hardware hw;
	struct mp_error	 e;
	static const char prof[] = "name: t\nram: 0.5 GiB\ndevices:\n"
	    "  - name: g\n    type: gpu\n    memory: 1.5 GiB\n";

	(void)state;
	enter_de();
	assert_true(mp_parse_size("0.5 GiB", &v, why, sizeof(why)));
	assert_int_equal(v, 512ull << 20);
	assert_true(mp_parse_size("1.25 GB", &v, why, sizeof(why)));
	assert_int_equal(v, 1250000000ull);
	assert_string_equal(mp_fmt_size(512ull << 20, MP_UNITS_IEC, b,
	    sizeof(b)), "512.00 MiB");
	assert_string_equal(mp_fmt_size(3ull << 29, MP_UNITS_IEC, b,
	    sizeof(b)), "1.50 GiB");
	mp_error_clear(&e);
	if (!mp_hardware_parse(prof, sizeof(prof) - 1, "t.yaml", &hw, &e))
		fail_msg("%s: %s", e.field, e.msg);
	assert_int_equal(hw.ram, 512ull << 20);
	assert_int_equal(hw.dev[0].memory, 3ull << 29);
	leave_de();
}

/* The one formatter: printf's digits and rounding, a '.' always. */
static void
test_locale_formatter(void **state)
{
	char b[40];

	(void)state;
	enter_de();
	assert_string_equal(mp_fmt_fixed(0.5, 1, b, sizeof(b)), "0.5");
	assert_string_equal(mp_fmt_fixed(-1234.5678, 2, b, sizeof(b)),
	    "-1234.57");
	assert_string_equal(mp_fmt_fixed(423.46, 0, b, sizeof(b)), "423");
	/* An exact tie rounds as printf does (to even). */
	assert_string_equal(mp_fmt_fixed(0.0625, 3, b, sizeof(b)), "0.062");
	assert_string_equal(mp_fmt_g(4, 6, b, sizeof(b)), "4");
	assert_string_equal(mp_fmt_g(0.25, 6, b, sizeof(b)), "0.25");
	assert_string_equal(mp_fmt_g(1.5e20, 17, b, sizeof(b)), "1.5e+20");
	assert_string_equal(mp_fmt_g(-1e6, 6, b, sizeof(b)), "-1e+06");
	assert_string_equal(mp_fmt_fixed(-1.0 / 0.0, 2, b, sizeof(b)),
	    "-inf");
	/* Too small a buffer: a visible "?", never a cut number. */
	assert_string_equal(mp_fmt_fixed(123456.0, 2, b, 6), "?");
	leave_de();
	assert_string_equal(mp_fmt_fixed(0.5, 1, b, sizeof(b)), "0.5");
}

static char *
run(char **argv, int *rc)
{
	char	*o = NULL, *e = NULL;

	*rc = fx_cli(argv, &o, &e);
	if (*rc != MP_EXIT_OK && *rc != MP_EXIT_NOFIT)
		fprintf(stderr, "# %s %s: exit %d: %s", argv[1], argv[2], *rc,
		    e);
	free(e);
	return o;
}

/*
 * cairo numbers its SVG surfaces per process (<g id="surface6">): the
 * one difference between two identical charts drawn in one process.
 */
static void
unnumber_surfaces(char *s)
{
	char *p = s, *q;

	while ((p = strstr(p, "id=\"surface")) != NULL) {
		p += strlen("id=\"surface");
		for (q = p; *q >= '0' && *q <= '9'; q++)
			;
		memmove(p, q, strlen(q) + 1);
	}
}

/* Does the report print a number with a fraction ("12.5")? */
static bool
has_fraction(const char *s)
{
	for (; *s != '\0'; s++)
		if (s[0] >= '0' && s[0] <= '9' && s[1] == '.' &&
		    s[2] >= '0' && s[2] <= '9')
			return true;
	return false;
}

/*
 * Every command in every format, first under "C" then under de_DE, must
 * print byte for byte the same report: each report has numbers with
 * fractions (sizes, tokens/s, seconds, ratios in notes), so a renderer
 * that printed one through printf's "%.1f" would write "0,057" there.
 */
static void
test_locale_every_format_is_the_same(void **state)
{
	char	 plan[512], cfg[512], yarn[512];
#define Q	"qwen2.5-0.5b"
	char	*cases[][16] = {
		{ "memplan", "estimate", Q, "--hardware", "rtx-4090",
		  "--runtime", "llamacpp", "--weights", "q4_k_m", "--bench",
		  "pp512,tg128", NULL },
		{ "memplan", "estimate", Q, "--hardware", "rtx-4090",
		  "--runtime", "llamacpp", "--weights", "q4_k_m", "--bench",
		  "pp512,tg128", "--format", "markdown", NULL },
		{ "memplan", "estimate", Q, "--hardware", "rtx-4090",
		  "--runtime", "llamacpp", "--weights", "q4_k_m", "--bench",
		  "pp512,tg128", "--format", "json", NULL },
		{ "memplan", "estimate", Q, "--seq", "100000", NULL },
		{ "memplan", "estimate", yarn, "--seq", "200000", "--format",
		  "markdown", NULL },
		{ "memplan", "estimate", "llama-2-7b-hf", "--convert-pipeline",
		  "llama2c-standard", NULL },
		{ "memplan", "estimate", Q, "--mode", "convert",
		  "--convert-pipeline", "llamacpp", "--weights", "q4_k_m",
		  NULL },
		{ "memplan", "plan", Q, "--hardware", "rtx-4090", NULL },
		{ "memplan", "plan", Q, "--hardware", "rtx-4090", "--format",
		  "markdown", NULL },
		{ "memplan", "plan", Q, "--hardware", "rtx-4090", "--format",
		  "json", NULL },
		{ "memplan", "fit", Q, "--hardware", "rtx-4090", "--solve",
		  "seq", NULL },
		{ "memplan", "fit", Q, "--hardware", "rtx-4090", "--solve",
		  "seq", "--format", "json", NULL },
		{ "memplan", "sweep", Q, "--over", "seq=1k..8k", "--hardware",
		  "rtx-4090", "--runtime", "llamacpp", "--weights", "q4_k_m",
		  NULL },
		{ "memplan", "sweep", Q, "--over", "seq=1k..8k", "--hardware",
		  "rtx-4090", "--runtime", "llamacpp", "--weights", "q4_k_m",
		  "--format", "csv", NULL },
		{ "memplan", "sweep", Q, "--over", "seq=1k..8k", "--hardware",
		  "rtx-4090", "--format", "markdown", NULL },
		{ "memplan", "sweep", Q, "--over", "seq=1k..8k", "--hardware",
		  "rtx-4090", "--format", "svg", NULL },
		{ "memplan", "check", plan, NULL },
		{ "memplan", "check", plan, "--format", "junit", NULL },
		{ "memplan", "check", plan, "--format", "markdown", NULL },
		{ "memplan", "models", NULL },
		{ "memplan", "hardware", "rtx-4090", NULL },
		{ "memplan", "estimate", cfg, NULL },
	};
	char	*c_out[sizeof(cases) / sizeof(cases[0])];
	size_t	 i, n = sizeof(cases) / sizeof(cases[0]);
	int	 rc, rc_c[sizeof(cases) / sizeof(cases[0])];

	(void)state;
	if (!have_de) {
		fprintf(stderr, "# SKIP: localedef cannot build de_DE.UTF-8\n");
		skip();
	}
	snprintf(plan, sizeof(plan), "%s/plan/ci.yaml", fixtures);
	snprintf(cfg, sizeof(cfg), "%s/tiny-llama", fixtures);
	snprintf(yarn, sizeof(yarn), "%s/qwen2.5-0.5b-yarn", fixtures);
	for (i = 0; i < n; i++) {
		c_out[i] = run(cases[i], &rc_c[i]);
		assert_true(rc_c[i] == MP_EXIT_OK || rc_c[i] == MP_EXIT_NOFIT);
		assert_non_null(c_out[i]);
		unnumber_surfaces(c_out[i]);
		/* The SVG draws its numbers as glyphs: compared below. */
		if (strcmp(cases[i][1], "sweep") != 0 ||
		    strstr(c_out[i], "<svg") == NULL)
			assert_true(has_fraction(c_out[i]));
	}
	enter_de();
	for (i = 0; i < n; i++) {
		char *de = run(cases[i], &rc);

		assert_int_equal(rc, rc_c[i]);
		unnumber_surfaces(de);
		if (strcmp(de, c_out[i]) != 0) {
			size_t k = 0;

			while (de[k] == c_out[i][k])
				k++;
			leave_de();
			fail_msg("memplan %s %s: the report differs under "
			    "de_DE at byte %zu: \"%.40s\" vs \"%.40s\"",
			    cases[i][1], cases[i][2], k, de + k,
			    c_out[i] + k);
		}
		free(de);
		free(c_out[i]);
	}
	leave_de();
#undef Q
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_locale_sizes_read_and_print),
		cmocka_unit_test(test_locale_formatter),
		cmocka_unit_test(test_locale_every_format_is_the_same),
	};

	if (argc != 2) {
		fprintf(stderr, "usage: test_locale FIXTURES-DIR\n");
		return 2;
	}
	fixtures = argv[1];
	return cmocka_run_group_tests(tests, build_de, remove_de);
}
