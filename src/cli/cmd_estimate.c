/* cmd_estimate.c: memplan estimate — one scenario, every component */
/* SPDX-License-Identifier: MIT */
#include <stdio.h>

#include "cli.h"

int
cmd_estimate(int argc, char **argv, struct mp_cli *cli)
{
	struct mp_args		 a;
	struct mp_error		 e;
	struct mp_model		 m;
	struct mp_estimate	 est;
	struct mp_judgement	 j;
	struct mp_hardware	 hw;
	struct mp_report	 r;
	struct mp_render_opts	 ro;
	struct mp_output	 out;
	bool			 have_hw = false, ok;
	int			 rc = MP_EXIT_BAD;

	mp_error_clear(&e);
	mp_model_init(&m);
	if ((rc = mp_cli_start_model(argc, argv, cli, MP_OPT_SCENARIO |
	    MP_OPT_REMOTE | MP_OPT_HARDWARE | MP_OPT_FORMAT, &a)) >= 0)
		return rc;
	rc = MP_EXIT_BAD;
	if (a.sc.n_bench > 0 && a.hardware == NULL) {
		mp_error_set(&e, MP_EUSAGE, NULL, "--bench",
		    "a speed needs --hardware (the machine it runs on)");
		return mp_cli_fail(cli, &e);
	}
	/* Everything that can fail runs before the output is opened. */
	if (!mp_cli_mode_options(&a, &e) || !mp_cli_output_check(&a, &e))
		goto fail;
	if (!mp_model_load(a.pos[0], &m, &e))
		goto fail;
	if (a.hardware != NULL) {
		if (!mp_hardware_load(a.hardware, &hw, &e))
			goto fail;
		have_hw = true;
	}
	/* The placement step: the same verdict as fit, sweep, check, plan. */
	if (!mp_place(&m, have_hw ? &hw : NULL, &a.sc, &est, &j, &e))
		goto fail;
	if (!mp_report_build(&r, &m, &est, have_hw ? &hw : NULL,
	    have_hw ? &j : NULL, &e) ||
	    !mp_report_suggest(&r, &m, have_hw ? &hw : NULL, &e))
		goto fail;
	if (!mp_output_open(&out, a.output, cli->out, &e))
		goto fail;
	mp_cli_render_opts(&a, cli, &ro);
	if (a.format == MP_FMT_JSON)
		ok = mp_render_json(&r, &ro, out.fp);
	else if (a.format == MP_FMT_MARKDOWN)
		ok = mp_render_markdown(&r, &ro, out.fp);
	else
		ok = mp_render_text(&r, &ro, out.fp);
	if (!mp_output_finish(&out, ok, &e))
		goto fail;
	/* Exit 1 when it does not fit or cannot run; tight passes unless
	 * --headroom made the margin a requirement. */
	rc = have_hw && (!r.fits || (j.verdict == MP_VERDICT_TIGHT &&
	    est.sc.headroom_set)) ? MP_EXIT_NOFIT : MP_EXIT_OK;
	mp_model_fini(&m);
	return rc;
fail:
	mp_model_fini(&m);
	return mp_cli_fail(cli, &e);
}
