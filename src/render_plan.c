/* render_plan.c: plan, fit, check and sweep reports as text, markdown, JSON */
/* SPDX-License-Identifier: MIT */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* The last component of a path: reports do not depend on the cwd. */
const char *
mp_basename(const char *path)
{
	const char *s = strrchr(path, '/');

	return s != NULL ? s + 1 : path;
}

/*
 * Tables are data: a header row and cells, printed aligned for a
 * terminal or as a GitHub markdown table by the same code.
 */
#define TAB_MAXCOL	12
#define TAB_CELL	112

struct tab {
	size_t		 ncol, nrow, cap;
	const char	*head[TAB_MAXCOL];
	char		 names[TAB_MAXCOL][32];
	char		 align[TAB_MAXCOL];	/* 'l' or 'r' */
	char		(*cell)[TAB_MAXCOL][TAB_CELL];
	bool		 oom;
};

static void
tab_init(struct tab *t, const char *spec)
{
	/* spec: "l:goal|r:seq|..." header names with their alignment. */
	const char	*p = spec;
	size_t		 n;

	memset(t, 0, sizeof(*t));
	while (*p != '\0' && t->ncol < TAB_MAXCOL) {
		t->align[t->ncol] = *p;
		p += 2;
		n = strcspn(p, "|");
		snprintf(t->names[t->ncol], sizeof(t->names[0]), "%.*s",
		    (int)n, p);
		t->head[t->ncol] = t->names[t->ncol];
		t->ncol++;
		p += n;
		if (*p == '|')
			p++;
	}
}

static char *
tab_cell(struct tab *t, size_t col)
{
	return t->cell[t->nrow - 1][col];
}

static bool
tab_row(struct tab *t)
{
	void	*n;
	size_t	 cap;

	if (t->oom)
		return false;
	if (t->nrow == t->cap) {
		cap = t->cap ? t->cap * 2 : 16;
		if ((n = realloc(t->cell, cap * sizeof(*t->cell))) == NULL) {
			t->oom = true;
			return false;
		}
		t->cell = n;
		t->cap = cap;
	}
	memset(t->cell[t->nrow], 0, sizeof(t->cell[0]));
	t->nrow++;
	return true;
}

static void	tab_set(struct tab *, size_t, const char *, ...)
		    __attribute__((format(printf, 3, 4)));

static void
tab_set(struct tab *t, size_t col, const char *fmt, ...)
{
	va_list ap;

	if (t->nrow == 0 || col >= t->ncol)
		return;
	va_start(ap, fmt);
	vsnprintf(tab_cell(t, col), TAB_CELL, fmt, ap);
	va_end(ap);
}

/* Display width: UTF-8 continuation bytes take no column. */
static size_t
width(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

static void
pad(FILE *fp, size_t n)
{
	while (n-- > 0)
		fputc(' ', fp);
}

static void
tab_print_text(const struct tab *t, FILE *fp)
{
	size_t	 w[TAB_MAXCOL], r, c, l, end;
	char	 line[TAB_MAXCOL * (TAB_CELL + 2) * 2 + 4];

	for (c = 0; c < t->ncol; c++) {
		w[c] = width(t->head[c]);
		for (r = 0; r < t->nrow; r++)
			if ((l = width(t->cell[r][c])) > w[c])
				w[c] = l;
	}
	for (r = 0; r <= t->nrow; r++) {
		FILE *ls = fmemopen(line, sizeof(line), "w");

		if (ls == NULL)
			return;
		fputs("  ", ls);
		for (c = 0; c < t->ncol; c++) {
			const char *s = r == 0 ? t->head[c] :
			    t->cell[r - 1][c];

			l = width(s);
			if (t->align[c] == 'r')
				pad(ls, w[c] - l);
			fputs(s, ls);
			if (t->align[c] != 'r')
				pad(ls, w[c] - l);
			fputs("  ", ls);
		}
		fputc('\0', ls);
		fclose(ls);
		line[sizeof(line) - 1] = '\0';
		/* No trailing blanks: empty last columns leave none. */
		end = strlen(line);
		while (end > 0 && line[end - 1] == ' ')
			end--;
		line[end] = '\0';
		fprintf(fp, "%s\n", line);
	}
}


static void
tab_print_md(const struct tab *t, FILE *fp)
{
	size_t r, c;

	fputc('|', fp);
	for (c = 0; c < t->ncol; c++) {
		fputc(' ', fp);
		mp_md_cell(t->head[c], fp);
		fputs(" |", fp);
	}
	fputs("\n|", fp);
	for (c = 0; c < t->ncol; c++)
		fputs(t->align[c] == 'r' ? " ---: |" : " --- |", fp);
	fputc('\n', fp);
	for (r = 0; r < t->nrow; r++) {
		fputc('|', fp);
		for (c = 0; c < t->ncol; c++) {
			fputc(' ', fp);
			mp_md_cell(t->cell[r][c], fp);
			fputs(" |", fp);
		}
		fputc('\n', fp);
	}
}

static void
tab_fini(struct tab *t)
{
	free(t->cell);
	t->cell = NULL;
}

/* Prints the table as text or markdown and frees it; false when a row
 * could not be stored. */
static bool
tab_emit(struct tab *t, bool md, FILE *fp)
{
	bool	 ok = !t->oom;

	if (md)
		tab_print_md(t, fp);
	else
		tab_print_text(t, fp);
	tab_fini(t);
	return ok;
}

static const char *
units_line(enum mp_units u)
{
	return u == MP_UNITS_SI ? "GB = 10^9 bytes (--units si)" :
	    "GiB = 2^30 bytes (--units iec)";
}

/* "64.00 GiB RAM, no swap; NVIDIA GeForce RTX 4090 x2: 23.50 GiB usable each" */
static void
hw_line(const struct mp_hardware *hw, enum mp_units u, char *buf, size_t len)
{
	const struct mp_device	*d = mp_hardware_primary(hw);
	char			 a[32], b[32], c[32];

	if (d == NULL) {
		snprintf(buf, len, "%s RAM, %s swap; no accelerator: models "
		    "run in host memory", mp_fmt_size(hw->ram, u, a,
		    sizeof(a)), mp_fmt_size(hw->swap, u, b, sizeof(b)));
		return;
	}
	snprintf(buf, len, "%s RAM, %s swap", mp_fmt_size(hw->ram, u, a,
	    sizeof(a)), mp_fmt_size(hw->swap, u, b, sizeof(b)));
	/* Every entry the model can spread over: a mixed machine's cards
	 * each with their own usable memory. */
	{
		const struct mp_device	*g[MP_MAX_GPUS];
		size_t			 n, i;

		n = mp_hardware_gpus(hw, g, MP_MAX_GPUS);
		if (n > MP_MAX_GPUS)
			n = MP_MAX_GPUS;
		for (i = 0; i < n; i += g[i]->count) {
			d = g[i];
			snprintf(buf + strlen(buf), len - strlen(buf), "%s%s",
			    i == 0 ? "; " : " + ", d->name);
			if (d->count > 1)
				snprintf(buf + strlen(buf), len - strlen(buf),
				    " x%u", d->count);
			snprintf(buf + strlen(buf), len - strlen(buf),
			    "%s: %s usable%s", d->unified ?
			    " (unified memory)" : "",
			    mp_fmt_size(mp_device_usable(d, hw), u, c,
			    sizeof(c)), d->count > 1 ? " each" : "");
			if (d->count == 0)
				break;
		}
	}
}

/* ---- plan ---- */

static void	plan_limit_note(const struct mp_planres *, enum mp_units,
		    bool, FILE *);

/* GPUs of different memory judged (a mixed machine). */
static bool
mixed(const struct mp_judgement *j)
{
	size_t i;

	for (i = 1; i < j->n_dev; i++)
		if (j->dev[i].capacity != j->dev[0].capacity)
			return true;
	return false;
}

static void
plan_table(const struct mp_planres *p, enum mp_units u, struct tab *t)
{
	const struct mp_option	*o;
	size_t			 i;
	unsigned		 g;
	char			 b[32];

	tab_init(t, "l:goal|l:option|r:seq|r:device|r:host|r:predicted|"
	    "r:capacity|l:verdict|r:headroom|r:tok/s|r:max seq|l:note");
	/* Grouped by goal, in the order the planner tried them. */
	for (g = 0; g < MP_GOALS; g++)
		for (i = 0; i < p->n_opt; i++) {
			o = &p->opt[i];
			if (o->goal != g || !tab_row(t))
				continue;
			tab_set(t, 0, "%s", mp_goal_name(o->goal));
			tab_set(t, 1, "%s", o->label);
			if (o->goal == MP_GOAL_CONVERT)
				tab_set(t, 2, "-");
			else
				tab_set(t, 2, "%" PRIu64, o->est.sc.seq);
			/* per GPU where several equal ones share the work;
			 * the sum over a mixed machine's unequal cards */
			if (o->j.gpus > 1 && o->j.where == MP_JUDGE_DEVICE &&
			    mixed(&o->j))
				tab_set(t, 3, "%s on %" PRIu64, mp_fmt_size(
				    o->est.device_total, u, b, sizeof(b)),
				    o->j.gpus);
			else if (o->j.gpus > 1 && o->j.where == MP_JUDGE_DEVICE)
				tab_set(t, 3, "%s x%" PRIu64, mp_fmt_size(
				    o->j.judged, u, b, sizeof(b)), o->j.gpus);
			else
				tab_set(t, 3, "%s", mp_fmt_size(
				    o->est.device_total, u, b, sizeof(b)));
			/* Resident host memory: mmap'd file pages that the
			 * kernel can drop are not counted here. */
			tab_set(t, 4, "%s", mp_fmt_size(o->est.host_total -
			    o->est.host_reclaimable, u, b, sizeof(b)));
			/* What was compared with capacity, and where. */
			tab_set(t, 5, "%s %s", o->j.where == MP_JUDGE_HOST ?
			    "host" : "device", mp_fmt_size(o->j.judged, u, b,
			    sizeof(b)));
			tab_set(t, 6, "%s", mp_fmt_size(o->j.capacity, u, b,
			    sizeof(b)));
			tab_set(t, 7, "%s", mp_verdict_name(o->verdict));
			tab_set(t, 8, "%s", mp_fmt_ssize(o->j.headroom, u, b,
			    sizeof(b)));
			/* Serve rows: decode speed and the largest context;
			 * finetune rows: training tokens/s. */
			if (o->has_speed && o->goal == MP_GOAL_FINETUNE)
				tab_set(t, 9, "%s", mp_fmt_fixed(o->train_tps,
				    o->train_tps < 100 ? 1 : 0, b, sizeof(b)));
			else if (o->has_speed)
				tab_set(t, 9, "%s", mp_fmt_fixed(
				    o->speed.decode_tps, 1, b, sizeof(b)));
			else
				tab_set(t, 9, "-");
			if (o->goal == MP_GOAL_SERVE && o->max_seq > 0)
				tab_set(t, 10, "%" PRIu64, o->max_seq);
			else
				tab_set(t, 10, "-");
			/* Conversions can page out: say how much swap. */
			if (o->verdict == MP_VERDICT_UNSUPPORTED)
				/* why it cannot run, not what it would need */
				tab_set(t, 11, "%s", o->j.reason);
			else if (o->j.swap_needed > 0)
				tab_set(t, 11, "needs %s of swap",
				    mp_fmt_size(o->j.swap_needed, u, b,
				    sizeof(b)));
			/* the host decides only where the devices fit */
			else if (o->j.host_short && (o->j.where ==
			    MP_JUDGE_HOST || o->j.dev[o->j.fullest].fits))
				tab_set(t, 11, "host RAM too small");
			else if (o->j.disk.judged && !o->j.disk.fits)
				tab_set(t, 11, "NVMe too small");
			if (o->alt[0] != '\0') {
				char *c = tab_cell(t, 11);
				size_t l = strlen(c);

				snprintf(c + l, TAB_CELL - l, "%s%s fits it",
				    l ? "; " : "", o->alt);
			}
		}
}

static void
plan_head(const struct mp_planres *p, enum mp_units u, bool md, FILE *fp)
{
	const struct mp_model	 *m = p->model;
	/* Every option keeps the user's margin (--headroom). */
	const struct mp_scenario *sc = p->n_opt > 0 ? &p->opt[0].est.sc :
	    NULL;
	char			  line[400], n[40], margin[40];

	hw_line(p->hw, u, line, sizeof(line));
	mp_fmt_count(m->params, n, sizeof(n));
	if (sc != NULL && sc->headroom_set && sc->headroom_pct == 0)
		mp_fmt_size(sc->headroom, u, margin, sizeof(margin));
	else
		snprintf(margin, sizeof(margin), md ? "%u %%" : "%u%%",
		    sc != NULL && sc->headroom_set ? sc->headroom_pct :
		    MP_TIGHT_PERCENT);
	if (md) {
		fprintf(fp, "## memplan plan: %s on %s\n\n", m->name,
		    p->hw->name);
		fprintf(fp, "- model: `%s` (%s), %s parameters, %u layers\n",
		    m->name, m->arch[0] ? m->arch : m->model_type, n,
		    m->layers);
		fprintf(fp, "- machine: `%s`: %s\n", p->hw->name, line);
		fprintf(fp, "- sizes in %s; *tight* means less than %s "
		    "headroom\n\n", units_line(u), margin);
		return;
	}
	fprintf(fp, "%s (%s): %s parameters, %u layers\n", m->name,
	    m->arch[0] ? m->arch : m->model_type, n, m->layers);
	fprintf(fp, "on %s: %s\n", p->hw->name, line);
	fprintf(fp, "sizes in %s; tight = less than %s headroom\n\n",
	    units_line(u), margin);
}

/* The command that runs each option, in the table's order. */
static void
plan_commands(const struct mp_planres *p, bool md, FILE *fp)
{
	size_t		 i;
	unsigned	 g;

	fputs(md ? "\n<details><summary>Commands</summary>\n\n" :
	    "\ncommands:\n", fp);
	for (g = 0; g < MP_GOALS; g++)
		for (i = 0; i < p->n_opt; i++) {
			const struct mp_option *o = &p->opt[i];

			if (o->goal != g || o->est.command[0] == '\0')
				continue;
			if (md)
				fprintf(fp, "- %s: `%s`\n", o->label,
				    o->est.command);
			else
				fprintf(fp, "  %s\n    $ %s\n", o->label,
				    o->est.command);
		}
	if (md)
		fputs("\n</details>\n", fp);
}

/* The smaller model beside a goal's compromise, with its command. */
static void
plan_smaller(const struct mp_planres *p, enum mp_goal g, enum mp_units u,
    bool md, FILE *fp)
{
	const struct mp_smaller	*sm = &p->smaller[g];
	char			 why[MP_REASON_TEXT];

	if (!sm->beside || sm->name[0] == '\0')
		return;
	mp_reason_text(&sm->why, u, why, sizeof(why));
	if (md)
		fprintf(fp, "- **%s, smaller model**: %s\n", mp_goal_name(g),
		    why);
	else
		fprintf(fp, "  %-9s smaller model: %s\n", mp_goal_name(g),
		    why);
	if (sm->command[0] != '\0')
		fprintf(fp, md ? "  `%s`\n" : "  %-9s $ %s\n",
		    md ? sm->command : "", md ? "" : sm->command);
}

static void
plan_recs(const struct mp_planres *p, enum mp_units u, bool md, FILE *fp)
{
	char		 why[MP_REASON_TEXT];
	size_t		 i;
	unsigned	 g;
	bool		 done[MP_GOALS] = { false, false, false };

	fprintf(fp, md ? "\n### Recommended\n\n" : "\nrecommended:\n");
	for (i = 0; i < p->n_rec; i++) {
		const struct mp_rec *r = &p->rec[i];
		bool first = !done[r->goal];

		done[r->goal] = true;
		mp_reason_text(&r->why, u, why, sizeof(why));
		if (md)
			fprintf(fp, "- **%s**: %s: %s\n", mp_goal_name(r->goal),
			    p->opt[r->opt].label, why);
		else
			fprintf(fp, "  %-9s %s: %s\n", mp_goal_name(r->goal),
			    p->opt[r->opt].label, why);
		if (p->opt[r->opt].est.command[0] != '\0')
			fprintf(fp, md ? "  `%s`\n" : "  %-9s $ %s\n",
			    md ? p->opt[r->opt].est.command : "",
			    md ? "" : p->opt[r->opt].est.command);
		if (first)
			plan_smaller(p, r->goal, u, md, fp);
	}
	for (g = 0; g < MP_GOALS; g++) {
		if (done[g] || p->none[g].text[0] == '\0')
			continue;
		mp_reason_text(&p->none[g], u, why, sizeof(why));
		if (md)
			fprintf(fp, "- **%s**: %s\n", mp_goal_name(g), why);
		else
			fprintf(fp, "  %-9s %s\n", mp_goal_name(g), why);
	}
	if (p->skipped > 0)
		fprintf(fp, md ? "\n_Not estimated (not available for this "
		    "model or not implemented yet): %s._\n" :
		    "\nnot estimated (not available for this model or not "
		    "implemented yet): %s\n", p->skipped_what);
}

static bool
render_plan(const struct mp_planres *p, enum mp_units u, bool md, FILE *fp)
{
	struct tab	 t;
	bool		 ok;

	plan_head(p, u, md, fp);
	plan_table(p, u, &t);
	ok = tab_emit(&t, md, fp);
	plan_limit_note(p, u, md, fp);
	plan_commands(p, md, fp);
	plan_recs(p, u, md, fp);
	return ok && !ferror(fp);
}

bool
mp_render_plan_text(const struct mp_planres *p,
    const struct mp_render_opts *o, FILE *fp)
{
	return render_plan(p, o->units, false, fp);
}

bool
mp_render_plan_markdown(const struct mp_planres *p,
    const struct mp_render_opts *o, FILE *fp)
{
	return render_plan(p, o->units, true, fp);
}

void
mp_jsonw_hardware(struct mp_jsonw *w, const struct mp_hardware *hw)
{
	size_t i;

	mp_jsonw_obj(w, "hardware");
	mp_jsonw_str(w, "name", hw->name);
	mp_jsonw_str(w, "description", hw->description);
	mp_jsonw_u64(w, "ram", hw->ram);
	mp_jsonw_u64(w, "swap", hw->swap);
	mp_jsonw_u64(w, "os_reserve", hw->os_reserve);
	mp_jsonw_str(w, "cpu_isa", mp_isa_name(hw->cpu_isa));
	mp_jsonw_u64(w, "nodes", hw->nodes ? hw->nodes : 1);
	if (hw->disk != 0)
		mp_jsonw_u64(w, "disk", hw->disk);
	else
		mp_jsonw_null(w, "disk");
	mp_jsonw_arr(w, "devices");
	for (i = 0; i < hw->n_dev; i++) {
		const struct mp_device *d = &hw->dev[i];

		mp_jsonw_obj(w, NULL);
		mp_jsonw_str(w, "name", d->name);
		mp_jsonw_str(w, "type", d->type);
		mp_jsonw_u64(w, "memory", d->memory);
		mp_jsonw_u64(w, "total", d->total != 0 ? d->total : d->memory);
		mp_jsonw_u64(w, "reserved", d->reserved);
		mp_jsonw_u64(w, "usable", mp_device_usable(d, hw));
		mp_jsonw_u64(w, "count", d->count);
		mp_jsonw_u64(w, "bandwidth", d->bandwidth);
		mp_jsonw_bool(w, "unified", d->unified);
		mp_jsonw_str(w, "backend", mp_backend_name(d->backend));
		if (d->cc != 0) {
			char cc[16];

			snprintf(cc, sizeof(cc), "%u.%u", d->cc / 10,
			    d->cc % 10);
			mp_jsonw_str(w, "compute_capability", cc);
			if (d->sms != 0)
				mp_jsonw_u64(w, "multiprocessors", d->sms);
		} else
			mp_jsonw_null(w, "compute_capability");
		mp_jsonw_bool(w, "bf16", d->bf16);
		mp_jsonw_bool(w, "fp8", d->fp8);
		mp_jsonw_bool(w, "int8_tensor_cores", d->int8_tc);
		mp_jsonw_bool(w, "flash_attention", d->flash_attn);
		mp_jsonw_end(w, '}');
	}
	mp_jsonw_end(w, ']');
	mp_jsonw_end(w, '}');
}

bool
mp_render_plan_json(const struct mp_planres *p,
    const struct mp_render_opts *o, FILE *fp)
{
	struct mp_jsonw	 w;
	size_t		 i;

	mp_jsonw_doc(&w, fp, o != NULL ? o->units : MP_UNITS_IEC);
	mp_jsonw_model(&w, p->model);
	mp_jsonw_hardware(&w, p->hw);
	mp_jsonw_arr(&w, "options");
	for (i = 0; i < p->n_opt; i++) {
		const struct mp_option *op = &p->opt[i];

		mp_jsonw_obj(&w, NULL);
		mp_jsonw_str(&w, "goal", mp_goal_name(op->goal));
		mp_jsonw_str(&w, "label", op->label);
		/* The estimate's body, as estimate and fit write it. */
		mp_jsonw_estimate(&w, &op->est);
		mp_jsonw_str(&w, "judged", op->j.where == MP_JUDGE_HOST ?
		    "host" : "device");
		mp_jsonw_u64(&w, "predicted", op->j.judged);
		mp_jsonw_u64(&w, "capacity", op->j.capacity);
		mp_jsonw_bool(&w, "fits", op->j.fits);
		mp_jsonw_i64(&w, "headroom", op->j.headroom);
		mp_jsonw_str(&w, "verdict", mp_verdict_name(op->verdict));
		if (op->goal == MP_GOAL_SERVE) {
			if (op->has_speed)
				mp_jsonw_speed(&w, "speed", &op->speed);
			if (op->max_seq > 0)
				mp_jsonw_u64(&w, "max_seq", op->max_seq);
			else
				mp_jsonw_null(&w, "max_seq");
		}
		if (op->goal == MP_GOAL_FINETUNE && op->has_speed) {
			mp_jsonw_obj(&w, "training");
			mp_jsonw_f64(&w, "tokens_per_s", op->train_tps, 1);
			mp_jsonw_str(&w, "basis", op->train_basis);
			mp_jsonw_end(&w, '}');
		}
		if (op->j.swap_needed > 0)
			mp_jsonw_u64(&w, "swap_needed", op->j.swap_needed);
		mp_jsonw_judgement(&w, "placement", NULL, &op->j);
		if (op->alt[0] != '\0') {
			mp_jsonw_obj(&w, "smaller_model");
			mp_jsonw_str(&w, "name", op->alt);
			mp_jsonw_u64(&w, "params", op->alt_params);
			mp_jsonw_u64(&w, "predicted", op->alt_judged);
			mp_jsonw_end(&w, '}');
		}
		mp_jsonw_str(&w, "why", op->why);
		mp_jsonw_end(&w, '}');
	}
	mp_jsonw_end(&w, ']');
	mp_jsonw_arr(&w, "recommendations");
	for (i = 0; i < p->n_rec; i++) {
		const struct mp_rec *r = &p->rec[i];

		mp_jsonw_obj(&w, NULL);
		mp_jsonw_str(&w, "goal", mp_goal_name(r->goal));
		mp_jsonw_str(&w, "label", p->opt[r->opt].label);
		mp_jsonw_scenario(&w, "scenario", &p->opt[r->opt].est);
		mp_jsonw_reason(&w, "why", &r->why);
		if (r->has_runner)
			mp_jsonw_str(&w, "runner_up", p->opt[r->runner].label);
		mp_jsonw_str(&w, "command", p->opt[r->opt].est.command);
		mp_jsonw_end(&w, '}');
	}
	mp_jsonw_end(&w, ']');
	/* The smaller model plan names for a goal, and what it runs. */
	mp_jsonw_arr(&w, "alternatives");
	for (i = 0; i < MP_GOALS; i++) {
		const struct mp_smaller *sm = &p->smaller[i];

		if (sm->name[0] == '\0')
			continue;
		mp_jsonw_obj(&w, NULL);
		mp_jsonw_str(&w, "goal", mp_goal_name((enum mp_goal)i));
		mp_jsonw_str(&w, "model", sm->name);
		mp_jsonw_u64(&w, "params", sm->params);
		mp_jsonw_str(&w, "label", sm->label);
		mp_jsonw_u64(&w, "predicted", sm->judged);
		mp_jsonw_u64(&w, "capacity", sm->capacity);
		if (sm->tps > 0)
			mp_jsonw_f64(&w, "tokens_per_s", sm->tps, 1);
		mp_jsonw_bool(&w, "beside_recommendation", sm->beside);
		mp_jsonw_str(&w, "command", sm->command);
		mp_jsonw_end(&w, '}');
	}
	mp_jsonw_end(&w, ']');
	mp_jsonw_end(&w, '}');
	return !ferror(fp);
}

/* ---- fit ---- */

static void
fit_lines(const struct mp_fitres *f, const char *hw, enum mp_units u,
    bool md, FILE *fp)
{
	char	 a[32], b[32], v[32], n[32], why[MP_REASON_TEXT];

	if (f->field == MP_SOLVE_WEIGHTS) {
		snprintf(v, sizeof(v), "%s", f->value_name);
		snprintf(n, sizeof(n), "%s", f->next_name);
	} else {
		snprintf(v, sizeof(v), "%" PRIu64, f->value);
		snprintf(n, sizeof(n), "%" PRIu64, f->next);
	}
	fputs(md ? "\n### Solution\n\n" : "\n", fp);
	if (!f->found && f->field == MP_SOLVE_LAYERS && f->j.host_short) {
		fprintf(fp, "%sno number of GPU layers fits on %s: with the "
		    "most the GPU holds (%" PRIu64 "), the rest needs %s of "
		    "host RAM, which has %s\n", md ? "- " : "", hw, f->value,
		    mp_fmt_size(f->j.host.predicted, u, a, sizeof(a)),
		    mp_fmt_size(f->j.host.capacity, u, b, sizeof(b)));
		return;
	}
	if (!f->found) {
		if (f->field == MP_SOLVE_WEIGHTS)
			fprintf(fp, "%sno weight format fits on %s: even %s, "
			    "the smallest tried, needs %s of %s\n",
			    md ? "- " : "", hw, n, mp_fmt_size(f->next_total,
			    u, a, sizeof(a)), mp_fmt_size(f->j.capacity, u, b,
			    sizeof(b)));
		else
			fprintf(fp, "%sno %s fits on %s: even %s needs %s of "
			    "%s\n", md ? "- " : "", f->field ==
			    MP_SOLVE_LAYERS ? "number of GPU layers" :
			    f->field == MP_SOLVE_NCPUMOE ?
			    "--n-cpu-moe (all experts on the CPU)" :
			    mp_solve_name(f->field), hw, n,
			    mp_fmt_size(f->next_total, u, a, sizeof(a)),
			    mp_fmt_size(f->j.capacity, u, b, sizeof(b)));
		return;
	}
	{
		char h[32], m[32];

		if (f->field == MP_SOLVE_WEIGHTS)
			fprintf(fp, "%smost precise weights that fit on %s: "
			    "%s", md ? "- " : "", hw, v);
		else if (f->field == MP_SOLVE_LAYERS)
			fprintf(fp, "%smost GPU layers that fit on %s: %s",
			    md ? "- " : "", hw, v);
		else if (f->field == MP_SOLVE_NCPUMOE)
			fprintf(fp, "%sfewest layers with their experts on the "
			    "CPU that fit on %s: --n-cpu-moe %s",
			    md ? "- " : "", hw, v);
		else
			fprintf(fp, "%slargest %s that fits on %s: %s",
			    md ? "- " : "", mp_solve_name(f->field), hw, v);
		if (f->fit_target != 0)
			fprintf(fp, " (%s of %s, %s headroom; judged as --fit "
			    "does: %s left free per GPU)\n",
			    mp_fmt_size(f->j.judged, u, a, sizeof(a)),
			    mp_fmt_size(f->j.capacity, u, b, sizeof(b)),
			    mp_fmt_ssize(f->j.headroom, u, h, sizeof(h)),
			    mp_fmt_size(f->fit_target, u, m, sizeof(m)));
		else
			fprintf(fp, " (%s of %s, %s headroom; margin %s)\n",
			    mp_fmt_size(f->j.judged, u, a, sizeof(a)),
			    mp_fmt_size(f->j.capacity, u, b, sizeof(b)),
			    mp_fmt_ssize(f->j.headroom, u, h, sizeof(h)),
			    mp_fmt_size(f->j.margin, u, m, sizeof(m)));
	}
	mp_reason_text(&f->limit_why, u, why, sizeof(why));
	if (f->field == MP_SOLVE_SEQ && f->limit_scaled && f->has_next)
		fprintf(fp, "%sseq tried up to %llu, %s\n", md ? "- " : "",
		    (unsigned long long)f->seq_limit, why);
	if (f->has_next && f->next_total <= f->j.capacity)
		fprintf(fp, "%snext step %s, %s %s, needs %s: within %s but "
		    "%s\n", md ? "- " : "",
		    f->field == MP_SOLVE_NCPUMOE ? "down" : "up",
		    f->field == MP_SOLVE_WEIGHTS ? "weights" :
		    mp_solve_name(f->field), n,
		    mp_fmt_size(f->next_total, u, b, sizeof(b)),
		    mp_fmt_size(f->j.capacity, u, a, sizeof(a)),
		    f->fit_target != 0 ? "short of --fit's target on a GPU" :
		    "below the margin (tight)");
	else if (f->has_next)
		fprintf(fp, "%snext step %s, %s %s, needs %s: %s over, does "
		    "not fit\n", md ? "- " : "", f->field == MP_SOLVE_NCPUMOE ?
		    "down" : "up", f->field == MP_SOLVE_WEIGHTS ?
		    "weights" : mp_solve_name(f->field), n,
		    mp_fmt_size(f->next_total, u, b, sizeof(b)),
		    mp_fmt_size(f->next_total > f->j.capacity ? f->next_total -
		    f->j.capacity : 0, u, a, sizeof(a)));
	else
		fprintf(fp, "%s%s is the %s value there is (%s): "
		    "nothing %s it to try\n", md ? "- " : "", v,
		    f->field == MP_SOLVE_NCPUMOE ? "smallest" : "largest",
		    f->field == MP_SOLVE_SEQ ? why :
		    f->field == MP_SOLVE_LAYERS ? "every layer" :
		    f->field == MP_SOLVE_NCPUMOE ? "every expert on the GPU" :
		    f->field == MP_SOLVE_WEIGHTS ? "the most precise format" :
		    "the batch limit", f->field == MP_SOLVE_NCPUMOE ? "below" :
		    "above");
}

static bool
render_fit(const struct mp_report *r, const struct mp_fitres *f,
    const struct mp_render_opts *o, bool md, FILE *fp)
{
	if (!(md ? mp_render_markdown(r, o, fp) : mp_render_text(r, o, fp)))
		return false;
	fit_lines(f, r->hw_name ? r->hw_name : "-", o->units, md, fp);
	return !ferror(fp);
}

bool
mp_render_fit_text(const struct mp_report *r, const struct mp_fitres *f,
    const struct mp_render_opts *o, FILE *fp)
{
	return render_fit(r, f, o, false, fp);
}

bool
mp_render_fit_markdown(const struct mp_report *r, const struct mp_fitres *f,
    const struct mp_render_opts *o, FILE *fp)
{
	return render_fit(r, f, o, true, fp);
}

/* ---- the context-limit note (estimate.c) that estimate prints ---- */

/* An estimate's note that its --seq is past what the model handles. */
static const struct mp_note *
limit_note(const struct mp_estimate *e)
{
	size_t i;

	if (e == NULL)
		return NULL;
	for (i = 0; i < e->n_notes; i++)
		if (strcmp(e->notes[i].what, "context") == 0 &&
		    strncmp(e->notes[i].text, "--seq ", 6) == 0)
			return &e->notes[i];
	return NULL;
}

/* plan: once, from the first option past the limit (they share --seq
 * unless an option shortens it). */
static void
plan_limit_note(const struct mp_planres *p, enum mp_units u, bool md,
    FILE *fp)
{
	const struct mp_note	*n;
	char			 nt[MP_NOTE_TEXT];
	size_t			 i;

	for (i = 0; i < p->n_opt; i++)
		if ((n = limit_note(&p->opt[i].est)) != NULL) {
			fprintf(fp, "%snote: context: %s\n", md ? "\n" : "",
			    mp_note_text(n, u, nt, sizeof(nt)));
			return;
		}
}

/* check: one line for each check past the limit. */
static void
check_limit_notes(const struct mp_check_report *c, enum mp_units u,
    bool md, FILE *fp)
{
	const struct mp_note	*n;
	char			 nt[MP_NOTE_TEXT];
	size_t			 i;

	bool			 first = true;

	for (i = 0; i < c->n; i++)
		if ((n = limit_note(c->res[i].est)) != NULL) {
			fprintf(fp, "%s%snote: %s: context: %s\n", md &&
			    first ? "\n" : "", md ? "- " : "  ",
			    c->res[i].check->name, mp_note_text(n, u, nt,
			    sizeof(nt)));
			first = false;
		}
}

/* ---- check ---- */

static void
check_table(const struct mp_check_report *c, enum mp_units u, bool md,
    struct tab *t)
{
	size_t	 i;
	char	 b[32], why[MP_REASON_TEXT];

	tab_init(t, "l:result|l:check|r:predicted|r:budget|r:margin|l:why");
	for (i = 0; i < c->n; i++) {
		const struct mp_check_result *r = &c->res[i];

		if (!tab_row(t))
			return;
		tab_set(t, 0, "%s", r->pass ? (md ? "✅ PASS" : "PASS") :
		    (md ? "❌ FAIL" : "FAIL"));
		tab_set(t, 1, "%s", r->check->name);
		tab_set(t, 2, "%s", mp_fmt_size(r->predicted, u, b,
		    sizeof(b)));
		tab_set(t, 3, "%s", mp_fmt_size(r->budget, u, b, sizeof(b)));
		tab_set(t, 4, "%s", mp_fmt_ssize(r->margin, u, b, sizeof(b)));
		tab_set(t, 5, "%s", mp_reason_text(&r->why, u, why,
		    sizeof(why)));
	}
}

bool
mp_render_check_text(const struct mp_check_report *c,
    const struct mp_render_opts *o, FILE *fp)
{
	struct tab	 t;
	bool		 ok;

	check_table(c, o->units, false, &t);
	ok = tab_emit(&t, false, fp);
	check_limit_notes(c, o->units, false, fp);
	fprintf(fp, "\n%zu check%s: %zu passed, %zu failed (sizes in %s)\n",
	    c->n, c->n == 1 ? "" : "s", c->passed, c->failed,
	    units_line(o->units));
	return ok && !ferror(fp);
}

bool
mp_render_check_markdown(const struct mp_check_report *c,
    const struct mp_render_opts *o, FILE *fp)
{
	struct tab	 t;
	bool		 ok;

	fprintf(fp, "## memplan check: %s\n\n", c->failed == 0 ?
	    "all checks pass" : "memory budget exceeded");
	fprintf(fp, "%zu check%s in `%s`: **%zu passed, %zu failed**. "
	    "Sizes in %s.\n\n", c->n, c->n == 1 ? "" : "s",
	    mp_basename(c->plan->path),
	    c->passed, c->failed, units_line(o->units));
	check_table(c, o->units, true, &t);
	ok = tab_emit(&t, true, fp);
	check_limit_notes(c, o->units, true, fp);
	return ok && !ferror(fp);
}

bool
mp_render_check_json(const struct mp_check_report *c,
    const struct mp_render_opts *o, FILE *fp)
{
	struct mp_jsonw		 w;
	size_t			 i;

	mp_jsonw_doc(&w, fp, o != NULL ? o->units : MP_UNITS_IEC);
	mp_jsonw_arr(&w, "checks");
	for (i = 0; i < c->n; i++) {
		const struct mp_check_result *r = &c->res[i];

		mp_jsonw_obj(&w, NULL);
		mp_jsonw_str(&w, "name", r->check->name);
		mp_jsonw_bool(&w, "pass", r->pass);
		mp_jsonw_u64(&w, "predicted", r->predicted);
		mp_jsonw_u64(&w, "budget", r->budget);
		mp_jsonw_i64(&w, "margin", r->margin);
		mp_jsonw_str(&w, "model", r->model_name);
		if (r->hw_name[0] != '\0')
			mp_jsonw_str(&w, "hardware", r->hw_name);
		else
			mp_jsonw_null(&w, "hardware");
		/* The estimate's body, as estimate writes it. */
		mp_jsonw_estimate(&w, r->est);
		if (r->hw_name[0] != '\0')
			mp_jsonw_judgement(&w, "placement", NULL, &r->j);
		if (!r->pass)
			mp_jsonw_reason(&w, "why", &r->why);
		mp_jsonw_end(&w, '}');
	}
	mp_jsonw_end(&w, ']');
	mp_jsonw_u64(&w, "passed", c->passed);
	mp_jsonw_u64(&w, "failed", c->failed);
	mp_jsonw_end(&w, '}');
	return !ferror(fp);
}

/* ---- sweep ---- */

/* Whether any point has a speed (inference with hardware). */
static bool
sweep_has_speed(const struct mp_sweep *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (s->pt[i].has_speed)
			return true;
	return false;
}

static void
sweep_table(const struct mp_sweep *s, enum mp_units u, struct tab *t)
{
	size_t	 i, k;
	char	 spec[160];
	char	 b[32];

	bool	 speed = sweep_has_speed(s);

	snprintf(spec, sizeof(spec), "r:%s|r:weights|r:kv_cache|"
	    "r:activations|r:total|r:device|r:host%s%s", s->over,
	    s->hw != NULL ? "|l:fits|r:headroom" : "",
	    speed ? "|r:prompt tok/s|r:ttft s|r:decode tok/s" : "");
	tab_init(t, spec);
	for (i = 0; i < s->n; i++) {
		const struct mp_sweep_point *p = &s->pt[i];

		if (!tab_row(t))
			return;
		tab_set(t, 0, "%" PRIu64, p->value);
		if (!p->ok) {
			for (k = 1; k < t->ncol; k++)
				tab_set(t, k, "-");
			continue;
		}
		tab_set(t, 1, "%s", mp_fmt_size(p->est->mem.weights, u, b,
		    sizeof(b)));
		tab_set(t, 2, "%s", mp_fmt_size(p->est->mem.kv_cache, u, b,
		    sizeof(b)));
		tab_set(t, 3, "%s", mp_fmt_size(p->est->mem.activations, u,
		    b, sizeof(b)));
		tab_set(t, 4, "%s", mp_fmt_size(p->est->mem.total, u, b,
		    sizeof(b)));
		tab_set(t, 5, "%s", mp_fmt_size(p->est->device_total, u, b,
		    sizeof(b)));
		tab_set(t, 6, "%s", mp_fmt_size(p->est->host_total, u, b,
		    sizeof(b)));
		if (s->hw != NULL) {
			tab_set(t, 7, "%s", p->fits ? "yes" : "no");
			tab_set(t, 8, "%s", mp_fmt_ssize(p->headroom, u, b,
			    sizeof(b)));
		}
		if (speed && p->has_speed) {
			if (p->speed.has_prefill) {
				tab_set(t, 9, "%s", mp_fmt_fixed(
				    p->speed.prefill_tps, 1, b, sizeof(b)));
				tab_set(t, 10, "%s", mp_fmt_fixed(
				    p->speed.ttft_s, 3, b, sizeof(b)));
			} else {
				tab_set(t, 9, "-");
				tab_set(t, 10, "-");
			}
			tab_set(t, 11, "%s", mp_fmt_fixed(
			    p->speed.decode_tps, 1, b, sizeof(b)));
		} else if (speed)
			for (k = 9; k < 12; k++)
				tab_set(t, k, "-");
	}
}

static void
sweep_head(const struct mp_sweep *s, enum mp_units u, bool md, FILE *fp)
{
	const struct mp_scenario *sc = &s->sc;

	fprintf(fp, "%s%s: %s, %s weights, batch %" PRIu64 ", seq %" PRIu64
	    ", runtime %s%s%s; over %s\n", md ? "## memplan sweep: " : "",
	    s->model->name, mp_mode_name(sc->mode),
	    mp_scenario_weights_name(sc), sc->batch, sc->seq,
	    mp_scenario_runtime(sc), s->hw ? "; on " : "",
	    s->hw ? s->hw->name : "", s->over);
	fprintf(fp, "%ssizes in %s\n\n", md ? "\n" : "", units_line(u));
}

/* Points past the model's context: said once, under the table. */
static void
sweep_context(const struct mp_sweep *s, bool md, FILE *fp)
{
	if (s->ctx_limit == 0)
		return;
	fprintf(fp, "%snote: a context past %" PRIu64 " tokens (%s) is past "
	    "what the model was trained for\n", md ? "\n" : "\n",
	    s->ctx_limit, s->ctx_scaled ? "its rope-scaled length" :
	    "its max_position_embeddings");
}

static bool
render_sweep(const struct mp_sweep *s, enum mp_units u, bool md, FILE *fp)
{
	struct tab	 t;
	bool		 ok;

	sweep_head(s, u, md, fp);
	sweep_table(s, u, &t);
	ok = tab_emit(&t, md, fp);
	sweep_context(s, md, fp);
	return ok && !ferror(fp);
}

bool
mp_render_sweep_text(const struct mp_sweep *s, const struct mp_render_opts *o,
    FILE *fp)
{
	return render_sweep(s, o->units, false, fp);
}

bool
mp_render_sweep_markdown(const struct mp_sweep *s,
    const struct mp_render_opts *o, FILE *fp)
{
	return render_sweep(s, o->units, true, fp);
}

bool
mp_render_sweep_json(const struct mp_sweep *s, const struct mp_render_opts *o,
    FILE *fp)
{
	struct mp_jsonw	 w;
	size_t		 i;

	mp_jsonw_doc(&w, fp, o != NULL ? o->units : MP_UNITS_IEC);
	mp_jsonw_model(&w, s->model);
	if (s->hw != NULL)
		mp_jsonw_hardware(&w, s->hw);
	else
		mp_jsonw_null(&w, "hardware");
	mp_jsonw_str(&w, "over", s->over);
	if (s->ctx_limit != 0)
		mp_jsonw_u64(&w, "context_limit", s->ctx_limit);
	mp_jsonw_arr(&w, "points");
	for (i = 0; i < s->n; i++) {
		const struct mp_sweep_point *p = &s->pt[i];

		if (!p->ok)
			continue;
		mp_jsonw_obj(&w, NULL);
		mp_jsonw_u64(&w, "value", p->value);
		/* The estimate's body, as estimate writes it. */
		mp_jsonw_estimate(&w, p->est);
		if (s->hw != NULL) {
			mp_jsonw_bool(&w, "fits", p->fits);
			mp_jsonw_i64(&w, "headroom", p->headroom);
		} else
			mp_jsonw_null(&w, "fits");
		if (p->has_speed)
			mp_jsonw_speed(&w, "speed", &p->speed);
		mp_jsonw_end(&w, '}');
	}
	mp_jsonw_end(&w, ']');
	mp_jsonw_end(&w, '}');
	return !ferror(fp);
}

/* CSV for spreadsheets and plotting: bytes, one row per point. */
bool
mp_render_sweep_csv(const struct mp_sweep *s, const struct mp_render_opts *o,
    FILE *fp)
{
	size_t i;
	char b[32], b2[32], b3[32];

	(void)o;
	bool speed = sweep_has_speed(s);

	fprintf(fp, "%s,weights,kv_cache,activations,logits,gradients,"
	    "optimizer,adapters,runtime,total,device_total,host_total%s%s\n",
	    s->over, s->hw != NULL ? ",fits,headroom" : "", speed ?
	    ",prefill_tokens_per_s,ttft_s,decode_tokens_per_s" : "");
	for (i = 0; i < s->n; i++) {
		const struct mp_sweep_point *p = &s->pt[i];
		const struct mp_memory *m;

		if (!p->ok)
			continue;
		m = &p->est->mem;
		fprintf(fp, "%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64
		    ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%"
		    PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64, p->value,
		    m->weights, m->kv_cache, m->activations, m->logits,
		    m->gradients, m->optimizer, m->adapters, m->runtime,
		    m->total, p->est->device_total, p->est->host_total);
		if (s->hw != NULL)
			fprintf(fp, ",%s,%" PRId64, p->fits ? "true" : "false",
			    p->headroom);
		if (speed && p->has_speed && p->speed.has_prefill)
			fprintf(fp, ",%s,%s,%s", mp_fmt_fixed(
			    p->speed.prefill_tps, 1, b, sizeof(b)),
			    mp_fmt_fixed(p->speed.ttft_s, 3, b2, sizeof(b2)),
			    mp_fmt_fixed(p->speed.decode_tps, 1, b3,
			    sizeof(b3)));
		else if (speed && p->has_speed)
			fprintf(fp, ",,,%s", mp_fmt_fixed(p->speed.decode_tps,
			    1, b, sizeof(b)));
		else if (speed)
			fputs(",,,", fp);
		fputc('\n', fp);
	}
	return !ferror(fp);
}
