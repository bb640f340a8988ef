/* planner.h: what plan.c, fit.c, check.c and sweep.c share (private to
 * src/; the API is memplan.h's mp_planner_*) */
/* SPDX-License-Identifier: MIT */
#ifndef MEMPLAN_PLANNER_H
#define MEMPLAN_PLANNER_H

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

/*
 * snprintf that truncates quietly: labels and reasons are display text,
 * and a cut label is better than a compile-time guess at every length.
 */
static inline void	put(char *, size_t, const char *, ...)
		    __attribute__((format(printf, 3, 4)));

static inline void
put(char *buf, size_t len, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
}

/*
 * One evaluation: the estimate and its judgement.  Returns -1 when the
 * estimate is not available for this scenario, else whether it fits.
 */
static inline int
evaluate(const struct mp_model *m, const struct mp_hardware *hw,
    const struct mp_scenario *sc, struct mp_estimate *est,
    struct mp_judgement *j, struct mp_error *err)
{
	memset(est, 0, sizeof(*est));
	mp_error_clear(err);
	if (!mp_place(m, hw, sc, est, j, err))
		return -1;
	/* fit and plan keep the margin: a tight fit is not a solution. */
	return j->verdict == MP_VERDICT_FITS;
}

/* ---- fit.c: exact searches over a monotone estimate ---- */

enum field { F_SEQ, F_BATCH, F_LAYERS, F_RANK, F_MOE_GPU };

struct search {
	const struct mp_model	 *m;
	const struct mp_hardware *hw;
	struct mp_scenario	  sc;
	enum field		  f;
	uint64_t		  evals;
	struct mp_estimate	  tmp;
	struct mp_judgement	  tj;
};

/* Sets one searched field of a scenario (F_MOE_GPU is set by the probe). */
void	 mp_fit_set_field(struct mp_scenario *, enum field, uint64_t);
/*
 * The largest v in [lo, hi] that fits, memory growing with v: -1 when
 * the estimate fails, 0 when lo does not fit, 1 otherwise with *best set
 * and *next the first value that does not fit (0 if hi fits).
 */
int	 mp_fit_search_max(struct search *, uint64_t lo, uint64_t hi,
	    uint64_t *best, uint64_t *next, struct mp_error *);
/* --weights NAME through the plan-file setter; false if refused. */
bool	 mp_fit_set_weights(struct mp_scenario *, const char *);
/* The longest context worth searching: the rope-scaled length, or 1M. */
uint64_t mp_fit_max_seq(const struct mp_model *);

/* ---- policy.c: the recommendation policy of each goal ---- */

/* Precision a weight format gives up, (16 - its type's bits per
 * element) x 100 ("q4_k_m": Q4_K's 4.5 bits), 0 for a float type. */
uint32_t mp_policy_type_loss(const struct mp_scenario *);
/* Fills p->rec (and p->none) by the policies of memplan(1). */
void	 mp_policy_recommend(struct mp_planres *);
/*
 * A serve option the policy takes only when nothing better fits: below
 * 4 bits, or layers in host memory on a machine with a GPU.
 */
bool	 mp_policy_compromise(const struct mp_planres *,
	    const struct mp_option *);
/* Says p->smaller (plan.c fills it) where plan says it: after "nothing
 * fits", or as its own line beside a compromise. */
void	 mp_policy_smaller(struct mp_planres *);
/*
 * The options of goal g that the policy weighs (they fit, with or
 * without the margin), best first, into idx (room for p->n_opt);
 * returns how many.  Estimate's "try:" lines follow this order.
 */
size_t	 mp_policy_rank(const struct mp_planres *, enum mp_goal, size_t *);
/*
 * A conversion none of whose options (one output format) fits: the one
 * that needs the least swap, its index into *least, and the smallest
 * bundled machine it fits on into machine ("" when none) with its peak
 * there in *judged: what plan says instead of a recommendation.  False
 * when no option needs swap.
 */
bool	 mp_policy_convert_fallback(const struct mp_planres *, size_t *least,
	    char *machine, size_t len, uint64_t *judged);

#endif
