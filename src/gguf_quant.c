/* gguf_quant.c: GGUF tensors and llama-quantize's per-tensor types */
/* SPDX-License-Identifier: MIT */
/*
 * Two steps reproduce the tensor data of a GGUF file that llama.cpp would
 * write for a HuggingFace model:
 *
 * 1. The tensor list of the BF16 GGUF that convert_hf_to_gguf.py writes:
 *    names, ggml shapes (ne[0] is the row length, the reverse of PyTorch),
 *    and which tensors it keeps in F32 (everything 1-D, every *_norm, the
 *    MoE router ffn_gate_inp, position embeddings), plus what the converter
 *    adds or reshapes (rope_freqs for Llama-3.1 "llama3" rope scaling,
 *    rope_factors_long/short for Phi-3 longrope, experts stacked into 3-D
 *    ffn_*_exps, DeepSeek's kv_b_proj split into attn_k_b/attn_v_b,
 *    gpt-oss's MXFP4 expert blocks kept as they are).  Sizes come from
 *    struct mp_model; the few switches that are not sizes (rope scaling
 *    type, bias flags) are read again from the model's config.json.
 *    Sources: llama.cpp conversion/{base,llama,qwen,qwen3vl,phi,deepseek,
 *    gpt2,gptneox,gemma,granite,gpt_oss,nemotron,mamba}.py.
 *
 * 2. The type llama-quantize gives each tensor for an ftype, following
 *    llama_tensor_get_type() in src/llama-quant.cpp: the categories, the
 *    use_more_bits() layer pattern, the n_gqa, n_expert == 8 and 70B
 *    rules, the output/tied-embedding rule, and the fallbacks when a row
 *    length is not a multiple of the block size.  Tensors are visited in
 *    the loader's order (non-layer tensors first, then by layer, names
 *    sorted inside a layer: llama-model-loader.h weight_name_comparer),
 *    because the attn_v and ffn_down counters depend on it.
 *
 * Bytes per tensor are nrows * row_size(type, ne[0]), as the --dry-run of
 * llama-quantize computes them (ggml_row_size).  Facts are from llama.cpp
 * commit 81ff7abe50b95fb81cc70a6cdba1eb1a02a48f62.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* The llama_ftype mixtures of include/llama.h that llama-quantize writes. */
enum qft {
	QF_F32, QF_F16, QF_BF16, QF_Q8_0, QF_Q4_0, QF_Q4_1, QF_Q5_0, QF_Q5_1,
	QF_Q2_K, QF_Q2_K_S, QF_Q3_K_S, QF_Q3_K_M, QF_Q3_K_L, QF_Q4_K_S,
	QF_Q4_K_M, QF_Q5_K_S, QF_Q5_K_M, QF_Q6_K, QF_IQ1_S, QF_IQ1_M,
	QF_IQ2_XXS, QF_IQ2_XS, QF_IQ2_S, QF_IQ2_M, QF_IQ3_XXS, QF_IQ3_XS,
	QF_IQ3_S, QF_IQ3_M, QF_IQ4_NL, QF_IQ4_XS, QF_TQ1_0, QF_TQ2_0,
	QF_MXFP4_MOE
};

/*
 * Names as llama-quantize spells them (lower case), and each mixture's
 * default tensor type (llama_ftype_get_default_type()).  "q3_k", "q4_k"
 * and "q5_k" are llama-quantize's own aliases of the _M mixes.
 */
static const struct {
	const char	*name;
	enum qft	 ft;
	enum mp_dtype	 def;
} ftypes[] = {
	{ "f32", QF_F32, MP_DT_F32 },
	{ "f16", QF_F16, MP_DT_F16 },
	{ "bf16", QF_BF16, MP_DT_BF16 },
	{ "q8_0", QF_Q8_0, MP_DT_Q8_0 },
	{ "q6_k", QF_Q6_K, MP_DT_Q6_K },
	{ "q5_k_m", QF_Q5_K_M, MP_DT_Q5_K },
	{ "q5_k", QF_Q5_K_M, MP_DT_Q5_K },
	{ "q5_k_s", QF_Q5_K_S, MP_DT_Q5_K },
	{ "q5_1", QF_Q5_1, MP_DT_Q5_1 },
	{ "q5_0", QF_Q5_0, MP_DT_Q5_0 },
	{ "q4_k_m", QF_Q4_K_M, MP_DT_Q4_K },
	{ "q4_k", QF_Q4_K_M, MP_DT_Q4_K },
	{ "q4_k_s", QF_Q4_K_S, MP_DT_Q4_K },
	{ "q4_1", QF_Q4_1, MP_DT_Q4_1 },
	{ "q4_0", QF_Q4_0, MP_DT_Q4_0 },
	{ "iq4_xs", QF_IQ4_XS, MP_DT_IQ4_XS },
	{ "iq4_nl", QF_IQ4_NL, MP_DT_IQ4_NL },
	{ "q3_k_l", QF_Q3_K_L, MP_DT_Q3_K },
	{ "q3_k_m", QF_Q3_K_M, MP_DT_Q3_K },
	{ "q3_k", QF_Q3_K_M, MP_DT_Q3_K },
	{ "q3_k_s", QF_Q3_K_S, MP_DT_Q3_K },
	{ "iq3_m", QF_IQ3_M, MP_DT_IQ3_S },
	{ "iq3_s", QF_IQ3_S, MP_DT_IQ3_S },
	{ "iq3_xs", QF_IQ3_XS, MP_DT_IQ3_S },
	{ "iq3_xxs", QF_IQ3_XXS, MP_DT_IQ3_XXS },
	{ "q2_k", QF_Q2_K, MP_DT_Q2_K },
	{ "q2_k_s", QF_Q2_K_S, MP_DT_Q2_K },
	{ "iq2_m", QF_IQ2_M, MP_DT_IQ2_S },
	{ "iq2_s", QF_IQ2_S, MP_DT_IQ2_XS },
	{ "iq2_xs", QF_IQ2_XS, MP_DT_IQ2_XS },
	{ "iq2_xxs", QF_IQ2_XXS, MP_DT_IQ2_XXS },
	{ "iq1_m", QF_IQ1_M, MP_DT_IQ1_M },
	{ "iq1_s", QF_IQ1_S, MP_DT_IQ1_S },
	{ "tq2_0", QF_TQ2_0, MP_DT_TQ2_0 },
	{ "tq1_0", QF_TQ1_0, MP_DT_TQ1_0 },
	{ "mxfp4_moe", QF_MXFP4_MOE, MP_DT_MXFP4 },
	{ "mxfp4", QF_MXFP4_MOE, MP_DT_MXFP4 },
};

#define NFTYPES	(sizeof(ftypes) / sizeof(ftypes[0]))

/* The tensor categories of llama-quant.cpp tensor_get_category(). */
enum tcat {
	TC_TOKEN_EMBD, TC_ATTN_Q, TC_ATTN_V, TC_ATTN_K, TC_ATTN_QKV,
	TC_ATTN_KV_B, TC_ATTN_OUTPUT, TC_FFN_UP, TC_FFN_GATE, TC_FFN_DOWN,
	TC_OUTPUT, TC_OTHER
};

/* The converter layouts this module knows. */
enum family {
	FAM_LLAMA,	/* separate q/k/v, gate/up/down, optional experts */
	FAM_PHI3,	/* fused qkv and fused gate_up (ffn_up is 2*I) */
	FAM_GPT2,	/* fused qkv, biases, learned positions */
	FAM_NEOX,	/* fused qkv, biases */
	FAM_DS2,	/* DeepSeek MLA + experts + shared experts */
	FAM_GPTOSS,	/* biases everywhere, sinks, MXFP4 experts */
	FAM_NEMOH	/* Nemotron-H: Mamba2 / attention / MLP or MoE blocks */
};

/* What one architecture's converter writes, beyond the mp_model sizes. */
struct layout {
	const char	*garch;		/* GGUF general.architecture */
	enum family	 fam;
	bool		 qkv_bias, o_bias, mlp_bias, qk_norm, norm_bias;
	bool		 lm_bias;	/* output.bias (Phi-3.5-MoE) */
	bool		 rope_freqs_ok;	/* LlamaModel.generate_extra_tensors */
	bool		 gemma;		/* post-attention/post-ffw norms */
	bool		 shexp;		/* Llama 4: one shared expert per MoE layer */
	bool		 olmo2;		/* post-norms only; q/k norms over all heads */
	bool		 tied;
};

static const struct {
	const char	*hf;		/* config.json architectures[0] */
	const char	*mt;		/* model_type, when architectures is missing */
	const char	*garch;
	enum family	 fam;
} archs[] = {
	{ "LlamaForCausalLM", "llama", "llama", FAM_LLAMA },
	{ "LLaMAForCausalLM", NULL, "llama", FAM_LLAMA },
	{ "MistralForCausalLM", "mistral", "llama", FAM_LLAMA },
	{ "MixtralForCausalLM", "mixtral", "llama", FAM_LLAMA },
	{ "GraniteForCausalLM", "granite", "granite", FAM_LLAMA },
	{ "Qwen2ForCausalLM", "qwen2", "qwen2", FAM_LLAMA },
	{ "Qwen3ForCausalLM", "qwen3", "qwen3", FAM_LLAMA },
	{ "Qwen3MoeForCausalLM", "qwen3_moe", "qwen3moe", FAM_LLAMA },
	{ "Qwen3VLForConditionalGeneration", "qwen3_vl_text", "qwen3vl", FAM_LLAMA },
	{ "PhiMoEForCausalLM", "phimoe", "phimoe", FAM_LLAMA },
	{ "Gemma2ForCausalLM", "gemma2", "gemma2", FAM_LLAMA },
	{ "Gemma3ForCausalLM", "gemma3_text", "gemma3", FAM_LLAMA },
	{ "Gemma3ForConditionalGeneration", NULL, "gemma3", FAM_LLAMA },
	{ "Llama4ForConditionalGeneration", "llama4_text", "llama4", FAM_LLAMA },
	{ "Llama4ForCausalLM", NULL, "llama4", FAM_LLAMA },
	{ "Olmo2ForCausalLM", "olmo2", "olmo2", FAM_LLAMA },
	{ "Phi3ForCausalLM", "phi3", "phi3", FAM_PHI3 },
	{ "GPT2LMHeadModel", "gpt2", "gpt2", FAM_GPT2 },
	{ "GPTNeoXForCausalLM", "gpt_neox", "gptneox", FAM_NEOX },
	{ "DeepseekV2ForCausalLM", "deepseek_v2", "deepseek2", FAM_DS2 },
	{ "DeepseekV3ForCausalLM", "deepseek_v3", "deepseek2", FAM_DS2 },
	{ "GptOssForCausalLM", "gpt_oss", "gpt-oss", FAM_GPTOSS },
	{ "NemotronHForCausalLM", "nemotron_h", "nemotron_h", FAM_NEMOH },
	{ "DeepseekV3ForCausalLM", "kimi_k2", "deepseek2", FAM_DS2 },
};

/* A growing list of GGUF tensors. */
struct tlist {
	struct mp_gguf_tensor	*v;
	size_t			 n, cap;
};

/* More tensors than any converter writes (DeepSeek-V3: ~1,100). */
#define MAX_GGUF_TENSORS	(1u << 20)

bool
mp_gguf_ftype_known(const char *name)
{
	size_t i;

	if (name == NULL)
		return false;
	for (i = 0; i < NFTYPES; i++)
		if (strcmp(name, ftypes[i].name) == 0)
			return true;
	return false;
}

/*
 * Whole-file bits per weight of the k-quant mixes, as llama.cpp publishes
 * them for Llama 2 7B (tools/quantize/README.md, "Llama 2 7B" table).  A
 * mix promotes some tensors (attn_v, ffn_down, output) above its default
 * type, so it costs more than that type's blocks; the other types store
 * every matrix in their default type.
 */
static const struct {
	enum qft	 ft;
	double		 bpw;
} mix_bpw[] = {
	{ QF_Q2_K, 3.35 }, { QF_Q3_K_S, 3.50 }, { QF_Q3_K_M, 3.91 },
	{ QF_Q3_K_L, 4.27 }, { QF_Q4_K_S, 4.58 }, { QF_Q4_K_M, 4.84 },
	{ QF_Q5_K_S, 5.52 }, { QF_Q5_K_M, 5.68 },
};

double
mp_gguf_ftype_bpw(const char *name, bool *published)
{
	const struct mp_dtype_info	*d;
	size_t				 i, k;

	*published = false;
	for (i = 0; i < NFTYPES; i++)
		if (strcmp(name, ftypes[i].name) == 0)
			break;
	if (i == NFTYPES)
		return 0;
	for (k = 0; k < sizeof(mix_bpw) / sizeof(mix_bpw[0]); k++)
		if (mix_bpw[k].ft == ftypes[i].ft) {
			*published = true;
			return mix_bpw[k].bpw;
		}
	/* The default type's blocks (dtype.c, from ggml's type traits). */
	d = mp_dtype_info(ftypes[i].def);
	return 8.0 * d->block_bytes / d->block;
}

const char *
mp_gguf_ftype_name(size_t i)
{
	size_t k;

	if (i >= NFTYPES)
		return NULL;
	/* A second name for the same mix (q4_k for q4_k_m) is a hole. */
	for (k = 0; k < i; k++)
		if (ftypes[k].ft == ftypes[i].ft)
			return "";
	return ftypes[i].name;
}

/* ggml_n_dims(): trailing dimensions of 1 do not count. */
static int
n_dims(const struct mp_gguf_tensor *t)
{
	if (t->ne[2] > 1)
		return 3;
	if (t->ne[1] > 1)
		return 2;
	return 1;
}

/*
 * ggml_nrows() * ggml_row_size(): the rows of a block type are whole
 * blocks (the caller has made ne[0] a multiple of the block).
 */
static bool
tensor_bytes(enum mp_dtype dt, const uint64_t ne[3], uint64_t *out)
{
	const struct mp_dtype_info *di = mp_dtype_info(dt);
	uint64_t rows, row;

	if (di->block == 0 || ne[0] % di->block != 0)
		return false;
	if (!mp_mul(ne[1], ne[2], &rows) ||
	    !mp_mul(ne[0] / di->block, di->block_bytes, &row))
		return false;
	return mp_mul(rows, row, out);
}

static bool
tl_add(struct tlist *tl, int32_t layer, const char *name, enum mp_dtype src,
    uint64_t ne0, uint64_t ne1, uint64_t ne2, struct mp_error *err)
{
	struct mp_gguf_tensor	*t;
	int			 len;

	if (ne0 == 0 || ne1 == 0 || ne2 == 0)
		return mp_error_set(err, MP_EINPUT, NULL, name,
		    "tensor has a zero dimension; the model's sizes are "
		    "incomplete");
	if (tl->n == tl->cap) {
		size_t cap = tl->cap ? tl->cap * 2 : 512;

		if (cap > MAX_GGUF_TENSORS)
			return mp_error_set(err, MP_EINPUT, NULL, NULL,
			    "more than %u GGUF tensors", MAX_GGUF_TENSORS);
		t = realloc(tl->v, cap * sizeof(*t));
		if (t == NULL)
			return mp_error_set(err, MP_ENOMEM, NULL, NULL,
			    "out of memory");
		tl->v = t;
		tl->cap = cap;
	}
	t = &tl->v[tl->n];
	memset(t, 0, sizeof(*t));
	if (layer >= 0)
		len = snprintf(t->name, sizeof(t->name), "blk.%d.%s",
		    (int)layer, name);
	else
		len = snprintf(t->name, sizeof(t->name), "%s", name);
	if (len < 0 || (size_t)len >= sizeof(t->name))
		return mp_error_set(err, MP_EINPUT, NULL, name,
		    "GGUF tensor name too long");
	t->layer = layer;
	t->ne[0] = ne0;
	t->ne[1] = ne1;
	t->ne[2] = ne2;
	/*
	 * The converter stores 1-D tensors and norms in F32 (base.py
	 * prepare_tensors); the rest of a --outtype bf16 source is BF16.
	 */
	if (n_dims(t) < 2 || strstr(t->name, "_norm.weight") != NULL)
		src = MP_DT_F32;
	t->type = src;
	if (!tensor_bytes(src, t->ne, &t->bytes))
		return mp_error_set(err, MP_ERANGE, NULL, t->name,
		    "tensor size overflows 64-bit arithmetic");
	tl->n++;
	return true;
}

/* Shorthands: a weight (BF16 in the source), an F32 tensor. */
#define W(l, n, a, b, c)	tl_add(tl, (l), (n), MP_DT_BF16, (a), (b), (c), err)
#define F(l, n, a, b, c)	tl_add(tl, (l), (n), MP_DT_F32, (a), (b), (c), err)

/* The converter inputs of a model without a config (mp_model_hints). */
static const struct mp_model_hints no_hints = {
	.first_dense = -1, .moe_freq = 1, .conv_bias = true
};

/* True when the HF tensor list has a tensor whose name contains s. */
static bool
hf_has(const struct mp_model *m, const char *s)
{
	size_t i;

	for (i = 0; i < m->n_tensors; i++)
		if ((m->tensors[i].flags & MP_TF_VISION) == 0 &&
		    strstr(m->tensors[i].name, s) != NULL)
			return true;
	return false;
}

/* ---------------------------------------------------------------------- */
/* Step 1: the converter's tensor list */

/*
 * Whether decoder layer i has routed experts: mp_model's layer table, or
 * for a model without one the config's rule.
 */
static bool
layer_moe(const struct mp_model *m, const struct mp_model_hints *h,
    uint32_t i)
{
	if (m->n_experts == 0)
		return false;
	if (m->layer != NULL)
		return m->layer[i].moe;
	if (h->have) {
		if (i < 1024 && h->mlp_only[i])
			return false;
		if (h->first_dense >= 0)	/* DeepSeek */
			return i >= (uint64_t)h->first_dense &&
			    i % (uint64_t)h->moe_freq == 0;
		/* Qwen-MoE: every decoder_sparse_step-th layer. */
		return (i + 1) % (uint64_t)h->moe_freq == 0;
	}
	return true;
}

static bool
add_head(const struct mp_model *m, const struct layout *lo,
    const struct mp_model_hints *h, struct tlist *tl,
    struct mp_error *err)
{
	uint64_t H = m->hidden, V = m->vocab;

	/* nemotron.py set_vocab pads the vocabulary to a multiple of 8. */
	if (lo->fam == FAM_NEMOH)
		V = (V + 7) / 8 * 8;
	if (!W(-1, "token_embd.weight", H, V, 1))
		return false;
	if (!lo->tied && !W(-1, "output.weight", H, V, 1))
		return false;
	if (lo->lm_bias && !F(-1, "output.bias", V, 1, 1))
		return false;
	if (!F(-1, "output_norm.weight", H, 1, 1))
		return false;
	if (lo->norm_bias && !F(-1, "output_norm.bias", H, 1, 1))
		return false;
	/* llama.py generate_extra_tensors: one factor per rotary pair. */
	if (lo->rope_freqs_ok && h->rope_llama3 &&
	    !F(-1, "rope_freqs.weight", m->head_dim / 2, 1, 1))
		return false;
	/* phi.py generate_extra_tensors: long and short longrope factors. */
	if (h->rope_factors > 0 &&
	    (!F(-1, "rope_factors_long.weight", h->rope_factors, 1, 1) ||
	    !F(-1, "rope_factors_short.weight", h->rope_factors, 1, 1)))
		return false;
	return true;
}

/* Routed experts stacked into one 3-D tensor per projection. */
static bool
add_experts(struct tlist *tl, int32_t l, uint64_t H, uint64_t mI,
    uint64_t E, struct mp_error *err)
{
	return F(l, "ffn_gate_inp.weight", H, E, 1) &&
	    W(l, "ffn_gate_exps.weight", H, mI, E) &&
	    W(l, "ffn_up_exps.weight", H, mI, E) &&
	    W(l, "ffn_down_exps.weight", mI, H, E);
}

static bool
add_dense_mlp(struct tlist *tl, int32_t l, uint64_t H, uint64_t I,
    bool bias, struct mp_error *err)
{
	if (!W(l, "ffn_gate.weight", H, I, 1) ||
	    !W(l, "ffn_up.weight", H, I, 1) ||
	    !W(l, "ffn_down.weight", I, H, 1))
		return false;
	if (bias && (!F(l, "ffn_gate.bias", I, 1, 1) ||
	    !F(l, "ffn_up.bias", I, 1, 1) || !F(l, "ffn_down.bias", H, 1, 1)))
		return false;
	return true;
}

static bool
build_llama(const struct mp_model *m, const struct layout *lo,
    const struct mp_model_hints *h, struct tlist *tl,
    struct mp_error *err)
{
	uint64_t H = m->hidden, nh = m->heads, nkv = m->kv_heads;
	uint64_t hd = m->head_dim, I = m->intermediate, E = m->n_experts;
	uint64_t mI = m->moe_intermediate ? m->moe_intermediate : I;
	uint32_t i;
	int32_t l;

	/* llama4.py: dense layers use intermediate_size_mlp. */
	if (lo->shexp && h->mlp_inter > 0)
		I = h->mlp_inter;
	for (i = 0; i < m->layers; i++) {
		l = (int32_t)i;
		/* OLMo2 normalizes after attention and MLP, not before. */
		if (!lo->olmo2 && (!F(l, "attn_norm.weight", H, 1, 1) ||
		    !F(l, "ffn_norm.weight", H, 1, 1)))
			return false;
		if (!W(l, "attn_q.weight", H, nh * hd, 1) ||
		    !W(l, "attn_k.weight", H, nkv * hd, 1) ||
		    !W(l, "attn_v.weight", H, nkv * hd, 1) ||
		    !W(l, "attn_output.weight", nh * hd, H, 1))
			return false;
		if (lo->norm_bias && (!F(l, "attn_norm.bias", H, 1, 1) ||
		    !F(l, "ffn_norm.bias", H, 1, 1)))
			return false;
		if (lo->qkv_bias && (!F(l, "attn_q.bias", nh * hd, 1, 1) ||
		    !F(l, "attn_k.bias", nkv * hd, 1, 1) ||
		    !F(l, "attn_v.bias", nkv * hd, 1, 1)))
			return false;
		if (lo->o_bias && !F(l, "attn_output.bias", H, 1, 1))
			return false;
		if (lo->qk_norm && (!F(l, "attn_q_norm.weight", hd, 1, 1) ||
		    !F(l, "attn_k_norm.weight", hd, 1, 1)))
			return false;
		if (lo->olmo2 && (!F(l, "attn_q_norm.weight", nh * hd, 1, 1) ||
		    !F(l, "attn_k_norm.weight", nkv * hd, 1, 1)))
			return false;
		if ((lo->gemma || lo->olmo2) &&
		    (!F(l, "post_attention_norm.weight", H, 1, 1) ||
		    !F(l, "post_ffw_norm.weight", H, 1, 1)))
			return false;
		if (layer_moe(m, h, i)) {
			if (!add_experts(tl, l, H, mI, E, err))
				return false;
			if (lo->shexp && (!W(l, "ffn_gate_shexp.weight", H, mI, 1) ||
			    !W(l, "ffn_up_shexp.weight", H, mI, 1) ||
			    !W(l, "ffn_down_shexp.weight", mI, H, 1)))
				return false;
		} else if (!add_dense_mlp(tl, l, H, I, lo->mlp_bias, err))
			return false;
	}
	return true;
}

static bool
build_phi3(const struct mp_model *m, struct tlist *tl, struct mp_error *err)
{
	uint64_t H = m->hidden, nh = m->heads, nkv = m->kv_heads;
	uint64_t hd = m->head_dim, I = m->intermediate;
	uint32_t i;
	int32_t l;

	/* Phi-3 keeps HF's fused qkv_proj and gate_up_proj (ffn_up 2*I). */
	for (i = 0; i < m->layers; i++) {
		l = (int32_t)i;
		if (!F(l, "attn_norm.weight", H, 1, 1) ||
		    !F(l, "ffn_norm.weight", H, 1, 1) ||
		    !W(l, "attn_qkv.weight", H, (nh + 2 * nkv) * hd, 1) ||
		    !W(l, "attn_output.weight", nh * hd, H, 1) ||
		    !W(l, "ffn_up.weight", H, 2 * I, 1) ||
		    !W(l, "ffn_down.weight", I, H, 1))
			return false;
	}
	return true;
}

/* GPT-2 and GPT-NeoX: LayerNorm with bias, fused qkv, up/down MLP. */
static bool
build_gpt(const struct mp_model *m, const struct mp_model_hints *h,
    bool gpt2, struct tlist *tl, struct mp_error *err)
{
	uint64_t H = m->hidden, I = m->intermediate;
	uint64_t npos = h->n_positions ? h->n_positions : m->max_pos;
	uint32_t i;
	int32_t l;

	if (I == 0)
		I = 4 * H;
	/* Learned positions: F32, never quantized (base.py POS_EMBD). */
	if (gpt2 && !F(-1, "position_embd.weight", H, npos, 1))
		return false;
	for (i = 0; i < m->layers; i++) {
		l = (int32_t)i;
		if (!F(l, "attn_norm.weight", H, 1, 1) ||
		    !F(l, "attn_norm.bias", H, 1, 1) ||
		    !F(l, "ffn_norm.weight", H, 1, 1) ||
		    !F(l, "ffn_norm.bias", H, 1, 1) ||
		    !W(l, "attn_qkv.weight", H, 3 * H, 1) ||
		    !F(l, "attn_qkv.bias", 3 * H, 1, 1) ||
		    !W(l, "attn_output.weight", H, H, 1) ||
		    !F(l, "attn_output.bias", H, 1, 1) ||
		    !W(l, "ffn_up.weight", H, I, 1) ||
		    !F(l, "ffn_up.bias", I, 1, 1) ||
		    !W(l, "ffn_down.weight", I, H, 1) ||
		    !F(l, "ffn_down.bias", H, 1, 1))
			return false;
	}
	return true;
}

static bool
build_ds2(const struct mp_model *m, const struct mp_model_hints *h,
    struct tlist *tl, struct mp_error *err)
{
	uint64_t H = m->hidden, nh = m->heads, I = m->intermediate;
	uint64_t E = m->n_experts, mI = m->moe_intermediate;
	uint64_t ql = m->q_lora_rank, kvl = m->kv_lora_rank;
	uint64_t dn = m->qk_nope_dim, dr = m->qk_rope_dim;
	uint64_t dv = m->v_head_dim ? m->v_head_dim : dn;
	uint64_t sI;
	uint32_t i;
	int32_t l;

	sI = m->shared_intermediate ? m->shared_intermediate :
	    mI * m->n_shared_experts;
	for (i = 0; i < m->layers; i++) {
		l = (int32_t)i;
		if (!F(l, "attn_norm.weight", H, 1, 1) ||
		    !F(l, "ffn_norm.weight", H, 1, 1))
			return false;
		if (ql > 0) {
			if (!W(l, "attn_q_a.weight", H, ql, 1) ||
			    !F(l, "attn_q_a_norm.weight", ql, 1, 1) ||
			    !W(l, "attn_q_b.weight", ql, nh * (dn + dr), 1))
				return false;
		} else if (!W(l, "attn_q.weight", H, nh * (dn + dr), 1))
			return false;
		/*
		 * deepseek.py splits kv_b_proj per head into k_b (transposed,
		 * rows of qk_nope) and v_b (rows of kv_lora_rank): 3-D.
		 */
		if (!W(l, "attn_kv_a_mqa.weight", H, kvl + dr, 1) ||
		    !F(l, "attn_kv_a_norm.weight", kvl, 1, 1) ||
		    !W(l, "attn_k_b.weight", dn, kvl, nh) ||
		    !W(l, "attn_v_b.weight", kvl, dv, nh) ||
		    !W(l, "attn_output.weight", nh * dv, H, 1))
			return false;
		if (!layer_moe(m, h, i)) {
			if (!add_dense_mlp(tl, l, H, I, false, err))
				return false;
			continue;
		}
		if (!add_experts(tl, l, H, mI, E, err))
			return false;
		if ((h->noaux_tc || hf_has(m, "e_score_correction")) &&
		    !F(l, "exp_probs_b.bias", E, 1, 1))
			return false;
		if (sI > 0 && (!W(l, "ffn_gate_shexp.weight", H, sI, 1) ||
		    !W(l, "ffn_up_shexp.weight", H, sI, 1) ||
		    !W(l, "ffn_down_shexp.weight", sI, H, 1)))
			return false;
	}
	return true;
}

/*
 * gpt_oss.py: the checkpoint's experts are already MXFP4 blocks and are
 * repacked as such (ggml MXFP4); gate_up_proj is split into gate and up;
 * every projection has a bias (the expert biases are 2-D F32), and each
 * layer has one attention sink per head.
 */
static bool
build_gptoss(const struct mp_model *m, struct tlist *tl, struct mp_error *err)
{
	uint64_t H = m->hidden, nh = m->heads, nkv = m->kv_heads;
	uint64_t hd = m->head_dim, E = m->n_experts;
	uint64_t I = m->moe_intermediate ? m->moe_intermediate : m->intermediate;
	uint32_t i;
	int32_t l;

	for (i = 0; i < m->layers; i++) {
		l = (int32_t)i;
		if (!F(l, "attn_norm.weight", H, 1, 1) ||
		    !F(l, "post_attention_norm.weight", H, 1, 1) ||
		    !W(l, "attn_q.weight", H, nh * hd, 1) ||
		    !F(l, "attn_q.bias", nh * hd, 1, 1) ||
		    !W(l, "attn_k.weight", H, nkv * hd, 1) ||
		    !F(l, "attn_k.bias", nkv * hd, 1, 1) ||
		    !W(l, "attn_v.weight", H, nkv * hd, 1) ||
		    !F(l, "attn_v.bias", nkv * hd, 1, 1) ||
		    !W(l, "attn_output.weight", nh * hd, H, 1) ||
		    !F(l, "attn_output.bias", H, 1, 1) ||
		    !F(l, "attn_sinks.weight", nh, 1, 1) ||
		    !F(l, "ffn_gate_inp.weight", H, E, 1) ||
		    !F(l, "ffn_gate_inp.bias", E, 1, 1) ||
		    !tl_add(tl, l, "ffn_gate_exps.weight", MP_DT_MXFP4, H, I, E,
		    err) ||
		    !tl_add(tl, l, "ffn_up_exps.weight", MP_DT_MXFP4, H, I, E,
		    err) ||
		    !tl_add(tl, l, "ffn_down_exps.weight", MP_DT_MXFP4, I, H, E,
		    err) ||
		    !F(l, "ffn_gate_exps.bias", I, E, 1) ||
		    !F(l, "ffn_up_exps.bias", I, E, 1) ||
		    !F(l, "ffn_down_exps.bias", H, E, 1))
			return false;
	}
	return true;
}

/*
 * nemotron.py (GraniteHybridModel, Mamba2Model): one norm per block and a
 * mixer that is Mamba2, attention, a squared-ReLU MLP or experts with a
 * shared expert.  Mamba2's A and D become {1, heads} (names without
 * ".weight", F32), its norm {d_inner / groups, groups}, the conv kernel
 * {d_conv, conv_dim} (F32, never quantized).  The vocabulary is padded to
 * a multiple of 8 (set_vocab).  The block kinds come from mp_model's
 * layer table (hybrid_override_pattern).
 */
static bool
build_nemoh(const struct mp_model *m, const struct mp_model_hints *h,
    struct tlist *tl, struct mp_error *err)
{
	uint64_t H = m->hidden, nh = m->heads, nkv = m->kv_heads;
	uint64_t hd = m->head_dim, E = m->n_experts, I = m->intermediate;
	uint64_t mI = m->moe_intermediate ? m->moe_intermediate : I;
	uint64_t sI = h->shexp_inter ? h->shexp_inter : m->shared_intermediate;
	uint64_t di = (uint64_t)m->ssm_heads * m->ssm_head_dim;
	uint64_t gs = 2ULL * m->ssm_groups * m->ssm_state;
	uint64_t g = m->ssm_groups ? m->ssm_groups : 1;
	const struct mp_layer *ly;
	uint32_t i;
	int32_t l;

	if (m->layer == NULL)
		return mp_error_set(err, MP_EINPUT, m->path,
		    "hybrid_override_pattern", "no layer pattern");
	for (i = 0; i < m->layers; i++) {
		l = (int32_t)i;
		ly = &m->layer[i];
		if (!F(l, "attn_norm.weight", H, 1, 1))
			return false;
		switch (ly->kind) {
		case MP_LK_MAMBA:
			if (!W(l, "ssm_in.weight", H, 2 * di + gs + m->ssm_heads,
			    1) ||
			    !F(l, "ssm_conv1d.weight", m->ssm_conv, di + gs, 1) ||
			    (h->conv_bias &&
			    !F(l, "ssm_conv1d.bias", di + gs, 1, 1)) ||
			    !F(l, "ssm_dt.bias", m->ssm_heads, 1, 1) ||
			    !F(l, "ssm_a", 1, m->ssm_heads, 1) ||
			    !F(l, "ssm_d", 1, m->ssm_heads, 1) ||
			    !F(l, "ssm_norm.weight", di / g, g, 1) ||
			    !W(l, "ssm_out.weight", di, H, 1))
				return false;
			if (h->proj_bias &&
			    (!F(l, "ssm_in.bias", 2 * di + gs + m->ssm_heads, 1,
			    1) || !F(l, "ssm_out.bias", H, 1, 1)))
				return false;
			break;
		case MP_LK_FULL:
		case MP_LK_SLIDING:
			if (!W(l, "attn_q.weight", H, nh * hd, 1) ||
			    !W(l, "attn_k.weight", H, nkv * hd, 1) ||
			    !W(l, "attn_v.weight", H, nkv * hd, 1) ||
			    !W(l, "attn_output.weight", nh * hd, H, 1))
				return false;
			break;
		default:
			if (!ly->moe) {
				if (!W(l, "ffn_up.weight", H, I, 1) ||
				    !W(l, "ffn_down.weight", I, H, 1))
					return false;
				break;
			}
			if (!F(l, "ffn_gate_inp.weight", H, E, 1) ||
			    !F(l, "exp_probs_b.bias", E, 1, 1) ||
			    !W(l, "ffn_up_exps.weight", H, mI, E) ||
			    !W(l, "ffn_down_exps.weight", mI, H, E))
				return false;
			if (sI > 0 && (!W(l, "ffn_up_shexp.weight", H, sI, 1) ||
			    !W(l, "ffn_down_shexp.weight", sI, H, 1)))
				return false;
			break;
		}
	}
	return true;
}

/* The layer of "blk.N.": what weight_name_comparer and layer_info parse. */
static int
name_layer(const char *name)
{
	int l = -1;

	if (sscanf(name, "blk.%d.", &l) != 1)
		return -1;
	return l;
}

/* llama-model-loader.h weight_name_comparer: by layer, then by name. */
static int
cmp_tensor(const void *a, const void *b)
{
	const struct mp_gguf_tensor *x = a, *y = b;

	if (x->layer != y->layer)
		return x->layer < y->layer ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* ---------------------------------------------------------------------- */
/* Step 2: llama-quantize's type per tensor */

struct qstate {
	enum qft	 ft;
	enum mp_dtype	 def;
	const char	*garch;
	uint32_t	 n_layer;	/* hparams.n_layer_all */
	uint32_t	 n_expert;
	uint32_t	 n_gqa;
	bool		 is_70b;	/* LLM_TYPE_70B */
	bool		 tied;		/* no output.weight */
	bool		 has_imatrix;
	/* The counters of quantize_state_impl, in loader order. */
	int		 n_attn_wv, i_attn_wv, i_ffn_down, i_ffn_gate, i_ffn_up;
};

static enum tcat
category(const char *n)
{
	if (strcmp(n, "output.weight") == 0)
		return TC_OUTPUT;
	if (strcmp(n, "token_embd.weight") == 0 ||
	    strcmp(n, "per_layer_token_embd.weight") == 0)
		return TC_TOKEN_EMBD;
	if (strstr(n, "attn_qkv.weight"))
		return TC_ATTN_QKV;
	if (strstr(n, "attn_kv_b.weight"))
		return TC_ATTN_KV_B;
	if (strstr(n, "attn_v.weight"))
		return TC_ATTN_V;
	if (strstr(n, "attn_k.weight"))
		return TC_ATTN_K;
	if (strstr(n, "attn_q.weight"))
		return TC_ATTN_Q;
	if (strstr(n, "attn_output.weight"))
		return TC_ATTN_OUTPUT;
	if (strstr(n, "ffn_up"))
		return TC_FFN_UP;
	if (strstr(n, "ffn_gate"))
		return TC_FFN_GATE;
	if (strstr(n, "ffn_down"))
		return TC_FFN_DOWN;
	return TC_OTHER;
}

static bool
is_attn_v(enum tcat c)
{
	return c == TC_ATTN_V || c == TC_ATTN_QKV || c == TC_ATTN_KV_B;
}

static bool
ends_with(const char *s, const char *suf)
{
	size_t a = strlen(s), b = strlen(suf);

	return a >= b && strcmp(s + a - b, suf) == 0;
}

/* tensor_allows_quantization(): the names that are never quantized. */
static bool
allows_quant(const struct mp_gguf_tensor *t)
{
	static const char *const never[] = {
		"_norm.weight", "ffn_gate_inp.weight", "altup", "laurel",
		"per_layer_model_proj", "ssm_conv1d", "shortconv.conv.weight",
		"time_mix_", "attn_rel_b.weight", ".position_embd",
		".patch_embd", ".rel_pos",
	};
	size_t i;

	if (n_dims(t) < 2 || !ends_with(t->name, "weight"))
		return false;
	for (i = 0; i < sizeof(never) / sizeof(never[0]); i++)
		if (strstr(t->name, never[i]) != NULL)
			return false;
	return strcmp(t->name, "position_embd.weight") != 0 &&
	    strcmp(t->name, "token_types.weight") != 0;
}

static bool
ft_in(enum qft ft, const enum qft *set, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (set[i] == ft)
			return true;
	return false;
}

#define FT_IN(ft, ...)	ft_in((ft), (const enum qft[]){ __VA_ARGS__ }, \
	sizeof((const enum qft[]){ __VA_ARGS__ }) / sizeof(enum qft))

/* use_more_bits(): the first and last eighth and every third between. */
static bool
more_bits(int i, int n)
{
	return i < n / 8 || i >= 7 * n / 8 || (i - n / 8) % 3 == 2;
}

/* llama_tensor_get_type_impl() for a quantized default type. */
static enum mp_dtype
pick_type(struct qstate *qs, const struct mp_gguf_tensor *t, enum tcat cat)
{
	enum qft ft = qs->ft;
	enum mp_dtype nt = qs->def;
	uint32_t blk = mp_dtype_info(nt)->block;
	int il, nl = (int)qs->n_layer;
	bool iq12 = FT_IN(ft, QF_IQ2_XXS, QF_IQ2_XS, QF_IQ1_S, QF_IQ2_S,
	    QF_IQ2_M, QF_IQ1_M);
	bool iq2sm = FT_IN(ft, QF_IQ2_S, QF_IQ2_M);

	if (cat == TC_OUTPUT || (qs->tied && cat == TC_TOKEN_EMBD)) {
		/* The output head (or the tied embedding) gets more bits. */
		if (ft == QF_MXFP4_MOE)
			nt = MP_DT_Q8_0;
		else if (strcmp(qs->garch, "falcon") == 0 || t->ne[0] % blk)
			nt = MP_DT_Q8_0;
		else if (FT_IN(ft, QF_IQ2_XXS, QF_IQ2_XS, QF_IQ3_XXS,
		    QF_IQ1_S, QF_IQ2_S, QF_IQ2_M, QF_IQ1_M))
			nt = MP_DT_Q5_K;
		else if (nt != MP_DT_Q8_0)
			nt = MP_DT_Q6_K;
		return nt;
	}
	if (ft == QF_MXFP4_MOE)		/* experts MXFP4, the rest Q8_0 */
		return t->ne[2] > 1 ? MP_DT_MXFP4 : MP_DT_Q8_0;
	if (cat == TC_TOKEN_EMBD) {
		if (FT_IN(ft, QF_IQ2_XXS, QF_IQ2_XS, QF_IQ1_S, QF_IQ1_M))
			nt = MP_DT_Q2_K;
		else if (FT_IN(ft, QF_IQ2_S, QF_IQ2_M, QF_IQ3_XXS))
			nt = MP_DT_IQ3_S;
		else if (FT_IN(ft, QF_TQ1_0, QF_TQ2_0))
			nt = MP_DT_Q4_K;
		return nt;
	}
	if (iq12) {
		if (is_attn_v(cat)) {
			if (qs->n_gqa >= 4 || qs->n_expert >= 4)
				nt = MP_DT_Q4_K;
			else
				nt = iq2sm ? MP_DT_IQ3_S : MP_DT_Q2_K;
			qs->i_attn_wv++;
		} else if (qs->n_expert == 8 && cat == TC_ATTN_K) {
			nt = MP_DT_Q4_K;
		} else if (cat == TC_FFN_DOWN) {
			if (qs->i_ffn_down < nl / 8)
				nt = iq2sm ? MP_DT_IQ3_S : MP_DT_Q2_K;
			qs->i_ffn_down++;
		} else if (cat == TC_ATTN_OUTPUT) {
			if (qs->n_expert == 8)
				nt = MP_DT_Q5_K;
			else if (FT_IN(ft, QF_IQ1_S, QF_IQ1_M))
				nt = MP_DT_IQ2_XXS;
			else if (iq2sm)
				nt = MP_DT_IQ3_S;
		}
		return nt;
	}
	if (is_attn_v(cat)) {
		if (ft == QF_Q2_K)
			nt = qs->n_gqa >= 4 ? MP_DT_Q4_K : MP_DT_Q3_K;
		else if (ft == QF_Q2_K_S && qs->n_gqa >= 4)
			nt = MP_DT_Q4_K;
		else if (ft == QF_IQ3_XXS)
			nt = qs->n_gqa >= 4 ? MP_DT_Q4_K :
			    !qs->has_imatrix ? MP_DT_IQ3_S : MP_DT_IQ3_XXS;
		else if (FT_IN(ft, QF_IQ3_XS, QF_IQ3_S) && qs->n_gqa >= 4)
			nt = MP_DT_Q4_K;
		else if (ft == QF_IQ3_M)
			nt = MP_DT_Q4_K;
		else if (ft == QF_Q3_K_M)
			nt = qs->i_attn_wv < 2 ? MP_DT_Q5_K : MP_DT_Q4_K;
		else if (ft == QF_Q3_K_L)
			nt = MP_DT_Q5_K;
		else if (FT_IN(ft, QF_IQ4_NL, QF_IQ4_XS) && qs->n_gqa >= 4)
			nt = MP_DT_Q5_K;
		else if (FT_IN(ft, QF_Q4_K_M, QF_Q5_K_M) &&
		    more_bits(qs->i_attn_wv, qs->n_attn_wv))
			nt = MP_DT_Q6_K;
		else if (ft == QF_Q4_K_S && qs->i_attn_wv < 4)
			nt = MP_DT_Q5_K;
		/* 70B: attn_v is 8x smaller than attn_q, so it gets Q5_K. */
		if (qs->is_70b && (nt == MP_DT_Q3_K || nt == MP_DT_Q4_K))
			nt = MP_DT_Q5_K;
		if (qs->n_expert == 8)
			nt = MP_DT_Q8_0;
		qs->i_attn_wv++;
		return nt;
	}
	if (cat == TC_ATTN_K) {
		if (qs->n_expert == 8)
			nt = MP_DT_Q8_0;
		else if (ft == QF_IQ3_XS)
			nt = MP_DT_IQ3_XXS;
		else if (ft == QF_IQ3_XXS)
			nt = MP_DT_IQ2_S;
		return nt;
	}
	if (cat == TC_ATTN_Q) {
		if (ft == QF_IQ3_XS)
			nt = MP_DT_IQ3_XXS;
		else if (ft == QF_IQ3_XXS)
			nt = MP_DT_IQ2_S;
		return nt;
	}
	if (cat == TC_FFN_DOWN) {
		bool falcon = strcmp(qs->garch, "falcon") == 0;

		/*
		 * With experts the layer comes from the name (expert
		 * tensors are not one per layer); else from the counter.
		 */
		il = qs->n_expert > 1 ? name_layer(t->name) : qs->i_ffn_down;
		if (ft == QF_Q2_K)
			nt = MP_DT_Q3_K;
		else if (ft == QF_Q2_K_S) {
			if (il < nl / 8)
				nt = MP_DT_Q4_K;
		} else if (ft == QF_IQ3_XXS && !qs->has_imatrix)
			nt = il < nl / 8 ? MP_DT_Q4_K : MP_DT_Q3_K;
		else if (ft == QF_Q3_K_M)
			nt = il < nl / 16 ? MP_DT_Q5_K :
			    !falcon || more_bits(il, nl) ? MP_DT_Q4_K : MP_DT_Q3_K;
		else if (ft == QF_IQ3_M && (il < nl / 8 ||
		    (qs->n_expert == 8 && more_bits(il, nl))))
			nt = MP_DT_Q4_K;
		else if (ft == QF_Q3_K_L)
			nt = falcon ? MP_DT_Q4_K : MP_DT_Q5_K;
		else if (ft == QF_Q4_K_M) {
			if (falcon)
				nt = il < nl / 16 ? MP_DT_Q6_K :
				    more_bits(il, nl) ? MP_DT_Q5_K : MP_DT_Q4_K;
			else if (more_bits(il, nl))
				nt = MP_DT_Q6_K;
		} else if (il < nl / 8 && FT_IN(ft, QF_IQ4_NL, QF_IQ4_XS) &&
		    !qs->has_imatrix)
			nt = MP_DT_Q5_K;
		else if (ft == QF_Q5_K_M && more_bits(il, nl))
			nt = MP_DT_Q6_K;
		else if (ft == QF_Q4_K_S && !falcon && il < nl / 8)
			nt = MP_DT_Q5_K;
		else if (FT_IN(ft, QF_Q4_0, QF_Q5_0) && qs->has_imatrix &&
		    il < nl / 8)
			nt = ft == QF_Q4_0 ? MP_DT_Q4_1 : MP_DT_Q5_1;
		qs->i_ffn_down++;
		return nt;
	}
	if (cat == TC_ATTN_OUTPUT) {
		if (strcmp(qs->garch, "falcon") == 0) {
			if (ft == QF_Q3_K_L)
				nt = MP_DT_Q4_K;
		} else if (qs->n_expert == 8) {
			if (FT_IN(ft, QF_Q2_K, QF_IQ3_XS, QF_IQ3_XXS, QF_Q3_K_S,
			    QF_Q3_K_M, QF_IQ4_NL, QF_Q4_K_S, QF_Q4_K_M,
			    QF_IQ3_S, QF_IQ3_M, QF_IQ4_XS))
				nt = MP_DT_Q5_K;
		} else if (ft == QF_Q2_K)
			nt = MP_DT_Q3_K;
		else if (ft == QF_IQ3_XXS)
			nt = MP_DT_IQ3_S;
		else if (ft == QF_Q3_K_M)
			nt = MP_DT_Q4_K;
		else if (ft == QF_Q3_K_L)
			nt = MP_DT_Q5_K;
		else if (ft == QF_IQ3_M)
			nt = MP_DT_Q4_K;
		return nt;
	}
	/*
	 * FFN_GATE/FFN_UP only change for IQ3_XS in the middle layers.
	 * (The ATTENTION_QKV branch of llama.cpp is never reached: attn_qkv
	 * is attn_v-like above.)
	 */
	if (cat == TC_FFN_GATE || cat == TC_FFN_UP) {
		int *ctr = cat == TC_FFN_GATE ? &qs->i_ffn_gate : &qs->i_ffn_up;

		il = qs->n_expert > 1 ? name_layer(t->name) : *ctr;
		if (ft == QF_IQ3_XS && il >= nl / 8 && il < 7 * nl / 8)
			nt = MP_DT_IQ3_XXS;
		(*ctr)++;
	}
	return nt;
}

/* tensor_type_fallback(): a row length the type's block does not divide. */
static enum mp_dtype
fallback(enum mp_dtype nt, uint64_t ne0)
{
	if (ne0 % mp_dtype_info(nt)->block == 0)
		return nt;
	switch (nt) {
	case MP_DT_IQ1_S:
	case MP_DT_IQ1_M:
	case MP_DT_IQ2_XXS:
	case MP_DT_IQ2_XS:
	case MP_DT_IQ2_S:
	case MP_DT_IQ3_XXS:
	case MP_DT_IQ3_S:
	case MP_DT_IQ4_XS:
		nt = MP_DT_IQ4_NL;
		break;
	case MP_DT_Q2_K:
	case MP_DT_Q3_K:
	case MP_DT_TQ1_0:
	case MP_DT_TQ2_0:
		nt = MP_DT_Q4_0;
		break;
	case MP_DT_Q4_K:
		nt = MP_DT_Q5_0;
		break;
	case MP_DT_Q5_K:
		nt = MP_DT_Q5_1;
		break;
	case MP_DT_Q6_K:
		nt = MP_DT_Q8_0;
		break;
	default:
		/*
		 * llama.cpp throws for the legacy types (no fallback); the
		 * nearest type that a converter could still write is F16.
		 */
		return MP_DT_F16;
	}
	/* Still not a whole number of blocks: llama.cpp uses F16. */
	if (ne0 % mp_dtype_info(nt)->block != 0)
		nt = MP_DT_F16;
	return nt;
}

/* LLM_TYPE_70B, the only model type llama-quantize looks at. */
static bool
is_70b(const char *garch, const struct mp_model *m)
{
	/* models/llama.cpp: 80 layers, GQA, not an 8-expert model. */
	if (strcmp(garch, "llama") == 0)
		return m->n_experts != 8 && m->layers == 80 &&
		    m->heads != m->kv_heads;
	/* models/qwen2.cpp, deci.cpp, olmo.cpp: 80 layers. */
	if (strcmp(garch, "qwen2") == 0 || strcmp(garch, "deci") == 0 ||
	    strcmp(garch, "olmo") == 0)
		return m->layers == 80;
	return false;
}

/* The archs[] row of m, or the row count when none matches. */
static size_t
arch_row(const struct mp_model *m)
{
	size_t i;

	for (i = 0; i < sizeof(archs) / sizeof(archs[0]); i++)
		if (m->arch[0] != '\0' ? strcmp(m->arch, archs[i].hf) == 0 :
		    archs[i].mt != NULL &&
		    strcmp(m->model_type, archs[i].mt) == 0)
			break;
	return i;
}

const char *
mp_gguf_arch(const struct mp_model *m)
{
	size_t i = arch_row(m);

	if (i == sizeof(archs) / sizeof(archs[0]))
		return NULL;
	if (archs[i].fam == FAM_NEMOH && m->n_experts > 0)
		return "nemotron_h_moe";
	return archs[i].garch;
}

static bool
layout_for(const struct mp_model *m, const struct mp_model_hints *h,
    struct layout *lo, struct mp_error *err)
{
	size_t i;

	memset(lo, 0, sizeof(*lo));
	i = arch_row(m);
	if (i == sizeof(archs) / sizeof(archs[0]))
		return mp_error_set(err, MP_EINPUT, m->path, "architectures",
		    "no GGUF tensor layout for %.48s (known: Llama, Mistral, "
		    "Mixtral, Granite, Qwen2/3, Qwen3-MoE/VL, Phi-3, PhiMoE, "
		    "Gemma 2/3, GPT-2, GPT-NeoX, DeepSeek-V2/V3, gpt-oss, "
		    "Llama 4, Nemotron-H, OLMo 2)",
		    m->arch[0] ? m->arch : "this model");
	lo->garch = mp_gguf_arch(m);
	lo->fam = archs[i].fam;
	lo->tied = m->tied;
	/* LlamaModel and its subclasses (Granite, Llama 4) add rope_freqs. */
	lo->rope_freqs_ok = strcmp(lo->garch, "llama") == 0 ||
	    strcmp(lo->garch, "granite") == 0 ||
	    strcmp(lo->garch, "llama4") == 0;
	lo->shexp = strcmp(lo->garch, "llama4") == 0;
	lo->olmo2 = strcmp(lo->garch, "olmo2") == 0;
	/* Qwen2 always has q/k/v biases; others follow attention_bias. */
	lo->qkv_bias = strcmp(lo->garch, "qwen2") == 0 || h->attention_bias ||
	    hf_has(m, "q_proj.bias");
	lo->o_bias = (strcmp(lo->garch, "qwen2") != 0 && h->attention_bias) ||
	    hf_has(m, "o_proj.bias");
	lo->mlp_bias = h->mlp_bias || hf_has(m, "down_proj.bias");
	lo->qk_norm = strncmp(lo->garch, "qwen3", 5) == 0 ||
	    strcmp(lo->garch, "gemma3") == 0;
	/* LayerNorm (with bias) models: the output norm has one too. */
	lo->norm_bias = strcmp(lo->garch, "phimoe") == 0 ||
	    lo->fam == FAM_GPT2 || lo->fam == FAM_NEOX;
	lo->lm_bias = strcmp(lo->garch, "phimoe") == 0 &&
	    (h->lm_head_bias || hf_has(m, "lm_head.bias"));
	/* Gemma ties its head (gemma.py drops any lm_head.weight). */
	lo->gemma = strncmp(lo->garch, "gemma", 5) == 0;
	if (lo->gemma)
		lo->tied = true;
	return true;
}

/* Sanity limits on the sizes that shape the tensors. */
static bool
check_model(const struct mp_model *m, const struct layout *lo,
    struct mp_error *err)
{
	if (m->layers == 0 || m->layers > 4096 || m->hidden == 0 ||
	    m->vocab == 0 || m->heads == 0)
		return mp_error_set(err, MP_EINPUT, m->path, NULL,
		    "model sizes are incomplete for a GGUF layout "
		    "(layers, hidden, heads, vocab)");
	if (lo->fam == FAM_LLAMA || lo->fam == FAM_PHI3 ||
	    lo->fam == FAM_GPTOSS) {
		if (m->kv_heads == 0 || m->head_dim == 0 ||
		    (m->intermediate == 0 && m->n_experts == 0))
			return mp_error_set(err, MP_EINPUT, m->path, NULL,
			    "model sizes are incomplete for a GGUF layout "
			    "(kv_heads, head_dim, intermediate)");
	}
	if (lo->fam == FAM_DS2 && (m->kv_lora_rank == 0 ||
	    m->qk_nope_dim == 0 || m->qk_rope_dim == 0))
		return mp_error_set(err, MP_EINPUT, m->path, NULL,
		    "model sizes are incomplete for MLA (kv_lora_rank, "
		    "qk_nope_head_dim, qk_rope_head_dim)");
	if (m->n_experts > 0 && m->moe_intermediate == 0 &&
	    m->intermediate == 0)
		return mp_error_set(err, MP_EINPUT, m->path, NULL,
		    "model has experts but no expert width");
	return true;
}

/* A malloc'd copy of a memoised list; false when there is none. */
static bool
cache_get(const struct mp_model *m, const char *ftype,
    struct mp_gguf_tensor **out, size_t *n)
{
	struct mp_cache_gguf	*c;
	size_t			 i;

	if (m->cache == NULL || strlen(ftype) >= sizeof(c->ftype))
		return false;
	for (i = 0; i < MP_CACHE_SLOTS; i++) {
		c = &m->cache->gguf[i];
		if (c->t == NULL || strcmp(c->ftype, ftype) != 0)
			continue;
		if ((*out = malloc(c->n * sizeof(**out) + 1)) == NULL)
			return false;
		memcpy(*out, c->t, c->n * sizeof(**out));
		*n = c->n;
		return true;
	}
	return false;
}

static void
cache_put(const struct mp_model *m, const char *ftype,
    const struct mp_gguf_tensor *t, size_t n)
{
	struct mp_cache_gguf	*c;
	struct mp_gguf_tensor	*copy;

	if (m->cache == NULL || strlen(ftype) >= sizeof(c->ftype) ||
	    (copy = malloc(n * sizeof(*copy) + 1)) == NULL)
		return;
	memcpy(copy, t, n * sizeof(*copy));
	c = &m->cache->gguf[m->cache->next];
	m->cache->next = (m->cache->next + 1) % MP_CACHE_SLOTS;
	free(c->t);
	c->t = copy;
	c->n = n;
	snprintf(c->ftype, sizeof(c->ftype), "%s", ftype);
}

bool
mp_gguf_tensors(const struct mp_model *m, const char *ftype,
    struct mp_gguf_tensor **out, size_t *n, struct mp_error *err)
{
	const struct mp_model_hints *h;
	struct layout		 lo;
	struct tlist		 tl = { NULL, 0, 0 };
	struct qstate		 qs;
	struct mp_gguf_tensor	*t;
	enum tcat		 cat;
	size_t			 i, f;
	bool			 ok = false;

	/*
	 * A model read from a .gguf file already has its tensors with the
	 * types llama-quantize gave them: price the file as it is.
	 */
	if (m->source == MP_SRC_GGUF)
		return mp_model_gguf_tensors(m, out, n, err);
	/* plan and fit ask for the same list many times: memoised. */
	if (cache_get(m, ftype, out, n))
		return true;
	*out = NULL;
	*n = 0;
	for (f = 0; f < NFTYPES; f++)
		if (ftype != NULL && strcmp(ftype, ftypes[f].name) == 0)
			break;
	if (f == NFTYPES)
		return mp_error_set(err, MP_EUSAGE, NULL, "--weights",
		    "unknown GGUF type \"%.24s\" (known: f32, f16, bf16, "
		    "q8_0, q6_k, q5_k_m/s, q5_0/1, q4_k_m/s, q4_0/1, "
		    "iq4_xs/nl, q3_k_l/m/s, iq3_m/s/xs/xxs, q2_k(_s), "
		    "iq2_m/s/xs/xxs, iq1_m/s, tq1_0, tq2_0, mxfp4_moe)",
		    ftype ? ftype : "");
	/* A model that no config.json described (a .gguf) has none. */
	h = m->hints.have ? &m->hints : &no_hints;
	if (!layout_for(m, h, &lo, err) || !check_model(m, &lo, err))
		goto out;

	if (!add_head(m, &lo, h, &tl, err))
		goto out;
	switch (lo.fam) {
	case FAM_LLAMA:
		ok = build_llama(m, &lo, h, &tl, err);
		break;
	case FAM_PHI3:
		ok = build_phi3(m, &tl, err);
		break;
	case FAM_GPT2:
	case FAM_NEOX:
		ok = build_gpt(m, h, lo.fam == FAM_GPT2, &tl, err);
		break;
	case FAM_DS2:
		ok = build_ds2(m, h, &tl, err);
		break;
	case FAM_GPTOSS:
		ok = build_gptoss(m, &tl, err);
		break;
	case FAM_NEMOH:
		ok = build_nemoh(m, h, &tl, err);
		break;
	}
	if (!ok)
		goto out;
	ok = false;
	qsort(tl.v, tl.n, sizeof(tl.v[0]), cmp_tensor);

	memset(&qs, 0, sizeof(qs));
	qs.ft = ftypes[f].ft;
	qs.def = ftypes[f].def;
	qs.garch = lo.garch;
	qs.n_layer = m->layers;
	qs.n_expert = m->n_experts;
	/*
	 * n_gqa() = n_head / n_head_kv of the GGUF: GPT-2 and NeoX have no
	 * GQA, and deepseek.py writes head_count_kv = 1 for MLA.
	 */
	if (lo.fam == FAM_DS2)
		qs.n_gqa = m->heads;
	else if (lo.fam == FAM_NEMOH)
		/* Per-layer head counts: 0 KV heads (n_gqa 0) off attention. */
		qs.n_gqa = m->layer != NULL && m->layer[0].kind == MP_LK_FULL &&
		    m->kv_heads ? m->heads / m->kv_heads : 0;
	else if (lo.fam == FAM_GPT2 || lo.fam == FAM_NEOX || m->kv_heads == 0)
		qs.n_gqa = 1;
	else
		qs.n_gqa = m->heads / m->kv_heads;
	qs.is_70b = is_70b(lo.garch, m);
	/*
	 * A real run of these mixtures needs an importance matrix
	 * (tensor_requires_imatrix), so the file that exists was made
	 * with one; every other mixture is priced without.
	 */
	qs.has_imatrix = FT_IN(qs.ft, QF_IQ1_S, QF_IQ1_M, QF_IQ2_XXS,
	    QF_IQ2_XS, QF_IQ2_S, QF_IQ2_M, QF_IQ3_XXS, QF_IQ3_XS, QF_Q2_K_S);
	qs.tied = true;
	for (i = 0; i < tl.n; i++) {
		cat = category(tl.v[i].name);
		if (is_attn_v(cat))
			qs.n_attn_wv++;
		if (cat == TC_OUTPUT)
			qs.tied = false;
	}

	for (i = 0; i < tl.n; i++) {
		t = &tl.v[i];
		if (!allows_quant(t))
			continue;	/* stays as the converter wrote it */
		/*
		 * A tensor the converter already wrote as a block type (the
		 * MXFP4 experts of gpt-oss) is kept: llama-quantize refuses to
		 * requantize without --allow-requantize, and published files
		 * keep those blocks.
		 */
		if (!mp_dtype_info(t->type)->is_float)
			continue;
		if (mp_dtype_info(qs.def)->is_float) {
			t->type = qs.def;	/* F32/F16/BF16: no mixture */
		} else {
			cat = category(t->name);
			t->type = fallback(pick_type(&qs, t, cat), t->ne[0]);
		}
		if (!tensor_bytes(t->type, t->ne, &t->bytes)) {
			mp_error_set(err, MP_ERANGE, NULL, t->name,
			    "tensor size overflows 64-bit arithmetic");
			goto out;
		}
	}
	*out = tl.v;
	*n = tl.n;
	tl.v = NULL;
	cache_put(m, ftype, *out, *n);
	ok = true;
out:
	free(tl.v);
	return ok;
}
