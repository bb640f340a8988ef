/* jsonw.c: a small JSON writer: fixed key order, exact integers */
/* SPDX-License-Identifier: MIT */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

void
mp_jsonw_init(struct mp_jsonw *w, FILE *fp, bool pretty)
{
	w->fp = fp;
	w->depth = 0;
	w->first[0] = true;
	w->pretty = pretty;
	w->units = MP_UNITS_IEC;
}

void
mp_jsonw_doc(struct mp_jsonw *w, FILE *fp, enum mp_units u)
{
	mp_jsonw_init(w, fp, true);
	w->units = u;
	mp_jsonw_obj(w, NULL);
	mp_jsonw_str(w, "schema", MP_SCHEMA);
}

/*
 * A JSON string (RFC 8259) that is always valid UTF-8: a byte that is not
 * part of a UTF-8 sequence becomes U+FFFD, as a decoder replacing errors
 * would show it; controls (C0, DEL, C1) are escaped so no terminal acts
 * on them.
 */
static void
put_string(FILE *fp, const char *s)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 n = strlen(s), i = 0, k;
	uint32_t		 cp;

	fputc('"', fp);
	while (i < n) {
		k = mp_utf8_seq(p + i, n - i, &cp);
		if (k == 0) {
			fputs("\\ufffd", fp);
			i++;
			continue;
		}
		if (cp == '"' || cp == '\\')
			fprintf(fp, "\\%c", (int)cp);
		else if (cp == '\n')
			fputs("\\n", fp);
		else if (cp == '\t')
			fputs("\\t", fp);
		else if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f))
			fprintf(fp, "\\u%04x", (unsigned)cp);
		else
			fwrite(p + i, 1, k, fp);
		i += k;
	}
	fputc('"', fp);
}

/* Comma, newline and indent before an item, then its key. */
static void
item(struct mp_jsonw *w, const char *key)
{
	unsigned i;

	if (w->depth > 0 && !w->first[w->depth])
		fputc(',', w->fp);
	if (w->depth > 0 && w->pretty) {
		fputc('\n', w->fp);
		for (i = 0; i < w->depth; i++)
			fputs("  ", w->fp);
	}
	w->first[w->depth] = false;
	if (key != NULL) {
		put_string(w->fp, key);
		fputs(w->pretty ? ": " : ":", w->fp);
	}
}

static void
open_(struct mp_jsonw *w, const char *key, char c)
{
	item(w, key);
	fputc(c, w->fp);
	if (w->depth + 1 < sizeof(w->first))
		w->depth++;
	w->first[w->depth] = true;
}

void
mp_jsonw_obj(struct mp_jsonw *w, const char *key)
{
	open_(w, key, '{');
}

void
mp_jsonw_arr(struct mp_jsonw *w, const char *key)
{
	open_(w, key, '[');
}

void
mp_jsonw_end(struct mp_jsonw *w, char close)
{
	bool empty = w->first[w->depth];
	unsigned i;

	if (w->depth > 0)
		w->depth--;
	if (w->pretty && !empty) {
		fputc('\n', w->fp);
		for (i = 0; i < w->depth; i++)
			fputs("  ", w->fp);
	}
	fputc(close, w->fp);
	if (w->depth == 0)
		fputc('\n', w->fp);
}

void
mp_jsonw_str(struct mp_jsonw *w, const char *key, const char *v)
{
	item(w, key);
	put_string(w->fp, v != NULL ? v : "");
}

void
mp_jsonw_u64(struct mp_jsonw *w, const char *key, uint64_t v)
{
	item(w, key);
	fprintf(w->fp, "%" PRIu64, v);
}

void
mp_jsonw_i64(struct mp_jsonw *w, const char *key, int64_t v)
{
	item(w, key);
	fprintf(w->fp, "%" PRId64, v);
}

void
mp_jsonw_bool(struct mp_jsonw *w, const char *key, bool v)
{
	item(w, key);
	fputs(v ? "true" : "false", w->fp);
}

void
mp_jsonw_null(struct mp_jsonw *w, const char *key)
{
	item(w, key);
	fputs("null", w->fp);
}

void
mp_jsonw_f64(struct mp_jsonw *w, const char *key, double v, unsigned places)
{
	char	num[40];

	/* JSON has no NaN or infinity; above 1e15 digits stop being exact. */
	if (!(v >= 0) || v > 1e15) {
		mp_jsonw_null(w, key);
		return;
	}
	item(w, key);
	fputs(mp_fmt_fixed(v, places > 6 ? 6 : places, num, sizeof(num)),
	    w->fp);
}

void
mp_jsonw_speed(struct mp_jsonw *w, const char *key, const struct mp_speed *sp)
{
	size_t i;

	if (!sp->available) {
		mp_jsonw_obj(w, key);
		mp_jsonw_null(w, "decode_tokens_per_s");
		mp_jsonw_str(w, "why", sp->why);
		mp_jsonw_end(w, '}');
		return;
	}
	mp_jsonw_obj(w, key);
	if (sp->has_prefill) {
		mp_jsonw_f64(w, "prefill_tokens_per_s", sp->prefill_tps, 1);
		mp_jsonw_f64(w, "ttft_s", sp->ttft_s, 3);
	} else {
		mp_jsonw_null(w, "prefill_tokens_per_s");
		mp_jsonw_null(w, "ttft_s");
		mp_jsonw_str(w, "prefill_why", sp->prefill_why);
	}
	mp_jsonw_f64(w, "decode_tokens_per_s", sp->decode_tps, 1);
	mp_jsonw_str(w, "bound", mp_bound_name(sp->decode_bound));
	if (sp->n_bench > 0) {
		mp_jsonw_arr(w, "bench");
		for (i = 0; i < sp->n_bench; i++) {
			mp_jsonw_obj(w, NULL);
			mp_jsonw_str(w, "test", sp->bench[i].test);
			if (sp->bench[i].tokens_per_s > 0) {
				mp_jsonw_f64(w, "tokens_per_s",
				    sp->bench[i].tokens_per_s, 2);
				mp_jsonw_str(w, "bound",
				    mp_bound_name(sp->bench[i].bound));
			} else
				mp_jsonw_null(w, "tokens_per_s");
			mp_jsonw_end(w, '}');
		}
		mp_jsonw_end(w, ']');
	}
	mp_jsonw_str(w, "basis", sp->basis);
	mp_jsonw_end(w, '}');
}

void
mp_jsonw_model(struct mp_jsonw *w, const struct mp_model *m)
{
	mp_jsonw_obj(w, "model");
	mp_jsonw_str(w, "name", m->name);
	mp_jsonw_str(w, "architecture", m->arch[0] ? m->arch : m->model_type);
	mp_jsonw_str(w, "model_type", m->model_type);
	mp_jsonw_u64(w, "params", m->params);
	mp_jsonw_u64(w, "vision_params", m->vision_params);
	mp_jsonw_u64(w, "layers", m->layers);
	mp_jsonw_u64(w, "hidden", m->hidden);
	mp_jsonw_u64(w, "heads", m->heads);
	mp_jsonw_u64(w, "kv_heads", m->kv_heads);
	mp_jsonw_u64(w, "head_dim", m->head_dim);
	mp_jsonw_u64(w, "vocab", m->vocab);
	mp_jsonw_u64(w, "max_position_embeddings", m->max_pos);
	mp_jsonw_bool(w, "tied_embeddings", m->tied);
	if (m->n_experts > 0) {
		mp_jsonw_u64(w, "experts", m->n_experts);
		mp_jsonw_u64(w, "experts_per_token", m->experts_per_tok);
	}
	if (m->warning[0] != '\0')
		mp_jsonw_str(w, "warning", m->warning);
	mp_jsonw_end(w, '}');
}

void
mp_jsonw_scenario(struct mp_jsonw *w, const char *key,
    const struct mp_estimate *est)
{
	const struct mp_scenario *sc = &est->sc;

	mp_jsonw_obj(w, key);
	mp_jsonw_str(w, "mode", mp_mode_name(sc->mode));
	mp_jsonw_str(w, "weights", sc->ftype[0] ? sc->ftype :
	    sc->weights_as_stored ? "as-stored" :
	    mp_dtype_info(sc->weights)->name);
	mp_jsonw_u64(w, "batch", sc->batch);
	mp_jsonw_u64(w, "seq", sc->seq);
	mp_jsonw_str(w, "kv_dtype", mp_dtype_info(sc->kv_dtype)->name);
	/* Ollama is llama.cpp with its own defaults and scheduler */
	mp_jsonw_str(w, "runtime", sc->ollama && sc->runtime ==
	    MP_RT_LLAMACPP ? "ollama" : mp_runtime_name(sc->runtime));
	/* transformers' attn_implementation, as from_pretrained takes it */
	if (sc->runtime == MP_RT_TRANSFORMERS && sc->mode != MP_MODE_CONVERT &&
	    sc->attn != MP_ATTN_DEFAULT)
		mp_jsonw_str(w, "attn_implementation",
		    mp_attn_hf_name(sc->attn));
	mp_jsonw_u64(w, "trainable_params", est->trainable_params);
	if (sc->mode == MP_MODE_LORA || sc->mode == MP_MODE_QLORA) {
		mp_jsonw_u64(w, "rank", sc->rank);
		mp_jsonw_str(w, "lora_targets", sc->lora_targets[0] ?
		    sc->lora_targets : "all-linear");
	}
	if (sc->mode == MP_MODE_LORA || sc->mode == MP_MODE_QLORA ||
	    sc->mode == MP_MODE_FULL) {
		mp_jsonw_str(w, "optimizer", mp_optim_name(sc->optimizer));
		mp_jsonw_bool(w, "grad_ckpt", sc->grad_ckpt);
		mp_jsonw_bool(w, "expandable_segments",
		    sc->expandable_segments);
		if (sc->amp != MP_DT_NONE)
			mp_jsonw_str(w, "amp", mp_dtype_info(sc->amp)->name);
	}
	if (sc->gpus > 1)
		mp_jsonw_u64(w, "gpus", sc->gpus);
	if (sc->nodes > 1)
		mp_jsonw_u64(w, "nodes", sc->nodes);
	if (sc->parallel != MP_PAR_NONE)
		mp_jsonw_str(w, "parallel", mp_parallel_name(sc->parallel));
	if (sc->offload != MP_OFFLOAD_NONE)
		mp_jsonw_str(w, "offload", mp_offload_name(sc->offload));
	if (mp_parallel_is_fsdp(sc->parallel))
		mp_jsonw_u64(w, "fsdp_version", sc->fsdp_version == 2 ? 2 : 1);
	if (mp_parallel_is_zero(sc->parallel))
		mp_jsonw_str(w, "ds_config", sc->ds_hf_auto ? "hf-auto" :
		    "defaults");
	if (sc->runtime == MP_RT_LLAMACPP)
		mp_jsonw_i64(w, "gpu_layers", sc->gpu_layers);
	if (sc->mode == MP_MODE_CONVERT)
		mp_jsonw_str(w, "pipeline", sc->pipeline);
	mp_jsonw_end(w, '}');
}

void
mp_jsonw_memory(struct mp_jsonw *w, const struct mp_memory *mm)
{
	size_t i;

	/* The components in the table's order, as every renderer lists
	 * them (report.c). */
	mp_jsonw_obj(w, "memory");
	for (i = 0; i < MP_N_COMPONENTS; i++)
		mp_jsonw_u64(w, mp_component_name(i),
		    mp_component_value(mm, i));
	mp_jsonw_u64(w, "total", mm->total);
	if (mm->reserved != 0)
		mp_jsonw_u64(w, "reserved", mm->reserved);
	mp_jsonw_end(w, '}');
}

/*
 * A placement's judgement (place.c): the verdict, the memory that
 * decides, every GPU's share and the host.  name may be NULL.
 */
void
mp_jsonw_judgement(struct mp_jsonw *w, const char *key, const char *name,
    const struct mp_judgement *j)
{
	size_t i;

	mp_jsonw_obj(w, key);
	if (name != NULL)
		mp_jsonw_str(w, "name", name);
	mp_jsonw_str(w, "verdict", mp_verdict_name(j->verdict));
	mp_jsonw_str(w, "judged", j->where == MP_JUDGE_HOST ? "host" :
	    "device");
	mp_jsonw_u64(w, "capacity", j->capacity);
	mp_jsonw_u64(w, "predicted", j->judged);
	mp_jsonw_bool(w, "fits", j->fits);
	mp_jsonw_i64(w, "headroom", j->headroom);
	mp_jsonw_u64(w, "margin", j->margin);
	if (j->verdict == MP_VERDICT_UNSUPPORTED)
		mp_jsonw_str(w, "reason", j->reason);
	if (j->reserved != 0) {
		mp_jsonw_u64(w, "reserved", j->reserved);
		mp_jsonw_bool(w, "fragmentation_risk", j->frag_risk);
	}
	mp_jsonw_arr(w, "devices");
	for (i = 0; i < j->n_dev; i++) {
		mp_jsonw_obj(w, NULL);
		mp_jsonw_str(w, "name", j->device_name);
		mp_jsonw_u64(w, "index", i);
		if (j->nodes > 1)
			mp_jsonw_u64(w, "node", mp_judgement_node(j, i));
		mp_jsonw_u64(w, "capacity", j->dev[i].capacity);
		mp_jsonw_u64(w, "predicted", j->dev[i].predicted);
		mp_jsonw_i64(w, "headroom", j->dev[i].headroom);
		mp_jsonw_bool(w, "fits", j->dev[i].fits);
		mp_jsonw_end(w, '}');
	}
	mp_jsonw_end(w, ']');
	mp_jsonw_obj(w, "host");
	mp_jsonw_u64(w, "capacity", j->host.capacity);
	mp_jsonw_u64(w, "predicted", j->host.predicted);
	mp_jsonw_u64(w, "reclaimable", j->host.reclaimable);
	mp_jsonw_i64(w, "headroom", j->host.headroom);
	mp_jsonw_bool(w, "fits", j->host.fits);
	if (j->swap_needed > 0)
		mp_jsonw_u64(w, "swap_needed", j->swap_needed);
	mp_jsonw_end(w, '}');
	/* ZeRO-Infinity's NVMe bytes per node; capacity null when the
	 * profile states no disk (not judged). */
	if (j->disk.predicted > 0) {
		mp_jsonw_obj(w, "disk");
		mp_jsonw_u64(w, "predicted", j->disk.predicted);
		if (j->disk.judged) {
			mp_jsonw_u64(w, "capacity", j->disk.capacity);
			mp_jsonw_i64(w, "headroom", j->disk.headroom);
			mp_jsonw_bool(w, "fits", j->disk.fits);
		} else
			mp_jsonw_null(w, "capacity");
		mp_jsonw_end(w, '}');
	}
	mp_jsonw_end(w, '}');
}

/* "convert": the conversion's steps and peaks. */
static void
convert_obj(struct mp_jsonw *w, const struct mp_convert *cv)
{
	size_t i;

	mp_jsonw_obj(w, "convert");
	mp_jsonw_str(w, "pipeline", cv->pipeline);
	mp_jsonw_arr(w, "steps");
	for (i = 0; i < cv->n_steps && i < MP_MAX_STEPS; i++) {
		mp_jsonw_obj(w, NULL);
		mp_jsonw_str(w, "name", cv->steps[i].name);
		mp_jsonw_u64(w, "peak_anon", cv->steps[i].peak_anon);
		mp_jsonw_u64(w, "peak_file", cv->steps[i].peak_file);
		mp_jsonw_u64(w, "disk_write", cv->steps[i].disk_write);
		mp_jsonw_end(w, '}');
	}
	mp_jsonw_end(w, ']');
	mp_jsonw_u64(w, "peak_anon", cv->peak_anon);
	mp_jsonw_u64(w, "peak_file", cv->peak_file);
	mp_jsonw_u64(w, "disk_out", cv->disk_out);
	mp_jsonw_u64(w, "disk_tmp", cv->disk_tmp);
	mp_jsonw_u64(w, "swap_needed", cv->swap_needed);
	mp_jsonw_end(w, '}');
}

void
mp_jsonw_estimate(struct mp_jsonw *w, const struct mp_estimate *est)
{
	mp_jsonw_scenario(w, "scenario", est);
	mp_jsonw_memory(w, &est->mem);
	mp_jsonw_u64(w, "device_total", est->device_total);
	mp_jsonw_u64(w, "host_total", est->host_total);
	mp_jsonw_u64(w, "host_reclaimable", est->host_reclaimable);
	mp_jsonw_u64(w, "kv_per_token", est->kv_per_token);
	mp_jsonw_str(w, "command", est->command);
	if (est->kv_pool > 0) {
		mp_jsonw_u64(w, "kv_pool", est->kv_pool);
		mp_jsonw_u64(w, "kv_pool_tokens", est->kv_pool_tokens);
	}
	if (est->file_bytes > 0)
		mp_jsonw_u64(w, "file_bytes", est->file_bytes);
	if (est->has_convert)
		convert_obj(w, &est->conv);
	mp_jsonw_notes(w, est);
}

/*
 * One note: its text in the writer's units (what text and markdown print),
 * the template and each value typed by its key: {"bytes": 131072},
 * {"count": 4096}, {"percent": 90}, {"number": 7.6}.
 */
void
mp_jsonw_note(struct mp_jsonw *w, const struct mp_note *n)
{
	char	 nt[MP_NOTE_TEXT];

	mp_jsonw_obj(w, NULL);
	mp_jsonw_str(w, "id", n->id);
	mp_jsonw_str(w, "component", n->what);
	mp_jsonw_str(w, "text", mp_note_text(n, w->units, nt, sizeof(nt)));
	mp_jsonw_str(w, "template", n->text);
	mp_jsonw_values(w, "values", n->values, n->n_values);
	mp_jsonw_end(w, '}');
}

void
mp_jsonw_values(struct mp_jsonw *w, const char *key,
    const struct mp_note_value *vals, size_t n)
{
	size_t k;

	mp_jsonw_obj(w, key);
	for (k = 0; k < n; k++) {
		const struct mp_note_value *v = &vals[k];

		mp_jsonw_obj(w, v->key);
		if (v->kind == MP_NV_SIZE || v->kind == MP_NV_COUNT)
			mp_jsonw_u64(w, mp_note_kind_name(v->kind), v->u);
		else if (v->kind == MP_NV_SSIZE)
			mp_jsonw_i64(w, mp_note_kind_name(v->kind), v->i);
		else
			mp_jsonw_f64(w, mp_note_kind_name(v->kind), v->d,
			    v->decimals);
		mp_jsonw_end(w, '}');
	}
	mp_jsonw_end(w, '}');
}

/* key: the reason in words; key_template and key_values beside it. */
void
mp_jsonw_reason(struct mp_jsonw *w, const char *key,
    const struct mp_reason *r)
{
	char	 t[MP_REASON_TEXT], k[64];

	mp_jsonw_str(w, key, mp_reason_text(r, w->units, t, sizeof(t)));
	snprintf(k, sizeof(k), "%s_template", key);
	mp_jsonw_str(w, k, r->text);
	snprintf(k, sizeof(k), "%s_values", key);
	mp_jsonw_values(w, k, r->values, r->n_values);
}

void
mp_jsonw_notes(struct mp_jsonw *w, const struct mp_estimate *est)
{
	size_t i;

	mp_jsonw_arr(w, "notes");
	for (i = 0; i < est->n_notes; i++)
		mp_jsonw_note(w, &est->notes[i]);
	mp_jsonw_end(w, ']');
}
