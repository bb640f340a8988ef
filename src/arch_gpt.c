/* arch_gpt.c: GPT-2, GPT-NeoX (Pythia) and GPT-J as the tensors
 * transformers builds, one table row each */
/* SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "hf.h"

/* The shape of a layer module, from hidden (h) and intermediate (i). */
enum shape {
	S_NORM,		/* LayerNorm {h}, weight and bias */
	S_QKV,		/* fused q, k and v: {3h, h} */
	S_SQUARE,	/* {h, h}: one projection */
	S_UP,		/* {i, h} */
	S_DOWN		/* {h, i} */
};

struct module {
	const char	*name;		/* under the layer: "attn.c_attn" */
	enum mp_tkind	 kind;
	enum shape	 shape;
	bool		 bias;
};

/*
 * A GPT-style decoder: embeddings, a stack of layers whose modules are
 * listed in the order transformers registers them (modeling_gpt2.py,
 * modeling_gpt_neox.py, modeling_gptj.py), a final LayerNorm and the
 * head.  GPT-2's Conv1D layers are counted as Linear, as peft treats them.
 */
struct layout {
	enum family	 fam;
	const char	*embed;		/* token embedding */
	const char	*pos_embed;	/* learned positions {max_pos, h} */
	const char	*layers;	/* layer l is "<layers>.<l>" */
	struct module	 mod[8];	/* up to a NULL name */
	const char	*final_norm;
	const char	*head;		/* unless tied to the embedding */
	bool		 head_bias;
	bool		 rotary;	/* one rotary module's buffers */
};

static const struct layout layouts[] = {
	/* GPT-2: learned positions, fused c_attn, untied-by-default head. */
	{ FAM_GPT2, "transformer.wte.weight", "transformer.wpe.weight",
	  "transformer.h", {
		{ "ln_1", MP_TK_NORM, S_NORM, true },
		{ "attn.c_attn", MP_TK_ATTN_QKV, S_QKV, true },
		{ "attn.c_proj", MP_TK_ATTN_O, S_SQUARE, true },
		{ "ln_2", MP_TK_NORM, S_NORM, true },
		{ "mlp.c_fc", MP_TK_FFN_UP, S_UP, true },
		{ "mlp.c_proj", MP_TK_FFN_DOWN, S_DOWN, true },
	  }, "transformer.ln_f", "lm_head", false, false },
	/* GPT-NeoX: fused qkv with biases, two LayerNorms, untied head. */
	{ FAM_GPTNEOX, "gpt_neox.embed_in.weight", NULL, "gpt_neox.layers", {
		{ "input_layernorm", MP_TK_NORM, S_NORM, true },
		{ "post_attention_layernorm", MP_TK_NORM, S_NORM, true },
		{ "attention.query_key_value", MP_TK_ATTN_QKV, S_QKV, true },
		{ "attention.dense", MP_TK_ATTN_O, S_SQUARE, true },
		{ "mlp.dense_h_to_4h", MP_TK_FFN_UP, S_UP, true },
		{ "mlp.dense_4h_to_h", MP_TK_FFN_DOWN, S_DOWN, true },
	  }, "gpt_neox.final_layer_norm", "embed_out", false, true },
	/* GPT-J: parallel attention and MLP, one LayerNorm, biased head. */
	{ FAM_GPTJ, "transformer.wte.weight", NULL, "transformer.h", {
		{ "ln_1", MP_TK_NORM, S_NORM, true },
		{ "attn.q_proj", MP_TK_ATTN_Q, S_SQUARE, false },
		{ "attn.k_proj", MP_TK_ATTN_K, S_SQUARE, false },
		{ "attn.v_proj", MP_TK_ATTN_V, S_SQUARE, false },
		{ "attn.out_proj", MP_TK_ATTN_O, S_SQUARE, false },
		{ "mlp.fc_in", MP_TK_FFN_UP, S_UP, true },
		{ "mlp.fc_out", MP_TK_FFN_DOWN, S_DOWN, true },
	  }, "transformer.ln_f", "lm_head", true, true },
};

static bool
module(struct cfg *c, int32_t l, const char *layer, const struct module *md)
{
	struct mp_model	*m = c->m;
	uint64_t	 h = m->hidden, i = m->intermediate;
	char		 n[128];

	snprintf(n, sizeof(n), "%s.%s", layer, md->name);
	switch (md->shape) {
	case S_NORM:
		return hf_norm(c, l, h, md->bias, 0, n);
	case S_QKV:
		return hf_linear(c, l, md->kind, 3 * h, h, md->bias, 0, n);
	case S_SQUARE:
		return hf_linear(c, l, md->kind, h, h, md->bias, 0, n);
	case S_UP:
		return hf_linear(c, l, md->kind, i, h, md->bias, 0, n);
	case S_DOWN:
		return hf_linear(c, l, md->kind, h, i, md->bias, 0, n);
	}
	return false;
}

bool
hf_build_gpt(struct cfg *c, const struct archdef *a)
{
	struct mp_model		*m = c->m;
	const struct layout	*g = NULL;
	const struct module	*md;
	uint32_t		 l;
	size_t			 i;
	char			 p[64];

	for (i = 0; i < sizeof(layouts) / sizeof(layouts[0]); i++)
		if (layouts[i].fam == a->fam)
			g = &layouts[i];
	if (g == NULL)
		return mp_error_set(c->err, MP_EINPUT, c->path, "model_type",
		    "no GPT layout for \"%s\"", a->model_type);
	if (!hf_add(c, -1, MP_TK_EMBED, 0, 2, m->vocab, m->hidden, 0, "%s",
	    g->embed))
		return false;
	if (g->pos_embed != NULL && !hf_add(c, -1, MP_TK_POS_EMBED, 0, 2,
	    m->max_pos, m->hidden, 0, "%s", g->pos_embed))
		return false;
	for (l = 0; l < m->layers; l++) {
		snprintf(p, sizeof(p), "%s.%u", g->layers, l);
		for (md = g->mod; md->name != NULL; md++)
			if (!module(c, (int32_t)l, p, md))
				return false;
	}
	if (!hf_norm(c, -1, m->hidden, true, 0, g->final_norm))
		return false;
	if (!m->tied && !hf_linear(c, -1, MP_TK_OUTPUT, m->vocab, m->hidden,
	    g->head_bias, 0, g->head))
		return false;
	return !g->rotary || hf_rotary_buffers(c, m->rotary_dim, 1);
}
