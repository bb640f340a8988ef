/* fit.c: exact searches over a monotone estimate (memplan fit) */
/* SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "planner.h"

void
mp_fit_set_field(struct mp_scenario *sc, enum field f, uint64_t v)
{
	switch (f) {
	case F_SEQ:
		sc->seq = v;
		break;
	case F_BATCH:
		sc->batch = v;
		break;
	case F_LAYERS:
		sc->gpu_layers = (int64_t)v;
		sc->gpu_layers_set = true;
		break;
	case F_RANK:
		sc->rank = (uint32_t)v;
		break;
	case F_MOE_GPU:
		/* Set by probe(), which knows the layer count. */
		break;
	}
}

static int
probe(struct search *s, uint64_t v, struct mp_error *err)
{
	struct mp_scenario sc = s->sc;
	int		   rc;

	mp_fit_set_field(&sc, s->f, v);
	/*
	 * --n-cpu-moe searched as the layers whose experts stay on the GPU,
	 * so that memory grows with the value like every other field.
	 */
	if (s->f == F_MOE_GPU)
		sc.n_cpu_moe = v >= s->m->layers ? 0 :
		    s->m->layers - (uint32_t)v;
	s->evals++;
	rc = evaluate(s->m, s->hw, &sc, &s->tmp, &s->tj, err);
	/*
	 * GPU layers move memory from the host to the GPUs: the GPUs fill
	 * as layers are added (monotone, searched here), while the host
	 * empties.  The host is judged at the answer, not in the search.
	 */
	if (rc >= 0 && (s->f == F_LAYERS || s->f == F_MOE_GPU) &&
	    s->tj.where == MP_JUDGE_DEVICE &&
	    s->tj.verdict != MP_VERDICT_UNSUPPORTED)
		rc = s->tj.dev[s->tj.fullest].fits &&
		    (uint64_t)s->tj.headroom >= s->tj.margin;
	/*
	 * Under --fit the GPUs are judged as llama.cpp's llama_params_fit
	 * judges them: --fit-target (1024 MiB) left free on every GPU, not
	 * memplan's margin, so the answer is the -ngl --fit picks.
	 */
	if (rc >= 0 && (s->f == F_LAYERS || s->f == F_MOE_GPU) &&
	    s->sc.fit && s->tmp.sc.runtime == MP_RT_LLAMACPP &&
	    s->tj.verdict != MP_VERDICT_UNSUPPORTED) {
		bool leaves;

		if (!mp_llamacpp_fit_leaves(s->m, &s->tmp.sc, &leaves, err))
			return -1;
		rc = leaves;
	}
	return rc;
}

/*
 * The largest v in [lo, hi] that fits, assuming that memory grows with
 * v (it does for context, batch, GPU layers and rank).  Doubling finds
 * a bracket, bisection narrows it: about 2 log2(hi) estimates.  Returns
 * -1 when the estimate fails, 0 when lo does not fit, 1 otherwise with
 * *best set and *next the first value that does not fit (0 if hi fits).
 */
int
mp_fit_search_max(struct search *s, uint64_t lo, uint64_t hi, uint64_t *best,
    uint64_t *next, struct mp_error *err)
{
	uint64_t	 a, b, mid;
	int		 r;

	if ((r = probe(s, lo, err)) <= 0)
		return r;
	a = lo;
	b = 0;
	while (b == 0) {
		mid = a > hi / 2 ? hi : (a == 0 ? 1 : a * 2);
		if (mid <= a) {
			*best = a;
			*next = 0;
			return 1;
		}
		/* A value the estimator refuses (too large) does not fit. */
		if ((r = probe(s, mid, err)) == 1)
			a = mid;
		else
			b = mid;
	}
	while (b - a > 1) {
		mid = a + (b - a) / 2;
		if ((r = probe(s, mid, err)) == 1)
			a = mid;
		else
			b = mid;
	}
	*best = a;
	*next = b;
	return 1;
}

/* Weight formats from most to least precise, per runtime. */
static const char *const w_transformers[] = {
	"fp32", "bf16", "fp16", "int8", "nf4", "fp4", NULL
};
static const char *const w_vllm[] = {
	"bf16", "fp16", "fp8", "int8", "awq", NULL
};
static const char *const w_llamacpp[] = {
	"f32", "bf16", "f16", "q8_0", "q6_k", "q5_k_m", "q4_k_m", "q4_0",
	"q3_k_m", "q2_k", NULL
};

bool
mp_fit_set_weights(struct mp_scenario *sc, const char *name)
{
	bool	 known;
	char	 why[160];

	return mp_plan_set_option(sc, "weights", name, &known, why,
	    sizeof(why));
}

/*
 * Float formats other than the checkpoint's own: fp32 is no more precise
 * than a bf16 checkpoint, and fp16 is a sideways step from bf16.
 */
static bool
float_worth_trying(const struct mp_model *m, const char *name)
{
	enum mp_dtype dt = mp_dtype_parse(name), own = m->torch_dtype;

	if (!(dt == MP_DT_F32 || dt == MP_DT_F16 || dt == MP_DT_BF16))
		return true;
	if (own == MP_DT_NONE || own == MP_DT_F32)
		return true;
	return dt == own;
}

uint64_t
mp_fit_max_seq(const struct mp_model *m)
{
	bool		 scaled;
	uint64_t	 lim = mp_model_context_limit(m, &scaled);

	/* Without max_position_embeddings, a generous bound: 1M tokens. */
	return lim != 0 ? lim : (1ull << 20);
}

bool
mp_planner_fit(const struct mp_model *m, const struct mp_hardware *hw,
    const struct mp_scenario *base, enum mp_solve what, struct mp_fitres *r,
    struct mp_error *err)
{
	struct search	*s = NULL;
	const char *const *list;
	uint64_t	 lo, hi, best = 0, next = 0;
	int		 rc;
	size_t		 i, prev;
	bool		 ok = false, scaled;

	memset(r, 0, sizeof(*r));
	r->field = what;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return mp_error_set(err, MP_ENOMEM, NULL, NULL,
		    "out of memory");
	s->m = m;
	s->hw = hw;
	s->sc = *base;
	/* A machine that cannot take the scenario (--gpus above it) is an
	 * error, not "nothing fits". */
	{
		struct mp_scenario	 t = *base;

		if (!mp_place_scenario(m, hw, &t, NULL, err))
			goto out;
	}
	if (what == MP_SOLVE_WEIGHTS) {
		list = base->runtime == MP_RT_LLAMACPP ? w_llamacpp :
		    base->runtime == MP_RT_VLLM ? w_vllm : w_transformers;
		prev = SIZE_MAX;
		for (i = 0; list[i] != NULL; i++) {
			struct mp_scenario sc = *base;

			/* Casting up adds no precision: start at the config's. */
			if (!float_worth_trying(m, list[i]))
				continue;
			if (!mp_fit_set_weights(&sc, list[i]))
				continue;
			s->evals++;
			rc = evaluate(m, hw, &sc, &s->tmp, &s->tj, err);
			if (rc < 0)
				continue;
			if (rc == 1) {
				r->found = true;
				put(r->value_name, sizeof(r->value_name),
				    "%s", list[i]);
				r->est = s->tmp;
				r->j = s->tj;
				break;
			}
			/* The most precise format that does not fit yet. */
			prev = i;
			r->next_total = s->tj.judged;
			r->est = s->tmp;
			r->j = s->tj;
		}
		if (prev != SIZE_MAX) {
			r->has_next = true;
			put(r->next_name, sizeof(r->next_name), "%s",
			    list[prev]);
		}
		if (!r->found && !r->has_next) {
			if (err->status == MP_OK)
				mp_error_set(err, MP_EINPUT, m->path,
				    "--weights", "no weight format could be "
				    "estimated for this runtime");
			goto out;
		}
		r->evaluations = s->evals;
		ok = true;
		goto out;
	}
	switch (what) {
	case MP_SOLVE_SEQ:
		s->f = F_SEQ;
		lo = 1;
		hi = mp_fit_max_seq(m);
		/* Say where the search stops, and why there. */
		r->seq_limit = hi;
		if (mp_model_context_limit(m, &scaled) == 0) {
			mp_reason_set(&r->limit_why, "no "
			    "max_position_embeddings: {limit} tokens");
			mp_reason_count(&r->limit_why, "limit", hi);
		} else if ((r->limit_scaled = scaled)) {
			mp_reason_set(&r->limit_why, "the rope-scaled length: "
			    "%s x{factor} of {original} positions",
			    m->rope_type);
			mp_reason_number(&r->limit_why, "factor",
			    m->rope_factor, mp_fixed_places(m->rope_factor, 0,
			    6));
			mp_reason_count(&r->limit_why, "original", m->rope_orig ?
			    m->rope_orig : m->max_pos);
		} else
			mp_reason_set(&r->limit_why, "max_position_embeddings%s",
			    m->rope_type[0] ? ", rope scaling included" : "");
		break;
	case MP_SOLVE_BATCH:
		s->f = F_BATCH;
		lo = 1;
		hi = 1u << 20;
		break;
	case MP_SOLVE_NCPUMOE:
		/* The fewest layers whose experts stay on the CPU. */
		if (m->n_experts == 0) {
			mp_error_set(err, MP_EUSAGE, NULL, "--solve",
			    "n-cpu-moe needs a mixture-of-experts model; %s "
			    "has no experts", m->name);
			goto out;
		}
		s->f = F_MOE_GPU;
		s->sc.runtime = MP_RT_LLAMACPP;
		lo = 0;
		hi = m->layers;
		break;
	default:
		s->f = F_LAYERS;
		s->sc.runtime = MP_RT_LLAMACPP;
		lo = 0;
		hi = m->layers;
		break;
	}
	/*
	 * --fit without --seq: the context --fit picks with -ngl left to it
	 * (llama.cpp shortens the context before it places layers), held
	 * while the layers or expert layers are searched.
	 */
	if ((s->f == F_LAYERS || s->f == F_MOE_GPU) && s->sc.fit &&
	    s->sc.seq == 0) {
		struct mp_scenario t = s->sc;

		t.gpu_layers = -1;
		t.gpu_layers_set = false;
		if (evaluate(m, hw, &t, &s->tmp, &s->tj, err) < 0)
			goto out;
		s->sc.seq = s->tmp.sc.seq;
	}
	if ((s->f == F_LAYERS || s->f == F_MOE_GPU) && s->sc.fit)
		r->fit_target = mp_llamacpp_fit_target(&s->sc);
	rc = mp_fit_search_max(s, lo, hi, &best, &next, err);
	if (rc < 0)
		goto out;

	r->evaluations = s->evals;
	if (rc == 0) {
		/* Not even the smallest value fits: report it. */
		r->found = false;
		r->has_next = true;
		r->next = s->f == F_MOE_GPU ? m->layers : lo;
		rc = probe(s, lo, err);
		r->est = s->tmp;
		r->j = s->tj;
		r->next_total = s->tj.judged;
		ok = rc >= 0;
		goto out;
	}
	r->found = true;
	/* --n-cpu-moe is n_layer less the expert layers on the GPUs. */
	r->value = s->f == F_MOE_GPU ? m->layers - best : best;
	if (probe(s, best, err) < 0)
		goto out;
	r->est = s->tmp;
	r->j = s->tj;
	/* The most GPU layers leave the least on the host: if the host
	 * cannot hold that rest, no layer count fits. */
	if (s->tj.verdict != MP_VERDICT_FITS &&
	    s->tj.verdict != MP_VERDICT_TIGHT) {
		r->found = false;
		r->has_next = false;
		r->next_total = s->tj.host.predicted;
		r->evaluations = s->evals;
		ok = true;
		goto out;
	}
	if (next != 0) {
		r->has_next = true;
		r->next = s->f == F_MOE_GPU ? m->layers - next : next;
		if (probe(s, next, err) < 0)
			goto out;
		r->next_total = s->tj.judged;
	}
	r->evaluations = s->evals;
	ok = true;
out:
	free(s);
	return ok;
}

