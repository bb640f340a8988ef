/* llamacpp.c: what llama.cpp allocates to run a GGUF model */
/* SPDX-License-Identifier: MIT */
/*
 * The model follows llama.cpp commit 81ff7abe50b9 (2026-07-08), the one the
 * measurements in tests/groundtruth/llamacpp/ were taken with.  Mechanisms
 * were read in llama.cpp's src/llama-context.cpp (context padding, n_ctx per
 * sequence, output buffer), src/llama-model.cpp (load_tensors: which layer
 * lives on which device), src/llama-kv-cache.cpp and llama-kv-cache-iswa.cpp
 * (cache tensors), ggml/src/ggml-backend.cpp and ggml-alloc.c (scheduler
 * compute buffers) and ggml/src/ggml-cpu/repack.cpp (CPU weight repacking).
 * The code is ours; only the mechanisms come from there.
 *
 * Every buffer is attributed to a device: GPUs 0..gpus-1 or the host.
 * memory.* holds each component wherever it lives, device_total and
 * host_total split them.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "runtime.h"

#define HOST		MP_MAX_DEVICES	/* index of the host in the arrays */
#define NDEV		(MP_MAX_DEVICES + 1)

/* Context sizes are padded to this many cells (llama-context.cpp). */
#define LC_CTX_PAD	256
/* ggml-backend's GGML_SCHED_MAX_COPIES: input copies with pipelining. */
#define LC_SCHED_COPIES	4
/* Default -b (n_batch); -ub comes from the scenario (512). */
#define LC_N_BATCH	2048
/*
 * GPU memory in use that no llama.cpp buffer accounts for: the CUDA
 * context, cuBLAS workspaces and the CUDA memory pool of the backend.
 * Measured 595-597 MiB on an H100 (driver 580) on all 12 rows; other
 * GPUs and drivers differ by some 100 MiB.
 */
#define LC_CUDA_RUNTIME	(596ull * MIB)
/*
 * Resident memory of the process that is not a llama.cpp buffer: the
 * executable and ggml's CPU backend, the vocabulary tables, thread stacks,
 * malloc arenas.  Peak RSS less the buffers was 45-48 MiB on every CPU
 * row (Qwen2.5 0.5B and 7B, bf16 and q4_k_m, 4k and 32k context).
 */
#define LC_HOST_BASE	(46ull * MIB)

struct lc {
	const struct mp_model	*m;
	const struct mp_scenario *sc;
	uint32_t	 n_layer;
	uint32_t	 gpus;		/* devices the layers are split over */
	uint32_t	 nodes;		/* machines they are on (RPC split) */
	uint32_t	 per;		/* GPUs of each machine */
	uint32_t	 gpu_start;	/* first layer on a GPU (i_gpu_start) */
	uint32_t	 act;		/* layers (output counted) on GPUs */
	uint32_t	 main;		/* -mg: the GPU of split modes none/row */
	uint32_t	 n_cpu_moe;	/* layers whose experts stay on the CPU */
	struct mp_overrides ot;		/* -ot, then --n-cpu-moe (override.c) */
	bool		 gpu_any;	/* some weight is on a GPU */
	enum mp_backend	 be;
	float		 split[MP_MAX_DEVICES];	/* cumulative, last = 1 */
	uint64_t	 n_ctx, n_seq, n_ctx_seq, n_ubatch, n_batch;
	uint64_t	 streams;	/* KV streams: n_seq, or 1 unified */
	bool		 fa;
	bool		 fa_auto_off;	/* auto, turned off: no backend kernel */
	bool		 mmap;
	bool		 cpu_run;	/* no accelerator in the run */
	enum mp_dtype	 kv;
	/* per device, [HOST] = host memory */
	uint64_t	 model[NDEV];	/* weights resident there */
	uint64_t	 repack[NDEV];	/* CPU re-laid-out copies (host only) */
	uint64_t	 dup;		/* tied output copied to the GPU */
	uint64_t	 moe_host;	/* expert tensors kept on the CPU */
	uint64_t	 ot_host;	/* -ot: tensors of GPU layers kept there */
	uint64_t	 ot_gpu;	/* -ot: tensors put on another device */
	bool		 ot_on[NDEV];	/* -ot put some tensor there */
	uint64_t	 kvb[NDEV];
	uint64_t	 compute[NDEV];
	uint64_t	 cpu_weight_max; /* largest matmul weight left on the host */
	uint64_t	 out_weight;	/* bytes of the output matrix */
	uint64_t	 tensor_bytes;	/* all tensor data of the GGUF */
	uint64_t	 mtp_skipped;	/* MTP tensors not loaded */
	uint32_t	 layers_on[NDEV];
	uint64_t	 big[NDEV];	/* largest weight tensor there */
	/* --mmproj: the projector's weights and encoder buffer */
	struct mp_mmproj proj;
	uint32_t	 proj_dev;
};

/*
 * llama.cpp runs over several machines through its RPC backend
 * (ggml/src/ggml-rpc): rpc-server on each other node exposes that node's
 * GPUs, llama-server --rpc HOST:PORT,... adds them to its device list.
 * Modelled for GPUs (an accelerator, or the H100 the estimators assume
 * without a profile); Ollama has no --rpc, and an rpc-server's CPU
 * device (a node without GPUs) is not modelled.
 */
uint32_t
mp_llamacpp_rpc_nodes(const struct mp_scenario *sc)
{
	if (sc->runtime != MP_RT_LLAMACPP || sc->mode != MP_MODE_INFER ||
	    sc->ollama || sc->nodes <= 1 || sc->backend == MP_BE_CPU)
		return 1;
	return sc->nodes;
}

static uint64_t
pad(uint64_t v, uint64_t to)
{
	return mp_muls((v + to - 1) / to, to);
}

/*
 * The device of layer il; il == n_layer is the output layer.  This is
 * load_tensors' rule (llama-model.cpp): i_gpu_start = max(n_layer + 1 -
 * ngl, 0) and the act_gpu_layers = min(ngl, n_layer + 1) slots from there
 * are offloaded, so -ngl N puts the output layer on a GPU first and then
 * the last N - 1 repeating layers.  With several GPUs (split mode layer)
 * slot il goes to the first GPU whose cumulative split point exceeds
 * (il - i_gpu_start) / act_gpu_layers; the split points are --tensor-split
 * or, by default, each GPU's free memory.  Split modes none and row keep
 * every offloaded layer (row: its non-matrix tensors and cache) on -mg.
 */
static uint32_t
layer_dev(const struct lc *c, uint32_t il)
{
	float f;
	uint32_t d;

	if (c->act == 0 || il < c->gpu_start || il - c->gpu_start >= c->act)
		return HOST;
	if (c->sc->split_mode != MP_SPLIT_LAYER)
		return c->main;
	f = (float)(il - c->gpu_start) / (float)c->act;
	for (d = 0; d + 1 < c->gpus; d++)
		if (c->split[d] > f)
			break;
	return d;
}

const char *
mp_llamacpp_ftype(const struct mp_model *m, const struct mp_scenario *sc)
{
	enum mp_dtype dt;

	if (sc->ftype[0] != '\0')
		return sc->ftype;
	dt = sc->weights != MP_DT_NONE ? sc->weights : m->torch_dtype;
	if (dt == MP_DT_NONE)
		dt = MP_DT_BF16;
	return mp_dtype_info(dt)->name;
}

/*
 * Multi-token-prediction layers.  llama.cpp's converter drops DeepSeek
 * V2/V3's (DeepseekV2Model.skip_mtp: tensors of layers past
 * num_hidden_layers are not written), so a config's MTP layers never
 * reach llama.cpp.  GLM-4.5's converter keeps them as the last
 * nextn_predict_layers blocks of the GGUF; llama-model.cpp creates their
 * tensors with TENSOR_SKIP (not allocated, no cache: n_layer_kv_from_start
 * stops before them) while -ngl still counts them as layers.  With mmap
 * their file pages are mapped with the rest of the file.
 */
static bool
is_mtp_layer(const struct lc *c, int32_t layer)
{
	const struct mp_model *m = c->m;

	return m->source == MP_SRC_GGUF && m->nextn_layers != 0 &&
	    layer >= 0 && (uint32_t)layer < m->layers &&
	    (uint32_t)layer >= m->layers - m->nextn_layers;
}

/* Tensors of llama.cpp's "input layer", which always stays on the CPU. */
static bool
is_input_tensor(const char *name)
{
	return strncmp(name, "token_embd.", 11) == 0 ||
	    strncmp(name, "token_embd_norm.", 16) == 0 ||
	    strncmp(name, "position_embd.", 14) == 0 ||
	    strncmp(name, "token_types.", 12) == 0;
}

/*
 * ggml-cpu/repack.cpp re-lays out some block types for the CPU's SIMD
 * units into a second buffer (CPU_REPACK) when the rows come in groups of
 * eight: Q4_0, Q4_K and IQ4_NL with AVX2 or NEON (dot-product, every
 * Apple silicon CPU), Q2_K only with AVX-512 (its 8x8 kernel is x86).
 * Without a stated ISA we model the x86-64 AVX-512 host the CPU rows
 * were measured on.  Only matrix-multiply weights qualify: the token
 * embedding is read by get_rows and stays as it is.  With a CUDA or ROCm
 * GPU in the model's device list, llama-model.cpp's make_cpu_buft_list
 * puts the GPU's pinned host buffer type ahead of the repack types, so
 * only runs without such a GPU repack.
 */
static bool
repacked(const struct lc *c, const struct mp_gguf_tensor *t)
{
	switch (t->type) {
	case MP_DT_Q4_0:
	case MP_DT_Q4_K:
	case MP_DT_IQ4_NL:
		break;
	case MP_DT_Q2_K:
		if (c->sc->cpu_isa == MP_ISA_UNKNOWN ||
		    c->sc->cpu_isa == MP_ISA_AVX512)
			break;
		return false;
	default:
		return false;
	}
	return !is_input_tensor(t->name) && t->ne[1] % 8 == 0;
}

/* A 2-D matrix multiplied in a layer: what split mode row cuts by rows. */
static bool
is_matrix(const struct mp_gguf_tensor *t)
{
	size_t n = strlen(t->name);

	return t->ne[1] > 1 && t->ne[2] <= 1 && n > 7 &&
	    strcmp(t->name + n - 7, ".weight") == 0 &&
	    strstr(t->name, "norm") == NULL;
}

/*
 * The cumulative split points of llama_model::load_tensors: the given
 * --tensor-split proportions, else each GPU's free memory (equal when
 * the machine is not known), summed and normalised to 1.
 */
static bool
split_points(struct lc *c, const struct mp_scenario *sc, struct mp_error *err)
{
	double w[MP_MAX_DEVICES], sum = 0, run = 0;
	uint32_t d;

	if (sc->n_tensor_split != 0 && sc->n_tensor_split != c->gpus)
		return mp_error_set(err, MP_EUSAGE, NULL, "--tensor-split",
		    "%u proportions for %u GPUs; give one per GPU (%s)",
		    sc->n_tensor_split, c->gpus, c->nodes > 1 ? "--gpus x "
		    "--nodes, the other nodes' first" : "--gpus");
	for (d = 0; d < c->gpus; d++) {
		/*
		 * Over RPC (c->nodes > 1) device d is GPU d mod per of
		 * its node: the other nodes' devices come first, each
		 * node's in its own order, the main host's last
		 * (resolve).  An rpc-server reports its device's memory
		 * as the local backend does; taken as the card's usable
		 * memory, as for a local GPU.
		 */
		if (sc->n_tensor_split != 0)
			w[d] = sc->tensor_split[d];
		else if (sc->n_dev_free >= c->gpus)
			w[d] = (double)sc->dev_free[d];
		else if (c->nodes > 1 && sc->n_dev_free >= c->per)
			w[d] = (double)sc->dev_free[d % c->per];
		else
			w[d] = 1;
		sum += w[d];
	}
	if (sum <= 0)
		return mp_error_set(err, MP_EUSAGE, NULL, "--tensor-split",
		    "the proportions are all zero");
	for (d = 0; d < c->gpus; d++) {
		run += w[d];
		c->split[d] = (float)(run / sum);
	}
	return true;
}

/*
 * The head sizes of the attention: K (= Q) and V per head.  DeepSeek's
 * MLA attends over its compressed cache, kv_lora_rank + qk_rope_dim wide
 * for K and kv_lora_rank for V, with one KV head.
 */
static bool
is_mla(const struct mp_model *m)
{
	return m->kv_lora_rank != 0 && m->layer != NULL &&
	    m->layer[0].kind == MP_LK_MLA;
}

static uint32_t
head_k(const struct mp_model *m)
{
	return is_mla(m) ? m->kv_lora_rank + m->qk_rope_dim : m->head_dim;
}

static uint32_t
head_v(const struct mp_model *m)
{
	if (is_mla(m))
		return m->kv_lora_rank;
	return m->v_head_dim != 0 ? m->v_head_dim : m->head_dim;
}

/*
 * ggml-metal's supports_op for GGML_OP_FLASH_ATTN_EXT: the head sizes
 * its kernels are instantiated for (ggml-metal-device.m, the 2026
 * version read, not at the modelled commit exactly), with K and V of one
 * type (memplan gives both the same -ctk/-ctv) on a GPU with simdgroup
 * matrix multiply (every Apple silicon GPU).
 */
static const uint32_t metal_fa_heads[] = {
	32, 40, 48, 64, 72, 80, 96, 112, 128, 192, 256, 320, 512, 576
};

static bool
metal_fa_head(uint32_t dk)
{
	size_t i;

	for (i = 0; i < sizeof(metal_fa_heads) / sizeof(metal_fa_heads[0]);
	    i++)
		if (metal_fa_heads[i] == dk)
			return true;
	return false;
}

static bool
resolve(struct lc *c, const struct mp_model *m, const struct mp_scenario *sc,
    struct mp_error *err)
{
	uint64_t seq, nseq, ngl;

	memset(c, 0, sizeof(*c));
	c->m = m;
	c->sc = sc;
	c->be = sc->backend;
	c->n_layer = m->layers;
	if (c->n_layer == 0)
		return mp_error_set(err, MP_EINPUT, m->path, "num_hidden_layers",
		    "a model with layers is needed for --runtime llamacpp");
	c->per = sc->gpus == 0 ? 1 : sc->gpus;
	/*
	 * --nodes N: llama.cpp's RPC split.  llama_model_load_from_file
	 * puts the RPC devices (each rpc-server's GPUs, in --rpc order) at
	 * the front of the device list "to minimize network transfers" and
	 * the local GPUs after them (src/llama.cpp, read at the commit in
	 * the header), so the main host's last GPU holds the output layer.
	 * llama_max_devices() is 16: --tensor-split and the split points
	 * have that many entries.
	 */
	c->nodes = mp_llamacpp_rpc_nodes(sc);
	c->gpus = (uint32_t)mp_muls(c->per, c->nodes);
	if (c->nodes > 1 && c->gpus > MP_MAX_DEVICES)
		return mp_error_set(err, MP_EUSAGE, NULL, "--nodes",
		    "llama.cpp's RPC split over %u nodes x %u GPUs is %u "
		    "devices; llama.cpp takes at most %d (llama_max_devices)",
		    c->nodes, c->per, c->gpus, MP_MAX_DEVICES);
	if (c->gpus > MP_MAX_DEVICES)
		return mp_error_set(err, MP_EUSAGE, NULL, "--gpus",
		    "at most %d devices for --runtime llamacpp", MP_MAX_DEVICES);
	if (sc->main_gpu >= c->gpus)
		return mp_error_set(err, MP_EUSAGE, NULL, "--main-gpu",
		    "GPU %u does not exist: %u GPU%s (--gpus), numbered from 0",
		    sc->main_gpu, c->gpus, c->gpus == 1 ? "" : "s");
	c->main = sc->main_gpu;
	if (!split_points(c, sc, err))
		return false;
	if (sc->n_cpu_moe != 0 && m->n_experts == 0)
		return mp_error_set(err, MP_EUSAGE, NULL, sc->n_cpu_moe ==
		    MP_CPU_MOE_ALL ? "--cpu-moe" : "--n-cpu-moe",
		    "%s has no experts (a dense model): nothing to keep on "
		    "the CPU", m->name);
	c->n_cpu_moe = sc->n_cpu_moe > c->n_layer ? c->n_layer : sc->n_cpu_moe;

	/*
	 * --gpu-layers N below n_layer is llama.cpp's -ngl N; all (-1) or
	 * n_layer and more is -ngl n_layer+1 (the usual -ngl 99): every
	 * layer and the output.  A machine without an accelerator runs on
	 * the CPU whatever -ngl says (llama.cpp built without a GPU
	 * backend ignores it).
	 */
	c->cpu_run = sc->backend == MP_BE_CPU;
	ngl = sc->gpu_layers < 0 || (uint64_t)sc->gpu_layers >= c->n_layer ?
	    (uint64_t)c->n_layer + 1 : (uint64_t)sc->gpu_layers;
	if (c->cpu_run)
		ngl = 0;
	c->gpu_start = ngl > c->n_layer ? 0 : c->n_layer + 1 - (uint32_t)ngl;
	c->act = (uint32_t)ngl;

	/*
	 * --seq S --batch B is llama.cpp's -c S*B -np B.  The context is
	 * padded to 256 cells; without a unified cache (the default) each of
	 * the n_seq streams gets n_ctx/n_seq cells, padded again to 256, and
	 * n_ctx becomes n_ctx_seq * n_seq (llama_context's constructor).
	 */
	seq = sc->seq != 0 ? sc->seq :
	    (m->max_pos != 0 && m->max_pos < 4096 ? m->max_pos : 4096);
	nseq = sc->batch == 0 ? 1 : sc->batch;
	if (nseq > 256)
		return mp_error_set(err, MP_EUSAGE, NULL, "--batch",
		    "llama.cpp runs at most 256 sequences (-np), got %" PRIu64,
		    nseq);
	c->n_seq = nseq;
	c->n_ctx = pad(mp_muls(seq, nseq), LC_CTX_PAD);
	if (sc->kv_unified) {
		/*
		 * --kv-unified: one stream of n_ctx cells that every
		 * sequence draws from (llama_context: n_ctx_seq = n_ctx).
		 */
		c->n_ctx_seq = c->n_ctx;
		c->streams = 1;
	} else {
		c->n_ctx_seq = pad(c->n_ctx / nseq, LC_CTX_PAD);
		c->n_ctx = mp_muls(c->n_ctx_seq, nseq);
		c->streams = nseq;
	}
	/* Causal models cap n_batch at n_ctx, and n_ubatch at n_batch.
	 * Ollama passes its num_batch, 512 (ollama.c). */
	c->n_batch = sc->ollama ? 512 : LC_N_BATCH;
	if (c->n_ctx < c->n_batch)
		c->n_batch = c->n_ctx;
	c->n_ubatch = sc->ubatch == 0 ? 512 : sc->ubatch;
	if (c->n_ubatch > c->n_batch)
		c->n_ubatch = c->n_batch;

	/*
	 * Flash attention "auto": llama_context reserves a graph and keeps
	 * FA when every layer's FLASH_ATTN_EXT node lands on the device of
	 * that layer's cache, i.e. when the backend supports the op there.
	 * CUDA and the CPU do for every head size memplan meets (the
	 * measured rows resolved it on); ggml-metal only for the head
	 * sizes of metal_fa_heads, so elsewhere a Metal run falls back to
	 * the unfused attention and its KQ scores (derived from source).
	 */
	c->fa = sc->flash_attn != MP_OFF;
	if (sc->flash_attn == MP_AUTO && c->be == MP_BE_METAL && c->act > 0 &&
	    !metal_fa_head(head_k(m))) {
		c->fa = false;
		c->fa_auto_off = true;
	}
	c->mmap = sc->mmap != MP_OFF;

	/* The cache type: -ctk/-ctv, f16 unless asked. */
	c->kv = sc->kv_dtype == MP_DT_NONE ? MP_DT_F16 : sc->kv_dtype;
	/* llama.cpp caches in the float types and the legacy blocks. */
	switch (mp_ggml_family(c->kv)) {
	case MP_GF_FLOAT:
		break;
	case MP_GF_LEGACY:
		/* llama_context refuses a quantized V cache without FA. */
		if (c->fa_auto_off)
			return mp_error_set(err, MP_EUSAGE, NULL, "--kv-dtype",
			    "a %s cache needs flash attention, and llama.cpp's "
			    "Metal backend has none for head size %u (auto "
			    "turns it off); use --kv-dtype f16",
			    mp_dtype_info(c->kv)->name, head_k(m));
		if (!c->fa)
			return mp_error_set(err, MP_EUSAGE, NULL, "--kv-dtype",
			    "a %s cache needs --flash-attn on or auto in "
			    "llama.cpp", mp_dtype_info(c->kv)->name);
		break;
	default:
		return mp_error_set(err, MP_EUSAGE, NULL, "--kv-dtype",
		    "llama.cpp caches in f32, f16, bf16, q8_0, q4_0, q4_1, "
		    "q5_0, q5_1 or iq4_nl, not %s", mp_dtype_info(c->kv)->name);
	}
	return true;
}

/*
 * Weights: the GGUF tensors placed on the device of their layer.  With
 * mmap the host tensors stay in the file mapping (CPU_Mapped); the ranges
 * that were copied to a GPU are unmapped after loading.  A tied model has
 * no output.weight: llama.cpp then loads token_embd a second time into the
 * output layer's buffer (TENSOR_DUPLICATED), so an offloaded output layer
 * costs the embedding once more on that GPU.  --n-cpu-moe N keeps the
 * expert tensors of layers 0..N-1 in host memory (a buffer-type override
 * to the CPU), the rest of those layers where -ngl puts them.  Split mode
 * row cuts each offloaded matrix by rows over the GPUs in the split
 * proportions (the CUDA split buffer type); the rest stays on -mg.
 */
static void
add_dev(struct lc *c, uint32_t d, const struct mp_gguf_tensor *t)
{
	uint64_t part, left = t->bytes;
	float prev = 0;
	uint32_t g;

	if (d == HOST || c->sc->split_mode != MP_SPLIT_ROW || c->gpus == 1 ||
	    !is_matrix(t)) {
		c->model[d] = mp_adds(c->model[d], t->bytes);
		return;
	}
	for (g = 0; g < c->gpus; g++) {
		part = g + 1 == c->gpus ? left :
		    (uint64_t)((double)t->bytes * (c->split[g] - prev));
		if (part > left)
			part = left;
		left -= part;
		prev = c->split[g];
		c->model[g] = mp_adds(c->model[g], part);
	}
}

/* Whether some -ot rule sends tensors to a GPU. */
static bool
ot_to_gpu(const struct lc *c)
{
	size_t i;

	for (i = 0; i < c->ot.n; i++)
		if (c->ot.r[i].dev != MP_OT_HOST)
			return true;
	return false;
}

/*
 * The device of tensor t whose layer lives on home, after the buffer
 * overrides (override.c): the first rule that matches its name wins.
 * Counts what the overrides moved, for the notes and the scheduler.
 */
static uint32_t
place_override(struct lc *c, const struct mp_gguf_tensor *t, uint32_t home)
{
	size_t rule;
	int32_t o = mp_overrides_dev(&c->ot, t->name, t->layer, &rule);
	uint32_t d;

	if (o == MP_OT_NONE)
		return home;
	d = o == MP_OT_HOST ? HOST : (uint32_t)o;
	if (d == home)
		return d;
	c->ot_on[d] = true;
	if (d != HOST)
		c->ot_gpu = mp_adds(c->ot_gpu, t->bytes);
	else if (c->ot.r[rule].experts)
		c->moe_host = mp_adds(c->moe_host, t->bytes);
	else
		c->ot_host = mp_adds(c->ot_host, t->bytes);
	return d;
}

static bool
place_weights(struct lc *c, const struct mp_scenario *sc, struct mp_error *err)
{
	struct mp_gguf_tensor *t = NULL;
	const char *ftype;
	uint64_t embd = 0;
	size_t i, n = 0;
	int32_t o;
	bool has_output = false, repack_ok;
	uint32_t d, il, home;

	ftype = mp_llamacpp_ftype(c->m, sc);
	if (!mp_gguf_ftype_known(ftype))
		return mp_error_set(err, MP_EUSAGE, NULL, "--weights",
		    "--runtime llamacpp needs a GGUF type (f32, f16, bf16, "
		    "q8_0, q6_k, q5_k_m, q4_k_m, q4_0, ...), not %s", ftype);
	if (!mp_gguf_tensors(c->m, ftype, &t, &n, err))
		return false;
	/*
	 * The CPU repack types sit behind a GPU's pinned host buffer type
	 * in the CPU list; Metal has none, and a run without a GPU has no
	 * GPU at all.
	 */
	repack_ok = (c->act == 0 && !ot_to_gpu(c)) || c->be == MP_BE_METAL;
	for (i = 0; i < n; i++) {
		c->tensor_bytes = mp_adds(c->tensor_bytes, t[i].bytes);
		/* MTP layers in the file: created with TENSOR_SKIP, never
		 * allocated (llama_model_loader::create_tensor). */
		if (is_mtp_layer(c, t[i].layer)) {
			c->mtp_skipped = mp_adds(c->mtp_skipped, t[i].bytes);
			continue;
		}
		il = t[i].layer < 0 || (uint32_t)t[i].layer > c->n_layer ?
		    c->n_layer : (uint32_t)t[i].layer;
		if (strcmp(t[i].name, "token_embd.weight") == 0)
			embd = t[i].bytes;
		/* the input layer stays on the CPU; overrides come first */
		home = is_input_tensor(t[i].name) ? HOST : layer_dev(c, il);
		d = place_override(c, &t[i], home);
		if (strcmp(t[i].name, "output.weight") == 0) {
			has_output = true;
			c->out_weight = t[i].bytes;
		}
		add_dev(c, d, &t[i]);
		c->big[d] = mp_umax(c->big[d], t[i].bytes);
		if (d == HOST && repack_ok && repacked(c, &t[i]))
			c->repack[HOST] = mp_adds(c->repack[HOST], t[i].bytes);
		if (d == HOST && !is_input_tensor(t[i].name) &&
		    t[i].ne[1] > 1 && t[i].bytes > c->cpu_weight_max)
			c->cpu_weight_max = t[i].bytes;
	}
	free(t);
	if (!has_output) {
		/* the output layer's copy carries token_embd's name, so an
		 * override of that name moves it too */
		c->out_weight = embd;
		d = layer_dev(c, c->n_layer);
		o = mp_overrides_dev(&c->ot, "token_embd.weight", -1, NULL);
		if (o != MP_OT_NONE) {
			d = o == MP_OT_HOST ? HOST : (uint32_t)o;
			c->ot_on[d] = true;
		}
		if (d != HOST) {
			c->dup = embd;
			c->model[d] = mp_adds(c->model[d], embd);
		}
	}
	c->gpu_any = c->act > 0;
	for (d = 0; d < c->gpus; d++)
		if (c->ot_on[d])
			c->gpu_any = true;
	return true;
}

/* Bytes of one cache row of n elements in the cache type. */
static uint64_t
row_bytes(const struct lc *c, uint64_t n)
{
	return mp_dtype_bytes(c->kv, n);
}

/*
 * Cells of the cache of one layer, all streams together.  Full attention:
 * n_ctx_seq cells per stream (llama_kv_cache, one stream per sequence, or
 * one for all with --kv-unified).  Sliding window: llama_kv_cache_iswa
 * keeps min(n_ctx_seq, n_swa x (n_seq when unified) + n_ubatch) cells
 * per stream, padded to 256; --swa-full keeps the full size.
 */
static uint64_t
layer_cells(const struct lc *c, const struct mp_layer *l)
{
	uint64_t w;

	if (l != NULL && l->kind == MP_LK_SLIDING && l->window != 0 &&
	    !c->sc->swa_full) {
		w = mp_adds(mp_muls(l->window, c->streams == 1 ? c->n_seq : 1),
		    c->n_ubatch);
		w = pad(w, LC_CTX_PAD);
		if (w > c->n_ctx_seq)
			w = c->n_ctx_seq;
		return mp_muls(w, c->streams);
	}
	return c->n_ctx;
}

/*
 * The cache of layer il: K and V rows of kv_k/kv_v elements per cell in
 * the cache type (q8_0: 34 bytes per 32 values).  DeepSeek MLA caches only
 * the compressed latent and the rotary part of K (kv_lora_rank +
 * qk_rope_dim values) and no V at all (has_v = !is_mla).  Mamba layers
 * keep their conv and SSM states in f32, one per sequence
 * (llama-memory-recurrent.cpp), whatever -ctk says.
 */
static uint64_t
layer_kv(const struct lc *c, uint32_t il)
{
	const struct mp_model *m = c->m;
	const struct mp_layer *l = m->layer != NULL ? &m->layer[il] : NULL;
	uint64_t k, v;

	if (l == NULL) {
		k = v = (uint64_t)m->kv_heads * m->head_dim;
		return mp_muls(c->n_ctx, row_bytes(c, k) + row_bytes(c, v));
	}
	switch (l->kind) {
	case MP_LK_MLP:
		return 0;
	case MP_LK_MAMBA:
		return mp_muls(mp_muls(l->state, 4), c->n_seq);
	case MP_LK_MLA:
		k = (uint64_t)m->kv_lora_rank + m->qk_rope_dim;
		return mp_muls(c->n_ctx, row_bytes(c, k));
	default:
		k = l->kv_k;
		v = l->kv_v;
		return mp_muls(layer_cells(c, l),
		    mp_adds(row_bytes(c, k), row_bytes(c, v)));
	}
}

static void
place_kv(struct lc *c)
{
	uint32_t il, d;

	for (il = 0; il < c->n_layer; il++) {
		d = layer_dev(c, il);
		if (!is_mtp_layer(c, (int32_t)il))
			c->kvb[d] = mp_adds(c->kvb[d], layer_kv(c, il));
		c->layers_on[d]++;
	}
}

/* Widest MLP activation of one token: dense n_ff, or the routed experts. */
static uint64_t
ffn_width(const struct mp_model *m)
{
	uint64_t w = m->intermediate, e;

	if (m->n_experts != 0) {
		e = (uint64_t)m->experts_per_tok * m->moe_intermediate;
		if (e > w)
			w = e;
		if ((uint64_t)m->shared_intermediate > w)
			w = m->shared_intermediate;
	}
	if (w == 0)
		w = 4ull * m->hidden;
	return w;
}

/*
 * Cells of one stream that the attention of a layer spans: the full
 * cache when any layer attends to everything, else the SWA cache.
 * The KQ masks are graph inputs, one per cache (full and SWA), each
 * n_cells x n_ubatch per stream: mask_cells() adds them up.
 */
static uint64_t
swa_cells(const struct lc *c, bool *any)
{
	uint32_t il;

	*any = false;
	for (il = 0; c->m->layer != NULL && il < c->n_layer; il++)
		if (c->m->layer[il].kind == MP_LK_SLIDING &&
		    c->m->layer[il].window != 0) {
			*any = true;
			return layer_cells(c, &c->m->layer[il]) / c->streams;
		}
	return 0;
}

static bool
has_full(const struct lc *c)
{
	uint32_t il;

	if (c->m->layer == NULL)
		return true;
	for (il = 0; il < c->n_layer; il++)
		if (c->m->layer[il].kind == MP_LK_FULL ||
		    c->m->layer[il].kind == MP_LK_MLA)
			return true;
	return false;
}

static uint64_t
kq_cells(const struct lc *c)
{
	bool any;
	uint64_t w = swa_cells(c, &any);

	return has_full(c) || !any ? c->n_ctx_seq : w;
}

static uint64_t
mask_cells(const struct lc *c)
{
	bool any;
	uint64_t w = swa_cells(c, &any);

	if (!has_full(c))
		return any ? w : c->n_ctx_seq;
	return mp_adds(c->n_ctx_seq, w);
}

/*
 * Compute buffers.  The scheduler reserves them once, for the worst
 * ubatch: n_ubatch tokens, every one of them an output, attending over
 * the whole cache.  ggml-alloc reuses a tensor's memory once its last
 * consumer ran, so a buffer is the largest set of live f32 tensors:
 *
 * - at the output: the logits, n_ubatch x n_vocab f32, next to the final
 *   normed hidden state (on the CPU a second hidden-state tensor lives
 *   on).  This is the whole buffer for all 11 full-offload rows whose
 *   vocabulary is large (exact to the printed 0.01 MiB).
 * - inside a layer, with flash attention: the KQ mask (f16, n_kv x
 *   n_ubatch, live from the first layer to the last) and the MLP's gate,
 *   up and gated product (n_ubatch x n_ff each) beside three hidden-state
 *   tensors (residual, normed input, the mask's partner inputs).  This
 *   matches Mistral-7B at 16k (124.01 MiB measured, 124 MiB here); the
 *   grouping of the hidden-state tensors is our reading of the graph.
 * - without flash attention: the KQ scores, n_head x n_kv x n_ubatch f32,
 *   with the f32 mask, K and V of the ubatch and four hidden states
 *   (Llama-3.1-8B at 8k: 564.01 MiB measured, 564 MiB here).
 */
/*
 * ggml-metal's FLASH_ATTN_EXT asks its buffer type for more than its
 * output (ggml_backend_metal_buffer_type_get_alloc_size): scratch the
 * kernel writes beside the result, reserved for the largest kernel
 * whatever the batch (ggml-metal-ops.cpp, extra_pad/extra_blk/
 * extra_tmp, 2026 version):
 * - pad: NCPSG (64) cells of K, V and the mask, for a cache whose length
 *   is not a multiple of 64 (always reserved), each cell counted at its
 *   full stride once per KV head;
 * - blk: one byte per 64-cell x 8-query block of the mask;
 * - tmp: the partial results of 32 workgroups, (dv + 2) floats for each
 *   of min(n_tokens, 32) queries per head.
 * Per stream, as the FA node sees its tensors.  Derived, not measured.
 */
#define METAL_FA_NCPSG	64
#define METAL_FA_NQPSG	8
#define METAL_FA_NWG	32

static uint64_t
metal_fa_scratch(const struct lc *c)
{
	const struct mp_model *m = c->m;
	uint64_t st = c->streams, q = c->n_ubatch / st, kcell, vcell, heads;
	uint64_t kvpad, blk, tmp, n_kv = kq_cells(c);

	if (q == 0)
		q = 1;
	if (is_mla(m)) {
		/* K and V are views of the one latent row per cell */
		kcell = vcell = row_bytes(c, head_k(m));
		heads = 1;
	} else {
		kcell = row_bytes(c, (uint64_t)m->kv_heads * head_k(m));
		vcell = row_bytes(c, (uint64_t)m->kv_heads * head_v(m));
		heads = m->kv_heads;
	}
	kvpad = mp_muls(METAL_FA_NCPSG, mp_muls(st, mp_adds(mp_muls(mp_adds(
	    kcell, vcell), heads), mp_muls(q, 2))));
	blk = pad(mp_muls(mp_muls((n_kv + METAL_FA_NCPSG - 1) /
	    METAL_FA_NCPSG, (q + METAL_FA_NQPSG - 1) / METAL_FA_NQPSG), st),
	    32);
	tmp = mp_muls(mp_muls(mp_muls(4, q < 32 ? q : 32), mp_muls(m->heads,
	    st)), mp_muls(METAL_FA_NWG, (uint64_t)head_v(m) + 2));
	return mp_adds(mp_adds(kvpad, blk), tmp);
}

static uint64_t
layer_peak(const struct lc *c)
{
	const struct mp_model *m = c->m;
	uint64_t ub = c->n_ubatch, h, f, mask, kq, kv, mlp, attn;

	h = mp_muls(mp_muls(ub, m->hidden), 4);
	f = mp_muls(mp_muls(ub, ffn_width(m)), 4);
	mask = mp_muls(mp_muls(mask_cells(c), ub), c->fa ? 2 : 4);
	mlp = mp_adds(mask, mp_adds(mp_muls(f, 3), mp_muls(h, 3)));
	/*
	 * A MoE layer's mul_mat_id for the down projection writes each
	 * routed expert's output ([n_embd, n_expert_used, n_tokens]) before
	 * they are weighted and summed.
	 */
	if (m->n_experts != 0)
		mlp = mp_adds(mlp, mp_muls(h, m->experts_per_tok));
	if (c->fa && c->be == MP_BE_METAL) {
		/* the FA node on Metal: the masks, the residual, Q and the
		 * output beside the kernel's scratch */
		attn = mp_adds(mp_adds(mask, h), mp_adds(metal_fa_scratch(c),
		    mp_muls(mp_muls(mp_muls(ub, m->heads), (uint64_t)head_k(m) +
		    head_v(m)), 4)));
		return mp_umax(attn, mlp);
	}
	if (c->fa)
		return mlp;
	kq = mp_muls(mp_muls(mp_muls(kq_cells(c), ub), m->heads), 4);
	kv = mp_muls(mp_muls(mp_muls(ub, m->kv_heads), m->head_dim), 8);
	attn = mp_adds(mp_adds(mask, kq), mp_adds(kv, mp_muls(h, 4)));
	return mp_umax(attn, mlp);
}

static uint64_t
output_peak(const struct lc *c, bool on_cpu)
{
	uint64_t ub = c->n_ubatch, h;

	h = mp_muls(mp_muls(ub, c->m->hidden), 4);
	return mp_adds(mp_muls(mp_muls(ub, c->m->vocab), 4),
	    on_cpu ? mp_muls(h, 2) : h);
}

/*
 * Several GPUs holding every layer and the output turn on pipeline
 * parallelism (llama_context: n_devices > 1, n_gpu_layers > n_layer,
 * split mode layer, no tensor overrides, -ot or --n-cpu-moe): the
 * scheduler then keeps GGML_SCHED_MAX_COPIES (4) copies of the graph
 * inputs and of every split's inputs as leaves that live through the
 * whole graph (ggml-backend.cpp, "add input copies as leafs").  Per
 * GPU that is four KQ masks and four incoming hidden states instead
 * of one; on the host four masks.  Derived, not measured.
 * Not over RPC (c->nodes > 1): llama_context turns pipeline
 * parallelism off when a non-CPU device lacks caps.async or
 * caps.events, and ggml-rpc's ggml_backend_rpc_device_get_props
 * reports both false in the modelled commit (2026-07-08; llama.cpp
 * issue 22436, 2026-04-28: "Pipeline parallelism requires the backend
 * to support async operations and events").  PR 18626 ("rpc :
 * implement event and async backend APIs", still unmerged on
 * 2026-08-06) turns both on; the stored commit 004d67ed has them, so a
 * build with it pipelines over RPC too.
 */
static bool
pipeline_parallel(const struct lc *c)
{
	return c->gpus > 1 && c->act == c->n_layer + 1 && c->nodes <= 1 &&
	    c->sc->split_mode == MP_SPLIT_LAYER && c->ot.n == 0;
}

static void
place_compute(struct lc *c)
{
	uint64_t h, lp, mask, host;
	uint32_t d, out;

	h = mp_muls(mp_muls(c->n_ubatch, c->m->hidden), 4);
	lp = layer_peak(c);
	out = layer_dev(c, c->n_layer);
	for (d = 0; d < c->gpus; d++) {
		/* a GPU holding only tensors that -ot put there runs
		 * their operations: a layer's live tensors (derived) */
		if (c->layers_on[d] > 0 || c->ot_on[d])
			c->compute[d] = lp;
		if (out == d)
			c->compute[d] = mp_umax(c->compute[d],
			    output_peak(c, false));
	}
	if (!c->gpu_any) {
		/* CPU only: one buffer holds everything. */
		c->compute[HOST] = mp_umax(lp, output_peak(c, true));
		return;
	}
	/*
	 * With a GPU the host compute buffer (pinned, CUDA_Host) stages the
	 * graph inputs: the KQ mask and the token-embedding lookup, which
	 * runs on the CPU because token_embd stays there, as two
	 * hidden-state-sized f32 tensors (2 x n_ubatch x n_embd x 4 on every
	 * measured row: 18.01 MiB for Qwen2.5-7B at 4k).
	 */
	mask = mp_muls(mp_muls(mask_cells(c), c->n_ubatch), c->fa ? 2 : 4);
	host = mp_adds(mask, mp_muls(h, 2));
	/*
	 * Metal: llama-graph creates the KQ masks in f32 and, with flash
	 * attention, casts them to f16 on the GPU, so the host buffer
	 * holds the f32 masks and one hidden state, the embedding lookup
	 * the GPU reads.  That is the CPU compute buffer of four of the
	 * five published Metal logs that print it (tests/metal), to the
	 * printed 0.01 MiB, with and without FA; derived, not measured.
	 */
	if (c->be == MP_BE_METAL)
		host = mp_adds(mp_muls(mp_muls(mask_cells(c), c->n_ubatch), 4),
		    h);
	if (c->layers_on[HOST] > 0)
		host = mp_umax(host, lp);
	c->compute[HOST] = host;
	/* Pipeline parallelism's input copies (pipeline_parallel()). */
	if (pipeline_parallel(c)) {
		for (d = 0; d < c->gpus; d++)
			if (c->layers_on[d] > 0)
				c->compute[d] = mp_adds(c->compute[d],
				    mp_adds(mp_muls(mask, LC_SCHED_COPIES - 1),
				    mp_muls(h, LC_SCHED_COPIES)));
		c->compute[HOST] = mp_adds(c->compute[HOST],
		    mp_muls(mask, LC_SCHED_COPIES - 1));
	}
	/*
	 * Weights left in host memory (the first layers of a partial
	 * offload, tensors kept there by -ot or --n-cpu-moe): for a batch of 32
	 * tokens or more the scheduler runs their matrix products on the
	 * GPU (op_offload), copying the weight into that GPU's compute
	 * buffer first.  We add the largest such weight beside a layer's
	 * live tensors.  The output layer is never among them: -ngl
	 * offloads it first.  Derived from ggml-backend.cpp, not measured;
	 * ggml-metal's offload_op takes MUL_MAT and MUL_MAT_ID from 32
	 * tokens as CUDA's does, and its supports_buft refuses the CPU's
	 * buffers, so on Metal the weight is copied the same way.
	 */
	if (c->n_ubatch >= 32 && (c->layers_on[HOST] > 0 || c->moe_host > 0 ||
	    c->ot_host > 0)) {
		d = c->sc->split_mode == MP_SPLIT_LAYER ? 0 : c->main;
		c->compute[d] = mp_umax(c->compute[d],
		    mp_adds(lp, c->cpu_weight_max));
	}
}

/*
 * --mmproj: tools/mtmd's clip.cpp loads the projector GGUF into its own
 * backend buffer (read, not mapped) on the first GPU when the main model
 * runs on one (llama-server's --mmproj-offload, on by default), else on
 * the CPU, and reserves its own compute buffer there for the encoder.
 * Its second CUDA backend instance (its own pool and cuBLAS handle) is
 * not counted.  Derived from clip.cpp, not measured.
 */
static bool
place_mmproj(struct lc *c, struct mp_error *err)
{
	c->proj_dev = HOST;
	if (c->sc->mmproj[0] == '\0')
		return true;
	if (!mp_mmproj(c->m, c->sc->mmproj, c->sc->image_size, c->fa,
	    &c->proj, err))
		return false;
	if (c->act > 0)
		c->proj_dev = 0;
	return true;
}

/*
 * Host memory of a placed model's weights, and of it the file pages the
 * kernel can drop (see mp_estimate_llamacpp).  used: some layer is on a
 * GPU.
 */
static uint64_t
host_weights(const struct lc *c, bool used, uint64_t *reclaim)
{
	uint64_t resident_w = c->model[HOST] - c->repack[HOST], host;

	*reclaim = 0;
	if (!c->mmap) {
		host = resident_w;
	} else if (c->be == MP_BE_METAL || !used) {
		host = c->model[HOST];
		*reclaim = c->repack[HOST];
	} else {
		host = c->tensor_bytes;
		*reclaim = c->tensor_bytes - resident_w;
	}
	return mp_adds(host, c->repack[HOST]);
}

/*
 * --draft MODEL: llama-server (tools/server) loads the draft model once
 * with its own -ngld and gives every slot its own draft context
 * (slot.ctx_dft = llama_init_from_model(model_dft, cparams_dft)), of -cd
 * cells, or the slot's context when -cd is 0, one sequence, f16 cache
 * (-ctkd/-ctvd), the main model's flash attention and ubatch.  So the
 * weights count once and the cache, compute buffers and output buffer
 * once per slot.  The draft's layers are placed by the same rules as
 * the main model's, on the same GPUs.  Derived from the server's
 * source, not measured.
 */
struct draft {
	struct mp_scenario sc;
	struct lc	 c;
	uint64_t	 slots;
	uint64_t	 dev[NDEV];	/* per device; [HOST] resident */
	uint64_t	 reclaim;
	uint64_t	 weights, kv, compute, logits;
};

/* The draft model, loaded once per main model (its cache), else tmp
 * (also vllm.c's --draft). */
const struct mp_model *
mp_draft_model(const struct mp_model *m, const char *spec, struct mp_model *tmp,
    struct mp_error *err)
{
	struct mp_model *d;
	struct mp_cache *k = m->cache;

	if (k != NULL && k->draft != NULL &&
	    strcmp(k->draft_spec, spec) == 0)
		return k->draft;
	if (k == NULL || strlen(spec) >= sizeof(k->draft_spec) ||
	    (d = malloc(sizeof(*d))) == NULL) {
		if (!mp_model_load(spec, tmp, err))
			return NULL;
		return tmp;
	}
	mp_model_init(d);
	if (!mp_model_load(spec, d, err)) {
		mp_model_fini(d);
		free(d);
		return NULL;
	}
	mp_model_fini(k->draft);
	free(k->draft);
	k->draft = d;
	snprintf(k->draft_spec, sizeof(k->draft_spec), "%s", spec);
	return d;
}

static bool
place_draft(const struct lc *c, struct draft *dr, struct mp_model *tmp,
    struct mp_error *err)
{
	const struct mp_scenario *sc = c->sc;
	const struct mp_model *dm;
	struct lc *d = &dr->c;
	uint64_t k;
	uint32_t g;

	memset(dr, 0, sizeof(*dr));
	if (sc->draft[0] == '\0')
		return true;
	if ((dm = mp_draft_model(c->m, sc->draft, tmp, err)) == NULL)
		return false;
	dr->sc = *sc;
	dr->sc.draft[0] = '\0';
	dr->sc.mmproj[0] = '\0';
	dr->sc.image_size = 0;
	dr->sc.gpu_layers = sc->draft_gpu_layers;
	dr->sc.gpu_layers_set = true;
	dr->sc.n_cpu_moe = 0;
	dr->sc.override_tensor[0] = '\0';
	dr->sc.kv_unified = false;
	dr->sc.batch = 1;
	dr->sc.seq = sc->draft_ctx != 0 ? sc->draft_ctx : c->n_ctx_seq;
	dr->sc.kv_dtype = MP_DT_F16;
	dr->sc.draft_gpu_layers_set = false;
	dr->sc.draft_ctx = 0;
	if (dm->source == MP_SRC_GGUF)
		dr->sc.ftype[0] = '\0';
	if (!mp_scenario_resolve(&dr->sc, dm, err) ||
	    !resolve(d, dm, &dr->sc, err) || !place_weights(d, &dr->sc, err))
		return false;
	place_kv(d);
	place_compute(d);
	dr->slots = c->n_seq;
	for (g = 0; g < c->gpus; g++) {
		k = mp_adds(d->kvb[g], d->compute[g]);
		dr->dev[g] = mp_adds(d->model[g], mp_muls(k, dr->slots));
	}
	dr->logits = mp_muls(mp_muls(dm->vocab, 4), dr->slots);
	dr->dev[HOST] = mp_adds(mp_adds(host_weights(d, d->gpu_any,
	    &dr->reclaim), mp_muls(mp_adds(d->kvb[HOST], d->compute[HOST]),
	    dr->slots)), dr->logits);
	dr->weights = d->tensor_bytes;
	for (g = 0; g < NDEV; g++) {
		dr->kv = mp_adds(dr->kv, mp_muls(d->kvb[g], dr->slots));
		dr->compute = mp_adds(dr->compute, mp_muls(d->compute[g],
		    dr->slots));
	}
	return true;
}

/*
 * What a GPU costs beyond llama.cpp's buffers.  CUDA: the context,
 * cuBLAS workspaces and the CUDA pool, measured; ROCm's HIP context is
 * taken as the same (derived).  Metal, Vulkan and SYCL create no CUDA
 * context; their own driver overhead is not measured and not counted.
 */
uint64_t
mp_llamacpp_gpu_runtime(enum mp_backend be, const struct mp_scenario *sc)
{
	switch (be) {
	case MP_BE_NONE:
	case MP_BE_CUDA:
	case MP_BE_ROCM:
		/* The context's stack reservation follows the GPU
		 * (estimate.c, mp_cuda_context_on). */
		return mp_cuda_context_on(LC_CUDA_RUNTIME, sc);
	default:
		return 0;
	}
}

/* The same on GPU d: each card creates its own context (a mixed
 * machine's differ, mp_cuda_context_gpu). */
static uint64_t
gpu_runtime_on(enum mp_backend be, const struct mp_scenario *sc, uint32_t d)
{
	return mp_llamacpp_gpu_runtime(be, sc) == 0 ? 0 :
	    mp_cuda_context_gpu(LC_CUDA_RUNTIME, sc, d);
}

static const char *
gpu_word(enum mp_backend be)
{
	switch (be) {
	case MP_BE_METAL:
		return "Metal";
	case MP_BE_ROCM:
		return "ROCm";
	case MP_BE_VULKAN:
		return "Vulkan";
	case MP_BE_SYCL:
		return "SYCL";
	default:
		return "CUDA";
	}
}

/*
 * The layers of device d in a note's words, "layers {first}-{last} and
 * the output layer" (a template), with the two numbers as the note's
 * values first and last.
 */
static void
dev_layers(const struct lc *c, uint32_t d, char *buf, size_t len,
    uint32_t span[2])
{
	uint32_t il, lo = UINT32_MAX, hi = 0, n = 0;
	bool out = layer_dev(c, c->n_layer) == d;

	for (il = 0; il < c->n_layer; il++)
		if (layer_dev(c, il) == d) {
			if (lo == UINT32_MAX)
				lo = il;
			hi = il;
			n++;
		}
	span[0] = lo;
	span[1] = hi;
	if (n == 0)
		snprintf(buf, len, "%s", out ? "the output layer" : "no layer");
	else if (n == 1)
		snprintf(buf, len, "layer {first}%s", out ?
		    " and the output layer" : "");
	else
		snprintf(buf, len, "layers {first}-{last}%s", out ?
		    " and the output layer" : "");
}

static void
layer_values(struct mp_note *n, const uint32_t span[2])
{
	mp_note_count(n, "first", span[0]);
	mp_note_count(n, "last", span[1]);
}

/* An environment variable's value for a note, "unset" when absent. */
static const char *
env_or(const char *v)
{
	return v != NULL && v[0] != '\0' ? v : "unset";
}

/*
 * What llama.cpp's own buffers take on each GPU for sc (weights, cache,
 * compute; no projector, no draft), the weights alone, and what a GPU
 * costs besides (the CUDA context): the memory breakdown
 * llama_params_fit probes (llamacpp_fit.c).
 */
bool
mp_llamacpp_device_use(const struct mp_model *m, const struct mp_scenario *sc,
    struct mp_llamacpp_use *u, struct mp_error *err)
{
	struct lc *c;
	uint32_t d;
	bool ok;

	memset(u, 0, sizeof(*u));
	if ((c = malloc(sizeof(*c))) == NULL)
		return mp_error_set(err, MP_ENOMEM, NULL, NULL,
		    "out of memory");
	ok = resolve(c, m, sc, err) && mp_overrides_build(&c->ot, sc,
	    c->n_layer, c->gpus, err) && place_weights(c, sc, err);
	if (ok) {
		place_kv(c);
		place_compute(c);
		for (d = 0; d < c->gpus && d < MP_MAX_GPUS; d++) {
			u->model[d] = c->model[d];
			u->cache[d] = c->kvb[d];
			u->compute[d] = c->compute[d];
			u->total[d] = mp_adds(mp_adds(c->model[d], c->kvb[d]),
			    c->compute[d]);
		}
		u->n = c->gpus;
		u->runtime = mp_llamacpp_gpu_runtime(c->be, sc);
	}
	mp_overrides_free(&c->ot);
	free(c);
	return ok;
}

static bool report(struct lc *, const struct draft *,
    const struct mp_model *, const struct mp_scenario *,
    struct mp_estimate *);

bool
mp_estimate_llamacpp(const struct mp_model *m, const struct mp_scenario *sc,
    struct mp_estimate *est, struct mp_error *err)
{
	struct lc c;
	struct draft *dr;
	struct mp_model tmp;
	bool ok;

	if ((dr = malloc(sizeof(*dr))) == NULL)
		return mp_error_set(err, MP_ENOMEM, NULL, NULL,
		    "out of memory");
	mp_model_init(&tmp);
	ok = resolve(&c, m, sc, err) && mp_overrides_build(&c.ot, sc,
	    c.n_layer, c.gpus, err) &&
	    place_weights(&c, sc, err);
	if (ok) {
		place_kv(&c);
		place_compute(&c);
		ok = place_mmproj(&c, err) && place_draft(&c, dr, &tmp, err);
	}
	if (ok)
		ok = report(&c, dr, m, sc, est);
	mp_overrides_free(&c.ot);
	mp_model_fini(&tmp);
	free(dr);
	return ok;
}

/* The estimate of a placed model (and its projector and draft). */
static bool
report(struct lc *cp, const struct draft *dr, const struct mp_model *m,
    const struct mp_scenario *sc, struct mp_estimate *est)
{
	struct lc c = *cp;
	uint64_t out_buf, dev_total = 0, compute_all = 0, kv_all = 0, host;
	uint64_t touched, dev_max = 0, per, rt, reclaim = 0, main_reclaim;
	uint64_t rt_all = 0;
	uint32_t d, used = 0, fullest = 0;
	struct mp_note *n;
	char b2[64], lay[64];
	uint32_t span[2];
	uint64_t sent = 0, node_max = 0;	/* RPC split */

	rt = mp_llamacpp_gpu_runtime(c.be, sc);

	/*
	 * The output buffer (llama_context::output_reserve) is host memory
	 * (pinned with a GPU): n_vocab f32 logits for each of n_seq_max
	 * outputs.  It is not on the GPU, whatever -ngl says.
	 */
	out_buf = mp_muls(mp_muls(m->vocab, 4), c.n_seq);

	est->n_dev_bytes = 0;
	for (d = 0; d < c.gpus; d++) {
		per = mp_adds(mp_adds(c.model[d], c.kvb[d]), c.compute[d]);
		if (c.proj_dev == d)
			per = mp_adds(per, mp_adds(c.proj.weights,
			    c.proj.compute));
		per = mp_adds(per, dr->dev[d]);
		if (per != 0) {
			used++;
			per = mp_adds(per, gpu_runtime_on(c.be, sc, d));
			rt_all = mp_adds(rt_all, gpu_runtime_on(c.be, sc, d));
		}
		if (d < MP_MAX_GPUS && c.gpu_any) {
			est->dev_layers[est->n_dev_bytes] =
			    sc->split_mode == MP_SPLIT_LAYER ?
			    c.layers_on[d] : 0;
			est->dev_bytes[est->n_dev_bytes++] = per;
		}
		if (per > dev_max) {
			dev_max = per;
			fullest = d;
		}
		dev_total = mp_adds(dev_total, per);
	}
	if (used == 0)
		est->n_dev_bytes = 0;
	for (d = 0; d < NDEV; d++) {
		compute_all = mp_adds(compute_all, c.compute[d]);
		kv_all = mp_adds(kv_all, c.kvb[d]);
	}

	/*
	 * Host.  llama.cpp maps the whole GGUF with MAP_POPULATE (llama_mmap,
	 * prefetch on), so at load every page of the file is read and
	 * mapped, offloaded tensors' too; after the copy to the GPUs the
	 * ranges outside the CPU tensors are unmapped.  Peak host memory
	 * (host_total, what RSS shows) therefore holds the whole file; what
	 * the run keeps touching is the host tensors that are not repacked.
	 * Offloaded tensors and the originals of repacked ones are file
	 * pages the kernel can drop: host_reclaimable.  On Metal the GPU
	 * buffers wrap the mapping itself (Metal_Mapped), so the offloaded
	 * tensors are the device's bytes, counted there once.  Without mmap
	 * the host tensors that are not repacked are read into anonymous
	 * memory.  The repacked copy comes on top either way.  The KV cache
	 * is cleared at creation, so all of it is resident.  Of the host
	 * compute buffer only what a ubatch writes becomes resident: the
	 * logits rows are written for the tokens that want logits (one per
	 * sequence while generating), so on the CPU we count the layer
	 * working set.
	 */
	host = host_weights(&c, used > 0, &reclaim);
	host = mp_adds(host, c.kvb[HOST]);
	touched = !c.gpu_any ? mp_adds(layer_peak(&c),
	    mp_muls(mp_muls(m->vocab, 4), c.n_seq)) : c.compute[HOST];
	if (touched > c.compute[HOST])
		touched = c.compute[HOST];
	host = mp_adds(host, touched);
	host = mp_adds(host, out_buf);
	host = mp_adds(host, LC_HOST_BASE);
	if (c.proj_dev == HOST)
		host = mp_adds(host, mp_adds(c.proj.weights, c.proj.compute));
	host = mp_adds(host, dr->dev[HOST]);
	main_reclaim = reclaim;
	reclaim = mp_adds(reclaim, dr->reclaim);

	/*
	 * memory.weights is every weight tensor wherever it lives.  With
	 * tied embeddings llama.cpp keeps token_embd in host memory and
	 * loads the same data again as the output layer on the GPU; that
	 * second copy exists once layers are placed on a device
	 * (--gpu-layers), while the model as a file (the default view, no
	 * placement asked) holds it once.
	 */
	est->mem.weights = c.tensor_bytes - c.mtp_skipped;
	if (c.dup != 0 && sc->gpu_layers_set)
		est->mem.weights = mp_adds(c.tensor_bytes, c.dup);
	est->mem.weights = mp_adds(mp_adds(est->mem.weights, c.proj.weights),
	    dr->weights);
	est->mem.kv_cache = mp_adds(kv_all, dr->kv);
	est->mem.activations = mp_adds(mp_adds(compute_all, c.proj.compute),
	    dr->compute);
	est->mem.logits = mp_adds(out_buf, dr->logits);
	if (used > 0) {
		est->mem.runtime = rt_all;
	} else {
		/*
		 * On the CPU the components add up to the resident set:
		 * the compute buffer as far as it is written, and the
		 * process baseline with the repacked copies (which sit
		 * beside the mapped originals when mmap is on) as what the
		 * runtime itself holds.
		 */
		est->mem.activations = mp_adds(mp_adds(touched,
		    c.proj.compute), dr->compute);
		est->mem.runtime = mp_adds(LC_HOST_BASE,
		    c.mmap ? c.repack[HOST] : 0);
	}
	est->mem.total = mp_adds(mp_adds(est->mem.weights, est->mem.kv_cache),
	    mp_adds(mp_adds(est->mem.activations, est->mem.logits),
	    est->mem.runtime));
	/*
	 * RPC split (ggml/src/ggml-rpc/ggml-rpc.cpp, stored commit
	 * 004d67ed, and tools/rpc/rpc-server.cpp at 075f1e0a): the weights
	 * of an RPC device travel as one RPC_CMD_SET_TENSOR message per
	 * tensor.  The client builds that message as a copy of the tensor
	 * (serialize_set_tensor) and sends it synchronously, one at a time
	 * (no async upload: an RPC device has no host buffer type), so at
	 * load this host holds the largest sent tensor once more.  The
	 * rpc-server receives each message into a std::vector of its size
	 * before ggml_backend_tensor_set copies it to the GPU: its host
	 * holds the largest tensor of its devices besides the process.  Its
	 * -c cache writes tensors over 10 MiB to files (disk, not memory)
	 * and reads a hit back into one such vector.  The graphs it keeps
	 * (a few MiB of tensor headers) are not counted.  rpc-server's
	 * process baseline is taken as llama-server's (LC_HOST_BASE).  Each
	 * remote GPU holds a CUDA context of the rpc-server, as a local one
	 * does (rt above).  Derived from the source, not measured.
	 */
	if (c.nodes > 1 && used > 0) {
		uint64_t nb;
		uint32_t k;

		for (k = 0; k + 1 < c.nodes; k++) {
			nb = 0;
			for (d = k * c.per; d < (k + 1) * c.per; d++)
				nb = mp_umax(nb, c.big[d]);
			sent = mp_umax(sent, nb);
			node_max = mp_umax(node_max, mp_adds(LC_HOST_BASE, nb));
		}
		host = mp_adds(host, sent);
		est->node_host = node_max;
		est->dev_nodes = c.nodes;
	}
	est->llamacpp_pipeline = pipeline_parallel(&c);
	est->device_total = dev_total;
	est->host_total = host;
	est->host_reclaimable = reclaim;
	est->on_host = used == 0;
	est->kv_per_token = c.n_ctx == 0 ? 0 : kv_all / c.n_ctx;
	if (est->sc.kv_dtype == MP_DT_NONE)
		est->sc.kv_dtype = c.kv;

	n = mp_estimate_note(est, "context", "llamacpp.context", "-c {ctx} "
	    "-np {seqs}: {per_seq} cells per sequence (padded to 256%s), "
	    "n_batch {batch}, n_ubatch {ubatch}, flash attention %s",
	    sc->kv_unified ? ", one unified stream" : "", c.fa ? "on" :
	    c.fa_auto_off ? "off (auto: Metal has no kernel for head size "
	    "{head})" : "off");
	if (c.fa_auto_off)
		mp_note_count(n, "head", head_k(m));
	mp_note_count(n, "ctx", c.n_ctx);
	mp_note_count(n, "seqs", c.n_seq);
	mp_note_count(n, "per_seq", c.n_ctx_seq);
	mp_note_count(n, "batch", c.n_batch);
	mp_note_count(n, "ubatch", c.n_ubatch);
	if (used == 0)
		mp_estimate_note(est, "weights", "llamacpp.cpu_only", "CPU "
		    "only%s: every tensor in "
		    "host memory, %s", c.cpu_run ? " (no GPU on this machine)" :
		    "", c.mmap ? "as file pages mapped by mmap" :
		    "read into anonymous memory (--mmap off)");
	else {
		dev_layers(&c, c.gpus > 1 && sc->split_mode == MP_SPLIT_LAYER ?
		    0 : c.main, lay, sizeof(lay), span);
		if (c.act == 0)
			snprintf(b2, sizeof(b2), "every layer");
		else if (c.gpu_start == 0)
			snprintf(b2, sizeof(b2), "the token embedding");
		else
			snprintf(b2, sizeof(b2), "layers 0-{host_last} and the "
			    "token embedding");
		n = mp_estimate_note(est, "weights", "llamacpp.ngl", "-ngl "
		    "{ngl}: {on_gpu} of {layers} layers and the output layer "
		    "on %s%s%s%s; %s in host memory ({host})", c.gpus > 1 ?
		    "the GPUs" : "the GPU", c.gpus > 1 ? "" : " (",
		    c.gpus > 1 ? "" : lay, c.gpus > 1 ? "" : ")", b2);
		mp_note_count(n, "ngl", c.act);
		mp_note_count(n, "on_gpu", c.n_layer - c.layers_on[HOST]);
		mp_note_count(n, "layers", c.n_layer);
		mp_note_size(n, "host", c.model[HOST]);
		if (c.gpus == 1)
			layer_values(n, span);
		if (c.gpu_start != 0)
			mp_note_count(n, "host_last", c.gpu_start - 1);
	}
	if (c.moe_host != 0) {
		n = mp_estimate_note(est, "weights", "llamacpp.n_cpu_moe",
		    "--n-cpu-moe {n}: expert tensors of layers 0-{last} "
		    "({experts}) kept in host memory; their layers' other "
		    "tensors and cache on the GPU");
		mp_note_count(n, "n", c.n_cpu_moe);
		mp_note_count(n, "last", c.n_cpu_moe - 1);
		mp_note_size(n, "experts", c.moe_host);
	}
	if (sc->override_tensor[0] != '\0') {
		n = mp_estimate_note(est, "weights", "llamacpp.override_tensor",
		    "-ot (as in the command): %s%s%s", c.ot_host != 0 ?
		    "{host} of GPU layers' tensors kept in host memory" : "",
		    c.ot_host != 0 && c.ot_gpu != 0 ? ", " : "",
		    c.ot_gpu != 0 ? "{moved} on a GPU other than their "
		    "layer's device" : c.ot_host == 0 ? "no tensor moved "
		    "from its layer's device" : "");
		if (c.ot_host != 0)
			mp_note_size(n, "host", c.ot_host);
		if (c.ot_gpu != 0)
			mp_note_size(n, "moved", c.ot_gpu);
	}
	if (c.dup != 0)
		mp_note_size(mp_estimate_note(est, "weights",
		    "llamacpp.tied_output", "tied embedding "
		    "loaded again for the offloaded output layer: {copy} more "
		    "on the GPU%s", sc->gpu_layers_set ? "" : " (counted in "
		    "memory.weights once --gpu-layers places the layers)"),
		    "copy", c.dup);
	if (c.repack[HOST] != 0)
		mp_note_size(mp_estimate_note(est, "weights",
		    "llamacpp.repack", "{repacked} "
		    "repacked for %s (a second copy)%s",
		    sc->cpu_isa == MP_ISA_NEON ? "NEON" :
		    sc->cpu_isa == MP_ISA_AVX2 ? "AVX2" : "AVX-512", c.mmap ?
		    "; the originals' file pages are reclaimable, not resident"
		    : ""), "repacked", c.repack[HOST]);
	if (main_reclaim != 0 && used > 0) {
		n = mp_estimate_note(est, "weights", "llamacpp.mmap",
		    "mmap maps the whole file "
		    "({file}) at load; {reclaimable} of it (offloaded%s "
		    "tensors) are reclaimable file pages, not resident",
		    c.repack[HOST] != 0 ? " and repacked" : "");
		mp_note_size(n, "file", c.tensor_bytes);
		mp_note_size(n, "reclaimable", main_reclaim);
	}
	if (sc->ollama) {
		n = mp_estimate_note(est, "context", "llamacpp.ollama",
		    "ollama: num_ctx {ctx} (%s), {slots} slot%s sharing one "
		    "cache; OLLAMA_NUM_PARALLEL=%.8s "
		    "OLLAMA_FLASH_ATTENTION=%.8s OLLAMA_KV_CACHE_TYPE=%.8s "
		    "(this environment)",
		    sc->ollama_ctx[0] != '\0' ? sc->ollama_ctx : "--seq",
		    c.n_seq == 1 ? "" : "s",
		    env_or(getenv("OLLAMA_NUM_PARALLEL")),
		    env_or(getenv("OLLAMA_FLASH_ATTENTION")),
		    env_or(getenv("OLLAMA_KV_CACHE_TYPE")));
		mp_note_count(n, "ctx", sc->seq);
		mp_note_count(n, "slots", c.n_seq);
		mp_ollama_ctx_values(n, sc);
	}
	if (c.mtp_skipped != 0) {
		n = mp_estimate_note(est, "weights", "llamacpp.mtp_skipped",
		    "{layers} MTP layer%s (nextn_predict_layers) in the file: "
		    "{skipped} of tensors llama.cpp does not load (TENSOR_SKIP) "
		    "and no cache for them", m->nextn_layers == 1 ? "" : "s");
		mp_note_count(n, "layers", m->nextn_layers);
		mp_note_size(n, "skipped", c.mtp_skipped);
	} else if (m->nextn_layers != 0 && m->source != MP_SRC_GGUF &&
	    strncmp(m->model_type, "deepseek", 8) == 0)
		mp_note_count(mp_estimate_note(est, "weights",
		    "llamacpp.mtp_not_converted", "{layers} MTP layer%s "
		    "(num_nextn_predict_layers): llama.cpp's converter does not "
		    "write DeepSeek's (skip_mtp), so they are neither in the "
		    "GGUF nor loaded", m->nextn_layers == 1 ? "" : "s"),
		    "layers", m->nextn_layers);
	if (dr->slots != 0) {
		n = mp_estimate_note(est, "weights", "llamacpp.draft",
		    "--draft %s: -ngld {ngl} ({on_gpu} of {layers} layers on "
		    "%s), {weights} of weights; {slots} slot context%s of "
		    "{cells} cells, {each} each (f16 cache and compute); "
		    "derived from llama-server", dr->c.m->name,
		    dr->c.gpus > 1 ? "the GPUs" : "the GPU",
		    dr->slots == 1 ? "" : "s");
		mp_note_count(n, "ngl", dr->c.act);
		mp_note_count(n, "on_gpu", dr->c.n_layer -
		    dr->c.layers_on[HOST]);
		mp_note_count(n, "layers", dr->c.n_layer);
		mp_note_count(n, "slots", dr->slots);
		mp_note_count(n, "cells", dr->c.n_ctx);
		mp_note_size(n, "weights", dr->weights);
		mp_note_size(n, "each", (dr->kv + dr->compute) / dr->slots);
	}
	if (c.proj.n_tensors != 0) {
		n = mp_estimate_note(est, "weights", "llamacpp.mmproj",
		    "--mmproj %s: projector GGUF {file} ({tensors} tensors) on "
		    "%s, encoder buffer {encoder} for a {side}px picture "
		    "({patches} patches, FA %s); derived from clip.cpp",
		    sc->mmproj, c.proj_dev == HOST ? "the CPU" : "GPU 0",
		    c.fa ? "on" : "off");
		mp_note_count(n, "tensors", c.proj.n_tensors);
		mp_note_count(n, "side", c.proj.side);
		mp_note_count(n, "patches", c.proj.patches);
		mp_note_size(n, "file", c.proj.weights);
		mp_note_size(n, "encoder", c.proj.compute);
	}
	n = mp_estimate_note(est, "kv_cache", "llamacpp.kv", "%s cache, "
	    "{cells} cells%s%s: {gpus} on GPUs, {host} in host memory",
	    mp_dtype_info(c.kv)->name, sc->kv_unified ? ", unified" : "",
	    sc->swa_full ? ", full-size SWA" : "");
	mp_note_count(n, "cells", c.n_ctx);
	mp_note_size(n, "gpus", kv_all - c.kvb[HOST]);
	mp_note_size(n, "host", c.kvb[HOST]);
	if (used == 0) {
		n = mp_estimate_note(est, "activations", "llamacpp.compute_cpu",
		    "compute buffer: "
		    "{reserved} reserved for a ubatch of logits, {written} of "
		    "it written (a layer's live tensors; logits only for "
		    "tokens that want them)");
		mp_note_size(n, "reserved", compute_all);
		mp_note_size(n, "written", touched);
	} else {
		n = mp_estimate_note(est, "activations", "llamacpp.compute",
		    "scheduler compute "
		    "buffers: {gpus} on GPUs, {host} in host memory (a ubatch "
		    "of logits, or a layer's live tensors)%s",
		    c.be == MP_BE_METAL ? "; Metal: the CUDA-measured graph "
		    "with ggml-metal's FA scratch ({scratch}), derived" :
		    c.be == MP_BE_VULKAN || c.be == MP_BE_SYCL ||
		    c.be == MP_BE_ROCM ? "; sizes as measured with CUDA, "
		    "derived for this backend" : "");
		mp_note_size(n, "gpus", compute_all - c.compute[HOST]);
		mp_note_size(n, "host", c.compute[HOST]);
		if (c.be == MP_BE_METAL)
			mp_note_size(n, "scratch", c.fa ?
			    metal_fa_scratch(&c) : 0);
	}
	mp_note_count(mp_estimate_note(est, "logits", "llamacpp.output",
	    "output buffer in host memory: n_vocab x 4 bytes x {seqs} "
	    "sequences"), "seqs", c.n_seq);
	if (used > 0 && rt != 0 && sc->cuda_stack != 0) {
		struct mp_note *rn = mp_estimate_note(est, "runtime",
		    "llamacpp.cuda_stack", "CUDA "
		    "context, BLAS and the memory pool: {per_gpu} per GPU "
		    "({measured} measured on an H100, with this GPU's {stack} "
		    "stack reservation for the H100's {h100_stack})");

		mp_note_size(rn, "per_gpu", rt);
		mp_note_size(rn, "measured", LC_CUDA_RUNTIME);
		mp_note_size(rn, "stack", sc->cuda_stack);
		mp_note_size(rn, "h100_stack", mp_cuda_stack_h100());
		mp_cuda_cards_note(est, sc, LC_CUDA_RUNTIME, c.gpus);
	} else if (used > 0 && rt != 0)
		mp_note_size(mp_estimate_note(est, "runtime",
		    "llamacpp.cuda", "%s context, "
		    "BLAS and the memory pool: {per_gpu} per GPU (measured "
		    "with CUDA on an H100%s)", c.be == MP_BE_ROCM ? "HIP" :
		    "CUDA", c.be == MP_BE_ROCM ? "; derived for ROCm" : ""),
		    "per_gpu", LC_CUDA_RUNTIME);
	else if (used > 0 && c.be == MP_BE_METAL)
		/*
		 * ggml-metal's buffers are the whole of it: its residency
		 * sets keep those buffers wired (no memory of their own),
		 * and macOS lets the GPU wire at most the device's
		 * recommendedMaxWorkingSetSize, the profile's usable memory.
		 */
		mp_estimate_note(est, "runtime", "llamacpp.no_cuda", "Metal: no "
		    "CUDA context; residency sets only keep the buffers above "
		    "wired, within recommendedMaxWorkingSetSize (the "
		    "profile's usable memory); driver overhead not counted");
	else if (used > 0)
		mp_estimate_note(est, "runtime", "llamacpp.no_cuda", "%s: no "
		    "CUDA context; the "
		    "driver's own overhead is not measured and not counted",
		    gpu_word(c.be));
	else
		mp_note_size(mp_estimate_note(est, "runtime",
		    "llamacpp.cpu_baseline", "CPU only: "
		    "process baseline {baseline} (measured)%s",
		    /* the verdict judges resident memory (place.c) */
		    c.repack[HOST] != 0 && c.mmap ? " and the repacked copy; "
		    "the total also counts the mapped originals, reclaimable "
		    "file pages the verdict does not judge" : "; the total is "
		    "the resident set"), "baseline", LC_HOST_BASE);
	if (c.gpus > 1 && used > 0 && sc->split_mode == MP_SPLIT_NONE) {
		/* -sm none: one GPU, -mg, holds every offloaded layer; the
		 * others hold nothing of this model */
		dev_layers(&c, c.main, lay, sizeof(lay), span);
		n = mp_estimate_note(est, "gpus", "llamacpp.split", "-sm none: "
		    "GPU {index} of {gpus} (-mg) holds {fullest} with %s; the "
		    "other GPU%s hold%s none of its layers", lay,
		    c.gpus > 2 ? "s" : "", c.gpus > 2 ? "" : "s");
		mp_note_count(n, "gpus", c.gpus);
		mp_note_count(n, "index", c.main);
		mp_note_size(n, "fullest", c.main < est->n_dev_bytes ?
		    est->dev_bytes[c.main] : dev_max);
		layer_values(n, span);
	} else if (c.gpus > 1 && used > 0) {
		dev_layers(&c, fullest, lay, sizeof(lay), span);
		n = mp_estimate_note(est, "gpus", "llamacpp.split", "%s split "
		    "over {gpus} GPUs (-sm %s%s%s); the fullest, GPU {index}, "
		    "holds {fullest} with %s",
		    sc->split_mode == MP_SPLIT_ROW ? "matrix rows" : "layers",
		    sc->split_mode == MP_SPLIT_LAYER ? "layer" :
		    sc->split_mode == MP_SPLIT_ROW ? "row" : "none",
		    sc->n_tensor_split != 0 ? ", -ts as given" :
		    sc->n_dev_free >= c.gpus || (c.nodes > 1 &&
		    sc->n_dev_free >= c.per) ? ", split by free memory" : "",
		    pipeline_parallel(&c) ? ", pipeline parallel" : "", lay);
		mp_note_count(n, "gpus", c.gpus);
		mp_note_count(n, "index", fullest);
		mp_note_size(n, "fullest", dev_max);
		layer_values(n, span);
	}
	if (est->dev_nodes > 1) {
		n = mp_estimate_note(est, "gpus", "llamacpp.rpc", "--rpc: "
		    "{devices} devices on {nodes} machines in llama.cpp's "
		    "order: the other nodes' GPUs first (rpc-server, %s), "
		    "then this host's {per}, the last holding the output "
		    "layer", c.nodes * c.per > 2 ? "RPC0-RPC{last}" : "RPC0");
		mp_note_count(n, "devices", c.gpus);
		mp_note_count(n, "nodes", c.nodes);
		mp_note_count(n, "last", (c.nodes - 1) * c.per - 1);
		mp_note_count(n, "per", c.per);
		n = mp_estimate_note(est, "total", "llamacpp.rpc_host", "each "
		    "other node's host: {node_host} (rpc-server's baseline and "
		    "the largest tensor it receives at load, {tensor}); this "
		    "host copies each tensor it sends, {tensor} more at load "
		    "(derived from ggml-rpc)");
		mp_note_size(n, "node_host", node_max);
		mp_note_size(n, "tensor", sent);
	}
	return true;
}
