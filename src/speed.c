/* speed.c: tokens per second from the bytes and FLOPs of each token */
/* SPDX-License-Identifier: MIT */
/*
 * A token costs what its layers read and compute.  Decode (one token at a
 * time) reads every weight matrix it multiplies once: the dense tensors,
 * only the routed experts of a mixture-of-experts layer (top-k of n) and
 * the shared experts, the router and attention always, the output head,
 * and the KV cache at the current depth.  A layer left in host memory is
 * read at the host's bandwidth.  Prefill multiplies the same matrices by
 * a ubatch of tokens: 2 FLOPs per weight and token plus attention's
 * QK^T and PV over the context, bound per layer by the device's matrix
 * throughput or by what it reads, whichever is slower.
 *
 * Mechanisms were read in llama.cpp's llama-bench (test_prompt: n_prompt
 * tokens in llama_decode calls of n_batch, split into n_ubatch by the
 * context; test_gen: one token per llama_decode), llama-model.cpp
 * (layer placement, -ngl) and ggml-backend.cpp (a weight left in host
 * memory is copied to the GPU for a batch of 32 tokens or more, op
 * offload).  The efficiency constants below are what the published
 * llama-bench rows of tests/speed/ imply; tests/speed/README.md gives the
 * method, the fit and the held-out check.  No constant depends on a
 * device or a model: only on the backend and the weight type's family.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime.h"

/* Weight type families whose kernels differ in cost per byte: ggml's
 * families (dtype.c), dec[] and pp[] below indexed by them. */

/*
 * Efficiency per llama.cpp backend, read off the "fit" devices of
 * tests/speed (tests/speed/README.md has the method and the spread):
 *   bw        achieved / datasheet bandwidth of a decode step on f16
 *             weights: the median of (bytes read per token x tg rate) /
 *             bandwidth once the per-layer time is taken off;
 *   dec[fam]  the same for each weight family relative to f16: the
 *             dequantizing matrix-vector kernels of k-quants and MXFP4
 *             reach less of the bandwidth on some backends;
 *   moe       the same for the routed experts (mul_mat_id gathers the
 *             rows of the chosen experts, a second indirection);
 *   layer_us  fixed time per layer and token: kernel launches and
 *             synchronisation, visible on small models on fast GPUs;
 *   fl        achieved / datasheet dense FP16 matrix throughput in a
 *             prompt ubatch on f16 weights;
 *   pp[fam]   the same per family relative to f16: quantized weights
 *             are dequantized, or multiplied in int8 (MMQ), inside the
 *             matrix kernels.
 */
struct be_eff {
	const char	*name;
	double		 bw, moe, layer_us, fl;
	double		 dec[MP_GF__COUNT], pp[MP_GF__COUNT];
};

/*
 * Values (tests/speed/README.md has the fit): decode bw and layer_us by a
 * grid search minimising median + p90/2 of |error| over the "fit"
 * devices' tg rows of builds from b3000 on, per backend.  Spread of
 * estimate / measured on those rows (10th-90th percentile): CUDA 0.95-
 * 1.10 (47 legacy-type rows), 0.95-1.26 (33 MXFP4 MoE rows); Metal
 * 0.89-1.12 (38); ROCm 0.88-1.11 (25); Vulkan 0.77-1.26 (10).  Prefill
 * fl and pp[] are the medians of estimate / measured of the "fit" pp
 * rows per backend and family (spread in the README).  ROCm's fl is set
 * by the Ryzen AI Max (HIP) rows, 26 of its 28; SYCL has no rows and
 * keeps the unknown backend's values; moe is 1 where the rows show no
 * MoE penalty (CUDA), 0.57 on Metal (25 rows), 0.8 on ROCm and Vulkan
 * (one row each: weak).
 */
static const struct be_eff be_tab[MP_BE__COUNT] = {
	/*		  name       bw     moe   layer fl
	 *		  dec: float legacy kquant mxfp4  pp: the same */
	[MP_BE_NONE]	= { "unknown", 0.70, 1.00, 100., 0.30,
			    { 1, 1, 1, 1 }, { 1, 0.85, 0.75, 0.85 } },
	[MP_BE_CUDA]	= { "cuda",    0.875, 1.00, 77.5, 0.38,
			    { 1, 1, 1, 1 }, { 1, 0.73, 0.77, 0.51 } },
	[MP_BE_ROCM]	= { "rocm",    0.775, 0.80, 125., 0.075,
			    { 1, 1, 1, 1 }, { 1, 0.85, 0.75, 0.85 } },
	[MP_BE_METAL]	= { "metal",   0.875, 0.57, 135., 0.76,
			    { 1, 1, 1, 1 }, { 1, 0.88, 0.79, 0.71 } },
	[MP_BE_VULKAN]	= { "vulkan",  0.79, 0.80, 45., 0.45,
			    { 1, 1, 1, 1 }, { 1, 0.85, 0.75, 0.85 } },
	[MP_BE_SYCL]	= { "sycl",    0.70, 1.00, 100., 0.30,
			    { 1, 1, 1, 1 }, { 1, 0.85, 0.75, 0.85 } },
	[MP_BE_CPU]	= { "cpu",     0.65, 1.00, 10.0, 0.50,
			    { 1, 1, 1, 1 }, { 1, 1, 1, 1 } },
};

/*
 * What one CPU thread streams through a dequantizing dot product, bytes
 * per second: decode in host memory is bound by the lower of the RAM's
 * bandwidth and threads x this (a core has only so many outstanding
 * cache misses).
 */
#define CPU_THREAD_BW	10e9
/* Prefill on a host without -ngl: FP32 SIMD FLOP/s achieved. */
#define CPU_FLOPS_EFF	0.50
/* A host link that the profile does not state: PCIe 4.0 x16 achieved. */
#define DEFAULT_PCIE	25e9
/* Hop between two devices of a layer split: a synchronised copy of the
 * hidden state (llama.cpp ggml_backend_tensor_copy), microseconds. */
#define HOP_US		60.0

/*
 * vLLM's tensor parallelism: every decoder layer ends its attention and
 * its MLP (or fused MoE, the shared experts added first) with a
 * RowParallelLinear whose partial sums are all-reduced over the GPUs,
 * two all-reduces of the hidden state per layer and token.  At batch 1
 * the message is a few KiB (hidden x 2 bytes) and the time is latency.
 * vLLM's custom all-reduce (one-shot kernel over NVLink peers' IPC
 * buffers, world sizes 2, 4, 6 and 8) on H100 at 32 KiB: 8.7, 9.2 and
 * 11.8 us at TP 2, 4 and 8 (the "vllm" table of
 * https://github.com/sgl-project/sglang/pull/2904, timed without CUDA
 * graphs, so a little launch time is in it); TP 6 is taken as TP 8.
 * Other sizes go to NCCL: its small-message all-reduce within a node is
 * assumed as slow as the custom kernel at TP 8 (no measurement at these
 * sizes taken).  As in vllm.c, the GPUs are taken to be NVLink peers
 * (PCIe cards without P2P, e.g. GeForce, use NCCL: not distinguished).
 */
#define AR_US_TP2	8.7
#define AR_US_TP4	9.2
#define AR_US_TP8	11.8
/*
 * Pipeline parallelism across nodes (vllm.c: one stage per node): a
 * token's hidden state and residual cross each stage boundary once,
 * an NCCL send/recv over the network.  Its latency: 19 to 20 us for 8
 * to 128 bytes between two nodes over HDR InfiniBand
 * (https://github.com/NVIDIA/nccl-tests/issues/150, all_reduce_perf of
 * one GPU per node, whose small messages are one exchange).  Its
 * bandwidth: one 400 Gb/s NIC per GPU, as DGX H100's ConnectX-7
 * (assumed: profiles state no network).
 */
#define PP_HOP_US	20.0
#define PP_NET_BW	50e9
/*
 * llama.cpp's RPC split (llamacpp.c, --nodes N over GPUs) crosses the
 * network on the same links, through the main host: ggml-rpc has no
 * async device-to-device copy, so ggml-backend copies a split's input
 * with ggml_backend_tensor_copy, which between two rpc-servers falls
 * back to RPC_CMD_GET_TENSOR to this host and RPC_CMD_SET_TENSOR on (the
 * buffers' cpy_tensor refuses different servers), and between two GPUs
 * of one rpc-server sends RPC_CMD_COPY_TENSOR and waits for its answer
 * (ggml-rpc.cpp, stored commit 004d67ed).  Per token: the hidden state
 * (f32) goes out to each other node and comes back, 2 (N - 1) transfers
 * at the stage hop's latency and bandwidth above; every boundary between
 * two GPUs of a remote node is one more round trip of latency.  TCP's
 * own stack time is not added (not measured): derived.
 */
/*
 * vLLM's fused MoE at a decode step: a layer's routed experts run as one
 * chain of kernels (fused_experts: moe_align_block_size, the
 * activations' quantization, the two grouped GEMMs, the activation and
 * the sum over the k experts), whose time at small batches is a fixed
 * part plus the distinct experts' bytes.  vLLM's benchmark_moe tables
 * on an H100 (https://github.com/vllm-project/vllm/pull/24700: Qwen3-
 * 30B-A3B fp8 at TP 1, both columns, and Mixtral-8x7B bf16 at TP 2, at
 * batch 1, 2, 4 and 8, with 128(1 - (1 - k/n)^M) distinct experts read)
 * are linear in those bytes: intercepts 27.2, 30.1 and 32.5 us, slopes
 * 2.4 to 3.1 TB/s (72 to 93 % of 3.35 TB/s, around the 87.5 % the
 * bytes already get).  30 us per MoE layer and step, their mean; not
 * measured on other GPUs (assumed the same).
 */
#define VLLM_MOE_CHAIN_US	30.0

const char *
mp_backend_name(enum mp_backend b)
{
	return b < MP_BE__COUNT ? be_tab[b].name : "unknown";
}

bool
mp_backend_parse(const char *s, enum mp_backend *out)
{
	size_t i;

	for (i = 1; i < MP_BE__COUNT; i++)
		if (strcmp(s, be_tab[i].name) == 0) {
			*out = (enum mp_backend)i;
			return true;
		}
	return false;
}

static bool
has(const char *s, const char *w)
{
	return strstr(s, w) != NULL;
}

/* The backend a device runs: its profile's (hardware.c fills it). */
enum mp_backend
mp_device_backend(const struct mp_device *d)
{
	return d->backend != MP_BE_NONE ? d->backend :
	    mp_device_vendor_backend(d);
}

/*
 * The backend a device's vendor implies, for profiles that do not
 * state one: Apple -> Metal, NVIDIA -> CUDA, AMD -> ROCm, Intel -> SYCL.
 */
enum mp_backend
mp_device_vendor_backend(const struct mp_device *d)
{
	if (strcmp(d->type, "cpu") == 0)
		return MP_BE_CPU;
	if (has(d->name, "Apple"))
		return MP_BE_METAL;
	if (has(d->name, "NVIDIA") || has(d->name, "GeForce") ||
	    has(d->name, "Tesla") || has(d->name, "RTX"))
		return MP_BE_CUDA;
	if (has(d->name, "AMD") || has(d->name, "Radeon") ||
	    has(d->name, "Instinct"))
		return MP_BE_ROCM;
	if (has(d->name, "Intel") || has(d->name, "Arc"))
		return MP_BE_SYCL;
	return MP_BE_NONE;
}

/* ---- llama-bench tests ---- */

bool
mp_bench_parse(const char *s, struct mp_bench_test *out, size_t *n,
    char *why, size_t whylen)
{
	char		 buf[256], *tok, *save = NULL;
	size_t		 k = 0;

	if (strlen(s) >= sizeof(buf)) {
		snprintf(why, whylen, "too long");
		return false;
	}
	snprintf(buf, sizeof(buf), "%s", s);
	for (tok = strtok_r(buf, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save)) {
		struct mp_bench_test	 b;
		char			*at, num[32];
		uint64_t		 v;

		memset(&b, 0, sizeof(b));
		if (k >= MP_BENCH_MAX) {
			snprintf(why, whylen, "at most %d tests",
			    MP_BENCH_MAX);
			return false;
		}
		if ((at = strchr(tok, '@')) != NULL) {
			*at++ = '\0';
			if (*at != 'd' || !mp_parse_uint(at + 1, 0,
			    1ull << 24, true, &b.depth, why, whylen)) {
				snprintf(why, whylen, "expected @dN (a depth "
				    "in tokens) in \"%s\"", s);
				return false;
			}
		}
		if (strncmp(tok, "pp", 2) == 0)
			b.kind = MP_BENCH_PP;
		else if (strncmp(tok, "tg", 2) == 0)
			b.kind = MP_BENCH_TG;
		else {
			snprintf(why, whylen, "expected ppN or tgN (like "
			    "pp512,tg128,pp2048@d4096), got \"%s\"", tok);
			return false;
		}
		snprintf(num, sizeof(num), "%s", tok + 2);
		if (!mp_parse_uint(num, 1, 1ull << 20, true, &v, why,
		    whylen)) {
			snprintf(why, whylen, "expected a token count after "
			    "%.2s in \"%s\"", tok, tok);
			return false;
		}
		b.tokens = (uint32_t)v;
		out[k++] = b;
	}
	if (k == 0) {
		snprintf(why, whylen, "expected ppN or tgN (like "
		    "pp512,tg128,pp2048@d4096)");
		return false;
	}
	*n = k;
	return true;
}

void
mp_bench_name(const struct mp_bench_test *b, char *buf, size_t len)
{
	if (b->depth != 0)
		snprintf(buf, len, "%s%u @ d%llu", b->kind == MP_BENCH_PP ?
		    "pp" : "tg", b->tokens, (unsigned long long)b->depth);
	else
		snprintf(buf, len, "%s%u", b->kind == MP_BENCH_PP ? "pp" :
		    "tg", b->tokens);
}

/* ---- what a token reads and computes ---- */

/* Per layer: bytes and weights of the dense part and of all experts. */
struct layer_cost {
	double	 kv_tok, kv_fixed;	/* cache bytes per token, and fixed */
	double	 kv_cap;		/* tokens a window keeps, 0 = all */
	double	 dense_b, exp_b;	/* bytes as stored */
	double	 dense_e, exp_e;	/* bytes / decode efficiency */
	double	 dense_p, exp_p;	/* weights / prefill efficiency */
	/* Tensors a override keeps in host memory while the rest of the
	 * layer is on a device (--n-cpu-moe): bytes as stored, weights. */
	double	 hdense_b, hexp_b, hdense_p, hexp_p;
};

struct traffic {
	const struct mp_model	*m;
	const struct be_eff	*be;
	struct layer_cost	*l;
	uint32_t		 n_layer;
	double			 out_b, out_e, out_p;
	double			 k_of_n;	/* routed experts share */
	double			 n_exp, k_exp;
	bool			 output_on_host;
};

static bool
is_expert_name(const char *n)
{
	return strstr(n, "_exps") != NULL;
}

static void
add_cost(struct traffic *tr, int32_t layer, bool expert, bool output,
    bool host, double bytes, double params, enum mp_dtype t)
{
	struct layer_cost *c;
	enum mp_ggml_family f = mp_ggml_family(t);
	double e = bytes / tr->be->dec[f], p = params / tr->be->pp[f];

	if (output) {
		tr->out_b += bytes;
		tr->out_e += e;
		tr->out_p += p;
		return;
	}
	if (layer < 0 || (uint32_t)layer >= tr->n_layer)
		return;		/* embeddings: a row lookup, not read */
	c = &tr->l[layer];
	if (host && expert) {
		c->hexp_b += bytes;
		c->hexp_p += params;
	} else if (host) {
		c->hdense_b += bytes;
		c->hdense_p += params;
	} else if (expert) {
		c->exp_b += bytes;
		c->exp_e += e / tr->be->moe;
		c->exp_p += p;
	} else {
		c->dense_b += bytes;
		c->dense_e += e;
		c->dense_p += p;
	}
}

/* The GGUF tensors llama.cpp would load for this scenario. */
static bool
traffic_gguf(struct traffic *tr, const struct mp_model *m,
    const struct mp_scenario *sc, struct mp_error *err)
{
	struct mp_gguf_tensor	*t = NULL;
	struct mp_overrides	 ot;
	size_t			 i, n = 0;
	const char		*ftype = sc->ftype;
	bool			 has_output = false;
	double			 embd_b = 0, embd_p = 0;
	enum mp_dtype		 embd_t = MP_DT_F16;

	if (ftype[0] == '\0')
		ftype = mp_dtype_info(sc->weights != MP_DT_NONE ?
		    sc->weights : (m->torch_dtype != MP_DT_NONE ?
		    m->torch_dtype : MP_DT_BF16))->name;
	if (!mp_overrides_build(&ot, sc, m->layers, sc->gpus == 0 ? 1 :
	    sc->gpus, err)) {
		mp_overrides_free(&ot);
		return false;
	}
	if (!mp_gguf_tensors(m, ftype, &t, &n, err)) {
		mp_overrides_free(&ot);
		return false;
	}
	for (i = 0; i < n; i++) {
		double p = (double)t[i].ne[0] * (double)(t[i].ne[1] ?
		    t[i].ne[1] : 1) * (double)(t[i].ne[2] ? t[i].ne[2] : 1);

		if (strcmp(t[i].name, "token_embd.weight") == 0) {
			embd_b = (double)t[i].bytes;
			embd_p = p;
			embd_t = t[i].type;
			continue;
		}
		if (strcmp(t[i].name, "output.weight") == 0)
			has_output = true;
		add_cost(tr, t[i].layer, is_expert_name(t[i].name),
		    strcmp(t[i].name, "output.weight") == 0,
		    mp_overrides_dev(&ot, t[i].name, t[i].layer, NULL) ==
		    MP_OT_HOST, (double)t[i].bytes, p, t[i].type);
	}
	free(t);
	mp_overrides_free(&ot);
	/* Tied: the output head multiplies by the embedding matrix. */
	if (!has_output)
		add_cost(tr, -1, false, true, false, embd_b, embd_p, embd_t);
	return true;
}

/* The model's own tensors at the scenario's formats (transformers, vLLM). */
static void
traffic_hf(struct traffic *tr, const struct mp_model *m,
    const struct mp_scenario *sc)
{
	size_t i;
	bool has_output = false;
	double embd_b = 0, embd_p = 0;

	for (i = 0; i < m->n_tensors; i++) {
		const struct mp_tensor *t = &m->tensors[i];
		double b = (double)mp_tensor_bytes(m, t, sc);
		double p = (double)mp_tensor_numel(t);
		bool ex = t->kind == MP_TK_EXP_GATE || t->kind == MP_TK_EXP_UP ||
		    t->kind == MP_TK_EXP_DOWN || t->kind == MP_TK_EXP_GATE_UP;
		enum mp_dtype dt = sc->weights != MP_DT_NONE ? sc->weights :
		    m->torch_dtype;

		if (t->flags & (MP_TF_VISION | MP_TF_BUFFER))
			continue;
		if (t->kind == MP_TK_EMBED) {
			embd_b = b;
			embd_p = p;
			continue;
		}
		if (t->kind == MP_TK_OUTPUT)
			has_output = true;
		add_cost(tr, t->layer, ex, t->kind == MP_TK_OUTPUT, false, b, p,
		    (t->flags & MP_TF_LINEAR) ? dt : MP_DT_F16);
	}
	if (!has_output || m->tied)
		add_cost(tr, -1, false, true, false, embd_b, embd_p,
		    MP_DT_F16);
}

static bool
traffic_build(struct traffic *tr, const struct mp_model *m,
    const struct mp_scenario *sc, const struct be_eff *be,
    struct mp_error *err)
{
	memset(tr, 0, sizeof(*tr));
	tr->m = m;
	tr->be = be;
	tr->n_layer = m->layers;
	if (m->layers == 0)
		return mp_error_set(err, MP_EINPUT, m->path,
		    "num_hidden_layers", "a model with layers is needed for "
		    "a speed estimate");
	tr->l = calloc(m->layers, sizeof(*tr->l));
	if (tr->l == NULL)
		return mp_error_set(err, MP_ENOMEM, NULL, NULL, "out of memory");
	tr->n_exp = m->n_experts;
	tr->k_exp = m->experts_per_tok;
	tr->k_of_n = m->n_experts > 0 && m->experts_per_tok > 0 ?
	    (double)m->experts_per_tok / m->n_experts : 1.0;
	if (sc->runtime == MP_RT_LLAMACPP) {
		if (!traffic_gguf(tr, m, sc, err)) {
			free(tr->l);
			tr->l = NULL;
			return false;
		}
	} else
		traffic_hf(tr, m, sc);
	return true;
}

/* ---- the machine ---- */

struct run {
	const struct traffic	*tr;
	const struct mp_model	*m;
	const struct mp_speed_target *tg;
	const struct be_eff	*be;
	enum mp_runtime		 rt;
	enum mp_dtype		 kv;
	bool			 fa;
	uint32_t		 gpu_start;	/* first layer on a device */
	bool			 out_dev;	/* output head on a device */
	uint32_t		 devs;		/* devices used */
	uint32_t		 hops;		/* device boundaries crossed */
	double			 host_bw;
	bool			 host_bw_assumed;
	double			 layer_s;	/* fixed time per layer */
	double			 ar_s;		/* vLLM TP: one all-reduce */
	uint32_t		 pp_hops;	/* vLLM PP: stage boundaries */
	double			 pp_tok_b;	/* bytes a token sends over one */
	uint32_t		 pp_rtt;	/* RPC: round trips, no payload */
	bool			 pipe;		/* llama.cpp's pipeline (llamacpp.c) */
};

/* One all-reduce of vLLM's tensor parallelism at batch 1, seconds. */
static double
tp_allreduce_s(uint32_t tp)
{
	if (tp <= 1)
		return 0;
	if (tp == 2)
		return AR_US_TP2 * 1e-6;
	if (tp == 4)
		return AR_US_TP4 * 1e-6;
	return AR_US_TP8 * 1e-6;	/* 6, 8; NCCL otherwise (assumed) */
}

/* Fixed time of one layer in a step: launches and synchronisation,
 * and vLLM's fused-MoE chain where the layer has routed experts. */
static double
layer_fixed(const struct run *r, const struct layer_cost *c)
{
	if (r->rt == MP_RT_VLLM && c->exp_b > 0)
		return r->layer_s + VLLM_MOE_CHAIN_US * 1e-6;
	return r->layer_s;
}

/*
 * GPUs the KV cache of layer l is split over under vLLM's tensor
 * parallelism: MLA's latent cache is whole on every GPU, and with fewer
 * KV heads than GPUs each GPU keeps one head (vllm.c's kvh_rank).
 */
static double
kv_par(const struct run *r, uint32_t l, double par)
{
	const struct mp_model *m = r->m;

	if (par <= 1)
		return 1;
	if (m->layer[l].kind == MP_LK_MLA)
		return 1;
	if (m->layer[l].kind != MP_LK_MAMBA && m->kv_heads != 0 &&
	    m->kv_heads < par)
		return m->kv_heads;
	return par;
}

/*
 * vLLM and transformers: the same bytes and FLOPs per token (their own
 * weight formats, from the model's tensors) at the same achieved
 * bandwidth and matrix throughput as llama.cpp's backend on the device:
 * derived, not measured (no vLLM or transformers rows in tests/speed).
 * What differs is the fixed time per layer: vLLM replays a decode step
 * as CUDA graphs (half llama.cpp's), transformers launches every
 * operation from Python in eager mode (four times llama.cpp's).
 */
static double
layer_scale(enum mp_runtime rt)
{
	switch (rt) {
	case MP_RT_VLLM:
		return 0.5;
	case MP_RT_TRANSFORMERS:
		return 4.0;
	default:
		return 1.0;
	}
}

/*
 * Bytes of cache one layer reads at depth tokens: mp_kv_layer_bytes
 * priced once per layer (kv_prepare), as a rate per token up to the
 * window plus what does not grow (Mamba state).
 */
static double
kv_read(const struct run *r, uint32_t l, double depth)
{
	const struct layer_cost *c = &r->tr->l[l];

	if (depth < 1)
		return 0;
	if (c->kv_cap > 0 && depth > c->kv_cap)
		depth = c->kv_cap;
	return c->kv_fixed + c->kv_tok * (double)(uint64_t)depth;
}

static void
kv_prepare(struct traffic *tr, const struct mp_model *m, enum mp_dtype kv)
{
	uint32_t l;

	for (l = 0; l < tr->n_layer; l++) {
		struct layer_cost *c = &tr->l[l];
		double b1 = (double)mp_kv_layer_bytes(m, l, 1, kv, false);
		double b2 = (double)mp_kv_layer_bytes(m, l, 2, kv, false);

		c->kv_tok = b2 - b1;
		c->kv_fixed = b1 - c->kv_tok;
		c->kv_cap = m->layer[l].kind == MP_LK_SLIDING ?
		    (double)m->layer[l].window : 0;
	}
}

/* Context one query token attends to in layer l at depth d. */
static double
attn_ctx(const struct run *r, uint32_t l, double d)
{
	const struct mp_layer *ly = &r->m->layer[l];

	if (ly->kind == MP_LK_MAMBA || ly->kind == MP_LK_MLP)
		return 0;
	if (ly->kind == MP_LK_SLIDING && ly->window > 0 && d > ly->window)
		return ly->window;
	return d;
}

/* Attention FLOPs of one token attending to ctx tokens in layer l. */
static double
attn_flops(const struct run *r, uint32_t l, double ctx)
{
	const struct mp_model *m = r->m;
	double qk = (double)m->heads * (m->head_dim + (m->qk_rope_dim ?
	    m->qk_rope_dim : 0));
	double pv = (double)m->heads * (m->v_head_dim ? m->v_head_dim :
	    m->head_dim);

	(void)l;
	return 2.0 * (qk + pv) * ctx;
}

/* Host memory as a decode step reads it: RAM bandwidth, or what the
 * threads stream, whichever is lower. */
static double
host_rate(const struct run *r)
{
	double bw = r->host_bw * be_tab[MP_BE_CPU].bw;
	double th = r->tg->host_threads > 0 ? r->tg->host_threads *
	    CPU_THREAD_BW : bw;

	return th < bw ? th : bw;
}

/* u tokens' hidden states through vLLM's pipeline stages, seconds. */
static double
pp_time(const struct run *r, double u)
{
	return r->pp_hops * (PP_HOP_US * 1e-6 + u * r->pp_tok_b / PP_NET_BW) +
	    r->pp_rtt * PP_HOP_US * 1e-6;
}

/*
 * The matrix rate a runtime's GEMMs reach on the device.  llama.cpp's
 * CUDA paths accumulate at the full rate: cuBLAS GEMMs of f16 weights
 * (and of quantized ones dequantized to f16) in CUBLAS_COMPUTE_16F on
 * NVIDIA (ggml-cuda.cu, ggml_cuda_op_mul_mat_cublas), MMQ's int8
 * tensor-core products in int32 (mmq.cuh); its bf16-weight GEMMs
 * (CUBLAS_COMPUTE_32F) are not told apart.  PyTorch's fp16 and bf16
 * matmuls (transformers, vLLM, training) accumulate in FP32, which
 * GeForce Ampere and Ada run at half the FP16-accumulate rate: the
 * profile's tflops_fp32_acc (Ada whitepaper appendix: RTX 4090 165.2
 * against 330.3 dense TFLOPS).  Datacenter cards state one rate.
 */
static double
matrix_flops(const struct mp_speed_target *tg, enum mp_runtime rt)
{
	if (rt == MP_RT_LLAMACPP || tg->flops_acc32 <= 0)
		return tg->flops;
	return tg->flops_acc32;
}

/*
 * The rate layer l runs at on a machine of different cards, as a factor
 * of the primary's (rate[] each GPU's, the primary first): under a
 * layer split the GPU holding the layer (each card reads its own
 * layers, so a token takes the sum over the cards of their layers'
 * bytes at their bandwidth; the output head on the last card); under
 * vLLM's tensor parallelism every rank holds an equal share and waits
 * for the others at each all-reduce, so the slowest card sets the
 * pace.  1 on identical cards.
 */
static double
dev_scale(const struct run *r, uint32_t l, const double *rate)
{
	uint32_t	 i, n, k, acc = 0;
	double		 lo;

	n = r->devs < MP_MAX_GPUS ? r->devs : MP_MAX_GPUS;
	if (n <= 1 || rate[0] <= 0)
		return 1;
	if (r->rt == MP_RT_VLLM) {
		for (i = 0, lo = rate[0]; i < n; i++)
			if (rate[i] > 0 && rate[i] < lo)
				lo = rate[i];
		return lo / rate[0];
	}
	if (l < r->gpu_start)
		return 1;
	k = l - r->gpu_start;
	for (i = 0; i < n; i++) {
		acc += r->tg->dev_layers[i];
		if (k < acc)
			return rate[i] > 0 ? rate[i] / rate[0] : 1;
	}
	for (i = n; acc > 0 && i-- > 0;)
		if (r->tg->dev_layers[i] > 0)
			return rate[i] > 0 ? rate[i] / rate[0] : 1;
	return 1;
}

static double
bw_scale(const struct run *r, uint32_t l)
{
	return dev_scale(r, l, r->tg->dev_bw);
}

static double
fl_scale(const struct run *r, uint32_t l)
{
	return dev_scale(r, l, r->rt == MP_RT_LLAMACPP ||
	    r->tg->flops_acc32 <= 0 ? r->tg->dev_flops :
	    r->tg->dev_flops_acc32);
}

/* One token of decode at depth d, seconds. */
static double
decode_time(const struct run *r, double d)
{
	const struct traffic *tr = r->tr;
	double bw = r->tg->bandwidth * r->be->bw;
	double hbw = host_rate(r);
	double par = r->rt == MP_RT_VLLM && r->devs > 1 ? r->devs : 1;
	double t = 0;
	uint32_t l;

	for (l = 0; l < tr->n_layer; l++) {
		const struct layer_cost *c = &tr->l[l];
		double kv = kv_read(r, l, d);

		double host = c->hdense_b + c->hexp_b * tr->k_of_n;

		if (l >= r->gpu_start && r->tg->count > 0) {
			/* vLLM splits every layer over the GPUs (tensor
			 * parallel); llama.cpp and transformers run the
			 * layers of one device after the other's. */
			double lb = bw * bw_scale(r, l);

			t += (c->dense_e + c->exp_e * tr->k_of_n) /
			    (lb * par) + kv / (lb * kv_par(r, l, par));
			t += layer_fixed(r, c) + 2 * r->ar_s;
			/* Tensors an override keeps in host memory (the
			 * routed experts under --n-cpu-moe) run on the CPU
			 * at the host's rate; the hidden state crosses to
			 * the CPU and back (two graph splits). */
			if (host > 0)
				t += host / hbw + 2 * HOP_US * 1e-6 +
				    be_tab[MP_BE_CPU].layer_us * 1e-6;
		} else {
			t += (c->dense_b + c->exp_b * tr->k_of_n + host +
			    kv) / hbw;
			t += be_tab[MP_BE_CPU].layer_us * 1e-6;
		}
	}
	t += r->out_dev ? tr->out_e / (bw * bw_scale(r, tr->n_layer) * par) :
	    tr->out_b / hbw;
	t += r->hops * HOP_US * 1e-6 + pp_time(r, 1);
	return t;
}

/*
 * One ubatch of u tokens after d tokens: per layer the slower of its
 * FLOPs at the matrix rate and its bytes at the memory rate.  Layers in
 * host memory are copied to the GPU for the batch (op offload), or run
 * on the CPU without one.
 */
static double
ubatch_time(const struct run *r, double u, double d, bool *compute_bound)
{
	const struct traffic *tr = r->tr;
	double bw = r->tg->bandwidth * r->be->bw;
	double fl = matrix_flops(r->tg, r->rt) * r->be->fl;
	double hbw = host_rate(r);
	double hfl = r->tg->host_flops * CPU_FLOPS_EFF;
	double pcie = r->tg->pcie > 0 ? r->tg->pcie : DEFAULT_PCIE;
	double par = r->rt == MP_RT_VLLM && r->devs > 1 ? r->devs : 1;
	double touched, t = 0, tc_sum = 0, tm_sum = 0;
	double ctx = d + (r->fa ? (u + 1) / 2 : u);
	uint32_t l;

	/* Experts that at least one of u tokens routes to. */
	touched = 1.0 - pow(1.0 - tr->k_of_n, u);
	for (l = 0; l < tr->n_layer; l++) {
		const struct layer_cost *c = &tr->l[l];
		double fl_h = 2.0 * u * (c->hdense_p + c->hexp_p * tr->k_of_n);
		double fl_l = 2.0 * u * (c->dense_p + c->exp_p * tr->k_of_n) +
		    u * attn_flops(r, l, attn_ctx(r, l, ctx)) + fl_h;
		double hb = c->hdense_b + c->hexp_b * touched;
		double kv = kv_read(r, l, d + u);
		double tc, tm;
		bool dev = l >= r->gpu_start && r->tg->count > 0;

		if (dev && hb > 0 && u < 32) {
			/* The overridden tensors computed on the CPU, the
			 * rest on the device, one after the other. */
			double hc = hfl > 0 ? fl_h / hfl : 0;
			double hm = hb / hbw;

			tc = (fl_l - fl_h) / (fl * fl_scale(r, l) * par);
			tm = (c->dense_e + c->exp_e * touched) /
			    (bw * bw_scale(r, l) * par) + kv / (bw *
			    bw_scale(r, l) * kv_par(r, l, par));
			t += layer_fixed(r, c) + 2 * r->ar_s +
			    (hc > hm ? hc : hm) + 2 * HOP_US * 1e-6;
		} else if (dev) {
			/* With 32 tokens or more the overridden tensors are
			 * copied to the device for the batch (op offload). */
			tc = fl_l / (fl * fl_scale(r, l) * par);
			tm = (c->dense_e + c->exp_e * touched) /
			    (bw * bw_scale(r, l) * par) + kv / (bw *
			    bw_scale(r, l) * kv_par(r, l, par)) + hb / pcie;
			/* the all-reduces' latency; their bytes (u x
			 * hidden) not counted */
			t += layer_fixed(r, c) + 2 * r->ar_s;
		} else if (r->tg->count > 0 && u >= 32) {
			/* op offload: the weights cross the host link */
			tc = fl_l / fl;
			tm = (c->dense_b + c->exp_b * touched + hb) / pcie;
			t += r->layer_s;
		} else {
			tc = hfl > 0 ? fl_l / hfl : 0;
			tm = (c->dense_b + c->exp_b * touched + hb + kv) / hbw;
		}
		t += tc > tm ? tc : tm;
		tc_sum += tc;
		tm_sum += tm;
	}
	t += r->out_dev ? tr->out_e / (bw * bw_scale(r, tr->n_layer) * par) :
	    tr->out_b / hbw;
	t += r->hops * HOP_US * 1e-6 + pp_time(r, u);
	*compute_bound = tc_sum > tm_sum;
	return t;
}

/* llama-bench's -b: llama_decode is called with n_batch tokens. */
#define N_BATCH		2048

/*
 * ppN after depth tokens: N tokens in llama_decode calls of n_batch,
 * each split into ubatches.  With the layers split over several GPUs
 * the ubatches of one call flow through them as a pipeline (ggml's
 * scheduler with n_copies > 1) where llama.cpp turns it on
 * (est->llamacpp_pipeline, llamacpp.c): k ubatches over D devices take
 * (k + D - 1) stages of one device's share instead of k x D.
 */
static double
pp_rate(const struct run *r, double n, double depth, double ub,
    bool *compute_bound)
{
	double done = 0, t = 0;
	bool cb = false;
	bool pipe = r->pipe;

	while (done < n) {
		double batch = n - done < N_BATCH ? n - done : N_BATCH;
		double bt = 0, k = 0, in = 0;

		while (in < batch) {
			double u = batch - in < ub ? batch - in : ub;

			bt += ubatch_time(r, u, depth + done + in, &cb);
			in += u;
			k++;
		}
		if (pipe && k > 1)
			bt = bt / k / r->devs * (k + r->devs - 1);
		t += bt;
		done += batch;
	}
	*compute_bound = cb;
	return t > 0 ? n / t : 0;
}

/* tg N from depth D: N tokens one at a time, the mean rate (N / time). */
static double
tg_rate(const struct run *r, double n, double depth)
{
	/* The time per token is linear in depth between window caps: a
	 * few samples integrate it closely enough. */
	const int steps = 8;
	double t = 0;
	int i;

	for (i = 0; i < steps; i++)
		t += decode_time(r, depth + (n - 1) * (i + 0.5) / steps);
	t /= steps;
	return t > 0 ? 1.0 / t : 0;
}

/*
 * vLLM speculative decoding (vllm.c resolves the method): each step the
 * drafter proposes k tokens one after the other, and the target verifies
 * them in one pass of 1 + k tokens per sequence, which reads the same
 * weights and cache as one token (memory-bound decode: the extra rows
 * cost FLOPs only).  With a per-token acceptance a, a step yields
 * (1 - a^(k+1)) / (1 - a) tokens (Leviathan et al. 2023, "Fast Inference
 * from Transformers via Speculative Decoding", the expected tokens of
 * rejection sampling; vLLM's rejection sampler keeps the accepted prefix
 * and one more).  A proposal costs: n-gram lookup, CPU time taken as
 * none; an MTP layer, a pass of the model's last decoder layer plus
 * eh_proj and the shared output head; a draft model, its weights.  The
 * drafter's cache reads are left out.  Derived, not measured.
 */
static bool
spec_decode(const struct run *r, const struct mp_model *m,
    const struct mp_scenario *sc, struct mp_speed *sp, struct mp_error *err)
{
	const struct traffic *tr = r->tr;
	struct mp_vllm_spec vs;
	double bw = r->tg->bandwidth * r->be->bw, par, a, k, tokens, t_draft;
	double t_step;
	const struct layer_cost *c;
	char as[16], ts[16], xs[16];
	size_t n;

	if (sc->runtime != MP_RT_VLLM || r->tg->count == 0)
		return true;
	if (!mp_vllm_spec(m, sc, &vs, err))
		return false;
	if (vs.k == 0 || sp->decode_tps <= 0)
		return true;
	par = r->devs > 1 ? r->devs : 1;
	bw *= bw_scale(r, 0);	/* the slowest rank (tensor parallel) */
	k = vs.k;
	a = vs.accept_ppm / 1e6;
	tokens = a >= 1 ? k + 1 : (1 - pow(a, k + 1)) / (1 - a);
	if (vs.mtp_layers != 0) {
		c = &tr->l[tr->n_layer - 1];
		t_draft = vs.mtp_layers * ((c->dense_e + c->exp_e *
		    tr->k_of_n) / (bw * par) + layer_fixed(r, c)) +
		    ((double)vs.eh_bytes + tr->out_e) / (bw * par);
	} else if (vs.draft_layers != 0)
		t_draft = (double)vs.draft_bytes / (bw * par) +
		    vs.draft_layers * r->layer_s;
	else
		t_draft = 0;
	t_step = 1.0 / sp->decode_tps + k * t_draft;
	n = strlen(sp->basis);
	snprintf(sp->basis + n, sizeof(sp->basis) - n, "; speculative "
	    "decoding: %u proposed, acceptance %s%s: %s tokens per step, x%s",
	    vs.k, mp_fmt_fixed(a, 2, as, sizeof(as)), vs.accept_given ? "" :
	    " assumed", mp_fmt_fixed(tokens, 2, ts, sizeof(ts)),
	    mp_fmt_fixed(tokens / (t_step * sp->decode_tps), 2, xs,
	    sizeof(xs)));
	sp->decode_tps = tokens / t_step;
	return true;
}

bool
mp_speed_estimate(const struct mp_model *m, const struct mp_estimate *est,
    const struct mp_speed_target *tg, const struct mp_bench_test *bench,
    size_t n_bench, struct mp_speed *sp, struct mp_error *err)
{
	const struct mp_scenario *sc = &est->sc;
	struct traffic	 tr;
	struct run	 r;
	uint64_t	 ngl;
	uint32_t	 l, n_over = 0;
	char		 over[96] = "";
	double		 seq, ub;
	bool		 cb;
	char		 pct[32], gbs[32];
	size_t		 i;

	memset(sp, 0, sizeof(*sp));
	if (sc->mode != MP_MODE_INFER) {
		snprintf(sp->why, sizeof(sp->why), "speed is estimated for "
		    "inference only");
		return true;
	}
	if (tg->count > 0 && tg->bandwidth <= 0) {
		snprintf(sp->why, sizeof(sp->why), "the hardware profile "
		    "gives no device bandwidth");
		return true;
	}
	memset(&r, 0, sizeof(r));
	r.m = m;
	r.tg = tg;
	r.rt = sc->runtime;
	r.be = &be_tab[tg->count > 0 ? tg->backend : MP_BE_CPU];
	r.kv = sc->kv_dtype != MP_DT_NONE ? sc->kv_dtype : MP_DT_F16;
	r.fa = sc->flash_attn == MP_ON;
	r.devs = tg->count;
	r.layer_s = r.be->layer_us * 1e-6 * layer_scale(sc->runtime);
	r.host_bw = tg->host_bandwidth;
	if (tg->count == 0 && r.host_bw <= 0) {
		snprintf(sp->why, sizeof(sp->why), "the hardware profile "
		    "gives no ram_bandwidth for a run in host memory");
		return true;
	}
	if (!traffic_build(&tr, m, sc, r.be, err))
		return false;
	kv_prepare(&tr, m, r.kv);
	r.tr = &tr;
	/* llama.cpp's -ngl: the last ngl layers, the output layer counted
	 * as one more, are offloaded (llama-model.cpp load_tensors). */
	if (tg->count == 0)
		ngl = 0;
	else if (sc->runtime != MP_RT_LLAMACPP || sc->gpu_layers < 0 ||
	    (uint64_t)sc->gpu_layers >= m->layers)
		ngl = (uint64_t)m->layers + 1;
	else
		ngl = (uint64_t)sc->gpu_layers;
	r.gpu_start = ngl >= m->layers ? 0 : m->layers - (uint32_t)ngl;
	r.out_dev = ngl > m->layers;
	r.pipe = sc->runtime == MP_RT_LLAMACPP && est->llamacpp_pipeline;
	r.hops = 0;
	if (tg->count > 1 && sc->runtime != MP_RT_VLLM)
		r.hops = tg->count - 1;
	if (tg->count > 1 && sc->runtime == MP_RT_VLLM)
		r.ar_s = tp_allreduce_s(tg->count);
	if (sc->nodes > 1 && sc->runtime == MP_RT_VLLM && tg->count > 0) {
		/* The hidden state and the residual (vLLM's
		 * IntermediateTensors), 16-bit. */
		r.pp_hops = sc->nodes - 1;
		r.pp_tok_b = 2.0 * (double)m->hidden * 2;
	}
	if (est->dev_nodes > 1 && tg->count >= est->dev_nodes) {
		/* llama.cpp's RPC split: every node's GPUs in a row (the
		 * target counts them all), the network crossed through this
		 * host (RPC's terms above). */
		r.pp_hops = 2 * (est->dev_nodes - 1);
		r.pp_tok_b = (double)m->hidden * 4;
		r.pp_rtt = (est->dev_nodes - 1) *
		    (tg->count / est->dev_nodes - 1);
	}
	/* Device layers with tensors overridden to host memory. */
	for (l = r.gpu_start; tg->count > 0 && l < m->layers; l++)
		if (tr.l[l].hdense_b + tr.l[l].hexp_b > 0)
			n_over++;
	if (n_over > 0 && r.host_bw <= 0) {
		r.host_bw = 89.6e9;
		r.host_bw_assumed = true;
	}
	if (r.gpu_start > 0 || !r.out_dev) {
		if (r.host_bw <= 0) {
			/* Layers in host memory with no host bandwidth known:
			 * a dual-channel DDR5 desktop, said in the estimate. */
			r.host_bw = 89.6e9;
			r.host_bw_assumed = true;
		}
		r.hops++;
	}
	if (r.host_bw <= 0)
		r.host_bw = tg->bandwidth;

	ub = sc->ubatch != 0 ? sc->ubatch : 512;
	if (sc->runtime != MP_RT_LLAMACPP)
		ub = 2048;	/* vLLM chunked prefill, transformers whole */
	seq = (double)(sc->seq != 0 ? sc->seq : 4096);
	sp->available = true;
	sp->decode_tps = tg_rate(&r, 1, seq);
	sp->decode_bound = MP_BOUND_MEMORY;
	if ((tg->count > 0 && tg->flops <= 0) ||
	    (tg->count == 0 && tg->host_flops <= 0)) {
		snprintf(sp->prefill_why, sizeof(sp->prefill_why),
		    "the hardware profile gives no %s: prompt speed left out",
		    tg->count > 0 ? "tflops" : "cpu_tflops");
	} else {
		sp->has_prefill = true;
		sp->prefill_tps = pp_rate(&r, seq, 0, ub, &cb);
		sp->prefill_bound = cb ? MP_BOUND_COMPUTE : MP_BOUND_MEMORY;
		sp->ttft_s = seq / sp->prefill_tps + 1.0 / sp->decode_tps;
	}
	for (i = 0; i < n_bench && i < MP_BENCH_MAX; i++) {
		struct mp_speed_bench *b = &sp->bench[sp->n_bench];

		mp_bench_name(&bench[i], b->test, sizeof(b->test));
		if (bench[i].kind == MP_BENCH_TG) {
			b->tokens_per_s = tg_rate(&r, bench[i].tokens,
			    (double)bench[i].depth);
			b->bound = MP_BOUND_MEMORY;
		} else if (sp->has_prefill) {
			b->tokens_per_s = pp_rate(&r, bench[i].tokens,
			    (double)bench[i].depth, ub, &cb);
			b->bound = cb ? MP_BOUND_COMPUTE : MP_BOUND_MEMORY;
		} else
			b->tokens_per_s = 0;	/* prefill_why says why */
		sp->n_bench++;
	}
	if (n_over > 0)
		snprintf(over, sizeof(over), ", the experts of %u layers in "
		    "host memory at %s GB/s", n_over, mp_fmt_fixed(
		    r.host_bw / 1e9, 0, gbs, sizeof(gbs)));
	mp_fmt_fixed((tg->count > 0 ? tg->bandwidth : r.host_bw) / 1e9, 0,
	    gbs, sizeof(gbs));
	/* a mixed machine: each card's own, "1008/360" */
	for (i = 1; i < tg->count && i < MP_MAX_GPUS; i++)
		if (tg->dev_bw[i] > 0 && tg->dev_bw[i] != tg->dev_bw[i - 1]) {
			char b[32];
			size_t len = strlen(gbs);

			snprintf(gbs + len, sizeof(gbs) - len, "/%s",
			    mp_fmt_fixed(tg->dev_bw[i] / 1e9, 0, b,
			    sizeof(b)));
		}
	snprintf(sp->basis, sizeof(sp->basis), "%s %s: %s%% of %s GB/s "
	    "per token%s%s%s%s", mp_runtime_name(sc->runtime),
	    mp_backend_name(r.be - be_tab), mp_fmt_fixed(r.be->bw * 100, 0,
	    pct, sizeof(pct)), gbs, strchr(gbs, '/') == NULL ? "" :
	    sc->runtime == MP_RT_VLLM ? " (tensor parallel: the slowest "
	    "card sets the pace)" : " (each card its own layers)",
	    r.gpu_start > 0 || !r.out_dev ? ", layers in host memory at "
	    "the host's bandwidth" : "", over, r.host_bw_assumed ?
	    " (89.6 GB/s assumed: the profile has no ram_bandwidth)" : "");
	if (r.pp_rtt + r.pp_hops > 0 && sc->runtime == MP_RT_LLAMACPP) {
		size_t n = strlen(sp->basis);

		snprintf(sp->basis + n, sizeof(sp->basis) - n, "; --rpc: %u "
		    "network transfers and %u round trips per token through "
		    "this host (derived)", r.pp_hops, r.pp_rtt);
	}
	if (!spec_decode(&r, m, sc, sp, err)) {
		free(tr.l);
		return false;
	}
	if (sp->has_prefill)
		sp->ttft_s = seq / sp->prefill_tps + 1.0 / sp->decode_tps;
	free(tr.l);
	return true;
}

const char *
mp_bound_name(enum mp_bound b)
{
	return b == MP_BOUND_COMPUTE ? "compute" : "memory";
}

/* ---- training throughput ---- */

/*
 * Matrix FLOPs of one training token, per active weight: forward 2,
 * backward 4 (the gradients of the activations, 2, and of the weights,
 * 2); a frozen base (LoRA, QLoRA) has no weight gradients, 2 + 2.
 * Gradient checkpointing runs the forward again in the backward pass,
 * +2.  Attention's QK^T and PV: the forward once, its backward twice
 * that, +1 forward when recomputed.  (The 6 x params x tokens rule of
 * Kaplan et al. 2020, "Scaling Laws for Neural Language Models", 2.1,
 * with the frozen-base and recompute terms it implies.)
 */
#define TRAIN_W_FULL	6.0
#define TRAIN_W_FROZEN	4.0
#define TRAIN_W_RECOMP	2.0
#define TRAIN_A		3.0
#define TRAIN_A_RECOMP	1.0
/*
 * bitsandbytes' 4-bit matmul dequantizes the base weight to bf16 before
 * the bf16 GEMM (bnb.matmul_4bit): 0.5 byte read and 2 written per
 * weight, then 2 read by the GEMM, in every forward, backward and
 * recomputed pass.
 */
#define QLORA_DEQ_BYTES	4.5
/*
 * An optimizer step on the CPU (ZeRO-Offload's CPUAdam, FSDP's CPU
 * offload): reads the fp32 weight, gradient and two moments and writes
 * weight and moments back, 28 bytes per trainable weight through host
 * memory.
 */
#define CPU_ADAM_BYTES	28.0

/*
 * Data parallelism across machines (--nodes): the collectives of every
 * step cross the network at its bus bandwidth, one NIC per GPU
 * (PP_NET_BW above, assumed as for vLLM's stages).  An all-gather or a
 * reduce-scatter of S bytes over n ranks moves S (n - 1) / n per rank,
 * an all-reduce twice that (nccl-tests doc/PERFORMANCE.md, busbw).  Per
 * step: ZeRO-3 and FSDP's full shard gather the weights for each
 * layer's forward and again for its backward (DeepSpeed's stage-3
 * fetch, FSDP's unshard) and reduce-scatter the gradients; FSDP's
 * shard-grad-op gathers them once; ZeRO-1/2 reduce-scatter the
 * gradients and gather the updated trainable weights; DDP and hybrid
 * shard all-reduce the gradients across nodes (hybrid shard gathers
 * inside a node).  Prefetch and bucketing overlap them with compute,
 * so a step takes the longer of the two.  Inside one node (NVLink,
 * PCIe) not modelled.  Derived, not measured.
 */
static double
net_bytes(const struct mp_scenario *sc, double w, double g, double tw)
{
	switch (sc->parallel) {
	case MP_PAR_ZERO3:
	case MP_PAR_FSDP:
		return 2 * w + g;
	case MP_PAR_FSDP_SGO:
		return w + g;
	case MP_PAR_ZERO1:
	case MP_PAR_ZERO2:
		return g + tw;
	default:
		return 2 * g;
	}
}

bool
mp_train_speed(const struct mp_model *m, const struct mp_estimate *est,
    const struct mp_speed_target *tg, double *tps, char *basis,
    size_t basis_len)
{
	const struct mp_scenario *sc = &est->sc;
	const struct be_eff *be;
	double p_act = 0, p_lin = 0, attn = 0, wmul, amul, tok, fl, bw;
	double t_comp, t_deq = 0, t_link = 0, t_cpu = 0, k_of_n, n, ctx;
	double pcie, t_net = 0, t_step;
	char f1[32], f2[32], f3[32], f4[32];
	bool frozen = sc->mode == MP_MODE_LORA || sc->mode == MP_MODE_QLORA;
	size_t i;
	uint32_t l;

	*tps = 0;
	if (basis_len > 0)
		basis[0] = '\0';
	if (tg->count == 0 || tg->flops <= 0 || tg->bandwidth <= 0) {
		snprintf(basis, basis_len, "the hardware profile gives no %s",
		    tg->count == 0 ? "accelerator" : tg->flops <= 0 ?
		    "tflops" : "bandwidth");
		return false;
	}
	be = &be_tab[tg->backend];
	k_of_n = m->n_experts > 0 && m->experts_per_tok > 0 ?
	    (double)m->experts_per_tok / m->n_experts : 1.0;
	for (i = 0; i < m->n_tensors; i++) {
		const struct mp_tensor *t = &m->tensors[i];
		double e = (double)mp_tensor_numel(t);
		bool ex = t->kind == MP_TK_EXP_GATE || t->kind ==
		    MP_TK_EXP_UP || t->kind == MP_TK_EXP_DOWN ||
		    t->kind == MP_TK_EXP_GATE_UP;

		if (t->flags & (MP_TF_VISION | MP_TF_BUFFER))
			continue;
		/* The embedding is a row lookup; tied, it is the head. */
		if (t->kind == MP_TK_EMBED && !m->tied)
			continue;
		if (!(t->flags & MP_TF_LINEAR) && t->kind != MP_TK_EMBED &&
		    t->kind != MP_TK_OUTPUT && !ex)
			continue;
		p_act += ex ? e * k_of_n : e;
		if (t->flags & MP_TF_LINEAR)
			p_lin += e;
	}
	/* Causal attention: a token attends to seq / 2 others on
	 * average, at most a sliding window. */
	for (l = 0; l < m->layers; l++) {
		const struct mp_layer *ly = &m->layer[l];
		double qk = (double)m->heads * (m->head_dim + m->qk_rope_dim);
		double pv = (double)m->heads * (m->v_head_dim ? m->v_head_dim :
		    m->head_dim);

		if (ly->kind == MP_LK_MAMBA || ly->kind == MP_LK_MLP)
			continue;
		ctx = (double)sc->seq / 2;
		if (ly->kind == MP_LK_SLIDING && ly->window > 0 &&
		    ctx > ly->window)
			ctx = ly->window;
		attn += 2.0 * (qk + pv) * ctx;
	}
	wmul = (frozen ? TRAIN_W_FROZEN : TRAIN_W_FULL) +
	    (sc->grad_ckpt ? TRAIN_W_RECOMP : 0);
	amul = TRAIN_A + (sc->grad_ckpt ? TRAIN_A_RECOMP : 0);
	tok = (double)(sc->batch ? sc->batch : 1) * (double)sc->seq;
	fl = matrix_flops(tg, MP_RT_TRANSFORMERS) * be->fl;
	bw = tg->bandwidth * be->bw;
	/* Data parallel ranks step together: on a mixed machine the
	 * slowest card sets the pace. */
	{
		double fs = 1, bs = 1;

		for (i = 1; i < tg->count && i < MP_MAX_GPUS; i++) {
			if (tg->dev_flops_acc32[0] > 0 &&
			    tg->dev_flops_acc32[i] > 0 &&
			    tg->dev_flops_acc32[i] / tg->dev_flops_acc32[0] < fs)
				fs = tg->dev_flops_acc32[i] /
				    tg->dev_flops_acc32[0];
			if (tg->dev_bw[0] > 0 && tg->dev_bw[i] > 0 &&
			    tg->dev_bw[i] / tg->dev_bw[0] < bs)
				bs = tg->dev_bw[i] / tg->dev_bw[0];
		}
		fl *= fs;
		bw *= bs;
	}
	t_comp = tok * (wmul * p_act + amul * attn) / fl;
	if (sc->mode == MP_MODE_QLORA)
		t_deq = (sc->grad_ckpt ? 3 : 2) * QLORA_DEQ_BYTES * p_lin / bw;
	n = (double)tg->count * (sc->nodes > 1 ? sc->nodes : 1);
	if (sc->offload == MP_OFFLOAD_CPU) {
		/* Each GPU brings its shard of the 16-bit weights in for
		 * the forward and the backward pass and sends its shard
		 * of the gradients back; the CPU steps the optimizer over
		 * every trainable weight in host memory. */
		double host = tg->host_bandwidth > 0 ? tg->host_bandwidth *
		    be_tab[MP_BE_CPU].bw : 89.6e9 * be_tab[MP_BE_CPU].bw;

		pcie = tg->pcie > 0 ? tg->pcie : DEFAULT_PCIE;
		t_link = (2.0 * 2.0 * (double)m->params +
		    2.0 * (double)est->trainable_params) / n / pcie;
		t_cpu = CPU_ADAM_BYTES * (double)est->trainable_params / host;
	}
	if (sc->nodes > 1 && n > 1) {
		uint64_t wb = 0;
		struct mp_error err;
		/* gradients: 16-bit for a full fine-tune, fp32 adapters
		 * (peft keeps them in fp32) for LoRA and QLoRA */
		double g = (double)est->trainable_params * (frozen ? 4 : 2);

		if (!mp_weights_bytes(m, sc, &wb, &err))
			wb = 0;
		t_net = net_bytes(sc, (double)wb, g,
		    2.0 * (double)est->trainable_params) * (n - 1) / n /
		    PP_NET_BW;
	}
	/* Data parallel: every GPU trains its own micro-batch. */
	t_step = t_comp + t_deq + t_link + t_cpu;
	*tps = n * tok / (t_net > t_step ? t_net : t_step);
	snprintf(basis, basis_len, "%s FLOPs per weight and token%s at "
	    "%s%% of %s TFLOPS%s x %s GPU%s%s%s%s", mp_fmt_fixed(wmul, 0, f1,
	    sizeof(f1)), sc->grad_ckpt ? " (recomputed forward)" : "",
	    mp_fmt_fixed(be->fl * 100, 0, f2, sizeof(f2)), mp_fmt_fixed(
	    fl / be->fl / 1e12, 0, f3, sizeof(f3)), fl / be->fl < tg->flops ?
	    " (FP32 accumulate)" : "", mp_fmt_fixed(n, 0, f4, sizeof(f4)),
	    n == 1 ? "" : "s", t_deq > 0 ?
	    "; 4-bit base dequantized every pass" : "", t_cpu > 0 ?
	    "; optimizer step on the CPU, weights over the host link" : "",
	    t_net > t_step ? "; the collectives across nodes set the pace "
	    "(network at 50 GB/s per GPU, assumed)" : "");
	return true;
}
