/* remote_hf.c: a Hugging Face Hub repo or a file URL, headers only */
/* SPDX-License-Identifier: MIT */
/*
 * The Hub as huggingface_hub talks to it (its file_download.py and
 * hf_api.py): the base URL is $HF_ENDPOINT (https://huggingface.co);
 *   GET {ep}/api/models/{repo}/revision/{rev}   -> {"sha": commit, ...}
 *   GET {ep}/api/models/{repo}/tree/{commit}?recursive=true
 *       -> [{"type", "path", "size", "lfs"}], paginated by a
 *          Link: <...>; rel="next" header
 *   GET {ep}/{repo}/resolve/{commit}/{path}    -> the file, large ones
 *       by a redirect to a CDN on another host.
 * The revision is percent-encoded ("refs/pr/1" -> "refs%2Fpr%2F1").
 *
 * What is read: config.json, model.safetensors.index.json when the
 * weights are sharded, and of each shard its 8-byte header length and
 * its JSON header (two Range requests, never a byte of tensor data); or
 * a GGUF file's header by Range requests that grow until it parses.
 * The readers are model_hf.c, model_st.c and model_gguf.c, the same as
 * for local files.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "remote.h"

#define CONFIG_CAP	(16u << 20)	/* config.json (model_hf.c's cap) */
#define INDEX_CAP	(100u << 20)	/* model.safetensors.index.json */
#define API_CAP		(16u << 20)	/* one API answer */
#define GGUF_FIRST	(256u << 10)	/* first GGUF range: most metadata */
#define GGUF_PART	(64u << 10)	/* a split model's later part: no
					 * metadata, tensor infos only */
#define GGUF_CAP	(100u << 20)	/* a GGUF header, tokenizer included */
#define MAX_PAGES	1000u

static struct mp_remote_opts settings;

void
mp_remote_settings(const struct mp_remote_opts *o)
{
	if (o != NULL)
		settings = *o;
	else
		memset(&settings, 0, sizeof(settings));
}

static bool
env_true(const char *name)
{
	const char *e = getenv(name);

	/* huggingface_hub's constants._is_true: 1, ON, YES, TRUE. */
	return e != NULL && (strcmp(e, "1") == 0 || strcasecmp(e, "on") == 0 ||
	    strcasecmp(e, "yes") == 0 || strcasecmp(e, "true") == 0);
}

bool
mp_remote_is_offline(void)
{
	return settings.offline || env_true("HF_HUB_OFFLINE");
}

bool
mp_remote_open(struct mp_remote *r, const char *spec, const char *base,
    struct mp_error *err)
{
	memset(r, 0, sizeof(*r));
	r->spec = spec;
	r->offline = mp_remote_is_offline();
	if (!r->offline && (r->http = mp_http_new(base, err)) == NULL)
		return false;
	return true;
}

void
mp_remote_close(struct mp_remote *r)
{
	if (r->http != NULL && settings.stats != NULL) {
		unsigned	n;
		uint64_t	b;

		mp_http_stats(r->http, &n, &b);
		settings.stats->requests += n;
		settings.stats->bytes += b;
	}
	/* Files found in the cache leave a line drawn: erase it. */
	if (r->drawn && settings.progress != NULL)
		settings.progress(r->files, r->files, "", settings.arg);
	r->drawn = false;
	mp_http_free(r->http);
	r->http = NULL;
}

void
mp_remote_progress(struct mp_remote *r, const char *what)
{
	if (settings.progress != NULL && r->files > 1 && r->http != NULL) {
		settings.progress(r->done, r->files, what, settings.arg);
		r->drawn = r->done < r->files;
	}
}

void
mp_remote_endpoint(const char *env, const char *dflt, char *out, size_t len)
{
	const char	*e = getenv(env);
	size_t		 n;

	mp_fmt(out, len, "%s", e != NULL && *e != '\0' ? e : dflt);
	n = strlen(out);
	while (n > 0 && out[n - 1] == '/')
		out[--n] = '\0';
}

bool
mp_remote_offline_error(const char *spec, const char *what,
    struct mp_error *err)
{
	char p[1024];

	if (!mp_rcache_path("", p, sizeof(p)))
		mp_fmt(p, sizeof(p), "~/.cache/memplan/");
	return mp_error_set(err, MP_EINPUT, spec, NULL,
	    "offline (--offline or HF_HUB_OFFLINE=1) and %s is not in "
	    "memplan's cache (%s); run once online", what, p);
}

/* An 8-byte little-endian size, then bytes: a cached header. */
static bool
put_sized(const char *key, uint64_t size, const unsigned char *b, size_t n)
{
	unsigned char	*buf;
	bool		 ok;
	int		 i;

	if ((buf = malloc(n + 8)) == NULL)
		return false;
	for (i = 0; i < 8; i++)
		buf[i] = (unsigned char)(size >> (8 * i));
	memcpy(buf + 8, b, n);
	ok = mp_rcache_put(key, buf, n + 8);
	free(buf);
	return ok;
}

static bool
get_sized(const char *key, size_t cap, uint64_t *size, unsigned char **b,
    size_t *n)
{
	uint64_t	age, s = 0;
	int		i;

	if (!mp_rcache_get(key, cap + 8, b, n, &age))
		return false;
	if (*n < 8) {
		free(*b);
		*b = NULL;
		return false;
	}
	for (i = 7; i >= 0; i--)
		s = s << 8 | (*b)[i];
	*size = s;
	memmove(*b, *b + 8, *n - 8);
	*n -= 8;
	return true;
}

bool
mp_remote_small(struct mp_remote *r, const char *url, const char *key,
    const char *what, size_t cap, const char *accept, unsigned char **buf,
    size_t *len, struct mp_error *err)
{
	struct mp_http_resp	resp;
	uint64_t		age;

	if (key != NULL && mp_rcache_get(key, cap, buf, len, &age))
		return true;
	if (r->offline)
		return mp_remote_offline_error(r->spec, what, err);
	if (!mp_http_get(r->http, url, 0, 0, cap, accept, what, &resp, err))
		return false;
	r->done++;
	mp_remote_progress(r, what);
	if (key != NULL)
		(void)mp_rcache_put(key, resp.body, resp.len);
	/* A body is NUL-terminated for the JSON readers. */
	*buf = realloc(resp.body, resp.len + 1);
	if (*buf == NULL) {
		mp_http_resp_fini(&resp);
		return mp_error_set(err, MP_ENOMEM, what, NULL,
		    "out of memory");
	}
	(*buf)[resp.len] = '\0';
	*len = resp.len;
	return true;
}

/* A header read over HTTP: one more file for the progress line, and
 * kept in the cache. */
static void
fetched(struct mp_remote *r, const struct mp_rpart *p, uint64_t size,
    const unsigned char *b, size_t n)
{
	r->done++;
	mp_remote_progress(r, p->what);
	(void)put_sized(p->key, size, b, n);
}

/*
 * GGUF headers by Range requests that grow until each parses: all parts
 * of a split model at once (one round of requests per doubling), each
 * from the cache when there.  The first range is 256 KiB; a header
 * longer than that is read in log2(header / 256 KiB) + 1 requests, at
 * most as many bytes past it as in it.
 */
struct fhead {
	const struct mp_rpart	*p;
	unsigned char		*buf;
	size_t			 len, used;	/* read; the header's */
	uint64_t		 size;		/* the file's */
	uint64_t		 want;		/* GGUF: bytes to have next */
	uint64_t		 hl;		/* safetensors: JSON length */
	char			 at[2048];	/* after the first redirect */
	bool			 done, cached;
};

static bool
gguf_grow(struct fhead *g, const struct mp_http_resp *resp,
    struct mp_error *err)
{
	unsigned char	*nb;
	bool		 more = false;

	if (g->len == 0) {
		g->size = resp->total;
		/* Later ranges straight from where the redirect led (a
		 * CDN's signed URL): no second redirect. */
		mp_fmt(g->at, sizeof(g->at), "%s", resp->url);
	} else if (resp->total != g->size)
		return mp_error_set(err, MP_EINPUT, g->p->what,
		    "Content-Range",
		    "the file's size changed between two requests");
	if ((nb = realloc(g->buf, g->len + resp->len + 1)) == NULL)
		return mp_error_set(err, MP_ENOMEM, g->p->what, NULL,
		    "out of memory");
	g->buf = nb;
	memcpy(g->buf + g->len, resp->body, resp->len);
	g->len += resp->len;
	if (mp_gguf_head_mem(g->p->what, g->buf, g->len, g->size, &more,
	    &g->used, err)) {
		g->done = true;
		return true;
	}
	if (!more)
		return false;
	if (g->len >= g->size || g->want >= GGUF_CAP)
		return mp_error_set(err, MP_EINPUT, g->p->what, NULL,
		    "the GGUF header is longer than %u MiB; refused",
		    GGUF_CAP >> 20);
	mp_error_clear(err);
	g->want = g->want * 2 > GGUF_CAP ? GGUF_CAP : g->want * 2;
	return true;
}

static bool
gguf_heads(struct mp_remote *r, struct fhead *g, size_t n,
    struct mp_error *err)
{
	struct mp_http_req	*q;
	size_t			 i, k, nq;
	bool			 more, ok = true;

	for (i = 0; i < n; i++) {
		g[i].want = i == 0 ? GGUF_FIRST : GGUF_PART;
		if (get_sized(g[i].p->key, GGUF_CAP, &g[i].size, &g[i].buf,
		    &g[i].len) && mp_gguf_head_mem(g[i].p->what, g[i].buf,
		    g[i].len, g[i].size, &more, &g[i].used, err)) {
			g[i].done = g[i].cached = true;
			continue;
		}
		/* Absent or damaged: read it again. */
		mp_error_clear(err);
		free(g[i].buf);
		g[i].buf = NULL;
		g[i].len = 0;
		if (r->offline)
			return mp_remote_offline_error(r->spec, g[i].p->what,
			    err);
	}
	if ((q = calloc(n + 1, sizeof(*q))) == NULL)
		return mp_error_set(err, MP_ENOMEM, r->spec, NULL,
		    "out of memory");
	for (;;) {
		for (nq = i = 0; i < n; i++) {
			if (g[i].done)
				continue;
			memset(&q[nq], 0, sizeof(q[nq]));
			q[nq].url = g[i].len == 0 ? g[i].p->url : g[i].at;
			q[nq].off = g[i].len;
			q[nq].len = g[i].want - g[i].len;
			q[nq].cap = GGUF_CAP;
			q[nq].what = g[i].p->what;
			nq++;
		}
		if (nq == 0)
			break;
		if (!(ok = mp_http_get_many(r->http, q, nq, err)))
			break;
		for (k = i = 0; i < n; i++) {
			if (g[i].done)
				continue;
			if (ok)
				ok = gguf_grow(&g[i], &q[k].resp, err);
			mp_http_resp_fini(&q[k++].resp);
		}
		if (!ok)
			break;
	}
	free(q);
	for (i = 0; ok && i < n; i++)
		if (!g[i].cached)
			fetched(r, g[i].p, g[i].size, g[i].buf, g[i].used);
	return ok;
}

static bool shard_heads(struct mp_remote *, struct fhead *, size_t,
    struct mp_error *);

/* A model from its files' headers, fetched all at once: GGUF parts or
 * safetensors shards (origin names the model in errors). */
static bool
heads_model(struct mp_remote *r, const struct mp_rpart *p, size_t n,
    bool gguf, const char *origin, struct mp_model *m, struct mp_error *err)
{
	struct fhead	*h;
	struct mp_head	*hd;
	size_t		 i;
	bool		 ok = false;

	h = calloc(n + 1, sizeof(*h));
	hd = calloc(n + 1, sizeof(*hd));
	if (h == NULL || hd == NULL) {
		mp_error_set(err, MP_ENOMEM, origin, NULL, "out of memory");
		goto out;
	}
	for (i = 0; i < n; i++)
		h[i].p = &p[i];
	r->files = r->done + (unsigned)n;
	/* Said before the round of requests that the line waits on. */
	mp_remote_progress(r, origin);
	if (!(gguf ? gguf_heads(r, h, n, err) : shard_heads(r, h, n, err)))
		goto out;
	for (i = 0; i < n; i++) {
		hd[i].path = p[i].what;
		hd[i].head = h[i].buf;
		hd[i].len = h[i].used;
		hd[i].size = h[i].size;
	}
	ok = gguf ? mp_model_gguf_parts(hd, n, m, err) :
	    mp_model_st_parts(m, origin, hd, n, err);
out:
	for (i = 0; h != NULL && i < n; i++)
		free(h[i].buf);
	free(h);
	free(hd);
	return ok;
}

bool
mp_remote_gguf_parts(struct mp_remote *r, const struct mp_rpart *p,
    size_t n, struct mp_model *m, struct mp_error *err)
{
	return heads_model(r, p, n, true, r->spec, m, err);
}

bool
mp_remote_gguf(struct mp_remote *r, const char *url, const char *key,
    const char *what, struct mp_model *m, struct mp_error *err)
{
	struct mp_rpart p;

	mp_fmt(p.url, sizeof(p.url), "%s", url);
	mp_fmt(p.key, sizeof(p.key), "%s", key);
	mp_fmt(p.what, sizeof(p.what), "%s", what);
	return mp_remote_gguf_parts(r, &p, 1, m, err);
}

/* ---- which model: the spec ---- */

/* An org or a name on the Hub: [A-Za-z0-9._-], 1 to 96 characters. */
static bool
hub_part(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n > 96 || s[0] == '.' || s[0] == '-')
		return false;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && strchr("._-", s[i]) == NULL)
			return false;
	for (i = 0; i + 1 < n; i++)
		if (s[i] == '.' && s[i + 1] == '.')
			return false;
	return true;
}

struct hfspec {
	char	 repo[200];	/* "Org/Name" */
	char	 rev[256];	/* "main" */
	char	 quant[32];	/* "Q4_K_M", or "" */
};

/* "Org/Name[:QUANT][@REV]" or "Org/Name@REV[:QUANT]". */
static bool
parse_hf(const char *spec, struct hfspec *h)
{
	const char	*at = strchr(spec, '@'), *slash, *colon, *end;
	size_t		 rl;

	memset(h, 0, sizeof(*h));
	end = at != NULL ? at : spec + strlen(spec);
	colon = memchr(spec, ':', (size_t)(end - spec));
	if (colon == NULL && at != NULL)
		colon = strchr(at, ':');
	slash = strchr(spec, '/');
	if (slash == NULL || slash > end)
		return false;
	rl = (size_t)((colon != NULL && colon < end ? colon : end) - spec);
	if (rl >= sizeof(h->repo))
		return false;
	memcpy(h->repo, spec, rl);
	if (!hub_part(h->repo, (size_t)(slash - spec)) ||
	    !hub_part(slash + 1, rl - (size_t)(slash - spec) - 1))
		return false;
	if (colon != NULL) {
		const char *qe = colon < end ? end : colon + strlen(colon);
		size_t ql = (size_t)(qe - colon - 1), i;

		if (ql == 0 || ql >= sizeof(h->quant))
			return false;
		for (i = 0; i < ql; i++)
			if (!isalnum((unsigned char)colon[1 + i]) &&
			    colon[1 + i] != '_')
				return false;
		memcpy(h->quant, colon + 1, ql);
	}
	if (at != NULL) {
		const char *re = colon != NULL && colon > at ? colon :
		    at + strlen(at);
		size_t n = (size_t)(re - at - 1), i;

		/* Org/Name@REV wins over --revision. */
		if (n == 0 || n >= sizeof(h->rev))
			return false;
		for (i = 0; i < n; i++)
			if ((unsigned char)at[1 + i] <= 0x20 ||
			    at[1 + i] == 0x7f)
				return false;
		memcpy(h->rev, at + 1, n);
	} else
		mp_fmt(h->rev, sizeof(h->rev), "%s",
		    settings.revision != NULL ? settings.revision : "main");
	return true;
}

bool
mp_remote_spec(const char *spec)
{
	struct hfspec h;

	if (strncmp(spec, "https://", 8) == 0 ||
	    strncmp(spec, "http://", 7) == 0 ||
	    strncmp(spec, "ollama:", 7) == 0)
		return true;
	return parse_hf(spec, &h);
}

/* A 404: with the bundled model it may have meant (a typo of its name
 * or Hub id), through the one did-you-mean for models. */
static bool
not_found(const char *repo, struct mp_error *err)
{
	struct mp_suggest sg;

	mp_suggest_init(&sg, repo);
	mp_catalog_suggest_model(&sg);
	if (mp_suggest_best(&sg) != NULL)
		return mp_error_set(err, MP_EINPUT, repo, NULL,
		    "no such repository on the Hub (HTTP 404); did you mean "
		    "the bundled \"%s\"? (see 'memplan models')",
		    mp_suggest_best(&sg));
	return mp_error_set(err, MP_EINPUT, repo, NULL,
	    "no such repository on the Hub (HTTP 404)");
}

/* ---- a Hub repository ---- */

struct hub {
	struct mp_remote r;
	struct hfspec	 h;
	char		 ep[512];
	char		 base[300];	/* cache key folder: hf/Org--Name */
	char		 commit[41];
	struct mp_rfiles files;
};

/* The Hub, or the mirror HF_ENDPOINT names (huggingface_hub's variable). */
static void
endpoint(char *out, size_t len)
{
	mp_remote_endpoint("HF_ENDPOINT", "https://huggingface.co", out, len);
}

static bool
is_commit(const char *s)
{
	size_t i;

	for (i = 0; i < 40; i++)
		if (!isxdigit((unsigned char)s[i]) || isupper((unsigned char)s[i]))
			return false;
	return s[40] == '\0';
}

/*
 * The commit the revision names: a hash as is, else the API.  A branch or
 * tag's commit is cached, used as is offline and revalidated by the same
 * one request online (as huggingface_hub asks for a file's commit each
 * time): a moved branch is read again, an unchanged one answers from the
 * cache.  A Hub that does not answer at all leaves the cached commit
 * standing; an answer such as 404 or 401 does not.
 */
static bool
resolve_commit(struct hub *hb, struct mp_error *err)
{
	struct mp_http_resp	 resp;
	char			 key[600], rn[800], url[1500], er[800];
	char			 had[41] = "";
	unsigned char		*b = NULL;
	size_t			 n = 0;
	uint64_t		 age = 0;
	bool			 ok;

	if (is_commit(hb->h.rev)) {
		memcpy(hb->commit, hb->h.rev, 41);
		return true;
	}
	mp_rcache_name(hb->h.rev, rn, sizeof(rn));
	mp_fmt(key, sizeof(key), "%s/refs/%s", hb->base, rn);
	if (mp_rcache_get(key, 64, &b, &n, &age)) {
		if (n == 40) {
			memcpy(had, b, 40);
			had[40] = '\0';
			if (!is_commit(had))
				had[0] = '\0';
		}
		free(b);
	}
	if (hb->r.offline && had[0] != '\0') {
		memcpy(hb->commit, had, 41);
		return true;
	}
	if (hb->r.offline)
		return mp_remote_offline_error(hb->r.spec, hb->h.repo, err);
	mp_url_escape(hb->h.rev, false, er, sizeof(er));
	mp_fmt(url, sizeof(url), "%s/api/models/%s/revision/%s", hb->ep,
	    hb->h.repo, er);
	if (!mp_http_get(hb->r.http, url, 0, 0, API_CAP, "application/json",
	    hb->h.repo, &resp, err)) {
		if (resp.status == 0 && had[0] != '\0') {
			mp_error_clear(err);
			memcpy(hb->commit, had, 41);
			return true;
		}
		if (resp.status == 404)
			return not_found(hb->h.repo, err);
		return false;
	}
	ok = mp_hf_revision_sha((const char *)resp.body, resp.len,
	    hb->h.repo, hb->commit, err);
	mp_http_resp_fini(&resp);
	if (ok && strcmp(had, hb->commit) != 0)
		(void)mp_rcache_put(key, hb->commit, 40);
	return ok;
}

/* Every file of the commit, from the tree listing (cached as JSON). */
static bool
list_files(struct hub *hb, struct mp_error *err)
{
	struct mp_http_resp	 resp;
	char			 key[600], url[2048], what[300];
	unsigned char		*b = NULL;
	size_t			 n = 0, i;
	uint64_t		 age;
	unsigned		 pages = 0;
	cJSON			*arr, *o;
	char			*txt;
	bool			 ok;

	mp_fmt(key, sizeof(key), "%s/%s/files.json", hb->base, hb->commit);
	if (mp_rcache_get(key, API_CAP * 4, &b, &n, &age)) {
		ok = mp_hf_tree_page((const char *)b, n, key, &hb->files, err);
		free(b);
		if (ok)
			return true;
		mp_rfiles_fini(&hb->files);
		mp_error_clear(err);
	}
	if (hb->r.offline)
		return mp_remote_offline_error(hb->r.spec, hb->h.repo, err);
	mp_fmt(url, sizeof(url), "%s/api/models/%s/tree/%s?recursive=true",
	    hb->ep, hb->h.repo, hb->commit);
	mp_fmt(what, sizeof(what), "%s (file listing)", hb->h.repo);
	while (url[0] != '\0') {
		if (++pages > MAX_PAGES)
			return mp_error_set(err, MP_EINPUT, what, NULL,
			    "more than %u pages", MAX_PAGES);
		if (!mp_http_get(hb->r.http, url, 0, 0, API_CAP,
		    "application/json", what, &resp, err)) {
			if (resp.status == 404)
				return not_found(hb->h.repo, err);
			return false;
		}
		ok = mp_hf_tree_page((const char *)resp.body, resp.len, what,
		    &hb->files, err);
		mp_fmt(url, sizeof(url), "%s", resp.next);
		mp_http_resp_fini(&resp);
		if (!ok)
			return false;
	}
	/* Kept as one page of the same format. */
	if ((arr = cJSON_CreateArray()) == NULL)
		return true;
	for (i = 0; i < hb->files.n; i++) {
		if ((o = cJSON_CreateObject()) == NULL ||
		    !cJSON_AddItemToArray(arr, o) ||
		    cJSON_AddStringToObject(o, "type", "file") == NULL ||
		    cJSON_AddStringToObject(o, "path", hb->files.v[i].path) ==
		    NULL ||
		    cJSON_AddNumberToObject(o, "size",
		    (double)hb->files.v[i].size) == NULL) {
			cJSON_Delete(arr);
			return true;
		}
	}
	if ((txt = cJSON_PrintUnformatted(arr)) != NULL)
		(void)mp_rcache_put(key, txt, strlen(txt));
	free(txt);
	cJSON_Delete(arr);
	return true;
}

static void
file_url(const struct hub *hb, const char *path, char *out, size_t len)
{
	char ep[1200];

	mp_url_escape(path, true, ep, sizeof(ep));
	mp_fmt(out, len, "%s/%s/resolve/%s/%s", hb->ep, hb->h.repo,
	    hb->commit, ep);
}

static void
file_key(const struct hub *hb, const char *path, const char *suffix,
    char *out, size_t len)
{
	char nm[1200];

	mp_rcache_name(path, nm, sizeof(nm));
	mp_fmt(out, len, "%s/%s/%s%s", hb->base, hb->commit, nm, suffix);
}

/*
 * Safetensors shards' headers: each one's 8-byte length, then its JSON
 * header (never a byte of tensor data), all shards at once: one round
 * of requests for the lengths, one for the headers (at the CDN URL the
 * first redirect gave).  Cached shards are not asked for.
 */

static bool
shard_len(struct fhead *s, const struct mp_http_resp *a, struct mp_error *err)
{
	if (a->len < 8 || a->total < 8)
		return mp_error_set(err, MP_EINPUT, s->p->what, "header_size",
		    "file is %llu bytes; a safetensors file starts with an "
		    "8-byte header length", (unsigned long long)a->total);
	if (!mp_st_header_len(a->body, a->total, s->p->what, &s->hl, err))
		return false;
	if ((s->buf = malloc(8 + (size_t)s->hl)) == NULL)
		return mp_error_set(err, MP_ENOMEM, s->p->what, NULL,
		    "out of memory");
	memcpy(s->buf, a->body, 8);
	s->size = a->total;
	mp_fmt(s->at, sizeof(s->at), "%s", a->url);
	return true;
}

static bool
shard_json(struct fhead *s, const struct mp_http_resp *b,
    struct mp_error *err)
{
	if (b->len != s->hl || b->total != s->size)
		return mp_error_set(err, MP_EIO, s->p->what, "header",
		    "truncated: %zu of %llu header bytes", b->len,
		    (unsigned long long)s->hl);
	memcpy(s->buf + 8, b->body, (size_t)s->hl);
	s->len = s->used = 8 + (size_t)s->hl;
	return true;
}

static bool
shard_heads(struct mp_remote *r, struct fhead *s, size_t n,
    struct mp_error *err)
{
	struct mp_http_req	*q;
	size_t			 i, k, nq, round;
	bool			 ok = true;

	for (nq = i = 0; i < n; i++) {
		if (get_sized(s[i].p->key, (100u << 20) + 8, &s[i].size,
		    &s[i].buf, &s[i].len)) {
			s[i].cached = true;
			s[i].used = s[i].len;
			continue;
		}
		if (r->offline)
			return mp_remote_offline_error(r->spec, s[i].p->what,
			    err);
		nq++;
	}
	if (nq == 0)
		return true;
	if ((q = calloc(nq, sizeof(*q))) == NULL)
		return mp_error_set(err, MP_ENOMEM, r->spec, NULL,
		    "out of memory");
	for (round = 0; round < 2 && ok; round++) {
		for (k = i = 0; i < n; i++) {
			if (s[i].cached)
				continue;
			memset(&q[k], 0, sizeof(q[k]));
			q[k].url = round == 0 ? s[i].p->url : s[i].at;
			q[k].off = round == 0 ? 0 : 8;
			q[k].len = round == 0 ? 8 : s[i].hl;
			q[k].cap = round == 0 ? 8 : (size_t)s[i].hl;
			q[k].what = s[i].p->what;
			k++;
		}
		if (!(ok = mp_http_get_many(r->http, q, nq, err)))
			break;
		for (k = i = 0; i < n; i++) {
			if (s[i].cached)
				continue;
			if (ok)
				ok = round == 0 ? shard_len(&s[i], &q[k].resp,
				    err) : shard_json(&s[i], &q[k].resp, err);
			mp_http_resp_fini(&q[k++].resp);
		}
	}
	free(q);
	for (i = 0; ok && i < n; i++)
		if (!s[i].cached)
			fetched(r, s[i].p, s[i].size, s[i].buf, s[i].used);
	return ok;
}

static bool
hub_safetensors(struct hub *hb, struct mp_model *m, struct mp_error *err)
{
	char			 url[2048], key[1400], what[1300];
	unsigned char		*cfg = NULL, *idx = NULL;
	size_t			 cl = 0, il = 0, nsh = 0, i;
	char			**names = NULL, *one[1] = { NULL };
	struct mp_rpart		*parts = NULL;
	bool			 ok = false, sharded;
	const char		*slash = strchr(hb->h.repo, '/');

	sharded = mp_rfiles_find(&hb->files,
	    "model.safetensors.index.json") != NULL;
	file_url(hb, "config.json", url, sizeof(url));
	file_key(hb, "config.json", "", key, sizeof(key));
	mp_fmt(what, sizeof(what), "%s/config.json", hb->h.repo);
	if (!mp_remote_small(&hb->r, url, key, what, CONFIG_CAP, NULL, &cfg,
	    &cl, err) || !mp_model_parse((const char *)cfg, cl, what, m, err))
		goto out;
	mp_fmt(m->name, sizeof(m->name), "%s", slash + 1);
	mp_fmt(m->path, sizeof(m->path), "%s", hb->h.repo);
	if (sharded) {
		file_url(hb, "model.safetensors.index.json", url, sizeof(url));
		file_key(hb, "model.safetensors.index.json", "", key,
		    sizeof(key));
		mp_fmt(what, sizeof(what),
		    "%s/model.safetensors.index.json", hb->h.repo);
		if (!mp_remote_small(&hb->r, url, key, what, INDEX_CAP, NULL,
		    &idx, &il, err) ||
		    !mp_st_index_names((const char *)idx, il, what, &names,
		    &nsh, err))
			goto out;
	} else {
		one[0] = (char *)"model.safetensors";
		nsh = 1;
	}
	if ((parts = calloc(nsh, sizeof(*parts))) == NULL) {
		mp_error_set(err, MP_ENOMEM, hb->h.repo, NULL, "out of memory");
		goto out;
	}
	for (i = 0; i < nsh; i++) {
		const char *f = names != NULL ? names[i] : one[0];

		if (mp_rfiles_find(&hb->files, f) == NULL) {
			mp_error_set(err, MP_EINPUT, hb->h.repo, f,
			    "the index names this shard but the repository "
			    "has no such file");
			goto out;
		}
		mp_fmt(parts[i].what, sizeof(parts[i].what), "%s/%s",
		    hb->h.repo, f);
		file_url(hb, f, parts[i].url, sizeof(parts[i].url));
		file_key(hb, f, ".hdr", parts[i].key, sizeof(parts[i].key));
	}
	ok = heads_model(&hb->r, parts, nsh, false, hb->h.repo, m, err);
	if (ok) {
		m->fetch_kind = MP_FETCH_HUB;
		mp_fmt(m->fetch, sizeof(m->fetch), "%s", hb->h.repo);
		if (strcmp(hb->h.rev, "main") != 0)
			mp_fmt(m->fetch_rev, sizeof(m->fetch_rev), "%s",
			    hb->h.rev);
	}
out:
	free(parts);
	mp_st_names_free(names, nsh);
	free(cfg);
	free(idx);
	if (!ok)
		mp_model_fini(m);
	return ok;
}

static void file_url(const struct hub *, const char *, char *, size_t);
static void file_key(const struct hub *, const char *, const char *, char *,
    size_t);

/* A GGUF repo's file for the quant; a split model's parts all (the
 * names gguf-split gives them, each one listed in the repository). */
static bool
hub_gguf(struct hub *hb, struct mp_model *m, struct mp_error *err)
{
	const struct mp_rfile	*f;
	struct mp_rpart		*p;
	char			 name[1100];
	unsigned		 no = 1, of = 1, k;
	size_t			 pre;
	bool			 split, ok;

	if ((f = mp_hf_pick_gguf(&hb->files, hb->h.quant, hb->h.repo, &split,
	    err)) == NULL)
		return false;
	if (split && !mp_gguf_split_name(f->path, &no, &of, &pre))
		return mp_error_set(err, MP_EINPUT, hb->h.repo, f->path,
		    "not a split GGUF name");
	if ((p = calloc(of, sizeof(*p))) == NULL)
		return mp_error_set(err, MP_ENOMEM, hb->h.repo, NULL,
		    "out of memory");
	for (k = 0; k < of; k++) {
		if (of == 1)
			mp_fmt(name, sizeof(name), "%s", f->path);
		else if (!mp_gguf_part_name(f->path, k + 1, name,
		    sizeof(name)) || mp_rfiles_find(&hb->files, name) ==
		    NULL) {
			free(p);
			return mp_error_set(err, MP_EINPUT, hb->h.repo, name,
			    "part %u of %u of the split model is not in the "
			    "repository", k + 1, of);
		}
		file_url(hb, name, p[k].url, sizeof(p[k].url));
		file_key(hb, name, ".hdr", p[k].key, sizeof(p[k].key));
		mp_fmt(p[k].what, sizeof(p[k].what), "%s/%s", hb->h.repo,
		    name);
	}
	ok = mp_remote_gguf_parts(&hb->r, p, of, m, err);
	/* llama-server -hf takes Org/Repo[:QUANT] at main; another
	 * revision is the file's URL at that commit (-mu). */
	if (ok && strcmp(hb->h.rev, "main") == 0) {
		m->fetch_kind = MP_FETCH_HUB;
		mp_fmt(m->fetch, sizeof(m->fetch), "%s%s%s", hb->h.repo,
		    hb->h.quant[0] != '\0' ? ":" : "", hb->h.quant);
	} else if (ok) {
		m->fetch_kind = MP_FETCH_URL;
		mp_fmt(m->fetch, sizeof(m->fetch), "%s", p[0].url);
	}
	free(p);
	return ok;
}

static bool
hub_load(const char *spec, const struct hfspec *h, struct mp_model *m,
    struct mp_error *err)
{
	struct hub	 hb;
	char		 nm[400];
	size_t		 i;
	bool		 ok = false, st, gguf = false;

	memset(&hb, 0, sizeof(hb));
	hb.h = *h;
	endpoint(hb.ep, sizeof(hb.ep));
	/* The cache key names the endpoint too when it is not the Hub's. */
	mp_fmt(nm, sizeof(nm), "%s", h->repo);
	*strchr(nm, '/') = '\0';
	{
		char a[200], b[200], e[600];

		mp_rcache_name(nm, a, sizeof(a));
		mp_rcache_name(strchr(h->repo, '/') + 1, b, sizeof(b));
		mp_rcache_name(strcmp(hb.ep, "https://huggingface.co") == 0 ?
		    "hf" : hb.ep, e, sizeof(e));
		mp_fmt(hb.base, sizeof(hb.base), "%.200s/%s--%s", e, a, b);
	}
	if (!mp_remote_open(&hb.r, spec, hb.ep, err))
		return false;
	if (!resolve_commit(&hb, err) || !list_files(&hb, err))
		goto out;
	for (i = 0; i < hb.files.n; i++) {
		size_t n = strlen(hb.files.v[i].path);

		if (n > 5 && strcasecmp(hb.files.v[i].path + n - 5,
		    ".gguf") == 0)
			gguf = true;
	}
	st = mp_rfiles_find(&hb.files, "config.json") != NULL &&
	    (mp_rfiles_find(&hb.files, "model.safetensors") != NULL ||
	    mp_rfiles_find(&hb.files, "model.safetensors.index.json") != NULL);
	if (h->quant[0] != '\0' || (!st && gguf))
		ok = hub_gguf(&hb, m, err);
	else if (st)
		ok = hub_safetensors(&hb, m, err);
	else
		mp_error_set(err, MP_EINPUT, h->repo, NULL,
		    "the repository has neither safetensors weights (with "
		    "config.json) nor GGUF files");
out:
	mp_rfiles_fini(&hb.files);
	mp_remote_close(&hb.r);
	return ok;
}

/* ---- one file by URL ---- */

static uint64_t
fnv1a(const char *s)
{
	uint64_t h = 14695981039346656037ull;

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

/* A .gguf URL; a split model's parts by the same name pattern beside
 * it (query kept: a signed URL's key). */
static bool
url_gguf(struct mp_remote *r, const char *clean, const char *query,
    struct mp_model *m, struct mp_error *err)
{
	struct mp_rpart	*p;
	char		 u[2048];
	unsigned	 no = 1, of = 1, k;
	size_t		 pre;
	bool		 ok;

	if (!mp_gguf_split_name(clean, &no, &of, &pre))
		of = 1;
	if ((p = calloc(of, sizeof(*p))) == NULL)
		return mp_error_set(err, MP_ENOMEM, clean, NULL,
		    "out of memory");
	for (k = 0; k < of; k++) {
		if (of > 1 && !mp_gguf_part_name(clean, k + 1, u, sizeof(u)))
			mp_fmt(u, sizeof(u), "%s", clean);
		else if (of == 1)
			mp_fmt(u, sizeof(u), "%s", clean);
		if (!mp_fmt(p[k].url, sizeof(p[k].url), "%s%s", u, query)) {
			free(p);
			return mp_error_set(err, MP_EINPUT, clean, NULL,
			    "URL too long");
		}
		mp_fmt(p[k].key, sizeof(p[k].key), "url/%016llx.hdr",
		    (unsigned long long)fnv1a(p[k].url));
		mp_fmt(p[k].what, sizeof(p[k].what), "%s", u);
	}
	ok = mp_remote_gguf_parts(r, p, of, m, err);
	free(p);
	return ok;
}

static bool
url_load(const char *spec, struct mp_model *m, struct mp_error *err)
{
	struct mp_remote	 r;
	char			 key[300], clean[2048], ep[512], cu[2100];
	const char		*q;
	size_t			 n;
	bool			 ok = false;

	n = strcspn(spec, "?#");
	if (n >= sizeof(clean))
		return mp_error_set(err, MP_EINPUT, spec, NULL,
		    "URL longer than %zu characters", sizeof(clean) - 1);
	memcpy(clean, spec, n);
	clean[n] = '\0';
	q = spec + n;
	endpoint(ep, sizeof(ep));
	/* The token goes to the Hub's host only, as for repository ids. */
	if (!mp_remote_open(&r, spec, ep, err))
		return false;
	if (n > 5 && strcasecmp(clean + n - 5, ".gguf") == 0) {
		ok = url_gguf(&r, clean, q, m, err);
	} else if (n > 12 && strcasecmp(clean + n - 12, ".safetensors") == 0) {
		/* config.json beside the file says what the tensors are. */
		unsigned char	*cfg = NULL;
		size_t		 cl = 0;
		struct mp_rpart	 part;
		char		*slash = strrchr(clean, '/');

		mp_fmt(cu, sizeof(cu), "%.*s/config.json%s",
		    (int)(slash - clean), clean, q);
		mp_fmt(key, sizeof(key), "url/%016llx.json",
		    (unsigned long long)fnv1a(cu));
		mp_fmt(part.url, sizeof(part.url), "%s", spec);
		mp_fmt(part.key, sizeof(part.key), "url/%016llx.hdr",
		    (unsigned long long)fnv1a(spec));
		mp_fmt(part.what, sizeof(part.what), "%s", clean);
		ok = mp_remote_small(&r, cu, key, "config.json beside the URL",
		    CONFIG_CAP, NULL, &cfg, &cl, err) &&
		    mp_model_parse((const char *)cfg, cl, cu, m, err) &&
		    heads_model(&r, &part, 1, false, clean, m, err);
		if (ok) {
			mp_path_stem(clean, ".safetensors", m->name,
			    sizeof(m->name));
			mp_fmt(m->path, sizeof(m->path), "%s", clean);
		} else
			mp_model_fini(m);
		free(cfg);
	} else
		mp_error_set(err, MP_EINPUT, clean, NULL,
		    "a model URL ends in .gguf or .safetensors");
	mp_remote_close(&r);
	if (ok) {
		m->fetch_kind = MP_FETCH_URL;
		mp_fmt(m->fetch, sizeof(m->fetch), "%s", spec);
	}
	return ok;
}

bool
mp_remote_load(const char *spec, struct mp_model *m, struct mp_error *err)
{
	struct hfspec h;

	if (strncmp(spec, "https://", 8) == 0 ||
	    strncmp(spec, "http://", 7) == 0)
		return url_load(spec, m, err);
	if (!parse_hf(spec, &h))
		return mp_error_set(err, MP_EINPUT, spec, NULL,
		    "expected Org/Name, Org/Name@REVISION or Org/Name:QUANT");
	return hub_load(spec, &h, m, err);
}
