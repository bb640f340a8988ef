/* arch_nemotronh.c: Nemotron-H, the hybrid of Mamba2, attention, MLP and
 * MoE layers, as the tensors transformers builds */
/* SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "hf.h"

/* Nemotron-H: a pattern string picks each layer's mixer. */
bool
hf_build_nemotronh(struct cfg *c, const struct archdef *a)
{
	struct mp_model	*m = c->m;
	const char	*pat = hf_get_str(c->text, "hybrid_override_pattern");
	uint32_t	 l, shared_inter = 0;
	uint64_t	 d_inner, conv_dim, in_proj;
	bool		 attn_bias, mlp_bias, conv_bias, proj_bias;
	char		 p[64], n[128];

	(void)a;
	if (pat == NULL || strlen(pat) != m->layers)
		return hf_bad_field(c, c->tpfx, "hybrid_override_pattern",
		    "expected one of M, *, -, E per hidden layer");
	if (!hf_tbool(c, "attention_bias", false, &attn_bias) ||
	    !hf_tbool(c, "mlp_bias", false, &mlp_bias) ||
	    !hf_tbool(c, "use_conv_bias", true, &conv_bias) ||
	    !hf_tbool(c, "mamba_proj_bias", false, &proj_bias) ||
	    !hf_tint(c, "moe_shared_expert_intermediate_size", false, 0, 0,
	    MAX_WIDTH, &shared_inter))
		return false;
	d_inner = (uint64_t)m->ssm_heads * m->ssm_head_dim;
	conv_dim = d_inner + 2ULL * m->ssm_groups * m->ssm_state;
	in_proj = 2 * d_inner + 2ULL * m->ssm_groups * m->ssm_state +
	    m->ssm_heads;
	if (!hf_add(c, -1, MP_TK_EMBED, 0, 2, m->vocab, m->hidden, 0,
	    "backbone.embeddings.weight"))
		return false;
	for (l = 0; l < m->layers; l++) {
		int32_t	li = (int32_t)l;
		char	k = pat[l];

		snprintf(p, sizeof(p), "backbone.layers.%u", l);
		snprintf(n, sizeof(n), "%s.norm", p);
		if (!hf_norm(c, li, m->hidden, false, 0, n))
			return false;
		m->layer[l].kv_k = m->layer[l].kv_v = 0;
		if (k == 'M') {
			/* Mamba2 mixer: in/out projections, depthwise conv,
			 * per-head A, D, dt bias and a gated RMSNorm. */
			m->layer[l].kind = MP_LK_MAMBA;
			m->layer[l].conv = conv_dim * m->ssm_conv;
			m->layer[l].state = (uint64_t)m->ssm_heads *
			    m->ssm_head_dim * m->ssm_state;
			snprintf(n, sizeof(n), "%s.mixer.in_proj", p);
			if (!hf_linear(c, li, MP_TK_SSM_IN, in_proj, m->hidden,
			    proj_bias, 0, n))
				return false;
			if (!hf_add(c, li, MP_TK_SSM_CONV, 0, 3, conv_dim, 1,
			    m->ssm_conv, "%s.mixer.conv1d.weight", p) ||
			    (conv_bias && !hf_add(c, li, MP_TK_BIAS, 0, 1,
			    conv_dim, 0, 0, "%s.mixer.conv1d.bias", p)) ||
			    !hf_add(c, li, MP_TK_SSM_DT_BIAS, 0, 1,
			    m->ssm_heads, 0, 0, "%s.mixer.dt_bias", p) ||
			    !hf_add(c, li, MP_TK_SSM_A, 0, 1, m->ssm_heads, 0,
			    0, "%s.mixer.A_log", p) ||
			    !hf_add(c, li, MP_TK_SSM_D, 0, 1, m->ssm_heads, 0,
			    0, "%s.mixer.D", p) ||
			    !hf_add(c, li, MP_TK_SSM_NORM, 0, 1, d_inner, 0, 0,
			    "%s.mixer.norm.weight", p))
				return false;
			snprintf(n, sizeof(n), "%s.mixer.out_proj", p);
			if (!hf_linear(c, li, MP_TK_SSM_OUT, m->hidden, d_inner,
			    proj_bias, 0, n))
				return false;
		} else if (k == '*') {
			uint64_t q = (uint64_t)m->heads * m->head_dim;
			uint64_t kv = (uint64_t)m->kv_heads * m->head_dim;

			m->layer[l].kind = MP_LK_FULL;
			m->layer[l].kv_k = m->layer[l].kv_v = (uint32_t)kv;
			snprintf(n, sizeof(n), "%s.mixer.q_proj", p);
			if (!hf_linear(c, li, MP_TK_ATTN_Q, q, m->hidden,
			    attn_bias, 0, n))
				return false;
			snprintf(n, sizeof(n), "%s.mixer.k_proj", p);
			if (!hf_linear(c, li, MP_TK_ATTN_K, kv, m->hidden,
			    attn_bias, 0, n))
				return false;
			snprintf(n, sizeof(n), "%s.mixer.v_proj", p);
			if (!hf_linear(c, li, MP_TK_ATTN_V, kv, m->hidden,
			    attn_bias, 0, n))
				return false;
			snprintf(n, sizeof(n), "%s.mixer.o_proj", p);
			if (!hf_linear(c, li, MP_TK_ATTN_O, m->hidden, q,
			    attn_bias, 0, n))
				return false;
		} else if (k == '-') {
			/* Squared-ReLU MLP: up and down only. */
			m->layer[l].kind = MP_LK_MLP;
			snprintf(n, sizeof(n), "%s.mixer.up_proj", p);
			if (!hf_linear(c, li, MP_TK_FFN_UP, m->intermediate,
			    m->hidden, mlp_bias, 0, n))
				return false;
			snprintf(n, sizeof(n), "%s.mixer.down_proj", p);
			if (!hf_linear(c, li, MP_TK_FFN_DOWN, m->hidden,
			    m->intermediate, mlp_bias, 0, n))
				return false;
		} else if (k == 'E') {
			m->layer[l].kind = MP_LK_MLP;
			m->layer[l].moe = true;
			if (!hf_add(c, li, MP_TK_ROUTER, 0, 2, m->n_experts,
			    m->hidden, 0, "%s.mixer.gate.weight", p) ||
			    !hf_add(c, li, MP_TK_ROUTER_BIAS, MP_TF_BUFFER |
			    MP_TF_F32, 1, m->n_experts, 0, 0,
			    "%s.mixer.gate.e_score_correction_bias", p))
				return false;
			if (!hf_add(c, li, MP_TK_EXP_UP, MP_TF_EXPERTS, 3,
			    m->n_experts, m->moe_intermediate, m->hidden,
			    "%s.mixer.experts.up_proj", p) ||
			    !hf_add(c, li, MP_TK_EXP_DOWN, MP_TF_EXPERTS, 3,
			    m->n_experts, m->hidden, m->moe_intermediate,
			    "%s.mixer.experts.down_proj", p))
				return false;
			snprintf(n, sizeof(n), "%s.mixer.shared_experts.up_proj",
			    p);
			if (shared_inter > 0 && !hf_linear(c, li,
			    MP_TK_SHEXP_UP, shared_inter, m->hidden, mlp_bias,
			    0, n))
				return false;
			snprintf(n, sizeof(n),
			    "%s.mixer.shared_experts.down_proj", p);
			if (shared_inter > 0 && !hf_linear(c, li,
			    MP_TK_SHEXP_DOWN, m->hidden, shared_inter,
			    mlp_bias, 0, n))
				return false;
		} else
			return hf_bad_field(c, c->tpfx,
			    "hybrid_override_pattern",
			    "expected only the letters M, *, - and E");
	}
	if (!hf_norm(c, -1, m->hidden, false, 0, "backbone.norm_f"))
		return false;
	if (!m->tied && !hf_linear(c, -1, MP_TK_OUTPUT, m->vocab, m->hidden,
	    false, 0, "lm_head"))
		return false;
	return true;
}
