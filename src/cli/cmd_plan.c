/* cmd_plan.c: memplan plan — every sensible mode on a machine */
/* SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* The options the user gave restrict the modes the planner tries. */
static unsigned
ck_set(unsigned set)
{
	unsigned ck = 0;

	if (set & MP_SET_MODE)
		ck |= MP_CK_MODE;
	if (set & MP_SET_WEIGHTS)
		ck |= MP_CK_WEIGHTS;
	if (set & MP_SET_SEQ)
		ck |= MP_CK_SEQ;
	if (set & MP_SET_BATCH)
		ck |= MP_CK_BATCH;
	if (set & MP_SET_RUNTIME)
		ck |= MP_CK_RUNTIME;
	/* --convert-pipeline: a conversion, answered with that pipeline's
	 * options only (weight compression, not another pipeline). */
	if (set & MP_GIVEN_PIPELINE)
		ck |= MP_CK_MODE | MP_CK_PIPELINE;
	return ck;
}

int
cmd_plan(int argc, char **argv, struct mp_cli *cli)
{
	struct mp_args		 a;
	struct mp_error		 e;
	struct mp_model		 m;
	struct mp_hardware	*hw = NULL;
	struct mp_planres	 p;
	struct mp_render_opts	 ro;
	struct mp_output	 out;
	const struct mp_option	*serve = NULL;
	bool			 ok, any = false;
	size_t			 i;
	int			 rc = MP_EXIT_BAD;

	mp_error_clear(&e);
	mp_model_init(&m);
	memset(&p, 0, sizeof(p));
	if ((rc = mp_cli_start_model(argc, argv, cli, MP_OPT_SCENARIO |
	    MP_OPT_REMOTE | MP_OPT_HARDWARE | MP_OPT_FORMAT, &a)) >= 0)
		return rc;
	rc = MP_EXIT_BAD;
	if (!mp_cli_default_hardware(&a, cli, "plan", &e))
		return mp_cli_fail(cli, &e);
	if (!mp_cli_svg_check(&a, &e))
		return mp_cli_fail(cli, &e);
	if ((hw = malloc(sizeof(*hw))) == NULL) {
		mp_error_set(&e, MP_ENOMEM, NULL, NULL, "out of memory");
		return mp_cli_fail(cli, &e);
	}
	if (!mp_cli_output_check(&a, &e))
		goto fail;
	if (!mp_model_load(a.pos[0], &m, &e) ||
	    !mp_hardware_load(a.hardware, hw, &e) ||
	    !mp_planner_plan(&m, hw, &a.sc, ck_set(a.set), &p, &e))
		goto fail;
	if (p.n_opt == 0) {
		mp_error_set(&e, MP_EINPUT, m.path, NULL,
		    "no mode could be estimated for this model (%s)",
		    p.skipped_what);
		goto fail;
	}
	if (!mp_output_open(&out, a.output, cli->out, &e))
		goto fail;
	mp_cli_render_opts(&a, cli, &ro);
	/* The chart follows the recommended way to serve the model. */
	for (i = 0; i < p.n_rec; i++)
		if (p.rec[i].goal == MP_GOAL_SERVE)
			serve = &p.opt[p.rec[i].opt];
	if (a.format == MP_FMT_JSON)
		ok = mp_render_plan_json(&p, &ro, out.fp);
	else if (a.format == MP_FMT_MARKDOWN) {
		ok = mp_render_plan_markdown(&p, &ro, out.fp);
		if (ok && serve != NULL)
			ok = mp_cli_context_chart(out.fp, &m, hw,
			    &serve->est.sc, serve->label, false, &ro);
	} else if (a.format == MP_FMT_SVG) {
		ok = serve != NULL && mp_cli_context_chart(out.fp, &m, hw,
		    &serve->est.sc, serve->label, true, &ro);
		if (serve == NULL) {
			mp_output_abort(&out);
			mp_error_set(&e, MP_EINPUT, m.path, NULL, "no way to "
			    "serve this model fits: nothing to chart");
			goto fail;
		}
	} else
		ok = mp_render_plan_text(&p, &ro, out.fp);
	if (!mp_output_finish(&out, ok, &e))
		goto fail;
	/* Exit 1 when no mode at all fits the machine. */
	for (i = 0; i < p.n_opt; i++)
		any = any || p.opt[i].j.fits;
	rc = any ? MP_EXIT_OK : MP_EXIT_NOFIT;
	mp_planres_fini(&p);
	mp_model_fini(&m);
	free(hw);
	return rc;
fail:
	mp_planres_fini(&p);
	mp_model_fini(&m);
	free(hw);
	return mp_cli_fail(cli, &e);
}
