/* test_planfile.c: plan files for memplan check */
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

#define GiB	(1ULL << 30)

static char	 dir[64];

static int
setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/mp_plan_XXXXXX");
	return mkdtemp(dir) == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	char	 cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void
put_file(const char *name, const char *text, char *path, size_t len)
{
	FILE *fp;

	snprintf(path, len, "%s/%s", dir, name);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
}

static void
test_planfile_reads_checks(void **state)
{
	struct mp_plan	 pl;
	struct mp_error	 e;
	char		 path[128], want[160];

	(void)state;
	put_file("config.json", "{}", path, sizeof(path));
	put_file("plan.yaml",
	    "model: config.json\n"
	    "hardware: rtx-4090\n"
	    "checks:\n"
	    "  - name: first\n"
	    "    mode: qlora\n"
	    "    rank: 8\n"
	    "    seq: 2k\n"
	    "    grad_ckpt: true\n"
	    "    max_memory: 16 GiB\n"
	    "  - mode: infer\n"
	    "    weights: q4_k_m\n"
	    "    runtime: llamacpp\n"
	    "    model: other-model\n"
	    "    gpu_layers: 20\n", path, sizeof(path));
	mp_error_clear(&e);
	assert_true(mp_plan_load(path, &pl, &e));
	assert_int_equal(pl.n_checks, 2);
	assert_string_equal(pl.checks[0].name, "first");
	assert_int_equal(pl.checks[0].sc.mode, MP_MODE_QLORA);
	assert_int_equal(pl.checks[0].sc.rank, 8);
	assert_int_equal(pl.checks[0].sc.seq, 2048);
	assert_true(pl.checks[0].sc.grad_ckpt);
	assert_int_equal(pl.checks[0].max_memory, 16 * GiB);
	/* Paths are relative to the plan file; names stay bundled names. */
	snprintf(want, sizeof(want), "%s/config.json", dir);
	assert_string_equal(pl.checks[0].model, want);
	assert_string_equal(pl.checks[0].hardware, "rtx-4090");
	assert_string_equal(pl.checks[1].model, "other-model");
	/* An unnamed check is named by its place; it points at its line. */
	assert_string_equal(pl.checks[1].name, "check 2");
	assert_int_equal(pl.checks[1].line, 10);
	/* A GGUF mix under llama.cpp is a file type. */
	assert_string_equal(pl.checks[1].sc.ftype, "q4_k_m");
	assert_int_equal(pl.checks[1].sc.gpu_layers, 20);
	assert_int_equal(pl.checks[1].max_memory, 0);
	mp_plan_fini(&pl);
}

static void
expect_error(const char *text, uint32_t line, uint32_t col,
    const char *field, const char *part)
{
	struct mp_plan	 pl;
	struct mp_error	 e;
	char		 path[128];

	put_file("bad.yaml", text, path, sizeof(path));
	mp_error_clear(&e);
	assert_false(mp_plan_load(path, &pl, &e));
	assert_null(pl.checks);
	assert_int_equal(e.line, line);
	assert_int_equal(e.col, col);
	assert_string_equal(e.field, field);
	if (strstr(e.msg, part) == NULL)
		fail_msg("message \"%s\" lacks \"%s\"", e.msg, part);
	assert_non_null(strstr(e.file, "bad.yaml"));
}

static void
test_planfile_errors_name_the_place(void **state)
{
	(void)state;
	expect_error("model: m\nchecks:\n  - max_memroy: 1 GiB\n", 3, 5,
	    "checks[0].max_memroy", "did you mean \"max_memory\"");
	expect_error("model: m\nchecks:\n  - weights: q9_z\n"
	    "    max_memory: 1 GiB\n", 3, 14, "checks[0].weights",
	    "expected one of fp32, fp16, bf16");
	expect_error("model: m\nchecks:\n  - mode: train\n"
	    "    max_memory: 1 GiB\n", 3, 11, "checks[0].mode",
	    "expected infer");
	expect_error("model: m\nchecks:\n  - seq: -5\n"
	    "    max_memory: 1 GiB\n", 3, 10, "checks[0].seq", "");
	expect_error("model: m\nchecks:\n  - mode: infer\n", 3, 5,
	    "checks[0]", "no budget");
	expect_error("checks:\n  - max_memory: 1 GiB\n", 2, 5, "checks[0]",
	    "no model");
	expect_error("model: m\nchecks:\n  - max_memory: 0 GiB\n", 3, 17,
	    "checks[0].max_memory", "above zero");
	expect_error("model: m\nchecks: []\n", 2, 9, "checks", "empty");
	expect_error("model: m\n", 1, 1, "checks", "missing");
	expect_error("model: m\nchecks:\n  - grad_ckpt: maybe\n"
	    "    max_memory: 1 GiB\n", 3, 16, "checks[0].grad_ckpt",
	    "true or false");
}

/* Ten thousand checks of one model: parsed and judged well under 1 s. */
static void
test_planfile_ten_thousand_checks_run(void **state)
{
	struct mp_plan		 pl;
	struct mp_check_report	 rep;
	struct mp_error		 e;
	char			 path[128];
	FILE			*fp;
	size_t			 i;

	/*
	 * 10 000 checks (the plan-file limit) load and run.  How fast they
	 * run is measured by bench/run.sh (plan-1000.yaml), not here: a
	 * wall-clock limit in a test fails on a loaded machine or under the
	 * sanitizers without anything being wrong.
	 */
	(void)state;
	snprintf(path, sizeof(path), "%s/big.yaml", dir);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs("model: qwen2.5-0.5b\nhardware: rtx-4090\nchecks:\n", fp);
	for (i = 0; i < 10000; i++)
		fprintf(fp, "  - name: check %zu\n    seq: %zu\n"
		    "    batch: %zu\n", i, 256 + i, 1 + i % 4);
	fclose(fp);
	mp_error_clear(&e);
	assert_true(mp_plan_load(path, &pl, &e));
	assert_int_equal(pl.n_checks, 10000);
	if (!mp_planner_check(&pl, &rep, &e))
		fail_msg("%s: %s", e.field, e.msg);
	assert_int_equal(rep.n, 10000);
	assert_int_equal(rep.passed + rep.failed, 10000);
	mp_check_report_fini(&rep);
	mp_plan_fini(&pl);
}

static void
test_planfile_set_option_table(void **state)
{
	struct mp_scenario	 sc;
	bool			 known;
	char			 why[160];

	(void)state;
	mp_scenario_init(&sc);
	assert_true(mp_plan_set_option(&sc, "kv_dtype", "fp8", &known, why,
	    sizeof(why)));
	assert_int_equal(sc.kv_dtype, MP_DT_F8_E4M3);
	assert_true(mp_plan_set_option(&sc, "weights", "q8_0", &known, why,
	    sizeof(why)));
	/* Under transformers q8_0 is the dtype, under llama.cpp the mix. */
	assert_int_equal(sc.weights, MP_DT_Q8_0);
	assert_string_equal(sc.ftype, "");
	sc.runtime = MP_RT_LLAMACPP;
	assert_true(mp_plan_set_option(&sc, "weights", "q8_0", &known, why,
	    sizeof(why)));
	assert_string_equal(sc.ftype, "q8_0");
	assert_true(mp_plan_set_option(&sc, "gpu_layers", "all", &known, why,
	    sizeof(why)));
	assert_int_equal(sc.gpu_layers, -1);
	assert_false(mp_plan_set_option(&sc, "flash_attn", "sometimes",
	    &known, why, sizeof(why)));
	assert_true(known);
	assert_false(mp_plan_set_option(&sc, "colour", "red", &known, why,
	    sizeof(why)));
	assert_false(known);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_planfile_reads_checks),
		cmocka_unit_test(test_planfile_errors_name_the_place),
		cmocka_unit_test(test_planfile_ten_thousand_checks_run),
		cmocka_unit_test(test_planfile_set_option_table),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
