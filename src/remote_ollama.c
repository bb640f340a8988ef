/* remote_ollama.c: ollama:NAME[:TAG] from the local store or the registry */
/* SPDX-License-Identifier: MIT */
/*
 * Ollama keeps a model as an OCI-style image (ollama's server/images.go
 * and server/modelpath.go): a manifest at
 *   {store}/manifests/registry.ollama.ai/{namespace}/{name}/{tag}
 * (store: $OLLAMA_MODELS, else ~/.ollama/models; namespace "library",
 * tag "latest" by default) lists layers by media type and digest, stored
 * as {store}/blobs/sha256-<hex>.  The registry serves the same:
 *   GET {registry}/v2/{ns}/{name}/manifests/{tag}
 *       Accept: application/vnd.docker.distribution.manifest.v2+json
 *   GET {registry}/v2/{ns}/{name}/blobs/{digest}   (redirects to a CDN)
 * The layer application/vnd.ollama.image.model is the GGUF file (its
 * header read by Range requests); application/vnd.ollama.image.params
 * is a JSON object of Ollama's defaults, of which num_ctx (the context
 * Ollama runs the model with) becomes the scenario's default.
 */
#include <sys/stat.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fileio.h"
#include "remote.h"

#define MANIFEST_CAP	(1u << 20)
#define PARAMS_CAP	(1u << 20)
#define TAG_TTL		86400u

struct oname {
	char	 ns[100], name[100], tag[100];
};

static bool
part_ok(const char *s, size_t n, size_t max)
{
	size_t i;

	if (n == 0 || n >= max || s[0] == '.' || s[0] == '-')
		return false;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && strchr("._-", s[i]) == NULL)
			return false;
	return true;
}

/* "ollama:[ns/]name[:tag]" */
static bool
parse_oname(const char *spec, struct oname *o)
{
	const char	*s = spec + 7, *slash, *colon;
	size_t		 nl;

	memset(o, 0, sizeof(*o));
	slash = strchr(s, '/');
	if (slash != NULL) {
		if (!part_ok(s, (size_t)(slash - s), sizeof(o->ns)))
			return false;
		memcpy(o->ns, s, (size_t)(slash - s));
		s = slash + 1;
	} else
		mp_fmt(o->ns, sizeof(o->ns), "library");
	colon = strchr(s, ':');
	nl = colon != NULL ? (size_t)(colon - s) : strlen(s);
	if (!part_ok(s, nl, sizeof(o->name)))
		return false;
	memcpy(o->name, s, nl);
	if (colon != NULL) {
		if (!part_ok(colon + 1, strlen(colon + 1), sizeof(o->tag)))
			return false;
		mp_fmt(o->tag, sizeof(o->tag), "%s", colon + 1);
	} else
		mp_fmt(o->tag, sizeof(o->tag), "latest");
	return true;
}

static bool
store_dir(char *out, size_t len)
{
	const char *e;

	if ((e = getenv("OLLAMA_MODELS")) != NULL && *e != '\0')
		mp_fmt(out, len, "%s", e);
	else if ((e = getenv("HOME")) != NULL && *e != '\0')
		mp_fmt(out, len, "%s/.ollama/models", e);
	else
		return false;
	return true;
}

/* A whole small local file, through the readers' one open helper. */
static bool
slurp(const char *path, size_t cap, unsigned char **buf, size_t *len,
    struct mp_error *err)
{
	char *b = NULL;

	if (!mp_file_slurp(path, cap, "an Ollama manifest or params blob",
	    &b, len, err))
		return false;
	*buf = (unsigned char *)b;
	return true;
}

/* num_ctx from the params layer, as the model's default context. */
static bool
apply_params(struct mp_model *m, const unsigned char *b, size_t n,
    const char *src, const struct oname *o, struct mp_error *err)
{
	uint64_t ctx;

	if (!mp_ollama_params((const char *)b, n, src, &ctx, err))
		return false;
	if (ctx > 0) {
		m->ctx_default = ctx;
		mp_fmt(m->ctx_from, sizeof(m->ctx_from),
		    "Ollama's num_ctx for %.24s:%.24s", o->name, o->tag);
	}
	return true;
}

static void
name_model(struct mp_model *m, const struct oname *o, const char *path)
{
	if (strcmp(o->ns, "library") == 0)
		mp_fmt(m->name, sizeof(m->name), "%s:%s", o->name, o->tag);
	else
		mp_fmt(m->name, sizeof(m->name), "%s/%s:%s", o->ns, o->name,
		    o->tag);
	mp_fmt(m->path, sizeof(m->path), "%s", path);
	m->fetch_kind = MP_FETCH_OLLAMA;
	mp_fmt(m->fetch, sizeof(m->fetch), "%s", m->name);
}

/* The local store: true with *found false when it has no such model. */
static bool
local(const struct oname *o, struct mp_model *m, bool *found,
    struct mp_error *err)
{
	char		 store[700], p[1400], model[80], params[80];
	unsigned char	*b = NULL;
	size_t		 n = 0;
	uint64_t	 size;
	struct stat	 st;
	bool		 ok;

	*found = false;
	if (!store_dir(store, sizeof(store)))
		return true;
	mp_fmt(p, sizeof(p), "%s/manifests/registry.ollama.ai/%s/%s/%s",
	    store, o->ns, o->name, o->tag);
	if (stat(p, &st) != 0)
		return true;
	*found = true;
	if (!slurp(p, MANIFEST_CAP, &b, &n, err))
		return false;
	ok = mp_ollama_manifest((const char *)b, n, p, model, &size, params,
	    err);
	free(b);
	if (!ok)
		return false;
	/* Blobs are named sha256-<hex> on disk. */
	mp_fmt(p, sizeof(p), "%s/blobs/sha256-%s", store, model + 7);
	if (!mp_model_load_gguf(p, m, err))
		return false;
	name_model(m, o, p);
	if (params[0] != '\0') {
		mp_fmt(p, sizeof(p), "%s/blobs/sha256-%s", store, params + 7);
		if (!slurp(p, PARAMS_CAP, &b, &n, err))
			goto fail;
		ok = apply_params(m, b, n, p, o, err);
		free(b);
		if (!ok)
			goto fail;
	}
	return true;
fail:
	mp_model_fini(m);
	return false;
}

bool
mp_ollama_load(const char *spec, struct mp_model *m, struct mp_error *err)
{
	struct oname		 o;
	struct mp_remote	 r;
	char			 reg[512], url[1400], key[600], what[400];
	char			 model[80], params[80], rk[600];
	unsigned char		*b = NULL;
	size_t			 n = 0;
	uint64_t		 size = 0, age = 0;
	bool			 found, ok = false;

	if (!parse_oname(spec, &o))
		return mp_error_set(err, MP_EINPUT, spec, NULL,
		    "expected ollama:NAME[:TAG] or ollama:NAMESPACE/NAME[:TAG]");
	if (!local(&o, m, &found, err))
		return false;
	if (found)
		return true;
	mp_remote_endpoint("MEMPLAN_OLLAMA_REGISTRY",
	    "https://registry.ollama.ai", reg, sizeof(reg));
	mp_rcache_name(reg, rk, sizeof(rk));
	if (strcmp(reg, "https://registry.ollama.ai") == 0)
		mp_fmt(rk, sizeof(rk), "ollama");
	/* No token: the registry is public, the HF token is not its. */
	if (!mp_remote_open(&r, spec, NULL, err))
		return false;
	r.files = 3;
	mp_fmt(what, sizeof(what), "ollama:%s/%s:%s (manifest)", o.ns,
	    o.name, o.tag);
	mp_fmt(key, sizeof(key), "%s/%s--%s/tags/%s", rk, o.ns, o.name,
	    o.tag);
	if (!mp_rcache_get(key, MANIFEST_CAP, &b, &n, &age) ||
	    (age >= TAG_TTL && !r.offline)) {
		free(b);
		b = NULL;
		mp_fmt(url, sizeof(url), "%s/v2/%s/%s/manifests/%s", reg,
		    o.ns, o.name, o.tag);
		if (!mp_remote_small(&r, url, NULL, what, MANIFEST_CAP,
		    "application/vnd.docker.distribution.manifest.v2+json",
		    &b, &n, err)) {
			if (strstr(err->msg, "HTTP 404") != NULL)
				mp_error_set(err, MP_EINPUT, spec, NULL,
				    "no such model or tag in the Ollama "
				    "registry (HTTP 404)");
			goto out;
		}
		(void)mp_rcache_put(key, b, n);
	}
	if (!mp_ollama_manifest((const char *)b, n, what, model, &size,
	    params, err))
		goto out;
	mp_fmt(url, sizeof(url), "%s/v2/%s/%s/blobs/%s", reg, o.ns, o.name,
	    model);
	mp_fmt(key, sizeof(key), "%s/blobs/sha256-%s.hdr", rk, model + 7);
	mp_fmt(what, sizeof(what), "ollama:%s:%s (model %.19s)", o.name,
	    o.tag, model);
	if (!mp_remote_gguf(&r, url, key, what, m, err))
		goto out;
	name_model(m, &o, spec);
	if (params[0] != '\0') {
		free(b);
		b = NULL;
		mp_fmt(url, sizeof(url), "%s/v2/%s/%s/blobs/%s", reg, o.ns,
		    o.name, params);
		mp_fmt(key, sizeof(key), "%s/blobs/sha256-%s.json", rk,
		    params + 7);
		mp_fmt(what, sizeof(what), "ollama:%s:%s (params)", o.name,
		    o.tag);
		if (!mp_remote_small(&r, url, key, what, PARAMS_CAP, NULL, &b,
		    &n, err) || !apply_params(m, b, n, what, &o, err)) {
			mp_model_fini(m);
			goto out;
		}
	}
	ok = true;
out:
	free(b);
	mp_remote_close(&r);
	return ok;
}
