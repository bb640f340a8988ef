/* test_convert.c: conversion pipelines against measurements and seeds */
/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <cjson/cJSON.h>

#include "fixtures.h"

#define GB		1000000000ull
#define GIB		(1ull << 30)

/* A convert scenario: weights "" = the default (the config's dtype). */
static bool
run(const struct mp_model *m, const char *pipeline, const char *weights,
    struct mp_estimate *est, struct mp_error *err)
{
	struct mp_scenario sc;

	mp_scenario_init(&sc);
	sc.mode = MP_MODE_CONVERT;
	snprintf(sc.pipeline, sizeof(sc.pipeline), "%s", pipeline);
	if (weights[0] != '\0') {
		sc.weights = mp_dtype_parse(weights);
		if (strchr(weights, '_') != NULL && sc.weights == MP_DT_NONE) {
			/* A GGUF mixture: its name and its main block type. */
			snprintf(sc.ftype, sizeof(sc.ftype), "%s", weights);
			sc.weights = strncmp(weights, "q4_k", 4) == 0 ?
			    MP_DT_Q4_K : MP_DT_Q6_K;
		}
	}
	mp_error_clear(err);
	return mp_estimate(m, &sc, est, err);
}

static void
run_ok(const struct mp_model *m, const char *pipeline, const char *weights,
    struct mp_estimate *est)
{
	struct mp_error err;

	if (!run(m, pipeline, weights, est, &err))
		fail_msg("%s %s %s: %s: %s", m->name, pipeline, weights,
		    err.field, err.msg);
	assert_true(est->has_convert);
	assert_true(est->on_host);
	assert_string_equal(est->conv.pipeline, pipeline);
}

static const struct mp_convert_step *
step(const struct mp_estimate *est, const char *name)
{
	size_t i;

	for (i = 0; i < est->conv.n_steps; i++)
		if (strcmp(est->conv.steps[i].name, name) == 0)
			return &est->conv.steps[i];
	fail_msg("no step %s in %s", name, est->conv.pipeline);
	return NULL;
}

static void
within(const char *what, uint64_t pred, double truth, double tol)
{
	double rel = ((double)pred - truth) / truth;

	print_message("# %-44s predicted %6.2f GB measured %6.2f GB %+6.1f%%\n",
	    what, (double)pred / 1e9, truth / 1e9, rel * 100);
	if (rel > tol || rel < -tol)
		fail_msg("%s: predicted %llu, measured %.0f (%+.1f%%)", what,
		    (unsigned long long)pred, truth, rel * 100);
}

/* ---------------------------------------------------------------------- */

/*
 * Every measured step (tests/groundtruth/conversion.jsonl) within 15 %:
 * resident peak, anonymous and file-backed where they were recorded.
 */
static void
test_convert_groundtruth_within_15pct(void **state)
{
	char		 path[512], line[4096], what[160];
	FILE		*f;
	size_t		 rows = 0;

	(void)state;
	snprintf(path, sizeof(path), "%s/tests/groundtruth/conversion.jsonl",
	    fx_srcdir());
	if ((f = fopen(path, "r")) == NULL)
		fail_msg("cannot open %s", path);
	while (fgets(line, sizeof(line), f) != NULL) {
		cJSON *r = cJSON_Parse(line);
		const cJSON *cfg, *pl, *w, *st, *from, *rss, *an, *fi;
		struct mp_model m;
		struct mp_estimate est;
		const struct mp_convert_step *s = NULL;
		uint64_t pred_rss;

		if (r == NULL)
			continue;
		cfg = cJSON_GetObjectItem(r, "config");
		pl = cJSON_GetObjectItem(r, "pipeline");
		w = cJSON_GetObjectItem(r, "weights");
		st = cJSON_GetObjectItem(r, "memplan_step");
		from = cJSON_GetObjectItem(r, "rss_from");
		rss = cJSON_GetObjectItem(r, "peak_rss");
		an = cJSON_GetObjectItem(r, "peak_rss_anon");
		fi = cJSON_GetObjectItem(r, "peak_rss_file");
		assert_true(cJSON_IsString(cfg) && cJSON_IsString(pl) &&
		    cJSON_IsString(w) && cJSON_IsString(st) &&
		    cJSON_IsString(from));
		fx_load_bundled(cfg->valuestring, &m);
		run_ok(&m, pl->valuestring, w->valuestring, &est);
		if (strcmp(st->valuestring, "*") != 0)
			s = step(&est, st->valuestring);
		if (strcmp(from->valuestring, "extra") == 0) {
			/*
			 * Measured without transformers (another baseline):
			 * the step's peaks over the process before it, less
			 * memplan's Python baseline, which is what a
			 * same-dtype hf-lowmem load holds (anon) and what
			 * hf-full's save holds besides the model (file).
			 */
			const cJSON *ea = cJSON_GetObjectItem(r, "extra_anon");
			const cJSON *ef = cJSON_GetObjectItem(r, "extra_file");
			const cJSON *ob = cJSON_GetObjectItem(r, "out_bytes");
			struct mp_estimate b1, b2;

			assert_non_null(s);
			assert_true(cJSON_IsNumber(ea));
			run_ok(&m, "hf-lowmem", "", &b1);
			run_ok(&m, "hf-full", "", &b2);
			snprintf(what, sizeof(what), "%s %s %s extra anon",
			    cfg->valuestring, pl->valuestring, w->valuestring);
			within(what, s->peak_anon - step(&b1, "load")->peak_anon,
			    ea->valuedouble, 0.15);
			if (cJSON_IsNumber(ef)) {
				snprintf(what, sizeof(what), "%s %s %s extra "
				    "file", cfg->valuestring, pl->valuestring,
				    w->valuestring);
				within(what, s->peak_file - step(&b2,
				    "save")->peak_file, ef->valuedouble, 0.15);
			}
			if (cJSON_IsNumber(ob)) {
				snprintf(what, sizeof(what), "%s %s %s disk out",
				    cfg->valuestring, pl->valuestring,
				    w->valuestring);
				within(what, est.conv.disk_out, ob->valuedouble,
				    0.15);
			}
			goto next;
		}
		assert_true(cJSON_IsNumber(rss));
		if (strcmp(from->valuestring, "step") == 0) {
			assert_non_null(s);
			pred_rss = s->peak_anon + s->peak_file;
		} else {
			pred_rss = est.host_total;
		}
		snprintf(what, sizeof(what), "%s %s %s rss", cfg->valuestring,
		    pl->valuestring, w->valuestring);
		within(what, pred_rss, rss->valuedouble, 0.15);
		if (cJSON_IsNumber(an)) {
			assert_non_null(s);
			snprintf(what, sizeof(what), "%s %s %s anon",
			    cfg->valuestring, pl->valuestring, w->valuestring);
			within(what, s->peak_anon, an->valuedouble, 0.15);
		}
		if (cJSON_IsNumber(fi)) {
			assert_non_null(s);
			snprintf(what, sizeof(what), "%s %s %s file",
			    cfg->valuestring, pl->valuestring, w->valuestring);
			within(what, s->peak_file, fi->valuedouble, 0.15);
		}
next:
		mp_model_fini(&m);
		cJSON_Delete(r);
		rows++;
	}
	fclose(f);
	assert_int_equal(rows, 13);
}

/*
 * Seed 000: Qwen2.5-32B to OpenVINO on a 64 GB machine does not fit
 * (the PyTorch weights and the OpenVINO constants are both resident),
 * while llama.cpp (lazy converter + llama-quantize) and streaming stay
 * far below: their anonymous peak follows the largest tensor.
 */
static void
test_convert_qwen32b_openvino_over_64gb_llamacpp_streaming_fit(void **state)
{
	struct mp_model m;
	struct mp_estimate ov, lc, st, st8;

	(void)state;
	fx_load_bundled("qwen2.5-32b", &m);
	run_ok(&m, "openvino", "", &ov);
	run_ok(&m, "llamacpp", "q4_k_m", &lc);
	run_ok(&m, "streaming", "", &st);
	run_ok(&m, "streaming", "int8", &st8);

	assert_true(ov.conv.peak_anon > 64 * GIB);
	assert_true(ov.host_total > 64 * GIB);
	/* The peak is the export step, not the compression. */
	assert_true(step(&ov, "export")->peak_anon >
	    step(&ov, "compress")->peak_anon);
	/* Int8 by default for a model over 1B parameters, to disk. */
	assert_true(ov.conv.disk_out < ov.mem.weights * 6 / 10);
	assert_int_equal(ov.conv.disk_tmp, step(&ov, "export")->disk_write);

	assert_true(lc.conv.peak_anon < 12 * GB);
	assert_true(st.conv.peak_anon < 4 * GB);
	assert_true(st8.conv.peak_anon < 16 * GB);
	assert_true(st8.conv.peak_anon > st.conv.peak_anon);
	/* llama-quantize maps its BF16 input: file-backed, the whole file. */
	assert_true(step(&lc, "quantize")->peak_file >= lc.conv.disk_tmp);
	assert_true(lc.conv.disk_out < lc.conv.disk_tmp / 3);
	assert_int_equal(lc.conv.disk_tmp, step(&lc, "convert")->disk_write);
	mp_model_fini(&m);
}

/*
 * Seed 001: Gemma-3-27B streamed per tensor peaks at a few GB whatever
 * the model's 55 GB: the baseline plus one copy of the 262k x 5376
 * embedding.
 */
static void
test_convert_gemma3_27b_streaming_peaks_at_largest_tensor(void **state)
{
	struct mp_model m;
	struct mp_estimate est;
	uint64_t embed = 262208ull * 5376 * 2;

	(void)state;
	fx_load_bundled("gemma-3-27b-it", &m);
	run_ok(&m, "streaming", "", &est);
	assert_true(est.mem.weights > 50 * GB);
	assert_true(est.conv.peak_anon > 2 * GB);
	assert_true(est.conv.peak_anon < 6 * GB);
	assert_true(est.conv.peak_anon < est.mem.weights / 10);
	/* Baseline + tobytes() of the embedding, nothing that grows. */
	assert_true(est.conv.peak_anon > embed);
	assert_true(est.conv.peak_anon < embed + GB);
	assert_int_equal(est.conv.n_steps, 1);
	assert_int_equal(est.conv.disk_out, est.mem.weights);
	mp_model_fini(&m);
}

/*
 * Seed 002: Llama-2-7B through llama2.c's export.py in each mode.  The
 * standard mode holds two float32 models (HF + llama2.c's Transformer);
 * the memory-efficient ones one; --low-memory changes nothing on a CPU;
 * ultra-low streams tensors.  All write the same Q8_0 file.
 */
static void
test_convert_llama2_7b_llama2c_modes(void **state)
{
	static const char *modes[] = { "llama2c-standard",
	    "llama2c-mem-efficient", "llama2c-low", "llama2c-ultra-low" };
	struct mp_model m;
	struct mp_estimate est[4];
	struct mp_error err;
	size_t i;

	(void)state;
	fx_load_bundled("llama-2-7b-hf", &m);
	for (i = 0; i < 4; i++)
		run_ok(&m, modes[i], "", &est[i]);
	/* Two float32 models; llama2.c's ties output to tok_embeddings. */
	assert_true(est[0].conv.peak_anon >= 4 * m.params +
	    4 * (m.params - m.vocab * m.hidden));
	assert_true(est[1].conv.peak_anon >= 4 * m.params);
	assert_true(est[1].conv.peak_anon < est[0].conv.peak_anon * 7 / 10);
	assert_int_equal(est[1].conv.peak_anon, est[2].conv.peak_anon);
	assert_true(est[3].conv.peak_anon < 8 * GB);
	assert_true(est[3].conv.peak_anon < est[1].conv.peak_anon / 4);
	for (i = 0; i < 4; i++) {
		/* int8 + one fp32 scale per 64: 1.0625 bytes per weight. */
		assert_int_equal(est[i].conv.disk_out, est[0].conv.disk_out);
		assert_true(est[i].conv.disk_out > m.params);
		assert_true(est[i].conv.disk_out < m.params * 11 / 10);
	}
	/* Version 1 (f32) is four bytes per weight. */
	run_ok(&m, "llama2c-ultra-low", "f32", &est[0]);
	assert_true(est[0].conv.disk_out >= 4 * m.params);
	/* A GGUF mixture is not something export.py writes. */
	assert_false(run(&m, "llama2c-standard", "q4_k_m", &est[0], &err));
	assert_int_equal(err.status, MP_EUSAGE);
	assert_non_null(strstr(err.msg, "q4_k_m"));
	mp_model_fini(&m);

	/* Grouped-query attention is out of its reach. */
	fx_load_bundled("qwen2.5-7b-instruct", &m);
	assert_false(run(&m, "llama2c-ultra-low", "", &est[0], &err));
	assert_int_equal(err.status, MP_EUSAGE);
	mp_model_fini(&m);
}

static void
test_convert_unknown_pipeline_lists_known_ones(void **state)
{
	struct mp_model m;
	struct mp_estimate est;
	struct mp_error err;
	size_t i;

	(void)state;
	fx_load_bundled("qwen2.5-1.5b", &m);
	assert_false(run(&m, "onnx", "", &est, &err));
	assert_int_equal(err.status, MP_EUSAGE);
	assert_non_null(strstr(err.msg, "\"onnx\""));
	assert_non_null(strstr(err.msg, "hf-full"));
	assert_non_null(strstr(err.msg, "llama2c-ultra-low"));
	/* The error lists every name mp_convert_pipeline() gives. */
	for (i = 0; mp_convert_pipeline(i) != NULL; i++)
		assert_non_null(strstr(err.msg, mp_convert_pipeline(i)));
	assert_int_equal(i, 11);
	assert_false(run(&m, "", "", &est, &err));
	assert_int_equal(err.status, MP_EUSAGE);
	/* hf-* write safetensors floats; streaming no 4-bit mixtures. */
	assert_false(run(&m, "hf-full", "q4_k_m", &est, &err));
	assert_int_equal(err.status, MP_EUSAGE);
	assert_false(run(&m, "streaming", "q4_k_m", &est, &err));
	assert_int_equal(err.status, MP_EUSAGE);
	mp_model_fini(&m);
}

/*
 * The resident peak is one moment: streaming's anonymous peak (the first
 * tensor, the embedding) comes before its file-backed peak (the whole
 * file mapped at the end), so host_total is below their sum.
 */
static void
test_convert_host_total_is_one_moment(void **state)
{
	struct mp_model m;
	struct mp_estimate est;

	(void)state;
	fx_load_bundled("qwen2.5-1.5b", &m);
	run_ok(&m, "streaming", "", &est);
	assert_true(est.host_total < est.conv.peak_anon + est.conv.peak_file);
	assert_true(est.host_total >= est.conv.peak_file);
	assert_int_equal(est.mem.total, est.host_total);
	assert_int_equal(est.conv.swap_needed, 0);
	/* A cast materialises the model; the same dtype maps it. */
	run_ok(&m, "hf-lowmem", "", &est);
	assert_true(step(&est, "load")->peak_anon < est.mem.weights / 4);
	run_ok(&m, "hf-lowmem", "f32", &est);
	assert_true(step(&est, "load")->peak_anon > 2 * est.mem.weights);
	mp_model_fini(&m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_convert_groundtruth_within_15pct),
		cmocka_unit_test(
		    test_convert_qwen32b_openvino_over_64gb_llamacpp_streaming_fit),
		cmocka_unit_test(
		    test_convert_gemma3_27b_streaming_peaks_at_largest_tensor),
		cmocka_unit_test(test_convert_llama2_7b_llama2c_modes),
		cmocka_unit_test(test_convert_unknown_pipeline_lists_known_ones),
		cmocka_unit_test(test_convert_host_total_is_one_moment),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
