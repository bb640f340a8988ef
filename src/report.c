/* report.c: judge an estimate on a machine and find what would fit */
/* SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <string.h>

#include "memplan.h"

struct alt {
	const char	*label;
	const char	*why;
	void		(*apply)(struct mp_scenario *, const struct mp_model *);
	bool		 train;		/* applies to training modes */
	bool		 infer;		/* applies to inference */
};

static void a_int8(struct mp_scenario *s, const struct mp_model *m)
{ (void)m; s->weights = MP_DT_INT8; }
static void a_nf4(struct mp_scenario *s, const struct mp_model *m)
{ (void)m; s->weights = MP_DT_NF4; }
static void a_kvfp8(struct mp_scenario *s, const struct mp_model *m)
{ (void)m; s->kv_dtype = MP_DT_F8_E4M3; }
static void a_halfseq(struct mp_scenario *s, const struct mp_model *m)
{ (void)m; s->seq = s->seq > 1 ? s->seq / 2 : 1; }
static void a_batch1(struct mp_scenario *s, const struct mp_model *m)
{ (void)m; s->batch = 1; }
static void a_ckpt(struct mp_scenario *s, const struct mp_model *m)
{ (void)m; s->grad_ckpt = true; }
static void a_adam8(struct mp_scenario *s, const struct mp_model *m)
{ (void)m; s->optimizer = MP_OPT_ADAMW8BIT; }
static void a_qlora(struct mp_scenario *s, const struct mp_model *m)
{
	s->mode = MP_MODE_QLORA;
	s->weights = m->torch_dtype == MP_DT_F16 ? MP_DT_F16 : MP_DT_BF16;
	s->amp = MP_DT_NONE;
}

/* Ordered by what the user gives up: precision last where it can be. */
static const struct alt alts[] = {
	{ "--grad-ckpt", "recompute each layer in backward: ~30% slower, "
	    "keeps only layer inputs", a_ckpt, true, false },
	{ "--batch 1", "same effective batch with gradient accumulation",
	    a_batch1, true, true },
	{ "--optimizer adamw8bit", "8-bit AdamW states (bitsandbytes)",
	    a_adam8, true, false },
	{ "--kv-dtype fp8", "8-bit KV cache: half the cache, small quality "
	    "cost", a_kvfp8, false, true },
	{ "--weights int8", "LLM.int8 weights: half of 16-bit, slower",
	    a_int8, false, true },
	{ "--mode qlora", "4-bit NF4 base with LoRA adapters", a_qlora, true,
	    false },
	{ "--weights nf4", "4-bit NF4 weights: a quarter of 16-bit, some "
	    "quality loss", a_nf4, false, true },
	{ "--seq half", "half the context", a_halfseq, true, true },
};

bool
mp_report_build(struct mp_report *r, const struct mp_model *m,
    const struct mp_estimate *est, const struct mp_hardware *hw,
    const struct mp_judgement *j, struct mp_error *err)
{
	size_t		 i;
	bool		 train;

	memset(r, 0, sizeof(*r));
	r->model = m;
	r->est = est;
	if (hw == NULL)
		return true;
	r->hw_name = hw->name;
	if (j != NULL)
		r->j = *j;
	else
		mp_hardware_judge_ex(hw, est, &r->j);
	r->capacity = r->j.capacity;
	r->fits = r->j.fits;
	r->headroom = r->j.headroom;
	r->frag_risk = r->j.frag_risk;
	r->reserved = r->j.reserved;
	if (est->sc.mode == MP_MODE_INFER && !est->has_convert) {
		struct mp_speed_target tg;

		mp_speed_target(hw, est, &tg);
		if (!mp_speed_estimate(m, est, &tg, est->sc.bench,
		    est->sc.n_bench, &r->speed, err))
			return false;
		r->has_speed = true;
	}
	if (r->fits || r->j.verdict == MP_VERDICT_UNSUPPORTED)
		return true;
	train = est->sc.mode == MP_MODE_LORA || est->sc.mode == MP_MODE_QLORA ||
	    est->sc.mode == MP_MODE_FULL;
	if (est->sc.mode == MP_MODE_CONVERT ||
	    est->sc.runtime != MP_RT_TRANSFORMERS)
		return true;
	/* Apply the changes cumulatively: each step keeps the ones before. */
	{
		struct mp_scenario	 sc = est->sc;
		struct mp_estimate	 alt;
		struct mp_judgement	 aj;
		struct mp_error		 e2;
		char			 label[48] = "";

		for (i = 0; i < sizeof(alts) / sizeof(alts[0]) &&
		    r->n_recos < MP_MAX_RECOS; i++) {
			struct mp_scenario	 next = sc;
			struct mp_reco		*rc;
			uint64_t		 cap;
			int64_t			 head;
			bool			 fits;

			if ((train && !alts[i].train) ||
			    (!train && !alts[i].infer))
				continue;
			alts[i].apply(&next, m);
			if (memcmp(&next, &sc, sizeof(sc)) == 0)
				continue;
			mp_error_clear(&e2);
			if (!mp_place(m, hw, &next, &alt, &aj, &e2) ||
			    aj.verdict == MP_VERDICT_UNSUPPORTED)
				continue;
			cap = aj.capacity;
			fits = aj.fits;
			head = aj.headroom;
			(void)cap;
			(void)head;
			if (alt.mem.total >= est->mem.total && !fits)
				continue;
			sc = next;
			snprintf(label + strlen(label), sizeof(label) -
			    strlen(label), "%s%s", label[0] ? " " : "",
			    alts[i].label);
			rc = &r->recos[r->n_recos++];
			snprintf(rc->mode, sizeof(rc->mode), "%s", label);
			snprintf(rc->why, sizeof(rc->why), "%s", alts[i].why);
			rc->total = alt.mem.total;
			rc->fits = fits;
			if (fits)
				break;
		}
	}
	(void)err;
	return true;
}

static const char *const comp_names[MP_N_COMPONENTS] = {
	"weights", "kv_cache", "activations", "logits", "gradients",
	"optimizer", "adapters", "runtime"
};

const char *
mp_component_name(size_t i)
{
	return i < MP_N_COMPONENTS ? comp_names[i] : "";
}

uint64_t
mp_component_value(const struct mp_memory *mm, size_t i)
{
	const uint64_t v[MP_N_COMPONENTS] = { mm->weights, mm->kv_cache,
	    mm->activations, mm->logits, mm->gradients, mm->optimizer,
	    mm->adapters, mm->runtime };

	return i < MP_N_COMPONENTS ? v[i] : 0;
}

const char *
mp_component_note(const struct mp_estimate *est, const char *name)
{
	size_t i;

	for (i = 0; i < est->n_notes; i++)
		if (strcmp(est->notes[i].what, name) == 0)
			return est->notes[i].text;
	return NULL;
}

bool
mp_component_known(const char *name)
{
	size_t i;

	for (i = 0; i < MP_N_COMPONENTS; i++)
		if (strcmp(name, comp_names[i]) == 0)
			return true;
	return false;
}

static const char *
verdict_words(enum mp_verdict v, bool md)
{
	switch (v) {
	case MP_VERDICT_FITS:
		return "fits";
	case MP_VERDICT_TIGHT:
		return md ? "fits, **tight**" : "fits, tight";
	case MP_VERDICT_UNSUPPORTED:
		return md ? "**unsupported**" : "UNSUPPORTED";
	default:
		return md ? "**does not fit**" : "DOES NOT FIT";
	}
}

void
mp_render_judgement(FILE *fp, const char *hw_name,
    const struct mp_judgement *j, enum mp_units u, bool md)
{
	char	 a[32], b[32], c[32];
	const char *pre = md ? "- " : "  ";

	if (md)
		fprintf(fp, "**On %s** (%s usable%s): %s", hw_name,
		    mp_fmt_size(j->capacity, u, a, sizeof(a)),
		    j->where == MP_JUDGE_HOST ? " RAM" : j->gpus > 1 ?
		    " per GPU" : "", verdict_words(j->verdict, true));
	else
		fprintf(fp, "%s: %s usable%s -> %s", hw_name,
		    mp_fmt_size(j->capacity, u, a, sizeof(a)),
		    j->where == MP_JUDGE_HOST ? " RAM" : j->gpus > 1 ?
		    " per GPU" : "", verdict_words(j->verdict, false));
	if (j->headroom >= 0)
		fprintf(fp, ", %s headroom", mp_fmt_size((uint64_t)j->headroom,
		    u, a, sizeof(a)));
	else
		fprintf(fp, ", %s over", mp_fmt_size((uint64_t)-(j->headroom +
		    1) + 1, u, a, sizeof(a)));
	fprintf(fp, "%s\n", md ? ".\n" : "");
	if (j->frag_risk)
		fprintf(fp, "%sfits as allocated, but the allocator may reserve "
		    "%s on the fullest GPU (fragmentation risk; "
		    "PYTORCH_CUDA_ALLOC_CONF=expandable_segments:True and "
		    "--expandable-segments remove most of it)\n", pre,
		    mp_fmt_size(j->reserved, u, a, sizeof(a)));
	if (j->verdict == MP_VERDICT_UNSUPPORTED)
		fprintf(fp, "%sunsupported: %s\n", pre, j->reason);
	if (j->verdict == MP_VERDICT_TIGHT)
		fprintf(fp, "%sbelow the margin of %s (--headroom)\n", pre,
		    mp_fmt_size(j->margin, u, a, sizeof(a)));
	if (j->where == MP_JUDGE_DEVICE && j->gpus > 1)
		fprintf(fp, "%sfullest GPU: %s of %s (GPU %zu of %llu)\n",
		    pre, mp_fmt_size(j->judged, u, a, sizeof(a)),
		    mp_fmt_size(j->capacity, u, b, sizeof(b)), j->fullest,
		    (unsigned long long)j->gpus);
	if (j->where == MP_JUDGE_DEVICE && j->host.predicted > 0)
		fprintf(fp, "%shost: %s resident of %s%s\n", pre,
		    mp_fmt_size(j->host.predicted, u, a, sizeof(a)),
		    mp_fmt_size(j->host.capacity, u, b, sizeof(b)),
		    j->host.fits ? "" : " (DOES NOT FIT)");
	if (j->host.reclaimable > 0 && !(j->where == MP_JUDGE_HOST &&
	    j->swap_needed == 0 && j->host.reclaimable == 0))
		fprintf(fp, "%shost: %s of file pages besides, reclaimable "
		    "(not counted)\n", pre, mp_fmt_size(j->host.reclaimable,
		    u, c, sizeof(c)));
	if (md)
		fputc('\n', fp);
}
