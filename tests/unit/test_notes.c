/* test_notes.c: notes are templates with typed values; renderers pick units */
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

#include <cjson/cJSON.h>

#include "cli.h"
#include "fixtures.h"

static void
test_note_template_renders_in_either_units(void **state)
{
	struct mp_estimate	*est = calloc(1, sizeof(*est));
	struct mp_note		*n;
	char			 buf[MP_NOTE_TEXT];

	(void)state;
	assert_non_null(est);
	n = mp_estimate_note(est, "kv_cache", "test.kv", "{per_token} per "
	    "token, %d x {seq} tokens, {util} %% of {card}; {kept} {literal}",
	    2);
	assert_non_null(n);
	mp_note_size(n, "per_token", 131072);
	mp_note_count(n, "seq", 4096);
	mp_note_percent(n, "util", 90, 0);
	mp_note_size(n, "card", 80ULL << 30);
	assert_string_equal(mp_note_text(n, MP_UNITS_IEC, buf, sizeof(buf)),
	    "128.00 KiB per token, 2 x 4096 tokens, 90 % of 80.00 GiB; "
	    "{kept} {literal}");
	assert_string_equal(mp_note_text(n, MP_UNITS_SI, buf, sizeof(buf)),
	    "131.07 kB per token, 2 x 4096 tokens, 90 % of 85.90 GB; "
	    "{kept} {literal}");
	/* Cut to the buffer, never past it. */
	assert_string_equal(mp_note_text(n, MP_UNITS_SI, buf, 10),
	    "131.07 kB");
	free(est);
}

static void
test_note_list_full_gives_null_and_setters_take_it(void **state)
{
	struct mp_estimate	*est = calloc(1, sizeof(*est));
	struct mp_note		*n = NULL;
	size_t			 i;

	(void)state;
	assert_non_null(est);
	for (i = 0; i < MP_MAX_NOTES; i++)
		assert_non_null(mp_estimate_note(est, "x", "test.x", "note %zu",
		    i));
	n = mp_estimate_note(est, "x", "test.x", "one too many");
	assert_null(n);
	mp_note_size(n, "k", 1);
	mp_note_count(n, "k", 1);
	assert_int_equal(est->n_notes, MP_MAX_NOTES);
	/* A note takes MP_NOTE_VALUES values, then drops the rest. */
	n = &est->notes[0];
	for (i = 0; i < MP_NOTE_VALUES + 2; i++)
		mp_note_count(n, "k", i);
	assert_int_equal(n->n_values, MP_NOTE_VALUES);
	free(est);
}

static char *
run(char **argv, int *rc)
{
	char	*o = NULL, *e = NULL;

	*rc = fx_cli(argv, &o, &e);
	if (*rc != 0)
		fprintf(stderr, "%s", e);
	free(e);
	return o;
}

/* An IEC unit anywhere in s, or NULL. */
static const char *
iec_unit(const char *s)
{
	static const char *const u[] = { "KiB", "MiB", "GiB", "TiB", "PiB" };
	const char	*p;
	size_t		 i;

	for (i = 0; i < sizeof(u) / sizeof(u[0]); i++)
		if ((p = strstr(s, u[i])) != NULL)
			return p;
	return NULL;
}

/*
 * The scenarios whose notes carry sizes: transformers, llama.cpp on a GPU
 * (partial offload, tied output, --n-cpu-moe, two GPUs) and on the CPU,
 * vLLM (pool, will-not-start), LoRA/QLoRA/full training with ZeRO
 * offload, checkpointing and expandable segments, and every conversion
 * pipeline.
 */
static char plan_dir[] = "/tmp/memplan-notes-XXXXXX";
static char plan_path[64];

static char *const scenarios[][14] = {
	{ "estimate", "qwen2.5-0.5b", "--hardware", "rtx-4090" },
	{ "estimate", "llama-3.1-8b-instruct", "--runtime", "llamacpp",
	  "--weights", "q4_k_m", "--gpu-layers", "20", "--hardware",
	  "rtx-4060-8gb" },
	{ "estimate", "qwen2.5-0.5b", "--runtime", "llamacpp", "--weights",
	  "q8_0", "--gpu-layers", "all", "--hardware", "rtx-4090" },
	{ "estimate", "qwen3-30b-a3b", "--runtime", "llamacpp", "--weights",
	  "q4_k_m", "--n-cpu-moe", "20", "--hardware", "rtx-4090" },
	{ "estimate", "llama-3.1-70b-instruct", "--runtime", "llamacpp",
	  "--weights", "q4_k_m", "--hardware", "2x-rtx-4090" },
	{ "estimate", "llama-3.1-8b-instruct", "--runtime", "llamacpp",
	  "--weights", "q4_0", "--hardware", "workstation-32gb" },
	{ "estimate", "llama-3.1-8b-instruct", "--runtime", "vllm",
	  "--hardware", "h100-80gb" },
	{ "estimate", "llama-3.1-8b-instruct", "--runtime", "vllm",
	  "--seq", "131072", "--hardware", "rtx-4090" },
	{ "estimate", "llama-3.2-1b-instruct", "--mode", "lora",
	  "--hardware", "rtx-4090" },
	{ "estimate", "llama-3.2-1b-instruct", "--mode", "lora",
	  "--grad-ckpt", "--expandable-segments", "--amp", "bf16",
	  "--weights", "fp32" },
	{ "estimate", "qwen3-30b-a3b", "--mode", "qlora", "--grad-ckpt" },
	{ "estimate", "llama-3.1-8b-instruct", "--mode", "full", "--gpus", "8",
	  "--parallel", "zero3", "--offload", "nvme", "--grad-ckpt" },
	{ "estimate", "llama-3.1-8b-instruct", "--mode", "full", "--gpus", "8",
	  "--parallel", "zero2", "--offload", "cpu" },
	{ "estimate", "llama-3.2-1b-instruct", "--convert-pipeline", "hf-full" },
	{ "estimate", "llama-3.2-1b-instruct", "--convert-pipeline",
	  "hf-lowmem" },
	{ "estimate", "llama-3.2-1b-instruct", "--convert-pipeline",
	  "hf-cast-save" },
	{ "estimate", "llama-3.2-1b-instruct", "--convert-pipeline",
	  "streaming" },
	{ "estimate", "llama-3.2-1b-instruct", "--convert-pipeline",
	  "llamacpp" },
	{ "estimate", "llama-3.2-1b-instruct", "--convert-pipeline",
	  "llamacpp-no-lazy" },
	{ "estimate", "llama-3.2-1b-instruct", "--convert-pipeline",
	  "openvino" },
	{ "estimate", "llama-2-7b-hf", "--convert-pipeline",
	  "llama2c-standard" },
	{ "estimate", "llama-2-7b-hf", "--convert-pipeline", "llama2c-low" },
	/* The other commands: their reasons carry sizes too. */
	{ "plan", "llama-3.1-8b-instruct", "--hardware", "rtx-4090" },
	{ "plan", "llama-3.1-70b-instruct", "--hardware", "rtx-4060-8gb" },
	{ "plan", "qwen2.5-7b", "--hardware", "workstation-8gb" },
	{ "fit", "llama-3.1-8b-instruct", "--hardware", "rtx-4090", "--solve",
	  "seq" },
	{ "sweep", "llama-3.1-8b-instruct", "--over", "seq=1k..128k",
	  "--hardware", "rtx-4090" },
	{ "sweep", "llama-3.1-8b-instruct", "--over", "batch=1,4", "--runtime",
	  "vllm", "--hardware", "h100-80gb" },
	{ "check", plan_path },
};

/* Checks that fail for each reason a check gives (sizes in each). */
static const char plan_yaml[] =
    "model: llama-3.1-8b-instruct\n"
    "hardware: rtx-4090\n"
    "checks:\n"
    "  - name: fits\n"
    "    seq: 2048\n"
    "  - name: too long\n"
    "    seq: 131072\n"
    "  - name: margin\n"
    "    seq: 32768\n"
    "    headroom: 30%\n"
    "  - name: budget\n"
    "    max_memory: 10 GB\n"
    "  - name: two gpus\n"
    "    runtime: llamacpp\n"
    "    weights: q4_k_m\n"
    "    hardware: 2x-rtx-4090\n"
    "    seq: 131072\n"
    "    batch: 8\n";

static int
setup(void **state)
{
	FILE	*fp;

	(void)state;
	if (mkdtemp(plan_dir) == NULL)
		return -1;
	snprintf(plan_path, sizeof(plan_path), "%s/plan.yaml", plan_dir);
	if ((fp = fopen(plan_path, "w")) == NULL)
		return -1;
	fputs(plan_yaml, fp);
	return fclose(fp) == 0 ? 0 : -1;
}

static int
teardown(void **state)
{
	(void)state;
	unlink(plan_path);
	rmdir(plan_dir);
	return 0;
}

static void
scan(char *format, enum mp_units u)
{
	size_t	 i, k;
	int	 rc;

	for (i = 0; i < sizeof(scenarios) / sizeof(scenarios[0]); i++) {
		char		*argv[24], *out;
		const char	*bad;
		size_t		 n = 0;

		argv[n++] = "memplan";
		for (k = 0; k < 14 && scenarios[i][k] != NULL; k++)
			argv[n++] = scenarios[i][k];
		argv[n++] = "--format";
		argv[n++] = format;
		argv[n++] = "--units";
		argv[n++] = u == MP_UNITS_SI ? "si" : "iec";
		argv[n] = NULL;
		out = run(argv, &rc);
		if (rc == MP_EXIT_BAD || out == NULL)
			fail_msg("%s %s: exit %d", scenarios[i][1],
			    scenarios[i][3], rc);
		bad = iec_unit(out);
		if (u == MP_UNITS_SI && bad != NULL)
			fail_msg("--units si, %s, scenario %zu: \"%.60s\"",
			    format, i, bad > out + 40 ? bad - 40 : out);
		/* The same scenario in IEC does print IEC: the scan sees. */
		if (u == MP_UNITS_IEC && bad == NULL)
			fail_msg("--units iec, %s, scenario %zu: no IEC unit",
			    format, i);
		free(out);
	}
}

static void
test_units_si_prints_no_iec_unit(void **state)
{
	char	*argv[] = { "memplan", "check", plan_path, "--format", "junit",
		    "--units", "si", NULL };
	char	*out;
	int	 rc;

	(void)state;
	scan("text", MP_UNITS_SI);
	scan("markdown", MP_UNITS_SI);
	scan("json", MP_UNITS_SI);
	scan("text", MP_UNITS_IEC);
	out = run(argv, &rc);
	assert_int_equal(rc, MP_EXIT_NOFIT);
	assert_non_null(strstr(out, "over the budget of 10.00 GB"));
	assert_null(iec_unit(out));
	free(out);
}

/* JSON carries each note's template and its values as numbers. */
static void
test_json_notes_carry_typed_values(void **state)
{
	char		*argv[] = { "memplan", "estimate", "qwen2.5-0.5b",
			    "--format", "json", "--units", "si", NULL };
	char		*out;
	int		 rc;
	cJSON		*doc, *notes, *it, *kv = NULL;

	(void)state;
	out = run(argv, &rc);
	assert_int_equal(rc, 0);
	doc = cJSON_Parse(out);
	assert_non_null(doc);
	notes = cJSON_GetObjectItem(doc, "notes");
	cJSON_ArrayForEach(it, notes) {
		const char *c = cJSON_GetStringValue(cJSON_GetObjectItem(it,
		    "component"));

		assert_non_null(cJSON_GetObjectItem(it, "template"));
		assert_true(cJSON_IsObject(cJSON_GetObjectItem(it, "values")));
		if (c != NULL && strcmp(c, "kv_cache") == 0)
			kv = it;
	}
	assert_non_null(kv);
	assert_non_null(strstr(cJSON_GetStringValue(cJSON_GetObjectItem(kv,
	    "template")), "{per_token} per token"));
	/* 12 KiB of cache per token for Qwen2.5-0.5B in bf16: 24 layers x
	 * 2 (K, V) x 2 KV heads x 64 x 2 bytes. */
	assert_int_equal(cJSON_GetNumberValue(cJSON_GetObjectItem(
	    cJSON_GetObjectItem(cJSON_GetObjectItem(kv, "values"),
	    "per_token"), "bytes")), 12288);
	assert_non_null(strstr(cJSON_GetStringValue(cJSON_GetObjectItem(kv,
	    "text")), "12.29 kB per token"));
	cJSON_Delete(doc);
	free(out);
}

/* Does s hold the decimal number v as a word of its own? */
static bool
has_number(const char *s, const char *v)
{
	const char	*p = s;
	size_t		 n = strlen(v);

	while ((p = strstr(p, v)) != NULL) {
		if ((p == s || strchr("0123456789.", p[-1]) == NULL) &&
		    strchr("0123456789.", p[n]) == NULL)
			return true;
		p += n;
	}
	return false;
}

/*
 * Notes name their kind (a stable id) and carry every count as a typed
 * value: with odd counts asked for (seq 3001, batch 3), no template
 * holds a count as digits, while the note of each kind carries the count
 * the scenario gives it (tokens = 3 x 3001 = 9003; llama.cpp pads each
 * sequence's cells to 3072, 9216 in all) and its text says it.
 */
static void
test_notes_carry_counts_and_ids(void **state)
{
	static const struct {
		char		*args[10];
		const char	*id, *key;
		double		 count;
	} cases[] = {
		{ { "--hardware", "rtx-4090" }, "transformers.kv", "seq", 3001 },
		{ { "--hardware", "rtx-4090" }, "transformers.kv", "batch", 3 },
		{ { "--runtime", "llamacpp", "--weights", "q8_0", "--hardware",
		    "rtx-4090" }, "llamacpp.context", "per_seq", 3072 },
		{ { "--runtime", "llamacpp", "--weights", "q8_0", "--hardware",
		    "rtx-4090" }, "llamacpp.kv", "cells", 9216 },
		{ { "--runtime", "vllm", "--hardware", "h100-80gb" },
		  "vllm.pool", "seq", 3001 },
		{ { "--mode", "lora", "--hardware", "rtx-4090" },
		  "train.acts_saved", "tokens", 9003 },
		{ { "--mode", "full", "--grad-ckpt", "--gpus", "2", "--parallel",
		    "zero3", "--hardware", "2x-rtx-4090" }, "train.parallel",
		  "gpus", 2 },
	};
	static const char *const counts[] = { "3001", "9003", "3072", "9216" };
	size_t		 i, k;
	int		 rc;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char		*argv[24], *out;
		cJSON		*doc, *it, *v;
		size_t		 n = 0, found = 0;

		argv[n++] = "memplan";
		argv[n++] = "estimate";
		argv[n++] = "qwen2.5-0.5b";
		argv[n++] = "--seq";
		argv[n++] = "3001";
		argv[n++] = "--batch";
		argv[n++] = "3";
		for (k = 0; k < 10 && cases[i].args[k] != NULL; k++)
			argv[n++] = cases[i].args[k];
		argv[n++] = "--format";
		argv[n++] = "json";
		argv[n] = NULL;
		out = run(argv, &rc);
		assert_non_null(out);
		doc = cJSON_Parse(out);
		assert_non_null(doc);
		cJSON_ArrayForEach(it, cJSON_GetObjectItem(doc, "notes")) {
			const char *id = cJSON_GetStringValue(
			    cJSON_GetObjectItem(it, "id"));
			const char *t = cJSON_GetStringValue(
			    cJSON_GetObjectItem(it, "template"));
			const char *x = cJSON_GetStringValue(
			    cJSON_GetObjectItem(it, "text"));
			char	    num[24];

			assert_non_null(id);
			assert_non_null(t);
			assert_non_null(x);
			/* "module.name": lower case, a dot */
			assert_true(strspn(id, "abcdefghijklmnopqrstuvwxyz"
			    "0123456789_.") == strlen(id));
			assert_non_null(strchr(id, '.'));
			for (k = 0; k < sizeof(counts) / sizeof(counts[0]); k++)
				if (has_number(t, counts[k]))
					fail_msg("%s: a count in the template: "
					    "%s", id, t);
			if (strcmp(id, cases[i].id) != 0)
				continue;
			v = cJSON_GetObjectItem(cJSON_GetObjectItem(it,
			    "values"), cases[i].key);
			assert_non_null(v);
			assert_true(cJSON_GetNumberValue(cJSON_GetObjectItem(v,
			    "count")) == cases[i].count);
			snprintf(num, sizeof(num), "%.0f", cases[i].count);
			assert_true(has_number(x, num));
			found++;
		}
		if (found != 1)
			fail_msg("case %zu: %zu notes %s", i, found,
			    cases[i].id);
		cJSON_Delete(doc);
		free(out);
	}
}

/*
 * Numbers a config or the user gave are values too, written back as
 * given: yarn's rope factor (4 in the fixture's config), vLLM's
 * gpu_memory_utilization (0.9764 asked; the default 0.9 as vLLM's
 * documentation writes it, 0.90) and its block size; and a rule's sizes
 * are sizes: Ollama's VRAM tier in the units asked.
 */
static void
test_notes_carry_given_numbers(void **state)
{
	char	 yarn[512];
	static const struct {
		char		*args[8];
		const char	*id, *key, *kind, *text;
		double		 v;
	} cases[] = {
		{ { NULL, "--seq", "200000" }, "estimate.past_rope",
		  "factor", "number", "(yarn x4 of 32768)", 4 },
		{ { "qwen2.5-0.5b", "--runtime", "vllm",
		    "--gpu-memory-utilization", "0.9764", "--hardware",
		    "h100-80gb" }, "vllm.defaults", "util", "number",
		  "gpu_memory_utilization 0.9764, block_size 16,", 0.9764 },
		{ { "qwen2.5-0.5b", "--runtime", "vllm", "--hardware",
		    "h100-80gb" }, "vllm.defaults", "util", "number",
		  "gpu_memory_utilization 0.90,", 0.9 },
		{ { "qwen2.5-0.5b", "--runtime", "vllm", "--hardware",
		    "h100-80gb" }, "vllm.defaults", "block", "count",
		  "block_size 16,", 16 },
		/* Ollama's tier, in the units asked (its rule is 24 GiB). */
		{ { "qwen2.5-0.5b", "--runtime", "ollama", "--hardware",
		    "rtx-4090", "--units", "si" }, "llamacpp.ollama",
		  "vram_from", "bytes",
		  "(Ollama's default for 25.77 GB to 51.54 GB of VRAM)",
		  24.0 * 1024 * 1024 * 1024 },
	};
	size_t	 i, k;
	int	 rc;

	(void)state;
	snprintf(yarn, sizeof(yarn), "%s/tests/fixtures/qwen2.5-0.5b-yarn",
	    fx_srcdir());
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char		*argv[16], *out;
		cJSON		*doc, *it, *v;
		size_t		 n = 0, found = 0;

		argv[n++] = "memplan";
		argv[n++] = "estimate";
		argv[n++] = cases[i].args[0] != NULL ? cases[i].args[0] :
		    yarn;
		for (k = 1; k < 8 && cases[i].args[k] != NULL; k++)
			argv[n++] = cases[i].args[k];
		argv[n++] = "--format";
		argv[n++] = "json";
		argv[n] = NULL;
		out = run(argv, &rc);
		assert_int_equal(rc, 0);
		doc = cJSON_Parse(out);
		assert_non_null(doc);
		cJSON_ArrayForEach(it, cJSON_GetObjectItem(doc, "notes")) {
			const char *t = cJSON_GetStringValue(
			    cJSON_GetObjectItem(it, "template"));

			if (strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(it,
			    "id")), cases[i].id) != 0)
				continue;
			found++;
			v = cJSON_GetObjectItem(cJSON_GetObjectItem(
			    cJSON_GetObjectItem(it, "values"), cases[i].key),
			    cases[i].kind);
			assert_non_null(v);
			assert_true(cJSON_GetNumberValue(v) == cases[i].v);
			assert_non_null(strstr(cJSON_GetStringValue(
			    cJSON_GetObjectItem(it, "text")), cases[i].text));
			/* The template names the value, never writes it. */
			assert_null(strstr(t, cases[i].text));
		}
		assert_int_equal(found, 1);
		cJSON_Delete(doc);
		free(out);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_note_template_renders_in_either_units),
		cmocka_unit_test(
		    test_note_list_full_gives_null_and_setters_take_it),
		cmocka_unit_test(test_units_si_prints_no_iec_unit),
		cmocka_unit_test(test_json_notes_carry_typed_values),
		cmocka_unit_test(test_notes_carry_counts_and_ids),
		cmocka_unit_test(test_notes_carry_given_numbers),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
