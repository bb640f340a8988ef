/* model_hf.c: a HuggingFace config.json as the tensors transformers builds */
/* SPDX-License-Identifier: MIT */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "fileio.h"
#include "jsonread.h"
#include "internal.h"

/* Nesting deeper than any config needs is refused before cJSON recurses. */
#define MAX_DEPTH		64
/* Values in one config.json (real ones have a few hundred; id2label maps
 * a few thousand): bounds cJSON's tree to about 100 MB. */
#define MAX_JSON_VALUES		(1u << 20)

/* Bounds real models never reach but the arithmetic can always hold. */
#define MAX_LAYERS	4096
#define MAX_WIDTH	(1u << 20)	/* hidden, intermediate */
#define MAX_HEADS	65536
#define MAX_VOCAB	(1u << 24)
#define MAX_EXPERTS	65536
#define MAX_POS		(1ULL << 34)

struct cfg {
	const cJSON	*root;		/* the whole file */
	const cJSON	*text;		/* text_config, or the root */
	const char	*tpfx;		/* "text_config." or "" */
	const char	*path;
	struct mp_error	*err;
	struct mp_model	*m;
};

static const cJSON *
item(const cJSON *obj, const char *key)
{
	const cJSON *it;

	if (obj == NULL || !cJSON_IsObject(obj))
		return NULL;
	it = cJSON_GetObjectItemCaseSensitive(obj, key);
	/* JSON null means "not set" in configs ("head_dim": null). */
	if (it == NULL || cJSON_IsNull(it))
		return NULL;
	return it;
}

static bool
bad_field(struct cfg *c, const char *pfx, const char *key, const char *msg)
{
	char field[96];

	snprintf(field, sizeof(field), "%s%s", pfx, key);
	return mp_error_set(c->err, MP_EINPUT, c->path, field, "%s", msg);
}

/*
 * An integer field of obj.  Missing: def, or an error when required.
 * Present: must be a whole number within [min, max].
 */
static bool
get_int(struct cfg *c, const cJSON *obj, const char *pfx, const char *key,
    bool required, uint64_t def, uint64_t min, uint64_t max, uint64_t *out)
{
	const cJSON	*it = item(obj, key);
	double		 v;
	char		 range[128], num[32];

	if (it == NULL) {
		if (required)
			return bad_field(c, pfx, key,
			    "missing; expected a positive integer");
		*out = def;
		return true;
	}
	if (!cJSON_IsNumber(it))
		return bad_field(c, pfx, key, 
		    "expected an integer, got a non-number");
	v = it->valuedouble;
	if (!isfinite(v) || v != floor(v))
		return bad_field(c, pfx, key, "expected a whole number");
	snprintf(range, sizeof(range), "expected an integer from %llu to "
	    "%llu, got %s", (unsigned long long)min,
	    (unsigned long long)max, mp_fmt_g(v, 17, num, sizeof(num)));
	if (v < (double)min || v > (double)max)
		return bad_field(c, pfx, key, range);
	*out = (uint64_t)v;
	return true;
}

/* The same, from the text config. */
static bool
tint(struct cfg *c, const char *key, bool required, uint64_t def,
    uint64_t min, uint64_t max, uint32_t *out)
{
	uint64_t v;

	if (!get_int(c, c->text, c->tpfx, key, required, def, min, max, &v))
		return false;
	*out = (uint32_t)v;
	return true;
}

static bool
get_bool(struct cfg *c, const cJSON *obj, const char *pfx, const char *key,
    bool def, bool *out)
{
	const cJSON *it = item(obj, key);

	if (it == NULL) {
		*out = def;
		return true;
	}
	if (!cJSON_IsBool(it))
		return bad_field(c, pfx, key, "expected true or false");
	*out = cJSON_IsTrue(it);
	return true;
}

static bool
tbool(struct cfg *c, const char *key, bool def, bool *out)
{
	return get_bool(c, c->text, c->tpfx, key, def, out);
}

static double
tdouble(struct cfg *c, const char *key, double def)
{
	const cJSON *it = item(c->text, key);

	if (it == NULL || !cJSON_IsNumber(it) || !isfinite(it->valuedouble))
		return def;
	return it->valuedouble;
}

static const char *
get_str(const cJSON *obj, const char *key)
{
	const cJSON *it = item(obj, key);

	return cJSON_IsString(it) ? it->valuestring : NULL;
}

/*
 * rope_scaling, or rope_parameters in transformers 5 (base.py reads
 * either; "type" is the old spelling of "rope_type").  Only what decides
 * the context length is kept; a malformed entry is ignored as
 * transformers ignores what it does not use.
 */
static void
rope_scaling(struct cfg *c, struct mp_model *m)
{
	const cJSON	*rs = item(c->text, "rope_parameters"), *v;
	const char	*t;

	if (!cJSON_IsObject(rs))
		rs = item(c->text, "rope_scaling");
	if (!cJSON_IsObject(rs))
		return;
	if ((t = get_str(rs, "rope_type")) == NULL)
		t = get_str(rs, "type");
	if (t == NULL || strcmp(t, "default") == 0)
		return;
	snprintf(m->rope_type, sizeof(m->rope_type), "%s", t);
	v = item(rs, "factor");
	if (cJSON_IsNumber(v) && isfinite(v->valuedouble) &&
	    v->valuedouble >= 1 && v->valuedouble <= 1024)
		m->rope_factor = v->valuedouble;
	v = item(rs, "original_max_position_embeddings");
	if (cJSON_IsNumber(v) && v->valuedouble >= 1 &&
	    v->valuedouble <= (double)(1ull << 34))
		m->rope_orig = (uint64_t)v->valuedouble;
}

/* Tensor helpers: names follow transformers' module paths. */
static bool
add(struct cfg *c, int32_t layer, enum mp_tkind k, unsigned fl, uint8_t nd,
    uint64_t d0, uint64_t d1, uint64_t d2, const char *fmt, ...)
    __attribute__((format(printf, 9, 10)));

static bool
add(struct cfg *c, int32_t layer, enum mp_tkind k, unsigned fl, uint8_t nd,
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
static bool
linear(struct cfg *c, int32_t l, enum mp_tkind k, uint64_t out, uint64_t in,
    bool bias, unsigned extra, const char *name)
{
	if (!add(c, l, k, MP_TF_LINEAR | extra, 2, out, in, 0, "%s.weight",
	    name))
		return false;
	if (bias && !add(c, l, MP_TK_BIAS, extra, 1, out, 0, 0, "%s.bias",
	    name))
		return false;
	return true;
}

static bool
norm(struct cfg *c, int32_t l, uint64_t dim, bool bias, unsigned extra,
    const char *name)
{
	if (!add(c, l, MP_TK_NORM, extra, 1, dim, 0, 0, "%s.weight", name))
		return false;
	if (bias && !add(c, l, MP_TK_NORM, extra, 1, dim, 0, 0, "%s.bias",
	    name))
		return false;
	return true;
}

/* Rotary inv_freq and original_inv_freq: two fp32 buffers per module. */
static bool
rotary_buffers(struct cfg *c, uint32_t rotary_dim, unsigned modules)
{
	unsigned i;

	for (i = 0; i < modules; i++)
		if (!add(c, -1, MP_TK_BUFFER, MP_TF_BUFFER | MP_TF_F32, 1,
		    rotary_dim / 2 * 2, 0, 0, "rotary_emb.%u.inv_freq", i))
			return false;
	return true;
}

enum family {
	FAM_LLAMA,	/* llama, mistral, qwen2/3, granite, mixtral, ... */
	FAM_PHI3,	/* fused qkv_proj and gate_up_proj */
	FAM_GEMMA,	/* gemma2 / gemma3 text: four norms per layer */
	FAM_DEEPSEEK,	/* MLA attention, shared + routed experts */
	FAM_GPTOSS,	/* sinks, biased fused experts */
	FAM_LLAMA4,	/* fused experts + shared expert, chunked attention */
	FAM_NEMOTRONH,	/* hybrid Mamba2 / attention / MLP / MoE */
	FAM_GPTNEOX,
	FAM_GPT2,
	FAM_GPTJ
};

struct archdef {
	const char	*model_type;
	enum family	 fam;
	bool		 qkv_bias;	/* q/k/v biases regardless of config */
	bool		 qk_norm;	/* per-head RMSNorm on q and k */
	bool		 moe;		/* MoE MLP on sparse layers */
	bool		 eager;		/* no SDPA path (gpt-oss: sinks) */
};

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

/* Attention projections of the llama family and its relatives. */
static bool
attention(struct cfg *c, const struct archdef *a, int32_t l, bool bias,
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
		if (!linear(c, l, MP_TK_ATTN_QKV, q + 2 * kv, m->hidden,
		    bias, 0, n))
			return false;
	} else {
		char n[80];

		snprintf(n, sizeof(n), "%s.q_proj", p);
		if (!linear(c, l, MP_TK_ATTN_Q, q, m->hidden, bias, 0, n))
			return false;
		snprintf(n, sizeof(n), "%s.k_proj", p);
		if (!linear(c, l, MP_TK_ATTN_K, kv, m->hidden, bias, 0, n))
			return false;
		snprintf(n, sizeof(n), "%s.v_proj", p);
		if (!linear(c, l, MP_TK_ATTN_V, kv, m->hidden, bias, 0, n))
			return false;
	}
	{
		char n[80];

		snprintf(n, sizeof(n), "%s.o_proj", p);
		if (!linear(c, l, MP_TK_ATTN_O, m->hidden, q, obias, 0, n))
			return false;
	}
	if (a->qk_norm) {
		/* OLMo 2 normalises the whole q and k projections; Qwen3 and
		 * Gemma 3 one head at a time. */
		bool whole = strcmp(a->model_type, "olmo2") == 0;

		if (!add(c, l, MP_TK_NORM, 0, 1, whole ? q : m->head_dim, 0, 0,
		    "%s.q_norm.weight", p) ||
		    !add(c, l, MP_TK_NORM, 0, 1, whole ? kv : m->head_dim, 0,
		    0, "%s.k_norm.weight", p))
			return false;
	}
	if (a->fam == FAM_GPTOSS && !add(c, l, MP_TK_ATTN_SINKS, 0, 1,
	    m->heads, 0, 0, "%s.sinks", p))
		return false;
	return true;
}

/* A gated MLP (gate/up/down) as separate Linears, or phi3's fused one. */
static bool
dense_mlp(struct cfg *c, int32_t l, const char *p, uint64_t inter, bool bias,
    bool fused, enum mp_tkind kg, enum mp_tkind ku, enum mp_tkind kd)
{
	struct mp_model	*m = c->m;
	char		 n[160];

	if (fused) {
		snprintf(n, sizeof(n), "%s.gate_up_proj", p);
		if (!linear(c, l, MP_TK_FFN_GATE_UP, 2 * inter, m->hidden,
		    bias, 0, n))
			return false;
	} else {
		snprintf(n, sizeof(n), "%s.gate_proj", p);
		if (!linear(c, l, kg, inter, m->hidden, bias, 0, n))
			return false;
		snprintf(n, sizeof(n), "%s.up_proj", p);
		if (!linear(c, l, ku, inter, m->hidden, bias, 0, n))
			return false;
	}
	snprintf(n, sizeof(n), "%s.down_proj", p);
	return linear(c, l, kd, m->hidden, inter, bias, 0, n);
}

/*
 * Routed experts as transformers 5 stores them: one 3-D parameter per
 * projection, {experts, out, in}, not one nn.Linear per expert.
 */
static bool
experts(struct cfg *c, int32_t l, const char *p, uint64_t inter,
    bool fused_gate_up, bool bias)
{
	struct mp_model	*m = c->m;
	uint64_t	 e = m->n_experts;

	if (fused_gate_up) {
		if (!add(c, l, MP_TK_EXP_GATE_UP, MP_TF_EXPERTS, 3, e,
		    2 * inter, m->hidden, "%s.experts.gate_up_proj", p))
			return false;
		if (bias && !add(c, l, MP_TK_BIAS, 0, 2, e, 2 * inter, 0,
		    "%s.experts.gate_up_proj_bias", p))
			return false;
	} else {
		if (!add(c, l, MP_TK_EXP_GATE, MP_TF_EXPERTS, 3, e, inter,
		    m->hidden, "%s.experts.gate_proj", p) ||
		    !add(c, l, MP_TK_EXP_UP, MP_TF_EXPERTS, 3, e, inter,
		    m->hidden, "%s.experts.up_proj", p))
			return false;
	}
	if (!add(c, l, MP_TK_EXP_DOWN, MP_TF_EXPERTS, 3, e, m->hidden, inter,
	    "%s.experts.down_proj", p))
		return false;
	if (bias && !add(c, l, MP_TK_BIAS, 0, 2, e, m->hidden, 0,
	    "%s.experts.down_proj_bias", p))
		return false;
	return true;
}

static bool
router(struct cfg *c, int32_t l, const char *p, bool bias)
{
	char n[160];

	snprintf(n, sizeof(n), "%s.gate", p);
	return linear(c, l, MP_TK_ROUTER, c->m->n_experts, c->m->hidden, bias,
	    0, n);
}

/* Is layer l's MLP sparse?  Qwen-MoE: decoder_sparse_step, mlp_only. */
static bool
sparse_layer(struct cfg *c, uint32_t l, uint32_t step, uint32_t first_dense)
{
	const cJSON *only = item(c->text, "mlp_only_layers"), *it;

	if (l < first_dense)
		return false;
	if (cJSON_IsArray(only))
		cJSON_ArrayForEach(it, only)
			if (cJSON_IsNumber(it) && it->valuedouble == (double)l)
				return false;
	return step <= 1 || (l + 1) % step == 0;
}

/* layer_types / gemma patterns: which layers see a sliding window. */
static bool
layer_kinds(struct cfg *c, const struct archdef *a)
{
	struct mp_model	*m = c->m;
	const cJSON	*lt = item(c->text, "layer_types");
	uint32_t	 i, pattern;
	uint64_t	 kvk = (uint64_t)m->kv_heads * m->head_dim;

	for (i = 0; i < m->layers; i++) {
		m->layer[i].kind = MP_LK_FULL;
		m->layer[i].kv_k = (uint32_t)kvk;
		m->layer[i].kv_v = (uint32_t)kvk;
	}
	if (cJSON_IsArray(lt)) {
		if ((uint32_t)cJSON_GetArraySize(lt) != m->layers)
			return bad_field(c, c->tpfx, "layer_types",
			    "expected one entry per hidden layer");
		for (i = 0; i < m->layers; i++) {
			const cJSON *e = cJSON_GetArrayItem(lt, (int)i);

			if (!cJSON_IsString(e))
				return bad_field(c, c->tpfx, "layer_types",
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
		if (!tint(c, "sliding_window_pattern", false, 6, 1, MAX_LAYERS,
		    &pattern))
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

/* The llama family: llama, mistral, qwen2/3(-MoE), mixtral, phi3, ... */
static bool
build_llama(struct cfg *c, const struct archdef *a)
{
	struct mp_model	*m = c->m;
	bool		 attn_bias, mlp_bias, lm_bias = false, ln_bias;
	uint32_t	 l, step = 1;
	char		 p[64], n[128];

	if (!tbool(c, "attention_bias", false, &attn_bias) ||
	    !tbool(c, "mlp_bias", false, &mlp_bias))
		return false;
	if (strcmp(a->model_type, "phimoe") == 0 &&
	    !tbool(c, "lm_head_bias", false, &lm_bias))
		return false;
	/* PhiMoE uses LayerNorm (weight and bias) where others use RMSNorm. */
	ln_bias = strcmp(a->model_type, "phimoe") == 0;
	if (a->moe && !tint(c, "decoder_sparse_step", false, 1, 1, MAX_LAYERS,
	    &step))
		return false;
	if (!add(c, -1, MP_TK_EMBED, 0, 2, m->vocab, m->hidden, 0,
	    "model.embed_tokens.weight"))
		return false;
	for (l = 0; l < m->layers; l++) {
		bool sparse = a->moe && sparse_layer(c, l, step, 0);

		snprintf(p, sizeof(p), "model.layers.%u", l);
		snprintf(n, sizeof(n), "%s.input_layernorm", p);
		if (!norm(c, (int32_t)l, m->hidden, ln_bias, 0, n) ||
		    !attention(c, a, (int32_t)l, attn_bias || a->qkv_bias,
		    attn_bias))
			return false;
		snprintf(n, sizeof(n), "%s.post_attention_layernorm", p);
		if (!norm(c, (int32_t)l, m->hidden, ln_bias, 0, n))
			return false;
		if (sparse) {
			char mp[100];

			m->layer[l].moe = true;
			snprintf(mp, sizeof(mp), "%s.mlp", p);
			if (!router(c, (int32_t)l, mp, false) ||
			    !experts(c, (int32_t)l, mp, m->moe_intermediate,
			    false, false))
				return false;
			if (m->n_shared_experts > 0) {
				char sp[160];

				snprintf(sp, sizeof(sp), "%s.shared_expert", mp);
				if (!dense_mlp(c, (int32_t)l, sp,
				    m->shared_intermediate, false, false,
				    MP_TK_SHEXP_GATE, MP_TK_SHEXP_UP,
				    MP_TK_SHEXP_DOWN))
					return false;
				snprintf(sp, sizeof(sp), "%s.shared_expert_gate",
				    mp);
				if (!linear(c, (int32_t)l, MP_TK_SHEXP_ROUTER, 1,
				    m->hidden, false, 0, sp))
					return false;
			}
		} else {
			char mp[100];

			snprintf(mp, sizeof(mp), "%s.mlp", p);
			if (!dense_mlp(c, (int32_t)l, mp, m->intermediate,
			    mlp_bias, a->fam == FAM_PHI3, MP_TK_FFN_GATE,
			    MP_TK_FFN_UP, MP_TK_FFN_DOWN))
				return false;
		}
	}
	if (!norm(c, -1, m->hidden, ln_bias, 0, "model.norm"))
		return false;
	if (!m->tied && !linear(c, -1, MP_TK_OUTPUT, m->vocab, m->hidden,
	    lm_bias, 0, "lm_head"))
		return false;
	return rotary_buffers(c, m->rotary_dim, 1);
}

/* Gemma 2/3 text: sandwich norms, GeGLU MLP, tied head. */
static bool
build_gemma(struct cfg *c, const struct archdef *a)
{
	struct mp_model	*m = c->m;
	uint32_t	 l;
	char		 p[64], n[128];
	static const char *norms[] = { "input_layernorm",
	    "post_attention_layernorm", "pre_feedforward_layernorm",
	    "post_feedforward_layernorm" };
	size_t		 i;

	if (!add(c, -1, MP_TK_EMBED, 0, 2, m->vocab, m->hidden, 0,
	    "model.embed_tokens.weight"))
		return false;
	for (l = 0; l < m->layers; l++) {
		snprintf(p, sizeof(p), "model.layers.%u", l);
		for (i = 0; i < 4; i++) {
			snprintf(n, sizeof(n), "%s.%s", p, norms[i]);
			if (!norm(c, (int32_t)l, m->hidden, false, 0, n))
				return false;
		}
		if (!attention(c, a, (int32_t)l, false, false))
			return false;
		snprintf(n, sizeof(n), "%s.mlp", p);
		if (!dense_mlp(c, (int32_t)l, n, m->intermediate, false, false,
		    MP_TK_FFN_GATE, MP_TK_FFN_UP, MP_TK_FFN_DOWN))
			return false;
	}
	if (!norm(c, -1, m->hidden, false, 0, "model.norm"))
		return false;
	if (!m->tied && !linear(c, -1, MP_TK_OUTPUT, m->vocab, m->hidden,
	    false, 0, "lm_head"))
		return false;
	/* Gemma 3 keeps a local and a global rotary embedding. */
	return rotary_buffers(c, m->rotary_dim,
	    strcmp(a->model_type, "gemma3_text") == 0 ? 2 : 1);
}

/* DeepSeek V2/V3 (and Kimi K2): MLA attention, shared + routed experts. */
static bool
build_deepseek(struct cfg *c, const struct archdef *a)
{
	struct mp_model	*m = c->m;
	uint32_t	 l, first_dense, step;
	uint64_t	 qk = (uint64_t)m->qk_nope_dim + m->qk_rope_dim;
	bool		 v3 = strcmp(a->model_type, "deepseek_v2") != 0;
	bool		 attn_bias;
	char		 p[64], n[128];

	if (!tint(c, "first_k_dense_replace", false, 0, 0, MAX_LAYERS,
	    &first_dense) ||
	    !tint(c, "moe_layer_freq", false, 1, 1, MAX_LAYERS, &step) ||
	    !tbool(c, "attention_bias", false, &attn_bias))
		return false;
	if (!add(c, -1, MP_TK_EMBED, 0, 2, m->vocab, m->hidden, 0,
	    "model.embed_tokens.weight"))
		return false;
	for (l = 0; l < m->layers; l++) {
		int32_t li = (int32_t)l;

		snprintf(p, sizeof(p), "model.layers.%u", l);
		snprintf(n, sizeof(n), "%s.input_layernorm", p);
		if (!norm(c, li, m->hidden, false, 0, n))
			return false;
		if (m->q_lora_rank == 0) {
			snprintf(n, sizeof(n), "%s.self_attn.q_proj", p);
			if (!linear(c, li, MP_TK_ATTN_Q, m->heads * qk,
			    m->hidden, false, 0, n))
				return false;
		} else {
			snprintf(n, sizeof(n), "%s.self_attn.q_a_proj", p);
			if (!linear(c, li, MP_TK_ATTN_Q_A, m->q_lora_rank,
			    m->hidden, attn_bias, 0, n))
				return false;
			snprintf(n, sizeof(n), "%s.self_attn.q_a_layernorm", p);
			if (!norm(c, li, m->q_lora_rank, false, 0, n))
				return false;
			snprintf(n, sizeof(n), "%s.self_attn.q_b_proj", p);
			if (!linear(c, li, MP_TK_ATTN_Q_B, m->heads * qk,
			    m->q_lora_rank, false, 0, n))
				return false;
		}
		snprintf(n, sizeof(n), "%s.self_attn.kv_a_proj_with_mqa", p);
		if (!linear(c, li, MP_TK_ATTN_KV_A,
		    (uint64_t)m->kv_lora_rank + m->qk_rope_dim, m->hidden,
		    attn_bias, 0, n))
			return false;
		snprintf(n, sizeof(n), "%s.self_attn.kv_a_layernorm", p);
		if (!norm(c, li, m->kv_lora_rank, false, 0, n))
			return false;
		snprintf(n, sizeof(n), "%s.self_attn.kv_b_proj", p);
		if (!linear(c, li, MP_TK_ATTN_KV_B,
		    (uint64_t)m->heads * (m->qk_nope_dim + m->v_head_dim),
		    m->kv_lora_rank, false, 0, n))
			return false;
		snprintf(n, sizeof(n), "%s.self_attn.o_proj", p);
		if (!linear(c, li, MP_TK_ATTN_O, m->hidden,
		    (uint64_t)m->heads * m->v_head_dim, attn_bias, 0, n))
			return false;
		snprintf(n, sizeof(n), "%s.post_attention_layernorm", p);
		if (!norm(c, li, m->hidden, false, 0, n))
			return false;
		snprintf(n, sizeof(n), "%s.mlp", p);
		if (m->n_experts > 0 && l >= first_dense && l % step == 0) {
			char sp[160];

			m->layer[l].moe = true;
			if (!add(c, li, MP_TK_ROUTER, 0, 2, m->n_experts,
			    m->hidden, 0, "%s.gate.weight", n))
				return false;
			/* V3's aux-loss-free balancing bias is a buffer. */
			if (v3 && !add(c, li, MP_TK_ROUTER_BIAS,
			    MP_TF_BUFFER | MP_TF_F32, 1, m->n_experts, 0, 0,
			    "%s.gate.e_score_correction_bias", n))
				return false;
			if (!experts(c, li, n, m->moe_intermediate, false,
			    false))
				return false;
			snprintf(sp, sizeof(sp), "%s.shared_experts", n);
			if (m->n_shared_experts > 0 && !dense_mlp(c, li, sp,
			    (uint64_t)m->moe_intermediate * m->n_shared_experts,
			    false, false, MP_TK_SHEXP_GATE, MP_TK_SHEXP_UP,
			    MP_TK_SHEXP_DOWN))
				return false;
		} else if (!dense_mlp(c, li, n, m->intermediate, false, false,
		    MP_TK_FFN_GATE, MP_TK_FFN_UP, MP_TK_FFN_DOWN))
			return false;
		m->layer[l].kind = MP_LK_MLA;
		m->layer[l].kv_k = m->kv_lora_rank + m->qk_rope_dim;
		m->layer[l].kv_v = 0;
	}
	if (!norm(c, -1, m->hidden, false, 0, "model.norm") ||
	    !linear(c, -1, MP_TK_OUTPUT, m->vocab, m->hidden, false, 0,
	    "lm_head"))
		return false;
	return rotary_buffers(c, m->qk_rope_dim, 1);
}

/* gpt-oss: sinks, biased router, fused experts with biases. */
static bool
build_gptoss(struct cfg *c, const struct archdef *a)
{
	struct mp_model	*m = c->m;
	uint32_t	 l;
	char		 p[64], n[128];

	if (!add(c, -1, MP_TK_EMBED, 0, 2, m->vocab, m->hidden, 0,
	    "model.embed_tokens.weight"))
		return false;
	for (l = 0; l < m->layers; l++) {
		int32_t li = (int32_t)l;

		snprintf(p, sizeof(p), "model.layers.%u", l);
		snprintf(n, sizeof(n), "%s.input_layernorm", p);
		if (!norm(c, li, m->hidden, false, 0, n) ||
		    !attention(c, a, li, true, true))
			return false;
		snprintf(n, sizeof(n), "%s.post_attention_layernorm", p);
		if (!norm(c, li, m->hidden, false, 0, n))
			return false;
		snprintf(n, sizeof(n), "%s.mlp", p);
		m->layer[l].moe = true;
		if (!add(c, li, MP_TK_ROUTER, 0, 2, m->n_experts, m->hidden, 0,
		    "%s.router.weight", n) ||
		    !add(c, li, MP_TK_ROUTER_BIAS, 0, 1, m->n_experts, 0, 0,
		    "%s.router.bias", n) ||
		    !experts(c, li, n, m->moe_intermediate, true, true))
			return false;
	}
	if (!norm(c, -1, m->hidden, false, 0, "model.norm") ||
	    !linear(c, -1, MP_TK_OUTPUT, m->vocab, m->hidden, false, 0,
	    "lm_head"))
		return false;
	return rotary_buffers(c, m->rotary_dim, 1);
}

/* Llama 4 text: every interleave-th layer MoE with a shared expert. */
static bool
build_llama4(struct cfg *c, const struct archdef *a)
{
	struct mp_model	*m = c->m;
	uint32_t	 l, step, mlp_inter;
	bool		 attn_bias;
	char		 p[64], n[128], sp[160];

	if (!tint(c, "interleave_moe_layer_step", false, 1, 1, MAX_LAYERS,
	    &step) ||
	    !tint(c, "intermediate_size_mlp", false, 16384, 1, MAX_WIDTH,
	    &mlp_inter) ||
	    !tbool(c, "attention_bias", false, &attn_bias))
		return false;
	if (!add(c, -1, MP_TK_EMBED, 0, 2, m->vocab, m->hidden, 0,
	    "model.embed_tokens.weight"))
		return false;
	for (l = 0; l < m->layers; l++) {
		int32_t li = (int32_t)l;

		snprintf(p, sizeof(p), "model.layers.%u", l);
		snprintf(n, sizeof(n), "%s.input_layernorm", p);
		if (!norm(c, li, m->hidden, false, 0, n) ||
		    !attention(c, a, li, attn_bias, attn_bias))
			return false;
		snprintf(n, sizeof(n), "%s.post_attention_layernorm", p);
		if (!norm(c, li, m->hidden, false, 0, n))
			return false;
		snprintf(n, sizeof(n), "%s.feed_forward", p);
		if ((l + 1) % step == 0) {
			m->layer[l].moe = true;
			snprintf(sp, sizeof(sp), "%s.router", n);
			if (!linear(c, li, MP_TK_ROUTER, m->n_experts,
			    m->hidden, false, 0, sp) ||
			    !experts(c, li, n, m->moe_intermediate, true,
			    false))
				return false;
			snprintf(sp, sizeof(sp), "%s.shared_expert", n);
			if (!dense_mlp(c, li, sp, m->moe_intermediate, false,
			    false, MP_TK_SHEXP_GATE, MP_TK_SHEXP_UP,
			    MP_TK_SHEXP_DOWN))
				return false;
		} else if (!dense_mlp(c, li, n, mlp_inter, false, false,
		    MP_TK_FFN_GATE, MP_TK_FFN_UP, MP_TK_FFN_DOWN))
			return false;
	}
	if (!norm(c, -1, m->hidden, false, 0, "model.norm"))
		return false;
	if (!m->tied && !linear(c, -1, MP_TK_OUTPUT, m->vocab, m->hidden,
	    false, 0, "lm_head"))
		return false;
	return rotary_buffers(c, m->rotary_dim, 1);
}

/* Nemotron-H: a pattern string picks each layer's mixer. */
static bool
build_nemotronh(struct cfg *c, const struct archdef *a)
{
	struct mp_model	*m = c->m;
	const char	*pat = get_str(c->text, "hybrid_override_pattern");
	uint32_t	 l, shared_inter = 0;
	uint64_t	 d_inner, conv_dim, in_proj;
	bool		 attn_bias, mlp_bias, conv_bias, proj_bias;
	char		 p[64], n[128];

	(void)a;
	if (pat == NULL || strlen(pat) != m->layers)
		return bad_field(c, c->tpfx, "hybrid_override_pattern",
		    "expected one of M, *, -, E per hidden layer");
	if (!tbool(c, "attention_bias", false, &attn_bias) ||
	    !tbool(c, "mlp_bias", false, &mlp_bias) ||
	    !tbool(c, "use_conv_bias", true, &conv_bias) ||
	    !tbool(c, "mamba_proj_bias", false, &proj_bias) ||
	    !tint(c, "moe_shared_expert_intermediate_size", false, 0, 0,
	    MAX_WIDTH, &shared_inter))
		return false;
	d_inner = (uint64_t)m->ssm_heads * m->ssm_head_dim;
	conv_dim = d_inner + 2ULL * m->ssm_groups * m->ssm_state;
	in_proj = 2 * d_inner + 2ULL * m->ssm_groups * m->ssm_state +
	    m->ssm_heads;
	if (!add(c, -1, MP_TK_EMBED, 0, 2, m->vocab, m->hidden, 0,
	    "backbone.embeddings.weight"))
		return false;
	for (l = 0; l < m->layers; l++) {
		int32_t	li = (int32_t)l;
		char	k = pat[l];

		snprintf(p, sizeof(p), "backbone.layers.%u", l);
		snprintf(n, sizeof(n), "%s.norm", p);
		if (!norm(c, li, m->hidden, false, 0, n))
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
			if (!linear(c, li, MP_TK_SSM_IN, in_proj, m->hidden,
			    proj_bias, 0, n))
				return false;
			if (!add(c, li, MP_TK_SSM_CONV, 0, 3, conv_dim, 1,
			    m->ssm_conv, "%s.mixer.conv1d.weight", p) ||
			    (conv_bias && !add(c, li, MP_TK_BIAS, 0, 1,
			    conv_dim, 0, 0, "%s.mixer.conv1d.bias", p)) ||
			    !add(c, li, MP_TK_SSM_DT_BIAS, 0, 1, m->ssm_heads,
			    0, 0, "%s.mixer.dt_bias", p) ||
			    !add(c, li, MP_TK_SSM_A, 0, 1, m->ssm_heads, 0, 0,
			    "%s.mixer.A_log", p) ||
			    !add(c, li, MP_TK_SSM_D, 0, 1, m->ssm_heads, 0, 0,
			    "%s.mixer.D", p) ||
			    !add(c, li, MP_TK_SSM_NORM, 0, 1, d_inner, 0, 0,
			    "%s.mixer.norm.weight", p))
				return false;
			snprintf(n, sizeof(n), "%s.mixer.out_proj", p);
			if (!linear(c, li, MP_TK_SSM_OUT, m->hidden, d_inner,
			    proj_bias, 0, n))
				return false;
		} else if (k == '*') {
			uint64_t q = (uint64_t)m->heads * m->head_dim;
			uint64_t kv = (uint64_t)m->kv_heads * m->head_dim;

			m->layer[l].kind = MP_LK_FULL;
			m->layer[l].kv_k = m->layer[l].kv_v = (uint32_t)kv;
			snprintf(n, sizeof(n), "%s.mixer.q_proj", p);
			if (!linear(c, li, MP_TK_ATTN_Q, q, m->hidden,
			    attn_bias, 0, n))
				return false;
			snprintf(n, sizeof(n), "%s.mixer.k_proj", p);
			if (!linear(c, li, MP_TK_ATTN_K, kv, m->hidden,
			    attn_bias, 0, n))
				return false;
			snprintf(n, sizeof(n), "%s.mixer.v_proj", p);
			if (!linear(c, li, MP_TK_ATTN_V, kv, m->hidden,
			    attn_bias, 0, n))
				return false;
			snprintf(n, sizeof(n), "%s.mixer.o_proj", p);
			if (!linear(c, li, MP_TK_ATTN_O, m->hidden, q,
			    attn_bias, 0, n))
				return false;
		} else if (k == '-') {
			/* Squared-ReLU MLP: up and down only. */
			m->layer[l].kind = MP_LK_MLP;
			snprintf(n, sizeof(n), "%s.mixer.up_proj", p);
			if (!linear(c, li, MP_TK_FFN_UP, m->intermediate,
			    m->hidden, mlp_bias, 0, n))
				return false;
			snprintf(n, sizeof(n), "%s.mixer.down_proj", p);
			if (!linear(c, li, MP_TK_FFN_DOWN, m->hidden,
			    m->intermediate, mlp_bias, 0, n))
				return false;
		} else if (k == 'E') {
			m->layer[l].kind = MP_LK_MLP;
			m->layer[l].moe = true;
			if (!add(c, li, MP_TK_ROUTER, 0, 2, m->n_experts,
			    m->hidden, 0, "%s.mixer.gate.weight", p) ||
			    !add(c, li, MP_TK_ROUTER_BIAS, MP_TF_BUFFER |
			    MP_TF_F32, 1, m->n_experts, 0, 0,
			    "%s.mixer.gate.e_score_correction_bias", p))
				return false;
			if (!add(c, li, MP_TK_EXP_UP, MP_TF_EXPERTS, 3,
			    m->n_experts, m->moe_intermediate, m->hidden,
			    "%s.mixer.experts.up_proj", p) ||
			    !add(c, li, MP_TK_EXP_DOWN, MP_TF_EXPERTS, 3,
			    m->n_experts, m->hidden, m->moe_intermediate,
			    "%s.mixer.experts.down_proj", p))
				return false;
			snprintf(n, sizeof(n), "%s.mixer.shared_experts.up_proj",
			    p);
			if (shared_inter > 0 && !linear(c, li,
			    MP_TK_SHEXP_UP, shared_inter, m->hidden, mlp_bias,
			    0, n))
				return false;
			snprintf(n, sizeof(n),
			    "%s.mixer.shared_experts.down_proj", p);
			if (shared_inter > 0 && !linear(c, li,
			    MP_TK_SHEXP_DOWN, m->hidden, shared_inter,
			    mlp_bias, 0, n))
				return false;
		} else
			return bad_field(c, c->tpfx, "hybrid_override_pattern",
			    "expected only the letters M, *, - and E");
	}
	if (!norm(c, -1, m->hidden, false, 0, "backbone.norm_f"))
		return false;
	if (!m->tied && !linear(c, -1, MP_TK_OUTPUT, m->vocab, m->hidden,
	    false, 0, "lm_head"))
		return false;
	return true;
}

/* GPT-NeoX (Pythia): fused qkv with biases, LayerNorms, untied head. */
static bool
build_gptneox(struct cfg *c)
{
	struct mp_model	*m = c->m;
	uint32_t	 l;
	char		 p[64], n[128];

	if (!add(c, -1, MP_TK_EMBED, 0, 2, m->vocab, m->hidden, 0,
	    "gpt_neox.embed_in.weight"))
		return false;
	for (l = 0; l < m->layers; l++) {
		int32_t li = (int32_t)l;

		snprintf(p, sizeof(p), "gpt_neox.layers.%u", l);
		snprintf(n, sizeof(n), "%s.input_layernorm", p);
		if (!norm(c, li, m->hidden, true, 0, n))
			return false;
		snprintf(n, sizeof(n), "%s.post_attention_layernorm", p);
		if (!norm(c, li, m->hidden, true, 0, n))
			return false;
		snprintf(n, sizeof(n), "%s.attention.query_key_value", p);
		if (!linear(c, li, MP_TK_ATTN_QKV, 3ULL * m->hidden, m->hidden,
		    true, 0, n))
			return false;
		snprintf(n, sizeof(n), "%s.attention.dense", p);
		if (!linear(c, li, MP_TK_ATTN_O, m->hidden, m->hidden, true, 0,
		    n))
			return false;
		snprintf(n, sizeof(n), "%s.mlp.dense_h_to_4h", p);
		if (!linear(c, li, MP_TK_FFN_UP, m->intermediate, m->hidden,
		    true, 0, n))
			return false;
		snprintf(n, sizeof(n), "%s.mlp.dense_4h_to_h", p);
		if (!linear(c, li, MP_TK_FFN_DOWN, m->hidden, m->intermediate,
		    true, 0, n))
			return false;
	}
	if (!norm(c, -1, m->hidden, true, 0, "gpt_neox.final_layer_norm"))
		return false;
	if (!m->tied && !linear(c, -1, MP_TK_OUTPUT, m->vocab, m->hidden,
	    false, 0, "embed_out"))
		return false;
	return rotary_buffers(c, m->rotary_dim, 1);
}

/* GPT-2: learned positions, Conv1D layers (peft treats them as Linear). */
static bool
build_gpt2(struct cfg *c)
{
	struct mp_model	*m = c->m;
	uint32_t	 l;
	char		 p[64], n[128];

	if (!add(c, -1, MP_TK_EMBED, 0, 2, m->vocab, m->hidden, 0,
	    "transformer.wte.weight") ||
	    !add(c, -1, MP_TK_POS_EMBED, 0, 2, m->max_pos, m->hidden, 0,
	    "transformer.wpe.weight"))
		return false;
	for (l = 0; l < m->layers; l++) {
		int32_t li = (int32_t)l;

		snprintf(p, sizeof(p), "transformer.h.%u", l);
		snprintf(n, sizeof(n), "%s.ln_1", p);
		if (!norm(c, li, m->hidden, true, 0, n))
			return false;
		snprintf(n, sizeof(n), "%s.attn.c_attn", p);
		if (!linear(c, li, MP_TK_ATTN_QKV, 3ULL * m->hidden, m->hidden,
		    true, 0, n))
			return false;
		snprintf(n, sizeof(n), "%s.attn.c_proj", p);
		if (!linear(c, li, MP_TK_ATTN_O, m->hidden, m->hidden, true, 0,
		    n))
			return false;
		snprintf(n, sizeof(n), "%s.ln_2", p);
		if (!norm(c, li, m->hidden, true, 0, n))
			return false;
		snprintf(n, sizeof(n), "%s.mlp.c_fc", p);
		if (!linear(c, li, MP_TK_FFN_UP, m->intermediate, m->hidden,
		    true, 0, n))
			return false;
		snprintf(n, sizeof(n), "%s.mlp.c_proj", p);
		if (!linear(c, li, MP_TK_FFN_DOWN, m->hidden, m->intermediate,
		    true, 0, n))
			return false;
	}
	if (!norm(c, -1, m->hidden, true, 0, "transformer.ln_f"))
		return false;
	if (!m->tied && !linear(c, -1, MP_TK_OUTPUT, m->vocab, m->hidden,
	    false, 0, "lm_head"))
		return false;
	return true;
}

/* GPT-J: parallel attention and MLP, one LayerNorm, biased head. */
static bool
build_gptj(struct cfg *c)
{
	struct mp_model	*m = c->m;
	uint32_t	 l;
	char		 p[64], n[128];
	static const char *proj[] = { "q_proj", "k_proj", "v_proj" };
	static const enum mp_tkind kinds[] = { MP_TK_ATTN_Q, MP_TK_ATTN_K,
	    MP_TK_ATTN_V };
	size_t		 i;

	if (!add(c, -1, MP_TK_EMBED, 0, 2, m->vocab, m->hidden, 0,
	    "transformer.wte.weight"))
		return false;
	for (l = 0; l < m->layers; l++) {
		int32_t li = (int32_t)l;

		snprintf(p, sizeof(p), "transformer.h.%u", l);
		snprintf(n, sizeof(n), "%s.ln_1", p);
		if (!norm(c, li, m->hidden, true, 0, n))
			return false;
		for (i = 0; i < 3; i++) {
			snprintf(n, sizeof(n), "%s.attn.%s", p, proj[i]);
			if (!linear(c, li, kinds[i], m->hidden, m->hidden,
			    false, 0, n))
				return false;
		}
		snprintf(n, sizeof(n), "%s.attn.out_proj", p);
		if (!linear(c, li, MP_TK_ATTN_O, m->hidden, m->hidden, false,
		    0, n))
			return false;
		snprintf(n, sizeof(n), "%s.mlp.fc_in", p);
		if (!linear(c, li, MP_TK_FFN_UP, m->intermediate, m->hidden,
		    true, 0, n))
			return false;
		snprintf(n, sizeof(n), "%s.mlp.fc_out", p);
		if (!linear(c, li, MP_TK_FFN_DOWN, m->hidden, m->intermediate,
		    true, 0, n))
			return false;
	}
	if (!norm(c, -1, m->hidden, true, 0, "transformer.ln_f"))
		return false;
	if (!m->tied && !linear(c, -1, MP_TK_OUTPUT, m->vocab, m->hidden,
	    true, 0, "lm_head"))
		return false;
	return rotary_buffers(c, m->rotary_dim, 1);
}

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
 * Vision towers are counted so that params matches the whole checkpoint;
 * they are flagged MP_TF_VISION and reported separately.
 */
static bool
vision_siglip(struct cfg *c, const cJSON *v, uint64_t text_hidden)
{
	uint64_t h, inter, layers, img, patch, ch, np, heads;
	uint64_t l;
	const unsigned V = MP_TF_VISION;
	const char *pf = "vision_config.";

	if (!get_int(c, v, pf, "hidden_size", false, 768, 1, MAX_WIDTH, &h) ||
	    !get_int(c, v, pf, "intermediate_size", false, 3072, 1, MAX_WIDTH,
	    &inter) ||
	    !get_int(c, v, pf, "num_hidden_layers", false, 12, 1, MAX_LAYERS,
	    &layers) ||
	    !get_int(c, v, pf, "image_size", false, 224, 1, 1 << 16, &img) ||
	    !get_int(c, v, pf, "patch_size", false, 16, 1, 1 << 12, &patch) ||
	    !get_int(c, v, pf, "num_channels", false, 3, 1, 64, &ch) ||
	    !get_int(c, v, pf, "num_attention_heads", false, 16, 1, MAX_HEADS,
	    &heads))
		return false;
	np = (img / patch) * (img / patch);
	vision_dims(c->m, MP_VIS_SIGLIP, h, inter, layers, heads, ch, img,
	    patch, np, text_hidden);
	if (!add(c, -1, MP_TK_VISION, V, 3, h, ch * patch, patch,
	    "vision_tower.patch_embedding.weight") ||
	    !add(c, -1, MP_TK_VISION, V, 1, h, 0, 0,
	    "vision_tower.patch_embedding.bias") ||
	    !add(c, -1, MP_TK_VISION, V, 2, np, h, 0,
	    "vision_tower.position_embedding.weight"))
		return false;
	for (l = 0; l < layers; l++) {
		/* 2 LayerNorms, q/k/v/out with biases, fc1/fc2 with biases */
		if (!add(c, -1, MP_TK_VISION, V, 1, 4 * h, 0, 0,
		    "vision_tower.layers.%llu.layer_norms",
		    (unsigned long long)l) ||
		    !add(c, -1, MP_TK_VISION, V, 2, 4 * h, h + 1, 0,
		    "vision_tower.layers.%llu.self_attn",
		    (unsigned long long)l) ||
		    !add(c, -1, MP_TK_VISION, V, 2, inter, h + 1, 0,
		    "vision_tower.layers.%llu.mlp.fc1", (unsigned long long)l) ||
		    !add(c, -1, MP_TK_VISION, V, 2, h, inter + 1, 0,
		    "vision_tower.layers.%llu.mlp.fc2", (unsigned long long)l))
			return false;
	}
	/* Gemma 3's projector: a soft-embedding norm and one matrix. */
	return add(c, -1, MP_TK_VISION, V, 1, 2 * h, 0, 0,
	    "vision_tower.post_layernorm") &&
	    add(c, -1, MP_TK_VISION, V, 1, h, 0, 0,
	    "multi_modal_projector.mm_soft_emb_norm.weight") &&
	    add(c, -1, MP_TK_VISION, V, 2, h, text_hidden, 0,
	    "multi_modal_projector.mm_input_projection_weight");
}

/* Qwen3-VL: ViT with learned positions, a patch merger, deepstack. */
static bool
vision_qwen3vl(struct cfg *c, const cJSON *v)
{
	uint64_t h, inter, depth, patch, tpatch, ch, npos, out, merge, heads;
	uint64_t l, mh, nds = 0;
	const unsigned V = MP_TF_VISION;
	const char *pf = "vision_config.";
	const cJSON *ds = item(v, "deepstack_visual_indexes");

	if (!get_int(c, v, pf, "hidden_size", false, 1152, 1, MAX_WIDTH, &h) ||
	    !get_int(c, v, pf, "intermediate_size", false, 4304, 1, MAX_WIDTH,
	    &inter) ||
	    !get_int(c, v, pf, "depth", false, 27, 1, MAX_LAYERS, &depth) ||
	    !get_int(c, v, pf, "patch_size", false, 16, 1, 1 << 12, &patch) ||
	    !get_int(c, v, pf, "temporal_patch_size", false, 2, 1, 64,
	    &tpatch) ||
	    !get_int(c, v, pf, "in_channels", false, 3, 1, 64, &ch) ||
	    !get_int(c, v, pf, "num_position_embeddings", false, 2304, 1,
	    1 << 24, &npos) ||
	    !get_int(c, v, pf, "out_hidden_size", false, c->m->hidden, 1,
	    MAX_WIDTH, &out) ||
	    !get_int(c, v, pf, "spatial_merge_size", false, 2, 1, 64, &merge) ||
	    !get_int(c, v, pf, "num_heads", false, 16, 1, MAX_HEADS, &heads))
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
	if (!add(c, -1, MP_TK_VISION, V, 3, h, ch * tpatch * patch, patch,
	    "visual.patch_embed.proj.weight") ||
	    !add(c, -1, MP_TK_VISION, V, 1, h, 0, 0,
	    "visual.patch_embed.proj.bias") ||
	    !add(c, -1, MP_TK_VISION, V, 2, npos, h, 0,
	    "visual.pos_embed.weight"))
		return false;
	for (l = 0; l < depth; l++)
		if (!add(c, -1, MP_TK_VISION, V, 1, 4 * h, 0, 0,
		    "visual.blocks.%llu.norms", (unsigned long long)l) ||
		    !add(c, -1, MP_TK_VISION, V, 2, 4 * h, h + 1, 0,
		    "visual.blocks.%llu.attn", (unsigned long long)l) ||
		    !add(c, -1, MP_TK_VISION, V, 2, inter, h + 1, 0,
		    "visual.blocks.%llu.mlp.linear_fc1",
		    (unsigned long long)l) ||
		    !add(c, -1, MP_TK_VISION, V, 2, h, inter + 1, 0,
		    "visual.blocks.%llu.mlp.linear_fc2", (unsigned long long)l))
			return false;
	/* The merger, then one more per deepstack level (post-shuffle norm). */
	if (!add(c, -1, MP_TK_VISION, V, 1, 2 * h, 0, 0, "visual.merger.norm") ||
	    !add(c, -1, MP_TK_VISION, V, 2, mh, mh + 1, 0,
	    "visual.merger.linear_fc1") ||
	    !add(c, -1, MP_TK_VISION, V, 2, out, mh + 1, 0,
	    "visual.merger.linear_fc2"))
		return false;
	for (l = 0; l < nds; l++)
		if (!add(c, -1, MP_TK_VISION, V, 1, 2 * mh, 0, 0,
		    "visual.deepstack_merger_list.%llu.norm",
		    (unsigned long long)l) ||
		    !add(c, -1, MP_TK_VISION, V, 2, mh, mh + 1, 0,
		    "visual.deepstack_merger_list.%llu.linear_fc1",
		    (unsigned long long)l) ||
		    !add(c, -1, MP_TK_VISION, V, 2, out, mh + 1, 0,
		    "visual.deepstack_merger_list.%llu.linear_fc2",
		    (unsigned long long)l))
			return false;
	return true;
}

/* Llama 4's vision encoder, pixel-shuffle adapter and projector. */
static bool
vision_llama4(struct cfg *c, const cJSON *v)
{
	uint64_t h, inter, layers, img, patch, ch, pin, pout, vout, np, l;
	uint64_t heads;
	double ratio;
	const cJSON *r = item(v, "pixel_shuffle_ratio");
	const unsigned V = MP_TF_VISION;
	const char *pf = "vision_config.";

	if (!get_int(c, v, pf, "hidden_size", false, 768, 1, MAX_WIDTH, &h) ||
	    !get_int(c, v, pf, "intermediate_size", false, 3072, 1, MAX_WIDTH,
	    &inter) ||
	    !get_int(c, v, pf, "num_hidden_layers", false, 34, 1, MAX_LAYERS,
	    &layers) ||
	    !get_int(c, v, pf, "image_size", false, 448, 1, 1 << 16, &img) ||
	    !get_int(c, v, pf, "patch_size", false, 14, 1, 1 << 12, &patch) ||
	    !get_int(c, v, pf, "num_channels", false, 3, 1, 64, &ch) ||
	    !get_int(c, v, pf, "projector_input_dim", false, 4096, 1,
	    MAX_WIDTH, &pin) ||
	    !get_int(c, v, pf, "projector_output_dim", false, 4096, 1,
	    MAX_WIDTH, &pout) ||
	    !get_int(c, v, pf, "vision_output_dim", false, 4096, 1, MAX_WIDTH,
	    &vout) ||
	    !get_int(c, v, pf, "num_attention_heads", false, 16, 1, MAX_HEADS,
	    &heads))
		return false;
	ratio = cJSON_IsNumber(r) && r->valuedouble > 0 ? r->valuedouble : 0.5;
	np = (img / patch) * (img / patch) + 1;
	vision_dims(c->m, MP_VIS_LLAMA4, h, inter, layers, heads, ch, img,
	    patch, np, c->m->hidden);
	c->m->vision.proj_in = (uint32_t)pin;
	c->m->vision.proj_out = (uint32_t)pout;
	c->m->vision.vout = (uint32_t)vout;
	c->m->vision.shuffled = (uint32_t)((double)h / (ratio * ratio));
	if (!add(c, -1, MP_TK_VISION, V, 2, h, ch * patch * patch, 0,
	    "vision_model.patch_embedding.linear.weight") ||
	    !add(c, -1, MP_TK_VISION, V, 1, h, 0, 0,
	    "vision_model.class_embedding") ||
	    !add(c, -1, MP_TK_VISION, V, 2, np, h, 0,
	    "vision_model.positional_embedding_vlm") ||
	    !add(c, -1, MP_TK_VISION, V, 1, 4 * h, 0, 0,
	    "vision_model.layernorm_pre_post"))
		return false;
	for (l = 0; l < layers; l++)
		if (!add(c, -1, MP_TK_VISION, V, 1, 4 * h, 0, 0,
		    "vision_model.layers.%llu.norms", (unsigned long long)l) ||
		    !add(c, -1, MP_TK_VISION, V, 2, 4 * h, h + 1, 0,
		    "vision_model.layers.%llu.self_attn",
		    (unsigned long long)l) ||
		    !add(c, -1, MP_TK_VISION, V, 2, inter, h + 1, 0,
		    "vision_model.layers.%llu.mlp.fc1", (unsigned long long)l) ||
		    !add(c, -1, MP_TK_VISION, V, 2, h, inter + 1, 0,
		    "vision_model.layers.%llu.mlp.fc2", (unsigned long long)l))
			return false;
	/* Adapter MLP on pixel-shuffled features (no biases), projector. */
	{
		uint64_t shuffled = (uint64_t)((double)h / (ratio * ratio));

		if (!add(c, -1, MP_TK_VISION, V, 2, pin, shuffled, 0,
		    "vision_model.vision_adapter.mlp.fc1.weight") ||
		    !add(c, -1, MP_TK_VISION, V, 2, pout, pin, 0,
		    "vision_model.vision_adapter.mlp.fc2.weight") ||
		    !add(c, -1, MP_TK_VISION, V, 2, c->m->hidden, vout, 0,
		    "multi_modal_projector.linear_1.weight"))
			return false;
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

	if (item(c->text, "vocab_size") != NULL)
		return get_int(c, c->text, c->tpfx, "vocab_size", true, 0, 1,
		    MAX_VOCAB, &m->vocab);
	for (i = 0; i < sizeof(vocab_defaults) / sizeof(vocab_defaults[0]);
	    i++)
		if (strcmp(vocab_defaults[i].type, t) == 0)
			break;
	if (i == sizeof(vocab_defaults) / sizeof(vocab_defaults[0]))
		return bad_field(c, c->tpfx, "vocab_size", "missing; expected "
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
	if (!tint(c, hk, !gemma3, 2304, 1, MAX_WIDTH, &m->hidden) ||
	    !tint(c, lk, !gemma3, 26, 1, MAX_LAYERS, &m->layers) ||
	    !tint(c, nk, !gemma3, 8, 1, MAX_HEADS, &m->heads) ||
	    !read_vocab(c, a))
		return false;
	if (!tint(c, "num_key_value_heads", false, gemma3 ? 4 : m->heads, 1,
	    MAX_HEADS, &m->kv_heads))
		return false;
	if (a->fam == FAM_GPT2 || a->fam == FAM_GPTJ) {
		if (!tint(c, ik, false, 4ULL * m->hidden, 1, MAX_WIDTH,
		    &m->intermediate))
			return false;
	} else if (!tint(c, ik, !gemma3 && a->fam != FAM_NEMOTRONH, 9216, 1,
	    MAX_WIDTH, &m->intermediate))
		return false;
	if (m->heads % m->kv_heads != 0)
		return bad_field(c, c->tpfx, "num_key_value_heads",
		    "expected a divisor of num_attention_heads");
	/* head_dim: explicit (Gemma, Mistral-Small, Qwen3) or hidden/heads. */
	if (m->hidden % m->heads != 0 && item(c->text, "head_dim") == NULL &&
	    item(c->text, "attention_head_dim") == NULL && !gemma3)
		return bad_field(c, c->tpfx, nk, "expected a divisor of "
		    "hidden_size (or an explicit head_dim)");
	if (!tint(c, "head_dim", false, gemma3 ? 256 : m->hidden / m->heads,
	    1, MAX_WIDTH, &hd) ||
	    !tint(c, "attention_head_dim", false, hd, 1, MAX_WIDTH, &hd))
		return false;
	m->head_dim = m->v_head_dim = hd;
	m->rotary_dim = hd;
	prf = tdouble(c, a->fam == FAM_GPTNEOX ? "rotary_pct" :
	    "partial_rotary_factor", a->fam == FAM_GPTNEOX ? 0.25 : 1.0);
	if (prf > 0 && prf <= 1)
		m->rotary_dim = (uint32_t)((double)hd * prf);
	if (a->fam == FAM_GPTJ && !tint(c, "rotary_dim", false, hd, 1,
	    MAX_WIDTH, &m->rotary_dim))
		return false;
	if (!get_int(c, c->text, c->tpfx, a->fam == FAM_GPT2 ? "n_positions" :
	    "max_position_embeddings", false, gemma3 ? 131072 : 4096, 1,
	    MAX_POS, &pos))
		return false;
	m->max_pos = pos;
	rope_scaling(c, m);
	if (!tint(c, "sliding_window", false, gemma3 ? 4096 : 0, 0,
	    UINT32_MAX, &m->sliding_window))
		return false;
	/* Mixture of experts: the names differ per family. */
	if (!tint(c, "num_local_experts", false, 0, 0, MAX_EXPERTS,
	    &m->n_experts) ||
	    !tint(c, "num_experts", false, m->n_experts, 0, MAX_EXPERTS,
	    &m->n_experts) ||
	    !tint(c, "n_routed_experts", false, m->n_experts, 0, MAX_EXPERTS,
	    &m->n_experts) ||
	    !tint(c, "num_experts_per_tok", false, 0, 0, MAX_EXPERTS, &ek) ||
	    !tint(c, "n_shared_experts", false, 0, 0, MAX_EXPERTS,
	    &m->n_shared_experts) ||
	    !tint(c, "moe_intermediate_size", false, m->intermediate, 1,
	    MAX_WIDTH, &m->moe_intermediate) ||
	    !tint(c, "shared_expert_intermediate_size", false, 0, 0,
	    MAX_WIDTH, &m->shared_intermediate))
		return false;
	m->experts_per_tok = ek;
	/* DeepSeek-V3 / GLM-4.5 multi-token-prediction layers, stored
	 * after the num_hidden_layers decoder layers. */
	if (!tint(c, "num_nextn_predict_layers", false, 0, 0, MAX_LAYERS,
	    &m->nextn_layers))
		return false;
	if (m->shared_intermediate > 0 && m->n_shared_experts == 0)
		m->n_shared_experts = 1;
	if (a->fam == FAM_LLAMA4) {
		/* Llama 4's expert width is intermediate_size. */
		m->moe_intermediate = m->intermediate;
	}
	if (a->moe && m->n_experts == 0)
		return bad_field(c, c->tpfx, "num_experts", "expected a "
		    "positive number of experts for a MoE architecture");
	if (m->experts_per_tok > m->n_experts)
		return bad_field(c, c->tpfx, "num_experts_per_tok",
		    "expected at most the number of experts");
	/* Experts with none routed per token is no model: not a default. */
	if (m->n_experts > 0 && m->experts_per_tok == 0)
		return bad_field(c, c->tpfx, "num_experts_per_tok",
		    item(c->text, "num_experts_per_tok") != NULL ?
		    "expected 1 to the number of experts, got 0" :
		    "missing; expected the experts routed per token");
	if (a->fam == FAM_DEEPSEEK) {
		if (!tint(c, "q_lora_rank", false, 0, 0, MAX_WIDTH,
		    &m->q_lora_rank) ||
		    !tint(c, "kv_lora_rank", true, 0, 1, MAX_WIDTH,
		    &m->kv_lora_rank) ||
		    !tint(c, "qk_rope_head_dim", true, 0, 1, MAX_WIDTH,
		    &m->qk_rope_dim) ||
		    !tint(c, "qk_nope_head_dim", true, 0, 1, MAX_WIDTH,
		    &m->qk_nope_dim) ||
		    !tint(c, "v_head_dim", true, 0, 1, MAX_WIDTH,
		    &m->v_head_dim))
			return false;
		m->head_dim = m->qk_nope_dim + m->qk_rope_dim;
	}
	if (a->fam == FAM_NEMOTRONH) {
		uint32_t	 expand;
		const char	*dt;

		if (!tint(c, "mamba_num_heads", true, 0, 1, MAX_HEADS,
		    &m->ssm_heads) ||
		    !tint(c, "mamba_head_dim", true, 0, 1, MAX_WIDTH,
		    &m->ssm_head_dim) ||
		    !tint(c, "ssm_state_size", true, 0, 1, MAX_WIDTH,
		    &m->ssm_state) ||
		    !tint(c, "n_groups", false, 1, 1, MAX_HEADS,
		    &m->ssm_groups) ||
		    !tint(c, "conv_kernel", false, 4, 1, 1024, &m->ssm_conv) ||
		    !tint(c, "expand", false, 2, 1, 64, &expand))
			return false;
		dt = get_str(c->text, "mamba_ssm_cache_dtype");
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
	const cJSON		*tc = item(c->root, "text_config");
	const cJSON		*vc = item(c->root, "vision_config");
	const cJSON		*arr = item(c->root, "architectures");
	const cJSON		*qc = item(c->root, "quantization_config");
	const char		*mt, *top = get_str(c->root, "model_type");
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
	mt = get_str(c->text, "model_type");
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
	/* A config that asks for eager attention gets it: transformers
	 * reads attn_implementation (saved as "_attn_implementation" by
	 * older versions) from the config (configuration_utils.py). */
	{
		const char *ai = get_str(c->root, "attn_implementation");

		if (ai == NULL)
			ai = get_str(c->root, "_attn_implementation");
		if (ai != NULL && strcmp(ai, "eager") == 0)
			m->eager_attn = true;
	}
	m->gated_mlp = a->fam != FAM_GPTNEOX && a->fam != FAM_GPT2 &&
	    a->fam != FAM_GPTJ && a->fam != FAM_NEMOTRONH;

	dt = get_str(c->text, "torch_dtype");
	if (dt == NULL)
		dt = get_str(c->text, "dtype");
	if (dt == NULL)
		dt = get_str(c->root, "torch_dtype");
	if (dt == NULL)
		dt = get_str(c->root, "dtype");
	m->torch_dtype = parse_torch_dtype(dt);
	/* A dtype memplan does not know is not read as "none given". */
	{
		const cJSON *d = item(c->text, "torch_dtype");

		if (d == NULL)
			d = item(c->text, "dtype");
		if (d == NULL)
			d = item(c->root, "torch_dtype");
		if (d == NULL)
			d = item(c->root, "dtype");
		if (d != NULL && !cJSON_IsNull(d) && (!cJSON_IsString(d) ||
		    m->torch_dtype == MP_DT_NONE))
			return bad_field(c, "", d->string, "expected "
			    "\"bfloat16\", \"float16\" or \"float32\"");
	}
	if (qc != NULL) {
		const char *qm = get_str(qc, "quant_method");

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
	if (!get_bool(c, c->text, c->tpfx, "tie_word_embeddings", tied_def,
	    &m->tied))
		return false;
	if (c->text != c->root && item(c->text, "tie_word_embeddings") == NULL &&
	    !get_bool(c, c->root, "", "tie_word_embeddings", m->tied, &m->tied))
		return false;
	if (a->fam == FAM_GPTNEOX && !tbool(c, "tie_word_embeddings", false,
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
		ok = build_llama(c, a);
		break;
	case FAM_GEMMA:
		ok = build_gemma(c, a);
		break;
	case FAM_DEEPSEEK:
		ok = build_deepseek(c, a);
		break;
	case FAM_GPTOSS:
		ok = build_gptoss(c, a);
		break;
	case FAM_LLAMA4:
		ok = build_llama4(c, a);
		break;
	case FAM_NEMOTRONH:
		ok = build_nemotronh(c, a);
		break;
	case FAM_GPTNEOX:
		ok = build_gptneox(c);
		break;
	case FAM_GPT2:
		ok = build_gpt2(c);
		break;
	case FAM_GPTJ:
		ok = build_gptj(c);
		break;
	default:
		ok = false;
	}
	if (!ok)
		return false;
	if (vc != NULL && cJSON_IsObject(vc)) {
		if (top != NULL && strcmp(top, "gemma3") == 0)
			ok = vision_siglip(c, vc, m->hidden);
		else if (top != NULL && strcmp(top, "qwen3_vl") == 0)
			ok = vision_qwen3vl(c, vc);
		else if (top != NULL && strcmp(top, "llama4") == 0)
			ok = vision_llama4(c, vc);
		if (!ok)
			return false;
	}
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
