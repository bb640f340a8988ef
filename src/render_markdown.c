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

/* Tokens per second as a table (speed.c). */
void
mp_markdown_speed(const struct mp_speed *sp, uint64_t seq, FILE *fp)
{
	size_t i;
	char a[32], b[32];

	if (!sp->available) {
		fprintf(fp, "**Speed**: not estimated: %s.\n\n", sp->why);
		return;
	}
	fprintf(fp, "**Speed**, estimated (%s):\n\n"
	    "| test | tokens/s | bound |\n|---|---:|---|\n", sp->basis);
	if (sp->has_prefill)
		fprintf(fp, "| prompt of %" PRIu64 " tokens (first token after "
		    "%s s) | %s | %s |\n", seq, mp_fmt_fixed(sp->ttft_s, 3,
		    a, sizeof(a)), mp_fmt_fixed(sp->prefill_tps, 1, b,
		    sizeof(b)), mp_bound_name(sp->prefill_bound));
	fprintf(fp, "| decode at %" PRIu64 " tokens of context | %s | %s |\n",
	    seq, mp_fmt_fixed(sp->decode_tps, 1, a, sizeof(a)),
	    mp_bound_name(sp->decode_bound));
	for (i = 0; i < sp->n_bench; i++) {
		if (sp->bench[i].tokens_per_s > 0)
			fprintf(fp, "| `%s` | %s | %s |\n", sp->bench[i].test,
			    mp_fmt_fixed(sp->bench[i].tokens_per_s, 2, a,
			    sizeof(a)),
			    mp_bound_name(sp->bench[i].bound));
		else
			fprintf(fp, "| `%s` | - | |\n", sp->bench[i].test);
	}
	if (!sp->has_prefill)
		fprintf(fp, "\nPrompt speed not estimated: %s.\n",
		    sp->prefill_why);
	fputc('\n', fp);
}

bool
mp_render_markdown(const struct mp_report *r, const struct mp_render_opts *o,
    FILE *fp)
{
	const struct mp_estimate	*est = r->est;
	const struct mp_model		*m = r->model;
	const struct mp_scenario	*sc = &est->sc;
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
	    PRIu64 ", KV cache %s, runtime %s\n", mp_mode_name(sc->mode),
	    sc->ftype[0] ? sc->ftype : sc->weights_as_stored ?
	    "as-stored" : mp_dtype_info(sc->weights)->name,
	    sc->batch, sc->seq, mp_dtype_info(sc->kv_dtype)->name,
	    mp_scenario_runtime(sc));
	if (est->trainable_params > 0)
		fprintf(fp, "- **Trainable parameters**: %s\n",
		    mp_fmt_count(est->trainable_params, b, sizeof(b)));
	fprintf(fp, "- **Units**: %s\n\n", u == MP_UNITS_SI ?
	    "GB = 10^9 bytes" : "GiB = 2^30 bytes");
	fputs("| component | size | why |\n|---|---:|---|\n", fp);
	for (i = 0; i < MP_N_COMPONENTS; i++) {
		uint64_t		 v = mp_component_value(&est->mem, i);
		const struct mp_note	*note = mp_component_note(est,
		    mp_component_name(i));

		if (v == 0 && note == NULL)
			continue;
		fprintf(fp, "| %s | %s | ", mp_component_name(i),
		    mp_fmt_size(v, u, b, sizeof(b)));
		mp_md_cell(note ? mp_note_text(note, u, nt, sizeof(nt)) : "",
		    fp);
		for (k = 0; k < est->n_notes; k++)
			if (&est->notes[k] != note &&
			    strcmp(est->notes[k].what,
			    mp_component_name(i)) == 0) {
				fputs("; ", fp);
				mp_md_cell(mp_note_text(&est->notes[k], u, nt,
				    sizeof(nt)), fp);
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
	for (i = 0; i < est->n_notes; i++) {
		const char *w = est->notes[i].what;

		if (!mp_component_known(w)) {
			fprintf(fp, "> **%s**: ", w);
			mp_md_cell(mp_note_text(&est->notes[i], u, nt, sizeof(nt)),
			    fp);
			fputs("\n\n", fp);
		}
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
		mp_markdown_speed(&r->speed, est->sc.seq, fp);
	return !ferror(fp);
}
