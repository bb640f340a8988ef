/* cli.c: the command table, usage and the dispatcher (common.c has what
 * the commands share) */
/* SPDX-License-Identifier: MIT */
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static const struct mp_cmd cmds[] = {
	{ "estimate", cmd_estimate,
	  "estimate MODEL [scenario options] [--hardware HW] [--format F] "
	  "[-o FILE]",
	  "memory of every component for one scenario", MP_FMTS_DOC },
	{ "plan", cmd_plan,
	  "plan MODEL [--hardware HW] [scenario options] [--format F] "
	  "[-o FILE]",
	  "every sensible mode on a machine: fits?, recommendations",
	  MP_FMTS_DOC | MP_FMT_BIT(MP_FMT_SVG) },
	{ "check", cmd_check,
	  "check PLAN.yaml [--format text|markdown|json|junit] [-o FILE]",
	  "CI gate: one line per check, exit 1 if any fails",
	  MP_FMTS_DOC | MP_FMT_BIT(MP_FMT_JUNIT) },
	{ "fit", cmd_fit,
	  "fit MODEL [--hardware HW] --solve seq|batch|layers|weights "
	  "[scenario options] [--format F] [-o FILE]",
	  "the largest value that fits", MP_FMTS_DOC },
	{ "sweep", cmd_sweep,
	  "sweep MODEL --over seq=1k..128k [--hardware HW] [scenario options] "
	  "[--format F] [-o FILE]",
	  "memory along a range, for charts",
	  MP_FMTS_DOC | MP_FMT_BIT(MP_FMT_CSV) | MP_FMT_BIT(MP_FMT_SVG) },
	{ "models", cmd_models, "models [--format F]",
	  "list bundled model configs",
	  MP_FMT_BIT(MP_FMT_TEXT) | MP_FMT_BIT(MP_FMT_JSON) },
	{ "hardware", cmd_hardware,
	  "hardware [HW] [--format F] | hardware --detect [-o FILE]",
	  "list bundled hardware profiles, or show one", MP_FMTS_DOC },
};

const struct mp_cmd *
mp_cli_command(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (strcmp(cmds[i].name, name) == 0)
			return &cmds[i];
	return NULL;
}

const struct mp_cmd *
mp_cli_commands(size_t *n)
{
	*n = sizeof(cmds) / sizeof(cmds[0]);
	return cmds;
}

static void
usage(FILE *fp)
{
	size_t i;

	fputs("usage:\n", fp);
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		fprintf(fp, "  memplan %s\n", cmds[i].usage);
	fputs("  memplan --version | --help\n\n", fp);
	fputs("Will this model, in this mode, fit in this memory?\n\n"
	    "Commands:\n", fp);
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		fprintf(fp, "  %-9s %s\n", cmds[i].name, cmds[i].summary);
	fputc('\n', fp);
	mp_cli_options_help(fp);
	fputs("\nMODEL is a config.json, a model folder, a .gguf file or a "
	    "bundled name\n(memplan models); or, read over HTTP (headers "
	    "only, cached in ~/.cache/memplan),\nOrg/Name[@REV] or "
	    "Org/Name:QUANT on the Hugging Face Hub, a .gguf URL or\n"
	    "ollama:NAME[:TAG].\nExit status: 0 fits (or nothing to judge), "
	    "1 does not fit or a check failed,\n2 bad usage or bad input.\n",
	    fp);
}

int
mp_cli_main(int argc, char **argv, FILE *out, FILE *err)
{
	struct mp_cli	 cli = { out, err, NULL, MP_UNITS_IEC };
	struct mp_error	 e;
	size_t		 i;

	if (argc < 2) {
		usage(err);
		return MP_EXIT_BAD;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(out);
		return MP_EXIT_OK;
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
		fprintf(out, "memplan %s (JSON schema %s)\n", MP_VERSION,
		    MP_SCHEMA);
		return MP_EXIT_OK;
	}
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (strcmp(argv[1], cmds[i].name) == 0) {
			cli.cmd = &cmds[i];
			return cmds[i].fn(argc - 1, argv + 1, &cli);
		}
	mp_error_clear(&e);
	mp_error_set(&e, MP_EUSAGE, NULL, NULL,
	    "unknown command \"%.40s\"; expected estimate, plan, check, fit, "
	    "sweep, models or hardware (memplan --help)", argv[1]);
	return mp_cli_fail(&cli, &e);
}
