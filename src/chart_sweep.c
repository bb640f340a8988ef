/* chart_sweep.c: a sweep's curve for charts, and the context-length sweep */
/* SPDX-License-Identifier: MIT */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/*
 * A sweep point keeps its headroom (capacity - judged) but not what was
 * judged, so the capacity is found once, by judging the sweep's resolved
 * scenario, and each point's judged memory is capacity - headroom: the
 * device memory on an accelerator, host memory on the CPU, exactly as
 * the fits column says.
 */
bool
mp_sweep_curve(const struct mp_sweep *s, uint64_t *x, uint64_t *y,
    size_t *n, uint64_t *capacity)
{
	struct mp_estimate	*est = NULL;
	struct mp_judgement	 j;
	struct mp_error		 e;
	size_t			 i;
	int64_t			 v;

	*n = 0;
	*capacity = 0;
	if (s->hw != NULL && s->model != NULL &&
	    (est = malloc(sizeof(*est))) != NULL) {
		mp_error_clear(&e);
		if (mp_place(s->model, s->hw, &s->sc, est, &j, &e))
			*capacity = j.capacity;
		free(est);
	}
	for (i = 0; i < s->n; i++) {
		if (!s->pt[i].ok)
			continue;
		x[*n] = s->pt[i].value;
		if (*capacity > 0) {
			v = (int64_t)*capacity - s->pt[i].headroom;
			y[*n] = v > 0 ? (uint64_t)v : 0;
		} else
			y[*n] = s->pt[i].est->mem.total;
		(*n)++;
	}
	return *n > 0;
}

/* "qwen2.5-7b-instruct on rtx-4090: memory against seq" */
static void
title(const struct mp_sweep *s, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s%s: memory against %s",
	    s->model != NULL ? s->model->name : "model",
	    s->hw != NULL ? " on " : "", s->hw != NULL ? s->hw->name : "",
	    s->over[0] != '\0' ? s->over : "seq");
}

/* Both chart kinds take the same curve: (title, axis, x, y, n, cap). */
typedef bool (*chart_fn)(FILE *, const char *, const char *,
    const uint64_t *, const uint64_t *, size_t, uint64_t, enum mp_units);

static bool
sweep_chart(const struct mp_sweep *s, FILE *fp, chart_fn draw,
    enum mp_units u)
{
	uint64_t	*x = NULL, *y = NULL, cap;
	size_t		 n;
	char		 t[256];
	bool		 ok = false;

	if (s->n == 0 || (x = calloc(s->n, sizeof(*x))) == NULL ||
	    (y = calloc(s->n, sizeof(*y))) == NULL)
		goto out;
	if (!mp_sweep_curve(s, x, y, &n, &cap))
		goto out;
	title(s, t, sizeof(t));
	ok = draw(fp, t, s->over[0] ? s->over : "seq", x, y,
	    n > MP_CHART_MAX ? MP_CHART_MAX : n, cap, u);
out:
	free(x);
	free(y);
	return ok;
}

bool
mp_render_sweep_mermaid(const struct mp_sweep *s,
    const struct mp_render_opts *o, FILE *fp)
{
	return sweep_chart(s, fp, mp_mermaid_xychart, o != NULL ? o->units :
	    MP_UNITS_IEC);
}

bool
mp_render_sweep_svg(const struct mp_sweep *s, const struct mp_render_opts *o,
    FILE *fp)
{
	return sweep_chart(s, fp, mp_render_svg_chart, o != NULL ? o->units :
	    MP_UNITS_IEC);
}

/*
 * Context lengths from 1k (or the model's limit when it is shorter),
 * doubling up to max_position_embeddings: the curve plan and fit reports
 * chart.
 */
bool
mp_sweep_context(const struct mp_model *m, const struct mp_hardware *hw,
    const struct mp_scenario *base, struct mp_sweep *sw, struct mp_error *err)
{
	uint64_t	 top = m->max_pos > 0 ? m->max_pos : 4096, lo = 1024;
	char		 over[64];

	if (top < lo)
		lo = top;
	snprintf(over, sizeof(over), "seq=%" PRIu64 "..%" PRIu64, lo, top);
	return mp_planner_sweep(m, hw, base, over, sw, err);
}
