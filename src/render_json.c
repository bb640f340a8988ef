/* render_json.c: the estimate and fit reports as JSON, schema memplan/1 */
/* SPDX-License-Identifier: MIT */
#include <stdio.h>

#include "internal.h"

/*
 * The estimate report's keys, in the open top-level object; fit writes
 * the same keys and adds "solve" before closing it.
 */
static void
report_fields(struct mp_jsonw *w, const struct mp_report *r)
{
	size_t i;

	mp_jsonw_model(w, r->model);
	mp_jsonw_estimate(w, r->est);
	if (r->hw_name != NULL)
		mp_jsonw_judgement(w, "hardware", r->hw_name, &r->j);
	else
		mp_jsonw_null(w, "hardware");
	if (r->has_speed)
		mp_jsonw_speed(w, "speed", &r->speed);
	mp_jsonw_arr(w, "recommendations");
	for (i = 0; i < r->n_recos; i++) {
		mp_jsonw_obj(w, NULL);
		mp_jsonw_str(w, "mode", r->recos[i].mode);
		mp_jsonw_str(w, "label", r->recos[i].label);
		mp_jsonw_str(w, "why", r->recos[i].why);
		if (r->recos[i].hardware[0] != '\0')
			mp_jsonw_str(w, "hardware", r->recos[i].hardware);
		mp_jsonw_u64(w, "total", r->recos[i].total);
		mp_jsonw_bool(w, "fits", r->recos[i].fits);
		mp_jsonw_str(w, "verdict",
		    mp_verdict_name(r->recos[i].verdict));
		if (r->recos[i].tokens_per_s > 0)
			mp_jsonw_f64(w, "tokens_per_s",
			    r->recos[i].tokens_per_s, 1);
		mp_jsonw_end(w, '}');
	}
	mp_jsonw_end(w, ']');
}

bool
mp_render_json(const struct mp_report *r, const struct mp_render_opts *o,
    FILE *fp)
{
	struct mp_jsonw w;

	mp_jsonw_doc(&w, fp, o != NULL ? o->units : MP_UNITS_IEC);
	report_fields(&w, r);
	mp_jsonw_end(&w, '}');
	return !ferror(fp);
}

/* The fit object: the estimate object plus "solve". */
bool
mp_render_fit_json(const struct mp_report *r, const struct mp_fitres *f,
    const struct mp_render_opts *o, FILE *fp)
{
	struct mp_jsonw w;

	mp_jsonw_doc(&w, fp, o != NULL ? o->units : MP_UNITS_IEC);
	report_fields(&w, r);
	mp_jsonw_obj(&w, "solve");
	mp_jsonw_str(&w, "field", mp_solve_name(f->field));
	if (f->field == MP_SOLVE_WEIGHTS) {
		if (f->found)
			mp_jsonw_str(&w, "value", f->value_name);
		else
			mp_jsonw_null(&w, "value");
		if (f->has_next)
			mp_jsonw_str(&w, "next", f->next_name);
		else
			mp_jsonw_null(&w, "next");
	} else {
		if (f->found)
			mp_jsonw_u64(&w, "value", f->value);
		else
			mp_jsonw_null(&w, "value");
		if (f->has_next)
			mp_jsonw_u64(&w, "next", f->next);
		else
			mp_jsonw_null(&w, "next");
	}
	mp_jsonw_bool(&w, "found", f->found);
	mp_jsonw_u64(&w, "total", f->j.judged);
	mp_jsonw_u64(&w, "next_total", f->next_total);
	mp_jsonw_u64(&w, "evaluations", f->evaluations);
	mp_jsonw_str(&w, "command", f->est.command);
	mp_jsonw_end(&w, '}');
	mp_jsonw_end(&w, '}');
	return !ferror(fp);
}
