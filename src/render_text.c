/* render_text.c: the estimate report as a terminal table */
/* SPDX-License-Identifier: MIT */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

/* The lines that say what was estimated. */
static void
mp_text_header(const struct mp_report *r, enum mp_units u, FILE *fp)
{
	const struct mp_model		*m = r->model;
	const struct mp_scenario	*sc = &r->est->sc;
	char				 p[40], ship[96];

	fprintf(fp, "%s (%s): %s parameters, %u layers, hidden %u, "
	    "%u/%u heads x %u\n", m->name, m->arch[0] ? m->arch :
	    m->model_type, mp_fmt_count(m->params, p, sizeof(p)), m->layers,
	    m->hidden, m->heads, m->kv_heads, m->head_dim);
	/* "as shipped", and the scheme where the format's name alone does
	 * not say it (bitsandbytes, compressed-tensors). */
	ship[0] = '\0';
	if (sc->weights_shipped)
		snprintf(ship, sizeof(ship), " (as shipped%s%s)",
		    m->shipq.layout != MP_SQ_DTYPE || strcmp(m->quant_method,
		    "bitsandbytes") == 0 ? ": " : "", m->shipq.layout !=
		    MP_SQ_DTYPE || strcmp(m->quant_method, "bitsandbytes") ==
		    0 ? m->shipq.scheme : "");
	fprintf(fp, "%s, %s weights%s, batch %" PRIu64 " x seq %" PRIu64
	    ", KV cache %s, runtime %s",
	    mp_mode_name(sc->mode), sc->ftype[0] ? sc->ftype :
	    sc->weights_as_stored ? "as-stored" :
	    mp_dtype_info(sc->weights)->name, ship, sc->batch, sc->seq,
	    mp_dtype_info(sc->kv_dtype)->name, mp_scenario_runtime(sc));
	if (sc->runtime == MP_RT_TRANSFORMERS && sc->mode != MP_MODE_CONVERT &&
	    sc->attn != MP_ATTN_DEFAULT)
		fprintf(fp, ", attention %s", mp_attn_hf_name(sc->attn));
	if (r->est->trainable_params > 0)
		fprintf(fp, ", %s trainable", mp_fmt_count(r->est->trainable_params,
		    p, sizeof(p)));
	fprintf(fp, "\nsizes in %s\n", u == MP_UNITS_SI ?
	    "GB = 10^9 bytes (--units si)" : "GiB = 2^30 bytes (--units iec)");
}

bool
mp_render_text(const struct mp_report *r, const struct mp_render_opts *o,
    FILE *fp)
{
	const struct mp_estimate	*est = r->est;
	enum mp_units			 u = o->units;
	const struct mp_note		*note;
	struct mp_comp_row		 row;
	char				 b[32], b2[32], nt[MP_NOTE_TEXT];
	size_t				 i, k;

	mp_text_header(r, u, fp);
	fputc('\n', fp);
	fprintf(fp, "  %-12s %12s  %s\n", "component", "size", "why");
	for (i = 0; i < MP_N_COMPONENTS; i++) {
		if (!mp_component_row(est, i, &row))
			continue;
		fprintf(fp, "  %-12s %12s  %s\n", row.name,
		    mp_fmt_size(row.size, u, b, sizeof(b)), row.note ?
		    mp_note_text(row.note, u, nt, sizeof(nt)) : "");
		/* Further notes on the same component, aligned under it. */
		while ((note = mp_note_next(est, row.name, &row.k)) != NULL)
			fprintf(fp, "  %-12s %12s  %s\n", "", "",
			    mp_note_text(note, u, nt, sizeof(nt)));
	}
	fprintf(fp, "  %-12s %12s  %s\n", "total",
	    mp_fmt_size(est->mem.total, u, b, sizeof(b)),
	    est->on_host ? "peak host memory" : est->sc.mode ==
	    MP_MODE_LORA || est->sc.mode == MP_MODE_QLORA || est->sc.mode ==
	    MP_MODE_FULL ? (est->sc.gpus > 1 || est->sc.nodes > 1 ?
	    "predicted peak of each GPU" : "predicted peak device memory") :
	    est->host_total > 0 ?
	    "device and host together (split below)" :
	    "predicted peak device memory");
	if (est->mem.reserved != 0)
		fprintf(fp, "  %-12s %12s  %s\n", "reserved",
		    mp_fmt_size(est->mem.reserved, u, b, sizeof(b)),
		    est->sc.expandable_segments ? "the caching allocator's "
		    "reserve with expandable segments (one page over)" :
		    "what PyTorch's caching allocator may hold: total + one "
		    "stranded segment for the largest request");
	if (est->device_total != est->mem.total || est->host_total > 0) {
		fprintf(fp, "  device %s%s, host %s",
		    mp_fmt_size(est->device_total, u, b, sizeof(b)),
		    est->device_total > est->mem.total && est->sc.gpus > 1 ?
		    " (sum over the GPUs)" : "",
		    mp_fmt_size(est->host_total, u, b2, sizeof(b2)));
		if (est->host_reclaimable > 0)
			fprintf(fp, " (%s of it reclaimable file pages)",
			    mp_fmt_size(est->host_reclaimable, u, b,
			    sizeof(b)));
		fputc('\n', fp);
	}
	if (est->command[0] != '\0')
		fprintf(fp, "  command: %s\n", est->command);
	if (o->bar) {
		fputc('\n', fp);
		mp_bar_text(fp, &est->mem, r->hw_name != NULL ? r->capacity :
		    0, 50, o->unicode, u);
	}
	if (est->has_convert)
		mp_render_convert_steps(&est->conv, u, false, fp);
	for (k = 0; (note = mp_note_next(est, NULL, &k)) != NULL; )
		fprintf(fp, "  note: %s: %s\n", note->what,
		    mp_note_text(note, u, nt, sizeof(nt)));
	if (r->hw_name != NULL) {
		fputc('\n', fp);
		mp_render_judgement(fp, r->hw_name, &r->j, u, false);
		for (i = 0; i < r->n_recos; i++) {
			char tps[48] = "", nb[32];

			/* serve: decode; finetune: training throughput */
			if (r->recos[i].tokens_per_s > 0)
				snprintf(tps, sizeof(tps), ", ~%s tokens/s",
				    mp_fmt_fixed(r->recos[i].tokens_per_s,
				    r->recos[i].tokens_per_s < 10 ? 1 : 0, nb,
				    sizeof(nb)));
			fprintf(fp, "  try: memplan estimate %s --hardware %s%s%s"
			    "\n       -> %s, %s%s (%s: %s)\n", r->model->name,
			    r->recos[i].hardware[0] ? r->recos[i].hardware :
			    r->hw_name, r->recos[i].mode[0] ? " " : "",
			    r->recos[i].mode,
			    mp_verdict_name(r->recos[i].verdict),
			    mp_fmt_size(r->recos[i].total, u, b, sizeof(b)),
			    tps, r->recos[i].label, r->recos[i].why);
		}
	}
	if (r->has_speed)
		mp_render_speed(&r->speed, r->est->sc.seq, false, fp);
	return !ferror(fp);
}
