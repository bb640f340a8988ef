/* estimate.c: the dispatcher: one estimate, by mode and runtime, through
 * transformers.c, train.c, convert.c, llamacpp.c and vllm.c */
/* SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <string.h>

#include "runtime.h"

/*
 * A context past what the config says the model handles: the memory is
 * what it is, but the answers past it are not what the model was trained
 * (or rope-scaled) for.  Every command estimates through here.
 */
static void
context_note(const struct mp_model *m, struct mp_estimate *est)
{
	bool		 scaled;
	uint64_t	 lim = mp_model_context_limit(m, &scaled);
	struct mp_note	*n;

	if (lim == 0 || est->sc.seq <= lim)
		return;
	if (scaled) {
		n = mp_estimate_note(est, "context", "estimate.past_rope",
		    "--seq {seq} is {ratio}x the {limit} tokens this model "
		    "handles with its rope scaling (%s x{factor} of {original}); "
		    "the model was not trained past them", m->rope_type);
		mp_note_number(n, "factor", m->rope_factor,
		    mp_fixed_places(m->rope_factor, 0, 6));
		mp_note_count(n, "original", m->rope_orig ? m->rope_orig :
		    m->max_pos);
	} else
		n = mp_estimate_note(est, "context", "estimate.past_max",
		    "--seq {seq} is {ratio}x this model's "
		    "max_position_embeddings ({limit}%s); the model was not "
		    "trained past it", m->rope_type[0] ?
		    ", rope scaling included" : "");
	mp_note_count(n, "seq", est->sc.seq);
	mp_note_count(n, "limit", lim);
	mp_note_number(n, "ratio", (double)est->sc.seq / (double)lim, 1);
}

bool
mp_estimate(const struct mp_model *m, const struct mp_scenario *sc_in,
    struct mp_estimate *est, struct mp_error *err)
{
	char fit[256] = "";
	struct mp_ollama_lay lay;
	bool ok;

	memset(est, 0, sizeof(*est));
	est->sc = *sc_in;
	if (!mp_scenario_resolve(&est->sc, m, err))
		return false;
	if (m->warning[0] != '\0')
		mp_estimate_note(est, "model", "estimate.model_warning", "%s",
		    m->warning);
	if (sc_in->seq == 0 && m->ctx_default > 0)
		mp_note_count(mp_estimate_note(est, "seq", "estimate.seq_default",
		    "{tokens} tokens: %s (--seq to change)", m->ctx_from),
		    "tokens", m->ctx_default);
	context_note(m, est);
	switch (est->sc.mode) {
	case MP_MODE_LORA:
	case MP_MODE_QLORA:
	case MP_MODE_FULL:
		ok = mp_estimate_train(m, &est->sc, est, err);
		break;
	case MP_MODE_CONVERT:
		ok = mp_estimate_convert(m, &est->sc, est, err);
		break;
	case MP_MODE_INFER:
	default:
		/* Ollama's scheduler, or --fit: the placement first */
		fit[0] = '\0';
		if (!mp_ollama_layout(m, &est->sc, &lay, err))
			return false;
		if (est->sc.runtime == MP_RT_LLAMACPP && est->sc.fit &&
		    !mp_llamacpp_fit(m, &est->sc, sc_in->seq != 0, fit,
		    sizeof(fit), err))
			return false;
		if (est->sc.runtime == MP_RT_LLAMACPP)
			ok = mp_estimate_llamacpp(m, &est->sc, est, err);
		else if (est->sc.runtime == MP_RT_VLLM)
			ok = mp_estimate_vllm(m, &est->sc, est, err);
		else
			ok = mp_estimate_infer(m, &est->sc, est, err);
		break;
	}
	if (ok && est->sc.mode == MP_MODE_INFER)
		mp_ollama_layout_note(est, &lay);
	if (ok && fit[0] != '\0')
		mp_estimate_note(est, "weights", "llamacpp.fit", "--fit "
		    "(llama.cpp's llama_params_fit, derived): %s", fit);
	if (ok && est->mem.total == 0)
		est->mem.total = mp_memory_sum(&est->mem);
	if (ok && est->sc.mode == MP_MODE_INFER)
		ok = mp_ollama_reserve(est, err);
	if (ok)
		mp_command_build(m, est);
	/*
	 * Serving across machines: vLLM's pipeline stages (vllm.c) and
	 * llama.cpp's RPC split over GPUs (llamacpp.c).  transformers'
	 * device_map and Ollama stay on one machine; an rpc-server's CPU
	 * device (nodes without GPUs) is not a split this models.
	 */
	if (ok && est->sc.nodes > 1 && est->sc.mode == MP_MODE_INFER &&
	    est->sc.runtime != MP_RT_VLLM && est->dev_nodes <= 1)
		mp_note_count(mp_estimate_note(est, "total", "estimate.one_node",
		    "one node: %s (--nodes {nodes} is not used)",
		    est->sc.runtime != MP_RT_LLAMACPP ? "transformers' "
		    "device_map does not split a model across machines" :
		    est->sc.ollama ? "Ollama has no RPC split across machines" :
		    "llama.cpp's RPC split is modelled over GPUs; this runs on "
		    "the CPU"), "nodes", est->sc.nodes);
	/*
	 * Every term saturates instead of wrapping; a saturated figure means
	 * the inputs were beyond what 64-bit bytes can hold: say so rather
	 * than print 16 EiB.
	 */
	if (ok) {
		size_t i;

		for (i = 0; i < MP_N_COMPONENTS; i++)
			if (mp_component_value(&est->mem, i) == UINT64_MAX)
				return mp_error_set(err, MP_ERANGE, m->path,
				    mp_component_name(i), "the estimate "
				    "overflows 64-bit arithmetic (batch, seq or "
				    "model dimensions too large)");
		if (est->mem.total == UINT64_MAX ||
		    est->device_total == UINT64_MAX ||
		    est->host_total == UINT64_MAX)
			return mp_error_set(err, MP_ERANGE, m->path, "total",
			    "the estimate overflows 64-bit arithmetic (batch, "
			    "seq or model dimensions too large)");
	}
	return ok;
}
