/* test_llamacpp_place.c: llama.cpp placement options (issue 13) */
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
#define GIB	(1024ull * MIB)

static void
run_fail(const struct mp_model *m, const struct mp_scenario *sc,
    const char *field)
{
	struct mp_estimate est;
	struct mp_error err;

	mp_error_clear(&err);
	assert_false(mp_estimate(m, sc, &est, &err));
	assert_int_equal(err.status, MP_EUSAGE);
	assert_string_equal(err.field, field);
}

static uint64_t
resident(const struct mp_estimate *e)
{
	return e->host_total - e->host_reclaimable;
}

#define ANY_LAYER	UINT32_MAX

/*
 * Bytes of the tensors llama.cpp loads for ftype whose name starts with
 * prefix and holds part (NULL: any), of layers [0, n) (ANY_LAYER: any
 * tensor, the model's own too).
 */
static uint64_t
tensor_bytes(const struct mp_model *m, const char *ftype, const char *prefix,
    const char *part, uint32_t n)
{
	struct mp_gguf_tensor *t = NULL;
	struct mp_error err;
	uint64_t sum = 0;
	size_t i, cnt = 0;

	mp_error_clear(&err);
	if (!mp_gguf_tensors(m, ftype, &t, &cnt, &err))
		fail_msg("tensors: %s", err.msg);
	for (i = 0; i < cnt; i++)
		if (strncmp(t[i].name, prefix, strlen(prefix)) == 0 &&
		    (part == NULL || strstr(t[i].name, part) != NULL) &&
		    (n == ANY_LAYER || (t[i].layer >= 0 &&
		    (uint32_t)t[i].layer < n)))
			sum += t[i].bytes;
	free(t);
	return sum;
}

/* The expert tensors of layers [0, n). */
static uint64_t
expert_bytes(const struct mp_model *m, const char *ftype, uint32_t n)
{
	return tensor_bytes(m, ftype, "", "_exps", n);
}

static void
set(struct mp_scenario *sc, const char *key, const char *v)
{
	const struct mp_optspec *o = mp_option_file(key);
	char why[200];

	if (o == NULL || !mp_option_set(o, v, sc, why, sizeof(why)))
		fail_msg("%s=%s: %s", key, v, o != NULL ? why : "no such key");
}

/* --n-cpu-moe N moves exactly the expert tensors of layers 0..N-1. */
static void
test_place_n_cpu_moe_moves_experts(void **state)
{
	struct mp_model m;
	struct mp_scenario sc;
	struct mp_estimate gpu, part, all;

	(void)state;
	fx_load_bundled("qwen3-30b-a3b", &m);
	fx_gguf_scenario(&sc, 4096, "q4_k_m");
	fx_estimate(&m, &sc, &gpu);
	set(&sc, "n_cpu_moe", "20");
	fx_estimate(&m, &sc, &part);
	assert_int_equal(part.mem.weights, gpu.mem.weights);
	assert_int_equal(part.mem.kv_cache, gpu.mem.kv_cache);
	assert_int_equal(resident(&part) - resident(&gpu),
	    expert_bytes(&m, "q4_k_m", 20));
	assert_true(part.device_total + expert_bytes(&m, "q4_k_m", 20) / 2 <
	    gpu.device_total);
	/* --cpu-moe is every layer's experts. */
	set(&sc, "cpu_moe", "true");
	fx_estimate(&m, &sc, &all);
	assert_int_equal(resident(&all) - resident(&gpu),
	    expert_bytes(&m, "q4_k_m", m.layers));
	assert_int_equal(sc.n_cpu_moe, MP_CPU_MOE_ALL);
	mp_model_fini(&m);
}

static void
test_place_n_cpu_moe_needs_experts(void **state)
{
	struct mp_model m;
	struct mp_scenario sc;

	(void)state;
	fx_load_bundled("qwen2.5-7b-instruct", &m);
	fx_llamacpp_scenario(&sc, 4096, 1);
	set(&sc, "n_cpu_moe", "4");
	run_fail(&m, &sc, "--n-cpu-moe");
	set(&sc, "cpu_moe", "true");
	run_fail(&m, &sc, "--cpu-moe");
	mp_model_fini(&m);
}

static void
same_placement(const struct mp_estimate *a, const struct mp_estimate *b)
{
	uint32_t d;

	assert_int_equal(a->device_total, b->device_total);
	assert_int_equal(a->host_total, b->host_total);
	assert_int_equal(a->host_reclaimable, b->host_reclaimable);
	assert_int_equal(a->mem.total, b->mem.total);
	assert_int_equal(a->n_dev_bytes, b->n_dev_bytes);
	for (d = 0; d < a->n_dev_bytes; d++)
		assert_int_equal(a->dev_bytes[d], b->dev_bytes[d]);
}

/*
 * -ot PATTERN=BUFFER: --n-cpu-moe is the same mechanism, so the regex
 * that names the same tensors places them the same, in POSIX and in
 * ECMAScript spelling; the first matching rule wins; a rule to another
 * GPU moves exactly the matched tensors' bytes there.
 */
static void
test_place_override_tensor(void **state)
{
	struct mp_model m;
	struct mp_scenario sc;
	struct mp_estimate moe, ot, base, moved;
	uint64_t b40;

	(void)state;
	fx_load_bundled("qwen3-30b-a3b", &m);
	fx_gguf_scenario(&sc, 4096, "q4_k_m");
	set(&sc, "n_cpu_moe", "20");
	fx_estimate(&m, &sc, &moe);
	sc.n_cpu_moe = 0;
	set(&sc, "override_tensor",
	    "blk\\.([0-9]|1[0-9])\\.ffn_(up|down|gate)_exps=CPU");
	fx_estimate(&m, &sc, &ot);
	same_placement(&moe, &ot);
	set(&sc, "override_tensor",
	    "blk\\.(\\d|1\\d)\\.ffn_(?:up|down|gate)_ex.*?s=CPU");
	fx_estimate(&m, &sc, &ot);
	same_placement(&moe, &ot);
	/* --cpu-moe is "exps=CPU" */
	sc.n_cpu_moe = MP_CPU_MOE_ALL;
	sc.override_tensor[0] = '\0';
	fx_estimate(&m, &sc, &moe);
	sc.n_cpu_moe = 0;
	set(&sc, "override_tensor", "exps=CPU");
	fx_estimate(&m, &sc, &ot);
	same_placement(&moe, &ot);
	/* the first rule that matches decides: the experts stay put */
	sc.override_tensor[0] = '\0';
	fx_estimate(&m, &sc, &base);
	set(&sc, "override_tensor", "exps=CUDA0,exps=CPU");
	fx_estimate(&m, &sc, &ot);
	same_placement(&base, &ot);
	/* two GPUs (both without pipeline parallelism: any override
	 * turns it off): blk.47 goes from GPU 1 to GPU 0, bytes exactly */
	sc.gpus = 2;
	sc.override_tensor[0] = '\0';
	set(&sc, "n_cpu_moe", "1");
	fx_estimate(&m, &sc, &base);
	set(&sc, "override_tensor", "^blk\\.47\\.=CUDA0");
	fx_estimate(&m, &sc, &moved);
	b40 = tensor_bytes(&m, "q4_k_m", "blk.47.", NULL, ANY_LAYER);
	assert_true(b40 > 0);
	assert_int_equal(moved.dev_bytes[0], base.dev_bytes[0] + b40);
	assert_int_equal(moved.dev_bytes[1], base.dev_bytes[1] - b40);
	assert_int_equal(moved.host_total, base.host_total);
	/* the command keeps -ot, quoted, before --n-cpu-moe */
	assert_non_null(strstr(moved.command,
	    " -ot '^blk\\.47\\.=CUDA0' --n-cpu-moe 1"));
	/* a GPU past --gpus, and another backend's buffer */
	set(&sc, "override_tensor", "exps=CUDA2");
	run_fail(&m, &sc, "--override-tensor");
	set(&sc, "override_tensor", "exps=MTL0");
	run_fail(&m, &sc, "--override-tensor");
	sc.backend = MP_BE_CPU;
	set(&sc, "override_tensor", "exps=CUDA0");
	run_fail(&m, &sc, "--override-tensor");
	mp_model_fini(&m);
}

/* llama.cpp's own buffers on GPU 0 for sc (llamacpp.c). */
static uint64_t
gpu0_use(const struct mp_model *m, const struct mp_scenario *sc,
    uint64_t *rt)
{
	struct mp_llamacpp_use u;
	struct mp_scenario t = *sc;
	struct mp_error err;

	mp_error_clear(&err);
	t.fit = false;
	if (!mp_scenario_resolve(&t, m, &err) ||
	    !mp_llamacpp_device_use(m, &t, &u, &err))
		fail_msg("device use: %s", err.msg);
	*rt = u.runtime;
	return u.total[0];
}

/*
 * --fit: what llama_params_fit picks on one GPU of free memory F with
 * the 1024 MiB target: the most -ngl (dense) or full layers (MoE) whose
 * buffers leave the target free, one more would not.
 */
static void
test_fit_one_gpu(void **state)
{
	const uint64_t free = 8ull << 30, margin = 1024 * MIB;
	struct mp_model m;
	struct mp_scenario sc, t;
	struct mp_estimate est;
	uint64_t rt, used;
	char *p;
	long first;

	(void)state;
	fx_load_bundled("llama-3.1-8b-instruct", &m);
	fx_gguf_scenario(&sc, 4096, "q8_0");
	sc.backend = MP_BE_CUDA;
	sc.dev_free[0] = free;
	sc.n_dev_free = 1;
	set(&sc, "fit", "true");
	fx_estimate(&m, &sc, &est);
	assert_true(est.sc.gpu_layers > 0 &&
	    (uint64_t)est.sc.gpu_layers < m.layers);
	used = gpu0_use(&m, &est.sc, &rt);
	assert_true(used + rt + margin <= free);
	t = est.sc;
	t.gpu_layers++;
	assert_true(gpu0_use(&m, &t, &rt) + rt + margin > free);
	assert_non_null(strstr(est.command, " -ngl "));
	/* a target of 0 MiB leaves room for more layers */
	set(&sc, "fit_target", "0");
	fx_estimate(&m, &sc, &est);
	assert_true(est.sc.gpu_layers >= t.gpu_layers);
	mp_model_fini(&m);

	/* MoE: every layer on the GPU, the experts of the last ones on
	 * the CPU; one more full layer would not fit */
	fx_load_bundled("qwen3-30b-a3b", &m);
	fx_gguf_scenario(&sc, 4096, "q4_k_m");
	sc.backend = MP_BE_CUDA;
	sc.dev_free[0] = free;
	sc.n_dev_free = 1;
	set(&sc, "fit", "true");
	fx_estimate(&m, &sc, &est);
	assert_int_equal(est.sc.gpu_layers, -1);
	p = strstr(est.sc.override_tensor, "blk\\.(");
	assert_non_null(p);
	first = strtol(p + 6, NULL, 10);
	assert_true(first > 0 && first < (long)m.layers);
	assert_non_null(strstr(est.sc.override_tensor, "|47)"));
	used = gpu0_use(&m, &est.sc, &rt);
	assert_true(used + rt + margin <= free);
	t = est.sc;
	snprintf(t.override_tensor, sizeof(t.override_tensor),
	    "blk\\.(%ld", first + 1);
	for (long il = first + 2; il < (long)m.layers; il++)
		snprintf(t.override_tensor + strlen(t.override_tensor),
		    sizeof(t.override_tensor) - strlen(t.override_tensor),
		    "|%ld", il);
	strcat(t.override_tensor, ")\\.ffn_(up|down|gate_up|gate)_(ch|)"
	    "exps=CPU");
	assert_true(gpu0_use(&m, &t, &rt) + rt + margin > free);
	/*
	 * The partial-layer step: the layer before the list keeps part of
	 * its MLP (its own rule, first): up and gate (GATE) when they leave
	 * the target free, else up (UP) when GATE would not, else only the
	 * attention (ATTN) when UP would not.
	 */
	{
		static const char *const frac[] = { "ffn_down.*",
		    "ffn_(gate|gate_up|down).*", "ffn_(gate|up|gate_up|down).*" };
		char want[96];
		size_t k;

		for (k = 0; k < 3; k++) {
			snprintf(want, sizeof(want), "blk\\.%ld\\.%s=CPU,",
			    first - 1, frac[k]);
			if (strncmp(est.sc.override_tensor, want,
			    strlen(want)) == 0)
				break;
		}
		assert_true(k < 3);
		if (k > 0) {
			/* the next larger fraction would not leave it */
			t = est.sc;
			snprintf(t.override_tensor, sizeof(t.override_tensor),
			    "blk\\.%ld\\.%s=CPU,%s", first - 1, frac[k - 1],
			    strchr(est.sc.override_tensor, ',') + 1);
			assert_true(gpu0_use(&m, &t, &rt) + rt + margin >= free);
		}
	}
	/* what the user set stays: -ngl given, nothing fitted */
	sc.gpu_layers = 10;
	sc.gpu_layers_set = true;
	fx_estimate(&m, &sc, &est);
	assert_int_equal(est.sc.gpu_layers, 10);
	assert_string_equal(est.sc.override_tensor, "");
	/* no machine: nothing to fit to */
	sc.gpu_layers = -1;
	sc.gpu_layers_set = false;
	sc.n_dev_free = 0;
	run_fail(&m, &sc, "--fit");
	mp_model_fini(&m);
}

/* -ts 3,1 puts three quarters of the layers on GPU 0. */
static void
test_place_tensor_split(void **state)
{
	struct mp_model m;
	struct mp_scenario sc;
	struct mp_estimate eq, ts;

	(void)state;
	fx_load_bundled("qwen2.5-7b-instruct", &m);
	fx_llamacpp_scenario(&sc, 4096, 1);
	sc.gpus = 2;
	fx_estimate(&m, &sc, &eq);
	assert_int_equal(eq.n_dev_bytes, 2);
	set(&sc, "tensor_split", "3,1");
	fx_estimate(&m, &sc, &ts);
	assert_int_equal(ts.n_dev_bytes, 2);
	assert_int_equal(ts.device_total, eq.device_total);
	assert_true(ts.dev_bytes[0] > 2 * ts.dev_bytes[1]);
	assert_true(eq.dev_bytes[0] < eq.dev_bytes[1] + eq.dev_bytes[1] / 4);
	/* A default split follows each GPU's free memory. */
	fx_llamacpp_scenario(&sc, 4096, 1);
	sc.gpus = 2;
	sc.n_dev_free = 2;
	sc.dev_free[0] = 24ull << 30;
	sc.dev_free[1] = 8ull << 30;
	fx_estimate(&m, &sc, &ts);
	assert_true(ts.dev_bytes[0] > 2 * ts.dev_bytes[1]);
	/* One proportion per GPU, and a main GPU that exists. */
	set(&sc, "tensor_split", "1,1,1");
	run_fail(&m, &sc, "--tensor-split");
	fx_llamacpp_scenario(&sc, 4096, 1);
	sc.gpus = 2;
	set(&sc, "main_gpu", "2");
	run_fail(&m, &sc, "--main-gpu");
	mp_model_fini(&m);
}

/* -sm none runs on the main GPU alone; -sm row splits the matrices. */
static void
test_place_split_modes(void **state)
{
	struct mp_model m;
	struct mp_scenario sc;
	struct mp_estimate one, none, row;
	char buf[MP_NOTE_TEXT];
	size_t i, found;

	(void)state;
	fx_load_bundled("qwen2.5-7b-instruct", &m);
	fx_llamacpp_scenario(&sc, 4096, 1);
	fx_estimate(&m, &sc, &one);
	sc.gpus = 2;
	set(&sc, "split_mode", "none");
	set(&sc, "main_gpu", "1");
	fx_estimate(&m, &sc, &none);
	assert_int_equal(none.device_total, one.device_total);
	assert_int_equal(none.dev_bytes[0], 0);
	assert_int_equal(none.dev_bytes[1], one.device_total);
	/* the note names the one GPU, not a split */
	for (i = 0, found = 0; i < none.n_notes; i++)
		if (strcmp(none.notes[i].id, "llamacpp.split") == 0 &&
		    strstr(mp_note_text(&none.notes[i], MP_UNITS_IEC, buf,
		    sizeof(buf)), "-sm none: GPU 1 of 2 (-mg) holds") != NULL)
			found++;
	assert_int_equal(found, 1);
	set(&sc, "split_mode", "row");
	set(&sc, "main_gpu", "0");
	fx_estimate(&m, &sc, &row);
	assert_true(row.dev_bytes[1] > 0);
	assert_true(row.dev_bytes[1] < row.dev_bytes[0]);
	/* Both GPUs pay a context; the weights are the same bytes. */
	assert_int_equal(row.mem.weights, one.mem.weights);
	assert_int_equal(row.mem.runtime, 2 * one.mem.runtime);
	mp_model_fini(&m);
}

#define TINY_KV_PER_CELL	(4ull * 2 * 2 * 64 * 2)

/* --kv-unified: one stream of -c cells, not -np padded streams. */
static void
test_place_kv_unified(void **state)
{
	struct mp_model m;
	struct mp_scenario sc;
	struct mp_estimate est;

	(void)state;
	fx_tiny_llama(&m);
	fx_llamacpp_scenario(&sc, 1100, 3);
	fx_estimate(&m, &sc, &est);
	assert_int_equal(est.mem.kv_cache, 3840 * TINY_KV_PER_CELL);
	set(&sc, "kv_unified", "true");
	fx_estimate(&m, &sc, &est);
	/* -c 3300 padded to 3328 cells, shared by the 3 sequences. */
	assert_int_equal(est.mem.kv_cache, 3328 * TINY_KV_PER_CELL);
	mp_model_fini(&m);
}

/* --swa-full: the sliding-window layers keep every cell too. */
static void
test_place_swa_full(void **state)
{
	struct mp_model m;
	struct mp_scenario sc;
	struct mp_estimate swa, full;
	uint64_t cell = 0;
	uint32_t il;

	(void)state;
	fx_load_bundled("gemma-2-9b-it", &m);
	fx_llamacpp_scenario(&sc, 32768, 1);
	fx_estimate(&m, &sc, &swa);
	set(&sc, "swa_full", "true");
	fx_estimate(&m, &sc, &full);
	for (il = 0; il < m.layers; il++)
		cell += 2ull * (m.layer[il].kv_k + m.layer[il].kv_v);
	assert_int_equal(full.mem.kv_cache, 32768 * cell);
	assert_true(swa.mem.kv_cache < full.mem.kv_cache * 3 / 4);
	mp_model_fini(&m);
}

/* No accelerator: the CPU runs it whatever --gpu-layers says. */
static void
test_place_backends(void **state)
{
	struct mp_model m;
	struct mp_scenario sc;
	struct mp_estimate cpu, metal, cuda;

	(void)state;
	fx_load_bundled("qwen2.5-7b-instruct", &m);
	fx_llamacpp_scenario(&sc, 4096, 1);
	fx_estimate(&m, &sc, &cuda);
	sc.backend = MP_BE_CPU;
	fx_estimate(&m, &sc, &cpu);
	assert_true(cpu.on_host);
	assert_int_equal(cpu.device_total, 0);
	assert_int_equal(cpu.n_dev_bytes, 0);
	fx_llamacpp_scenario(&sc, 4096, 1);
	sc.backend = MP_BE_METAL;
	sc.cpu_isa = MP_ISA_NEON;
	fx_estimate(&m, &sc, &metal);
	assert_false(metal.on_host);
	/* No CUDA context on Metal. */
	assert_int_equal(metal.mem.runtime, 0);
	assert_int_equal(metal.device_total + cuda.mem.runtime,
	    cuda.device_total);
	mp_model_fini(&m);
}

/* CPU only: fewer bits never need more resident memory. */
static void
test_place_cpu_fewer_bits_less_memory(void **state)
{
	static const char *const order[] = {
		"q2_k", "q4_0", "q4_k_m", "q5_k_m", "q6_k", "q8_0", NULL
	};
	struct mp_model m;
	struct mp_scenario sc;
	struct mp_estimate est;
	uint64_t prev = 0;
	size_t i;

	(void)state;
	fx_load_bundled("qwen2.5-7b-instruct", &m);
	for (i = 0; order[i] != NULL; i++) {
		fx_gguf_scenario(&sc, 4096, order[i]);
		sc.backend = MP_BE_CPU;
		fx_estimate(&m, &sc, &est);
		assert_true(resident(&est) > prev);
		prev = resident(&est);
	}
	mp_model_fini(&m);
}

/* Q2_K is repacked only by the x86 AVX-512 kernels, never on NEON. */
static void
test_place_no_x86_repack_on_arm(void **state)
{
	struct mp_model m;
	struct mp_scenario sc;
	struct mp_estimate x86, arm;

	(void)state;
	fx_load_bundled("qwen2.5-7b-instruct", &m);
	fx_gguf_scenario(&sc, 4096, "q2_k");
	sc.backend = MP_BE_CPU;
	fx_estimate(&m, &sc, &x86);
	sc.cpu_isa = MP_ISA_NEON;
	fx_estimate(&m, &sc, &arm);
	assert_true(x86.host_reclaimable > 0);
	assert_true(arm.host_total < x86.host_total);
	mp_model_fini(&m);
}

/* The command carries the placement flags as llama-server spells them. */
static void
test_place_command(void **state)
{
	struct mp_model m;
	struct mp_scenario sc;
	struct mp_estimate est;

	(void)state;
	fx_load_bundled("qwen3-30b-a3b", &m);
	fx_gguf_scenario(&sc, 16384, "q4_k_m");
	sc.flash_attn = MP_ON;
	sc.kv_dtype = MP_DT_Q8_0;
	sc.gpus = 2;
	set(&sc, "n_cpu_moe", "12");
	set(&sc, "tensor_split", "2.5,1");
	fx_estimate(&m, &sc, &est);
	assert_string_equal(est.command, "llama-server -m "
	    "qwen3-30b-a3b-Q4_K_M.gguf -c 16384 -ngl 99 -fa on -ctk q8_0 "
	    "-ctv q8_0 --n-cpu-moe 12 -ts 2.5,1");
	mp_model_fini(&m);
}

/* The command of a draft scenario whose draft model is d, for spec. */
static void
draft_command(struct mp_model *m, struct mp_model *d, const char *spec,
    struct mp_estimate *est)
{
	if (m->cache == NULL)
		fail_msg("the main model has no cache");
	mp_model_fini(m->cache->draft);
	free(m->cache->draft);
	m->cache->draft = d;
	snprintf(m->cache->draft_spec, sizeof(m->cache->draft_spec), "%s",
	    spec);
	memset(est, 0, sizeof(*est));
	mp_scenario_init(&est->sc);
	est->sc.runtime = MP_RT_LLAMACPP;
	est->sc.backend = MP_BE_CUDA;
	est->sc.weights = MP_DT_NONE;
	strcpy(est->sc.ftype, "q4_k_m");
	est->sc.seq = 4096;
	est->sc.draft_gpu_layers = -1;
	snprintf(est->sc.draft, sizeof(est->sc.draft), "%s", spec);
	mp_command_build(m, est);
}

/*
 * -md names the draft model the way -m names the main one: a bundled
 * config by the GGUF made from its Hub repository, a Hub GGUF by -hfd,
 * a URL by the file it downloads to, a GGUF file by its path; vLLM's
 * speculative config by the draft's Hub id.
 */
static void
test_place_draft_named_like_main(void **state)
{
	struct mp_model m, *d;
	struct mp_scenario sc;
	struct mp_estimate est;
	struct mp_error err;

	(void)state;
	mp_model_init(&m);
	mp_error_clear(&err);
	if (!mp_model_load("llama-3.1-8b-instruct", &m, &err))
		fail_msg("load: %s", err.msg);
	fx_gguf_scenario(&sc, 4096, "q4_k_m");
	sc.backend = MP_BE_CUDA;
	strcpy(sc.draft, "llama-3.2-1b-instruct");
	fx_estimate(&m, &sc, &est);
	assert_string_equal(est.command, "llama-server -m "
	    "Llama-3.1-8B-Instruct-Q4_K_M.gguf -c 4096 -ngl 99 -md "
	    "Llama-3.2-1B-Instruct-Q4_K_M.gguf -ngld 99");
	sc.runtime = MP_RT_VLLM;
	sc.ftype[0] = '\0';
	sc.weights = MP_DT_BF16;
	sc.spec_tokens = 4;
	fx_estimate(&m, &sc, &est);
	assert_non_null(strstr(est.command, "--speculative-config '{\"model\": "
	    "\"meta-llama/Llama-3.2-1B-Instruct\""));

	d = calloc(1, sizeof(*d));
	assert_non_null(d);
	d->source = MP_SRC_GGUF;
	d->fetch_kind = MP_FETCH_HUB;
	strcpy(d->fetch, "bartowski/Llama-3.2-1B-Instruct-GGUF:Q4_K_M");
	draft_command(&m, d, "hf.co/bartowski/Llama-3.2-1B-Instruct-GGUF:Q4_K_M",
	    &est);
	assert_non_null(strstr(est.command,
	    " -hfd bartowski/Llama-3.2-1B-Instruct-GGUF:Q4_K_M -ngld 99"));

	d = calloc(1, sizeof(*d));
	assert_non_null(d);
	d->source = MP_SRC_GGUF;
	d->fetch_kind = MP_FETCH_URL;
	strcpy(d->fetch, "https://example.org/m/Llama-3.2-1B-Instruct-Q8_0.gguf");
	draft_command(&m, d, d->fetch, &est);
	assert_non_null(strstr(est.command,
	    " -md Llama-3.2-1B-Instruct-Q8_0.gguf -ngld 99"));
	assert_null(strstr(est.command, "-mu "));

	d = calloc(1, sizeof(*d));
	assert_non_null(d);
	d->source = MP_SRC_GGUF;
	strcpy(d->path, "/models/draft-q4.gguf");
	draft_command(&m, d, "/models/draft-q4.gguf", &est);
	assert_non_null(strstr(est.command, " -md /models/draft-q4.gguf "));
	mp_model_fini(&m);
}

/*
 * --nodes 2 over GPUs is llama.cpp's RPC split (llamacpp.c): qwen2.5-7b
 * q4_k_m on two machines of two RTX 4090s is four devices in llama.cpp's
 * order, the other node's two first (rpc-server), this host's two last,
 * the output layer on the very last.  The 28 layers and the output (29
 * slots) split evenly: slot il goes to the first device whose cumulative
 * share exceeds il / 29, so the remote node holds layers 0-14.  Its host
 * holds rpc-server's baseline (46 MiB) and the largest of those tensors
 * (one RPC_CMD_SET_TENSOR message), and this host one more copy of it at
 * load; every device is judged against its card and the hosts against
 * RAM.
 */
static void
test_place_rpc_split_across_nodes(void **state)
{
	struct mp_model m;
	struct mp_hardware hw;
	struct mp_scenario sc;
	struct mp_estimate *one, *two;
	struct mp_judgement j1, j2;
	struct mp_error err;
	struct mp_gguf_tensor *t = NULL;
	uint64_t big = 0;
	size_t i, n = 0;

	(void)state;
	one = calloc(2, sizeof(*one));
	assert_non_null(one);
	two = one + 1;
	mp_error_clear(&err);
	fx_load_bundled("qwen2.5-7b-instruct", &m);
	assert_true(mp_hardware_load("2x-rtx-4090", &hw, &err));
	fx_gguf_scenario(&sc, 4096, "q4_k_m");
	sc.nodes = 1;
	assert_true(mp_place(&m, &hw, &sc, one, &j1, &err));
	sc.nodes = 2;
	assert_true(mp_place(&m, &hw, &sc, two, &j2, &err));
	assert_int_equal(one->n_dev_bytes, 2);
	assert_int_equal(two->n_dev_bytes, 4);
	assert_int_equal(two->dev_nodes, 2);
	assert_int_equal(j1.gpus, 2);
	assert_int_equal(j2.gpus, 4);
	assert_int_equal(j2.n_dev, 4);
	/* RPC devices first: node 2's GPUs are 0 and 1 */
	assert_int_equal(mp_judgement_node(&j2, 0), 2);
	assert_int_equal(mp_judgement_node(&j2, 1), 2);
	assert_int_equal(mp_judgement_node(&j2, 2), 1);
	assert_int_equal(mp_judgement_node(&j2, 3), 1);
	assert_int_equal(mp_judgement_node(&j1, 1), 1);
	for (i = 0; i < 4; i++) {
		assert_int_equal(j2.dev[i].predicted, two->dev_bytes[i]);
		assert_int_equal(j2.dev[i].capacity, j1.dev[i % 2].capacity);
		/* a quarter of the layers each: less than half of them */
		assert_true(two->dev_bytes[i] < one->dev_bytes[i % 2]);
	}
	/* the output layer (and its logits) on this host's last GPU */
	assert_true(two->dev_bytes[3] > two->dev_bytes[0] + 300 * MIB);
	assert_true(mp_gguf_tensors(&m, "q4_k_m", &t, &n, &err));
	for (i = 0; i < n; i++)
		if (t[i].layer >= 0 && t[i].layer <= 14 && t[i].bytes > big)
			big = t[i].bytes;
	free(t);
	assert_true(big > 0);
	assert_int_equal(two->node_host, 46 * MIB + big);
	assert_int_equal(one->node_host, 0);
	/*
	 * One node pipelines its two GPUs (three more copies of the KQ
	 * mask on the host: 4096 cells x 512 ubatch x f16); over RPC
	 * llama_context turns pipeline parallelism off (RPC devices report
	 * no async/events), so the RPC host has the rpc copy and one mask.
	 */
	assert_int_equal(resident(two),
	    resident(one) + big - 3 * (4096u * 512u * 2u));
	assert_int_equal(j2.host.predicted, resident(two));
	assert_true(j2.fits);
	mp_model_fini(&m);
	free(one);
}

/* The remote node's host decides when it is the fuller one. */
static void
test_place_rpc_node_host_judged(void **state)
{
	struct mp_hardware hw;
	struct mp_estimate *est;
	struct mp_judgement j;
	struct mp_error err;

	(void)state;
	mp_error_clear(&err);
	assert_true(mp_hardware_load("2x-rtx-4090", &hw, &err));
	est = calloc(1, sizeof(*est));
	assert_non_null(est);
	est->sc.gpus = 2;
	est->sc.backend = MP_BE_CUDA;
	est->n_dev_bytes = 4;
	est->dev_nodes = 2;
	est->dev_bytes[0] = est->dev_bytes[1] = est->dev_bytes[2] = GIB;
	est->dev_bytes[3] = 2 * GIB;
	est->device_total = 5 * GIB;
	est->host_total = GIB;
	est->node_host = hw.ram;	/* more than RAM less the OS's */
	mp_hardware_judge_ex(&hw, est, &j);
	assert_int_equal(j.gpus, 4);
	assert_int_equal(j.fullest, 3);
	assert_int_equal(j.host.predicted, hw.ram);
	assert_false(j.host.fits);
	assert_false(j.fits);
	free(est);
}

/* The commands: rpc-server on the other nodes, --rpc on this one; more
 * than llama.cpp's 16 devices, or a machine without GPUs, are said. */
static void
test_place_rpc_command_and_limits(void **state)
{
	struct mp_model m;
	struct mp_hardware hw, cpu;
	struct mp_scenario sc;
	struct mp_estimate *est;
	struct mp_judgement j;
	struct mp_error err;
	size_t i;
	bool said = false;

	(void)state;
	est = calloc(1, sizeof(*est));
	assert_non_null(est);
	mp_error_clear(&err);
	fx_load_bundled("qwen2.5-7b-instruct", &m);
	assert_true(mp_hardware_load("2x-rtx-4090", &hw, &err));
	fx_gguf_scenario(&sc, 4096, "q4_k_m");
	sc.nodes = 3;
	assert_true(mp_place(&m, &hw, &sc, est, &j, &err));
	assert_string_equal(est->command, "on nodes 2-3: rpc-server -H "
	    "0.0.0.0 -p 50052; on node 1: llama-server -m "
	    "qwen2.5-7b-instruct-Q4_K_M.gguf -c 4096 -ngl 99 --rpc "
	    "node2:50052,node3:50052");
	assert_int_equal(j.gpus, 6);
	sc.nodes = 9;	/* 18 devices */
	assert_false(mp_place(&m, &hw, &sc, est, &j, &err));
	assert_string_equal(err.field, "--nodes");
	assert_non_null(strstr(err.msg, "at most 16"));
	/* Ollama and a CPU-only machine stay on one node, and say so. */
	assert_true(mp_hardware_load("workstation-16gb", &cpu, &err));
	sc.nodes = 2;
	assert_true(mp_place(&m, &cpu, &sc, est, &j, &err));
	assert_true(est->dev_nodes <= 1);
	assert_null(strstr(est->command, "--rpc"));
	for (i = 0; i < est->n_notes; i++)
		if (strcmp(est->notes[i].id, "estimate.one_node") == 0)
			said = true;
	assert_true(said);
	mp_model_fini(&m);
	free(est);
}

/* Option values: what each key accepts and refuses. */
static void
test_place_option_values(void **state)
{
	static const struct { const char *k, *v; } bad[] = {
		{ "tensor_split", "3,x" }, { "tensor_split", "0,0" },
		{ "tensor_split", "" }, { "tensor_split", "1,,1" },
		{ "tensor_split", "-1,1" },
		{ "tensor_split", "1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1" },
		{ "split_mode", "col" }, { "main_gpu", "16" },
		{ "n_cpu_moe", "-1" }, { "cpu_moe", "maybe" },
		{ "kv_unified", "2" }, { "parallel_slots", "0" },
		{ "parallel_slots", "257" },
		/* -ot: not PATTERN=BUFFER, unknown buffers, patterns
		 * outside the accepted subset, invalid patterns */
		{ "override_tensor", "exps" }, { "override_tensor", "" },
		{ "override_tensor", "a=CPU,,b=CPU" },
		{ "override_tensor", "exps=cpu" },
		{ "override_tensor", "exps=GPU0" },
		{ "override_tensor", "exps=CUDA" },
		{ "override_tensor", "exps=CUDA100" },
		{ "override_tensor", "\\bexps=CPU" },
		{ "override_tensor", "(a)\\1=CPU" },
		{ "override_tensor", "(?!x)y=CPU" },
		{ "override_tensor", "a\\n=CPU" },
		{ "override_tensor", "[]a]=CPU" },
		{ "override_tensor", "[\\-a]=CPU" },
		{ "override_tensor", "a(b=CPU" },
		{ "override_tensor", "a{2=CPU" },
		{ "override_tensor", "[a=CPU" },
		{ "override_tensor", "a\\=CPU" },
	};
	struct mp_scenario sc;
	char why[200];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const struct mp_optspec *o = mp_option_file(bad[i].k);

		assert_non_null(o);
		mp_scenario_init(&sc);
		why[0] = '\0';
		assert_false(mp_option_set(o, bad[i].v, &sc, why, sizeof(why)));
		assert_true(why[0] != '\0');
		/* A refused value leaves the scenario as it was. */
		assert_int_equal(sc.n_tensor_split, 0);
		assert_int_equal(sc.n_cpu_moe, 0);
		assert_string_equal(sc.override_tensor, "");
	}
	assert_null(mp_option_file("nope"));
	mp_scenario_init(&sc);
	set(&sc, "tensor_split", "3/1.5");
	assert_int_equal(sc.n_tensor_split, 2);
	assert_true(sc.tensor_split[1] > 1.49f && sc.tensor_split[1] < 1.51f);
	set(&sc, "parallel_slots", "4");
	assert_int_equal(sc.batch, 4);
}

/* vLLM: the estimate's notes and the pool on the card name one
 * max_num_seqs (1024 on a card of 70 GiB or more). */
static void
test_vllm_one_max_num_seqs(void **state)
{
	struct mp_model m;
	struct mp_scenario sc;
	struct mp_estimate est;
	struct mp_error err;
	size_t i, n1024 = 0, n256 = 0;
	char nt[MP_NOTE_TEXT];

	(void)state;
	fx_load_bundled("qwen2.5-7b-instruct", &m);
	mp_scenario_init(&sc);
	sc.runtime = MP_RT_VLLM;
	sc.n_dev_free = 1;
	sc.dev_free[0] = 79ull << 30;
	fx_estimate(&m, &sc, &est);
	mp_error_clear(&err);
	assert_true(mp_vllm_fill_pool(&m, &est, 79ull << 30, &err));
	for (i = 0; i < est.n_notes; i++) {
		mp_note_text(&est.notes[i], MP_UNITS_IEC, nt, sizeof(nt));
		if (strstr(nt, "max_num_seqs 1024") != NULL)
			n1024++;
		if (strstr(nt, "max_num_seqs 256") != NULL)
			n256++;
	}
	assert_int_equal(n256, 0);
	assert_int_equal(n1024, 2);
	mp_model_fini(&m);
}

/* vLLM refuses to start when one sequence of max_model_len does not fit
 * the pool, and says the longest that would. */
static void
test_vllm_cannot_start(void **state)
{
	struct mp_model m;
	struct mp_scenario sc;
	struct mp_estimate est;
	struct mp_error err;
	struct mp_vllm_pool p;
	size_t i, n = 0;
	char want[96], nt[MP_NOTE_TEXT];

	(void)state;
	fx_load_bundled("qwen2.5-7b-instruct", &m);
	mp_scenario_init(&sc);
	sc.runtime = MP_RT_VLLM;
	sc.seq = 200000;
	fx_estimate(&m, &sc, &est);
	mp_error_clear(&err);
	assert_true(mp_vllm_pool(&m, &est.sc, 23ull << 30, &p, &err));
	assert_int_equal(p.seqs, 0);
	assert_true(p.tokens > 0 && p.tokens < 200000);
	assert_true(mp_vllm_fill_pool(&m, &est, 23ull << 30, &err));
	snprintf(want, sizeof(want), "--max-model-len %llu or less",
	    (unsigned long long)p.tokens);
	for (i = 0; i < est.n_notes; i++) {
		mp_note_text(&est.notes[i], MP_UNITS_IEC, nt, sizeof(nt));
		if (strstr(nt, "will not start") != NULL &&
		    strstr(nt, want) != NULL)
			n++;
	}
	assert_int_equal(n, 1);
	mp_model_fini(&m);
}

/*
 * --draft: the draft's weights once, one draft context per slot.  With
 * one slot the main model plus the draft takes exactly the draft run on
 * its own (a slot's context, one sequence, f16 cache) less the CUDA
 * context the process already has; each further slot adds one draft
 * context (its cache and compute buffers) and nothing else.
 */
static void
test_draft_per_slot(void **state)
{
	struct mp_model m, d;
	struct mp_scenario sc, ds;
	struct mp_estimate e0, e1, e2, alone, f1, f2;

	char path[400];

	(void)state;
	fx_load_bundled("llama-3.1-8b-instruct", &m);
	fx_load_bundled("llama-3.2-1b-instruct", &d);
	snprintf(path, sizeof(path), "%s/data/models/llama-3.2-1b-instruct.json",
	    fx_srcdir());
	fx_llamacpp_scenario(&sc, 4096, 1);
	fx_estimate(&m, &sc, &e0);
	snprintf(sc.draft, sizeof(sc.draft), "%s", path);
	fx_estimate(&m, &sc, &e1);
	fx_llamacpp_scenario(&ds, 4096, 1);
	ds.kv_dtype = MP_DT_F16;
	fx_estimate(&d, &ds, &alone);
	assert_int_equal(e1.device_total - e0.device_total,
	    alone.device_total - 596 * MIB);
	/*
	 * Slots: with the main model's own slots fixed, each slot adds one
	 * draft context K (its cache on the GPU and compute buffers); the
	 * draft's weights W on the GPU come once.
	 */
	{
		uint64_t dk[4], k, w;
		int ns;

		for (ns = 1; ns <= 3; ns++) {
			fx_llamacpp_scenario(&sc, 4096, (uint64_t)ns);
			fx_estimate(&m, &sc, &f1);
			snprintf(sc.draft, sizeof(sc.draft), "%s", path);
			fx_estimate(&m, &sc, &f2);
			dk[ns] = f2.device_total - f1.device_total;
		}
		k = dk[2] - dk[1];
		assert_int_equal(dk[3] - dk[2], k);
		assert_true(k > alone.mem.kv_cache);
		/* Llama 3.2 1B ties its embedding: the token embedding
		 * stays in host memory and its copy is the output layer on
		 * the GPU, so the GPU holds as many bytes as the file. */
		w = dk[1] - k;
		assert_int_equal(w, alone.mem.weights);
		assert_int_equal(f2.mem.weights - f1.mem.weights,
		    alone.mem.weights);
	}
	/* -ngld 0 keeps the draft's layers off the GPU */
	fx_llamacpp_scenario(&sc, 4096, 1);
	snprintf(sc.draft, sizeof(sc.draft), "%s", path);
	sc.draft_gpu_layers = 0;
	sc.draft_gpu_layers_set = true;
	fx_estimate(&m, &sc, &e2);
	assert_true(e2.device_total < e1.device_total);
	assert_true(e2.host_total - e2.host_reclaimable >
	    e1.host_total - e1.host_reclaimable);
	/* a draft option without --draft is a mistake */
	fx_llamacpp_scenario(&sc, 4096, 1);
	sc.draft_ctx = 1024;
	run_fail(&m, &sc, "--draft-ctx");
	/* a draft that does not load names the file */
	fx_llamacpp_scenario(&sc, 4096, 1);
	snprintf(sc.draft, sizeof(sc.draft), "/nonexistent/draft.gguf");
	{
		struct mp_estimate x;
		struct mp_error err;

		mp_error_clear(&err);
		assert_false(mp_estimate(&m, &sc, &x, &err));
	}
	mp_model_fini(&m);
	mp_model_fini(&d);
}

/*
 * One answer under --fit: fit --solve layers judges each -ngl by --fit's
 * target (llama.cpp's llama_params_fit), at the context --fit picks, so
 * it names the -ngl estimate --fit loads; without --fit it keeps
 * memplan's margin (here one layer more on the 8 GiB card).
 */
static void
test_fit_solve_layers_matches_fit(void **state)
{
	static const struct {
		const char *model, *ftype, *hw, *target;
		uint64_t seq;
	} rows[] = {
		{ "llama-3.1-70b-instruct", "q2_k", "rtx-4060-8gb", NULL, 0 },
		{ "llama-3.1-8b-instruct", "q8_0", "rtx-4060-8gb", "512",
		    16384 },
		{ "llama-3.1-70b-instruct", "q4_k_m", "rtx-4090", "2048", 8192 },
	};
	struct mp_model m;
	struct mp_hardware hw;
	struct mp_scenario sc;
	struct mp_estimate est;
	struct mp_judgement j;
	struct mp_fitres *f = calloc(1, sizeof(*f));
	struct mp_error err;
	uint64_t ngl;
	size_t i;

	(void)state;
	assert_non_null(f);
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		fx_load_bundled(rows[i].model, &m);
		memset(&hw, 0, sizeof(hw));
		mp_error_clear(&err);
		assert_true(mp_hardware_load(rows[i].hw, &hw, &err));
		mp_scenario_init(&sc);
		set(&sc, "runtime", "llamacpp");
		set(&sc, "weights", rows[i].ftype);
		set(&sc, "fit", "true");
		if (rows[i].target != NULL)
			set(&sc, "fit_target", rows[i].target);
		sc.seq = rows[i].seq;
		assert_true(mp_place(&m, &hw, &sc, &est, &j, &err));
		assert_true(mp_planner_fit(&m, &hw, &sc, MP_SOLVE_LAYERS, f,
		    &err));
		assert_true(f->found);
		ngl = est.sc.gpu_layers < 0 ? m.layers :
		    (uint64_t)est.sc.gpu_layers;
		assert_true(ngl < m.layers);
		assert_int_equal(f->value, ngl);
		assert_int_equal(f->est.sc.seq, est.sc.seq);
		assert_true(f->fit_target != 0);
		if (i == 0) {
			/* memplan's margin without --fit: another answer */
			set(&sc, "fit", "false");
			assert_true(mp_planner_fit(&m, &hw, &sc,
			    MP_SOLVE_LAYERS, f, &err));
			assert_int_equal(f->fit_target, 0);
			assert_true(f->value != ngl);
		}
		mp_model_fini(&m);
	}
	free(f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_place_n_cpu_moe_moves_experts),
		cmocka_unit_test(test_place_n_cpu_moe_needs_experts),
		cmocka_unit_test(test_place_override_tensor),
		cmocka_unit_test(test_fit_one_gpu),
		cmocka_unit_test(test_fit_solve_layers_matches_fit),
		cmocka_unit_test(test_place_tensor_split),
		cmocka_unit_test(test_place_split_modes),
		cmocka_unit_test(test_place_kv_unified),
		cmocka_unit_test(test_place_swa_full),
		cmocka_unit_test(test_place_backends),
		cmocka_unit_test(test_place_cpu_fewer_bits_less_memory),
		cmocka_unit_test(test_place_no_x86_repack_on_arm),
		cmocka_unit_test(test_place_command),
		cmocka_unit_test(test_place_draft_named_like_main),
		cmocka_unit_test(test_place_rpc_split_across_nodes),
		cmocka_unit_test(test_place_rpc_node_host_judged),
		cmocka_unit_test(test_place_rpc_command_and_limits),
		cmocka_unit_test(test_place_option_values),
		cmocka_unit_test(test_vllm_one_max_num_seqs),
		cmocka_unit_test(test_vllm_cannot_start),
		cmocka_unit_test(test_draft_per_slot),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
