/* render_markdown.c: the estimate report as markdown for issues and PRs */
/* SPDX-License-Identifier: MIT */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

/* Table cells must not break the table: escape pipes, drop newlines. */
void
mp_md_cell(const char *s, FILE *fp)
{
	for (; *s != '\0'; s++) {
		if (*s == '|')
			fputs("\\|", fp);
		else if (*s == '\n')
			fputc(' ', fp);
		else
			fputc(*s, fp);
	}
}

void
mp_render_convert_steps(const struct mp_convert *cv, enum mp_units u,
    bool md, FILE *fp)
{
	char	 b[3][32];
	size_t	 i;

	if (md)
		fprintf(fp, "Conversion pipeline `%s`:\n\n| step | anonymous "
		    "| file-backed | disk write |\n|---|---:|---:|---:|\n",
		    cv->pipeline);
	else
		fprintf(fp, "\n  %-10s %12s %12s %12s\n", "step", "anon",
		    "file-backed", "disk write");
	for (i = 0; i < cv->n_steps && i < MP_MAX_STEPS; i++) {
		mp_fmt_size(cv->steps[i].peak_anon, u, b[0], sizeof(b[0]));
		mp_fmt_size(cv->steps[i].peak_file, u, b[1], sizeof(b[1]));
		mp_fmt_size(cv->steps[i].disk_write, u, b[2], sizeof(b[2]));
		if (md)
			fprintf(fp, "| %s | %s | %s | %s |\n",
			    cv->steps[i].name, b[0], b[1], b[2]);
		else
			fprintf(fp, "  %-10s %12s %12s %12s\n",
			    cv->steps[i].name, b[0], b[1], b[2]);
	}
	if (md)
		fputc('\n', fp);
}

/*
 * Tokens per second, as estimated (speed.c): lines under the text report,
 * a table under the markdown one; the same rows in the same order.
 */
void
mp_render_speed(const struct mp_speed *sp, uint64_t seq, bool md, FILE *fp)
{
	size_t	 i;
	char	 tps[32], ttft[32];

	if (!sp->available) {
		fprintf(fp, md ? "**Speed**: not estimated: %s.\n\n" :
		    "\nspeed: not estimated: %s\n", sp->why);
		return;
	}
	fprintf(fp, md ? "**Speed**, estimated (%s):\n\n| test | tokens/s | "
	    "bound |\n|---|---:|---|\n" : "\nspeed, estimated (%s):\n",
	    sp->basis);
	mp_fmt_fixed(sp->prefill_tps, 1, tps, sizeof(tps));
	mp_fmt_fixed(sp->ttft_s, 3, ttft, sizeof(ttft));
	if (sp->has_prefill && md)
		fprintf(fp, "| prompt of %" PRIu64 " tokens (first token after "
		    "%s s) | %s | %s |\n", seq, ttft, tps,
		    mp_bound_name(sp->prefill_bound));
	else if (sp->has_prefill)
		fprintf(fp, "  prompt  %10s tokens/s over %" PRIu64 " tokens "
		    "(%s-bound); first token after %s s\n", tps, seq,
		    mp_bound_name(sp->prefill_bound), ttft);
	else if (!md)
		fprintf(fp, "  prompt  not estimated: %s\n", sp->prefill_why);
	mp_fmt_fixed(sp->decode_tps, 1, tps, sizeof(tps));
	if (md)
		fprintf(fp, "| decode at %" PRIu64 " tokens of context | %s | "
		    "%s |\n", seq, tps, mp_bound_name(sp->decode_bound));
	else
		fprintf(fp, "  decode  %10s tokens/s at %" PRIu64 " tokens of "
		    "context (%s-bound)\n", tps, seq,
		    mp_bound_name(sp->decode_bound));
	for (i = 0; i < sp->n_bench; i++) {
		const char *test = sp->bench[i].test;

		mp_fmt_fixed(sp->bench[i].tokens_per_s, 2, tps, sizeof(tps));
		if (sp->bench[i].tokens_per_s <= 0 && md)
			fprintf(fp, "| `%s` | - | |\n", test);
		else if (sp->bench[i].tokens_per_s <= 0)
			fprintf(fp, "  %-14s %10s      (%s)\n", test, "-",
			    sp->prefill_why);
		else
			fprintf(fp, md ? "| `%s` | %s | %s |\n" :
			    "  %-14s %10s t/s  (llama-bench test, %s-bound)\n",
			    test, tps, mp_bound_name(sp->bench[i].bound));
	}
	if (md && !sp->has_prefill)
		fprintf(fp, "\nPrompt speed not estimated: %s.\n",
		    sp->prefill_why);
	if (md)
		fputc('\n', fp);
}

bool
mp_render_markdown(const struct mp_report *r, const struct mp_render_opts *o,
    FILE *fp)
{
	const struct mp_estimate	*est = r->est;
	const struct mp_model		*m = r->model;
	const struct mp_scenario	*sc = &est->sc;
	const struct mp_note		*note;
	struct mp_comp_row		 row;
	enum mp_units			 u = o->units;
	char				 b[32], b2[32], nt[MP_NOTE_TEXT];
	size_t				 i, k;

	fprintf(fp, "## Memory estimate: %s\n\n", m->name);
	fprintf(fp, "- **Model**: `%s` (%s), %s parameters, %u "
	    "layers, hidden %u, %u query / %u KV heads x %u\n",
	    m->name, m->arch[0] ? m->arch : m->model_type,
	    mp_fmt_count(m->params, b, sizeof(b)),
	    m->layers, m->hidden, m->heads, m->kv_heads, m->head_dim);
	fprintf(fp, "- **Scenario**: %s, %s weights, batch %" PRIu64 " x seq %"
	    PRIu64 ", KV cache %s, runtime %s%s%s\n", mp_mode_name(sc->mode),
	    sc->ftype[0] ? sc->ftype : sc->weights_as_stored ?
	    "as-stored" : mp_dtype_info(sc->weights)->name,
	    sc->batch, sc->seq, mp_dtype_info(sc->kv_dtype)->name,
	    mp_scenario_runtime(sc), sc->runtime == MP_RT_TRANSFORMERS &&
	    sc->mode != MP_MODE_CONVERT && sc->attn != MP_ATTN_DEFAULT ?
	    ", attention " : "", sc->runtime == MP_RT_TRANSFORMERS &&
	    sc->mode != MP_MODE_CONVERT && sc->attn != MP_ATTN_DEFAULT ?
	    mp_attn_hf_name(sc->attn) : "");
	if (est->trainable_params > 0)
		fprintf(fp, "- **Trainable parameters**: %s\n",
		    mp_fmt_count(est->trainable_params, b, sizeof(b)));
	fprintf(fp, "- **Units**: %s\n\n", u == MP_UNITS_SI ?
	    "GB = 10^9 bytes" : "GiB = 2^30 bytes");
	fputs("| component | size | why |\n|---|---:|---|\n", fp);
	for (i = 0; i < MP_N_COMPONENTS; i++) {
		if (!mp_component_row(est, i, &row))
			continue;
		fprintf(fp, "| %s | %s | ", row.name, mp_fmt_size(row.size, u,
		    b, sizeof(b)));
		if (row.note != NULL)
			mp_md_cell(mp_note_text(row.note, u, nt, sizeof(nt)),
			    fp);
		/* Further notes on the same component, in the same cell. */
		while ((note = mp_note_next(est, row.name, &row.k)) != NULL) {
			fputs("; ", fp);
			mp_md_cell(mp_note_text(note, u, nt, sizeof(nt)), fp);
		}
		fputs(" |\n", fp);
	}
	fprintf(fp, "| **total** | **%s** | %s |\n\n",
	    mp_fmt_size(est->mem.total, u, b, sizeof(b)),
	    est->on_host ? "peak host memory" : est->host_total > 0 ?
	    "device and host together (split below)" :
	    "predicted peak device memory");
	if (est->host_total > 0 && !est->on_host)
		fprintf(fp, "Device %s, host %s.\n\n",
		    mp_fmt_size(est->device_total, u, b, sizeof(b)),
		    mp_fmt_size(est->host_total, u, b2, sizeof(b2)));
	if (est->host_reclaimable > 0)
		fprintf(fp, "Of host memory, %s are file pages the kernel can "
		    "reclaim (not judged as resident).\n\n",
		    mp_fmt_size(est->host_reclaimable, u, b, sizeof(b)));
	if (est->command[0] != '\0')
		fprintf(fp, "Command:\n\n```\n%s\n```\n\n", est->command);
	if (est->has_convert)
		mp_render_convert_steps(&est->conv, u, true, fp);
	for (k = 0; (note = mp_note_next(est, NULL, &k)) != NULL; ) {
		fprintf(fp, "> **%s**: ", note->what);
		mp_md_cell(mp_note_text(note, u, nt, sizeof(nt)), fp);
		fputs("\n\n", fp);
	}
	if (r->hw_name != NULL) {
		mp_render_judgement(fp, r->hw_name, &r->j, u, true);
		if (r->n_recos > 0) {
			fputs("| try | predicted | verdict | tokens/s | why |\n"
			    "|---|---:|---|---:|---|\n", fp);
			for (i = 0; i < r->n_recos; i++) {
				fprintf(fp, "| `memplan estimate %s --hardware "
				    "%s%s%s` | %s | %s | ", r->model->name,
				    r->recos[i].hardware[0] ?
				    r->recos[i].hardware : r->hw_name,
				    r->recos[i].mode[0] ? " " : "",
				    r->recos[i].mode,
				    mp_fmt_size(r->recos[i].total, u, b,
				    sizeof(b)),
				    mp_verdict_name(r->recos[i].verdict));
				if (r->recos[i].tokens_per_s > 0)
					fprintf(fp, "%s | ", mp_fmt_fixed(
					    r->recos[i].tokens_per_s,
					    r->recos[i].tokens_per_s < 10 ? 1 :
					    0, b, sizeof(b)));
				else
					fputs("- | ", fp);
				mp_md_cell(r->recos[i].why, fp);
				fputs(" |\n", fp);
			}
			fputc('\n', fp);
		}
	}
	if (r->has_speed)
		mp_render_speed(&r->speed, est->sc.seq, true, fp);
	return !ferror(fp);
}
