/* sweep.c: one scenario over a range of one field (memplan sweep) */
/* SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "planner.h"

static bool
sweep_values(const char *spec, uint64_t *v, size_t *n, char *why,
    size_t whylen)
{
	char		 buf[256], *p, *dots, *colon, *tok, *save;
	uint64_t	 a, b, step = 0, x;

	*n = 0;
	if (strlen(spec) >= sizeof(buf)) {
		put(why, whylen, "range too long");
		return false;
	}
	memcpy(buf, spec, strlen(spec) + 1);
	p = buf;
	if ((dots = strstr(p, "..")) == NULL) {
		/* A list: "1,8,32". */
		for (tok = strtok_r(p, ",", &save); tok != NULL;
		    tok = strtok_r(NULL, ",", &save)) {
			if (*n >= MP_SWEEP_MAX) {
				put(why, whylen, "more than %d points",
				    MP_SWEEP_MAX);
				return false;
			}
			if (!mp_parse_uint(tok, 1, 1ull << 32, true, &v[*n],
			    why, whylen))
				return false;
			(*n)++;
		}
		if (*n == 0) {
			put(why, whylen, "expected values like "
			    "seq=1k..128k or batch=1,8,32");
			return false;
		}
		return true;
	}
	*dots = '\0';
	if ((colon = strchr(dots + 2, ':')) != NULL) {
		*colon = '\0';
		if (!mp_parse_uint(colon + 1, 1, 1ull << 32, true, &step, why,
		    whylen))
			return false;
	}
	if (!mp_parse_uint(p, 1, 1ull << 32, true, &a, why, whylen) ||
	    !mp_parse_uint(dots + 2, 1, 1ull << 32, true, &b, why, whylen))
		return false;
	if (b < a) {
		put(why, whylen, "the range ends before it starts");
		return false;
	}
	/* Without a step, values double: memory curves are read on a log axis. */
	for (x = a; x <= b; x = step ? x + step : x * 2) {
		if (*n >= MP_SWEEP_MAX) {
			put(why, whylen, "more than %d points",
			    MP_SWEEP_MAX);
			return false;
		}
		v[(*n)++] = x;
	}
	if (v[*n - 1] != b && step == 0 && *n < MP_SWEEP_MAX)
		v[(*n)++] = b;
	return true;
}

bool
mp_planner_sweep(const struct mp_model *m, const struct mp_hardware *hw,
    const struct mp_scenario *base, const char *over, struct mp_sweep *sw,
    struct mp_error *err)
{
	const char		*eq;
	uint64_t		*vals = NULL;
	size_t			 n = 0, i;
	char			 why[160];
	enum field		 f;
	struct mp_estimate	*est = NULL;
	struct mp_judgement	 j;
	struct mp_scenario	 sc;
	struct mp_error		 e2;
	bool			 ok = false, any = false;

	memset(sw, 0, sizeof(*sw));
	sw->model = m;
	sw->hw = hw;
	if (over == NULL || (eq = strchr(over, '=')) == NULL)
		return mp_error_set(err, MP_EUSAGE, NULL, "--over",
		    "expected FIELD=RANGE, like seq=1k..128k");
	if ((size_t)(eq - over) == 3 && strncmp(over, "seq", 3) == 0)
		f = F_SEQ;
	else if ((size_t)(eq - over) == 5 && strncmp(over, "batch", 5) == 0)
		f = F_BATCH;
	else if ((size_t)(eq - over) == 4 && strncmp(over, "rank", 4) == 0)
		f = F_RANK;
	else
		return mp_error_set(err, MP_EUSAGE, NULL, "--over",
		    "expected seq, batch or rank before '=', got \"%.*s\"",
		    (int)(eq - over), over);
	put(sw->over, sizeof(sw->over), "%.*s", (int)(eq - over), over);
	if ((vals = calloc(MP_SWEEP_MAX, sizeof(*vals))) == NULL) {
		mp_error_set(err, MP_ENOMEM, NULL, NULL, "out of memory");
		goto out;
	}
	if (!sweep_values(eq + 1, vals, &n, why, sizeof(why))) {
		mp_error_set(err, MP_EUSAGE, NULL, "--over", "%s", why);
		goto out;
	}
	/* Each value within the option's own range (--rank, --seq,
	 * --batch): rank=4294967296 was cut to 32 bits, silently. */
	{
		const struct mp_optspec *o = mp_option_by_id(f == F_SEQ ?
		    MP_O_SEQ : f == F_BATCH ? MP_O_BATCH : MP_O_RANK);

		for (i = 0; o != NULL && i < n; i++)
			if (vals[i] < o->min || vals[i] > o->max) {
				mp_error_set(err, MP_EUSAGE, NULL, "--over",
				    "%s %llu is outside %llu..%llu", sw->over,
				    (unsigned long long)vals[i],
				    (unsigned long long)o->min,
				    (unsigned long long)o->max);
				goto out;
			}
	}
	if ((sw->pt = calloc(n, sizeof(*sw->pt))) == NULL) {
		mp_error_set(err, MP_ENOMEM, NULL, NULL, "out of memory");
		goto out;
	}
	sw->n = n;
	for (i = 0; i < n; i++) {
		sc = *base;
		mp_fit_set_field(&sc, f, vals[i]);
		sw->pt[i].value = vals[i];
		mp_error_clear(&e2);
		/* Each point keeps its estimate: JSON writes its body. */
		if (est == NULL && (est = malloc(sizeof(*est))) == NULL) {
			mp_error_set(err, MP_ENOMEM, NULL, NULL,
			    "out of memory");
			goto out;
		}
		if (!mp_place(m, hw, &sc, est, &j, &e2)) {
			/* A machine that cannot take the scenario at all
			 * (--gpus above it) is the user's error. */
			if (e2.status == MP_EUSAGE &&
			    strcmp(e2.field, "--gpus") == 0) {
				*err = e2;
				goto out;
			}
			/* The first failure says why, when none works. */
			if (!any && err->status == MP_OK)
				*err = e2;
			continue;
		}
		if (!any)
			sw->sc = est->sc;
		any = true;
		sw->pt[i].ok = true;
		if (est->sc.seq > mp_model_context_limit(m, &sw->ctx_scaled) &&
		    mp_model_context_limit(m, &sw->ctx_scaled) != 0)
			sw->ctx_limit = mp_model_context_limit(m,
			    &sw->ctx_scaled);
		sw->pt[i].est = est;
		if (hw != NULL) {
			sw->pt[i].fits = j.fits;
			sw->pt[i].headroom = j.headroom;
			sw->pt[i].verdict = j.verdict;
			sw->pt[i].judged = j.judged;
		}
		if (hw != NULL && est->sc.mode == MP_MODE_INFER &&
		    !est->has_convert) {
			struct mp_speed_target tg;

			mp_speed_target(hw, est, &tg);
			mp_error_clear(&e2);
			if (mp_speed_estimate(m, est, &tg, NULL, 0,
			    &sw->pt[i].speed, &e2))
				sw->pt[i].has_speed = sw->pt[i].speed.available;
		}
		est = NULL;
	}
	if (!any)
		goto out;
	mp_error_clear(err);
	ok = true;
out:
	free(vals);
	free(est);
	if (!ok)
		mp_sweep_fini(sw);
	return ok;
}

void
mp_sweep_fini(struct mp_sweep *sw)
{
	size_t i;

	if (sw == NULL)
		return;
	for (i = 0; sw->pt != NULL && i < sw->n; i++)
		free(sw->pt[i].est);
	free(sw->pt);
	sw->pt = NULL;
	sw->n = 0;
}

