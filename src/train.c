/* train.c: LoRA, QLoRA and full fine-tuning memory with transformers */
/* SPDX-License-Identifier: MIT */
#include <stdlib.h>
#include <string.h>

#include "runtime.h"

/*
 * What one training step (forward with labels, backward, optimizer step)
 * keeps alive, as PyTorch 2.11 / transformers 5.17 / peft 0.21 allocate
 * it.  Every figure below is a count of live tensors; the peak is the
 * worst of three moments:
 *
 *   F  the start of backward: every tensor saved for backward (or, with
 *      gradient checkpointing, only each layer's input) plus the loss's
 *      fp32 vocab-sized tensors, weights and the optimizer state;
 *   B  with checkpointing, the last layer recomputed (layer 0): its full
 *      saved activations while nearly every gradient already exists;
 *   O  the optimizer step: weights, gradients, state and the step's own
 *      temporaries.
 *
 * Activations are summed per token from the tensors of each layer, so a
 * new architecture is described by its tensor list, not by a constant.
 */

/* cuBLAS handles of a training step, each with its workspace
 * (CUBLAS_WORKSPACE_BYTES, runtime.h): one for the thread running
 * forward and one for autograd's device thread in backward. */
#define CUBLAS_HANDLES		2
/* bitsandbytes 8-bit optimizers: blockwise quantization in blocks of 256
 * (bitsandbytes/optim/optimizer.py, Optimizer8bit, block_wise) and
 * tensors under min_8bit_size = 4096 elements keep 32-bit state. */
#define BNB_BLOCK		256
#define BNB_MIN_8BIT		4096

struct tctx {
	const struct mp_model	*m;
	const struct mp_scenario *sc;
	const struct mp_lora	*lo;	/* NULL for full fine-tuning */
	bool			 full;	/* every weight trains */
	bool			 qlora;
	bool			 amp;	/* fp32 master weights + autocast */
	uint64_t		 a;	/* bytes of a compute-dtype value */
	uint64_t		 rs;	/* bytes of the residual stream */
	uint64_t		 seq, tokens;
	bool			 eager;	/* --attn eager (or the model's) */
	bool			 dropout; /* attention_dropout > 0 */
	bool			 math;	/* SDPA on PyTorch's math kernel */
	enum mp_dtype		 cd;	/* the compute dtype */
	/* Tensors of layer l are lidx[lstart[l] .. lstart[l + 1]): built
	 * once, so per-layer work is not layers x tensors. */
	size_t			*lstart, *lidx;
};

/* A counting sort of the tensors by layer (outside layers excluded). */
static bool
layer_index(struct tctx *c, struct mp_error *err)
{
	const struct mp_model	*m = c->m;
	size_t			 i, l, *fill;

	c->lstart = calloc((size_t)m->layers + 1, sizeof(size_t));
	c->lidx = calloc(m->n_tensors + 1, sizeof(size_t));
	fill = calloc((size_t)m->layers + 1, sizeof(size_t));
	if (c->lstart == NULL || c->lidx == NULL || fill == NULL) {
		free(fill);
		return mp_error_set(err, MP_ENOMEM, NULL, NULL, "out of memory");
	}
	for (i = 0; i < m->n_tensors; i++) {
		int32_t t = m->tensors[i].layer;

		if (t >= 0 && (uint32_t)t < m->layers)
			c->lstart[t + 1]++;
	}
	for (l = 0; l < m->layers; l++)
		c->lstart[l + 1] += c->lstart[l];
	for (i = 0; i < m->n_tensors; i++) {
		int32_t t = m->tensors[i].layer;

		if (t >= 0 && (uint32_t)t < m->layers)
			c->lidx[c->lstart[t] + fill[t]++] = i;
	}
	free(fill);
	return true;
}

static void
layer_index_free(struct tctx *c)
{
	free(c->lstart);
	free(c->lidx);
	c->lstart = c->lidx = NULL;
}

static bool
adapted(const struct tctx *c, size_t i)
{
	return c->lo != NULL && c->lo->rank[i] != 0;
}

static uint64_t
in_width(const struct mp_tensor *t)
{
	return t->ndim >= 2 ? t->dims[t->ndim - 1] : t->dims[0];
}

static bool
ends_with(const char *s, const char *suf)
{
	size_t n = strlen(s), k = strlen(suf);

	return n >= k && strcmp(s + n - k, suf) == 0;
}

/* Which saved input a Linear shares with its siblings. */
enum ingroup { IN_ATTN, IN_MLP, IN_OWN, IN_SDPA };

static enum ingroup
input_group(unsigned k)
{
	switch (k) {
	case MP_TK_ATTN_Q: case MP_TK_ATTN_K: case MP_TK_ATTN_V:
	case MP_TK_ATTN_QKV: case MP_TK_ATTN_Q_A: case MP_TK_ATTN_KV_A:
	case MP_TK_SSM_IN:
		return IN_ATTN;
	case MP_TK_FFN_GATE: case MP_TK_FFN_UP: case MP_TK_FFN_GATE_UP:
	case MP_TK_SHEXP_GATE: case MP_TK_SHEXP_UP: case MP_TK_ROUTER:
	case MP_TK_SHEXP_ROUTER:
		return IN_MLP;
	case MP_TK_ATTN_O:
		return IN_SDPA;
	default:
		return IN_OWN;
	}
}

/*
 * How a routed-expert block saves for backward in transformers 5.17's
 * grouped_mm experts path (integrations/moe.py, grouped_mm_experts_forward,
 * the default experts_implementation: modeling_utils.py
 * get_correct_experts_implementation).  Per routed (token, expert) sample,
 * in compute-dtype values of the expert width I:
 *   - default gate (act_fn(gate) * up on chunk views of gate_up_out): the
 *     activation saves its input, a view that keeps all 2I of gate_up_out,
 *     and the product saves the activation's output (I): 3I;
 *   - gpt-oss's _apply_gate (modular_gpt_oss.py GptOssExperts): the
 *     bias-added gate_up (2I, kept by both clamps' saved inputs), the
 *     clamped gate, sigmoid(gate * alpha), glu and up + 1 (I each): 6I.
 * The router: generic routers keep an fp32 copy of their input and fp32
 * probabilities over all experts; gpt-oss's GptOssTopKRouter takes the
 * top k of the bf16 logits (topk saves its int64 indices) and softmaxes
 * only those k values in their own dtype (softmax saves its output).
 */
struct expert_path {
	const char	*model_type;
	unsigned	 gate_i;	/* values of I the gate saves */
	bool		 topk_router;	/* softmax over the top k only */
};

static const struct expert_path expert_paths[] = {
	{ "gpt_oss", 6, true },
};

static const struct expert_path *
expert_path(const struct mp_model *m)
{
	static const struct expert_path generic = { "", 3, false };
	size_t i;

	for (i = 0; i < sizeof(expert_paths) / sizeof(expert_paths[0]); i++)
		if (strcmp(m->model_type, expert_paths[i].model_type) == 0)
			return &expert_paths[i];
	return &generic;
}

/* Does this model apply a sliding-window mask at this sequence length? */
static bool
window_mask(const struct tctx *c, uint32_t l)
{
	const struct mp_model *m = c->m;
	static const char *const all_layers[] = { "mistral", "mixtral",
		"phi3", "phimoe", "starcoder2" };
	size_t i;

	if (m->layer[l].kind == MP_LK_SLIDING)
		return m->layer[l].window > 0 && m->layer[l].window < c->seq;
	if (m->sliding_window == 0 || m->sliding_window >= c->seq)
		return false;
	/* These apply config.sliding_window on every layer. */
	for (i = 0; i < sizeof(all_layers) / sizeof(all_layers[0]); i++)
		if (strcmp(m->model_type, all_layers[i]) == 0)
			return true;
	return false;
}

/*
 * Bytes saved for backward per token by decoder layer l, and the bytes
 * per layer that do not scale with tokens (*fixed).
 */
static uint64_t
layer_bytes(const struct tctx *c, uint32_t l, uint64_t *fixed)
{
	const struct mp_model	*m = c->m;
	uint64_t		 a = c->a, rs = c->rs, b = 0, H = m->hidden;
	uint64_t		 nh = m->heads, nkv = m->kv_heads;
	uint64_t		 hd = m->head_dim;
	uint64_t		 vh = m->v_head_dim ? m->v_head_dim : hd;
	bool			 shared[2] = { false, false };
	bool			 has_q = false, has_qkv = false;
	bool			 has_mla = false, qk_norm = false;
	bool			 gated = false, has_mlp = false;
	bool			 layernorm = false, sinks = false;
	bool			 exp_train = c->full;
	uint64_t		 inter = 0, shexp = 0, moe_inter = 0;
	uint64_t		 ssm_out = 0;
	uint64_t		 ssm_in = 0, n_ln = 0;
	size_t			 i, ti;

	*fixed = 0;
	for (ti = c->lstart[l]; ti < c->lstart[l + 1]; ti++) {
		const struct mp_tensor	*t;
		enum ingroup		 g;

		i = c->lidx[ti];
		t = &m->tensors[i];
		if (t->flags & MP_TF_BUFFER)
			continue;
		switch (t->kind) {
		case MP_TK_NORM:
			if (!ends_with(t->name, ".weight"))
				layernorm = true;	/* a LayerNorm bias */
			else if (strstr(t->name, "q_norm") != NULL ||
			    strstr(t->name, "k_norm") != NULL)
				qk_norm = true;
			else if (t->dims[0] == H)
				n_ln++;
			else
				/* MLA kv_a/q_a RMSNorm: fp32 copy of the
				 * input, and its output when it trains */
				b += 4 * t->dims[0] + (c->full ? a *
				    t->dims[0] : 0);
			break;
		case MP_TK_ATTN_Q:
			has_q = true;
			break;
		case MP_TK_ATTN_QKV:
			has_qkv = true;
			break;
		case MP_TK_ATTN_KV_A:
			has_mla = true;
			break;
		case MP_TK_ATTN_SINKS:
			sinks = true;
			break;
		case MP_TK_FFN_GATE:
			gated = true;
			inter = t->dims[0];
			break;
		case MP_TK_FFN_GATE_UP:
			gated = true;
			inter = t->dims[0] / 2;
			break;
		case MP_TK_FFN_UP:
			if (inter == 0)
				inter = t->dims[0];
			break;
		case MP_TK_SHEXP_GATE:
			shexp = t->dims[0];
			break;
		case MP_TK_EXP_GATE: case MP_TK_EXP_UP: case MP_TK_EXP_DOWN:
		case MP_TK_EXP_GATE_UP:
			if (t->kind == MP_TK_EXP_DOWN)
				moe_inter = t->dims[2];
			if (adapted(c, i)) {
				exp_train = true;
				/* peft's ParamWrapper merges W + BA for the
				 * call; the expert matmuls save the merged
				 * stack (compute dtype) for backward */
				*fixed = mp_adds(*fixed, mp_muls(a,
				    mp_tensor_numel(t)));
			}
			break;
		case MP_TK_SSM_IN:
			ssm_in = t->dims[0];
			break;
		case MP_TK_SSM_OUT:
			ssm_out = t->dims[1];
			break;
		default:
			break;
		}
		if (!(t->flags & MP_TF_LINEAR) || t->ndim != 2)
			continue;
		if (t->kind >= MP_TK_FFN_GATE && t->kind <= MP_TK_FFN_GATE_UP)
			has_mlp = true;
		/*
		 * The input a Linear saves for its weight gradient: the base
		 * layer keeps it (compute dtype) when its weight trains, and
		 * bitsandbytes' MatMul4Bit keeps it for the input gradient;
		 * peft's lora_A casts it to fp32 and keeps that copy.
		 * q/k/v (gate/up) read the same tensor, but under autocast
		 * each Linear casts its fp32 input separately.
		 */
		g = input_group(t->kind);
		if (c->full || c->qlora) {
			if (g == IN_ATTN || g == IN_MLP) {
				if (c->amp || !shared[g])
					b += a * in_width(t);
				shared[g] = true;
			} else if (g == IN_OWN)
				b += a * in_width(t);
		}
		if (adapted(c, i))
			b += 4 * in_width(t);
	}
	/*
	 * Norms.  RMSNorm upcasts: the fp32 copy of its input is saved
	 * (pow, mul), and the normalized value when its weight trains.
	 * LayerNorm saves its input; GPT-NeoX/GPT-J feed both from one x.
	 */
	if (layernorm) {
		if (strcmp(m->model_type, "gpt_neox") == 0 ||
		    strcmp(m->model_type, "gptj") == 0)
			n_ln = 1;
		b += n_ln * rs * H;
	} else
		b += n_ln * (4 * H + (c->full ? rs * H : 0));
	/* Attention: what SDPA saves (q, k after rotary, v, output, lse). */
	if (has_mla) {
		uint64_t qk = (uint64_t)m->qk_nope_dim + m->qk_rope_dim;

		b += 2 * a * nh * qk;			/* q, k */
		b += a * nh * ((uint64_t)m->qk_nope_dim + vh); /* kv_b out,
							 * kept by v's view */
		b += a * nh * vh + 4 * nh;		/* output, lse */
	} else if (has_q || has_qkv) {
		if (c->eager)
			/*
			 * eager_attention_forward (modeling_llama.py, and
			 * gpt-oss's in modular_gpt_oss.py): matmul(q, k^T)
			 * saves q after rotary and k after repeat_kv, whose
			 * expand + reshape copies k to every query head;
			 * matmul(scores, v) saves v repeated the same way.
			 * No attention output or logsumexp is kept.
			 */
			b += 3 * a * nh * hd;
		else if (c->math && !window_mask(c, l))
			/*
			 * SDPA on PyTorch's math kernel (transformers.c
			 * mp_sdpa_math; a layer with a window mask gets
			 * repeat_kv from transformers instead of enable_gqa,
			 * and a fused kernel): its matmuls save the fp32 q and the
			 * fp32 k and v repeated to every query head; softmax
			 * saves its fp32 output, which the second matmul
			 * saves too: 4 bytes a score.
			 */
			b += 3 * 4 * nh * hd + 4 * nh * c->seq;
		else
			b += a * (nh + 2 * nkv) * hd + a * nh * hd + 4 * nh;
		if (has_qkv)	/* v is a view: the fused output stays */
			b += a * (nh + nkv) * hd;
		if (qk_norm)
			b += 4 * (nh + nkv) * hd +
			    (c->full ? a * (nh + nkv) * hd : 0);
	}
	if (has_q || has_qkv || has_mla) {
		if (c->eager && sinks)
			/*
			 * gpt-oss eager attention with sinks (modular_gpt_oss.py
			 * eager_attention_forward): the scores are scaled and
			 * masked (a scalar mul and an add save nothing), cat
			 * with the sinks column (cat saves only sizes), less
			 * their row max (max(dim) saves int64 indices, one per
			 * head and token), then softmax(dtype=the logits' own
			 * dtype) saves its compute-dtype output of seq + 1
			 * columns.  probs[..., :-1] is a view, dropout(p=0)
			 * returns its input and .to(v.dtype) is a no-op, so
			 * the second matmul saves a view of that same output:
			 * no fp32 copy, no second copy.
			 */
			b += a * nh * (c->seq + 1) + 8 * nh;
		else if (c->eager)
			/* llama-style eager: one row of seq scores per head
			 * and token, with what softmax, the .to(q.dtype)
			 * copy and dropout keep (mp_eager_saved) */
			b += mp_eager_saved(c->cd, c->dropout) * nh * c->seq;
		else if (window_mask(c, l))
			/* SDPA turns the boolean window mask into an
			 * additive one per call and saves it */
			b += a * c->seq;
	}
	/* MLP: activation input, activation output and up (gated). */
	if (has_mlp)
		b += (gated ? 3 : 1) * a * inter;
	if (m->layer[l].moe || moe_inter != 0) {
		uint64_t k = m->experts_per_tok ? m->experts_per_tok : 1;
		uint64_t e = m->n_experts;
		const struct expert_path *ep = expert_path(m);

		if (ep->topk_router)
			/* topk's int64 indices and the top-k softmax output;
			 * the frozen router Linear saves its input only when
			 * it trains */
			b += k * (8 + a) + (c->full ? a * H : 0);
		else
			/* router: fp32 input copy and probabilities */
			b += 4 * H + 8 * e;
		/*
		 * Per routed sample: what the gate saves (ep->gate_i x I),
		 * and the expert output, saved with the routing weight by
		 * their product (grouped_mm_experts_forward).  When the
		 * experts train, the two _grouped_mm calls also save their
		 * inputs (the gathered hidden state, H, and the gated
		 * output, I); frozen experts do not: autograd keeps a
		 * matmul's input only for its weight's gradient.
		 */
		b += k * a * (H + ep->gate_i * moe_inter);
		if (exp_train)
			b += k * a * (H + moe_inter);
		if (ep->topk_router)
			/* the routing weight of each sample, and the int64
			 * token_idx, perm and inv_perm the gathers keep */
			b += k * (a + 24);
		if (shexp != 0)
			b += 3 * a * shexp;
	}
	if (ssm_in != 0)
		/* Mamba2 mixer (approximate): in_proj output, conv output,
		 * scan output and the gated norm's fp32 copy */
		b += a * ssm_in + 2 * a * ssm_out + 4 * ssm_out;
	return b;
}

/* Bytes of the largest Linear (bitsandbytes dequantizes it per call). */
static uint64_t
largest_linear(const struct mp_model *m)
{
	uint64_t	 best = 0;
	size_t		 i;

	for (i = 0; i < m->n_tensors; i++)
		if ((m->tensors[i].flags & MP_TF_LINEAR) &&
		    m->tensors[i].kind != MP_TK_OUTPUT &&
		    mp_tensor_numel(&m->tensors[i]) > best)
			best = mp_tensor_numel(&m->tensors[i]);
	return best;
}

/* Elements of the largest LoRA A or B matrix. */
static uint64_t
largest_adapter(const struct mp_model *m, const struct mp_lora *lo)
{
	uint64_t	 ab[2], bb[2], best = 0;
	size_t		 i;

	for (i = 0; i < m->n_tensors; i++) {
		if (!mp_lora_shapes(m, lo, i, ab, bb))
			continue;
		if (mp_muls(ab[0], ab[1]) > best)
			best = mp_muls(ab[0], ab[1]);
		if (mp_muls(bb[0], bb[1]) > best)
			best = mp_muls(bb[0], bb[1]);
	}
	return best;
}

/* Optimizer state bytes for n elements of tensors in dtype bytes db. */
struct optsum {
	uint64_t	 state;		/* persistent state */
	uint64_t	 temp;		/* the step's largest temporary */
	uint64_t	 tensors;	/* parameters with state */
};

static void
opt_tensor(enum mp_optim o, const struct mp_tensor *t, uint64_t n,
    uint64_t db, struct optsum *s)
{
	uint64_t rows, cols;

	s->tensors++;
	switch (o) {
	case MP_OPT_ADAMW:
		/* exp_avg and exp_avg_sq in the parameter's dtype, and a
		 * float32 scalar step (torch.optim.AdamW, not fused) */
		s->state = mp_adds(s->state, mp_adds(mp_muls(2 * db, n), 4));
		/* foreach: sqrt(exp_avg_sq) of every parameter at once */
		s->temp = mp_adds(s->temp, mp_muls(db, n));
		break;
	case MP_OPT_ADAMW8BIT:
		if (n < BNB_MIN_8BIT) {
			s->state = mp_adds(s->state, mp_muls(8, n));
			break;
		}
		/* two uint8 states and an fp32 absmax per block of 256 */
		s->state = mp_adds(s->state, mp_muls(2, mp_adds(n,
		    mp_muls(4, n / BNB_BLOCK + (n % BNB_BLOCK != 0)))));
		break;
	case MP_OPT_SGD:
		/* torch.optim.SGD without momentum keeps no state */
		s->tensors--;
		break;
	case MP_OPT_ADAFACTOR:
		/* transformers Adafactor: factored fp32 second moment, row
		 * and column vectors for >= 2-D tensors, full for 1-D; the
		 * step works on fp32 copies of grad, update and weight */
		if (t != NULL && t->ndim >= 2) {
			rows = t->ndim == 3 ? mp_muls(t->dims[0], t->dims[1]) :
			    t->dims[0];
			cols = t->ndim == 3 ? mp_muls(t->dims[0], t->dims[2]) :
			    t->dims[1];
			s->state = mp_adds(s->state, mp_muls(4,
			    mp_adds(rows, cols)));
		} else
			s->state = mp_adds(s->state, mp_muls(4, n));
		if (mp_muls(12, n) > s->temp)
			s->temp = mp_muls(12, n);
		break;
	}
}

/* The memory of one moment of the step, by component. */
struct phase {
	uint64_t	 weights, adapters, grads, optim, acts, logits;
};

static uint64_t
phase_total(const struct phase *p)
{
	return mp_adds(mp_adds(mp_adds(p->weights, p->adapters),
	    mp_adds(p->grads, p->optim)), mp_adds(p->acts, p->logits));
}

/*
 * One training step, summed once by step_states(), step_activations()
 * and step_shard(); the moments below read it.
 */
struct step {
	struct tctx		 c;
	struct mp_lora		 lo;
	struct mp_scenario	 wsc;	/* the weights as held: NF4 for QLoRA */
	enum mp_parallel	 par;
	enum mp_dtype		 cd;	/* the compute dtype */
	uint64_t		 gpus, nodes;
	/* FSDP with --amp: accelerate's FSDP mixed precision (step_init) */
	bool			 fsdp_mp;
	/* What lives through the whole step; per GPU after step_shard(). */
	uint64_t		 W, A, G;	/* weights, adapters, gradients */
	struct optsum		 os;
	uint64_t		 ddp;		/* communication buckets */
	uint64_t		 gather;	/* unsharded parameters in flight */
	struct mp_states	 st;
	uint64_t		 trainable, n_mod;
	uint64_t		 lin;		/* Linear parameters */
	/* What backward keeps, and the step's fixed buffers. */
	uint64_t		 acts_all;	/* saved by every layer */
	uint64_t		 acts_max;	/* saved by the largest layer */
	uint64_t		 per0;		/* layer 0's bytes per token */
	uint64_t		 ck;		/* checkpointed layer inputs */
	uint64_t		 fin;		/* the final norm (and lm_head) */
	uint64_t		 logits;	/* the fp32 loss */
	uint64_t		 wcopy, wcopy_out; /* autocast weight copies */
	uint64_t		 deq;		/* a dequantized 4-bit Linear */
	uint64_t		 ws;		/* cuBLAS workspaces */
	/* Candidates for the largest single request. */
	uint64_t		 blk_stack;	/* a merged expert stack */
	uint64_t		 blk_param;	/* the largest trained tensor */
};

/* The training scenarios this model covers; a run on several GPUs
 * without --parallel is DDP, as torchrun with Trainer does. */
static bool
step_check(const struct mp_model *m, const struct mp_scenario *sc,
    enum mp_parallel *par, struct mp_error *err)
{
	bool	 qlora = sc->mode == MP_MODE_QLORA;

	if (m->layers == 0 || m->hidden == 0 || m->layer == NULL)
		return mp_error_set(err, MP_EINPUT, m->path, NULL,
		    "the model has no decoder layers to train");
	if (sc->runtime != MP_RT_TRANSFORMERS)
		return mp_error_set(err, MP_EUSAGE, NULL, "--runtime",
		    "training is estimated for transformers (PyTorch), not %s",
		    mp_runtime_name(sc->runtime));
	if (sc->amp != MP_DT_NONE && !mp_dtype_info(sc->weights)->is_float)
		return mp_error_set(err, MP_EUSAGE, NULL, "--amp",
		    "mixed precision needs float weights (fp32, fp16, bf16), "
		    "got %s", mp_dtype_info(sc->weights)->name);
	if (sc->amp != MP_DT_NONE && qlora)
		return mp_error_set(err, MP_EUSAGE, NULL, "--amp",
		    "QLoRA computes in its 4-bit base's compute dtype; drop "
		    "--amp");
	if (!qlora && !mp_dtype_info(sc->weights)->is_float)
		return mp_error_set(err, MP_EUSAGE, NULL, "--weights",
		    "--mode %s trains on float weights (fp32, fp16, bf16), got "
		    "%s; use --mode qlora for a 4-bit base",
		    mp_mode_name(sc->mode), mp_dtype_info(sc->weights)->name);
	if (sc->mode == MP_MODE_FULL && sc->weights == MP_DT_F16 &&
	    sc->amp == MP_DT_NONE && sc->optimizer != MP_OPT_SGD)
		return mp_error_set(err, MP_EUSAGE, NULL, "--optimizer",
		    "%s on pure fp16 weights overflows; use --weights fp32 "
		    "--amp fp16 or bf16 weights", mp_optim_name(sc->optimizer));
	*par = sc->parallel;
	if (mp_muls(sc->gpus ? sc->gpus : 1, sc->nodes ? sc->nodes : 1) > 1 &&
	    *par == MP_PAR_NONE)
		*par = MP_PAR_DDP;
	if (mp_parallel_is_zero(*par) && sc->optimizer != MP_OPT_ADAMW)
		return mp_error_set(err, MP_EUSAGE, NULL, "--optimizer",
		    "ZeRO is modelled with DeepSpeed's Adam (fp32 master "
		    "weights and moments); use --optimizer adamw");
	if (sc->offload != MP_OFFLOAD_NONE && !mp_parallel_is_zero(*par) &&
	    !mp_parallel_is_fsdp(*par))
		return mp_error_set(err, MP_EUSAGE, NULL, "--offload",
		    "offload needs --parallel zero1, zero2, zero3 or an fsdp "
		    "strategy");
	if (sc->ds_hf_auto && !mp_parallel_is_zero(*par))
		return mp_error_set(err, MP_EUSAGE, NULL, "--ds-config",
		    "needs --parallel zero1, zero2 or zero3");
	if (sc->fsdp_version != 0 && !mp_parallel_is_fsdp(*par))
		return mp_error_set(err, MP_EUSAGE, NULL, "--fsdp-version",
		    "needs --parallel fsdp, fsdp-shard-grad-op or fsdp-hybrid");
	if (sc->offload == MP_OFFLOAD_NVME && !mp_parallel_is_zero(*par))
		return mp_error_set(err, MP_EUSAGE, NULL, "--offload",
		    "FSDP offloads to the CPU only; nvme needs ZeRO");
	return true;
}

/* The dtypes of the step, LoRA's adapter plan and the layer index. */
static bool
step_init(struct step *s, const struct mp_model *m,
    const struct mp_scenario *sc, struct mp_error *err)
{
	struct tctx	*c = &s->c;

	memset(s, 0, sizeof(*s));
	c->m = m;
	c->sc = sc;
	c->full = sc->mode == MP_MODE_FULL;
	c->qlora = sc->mode == MP_MODE_QLORA;
	c->seq = sc->seq ? sc->seq : 1;
	c->tokens = mp_muls(sc->batch ? sc->batch : 1, c->seq);
	s->gpus = sc->gpus ? sc->gpus : 1;
	s->nodes = sc->nodes ? sc->nodes : 1;
	s->wsc = *sc;
	if (!step_check(m, sc, &s->par, err))
		return false;
	if (c->qlora) {
		/* NF4 base with double quantization (the QLoRA recipe) */
		s->wsc.weights = MP_DT_NF4;
		s->wsc.double_quant = true;
	}
	/* autocast only casts when the weights are wider than the amp type */
	c->amp = sc->amp != MP_DT_NONE && sc->weights == MP_DT_F32;
	/*
	 * FSDP with --amp is accelerate 1.14.0's FSDP mixed precision
	 * (FullyShardedDataParallelPlugin.set_mixed_precision:
	 * param_dtype = reduce_dtype = the amp type): the units are
	 * gathered and computed in that type, so autocast has no weight to
	 * cast and the residual stream is in it too.  Trainable weights
	 * stored narrower are upcast to fp32 shards first (Accelerator.
	 * prepare_model for FSDP1, fsdp2_prepare_model for FSDP2: "follow
	 * DeepSpeed's strategy to hold the parameters in full precision"):
	 * fp32 master shards, their gradients and optimizer state in fp32.
	 */
	s->fsdp_mp = sc->amp != MP_DT_NONE && mp_parallel_is_fsdp(s->par);
	if (s->fsdp_mp) {
		c->amp = false;
		if (c->full)
			s->wsc.weights = MP_DT_F32;
	}
	s->cd = mp_compute_dtype(m, &s->wsc);
	c->a = mp_dtype_bytes(s->cd, 1);
	c->cd = s->cd;
	c->eager = mp_attn_of(m, sc) == MP_ATTN_EAGER;
	/* Trainer runs the model in train mode: attention_dropout applies
	 * (dropout=0.0 if not self.training else self.attention_dropout) */
	c->dropout = m->attn_dropout > 0;
	c->math = mp_sdpa_math(m, sc, s->cd);
	c->rs = c->amp ? 4 : c->a;
	if (!c->full) {
		if (!mp_lora_plan(m, sc->lora_targets, sc->rank ? sc->rank : 16,
		    &s->lo, err))
			return false;
		c->lo = &s->lo;
		s->trainable = s->lo.trainable;
		s->n_mod = s->lo.modules;
	}
	return layer_index(c, err);
}

static void
step_fini(struct step *s)
{
	mp_lora_fini(&s->lo);
	layer_index_free(&s->c);
}

/*
 * What lives through the whole step.  Weights: each tensor in its
 * stored format (NF4 for QLoRA's Linear layers), buffers in fp32.  Full
 * fine-tuning adds one gradient per parameter in its dtype and the
 * optimizer's state (fp32 under autocast's master weights); LoRA adds
 * the adapters, which peft keeps in fp32 (autocast_adapter_dtype), so
 * their gradients and optimizer states are fp32 too.
 */
static void
step_states(struct step *s)
{
	const struct tctx	*c = &s->c;
	const struct mp_model	*m = c->m;
	const struct mp_scenario *sc = c->sc;
	struct mp_tensor	 fake;
	uint64_t		 ab[2], bb[2];
	size_t			 i;

	for (i = 0; i < m->n_tensors; i++) {
		const struct mp_tensor *t = &m->tensors[i];
		uint64_t n = mp_tensor_numel(t);
		uint64_t tb = mp_tensor_bytes(m, t, &s->wsc);

		s->W = mp_adds(s->W, tb);
		if (t->flags & MP_TF_BUFFER)
			continue;
		if ((t->flags & MP_TF_LINEAR) || t->kind == MP_TK_OUTPUT)
			s->lin = mp_adds(s->lin, n);
		if (t->kind >= MP_TK_EXP_GATE && t->kind <= MP_TK_EXP_GATE_UP &&
		    (c->full || adapted(c, i)) && mp_muls(c->a, n) > s->blk_stack)
			s->blk_stack = mp_muls(c->a, n);	/* merged stack */
		if (c->full && tb > s->blk_param)
			s->blk_param = tb;		/* its gradient */
		if (c->full) {
			s->trainable = mp_adds(s->trainable, n);
			s->G = mp_adds(s->G, tb);
			opt_tensor(sc->optimizer, t, n, c->amp || s->fsdp_mp ? 4 :
			    mp_dtype_bytes(sc->weights, 1), &s->os);
		}
	}
	if (c->full)
		return;
	s->A = mp_muls(4, s->trainable);
	s->G = s->A;
	memset(&fake, 0, sizeof(fake));
	fake.ndim = 2;
	for (i = 0; i < m->n_tensors; i++) {
		if (!mp_lora_shapes(m, &s->lo, i, ab, bb))
			continue;
		fake.dims[0] = ab[0];
		fake.dims[1] = ab[1];
		opt_tensor(sc->optimizer, &fake, mp_muls(ab[0], ab[1]), 4,
		    &s->os);
		fake.dims[0] = bb[0];
		fake.dims[1] = bb[1];
		opt_tensor(sc->optimizer, &fake, mp_muls(bb[0], bb[1]), 4,
		    &s->os);
	}
}

/*
 * What backward needs from forward: the tensors each layer saves, each
 * layer's input under checkpointing, the final norm, the fp32 loss,
 * autocast's weight copies, bitsandbytes' dequantized Linear and the
 * cuBLAS workspaces.
 */
static void
step_activations(struct step *s)
{
	const struct tctx	*c = &s->c;
	const struct mp_model	*m = c->m;
	uint64_t		 H = m->hidden;
	uint32_t		 l;

	for (l = 0; l < m->layers; l++) {
		uint64_t fx = 0, per, la;

		per = layer_bytes(c, l, &fx);
		la = mp_adds(mp_muls(per, c->tokens), fx);
		if (l == 0)
			s->per0 = per;
		s->acts_all = mp_adds(s->acts_all, la);
		if (la > s->acts_max)
			s->acts_max = la;
	}
	/* Gradient checkpointing keeps each layer's input hidden state. */
	s->ck = mp_muls(mp_muls(m->layers, c->tokens), c->rs * H);
	/*
	 * Eager attention's float masks (mp_eager_masks): without
	 * checkpointing they die with the model's forward, before the
	 * loss; with it every layer's recompute closure holds the
	 * attention_mask it was called with (torch.utils.checkpoint,
	 * use_reentrant=False, keeps the call's args and kwargs until that
	 * layer's backward), so they live until backward ends.
	 */
	if (c->eager && c->sc->grad_ckpt)
		s->ck = mp_adds(s->ck, mp_eager_masks(m, c->sc->batch ?
		    c->sc->batch : 1, c->seq, c->cd));
	/* The final norm's fp32 copy, and the normalized value and lm_head
	 * input when those weights train. */
	s->fin = mp_muls(c->tokens, 4 * H + (c->full ? c->rs * H + c->a * H :
	    0));
	/*
	 * The loss: transformers' ForCausalLMLoss upcasts the logits to
	 * fp32 and cross_entropy saves log_softmax's fp32 output; backward
	 * allocates nll_loss's fp32 gradient and log_softmax's fp32 input
	 * gradient while that output lives: 3 x 4 bytes per logit.
	 */
	s->logits = mp_muls(mp_muls(c->tokens, m->vocab), 12);
	if (c->amp) {
		/* autocast caches a compute-dtype copy of every Linear
		 * weight; the graph keeps them until backward reaches them */
		s->wcopy = mp_muls(c->a, s->lin);
		if (m->tied)
			s->wcopy = mp_adds(s->wcopy, mp_muls(c->a,
			    mp_muls(m->vocab, H)));
		s->wcopy_out = mp_muls(c->a, mp_muls(m->vocab, H));
	}
	if (c->qlora)
		/* bitsandbytes dequantizes each 4-bit Linear to the compute
		 * dtype for its matmul, forward and backward */
		s->deq = mp_muls(c->a, largest_linear(m));
	s->ws = CUBLAS_HANDLES * CUBLAS_WORKSPACE_BYTES;
}

/* Several GPUs: what each one holds of the states (parallel.c), sized
 * by the largest decoder layer for the strategies that gather one. */
static void
step_shard(struct step *s)
{
	const struct tctx	*c = &s->c;
	const struct mp_model	*m = c->m;
	struct mp_states_in	 si;
	struct mp_scenario	 gsc = s->wsc;
	uint64_t		 lb, lp, layers = 0;
	uint32_t		 l;
	size_t			 i;

	/* FSDP gathers in its MixedPrecision param_dtype when it has one */
	if (s->fsdp_mp)
		gsc.weights = c->sc->amp;
	memset(&si, 0, sizeof(si));
	si.par = s->par;
	si.offload = c->sc->offload;
	si.ranks = mp_muls(s->gpus, s->nodes);
	si.per_node = s->gpus;
	si.full = c->full;
	si.compute_bytes = c->a;
	si.weights = s->W;
	si.adapters = s->A;
	si.grads = s->G;
	si.optim = s->os.state;
	si.optim_temp = s->os.temp;
	si.trainable = s->trainable;
	for (l = 0; l < m->layers; l++) {
		lb = lp = 0;
		for (i = c->lstart[l]; i < c->lstart[l + 1]; i++) {
			const struct mp_tensor *t = &m->tensors[c->lidx[i]];

			if (t->flags & MP_TF_BUFFER)
				continue;
			lb = mp_adds(lb, mp_tensor_bytes(m, t, &gsc));
			lp = mp_adds(lp, mp_tensor_numel(t));
		}
		layers = mp_adds(layers, lb);
		if (lb > si.layer_bytes) {
			si.layer_bytes = lb;
			si.layer_params = lp;
		}
	}
	for (i = 0; i < m->n_tensors; i++)
		if (!(m->tensors[i].flags & MP_TF_BUFFER))
			si.all_bytes = mp_adds(si.all_bytes,
			    mp_tensor_bytes(m, &m->tensors[i], &gsc));
	/* FSDP's root unit: the embeddings, final norm and head */
	si.root_bytes = si.all_bytes > layers ? si.all_bytes - layers : 0;
	si.fsdp_version = c->sc->fsdp_version;
	si.ds_hf_auto = c->sc->ds_hf_auto;
	si.hidden = m->hidden;
	si.layer_grad = c->full ? si.layer_bytes : s->A / m->layers;
	mp_parallel_states(&si, &s->st);
	s->W = s->st.weights;
	s->A = s->st.adapters;
	s->G = s->st.grads;
	s->os.state = s->st.optim;
	s->os.temp = s->st.optim_temp;
	s->ddp = s->st.buffers;
	s->gather = s->st.gathered;
}

/* Every moment holds the weights, the adapters and the optimizer state. */
static void
held(const struct step *s, struct phase *p)
{
	p->weights = s->W;
	p->adapters = s->A;
	p->optim = s->os.state;
}

/*
 * F, the start of backward: the fp32 loss and every tensor saved for
 * backward (with checkpointing, only each layer's input and autocast's
 * lm_head copy), the final norm, the workspaces, bitsandbytes'
 * dequantized Linear and the gathered shards.  No gradient exists yet,
 * only DDP's bucket.
 */
static void
moment_backward(const struct step *s, struct phase *p)
{
	held(s, p);
	p->grads = s->ddp;
	p->acts = mp_adds(mp_adds(s->c.sc->grad_ckpt ? mp_adds(s->ck,
	    s->wcopy_out) : mp_adds(s->acts_all, s->wcopy), s->fin),
	    mp_adds(mp_adds(s->ws, s->deq), s->gather));
	p->logits = s->logits;
}

/*
 * B, with gradient checkpointing only: the last layer recomputed in
 * backward (layer 0) holds its full saved activations on top of the
 * checkpointed inputs while nearly every gradient already exists; the
 * loss is freed by then.
 */
static void
moment_recompute(const struct step *s, struct phase *p)
{
	if (!s->c.sc->grad_ckpt)
		return;
	held(s, p);
	p->grads = mp_adds(s->G, s->ddp);
	p->acts = mp_adds(mp_adds(mp_adds(s->ck, s->acts_max),
	    s->wcopy / s->c.m->layers), mp_adds(mp_adds(s->ws, s->deq),
	    s->gather));
}

/* O, the optimizer step: every gradient, and the step's own temporaries
 * (foreach AdamW's sqrt(exp_avg_sq), Adafactor's fp32 copies). */
static void
moment_step(const struct step *s, struct phase *p)
{
	held(s, p);
	p->grads = mp_adds(s->G, s->ddp);
	p->acts = mp_adds(s->os.temp, s->ws);
}

/* The moments, in the order they happen; the peak is the largest. */
enum { M_BACKWARD, M_RECOMPUTE, M_STEP, M_MOMENTS };
static const struct moment {
	void		(*fill)(const struct step *, struct phase *);
	const char	*label;
} moments[M_MOMENTS] = {
	{ moment_backward,
	  "the start of backward (the fp32 loss and saved activations)" },
	{ moment_recompute,
	  "the recompute of the last checkpointed layer in backward" },
	{ moment_step, "the optimizer step" },
};

/*
 * The largest single request of the peak moment, for the allocator's
 * reserve (alloc.c): the loss's fp32 vocab-sized blocks at the start of
 * backward; eager attention's score block (batch x heads x seq x seq,
 * + 1 with sinks); a merged expert stack; the widest saved activation
 * (gate_up of the routed copies, or the MLP); a full fine-tune's
 * largest gradient, or LoRA's largest adapter state, at the step.
 */
static uint64_t
largest_request(const struct step *s, int best)
{
	const struct tctx	*c = &s->c;
	const struct mp_model	*m = c->m;
	uint64_t		 B = c->sc->batch ? c->sc->batch : 1;
	uint64_t		 H = m->hidden, sc_blk = 0, act_blk, blk[3];
	uint64_t		 w = m->intermediate > H ? m->intermediate : H;
	uint64_t		 kx = m->experts_per_tok ? m->experts_per_tok : 1;

	if (mp_muls(kx, 2ULL * m->moe_intermediate) > w)
		w = mp_muls(kx, 2ULL * m->moe_intermediate);
	act_blk = mp_muls(mp_muls(c->tokens, w), c->a);
	if (c->eager)
		sc_blk = mp_muls(mp_muls(mp_muls(B, m->heads), c->seq),
		    mp_muls(c->seq + 1, c->a > 4 ? c->a : 4));
	blk[M_STEP] = s->blk_param;
	blk[M_RECOMPUTE] = s->blk_stack > act_blk ? s->blk_stack : act_blk;
	if (sc_blk > blk[M_RECOMPUTE])
		blk[M_RECOMPUTE] = sc_blk;
	if (s->blk_param > blk[M_RECOMPUTE])
		blk[M_RECOMPUTE] = s->blk_param;
	blk[M_BACKWARD] = mp_muls(mp_muls(c->tokens, m->vocab), 4);
	if (blk[M_RECOMPUTE] > blk[M_BACKWARD])
		blk[M_BACKWARD] = blk[M_RECOMPUTE];
	if (best == M_STEP && blk[M_STEP] == 0)
		blk[M_STEP] = mp_muls(4, largest_adapter(m, &s->lo));
	return blk[best];
}

/* The estimate of the peak moment: per GPU, and on every rank. */
static void
step_result(const struct step *s, const struct phase *p, int best,
    struct mp_estimate *est)
{
	const struct mp_scenario *sc = s->c.sc;
	uint64_t		 total;
	size_t			 i;

	est->sc = *sc;
	memset(&est->mem, 0, sizeof(est->mem));
	est->mem.weights = p->weights;
	est->mem.adapters = p->adapters;
	est->mem.gradients = p->grads;
	est->mem.optimizer = p->optim;
	est->mem.activations = p->acts;
	est->mem.logits = p->logits;
	/* cuBLAS workspaces are counted in activations (they sit inside the
	 * allocator's peak in training), so the runtime is the context. */
	est->mem.runtime = mp_backend_has_cuda_context(sc->backend) ?
	    mp_cuda_context(sc) : 0;
	total = mp_adds(phase_total(p), est->mem.runtime);
	est->mem.total = total;
	est->mem.largest_block = largest_request(s, best);
	est->mem.reserved = mp_adds(mp_alloc_reserved(total -
	    est->mem.runtime, est->mem.largest_block,
	    sc->expandable_segments), est->mem.runtime);
	est->trainable_params = s->trainable;
	est->device_total = mp_muls(total, s->gpus);
	/* offloaded states in each node's host RAM: one share per GPU */
	est->host_total = mp_muls(s->st.host, s->gpus);
	/* ZeRO-Infinity: each node's NVMe holds its GPUs' partitions */
	est->disk_total = mp_muls(s->st.disk, s->gpus);
	/* Every rank holds the same: replicas, or equal shards, each with
	 * its own card's CUDA context (a mixed machine's differ). */
	for (i = 0; i < s->gpus && i < MP_MAX_GPUS; i++)
		est->dev_bytes[i] = est->mem.runtime == 0 ? total :
		    mp_adds(total - est->mem.runtime, mp_cuda_context_gpu(
		    mp_cuda_context_h100(), sc, (uint32_t)i));
	est->n_dev_bytes = (uint32_t)i;
	if (est->mem.runtime != 0 && mp_cuda_mixed(sc, s->gpus)) {
		est->device_total = 0;
		for (i = 0; i < s->gpus && i < MP_MAX_GPUS; i++)
			est->device_total = mp_adds(est->device_total,
			    est->dev_bytes[i]);
	}
	if (sc->backend == MP_BE_CPU) {
		est->on_host = true;
		est->host_total = est->device_total;
		est->device_total = 0;
	}
}

/* Notes on what lives through the step: weights, adapters, gradients
 * and the optimizer's state. */
static void
notes_states(const struct step *s, const struct phase *ph, int best,
    struct mp_estimate *est)
{
	const struct tctx	*c = &s->c;
	const struct mp_scenario *sc = c->sc;
	struct mp_note		*nt;

	if (c->qlora)
		mp_estimate_note(est, "weights", "train.weights_nf4", "Linear "
		    "layers in NF4 (4-bit "
		    "values + an absmax per 64, double-quantized), the rest in "
		    "%s; derived from the bitsandbytes format, not measured",
		    mp_dtype_info(s->cd)->name);
	else
		mp_note_count(mp_estimate_note(est, "weights", "train.weights",
		    "{params} parameters in %s%s",
		    mp_dtype_info(sc->weights)->name, c->full ? (c->amp ?
		    ": fp32 master weights, autocast computes in the amp type" :
		    s->fsdp_mp ? ": fp32 master shards (accelerate upcasts "
		    "them for FSDP mixed precision), gathered in the amp type" :
		    ", all trained") : s->fsdp_mp ? ", frozen, gathered in the "
		    "amp type (FSDP mixed precision)" : ", frozen"), "params",
		    c->m->params);
	if (!c->full) {
		nt = mp_estimate_note(est, "adapters", "train.adapters",
		    "{trainable} trainable parameters (r={rank}, %s: {modules} "
		    "modules%s) in fp32, as peft keeps them",
		    sc->lora_targets[0] ? sc->lora_targets : "all-linear",
		    s->lo.conversion ? "; experts and router as transformers 5 "
		    "parameters, gate_up at rank 2r" : "");
		mp_note_count(nt, "trainable", s->trainable);
		mp_note_count(nt, "rank", sc->rank ? sc->rank : 16);
		mp_note_count(nt, "modules", s->n_mod);
	}
	if (mp_parallel_is_zero(s->par))
		mp_estimate_note(est, "gradients", "train.grads_zero",
		    "DeepSpeed: %s gradients "
		    "of the bf16 trainable copies%s and the reduce bucket "
		    "(reduce_bucket_size %s)", s->par == MP_PAR_ZERO1 ? "all" :
		    "this GPU's partition of the", sc->offload !=
		    MP_OFFLOAD_NONE ? " (reduced into the offloaded fp32 "
		    "partition)" : "", sc->ds_hf_auto ? "hidden^2, HF's auto" :
		    "5e8");
	else if (ph[best].grads != 0)
		mp_estimate_note(est, "gradients", "train.grads", "one per "
		    "trainable "
		    "parameter (%s)%s, from backward until zero_grad",
		    c->full && !c->amp && !s->fsdp_mp ?
		    mp_dtype_info(sc->weights)->name :
		    "fp32", s->ddp ? " plus DDP's bucket copy" : "");
	else
		mp_note_size(mp_estimate_note(est, "gradients",
		    "train.grads_later", "none yet at "
		    "this moment; they take {grads} from backward to the "
		    "optimizer step"), "grads", ph[M_STEP].grads);
	if (mp_parallel_is_zero(s->par))
		mp_note_count(mp_estimate_note(est, "optimizer",
		    "train.optim_zero", "DeepSpeed: fp32 master weights, "
		    "exp_avg and exp_avg_sq of this GPU's partition (12 bytes "
		    "per trainable parameter / {ranks} GPUs) and its fp32 "
		    "gradients at the step%s", sc->offload == MP_OFFLOAD_NONE ?
		    "" : "; offloaded"), "ranks", mp_muls(s->gpus, s->nodes));
	else switch (sc->optimizer) {
	case MP_OPT_ADAMW:
		mp_estimate_note(est, "optimizer", "train.optim_adamw", "AdamW "
		    "exp_avg and "
		    "exp_avg_sq in the parameter's dtype (%s) and a 4-byte "
		    "step per tensor", c->full && !c->amp && !s->fsdp_mp ?
		    mp_dtype_info(sc->weights)->name : "fp32");
		break;
	case MP_OPT_ADAMW8BIT:
		mp_estimate_note(est, "optimizer", "train.optim_adamw8bit",
		    "bitsandbytes 8-bit AdamW: "
		    "two uint8 states with an fp32 absmax per 256 values (fp32 "
		    "states for tensors under 4096 values)");
		break;
	case MP_OPT_SGD:
		mp_estimate_note(est, "optimizer", "train.optim_sgd", "none: "
		    "SGD without momentum "
		    "keeps no state");
		break;
	case MP_OPT_ADAFACTOR:
		mp_estimate_note(est, "optimizer", "train.optim_adafactor",
		    "Adafactor: factored fp32 "
		    "second moment (a row and a column vector per matrix), no "
		    "first moment");
		break;
	}
}

/* Notes on the activations and the loss at the peak moment. */
static void
notes_activations(const struct step *s, const struct phase *ph, int best,
    struct mp_estimate *est)
{
	const struct tctx	*c = &s->c;
	const struct mp_model	*m = c->m;
	const struct mp_scenario *sc = c->sc;
	struct mp_note		*nt;
	uint64_t		 fx0 = 0, fxl;
	uint32_t		 l;

	switch (best) {
	case M_BACKWARD:
		if (sc->grad_ckpt) {
			nt = mp_estimate_note(est, "activations",
			    "train.acts_ckpt", "checkpointing keeps each "
			    "layer's input ({inputs} for {layers} layers); the "
			    "final norm, cuBLAS workspaces ({workspaces})%s",
			    c->amp ? " and autocast's copy of lm_head" : "");
			mp_note_size(nt, "inputs", s->ck);
			mp_note_count(nt, "layers", m->layers);
		} else {
			nt = mp_estimate_note(est, "activations",
			    "train.acts_saved", "tensors saved for backward: "
			    "{per_token} per token in layer 0, {layers} layers "
			    "x {tokens} tokens = {saved}; cuBLAS workspaces "
			    "{workspaces}");
			mp_note_size(nt, "per_token", s->per0);
			mp_note_count(nt, "layers", m->layers);
			mp_note_count(nt, "tokens", c->tokens);
			mp_note_size(nt, "saved", s->acts_all);
		}
		mp_note_size(nt, "workspaces", s->ws);
		break;
	case M_RECOMPUTE:
		nt = mp_estimate_note(est, "activations", "train.acts_recompute",
		    "layer 0 recomputed in "
		    "backward ({recomputed}) on top of the checkpointed inputs "
		    "({inputs}); cuBLAS workspaces {workspaces}");
		mp_note_size(nt, "recomputed", s->acts_max);
		mp_note_size(nt, "inputs", s->ck);
		mp_note_size(nt, "workspaces", s->ws);
		break;
	default:
		nt = mp_estimate_note(est, "activations", "train.acts_step",
		    "the optimizer step's "
		    "temporaries ({temporaries}%s) and cuBLAS workspaces "
		    "({workspaces}); saved activations are freed by then",
		    sc->optimizer == MP_OPT_ADAMW ? ": foreach AdamW's "
		    "sqrt(exp_avg_sq) of every tensor" : "");
		mp_note_size(nt, "temporaries", s->os.temp);
		mp_note_size(nt, "workspaces", s->ws);
		break;
	}
	if (ph[best].logits != 0) {
		nt = mp_estimate_note(est, "logits", "train.loss", "the loss "
		    "upcasts {tokens} x {vocab} logits to fp32: log_softmax's "
		    "output, nll_loss's gradient and log_softmax's input "
		    "gradient live at once in backward");
		mp_note_count(nt, "tokens", c->tokens);
		mp_note_count(nt, "vocab", m->vocab);
	} else
		mp_note_size(mp_estimate_note(est, "logits", "train.loss_freed",
		    "freed by this "
		    "moment; the fp32 loss peaks at {loss} at the start of "
		    "backward"), "loss", s->logits);
	for (l = 0; l < m->layers; l++) {
		(void)layer_bytes(c, l, &fxl);
		if (fxl > fx0)
			fx0 = fxl;
	}
	if (fx0 != 0)
		mp_note_size(mp_estimate_note(est, "activations",
		    "train.merged_experts", "peft merges "
		    "W + BA of each expert stack per call; the expert matmuls "
		    "save the merged {merged} per MoE layer. Varying tokens per "
		    "expert fragment the allocator: measure before relying on a "
		    "narrow fit"), "merged", fx0);
	if (c->amp)
		mp_note_size(mp_estimate_note(est, "activations",
		    "train.autocast_copies", "autocast "
		    "keeps %s copies of the Linear weights ({copies}) until "
		    "backward uses them", mp_dtype_info(sc->amp)->name),
		    "copies", s->wcopy);
	if (c->qlora)
		mp_note_size(mp_estimate_note(est, "activations",
		    "train.dequantized", "bitsandbytes "
		    "dequantizes one Linear at a time to %s ({dequantized}); "
		    "Linear inputs are saved for the 4-bit backward",
		    mp_dtype_info(s->cd)->name), "dequantized", s->deq);
}

/* Notes on a step spread over several GPUs and its offloaded states. */
static void
notes_parallel(const struct step *s, struct mp_estimate *est)
{
	static const char *const what[] = {
		"", "DDP: a full replica and the reducer's bucket copy",
		"ZeRO-1: DeepSpeed's fp32 master and Adam state sharded",
		"ZeRO-2: state and gradients sharded, a 5e8 bucket",
		"ZeRO-3: weights too; the layer and the prefetch bucket gathered",
		"FSDP full shard: two layers and the root unit unsharded",
		"FSDP shard-grad-op: every layer unsharded in backward",
		"FSDP hybrid: sharded within a node, replicated across",
	};
	const struct mp_scenario *sc = s->c.sc;
	struct mp_note		*nt;

	if (s->par == MP_PAR_NONE)
		return;
	nt = mp_estimate_note(est, "total", "train.parallel", "per GPU, each "
	    "of {gpus} GPUs x {nodes} node%s (%s%s%s%s); --batch is per GPU",
	    s->nodes > 1 ? "s" : "", what[s->par],
	    !mp_parallel_is_fsdp(s->par) ? "" :
	    sc->fsdp_version == 2 ? "; FSDP2" : "; FSDP1",
	    s->fsdp_mp ? (sc->amp == MP_DT_F16 ? "; fp16 MixedPrecision" :
	    "; bf16 MixedPrecision") : "",
	    sc->offload == MP_OFFLOAD_NONE ? "" :
	    sc->offload == MP_OFFLOAD_CPU ? "; states offloaded to pinned host "
	    "RAM" : "; states offloaded to NVMe");
	mp_note_count(nt, "gpus", s->gpus);
	mp_note_count(nt, "nodes", s->nodes);
	if (s->gather != 0 && s->st.root != 0 && s->par != MP_PAR_FSDP_SGO) {
		nt = mp_estimate_note(est, "activations", "train.gathered_fsdp",
		    "{gathered} unsharded in flight: two layers, %s and the "
		    "root unit (embeddings, norm, head: {root}) through "
		    "forward and backward", sc->fsdp_version == 2 ? "their "
		    "gradients twice (reduce-scatter input)" : "a flat "
		    "gradient");
		mp_note_size(nt, "gathered", s->gather);
		mp_note_size(nt, "root", s->st.root);
	} else if (s->gather != 0)
		mp_note_size(mp_estimate_note(est, "activations",
		    "train.gathered", "{gathered} "
		    "of unsharded parameters in flight (in activations)"),
		    "gathered", s->gather);
	if (s->st.host != 0) {
		nt = mp_estimate_note(est, "total", "train.host", "host RAM per "
		    "node: {host} "
		    "({per_gpu} per GPU, pinned)%s", s->st.disk != 0 ? "; NVMe "
		    "holds the states, the host DeepSpeed's swap buffers: 4 "
		    "fp32 of one optimizer sub-group, 5 x 1e8 parameters at "
		    "stage 3" : "");
		mp_note_size(nt, "host", est->host_total);
		mp_note_size(nt, "per_gpu", s->st.host);
	}
	if (s->st.disk != 0)
		mp_note_size(mp_estimate_note(est, "total", "train.nvme", "NVMe "
		    "per node: {nvme}"), "nvme", est->disk_total);
}

/* Notes on the moments, the context, the reserve and the versions. */
static void
notes_step(const struct step *s, const struct phase *ph, int best,
    struct mp_estimate *est)
{
	const struct tctx	*c = &s->c;
	const struct mp_scenario *sc = c->sc;
	struct mp_note		*nt;

	nt = mp_estimate_note(est, "total", "train.peak", "peak at %s; "
	    "start of backward "
	    "{backward}%s, optimizer step {step}", moments[best].label,
	    sc->grad_ckpt ? ", layer-0 recompute {recompute}" : "");
	mp_note_size(nt, "backward", mp_adds(phase_total(&ph[M_BACKWARD]),
	    est->mem.runtime));
	if (sc->grad_ckpt)
		mp_note_size(nt, "recompute", mp_adds(
		    phase_total(&ph[M_RECOMPUTE]), est->mem.runtime));
	mp_note_size(nt, "step", mp_adds(phase_total(&ph[M_STEP]),
	    est->mem.runtime));
	mp_note_size(mp_estimate_note(est, "runtime", "train.cuda",
	    "CUDA context and "
	    "kernels ({context}: %s), outside the allocator's peak; the "
	    "cuBLAS workspaces are counted in activations", sc->cuda_stack ?
	    "measured on an H100, with this GPU's stack reservation for the "
	    "H100's" : "measured on an H100"), "context", mp_cuda_context(sc));
	if (est->mem.runtime != 0)
		mp_cuda_cards_note(est, sc, mp_cuda_context_h100(),
		    (uint32_t)sc->gpus);
	/* With expandable segments the reserve is one page of the segment
	 * (alloc.c), else a fresh segment for the largest request. */
	nt = mp_estimate_note(est, "reserved", "train.reserved", "allocated "
	    "peak + {extra}: %s "
	    "for the peak's largest request ({largest})%s",
	    sc->expandable_segments ? "one page of the expandable segment" :
	    "one fresh segment", sc->expandable_segments ? "" : "; derived "
	    "from the caching allocator's rules, not measured");
	mp_note_size(nt, "extra", est->mem.reserved - est->mem.total);
	mp_note_size(nt, "largest", est->mem.largest_block);
	/* What this model describes, and the loss path of older stacks. */
	mp_estimate_note(est, "versions", "train.versions", "modelled on "
	    "PyTorch 2.11, "
	    "transformers 5.17, peft 0.21%s, as measured on an H100",
	    c->qlora || sc->optimizer == MP_OPT_ADAMW8BIT ?
	    ", bitsandbytes (derived from its source)" : "");
	mp_note_size(mp_estimate_note(est, "versions", "train.loss_4x",
	    "transformers 4.x "
	    "upcast the logits in forward and shifted an fp32 contiguous "
	    "copy: up to 8 more bytes per logit (+{upcast} here); derived, "
	    "not measured"), "upcast", mp_muls(mp_muls(c->tokens,
	    c->m->vocab), 8));
}

bool
mp_estimate_train(const struct mp_model *m, const struct mp_scenario *sc,
    struct mp_estimate *est, struct mp_error *err)
{
	struct step	 st, *s = &st;
	struct phase	 ph[M_MOMENTS];
	int		 k, best = M_BACKWARD;
	bool		 ok = false;

	if (!step_init(s, m, sc, err))
		goto out;
	step_states(s);
	step_activations(s);
	step_shard(s);
	memset(ph, 0, sizeof(ph));
	for (k = 0; k < M_MOMENTS; k++) {
		moments[k].fill(s, &ph[k]);
		if (phase_total(&ph[k]) > phase_total(&ph[best]))
			best = k;
	}
	if (phase_total(&ph[best]) == UINT64_MAX) {
		mp_error_set(err, MP_ERANGE, NULL, "--seq", "batch x seq makes "
		    "the training estimate overflow 64-bit byte counts");
		goto out;
	}
	step_result(s, &ph[best], best, est);
	notes_states(s, ph, best, est);
	notes_activations(s, ph, best, est);
	notes_parallel(s, est);
	notes_step(s, ph, best, est);
	ok = true;
out:
	step_fini(s);
	return ok;
}
