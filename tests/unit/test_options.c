/* test_options.c: the command line and plan files speak one grammar */
/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "cli.h"
#include "internal.h"

/* Values that probe each kind: edges, suffixes, aliases and nonsense. */
static const char *const probes[] = {
	"0", "1", "2", "1k", "32K", "4096", "65536", "65537", "1048576",
	"1048577", "1073741824", "1073741825", "4294967296", "-1", "x", "",
	"all", "auto", "on", "off", "true", "false", "yes", "no", "1.5",
	"q4_k_m", "Q4_K_M", "bf16", "fp8", "half", "int3", "q8_0",
	"infer", "convert", "vllm", "llamacpp", "zero3", "tp", "none",
	"hf-full", "hf-nope", "attn", "adamw8bit",
};

/*
 * Each scenario option with a CLI and a plan-file spelling: the same
 * value is accepted by both or refused by both with the same words, and
 * an accepted one leaves the same scenario.
 */
static void
test_options_one_grammar(void **state)
{
	const struct mp_optspec	*t;
	size_t			 n, i, k, compared = 0;

	(void)state;
	t = mp_options(&n);
	for (i = 0; i < n; i++) {
		if (t[i].cli == NULL || t[i].file == NULL || t[i].set == NULL)
			continue;
		for (k = 0; k < sizeof(probes) / sizeof(probes[0]); k++) {
			struct mp_args		 a;
			struct mp_scenario	 sc;
			struct mp_error		 e;
			char			 opt[64], why[640], cmd[16],
						 val[64];
			char			*argv[4];
			int			 argc = 3;
			bool			 cli_ok, file_ok, known;
			const char		*v = probes[k];

			snprintf(opt, sizeof(opt), "--%s", t[i].cli);
			snprintf(cmd, sizeof(cmd), "estimate");
			snprintf(val, sizeof(val), "%s", v);
			argv[0] = cmd;
			argv[1] = opt;
			argv[2] = val;
			if (t[i].kind == MP_OK_FLAG) {
				/* Bare on the command line; true in files. */
				if (strcmp(v, "true") != 0)
					continue;
				argc = 2;
			}
			mp_error_clear(&e);
			cli_ok = mp_args_parse(argc, argv,
			    mp_cli_command(argv[0]), MP_OPT_SCENARIO, 0,
			    &a, &e);
			mp_scenario_init(&sc);
			file_ok = mp_plan_set_option(&sc, t[i].file, v, &known,
			    why, sizeof(why));
			assert_true(known);
			if (file_ok)
				mp_option_finish(&sc, t[i].given);
			if (cli_ok != file_ok)
				fail_msg("--%s %s: command line %s, plan file "
				    "%s (%s%s)", t[i].cli, v, cli_ok ? "accepts" :
				    "refuses", file_ok ? "accepts" : "refuses",
				    e.msg, why);
			if (cli_ok)
				assert_memory_equal(&a.sc, &sc, sizeof(sc));
			else
				assert_string_equal(e.msg, why);
			compared++;
		}
	}
	assert_true(compared > 300);
}

/* The repros of issue 14: batch takes "1k" and mmap refuses "auto" in
 * both; plan files can say parallel and gpus. */
static void
test_options_issue_repros(void **state)
{
	struct mp_scenario	 sc;
	char			 why[640];
	bool			 known;

	(void)state;
	mp_scenario_init(&sc);
	assert_true(mp_plan_set_option(&sc, "batch", "1k", &known, why,
	    sizeof(why)));
	assert_int_equal(sc.batch, 1024);
	assert_false(mp_plan_set_option(&sc, "mmap", "auto", &known, why,
	    sizeof(why)));
	assert_string_equal(why, "expected on or off, got \"auto\"");
	assert_true(mp_plan_set_option(&sc, "parallel", "zero3", &known, why,
	    sizeof(why)));
	assert_int_equal(sc.parallel, MP_PAR_ZERO3);
	assert_true(mp_plan_set_option(&sc, "gpus", "8", &known, why,
	    sizeof(why)));
	assert_int_equal(sc.gpus, 8);
	assert_false(mp_plan_set_option(&sc, "gpus", "1025", &known, why,
	    sizeof(why)));
}

/* Choices come from the tables that own them, with no copy here. */
static void
test_options_choices_from_owners(void **state)
{
	const struct mp_optspec	*o;
	size_t			 i;
	bool			 seen_q4km = false, seen_alias = false;

	(void)state;
	o = mp_option_by_id(MP_O_PIPELINE);
	for (i = 0; mp_convert_pipeline(i) != NULL; i++)
		assert_string_equal(mp_option_choice(o, i),
		    mp_convert_pipeline(i));
	assert_null(mp_option_choice(o, i));
	o = mp_option_by_id(MP_O_WEIGHTS);
	for (i = 0; mp_option_choice(o, i) != NULL; i++) {
		seen_q4km |= strcmp(mp_option_choice(o, i), "q4_k_m") == 0;
		seen_alias |= strcmp(mp_option_choice(o, i), "q4_k") == 0;
	}
	assert_true(seen_q4km);
	assert_false(seen_alias);	/* q4_k is another name of q4_k_m */
	o = mp_option_by_id(MP_O_FORMAT);
	for (i = 0; mp_format_name(i) != NULL; i++)
		assert_string_equal(mp_option_choice(o, i), mp_format_name(i));
}

/* Every spelling names one option; ids are unique. */
static void
test_options_table_is_consistent(void **state)
{
	const struct mp_optspec	*t;
	size_t			 n, i, k;

	(void)state;
	t = mp_options(&n);
	assert_int_equal(n, MP_O__COUNT);
	for (i = 0; i < n; i++) {
		assert_ptr_equal(mp_option_by_id(t[i].id), &t[i]);
		if (t[i].cli != NULL)
			assert_ptr_equal(mp_option_cli(t[i].cli,
			    strlen(t[i].cli)), &t[i]);
		if (t[i].file != NULL)
			assert_ptr_equal(mp_option_file(t[i].file), &t[i]);
		if (t[i].kind == MP_OK_ENUM)
			assert_non_null(mp_option_choice(&t[i], 0));
		for (k = 0; k < i; k++)
			assert_true(t[k].shrt == 0 || t[k].shrt != t[i].shrt);
	}
}

/* Did-you-mean: typos, dropped separators, a fragment of the name. */
static void
test_options_suggest(void **state)
{
	static const char *const hw[] = { "a100-80gb", "b200", "h100-80gb",
	    "h200",
	    "2x-rtx-4090", "rtx-3090", "rtx-4090", "rtx-4060-8gb", NULL };
	static const struct { const char *want, *best; } cases[] = {
		{ "4090", "rtx-4090" }, { "rtx4090", "rtx-4090" },
		{ "RTX-4090", "rtx-4090" }, { "h100", "h100-80gb" },
		{ "b300", "b200" }, { "zzzz", NULL }, { "rtx-9999", NULL },
	};
	struct mp_suggest	 sg;
	size_t			 i, k;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		mp_suggest_init(&sg, cases[i].want);
		for (k = 0; hw[k] != NULL; k++)
			mp_suggest_add(&sg, hw[k]);
		if (cases[i].best == NULL)
			assert_null(mp_suggest_best(&sg));
		else
			assert_string_equal(mp_suggest_best(&sg),
			    cases[i].best);
	}
	assert_int_equal(mp_edit_distance("sqe", "seq"), 1);
	assert_int_equal(mp_edit_distance("instrct", "instruct"), 1);
	assert_int_equal(mp_edit_distance("", "abc"), 3);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_options_one_grammar),
		cmocka_unit_test(test_options_issue_repros),
		cmocka_unit_test(test_options_choices_from_owners),
		cmocka_unit_test(test_options_table_is_consistent),
		cmocka_unit_test(test_options_suggest),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
