/* dtype.c: storage formats, their block sizes and bytes per block */
/* SPDX-License-Identifier: MIT */
#include <string.h>

#include "internal.h"

/*
 * Block sizes and bytes per block of the ggml types are facts from
 * ggml's type traits (ggml/src/ggml.c type_traits[], ggml-common.h block
 * structs; also gguf-py GGML_QUANT_SIZES).  The bitsandbytes and GPTQ
 * formats are priced per tensor by the quantization module; here they
 * carry their payload bits only (4-bit = 1 byte per 2 values).
 */
static const struct mp_dtype_info table[MP_DT__COUNT] = {
	[MP_DT_NONE] =		{ "none", MP_DT_NONE, 1, 0, false },
	[MP_DT_F32] =		{ "f32", MP_DT_F32, 1, 4, true },
	[MP_DT_F16] =		{ "f16", MP_DT_F16, 1, 2, true },
	[MP_DT_BF16] =		{ "bf16", MP_DT_BF16, 1, 2, true },
	[MP_DT_F8_E4M3] =	{ "fp8", MP_DT_F8_E4M3, 1, 1, false },
	[MP_DT_INT8] =		{ "int8", MP_DT_INT8, 1, 1, false },
	[MP_DT_NF4] =		{ "nf4", MP_DT_NF4, 2, 1, false },
	[MP_DT_FP4] =		{ "fp4", MP_DT_FP4, 2, 1, false },
	[MP_DT_INT4_GPTQ] =	{ "gptq", MP_DT_INT4_GPTQ, 2, 1, false },
	[MP_DT_INT4_AWQ] =	{ "awq", MP_DT_INT4_AWQ, 2, 1, false },
	[MP_DT_MXFP4] =		{ "mxfp4", MP_DT_MXFP4, 32, 17, false },
	[MP_DT_Q8_0] =		{ "q8_0", MP_DT_Q8_0, 32, 34, false },
	[MP_DT_Q4_0] =		{ "q4_0", MP_DT_Q4_0, 32, 18, false },
	[MP_DT_Q4_1] =		{ "q4_1", MP_DT_Q4_1, 32, 20, false },
	[MP_DT_Q5_0] =		{ "q5_0", MP_DT_Q5_0, 32, 22, false },
	[MP_DT_Q5_1] =		{ "q5_1", MP_DT_Q5_1, 32, 24, false },
	[MP_DT_Q2_K] =		{ "q2_k", MP_DT_Q2_K, 256, 84, false },
	[MP_DT_Q3_K] =		{ "q3_k", MP_DT_Q3_K, 256, 110, false },
	[MP_DT_Q4_K] =		{ "q4_k", MP_DT_Q4_K, 256, 144, false },
	[MP_DT_Q5_K] =		{ "q5_k", MP_DT_Q5_K, 256, 176, false },
	[MP_DT_Q6_K] =		{ "q6_k", MP_DT_Q6_K, 256, 210, false },
	[MP_DT_Q8_K] =		{ "q8_k", MP_DT_Q8_K, 256, 292, false },
	[MP_DT_IQ4_NL] =	{ "iq4_nl", MP_DT_IQ4_NL, 32, 18, false },
	[MP_DT_IQ4_XS] =	{ "iq4_xs", MP_DT_IQ4_XS, 256, 136, false },
	[MP_DT_IQ3_S] =		{ "iq3_s", MP_DT_IQ3_S, 256, 110, false },
	[MP_DT_IQ3_XXS] =	{ "iq3_xxs", MP_DT_IQ3_XXS, 256, 98, false },
	[MP_DT_IQ2_S] =		{ "iq2_s", MP_DT_IQ2_S, 256, 82, false },
	[MP_DT_IQ2_XS] =	{ "iq2_xs", MP_DT_IQ2_XS, 256, 74, false },
	[MP_DT_IQ2_XXS] =	{ "iq2_xxs", MP_DT_IQ2_XXS, 256, 66, false },
	[MP_DT_IQ1_S] =		{ "iq1_s", MP_DT_IQ1_S, 256, 50, false },
	[MP_DT_IQ1_M] =		{ "iq1_m", MP_DT_IQ1_M, 256, 56, false },
	[MP_DT_TQ1_0] =		{ "tq1_0", MP_DT_TQ1_0, 256, 54, false },
	[MP_DT_TQ2_0] =		{ "tq2_0", MP_DT_TQ2_0, 256, 66, false },
};

/* Spellings people use for the float types. */
static const struct {
	const char	*name;
	enum mp_dtype	 dt;
} aliases[] = {
	{ "fp32", MP_DT_F32 }, { "float32", MP_DT_F32 },
	{ "fp16", MP_DT_F16 }, { "float16", MP_DT_F16 }, { "half", MP_DT_F16 },
	{ "bfloat16", MP_DT_BF16 },
	{ "float8_e4m3fn", MP_DT_F8_E4M3 }, { "fp8_e4m3", MP_DT_F8_E4M3 },
	{ "e4m3", MP_DT_F8_E4M3 }, { "int4", MP_DT_INT4_GPTQ },
};

/*
 * The float and bitsandbytes/GPTQ/AWQ formats --weights accepts, in the
 * spelling people use; GGUF types come from gguf_quant.c's table.
 */
static const char *const weights_formats[] = {
	"fp32", "fp16", "bf16", "fp8", "int8", "nf4", "fp4", "gptq", "awq",
	"mxfp4",
};

const char *
mp_weights_format(size_t i)
{
	return i < sizeof(weights_formats) / sizeof(weights_formats[0]) ?
	    weights_formats[i] : NULL;
}

const struct mp_dtype_info *
mp_dtype_info(enum mp_dtype dt)
{
	if ((unsigned)dt >= MP_DT__COUNT)
		dt = MP_DT_NONE;
	return &table[dt];
}

enum mp_ggml_family
mp_ggml_family(enum mp_dtype t)
{
	switch (t) {
	case MP_DT_F32:
	case MP_DT_F16:
	case MP_DT_BF16:
		return MP_GF_FLOAT;
	case MP_DT_Q8_0:
	case MP_DT_Q4_0:
	case MP_DT_Q4_1:
	case MP_DT_Q5_0:
	case MP_DT_Q5_1:
	case MP_DT_IQ4_NL:
		return MP_GF_LEGACY;
	case MP_DT_MXFP4:
	case MP_DT_FP4:
		return MP_GF_MXFP4;
	default:
		return MP_GF_KQUANT;	/* k-quants, i-quants, the rest */
	}
}

uint64_t
mp_dtype_bytes(enum mp_dtype dt, uint64_t n)
{
	const struct mp_dtype_info *t = mp_dtype_info(dt);
	uint64_t blocks = n / t->block + (n % t->block != 0);

	return mp_muls(blocks, t->block_bytes);
}

enum mp_dtype
mp_dtype_parse(const char *s)
{
	size_t i;

	if (s == NULL)
		return MP_DT_NONE;
	for (i = 1; i < MP_DT__COUNT; i++)
		if (table[i].name != NULL && strcmp(s, table[i].name) == 0)
			return (enum mp_dtype)i;
	for (i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++)
		if (strcmp(s, aliases[i].name) == 0)
			return aliases[i].dt;
	return MP_DT_NONE;
}
