/* scenario.c: scenario defaults, names and validation */
/* SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <string.h>

#include "internal.h"

/* Bounds that keep every product of the estimate inside 64 bits. */
#define MAX_BATCH	(1ULL << 20)
#define MAX_SEQ		(1ULL << 30)
#define MAX_TOKENS	(1ULL << 36)	/* batch x seq */

static const struct { const char *name; enum mp_mode v; } modes[] = {
	{ "infer", MP_MODE_INFER }, { "lora", MP_MODE_LORA },
	{ "qlora", MP_MODE_QLORA }, { "full", MP_MODE_FULL },
	{ "convert", MP_MODE_CONVERT },
};
static const struct { const char *name; enum mp_runtime v; } runtimes[] = {
	{ "transformers", MP_RT_TRANSFORMERS }, { "vllm", MP_RT_VLLM },
	{ "llamacpp", MP_RT_LLAMACPP },
	/* llama.cpp with Ollama's defaults (ollama.c; options.c marks it) */
	{ "ollama", MP_RT_LLAMACPP },
};
static const struct { const char *name; enum mp_optim v; } optims[] = {
	{ "adamw", MP_OPT_ADAMW }, { "adamw8bit", MP_OPT_ADAMW8BIT },
	{ "sgd", MP_OPT_SGD }, { "adafactor", MP_OPT_ADAFACTOR },
};

static const struct { const char *name; enum mp_parallel v; } pars[] = {
	{ "none", MP_PAR_NONE }, { "ddp", MP_PAR_DDP },
	{ "zero1", MP_PAR_ZERO1 }, { "zero2", MP_PAR_ZERO2 },
	{ "zero3", MP_PAR_ZERO3 }, { "fsdp", MP_PAR_FSDP },
	{ "fsdp-shard-grad-op", MP_PAR_FSDP_SGO },
	{ "fsdp-hybrid", MP_PAR_FSDP_HYBRID },
};
static const struct { const char *name; enum mp_offload v; } offs[] = {
	{ "none", MP_OFFLOAD_NONE }, { "cpu", MP_OFFLOAD_CPU },
	{ "nvme", MP_OFFLOAD_NVME },
};
/*
 * KV cache types, by the name people type: the float types, fp8 (vLLM
 * --kv-cache-dtype fp8) and the ggml types llama.cpp's --cache-type-k/-v
 * accept (common/arg.cpp kv_cache_types).
 */
static const struct { const char *name; enum mp_dtype v; } kvs[] = {
	{ "fp16", MP_DT_F16 }, { "bf16", MP_DT_BF16 }, { "fp32", MP_DT_F32 },
	{ "fp8", MP_DT_F8_E4M3 }, { "q8_0", MP_DT_Q8_0 },
	{ "q5_1", MP_DT_Q5_1 }, { "q5_0", MP_DT_Q5_0 },
	{ "q4_1", MP_DT_Q4_1 }, { "q4_0", MP_DT_Q4_0 },
	{ "iq4_nl", MP_DT_IQ4_NL },
};

#define CHOICE(tab, i) \
	return (i) < sizeof(tab) / sizeof(tab[0]) ? tab[i].name : NULL

const char *mp_mode_choice(size_t i) { CHOICE(modes, i); }
const char *mp_runtime_choice(size_t i) { CHOICE(runtimes, i); }
const char *mp_optim_choice(size_t i) { CHOICE(optims, i); }
const char *mp_parallel_choice(size_t i) { CHOICE(pars, i); }
const char *mp_offload_choice(size_t i) { CHOICE(offs, i); }
const char *mp_kv_dtype_choice(size_t i) { CHOICE(kvs, i); }

bool
mp_kv_dtype_ok(enum mp_dtype dt)
{
	size_t i;

	for (i = 0; i < sizeof(kvs) / sizeof(kvs[0]); i++)
		if (kvs[i].v == dt)
			return true;
	return false;
}

#define LOOKUP(tab, s, out) do {					\
	size_t i_;							\
	for (i_ = 0; i_ < sizeof(tab) / sizeof(tab[0]); i_++)		\
		if (strcmp((s), tab[i_].name) == 0) {			\
			*(out) = tab[i_].v;				\
			return true;					\
		}							\
	return false;							\
} while (0)

#define NAME(tab, v) do {						\
	size_t i_;							\
	for (i_ = 0; i_ < sizeof(tab) / sizeof(tab[0]); i_++)		\
		if (tab[i_].v == (v))					\
			return tab[i_].name;				\
	return "?";							\
} while (0)

bool mp_mode_parse(const char *s, enum mp_mode *o) { LOOKUP(modes, s, o); }
bool mp_runtime_parse(const char *s, enum mp_runtime *o) { LOOKUP(runtimes, s, o); }
bool mp_optim_parse(const char *s, enum mp_optim *o) { LOOKUP(optims, s, o); }
bool mp_parallel_parse(const char *s, enum mp_parallel *o) { LOOKUP(pars, s, o); }
const char *mp_parallel_name(enum mp_parallel v) { NAME(pars, v); }
bool mp_offload_parse(const char *s, enum mp_offload *o) { LOOKUP(offs, s, o); }
const char *mp_offload_name(enum mp_offload v) { NAME(offs, v); }
const char *mp_mode_name(enum mp_mode v) { NAME(modes, v); }
const char *mp_runtime_name(enum mp_runtime v) { NAME(runtimes, v); }

const char *
mp_scenario_runtime(const struct mp_scenario *sc)
{
	if (sc->ollama && sc->runtime == MP_RT_LLAMACPP)
		return "ollama " MP_OLLAMA_VERSION " (llama.cpp)";
	return mp_runtime_name(sc->runtime);
}
const char *mp_optim_name(enum mp_optim v) { NAME(optims, v); }

void
mp_scenario_init(struct mp_scenario *sc)
{
	memset(sc, 0, sizeof(*sc));
	sc->mode = MP_MODE_INFER;
	sc->runtime = MP_RT_TRANSFORMERS;
	sc->optimizer = MP_OPT_ADAMW;
	sc->gpu_layers = -1;
	sc->draft_gpu_layers = -1;
}

/*
 * --attn: transformers' attn_implementation.  "flash2" is
 * flash_attention_2, the flash-attn package (transformers'
 * modeling_flash_attention_utils.py); indexed by enum mp_attn.
 */
static const char *const attn_names[] = { NULL, "sdpa", "eager", "flash2" };
static const char *const attn_hf[] = { NULL, "sdpa", "eager",
	"flash_attention_2" };
#define N_ATTN	(sizeof(attn_names) / sizeof(attn_names[0]))

const char *
mp_attn_choice(size_t i)
{
	return i + 1 < N_ATTN ? attn_names[i + 1] : NULL;
}

bool
mp_attn_parse(const char *v, enum mp_attn *out)
{
	size_t i;

	for (i = 1; i < N_ATTN; i++)
		if (strcmp(v, attn_names[i]) == 0) {
			*out = (enum mp_attn)i;
			return true;
		}
	return false;
}

const char *
mp_attn_hf_name(enum mp_attn a)
{
	return (size_t)a > 0 && (size_t)a < N_ATTN ? attn_hf[a] : "sdpa";
}

/*
 * What transformers runs when --attn is not given: "sdpa", its default
 * since v4.36 wherever torch has scaled_dot_product_attention
 * (modeling_utils.py _check_and_adjust_attn_implementation), except for
 * classes without an SDPA path (gpt-oss: sinks) and configs that ask for
 * eager.
 */
enum mp_attn
mp_attn_of(const struct mp_model *m, const struct mp_scenario *sc)
{
	if (sc->attn != MP_ATTN_DEFAULT)
		return sc->attn;
	return m != NULL && m->eager_attn ? MP_ATTN_EAGER : MP_ATTN_SDPA;
}

/* An implementation other than the one from_pretrained picks by itself
 * (sdpa, or eager for the models above): commands must say it. */
bool
mp_attn_explicit(const struct mp_model *m, const struct mp_scenario *sc)
{
	return sc->runtime == MP_RT_TRANSFORMERS &&
	    sc->mode != MP_MODE_CONVERT && sc->attn != MP_ATTN_DEFAULT &&
	    sc->attn != (m != NULL && m->eager_attn ? MP_ATTN_EAGER :
	    MP_ATTN_SDPA);
}

bool
mp_scenario_resolve(struct mp_scenario *sc, const struct mp_model *m,
    struct mp_error *err)
{
	uint64_t tokens;

	if (sc->ollama && sc->runtime == MP_RT_LLAMACPP &&
	    !mp_ollama_defaults(sc, m, err))
		return false;
	if (sc->batch == 0)
		sc->batch = 1;
	/*
	 * A .gguf file (local, a Hub repo's quant, an Ollama model) is run
	 * by llama.cpp unless --runtime says otherwise; a --weights name
	 * that is also a GGUF type (q8_0) then means that type.
	 */
	if (m->source == MP_SRC_GGUF && !sc->runtime_set &&
	    sc->mode == MP_MODE_INFER && sc->runtime == MP_RT_TRANSFORMERS) {
		sc->runtime = MP_RT_LLAMACPP;
		if (sc->weights != MP_DT_NONE && sc->ftype[0] == '\0' &&
		    mp_gguf_ftype_known(mp_dtype_info(sc->weights)->name)) {
			snprintf(sc->ftype, sizeof(sc->ftype), "%s",
			    mp_dtype_info(sc->weights)->name);
			if (!mp_dtype_info(sc->weights)->is_float)
				sc->weights = MP_DT_NONE;
		}
	}
	/*
	 * llama.cpp runs a .gguf file with the types llama-quantize gave its
	 * tensors (gguf_quant.c prices the file as stored): another
	 * --weights would be a label on the same bytes, so it is refused
	 * with what to do instead.
	 */
	if (m->source == MP_SRC_GGUF && sc->mode == MP_MODE_INFER &&
	    sc->runtime == MP_RT_LLAMACPP && !sc->weights_as_stored &&
	    (sc->weights != MP_DT_NONE || sc->ftype[0] != '\0'))
		return mp_error_set(err, MP_EUSAGE, NULL, "--weights",
		    "%s: a .gguf file is priced as stored (llama-quantize "
		    "fixed its types); for another quantization name that "
		    "file (Org/Repo:QUANT, or its path) or the original "
		    "checkpoint", sc->ftype[0] != '\0' ? sc->ftype :
		    mp_dtype_info(sc->weights)->name);
	/* The context the model's runtime defaults to when its source says
	 * (an Ollama model's num_ctx), else the model's up to 4096. */
	if (sc->seq == 0 && m->ctx_default > 0)
		sc->seq = m->ctx_default;
	else if (sc->seq == 0)
		sc->seq = m->max_pos < 4096 ? m->max_pos : 4096;
	if (sc->batch > MAX_BATCH)
		return mp_error_set(err, MP_EUSAGE, NULL, "--batch",
		    "expected at most %llu", (unsigned long long)MAX_BATCH);
	if (sc->seq > MAX_SEQ)
		return mp_error_set(err, MP_EUSAGE, NULL, "--seq",
		    "expected at most %llu", (unsigned long long)MAX_SEQ);
	if (!mp_mul(sc->batch, sc->seq, &tokens) || tokens > MAX_TOKENS)
		return mp_error_set(err, MP_EUSAGE, NULL, "--batch",
		    "batch x seq is more than %llu tokens",
		    (unsigned long long)MAX_TOKENS);
	if (sc->weights == MP_DT_NONE && sc->ftype[0] == '\0' &&
	    m->source != MP_SRC_CONFIG && m->file_bytes > 0)
		sc->weights_as_stored = true;
	/*
	 * No --weights over a config whose quantization_config names the
	 * shipped format: price it as shipped (transformers and vLLM load
	 * it that way), not dequantized.  Inference only: training
	 * dequantizes or needs a format of its own (QLoRA).
	 */
	if (sc->weights == MP_DT_NONE && sc->ftype[0] == '\0' &&
	    !sc->weights_as_stored && sc->mode == MP_MODE_INFER &&
	    sc->runtime != MP_RT_LLAMACPP &&
	    (sc->weights = mp_shipped_dtype(m)) != MP_DT_NONE) {
		sc->weights_shipped = true;
		/* The checkpoint's own layout: nested absmax, GPTQ/AWQ
		 * groups (0: one a row). */
		sc->double_quant = m->shipq.double_quant;
		if (sc->group_size == 0 && (sc->weights == MP_DT_INT4_GPTQ ||
		    sc->weights == MP_DT_INT4_AWQ) &&
		    m->shipq.layout == MP_SQ_DTYPE)
			sc->group_size = m->shipq.group_size != 0 ?
			    m->shipq.group_size : UINT32_MAX;
	}
	if (sc->weights == MP_DT_NONE && sc->ftype[0] == '\0') {
		/*
		 * No --weights: the checkpoint's dtype.  Configs without one
		 * (GPT-2, GPT-J) were published in fp32; pre-quantized ones
		 * (gpt-oss MXFP4) load their other tensors in bf16.
		 */
		if (m->torch_dtype != MP_DT_NONE)
			sc->weights = m->torch_dtype;
		else if (m->quant_method[0] != '\0')
			sc->weights = MP_DT_BF16;
		else
			sc->weights = MP_DT_F32;
	}
	if (sc->kv_dtype == MP_DT_NONE)
		sc->kv_dtype = sc->runtime == MP_RT_LLAMACPP ? MP_DT_F16 :
		    mp_float_dtype(m, sc->weights, sc->bf16_as);
	if (!mp_kv_dtype_ok(sc->kv_dtype))
		return mp_error_set(err, MP_EUSAGE, NULL, "--kv-dtype",
		    "%s cannot hold a KV cache",
		    mp_dtype_info(sc->kv_dtype)->name);
	if (sc->rank == 0)
		sc->rank = 16;
	if (sc->gpus == 0)
		sc->gpus = 1;
	if (sc->group_size == 0)
		sc->group_size = 128;
	if (sc->ubatch == 0)
		sc->ubatch = 512;
	if (sc->amp != MP_DT_NONE && sc->amp != MP_DT_BF16 &&
	    sc->amp != MP_DT_F16)
		return mp_error_set(err, MP_EUSAGE, NULL, "--amp",
		    "expected bf16 or fp16");
	if (sc->amp != MP_DT_NONE && !mp_dtype_info(sc->weights)->is_float)
		return mp_error_set(err, MP_EUSAGE, NULL, "--amp",
		    "mixed precision needs float weights (fp32, fp16 or "
		    "bf16), got %s", sc->ftype[0] ? sc->ftype :
		    mp_dtype_info(sc->weights)->name);
	if (sc->ftype[0] != '\0' && sc->runtime != MP_RT_LLAMACPP &&
	    sc->mode != MP_MODE_CONVERT)
		return mp_error_set(err, MP_EUSAGE, NULL, "--weights",
		    "%s is a GGUF type: use it with --runtime llamacpp or "
		    "--mode convert", sc->ftype);
	if (sc->gpu_layers >= 0 && (uint64_t)sc->gpu_layers > m->layers)
		sc->gpu_layers = m->layers;
	/* llama-server's projector and draft model (llamacpp.c); vLLM
	 * takes a draft model too (vllm.c), without -ngld/-cd. */
	if (sc->mmproj[0] != '\0' && sc->runtime != MP_RT_LLAMACPP)
		return mp_error_set(err, MP_EUSAGE, NULL, "--mmproj", "only "
		    "used by --runtime llamacpp, not %s",
		    mp_runtime_name(sc->runtime));
	if ((sc->fit || sc->fit_target_set) && sc->runtime != MP_RT_LLAMACPP)
		return mp_error_set(err, MP_EUSAGE, NULL, sc->fit ? "--fit" :
		    "--fit-target", "only used by --runtime llamacpp, not %s",
		    mp_runtime_name(sc->runtime));
	if (sc->fit_target_set && !sc->fit)
		return mp_error_set(err, MP_EUSAGE, NULL, "--fit-target",
		    "only used with --fit");
	if (sc->override_tensor[0] != '\0' && sc->runtime != MP_RT_LLAMACPP)
		return mp_error_set(err, MP_EUSAGE, NULL, "--override-tensor",
		    "only used by --runtime llamacpp, not %s",
		    mp_runtime_name(sc->runtime));
	if (sc->draft[0] != '\0' && sc->runtime != MP_RT_LLAMACPP &&
	    sc->runtime != MP_RT_VLLM)
		return mp_error_set(err, MP_EUSAGE, NULL, "--draft", "only "
		    "used by --runtime llamacpp or vllm, not %s",
		    mp_runtime_name(sc->runtime));
	if ((sc->draft_gpu_layers_set || sc->draft_ctx != 0) &&
	    sc->runtime == MP_RT_VLLM)
		return mp_error_set(err, MP_EUSAGE, NULL,
		    sc->draft_ctx != 0 ? "--draft-ctx" : "--draft-gpu-layers",
		    "only used by --runtime llamacpp (vLLM places the draft "
		    "like the model)");
	/*
	 * transformers' attention implementation: a class without an SDPA
	 * path (gpt-oss's sinks: _supports_sdpa = False) runs eager or
	 * kernels-community/vllm-flash-attn3, not flash-attn's
	 * FlashAttention-2 (modular_gpt_oss.py
	 * _compatible_flash_implementations); transformers refuses the
	 * others when it loads the model.
	 */
	if (sc->runtime == MP_RT_TRANSFORMERS && sc->mode != MP_MODE_CONVERT) {
		if (m->no_sdpa && (sc->attn == MP_ATTN_SDPA ||
		    sc->attn == MP_ATTN_FLASH2))
			return mp_error_set(err, MP_EUSAGE, NULL, "--attn",
			    "%s has no %s path in transformers (attention "
			    "sinks); use --attn eager", m->model_type,
			    sc->attn == MP_ATTN_SDPA ? "SDPA" :
			    "FlashAttention-2");
		sc->attn = mp_attn_of(m, sc);
	}
	if (sc->image_size != 0 && sc->mmproj[0] == '\0')
		return mp_error_set(err, MP_EUSAGE, NULL, "--image-size",
		    "only used with --mmproj (the encoder's picture)");
	if ((sc->draft_gpu_layers_set || sc->draft_ctx != 0) &&
	    sc->draft[0] == '\0')
		return mp_error_set(err, MP_EUSAGE, NULL,
		    sc->draft_ctx != 0 ? "--draft-ctx" : "--draft-gpu-layers",
		    "only used with --draft MODEL");
	return true;
}

const char *
mp_scenario_weights_name(const struct mp_scenario *sc)
{
	const struct mp_dtype_info *di;

	if (sc->ftype[0] != '\0')
		return sc->ftype;
	if (sc->weights == MP_DT_NONE)
		return "default";
	di = mp_dtype_info(sc->weights);
	return di != NULL && di->name != NULL ? di->name : "?";
}

/* fit --solve: the fields fit searches (fit.c). */
static const struct {
	const char	*name;
	enum mp_solve	 v;
} solves[] = {
	{ "seq", MP_SOLVE_SEQ }, { "batch", MP_SOLVE_BATCH },
	{ "layers", MP_SOLVE_LAYERS }, { "weights", MP_SOLVE_WEIGHTS },
	{ "n-cpu-moe", MP_SOLVE_NCPUMOE },
};

bool
mp_solve_parse(const char *s, enum mp_solve *v)
{
	size_t i;

	for (i = 0; i < sizeof(solves) / sizeof(solves[0]); i++)
		if (strcmp(s, solves[i].name) == 0) {
			*v = solves[i].v;
			return true;
		}
	return false;
}

const char *
mp_solve_choice(size_t i)
{
	return i < sizeof(solves) / sizeof(solves[0]) ? solves[i].name : NULL;
}

const char *
mp_solve_name(enum mp_solve v)
{
	size_t i;

	for (i = 0; i < sizeof(solves) / sizeof(solves[0]); i++)
		if (solves[i].v == v)
			return solves[i].name;
	return "?";
}
