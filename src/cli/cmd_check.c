/* cmd_check.c: memplan check — the CI gate over a plan file */
/* SPDX-License-Identifier: MIT */
#include <stdio.h>

#include "cli.h"

int
cmd_check(int argc, char **argv, struct mp_cli *cli)
{
	struct mp_args		 a;
	struct mp_error		 e;
	struct mp_plan		 pl;
	struct mp_check_report	 rep;
	struct mp_render_opts	 ro;
	struct mp_output	 out;
	bool			 ok;
	int			 rc;

	mp_error_clear(&e);
	mp_plan_init(&pl);
	if ((rc = mp_cli_start(argc, argv, cli, MP_OPT_FORMAT |
	    MP_OPT_REMOTE, 1, &a)) >= 0)
		return rc;
	if (a.npos != 1) {
		mp_error_set(&e, MP_EUSAGE, NULL, "PLAN",
		    "expected one plan file (see memplan-plan(5))");
		return mp_cli_fail(cli, &e);
	}
	/* Every check is computed before anything is written. */
	if (!mp_cli_output_check(&a, &e))
		return mp_cli_fail(cli, &e);
	if (!mp_plan_load(a.pos[0], &pl, &e))
		return mp_cli_fail(cli, &e);
	if (!mp_planner_check(&pl, &rep, &e)) {
		mp_plan_fini(&pl);
		return mp_cli_fail(cli, &e);
	}
	if (!mp_output_open(&out, a.output, cli->out, &e))
		goto fail;
	mp_cli_render_opts(&a, cli, &ro);
	switch (a.format) {
	case MP_FMT_JSON:
		ok = mp_render_check_json(&rep, &ro, out.fp);
		break;
	case MP_FMT_MARKDOWN:
		ok = mp_render_check_markdown(&rep, &ro, out.fp);
		break;
	case MP_FMT_JUNIT:
		ok = mp_render_check_junit(&rep, &ro, out.fp);
		break;
	default:
		ok = mp_render_check_text(&rep, &ro, out.fp);
		break;
	}
	if (!mp_output_finish(&out, ok, &e))
		goto fail;
	rc = rep.failed > 0 ? MP_EXIT_NOFIT : MP_EXIT_OK;
	mp_check_report_fini(&rep);
	mp_plan_fini(&pl);
	return rc;
fail:
	mp_check_report_fini(&rep);
	mp_plan_fini(&pl);
	return mp_cli_fail(cli, &e);
}
