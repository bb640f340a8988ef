/* test_llamacpp.c: llama.cpp runtime memory against what llama.cpp did */
/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <cjson/cJSON.h>

#include "fixtures.h"

#define MIB	(1024ull * 1024ull)

/* K and V of the tiny model, f16: 4 layers x 2 x 2 heads x 64 x 2 bytes. */
#define TINY_KV_PER_CELL	(4ull * 2 * 2 * 64 * 2)

static void
test_llamacpp_context_padded_to_256(void **state)
{
	struct mp_model m;
	struct mp_scenario sc;
	struct mp_estimate est;

	(void)state;
	fx_tiny_llama(&m);
	fx_llamacpp_scenario(&sc, 1000, 1);
	fx_estimate(&m, &sc, &est);
	assert_int_equal(est.mem.kv_cache, 1024 * TINY_KV_PER_CELL);
	/* 3 sequences of 1100: -c 3300 -> 3328 cells, 1109 per sequence
	 * -> 1280, so n_ctx becomes 3840. */
	fx_llamacpp_scenario(&sc, 1100, 3);
	fx_estimate(&m, &sc, &est);
	assert_int_equal(est.mem.kv_cache, 3840 * TINY_KV_PER_CELL);
	mp_model_fini(&m);
}

static void
test_llamacpp_kv_q8_0_is_34_bytes_per_32(void **state)
{
	struct mp_model m;
	struct mp_scenario sc;
	struct mp_estimate est;

	(void)state;
	fx_tiny_llama(&m);
	fx_llamacpp_scenario(&sc, 4096, 1);
	sc.kv_dtype = MP_DT_Q8_0;
	fx_estimate(&m, &sc, &est);
	/* 128 values per row -> 4 blocks of 34 bytes. */
	assert_int_equal(est.mem.kv_cache, 4096ull * 4 * 2 * 4 * 34);
	mp_model_fini(&m);
}

static void
test_llamacpp_quantized_v_needs_flash_attn(void **state)
{
	struct mp_model m;
	struct mp_scenario sc;
	struct mp_estimate est;
	struct mp_error err;

	(void)state;
	fx_tiny_llama(&m);
	fx_llamacpp_scenario(&sc, 4096, 1);
	sc.kv_dtype = MP_DT_Q8_0;
	sc.flash_attn = MP_OFF;
	mp_error_clear(&err);
	assert_false(mp_estimate(&m, &sc, &est, &err));
	assert_int_equal(err.status, MP_EUSAGE);
	assert_non_null(strstr(err.msg, "flash"));
	fx_llamacpp_scenario(&sc, 4096, 1);
	sc.kv_dtype = MP_DT_F8_E4M3;
	mp_error_clear(&err);
	assert_false(mp_estimate(&m, &sc, &est, &err));
	assert_int_equal(err.status, MP_EUSAGE);
	mp_model_fini(&m);
}

static void
test_llamacpp_output_buffer_per_sequence_in_host(void **state)
{
	struct mp_model m;
	struct mp_scenario sc;
	struct mp_estimate est;

	(void)state;
	fx_tiny_llama(&m);
	fx_llamacpp_scenario(&sc, 1024, 4);
	fx_estimate(&m, &sc, &est);
	assert_int_equal(est.mem.logits, 1000ull * 4 * 4);
	mp_model_fini(&m);
}

/*
 * With flash attention the compute buffer is the logits of a ubatch and
 * does not grow with the context (for a large vocabulary); without it
 * the KQ scores grow with it.
 */
static void
test_llamacpp_compute_grows_with_context_only_without_fa(void **state)
{
	struct mp_model m;
	struct mp_scenario sc;
	struct mp_estimate a, b;

	(void)state;
	fx_load_bundled("llama-3.1-8b-instruct", &m);
	fx_llamacpp_scenario(&sc, 4096, 1);
	fx_estimate(&m, &sc, &a);
	fx_llamacpp_scenario(&sc, 32768, 1);
	fx_estimate(&m, &sc, &b);
	/* Device compute is constant; the host part grows by the f16 mask. */
	assert_int_equal(b.device_total - a.device_total,
	    b.mem.kv_cache - a.mem.kv_cache);
	fx_llamacpp_scenario(&sc, 4096, 1);
	sc.flash_attn = MP_OFF;
	fx_estimate(&m, &sc, &a);
	fx_llamacpp_scenario(&sc, 32768, 1);
	sc.flash_attn = MP_OFF;
	fx_estimate(&m, &sc, &b);
	/* 32 heads x 28672 more cells x 512 tokens x 4 bytes of KQ. */
	assert_true(b.device_total - a.device_total >
	    b.mem.kv_cache - a.mem.kv_cache + 32ull * 28672 * 512 * 4);
	mp_model_fini(&m);
}

static void
test_llamacpp_partial_offload_moves_layers_to_host(void **state)
{
	struct mp_model m;
	struct mp_scenario sc;
	struct mp_estimate all, half, none;

	(void)state;
	fx_load_bundled("qwen2.5-7b-instruct", &m);
	fx_llamacpp_scenario(&sc, 8192, 1);
	fx_estimate(&m, &sc, &all);
	fx_llamacpp_scenario(&sc, 8192, 1);
	sc.gpu_layers = 14;
	fx_estimate(&m, &sc, &half);
	fx_llamacpp_scenario(&sc, 8192, 1);
	sc.gpu_layers = 0;
	fx_estimate(&m, &sc, &none);
	/* The same bytes, wherever they live. */
	assert_int_equal(all.mem.weights, half.mem.weights);
	assert_int_equal(all.mem.kv_cache, half.mem.kv_cache);
	assert_true(half.device_total < all.device_total);
	/* Resident host memory: the mapped pages of offloaded tensors are
	 * reclaimable, those of the 15 host layers are not. */
	assert_true(half.host_total - half.host_reclaimable >
	    all.host_total - all.host_reclaimable + 6ull * 1024 * MIB);
	/* No layer on a GPU: nothing there, the CPU runs it. */
	assert_int_equal(none.device_total, 0);
	assert_true(none.on_host);
	assert_true(none.host_total > none.mem.weights + none.mem.kv_cache);
	mp_model_fini(&m);
}

static void
test_llamacpp_two_gpus_pay_two_contexts(void **state)
{
	struct mp_model m;
	struct mp_scenario sc;
	struct mp_estimate one, two;

	(void)state;
	fx_load_bundled("qwen2.5-7b-instruct", &m);
	fx_llamacpp_scenario(&sc, 8192, 1);
	fx_estimate(&m, &sc, &one);
	fx_llamacpp_scenario(&sc, 8192, 1);
	sc.gpus = 2;
	fx_estimate(&m, &sc, &two);
	assert_int_equal(two.mem.weights, one.mem.weights);
	assert_int_equal(two.mem.kv_cache, one.mem.kv_cache);
	assert_int_equal(two.mem.runtime, 2 * one.mem.runtime);
	/* The second GPU adds its context and its own compute buffer. */
	assert_true(two.device_total > one.device_total + one.mem.runtime);
	mp_model_fini(&m);
}

/* Q4_K tensors are repacked for the CPU: a second copy with mmap. */
static void
test_llamacpp_cpu_repack_copy(void **state)
{
	struct mp_model m;
	struct mp_scenario sc;
	struct mp_estimate on, off;

	(void)state;
	fx_load_bundled("qwen2.5-7b-instruct", &m);
	fx_gguf_scenario(&sc, 4096, "q4_k_m");
	sc.gpu_layers = 0;
	fx_estimate(&m, &sc, &on);
	sc.mmap = MP_OFF;
	fx_estimate(&m, &sc, &off);
	/* Measured: 3,121,348,608 bytes of Q4_K weights repacked. */
	assert_int_equal(on.host_total - off.host_total, 3121348608ull);
	mp_model_fini(&m);
}

/* ---- the measured rows ---- */

static double
num(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	if (!cJSON_IsNumber(v))
		fail_msg("row without %s", k);
	return v->valuedouble;
}

static const char *
str(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	if (!cJSON_IsString(v))
		fail_msg("row without %s", k);
	return v->valuestring;
}

static int
within(double pred, double truth, double pct)
{
	double e = 100.0 * (pred - truth) / truth;

	return e <= pct && e >= -pct;
}

static void
row_scenario(const cJSON *r, struct mp_scenario *sc, bool cpu)
{
	uint64_t n_seq = cpu ? 1 : (uint64_t)num(r, "n_seq");
	const char *w = str(r, "weights");

	fx_llamacpp_scenario(sc, (uint64_t)num(r, "n_ctx") / n_seq, n_seq);
	sc->ubatch = (uint32_t)num(r, "n_ubatch");
	if (strcmp(w, "bf16") != 0) {
		sc->weights = MP_DT_NONE;
		snprintf(sc->ftype, sizeof(sc->ftype), "%s", w);
	}
	if (cpu) {
		sc->gpu_layers = 0;
		sc->mmap = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r,
		    "mmap")) ? MP_ON : MP_OFF;
		return;
	}
	sc->gpu_layers = (int64_t)num(r, "n_gpu_layers");
	sc->kv_dtype = mp_dtype_parse(str(r, "kv_type"));
	sc->flash_attn = strcmp(str(r, "flash_attn"), "off") == 0 ? MP_OFF :
	    strcmp(str(r, "flash_attn"), "on") == 0 ? MP_ON : MP_AUTO;
}

static int
judge_file(const char *name, bool cpu)
{
	char path[600], line[4096];
	FILE *fp;
	int rows = 0, bad = 0;

	snprintf(path, sizeof(path), "%s/tests/groundtruth/llamacpp/%s",
	    fx_srcdir(), name);
	fp = fopen(path, "r");
	if (fp == NULL)
		fail_msg("cannot open %s", path);
	while (fgets(line, sizeof(line), fp) != NULL) {
		cJSON *r = cJSON_Parse(line);
		struct mp_model m;
		struct mp_scenario sc;
		struct mp_estimate est;
		double kv, w, dev, dup = 0;

		if (r == NULL)
			continue;
		fx_load_bundled(str(r, "config"), &m);
		row_scenario(r, &sc, cpu);
		fx_estimate(&m, &sc, &est);
		rows++;
		kv = num(r, "host_kv_bytes") + (cpu ? 0 : num(r,
		    "device_kv_bytes"));
		if (!within((double)est.mem.kv_cache, kv, 1.0)) {
			print_message("# %s c%.0f: kv_cache %" PRIu64 " vs %.0f\n",
			    str(r, "config"), num(r, "n_ctx"), est.mem.kv_cache,
			    kv);
			bad++;
		}
		if (cpu) {
			if (!within((double)est.host_total,
			    num(r, "peak_rss_bytes"), 10.0)) {
				print_message("# %s cpu: host_total %" PRIu64
				    " vs RSS %.0f\n", str(r, "config"),
				    est.host_total, num(r, "peak_rss_bytes"));
				bad++;
			}
			cJSON_Delete(r);
			mp_model_fini(&m);
			continue;
		}
		/*
		 * memory.weights is the GGUF's tensor data (SPEC).  A tied
		 * model's offloaded output layer holds a second copy of the
		 * token embedding (bf16 here), which llama.cpp counts in its
		 * model buffers and memplan in device_total only.
		 */
		if (m.tied)
			dup = (double)m.vocab * m.hidden * 2;
		w = num(r, "device_model_bytes") + num(r, "host_model_bytes");
		if (!within((double)est.mem.weights + dup, w, 0.5)) {
			print_message("# %s: weights %" PRIu64 " vs %.0f\n",
			    str(r, "config"), est.mem.weights, w);
			bad++;
		}
		dev = num(r, "device_model_bytes") + num(r, "device_kv_bytes") +
		    num(r, "device_compute_bytes");
		if (!within((double)(est.device_total - est.mem.runtime), dev,
		    3.0)) {
			print_message("# %s c%.0f: device %" PRIu64 " vs %.0f\n",
			    str(r, "config"), num(r, "n_ctx"),
			    est.device_total - est.mem.runtime, dev);
			bad++;
		}
		/* The compute buffers themselves, GPU + pinned host: 1 %. */
		if (!within((double)est.mem.activations,
		    num(r, "device_compute_bytes") +
		    num(r, "host_compute_bytes"), 1.0)) {
			print_message("# %s c%.0f: compute %" PRIu64 " vs %.0f\n",
			    str(r, "config"), num(r, "n_ctx"),
			    est.mem.activations, num(r, "device_compute_bytes") +
			    num(r, "host_compute_bytes"));
			bad++;
		}
		/* The output buffer, printed to 0.01 MiB. */
		if ((double)est.mem.logits > num(r, "host_output_bytes") +
		    6 * 1024.0 || (double)est.mem.logits <
		    num(r, "host_output_bytes") - 6 * 1024.0) {
			print_message("# %s: output %" PRIu64 " vs %.0f\n",
			    str(r, "config"), est.mem.logits,
			    num(r, "host_output_bytes"));
			bad++;
		}
		cJSON_Delete(r);
		mp_model_fini(&m);
	}
	fclose(fp);
	assert_true(rows >= 6);
	return bad;
}

static void
test_llamacpp_h100_rows_within_tolerance(void **state)
{
	(void)state;
	assert_int_equal(judge_file("measurements.jsonl", false), 0);
}

static void
test_llamacpp_cpu_rows_within_tolerance(void **state)
{
	(void)state;
	assert_int_equal(judge_file("cpu-measurements.jsonl", true), 0);
}

/* The next tab-separated field of a published-logs.tsv row. */
static char *
tsv_field(char **cur)
{
	return fx_tsv_field(cur, "published-logs.tsv");
}

/* A note's size value, or fail. */
static uint64_t
note_size(const struct mp_estimate *est, const char *id, const char *key)
{
	size_t i, j;

	for (i = 0; i < est->n_notes; i++) {
		if (strcmp(est->notes[i].id, id) != 0)
			continue;
		for (j = 0; j < est->notes[i].n_values; j++)
			if (strcmp(est->notes[i].values[j].key, key) == 0)
				return est->notes[i].values[j].u;
	}
	fail_msg("no note %s with {%s}", id, key);
	return 0;
}

static int
metal_near(const char *id, const char *what, double memplan, const char *log,
    double tol)
{
	double pub = strtod(log, NULL), dev;

	if (strcmp(log, "-") == 0)
		return 0;
	dev = (memplan - pub) / pub;
	print_message("# %s %s: memplan %.2f MiB, log %.2f MiB (%+.1f %%)\n",
	    id, what, memplan, pub, dev * 100);
	return dev > tol || dev < -tol;
}

/*
 * memplan's Metal buffers against published Metal logs (tests/metal):
 * the KV cache within 1 %, the GPU's compute buffer and the host's
 * (CPU) compute buffer within 5 %, each row at the log's context,
 * ubatch and flash attention; memplan resolves "auto" on Metal itself
 * and must land where the log did.
 */
static void
test_llamacpp_metal_published_logs(void **state)
{
	char line[1024], *cur, id[48], config[64], w[16], fa[8];
	char kv[16], dev[16], host[16];
	FILE *fp;
	int rows = 0, bad = 0;

	(void)state;
	fp = fx_open_tests("metal/published-logs.tsv");
	while (fx_table_row(fp, line, sizeof(line))) {
		struct mp_model m;
		struct mp_scenario sc;
		struct mp_estimate est;
		uint64_t n_ctx, n_seq, unified, ub;

		cur = line;
		snprintf(id, sizeof(id), "%s", tsv_field(&cur));
		(void)tsv_field(&cur);
		snprintf(config, sizeof(config), "%s", tsv_field(&cur));
		snprintf(w, sizeof(w), "%s", tsv_field(&cur));
		n_ctx = strtoull(tsv_field(&cur), NULL, 10);
		n_seq = strtoull(tsv_field(&cur), NULL, 10);
		unified = strtoull(tsv_field(&cur), NULL, 10);
		ub = strtoull(tsv_field(&cur), NULL, 10);
		snprintf(fa, sizeof(fa), "%s", tsv_field(&cur));
		snprintf(kv, sizeof(kv), "%s", tsv_field(&cur));
		snprintf(dev, sizeof(dev), "%s", tsv_field(&cur));
		snprintf(host, sizeof(host), "%s", tsv_field(&cur));
		fx_load_bundled(config, &m);
		fx_llamacpp_scenario(&sc, n_ctx / n_seq, n_seq);
		sc.backend = MP_BE_METAL;
		sc.gpu_layers = -1;
		sc.gpu_layers_set = true;
		sc.ubatch = (uint32_t)ub;
		sc.kv_unified = unified != 0;
		sc.weights = MP_DT_NONE;
		if (strcmp(w, "-") != 0)
			snprintf(sc.ftype, sizeof(sc.ftype), "%s", w);
		/* builds before -fa auto ran without it: the log's "off" */
		sc.flash_attn = strcmp(fa, "off") == 0 ? MP_OFF : MP_AUTO;
		fx_estimate(&m, &sc, &est);
		if (strcmp(fa, "on") == 0 && strstr(est.notes[0].text,
		    "flash attention on") == NULL)
			fail_msg("%s: auto did not resolve to on: %s", id,
			    est.notes[0].text);
		bad += metal_near(id, "KV cache", est.mem.kv_cache / (double)MIB,
		    kv, 0.01);
		bad += metal_near(id, "GPU compute", note_size(&est,
		    "llamacpp.compute", "gpus") / (double)MIB, dev, 0.05);
		bad += metal_near(id, "CPU compute", note_size(&est,
		    "llamacpp.compute", "host") / (double)MIB, host, 0.05);
		mp_model_fini(&m);
		rows++;
	}
	fclose(fp);
	assert_int_equal(bad, 0);
	assert_true(rows >= 6);
}

/*
 * Flash attention "auto" on Metal follows ggml-metal's supports_op: on
 * for head sizes it has kernels for (128), off for others (160), where
 * the KQ scores then grow with the context and a quantized V cache is
 * refused; CUDA keeps FA on for the same model.  With FA the Metal
 * compute buffer also holds the FA kernel's scratch.
 */
static void
test_llamacpp_metal_fa_auto_follows_kernels(void **state)
{
	struct mp_model m;
	struct mp_scenario sc;
	struct mp_estimate a, b;
	struct mp_error err;
	char buf[MP_NOTE_TEXT];

	(void)state;
	fx_load_bundled("llama-3.1-8b-instruct", &m);
	fx_llamacpp_scenario(&sc, 4096, 1);
	sc.backend = MP_BE_METAL;
	fx_estimate(&m, &sc, &a);
	assert_non_null(strstr(a.notes[0].text, "flash attention on"));
	/* 32 heads x 32 queries x 32 workgroups x (128 + 2) floats, and
	 * 64 cells of K and V (8 heads x 2048 bytes) plus mask rows */
	assert_true(note_size(&a, "llamacpp.compute", "scratch") >=
	    4ull * 32 * 32 * 32 * 130 + 64ull * 2 * 8 * 2048);
	m.head_dim = 160;
	m.v_head_dim = 160;
	fx_llamacpp_scenario(&sc, 4096, 1);
	sc.backend = MP_BE_METAL;
	fx_estimate(&m, &sc, &a);
	assert_non_null(strstr(mp_note_text(&a.notes[0], MP_UNITS_IEC, buf,
	    sizeof(buf)), "off (auto: Metal has no kernel for head size 160)"));
	fx_llamacpp_scenario(&sc, 32768, 1);
	sc.backend = MP_BE_METAL;
	fx_estimate(&m, &sc, &b);
	assert_true(b.device_total - a.device_total >
	    b.mem.kv_cache - a.mem.kv_cache + 32ull * 28672 * 512 * 4);
	fx_llamacpp_scenario(&sc, 4096, 1);
	sc.backend = MP_BE_CUDA;
	fx_estimate(&m, &sc, &a);
	assert_non_null(strstr(a.notes[0].text, "flash attention on"));
	fx_llamacpp_scenario(&sc, 4096, 1);
	sc.backend = MP_BE_METAL;
	sc.kv_dtype = MP_DT_Q8_0;
	mp_error_clear(&err);
	assert_false(mp_estimate(&m, &sc, &a, &err));
	assert_string_equal(err.field, "--kv-dtype");
	assert_non_null(strstr(err.msg, "head size 160"));
	mp_model_fini(&m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_llamacpp_context_padded_to_256),
		cmocka_unit_test(test_llamacpp_kv_q8_0_is_34_bytes_per_32),
		cmocka_unit_test(test_llamacpp_metal_published_logs),
		cmocka_unit_test(test_llamacpp_metal_fa_auto_follows_kernels),
		cmocka_unit_test(test_llamacpp_quantized_v_needs_flash_attn),
		cmocka_unit_test(test_llamacpp_output_buffer_per_sequence_in_host),
		cmocka_unit_test(
		    test_llamacpp_compute_grows_with_context_only_without_fa),
		cmocka_unit_test(
		    test_llamacpp_partial_offload_moves_layers_to_host),
		cmocka_unit_test(test_llamacpp_two_gpus_pay_two_contexts),
		cmocka_unit_test(test_llamacpp_cpu_repack_copy),
		cmocka_unit_test(test_llamacpp_h100_rows_within_tolerance),
		cmocka_unit_test(test_llamacpp_cpu_rows_within_tolerance),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
