/* planfile.c: plan files, the checks "memplan check" runs in CI */
/* SPDX-License-Identifier: MIT */
#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "remote.h"
#include "ydoc.h"

static const char *const top_keys[] = {
	"model", "hardware", "checks", NULL
};

/*
 * More checks than this is a generated mistake, not a CI job: each costs
 * a few KiB, and 10 000 run in well under a second.
 */
#define MAX_CHECKS	10000

/*
 * The keys a check accepts: its name and model, then every option of the
 * library's table that has a plan-file spelling (src/options.c).
 */
static void
check_keys(const char **keys, size_t len)
{
	const struct mp_optspec	*t;
	size_t			 i, n, k = 0;

	keys[k++] = "name";
	keys[k++] = "model";
	t = mp_options(&n);
	/* The machine and the budget first, then the scenario. */
	for (i = 0; i < n && k + 1 < len; i++)
		if (t[i].file != NULL && t[i].set == NULL)
			keys[k++] = t[i].file;
	for (i = 0; i < n && k + 1 < len; i++)
		if (t[i].file != NULL && t[i].set != NULL)
			keys[k++] = t[i].file;
	keys[k] = NULL;
}

bool
mp_plan_set_option(struct mp_scenario *sc, const char *key, const char *v,
    bool *known, char *why, size_t whylen)
{
	const struct mp_optspec *o = mp_option_file(key);

	*known = o != NULL && o->set != NULL;
	if (!*known) {
		snprintf(why, whylen, "not a scenario option");
		return false;
	}
	return mp_option_set(o, v, sc, why, whylen);
}

/* Copies src when it fits; false otherwise. */
static bool
copy(char *dst, size_t len, const char *src)
{
	size_t n = strlen(src);

	if (n >= len)
		return false;
	memcpy(dst, src, n + 1);
	return true;
}

/*
 * A value naming a file or folder next to the plan becomes that path;
 * anything else stays as written, a bundled name.  Absolute paths stay.
 * False when the path cannot be held whole: a cut path, or the value
 * read against the current directory instead, would name another file.
 */
static bool
resolve(const char *dir, const char *v, char *out, size_t len)
{
	struct stat	 st;
	char		 p[2048];
	bool		 pathy;

	pathy = strchr(v, '/') != NULL;
	if (v[0] == '/' || dir[0] == '\0')
		return copy(out, len, v);
	if ((size_t)snprintf(p, sizeof(p), "%s/%s", dir, v) >= sizeof(p))
		return false;
	if (pathy || stat(p, &st) == 0)
		return copy(out, len, p);
	return copy(out, len, v);
}

/* A model: a path next to the plan file when there is one, else as
 * written when it names a remote model (Org/Name, ollama:, a URL). */
static bool
resolve_model(const char *dir, const char *v, char *out, size_t len)
{
	struct stat	 st;
	char		 p[2048];

	if (v[0] != '/' && dir[0] != '\0' && mp_remote_spec(v) &&
	    ((size_t)snprintf(p, sizeof(p), "%s/%s", dir, v) >= sizeof(p) ||
	    stat(p, &st) != 0))
		return copy(out, len, v);
	return resolve(dir, v, out, len);
}

static bool
scalar_text(struct mp_ydoc *y, yaml_node_t *n, const char *field,
    char *out, size_t len, struct mp_error *err)
{
	return mp_ydoc_str(y, n, field, out, len, err);
}

static bool
load_check(struct mp_ydoc *y, yaml_node_t *n, size_t idx, const char *dir,
    const char *model, const char *hw, struct mp_check *c,
    struct mp_error *err)
{
	const struct mp_optspec	*o, *late = NULL;
	yaml_node_pair_t	*p;
	yaml_node_t		*k, *v, *lnode = NULL;
	const char		*keys[MP_O__COUNT + 4];
	char			 pre[32], field[96], val[1024], why[640];
	const char		*key;
	enum mp_opt_id		 id;

	snprintf(pre, sizeof(pre), "checks[%zu]", idx);
	check_keys(keys, sizeof(keys) / sizeof(keys[0]));
	if (!mp_ydoc_keys(y, n, pre, keys, err))
		return false;
	memset(c, 0, sizeof(*c));
	mp_scenario_init(&c->sc);
	c->line = (uint32_t)n->start_mark.line + 1;
	c->col = (uint32_t)n->start_mark.column + 1;
	snprintf(c->name, sizeof(c->name), "check %zu", idx + 1);
	copy(c->model, sizeof(c->model), model);
	copy(c->hardware, sizeof(c->hardware), hw);
	for (p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top;
	    p++) {
		k = mp_ydoc_node(y, p->key);
		v = mp_ydoc_node(y, p->value);
		key = (const char *)k->data.scalar.value;
		snprintf(field, sizeof(field), "%s.%s", pre, key);
		o = mp_option_file(key);
		if (o != NULL && o->id == MP_O_MAX_MEMORY) {
			if (!mp_ydoc_size(y, v, field, false, &c->max_memory,
			    err))
				return false;
			continue;
		}
		if (!scalar_text(y, v, field, val, sizeof(val), err))
			return false;
		if (strcmp(key, "name") == 0) {
			if (!copy(c->name, sizeof(c->name), val))
				return mp_ydoc_err(y, v, field, err,
				    "name longer than %zu characters",
				    sizeof(c->name) - 1);
			continue;
		}
		if (strcmp(key, "model") == 0 || (o != NULL &&
		    o->id == MP_O_HARDWARE)) {
			bool hwk = strcmp(key, "model") != 0;

			if (!(hwk ? resolve(dir, val, c->hardware,
			    sizeof(c->hardware)) : resolve_model(dir, val,
			    c->model, sizeof(c->model))))
				return mp_ydoc_err(y, v, field, err, "path too "
				    "long (at most %zu bytes with the plan's "
				    "folder)", sizeof(c->model) - 1);
			continue;
		}
		c->set |= o->given;
		/* Weights depend on mode and runtime: set them last. */
		if (o->late) {
			late = o;
			lnode = v;
			continue;
		}
		if (!mp_option_set(o, val, &c->sc, why, sizeof(why)))
			return mp_ydoc_err(y, v, field, err, "%s", why);
	}
	if (late != NULL) {
		snprintf(field, sizeof(field), "%s.%s", pre, late->file);
		if (!scalar_text(y, lnode, field, val, sizeof(val), err))
			return false;
		if (!mp_option_set(late, val, &c->sc, why, sizeof(why)))
			return mp_ydoc_err(y, lnode, field, err, "%s", why);
	}
	mp_option_finish(&c->sc, c->set);
	/* As on the command line: an option the mode does not use. */
	if ((id = mp_option_unused(&c->sc, c->set, false, why,
	    sizeof(why))) != MP_O__COUNT) {
		o = mp_option_by_id(id);
		for (p = n->data.mapping.pairs.start;
		    p < n->data.mapping.pairs.top; p++) {
			k = mp_ydoc_node(y, p->key);
			if (strcmp((const char *)k->data.scalar.value,
			    o->file) == 0)
				break;
		}
		snprintf(field, sizeof(field), "%s.%s", pre, o->file);
		return mp_ydoc_err(y, p < n->data.mapping.pairs.top ?
		    mp_ydoc_node(y, p->value) : n, field, err, "%s", why);
	}
	if (c->model[0] == '\0')
		return mp_ydoc_err(y, n, pre, err,
		    "no model: set \"model\" at the top or in the check");
	if (c->max_memory == 0 && c->hardware[0] == '\0')
		return mp_ydoc_err(y, n, pre, err,
		    "no budget: set \"max_memory\" or \"hardware\"");
	return true;
}

void
mp_plan_init(struct mp_plan *pl)
{
	memset(pl, 0, sizeof(*pl));
}

void
mp_plan_fini(struct mp_plan *pl)
{
	if (pl == NULL)
		return;
	free(pl->checks);
	memset(pl, 0, sizeof(*pl));
}

bool
mp_plan_load(const char *path, struct mp_plan *pl, struct mp_error *err)
{
	struct mp_ydoc	 y;
	yaml_node_t	*root, *v, *checks;
	yaml_node_item_t *it;
	char		 dir[4096], model[1024] = "", hw[1024] = "", val[1024];
	const char	*slash;
	size_t		 i, n;
	bool		 ok = false;

	mp_plan_init(pl);
	/* The plan's folder resolves its paths: never a cut one. */
	if ((n = strlen(path)) >= sizeof(pl->path))
		return mp_error_set(err, MP_EUSAGE, path, NULL, "path too long "
		    "(at most %zu bytes)", sizeof(pl->path) - 1);
	memcpy(pl->path, path, n + 1);
	slash = strrchr(path, '/');
	if (slash == NULL)
		dir[0] = '\0';
	else if (slash == path)
		snprintf(dir, sizeof(dir), "/");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	if (!mp_ydoc_load(&y, path, err))
		return false;
	root = mp_ydoc_root(&y);
	if (!mp_ydoc_keys(&y, root, "", top_keys, err))
		goto out;
	if ((v = mp_ydoc_get(&y, root, "model")) != NULL) {
		if (!scalar_text(&y, v, "model", val, sizeof(val), err))
			goto out;
		if (!resolve_model(dir, val, model, sizeof(model))) {
			mp_ydoc_err(&y, v, "model", err, "path too long (at "
			    "most %zu bytes with the plan's folder)",
			    sizeof(model) - 1);
			goto out;
		}
	}
	if ((v = mp_ydoc_get(&y, root, "hardware")) != NULL) {
		if (!scalar_text(&y, v, "hardware", val, sizeof(val), err))
			goto out;
		if (!resolve(dir, val, hw, sizeof(hw))) {
			mp_ydoc_err(&y, v, "hardware", err, "path too long (at "
			    "most %zu bytes with the plan's folder)",
			    sizeof(hw) - 1);
			goto out;
		}
	}
	if ((checks = mp_ydoc_get(&y, root, "checks")) == NULL) {
		mp_ydoc_err(&y, root, "checks", err,
		    "missing; expected a list of checks");
		goto out;
	}
	if (!mp_ydoc_seq(&y, checks, "checks", err))
		goto out;
	n = (size_t)(checks->data.sequence.items.top -
	    checks->data.sequence.items.start);
	if (n == 0) {
		mp_ydoc_err(&y, checks, "checks", err,
		    "the list is empty: a plan needs at least one check");
		goto out;
	}
	if (n > MAX_CHECKS) {
		mp_ydoc_err(&y, checks, "checks", err, "more than %d checks",
		    MAX_CHECKS);
		goto out;
	}
	if ((pl->checks = calloc(n, sizeof(*pl->checks))) == NULL) {
		mp_error_set(err, MP_ENOMEM, path, NULL, "out of memory");
		goto out;
	}
	for (i = 0, it = checks->data.sequence.items.start; i < n;
	    i++, it++) {
		if (!load_check(&y, mp_ydoc_node(&y, *it), i, dir, model, hw,
		    &pl->checks[i], err))
			goto out;
		pl->n_checks = i + 1;
	}
	ok = true;
out:
	mp_ydoc_fini(&y);
	if (!ok) {
		free(pl->checks);
		pl->checks = NULL;
		pl->n_checks = 0;
	}
	return ok;
}
