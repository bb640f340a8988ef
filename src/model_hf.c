/*
 * model_hf.c: a HuggingFace config.json as the tensors transformers
 * builds: the parser, the model_type table and the common dimensions;
 * each family's tensors are built in arch_*.c.
 */
/* SPDX-License-Identifier: MIT */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "fileio.h"
#include "jsonread.h"
#include "hf.h"

/* Nesting deeper than any config needs is refused before cJSON recurses. */
#define MAX_DEPTH		64
/* Values in one config.json (real ones have a few hundred; id2label maps
 * a few thousand): bounds cJSON's tree to about 100 MB. */
#define MAX_JSON_VALUES		(1u << 20)

/*
 * rope_scaling, or rope_parameters in transformers 5 (base.py reads
 * either; "type" is the old spelling of "rope_type").  Only what decides
 * the context length is kept; a malformed entry is ignored as
 * transformers ignores what it does not use.
 */
static void
rope_scaling(struct cfg *c, struct mp_model *m)
{
	const cJSON	*rs = hf_item(c->text, "rope_parameters"), *v;
	const char	*t;

	if (!cJSON_IsObject(rs))
		rs = hf_item(c->text, "rope_scaling");
	if (!cJSON_IsObject(rs))
		return;
	if ((t = hf_get_str(rs, "rope_type")) == NULL)
		t = hf_get_str(rs, "type");
	if (t == NULL || strcmp(t, "default") == 0)
		return;
	snprintf(m->rope_type, sizeof(m->rope_type), "%s", t);
	v = hf_item(rs, "factor");
	if (cJSON_IsNumber(v) && isfinite(v->valuedouble) &&
	    v->valuedouble >= 1 && v->valuedouble <= 1024)
		m->rope_factor = v->valuedouble;
	v = hf_item(rs, "original_max_position_embeddings");
	if (cJSON_IsNumber(v) && v->valuedouble >= 1 &&
	    v->valuedouble <= (double)(1ull << 34))
		m->rope_orig = (uint64_t)v->valuedouble;
}

static const struct archdef archs[] = {
	{ "llama", FAM_LLAMA, false, false, false, false },
	{ "mistral", FAM_LLAMA, false, false, false, false },
	{ "granite", FAM_LLAMA, false, false, false, false },
	{ "qwen2", FAM_LLAMA, true, false, false, false },
	{ "qwen3", FAM_LLAMA, false, true, false, false },
	{ "qwen3_moe", FAM_LLAMA, false, true, true, false },
	{ "qwen3_vl_text", FAM_LLAMA, false, true, false, false },
	{ "mixtral", FAM_LLAMA, false, false, true, false },
	{ "phimoe", FAM_LLAMA, false, false, true, false },
	{ "olmo2", FAM_LLAMA, false, true, false, false },
	{ "phi3", FAM_PHI3, false, false, false, false },
	{ "gemma2", FAM_GEMMA, false, false, false, false },
	{ "gemma3_text", FAM_GEMMA, false, true, false, false },
	{ "deepseek_v2", FAM_DEEPSEEK, false, false, true, false },
	{ "deepseek_v3", FAM_DEEPSEEK, false, false, true, false },
	{ "kimi_k2", FAM_DEEPSEEK, false, false, true, false },
	{ "gpt_oss", FAM_GPTOSS, true, false, true, true },
	{ "llama4_text", FAM_LLAMA4, false, false, true, false },
	{ "nemotron_h", FAM_NEMOTRONH, false, false, false, false },
	{ "gpt_neox", FAM_GPTNEOX, true, false, false, false },
	{ "gpt2", FAM_GPT2, true, false, false, false },
	{ "gptj", FAM_GPTJ, false, false, false, false },
};

static const struct archdef generic = { "", FAM_LLAMA, false, false, false,
	false };

static enum mp_dtype
parse_torch_dtype(const char *s)
{
	if (s == NULL)
		return MP_DT_NONE;
	if (strcmp(s, "bfloat16") == 0)
		return MP_DT_BF16;
	if (strcmp(s, "float16") == 0)
		return MP_DT_F16;
	if (strcmp(s, "float32") == 0)
		return MP_DT_F32;
	return MP_DT_NONE;
}

/* layer_types / gemma patterns: which layers see a sliding window. */
static bool
layer_kinds(struct cfg *c, const struct archdef *a)
{
	struct mp_model	*m = c->m;
	const cJSON	*lt = hf_item(c->text, "layer_types");
	uint32_t	 i, pattern;
	uint64_t	 kvk = (uint64_t)m->kv_heads * m->head_dim;

	for (i = 0; i < m->layers; i++) {
		m->layer[i].kind = MP_LK_FULL;
		m->layer[i].kv_k = (uint32_t)kvk;
		m->layer[i].kv_v = (uint32_t)kvk;
	}
	if (cJSON_IsArray(lt)) {
		if ((uint32_t)cJSON_GetArraySize(lt) != m->layers)
			return hf_bad_field(c, c->tpfx, "layer_types",
			    "expected one entry per hidden layer");
		for (i = 0; i < m->layers; i++) {
			const cJSON *e = cJSON_GetArrayItem(lt, (int)i);

			if (!cJSON_IsString(e))
				return hf_bad_field(c, c->tpfx, "layer_types",
				    "expected strings");
			if (strcmp(e->valuestring, "sliding_attention") == 0 ||
			    strcmp(e->valuestring, "chunked_attention") == 0)
				m->layer[i].kind = MP_LK_SLIDING;
		}
	} else if (strcmp(a->model_type, "gemma2") == 0) {
		/* Gemma 2 alternates: even layers local, odd global. */
		for (i = 0; i < m->layers; i += 2)
			m->layer[i].kind = MP_LK_SLIDING;
	} else if (strcmp(a->model_type, "gemma3_text") == 0) {
		/* Gemma 3: five local layers, then one global. */
		if (!hf_tint(c, "sliding_window_pattern", false, 6, 1,
		    MAX_LAYERS, &pattern))
			return false;
		for (i = 0; i < m->layers; i++)
			if ((i + 1) % pattern != 0)
				m->layer[i].kind = MP_LK_SLIDING;
	} else if (a->fam == FAM_LLAMA4) {
		/* Llama 4: RoPE layers attend in chunks, every 4th is NoPE. */
		for (i = 0; i < m->layers; i++)
			if ((i + 1) % 4 != 0)
				m->layer[i].kind = MP_LK_SLIDING;
	}
	for (i = 0; i < m->layers; i++)
		if (m->layer[i].kind == MP_LK_SLIDING) {
			if (m->sliding_window == 0)
				m->layer[i].kind = MP_LK_FULL;
			m->layer[i].window = m->sliding_window;
		}
	return true;
}

/*
 * vocab_size when a config leaves it out: the default of transformers'
 * config class for that model_type (models/<type>/configuration_<type>.py,
 * the vocab_size argument of __init__), because that is the model
 * transformers builds from such a config.  A type not listed (kimi_k2 is
 * remote code; unknown types) has no default to stand behind: an error.
 */
static const struct {
	const char	*type;
	const char	*cls;
	uint64_t	 vocab;
} vocab_defaults[] = {
	{ "llama",		"LlamaConfig",		32000 },
	{ "mistral",		"MistralConfig",	32000 },
	{ "mixtral",		"MixtralConfig",	32000 },
	{ "granite",		"GraniteConfig",	32000 },
	{ "qwen2",		"Qwen2Config",		151936 },
	{ "qwen3",		"Qwen3Config",		151936 },
	{ "qwen3_moe",		"Qwen3MoeConfig",	151936 },
	{ "qwen3_vl_text",	"Qwen3VLTextConfig",	151936 },
	{ "phi3",		"Phi3Config",		32064 },
	{ "phimoe",		"PhimoeConfig",		32064 },
	{ "olmo2",		"Olmo2Config",		50304 },
	{ "gemma2",		"Gemma2Config",		256000 },
	{ "gemma3_text",	"Gemma3TextConfig",	262208 },
	{ "deepseek_v2",	"DeepseekV2Config",	102400 },
	{ "deepseek_v3",	"DeepseekV3Config",	129280 },
	{ "gpt_oss",		"GptOssConfig",		201088 },
	{ "llama4_text",	"Llama4TextConfig",	202048 },
	{ "nemotron_h",		"NemotronHConfig",	131072 },
	{ "gpt_neox",		"GPTNeoXConfig",	50432 },
	{ "gpt2",		"GPT2Config",		50257 },
	{ "gptj",		"GPTJConfig",		50400 },
};

/* vocab_size, or the family's transformers default (said in a note). */
static bool
read_vocab(struct cfg *c, const struct archdef *a)
{
	struct mp_model	*m = c->m;
	const char	*t = a->model_type[0] != '\0' ? a->model_type :
			    m->model_type;
	size_t		 i, n;

	if (hf_item(c->text, "vocab_size") != NULL)
		return hf_get_int(c, c->text, c->tpfx, "vocab_size", true, 0, 1,
		    MAX_VOCAB, &m->vocab);
	for (i = 0; i < sizeof(vocab_defaults) / sizeof(vocab_defaults[0]);
	    i++)
		if (strcmp(vocab_defaults[i].type, t) == 0)
			break;
	if (i == sizeof(vocab_defaults) / sizeof(vocab_defaults[0]))
		return hf_bad_field(c, c->tpfx, "vocab_size",
		    "missing; expected "
		    "the vocabulary size (this model_type has no "
		    "transformers default memplan knows)");
	m->vocab = vocab_defaults[i].vocab;
	n = strlen(m->warning);
	snprintf(m->warning + n, sizeof(m->warning) - n, "%s%s"
	    "vocab_size missing: %s's default %llu used", n > 0 ? "; " : "",
	    c->tpfx, vocab_defaults[i].cls,
	    (unsigned long long)vocab_defaults[i].vocab);
	return true;
}

/* Common hyperparameters, read once with their defaults and bounds. */
static bool
read_dims(struct cfg *c, const struct archdef *a)
{
	struct mp_model	*m = c->m;
	const char	*hk = "hidden_size", *lk = "num_hidden_layers",
			*nk = "num_attention_heads", *ik = "intermediate_size";
	uint64_t	 pos;
	uint32_t	 hd, ek = 0;
	double		 prf;
	bool		 gemma3 = strcmp(a->model_type, "gemma3_text") == 0;

	if (a->fam == FAM_GPT2 || a->fam == FAM_GPTJ) {
		hk = "n_embd";
		lk = "n_layer";
		nk = "n_head";
		ik = "n_inner";
	}
	/* Gemma3TextConfig defaults fill what the nested config leaves out. */
	if (!hf_tint(c, hk, !gemma3, 2304, 1, MAX_WIDTH, &m->hidden) ||
	    !hf_tint(c, lk, !gemma3, 26, 1, MAX_LAYERS, &m->layers) ||
	    !hf_tint(c, nk, !gemma3, 8, 1, MAX_HEADS, &m->heads) ||
	    !read_vocab(c, a))
		return false;
	if (!hf_tint(c, "num_key_value_heads", false, gemma3 ? 4 : m->heads, 1,
	    MAX_HEADS, &m->kv_heads))
		return false;
	if (a->fam == FAM_GPT2 || a->fam == FAM_GPTJ) {
		if (!hf_tint(c, ik, false, 4ULL * m->hidden, 1, MAX_WIDTH,
		    &m->intermediate))
			return false;
	} else if (!hf_tint(c, ik, !gemma3 && a->fam != FAM_NEMOTRONH, 9216, 1,
	    MAX_WIDTH, &m->intermediate))
		return false;
	if (m->heads % m->kv_heads != 0)
		return hf_bad_field(c, c->tpfx, "num_key_value_heads",
		    "expected a divisor of num_attention_heads");
	/* head_dim: explicit (Gemma, Mistral-Small, Qwen3) or hidden/heads. */
	if (m->hidden % m->heads != 0 && hf_item(c->text, "head_dim") == NULL &&
	    hf_item(c->text, "attention_head_dim") == NULL && !gemma3)
		return hf_bad_field(c, c->tpfx, nk, "expected a divisor of "
		    "hidden_size (or an explicit head_dim)");
	if (!hf_tint(c, "head_dim", false, gemma3 ? 256 : m->hidden / m->heads,
	    1, MAX_WIDTH, &hd) ||
	    !hf_tint(c, "attention_head_dim", false, hd, 1, MAX_WIDTH, &hd))
		return false;
	m->head_dim = m->v_head_dim = hd;
	m->rotary_dim = hd;
	prf = hf_tdouble(c, a->fam == FAM_GPTNEOX ? "rotary_pct" :
	    "partial_rotary_factor", a->fam == FAM_GPTNEOX ? 0.25 : 1.0);
	if (prf > 0 && prf <= 1)
		m->rotary_dim = (uint32_t)((double)hd * prf);
	if (a->fam == FAM_GPTJ && !hf_tint(c, "rotary_dim", false, hd, 1,
	    MAX_WIDTH, &m->rotary_dim))
		return false;
	if (!hf_get_int(c, c->text, c->tpfx,
	    a->fam == FAM_GPT2 ? "n_positions" : "max_position_embeddings",
	    false, gemma3 ? 131072 : 4096, 1, MAX_POS, &pos))
		return false;
	m->max_pos = pos;
	rope_scaling(c, m);
	if (!hf_tint(c, "sliding_window", false, gemma3 ? 4096 : 0, 0,
	    UINT32_MAX, &m->sliding_window))
		return false;
	/* Mixture of experts: the names differ per family. */
	if (!hf_tint(c, "num_local_experts", false, 0, 0, MAX_EXPERTS,
	    &m->n_experts) ||
	    !hf_tint(c, "num_experts", false, m->n_experts, 0, MAX_EXPERTS,
	    &m->n_experts) ||
	    !hf_tint(c, "n_routed_experts", false, m->n_experts, 0, MAX_EXPERTS,
	    &m->n_experts) ||
	    !hf_tint(c, "num_experts_per_tok", false, 0, 0, MAX_EXPERTS, &ek) ||
	    !hf_tint(c, "n_shared_experts", false, 0, 0, MAX_EXPERTS,
	    &m->n_shared_experts) ||
	    !hf_tint(c, "moe_intermediate_size", false, m->intermediate, 1,
	    MAX_WIDTH, &m->moe_intermediate) ||
	    !hf_tint(c, "shared_expert_intermediate_size", false, 0, 0,
	    MAX_WIDTH, &m->shared_intermediate))
		return false;
	m->experts_per_tok = ek;
	/* DeepSeek-V3 / GLM-4.5 multi-token-prediction layers, stored
	 * after the num_hidden_layers decoder layers. */
	if (!hf_tint(c, "num_nextn_predict_layers", false, 0, 0, MAX_LAYERS,
	    &m->nextn_layers))
		return false;
	if (m->shared_intermediate > 0 && m->n_shared_experts == 0)
		m->n_shared_experts = 1;
	if (a->fam == FAM_LLAMA4) {
		/* Llama 4's expert width is intermediate_size. */
		m->moe_intermediate = m->intermediate;
	}
	if (a->moe && m->n_experts == 0)
		return hf_bad_field(c, c->tpfx, "num_experts", "expected a "
		    "positive number of experts for a MoE architecture");
	if (m->experts_per_tok > m->n_experts)
		return hf_bad_field(c, c->tpfx, "num_experts_per_tok",
		    "expected at most the number of experts");
	/* Experts with none routed per token is no model: not a default. */
	if (m->n_experts > 0 && m->experts_per_tok == 0)
		return hf_bad_field(c, c->tpfx, "num_experts_per_tok",
		    hf_item(c->text, "num_experts_per_tok") != NULL ?
		    "expected 1 to the number of experts, got 0" :
		    "missing; expected the experts routed per token");
	if (a->fam == FAM_DEEPSEEK) {
		if (!hf_tint(c, "q_lora_rank", false, 0, 0, MAX_WIDTH,
		    &m->q_lora_rank) ||
		    !hf_tint(c, "kv_lora_rank", true, 0, 1, MAX_WIDTH,
		    &m->kv_lora_rank) ||
		    !hf_tint(c, "qk_rope_head_dim", true, 0, 1, MAX_WIDTH,
		    &m->qk_rope_dim) ||
		    !hf_tint(c, "qk_nope_head_dim", true, 0, 1, MAX_WIDTH,
		    &m->qk_nope_dim) ||
		    !hf_tint(c, "v_head_dim", true, 0, 1, MAX_WIDTH,
		    &m->v_head_dim))
			return false;
		m->head_dim = m->qk_nope_dim + m->qk_rope_dim;
	}
	if (a->fam == FAM_NEMOTRONH) {
		uint32_t	 expand;
		const char	*dt;

		if (!hf_tint(c, "mamba_num_heads", true, 0, 1, MAX_HEADS,
		    &m->ssm_heads) ||
		    !hf_tint(c, "mamba_head_dim", true, 0, 1, MAX_WIDTH,
		    &m->ssm_head_dim) ||
		    !hf_tint(c, "ssm_state_size", true, 0, 1, MAX_WIDTH,
		    &m->ssm_state) ||
		    !hf_tint(c, "n_groups", false, 1, 1, MAX_HEADS,
		    &m->ssm_groups) ||
		    !hf_tint(c, "conv_kernel", false, 4, 1, 1024,
		    &m->ssm_conv) ||
		    !hf_tint(c, "expand", false, 2, 1, 64, &expand))
			return false;
		dt = hf_get_str(c->text, "mamba_ssm_cache_dtype");
		m->ssm_f32 = dt != NULL && strcmp(dt, "float32") == 0;
	}
	return true;
}

static const struct archdef *
find_arch(const char *mt, bool *known)
{
	size_t i;

	*known = true;
	if (mt != NULL)
		for (i = 0; i < sizeof(archs) / sizeof(archs[0]); i++)
			if (strcmp(mt, archs[i].model_type) == 0)
				return &archs[i];
	*known = false;
	return &generic;
}

static bool
build(struct cfg *c)
{
	struct mp_model		*m = c->m;
	const cJSON		*tc = hf_item(c->root, "text_config");
	const cJSON		*vc = hf_item(c->root, "vision_config");
	const cJSON		*arr = hf_item(c->root, "architectures");
	const cJSON		*qc = hf_item(c->root, "quantization_config");
	const char		*mt, *top = hf_get_str(c->root, "model_type");
	const struct archdef	*a;
	bool			 known, tied_def, ok;
	const char		*dt;

	if (!cJSON_IsObject(c->root))
		return mp_error_set(c->err, MP_EINPUT, c->path, NULL,
		    "expected a JSON object (a config.json)");
	c->text = c->root;
	c->tpfx = "";
	if (tc != NULL) {
		if (!cJSON_IsObject(tc))
			return mp_error_set(c->err, MP_EINPUT, c->path,
			    "text_config", "expected an object");
		c->text = tc;
		c->tpfx = "text_config.";
	}
	if (cJSON_IsArray(arr) && cJSON_IsString(cJSON_GetArrayItem(arr, 0)))
		snprintf(m->arch, sizeof(m->arch), "%s",
		    cJSON_GetArrayItem(arr, 0)->valuestring);
	mt = hf_get_str(c->text, "model_type");
	/* Nested configs may omit their own model_type: infer it. */
	if (mt == NULL && tc != NULL && top != NULL) {
		if (strcmp(top, "gemma3") == 0)
			mt = "gemma3_text";
		else if (strcmp(top, "llama4") == 0)
			mt = "llama4_text";
		else if (strcmp(top, "qwen3_vl") == 0)
			mt = "qwen3_vl_text";
	}
	if (mt == NULL)
		mt = top;
	if (mt == NULL)
		return mp_error_set(c->err, MP_EINPUT, c->path, "model_type",
		    "missing; expected the architecture name, e.g. \"llama\"");
	snprintf(m->model_type, sizeof(m->model_type), "%s", mt);
	a = find_arch(mt, &known);
	if (!known)
		snprintf(m->warning, sizeof(m->warning),
		    "unknown model_type \"%.40s\": estimated as a generic "
		    "llama-style decoder (gated MLP, no biases)", mt);
	m->eager_attn = a->eager;
	m->no_sdpa = a->eager;
	/* A config that asks for eager attention gets it: transformers
	 * reads attn_implementation (saved as "_attn_implementation" by
	 * older versions) from the config (configuration_utils.py). */
	{
		const char *ai = hf_get_str(c->root, "attn_implementation");
		const cJSON *dp = hf_item(c->text, "attention_dropout");

		if (ai == NULL)
			ai = hf_get_str(c->root, "_attn_implementation");
		if (ai != NULL && strcmp(ai, "eager") == 0)
			m->eager_attn = true;
		/* attention_dropout (LlamaConfig and most decoders; 0.0
		 * by default): the probability the attention applies in
		 * training; anything outside [0, 1) is ignored, as a
		 * dropout transformers could not run */
		if (cJSON_IsNumber(dp) && isfinite(dp->valuedouble) &&
		    dp->valuedouble > 0 && dp->valuedouble < 1)
			m->attn_dropout = dp->valuedouble;
	}
	m->gated_mlp = a->fam != FAM_GPTNEOX && a->fam != FAM_GPT2 &&
	    a->fam != FAM_GPTJ && a->fam != FAM_NEMOTRONH;

	dt = hf_get_str(c->text, "torch_dtype");
	if (dt == NULL)
		dt = hf_get_str(c->text, "dtype");
	if (dt == NULL)
		dt = hf_get_str(c->root, "torch_dtype");
	if (dt == NULL)
		dt = hf_get_str(c->root, "dtype");
	m->torch_dtype = parse_torch_dtype(dt);
	/* A dtype memplan does not know is not read as "none given". */
	{
		const cJSON *d = hf_item(c->text, "torch_dtype");

		if (d == NULL)
			d = hf_item(c->text, "dtype");
		if (d == NULL)
			d = hf_item(c->root, "torch_dtype");
		if (d == NULL)
			d = hf_item(c->root, "dtype");
		if (d != NULL && !cJSON_IsNull(d) && (!cJSON_IsString(d) ||
		    m->torch_dtype == MP_DT_NONE))
			return hf_bad_field(c, "", d->string, "expected "
			    "\"bfloat16\", \"float16\" or \"float32\"");
	}
	/* The name now (defaults read it); the scheme once the tensors
	 * exist (quantcfg.c). */
	if (qc != NULL) {
		const char *qm = hf_get_str(qc, "quant_method");

		snprintf(m->quant_method, sizeof(m->quant_method), "%s",
		    qm != NULL ? qm : "unknown");
	}

	if (!read_dims(c, a))
		return false;
	/*
	 * The config classes' own defaults when the file says nothing:
	 * Gemma and GPT-2 tie the head to the embedding; LlamaConfig,
	 * Qwen2/3, Mistral, Phi-3, DeepSeek and the rest do not.
	 */
	tied_def = a->fam == FAM_GEMMA || a->fam == FAM_GPT2;
	if (!hf_get_bool(c, c->text, c->tpfx, "tie_word_embeddings", tied_def,
	    &m->tied))
		return false;
	if (c->text != c->root && hf_item(c->text,
	    "tie_word_embeddings") == NULL &&
	    !hf_get_bool(c, c->root, "", "tie_word_embeddings", m->tied,
	    &m->tied))
		return false;
	if (a->fam == FAM_GPTNEOX && !hf_tbool(c, "tie_word_embeddings", false,
	    &m->tied))
		return false;

	/*
	 * Mistral, Mixtral, Phi-3 and PhiMoE apply config.sliding_window in
	 * every layer's attention mask while DynamicCache keeps every token
	 * (Phi-3-mini's measured cache at 4096 tokens is full).
	 */
	if (strcmp(mt, "mistral") == 0 || strcmp(mt, "mixtral") == 0 ||
	    strcmp(mt, "phi3") == 0 || strcmp(mt, "phimoe") == 0)
		m->mask_window = m->sliding_window;
	m->layer = calloc(m->layers, sizeof(*m->layer));
	if (m->layer == NULL)
		return mp_error_set(c->err, MP_ENOMEM, c->path, NULL,
		    "out of memory");
	if (!layer_kinds(c, a))
		return false;

	switch (a->fam) {
	case FAM_LLAMA:
	case FAM_PHI3:
		ok = hf_build_llama(c, a);
		break;
	case FAM_GEMMA:
		ok = hf_build_gemma(c, a);
		break;
	case FAM_DEEPSEEK:
		ok = hf_build_deepseek(c, a);
		break;
	case FAM_GPTOSS:
		ok = hf_build_gptoss(c, a);
		break;
	case FAM_LLAMA4:
		ok = hf_build_llama4(c, a);
		break;
	case FAM_NEMOTRONH:
		ok = hf_build_nemotronh(c, a);
		break;
	case FAM_GPTNEOX:
	case FAM_GPT2:
	case FAM_GPTJ:
		ok = hf_build_gpt(c, a);
		break;
	default:
		ok = false;
	}
	if (!ok)
		return false;
	if (vc != NULL && cJSON_IsObject(vc)) {
		if (top != NULL && strcmp(top, "gemma3") == 0)
			ok = hf_vision_siglip(c, vc, m->hidden);
		else if (top != NULL && strcmp(top, "qwen3_vl") == 0)
			ok = hf_vision_qwen3vl(c, vc);
		else if (top != NULL && strcmp(top, "llama4") == 0)
			ok = hf_vision_llama4(c, vc);
		if (!ok)
			return false;
	}
	if (!mp_quantcfg_read(qc, m, c->path, c->err))
		return false;
	return mp_model_count(m, c->err);
}


/*
 * The converter's inputs that are not sizes (mp_model_hints), read from
 * the tree just parsed so that a config from memory and the same file on
 * disk lay out the same GGUF.  Lenient like the converter: a missing or
 * mistyped key keeps its default.
 */
static const cJSON *
hget(const cJSON *text, const cJSON *root, const char *key)
{
	const cJSON *v = NULL;

	if (text != NULL)
		v = cJSON_GetObjectItemCaseSensitive(text, key);
	if ((v == NULL || cJSON_IsNull(v)) && root != NULL)
		v = cJSON_GetObjectItemCaseSensitive(root, key);
	return v;
}

static bool
hbool(const cJSON *text, const cJSON *root, const char *key)
{
	return cJSON_IsTrue(hget(text, root, key));
}

static int64_t
hint(const cJSON *text, const cJSON *root, const char *key, int64_t def)
{
	const cJSON *v = hget(text, root, key);

	if (!cJSON_IsNumber(v) || v->valuedouble < 0 ||
	    v->valuedouble > 1e15)
		return def;
	return (int64_t)v->valuedouble;
}

static void
read_hints(const cJSON *root, struct mp_model_hints *h)
{
	const cJSON	*text, *rs, *v, *e;

	memset(h, 0, sizeof(*h));
	h->have = true;
	h->first_dense = -1;
	h->moe_freq = 1;
	h->conv_bias = true;
	text = cJSON_GetObjectItemCaseSensitive(root, "text_config");
	if (!cJSON_IsObject(text))
		text = NULL;
	h->attention_bias = hbool(text, root, "attention_bias");
	h->mlp_bias = hbool(text, root, "mlp_bias");
	h->lm_head_bias = hbool(text, root, "lm_head_bias");
	h->n_positions = (uint64_t)hint(text, root, "n_positions", 0);
	h->first_dense = hint(text, root, "first_k_dense_replace", -1);
	h->moe_freq = hint(text, root, "moe_layer_freq",
	    hint(text, root, "decoder_sparse_step",
	    hint(text, root, "interleave_moe_layer_step", 1)));
	h->mlp_inter = (uint64_t)hint(text, root, "intermediate_size_mlp", 0);
	h->shexp_inter = (uint64_t)hint(text, root,
	    "moe_shared_expert_intermediate_size", 0);
	v = hget(text, root, "use_conv_bias");
	if (cJSON_IsBool(v))
		h->conv_bias = cJSON_IsTrue(v);
	h->proj_bias = hbool(text, root, "mamba_proj_bias");
	if (h->moe_freq < 1)
		h->moe_freq = 1;
	v = hget(text, root, "topk_method");
	h->noaux_tc = cJSON_IsString(v) && strcmp(v->valuestring,
	    "noaux_tc") == 0;
	v = hget(text, root, "mlp_only_layers");
	if (cJSON_IsArray(v)) {
		cJSON_ArrayForEach(e, v) {
			if (cJSON_IsNumber(e) && e->valuedouble >= 0 &&
			    e->valuedouble < 1024)
				h->mlp_only[(int)e->valuedouble] = true;
		}
	}
	/* base.py: rope_parameters, else rope_scaling; "type" = "rope_type". */
	rs = hget(text, root, "rope_parameters");
	if (!cJSON_IsObject(rs))
		rs = hget(text, root, "rope_scaling");
	if (cJSON_IsObject(rs)) {
		v = cJSON_GetObjectItemCaseSensitive(rs, "rope_type");
		if (!cJSON_IsString(v))
			v = cJSON_GetObjectItemCaseSensitive(rs, "type");
		h->rope_llama3 = cJSON_IsString(v) &&
		    strcmp(v->valuestring, "llama3") == 0;
		v = cJSON_GetObjectItemCaseSensitive(rs, "long_factor");
		if (cJSON_IsArray(v))
			h->rope_factors = (uint64_t)cJSON_GetArraySize(v);
	}
}

/*
 * Python's json module writes Infinity, -Infinity and NaN (Nemotron-H's
 * "time_step_limit": [0.0, Infinity]); strict JSON parsers refuse them.
 * Outside strings they become null, padded so line:col stay true.
 */
static void
python_floats(char *s, size_t len)
{
	static const char *tok[] = { "-Infinity", "Infinity", "NaN" };
	size_t	i, k, n;
	bool	str = false;

	for (i = 0; i < len; i++) {
		if (str) {
			if (s[i] == '\\')
				i++;
			else if (s[i] == '"')
				str = false;
			continue;
		}
		if (s[i] == '"') {
			str = true;
			continue;
		}
		for (k = 0; k < 3; k++) {
			n = strlen(tok[k]);
			if (len - i >= n && memcmp(s + i, tok[k], n) == 0) {
				/* "NaN" is shorter than "null": write 0. */
				if (n < 4)
					memcpy(s + i, "0  ", n);
				else {
					memset(s + i, ' ', n);
					memcpy(s + i, "null", 4);
				}
				i += n - 1;
				break;
			}
		}
	}
}

static void
line_col(const char *s, size_t len, size_t off, uint32_t *line, uint32_t *col)
{
	size_t i;

	*line = 1;
	*col = 1;
	for (i = 0; i < off && i < len; i++) {
		if (s[i] == '\n') {
			(*line)++;
			*col = 1;
		} else
			(*col)++;
	}
}

bool
mp_model_parse(const char *json, size_t len, const char *path,
    struct mp_model *m, struct mp_error *err)
{
	cJSON		*root = NULL;
	const char	*end = NULL;
	char		*copy = NULL;
	struct cfg	 c;
	bool		 ok = false;
	uint32_t	 line, col;

	if (len == 0)
		return mp_error_set(err, MP_EINPUT, path, NULL,
		    "empty file; expected a JSON object (a config.json)");
	if (memchr(json, '\0', len) != NULL)
		return mp_error_set(err, MP_EINPUT, path, NULL,
		    "contains a NUL byte; expected JSON text");
	switch (mp_json_scan(json, len, MAX_DEPTH, MAX_JSON_VALUES)) {
	case MP_JSON_TOO_DEEP:
		return mp_error_set(err, MP_EINPUT, path, NULL,
		    "JSON nested deeper than %d levels", MAX_DEPTH);
	case MP_JSON_TOO_MANY:
		return mp_error_set(err, MP_EINPUT, path, NULL,
		    "more than %u JSON values; a config.json has far fewer",
		    MAX_JSON_VALUES);
	default:
		break;
	}
	if ((copy = malloc(len + 1)) == NULL)
		return mp_error_set(err, MP_ENOMEM, path, NULL, "out of memory");
	memcpy(copy, json, len);
	copy[len] = '\0';
	python_floats(copy, len);
	root = cJSON_ParseWithLengthOpts(copy, len, &end, false);
	if (root == NULL) {
		size_t off = end != NULL && end >= copy ? (size_t)(end - copy) :
		    0;

		free(copy);

		line_col(json, len, off, &line, &col);
		return mp_error_setl(err, MP_EINPUT, path, line, col, NULL,
		    "malformed JSON; expected a config.json object");
	}
	/* Trailing garbage after the object is malformed too. */
	if (end != NULL) {
		size_t off = (size_t)(end - copy);

		while (off < len && (json[off] == ' ' || json[off] == '\n' ||
		    json[off] == '\r' || json[off] == '\t'))
			off++;
		if (off < len) {
			line_col(json, len, off, &line, &col);
			mp_error_setl(err, MP_EINPUT, path, line, col, NULL,
			    "unexpected text after the JSON object");
			goto out;
		}
	}
	/* transformers reads config.json with Python's json: for a key
	 * given twice, the last value is the one the model is built with. */
	if (!mp_json_last_wins(root)) {
		mp_error_set(err, MP_ENOMEM, path, NULL, "out of memory");
		goto out;
	}
	mp_model_fini(m);
	mp_model_init(m);
	snprintf(m->path, sizeof(m->path), "%s", path);
	c.root = root;
	c.text = root;
	c.tpfx = "";
	c.path = path;
	c.err = err;
	c.m = m;
	ok = build(&c);
	if (ok)
		read_hints(root, &m->hints);
out:
	cJSON_Delete(root);
	free(copy);
	if (!ok)
		mp_model_fini(m);
	return ok;
}
