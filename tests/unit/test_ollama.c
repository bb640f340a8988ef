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
	/* Ollama keeps its 457 MiB minimum free on the GPU, then
	 * OLLAMA_GPU_OVERHEAD more; a malformed value is refused. */
	assert_int_equal(ea.device_total, eb.device_total + (457ull << 20));
	assert_non_null(strstr(ea.command, "OLLAMA_NUM_PARALLEL=2 ollama "
	    "serve"));
	assert_non_null(strstr(ea.command, "PARAMETER num_ctx 4096"));
	setenv("OLLAMA_GPU_OVERHEAD", "1073741824", 1);
	ollama(&a);
	assert_true(mp_estimate(&m, &a, &ea, &err));
	assert_int_equal(ea.device_total, eb.device_total + (457ull << 20) +
	    GIB);
	setenv("OLLAMA_GPU_OVERHEAD", "1G", 1);
	ollama(&a);
	assert_false(mp_estimate(&m, &a, &ea, &err));
	assert_string_equal(err.field, "OLLAMA_GPU_OVERHEAD");
	unsetenv("OLLAMA_GPU_OVERHEAD");
	clear_env();
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
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
