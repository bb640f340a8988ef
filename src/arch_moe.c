/* arch_moe.c: DeepSeek (MLA + shared experts), gpt-oss and Llama 4 as
 * the tensors transformers builds */
/* SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "hf.h"

/* DeepSeek V2/V3 (and Kimi K2): MLA attention, shared + routed experts. */
bool
hf_build_deepseek(struct cfg *c, const struct archdef *a)
{
	struct mp_model	*m = c->m;
	uint32_t	 l, first_dense, step;
	uint64_t	 qk = (uint64_t)m->qk_nope_dim + m->qk_rope_dim;
	bool		 v3 = strcmp(a->model_type, "deepseek_v2") != 0;
	bool		 attn_bias;
	char		 p[64], n[128];

	if (!hf_tint(c, "first_k_dense_replace", false, 0, 0, MAX_LAYERS,
	    &first_dense) ||
	    !hf_tint(c, "moe_layer_freq", false, 1, 1, MAX_LAYERS, &step) ||
	    !hf_tbool(c, "attention_bias", false, &attn_bias))
		return false;
	if (!hf_embed_tokens(c))
		return false;
	for (l = 0; l < m->layers; l++) {
		int32_t li = (int32_t)l;

		snprintf(p, sizeof(p), "model.layers.%u", l);
		snprintf(n, sizeof(n), "%s.input_layernorm", p);
		if (!hf_norm(c, li, m->hidden, false, 0, n))
			return false;
		if (m->q_lora_rank == 0) {
			snprintf(n, sizeof(n), "%s.self_attn.q_proj", p);
			if (!hf_linear(c, li, MP_TK_ATTN_Q, m->heads * qk,
			    m->hidden, false, 0, n))
				return false;
		} else {
			snprintf(n, sizeof(n), "%s.self_attn.q_a_proj", p);
			if (!hf_linear(c, li, MP_TK_ATTN_Q_A, m->q_lora_rank,
			    m->hidden, attn_bias, 0, n))
				return false;
			snprintf(n, sizeof(n), "%s.self_attn.q_a_layernorm", p);
			if (!hf_norm(c, li, m->q_lora_rank, false, 0, n))
				return false;
			snprintf(n, sizeof(n), "%s.self_attn.q_b_proj", p);
			if (!hf_linear(c, li, MP_TK_ATTN_Q_B, m->heads * qk,
			    m->q_lora_rank, false, 0, n))
				return false;
		}
		snprintf(n, sizeof(n), "%s.self_attn.kv_a_proj_with_mqa", p);
		if (!hf_linear(c, li, MP_TK_ATTN_KV_A,
		    (uint64_t)m->kv_lora_rank + m->qk_rope_dim, m->hidden,
		    attn_bias, 0, n))
			return false;
		snprintf(n, sizeof(n), "%s.self_attn.kv_a_layernorm", p);
		if (!hf_norm(c, li, m->kv_lora_rank, false, 0, n))
			return false;
		snprintf(n, sizeof(n), "%s.self_attn.kv_b_proj", p);
		if (!hf_linear(c, li, MP_TK_ATTN_KV_B,
		    (uint64_t)m->heads * (m->qk_nope_dim + m->v_head_dim),
		    m->kv_lora_rank, false, 0, n))
			return false;
		snprintf(n, sizeof(n), "%s.self_attn.o_proj", p);
		if (!hf_linear(c, li, MP_TK_ATTN_O, m->hidden,
		    (uint64_t)m->heads * m->v_head_dim, attn_bias, 0, n))
			return false;
		snprintf(n, sizeof(n), "%s.post_attention_layernorm", p);
		if (!hf_norm(c, li, m->hidden, false, 0, n))
			return false;
		snprintf(n, sizeof(n), "%s.mlp", p);
		if (m->n_experts > 0 && l >= first_dense && l % step == 0) {
			char sp[160];

			m->layer[l].moe = true;
			if (!hf_add(c, li, MP_TK_ROUTER, 0, 2, m->n_experts,
			    m->hidden, 0, "%s.gate.weight", n))
				return false;
			/* V3's aux-loss-free balancing bias is a buffer. */
			if (v3 && !hf_add(c, li, MP_TK_ROUTER_BIAS,
			    MP_TF_BUFFER | MP_TF_F32, 1, m->n_experts, 0, 0,
			    "%s.gate.e_score_correction_bias", n))
				return false;
			if (!hf_experts(c, li, n, m->moe_intermediate, false,
			    false))
				return false;
			snprintf(sp, sizeof(sp), "%s.shared_experts", n);
			if (m->n_shared_experts > 0 && !hf_dense_mlp(c, li, sp,
			    (uint64_t)m->moe_intermediate * m->n_shared_experts,
			    false, false, MP_TK_SHEXP_GATE, MP_TK_SHEXP_UP,
			    MP_TK_SHEXP_DOWN))
				return false;
		} else if (!hf_dense_mlp(c, li, n, m->intermediate, false,
		    false, MP_TK_FFN_GATE, MP_TK_FFN_UP, MP_TK_FFN_DOWN))
			return false;
		m->layer[l].kind = MP_LK_MLA;
		m->layer[l].kv_k = m->kv_lora_rank + m->qk_rope_dim;
		m->layer[l].kv_v = 0;
	}
	return hf_decoder_end(c, false, false, m->qk_rope_dim, 1);
}

/* gpt-oss: sinks, biased router, fused experts with biases. */
bool
hf_build_gptoss(struct cfg *c, const struct archdef *a)
{
	struct mp_model	*m = c->m;
	uint32_t	 l;
	char		 n[128];

	if (!hf_embed_tokens(c))
		return false;
	for (l = 0; l < m->layers; l++) {
		int32_t li = (int32_t)l;

		/* The router is a bare Parameter with a bias, not a Linear. */
		if (!hf_attn_block(c, a, l, false, true, true, "mlp", n,
		    sizeof(n)))
			return false;
		m->layer[l].moe = true;
		if (!hf_add(c, li, MP_TK_ROUTER, 0, 2, m->n_experts, m->hidden,
		    0, "%s.router.weight", n) ||
		    !hf_add(c, li, MP_TK_ROUTER_BIAS, 0, 1, m->n_experts, 0, 0,
		    "%s.router.bias", n) ||
		    !hf_experts(c, li, n, m->moe_intermediate, true, true))
			return false;
	}
	return hf_decoder_end(c, false, false, m->rotary_dim, 1);
}

/* Llama 4 text: every interleave-th layer MoE with a shared expert. */
bool
hf_build_llama4(struct cfg *c, const struct archdef *a)
{
	struct mp_model	*m = c->m;
	uint32_t	 l, step, mlp_inter;
	bool		 attn_bias;
	char		 n[128], sp[160];

	if (!hf_tint(c, "interleave_moe_layer_step", false, 1, 1, MAX_LAYERS,
	    &step) ||
	    !hf_tint(c, "intermediate_size_mlp", false, 16384, 1, MAX_WIDTH,
	    &mlp_inter) ||
	    !hf_tbool(c, "attention_bias", false, &attn_bias))
		return false;
	if (!hf_embed_tokens(c))
		return false;
	for (l = 0; l < m->layers; l++) {
		int32_t li = (int32_t)l;

		if (!hf_attn_block(c, a, l, false, attn_bias, attn_bias,
		    "feed_forward", n, sizeof(n)))
			return false;
		if ((l + 1) % step == 0) {
			m->layer[l].moe = true;
			snprintf(sp, sizeof(sp), "%s.router", n);
			if (!hf_linear(c, li, MP_TK_ROUTER, m->n_experts,
			    m->hidden, false, 0, sp) ||
			    !hf_experts(c, li, n, m->moe_intermediate, true,
			    false))
				return false;
			snprintf(sp, sizeof(sp), "%s.shared_expert", n);
			if (!hf_dense_mlp(c, li, sp, m->moe_intermediate, false,
			    false, MP_TK_SHEXP_GATE, MP_TK_SHEXP_UP,
			    MP_TK_SHEXP_DOWN))
				return false;
		} else if (!hf_dense_mlp(c, li, n, mlp_inter, false, false,
		    MP_TK_FFN_GATE, MP_TK_FFN_UP, MP_TK_FFN_DOWN))
			return false;
	}
	return hf_decoder_end(c, false, false, m->rotary_dim, 1);
}
