/* test_train.c: LoRA counting rules, optimizer state, training peaks */
/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "fixtures.h"

/*
 * Measured with peft 0.21 / transformers 5.17 / PyTorch 2.11 on an H100
 * (../shared/groundtruth/measurements.jsonl, copied facts): trainable
 * parameters of LoraConfig(r=16, target_modules="all-linear").
 */
static const struct {
	const char	*name;
	uint64_t	 trainable;
} lora16[] = {
	{ "qwen2.5-7b-instruct", 40370176ULL },	/* the seed */
	{ "pythia-160m", 2359296ULL },		/* fused qkv, GELU MLP */
	{ "llama-3.2-1b-instruct", 11272192ULL },	/* GQA, tied head */
	{ "phi-3-mini-4k-instruct", 25165824ULL },	/* fused qkv/gate_up */
	{ "qwen3-8b", 43646976ULL },
	{ "deepseek-v2-lite", 358994944ULL },	/* MLA, v5 MoE conversion */
	{ "qwen3-30b-a3b", 996507648ULL },	/* experts at rank 2r/r */
};

static void
lora_scenario(struct mp_scenario *sc, const struct mp_model *m,
    enum mp_mode mode, uint64_t batch, uint64_t seq, bool ckpt)
{
	struct mp_error e;

	mp_scenario_init(sc);
	sc->mode = mode;
	sc->weights = MP_DT_BF16;
	sc->batch = batch;
	sc->seq = seq;
	sc->grad_ckpt = ckpt;
	if (!mp_scenario_resolve(sc, m, &e))
		fail_msg("resolve: %s", e.msg);
}

static void
run(const struct mp_model *m, const struct mp_scenario *sc,
    struct mp_estimate *est)
{
	struct mp_error e;

	memset(est, 0, sizeof(*est));
	if (!mp_estimate_train(m, sc, est, &e))
		fail_msg("%s: %s: %s", m->name, e.field, e.msg);
}

static uint64_t
count(const struct mp_model *m, const char *targets, uint32_t r)
{
	struct mp_lora	lo;
	struct mp_error	e;
	uint64_t	n;

	if (!mp_lora_plan(m, targets, r, &lo, &e))
		fail_msg("%s %s: %s", m->name, targets, e.msg);
	n = lo.trainable;
	mp_lora_fini(&lo);
	return n;
}

static void
test_lora_all_linear_counts_match_peft(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(lora16) / sizeof(lora16[0]); i++) {
		struct mp_model m;
		uint64_t n;

		fx_load_bundled(lora16[i].name, &m);
		n = count(&m, "all-linear", 16);
		if (n != lora16[i].trainable)
			fail_msg("%s: %llu, peft creates %llu", lora16[i].name,
			    (unsigned long long)n,
			    (unsigned long long)lora16[i].trainable);
		/* "" is the default: all-linear */
		assert_int_equal(count(&m, "", 16), n);
		mp_model_fini(&m);
	}
}

static void
test_lora_named_targets(void **state)
{
	struct mp_model m;
	/* Qwen2.5-7B: hidden 3584, 28 heads x 128, 4 KV heads x 128 */
	const uint64_t h = 3584, q = 3584, kv = 512, layers = 28;

	(void)state;
	fx_load_bundled("qwen2.5-7b-instruct", &m);
	/* q_proj and v_proj: r * (in + out) per module */
	assert_int_equal(count(&m, "q_proj,v_proj", 16),
	    layers * 16 * ((h + q) + (h + kv)));
	/* the short names mean the same modules */
	assert_int_equal(count(&m, "q,v", 16), count(&m, "q_proj,v_proj", 16));
	/* attn: q, k, v, o */
	assert_int_equal(count(&m, "attn", 16),
	    layers * 16 * ((h + q) + 2 * (h + kv) + (q + h)));
	/* attn + mlp = all-linear on a dense model */
	assert_int_equal(count(&m, "attn,mlp", 16),
	    count(&m, "all-linear", 16));
	/* LoRA parameters are linear in the rank */
	assert_int_equal(2 * count(&m, "all-linear", 8),
	    count(&m, "all-linear", 16));
	mp_model_fini(&m);
}

static void
test_lora_moe_experts_fuse_gate_and_up(void **state)
{
	struct mp_model	m;
	struct mp_lora	lo;
	struct mp_error	e;
	/* Qwen3-30B-A3B: 48 layers, 128 experts of 768, hidden 2048 */
	const uint64_t	 E = 128, I = 768, H = 2048, L = 48;

	(void)state;
	fx_load_bundled("qwen3-30b-a3b", &m);
	/* gate_up_proj at rank 2r, down_proj at rank r (ParamWrapper) */
	assert_int_equal(count(&m, "gate_proj,up_proj,down_proj", 16),
	    L * (2 * 16 * E * (H + 2 * I) + 16 * E * (I + H)));
	/* the router weight ("gate") as a 2-D parameter */
	assert_int_equal(count(&m, "gate", 16), L * 16 * (H + E));
	/* half of a fused parameter cannot be adapted */
	assert_false(mp_lora_plan(&m, "gate_proj", 16, &lo, &e));
	assert_int_equal(e.status, MP_EUSAGE);
	assert_non_null(strstr(e.msg, "up_proj"));
	mp_model_fini(&m);
}

static void
test_lora_bad_input(void **state)
{
	struct mp_model	m;
	struct mp_lora	lo;
	struct mp_error	e;

	(void)state;
	fx_load_bundled("llama-3.2-1b-instruct", &m);
	assert_false(mp_lora_plan(&m, "all-linear", 0, &lo, &e));
	assert_int_equal(e.status, MP_EUSAGE);
	assert_string_equal(e.field, "--rank");
	assert_false(mp_lora_plan(&m, "all-linear", 4096, &lo, &e));
	assert_string_equal(e.field, "--rank");
	/* an unknown module names the ones that exist */
	assert_false(mp_lora_plan(&m, "q_proj,qkv_proj", 16, &lo, &e));
	assert_string_equal(e.field, "--lora-targets");
	assert_non_null(strstr(e.msg, "qkv_proj"));
	assert_non_null(strstr(e.msg, "o_proj"));
	assert_non_null(strstr(e.msg, "gate_proj"));
	/* lm_head is not a LoRA target of all-linear, nor by name */
	assert_false(mp_lora_plan(&m, "lm_head", 16, &lo, &e));
	mp_model_fini(&m);
}

static void
test_train_bad_scenarios(void **state)
{
	struct mp_model		 m;
	struct mp_scenario	 sc;
	struct mp_estimate	*est = calloc(1, sizeof(*est));
	struct mp_error		 e;

	(void)state;
	assert_non_null(est);
	fx_load_bundled("qwen2.5-0.5b", &m);
	/* --amp on a 4-bit base */
	lora_scenario(&sc, &m, MP_MODE_QLORA, 1, 512, false);
	sc.amp = MP_DT_BF16;
	assert_false(mp_estimate_train(&m, &sc, est, &e));
	assert_string_equal(e.field, "--amp");
	/* full fine-tuning on quantized weights */
	lora_scenario(&sc, &m, MP_MODE_FULL, 1, 512, false);
	sc.weights = MP_DT_NF4;
	assert_false(mp_estimate_train(&m, &sc, est, &e));
	assert_int_equal(e.status, MP_EUSAGE);
	/* unknown target through the estimate */
	lora_scenario(&sc, &m, MP_MODE_LORA, 1, 512, false);
	strcpy(sc.lora_targets, "query_key_value");
	assert_false(mp_estimate_train(&m, &sc, est, &e));
	assert_string_equal(e.field, "--lora-targets");
	mp_model_fini(&m);
	/* eager attention scores at 2^30 tokens overflow 64-bit bytes:
	 * an error, not a saturated total */
	fx_load_bundled("gemma-2-9b-it", &m);
	lora_scenario(&sc, &m, MP_MODE_LORA, 64, 1ULL << 30, false);
	assert_false(mp_estimate_train(&m, &sc, est, &e));
	assert_int_equal(e.status, MP_ERANGE);
	free(est);
	mp_model_fini(&m);
}

static void
test_optimizer_state_sizes(void **state)
{
	struct mp_model		 m;
	struct mp_scenario	 sc;
	struct mp_estimate	*est = calloc(1, sizeof(*est));
	uint64_t		 adamw, a8, sgd, ada;

	(void)state;
	assert_non_null(est);
	fx_load_bundled("qwen2.5-7b-instruct", &m);
	/* LoRA + AdamW: two fp32 moments per adapter parameter and a
	 * 4-byte step per adapter tensor (measured 322,962,976 bytes) */
	lora_scenario(&sc, &m, MP_MODE_LORA, 1, 2048, false);
	run(&m, &sc, est);
	assert_int_equal(est->trainable_params, 40370176ULL);
	assert_int_equal(est->mem.optimizer, 322962976ULL);
	assert_int_equal(est->mem.adapters, 4ULL * 40370176ULL);
	mp_model_fini(&m);

	fx_load_bundled("llama-3.2-1b-instruct", &m);
	lora_scenario(&sc, &m, MP_MODE_FULL, 1, 1024, false);
	run(&m, &sc, est);
	/* bf16 moments: 4 bytes per parameter (+ steps); measured
	 * 4,943,258,184 */
	adamw = est->mem.optimizer;
	assert_true(adamw >= 4ULL * m.params && adamw < 4ULL * m.params +
	    4096);
	assert_int_equal(est->trainable_params, m.params);
	sc.optimizer = MP_OPT_ADAMW8BIT;
	run(&m, &sc, est);
	a8 = est->mem.optimizer;
	/* two bytes per parameter plus fp32 absmax per 256 */
	assert_true(a8 > 2ULL * m.params && a8 < 2ULL * m.params * 102 / 100);
	sc.optimizer = MP_OPT_SGD;
	run(&m, &sc, est);
	sgd = est->mem.optimizer;
	assert_int_equal(sgd, 0);
	sc.optimizer = MP_OPT_ADAFACTOR;
	run(&m, &sc, est);
	ada = est->mem.optimizer;
	/* factored: rows + columns, far below one value per parameter */
	assert_true(ada > 0 && ada < m.params / 100);
	free(est);
	mp_model_fini(&m);
}

/* Within pct percent of a measured peak (total - runtime). */
static void
assert_peak(const struct mp_estimate *est, uint64_t measured, double pct)
{
	double got = (double)(est->mem.total - est->mem.runtime);
	double err = 100.0 * (got - (double)measured) / (double)measured;

	if (err > pct || err < -pct)
		fail_msg("peak %.0f vs measured %llu: %+.2f%%", got,
		    (unsigned long long)measured, err);
}

static void
test_checkpointing_and_measured_peaks(void **state)
{
	struct mp_model		 m;
	struct mp_scenario	 sc;
	struct mp_estimate	*est = calloc(1, sizeof(*est));
	uint64_t		 plain, ckpt, acts;

	(void)state;
	assert_non_null(est);
	fx_load_bundled("qwen2.5-7b-instruct", &m);
	lora_scenario(&sc, &m, MP_MODE_LORA, 1, 2048, false);
	run(&m, &sc, est);
	plain = est->mem.total;
	acts = est->mem.activations;
	/* measured peak_total - init_extra_bytes, H100 */
	assert_peak(est, 38005604864ULL, 5.0);
	/* the fp32 loss: 3 x 4 bytes per logit */
	assert_int_equal(est->mem.logits, 12ULL * 2048 * 152064);
	sc.grad_ckpt = true;
	run(&m, &sc, est);
	ckpt = est->mem.total;
	assert_true(ckpt < plain);
	assert_true(est->mem.activations < acts);
	assert_peak(est, 19988402688ULL, 5.0);
	/* components sum to the total */
	assert_int_equal(est->mem.weights + est->mem.kv_cache +
	    est->mem.activations + est->mem.logits + est->mem.gradients +
	    est->mem.optimizer + est->mem.adapters + est->mem.runtime,
	    est->mem.total);
	/* QLoRA: a 4-bit base is far smaller than the bf16 one */
	sc.mode = MP_MODE_QLORA;
	run(&m, &sc, est);
	assert_int_equal(est->trainable_params, 40370176ULL);
	assert_true(est->mem.weights < 6ULL << 30);
	assert_true(est->mem.total < ckpt);
	mp_model_fini(&m);

	/* full bf16 fine-tuning peaks at the optimizer step, so
	 * checkpointing does not move it (both measured 12,430,505,984) */
	fx_load_bundled("llama-3.2-1b-instruct", &m);
	lora_scenario(&sc, &m, MP_MODE_FULL, 1, 1024, false);
	run(&m, &sc, est);
	assert_peak(est, 12430505984ULL, 5.0);
	plain = est->mem.total;
	sc.grad_ckpt = true;
	run(&m, &sc, est);
	assert_int_equal(est->mem.total, plain);
	/* fp32 master weights under bf16 autocast: 24,783,407,104 */
	sc.weights = MP_DT_F32;
	sc.amp = MP_DT_BF16;
	sc.grad_ckpt = false;
	run(&m, &sc, est);
	assert_peak(est, 24783407104ULL, 5.0);
	assert_int_equal(est->mem.gradients, 4ULL * m.params);
	free(est);
	mp_model_fini(&m);
}

/*
 * gpt-oss's eager attention with sinks and its frozen routed experts,
 * counted by hand from transformers 5.17 (modular_gpt_oss.py,
 * integrations/moe.py) for gpt-oss-20b (H 2880, 64/8 heads x 64, expert
 * width I 2880, top-4 of 32), LoRA all-linear (q, k, v, o), bf16,
 * batch 1 x 2048 without checkpointing.  Bytes per token, layer 0:
 *   two RMSNorms' fp32 input copies         2 x 4 x 2880       23,040
 *   lora_A fp32 input copies q, k, v, o     4 x (3 x 2880 + 4096) 50,944
 *   q, repeated k, repeated v (bf16)        3 x 2 x 64 x 64    24,576
 *   softmax output over 2048 + 1 columns    2 x 64 x 2049     262,272
 *   max(dim) int64 indices                  8 x 64                512
 *   top-k router: indices and softmax       4 x (8 + 2)            40
 *   experts: 6I gate + H output per sample  4 x 2 x 7 x 2880  161,280
 *   routing weights and three index tensors 4 x (2 + 24)          104
 * = 522,768 (memplan before this model: 1,029,120, fp32 softmax + copy).
 */
/* PyTorch's caching-allocator rules (CUDACachingAllocator.cpp constants)
 * and the reserve a training peak gets from them. */
static void
test_allocator_reserve(void **state)
{
	struct mp_model		 m;
	struct mp_scenario	 sc;
	struct mp_estimate	*est = calloc(1, sizeof(*est));
	uint64_t		 MiB = 1ULL << 20, blk, seg;

	(void)state;
	assert_non_null(est);
	assert_int_equal(mp_alloc_block(1), 512);
	assert_int_equal(mp_alloc_block(513), 1024);
	assert_int_equal(mp_alloc_segment(MiB), 2 * MiB);	/* small pool */
	assert_int_equal(mp_alloc_segment(MiB + 1), 20 * MiB);
	assert_int_equal(mp_alloc_segment(10 * MiB), 10 * MiB);
	assert_int_equal(mp_alloc_segment(10 * MiB + 1), 12 * MiB);
	assert_int_equal(mp_alloc_reserved(100, 0, false), 100);
	assert_int_equal(mp_alloc_reserved(100, 30 * MiB, true), 100 + 20 * MiB);
	/* qwen3-30b-a3b LoRA b4 x 1024, checkpointing: the peak is the start
	 * of backward, whose largest request is one fp32 loss block of
	 * 4096 x 151936 x 4 bytes; one such segment is the reserve */
	fx_load_bundled("qwen3-30b-a3b", &m);
	lora_scenario(&sc, &m, MP_MODE_LORA, 4, 1024, true);
	run(&m, &sc, est);
	blk = 4096ULL * 151936 * 4;
	seg = (blk + 2 * MiB - 1) / (2 * MiB) * (2 * MiB);
	assert_int_equal(est->mem.largest_block, blk);
	assert_int_equal(est->mem.reserved, est->mem.total + seg);
	sc.expandable_segments = true;
	run(&m, &sc, est);
	assert_int_equal(est->mem.reserved, est->mem.total + 20 * MiB);
	free(est);
	mp_model_fini(&m);
}

static void
test_eager_sinks_and_frozen_experts(void **state)
{
	struct mp_model		 m;
	struct mp_scenario	 sc;
	struct mp_estimate	*est = calloc(1, sizeof(*est));
	uint64_t		 per = 522768ULL, ws = 64ULL << 20;

	(void)state;
	assert_non_null(est);
	fx_load_bundled("gpt-oss-20b", &m);
	assert_true(m.eager_attn);
	lora_scenario(&sc, &m, MP_MODE_LORA, 1, 2048, false);
	run(&m, &sc, est);
	/* 24 layers x 2048 tokens, the final norm's fp32 copy, cuBLAS */
	assert_int_equal(est->mem.activations,
	    24ULL * 2048 * per + 2048ULL * 4 * 2880 + ws);
	/* the scores grow with seq + 1 per token: seq 4096 adds exactly
	 * 2 x 64 x 2048 per token on top of twice the tokens */
	sc.seq = 4096;
	run(&m, &sc, est);
	assert_int_equal(est->mem.activations, 24ULL * 4096 *
	    (per + 2ULL * 64 * 2048) + 4096ULL * 4 * 2880 + ws);
	free(est);
	mp_model_fini(&m);
}

static void
test_parallel_shards_model_states(void **state)
{
	struct mp_model		 m;
	struct mp_scenario	 sc;
	struct mp_estimate	*est = calloc(1, sizeof(*est));
	uint64_t		 z1, z3, P;

	(void)state;
	assert_non_null(est);
	fx_load_bundled("llama-3.2-1b-instruct", &m);
	lora_scenario(&sc, &m, MP_MODE_FULL, 1, 1024, false);
	sc.gpus = 4;
	sc.parallel = MP_PAR_ZERO1;
	run(&m, &sc, est);
	P = est->trainable_params;
	z1 = est->mem.total;
	/* DeepSpeed's fp32 master and moments of this GPU's quarter */
	assert_int_equal(est->mem.optimizer, (12 * P + 3) / 4);
	assert_int_equal(est->mem.weights, 2 * P);
	assert_int_equal(est->device_total, 4 * est->mem.total);
	sc.parallel = MP_PAR_ZERO3;
	run(&m, &sc, est);
	z3 = est->mem.total;
	assert_int_equal(est->mem.weights, (2 * P + 3) / 4);
	assert_true(z3 < z1);
	/* FSDP shards the AdamW state of the bf16 parameters as it is */
	sc.parallel = MP_PAR_FSDP;
	run(&m, &sc, est);
	assert_true(est->mem.total < z1);
	/* offload: nothing of the optimizer left on the GPU, the host holds
	 * it (each GPU's share, times the GPUs of the node) */
	sc.parallel = MP_PAR_ZERO2;
	sc.offload = MP_OFFLOAD_CPU;
	run(&m, &sc, est);
	assert_int_equal(est->mem.optimizer, 0);
	assert_int_equal(est->host_total, 4 * ((12 * P + 3) / 4 +
	    (4 * P + 3) / 4));
	/* ZeRO needs DeepSpeed's Adam */
	{
		struct mp_error e;

		sc.optimizer = MP_OPT_ADAMW8BIT;
		memset(est, 0, sizeof(*est));
		assert_false(mp_estimate_train(&m, &sc, est, &e));
		assert_string_equal(e.field, "--optimizer");
	}
	free(est);
	mp_model_fini(&m);
}

/*
 * FSDP1 and FSDP2 (parallel.c, from PyTorch's fsdp sources): both keep
 * two layers unsharded and the root unit (what is outside the decoder
 * layers) from forward to the end of backward; FSDP1 reduce-scatters the
 * layer's flat gradient as it is, FSDP2 copies the layer's gradients into
 * a reduce-scatter input first (two gradients).  SHARD_GRAD_OP keeps
 * every parameter unsharded.
 */
static void
test_fsdp_versions(void **state)
{
	struct mp_states_in	 in;
	struct mp_states	 st;
	uint64_t		 L = 400000000ULL, G = 30000000ULL;
	uint64_t		 R = 1000000000ULL;
	char			 cmd[512];
	struct mp_scenario	 sc;

	(void)state;
	memset(&in, 0, sizeof(in));
	in.par = MP_PAR_FSDP;
	in.ranks = in.per_node = 4;
	in.weights = 16 * L + R;
	in.all_bytes = 16 * L + R;
	in.adapters = 16 * G;
	in.layer_bytes = L;
	in.layer_grad = G;
	in.root_bytes = R;
	mp_parallel_states(&in, &st);
	assert_int_equal(st.gathered, 2 * L + G + R);
	assert_int_equal(st.root, R);
	assert_int_equal(st.weights, (16 * L + R) / 4);
	in.fsdp_version = 2;
	mp_parallel_states(&in, &st);
	assert_int_equal(st.gathered, 2 * L + 2 * G + R);
	in.par = MP_PAR_FSDP_SGO;
	mp_parallel_states(&in, &st);
	assert_int_equal(st.gathered, 16 * L + R + 16 * G);

	/* accelerate's launch flags of each implementation */
	mp_scenario_init(&sc);
	sc.gpus = 8;
	sc.nodes = 2;
	sc.parallel = MP_PAR_FSDP_HYBRID;
	mp_parallel_command(&sc, cmd, sizeof(cmd));
	assert_non_null(strstr(cmd, "--num_processes 16 --num_machines 2 "
	    "--use_fsdp --fsdp_sharding_strategy HYBRID_SHARD"));
	sc.fsdp_version = 2;
	mp_parallel_command(&sc, cmd, sizeof(cmd));
	assert_non_null(strstr(cmd, "--fsdp_version 2 "
	    "--fsdp_reshard_after_forward true --use_parallelism_config "
	    "--parallelism_config_dp_replicate_size 2 "
	    "--parallelism_config_dp_shard_size 8"));
	assert_null(strstr(cmd, "sharding_strategy"));
	sc.parallel = MP_PAR_FSDP_SGO;
	mp_parallel_command(&sc, cmd, sizeof(cmd));
	assert_non_null(strstr(cmd, "--fsdp_reshard_after_forward false "
	    "--fsdp_auto_wrap_policy"));
	/* HF's "auto" ZeRO buckets: the config file names them */
	sc.parallel = MP_PAR_ZERO3;
	sc.ds_hf_auto = true;
	mp_parallel_command(&sc, cmd, sizeof(cmd));
	assert_non_null(strstr(cmd, "--deepspeed_config_file ds_config.json"));
	assert_true(mp_parallel_config(&sc, cmd, sizeof(cmd)));
	assert_non_null(strstr(cmd, "\"stage\": 3"));
	assert_non_null(strstr(cmd, "\"stage3_prefetch_bucket_size\": "
	    "\"auto\""));

	/* ZeRO buckets: DeepSpeed's 5e8 / 5e7, or hidden^2 / 0.9 hidden^2 */
	memset(&in, 0, sizeof(in));
	in.par = MP_PAR_ZERO3;
	in.ranks = in.per_node = 8;
	in.full = true;
	in.compute_bytes = 2;
	in.trainable = 8000000000ULL;
	in.layer_params = 200000000ULL;
	in.layer_bytes = 400000000ULL;
	in.hidden = 4096;
	mp_parallel_states(&in, &st);
	assert_int_equal(st.buffers, 2 * 500000000ULL);
	assert_int_equal(st.gathered, 2 * (200000000ULL + 50000000ULL));
	in.ds_hf_auto = true;
	mp_parallel_states(&in, &st);
	assert_int_equal(st.buffers, 2ULL * 4096 * 4096);
	assert_int_equal(st.gathered, 2 * (200000000ULL +
	    4096ULL * 4096 * 9 / 10));
}

/*
 * The estimate: the root unit is the bytes of the tensors outside the
 * layers; FSDP with --amp is accelerate's FSDP mixed precision: the bf16
 * checkpoint's trainable weights become fp32 shards (4 bytes per
 * parameter over the GPUs, gradients and AdamW moments in fp32 too),
 * layers are gathered in bf16 and autocast keeps no weight copies;
 * --fsdp-version without FSDP is a usage error.
 */
static void
test_fsdp_estimate(void **state)
{
	struct mp_model		 m;
	struct mp_scenario	 sc;
	struct mp_estimate	*est = calloc(1, sizeof(*est));
	struct mp_error		 e;
	uint64_t		 P, root = 0, g1, g2;
	size_t			 i;

	(void)state;
	assert_non_null(est);
	fx_load_bundled("llama-3.2-1b-instruct", &m);
	for (i = 0; i < m.n_tensors; i++)
		if (m.tensors[i].layer < 0 &&
		    !(m.tensors[i].flags & MP_TF_BUFFER))
			root += 2 * mp_tensor_numel(&m.tensors[i]);
	lora_scenario(&sc, &m, MP_MODE_FULL, 1, 1024, true);
	sc.gpus = 4;
	sc.parallel = MP_PAR_FSDP;
	run(&m, &sc, est);
	P = est->trainable_params;
	/* a quarter of the bf16 weights and of the fp32 rotary buffers */
	assert_in_range(est->mem.weights - (2 * P + 3) / 4, 0, 256);
	g1 = est->mem.activations;
	sc.fsdp_version = 2;
	run(&m, &sc, est);
	g2 = est->mem.activations;
	/* one more layer gradient in bf16: the reduce-scatter input */
	assert_true(g2 > g1);
	assert_true(g2 - g1 < 2 * P / m.layers);
	{
		bool seen = false;

		for (i = 0; i < est->n_notes; i++)
			if (strstr(est->notes[i].text, "root unit") != NULL) {
				size_t k;

				for (k = 0; k < est->notes[i].n_values; k++)
					if (strcmp(est->notes[i].values[k].key,
					    "root") == 0) {
						assert_int_equal(est->notes[i].
						    values[k].u, root);
						seen = true;
					}
			}
		assert_true(seen);
	}
	/* accelerate's FSDP mixed precision */
	sc.fsdp_version = 0;
	sc.amp = MP_DT_BF16;
	run(&m, &sc, est);
	assert_in_range(est->mem.weights - (4 * P + 3) / 4, 0, 256);
	for (i = 0; i < est->n_notes; i++)
		assert_null(strstr(est->notes[i].text, "autocast keeps"));
	/* the same step without FSDP is autocast over fp32 masters */
	sc.parallel = MP_PAR_DDP;
	sc.weights = MP_DT_F32;
	run(&m, &sc, est);
	assert_in_range(est->mem.weights - 4 * P, 0, 1024);
	sc.parallel = MP_PAR_ZERO3;
	sc.weights = MP_DT_BF16;
	sc.amp = MP_DT_NONE;
	sc.fsdp_version = 2;
	memset(est, 0, sizeof(*est));
	assert_false(mp_estimate_train(&m, &sc, est, &e));
	assert_string_equal(e.field, "--fsdp-version");
	free(est);
	mp_model_fini(&m);
}

/*
 * DeepSpeed's own estimators of model states (deepspeed 0.16,
 * runtime/zero/stage_1_and_2.py estimate_zero2_model_states_mem_needs and
 * stage3.py estimate_zero3_model_states_mem_needs; the formulas, not
 * their code), per GPU for P parameters over N GPUs, largest layer L:
 *   ZeRO-2:                 4P + 16P/N     (offload_optimizer cpu: 2P)
 *   ZeRO-3:                 4L + 18P/N     (offload params too:    4L)
 * memplan's figures differ where the engine differs from the estimate:
 *   - ZeRO-2 keeps only this GPU's bf16 gradient partition (2P/N), not
 *     2P of them, and a reduce bucket (min(5e8, P) values) the estimate
 *     leaves out;
 *   - ZeRO-3 keeps the bf16 gradient partition (2P/N) as well as the
 *     18P/N, and gathers the layer plus stage3_prefetch_bucket_size
 *     (5e7) parameters instead of 4L (the layer and its gradient);
 * and memplan adds what the estimators do not cover at all: activations,
 * the fp32 loss, cuBLAS workspaces and the CUDA context.
 */
static void
test_deepspeed_estimators(void **state)
{
	struct mp_states_in	 in;
	struct mp_states	 st;
	uint64_t		 P = 8000000000ULL, L = 200000000ULL, N = 8;
	uint64_t		 ds, mine, bucket = 2ULL * 500000000ULL;

	(void)state;
	memset(&in, 0, sizeof(in));
	in.full = true;
	in.compute_bytes = 2;
	in.trainable = P;
	in.weights = 2 * P;
	in.grads = 2 * P;
	in.ranks = in.per_node = N;
	in.layer_params = L;
	in.layer_bytes = 2 * L;
	in.par = MP_PAR_ZERO2;
	mp_parallel_states(&in, &st);
	ds = 4 * P + 16 * P / N;
	mine = st.weights + st.grads + st.optim + st.optim_temp;
	assert_int_equal(mine, ds - 2 * P + 2 * P / N);
	assert_int_equal(st.buffers, bucket);
	in.offload = MP_OFFLOAD_CPU;
	mp_parallel_states(&in, &st);
	assert_int_equal(st.weights + st.grads + st.optim, 2 * P);
	assert_int_equal(st.host, 16 * P / N);
	in.offload = MP_OFFLOAD_NONE;
	in.par = MP_PAR_ZERO3;
	mp_parallel_states(&in, &st);
	ds = 4 * L + 18 * P / N;
	mine = st.weights + st.grads + st.optim + st.optim_temp + st.gathered;
	assert_int_equal(mine, ds + 2 * P / N - 4 * L +
	    2 * (L + 50000000ULL));
	in.offload = MP_OFFLOAD_CPU;
	mp_parallel_states(&in, &st);
	assert_int_equal(st.weights + st.grads + st.optim + st.adapters, 0);
	assert_int_equal(st.gathered, 2 * (L + 50000000ULL));
	/* a layer above stage3_max_live_parameters is fetched alone */
	in.layer_params = 3000000000ULL;
	in.layer_bytes = 2 * in.layer_params;
	mp_parallel_states(&in, &st);
	assert_int_equal(st.gathered, 2 * in.layer_params);
	/*
	 * ZeRO-Infinity (nvme): the 16P/N of states go to disk; host RAM
	 * keeps the optimizer swapper's 4 pinned fp32 buffers of one
	 * sub-group (min(sub_group_size 1e9, P/N) = 1e9, aligned up to
	 * 1024 elements: 1,000,000,512) and the parameter swapper's 5 x 1e8
	 * bf16 buffers.
	 */
	in.offload = MP_OFFLOAD_NVME;
	mp_parallel_states(&in, &st);
	assert_int_equal(st.disk, 16 * P / N + 2 * P / N);
	assert_int_equal(st.host, 4 * 4 * 1000000512ULL + 2 * 500000000ULL);
	/* a partition below the sub-group: its size, aligned up to 1024 */
	in.trainable = 1000000ULL * N + 1;
	mp_parallel_states(&in, &st);
	assert_int_equal(st.host, 4 * 4 * 1000448ULL + 2 * 500000000ULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lora_all_linear_counts_match_peft),
		cmocka_unit_test(test_lora_named_targets),
		cmocka_unit_test(test_lora_moe_experts_fuse_gate_and_up),
		cmocka_unit_test(test_lora_bad_input),
		cmocka_unit_test(test_train_bad_scenarios),
		cmocka_unit_test(test_optimizer_state_sizes),
		cmocka_unit_test(test_checkpointing_and_measured_peaks),
		cmocka_unit_test(test_parallel_shards_model_states),
		cmocka_unit_test(test_eager_sinks_and_frozen_experts),
		cmocka_unit_test(test_allocator_reserve),
		cmocka_unit_test(test_deepspeed_estimators),
		cmocka_unit_test(test_fsdp_versions),
		cmocka_unit_test(test_fsdp_estimate),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
