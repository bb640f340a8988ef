/* memplan.h: the public interface of libmemplan */
/* SPDX-License-Identifier: MIT */
#ifndef MEMPLAN_H
#define MEMPLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/*
 * What an embedding program does, top to bottom (examples/estimate.c is
 * the shortest complete one):
 *
 *   load      mp_model_load(MODEL) and mp_hardware_load(PROFILE): a
 *             config.json, a model folder, a .gguf, a bundled name, the
 *             Hugging Face cache or a remote id; a YAML machine profile.
 *   ask       struct mp_scenario from mp_scenario_init(), then fields set
 *             directly or by name through the option table
 *             (mp_option_set: "kv-dtype" = "fp8", as a user types it).
 *   estimate  mp_estimate(): the memory of every component, with notes
 *             saying why each has its size.
 *   place     mp_place(): the same on a machine, judged per GPU and for
 *             the host (struct mp_judgement, one verdict).
 *   plan      mp_planner_plan(), _fit(), _check(), _sweep(): every mode
 *             that fits, the largest value that fits, a plan file's
 *             checks, a memory curve.
 *   render    mp_report_build() then mp_render_text(), _markdown(),
 *             _json() (and the plan/fit/check/sweep renderers): the
 *             renderers only format, in the units the caller picks.
 *   errors    every function that can fail returns false and fills a
 *             struct mp_error naming file:line:field; mp_error_print()
 *             writes the one line memplan(1) prints.
 *
 * Sections follow the modules (the .c file that defines them), from the
 * base upwards.  Everything declared here, and nothing else, is exported
 * by libmemplan.so; the library's own helpers are in src/internal.h.
 */

#define MP_VERSION	"0.1.0"
#define MP_SCHEMA	"memplan/1"	/* the "schema" of every JSON output */

#if defined(__GNUC__)
#pragma GCC visibility push(default)
#endif
#ifdef __cplusplus
extern "C" {
#endif

struct mp_hardware;
struct mp_model;
struct mp_device;
struct mp_cache;	/* private: estimators' memoised results */

/*
 * Conventions for every module below.
 * - Bytes and counts are uint64_t.  A function that can fail returns bool
 *   and fills a caller-owned struct mp_error; it never prints and never
 *   exits.  On failure the output structure is left finalised (safe to
 *   _fini again).
 * - _init/_fini work on caller-owned structs; _fini accepts a zeroed or
 *   already finalised struct.
 * - Objects are independent: separate objects may be used from separate
 *   threads at the same time.
 */

/* units.c's unit systems, which error lines print sizes in too: IEC
 * (GiB = 2^30 bytes, the default) or SI (GB = 10^9). */
enum mp_units { MP_UNITS_IEC, MP_UNITS_SI };

/* error.c: errors as values */
enum mp_status {
	MP_OK = 0,
	MP_EUSAGE,	/* bad command line */
	MP_EINPUT,	/* bad input file or value */
	MP_EIO,		/* a file could not be read or written */
	MP_ENOMEM,
	MP_ERANGE	/* arithmetic would overflow */
};

struct mp_error {
	enum mp_status	 status;
	/* Whole for any path the system can open (PATH_MAX, 4096 bytes
	 * with its NUL); a longer one, which no open() takes, keeps its
	 * end after "...". */
	char		 file[4096];
	uint32_t	 line, col;	/* 1-based; 0 = unknown */
	char		 field[96];	/* "text_config.num_key_value_heads" */
	/* What was expected (a list of choices).  Sizes in it are written
	 * {0}, {1}: sizes[0], sizes[1], which mp_error_text() and
	 * mp_error_print() put in words in the reader's units. */
	char		 msg[640];
	uint64_t	 sizes[2];
	uint32_t	 n_sizes;
};

void	mp_error_clear(struct mp_error *);
/* Sets err (status, file, field, message) and returns false. */
bool	mp_error_set(struct mp_error *, enum mp_status, const char *file,
	    const char *field, const char *fmt, ...)
	    __attribute__((format(printf, 5, 6)));
/* Same, with a line and column. */
bool	mp_error_setl(struct mp_error *, enum mp_status, const char *file,
	    uint32_t line, uint32_t col, const char *field, const char *fmt, ...)
	    __attribute__((format(printf, 7, 8)));
/* Adds a size to err's message, its next {N} (N = 0, 1). */
void	mp_error_size(struct mp_error *, uint64_t bytes);
/* The message in words, its sizes in units u; returns buf. */
const char *mp_error_text(const struct mp_error *, enum mp_units u,
	    char *buf, size_t len);
/* "memplan: file:line:col: field: msg" on one line, sizes in units u. */
void	mp_error_print(const struct mp_error *, enum mp_units u, FILE *);

/*
 * text.c: strings from files are shown only once made safe.  A name from
 * a config or a profile can hold escape sequences (terminal titles,
 * colours, OSC 52) or invalid UTF-8; text, markdown, CSV and JUnit
 * reports and error lines get them replaced by '?'; JSON escapes them.
 */
/* In place: each C0/C1 control, DEL and byte that is not UTF-8 becomes
 * '?' (newlines and tabs kept when lines); returns the new length. */
size_t	mp_text_clean(char *s, size_t len, bool lines);
/* The same for a NUL-terminated string, newlines included. */
void	mp_str_clean(char *s);

/* units.c: sizes, units and numbers as memplan prints them */
/*
 * "24 GiB", "24GB", "24000 MB", "123" (bytes), "1.5 TiB".  GB is 10^9,
 * GiB is 2^30.  Fails with a message saying what was expected.
 */
bool	mp_parse_size(const char *s, uint64_t *out, char *why, size_t whylen);
/* "iec", "si" (--units), NULL past the end; parse: false when unknown. */
const char *mp_units_choice(size_t i);
bool	mp_units_parse(const char *, enum mp_units *);
/* "7,615,616,512" into buf; returns buf. */
const char *mp_fmt_count(uint64_t, char *buf, size_t len);
/* "14.19 GiB" / "15.23 GB" into buf; returns buf. */
const char *mp_fmt_size(uint64_t bytes, enum mp_units, char *buf, size_t len);
/*
 * printf's "%.*f" (places decimals) and "%.*g" (digits significant) with
 * a '.' whatever LC_NUMERIC the embedding program set; every number with
 * a fraction that memplan prints goes through these.  Return buf.
 */
const char *mp_fmt_fixed(double v, unsigned places, char *buf, size_t len);
const char *mp_fmt_g(double v, unsigned digits, char *buf, size_t len);

/* dtype.c: storage formats of one tensor element */
enum mp_dtype {
	MP_DT_NONE = 0,
	MP_DT_F32, MP_DT_F16, MP_DT_BF16, MP_DT_F8_E4M3, MP_DT_INT8,
	MP_DT_NF4, MP_DT_FP4, MP_DT_INT4_GPTQ, MP_DT_INT4_AWQ, MP_DT_MXFP4,
	/* ggml block types (ggml.h enum ggml_type); *_M/_S mixes are ftypes. */
	MP_DT_Q8_0, MP_DT_Q4_0, MP_DT_Q4_1, MP_DT_Q5_0, MP_DT_Q5_1,
	MP_DT_Q2_K, MP_DT_Q3_K, MP_DT_Q4_K, MP_DT_Q5_K, MP_DT_Q6_K, MP_DT_Q8_K,
	MP_DT_IQ4_NL, MP_DT_IQ4_XS, MP_DT_IQ3_S, MP_DT_IQ3_XXS, MP_DT_IQ2_S,
	MP_DT_IQ2_XS, MP_DT_IQ2_XXS, MP_DT_IQ1_S, MP_DT_IQ1_M,
	MP_DT_TQ1_0, MP_DT_TQ2_0,
	MP_DT__COUNT
};

struct mp_dtype_info {
	const char	*name;		/* "bf16", "q4_k" */
	enum mp_dtype	 dt;
	uint32_t	 block;		/* elements per block */
	uint32_t	 block_bytes;	/* bytes per block */
	bool		 is_float;	/* a float type tensors can compute in */
};

const struct mp_dtype_info *mp_dtype_info(enum mp_dtype);
/* Bytes of n elements stored as dt (rows of ne0 for block types). */
uint64_t mp_dtype_bytes(enum mp_dtype, uint64_t n);
/* Exact name lookup in lower case; MP_DT_NONE when unknown. */
enum mp_dtype mp_dtype_parse(const char *);

/* model.c, model_hf.c: a model as the list of its tensors */
enum mp_tkind {
	MP_TK_OTHER = 0,
	MP_TK_EMBED, MP_TK_POS_EMBED, MP_TK_OUTPUT, MP_TK_NORM, MP_TK_BIAS,
	MP_TK_ATTN_Q, MP_TK_ATTN_K, MP_TK_ATTN_V, MP_TK_ATTN_O, MP_TK_ATTN_QKV,
	MP_TK_ATTN_Q_A, MP_TK_ATTN_Q_B, MP_TK_ATTN_KV_A, MP_TK_ATTN_KV_B,
	MP_TK_ATTN_SINKS,
	MP_TK_FFN_GATE, MP_TK_FFN_UP, MP_TK_FFN_DOWN, MP_TK_FFN_GATE_UP,
	MP_TK_ROUTER, MP_TK_ROUTER_BIAS,
	MP_TK_EXP_GATE, MP_TK_EXP_UP, MP_TK_EXP_DOWN, MP_TK_EXP_GATE_UP,
	MP_TK_SHEXP_GATE, MP_TK_SHEXP_UP, MP_TK_SHEXP_DOWN, MP_TK_SHEXP_ROUTER,
	MP_TK_SSM_IN, MP_TK_SSM_OUT, MP_TK_SSM_CONV, MP_TK_SSM_A, MP_TK_SSM_D,
	MP_TK_SSM_DT_BIAS, MP_TK_SSM_NORM,
	MP_TK_VISION,		/* any tensor of a vision tower / projector */
	MP_TK_BUFFER		/* a registered buffer (rotary inv_freq) */
};

#define MP_TF_LINEAR	0x01u	/* weight of an nn.Linear (a LoRA target) */
#define MP_TF_BUFFER	0x02u	/* registered buffer, not a parameter */
#define MP_TF_VISION	0x04u	/* vision tower or projector */
#define MP_TF_F32	0x08u	/* kept in float32 whatever the model dtype */
#define MP_TF_EXPERTS	0x10u	/* fused expert tensor: dims[0] is experts */
/* left in the compute dtype by the checkpoint's quantization_config
 * (ignore, llm_int8_skip_modules, modules_to_not_convert; quantcfg.c) */
#define MP_TF_KEEP	0x20u

struct mp_tensor {
	char		 name[72];	/* HF parameter name */
	uint64_t	 dims[3];	/* PyTorch shape; Linear = {out, in} */
	uint8_t		 ndim;
	uint8_t		 kind;		/* enum mp_tkind */
	uint8_t		 flags;		/* MP_TF_* */
	uint8_t		 file_dtype;	/* enum mp_dtype as stored, or NONE */
	int32_t		 layer;		/* -1 outside the layer stack */
	uint64_t	 file_bytes;	/* bytes as stored in a file; 0 unknown */
};

/* Where a model's tensors came from. */
enum mp_source {
	MP_SRC_CONFIG = 0,	/* derived from config.json */
	MP_SRC_SAFETENSORS,	/* safetensors headers (shapes and dtypes) */
	MP_SRC_GGUF		/* a .gguf file's tensor infos */
};

/* What a decoder layer keeps between tokens. */
enum mp_lkind {
	MP_LK_FULL = 0,		/* full attention: K and V for every token */
	MP_LK_SLIDING,		/* sliding window: at most `window` tokens */
	MP_LK_MLA,		/* DeepSeek MLA: the compressed latent */
	MP_LK_MAMBA,		/* Mamba2 mixer: conv + ssm state, no KV */
	MP_LK_MLP		/* no token mixing (Nemotron-H MLP/MoE layer) */
};

struct mp_layer {
	uint8_t		 kind;		/* enum mp_lkind */
	bool		 moe;		/* experts in this layer's MLP */
	uint32_t	 kv_k;		/* K elements cached per token */
	uint32_t	 kv_v;		/* V elements cached per token */
	uint32_t	 window;	/* MP_LK_SLIDING */
	uint64_t	 state;		/* MP_LK_MAMBA: SSM state elements / seq */
	uint64_t	 conv;		/* MP_LK_MAMBA: conv state elements / seq */
};

/*
 * A multimodal checkpoint's vision encoder as its config.json states it
 * (vision_config), kept so that llama.cpp's projector GGUF (mmproj.c) can
 * be priced tensor by tensor.  kind is MP_VIS_NONE for text-only models.
 */
enum mp_vision_kind { MP_VIS_NONE = 0, MP_VIS_SIGLIP, MP_VIS_QWEN3VL,
	MP_VIS_LLAMA4 };
struct mp_vision {
	enum mp_vision_kind kind;
	uint32_t	 hidden, inter, layers, heads, channels;
	uint32_t	 image;		/* image_size (side, pixels) */
	uint32_t	 patch;		/* patch_size */
	uint32_t	 merge;		/* Qwen3-VL spatial_merge_size */
	uint32_t	 deepstack;	/* Qwen3-VL deepstack levels */
	uint32_t	 out;		/* Qwen3-VL out_hidden_size */
	uint64_t	 n_pos;		/* learned position embeddings */
	/* Llama 4: pixel-shuffle adapter and projector widths */
	uint32_t	 proj_in, proj_out, vout, shuffled;
	uint32_t	 text_hidden;	/* width the projector writes */
};

/*
 * Converter inputs that are neither sizes nor tensors: config.json's
 * switches and layer patterns that llama.cpp's convert_hf_to_gguf.py
 * reads to lay out a GGUF.  The loader fills them; the estimators read
 * them; a caller has no need to.
 */
struct mp_model_hints {
	bool		 have;		/* read from a config.json */
	bool		 attention_bias, mlp_bias, lm_head_bias;
	bool		 rope_llama3;	/* rope_scaling.rope_type "llama3" */
	uint64_t	 rope_factors;	/* len(rope_scaling.long_factor) */
	uint64_t	 n_positions;	/* GPT-2 learned positions */
	bool		 noaux_tc;	/* DeepSeek-V3 e_score_correction_bias */
	int64_t		 first_dense;	/* first_k_dense_replace, -1 unknown */
	int64_t		 moe_freq;	/* moe_layer_freq / decoder_sparse_step */
	uint64_t	 mlp_inter;	/* Llama 4 dense: intermediate_size_mlp */
	uint64_t	 shexp_inter;	/* moe_shared_expert_intermediate_size */
	bool		 conv_bias;	/* Mamba2 use_conv_bias (default on) */
	bool		 proj_bias;	/* Mamba2 mamba_proj_bias */
	bool		 mlp_only[1024];/* Qwen-MoE mlp_only_layers */
};

/*
 * The weight format a pre-quantized checkpoint ships (quantcfg.c reads
 * config.json's quantization_config; weights.c prices it).
 */
enum mp_shipq_layout {
	MP_SQ_DTYPE = 0,	/* priced as its dtype (bnb, GPTQ, AWQ, FP8, MXFP4) */
	MP_SQ_PACKED,		/* compressed-tensors pack-quantized: int32 words */
	MP_SQ_BYTE,		/* naive-/int-/float-quantized: a byte a value */
	MP_SQ_NVFP4		/* nvfp4-pack-quantized: two values a byte */
};
enum mp_shipq_strategy {
	MP_SQ_TENSOR = 0, MP_SQ_CHANNEL, MP_SQ_GROUP, MP_SQ_BLOCK
};
struct mp_shipq {
	enum mp_dtype	 dt;		/* the format; NONE: not priced */
	uint8_t		 layout;	/* enum mp_shipq_layout */
	uint8_t		 strategy;	/* enum mp_shipq_strategy */
	uint8_t		 bits;		/* bits a weight (GPTQ/AWQ, compressed-tensors) */
	bool		 is_float;	/* compressed-tensors "type": "float" */
	bool		 symmetric;	/* no zero points */
	bool		 double_quant;	/* bitsandbytes nested absmax */
	bool		 g_idx;		/* actorder "group": an index a column */
	uint32_t	 group_size;	/* 0: per output channel */
	uint32_t	 block[2];	/* block strategy: rows x columns */
	char		 scheme[64];	/* "compressed-tensors pack-quantized int4 group 128" */
	char		 label[32];	/* short, for plan rows: "int4 compressed-tensors" */
	char		 why[96];	/* why it is not priced, or "" */
};

struct mp_model {
	char		 name[128];	/* file stem or bundled name */
	char		 path[4096];	/* where it was read from (PATH_MAX) */
	char		 arch[64];	/* "Qwen2ForCausalLM" */
	char		 model_type[48]; /* text model_type: "qwen2" */
	enum mp_dtype	 torch_dtype;	/* MP_DT_NONE when the file has none */

	uint32_t	 layers, hidden, heads, kv_heads, head_dim;
	uint32_t	 v_head_dim;	/* = head_dim except MLA */
	uint32_t	 intermediate;	/* dense MLP width */
	uint64_t	 vocab, max_pos;
	/* rope_scaling (or rope_parameters): "yarn", "llama3", ... or "",
	 * its factor and original_max_position_embeddings (0 if absent). */
	char		 rope_type[16];
	double		 rope_factor;
	uint64_t	 rope_orig;
	uint32_t	 rotary_dim;	/* dims that get rotary (partial rotary) */
	bool		 tied;		/* lm_head shares the embedding */
	bool		 gated_mlp;	/* gate/up/down (SwiGLU) vs up/down */
	bool		 eager_attn;	/* transformers defaults to eager */
	bool		 no_sdpa;	/* the class has no SDPA path (sinks) */
	/* config.json attention_dropout: dropout on the attention
	 * probabilities in training (0 in most published configs) */
	double		 attn_dropout;
	uint32_t	 sliding_window;
	uint32_t	 mask_window;	/* window every layer's mask applies */

	/* mixture of experts */
	uint32_t	 n_experts, experts_per_tok, moe_intermediate;
	uint32_t	 n_shared_experts, shared_intermediate;
	/* MLA */
	uint32_t	 q_lora_rank, kv_lora_rank, qk_rope_dim, qk_nope_dim;
	/* Mamba2 */
	uint32_t	 ssm_heads, ssm_head_dim, ssm_state, ssm_groups,
			 ssm_conv;
	bool		 ssm_f32;	/* SSM state cached in fp32 */

	struct mp_layer	*layer;		/* layers entries */
	struct mp_tensor *tensors;
	size_t		 n_tensors, cap_tensors;

	uint64_t	 params;	/* parameters, tied counted once, text+vision */
	uint64_t	 vision_params;	/* of which vision tower/projector */
	uint64_t	 buffer_elems;	/* registered buffers (fp32) */
	uint64_t	 f32_elems;	/* elements kept in fp32 (MP_TF_F32) */

	char		 warning[256];	/* an assumption made, or "" */
	/* Derived data memoised by estimators (GGUF tensor lists); owned by
	 * the model, private to the library.  A model is not to be
	 * estimated from two threads at once. */
	struct mp_cache	*cache;
	enum mp_source	 source;
	uint64_t	 file_bytes;	/* sum of tensor bytes as stored */
	/* Pre-quantized checkpoint (quantization_config) */
	char		 quant_method[24];
	struct mp_shipq	 shipq;		/* its scheme, as quantcfg.c reads it */
	/* The context its runtime defaults to when the source says (an
	 * Ollama model's params layer: num_ctx), else 0; and who says. */
	uint64_t	 ctx_default;
	char		 ctx_from[64];
	struct mp_vision vision;	/* kind NONE: text only */
	/* num_nextn_predict_layers: MTP layers past num_hidden_layers */
	uint32_t	 nextn_layers;
	/* A model read over HTTP, as its runtime fetches it itself (the
	 * command lines): "Org/Repo:Q4_K_M" for llama-server -hf, a URL for
	 * -mu, "qwen2.5:7b" for ollama run, "Org/Name" (and a revision
	 * other than main) for vllm serve and from_pretrained. */
	enum mp_fetch {
		MP_FETCH_LOCAL = 0, MP_FETCH_HUB, MP_FETCH_URL,
		MP_FETCH_OLLAMA
	}		 fetch_kind;
	char		 fetch[2048];
	char		 fetch_rev[256];
	/* A bundled config: the Hugging Face repository it was published
	 * in (models/hub-ids.tsv), which command lines name; "" else. */
	char		 hub_id[160];
	struct mp_model_hints hints;	/* for the GGUF layout */
};

void	mp_model_init(struct mp_model *);
void	mp_model_fini(struct mp_model *);
/*
 * The longest context the config says the model handles: its
 * max_position_embeddings, or the rope-scaled length when rope_scaling
 * extends it (yarn/dynamic: factor x the original length).  *scaled says
 * which; 0 when the config states none.
 */
uint64_t mp_model_context_limit(const struct mp_model *, bool *scaled);
/*
 * Loads a model from a config.json path, a folder holding one, or the
 * name of a bundled config (see catalog.c).  Fills params and tensors.
 */
bool	mp_model_load(const char *spec, struct mp_model *, struct mp_error *);
/*
 * Remote models (remote_*.c): after a local path, a bundled name and the
 * local HuggingFace cache, MODEL may be Org/Name[@REV] or Org/Name:QUANT
 * on the Hub ($HF_ENDPOINT), a https URL of a .gguf or .safetensors file,
 * or ollama:NAME[:TAG].  Only headers are read; what was read is cached
 * under $XDG_CACHE_HOME/memplan.  These settings hold for the process
 * (set once, before loading from several threads).
 */
struct mp_remote_stats {
	unsigned	 requests;	/* HTTP requests, redirects included */
	uint64_t	 bytes;		/* body bytes received */
};
struct mp_remote_opts {
	bool		 offline;	/* cache and local files only */
	const char	*revision;	/* default "main"; Org/Name@REV wins */
	/* Called after each file while several are read (a progress line). */
	void		(*progress)(unsigned done, unsigned total,
			    const char *what, void *arg);
	void		*arg;
	struct mp_remote_stats *stats;	/* added to when not NULL */
};
void	mp_remote_settings(const struct mp_remote_opts *);
/* Parses config.json text already in memory; path names it in errors. */
bool	mp_model_parse(const char *json, size_t len, const char *path,
	    struct mp_model *, struct mp_error *);

/* catalog.c: bundled data (the models and hardware folders) */
/* Directory of bundled data: $MEMPLAN_DATADIR or the install path. */
const char *mp_datadir(void);
/* Calls fn for each bundled entry of sub ("models", "hardware") with
 * extension ext, sorted by name; fn returns false to stop. */
bool	mp_catalog_list(const char *sub, const char *ext,
	    bool (*fn)(const char *name, const char *path, void *), void *arg,
	    struct mp_error *);

/* scenario.c: what the user asks for */
enum mp_mode { MP_MODE_INFER, MP_MODE_LORA, MP_MODE_QLORA, MP_MODE_FULL,
	MP_MODE_CONVERT };
enum mp_runtime { MP_RT_TRANSFORMERS, MP_RT_VLLM, MP_RT_LLAMACPP };
enum mp_optim { MP_OPT_ADAMW, MP_OPT_ADAMW8BIT, MP_OPT_SGD,
	MP_OPT_ADAFACTOR };
enum mp_parallel { MP_PAR_NONE, MP_PAR_DDP, MP_PAR_ZERO1, MP_PAR_ZERO2,
	MP_PAR_ZERO3, MP_PAR_FSDP, MP_PAR_FSDP_SGO, MP_PAR_FSDP_HYBRID };
/* Where ZeRO / FSDP put the states they offload. */
enum mp_offload { MP_OFFLOAD_NONE, MP_OFFLOAD_CPU, MP_OFFLOAD_NVME };
enum mp_tristate { MP_AUTO = 0, MP_ON, MP_OFF };
/* GPUs a placement lists one by one (a larger machine's others are
 * like the last). */
#define MP_MAX_GPUS	16
/* What a device computes with (hardware.c names them). */
enum mp_backend { MP_BE_NONE = 0, MP_BE_CUDA, MP_BE_ROCM, MP_BE_METAL,
	MP_BE_VULKAN, MP_BE_SYCL, MP_BE_CPU, MP_BE__COUNT };
/* The host CPU's vector instruction set (llama.cpp's CPU repacking). */
enum mp_isa { MP_ISA_UNKNOWN = 0, MP_ISA_AVX2, MP_ISA_AVX512,
	MP_ISA_NEON };
const char *mp_backend_name(enum mp_backend);
bool	mp_backend_parse(const char *, enum mp_backend *);
const char *mp_isa_name(enum mp_isa);
bool	mp_isa_parse(const char *, enum mp_isa *);

/* One llama-bench test, "pp512", "tg128", "pp2048@d4096" (speed.c). */
#define MP_BENCH_MAX	8
enum mp_bench_kind { MP_BENCH_PP, MP_BENCH_TG };
struct mp_bench_test {
	enum mp_bench_kind kind;
	uint32_t	 tokens;	/* N of ppN / tgN */
	uint64_t	 depth;		/* D of @dD: tokens already cached */
};
/* llama.cpp's --split-mode. */
enum mp_split_mode { MP_SPLIT_LAYER = 0, MP_SPLIT_ROW, MP_SPLIT_NONE };
/* --cpu-moe: the experts of every layer stay on the CPU. */
#define MP_CPU_MOE_ALL	UINT32_MAX

/* vLLM --speculative-config methods that need no draft model. */
enum mp_spec { MP_SPEC_NONE = 0, MP_SPEC_NGRAM, MP_SPEC_MTP };
/* --attn: transformers' attn_implementation (scenario.c); DEFAULT is
 * resolved to sdpa, or to eager where the model has no SDPA path. */
enum mp_attn { MP_ATTN_DEFAULT = 0, MP_ATTN_SDPA, MP_ATTN_EAGER,
	MP_ATTN_FLASH2 };

struct mp_scenario {
	enum mp_mode	 mode;
	enum mp_dtype	 weights;	/* NONE = the config's torch_dtype */
	char		 ftype[16];	/* GGUF mix name: "q4_k_m", or "" */
	uint64_t	 batch;		/* 0 = default 1 */
	uint64_t	 seq;		/* 0 = default min(max_pos, 4096) */
	enum mp_dtype	 kv_dtype;	/* NONE = the weights' float type */
	enum mp_runtime	 runtime;
	/* training */
	uint32_t	 rank;		/* 0 = 16 */
	char		 lora_targets[256]; /* "" = all-linear */
	enum mp_optim	 optimizer;
	bool		 grad_ckpt;
	/* PYTORCH_CUDA_ALLOC_CONF=expandable_segments:True */
	bool		 expandable_segments;
	enum mp_dtype	 amp;		/* NONE, BF16 or F16 */
	/* resolved (placement): what would be bf16 (the tensors a
	 * quantization leaves, activations, caches, QLoRA's compute type)
	 * becomes on a device without bf16 (T4, V100): F16, or F32 where
	 * the runtime refuses fp16 for the model; NONE = bf16 is there */
	enum mp_dtype	 bf16_as;
	/* resolved (placement): the lowest CUDA compute capability x 10
	 * of the machine's GPUs; 0 = not all CUDA, or not stated */
	uint32_t	 cuda_cc;
	uint32_t	 gpus;		/* 0 = 1; per node */
	uint32_t	 nodes;		/* 0 = 1: identical machines */
	enum mp_offload	 offload;	/* ZeRO / FSDP offload */
	enum mp_parallel parallel;
	uint32_t	 fsdp_version;	/* 0 = 1 (FSDP1), or 2 (fully_shard) */
	bool		 ds_hf_auto;	/* ZeRO buckets: HF's "auto" values */
	/* quantization */
	uint32_t	 group_size;	/* 0 = 128 */
	bool		 double_quant;
	/* llama.cpp */
	int64_t		 gpu_layers;	/* -1 = all */
	bool		 gpu_layers_set; /* --gpu-layers given: place tensors */
	bool		 runtime_set;	/* --runtime given: no source default */
	enum mp_tristate flash_attn;
	uint32_t	 ubatch;	/* 0 = 512 */
	enum mp_tristate mmap;
	/* conversion */
	char		 pipeline[32];
	/* resolved: no --weights and the model was read from weight files,
	 * so every tensor is priced as stored (pre-quantized checkpoints) */
	bool		 weights_as_stored;
	/* resolved: no --weights and config.json's quantization_config
	 * names the format the checkpoint ships in: weights is that format,
	 * over exactly the tensors the checkpoint quantizes */
	bool		 weights_shipped;
	/* --bench: llama-bench tests to estimate the speed of */
	struct mp_bench_test bench[MP_BENCH_MAX];
	uint32_t	 n_bench;
	/*
	 * The machine, as the placement step (place.c) resolves it from a
	 * hardware profile: the backend the scenario runs on and the CPU's
	 * instruction set.  MP_BE_NONE / MP_ISA_UNKNOWN without a
	 * profile: the estimators then model the machine they were
	 * measured on (CUDA on an H100 host with AVX-512).
	 */
	enum mp_backend	 backend;
	enum mp_isa	 cpu_isa;
	/* The CUDA driver's local-memory (stack) reservation on the GPU
	 * the scenario runs on (mp_cuda_stack_reserve); 0 = the H100 the
	 * runtime constants were measured on. */
	uint64_t	 cuda_stack;
	/* --headroom: the margin a fit must keep on the judged memory;
	 * bytes, or a percentage of capacity; unset = MP_TIGHT_PERCENT. */
	uint64_t	 headroom;
	uint32_t	 headroom_pct;
	bool		 headroom_set;
	/* Usable bytes of each GPU (llama.cpp's default split follows
	 * free memory); n_dev_free 0 = equal GPUs. */
	uint64_t	 dev_free[MP_MAX_GPUS];
	/* Each GPU's CUDA stack reservation (mp_cuda_stack_reserve), in
	 * the order of dev_free: a mixed machine's cards differ. */
	uint64_t	 dev_stack[MP_MAX_GPUS];
	uint32_t	 n_dev_free;
	/* llama.cpp placement (runtime_opts.c parses, llamacpp.c models) */
	uint32_t	 n_cpu_moe;	/* experts of the first N layers on the
					 * CPU; MP_CPU_MOE_ALL = --cpu-moe */
	float		 tensor_split[MP_MAX_GPUS]; /* -ts proportions */
	uint32_t	 n_tensor_split; /* 0 = llama.cpp's default split */
	enum mp_split_mode split_mode;
	uint32_t	 main_gpu;	/* -mg */
	/* --fit: what llama.cpp's llama_params_fit picks (-c, -ngl, -ts,
	 * expert overrides; llamacpp_fit.c); --fit-target: MiB it leaves
	 * free per GPU (0 = unset: 1024) */
	bool		 fit;
	uint32_t	 fit_target_mib;
	bool		 fit_target_set;
	/* -ot PATTERN=BUFFER,... as given ("" none; override.c) */
	char		 override_tensor[1024];
	bool		 kv_unified;	/* --kv-unified: one cache stream */
	bool		 swa_full;	/* --swa-full: full-size SWA cache */
	/* vLLM speculative decoding without a draft model (vllm.c) */
	enum mp_spec	 speculative;
	/* --attn (transformers); DEFAULT until mp_scenario_resolve */
	enum mp_attn	 attn;
	/* The CUDA compute capability (x 10) of the GPU the scenario runs
	 * on, from the profile (place.c); 0 = unknown: the H100 the
	 * figures were measured on.  Decides PyTorch's SDPA kernel. */
	uint32_t	 cc;
	uint32_t	 spec_tokens;	/* --num-speculative-tokens; 0 = method's */
	/* vLLM engine arguments (vllm.c); 0 = vLLM's default for the card */
	bool		 enforce_eager;	/* --enforce-eager: no CUDA graphs */
	uint64_t	 max_batched_tokens; /* --max-num-batched-tokens */
	uint64_t	 max_num_seqs;	/* --max-num-seqs */
	/* --gpu-memory-utilization in millionths; 0 = vLLM's 0.9 */
	uint32_t	 gpu_util;
	/* --acceptance-rate of proposed tokens, millionths; 0 = assumed */
	uint32_t	 spec_accept;
	/* --mmproj TYPE: the projector GGUF beside the model ("" none);
	 * --image-size: the picture's side (0 = clip.cpp's warm-up) */
	char		 mmproj[8];
	uint32_t	 image_size;
	/* --draft MODEL (llama-server -md): a draft model for speculative
	 * decoding ("" none), its -ngld (-1 = all) and -cd (0 = a slot's
	 * context) */
	/* --runtime ollama: llama.cpp with Ollama's defaults (ollama.c);
	 * where the context came from; the machine's total GPU memory */
	bool		 ollama;
	char		 ollama_ctx[64];	/* a note's template part */
	/* resolved: Ollama's scheduler chose -ngl (ollama_layout.c), so
	 * the command sets no num_gpu */
	bool		 ollama_layout;
	uint64_t	 vram_total;
	char		 draft[512];
	int64_t		 draft_gpu_layers;
	bool		 draft_gpu_layers_set;
	uint64_t	 draft_ctx;
};

void	mp_scenario_init(struct mp_scenario *);
/* Fills defaults that depend on the model and checks the combination. */
bool	mp_scenario_resolve(struct mp_scenario *, const struct mp_model *,
	    struct mp_error *);
const char *mp_mode_name(enum mp_mode);
const char *mp_runtime_name(enum mp_runtime);
/* The runtime as reports name it: "ollama 0.15.5 (llama.cpp)" under
 * --runtime ollama, else mp_runtime_name. */
const char *mp_scenario_runtime(const struct mp_scenario *);
const char *mp_optim_name(enum mp_optim);
bool	mp_mode_parse(const char *, enum mp_mode *);
bool	mp_runtime_parse(const char *, enum mp_runtime *);
bool	mp_optim_parse(const char *, enum mp_optim *);
bool	mp_parallel_parse(const char *, enum mp_parallel *);
const char *mp_parallel_name(enum mp_parallel);
/* The i-th accepted name of each set, NULL past the end (option table). */
const char *mp_mode_choice(size_t i);
const char *mp_runtime_choice(size_t i);
/* --speculative's names (ngram, mtp; vllm.c) */
const char *mp_spec_choice(size_t i);
bool	mp_spec_parse(const char *, enum mp_spec *);
/* --attn's names (sdpa, eager, flash2; scenario.c); the resolved
 * implementation of a transformers scenario and transformers' own name
 * for it (attn_implementation="flash_attention_2") */
const char *mp_attn_choice(size_t i);
bool	mp_attn_parse(const char *, enum mp_attn *);
enum mp_attn mp_attn_of(const struct mp_model *, const struct mp_scenario *);
const char *mp_attn_hf_name(enum mp_attn);
const char *mp_optim_choice(size_t i);
const char *mp_parallel_choice(size_t i);
const char *mp_kv_dtype_choice(size_t i);

/* options.c: every option of the command line and plan files, once */
enum mp_opt_id {
	MP_O_MODE, MP_O_WEIGHTS, MP_O_BATCH, MP_O_SEQ, MP_O_KV, MP_O_RUNTIME,
	MP_O_RANK, MP_O_TARGETS, MP_O_OPTIM, MP_O_CKPT, MP_O_AMP, MP_O_GPUS,
	MP_O_PARALLEL, MP_O_HEADROOM, MP_O_LAYERS, MP_O_FA, MP_O_UBATCH, MP_O_MMAP,
	MP_O_PIPELINE, MP_O_GROUP, MP_O_DQ, MP_O_EXPSEG, MP_O_BENCH,
	MP_O_N_CPU_MOE, MP_O_CPU_MOE, MP_O_TENSOR_SPLIT, MP_O_SPLIT_MODE,
	MP_O_MAIN_GPU, MP_O_KV_UNIFIED, MP_O_SWA_FULL, MP_O_PARALLEL_SLOTS,
	MP_O_NODES, MP_O_OFFLOAD, MP_O_FSDP_VERSION, MP_O_DS_CONFIG,
	MP_O_OVERRIDE_TENSOR, MP_O_FIT, MP_O_FIT_TARGET, /* llama.cpp -ot, --fit */
	MP_O_ENFORCE_EAGER, MP_O_MAX_BATCHED, MP_O_MAX_SEQS,	/* vLLM */
	MP_O_SPECULATIVE, MP_O_SPEC_TOKENS, MP_O_GPU_UTIL, MP_O_ACCEPT,
	MP_O_ATTN,			/* transformers attn_implementation */
	MP_O_MMPROJ, MP_O_IMAGE_SIZE,	/* llama.cpp projector (mmproj.c) */
	MP_O_DRAFT, MP_O_DRAFT_LAYERS, MP_O_DRAFT_CTX,	/* llama.cpp -md */
	MP_O_HARDWARE, MP_O_MAX_MEMORY,
	MP_O_SOLVE, MP_O_OVER, MP_O_DETECT, MP_O_FORMAT, MP_O_OUTPUT,
	MP_O_UNITS, MP_O_COLOR, MP_O_HELP,
	MP_O_REVISION, MP_O_OFFLINE,	/* remote models (remote_*.c) */
	MP_O__COUNT
};
enum mp_opt_kind {
	MP_OK_UINT,	/* whole number in [min, max]; "32k" when kmul */
	MP_OK_ENUM,	/* one of choice(0), choice(1)... */
	MP_OK_FLAG,	/* bare on the command line; true/false in files */
	MP_OK_SIZE,	/* "24 GiB", "24GB", bytes */
	MP_OK_TEXT	/* at most max characters */
};
/* Which commands accept an option (mp_args_parse refuses the others). */
#define MP_OPT_SCENARIO	0x001u	/* --mode --weights --batch --seq ... */
#define MP_OPT_HARDWARE	0x002u	/* --hardware */
#define MP_OPT_FORMAT	0x004u	/* --format -o --units --color */
#define MP_OPT_SOLVE	0x008u	/* --solve */
#define MP_OPT_OVER	0x010u	/* --over */
#define MP_OPT_DETECT	0x020u	/* --detect */
#define MP_OPT_REMOTE	0x040u	/* --revision --offline: commands reading
				 * a model, which may be remote */
/* Options whose presence callers act on (mp_optspec.given). */
#define MP_GIVEN_MODE		0x001u
#define MP_GIVEN_WEIGHTS	0x002u
#define MP_GIVEN_SEQ		0x004u
#define MP_GIVEN_BATCH		0x008u
#define MP_GIVEN_RUNTIME	0x010u
#define MP_GIVEN_PIPELINE	0x040u

struct mp_optspec {
	enum mp_opt_id	 id;
	const char	*cli;		/* "kv-dtype" (no "--"), NULL: files only */
	char		 shrt;		/* 'o' or 0 */
	const char	*file;		/* "kv_dtype", NULL: command line only */
	unsigned	 group;		/* MP_OPT_* */
	enum mp_opt_kind kind;
	uint64_t	 min, max;	/* UINT range; TEXT: max length */
	bool		 kmul;		/* UINT: "1k" = 1024 */
	const char	*word;		/* UINT: a word also accepted ("all") */
	const char	*(*choice)(size_t i); /* ENUM: the owner's i-th name */
	/* Stores a checked value; u: the number, 1/0 for flags. */
	bool		(*set)(struct mp_scenario *, const char *v, uint64_t u);
	unsigned	 given;		/* MP_GIVEN_* bit, or 0 */
	bool		 late;		/* set after the others (weights) */
	const char	*arg;		/* --help: "N" */
	const char	*help;		/* --help: what it sets */
	const char	*dflt;		/* --help: the default, or NULL */
};

/* The table, and lookups by id, CLI spelling and plan-file key. */
const struct mp_optspec *mp_options(size_t *n);
const struct mp_optspec *mp_option_by_id(enum mp_opt_id);
const struct mp_optspec *mp_option_cli(const char *name, size_t len);
const struct mp_optspec *mp_option_short(char);
const struct mp_optspec *mp_option_file(const char *key);
/* The i-th choice of an ENUM option, NULL past the end. */
const char *mp_option_choice(const struct mp_optspec *, size_t i);
/* "a, b or c" into buf (sep, and last before the last); returns the count. */
size_t	mp_option_choices(const struct mp_optspec *, const char *sep,
	    const char *last, char *buf, size_t len);
/* "expected a, b or c" (a long set: its first names and the count). */
void	mp_option_expected(const struct mp_optspec *, char *buf, size_t len);
/*
 * Checks v (NULL: a bare flag) against the option's kind, range and
 * choices and, for a scenario option with sc, stores it.  One grammar and
 * one message for the command line and plan files: false with why.
 */
bool	mp_option_set(const struct mp_optspec *, const char *v,
	    struct mp_scenario *sc, char *why, size_t whylen);
/* After every option: what one option implies for others (a pipeline
 * without a mode is a conversion). */
bool	mp_option_finish(struct mp_scenario *, unsigned given);
/*
 * After mp_option_finish: an option given that the scenario's mode does
 * not use (--convert-pipeline outside convert, --lora-targets outside
 * lora and qlora), with why ("--mode X" spelling when cli, else "mode X");
 * MP_O__COUNT when there is none.
 */
enum mp_opt_id mp_option_unused(const struct mp_scenario *, unsigned given,
	    bool cli, char *why, size_t whylen);

/*
 * estimate.c: one scenario's memory.  struct mp_estimate is plain data
 * the caller owns (no _fini): the resolved scenario, each component
 * (struct mp_memory, runtime.c names them), where it lives (device or
 * host) and notes that say why each component has its size.
 */
struct mp_memory {
	uint64_t	 weights, kv_cache, activations, logits, gradients,
			 optimizer, adapters, runtime, total;
	/* PyTorch runtimes: what the caching allocator may hold reserved at
	 * the peak (total + stranded segment, alloc.c); 0 elsewhere. */
	uint64_t	 reserved;
	uint64_t	 largest_block;	/* the peak's largest request */
};

#define MP_MAX_NOTES	24
/*
 * A note's numbers, typed: the renderer formats them in the units the
 * reader chose, JSON carries them as they are (sizes in bytes).
 */
enum mp_note_kind { MP_NV_SIZE, MP_NV_COUNT, MP_NV_PERCENT, MP_NV_NUMBER,
	MP_NV_SSIZE };
#define MP_NOTE_VALUES	8
struct mp_note_value {
	char		 key[14];	/* the template's {key} */
	uint8_t		 kind;		/* enum mp_note_kind */
	uint8_t		 decimals;	/* percent, number */
	union {
		uint64_t u;		/* size (bytes), count */
		int64_t	 i;		/* signed size (a headroom) */
		double	 d;		/* percent, number */
	};
};
struct mp_note {
	char		 what[24];	/* component: "kv_cache" */
	/* The kind of note, the same in every version and scenario
	 * ("kv.per_token"), for programs that pick notes out of JSON. */
	char		 id[32];
	/* Why it is that size: a template, "{key}" = values[] named key. */
	char		 text[256];
	struct mp_note_value values[MP_NOTE_VALUES];
	size_t		 n_values;
};
/* The longest note mp_note_text() writes, with its values in words. */
#define MP_NOTE_TEXT	384
/* A longer template with values: plan's and check's reasons (a plan
 * reason carries the policy's thresholds besides its own numbers). */
#define MP_REASON_VALUES	16
struct mp_reason {
	char		 text[768];
	struct mp_note_value values[MP_REASON_VALUES];
	size_t		 n_values;
};
/* ... in words (mp_reason_text): */
#define MP_REASON_TEXT	896

#define MP_MAX_STEPS	8
struct mp_convert_step {
	char		 name[16];	/* load, convert, quantize, save, ... */
	uint64_t	 peak_anon, peak_file, disk_write;
};

struct mp_convert {
	char		 pipeline[32];
	struct mp_convert_step steps[MP_MAX_STEPS];
	size_t		 n_steps;
	uint64_t	 peak_anon, peak_file, disk_out, disk_tmp, swap_needed;
};

struct mp_estimate {
	struct mp_scenario sc;		/* resolved scenario */
	struct mp_memory mem;
	uint64_t	 device_total;	/* on accelerators, all GPUs */
	uint64_t	 host_total;	/* in host RAM */
	uint64_t	 disk_total;	/* on NVMe, per node (ZeRO-Infinity) */
	uint64_t	 trainable_params;
	uint64_t	 kv_per_token;	/* bytes of cache per token, all layers */
	uint64_t	 file_bytes;	/* weights file size when known */
	bool		 on_host;	/* the scenario runs on the CPU */
	struct mp_note	 notes[MP_MAX_NOTES];
	size_t		 n_notes;
	bool		 has_convert;
	struct mp_convert conv;
	/* vLLM: paged KV pool */
	uint64_t	 kv_pool, kv_pool_tokens;
	/*
	 * Per accelerator: the bytes on GPU i of the n_dev_bytes the
	 * scenario uses (llama.cpp's layer split, vLLM's tensor-parallel
	 * ranks, training replicas or shards).  0 entries = not split by the
	 * estimator: the placement step spreads device_total evenly.
	 */
	uint64_t	 dev_bytes[MP_MAX_GPUS];
	uint32_t	 n_dev_bytes;
	/* Under a layer split (llama.cpp -sm layer, transformers'
	 * device_map): the decoder layers GPU i runs, in order; all 0 when
	 * every GPU runs a share of every layer (tensor parallel). */
	uint32_t	 dev_layers[MP_MAX_GPUS];
	/*
	 * Machines dev_bytes spans (0 or 1: one).  llama.cpp's RPC split
	 * (--nodes N) lists every GPU of every node in llama.cpp's device
	 * order: the other nodes' rpc-server devices first, then the main
	 * host's GPUs; GPU i is the profile's GPU i mod (GPUs per node).
	 */
	uint32_t	 dev_nodes;
	/* llama.cpp runs its GPUs as a pipeline (llamacpp.c's
	 * pipeline_parallel(): the scheduler's input copies, overlapping
	 * ubatches in a prompt). */
	bool		 llamacpp_pipeline;
	/* Host memory each node but the first needs (llama.cpp's
	 * rpc-server); judged beside the first node's host_total. */
	uint64_t	 node_host;
	/* Of host_total, file pages the kernel can drop (mmap'd originals
	 * of repacked tensors): reported, not judged as resident. */
	uint64_t	 host_reclaimable;
	/* The command line that runs this scenario ("" for none). */
	char		 command[1536];
};

/* note.c: reading the notes of an estimate and the reasons of a plan
 * (the estimators write them). */
/* "bytes", "count", "percent", "number": the key JSON gives a value. */
const char *mp_note_kind_name(enum mp_note_kind);
/* One value in words, sizes in units u. */
const char *mp_note_value_text(const struct mp_note_value *, enum mp_units u,
	    char *buf, size_t len);
/* The note in words: each {key} replaced by its value in units u. */
const char *mp_note_text(const struct mp_note *, enum mp_units u, char *buf,
	    size_t len);
/* Any template with its values, in words. */
const char *mp_template_text(const char *tmpl, const struct mp_note_value *,
	    size_t n, enum mp_units u, char *buf, size_t len);
/* A reason in words. */
const char *mp_reason_text(const struct mp_reason *, enum mp_units u,
	    char *buf, size_t len);

/*
 * One scenario's memory, without a machine: resolves a copy of sc
 * (mp_scenario_resolve) and dispatches on its mode and runtime to
 * transformers, training, conversion, llama.cpp or vLLM; fills est.
 */
bool	mp_estimate(const struct mp_model *, const struct mp_scenario *,
	    struct mp_estimate *, struct mp_error *);

/* formats.c: the output formats, the one list every command reads */
enum mp_format { MP_FMT_TEXT, MP_FMT_MARKDOWN, MP_FMT_JSON, MP_FMT_JUNIT,
	MP_FMT_CSV, MP_FMT_SVG };
/* The i-th format name ("md" is an alias of markdown, not listed). */
const char *mp_format_name(size_t i);
bool	mp_format_parse(const char *, enum mp_format *);

/* ZeRO / FSDP offload targets (parallel.c): none, cpu, nvme. */
const char *mp_offload_name(enum mp_offload);
bool	mp_offload_parse(const char *, enum mp_offload *);
const char *mp_offload_choice(size_t i);

/*
 * place.c: the judgement of a scenario on a machine (the functions are
 * below, after the hardware profile).  An mp_judgement points into the
 * hardware it was made from and lives no longer than it.
 */
enum mp_verdict { MP_VERDICT_FITS, MP_VERDICT_TIGHT, MP_VERDICT_NO,
	MP_VERDICT_UNSUPPORTED };
/* place.c: "fits", "tight", "no", "unsupported" */
const char *mp_verdict_name(enum mp_verdict);
struct mp_judgement;
/* The machine (1 = the one running the command) of GPU i of a
 * judgement: llama.cpp lists the other nodes' RPC devices first. */
uint32_t mp_judgement_node(const struct mp_judgement *, size_t i);
enum mp_judge_where { MP_JUDGE_DEVICE, MP_JUDGE_HOST };
/* One GPU's share of a placement. */
struct mp_share {
	uint64_t		 capacity;	/* usable bytes */
	uint64_t		 predicted;
	int64_t			 headroom;	/* capacity - predicted */
	bool			 fits;
};
struct mp_judgement {
	enum mp_judge_where	 where;
	const struct mp_device	*device;	/* MP_JUDGE_DEVICE: which */
	char			 device_name[96]; /* its name, a copy */
	uint64_t		 gpus;		/* devices of it used */
	/* The memory that decides: the fullest GPU, or the host. */
	uint64_t		 judged;	/* bytes compared with capacity */
	uint64_t		 capacity;
	int64_t			 headroom;	/* capacity - judged */
	uint64_t		 swap_needed;	/* conversion beyond RAM */
	bool			 fits;		/* every device and the host */
	bool			 host_short;	/* host part does not fit */
	/* Every GPU used (the first 16 of a larger machine). */
	struct mp_share		 dev[MP_MAX_GPUS];
	size_t			 n_dev, fullest;
	/* Machines the GPUs span (llama.cpp's RPC split; 0 or 1: one)
	 * and the GPUs of each: mp_judgement_node says whose dev[i] is. */
	uint32_t		 nodes;
	size_t			 node_gpus;
	/* Host RAM: resident bytes judged, file pages reported. */
	struct {
		uint64_t	 capacity;	/* RAM - OS reserve (+ swap) */
		uint64_t	 predicted;	/* resident */
		uint64_t	 reclaimable;	/* file pages, not judged */
		int64_t		 headroom;
		bool		 fits;
	} host;
	/* NVMe per node (--offload nvme): judged against the profile's
	 * disk; judged false when the profile does not state one. */
	struct {
		uint64_t	 capacity;
		uint64_t	 predicted;
		int64_t		 headroom;
		bool		 judged;
		bool		 fits;
	} disk;
	uint64_t		 margin;	/* headroom a fit keeps */
	enum mp_verdict		 verdict;
	char			 reason[200];	/* unsupported: why */
	/* allocated fits but the allocator's reserve may not */
	bool			 frag_risk;
	uint64_t		 reserved;	/* judged reserve, 0 if none */
};

/* report.c and the renderers: what is printed, and how */
struct mp_render_opts {
	enum mp_units	 units;
	bool		 bar;		/* draw the stacked bar (tty or --color) */
	bool		 unicode;	/* ... in Unicode blocks */
};

/*
 * speed.c: tokens per second of an inference scenario on a machine, from
 * the bytes each token reads and the FLOPs it computes (tests/speed/
 * judges it against published llama-bench runs).  mp_report_build fills
 * it; mp_bench_parse reads --bench.
 */
enum mp_bound { MP_BOUND_MEMORY, MP_BOUND_COMPUTE };
struct mp_speed_bench {
	char		 test[32];	/* "pp2048 @ d4096" as llama-bench */
	double		 tokens_per_s;	/* 0 = not estimated (prefill_why) */
	enum mp_bound	 bound;
};
struct mp_speed {
	bool		 available;	/* false: why says why */
	char		 why[160];
	double		 decode_tps;	/* one token after --seq tokens */
	enum mp_bound	 decode_bound;
	bool		 has_prefill;	/* false: prefill_why */
	char		 prefill_why[160];
	double		 prefill_tps;	/* --seq tokens from an empty cache */
	enum mp_bound	 prefill_bound;
	double		 ttft_s;	/* prefill of --seq + the first token */
	struct mp_speed_bench bench[MP_BENCH_MAX];
	size_t		 n_bench;
	char		 basis[256];	/* what the figures assume */
};

#define MP_MAX_RECOS	8
struct mp_reco {
	/* The options of a command line that runs it:
	 * "--runtime llamacpp --weights q4_k_m --gpu-layers 40" */
	char		 mode[1400];
	char		 label[96];	/* plan's label */
	char		 why[200];
	/* The bundled profile it runs on, "" = the report's hardware (a
	 * conversion that fits nowhere here: a machine it fits on). */
	char		 hardware[96];
	uint64_t	 total;		/* judged bytes (fullest GPU or host) */
	bool		 fits;
	enum mp_verdict	 verdict;
	/* Serve: decode; finetune: training; 0 = not estimated. */
	double		 tokens_per_s;
};

struct mp_report {
	const struct mp_model	*model;
	const struct mp_estimate *est;
	const char		*hw_name;	/* NULL without hardware */
	uint64_t		 capacity;	/* usable bytes on the judged device */
	bool			 fits;
	int64_t			 headroom;	/* capacity - total */
	/* fits as allocated, but the allocator's reserve may not */
	bool			 frag_risk;
	uint64_t		 reserved;	/* judged reserve, 0 if none */
	struct mp_judgement	 j;		/* the placement's judgement */
	struct mp_reco		 recos[MP_MAX_RECOS];
	size_t			 n_recos;
	/* Tokens per second on the hardware (speed.c); has_speed false
	 * without hardware or outside inference. */
	bool			 has_speed;
	struct mp_speed		 speed;
};

/*
 * Judges est on hw (may be NULL; j when the placement step judged it
 * already) and estimates its speed.  All arithmetic of a report happens
 * here and in mp_report_suggest; renderers only format.
 */
bool	mp_report_build(struct mp_report *, const struct mp_model *,
	    const struct mp_estimate *, const struct mp_hardware *,
	    const struct mp_judgement *, struct mp_error *);
/*
 * When the report's scenario does not fit hw: the plan engine's best
 * options for the same goal (r->recos; plan.c).  Nothing without hw.
 */
bool	mp_report_suggest(struct mp_report *, const struct mp_model *,
	    const struct mp_hardware *, struct mp_error *);

/* The components of struct mp_memory in report order (total excluded;
 * runtime.c). */
#define MP_N_COMPONENTS	8
const char *mp_component_name(size_t i);
uint64_t mp_component_value(const struct mp_memory *, size_t i);
/* True when a note's subject is one of the memory components. */
bool	mp_component_known(const char *name);
/* The (first) note on a component, or NULL. */
const struct mp_note *mp_component_note(const struct mp_estimate *,
	    const char *name);

bool	mp_render_text(const struct mp_report *, const struct mp_render_opts *,
	    FILE *);
bool	mp_render_markdown(const struct mp_report *,
	    const struct mp_render_opts *, FILE *);
bool	mp_render_json(const struct mp_report *, const struct mp_render_opts *,
	    FILE *);

/* hardware.c: YAML hardware profiles */
#define MP_MAX_DEVICES	16
struct mp_device {
	char		 name[96];
	char		 type[8];	/* gpu | igpu | npu | cpu */
	uint64_t	 memory;	/* per device, bytes (datasheet) */
	/* What the driver reports as the device's memory (nvidia-smi
	 * memory.total); memory when the profile does not say. */
	uint64_t	 total;
	uint64_t	 reserved;	/* of total, kept by driver/display */
	uint64_t	 bandwidth;	/* bytes/s, 0 = unknown */
	uint64_t	 flops;		/* dense FP16 matrix FLOP/s, 0 = unknown */
	/* The same with FP32 accumulation (PyTorch's fp16/bf16 matmuls);
	 * GeForce cards run it at half rate.  0 = flops. */
	uint64_t	 flops_acc32;
	uint64_t	 pcie;		/* host link bytes/s one way, 0 = unknown */
	uint32_t	 count;
	bool		 unified;	/* shares host RAM */
	/*
	 * What runs there (memplan-hardware(5)): the backend and the
	 * capabilities that decide which formats a runtime can use.  cc is
	 * the CUDA compute capability x 10 (89 = 8.9), 0 = not CUDA or
	 * unknown.  Capabilities a profile does not state follow from cc on
	 * CUDA and from the backend elsewhere (hardware.c).
	 */
	enum mp_backend	 backend;
	uint32_t	 cc;
	uint32_t	 sms;		/* multiprocessors, 0 = unknown */
	bool		 bf16, fp8, int8_tc, flash_attn;
};

struct mp_hardware {
	char		 name[96];
	char		 description[256];
	char		 path[512];
	uint64_t	 ram, swap;		/* per node */
	uint64_t	 ram_bandwidth;	/* host memory bytes/s, 0 = unknown */
	uint64_t	 cpu_flops;	/* host FP32 SIMD FLOP/s, 0 = unknown */
	uint32_t	 cpu_cores;	/* 0 = unknown */
	uint64_t	 os_reserve;	/* RAM the OS and desktop keep */
	enum mp_isa	 cpu_isa;	/* MP_ISA_UNKNOWN when not stated */
	char		 os[16];	/* linux | macos | windows */
	struct mp_device dev[MP_MAX_DEVICES];	/* per node */
	size_t		 n_dev;
	uint32_t	 nodes;		/* identical machines, 1 by default */
	uint64_t	 disk;		/* NVMe bytes per node, 0 = not stated */
};

/* A path to a YAML profile or the name of a bundled one. */
bool	mp_hardware_load(const char *spec, struct mp_hardware *,
	    struct mp_error *);
/* A profile's YAML text already in memory; name names it in errors. */
bool	mp_hardware_parse(const char *text, size_t len, const char *name,
	    struct mp_hardware *, struct mp_error *);

/* gguf_quant.c: the GGUF types llama-quantize accepts (--weights) */
/* True when name is a GGUF ftype the module knows ("q4_k_m"). */
bool	mp_gguf_ftype_known(const char *name);
/* The i-th GGUF type name llama-quantize accepts, NULL past the end. */
const char *mp_gguf_ftype_name(size_t i);

/* place.c: which memory an estimate is judged against */
/*
 * The placement step every command uses.  mp_place_scenario() resolves
 * a scenario on a machine: the GPUs used (all of the profile's by
 * default; more than it has is an error), the backend and CPU ISA, and
 * llama.cpp on the CPU where there is no accelerator.  Fails (MP_EUSAGE)
 * on a scenario the machine cannot express.  note (may be NULL) gets
 * a note on a default it chose, or one with an empty text.
 */
bool	mp_place_scenario(const struct mp_model *, const struct mp_hardware *,
	    struct mp_scenario *, struct mp_note *note, struct mp_error *);
/*
 * Scenario + machine -> estimate and judgement: mp_place_scenario,
 * mp_estimate, vLLM's pool on the card, the platform gates (verdict
 * MP_VERDICT_UNSUPPORTED with the reason) and mp_hardware_judge_ex.
 * hw may be NULL: then only the estimate (verdict fits, no capacity).
 */
bool	mp_place(const struct mp_model *, const struct mp_hardware *,
	    const struct mp_scenario *, struct mp_estimate *,
	    struct mp_judgement *, struct mp_error *);
/* The accelerator models run on (gpu, else igpu, else npu), or NULL. */
const struct mp_device *mp_hardware_primary(const struct mp_hardware *);
/* Memory one device offers: total - reserved, at most RAM if unified. */
uint64_t mp_device_usable(const struct mp_device *,
	    const struct mp_hardware *);

/* planfile.c: plan files for "memplan check" */
struct mp_check {
	char		 name[128];
	char		 model[1024];	/* path (resolved) or bundled name */
	char		 hardware[1024]; /* "" = none */
	struct mp_scenario sc;
	unsigned	 set;		/* MP_CK_* : scenario keys given */
	uint64_t	 max_memory;	/* 0 = the hardware's capacity */
	uint32_t	 line, col;	/* where the check starts */
};
#define MP_CK_MODE	MP_GIVEN_MODE
#define MP_CK_WEIGHTS	MP_GIVEN_WEIGHTS
#define MP_CK_SEQ	MP_GIVEN_SEQ
#define MP_CK_BATCH	MP_GIVEN_BATCH
#define MP_CK_RUNTIME	MP_GIVEN_RUNTIME
#define MP_CK_PIPELINE	MP_GIVEN_PIPELINE

struct mp_plan {
	char		 path[4096];	/* PATH_MAX */
	struct mp_check	*checks;
	size_t		 n_checks;
};

void	mp_plan_init(struct mp_plan *);
void	mp_plan_fini(struct mp_plan *);
/*
 * Reads a plan file.  Paths in it are relative to the plan file's
 * directory; a model or hardware value that names no file there is a
 * bundled name.  Each check has a budget (max_memory) or a hardware
 * profile, or both.
 */
bool	mp_plan_load(const char *path, struct mp_plan *, struct mp_error *);
/*
 * Sets one scenario option from its plan-file key (the CLI option name
 * with "_" for "-": "kv_dtype", "grad_ckpt") and text value.  Returns
 * false with why filled for a bad value, and *known false for a key
 * that is not a scenario option.
 */
bool	mp_plan_set_option(struct mp_scenario *, const char *key,
	    const char *value, bool *known, char *why, size_t whylen);

/*
 * plan.c, fit.c, check.c, sweep.c: the commands' engines.  Results
 * (mp_planres, mp_fitres, mp_check_report, mp_sweep) are caller-owned
 * structs whose heap parts the matching _fini frees (mp_fitres has
 * none); they point into the model and hardware they were made from.
 */
enum mp_goal { MP_GOAL_SERVE, MP_GOAL_FINETUNE, MP_GOAL_CONVERT };
#define MP_GOALS	3
/* policy.c: "serve", "finetune", "convert" */
const char *mp_goal_name(enum mp_goal);
/* Headroom below this share of capacity makes a fit "tight": the
 * default margin (--headroom changes it). */
#define MP_TIGHT_PERCENT	10

/* One mode on the machine: its estimate and how it fares there. */
struct mp_option {
	enum mp_goal	 goal;
	char		 label[96];	/* "llama.cpp q4_k_m, 40/64 layers" */
	struct mp_estimate est;		/* est.sc is the resolved scenario */
	struct mp_judgement j;
	enum mp_verdict	 verdict;
	/* Quality lost, compared in this order: lower is better. */
	uint32_t	 prec_loss;	/* precision given up */
	uint32_t	 ctx_loss;	/* 0, or 1 with a shorter context */
	uint32_t	 speed_loss;	/* offload, CPU, checkpointing, swap */
	char		 why[200];	/* one line on what this option is */
	/* When it does not fit: the largest smaller bundled model of the
	 * same architecture on which this mode fits, or "". */
	char		 alt[128];
	uint64_t	 alt_params, alt_judged;
	uint32_t	 alt_rank;	/* the sibling's place in plan's order
					 * of smaller models: 0 is the best */
	/* Serve options: tokens per second on the machine (speed.c) and
	 * the largest context that fits (fit's solver; 0 = none). */
	bool		 has_speed;
	struct mp_speed	 speed;
	uint64_t	 max_seq;
	/* Finetune options: training tokens per second (mp_train_speed;
	 * has_speed says whether there is one) and what it assumes. */
	double		 train_tps;
	char		 train_basis[160];
};

/* Recommendations of a plan: one per goal, convert one per output
 * format (policy.c). */
#define MP_MAX_RECS	8
struct mp_rec {
	enum mp_goal	 goal;
	size_t		 opt;		/* index into options */
	struct mp_reason why;
	bool		 has_runner;	/* the option ranked next */
	size_t		 runner;
};

struct mp_planres {
	const struct mp_model	*model;
	const struct mp_hardware *hw;
	struct mp_option	*opt;
	size_t			 n_opt, cap_opt;
	struct mp_rec		 rec[MP_MAX_RECS];
	size_t			 n_rec;
	struct mp_reason	 none[MP_GOALS];	/* goal with no fit */
	size_t			 skipped;	/* estimates not available */
	char			 skipped_what[256];
	size_t			 tried[MP_GOALS];	/* candidates per goal */
	double			 serve_fastest;	/* decode tokens/s, policy */
	/*
	 * A smaller bundled model of the family, for a goal of which
	 * nothing fits or (serve) only a compromise does: layers in host
	 * memory, fewer than 4 bits.  name "" when none; the option is
	 * what plan recommends for that model on this machine.
	 */
	struct mp_smaller {
		char		 name[128];
		uint64_t	 params;
		char		 label[96];
		char		 command[1536];
		uint64_t	 judged, capacity;
		double		 tps;		/* decode or training; 0 unknown */
		bool		 beside;	/* beside a recommendation */
		struct mp_reason why;		/* beside: the line's text */
	} smaller[MP_GOALS];

};

/*
 * Every sensible mode of model on hw, each judged, and the best that
 * fits for each goal.  base holds the scenario options the user gave;
 * set says which of them (MP_CK_*) restrict the modes tried.  A mode
 * whose estimate fails (not implemented, not applicable) is skipped.
 */
bool	mp_planner_plan(const struct mp_model *, const struct mp_hardware *,
	    const struct mp_scenario *base, unsigned set, struct mp_planres *,
	    struct mp_error *);
void	mp_planres_fini(struct mp_planres *);
/*
 * The plan engine's best options for the goal of sc (serve, fine-tune or
 * convert) that fit on hw, best first, at most max: estimate's "try"
 * lines.  Each gets its command-line options (mp_scenario_args).
 */
bool	mp_planner_suggest(const struct mp_model *, const struct mp_hardware *,
	    const struct mp_scenario *sc, struct mp_reco *out, size_t max,
	    size_t *n, struct mp_error *);

/* fit: the largest value of one field that fits. */
enum mp_solve { MP_SOLVE_SEQ, MP_SOLVE_BATCH, MP_SOLVE_LAYERS,
	MP_SOLVE_WEIGHTS, MP_SOLVE_NCPUMOE };
bool	mp_solve_parse(const char *, enum mp_solve *);
const char *mp_solve_choice(size_t i);
const char *mp_solve_name(enum mp_solve);
struct mp_fitres {
	enum mp_solve	 field;
	bool		 found;		/* some value fits */
	bool		 has_next;	/* a next step up exists */
	uint64_t	 value, next;	/* seq, batch, layers, n-cpu-moe
					 * (the fewest; next = one fewer) */
	char		 value_name[16], next_name[16];	/* weights */
	struct mp_estimate est;		/* at value (or the smallest tried) */
	struct mp_judgement j;
	uint64_t	 next_total;	/* judged bytes at next */
	uint64_t	 evaluations;	/* estimates computed */
	/* seq: the longest context tried and why there ("the rope-scaled
	 * length: yarn x{factor} of {original} positions"). */
	uint64_t	 seq_limit;
	bool		 limit_scaled;	/* past max_position_embeddings */
	struct mp_reason limit_why;
	/* layers / n-cpu-moe under --fit: the free memory llama.cpp's
	 * target leaves per GPU, which judged the search (0 otherwise) */
	uint64_t	 fit_target;
};
bool	mp_planner_fit(const struct mp_model *, const struct mp_hardware *,
	    const struct mp_scenario *base, enum mp_solve, struct mp_fitres *,
	    struct mp_error *);

/* check: run a plan file's checks. */
struct mp_check_result {
	const struct mp_check	*check;
	char			 model_name[128];
	char			 hw_name[96];	/* "" without hardware */
	/* The check's estimate (its resolved scenario in est->sc). */
	struct mp_estimate	*est;
	uint64_t		 predicted, budget;
	int64_t			 margin;	/* budget - predicted */
	bool			 pass;
	struct mp_reason	 why;		/* why it failed, or "" */
	struct mp_judgement	 j;		/* on its hardware */
};
struct mp_check_report {
	const struct mp_plan	*plan;
	struct mp_check_result	*res;
	size_t			 n, passed, failed;
};
bool	mp_planner_check(const struct mp_plan *, struct mp_check_report *,
	    struct mp_error *);
void	mp_check_report_fini(struct mp_check_report *);

/* sweep: the memory curve over seq, batch or rank. */
struct mp_sweep_point {
	uint64_t		 value;
	bool			 ok;		/* estimate available */
	struct mp_estimate	*est;		/* when ok: the estimate */
	bool			 fits;		/* with hardware */
	int64_t			 headroom;
	enum mp_verdict		 verdict;	/* with hardware */
	uint64_t		 judged;	/* fullest GPU or host */
	/* Inference with hardware: tokens per second at this point
	 * (speed.c): decode at the point's context, the prompt of it. */
	bool			 has_speed;
	struct mp_speed		 speed;
};
#define MP_SWEEP_MAX	4096
struct mp_sweep {
	char			 over[8];	/* seq | batch | rank */
	const struct mp_model	*model;
	const struct mp_hardware *hw;		/* NULL without */
	struct mp_scenario	 sc;		/* the base, resolved */
	struct mp_sweep_point	*pt;
	size_t			 n;
	/* Set when some point's context is past what the model handles
	 * (mp_model_context_limit): that limit, and whether rope-scaled. */
	uint64_t		 ctx_limit;
	bool			 ctx_scaled;
};
/* over: "seq=1k..128k" (doubling), "seq=1024..8192:1024", "batch=1,8,32". */
bool	mp_planner_sweep(const struct mp_model *, const struct mp_hardware *,
	    const struct mp_scenario *base, const char *over, struct mp_sweep *,
	    struct mp_error *);
void	mp_sweep_fini(struct mp_sweep *);

/* Names used by the renderers: "bf16", "q4_k_m". */
const char *mp_scenario_weights_name(const struct mp_scenario *);
/* render_plan.c, render_junit.c: plan, fit, check and sweep reports */
bool	mp_render_plan_text(const struct mp_planres *,
	    const struct mp_render_opts *, FILE *);
bool	mp_render_plan_markdown(const struct mp_planres *,
	    const struct mp_render_opts *, FILE *);
bool	mp_render_plan_json(const struct mp_planres *,
	    const struct mp_render_opts *, FILE *);
/* The estimate report at the solved point, then the solution. */
bool	mp_render_fit_text(const struct mp_report *, const struct mp_fitres *,
	    const struct mp_render_opts *, FILE *);
bool	mp_render_fit_markdown(const struct mp_report *,
	    const struct mp_fitres *, const struct mp_render_opts *, FILE *);
bool	mp_render_fit_json(const struct mp_report *, const struct mp_fitres *,
	    const struct mp_render_opts *, FILE *);
bool	mp_render_check_text(const struct mp_check_report *,
	    const struct mp_render_opts *, FILE *);
bool	mp_render_check_markdown(const struct mp_check_report *,
	    const struct mp_render_opts *, FILE *);
bool	mp_render_check_json(const struct mp_check_report *,
	    const struct mp_render_opts *, FILE *);
/* JUnit XML: one testcase per check, a failure element when it fails. */
bool	mp_render_check_junit(const struct mp_check_report *,
	    const struct mp_render_opts *, FILE *);
bool	mp_render_sweep_text(const struct mp_sweep *,
	    const struct mp_render_opts *, FILE *);
bool	mp_render_sweep_markdown(const struct mp_sweep *,
	    const struct mp_render_opts *, FILE *);
bool	mp_render_sweep_json(const struct mp_sweep *,
	    const struct mp_render_opts *, FILE *);
bool	mp_render_sweep_csv(const struct mp_sweep *,
	    const struct mp_render_opts *, FILE *);
/* runtime_opts.c: --split-mode's names (the i-th, NULL past the end)
 * and their parser. */
const char *mp_split_mode_choice(size_t i);
bool	mp_split_mode_parse(const char *, enum mp_split_mode *);
/* vllm.c: the vLLM release whose defaults and memory profiler the
 * estimate follows; every vLLM estimate names it. */
#define MP_VLLM_VERSION	"0.21"
/* ollama.c: the Ollama release whose defaults --runtime ollama follows:
 * v0.15.5 brought the context tiers by VRAM (its release notes;
 * docs/context-length.mdx at commit 01562a7f describes the same). */
#define MP_OLLAMA_VERSION	"0.15.5"

/*
 * convert.c: conversion pipelines.
 * The pipeline names --convert-pipeline accepts, in a fixed order, for
 * planners that try each one and for help text: the i-th name, or NULL
 * past the end.
 */
const char *mp_convert_pipeline(size_t i);
/* What the planner needs to know about a pipeline; NULL when unknown. */
struct mp_pipeline_info {
	const char	*name;
	bool		 low_memory;	/* smaller pieces at a time, slower */
	const char	*output;	/* what it writes: "GGUF", ... */
	const char	*why;		/* one line for plan */
};
const struct mp_pipeline_info *mp_convert_pipeline_info(const char *name);

/*
 * Pictures of a memory estimate (bar.c, mermaid.c, render_svg.c,
 * chart_sweep.c) and the user's own machine (defaults.c).  Every
 * function writes only to the stream it is given.
 */
/* bar.c: a stacked bar of the components of mm (weights, kv_cache, ...)
 * against a capacity marker (none when capacity is 0), width cells wide
 * (10 to 400), in Unicode blocks or plain ASCII, with a legend.  Sizes
 * in units u. */
void	mp_bar_text(FILE *, const struct mp_memory *mm, uint64_t capacity,
	    unsigned width, bool unicode, enum mp_units u);
/* True when the locale (LC_ALL, LC_CTYPE, LANG) is UTF-8: draw blocks. */
bool	mp_bar_unicode(void);
/* mermaid.c: memory against x (context length, batch, rank) as a Mermaid
 * xychart-beta block (bars for totals, a line at capacity when capacity
 * is non-zero) followed by a markdown table with the same numbers, for
 * readers without Mermaid.  x_label names the x axis ("seq").  False
 * when n is 0 or larger than MP_CHART_MAX. */
#define MP_CHART_MAX	512
bool	mp_mermaid_xychart(FILE *, const char *title, const char *x_label,
	    const uint64_t *x, const uint64_t *totals, size_t n,
	    uint64_t capacity, enum mp_units);
/*
 * defaults.c: the user's own hardware profile.  mp_hardware_default()
 * copies into path the first of $MEMPLAN_HARDWARE,
 * $XDG_CONFIG_HOME/memplan/hardware.yaml and
 * ~/.config/memplan/hardware.yaml that is set and exists; false when none
 * is (a set $MEMPLAN_HARDWARE that names no file is returned anyway, so
 * that loading it names the file in the error).
 */
bool	mp_hardware_default(char *path, size_t len);
/*
 * Writes a hardware profile (YAML, memplan-hardware(5)) for this machine
 * from /proc/meminfo (MemTotal, SwapTotal) and, when nvidia-smi is on
 * PATH, its GPUs.  Nothing is guessed: what could not be detected is
 * left out of the profile and said, one sentence each, in notes.  False
 * only when the host memory itself cannot be read.
 */
bool	mp_hardware_detect(FILE *yaml_out, char *notes, size_t notes_len,
	    struct mp_error *);
/*
 * render_svg.c: memory totals against x (context length) as an SVG line
 * chart, 800 x 450 px, with the capacity as a dashed line (none when 0),
 * drawn by cairo.  Without the meson feature cairo it returns false, as
 * mp_render_svg_available() says beforehand; also false when n is 0 or
 * above MP_CHART_MAX or the stream fails.
 */
bool	mp_render_svg_available(void);
bool	mp_render_svg_curve(FILE *, const char *title, const uint64_t *x,
	    const uint64_t *totals, size_t n, uint64_t capacity,
	    enum mp_units);
/* The same with the x axis named by a sweep field ("seq", "batch",
 * "rank") or a caption of its own (the curve above: "seq").  Sizes in
 * the units given, both. */
bool	mp_render_svg_chart(FILE *, const char *title, const char *x_label,
	    const uint64_t *x, const uint64_t *totals, size_t n,
	    uint64_t capacity, enum mp_units);
/*
 * chart_sweep.c: charts of a struct mp_sweep (sweep.c).
 * mp_sweep_curve() gives each point that has an estimate: x (the swept
 * value) and y (the memory the hardware judges: device memory on an
 * accelerator, host memory on the CPU; memory.total without hardware),
 * and the capacity (0 without hardware).  x and y hold s->n entries.
 */
bool	mp_sweep_curve(const struct mp_sweep *, uint64_t *x, uint64_t *y,
	    size_t *n, uint64_t *capacity);
/* Renderers with the signature of the sweep renderers: a Mermaid chart
 * plus its table (markdown), or an SVG chart (false without cairo). */
bool	mp_render_sweep_mermaid(const struct mp_sweep *,
	    const struct mp_render_opts *, FILE *);
bool	mp_render_sweep_svg(const struct mp_sweep *,
	    const struct mp_render_opts *, FILE *);
/* The context-length curve of one scenario for plan and fit reports:
 * seq from 1k doubling to the model's max_position_embeddings. */
bool	mp_sweep_context(const struct mp_model *, const struct mp_hardware *,
	    const struct mp_scenario *base, struct mp_sweep *,
	    struct mp_error *);
/* speed.c: "memory" or "compute", what bounds a rate; --bench tests. */
const char *mp_bound_name(enum mp_bound);
/* "pp512,tg128,pp2048@d4096" (k multiples allowed: pp2k). */
bool	mp_bench_parse(const char *, struct mp_bench_test *, size_t *n,
	    char *why, size_t whylen);
void	mp_bench_name(const struct mp_bench_test *, char *, size_t);

#ifdef __cplusplus
}
#endif
#if defined(__GNUC__)
#pragma GCC visibility pop
#endif

#endif /* MEMPLAN_H */
