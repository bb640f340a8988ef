/* remote.h: models read over HTTP before the download (internal) */
/* SPDX-License-Identifier: MIT */
/*
 * Not part of the installed interface: the pieces the remote loader
 * (remote_*.c) shares with the file readers and the fuzz targets.  The
 * readers parse bytes in memory, so a header fetched over HTTP and one
 * read from a file go through the same code.
 */
#ifndef MEMPLAN_REMOTE_H
#define MEMPLAN_REMOTE_H

#include <time.h>

#include "fileio.h"
#include "internal.h"

/* One file's header in memory: its first len bytes (a safetensors
 * shard's 8-byte length and JSON; a GGUF file's header), and the file's
 * whole size. */
struct mp_head {
	const char		*path;	/* names it in errors */
	const unsigned char	*head;
	size_t			 len;
	uint64_t		 size;
};

/* ---- model_st.c: safetensors from bytes in memory ---- */
/* The JSON header's length from a shard's first 8 bytes, checked against
 * the shard's size and the 100 MiB cap. */
bool	mp_st_header_len(const unsigned char b[8], uint64_t size,
	    const char *path, uint64_t *len, struct mp_error *);
/* The shard file names an index's weight_map names, sorted, unique;
 * free with mp_st_names_free. */
bool	mp_st_index_names(const char *json, size_t len, const char *path,
	    char ***names, size_t *n, struct mp_error *);
void	mp_st_names_free(char **names, size_t n);
/* Prices m's tensors as the shards store them (as for a local folder). */
bool	mp_model_st_parts(struct mp_model *, const char *origin,
	    const struct mp_head *, size_t n, struct mp_error *);

/* ---- model_gguf.c: a GGUF header from a prefix in memory ---- */
/* buf holds the first len of the file's size bytes.  Fails with *more set
 * when the header continues past len; on success *used is the header's
 * length (all a later parse needs). */
bool	mp_model_gguf_mem(const char *path, const unsigned char *buf,
	    size_t len, uint64_t size, struct mp_model *, bool *more,
	    size_t *used, struct mp_error *);

/* Split models (gguf-split: NAME-00001-of-0000N.gguf, metadata in the
 * first): a part's number and the count from its name, and the length
 * of the name before "-00001-of-...". */
bool	mp_gguf_split_name(const char *path, unsigned *no, unsigned *of,
	    size_t *prefix);
/* The name of part no (1-based) of the split model path belongs to. */
bool	mp_gguf_part_name(const char *path, unsigned no, char *out,
	    size_t len);
/* The length of the header that starts buf (any part of a model): fails
 * with *more set when it continues past len. */
bool	mp_gguf_head_mem(const char *path, const unsigned char *buf,
	    size_t len, uint64_t size, bool *more, size_t *used,
	    struct mp_error *);
/* A model from its parts' headers, the first first (one for a single
 * file); metadata from the first, tensors from all. */
bool	mp_model_gguf_parts(const struct mp_head *, size_t n,
	    struct mp_model *, struct mp_error *);

/* ---- remote_parse.c: what servers answer (pure; fuzzed) ---- */
/* "bytes START-END/TOTAL" for a request of len bytes at off: true when
 * START is off, END within the request and the file, TOTAL known. */
bool	mp_http_content_range(const char *value, uint64_t off, uint64_t len,
	    uint64_t *start, uint64_t *end, uint64_t *total);
/* A Retry-After value (RFC 9110 10.2.3): delay-seconds or an HTTP date
 * (read by curl_getdate), as seconds from now (0 when past); false when
 * it is neither. */
bool	mp_http_retry_after(const char *value, time_t now, long *secs);
/* The URL of a Link header's rel="next" entry (RFC 8288), or false. */
bool	mp_http_link_next(const char *value, char *out, size_t outlen);

struct mp_rfile {
	char		*path;		/* in the repository: "a/b.gguf" */
	uint64_t	 size;
};
struct mp_rfiles {
	struct mp_rfile	*v;
	size_t		 n, cap;
};
void	mp_rfiles_fini(struct mp_rfiles *);
const struct mp_rfile *mp_rfiles_find(const struct mp_rfiles *,
	    const char *path);
/* One page of GET /api/models/{repo}/tree/{rev}: a JSON array of
 * {"type": "file"|"directory", "path", "size", "lfs": {"size"}}; files
 * are appended (at most 100,000 in all). */
bool	mp_hf_tree_page(const char *json, size_t len, const char *src,
	    struct mp_rfiles *, struct mp_error *);
/* The "sha" of GET /api/models/{repo}/revision/{rev}: 40 hex digits. */
bool	mp_hf_revision_sha(const char *json, size_t len, const char *src,
	    char sha[41], struct mp_error *);
/* The file of a GGUF repo for quant ("Q4_K_M", any case; "" = the
 * default): NULL with err set when none; *split when it is one part of
 * several (-00001-of-0000N). */
const struct mp_rfile *mp_hf_pick_gguf(const struct mp_rfiles *,
	    const char *quant, const char *repo, bool *split,
	    struct mp_error *);
/* An Ollama image manifest: the model (GGUF) layer's digest and size,
 * and the params layer's digest ("" when none). */
bool	mp_ollama_manifest(const char *json, size_t len, const char *src,
	    char model[80], uint64_t *model_size, char params[80],
	    struct mp_error *);
/* Ollama's params layer: num_ctx, or 0 when it names none. */
bool	mp_ollama_params(const char *json, size_t len, const char *src,
	    uint64_t *num_ctx, struct mp_error *);

/* ---- remote_http.c: one libcurl handle, caps and timeouts ---- */
struct mp_http;
struct mp_http_resp {
	long		 status;
	unsigned char	*body;
	size_t		 len;
	uint64_t	 total;		/* the file's size, when told */
	char		 next[2048];	/* Link: rel="next" */
	char		 url[2048];	/* where the last redirect led */
};
/* The HF token goes to auth_base's scheme, host and port only. */
struct mp_http *mp_http_new(const char *auth_base, struct mp_error *);
void	mp_http_free(struct mp_http *);
void	mp_http_resp_fini(struct mp_http_resp *);
/*
 * GET url.  len 0: the whole body, at most cap bytes.  len > 0: the
 * bytes [off, off + len) (fewer at the end of the file) by a Range
 * request; a server that ignores Range is read up to off + len only.
 * Any status but 200/206 is an error naming `what`, except that
 * want_status lets a caller see 404 (*resp.status) without an error.
 */
bool	mp_http_get(struct mp_http *, const char *url, uint64_t off,
	    uint64_t len, size_t cap, const char *accept, const char *what,
	    struct mp_http_resp *, struct mp_error *);
/* One request of a batch: what mp_http_get takes, and its answer. */
struct mp_http_req {
	const char		*url;
	uint64_t		 off, len;
	size_t			 cap;
	const char		*accept;
	const char		*what;
	struct mp_http_resp	 resp;
};
/*
 * The n requests at once (at most 8 in flight, one connection pool,
 * multiplexed on one connection where the server speaks HTTP/2), each
 * as mp_http_get does it.  On failure err is the first failed request's
 * (in order), whose resp.status stays; no body is kept.
 */
bool	mp_http_get_many(struct mp_http *, struct mp_http_req *, size_t n,
	    struct mp_error *);
/* Requests and bytes received so far (the test server counts too). */
void	mp_http_stats(const struct mp_http *, unsigned *requests,
	    uint64_t *bytes);
/*
 * Percent-encoding shared by URLs and cache file names: letters, digits
 * and the characters in keep stay, '.' too after the first byte when
 * dot_after_first; every other byte becomes %XX.  Cut at outlen.
 */
void	mp_pct_encode(const char *in, const char *keep, bool dot_after_first,
	    char *out, size_t outlen);
/* "%2F"-style escaping of a path segment (a revision, a file). */
void	mp_url_escape(const char *in, bool keep_slash, char *out,
	    size_t outlen);

/* ---- remote_cache.c: $XDG_CACHE_HOME/memplan ---- */
/* A cache file's path for key ("hf/Org--Name/<commit>/config.json");
 * false when there is no cache folder (no HOME). */
bool	mp_rcache_path(const char *key, char *out, size_t outlen);
/* Reads the entry (at most cap bytes); false when absent.  *age is its
 * age in seconds. */
bool	mp_rcache_get(const char *key, size_t cap, unsigned char **buf,
	    size_t *len, uint64_t *age);
/* Writes the entry atomically (a temporary file renamed into place);
 * false when it could not (a cache is an optimisation: callers go on). */
bool	mp_rcache_put(const char *key, const void *buf, size_t len);
/* A file name for anything: [A-Za-z0-9._-] kept, the rest %XX. */
void	mp_rcache_name(const char *in, char *out, size_t outlen);


/* ---- remote_hf.c, remote_ollama.c: the loaders ---- */
/* Whether spec names a remote model (org/name[@rev][:QUANT], a URL,
 * ollama:NAME[:TAG]); local paths and bundled names are tried first. */
bool	mp_remote_spec(const char *spec);
/* A Hub id (Org/Name[@REV][:QUANT]) or a URL (remote_hf.c). */
bool	mp_remote_load(const char *spec, struct mp_model *, struct mp_error *);
/* ollama:NAME[:TAG] (remote_ollama.c); load.c picks between the two. */
bool	mp_ollama_load(const char *spec, struct mp_model *, struct mp_error *);
/* --offline or HF_HUB_OFFLINE=1: the cache and local files only. */
bool	mp_remote_is_offline(void);
/* Shared by both: the session's settings and progress. */
struct mp_remote {
	struct mp_http	*http;
	bool		 offline;
	const char	*spec;
	unsigned	 files, done;	/* progress over several files */
	bool		 drawn;		/* a progress line is on screen */
};
bool	mp_remote_open(struct mp_remote *, const char *spec, const char *base,
	    struct mp_error *);
void	mp_remote_close(struct mp_remote *);
void	mp_remote_progress(struct mp_remote *, const char *what);
/* One file of a model: where, its cache key, its name in messages. */
struct mp_rpart {
	char	 url[2048];
	char	 key[1400];
	char	 what[1300];
};
/* A GGUF model from its parts' headers (one for a single file), each
 * read by growing Range requests, all parts at once, or from the cache. */
bool	mp_remote_gguf_parts(struct mp_remote *, const struct mp_rpart *,
	    size_t n, struct mp_model *, struct mp_error *);
bool	mp_remote_gguf(struct mp_remote *, const char *url, const char *key,
	    const char *what, struct mp_model *, struct mp_error *);
/* A whole small file (cached as key), at most cap bytes. */
bool	mp_remote_small(struct mp_remote *, const char *url, const char *key,
	    const char *what, size_t cap, const char *accept,
	    unsigned char **buf, size_t *len, struct mp_error *);
/* A server's base URL: the environment variable env when it is set and
 * not empty, else dflt; without a trailing '/'. */
void	mp_remote_endpoint(const char *env, const char *dflt, char *out,
	    size_t len);
/* "offline: ... is not in memplan's cache" */
bool	mp_remote_offline_error(const char *spec, const char *what,
	    struct mp_error *);

#endif
