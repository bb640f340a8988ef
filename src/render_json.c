/* render_json.c: the estimate report as JSON, schema memplan/1 */
/* SPDX-License-Identifier: MIT */
#include <stdio.h>

#include "memplan.h"

bool
mp_render_json(const struct mp_report *r, const struct mp_render_opts *o,
    FILE *fp)
{
	const struct mp_estimate	*est = r->est;
	const struct mp_convert		*cv = &est->conv;
	struct mp_jsonw			 w;
	size_t				 i;

	(void)o;
	mp_jsonw_init(&w, fp, true);
	mp_jsonw_obj(&w, NULL);
	mp_jsonw_str(&w, "schema", MP_SCHEMA);
	mp_jsonw_model(&w, r->model);
	mp_jsonw_scenario(&w, "scenario", est);
	mp_jsonw_memory(&w, &est->mem);
	mp_jsonw_u64(&w, "device_total", est->device_total);
	mp_jsonw_u64(&w, "host_total", est->host_total);
	mp_jsonw_u64(&w, "kv_per_token", est->kv_per_token);
	if (est->kv_pool > 0) {
		mp_jsonw_u64(&w, "kv_pool", est->kv_pool);
		mp_jsonw_u64(&w, "kv_pool_tokens", est->kv_pool_tokens);
	}
	if (est->file_bytes > 0)
		mp_jsonw_u64(&w, "file_bytes", est->file_bytes);
	if (est->has_convert) {
		mp_jsonw_obj(&w, "convert");
		mp_jsonw_str(&w, "pipeline", cv->pipeline);
		mp_jsonw_arr(&w, "steps");
		for (i = 0; i < cv->n_steps && i < MP_MAX_STEPS; i++) {
			mp_jsonw_obj(&w, NULL);
			mp_jsonw_str(&w, "name", cv->steps[i].name);
			mp_jsonw_u64(&w, "peak_anon", cv->steps[i].peak_anon);
			mp_jsonw_u64(&w, "peak_file", cv->steps[i].peak_file);
			mp_jsonw_u64(&w, "disk_write", cv->steps[i].disk_write);
			mp_jsonw_end(&w, '}');
		}
		mp_jsonw_end(&w, ']');
		mp_jsonw_u64(&w, "peak_anon", cv->peak_anon);
		mp_jsonw_u64(&w, "peak_file", cv->peak_file);
		mp_jsonw_u64(&w, "disk_out", cv->disk_out);
		mp_jsonw_u64(&w, "disk_tmp", cv->disk_tmp);
		mp_jsonw_u64(&w, "swap_needed", cv->swap_needed);
		mp_jsonw_end(&w, '}');
	}
	if (r->hw_name != NULL)
		mp_jsonw_judgement(&w, "hardware", r->hw_name, &r->j);
	else
		mp_jsonw_null(&w, "hardware");
	if (r->has_speed)
		mp_jsonw_speed(&w, "speed", &r->speed);
	mp_jsonw_arr(&w, "recommendations");
	for (i = 0; i < r->n_recos; i++) {
		mp_jsonw_obj(&w, NULL);
		mp_jsonw_str(&w, "mode", r->recos[i].mode);
		mp_jsonw_str(&w, "label", r->recos[i].label);
		mp_jsonw_str(&w, "why", r->recos[i].why);
		mp_jsonw_u64(&w, "total", r->recos[i].total);
		mp_jsonw_bool(&w, "fits", r->recos[i].fits);
		mp_jsonw_str(&w, "verdict",
		    mp_verdict_name(r->recos[i].verdict));
		mp_jsonw_end(&w, '}');
	}
	mp_jsonw_end(&w, ']');
	mp_jsonw_arr(&w, "notes");
	for (i = 0; i < est->n_notes; i++) {
		mp_jsonw_obj(&w, NULL);
		mp_jsonw_str(&w, "component", est->notes[i].what);
		mp_jsonw_str(&w, "text", est->notes[i].text);
		mp_jsonw_end(&w, '}');
	}
	mp_jsonw_end(&w, ']');
	mp_jsonw_end(&w, '}');
	return !ferror(fp);
}
