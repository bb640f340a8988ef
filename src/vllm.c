/* vllm.c: what vLLM takes on each GPU, and its paged KV pool */
/* SPDX-License-Identifier: MIT */
/*
 * vLLM sizes its KV cache from what is left (vllm/v1/worker/gpu_worker.py,
 * determine_available_memory): it may use gpu_memory_utilization of the
 * card, loads the weights, runs one profiling forward pass over
 * max_num_batched_tokens tokens (and the sampler over max_num_seqs rows),
 * and gives the pool what the weights, that peak and the memory allocated
 * outside PyTorch (cuBLAS, NCCL) leave.  The pool is cut into blocks of 16
 * tokens (cache_config.block_size).
 *
 * Defaults followed: vLLM 0.21 (MP_VLLM_VERSION), V1 engine, `vllm serve`
 * (usage context OPENAI_API_SERVER): gpu_memory_utilization 0.9,
 * block_size 16, chunked prefill with max_num_batched_tokens 2048 and
 * max_num_seqs 256 on cards under 70 GiB (and A100s), 8192 and 1024 on
 * larger ones (engine/arg_utils.py, get_batch_defaults; the offline LLM
 * class doubles the tokens: pass --max-num-batched-tokens for it).
 * CUDA graphs (compilation config, cudagraph_mode FULL_AND_PIECEWISE):
 * piecewise graphs for the sizes 1, 2, 4, 8..248 step 8, 256.. step 16 up
 * to max_cudagraph_capture_size = min(2 x max_num_seqs, 512), full graphs
 * for uniform decode batches up to max_num_seqs of them.  Since 0.21 the
 * CUDA-graph memory profiler (VLLM_MEMORY_PROFILER_ESTIMATE_CUDAGRAPHS)
 * is on by default and its estimate comes out of the budget
 * (gpu_model_runner.py, profile_cudagraph_memory); older versions
 * captured after sizing the pool, in the remaining 10 %.  The CUDA
 * context exists before the worker's first memory snapshot, so it sits
 * outside the budget.
 *
 * Tensor parallelism (--gpus N) follows vLLM's parallel linear layers:
 * column/row-parallel matrices and the vocabulary-parallel embedding and
 * head are divided by N, norms and routers are replicated, and when there
 * are fewer KV heads than GPUs each GPU keeps one KV head (K/V projections
 * and cache replicated, QKVParallelLinear's num_kv_head_replicas).  MLA's
 * latent cache is the same on every GPU.
 *
 * Nothing here was measured against a running vLLM: the activation,
 * non-torch and CUDA-graph terms are derived from the code paths above
 * and compared with published start-up logs (tests/vllm).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "runtime.h"

#define GIB		(1024ull * MIB)
#define V_UTIL_PPM	900000u	/* gpu_memory_utilization 0.9 */
#define V_PPM		1000000u
#define V_BLOCK		16u	/* tokens per KV block */
#define V_BIG_CARD	(70ull * GIB)
/* max_cudagraph_capture_size's ceiling (config/compilation.py). */
#define V_CAPTURE_CAP	512u
/*
 * What one more captured piecewise graph leaves in device memory beyond
 * the shared pool (the driver's copy of its kernel nodes and their
 * parameters, the allocator's rounding), per piece between attention
 * calls.  Derived, not measured here: the profiler's published estimates
 * for Qwen2.5-7B on vLLM 0.22 (0.37 GiB for 35 + 19 graphs) and
 * Llama-3.1-8B on 0.19 (0.84 GiB for 51 + 51) leave 0.25 to 0.28 MiB per
 * piece once the pool and the full graphs are counted (tests/vllm).
 */
#define V_GRAPH_PIECE	(256ull * 1024ull)
/* The profiler counts at least 1 MiB per graph beyond the first
 * ("driver overhead", profile_cudagraph_memory). */
#define V_GRAPH_FLOOR	MIB
/* FlashAttention's split-KV scratch in full (decode) graphs: vLLM caps
 * the splits at 32 under CUDA graphs (flash_attn backend,
 * max_num_splits), fp32 partial outputs of every split. */
#define V_FA_SPLITS	32u
/* fused_moe works through the tokens in chunks of this many
 * (VLLM_FUSED_MOE_CHUNK_SIZE). */
#define V_MOE_CHUNK	32768u
/*
 * The sampler's dummy run (gpu_model_runner.py _dummy_sampler_run, the
 * same in 0.11 and 0.21): compute_logits over max_num_seqs rows, then
 * Sampler.forward with temperature 0.5, top_k = vocab - 1, top_p 0.9,
 * no penalties and no logprobs.  The tensors alive at its peak, in
 * bytes per vocabulary entry of a row; 0 stands for the model's dtype.
 * Sampler.forward's logits.to(float32) copies only logits that are not
 * fp32 already (torch's .to returns the tensor itself otherwise).
 *
 * vLLM 0.21 on CUDA (VLLM_USE_FLASHINFER_SAMPLER on by default,
 * topk_topp_sampler.py forward_cuda -> flashinfer_sample ->
 * flashinfer.sampling.top_k_top_p_sampling_from_logits, which masks
 * the top k into a new tensor and softmaxes it).  Its PyTorch-native
 * path takes Triton's top-k/top-p from 8 rows up (apply_top_k_top_p
 * -> apply_top_k_top_p_triton), then softmax and the exponential
 * noise of random_sample: the same 4 + 4 beside the fp32 copy.
 */
static const struct sampler_tensor {
	uint8_t		 bytes;		/* 0: the logits' own dtype */
	bool		 upcast;	/* none with fp32 logits */
	const char	*what;
} sampler_flashinfer[] = {
	{ 0, false, "logits (compute_logits), held by _dummy_sampler_run" },
	{ 4, true, "their fp32 copy (Sampler.forward, logits.to(float32))" },
	{ 4, false, "top_k_mask_logits' masked copy (fp32)" },
	{ 4, false, "its softmax, the probabilities (fp32)" },
},
/*
 * The PyTorch-native sort (topk_topp_sampler.py apply_top_k_top_p,
 * logits.sort over the whole row): vLLM 0.11's path whenever
 * FlashInfer's sampler is not in use (0.21 sorts only under 8 rows).
 * At the sort's peak: its outputs, fp32 values and int64 indices, and
 * ATen's temporaries for 128 or more rows (Sort.cu
 * launch_stable_sort_kernel -> segmented_sort_pairs): int64 reverse
 * indices of every element, and cub's DeviceSegmentedRadixSort
 * (not overwrite-okay) alternate key and value buffers, 4 + 8.  Masks,
 * the top-p softmax and the scatter come after the temporaries are
 * freed and stay below the peak (24 bytes).  The published vLLM 0.11
 * H100 runs fit this path (tests/vllm/h100-v011.tsv).
 */
sampler_sort[] = {
	{ 0, false, "logits (compute_logits), held by _dummy_sampler_run" },
	{ 4, true, "their fp32 copy (Sampler.forward, logits.to(float32))" },
	{ 4, false, "sorted values (fp32)" },
	{ 8, false, "sort indices (int64)" },
	{ 8, false, "ATen segmented_sort_pairs' reverse indices (int64)" },
	{ 4, false, "cub's alternate keys (fp32)" },
	{ 8, false, "cub's alternate values (int64)" },
};

/* Bytes per vocabulary entry of a sampled row at the peak of `t`. */
static uint64_t
sampler_row_bytes(const struct sampler_tensor *t, size_t n, enum mp_dtype act)
{
	uint64_t b = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (t[i].upcast && act == MP_DT_F32)
			continue;
		b += t[i].bytes != 0 ? t[i].bytes :
		    mp_dtype_info(act)->block_bytes;
	}
	return b;
}

/* With a draft model the rejection sampler's dummy run also draws the
 * draft's probabilities (random fp32 values and their softmax). */
#define V_DRAFT_PROBS_B	8u
/*
 * What tensor parallelism adds on each GPU, outside PyTorch's allocator.
 * vLLM's custom all-reduce (custom_all_reduce.py, CustomAllreduce:
 * world sizes 2, 4, 6 and 8 inside one node) allocates three IPC-shared
 * buffers of max_size = 8 MiB: the synchronisation metadata plus an
 * equal scratch (uncached), the registered input buffer, and rank_data,
 * the 8 MiB table of peers' graph-buffer addresses that
 * register_graph_buffers fills after each capture.
 */
#define V_CA_MAX	(8ull * MIB)
#define V_CA_BUFS	(3ull * V_CA_MAX)
/*
 * The group's NCCL communicator (pynccl.py, PyNcclCommunicator): each
 * ring channel keeps one connection's buffers for the three protocols:
 * SIMPLE = NCCL_BUFFSIZE (4 MiB default), LL128 = 120 elements x 640
 * threads x 8 steps x 8 B (4.6875 MiB), LL = 8 lines x 512 threads x 8
 * steps x 16 B (512 KiB): 9.1875 MiB, the "9.19 MiB per proxy
 * connection" observed in
 * https://github.com/tonyd2wild/DeepSeek-V4.1-Flash-vLLM-DGX-Spark/issues/8.
 * NCCL prints "16 coll channels ... 16 p2p channels per peer" for
 * NVLink-connected GPUs (https://github.com/vllm-project/vllm/pull/10978);
 * 16 channels are assumed (PCIe machines use fewer).  NVLink SHARP's
 * buffers (NVLS, NVSwitch systems, more than 2 GPUs: "nvlsPerRankSize
 * 301989888", https://github.com/vllm-project/vllm/issues/9699) are
 * not counted: the profile does not say whether the GPUs sit on an
 * NVSwitch.
 */
#define V_NCCL_CONN	(4ull * MIB + 4915200ull + 512ull * 1024ull)
#define V_NCCL_CHANNELS	16u
/*
 * An all-reduce that NCCL (not the custom all-reduce) runs inside a
 * captured graph leaves a persistent plan: its work buffer, cudaMalloc'd
 * for the graph's lifetime (enqueue.cc, workBufPersistent, freed in
 * reclaimPlan).  Derived: vLLM's custom all-reduce PR
 * (https://github.com/vllm-project/vllm/pull/2192) measured 494 to 1006
 * MB less memory once its 35 captured batch sizes stopped calling NCCL
 * for 2 all-reduces per layer (Llama 7B to 70B, TP 2 and 4): 184 to 243
 * KiB per captured all-reduce; 219 KiB is their mean.
 */
#define V_NCCL_PLAN	(219ull * 1024ull)

struct vl {
	const struct mp_model *m;
	uint32_t	 tp;
	uint32_t	 pp;		/* pipeline stages: one per node */
	uint32_t	 kvh_rank;	/* KV heads on each GPU */
	enum mp_dtype	 act, kv;
	uint64_t	 batched, max_seqs;
	bool		 eager;		/* --enforce-eager */
	uint32_t	 n_pw, n_full;	/* CUDA graphs captured per mode */
	uint64_t	 pw_top, full_top; /* the largest of each */
	uint64_t	 graph_first;	/* the first capture: pools */
	/* speculative decoding: tokens proposed per step, MTP layers */
	uint32_t	 spec_k, spec_layers;
	uint64_t	 spec_weights;	/* MTP layers, per GPU */
	/* --draft: the draft model's terms, per GPU */
	uint64_t	 draft_weights, draft_tok, draft_fwd;
	uint32_t	 draft_layers;
	uint64_t	 weights;	/* per GPU */
	uint64_t	 weights_all;
	uint64_t	 act_peak;	/* per GPU */
	/* the sampler's dummy run with the pass's hidden states: the
	 * modelled version's path, and the PyTorch-native sort */
	uint64_t	 sampler, sampler_sort;
	uint64_t	 non_torch, graphs, context;
	bool		 custom_ar;	/* vLLM's custom all-reduce runs */
	uint64_t	 nccl_graph;	/* graphs' NCCL plans (in graphs) */
	uint32_t	 util_ppm;	/* gpu_memory_utilization, millionths */
	uint64_t	 tok_bytes;	/* cache per token of full layers, per GPU */
};

/* --speculative: vLLM's speculative_config methods without a draft
 * model, indexed by enum mp_spec (none has no name). */
static const char *const spec_names[] = { NULL, "ngram", "mtp" };

/*
 * Model types vLLM refuses to run in float16 for numerical instability
 * (_FLOAT16_NOT_SUPPORTED_MODELS, vllm/config/model.py): --dtype
 * float16 is an error, and dtype "auto" on a device without bf16 falls
 * back to float32 (_resolve_auto_dtype: the first of the platform's
 * supported_dtypes that the model allows; CUDA lists bf16 only from
 * compute capability 8.0).
 */
static const char *const no_fp16[] = {
	"gemma2", "gemma3", "gemma3_text", "plamo2", "glm4", NULL
};

bool
mp_vllm_refuses_fp16(const struct mp_model *m)
{
	return mp_word_in(m->model_type, no_fp16);
}

const char *
mp_spec_choice(size_t i)
{
	return i + 1 < sizeof(spec_names) / sizeof(spec_names[0]) ?
	    spec_names[i + 1] : NULL;
}

bool
mp_spec_parse(const char *v, enum mp_spec *out)
{
	size_t i;

	for (i = 1; i < sizeof(spec_names) / sizeof(spec_names[0]); i++)
		if (strcmp(v, spec_names[i]) == 0) {
			*out = (enum mp_spec)i;
			return true;
		}
	return false;
}

/*
 * --gpu-memory-utilization (vLLM's float in (0, 1]: config/cache.py
 * checks 0 < x <= 1) and --acceptance-rate, read as decimal digits so
 * that the locale's decimal point does not matter: "0.9", ".95", "1",
 * "1.0"; at most six decimals.
 */
bool
mp_vllm_parse_fraction(const char *v, uint32_t *ppm, char *why, size_t whylen)
{
	const char *p = v;
	uint64_t ip = 0, frac = 0, scale = V_PPM;
	int nd = 0, nf = 0;

	for (; *p >= '0' && *p <= '9' && nd < 8; p++, nd++)
		ip = ip * 10 + (uint64_t)(*p - '0');
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9'; p++, nf++) {
			if (nf == 6) {
				snprintf(why, whylen, "at most 6 decimals, got "
				    "\"%.40s\"", v);
				return false;
			}
			scale /= 10;
			frac += (uint64_t)(*p - '0') * scale;
		}
	if (*p != '\0' || nd + nf == 0) {
		snprintf(why, whylen, "expected a decimal fraction such as "
		    "0.9, got \"%.40s\"", v);
		return false;
	}
	if (ip * V_PPM + frac == 0 || ip * V_PPM + frac > V_PPM) {
		snprintf(why, whylen, "expected a fraction in (0, 1], got "
		    "\"%.40s\"", v);
		return false;
	}
	*ppm = (uint32_t)(ip * V_PPM + frac);
	return true;
}

/*
 * gpu_memory_utilization as a number, and the decimals it is written
 * with: two at least, as vLLM's documentation writes it (0.90, 0.95),
 * more only when given (0.9764).
 */
static double
util_of(uint32_t ppm, unsigned *places)
{
	double u = (double)(ppm != 0 ? ppm : V_UTIL_PPM) / V_PPM;

	*places = mp_fixed_places(u, 2, 6);
	return u;
}

void
mp_vllm_util_text(uint32_t ppm, char *buf, size_t len)
{
	unsigned places;
	double	 u = util_of(ppm, &places);

	mp_fmt_fixed(u, places, buf, len);
}

static uint64_t
div_up(uint64_t a, uint64_t b)
{
	return b == 0 ? a : a / b + (a % b != 0);
}

/* The share of one tensor that each of the tp GPUs holds. */
static uint64_t
rank_bytes(const struct vl *v, const struct mp_tensor *t, uint64_t bytes)
{
	const struct mp_model *m = v->m;
	uint64_t q, kvs;

	switch (t->kind) {
	case MP_TK_NORM:
	case MP_TK_ROUTER:
	case MP_TK_ROUTER_BIAS:
	case MP_TK_SHEXP_ROUTER:
	case MP_TK_BUFFER:
	case MP_TK_ATTN_SINKS:
	case MP_TK_ATTN_Q_A:
	case MP_TK_ATTN_KV_A:
	case MP_TK_POS_EMBED:
		/* ReplicatedLinear, norms and small vectors: whole. */
		return bytes;
	case MP_TK_ATTN_K:
	case MP_TK_ATTN_V:
		if (m->kv_heads == 0)
			break;
		return mp_muls(bytes / m->kv_heads, v->kvh_rank);
	case MP_TK_ATTN_QKV:
		q = (uint64_t)m->heads;
		kvs = 2ull * m->kv_heads;
		if (q + kvs == 0)
			break;
		return mp_muls(bytes / (q + kvs),
		    q / v->tp + 2ull * v->kvh_rank);
	default:
		break;
	}
	return div_up(bytes, v->tp);
}

/*
 * One forward pass over `tokens` tokens, per GPU, at its widest moment,
 * in the compute type (the profiling run's _dummy_run, and what one
 * captured batch size keeps in the graph pool).  Between two attention
 * calls the residual stream, the normed input and the layer's output
 * (3 x hidden per token) stay live beside either the attention
 * projections (Q, K, V and the attention output) or the MLP's merged
 * gate_up output and its SiluAndMul product (3 x n_ff / tp).  A MoE
 * layer runs fused_moe over chunks of at most 32768 tokens with two
 * workspaces per routed copy of a token (fused_moe.py: the gate_up
 * output and the down output share one of max(2 x n_ff / tp, hidden)
 * elements, the activated product takes n_ff / tp), beside the router's
 * logits and the shared experts' MLP.
 */
static uint64_t
forward_peak(const struct vl *v, uint64_t tokens)
{
	const struct mp_model *m = v->m;
	uint64_t ab, attn, mlp, e, ff, chunk, hd = m->head_dim, live, peak;

	ab = mp_dtype_info(v->act)->block_bytes;
	live = 3ull * m->hidden;
	attn = live + (2ull * m->heads / v->tp + 2ull * v->kvh_rank) * hd;
	mlp = live + 3ull * div_up(m->intermediate, v->tp);
	peak = mp_muls(mp_muls(tokens, mp_umax(attn, mlp)), ab);
	if (m->n_experts != 0) {
		ff = div_up(m->moe_intermediate, v->tp);
		chunk = tokens < V_MOE_CHUNK ? tokens : V_MOE_CHUNK;
		e = mp_muls(mp_muls(chunk, m->experts_per_tok),
		    mp_umax(2ull * ff, m->hidden) + ff);
		e = mp_adds(e, mp_muls(tokens, live + m->n_experts +
		    3ull * div_up(m->shared_intermediate, v->tp)));
		peak = mp_umax(peak, mp_muls(e, ab));
	}
	return peak;
}

/*
 * vLLM 0.21's default capture sizes up to `max`: 1, 2, 4, then 8 to 248
 * in steps of 8, then 256 on in steps of 16 (config/compilation.py).
 * With speculative decoding a decode step is q = 1 + k tokens per
 * sequence, and adjust_cudagraph_sizes_for_spec_decode rounds every size
 * up to a multiple of q, drops those that pass `max` and the duplicates
 * (q alone when none is left).  Returns how many there are and sets the
 * largest and the one before it (the profiler's second capture).
 */
static uint32_t
capture_sizes(uint64_t max, uint64_t q, uint64_t *largest, uint64_t *second)
{
	uint64_t s, r;
	uint32_t n = 0;

	*largest = *second = 0;
	if (q == 0)
		q = 1;
	for (s = 1; s <= max; s = s < 4 ? 2 * s : s < 8 ? 8 : s < 256 ?
	    s + 8 : s + 16) {
		r = div_up(s, q) * q;
		if (r > max || r == *largest)
			continue;
		n++;
		*second = *largest;
		*largest = r;
	}
	if (n == 0 && q <= max) {
		n = 1;
		*largest = q;
	}
	return n;
}

/*
 * The NCCL plans one captured forward pass of `tokens` tokens keeps:
 * with TP, each decoder layer all-reduces twice (after the attention
 * output and after the MLP or MoE; the row-parallel layers'
 * reduce_results) a tokens x hidden tensor.  The custom all-reduce
 * takes messages under its max_size (should_custom_ar); NCCL takes the
 * rest, or all of them where the custom all-reduce does not run.
 */
static uint64_t
nccl_plans(const struct vl *v, uint64_t tokens)
{
	uint64_t msg;

	if (v->tp < 2 || tokens == 0)
		return 0;
	msg = mp_muls(mp_muls(tokens, v->m->hidden),
	    mp_dtype_info(v->act)->block_bytes);
	if (v->custom_ar && msg < V_CA_MAX)
		return 0;
	return mp_muls(2ull * div_up(v->m->layers, v->pp), V_NCCL_PLAN);
}

/*
 * What the CUDA-graph memory profiler charges (profile_cudagraph_memory):
 * for each mode it captures the largest size, then one more, and counts
 * the first capture whole and the second once per remaining graph.  The
 * first capture holds the eager warm-up's activations (cached by the
 * allocator) and the graph pool, each one forward pass of that size; a
 * full decode graph also keeps attention's split-KV scratch.  FULL and
 * PIECEWISE graphs share one pool, so the larger first capture counts.
 * A later size reuses the pool and adds its graphs' bookkeeping: one
 * graph per piece between attention calls (layers + 1) for piecewise
 * sizes, one graph for a full size, at least 1 MiB either way.
 */
static uint64_t
graph_bytes(struct vl *v)
{
	const struct mp_model *m = v->m;
	uint64_t scratch, per_pw, per_full, first_full, pw_second, full_second;

	/* A decode step of each sequence is 1 + k tokens with speculative
	 * decoding (config/vllm.py, decode_query_len). */
	uint64_t q = 1ull + v->spec_k;

	v->n_pw = capture_sizes(mp_umin(mp_umin(2ull * v->max_seqs * q,
	    V_CAPTURE_CAP), v->batched), q, &v->pw_top, &pw_second);
	v->n_full = capture_sizes(mp_umin(v->max_seqs * q, v->pw_top), q,
	    &v->full_top, &full_second);
	if (v->eager) {
		v->n_pw = v->n_full = 0;
		return 0;
	}
	/* (MLA decodes with FlashMLA, whose partial outputs follow the SM
	 * count, not the batch: not counted.) */
	scratch = m->kv_lora_rank != 0 ? 0 : mp_muls(mp_muls(mp_muls(
	    V_FA_SPLITS, v->full_top), mp_muls(m->heads / v->tp,
	    m->head_dim)), 4);
	first_full = mp_adds(mp_adds(mp_muls(forward_peak(v, v->full_top), 2),
	    scratch), nccl_plans(v, v->full_top));
	v->graph_first = mp_umax(mp_adds(mp_muls(forward_peak(v, v->pw_top), 2),
	    nccl_plans(v, v->pw_top)), first_full);
	/* The MTP drafter captures its own piecewise graphs in the same
	 * dummy runs (its layers + 1 pieces).  The profiler's second
	 * capture (the next size down) stands for every later graph, NCCL
	 * plans included. */
	per_pw = mp_umax(mp_adds(mp_muls((uint64_t)m->layers + 1 +
	    (v->spec_layers ? v->spec_layers + 1ull : 0) + (v->draft_layers ?
	    v->draft_layers + 1ull : 0), V_GRAPH_PIECE),
	    nccl_plans(v, pw_second)), V_GRAPH_FLOOR);
	per_full = mp_umax(nccl_plans(v, full_second),
	    V_GRAPH_FLOOR);
	v->nccl_graph = mp_adds(mp_muls(v->n_pw - 1, nccl_plans(v,
	    pw_second)), mp_muls(v->n_full - 1, nccl_plans(v,
	    full_second)));
	v->nccl_graph = mp_adds(v->nccl_graph, mp_umax(nccl_plans(v,
	    v->pw_top), nccl_plans(v, v->full_top)));
	return mp_adds(v->graph_first, mp_adds(
	    mp_muls(v->n_pw - 1, per_pw),
	    mp_muls(v->n_full - 1, per_full)));
}

/* Cache bytes of one token in layer l on one GPU, and whether it grows. */
static uint64_t
layer_token_bytes(const struct vl *v, uint32_t l)
{
	const struct mp_model *m = v->m;
	const struct mp_layer *ly = &m->layer[l];
	uint64_t k;

	switch (ly->kind) {
	case MP_LK_MAMBA:
	case MP_LK_MLP:
		return 0;
	case MP_LK_MLA:
		/* kv_lora_rank + rope dims, one copy on every GPU. */
		k = (uint64_t)m->kv_lora_rank + m->qk_rope_dim;
		return mp_dtype_bytes(v->kv, k);
	default:
		if (m->kv_heads == 0)
			return 0;
		return mp_adds(
		    mp_dtype_bytes(v->kv, (uint64_t)ly->kv_k / m->kv_heads *
		    v->kvh_rank),
		    mp_dtype_bytes(v->kv, (uint64_t)ly->kv_v / m->kv_heads *
		    v->kvh_rank));
	}
}

/*
 * Cache of one sequence of seq tokens on one GPU, in whole blocks: full
 * layers keep every token, sliding-window layers (V1's hybrid cache
 * manager) a window plus the block being filled, Mamba layers one state.
 */
static uint64_t
seq_bytes(const struct vl *v, uint64_t seq)
{
	const struct mp_model *m = v->m;
	uint64_t sum = 0, t, blocks;
	uint32_t l;

	for (l = 0; l < m->layers; l++) {
		const struct mp_layer *ly = &m->layer[l];

		if (ly->kind == MP_LK_MAMBA) {
			sum = mp_adds(sum, div_up(mp_muls(ly->state, 4), v->tp));
			continue;
		}
		t = seq;
		if (ly->kind == MP_LK_SLIDING && ly->window != 0 &&
		    t > (uint64_t)ly->window + V_BLOCK)
			t = (uint64_t)ly->window + V_BLOCK;
		blocks = div_up(t, V_BLOCK);
		sum = mp_adds(sum, mp_muls(mp_muls(blocks, V_BLOCK),
		    layer_token_bytes(v, l)));
	}
	/* MTP layers cache every token like the model's last layer. */
	if (v->spec_layers != 0)
		sum = mp_adds(sum, mp_muls(mp_muls(mp_muls(div_up(seq,
		    V_BLOCK), V_BLOCK), layer_token_bytes(v, m->layers - 1)),
		    v->spec_layers));
	/* A draft model's layers cache every token too (taken as full
	 * attention). */
	sum = mp_adds(sum, mp_muls(mp_muls(div_up(seq, V_BLOCK), V_BLOCK),
	    v->draft_tok));
	return div_up(sum, v->pp);	/* this stage's layers */
}

/*
 * What an MXFP4 checkpoint's experts (gpt-oss) keep beyond their bytes
 * under vLLM's Triton MoE backend, the one quantization/mxfp4.py
 * get_mxfp4_backend picks on compute capability 9.x (FlashInfer's BF16
 * backend there is opt-in, VLLM_USE_FLASHINFER_MOE_MXFP4_BF16):
 * process_weights_after_loading swizzles weights and block scales into
 * triton_kernels' layouts and deletes the loaded weights, but the loaded
 * w13/w2_weight_scale parameters stay registered beside their swizzled
 * copies (the PrecisionConfig), and the expert biases are replaced by
 * fp32 copies.  So: one more e8m0 byte per 32 weights, two more bytes
 * per bias value.  Read in vLLM v0.11.0 and in a later release; the
 * Hopper scale layout's padding of one axis to a multiple of 256 is not
 * counted.  Other GPUs take other backends (Marlin below 9.0 pads and
 * repacks; FlashInfer's on 10.0): nothing is added there.
 */
static uint64_t
mxfp4_triton_extra(const struct mp_scenario *sc, const struct mp_tensor *t)
{
	if (!sc->weights_shipped || sc->weights != MP_DT_MXFP4 ||
	    sc->cuda_cc < 90 || sc->cuda_cc >= 100)
		return 0;
	if (t->flags & MP_TF_EXPERTS)
		return mp_tensor_numel(t) / 32;
	if (t->kind == MP_TK_BIAS && strstr(t->name, ".experts.") != NULL)
		return mp_muls(mp_tensor_numel(t), 2);
	return 0;
}

static bool resolve(struct vl *, const struct mp_model *,
    const struct mp_scenario *, uint64_t, struct mp_error *);

/*
 * --draft MODEL under vLLM (--speculative-config '{"model": DRAFT,
 * "num_speculative_tokens": k}'): the draft runs with the target's
 * tensor parallelism and cache type, in its checkpoint's own dtype; its
 * weights join the model's, its attention layers' cache the pool's
 * blocks, its dummy forward pass follows the model's, and its piecewise
 * graphs are captured with the model's.  vLLM needs k for a draft model.
 */
static bool
resolve_draft(struct vl *v, const struct mp_model *m,
    const struct mp_scenario *sc, uint64_t card, struct mp_error *err)
{
	struct mp_model tmp;
	const struct mp_model *dm;
	struct mp_scenario dsc;
	struct vl d;
	bool ok;

	if (sc->speculative != MP_SPEC_NONE)
		return mp_error_set(err, MP_EUSAGE, NULL, "--speculative",
		    "vLLM takes one speculative method: --draft MODEL or "
		    "--speculative, not both");
	if (sc->spec_tokens == 0)
		return mp_error_set(err, MP_EUSAGE, NULL,
		    "--num-speculative-tokens", "--draft under vLLM needs "
		    "the tokens to propose per step (vLLM requires "
		    "num_speculative_tokens)");
	mp_model_init(&tmp);
	if ((dm = mp_draft_model(m, sc->draft, &tmp, err)) == NULL) {
		mp_model_fini(&tmp);
		return false;
	}
	dsc = *sc;
	dsc.draft[0] = '\0';
	dsc.spec_tokens = 0;
	dsc.spec_accept = 0;
	dsc.weights = MP_DT_NONE;
	dsc.ftype[0] = '\0';
	dsc.weights_as_stored = dsc.weights_shipped = false;
	dsc.kv_dtype = v->kv;
	ok = mp_scenario_resolve(&dsc, dm, err) &&
	    resolve(&d, dm, &dsc, card, err);
	if (ok) {
		v->draft_weights = d.weights;
		v->draft_tok = d.tok_bytes;
		v->draft_fwd = forward_peak(&d, v->batched);
		v->draft_layers = dm->layers;
		v->spec_k = sc->spec_tokens;
	}
	mp_model_fini(&tmp);
	return ok;
}

static bool
resolve(struct vl *v, const struct mp_model *m, const struct mp_scenario *sc,
    uint64_t card, struct mp_error *err)
{
	size_t i;
	uint64_t b, r, tokens, rows, hidden;
	uint32_t l;

	memset(v, 0, sizeof(*v));
	v->m = m;
	v->tp = sc->gpus == 0 ? 1 : sc->gpus;
	/*
	 * Several nodes: tensor parallel inside each, pipeline parallel
	 * across them (--pipeline-parallel-size = nodes), vLLM's
	 * recommended multi-node layout (docs: distributed serving).  Each
	 * stage holds its share of the decoder layers (vLLM's
	 * get_pp_indices splits them evenly) and their KV cache; the first
	 * stage keeps the embedding and the last the head: both are counted
	 * on one stage, which overstates that stage by one of them.
	 */
	v->pp = sc->nodes == 0 ? 1 : sc->nodes;
	if (m->layer == NULL || m->layers == 0)
		return mp_error_set(err, MP_EINPUT, m->path, "num_hidden_layers",
		    "a model with layers is needed for --runtime vllm");
	if (v->pp > m->layers)
		return mp_error_set(err, MP_EUSAGE, NULL, "--nodes",
		    "%u pipeline stages for %u layers", v->pp, m->layers);
	if (sc->ftype[0] != '\0')
		return mp_error_set(err, MP_EUSAGE, NULL, "--weights",
		    "vLLM does not run %s GGUF mixes here: use fp16, bf16, "
		    "fp8, awq, gptq, int8 or nf4", sc->ftype);
	/* vLLM's TP must divide the heads, and the KV heads or be a multiple. */
	if (m->heads % v->tp != 0 || (m->kv_heads != 0 &&
	    m->kv_heads % v->tp != 0 && v->tp % m->kv_heads != 0))
		return mp_error_set(err, MP_EUSAGE, NULL, "--gpus",
		    "vLLM needs %u attention heads and %u KV heads to split "
		    "evenly over %u GPUs", m->heads, m->kv_heads, v->tp);
	v->kvh_rank = m->kv_heads >= v->tp ? m->kv_heads / v->tp : 1;
	/* CustomAllreduce._SUPPORTED_WORLD_SIZES; the GPUs are taken to be
	 * NVLink-connected (with more than two PCIe-only GPUs vLLM falls
	 * back to NCCL: not distinguished). */
	v->custom_ar = v->tp == 2 || v->tp == 4 || v->tp == 6 || v->tp == 8;
	v->act = mp_compute_dtype(m, sc);
	if (v->act == MP_DT_NONE || !mp_dtype_info(v->act)->is_float)
		v->act = MP_DT_BF16;
	v->kv = sc->kv_dtype == MP_DT_NONE ? v->act : sc->kv_dtype;
	switch (v->kv) {
	case MP_DT_F32:
	case MP_DT_F16:
	case MP_DT_BF16:
	case MP_DT_F8_E4M3:
		break;
	default:
		return mp_error_set(err, MP_EUSAGE, NULL, "--kv-dtype",
		    "vLLM caches in the model's dtype or fp8, not %s",
		    mp_dtype_info(v->kv)->name);
	}
	/*
	 * The defaults follow the card.  Without one given here, the
	 * machine's (the placement step fills dev_free from the profile),
	 * so that the estimate's notes and the pool on the card name one
	 * max_num_seqs.
	 */
	if (card == 0 && sc->n_dev_free > 0)
		card = sc->dev_free[0];
	v->batched = card >= V_BIG_CARD ? 8192 : 2048;
	v->max_seqs = card >= V_BIG_CARD ? 1024 : 256;
	if (sc->max_batched_tokens != 0)
		v->batched = sc->max_batched_tokens;
	if (sc->max_num_seqs != 0)
		v->max_seqs = sc->max_num_seqs;
	/* vLLM's scheduler config refuses a step smaller than its rows. */
	if (v->batched < v->max_seqs)
		return mp_error_set(err, MP_EUSAGE, NULL,
		    "--max-num-batched-tokens", "vLLM needs "
		    "max_num_batched_tokens (%" PRIu64 ") >= max_num_seqs (%"
		    PRIu64 ")", v->batched, v->max_seqs);
	v->eager = sc->enforce_eager;
	v->util_ppm = sc->gpu_util != 0 ? sc->gpu_util : V_UTIL_PPM;
	/*
	 * --speculative-config without a draft model: n-gram prompt lookup
	 * proposes on the CPU; MTP (DeepSeek's num_nextn_predict_layers)
	 * loads the model's own MTP layers as the drafter.  vLLM needs
	 * num_speculative_tokens for n-gram; MTP defaults to its layers.
	 */
	if (sc->draft[0] != '\0' && !resolve_draft(v, m, sc, card, err))
		return false;
	if (sc->speculative == MP_SPEC_MTP) {
		if (m->nextn_layers == 0)
			return mp_error_set(err, MP_EUSAGE, NULL,
			    "--speculative", "mtp needs a model with MTP layers "
			    "(num_nextn_predict_layers); %s has none",
			    m->name[0] != '\0' ? m->name : "this model");
		v->spec_layers = m->nextn_layers;
		v->spec_k = sc->spec_tokens != 0 ? sc->spec_tokens :
		    m->nextn_layers;
	} else if (sc->speculative == MP_SPEC_NGRAM) {
		if (sc->spec_tokens == 0)
			return mp_error_set(err, MP_EUSAGE, NULL,
			    "--num-speculative-tokens", "--speculative ngram "
			    "needs the tokens to propose per step (vLLM "
			    "requires num_speculative_tokens)");
		v->spec_k = sc->spec_tokens;
	} else if (sc->spec_tokens != 0 && sc->draft[0] == '\0')
		return mp_error_set(err, MP_EUSAGE, NULL,
		    "--num-speculative-tokens", "only used with --speculative "
		    "or --draft");
	if (sc->spec_accept != 0 && v->spec_k == 0)
		return mp_error_set(err, MP_EUSAGE, NULL, "--acceptance-rate",
		    "only used with --speculative or --draft");

	for (i = 0; i < m->n_tensors; i++) {
		b = mp_adds(mp_tensor_bytes(m, &m->tensors[i], sc),
		    mxfp4_triton_extra(sc, &m->tensors[i]));
		r = rank_bytes(v, &m->tensors[i], b);
		if (m->tensors[i].layer >= 0)
			r = div_up(r, v->pp);
		v->weights_all = mp_adds(v->weights_all, b);
		v->weights = mp_adds(v->weights, r);
		/*
		 * Each MTP layer is a decoder layer like the model's last
		 * one (deepseek_mtp.py), split as the model's are, plus
		 * eh_proj (2 hidden -> hidden, an unquantized nn.Linear on
		 * every GPU) and three norms; embedding and head are shared
		 * with the target.
		 */
		if (v->spec_layers != 0 &&
		    m->tensors[i].layer == (int32_t)m->layers - 1)
			v->spec_weights = mp_adds(v->spec_weights, r);
	}
	v->weights = mp_adds(v->weights, v->draft_weights);
	v->weights_all = mp_adds(v->weights_all, mp_muls(v->draft_weights,
	    v->tp));
	if (v->spec_layers != 0) {
		v->spec_weights = mp_muls(mp_adds(v->spec_weights,
		    mp_muls(mp_adds(mp_muls(2ull * m->hidden, m->hidden),
		    3ull * m->hidden), mp_dtype_info(v->act)->block_bytes)),
		    v->spec_layers);
		v->weights = mp_adds(v->weights, v->spec_weights);
		v->weights_all = mp_adds(v->weights_all,
		    mp_muls(v->spec_weights, v->tp));
	}

	/*
	 * The profiling run (profile_run): one forward pass over
	 * max_num_batched_tokens, then the sampler over min(max_num_seqs,
	 * tokens) rows of the whole vocabulary (the logits are gathered on
	 * every GPU) while the pass's hidden states are still held.
	 */
	tokens = v->batched;
	rows = mp_umin(v->max_seqs, tokens);
	hidden = mp_muls(mp_muls(tokens, m->hidden),
	    mp_dtype_info(v->act)->block_bytes);
	v->sampler = mp_adds(mp_muls(mp_muls(rows, m->vocab),
	    sampler_row_bytes(sampler_flashinfer, sizeof(sampler_flashinfer) /
	    sizeof(sampler_flashinfer[0]),
	    v->act) + (v->draft_layers != 0 ? V_DRAFT_PROBS_B : 0)), hidden);
	v->sampler_sort = mp_adds(mp_muls(mp_muls(rows, m->vocab),
	    sampler_row_bytes(sampler_sort, sizeof(sampler_sort) /
	    sizeof(sampler_sort[0]), v->act)),
	    hidden);
	/* The MTP drafter's dummy run follows the model's in _dummy_run:
	 * one more layer's peak beside the target's hidden states and the
	 * concatenated [embedding, hidden] input (3 x hidden per token).
	 * The rejection sampler's dummy run (two rows per sequence, their
	 * probabilities) stays within the sampler's peak. */
	v->act_peak = mp_umax(v->spec_layers == 0 ? forward_peak(v, tokens) :
	    mp_adds(forward_peak(v, tokens), mp_muls(mp_muls(tokens,
	    3ull * m->hidden), mp_dtype_info(v->act)->block_bytes)),
	    v->sampler);
	/* A draft model's dummy run follows the model's (the drafter's
	 * dummy_run in _dummy_run) beside the target's hidden states. */
	if (v->draft_layers != 0)
		v->act_peak = mp_umax(v->act_peak, mp_adds(v->draft_fwd,
		    mp_muls(mp_muls(tokens, m->hidden),
		    mp_dtype_info(v->act)->block_bytes)));
	v->graphs = graph_bytes(v);
	/* The CUDA context and cuBLAS workspace, as for PyTorch. */
	v->context = mp_runtime_transformers(sc);
	/* Each parallel group's NCCL communicator (TP inside the node, PP
	 * across nodes: taken as one ring's worth), and the custom
	 * all-reduce's buffers. */
	v->non_torch = mp_muls(mp_muls(V_NCCL_CHANNELS, V_NCCL_CONN),
	    (v->tp > 1 ? 1u : 0u) + (v->pp > 1 ? 1u : 0u));
	if (v->custom_ar)
		v->non_torch = mp_adds(v->non_torch, V_CA_BUFS);

	for (l = 0; l < m->layers; l++)
		if (m->layer[l].kind == MP_LK_FULL ||
		    m->layer[l].kind == MP_LK_MLA)
			v->tok_bytes = mp_adds(v->tok_bytes,
			    layer_token_bytes(v, l));
	v->tok_bytes = mp_adds(v->tok_bytes, v->draft_tok);
	/* The MTP layers' cache shares the pool's blocks. */
	if (v->spec_layers != 0)
		v->tok_bytes = mp_adds(v->tok_bytes, mp_muls(
		    layer_token_bytes(v, m->layers - 1), v->spec_layers));
	v->tok_bytes = div_up(v->tok_bytes, v->pp);
	return true;
}

/*
 * Per-token acceptance assumed when --acceptance-rate is not given.  MTP:
 * DeepSeek-V3's report (section 5.4.3) measures 85 to 90 % acceptance of
 * its MTP module's token; the low end.  A draft model and n-gram lookup
 * depend on the pair and on the text: 0.6, an assumption with no
 * measurement behind it, said in the report.
 */
#define V_ACCEPT_MTP	850000u
#define V_ACCEPT_OTHER	600000u

bool
mp_vllm_spec(const struct mp_model *m, const struct mp_scenario *sc,
    struct mp_vllm_spec *out, struct mp_error *err)
{
	struct vl v;

	memset(out, 0, sizeof(*out));
	if (!resolve(&v, m, sc, 0, err))
		return false;
	out->k = v.spec_k;
	out->method = sc->speculative;
	out->mtp_layers = v.spec_layers;
	if (v.spec_layers != 0)
		out->eh_bytes = mp_muls(mp_adds(mp_muls(2ull * m->hidden,
		    m->hidden), 3ull * m->hidden),
		    mp_dtype_info(v.act)->block_bytes);
	out->draft_bytes = mp_muls(v.draft_weights, v.tp);
	out->draft_layers = v.draft_layers;
	out->accept_given = sc->spec_accept != 0;
	out->accept_ppm = sc->spec_accept != 0 ? sc->spec_accept :
	    v.spec_layers != 0 ? V_ACCEPT_MTP : V_ACCEPT_OTHER;
	return true;
}

/* What the budget must hold besides the pool, on one GPU. */
static uint64_t
fixed_bytes(const struct vl *v)
{
	return mp_adds(mp_adds(v->weights, v->act_peak),
	    mp_adds(v->non_torch, v->graphs));
}

bool
mp_vllm_pool(const struct mp_model *m, const struct mp_scenario *sc,
    uint64_t card, struct mp_vllm_pool *p, struct mp_error *err)
{
	struct vl v;
	uint64_t seq, per_seq, block;

	memset(p, 0, sizeof(*p));
	if (!resolve(&v, m, sc, card, err))
		return false;
	seq = sc->seq != 0 ? sc->seq : 4096;
	p->card = card;
	p->max_num_seqs = v.max_seqs;
	p->max_batched_tokens = v.batched;
	/* requested_memory = total x gpu_memory_utilization (gpu_worker.py) */
	p->util_ppm = v.util_ppm;
	p->budget = mp_muls(card, v.util_ppm) / V_PPM;
	p->weights = v.weights;
	p->act_peak = v.act_peak;
	p->sampler = v.sampler;
	p->sampler_sort = v.sampler_sort;
	p->graphs = v.graphs;
	p->nccl_graphs = v.nccl_graph;
	p->non_torch = v.non_torch;
	p->fixed = fixed_bytes(&v);
	p->pool = p->budget > p->fixed ? p->budget - p->fixed : 0;
	/* A block holds 16 tokens of every full-attention layer. */
	block = mp_muls(v.tok_bytes, V_BLOCK);
	p->block_bytes = block;
	if (block != 0) {
		p->blocks = p->pool / block;
		p->tokens = mp_muls(p->blocks, V_BLOCK);
	}
	per_seq = seq_bytes(&v, seq);
	p->seqs = per_seq == 0 ? v.max_seqs : p->pool / per_seq;
	if (p->seqs > v.max_seqs)
		p->seqs = v.max_seqs;
	if (block == 0)
		p->tokens = mp_muls(p->seqs, seq);
	return true;
}

bool
mp_estimate_vllm(const struct mp_model *m, const struct mp_scenario *sc,
    struct mp_estimate *est, struct mp_error *err)
{
	struct vl v;
	uint64_t seq, batch, kv_rank, budget_need, need, per_gpu;
	uint32_t l;
	struct mp_note *n;
	double util;
	unsigned places;

	if (!resolve(&v, m, sc, 0, err))
		return false;
	seq = sc->seq != 0 ? sc->seq : 4096;
	batch = sc->batch == 0 ? 1 : sc->batch;

	/*
	 * Without a card the pool cannot be sized; we report the pool this
	 * scenario needs (batch sequences of seq tokens, in whole blocks),
	 * and as device_total the card memory that makes vLLM's 90 % budget
	 * hold it.  mp_vllm_pool() gives the pool on a given card.
	 */
	kv_rank = mp_muls(seq_bytes(&v, seq), batch);
	budget_need = mp_adds(fixed_bytes(&v), kv_rank);
	per_gpu = mp_umax(div_up(mp_muls(budget_need, V_PPM), v.util_ppm),
	    mp_adds(budget_need, v.context));
	need = mp_muls(per_gpu, v.tp);

	est->mem.weights = v.weights_all;
	est->mem.kv_cache = mp_muls(kv_rank, v.tp);
	est->mem.activations = mp_muls(v.act_peak, v.tp);
	est->mem.runtime = mp_muls(mp_adds(mp_adds(v.non_torch, v.graphs),
	    v.context), v.tp);
	est->mem.total = mp_adds(mp_adds(est->mem.weights, est->mem.kv_cache),
	    mp_adds(est->mem.activations, est->mem.runtime));
	est->device_total = need;
	est->host_total = 0;
	/* Every tensor-parallel rank needs the same card, but for its own
	 * CUDA context (a mixed machine's cards reserve different stacks). */
	for (l = 0; l < v.tp && l < MP_MAX_GPUS; l++)
		est->dev_bytes[l] = mp_cuda_mixed(sc, v.tp) ?
		    mp_umax(div_up(mp_muls(budget_need, V_PPM), v.util_ppm),
		    mp_adds(budget_need, mp_runtime_transformers_gpu(sc, l))) :
		    per_gpu;
	est->n_dev_bytes = l;
	if (mp_cuda_mixed(sc, v.tp)) {
		est->device_total = 0;
		est->mem.runtime = mp_muls(mp_adds(v.non_torch, v.graphs),
		    v.tp);
		for (l = 0; l < v.tp && l < MP_MAX_GPUS; l++) {
			est->device_total = mp_adds(est->device_total,
			    est->dev_bytes[l]);
			est->mem.runtime = mp_adds(est->mem.runtime,
			    mp_runtime_transformers_gpu(sc, l));
		}
		est->mem.total = mp_adds(mp_adds(est->mem.weights,
		    est->mem.kv_cache), mp_adds(est->mem.activations,
		    est->mem.runtime));
	}
	est->kv_pool = est->mem.kv_cache;
	est->kv_pool_tokens = v.tok_bytes == 0 ? mp_muls(seq, batch) :
	    mp_muls(div_up(seq, V_BLOCK) * V_BLOCK, batch);
	est->kv_per_token = mp_muls(v.tok_bytes, v.tp);
	if (est->sc.kv_dtype == MP_DT_NONE)
		est->sc.kv_dtype = v.kv;

	n = mp_estimate_note(est, "runtime", "vllm.defaults", "vLLM "
	    MP_VLLM_VERSION " (V1 engine, vllm serve defaults): "
	    "gpu_memory_utilization {util}, block_size {block}, "
	    "max_num_batched_tokens {batched}, max_num_seqs {max_seqs}%s",
	    v.eager ? ", --enforce-eager" : "");
	util = util_of(v.util_ppm, &places);
	mp_note_number(n, "util", util, places);
	mp_note_count(n, "block", V_BLOCK);
	mp_note_count(n, "batched", v.batched);
	mp_note_count(n, "max_seqs", v.max_seqs);
	n = mp_estimate_note(est, "weights", "vllm.weights", "{per_gpu} per "
	    "GPU over {tp} GPU%s (tensor parallel; {kv_heads} KV head%s each)",
	    v.tp > 1 ? "s" : "", v.kvh_rank > 1 ? "s" : "");
	mp_note_size(n, "per_gpu", v.weights);
	mp_note_count(n, "tp", v.tp);
	mp_note_count(n, "kv_heads", v.kvh_rank);
	if (v.pp > 1) {
		n = mp_estimate_note(est, "total", "vllm.pipeline", "per node "
		    "of {pp}: tensor parallel {tp} inside each node, pipeline "
		    "parallel {pp} across them (vllm serve "
		    "--tensor-parallel-size {tp} --pipeline-parallel-size "
		    "{pp}); each GPU holds 1/{pp} of the layers and their "
		    "cache");
		mp_note_count(n, "pp", v.pp);
		mp_note_count(n, "tp", v.tp);
	}
	n = mp_estimate_note(est, "activations", "vllm.profile", "profiled "
	    "peak per GPU at {batched} batched tokens or {rows} sampled rows: "
	    "{peak}");
	mp_note_count(n, "batched", v.batched);
	mp_note_count(n, "rows", v.max_seqs);
	mp_note_size(n, "peak", v.act_peak);
	if (v.spec_layers != 0) {
		n = mp_estimate_note(est, "weights", "vllm.spec_mtp",
		    "speculative decoding: {layers} MTP layer%s as the drafter, "
		    "{mtp} per GPU, {k} token%s proposed per step; their cache "
		    "shares the pool", v.spec_layers > 1 ? "s" : "",
		    v.spec_k > 1 ? "s" : "");
		mp_note_count(n, "layers", v.spec_layers);
		mp_note_size(n, "mtp", v.spec_weights);
		mp_note_count(n, "k", v.spec_k);
	} else if (v.draft_layers != 0) {
		n = mp_estimate_note(est, "weights", "vllm.spec_draft",
		    "speculative decoding: draft model %s ({layers} layers), "
		    "{draft} per GPU, {k} tokens proposed per step; its cache "
		    "({tok} per token) shares the pool", sc->draft);
		mp_note_count(n, "layers", v.draft_layers);
		mp_note_size(n, "draft", v.draft_weights);
		mp_note_count(n, "k", v.spec_k);
		mp_note_size(n, "tok", mp_muls(v.draft_tok, v.tp));
	} else if (v.spec_k != 0) {
		n = mp_estimate_note(est, "runtime", "vllm.spec_ngram",
		    "speculative decoding: n-gram prompt lookup on the CPU, "
		    "{k} tokens proposed per step; decode graphs of {graph} "
		    "tokens per sequence");
		mp_note_count(n, "k", v.spec_k);
		mp_note_count(n, "graph", v.spec_k + 1);
	}
	if (v.eager)
		mp_estimate_note(est, "runtime", "vllm.eager", "--enforce-eager: "
		    "no CUDA graphs are captured and none are charged to the "
		    "budget");
	else {
		n = mp_estimate_note(est, "runtime", "vllm.cuda_graphs",
		    "CUDA graphs per GPU: {graphs} (pool {pool}; {n_pw} "
		    "piecewise sizes to {pw_top} tokens, {n_full} full to "
		    "{full_top}; derived; --enforce-eager drops them)");
		mp_note_size(n, "graphs", v.graphs);
		mp_note_size(n, "pool", v.graph_first);
		mp_note_count(n, "n_pw", v.n_pw);
		mp_note_count(n, "pw_top", v.pw_top);
		mp_note_count(n, "n_full", v.n_full);
		mp_note_count(n, "full_top", v.full_top);
		if (v.nccl_graph != 0) {
			struct mp_note *g = mp_estimate_note(est, "runtime",
			    "vllm.nccl_graph", "of which {nccl} are NCCL's "
			    "persistent plans: all-reduces of %s run by NCCL "
			    "inside the graphs (derived)", v.custom_ar ?
			    "{ca_max} or more" : "every size (vLLM's custom "
			    "all-reduce takes 2, 4, 6 or 8 GPUs)");

			mp_note_size(g, "nccl", v.nccl_graph);
			mp_note_size(g, "ca_max", V_CA_MAX);
		}
	}
	n = mp_estimate_note(est, "runtime", "vllm.non_torch", "per GPU: "
	    "non-torch {non_torch}, CUDA context {context} (derived, not "
	    "measured)");
	mp_note_size(n, "non_torch", v.non_torch);
	mp_note_size(n, "context", v.context);
	mp_cuda_cards_note_torch(est, sc, v.tp, true);
	if (v.tp > 1 || v.pp > 1) {
		n = mp_estimate_note(est, "runtime", "vllm.nccl_buffers",
		    "non-torch: NCCL buffers of {channels} ring channels x "
		    "{conn} per communicator (%s)%s (derived; NVLink SHARP "
		    "buffers of NVSwitch machines not counted)",
		    v.tp > 1 && v.pp > 1 ? "tensor and pipeline groups" :
		    v.tp > 1 ? "tensor-parallel group" : "pipeline group",
		    v.custom_ar ? " and the custom all-reduce's 3 x {ca_max}" :
		    "");
		mp_note_count(n, "channels", V_NCCL_CHANNELS);
		mp_note_size(n, "ca_max", V_CA_MAX);
		mp_note_size(n, "conn", V_NCCL_CONN);
	}
	n = mp_estimate_note(est, "kv_cache", "vllm.pool_need", "paged pool "
	    "for {batch} x {seq} tokens in blocks of 16: {pool} per GPU; vLLM "
	    "takes {utilization} %% of the card, so it needs {card} per GPU");
	mp_note_count(n, "batch", batch);
	mp_note_count(n, "seq", seq);
	mp_note_size(n, "pool", kv_rank);
	mp_note_percent(n, "utilization", v.util_ppm / 10000.0,
	    v.util_ppm % 10000 != 0 ? 2 : 0);
	mp_note_size(n, "card", per_gpu);
	return true;
}

bool
mp_vllm_fill_pool(const struct mp_model *m, struct mp_estimate *est,
    uint64_t card, struct mp_error *err)
{
	struct mp_vllm_pool p;
	uint32_t tp = est->sc.gpus == 0 ? 1 : est->sc.gpus;
	struct mp_note *n;

	if (!mp_vllm_pool(m, &est->sc, card, &p, err))
		return false;
	est->kv_pool = mp_muls(p.pool, tp);
	est->kv_pool_tokens = p.tokens;
	n = mp_estimate_note(est, "kv_cache", "vllm.pool", "on {card} per "
	    "GPU: a pool of {pool}, {blocks} blocks = {tokens} tokens in "
	    "flight, {seqs} concurrent sequences of {seq} tokens "
	    "(max_num_seqs {max_seqs})");
	mp_note_count(n, "seq", est->sc.seq);
	mp_note_count(n, "max_seqs", p.max_num_seqs);
	mp_note_size(n, "card", card);
	mp_note_size(n, "pool", p.pool);
	mp_note_count(n, "blocks", p.blocks);
	mp_note_count(n, "tokens", p.tokens);
	mp_note_count(n, "seqs", p.seqs);
	/*
	 * At start-up vLLM checks that the pool holds one sequence of
	 * max_model_len tokens and refuses to start otherwise, naming the
	 * largest length that would fit (the KV-cache check of the V1
	 * engine's core); without --max-model-len it asks for the model's
	 * maximum.
	 */
	if (p.pool == 0)
		mp_estimate_note(est, "kv_cache", "vllm.no_pool", "vLLM will "
		    "not start: the weights, the profiled peak and CUDA graphs "
		    "take the whole gpu_memory_utilization budget; no KV pool "
		    "is left");
	else if (p.seqs == 0 && p.block_bytes != 0) {
		n = mp_estimate_note(est, "kv_cache", "vllm.seq_too_long",
		    "vLLM will not start with --max-model-len {seq}: one "
		    "sequence needs more than the pool of {pool}; the pool "
		    "holds at most {tokens} tokens (pass --max-model-len "
		    "{tokens} or less)");
		mp_note_count(n, "seq", est->sc.seq);
		mp_note_size(n, "pool", p.pool);
		mp_note_count(n, "tokens", p.tokens);
	}
	if (p.pool != 0 && m->max_pos != 0 && est->sc.seq < m->max_pos)
		mp_note_count(mp_estimate_note(est, "context",
		    "vllm.max_model_len", "vllm serve without --max-model-len "
		    "takes the model's maximum, {max_pos} tokens: %s",
		    p.block_bytes == 0 || p.tokens >= m->max_pos ? "the pool "
		    "holds one such sequence" : "one such sequence does not "
		    "fit the pool, vLLM would not start"), "max_pos",
		    m->max_pos);
	return true;
}
