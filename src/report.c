/* report.c: an estimate judged on a machine, with its speed: what the
 * renderers format (what would fit instead is plan.c's, mp_report_suggest) */
/* SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <string.h>

#include "internal.h"

bool
mp_report_build(struct mp_report *r, const struct mp_model *m,
    const struct mp_estimate *est, const struct mp_hardware *hw,
    const struct mp_judgement *j, struct mp_error *err)
{
	memset(r, 0, sizeof(*r));
	r->model = m;
	r->est = est;
	if (hw == NULL)
		return true;
	r->hw_name = hw->name;
	if (j != NULL)
		r->j = *j;
	else
		mp_hardware_judge_ex(hw, est, &r->j);
	r->capacity = r->j.capacity;
	r->fits = r->j.fits;
	r->headroom = r->j.headroom;
	r->frag_risk = r->j.frag_risk;
	r->reserved = r->j.reserved;
	if (est->sc.mode == MP_MODE_INFER && !est->has_convert) {
		struct mp_speed_target tg;

		mp_speed_target(hw, est, &tg);
		if (!mp_speed_estimate(m, est, &tg, est->sc.bench,
		    est->sc.n_bench, &r->speed, err))
			return false;
		r->has_speed = true;
		/* A run that does not load has no speed: say so rather
		 * than print the rate of a machine with more memory. */
		if (!r->fits) {
			r->speed.available = false;
			snprintf(r->speed.why, sizeof(r->speed.why), "%s %s",
			    r->j.verdict == MP_VERDICT_UNSUPPORTED ?
			    "it cannot run on" : "it does not fit on",
			    hw->name);
		}
	}
	return true;
}

static const char *
verdict_words(enum mp_verdict v, bool md)
{
	switch (v) {
	case MP_VERDICT_FITS:
		return "fits";
	case MP_VERDICT_TIGHT:
		return md ? "fits, **tight**" : "fits, tight";
	case MP_VERDICT_UNSUPPORTED:
		return md ? "**unsupported**" : "UNSUPPORTED";
	default:
		return md ? "**does not fit**" : "DOES NOT FIT";
	}
}

/* GPUs of different memory (a mixed machine): the capacity shown is the
 * fullest one's, not every GPU's. */
static bool
mixed_gpus(const struct mp_judgement *j)
{
	size_t i;

	for (i = 1; i < j->n_dev; i++)
		if (j->dev[i].capacity != j->dev[0].capacity)
			return true;
	return false;
}

void
mp_render_judgement(FILE *fp, const char *hw_name,
    const struct mp_judgement *j, enum mp_units u, bool md)
{
	char	 a[32], b[32], c[32];
	const char *pre = md ? "- " : "  ";
	const char *per = mixed_gpus(j) ? " on the fullest GPU" : " per GPU";

	if (md)
		fprintf(fp, "**On %s** (%s usable%s): %s", hw_name,
		    mp_fmt_size(j->capacity, u, a, sizeof(a)),
		    j->where == MP_JUDGE_HOST ? " RAM" : j->gpus > 1 ?
		    per : "", verdict_words(j->verdict, true));
	else
		fprintf(fp, "%s: %s usable%s -> %s", hw_name,
		    mp_fmt_size(j->capacity, u, a, sizeof(a)),
		    j->where == MP_JUDGE_HOST ? " RAM" : j->gpus > 1 ?
		    per : "", verdict_words(j->verdict, false));
	if (j->headroom >= 0 && j->verdict == MP_VERDICT_NO &&
	    j->where == MP_JUDGE_DEVICE)
		/* the GPUs fit: the host's RAM or its NVMe decides */
		fprintf(fp, ": %s short (the GPUs have %s headroom)",
		    j->host_short ? "host RAM" : "NVMe",
		    mp_fmt_size((uint64_t)j->headroom, u, a, sizeof(a)));
	else if (j->headroom >= 0)
		fprintf(fp, ", %s headroom", mp_fmt_size((uint64_t)j->headroom,
		    u, a, sizeof(a)));
	else
		fprintf(fp, ", %s over", mp_fmt_size((uint64_t)-(j->headroom +
		    1) + 1, u, a, sizeof(a)));
	fprintf(fp, "%s\n", md ? ".\n" : "");
	if (j->frag_risk)
		fprintf(fp, "%sfits as allocated, but the allocator may reserve "
		    "%s on the fullest GPU (fragmentation risk; "
		    "PYTORCH_CUDA_ALLOC_CONF=expandable_segments:True and "
		    "--expandable-segments remove most of it)\n", pre,
		    mp_fmt_size(j->reserved, u, a, sizeof(a)));
	if (j->verdict == MP_VERDICT_UNSUPPORTED)
		fprintf(fp, "%sunsupported: %s\n", pre, j->reason);
	if (j->verdict == MP_VERDICT_TIGHT)
		fprintf(fp, "%sbelow the margin of %s (--headroom)\n", pre,
		    mp_fmt_size(j->margin, u, a, sizeof(a)));
	if (j->where == MP_JUDGE_DEVICE && j->gpus > 1)
		fprintf(fp, "%sfullest GPU: %s of %s (GPU %zu of %llu%s%s%s)\n",
		    pre, mp_fmt_size(j->judged, u, a, sizeof(a)),
		    mp_fmt_size(j->capacity, u, b, sizeof(b)), j->fullest,
		    (unsigned long long)j->gpus, mixed_gpus(j) ? ", " : "",
		    mixed_gpus(j) ? j->device_name : "", j->nodes > 1 ?
		    (mp_judgement_node(j, j->fullest) == 1 ? ", on node 1" :
		    ", on an rpc-server node") : "");
	if (j->where == MP_JUDGE_DEVICE && j->host.predicted > 0)
		fprintf(fp, "%shost: %s resident of %s%s%s\n", pre,
		    mp_fmt_size(j->host.predicted, u, a, sizeof(a)),
		    mp_fmt_size(j->host.capacity, u, b, sizeof(b)),
		    j->nodes > 1 ? " on the fullest node" : "",
		    j->host.fits ? "" : " (DOES NOT FIT)");
	if (j->disk.judged)
		fprintf(fp, "%sNVMe: %s per node of %s%s\n", pre,
		    mp_fmt_size(j->disk.predicted, u, a, sizeof(a)),
		    mp_fmt_size(j->disk.capacity, u, b, sizeof(b)),
		    j->disk.fits ? "" : " (DOES NOT FIT)");
	if (j->host.reclaimable > 0 && !(j->where == MP_JUDGE_HOST &&
	    j->swap_needed == 0 && j->host.reclaimable == 0))
		fprintf(fp, "%shost: %s of file pages besides, reclaimable "
		    "(not counted)\n", pre, mp_fmt_size(j->host.reclaimable,
		    u, c, sizeof(c)));
	if (md)
		fputc('\n', fp);
}
