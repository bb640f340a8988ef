/* test_svg.c: the cairo chart, as SVG and rendered to PNG */
/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <fontconfig/fontconfig.h>

#include "chart_cairo.h"

#define GIB	(1ULL << 30)

/* Where to keep the PNG and SVG for a person to look at (argv[1]). */
static const char *keep;

/* qwen2.5-7b-like: 1k..128k doubling, over a 24 GiB card past 32k. */
static const uint64_t xs[] = { 1024, 2048, 4096, 8192, 16384, 32768, 65536,
	131072 };
static const uint64_t ts[] = { 15 * GIB, 15 * GIB + GIB / 4,
	15 * GIB + GIB / 2, 16 * GIB, 17 * GIB + GIB / 2, 20 * GIB, 26 * GIB,
	37 * GIB };
#define NPTS	(sizeof(xs) / sizeof(xs[0]))
#define CAP	(24 * GIB)
#define TITLE	"qwen2.5-7b-instruct on rtx-4090: memory against context"

static void
test_svg_is_an_svg_document(void **state)
{
	char	*buf = NULL, path[600];
	size_t	 len = 0;
	FILE	*fp;

	(void)state;
	fp = open_memstream(&buf, &len);
	assert_non_null(fp);
	assert_true(mp_render_svg_available());
	assert_true(mp_render_svg_curve(fp, TITLE, xs, ts, NPTS, CAP,
	    MP_UNITS_IEC));
	fclose(fp);
	assert_true(strncmp(buf, "<?xml", 5) == 0);
	assert_non_null(strstr(buf, "<svg"));
	assert_non_null(strstr(buf, "width=\"800"));
	assert_non_null(strstr(buf, "height=\"450"));
	assert_non_null(strstr(buf, "</svg>"));
	/* The capacity is dashed; cairo writes it as a dash array. */
	assert_non_null(strstr(buf, "stroke-dasharray"));
	if (keep != NULL) {
		snprintf(path, sizeof(path), "%s.svg", keep);
		fp = fopen(path, "w");
		assert_non_null(fp);
		fwrite(buf, 1, len, fp);
		fclose(fp);
	}
	free(buf);

	buf = NULL;
	fp = open_memstream(&buf, &len);
	assert_false(mp_render_svg_curve(fp, TITLE, xs, ts, 0, CAP,
	    MP_UNITS_IEC));
	fclose(fp);
	assert_int_equal(len, 0);
	free(buf);
}

/*
 * The curve's y axis is in the units asked for: its top is a round number
 * of GiB in IEC and of GB in SI, so the two drawings differ.
 */
static void
test_svg_curve_takes_the_units(void **state)
{
	char			*a = NULL, *b = NULL;
	size_t			 la = 0, lb = 0;
	FILE			*fp;
	cairo_surface_t		*s;
	cairo_t			*cr;
	struct mp_chart_geom	 gi, gs;

	(void)state;
	fp = open_memstream(&a, &la);
	assert_true(mp_render_svg_curve(fp, TITLE, xs, ts, NPTS, CAP,
	    MP_UNITS_IEC));
	fclose(fp);
	fp = open_memstream(&b, &lb);
	assert_true(mp_render_svg_curve(fp, TITLE, xs, ts, NPTS, CAP,
	    MP_UNITS_SI));
	fclose(fp);
	assert_true(la != lb || memcmp(a, b, la) != 0);
	free(a);
	free(b);
	s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, MP_CHART_W,
	    MP_CHART_H);
	cr = cairo_create(s);
	assert_true(mp_chart_cairo(cr, MP_CHART_W, MP_CHART_H, TITLE, "seq",
	    xs, ts, NPTS, CAP, MP_UNITS_IEC, &gi));
	assert_true(mp_chart_cairo(cr, MP_CHART_W, MP_CHART_H, TITLE, "seq",
	    xs, ts, NPTS, CAP, MP_UNITS_SI, &gs));
	cairo_destroy(cr);
	cairo_surface_destroy(s);
	assert_true((uint64_t)gi.ymax % (1ULL << 30) == 0);
	assert_true((uint64_t)gs.ymax % 1000000000ULL == 0);
	assert_true(gi.ymax != gs.ymax);
}

/* The pixel at (x, y) of an ARGB32 image as r, g, b. */
static void
pixel(cairo_surface_t *s, double fx, double fy, int rgb[3])
{
	int		 x = (int)fx, y = (int)fy;
	unsigned char	*d = cairo_image_surface_get_data(s);
	int		 stride = cairo_image_surface_get_stride(s);
	uint32_t	 p;

	assert_true(x >= 0 && y >= 0 && x < cairo_image_surface_get_width(s) &&
	    y < cairo_image_surface_get_height(s));
	memcpy(&p, d + (size_t)y * (size_t)stride + (size_t)x * 4, 4);
	rgb[0] = (int)(p >> 16 & 0xff);
	rgb[1] = (int)(p >> 8 & 0xff);
	rgb[2] = (int)(p & 0xff);
}

static void
test_png_rendering_size_and_pixels(void **state)
{
	cairo_surface_t		*s, *back;
	cairo_t			*cr;
	struct mp_chart_geom	 g;
	char			 path[600];
	int			 c[3], y, pale = 0, white = 0, span;
	double			 px, ycap;

	(void)state;
	s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, MP_CHART_W,
	    MP_CHART_H);
	cr = cairo_create(s);
	assert_true(mp_chart_cairo(cr, MP_CHART_W, MP_CHART_H, TITLE, "seq", xs, ts,
	    NPTS, CAP, MP_UNITS_IEC, &g));
	cairo_destroy(cr);
	if (keep != NULL)
		snprintf(path, sizeof(path), "%s", keep);
	else
		snprintf(path, sizeof(path), "%s/memplan-chart-%ld.png",
		    getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp",
		    (long)getpid());
	assert_int_equal(cairo_surface_write_to_png(s, path),
	    CAIRO_STATUS_SUCCESS);
	cairo_surface_destroy(s);

	/* Read the PNG file back: its size, then what is where. */
	back = cairo_image_surface_create_from_png(path);
	assert_int_equal(cairo_surface_status(back), CAIRO_STATUS_SUCCESS);
	assert_int_equal(cairo_image_surface_get_width(back), 800);
	assert_int_equal(cairo_image_surface_get_height(back), 450);
	cairo_surface_flush(back);
	assert_true(g.logx);

	/* White paper in the corner. */
	pixel(back, 3, 3, c);
	assert_true(c[0] == 255 && c[1] == 255 && c[2] == 255);
	/* The capacity line is red, where its first dash is drawn. */
	ycap = mp_chart_py(&g, CAP);
	pixel(back, g.left + 4, ycap, c);
	assert_true(c[0] > 180 && c[1] < 120 && c[2] < 120);
	/* A point under capacity is blue, one over it is red. */
	pixel(back, mp_chart_px(&g, xs[1]), mp_chart_py(&g, ts[1]), c);
	assert_true(c[2] > c[0] + 60);
	pixel(back, mp_chart_px(&g, xs[7]), mp_chart_py(&g, ts[7]), c);
	assert_true(c[0] > c[2] + 60);
	/* Above the capacity line a pale red band, below the curve white
	 * paper (but for gridlines). */
	px = mp_chart_px(&g, xs[1]) + 10;
	span = (int)ycap - 5 - (int)(g.top + 50);
	assert_true(span > 20);
	for (y = (int)(g.top + 50); y < (int)ycap - 5; y++) {
		pixel(back, px, y, c);
		pale += c[0] > 240 && c[1] < 245 && c[0] - c[1] > 8;
	}
	assert_true(pale > span * 8 / 10);
	span = (int)g.bottom - 3 - ((int)mp_chart_py(&g, ts[1]) + 10);
	for (y = (int)mp_chart_py(&g, ts[1]) + 10; y < (int)g.bottom - 3; y++) {
		pixel(back, px, y, c);
		white += c[0] > 250 && c[1] > 250 && c[2] > 250;
	}
	assert_true(white > span * 8 / 10);
	cairo_surface_destroy(back);
	if (keep == NULL)
		unlink(path);
}

int
main(int argc, char *argv[])
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_svg_curve_takes_the_units),
		cmocka_unit_test(test_svg_is_an_svg_document),
		cmocka_unit_test(test_png_rendering_size_and_pixels),
	};

	int rc;

	if (argc > 1)
		keep = argv[1];
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	/* cairo and fontconfig keep font caches for the process's life:
	 * free them so that valgrind's leak check sees memplan's own. */
	cairo_debug_reset_static_data();
	FcFini();
	return rc;
}
