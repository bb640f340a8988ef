/* mermaid.c: a memory curve as a Mermaid xychart-beta block and a table */
/* SPDX-License-Identifier: MIT */
#include <inttypes.h>
#include <stdio.h>

#include "internal.h"

/* The y axis counts GiB (2^30) or GB (10^9): the reader's --units. */
static double
unit_bytes(enum mp_units u)
{
	return u == MP_UNITS_SI ? 1e9 : 1073741824.0;
}

/* "4k" for multiples of 1024 (how --seq and --over spell them), else N. */
static const char *
xlabel(uint64_t v, char *buf, size_t len)
{
	if (v >= 1024 && v % 1024 == 0)
		snprintf(buf, len, "%" PRIu64 "k", v / 1024);
	else
		snprintf(buf, len, "%" PRIu64, v);
	return buf;
}

/* A string inside Mermaid's double quotes: no quote, no line break. */
static void
quoted(FILE *fp, const char *s)
{
	fputc('"', fp);
	for (; s != NULL && *s != '\0'; s++)
		fputc(*s == '"' ? '\'' : *s == '\n' || *s == '\r' ? ' ' : *s,
		    fp);
	fputc('"', fp);
}

/*
 * The y axis runs from 0 to a round number of GiB (GB) above the largest of
 * the totals and the capacity, so that the capacity line is never on
 * the chart's edge.
 */
static double
ytop(const uint64_t *totals, size_t n, uint64_t capacity, double unit)
{
	uint64_t	 top = capacity;
	double		 g, step;
	size_t		 i;

	for (i = 0; i < n; i++)
		if (totals[i] > top)
			top = totals[i];
	g = (double)top / unit * 1.1;
	step = g <= 1 ? 0.25 : g <= 10 ? 1 : g <= 100 ? 10 : g <= 1000 ? 100 :
	    1000;
	return g <= 0 ? 1 : ((uint64_t)(g / step) + 1) * step;
}

bool
mp_mermaid_xychart(FILE *fp, const char *title, const char *x_label,
    const uint64_t *x, const uint64_t *totals, size_t n, uint64_t capacity,
    enum mp_units u)
{
	char	 b[32], b2[32];
	size_t	 i;
	double	 unit = unit_bytes(u);

	if (n == 0 || n > MP_CHART_MAX)
		return false;
	if (x_label == NULL || *x_label == '\0')
		x_label = "seq";
	fputs("```mermaid\nxychart-beta\n    title ", fp);
	quoted(fp, title);
	fputs("\n    x-axis ", fp);
	quoted(fp, x_label);
	fputs(" [", fp);
	for (i = 0; i < n; i++) {
		fputs(i ? ", " : "", fp);
		quoted(fp, xlabel(x[i], b, sizeof(b)));
	}
	fprintf(fp, "]\n    y-axis \"memory (%s)\" 0 --> %s\n    bar [",
	    u == MP_UNITS_SI ? "GB" : "GiB", mp_fmt_g(ytop(totals, n, capacity,
	    unit), 6, b, sizeof(b)));
	for (i = 0; i < n; i++)
		fprintf(fp, "%s%s", i ? ", " : "", mp_fmt_fixed(
		    (double)totals[i] / unit, 2, b, sizeof(b)));
	fputs("]\n", fp);
	/* The capacity: a flat line across every point. */
	if (capacity > 0) {
		fputs("    line [", fp);
		for (i = 0; i < n; i++)
			fprintf(fp, "%s%s", i ? ", " : "", mp_fmt_fixed(
			    (double)capacity / unit, 2, b, sizeof(b)));
		fputs("]\n", fp);
	}
	fputs("```\n\n", fp);

	/* The same numbers for readers without Mermaid. */
	fprintf(fp, "| %s | memory |%s\n| ---: | ---: |%s\n", x_label,
	    capacity > 0 ? " capacity | fits |" : "",
	    capacity > 0 ? " ---: | :---: |" : "");
	for (i = 0; i < n; i++) {
		fprintf(fp, "| %s | %s |", xlabel(x[i], b, sizeof(b)),
		    mp_fmt_size(totals[i], u, b2, sizeof(b2)));
		if (capacity > 0)
			fprintf(fp, " %s | %s |", mp_fmt_size(capacity, u, b,
			    sizeof(b)),
			    totals[i] <= capacity ? "yes" : "no");
		fputc('\n', fp);
	}
	return !ferror(fp);
}
