/* suggest.c: "did you mean" for names people type */
/* SPDX-License-Identifier: MIT */
/*
 * One matcher for every closed set a user types a member of: bundled
 * models and hardware, options, enum values.  A candidate is plausible
 * when, case and separators (- _ .) ignored, it differs from what was
 * typed by about one edit in five characters (a swap of neighbours is
 * one edit) or contains it ("4090" in "rtx-4090").  A name containing
 * all that was typed beats a typo of another (h100 -> h100-80gb, not
 * h200), and among containing names the shortest wins (rtx-4090 before
 * 2x-rtx-4090).
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

/* Names are short; a longer word is far from every name. */
#define MAX_NAME	64

/*
 * Lower case without the separators people drop or swap: "llama.cpp",
 * "Q4-K-M" and "q4km" all read as the names they mean.
 */
static size_t
normalize(const char *s, char *out, size_t len)
{
	size_t n = 0;

	for (; *s != '\0' && n + 1 < len; s++)
		if (*s != '-' && *s != '_' && *s != '.' && *s != ' ')
			out[n++] = (char)tolower((unsigned char)*s);
	out[n] = '\0';
	return *s == '\0' ? n : SIZE_MAX;
}

/* Edit distance counting a swap of neighbours as one edit (OSA). */
size_t
mp_edit_distance(const char *a, const char *b)
{
	size_t	 la = strlen(a), lb = strlen(b), i, j, best, d[3][MAX_NAME + 1];
	size_t	*pp, *p, *c;

	if (la > MAX_NAME || lb > MAX_NAME)
		return SIZE_MAX;
	for (j = 0; j <= lb; j++)
		d[0][j] = j;
	for (i = 1; i <= la; i++) {
		pp = d[(i + 1) % 3];	/* row i - 2 */
		p = d[(i + 2) % 3];	/* row i - 1 */
		c = d[i % 3];
		c[0] = i;
		for (j = 1; j <= lb; j++) {
			best = p[j - 1] + (tolower((unsigned char)a[i - 1]) ==
			    tolower((unsigned char)b[j - 1]) ? 0 : 1);
			if (p[j] + 1 < best)
				best = p[j] + 1;
			if (c[j - 1] + 1 < best)
				best = c[j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
			    a[i - 2] == b[j - 1] && pp[j - 2] + 1 < best)
				best = pp[j - 2] + 1;
			c[j] = best;
		}
	}
	return d[la % 3][lb];
}

void
mp_suggest_init(struct mp_suggest *s, const char *want)
{
	memset(s, 0, sizeof(*s));
	s->want = want;
	s->score = SIZE_MAX;
}

void
mp_suggest_add(struct mp_suggest *s, const char *cand)
{
	char	 w[MAX_NAME + 1], c[MAX_NAME + 1];
	size_t	 lw, lc, d, lim, score;

	lw = normalize(s->want, w, sizeof(w));
	lc = normalize(cand, c, sizeof(c));
	if (lw == SIZE_MAX || lc == SIZE_MAX || lw == 0 || lc == 0)
		return;
	/* About one typo in five characters, at least one. */
	lim = lw / 5 > 1 ? lw / 5 : 1;
	d = mp_edit_distance(w, c);
	if (d == 0)
		score = 0;			/* the same but for case */
	else if (lw >= 3 && lc > lw && strstr(c, w) != NULL)
		score = lc - lw;		/* h100 -> h100-80gb */
	else if (d <= lim)
		score = 1000 + d;		/* a typo */
	else
		return;
	if (score < s->score) {
		s->score = score;
		snprintf(s->best, sizeof(s->best), "%s", cand);
	}
}

const char *
mp_suggest_best(const struct mp_suggest *s)
{
	return s->score == SIZE_MAX ? NULL : s->best;
}
