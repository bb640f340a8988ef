/* load.c: MODEL as people name it, to the reader that reads it: a .gguf
 * file (model_gguf.c), a config.json or a folder of one with its weight
 * files (model_hf.c, model_st.c), a bundled name or the Hugging Face id
 * it was published under (catalog.c), a snapshot in the Hugging Face
 * cache, or a remote source (remote_*.c).  The readers never load each
 * other; this is the one place that picks among them. */
/* SPDX-License-Identifier: MIT */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "fileio.h"
#include "internal.h"
#include "remote.h"

/* A config.json is a few KiB; anything this large is not one. */
#define MAX_CONFIG_BYTES	(16u << 20)

/* ---- the HuggingFace hub cache ---- */

/*
 * huggingface_hub's cache layout (its docs, "Manage huggingface_hub
 * cache-system"): <cache>/models--<org>--<name>/refs/main holds the
 * commit hash of the main branch, snapshots/<hash>/ the files.  The
 * cache is $HF_HUB_CACHE, else $HF_HOME/hub, else
 * ~/.cache/huggingface/hub.
 */
static int
hub_dir(char *out, size_t len)
{
	const char	*e;
	int		 n;

	if ((e = getenv("HF_HUB_CACHE")) != NULL && *e != '\0')
		n = snprintf(out, len, "%s", e);
	else if ((e = getenv("HF_HOME")) != NULL && *e != '\0')
		n = snprintf(out, len, "%s/hub", e);
	else if ((e = getenv("HOME")) != NULL && *e != '\0')
		n = snprintf(out, len, "%s/.cache/huggingface/hub", e);
	else
		return 0;
	/* -1: too long to hold; a cut path would name another folder. */
	return n < 0 || (size_t)n >= len ? -1 : 1;
}

/* "Org/Name": one slash, no path tricks. */
static bool
repo_id(const char *spec)
{
	const char *s = strchr(spec, '/');

	if (s == NULL || s == spec || s[1] == '\0' || strchr(s + 1, '/'))
		return false;
	return strstr(spec, "..") == NULL && strlen(spec) < 200;
}

bool
mp_model_hf_cache(const char *spec, char *out, size_t outlen,
    struct mp_error *err)
{
	char		 hub[2048], repo[2560], ref[128], p[3072];
	const char	*slash;
	int		 hn;
	FILE		*fp;
	size_t		 n;
	DIR		*d;
	struct dirent	*de;
	struct stat	 st;
	time_t		 best = 0;
	bool		 found = false;

	if (!repo_id(spec))
		return mp_error_set(err, MP_EINPUT, spec, NULL,
		    "not a HuggingFace repository id (Org/Name)");
	if ((hn = hub_dir(hub, sizeof(hub))) == 0)
		return mp_error_set(err, MP_EINPUT, spec, NULL,
		    "no HuggingFace cache: set HF_HUB_CACHE or HF_HOME");
	slash = strchr(spec, '/');
	if (hn < 0 || !mp_fmt(repo, sizeof(repo), "%s/models--%.*s--%s", hub,
	    (int)(slash - spec), spec, slash + 1) ||
	    !mp_fmt(p, sizeof(p), "%s/refs/main", repo))
		return mp_error_set(err, MP_EUSAGE, spec, NULL,
		    "the HuggingFace cache's path is too long (at most %zu "
		    "bytes)", sizeof(hub) - 1);
	/* refs/main names the snapshot of the main branch. */
	if ((fp = mp_file_open(p, NULL, NULL)) != NULL) {
		n = fread(ref, 1, sizeof(ref) - 1, fp);
		fclose(fp);
		ref[n] = '\0';
		ref[strcspn(ref, "\r\n")] = '\0';
		if (ref[0] != '\0' && strchr(ref, '/') == NULL &&
		    strcmp(ref, "..") != 0) {
			if (mp_fmt(p, sizeof(p), "%s/snapshots/%s", repo, ref) &&
			    stat(p, &st) == 0 && S_ISDIR(st.st_mode) &&
			    mp_fmt(out, outlen, "%s", p))
				return true;
		}
	}
	/* Else the newest snapshot. */
	snprintf(p, sizeof(p), "%s/snapshots", repo);
	if ((d = opendir(p)) == NULL)
		return mp_error_set(err, MP_EINPUT, spec, NULL,
		    "no such file, folder, bundled model or HuggingFace cache "
		    "entry (looked for %s/snapshots)", repo);
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (!mp_fmt(p, sizeof(p), "%s/snapshots/%s", repo,
		    de->d_name) || stat(p, &st) != 0 || !S_ISDIR(st.st_mode))
			continue;
		if ((!found || st.st_mtime > best) &&
		    mp_fmt(out, outlen, "%s", p)) {
			best = st.st_mtime;
			found = true;
		}
	}
	closedir(d);
	if (!found)
		return mp_error_set(err, MP_EINPUT, spec, NULL,
		    "the HuggingFace cache has no snapshot in %s/snapshots",
		    repo);
	return true;
}

/* ---- MODEL to a reader ---- */

/* A bundled file's or cache snapshot's path; longer ones are refused. */
#define PATH_BUF	4096

/* Reads a whole small file, refusing what cannot be a config. */
static bool
slurp(const char *path, char **buf, size_t *len, struct mp_error *err)
{
	return mp_file_slurp(path, MAX_CONFIG_BYTES, "a config.json", buf,
	    len, err);
}

/* The paths a model is read from; each malloc'd, never truncated. */
struct where {
	char	*path;		/* the config.json */
	char	*dir;		/* the folder of weight files, or NULL */
	bool	 hub;		/* found in the HuggingFace cache */
	bool	 remote;	/* none of those: read over HTTP */
	bool	 bundled;	/* a bundled config (data/models) */
	struct mp_error hfmiss;	/* why the HuggingFace cache had none */
};

static bool
nomem(const char *spec, struct mp_error *err)
{
	return mp_error_set(err, MP_ENOMEM, spec, NULL, "out of memory");
}

/* No such file or bundled model: with the closest bundled name. */
static bool
not_found(const char *spec, struct mp_error *err)
{
	struct mp_suggest	 sg;
	const char		*slash = strchr(spec, '/');

	mp_suggest_init(&sg, spec);
	/* A name or an org/name, not a path someone mistyped. */
	if (*spec != '/' && *spec != '.' &&
	    (slash == NULL || strchr(slash + 1, '/') == NULL))
		mp_catalog_suggest_model(&sg);
	if (mp_suggest_best(&sg) != NULL)
		return mp_error_set(err, MP_EINPUT, spec, NULL,
		    "no such file, folder or bundled model; did you mean "
		    "\"%s\"? (see 'memplan models')", mp_suggest_best(&sg));
	return mp_error_set(err, MP_EINPUT, spec, NULL,
	    "no such file, folder or bundled model (see 'memplan models')");
}

/* Finds the config.json that spec names (a file, a folder, a bundled
 * name or a HuggingFace cache id). */
static bool
locate(const char *spec, struct where *w, struct mp_error *err)
{
	struct stat	 st;
	const char	*ext = strrchr(spec, '.');
	char		 buf[PATH_BUF], alias[128];

	if (stat(spec, &st) == 0) {
		if (S_ISDIR(st.st_mode)) {
			if ((w->dir = mp_path_join(spec, "", false)) == NULL ||
			    (w->path = mp_path_join(spec, "config.json",
			    true)) == NULL)
				return nomem(spec, err);
			if (stat(w->path, &st) != 0)
				return mp_error_set(err, MP_EINPUT, spec, NULL,
				    mp_file_missing(errno) ?
				    "folder has no config.json" :
				    "folder's config.json: %s",
				    strerror(errno));
			return true;
		}
		return (w->path = mp_path_join(spec, "", false)) != NULL ||
		    nomem(spec, err);
	}
	/* There, but not for us: say why rather than "no such file". */
	if (!mp_file_missing(errno))
		return mp_error_set(err, MP_EINPUT, spec, NULL, "%s",
		    strerror(errno));
	/* A bundled name, or the Hugging Face id it was published under
	 * in any case: bundled configs come before the cache. */
	if (!mp_datadir_check(err))
		return false;
	if (mp_catalog_find("models", spec, ".json", buf, sizeof(buf)) ||
	    (mp_catalog_model_alias(spec, alias, sizeof(alias)) &&
	    mp_catalog_find("models", alias, ".json", buf, sizeof(buf)))) {
		w->bundled = true;
		return (w->path = mp_path_join(buf, "", false)) != NULL ||
		    nomem(spec, err);
	}
	/* A URL, ollama:NAME, Org/Name@REV, Org/Name:QUANT: over HTTP
	 * (remote_*.c). */
	if (strncmp(spec, "https://", 8) == 0 ||
	    strncmp(spec, "http://", 7) == 0 ||
	    strncmp(spec, "ollama:", 7) == 0 ||
	    (strpbrk(spec, "@:") != NULL && mp_remote_spec(spec))) {
		w->remote = true;
		return true;
	}
	/* A path (./x, /x, a/b/c, x.json) that is not there. */
	if (strchr(spec, '/') == NULL || *spec == '/' || *spec == '.' ||
	    strchr(strchr(spec, '/') + 1, '/') || (ext != NULL &&
	    (strcmp(ext, ".json") == 0 || strcmp(ext, ".gguf") == 0 ||
	    strcmp(ext, ".safetensors") == 0)))
		return not_found(spec, err);
	/* "Org/Name": a snapshot in the HuggingFace cache, else the Hub. */
	mp_error_clear(&w->hfmiss);
	if (!mp_model_hf_cache(spec, buf, sizeof(buf), &w->hfmiss)) {
		if (!mp_remote_spec(spec)) {
			*err = w->hfmiss;
			return false;
		}
		w->remote = true;
		return true;
	}
	if ((w->dir = mp_path_join(buf, "", false)) == NULL ||
	    (w->path = mp_path_join(buf, "config.json", true)) == NULL)
		return nomem(spec, err);
	if (stat(w->path, &st) != 0)
		return mp_error_set(err, MP_EINPUT, w->dir, NULL,
		    "cached snapshot of %s has no config.json", spec);
	w->hub = true;
	return true;
}

#define OFFLINE_MISS	"offline (--offline or HF_HUB_OFFLINE=1) and in " \
	"neither memplan's cache nor the HuggingFace cache"

static bool
hub_id_cb(const char *name, const char *id, void *arg)
{
	struct mp_model *m = arg;

	if (strcmp(name, m->name) != 0)
		return true;
	if (strlen(id) < sizeof(m->hub_id))
		memcpy(m->hub_id, id, strlen(id) + 1);
	return false;
}

bool
mp_model_load(const char *spec, struct mp_model *m, struct mp_error *err)
{
	struct where	 w;
	struct stat	 st;
	const char	*ext;
	char		*buf = NULL, *s;
	size_t		 len = 0;
	bool		 ok = false;

	if (spec == NULL || *spec == '\0')
		return mp_error_set(err, MP_EUSAGE, NULL, "MODEL",
		    "expected a config.json path, a model folder, a .gguf "
		    "file, a bundled model name (see 'memplan models'), a "
		    "HuggingFace repository id (Org/Name, Org/Name:QUANT), "
		    "a .gguf URL or ollama:NAME[:TAG]");
	memset(&w, 0, sizeof(w));
	ext = strrchr(spec, '.');
	/* A .gguf file: its own header, no config.json. */
	if (stat(spec, &st) == 0 && S_ISREG(st.st_mode) && ext != NULL &&
	    strcmp(ext, ".gguf") == 0)
		return mp_model_load_gguf(spec, m, err);
	if (!locate(spec, &w, err))
		goto out;
	if (w.remote) {
		ok = strncmp(spec, "ollama:", 7) == 0 ?
		    mp_ollama_load(spec, m, err) :
		    mp_remote_load(spec, m, err);
		/* Offline: say where both caches were looked in, or which
		 * bundled model a typo of its Hub id meant: that needs no
		 * network (models/hub-ids.tsv). */
		if (!ok && w.hfmiss.status != MP_OK && mp_remote_is_offline() &&
		    err->status == MP_EINPUT && strstr(err->msg, "offline")) {
			struct mp_suggest	 sg;
			const char		*best;

			mp_suggest_init(&sg, spec);
			mp_catalog_suggest_model(&sg);
			if ((best = mp_suggest_best(&sg)) != NULL)
				mp_error_set(err, MP_EINPUT, spec, NULL,
				    "%s; did you mean the bundled \"%s\"? (see "
				    "'memplan models')", OFFLINE_MISS, best);
			else
				mp_error_set(err, MP_EINPUT, spec, NULL,
				    "%s (%.150s)", OFFLINE_MISS, w.hfmiss.msg);
		}
		goto out;
	}
	/* The model keeps its path (errors, re-reading): one that cannot
	 * be held whole is refused rather than cut. */
	if (strlen(w.path) >= sizeof(m->path)) {
		mp_error_set(err, MP_EUSAGE, spec, NULL, "path too long (at "
		    "most %zu bytes)", sizeof(m->path) - 1);
		goto out;
	}
	if (!slurp(w.path, &buf, &len, err))
		goto out;
	ok = mp_model_parse(buf, len, w.path, m, err);
	free(buf);
	if (ok) {
		if (w.hub)
			mp_path_stem(strchr(spec, '/') + 1, ".json", m->name,
			    sizeof(m->name));
		else if (w.dir != NULL)
			mp_path_stem(spec, ".json", m->name, sizeof(m->name));
		else
			mp_path_stem(w.path, ".json", m->name,
			    sizeof(m->name));
		/* A config.json inside a folder: name it by the folder. */
		if (strcmp(m->name, "config") == 0 &&
		    (s = strrchr(w.path, '/')) != NULL) {
			*s = '\0';
			mp_path_stem(w.path, ".json", m->name,
			    sizeof(m->name));
		}
	}
	/* A bundled config: the repository command lines name. */
	if (ok && w.bundled)
		mp_catalog_hub_ids(hub_id_cb, m);
	/* A folder's weight files: priced as they are stored. */
	if (ok && w.dir != NULL &&
	    !mp_model_read_safetensors(w.dir, m, err)) {
		mp_model_fini(m);
		ok = false;
	}
out:
	free(w.path);
	free(w.dir);
	return ok;
}
