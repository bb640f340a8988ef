/* arch_llama.c: the llama family (llama, mistral, qwen2/3, mixtral, phi3,
 * olmo2, granite, ...) and Gemma 2/3 as the tensors transformers builds */
/* SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "hf.h"

/* The llama family: llama, mistral, qwen2/3(-MoE), mixtral, phi3, ... */
bool
hf_build_llama(struct cfg *c, const struct archdef *a)
{
	struct mp_model	*m = c->m;
	bool		 attn_bias, mlp_bias, lm_bias = false, ln_bias;
	uint32_t	 l, step = 1;
	char		 mp[100];

	if (!hf_tbool(c, "attention_bias", false, &attn_bias) ||
	    !hf_tbool(c, "mlp_bias", false, &mlp_bias))
		return false;
	if (strcmp(a->model_type, "phimoe") == 0 &&
	    !hf_tbool(c, "lm_head_bias", false, &lm_bias))
		return false;
	/* PhiMoE uses LayerNorm (weight and bias) where others use RMSNorm. */
	ln_bias = strcmp(a->model_type, "phimoe") == 0;
	if (a->moe && !hf_tint(c, "decoder_sparse_step", false, 1, 1,
	    MAX_LAYERS, &step))
		return false;
	if (!hf_embed_tokens(c))
		return false;
	for (l = 0; l < m->layers; l++) {
		bool sparse = a->moe && hf_sparse_layer(c, l, step, 0);

		if (!hf_attn_block(c, a, l, ln_bias, attn_bias || a->qkv_bias,
		    attn_bias, "mlp", mp, sizeof(mp)))
			return false;
		if (sparse) {
			m->layer[l].moe = true;
			if (!hf_router(c, (int32_t)l, mp, false) ||
			    !hf_experts(c, (int32_t)l, mp, m->moe_intermediate,
			    false, false))
				return false;
			if (m->n_shared_experts > 0) {
				char sp[160];

				snprintf(sp, sizeof(sp), "%s.shared_expert", mp);
				if (!hf_dense_mlp(c, (int32_t)l, sp,
				    m->shared_intermediate, false, false,
				    MP_TK_SHEXP_GATE, MP_TK_SHEXP_UP,
				    MP_TK_SHEXP_DOWN))
					return false;
				snprintf(sp, sizeof(sp), "%s.shared_expert_gate",
				    mp);
				if (!hf_linear(c, (int32_t)l,
				    MP_TK_SHEXP_ROUTER, 1, m->hidden, false, 0,
				    sp))
					return false;
			}
		} else if (!hf_dense_mlp(c, (int32_t)l, mp, m->intermediate,
		    mlp_bias, a->fam == FAM_PHI3, MP_TK_FFN_GATE, MP_TK_FFN_UP,
		    MP_TK_FFN_DOWN))
			return false;
	}
	return hf_decoder_end(c, ln_bias, lm_bias, m->rotary_dim, 1);
}

/* Gemma 2/3 text: sandwich norms, GeGLU MLP, tied head. */
bool
hf_build_gemma(struct cfg *c, const struct archdef *a)
{
	struct mp_model	*m = c->m;
	uint32_t	 l;
	char		 p[64], n[128];
	static const char *norms[] = { "input_layernorm",
	    "post_attention_layernorm", "pre_feedforward_layernorm",
	    "post_feedforward_layernorm" };
	size_t		 i;

	if (!hf_embed_tokens(c))
		return false;
	for (l = 0; l < m->layers; l++) {
		snprintf(p, sizeof(p), "model.layers.%u", l);
		for (i = 0; i < 4; i++) {
			snprintf(n, sizeof(n), "%s.%s", p, norms[i]);
			if (!hf_norm(c, (int32_t)l, m->hidden, false, 0, n))
				return false;
		}
		if (!hf_attention(c, a, (int32_t)l, false, false))
			return false;
		snprintf(n, sizeof(n), "%s.mlp", p);
		if (!hf_dense_mlp(c, (int32_t)l, n, m->intermediate, false,
		    false, MP_TK_FFN_GATE, MP_TK_FFN_UP, MP_TK_FFN_DOWN))
			return false;
	}
	/* Gemma 3 keeps a local and a global rotary embedding. */
	return hf_decoder_end(c, false, false, m->rotary_dim,
	    strcmp(a->model_type, "gemma3_text") == 0 ? 2 : 1);
}
