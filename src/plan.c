/* plan.c: every sensible mode on a machine, and the one recommended
 * (memplan plan; the suggestions estimate and fit print) */
/* SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/*
 * What every llama.cpp serve option shares: inference on llama.cpp, all
 * layers on the accelerator (fewer tried when it does not fit) or none
 * on a CPU-only machine, a shorter context tried.  --weights given with
 * a GGUF source gets the scenario's own refusal, not an empty plan.
 */
static bool
llamacpp_cand(struct cand *c, const struct mp_model *m, unsigned set,
    bool accel, struct mp_error *err)
{
	c->sc.mode = MP_MODE_INFER;
	c->sc.runtime = MP_RT_LLAMACPP;
	if (set & MP_CK_WEIGHTS) {
		struct mp_scenario t = c->sc;

		if (!mp_scenario_resolve(&t, m, err))
			return false;
	}
	if (!accel)
		c->sc.gpu_layers = 0;
	c->speed = accel ? 1 : 4;
	c->offload = accel;
	c->shorten = true;
	return true;
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
		c.sc.runtime_set = true;
		if (!(set & MP_CK_WEIGHTS)) {
			c.sc.weights = MP_DT_NONE;
			c.sc.ftype[0] = '\0';
		}
		if (!llamacpp_cand(&c, m, set, accel, err))
			return false;
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
		if (!llamacpp_cand(&c, m, set, accel, err))
			return false;
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
	option_facts(p, m, hw);
	mp_policy_recommend(p);
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
	unsigned		 set = 0;
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
	/* A conversion is answered with the asked pipeline's options. */
	if (sc->mode == MP_MODE_CONVERT && sc->pipeline[0] != '\0') {
		put(base.pipeline, sizeof(base.pipeline), "%s", sc->pipeline);
		set |= MP_CK_PIPELINE;
	}
	if (!mp_planner_plan(m, hw, &base, set, &p, err))
		return false;
	if ((idx = calloc(p.n_opt ? p.n_opt : 1, sizeof(*idx))) == NULL) {
		mp_error_set(err, MP_ENOMEM, NULL, NULL, "out of memory");
		goto out;
	}
	/* Best first, by the policy plan recommends with: its
	 * recommendation (of the asked output, for a conversion) first. */
	k = mp_policy_rank(&p, g, idx);
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

