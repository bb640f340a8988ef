/* mmproj.c: llama.cpp's projector GGUF (--mmproj) and its encoder buffer */
/* SPDX-License-Identifier: MIT */
/*
 * A multimodal model runs in llama-server as the text GGUF plus a second
 * file, the projector ("mmproj"), that llama.cpp's converter writes with
 * `convert_hf_to_gguf.py --mmproj --outtype f16|q8_0|bf16|f32`.  Its
 * tensors are the vision encoder's and the projector's; tools/mtmd's
 * clip.cpp loads them on the main GPU and reserves one compute buffer for
 * the encoder's graph.  Nothing here was measured: the file's tensor types
 * follow the converter (conversion/base.py ModelBase.prepare_tensors and
 * MmprojModel.tensor_force_quant, Gemma3VisionModel.tensor_force_quant),
 * the buffer follows the graph clip.cpp builds (build_vit / build_attn)
 * and ggml-alloc's reuse, at llama.cpp commit 81ff7abe50b9 like
 * llamacpp.c.  The code is ours; only the mechanisms come from there.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

/* The types the converter's --outtype writes a projector in. */
static const char *const types[] = { "f16", "q8_0", "bf16", "f32", NULL };

const char *
mp_mmproj_type_choice(size_t i)
{
	return i < sizeof(types) / sizeof(types[0]) - 1 ? types[i] : NULL;
}

/* How the converter decides a tensor's type (prepare_tensors). */
enum role {
	R_MATRIX,	/* the --outtype (q8_0 falls back to f16) */
	R_F32,		/* 1-D, norms, biases, learned positions */
	R_PATCH,	/* patch embedding: f16 in an f16 file, else f32 */
	R_F16		/* forced to f16 (Gemma 3's input projection) */
};

struct acc {
	enum mp_dtype	 out;	/* the --outtype */
	uint64_t	 bytes;
	uint64_t	 n;
};

/*
 * One tensor of ne0 x rest elements (ne0 = the innermost, row length).
 * q8_0 quantizes rows of 32: a row length that 32 does not divide makes
 * gguf.quants raise QuantError and the converter falls back to f16.
 */
static void
tensor(struct acc *a, enum role r, uint64_t ne0, uint64_t rest)
{
	enum mp_dtype dt;

	switch (r) {
	case R_F32:
		dt = MP_DT_F32;
		break;
	case R_PATCH:
		dt = a->out == MP_DT_F16 ? MP_DT_F16 : MP_DT_F32;
		break;
	case R_F16:
		dt = MP_DT_F16;
		break;
	default:
		dt = a->out;
		if (dt == MP_DT_Q8_0 && ne0 % 32 != 0)
			dt = MP_DT_F16;
		break;
	}
	a->bytes = mp_adds(a->bytes, mp_muls(rest, mp_dtype_bytes(dt, ne0)));
	a->n++;
}

/* A linear layer with a bias: weight [in x out] (ne0 = in), bias [out]. */
static void
linear(struct acc *a, uint64_t in, uint64_t out, bool bias)
{
	tensor(a, R_MATRIX, in, out);
	if (bias)
		tensor(a, R_F32, out, 1);
}

/* A LayerNorm's weight and bias. */
static void
layernorm(struct acc *a, uint64_t n)
{
	tensor(a, R_F32, n, 1);
	tensor(a, R_F32, n, 1);
}

/*
 * The ViT blocks every supported encoder shares: two LayerNorms,
 * attention with biases (Q, K, V separate, or one fused QKV for Qwen3-VL
 * as its converter writes attn_qkv), output projection, and a two-layer
 * MLP with biases.
 */
static void
vit_blocks(struct acc *a, const struct mp_vision *v, bool fused_qkv)
{
	uint64_t h = v->hidden, l;

	for (l = 0; l < v->layers; l++) {
		layernorm(a, h);
		layernorm(a, h);
		if (fused_qkv) {
			linear(a, h, 3 * h, true);
		} else {
			linear(a, h, h, true);
			linear(a, h, h, true);
			linear(a, h, h, true);
		}
		linear(a, h, h, true);
		linear(a, h, v->inter, true);
		linear(a, v->inter, h, true);
	}
}

/* The projector file's bytes for outtype out. */
static void
file_bytes(const struct mp_vision *v, struct acc *a)
{
	uint64_t h = v->hidden, ch = v->channels, p = v->patch, mh, l;

	switch (v->kind) {
	case MP_VIS_SIGLIP:
		/*
		 * Gemma 3: Gemma3VisionModel forces ".embeddings." (patch and
		 * position embedding) to f32 and the input projection to
		 * f16; v.post_ln and mm.soft_emb_norm are f32.
		 */
		tensor(a, R_F32, p * p * ch, h);
		tensor(a, R_F32, h, 1);
		tensor(a, R_F32, h, v->n_pos);
		vit_blocks(a, v, false);
		layernorm(a, h);
		tensor(a, R_F16, v->text_hidden, h);
		tensor(a, R_F32, h, 1);
		break;
	case MP_VIS_QWEN3VL:
		/*
		 * Qwen3-VL: the Conv3D patch embedding is written as two
		 * Conv2D halves (v.patch_embd.weight and .weight.1), then
		 * the learned positions (f32, V_ENC_EMBD_POS), the blocks,
		 * the merger (v.post_ln, mm.0, mm.2) and one merger per
		 * deepstack level.
		 */
		mh = h * v->merge * v->merge;
		tensor(a, R_PATCH, p * p * ch, h);
		tensor(a, R_PATCH, p * p * ch, h);
		tensor(a, R_F32, h, 1);
		tensor(a, R_F32, h, v->n_pos);
		vit_blocks(a, v, true);
		layernorm(a, h);
		linear(a, mh, mh, true);
		linear(a, mh, v->out, true);
		for (l = 0; l < v->deepstack; l++) {
			layernorm(a, mh);
			linear(a, mh, mh, true);
			linear(a, mh, v->out, true);
		}
		break;
	case MP_VIS_LLAMA4:
		/*
		 * Llama 4: a linear patch embedding, the class embedding,
		 * positions (f32), pre/post LayerNorms, the blocks, the
		 * pixel-shuffle adapter MLP and the projector (no biases).
		 */
		tensor(a, R_PATCH, p * p * ch, h);
		tensor(a, R_F32, h, 1);
		tensor(a, R_F32, h, v->n_pos);
		layernorm(a, h);
		layernorm(a, h);
		vit_blocks(a, v, false);
		linear(a, v->shuffled, v->proj_in, false);
		linear(a, v->proj_in, v->proj_out, false);
		linear(a, v->vout, v->text_hidden, false);
		break;
	default:
		break;
	}
}

/*
 * The side of the picture clip.cpp sizes its compute buffer for.  It
 * reserves the buffer once at load with a warm-up image and grows it
 * (ggml-alloc reallocates) when a larger image comes.  Gemma 3 and Llama
 * 4 resize every image (every tile) to image_size, so the size asked
 * does not matter.  Qwen3-VL keeps the picture's aspect at up to 4096
 * merged tokens (set_limit_image_tokens(8, 4096)) and warms up with
 * 46 x 46 merged tokens (set_warmup_n_tokens): 1472 px per side with
 * 16-pixel patches merged 2 x 2.  An image asked for is rounded up to
 * whole merged patches and capped at the largest picture.
 */
static uint32_t
image_side(const struct mp_vision *v, uint32_t asked)
{
	uint64_t unit, warm, max, side;

	if (v->kind != MP_VIS_QWEN3VL)
		return v->image;
	unit = (uint64_t)v->patch * v->merge;
	warm = 46 * unit;
	for (max = unit; (max + unit) * (max + unit) <= 4096 * unit * unit;)
		max += unit;
	side = ((uint64_t)asked + unit - 1) / unit * unit;
	if (side > max)
		side = max;
	return (uint32_t)(side > warm ? side : warm);
}

/*
 * The encoder's compute buffer: the largest set of f32 tensors alive at
 * once while one image runs through the ViT (clip.cpp's graph, ggml-alloc
 * freeing a tensor after its last consumer and running soft_max, GELU
 * and bias adds in place).  With n patches of width d:
 *
 * - attention without flash attention: the scores KQ (n x n per head,
 *   softmax in place) beside Q, K, V and the residual stream;
 * - with flash attention: Q, K, V, their f16 copies, the output and the
 *   residual (6 n d floats);
 * - the MLP: the residual, the normed input and the fc1 output (GELU in
 *   place);
 * - the input: the image (3 floats a pixel), its im2col rows and the
 *   patch embedding.
 *
 * Qwen3-VL keeps each deepstack level's merged features until the end.
 * Derived from the source, not measured.
 */
static uint64_t
encoder_buffer(const struct mp_vision *v, uint32_t side, bool fa,
    uint64_t *patches)
{
	uint64_t g = side / v->patch, n = g * g, d = v->hidden, nd, attn, mlp;
	uint64_t in, keep = 0;

	if (v->kind == MP_VIS_LLAMA4)
		n++;	/* the class token */
	*patches = n;
	nd = mp_muls(mp_muls(n, d), 4);
	if (fa)
		attn = mp_muls(nd, 6);
	else
		attn = mp_adds(mp_muls(mp_muls(mp_muls(n, n), v->heads), 4),
		    mp_muls(nd, 4));
	mlp = mp_adds(mp_muls(nd, 2), mp_muls(mp_muls(n, v->inter), 4));
	in = mp_adds(mp_muls(mp_muls((uint64_t)side * side, v->channels), 4),
	    mp_adds(mp_muls(mp_muls(n, (uint64_t)v->channels * v->patch *
	    v->patch), 4), nd));
	if (v->kind == MP_VIS_QWEN3VL)
		keep = mp_muls(nd, v->deepstack);
	return mp_adds(keep, attn > mlp ? (attn > in ? attn : in) :
	    (mlp > in ? mlp : in));
}

bool
mp_mmproj(const struct mp_model *m, const char *type, uint32_t image,
    bool fa, struct mp_mmproj *out, struct mp_error *err)
{
	struct acc a;
	size_t i;

	memset(out, 0, sizeof(*out));
	for (i = 0; types[i] != NULL; i++)
		if (strcmp(types[i], type) == 0)
			break;
	if (types[i] == NULL)
		return mp_error_set(err, MP_EUSAGE, NULL, "--mmproj",
		    "expected f16, q8_0, bf16 or f32 (the converter's "
		    "--outtype), not %s", type);
	if (m->vision.kind == MP_VIS_NONE)
		return mp_error_set(err, MP_EUSAGE, NULL, "--mmproj",
		    "%s has no vision encoder (no vision_config llama.cpp's "
		    "converter knows): a text-only model takes no projector",
		    m->name);
	memset(&a, 0, sizeof(a));
	a.out = mp_dtype_parse(type);
	file_bytes(&m->vision, &a);
	out->weights = a.bytes;
	out->n_tensors = a.n;
	out->side = image_side(&m->vision, image);
	out->compute = encoder_buffer(&m->vision, out->side, fa,
	    &out->patches);
	return true;
}
