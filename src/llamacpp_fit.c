/* llamacpp_fit.c: llama.cpp's --fit (-ngl auto), what llama_params_fit picks */
/* SPDX-License-Identifier: MIT */
/*
 * llama.cpp (the commit llamacpp.c follows) runs llama_params_fit before
 * loading when --fit is on (its default, with -ngl auto): it probes the
 * memory breakdown of trial parameters (weights, cache and compute of
 * llama.cpp's own buffers per GPU, no allocation) against each GPU's
 * free memory less --fit-target (1024 MiB) and changes only what the
 * user left unset.  Read in common/fit.cpp (common_params_fit_impl):
 *
 * 1. Nothing changes when the defaults leave the target free everywhere.
 * 2. Without -c it shortens the context (from the model's training
 *    length down to --fit-ctx, 4096), interpolating linearly between
 *    the two and rounding down to 256; on one GPU that is the answer.
 * 3. With -ngl, -ts, -ot (or --n-cpu-moe) or -sm row set by the user it
 *    stops there and loads what was asked.  Else it fills the GPUs from
 *    the last one back: each takes as many of the remaining layers (the
 *    output counted as one) as stay under its target; for a MoE model
 *    these are "dense-only" layers, their expert tensors in host memory.
 * 4. For a MoE model whose dense-only layers all fit, it turns them into
 *    full layers front to back (GPU 0 first), the experts of the layers
 *    that do not fit staying in host memory: with one GPU, every layer
 *    on the GPU and the experts of the last layers on the CPU (not the
 *    first, as --n-cpu-moe does).
 *
 * 5. After each GPU's conversion it tries part of one more layer (read
 *    in common/fit.cpp at commit 08033df02cc3): the first layer whose
 *    experts are elsewhere keeps its up projection on the GPU, then also
 *    its gate, each kept only when the target stays strictly free (on
 *    that GPU and the next); when the up projection does not fit, only
 *    its attention stays, its whole MLP (router and shared expert
 *    included) going to the next GPU, or the CPU after the last.
 *
 * llama.cpp's free memory is measured
 * after its CUDA context exists; memplan takes the profile's usable
 * memory less the whole CUDA runtime term (context, cuBLAS, pool), a
 * little less than llama.cpp sees.  Derived from the source, not
 * measured.  The answer is written as the parameters llama-fit-params
 * prints: -c, -ngl, -ts and -ot.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define MIB		((int64_t)1024 * 1024)
/* --fit-target and --fit-ctx defaults (common/common.h) */
#define FIT_TARGET_MIB	1024
#define FIT_CTX_MIN	4096

/*
 * What the first partial layer of a GPU keeps there besides its dense
 * tensors (common_layer_fraction_t): nothing of its MLP beyond the
 * router and shared parts (MOE, every later partial layer), or after the
 * partial-layer step its attention only (ATTN), with the up projection
 * (UP) or with up and gate (GATE).  The rest of that layer's MLP goes to
 * the next GPU, or host memory from the last one.
 */
enum frac { FR_MOE = 0, FR_ATTN, FR_UP, FR_GATE };

/* The tensors of layer il a fraction sends on, as llama.cpp's
 * get_overflow_pattern names them. */
static const char *const frac_pattern[] = {
	[FR_MOE] = "ffn_(up|down|gate_up|gate)_(ch|)exps",
	[FR_ATTN] = "ffn_(gate|up|gate_up|down).*",
	[FR_UP] = "ffn_(gate|gate_up|down).*",
	[FR_GATE] = "ffn_down.*",
};

/* One GPU's share: n_layer slots, the last n_part of them partial
 * (experts in host memory) after the first n_layer - n_part full ones;
 * the first partial one keeps the fraction first. */
struct share {
	uint32_t n_layer, n_part;
	enum frac first;
};

struct fit {
	const struct mp_model	*m;
	struct mp_scenario	 sc;	/* the trial */
	uint32_t		 nd, n_layer;
	int64_t			 target[MP_MAX_GPUS];
	struct mp_error		*err;
};

/* Appends to the override text; false when it is full. */
static bool
put_ot(char *o, size_t *at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static bool
put_ot(char *o, size_t *at, const char *fmt, ...)
{
	size_t len = sizeof(((struct mp_scenario *)0)->override_tensor);
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(o + *at, *at < len ? len - *at : 0, fmt, ap);
	va_end(ap);
	*at += n < 0 ? len : (size_t)n;
	return *at < len;
}

/*
 * The trial's -ngl, -ts and -ot for shares s (set_ngl_tensor_split_tbo):
 * a first partial layer that keeps more than MOE gets its own rule,
 * first, sending its other MLP tensors to the next GPU (the CPU after the
 * last); every other partial layer's experts go to the CPU in one rule.
 */
static bool
apply(struct fit *f, const struct share *s, struct mp_scenario *sc)
{
	uint32_t d, total = 0, il0, il, n = 0;
	size_t at = 0;
	char *o = sc->override_tensor;
	const char *pre = mp_override_gpu_prefix(f->sc.backend);
	bool ok = true;

	for (d = 0; d < f->nd; d++)
		total += s[d].n_layer;
	sc->gpu_layers = total >= f->n_layer + 1 ? -1 : (int64_t)total;
	sc->gpu_layers_set = true;
	sc->n_tensor_split = 0;
	if (f->nd > 1 && total > 0) {
		sc->n_tensor_split = f->nd;
		for (d = 0; d < f->nd; d++)
			sc->tensor_split[d] = (float)s[d].n_layer;
	}
	o[0] = '\0';
	il0 = f->n_layer + 1 - total;
	for (d = 0; d < f->nd; d++) {
		il0 += s[d].n_layer - s[d].n_part;
		if (s[d].n_part > 0 && s[d].first != FR_MOE &&
		    il0 < f->n_layer) {
			if (d + 1 < f->nd && pre != NULL)
				ok &= put_ot(o, &at, "blk\\.%u\\.%s=%s%u,", il0,
				    frac_pattern[s[d].first], pre, d + 1);
			else
				ok &= put_ot(o, &at, "blk\\.%u\\.%s=CPU,", il0,
				    frac_pattern[s[d].first]);
		}
		il0 += s[d].n_part;
	}
	il0 = f->n_layer + 1 - total;
	for (d = 0; d < f->nd; d++) {
		il0 += s[d].n_layer - s[d].n_part;
		for (il = il0; il < il0 + s[d].n_part; il++) {
			if (il >= f->n_layer ||
			    (il == il0 && s[d].first != FR_MOE))
				continue;	/* the output; a rule above */
			ok &= put_ot(o, &at, "%s%u", n++ ? "|" : "blk\\.(", il);
		}
		il0 += s[d].n_part;
	}
	if (n > 0)
		ok &= put_ot(o, &at, ")\\.%s=CPU", frac_pattern[FR_MOE]);
	else if (at > 0)
		o[--at] = '\0';	/* the last rule's comma */
	if (!ok)
		return mp_error_set(f->err, MP_EUSAGE, NULL, "--fit",
		    "%u layers' expert overrides are too long to write", n);
	return true;
}

/* llama.cpp's buffers per GPU for shares s. */
static bool
use(struct fit *f, const struct share *s, struct mp_llamacpp_use *u)
{
	struct mp_scenario sc = f->sc;

	return apply(f, s, &sc) && mp_llamacpp_device_use(f->m, &sc, u,
	    f->err);
}

static bool
fits_on(const struct fit *f, const struct mp_llamacpp_use *u, uint32_t d)
{
	return (int64_t)u->total[d] <= f->target[d];
}

/*
 * The most slots GPU d can take on top of s (the others as they are),
 * between have (known to fit) and most: llama.cpp narrows the same
 * bracket by false position and keeps the last count that fits; with
 * memory growing with the count both find the same one.  dense_only:
 * the added slots are dense-only (n_part grows too; the last GPU's
 * first slot, the output, stays full).
 */
static bool
fill(struct fit *f, struct share *s, uint32_t d, uint32_t most,
    bool dense_only)
{
	struct share t[MP_MAX_GPUS];
	struct mp_llamacpp_use u;
	uint32_t lo = s[d].n_layer, hi = most, mid;

	memcpy(t, s, sizeof(t));
	while (lo < hi) {
		mid = lo + (hi - lo + 1) / 2;
		memcpy(t, s, sizeof(t));
		t[d].n_layer = mid;
		if (dense_only)
			t[d].n_part = d + 1 == f->nd ? mid - 1 : mid;
		if (!use(f, t, &u))
			return false;
		if (fits_on(f, &u, d))
			lo = mid;
		else
			hi = mid - 1;
	}
	s[d].n_layer = lo;
	if (dense_only)
		s[d].n_part = lo == 0 ? 0 : d + 1 == f->nd ? lo - 1 : lo;
	return true;
}

/* Step 4: k dense-only slots of the GPUs from `from` on made full on d. */
static void
convert(struct fit *f, const struct share *s, struct share *t, uint32_t d,
    uint32_t from, uint32_t k)
{
	uint32_t j, n;

	memcpy(t, s, sizeof(*t) * MP_MAX_GPUS);
	for (j = from; j < f->nd && k > 0; j++) {
		n = t[j].n_part < k ? t[j].n_part : k;
		t[j].n_layer -= n;
		t[j].n_part -= n;
		t[d].n_layer += n;
		k -= n;
	}
}

/* The trial leaves more than the target free on d and the GPU after it
 * (llama.cpp's partial-layer test is strict). */
static bool
below(const struct fit *f, const struct mp_llamacpp_use *u, uint32_t d)
{
	return (int64_t)u->total[d] < f->target[d] && (d + 1 == f->nd ||
	    (int64_t)u->total[d + 1] < f->target[d + 1]);
}

/*
 * Step 4's last refinement on GPU d ("try to fit at least part of one
 * more layer"): the first partial layer (moved from GPU *from when that
 * is another) keeps its up projection on d, then also its gate (UP,
 * GATE); if UP does not fit, only its attention (ATTN), the rest of its
 * MLP, router and shared expert included, going on.
 */
static bool
part_layer(struct fit *f, struct share *s, uint32_t d, uint32_t *from)
{
	struct share t[MP_MAX_GPUS];
	struct mp_llamacpp_use u;
	uint32_t nfrom = *from;

	if (*from >= f->nd || s[*from].n_part == 0 ||
	    s[*from].n_layer <= (d + 1 < f->nd ? 0u : 1u))
		return true;
	memcpy(t, s, sizeof(t));
	t[*from].n_layer--;
	t[*from].n_part--;
	t[d].n_layer++;
	t[d].n_part++;
	if (t[*from].n_part == 0)
		nfrom++;
	t[d].first = FR_UP;
	if (!use(f, t, &u))
		return false;
	if (below(f, &u, d)) {
		memcpy(s, t, sizeof(t));
		*from = nfrom;
		t[d].first = FR_GATE;
		if (!use(f, t, &u))
			return false;
		if (below(f, &u, d))
			memcpy(s, t, sizeof(t));
		return true;
	}
	t[d].first = FR_ATTN;
	if (!use(f, t, &u))
		return false;
	if (below(f, &u, d)) {
		memcpy(s, t, sizeof(t));
		*from = nfrom;
	}
	return true;
}

static uint32_t
parts_from(const struct fit *f, const struct share *s, uint32_t from)
{
	uint32_t j, n = 0;

	for (j = from; j < f->nd; j++)
		n += s[j].n_part;
	return n;
}

bool
mp_llamacpp_fit(const struct mp_model *m, struct mp_scenario *sc,
    bool ctx_set, char *note, size_t len, struct mp_error *err)
{
	struct fit *f;
	struct share s[MP_MAX_GPUS], t[MP_MAX_GPUS];
	struct mp_llamacpp_use u, umin;
	uint64_t nseq = sc->batch == 0 ? 1 : sc->batch, ctx_max, n_ctx;
	int64_t margin, sum_used = 0, sum_target = 0, sum_min = 0, model = 0;
	uint32_t d, lo, hi, mid, from, total, node_gpus;
	bool ok = false, all = true;

	note[0] = '\0';
	if ((f = calloc(1, sizeof(*f))) == NULL)
		return mp_error_set(err, MP_ENOMEM, NULL, NULL,
		    "out of memory");
	f->m = m;
	f->sc = *sc;
	f->err = err;
	f->n_layer = m->layers;
	node_gpus = sc->gpus == 0 ? 1 : sc->gpus;
	/* over RPC every node's GPUs, the other nodes' first (llamacpp.c);
	 * llama_params_fit walks the whole device list */
	f->nd = node_gpus * mp_llamacpp_rpc_nodes(sc);
	if (sc->backend == MP_BE_CPU || sc->n_dev_free < node_gpus ||
	    f->nd > MP_MAX_GPUS || m->layers == 0) {
		mp_error_set(err, MP_EUSAGE, NULL, "--fit", "llama.cpp fits "
		    "to the GPUs' free memory: give --hardware with %u GPU%s"
		    "%s", node_gpus, node_gpus == 1 ? "" : "s",
		    f->nd > MP_MAX_GPUS ?
		    " per node, at most 16 devices in all" : "");
		goto out;
	}
	margin = (int64_t)mp_llamacpp_fit_target(sc);
	/* -c 0: the model's training context, what step 2 shortens */
	if (!ctx_set && m->max_pos != 0)
		f->sc.seq = m->max_pos / nseq;
	ctx_max = mp_muls(f->sc.seq, nseq);

	/* step 1: the parameters as given */
	if (!mp_llamacpp_device_use(m, &f->sc, &u, err))
		goto out;
	for (d = 0; d < f->nd; d++) {
		f->target[d] = (int64_t)sc->dev_free[d % node_gpus] -
		    (int64_t)u.runtime - margin;
		sum_used += (int64_t)u.total[d];
		sum_target += f->target[d];
		model += (int64_t)u.model[d];
		if (!fits_on(f, &u, d))
			all = false;
	}
	if (all) {
		snprintf(note, len, "leaves at least %" PRId64 " MiB free on "
		    "every GPU as asked: nothing to change", margin / MIB);
		ok = true;
		goto done;
	}

	/* step 2: a shorter context, when -c was not given */
	if (!ctx_set && ctx_max > FIT_CTX_MIN) {
		if (f->nd > 1) {
			/* whole layers (or tensors, about a third of a MoE
			 * layer) per GPU waste some room: keep it back */
			uint32_t per = sc->gpu_layers < 0 ||
			    (uint64_t)sc->gpu_layers > m->layers ? m->layers :
			    (uint32_t)sc->gpu_layers;

			if (per > 0)
				sum_target -= (int64_t)(f->nd + 1) * (model /
				    per) / (m->n_experts == 0 ? 2 : 6);
		}
		f->sc.seq = FIT_CTX_MIN / nseq;
		if (!mp_llamacpp_device_use(m, &f->sc, &umin, err))
			goto out;
		for (d = 0; d < f->nd; d++)
			sum_min += (int64_t)umin.total[d];
		n_ctx = FIT_CTX_MIN;
		if (sum_target > sum_min && sum_used > sum_min) {
			n_ctx += (uint64_t)((double)(ctx_max - FIT_CTX_MIN) *
			    (double)(sum_target - sum_min) /
			    (double)(sum_used - sum_min));
			n_ctx -= n_ctx % 256;
			if (n_ctx < FIT_CTX_MIN)
				n_ctx = FIT_CTX_MIN;
			f->sc.seq = n_ctx / nseq;
			if (f->nd == 1) {
				snprintf(note, len, "context shortened from "
				    "%" PRIu64 " to -c %" PRIu64 " to leave "
				    "%" PRId64 " MiB free", ctx_max, n_ctx,
				    margin / MIB);
				ok = true;
				goto done;
			}
		}
	}

	/* step 3: only what the user left unset */
	if (sc->gpu_layers_set || sc->n_tensor_split != 0 ||
	    sc->override_tensor[0] != '\0' || sc->n_cpu_moe != 0 ||
	    (f->nd > 1 && sc->split_mode == MP_SPLIT_ROW)) {
		snprintf(note, len, "llama.cpp does not change -ngl, -ts, -ot, "
		    "--n-cpu-moe or -sm row set by the user: loaded as asked%s",
		    f->sc.seq != sc->seq ? " with the shortened context" : "");
		ok = true;
		goto done;
	}
	memset(s, 0, sizeof(s));
	for (d = f->nd; d-- > 0;) {
		total = f->n_layer + 1;
		for (from = d + 1; from < f->nd; from++)
			total -= s[from].n_layer;
		if (!fill(f, s, d, total, m->n_experts != 0))
			goto out;
	}
	if (m->n_experts != 0) {
		/* step 4 only if every dense part fits (experts all on
		 * the CPU leave a surplus) */
		struct mp_scenario cpu = f->sc;
		int64_t surplus = 0;

		snprintf(cpu.override_tensor, sizeof(cpu.override_tensor),
		    "blk\\.[0-9]+\\.ffn_(up|down|gate_up|gate)_(ch|)exps=CPU");
		cpu.gpu_layers = -1;
		cpu.gpu_layers_set = true;
		if (!mp_llamacpp_device_use(m, &cpu, &u, err))
			goto out;
		for (d = 0; d < f->nd; d++)
			surplus += f->target[d] - (int64_t)u.total[d];
		for (from = f->nd; from > 0 && s[from - 1].n_layer > 0; from--)
			continue;
		for (d = 0; surplus > 0 && from < f->nd && d <= from; d++) {
			lo = 0;
			hi = parts_from(f, s, from);
			while (lo < hi) {
				mid = lo + (hi - lo + 1) / 2;
				convert(f, s, t, d, from, mid);
				if (!use(f, t, &u))
					goto out;
				if (fits_on(f, &u, d))
					lo = mid;
				else
					hi = mid - 1;
			}
			convert(f, s, t, d, from, lo);
			memcpy(s, t, sizeof(s));
			while (from < f->nd && s[from].n_part == 0 &&
			    from != d)
				from++;
			if (!part_layer(f, s, d, &from))
				goto out;
		}
	}
	if (!apply(f, s, &f->sc))
		goto out;
	total = 0;
	for (d = 0; d < f->nd; d++)
		total += s[d].n_layer;
	{
		static const char *const keeps[] = {
			[FR_ATTN] = "only its attention",
			[FR_UP] = "its up experts",
			[FR_GATE] = "its up and gate experts",
		};
		char ctx[64] = "", moe[160] = "", one[96] = "";
		uint32_t parts = 0, il0 = f->n_layer + 1 - total;

		for (d = 0; d < f->nd; d++) {
			il0 += s[d].n_layer - s[d].n_part;
			/* the output slot holds no experts */
			parts += il0 >= f->n_layer ? 0 : il0 + s[d].n_part >
			    f->n_layer ? f->n_layer - il0 : s[d].n_part;
			if (s[d].n_part > 0 && s[d].first != FR_MOE)
				snprintf(one, sizeof(one), "; layer %u keeps %s "
				    "on GPU %u, the rest of its MLP on %s", il0,
				    keeps[s[d].first], d, d + 1 < f->nd ?
				    "the next GPU" : "the CPU");
			il0 += s[d].n_part;
		}
		if (!ctx_set)
			snprintf(ctx, sizeof(ctx), ", -c %" PRIu64 " (from %"
			    PRIu64 ")", mp_muls(f->sc.seq, nseq), ctx_max);
		if (m->n_experts != 0)
			snprintf(moe, sizeof(moe), "; the experts of the last "
			    "%u layer%s in host memory%s", parts, parts == 1 ?
			    "" : "s", one);
		snprintf(note, len, "-ngl %u%s%s to leave %" PRId64 " MiB free "
		    "per GPU%s", total, f->nd > 1 ? " split by -ts" : "", ctx,
		    margin / MIB, moe);
	}
	ok = true;
done:
	if (ok) {
		sc->seq = f->sc.seq;
		sc->gpu_layers = f->sc.gpu_layers;
		sc->gpu_layers_set = f->sc.gpu_layers_set;
		sc->n_tensor_split = f->sc.n_tensor_split;
		memcpy(sc->tensor_split, f->sc.tensor_split,
		    sizeof(sc->tensor_split));
		memcpy(sc->override_tensor, f->sc.override_tensor,
		    sizeof(sc->override_tensor));
	}
out:
	free(f);
	return ok;
}

uint64_t
mp_llamacpp_fit_target(const struct mp_scenario *sc)
{
	return (uint64_t)(sc->fit_target_set ? sc->fit_target_mib :
	    FIT_TARGET_MIB) * (uint64_t)MIB;
}

/*
 * --fit's own criterion for a given placement: every GPU keeps the
 * target free by llama.cpp's buffers (weights, cache, compute) against
 * its free memory (usable less the runtime term), as step 3 judges each
 * trial.  fit --solve layers and plan search with it under --fit, so
 * their -ngl is the one --fit picks.
 */
bool
mp_llamacpp_fit_leaves(const struct mp_model *m, const struct mp_scenario *sc,
    bool *leaves, struct mp_error *err)
{
	struct mp_llamacpp_use u;
	int64_t margin = (int64_t)mp_llamacpp_fit_target(sc);
	uint32_t d, nd = sc->gpus == 0 ? 1 : sc->gpus;

	*leaves = false;
	if (sc->n_dev_free < nd || nd > MP_MAX_GPUS)
		return mp_error_set(err, MP_EUSAGE, NULL, "--fit", "llama.cpp "
		    "fits to the GPUs' free memory: give --hardware with %u "
		    "GPU%s", nd, nd == 1 ? "" : "s");
	if (!mp_llamacpp_device_use(m, sc, &u, err))
		return false;
	for (d = 0; d < nd; d++)
		if ((int64_t)u.total[d] > (int64_t)sc->dev_free[d] -
		    (int64_t)u.runtime - margin)
			return true;
	*leaves = true;
	return true;
}
