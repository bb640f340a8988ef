/* cmd_fit.c: memplan fit — the largest seq, batch, layers or weights */
/* SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int
cmd_fit(int argc, char **argv, struct mp_cli *cli)
{
	struct mp_args		 a;
	struct mp_error		 e;
	struct mp_model		 m;
	struct mp_hardware	*hw = NULL;
	struct mp_fitres	*f = NULL;
	struct mp_report	 r;
	struct mp_render_opts	 ro;
	struct mp_output	 out;
	enum mp_solve		 what;
	bool			 ok;
	int			 rc = MP_EXIT_BAD;

	mp_error_clear(&e);
	mp_model_init(&m);
	if ((rc = mp_cli_start_model(argc, argv, cli, MP_OPT_SCENARIO |
	    MP_OPT_REMOTE | MP_OPT_HARDWARE | MP_OPT_FORMAT | MP_OPT_SOLVE,
	    &a)) >= 0)
		return rc;
	rc = MP_EXIT_BAD;
	if (!mp_cli_default_hardware(&a, cli, "fit", &e))
		return mp_cli_fail(cli, &e);
	if (a.solve == NULL || !mp_solve_parse(a.solve, &what)) {
		mp_error_set(&e, MP_EUSAGE, NULL, "--solve",
		    "expected seq, batch, layers, weights or n-cpu-moe%s%s%s",
		    a.solve ? ", got \"" : "", a.solve ? a.solve : "",
		    a.solve ? "\"" : "");
		return mp_cli_fail(cli, &e);
	}
	if (what == MP_SOLVE_LAYERS || what == MP_SOLVE_NCPUMOE) {
		/* GPU layers and --n-cpu-moe are llama.cpp notions. */
		if ((a.set & MP_SET_RUNTIME) &&
		    a.sc.runtime != MP_RT_LLAMACPP) {
			mp_error_set(&e, MP_EUSAGE, NULL, "--solve",
			    "%s needs --runtime llamacpp", a.solve);
			return mp_cli_fail(cli, &e);
		}
		a.sc.runtime = MP_RT_LLAMACPP;
	}
	if ((hw = malloc(sizeof(*hw))) == NULL ||
	    (f = malloc(sizeof(*f))) == NULL) {
		mp_error_set(&e, MP_ENOMEM, NULL, NULL, "out of memory");
		goto fail;
	}
	if (!mp_cli_mode_options(&a, &e) || !mp_cli_output_check(&a, &e))
		goto fail;
	if (!mp_model_load(a.pos[0], &m, &e) ||
	    !mp_hardware_load(a.hardware, hw, &e) ||
	    !mp_planner_fit(&m, hw, &a.sc, what, f, &e) ||
	    !mp_report_build(&r, &m, &f->est, hw, &f->j, &e) ||
	    !mp_report_suggest(&r, &m, hw, &e))
		goto fail;
	if (!mp_output_open(&out, a.output, cli->out, &e))
		goto fail;
	mp_cli_render_opts(&a, cli, &ro);
	if (a.format == MP_FMT_JSON)
		ok = mp_render_fit_json(&r, f, &ro, out.fp);
	else if (a.format == MP_FMT_MARKDOWN)
		ok = mp_render_fit_markdown(&r, f, &ro, out.fp) &&
		    (!f->found || mp_cli_context_chart(out.fp, &m, hw,
		    &f->est.sc, "at the solved point", false, &ro));
	else
		ok = mp_render_fit_text(&r, f, &ro, out.fp);
	if (!mp_output_finish(&out, ok, &e))
		goto fail;
	rc = f->found ? MP_EXIT_OK : MP_EXIT_NOFIT;
	mp_model_fini(&m);
	free(hw);
	free(f);
	return rc;
fail:
	mp_model_fini(&m);
	free(hw);
	free(f);
	return mp_cli_fail(cli, &e);
}
