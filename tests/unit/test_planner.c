/* test_planner.c: plan, fit, check and sweep */
/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define GiB	(1ULL << 30)

struct fx {
	struct mp_model		 m;
	struct mp_hardware	 hw;
};

static int
setup(void **state)
{
	struct fx	*f = calloc(1, sizeof(*f));
	struct mp_error	 e;

	if (f == NULL)
		return -1;
	mp_error_clear(&e);
	mp_model_init(&f->m);
	if (!mp_model_load("qwen2.5-7b-instruct", &f->m, &e) ||
	    !mp_hardware_load("rtx-4090", &f->hw, &e)) {
		print_error("%s: %s\n", e.field, e.msg);
		return -1;
	}
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	mp_model_fini(&f->m);
	free(f);
	return 0;
}

/* Does sc fit on hw, by a direct estimate? */
static bool
fits(const struct fx *f, const struct mp_scenario *sc, uint64_t *judged)
{
	struct mp_estimate	*est = calloc(1, sizeof(*est));
	struct mp_judgement	 j;
	struct mp_error		 e;

	assert_non_null(est);
	mp_error_clear(&e);
	/* The placement step every command uses; fit keeps its margin. */
	assert_true(mp_place(&f->m, &f->hw, sc, est, &j, &e));
	free(est);
	if (judged != NULL)
		*judged = j.judged;
	return j.verdict == MP_VERDICT_FITS;
}

static void
test_planner_fit_seq_is_exact(void **state)
{
	struct fx		*f = *state;
	struct mp_fitres	*r = calloc(1, sizeof(*r));
	struct mp_scenario	 sc;
	struct mp_error		 e;
	uint64_t		 next_total;

	assert_non_null(r);
	mp_scenario_init(&sc);
	sc.batch = 8;
	mp_error_clear(&e);
	assert_true(mp_planner_fit(&f->m, &f->hw, &sc, MP_SOLVE_SEQ, r, &e));
	assert_true(r->found);
	assert_true(r->has_next);
	assert_int_equal(r->next, r->value + 1);
	/* value fits and value + 1 does not: not a rule of thumb. */
	sc.seq = r->value;
	assert_true(fits(f, &sc, NULL));
	sc.seq = r->next;
	assert_false(fits(f, &sc, &next_total));
	assert_int_equal(next_total, r->next_total);
	/* The margin fit keeps: 10 % of the card by default. */
	assert_int_equal(r->j.margin, r->j.capacity / 10);
	assert_true((uint64_t)r->j.headroom >= r->j.margin);
	/* A bisection, not a scan. */
	assert_true(r->evaluations < 64);
	free(r);
}

static void
test_planner_fit_batch_and_weights(void **state)
{
	struct fx		*f = *state;
	struct mp_fitres	*r = calloc(1, sizeof(*r));
	struct mp_scenario	 sc;
	struct mp_error		 e;

	assert_non_null(r);
	mp_scenario_init(&sc);
	sc.seq = 4096;
	mp_error_clear(&e);
	assert_true(mp_planner_fit(&f->m, &f->hw, &sc, MP_SOLVE_BATCH, r,
	    &e));
	assert_true(r->found);
	sc.batch = r->value;
	assert_true(fits(f, &sc, NULL));
	sc.batch = r->next;
	assert_false(fits(f, &sc, NULL));
	/* 128k tokens of bf16 do not fit a 4090: a smaller format does. */
	mp_scenario_init(&sc);
	sc.seq = 131072;
	sc.batch = 1;
	assert_true(mp_planner_fit(&f->m, &f->hw, &sc, MP_SOLVE_WEIGHTS, r,
	    &e));
	if (r->found) {
		assert_true(r->has_next);
		assert_string_not_equal(r->value_name, "bf16");
	}
	free(r);
}

static void
test_planner_fit_nothing_fits(void **state)
{
	struct fx		*f = *state;
	struct mp_fitres	*r = calloc(1, sizeof(*r));
	struct mp_scenario	 sc;
	struct mp_error		 e;
	struct mp_hardware	 small;

	assert_non_null(r);
	mp_error_clear(&e);
	assert_true(mp_hardware_load("rtx-4060-8gb", &small, &e));
	mp_scenario_init(&sc);
	assert_true(mp_planner_fit(&f->m, &small, &sc, MP_SOLVE_SEQ, r, &e));
	/* bf16 7B weights alone exceed 8 GB: no context length helps. */
	assert_false(r->found);
	assert_int_equal(r->next, 1);
	/* The margin fit keeps: 10 % of the card by default. */
	assert_int_equal(r->j.margin, r->j.capacity / 10);
	assert_true((uint64_t)r->j.headroom >= r->j.margin);
	free(r);
}

/* What a conversion option writes (convert.c's pipeline table). */
static const char *
output(const struct mp_option *o)
{
	return mp_convert_pipeline_info(o->est.sc.pipeline)->output;
}

static int
method(const struct mp_option *o)
{
	return o->est.sc.mode == MP_MODE_FULL ? 0 :
	    o->est.sc.mode == MP_MODE_LORA ? 1 : 2;
}

/* The plan's recommendation for goal g, or NULL. */
static const struct mp_option *
rec_of(const struct mp_planres *p, enum mp_goal g)
{
	size_t i;

	for (i = 0; i < p->n_rec; i++)
		if (p->rec[i].goal == g)
			return &p->opt[p->rec[i].opt];
	return NULL;
}

/*
 * finetune: fits with margin, then the most thorough method (full >
 * LoRA on a 16-bit base > QLoRA), then throughput; an option more than
 * 2x slower than the fastest one that fits is not taken for its method.
 * Llama 3.1 8B on one H100: LoRA and QLoRA both fit with margin, so bf16
 * LoRA is recommended, never QLoRA; every option has a training rate.
 */
static void
test_planner_finetune_policy(void **state)
{
	struct mp_model		 m;
	struct mp_hardware	 hw;
	struct mp_planres	 p;
	struct mp_scenario	 sc;
	struct mp_error		 e;
	const struct mp_option	*best;
	double			 fastest = 0;
	size_t			 i;
	bool			 lora = false, qlora = false;

	(void)state;
	mp_error_clear(&e);
	mp_model_init(&m);
	assert_true(mp_model_load("llama-3.1-8b-instruct", &m, &e));
	assert_true(mp_hardware_load("h100-80gb", &hw, &e));
	mp_scenario_init(&sc);
	assert_true(mp_planner_plan(&m, &hw, &sc, 0, &p, &e));
	for (i = 0; i < p.n_opt; i++) {
		const struct mp_option *o = &p.opt[i];

		if (o->goal != MP_GOAL_FINETUNE)
			continue;
		assert_true(o->has_speed && o->train_tps > 0);
		if (o->verdict != MP_VERDICT_FITS || o->ctx_loss)
			continue;
		lora = lora || o->est.sc.mode == MP_MODE_LORA;
		qlora = qlora || o->est.sc.mode == MP_MODE_QLORA;
		if (o->train_tps > fastest)
			fastest = o->train_tps;
	}
	assert_true(lora && qlora);
	best = rec_of(&p, MP_GOAL_FINETUNE);
	assert_non_null(best);
	assert_int_not_equal(best->est.sc.mode, MP_MODE_QLORA);
	assert_int_equal(best->verdict, MP_VERDICT_FITS);
	/* Nothing kept by the filters is more thorough, or as thorough
	 * and faster. */
	for (i = 0; i < p.n_opt; i++) {
		const struct mp_option *o = &p.opt[i];

		if (o->goal != MP_GOAL_FINETUNE || o->verdict !=
		    MP_VERDICT_FITS || o->ctx_loss || o->train_tps * 2 <
		    fastest)
			continue;
		assert_true(method(o) >= method(best));
		if (method(o) == method(best))
			assert_true(o->train_tps <= best->train_tps);
	}
	/* Full fine-tuning reads 6 FLOPs per weight and token, LoRA on a
	 * frozen base 4: the same recompute, 1.5x the time or less. */
	for (i = 0; i < p.n_opt; i++)
		if (strcmp(p.opt[i].label, "full fine-tuning, AdamW, "
		    "checkpointing") == 0)
			fastest = p.opt[i].train_tps;
	for (i = 0; i < p.n_opt; i++)
		if (strcmp(p.opt[i].label, "LoRA r16, checkpointing") == 0) {
			assert_true(p.opt[i].train_tps > fastest * 1.2);
			assert_true(p.opt[i].train_tps < fastest * 1.5);
		}
	/* It says why, with its rate, and names the runner-up. */
	for (i = 0; i < p.n_rec; i++)
		if (p.rec[i].goal == MP_GOAL_FINETUNE) {
			assert_non_null(strstr(p.rec[i].why.text, "tokens/s "
			    "training"));
			assert_true(p.rec[i].has_runner);
			assert_non_null(strstr(p.rec[i].why.text, "runner-up: "));
		}
	mp_planres_fini(&p);
	mp_model_fini(&m);
}

/*
 * convert: produces what was asked.  --convert-pipeline openvino on a
 * 16 GB machine: only OpenVINO options (weight compression included),
 * no recommendation of another pipeline, and the answer says the swap
 * needed and a bundled machine with enough RAM.  Without a pipeline,
 * one recommendation per output format that fits.
 */
static void
test_planner_convert_policy(void **state)
{
	struct mp_model		 m;
	struct mp_hardware	 hw;
	struct mp_planres	 p;
	struct mp_scenario	 sc;
	struct mp_error		 e;
	size_t			 i, k, n_ov = 0;

	(void)state;
	mp_error_clear(&e);
	mp_model_init(&m);
	assert_true(mp_model_load("llama-3.1-8b-instruct", &m, &e));
	assert_true(mp_hardware_load("workstation-16gb", &hw, &e));
	mp_scenario_init(&sc);
	sc.mode = MP_MODE_CONVERT;
	snprintf(sc.pipeline, sizeof(sc.pipeline), "openvino");
	assert_true(mp_planner_plan(&m, &hw, &sc, MP_CK_MODE |
	    MP_CK_PIPELINE, &p, &e));
	for (i = 0; i < p.n_opt; i++) {
		assert_string_equal(p.opt[i].est.sc.pipeline, "openvino");
		n_ov++;
	}
	assert_true(n_ov >= 3);		/* full, int8, int4 */
	assert_int_equal(p.n_rec, 0);	/* none fits in 14 GiB */
	assert_non_null(strstr(p.none[MP_GOAL_CONVERT].text, "OpenVINO IR"));
	assert_non_null(strstr(p.none[MP_GOAL_CONVERT].text, "of swap"));
	assert_non_null(strstr(p.none[MP_GOAL_CONVERT].text, "workstation-"));
	mp_planres_fini(&p);

	/* estimate's try lines say the same: the asked pipeline on the
	 * smallest bundled machine it fits on, which fits there. */
	{
		struct mp_reco		 r[MP_MAX_RECOS];
		struct mp_hardware	 big;
		struct mp_estimate	 est;
		struct mp_judgement	 j;
		size_t			 n;

		assert_true(mp_planner_suggest(&m, &hw, &sc, r, MP_MAX_RECOS,
		    &n, &e));
		assert_true(n >= 1);
		for (i = 0; i < n && r[i].hardware[0] == '\0'; i++)
			assert_false(r[i].fits);
		assert_true(i < n);
		assert_true(r[i].fits);
		assert_non_null(strstr(r[i].hardware, "workstation-"));
		assert_non_null(strstr(r[i].mode, "--convert-pipeline "
		    "openvino"));
		assert_true(mp_hardware_load(r[i].hardware, &big, &e));
		assert_true(big.ram > hw.ram);
		assert_true(mp_place(&m, &big, &sc, &est, &j, &e));
		assert_int_equal(j.verdict, MP_VERDICT_FITS);
		assert_int_equal(j.judged, r[i].total);
	}

	/* Nothing asked: one recommendation per output written. */
	mp_scenario_init(&sc);
	sc.mode = MP_MODE_CONVERT;
	assert_true(mp_planner_plan(&m, &hw, &sc, MP_CK_MODE, &p, &e));
	assert_true(p.n_rec >= 2);
	for (i = 0; i < p.n_rec; i++) {
		assert_int_equal(p.rec[i].goal, MP_GOAL_CONVERT);
		for (k = 0; k < i; k++)
			assert_string_not_equal(output(&p.opt[p.rec[i].opt]),
			    output(&p.opt[p.rec[k].opt]));
	}
	mp_planres_fini(&p);
	mp_model_fini(&m);
}

static bool
low_mem(const struct mp_option *o)
{
	const struct mp_pipeline_info *pi;

	pi = mp_convert_pipeline_info(o->est.sc.pipeline);
	return pi != NULL && pi->low_memory;
}

/* The recommended option that writes out, or NULL. */
static const struct mp_option *
rec_writing(const struct mp_planres *p, const char *out)
{
	size_t i;

	for (i = 0; i < p->n_rec; i++)
		if (p->rec[i].goal == MP_GOAL_CONVERT &&
		    strcmp(output(&p->opt[p->rec[i].opt]), out) == 0)
			return &p->opt[p->rec[i].opt];
	return NULL;
}

/*
 * The convert policy takes one pass over the checkpoint (hf-cast-save)
 * where RAM holds it with the margin, though a low-memory pipeline
 * (hf-lowmem) peaks lower; the low-memory one only where the one-pass
 * one does not fit with the margin.
 */
static void
test_planner_convert_one_pass_first(void **state)
{
	static const char small[] = "name: small\nram: 6 GiB\n"
	    "os_reserve: 1 GiB\ndevices: []\n";
	struct mp_model		 m;
	struct mp_hardware	 hw;
	struct mp_planres	 p;
	struct mp_scenario	 sc;
	struct mp_error		 e;
	const struct mp_option	*r, *lowmem = NULL;
	const struct mp_pipeline_info *pi;
	size_t			 i;

	(void)state;
	mp_error_clear(&e);
	mp_model_init(&m);
	assert_true(mp_model_load("llama-3.1-8b-instruct", &m, &e));
	assert_true(mp_hardware_load("workstation-64gb", &hw, &e));
	mp_scenario_init(&sc);
	sc.mode = MP_MODE_CONVERT;
	assert_true(mp_planner_plan(&m, &hw, &sc, MP_CK_MODE, &p, &e));
	r = rec_writing(&p, "Hugging Face safetensors");
	assert_non_null(r);
	pi = mp_convert_pipeline_info(r->est.sc.pipeline);
	assert_non_null(pi);
	assert_false(pi->low_memory);
	for (i = 0; i < p.n_opt; i++)
		if (strcmp(p.opt[i].est.sc.pipeline, "hf-lowmem") == 0)
			lowmem = &p.opt[i];
	/* Not for its peak: the low-memory one needs less. */
	assert_non_null(lowmem);
	assert_int_equal(lowmem->verdict, MP_VERDICT_FITS);
	assert_true(lowmem->j.judged < r->j.judged);
	for (i = 0; i < p.n_rec && &p.opt[p.rec[i].opt] != r; i++)
		continue;
	assert_non_null(strstr(p.rec[i].why.text, "one pass over the "
	    "checkpoint"));
	mp_planres_fini(&p);

	/* 5 GiB usable: hf-cast-save's shard copy does not fit. */
	assert_true(mp_hardware_parse(small, sizeof(small) - 1, "small.yaml",
	    &hw, &e));
	mp_scenario_init(&sc);
	sc.mode = MP_MODE_CONVERT;
	assert_true(mp_planner_plan(&m, &hw, &sc, MP_CK_MODE, &p, &e));
	r = rec_writing(&p, "Hugging Face safetensors");
	assert_non_null(r);
	assert_string_equal(r->est.sc.pipeline, "hf-lowmem");
	for (i = 0; i < p.n_opt; i++)
		if (strcmp(p.opt[i].est.sc.pipeline, "hf-cast-save") == 0)
			assert_int_not_equal(p.opt[i].verdict,
			    MP_VERDICT_FITS);
	mp_planres_fini(&p);
	mp_model_fini(&m);
}

/*
 * One engine: estimate's first "try:" line is plan's recommendation for
 * the estimate's goal, with its tokens/s.
 */
static void
test_planner_suggest_follows_plan(void **state)
{
	struct fx		*f = *state;
	struct mp_planres	 p;
	struct mp_scenario	 sc;
	struct mp_reco		 r[MP_MAX_RECOS];
	struct mp_error		 e;
	const struct mp_option	*best;
	size_t			 n;
	enum mp_mode		 modes[] = { MP_MODE_INFER, MP_MODE_LORA };
	enum mp_goal		 goals[] = { MP_GOAL_SERVE, MP_GOAL_FINETUNE };
	unsigned		 k;

	for (k = 0; k < 2; k++) {
		mp_scenario_init(&sc);
		mp_error_clear(&e);
		assert_true(mp_planner_plan(&f->m, &f->hw, &sc, 0, &p, &e));
		best = rec_of(&p, goals[k]);
		assert_non_null(best);
		sc.mode = modes[k];
		assert_true(mp_planner_suggest(&f->m, &f->hw, &sc, r,
		    MP_MAX_RECOS, &n, &e));
		assert_true(n >= 1);
		assert_string_equal(r[0].label, best->label);
		assert_true(r[0].tokens_per_s > 0);
		mp_planres_fini(&p);
	}
}

static void
test_planner_plan_recommends_the_best_that_fits(void **state)
{
	struct fx		*f = *state;
	struct mp_planres	 p;
	struct mp_scenario	 sc;
	struct mp_error		 e;
	size_t			 i, k;
	bool			 serve = false;

	mp_scenario_init(&sc);
	mp_error_clear(&e);
	assert_true(mp_planner_plan(&f->m, &f->hw, &sc, 0, &p, &e));
	assert_true(p.n_opt >= 10);
	for (i = 0; i < p.n_rec; i++) {
		const struct mp_option *best = &p.opt[p.rec[i].opt];

		serve = serve || p.rec[i].goal == MP_GOAL_SERVE;
		assert_int_equal(best->goal, p.rec[i].goal);
		assert_int_not_equal(best->verdict, MP_VERDICT_NO);
		assert_true(strlen(p.rec[i].why.text) > 10);
		/* A conversion: no option writing the same output that
		 * fits with margin loses less precision, takes one pass
		 * where the best is a low-memory pipeline, or peaks lower
		 * in the same kind of pipeline (the other goals:
		 * test_planner_*_policy). */
		for (k = 0; k < p.n_opt; k++)
			if (best->goal == MP_GOAL_CONVERT &&
			    p.opt[k].goal == MP_GOAL_CONVERT &&
			    p.opt[k].verdict == MP_VERDICT_FITS &&
			    strcmp(output(&p.opt[k]), output(best)) == 0) {
				bool lk = low_mem(&p.opt[k]),
				    lb = low_mem(best);

				assert_true(p.opt[k].prec_loss >
				    best->prec_loss || (p.opt[k].prec_loss ==
				    best->prec_loss && ((lk && !lb) ||
				    (lk == lb && p.opt[k].j.judged >=
				    best->j.judged))));
			}
	}
	assert_true(serve);
	/* Verdicts agree with headroom: tight is under 10 %. */
	for (i = 0; i < p.n_opt; i++) {
		const struct mp_option *o = &p.opt[i];

		if (o->verdict == MP_VERDICT_NO)
			assert_false(o->j.fits);
		else if (o->verdict == MP_VERDICT_FITS)
			assert_true((uint64_t)o->j.headroom * 10 >=
			    o->j.capacity);
		else
			assert_true(o->j.swap_needed > 0 ||
			    (uint64_t)o->j.headroom * 10 < o->j.capacity);
	}
	mp_planres_fini(&p);
}

/*
 * Serve: fits with margin, on the devices, 4 bits or more, not many
 * times slower, then precision; every serve row has a speed and the
 * largest context that fits.
 */
static void
test_planner_serve_policy(void **state)
{
	struct mp_model		 m;
	struct mp_hardware	 hw;
	struct mp_planres	 p;
	struct mp_scenario	 sc;
	struct mp_error		 e;
	const struct mp_option	*best = NULL, *o;
	size_t			 i;

	(void)state;
	mp_error_clear(&e);
	mp_model_init(&m);
	assert_true(mp_model_load("llama-3.1-70b-instruct", &m, &e));
	assert_true(mp_hardware_load("2x-rtx-4090", &hw, &e));
	mp_scenario_init(&sc);
	assert_true(mp_planner_plan(&m, &hw, &sc, 0, &p, &e));
	for (i = 0; i < p.n_rec; i++)
		if (p.rec[i].goal == MP_GOAL_SERVE) {
			best = &p.opt[p.rec[i].opt];
			assert_true(p.rec[i].has_runner);
			assert_non_null(strstr(p.rec[i].why.text, "runner-up"));
			assert_non_null(strstr(p.rec[i].why.text, "tokens/s"));
		}
	assert_non_null(best);
	/* Before: q8_0 with 29 of 80 layers on the CPU.  Now: all layers
	 * on the two GPUs, with 10 % headroom, at 4 bits or more. */
	assert_int_equal(best->verdict, MP_VERDICT_FITS);
	assert_true(best->est.sc.gpu_layers < 0);
	assert_true(best->prec_loss <= 1200);
	assert_true(best->has_speed);
	assert_true(best->max_seq >= 4096);
	for (i = 0; i < p.n_opt; i++) {
		o = &p.opt[i];
		if (o->goal != MP_GOAL_SERVE)
			continue;
		assert_true(o->has_speed);
		if (o->verdict != MP_VERDICT_NO)
			assert_true(o->max_seq > 0);
		/* Ten layers or more in host memory: several times slower
		 * than the recommendation. */
		if (o->verdict != MP_VERDICT_NO && o->est.sc.gpu_layers >= 0 &&
		    o->est.sc.gpu_layers + 10 <= (int64_t)m.layers)
			assert_true(o->speed.decode_tps * 2 <
			    best->speed.decode_tps);
	}
	mp_planres_fini(&p);
	mp_model_fini(&m);
}

/* The serve recommendation of a bundled model on a bundled machine. */
static const struct mp_option *
serve_rec(const char *model, const char *hwname, struct mp_model *m,
    struct mp_hardware *hw, struct mp_planres *p)
{
	struct mp_scenario	 sc;
	struct mp_error		 e;

	mp_error_clear(&e);
	mp_model_init(m);
	assert_true(mp_model_load(model, m, &e));
	assert_true(mp_hardware_load(hwname, hw, &e));
	mp_scenario_init(&sc);
	assert_true(mp_planner_plan(m, hw, &sc, 0, p, &e));
	return rec_of(p, MP_GOAL_SERVE);
}

/* The option with this label, or NULL. */
static const struct mp_option *
labelled(const struct mp_planres *p, const char *label)
{
	size_t i;

	for (i = 0; i < p->n_opt; i++)
		if (strcmp(p->opt[i].label, label) == 0)
			return &p->opt[i];
	return NULL;
}

/*
 * Speed before precision until decode is fast enough (10 tokens/s):
 * an 8B on a CPU-only desktop gets q4_k_m, not q8_0 (which fits, ~1.7x
 * slower); where q8_0 is fast enough (an M4's GPU) it is kept for its
 * precision.  An 8B with room for bf16 on GPUs gets vLLM bf16, a third
 * as fast as the fastest 4-bit option or more; a q3_k_m whose file
 * averages 4 bits is still below 4.
 */
static void
test_planner_serve_speed_before_precision(void **state)
{
	static const char *const cpu[] = { "workstation-16gb",
	    "workstation-32gb" };
	struct mp_model		 m;
	struct mp_hardware	 hw;
	struct mp_planres	 p;
	const struct mp_option	*best, *q8, *q3;
	unsigned		 k;

	(void)state;
	for (k = 0; k < 2; k++) {
		best = serve_rec("llama-3.1-8b-instruct", cpu[k], &m, &hw, &p);
		assert_non_null(best);
		assert_string_equal(best->label, "llama.cpp, q4_k_m on the CPU");
		q8 = labelled(&p, "llama.cpp, q8_0 on the CPU");
		assert_non_null(q8);
		assert_int_equal(q8->verdict, MP_VERDICT_FITS);
		assert_true(q8->speed.decode_tps * 1.5 <
		    best->speed.decode_tps);
		assert_true(q8->speed.decode_tps < 10.0);
		/* q3_k_m is faster, and averages 4 bits in the file, but
		 * its type is 3-bit: not taken. */
		q3 = labelled(&p, "llama.cpp, q3_k_m on the CPU");
		assert_non_null(q3);
		assert_int_equal(q3->verdict, MP_VERDICT_FITS);
		assert_true(q3->speed.decode_tps > best->speed.decode_tps);
		assert_true(16.0 - (double)q3->prec_loss / 100.0 >= 4.0);
		mp_planres_fini(&p);
		mp_model_fini(&m);
	}

	/* Fast enough on a GPU: the most precise that fits. */
	best = serve_rec("llama-3.1-8b-instruct", "m4-16gb", &m, &hw, &p);
	assert_non_null(best);
	assert_string_equal(best->label, "llama.cpp, q8_0");
	assert_true(best->speed.decode_tps >= 10.0);
	mp_planres_fini(&p);
	mp_model_fini(&m);

	/* estimate's try lines on an 8 GB desktop: q4_k_m first; below
	 * 4 bits, the more precise q3_k_m before the faster q2_k. */
	{
		struct mp_reco		 r[MP_MAX_RECOS];
		struct mp_scenario	 sc;
		struct mp_error		 e;
		size_t			 n, i3 = 99, i2 = 99, i;

		mp_error_clear(&e);
		mp_model_init(&m);
		assert_true(mp_model_load("llama-3.1-8b-instruct", &m, &e));
		assert_true(mp_hardware_load("workstation-8gb", &hw, &e));
		mp_scenario_init(&sc);
		assert_true(mp_planner_suggest(&m, &hw, &sc, r, MP_MAX_RECOS,
		    &n, &e));
		assert_true(n >= 3);
		assert_string_equal(r[0].label, "llama.cpp, q4_k_m on the CPU");
		for (i = 0; i < n; i++) {
			if (strcmp(r[i].label, "llama.cpp, q3_k_m on the CPU") == 0)
				i3 = i;
			if (strcmp(r[i].label, "llama.cpp, q2_k on the CPU") == 0)
				i2 = i;
		}
		assert_true(i3 < i2 && i2 < 99);
		mp_model_fini(&m);
	}

	best = serve_rec("llama-3.1-8b-instruct", "2x-rtx-4090", &m, &hw, &p);
	assert_non_null(best);
	assert_non_null(strstr(best->label, "vLLM"));
	assert_non_null(strstr(best->label, "bf16 (the checkpoint's)"));
	mp_planres_fini(&p);
	mp_model_fini(&m);
}

static void
test_planner_plan_restricted_by_mode(void **state)
{
	struct fx		*f = *state;
	struct mp_planres	 p;
	struct mp_scenario	 sc;
	struct mp_error		 e;
	size_t			 i;

	mp_scenario_init(&sc);
	sc.mode = MP_MODE_QLORA;
	mp_error_clear(&e);
	assert_true(mp_planner_plan(&f->m, &f->hw, &sc, MP_CK_MODE, &p, &e));
	for (i = 0; i < p.n_opt; i++)
		assert_int_equal(p.opt[i].est.sc.mode, MP_MODE_QLORA);
	mp_planres_fini(&p);
}

/* "A 14B alternative": every mode that does not fit names a smaller
 * bundled model of the same architecture on which it does. */
static void
test_planner_plan_smaller_model_alternatives(void **state)
{
	struct fx		*f = *state;
	struct mp_planres	 p;
	struct mp_scenario	 sc;
	struct mp_error		 e;
	struct mp_hardware	 small;
	struct mp_model		 alt;
	size_t			 i, n = 0;

	mp_scenario_init(&sc);
	mp_error_clear(&e);
	assert_true(mp_hardware_load("rtx-4060-8gb", &small, &e));
	assert_true(mp_planner_plan(&f->m, &small, &sc, 0, &p, &e));
	for (i = 0; i < p.n_opt; i++) {
		const struct mp_option *o = &p.opt[i];

		if (o->alt[0] == '\0')
			continue;
		n++;
		assert_false(o->j.fits);
		assert_true(o->alt_params < f->m.params);
		assert_true(o->alt_judged <= o->j.capacity);
		mp_model_init(&alt);
		assert_true(mp_model_load(o->alt, &alt, &e));
		assert_string_equal(alt.model_type, f->m.model_type);
		mp_model_fini(&alt);
	}
	/* bf16 7B does not fit 8 GB; a 3B of the same family does. */
	assert_true(n > 0);
	mp_planres_fini(&p);
}

static void
test_planner_sweep_ranges(void **state)
{
	struct fx		*f = *state;
	struct mp_sweep		 sw;
	struct mp_scenario	 sc;
	struct mp_error		 e;
	size_t			 i;

	mp_scenario_init(&sc);
	mp_error_clear(&e);
	assert_true(mp_planner_sweep(&f->m, &f->hw, &sc, "seq=1k..8k", &sw,
	    &e));
	assert_int_equal(sw.n, 4);
	assert_int_equal(sw.pt[0].value, 1024);
	assert_int_equal(sw.pt[3].value, 8192);
	/* The KV cache grows with context. */
	for (i = 1; i < sw.n; i++)
		assert_true(sw.pt[i].est->mem.kv_cache >
		    sw.pt[i - 1].est->mem.kv_cache);
	mp_sweep_fini(&sw);
	assert_true(mp_planner_sweep(&f->m, NULL, &sc, "batch=1..4:1", &sw,
	    &e));
	assert_int_equal(sw.n, 4);
	assert_int_equal(sw.pt[2].value, 3);
	mp_sweep_fini(&sw);
	assert_true(mp_planner_sweep(&f->m, NULL, &sc, "batch=1,8,32", &sw,
	    &e));
	assert_int_equal(sw.n, 3);
	assert_int_equal(sw.pt[2].value, 32);
	mp_sweep_fini(&sw);
	assert_false(mp_planner_sweep(&f->m, NULL, &sc, "heads=1..4", &sw,
	    &e));
	assert_string_equal(e.field, "--over");
	assert_false(mp_planner_sweep(&f->m, NULL, &sc, "seq=8k..1k", &sw,
	    &e));
	assert_false(mp_planner_sweep(&f->m, NULL, &sc, "seq", &sw, &e));
}

static void
test_planner_check_budget(void **state)
{
	struct mp_plan		 pl;
	struct mp_check		 ck[2];
	struct mp_check_report	 rep;
	struct mp_error		 e;

	(void)state;
	memset(&pl, 0, sizeof(pl));
	memset(ck, 0, sizeof(ck));
	snprintf(pl.path, sizeof(pl.path), "inline.yaml");
	pl.checks = ck;
	pl.n_checks = 2;
	mp_scenario_init(&ck[0].sc);
	mp_scenario_init(&ck[1].sc);
	snprintf(ck[0].name, sizeof(ck[0].name), "tiny budget");
	snprintf(ck[0].model, sizeof(ck[0].model), "qwen2.5-0.5b");
	ck[0].max_memory = 1 * GiB;
	snprintf(ck[1].name, sizeof(ck[1].name), "on a card");
	snprintf(ck[1].model, sizeof(ck[1].model), "qwen2.5-0.5b");
	snprintf(ck[1].hardware, sizeof(ck[1].hardware), "rtx-4090");
	mp_error_clear(&e);
	assert_true(mp_planner_check(&pl, &rep, &e));
	assert_int_equal(rep.n, 2);
	assert_int_equal(rep.failed, 1);
	assert_false(rep.res[0].pass);
	assert_true(rep.res[0].margin < 0);
	assert_int_equal((uint64_t)((int64_t)rep.res[0].budget -
	    rep.res[0].margin), rep.res[0].predicted);
	assert_true(rep.res[1].pass);
	assert_int_equal(rep.res[1].budget, (24564ULL - 459) * (1ULL << 20));
	mp_check_report_fini(&rep);
	/* A model that does not exist is bad input naming the check. */
	snprintf(ck[1].model, sizeof(ck[1].model), "no-such-model");
	ck[1].line = 7;
	ck[1].col = 5;
	assert_false(mp_planner_check(&pl, &rep, &e));
	assert_string_equal(e.field, "checks[1].model");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_planner_fit_seq_is_exact),
		cmocka_unit_test(test_planner_fit_batch_and_weights),
		cmocka_unit_test(test_planner_fit_nothing_fits),
		cmocka_unit_test(test_planner_plan_recommends_the_best_that_fits),
		cmocka_unit_test(test_planner_serve_policy),
		cmocka_unit_test(test_planner_serve_speed_before_precision),
		cmocka_unit_test(test_planner_finetune_policy),
		cmocka_unit_test(test_planner_convert_policy),
		cmocka_unit_test(test_planner_convert_one_pass_first),
		cmocka_unit_test(test_planner_suggest_follows_plan),
		cmocka_unit_test(test_planner_plan_restricted_by_mode),
		cmocka_unit_test(test_planner_plan_smaller_model_alternatives),
		cmocka_unit_test(test_planner_sweep_ranges),
		cmocka_unit_test(test_planner_check_budget),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
