/* internal.h: libmemplan's own helpers, shared by the library sources (not installed) */
/* SPDX-License-Identifier: MIT */
/*
 * memplan.h is the API an embedding program uses, and the only names
 * libmemplan.so exports (its declarations are in a default-visibility
 * region; the library is built with -fvisibility=hidden).  What is
 * declared here is visible to the library's own files, to the unit tests
 * and to the command line in src/cli/: all three link the static
 * archive libmemplan.a, never the .so, so they may call these helpers.
 * A function moves to memplan.h when an embedding program needs it.
 */
#ifndef MEMPLAN_INTERNAL_H
#define MEMPLAN_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "memplan.h"

/* units.c: checked arithmetic and bounded integers */
/* Checked helpers: return false on overflow and leave *r unchanged. */
bool	mp_mul(uint64_t a, uint64_t b, uint64_t *r);
bool	mp_add(uint64_t a, uint64_t b, uint64_t *r);
/* Saturating forms for formulas whose inputs are already range-checked. */
uint64_t mp_muls(uint64_t a, uint64_t b);
uint64_t mp_adds(uint64_t a, uint64_t b);
uint64_t mp_umax(uint64_t a, uint64_t b);
uint64_t mp_umin(uint64_t a, uint64_t b);
/* Rounds a non-negative double to bytes, saturating at UINT64_MAX. */
uint64_t mp_round(double v);
/* Decimal integer within [min, max]; "1k"/"32k" = 1024 multiples when kmul. */
bool	mp_parse_uint(const char *s, uint64_t min, uint64_t max, bool kmul,
	    uint64_t *out, char *why, size_t whylen);
/* "-1.50 GiB" for a negative difference. */
const char *mp_fmt_ssize(int64_t, enum mp_units, char *, size_t);
/* The fewest decimal places, from min up to max, that write v exactly
 * (8 -> 0, 1.5 -> 1, 0.9764 -> 4): a number a config or the user gave,
 * written back as given (a note's value, mp_fmt_fixed). */
unsigned mp_fixed_places(double v, unsigned min, unsigned max);

/* text.c */
/* The valid UTF-8 sequence at s (at most n bytes): its length and code
 * point, or 0 when it is not one. */
size_t	mp_utf8_seq(const unsigned char *s, size_t n, uint32_t *cp);
/* Whether s is one of the words of a NULL-ended list (a spelling of
 * true or false, as each reader's grammar has them). */
bool	mp_word_in(const char *s, const char *const *words);

/* render_plan.c */
/* The last component of a path ("plan.yaml"). */
const char *mp_basename(const char *);

/* render_markdown.c: what the text and markdown reports share */
/* A markdown table cell: a pipe escaped, a newline a blank. */
void	mp_md_cell(const char *, FILE *);
/* A conversion's steps (peak anonymous, file-backed, disk written) as
 * a fixed-width text table or a markdown one. */
void	mp_render_convert_steps(const struct mp_convert *, enum mp_units,
	    bool md, FILE *);
/* runtime.c: the notes of an estimate in the order they were written,
 * from index *k on: the next one on the component what (NULL: on no
 * component), *k moved past it; NULL when there is none. */
const struct mp_note *mp_note_next(const struct mp_estimate *,
	    const char *what, size_t *k);
/* Component i as a report's row: false when it has neither a size nor
 * a note (not listed); else its name, size and first note, with k where
 * mp_note_next() goes on to its further notes. */
struct mp_comp_row {
	const char		*name;
	uint64_t		 size;
	const struct mp_note	*note;		/* NULL: none */
	size_t			 k;
};
bool	mp_component_row(const struct mp_estimate *, size_t i,
	    struct mp_comp_row *);
/* The speed block (speed.c) of a scenario of seq tokens: text lines or
 * a markdown table. */
void	mp_render_speed(const struct mp_speed *, uint64_t seq, bool md,
	    FILE *);

/* suggest.c: "did you mean" over a closed set of names */
struct mp_suggest {
	const char	*want;		/* what was typed */
	char		 best[128];	/* the closest plausible name so far */
	size_t		 score;		/* lower is closer; SIZE_MAX: none */
};
/* Levenshtein distance, case ignored; SIZE_MAX for names over 64. */
size_t	mp_edit_distance(const char *a, const char *b);
void	mp_suggest_init(struct mp_suggest *, const char *want);
/* Offers one candidate: kept when it is a typo away from want or
 * contains it ("4090" -> "rtx-4090"), and closer than the last. */
void	mp_suggest_add(struct mp_suggest *, const char *cand);
/* The best plausible candidate, or NULL. */
const char *mp_suggest_best(const struct mp_suggest *);

/* dtype.c */
/*
 * ggml's families of a type: float (f32, f16, bf16), the legacy 32-element
 * blocks (q8_0, q4_0, q4_1, q5_0, q5_1, iq4_nl: the quantized KV-cache
 * types llama.cpp accepts), MXFP4/FP4, and the k- and i-quants (with
 * every other type).  Kernels differ in cost per byte by family.
 */
enum mp_ggml_family { MP_GF_FLOAT, MP_GF_LEGACY, MP_GF_KQUANT, MP_GF_MXFP4,
	MP_GF__COUNT };
enum mp_ggml_family mp_ggml_family(enum mp_dtype);
/* The i-th float or bitsandbytes spelling --weights accepts ("fp32"). */
const char *mp_weights_format(size_t i);

/* model.c */
/* Appends a tensor; dims are PyTorch order. */
bool	mp_model_add(struct mp_model *, const char *name, int32_t layer,
	    enum mp_tkind, unsigned flags, uint8_t ndim, uint64_t d0,
	    uint64_t d1, uint64_t d2, struct mp_error *);
uint64_t mp_tensor_numel(const struct mp_tensor *);
/* The last component of path without extension ext: a model's name. */
void	mp_path_stem(const char *path, const char *ext, char *out,
	    size_t len);
/* Recomputes params/vision_params/buffer_elems from the tensor list. */
bool	mp_model_count(struct mp_model *, struct mp_error *);

/* model.c: memoised per-model results */
/* Memoised per-model results (see struct mp_model.cache). */
#define MP_CACHE_SLOTS	16
struct mp_cache_gguf {
	char			 ftype[16];
	struct mp_gguf_tensor	*t;
	size_t			 n;
};
struct mp_cache {
	struct mp_cache_gguf	 gguf[MP_CACHE_SLOTS];
	size_t			 next;	/* slot replaced next */
	/* --draft: the draft model last loaded beside this one */
	struct mp_model		*draft;
	char			 draft_spec[512];
};

/* model_st.c, model_gguf.c, load.c: the readers under mp_model_load */
/*
 * After config.json of folder dir was parsed into m: reads
 * model.safetensors.index.json and its shards, or model.safetensors
 * (headers only, never tensor data), sets every tensor's file_dtype and
 * file_bytes as stored, adds what the files hold beyond the config,
 * m->file_bytes and m->source.  A folder without safetensors leaves m
 * as it is.
 */
bool	mp_model_read_safetensors(const char *dir, struct mp_model *,
	    struct mp_error *);
/* A .gguf file: hyperparameters from its metadata, one tensor per
 * tensor info with its ggml type and bytes. */
bool	mp_model_load_gguf(const char *path, struct mp_model *,
	    struct mp_error *);
/* The tensors of a model read from a .gguf file as llama.cpp holds
 * them (ggml order, the file's types and bytes); *out is malloc'd.  For
 * --runtime llamacpp on a GGUF (m->source == MP_SRC_GGUF) in place of
 * mp_gguf_tensors, which derives them from a config. */
bool	mp_model_gguf_tensors(const struct mp_model *,
	    struct mp_gguf_tensor **out, size_t *n, struct mp_error *);
/* "Org/Name" -> the snapshot folder in the HuggingFace hub cache
 * ($HF_HUB_CACHE, $HF_HOME/hub, ~/.cache/huggingface/hub). */
bool	mp_model_hf_cache(const char *spec, char *out, size_t outlen,
	    struct mp_error *);

/* catalog.c */
/*
 * The longest data directory: with a bundled name it fits a PATH_MAX
 * buffer.  mp_datadir_check: false with "MEMPLAN_DATADIR: path too long"
 * past it (the catalog then finds nothing rather than a cut path).
 */
#define MP_DATADIR_MAX	3840
bool	mp_datadir_check(struct mp_error *);
/* Resolves a bundled name ("qwen2.5-7b-instruct") under sub ("models"),
 * with extension ext (".json").  Returns false when there is none. */
bool	mp_catalog_find(const char *sub, const char *name, const char *ext,
	    char *out, size_t outlen);
/*
 * The bundled name a user's spelling means: the name in other case, or
 * the Hugging Face repository id the config was published in
 * (meta-llama/Llama-3.1-8B-Instruct), case ignored.
 */
bool	mp_catalog_model_alias(const char *spec, char *name, size_t len);
/* Each bundled config's name and Hugging Face repository id. */
bool	mp_catalog_hub_ids(bool (*fn)(const char *name, const char *id,
	    void *), void *arg);
void	mp_catalog_suggest_model(struct mp_suggest *);

/* scenario.c */
/* Whether the runtime on this backend creates a CUDA (or HIP) context:
 * MP_BE_NONE (no machine given) models the measured CUDA one. */
bool	mp_backend_has_cuda_context(enum mp_backend);
/* llamacpp.c: the --draft model, loaded once per main model (its
 * cache) or into tmp (which the caller then finis). */
const struct mp_model *mp_draft_model(const struct mp_model *,
	    const char *spec, struct mp_model *tmp, struct mp_error *);
/* A type the KV cache can be stored in (by some runtime). */
bool	mp_kv_dtype_ok(enum mp_dtype);

/* runtime_opts.c: llama.cpp placement options */
/* --tensor-split "3,1" or "3/1": one proportion per GPU, not all zero. */
bool	mp_tensor_split_parse(struct mp_scenario *, const char *);
/* Fills the scenario's usable bytes per GPU (llama.cpp's default split
 * follows free memory) from a profile (NULL: none). */
void	mp_scenario_machine(struct mp_scenario *, const struct mp_hardware *);
/* The llama.cpp placement of src (-ts, -sm, -mg, --n-cpu-moe, -ot) onto
 * dst; _clear resets it to llama.cpp's defaults. */
void	mp_scenario_placement_copy(struct mp_scenario *dst,
	    const struct mp_scenario *src);
void	mp_scenario_placement_clear(struct mp_scenario *);

/*
 * note.c: writing notes and reasons (reading them is in memplan.h).
 */
/*
 * note.c: adds a note on component what, of kind id ("module.name"), fmt
 * a printf format whose output is the note's template: words only, every
 * number a {key} with a typed value.  Returns it for its values
 * (mp_note_size ...), or NULL when the list is full (the note is dropped;
 * the value setters take NULL).
 */
struct mp_note *mp_estimate_note(struct mp_estimate *, const char *what,
	    const char *id, const char *fmt, ...)
	    __attribute__((format(printf, 4, 5)));
/* The same for a note outside an estimate (the placement step's), and
 * a copy of one into an estimate. */
void	mp_note_set(struct mp_note *, const char *what, const char *id,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
struct mp_note *mp_estimate_note_add(struct mp_estimate *,
	    const struct mp_note *);
/* Typed values for the template's {key}; no-ops on NULL or when full. */
void	mp_note_size(struct mp_note *, const char *key, uint64_t bytes);
void	mp_note_count(struct mp_note *, const char *key, uint64_t count);
void	mp_note_percent(struct mp_note *, const char *key, double pct,
	    unsigned decimals);
void	mp_note_number(struct mp_note *, const char *key, double x,
	    unsigned decimals);
/* Whether the note's (the reason's) template names {key}. */
bool	mp_note_names(const struct mp_note *, const char *key);
bool	mp_reason_names(const struct mp_reason *, const char *key);
/* A reason: set (printf, clears the values), append, values, words. */
void	mp_reason_set(struct mp_reason *, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
void	mp_reason_add(struct mp_reason *, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
void	mp_reason_size(struct mp_reason *, const char *key, uint64_t bytes);
void	mp_reason_ssize(struct mp_reason *, const char *key, int64_t bytes);
void	mp_reason_count(struct mp_reason *, const char *key, uint64_t count);
void	mp_reason_number(struct mp_reason *, const char *key, double x,
	    unsigned decimals);
void	mp_reason_percent(struct mp_reason *, const char *key, double pct,
	    unsigned decimals);

/* the runtimes and what they share (runtime.c, weights.c, kv.c) */
/* The transformers inference estimate (transformers.c). */
bool	mp_estimate_infer(const struct mp_model *, const struct mp_scenario *,
	    struct mp_estimate *, struct mp_error *);
/* Bytes of weights of every tensor at the scenario's formats (weights.c). */
bool	mp_weights_bytes(const struct mp_model *, const struct mp_scenario *,
	    uint64_t *bytes, struct mp_error *);
/* KV cache bytes for batch x seq tokens in dtype kv (kv.c). */
uint64_t mp_kv_bytes(const struct mp_model *, uint64_t batch, uint64_t seq,
	    enum mp_dtype kv);
/* One layer's cache for tokens of one sequence; cap_window honours
 * sliding windows (runtimes that evict), else every token is kept. */
uint64_t mp_kv_layer_bytes(const struct mp_model *, uint32_t layer,
	    uint64_t tokens, enum mp_dtype kv, bool cap_window);
/* Cache without window caps = batch x (tokens x per_token + fixed);
 * fixed is the Mamba layers' constant state. */
void	mp_kv_rate(const struct mp_model *, enum mp_dtype kv,
	    uint64_t *per_token, uint64_t *fixed);
/* All layers, batch sequences of seq tokens (mp_kv_bytes caps windows). */
uint64_t mp_kv_total(const struct mp_model *, uint64_t batch, uint64_t seq,
	    enum mp_dtype kv, bool cap_window);
/* The format config.json's quantization_config ships, or MP_DT_NONE. */
enum mp_dtype mp_shipped_dtype(const struct mp_model *);
/*
 * Reads config.json's quantization_config (NULL: none) into m->shipq and
 * m->quant_method and marks the tensors it leaves alone (MP_TF_KEEP);
 * after the tensors are built.  Exit-2 errors name the field.
 */
struct cJSON;
bool	mp_quantcfg_read(const struct cJSON *, struct mp_model *,
	    const char *path, struct mp_error *);
/* Bytes of one tensor when the scenario's weight format applies to it
 * (weights.c); the transformers runtime's per-tensor rules. */
uint64_t mp_tensor_bytes(const struct mp_model *, const struct mp_tensor *,
	    const struct mp_scenario *);
/* The float type a scenario computes in (activations, KV cache). */
/* scenario.c: --attn names an implementation other than the one
 * from_pretrained picks by itself (commands and try lines say it) */
bool	mp_attn_explicit(const struct mp_model *, const struct mp_scenario *);
enum mp_dtype mp_compute_dtype(const struct mp_model *,
	    const struct mp_scenario *);
/* The float type beside weights w (w itself if a float type). */
enum mp_dtype mp_float_dtype(const struct mp_model *, enum mp_dtype w,
	    enum mp_dtype bf16_as);
/* memory.runtime of the transformers runtime: CUDA context + workspaces. */
uint64_t mp_runtime_transformers(const struct mp_scenario *);
/* ... on GPU i, with its own context (mp_cuda_context_gpu). */
uint64_t mp_runtime_transformers_gpu(const struct mp_scenario *, uint32_t i);
/* mp_cuda_cards_note for PyTorch's measured context. */
void	mp_cuda_cards_note_torch(struct mp_estimate *,
	    const struct mp_scenario *, uint32_t gpus, bool cublas);
/* The CUDA context and kernels alone (0.60 GiB measured on an H100);
 * for estimates that count cuBLAS workspaces among their allocations. */
uint64_t mp_cuda_context(const struct mp_scenario *);
/* The runtime note of a PyTorch estimate: the context and where from. */
void	mp_cuda_context_note(struct mp_estimate *, const struct mp_scenario *);
/* The H100's stack reservation, that the measured contexts include. */
uint64_t mp_cuda_stack_h100(void);
/* The context measured there (0.60 GiB, PyTorch 2.11). */
uint64_t mp_cuda_context_h100(void);
/* A per-process GPU overhead measured on the H100, moved to the scenario's
 * GPU: the measurement less the H100's stack reservation plus this GPU's. */
uint64_t mp_cuda_context_on(uint64_t measured_h100,
	    const struct mp_scenario *);
/* The same on GPU i of the scenario's, with that card's own stack
 * reservation (a mixed machine); true from mp_cuda_mixed when the GPUs
 * used differ. */
uint64_t mp_cuda_context_gpu(uint64_t measured_h100,
	    const struct mp_scenario *, uint32_t i);
bool	mp_cuda_mixed(const struct mp_scenario *, uint32_t gpus);
/* "CUDA context per card: GPU 0 ..., GPU 1 ..." on a mixed machine. */
void	mp_cuda_cards_note(struct mp_estimate *, const struct mp_scenario *,
	    uint64_t measured_h100, uint32_t gpus);
/* The local memory the CUDA driver reserves when a context is created:
 * SMs x resident threads per SM x the default 1 KiB stack; 0 = unknown. */
uint64_t mp_cuda_stack_reserve(const struct mp_device *);

/* train.c: LoRA, QLoRA and full fine-tuning */
bool	mp_estimate_train(const struct mp_model *, const struct mp_scenario *,
	    struct mp_estimate *, struct mp_error *);
/* convert.c: conversion pipelines */
bool	mp_estimate_convert(const struct mp_model *, const struct mp_scenario *,
	    struct mp_estimate *, struct mp_error *);

/* llamacpp.c, vllm.c: runtimes other than transformers */
/*
 * Machines llama.cpp splits the layers over (llamacpp.c): --nodes N
 * on GPUs is its RPC split (rpc-server on nodes 2..N, llama-server --rpc
 * on the first); 1 for everything else.
 */
uint32_t mp_llamacpp_rpc_nodes(const struct mp_scenario *);
bool	mp_estimate_llamacpp(const struct mp_model *, const struct mp_scenario *,
	    struct mp_estimate *, struct mp_error *);
bool	mp_estimate_vllm(const struct mp_model *, const struct mp_scenario *,
	    struct mp_estimate *, struct mp_error *);

/* gguf_quant.c: GGUF tensors and llama-quantize's per-tensor types */
struct mp_gguf_tensor {
	char		 name[64];	/* "blk.3.attn_v.weight" */
	int32_t		 layer;		/* -1 outside blk.N */
	enum mp_dtype	 type;
	uint64_t	 ne[3];		/* ggml order: ne[0] = row length */
	uint64_t	 bytes;
};
/*
 * The tensors llama.cpp's converter writes for this model, with the type
 * llama-quantize gives each for ftype ("q4_k_m", "q8_0", "bf16", "f16",
 * ...).  *out is malloc'd; the caller frees it.
 */
bool	mp_gguf_tensors(const struct mp_model *, const char *ftype,
	    struct mp_gguf_tensor **out, size_t *n, struct mp_error *);
/* The GGUF general.architecture llama.cpp's converter writes for m
 * ("llama", "qwen2", "gemma3", ...), or NULL when it has no layout. */
const char *mp_gguf_arch(const struct mp_model *);
/*
 * Bits per weight of a GGUF type over a model's matrices when no tensor
 * layout is known: the published mix figure (published true) or the
 * default type's blocks; 0 for an unknown name.
 */
double	mp_gguf_ftype_bpw(const char *name, bool *published);

/* llamacpp.c: llama.cpp's own buffers on each GPU (llamacpp_fit.c) */
struct mp_llamacpp_use {
	uint64_t	 total[MP_MAX_GPUS];	/* weights + cache + compute */
	uint64_t	 model[MP_MAX_GPUS];	/* weights */
	uint64_t	 cache[MP_MAX_GPUS];	/* KV cache */
	uint64_t	 compute[MP_MAX_GPUS];	/* compute buffer */
	uint32_t	 n;			/* GPUs */
	uint64_t	 runtime;		/* CUDA context per GPU */
};
/* What a GPU of backend be costs beyond llama.cpp's buffers (the CUDA
 * context, cuBLAS and the pool; 0 off CUDA/ROCm). */
uint64_t mp_llamacpp_gpu_runtime(enum mp_backend, const struct mp_scenario *);
/* The GGUF type the weights are priced in ("q4_k_m", "f16", ...). */
const char *mp_llamacpp_ftype(const struct mp_model *,
	    const struct mp_scenario *);
bool	mp_llamacpp_device_use(const struct mp_model *,
	    const struct mp_scenario *, struct mp_llamacpp_use *,
	    struct mp_error *);
/*
 * llamacpp_fit.c: llama.cpp's --fit (llama_params_fit) on sc's GPUs:
 * sets the context (when ctx_set is false), -ngl, -ts and the expert
 * overrides it would choose, and says what it did in note.
 */
bool	mp_llamacpp_fit(const struct mp_model *, struct mp_scenario *,
	    bool ctx_set, char *note, size_t len, struct mp_error *);
/* --fit-target in bytes (1024 MiB unless given). */
uint64_t mp_llamacpp_fit_target(const struct mp_scenario *);
/* Whether placed sc leaves --fit's target (--fit-target, 1024 MiB)
 * free on every GPU by llama.cpp's buffers: --fit's own test. */
bool	mp_llamacpp_fit_leaves(const struct mp_model *,
	    const struct mp_scenario *, bool *leaves, struct mp_error *);

/* override.c */
/*
 * --override-tensor PATTERN=BUFFER,...: whether the text is a list of
 * patterns memplan reads and buffer names; why says what is wrong.  The
 * machine's GPUs are checked when a scenario is estimated (the rules
 * themselves, struct mp_overrides, are in runtime.h).
 */
bool	mp_override_check(const char *text, char *why, size_t whylen);
/* The prefix of a backend's GPU buffer names ("CUDA" of "CUDA1"), NULL
 * for the CPU. */
const char *mp_override_gpu_prefix(enum mp_backend);

/* command.c */
/*
 * The command line that runs est's resolved scenario for model m (a
 * bundled name, HF id or path as the user gave it) into est->command:
 * llama-server, vllm serve, or the peft/TRL settings of a training run.
 */
void	mp_command_build(const struct mp_model *, struct mp_estimate *);

/* vllm.c */
/*
 * vLLM's paged KV pool on a card of `card` bytes per GPU (the estimate
 * itself knows no card): --gpu-memory-utilization (0.9) of it, less the
 * weights, the profiled activation peak, non-torch memory and CUDA
 * graphs of one GPU, cut into blocks of 16 tokens.  The defaults follow
 * the card size as vLLM's do (max_num_batched_tokens, max_num_seqs).
 */
struct mp_vllm_pool {
	uint64_t	 card;		/* bytes per GPU */
	uint64_t	 budget;	/* gpu_memory_utilization x card */
	uint64_t	 fixed;		/* weights + peak + non-torch + graphs */
	uint64_t	 weights, act_peak, graphs, non_torch; /* its terms */
	uint64_t	 nccl_graphs;	/* NCCL plans inside graphs */
	/* the sampler's dummy run beside the pass's hidden states: the
	 * modelled version's path (in act_peak) and the PyTorch-native
	 * sort (vLLM 0.11 without FlashInfer's sampler) */
	uint64_t	 sampler, sampler_sort;
	uint32_t	 util_ppm;	/* gpu_memory_utilization */
	uint64_t	 pool;		/* budget - fixed; 0 when it does not fit */
	uint64_t	 block_bytes;	/* one 16-token block, all layers, per GPU */
	uint64_t	 blocks, tokens;	/* in the pool */
	uint64_t	 seqs;		/* concurrent sequences of --seq tokens */
	uint64_t	 max_num_seqs, max_batched_tokens;
};
/* --gpu-memory-utilization, --acceptance-rate: a decimal fraction in
 * (0, 1] ("0.95") into millionths; mp_vllm_util_text writes it back
 * ("0.95", at least two decimals). */
bool	mp_vllm_parse_fraction(const char *, uint32_t *ppm, char *why,
	    size_t whylen);
void	mp_vllm_util_text(uint32_t ppm, char *buf, size_t len);
/* What speculative decoding adds to a vLLM decode step (speed.c). */
struct mp_vllm_spec {
	uint32_t	 k;		/* tokens proposed per step; 0 = none */
	enum mp_spec	 method;	/* NONE with a draft model */
	uint32_t	 mtp_layers;	/* MTP: drafter layers */
	uint64_t	 eh_bytes;	/* MTP: eh_proj and norms, all GPUs */
	uint64_t	 draft_bytes;	/* draft model's weights, all GPUs */
	uint32_t	 draft_layers;
	uint32_t	 accept_ppm;	/* per-token acceptance, millionths */
	bool		 accept_given;	/* --acceptance-rate, not assumed */
};
bool	mp_vllm_spec(const struct mp_model *, const struct mp_scenario *,
	    struct mp_vllm_spec *, struct mp_error *);
bool	mp_vllm_pool(const struct mp_model *, const struct mp_scenario *,
	    uint64_t card, struct mp_vllm_pool *, struct mp_error *);
/*
 * For a vLLM estimate judged on a card of `card` usable bytes per GPU:
 * sets est->kv_pool (all GPUs) and kv_pool_tokens to the pool vLLM would
 * make there and notes the tokens in flight and concurrent sequences.
 */
bool	mp_vllm_fill_pool(const struct mp_model *, struct mp_estimate *,
	    uint64_t card, struct mp_error *);
/* vLLM refuses float16 for this model type (gemma2, gemma3...). */
bool	mp_vllm_refuses_fp16(const struct mp_model *);

/*
 * mmproj.c: llama.cpp's projector GGUF for a multimodal config, as the
 * converter writes it in type (f16, q8_0, bf16, f32), and the compute
 * buffer clip.cpp reserves for the encoder at image pixels a side (0:
 * its warm-up image).  A model without a vision encoder is MP_EUSAGE.
 */
struct mp_mmproj {
	uint64_t	 weights;	/* the file's tensor bytes */
	uint64_t	 compute;	/* the encoder's compute buffer */
	uint64_t	 patches;	/* positions the encoder attends over */
	uint64_t	 n_tensors;
	uint32_t	 side;		/* image side the buffer is sized for */
};
bool	mp_mmproj(const struct mp_model *, const char *type, uint32_t image,
	    bool flash_attn, struct mp_mmproj *, struct mp_error *);
const char *mp_mmproj_type_choice(size_t i);

/*
 * ollama.c: --runtime ollama's defaults, applied to what the scenario
 * leaves unset: slots (OLLAMA_NUM_PARALLEL), flash attention and cache
 * type (OLLAMA_FLASH_ATTENTION, OLLAMA_KV_CACHE_TYPE), the context (the
 * model's num_ctx, OLLAMA_CONTEXT_LENGTH or Ollama's VRAM tiers), one
 * unified cache.  A malformed variable is MP_EUSAGE naming it.
 */
/* The values of the context's part of Ollama's note (sc->ollama_ctx):
 * the VRAM tier's bounds it names. */
void	mp_ollama_ctx_values(struct mp_note *, const struct mp_scenario *);
bool	mp_ollama_defaults(struct mp_scenario *, const struct mp_model *,
	    struct mp_error *);
/* ollama_layout.c: what Ollama keeps free on each GPU it uses (its
 * minimum beyond the runtime term, OLLAMA_GPU_OVERHEAD), added to a
 * --runtime ollama estimate. */
bool	mp_ollama_reserve(struct mp_estimate *, struct mp_error *);
/* Ollama's MinimumMemory for a GPU of this backend, and
 * OLLAMA_GPU_OVERHEAD (bytes per GPU; malformed = MP_EUSAGE). */
uint64_t mp_ollama_min_memory(enum mp_backend);
bool	mp_ollama_gpu_overhead(uint64_t *, struct mp_error *);
/*
 * ollama_layout.c: when num_gpu is unset (no --gpu-layers), the layers
 * Ollama's scheduler offloads to sc's GPUs: sets -ngl (and, on several
 * GPUs, the split; on Ollama's own engine the output layer's place) and
 * says how it decided in *r (r->n 0: nothing decided, as without a
 * machine); mp_ollama_layout_note adds that to an estimate.
 */
struct mp_ollama_lay {
	uint32_t	 layers, of;	/* offloaded, of n_layer + 1 */
	uint64_t	 reserve, graph, buffer;
	bool		 own;		/* Ollama's own engine */
	char		 split[8 * MP_MAX_GPUS];	/* "16,17" or "" */
};
bool	mp_ollama_layout(const struct mp_model *, struct mp_scenario *,
	    struct mp_ollama_lay *, struct mp_error *);
void	mp_ollama_layout_note(struct mp_estimate *,
	    const struct mp_ollama_lay *);

/* lora.c: peft LoRA targets and trainable parameters (training module) */
struct mp_lora {
	uint32_t	*rank;		/* per model tensor: adapter rank, 0 = none */
	uint64_t	 trainable;	/* parameters peft adds */
	uint64_t	 tensors;	/* lora_A and lora_B tensors */
	uint64_t	 modules;	/* modules or parameters adapted */
	bool		 conversion;	/* transformers 5 MoE target conversion */
};
/* Which tensors peft adapts for targets ("all-linear", "attn", "mlp" or
 * module names) at rank; fills lo (free with mp_lora_fini). */
bool	mp_lora_plan(const struct mp_model *, const char *targets,
	    uint32_t rank, struct mp_lora *, struct mp_error *);
void	mp_lora_fini(struct mp_lora *);
/* Shapes of tensor i's lora_A {a} and lora_B {b}; false when it has none
 * of its own. */
bool	mp_lora_shapes(const struct mp_model *, const struct mp_lora *,
	    size_t i, uint64_t a[2], uint64_t b[2]);

/* parallel.c: per-GPU model states of DDP, ZeRO-1/2/3 and FSDP */
struct mp_states_in {
	enum mp_parallel par;
	enum mp_offload	 offload;
	uint64_t	 ranks;		/* GPUs over all nodes */
	uint64_t	 per_node;	/* GPUs in one node */
	bool		 full;		/* every weight trains */
	uint64_t	 compute_bytes;	/* bytes of a compute-dtype value */
	uint64_t	 weights, adapters, grads, optim, optim_temp;
	uint64_t	 trainable;	/* parameters */
	uint64_t	 layer_bytes;	/* the largest decoder layer, stored */
	uint64_t	 layer_params;
	uint64_t	 layer_grad;	/* its trainable parameters' gradients */
	/* FSDP: what is gathered, in the dtype FSDP gathers it (its
	 * MixedPrecision param_dtype, else as stored) */
	uint64_t	 root_bytes;	/* outside the decoder layers */
	uint64_t	 all_bytes;	/* every parameter (0: weights) */
	uint32_t	 fsdp_version;	/* 0 or 1: FSDP1; 2: fully_shard */
	/* ZeRO: the "auto" bucket sizes of HF's config (from hidden) */
	bool		 ds_hf_auto;
	uint64_t	 hidden;
};
struct mp_states {
	uint64_t	 weights, adapters, grads, optim, optim_temp;
	uint64_t	 buffers;	/* communication buckets */
	uint64_t	 gathered;	/* unsharded parameters in flight */
	uint64_t	 root;		/* of gathered, FSDP's root unit */
	uint64_t	 host;		/* offloaded, pinned host memory */
	uint64_t	 disk;		/* offloaded to NVMe */
};
void	mp_parallel_states(const struct mp_states_in *, struct mp_states *);
bool	mp_parallel_is_zero(enum mp_parallel);
bool	mp_parallel_is_fsdp(enum mp_parallel);
/* The launcher that runs the scenario's scheme on its GPUs and nodes
 * (DDP when several GPUs have no --parallel). */
void	mp_parallel_command(const struct mp_scenario *, char *buf, size_t len);
bool	mp_parallel_config(const struct mp_scenario *, char *buf, size_t len);
/* --ds-config's i-th name (defaults, hf-auto), NULL past the end. */
const char *mp_ds_config_choice(size_t i);

/* alloc.c: PyTorch's CUDA caching allocator (block and segment rules) */
uint64_t mp_alloc_block(uint64_t size);		/* bytes a request takes */
uint64_t mp_alloc_segment(uint64_t size);	/* segment mapped for it */
/* Reserved at a peak of allocated bytes whose largest request is largest
 * (one segment stranded; one page with expandable segments). */
uint64_t mp_alloc_reserved(uint64_t allocated, uint64_t largest,
	    bool expandable);

/* hardware.c, place.c: judging on a machine */
/*
 * Judges an estimate on a machine: the capacity that the scenario's
 * total is compared with (device memory less reserved, times the GPUs
 * used; host RAM for CPU scenarios), whether it fits, and the headroom.
 */
void	mp_hardware_judge(const struct mp_hardware *, const struct mp_estimate *,
	    uint64_t *capacity, bool *fits, int64_t *headroom);
/*
 * Judges an estimate on a machine: every GPU's share against its usable
 * memory, the host's resident memory against RAM, the verdict with the
 * scenario's margin.  The estimate's scenario must have been placed on
 * hw (mp_place_scenario) for the GPU count to match.
 */
void	mp_hardware_judge_ex(const struct mp_hardware *,
	    const struct mp_estimate *, struct mp_judgement *);
/* Why the machine cannot run sc (a sentence), or NULL when it can. */
const char *mp_place_gate(const struct mp_model *, const struct mp_hardware *,
	    const struct mp_scenario *, char *buf, size_t len);
/* --headroom / plan-file headroom: "2 GiB" or "15%" (0-90 %) into sc. */
bool	mp_parse_headroom(const char *, struct mp_scenario *, char *why,
	    size_t whylen);
/* The margin in bytes the scenario asks on capacity cap. */
uint64_t mp_place_margin(const struct mp_scenario *, uint64_t cap);
/*
 * The GPUs of a machine that one model can spread over, in the order the
 * runtimes number them (larger first): out[i] is GPU i's device entry, up
 * to max of them; returns how many there are in all (0 without an
 * accelerator).  A mixed machine (a 4090 and a 3060) lists both.
 */
size_t	mp_hardware_gpus(const struct mp_hardware *,
	    const struct mp_device **out, size_t max);
/* macOS's default GPU wired-memory limit for a Mac with ram bytes. */
uint64_t mp_hardware_macos_limit(uint64_t ram);

/* defaults.c */
/* The same with the files and command named (for tests): meminfo path,
 * and the command line that prints "name, MiB" per GPU, or NULL. */
bool	mp_hardware_detect_from(FILE *yaml_out, const char *meminfo,
	    const char *gpu_cmd, char *notes, size_t notes_len,
	    struct mp_error *);

/* speed.c */
/* The machine as the speed model sees it (rates in bytes/s, FLOP/s). */
struct mp_speed_target {
	enum mp_backend	 backend;
	double		 bandwidth, flops;	/* one device */
	/* Its matrix rate with FP32 accumulation (PyTorch's fp16/bf16
	 * matmuls: transformers, vLLM, training); flops when the
	 * profile does not halve it. */
	double		 flops_acc32;
	double		 pcie;			/* its host link, 0 unknown */
	uint32_t	 count;			/* devices used; 0 = CPU */
	bool		 unified;
	double		 host_bandwidth, host_flops;
	uint32_t	 host_threads;		/* llama.cpp -t; 0 unknown */
	/* Each GPU used, in the estimate's order (a mixed machine's
	 * cards differ): its bandwidth and matrix rates, and the layers it
	 * runs under a layer split (est->dev_layers; all 0 otherwise). */
	double		 dev_bw[MP_MAX_GPUS], dev_flops[MP_MAX_GPUS];
	double		 dev_flops_acc32[MP_MAX_GPUS];
	uint32_t	 dev_layers[MP_MAX_GPUS];
};
/*
 * Tokens per second of an inference scenario on a machine, from the
 * bytes each token reads and the FLOPs it computes (see speed.c for the
 * mechanisms and tests/speed/ for the published measurements that judge
 * it).  The llama.cpp backend of a device: from its name and type.
 */
enum mp_backend mp_device_backend(const struct mp_device *);
enum mp_backend mp_device_vendor_backend(const struct mp_device *);
/* The target of est on hw: its primary device, the GPUs est uses. */
bool	mp_speed_target(const struct mp_hardware *, const struct mp_estimate *,
	    struct mp_speed_target *);
/*
 * Training tokens per second of a fine-tuning scenario on the target:
 * the step's matrix FLOPs (6 per active weight and token for full
 * fine-tuning, 4 on a frozen base, +2 recomputed with checkpointing,
 * plus attention) at the backend's achieved matrix rate, QLoRA's
 * dequantization and CPU offload's transfers and optimizer step; data
 * parallel over the GPUs.  Derived, not validated against measurements.
 * False (and basis says why) without an accelerator, tflops or
 * bandwidth.
 */
bool	mp_train_speed(const struct mp_model *, const struct mp_estimate *,
	    const struct mp_speed_target *, double *tps, char *basis,
	    size_t basis_len);
/* Fills sp (always finalised); false only on an error of the model. */
bool	mp_speed_estimate(const struct mp_model *, const struct mp_estimate *,
	    const struct mp_speed_target *, const struct mp_bench_test *,
	    size_t n_bench, struct mp_speed *, struct mp_error *);

/* plan.c */
/* The options that select sc from the defaults, as a command line. */
void	mp_scenario_args(const struct mp_model *, const struct mp_scenario *,
	    char *buf, size_t len);

/* jsonw.c: a small JSON writer (fixed key order, integers exact) */
struct mp_jsonw {
	FILE		*fp;
	unsigned	 depth;
	bool		 first[32];	/* no comma before the next item */
	bool		 pretty;
	enum mp_units	 units;		/* of notes' text (IEC after init) */
};

void	mp_jsonw_init(struct mp_jsonw *, FILE *, bool pretty);
/* A memplan JSON document on fp: pretty, notes in units u, the root
 * object open with its "schema" written; close it with mp_jsonw_end(w,
 * '}'). */
void	mp_jsonw_doc(struct mp_jsonw *, FILE *, enum mp_units u);
void	mp_jsonw_obj(struct mp_jsonw *, const char *key);	/* { */
void	mp_jsonw_arr(struct mp_jsonw *, const char *key);	/* [ */
void	mp_jsonw_end(struct mp_jsonw *, char close);		/* } or ] */
void	mp_jsonw_str(struct mp_jsonw *, const char *key, const char *v);
void	mp_jsonw_u64(struct mp_jsonw *, const char *key, uint64_t v);
void	mp_jsonw_i64(struct mp_jsonw *, const char *key, int64_t v);
void	mp_jsonw_bool(struct mp_jsonw *, const char *key, bool v);
void	mp_jsonw_null(struct mp_jsonw *, const char *key);
/* The model, scenario and memory objects every command shares. */
void	mp_jsonw_model(struct mp_jsonw *, const struct mp_model *);
void	mp_jsonw_scenario(struct mp_jsonw *, const char *key,
	    const struct mp_estimate *);
void	mp_jsonw_memory(struct mp_jsonw *, const struct mp_memory *);
/*
 * The one JSON body of an estimate, written into the open object:
 * scenario, memory, device_total, host_total, host_reclaimable,
 * kv_per_token, command, kv_pool, file_bytes, convert, notes.  estimate,
 * fit, plan (each option), sweep (each point) and check (each check)
 * embed it.
 */
void	mp_jsonw_estimate(struct mp_jsonw *, const struct mp_estimate *);
/* "notes": [{component, text, template, values}...] of an estimate
 * (the end of mp_jsonw_estimate). */
void	mp_jsonw_notes(struct mp_jsonw *, const struct mp_estimate *);
/* One note object of that list. */
void	mp_jsonw_note(struct mp_jsonw *, const struct mp_note *);
/* key: {name: {"bytes": N} | {"count": N} | {"percent": X} | ...}. */
void	mp_jsonw_values(struct mp_jsonw *, const char *key,
	    const struct mp_note_value *, size_t n);
/* key (in words), key_template, key_values. */
void	mp_jsonw_reason(struct mp_jsonw *, const char *key,
	    const struct mp_reason *);

/* jsonw.c, report.c, render_*.c: pieces the renderers share */
/* The hardware object of plan and sweep JSON. */
void	mp_jsonw_hardware(struct mp_jsonw *, const struct mp_hardware *);
/* A placement's verdict, devices[] and host (jsonw.c); name may be NULL. */
void	mp_jsonw_judgement(struct mp_jsonw *, const char *key,
	    const char *name, const struct mp_judgement *);
/* The verdict of a placement in words and its lines for people (report.c):
 * "fits", "tight", "DOES NOT FIT", "UNSUPPORTED"; markdown emphasises. */
void	mp_render_judgement(FILE *, const char *hw_name,
	    const struct mp_judgement *, enum mp_units, bool markdown);
/* Rates as JSON numbers with fixed decimals; the speed object. */
void	mp_jsonw_f64(struct mp_jsonw *, const char *key, double v,
	    unsigned places);
void	mp_jsonw_speed(struct mp_jsonw *, const char *key,
	    const struct mp_speed *);

#endif /* MEMPLAN_INTERNAL_H */
