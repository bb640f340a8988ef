/* hf_tensors.c: the tensors of transformers' building blocks (Linear,
 * norms, rotary buffers, attention, MLPs, experts), named by module path */
/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "hf.h"

/* A tensor named by fmt: names follow transformers' module paths. */
bool
hf_add(struct cfg *c, int32_t layer, enum mp_tkind k, unsigned fl, uint8_t nd,
    uint64_t d0, uint64_t d1, uint64_t d2, const char *fmt, ...)
{
	char	name[128];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(name, sizeof(name), fmt, ap);
	va_end(ap);
	return mp_model_add(c->m, name, layer, k, fl, nd, d0, d1, d2, c->err);
}

/* An nn.Linear(in, out): weight {out, in} and an optional bias {out}. */
bool
hf_linear(struct cfg *c, int32_t l, enum mp_tkind k, uint64_t out, uint64_t in,
    bool bias, unsigned extra, const char *name)
{
	if (!hf_add(c, l, k, MP_TF_LINEAR | extra, 2, out, in, 0, "%s.weight",
	    name))
		return false;
	if (bias && !hf_add(c, l, MP_TK_BIAS, extra, 1, out, 0, 0, "%s.bias",
	    name))
		return false;
	return true;
}

bool
hf_norm(struct cfg *c, int32_t l, uint64_t dim, bool bias, unsigned extra,
    const char *name)
{
	if (!hf_add(c, l, MP_TK_NORM, extra, 1, dim, 0, 0, "%s.weight", name))
		return false;
	if (bias && !hf_add(c, l, MP_TK_NORM, extra, 1, dim, 0, 0, "%s.bias",
	    name))
		return false;
	return true;
}

/* Rotary inv_freq and original_inv_freq: two fp32 buffers per module. */
bool
hf_rotary_buffers(struct cfg *c, uint32_t rotary_dim, unsigned modules)
{
	unsigned i;

	for (i = 0; i < modules; i++)
		if (!hf_add(c, -1, MP_TK_BUFFER, MP_TF_BUFFER | MP_TF_F32, 1,
		    rotary_dim / 2 * 2, 0, 0, "rotary_emb.%u.inv_freq", i))
			return false;
	return true;
}

/* Attention projections of the llama family and its relatives. */
bool
hf_attention(struct cfg *c, const struct archdef *a, int32_t l, bool bias,
    bool obias)
{
	struct mp_model	*m = c->m;
	uint64_t	 q = (uint64_t)m->heads * m->head_dim;
	uint64_t	 kv = (uint64_t)m->kv_heads * m->head_dim;
	char		 p[64];

	snprintf(p, sizeof(p), "model.layers.%d.self_attn", (int)l);
	if (a->fam == FAM_PHI3) {
		char n[80];

		snprintf(n, sizeof(n), "%s.qkv_proj", p);
		if (!hf_linear(c, l, MP_TK_ATTN_QKV, q + 2 * kv, m->hidden,
		    bias, 0, n))
			return false;
	} else {
		char n[80];

		snprintf(n, sizeof(n), "%s.q_proj", p);
		if (!hf_linear(c, l, MP_TK_ATTN_Q, q, m->hidden, bias, 0, n))
			return false;
		snprintf(n, sizeof(n), "%s.k_proj", p);
		if (!hf_linear(c, l, MP_TK_ATTN_K, kv, m->hidden, bias, 0, n))
			return false;
		snprintf(n, sizeof(n), "%s.v_proj", p);
		if (!hf_linear(c, l, MP_TK_ATTN_V, kv, m->hidden, bias, 0, n))
			return false;
	}
	{
		char n[80];

		snprintf(n, sizeof(n), "%s.o_proj", p);
		if (!hf_linear(c, l, MP_TK_ATTN_O, m->hidden, q, obias, 0, n))
			return false;
	}
	if (a->qk_norm) {
		/* OLMo 2 normalises the whole q and k projections; Qwen3 and
		 * Gemma 3 one head at a time. */
		bool whole = strcmp(a->model_type, "olmo2") == 0;

		if (!hf_add(c, l, MP_TK_NORM, 0, 1, whole ? q : m->head_dim, 0,
		    0, "%s.q_norm.weight", p) ||
		    !hf_add(c, l, MP_TK_NORM, 0, 1, whole ? kv : m->head_dim, 0,
		    0, "%s.k_norm.weight", p))
			return false;
	}
	if (a->fam == FAM_GPTOSS && !hf_add(c, l, MP_TK_ATTN_SINKS, 0, 1,
	    m->heads, 0, 0, "%s.sinks", p))
		return false;
	return true;
}

/* A gated MLP (gate/up/down) as separate Linears, or phi3's fused one. */
bool
hf_dense_mlp(struct cfg *c, int32_t l, const char *p, uint64_t inter, bool bias,
    bool fused, enum mp_tkind kg, enum mp_tkind ku, enum mp_tkind kd)
{
	struct mp_model	*m = c->m;
	char		 n[160];

	if (fused) {
		snprintf(n, sizeof(n), "%s.gate_up_proj", p);
		if (!hf_linear(c, l, MP_TK_FFN_GATE_UP, 2 * inter, m->hidden,
		    bias, 0, n))
			return false;
	} else {
		snprintf(n, sizeof(n), "%s.gate_proj", p);
		if (!hf_linear(c, l, kg, inter, m->hidden, bias, 0, n))
			return false;
		snprintf(n, sizeof(n), "%s.up_proj", p);
		if (!hf_linear(c, l, ku, inter, m->hidden, bias, 0, n))
			return false;
	}
	snprintf(n, sizeof(n), "%s.down_proj", p);
	return hf_linear(c, l, kd, m->hidden, inter, bias, 0, n);
}

/*
 * Routed experts as transformers 5 stores them: one 3-D parameter per
 * projection, {experts, out, in}, not one nn.Linear per expert.
 */
bool
hf_experts(struct cfg *c, int32_t l, const char *p, uint64_t inter,
    bool fused_gate_up, bool bias)
{
	struct mp_model	*m = c->m;
	uint64_t	 e = m->n_experts;

	if (fused_gate_up) {
		if (!hf_add(c, l, MP_TK_EXP_GATE_UP, MP_TF_EXPERTS, 3, e,
		    2 * inter, m->hidden, "%s.experts.gate_up_proj", p))
			return false;
		if (bias && !hf_add(c, l, MP_TK_BIAS, 0, 2, e, 2 * inter, 0,
		    "%s.experts.gate_up_proj_bias", p))
			return false;
	} else {
		if (!hf_add(c, l, MP_TK_EXP_GATE, MP_TF_EXPERTS, 3, e, inter,
		    m->hidden, "%s.experts.gate_proj", p) ||
		    !hf_add(c, l, MP_TK_EXP_UP, MP_TF_EXPERTS, 3, e, inter,
		    m->hidden, "%s.experts.up_proj", p))
			return false;
	}
	if (!hf_add(c, l, MP_TK_EXP_DOWN, MP_TF_EXPERTS, 3, e, m->hidden, inter,
	    "%s.experts.down_proj", p))
		return false;
	if (bias && !hf_add(c, l, MP_TK_BIAS, 0, 2, e, m->hidden, 0,
	    "%s.experts.down_proj_bias", p))
		return false;
	return true;
}

bool
hf_router(struct cfg *c, int32_t l, const char *p, bool bias)
{
	char n[160];

	snprintf(n, sizeof(n), "%s.gate", p);
	return hf_linear(c, l, MP_TK_ROUTER, c->m->n_experts, c->m->hidden,
	    bias, 0, n);
}

/* Is layer l's MLP sparse?  Qwen-MoE: decoder_sparse_step, mlp_only. */
bool
hf_sparse_layer(struct cfg *c, uint32_t l, uint32_t step, uint32_t first_dense)
{
	const cJSON *only = hf_item(c->text, "mlp_only_layers"), *it;

	if (l < first_dense)
		return false;
	if (cJSON_IsArray(only))
		cJSON_ArrayForEach(it, only)
			if (cJSON_IsNumber(it) && it->valuedouble == (double)l)
				return false;
	return step <= 1 || (l + 1) % step == 0;
}

/*
 * The pieces every model.* decoder (LlamaModel and the models written
 * after it) has: the token embedding, a layer's attention between its
 * input and post-attention norms, and the final norm, the head (unless
 * tied: transformers then shares the embedding's tensor) and the rotary
 * embeddings' buffers.
 */
bool
hf_embed_tokens(struct cfg *c)
{
	return hf_add(c, -1, MP_TK_EMBED, 0, 2, c->m->vocab, c->m->hidden, 0,
	    "model.embed_tokens.weight");
}

bool
hf_attn_block(struct cfg *c, const struct archdef *a, uint32_t l,
    bool ln_bias, bool bias, bool obias, const char *mlp, char *n,
    size_t len)
{
	int32_t	 li = (int32_t)l;
	char	 nn[128];

	snprintf(nn, sizeof(nn), "model.layers.%u.input_layernorm", l);
	if (!hf_norm(c, li, c->m->hidden, ln_bias, 0, nn) ||
	    !hf_attention(c, a, li, bias, obias))
		return false;
	snprintf(nn, sizeof(nn), "model.layers.%u.post_attention_layernorm",
	    l);
	snprintf(n, len, "model.layers.%u.%s", l, mlp);
	return hf_norm(c, li, c->m->hidden, ln_bias, 0, nn);
}

bool
hf_decoder_end(struct cfg *c, bool ln_bias, bool head_bias,
    uint32_t rotary_dim, unsigned rotary_modules)
{
	struct mp_model *m = c->m;

	if (!hf_norm(c, -1, m->hidden, ln_bias, 0, "model.norm"))
		return false;
	if (!m->tied && !hf_linear(c, -1, MP_TK_OUTPUT, m->vocab, m->hidden,
	    head_bias, 0, "lm_head"))
		return false;
	return hf_rotary_buffers(c, rotary_dim, rotary_modules);
}
