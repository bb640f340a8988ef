/* test_speed.c: mechanisms of the speed model (src/speed.c) */
/* SPDX-License-Identifier: MIT */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "internal.h"

/* A bundled model on a bundled machine, under one scenario. */
struct run {
	struct mp_model		 m;
	struct mp_scenario	 sc;
	struct mp_estimate	 est;
	struct mp_hardware	 hw;
	struct mp_speed_target	 tg;
	struct mp_error		 e;
};

/* Loads model and hwname; the scenario starts as runtime rt's. */
static void
run_begin(struct run *r, const char *model, const char *hwname,
    enum mp_runtime rt)
{
	mp_error_clear(&r->e);
	mp_model_init(&r->m);
	assert_true(mp_model_load(model, &r->m, &r->e));
	assert_true(mp_hardware_load(hwname, &r->hw, &r->e));
	mp_scenario_init(&r->sc);
	r->sc.runtime = rt;
}

/* The estimate of the scenario and the machine as the speed model sees
 * it (r->tg, for a test to change). */
static void
run_estimate(struct run *r)
{
	assert_true(mp_estimate(&r->m, &r->sc, &r->est, &r->e));
	assert_true(mp_speed_target(&r->hw, &r->est, &r->tg));
}

/* Its speed (with the scenario's llama-bench tests); the model freed. */
static struct mp_speed
run_speed(struct run *r)
{
	struct mp_speed sp;

	assert_true(mp_speed_estimate(&r->m, &r->est, &r->tg, r->sc.bench,
	    r->sc.n_bench, &sp, &r->e));
	mp_model_fini(&r->m);
	assert_true(sp.available);
	return sp;
}

/* llama.cpp speed of a bundled model on a bundled machine. */
static struct mp_speed
speed_of(const char *model, const char *ftype, const char *hwname,
    int64_t gpu_layers, const char *bench)
{
	struct run	 r;
	char		 why[160];
	size_t		 nb = 0;

	run_begin(&r, model, hwname, MP_RT_LLAMACPP);
	snprintf(r.sc.ftype, sizeof(r.sc.ftype), "%s", ftype);
	r.sc.gpu_layers = gpu_layers;
	if (bench != NULL)
		assert_true(mp_bench_parse(bench, r.sc.bench, &nb, why,
		    sizeof(why)));
	r.sc.n_bench = (uint32_t)nb;
	run_estimate(&r);
	return run_speed(&r);
}

static void
test_bench_parse(void **state)
{
	struct mp_bench_test	 b[MP_BENCH_MAX];
	char			 why[160], name[32];
	size_t			 n;

	(void)state;
	assert_true(mp_bench_parse("pp512,tg128,pp2k@d4k,tg32@d4096", b, &n,
	    why, sizeof(why)));
	assert_int_equal(n, 4);
	assert_int_equal(b[0].kind, MP_BENCH_PP);
	assert_int_equal(b[2].tokens, 2048);
	assert_int_equal(b[2].depth, 4096);
	mp_bench_name(&b[3], name, sizeof(name));
	assert_string_equal(name, "tg32 @ d4096");
	assert_false(mp_bench_parse("pp", b, &n, why, sizeof(why)));
	assert_false(mp_bench_parse("tg128@4096", b, &n, why, sizeof(why)));
	assert_false(mp_bench_parse("zz1", b, &n, why, sizeof(why)));
	assert_false(mp_bench_parse("tg1,tg1,tg1,tg1,tg1,tg1,tg1,tg1,tg1",
	    b, &n, why, sizeof(why)));
}

/* Decode reads bytes: fewer bits, faster; a deeper cache, slower. */
static void
test_decode_is_bound_by_bytes(void **state)
{
	struct mp_speed q4, q8, f16;

	(void)state;
	q4 = speed_of("meta-llama-3.1-8b", "q4_k_m", "rtx-4090", -1,
	    "tg128,tg128@d32768");
	q8 = speed_of("meta-llama-3.1-8b", "q8_0", "rtx-4090", -1, "tg128");
	f16 = speed_of("meta-llama-3.1-8b", "f16", "h100-80gb", -1, "tg128");
	assert_true(q4.bench[0].tokens_per_s > q8.bench[0].tokens_per_s *
	    1.4);
	assert_true(q4.bench[1].tokens_per_s < q4.bench[0].tokens_per_s);
	assert_int_equal(q4.bench[0].bound, MP_BOUND_MEMORY);
	/* 16 GB of weights at 3.35 TB/s: under 210 tokens/s. */
	assert_true(f16.bench[0].tokens_per_s < 210);
	assert_true(f16.bench[0].tokens_per_s > 100);
}

/* MoE: only the routed experts are read per token. */
static void
test_moe_reads_active_experts(void **state)
{
	struct mp_speed moe, dense;

	(void)state;
	moe = speed_of("qwen3-30b-a3b", "q4_k_m", "m2-ultra-192gb", -1,
	    "tg128");
	dense = speed_of("qwen3-32b", "q4_k_m", "m2-ultra-192gb", -1,
	    "tg128");
	assert_true(moe.bench[0].tokens_per_s > 2.5 *
	    dense.bench[0].tokens_per_s);
}

/* Prefill is compute-bound on a GPU; layers in host memory cost. */
static void
test_prefill_and_offload(void **state)
{
	struct mp_speed full, part;

	(void)state;
	full = speed_of("meta-llama-3.1-8b", "q4_k_m", "rtx-4060-8gb", -1,
	    "pp512,tg128");
	part = speed_of("meta-llama-3.1-8b", "q4_k_m", "rtx-4060-8gb", 16,
	    "pp512,tg128");
	assert_int_equal(full.bench[0].bound, MP_BOUND_COMPUTE);
	assert_true(full.bench[0].tokens_per_s > 10 *
	    full.bench[1].tokens_per_s);
	assert_true(part.bench[1].tokens_per_s < 0.7 *
	    full.bench[1].tokens_per_s);
	assert_true(part.bench[0].tokens_per_s < full.bench[0].tokens_per_s);
	assert_true(full.ttft_s > 0);
}

/* Decode of qwen3-30b-a3b q4_k_m on an RTX 4090 with the experts of
 * n_cpu_moe layers in host memory, the host's bandwidth scaled. */
static struct mp_speed
moe_speed(uint32_t n_cpu_moe, double ram_scale)
{
	struct run r;

	run_begin(&r, "qwen3-30b-a3b", "rtx-4090", MP_RT_LLAMACPP);
	r.hw.ram_bandwidth = (uint64_t)((double)r.hw.ram_bandwidth *
	    ram_scale);
	snprintf(r.sc.ftype, sizeof(r.sc.ftype), "q4_k_m");
	r.sc.n_cpu_moe = n_cpu_moe;
	run_estimate(&r);
	return run_speed(&r);
}

/*
 * --n-cpu-moe: the routed experts of the first N layers are read from
 * host memory at its bandwidth, the rest of the model on the GPU: the
 * more layers, the slower, and the extra time per token scales with
 * 1 / ram_bandwidth (what is read there), not with the GPU's.
 */
static void
test_n_cpu_moe_reads_experts_from_host(void **state)
{
	struct mp_speed gpu, half, all, all2;
	double extra, extra2;

	(void)state;
	gpu = moe_speed(0, 1.0);
	half = moe_speed(24, 1.0);
	all = moe_speed(MP_CPU_MOE_ALL, 1.0);
	all2 = moe_speed(MP_CPU_MOE_ALL, 2.0);
	assert_true(half.decode_tps < 0.8 * gpu.decode_tps);
	assert_true(all.decode_tps < 0.8 * half.decode_tps);
	extra = 1.0 / all.decode_tps - 1.0 / gpu.decode_tps;
	extra2 = 1.0 / all2.decode_tps - 1.0 / gpu.decode_tps;
	/* Most of it is bytes / bandwidth and halves; the hops of the
	 * hidden state to the CPU and back (2 x 48 x 60 us) stay. */
	assert_true(extra2 > 0.5 * extra && extra2 < 0.75 * extra);
	/* The GPU-only run does not depend on host memory at all. */
	assert_true(moe_speed(0, 2.0).decode_tps == gpu.decode_tps);
	assert_non_null(strstr(all.basis, "experts of 48 layers in host "
	    "memory"));
	assert_true(all.has_prefill && all.prefill_tps > 0);
}

/* A profile without tflops: decode only, and the reason. */
static void
test_missing_tflops_said(void **state)
{
	struct mp_speed sp;

	(void)state;
	sp = speed_of("llama-3.2-1b-instruct", "q8_0", "a10g", -1, "pp512");
	assert_false(sp.has_prefill);
	assert_non_null(strstr(sp.prefill_why, "tflops"));
	assert_true(sp.decode_tps > 0);
	assert_true(sp.bench[0].tokens_per_s == 0);
}

/* vLLM's seconds per decoded token at depth seq on gpus x nodes. */
static double
vllm_token_s(const char *model, uint32_t gpus, uint32_t nodes, uint64_t seq)
{
	struct run	r;
	struct mp_speed	sp;

	run_begin(&r, model, "8x-h100-80gb", MP_RT_VLLM);
	r.sc.gpus = gpus;
	r.sc.nodes = nodes;
	r.sc.seq = seq;
	run_estimate(&r);
	sp = run_speed(&r);
	assert_true(sp.decode_tps > 0);
	return 1.0 / sp.decode_tps;
}

/*
 * vLLM tensor parallel: the weights' bytes split over the GPUs and the
 * fixed time per layer does not, so without communication the time per
 * token would be affine in 1 / TP and t(2) = (t(1) + 2 t(4)) / 3.  Each
 * layer's two all-reduces (none at TP 1, 8.7 us at TP 2, 9.2 us at TP 4)
 * lift t(2) above that line by 2 x 32 layers x (8.7 - 2/3 x 9.2) us =
 * 164 us on Llama 3.1 8B.
 */
static void
test_vllm_tp_allreduces(void **state)
{
	double t1, t2, t4, gap;

	(void)state;
	t1 = vllm_token_s("meta-llama-3.1-8b", 1, 1, 4096);
	t2 = vllm_token_s("meta-llama-3.1-8b", 2, 1, 4096);
	t4 = vllm_token_s("meta-llama-3.1-8b", 4, 1, 4096);
	gap = t2 - (t1 + 2 * t4) / 3;
	assert_true(gap > 150e-6 && gap < 180e-6);
	/* TP 8 never reaches an eighth of TP 1's time. */
	assert_true(vllm_token_s("meta-llama-3.1-8b", 8, 1, 4096) > t1 / 8 +
	    2 * 32 * 11e-6);
}

/*
 * vLLM across two nodes (tensor parallel inside, pipeline parallel
 * across): a token crosses the stage boundary once, 20 us of network
 * latency plus its hidden state and residual (2 x 7168 x 2 bytes) at
 * 50 GB/s.  MLA's latent cache is whole on every GPU: a deeper context
 * costs TP 8 what it costs TP 1.
 */
static void
test_vllm_pp_hop_and_mla_cache(void **state)
{
	double one, two, d1, d8;

	(void)state;
	one = vllm_token_s("deepseek-v3", 8, 1, 4096);
	two = vllm_token_s("deepseek-v3", 8, 2, 4096);
	assert_true(two - one > 20.5e-6 && two - one < 21.5e-6);
	d1 = vllm_token_s("deepseek-v3", 1, 1, 32768) -
	    vllm_token_s("deepseek-v3", 1, 1, 4096);
	d8 = vllm_token_s("deepseek-v3", 8, 1, 32768) - one;
	assert_true(d1 > 0 && d8 > 0.99 * d1 && d8 < 1.01 * d1);
}

/*
 * vLLM's fused-MoE chain: t(TP) = bytes / TP + fixed + all-reduces, so
 * 2 t(2) - t(1) - 2 x (2 x layers x 8.7 us) leaves the fixed time per
 * step.  Per layer it is the same on a dense model and on a MoE one
 * but for the 30 us of the routed experts' kernel chain (vLLM PR 24700's
 * benchmark_moe intercepts).
 */
static void
test_vllm_moe_chain(void **state)
{
	double fd, fm;

	(void)state;
	fd = (2 * vllm_token_s("meta-llama-3.1-8b", 2, 1, 4096) -
	    vllm_token_s("meta-llama-3.1-8b", 1, 1, 4096) -
	    2 * 2 * 32 * 8.7e-6) / 32;
	fm = (2 * vllm_token_s("qwen3-30b-a3b", 2, 1, 4096) -
	    vllm_token_s("qwen3-30b-a3b", 1, 1, 4096) -
	    2 * 2 * 48 * 8.7e-6) / 48;
	assert_true(fd > 30e-6 && fd < 50e-6);
	assert_true(fm - fd > 29e-6 && fm - fd < 31e-6);
}

/* Prompt tokens/s of llama-3.1-8b-instruct on an RTX 4090 under rt, with
 * the profile's FP32-accumulate rate (halve) or as if it had none. */
static double
prompt_tps(enum mp_runtime rt, bool halve)
{
	struct run	r;
	struct mp_speed	sp;

	run_begin(&r, "llama-3.1-8b-instruct", "rtx-4090", rt);
	if (rt == MP_RT_LLAMACPP)
		snprintf(r.sc.ftype, sizeof(r.sc.ftype), "f16");
	run_estimate(&r);
	if (!halve)
		r.tg.flops_acc32 = r.tg.flops;
	sp = run_speed(&r);
	assert_true(sp.has_prefill && sp.prefill_bound == MP_BOUND_COMPUTE);
	return sp.prefill_tps;
}

/*
 * The RTX 4090 profile states 330.3 TFLOPS with FP16 accumulate and
 * 165.2 with FP32 accumulate (Ada whitepaper).  PyTorch accumulates in
 * FP32: vLLM's compute-bound prompt and LoRA training run at half the
 * rate; llama.cpp's f16 cuBLAS GEMMs accumulate in FP16 and keep it.
 */
static void
test_fp32_accumulate_rate(void **state)
{
	struct run	 r;
	double		 half, full, ratio;
	char		 basis[256];

	(void)state;
	ratio = prompt_tps(MP_RT_VLLM, true) / prompt_tps(MP_RT_VLLM, false);
	assert_true(ratio > 0.5 && ratio < 0.6);
	assert_true(prompt_tps(MP_RT_LLAMACPP, true) ==
	    prompt_tps(MP_RT_LLAMACPP, false));

	run_begin(&r, "llama-3.1-8b-instruct", "rtx-4090",
	    MP_RT_TRANSFORMERS);
	r.sc.mode = MP_MODE_LORA;
	r.sc.weights = MP_DT_BF16;
	r.sc.batch = 1;
	r.sc.seq = 256;
	assert_true(mp_scenario_resolve(&r.sc, &r.m, &r.e));
	memset(&r.est, 0, sizeof(r.est));
	assert_true(mp_estimate_train(&r.m, &r.sc, &r.est, &r.e));
	assert_true(mp_speed_target(&r.hw, &r.est, &r.tg));
	assert_true(r.tg.flops_acc32 > 165.1e12 && r.tg.flops_acc32 <
	    165.3e12);
	assert_true(mp_train_speed(&r.m, &r.est, &r.tg, &half, basis,
	    sizeof(basis)));
	assert_non_null(strstr(basis, "165 TFLOPS (FP32 accumulate)"));
	r.tg.flops_acc32 = r.tg.flops;
	assert_true(mp_train_speed(&r.m, &r.est, &r.tg, &full, basis,
	    sizeof(basis)));
	assert_null(strstr(basis, "FP32 accumulate"));
	/* compute is the whole step of LoRA without offload */
	assert_true(half / full > 0.499 && half / full < 0.501);
	/* a datacenter card states one rate */
	assert_true(mp_hardware_load("h100-80gb", &r.hw, &r.e));
	assert_true(mp_speed_target(&r.hw, &r.est, &r.tg));
	assert_true(r.tg.flops_acc32 == r.tg.flops);
	mp_model_fini(&r.m);
}

/* Training tokens/s of llama-3.1-8b-instruct on 8x-h100-80gb x nodes. */
static double
train_tps(enum mp_mode mode, enum mp_parallel par, uint32_t nodes,
    char *basis, size_t len)
{
	struct run	 r;
	double		 tps;

	run_begin(&r, "llama-3.1-8b-instruct", "8x-h100-80gb",
	    MP_RT_TRANSFORMERS);
	r.sc.mode = mode;
	r.sc.weights = MP_DT_BF16;
	r.sc.batch = 1;
	r.sc.seq = 4096;
	r.sc.grad_ckpt = true;
	r.sc.gpus = 8;
	r.sc.nodes = nodes;
	r.sc.parallel = par;
	assert_true(mp_scenario_resolve(&r.sc, &r.m, &r.e));
	memset(&r.est, 0, sizeof(r.est));
	assert_true(mp_estimate_train(&r.m, &r.sc, &r.est, &r.e));
	assert_true(mp_speed_target(&r.hw, &r.est, &r.tg));
	assert_true(mp_train_speed(&r.m, &r.est, &r.tg, &tps, basis, len));
	mp_model_fini(&r.m);
	return tps;
}

/*
 * Across nodes a full fine-tune under ZeRO-3 waits for its collectives
 * (two gathers of the bf16 weights and a reduce-scatter of the bf16
 * gradients over 16 ranks at 50 GB/s); LoRA's fp32 adapter gradients
 * are small, so two nodes of data parallelism train twice as fast as
 * one.
 */
static void
test_train_across_nodes(void **state)
{
	const double w = 2.0 * 8030261248.0, n = 16, tok = 4096;
	double one, two, lora1, lora2, want;
	char basis[320];

	(void)state;
	one = train_tps(MP_MODE_FULL, MP_PAR_ZERO3, 1, basis, sizeof(basis));
	two = train_tps(MP_MODE_FULL, MP_PAR_ZERO3, 2, basis, sizeof(basis));
	assert_non_null(strstr(basis, "the collectives across nodes"));
	want = n * tok / ((2 * w + w) * (n - 1) / n / 50e9);
	assert_true(fabs(two / want - 1) < 1e-6);
	assert_true(two < 2 * one);
	lora1 = train_tps(MP_MODE_LORA, MP_PAR_DDP, 1, basis, sizeof(basis));
	lora2 = train_tps(MP_MODE_LORA, MP_PAR_DDP, 2, basis, sizeof(basis));
	assert_null(strstr(basis, "collectives"));
	assert_true(fabs(lora2 / (2 * lora1) - 1) < 1e-9);
}

/* Estimate, judgement and speed of a runtime on a bundled machine. */
static void
placed(const char *hwname, enum mp_runtime rt, struct mp_estimate *est,
    struct mp_speed_target *tg, struct mp_speed *sp)
{
	struct run		 r;
	struct mp_judgement	 j;

	run_begin(&r, "llama-3.1-8b-instruct", hwname, rt);
	if (rt == MP_RT_LLAMACPP)
		snprintf(r.sc.ftype, sizeof(r.sc.ftype), "q8_0");
	assert_true(mp_place(&r.m, &r.hw, &r.sc, est, &j, &r.e));
	assert_true(mp_speed_target(&r.hw, est, tg));
	assert_true(mp_speed_estimate(&r.m, est, tg, NULL, 0, sp, &r.e));
	mp_model_fini(&r.m);
}

/*
 * A machine of two different cards (rtx-4090-rtx-3060): each card
 * creates its own CUDA context, whose stack reservation follows its SMs
 * (4090: 128 x 1536 threads x 1 KiB, 3060: 28 x 1536); each card reads
 * its own layers at its own bandwidth under llama.cpp's layer split,
 * and vLLM's tensor-parallel ranks go at the slower card's pace.
 */
static void
test_mixed_cards(void **state)
{
	struct mp_estimate	 one, mix;
	struct mp_speed_target	 tg, same;
	struct mp_speed		 sp, sp2;
	struct mp_error		 e;
	struct mp_model		 m;
	const uint64_t		 less = (128 - 28) * 1536ULL * 1024;
	size_t			 i;

	(void)state;
	/* llama.cpp: one context per card, the 3060's 150 MiB smaller */
	placed("rtx-4090", MP_RT_LLAMACPP, &one, &tg, &sp);
	placed("rtx-4090-rtx-3060", MP_RT_LLAMACPP, &mix, &tg, &sp);
	assert_int_equal(mix.mem.runtime, 2 * one.mem.runtime - less);
	assert_int_equal(mix.n_dev_bytes, 2);
	assert_true(mix.dev_layers[0] > mix.dev_layers[1] &&
	    mix.dev_layers[1] > 0 && mix.dev_layers[0] + mix.dev_layers[1] ==
	    32);
	/* the 3060's layers at 360 GB/s: slower than both at 1008 */
	same = tg;
	same.dev_bw[1] = same.dev_bw[0];
	same.dev_flops[1] = same.dev_flops[0];
	mp_error_clear(&e);
	mp_model_init(&m);
	assert_true(mp_model_load("llama-3.1-8b-instruct", &m, &e));
	assert_true(mp_speed_estimate(&m, &mix, &same, NULL, 0, &sp2, &e));
	assert_true(sp.decode_tps < 0.8 * sp2.decode_tps);
	assert_non_null(strstr(sp.basis, "1008/360 GB/s"));
	/* vLLM TP 2: exactly both ranks at the 3060's rates */
	placed("rtx-4090-rtx-3060", MP_RT_VLLM, &mix, &tg, &sp);
	for (i = 0; i < 2; i++)
		assert_true(mix.dev_bytes[i] > 0);
	same = tg;
	same.bandwidth = same.dev_bw[0] = same.dev_bw[1];
	assert_true(mp_speed_estimate(&m, &mix, &same, NULL, 0, &sp2, &e));
	assert_true(sp.decode_tps > 0 &&
	    fabs(sp.decode_tps / sp2.decode_tps - 1) < 1e-9);
	/* transformers' device_map: a context each, the layers by memory */
	placed("rtx-4090-rtx-3060", MP_RT_TRANSFORMERS, &mix, &tg, &sp);
	assert_int_equal(mix.dev_layers[0] + mix.dev_layers[1], 32);
	assert_true(mix.dev_layers[1] < mix.dev_layers[0]);
	mp_model_fini(&m);
}

/*
 * llama.cpp's RPC split over two machines of two GPUs: the same four
 * devices in a row as one machine of four, plus the network through
 * this host (speed.c): the hidden state (3584 x 4 bytes, f32) out to the
 * other node and back, two transfers of 20 us plus 14336 B at 50 GB/s,
 * and one round trip of 20 us for the copy between that node's two GPUs.
 */
static void
test_llamacpp_rpc_hop(void **state)
{
	struct mp_model		 m;
	struct mp_scenario	 sc;
	struct mp_estimate	 est;
	struct mp_hardware	 hw;
	struct mp_speed_target	 tg;
	struct mp_speed		 rpc, local;
	struct mp_error		 e;
	double			 gap, want;

	(void)state;
	mp_error_clear(&e);
	mp_model_init(&m);
	assert_true(mp_model_load("qwen2.5-7b-instruct", &m, &e));
	assert_true(mp_hardware_load("2x-rtx-4090", &hw, &e));
	mp_scenario_init(&sc);
	sc.runtime = MP_RT_LLAMACPP;
	strcpy(sc.ftype, "q4_k_m");
	sc.gpus = 2;
	sc.nodes = 2;
	sc.seq = 4096;
	assert_true(mp_estimate(&m, &sc, &est, &e));
	assert_int_equal(est.dev_nodes, 2);
	assert_true(mp_speed_target(&hw, &est, &tg));
	assert_int_equal(tg.count, 4);	/* every node's GPUs */
	assert_true(mp_speed_estimate(&m, &est, &tg, NULL, 0, &rpc, &e));
	assert_non_null(strstr(rpc.basis, "--rpc: 2 network transfers and 1 "
	    "round trips"));
	/* the same devices on one machine */
	est.dev_nodes = 1;
	tg.count = 4;
	assert_true(mp_speed_estimate(&m, &est, &tg, NULL, 0, &local, &e));
	gap = 1.0 / rpc.decode_tps - 1.0 / local.decode_tps;
	want = 2 * (20e-6 + 3584.0 * 4 / 50e9) + 20e-6;
	assert_true(gap > 0.999 * want && gap < 1.001 * want);
	mp_model_fini(&m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bench_parse),
		cmocka_unit_test(test_decode_is_bound_by_bytes),
		cmocka_unit_test(test_moe_reads_active_experts),
		cmocka_unit_test(test_prefill_and_offload),
		cmocka_unit_test(test_missing_tflops_said),
		cmocka_unit_test(test_n_cpu_moe_reads_experts_from_host),
		cmocka_unit_test(test_vllm_tp_allreduces),
		cmocka_unit_test(test_vllm_pp_hop_and_mla_cache),
		cmocka_unit_test(test_fp32_accumulate_rate),
		cmocka_unit_test(test_vllm_moe_chain),
		cmocka_unit_test(test_mixed_cards),
		cmocka_unit_test(test_llamacpp_rpc_hop),
		cmocka_unit_test(test_train_across_nodes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
