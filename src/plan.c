/* plan.c: every sensible mode on a machine, and the one recommended
 * (memplan plan; the suggestions estimate and fit print) */
/* SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fileio.h"
#include "planner.h"

/* The placement step's verdict (place.c). */
static enum mp_verdict
verdict(const struct mp_judgement *j)
{
	return j->verdict;
}

/* ---- plan: every sensible mode ---- */

static struct mp_option *
add_option(struct mp_planres *p, struct mp_error *err)
{
	struct mp_option *t;
	size_t		  cap;

	if (p->n_opt == p->cap_opt) {
		cap = p->cap_opt ? p->cap_opt * 2 : 32;
		if ((t = realloc(p->opt, cap * sizeof(*t))) == NULL) {
			mp_error_set(err, MP_ENOMEM, NULL, NULL,
			    "out of memory");
			return NULL;
		}
		p->opt = t;
		p->cap_opt = cap;
	}
	t = &p->opt[p->n_opt++];
	memset(t, 0, sizeof(*t));
	return t;
}

static void
note_skipped(struct mp_planres *p, const char *label)
{
	size_t	 l = strlen(p->skipped_what);

	p->skipped++;
	if (l + strlen(label) + 3 < sizeof(p->skipped_what))
		put(p->skipped_what + l, sizeof(p->skipped_what) - l,
		    "%s%s", l ? ", " : "", label);
}

/* Precision given up by the weights: (16 - bits per parameter) x 100. */
static uint32_t
prec_loss(const struct mp_model *m, const struct mp_estimate *e)
{
	double	 bits;

	if (m->params == 0 || e->mem.weights == 0)
		return 0;
	bits = (double)e->mem.weights * 8.0 / (double)m->params;
	if (bits >= 15.5)
		return 0;
	return (uint32_t)mp_round((16.0 - bits) * 100.0);
}

struct cand {
	enum mp_goal	 goal;
	char		 label[96];
	struct mp_scenario sc;
	uint32_t	 quality;	/* fixed precision rank, or UINT32_MAX */
	uint32_t	 speed;
	const char	*why;
	bool		 offload;	/* llama.cpp: try fewer GPU layers */
	bool		 shorten;	/* try a shorter context */
	const char	*wname;		/* weights, set once mode is */
	bool		 target;	/* quality from the output format */
};

/*
 * The candidates' speed ranks, which plan compares after precision and
 * context (policy.c; lower runs faster).  They order how each runtime
 * decodes, not a measurement: option_facts() adds the tokens per second
 * of the speed model where it has them.
 */
enum speed_rank {
	SPEED_BATCHED = 0,	/* vLLM: paged KV cache, continuous batching */
	SPEED_GGML = 1,		/* llama.cpp, every layer on the accelerator */
	SPEED_EAGER = 2,	/* transformers: PyTorch eager, one sequence */
	SPEED_DEQUANT = 3,	/* bitsandbytes dequantizes in every matmul */
	SPEED_CPU = 4,		/* every layer on the host's cores */
};
/* What a variant of a candidate adds to its rank. */
#define SLOWER_MOE_HOST	1	/* the experts' matmuls on the CPU */
#define SLOWER_PARTIAL	2	/* whole layers on the CPU */
#define SLOWER_SWAP	2	/* the host pages to swap */
#define SLOWER_RECOMPUTE 1	/* checkpointing runs forward twice */
#define SLOWER_SHARDED	1	/* FSDP gathers each layer's shards */
#define SLOWER_OFFLOAD	3	/* the optimizer step on the CPU, over PCIe */
#define SLOWER_LOWMEM	1	/* a conversion in smaller pieces */

/*
 * Precision a fine-tuning recipe gives up, in prec_loss()'s unit
 * (hundredths of a bit below 16).  Only QLoRA's is a bit count; the
 * others rank recipes that train in 16 bits: 8-bit optimizer moments
 * below full AdamW, a low-rank update below both.
 */
#define LOSS_FULL	0
#define LOSS_8BIT_STATE	100
#define LOSS_LORA	200
#define LOSS_QLORA	((16 - 4) * 100)	/* the base in 4-bit NF4 */

/* Adds the option the search evaluated last (s->tmp, s->tj) for c. */
static struct mp_option *
add_found(struct mp_planres *p, const struct cand *c, const struct search *s,
    uint32_t speed, struct mp_error *err)
{
	struct mp_option *o;

	if ((o = add_option(p, err)) == NULL)
		return NULL;
	o->goal = c->goal;
	o->est = s->tmp;
	o->j = s->tj;
	o->verdict = verdict(&o->j);
	o->prec_loss = c->quality != UINT32_MAX ? c->quality :
	    prec_loss(s->m, &o->est);
	o->speed_loss = speed;
	return o;
}

/*
 * Whether the variant the search found is kept: it fits with memplan's
 * margin, or under --fit, where llama.cpp's target decided, it fits at
 * all (tight included: llama.cpp would load it).
 */
static bool
fit_kept(const struct mp_model *m, const struct mp_hardware *hw,
    struct search *s, struct mp_error *err)
{
	int rc = evaluate(m, hw, &s->sc, &s->tmp, &s->tj, err);

	return rc == 1 || (rc == 0 && s->sc.fit &&
	    s->tj.verdict == MP_VERDICT_TIGHT);
}

/* Adds the option for c (and its variants that fit in less memory). */
static bool
try_cand(struct mp_planres *p, const struct mp_model *m,
    const struct mp_hardware *hw, const struct cand *c, struct mp_error *err)
{
	struct mp_option	*o;
	struct mp_error		 e2;
	struct search		*s = NULL;
	uint64_t		 best, next, want;
	int			 rc;
	bool			 ok = false;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return mp_error_set(err, MP_ENOMEM, NULL, NULL,
		    "out of memory");
	p->tried[c->goal]++;
	s->m = m;
	s->hw = hw;
	s->sc = c->sc;
	rc = evaluate(m, hw, &c->sc, &s->tmp, &s->tj, &e2);
	if (rc < 0) {
		note_skipped(p, c->label);
		ok = true;
		goto out;
	}
	if ((o = add_found(p, c, s, c->speed + (s->tj.swap_needed > 0 ?
	    SLOWER_SWAP : 0), err)) == NULL)
		goto out;
	put(o->label, sizeof(o->label), "%s", c->label);
	put(o->why, sizeof(o->why), "%s", c->why);
	if (o->verdict == MP_VERDICT_UNSUPPORTED)
		put(o->why, sizeof(o->why), "unsupported: %s", o->j.reason);
	if (rc == 1 || o->verdict == MP_VERDICT_UNSUPPORTED)
		goto done;
	/*
	 * A mixture of experts runs with its expert tensors in host memory
	 * (llama.cpp's --n-cpu-moe): attention, the cache and the shared
	 * weights stay on the GPU, so it is much faster than leaving whole
	 * layers on the CPU.  Find the fewest expert layers on the CPU.
	 */
	if (c->offload && m->n_experts != 0 && m->layers > 0) {
		s->f = F_MOE_GPU;
		rc = mp_fit_search_max(s, 0, m->layers, &best, &next, &e2);
		if (rc == 1 && best < m->layers) {
			s->sc.n_cpu_moe = m->layers - (uint32_t)best;
			if (fit_kept(m, hw, s, &e2)) {
				if ((o = add_found(p, c, s, c->speed +
				    SLOWER_MOE_HOST, err)) == NULL)
					goto out;
				put(o->label, sizeof(o->label),
				    "%s, --n-cpu-moe %u", c->label,
				    s->sc.n_cpu_moe);
				put(o->why, sizeof(o->why),
				    "experts of %u of %u layers in host memory "
				    "(run on the CPU); attention and the cache "
				    "on the GPU", s->sc.n_cpu_moe, m->layers);
			}
		}
		s->sc = c->sc;
	}
	/*
	 * llama.cpp keeps the layers that do not fit in host memory: find
	 * the most layers that fit on the accelerator.
	 */
	if (c->offload && m->layers > 0) {
		s->f = F_LAYERS;
		rc = mp_fit_search_max(s, 0, m->layers, &best, &next, &e2);
		if (rc == 1 && best >= 1 && best < m->layers) {
			s->sc.gpu_layers = (int64_t)best;
			if (fit_kept(m, hw, s, &e2)) {
				if ((o = add_found(p, c, s, c->speed +
				    SLOWER_PARTIAL, err)) == NULL)
					goto out;
				/* -ngl N: the output layer and the last N-1
				 * repeating layers (llamacpp.c). */
				put(o->label, sizeof(o->label),
				    "%s, -ngl %llu (%llu/%u layers + output)",
				    c->label, (unsigned long long)best,
				    (unsigned long long)(best - 1), m->layers);
				put(o->why, sizeof(o->why),
				    "partial offload: the first %llu layers "
				    "run on the CPU, much slower",
				    (unsigned long long)(m->layers + 1 - best));
			}
		}
		s->sc = c->sc;
	}
	/* Shorter context at the same precision (context is lost second). */
	if (c->shorten) {
		want = o->est.sc.seq;
		s->f = F_SEQ;
		rc = mp_fit_search_max(s, 256, want, &best, &next, &e2);
		if (rc == 1 && best < want && best >= 256) {
			/* Round down to a multiple of 256 tokens. */
			s->sc.seq = best / 256 * 256;
			if (evaluate(m, hw, &s->sc, &s->tmp, &s->tj, &e2) == 1) {
				if ((o = add_found(p, c, s, c->speed,
				    err)) == NULL)
					goto out;
				o->ctx_loss = 1;
				put(o->label, sizeof(o->label),
				    "%s, seq %llu", c->label,
				    (unsigned long long)s->sc.seq);
				put(o->why, sizeof(o->why),
				    "%s; context cut from %llu to %llu tokens",
				    c->why, (unsigned long long)want,
				    (unsigned long long)s->sc.seq);
			}
		}
	}
done:
	ok = true;
out:
	free(s);
	return ok;
}

static bool
wanted(unsigned set, const struct mp_scenario *base,
    const struct mp_scenario *sc)
{
	if ((set & MP_CK_MODE) && base->mode != sc->mode)
		return false;
	if ((set & MP_CK_RUNTIME) && sc->mode == MP_MODE_INFER &&
	    base->runtime != sc->runtime)
		return false;
	if ((set & MP_CK_PIPELINE) && sc->mode == MP_MODE_CONVERT &&
	    strcmp(base->pipeline, sc->pipeline) != 0)
		return false;
	if ((set & MP_CK_WEIGHTS) && (base->weights != sc->weights ||
	    strcmp(base->ftype, sc->ftype) != 0))
		return false;
	return true;
}

/* Does the scenario train over more than one GPU (the placement step
 * gives it every GPU of the profile, and every node, by default)? */
static bool
multi_gpu(const struct mp_scenario *sc, const struct mp_hardware *hw)
{
	size_t all = mp_hardware_gpus(hw, NULL, 0);
	uint64_t g = sc->gpus ? sc->gpus : all > 0 ? all : 1;
	uint64_t n = sc->nodes ? sc->nodes : hw->nodes ? hw->nodes : 1;

	return mp_muls(g, n) > 1;
}

/* Conditions on the model and the machine a candidate needs. */
enum {
	W_HF = 1 << 0,		/* a Hugging Face checkpoint */
	W_GGUF = 1 << 1,	/* a .gguf file: llama.cpp runs it as stored */
	W_CUDA = 1 << 2,	/* a CUDA or ROCm GPU (vLLM, bitsandbytes) */
	W_SHIPPED = 1 << 3,	/* a pre-quantized checkpoint */
	W_OWN = 1 << 4,		/* --weights not given */
	W_BF16 = 1 << 5,	/* no GPU, or every GPU has bf16 */
	W_NOBF16 = 1 << 6,	/* a CUDA GPU without bf16 (T4, V100) */
	W_MXFP4 = 1 << 7,	/* the checkpoint ships MXFP4 (gpt-oss) */
};

/* What every candidate reads: the model, the machine, the user's fixed
 * options. */
struct plan_ctx {
	struct mp_planres	*p;
	const struct mp_model	*m;
	const struct mp_hardware *hw;
	const struct mp_scenario *base;
	unsigned		 set;	/* MP_CK_*: what the user fixed */
	unsigned		 have;	/* W_*: what holds here */
	bool			 accel;	/* a GPU or other accelerator */
	char			 ship[64]; /* "bf16 (the checkpoint's)" */
};

static void
cand_init(struct cand *c, const struct plan_ctx *x, enum mp_goal g,
    const char *label)
{
	memset(c, 0, sizeof(*c));
	c->goal = g;
	c->sc = *x->base;
	c->quality = UINT32_MAX;
	put(c->label, sizeof(c->label), "%s", label);
}

/* Gives c its weights (c->wname) and tries it, unless that cannot be or
 * the user fixed another mode, runtime, pipeline or weights. */
static bool
cand_run(const struct plan_ctx *x, struct cand *c, struct mp_error *err)
{
	if (c->wname != NULL && !mp_fit_set_weights(&c->sc, c->wname))
		return true;
	if (c->target)
		c->quality = mp_policy_type_loss(&c->sc);
	if (!wanted(x->set, x->base, &c->sc))
		return true;
	/* the asked llama.cpp placement is llama.cpp's alone */
	if (c->sc.runtime != MP_RT_LLAMACPP)
		mp_scenario_placement_clear(&c->sc);
	return try_cand(x->p, x->m, x->hw, c, err);
}

/*
 * Serving: one row a runtime and weights.  A row without weights serves
 * the checkpoint's own (as shipped when pre-quantized, as stored for a
 * .gguf file); the label is "who, words" with the weights' name for
 * words when the row gives none.
 */
static const struct serve_row {
	const char	*who;
	enum mp_runtime	 runtime;
	const char	*weights;
	const char	*words;
	unsigned	 when;		/* W_*, all needed */
	enum speed_rank	 speed;		/* on an accelerator */
	const char	*why, *why_cpu;
} serve_rows[] = {
	{ "llama.cpp", MP_RT_LLAMACPP, NULL, "as stored", W_GGUF, SPEED_GGML,
	  "the GGUF file as stored, all layers on the accelerator",
	  "the GGUF file in RAM, memory-mapped" },
	{ "transformers", MP_RT_TRANSFORMERS, NULL, NULL, W_HF | W_OWN,
	  SPEED_EAGER, "full precision with PyTorch",
	  "full precision with PyTorch on the CPU (slow)" },
	{ "transformers", MP_RT_TRANSFORMERS, "bf16", "bf16 (dequantized)",
	  W_HF | W_SHIPPED | W_BF16, SPEED_EAGER,
	  "the checkpoint dequantized to bf16 at load",
	  "the checkpoint dequantized to bf16 at load" },
	{ "transformers", MP_RT_TRANSFORMERS, "fp16", "fp16 (dequantized)",
	  W_HF | W_SHIPPED | W_NOBF16, SPEED_EAGER,
	  "the checkpoint dequantized to fp16 at load (no bf16 here)", NULL },
	{ "transformers", MP_RT_TRANSFORMERS, "int8", "int8 (bitsandbytes)",
	  W_HF | W_CUDA, SPEED_DEQUANT,
	  "LLM.int8() weights: half the memory, slower matmuls", NULL },
	{ "transformers", MP_RT_TRANSFORMERS, "nf4", "nf4 (bitsandbytes)",
	  W_HF | W_CUDA, SPEED_DEQUANT,
	  "4-bit NF4 weights quantized at load time", NULL },
	{ "vLLM " MP_VLLM_VERSION, MP_RT_VLLM, NULL, NULL,
	  W_HF | W_CUDA | W_OWN, SPEED_BATCHED,
	  "fastest serving: paged KV cache, batched decoding", NULL },
	{ "vLLM " MP_VLLM_VERSION, MP_RT_VLLM, "awq", "AWQ int4",
	  W_HF | W_CUDA, SPEED_BATCHED,
	  "4-bit AWQ checkpoint served by vLLM (needs an AWQ export of the "
	  "model)", NULL },
#define GGUF_ROW(w) { "llama.cpp", MP_RT_LLAMACPP, (w), NULL, W_HF,	\
	  SPEED_GGML, "GGUF weights, all layers on the accelerator",	\
	  "GGUF weights in RAM, memory-mapped from the file" }
	/* An MXFP4 checkpoint converts to llama.cpp's MXFP4_MOE: the
	 * experts keep their MXFP4 blocks (gguf_quant.c). */
	{ "llama.cpp", MP_RT_LLAMACPP, "mxfp4_moe", NULL, W_HF | W_MXFP4,
	  SPEED_GGML, "the MXFP4 experts kept as shipped (GGUF MXFP4_MOE), "
	  "all layers on the accelerator", "the MXFP4 experts kept as "
	  "shipped (GGUF MXFP4_MOE), in RAM" },
	GGUF_ROW("q8_0"), GGUF_ROW("q6_k"), GGUF_ROW("q5_k_m"),
	GGUF_ROW("q4_k_m"), GGUF_ROW("q3_k_m"), GGUF_ROW("q2_k"),
#undef GGUF_ROW
};

/*
 * What every llama.cpp serve option shares: all layers on the
 * accelerator (fewer tried when it does not fit) or none on a CPU-only
 * machine, and the runtime chosen, so a .gguf source is not re-defaulted.
 * --weights given with a GGUF source gets the scenario's own refusal,
 * not an empty plan.
 */
static bool
llamacpp_cand(struct cand *c, const struct plan_ctx *x, struct mp_error *err)
{
	c->sc.runtime_set = true;
	if (x->set & MP_CK_WEIGHTS) {
		struct mp_scenario t = c->sc;

		if (!mp_scenario_resolve(&t, x->m, err))
			return false;
	}
	if (!x->accel)
		c->sc.gpu_layers = 0;
	c->offload = x->accel;
	return true;
}

/*
 * The checkpoint's own weights in a row's label: a bf16 checkpoint on a
 * card without bf16 runs in fp16, or fp32 where vLLM refuses fp16 for
 * the model (place.c).
 */
static const char *
own_words(const struct plan_ctx *x, enum mp_runtime rt)
{
	if (!(x->have & W_NOBF16) || (x->have & W_SHIPPED) ||
	    x->m->torch_dtype != MP_DT_BF16 || rt == MP_RT_LLAMACPP)
		return x->ship;
	return rt == MP_RT_VLLM && mp_vllm_refuses_fp16(x->m) ?
	    "fp32 (from the bf16 checkpoint)" :
	    "fp16 (from the bf16 checkpoint)";
}

/*
 * Several machines: llama.cpp's rows run on one node (--nodes 1) and,
 * where all its layers do not fit the GPUs of one, over every node by
 * its RPC split (llamacpp.c): a model that fits one machine is not
 * spread over the network.  Ollama has no RPC split; a machine without
 * GPUs is not split (mp_llamacpp_rpc_nodes).
 */
static bool
rpc_cand(const struct plan_ctx *x, const struct cand *one, size_t first,
    uint32_t nodes, struct mp_error *err)
{
	struct cand c;

	if (nodes <= 1 || x->base->ollama || !x->accel ||
	    x->p->n_opt <= first || x->p->opt[first].verdict !=
	    MP_VERDICT_NO)
		return true;
	c = *one;
	c.sc.nodes = nodes;
	c.offload = false;
	put(c.label, sizeof(c.label), "%s, RPC over %u nodes", one->label,
	    nodes);
	c.why = "layers split over every GPU of every node (llama.cpp's "
	    "RPC: rpc-server on the other nodes); the network crossed "
	    "through this host every token";
	return cand_run(x, &c, err);
}

static bool
serve_cands(const struct plan_ctx *x, struct mp_error *err)
{
	const struct serve_row	*r;
	struct cand		 c;
	char			 lab[96];
	size_t			 i, first;
	uint32_t		 nodes = x->base->nodes != 0 ? x->base->nodes :
				    x->hw->nodes > 1 ? x->hw->nodes : 1;

	for (i = 0; i < sizeof(serve_rows) / sizeof(serve_rows[0]); i++) {
		r = &serve_rows[i];
		if ((r->when & x->have) != r->when)
			continue;
		/* llama.cpp's label says where the layers run; the offload
		 * variants add -ngl.  Under --runtime ollama the llama.cpp
		 * rows are Ollama's (its defaults and command, ollama.c). */
		put(lab, sizeof(lab), "%s, %s%s", r->runtime ==
		    MP_RT_LLAMACPP && x->base->ollama ? "Ollama "
		    MP_OLLAMA_VERSION : r->who, r->words != NULL ?
		    r->words : r->weights != NULL ? r->weights :
		    own_words(x, r->runtime), r->runtime == MP_RT_LLAMACPP &&
		    !x->accel ? " on the CPU" : "");
		cand_init(&c, x, MP_GOAL_SERVE, lab);
		c.sc.mode = MP_MODE_INFER;
		c.sc.runtime = r->runtime;
		c.wname = r->weights;
		if (r->weights == NULL && !(x->set & MP_CK_WEIGHTS)) {
			c.sc.weights = MP_DT_NONE;
			c.sc.ftype[0] = '\0';
		}
		c.speed = x->accel ? r->speed : SPEED_CPU;
		c.shorten = true;
		c.why = x->accel || r->why_cpu == NULL ? r->why : r->why_cpu;
		if (r->runtime == MP_RT_LLAMACPP && !llamacpp_cand(&c, x, err))
			return false;
		if (r->runtime == MP_RT_LLAMACPP && nodes > 1)
			c.sc.nodes = 1;
		first = x->p->n_opt;
		if (!cand_run(x, &c, err))
			return false;
		if (r->runtime == MP_RT_LLAMACPP &&
		    !rpc_cand(x, &c, first, nodes, err))
			return false;
	}
	return true;
}

/* Fine-tuning recipes, tried in this order. */
static const struct finetune_row {
	enum mp_mode	 mode;
	enum mp_optim	 opt;
	bool		 ckpt;
	uint32_t	 quality, speed;
	const char	*label, *why;	/* LoRA's label names the rank */
} finetune_rows[] = {
	{ MP_MODE_FULL, MP_OPT_ADAMW, false, LOSS_FULL, 0,
	  "full fine-tuning, AdamW",
	  "every weight trained, fp32 optimizer moments" },
	{ MP_MODE_FULL, MP_OPT_ADAMW, true, LOSS_FULL, SLOWER_RECOMPUTE,
	  "full fine-tuning, AdamW, checkpointing",
	  "every weight trained; activations recomputed" },
	{ MP_MODE_FULL, MP_OPT_ADAMW8BIT, true, LOSS_8BIT_STATE,
	  SLOWER_RECOMPUTE, "full fine-tuning, 8-bit AdamW, checkpointing",
	  "every weight trained; 8-bit optimizer moments" },
	{ MP_MODE_LORA, MP_OPT_ADAMW, false, LOSS_LORA, 0, NULL,
	  "adapters on a frozen 16-bit base" },
	{ MP_MODE_LORA, MP_OPT_ADAMW, true, LOSS_LORA, SLOWER_RECOMPUTE, NULL,
	  "adapters on a frozen 16-bit base; activations recomputed" },
	{ MP_MODE_QLORA, MP_OPT_ADAMW, false, LOSS_QLORA, 0, NULL,
	  "adapters on a frozen 4-bit NF4 base" },
	{ MP_MODE_QLORA, MP_OPT_ADAMW, true, LOSS_QLORA, SLOWER_RECOMPUTE,
	  NULL, "adapters on a frozen 4-bit NF4 base; activations "
	  "recomputed" },
};

/*
 * Several GPUs (or nodes): shard instead of replicating (parallel.c).
 * FSDP full shard for every recipe (FSDP+QLoRA for a 4-bit base); for
 * full fine-tuning and LoRA also ZeRO-3 with the optimizer and
 * parameters offloaded to host RAM (not tried on a bitsandbytes 4-bit
 * base).
 */
static const struct shard_row {
	enum mp_parallel par;
	enum mp_offload	 off;
	bool		 no_qlora;	/* not on a 4-bit base */
	uint32_t	 speed;
	const char	*label, *why;
} shard_rows[] = {
	{ MP_PAR_FSDP, MP_OFFLOAD_NONE, false, SLOWER_SHARDED, "FSDP",
	  "FSDP full shard: weights, gradients and optimizer state split "
	  "over the GPUs, two layers gathered" },
	{ MP_PAR_FSDP, MP_OFFLOAD_CPU, false, SLOWER_OFFLOAD,
	  "FSDP, CPU offload",
	  "FSDP full shard with the shards of weights, gradients and "
	  "optimizer state in host RAM (slow)" },
	{ MP_PAR_ZERO3, MP_OFFLOAD_CPU, true, SLOWER_OFFLOAD,
	  "ZeRO-3, CPU offload",
	  "DeepSpeed ZeRO-3 with optimizer and parameters in pinned host "
	  "RAM (slow)" },
};

/* Fine-tuning, where there is an accelerator to train on. */
static bool
finetune_cands(const struct plan_ctx *x, struct mp_error *err)
{
	const struct mp_scenario *base = x->base;
	const struct finetune_row *f;
	const struct shard_row	*s;
	struct cand		 c, sh;
	char			 lab[96];
	size_t			 i, k;

	if (!x->accel) {
		if (!(x->set & MP_CK_MODE) || base->mode == MP_MODE_LORA ||
		    base->mode == MP_MODE_QLORA || base->mode == MP_MODE_FULL)
			mp_reason_set(&x->p->none[MP_GOAL_FINETUNE], "no "
			    "accelerator to train on: fine-tuning on the CPU "
			    "is not planned");
		return true;
	}
	for (i = 0; i < sizeof(finetune_rows) / sizeof(finetune_rows[0]);
	    i++) {
		f = &finetune_rows[i];
		/* --grad-ckpt given: only the recipes with it. */
		if (!f->ckpt && base->grad_ckpt)
			continue;
		if (f->label != NULL)
			put(lab, sizeof(lab), "%s", f->label);
		else
			put(lab, sizeof(lab), "%s r%u%s", f->mode ==
			    MP_MODE_LORA ? "LoRA" : "QLoRA",
			    base->rank ? base->rank : 16,
			    f->ckpt ? ", checkpointing" : "");
		cand_init(&c, x, MP_GOAL_FINETUNE, lab);
		c.sc.mode = f->mode;
		c.sc.runtime = MP_RT_TRANSFORMERS;
		c.sc.optimizer = f->opt;
		c.sc.grad_ckpt = f->ckpt || base->grad_ckpt;
		c.quality = f->quality;
		c.speed = f->speed;
		c.shorten = true;
		c.why = f->why;
		if (!cand_run(x, &c, err))
			return false;
		/* The user chose a strategy, or there is one GPU. */
		if (!multi_gpu(base, x->hw) || base->parallel != MP_PAR_NONE)
			continue;
		for (k = 0; k < sizeof(shard_rows) / sizeof(shard_rows[0]);
		    k++) {
			s = &shard_rows[k];
			if (s->no_qlora && f->mode == MP_MODE_QLORA)
				continue;
			/* ZeRO brings DeepSpeed's Adam; an offloaded step
			 * runs on the CPU, where bitsandbytes' 8-bit AdamW
			 * (CUDA kernels) does not. */
			if (f->opt != MP_OPT_ADAMW && (s->par == MP_PAR_ZERO3 ||
			    s->off != MP_OFFLOAD_NONE))
				continue;
			sh = c;
			put(sh.label, sizeof(sh.label), "%s, %s", lab,
			    s->label);
			sh.sc.parallel = s->par;
			sh.sc.offload = s->off;
			sh.speed = f->speed + s->speed;
			sh.why = s->why;
			if (!cand_run(x, &sh, err))
				return false;
		}
	}
	return true;
}

/*
 * Smaller exports than the pipelines' own output: OpenVINO's weight
 * compression and llama.cpp's quantized GGUF.  Their precision is the
 * target's.
 */
static const struct export_row {
	const char	*pipe, *weights, *label, *why;
} export_rows[] = {
	{ "openvino", "int8", "convert: openvino int8",
	  "OpenVINO IR with int8-compressed weights" },
	{ "openvino", "nf4", "convert: openvino int4",
	  "OpenVINO IR with 4-bit compressed weights" },
	{ "llamacpp", "q8_0", "convert: llamacpp q8_0",
	  "convert_hf_to_gguf.py --outtype q8_0" },
};

/* Conversion pipelines (convert.c's table), in host memory. */
static bool
convert_cands(const struct plan_ctx *x, struct mp_error *err)
{
	const struct mp_pipeline_info *pi;
	const char		*pl;
	struct cand		 c;
	char			 lab[96];
	size_t			 i;

	for (i = 0; (pl = mp_convert_pipeline(i)) != NULL; i++) {
		pi = mp_convert_pipeline_info(pl);
		put(lab, sizeof(lab), "convert: %s", pl);
		cand_init(&c, x, MP_GOAL_CONVERT, lab);
		c.sc.mode = MP_MODE_CONVERT;
		put(c.sc.pipeline, sizeof(c.sc.pipeline), "%s", pl);
		if (!(x->set & MP_CK_WEIGHTS))
			c.sc.weights = MP_DT_NONE;
		/* The output's precision: the checkpoint's unless --weights. */
		c.quality = mp_policy_type_loss(&c.sc);
		c.speed = pi->low_memory ? SLOWER_LOWMEM : 0;
		c.why = pi->why;
		if (!cand_run(x, &c, err))
			return false;
	}
	for (i = 0; i < sizeof(export_rows) / sizeof(export_rows[0]); i++) {
		cand_init(&c, x, MP_GOAL_CONVERT, export_rows[i].label);
		c.sc.mode = MP_MODE_CONVERT;
		put(c.sc.pipeline, sizeof(c.sc.pipeline), "%s",
		    export_rows[i].pipe);
		c.wname = export_rows[i].weights;
		c.why = export_rows[i].why;
		/* cand_run() sets the weights; the loss follows them. */
		c.target = true;
		if (!cand_run(x, &c, err))
			return false;
	}
	return true;
}

static bool
plan_cands(struct mp_planres *p, const struct mp_model *m,
    const struct mp_hardware *hw, const struct mp_scenario *base,
    unsigned set, struct mp_error *err)
{
	const struct mp_device	*d = mp_hardware_primary(hw);
	struct plan_ctx		 x;
	enum mp_dtype		 shipped;

	x = (struct plan_ctx){ .p = p, .m = m, .hw = hw, .base = base,
	    .set = set, .accel = d != NULL && d->backend != MP_BE_CPU };
	/*
	 * A pre-quantized checkpoint is served as shipped (its
	 * quantization_config's format, weights.c), and its bf16 rows are
	 * the dequantized model.
	 */
	shipped = mp_shipped_dtype(m);
	if (shipped != MP_DT_NONE)
		put(x.ship, sizeof(x.ship), "%s (as shipped)",
		    m->shipq.label);
	else
		put(x.ship, sizeof(x.ship), "%s (the checkpoint's)",
		    m->torch_dtype != MP_DT_NONE ?
		    mp_dtype_info(m->torch_dtype)->name :
		    m->quant_method[0] != '\0' ? "bf16" : "f32");
	x.have = (m->source == MP_SRC_GGUF ? W_GGUF : W_HF) |
	    (shipped != MP_DT_NONE ? W_SHIPPED : 0) |
	    (set & MP_CK_WEIGHTS ? 0 : W_OWN);
	/* vLLM and bitsandbytes need a CUDA or ROCm GPU (place.c gates). */
	if (x.accel && (d->backend == MP_BE_CUDA || d->backend == MP_BE_ROCM))
		x.have |= W_CUDA;
	x.have |= x.accel && d->backend == MP_BE_CUDA && !d->bf16 ? W_NOBF16 :
	    W_BF16;
	if (shipped == MP_DT_MXFP4)
		x.have |= W_MXFP4;
	if (!serve_cands(&x, err))
		return false;
	/*
	 * A .gguf file is served by llama.cpp as it is stored: its types
	 * were fixed by llama-quantize, and transformers, vLLM,
	 * bitsandbytes, training and conversions start from a Hugging Face
	 * checkpoint, not from it.
	 */
	if (m->source == MP_SRC_GGUF) {
		note_skipped(p, "transformers, vLLM and bitsandbytes serving, "
		    "re-quantization, fine-tuning and conversion of a GGUF "
		    "file (llama.cpp runs it as stored)");
		return true;
	}
	return finetune_cands(&x, err) && convert_cands(&x, err);
}

/*
 * Speed of every option the policies weigh (policy.c): decode speed and
 * the largest context of the serve options, training throughput of the
 * finetune options.
 */
static void
option_facts(struct mp_planres *p, const struct mp_model *m,
    const struct mp_hardware *hw)
{
	struct search	*s;
	struct mp_error	 e2;
	uint64_t	 best, next;
	size_t		 i;

	if (hw == NULL || (s = calloc(1, sizeof(*s))) == NULL)
		return;
	s->m = m;
	s->hw = hw;
	s->f = F_SEQ;
	for (i = 0; i < p->n_opt; i++) {
		struct mp_option	*o = &p->opt[i];
		struct mp_speed_target	 tg;

		if (o->goal == MP_GOAL_FINETUNE && o->verdict !=
		    MP_VERDICT_UNSUPPORTED) {
			mp_speed_target(hw, &o->est, &tg);
			o->has_speed = mp_train_speed(m, &o->est, &tg,
			    &o->train_tps, o->train_basis,
			    sizeof(o->train_basis));
			continue;
		}
		if (o->goal != MP_GOAL_SERVE)
			continue;
		mp_error_clear(&e2);
		mp_speed_target(hw, &o->est, &tg);
		if (mp_speed_estimate(m, &o->est, &tg, o->est.sc.bench,
		    o->est.sc.n_bench, &o->speed, &e2))
			o->has_speed = o->speed.available;
		/* vLLM takes 90% of the card whatever the context and
		 * serves what its KV pool holds. */
		if (o->est.sc.runtime == MP_RT_VLLM) {
			if (o->verdict != MP_VERDICT_NO)
				o->max_seq = o->est.kv_pool_tokens <
				    mp_fit_max_seq(m) ? o->est.kv_pool_tokens :
				    mp_fit_max_seq(m);
			continue;
		}
		s->sc = o->est.sc;
		if (mp_fit_search_max(s, 256, mp_fit_max_seq(m), &best, &next,
		    &e2) == 1)
			o->max_seq = best;
	}
	free(s);
}

/* Serve ranking among the options the policy keeps: precision, then
 * context, then speed. */

struct sib {
	char		 name[128];
	uint64_t	 params;
	unsigned	 family;	/* kin(): higher is closer */
	size_t		 dist;		/* edit distance of the names */
};

struct sibs {
	const struct mp_model	*m;
	struct sib		*v;
	size_t			 n, cap;
};

/*
 * Whether a config file names the model type or class at all: a cheap
 * text test before the full parse, which builds every tensor.
 */
static bool
mentions(const char *path, const char *type, const char *arch)
{
	char	 buf[1 << 16], q[80];
	FILE	*fp = mp_file_open(path, NULL, NULL);
	size_t	 n;
	bool	 hit = false;

	if (fp == NULL)
		return false;
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	fclose(fp);
	buf[n] = '\0';
	/* A file larger than the buffer is parsed: no shortcut. */
	if (n == sizeof(buf) - 1)
		return true;
	snprintf(q, sizeof(q), "\"%s\"", type);
	hit = strstr(buf, q) != NULL;
	if (!hit && arch[0] != '\0') {
		snprintf(q, sizeof(q), "\"%s\"", arch);
		hit = strstr(buf, q) != NULL;
	}
	return hit;
}

/* The publisher of the model's Hugging Face repository ("meta-llama"),
 * "" when it has none. */
static void
publisher(const struct mp_model *m, char *out, size_t len)
{
	const char	*id = m->hub_id[0] != '\0' ? m->hub_id :
	    m->fetch_kind == MP_FETCH_HUB ? m->fetch : "";
	const char	*s = strchr(id, '/');

	put(out, len, "%.*s", s != NULL ? (int)(s - id) : 0, id);
}

/*
 * Tuned to follow instructions: a word of its name or repository is one
 * of those publishers mark such checkpoints with (Llama-3.1-8B-Instruct,
 * gemma-2-9b-it, Llama-2-7b-chat-hf).
 */
static bool
instruction_tuned(const struct mp_model *m)
{
	static const char *const words[] = { "instruct", "it", "chat" };
	const char	*names[2] = { m->name, m->hub_id };
	char		 w[32];
	size_t		 i, k, n;
	const char	*s;

	for (i = 0; i < 2; i++)
		for (s = names[i]; *s != '\0'; s += n + (s[n] != '\0')) {
			n = strcspn(s, "-_./");
			if (n == 0 || n >= sizeof(w))
				continue;
			memcpy(w, s, n);
			w[n] = '\0';
			for (k = 0; k < sizeof(words) / sizeof(words[0]); k++)
				if (strcasecmp(w, words[k]) == 0)
					return true;
		}
	return false;
}

/*
 * How close a smaller model is to the one asked for, ordered: the same
 * tokenizer (its vocabulary: one generation, Llama 3 not Llama 2), the
 * same publisher, and tuned the same way when the asked model follows
 * instructions (an instruct model is not replaced by a base model).
 */
static unsigned
kin(const struct mp_model *asked, const struct mp_model *m)
{
	char	 a[96], b[96];

	publisher(asked, a, sizeof(a));
	publisher(m, b, sizeof(b));
	return (asked->vocab != 0 && m->vocab == asked->vocab ? 4u : 0u) |
	    (a[0] != '\0' && strcasecmp(a, b) == 0 ? 2u : 0u) |
	    (!instruction_tuned(asked) || instruction_tuned(m) ? 1u : 0u);
}

/* Bundled models of the same architecture with fewer parameters. */
static bool
sib_cb(const char *name, const char *path, void *arg)
{
	struct sibs	*s = arg;
	struct mp_model	 m;
	struct mp_error	 e;
	struct sib	*t;

	if (!mentions(path, s->m->model_type, s->m->arch))
		return true;
	mp_model_init(&m);
	mp_error_clear(&e);
	/* By name: a bundled config, with its repository id. */
	if (mp_model_load(name, &m, &e) &&
	    strcmp(m.model_type, s->m->model_type) == 0 &&
	    m.params < s->m->params && m.params > 0) {
		if (s->n == s->cap) {
			s->cap = s->cap ? s->cap * 2 : 16;
			t = realloc(s->v, s->cap * sizeof(*t));
			if (t == NULL) {
				mp_model_fini(&m);
				return false;
			}
			s->v = t;
		}
		put(s->v[s->n].name, sizeof(s->v[0].name), "%s", name);
		s->v[s->n].params = m.params;
		s->v[s->n].family = kin(s->m, &m);
		s->v[s->n].dist = mp_edit_distance(name, s->m->name);
		s->n++;
	}
	mp_model_fini(&m);
	return true;
}

static int
sib_cmp(const void *a, const void *b)
{
	const struct sib *x = a, *y = b;

	/* The closest kin, then the largest (the alternative that gives
	 * up the least), then the nearest name (Llama-3.1-8B-Instruct
	 * for Llama-3.1-70B-Instruct, before Meta-Llama-3-8B-Instruct). */
	if (x->family != y->family)
		return x->family < y->family ? 1 : -1;
	if (x->params != y->params)
		return x->params < y->params ? 1 : -1;
	if (x->dist != y->dist)
		return x->dist > y->dist ? 1 : -1;
	return strcmp(x->name, y->name);
}

/*
 * For every mode that does not fit, the first smaller bundled model of
 * the same architecture, in sib_cmp's order, on which it does: "an 8B
 * alternative".  The siblings are loaded once.
 */
static void
alternatives(struct mp_planres *p)
{
	struct sibs		 s;
	struct mp_error		 e;
	struct mp_estimate	*est = NULL;
	struct mp_judgement	 j;
	struct mp_model		*ms = NULL;
	struct mp_option	*o;
	size_t			 i, k, nm = 0;

	memset(&s, 0, sizeof(s));
	s.m = p->model;
	mp_error_clear(&e);
	for (i = 0; i < p->n_opt && p->opt[i].j.fits; i++)
		continue;
	if (i == p->n_opt)
		return;
	if (!mp_catalog_list("models", ".json", sib_cb, &s, &e) || s.n == 0)
		goto out;
	qsort(s.v, s.n, sizeof(*s.v), sib_cmp);
	if ((est = malloc(sizeof(*est))) == NULL ||
	    (ms = calloc(s.n, sizeof(*ms))) == NULL)
		goto out;
	for (k = 0; k < s.n; k++, nm++) {
		mp_model_init(&ms[k]);
		if (!mp_model_load(s.v[k].name, &ms[k], &e))
			ms[k].params = 0;
	}
	for (i = 0; i < p->n_opt; i++) {
		o = &p->opt[i];
		if (o->j.fits)
			continue;
		for (k = 0; k < nm; k++) {
			if (ms[k].params == 0 ||
			    evaluate(&ms[k], p->hw, &o->est.sc, est, &j,
			    &e) != 1)
				continue;
			put(o->alt, sizeof(o->alt), "%s", s.v[k].name);
			o->alt_params = s.v[k].params;
			o->alt_judged = j.judged;
			o->alt_rank = (uint32_t)k;
			break;
		}
	}
out:
	for (k = 0; k < nm; k++)
		mp_model_fini(&ms[k]);
	free(ms);
	free(est);
	free(s.v);
}

static bool plan_at(const struct mp_model *, const struct mp_hardware *,
    const struct mp_scenario *, unsigned, struct mp_planres *,
    struct mp_error *, unsigned);

/* How many smaller models plan is run on, per goal, at most. */
#define SMALLER_TRIES	4

/* Keeps what plan recommends for goal g of the smaller model am. */
static void
smaller_keep(struct mp_smaller *sm, const struct mp_model *am,
    const struct mp_option *ao, enum mp_goal g)
{
	put(sm->name, sizeof(sm->name), "%s", am->name);
	sm->params = am->params;
	put(sm->label, sizeof(sm->label), "%s", ao->label);
	put(sm->command, sizeof(sm->command), "%s", ao->est.command);
	sm->judged = ao->j.judged;
	sm->capacity = ao->j.capacity;
	sm->tps = !ao->has_speed ? 0 : g == MP_GOAL_FINETUNE ?
	    ao->train_tps : ao->speed.decode_tps;
}

/*
 * The smaller model to name for goal g (mp_planres.smaller): where
 * nothing of g fits, or (serve) what the policy recommends runs layers
 * in host memory or below 4 bits.  The candidates are the smaller
 * models on which a mode that does not fit here fits, closest first
 * (alt_rank); each is planned on this machine with the same engine, one
 * level down, and the first whose own recommendation is no compromise
 * is named with it (Qwen3-8B at q5_k_m on an 8 GB card, not Qwen3-14B at
 * q2_k).  Where nothing of g fits and every candidate's is one, the
 * closest is named; beside a compromise, none.
 */
static void
smaller_models(struct mp_planres *p, const struct mp_scenario *base,
    unsigned set)
{
	struct mp_model		 am;
	struct mp_planres	*ap;
	struct mp_error		 e;
	const struct mp_option	*ao, *cand[SMALLER_TRIES];
	struct mp_smaller	 first;
	size_t			 i, k, n;
	unsigned		 g;

	if ((ap = calloc(1, sizeof(*ap))) == NULL)
		return;
	for (g = 0; g < MP_GOAL_CONVERT; g++) {
		struct mp_smaller *sm = &p->smaller[g];
		const struct mp_rec *rec = NULL;

		for (i = 0; i < p->n_rec && rec == NULL; i++)
			if (p->rec[i].goal == g)
				rec = &p->rec[i];
		if (rec != NULL && !mp_policy_compromise(p, &p->opt[rec->opt]))
			continue;
		/* Distinct candidates, closest first (insertion). */
		for (n = 0, i = 0; i < p->n_opt; i++) {
			const struct mp_option *o = &p->opt[i];

			if (o->goal != g || o->alt[0] == '\0')
				continue;
			for (k = 0; k < n && strcmp(cand[k]->alt, o->alt); k++)
				continue;
			if (k < n)
				continue;
			for (k = n; k > 0 && cand[k - 1]->alt_rank >
			    o->alt_rank; k--)
				if (k < SMALLER_TRIES)
					cand[k] = cand[k - 1];
			if (k < SMALLER_TRIES)
				cand[k] = o;
			if (n < SMALLER_TRIES)
				n++;
		}
		memset(&first, 0, sizeof(first));
		for (k = 0; k < n && sm->name[0] == '\0'; k++) {
			mp_model_init(&am);
			mp_error_clear(&e);
			if (!mp_model_load(cand[k]->alt, &am, &e) ||
			    !plan_at(&am, p->hw, base, set, ap, &e, 1)) {
				mp_model_fini(&am);
				continue;
			}
			for (ao = NULL, i = 0; i < ap->n_rec && ao == NULL; i++)
				if (ap->rec[i].goal == g)
					ao = &ap->opt[ap->rec[i].opt];
			if (ao != NULL && !mp_policy_compromise(ap, ao))
				smaller_keep(sm, &am, ao, g);
			else if (ao != NULL && first.name[0] == '\0')
				smaller_keep(&first, &am, ao, g);
			mp_planres_fini(ap);
			mp_model_fini(&am);
		}
		if (sm->name[0] == '\0' && rec == NULL)
			*sm = first;
		sm->beside = rec != NULL && sm->name[0] != '\0';
	}
	free(ap);
}

static bool
plan_at(const struct mp_model *m, const struct mp_hardware *hw,
    const struct mp_scenario *base, unsigned set, struct mp_planres *p,
    struct mp_error *err, unsigned depth)
{
	struct mp_scenario	 b = *base, t = *base;

	memset(p, 0, sizeof(*p));
	p->model = m;
	p->hw = hw;
	/*
	 * The GPUs are the placement step's (all of the profile's by
	 * default); a --gpus above the machine is an error here as in
	 * every command.
	 */
	if (!mp_place_scenario(m, hw, &t, NULL, err))
		return false;
	if (!plan_cands(p, m, hw, &b, set, err)) {
		mp_planres_fini(p);
		return false;
	}
	/* A smaller model's own plan names no smaller model. */
	if (depth == 0)
		alternatives(p);
	option_facts(p, m, hw);
	mp_policy_recommend(p);
	if (depth == 0)
		smaller_models(p, base, set);
	mp_policy_smaller(p);
	return true;
}

bool
mp_planner_plan(const struct mp_model *m, const struct mp_hardware *hw,
    const struct mp_scenario *base, unsigned set, struct mp_planres *p,
    struct mp_error *err)
{
	return plan_at(m, hw, base, set, p, err, 0);
}

void
mp_scenario_args(const struct mp_model *m, const struct mp_scenario *sc,
    char *buf, size_t len)
{
	size_t	 l;

#define ADD(...) do {							\
	l = strlen(buf);						\
	if (l < len)							\
		put(buf + l, len - l, __VA_ARGS__);			\
} while (0)
	if (len == 0)
		return;
	buf[0] = '\0';
	if (sc->mode != MP_MODE_INFER)
		ADD(" --mode %s", mp_mode_name(sc->mode));
	if (sc->mode == MP_MODE_CONVERT) {
		ADD(" --convert-pipeline %s", sc->pipeline);
		if (sc->weights != MP_DT_NONE || sc->ftype[0] != '\0')
			ADD(" --weights %s", mp_scenario_weights_name(sc));
		goto out;
	}
	if (sc->mode == MP_MODE_INFER && sc->runtime != MP_RT_TRANSFORMERS)
		ADD(" --runtime %s", sc->ollama ? "ollama" :
		    mp_runtime_name(sc->runtime));
	if (sc->mode != MP_MODE_QLORA &&
	    (sc->weights != MP_DT_NONE || sc->ftype[0] != '\0'))
		ADD(" --weights %s", mp_scenario_weights_name(sc));
	if (sc->seq != 0)
		ADD(" --seq %llu", (unsigned long long)sc->seq);
	if (sc->batch > 1)
		ADD(" --batch %llu", (unsigned long long)sc->batch);
	if (sc->gpus > 1)
		ADD(" --gpus %u", sc->gpus);
	if (sc->runtime == MP_RT_LLAMACPP && sc->mode == MP_MODE_INFER &&
	    sc->gpu_layers >= 0 && (m == NULL ||
	    (uint64_t)sc->gpu_layers < m->layers))
		ADD(" --gpu-layers %lld", (long long)sc->gpu_layers);
	/* llama.cpp placement the user chose stays on the line (issue 13) */
	if (sc->runtime == MP_RT_LLAMACPP && sc->mode == MP_MODE_INFER) {
		uint32_t i;
		const char *q;

		/* single-quoted for the shell, ' as '\'' */
		if (sc->override_tensor[0] != '\0') {
			ADD(" --override-tensor '");
			for (q = sc->override_tensor; *q != '\0'; q++)
				ADD(*q == '\'' ? "'\\''" : "%c", *q);
			ADD("'");
		}
		if (sc->n_cpu_moe == MP_CPU_MOE_ALL)
			ADD(" --cpu-moe");
		else if (sc->n_cpu_moe != 0)
			ADD(" --n-cpu-moe %u", sc->n_cpu_moe);
		if (sc->split_mode != MP_SPLIT_LAYER)
			ADD(" --split-mode %s",
			    mp_split_mode_choice(sc->split_mode));
		if (sc->main_gpu != 0)
			ADD(" --main-gpu %u", sc->main_gpu);
		for (i = 0; i < sc->n_tensor_split; i++) {
			/* hundredths, without the locale's decimal point */
			unsigned long long c = (unsigned long long)
			    ((double)sc->tensor_split[i] * 100 + 0.5);

			ADD("%s%llu", i == 0 ? " --tensor-split " : ",",
			    c / 100);
			if (c % 100 != 0)
				ADD(".%02llu", c % 100);
		}
	}
	if (mp_attn_explicit(m, sc))
		ADD(" --attn %s", mp_attn_choice((size_t)sc->attn - 1));
	if (sc->mode == MP_MODE_LORA || sc->mode == MP_MODE_QLORA ||
	    sc->mode == MP_MODE_FULL) {
		if (sc->optimizer != MP_OPT_ADAMW)
			ADD(" --optimizer %s", mp_optim_name(sc->optimizer));
		if (sc->grad_ckpt)
			ADD(" --grad-ckpt");
		/* the sharding scheme the row was judged with */
		if (sc->parallel != MP_PAR_NONE)
			ADD(" --parallel %s", mp_parallel_name(sc->parallel));
		if (sc->offload != MP_OFFLOAD_NONE)
			ADD(" --offload %s", mp_offload_name(sc->offload));
		if (sc->fsdp_version != 0)
			ADD(" --fsdp-version %u", sc->fsdp_version);
		if (sc->ds_hf_auto)
			ADD(" --ds-config hf-auto");
	}
	/* set by the user or the profile (0: one machine, not said) */
	if (sc->nodes != 0)
		ADD(" --nodes %u", sc->nodes);
out:
	/* Without the leading blank. */
	if (buf[0] == ' ')
		memmove(buf, buf + 1, strlen(buf));
#undef ADD
}

static enum mp_goal
goal_of(const struct mp_scenario *sc)
{
	switch (sc->mode) {
	case MP_MODE_CONVERT:
		return MP_GOAL_CONVERT;
	case MP_MODE_LORA:
	case MP_MODE_QLORA:
	case MP_MODE_FULL:
		return MP_GOAL_FINETUNE;
	default:
		return MP_GOAL_SERVE;
	}
}

/*
 * The asked conversion pipeline fits in none of its forms: what the
 * convert policy says instead (mp_policy_convert_fallback): the form
 * that needs the least swap when it needs less than the asked one, and
 * the smallest bundled machine it fits on.
 */
static void
convert_fallback(const struct mp_model *m, const struct mp_hardware *hw,
    const struct mp_scenario *sc, const struct mp_planres *p,
    struct mp_reco *out, size_t max, size_t *n)
{
	const struct mp_option	*o;
	struct mp_estimate	*est;
	struct mp_judgement	 j;
	struct mp_error		 e;
	struct mp_reco		*r;
	char			 mach[96];
	uint64_t		 judged, asked = UINT64_MAX;
	size_t			 li;

	if (!mp_policy_convert_fallback(p, &li, mach, sizeof(mach), &judged))
		return;
	o = &p->opt[li];
	if ((est = malloc(sizeof(*est))) != NULL) {
		if (evaluate(m, hw, sc, est, &j, &e) >= 0)
			asked = j.judged;
		free(est);
	}
	if (o->j.judged < asked && *n < max) {
		r = &out[(*n)++];
		memset(r, 0, sizeof(*r));
		mp_scenario_args(m, &o->est.sc, r->mode, sizeof(r->mode));
		put(r->label, sizeof(r->label), "%s", o->label);
		put(r->why, sizeof(r->why), "the least memory of the pipeline's "
		    "options; still needs swap here");
		r->total = o->j.judged;
		r->verdict = o->verdict;
	}
	if (mach[0] != '\0' && *n < max) {
		r = &out[(*n)++];
		memset(r, 0, sizeof(*r));
		mp_scenario_args(m, &o->est.sc, r->mode, sizeof(r->mode));
		put(r->label, sizeof(r->label), "%s", o->label);
		put(r->why, sizeof(r->why), "nothing of the pipeline fits in "
		    "this RAM: the smallest bundled machine it fits on");
		put(r->hardware, sizeof(r->hardware), "%s", mach);
		r->total = judged;
		r->fits = true;
		r->verdict = MP_VERDICT_FITS;
	}
}

bool
mp_planner_suggest(const struct mp_model *m, const struct mp_hardware *hw,
    const struct mp_scenario *sc, struct mp_reco *out, size_t max,
    size_t *n, struct mp_error *err)
{
	struct mp_planres	 p;
	struct mp_scenario	 base;
	enum mp_goal		 g = goal_of(sc);
	size_t			*idx = NULL, k, i;
	unsigned		 set = 0;
	bool			 ok = false;

	*n = 0;
	/* The user's workload (batch, context, rank); plan picks the rest. */
	mp_scenario_init(&base);
	base.batch = sc->batch;
	base.seq = sc->seq;
	base.rank = sc->rank;
	base.gpus = sc->gpus;
	base.nodes = sc->nodes;
	base.headroom = sc->headroom;
	base.headroom_pct = sc->headroom_pct;
	base.headroom_set = sc->headroom_set;
	base.mode = sc->mode;
	/* ... the attention implementation they chose (transformers
	 * rows) ... */
	base.attn = sc->attn;
	/* ... and the llama.cpp placement they chose (llama.cpp rows). */
	mp_scenario_placement_copy(&base, sc);
	/* A conversion is answered with the asked pipeline's options. */
	if (sc->mode == MP_MODE_CONVERT && sc->pipeline[0] != '\0') {
		put(base.pipeline, sizeof(base.pipeline), "%s", sc->pipeline);
		set |= MP_CK_PIPELINE;
	}
	/* The options and their order; no smaller models (not printed). */
	if (!plan_at(m, hw, &base, set, &p, err, 1))
		return false;
	if ((idx = calloc(p.n_opt ? p.n_opt : 1, sizeof(*idx))) == NULL) {
		mp_error_set(err, MP_ENOMEM, NULL, NULL, "out of memory");
		goto out;
	}
	/* Best first, by the policy plan recommends with: its
	 * recommendation (of the asked output, for a conversion) first. */
	k = mp_policy_rank(&p, g, idx);
	if (k == 0 && (set & MP_CK_PIPELINE))
		convert_fallback(m, hw, sc, &p, out, max, n);
	for (i = 0; i < k && *n < max; i++) {
		const struct mp_option	*o = &p.opt[idx[i]];
		struct mp_reco		*r = &out[*n];

		memset(r, 0, sizeof(*r));
		mp_scenario_args(m, &o->est.sc, r->mode, sizeof(r->mode));
		put(r->label, sizeof(r->label), "%s", o->label);
		put(r->why, sizeof(r->why), "%s", o->why);
		r->total = o->j.judged;
		r->fits = o->j.fits;
		r->verdict = o->verdict;
		if (o->has_speed)
			r->tokens_per_s = o->goal == MP_GOAL_FINETUNE ?
			    o->train_tps : o->speed.decode_tps;
		(*n)++;
	}
	ok = true;
out:
	free(idx);
	mp_planres_fini(&p);
	return ok;
}

/*
 * What to try instead of a report's scenario that does not fit: the plan
 * engine's best options for the same goal on this machine (one
 * recommendation engine), each a command line with its verdict.
 */
bool
mp_report_suggest(struct mp_report *r, const struct mp_model *m,
    const struct mp_hardware *hw, struct mp_error *err)
{
	if (hw == NULL || r->fits || r->j.verdict == MP_VERDICT_UNSUPPORTED)
		return true;
	return mp_planner_suggest(m, hw, &r->est->sc, r->recos, 3,
	    &r->n_recos, err);
}

void
mp_planres_fini(struct mp_planres *p)
{
	if (p == NULL)
		return;
	free(p->opt);
	p->opt = NULL;
	p->n_opt = p->cap_opt = 0;
}

