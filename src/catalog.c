/* catalog.c: bundled models and hardware profiles under the data dir */
/* SPDX-License-Identifier: MIT */
#include <sys/stat.h>

#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config.h"
#include "fileio.h"
#include "internal.h"

/*
 * $MEMPLAN_DATADIR wins; then the installed data; then the source tree's
 * data/, so that an uninstalled build/memplan finds the bundled files.
 */
const char *
mp_datadir(void)
{
	const char	*env = getenv("MEMPLAN_DATADIR");
	struct stat	 st;

	if (env != NULL && *env != '\0')
		return env;
	if (stat(MP_DATADIR "/models", &st) == 0 && S_ISDIR(st.st_mode))
		return MP_DATADIR;
	return MP_SRCDATADIR;
}

/*
 * A $MEMPLAN_DATADIR that the catalog's buffers cannot hold with a
 * bundled name is refused, never cut.
 */
bool
mp_datadir_check(struct mp_error *err)
{
	size_t n = strlen(mp_datadir());

	if (n <= MP_DATADIR_MAX)
		return true;
	return mp_error_set(err, MP_EUSAGE, NULL, "MEMPLAN_DATADIR",
	    "path too long (at most %d bytes)", MP_DATADIR_MAX);
}

/* Bundled names are plain: no path separators, no dot files. */
static bool
plain_name(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > 120 || name[0] == '.')
		return false;
	return strchr(name, '/') == NULL;
}

bool
mp_catalog_find(const char *sub, const char *name, const char *ext,
    char *out, size_t outlen)
{
	struct stat	 st;
	int		 n;

	if (!plain_name(name))
		return false;
	n = snprintf(out, outlen, "%s/%s/%s%s", mp_datadir(), sub, name, ext);
	if (n < 0 || (size_t)n >= outlen)
		return false;
	return stat(out, &st) == 0 && S_ISREG(st.st_mode);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

bool
mp_catalog_list(const char *sub, const char *ext,
    bool (*fn)(const char *, const char *, void *), void *arg,
    struct mp_error *err)
{
	char		 dir[MP_DATADIR_MAX + 64], path[MP_DATADIR_MAX + 400];
	DIR		*d = NULL;
	struct dirent	*de;
	char		**names = NULL, **tmp;
	size_t		 n = 0, cap = 0, i, el = strlen(ext);
	bool		 ok = false;

	if (!mp_datadir_check(err))
		goto out;
	if ((size_t)snprintf(dir, sizeof(dir), "%s/%s", mp_datadir(), sub) >=
	    sizeof(dir)) {
		mp_error_set(err, MP_EUSAGE, NULL, "MEMPLAN_DATADIR",
		    "path too long (at most %d bytes)", MP_DATADIR_MAX);
		goto out;
	}
	if ((d = opendir(dir)) == NULL) {
		mp_error_set(err, MP_EIO, dir, NULL,
		    "cannot open the bundled data directory "
		    "(set MEMPLAN_DATADIR)");
		goto out;
	}
	while ((de = readdir(d)) != NULL) {
		size_t l = strlen(de->d_name);

		if (de->d_name[0] == '.' || l <= el ||
		    strcmp(de->d_name + l - el, ext) != 0)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			if ((tmp = realloc(names, cap * sizeof(*names))) == NULL)
				goto nomem;
			names = tmp;
		}
		if ((names[n] = strndup(de->d_name, l - el)) == NULL)
			goto nomem;
		n++;
	}
	if (n > 0)
		qsort(names, n, sizeof(*names), cmp_str);
	for (i = 0; i < n; i++) {
		/* dir is under MP_DATADIR_MAX + 64 bytes and a name under
		 * 256: it fits. */
		snprintf(path, sizeof(path), "%s/%s%s", dir, names[i], ext);
		if (!fn(names[i], path, arg))
			break;
	}
	ok = true;
	goto out;
nomem:
	mp_error_set(err, MP_ENOMEM, dir, NULL, "out of memory");
out:
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	if (d != NULL)
		closedir(d);
	return ok;
}

/*
 * models/hub-ids.tsv: "name<TAB>org/Repo" for each bundled config, the
 * Hugging Face repository it was published in.  fn gets each pair in the
 * file's order until it returns false.  A missing file is no ids.
 */
bool
mp_catalog_hub_ids(bool (*fn)(const char *name, const char *id, void *),
    void *arg)
{
	char	 path[MP_DATADIR_MAX + 64], line[512], *tab, *nl;
	FILE	*fp;
	int	 n;

	n = snprintf(path, sizeof(path), "%s/models/hub-ids.tsv",
	    mp_datadir());
	if (n < 0 || (size_t)n >= sizeof(path) ||
	    (fp = mp_file_open(path, NULL, NULL)) == NULL)
		return false;
	while (fgets(line, sizeof(line), fp) != NULL) {
		if (line[0] == '#' || (tab = strchr(line, '\t')) == NULL)
			continue;
		*tab = '\0';
		if ((nl = strpbrk(tab + 1, "\r\n")) != NULL)
			*nl = '\0';
		if (!plain_name(line) || !fn(line, tab + 1, arg))
			break;
	}
	fclose(fp);
	return true;
}

static bool
suggest_name_cb(const char *name, const char *path, void *arg)
{
	(void)path;
	mp_suggest_add(arg, name);
	return true;
}

static bool
suggest_id_cb(const char *name, const char *id, void *arg)
{
	struct mp_suggest *sg = arg;

	/* "meta-llama/Llama-3.1-8b-instrct": suggest the bundled name. */
	mp_suggest_add(sg, id);
	if (strcasecmp(sg->best, id) == 0)
		snprintf(sg->best, sizeof(sg->best), "%s", name);
	return true;
}

void
mp_catalog_suggest_model(struct mp_suggest *sg)
{
	struct mp_error e;

	mp_error_clear(&e);
	mp_catalog_list("models", ".json", suggest_name_cb, sg, &e);
	mp_catalog_hub_ids(suggest_id_cb, sg);
}

struct hub_find {
	const char	*want;
	char		*out;
	size_t		 len;
	bool		 found;
};

static bool
hub_find_cb(const char *name, const char *id, void *arg)
{
	struct hub_find *h = arg;

	if (strcasecmp(id, h->want) != 0)
		return true;
	snprintf(h->out, h->len, "%s", name);
	h->found = true;
	return false;
}

bool
mp_catalog_model_alias(const char *spec, char *name, size_t len)
{
	struct hub_find	 h = { spec, name, len, false };
	char		 lower[128];
	size_t		 i;

	/* A bundled name typed with capitals: Llama-3.1-8B-Instruct. */
	if (strlen(spec) < sizeof(lower) && strchr(spec, '/') == NULL) {
		for (i = 0; spec[i] != '\0'; i++)
			lower[i] = (char)tolower((unsigned char)spec[i]);
		lower[i] = '\0';
		if (mp_catalog_find("models", lower, ".json", name, len)) {
			snprintf(name, len, "%s", lower);
			return true;
		}
	}
	mp_catalog_hub_ids(hub_find_cb, &h);
	return h.found;
}
