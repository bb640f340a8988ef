/* remote_parse.c: what the Hub, a CDN and the Ollama registry answer */
/* SPDX-License-Identifier: MIT */
/*
 * Pure functions over server answers (no I/O), so that a fuzz target can
 * feed them anything: Content-Range arithmetic (RFC 9110 14.4), the
 * Link header's rel="next" (RFC 8288, as the Hub paginates its tree
 * listing), the Hub API's JSON and Ollama's image manifest.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>

#include "remote.h"

#define MAX_FILES	100000u		/* files listed in one repository */
#define MAX_PATH	1000u		/* a repository path's length */
/* JSON numbers are doubles: integers above 2^53 are not exact. */
#define MAX_INT		(1ull << 53)

/* A decimal integer of at most 19 digits at *p; advances p. */
static bool
dec(const char **p, uint64_t *v)
{
	const char	*s = *p;
	uint64_t	 n = 0;
	int		 k = 0;

	while (*s >= '0' && *s <= '9') {
		if (++k > 19)
			return false;
		n = n * 10 + (uint64_t)(*s - '0');
		s++;
	}
	if (k == 0)
		return false;
	*p = s;
	*v = n;
	return true;
}

bool
mp_http_content_range(const char *v, uint64_t off, uint64_t len,
    uint64_t *start, uint64_t *end, uint64_t *total)
{
	const char	*p = v;
	uint64_t	 last;

	if (v == NULL || len == 0 || off > UINT64_MAX - len)
		return false;
	while (*p == ' ' || *p == '\t')
		p++;
	if (strncmp(p, "bytes", 5) != 0)
		return false;
	p += 5;
	if (*p != ' ' && *p != '\t')
		return false;
	while (*p == ' ' || *p == '\t')
		p++;
	if (!dec(&p, start) || *p++ != '-' || !dec(&p, end) || *p++ != '/' ||
	    !dec(&p, total))
		return false;	/* "*" (unknown size) is no use either */
	while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
		p++;
	if (*p != '\0')
		return false;
	last = off + len - 1;
	/* What was asked for, cut only by the end of the file. */
	return *start == off && *end >= *start && *end < *total &&
	    (*end == last || (*end < last && *end == *total - 1));
}

bool
mp_http_retry_after(const char *v, time_t now, long *secs)
{
	const char	*p;
	uint64_t	 n;
	time_t		 t;

	*secs = 0;
	if (v == NULL)
		return false;
	while (*v == ' ' || *v == '\t')
		v++;
	p = v;
	if (*p >= '0' && *p <= '9') {
		/* delay-seconds: 1*DIGIT, nothing after but blanks. */
		if (!dec(&p, &n))
			n = UINT64_MAX;		/* over 19 digits: huge */
		else {
			while (*p == ' ' || *p == '\t')
				p++;
			if (*p != '\0')
				return false;
		}
		*secs = n > 1000000000u ? 1000000000L : (long)n;
		return true;
	}
	/* An IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT") or one of the
	 * obsolete forms, which curl_getdate reads. */
	if (strlen(v) > 64 || (t = curl_getdate(v, NULL)) == (time_t)-1)
		return false;
	*secs = t <= now ? 0 : t - now > 1000000000 ? 1000000000L :
	    (long)(t - now);
	return true;
}

bool
mp_http_link_next(const char *v, char *out, size_t outlen)
{
	const char *p = v, *u, *ue, *q;

	if (v == NULL || outlen == 0)
		return false;
	/* link-value = "<" URI ">" *( ";" param ), separated by commas. */
	while ((u = strchr(p, '<')) != NULL) {
		if ((ue = strchr(u, '>')) == NULL)
			return false;
		q = ue + 1;
		/* This entry's parameters run to the next comma outside <>. */
		while (*q != '\0' && *q != ',') {
			const char *r;

			while (*q == ';' || *q == ' ' || *q == '\t')
				q++;
			if (strncmp(q, "rel", 3) == 0) {
				r = q + 3;
				while (*r == ' ')
					r++;
				if (*r == '=') {
					r++;
					while (*r == ' ')
						r++;
					if (strncmp(r, "\"next\"", 6) == 0 ||
					    (strncmp(r, "next", 4) == 0 &&
					    (r[4] == '\0' || r[4] == ';' ||
					    r[4] == ',' || r[4] == ' '))) {
						size_t n = (size_t)(ue - u - 1);

						if (n == 0 || n >= outlen)
							return false;
						memcpy(out, u + 1, n);
						out[n] = '\0';
						return true;
					}
				}
			}
			while (*q != '\0' && *q != ';' && *q != ',')
				q++;
		}
		p = q;
	}
	return false;
}

void
mp_rfiles_fini(struct mp_rfiles *f)
{
	size_t i;

	for (i = 0; i < f->n; i++)
		free(f->v[i].path);
	free(f->v);
	memset(f, 0, sizeof(*f));
}

const struct mp_rfile *
mp_rfiles_find(const struct mp_rfiles *f, const char *path)
{
	size_t i;

	for (i = 0; i < f->n; i++)
		if (strcmp(f->v[i].path, path) == 0)
			return &f->v[i];
	return NULL;
}

static bool
json_size(const cJSON *it, uint64_t *out)
{
	double v;

	if (!cJSON_IsNumber(it))
		return false;
	v = it->valuedouble;
	if (!isfinite(v) || v < 0 || v != floor(v) || v > (double)MAX_INT)
		return false;
	*out = (uint64_t)v;
	return true;
}

/* A repository path: relative, no "..", no control characters. */
static bool
safe_path(const char *s)
{
	const char *p;

	if (*s == '\0' || *s == '/' || strlen(s) > MAX_PATH)
		return false;
	for (p = s; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == '\\')
			return false;
	for (p = s; p != NULL; p = strchr(p, '/')) {
		if (*p == '/')
			p++;
		if (strncmp(p, "..", 2) == 0 && (p[2] == '/' || p[2] == '\0'))
			return false;
		if (*p == '/' || *p == '\0')
			return false;	/* "a//b", "a/" */
	}
	return true;
}

/*
 * A response body as JSON: no NUL inside, cJSON's parse.  NULL with the
 * error "malformed JSON; expected <expected>" otherwise.  The caller
 * deletes the tree.
 */
static cJSON *
parse_body(const char *json, size_t len, const char *src,
    const char *expected, struct mp_error *err)
{
	cJSON	*root;

	if (len == 0 || memchr(json, '\0', len) != NULL ||
	    (root = cJSON_ParseWithLength(json, len)) == NULL) {
		mp_error_set(err, MP_EINPUT, src, NULL, "malformed JSON; "
		    "expected %s", expected);
		return NULL;
	}
	return root;
}

/* Adds the files of one page of the Hub's tree listing to f. */
static bool
tree_files(const cJSON *root, const char *src, struct mp_rfiles *f,
    struct mp_error *err)
{
	const cJSON	*e;
	size_t		 i = 0;

	if (!cJSON_IsArray(root))
		return mp_error_set(err, MP_EINPUT, src, NULL,
		    "expected an array of files");
	cJSON_ArrayForEach(e, root) {
		const cJSON	*ty = cJSON_GetObjectItemCaseSensitive(e, "type");
		const cJSON	*pa = cJSON_GetObjectItemCaseSensitive(e, "path");
		const cJSON	*sz = cJSON_GetObjectItemCaseSensitive(e, "size");
		const cJSON	*lfs = cJSON_GetObjectItemCaseSensitive(e, "lfs");
		char		 field[32];
		uint64_t	 size = 0;

		snprintf(field, sizeof(field), "[%zu]", i++);
		if (!cJSON_IsObject(e) || !cJSON_IsString(ty) ||
		    !cJSON_IsString(pa))
			return mp_error_set(err, MP_EINPUT, src, field,
			    "expected an object with type and path");
		if (strcmp(ty->valuestring, "file") != 0)
			continue;	/* directories: recursive listing */
		if (!safe_path(pa->valuestring))
			return mp_error_set(err, MP_EINPUT, src, field,
			    "path \"%.60s\" is not a relative path in the "
			    "repository", pa->valuestring);
		/* An LFS file's size is its object's; "size" is the same. */
		if (cJSON_IsObject(lfs) &&
		    json_size(cJSON_GetObjectItemCaseSensitive(lfs, "size"),
		    &size))
			;
		else if (!json_size(sz, &size))
			return mp_error_set(err, MP_EINPUT, src, field,
			    "size: expected a whole number of bytes");
		if (f->n >= MAX_FILES)
			return mp_error_set(err, MP_EINPUT, src, NULL,
			    "more than %u files", MAX_FILES);
		if (f->n == f->cap) {
			size_t cap = f->cap ? f->cap * 2 : 64;
			struct mp_rfile *nv = realloc(f->v, cap * sizeof(*nv));

			if (nv == NULL)
				return mp_error_set(err, MP_ENOMEM, src, NULL,
				    "out of memory");
			f->v = nv;
			f->cap = cap;
		}
		if ((f->v[f->n].path = strdup(pa->valuestring)) == NULL)
			return mp_error_set(err, MP_ENOMEM, src, NULL,
			    "out of memory");
		f->v[f->n++].size = size;
	}
	return true;
}

bool
mp_hf_tree_page(const char *json, size_t len, const char *src,
    struct mp_rfiles *f, struct mp_error *err)
{
	cJSON	*root;
	bool	 ok;

	if ((root = parse_body(json, len, src, "the Hub's file listing (an "
	    "array)", err)) == NULL)
		return false;
	ok = tree_files(root, src, f, err);
	cJSON_Delete(root);
	return ok;
}

/* The commit of a Hub model info: 40 hexadecimal digits. */
static bool
revision_sha(const cJSON *root, const char *src, char sha[41],
    struct mp_error *err)
{
	const cJSON	*s = cJSON_GetObjectItemCaseSensitive(root, "sha");
	size_t		 i;

	if (!cJSON_IsString(s) || strlen(s->valuestring) != 40)
		return mp_error_set(err, MP_EINPUT, src, "sha",
		    "expected the commit: 40 hexadecimal digits");
	for (i = 0; i < 40; i++)
		if (!isxdigit((unsigned char)s->valuestring[i]))
			return mp_error_set(err, MP_EINPUT, src, "sha",
			    "expected the commit: 40 hexadecimal digits");
	memcpy(sha, s->valuestring, 41);
	return true;
}

bool
mp_hf_revision_sha(const char *json, size_t len, const char *src,
    char sha[41], struct mp_error *err)
{
	cJSON	*root;
	bool	 ok;

	if ((root = parse_body(json, len, src, "the Hub's model info",
	    err)) == NULL)
		return false;
	ok = revision_sha(root, src, sha, err);
	cJSON_Delete(root);
	return ok;
}

/* s ends with suf, case-insensitively. */
static bool
iends(const char *s, const char *suf)
{
	size_t n = strlen(s), k = strlen(suf);

	return n >= k && strcasecmp(s + n - k, suf) == 0;
}

/* The file's name carries quant as a whole token ("-Q4_K_M." or
 * ".q4_k_m-00001-"): case-insensitive, delimited. */
static bool
carries(const char *path, const char *quant)
{
	const char	*b = strrchr(path, '/'), *p;
	size_t		 k = strlen(quant);

	b = b != NULL ? b + 1 : path;
	for (p = b; *p != '\0'; p++)
		if (strncasecmp(p, quant, k) == 0 &&
		    (p == b || strchr("-._", p[-1]) != NULL) &&
		    strchr("-.", p[k]) != NULL && p[k] != '\0')
			return true;
	/* Or the folder: "Q4_K_M/model-00001-of-00002.gguf". */
	if (b != path && (size_t)(b - 1 - path) >= k &&
	    strncasecmp(b - 1 - k, quant, k) == 0 &&
	    (b - 1 - k == path || b[-2 - (long)k] == '/'))
		return true;
	return false;
}

/* "-00001-of-00003.gguf": the part number, or 0 when not split. */
static unsigned
split_part(const char *path, unsigned *of)
{
	unsigned	no;
	size_t		pre;

	return mp_gguf_split_name(path, &no, of, &pre) ? no : 0;
}

static bool
is_model_gguf(const char *path)
{
	const char *b = strrchr(path, '/');

	b = b != NULL ? b + 1 : path;
	/* Vision projectors ride along in many repos: not the model. */
	return iends(path, ".gguf") && strncasecmp(b, "mmproj", 6) != 0;
}

const struct mp_rfile *
mp_hf_pick_gguf(const struct mp_rfiles *f, const char *quant,
    const char *repo, bool *split, struct mp_error *err)
{
	/* llama.cpp's -hf picks Q4_K_M when no tag is given (common/arg.cpp),
	 * then the first GGUF file. */
	static const char *const dflt[] = { "Q4_K_M", "Q4_0", "Q8_0" };
	const struct mp_rfile	*best = NULL;
	char			 have[200];
	size_t			 i, k, hl = 0;
	unsigned		 of, part;

	*split = false;
	if (*quant == '\0') {
		for (k = 0; k < sizeof(dflt) / sizeof(dflt[0]); k++)
			if ((best = mp_hf_pick_gguf(f, dflt[k], repo, split,
			    err)) != NULL)
				return best;
		for (i = 0; i < f->n; i++)
			if (is_model_gguf(f->v[i].path) &&
			    (best == NULL ||
			    strcmp(f->v[i].path, best->path) < 0) &&
			    ((part = split_part(f->v[i].path, &of)) <= 1))
				best = &f->v[i];
		if (best == NULL)
			mp_error_set(err, MP_EINPUT, repo, NULL,
			    "no .gguf file in the repository");
		else
			*split = split_part(best->path, &of) == 1;
		return best;
	}
	for (i = 0; i < f->n; i++) {
		if (!is_model_gguf(f->v[i].path) ||
		    !carries(f->v[i].path, quant))
			continue;
		part = split_part(f->v[i].path, &of);
		if (part > 1)
			continue;
		if (best == NULL || strcmp(f->v[i].path, best->path) < 0) {
			best = &f->v[i];
			*split = part == 1;
		}
	}
	if (best != NULL)
		return best;
	/* Say which types the repository has. */
	have[0] = '\0';
	for (i = 0; i < f->n && hl + 40 < sizeof(have); i++) {
		const char *b;

		if (!is_model_gguf(f->v[i].path) ||
		    split_part(f->v[i].path, &of) > 1)
			continue;
		b = strrchr(f->v[i].path, '/');
		b = b != NULL ? b + 1 : f->v[i].path;
		hl += (size_t)snprintf(have + hl, sizeof(have) - hl, "%s%.36s",
		    hl ? ", " : "", b);
	}
	mp_error_set(err, MP_EINPUT, repo, NULL,
	    "no .gguf file for %.24s; the repository has %s", quant,
	    hl ? have : "no .gguf files");
	return NULL;
}

/* "sha256:<64 hex>" */
static bool
digest_ok(const char *d)
{
	size_t i;

	if (strncmp(d, "sha256:", 7) != 0 || strlen(d) != 71)
		return false;
	for (i = 7; i < 71; i++)
		if (!isxdigit((unsigned char)d[i]) ||
		    isupper((unsigned char)d[i]))
			return false;
	return true;
}

/* The model and params layers of an image manifest. */
static bool
manifest_layers(const cJSON *root, const char *src, char model[80],
    uint64_t *model_size, char params[80], struct mp_error *err)
{
	const cJSON	*layers, *l;
	size_t		 i = 0;

	layers = cJSON_GetObjectItemCaseSensitive(root, "layers");
	if (!cJSON_IsArray(layers))
		return mp_error_set(err, MP_EINPUT, src, "layers",
		    "missing; expected an array of layers");
	cJSON_ArrayForEach(l, layers) {
		const cJSON	*mt = cJSON_GetObjectItemCaseSensitive(l,
				    "mediaType");
		const cJSON	*dg = cJSON_GetObjectItemCaseSensitive(l,
				    "digest");
		const cJSON	*sz = cJSON_GetObjectItemCaseSensitive(l,
				    "size");
		char		 field[48];
		uint64_t	 size;
		bool		 is_model, is_params;

		snprintf(field, sizeof(field), "layers[%zu]", i++);
		if (!cJSON_IsString(mt))
			continue;
		is_model = strcmp(mt->valuestring,
		    "application/vnd.ollama.image.model") == 0;
		is_params = strcmp(mt->valuestring,
		    "application/vnd.ollama.image.params") == 0;
		if (!is_model && !is_params)
			continue;
		if (!cJSON_IsString(dg) || !digest_ok(dg->valuestring) ||
		    !json_size(sz, &size))
			return mp_error_set(err, MP_EINPUT, src, field,
			    "expected a digest \"sha256:<64 hex digits>\" and "
			    "a size");
		if (is_model && model[0] == '\0') {
			memcpy(model, dg->valuestring, 72);
			*model_size = size;
		} else if (is_params && params[0] == '\0')
			memcpy(params, dg->valuestring, 72);
	}
	if (model[0] == '\0')
		return mp_error_set(err, MP_EINPUT, src, "layers",
		    "no layer of type application/vnd.ollama.image.model");
	return true;
}

bool
mp_ollama_manifest(const char *json, size_t len, const char *src,
    char model[80], uint64_t *model_size, char params[80],
    struct mp_error *err)
{
	cJSON	*root;
	bool	 ok;

	model[0] = params[0] = '\0';
	*model_size = 0;
	if ((root = parse_body(json, len, src, "an image manifest",
	    err)) == NULL)
		return false;
	ok = manifest_layers(root, src, model, model_size, params, err);
	cJSON_Delete(root);
	return ok;
}

bool
mp_ollama_params(const char *json, size_t len, const char *src,
    uint64_t *num_ctx, struct mp_error *err)
{
	cJSON		*root;
	const cJSON	*c;
	bool		 ok = true;

	*num_ctx = 0;
	if ((root = parse_body(json, len, src, "Ollama's parameters object",
	    err)) == NULL)
		return false;
	c = cJSON_GetObjectItemCaseSensitive(root, "num_ctx");
	if (!cJSON_IsObject(root))
		ok = mp_error_set(err, MP_EINPUT, src, NULL,
		    "expected an object of parameters");
	else if (c != NULL && (!json_size(c, num_ctx) || *num_ctx == 0 ||
	    *num_ctx > (1ull << 30)))
		ok = mp_error_set(err, MP_EINPUT, src, "num_ctx",
		    "expected a context length from 1 to 2^30 tokens");
	cJSON_Delete(root);
	return ok;
}
