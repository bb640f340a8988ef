/* args.c: argv through the library's option table */
/* SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "internal.h"	/* links libmemplan.a: see internal.h */

/*
 * The options themselves live in the library's table (src/options.c),
 * which plan files, --help and the shell completion read too; this file
 * only walks argv and stores what is not part of a scenario.
 */

size_t
mp_cli_options(size_t i, const char **name, char *shrt, bool *arg,
    unsigned *group, const char **choices)
{
	static char		 lists[MP_O__COUNT][1024];
	const struct mp_optspec	*t, *o;
	size_t			 n, k, ncli = 0;

	t = mp_options(&n);
	for (k = 0; k < n; k++) {
		o = &t[k];
		if (o->cli == NULL)
			continue;
		if (ncli++ != i)
			continue;
		*name = o->cli;
		*shrt = o->shrt;
		*arg = o->kind != MP_OK_FLAG;
		*group = o->group;
		*choices = NULL;
		if (o->kind == MP_OK_ENUM) {
			mp_option_choices(o, " ", NULL, lists[o->id],
			    sizeof(lists[o->id]));
			*choices = lists[o->id];
		}
	}
	return ncli;
}

static bool
usage_err(const struct mp_optspec *o, struct mp_error *err, const char *why)
{
	char field[48];

	snprintf(field, sizeof(field), "--%s", o->cli);
	return mp_error_set(err, MP_EUSAGE, NULL, field, "%s", why);
}

/* An option the command does not take, with the closest one it does. */
static bool
unknown_option(const char *s, const char *cmd, unsigned allow,
    struct mp_error *err)
{
	const struct mp_optspec	*t;
	struct mp_suggest	 sg;
	const char		*name = s, *eq;
	char			 buf[64];
	size_t			 i, n;

	while (*name == '-')
		name++;
	if ((eq = strchr(name, '=')) != NULL) {
		snprintf(buf, sizeof(buf), "%.*s", (int)(eq - name), name);
		name = buf;
	}
	mp_suggest_init(&sg, name);
	t = mp_options(&n);
	for (i = 0; i < n && s[1] == '-'; i++)
		if (t[i].cli != NULL && (t[i].group == 0 ||
		    (t[i].group & allow)))
			mp_suggest_add(&sg, t[i].cli);
	if (mp_suggest_best(&sg) != NULL)
		return mp_error_set(err, MP_EUSAGE, NULL, NULL,
		    "unknown option \"%.60s\" for '%s'; did you mean "
		    "\"--%s\"? (see 'memplan %s --help')", s, cmd,
		    mp_suggest_best(&sg), cmd);
	return mp_error_set(err, MP_EUSAGE, NULL, NULL,
	    "unknown option \"%.60s\" for '%s' (see 'memplan %s --help')", s,
	    cmd, cmd);
}

/*
 * "sweep writes text, markdown, json, csv or svg": the formats of the
 * command at hand, in the order of the format table (formats.c).
 */
static bool
format_err(const struct mp_optspec *o, const struct mp_cmd *cmd,
    const char *v, struct mp_error *err)
{
	char		 list[256];
	enum mp_format	 f;
	const char	*s;
	size_t		 i, n = 0, k = 0, used = 0;

	if (cmd == NULL) {
		mp_option_expected(o, list, sizeof(list));
		return mp_error_set(err, MP_EUSAGE, NULL, "--format",
		    "%s, got \"%.40s\"", list, v);
	}
	for (i = 0; (s = mp_format_name(i)) != NULL; i++)
		if (mp_format_parse(s, &f) && (cmd->formats & MP_FMT_BIT(f)))
			n++;
	list[0] = '\0';
	for (i = 0; (s = mp_format_name(i)) != NULL && used < sizeof(list);
	    i++) {
		if (!mp_format_parse(s, &f) || !(cmd->formats & MP_FMT_BIT(f)))
			continue;
		used += (size_t)snprintf(list + used, sizeof(list) - used,
		    "%s%s", k == 0 ? "" : k + 1 == n ? " or " : ", ", s);
		k++;
	}
	return mp_error_set(err, MP_EUSAGE, NULL, "--format",
	    "%s writes %s, got \"%.40s\"", cmd->name, list, v);
}

/* Options that are not part of a scenario: the command's own. */
static bool
apply_cli(const struct mp_optspec *o, const char *v, struct mp_args *a,
    const struct mp_cmd *cmd, struct mp_error *err)
{
	char why[640];

	switch (o->id) {
	case MP_O_HARDWARE:
		a->hardware = v;
		break;
	case MP_O_FORMAT:
		if (!mp_format_parse(v, &a->format) ||
		    (cmd != NULL && !(cmd->formats & MP_FMT_BIT(a->format))))
			return format_err(o, cmd, v, err);
		a->set |= MP_SET_FORMAT;
		break;
	case MP_O_OUTPUT:
		a->output = v;
		break;
	case MP_O_UNITS:
		mp_units_parse(v, &a->units);
		break;
	case MP_O_HELP:
		a->help = true;
		break;
	case MP_O_COLOR:
		a->color = true;
		break;
	case MP_O_SOLVE:
		a->solve = v;
		break;
	case MP_O_OVER:
		a->over = v;
		break;
	case MP_O_DETECT:
		a->detect = true;
		break;
	case MP_O_REVISION:
		if (*v == '\0' || strpbrk(v, " \t\r\n") != NULL)
			return usage_err(o, err, "expected a branch, tag or "
			    "commit of a Hub repository");
		a->revision = v;
		break;
	case MP_O_OFFLINE:
		a->offline = true;
		break;
	default:
		snprintf(why, sizeof(why), "not a command-line option");
		return usage_err(o, err, why);
	}
	return true;
}

/* "memplan: read 3/8 files (Org/Name/model-00003-of-00008...)", over
 * itself on a terminal, cleared after the last. */
static void
progress(unsigned done, unsigned total, const char *what, void *arg)
{
	(void)arg;
	if (done < total)
		fprintf(stderr, "\rmemplan: read %u/%u files (%.50s)\033[K",
		    done, total, what);
	else
		fprintf(stderr, "\r\033[K");
	fflush(stderr);
}

bool
mp_args_parse(int argc, char **argv, const struct mp_cmd *cmd,
    unsigned allow, size_t maxpos, struct mp_args *a, struct mp_error *err)
{
	const struct mp_optspec	*late = NULL;
	const char		*late_v = NULL;
	char			 why[640];
	bool			 dashdash = false;
	int			 i;

	memset(a, 0, sizeof(*a));
	mp_scenario_init(&a->sc);
	for (i = 1; i < argc; i++) {
		const char		*s = argv[i], *v = NULL, *eq;
		const struct mp_optspec	*o = NULL;

		if (dashdash || s[0] != '-' || s[1] == '\0') {
			if (a->npos >= maxpos || a->npos >= MP_MAX_POS)
				return mp_error_set(err, MP_EUSAGE, NULL, NULL,
				    "unexpected argument \"%.60s\"", s);
			a->pos[a->npos++] = s;
			continue;
		}
		if (strcmp(s, "--") == 0) {
			dashdash = true;
			continue;
		}
		if (s[1] == '-') {
			eq = strchr(s + 2, '=');
			o = mp_option_cli(s + 2, eq ? (size_t)(eq - (s + 2)) :
			    strlen(s + 2));
			if (eq != NULL)
				v = eq + 1;
		} else if (s[2] == '\0')
			o = mp_option_short(s[1]);
		if (o == NULL || (o->group != 0 && !(o->group & allow)))
			return unknown_option(s, argv[0], allow, err);
		if (o->kind != MP_OK_FLAG && v == NULL) {
			if (i + 1 >= argc)
				return mp_error_set(err, MP_EUSAGE, NULL, s,
				    "expected a value");
			v = argv[++i];
		} else if (o->kind == MP_OK_FLAG && v != NULL)
			return mp_error_set(err, MP_EUSAGE, NULL, s,
			    "takes no value");
		a->set |= o->given;
		if (o->late) {
			/* The last one given wins, as for any option. */
			late = o;
			late_v = v;
			continue;
		}
		if (o->id != MP_O_FORMAT &&
		    !mp_option_set(o, v, &a->sc, why, sizeof(why)))
			return usage_err(o, err, why);
		if (o->set == NULL && !apply_cli(o, v, a, cmd, err))
			return false;
	}
	if (late != NULL && !mp_option_set(late, late_v, &a->sc, why,
	    sizeof(why)))
		return usage_err(late, err, why);
	mp_option_finish(&a->sc, a->set);
	/* Remote models: this command's settings (progress on a terminal). */
	{
		struct mp_remote_opts ro;

		memset(&ro, 0, sizeof(ro));
		ro.offline = a->offline;
		ro.revision = a->revision;
		if (isatty(STDERR_FILENO))
			ro.progress = progress;
		mp_remote_settings(&ro);
	}
	return true;
}
