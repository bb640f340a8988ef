/* test_consistency.c: one scenario on one machine, one verdict (issue 11) */
/* SPDX-License-Identifier: MIT */
/*
 * A table of scenarios x bundled profiles (multi-GPU, CPU-only, Apple,
 * T4, a small card with partial offload, an 8-GPU server).  For each
 * pair the verdict of estimate (mp_place) must be the one that sweep
 * gives at the same point, that check passes or fails on, and that fit
 * brackets; every option plan lists must get the same verdict when
 * estimated again on its own, and plan never recommends an option that
 * does not fit or cannot run there.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "planner.h"

static const char *const profiles[] = {
	"2x-rtx-4090", "workstation-16gb", "m4-16gb", "t4", "rtx-4060-8gb",
	"8x-h100-80gb", "minipc-igpu-npu-16gb", "rtx-4090-rtx-3060",
};

struct row {
	const char	*model;
	/* plan-file keys and values, NULL-terminated pairs */
	const char	*kv[12];
};

static const struct row rows[] = {
	{ "llama-3.1-70b-instruct",
	  { "runtime", "llamacpp", "weights", "q4_k_m", NULL } },
	{ "llama-3.1-70b-instruct",
	  { "runtime", "llamacpp", "weights", "q4_k_m", "seq", "20480",
	    NULL } },
	{ "llama-3.1-70b-instruct",
	  { "runtime", "llamacpp", "weights", "q2_k", "gpu_layers", "18",
	    NULL } },
	{ "qwen2.5-7b-instruct",
	  { "runtime", "llamacpp", "weights", "q4_k_m", NULL } },
	{ "qwen2.5-7b-instruct",
	  { "runtime", "llamacpp", "weights", "q8_0", NULL } },
	{ "llama-3.1-8b-instruct", { NULL } },
	{ "llama-3.1-8b-instruct", { "weights", "bf16", NULL } },
	{ "llama-3.1-8b-instruct", { "weights", "nf4", NULL } },
	{ "qwen2.5-7b-instruct", { "runtime", "vllm", NULL } },
	{ "llama-3.1-8b-instruct",
	  { "runtime", "vllm", "weights", "fp8", NULL } },
	{ "qwen2.5-1.5b", { "mode", "full", "seq", "2048", NULL } },
	{ "llama-3.1-8b-instruct", { "mode", "qlora", "seq", "1024", NULL } },
	{ "llama-3.1-8b-instruct", { "mode", "lora", "grad_ckpt", "true",
	    NULL } },
	/* A checkpoint priced as shipped (MXFP4 experts, bf16 attention). */
	{ "gpt-oss-20b", { NULL } },
	/* llama.cpp on the CPU wherever the machine is. */
	{ "llama-3.1-8b-instruct",
	  { "runtime", "llamacpp", "weights", "q4_k_m", "gpu_layers", "0",
	    NULL } },
	/* A larger margin than the default: fits and tight move. */
	{ "qwen2.5-7b-instruct",
	  { "runtime", "llamacpp", "weights", "q8_0", "headroom", "25%",
	    NULL } },
	{ "llama-3.1-70b-instruct",
	  { "runtime", "vllm", "weights", "awq", NULL } },
	/* transformers' attention implementation: FlashAttention-2 runs
	 * on the 4090s and H100s only; eager's score matrix */
	{ "qwen2.5-1.5b", { "attn", "flash2", NULL } },
	{ "qwen2.5-1.5b", { "mode", "lora", "attn", "flash2", "seq", "2048",
	    NULL } },
	{ "qwen2.5-1.5b", { "attn", "eager", "seq", "16384", NULL } },
	/* llama.cpp's RPC split over two machines (where there are GPUs) */
	{ "llama-3.1-70b-instruct",
	  { "runtime", "llamacpp", "weights", "q8_0", "nodes", "2", NULL } },
};

#define NPROF	(sizeof(profiles) / sizeof(profiles[0]))
/* the first --attn flash2 row above */
#define ROW_FLASH2	17
#define NROWS	(sizeof(rows) / sizeof(rows[0]))

struct fx {
	struct mp_hardware	 hw[NPROF];
	struct mp_model		 m[NROWS];
	struct mp_estimate	*est;
};

static int
setup(void **state)
{
	struct fx	*f = calloc(1, sizeof(*f));
	struct mp_error	 e;
	size_t		 i;

	if (f == NULL || (f->est = calloc(1, sizeof(*f->est))) == NULL)
		return -1;
	mp_error_clear(&e);
	for (i = 0; i < NPROF; i++)
		if (!mp_hardware_load(profiles[i], &f->hw[i], &e)) {
			print_error("%s: %s\n", profiles[i], e.msg);
			return -1;
		}
	for (i = 0; i < NROWS; i++) {
		mp_model_init(&f->m[i]);
		if (!mp_model_load(rows[i].model, &f->m[i], &e)) {
			print_error("%s: %s\n", rows[i].model, e.msg);
			return -1;
		}
	}
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx	*f = *state;
	size_t		 i;

	for (i = 0; i < NROWS; i++)
		mp_model_fini(&f->m[i]);
	free(f->est);
	free(f);
	return 0;
}

static void
scenario(const struct row *r, struct mp_scenario *sc)
{
	size_t	 i;
	bool	 known;
	char	 why[160];

	mp_scenario_init(sc);
	for (i = 0; r->kv[i] != NULL; i += 2)
		if (!mp_plan_set_option(sc, r->kv[i], r->kv[i + 1], &known,
		    why, sizeof(why)))
			fail_msg("%s=%s: %s", r->kv[i], r->kv[i + 1], why);
}

static bool
runs(enum mp_verdict v)
{
	return v == MP_VERDICT_FITS || v == MP_VERDICT_TIGHT;
}

/* estimate, sweep, check and fit agree on every row x profile. */
static void
test_consistency_commands_agree(void **state)
{
	struct fx		*f = *state;
	struct mp_scenario	 sc;
	struct mp_judgement	 j;
	struct mp_error		 e;
	struct mp_sweep		 sw;
	struct mp_plan		 pl;
	struct mp_check		 ck;
	struct mp_check_report	 rep;
	struct mp_fitres	*fr = calloc(1, sizeof(*fr));
	char			 over[48];
	size_t			 p, r, judged = 0;

	assert_non_null(fr);
	for (r = 0; r < NROWS; r++)
		for (p = 0; p < NPROF; p++) {
			scenario(&rows[r], &sc);
			mp_error_clear(&e);
			if (!mp_place(&f->m[r], &f->hw[p], &sc, f->est, &j, &e))
				fail_msg("%s on %s: %s", rows[r].model,
				    profiles[p], e.msg);
			judged++;
			/* Fits only when every GPU and the host do. */
			if (j.fits) {
				size_t i;

				for (i = 0; i < j.n_dev; i++)
					assert_true(j.dev[i].fits);
				assert_true(j.host.fits);
			}
			/* sweep: the same verdict at the same point. */
			snprintf(over, sizeof(over), "seq=%llu",
			    (unsigned long long)f->est->sc.seq);
			assert_true(mp_planner_sweep(&f->m[r], &f->hw[p], &sc,
			    over, &sw, &e));
			assert_int_equal(sw.n, 1);
			assert_int_equal(sw.pt[0].verdict, j.verdict);
			assert_int_equal(sw.pt[0].judged, j.judged);
			mp_sweep_fini(&sw);
			/* check: passes exactly when the scenario runs. */
			mp_plan_init(&pl);
			memset(&ck, 0, sizeof(ck));
			snprintf(ck.name, sizeof(ck.name), "row %zu", r);
			snprintf(ck.model, sizeof(ck.model), "%s",
			    rows[r].model);
			snprintf(ck.hardware, sizeof(ck.hardware), "%s",
			    profiles[p]);
			ck.sc = sc;
			pl.checks = &ck;
			pl.n_checks = 1;
			assert_true(mp_planner_check(&pl, &rep, &e));
			assert_int_equal(rep.res[0].pass, runs(j.verdict));
			assert_int_equal(rep.res[0].j.verdict, j.verdict);
			mp_check_report_fini(&rep);
			/* fit: the solved context brackets this one. */
			if (sc.mode != MP_MODE_INFER ||
			    j.verdict == MP_VERDICT_UNSUPPORTED)
				continue;
			assert_true(mp_planner_fit(&f->m[r], &f->hw[p], &sc,
			    MP_SOLVE_SEQ, fr, &e));
			if (j.verdict == MP_VERDICT_FITS)
				assert_true(fr->found &&
				    fr->value >= f->est->sc.seq);
			else if (fr->found)
				assert_true(fr->value < f->est->sc.seq);
		}
	assert_int_equal(judged, NROWS * NPROF);
	free(fr);
}

/* Every plan option, estimated again, gets the verdict plan gave it. */
static void
test_consistency_plan_options_reestimate(void **state)
{
	struct fx		*f = *state;
	struct mp_scenario	 base;
	struct mp_planres	 pr;
	struct mp_judgement	 j;
	struct mp_error		 e;
	size_t			 p, i, k, models[] = { 0, 5, 10 };

	for (k = 0; k < sizeof(models) / sizeof(models[0]); k++)
		for (p = 0; p < NPROF; p++) {
			mp_scenario_init(&base);
			mp_error_clear(&e);
			assert_true(mp_planner_plan(&f->m[models[k]],
			    &f->hw[p], &base, 0, &pr, &e));
			for (i = 0; i < pr.n_opt; i++) {
				const struct mp_option *o = &pr.opt[i];

				assert_true(mp_place(&f->m[models[k]],
				    &f->hw[p], &o->est.sc, f->est, &j, &e));
				if (j.verdict != o->verdict)
					fail_msg("%s on %s: %s: plan %s, "
					    "estimate %s", rows[models[k]].model,
					    profiles[p], o->label,
					    mp_verdict_name(o->verdict),
					    mp_verdict_name(j.verdict));
			}
			/* Recommended options run there. */
			for (i = 0; i < pr.n_rec; i++)
				assert_true(runs(pr.opt[pr.rec[i].opt].verdict));
			mp_planres_fini(&pr);
		}
}

/*
 * Plan over two machines: llama.cpp's RPC rows appear only where the
 * same weights do not fit one machine's GPUs, and every row estimated
 * again (the command's own --nodes) gets plan's verdict.
 */
static void
test_consistency_rpc_plan(void **state)
{
	struct fx		*f = *state;
	struct mp_scenario	 base;
	struct mp_planres	 pr;
	struct mp_judgement	 j;
	struct mp_error		 e;
	size_t			 i, k, rpc = 0;
	char			 one[96];
	const char		*at;

	mp_scenario_init(&base);
	base.nodes = 2;
	mp_error_clear(&e);
	assert_true(mp_planner_plan(&f->m[0], &f->hw[0], &base, 0, &pr, &e));
	for (i = 0; i < pr.n_opt; i++) {
		const struct mp_option *o = &pr.opt[i];

		assert_true(mp_place(&f->m[0], &f->hw[0], &o->est.sc, f->est,
		    &j, &e));
		assert_int_equal(j.verdict, o->verdict);
		if ((at = strstr(o->label, ", RPC over 2 nodes")) == NULL)
			continue;
		rpc++;
		assert_int_equal(o->est.dev_nodes, 2);
		assert_int_equal(o->j.gpus, 4);
		snprintf(one, sizeof(one), "%.*s", (int)(at - o->label),
		    o->label);
		for (k = 0; k < pr.n_opt; k++)
			if (strcmp(pr.opt[k].label, one) == 0)
				break;
		assert_true(k < pr.n_opt);
		assert_int_equal(pr.opt[k].verdict, MP_VERDICT_NO);
		assert_int_equal(pr.opt[k].est.sc.nodes, 1);
	}
	assert_true(rpc > 0);
	mp_planres_fini(&pr);
}

/* What the platform cannot run is unsupported and never recommended. */
static void
test_consistency_platform_gates(void **state)
{
	struct fx		*f = *state;
	struct mp_scenario	 sc, base;
	struct mp_judgement	 j;
	struct mp_error		 e;
	struct mp_planres	 pr;
	size_t			 i;

	mp_error_clear(&e);
	/* bitsandbytes QLoRA on Apple silicon (m4-16gb). */
	scenario(&rows[11], &sc);
	assert_true(mp_place(&f->m[11], &f->hw[2], &sc, f->est, &j, &e));
	assert_int_equal(j.verdict, MP_VERDICT_UNSUPPORTED);
	assert_non_null(strstr(j.reason, "bitsandbytes"));
	mp_scenario_init(&base);
	assert_true(mp_planner_plan(&f->m[5], &f->hw[2], &base, 0, &pr, &e));
	for (i = 0; i < pr.n_rec; i++)
		assert_int_not_equal(pr.opt[pr.rec[i].opt].est.sc.mode,
		    MP_MODE_QLORA);
	mp_planres_fini(&pr);
	/* bf16 on a T4: unsupported; the default there is fp16. */
	scenario(&rows[6], &sc);
	assert_true(mp_place(&f->m[6], &f->hw[3], &sc, f->est, &j, &e));
	assert_int_equal(j.verdict, MP_VERDICT_UNSUPPORTED);
	scenario(&rows[5], &sc);
	assert_true(mp_place(&f->m[5], &f->hw[3], &sc, f->est, &j, &e));
	assert_int_not_equal(j.verdict, MP_VERDICT_UNSUPPORTED);
	assert_int_equal(f->est->sc.weights, MP_DT_F16);
	/* FP8 weights in vLLM on a T4 (7.5): weight-only through FP8
	 * Marlin, it runs (below 7.5 it does not: golden
	 * gate-v100-vllm-fp8); on an H100 natively. */
	scenario(&rows[9], &sc);
	assert_true(mp_place(&f->m[9], &f->hw[3], &sc, f->est, &j, &e));
	assert_int_not_equal(j.verdict, MP_VERDICT_UNSUPPORTED);
	assert_true(mp_place(&f->m[9], &f->hw[5], &sc, f->est, &j, &e));
	assert_int_not_equal(j.verdict, MP_VERDICT_UNSUPPORTED);
	/* vLLM without CUDA or ROCm (Apple). */
	scenario(&rows[8], &sc);
	assert_true(mp_place(&f->m[8], &f->hw[2], &sc, f->est, &j, &e));
	assert_int_equal(j.verdict, MP_VERDICT_UNSUPPORTED);
	/* An FP8 KV cache in vLLM: not on a T4 (7.5, no FP8), on a 4090
	 * (8.9) and on the mixed machine's 3060 (8.6) it runs. */
	scenario(&rows[8], &sc);
	assert_true(mp_plan_set_option(&sc, "kv_dtype", "fp8",
	    &(bool){ false }, (char[64]){ 0 }, 64));
	assert_true(mp_plan_set_option(&sc, "weights", "fp16",
	    &(bool){ false }, (char[64]){ 0 }, 64));
	assert_true(mp_place(&f->m[8], &f->hw[3], &sc, f->est, &j, &e));
	assert_int_equal(j.verdict, MP_VERDICT_UNSUPPORTED);
	assert_non_null(strstr(j.reason, "FP8 KV cache"));
	assert_true(mp_place(&f->m[8], &f->hw[NPROF - 1], &sc, f->est, &j,
	    &e));
	assert_int_not_equal(j.verdict, MP_VERDICT_UNSUPPORTED);
	/* QLoRA sharded with FSDP on a T4: the 4-bit base is stored in
	 * the compute dtype, fp16 (peft's FSDP+QLoRA recipe), on an H100
	 * in bf16. */
	scenario(&rows[11], &sc);
	assert_true(mp_plan_set_option(&sc, "parallel", "fsdp",
	    &(bool){ false }, (char[64]){ 0 }, 64));
	assert_true(mp_place(&f->m[11], &f->hw[3], &sc, f->est, &j, &e));
	assert_non_null(strstr(f->est->command,
	    "bnb_4bit_quant_storage=torch.float16"));
	assert_null(strstr(f->est->command, "bfloat16"));
	assert_true(mp_place(&f->m[11], &f->hw[5], &sc, f->est, &j, &e));
	assert_non_null(strstr(f->est->command,
	    "bnb_4bit_quant_storage=torch.bfloat16"));
	/* The same cache in fp16 runs on the T4. */
	assert_true(mp_plan_set_option(&sc, "kv_dtype", "fp16",
	    &(bool){ false }, (char[64]){ 0 }, 64));
	assert_true(mp_place(&f->m[8], &f->hw[3], &sc, f->est, &j, &e));
	assert_int_not_equal(j.verdict, MP_VERDICT_UNSUPPORTED);
	/* transformers' FlashAttention-2: unsupported on the T4 (7.5),
	 * Apple and the CPU-only machine, with its reason; it runs on the
	 * 4090s (8.9) and the H100s; plan recommends no transformers row
	 * on the T4 when it is asked for. */
	assert_string_equal(rows[ROW_FLASH2].kv[1], "flash2");
	for (i = 0; i < NPROF; i++) {
		scenario(&rows[ROW_FLASH2], &sc);
		assert_true(mp_place(&f->m[ROW_FLASH2], &f->hw[i], &sc, f->est,
		    &j, &e));
		if (strcmp(profiles[i], "t4") == 0 ||
		    strcmp(profiles[i], "m4-16gb") == 0 ||
		    strcmp(profiles[i], "workstation-16gb") == 0) {
			assert_int_equal(j.verdict, MP_VERDICT_UNSUPPORTED);
			assert_non_null(strstr(j.reason, "FlashAttention-2"));
		} else if (strcmp(profiles[i], "2x-rtx-4090") == 0 ||
		    strcmp(profiles[i], "8x-h100-80gb") == 0)
			assert_int_not_equal(j.verdict,
			    MP_VERDICT_UNSUPPORTED);
	}
	scenario(&rows[ROW_FLASH2], &sc);
	assert_true(mp_planner_plan(&f->m[ROW_FLASH2], &f->hw[3], &sc, 0, &pr,
	    &e));
	for (i = 0; i < pr.n_rec; i++) {
		const struct mp_scenario *r = &pr.opt[pr.rec[i].opt].est.sc;

		assert_false(r->runtime == MP_RT_TRANSFORMERS &&
		    r->mode != MP_MODE_CONVERT);
	}
	mp_planres_fini(&pr);
}

/* Placement defaults: all GPUs, no CUDA context without CUDA, CPU. */
static void
test_consistency_placement_defaults(void **state)
{
	struct fx		*f = *state;
	struct mp_scenario	 sc;
	struct mp_judgement	 j;
	struct mp_error		 e;

	mp_error_clear(&e);
	/* 2x-rtx-4090: both GPUs, judged one by one. */
	scenario(&rows[0], &sc);
	assert_true(mp_place(&f->m[0], &f->hw[0], &sc, f->est, &j, &e));
	assert_int_equal(f->est->sc.gpus, 2);
	assert_int_equal(j.n_dev, 2);
	assert_int_equal(j.judged, j.dev[j.fullest].predicted);
	/* 20480 tokens: the sum fits two cards, the fullest does not. */
	scenario(&rows[1], &sc);
	assert_true(mp_place(&f->m[1], &f->hw[0], &sc, f->est, &j, &e));
	assert_true(f->est->device_total < 2 * j.capacity);
	assert_int_equal(j.verdict, MP_VERDICT_NO);
	/* --gpus above the machine is an error, not a bigger machine. */
	sc.gpus = 4;
	assert_false(mp_place(&f->m[1], &f->hw[0], &sc, f->est, &j, &e));
	assert_int_equal(e.status, MP_EUSAGE);
	/* No GPU: llama.cpp on the CPU, transformers without CUDA. */
	scenario(&rows[4], &sc);
	assert_true(mp_place(&f->m[4], &f->hw[1], &sc, f->est, &j, &e));
	assert_true(f->est->on_host);
	assert_int_equal(j.where, MP_JUDGE_HOST);
	scenario(&rows[5], &sc);
	assert_true(mp_place(&f->m[5], &f->hw[1], &sc, f->est, &j, &e));
	assert_int_equal(f->est->mem.runtime, 0);
	assert_true(f->est->on_host);
	/* Apple: Metal, no CUDA context, one pool judged once. */
	assert_true(mp_place(&f->m[5], &f->hw[2], &sc, f->est, &j, &e));
	assert_int_equal(f->est->sc.backend, MP_BE_METAL);
	assert_int_equal(f->est->mem.runtime, 0);
	assert_true(j.host.predicted >= j.judged);
	/* CPU llama.cpp: fewer bits never need more resident memory. */
	{
		struct mp_judgement	 j4, j5;
		static const struct row q5 = { "qwen2.5-7b-instruct",
		    { "runtime", "llamacpp", "weights", "q5_k_m",
		    "gpu_layers", "0", NULL } };
		static const struct row q4 = { "qwen2.5-7b-instruct",
		    { "runtime", "llamacpp", "weights", "q4_k_m",
		    "gpu_layers", "0", NULL } };

		scenario(&q4, &sc);
		assert_true(mp_place(&f->m[3], &f->hw[1], &sc, f->est, &j4,
		    &e));
		scenario(&q5, &sc);
		assert_true(mp_place(&f->m[3], &f->hw[1], &sc, f->est, &j5,
		    &e));
		assert_true(j4.judged <= j5.judged);
	}
}

/* Checkpoints priced as shipped: gpt-oss-20b's MXFP4 experts. */
static void
test_consistency_as_shipped(void **state)
{
	struct fx		*f = *state;
	struct mp_model		 m;
	struct mp_scenario	 sc;
	struct mp_judgement	 j;
	struct mp_error		 e;
	uint64_t		 shipped;

	(void)f;
	mp_error_clear(&e);
	mp_model_init(&m);
	assert_true(mp_model_load("gpt-oss-20b", &m, &e));
	mp_scenario_init(&sc);
	assert_true(mp_place(&m, &f->hw[0], &sc, f->est, &j, &e));
	assert_true(f->est->sc.weights_shipped);
	assert_int_equal(f->est->sc.weights, MP_DT_MXFP4);
	shipped = f->est->mem.weights;
	/* The published checkpoint: 12.8 GiB (issue 11). */
	assert_true(shipped > (uint64_t)(12.7 * (1 << 30)) &&
	    shipped < (uint64_t)(12.9 * (1 << 30)));
	/* --weights mxfp4 quantizes attention too: smaller than shipped. */
	assert_true(mp_plan_set_option(&sc, "weights", "mxfp4",
	    &(bool){ false }, (char[64]){ 0 }, 64));
	assert_true(mp_place(&m, &f->hw[0], &sc, f->est, &j, &e));
	assert_false(f->est->sc.weights_shipped);
	assert_true(f->est->mem.weights < shipped);
	/* bf16 is the dequantized model, three times the bytes. */
	assert_true(mp_plan_set_option(&sc, "weights", "bf16",
	    &(bool){ false }, (char[64]){ 0 }, 64));
	assert_true(mp_place(&m, &f->hw[0], &sc, f->est, &j, &e));
	assert_true(f->est->mem.weights > 3 * shipped);
	mp_model_fini(&m);
}

/*
 * A mixed machine (rtx-4090-rtx-3060): every card judged against its own
 * memory.  llama.cpp splits by each card's memory, vLLM's tensor parallel
 * ranks hold equal shares and the smaller card decides, the bf16 gate
 * and every other verdict come from all the cards used.
 */
static void
test_consistency_mixed_gpus(void **state)
{
	struct fx		*f = *state;
	struct mp_scenario	 sc;
	struct mp_judgement	 j;
	struct mp_error		 e;
	const struct mp_hardware *hw = &f->hw[NPROF - 1];
	const struct mp_device	*g[4];
	uint64_t		 big, small;

	mp_error_clear(&e);
	assert_string_equal(hw->name, "rtx-4090-rtx-3060");
	assert_int_equal(mp_hardware_gpus(hw, g, 4), 2);
	big = mp_device_usable(g[0], hw);
	small = mp_device_usable(g[1], hw);
	/* Larger card first, as CUDA numbers the fastest first. */
	assert_true(big > small);
	assert_string_equal(g[1]->name, "NVIDIA GeForce RTX 3060");
	/* llama.cpp q4_k_m of a 70B: both cards, each its own capacity,
	 * the 4090 holding more (split by free memory). */
	scenario(&rows[0], &sc);
	assert_true(mp_place(&f->m[0], hw, &sc, f->est, &j, &e));
	assert_int_equal(f->est->sc.gpus, 2);
	assert_int_equal(j.n_dev, 2);
	assert_int_equal(j.dev[0].capacity, big);
	assert_int_equal(j.dev[1].capacity, small);
	assert_true(j.dev[0].predicted > j.dev[1].predicted);
	assert_int_equal(j.capacity, j.dev[j.fullest].capacity);
	/* The fullest is the card with the least headroom. */
	assert_true(j.dev[j.fullest].headroom <= j.dev[1 - j.fullest].headroom);
	/* q2_k fits both; the 3060 is then the fuller one. */
	assert_true(mp_plan_set_option(&sc, "weights", "q2_k",
	    &(bool){ false }, (char[64]){ 0 }, 64));
	assert_true(mp_place(&f->m[0], hw, &sc, f->est, &j, &e));
	assert_true(j.dev[0].predicted > j.dev[1].predicted);
	assert_int_equal(j.fullest, 1);
	assert_int_equal(j.capacity, small);
	assert_true(j.fits);
	/* --gpus 1: the 4090 alone, where 35 GiB of weights cannot fit. */
	sc.gpus = 1;
	assert_true(mp_place(&f->m[0], hw, &sc, f->est, &j, &e));
	assert_int_equal(j.n_dev, 1);
	assert_int_equal(j.capacity, big);
	assert_int_equal(j.verdict, MP_VERDICT_NO);
	/* vLLM over both: equal ranks; the pool is sized from the 3060,
	 * so neither rank exceeds the smaller card's 90 %. */
	scenario(&rows[8], &sc);
	assert_true(mp_place(&f->m[8], hw, &sc, f->est, &j, &e));
	assert_int_equal(j.n_dev, 2);
	assert_int_equal(j.dev[0].predicted, j.dev[1].predicted);
	assert_int_equal(j.fullest, 1);
	assert_true(j.dev[1].predicted <= small);
	assert_true(j.verdict != MP_VERDICT_UNSUPPORTED);
	/* vLLM FP8 on the 4090 (FP8 cores) and the 3060 (8.6: weight-only
	 * through Marlin): both may run it. */
	scenario(&rows[9], &sc);
	assert_true(mp_place(&f->m[9], hw, &sc, f->est, &j, &e));
	assert_true(j.verdict != MP_VERDICT_UNSUPPORTED);
}

/*
 * The smaller model plan names: of the asked model's family (the same
 * tokenizer and publisher, instruct for an instruct model), the largest
 * that fits, with what plan recommends for it on the same machine; and
 * beside a serve recommendation that runs layers in host memory or below
 * 4 bits (a 70B on a T4), one that runs on the GPU at 4 bits or more.
 */
static void
test_consistency_smaller_model(void **state)
{
	struct fx		*f = *state;
	struct mp_scenario	 base;
	struct mp_planres	 pr, own;
	struct mp_error		 e;
	const struct mp_option	*o;
	char			 txt[MP_REASON_TEXT];
	size_t			 i, p, k;
	/* workstation-16gb (CPU), m4-16gb (Apple), t4, rtx-4060-8gb */
	static const size_t	 small[] = { 1, 2, 3, 4 };

	mp_error_clear(&e);
	for (k = 0; k < sizeof(small) / sizeof(small[0]); k++) {
		const struct mp_smaller *sm;
		const struct mp_option *ro = NULL;

		p = small[k];
		mp_scenario_init(&base);
		assert_true(mp_planner_plan(&f->m[0], &f->hw[p], &base, 0,
		    &pr, &e));
		sm = &pr.smaller[MP_GOAL_SERVE];
		/* Llama-3.1-8B-Instruct, not Llama-3.2-3B in bf16 nor a
		 * base model: the largest of the family that fits. */
		if (strcmp(sm->name, "llama-3.1-8b-instruct") != 0)
			fail_msg("%s: smaller model \"%s\"", profiles[p],
			    sm->name);
		/* Its option is what plan recommends for the 8B there. */
		assert_true(mp_planner_plan(&f->m[5], &f->hw[p], &base, 0,
		    &own, &e));
		for (i = 0; i < own.n_rec && ro == NULL; i++)
			if (own.rec[i].goal == MP_GOAL_SERVE)
				ro = &own.opt[own.rec[i].opt];
		assert_non_null(ro);
		assert_string_equal(sm->label, ro->label);
		assert_int_equal(sm->judged, ro->j.judged);
		assert_string_equal(sm->command, ro->est.command);
		mp_planres_fini(&own);
		/* Where nothing of the 70B fits it is said after "nothing
		 * fits"; beside a recommendation it is its own line. */
		for (ro = NULL, i = 0; i < pr.n_rec; i++)
			if (pr.rec[i].goal == MP_GOAL_SERVE && ro == NULL)
				ro = &pr.opt[pr.rec[i].opt];
		if (ro == NULL) {
			assert_false(sm->beside);
			mp_reason_text(&pr.none[MP_GOAL_SERVE], MP_UNITS_IEC,
			    txt, sizeof(txt));
			assert_non_null(strstr(txt, "a smaller model fits: "
			    "llama-3.1-8b-instruct"));
		} else {
			/* T4, RTX 4060: q2_k with layers in host memory,
			 * still recommended for the 70B asked for. */
			assert_true(sm->beside);
			assert_true(mp_policy_compromise(&pr, ro));
			assert_true(sm->tps > (ro->has_speed ?
			    ro->speed.decode_tps : 0));
		}
		mp_planres_fini(&pr);
	}
	/* Qwen3-32B on 8 GB: Qwen3-14B is closer, but its own plan is q2_k
	 * (a compromise too); Qwen3-8B runs on the card at 4 bits or more,
	 * so it is the one named. */
	{
		struct mp_model q32;

		mp_model_init(&q32);
		assert_true(mp_model_load("qwen3-32b", &q32, &e));
		mp_scenario_init(&base);
		assert_true(mp_planner_plan(&q32, &f->hw[4], &base, 0, &pr,
		    &e));
		assert_string_equal(pr.smaller[MP_GOAL_SERVE].name,
		    "qwen3-8b");
		assert_true(pr.smaller[MP_GOAL_SERVE].beside);
		mp_planres_fini(&pr);
		mp_model_fini(&q32);
	}
	/* Two 4090s run the 70B at q4_k_m on the GPUs: no smaller model
	 * beside it, and a mode that does not fit names the 8B instruct
	 * model (not Llama-2-13b-hf or Yi-34B, base models of another
	 * tokenizer). */
	mp_scenario_init(&base);
	assert_true(mp_planner_plan(&f->m[0], &f->hw[0], &base, 0, &pr, &e));
	assert_string_equal(pr.smaller[MP_GOAL_SERVE].name, "");
	for (i = 0; i < pr.n_opt; i++) {
		o = &pr.opt[i];
		if (o->goal == MP_GOAL_SERVE && o->alt[0] != '\0')
			assert_string_equal(o->alt, "llama-3.1-8b-instruct");
	}
	mp_planres_fini(&pr);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_consistency_commands_agree),
		cmocka_unit_test(test_consistency_plan_options_reestimate),
		cmocka_unit_test(test_consistency_rpc_plan),
		cmocka_unit_test(test_consistency_platform_gates),
		cmocka_unit_test(test_consistency_placement_defaults),
		cmocka_unit_test(test_consistency_as_shipped),
		cmocka_unit_test(test_consistency_mixed_gpus),
		cmocka_unit_test(test_consistency_smaller_model),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
