/* plan.c: every sensible mode on a machine, and the one recommended
 * (memplan plan; the suggestions estimate and fit print) */
/* SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fileio.h"
#include "planner.h"

static const char *const goal_names[MP_GOALS] = {
	"serve", "finetune", "convert"
};

const char *
mp_goal_name(enum mp_goal g)
{
	return (unsigned)g < MP_GOALS ? goal_names[g] : "?";
}

const char *
mp_verdict_name(enum mp_verdict v)
{
	switch (v) {
	case MP_VERDICT_FITS:
		return "fits";
	case MP_VERDICT_TIGHT:
		return "tight";
	case MP_VERDICT_UNSUPPORTED:
		return "unsupported";
	default:
		return "no";
	}
}

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

/*
 * Precision a conversion's output gives up: its format's bits per
 * element ("q4_k_m" is a q4_k mix), against 16.
 */
static uint32_t
target_loss(const struct mp_scenario *sc)
{
	const struct mp_dtype_info	*di;
	enum mp_dtype			 dt = sc->weights;
	char				 base[16];
	size_t				 n;
	double				 bits;

	if (dt == MP_DT_NONE && sc->ftype[0] != '\0') {
		put(base, sizeof(base), "%s", sc->ftype);
		if ((dt = mp_dtype_parse(base)) == MP_DT_NONE &&
		    (n = strlen(base)) > 2 && base[n - 2] == '_') {
			base[n - 2] = '\0';
			dt = mp_dtype_parse(base);
		}
	}
	if (dt == MP_DT_NONE || (di = mp_dtype_info(dt)) == NULL ||
	    di->block == 0)
		return 0;
	bits = (double)di->block_bytes * 8.0 / (double)di->block;
	return bits >= 16.0 ? 0 : (uint32_t)mp_round((16.0 - bits) * 100.0);
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

/* Adds the option for c (and its shorter-context variant). */
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
	if ((o = add_option(p, err)) == NULL)
		goto out;
	o->goal = c->goal;
	put(o->label, sizeof(o->label), "%s", c->label);
	o->est = s->tmp;
	o->j = s->tj;
	o->verdict = verdict(&o->j);
	o->prec_loss = c->quality != UINT32_MAX ? c->quality :
	    prec_loss(m, &o->est);
	o->speed_loss = c->speed + (o->j.swap_needed > 0 ? 2 : 0);
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
			if (evaluate(m, hw, &s->sc, &s->tmp, &s->tj, &e2) == 1 &&
			    (o = add_option(p, err)) != NULL) {
				o->goal = c->goal;
				put(o->label, sizeof(o->label),
				    "%s, --n-cpu-moe %u", c->label,
				    s->sc.n_cpu_moe);
				o->est = s->tmp;
				o->j = s->tj;
				o->verdict = verdict(&o->j);
				o->prec_loss = c->quality != UINT32_MAX ?
				    c->quality : prec_loss(m, &o->est);
				o->speed_loss = c->speed + 1;
				put(o->why, sizeof(o->why),
				    "experts of %u of %u layers in host memory "
				    "(run on the CPU); attention and the cache "
				    "on the GPU", s->sc.n_cpu_moe, m->layers);
			} else if (o == NULL)
				goto out;
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
			if (evaluate(m, hw, &s->sc, &s->tmp, &s->tj, &e2) == 1 &&
			    (o = add_option(p, err)) != NULL) {
				o->goal = c->goal;
				/* -ngl N: the output layer and the last N-1
				 * repeating layers (llamacpp.c). */
				put(o->label, sizeof(o->label),
				    "%s, -ngl %llu (%llu/%u layers + output)",
				    c->label, (unsigned long long)best,
				    (unsigned long long)(best - 1), m->layers);
				o->est = s->tmp;
				o->j = s->tj;
				o->verdict = verdict(&o->j);
				o->prec_loss = c->quality != UINT32_MAX ?
				    c->quality : prec_loss(m, &o->est);
				o->speed_loss = c->speed + 2;
				put(o->why, sizeof(o->why),
				    "partial offload: the first %llu layers "
				    "run on the CPU, much slower",
				    (unsigned long long)(m->layers + 1 - best));
			} else if (o == NULL)
				goto out;
		}
		s->sc = c->sc;
	}
	/* Shorter context at the same precision (context is lost second). */
	if (c->shorten) {
		want = o->est.sc.seq;
		s->f = F_SEQ;
		rc = mp_fit_search_max(s, 256, want, &best, &next, &e2);
		if (rc == 1 && best < want && best >= 256) {
			s->sc.seq = best;
			/* Round down to a multiple of 256 tokens. */
			s->sc.seq = best / 256 * 256;
			if (evaluate(m, hw, &s->sc, &s->tmp, &s->tj, &e2) == 1) {
				if ((o = add_option(p, err)) == NULL)
					goto out;
				o->goal = c->goal;
				put(o->label, sizeof(o->label),
				    "%s, seq %llu", c->label,
				    (unsigned long long)s->sc.seq);
				o->est = s->tmp;
				o->j = s->tj;
				o->verdict = verdict(&o->j);
				o->prec_loss = c->quality != UINT32_MAX ?
				    c->quality : prec_loss(m, &o->est);
				o->ctx_loss = 1;
				o->speed_loss = c->speed;
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

static bool
plan_cands(struct mp_planres *p, const struct mp_model *m,
    const struct mp_hardware *hw, const struct mp_scenario *base,
    unsigned set, struct mp_error *err)
{
	const struct mp_device	*d = mp_hardware_primary(hw);
	struct cand		 c;
	char			 lab[96];
	const char		*own, *pl;
	bool			 cuda, accel;
	size_t			 i;
	static const char *const gguf[] = {
		"q8_0", "q6_k", "q5_k_m", "q4_k_m", "q3_k_m", "q2_k", NULL
	};

	/* The checkpoint's dtype, as the scenario resolves a default. */
	char			 ship[64];
	enum mp_dtype		 shipped;

	own = m->torch_dtype != MP_DT_NONE ?
	    mp_dtype_info(m->torch_dtype)->name :
	    m->quant_method[0] != '\0' ? "bf16" : "f32";
	accel = d != NULL && d->backend != MP_BE_CPU;
	/* vLLM and bitsandbytes need a CUDA or ROCm GPU (place.c gates). */
	cuda = accel && (d->backend == MP_BE_CUDA || d->backend == MP_BE_ROCM);

#define CAND(g, lab, w) do {						\
	memset(&c, 0, sizeof(c));					\
	c.goal = (g);							\
	c.sc = *base;							\
	c.quality = UINT32_MAX;						\
	put(c.label, sizeof(c.label), "%s", (lab));		\
	c.wname = (w);							\
} while (0)
#define RUN() do {							\
	if ((c.wname == NULL ||						\
	    mp_fit_set_weights(&c.sc, c.wname)) &&			\
	    (!c.target || (c.quality = target_loss(&c.sc), true)) &&	\
	    wanted(set, base, &c.sc) && !try_cand(p, m, hw, &c, err))	\
		return false;						\
} while (0)

	/*
	 * A pre-quantized checkpoint is served as shipped (its
	 * quantization_config's format, weights.c), and its bf16 rows are
	 * the dequantized model.
	 */
	shipped = mp_shipped_dtype(m);
	if (shipped != MP_DT_NONE)
		put(ship, sizeof(ship), "%s (as shipped)",
		    mp_dtype_info(shipped)->name);
	else
		put(ship, sizeof(ship), "%s (the checkpoint's)", own);

	/*
	 * A .gguf file is served by llama.cpp as it is stored: its types
	 * were fixed by llama-quantize, and transformers, vLLM,
	 * bitsandbytes, training and conversions start from a Hugging Face
	 * checkpoint, not from it.
	 */
	if (m->source == MP_SRC_GGUF) {
		put(lab, sizeof(lab), "llama.cpp, as stored%s",
		    accel ? "" : " on the CPU");
		CAND(MP_GOAL_SERVE, lab, NULL);
		c.sc.mode = MP_MODE_INFER;
		c.sc.runtime = MP_RT_LLAMACPP;
		c.sc.runtime_set = true;
		if (!(set & MP_CK_WEIGHTS)) {
			c.sc.weights = MP_DT_NONE;
			c.sc.ftype[0] = '\0';
		}
		/* --weights on it: the scenario's own refusal, not an
		 * empty plan. */
		if (set & MP_CK_WEIGHTS) {
			struct mp_scenario t = c.sc;

			if (!mp_scenario_resolve(&t, m, err))
				return false;
		}
		if (!accel)
			c.sc.gpu_layers = 0;
		c.speed = accel ? 1 : 4;
		c.offload = accel;
		c.shorten = true;
		c.why = accel ? "the GGUF file as stored, all layers on the "
		    "accelerator" : "the GGUF file in RAM, memory-mapped";
		RUN();
		note_skipped(p, "transformers, vLLM and bitsandbytes serving, "
		    "re-quantization, fine-tuning and conversion of a GGUF "
		    "file (llama.cpp runs it as stored)");
		return true;
	}

	/* Serving. */
	put(lab, sizeof(lab), "transformers, %s", ship);
	CAND(MP_GOAL_SERVE, lab, NULL);
	c.sc.mode = MP_MODE_INFER;
	c.sc.runtime = MP_RT_TRANSFORMERS;
	c.sc.weights = (set & MP_CK_WEIGHTS) ? base->weights : MP_DT_NONE;
	c.sc.ftype[0] = '\0';
	c.speed = accel ? 2 : 4;
	c.shorten = true;
	c.why = accel ? "full precision with PyTorch" :
	    "full precision with PyTorch on the CPU (slow)";
	if (!(set & MP_CK_WEIGHTS))
		RUN();
	if (shipped != MP_DT_NONE) {
		CAND(MP_GOAL_SERVE, "transformers, bf16 (dequantized)", "bf16");
		c.sc.mode = MP_MODE_INFER;
		c.sc.runtime = MP_RT_TRANSFORMERS;
		c.speed = accel ? 2 : 4;
		c.shorten = true;
		c.why = "the checkpoint dequantized to bf16 at load";
		RUN();
	}
	if (cuda) {
		CAND(MP_GOAL_SERVE, "transformers, int8 (bitsandbytes)",
		    "int8");
		c.sc.mode = MP_MODE_INFER;
		c.sc.runtime = MP_RT_TRANSFORMERS;
		c.speed = 3;
		c.shorten = true;
		c.why = "LLM.int8() weights: half the memory, slower matmuls";
		RUN();
		CAND(MP_GOAL_SERVE, "transformers, nf4 (bitsandbytes)", "nf4");
		c.sc.mode = MP_MODE_INFER;
		c.sc.runtime = MP_RT_TRANSFORMERS;
		c.speed = 3;
		c.shorten = true;
		c.why = "4-bit NF4 weights quantized at load time";
		RUN();
		put(lab, sizeof(lab), "vLLM " MP_VLLM_VERSION ", %s", ship);
		CAND(MP_GOAL_SERVE, lab, NULL);
		c.sc.mode = MP_MODE_INFER;
		c.sc.runtime = MP_RT_VLLM;
		c.sc.weights = (set & MP_CK_WEIGHTS) ? base->weights :
		    MP_DT_NONE;
		c.speed = 0;
		c.shorten = true;
		c.why = "fastest serving: paged KV cache, batched decoding";
		if (!(set & MP_CK_WEIGHTS))
			RUN();
		CAND(MP_GOAL_SERVE, "vLLM " MP_VLLM_VERSION ", AWQ int4", "awq");
		c.sc.mode = MP_MODE_INFER;
		c.sc.runtime = MP_RT_VLLM;
		c.speed = 0;
		c.shorten = true;
		c.why = "4-bit AWQ checkpoint served by vLLM (needs an AWQ "
		    "export of the model)";
		RUN();
	}
	for (i = 0; gguf[i] != NULL; i++) {
		put(lab, sizeof(lab), "llama.cpp, %s%s", gguf[i],
		    accel ? "" : " on the CPU");
		CAND(MP_GOAL_SERVE, lab, gguf[i]);
		c.sc.mode = MP_MODE_INFER;
		c.sc.runtime = MP_RT_LLAMACPP;
		/* --weights on it: the scenario's own refusal, not an
		 * empty plan. */
		if (set & MP_CK_WEIGHTS) {
			struct mp_scenario t = c.sc;

			if (!mp_scenario_resolve(&t, m, err))
				return false;
		}
		if (!accel)
			c.sc.gpu_layers = 0;
		c.speed = accel ? 1 : 4;
		c.offload = accel;
		c.shorten = true;
		c.why = accel ? "GGUF weights, all layers on the accelerator" :
		    "GGUF weights in RAM, memory-mapped from the file";
		RUN();
	}

	/* Fine-tuning, where there is an accelerator to train on. */
	if (!accel && (!(set & MP_CK_MODE) || base->mode == MP_MODE_LORA ||
	    base->mode == MP_MODE_QLORA || base->mode == MP_MODE_FULL))
		mp_reason_set(&p->none[MP_GOAL_FINETUNE], "no accelerator to "
		    "train on: fine-tuning on the CPU is not planned");
	if (accel) {
		static const struct {
			enum mp_mode	 mode;
			enum mp_optim	 opt;
			bool		 ckpt;
			uint32_t	 quality, speed;
			const char	*label, *why;
		} ft[] = {
			{ MP_MODE_FULL, MP_OPT_ADAMW, false, 0, 0,
			  "full fine-tuning, AdamW",
			  "every weight trained, fp32 optimizer moments" },
			{ MP_MODE_FULL, MP_OPT_ADAMW, true, 0, 1,
			  "full fine-tuning, AdamW, checkpointing",
			  "every weight trained; activations recomputed" },
			{ MP_MODE_FULL, MP_OPT_ADAMW8BIT, true, 100, 1,
			  "full fine-tuning, 8-bit AdamW, checkpointing",
			  "every weight trained; 8-bit optimizer moments" },
			{ MP_MODE_LORA, MP_OPT_ADAMW, false, 200, 0,
			  "LoRA", "adapters on a frozen 16-bit base" },
			{ MP_MODE_LORA, MP_OPT_ADAMW, true, 200, 1,
			  "LoRA, checkpointing",
			  "adapters on a frozen 16-bit base; activations "
			  "recomputed" },
			{ MP_MODE_QLORA, MP_OPT_ADAMW, false, 1200, 0,
			  "QLoRA", "adapters on a frozen 4-bit NF4 base" },
			{ MP_MODE_QLORA, MP_OPT_ADAMW, true, 1200, 1,
			  "QLoRA, checkpointing",
			  "adapters on a frozen 4-bit NF4 base; activations "
			  "recomputed" },
		};

		static const struct {
			enum mp_parallel par;
			enum mp_offload	 off;
			bool		 no_qlora;	/* 4-bit base */
			uint32_t	 speed;
			const char	*label, *why;
		} shard[] = {
			{ MP_PAR_FSDP, MP_OFFLOAD_NONE, false, 1, "FSDP",
			  "FSDP full shard: weights, gradients and optimizer "
			  "state split over the GPUs, two layers gathered" },
			{ MP_PAR_FSDP, MP_OFFLOAD_CPU, false, 3,
			  "FSDP, CPU offload",
			  "FSDP full shard with the shards of weights, "
			  "gradients and optimizer state in host RAM (slow)" },
			{ MP_PAR_ZERO3, MP_OFFLOAD_CPU, true, 3,
			  "ZeRO-3, CPU offload",
			  "DeepSpeed ZeRO-3 with optimizer and parameters in "
			  "pinned host RAM (slow)" },
		};
		char lab2[160];
		size_t k;

		for (i = 0; i < sizeof(ft) / sizeof(ft[0]); i++) {
			put(lab, sizeof(lab), "%s r%u%s", ft[i].mode ==
			    MP_MODE_LORA ? "LoRA" : "QLoRA",
			    base->rank ? base->rank : 16,
			    ft[i].ckpt ? ", checkpointing" : "");
			CAND(MP_GOAL_FINETUNE,
			    ft[i].mode == MP_MODE_FULL ? ft[i].label : lab,
			    NULL);
			c.sc.mode = ft[i].mode;
			c.sc.runtime = MP_RT_TRANSFORMERS;
			c.sc.optimizer = ft[i].opt;
			c.sc.grad_ckpt = ft[i].ckpt || base->grad_ckpt;
			if (ft[i].ckpt == false && base->grad_ckpt)
				continue;
			c.quality = ft[i].quality;
			c.speed = ft[i].speed;
			c.shorten = true;
			c.why = ft[i].why;
			RUN();
			if (!multi_gpu(base, hw))
				continue;
			/*
			 * Several GPUs (or nodes): shard instead of
			 * replicating (parallel.c).  FSDP full shard for
			 * every mode (FSDP+QLoRA for a 4-bit base); for
			 * full fine-tuning and LoRA also ZeRO-3 with the
			 * optimizer and parameters offloaded to host RAM
			 * (not tried on a bitsandbytes 4-bit base).
			 */
			for (k = 0; k < sizeof(shard) / sizeof(shard[0]);
			    k++) {
				if (shard[k].no_qlora &&
				    ft[i].mode == MP_MODE_QLORA)
					continue;
				if (base->parallel != MP_PAR_NONE)
					break;	/* the user chose one */
				put(lab2, sizeof(lab2), "%s, %s", c.label,
				    shard[k].label);
				put(c.label, sizeof(c.label), "%s", lab2);
				c.sc.parallel = shard[k].par;
				c.sc.offload = shard[k].off;
				c.speed = ft[i].speed + shard[k].speed;
				c.why = shard[k].why;
				/* ZeRO brings DeepSpeed's Adam; an offloaded
				 * step runs on the CPU, where bitsandbytes'
				 * 8-bit AdamW (CUDA kernels) does not */
				if (ft[i].opt != MP_OPT_ADAMW &&
				    (shard[k].par == MP_PAR_ZERO3 ||
				    shard[k].off != MP_OFFLOAD_NONE))
					goto next_shard;
				RUN();
next_shard:
				put(c.label, sizeof(c.label), "%s",
				    ft[i].mode == MP_MODE_FULL ? ft[i].label :
				    lab);
			}
		}
	}

	/* Conversion pipelines (convert.c's list), in host memory. */
	for (i = 0; (pl = mp_convert_pipeline(i)) != NULL; i++) {
		put(lab, sizeof(lab), "convert: %s", pl);
		CAND(MP_GOAL_CONVERT, lab, NULL);
		c.sc.mode = MP_MODE_CONVERT;
		put(c.sc.pipeline, sizeof(c.sc.pipeline), "%s", pl);
		if (!(set & MP_CK_WEIGHTS))
			c.sc.weights = MP_DT_NONE;
		/* The output's precision: the checkpoint's unless --weights. */
		c.quality = target_loss(&c.sc);
		c.speed = mp_convert_pipeline_info(pl)->low_memory ? 1 : 0;
		c.why = mp_convert_pipeline_info(pl)->why;
		RUN();
	}
	/*
	 * Smaller exports: OpenVINO's weight compression and llama.cpp's
	 * quantized GGUF output.  Their precision is the target's.
	 */
	{
		static const struct {
			const char	*pipe, *w, *label, *why;
		} ex[] = {
			{ "openvino", "int8", "convert: openvino int8",
			  "OpenVINO IR with int8-compressed weights" },
			{ "openvino", "nf4", "convert: openvino int4",
			  "OpenVINO IR with 4-bit compressed weights" },
			{ "llamacpp", "q8_0", "convert: llamacpp q8_0",
			  "convert_hf_to_gguf.py --outtype q8_0" },
		};

		for (i = 0; i < sizeof(ex) / sizeof(ex[0]); i++) {
			CAND(MP_GOAL_CONVERT, ex[i].label, ex[i].w);
			c.sc.mode = MP_MODE_CONVERT;
			put(c.sc.pipeline, sizeof(c.sc.pipeline), "%s",
			    ex[i].pipe);
			c.quality = 0;
			c.why = ex[i].why;
			/* Weights are set in RUN(); the loss follows them. */
			c.target = true;
			RUN();
		}
	}
#undef CAND
#undef RUN
	return true;
}

/* Is a better than b for the same goal?  Lexicographic on quality lost. */
static bool
better(const struct mp_option *a, const struct mp_option *b)
{
	/* Room first: a tight option only when nothing fits with room. */
	if ((a->verdict == MP_VERDICT_FITS) != (b->verdict == MP_VERDICT_FITS))
		return a->verdict == MP_VERDICT_FITS;
	if (a->prec_loss != b->prec_loss)
		return a->prec_loss < b->prec_loss;
	if (a->ctx_loss != b->ctx_loss)
		return a->ctx_loss < b->ctx_loss;
	if (a->est.sc.seq != b->est.sc.seq)
		return a->est.sc.seq > b->est.sc.seq;
	if (a->speed_loss != b->speed_loss)
		return a->speed_loss < b->speed_loss;
	if ((a->verdict == MP_VERDICT_FITS) != (b->verdict == MP_VERDICT_FITS))
		return a->verdict == MP_VERDICT_FITS;
	return a->j.judged < b->j.judged;
}

/* ---- serve: tokens per second, the largest context, the policy ---- */

/*
 * An option "many times slower" than the fastest that fits is not
 * taken for precision alone: the recommendation keeps the options at
 * least 1/SERVE_SLOWER as fast as the fastest one, then takes the most
 * precise of them.
 */
#define SERVE_SLOWER	2.0
/* Weights below this many bits per parameter only when nothing at or
 * above it fits. */
#define SERVE_MIN_BITS	4.0

static double
opt_bits(const struct mp_option *o)
{
	return 16.0 - (double)o->prec_loss / 100.0;
}

/* Layers in host memory, or the whole model on the CPU. */
static bool
off_device(const struct mp_model *m, const struct mp_option *o)
{
	const struct mp_scenario *sc = &o->est.sc;

	if (o->est.on_host)
		return true;
	return sc->runtime == MP_RT_LLAMACPP && sc->gpu_layers >= 0 &&
	    (uint64_t)sc->gpu_layers < m->layers;
}

/* Speed and the largest context of every serve option. */
static void
serve_facts(struct mp_planres *p, const struct mp_model *m,
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
static bool
serve_better(const struct mp_option *a, const struct mp_option *b)
{
	if (a->prec_loss != b->prec_loss)
		return a->prec_loss < b->prec_loss;
	if (a->ctx_loss != b->ctx_loss)
		return a->ctx_loss < b->ctx_loss;
	if (a->has_speed && b->has_speed &&
	    a->speed.decode_tps != b->speed.decode_tps)
		return a->speed.decode_tps > b->speed.decode_tps;
	return better(a, b);
}

/*
 * Why the policy leaves o out, or NULL when it keeps it.  The filters
 * apply in order and only when some option passes them: fits with the
 * margin (not tight), at the asked context, on the devices (no layers in
 * host memory), at 4 bits or more, within SERVE_SLOWER of the fastest.
 */
struct serve_bar {
	bool	 fits, full_ctx, on_dev, bits;
	double	 fastest;
};

static const char *
serve_drop(const struct mp_model *m, const struct serve_bar *bar,
    const struct mp_option *o)
{
	if (o->verdict == MP_VERDICT_NO)
		return "does not fit";
	if (bar->fits && o->verdict != MP_VERDICT_FITS)
		return "tight: less than 10% headroom";
	if (bar->full_ctx && o->ctx_loss)
		return "a shorter context than asked";
	if (bar->on_dev && off_device(m, o))
		return "layers in host memory: slower";
	if (bar->bits && opt_bits(o) < SERVE_MIN_BITS)
		return "below 4 bits";
	if (bar->fastest > 0 && o->has_speed &&
	    o->speed.decode_tps * SERVE_SLOWER < bar->fastest)
		return "more than 2x slower than the fastest";
	return NULL;
}

/* How far o got through the policy's filters: a runner-up that fails a
 * later one is closer to being chosen. */
static int
serve_level(const struct mp_model *m, const struct serve_bar *bar,
    const struct mp_option *o)
{
	struct serve_bar	 t;
	int			 lvl;

	memset(&t, 0, sizeof(t));
	for (lvl = 0; lvl < 6; lvl++) {
		if (lvl == 1)
			t.fits = bar->fits;
		else if (lvl == 2)
			t.full_ctx = bar->full_ctx;
		else if (lvl == 3)
			t.on_dev = bar->on_dev;
		else if (lvl == 4)
			t.bits = bar->bits;
		else if (lvl == 5)
			t.fastest = bar->fastest;
		if (serve_drop(m, &t, o) != NULL)
			return lvl;
	}
	return lvl;
}

static void
serve_recommend(struct mp_planres *p, const struct mp_option **bestp,
    const struct mp_option **runnerp, const char **runner_why)
{
	const struct mp_model	*m = p->model;
	struct serve_bar	 bar;
	const struct mp_option	*o, *best = NULL, *run = NULL;
	size_t			 i;
	int			 step;

	memset(&bar, 0, sizeof(bar));
	/* Tighten the bar one filter at a time while some option passes. */
	for (step = 0; step < 5; step++) {
		struct serve_bar try = bar;
		bool any = false;

		if (step == 0)
			try.fits = true;
		else if (step == 1)
			try.full_ctx = true;
		else if (step == 2)
			try.on_dev = true;
		else if (step == 3)
			try.bits = true;
		else {
			for (i = 0; i < p->n_opt; i++) {
				o = &p->opt[i];
				if (o->goal == MP_GOAL_SERVE && o->has_speed &&
				    serve_drop(m, &bar, o) == NULL &&
				    o->speed.decode_tps > try.fastest)
					try.fastest = o->speed.decode_tps;
			}
		}
		for (i = 0; i < p->n_opt && !any; i++) {
			o = &p->opt[i];
			any = o->goal == MP_GOAL_SERVE &&
			    serve_drop(m, &try, o) == NULL;
		}
		if (any)
			bar = try;
	}
	for (i = 0; i < p->n_opt; i++) {
		o = &p->opt[i];
		if (o->goal == MP_GOAL_SERVE && serve_drop(m, &bar, o) ==
		    NULL && (best == NULL || serve_better(o, best)))
			best = o;
	}
	/* Runner-up: the next kept option, else the best one left out. */
	for (i = 0; i < p->n_opt; i++) {
		o = &p->opt[i];
		if (o == best || o->goal != MP_GOAL_SERVE ||
		    serve_drop(m, &bar, o) != NULL)
			continue;
		if (run == NULL || serve_better(o, run))
			run = o;
	}
	*runner_why = NULL;
	if (run == NULL) {
		int rl = -1;

		for (i = 0; i < p->n_opt; i++) {
			int l;

			o = &p->opt[i];
			if (o == best || o->goal != MP_GOAL_SERVE ||
			    o->verdict == MP_VERDICT_NO)
				continue;
			l = serve_level(m, &bar, o);
			if (run == NULL || l > rl || (l == rl &&
			    serve_better(o, run))) {
				run = o;
				rl = l;
				*runner_why = serve_drop(m, &bar, o);
			}
		}
	}
	p->serve_fastest = bar.fastest;
	*bestp = best;
	*runnerp = run;
}

/* The serve recommendation and why, with its runner-up. */
static void
serve_why(struct mp_planres *p, const struct mp_option *best,
    const struct mp_option *run, const char *rwhy)
{
	struct mp_rec	*r = &p->rec[p->n_rec++];
	char		 sp[96] = "", ctx[48] = "", ru[224] = "";
	char		 n1[32], n2[32];

	r->goal = MP_GOAL_SERVE;
	r->opt = (size_t)(best - p->opt);
	if (best->has_speed)
		put(sp, sizeof(sp), "; %s tokens/s decode%s",
		    mp_fmt_fixed(best->speed.decode_tps, 0, n1, sizeof(n1)),
		    best->speed.has_prefill ? "" : " (prompt speed unknown)");
	if (best->max_seq > 0)
		put(ctx, sizeof(ctx), ", context up to %llu tokens",
		    (unsigned long long)best->max_seq);
	if (run != NULL) {
		r->has_runner = true;
		r->runner = (size_t)(run - p->opt);
		mp_fmt_fixed(opt_bits(run), 1, n1, sizeof(n1));
		if (run->has_speed)
			put(ru, sizeof(ru), "; runner-up: %s (%s bits, %s "
			    "tokens/s%s%s)", run->label, n1, mp_fmt_fixed(
			    run->speed.decode_tps, 0, n2, sizeof(n2)),
			    rwhy != NULL ? "; " : "", rwhy != NULL ? rwhy : "");
		else	/* no speed figure: no empty rate */
			put(ru, sizeof(ru), "; runner-up: %s (%s bits%s%s)",
			    run->label, n1, rwhy != NULL ? "; " : "",
			    rwhy != NULL ? rwhy : "");
	}
	mp_reason_set(&r->why, "%s: {judged} of {capacity}%s%s; %s bits "
	    "per weight, the most precise option kept by the serve policy "
	    "(fits with margin, on the devices, 4 bits or more, within 2x "
	    "of the fastest: %s tokens/s, as far as any option "
	    "passes)%s%s (%s)", mp_verdict_name(best->verdict), sp, ctx,
	    mp_fmt_fixed(opt_bits(best), 1, n1, sizeof(n1)),
	    mp_fmt_fixed(p->serve_fastest, 0, n2, sizeof(n2)),
	    off_device(p->model, best) ? "; layers in host memory: nothing "
	    "fits on the devices alone" : "", ru, best->why);
	mp_reason_size(&r->why, "judged", best->j.judged);
	mp_reason_size(&r->why, "capacity", best->j.capacity);
}

static void
recommend(struct mp_planres *p)
{
	const struct mp_option	*o, *best, *least;
	struct mp_rec		*r;
	size_t			 i;
	unsigned		 g;
	int			 any;

	for (g = 0; g < MP_GOALS; g++) {
		best = least = NULL;
		any = 0;
		for (i = 0; i < p->n_opt; i++) {
			o = &p->opt[i];
			if (o->goal != g)
				continue;
			if (o->verdict == MP_VERDICT_UNSUPPORTED)
				continue;
			any = 1;
			if (least == NULL || o->j.judged < least->j.judged)
				least = o;
			if (o->verdict == MP_VERDICT_NO)
				continue;
			if (best == NULL || better(o, best))
				best = o;
		}
		if (g == MP_GOAL_SERVE && best != NULL && p->hw != NULL) {
			const struct mp_option *run;
			const char *rwhy;

			serve_recommend(p, &best, &run, &rwhy);
			if (best != NULL) {
				serve_why(p, best, run, rwhy);
				continue;
			}
		}
		if (best == NULL) {
			if (p->none[g].text[0] != '\0')
				/* Already said why (no accelerator). */
				continue;
			else if (!any && p->tried[g] == 0)
				/* Not asked for (--mode, --runtime). */
				continue;
			else if (!any)
				mp_reason_set(&p->none[g], "no %s mode could "
				    "be estimated here", mp_goal_name(g));
			else {
				const struct mp_option *alt = NULL;
				char n[32];

				mp_reason_set(&p->none[g], "nothing fits: the "
				    "smallest, %s, needs {needs} of {capacity}",
				    least->label);
				mp_reason_size(&p->none[g], "needs",
				    least->j.judged);
				mp_reason_size(&p->none[g], "capacity",
				    least->j.capacity);
				/* The least lossy mode a smaller model fits. */
				for (i = 0; i < p->n_opt; i++)
					if (p->opt[i].goal == g &&
					    p->opt[i].alt[0] != '\0' &&
					    (alt == NULL ||
					    better(&p->opt[i], alt)))
						alt = &p->opt[i];
				if (alt != NULL) {
					mp_reason_add(&p->none[g], "; a "
					    "smaller model fits: %s (%sB) "
					    "with %s, {smaller}", alt->alt,
					    mp_fmt_fixed((double)
					    alt->alt_params / 1e9, 1, n,
					    sizeof(n)), alt->label);
					mp_reason_size(&p->none[g], "smaller",
					    alt->alt_judged);
				}
			}
			continue;
		}
		r = &p->rec[p->n_rec++];
		r->goal = g;
		r->opt = (size_t)(best - p->opt);
		{
			static const char *const most[MP_GOALS] = {
				"the most precise weights that fit",
				"the most thorough training that fits",
				"the most precise output that fits",
			};
			const char *q = best->prec_loss == 0 ?
			    "no precision lost" : most[g];
			const char *ctx = best->ctx_loss ?
			    ", at a shorter context" : "";
			mp_reason_set(&r->why, "%s%s; %s: {judged} of "
			    "{capacity}%s (%s)", q, ctx,
			    mp_verdict_name(best->verdict),
			    best->j.swap_needed > 0 ? "; needs {swap} of "
			    "swap" : "", best->why);
			mp_reason_size(&r->why, "judged", best->j.judged);
			mp_reason_size(&r->why, "capacity", best->j.capacity);
			if (best->j.swap_needed > 0)
				mp_reason_size(&r->why, "swap",
				    best->j.swap_needed);
		}
	}
}

struct sib {
	char		 name[128];
	uint64_t	 params;
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
	if (mp_model_load(path, &m, &e) &&
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
		s->n++;
	}
	mp_model_fini(&m);
	return true;
}

static int
sib_cmp(const void *a, const void *b)
{
	const struct sib *x = a, *y = b;

	/* Largest first: the alternative that gives up the least. */
	return x->params < y->params ? 1 : x->params > y->params ? -1 :
	    strcmp(x->name, y->name);
}

/*
 * For every mode that does not fit, the largest smaller bundled model of
 * the same architecture on which it does: "a 14B alternative".  The
 * siblings are loaded once.
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

bool
mp_planner_plan(const struct mp_model *m, const struct mp_hardware *hw,
    const struct mp_scenario *base, unsigned set, struct mp_planres *p,
    struct mp_error *err)
{
	struct mp_scenario	 b = *base, t = *base;
	char			 note[8];

	memset(p, 0, sizeof(*p));
	p->model = m;
	p->hw = hw;
	/*
	 * The GPUs are the placement step's (all of the profile's by
	 * default); a --gpus above the machine is an error here as in
	 * every command.
	 */
	if (!mp_place_scenario(m, hw, &t, note, sizeof(note), err))
		return false;
	if (!plan_cands(p, m, hw, &b, set, err)) {
		mp_planres_fini(p);
		return false;
	}
	alternatives(p);
	serve_facts(p, m, hw);
	recommend(p);
	return true;
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

		if (sc->n_cpu_moe == MP_CPU_MOE_ALL)
			ADD(" --cpu-moe");
		else if (sc->n_cpu_moe != 0)
			ADD(" --n-cpu-moe %u", sc->n_cpu_moe);
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
	if (sc->mode == MP_MODE_LORA || sc->mode == MP_MODE_QLORA ||
	    sc->mode == MP_MODE_FULL) {
		if (sc->optimizer != MP_OPT_ADAMW)
			ADD(" --optimizer %s", mp_optim_name(sc->optimizer));
		if (sc->grad_ckpt)
			ADD(" --grad-ckpt");
	}
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

bool
mp_planner_suggest(const struct mp_model *m, const struct mp_hardware *hw,
    const struct mp_scenario *sc, struct mp_reco *out, size_t max,
    size_t *n, struct mp_error *err)
{
	struct mp_planres	 p;
	struct mp_scenario	 base;
	enum mp_goal		 g = goal_of(sc);
	size_t			*idx = NULL, k, i;
	bool			 ok = false;

	*n = 0;
	/* The user's workload (batch, context, rank); plan picks the rest. */
	mp_scenario_init(&base);
	base.batch = sc->batch;
	base.seq = sc->seq;
	base.rank = sc->rank;
	base.gpus = sc->gpus;
	base.headroom = sc->headroom;
	base.headroom_pct = sc->headroom_pct;
	base.headroom_set = sc->headroom_set;
	base.mode = sc->mode;
	if (!mp_planner_plan(m, hw, &base, 0, &p, err))
		return false;
	if ((idx = calloc(p.n_opt ? p.n_opt : 1, sizeof(*idx))) == NULL) {
		mp_error_set(err, MP_ENOMEM, NULL, NULL, "out of memory");
		goto out;
	}
	for (i = k = 0; i < p.n_opt; i++)
		if (p.opt[i].goal == g &&
		    (p.opt[i].verdict == MP_VERDICT_FITS ||
		    p.opt[i].verdict == MP_VERDICT_TIGHT))
			idx[k++] = i;
	/* Best first, in the order recommend() chooses by (a handful of
	 * options: insertion sort, no shared state). */
	for (i = 1; i < k; i++) {
		size_t t = idx[i], j2 = i;

		for (; j2 > 0 && better(&p.opt[t], &p.opt[idx[j2 - 1]]); j2--)
			idx[j2] = idx[j2 - 1];
		idx[j2] = t;
	}
	/* plan's own recommendation for the goal comes first. */
	for (i = 0; i < p.n_rec; i++)
		if (p.rec[i].goal == g) {
			size_t at, r = p.rec[i].opt;

			for (at = 0; at < k && idx[at] != r; at++)
				continue;
			if (at < k) {
				memmove(idx + 1, idx, at * sizeof(*idx));
				idx[0] = r;
			}
		}
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

