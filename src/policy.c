/* policy.c: which option plan recommends for each goal, and why */
/* SPDX-License-Identifier: MIT */
/*
 * One engine for plan's recommendations and estimate's "try:" lines
 * (memplan(1), RECOMMENDATIONS).  Each goal has a policy: filters that
 * apply in order, each only as far as some option passes it, then an
 * order among the options kept.
 *
 *   serve     fits with the margin, at the asked context, all layers on
 *             the devices, 4 bits or more (of the weight type), fast
 *             enough (10 tokens/s), within 3x of the fastest decode;
 *             then the most precise (whole bits of the weight type),
 *             the longest context, the checkpoint's own format over a
 *             requantization, the fastest.  When no option is fast
 *             enough, speed comes before precision: the fastest.
 *   finetune  fits with the margin, at the asked context, within 2x of
 *             the fastest training throughput; then the most thorough
 *             method (full fine-tuning, LoRA on a 16-bit base, QLoRA),
 *             the highest throughput, the most precise optimizer state.
 *   convert   produces what was asked: one recommendation per output
 *             format (only the asked pipeline's with --convert-pipeline);
 *             fits with the margin; then the least precision lost, one
 *             pass over the checkpoint before a low-memory pipeline
 *             (slower), the lowest peak memory.  When nothing of a format fits, the
 *             option needing the least swap, and a bundled machine on
 *             which it fits.
 *
 * A filter no option passes is skipped (on a CPU-only machine nothing
 * runs on a device; the later filters still apply).
 *
 * Each recommendation names its runner-up: the next option the policy
 * keeps, else the one left out last, with the filter that left it out.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "planner.h"

/*
 * An option "many times slower than the best fitting one is not
 * recommended for precision alone" (the serve policy's words): 3x or
 * more.  So vLLM bf16 on an RTX 4090 (53 tokens/s for an 8B) is kept
 * beside llama.cpp q4_k_m (140), and llama.cpp with a third of a 70B's
 * layers in host memory is not.  A training run twice as slow is not
 * taken for a more thorough method alone.
 */
#define SERVE_SLOWER	3.0
#define TRAIN_SLOWER	2.0
/* Weights below this many bits per parameter only when nothing at or
 * above it fits. */
#define SERVE_MIN_BITS	4.0
/*
 * Decode fast enough that a reply streams faster than it is read, with
 * room to skim: twice the average adult's silent reading rate, 238
 * words/min (Brysbaert 2019, J. Memory and Language 109, a meta-analysis
 * of 190 studies), at 0.75 English words per token (OpenAI's tokenizer
 * rule of thumb): 2 x 238 / 0.75 / 60 = 10.6, rounded to 10.  A policy
 * threshold, like the 10 % margin: below it, speed before precision.
 */
#define SERVE_FAST_TPS	10.0

enum pf { PF_FITS, PF_CTX, PF_ONDEV, PF_BITS, PF_FAST, PF_SLOWER, PF__N };

struct policy {
	enum pf		 f[PF__N];
	size_t		 nf;
	bool		(*order)(const struct mp_model *,
			    const struct mp_option *, const struct mp_option *);
};

/* The filters in force (the policy's, less those no option passes),
 * the fastest rate among the options the earlier ones keep, and whether
 * speed orders before precision (PF_FAST skipped: nothing is fast
 * enough). */
struct bar {
	enum pf		 f[PF__N];
	size_t		 n;
	double		 fastest;
	bool		 speed_first;
};

/* ---- facts of an option ---- */

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

/* Tokens per second the policy compares: decode (serve), training
 * throughput (finetune); 0 = unknown. */
static double
rate(const struct mp_option *o)
{
	if (!o->has_speed)
		return 0;
	return o->goal == MP_GOAL_FINETUNE ? o->train_tps :
	    o->speed.decode_tps;
}

/* How thorough a fine-tuning method is: every weight, adapters on a
 * 16-bit base, adapters on a 4-bit base. */
static int
method_rank(const struct mp_option *o)
{
	switch (o->est.sc.mode) {
	case MP_MODE_FULL:
		return 0;
	case MP_MODE_LORA:
		return 1;
	default:
		return 2;
	}
}

/* The output a conversion produces (convert.c's pipeline table). */
static const char *
output_of(const struct mp_option *o)
{
	const struct mp_pipeline_info *pi;

	if (o->goal != MP_GOAL_CONVERT)
		return "";
	pi = mp_convert_pipeline_info(o->est.sc.pipeline);
	return pi != NULL ? pi->output : "";
}

/*
 * Precision a weight format gives up: its type's bits per element
 * ("q4_k_m" is a q4_k mix), against 16; 0 for a type without blocks.
 */
uint32_t
mp_policy_type_loss(const struct mp_scenario *sc)
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

/*
 * Bits per weight of the option's weight type as its format names it
 * (q3_k_m: Q3_K's 3.44), which the 4-bit floor is about; a file's
 * average is higher (6-bit output and embedding tensors).  The file's
 * average where the type has no blocks.
 */
static double
type_bits(const struct mp_option *o)
{
	uint32_t	 l = mp_policy_type_loss(&o->est.sc);
	double		 t = 16.0 - (double)l / 100.0;

	/* Never above the file's: an MXFP4 checkpoint requantized to
	 * q8_0 keeps its 4-bit experts. */
	return l > 0 && t < opt_bits(o) ? t : opt_bits(o);
}

/* Served in the checkpoint's own format: nothing requantized. */
static bool
as_shipped(const struct mp_model *m, const struct mp_option *o)
{
	enum mp_dtype	 own = mp_shipped_dtype(m);
	enum mp_dtype	 w = o->est.sc.weights;

	if (own == MP_DT_NONE)
		own = m->torch_dtype;
	if (o->est.sc.ftype[0] != '\0')
		return false;	/* a GGUF file type: llama-quantize's */
	return w == MP_DT_NONE || w == own;
}

/* ---- orders ---- */

/* Room first (a tight option only when nothing fits with room), then
 * the quality lost: the tie-break of every goal. */
static bool
base_better(const struct mp_option *a, const struct mp_option *b)
{
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
	return a->j.judged < b->j.judged;
}

/*
 * Precision as people choose it: the whole bits of the weight type (16:
 * bf16; 8: q8_0, FP8, bitsandbytes int8; 6: q6_k; 5: q5_k_m; 4: q4_k_m,
 * AWQ, GPTQ, NF4, MXFP4).  Within a class, a faster runtime is taken
 * over a fraction of a bit (q8_0's 8.5 over int8's 8).
 */
static int
prec_class(const struct mp_option *o)
{
	return (int)(type_bits(o) + 1e-6);
}

/* serve: precision class, context, as shipped, decode speed. */
static bool
serve_order(const struct mp_model *m, const struct mp_option *a,
    const struct mp_option *b)
{
	if (prec_class(a) != prec_class(b))
		return prec_class(a) > prec_class(b);
	if (a->ctx_loss != b->ctx_loss)
		return a->ctx_loss < b->ctx_loss;
	/* A requantization loses more than its bits say. */
	if (as_shipped(m, a) != as_shipped(m, b))
		return as_shipped(m, a);
	if (rate(a) != rate(b))
		return rate(a) > rate(b);
	return base_better(a, b);
}

/* finetune: method, context, throughput, optimizer precision. */
static bool
train_order(const struct mp_model *m, const struct mp_option *a,
    const struct mp_option *b)
{
	(void)m;
	if (method_rank(a) != method_rank(b))
		return method_rank(a) < method_rank(b);
	if (a->ctx_loss != b->ctx_loss)
		return a->ctx_loss < b->ctx_loss;
	if (rate(a) != rate(b))
		return rate(a) > rate(b);
	return base_better(a, b);
}

/* A pipeline that holds smaller pieces at a time and pays in time. */
static bool
low_memory(const struct mp_option *o)
{
	const struct mp_pipeline_info *pi;

	pi = mp_convert_pipeline_info(o->est.sc.pipeline);
	return pi != NULL && pi->low_memory;
}

/* convert: precision of the output, then one pass over the checkpoint
 * (a low-memory pipeline trades time for memory: taken only when no
 * one-pass one fits with the margin), then peak memory. */
static bool
convert_order(const struct mp_model *m, const struct mp_option *a,
    const struct mp_option *b)
{
	(void)m;
	if ((a->verdict == MP_VERDICT_FITS) != (b->verdict == MP_VERDICT_FITS))
		return a->verdict == MP_VERDICT_FITS;
	if (a->prec_loss != b->prec_loss)
		return a->prec_loss < b->prec_loss;
	if (low_memory(a) != low_memory(b))
		return !low_memory(a);
	if (a->j.judged != b->j.judged)
		return a->j.judged < b->j.judged;
	return base_better(a, b);
}

static const struct policy policies[MP_GOALS] = {
	[MP_GOAL_SERVE] = { { PF_FITS, PF_CTX, PF_ONDEV, PF_BITS, PF_FAST,
	    PF_SLOWER }, 6, serve_order },
	[MP_GOAL_FINETUNE] = { { PF_FITS, PF_CTX, PF_SLOWER }, 3,
	    train_order },
	[MP_GOAL_CONVERT] = { { PF_FITS }, 1, convert_order },
};

/* ---- the engine ---- */

/* The slowdown against the fastest that goal g's policy accepts. */
static double
slower(enum mp_goal g)
{
	return g == MP_GOAL_SERVE ? SERVE_SLOWER : TRAIN_SLOWER;
}

/*
 * Why filter f leaves o out, or NULL: a template whose numbers are the
 * values policy_values() gives every reason ({margin}, {min_bits},
 * {fast}, {slower}).
 */
static const char *
fails(const struct mp_model *m, enum pf f, const struct bar *bar,
    const struct mp_option *o)
{
	const struct mp_scenario *sc = &o->est.sc;

	switch (f) {
	case PF_FITS:
		if (o->verdict == MP_VERDICT_FITS)
			return NULL;
		return sc->headroom_set && sc->headroom_pct == 0 ?
		    "tight: less than {margin} headroom" :
		    "tight: less than {margin}% headroom";
	case PF_CTX:
		return o->ctx_loss ? "a shorter context than asked" : NULL;
	case PF_ONDEV:
		return off_device(m, o) ? "layers in host memory: slower" :
		    NULL;
	case PF_BITS:
		return type_bits(o) < SERVE_MIN_BITS ?
		    "below {min_bits} bits" : NULL;
	case PF_FAST:
		return rate(o) < SERVE_FAST_TPS ? "under {fast} tokens/s" :
		    NULL;
	case PF_SLOWER:
		return bar->fastest > 0 && rate(o) > 0 &&
		    rate(o) * slower(o->goal) < bar->fastest ?
		    "more than {slower}x slower than the fastest" : NULL;
	default:
		return NULL;
	}
}

/*
 * The policy's thresholds that a reason of goal g names, as its values:
 * the margin of o's scenario (a percentage of the capacity, or
 * --headroom's size), the serve bar's bits and rate, the slowdown the
 * goal accepts.
 */
static void
threshold(struct mp_reason *r, const char *key, double v)
{
	if (mp_reason_names(r, key))
		mp_reason_number(r, key, v, mp_fixed_places(v, 0, 2));
}

static void
policy_values(struct mp_reason *r, enum mp_goal g, const struct mp_option *o)
{
	const struct mp_scenario *sc = &o->est.sc;

	if (mp_reason_names(r, "margin") && sc->headroom_set &&
	    sc->headroom_pct == 0)
		mp_reason_size(r, "margin", sc->headroom);
	else if (mp_reason_names(r, "margin"))
		mp_reason_percent(r, "margin", sc->headroom_set ?
		    sc->headroom_pct : MP_TIGHT_PERCENT, 0);
	threshold(r, "min_bits", SERVE_MIN_BITS);
	threshold(r, "fast", SERVE_FAST_TPS);
	threshold(r, "slower", slower(g));
}

/* An option the policy of goal g weighs in group grp at all. */
static bool
in_play(const struct mp_option *o, enum mp_goal g, const char *grp)
{
	return o->goal == g && o->verdict != MP_VERDICT_NO &&
	    o->verdict != MP_VERDICT_UNSUPPORTED &&
	    strcmp(output_of(o), grp) == 0;
}

/* How many filters of the bar o passes, from the first. */
static size_t
level(const struct mp_model *m, const struct bar *bar,
    const struct mp_option *o, const char **why)
{
	size_t k;

	*why = NULL;
	for (k = 0; k < bar->n; k++)
		if ((*why = fails(m, bar->f[k], bar, o)) != NULL)
			return k;
	return k;
}

/* Tightens the bar one filter at a time, each that some option passes. */
static void
set_bar(const struct mp_planres *p, const struct policy *po, enum mp_goal g,
    const char *grp, struct bar *bar)
{
	const char	*w;
	size_t		 i, k;

	memset(bar, 0, sizeof(*bar));
	for (k = 0; k < po->nf; k++) {
		struct bar try = *bar;
		bool any = false;

		try.f[try.n++] = po->f[k];
		if (po->f[k] == PF_SLOWER)
			for (i = 0; i < p->n_opt; i++)
				if (in_play(&p->opt[i], g, grp) &&
				    level(p->model, bar, &p->opt[i], &w) ==
				    bar->n && rate(&p->opt[i]) > try.fastest)
					try.fastest = rate(&p->opt[i]);
		for (i = 0; i < p->n_opt && !any; i++)
			any = in_play(&p->opt[i], g, grp) && level(p->model,
			    &try, &p->opt[i], &w) == try.n;
		if (any)
			*bar = try;
		else if (po->f[k] == PF_FAST)
			bar->speed_first = true;
	}
}

/* Is a ranked above b: further through the filters, then the order. */
static bool
ranks_above(const struct mp_model *m, const struct policy *po,
    const struct bar *bar, const struct mp_option *a,
    const struct mp_option *b)
{
	const char	*w;
	size_t		 la = level(m, bar, a, &w);
	size_t		 lb = level(m, bar, b, &w);

	if (la != lb)
		return la > lb;
	/* Among the options kept when nothing is fast enough, or two that
	 * both fall short of it: the faster.  Options left out by another
	 * filter keep the policy's order (q3_k_m before q2_k). */
	if (((bar->speed_first && la == bar->n) ||
	    (la < bar->n && bar->f[la] == PF_FAST)) && rate(a) != rate(b))
		return rate(a) > rate(b);
	return po->order(m, a, b);
}

/* The options of goal g in group grp, best first; returns how many. */
static size_t
rank_group(const struct mp_planres *p, enum mp_goal g, const char *grp,
    struct bar *bar, size_t *idx)
{
	const struct policy	*po = &policies[g];
	size_t			 i, j, k = 0;

	set_bar(p, po, g, grp, bar);
	for (i = 0; i < p->n_opt; i++) {
		if (!in_play(&p->opt[i], g, grp))
			continue;
		/* insertion sort: a handful of options */
		for (j = k; j > 0 && ranks_above(p->model, po, bar,
		    &p->opt[i], &p->opt[idx[j - 1]]); j--)
			idx[j] = idx[j - 1];
		idx[j] = i;
		k++;
	}
	return k;
}

/* The groups of goal g: output formats for convert, one otherwise. */
static size_t
groups(const struct mp_planres *p, enum mp_goal g, const char **grp,
    size_t max)
{
	size_t i, k, n = 0;

	if (g != MP_GOAL_CONVERT) {
		grp[0] = "";
		return 1;
	}
	for (i = 0; i < p->n_opt; i++) {
		const char *o;

		if (p->opt[i].goal != g ||
		    p->opt[i].verdict == MP_VERDICT_UNSUPPORTED)
			continue;
		o = output_of(&p->opt[i]);
		for (k = 0; k < n && strcmp(grp[k], o) != 0; k++)
			continue;
		if (k == n && n < max)
			grp[n++] = o;
	}
	return n;
}

size_t
mp_policy_rank(const struct mp_planres *p, enum mp_goal g, size_t *idx)
{
	const char	*grp[MP_MAX_RECS];
	struct bar	 bar;
	size_t		 n = 0, k, ng = groups(p, g, grp, MP_MAX_RECS);

	for (k = 0; k < ng; k++)
		n += rank_group(p, g, grp[k], &bar, idx + n);
	return n;
}

/* ---- why ---- */

/* Each goal's filters in words; the numbers are policy_values(). */
static const char *const rule_text[MP_GOALS] = {
	"fits with margin, on the devices, {min_bits} bits or more, {fast} "
	"tokens/s or more, within {slower}x of the fastest",
	"fits with margin, at the asked context, within {slower}x of the "
	"fastest",
	"fits with margin",
};

/* The runner-up in words; its numbers are values of the reason it goes
 * into (runner_values): {runner_bits}, {runner_rate}, {runner_peak}. */
static void
runner_text(const struct mp_option *run, const char *rwhy, char *buf,
    size_t len)
{
	char r[48] = "", w[96] = "";

	if (rate(run) > 0)
		put(r, sizeof(r), ", {runner_rate} tokens/s");
	if (rwhy != NULL)
		put(w, sizeof(w), "; %s", rwhy);
	if (run->goal == MP_GOAL_SERVE)
		put(buf, len, "; runner-up: %s ({runner_bits} bits%s%s)",
		    run->label, r, w);
	else if (run->goal == MP_GOAL_CONVERT)
		put(buf, len, "; runner-up: %s ({runner_peak} peak%s)",
		    run->label, w);
	else
		put(buf, len, "; runner-up: %s (%s%s)", run->label,
		    r[0] != '\0' ? r + 2 : "throughput unknown", w);
}

static void
runner_values(struct mp_reason *why, const struct mp_option *run)
{
	if (run->goal == MP_GOAL_CONVERT)
		mp_reason_size(why, "runner_peak", run->j.judged);
	if (run->goal == MP_GOAL_SERVE)
		mp_reason_number(why, "runner_bits", opt_bits(run), 1);
	if (rate(run) > 0)
		mp_reason_number(why, "runner_rate", rate(run), rate(run) < 10 ?
		    1 : 0);
}

/* The serve recommendation and why (its text predates the engine). */
static void
serve_why(struct mp_rec *r, const struct mp_planres *p,
    const struct mp_option *best, const char *ru, const struct bar *bar)
{
	double fastest = bar->fastest;
	char sp[96] = "", ctx[48] = "";

	/* Rates, bits and the context are the reason's values; a rate
	 * under 10 tokens/s keeps one decimal. */
	if (best->has_speed)
		put(sp, sizeof(sp), "; {decode} tokens/s decode%s",
		    best->speed.has_prefill ? "" : " (prompt speed unknown)");
	if (best->max_seq > 0)
		put(ctx, sizeof(ctx), ", context up to {max_seq} tokens");
	mp_reason_set(&r->why, "%s: {judged} of {capacity}%s%s; {bits} bits "
	    "per weight, the %s option kept by the serve policy (%s: "
	    "{fastest} tokens/s, as far as any option passes%s)%s%s (%s)",
	    mp_verdict_name(best->verdict), sp, ctx, bar->speed_first ?
	    "fastest" : "most precise", rule_text[MP_GOAL_SERVE],
	    bar->speed_first ?
	    "; none reaches {fast} tokens/s: speed before precision" : "",
	    off_device(p->model,
	    best) ? "; layers in host memory: nothing fits on the devices "
	    "alone" : "", ru, best->why);
	if (best->has_speed)
		mp_reason_number(&r->why, "decode", best->speed.decode_tps,
		    best->speed.decode_tps < 10 ? 1 : 0);
	if (best->max_seq > 0)
		mp_reason_count(&r->why, "max_seq", best->max_seq);
	mp_reason_number(&r->why, "bits", opt_bits(best), 1);
	mp_reason_number(&r->why, "fastest", fastest, fastest < 10 ? 1 : 0);
}

static void
finetune_why(struct mp_rec *r, const struct mp_option *best,
    const char *ru, double fastest)
{
	static const char *const method[] = {
		"full fine-tuning (every weight trained)",
		"LoRA on a 16-bit base", "QLoRA on a 4-bit base",
	};
	char sp[96] = "", fa[48] = "";

	/* The rates are the reason's values. */
	if (rate(best) > 0)
		put(sp, sizeof(sp), "; about {rate} tokens/s training "
		    "(derived from FLOPs)");
	if (fastest > 0)
		put(fa, sizeof(fa), ": {fastest} tokens/s");
	mp_reason_set(&r->why, "%s: {judged} of {capacity}%s; %s, the most "
	    "thorough method kept by the finetune policy (%s%s, as far as "
	    "any option passes; then full > LoRA > QLoRA, then "
	    "throughput)%s (%s)", mp_verdict_name(best->verdict), sp,
	    method[method_rank(best)], rule_text[MP_GOAL_FINETUNE], fa, ru,
	    best->why);
	if (rate(best) > 0)
		mp_reason_number(&r->why, "rate", rate(best), rate(best) < 10 ?
		    1 : 0);
	if (fastest > 0)
		mp_reason_number(&r->why, "fastest", fastest, 0);
}

static void
convert_why(struct mp_rec *r, const struct mp_planres *p,
    const struct mp_option *best, const char *ru)
{
	bool	 one_pass = false;
	size_t	 i;

	for (i = 0; i < p->n_opt; i++)
		one_pass = one_pass || (p->opt[i].goal == MP_GOAL_CONVERT &&
		    strcmp(output_of(&p->opt[i]), output_of(best)) == 0 &&
		    !low_memory(&p->opt[i]));
	mp_reason_set(&r->why, "writes %s; %s: {judged} of {capacity}; %s, "
	    "then %s, as far as any fits with margin%s (%s)", output_of(best),
	    mp_verdict_name(best->verdict), best->prec_loss == 0 ?
	    "no precision lost" : "the least precision lost that fits",
	    !low_memory(best) ? "one pass over the checkpoint, the lowest "
	    "peak memory of those" : one_pass ? "a low-memory pipeline: no "
	    "one-pass one fits" : "the lowest peak memory (every pipeline "
	    "that writes it trades time for memory)",
	    ru, best->why);
}

/* ---- a machine that fits ---- */

struct machine {
	const struct mp_planres	*p;
	const struct mp_option	*o;
	char			 name[96];
	uint64_t		 cap, judged;
	bool			 same_os;
	size_t			 n_dev;
	struct mp_estimate	 est;
	struct mp_hardware	 hw;
};

static bool
machine_cb(const char *name, const char *path, void *arg)
{
	struct machine		*mc = arg;
	struct mp_judgement	 j;
	struct mp_error		 e;
	bool			 same;

	(void)path;
	mp_error_clear(&e);
	if (!mp_hardware_load(name, &mc->hw, &e))
		return true;
	same = strcmp(mc->hw.os, mc->p->hw->os) == 0;
	/* The smallest that fits, of the same operating system first,
	 * with the fewest devices (a conversion runs in host memory). */
	if (evaluate(mc->p->model, &mc->hw, &mc->o->est.sc, &mc->est, &j,
	    &e) == 1 && (mc->name[0] == '\0' || (same && !mc->same_os) ||
	    (same == mc->same_os && (j.capacity < mc->cap ||
	    (j.capacity == mc->cap && mc->hw.n_dev < mc->n_dev))))) {
		put(mc->name, sizeof(mc->name), "%s", name);
		mc->cap = j.capacity;
		mc->judged = j.judged;
		mc->same_os = same;
		mc->n_dev = mc->hw.n_dev;
	}
	return true;
}

/*
 * Nothing that writes output grp fits: the option that needs the least
 * swap (then loses the least precision), and the smallest bundled
 * machine it fits on (mc->name "" when none).  NULL when no option of
 * grp needs swap.
 */
static const struct mp_option *
nofit_pick(const struct mp_planres *p, const char *grp, struct machine *mc)
{
	const struct mp_option	*o, *least = NULL;
	struct mp_error		 e;
	size_t			 i;

	for (i = 0; i < p->n_opt; i++) {
		o = &p->opt[i];
		if (o->goal != MP_GOAL_CONVERT || strcmp(output_of(o), grp) ||
		    o->verdict == MP_VERDICT_UNSUPPORTED ||
		    o->j.swap_needed == 0)
			continue;
		if (least == NULL || o->j.swap_needed < least->j.swap_needed ||
		    (o->j.swap_needed == least->j.swap_needed &&
		    o->prec_loss < least->prec_loss))
			least = o;
	}
	if (least == NULL)
		return NULL;
	mc->p = p;
	mc->o = least;
	mp_error_clear(&e);
	if (!mp_catalog_list("hardware", ".yaml", machine_cb, mc, &e))
		mc->name[0] = '\0';
	return least;
}

/*
 * Says where plan says why a goal has no recommendation what
 * nofit_pick found.
 */
static void
convert_nofit(struct mp_planres *p, const char *grp)
{
	const struct mp_option	*least;
	struct machine		*mc;
	char			 mach[160] = "";

	if ((mc = calloc(1, sizeof(*mc))) == NULL)
		return;
	if ((least = nofit_pick(p, grp, mc)) == NULL) {
		free(mc);
		return;
	}
	if (mc->name[0] != '\0')
		put(mach, sizeof(mach), "; or more RAM: the smallest bundled "
		    "machine it fits on is %s ({machine} usable)", mc->name);
	mp_reason_set(&p->none[MP_GOAL_CONVERT], "nothing that writes %s fits "
	    "in RAM: %s needs {needs} of {capacity}: {swap} of swap%s", grp,
	    least->label, mach);
	mp_reason_size(&p->none[MP_GOAL_CONVERT], "needs", least->j.judged);
	mp_reason_size(&p->none[MP_GOAL_CONVERT], "capacity",
	    least->j.capacity);
	mp_reason_size(&p->none[MP_GOAL_CONVERT], "swap",
	    least->j.swap_needed);
	if (mach[0] != '\0')
		mp_reason_size(&p->none[MP_GOAL_CONVERT], "machine", mc->cap);
	free(mc);
}

bool
mp_policy_convert_fallback(const struct mp_planres *p, size_t *least,
    char *machine, size_t len, uint64_t *judged)
{
	const char		*grp[MP_MAX_RECS];
	const struct mp_option	*o;
	struct machine		*mc;

	if (groups(p, MP_GOAL_CONVERT, grp, MP_MAX_RECS) != 1 ||
	    (mc = calloc(1, sizeof(*mc))) == NULL)
		return false;
	if ((o = nofit_pick(p, grp[0], mc)) == NULL) {
		free(mc);
		return false;
	}
	*least = (size_t)(o - p->opt);
	put(machine, len, "%s", mc->name);
	*judged = mc->judged;
	free(mc);
	return true;
}

/* ---- recommend ---- */

/* Nothing of goal g fits: the smallest option (mp_policy_smaller adds
 * a smaller model). */
static void
none_text(struct mp_planres *p, enum mp_goal g)
{
	const struct mp_option	*least = NULL, *o;
	size_t			 i;
	bool			 any = false;

	if (p->none[g].text[0] != '\0')
		return;		/* already said why (no accelerator) */
	for (i = 0; i < p->n_opt; i++) {
		o = &p->opt[i];
		if (o->goal != g || o->verdict == MP_VERDICT_UNSUPPORTED)
			continue;
		any = true;
		if (least == NULL || o->j.judged < least->j.judged)
			least = o;
	}
	if (!any && p->tried[g] == 0)
		return;		/* not asked for (--mode, --runtime) */
	if (!any) {
		mp_reason_set(&p->none[g], "no %s mode could be estimated "
		    "here", mp_goal_name(g));
		return;
	}
	mp_reason_set(&p->none[g], "nothing fits: the smallest, %s, needs "
	    "{needs} of {capacity}", least->label);
	mp_reason_size(&p->none[g], "needs", least->j.judged);
	mp_reason_size(&p->none[g], "capacity", least->j.capacity);
}

bool
mp_policy_compromise(const struct mp_planres *p, const struct mp_option *o)
{
	const struct mp_device	*g[1];

	if (o->goal != MP_GOAL_SERVE)
		return false;
	if (type_bits(o) < SERVE_MIN_BITS)
		return true;
	/* On a machine without a GPU every option runs on the CPU. */
	return p->hw != NULL && mp_hardware_gpus(p->hw, g, 1) > 0 &&
	    off_device(p->model, o);
}

/* A smaller model's size in billions of parameters, "{key}B" in a
 * reason, one decimal ("8.0B"). */
static void
billions(struct mp_reason *r, const char *key, uint64_t params)
{
	mp_reason_number(r, key, (double)params / 1e9, 1);
}

void
mp_policy_smaller(struct mp_planres *p)
{
	const struct mp_option	*o, *alt;
	const struct mp_device	*dv[1];
	char			 t[48];
	size_t			 i;
	unsigned		 g;

	for (g = 0; g < MP_GOAL_CONVERT; g++) {
		struct mp_smaller	*sm = &p->smaller[g];
		struct mp_reason	*r = sm->name[0] != '\0' && sm->beside ?
		    &sm->why : &p->none[g];

		/* The rate is the reason's value {smaller_rate}. */
		t[0] = '\0';
		if (sm->name[0] != '\0' && sm->tps > 0)
			put(t, sizeof(t), ", {smaller_rate} tokens/s%s",
			    g == MP_GOAL_FINETUNE ? " training" : "");
		if (sm->name[0] != '\0' && sm->beside) {
			/* Beside a compromise: what runs without it. */
			mp_reason_set(r, "%s ({smaller_bn}B) with %s: fits: "
			    "{judged} of {capacity}%s; of the same family, "
			    "it runs %sat {min_bits} bits or more, as no option "
			    "of %s does here (what plan %s recommends)",
			    sm->name, sm->label, t, p->hw != NULL &&
			    mp_hardware_gpus(p->hw, dv, 1) > 0 ?
			    "on the devices " : "", p->model->name, sm->name);
			mp_reason_size(r, "judged", sm->judged);
			mp_reason_size(r, "capacity", sm->capacity);
			threshold(r, "min_bits", SERVE_MIN_BITS);
		} else if (p->none[g].text[0] == '\0' ||
		    strncmp(p->none[g].text, "nothing fits", 12) != 0)
			continue;
		else if (sm->name[0] != '\0') {
			mp_reason_add(r, "; a smaller model fits: "
			    "%s ({smaller_bn}B) with %s, {smaller}%s (what plan "
			    "%s recommends)", sm->name, sm->label, t, sm->name);
			mp_reason_size(r, "smaller", sm->judged);
		}
		if (sm->name[0] != '\0') {
			billions(r, "smaller_bn", sm->params);
			if (sm->tps > 0)
				mp_reason_number(r, "smaller_rate", sm->tps,
				    sm->tps < 100 ? 1 : 0);
			continue;
		}
		/* No plan of it (a smaller model's own plan): the closest
		 * smaller model a mode fits, in its least lossy mode. */
		for (alt = NULL, i = 0; i < p->n_opt; i++) {
			o = &p->opt[i];
			if (o->goal != g || o->alt[0] == '\0' ||
			    o->verdict == MP_VERDICT_UNSUPPORTED)
				continue;
			if (alt == NULL || o->alt_rank < alt->alt_rank ||
			    (o->alt_rank == alt->alt_rank &&
			    base_better(o, alt)))
				alt = o;
		}
		if (alt == NULL)
			continue;
		mp_reason_add(r, "; a smaller model fits: %s ({smaller_bn}B) "
		    "with %s, {smaller}", alt->alt, alt->label);
		mp_reason_size(r, "smaller", alt->alt_judged);
		billions(r, "smaller_bn", alt->alt_params);
	}
}

void
mp_policy_recommend(struct mp_planres *p)
{
	const char	*grp[MP_MAX_RECS], *rwhy;
	struct bar	 bar;
	size_t		*idx, n, k, ng;
	unsigned	 g;

	if ((idx = calloc(p->n_opt ? p->n_opt : 1, sizeof(*idx))) == NULL)
		return;
	for (g = 0; g < MP_GOALS; g++) {
		size_t made = 0;

		ng = groups(p, g, grp, MP_MAX_RECS);
		for (k = 0; k < ng && p->n_rec < MP_MAX_RECS; k++) {
			const struct mp_option *best, *run;
			struct mp_rec *r;
			char ru[256] = "";

			/* Nothing of this output fits: said only when it
			 * is the one asked for (or the only one). */
			if ((n = rank_group(p, g, grp[k], &bar, idx)) == 0) {
				if (g == MP_GOAL_CONVERT && ng == 1)
					convert_nofit(p, grp[k]);
				continue;
			}
			best = &p->opt[idx[0]];
			run = n > 1 ? &p->opt[idx[1]] : NULL;
			rwhy = NULL;
			if (run != NULL)
				(void)level(p->model, &bar, run, &rwhy);
			r = &p->rec[p->n_rec++];
			memset(r, 0, sizeof(*r));
			r->goal = g;
			r->opt = idx[0];
			if (run != NULL) {
				r->has_runner = true;
				r->runner = idx[1];
				runner_text(run, rwhy, ru, sizeof(ru));
			}
			if (g == MP_GOAL_SERVE) {
				p->serve_fastest = bar.fastest;
				serve_why(r, p, best, ru, &bar);
			} else if (g == MP_GOAL_FINETUNE)
				finetune_why(r, best, ru, bar.fastest);
			else
				convert_why(r, p, best, ru);
			mp_reason_size(&r->why, "judged", best->j.judged);
			mp_reason_size(&r->why, "capacity", best->j.capacity);
			if (run != NULL)
				runner_values(&r->why, run);
			policy_values(&r->why, g, best);
			made++;
		}
		if (made == 0)
			none_text(p, g);
	}
	free(idx);
}

/* The goal's name in every report (plan rows, recommendations). */
static const char *const goal_names[MP_GOALS] = {
	"serve", "finetune", "convert"
};

const char *
mp_goal_name(enum mp_goal g)
{
	return (unsigned)g < MP_GOALS ? goal_names[g] : "?";
}
