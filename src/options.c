/* options.c: every option of the command line and of plan files, once */
/* SPDX-License-Identifier: MIT */
/*
 * How to add an option
 * --------------------
 * 1. Add its id to enum mp_opt_id (memplan.h), before MP_O__COUNT.
 * 2. Add one row to opts[] below: the CLI spelling ("n-cpu-moe"), a short
 *    letter or 0, the plan-file spelling ("n_cpu_moe", NULL when plan
 *    files cannot say it), the MP_OPT_* group of the commands that accept
 *    it, its kind and then what the kind needs:
 *      MP_OK_UINT  min, max, whether "32k" (x1024) is accepted, and a word
 *                  also accepted in place of a number ("all") or NULL;
 *      MP_OK_ENUM  choice(i): the i-th accepted name, read from the module
 *                  that owns the set (scenario.c, convert.c, gguf_quant.c,
 *                  render_formats.c...), never a copied list;
 *      MP_OK_FLAG  nothing: "--grad-ckpt" alone on the command line,
 *                  true/false (yes/no, on/off) in a plan file;
 *      MP_OK_SIZE  "24 GiB", "24GB", bytes (mp_parse_size);
 *      MP_OK_TEXT  max = the longest value accepted.
 *    Scenario options get a setter that stores the checked value in
 *    struct mp_scenario (u holds the number for MP_OK_UINT, 1/0 for a
 *    flag; UINT64_MAX for the UINT word).  Options that are not part of a
 *    scenario (--format, --hardware, plan-file max_memory) have no setter:
 *    their reader (src/cli/args.c, src/planfile.c) stores them by id.
 *    given: an MP_GIVEN_* bit when callers need to know it was said.
 *    late: set after every other option of the same line or check (the
 *    weights' meaning depends on mode and runtime).
 *    arg, help, dflt: what --help prints ("N", "tokens of context", "4096").
 * 3. Document it in man/memplan.1 (tests/man checks every --help option).
 * The CLI parser, the plan-file reader, --help, the shell completion and
 * every "expected ..." message read this table; nothing else lists options.
 */
#include <stdio.h>
#include <string.h>

#include "internal.h"

/* Bounds that keep the estimate's products inside 64 bits (scenario.c). */
#define MAX_BATCH	(1ULL << 20)
#define MAX_SEQ		(1ULL << 30)

static const char *const tristates[] = { "auto", "on", "off", NULL };
static const char *const onoff[] = { "on", "off", NULL };
static const char *const amps[] = { "bf16", "fp16", NULL };

static const char *tri_choice(size_t i) { return i < 3 ? tristates[i] : NULL; }
static const char *onoff_choice(size_t i) { return i < 2 ? onoff[i] : NULL; }
static const char *amp_choice(size_t i) { return i < 2 ? amps[i] : NULL; }

/*
 * The names --weights accepts: the float and bitsandbytes formats
 * (dtype.c), then the GGUF types (gguf_quant.c) not listed already ("" is
 * a hole the caller skips).
 */
static const char *
weights_choice(size_t i)
{
	const char	*s;
	enum mp_dtype	 dt;
	size_t		 n, k;

	for (n = 0; mp_weights_format(n) != NULL; n++)
		continue;
	if (i < n)
		return mp_weights_format(i);
	if ((s = mp_gguf_ftype_name(i - n)) == NULL)
		return NULL;
	dt = mp_dtype_parse(s);
	if (dt != MP_DT_NONE && mp_dtype_info(dt)->is_float)
		return "";	/* f32, f16, bf16: fp32, fp16, bf16 above */
	for (k = 0; k < n; k++)
		if (strcmp(s, mp_weights_format(k)) == 0)
			return "";
	return s;
}

/* auto/on/off; true and false are YAML's spellings of on and off. */
static bool
tristate(const char *v, bool allow_auto, enum mp_tristate *t)
{
	if (strcmp(v, "on") == 0 || strcmp(v, "true") == 0)
		*t = MP_ON;
	else if (strcmp(v, "off") == 0 || strcmp(v, "false") == 0)
		*t = MP_OFF;
	else if (allow_auto && strcmp(v, "auto") == 0)
		*t = MP_AUTO;
	else
		return false;
	return true;
}

static bool
set_mode(struct mp_scenario *sc, const char *v, uint64_t u)
{
	(void)u;
	return mp_mode_parse(v, &sc->mode);
}

/*
 * --weights names a float or bitsandbytes type, or a GGUF ftype; a name
 * both can mean (q8_0, bf16) goes to the GGUF module under llama.cpp and
 * conversions, which price it per tensor as llama-quantize writes it.
 * Set late: mode and runtime are known by then.
 */
static bool
set_weights(struct mp_scenario *sc, const char *v, uint64_t u)
{
	enum mp_dtype	 dt;
	char		 lower[16];
	size_t		 i;
	bool		 gguf;

	(void)u;
	if (strlen(v) >= sizeof(lower))
		return false;
	for (i = 0; v[i] != '\0'; i++)
		lower[i] = (char)(v[i] >= 'A' && v[i] <= 'Z' ? v[i] + 32 : v[i]);
	lower[i] = '\0';
	dt = mp_dtype_parse(lower);
	gguf = mp_gguf_ftype_known(lower);
	if (gguf && (sc->runtime == MP_RT_LLAMACPP ||
	    sc->mode == MP_MODE_CONVERT || dt == MP_DT_NONE)) {
		memcpy(sc->ftype, lower, strlen(lower) + 1);
		sc->weights = mp_dtype_info(dt)->is_float ? dt : MP_DT_NONE;
		return true;
	}
	if (dt == MP_DT_NONE)
		return false;
	sc->weights = dt;
	sc->ftype[0] = '\0';
	return true;
}

static bool
set_batch(struct mp_scenario *sc, const char *v, uint64_t u)
{
	(void)v;
	sc->batch = u;
	return true;
}

static bool
set_seq(struct mp_scenario *sc, const char *v, uint64_t u)
{
	(void)v;
	sc->seq = u;
	return true;
}

static bool
set_kv(struct mp_scenario *sc, const char *v, uint64_t u)
{
	enum mp_dtype dt = mp_dtype_parse(v);

	(void)u;
	if (!mp_kv_dtype_ok(dt))
		return false;
	sc->kv_dtype = dt;
	return true;
}

static bool
set_runtime(struct mp_scenario *sc, const char *v, uint64_t u)
{
	(void)u;
	sc->ollama = strcmp(v, "ollama") == 0;
	return mp_runtime_parse(v, &sc->runtime);
}

static bool
set_rank(struct mp_scenario *sc, const char *v, uint64_t u)
{
	(void)v;
	sc->rank = (uint32_t)u;
	return true;
}

static bool
set_targets(struct mp_scenario *sc, const char *v, uint64_t u)
{
	const char *p;

	(void)u;
	/* A comma-separated list of names; "" or ",," names nothing (the
	 * model decides which names exist: lora.c). */
	if (*v == '\0' || *v == ',' || v[strlen(v) - 1] == ',' ||
	    strstr(v, ",,") != NULL)
		return false;
	for (p = v; *p != '\0'; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '_' || *p == '-' ||
		    *p == '.' || *p == ','))
			return false;
	snprintf(sc->lora_targets, sizeof(sc->lora_targets), "%s", v);
	return true;
}

static bool
set_optim(struct mp_scenario *sc, const char *v, uint64_t u)
{
	(void)u;
	return mp_optim_parse(v, &sc->optimizer);
}

static bool
set_ckpt(struct mp_scenario *sc, const char *v, uint64_t u)
{
	(void)v;
	sc->grad_ckpt = u != 0;
	return true;
}

static bool
set_amp(struct mp_scenario *sc, const char *v, uint64_t u)
{
	enum mp_dtype dt = mp_dtype_parse(v);

	(void)u;
	if (dt != MP_DT_BF16 && dt != MP_DT_F16)
		return false;
	sc->amp = dt;
	return true;
}

static bool
set_gpus(struct mp_scenario *sc, const char *v, uint64_t u)
{
	(void)v;
	sc->gpus = (uint32_t)u;
	return true;
}

static bool
set_parallel(struct mp_scenario *sc, const char *v, uint64_t u)
{
	(void)u;
	return mp_parallel_parse(v, &sc->parallel);
}

static bool
set_headroom(struct mp_scenario *sc, const char *v, uint64_t u)
{
	char why[8];

	(void)u;
	return mp_parse_headroom(v, sc, why, sizeof(why));
}

static bool
set_layers(struct mp_scenario *sc, const char *v, uint64_t u)
{
	(void)v;
	sc->gpu_layers_set = true;
	sc->gpu_layers = u == UINT64_MAX ? -1 : (int64_t)u;
	return true;
}

static bool
set_fa(struct mp_scenario *sc, const char *v, uint64_t u)
{
	(void)u;
	return tristate(v, true, &sc->flash_attn);
}

static bool
set_ubatch(struct mp_scenario *sc, const char *v, uint64_t u)
{
	(void)v;
	sc->ubatch = (uint32_t)u;
	return true;
}

static bool
set_mmap(struct mp_scenario *sc, const char *v, uint64_t u)
{
	(void)u;
	return tristate(v, false, &sc->mmap);
}

/* llama.cpp placement (issue 13); the values' owner is runtime_opts.c. */
static bool
set_n_cpu_moe(struct mp_scenario *sc, const char *v, uint64_t u)
{
	(void)v;
	sc->n_cpu_moe = u >= MP_CPU_MOE_ALL ? MP_CPU_MOE_ALL : (uint32_t)u;
	return true;
}

static bool
set_cpu_moe(struct mp_scenario *sc, const char *v, uint64_t u)
{
	(void)v;
	sc->n_cpu_moe = u ? MP_CPU_MOE_ALL : 0;
	return true;
}

static bool
set_tensor_split(struct mp_scenario *sc, const char *v, uint64_t u)
{
	(void)u;
	return mp_tensor_split_parse(sc, v);
}

static bool
set_override_tensor(struct mp_scenario *sc, const char *v, uint64_t u)
{
	char why[8];

	(void)u;
	if (strlen(v) >= sizeof(sc->override_tensor) ||
	    !mp_override_check(v, why, sizeof(why)))
		return false;
	snprintf(sc->override_tensor, sizeof(sc->override_tensor), "%s", v);
	return true;
}

static bool
set_fit(struct mp_scenario *sc, const char *v, uint64_t u)
{
	(void)v;
	sc->fit = u != 0;
	return true;
}

static bool
set_fit_target(struct mp_scenario *sc, const char *v, uint64_t u)
{
	(void)v;
	sc->fit_target_mib = (uint32_t)u;
	sc->fit_target_set = true;
	return true;
}

static bool
set_split_mode(struct mp_scenario *sc, const char *v, uint64_t u)
{
	(void)u;
	return mp_split_mode_parse(v, &sc->split_mode);
}

static bool
set_main_gpu(struct mp_scenario *sc, const char *v, uint64_t u)
{
	(void)v;
	sc->main_gpu = (uint32_t)u;
	return true;
}

static bool
set_kv_unified(struct mp_scenario *sc, const char *v, uint64_t u)
{
	(void)v;
	sc->kv_unified = u != 0;
	return true;
}

static bool
set_swa_full(struct mp_scenario *sc, const char *v, uint64_t u)
{
	(void)v;
	sc->swa_full = u != 0;
	return true;
}

/* llama.cpp's -np: sequences side by side, each with --seq cells; the
 * quantity --batch names for the other runtimes. */
static bool
set_slots(struct mp_scenario *sc, const char *v, uint64_t u)
{
	(void)v;
	sc->batch = u;
	return true;
}

/* --mmproj TYPE: which projector file; mmproj.c checks the model. */
static bool
set_mmproj(struct mp_scenario *sc, const char *v, uint64_t u)
{
	size_t i;

	(void)u;
	for (i = 0; mp_mmproj_type_choice(i) != NULL; i++)
		if (strcmp(mp_mmproj_type_choice(i), v) == 0)
			break;
	if (mp_mmproj_type_choice(i) == NULL || strlen(v) >= sizeof(sc->mmproj))
		return false;
	memcpy(sc->mmproj, v, strlen(v) + 1);
	return true;
}

static bool
set_image_size(struct mp_scenario *sc, const char *v, uint64_t u)
{
	(void)v;
	sc->image_size = (uint32_t)u;
	return true;
}

/* --draft MODEL: loaded (once per main model) when estimated. */
static bool
set_draft(struct mp_scenario *sc, const char *v, uint64_t u)
{
	(void)u;
	if (v[0] == '\0' || strlen(v) >= sizeof(sc->draft))
		return false;
	memcpy(sc->draft, v, strlen(v) + 1);
	return true;
}

static bool
set_draft_layers(struct mp_scenario *sc, const char *v, uint64_t u)
{
	(void)v;
	sc->draft_gpu_layers = u == UINT64_MAX ? -1 : (int64_t)u;
	sc->draft_gpu_layers_set = true;
	return true;
}

static bool
set_draft_ctx(struct mp_scenario *sc, const char *v, uint64_t u)
{
	(void)v;
	sc->draft_ctx = u;
	return true;
}

static bool
set_pipeline(struct mp_scenario *sc, const char *v, uint64_t u)
{
	size_t i;

	(void)u;
	for (i = 0; mp_convert_pipeline(i) != NULL; i++)
		if (strcmp(v, mp_convert_pipeline(i)) == 0) {
			snprintf(sc->pipeline, sizeof(sc->pipeline), "%s", v);
			return true;
		}
	return false;
}

static bool
set_group(struct mp_scenario *sc, const char *v, uint64_t u)
{
	(void)v;
	sc->group_size = (uint32_t)u;
	return true;
}

/* llama-bench tests (speed.c checks the list, with its message). */
static bool
set_bench(struct mp_scenario *sc, const char *v, uint64_t u)
{
	char	 why[160];
	size_t	 n;

	(void)u;
	if (!mp_bench_parse(v, sc->bench, &n, why, sizeof(why)))
		return false;
	sc->n_bench = (uint32_t)n;
	return true;
}

static bool
set_dq(struct mp_scenario *sc, const char *v, uint64_t u)
{
	(void)v;
	sc->double_quant = u != 0;
	return true;
}

static bool
set_nodes(struct mp_scenario *sc, const char *v, uint64_t u)
{
	(void)v;
	sc->nodes = (uint32_t)u;
	return true;
}

static bool
set_offload(struct mp_scenario *sc, const char *v, uint64_t u)
{
	(void)u;
	return mp_offload_parse(v, &sc->offload);
}

static bool
set_fsdp_version(struct mp_scenario *sc, const char *v, uint64_t u)
{
	(void)v;
	sc->fsdp_version = (uint32_t)u;
	return true;
}

static bool
set_ds_config(struct mp_scenario *sc, const char *v, uint64_t u)
{
	(void)u;
	sc->ds_hf_auto = strcmp(v, "hf-auto") == 0;
	return true;
}

static bool
set_expseg(struct mp_scenario *sc, const char *v, uint64_t u)
{
	(void)v;
	sc->expandable_segments = u != 0;
	return true;
}

/* vLLM engine arguments (issue 13); vllm.c models them. */
static bool
set_eager(struct mp_scenario *sc, const char *v, uint64_t u)
{
	(void)v;
	sc->enforce_eager = u != 0;
	return true;
}

static bool
set_gpu_util(struct mp_scenario *sc, const char *v, uint64_t u)
{
	char why[8];

	(void)u;
	return mp_vllm_parse_fraction(v, &sc->gpu_util, why, sizeof(why));
}

static bool
set_accept(struct mp_scenario *sc, const char *v, uint64_t u)
{
	char why[8];

	(void)u;
	return mp_vllm_parse_fraction(v, &sc->spec_accept, why, sizeof(why));
}

static bool
set_max_batched(struct mp_scenario *sc, const char *v, uint64_t u)
{
	(void)v;
	sc->max_batched_tokens = u;
	return true;
}

static bool
set_max_seqs(struct mp_scenario *sc, const char *v, uint64_t u)
{
	(void)v;
	sc->max_num_seqs = u;
	return true;
}

static bool
set_spec(struct mp_scenario *sc, const char *v, uint64_t u)
{
	(void)u;
	return mp_spec_parse(v, &sc->speculative);
}

/* --attn: transformers' attn_implementation (scenario.c). */
static bool
set_attn(struct mp_scenario *sc, const char *v, uint64_t u)
{
	(void)u;
	return mp_attn_parse(v, &sc->attn);
}

static bool
set_spec_tokens(struct mp_scenario *sc, const char *v, uint64_t u)
{
	(void)v;
	sc->spec_tokens = (uint32_t)u;
	return true;
}

#define SC	MP_OPT_SCENARIO
#define UINT(lo, hi, k, word)	MP_OK_UINT, lo, hi, k, word, NULL
#define ENUM(fn)		MP_OK_ENUM, 0, 0, false, NULL, fn
#define FLAG			MP_OK_FLAG, 0, 0, false, NULL, NULL
#define TEXT(len)		MP_OK_TEXT, 0, len, false, NULL, NULL
#define SIZE			MP_OK_SIZE, 0, 0, false, NULL, NULL

static const struct mp_optspec opts[] = {
	/* Scenario: the command line and plan files. */
	{ MP_O_MODE, "mode", 0, "mode", SC, ENUM(mp_mode_choice),
	  set_mode, MP_GIVEN_MODE, false,
	  "M", "what to run", "infer" },
	{ MP_O_WEIGHTS, "weights", 0, "weights", SC, ENUM(weights_choice),
	  set_weights, MP_GIVEN_WEIGHTS, true,
	  "W", "weight format", "the checkpoint's" },
	{ MP_O_BATCH, "batch", 0, "batch", SC, UINT(1, MAX_BATCH, true, NULL),
	  set_batch, MP_GIVEN_BATCH, false,
	  "N", "sequences at once (1k = 1024)", "1" },
	{ MP_O_SEQ, "seq", 0, "seq", SC, UINT(1, MAX_SEQ, true, NULL),
	  set_seq, MP_GIVEN_SEQ, false,
	  "N", "tokens of context (1k = 1024)", "min(max positions, 4096)" },
	{ MP_O_KV, "kv-dtype", 0, "kv_dtype", SC, ENUM(mp_kv_dtype_choice),
	  set_kv, 0, false,
	  "T", "KV cache type", "the weights' float type" },
	{ MP_O_RUNTIME, "runtime", 0, "runtime", SC, ENUM(mp_runtime_choice),
	  set_runtime, MP_GIVEN_RUNTIME, false,
	  "R", "inference runtime", "transformers" },
	{ MP_O_RANK, "rank", 0, "rank", SC, UINT(1, 65536, false, NULL),
	  set_rank, 0, false,
	  "R", "LoRA rank", "16" },
	{ MP_O_TARGETS, "lora-targets", 0, "lora_targets", SC, TEXT(255),
	  set_targets, 0, false,
	  "LIST", "all-linear, attn, mlp or module names (q_proj,v_proj)",
	  "all-linear" },
	{ MP_O_OPTIM, "optimizer", 0, "optimizer", SC, ENUM(mp_optim_choice),
	  set_optim, 0, false,
	  "O", "training optimizer", "adamw" },
	{ MP_O_CKPT, "grad-ckpt", 0, "grad_ckpt", SC, FLAG,
	  set_ckpt, 0, false,
	  NULL, "gradient checkpointing", NULL },
	{ MP_O_AMP, "amp", 0, "amp", SC, ENUM(amp_choice),
	  set_amp, 0, false,
	  "T", "mixed precision over fp32 weights", NULL },
	{ MP_O_GPUS, "gpus", 0, "gpus", SC, UINT(1, 1024, false, NULL),
	  set_gpus, 0, false,
	  "N", "GPUs to use (more than --hardware has is an error)",
	  "all of --hardware" },
	{ MP_O_PARALLEL, "parallel", 0, "parallel", SC,
	  ENUM(mp_parallel_choice), set_parallel, 0, false,
	  "P", "how training spreads over GPUs", "none" },
	{ MP_O_HEADROOM, "headroom", 0, "headroom", SC, TEXT(40),
	  set_headroom, 0, false,
	  "SIZE|PCT", "margin a fit keeps on the fullest GPU or RAM "
	  "(2 GiB, 15%)", "10%" },
	{ MP_O_LAYERS, "gpu-layers", 0, "gpu_layers", SC,
	  UINT(0, 1u << 20, false, "all"), set_layers, 0, false,
	  "N", "llama.cpp: layers on the GPU, a number or all", "all" },
	{ MP_O_FA, "flash-attn", 0, "flash_attn", SC, ENUM(tri_choice),
	  set_fa, 0, false,
	  "F", "llama.cpp: flash attention", "auto" },
	{ MP_O_UBATCH, "ubatch", 0, "ubatch", SC,
	  UINT(1, 1u << 20, true, NULL), set_ubatch, 0, false,
	  "N", "llama.cpp: physical batch (1k = 1024)", "512" },
	{ MP_O_MMAP, "mmap", 0, "mmap", SC, ENUM(onoff_choice),
	  set_mmap, 0, false,
	  "M", "llama.cpp: map the model file", "on" },
	{ MP_O_PIPELINE, "convert-pipeline", 0, "convert_pipeline", SC,
	  ENUM(mp_convert_pipeline), set_pipeline, MP_GIVEN_PIPELINE, false,
	  "P", "conversion pipeline (implies --mode convert)", NULL },
	{ MP_O_GROUP, "group-size", 0, "group_size", SC,
	  UINT(1, 1u << 20, false, NULL), set_group, 0, false,
	  "N", "gptq/awq group size", "128" },
	{ MP_O_DQ, "double-quant", 0, "double_quant", SC, FLAG,
	  set_dq, 0, false,
	  NULL, "nf4/fp4: quantize the quantization constants", NULL },
	{ MP_O_EXPSEG, "expandable-segments", 0, "expandable_segments", SC,
	  FLAG, set_expseg, 0, false,
	  NULL, "PyTorch: PYTORCH_CUDA_ALLOC_CONF=expandable_segments:True",
	  NULL },
	{ MP_O_BENCH, "bench", 0, "bench", SC, TEXT(255),
	  set_bench, 0, false,
	  "TESTS", "llama-bench tests to estimate with --hardware "
	  "(pp512,tg128,pp2048@d4096)", NULL },
	{ MP_O_N_CPU_MOE, "n-cpu-moe", 0, "n_cpu_moe", SC,
	  UINT(0, 1u << 20, false, "all"), set_n_cpu_moe, 0, false,
	  "N", "llama.cpp: expert tensors of the first N layers in host "
	  "memory", "0" },
	{ MP_O_CPU_MOE, "cpu-moe", 0, "cpu_moe", SC, FLAG,
	  set_cpu_moe, 0, false,
	  NULL, "llama.cpp: every layer's expert tensors in host memory",
	  NULL },
	{ MP_O_TENSOR_SPLIT, "tensor-split", 0, "tensor_split", SC, TEXT(200),
	  set_tensor_split, 0, false,
	  "A,B", "proportions per GPU for llama.cpp, like 3,1 (not all zero)",
	  "free memory" },
	{ MP_O_SPLIT_MODE, "split-mode", 0, "split_mode", SC,
	  ENUM(mp_split_mode_choice), set_split_mode, 0, false,
	  "S", "llama.cpp: split layers, matrix rows, or none (main GPU)",
	  "layer" },
	{ MP_O_MAIN_GPU, "main-gpu", 0, "main_gpu", SC,
	  UINT(0, MP_MAX_GPUS - 1, false, NULL), set_main_gpu, 0, false,
	  "I", "llama.cpp: the GPU of split modes none and row", "0" },
	{ MP_O_OVERRIDE_TENSOR, "override-tensor", 0, "override_tensor", SC,
	  TEXT(1023), set_override_tensor, 0, false,
	  "P=B,...", "llama.cpp -ot: tensors whose name matches regex P "
	  "go to buffer B (CPU, CUDA0, ...)", NULL },
	{ MP_O_FIT, "fit", 0, "fit", SC, FLAG, set_fit, 0, false,
	  NULL, "llama.cpp --fit on (-ngl auto): the context, -ngl, -ts and "
	  "expert overrides llama_params_fit picks for --hardware", NULL },
	{ MP_O_FIT_TARGET, "fit-target", 0, "fit_target", SC,
	  UINT(0, 1u << 20, false, NULL), set_fit_target, 0, false,
	  "MIB", "llama.cpp --fit-target: MiB --fit leaves free per GPU",
	  "1024" },
	{ MP_O_KV_UNIFIED, "kv-unified", 0, "kv_unified", SC, FLAG,
	  set_kv_unified, 0, false,
	  NULL, "llama.cpp: one KV cache shared by all sequences", NULL },
	{ MP_O_SWA_FULL, "swa-full", 0, "swa_full", SC, FLAG,
	  set_swa_full, 0, false,
	  NULL, "llama.cpp: full-size cache for sliding-window layers", NULL },
	{ MP_O_PARALLEL_SLOTS, "parallel-slots", 0, "parallel_slots", SC,
	  UINT(1, 256, false, NULL), set_slots, 0, false,
	  "N", "llama.cpp: -np, sequences served side by side (= --batch)",
	  "1" },
	{ MP_O_MMPROJ, "mmproj", 0, "mmproj", SC,
	  ENUM(mp_mmproj_type_choice), set_mmproj, 0, false,
	  "T", "llama.cpp: add the vision projector GGUF in this type "
	  "(multimodal models)", NULL },
	{ MP_O_IMAGE_SIZE, "image-size", 0, "image_size", SC,
	  UINT(1, 1u << 16, false, NULL), set_image_size, 0, false,
	  "PX", "llama.cpp --mmproj: the largest picture's side in pixels",
	  "the encoder's warm-up image" },
	{ MP_O_DRAFT, "draft", 0, "draft", SC, TEXT(511),
	  set_draft, 0, false,
	  "MODEL", "llama.cpp or vLLM: a draft model for speculative "
	  "decoding (llama-server -md, vLLM's speculative_config)", NULL },
	{ MP_O_DRAFT_LAYERS, "draft-gpu-layers", 0, "draft_gpu_layers", SC,
	  UINT(0, 1u << 20, false, "all"), set_draft_layers, 0, false,
	  "N", "llama.cpp --draft: the draft's layers on the GPU (-ngld)",
	  "all" },
	{ MP_O_DRAFT_CTX, "draft-ctx", 0, "draft_ctx", SC,
	  UINT(1, MAX_SEQ, true, NULL), set_draft_ctx, 0, false,
	  "N", "llama.cpp --draft: each slot's draft context (-cd)",
	  "a slot's context" },
	{ MP_O_NODES, "nodes", 0, "nodes", SC, UINT(1, 4096, false, NULL),
	  set_nodes, 0, false,
	  "N", "identical machines (each with the profile's GPUs)", "1" },
	{ MP_O_OFFLOAD, "offload", 0, "offload", SC, ENUM(mp_offload_choice),
	  set_offload, 0, false,
	  "O", "ZeRO/FSDP: states to host RAM (cpu) or disk (nvme)", "none" },
	{ MP_O_FSDP_VERSION, "fsdp-version", 0, "fsdp_version", SC,
	  UINT(1, 2, false, NULL), set_fsdp_version, 0, false,
	  "V", "FSDP: 1 (FullyShardedDataParallel, flat parameters) or 2 "
	  "(fully_shard, per-parameter shards)", "1, accelerate's default" },
	{ MP_O_DS_CONFIG, "ds-config", 0, "ds_config", SC,
	  ENUM(mp_ds_config_choice), set_ds_config, 0, false,
	  "C", "ZeRO buckets: DeepSpeed's defaults, or HF's \"auto\" values "
	  "from the hidden size (a ds_config.json as in transformers' docs)",
	  "defaults" },
	{ MP_O_ENFORCE_EAGER, "enforce-eager", 0, "enforce_eager", SC, FLAG,
	  set_eager, 0, false,
	  NULL, "vLLM: no CUDA graphs (and no graph memory)", NULL },
	{ MP_O_MAX_BATCHED, "max-num-batched-tokens", 0,
	  "max_num_batched_tokens", SC, UINT(1, 1u << 24, true, NULL),
	  set_max_batched, 0, false,
	  "N", "vLLM: tokens per step, the profiling run's batch "
	  "(1k = 1024)", "8192 on cards of 70 GiB or more, else 2048" },
	{ MP_O_MAX_SEQS, "max-num-seqs", 0, "max_num_seqs", SC,
	  UINT(1, 1u << 16, false, NULL), set_max_seqs, 0, false,
	  "N", "vLLM: sequences per step (sampler rows, CUDA graph sizes)",
	  "1024 on cards of 70 GiB or more, else 256" },
	{ MP_O_SPECULATIVE, "speculative", 0, "speculative", SC,
	  ENUM(mp_spec_choice), set_spec, 0, false,
	  "M", "vLLM speculative decoding without a draft model: ngram "
	  "(prompt lookup) or mtp (the model's own MTP layers)", NULL },
	{ MP_O_SPEC_TOKENS, "num-speculative-tokens", 0,
	  "num_speculative_tokens", SC, UINT(1, 16, false, NULL),
	  set_spec_tokens, 0, false,
	  "K", "vLLM: tokens proposed per step", "mtp: the MTP layers" },
	{ MP_O_GPU_UTIL, "gpu-memory-utilization", 0,
	  "gpu_memory_utilization", SC, TEXT(16), set_gpu_util, 0, false,
	  "F", "vLLM: the share of each card vLLM may use, in (0, 1]",
	  "0.9" },
	{ MP_O_ACCEPT, "acceptance-rate", 0, "acceptance_rate", SC,
	  TEXT(16), set_accept, 0, false,
	  "F", "vLLM speculative decoding: the share of proposed tokens "
	  "accepted, for its speed", "0.85 for mtp, else 0.6 (assumed)" },
	{ MP_O_ATTN, "attn", 0, "attn", SC, ENUM(mp_attn_choice),
	  set_attn, 0, false,
	  "A", "transformers: attention implementation, sdpa, eager or "
	  "flash2 (attn_implementation=\"flash_attention_2\")",
	  "sdpa, or eager where the model has no SDPA path" },
	/* The machine: a CLI option and a plan-file key (a path there). */
	{ MP_O_HARDWARE, "hardware", 0, "hardware", MP_OPT_HARDWARE,
	  TEXT(1023), NULL, 0, false,
	  "HW", "a YAML profile path or a bundled name (memplan hardware)",
	  NULL },
	/* Plan files only: a budget instead of (or below) the hardware. */
	{ MP_O_MAX_MEMORY, NULL, 0, "max_memory", 0, SIZE, NULL, 0, false,
	  "SIZE", "memory budget", NULL },
	/* Commands and output: the command line only. */
	{ MP_O_SOLVE, "solve", 0, NULL, MP_OPT_SOLVE, ENUM(mp_solve_choice),
	  NULL, 0, false,
	  "X", "fit: what to solve for", NULL },
	{ MP_O_OVER, "over", 0, NULL, MP_OPT_OVER, TEXT(255), NULL, 0, false,
	  "X=A..B", "sweep: the range (seq=1k..128k, batch=1,2,4)", NULL },
	{ MP_O_DETECT, "detect", 0, NULL, MP_OPT_DETECT, FLAG, NULL, 0, false,
	  NULL, "hardware: describe this machine", NULL },
	{ MP_O_FORMAT, "format", 'f', NULL, MP_OPT_FORMAT,
	  ENUM(mp_format_name), NULL, 0, false,
	  "F", "output format (each command takes some)", "text" },
	{ MP_O_OUTPUT, "output", 'o', NULL, MP_OPT_FORMAT, TEXT(1023), NULL,
	  0, false,
	  "FILE", "write there (atomically) instead of stdout", NULL },
	{ MP_O_UNITS, "units", 0, NULL, MP_OPT_FORMAT, ENUM(mp_units_choice),
	  NULL, 0, false,
	  "U", "sizes in GiB (2^30) or GB (10^9)", "iec" },
	{ MP_O_COLOR, "color", 0, NULL, MP_OPT_FORMAT, FLAG, NULL, 0, false,
	  NULL, "draw the stacked memory bar even when not a terminal", NULL },
	{ MP_O_HELP, "help", 'h', NULL, 0, FLAG, NULL, 0, false,
	  NULL, "this help", NULL },
	/* Remote models (remote_hf.c): the command line only; plan files
	 * say Org/Name@REV. */
	{ MP_O_REVISION, "revision", 0, NULL, MP_OPT_REMOTE, TEXT(255), NULL,
	  0, false,
	  "REV", "a Hub repo's branch, tag or commit (Org/Name@REV wins)",
	  "main" },
	{ MP_O_OFFLINE, "offline", 0, NULL, MP_OPT_REMOTE, FLAG, NULL, 0,
	  false,
	  NULL, "remote models from memplan's cache only (as "
	  "HF_HUB_OFFLINE=1)", NULL },
};

#define NOPTS	(sizeof(opts) / sizeof(opts[0]))

const struct mp_optspec *
mp_options(size_t *n)
{
	*n = NOPTS;
	return opts;
}

const struct mp_optspec *
mp_option_by_id(enum mp_opt_id id)
{
	size_t i;

	for (i = 0; i < NOPTS; i++)
		if (opts[i].id == id)
			return &opts[i];
	return NULL;
}

const struct mp_optspec *
mp_option_cli(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < NOPTS; i++)
		if (opts[i].cli != NULL && strlen(opts[i].cli) == len &&
		    strncmp(opts[i].cli, name, len) == 0)
			return &opts[i];
	return NULL;
}

const struct mp_optspec *
mp_option_short(char c)
{
	size_t i;

	for (i = 0; i < NOPTS && c != 0; i++)
		if (opts[i].shrt == c)
			return &opts[i];
	return NULL;
}

const struct mp_optspec *
mp_option_file(const char *key)
{
	size_t i;

	for (i = 0; i < NOPTS; i++)
		if (opts[i].file != NULL && strcmp(opts[i].file, key) == 0)
			return &opts[i];
	return NULL;
}

const char *
mp_option_choice(const struct mp_optspec *o, size_t i)
{
	const char	*s;
	size_t		 k, seen = 0;

	if (o->kind != MP_OK_ENUM || o->choice == NULL)
		return NULL;
	/* An owner may leave holes (""): skip them. */
	for (k = 0; (s = o->choice(k)) != NULL; k++)
		if (s[0] != '\0' && seen++ == i)
			return s;
	return NULL;
}

size_t
mp_option_choices(const struct mp_optspec *o, const char *sep,
    const char *last, char *buf, size_t len)
{
	const char	*s;
	size_t		 i, n, used = 0;

	if (len == 0)
		return 0;
	buf[0] = '\0';
	for (n = 0; mp_option_choice(o, n) != NULL; n++)
		continue;
	for (i = 0; i < n; i++) {
		s = mp_option_choice(o, i);
		used += (size_t)snprintf(buf + (used < len ? used : len - 1),
		    used < len ? len - used : 1, "%s%s",
		    i == 0 ? "" : i + 1 == n && last != NULL ? last : sep, s);
	}
	return n;
}

/*
 * "expected a, b or c"; a long set (the GGUF types) names its first
 * MAX_LISTED and points at --help for the rest, so the line stays a line.
 */
#define MAX_LISTED	12

void
mp_option_expected(const struct mp_optspec *o, char *buf, size_t len)
{
	size_t	 i, n, used;

	for (n = 0; mp_option_choice(o, n) != NULL; n++)
		continue;
	if (n <= MAX_LISTED) {
		used = (size_t)snprintf(buf, len, "expected ");
		if (used < len)
			mp_option_choices(o, ", ", " or ", buf + used,
			    len - used);
		return;
	}
	used = (size_t)snprintf(buf, len, "expected one of");
	for (i = 0; i < MAX_LISTED && used < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s %s",
		    i ? "," : "", mp_option_choice(o, i));
	if (used < len)
		snprintf(buf + used, len - used, ", ... (%zu in all: memplan "
		    "--help)", n);
}

bool
mp_option_set(const struct mp_optspec *o, const char *v,
    struct mp_scenario *sc, char *why, size_t whylen)
{
	struct mp_suggest sg;
	char		 list[1024];
	uint64_t	 u = 0;
	size_t		 i;
	const char	*s;
	bool		 ok;

	switch (o->kind) {
	case MP_OK_UINT:
		if (o->word != NULL && strcmp(v, o->word) == 0) {
			u = UINT64_MAX;
			break;
		}
		if (!mp_parse_uint(v, o->min, o->max, o->kmul, &u, why,
		    whylen)) {
			if (o->word != NULL && strncmp(why, "expected a whole",
			    16) == 0)
				snprintf(why, whylen, "expected a whole number "
				    "or %s, got \"%.40s\"", o->word, v);
			return false;
		}
		break;
	case MP_OK_FLAG:
		/* NULL: the bare command-line flag. */
		if (v == NULL || strcmp(v, "true") == 0 ||
		    strcmp(v, "yes") == 0 || strcmp(v, "on") == 0)
			u = 1;
		else if (strcmp(v, "false") == 0 || strcmp(v, "no") == 0 ||
		    strcmp(v, "off") == 0)
			u = 0;
		else {
			snprintf(why, whylen, "expected true or false, got "
			    "\"%.40s\"", v);
			return false;
		}
		break;
	case MP_OK_SIZE:
		if (!mp_parse_size(v, &u, why, whylen))
			return false;
		break;
	case MP_OK_TEXT:
		if (strlen(v) > o->max) {
			snprintf(why, whylen, "longer than %llu characters",
			    (unsigned long long)o->max);
			return false;
		}
		if (o->id == MP_O_HEADROOM) {	/* a size or a share */
			struct mp_scenario tmp;

			mp_scenario_init(&tmp);
			if (!mp_parse_headroom(v, &tmp, why, whylen))
				return false;
		}
		if (o->id == MP_O_GPU_UTIL || o->id == MP_O_ACCEPT) {
			uint32_t ppm;

			if (!mp_vllm_parse_fraction(v, &ppm, why, whylen))
				return false;
		}
		if (o->id == MP_O_OVERRIDE_TENSOR &&	/* say what is wrong */
		    !mp_override_check(v, why, whylen))
			return false;
		if (o->id == MP_O_BENCH) {	/* say what is wrong in it */
			struct mp_bench_test	 b[MP_BENCH_MAX];
			size_t			 n;

			if (!mp_bench_parse(v, b, &n, why, whylen))
				return false;
		}
		break;
	case MP_OK_ENUM:
		/*
		 * Owners with aliases (fp16/half) decide in their setter,
		 * tried on a copy so that a refused value changes nothing.
		 */
		if (o->set != NULL) {
			struct mp_scenario tmp;

			if (sc != NULL)
				tmp = *sc;
			else
				mp_scenario_init(&tmp);
			ok = o->set(&tmp, v, 0);
			if (ok && sc != NULL)
				*sc = tmp;
		} else
			for (ok = false, i = 0;
			    !ok && (s = mp_option_choice(o, i)) != NULL; i++)
				ok = strcmp(s, v) == 0;
		if (ok)
			return true;
		mp_option_expected(o, list, sizeof(list));
		mp_suggest_init(&sg, v);
		for (i = 0; (s = mp_option_choice(o, i)) != NULL; i++)
			mp_suggest_add(&sg, s);
		if (mp_suggest_best(&sg) != NULL)
			snprintf(why, whylen, "%s, got \"%.40s\"; did you mean "
			    "\"%s\"?", list, v, mp_suggest_best(&sg));
		else
			snprintf(why, whylen, "%s, got \"%.40s\"", list, v);
		return false;
	}
	if (o->set != NULL && sc != NULL && !o->set(sc, v, u)) {
		/* A text value's setter checks its grammar: say it. */
		if (o->kind == MP_OK_TEXT && o->help != NULL)
			snprintf(why, whylen, "expected %s, got \"%.40s\"",
			    o->help, v);
		else
			snprintf(why, whylen, "not accepted: \"%.40s\"", v);
		return false;
	}
	return true;
}

bool
mp_option_finish(struct mp_scenario *sc, unsigned given)
{
	/* A pipeline is a conversion unless another mode was said. */
	if ((given & MP_GIVEN_PIPELINE) && !(given & MP_GIVEN_MODE))
		sc->mode = MP_MODE_CONVERT;
	if (given & MP_GIVEN_RUNTIME)
		sc->runtime_set = true;
	return true;
}

enum mp_opt_id
mp_option_unused(const struct mp_scenario *sc, unsigned given, bool cli,
    char *why, size_t whylen)
{
	const char *m = cli ? "--mode " : "mode ";

	/* An option the chosen mode does not use is a mistake, not a
	 * no-op: the same for the command line and plan files. */
	if ((given & MP_GIVEN_PIPELINE) && sc->mode != MP_MODE_CONVERT) {
		snprintf(why, whylen, "only used by %sconvert, not %s%s", m, m,
		    mp_mode_name(sc->mode));
		return MP_O_PIPELINE;
	}
	/* vLLM's engine arguments mean nothing to another runtime. */
	if ((sc->enforce_eager || sc->max_batched_tokens != 0 ||
	    sc->max_num_seqs != 0 || sc->speculative != MP_SPEC_NONE ||
	    sc->spec_tokens != 0 || sc->gpu_util != 0 ||
	    sc->spec_accept != 0) &&
	    sc->runtime != MP_RT_VLLM) {
		snprintf(why, whylen, "only used by %svllm, not %s%s",
		    cli ? "--runtime " : "runtime ", cli ? "--runtime " :
		    "runtime ", mp_runtime_name(sc->runtime));
		return sc->enforce_eager ? MP_O_ENFORCE_EAGER :
		    sc->max_batched_tokens != 0 ? MP_O_MAX_BATCHED :
		    sc->max_num_seqs != 0 ? MP_O_MAX_SEQS :
		    sc->speculative != MP_SPEC_NONE ? MP_O_SPECULATIVE :
		    sc->spec_tokens != 0 ? MP_O_SPEC_TOKENS :
		    sc->gpu_util != 0 ? MP_O_GPU_UTIL : MP_O_ACCEPT;
	}
	/* transformers' attn_implementation means nothing to llama.cpp,
	 * vLLM or a conversion. */
	if (sc->attn != MP_ATTN_DEFAULT && (sc->runtime != MP_RT_TRANSFORMERS ||
	    sc->mode == MP_MODE_CONVERT)) {
		if (sc->mode == MP_MODE_CONVERT)
			snprintf(why, whylen, "only used by transformers "
			    "inference and training, not %sconvert", m);
		else
			snprintf(why, whylen, "only used by %stransformers, "
			    "not %s%s", cli ? "--runtime " : "runtime ",
			    cli ? "--runtime " : "runtime ",
			    mp_runtime_name(sc->runtime));
		return MP_O_ATTN;
	}
	if (sc->lora_targets[0] != '\0' && sc->mode != MP_MODE_LORA &&
	    sc->mode != MP_MODE_QLORA) {
		snprintf(why, whylen, "only used by %slora or qlora, not %s%s",
		    m, m, mp_mode_name(sc->mode));
		return MP_O_TARGETS;
	}
	return MP_O__COUNT;
}
