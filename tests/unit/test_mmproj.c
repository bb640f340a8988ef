/* test_mmproj.c: llama.cpp's projector GGUF and encoder buffer (mmproj.c) */
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

static struct mp_mmproj
proj(const struct mp_model *m, const char *type, uint32_t image, bool fa)
{
	struct mp_mmproj p;
	struct mp_error err;

	mp_error_clear(&err);
	if (!mp_mmproj(m, type, image, fa, &p, &err))
		fail_msg("mmproj %s: %s", type, err.msg);
	return p;
}

/*
 * The published size of the projector llama.cpp's converter wrote for
 * google/gemma-3-4b-it (bartowski/google_gemma-3-4b-it-GGUF's file table,
 * llama.cpp b4877: mmproj f16 851 MB); the file adds a header of metadata
 * (well under 1 MB) to the tensor bytes.  The same table's f32 file (1.68
 * GB) predates the converter forcing Gemma 3's input projection to f16
 * (llama.cpp issue 13025): with it in f32 the file would be 5.9 MB more
 * than ours, so today's f32 file is checked to be that much smaller.
 */
static void
test_gemma3_published_sizes(void **state)
{
	struct mp_model m;
	struct mp_mmproj f16, f32;

	(void)state;
	fx_load_bundled("gemma-3-4b-it", &m);
	f16 = proj(&m, "f16", 0, true);
	f32 = proj(&m, "f32", 0, true);
	assert_in_range(f16.weights, 850500000ull, 851500000ull);
	assert_in_range(f32.weights + 1152ull * 2560ull * 2ull,
	    1675000000ull, 1685000000ull);
	mp_model_fini(&m);
}

/* Fewer bits, a smaller file; the encoder buffer does not depend on it. */
static void
test_types_order(void **state)
{
	static const char *const models[] = { "gemma-3-4b-it",
	    "qwen3-vl-8b-instruct", "llama-4-scout-17b-16e-instruct" };
	struct mp_model m;
	struct mp_mmproj q8, f16, bf16, f32;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(models) / sizeof(models[0]); i++) {
		fx_load_bundled(models[i], &m);
		q8 = proj(&m, "q8_0", 0, true);
		f16 = proj(&m, "f16", 0, true);
		bf16 = proj(&m, "bf16", 0, true);
		f32 = proj(&m, "f32", 0, true);
		assert_true(q8.weights < f16.weights);
		assert_true(f16.weights < f32.weights);
		/* bf16 writes the patch embedding in f32, f16 in f16 */
		assert_true(bf16.weights >= f16.weights);
		assert_int_equal(q8.compute, f16.compute);
		assert_int_equal(q8.n_tensors, f32.n_tensors);
		mp_model_fini(&m);
	}
}

/*
 * Qwen3-VL sizes its buffer for the larger of clip.cpp's warm-up picture
 * (46 x 46 merged patches of 32 pixels: 1472 px) and the picture asked,
 * capped at 4096 merged tokens (2048 px); Gemma 3 resizes every picture
 * to its image_size.  Without flash attention the scores grow with the
 * square of the patches.
 */
static void
test_image_size(void **state)
{
	struct mp_model q, g;
	struct mp_mmproj a, b, c, d;

	(void)state;
	fx_load_bundled("qwen3-vl-8b-instruct", &q);
	a = proj(&q, "f16", 0, true);
	b = proj(&q, "f16", 1000, true);
	c = proj(&q, "f16", 2048, true);
	d = proj(&q, "f16", 9000, true);
	assert_int_equal(a.side, 1472);
	assert_int_equal(a.patches, 92 * 92);
	assert_int_equal(b.side, 1472);
	assert_int_equal(c.side, 2048);
	assert_int_equal(c.patches, 128 * 128);
	assert_int_equal(d.side, 2048);
	assert_true(c.compute > a.compute);
	/* 16384 patches x 16 heads of f32 scores: 16 GiB alone */
	assert_true(proj(&q, "f16", 2048, false).compute >
	    16384ull * 16384ull * 16ull * 4ull);
	fx_load_bundled("gemma-3-4b-it", &g);
	assert_int_equal(proj(&g, "f16", 3000, true).compute,
	    proj(&g, "f16", 0, true).compute);
	assert_int_equal(proj(&g, "f16", 0, true).patches, 64 * 64);
	assert_true(proj(&g, "f16", 0, false).compute >
	    proj(&g, "f16", 0, true).compute);
	mp_model_fini(&q);
	mp_model_fini(&g);
}

/* A text-only model takes no projector; an unknown type is refused. */
static void
test_refusals(void **state)
{
	struct mp_model m;
	struct mp_mmproj p;
	struct mp_error err;

	(void)state;
	fx_load_bundled("llama-3.1-8b-instruct", &m);
	mp_error_clear(&err);
	assert_false(mp_mmproj(&m, "f16", 0, true, &p, &err));
	assert_int_equal(err.status, MP_EUSAGE);
	assert_string_equal(err.field, "--mmproj");
	mp_model_fini(&m);
	fx_load_bundled("gemma-3-4b-it", &m);
	mp_error_clear(&err);
	assert_false(mp_mmproj(&m, "q4_k_m", 0, true, &p, &err));
	assert_int_equal(err.status, MP_EUSAGE);
	mp_model_fini(&m);
}

/* The estimate puts the projector and its buffer on GPU 0. */
static void
test_estimate_adds_projector(void **state)
{
	struct mp_model m;
	struct mp_scenario sc;
	struct mp_estimate a, b;
	struct mp_error err;
	struct mp_mmproj p;

	(void)state;
	fx_load_bundled("gemma-3-4b-it", &m);
	mp_scenario_init(&sc);
	sc.runtime = MP_RT_LLAMACPP;
	sc.runtime_set = true;
	snprintf(sc.ftype, sizeof(sc.ftype), "q4_k_m");
	mp_error_clear(&err);
	assert_true(mp_estimate(&m, &sc, &a, &err));
	snprintf(sc.mmproj, sizeof(sc.mmproj), "f16");
	assert_true(mp_estimate(&m, &sc, &b, &err));
	p = proj(&m, "f16", 0, true);
	assert_int_equal(b.device_total - a.device_total,
	    p.weights + p.compute);
	assert_int_equal(b.host_total, a.host_total);
	assert_int_equal(b.mem.weights - a.mem.weights, p.weights);


	mp_model_fini(&m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gemma3_published_sizes),
		cmocka_unit_test(test_types_order),
		cmocka_unit_test(test_image_size),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_estimate_adds_projector),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
