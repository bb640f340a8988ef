/* check.c: a plan file's checks, each model and machine loaded once
 * (memplan check) */
/* SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "planner.h"

struct cache_model {
	const char	*spec;
	struct mp_model	 m;
	bool		 loaded;
};

struct cache_hw {
	const char		*spec;
	struct mp_hardware	 hw;
};

struct cache {
	struct cache_model	*m;
	size_t			 nm;
	struct cache_hw		*h;
	size_t			 nh;
};

/*
 * Checks of one plan usually share a model and a machine: each is
 * loaded once (a linear search is fine, there are a handful).
 */
static bool
cached_model(struct cache *c, const struct mp_plan *pl,
    const struct mp_check *ck, size_t idx, const struct mp_model **out,
    struct mp_error *err)
{
	struct cache_model	*t;
	struct mp_error		 e2;
	size_t			 i;
	char			 field[48];

	for (i = 0; i < c->nm; i++)
		if (strcmp(c->m[i].spec, ck->model) == 0) {
			*out = &c->m[i].m;
			return true;
		}
	if ((t = realloc(c->m, (c->nm + 1) * sizeof(*t))) == NULL)
		return mp_error_set(err, MP_ENOMEM, NULL, NULL,
		    "out of memory");
	c->m = t;
	t = &c->m[c->nm];
	memset(t, 0, sizeof(*t));
	t->spec = ck->model;
	mp_model_init(&t->m);
	mp_error_clear(&e2);
	if (!mp_model_load(ck->model, &t->m, &e2)) {
		mp_model_fini(&t->m);
		put(field, sizeof(field), "checks[%zu].model", idx);
		*err = e2;
		/* Point at the check; keep the model's own message. */
		if (e2.line == 0)
			return mp_error_setl(err, e2.status, pl->path,
			    ck->line, ck->col, field, "%s: %s", ck->model,
			    e2.msg);
		return false;
	}
	t->loaded = true;
	c->nm++;
	*out = &t->m;
	return true;
}

static bool
cached_hw(struct cache *c, const struct mp_plan *pl, const struct mp_check *ck,
    size_t idx, const struct mp_hardware **out, struct mp_error *err)
{
	struct cache_hw	*t;
	struct mp_error	 e2;
	size_t		 i;
	char		 field[48];

	for (i = 0; i < c->nh; i++)
		if (strcmp(c->h[i].spec, ck->hardware) == 0) {
			*out = &c->h[i].hw;
			return true;
		}
	if ((t = realloc(c->h, (c->nh + 1) * sizeof(*t))) == NULL)
		return mp_error_set(err, MP_ENOMEM, NULL, NULL,
		    "out of memory");
	c->h = t;
	t = &c->h[c->nh];
	t->spec = ck->hardware;
	mp_error_clear(&e2);
	if (!mp_hardware_load(ck->hardware, &t->hw, &e2)) {
		put(field, sizeof(field), "checks[%zu].hardware", idx);
		*err = e2;
		if (e2.line == 0) {
			(void)mp_error_setl(err, e2.status, pl->path,
			    ck->line, ck->col, field, "%s: %s", ck->hardware,
			    e2.msg);
			/* The message's sizes ({0}, {1}) go with it. */
			memcpy(err->sizes, e2.sizes, sizeof(err->sizes));
			err->n_sizes = e2.n_sizes;
		}
		return false;
	}
	c->nh++;
	*out = &t->hw;
	return true;
}

static void
cache_fini(struct cache *c)
{
	size_t i;

	for (i = 0; i < c->nm; i++)
		mp_model_fini(&c->m[i].m);
	free(c->m);
	free(c->h);
}

bool
mp_planner_check(const struct mp_plan *pl, struct mp_check_report *rep,
    struct mp_error *err)
{
	struct cache		 c;
	struct mp_estimate	*est;
	struct mp_judgement	 j;
	struct mp_error		 e2;
	const struct mp_model	*m = NULL;
	const struct mp_hardware *hw;
	struct mp_check_result	*r;
	const struct mp_check	*ck;
	char			 field[48];
	size_t			 i;
	bool			 ok = false;

	memset(rep, 0, sizeof(*rep));
	memset(&c, 0, sizeof(c));
	rep->plan = pl;
	if ((rep->res = calloc(pl->n_checks ? pl->n_checks : 1,
	    sizeof(*rep->res))) == NULL) {
		mp_error_set(err, MP_ENOMEM, NULL, NULL, "out of memory");
		goto out;
	}
	for (i = 0; i < pl->n_checks; i++) {
		ck = &pl->checks[i];
		r = &rep->res[i];
		r->check = ck;
		/* Each result keeps its estimate: JSON writes its body. */
		if ((est = r->est = calloc(1, sizeof(*est))) == NULL) {
			mp_error_set(err, MP_ENOMEM, NULL, NULL,
			    "out of memory");
			goto out;
		}
		if (!cached_model(&c, pl, ck, i, &m, err))
			goto out;
		hw = NULL;
		if (ck->hardware[0] != '\0' &&
		    !cached_hw(&c, pl, ck, i, &hw, err))
			goto out;
		put(r->model_name, sizeof(r->model_name), "%s", m->name);
		if (hw != NULL)
			put(r->hw_name, sizeof(r->hw_name), "%s",
			    hw->name);
		mp_error_clear(&e2);
		if (!mp_place(m, hw, &ck->sc, est, &j, &e2)) {
			/* A check that cannot be computed is bad input;
			 * an option is named by its plan-file key. */
			const char *k = strncmp(e2.field, "--", 2) == 0 ?
			    e2.field + 2 : e2.field;

			put(field, sizeof(field), "checks[%zu]%s%s", i,
			    k[0] != '\0' ? "." : "", k);
			for (char *q = strchr(field, ']'); q != NULL &&
			    *q != '\0'; q++)
				if (*q == '-')
					*q = '_';
			mp_error_setl(err, e2.status == MP_OK ? MP_EINPUT :
			    e2.status, pl->path, ck->line, ck->col, field,
			    "%s", e2.msg);
			goto out;
		}
		r->j = j;
		/* The profile is freed with the cache: keep the name only. */
		r->j.device = NULL;
		if (hw != NULL) {
			r->predicted = j.judged;
			r->budget = ck->max_memory != 0 ? ck->max_memory :
			    j.capacity;
			/* An explicit headroom makes the margin a must. */
			r->pass = r->predicted <= r->budget &&
			    (j.verdict == MP_VERDICT_FITS ||
			    (j.verdict == MP_VERDICT_TIGHT &&
			    !est->sc.headroom_set));
			if (j.verdict == MP_VERDICT_UNSUPPORTED)
				mp_reason_set(&r->why, "unsupported on %s: %s",
				    hw->name, j.reason);
			else if (!j.fits && j.disk.judged && !j.disk.fits &&
			    j.dev[j.fullest].fits && j.host.fits) {
				/* only the node's NVMe is short */
				mp_reason_set(&r->why, "does not fit on %s: "
				    "NVMe needs {nvme} per node of {disk}",
				    hw->name);
				mp_reason_size(&r->why, "nvme",
				    j.disk.predicted);
				mp_reason_size(&r->why, "disk",
				    j.disk.capacity);
			} else if (!j.fits) {
				mp_reason_set(&r->why, "does not fit on %s: "
				    "%s{predicted} of {usable} usable%s",
				    hw->name, j.where == MP_JUDGE_DEVICE &&
				    j.gpus > 1 ? "the fullest GPU holds " : "",
				    j.host_short ? " (host RAM short)" : "");
				mp_reason_size(&r->why, "predicted", j.judged);
				mp_reason_size(&r->why, "usable", j.capacity);
			} else if (!r->pass && r->predicted <= r->budget) {
				mp_reason_set(&r->why, "tight on %s: "
				    "{headroom} of headroom, below the margin "
				    "of {margin}", hw->name);
				mp_reason_ssize(&r->why, "headroom",
				    j.headroom);
				mp_reason_size(&r->why, "margin", j.margin);
			}
		} else {
			r->predicted = est->mem.total;
			r->budget = ck->max_memory;
			r->pass = r->predicted <= r->budget;
		}
		r->margin = r->budget >= r->predicted ?
		    (int64_t)(r->budget - r->predicted) :
		    -(int64_t)(r->predicted - r->budget);
		if (!r->pass && r->why.text[0] == '\0') {
			mp_reason_set(&r->why, "predicted {predicted} is over "
			    "the budget of {budget} by {over}");
			mp_reason_size(&r->why, "predicted", r->predicted);
			mp_reason_size(&r->why, "budget", r->budget);
			mp_reason_size(&r->why, "over", r->predicted -
			    r->budget);
		}
		if (r->pass)
			rep->passed++;
		else
			rep->failed++;
		rep->n = i + 1;
	}
	ok = true;
out:
	cache_fini(&c);
	if (!ok)
		mp_check_report_fini(rep);
	return ok;
}

void
mp_check_report_fini(struct mp_check_report *rep)
{
	size_t i;

	if (rep == NULL)
		return;
	for (i = 0; rep->res != NULL && rep->plan != NULL &&
	    i < rep->plan->n_checks; i++)
		free(rep->res[i].est);
	free(rep->res);
	rep->res = NULL;
	rep->n = 0;
}

