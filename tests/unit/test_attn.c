/* test_attn.c: transformers' attention implementation (--attn, issue 11) */
/* SPDX-License-Identifier: MIT */
/*
 * Eager attention's score matrix (batch x heads x seq x seq) in the
 * inference and training peaks, exact to the byte from the model's own
 * shape; SDPA and FlashAttention-2 linear in the context; the
 * FlashAttention-2 gate (compute capability 8.0, CUDA or ROCm, fp16 or
 * bf16); the option in the one table, its errors, and the command that
 * carries attn_implementation.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "fixtures.h"

static void
infer(const struct mp_model *m, enum mp_attn at, enum mp_dtype w,
    uint64_t batch, uint64_t seq, struct mp_estimate *est)
{
	struct mp_scenario	 sc;
	struct mp_error		 e;

	mp_scenario_init(&sc);
	sc.attn = at;
	sc.weights = w;
	sc.batch = batch;
	sc.seq = seq;
	if (!mp_estimate(m, &sc, est, &e))
		fail_msg("estimate: %s", e.msg);
}

/*
 * Llama-3.1-8B, eager, bf16, one prompt of 4096 tokens: the attention
 * moment of one layer is what eager_attention_forward holds at
 * softmax(dtype=float32).to(bf16) — the bf16 scores, ATen's fp32 copy
 * of them and the fp32 probabilities (10 bytes a score) — plus the
 * batch x seq x seq bf16 mask, repeat_kv's copies of k and v, and the
 * q/k/v tensors SDPA holds too.  Exact, from the config's shape.
 */
static void
test_attn_eager_infer_exact(void **state)
{
	struct mp_model		 m;
	struct mp_estimate	*est = calloc(1, sizeof(*est));
	uint64_t		 B = 1, S = 4096, T, a = 2, E, qdim, kvdim;
	uint64_t		 want;

	(void)state;
	assert_non_null(est);
	fx_load_bundled("llama-3.1-8b-instruct", &m);
	assert_false(m.eager_attn);	/* sdpa is its default */
	T = B * S;
	E = B * m.heads * S * S;
	qdim = (uint64_t)m.heads * m.head_dim;
	kvdim = (uint64_t)m.kv_heads * m.head_dim;
	infer(&m, MP_ATTN_EAGER, MP_DT_BF16, B, S, est);
	assert_int_equal(est->sc.attn, MP_ATTN_EAGER);
	want = 3 * T * m.hidden * a		/* embeddings, input, residual */
	    + T * (3 * qdim + 4 * kvdim) * a	/* q, k, v, rotated, out */
	    + 2 * T * qdim * a			/* repeat_kv: k and v */
	    + E * (a + 4 + 4)			/* scores, fp32 copy, probs */
	    + B * S * S * a			/* the eager mask */
	    + S * m.rotary_dim * a * 2 + B * S * 8;	/* cos/sin, ids */
	assert_int_equal(est->mem.activations, want);
	/* fp16 on CUDA: softmax upcasts in its kernel (half_to_float), no
	 * fp32 copy; the .to(fp16) copy (2 bytes) is then the worst. */
	infer(&m, MP_ATTN_EAGER, MP_DT_F16, B, S, est);
	assert_int_equal(est->mem.activations, want - E * 2);
	mp_model_fini(&m);
	free(est);
}

/* SDPA (and FlashAttention-2) grow linearly with the context, eager
 * quadratically. */
static void
test_attn_linear_vs_quadratic(void **state)
{
	struct mp_model		 m;
	struct mp_estimate	*est = calloc(1, sizeof(*est));
	uint64_t		 s1, s2, f1, f2, e1, e2;

	(void)state;
	assert_non_null(est);
	fx_load_bundled("llama-3.1-8b-instruct", &m);
	infer(&m, MP_ATTN_SDPA, MP_DT_BF16, 1, 4096, est);
	s1 = est->mem.activations;
	infer(&m, MP_ATTN_SDPA, MP_DT_BF16, 1, 8192, est);
	s2 = est->mem.activations;
	assert_int_equal(s2, 2 * s1);
	infer(&m, MP_ATTN_FLASH2, MP_DT_BF16, 1, 4096, est);
	f1 = est->mem.activations;
	infer(&m, MP_ATTN_FLASH2, MP_DT_BF16, 1, 8192, est);
	f2 = est->mem.activations;
	assert_int_equal(f1, s1);
	assert_int_equal(f2, s2);
	infer(&m, MP_ATTN_EAGER, MP_DT_BF16, 1, 4096, est);
	e1 = est->mem.activations;
	infer(&m, MP_ATTN_EAGER, MP_DT_BF16, 1, 8192, est);
	e2 = est->mem.activations;
	assert_true(e1 > s1 * 10);
	assert_true(e2 > 3 * e1);	/* the S^2 term dominates */
	mp_model_fini(&m);
	free(est);
}

static void
train(const struct mp_model *m, enum mp_attn at, bool ckpt, uint64_t seq,
    struct mp_estimate *est)
{
	struct mp_scenario	 sc;
	struct mp_error		 e;

	mp_scenario_init(&sc);
	sc.mode = MP_MODE_LORA;
	sc.weights = MP_DT_BF16;
	sc.attn = at;
	sc.seq = seq;
	sc.grad_ckpt = ckpt;
	if (!mp_estimate(m, &sc, est, &e))
		fail_msg("estimate: %s", e.msg);
}

/*
 * LoRA on Llama-3.2-1B at 1024 tokens, without checkpointing: per layer
 * and token, eager saves q, repeated k and repeated v for its two
 * matmuls and, per head, a row of fp32 probabilities (softmax's output)
 * plus their bf16 copy (the second matmul's input); SDPA saves q, k, v,
 * its output and the fp32 logsumexp.  attention_dropout > 0 adds
 * dropout's bool mask: one byte a score.
 */
static void
test_attn_eager_train_exact(void **state)
{
	struct mp_model		 m;
	struct mp_estimate	*est = calloc(1, sizeof(*est));
	uint64_t		 S = 1024, a = 2, nh, nkv, hd, eager, sdpa;
	uint64_t		 acts_s, acts_e;

	(void)state;
	assert_non_null(est);
	fx_load_bundled("llama-3.2-1b-instruct", &m);
	nh = m.heads;
	nkv = m.kv_heads;
	hd = m.head_dim;
	train(&m, MP_ATTN_SDPA, false, S, est);
	acts_s = est->mem.activations;
	train(&m, MP_ATTN_EAGER, false, S, est);
	acts_e = est->mem.activations;
	eager = 3 * a * nh * hd + (4 + a) * nh * S;
	sdpa = a * (nh + 2 * nkv) * hd + a * nh * hd + 4 * nh;
	assert_int_equal(acts_e - acts_s, (uint64_t)m.layers * S *
	    (eager - sdpa));
	/* attention_dropout = 0.1: native_dropout's mask, 1 byte a score */
	m.attn_dropout = 0.1;
	train(&m, MP_ATTN_EAGER, false, S, est);
	assert_int_equal(est->mem.activations - acts_e,
	    (uint64_t)m.layers * nh * S * S);
	m.attn_dropout = 0;
	/* checkpointing keeps the float mask alive through backward */
	train(&m, MP_ATTN_SDPA, true, S, est);
	acts_s = est->mem.activations;
	train(&m, MP_ATTN_EAGER, true, S, est);
	assert_true(est->mem.activations >= acts_s + S * S * a);
	mp_model_fini(&m);
	free(est);
}

static void
place(const struct mp_model *m, const char *hwname, enum mp_attn at,
    enum mp_dtype w, struct mp_estimate *est, struct mp_judgement *j)
{
	struct mp_hardware	 hw;
	struct mp_scenario	 sc;
	struct mp_error		 e;

	if (!mp_hardware_load(hwname, &hw, &e))
		fail_msg("%s: %s", hwname, e.msg);
	mp_scenario_init(&sc);
	sc.attn = at;
	sc.weights = w;
	sc.seq = 2048;
	if (!mp_place(m, &hw, &sc, est, j, &e))
		fail_msg("place on %s: %s", hwname, e.msg);
}

/* FlashAttention-2: sm80+ CUDA or a ROCm card that has it, in 16 bits. */
static void
test_attn_flash2_gate(void **state)
{
	struct mp_model		 m;
	struct mp_estimate	*est = calloc(1, sizeof(*est));
	struct mp_judgement	 j;

	(void)state;
	assert_non_null(est);
	fx_load_bundled("qwen2.5-1.5b", &m);
	place(&m, "t4", MP_ATTN_FLASH2, MP_DT_NONE, est, &j);
	assert_int_equal(j.verdict, MP_VERDICT_UNSUPPORTED);
	assert_false(j.fits);
	assert_non_null(strstr(j.reason, "compute capability 8.0"));
	assert_non_null(strstr(j.reason, "7.5"));
	/* the same scenario with SDPA runs there */
	place(&m, "t4", MP_ATTN_SDPA, MP_DT_NONE, est, &j);
	assert_int_not_equal(j.verdict, MP_VERDICT_UNSUPPORTED);
	place(&m, "h100-80gb", MP_ATTN_FLASH2, MP_DT_NONE, est, &j);
	assert_int_equal(j.verdict, MP_VERDICT_FITS);
	assert_non_null(strstr(est->command,
	    "attn_implementation=\"flash_attention_2\""));
	place(&m, "mi300x", MP_ATTN_FLASH2, MP_DT_NONE, est, &j);
	assert_int_not_equal(j.verdict, MP_VERDICT_UNSUPPORTED);
	place(&m, "m4-16gb", MP_ATTN_FLASH2, MP_DT_NONE, est, &j);
	assert_int_equal(j.verdict, MP_VERDICT_UNSUPPORTED);
	assert_non_null(strstr(j.reason, "CUDA or ROCm"));
	place(&m, "workstation-16gb", MP_ATTN_FLASH2, MP_DT_NONE, est, &j);
	assert_int_equal(j.verdict, MP_VERDICT_UNSUPPORTED);
	/* fp32 compute: flash-attn takes fp16 and bf16 only */
	place(&m, "h100-80gb", MP_ATTN_FLASH2, MP_DT_F32, est, &j);
	assert_int_equal(j.verdict, MP_VERDICT_UNSUPPORTED);
	assert_non_null(strstr(j.reason, "fp16 or bf16"));
	/* the default (sdpa) says nothing in the command */
	place(&m, "h100-80gb", MP_ATTN_DEFAULT, MP_DT_NONE, est, &j);
	assert_int_equal(est->sc.attn, MP_ATTN_SDPA);
	assert_null(strstr(est->command, "attn_implementation"));
	mp_model_fini(&m);
	free(est);
}

/*
 * SDPA with grouped-query attention where no fused kernel takes it: on
 * a T4 (7.5) PyTorch's flash kernel is out (sm80+) and the
 * memory-efficient one refuses enable_gqa, so the math kernel builds
 * the fp32 scores and softmax (8 bytes a score) beside fp32 q and
 * repeated k, v.  On an H100 the flash kernel runs: linear.  A model
 * without GQA (pythia: 12/12 heads) keeps the memory-efficient kernel
 * on the T4.
 */
static void
test_attn_sdpa_math_fallback(void **state)
{
	struct mp_model		 m, p;
	struct mp_estimate	*est = calloc(1, sizeof(*est));
	struct mp_judgement	 j;
	uint64_t		 S = 2048, T = 2048, a = 2, E, qdim, kvdim;
	uint64_t		 want, h100;

	(void)state;
	assert_non_null(est);
	fx_load_bundled("llama-3.1-8b-instruct", &m);
	E = (uint64_t)m.heads * S * S;
	qdim = (uint64_t)m.heads * m.head_dim;
	kvdim = (uint64_t)m.kv_heads * m.head_dim;
	place(&m, "t4", MP_ATTN_DEFAULT, MP_DT_NONE, est, &j);
	assert_int_equal(est->sc.weights, MP_DT_F16);
	want = 3 * T * m.hidden * a + T * (3 * qdim + 4 * kvdim) * a +
	    3 * T * qdim * 4 + E * 8 +
	    S * m.rotary_dim * a * 2 + S * 8;
	assert_int_equal(est->mem.activations, want);
	place(&m, "h100-80gb", MP_ATTN_DEFAULT, MP_DT_F16, est, &j);
	h100 = est->mem.activations;
	assert_true(h100 < E * 2);	/* no 8-byte score matrix */
	mp_model_fini(&m);
	/* LoRA on Llama-3.2-1B at 1024 tokens in fp16: per layer and
	 * token the math kernel keeps fp32 q, repeated k and v and a row
	 * of fp32 probabilities per head, where the flash kernel keeps
	 * q, k, v, its output and the logsumexp. */
	{
		struct mp_hardware	 hw;
		struct mp_scenario	 sc;
		struct mp_error		 e;
		uint64_t		 t4, nh, nkv, hd, L = 1024;

		fx_load_bundled("llama-3.2-1b-instruct", &m);
		nh = m.heads;
		nkv = m.kv_heads;
		hd = m.head_dim;
		mp_scenario_init(&sc);
		sc.mode = MP_MODE_LORA;
		sc.weights = MP_DT_F16;
		sc.seq = L;
		assert_true(mp_hardware_load("t4", &hw, &e));
		assert_true(mp_place(&m, &hw, &sc, est, &j, &e));
		t4 = est->mem.activations;
		assert_true(mp_hardware_load("h100-80gb", &hw, &e));
		assert_true(mp_place(&m, &hw, &sc, est, &j, &e));
		assert_int_equal(t4 - est->mem.activations,
		    (uint64_t)m.layers * L * ((12 * nh * hd + 4 * nh * L) -
		    (a * (nh + 2 * nkv) * hd + a * nh * hd + 4 * nh)));
		mp_model_fini(&m);
	}
	fx_load_bundled("pythia-160m", &p);
	place(&p, "t4", MP_ATTN_DEFAULT, MP_DT_F16, est, &j);
	h100 = est->mem.activations;
	place(&p, "h100-80gb", MP_ATTN_DEFAULT, MP_DT_F16, est, &j);
	assert_int_equal(est->mem.activations, h100);
	mp_model_fini(&p);
	free(est);
}

/* One option table: names, the plan-file key, the runtime it needs. */
static void
test_attn_option(void **state)
{
	const struct mp_optspec	*o = mp_option_by_id(MP_O_ATTN);
	struct mp_scenario	 sc;
	struct mp_model		 m;
	struct mp_estimate	*est = calloc(1, sizeof(*est));
	struct mp_error		 e;
	char			 why[256];
	bool			 known;

	(void)state;
	assert_non_null(est);
	assert_non_null(o);
	assert_string_equal(o->cli, "attn");
	assert_string_equal(o->file, "attn");
	mp_scenario_init(&sc);
	assert_false(mp_option_set(o, "bogus", &sc, why, sizeof(why)));
	assert_non_null(strstr(why, "expected sdpa, eager or flash2"));
	assert_int_equal(sc.attn, MP_ATTN_DEFAULT);
	assert_true(mp_plan_set_option(&sc, "attn", "flash2", &known, why,
	    sizeof(why)));
	assert_true(known);
	assert_int_equal(sc.attn, MP_ATTN_FLASH2);
	sc.runtime = MP_RT_VLLM;
	assert_int_equal(mp_option_unused(&sc, 0, true, why, sizeof(why)),
	    MP_O_ATTN);
	/* gpt-oss has no SDPA path: --attn sdpa is refused, eager is its
	 * default */
	fx_load_bundled("gpt-oss-20b", &m);
	mp_scenario_init(&sc);
	sc.attn = MP_ATTN_SDPA;
	mp_error_clear(&e);
	assert_false(mp_estimate(&m, &sc, est, &e));
	assert_non_null(strstr(e.msg, "use --attn eager"));
	mp_scenario_init(&sc);
	assert_true(mp_estimate(&m, &sc, est, &e));
	assert_int_equal(est->sc.attn, MP_ATTN_EAGER);
	mp_model_fini(&m);
	free(est);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_attn_eager_infer_exact),
		cmocka_unit_test(test_attn_linear_vs_quadratic),
		cmocka_unit_test(test_attn_eager_train_exact),
		cmocka_unit_test(test_attn_flash2_gate),
		cmocka_unit_test(test_attn_sdpa_math_fallback),
		cmocka_unit_test(test_attn_option),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
