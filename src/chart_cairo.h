/* chart_cairo.h: the memory chart drawn on any cairo surface (private) */
/* SPDX-License-Identifier: MIT */
#ifndef MEMPLAN_CHART_CAIRO_H
#define MEMPLAN_CHART_CAIRO_H

#include <cairo.h>

#include "internal.h"

#define MP_CHART_W	800	/* the chart's size, in pixels (SVG: px) */
#define MP_CHART_H	450

/* Where the chart put things, so tests can look at its pixels. */
struct mp_chart_geom {
	double		 left, right, top, bottom;	/* the plot area */
	double		 pad;		/* inset of the first and last x */
	double		 ymax;		/* bytes at the top of the plot */
	double		 xmin, xmax;	/* x at the left and right edges */
	bool		 logx;		/* x on a log2 scale */
};

/*
 * Draws memory totals against x with a dashed capacity line (none when
 * capacity is 0) into cr, w x h pixels; fills g when it is not NULL.
 * x_label is the sweep field ("seq", "batch", "rank") or a caption.
 * False when n is 0 or larger than MP_CHART_MAX.
 */
bool	mp_chart_cairo(cairo_t *cr, double w, double h, const char *title,
	    const char *x_label, const uint64_t *x, const uint64_t *totals,
	    size_t n, uint64_t capacity, enum mp_units u,
	    struct mp_chart_geom *g);
/* Pixel position of a data x, and of a y in bytes. */
double	mp_chart_px(const struct mp_chart_geom *, uint64_t x);
double	mp_chart_py(const struct mp_chart_geom *, uint64_t bytes);

#endif /* MEMPLAN_CHART_CAIRO_H */
