/* weights.c: bytes of every tensor in the format the scenario loads */
/* SPDX-License-Identifier: MIT */
#include <string.h>

#include "internal.h"

/*
 * The float type of what the weights leave: the weights' own when they
 * are a float type, else (quantized) the checkpoint's float type for
 * the tensors the quantization leaves, activations and caches; on a
 * device without bf16, what placement put in its stead (bf16_as).
 */
enum mp_dtype
mp_float_dtype(const struct mp_model *m, enum mp_dtype w,
    enum mp_dtype bf16_as)
{
	if (mp_dtype_info(w)->is_float)
		return w;
	if (m->torch_dtype == MP_DT_F16)
		return MP_DT_F16;
	return bf16_as != MP_DT_NONE ? bf16_as : MP_DT_BF16;
}

/* What the matmuls run in: --amp's autocast type, else the above. */
enum mp_dtype
mp_compute_dtype(const struct mp_model *m, const struct mp_scenario *sc)
{
	if (sc->amp != MP_DT_NONE)
		return sc->amp;
	return mp_float_dtype(m, sc->weights, sc->bf16_as);
}

/*
 * Which tensors a weight-only quantizer converts: the Linear layers of
 * the decoder (and fused expert stacks).  bitsandbytes, GPTQ, AWQ and
 * FP8 checkpoints all leave the embedding, the output head, norms,
 * biases, routers and vision towers in the compute dtype
 * (transformers' bnb integration skips lm_head via
 * llm_int8_skip_modules / modules_to_not_convert).
 */
/*
 * The format a pre-quantized checkpoint ships in, as quantcfg.c read its
 * quantization_config: MP_DT_NONE when there is none or memplan has no
 * pricing for it (m->shipq.why says which).
 */
enum mp_dtype
mp_shipped_dtype(const struct mp_model *m)
{
	return m->shipq.dt;
}

static bool
quantizable(const struct mp_model *m, const struct mp_tensor *t,
    const struct mp_scenario *sc)
{
	enum mp_dtype w = sc->weights;

	/*
	 * gpt-oss ships MXFP4 experts only: its quantization_config keeps
	 * self_attn, the router, the embedding and lm_head in bf16
	 * (modules_to_not_convert), so attention is not quantized.
	 */
	if (sc->weights_shipped && w == MP_DT_MXFP4)
		return (t->flags & MP_TF_EXPERTS) != 0;
	if (t->flags & (MP_TF_BUFFER | MP_TF_VISION))
		return false;
	/* What the checkpoint's ignore / skip list leaves alone. */
	if (sc->weights_shipped && (t->flags & MP_TF_KEEP))
		return false;
	/*
	 * compressed-tensors targets every nn.Linear ("targets":
	 * ["Linear"]), the output head and routers included, unless its
	 * ignore list names them (published checkpoints ignore lm_head).
	 */
	if (sc->weights_shipped && m->shipq.layout != MP_SQ_DTYPE &&
	    (t->kind == MP_TK_OUTPUT || t->kind == MP_TK_ROUTER ||
	    t->kind == MP_TK_SHEXP_ROUTER))
		return (t->flags & MP_TF_LINEAR) != 0;
	if (t->kind == MP_TK_OUTPUT || t->kind == MP_TK_EMBED ||
	    t->kind == MP_TK_ROUTER || t->kind == MP_TK_SHEXP_ROUTER)
		return false;
	/*
	 * bitsandbytes quantizes on load by replacing nn.Linear modules;
	 * transformers 5 keeps routed experts as fused 3-D parameters, which
	 * it leaves in the compute dtype.  Pre-quantized checkpoints (GPTQ,
	 * AWQ, FP8, MXFP4) store the experts quantized.
	 */
	if ((t->flags & MP_TF_EXPERTS) && (w == MP_DT_INT8 || w == MP_DT_NF4 ||
	    w == MP_DT_FP4))
		return false;
	return (t->flags & (MP_TF_LINEAR | MP_TF_EXPERTS)) != 0;
}

/* Rows and row length of a (possibly stacked) Linear weight. */
static void
rows_cols(const struct mp_tensor *t, uint64_t *rows, uint64_t *cols)
{
	if (t->ndim == 3) {
		*rows = mp_muls(t->dims[0], t->dims[1]);
		*cols = t->dims[2];
	} else {
		*rows = t->dims[0];
		*cols = t->ndim > 1 ? t->dims[1] : 1;
	}
}

/* ceil(a / b) for b > 0. */
static uint64_t
cdiv(uint64_t a, uint64_t b)
{
	return a / b + (a % b != 0);
}

/*
 * A Linear weight of a compressed-tensors checkpoint, as its compressor
 * writes it (compressed_tensors/compressors/quantized_compressors):
 *   pack-quantized: weight_packed, int32 words of 32/num_bits values
 *     along each row; weight_shape, the original shape as an int64 pair;
 *     asymmetric group/channel zero points packed the same way along the
 *     output dimension (pack_quantized.py compression_param_info);
 *   naive-, int- and float-quantized: weight in the closest torch type,
 *     int8 or float8_e4m3fn, a byte a value (naive_quantized.py);
 *   nvfp4-pack-quantized: two e2m1 values a byte, one float8_e4m3 scale
 *     a group of 16 and one fp32 global scale (nvfp4_quantized.py).
 * weight_scale holds one value a tensor, row, group or block by the
 * strategy, in the weights' 16-bit dtype (llm-compressor's observers
 * compute it from the bf16/fp16 weight); actorder "group" adds
 * weight_g_idx, an int32 a column.
 */
static uint64_t
ct_bytes(const struct mp_shipq *q, const struct mp_tensor *t, uint64_t rows,
    uint64_t cols)
{
	uint64_t	 n, scales, b = 0, per = 32u / (q->bits ? q->bits : 8);
	uint64_t	 experts = t->ndim == 3 ? t->dims[0] : 1;

	switch (q->strategy) {
	case MP_SQ_CHANNEL:
		scales = rows;
		break;
	case MP_SQ_GROUP:
		scales = mp_muls(rows, cdiv(cols, q->group_size ?
		    q->group_size : cols));
		break;
	case MP_SQ_BLOCK:
		scales = mp_muls(mp_muls(experts, cdiv(rows / experts,
		    q->block[0])), cdiv(cols, q->block[1]));
		break;
	default:
		scales = experts;
		break;
	}
	n = mp_muls(rows, cols);
	switch (q->layout) {
	case MP_SQ_PACKED:
		b = mp_adds(mp_muls(mp_muls(rows, cdiv(cols, per)), 4),
		    mp_muls(experts, 16));
		if (!q->symmetric && (q->strategy == MP_SQ_GROUP ||
		    q->strategy == MP_SQ_CHANNEL))
			b = mp_adds(b, mp_muls(mp_muls(cdiv(rows, per),
			    scales / (rows ? rows : 1)), 4));
		b = mp_adds(b, mp_muls(scales, 2));
		break;
	case MP_SQ_NVFP4:
		/* fp8 group scales, one fp32 global scale */
		return mp_adds(mp_adds((n + 1) / 2, scales), mp_muls(experts,
		    4));
	default:
		b = mp_adds(n, mp_muls(scales, 2));
		if (!q->symmetric)
			b = mp_adds(b, scales);	/* int8 zero points */
		break;
	}
	if (q->g_idx)
		b = mp_adds(b, mp_muls(mp_muls(experts, cols), 4));
	return b;
}

uint64_t
mp_tensor_bytes(const struct mp_model *m, const struct mp_tensor *t,
    const struct mp_scenario *sc)
{
	uint64_t	 n = mp_tensor_numel(t), rows, cols, blocks, groups;
	enum mp_dtype	 cd = mp_compute_dtype(m, sc);

	/* A checkpoint read from its files is priced as it is stored. */
	if (sc->weights_as_stored && t->file_bytes > 0)
		return t->file_bytes;
	/* Rotary inv_freq and similar buffers are always float32. */
	if (t->flags & MP_TF_F32)
		return mp_muls(n, 4);
	if (!quantizable(m, t, sc) ||
	    mp_dtype_info(sc->weights)->is_float)
		return mp_dtype_bytes(mp_dtype_info(sc->weights)->is_float ?
		    sc->weights : cd, n);
	rows_cols(t, &rows, &cols);
	if (sc->weights_shipped && m->shipq.layout != MP_SQ_DTYPE)
		return ct_bytes(&m->shipq, t, rows, cols);
	switch (sc->weights) {
	case MP_DT_INT8:
		/* LLM.int8: one int8 per weight + one fp32 scale per row. */
		return mp_adds(n, mp_muls(rows, 4));
	case MP_DT_NF4:
	case MP_DT_FP4:
		/*
		 * bitsandbytes 4-bit: two values per byte and one absmax per
		 * block of 64; fp32 absmax, or with double quantization an
		 * 8-bit absmax plus one fp32 scale per 256 blocks.
		 */
		blocks = n / 64 + (n % 64 != 0);
		if (sc->double_quant)
			return mp_adds(mp_adds((n + 1) / 2, blocks),
			    mp_muls(blocks / 256 + 1, 4));
		return mp_adds((n + 1) / 2, mp_muls(blocks, 4));
	case MP_DT_INT4_GPTQ:
	case MP_DT_INT4_AWQ:
		/*
		 * GPTQ/AWQ: 4-bit weights packed in int32, one fp16 scale and
		 * one 4-bit zero point (packed eight to an int32) per group of
		 * group_size input values per output row.  GPTQ checkpoints
		 * also store g_idx, an int32 group index per input column.
		 */
		groups = mp_muls(rows, cols / sc->group_size +
		    (cols % sc->group_size != 0));
		blocks = mp_adds(mp_adds((n + 1) / 2, mp_muls(groups, 2)),
		    (groups + 1) / 2);
		if (sc->weights == MP_DT_INT4_GPTQ)
			blocks = mp_adds(blocks, mp_muls(t->ndim == 3 ?
			    mp_muls(t->dims[0], cols) : cols, 4));
		return blocks;
	case MP_DT_F8_E4M3:
		/*
		 * FP8 e4m3 (transformers' FineGrainedFP8, DeepSeek-V3's
		 * checkpoints): one byte per weight and one fp32 scale per
		 * 128 x 128 block (weight_scale_inv).
		 */
		blocks = mp_muls(rows / 128 + (rows % 128 != 0),
		    cols / 128 + (cols % 128 != 0));
		return mp_adds(n, mp_muls(blocks, 4));
	case MP_DT_MXFP4:
		/* MXFP4: 32 values in 16 bytes + one e8m0 scale byte. */
		return mp_dtype_bytes(MP_DT_MXFP4, n);
	default:
		return mp_dtype_bytes(sc->weights, n);
	}
}

bool
mp_weights_bytes(const struct mp_model *m, const struct mp_scenario *sc,
    uint64_t *bytes, struct mp_error *err)
{
	uint64_t	 sum = 0, all;
	size_t		 i;

	/*
	 * A float format over a config-derived model is linear in the
	 * element count: the same sum as the loop below, without it (plan
	 * and fit estimate thousands of times).
	 */
	if (m->source == MP_SRC_CONFIG && !sc->weights_as_stored &&
	    mp_dtype_info(sc->weights)->is_float &&
	    mp_add(m->params, m->buffer_elems, &all) && all >= m->f32_elems) {
		*bytes = mp_adds(mp_dtype_bytes(sc->weights, all - m->f32_elems),
		    mp_muls(m->f32_elems, 4));
		return true;
	}
	for (i = 0; i < m->n_tensors; i++)
		if (!mp_add(sum, mp_tensor_bytes(m, &m->tensors[i], sc), &sum))
			return mp_error_set(err, MP_ERANGE, m->path, NULL,
			    "weight bytes overflow 64-bit arithmetic");
	*bytes = sum;
	return true;
}
