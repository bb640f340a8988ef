/* bar.c: a stacked bar of the memory components against a capacity */
/* SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "internal.h"

/*
 * One glyph per component, in mp_component_name() order (weights,
 * kv_cache, activations, logits, gradients, optimizer, adapters,
 * runtime): shades from dark to light for the components every scenario
 * has, quadrant patterns for the training ones.  The ASCII set keeps the
 * same order.  Plain glyphs rather than colours, so the bar reads the
 * same in a log file, on paper and to a screen reader's "full block".
 */
static const char *const glyph_utf8[MP_N_COMPONENTS] = {
	"\xe2\x96\x88",		/* U+2588 full block */
	"\xe2\x96\x93",		/* U+2593 dark shade */
	"\xe2\x96\x92",		/* U+2592 medium shade */
	"\xe2\x96\x91",		/* U+2591 light shade */
	"\xe2\x96\x9a",		/* U+259A quadrants upper left, lower right */
	"\xe2\x96\x9e",		/* U+259E quadrants upper right, lower left */
	"\xe2\x96\x84",		/* U+2584 lower half block */
	"\xe2\x96\x81",		/* U+2581 lower one eighth block */
};
static const char glyph_ascii[MP_N_COMPONENTS] = {
	'#', '=', '+', '-', '%', '@', '&', '~'
};

#define MARK_UTF8	"\xe2\x94\x82"	/* U+2502 light vertical */
#define FREE_UTF8	"\xc2\xb7"	/* U+00B7 middle dot */
#define BAR_MIN		10u
#define BAR_MAX		400u
#define LEGEND_MIN	72u	/* columns a legend line may use */

/* Cell where a prefix of `part` bytes ends on a bar of width cells. */
static unsigned
cell(uint64_t part, uint64_t scale, unsigned width)
{
	if (scale == 0)
		return 0;
	/* Rounded to the nearest cell; long double keeps 2^64 exact enough. */
	return (unsigned)((long double)part * width / scale + 0.5L);
}

void
mp_bar_text(FILE *fp, const struct mp_memory *mm, uint64_t capacity,
    unsigned width, bool unicode, enum mp_units u)
{
	unsigned	 owner[BAR_MAX];	/* component of each cell */
	uint64_t	 sum = 0, cum = 0, scale;
	unsigned	 filled, mark = BAR_MAX, c, from, to;
	size_t		 i;
	char		 b[32], b2[32];
	unsigned	 col, wrap;

	if (width < BAR_MIN)
		width = BAR_MIN;
	if (width > BAR_MAX)
		width = BAR_MAX;
	for (i = 0; i < MP_N_COMPONENTS; i++)
		sum = mp_adds(sum, mp_component_value(mm, i));
	/* The scale holds both the bar and the capacity line. */
	scale = sum > capacity ? sum : capacity;

	/*
	 * Cumulative rounding: component i covers the cells from where the
	 * sum of the ones before it ends to where its own prefix ends, so
	 * the widths always add up to the rounded total.
	 */
	from = 0;
	for (i = 0; i < MP_N_COMPONENTS; i++) {
		cum = mp_adds(cum, mp_component_value(mm, i));
		to = cell(cum, scale, width);
		for (c = from; c < to && c < width; c++)
			owner[c] = (unsigned)i;
		if (to > from)
			from = to;
	}
	filled = from;
	if (capacity > 0) {
		mark = cell(capacity, scale, width);
		if (mark >= width)
			mark = width - 1;
	}

	fputc('[', fp);
	for (c = 0; c < width; c++) {
		if (c == mark)
			fputs(unicode ? MARK_UTF8 : "|", fp);
		else if (c < filled && unicode)
			fputs(glyph_utf8[owner[c]], fp);
		else if (c < filled)
			fputc(glyph_ascii[owner[c]], fp);
		else
			fputs(unicode ? FREE_UTF8 : ".", fp);
	}
	fputc(']', fp);
	fprintf(fp, " %s", mp_fmt_size(mm->total, u, b, sizeof(b)));
	if (capacity > 0) {
		fprintf(fp, " of %s", mp_fmt_size(capacity, u, b2,
		    sizeof(b2)));
		if (mm->total > capacity)
			fprintf(fp, ", over by %s", mp_fmt_size(mm->total -
			    capacity, u, b, sizeof(b)));
		else
			fprintf(fp, " (%u%%)", (unsigned)((long double)mm->total *
			    100 / capacity + 0.5L));
	}
	fputc('\n', fp);

	/*
	 * The legend: every component that is there, then the marker,
	 * wrapped at the bar's width or LEGEND_MIN columns, whichever is
	 * wider (a glyph is one column).
	 */
	wrap = width + 2 > LEGEND_MIN ? width + 2 : LEGEND_MIN;
	col = 1;
	fputc(' ', fp);
	for (i = 0; i <= MP_N_COMPONENTS; i++) {
		uint64_t	 v = 0;
		const char	*g;
		char		 a[2] = { 0, 0 }, item[64];
		int		 n;

		if (i < MP_N_COMPONENTS) {
			if ((v = mp_component_value(mm, i)) == 0)
				continue;
			a[0] = glyph_ascii[i];
			g = unicode ? glyph_utf8[i] : a;
			n = snprintf(item, sizeof(item), " %s %s",
			    mp_component_name(i),
			    mp_fmt_size(v, u, b, sizeof(b)));
		} else {
			if (capacity == 0)
				break;
			g = unicode ? MARK_UTF8 : "|";
			n = snprintf(item, sizeof(item), " capacity");
		}
		if (n < 0)
			n = 0;
		if (col > 1 && col + 2 + 1 + (unsigned)n > wrap) {
			fputs("\n ", fp);
			col = 1;
		}
		if (col > 1) {
			fputs(" ", fp);
			col++;
		}
		fprintf(fp, " %s%s", g, item);
		col += 2 + (unsigned)n;
	}
	fputc('\n', fp);
}

/*
 * The locale's character set, as setlocale() would pick it: the first
 * of LC_ALL, LC_CTYPE and LANG that is set decides.  "C.UTF-8",
 * "en_US.utf8" and the like mean the terminal shows UTF-8.
 */
bool
mp_bar_unicode(void)
{
	const char	*vars[] = { "LC_ALL", "LC_CTYPE", "LANG" }, *v, *dot;
	size_t		 i;

	for (i = 0; i < sizeof(vars) / sizeof(vars[0]); i++) {
		if ((v = getenv(vars[i])) == NULL || *v == '\0')
			continue;
		if ((dot = strchr(v, '.')) == NULL)
			return false;
		dot++;
		return strncasecmp(dot, "utf-8", 5) == 0 ||
		    strncasecmp(dot, "utf8", 4) == 0;
	}
	return false;
}
