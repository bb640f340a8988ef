/* cli.c: the command table, usage, exit codes */
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

/* Appends words to a help line, wrapping at 79 columns under col 28. */
static void
help_words(FILE *fp, size_t *col, const char *text)
{
	const char	*w = text, *e;
	size_t		 len;

	while (*w != '\0') {
		while (*w == ' ')
			w++;
		if (*w == '\0')
			break;
		for (e = w; *e != '\0' && *e != ' ' && *e != '|'; e++)
			continue;
		if (*e == '|')
			e++;
		len = (size_t)(e - w);
		if (*col + len + 1 > 79 && *col > 28) {
			fprintf(fp, "\n%28s", "");
			*col = 28;
		} else if (*col > 28 && w > text && w[-1] == ' ') {
			fputc(' ', fp);
			(*col)++;
		}
		fprintf(fp, "%.*s", (int)len, w);
		*col += len;
		w = e;
	}
}

/* One option of the library's table as a --help line. */
static void
help_option(FILE *fp, const struct mp_optspec *o)
{
	char	 left[64], list[1024], text[1400], shrt[8] = "";
	size_t	 col;

	if (o->shrt != 0)
		snprintf(shrt, sizeof(shrt), "-%c, ", o->shrt);
	snprintf(left, sizeof(left), "  %s--%s%s%s", shrt, o->cli,
	    o->arg && o->kind != MP_OK_FLAG ? " " : "",
	    o->arg && o->kind != MP_OK_FLAG ? o->arg : "");
	fputs(left, fp);
	col = strlen(left);
	if (col >= 27) {
		fprintf(fp, "\n%28s", "");
		col = 28;
	} else {
		fprintf(fp, "%*s", (int)(28 - col), "");
		col = 28;
	}
	list[0] = '\0';
	if (o->kind == MP_OK_ENUM)
		mp_option_choices(o, "|", NULL, list, sizeof(list));
	snprintf(text, sizeof(text), "%s%s%s%s%s%s", o->help,
	    list[0] ? ": " : "", list, o->dflt ? " [" : "",
	    o->dflt ? o->dflt : "", o->dflt ? "]" : "");
	help_words(fp, &col, text);
	fputc('\n', fp);
}

/* Every option of the table: the scenario first, then the command's. */
static void
options_help(FILE *fp)
{
	const struct mp_optspec	*t;
	size_t			 i, n;

	t = mp_options(&n);
	fputs("Scenario options (estimate, plan, fit, sweep; in plan files "
	    "the same names\nwith \"_\" for \"-\": kv_dtype: fp8):\n", fp);
	for (i = 0; i < n; i++)
		if (t[i].cli != NULL && t[i].group == MP_OPT_SCENARIO)
			help_option(fp, &t[i]);
	fputs("Machine, command and output options:\n", fp);
	for (i = 0; i < n; i++)
		if (t[i].cli != NULL && t[i].group != MP_OPT_SCENARIO)
			help_option(fp, &t[i]);
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
	options_help(fp);
	fputs("\nMODEL is a config.json, a model folder, a .gguf file or a "
	    "bundled name\n(memplan models); or, read over HTTP (headers "
	    "only, cached in ~/.cache/memplan),\nOrg/Name[@REV] or "
	    "Org/Name:QUANT on the Hugging Face Hub, a .gguf URL or\n"
	    "ollama:NAME[:TAG].\nExit status: 0 fits (or nothing to judge), "
	    "1 does not fit or a check failed,\n2 bad usage or bad input.\n",
	    fp);
}

void
mp_cli_render_opts(const struct mp_args *a, struct mp_cli *cli,
    struct mp_render_opts *ro)
{
	const char *nc = getenv("NO_COLOR");

	memset(ro, 0, sizeof(*ro));
	ro->units = a->units;
	/* https://no-color.org: a set, non-empty NO_COLOR turns pictures
	 * off unless asked for by name. */
	ro->bar = a->color || (a->output == NULL &&
	    isatty(fileno(cli->out)) && (nc == NULL || *nc == '\0'));
	ro->unicode = mp_bar_unicode();
}

/*
 * Without --hardware: the default machine into a->hardware when there is
 * one.  A $MEMPLAN_HARDWARE that hwbuf cannot hold is refused, not cut
 * (nor taken for "no machine").
 */
bool
mp_cli_hardware_env(struct mp_args *a, struct mp_error *e)
{
	const char	*env = getenv("MEMPLAN_HARDWARE");

	if (a->hardware != NULL)
		return true;
	if (env != NULL && strlen(env) >= sizeof(a->hwbuf))
		return mp_error_set(e, MP_EUSAGE, NULL, "MEMPLAN_HARDWARE",
		    "path too long (at most %zu bytes)", sizeof(a->hwbuf) - 1);
	if (mp_hardware_default(a->hwbuf, sizeof(a->hwbuf)))
		a->hardware = a->hwbuf;
	return true;
}

bool
mp_cli_default_hardware(struct mp_args *a, struct mp_cli *cli,
    const char *cmd, struct mp_error *e)
{
	(void)cli;
	if (!mp_cli_hardware_env(a, e))
		return false;
	if (a->hardware != NULL)
		return true;
	return mp_error_set(e, MP_EUSAGE, NULL, "--hardware",
	    "%s needs a machine: --hardware HW (a profile or a bundled name, "
	    "see memplan hardware), $MEMPLAN_HARDWARE, or "
	    "~/.config/memplan/hardware.yaml (memplan hardware --detect -o "
	    "FILE writes one)", cmd);
}

bool
mp_cli_context_chart(FILE *fp, const struct mp_model *m,
    const struct mp_hardware *hw, const struct mp_scenario *sc,
    const char *what, bool svg, const struct mp_render_opts *ro)
{
	struct mp_sweep	 sw;
	struct mp_error	 e;
	bool		 ok;

	mp_error_clear(&e);
	memset(&sw, 0, sizeof(sw));
	/* A curve that cannot be computed only leaves the chart out. */
	if (!mp_sweep_context(m, hw, sc, &sw, &e))
		return !svg;
	if (svg)
		ok = mp_render_sweep_svg(&sw, ro, fp);
	else {
		fprintf(fp, "\n### Memory against context length: %s\n\n",
		    what);
		ok = mp_render_sweep_mermaid(&sw, ro, fp);
	}
	mp_sweep_fini(&sw);
	return ok;
}

bool
mp_cli_one_model(const struct mp_args *a, struct mp_error *e)
{
	if (a->npos == 1)
		return true;
	return mp_error_set(e, MP_EUSAGE, NULL, "MODEL", "expected one model: "
	    "a config.json, a folder, a .gguf file, a Hugging Face id or a "
	    "bundled name (memplan models)");
}

bool
mp_cli_mode_options(const struct mp_args *a, struct mp_error *e)
{
	char		 why[128], field[64];
	enum mp_opt_id	 id;

	/* (plan weighs every mode, so it takes them all.) */
	if ((id = mp_option_unused(&a->sc, a->set, true, why, sizeof(why))) ==
	    MP_O__COUNT)
		return true;
	snprintf(field, sizeof(field), "--%s", mp_option_by_id(id)->cli);
	return mp_error_set(e, MP_EUSAGE, NULL, field, "%s", why);
}

bool
mp_cli_output_check(const struct mp_args *a, struct mp_error *e)
{
	const char	*in[MP_MAX_POS * 2 + 1];
	char		*cfg[MP_MAX_POS];
	size_t		 i, n = 0, nc = 0;
	struct stat	 st;
	bool		 ok;

	if (a->output == NULL)
		return true;
	/* A folder's config.json is an input too. */
	for (i = 0; i < a->npos; i++) {
		in[n++] = a->pos[i];
		if (stat(a->pos[i], &st) == 0 && S_ISDIR(st.st_mode) &&
		    (cfg[nc] = malloc(strlen(a->pos[i]) + 13)) != NULL) {
			sprintf(cfg[nc], "%s/config.json", a->pos[i]);
			in[n++] = cfg[nc++];
		}
	}
	in[n++] = a->hardware;
	ok = mp_output_check(a->output, in, n, e);
	for (i = 0; i < nc; i++)
		free(cfg[i]);
	return ok;
}

bool
mp_output_finish(struct mp_output *out, bool rendered, struct mp_error *e)
{
	const char	*name = out->name;
	bool		 stream = !out->is_file;
	int		 err;

	if (rendered)
		return mp_output_commit(out, e);
	/* The renderer saw a write error: flushing again names it. */
	errno = 0;
	(void)fflush(out->fp);
	err = errno != 0 ? errno : EIO;
	mp_output_abort(out);
	if (stream)
		return mp_error_set(e, MP_EIO, name, NULL, "%s", strerror(err));
	return mp_error_set(e, MP_EIO, name, "-o", "write failed: %s",
	    strerror(err));
}

int
mp_cli_fail(struct mp_cli *cli, const struct mp_error *err)
{
	mp_error_print(err, cli->err);
	return MP_EXIT_BAD;
}

void
mp_cli_cmd_help(const char *name, FILE *fp)
{
	size_t i;

	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (strcmp(cmds[i].name, name) == 0) {
			fprintf(fp, "usage: memplan %s\n%s.\n\n", cmds[i].usage,
			    cmds[i].summary);
			options_help(fp);
			return;
		}
}

int
mp_cli_main(int argc, char **argv, FILE *out, FILE *err)
{
	struct mp_cli	 cli = { out, err };
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
		if (strcmp(argv[1], cmds[i].name) == 0)
			return cmds[i].fn(argc - 1, argv + 1, &cli);
	mp_error_clear(&e);
	mp_error_set(&e, MP_EUSAGE, NULL, NULL,
	    "unknown command \"%.40s\"; expected estimate, plan, check, fit, "
	    "sweep, models or hardware (memplan --help)", argv[1]);
	return mp_cli_fail(&cli, &e);
}
