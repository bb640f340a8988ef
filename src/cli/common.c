/* common.c: what every command shares: --help text, render options, the
 * default machine, the checks before any work, the one failure printer */
/* SPDX-License-Identifier: MIT */
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "internal.h"	/* mp_cli_list: the JSON writer; see internal.h */

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
void
mp_cli_options_help(FILE *fp)
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

int
mp_cli_start(int argc, char **argv, struct mp_cli *cli, unsigned groups,
    size_t max_pos, struct mp_args *a)
{
	struct mp_error e;

	mp_error_clear(&e);
	if (!mp_args_parse(argc, argv, cli->cmd, groups, max_pos, a, &e))
		return mp_cli_fail(cli, &e);
	/* Error lines from here on print sizes in --units. */
	cli->units = a->units;
	if (a->help) {
		mp_cli_cmd_help(cli->cmd, cli->out);
		return MP_EXIT_OK;
	}
	return -1;
}

int
mp_cli_start_model(int argc, char **argv, struct mp_cli *cli,
    unsigned groups, struct mp_args *a)
{
	struct mp_error	 e;
	int		 rc;

	if ((rc = mp_cli_start(argc, argv, cli, groups, 1, a)) >= 0)
		return rc;
	mp_error_clear(&e);
	if (!mp_cli_one_model(a, &e))
		return mp_cli_fail(cli, &e);
	return -1;
}

bool
mp_cli_svg_check(const struct mp_args *a, struct mp_error *e)
{
	if (a->format != MP_FMT_SVG || mp_render_svg_available())
		return true;
	return mp_error_set(e, MP_EUSAGE, NULL, "--format", "svg needs "
	    "memplan built with cairo (meson setup -Dcairo=enabled)");
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
	mp_error_print(err, cli->units, cli->err);
	return MP_EXIT_BAD;
}

void
mp_cli_cmd_help(const struct mp_cmd *cmd, FILE *fp)
{
	fprintf(fp, "usage: memplan %s\n%s.\n\n", cmd->usage, cmd->summary);
	mp_cli_options_help(fp);
}

int
mp_cli_list(struct mp_cli *cli, const struct mp_args *a,
    struct mp_listing *l)
{
	struct mp_error		 e;
	struct mp_output	 out;
	struct mp_jsonw		 w;
	bool			 ok;

	mp_error_clear(&e);
	if (!mp_cli_output_check(a, &e) ||
	    !mp_output_open(&out, a->output, cli->out, &e))
		return mp_cli_fail(cli, &e);
	l->fp = out.fp;
	l->w = NULL;
	l->units = a->units;
	l->md = a->format == MP_FMT_MARKDOWN;
	l->err = cli->err;
	l->bad = 0;
	if (a->format == MP_FMT_JSON) {
		mp_jsonw_doc(&w, out.fp, a->units);
		mp_jsonw_arr(&w, l->key);
		l->w = &w;
	} else
		l->head(l);
	ok = mp_catalog_list(l->folder, l->ext, l->one, l, &e);
	if (ok && l->w != NULL) {
		mp_jsonw_end(&w, ']');
		mp_jsonw_end(&w, '}');
	}
	l->w = NULL;
	if (!ok) {
		mp_output_abort(&out);
		return mp_cli_fail(cli, &e);
	}
	if (!mp_output_finish(&out, !ferror(out.fp), &e))
		return mp_cli_fail(cli, &e);
	return MP_EXIT_OK;
}
