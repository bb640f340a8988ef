/* test_ollama.c: --runtime ollama's defaults (ollama.c) */
/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fixtures.h"

#define GIB	(1024ull * 1024ull * 1024ull)

static const char *const vars[] = { "OLLAMA_NUM_PARALLEL",
    "OLLAMA_FLASH_ATTENTION", "OLLAMA_KV_CACHE_TYPE",
    "OLLAMA_CONTEXT_LENGTH", "OLLAMA_GPU_OVERHEAD", NULL };

static void
clear_env(void)
{
	size_t i;

	for (i = 0; vars[i] != NULL; i++)
		unsetenv(vars[i]);
}

static void
ollama(struct mp_scenario *sc)
{
	mp_scenario_init(sc);
	sc->runtime = MP_RT_LLAMACPP;
	sc->runtime_set = true;
	sc->ollama = true;
	snprintf(sc->ftype, sizeof(sc->ftype), "q4_k_m");
}

static struct mp_scenario
resolved(const struct mp_model *m, uint64_t vram)
{
	struct mp_scenario sc;
	struct mp_error err;

	ollama(&sc);
	sc.vram_total = vram;
	mp_error_clear(&err);
	if (!mp_scenario_resolve(&sc, m, &err))
		fail_msg("resolve: %s: %s", err.field, err.msg);
	return sc;
}

/* Ollama's defaults with nothing set: the context by total VRAM. */
static void
test_defaults(void **state)
{
	struct mp_model m;
	struct mp_scenario sc;

	(void)state;
	clear_env();
	fx_load_bundled("llama-3.1-8b-instruct", &m);
	sc = resolved(&m, 0);
	assert_int_equal(sc.seq, 4096);
	assert_int_equal(sc.batch, 1);
	assert_true(sc.kv_unified);
	assert_int_equal(sc.flash_attn, MP_AUTO);
	assert_int_equal(sc.kv_dtype, MP_DT_F16);
	assert_int_equal(resolved(&m, 8 * GIB).seq, 4096);
	assert_int_equal(resolved(&m, 24 * GIB).seq, 32768);
	assert_int_equal(resolved(&m, 47 * GIB).seq, 32768);
	/* 256k, capped at the model's 131072 positions */
	assert_int_equal(resolved(&m, 80 * GIB).seq, 131072);
	mp_model_fini(&m);
}

/* The environment Ollama reads, and what wins over what. */
static void
test_environment(void **state)
{
	struct mp_model m;
	struct mp_scenario sc;
	struct mp_error err;

	(void)state;
	clear_env();
	fx_load_bundled("llama-3.1-8b-instruct", &m);
	setenv("OLLAMA_NUM_PARALLEL", "3", 1);
	setenv("OLLAMA_CONTEXT_LENGTH", "8192", 1);
	setenv("OLLAMA_KV_CACHE_TYPE", "q8_0", 1);
	sc = resolved(&m, 80 * GIB);
	assert_int_equal(sc.batch, 3);
	assert_int_equal(sc.seq, 8192);
	assert_int_equal(sc.kv_dtype, MP_DT_Q8_0);
	/* without flash attention Ollama keeps an f16 cache */
	setenv("OLLAMA_FLASH_ATTENTION", "false", 1);
	sc = resolved(&m, 0);
	assert_int_equal(sc.flash_attn, MP_OFF);
	assert_int_equal(sc.kv_dtype, MP_DT_F16);
	/* the command line wins over the environment */
	ollama(&sc);
	sc.seq = 2048;
	sc.batch = 1;
	mp_error_clear(&err);
	assert_true(mp_scenario_resolve(&sc, &m, &err));
	assert_int_equal(sc.seq, 2048);
	assert_int_equal(sc.batch, 1);
	/* a model's own num_ctx wins over OLLAMA_CONTEXT_LENGTH */
	m.ctx_default = 16384;
	assert_int_equal(resolved(&m, 0).seq, 16384);
	clear_env();
	mp_model_fini(&m);
}

/* A malformed variable is an error naming it, never a silent default. */
static void
test_bad_environment(void **state)
{
	static const char *const bad[][2] = {
		{ "OLLAMA_NUM_PARALLEL", "two" },
		{ "OLLAMA_NUM_PARALLEL", "0" },
		{ "OLLAMA_FLASH_ATTENTION", "yes" },
		{ "OLLAMA_KV_CACHE_TYPE", "q5_1" },
		{ "OLLAMA_CONTEXT_LENGTH", "8k" },
	};
	struct mp_model m;
	struct mp_scenario sc;
	struct mp_error err;
	size_t i;

	(void)state;
	fx_load_bundled("llama-3.1-8b-instruct", &m);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		clear_env();
		setenv(bad[i][0], bad[i][1], 1);
		ollama(&sc);
		mp_error_clear(&err);
		assert_false(mp_scenario_resolve(&sc, &m, &err));
		assert_int_equal(err.status, MP_EUSAGE);
		assert_string_equal(err.field, bad[i][0]);
	}
	clear_env();
	mp_model_fini(&m);
}

/*
 * One cache for all slots: two slots of num_ctx 4096 hold the cache of
 * one 8192-cell stream, the same bytes as llama-server -c 8192
 * --kv-unified; the device total adds what Ollama keeps free.
 */
static void
test_unified_cache(void **state)
{
	struct mp_model m;
	struct mp_scenario a, b;
	struct mp_estimate ea, eb;
	struct mp_error err;

	(void)state;
	clear_env();
	fx_load_bundled("llama-3.1-8b-instruct", &m);
	setenv("OLLAMA_NUM_PARALLEL", "2", 1);
	ollama(&a);
	mp_scenario_init(&b);
	b.runtime = MP_RT_LLAMACPP;
	b.runtime_set = true;
	snprintf(b.ftype, sizeof(b.ftype), "q4_k_m");
	b.seq = 8192;
	b.kv_unified = true;
	mp_error_clear(&err);
	assert_true(mp_estimate(&m, &a, &ea, &err));
	assert_true(mp_estimate(&m, &b, &eb, &err));
	assert_int_equal(ea.mem.kv_cache, eb.mem.kv_cache);
	/* Ollama keeps its 457 MiB minimum free on the GPU, which the
	 * H100's measured 596 MiB runtime covers, then OLLAMA_GPU_OVERHEAD
	 * more; a malformed value is refused. */
	assert_int_equal(ea.device_total, eb.device_total);
	assert_non_null(strstr(ea.command, "OLLAMA_NUM_PARALLEL=2 ollama "
	    "serve"));
	assert_non_null(strstr(ea.command, "PARAMETER num_ctx 4096"));
	setenv("OLLAMA_GPU_OVERHEAD", "1073741824", 1);
	ollama(&a);
	assert_true(mp_estimate(&m, &a, &ea, &err));
	assert_int_equal(ea.device_total, eb.device_total + GIB);
	setenv("OLLAMA_GPU_OVERHEAD", "1G", 1);
	ollama(&a);
	assert_false(mp_estimate(&m, &a, &ea, &err));
	assert_string_equal(err.field, "OLLAMA_GPU_OVERHEAD");
	unsetenv("OLLAMA_GPU_OVERHEAD");
	clear_env();
	mp_model_fini(&m);
}

/* An estimate of m placed on the bundled profile hw as Ollama runs it. */
static void
placed(const struct mp_model *m, const char *hw_name, struct mp_scenario *sc,
    struct mp_estimate *est)
{
	struct mp_hardware hw;
	struct mp_judgement j;
	struct mp_error err;

	memset(&hw, 0, sizeof(hw));
	mp_error_clear(&err);
	assert_true(mp_hardware_load(hw_name, &hw, &err));
	if (!mp_place(m, &hw, sc, est, &j, &err))
		fail_msg("place: %s: %s", err.field, err.msg);
}

/* The GGUF bytes of layer il (n_layer: output_norm + output). */
static uint64_t
layer_bytes(const struct mp_model *m, uint32_t il)
{
	struct mp_gguf_tensor *t = NULL;
	struct mp_error err;
	size_t n = 0, i;
	uint64_t sum = 0;

	mp_error_clear(&err);
	assert_true(mp_gguf_tensors(m, "q4_k_m", &t, &n, &err));
	for (i = 0; i < n; i++)
		if (il < m->layers ? t[i].layer == (int32_t)il :
		    strncmp(t[i].name, "output", 6) == 0)
			sum += t[i].bytes;
	free(t);
	return sum;
}

/*
 * Ollama's scheduler, not llama.cpp's -ngl default: Llama 3.1 70B q4_k_m
 * at Ollama's 32768-token default on a 24 GiB card.  The llama runner's
 * estimate (llm/server.go, fs/ggml/ggml.go at v0.15.5), worked here from
 * the tensors: each layer is its weights + 32768 x 2 x 8 x 128 x 2 bytes
 * of cache; the GPU loses one layer (blk.0 with its cache), the 457 MiB
 * minimum and the graph, max(full, partial) of GraphSize's llama
 * formulas.  The output layer does not fit with all, so only repeating
 * layers count: the most from the top that fit.
 */
static void
test_layout_llama_runner(void **state)
{
	struct mp_model m;
	struct mp_scenario sc;
	struct mp_estimate est;
	uint64_t kv = 32768ull * 2 * 8 * 128 * 2, b = 512, c = 32768,
	    e = 8192, h = 64, v = 128256, full, part, avail, used = 0;
	uint32_t n = 0, il;

	(void)state;
	clear_env();
	fx_load_bundled("llama-3.1-70b-instruct", &m);
	ollama(&sc);
	placed(&m, "rtx-4090", &sc, &est);
	full = 4 * b * (1 + 4 * e + c * (1 + h));
	part = 4 * b * e + 4 * b * (1 + e + c) + e * e * 9 / 16 +
	    4 * c * (b * h + 128 * 8);
	assert_true(part > full && part > 4 * b * (e + v) + e * v * 105 / 128);
	avail = est.sc.dev_free[0] - (layer_bytes(&m, 0) + kv) -
	    (457ull << 20) - part;
	for (il = m.layers; il-- > 0; n++) {
		if (used + layer_bytes(&m, il) + kv > avail)
			break;
		used += layer_bytes(&m, il) + kv;
	}
	/* not with the output layer on top: so a partial offload */
	assert_true(used + layer_bytes(&m, m.layers) > avail);
	assert_int_equal(n, 30);
	assert_int_equal(est.sc.gpu_layers, n);
	assert_true(est.sc.ollama_layout);
	/* the command leaves num_gpu to the scheduler */
	assert_null(strstr(est.command, "num_gpu"));
	/* OLLAMA_GPU_OVERHEAD is kept free too: 2 GiB less, fewer layers */
	setenv("OLLAMA_GPU_OVERHEAD", "2147483648", 1);
	ollama(&sc);
	placed(&m, "rtx-4090", &sc, &est);
	assert_true(est.sc.gpu_layers < n && est.sc.gpu_layers > n - 6);
	/* num_gpu (--gpu-layers) wins: no layout, and the Modelfile says */
	clear_env();
	ollama(&sc);
	sc.gpu_layers = 10;
	sc.gpu_layers_set = true;
	placed(&m, "rtx-4090", &sc, &est);
	assert_int_equal(est.sc.gpu_layers, 10);
	assert_false(est.sc.ollama_layout);
	assert_non_null(strstr(est.command, "PARAMETER num_gpu 10"));
	/* without a machine nothing is decided: every layer, as before */
	ollama(&sc);
	{
		struct mp_error err;

		mp_error_clear(&err);
		assert_true(mp_estimate(&m, &sc, &est, &err));
	}
	assert_false(est.sc.ollama_layout);
	mp_model_fini(&m);
}

/*
 * Ollama's own engine (Qwen3 MoE) loads the layers it was given: on an
 * 8 GiB card the last N repeating layers, the output layer left on the
 * CPU (-ngl N+1 with output.weight overridden to the CPU); two 24 GiB
 * cards hold a small model on one (the fewest GPUs that take it all).
 */
static void
test_layout_own_engine_and_gpus(void **state)
{
	struct mp_model m;
	struct mp_scenario sc;
	struct mp_estimate est;

	(void)state;
	clear_env();
	fx_load_bundled("qwen3-30b-a3b", &m);
	ollama(&sc);
	placed(&m, "rtx-4060-8gb", &sc, &est);
	assert_true(est.sc.ollama_layout);
	assert_true(est.sc.gpu_layers > 1 && est.sc.gpu_layers < 48);
	assert_string_equal(est.sc.override_tensor, "^output\\.weight$=CPU");
	mp_model_fini(&m);

	fx_load_bundled("llama-3.1-8b-instruct", &m);
	ollama(&sc);
	sc.gpus = 2;
	sc.seq = 8192;
	placed(&m, "2x-rtx-4090", &sc, &est);
	assert_int_equal(est.sc.gpu_layers, -1);
	assert_int_equal(est.sc.n_tensor_split, 2);
	assert_true(est.sc.tensor_split[0] == 33.0f);
	assert_true(est.sc.tensor_split[1] == 0.0f);
	/* at 128k tokens one card no longer holds it: an even split */
	ollama(&sc);
	sc.gpus = 2;
	placed(&m, "2x-rtx-4090", &sc, &est);
	assert_true(est.sc.tensor_split[1] > 0.0f);
	assert_true(est.sc.tensor_split[0] + 1 >= est.sc.tensor_split[1] &&
	    est.sc.tensor_split[1] + 1 >= est.sc.tensor_split[0]);
	mp_model_fini(&m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_environment),
		cmocka_unit_test(test_bad_environment),
		cmocka_unit_test(test_unified_cache),
		cmocka_unit_test(test_layout_llama_runner),
		cmocka_unit_test(test_layout_own_engine_and_gpus),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
