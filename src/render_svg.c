/* render_svg.c: memory against context length as an SVG chart (cairo) */
/* SPDX-License-Identifier: MIT */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "internal.h"

#if MP_HAVE_CAIRO
#include <dlfcn.h>
#include <pthread.h>

#include <cairo-svg.h>

#include "chart_cairo.h"

/*
 * cairo is opened on first use (dlopen) instead of being linked: linking
 * it (and fontconfig, freetype, pixman, libpng behind it) doubled the
 * start-up time and resident set of every memplan command (bench/run.sh:
 * estimate 0.92 -> 1.72 ms, 2.4 -> 4.7 MiB), though only charts need it.
 */
static struct {
	__typeof__(cairo_create)	*create;
	__typeof__(cairo_destroy)	*destroy;
	__typeof__(cairo_status)	*status;
	__typeof__(cairo_set_source_rgb)	*set_source_rgb;
	__typeof__(cairo_set_source_rgba)	*set_source_rgba;
	__typeof__(cairo_paint)	*paint;
	__typeof__(cairo_select_font_face)	*select_font_face;
	__typeof__(cairo_set_font_size)	*set_font_size;
	__typeof__(cairo_rectangle)	*rectangle;
	__typeof__(cairo_fill)	*fill;
	__typeof__(cairo_set_line_width)	*set_line_width;
	__typeof__(cairo_move_to)	*move_to;
	__typeof__(cairo_line_to)	*line_to;
	__typeof__(cairo_stroke)	*stroke;
	__typeof__(cairo_set_dash)	*set_dash;
	__typeof__(cairo_set_line_join)	*set_line_join;
	__typeof__(cairo_arc)	*arc;
	__typeof__(cairo_text_extents)	*text_extents;
	__typeof__(cairo_show_text)	*show_text;
	__typeof__(cairo_svg_surface_create_for_stream)	*svg_surface_create_for_stream;
	__typeof__(cairo_svg_surface_set_document_unit)	*svg_surface_set_document_unit;
	__typeof__(cairo_surface_finish)	*surface_finish;
	__typeof__(cairo_surface_status)	*surface_status;
	__typeof__(cairo_surface_destroy)	*surface_destroy;
} cf;

static bool		cairo_ok;
static pthread_once_t	cairo_once = PTHREAD_ONCE_INIT;

static void
load_cairo(void)
{
	static const struct {
		const char	*name;
		void		**slot;
	} sym[] = {
	{ "cairo_create", (void **)&cf.create },
	{ "cairo_destroy", (void **)&cf.destroy },
	{ "cairo_status", (void **)&cf.status },
	{ "cairo_set_source_rgb", (void **)&cf.set_source_rgb },
	{ "cairo_set_source_rgba", (void **)&cf.set_source_rgba },
	{ "cairo_paint", (void **)&cf.paint },
	{ "cairo_select_font_face", (void **)&cf.select_font_face },
	{ "cairo_set_font_size", (void **)&cf.set_font_size },
	{ "cairo_rectangle", (void **)&cf.rectangle },
	{ "cairo_fill", (void **)&cf.fill },
	{ "cairo_set_line_width", (void **)&cf.set_line_width },
	{ "cairo_move_to", (void **)&cf.move_to },
	{ "cairo_line_to", (void **)&cf.line_to },
	{ "cairo_stroke", (void **)&cf.stroke },
	{ "cairo_set_dash", (void **)&cf.set_dash },
	{ "cairo_set_line_join", (void **)&cf.set_line_join },
	{ "cairo_arc", (void **)&cf.arc },
	{ "cairo_text_extents", (void **)&cf.text_extents },
	{ "cairo_show_text", (void **)&cf.show_text },
	{ "cairo_svg_surface_create_for_stream", (void **)&cf.svg_surface_create_for_stream },
	{ "cairo_svg_surface_set_document_unit", (void **)&cf.svg_surface_set_document_unit },
	{ "cairo_surface_finish", (void **)&cf.surface_finish },
	{ "cairo_surface_status", (void **)&cf.surface_status },
	{ "cairo_surface_destroy", (void **)&cf.surface_destroy },
	};
	void	*h = dlopen("libcairo.so.2", RTLD_NOW | RTLD_LOCAL);
	size_t	 i;

	if (h == NULL)
		return;
	for (i = 0; i < sizeof(sym) / sizeof(sym[0]); i++)
		if ((*sym[i].slot = dlsym(h, sym[i].name)) == NULL)
			return;
	cairo_ok = true;
}

static bool
have_cairo(void)
{
	return pthread_once(&cairo_once, load_cairo) == 0 && cairo_ok;
}

#define cairo_create	cf.create
#define cairo_destroy	cf.destroy
#define cairo_status	cf.status
#define cairo_set_source_rgb	cf.set_source_rgb
#define cairo_set_source_rgba	cf.set_source_rgba
#define cairo_paint	cf.paint
#define cairo_select_font_face	cf.select_font_face
#define cairo_set_font_size	cf.set_font_size
#define cairo_rectangle	cf.rectangle
#define cairo_fill	cf.fill
#define cairo_set_line_width	cf.set_line_width
#define cairo_move_to	cf.move_to
#define cairo_line_to	cf.line_to
#define cairo_stroke	cf.stroke
#define cairo_set_dash	cf.set_dash
#define cairo_set_line_join	cf.set_line_join
#define cairo_arc	cf.arc
#define cairo_text_extents	cf.text_extents
#define cairo_show_text	cf.show_text
#define cairo_svg_surface_create_for_stream	cf.svg_surface_create_for_stream
#define cairo_svg_surface_set_document_unit	cf.svg_surface_set_document_unit
#define cairo_surface_finish	cf.surface_finish
#define cairo_surface_status	cf.surface_status
#define cairo_surface_destroy	cf.surface_destroy

#define GIB	1073741824.0
#define PI	3.14159265358979323846

/* Colours: a blue curve, red for the capacity and what exceeds it. */
#define C_CURVE		0.12, 0.47, 0.71
#define C_CAP		0.84, 0.15, 0.16
#define C_GRID		0.88, 0.88, 0.88
#define C_AXIS		0.25, 0.25, 0.25

bool
mp_render_svg_available(void)
{
	return have_cairo();
}

double
mp_chart_px(const struct mp_chart_geom *g, uint64_t x)
{
	double t;

	if (g->xmax <= g->xmin)
		return (g->left + g->right) / 2;
	if (g->logx)
		t = (log2((double)x) - log2(g->xmin)) /
		    (log2(g->xmax) - log2(g->xmin));
	else
		t = ((double)x - g->xmin) / (g->xmax - g->xmin);
	return g->left + g->pad + t * (g->right - g->left - 2 * g->pad);
}

double
mp_chart_py(const struct mp_chart_geom *g, uint64_t bytes)
{
	return g->bottom - (double)bytes / g->ymax * (g->bottom - g->top);
}

/* "4k" for multiples of 1024, as --seq spells them. */
static void
xlabel(uint64_t v, char *buf, size_t len)
{
	if (v >= 1024 && v % 1024 == 0)
		snprintf(buf, len, "%" PRIu64 "k", v / 1024);
	else
		snprintf(buf, len, "%" PRIu64, v);
}

/* The x axis's caption for a sweep field ("seq") or any other label. */
static const char *
axis_name(const char *x_label)
{
	if (x_label == NULL || strcmp(x_label, "seq") == 0)
		return "context length in tokens";
	if (strcmp(x_label, "batch") == 0)
		return "batch size in sequences";
	if (strcmp(x_label, "rank") == 0)
		return "LoRA rank";
	return x_label;
}

/* A round step (1, 2 or 5 times a power of ten) for about six
 * gridlines up to top GiB. */
static double
ystep(double top)
{
	double	 p = pow(10, floor(log10(top / 6))), m = top / 6 / p;

	return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
}

static void
text_at(cairo_t *cr, double x, double y, const char *s, double align)
{
	cairo_text_extents_t e;

	cairo_text_extents(cr, s, &e);
	cairo_move_to(cr, x - e.width * align - e.x_bearing, y);
	cairo_show_text(cr, s);
}

bool
mp_chart_cairo(cairo_t *cr, double w, double h, const char *title,
    const char *x_label, const uint64_t *x, const uint64_t *totals, size_t n,
    uint64_t capacity, enum mp_units u, struct mp_chart_geom *out)
{
	/* Gridlines count GiB or GB: the reader's --units. */
	const double		 unit = u == MP_UNITS_SI ? 1e9 : GIB;
	struct mp_chart_geom	 g;
	uint64_t		 top = capacity;
	double			 step, v, px, py;
	size_t			 i, every;
	char			 b[32], b2[96], num[16];

	if (!have_cairo() || n == 0 || n > MP_CHART_MAX)
		return false;
	memset(&g, 0, sizeof(g));
	g.left = 90;
	g.right = w - 30;
	g.top = 60;
	g.bottom = h - 60;
	g.pad = 24;	/* the first and last points clear of the axes */
	g.xmin = g.xmax = (double)x[0];
	for (i = 0; i < n; i++) {
		if ((double)x[i] < g.xmin)
			g.xmin = (double)x[i];
		if ((double)x[i] > g.xmax)
			g.xmax = (double)x[i];
		if (totals[i] > top)
			top = totals[i];
	}
	/* Doubling sweeps (1k..128k) read best on a log2 axis. */
	g.logx = g.xmin > 0 && g.xmax / g.xmin >= 8;
	step = ystep(top > 0 ? (double)top / unit * 1.1 : 1);
	g.ymax = ceil((top > 0 ? (double)top / unit * 1.1 : 1) / step) * step *
	    unit;

	/* White paper. */
	cairo_set_source_rgb(cr, 1, 1, 1);
	cairo_paint(cr);
	cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL,
	    CAIRO_FONT_WEIGHT_BOLD);
	cairo_set_font_size(cr, 17);
	cairo_set_source_rgb(cr, C_AXIS);
	text_at(cr, w / 2, 32, title != NULL ? title : "", 0.5);
	cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL,
	    CAIRO_FONT_WEIGHT_NORMAL);
	cairo_set_font_size(cr, 12);

	/* Over capacity: a pale red band above the line. */
	if (capacity > 0) {
		py = mp_chart_py(&g, capacity);
		cairo_set_source_rgba(cr, C_CAP, 0.07);
		cairo_rectangle(cr, g.left, g.top, g.right - g.left, py - g.top);
		cairo_fill(cr);
	}

	/* Horizontal gridlines and their GiB labels. */
	cairo_set_line_width(cr, 1);
	for (v = 0; v <= g.ymax / unit + step / 1000; v += step) {
		py = round(mp_chart_py(&g, (uint64_t)(v * unit))) + 0.5;
		cairo_set_source_rgb(cr, C_GRID);
		cairo_move_to(cr, g.left, py);
		cairo_line_to(cr, g.right, py);
		cairo_stroke(cr);
		mp_fmt_g(v, 6, num, sizeof(num));
		snprintf(b, sizeof(b), "%s %s", num, u == MP_UNITS_SI ? "GB" :
		    "GiB");
		cairo_set_source_rgb(cr, C_AXIS);
		text_at(cr, g.left - 8, py + 4, b, 1);
	}
	/* x ticks: at most about ten labels. */
	every = (n + 9) / 10;
	for (i = 0; i < n; i += every) {
		px = mp_chart_px(&g, x[i]);
		cairo_set_source_rgb(cr, C_AXIS);
		cairo_move_to(cr, px, g.bottom);
		cairo_line_to(cr, px, g.bottom + 5);
		cairo_stroke(cr);
		xlabel(x[i], b, sizeof(b));
		text_at(cr, px, g.bottom + 20, b, 0.5);
	}
	snprintf(b2, sizeof(b2), "%s%s", axis_name(x_label),
	    g.logx ? " (log scale)" : "");
	text_at(cr, (g.left + g.right) / 2, h - 16, b2, 0.5);
	/* The axes. */
	cairo_set_source_rgb(cr, C_AXIS);
	cairo_move_to(cr, g.left + 0.5, g.top);
	cairo_line_to(cr, g.left + 0.5, g.bottom + 0.5);
	cairo_line_to(cr, g.right, g.bottom + 0.5);
	cairo_stroke(cr);

	/* The capacity: a dashed red line, labelled. */
	if (capacity > 0) {
		double dash[] = { 8, 5 };

		py = mp_chart_py(&g, capacity);
		cairo_set_source_rgb(cr, C_CAP);
		cairo_set_line_width(cr, 2);
		cairo_set_dash(cr, dash, 2, 0);
		cairo_move_to(cr, g.left, py);
		cairo_line_to(cr, g.right, py);
		cairo_stroke(cr);
		cairo_set_dash(cr, NULL, 0, 0);
		snprintf(b, sizeof(b), "capacity %s %s", mp_fmt_fixed(
		    (double)capacity / unit, 2, num, sizeof(num)),
		    u == MP_UNITS_SI ? "GB" : "GiB");
		/* On the left, where memory is lowest and the curve away. */
		text_at(cr, g.left + g.pad, py - 7, b, 0);
	}

	/* The curve and its points; points over capacity in red. */
	cairo_set_source_rgb(cr, C_CURVE);
	cairo_set_line_width(cr, 2.5);
	cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
	for (i = 0; i < n; i++) {
		px = mp_chart_px(&g, x[i]);
		py = mp_chart_py(&g, totals[i]);
		if (i == 0)
			cairo_move_to(cr, px, py);
		else
			cairo_line_to(cr, px, py);
	}
	cairo_stroke(cr);
	for (i = 0; i < n; i++) {
		if (capacity > 0 && totals[i] > capacity)
			cairo_set_source_rgb(cr, C_CAP);
		else
			cairo_set_source_rgb(cr, C_CURVE);
		cairo_arc(cr, mp_chart_px(&g, x[i]), mp_chart_py(&g,
		    totals[i]), 4.5, 0, 2 * PI);
		cairo_fill(cr);
	}

	/* Legend, top left inside the plot. */
	cairo_set_source_rgb(cr, C_CURVE);
	cairo_rectangle(cr, g.left + 14, g.top + 10, 18, 4);
	cairo_fill(cr);
	cairo_set_source_rgb(cr, C_AXIS);
	text_at(cr, g.left + 38, g.top + 16, "predicted peak memory", 0);
	if (capacity > 0) {
		cairo_set_source_rgb(cr, C_CAP);
		cairo_rectangle(cr, g.left + 14, g.top + 28, 18, 3);
		cairo_fill(cr);
		cairo_set_source_rgb(cr, C_AXIS);
		text_at(cr, g.left + 38, g.top + 34, "device capacity", 0);
	}
	if (out != NULL)
		*out = g;
	return cairo_status(cr) == CAIRO_STATUS_SUCCESS;
}

static cairo_status_t
write_fp(void *closure, const unsigned char *data, unsigned int len)
{
	return fwrite(data, 1, len, closure) == len ? CAIRO_STATUS_SUCCESS :
	    CAIRO_STATUS_WRITE_ERROR;
}

bool
mp_render_svg_curve(FILE *fp, const char *title, const uint64_t *x,
    const uint64_t *totals, size_t n, uint64_t capacity, enum mp_units u)
{
	return mp_render_svg_chart(fp, title, "seq", x, totals, n, capacity,
	    u);
}

bool
mp_render_svg_chart(FILE *fp, const char *title, const char *x_label,
    const uint64_t *x, const uint64_t *totals, size_t n, uint64_t capacity,
    enum mp_units u)
{
	cairo_surface_t	*s;
	cairo_t		*cr;
	bool		 ok;

	if (!have_cairo() || n == 0 || n > MP_CHART_MAX)
		return false;
	s = cairo_svg_surface_create_for_stream(write_fp, fp, MP_CHART_W,
	    MP_CHART_H);
#if CAIRO_VERSION >= CAIRO_VERSION_ENCODE(1, 16, 0)
	/* Pixels, so that the SVG is 800 x 450 where it is shown. */
	cairo_svg_surface_set_document_unit(s, CAIRO_SVG_UNIT_PX);
#endif
	cr = cairo_create(s);
	ok = mp_chart_cairo(cr, MP_CHART_W, MP_CHART_H, title, x_label, x,
	    totals, n, capacity, u, NULL);
	cairo_destroy(cr);
	/* The SVG is written when the surface is finished. */
	cairo_surface_finish(s);
	ok = ok && cairo_surface_status(s) == CAIRO_STATUS_SUCCESS;
	cairo_surface_destroy(s);
	return ok && fflush(fp) == 0 && !ferror(fp);
}

#else /* !MP_HAVE_CAIRO */

bool
mp_render_svg_available(void)
{
	return false;
}

/* Built without cairo (meson -Dcairo=disabled): no SVG. */
bool
mp_render_svg_chart(FILE *fp, const char *title, const char *x_label,
    const uint64_t *x, const uint64_t *totals, size_t n, uint64_t capacity,
    enum mp_units u)
{
	(void)u;
	(void)fp;
	(void)title;
	(void)x_label;
	(void)x;
	(void)totals;
	(void)n;
	(void)capacity;
	return false;
}

bool
mp_render_svg_curve(FILE *fp, const char *title, const uint64_t *x,
    const uint64_t *totals, size_t n, uint64_t capacity, enum mp_units u)
{
	return mp_render_svg_chart(fp, title, "seq", x, totals, n, capacity,
	    u);
}

#endif /* MP_HAVE_CAIRO */
