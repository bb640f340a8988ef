/* transformers.c: inference memory under transformers + PyTorch */
/* SPDX-License-Identifier: MIT */
#include <string.h>

#include "runtime.h"

/*
 * Eager attention (eager_attention_forward, modeling_llama.py, v4.48 to
 * 5.x): attn_weights = matmul(q, repeat_kv(k)^T) * scaling, + the
 * causal mask, then softmax(dtype=float32).to(q.dtype).  ATen's softmax
 * with a dtype (SoftMax.cpp) fuses the upcast only for fp16 on CUDA
 * (half_to_float); otherwise it first makes an fp32 copy of the scores.
 * The bytes per score element (batch x heads x seq x seq) at the worst
 * moment: the scores (a), the fp32 probabilities (4) and either that
 * fp32 copy (4) or the .to() cast (a) while the old scores are still
 * bound to attn_weights.  fp32 compute makes neither copy.
 */
uint64_t
mp_eager_peak(enum mp_dtype cd, bool cuda)
{
	uint64_t a = mp_dtype_bytes(cd, 1);
	uint64_t copy = cd == MP_DT_F32 || (cd == MP_DT_F16 && cuda) ? 0 : 4;
	uint64_t cast = cd == MP_DT_F32 ? 0 : a;

	return a + 4 + (copy > cast ? copy : cast);
}

/*
 * What eager attention keeps for backward per score element: softmax
 * saves its fp32 output (the gradient needs it), and the second matmul
 * saves its input, the .to(q.dtype) copy (none in fp32, where .to() is
 * a no-op and the matmul saves the softmax output itself).  With
 * attention_dropout > 0 in training, dropout (ATen native_dropout)
 * keeps its bool mask and the matmul saves the dropped-out copy
 * instead: 4 + 1 + a.
 */
uint64_t
mp_eager_saved(enum mp_dtype cd, bool dropout)
{
	uint64_t a = mp_dtype_bytes(cd, 1);

	if (dropout)
		return 4 + 1 + a;
	return 4 + (cd == MP_DT_F32 ? 0 : a);
}

/*
 * The 4-D float masks eager attention adds to its scores
 * (masking_utils.py eager_mask: sdpa_mask's boolean mask expanded to
 * batch x 1 x q x kv, turned into 0 / finfo.min by torch.where, which
 * materialises the expanded shape in the compute dtype); one for
 * full-attention layers and one for sliding-window layers (Gemma 2/3,
 * gpt-oss, Mistral's window), each batch x seq x seq, alive for the
 * whole forward.  SDPA and FlashAttention-2 skip a causal mask
 * (is_causal) and need none of these.
 */
uint64_t
mp_eager_masks(const struct mp_model *m, uint64_t batch, uint64_t seq,
    enum mp_dtype cd)
{
	uint64_t	 n = 0;
	bool		 full = false, swa = m->mask_window > 0;
	uint32_t	 l;

	for (l = 0; l < m->layers && m->layer != NULL; l++) {
		if (m->layer[l].kind == MP_LK_SLIDING)
			swa = true;
		else if (m->layer[l].kind != MP_LK_MAMBA &&
		    m->layer[l].kind != MP_LK_MLP && m->mask_window == 0)
			full = true;
	}
	n = (full ? 1 : 0) + (swa ? 1 : 0);
	if (n == 0)
		n = 1;
	return mp_muls(mp_muls(mp_muls(batch, seq), seq),
	    mp_dtype_bytes(cd, n));
}

/*
 * PyTorch's SDPA kernel under transformers' sdpa.  transformers passes
 * enable_gqa=True when there is no mask (sdpa_attention.py
 * use_gqa_in_sdpa: torch >= 2.5), so grouped-query models (kv heads <
 * heads) need a kernel that takes it: on CUDA the flash kernel does
 * (sm80 and newer, fp16/bf16; sdp_utils.cpp), the memory-efficient one
 * does not (check_batch_size_and_num_heads_dense<false>), nor does the
 * CPU's flash kernel (sdp_utils_cpp.cpp).  What is left is the math
 * kernel, which materialises the scores: on a T4 or V100, in fp32, and
 * on the CPU.  (PyTorch's documentation of enable_gqa: "It currently
 * works only for Flash_attention and math kernel on CUDA tensor".)
 * ROCm and MPS are not modelled here (see the man page).
 */
bool
mp_sdpa_math(const struct mp_model *m, const struct mp_scenario *sc,
    enum mp_dtype cd)
{
	bool half = cd == MP_DT_F16 || cd == MP_DT_BF16;

	if (mp_attn_of(m, sc) != MP_ATTN_SDPA || m->kv_heads == 0 ||
	    m->kv_heads >= m->heads)
		return false;
	if (sc->backend == MP_BE_CPU)
		return true;
	if (sc->backend != MP_BE_NONE && sc->backend != MP_BE_CUDA)
		return false;
	return !half || (sc->cc != 0 && sc->cc < 80);
}

/* gpt-oss: a learned sink column joins every row of scores. */
static bool
has_sinks(const struct mp_model *m)
{
	size_t i;

	for (i = 0; i < m->n_tensors; i++)
		if (m->tensors[i].kind == MP_TK_ATTN_SINKS)
			return true;
	return false;
}

/* The widest per-layer K (or V, or latent) row set of one sequence. */
static uint64_t
kv_one_tensor(const struct mp_model *m, uint64_t tokens, enum mp_dtype kv)
{
	uint64_t	 best = 0, b;
	uint32_t	 l;

	for (l = 0; l < m->layers; l++) {
		const struct mp_layer *ly = &m->layer[l];
		uint32_t w = ly->kv_k > ly->kv_v ? ly->kv_k : ly->kv_v;

		if (ly->kind == MP_LK_MAMBA || ly->kind == MP_LK_MLP)
			continue;
		b = mp_muls(tokens, mp_dtype_bytes(kv, w));
		if (b > best)
			best = b;
	}
	return best;
}

/*
 * Activations alive at the worst moment of one decoder layer's forward,
 * for T = batch x seq tokens of the prompt (no gradients, one layer at a
 * time: each layer's temporaries are freed before the next runs).
 */
static uint64_t
layer_activations(const struct mp_model *m, const struct mp_scenario *sc,
    uint64_t a, struct mp_estimate *est)
{
	uint64_t	 B = sc->batch, S = sc->seq, T = mp_muls(B, S);
	uint64_t	 unit = mp_muls(mp_muls(T, m->hidden), a);
	uint64_t	 resid, mlp, moe = 0, mask = 0, scores = 0, attn;
	uint64_t	 held = 0, rep = 0;
	enum mp_dtype	 cd = mp_compute_dtype(m, sc);
	bool		 eager = mp_attn_of(m, sc) == MP_ATTN_EAGER;
	bool		 sinks = has_sinks(m);
	bool		 cuda = sc->backend == MP_BE_NONE ||
	    sc->backend == MP_BE_CUDA || sc->backend == MP_BE_ROCM;
	uint64_t	 qdim = (uint64_t)m->heads * m->head_dim;
	uint64_t	 kvdim = (uint64_t)m->kv_heads * m->head_dim;
	uint32_t	 l;
	bool		 any_moe = false, any_dense = false;
	bool		 sliding = m->mask_window > 0 && S > m->mask_window;
	/* a layer SDPA runs without a mask (enable_gqa applies there) */
	bool		 unmasked = false;

	for (l = 0; l < m->layers; l++) {
		if (m->layer[l].moe)
			any_moe = true;
		else if (m->layer[l].kind != MP_LK_MAMBA)
			any_dense = true;
		if (m->layer[l].kind == MP_LK_SLIDING &&
		    m->layer[l].window > 0 && S > m->layer[l].window)
			sliding = true;
		else if (m->layer[l].kind != MP_LK_MAMBA &&
		    m->layer[l].kind != MP_LK_MLP && !(m->mask_window > 0 &&
		    S > m->mask_window))
			unmasked = true;
	}
	/*
	 * Hidden-sized tensors alive through the layer: the input
	 * embeddings (held by the model's forward), the layer input (held
	 * by the loop that called the layer), the residual sum after
	 * attention and the normalised input of the MLP.
	 */
	resid = mp_muls(unit, 4);
	/*
	 * MLP: a gated MLP holds act(gate), up and their product before
	 * down_proj; phi3's fused gate_up output stays alive as well
	 * (gate and up are views of it); a plain MLP holds fc and act(fc).
	 */
	if (any_dense) {
		uint64_t w = mp_muls(mp_muls(T, m->intermediate), a);

		if (!m->gated_mlp)
			mlp = mp_muls(w, 2);
		else if (m->tensors != NULL && m->n_tensors > 0 &&
		    strcmp(m->model_type, "phi3") == 0)
			mlp = mp_muls(w, 4);
		else
			mlp = mp_muls(w, 3);
	} else
		mlp = 0;
	if (any_moe) {
		/*
		 * Routed experts (transformers 5 grouped experts): every token
		 * is copied once per chosen expert (T*k rows of hidden), run
		 * through gate_up (2*I_moe), act*up (I_moe) and down (hidden),
		 * then weighted before the sum over k.  The routing one-hot
		 * mask is T*k*E int64.
		 */
		uint64_t Tk = mp_muls(T, m->experts_per_tok ?
		    m->experts_per_tok : 1);
		uint64_t im = m->moe_intermediate;

		moe = mp_muls(mp_muls(Tk, m->hidden), mp_muls(a, 3));
		moe = mp_adds(moe, mp_muls(mp_muls(Tk, 2 * im), a));
		moe = mp_adds(moe, mp_muls(mp_muls(Tk, im), a));
		if (m->n_shared_experts > 0) {
			uint64_t si = m->shared_intermediate ?
			    m->shared_intermediate :
			    (uint64_t)m->moe_intermediate * m->n_shared_experts;

			moe = mp_adds(moe, mp_muls(mp_muls(T, si), a * 3));
		}
	}
	/*
	 * Attention: SDPA's fused kernels and FlashAttention-2 need no
	 * score matrix, but a sliding window shorter than the prompt makes
	 * transformers build an explicit boolean mask of S x S (batch
	 * dimension 1, expanded) for SDPA.
	 */
	if (sliding && !eager)
		mask = mp_muls(S, S);
	if (eager && sinks) {
		/*
		 * gpt-oss eager attention (modular_gpt_oss.py
		 * eager_attention_forward) materialises B x heads x S x
		 * (S+1) scores in the compute dtype: the raw scores, the
		 * scores with the sink column concatenated, and the softmax
		 * output; the layer keeps the returned probabilities (a
		 * view of that output) through its MLP.
		 */
		uint64_t e1 = mp_muls(mp_muls(mp_muls(B, m->heads), S), S + 1);

		scores = mp_muls(e1, 3 * a);
		held = mp_muls(e1, a);
	} else if (eager) {
		/*
		 * llama-style eager_attention_forward: the score block at
		 * its worst moment (mp_eager_peak), and repeat_kv's copies
		 * of k and v at the query heads' width (expand + reshape
		 * copies when kv heads < heads).  The decoder layer binds
		 * the returned probabilities to "_" (hidden_states, _ =
		 * self.self_attn(...)), so they live through its MLP.
		 */
		uint64_t e = mp_muls(mp_muls(mp_muls(B, m->heads), S), S);

		scores = mp_muls(e, mp_eager_peak(cd, cuda));
		held = mp_muls(e, a);
		if (m->kv_heads < m->heads)
			rep = mp_muls(mp_muls(T, qdim), 2 * a);
	}
	if (eager)
		mask = mp_eager_masks(m, B, S, cd);
	else if (unmasked && mp_sdpa_math(m, sc, cd)) {
		/*
		 * The math kernel (attention.cpp
		 * _scaled_dot_product_attention_math, PyTorch >= 2.5): fp16
		 * and bf16 inputs are upcast to fp32 unless
		 * torch.backends.cuda.allow_fp16_bf16_reduction_math_sdp
		 * (off by default), k and v repeated to the
		 * query heads, then the fp32 scores and their fp32 softmax
		 * are alive together: 8 bytes a score, and the fp32 q and
		 * repeated k and v.  Derived from the source, not measured.
		 */
		uint64_t e = mp_muls(mp_muls(mp_muls(B, m->heads), S), S);

		scores = mp_muls(e, 8);
		rep = mp_muls(mp_muls(T, qdim), 3 * 4);
	}
	/* q, k, v, rotated q and k, attention output, o_proj output */
	attn = mp_muls(mp_muls(T, mp_adds(mp_muls(qdim, 3),
	    mp_muls(kvdim, 4))), a);
	attn = mp_adds(mp_adds(mp_muls(unit, 3), attn), mp_adds(mask, scores));
	attn = mp_adds(attn, rep);
	{
		uint64_t ffn = mp_adds(resid, mlp > moe ? mlp : moe);

		ffn = mp_adds(mp_adds(ffn, mask), held);
		if (attn > ffn) {
			mp_note_count(mp_estimate_note(est, "activations",
			    "transformers.attention", "attention of one layer "
			    "over {tokens} tokens: q, k, v and their rotated "
			    "copies%s", eager ? ", plus eager attention's "
			    "score matrix (batch x heads x seq x seq) and "
			    "float masks" : scores > 0 ? ", plus the fp32 "
			    "score matrix of PyTorch's math SDPA kernel (no "
			    "fused kernel takes grouped-query attention "
			    "here)" : ""), "tokens", T);
			return attn;
		}
		mp_note_count(mp_estimate_note(est, "activations",
		    "transformers.layer", "one layer at a time over {tokens} "
		    "prompt tokens: 4 hidden-sized tensors (embeddings, layer "
		    "input, residual, normed input) + the %s%s%s", moe > mlp ?
		    "routed experts' copies of each token" :
		    "MLP's intermediate tensors",
		    mask && !eager ? " + the sliding-window mask" : "",
		    eager ? " + eager attention's probabilities and float "
		    "masks (batch x seq x seq)" : ""), "tokens", T);
		return ffn;
	}
}

bool
mp_estimate_infer(const struct mp_model *m, const struct mp_scenario *sc,
    struct mp_estimate *est, struct mp_error *err)
{
	uint64_t	 a = mp_dtype_info(mp_compute_dtype(m, sc))->block_bytes;
	uint64_t	 B = sc->batch, S = sc->seq, kv_prompt, kv_next;
	uint64_t	 per_tok, kv_fixed;
	uint64_t	 act, rope, logits, prefill, decode, transient;
	struct mp_note	*n;

	if (!mp_weights_bytes(m, sc, &est->mem.weights, err))
		return false;
	/*
	 * The cache transformers holds after the prompt.  DynamicCache keeps
	 * every token of full-attention layers; its sliding-window layers
	 * slice the last window-1 tokens out of the concatenated states,
	 * and that slice is a view that keeps the whole prompt's storage
	 * alive until the next token arrives, so after a prefill they hold
	 * every token too: no window caps here.
	 */
	mp_kv_rate(m, sc->kv_dtype, &per_tok, &kv_fixed);
	kv_prompt = mp_muls(mp_adds(mp_muls(S, per_tok), kv_fixed), B);
	kv_next = mp_muls(mp_adds(mp_muls(S + 1, per_tok), kv_fixed), B);
	/* What one more token costs (fixed Mamba states excluded). */
	est->kv_per_token = per_tok;
	act = layer_activations(m, sc, a, est);
	/*
	 * Rotary cos and sin for the positions of the prompt, shared by
	 * the batch (position_ids has batch dimension 1), in the compute
	 * dtype.
	 */
	rope = mp_muls(mp_muls(mp_muls(S, m->rotary_dim), a), 2);
	/* The prompt's token ids on the device: batch x seq int64. */
	rope = mp_adds(rope, mp_muls(mp_muls(B, S), 8));
	/*
	 * generate() asks for the last position's logits only
	 * (logits_to_keep=1): batch x vocab in the compute dtype.
	 */
	logits = mp_muls(mp_muls(B, m->vocab), a);
	prefill = mp_adds(mp_adds(act, rope), logits);
	/*
	 * A decode step grows each layer's cache by torch.cat: the old
	 * K (or V) of one layer and its grown copy are both alive for a
	 * moment, on top of the whole cache.
	 */
	transient = mp_muls(kv_one_tensor(m, S, sc->kv_dtype), B);
	decode = mp_adds(mp_adds(kv_next - kv_prompt, transient), logits);
	est->mem.kv_cache = kv_prompt;
	if (prefill >= decode) {
		est->mem.activations = mp_adds(act, rope);
		est->mem.logits = logits;
	} else {
		est->mem.kv_cache = kv_next;
		est->mem.activations = transient;
		est->mem.logits = logits;
	}
	/* No CUDA context off CUDA (and HIP's on ROCm is alike). */
	est->mem.runtime = mp_backend_has_cuda_context(sc->backend) ?
	    mp_runtime_transformers(sc) : 0;
	est->mem.total = mp_memory_sum(&est->mem);
	/*
	 * The allocator's reserve (alloc.c): one stranded segment for the
	 * largest request of the peak.  Decoding grows each layer's cache by
	 * torch.cat, a new block a little larger than the one it replaces;
	 * the prefill's largest request is eager attention's score block or the
	 * widest MLP tensor (the routed copies' gate_up for MoE).
	 */
	{
		uint64_t T = mp_muls(B, S), big = transient, w;
		uint64_t k = m->experts_per_tok ? m->experts_per_tok : 1;

		if (prefill >= decode) {
			w = mp_muls(mp_muls(T, m->intermediate), a);
			if (mp_muls(mp_muls(mp_muls(T, k), 2ULL *
			    m->moe_intermediate), a) > w)
				w = mp_muls(mp_muls(mp_muls(T, k), 2ULL *
				    m->moe_intermediate), a);
			/* eager: the score block, fp32 where softmax
			 * upcasts (llama-style), a + 1 column with sinks */
			if (mp_attn_of(m, sc) == MP_ATTN_EAGER) {
				uint64_t e = mp_muls(mp_muls(mp_muls(B,
				    m->heads), S), has_sinks(m) ? S + 1 : S);

				e = mp_muls(e, has_sinks(m) ? a : 4);
				if (e > w)
					w = e;
			}
			if (w > big)
				big = w;
		}
		est->mem.largest_block = big;
		est->mem.reserved = mp_adds(mp_alloc_reserved(est->mem.total -
		    est->mem.runtime, big, sc->expandable_segments),
		    est->mem.runtime);
	}
	est->device_total = est->mem.total;
	est->host_total = 0;
	if (sc->backend == MP_BE_CPU) {
		/* PyTorch on the CPU: everything in host memory. */
		est->on_host = true;
		est->device_total = 0;
		est->host_total = est->mem.total;
	}
	est->file_bytes = m->file_bytes;
	if (sc->weights_as_stored) {
		n = mp_estimate_note(est, "weights", "transformers.as_stored",
		    "{params} parameters as the model's files store them "
		    "({file} of tensors read from their headers)");
		mp_note_count(n, "params", m->params);
		mp_note_size(n, "file", m->file_bytes);
	} else
		mp_note_count(mp_estimate_note(est, "weights",
		    "transformers.weights", "{params} parameters in %s%s",
		    mp_dtype_info(sc->weights)->name,
		    mp_dtype_info(sc->weights)->is_float ? "" :
		    " (quantized Linear layers; embeddings, head and norms in "
		    "the compute dtype)"), "params", m->params);
	if (sc->weights_shipped)
		mp_estimate_note(est, "model", "transformers.as_shipped", "as "
		    "shipped: the checkpoint's "
		    "quantization_config (%s)%s; --weights bf16 prices it "
		    "dequantized", m->shipq.scheme[0] != '\0' ?
		    m->shipq.scheme : m->quant_method,
		    sc->weights == MP_DT_MXFP4 ? ", experts in MXFP4, "
		    "attention, router, embeddings and head in bf16" : "");
	if (sc->weights_shipped && sc->weights != MP_DT_MXFP4) {
		size_t	 i, kept = 0;
		const char *first = NULL;

		for (i = 0; i < m->n_tensors; i++)
			if ((m->tensors[i].flags & (MP_TF_KEEP | MP_TF_LINEAR))
			    == (MP_TF_KEEP | MP_TF_LINEAR)) {
				if (kept++ == 0)
					first = m->tensors[i].name;
			}
		if (kept > 0)
			mp_estimate_note(est, "model", "transformers.kept",
			    "%zu Linear weight%s "
			    "(%s%s) left in %s by the checkpoint's skip/ignore "
			    "list", kept, kept > 1 ? "s" : "", first, kept > 1 ? ", ..." : "",
			    mp_dtype_info(mp_compute_dtype(m, sc))->name);
	}
	if (m->quant_method[0] != '\0' && !sc->weights_as_stored &&
	    mp_dtype_info(sc->weights)->is_float)
		mp_estimate_note(est, "model", "transformers.dequantized",
		    "the checkpoint is pre-quantized "
		    "(%s); estimated dequantized to %s%s%s (pass --weights to "
		    "price another format)", m->quant_method,
		    mp_dtype_info(sc->weights)->name, m->shipq.why[0] ? ": " :
		    "", m->shipq.why);
	n = mp_estimate_note(est, "kv_cache", "transformers.kv", "{per_token} "
	    "per token, {batch} x {seq} tokens in %s",
	    mp_dtype_info(sc->kv_dtype)->name);
	mp_note_size(n, "per_token", est->kv_per_token);
	mp_note_count(n, "batch", B);
	mp_note_count(n, "seq", S);
	n = mp_estimate_note(est, "logits", "transformers.logits", "last position "
	    "only (logits_to_keep=1): {batch} x {vocab} vocab");
	mp_note_count(n, "batch", B);
	mp_note_count(n, "vocab", m->vocab);
	if (mp_backend_has_cuda_context(sc->backend))
		mp_cuda_context_note(est, sc);
	else
		mp_estimate_note(est, "runtime", "transformers.no_cuda",
		    "no CUDA context on %s%s; "
		    "the runtime's own overhead is not modelled",
		    mp_backend_name(sc->backend), sc->backend == MP_BE_METAL ?
		    " (PyTorch MPS)" : "");
	return true;
}
