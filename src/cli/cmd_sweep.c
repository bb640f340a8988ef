/* cmd_sweep.c: memplan sweep — memory along seq, batch or rank */
/* SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"

int
cmd_sweep(int argc, char **argv, struct mp_cli *cli)
{
	struct mp_args		 a;
	struct mp_error		 e;
	struct mp_model		 m;
	struct mp_hardware	*hw = NULL;
	struct mp_sweep		 sw;
	struct mp_render_opts	 ro;
	struct mp_output	 out;
	bool			 ok;
	int			 rc;

	mp_error_clear(&e);
	mp_model_init(&m);
	sw.pt = NULL;
	sw.n = 0;
	if ((rc = mp_cli_start_model(argc, argv, cli, MP_OPT_SCENARIO |
	    MP_OPT_REMOTE | MP_OPT_HARDWARE | MP_OPT_FORMAT | MP_OPT_OVER,
	    &a)) >= 0)
		return rc;
	if (a.over == NULL) {
		mp_error_set(&e, MP_EUSAGE, NULL, "--over",
		    "expected a range, like seq=1k..128k or batch=1,8,32");
		return mp_cli_fail(cli, &e);
	}
	if (!mp_cli_svg_check(&a, &e))
		return mp_cli_fail(cli, &e);
	if (!mp_cli_hardware_env(&a, &e) || !mp_cli_mode_options(&a, &e) || !mp_cli_output_check(&a, &e))
		goto fail;
	if (!mp_model_load(a.pos[0], &m, &e))
		goto fail;
	if (a.hardware != NULL) {
		if ((hw = malloc(sizeof(*hw))) == NULL) {
			mp_error_set(&e, MP_ENOMEM, NULL, NULL,
			    "out of memory");
			goto fail;
		}
		if (!mp_hardware_load(a.hardware, hw, &e))
			goto fail;
	}
	if (!mp_planner_sweep(&m, hw, &a.sc, a.over, &sw, &e))
		goto fail;
	if (!mp_output_open(&out, a.output, cli->out, &e))
		goto fail;
	mp_cli_render_opts(&a, cli, &ro);
	if (a.format == MP_FMT_JSON)
		ok = mp_render_sweep_json(&sw, &ro, out.fp);
	else if (a.format == MP_FMT_MARKDOWN)
		ok = mp_render_sweep_markdown(&sw, &ro, out.fp) &&
		    mp_render_sweep_mermaid(&sw, &ro, out.fp);
	else if (a.format == MP_FMT_SVG)
		ok = mp_render_sweep_svg(&sw, &ro, out.fp);
	else if (a.format == MP_FMT_CSV)
		ok = mp_render_sweep_csv(&sw, &ro, out.fp);
	else
		ok = mp_render_sweep_text(&sw, &ro, out.fp);
	if (!mp_output_finish(&out, ok, &e))
		goto fail;
	mp_sweep_fini(&sw);
	mp_model_fini(&m);
	free(hw);
	return MP_EXIT_OK;
fail:
	mp_sweep_fini(&sw);
	mp_model_fini(&m);
	free(hw);
	return mp_cli_fail(cli, &e);
}
