/* command.c: the command line that runs a scenario */
/* SPDX-License-Identifier: MIT */
/*
 * Every estimate carries the command that runs what was estimated, so
 * that a plan row or a fit answer can be pasted: llama.cpp's llama-server
 * flags (common/arg.cpp), `vllm serve` flags (vLLM's EngineArgs), the
 * transformers loading call, and for training the peft / TRL / accelerate
 * settings.  The text is built from the resolved scenario only; this is
 * the one place that spells those flags.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

/* rpc-server's default port (tools/rpc/rpc-server.cpp) */
#define MP_RPC_PORT	50052u

struct buf {
	char	*p;
	size_t	 len, n;
};

static void
add(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
add(struct buf *b, const char *fmt, ...)
{
	va_list	ap;
	int	r;

	if (b->n >= b->len)
		return;
	va_start(ap, fmt);
	r = vsnprintf(b->p + b->n, b->len - b->n, fmt, ap);
	va_end(ap);
	if (r < 0)
		return;
	b->n = (size_t)r >= b->len - b->n ? b->len : b->n + (size_t)r;
}

/* pre and then s in single quotes for a POSIX shell ('\'' for '). */
static void
add_quoted(struct buf *b, const char *pre, const char *s)
{
	add(b, "%s'", pre);
	for (; *s != '\0'; s++)
		if (*s == '\'')
			add(b, "'\\''");
		else
			add(b, "%c", *s);
	add(b, "'");
}

/* The model as the runtime is told to load it: a Hub id as it is (the
 * runtime downloads it), a GGUF file by its path. */
static const char *
model_ref(const struct mp_model *m)
{
	if (m->fetch_kind == MP_FETCH_HUB && m->source != MP_SRC_GGUF)
		return m->fetch;
	if (m->source == MP_SRC_GGUF)
		return m->path;
	/* a bundled config: the repository it was published in */
	return m->hub_id[0] != '\0' ? m->hub_id : m->name;
}

/*
 * The stem of the GGUF files made from a config (NAME-Q4_K_M.gguf,
 * mmproj-NAME-F16.gguf): a bundled model's repository name
 * (Qwen3-30B-A3B, what convert_hf_to_gguf.py is pointed at after a
 * download of ORG/NAME), else the model's own name.
 */
static const char *
gguf_stem(const struct mp_model *m)
{
	const char *s = strrchr(m->hub_id, '/');

	return s != NULL ? s + 1 : m->name;
}

static void
upper(const char *s, char *out, size_t len)
{
	size_t i;

	for (i = 0; s[i] != '\0' && i + 1 < len; i++)
		out[i] = (char)(s[i] >= 'a' && s[i] <= 'z' ? s[i] - 32 : s[i]);
	out[i] = '\0';
}

/* A cache type as llama.cpp's -ctk/-ctv spell it. */
static const char *
ggml_kv(enum mp_dtype dt)
{
	return dt == MP_DT_NONE ? "f16" : mp_dtype_info(dt)->name;
}

/*
 * --runtime ollama: the server's environment (only what differs from
 * Ollama's defaults), then a Modelfile that pins num_ctx over the model
 * (an Ollama model by its name, else the GGUF file) and `ollama run`.
 */
static void
ollama(const struct mp_model *m, const struct mp_estimate *est,
    struct buf *b)
{
	const struct mp_scenario *sc = &est->sc;
	char ft[16];

	if (sc->batch > 1)
		add(b, "OLLAMA_NUM_PARALLEL=%" PRIu64 " ", sc->batch);
	if (sc->flash_attn != MP_AUTO)
		add(b, "OLLAMA_FLASH_ATTENTION=%d ", sc->flash_attn == MP_ON);
	if (sc->kv_dtype != MP_DT_NONE && sc->kv_dtype != MP_DT_F16)
		add(b, "OLLAMA_KV_CACHE_TYPE=%s ", ggml_kv(sc->kv_dtype));
	add(b, "ollama serve & printf 'FROM ");
	if (m->source == MP_SRC_GGUF && m->fetch_kind == MP_FETCH_OLLAMA)
		add(b, "%s", m->fetch);
	else if (m->source == MP_SRC_GGUF)
		add(b, "%s", m->path);
	else {
		upper(mp_scenario_weights_name(sc), ft, sizeof(ft));
		add(b, "./%s-%s.gguf", gguf_stem(m), ft);
	}
	/* num_gpu only when asked: else Ollama's scheduler decides */
	if (sc->gpu_layers_set && !sc->ollama_layout)
		add(b, "\\nPARAMETER num_gpu %" PRId64, sc->gpu_layers < 0 ?
		    (int64_t)999 : sc->gpu_layers);
	add(b, "\\nPARAMETER num_ctx %" PRIu64 "\\n' > Modelfile && "
	    "ollama create %s-ctx%" PRIu64 " -f Modelfile && ollama run "
	    "%s-ctx%" PRIu64, sc->seq, m->name, sc->seq, m->name, sc->seq);
}

/*
 * How llama-server is told where a model's GGUF is (common/arg.cpp): a
 * Hub repository (-hf, the draft's -hfd), a URL (-mu; the draft has no
 * URL option, so the file a download of it makes), a file (-m, -md), or
 * for a config the file convert_hf_to_gguf.py and llama-quantize make
 * of it, NAME-Q4_K_M.gguf (gguf_stem).
 */
static void
gguf_arg(struct buf *b, const struct mp_model *m,
    const struct mp_scenario *sc, bool draft)
{
	const char *s;
	char ft[16];

	if (m->source == MP_SRC_GGUF && m->fetch_kind == MP_FETCH_HUB)
		add(b, " %s %s", draft ? "-hfd" : "-hf", m->fetch);
	else if (m->source == MP_SRC_GGUF && m->fetch_kind == MP_FETCH_URL &&
	    !draft)
		add(b, " -mu %s", m->fetch);
	else if (m->source == MP_SRC_GGUF && m->fetch_kind == MP_FETCH_URL) {
		s = strrchr(m->fetch, '/');
		add(b, " -md %s", s != NULL ? s + 1 : m->fetch);
	} else if (m->source == MP_SRC_GGUF)
		add(b, " %s %s", draft ? "-md" : "-m", m->path);
	else {
		upper(mp_scenario_weights_name(sc), ft, sizeof(ft));
		add(b, " %s %s-%s.gguf", draft ? "-md" : "-m", gguf_stem(m),
		    ft);
	}
}

/*
 * The draft model of sc, named as the main model is: loaded once per
 * main model (the estimate already did), NULL when it cannot be (the
 * spec is then written as given).  *tmp holds it when there is no cache.
 */
static const struct mp_model *
draft_of(const struct mp_model *m, const struct mp_scenario *sc,
    struct mp_model *tmp)
{
	struct mp_error err;

	mp_error_clear(&err);
	return mp_draft_model(m, sc->draft, tmp, &err);
}

static void
llamacpp(const struct mp_model *m, const struct mp_estimate *est,
    struct buf *b)
{
	const struct mp_scenario *sc = &est->sc;
	uint64_t seq = sc->seq != 0 ? sc->seq : 4096, np = sc->batch ?
	    sc->batch : 1, ngl;
	char ft[16];
	const struct mp_model *dm;
	struct mp_model tmp;
	uint32_t i;

	if (sc->ollama) {
		ollama(m, est, b);
		return;
	}
	/*
	 * A remote GGUF the way its runtime fetches it: llama-server
	 * -hf Org/Repo:QUANT (common/arg.cpp; split parts follow), -mu URL
	 * (--model-url), or Ollama's own `ollama run NAME:TAG`, whose
	 * context is the model's num_ctx unless set in the session.
	 */
	if (m->source == MP_SRC_GGUF && m->fetch_kind == MP_FETCH_OLLAMA) {
		add(b, "ollama run %s", m->fetch);
		if (seq != m->ctx_default)
			add(b, " (then /set parameter num_ctx %" PRIu64 ")",
			    seq);
		return;
	}
	/*
	 * The RPC split (llamacpp.c): an rpc-server on each other node
	 * (tools/rpc/rpc-server.cpp: it exposes every GPU of its host by
	 * default; it listens on 127.0.0.1:50052 unless -H says otherwise)
	 * and --rpc HOST:PORT,... on the node with the GGUF file
	 * (common/arg.cpp).  "nodeK" stands for each machine's address.
	 */
	if (est->dev_nodes > 1) {
		if (est->dev_nodes == 2)
			add(b, "on node 2: ");
		else
			add(b, "on nodes 2-%" PRIu32 ": ", est->dev_nodes);
		add(b, "rpc-server -H 0.0.0.0 -p %u; on node 1: ",
		    MP_RPC_PORT);
	}
	add(b, "llama-server");
	gguf_arg(b, m, sc, false);
	add(b, " -c %" PRIu64, seq * np);
	if (np > 1)
		add(b, " -np %" PRIu64, np);
	if (sc->backend != MP_BE_CPU) {
		ngl = sc->gpu_layers < 0 || (uint64_t)sc->gpu_layers >=
		    m->layers ? (m->layers + 1 > 99 ? m->layers + 1 : 99) :
		    (uint64_t)sc->gpu_layers;
		add(b, " -ngl %" PRIu64, ngl);
	}
	for (i = 1; i < est->dev_nodes; i++)
		add(b, "%snode%" PRIu32 ":%u", i == 1 ? " --rpc " : ",", i + 1,
		    MP_RPC_PORT);
	if (sc->flash_attn != MP_AUTO)
		add(b, " -fa %s", sc->flash_attn == MP_ON ? "on" : "off");
	if (sc->kv_dtype != MP_DT_NONE && sc->kv_dtype != MP_DT_F16)
		add(b, " -ctk %s -ctv %s", ggml_kv(sc->kv_dtype),
		    ggml_kv(sc->kv_dtype));
	if (sc->ubatch != 0 && sc->ubatch != 512)
		add(b, " -ub %u", sc->ubatch);
	if (sc->mmap == MP_OFF)
		add(b, " --no-mmap");
	/* -ot before --n-cpu-moe: llama.cpp tries them in that order */
	if (sc->override_tensor[0] != '\0')
		add_quoted(b, " -ot ", sc->override_tensor);
	if (sc->n_cpu_moe == MP_CPU_MOE_ALL)
		add(b, " --cpu-moe");
	else if (sc->n_cpu_moe != 0)
		add(b, " --n-cpu-moe %u", sc->n_cpu_moe);
	if (sc->n_tensor_split != 0) {
		add(b, " -ts ");
		for (i = 0; i < sc->n_tensor_split; i++) {
			/* Two decimals, written without the locale's help. */
			uint64_t c = (uint64_t)((double)sc->tensor_split[i] *
			    100 + 0.5);

			add(b, "%s%" PRIu64, i ? "," : "", c / 100);
			if (c % 100 != 0)
				add(b, c % 10 != 0 ? ".%02u" : ".%u",
				    c % 10 != 0 ? (unsigned)(c % 100) :
				    (unsigned)(c % 100 / 10));
		}
	}
	if (sc->split_mode == MP_SPLIT_ROW)
		add(b, " -sm row");
	else if (sc->split_mode == MP_SPLIT_NONE)
		add(b, " -sm none");
	if (sc->main_gpu != 0)
		add(b, " -mg %u", sc->main_gpu);
	if (sc->kv_unified)
		add(b, " --kv-unified");
	if (sc->swa_full)
		add(b, " --swa-full");
	/* llama-server's draft model: -md, -ngld, -cd. */
	if (sc->draft[0] != '\0') {
		/* named as -m names the main model */
		mp_model_init(&tmp);
		if ((dm = draft_of(m, sc, &tmp)) != NULL)
			gguf_arg(b, dm, sc, true);
		else
			add(b, " -md %s", sc->draft);
		mp_model_fini(&tmp);
		if (sc->draft_gpu_layers >= 0)
			add(b, " -ngld %" PRId64, sc->draft_gpu_layers);
		else if (sc->backend != MP_BE_CPU)
			add(b, " -ngld 99");
		if (sc->draft_ctx != 0)
			add(b, " -cd %" PRIu64, sc->draft_ctx);
	}
	/* The converter's default name: mmproj-NAME-F16.gguf. */
	if (sc->mmproj[0] != '\0') {
		upper(sc->mmproj, ft, sizeof(ft));
		add(b, " --mmproj mmproj-%s-%s.gguf", gguf_stem(m), ft);
	}
}

static void
vllm(const struct mp_model *m, const struct mp_estimate *est, struct buf *b)
{
	const struct mp_scenario *sc = &est->sc;
	const struct mp_model *dm;
	struct mp_model tmp;
	const char *q = NULL;
	char util[16];

	mp_vllm_util_text(sc->gpu_util, util, sizeof(util));
	add(b, "vllm serve %s --max-model-len %" PRIu64
	    " --gpu-memory-utilization %s", model_ref(m),
	    sc->seq != 0 ? sc->seq : 4096, util);
	if (m->fetch_kind == MP_FETCH_HUB && m->fetch_rev[0] != '\0')
		add(b, " --revision %s", m->fetch_rev);
	if (sc->gpus > 1)
		add(b, " --tensor-parallel-size %u", sc->gpus);
	/* several machines: one pipeline stage per node (vllm.c) */
	if (sc->nodes > 1)
		add(b, " --pipeline-parallel-size %u", sc->nodes);
	/* vLLM's engine arguments as given: the report's max_num_seqs is
	 * this or the card's default, never --batch (vllm.c). */
	if (sc->max_num_seqs != 0)
		add(b, " --max-num-seqs %" PRIu64, sc->max_num_seqs);
	if (sc->max_batched_tokens != 0)
		add(b, " --max-num-batched-tokens %" PRIu64,
		    sc->max_batched_tokens);
	if (sc->enforce_eager)
		add(b, " --enforce-eager");
	/* vllm.c's methods; MTP's default is the model's MTP layers. */
	if (sc->draft[0] != '\0') {
		/* the draft as vLLM loads the main model: its Hub id */
		mp_model_init(&tmp);
		dm = draft_of(m, sc, &tmp);
		add(b, " --speculative-config '{\"model\": \"%s\", "
		    "\"num_speculative_tokens\": %u}'", dm != NULL ?
		    model_ref(dm) : sc->draft, sc->spec_tokens);
		mp_model_fini(&tmp);
	}
	else if (sc->speculative != MP_SPEC_NONE) {
		add(b, " --speculative-config '{\"method\": \"%s\"",
		    mp_spec_choice((size_t)sc->speculative - 1));
		if (sc->spec_tokens != 0)
			add(b, ", \"num_speculative_tokens\": %u",
			    sc->spec_tokens);
		add(b, "}'");
	}
	switch (sc->weights) {
	case MP_DT_INT4_AWQ:
		q = "awq";
		break;
	case MP_DT_INT4_GPTQ:
		q = "gptq";
		break;
	case MP_DT_F8_E4M3:
		q = "fp8";
		break;
	case MP_DT_NF4:
	case MP_DT_INT8:
		q = "bitsandbytes";
		break;
	case MP_DT_F16:
		add(b, " --dtype float16");
		break;
	default:
		break;
	}
	/* A pre-quantized checkpoint names its method in its config. */
	if (sc->weights_shipped && (strcmp(m->quant_method,
	    "compressed-tensors") == 0 || strcmp(m->quant_method,
	    "bitsandbytes") == 0))
		q = m->quant_method;
	if (q != NULL && !sc->weights_as_stored)
		add(b, " --quantization %s", q);
	if (sc->kv_dtype == MP_DT_F8_E4M3)
		add(b, " --kv-cache-dtype fp8");
}

static const char *
torch_dtype(enum mp_dtype dt)
{
	switch (dt) {
	case MP_DT_F16:
		return "torch.float16";
	case MP_DT_F32:
		return "torch.float32";
	default:
		return "torch.bfloat16";
	}
}

/* transformers' BitsAndBytesConfig for weights asked in a bnb format. */
static void
bnb(const struct mp_scenario *sc, struct buf *b)
{
	if (sc->weights == MP_DT_INT8)
		add(b, ", quantization_config=BitsAndBytesConfig("
		    "load_in_8bit=True)");
	else
		add(b, ", quantization_config=BitsAndBytesConfig("
		    "load_in_4bit=True, bnb_4bit_quant_type=\"%s\"%s)",
		    sc->weights == MP_DT_NF4 ? "nf4" : "fp4", sc->double_quant ?
		    ", bnb_4bit_use_double_quant=True" : "");
}

static void
transformers(const struct mp_model *m, const struct mp_estimate *est,
    struct buf *b)
{
	const struct mp_scenario *sc = &est->sc;

	add(b, "AutoModelForCausalLM.from_pretrained(\"%s\", device_map="
	    "\"auto\"", model_ref(m));
	if (m->fetch_kind == MP_FETCH_HUB && m->fetch_rev[0] != '\0')
		add(b, ", revision=\"%s\"", m->fetch_rev);
	/* A pre-quantized checkpoint loads with its own config. */
	if (sc->weights_shipped)
		add(b, ", torch_dtype=%s", torch_dtype(mp_compute_dtype(m,
		    sc)));
	else if (sc->weights == MP_DT_NF4 || sc->weights == MP_DT_FP4 ||
	    sc->weights == MP_DT_INT8) {
		/* the tensors bitsandbytes leaves, in fp16 where the device
		 * has no bf16 (else the checkpoint's own type) */
		if (sc->bf16_as != MP_DT_NONE)
			add(b, ", torch_dtype=%s", torch_dtype(mp_compute_dtype(
			    m, sc)));
		bnb(sc, b);
	} else
		add(b, ", torch_dtype=%s", torch_dtype(mp_compute_dtype(m,
		    sc)));
	if (mp_attn_explicit(m, sc))
		add(b, ", attn_implementation=\"%s\"",
		    mp_attn_hf_name(sc->attn));
	add(b, ")");
}

static const char *
optim_name(enum mp_optim o)
{
	switch (o) {
	case MP_OPT_ADAMW8BIT:
		return "adamw_bnb_8bit";
	case MP_OPT_SGD:
		return "sgd";
	case MP_OPT_ADAFACTOR:
		return "adafactor";
	default:
		return "adamw_torch";
	}
}

/*
 * Training as TRL runs it: accelerate's launcher for several GPUs (with
 * DeepSpeed's ZeRO stage or FSDP), the 4-bit base of QLoRA, peft's
 * LoraConfig and the SFTConfig fields that decide memory.
 */
static void
training(const struct mp_model *m, const struct mp_estimate *est,
    struct buf *b)
{
	const struct mp_scenario *sc = &est->sc;

	if (sc->expandable_segments)
		add(b, "PYTORCH_CUDA_ALLOC_CONF=expandable_segments:True ");
	if (sc->gpus > 1 || sc->nodes > 1) {
		char	 l[512];

		/* the launcher with its DeepSpeed stage / FSDP strategy,
		 * offload and machines (parallel.c) */
		mp_parallel_command(sc, l, sizeof(l));
		add(b, "%s train.py; ", l);
		if (mp_parallel_config(sc, l, sizeof(l)))
			add(b, "ds_config.json %s; ", l);
	}
	add(b, "model \"%s\"", model_ref(m));
	if (sc->mode == MP_MODE_QLORA)
		add(b, "; BitsAndBytesConfig(load_in_4bit=True, "
		    "bnb_4bit_quant_type=\"nf4\", bnb_4bit_compute_dtype=%s%s%s%s)",
		    torch_dtype(mp_compute_dtype(m, sc)), sc->double_quant ?
		    ", bnb_4bit_use_double_quant=True" : "",
		    /* sharding flattens the 4-bit base: it must be stored
		     * in the float type the rest of the model is in (peft's
		     * FSDP+QLoRA recipe; fp16 on a T4) */
		    mp_parallel_is_fsdp(sc->parallel) || sc->parallel ==
		    MP_PAR_ZERO3 ? ", bnb_4bit_quant_storage=" : "",
		    mp_parallel_is_fsdp(sc->parallel) || sc->parallel ==
		    MP_PAR_ZERO3 ? torch_dtype(mp_compute_dtype(m, sc)) : "");
	if (sc->mode != MP_MODE_FULL)
		add(b, "; LoraConfig(r=%u, target_modules=\"%s\")",
		    sc->rank ? sc->rank : 16, sc->lora_targets[0] != '\0' ?
		    sc->lora_targets : "all-linear");
	add(b, "; SFTConfig(per_device_train_batch_size=%" PRIu64
	    ", max_length=%" PRIu64 "%s, optim=\"%s\"%s",
	    sc->batch ? sc->batch : 1, sc->seq ? sc->seq : 4096,
	    sc->grad_ckpt ? ", gradient_checkpointing=True" : "",
	    optim_name(sc->optimizer), sc->amp == MP_DT_F16 ||
	    (sc->mode != MP_MODE_FULL && sc->bf16_as == MP_DT_F16) ?
	    ", fp16=True" : sc->amp == MP_DT_BF16 || sc->mode !=
	    MP_MODE_FULL ? ", bf16=True" : "");
	/* TRL loads a model named by string with model_init_kwargs */
	if (mp_attn_explicit(m, sc))
		add(b, ", model_init_kwargs={\"attn_implementation\": "
		    "\"%s\"}", mp_attn_hf_name(sc->attn));
	add(b, ")");
}

static void
convert(const struct mp_model *m, const struct mp_estimate *est,
    struct buf *b)
{
	const struct mp_scenario *sc = &est->sc;
	char ft[16];

	if (strncmp(sc->pipeline, "llamacpp", 8) != 0)
		return;
	add(b, "python convert_hf_to_gguf.py %s --outtype %s%s", gguf_stem(m),
	    sc->ftype[0] != '\0' && (strcmp(sc->ftype, "q8_0") == 0 ||
	    strcmp(sc->ftype, "f16") == 0 || strcmp(sc->ftype, "bf16") == 0) ?
	    sc->ftype : "bf16", strcmp(sc->pipeline, "llamacpp-no-lazy") == 0 ?
	    " --no-lazy" : "");
	if (sc->ftype[0] != '\0' && strcmp(sc->ftype, "q8_0") != 0 &&
	    strcmp(sc->ftype, "f16") != 0 && strcmp(sc->ftype, "bf16") != 0) {
		upper(sc->ftype, ft, sizeof(ft));
		add(b, " && llama-quantize %s-bf16.gguf %s-%s.gguf %s",
		    m->name, m->name, ft, ft);
	}
}

void
mp_command_build(const struct mp_model *m, struct mp_estimate *est)
{
	struct buf b = { est->command, sizeof(est->command), 0 };

	est->command[0] = '\0';
	switch (est->sc.mode) {
	case MP_MODE_LORA:
	case MP_MODE_QLORA:
	case MP_MODE_FULL:
		training(m, est, &b);
		break;
	case MP_MODE_CONVERT:
		convert(m, est, &b);
		break;
	default:
		if (est->sc.runtime == MP_RT_LLAMACPP)
			llamacpp(m, est, &b);
		else if (est->sc.runtime == MP_RT_VLLM)
			vllm(m, est, &b);
		else
			transformers(m, est, &b);
		break;
	}
}
