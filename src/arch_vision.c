/* arch_vision.c: the vision towers of multimodal checkpoints (SigLIP,
 * Qwen3-VL, Llama 4) as the tensors transformers builds */
/* SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "hf.h"

/* The encoder's dimensions as mmproj.c prices llama.cpp's projector. */
static void
vision_dims(struct mp_model *m, enum mp_vision_kind kind, uint64_t h,
    uint64_t inter, uint64_t layers, uint64_t heads, uint64_t ch,
    uint64_t img, uint64_t patch, uint64_t npos, uint64_t text_hidden)
{
	struct mp_vision *v = &m->vision;

	v->kind = kind;
	v->hidden = (uint32_t)h;
	v->inter = (uint32_t)inter;
	v->layers = (uint32_t)layers;
	v->heads = (uint32_t)heads;
	v->channels = (uint32_t)ch;
	v->image = (uint32_t)img;
	v->patch = (uint32_t)patch;
	v->n_pos = npos;
	v->text_hidden = (uint32_t)text_hidden;
}

/*
 * The ViT dimensions SigLIP and Llama 4's encoder share (their config
 * classes' keys; the defaults differ: layers, image side, patch side).
 */
struct vit {
	uint64_t	 h, inter, layers, img, patch, ch;
};

static bool
vit_read(struct cfg *c, const cJSON *v, uint64_t layers, uint64_t img,
    uint64_t patch, struct vit *d)
{
	const char *pf = "vision_config.";

	return hf_get_int(c, v, pf, "hidden_size", false, 768, 1, MAX_WIDTH,
	    &d->h) &&
	    hf_get_int(c, v, pf, "intermediate_size", false, 3072, 1,
	    MAX_WIDTH, &d->inter) &&
	    hf_get_int(c, v, pf, "num_hidden_layers", false, layers, 1,
	    MAX_LAYERS, &d->layers) &&
	    hf_get_int(c, v, pf, "image_size", false, img, 1, 1 << 16,
	    &d->img) &&
	    hf_get_int(c, v, pf, "patch_size", false, patch, 1, 1 << 12,
	    &d->patch) &&
	    hf_get_int(c, v, pf, "num_channels", false, 3, 1, 64, &d->ch);
}

/*
 * One encoder layer as both count it, named "<stem>.layers.N.<part>":
 * the two LayerNorms (weight and bias: 4h, as one entry named norms),
 * q/k/v/out with biases {4h, h + 1}, and fc1/fc2 with biases.
 */
static bool
vit_layer(struct cfg *c, const char *stem, const char *norms, uint64_t l,
    const struct vit *d)
{
	const unsigned		 V = MP_TF_VISION;
	unsigned long long	 n = (unsigned long long)l;

	return hf_add(c, -1, MP_TK_VISION, V, 1, 4 * d->h, 0, 0,
	    "%s.layers.%llu.%s", stem, n, norms) &&
	    hf_add(c, -1, MP_TK_VISION, V, 2, 4 * d->h, d->h + 1, 0,
	    "%s.layers.%llu.self_attn", stem, n) &&
	    hf_add(c, -1, MP_TK_VISION, V, 2, d->inter, d->h + 1, 0,
	    "%s.layers.%llu.mlp.fc1", stem, n) &&
	    hf_add(c, -1, MP_TK_VISION, V, 2, d->h, d->inter + 1, 0,
	    "%s.layers.%llu.mlp.fc2", stem, n);
}

/*
 * Vision towers are counted so that params matches the whole checkpoint;
 * they are flagged MP_TF_VISION and reported separately.
 */
bool
hf_vision_siglip(struct cfg *c, const cJSON *v, uint64_t text_hidden)
{
	struct vit	 d;
	uint64_t	 np, heads;
	uint64_t	 l;
	const unsigned	 V = MP_TF_VISION;

	if (!vit_read(c, v, 12, 224, 16, &d) ||
	    !hf_get_int(c, v, "vision_config.", "num_attention_heads", false,
	    16, 1, MAX_HEADS, &heads))
		return false;
	np = (d.img / d.patch) * (d.img / d.patch);
	vision_dims(c->m, MP_VIS_SIGLIP, d.h, d.inter, d.layers, heads, d.ch,
	    d.img, d.patch, np, text_hidden);
	if (!hf_add(c, -1, MP_TK_VISION, V, 3, d.h, d.ch * d.patch, d.patch,
	    "vision_tower.patch_embedding.weight") ||
	    !hf_add(c, -1, MP_TK_VISION, V, 1, d.h, 0, 0,
	    "vision_tower.patch_embedding.bias") ||
	    !hf_add(c, -1, MP_TK_VISION, V, 2, np, d.h, 0,
	    "vision_tower.position_embedding.weight"))
		return false;
	for (l = 0; l < d.layers; l++)
		if (!vit_layer(c, "vision_tower", "layer_norms", l, &d))
			return false;
	/* Gemma 3's projector: a soft-embedding norm and one matrix. */
	return hf_add(c, -1, MP_TK_VISION, V, 1, 2 * d.h, 0, 0,
	    "vision_tower.post_layernorm") &&
	    hf_add(c, -1, MP_TK_VISION, V, 1, d.h, 0, 0,
	    "multi_modal_projector.mm_soft_emb_norm.weight") &&
	    hf_add(c, -1, MP_TK_VISION, V, 2, d.h, text_hidden, 0,
	    "multi_modal_projector.mm_input_projection_weight");
}

/* Qwen3-VL: ViT with learned positions, a patch merger, deepstack. */
bool
hf_vision_qwen3vl(struct cfg *c, const cJSON *v)
{
	uint64_t h, inter, depth, patch, tpatch, ch, npos, out, merge, heads;
	uint64_t l, mh, nds = 0;
	const unsigned V = MP_TF_VISION;
	const char *pf = "vision_config.";
	const cJSON *ds = hf_item(v, "deepstack_visual_indexes");

	if (!hf_get_int(c, v, pf, "hidden_size", false, 1152, 1, MAX_WIDTH,
	    &h) ||
	    !hf_get_int(c, v, pf, "intermediate_size", false, 4304, 1,
	    MAX_WIDTH, &inter) ||
	    !hf_get_int(c, v, pf, "depth", false, 27, 1, MAX_LAYERS, &depth) ||
	    !hf_get_int(c, v, pf, "patch_size", false, 16, 1, 1 << 12,
	    &patch) ||
	    !hf_get_int(c, v, pf, "temporal_patch_size", false, 2, 1, 64,
	    &tpatch) ||
	    !hf_get_int(c, v, pf, "in_channels", false, 3, 1, 64, &ch) ||
	    !hf_get_int(c, v, pf, "num_position_embeddings", false, 2304, 1,
	    1 << 24, &npos) ||
	    !hf_get_int(c, v, pf, "out_hidden_size", false, c->m->hidden, 1,
	    MAX_WIDTH, &out) ||
	    !hf_get_int(c, v, pf, "spatial_merge_size", false, 2, 1, 64,
	    &merge) ||
	    !hf_get_int(c, v, pf, "num_heads", false, 16, 1, MAX_HEADS, &heads))
		return false;
	if (cJSON_IsArray(ds))
		nds = (uint64_t)cJSON_GetArraySize(ds);
	mh = h * merge * merge;
	/* image_size as llama.cpp's converter derives it when absent:
	 * sqrt(num_position_embeddings) x patch_size. */
	{
		uint64_t side = 1;

		while ((side + 1) * (side + 1) <= npos)
			side++;
		vision_dims(c->m, MP_VIS_QWEN3VL, h, inter, depth, heads, ch,
		    side * patch, patch, npos, out);
		c->m->vision.merge = (uint32_t)merge;
		c->m->vision.deepstack = (uint32_t)nds;
		c->m->vision.out = (uint32_t)out;
	}
	if (!hf_add(c, -1, MP_TK_VISION, V, 3, h, ch * tpatch * patch, patch,
	    "visual.patch_embed.proj.weight") ||
	    !hf_add(c, -1, MP_TK_VISION, V, 1, h, 0, 0,
	    "visual.patch_embed.proj.bias") ||
	    !hf_add(c, -1, MP_TK_VISION, V, 2, npos, h, 0,
	    "visual.pos_embed.weight"))
		return false;
	for (l = 0; l < depth; l++)
		if (!hf_add(c, -1, MP_TK_VISION, V, 1, 4 * h, 0, 0,
		    "visual.blocks.%llu.norms", (unsigned long long)l) ||
		    !hf_add(c, -1, MP_TK_VISION, V, 2, 4 * h, h + 1, 0,
		    "visual.blocks.%llu.attn", (unsigned long long)l) ||
		    !hf_add(c, -1, MP_TK_VISION, V, 2, inter, h + 1, 0,
		    "visual.blocks.%llu.mlp.linear_fc1",
		    (unsigned long long)l) ||
		    !hf_add(c, -1, MP_TK_VISION, V, 2, h, inter + 1, 0,
		    "visual.blocks.%llu.mlp.linear_fc2", (unsigned long long)l))
			return false;
	/* The merger, then one more per deepstack level (post-shuffle norm). */
	if (!hf_add(c, -1, MP_TK_VISION, V, 1, 2 * h, 0, 0,
	    "visual.merger.norm") ||
	    !hf_add(c, -1, MP_TK_VISION, V, 2, mh, mh + 1, 0,
	    "visual.merger.linear_fc1") ||
	    !hf_add(c, -1, MP_TK_VISION, V, 2, out, mh + 1, 0,
	    "visual.merger.linear_fc2"))
		return false;
	for (l = 0; l < nds; l++)
		if (!hf_add(c, -1, MP_TK_VISION, V, 1, 2 * mh, 0, 0,
		    "visual.deepstack_merger_list.%llu.norm",
		    (unsigned long long)l) ||
		    !hf_add(c, -1, MP_TK_VISION, V, 2, mh, mh + 1, 0,
		    "visual.deepstack_merger_list.%llu.linear_fc1",
		    (unsigned long long)l) ||
		    !hf_add(c, -1, MP_TK_VISION, V, 2, out, mh + 1, 0,
		    "visual.deepstack_merger_list.%llu.linear_fc2",
		    (unsigned long long)l))
			return false;
	return true;
}

/* Llama 4's vision encoder, pixel-shuffle adapter and projector. */
bool
hf_vision_llama4(struct cfg *c, const cJSON *v)
{
	struct vit	 d;
	uint64_t	 pin, pout, vout, np, l;
	uint64_t	 heads;
	double		 ratio;
	const cJSON	*r = hf_item(v, "pixel_shuffle_ratio");
	const unsigned	 V = MP_TF_VISION;
	const char	*pf = "vision_config.";

	if (!vit_read(c, v, 34, 448, 14, &d) ||
	    !hf_get_int(c, v, pf, "projector_input_dim", false, 4096, 1,
	    MAX_WIDTH, &pin) ||
	    !hf_get_int(c, v, pf, "projector_output_dim", false, 4096, 1,
	    MAX_WIDTH, &pout) ||
	    !hf_get_int(c, v, pf, "vision_output_dim", false, 4096, 1,
	    MAX_WIDTH, &vout) ||
	    !hf_get_int(c, v, pf, "num_attention_heads", false, 16, 1,
	    MAX_HEADS, &heads))
		return false;
	ratio = cJSON_IsNumber(r) && r->valuedouble > 0 ? r->valuedouble : 0.5;
	np = (d.img / d.patch) * (d.img / d.patch) + 1;
	vision_dims(c->m, MP_VIS_LLAMA4, d.h, d.inter, d.layers, heads, d.ch,
	    d.img, d.patch, np, c->m->hidden);
	c->m->vision.proj_in = (uint32_t)pin;
	c->m->vision.proj_out = (uint32_t)pout;
	c->m->vision.vout = (uint32_t)vout;
	c->m->vision.shuffled = (uint32_t)((double)d.h / (ratio * ratio));
	if (!hf_add(c, -1, MP_TK_VISION, V, 2, d.h, d.ch * d.patch * d.patch,
	    0, "vision_model.patch_embedding.linear.weight") ||
	    !hf_add(c, -1, MP_TK_VISION, V, 1, d.h, 0, 0,
	    "vision_model.class_embedding") ||
	    !hf_add(c, -1, MP_TK_VISION, V, 2, np, d.h, 0,
	    "vision_model.positional_embedding_vlm") ||
	    !hf_add(c, -1, MP_TK_VISION, V, 1, 4 * d.h, 0, 0,
	    "vision_model.layernorm_pre_post"))
		return false;
	for (l = 0; l < d.layers; l++)
		if (!vit_layer(c, "vision_model", "norms", l, &d))
			return false;
	/* Adapter MLP on pixel-shuffled features (no biases), projector. */
	{
		uint64_t shuffled = (uint64_t)((double)d.h / (ratio * ratio));

		if (!hf_add(c, -1, MP_TK_VISION, V, 2, pin, shuffled, 0,
		    "vision_model.vision_adapter.mlp.fc1.weight") ||
		    !hf_add(c, -1, MP_TK_VISION, V, 2, pout, pin, 0,
		    "vision_model.vision_adapter.mlp.fc2.weight") ||
		    !hf_add(c, -1, MP_TK_VISION, V, 2, c->m->hidden, vout, 0,
		    "multi_modal_projector.linear_1.weight"))
			return false;
	}
	return true;
}
