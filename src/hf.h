/* hf.h: what the config.json parser (model_hf.c), the field readers
 * (hf_fields.c), the tensor helpers (hf_tensors.c) and the architecture
 * builders (arch_*.c) share; private to src/ */
/* SPDX-License-Identifier: MIT */
#ifndef MEMPLAN_HF_H
#define MEMPLAN_HF_H

#include <stdbool.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "internal.h"

/* Bounds real models never reach but the arithmetic can always hold. */
#define MAX_LAYERS	4096
#define MAX_WIDTH	(1u << 20)	/* hidden, intermediate */
#define MAX_HEADS	65536
#define MAX_VOCAB	(1u << 24)
#define MAX_EXPERTS	65536
#define MAX_POS		(1ULL << 34)

/* One config.json being read into a model. */
struct cfg {
	const cJSON	*root;		/* the whole file */
	const cJSON	*text;		/* text_config, or the root */
	const char	*tpfx;		/* "text_config." or "" */
	const char	*path;
	struct mp_error	*err;
	struct mp_model	*m;
};

/* Families of model_type that build their tensors alike. */
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

/* One model_type (model_hf.c's archs[] table). */
struct archdef {
	const char	*model_type;
	enum family	 fam;
	bool		 qkv_bias;	/* q/k/v biases regardless of config */
	bool		 qk_norm;	/* per-head RMSNorm on q and k */
	bool		 moe;		/* MoE MLP on sparse layers */
	bool		 eager;		/* no SDPA path (gpt-oss: sinks) */
};

/* ---- hf_fields.c: fields with bounds; errors name pfx + key ---- */

/* obj[key], or NULL when missing or JSON null ("head_dim": null). */
const cJSON	*hf_item(const cJSON *obj, const char *key);
/* Sets c->err for field pfx+key and returns false. */
bool		 hf_bad_field(struct cfg *, const char *pfx, const char *key,
		    const char *msg);
bool		 hf_get_int(struct cfg *, const cJSON *obj, const char *pfx,
		    const char *key, bool required, uint64_t def,
		    uint64_t min, uint64_t max, uint64_t *out);
/* The same from the text config, into 32 bits. */
bool		 hf_tint(struct cfg *, const char *key, bool required,
		    uint64_t def, uint64_t min, uint64_t max, uint32_t *out);
bool		 hf_get_bool(struct cfg *, const cJSON *obj, const char *pfx,
		    const char *key, bool def, bool *out);
bool		 hf_tbool(struct cfg *, const char *key, bool def, bool *out);
/* A finite number of the text config, else def. */
double		 hf_tdouble(struct cfg *, const char *key, double def);
/* obj[key] when a string, else NULL. */
const char	*hf_get_str(const cJSON *obj, const char *key);

/* ---- hf_tensors.c: tensors named by transformers' module paths ---- */

/* Appends the tensor named by fmt (dims in PyTorch order). */
bool	hf_add(struct cfg *, int32_t layer, enum mp_tkind, unsigned flags,
	    uint8_t ndim, uint64_t d0, uint64_t d1, uint64_t d2,
	    const char *fmt, ...) __attribute__((format(printf, 9, 10)));
bool	hf_linear(struct cfg *, int32_t l, enum mp_tkind, uint64_t out,
	    uint64_t in, bool bias, unsigned extra, const char *name);
bool	hf_norm(struct cfg *, int32_t l, uint64_t dim, bool bias,
	    unsigned extra, const char *name);
bool	hf_rotary_buffers(struct cfg *, uint32_t rotary_dim,
	    unsigned modules);
bool	hf_attention(struct cfg *, const struct archdef *, int32_t l,
	    bool bias, bool obias);
bool	hf_dense_mlp(struct cfg *, int32_t l, const char *p, uint64_t inter,
	    bool bias, bool fused, enum mp_tkind kg, enum mp_tkind ku,
	    enum mp_tkind kd);
bool	hf_experts(struct cfg *, int32_t l, const char *p, uint64_t inter,
	    bool fused_gate_up, bool bias);
bool	hf_router(struct cfg *, int32_t l, const char *p, bool bias);
bool	hf_sparse_layer(struct cfg *, uint32_t l, uint32_t step,
	    uint32_t first_dense);
/* model.embed_tokens; layer l's norms around its self_attn (under
 * "model.layers.l"), with the name of its MLP module ("model.layers.l."
 * mlp) in n; model.norm, lm_head unless tied, rotary buffers. */
bool	hf_embed_tokens(struct cfg *);
bool	hf_attn_block(struct cfg *, const struct archdef *, uint32_t l,
	    bool ln_bias, bool bias, bool obias, const char *mlp, char *n,
	    size_t len);
bool	hf_decoder_end(struct cfg *, bool ln_bias, bool head_bias,
	    uint32_t rotary_dim, unsigned rotary_modules);

/* ---- arch_*.c: one builder per family, after the dimensions are read */

bool	hf_build_llama(struct cfg *, const struct archdef *);	/* +phi3 */
bool	hf_build_gemma(struct cfg *, const struct archdef *);
bool	hf_build_deepseek(struct cfg *, const struct archdef *);
bool	hf_build_gptoss(struct cfg *, const struct archdef *);
bool	hf_build_llama4(struct cfg *, const struct archdef *);
bool	hf_build_nemotronh(struct cfg *, const struct archdef *);
/* GPT-2, GPT-NeoX and GPT-J: rows of one table (arch_gpt.c). */
bool	hf_build_gpt(struct cfg *, const struct archdef *);
/* Vision towers of multimodal configs (arch_vision.c). */
bool	hf_vision_siglip(struct cfg *, const cJSON *v, uint64_t text_hidden);
bool	hf_vision_qwen3vl(struct cfg *, const cJSON *v);
bool	hf_vision_llama4(struct cfg *, const cJSON *v);

#endif
